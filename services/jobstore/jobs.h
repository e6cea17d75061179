/*
 * jobs.h - SLURM job semantics of the job store: the in-memory job table,
 * the deterministic commands that change it (submit, kill, update) and the
 * queries that read it (the job_info records of squeue / scontrol).
 *
 * Commands and queries are JSON in, JSON out (docs/jobstore.md):
 *
 *   command {"type":"job.submit","req_id":"...","time":T,
 *            "auth":{"uid":U,"gid":G,"host":H,"addr":A},"proto":P,"msg":{...}}
 *   result  {"ok":true,"body":{...}}  or  {"ok":false,"code":N,"text":"..."}
 *
 * Applying a command reads nothing but the command, the table and the site
 * (no clock, no environment), so the same commands applied to the same
 * starting table give the same table: the store logs commands and replays
 * them.  A refused command (a SLURM error) is a result too; it may still
 * have changed the table where slurmctld does so (ESLURM_PRIO_RESET_FAIL).
 *
 * Persistence is the caller's (store.c): after each command it reads which
 * jobs changed and which new scripts to write, and saves the jobs' durable
 * JSON form; at start it loads them back.  This file has no SQL and no I/O.
 */
#ifndef FLURM_JOBSTORE_JOBS_H
#define FLURM_JOBSTORE_JOBS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "services/jobstore/site.h"
#include "wire/pack.h"
#include "wire/rec_job.h"

struct jobs;

/* SLURM numbers the job semantics use (slurm/slurm.h, slurm_errno.h 22.05). */
enum {
    JOB_PENDING = 0,
    JOB_RUNNING = 1,
    JOB_SUSPENDED = 2,
    JOB_COMPLETE = 3,
    JOB_CANCELLED = 4,
    JOB_FAILED = 5,
    JOB_TIMEOUT = 6,
    JOB_NODE_FAIL = 7,
    JOB_PREEMPTED = 8,
    JOB_STATE_BASE = 0xff,
    JOB_REQUEUE_HOLD = 0x800, /* held after MAX_BATCH_REQUEUE requeues, until it starts again */
    JOB_COMPLETING = 0x8000,
};

enum {
    WAIT_NO_REASON = 0,
    WAIT_PRIORITY = 1,
    WAIT_DEPENDENCY = 2,
    WAIT_RESOURCES = 3,
    WAIT_PART_NODE_LIMIT = 4,
    WAIT_PART_TIME_LIMIT = 5,
    WAIT_PART_DOWN = 6,
    WAIT_PART_INACTIVE = 7,
    WAIT_HELD = 8,
    WAIT_TIME = 9,
    WAIT_NODE_NOT_AVAIL = 15,
    WAIT_HELD_USER = 16,
    FAIL_DOWN_NODE = 20,
    FAIL_BAD_CONSTRAINTS = 21,
    FAIL_LAUNCH = 23,
    FAIL_EXIT_CODE = 24,
    FAIL_TIMEOUT = 25,
    WAIT_MAX_REQUEUE = 71, /* squeue's JobHoldMaxRequeue */
    WAIT_PART_CONFIG = 178,
};

enum {
    SLURM_NO_CHANGE_IN_DATA = 1900,
    ESLURM_INVALID_PARTITION_NAME = 2000,
    ESLURM_DEFAULT_PARTITION_NOT_SET = 2001,
    ESLURM_ACCESS_DENIED = 2002,
    ESLURM_JOB_MISSING_REQUIRED_PARTITION_GROUP = 2003,
    ESLURM_REQUESTED_NODES_NOT_IN_PARTITION = 2004,
    ESLURM_TOO_MANY_REQUESTED_CPUS = 2005,
    ESLURM_INVALID_NODE_COUNT = 2006,
    ESLURM_JOB_MISSING_SIZE_SPECIFICATION = 2008,
    ESLURM_JOB_SCRIPT_MISSING = 2009,
    ESLURM_USER_ID_MISSING = 2010,
    ESLURM_DUPLICATE_JOB_ID = 2011,
    ESLURM_PATHNAME_TOO_LONG = 2012,
    ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE = 2014,
    ESLURM_INVALID_JOB_ID = 2017,
    ESLURM_INVALID_NODE_NAME = 2018,
    ESLURM_TRANSITION_STATE_NO_UPDATE = 2020,
    ESLURM_ALREADY_DONE = 2021,
    ESLURM_BAD_TASK_COUNT = 2025,
    ESLURM_INVALID_FEATURE = 2029,
    ESLURM_NOT_SUPPORTED = 2036,
    ESLURM_DEPENDENCY = 2038,
    ESLURM_JOB_HELD = 2042,
    ESLURM_INVALID_TASK_MEMORY = 2044,
    ESLURM_INVALID_TIME_LIMIT = 2051,
    ESLURM_PARTITION_NOT_AVAIL = 2070,
    ESLURM_JOB_NOT_PENDING = 2073,
    ESLURM_INVALID_ARRAY = 2081,
    ESLURM_JOB_FINISHED = 2084,
    ESLURM_PRIO_RESET_FAIL = 2095,
    ESLURM_X11_NOT_AVAIL = 2112,
    ESLURM_GROUP_ID_MISSING = 2113,
    ESLURM_BATCH_CONSTRAINT = 2114,
    ESLURM_INVALID_NICE = 2123,
    ESLURM_INVALID_TIME_MIN_LIMIT = 2124,
    ESLURM_ENVIRONMENT_MISSING = 2127,
    ESLURM_INVALID_PREFER = 2133,
};

