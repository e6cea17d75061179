/*
 * test_select.c - where the scheduler's pass starts jobs: placement as
 * select/cons_tres (CR_Core_Memory here) and select/linear do it for each
 * option (-N, -n, -c, --ntasks-per-node, --mem, --mem-per-cpu,
 * --exclusive, -w, --exclude, --constraint), nodes shared between jobs,
 * node states, EASY backfill around a blocked job, time limits, array
 * throttles, and that the same picture always gives the same starts.
 *
 * Allocations are compared as "host:cores:cpus:mem" words in host order.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/slurmconf.h"
#include "services/scheduler/sched.h"
#include "services/scheduler/select.h"
#include "test/services/scheduler/schedtest.h"
#include "wire/pack.h"

#define IDLE 2u
#define DRAIN 0x200u
#define RUNNING 1u
#define COMPLETING 0x8000u
#define MEM_PER_CPU 0x8000000000000000ULL
#define NOW ST_T0

/* c1-c4: 2 sockets x 4 cores, 16000 MB (features a on c1-c2, b on c3-c4);
 * g1: 2 x 4 cores x 2 threads, 32000 MB.  Node order: c1 c2 c3 c4 g1. */
static const char sel_conf[] =
    "ClusterName=sel\n"
    "SlurmctldHost=ctl(127.0.0.1)\n"
    "NodeName=c[1-2] CPUs=8 Sockets=2 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=16000 "
    "Feature=a\n"
    "NodeName=c[3-4] CPUs=8 Sockets=2 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=16000 "
    "Feature=b\n"
    "NodeName=g1 CPUs=16 Sockets=2 CoresPerSocket=4 ThreadsPerCore=2 RealMemory=32000\n"
    "PartitionName=cpu Nodes=c[1-4] Default=YES MaxTime=INFINITE State=UP\n"
    "PartitionName=gpu Nodes=g1 MaxTime=INFINITE State=UP\n"
    "PartitionName=short Nodes=c[1-4] MaxTime=120 DefaultTime=60 State=UP\n";

static uint32_t all_idle[5] = {IDLE, IDLE, IDLE, IDLE, IDLE};

static struct sched_site *sel_site(const char *select_lines)
{
    char path[] = "/tmp/flurm-select-conf.XXXXXX";
    char err[256] = "";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    struct flurm_slurmconf *c;
    struct sched_site *site;

    ck_assert_ptr_nonnull(f);
    fputs(sel_conf, f);
    fputs(select_lines, f);
    fclose(f);
    c = flurm_slurmconf_load(path, err, sizeof(err));
    unlink(path);
    ck_assert_msg(c != NULL, "slurm.conf: %s", err);
    site = sched_site_create(c, err, sizeof(err));
    flurm_slurmconf_destroy(c);
    ck_assert_msg(site != NULL, "sched_site_create: %s", err);
    return site;
}

static struct sched_site *cons_tres(void)
{
    return sel_site("SelectType=select/cons_tres\nSelectTypeParameters=CR_Core_Memory\n");
}

/* A pending job of `tasks` one-CPU tasks on at least `nodes` nodes, in
 * part, asking mem MB per node (0: none, the whole node). */
static struct sched_job job(uint32_t id, const char *part, uint32_t tasks, uint32_t nodes,
                            uint64_t mem)
{
    struct sched_job j = st_job(id, part, tasks, nodes, mem);

    j.num_tasks = tasks;
    j.pn_min_memory = mem;
    j.shared = FLURM_NO_VAL16;
    return j;
}

/* "c1:0-7:8:16000 c2:0:1:0" */
static const char *alloc_words(const struct flurm_alloc *a)
{
    static char buf[1024];
    size_t len = 0;

    buf[0] = '\0';
    for (size_t h = 0; a && h < a->nhosts; h++) {
        char *cores = flurm_coreset_format(&a->hosts[h].cores);

        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s:%s:%u:%llu", h ? " " : "",
                                a->hosts[h].name, cores, a->hosts[h].cpus,
                                (unsigned long long)a->hosts[h].mem);
        free(cores);
    }
    return buf;
}

/* The allocation the pass gives job id (its first start), "" if none. */
static const char *started(const struct sched_result *r, uint32_t id)
{
    for (size_t i = 0; i < r->nstarts; i++) {
        if (r->starts[i].job_id == id)
            return alloc_words(r->starts[i].alloc);
    }
    return "";
}

