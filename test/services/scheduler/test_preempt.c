/*
 * test_preempt.c - who the scheduler's pass preempts with
 * PreemptType=preempt/partition_prio (docs/scheduler.md, "Preemption"): a
 * pending job of a partition of higher PriorityTier that cannot start for
 * lack of resources stops running jobs of lower tiers whose PreemptMode
 * lets them go (REQUEUE or CANCEL), the fewest and lowest needed; nobody
 * of the same tier, of a PreemptMode=OFF partition, within
 * PreemptExemptTime, off the job's nodes, or when free (or soon free)
 * resources are enough.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/slurmconf.h"
#include "services/scheduler/sched.h"
#include "services/scheduler/view.h"
#include "test/services/scheduler/schedtest.h"
#include "wire/pack.h"

#define IDLE 2u
#define RUNNING 1u
#define PENDING_COMPLETING 0x8000u
#define NOW ST_T0

/* c1-c2: 8 cores, 16000 MB each, shared by partitions of two tiers; c3
 * only in `side`, of tier 1. */
static const char pre_conf[] =
    "ClusterName=pre\n"
    "SlurmctldHost=ctl(127.0.0.1)\n"
    "SelectType=select/cons_tres\n"
    "SelectTypeParameters=CR_Core_Memory\n"
    "NodeName=c[1-3] CPUs=8 Sockets=2 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=16000\n"
    "PartitionName=low Nodes=c[1-2] Default=YES MaxTime=INFINITE PriorityTier=1\n"
    "PartitionName=lowc Nodes=c[1-2] MaxTime=INFINITE PriorityTier=1 PreemptMode=CANCEL\n"
    "PartitionName=off Nodes=c[1-2] MaxTime=INFINITE PriorityTier=1 PreemptMode=OFF\n"
    "PartitionName=side Nodes=c3 MaxTime=INFINITE PriorityTier=1\n"
    "PartitionName=high Nodes=c[1-2] MaxTime=INFINITE PriorityTier=10\n"
    "PartitionName=peer Nodes=c[1-2] MaxTime=INFINITE PriorityTier=10\n";

static const uint32_t all_idle[3] = {IDLE, IDLE, IDLE};

static struct sched_site *site_with(const char *preempt_lines, char *err, size_t errlen)
{
    char path[] = "/tmp/flurm-preempt-conf.XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    struct flurm_slurmconf *c;
    struct sched_site *site;

    ck_assert_ptr_nonnull(f);
    fputs(pre_conf, f);
    fputs(preempt_lines, f);
    fclose(f);
    c = flurm_slurmconf_load(path, err, errlen);
    unlink(path);
    ck_assert_msg(c != NULL, "slurm.conf: %s", err);
    site = sched_site_create(c, err, errlen);
    flurm_slurmconf_destroy(c);
    return site;
}

static struct sched_site *preempting_site(const char *extra)
{
    char lines[512], err[256] = "";
    struct sched_site *site;

    snprintf(lines, sizeof(lines), "PreemptType=preempt/partition_prio\nPreemptMode=REQUEUE\n%s",
             extra ? extra : "");
    site = site_with(lines, err, sizeof(err));
    ck_assert_msg(site != NULL, "sched_site_create: %s", err);
    return site;
}

/* A pending job of `tasks` one-CPU tasks on one node (-N 1), 100 MB. */
static struct sched_job pending(uint32_t id, const char *part, uint32_t tasks)
{
    struct sched_job j = st_job(id, part, tasks, 1, 100);

    j.max_nodes = 1;
    j.num_tasks = tasks;
    j.pn_min_memory = 100;
    j.shared = FLURM_NO_VAL16;
    return j;
}

/* The job record of a job running in part since `start`. */
static struct sched_job running(uint32_t id, const char *part, int64_t start)
{
    struct sched_job j = pending(id, part, 1);

    j.state = RUNNING;
    j.reason = SCHED_WAIT_NO_REASON;
    j.start_time = start;
    return j;
}