/* A new job's script and environment, to be written apart from the job
 * (they are large and never on the listing path).  Both borrowed from the
 * command that created the job. */
struct jobs_script {
    uint32_t job_id;
    const char *script;
    const json_t *environment; /* array of "K=V" strings, or NULL */
};

/* An empty table deciding with site (borrowed; it must outlive the table).
 * next_job_id starts at FirstJobId.  NULL and ENOMEM.  Caller destroys. */
struct jobs *jobs_create(const struct site *site);

/* NULL-safe. */
void jobs_destroy(struct jobs *jobs);

/* The site the table decides with (borrowed). */
const struct site *jobs_site(const struct jobs *jobs);

/* ---- commands (logged, deterministic) ------------------------------------ */

/* 1 if type names a command (it changes state and goes through the log):
 * job.submit, job.kill, job.update (users' requests, with auth), and the
 * commands of FLURM's services and slurmd, whose auth (when present) must
 * be root's or SlurmUser's: the scheduler's job.sched_update
 * ({"msg": {"jobs": [{job_id, priority, state_reason, state_desc}]}}) and
 * the running-job contract of docs/running-jobs.md: job.start,
 * job.launched, job.launch_failed, job.timeout, job.node_fail, job.preempt
 * (msg is the service's body) and job.complete, job.epilog_complete (msg is slurmd's
 * complete_batch / epilog_complete record); and docs/steps.md's users'
 * commands job.allocate (a job_desc, plus the client's "peer" address),
 * job.alloc_complete, step.create, step.complete (their wire records). */
int jobs_is_command(const char *type);

/* Apply cmd (borrowed) as the command at log position seq, which is
 * recorded in every job it changes.  Returns the result (new reference,
 * caller owns).  NULL with ENOMEM only if memory ran out part way: the table
 * may then be inconsistent and the caller must discard it (reload from
 * disk). */
json_t *jobs_apply(struct jobs *jobs, uint64_t seq, const json_t *cmd);

/* What the last jobs_apply() changed: the ids of the jobs to save (borrowed
 * array, valid until the next apply) and the scripts of the jobs it created
 * (borrowed from that command). */
size_t jobs_changed(const struct jobs *jobs, const uint32_t **ids);
size_t jobs_new_scripts(const struct jobs *jobs, const struct jobs_script **scripts);

/* ---- queries (served from memory, not logged) ---------------------------- */

/* How many job_info records the wire-form queries answered from a kept
 * rendering (*hits) and made afresh (*made) since the table was created
 * (render.h; not state). */
void jobs_rendered_counts(const struct jobs *jobs, uint64_t *hits, uint64_t *made);

/* Answer a query of `type` (job.info, job.info_single, job.user_info,
 * job.list, and docs/steps.md's job.ready, job.alloc_info, step.info) with the request body (borrowed: {"auth":{...},"msg":{...}})
 * at time now (the loop's clock: the reply's last_update and the expected
 * start of jobs waiting for a begin time).  Returns a result as
 * jobs_apply() does (new reference), NULL and ENOMEM, or NULL and ENOSYS
 * for a type that is not a query.  A job list (job.info, job.user_info,
 * job.info_single) whose body has "wire_records": true and a "proto" of
 * 22.05, 23.02 or 23.11 answers its records packed for that version as the
 * reply's attachment (common/msg.h) instead of "jobs" in "msg", and says
 * so with "wire_records": true in the result's body (docs/jobstore.md,
 * "Answering squeue"). */
json_t *jobs_query(struct jobs *jobs, const char *type, const json_t *body, double now);

/* job.allocs: every job that holds cores or memory now (running, or
 * completing on some host), by job id: {"seq": seq (the caller's log
 * position), "jobs": [{job_id, array_job_id, array_task_id, user_id,
 * group_id, state, batch, launched, start_time, end_time, alloc,
 * completing: [hosts], resp_host, alloc_resp_port, other_port}]} as a
 * result (new reference; NULL and ENOMEM). */
