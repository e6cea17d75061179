/*
 * test_sched.c - the scheduler's pass as the specification of what
 * slurmctld 22.05 shows while no job can run: multifactor priorities (the
 * expected numbers are what sprio and squeue printed for the same jobs on
 * the lab's slurmctld, docs/scheduler.md), the pending reason of each
 * situation, determinism, and the sprio / sshare answers.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "services/scheduler/sched.h"
#include "test/services/scheduler/schedtest.h"
#include "wire/pack.h"
#include "wire/rec_info.h"
#include "wire/record.h"

#define UNKNOWN 0u
#define DOWN 1u
#define IDLE 2u
#define FUTURE 6u
#define DRAIN 0x200u
#define NO_RESPOND 0x800u

/* node order of st_nodes_conf: n1 n2 n3 big1 */
static uint32_t all_unknown[4] = {UNKNOWN | NO_RESPOND, UNKNOWN | NO_RESPOND,
                                  UNKNOWN | NO_RESPOND, UNKNOWN | NO_RESPOND};

static const struct sched_decision *decision(const struct sched_result *r, uint32_t id)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->d[i].job_id == id)
            return &r->d[i];
    }
    return NULL;
}

#define ck_reason(RES, ID, REASON, DESC) \
    do { \
        const struct sched_decision *d_ = decision((RES), (ID)); \
        const char *want_ = (DESC); \
        ck_assert_msg(d_ != NULL, "no decision for job %u", (unsigned)(ID)); \
        ck_assert_msg(d_->reason == (uint32_t)(REASON), "job %u: reason %u, expected %u", \
                      (unsigned)(ID), d_->reason, (unsigned)(REASON)); \
        if (!want_) \
            ck_assert_msg(d_->desc == NULL, "job %u: desc '%s', expected none", \
                          (unsigned)(ID), d_->desc); \
        else \
            ck_assert_msg(d_->desc && !strcmp(d_->desc, want_), \
                          "job %u: desc '%s', expected '%s'", (unsigned)(ID), \
                          d_->desc ? d_->desc : "(null)", want_); \
    } while (0)

static const char *const lab_weights =
    "PriorityType=priority/multifactor\n"
    "PriorityWeightAge=1000\nPriorityWeightJobSize=1000\nPriorityWeightPartition=1000\n"
    "PriorityWeightFairshare=1000\nPriorityWeightQOS=1000\nPriorityMaxAge=1-0\n";

/* ---- priorities ---------------------------------------------------------- */

/* sbatch --wrap / -p long -N 2 -n 4 / -p small -n 2 / -n 3 --nice=100 /
 * -p long -c 8, as the lab's slurmctld priced them: job size favouring
 * large jobs plus the partition's normalized factor; age and fair-share
 * weights are ignored without slurmdbd, as slurmctld ignores them. */
START_TEST(multifactor_priorities_match_slurmctld)
{
    struct sched_site *site = st_site(lab_weights);
    struct sched_job j[5] = {
        st_job(1000, "debug", 1, 1, 8000), st_job(1001, "long", 4, 2, 32000),
        st_job(1002, "small", 2, 1, 8000), st_job(1003, "debug", 3, 1, 8000),
        st_job(1007, "long", 8, 1, 16000),
    };
    struct sched_factors f;

    j[3].nice = ST_NICE0 + 100;
    ck_assert_uint_eq(sched_priority(site, &j[0], NULL, &f), 250);
    ck_assert_double_eq_tol(f.js, 150.0, 1e-9);
    ck_assert_double_eq_tol(f.part, 100.0, 1e-9);
    ck_assert_double_eq(f.age, 0.0);
    ck_assert_double_eq(f.fs, 0.0);
    ck_assert_uint_eq(sched_priority(site, &j[1], NULL, NULL), 1350);
    ck_assert_uint_eq(sched_priority(site, &j[2], NULL, NULL), 675);
    ck_assert_uint_eq(sched_priority(site, &j[3], NULL, &f), 200);
    ck_assert_uint_eq(f.nice, ST_NICE0 + 100);
    ck_assert_uint_eq(sched_priority(site, &j[4], NULL, NULL), 1325);
    st_jobs_clear(j, 5);
    sched_site_destroy(site);
}
END_TEST

/* The lab again with PriorityFavorSmall=YES and
 * PriorityWeightTRES=CPU=1000,Mem=2000,Node=500: TRES are normalized by
 * the partition's totals; a job of two partitions has a row (and a
 * priority) per partition; the site factor adds in. */