/* An allocation of cores on one node ("c1", "0-7"). */
static struct flurm_alloc *on(const char *node, const char *cores)
{
    struct flurm_alloc *a = flurm_alloc_create();
    struct flurm_coreset set;

    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(flurm_coreset_parse(&set, cores, 8), 0);
    ck_assert_int_eq(flurm_alloc_add_host(a, node, &set, (uint32_t)flurm_coreset_count(&set), 100,
                                          true),
                     0);
    flurm_coreset_clear(&set);
    return a;
}

static struct sched_result *pass_at(const struct sched_site *site, struct sched_job *j, size_t n,
                                    const struct sched_hold *h, size_t nh, int64_t now)
{
    struct sched_result *r = sched_pass(site, j, n, h, nh, all_idle, now);

    ck_assert_ptr_nonnull(r);
    return r;
}

/* "11:requeue:1 12:cancel:1": job:mode:preemptor, in the pass's order. */
static const char *preempted(const struct sched_result *r)
{
    static char buf[512];
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < r->npreempts; i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%u:%s:%u", i ? " " : "",
                                r->preempts[i].job_id,
                                r->preempts[i].requeue ? "requeue" : "cancel",
                                r->preempts[i].by);
    return buf;
}

static const struct sched_decision *decision(const struct sched_result *r, uint32_t id)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->d[i].job_id == id)
            return &r->d[i];
    }
    ck_abort_msg("no decision for job %u", id);
    return NULL;
}

/* Two low-tier jobs fill c1 and c2; a high-tier job of 8 CPUs preempts
 * one of them, the youngest (the same tier and size), by the global
 * PreemptMode (REQUEUE); it waits for Resources meanwhile and starts
 * nothing.  The same picture in any order gives the same answer. */
START_TEST(a_higher_tier_job_preempts_one_lower_tier_job)
{
    struct sched_site *site = preempting_site(NULL);
    struct flurm_alloc *a = on("c1", "0-7"), *b = on("c2", "0-7");
    struct sched_hold h[2] = {{10, 0, RUNNING, 0, a}, {11, 0, RUNNING, 0, b}};
    struct sched_job j[3] = {running(10, "low", NOW - 300), running(11, "low", NOW - 200),
                             pending(1, "high", 8)};
    struct sched_job rev[3];
    struct sched_result *r;

    ck_assert(sched_site_preempts(site));
    r = pass_at(site, j, 3, h, 2, NOW);
    ck_assert_str_eq(preempted(r), "11:requeue:1");
    ck_assert_uint_eq(r->nstarts, 0);
    ck_assert_int_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    sched_result_destroy(r);
    rev[0] = j[2];
    rev[1] = j[1];
    rev[2] = j[0];
    r = pass_at(site, rev, 3, h, 2, NOW);
    ck_assert_str_eq(preempted(r), "11:requeue:1");
    sched_result_destroy(r);
    st_jobs_clear(j, 3);
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(b);
    sched_site_destroy(site);
}
END_TEST

/* A partition's own PreemptMode wins over the global one: CANCEL there. */
START_TEST(the_partitions_preempt_mode_decides_requeue_or_cancel)
{
    struct sched_site *site = preempting_site(NULL);
    struct flurm_alloc *a = on("c1", "0-7"), *b = on("c2", "0-7");
    struct sched_hold h[2] = {{10, 0, RUNNING, 0, a}, {11, 0, RUNNING, 0, b}};
    struct sched_job j[3] = {running(10, "lowc", NOW - 100), running(11, "lowc", NOW - 200),
                             pending(1, "high", 8)};
    struct sched_result *r = pass_at(site, j, 3, h, 2, NOW);

    ck_assert_str_eq(preempted(r), "10:cancel:1");
    sched_result_destroy(r);
    st_jobs_clear(j, 3);
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(b);
    sched_site_destroy(site);
}
END_TEST

/* Nobody of the same tier, of a PreemptMode=OFF partition, or off the
 * preemptor's partition is preempted: the job waits for Resources. */
