/*
 * sched_cycle - the cost of one full scheduling pass (priorities,
 * placement, backfill, reasons) on synthetic clusters, without NNG or a
 * store: the pass is a pure function, so this measures it alone.
 *
 *   sched_cycle [--nodes N --jobs J [--repeat R]]
 *
 * Without arguments: 1,000 nodes / 10,000 pending jobs and 10,000 nodes /
 * 100,000 pending jobs.  Nodes have 64 cores (2 sockets x 32) and 256 GB;
 * SelectType=select/cons_tres with CR_Core_Memory, priority/multifactor.
 * Half the nodes run one 32-core job each (end times spread over 4 hours),
 * so the first pass both starts jobs and blocks a large one (backfill has a
 * reservation to respect).  Pending jobs mix 1..128 tasks, --mem-per-cpu,
 * time limits 10 min .. 1 day, a few --exclusive.
 *
 * Two passes are timed per cluster: the first (which starts jobs), and a
 * steady pass where the started jobs hold their cores, as the pass after a
 * job.start sees it.  Output: one "result ..." line per cluster.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/slurmconf.h"
#include "services/scheduler/sched.h"
#include "wire/pack.h"

#define NOW 1800000000LL
#define RUNNING 1u

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct sched_site *make_site(unsigned nodes)
{
    char path[] = "/tmp/flurm-bench-conf.XXXXXX", err[256] = "";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    struct flurm_slurmconf *c;
    struct sched_site *site;

    if (!f)
        return NULL;
    fprintf(f, "ClusterName=bench\nSlurmctldHost=ctl(127.0.0.1)\n"
               "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core_Memory\n"
               "PriorityType=priority/multifactor\nPriorityWeightJobSize=1000\n"
               "PriorityWeightPartition=1000\n"
               "NodeName=n[1-%u] CPUs=64 Sockets=2 CoresPerSocket=32 ThreadsPerCore=1 "
               "RealMemory=256000\n"
               "PartitionName=batch Nodes=n[1-%u] Default=YES MaxTime=INFINITE "
               "DefaultTime=60 State=UP\n",
            nodes, nodes);
    fclose(f);
    c = flurm_slurmconf_load(path, err, sizeof(err));
    unlink(path);
    if (!c) {
        fprintf(stderr, "slurm.conf: %s\n", err);
        return NULL;
    }
    site = sched_site_create(c, err, sizeof(err));
    flurm_slurmconf_destroy(c);
    if (!site)
        fprintf(stderr, "site: %s\n", err);
    return site;
}

static void make_job(struct sched_job *j, uint32_t id, unsigned seed)
{
    static const uint32_t tasks[] = {1, 1, 2, 4, 8, 16, 32, 64, 128};
    static const uint32_t limits[] = {10, 30, 60, 240, 1440};
    uint32_t n = tasks[seed % 9];

    memset(j, 0, sizeof(*j));
    j->job_id = id;
    j->array_task_id = FLURM_NO_VAL;
    j->name = strdup("bench");
    j->user_id = 1000 + seed % 50;
    j->priority = 1;
    j->nice = 0x80000000u;
    j->site_factor = 0x80000000u;
    j->partition = strdup("batch");
    j->submit_time = NOW - 1000 + id % 1000;
    j->eligible_time = j->submit_time;
    j->min_cpus = n;
    j->num_tasks = n;
    j->min_nodes = n > 64 ? 2 : 1;
    j->time_limit = limits[(seed / 9) % 5];
    j->cpus_per_task = 1;
    j->pn_min_cpus = 1;
    j->pn_min_memory = 0x8000000000000000ULL | 2000;
    j->shared = seed % 97 == 0 ? 0 : FLURM_NO_VAL16;
    j->tres[SCHED_TRES_CPU] = n;
    j->tres[SCHED_TRES_MEM] = 2000ULL * n;
    j->tres[SCHED_TRES_NODE] = j->min_nodes;
    j->tres[SCHED_TRES_BILLING] = n;
}

/* One 32-core running job on each even node. */
static struct sched_hold *make_holds(const struct sched_site *site, unsigned nodes, size_t *n)
{
    struct sched_hold *h = calloc(nodes / 2 + 1, sizeof(*h));
    struct flurm_coreset set;