static const struct sched_decision *decision(const struct sched_result *r, uint32_t id)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->d[i].job_id == id)
            return &r->d[i];
    }
    return NULL;
}

/* An allocation from "c1:0-7:8:16000 c2:0:1:0" words. */
static struct flurm_alloc *alloc_of(const char *words)
{
    struct flurm_alloc *a = flurm_alloc_create();
    char *copy = strdup(words), *save = NULL;

    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char name[32], cores[64];
        unsigned cpus;
        unsigned long long mem;
        struct flurm_coreset set;

        ck_assert_int_eq(sscanf(w, "%31[^:]:%63[^:]:%u:%llu", name, cores, &cpus, &mem), 4);
        ck_assert_int_eq(flurm_coreset_parse(&set, cores, 64), 0);
        ck_assert_int_eq(flurm_alloc_add_host(a, name, &set, cpus, mem, a->nhosts == 0), 0);
        flurm_coreset_clear(&set);
    }
    free(copy);
    return a;
}

static struct sched_result *pass(const struct sched_site *site, struct sched_job *j, size_t n,
                                 const struct sched_hold *h, size_t nh, const uint32_t *states)
{
    struct sched_result *r = sched_pass(site, j, n, h, nh, states, NOW);

    ck_assert_ptr_nonnull(r);
    return r;
}

/* ---- placement of each option ----------------------------------------------- */

/* -n, -N, -c and --ntasks-per-node against c1-c4: lowest free cores of
 * the first nodes in slurm.conf order, one task per node at least, the
 * rest filled node by node. */
START_TEST(task_counts_and_shapes)
{
    struct sched_site *site = cons_tres();
    struct sched_job j[5] = {job(1, "cpu", 3, 1, 1000), job(2, "cpu", 10, 1, 1000),
                             job(3, "cpu", 2, 2, 1000), job(4, "cpu", 2, 1, 1000),
                             job(5, "cpu", 6, 3, 1000)};
    struct sched_result *r;

    j[3].cpus_per_task = 3; /* -n 2 -c 3 */
    j[3].min_cpus = 6;
    j[4].ntasks_per_node = 2; /* -N 3 --ntasks-per-node=2 */
    j[4].max_nodes = 3;
    r = pass(site, j, 1, NULL, 0, all_idle);
    ck_assert_str_eq(started(r, 1), "c1:0-2:3:1000");
    ck_assert_int_eq(decision(r, 1)->reason, SCHED_WAIT_NO_REASON);
    ck_assert_ptr_nonnull(r->starts[0].alloc->batch_host);
    ck_assert_str_eq(r->starts[0].alloc->batch_host, "c1");
    sched_result_destroy(r);
    r = pass(site, j + 1, 1, NULL, 0, all_idle);
    ck_assert_str_eq(started(r, 2), "c1:0-7:8:1000 c2:0-1:2:1000");
    sched_result_destroy(r);
    r = pass(site, j + 2, 1, NULL, 0, all_idle);
    ck_assert_str_eq(started(r, 3), "c1:0:1:1000 c2:0:1:1000");
    sched_result_destroy(r);
    r = pass(site, j + 3, 1, NULL, 0, all_idle);
    ck_assert_str_eq(started(r, 4), "c1:0-5:6:1000");
    sched_result_destroy(r);
    r = pass(site, j + 4, 1, NULL, 0, all_idle);
    ck_assert_str_eq(started(r, 5), "c1:0-1:2:1000 c2:0-1:2:1000 c3:0-1:2:1000");
    sched_result_destroy(r);
    st_jobs_clear(j, 5);
    sched_site_destroy(site);
}
END_TEST

/* Jobs share a node core by core while memory lasts: --mem per node,
 * --mem-per-cpu per CPU; no --mem with memory consumable means the whole
 * node's memory, which nobody else may then hold. */