START_TEST(same_tier_off_and_other_nodes_are_never_preempted)
{
    struct sched_site *site = preempting_site(NULL);
    struct flurm_alloc *a = on("c1", "0-7"), *b = on("c2", "0-7"), *c = on("c3", "0-7");
    struct sched_hold h[3] = {
        {10, 0, RUNNING, 0, a}, {11, 0, RUNNING, 0, b}, {12, 0, RUNNING, 0, c}};
    struct sched_job j[4] = {running(10, "peer", NOW - 100), running(11, "off", NOW - 100),
                             running(12, "side", NOW - 100), pending(1, "high", 8)};
    struct sched_result *r = pass_at(site, j, 4, h, 3, NOW);

    ck_assert_str_eq(preempted(r), "");
    ck_assert_int_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    sched_result_destroy(r);
    st_jobs_clear(j, 4);
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(b);
    flurm_alloc_destroy(c);
    sched_site_destroy(site);
}
END_TEST

/* A job that fits what is free starts and preempts nobody; one that fits
 * once a completing job's epilog came (a preemption under way) waits for
 * it and preempts nobody more. */
START_TEST(free_or_completing_resources_mean_no_preemption)
{
    struct sched_site *site = preempting_site(NULL);
    struct flurm_alloc *a = on("c1", "0-3"), *b = on("c2", "0-7"), *c = on("c1", "4-7");
    struct sched_hold h[3] = {{10, 0, RUNNING, 0, a},
                              {11, 0, RUNNING, 0, b},
                              {12, 0, PENDING_COMPLETING, NOW - 5, c}};
    struct sched_job j[4] = {running(10, "low", NOW - 100), running(11, "low", NOW - 100),
                             pending(12, "low", 4), pending(1, "high", 4)};
    struct sched_result *r;

    j[2].state = PENDING_COMPLETING;
    /* without the completing job, 4 cores are free on c1: it starts */
    r = pass_at(site, j, 2, h, 2, NOW);
    ck_assert_str_eq(preempted(r), "");
    sched_result_destroy(r);
    j[3].job_id = 1;
    r = pass_at(site, j + 3, 1, h, 2, NOW);
    ck_assert_uint_eq(r->nstarts, 1);
    ck_assert_str_eq(preempted(r), "");
    sched_result_destroy(r);
    /* with it, c1 is full until its epilog: the job waits, nobody else goes */
    r = pass_at(site, j, 4, h, 3, NOW);
    ck_assert_uint_eq(r->nstarts, 0);
    ck_assert_str_eq(preempted(r), "");
    ck_assert_int_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    sched_result_destroy(r);
    st_jobs_clear(j, 4);
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(b);
    flurm_alloc_destroy(c);
    sched_site_destroy(site);
}
END_TEST

/* The fewest jobs: two small jobs share c2 and one large job holds c1;
 * the two are younger, so they come first in the preemption order, but
 * the large one alone is enough: it goes, they stay.  And no more than
 * needed: the youngest job shares c1 with one that cannot be preempted,
 * so freeing it gives no whole node; the two that share c2 go, and it is
 * spared again. */
