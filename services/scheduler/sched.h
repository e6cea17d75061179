/*
 * sched.h - the scheduler's logic, without NNG and without a clock: job
 * priorities (priority/basic and priority/multifactor as slurmctld 22.05
 * computes them without an accounting database), the reason each pending
 * job waits for, and the answers of sprio and sshare.
 *
 * A scheduling pass is a pure function of
 *
 *     (site, jobs, holds, node states, now)
 *         ->  one decision per pending job, the jobs to start (with their
 *             allocations), the running jobs to preempt, the running jobs
 *             past their time limit
 *
 * site    what slurm.conf says: priority settings, nodes and partitions
 *         (sched_site_create, immutable);
 * jobs    every job record the store holds (pending ones are decided, the
 *         others answer dependencies), as read from job_info records;
 * holds   what running and completing jobs hold (the store's job.allocs:
 *         allocations, end times);
 * states  each node's state word as the node manager reports it;
 * now     the time the pass runs at (begin times, dependencies "after+N",
 *         time limits, backfill).
 *
 * The same inputs always give the same decisions, in the same order (by
 * job id), so the service can run the pass whenever something changes and
 * send only what differs.  Placement is select.h's; the pass adds the
 * queue order, EASY backfill, array throttles and time limits.
 */
#ifndef FLURM_SCHEDULER_SCHED_H
#define FLURM_SCHEDULER_SCHED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/alloc.h"

struct flurm_slurmconf;
struct sched_site;

/* job_state_reason values the scheduler sets or reads (slurm.h, 22.05). */
enum {
    SCHED_WAIT_NO_REASON = 0,
    SCHED_WAIT_PRIORITY = 1,
    SCHED_WAIT_DEPENDENCY = 2,
    SCHED_WAIT_RESOURCES = 3,
    SCHED_WAIT_PART_NODE_LIMIT = 4,
    SCHED_WAIT_PART_TIME_LIMIT = 5,
    SCHED_WAIT_PART_DOWN = 6,
    SCHED_WAIT_PART_INACTIVE = 7,
    SCHED_WAIT_HELD = 8,
    SCHED_WAIT_TIME = 9,
    SCHED_WAIT_NODE_NOT_AVAIL = 15,
    SCHED_WAIT_HELD_USER = 16,
    SCHED_FAIL_BAD_CONSTRAINTS = 21,
    SCHED_WAIT_DEP_INVALID = 39,
    SCHED_WAIT_MAX_REQUEUE = 71, /* the store's MAX_BATCH_REQUEUE hold */
    SCHED_WAIT_ARRAY_TASK_LIMIT = 72,
    SCHED_WAIT_PART_CONFIG = 178,
};

/* The TRES slurmctld counts without accounting, in its order (ids 1-8). */
enum {
    SCHED_TRES_CPU,
    SCHED_TRES_MEM,
    SCHED_TRES_ENERGY,
    SCHED_TRES_NODE,
    SCHED_TRES_BILLING,
    SCHED_TRES_FS_DISK,
    SCHED_TRES_VMEM,
    SCHED_TRES_PAGES,
    SCHED_TRES_COUNT,
};

/* The state_desc slurmctld gives the highest-priority job of a partition
 * that has too few usable nodes. */
#define SCHED_DESC_NODES_DOWN \
    "Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority " \
    "partitions"

/* ---- the site ------------------------------------------------------------ */

/* Snapshot what the scheduler needs from c (borrowed for the call):
 * PriorityType and its weights, flags and PriorityFavorSmall, PrivateData,
 * PreemptType / PreemptMode / PreemptExemptTime, the nodes (CPUs, memory,
 * features) and the partitions (members, limits, state, PriorityJobFactor
 * / PriorityTier, PreemptMode).  NULL and errno (ENOMEM, or
 * EINVAL with the reason in err for a value it cannot use).  Caller
 * destroys. */
struct sched_site *sched_site_create(const struct flurm_slurmconf *c, char *err, size_t errlen);

/* NULL-safe. */
void sched_site_destroy(struct sched_site *site);

/* Whether PriorityType is priority/multifactor (else priority/basic). */
bool sched_site_multifactor(const struct sched_site *site);