START_TEST(tres_weights_and_favor_small_match_slurmctld)
{
    struct sched_site *site = st_site("PriorityType=priority/multifactor\n"
                                      "PriorityWeightJobSize=1000\n"
                                      "PriorityWeightPartition=1000\n"
                                      "PriorityFavorSmall=YES\n"
                                      "PriorityWeightTRES=CPU=1000,Mem=2000,Node=500\n");
    struct sched_job j[6] = {
        st_job(1000, "debug", 1, 1, 8000),  st_job(1001, "long", 4, 2, 32000),
        st_job(1002, "small", 2, 1, 2000),  st_job(1003, "debug", 3, 1, 8000),
        st_job(1004, "long", 8, 1, 16000),  st_job(1005, "long,debug", 2, 1, 16000),
    };
    struct sched_factors f;

    j[3].nice = ST_NICE0 - 50;
    ck_assert_uint_eq(sched_priority(site, &j[0], NULL, &f), 1866);
    ck_assert_double_eq_tol(f.js, 850.0, 1e-9);
    ck_assert_double_eq_tol(f.tres[SCHED_TRES_CPU], 1000.0 / 12, 1e-9);
    ck_assert_double_eq_tol(f.tres[SCHED_TRES_MEM], 2000.0 / 3, 1e-9);
    ck_assert_double_eq_tol(f.tres[SCHED_TRES_NODE], 500.0 / 3, 1e-9);
    ck_assert_double_eq(f.tres[SCHED_TRES_BILLING], 0.0);
    ck_assert_uint_eq(sched_priority(site, &j[1], NULL, NULL), 3700);
    ck_assert_uint_eq(sched_priority(site, &j[2], NULL, NULL), 2825);
    ck_assert_uint_eq(sched_priority(site, &j[3], NULL, NULL), 2033);
    ck_assert_uint_eq(sched_priority(site, &j[4], NULL, NULL), 3000);
    ck_assert_uint_eq(sched_priority(site, &j[5], NULL, NULL), 2850);
    ck_assert_uint_eq(sched_priority(site, &j[5], "debug", NULL), 2591);
    j[0].site_factor = ST_NICE0 + 77;
    ck_assert_uint_eq(sched_priority(site, &j[0], NULL, NULL), 1943);
    st_jobs_clear(j, 6);
    sched_site_destroy(site);
}
END_TEST

/* A job of two partitions is queued once per partition; schedule() gives
 * it the priority of the record it looked at last (the lower one here),
 * as squeue showed on the lab once its scheduler had run. */
START_TEST(a_job_of_two_partitions_ends_with_its_last_records_priority)
{
    struct sched_site *site = st_site("PriorityType=priority/multifactor\n"
                                      "PriorityWeightJobSize=1000\n"
                                      "PriorityWeightPartition=1000\n"
                                      "PriorityFavorSmall=YES\n"
                                      "PriorityWeightTRES=CPU=1000,Mem=2000,Node=500\n");
    struct sched_job j[2] = {st_job(1000, "debug", 1, 1, 8000),
                             st_job(1005, "long,debug", 2, 1, 16000)};
    struct sched_result *r = sched_pass(site, j, 2, NULL, 0, all_unknown, ST_T0);

    ck_assert_uint_eq(decision(r, 1005)->priority, 2591);
    /* both of its records come before job 1000 (1866): the last one
     * heads debug, whose nodes the failure of long already took */
    ck_reason(r, 1005, SCHED_WAIT_RESOURCES, SCHED_DESC_NODES_DOWN);
    ck_reason(r, 1000, SCHED_WAIT_NODE_NOT_AVAIL, "ReqNodeNotAvail, UnavailableNodes:n[1-3]");
    sched_result_destroy(r);
    /* not queued (waiting for its begin time): the first partition's */
    j[1].eligible_time = ST_T0 + 60;
    r = sched_pass(site, j, 2, NULL, 0, all_unknown, ST_T0);
    ck_assert_uint_eq(decision(r, 1005)->priority, 2850);
    sched_result_destroy(r);
    st_jobs_clear(j, 2);
    sched_site_destroy(site);
}
END_TEST

/* priority/basic is the store's: the pass keeps each job's priority. */
START_TEST(basic_priorities_are_kept)
{
    struct sched_site *site = st_site(NULL);
    struct sched_job j[2] = {st_job(1000, "debug", 1, 1, 8000), st_job(1001, "long", 4, 2, 0)};
    struct sched_result *r = sched_pass(site, j, 2, NULL, 0, all_unknown, ST_T0);

    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(decision(r, 1000)->priority, 0xffff0000u - 1);
    ck_assert_uint_eq(decision(r, 1001)->priority, 0xffff0000u - 2);
    sched_result_destroy(r);
    st_jobs_clear(j, 2);
    sched_site_destroy(site);
}
END_TEST