START_TEST(the_fewest_jobs_needed_are_preempted)
{
    struct sched_site *site = preempting_site(NULL);
    struct flurm_alloc *big = on("c1", "0-7"), *s1 = on("c2", "0-3"), *s2 = on("c2", "4-7");
    struct flurm_alloc *q1 = on("c1", "0-3"), *q2 = on("c2", "0-3"), *q3 = on("c2", "4-7");
    struct sched_hold h[3] = {
        {20, 0, RUNNING, 0, big}, {21, 0, RUNNING, 0, s1}, {22, 0, RUNNING, 0, s2}};
    struct flurm_alloc *q4 = on("c1", "4-7");
    struct sched_hold q[4] = {{30, 0, RUNNING, 0, q1},
                              {31, 0, RUNNING, 0, q2},
                              {32, 0, RUNNING, 0, q3},
                              {33, 0, RUNNING, 0, q4}};
    struct sched_job j[4] = {running(20, "low", NOW - 900), running(21, "low", NOW - 100),
                             running(22, "low", NOW - 50), pending(1, "high", 8)};
    struct sched_job k[5] = {running(30, "low", NOW - 10), running(31, "low", NOW - 900),
                             running(32, "low", NOW - 800), running(33, "off", NOW - 900),
                             pending(2, "high", 8)};
    struct sched_result *r = pass_at(site, j, 4, h, 3, NOW);

    ck_assert_str_eq(preempted(r), "20:requeue:1");
    sched_result_destroy(r);
    r = pass_at(site, k, 5, q, 4, NOW);
    ck_assert_str_eq(preempted(r), "32:requeue:2 31:requeue:2");
    sched_result_destroy(r);
    st_jobs_clear(j, 4);
    st_jobs_clear(k, 5);
    flurm_alloc_destroy(big);
    flurm_alloc_destroy(s1);
    flurm_alloc_destroy(s2);
    flurm_alloc_destroy(q1);
    flurm_alloc_destroy(q2);
    flurm_alloc_destroy(q3);
    flurm_alloc_destroy(q4);
    sched_site_destroy(site);
}
END_TEST

/* The nodes a preemptor will get are its own: a lower job that would fit
 * the cores left free there does not take them.  Its partition is then
 * closed for the pass (ESLURM_NODES_BUSY), so the next job of it waits,
 * and while the preempted job completes nobody more is preempted. */
START_TEST(a_preemptors_nodes_are_kept_for_it)
{
    struct sched_site *site = preempting_site(NULL);
    struct flurm_alloc *a = on("c1", "0-5"), *b = on("c2", "0-7");
    struct sched_hold h[2] = {{10, 0, RUNNING, 0, a}, {11, 0, RUNNING, 0, b}};
    struct sched_job j[5] = {running(10, "low", NOW - 100), running(11, "low", NOW - 900),
                             pending(1, "high", 8), pending(2, "high", 8), pending(3, "low", 2)};
    struct sched_result *r = pass_at(site, j, 5, h, 2, NOW);

    /* 10 is the younger: it goes for job 1, which will get c1 */
    ck_assert_str_eq(preempted(r), "10:requeue:1");
    ck_assert_uint_eq(r->nstarts, 0);
    ck_assert_int_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    ck_assert_int_eq(decision(r, 3)->would_start, false);
    sched_result_destroy(r);
    /* the store applied it: 10 is requeued and completing */
    h[0].state = PENDING_COMPLETING;
    h[0].end_time = NOW;
    j[0].state = PENDING_COMPLETING;
    r = pass_at(site, j, 5, h, 2, NOW + 1);
    ck_assert_str_eq(preempted(r), "");
    ck_assert_uint_eq(r->nstarts, 0);
    ck_assert_int_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    sched_result_destroy(r);
    st_jobs_clear(j, 5);
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(b);
    sched_site_destroy(site);
}
END_TEST

/* PreemptExemptTime: a job that started less than that ago is not
 * preempted, and the pass wakes when its exemption ends; after that it is. */
START_TEST(preempt_exempt_time_protects_young_jobs)
{
    struct sched_site *site = preempting_site("PreemptExemptTime=00:10:00\n");
    struct flurm_alloc *a = on("c1", "0-7"), *b = on("c2", "0-7");
    struct sched_hold h[2] = {{10, 0, RUNNING, 0, a}, {11, 0, RUNNING, 0, b}};
    struct sched_job j[3] = {running(10, "low", NOW - 60), running(11, "low", NOW - 120),
                             pending(1, "high", 8)};
    struct sched_result *r = pass_at(site, j, 3, h, 2, NOW);

    ck_assert_str_eq(preempted(r), "");
    ck_assert_int_eq(r->next_wakeup, NOW - 120 + 600);
    sched_result_destroy(r);
    r = pass_at(site, j, 3, h, 2, NOW - 120 + 600);
    ck_assert_str_eq(preempted(r), "11:requeue:1");
    sched_result_destroy(r);
    st_jobs_clear(j, 3);
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(b);
    sched_site_destroy(site);
}
END_TEST