json_t *jobs_allocs(const struct jobs *jobs, uint64_t seq);

/* For job.launch_info: the job array job_id belongs to, as submitted
 * ({"count", "min", "max", "step"}: slurmctld's SLURM_ARRAY_TASK_COUNT,
 * _MIN, _MAX and _STEP), whichever of its records job_id is.  New
 * reference; NULL and ENOENT (unknown job, or not an array), EINVAL (an
 * expression that no longer parses) or ENOMEM. */
json_t *jobs_launch_array(const struct jobs *jobs, uint32_t job_id);

/* The job_info record (JSON form of wire/rec_job.h's flurm_rec_job_info) of
 * job_id as seen by an administrator, or NULL (ENOENT / ENOMEM).  New
 * reference. */
json_t *jobs_job_info(struct jobs *jobs, uint32_t job_id, uint16_t show_flags, double now);

/* Who may read or act on job_id: its owner, or NULL and ENOENT.  For the
 * store's script query. */
int jobs_job_owner(const struct jobs *jobs, uint32_t job_id, uint32_t *user_id);

/* The job's base state and whole state word, for events.  -1 and ENOENT. */
int jobs_job_state(const struct jobs *jobs, uint32_t job_id, uint32_t *state);

/* Number of job records, and of those not finished. */
size_t jobs_count(const struct jobs *jobs);
size_t jobs_active_count(const struct jobs *jobs);

/* sdiag's job numbers for "service.stats" (new reference, NULL and
 * ENOMEM), named as struct flurm_stats_sched's fields: jobs_submitted and
 * jobs_canceled counted since the table was created (they are not state:
 * never saved) or since the last reset, which zeroes them first;
 * jobs_pending and jobs_running as of now, with job_states_ts = now; and
 * next_job_id, the id the next submission gets (0 if every id is taken).
 * jobs_started (job.start), jobs_completed (job.complete answered 0) and
 * jobs_failed (slurmd reported a launch error in job.complete) count as
 * slurmctld's do. */
json_t *jobs_stats(struct jobs *jobs, bool reset, int64_t now);

/* ---- persistence --------------------------------------------------------- */

/* The durable form of one job (everything but script and environment), a
 * new reference; NULL and ENOENT / ENOMEM. */
json_t *jobs_job_save(const struct jobs *jobs, uint32_t job_id);

/* Put a job back from its durable form (borrowed), at start.  -1 and
 * EINVAL (malformed) / EEXIST / ENOMEM. */
int jobs_job_load(struct jobs *jobs, const json_t *saved);

/* The same durable form split as the database keeps it (docs/jobstore.md,
 * "Tables"): *state, a new reference, is everything but the request; the
 * request itself (without script and environment) is appended to desc in
 * the saved form (wire/saved.h), which reads back ~20 times faster than its
 * JSON.  0, or -1 and ENOENT / ENOMEM. */
int jobs_job_save_row(const struct jobs *jobs, uint32_t job_id, json_t **state,
                      struct flurm_buf *desc);

/* Put a job back from a row (state borrowed; desc/desc_len its request in
 * the saved form, or NULL for a row written before the request had its own
 * column, whose state then holds it as "desc").  -1 and EINVAL (malformed)
 * / EEXIST / ENOMEM. */
int jobs_job_load_row(struct jobs *jobs, const json_t *state, const void *desc, size_t desc_len);

/* The table's own durable counters: {"next_job_id","lowest_prio",
 * "last_update"}.  New reference, NULL and ENOMEM. */
json_t *jobs_meta_save(const struct jobs *jobs);
int jobs_meta_load(struct jobs *jobs, const json_t *saved);

/* ---- helpers for callers and tests --------------------------------------- */

/* d as slurm_init_job_desc_msg() leaves it: NO_VAL in every field a client
 * did not set.  Frees nothing (d is overwritten). */
void jobs_desc_init(struct flurm_job_desc *d);

/* The JSON form of an untouched job_desc (see jobs_desc_init).  New
 * reference, NULL and ENOMEM. */
json_t *jobs_desc_defaults(void);

/* Parse a job array expression ("1-100%10", "1,3,5-7", "0-15:4") as SLURM
 * does, for task ids below max.  On success returns 0, the number of tasks
 * in *count, the smallest and largest ids in *first / *last, and the
 * throttle after '%' (0 if none) in *max_running; -1 and EINVAL otherwise. */
int jobs_parse_array(const char *spec, uint32_t max, uint32_t *count, uint32_t *first,
                     uint32_t *last, uint32_t *max_running);

#endif