    *n = 0;
    if (!h || flurm_coreset_init(&set, 64) < 0)
        return h;
    for (uint32_t c = 0; c < 32; c++)
        flurm_coreset_set(&set, c);
    for (unsigned i = 0; i < nodes; i += 2) {
        struct flurm_alloc *a = flurm_alloc_create();

        if (!a || flurm_alloc_add_host(a, sched_site_node_name(site, i), &set, 32, 64000, true)) {
            flurm_alloc_destroy(a);
            break;
        }
        h[*n] = (struct sched_hold){9000000 + i, 0, RUNNING, NOW + 60 + (i * 37) % 14400, a};
        (*n)++;
    }
    flurm_coreset_clear(&set);
    return h;
}

static int run(unsigned nodes, unsigned njobs, unsigned repeat)
{
    struct sched_site *site = make_site(nodes);
    struct sched_job *jobs = calloc(njobs + 1, sizeof(*jobs));
    uint32_t *states = calloc(nodes, sizeof(*states));
    struct sched_hold *holds = NULL, *steady = NULL;
    size_t nholds = 0, nsteady = 0;
    double first = 1e30, second = 1e30;
    size_t started = 0, waiting = 0;
    int rc = 1;

    if (!site || !jobs || !states)
        goto out;
    for (unsigned i = 0; i < nodes; i++)
        states[i] = i % 2 ? 2u : 5u; /* IDLE, MIXED */
    for (unsigned i = 0; i < njobs; i++)
        make_job(&jobs[i], 1000 + i, i * 2654435761u >> 7);
    if (!(holds = make_holds(site, nodes, &nholds)))
        goto out;
    for (unsigned k = 0; k < repeat; k++) {
        double t0 = now_ms(), t1;
        struct sched_result *r = sched_pass(site, jobs, njobs, holds, nholds, states, NOW);

        t1 = now_ms();
        if (!r)
            goto out;
        if (t1 - t0 < first)
            first = t1 - t0;
        started = r->nstarts;
        waiting = r->n - r->nstarts;
        /* the next pass sees the started jobs holding their cores (set
         * up after the last timed first pass) */
        if (k + 1 == repeat) {
            nsteady = nholds + r->nstarts;
            if (!(steady = calloc(nsteady, sizeof(*steady))))
                goto out;
            memcpy(steady, holds, nholds * sizeof(*holds));
            for (size_t s = 0; s < r->nstarts; s++) {
                steady[nholds + s] = (struct sched_hold){r->starts[s].job_id, 0, RUNNING,
                                                         NOW + 600, r->starts[s].alloc};
                r->starts[s].alloc = NULL; /* now the steady holds' */
                for (unsigned i = 0; i < njobs; i++) {
                    if (jobs[i].job_id == steady[nholds + s].job_id) {
                        jobs[i].state = RUNNING;
                        break;
                    }
                }
            }
        }
        sched_result_destroy(r);
    }
    for (unsigned k = 0; k < repeat; k++) {
        double t0 = now_ms();
        struct sched_result *r = sched_pass(site, jobs, njobs, steady, nsteady, states, NOW);
        double t1 = now_ms();

        if (!r)
            goto out;
        if (t1 - t0 < second)
            second = t1 - t0;
        sched_result_destroy(r);
    }
    printf("%u nodes x 64 cores, %u pending jobs, %zu running: first pass %.1f ms "
           "(%zu started, %zu waiting), next pass %.1f ms\n",
           nodes, njobs, nholds, first, started, waiting, second);
    printf("result nodes=%u jobs=%u first_ms=%.1f started=%zu steady_ms=%.1f\n", nodes, njobs,
           first, started, second);
    rc = 0;
out:
    for (size_t i = 0; holds && i < nholds; i++)
        flurm_alloc_destroy((struct flurm_alloc *)holds[i].alloc);
    for (size_t i = nholds; steady && i < nsteady; i++)
        flurm_alloc_destroy((struct flurm_alloc *)steady[i].alloc);
    free(holds);
    free(steady);
    for (unsigned i = 0; jobs && i < njobs; i++)
        sched_job_clear(&jobs[i]);
    free(jobs);
    free(states);
    sched_site_destroy(site);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"nodes", required_argument, NULL, 'n'},
                                         {"jobs", required_argument, NULL, 'j'},
                                         {"repeat", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    unsigned nodes = 0, njobs = 0, repeat = 3;
    int c;

    while ((c = getopt_long(argc, argv, "n:j:r:", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            nodes = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'j':
            njobs = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'r':
            repeat = (unsigned)strtoul(optarg, NULL, 10);
            break;
        default:
            fprintf(stderr, "usage: sched_cycle [--nodes N --jobs J [--repeat R]]\n");
            return 2;
        }
    }
    if (!repeat)
        repeat = 1;
    if (nodes && njobs)
        return run(nodes, njobs, repeat);
    return run(1000, 10000, repeat) || run(10000, 100000, repeat);
}