START_TEST(jobs_share_nodes_by_cores_and_memory)
{
    struct sched_site *site = cons_tres();
    struct sched_job j[6] = {job(1, "cpu", 2, 1, 1000),  job(2, "cpu", 2, 1, 1000),
                             job(3, "cpu", 1, 1, 14500), job(4, "cpu", 2, 1, 0),
                             job(5, "cpu", 1, 1, 0),     job(6, "cpu", 1, 1, 0)};
    struct sched_result *r;

    j[3].pn_min_memory = MEM_PER_CPU | 3000; /* --mem-per-cpu=3000 -n 2 */
    r = pass(site, j, 6, NULL, 0, all_idle);
    ck_assert_uint_eq(r->nstarts, 6);
    ck_assert_str_eq(started(r, 1), "c1:0-1:2:1000");
    ck_assert_str_eq(started(r, 2), "c1:2-3:2:1000");
    /* 14500 MB do not fit beside 2000 on c1 */
    ck_assert_str_eq(started(r, 3), "c2:0:1:14500");
    ck_assert_str_eq(started(r, 4), "c1:4-5:2:6000");
    /* the whole of a node's memory: the first node nobody holds */
    ck_assert_str_eq(started(r, 5), "c3:0:1:16000");
    ck_assert_str_eq(started(r, 6), "c4:0:1:16000");
    sched_result_destroy(r);
    st_jobs_clear(j, 6);
    sched_site_destroy(site);
}
END_TEST

/* --exclusive takes whole nodes (every core), and only nodes nobody uses;
 * a node it holds takes nobody else. */
START_TEST(exclusive_takes_whole_idle_nodes)
{
    struct sched_site *site = cons_tres();
    struct sched_job j[3] = {job(1, "cpu", 1, 1, 1000), job(2, "cpu", 1, 1, 1000),
                             job(3, "cpu", 1, 1, 1000)};
    struct sched_result *r;

    j[1].shared = 0;
    r = pass(site, j, 3, NULL, 0, all_idle);
    ck_assert_str_eq(started(r, 1), "c1:0:1:1000");
    ck_assert_str_eq(started(r, 2), "c2:0-7:8:1000");
    ck_assert_str_eq(started(r, 3), "c1:1:1:1000");
    sched_result_destroy(r);
    st_jobs_clear(j, 3);
    sched_site_destroy(site);
}
END_TEST

/* -w, --exclude and --constraint choose the nodes; drained nodes are
 * passed over; threads count as CPUs (g1: a core is 2 CPUs). */
START_TEST(required_excluded_features_states_threads)
{
    struct sched_site *site = cons_tres();
    struct sched_job j[5] = {job(1, "cpu", 1, 1, 100), job(2, "cpu", 1, 1, 100),
                             job(3, "cpu", 1, 1, 100), job(4, "cpu", 1, 1, 100),
                             job(5, "gpu", 3, 1, 100)};
    uint32_t states[5] = {IDLE | DRAIN, IDLE, IDLE, IDLE, IDLE};
    struct sched_result *r;

    st_set(&j[0].req_nodes, "c3");
    st_set(&j[1].exc_nodes, "c[2-3]");
    st_set(&j[2].features, "b");
    r = pass(site, j, 5, NULL, 0, states);
    ck_assert_str_eq(started(r, 1), "c3:0:1:100");
    ck_assert_str_eq(started(r, 2), "c4:0:1:100");
    ck_assert_str_eq(started(r, 3), "c3:1:1:100");
    /* c1 is drained */
    ck_assert_str_eq(started(r, 4), "c2:0:1:100");
    ck_assert_str_eq(started(r, 5), "g1:0-1:4:100");
    sched_result_destroy(r);
    st_jobs_clear(j, 5);
    sched_site_destroy(site);
}
END_TEST

/* select/linear gives whole nodes: one job per node. */
START_TEST(linear_gives_whole_nodes)
{
    struct sched_site *site = sel_site("SelectType=select/linear\n");
    struct sched_job j[2] = {job(1, "cpu", 1, 1, 0), job(2, "cpu", 9, 1, 0)};
    struct sched_result *r = pass(site, j, 2, NULL, 0, all_idle);

    ck_assert_str_eq(started(r, 1), "c1:0-7:8:0");
    ck_assert_str_eq(started(r, 2), "c2:0-7:8:0 c3:0-7:8:0");
    sched_result_destroy(r);
    st_jobs_clear(j, 2);
    sched_site_destroy(site);
}
END_TEST

/* A job that needs more than is free waits for Resources (the jobs that
 * hold the cores are the store's job.allocs); lower jobs of its partition
 * wait for Priority.  A job already holding resources is not pending,
 * whatever the job list says; a requeued job still completing waits. */