/* Whether jobs may be preempted: PreemptType=preempt/partition_prio with a
 * global PreemptMode other than OFF (other PreemptTypes preempt nothing). */
bool sched_site_preempts(const struct sched_site *site);

/* Nodes in slurm.conf order: how many, the name of node i (borrowed), and
 * the index of the node called name (borrowed), or -1. */
size_t sched_site_node_count(const struct sched_site *site);
/* Cores (Sockets * CoresPerSocket) of the node called name, 0 if unknown
 * (the shape flurm_alloc_from_json asks for; arg is the site). */
uint32_t sched_site_node_cores(const char *name, void *site);
const char *sched_site_node_name(const struct sched_site *site, size_t i);
ssize_t sched_site_node_find(const struct sched_site *site, const char *name);

/* ---- jobs ------------------------------------------------------------------ */

/* What the scheduler reads of a job (from its job_info record).  Strings
 * are owned by the struct (sched_job_clear frees them). */
struct sched_job {
    uint32_t job_id;
    uint32_t array_job_id;  /* 0: not an array */
    uint32_t array_task_id; /* NO_VAL: plain job or a meta record */
    bool array_meta;        /* the record holding an array's pending tasks */
    uint32_t array_pending; /* meta record: how many tasks it still holds */
    uint32_t array_max_tasks; /* %N throttle, 0: none */
    uint32_t user_id;
    char *name;
    uint32_t state;         /* job_state word */
    uint32_t reason;        /* state_reason */
    char *desc;             /* state_desc, NULL if none */
    uint32_t priority;      /* 0: held */
    bool direct_prio;       /* set by an administrator: never recomputed */
    uint32_t nice;          /* NICE_OFFSET + nice */
    uint32_t site_factor;   /* NICE_OFFSET + site factor */
    char *partition;        /* "a" or "a,b" */
    int64_t submit_time;
    int64_t eligible_time;  /* 0: not known to be eligible (held, dependent) */
    int64_t start_time;
    int64_t end_time;
    char *dependency;
    char *req_nodes;
    char *exc_nodes;
    char *features;
    uint32_t min_cpus;
    uint32_t max_cpus;      /* 0: not set */
    uint32_t min_nodes;
    uint32_t max_nodes;     /* 0: not set */
    uint32_t time_limit;    /* minutes; NO_VAL / INFINITE */
    uint16_t cpus_per_task;
    uint16_t pn_min_cpus;
    uint64_t pn_min_memory; /* MB; the top bit means "per CPU" */
    uint16_t ntasks_per_node; /* 0: not set */
    uint32_t num_tasks;     /* NO_VAL / 0: not set */
    uint16_t shared;        /* 0: --exclusive (JOB_SHARED_NONE) */
    uint64_t tres[SCHED_TRES_COUNT]; /* requested (tres_req_str) */
    uint32_t exit_code;
};

/* Fill job from a job_info record JSON (borrowed).  The minimum node count
 * and the requested TRES come from its tres_req_str.  0, or -1 and errno
 * (EINVAL for a record that is not a job_info, ENOMEM).  On failure job is
 * left cleared.  direct_prio is false: the caller knows it or not. */
int sched_job_from_info(const json_t *info, struct sched_job *job);

/* Free the strings of job and zero it.  NULL-safe. */
void sched_job_clear(struct sched_job *job);

/* ---- priorities ------------------------------------------------------------ */

/* A job's multifactor factors in one partition, weighted (sprio's columns):
 * age, assoc, fairshare and QOS are always 0 without accounting, as
 * slurmctld computes them without slurmdbd. */
struct sched_factors {
    double age, assoc, fs, js, part, qos;
    double tres[SCHED_TRES_COUNT];
    uint32_t site_factor; /* biased by NICE_OFFSET */
    uint32_t nice;        /* biased by NICE_OFFSET */
};

/* The multifactor priority of job in partition part (borrowed name; NULL:
 * the job's first partition) as priority/multifactor's
 * _get_priority_internal computes it, its factors to *f when f is not
 * NULL.  With priority/basic, or for an administrator's priority, the job's
 * own priority (and zero factors). */
uint32_t sched_priority(const struct sched_site *site, const struct sched_job *job,
                        const char *part, struct sched_factors *f);

