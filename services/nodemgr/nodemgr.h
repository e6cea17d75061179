/*
 * nodemgr.h - the node manager service around the node tables (nodes.h):
 * the request handlers the gateway reaches (node.info, node.info_single,
 * partition.info, node.update, node.register, job.signal, step.create),
 * persistence of admin state
 * through the job store (node.state_list at start, node.state_set after
 * each change), node.changed events, and the ping rounds that ping slurmd
 * or ask it to register, and mark silent nodes NOT_RESPONDING, then DOWN;
 * and the jobs: a mirror of the store's job.allocs, from which it launches
 * batch jobs on slurmd, terminates completing ones, derives node states,
 * reconciles registrations and reports failed nodes (docs/running-jobs.md).
 *
 * The request body is the gateway's {auth, time, proto, msg}
 * (docs/rpc-routing.md); replies are {msg: <record JSON>}, {rc: 0}, or an
 * error whose code is the SLURM return code.
 */
#ifndef FLURM_NODEMGR_NODEMGR_H
#define FLURM_NODEMGR_NODEMGR_H

#include "common/loop.h"
#include "common/service.h"
#include "services/nodemgr/nodes.h"
#include "services/nodemgr/slurmd.h"

struct nodemgr;

/* The handler table for flurm_service_create(), with the nodemgr as arg. */
extern const struct flurm_handler nodemgr_handlers[];

/* A node manager serving `nodes` (taken: destroyed with the manager) on
 * `loop` (borrowed, must outlive it), talking to slurmd through `slurmd`
 * (taken, likewise), keeping admin state in the store reached below
 * `rundir` (borrowed, copied).  Each store request may take
 * `store_timeout` seconds.  NULL and errno (nodes and slurmd are
 * destroyed then too).  Caller destroys. */
struct nodemgr *nodemgr_create(struct flurm_loop *loop, struct nodes *nodes,
                               struct slurmd_client *slurmd, const char *rundir,
                               double store_timeout);

/* NULL-safe.  Requests to the store still in flight are cancelled. */
void nodemgr_destroy(struct nodemgr *m);

/* Read the admin state the store keeps (node.state_list) into the tables,
 * running the loop until the store answers.  A store that does not know
 * the request yet counts as "nothing stored" (logged once).  0, or -1
 * with errno ETIMEDOUT (no answer in time) / EPROTO (a reply that is not
 * a node list) / ECANCELED (the process is stopping). */
int nodemgr_restore(struct nodemgr *m);

/* Serve through `svc` (borrowed; created with nodemgr_handlers and this
 * manager as arg, events enabled): installs the drain callback and starts
 * the ping rounds, the first after `first_ping` seconds. */
void nodemgr_attach(struct nodemgr *m, struct flurm_service *svc, double first_ping);

/* `flurm-sup inspect nodes WHAT` (docs/observability.md): "nodes", the
 * node table (state, reason, address, last response); "jobs", the mirror
 * of the store's allocations with each job's launch progress.  New
 * reference; NULL and errno (ENOENT for another what, ENOMEM). */
json_t *nodemgr_inspect(struct nodemgr *m, const char *what);

/* What slurm.conf says about running jobs. */
struct nodemgr_jobs_conf {
    uint32_t select_plugin_id;     /* SelectType: 102 linear, 101 cons_res, 109 cons_tres */
    const char *default_partition; /* borrowed, copied; NULL: none */
    uint32_t max_step_cnt;         /* MaxStepCount (0: SLURM's 40000) */
    double batch_start_timeout;    /* BatchStartTimeout, seconds */
    double msg_timeout;            /* MessageTimeout, seconds */
    uint32_t slurmd_uid;           /* SlurmdUser's uid: who may decode step credentials */
    const char *auth_socket;       /* AuthInfo's munged socket (borrowed; NULL: default) */
    int auth_ttl;                  /* AuthInfo's ttl (0: munged's default) */
};

/* Apply conf (borrowed) before nodemgr_attach().  0, or -1 and ENOMEM
 * (EINVAL: munge refuses the signing options). */
int nodemgr_set_jobs_conf(struct nodemgr *m, const struct nodemgr_jobs_conf *conf);

#endif