/* An administrator's priority is never recomputed. */
START_TEST(a_direct_priority_is_kept)
{
    struct sched_site *site = st_site(lab_weights);
    struct sched_job j[2] = {st_job(1000, "debug", 1, 1, 8000), st_job(1001, "debug", 1, 1, 8000)};
    struct sched_result *r;

    j[1].priority = 5000;
    j[1].direct_prio = true;
    r = sched_pass(site, j, 2, NULL, 0, all_unknown, ST_T0);
    ck_assert_uint_eq(decision(r, 1000)->priority, 250);
    ck_assert_uint_eq(decision(r, 1001)->priority, 5000);
    /* the higher priority is first in its partition */
    ck_reason(r, 1001, SCHED_WAIT_RESOURCES, SCHED_DESC_NODES_DOWN);
    ck_reason(r, 1000, SCHED_WAIT_NODE_NOT_AVAIL, "ReqNodeNotAvail, UnavailableNodes:n[1-3]");
    sched_result_destroy(r);
    st_jobs_clear(j, 2);
    sched_site_destroy(site);
}
END_TEST

/* ---- reasons -------------------------------------------------------------- */

/* The lab's submissions with no slurmd ever registered, and what
 * slurmctld showed for each once its scheduler had looked at them: the
 * first job of each partition "Nodes required ...", the others keep what
 * select_nodes said at submission, limits in job_limits_check's order. */
START_TEST(reasons_while_no_node_ever_registered)
{
    struct sched_site *site = st_site(NULL);
    struct sched_job j[14] = {
        st_job(1000, "debug", 1, 1, 0), st_job(1001, "long", 1, 1, 0),
        st_job(1002, "small", 1, 1, 0), st_job(1003, "small", 2, 2, 0),
        st_job(1004, "pdown", 1, 1, 0), st_job(1005, "debug", 1, 1, 0),
        st_job(1006, "debug", 1, 1, 0), st_job(1007, "debug", 1, 1, 0),
        st_job(1008, "debug", 1, 1, 0), st_job(1009, "debug", 4, 4, 0),
        st_job(1011, "long", 8, 1, 0),  st_job(1012, "debug", 1, 1, 0),
        st_job(1013, "debug", 1, 1, 0), st_job(1014, "long", 4, 4, 0),
    };
    struct sched_result *r;

    j[2].time_limit = 60;                       /* -p small -t 60 */
    j[5].eligible_time = ST_T0 + 3600;          /* --begin=now+1hour */
    st_set(&j[6].dependency, "afterok:1000");   /* on a pending job */
    st_set(&j[7].dependency, "afterok:99999");  /* on no job: lifted */
    j[8].priority = 0;                          /* --hold */
    j[8].reason = SCHED_WAIT_HELD_USER;
    j[10].cpus_per_task = 8;                    /* -c 8 */
    j[10].pn_min_cpus = 8;
    st_set(&j[11].req_nodes, "n2");             /* -w n2 */
    j[12].array_meta = true;                    /* --array=1-3 */
    j[12].array_job_id = 1013;
    r = sched_pass(site, j, 14, NULL, 0, all_unknown, ST_T0 + 10);
    ck_assert_ptr_nonnull(r);
    ck_reason(r, 1000, SCHED_WAIT_RESOURCES, SCHED_DESC_NODES_DOWN);
    ck_reason(r, 1001, SCHED_WAIT_RESOURCES, SCHED_DESC_NODES_DOWN);
    ck_reason(r, 1002, SCHED_WAIT_PART_TIME_LIMIT, NULL);
    ck_reason(r, 1003, SCHED_WAIT_PART_NODE_LIMIT, NULL);
    ck_reason(r, 1004, SCHED_WAIT_PART_DOWN, NULL);
    ck_reason(r, 1005, SCHED_WAIT_TIME, NULL);
    ck_reason(r, 1006, SCHED_WAIT_DEPENDENCY, NULL);
    ck_reason(r, 1007, SCHED_WAIT_NODE_NOT_AVAIL, "ReqNodeNotAvail, UnavailableNodes:n[1-3]");
    ck_assert_ptr_null(decision(r, 1008)); /* held: not the scheduler's */
    ck_reason(r, 1009, SCHED_WAIT_PART_NODE_LIMIT, NULL);
    ck_reason(r, 1011, SCHED_WAIT_NODE_NOT_AVAIL,
              "ReqNodeNotAvail, UnavailableNodes:big1,n[1-3]");
    ck_reason(r, 1012, SCHED_WAIT_NODE_NOT_AVAIL, "ReqNodeNotAvail, UnavailableNodes:n2");
    ck_reason(r, 1013, SCHED_WAIT_NODE_NOT_AVAIL, "ReqNodeNotAvail, UnavailableNodes:n[1-3]");
    ck_reason(r, 1014, SCHED_WAIT_NODE_NOT_AVAIL,
              "ReqNodeNotAvail, UnavailableNodes:big1,n[1-3]");
    ck_assert_int_eq(r->n, 13);
    ck_assert_int_eq(r->next_wakeup, ST_T0 + 3600);
    sched_result_destroy(r);

    /* scancel 1000: its afterok dependant can never run, and the next job
     * of debug heads the partition */
    j[0].state = 4; /* CANCELLED */
    r = sched_pass(site, j, 14, NULL, 0, all_unknown, ST_T0 + 20);
    ck_assert_ptr_null(decision(r, 1000));
    ck_reason(r, 1006, SCHED_WAIT_DEP_INVALID, NULL);
    ck_reason(r, 1007, SCHED_WAIT_RESOURCES, SCHED_DESC_NODES_DOWN);
    sched_result_destroy(r);

    /* the begin time passes: 1005 was submitted before 1007 (priority/basic
     * counts down) and now heads debug */
    r = sched_pass(site, j, 14, NULL, 0, all_unknown, ST_T0 + 3600);
    ck_reason(r, 1005, SCHED_WAIT_RESOURCES, SCHED_DESC_NODES_DOWN);
    ck_reason(r, 1007, SCHED_WAIT_NODE_NOT_AVAIL, "ReqNodeNotAvail, UnavailableNodes:n[1-3]");
    ck_assert_int_eq(r->next_wakeup, 0);
    sched_result_destroy(r);
    st_jobs_clear(j, 14);
    sched_site_destroy(site);
}
END_TEST

