/*
 * tree.h - the running supervision tree: an explicit state machine driven
 * by one libev loop (process exits, readiness pipes, timers and control
 * requests are all loop events; nothing ever sleeps).
 *
 * Every node, service or nested supervisor, is in one of the states below;
 * the allowed transitions are listed in tree.c and in docs/supervisor.md.
 * Supervisors follow OTP: strategies one_for_one, rest_for_one,
 * one_for_all; more than `intensity` restarts within `period` seconds makes
 * a supervisor stop its children (reverse start order) and fail to its
 * parent.  Restarts are delayed by an exponential back-off.
 */
#ifndef FLURM_SUP_TREE_H
#define FLURM_SUP_TREE_H

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "supervisor/config.h"
#include "supervisor/ctl.h"

enum sup_node_state {
    SUP_ST_STOPPED,   /* not running, not wanted (or not yet started) */
    SUP_ST_STARTING,  /* started, waiting for readiness */
    SUP_ST_READY,     /* serving (a supervisor: all its children started) */
    SUP_ST_RELOADING, /* serving, and a new instance is starting beside it */
    SUP_ST_STOPPING,  /* asked to stop (SIGTERM sent / children stopping) */
    SUP_ST_BACKOFF,   /* down, restart scheduled */
    SUP_ST_FAILED,    /* down, will not be restarted by its supervisor */
};

const char *sup_node_state_name(enum sup_node_state state);

/* True if `to` may follow `from`: the one table of transitions. */
bool sup_node_transition_ok(enum sup_node_state from, enum sup_node_state to);

struct sup_tree;

struct sup_tree_opts {
    struct ev_loop *loop;             /* borrowed; must not be libev's default loop */
    const struct sup_config *config;  /* borrowed; must outlive the tree */
    const char *rundir;               /* borrowed; absolute */
    const char *slurm_conf;           /* borrowed; given to children as SLURM_CONF; may be NULL */
    const int *listen_fds;            /* borrowed; for "listen": true children */
    size_t nlisten;
};

/* The root became ready for the first time. */
typedef void (*sup_tree_ready_f)(void *arg);

/* Everything has stopped and every child process is gone: the loop may end.
 * exit_code is 0 after a requested stop, 100 if a permanent failure
 * reached the root, 111 if the root gave up otherwise; reason (borrowed
 * for the call) says why. */
typedef void (*sup_tree_done_f)(int exit_code, const char *reason, void *arg);

/* Build the runtime tree from opts (borrowed).  Installs its own SIGCHLD
 * watcher on the loop.  NULL and errno on failure. */
struct sup_tree *sup_tree_create(const struct sup_tree_opts *opts, sup_tree_ready_f ready,
                                 sup_tree_done_f done, void *arg);

/* Stop watching; unanswered control requests get an error reply.  Child
 * processes still alive are killed (SIGKILL to their groups): normally
 * there are none, since destroy follows `done`. */
void sup_tree_destroy(struct sup_tree *tree);

/* Start the root supervisor (children in order, each after the previous is
 * ready). */
int sup_tree_start(struct sup_tree *tree);

/* Stop the whole tree: children in reverse start order, each within its
 * shutdown timeout.  Idempotent. */
void sup_tree_stop(struct sup_tree *tree);

/* The tree as JSON, for `flurm-sup status` (caller decrefs). */
json_t *sup_tree_status(struct sup_tree *tree);

/* Control-socket handler (sup_ctl_handler_f) with arg = the tree: answers
 * sup.status, sup.reload, sup.restart, sup.stop. */
void sup_tree_handle_ctl(struct sup_ctl_req *req, const char *type, json_t *body, void *arg);

#endif