/* ---- the pass ------------------------------------------------------------- */

/* What one job holds (an entry of the store's job.allocs): its hosts'
 * cores and memory until end_time. */
struct sched_hold {
    uint32_t job_id;
    uint32_t array_job_id;      /* 0: not an array task */
    uint32_t state;             /* job_state word (RUNNING, COMPLETING, ...) */
    int64_t end_time;           /* 0: unknown */
    const struct flurm_alloc *alloc; /* only the hosts still held */
};

struct sched_decision {
    uint32_t job_id;
    uint32_t priority;
    uint32_t reason;
    char *desc;       /* state_desc, NULL for none */
    bool would_start; /* started by this pass (see starts): job.start says the rest */
    /* When the job is expected to start: the shadow time of the backfill
     * reservation the pass made for it (scontrol's StartTime of a pending
     * job), 0 for unknown. */
    int64_t start_time;
    /* The dependency as slurmctld shows it (_depend_list2str): the terms
     * not yet fulfilled, each with "(unfulfilled)" or "(failed)"; NULL
     * when there is none left. */
    char *dependency;
};

/* A running job the pass stops to make room for a pending one
 * (PreemptType=preempt/partition_prio): the store's job.preempt. */
struct sched_preempt {
    uint32_t job_id; /* the running job */
    uint32_t by;     /* the pending job it makes room for */
    bool requeue;    /* its PreemptMode is REQUEUE, else CANCEL */
};

/* A job the pass starts; an array's meta record appears once per task. */
struct sched_start {
    uint32_t job_id;
    struct flurm_alloc *alloc; /* owned by the result */
};

struct sched_result {
    size_t n;
    struct sched_decision *d; /* by job id */
    size_t nstarts;
    struct sched_start *starts; /* in the order the pass started them */
    size_t ntimeouts;
    uint32_t *timeouts;         /* RUNNING jobs past their end time, by id */
    size_t npreempts;
    struct sched_preempt *preempts; /* by preemptor in queue order, then
                                     * the order they were chosen in */
    int64_t next_wakeup;        /* earliest future begin or end time, 0 if none */
};

/* Decide every pending job of jobs[0..njobs) that is not held: its
 * priority (multifactor: recomputed unless direct_prio; basic: kept), the
 * reason it waits for, as slurmctld's scheduler would show it, or that it
 * starts now and where, and which running jobs of lower PriorityTier it
 * preempts when it cannot start (see docs/scheduler.md for the model, the
 * backfill, preemption and where FLURM differs).  holds[0..nholds) is
 * what running and completing jobs hold; a job there is never started
 * again, and a running one is preempted only if its record is in jobs.  node_state[i]
 * is the state word of site node i (sched_site_node_count() entries).
 * Borrowed inputs; NULL and ENOMEM.  Caller destroys the result. */
struct sched_result *sched_pass(const struct sched_site *site, const struct sched_job *jobs,
                                size_t njobs, const struct sched_hold *holds, size_t nholds,
                                const uint32_t *node_state, int64_t now);

/* NULL-safe. */
void sched_result_destroy(struct sched_result *res);

/* ---- sprio and sshare ------------------------------------------------------ */

/* RESPONSE_PRIORITY_FACTORS for REQUEST_PRIORITY_FACTORS msg (borrowed
 * record JSON, may be NULL: no filter) asked by uid: one object per
 * eligible, pending, not held job and partition, filtered by job ids, uids
 * and partitions, and by PrivateData=jobs for others than root and
 * SlurmUser.  Direct (administrator) priorities are sent as direct_prio
 * with no factors.  Returns the priority_factors_msg record JSON (new
 * reference; factors null when none, as slurmctld sends), NULL and
 * ENOMEM. */
json_t *sched_priority_factors(const struct sched_site *site, const struct sched_job *jobs,
                               size_t njobs, int64_t now, const json_t *msg, uid_t uid);

/* RESPONSE_SHARE_INFO: without an accounting database slurmctld has no
 * associations, so no TRES names, no list and no shares.  The shares_msg
 * record JSON (new reference), NULL and ENOMEM. */
json_t *sched_share_info(const struct sched_site *site);

#endif
