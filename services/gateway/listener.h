/*
 * listener.h - accepting SLURM clients on the controller's listening
 * sockets: the ones the supervisor passes in FLURM_LISTEN_FD ("4" or
 * "4,5,..." for a SlurmctldPort range), or one opened with --listen for
 * standalone runs.
 *
 * Sockets inherited from the supervisor are never closed here: the
 * supervisor keeps them for the next instance, so a reload refuses nothing
 * (the kernel's backlog holds new clients until someone accepts).
 */
#ifndef FLURM_GW_LISTENER_H
#define FLURM_GW_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "common/loop.h"

struct gw_listener;

/* A new client: fd (taken) is non-blocking and close-on-exec. */
typedef void (*gw_accept_fn)(int fd, const struct sockaddr *addr, socklen_t addrlen, void *arg);

/* Watch fds[0..n) (borrowed array; the fds are closed by destroy only if
 * own_fds).  Accepting starts paused: call gw_listener_resume().  NULL/errno.
 * Caller destroys. */
struct gw_listener *gw_listener_create(struct flurm_loop *loop, const int *fds, size_t n,
                                       bool own_fds, gw_accept_fn cb, void *arg);
void gw_listener_destroy(struct gw_listener *l); /* NULL-safe */

/* Stop / restart accepting (the connection limit, a drain). */
void gw_listener_pause(struct gw_listener *l);
void gw_listener_resume(struct gw_listener *l);

/* Parse FLURM_LISTEN_FD's value ("4" or "4,5,6") into fds (caller's array
 * of max entries); each must be an open socket.  Returns the count, or
 * -1/errno (EINVAL, EBADF, E2BIG). */
int gw_listener_parse_fds(const char *value, int *fds, size_t max);

/* Bind and listen on "HOST:PORT" (IPv4 address or name; "*:PORT" for any)
 * for standalone runs.  Returns the non-blocking fd, or -1 with the reason
 * in err (caller's buffer). */
int gw_listener_open(const char *hostport, char *err, size_t errlen);

#endif