START_TEST(busy_nodes_give_resources_and_nothing_starts_twice)
{
    struct sched_site *site = cons_tres();
    struct flurm_alloc *a = alloc_of("c1:0-7:8:1000 c2:0-7:8:1000 c3:0-7:8:1000");
    struct flurm_alloc *b = alloc_of("c4:0-3:4:1000");
    struct sched_hold h[2] = {{10, 0, RUNNING, NOW + 600, a}, {11, 0, RUNNING, NOW + 600, b}};
    struct sched_job j[4] = {job(1, "cpu", 8, 1, 100), job(2, "cpu", 8, 1, 100),
                             job(11, "cpu", 4, 1, 1000), job(3, "cpu", 1, 1, 100)};
    struct sched_result *r;

    j[3].state = COMPLETING;
    r = pass(site, j, 4, h, 2, all_idle);
    ck_assert_uint_eq(r->nstarts, 0);
    ck_assert_int_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    ck_assert_int_eq(decision(r, 2)->reason, SCHED_WAIT_PRIORITY);
    ck_assert_ptr_null(decision(r, 11));
    ck_assert_ptr_null(decision(r, 3) && decision(r, 3)->would_start ? decision(r, 3) : NULL);
    ck_assert_int_eq(r->next_wakeup, NOW + 600);
    sched_result_destroy(r);
    /* the 4 cores left on c4 fit a 4-task job */
    j[0].min_cpus = j[0].num_tasks = 4;
    r = pass(site, j, 2, h, 2, all_idle);
    ck_assert_str_eq(started(r, 1), "c4:4-7:4:100");
    sched_result_destroy(r);
    st_jobs_clear(j, 4);
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(b);
    sched_site_destroy(site);
}
END_TEST

/* ---- backfill --------------------------------------------------------------- */

/* c1-c3 are busy for 10 more minutes; a 4-node job waits (its shadow time
 * is in 10 minutes, on c1-c4); a 5-minute job starts on c4 around it, a
 * 2-hour one does not, nor one without a limit in a partition without
 * one (INFINITE), while a job that does not touch the reserved nodes
 * would start whatever its length. */
START_TEST(backfill_starts_short_jobs_around_a_blocked_one)
{
    struct sched_site *site = cons_tres();
    struct flurm_alloc *a = alloc_of("c1:0-7:8:100 c2:0-7:8:100 c3:0-7:8:100");
    struct sched_hold h[1] = {{50, 0, RUNNING, NOW + 600, a}};
    struct sched_job j[4] = {job(1, "cpu", 4, 4, 100), job(2, "cpu", 1, 1, 100),
                             job(3, "cpu", 1, 1, 100), job(4, "cpu", 1, 1, 100)};
    struct sched_result *r;

    j[0].max_nodes = 4;
    j[1].time_limit = 120;
    j[2].time_limit = 5;
    /* job 4: no limit, partition cpu has MaxTime=INFINITE */
    r = pass(site, j, 4, h, 1, all_idle);
    ck_assert_int_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    ck_assert_str_eq(started(r, 2), "");
    ck_assert_int_eq(decision(r, 2)->reason, SCHED_WAIT_PRIORITY);
    ck_assert_str_eq(started(r, 3), "c4:0:1:100");
    ck_assert_int_eq(decision(r, 3)->reason, SCHED_WAIT_NO_REASON);
    ck_assert_str_eq(started(r, 4), "");
    sched_result_destroy(r);

    /* a 3-node job: c4 is not reserved, any job may use it */
    j[0].min_nodes = j[0].max_nodes = 3;
    j[0].min_cpus = j[0].num_tasks = 24;
    j[0].tres[SCHED_TRES_NODE] = 3;
    r = pass(site, j, 4, h, 1, all_idle);
    ck_assert_int_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    ck_assert_str_eq(started(r, 2), "c4:0:1:100");
    ck_assert_str_eq(started(r, 3), "c4:1:1:100");
    ck_assert_str_eq(started(r, 4), "c4:2:1:100");
    sched_result_destroy(r);
    st_jobs_clear(j, 4);
    flurm_alloc_destroy(a);
    sched_site_destroy(site);
}
END_TEST

/* A job without a time limit in a partition with a DefaultTime ends then:
 * it backfills when that comes before the shadow time. */
