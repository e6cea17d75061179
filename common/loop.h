/*
 * loop.h - the one event loop of a FLURM process, and the bridge that
 * brings work from other threads onto it.
 *
 * Every FLURM process runs all of its logic on a single libev loop (the
 * default loop, because only it can watch signals and children).  NNG
 * completes its asynchronous operations on its own threads; those
 * completions must not touch service state, so they post a work item here
 * and the loop runs it on the loop thread.  Posting is the only operation
 * that is safe from any thread.
 */
#ifndef FLURM_LOOP_H
#define FLURM_LOOP_H

#include <ev.h>

struct flurm_loop;

typedef void (*flurm_loop_fn)(void *arg);

/* A unit of work to run on the loop thread.  It is embedded in the owner's
 * object so that posting never allocates (an NNG thread has no good way to
 * report an allocation failure).  The fields after `arg` belong to loop.c. */
struct flurm_loop_work {
    flurm_loop_fn fn;
    void *arg;
    struct flurm_loop_work *next;
    int queued;
};

/* Take the libev default loop.  Only one flurm_loop may exist at a time
 * (EBUSY otherwise); after flurm_loop_destroy() a new one may be created.
 * Beware: the default loop reaps EVERY child on SIGCHLD (waitpid(-1)), so
 * a process with a loop must learn exit statuses from ev_child watchers,
 * never from its own waitpid().  Returns NULL and sets errno on failure.
 * Caller destroys. */
struct flurm_loop *flurm_loop_create(void);

/* NULL-safe.  Work still queued is dropped without running: owners of
 * posted work must have cancelled it (flurm_loop_cancel) before. */
void flurm_loop_destroy(struct flurm_loop *loop);

/* The underlying libev loop (borrowed) for watchers of the caller's own. */
struct ev_loop *flurm_loop_ev(struct flurm_loop *loop);

/* The loop's notion of "now" in seconds (ev_now): the only clock service
 * logic may read, so that it can later run under a simulated clock. */
double flurm_loop_now(struct flurm_loop *loop);

/* Run until flurm_loop_stop() is called (the wake-up watcher keeps the loop
 * alive even when nothing else is active).  Returns 0. */
int flurm_loop_run(struct flurm_loop *loop);

/* Make flurm_loop_run() return once the current callback finishes. */
void flurm_loop_stop(struct flurm_loop *loop);

/* Prepare `work` (borrowed; it must outlive any posting) to call fn(arg). */
void flurm_loop_work_init(struct flurm_loop_work *work, flurm_loop_fn fn, void *arg);

/* Thread-safe: queue `work` to run once on the loop thread and wake the
 * loop.  Posting a work item that is already queued does nothing: it still
 * runs once. */
void flurm_loop_post(struct flurm_loop *loop, struct flurm_loop_work *work);

/* Loop thread only: remove `work` from the queue if it is still there, so
 * that its owner can be freed.  Returns 1 if it was queued, else 0. */
int flurm_loop_cancel(struct flurm_loop *loop, struct flurm_loop_work *work);

#endif