/* _part_access_check's order: CPUs, then node counts, then time. */
START_TEST(partition_limits_in_slurmctld_order)
{
    struct sched_site *site = st_site("PartitionName=wide Nodes=n[1-3] MinNodes=2 MaxTime=10\n");
    struct sched_job j[5] = {
        st_job(1, "small", 2, 2, 0), st_job(2, "debug", 13, 1, 0), st_job(3, "wide", 1, 1, 0),
        st_job(4, "wide", 1, 2, 0), st_job(5, "small", 1, 1, 0),
    };
    struct sched_result *r;

    j[0].time_limit = 60;    /* over both node and time limits: node first */
    j[1].time_limit = 99999; /* 13 CPUs > the 12 of debug: PartitionConfig first */
    j[3].time_limit = 11;
    j[3].max_nodes = 3;
    j[4].max_nodes = 2;      /* MaxNodes=1 */
    r = sched_pass(site, j, 5, NULL, 0, all_unknown, ST_T0);
    ck_reason(r, 1, SCHED_WAIT_PART_NODE_LIMIT, NULL);
    ck_reason(r, 2, SCHED_WAIT_PART_CONFIG, NULL);
    ck_reason(r, 3, SCHED_WAIT_PART_NODE_LIMIT, NULL); /* under MinNodes */
    ck_reason(r, 4, SCHED_WAIT_PART_TIME_LIMIT, NULL);
    ck_reason(r, 5, SCHED_WAIT_PART_NODE_LIMIT, NULL);
    sched_result_destroy(r);
    st_jobs_clear(j, 5);
    sched_site_destroy(site);
}
END_TEST

