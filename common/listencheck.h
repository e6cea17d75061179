/*
 * listencheck.h - an instance's watch over its own listeners.
 *
 * NNG 1.5.2 (Debian 12) has a bug (nanomsg/nng#1518, fixed in 1.6.0): when
 * a peer hangs up during the SP handshake, the listener takes the failure
 * for its own closing and stops handing connections to the socket.  New
 * connections still complete on the dialing side, so a client sees a
 * connection, sends, and waits forever; a subscriber hears nothing.  A
 * process killed or exiting while its dialer reconnects is such a peer, so
 * reloads and crashes trigger it (seen in CI: a gateway reloaded right
 * after the store could never reach the new store).
 *
 * The check does what a new consumer does, over and over: every period it
 * dials the instance's own request socket with a new connection and sends
 * "service.listening", and it dials the events socket and waits for a
 * beat.  A request the service never received within the timeout, or
 * three beats published while a new subscriber heard none, means the
 * listener is deaf: the owner is told, and binds it again
 * (flurm_server_relisten, flurm_publisher_relisten).  A loop that stalled
 * meanwhile (a long commit) proves nothing and is not reported.
 */
#ifndef FLURM_LISTENCHECK_H
#define FLURM_LISTENCHECK_H

#include <stdbool.h>

#include "common/ipc.h"
#include "common/loop.h"

/* The request type the check sends; the service answers it itself, and
 * tells the check with flurm_listen_check_received(). */
#define FLURM_LISTEN_CHECK_TYPE "service.listening"

/* Default period between two checks, and how long a request may take at
 * least (two periods when that is longer). */
#define FLURM_LISTEN_CHECK_PERIOD_S 1.0
#define FLURM_LISTEN_CHECK_TIMEOUT_S 2.0

struct flurm_listen_check;

/* Called on the loop thread when the listener of `kind` is deaf. */
typedef void (*flurm_listen_check_deaf_fn)(enum flurm_ipc_kind kind, void *arg);

/* Check the sockets at req_path (and events_path, unless NULL), both
 * borrowed and copied: the instance's own files (flurm_ipc_instance_path),
 * not the symlinks, which may name a newer instance.  Starts at once.
 * NULL and errno.  Caller destroys. */
struct flurm_listen_check *flurm_listen_check_create(struct flurm_loop *loop, const char *req_path,
                                                     const char *events_path, double period,
                                                     flurm_listen_check_deaf_fn on_deaf,
                                                     void *arg);

/* The service received a FLURM_LISTEN_CHECK_TYPE request with this
 * req_id (borrowed). */
void flurm_listen_check_received(struct flurm_listen_check *check, const char *req_id);

/* The service published a beat on its events socket. */
void flurm_listen_check_beat(struct flurm_listen_check *check);

/* Stops the checks and closes their connections.  NULL-safe. */
void flurm_listen_check_destroy(struct flurm_listen_check *check);

#endif
