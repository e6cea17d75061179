/*
 * backend.h - the services the gateway forwards requests to (store, nodes,
 * sched): one NNG client per service, created on first use, dialing the
 * service's symlink below $FLURM_RUNDIR/ipc.
 *
 * "Present" means the service's <svc>.req symlink exists, i.e. an instance
 * of it has been ready in this run folder at least once.  The symlink
 * survives restarts and reloads (only instance files are removed), so a
 * present service that does not answer is restarting and worth waiting
 * for, while an absent one is not part of this installation yet and its
 * RPCs are answered at once as unserved.
 */
#ifndef FLURM_GW_BACKEND_H
#define FLURM_GW_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "common/client.h"
#include "common/loop.h"

struct gw_backends;

/* loop (borrowed) must outlive the set; rundir is copied.  NULL/errno.
 * Caller destroys. */
struct gw_backends *gw_backends_create(struct flurm_loop *loop, const char *rundir);

/* Destroys the clients: pending requests complete with ECANCELED (their
 * callbacks run from here).  NULL-safe. */
void gw_backends_destroy(struct gw_backends *b);

/* Whether service `svc` (borrowed) is present (see above).  Once seen, a
 * service stays present for the life of the gateway. */
bool gw_backends_present(struct gw_backends *b, const char *svc);

/* The client for `svc`, created on first use (borrowed: owned by the set),
 * or NULL/errno. */
struct flurm_client *gw_backends_client(struct gw_backends *b, const char *svc);

/* The client of the supervisor's control socket (ipc://RUNDIR/ipc/sup.ctl,
 * docs/supervisor.md), created on first use and kept: it is destroyed with
 * the set, before the connections, like the services' clients.  Borrowed;
 * NULL with errno ENOENT when no supervisor control socket exists in the
 * run folder (a standalone gateway). */
struct flurm_client *gw_backends_supervisor(struct gw_backends *b);

/* Requests sent to any service and not completed yet. */
size_t gw_backends_pending(const struct gw_backends *b);

/* Requests sent to the supervisor and not completed yet (0 if it was never
 * dialed; this never dials it). */
size_t gw_backends_supervisor_pending(const struct gw_backends *b);

#endif