/* test_job_dependency's rules, one situation each. */
START_TEST(dependencies)
{
    struct sched_site *site = st_site(NULL);
    struct sched_job j[12] = {
        st_job(10, "debug", 1, 1, 0), st_job(11, "debug", 1, 1, 0), st_job(12, "debug", 1, 1, 0),
        st_job(20, "debug", 1, 1, 0), st_job(21, "debug", 1, 1, 0), st_job(22, "debug", 1, 1, 0),
        st_job(23, "debug", 1, 1, 0), st_job(24, "debug", 1, 1, 0), st_job(25, "debug", 1, 1, 0),
        st_job(26, "debug", 1, 1, 0), st_job(27, "debug", 1, 1, 0), st_job(28, "debug", 1, 1, 0),
    };
    struct sched_result *r;

    j[0].state = 4; /* 10 CANCELLED */
    j[1].state = 3; /* 11 COMPLETE */
    j[2].state = 5; /* 12 FAILED */
    st_set(&j[3].dependency, "afterany:10");            /* lifted */
    st_set(&j[4].dependency, "afternotok:10");          /* lifted */
    st_set(&j[5].dependency, "afternotok:11");          /* never */
    st_set(&j[6].dependency, "afterok:11:12");          /* one failed: never */
    st_set(&j[7].dependency, "afterok:12?afterok:11");  /* one met is enough */
    st_set(&j[8].dependency, "afterok:10?afterok:12");  /* none can be: never */
    st_set(&j[9].dependency, "after:28");               /* 28 is pending: waits */
    st_set(&j[10].dependency, "singleton");             /* 20 is a "wrap" before it */
    st_set(&j[11].dependency, "afterany:10,afterok:27"); /* all must be met */
    st_set(&j[10].name, "wrap");
    r = sched_pass(site, j, 12, NULL, 0, all_unknown, ST_T0);
    ck_assert_int_eq(decision(r, 20)->reason, SCHED_WAIT_RESOURCES);
    ck_assert_int_eq(decision(r, 21)->reason, SCHED_WAIT_NODE_NOT_AVAIL);
    ck_reason(r, 22, SCHED_WAIT_DEP_INVALID, NULL);
    ck_reason(r, 23, SCHED_WAIT_DEP_INVALID, NULL);
    ck_assert_int_eq(decision(r, 24)->reason, SCHED_WAIT_NODE_NOT_AVAIL);
    ck_reason(r, 25, SCHED_WAIT_DEP_INVALID, NULL);
    ck_reason(r, 26, SCHED_WAIT_DEPENDENCY, NULL);
    ck_reason(r, 27, SCHED_WAIT_DEPENDENCY, NULL);
    ck_reason(r, 28, SCHED_WAIT_DEPENDENCY, NULL);
    sched_result_destroy(r);
    st_jobs_clear(j, 12);
    sched_site_destroy(site);
}
END_TEST

/* With registered nodes, jobs that fit start one after the other (reason
 * None: job.start sets it); the first that finds its partition's nodes
 * taken waits for Resources and keeps lower jobs of the partition off
 * them; a partition whose nodes are all kept so has too few nodes left. */
START_TEST(idle_nodes)
{
    struct sched_site *site = st_site(NULL);
    uint32_t idle[4] = {IDLE, IDLE, IDLE, IDLE};
    struct sched_job j[5] = {st_job(1, "debug", 1, 1, 0), st_job(2, "debug", 2, 2, 0),
                             st_job(3, "debug", 1, 1, 0), st_job(4, "debug", 1, 1, 0),
                             st_job(5, "long", 2, 2, 0)};
    struct sched_result *r = sched_pass(site, j, 5, NULL, 0, idle, ST_T0);

    ck_reason(r, 1, SCHED_WAIT_NO_REASON, NULL);
    ck_assert(decision(r, 1)->would_start);
    ck_reason(r, 2, SCHED_WAIT_NO_REASON, NULL);
    ck_assert(decision(r, 2)->would_start);
    ck_assert_uint_eq(r->nstarts, 2);
    ck_assert_str_eq(r->starts[0].alloc->nodes, "n1");
    ck_assert_str_eq(r->starts[1].alloc->nodes, "n[2-3]");
    ck_reason(r, 3, SCHED_WAIT_RESOURCES, NULL);
    ck_assert(!decision(r, 3)->would_start);
    ck_reason(r, 4, SCHED_WAIT_PRIORITY, NULL);
    ck_reason(r, 5, SCHED_WAIT_RESOURCES, SCHED_DESC_NODES_DOWN);
    sched_result_destroy(r);
    st_jobs_clear(j, 5);
    sched_site_destroy(site);
}
END_TEST

/* Drained, down, failing and silent nodes are not usable; FUTURE nodes are
 * never listed as unavailable. */