/* Without PreemptType (preempt/none) nothing is ever preempted; with
 * preempt/partition_prio a PreemptMode of OFF is refused as slurmctld's
 * read_config refuses it. */
START_TEST(preemption_needs_partition_prio_and_a_mode)
{
    char err[256] = "";
    struct sched_site *site = site_with("", err, sizeof(err));
    struct flurm_alloc *a = on("c1", "0-7"), *b = on("c2", "0-7");
    struct sched_hold h[2] = {{10, 0, RUNNING, 0, a}, {11, 0, RUNNING, 0, b}};
    struct sched_job j[3] = {running(10, "low", NOW - 100), running(11, "low", NOW - 100),
                             pending(1, "high", 8)};
    struct sched_result *r;

    ck_assert_ptr_nonnull(site);
    ck_assert(!sched_site_preempts(site));
    r = pass_at(site, j, 3, h, 2, NOW);
    ck_assert_str_eq(preempted(r), "");
    ck_assert_int_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    sched_result_destroy(r);
    sched_site_destroy(site);
    ck_assert_ptr_null(site_with("PreemptType=preempt/partition_prio\n", err, sizeof(err)));
    ck_assert_str_eq(err, "PreemptType and PreemptMode values incompatible");
    ck_assert_ptr_null(site_with("PreemptType=preempt/partition_prio\nPreemptMode=CANCEL\n"
                                 "PreemptExemptTime=soon\n",
                                 err, sizeof(err)));
    st_jobs_clear(j, 3);
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(b);
}
END_TEST

/* What the service sends the store: job.preempt {time, jobs: [{job_id,
 * mode, by}]}; nothing at all when the pass preempts nobody. */
START_TEST(the_job_preempt_body_names_job_mode_and_preemptor)
{
    struct sched_site *site = preempting_site(NULL);
    struct flurm_alloc *a = on("c1", "0-7"), *b = on("c2", "0-7");
    struct sched_hold h[2] = {{10, 0, RUNNING, 0, a}, {11, 0, RUNNING, 0, b}};
    struct sched_job j[3] = {running(10, "low", NOW - 300), running(11, "lowc", NOW - 200),
                             pending(1, "high", 8)};
    struct sched_result *r = pass_at(site, j, 3, h, 2, NOW);
    json_t *body = view_preempt_body(r, NOW);
    char *text;

    ck_assert_ptr_nonnull(body);
    text = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
    ck_assert_str_eq(text, "{\"jobs\":[{\"by\":1,\"job_id\":11,\"mode\":\"cancel\"}],"
                           "\"time\":1795646137}");
    free(text);
    json_decref(body);
    sched_result_destroy(r);
    r = pass_at(site, j, 2, h, 2, NOW);
    errno = EINVAL;
    ck_assert_ptr_null(view_preempt_body(r, NOW));
    ck_assert_int_eq(errno, 0);
    sched_result_destroy(r);
    st_jobs_clear(j, 3);
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(b);
    sched_site_destroy(site);
}
END_TEST

static Suite *preempt_suite(void)
{
    Suite *s = suite_create("sched_preempt");
    TCase *tc = tcase_create("preempt");

    tcase_add_test(tc, a_higher_tier_job_preempts_one_lower_tier_job);
    tcase_add_test(tc, the_partitions_preempt_mode_decides_requeue_or_cancel);
    tcase_add_test(tc, same_tier_off_and_other_nodes_are_never_preempted);
    tcase_add_test(tc, free_or_completing_resources_mean_no_preemption);
    tcase_add_test(tc, the_fewest_jobs_needed_are_preempted);
    tcase_add_test(tc, a_preemptors_nodes_are_kept_for_it);
    tcase_add_test(tc, preempt_exempt_time_protects_young_jobs);
    tcase_add_test(tc, preemption_needs_partition_prio_and_a_mode);
    tcase_add_test(tc, the_job_preempt_body_names_job_mode_and_preemptor);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(preempt_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