START_TEST(backfill_uses_the_partitions_default_time)
{
    struct sched_site *site = cons_tres();
    struct flurm_alloc *a = alloc_of("c1:0-7:8:100 c2:0-7:8:100 c3:0-7:8:100");
    struct sched_hold h[1] = {{50, 0, RUNNING, NOW + 7200, a}};
    struct sched_job j[2] = {job(1, "short", 32, 4, 100), job(2, "short", 1, 1, 100)};
    struct sched_result *r;

    j[0].max_nodes = 4;
    r = pass(site, j, 2, h, 1, all_idle);
    /* DefaultTime=60 minutes ends before the 2 hours */
    ck_assert_str_eq(started(r, 2), "c4:0:1:100");
    sched_result_destroy(r);
    h[0].end_time = NOW + 1800;
    r = pass(site, j, 2, h, 1, all_idle);
    ck_assert_str_eq(started(r, 2), "");
    sched_result_destroy(r);
    st_jobs_clear(j, 2);
    flurm_alloc_destroy(a);
    sched_site_destroy(site);
}
END_TEST

/* ---- time limits ------------------------------------------------------------ */

/* Running jobs at or past their end time are listed for job.timeout;
 * completing ones are not (they are done); the pass wakes at the next
 * end time. */
START_TEST(time_limits_give_the_timeout_list)
{
    struct sched_site *site = cons_tres();
    struct flurm_alloc *a = alloc_of("c1:0:1:100"), *b = alloc_of("c1:1:1:100");
    struct flurm_alloc *c = alloc_of("c1:2:1:100"), *d = alloc_of("c2:0:1:100");
    struct sched_hold h[4] = {{7, 0, RUNNING, NOW - 5, a},
                              {8, 0, RUNNING, NOW, b},
                              {9, 0, 3u | COMPLETING, NOW - 60, c},
                              {12, 0, RUNNING, NOW + 90, d}};
    struct sched_result *r = pass(site, NULL, 0, h, 4, all_idle);

    ck_assert_uint_eq(r->ntimeouts, 2);
    ck_assert_uint_eq(r->timeouts[0], 7);
    ck_assert_uint_eq(r->timeouts[1], 8);
    ck_assert_int_eq(r->next_wakeup, NOW + 90);
    sched_result_destroy(r);
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(b);
    flurm_alloc_destroy(c);
    flurm_alloc_destroy(d);
    sched_site_destroy(site);
}
END_TEST

/* ---- arrays ----------------------------------------------------------------- */

/* A meta record starts one task per entry, as many as fit and as its %N
 * allows counting the tasks already running; at the throttle it waits
 * for JobArrayTaskLimit. */
START_TEST(array_tasks_start_within_the_throttle)
{
    struct sched_site *site = cons_tres();
    struct flurm_alloc *a = alloc_of("c4:0:1:100");
    struct sched_hold h[1] = {{21, 20, RUNNING, NOW + 600, a}};
    struct sched_job j[2] = {job(20, "cpu", 1, 1, 100), job(30, "cpu", 1, 1, 100)};
    struct sched_result *r;

    j[0].array_job_id = 20;
    j[0].array_meta = true;
    j[0].array_pending = 5;
    j[0].array_max_tasks = 3;
    j[1].array_job_id = 30;
    j[1].array_meta = true;
    j[1].array_pending = 3;
    r = pass(site, j, 2, h, 1, all_idle);
    /* 1 running + 2 started = %3; array 30 unthrottled: all 3 */
    ck_assert_uint_eq(r->nstarts, 5);
    ck_assert_uint_eq(r->starts[0].job_id, 20);
    ck_assert_uint_eq(r->starts[1].job_id, 20);
    ck_assert_str_eq(alloc_words(r->starts[0].alloc), "c1:0:1:100");
    ck_assert_str_eq(alloc_words(r->starts[1].alloc), "c1:1:1:100");
    ck_assert_uint_eq(r->starts[4].job_id, 30);
    ck_assert(decision(r, 20)->would_start);
    sched_result_destroy(r);
    j[0].array_max_tasks = 1;
    r = pass(site, j, 1, h, 1, all_idle);
    ck_assert_uint_eq(r->nstarts, 0);
    ck_assert_int_eq(decision(r, 20)->reason, SCHED_WAIT_ARRAY_TASK_LIMIT);
    sched_result_destroy(r);
    st_jobs_clear(j, 2);
    flurm_alloc_destroy(a);
    sched_site_destroy(site);
}
END_TEST

/* ---- determinism ------------------------------------------------------------ */