START_TEST(drained_down_and_silent_nodes)
{
    struct sched_site *site = st_site(NULL);
    uint32_t st[4] = {IDLE | DRAIN, IDLE | NO_RESPOND, IDLE, DOWN};
    struct sched_job j[3] = {st_job(1, "debug", 2, 2, 0), st_job(2, "debug", 1, 1, 0),
                             st_job(3, "long", 8, 1, 0)};
    struct sched_result *r;

    j[2].cpus_per_task = 8;
    j[2].pn_min_cpus = 8;
    r = sched_pass(site, j, 3, NULL, 0, st, ST_T0);
    /* one usable node of debug for a two-node job */
    ck_reason(r, 1, SCHED_WAIT_RESOURCES, SCHED_DESC_NODES_DOWN);
    /* n3 alone does for job 2, and job 1 cannot use it before job 2
     * ends (it cannot run at all): backfill starts job 2 */
    ck_reason(r, 2, SCHED_WAIT_NO_REASON, NULL);
    ck_assert_uint_eq(r->nstarts, 1);
    ck_assert_str_eq(r->starts[0].alloc->nodes, "n3");
    /* only big1 has 8 CPUs, and it is down; debug's failure took n3 */
    ck_reason(r, 3, SCHED_WAIT_RESOURCES, SCHED_DESC_NODES_DOWN);
    sched_result_destroy(r);

    /* big1 FUTURE: nothing can ever run job 3 */
    st[3] = FUTURE;
    r = sched_pass(site, j + 2, 1, NULL, 0, st, ST_T0);
    ck_reason(r, 3, SCHED_FAIL_BAD_CONSTRAINTS, NULL);
    sched_result_destroy(r);

    /* all of long up but big1 drained: job 3 waits for big1 only */
    st[0] = IDLE;
    st[1] = IDLE;
    st[3] = IDLE | DRAIN;
    r = sched_pass(site, j + 2, 1, NULL, 0, st, ST_T0);
    ck_reason(r, 3, SCHED_WAIT_NODE_NOT_AVAIL, "ReqNodeNotAvail, UnavailableNodes:big1");
    sched_result_destroy(r);
    st_jobs_clear(j, 3);
    sched_site_destroy(site);
}
END_TEST

/* The same inputs in any order give the same decisions, and a pass over
 * its own decisions changes nothing: the service sends a command only when
 * something changed. */
START_TEST(passes_are_deterministic_and_settle)
{
    struct sched_site *site = st_site(lab_weights);
    enum { N = 40 };
    struct sched_job j[N], k[N];
    struct sched_result *a, *b, *c;

    for (uint32_t i = 0; i < N; i++) {
        static const char *const parts[] = {"debug", "long", "small", "pdown"};

        j[i] = st_job(100 + i, parts[i % 4], 1 + i % 5, 1 + i % 3, 8000);
        if (i % 7 == 3)
            st_set(&j[i].dependency, "afterok:101");
        if (i % 11 == 5)
            j[i].eligible_time = ST_T0 + 600;
    }
    /* the same jobs, reversed */
    for (uint32_t i = 0; i < N; i++) {
        k[i] = j[N - 1 - i];
        k[i].name = strdup(j[N - 1 - i].name);
        k[i].partition = strdup(j[N - 1 - i].partition);
        k[i].dependency = j[N - 1 - i].dependency ? strdup(j[N - 1 - i].dependency) : NULL;
    }
    a = sched_pass(site, j, N, NULL, 0, all_unknown, ST_T0);
    b = sched_pass(site, k, N, NULL, 0, all_unknown, ST_T0);
    ck_assert_int_eq(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        ck_assert_uint_eq(a->d[i].job_id, b->d[i].job_id);
        ck_assert_uint_eq(a->d[i].priority, b->d[i].priority);
        ck_assert_uint_eq(a->d[i].reason, b->d[i].reason);
        ck_assert_str_eq(a->d[i].desc ? a->d[i].desc : "-", b->d[i].desc ? b->d[i].desc : "-");
    }
    /* apply the decisions, as the store does, and decide again */
    for (size_t i = 0; i < a->n; i++) {
        struct sched_job *job = &j[a->d[i].job_id - 100];

        job->priority = a->d[i].priority;
        job->reason = a->d[i].reason;
        st_set(&job->desc, a->d[i].desc);
    }
    c = sched_pass(site, j, N, NULL, 0, all_unknown, ST_T0);
    for (size_t i = 0; i < c->n; i++) {
        const struct sched_job *job = &j[c->d[i].job_id - 100];

        ck_assert_uint_eq(c->d[i].priority, job->priority);
        ck_assert_uint_eq(c->d[i].reason, job->reason);
        ck_assert_str_eq(c->d[i].desc ? c->d[i].desc : "-", job->desc ? job->desc : "-");
    }
    sched_result_destroy(a);
    sched_result_destroy(b);
    sched_result_destroy(c);
    st_jobs_clear(j, N);
    st_jobs_clear(k, N);
    sched_site_destroy(site);
}
END_TEST

/* ---- sprio and sshare ------------------------------------------------------- */

static json_t *factors_of(json_t *msg, uint32_t job, const char *part)
{
    size_t i;
    json_t *f;

    json_array_foreach(json_object_get(msg, "factors"), i, f) {
        if (json_integer_value(json_object_get(f, "job_id")) == job &&
            !strcmp(json_string_value(json_object_get(f, "partition")), part))
            return f;
    }
    return NULL;
}

