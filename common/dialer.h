/*
 * dialer.h - an NNG dial that never gives up.
 *
 * Every consumer of a service (a REQ client, an event subscriber) dials the
 * service's symlink and relies on NNG to reconnect when the instance behind
 * it changes.  NNG 1.5.2 (Debian 12) stops reconnecting for good in one
 * case: when the connection is made but the peer goes away before the SP
 * handshake is written, the write fails with EPIPE, which NNG maps to
 * NNG_ECLOSED, and the dialer takes that for its own closing ("no further
 * action").  A service killed while its consumers reconnect hits exactly
 * that window: the consumer then never talks to any later instance.
 *
 * A flurm_dialer owns the socket's dialer and counts the socket's pipes.
 * When the socket has had no pipe for FLURM_DIALER_REDIAL_MS it closes the
 * dialer and dials again, and keeps doing so while no pipe comes up.  A
 * dialer that was merely backing off loses nothing by being replaced: the
 * new one connects at once.
 */
#ifndef FLURM_DIALER_H
#define FLURM_DIALER_H

#include <nng/nng.h>

#include "common/loop.h"

/* How long a socket may stay without a connection before its dialer is
 * replaced: several of NNG's own reconnect intervals (FLURM_IPC_RECONNECT_
 * MAX_MS), so that a dialer that still works is normally left alone. */
#define FLURM_DIALER_REDIAL_MS 2000

struct flurm_dialer;

/* Dial `url` (borrowed, copied) from `sock` in the background and keep it
 * dialed.  Installs the socket's pipe notifications: nothing else may use
 * them on this socket.  loop must outlive the dialer.  NULL and errno on
 * failure (the socket is left as it was).  Caller destroys, after closing
 * the socket. */
struct flurm_dialer *flurm_dialer_create(struct flurm_loop *loop, nng_socket sock,
                                         const char *url);

/* Whether the socket has a connection now. */
int flurm_dialer_connected(const struct flurm_dialer *dialer);

/* How many connections the socket has had so far, counted as each comes
 * up (before any message arrives over it): a subscriber that finds this
 * changed since its last message may have missed messages in between.
 * Any thread. */
unsigned long flurm_dialer_connections(const struct flurm_dialer *dialer);

/* How many times the dialer was replaced (observability and tests). */
unsigned long flurm_dialer_redials(const struct flurm_dialer *dialer);

/* The NNG dialer currently in use, for tests that stand in for NNG
 * giving up (they close it). */
nng_dialer flurm_dialer_nng(const struct flurm_dialer *dialer);

/* Stop watching and free.  The socket must be closed before (its pipe
 * notifications may otherwise still run).  NULL-safe. */
void flurm_dialer_destroy(struct flurm_dialer *dialer);

#endif
