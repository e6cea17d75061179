/*
 * mirror.h - the node manager's mirror of the jobs that hold resources (the
 * store's job.allocs) and what each one still needs from slurmd: a batch
 * launch, terminate requests to its completing hosts.
 *
 * The mirror is rebuilt from each job.allocs reply (mirror_replace()); what
 * the node manager itself is doing about a job (a launch in flight, when
 * each host was last told to terminate, when its batch host last listed
 * it) survives rebuilds, keyed by job id.  No NNG, no clock, no NSS: the
 * service (nodemgr.c) does the talking and passes the time in.
 */
#ifndef FLURM_NODEMGR_MIRROR_H
#define FLURM_NODEMGR_MIRROR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/alloc.h"

/* SLURM's job states (slurm.h): base in the low byte, flags above. */
#define MIRROR_STATE_PENDING 0u
#define MIRROR_STATE_RUNNING 1u
#define MIRROR_STATE_SUSPENDED 2u
#define MIRROR_STATE_COMPLETE 3u
#define MIRROR_STATE_CANCELLED 4u
#define MIRROR_STATE_FAILED 5u
#define MIRROR_STATE_TIMEOUT 6u
#define MIRROR_STATE_NODE_FAIL 7u
#define MIRROR_STATE_BASE 0x000000ffu
#define MIRROR_STATE_COMPLETING 0x00008000u

/* Where a batch launch stands in this process. */
enum jobs_launch {
    MIRROR_LAUNCH_NONE,      /* nothing done (yet) */
    MIRROR_LAUNCH_BUSY,      /* launch info asked, or the launch is out to slurmd */
    MIRROR_LAUNCH_REPORTING, /* slurmd answered; job.launched / launch_failed out */
    MIRROR_LAUNCH_DONE,      /* reported: nothing more to do */
};

struct mirror_job {
    uint32_t job_id;
    uint32_t user_id;
    uint32_t group_id;
    uint32_t state; /* job_state word */
    bool batch;
    bool launched; /* as the store says */
    time_t start_time;
    json_t *record;            /* the job.allocs entry (owned) */
    struct flurm_alloc *alloc; /* owned */
    char **completing;         /* hosts whose epilog is awaited */
    size_t ncompleting;
    time_t *terminate_sent; /* per completing host: last terminate (0: never) */
    /* Runtime, kept across rebuilds: */
    enum jobs_launch launch;
    bool inherited;   /* unlaunched in the first read, or claimed by another instance
                       * (job.launch_claim refused): someone may have launched it */
    bool claimed_elsewhere; /* inherited because another instance holds the claim */
    time_t take_over_after; /* claimed_elsewhere: a registration counts from then on */
    time_t register_ask_at; /* inherited: when to ask its batch host to register again */
    bool take_over;         /* the next claim takes the job over (job.launch_claim) */
    time_t last_seen; /* last registration of its batch host that listed it */
    bool report_inflight; /* job.launched / launch_failed out to the store */
    int launch_rc;        /* what to report: 0 launched, else the failure's code */
    char launch_text[160];
    /* An interactive job's client (salloc, srun), from the entry: */
    const char *resp_host;    /* borrowed from record; NULL: none */
    uint16_t alloc_resp_port; /* 0: none */
    uint16_t other_port;      /* 0: none */
    /* Runtime, kept across rebuilds: */
    bool alloc_told; /* RESPONSE_RESOURCE_ALLOCATION sent (or under way) */
    bool end_told;   /* its end sent to other_port (or under way) */
};

/* What an interactive job's client is told when the job ends. */
enum mirror_end {
    MIRROR_END_NONE,      /* nothing (yet) */
    MIRROR_END_COMPLETE,  /* SRUN_JOB_COMPLETE */
    MIRROR_END_TIMEOUT,   /* SRUN_TIMEOUT, then SRUN_JOB_COMPLETE */
    MIRROR_END_NODE_FAIL, /* SRUN_NODE_FAIL, then SRUN_JOB_COMPLETE */
};

struct mirror;

/* An empty mirror.  NULL and ENOMEM.  Caller destroys. */
struct mirror *mirror_create(void);

/* NULL-safe. */
void mirror_destroy(struct mirror *j);

/* Rebuild from a job.allocs reply's `jobs` array (borrowed).  Jobs already
 * mirrored keep their runtime fields (and a completing host keeps when it
 * was last told to terminate).  Jobs new to a mirror that was never loaded
 * before are `inherited` when RUNNING, batch and not launched.  Entries
 * that cannot be read (no job_id, a bad alloc) are skipped and counted in
 * *skipped (may be NULL).  0, or -1 and EINVAL (not an array) / ENOMEM (the
 * mirror is then unchanged). */
int mirror_replace(struct mirror *j, const json_t *list, size_t *skipped);

/* Whether mirror_replace() has succeeded once. */
bool mirror_loaded(const struct mirror *j);

size_t mirror_count(const struct mirror *j);

/* Borrowed, valid until the next mirror_replace()/mirror_destroy(). */
struct mirror_job *mirror_at(struct mirror *j, size_t i);
struct mirror_job *mirror_find(struct mirror *j, uint32_t job_id);

/* Whether `job` holds node `name` (borrowed) now: RUNNING / SUSPENDED and
 * the node is in its allocation, or COMPLETING and the node is in its
 * completing list. */
bool mirror_holds(const struct mirror_job *job, const char *name);

/* What the jobs hold on node `name`, as slurmctld counts it for
 * scontrol/sinfo: CPUs and MB of memory of RUNNING / SUSPENDED jobs (a
 * completing job's resources are freed at once, select_g_job_fini), and
 * whether a job is completing there. */
void mirror_node_usage(const struct mirror *j, const char *name, uint32_t *cpus, uint64_t *mem,
                     bool *completing);

/* Whether the job needs a REQUEST_BATCH_JOB_LAUNCH now: RUNNING, batch,
 * not launched, nothing under way here, and not inherited (an inherited
 * job waits for its batch host's registration, jobs_registered()). */
bool mirror_wants_launch(const struct mirror_job *job);

/* Whether an interactive job's client waits for its allocation: RUNNING,
 * not batch, with resp_host and alloc_resp_port, not told yet here
 * (slurmctld's srun_allocate). */
bool mirror_wants_alloc_push(const struct mirror_job *job);

/* What the client of an interactive job (not batch, resp_host and
 * other_port set) must hear now that the job ended (any state past
 * SUSPENDED), unless it was told already; MIRROR_END_NONE otherwise. */
enum mirror_end mirror_end_notice(const struct mirror_job *job);

/* Interactive jobs whose end was not told and that the last
 * mirror_replace() no longer lists (they ended and left between two
 * reads, e.g. a NODE_FAIL whose only host went down): each needs
 * SRUN_JOB_COMPLETE.  Borrowed until mirror_gone_clear() or the next
 * mirror_replace(), which replaces them. */
size_t mirror_gone_count(const struct mirror *j);
struct mirror_job *mirror_gone_at(struct mirror *j, size_t i);
void mirror_gone_clear(struct mirror *j);

/* Whether completing host k of the job is due for a (re-sent) terminate at
 * `now`: never sent, or last sent `resend` seconds ago or more. */
bool mirror_terminate_due(const struct mirror_job *job, size_t k, time_t now, double resend);

#endif