static double nth(const json_t *f, const char *key, size_t i)
{
    return json_number_value(json_array_get(json_object_get(f, key), i));
}

static double num(const json_t *f, const char *key)
{
    return json_number_value(json_object_get(f, key));
}

/* sprio's rows: eligible pending jobs not held, one per partition, the
 * weighted factors; an administrator's priority alone; filters by job,
 * user and partition; no list at all when nothing matches. */
START_TEST(priority_factors_for_sprio)
{
    struct sched_site *site = st_site("PriorityType=priority/multifactor\n"
                                      "PriorityWeightJobSize=1000\n"
                                      "PriorityWeightPartition=1000\n"
                                      "PriorityFavorSmall=YES\n"
                                      "PriorityWeightTRES=CPU=1000,Mem=2000,Node=500\n"
                                      "PrivateData=jobs\n");
    struct sched_job j[5] = {st_job(1000, "debug", 1, 1, 8000),
                             st_job(1005, "long,debug", 2, 1, 16000),
                             st_job(1006, "debug", 1, 1, 8000), st_job(1007, "debug", 1, 1, 8000),
                             st_job(1008, "debug", 1, 1, 8000)};
    json_t *msg, *f, *req;

    j[1].user_id = 1001;
    j[2].priority = 0;                   /* held */
    j[3].eligible_time = ST_T0 + 3600;   /* begins later */
    j[4].priority = 5000;
    j[4].direct_prio = true;
    msg = sched_priority_factors(site, j, 5, ST_T0, NULL, 0);
    ck_assert_ptr_nonnull(msg);
    ck_assert_int_eq(json_array_size(json_object_get(msg, "factors")), 4);
    f = factors_of(msg, 1000, "debug");
    ck_assert_ptr_nonnull(f);
    ck_assert_double_eq_tol(num(f, "priority_js"), 850.0, 1e-6);
    ck_assert_double_eq_tol(num(f, "priority_part"), 100.0, 1e-6);
    ck_assert_int_eq(json_integer_value(json_object_get(f, "nice")), ST_NICE0);
    ck_assert_int_eq(json_array_size(json_object_get(f, "tres_names")), 8);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(f, "tres_names"), 1)), "mem");
    ck_assert_double_eq_tol(nth(f, "priority_tres", 1), 2000.0 / 3, 1e-6);
    ck_assert_double_eq_tol(nth(f, "tres_weights", 3), 500.0, 1e-9);
    /* both partitions of 1005, each normalized by its own totals */
    ck_assert_double_eq_tol(num(factors_of(msg, 1005, "long"), "priority_part"), 1000.0, 1e-6);
    ck_assert_double_eq_tol(nth(factors_of(msg, 1005, "debug"), "priority_tres", 0), 1000.0 / 6,
                            1e-6);
    f = factors_of(msg, 1008, "debug");
    ck_assert_double_eq(num(f, "direct_prio"), 5000.0);
    ck_assert_double_eq(num(f, "priority_js"), 0.0);
    json_decref(msg);

    /* a user sees only their own jobs under PrivateData=jobs */
    msg = sched_priority_factors(site, j, 5, ST_T0, NULL, 1001);
    ck_assert_int_eq(json_array_size(json_object_get(msg, "factors")), 2);
    json_decref(msg);
    /* sprio -j 1005 -p long */
    req = json_pack("{s:[{s:i}], s:n, s:s}", "job_ids", "value", 1005, "uids", "partitions",
                    "long");
    msg = sched_priority_factors(site, j, 5, ST_T0, req, 0);
    ck_assert_int_eq(json_array_size(json_object_get(msg, "factors")), 1);
    ck_assert_ptr_nonnull(factors_of(msg, 1005, "long"));
    json_decref(msg);
    json_decref(req);
    /* sprio -j 1006 (held): slurmctld sends no list */
    req = json_pack("{s:[{s:i}]}", "job_ids", "value", 1006);
    msg = sched_priority_factors(site, j, 5, ST_T0, req, 0);
    ck_assert(json_is_null(json_object_get(msg, "factors")));
    json_decref(msg);
    json_decref(req);
    st_jobs_clear(j, 5);
    sched_site_destroy(site);
}
END_TEST