/* The same jobs in another order start the same way. */
START_TEST(the_same_picture_gives_the_same_starts)
{
    struct sched_site *site = cons_tres();
    enum { N = 12 };
    struct sched_job j[N], k[N];
    struct sched_result *a, *b;

    for (uint32_t i = 0; i < N; i++) {
        j[i] = job(100 + i, i % 3 ? "cpu" : "short", 1 + i % 5, 1 + i % 2, 500 * (i % 4));
        k[N - 1 - i] = job(100 + i, i % 3 ? "cpu" : "short", 1 + i % 5, 1 + i % 2,
                           500 * (i % 4));
    }
    a = pass(site, j, N, NULL, 0, all_idle);
    b = pass(site, k, N, NULL, 0, all_idle);
    ck_assert_uint_eq(a->nstarts, b->nstarts);
    ck_assert_uint_gt(a->nstarts, 3);
    for (size_t i = 0; i < a->nstarts; i++) {
        char words[1024];

        ck_assert_uint_eq(a->starts[i].job_id, b->starts[i].job_id);
        snprintf(words, sizeof(words), "%s", alloc_words(a->starts[i].alloc));
        ck_assert_str_eq(words, alloc_words(b->starts[i].alloc));
    }
    sched_result_destroy(a);
    sched_result_destroy(b);
    st_jobs_clear(j, N);
    st_jobs_clear(k, N);
    sched_site_destroy(site);
}
END_TEST

/* ---- the pool itself ------------------------------------------------------- */

/* Holding and releasing allocations moves free cores and memory; unknown
 * hosts are skipped. */
START_TEST(pool_holds_and_releases)
{
    struct sel_node nodes[2] = {{"x1", 4, 1, 1000, 1}, {"x2", 4, 2, 2000, 1}};
    struct sel_pool *p = sel_pool_create(nodes, 2, (struct sel_config){false, true});
    struct flurm_alloc *a = alloc_of("x1:1-2:2:300 nosuch:0:1:1");
    struct sel_request r = {1, 0, 2, 1, 0, 0, 100, false, false, true};
    struct flurm_alloc *out = NULL;
    struct sel_pool *copy;

    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(sel_pool_hold(p, a), 1);
    ck_assert_uint_eq(sel_pool_free_cores(p, 0), 2);
    ck_assert_uint_eq(sel_pool_free_mem(p, 0), 700);
    ck_assert(!sel_pool_node_idle(p, 0));
    ck_assert_uint_eq(sel_pool_free_cpus(p, NULL), 2 + 8);
    ck_assert_int_eq(sel_place(p, &r, (const unsigned char *)"\1\1", NULL, &out), 1);
    ck_assert_str_eq(alloc_words(out), "x1:0,3:2:100");
    flurm_alloc_destroy(out);
    copy = sel_pool_copy(p);
    ck_assert_uint_eq(sel_pool_release(p, a), 1);
    ck_assert(sel_pool_node_idle(p, 0));
    ck_assert_uint_eq(sel_pool_free_cores(copy, 0), 2);
    ck_assert_int_eq(sel_pool_node_find(p, "x2"), 1);
    ck_assert_int_eq(sel_pool_node_find(p, "x3"), -1);
    sel_pool_destroy(copy);
    sel_pool_destroy(p);
    sel_pool_destroy(NULL);
    flurm_alloc_destroy(a);
}
END_TEST

static Suite *select_suite(void)
{
    Suite *s = suite_create("scheduler_select");
    TCase *tc = tcase_create("select");

    tcase_add_test(tc, task_counts_and_shapes);
    tcase_add_test(tc, jobs_share_nodes_by_cores_and_memory);
    tcase_add_test(tc, exclusive_takes_whole_idle_nodes);
    tcase_add_test(tc, required_excluded_features_states_threads);
    tcase_add_test(tc, linear_gives_whole_nodes);
    tcase_add_test(tc, busy_nodes_give_resources_and_nothing_starts_twice);
    tcase_add_test(tc, backfill_starts_short_jobs_around_a_blocked_one);
    tcase_add_test(tc, backfill_uses_the_partitions_default_time);
    tcase_add_test(tc, time_limits_give_the_timeout_list);
    tcase_add_test(tc, array_tasks_start_within_the_throttle);
    tcase_add_test(tc, the_same_picture_gives_the_same_starts);
    tcase_add_test(tc, pool_holds_and_releases);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(select_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
