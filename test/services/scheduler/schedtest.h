/*
 * schedtest.h - shared helpers of the scheduler's unit tests: a site from a
 * slurm.conf written on the fly (the nodes and partitions of the lab runs
 * that gave the expected values, see docs/scheduler.md), and pending jobs
 * built the way the store describes them.
 */
#ifndef FLURM_TEST_SCHEDULER_SCHEDTEST_H
#define FLURM_TEST_SCHEDULER_SCHEDTEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/slurmconf.h"
#include "services/scheduler/sched.h"
#include "wire/pack.h"

#define ST_NICE0 0x80000000u
#define ST_T0 1795646137LL

/* The lab's cluster: 4 nodes, 20 CPUs; partitions with job factors 1, 10
 * and 5, one of them DOWN. */
static const char st_nodes_conf[] =
    "ClusterName=lab\n"
    "SlurmctldHost=ctl(127.0.0.1)\n"
    "NodeName=n[1-3] CPUs=4 Sockets=1 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=8000\n"
    "NodeName=big1 CPUs=8 Sockets=2 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=16000 "
    "Feature=bigmem\n"
    "PartitionName=debug Nodes=n[1-3] Default=YES MaxTime=INFINITE State=UP\n"
    "PartitionName=long Nodes=n[1-3],big1 MaxTime=2-00:00:00 DefaultTime=01:00:00 State=UP "
    "PriorityJobFactor=10\n"
    "PartitionName=small Nodes=n1 MaxTime=30 MaxNodes=1 State=UP PriorityJobFactor=5\n"
    "PartitionName=pdown Nodes=n[1-3] State=DOWN\n";

/* A site from st_nodes_conf plus `extra` lines. */
static inline struct sched_site *st_site(const char *extra)
{
    char path[] = "/tmp/flurm-sched-conf.XXXXXX";
    char err[256] = "";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    struct flurm_slurmconf *c;
    struct sched_site *site;

    ck_assert_ptr_nonnull(f);
    fputs(st_nodes_conf, f);
    if (extra)
        fputs(extra, f);
    fclose(f);
    c = flurm_slurmconf_load(path, err, sizeof(err));
    unlink(path);
    ck_assert_msg(c != NULL, "slurm.conf: %s", err);
    site = sched_site_create(c, err, sizeof(err));
    flurm_slurmconf_destroy(c);
    ck_assert_msg(site != NULL, "sched_site_create: %s", err);
    return site;
}

/* A pending job of user 0 in partition part asking for `cpus` CPUs on
 * `nodes` nodes, with the memory the store counts when none is asked
 * (the partition's largest node, per node). */
static inline struct sched_job st_job(uint32_t id, const char *part, uint32_t cpus,
                                      uint32_t nodes, uint64_t mem)
{
    struct sched_job j;

    memset(&j, 0, sizeof(j));
    j.job_id = id;
    j.array_task_id = FLURM_NO_VAL;
    j.name = strdup("wrap");
    j.state = 0;
    j.reason = SCHED_WAIT_PRIORITY;
    j.priority = 0xffff0000u - (id - 999);
    j.nice = ST_NICE0;
    j.site_factor = ST_NICE0;
    j.partition = strdup(part);
    j.submit_time = ST_T0;
    j.eligible_time = ST_T0;
    j.min_cpus = cpus;
    j.min_nodes = nodes;
    j.time_limit = FLURM_NO_VAL;
    j.cpus_per_task = 1;
    j.pn_min_cpus = 1;
    j.tres[SCHED_TRES_CPU] = cpus;
    j.tres[SCHED_TRES_MEM] = mem;
    j.tres[SCHED_TRES_NODE] = nodes;
    j.tres[SCHED_TRES_BILLING] = cpus;
    return j;
}

static inline void st_set(char **field, const char *value)
{
    free(*field);
    *field = value ? strdup(value) : NULL;
}

static inline void st_jobs_clear(struct sched_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sched_job_clear(&jobs[i]);
}

#endif
