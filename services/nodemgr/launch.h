/*
 * launch.h - the messages the node manager sends slurmd about a job, built
 * as slurmctld 22.05 builds them (job_scheduler.c _build_launch_job_msg /
 * make_batch_job_cred, job_mgr.c create_kill_job_msg, node_scheduler.c
 * setup_cred_arg):
 *
 *   REQUEST_BATCH_JOB_LAUNCH 4005    the batch script, its environment and
 *                                    the (unsigned) job credential
 *   REQUEST_TERMINATE_JOB 6011 / KILL_TIMELIMIT 6009 / ABORT_JOB 6013
 *                                    kill_job_msg with its credential
 *   REQUEST_SIGNAL_TASKS 6004        one step's tasks, one signal
 *
 * The credential comes from the allocation (common/alloc.h): a core bitmap
 * over every host of the job (each host's Sockets x CoresPerSocket cores,
 * socket-major, hosts in allocation order), the socket/core layout and the
 * CPU counts run-length encoded over the hosts, and for a launch the batch
 * host's memory.  Nothing here talks to the network, reads the clock or
 * NSS: the caller passes the time, the user's passwd entry and the node
 * shapes, so the builders are unit-tested against captured bytes.
 */
#ifndef FLURM_NODEMGR_LAUNCH_H
#define FLURM_NODEMGR_LAUNCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/alloc.h"
#include "wire/rec_slurmd.h"
#include "wire/rec_step.h"

/* The sockets and cores per socket slurm.conf gives node `name` (borrowed).
 * -1 when the node is unknown. */
typedef int (*launch_shape_fn)(const char *name, uint16_t *sockets, uint16_t *cores_per_socket,
                               void *arg);

/* What the site decides for every message. */
struct launch_site {
    uint32_t select_plugin_id;     /* SelectType's id: 102 linear, 101 cons_res, 109 cons_tres */
    const char *default_partition; /* borrowed; for a job without one (may be NULL) */
    launch_shape_fn shape;
    void *shape_arg;
};

/* The job's user as the credential carries it (getpwuid + getgrouplist). */
struct launch_user {
    uint32_t uid;
    uint32_t gid;
    char *pw_name;
    char *pw_gecos;
    char *pw_dir;
    char *pw_shell;
    uint32_t *gids;
    uint32_t ngids;
};

/* Fill *u for uid/gid from NSS (getpwuid_r, getgrouplist).  -1 and ENOENT
 * for a uid without a passwd entry, ENOMEM.  Clear with launch_user_clear(). */
int launch_user_lookup(uint32_t uid, uint32_t gid, struct launch_user *u);

/* Free what *u holds and zero it.  NULL-safe. */
void launch_user_clear(struct launch_user *u);

/* REQUEST_BATCH_JOB_LAUNCH for the job whose job.launch_info reply body is
 * `info` ({job: durable job JSON, script, environment, and for an array
 * task array: {count, min, max, step}, which become the environment's
 * SLURM_ARRAY_TASK_COUNT/MIN/MAX/STEP as slurmctld adds them}), allocated `a`, run
 * by `user`, at `now` (the credential's ctime); all borrowed.  A new
 * message (caller frees with launch_batch_destroy()), or NULL with errno
 * EINVAL (the reason in err: no script, an allocation without a batch
 * host, a host of unknown shape) or ENOMEM. */
struct flurm_batch_job_launch *launch_batch_create(const json_t *info, const struct flurm_alloc *a,
                                                   const struct launch_user *user,
                                                   const struct launch_site *site, time_t now,
                                                   char *err, size_t errlen);

/* NULL-safe. */
void launch_batch_destroy(struct flurm_batch_job_launch *m);

/* kill_job_msg for REQUEST_TERMINATE_JOB and kin: `job` is what the node
 * manager knows of the job (an entry of job.allocs, optionally merged with
 * the durable job JSON of job.launch_info: desc, state_desc, exit_code...),
 * allocated `a`, of `user`, issued at `now`; all borrowed.  Same ownership
 * and errors as launch_batch_create(); free with launch_terminate_destroy(). */
struct flurm_terminate_job *launch_terminate_create(const json_t *job, const struct flurm_alloc *a,
                                                    const struct launch_user *user,
                                                    const struct launch_site *site, time_t now,
                                                    char *err, size_t errlen);

/* NULL-safe. */
void launch_terminate_destroy(struct flurm_terminate_job *m);

/* The credential of a job on allocation `a` (borrowed), as
 * slurm_cred_create() packs it, into *cred (zeroed here; the caller frees
 * it with flurm_record_free(&flurm_rec_job_cred, cred)).  `job` (borrowed)
 * is the durable job JSON or a job.allocs entry.  step_id is the step the
 * credential is for: FLURM_STEP_BATCH_SCRIPT for a launch (step core bitmap
 * = the job's, memory of the batch host), NO_VAL for a kill (neither).
 * -1 and EINVAL (err) / ENOMEM. */
int launch_cred_fill(struct flurm_job_cred *cred, const json_t *job, const struct flurm_alloc *a,
                     const struct launch_user *user, const struct launch_site *site,
                     uint32_t step_id, time_t now, char *err, size_t errlen);

/* The credential of step `step_id` of a job on allocation `a`, as
 * slurmctld's _make_step_cred builds it for RESPONSE_JOB_STEP_CREATE: the
 * job's part as launch_cred_fill(), then the step's hostlist, its core
 * bitmap (the cores of `step`'s hosts, placed over the job's bitmap at
 * their hosts' offsets), the job's memory per host and the step's memory
 * per step host, run-length encoded.  `step` is the step's part of the
 * allocation (its hosts, each one a host of `a`, with the cores, CPUs and
 * memory the step gets there).  All borrowed; same ownership and errors
 * as launch_cred_fill() (EINVAL: a step host or core outside the job). */
int launch_step_cred_fill(struct flurm_job_cred *cred, const json_t *job,
                          const struct flurm_alloc *a, const struct flurm_alloc *step,
                          const struct launch_user *user, const struct launch_site *site,
                          uint32_t step_id, time_t now, char *err, size_t errlen);

/* REQUEST_SIGNAL_TASKS for one step, as slurmctld's signal_step_tasks
 * sends it: the step's id, the signal, no flags.  *m is overwritten. */
void launch_step_signal_fill(struct flurm_signal_tasks *m, uint32_t job_id, uint32_t step_id,
                             uint16_t signal);

/* REQUEST_SIGNAL_TASKS for a signal to a job, as slurmctld 22.05's
 * job_signal sends it: with KILL_JOB_BATCH the batch step only (to the
 * batch host); otherwise a step id no step has (MaxStepCount + 1) and the
 * flags telling slurmstepd which steps: the caller's when they hold
 * KILL_FULL_JOB / KILL_JOB_BATCH / KILL_STEPS_ONLY, else KILL_STEPS_ONLY
 * (every step but the batch script).  *m is overwritten (no pointers). */
#define LAUNCH_KILL_JOB_BATCH 0x0001u
#define LAUNCH_KILL_STEPS_ONLY 0x0004u
#define LAUNCH_KILL_FULL_JOB 0x0008u
void launch_signal_fill(struct flurm_signal_tasks *m, uint32_t job_id, uint16_t signal,
                        uint16_t flags, uint32_t max_step_cnt);

#endif
