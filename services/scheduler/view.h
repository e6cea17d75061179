/*
 * view.h - the scheduler's picture of the cluster, rebuilt from its owners
 * and never saved: every job record the store holds (from job.list), every
 * node's state word (from the node manager's node.info and node.changed),
 * and which jobs carry an administrator's priority (the store says so when
 * it keeps one against a job.sched_update).
 *
 * It turns a pass's decisions into the job.sched_update body holding only
 * what differs from the store, so that a pass that changes nothing costs
 * the store nothing.  No NNG and no clock here: main.c feeds it.
 */
#ifndef FLURM_SCHEDULER_VIEW_H
#define FLURM_SCHEDULER_VIEW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "services/scheduler/sched.h"

struct view;

/* An empty view of the nodes of site (borrowed; it must outlive the view):
 * no job, every node in state 0 (UNKNOWN, so not usable).  NULL and
 * ENOMEM.  Caller destroys. */
struct view *view_create(const struct sched_site *site);

/* NULL-safe. */
void view_destroy(struct view *v);

/* ---- jobs --------------------------------------------------------------- */

/* A job.list reply body (borrowed): {"last_seq": N, "jobs": [job_info...]}.
 * Each record replaces the view's copy of its job (a job whose priority
 * changed loses its administrator-priority mark: it may have been released).  Returns
 * how many jobs were added or replaced, or -1 and errno (EINVAL for a body
 * that is not that, ENOMEM). */
int view_apply_jobs(struct view *v, const json_t *body);

/* Whether a job applied since the last call may hold or have held
 * resources (any state but plain PENDING, now or before), so that the
 * allocations must be read again; a view of pending submissions only
 * need not.  Clears the mark. */
bool view_allocs_stale(struct view *v);

/* Forget every job (before reading the store again from the start, e.g.
 * after it was replaced). */
void view_clear_jobs(struct view *v);

/* The store's log position the view is up to date with: ask job.list
 * {since_seq: it} for what came after. */
uint64_t view_last_seq(const struct view *v);

/* The jobs, sorted by job id (borrowed until the next change). */
const struct sched_job *view_jobs(const struct view *v, size_t *n);

/* job.sched_update's reply said the store kept these jobs' priorities
 * (borrowed array of job ids; anything else is ignored): they are direct
 * priorities until the job changes. */
void view_mark_direct(struct view *v, const json_t *job_ids);

/* ---- what running jobs hold ------------------------------------------------- */

/* A job.allocs reply body (borrowed): {"seq": N, "jobs": [{job_id,
 * array_job_id, state, end_time, alloc, completing}, ...]}.  Replaces
 * everything the view held: a completing job holds only the hosts of its
 * `completing` list.  Returns how many jobs hold something, or -1 and
 * errno (EINVAL for a body that is not that, with no change; ENOMEM). */
int view_apply_allocs(struct view *v, const json_t *body);

/* What the jobs hold, by job id (borrowed until the next change). */
const struct sched_hold *view_holds(const struct view *v, size_t *n);

/* ---- nodes -------------------------------------------------------------- */

/* A node.info is being asked for: until its answer, the nodes whose state
 * an event set keep it over the answer (which may have been taken before
 * the event: replies and events travel on different sockets). */
void view_nodes_asked(struct view *v);

/* The node.info asked for will not be answered: forget what was kept. */
void view_nodes_unanswered(struct view *v);

/* A node.info reply's msg (node_info_msg JSON, borrowed): the state of
 * every node it names but those an event set since view_nodes_asked().
 * Returns how many states changed, -1 and EINVAL. */
int view_apply_node_info(struct view *v, const json_t *msg);

/* A node.changed event body (borrowed): {"name", "node_state", ...}.
 * Returns 1 if that node's state changed, 0 if not (or unknown node), -1
 * and EINVAL for a body without them. */
int view_apply_node_event(struct view *v, const json_t *body);

/* State word of each site node, in site order (borrowed). */
const uint32_t *view_node_states(const struct view *v);

/* ---- decisions -------------------------------------------------------------- */

/* The job.sched_update body for the decisions of res (borrowed) that differ
 * from the view: {"time": now, "jobs": [{job_id, priority, state_reason,
 * state_desc, start_time, dependency}]} (start_time 0: unknown; dependency
 * "": none left), or NULL with errno 0 when nothing differs (ENOMEM on
 * failure).  An expected start at or before now equals any the store
 * shows at or before now (the store shows none in the past).  Jobs the
 * pass starts are left out: job.start sets theirs.  New reference. */
json_t *view_updates(const struct view *v, const struct sched_result *res, int64_t now);

/* The job.start body of res's starts (borrowed): {"time": now, "jobs":
 * [{job_id, alloc}]}, or NULL with errno 0 when there is none (ENOMEM).
 * New reference. */
json_t *view_start_body(const struct sched_result *res, int64_t now);

/* The job.preempt body of res's preemptions (borrowed): {"time": now,
 * "jobs": [{job_id, mode: "requeue" | "cancel", by}]}, or NULL with errno
 * 0 when there is none (ENOMEM).  New reference. */
json_t *view_preempt_body(const struct sched_result *res, int64_t now);

/* The job.timeout body of res's timeouts: {"time": now, "jobs": [ids]}, or
 * NULL with errno 0 when there is none (ENOMEM).  New reference. */
json_t *view_timeout_body(const struct sched_result *res, int64_t now);

#endif