/* priority/basic: an empty list (sprio itself refuses to ask). */
START_TEST(priority_factors_with_basic_are_empty)
{
    struct sched_site *site = st_site(NULL);
    struct sched_job j = st_job(1000, "debug", 1, 1, 8000);
    json_t *msg = sched_priority_factors(site, &j, 1, ST_T0, NULL, 0);

    ck_assert(json_is_array(json_object_get(msg, "factors")));
    ck_assert_int_eq(json_array_size(json_object_get(msg, "factors")), 0);
    json_decref(msg);
    sched_job_clear(&j);
    sched_site_destroy(site);
}
END_TEST

/* The factors JSON is a valid RESPONSE_PRIORITY_FACTORS record. */
START_TEST(priority_factors_pack)
{
    struct sched_site *site = st_site(lab_weights);
    struct sched_job j = st_job(1000, "debug", 1, 1, 8000);
    json_t *msg = sched_priority_factors(site, &j, 1, ST_T0, NULL, 0);
    struct flurm_priority_factors_msg pm;
    struct flurm_buf *b = flurm_buf_create(64);
    const char *field = NULL;

    ck_assert_int_eq(flurm_record_from_json(&flurm_rec_priority_factors_msg, msg, &pm, &field), 0);
    ck_assert_int_eq(pm.count, 1);
    ck_assert_int_eq(
        flurm_record_pack(&flurm_rec_priority_factors_msg, &pm, b, FLURM_PROTO_22_05), 0);
    flurm_record_free(&flurm_rec_priority_factors_msg, &pm);
    flurm_buf_destroy(b);
    json_decref(msg);
    sched_job_clear(&j);
    sched_site_destroy(site);
}
END_TEST

/* Without slurmdbd slurmctld answers sshare with no TRES, no list and no
 * shares: 16 bytes, "0, NO_VAL, 0". */
START_TEST(share_info_without_accounting)
{
    static const uint8_t expected[16] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe,
                                         0, 0, 0, 0, 0,    0,    0,    0};
    struct sched_site *site = st_site(NULL);
    json_t *msg = sched_share_info(site);
    struct flurm_shares_msg sm;
    struct flurm_buf *b = flurm_buf_create(64);
    const char *field = NULL;

    ck_assert_ptr_nonnull(msg);
    ck_assert(json_is_null(json_object_get(msg, "assoc_shares")));
    ck_assert_int_eq(flurm_record_from_json(&flurm_rec_shares_msg, msg, &sm, &field), 0);
    ck_assert_int_eq(flurm_record_pack(&flurm_rec_shares_msg, &sm, b, FLURM_PROTO_22_05), 0);
    ck_assert_uint_eq(flurm_buf_len(b), 16);
    ck_assert_mem_eq(flurm_buf_data(b), expected, 16);
    flurm_record_free(&flurm_rec_shares_msg, &sm);
    flurm_buf_destroy(b);
    json_decref(msg);
    sched_site_destroy(site);
}
END_TEST

/* A PriorityType FLURM does not implement is a configuration error. */
START_TEST(unknown_priority_type_is_refused)
{
    char path[] = "/tmp/flurm-sched-conf.XXXXXX";
    char err[256] = "";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    struct flurm_slurmconf *c;

    fputs(st_nodes_conf, f);
    fputs("PriorityType=priority/fancy\n", f);
    fclose(f);
    c = flurm_slurmconf_load(path, err, sizeof(err));
    unlink(path);
    if (!c)
        return; /* refused by slurm.conf already */
    ck_assert_ptr_null(sched_site_create(c, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "priority/fancy"));
    flurm_slurmconf_destroy(c);
}
END_TEST

static Suite *sched_suite(void)
{
    Suite *s = suite_create("scheduler_sched");
    TCase *tc = tcase_create("sched");

    tcase_add_test(tc, multifactor_priorities_match_slurmctld);
    tcase_add_test(tc, tres_weights_and_favor_small_match_slurmctld);
    tcase_add_test(tc, a_job_of_two_partitions_ends_with_its_last_records_priority);
    tcase_add_test(tc, basic_priorities_are_kept);
    tcase_add_test(tc, a_direct_priority_is_kept);
    tcase_add_test(tc, reasons_while_no_node_ever_registered);
    tcase_add_test(tc, partition_limits_in_slurmctld_order);
    tcase_add_test(tc, dependencies);
    tcase_add_test(tc, idle_nodes);
    tcase_add_test(tc, drained_down_and_silent_nodes);
    tcase_add_test(tc, passes_are_deterministic_and_settle);
    tcase_add_test(tc, priority_factors_for_sprio);
    tcase_add_test(tc, priority_factors_with_basic_are_empty);
    tcase_add_test(tc, priority_factors_pack);
    tcase_add_test(tc, share_info_without_accounting);
    tcase_add_test(tc, unknown_priority_type_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sched_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
