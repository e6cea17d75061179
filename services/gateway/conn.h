/*
 * conn.h - the gateway's client connections: each one a small state machine
 * on the process's single libev loop (read a frame, have rpc.c answer it,
 * write the reply, read again: the client's close, which ends it, or its
 * next frame), bounded in size, time and number.
 *
 *   READING ──frame──> PROCESSING ──reply──> WRITING ──sent──> READING
 *      │ (EOF, deadline)    │ (no reply)          │ (deadline)
 *      └──────────> closed <┴─────────────────────┘
 *
 * A frame must arrive completely within io_timeout of the moment the
 * gateway starts waiting for it, however the bytes trickle in, and a reply
 * must be taken by the client within io_timeout as well; so a silent or
 * slow peer is dropped and holds nothing.  While a request is processed the
 * connection reads nothing more: frames are answered strictly in order.
 */
#ifndef FLURM_GW_CONN_H
#define FLURM_GW_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <jansson.h>

#include "common/loop.h"
#include "services/gateway/rpc.h"
#include "services/gateway/stats.h"

struct gw_conn_limits {
    size_t max_frame;      /* largest length prefix accepted, bytes */
    size_t max_buffered;   /* all partial frames together, bytes */
    size_t max_conns;      /* open connections */
    double io_timeout;     /* seconds for a frame to arrive / a reply to leave */
};

struct gw_conns;

/* Called after a connection closed (the count went down). */
typedef void (*gw_conns_closed_fn)(void *arg);

/* loop, rpc and stats are borrowed and must outlive the table; limits are
 * copied.  NULL/errno.  Caller destroys. */
struct gw_conns *gw_conns_create(struct flurm_loop *loop, struct gw_rpc *rpc,
                                 struct gw_stats *stats, const struct gw_conn_limits *limits,
                                 gw_conns_closed_fn closed, void *arg);

/* Close every connection (without replying) and free.  Requests forwarded
 * to services must have completed first (destroy the backends before).
 * NULL-safe. */
void gw_conns_destroy(struct gw_conns *cs);

/* Take the accepted, non-blocking socket fd (taken: closed on failure) of
 * the peer at addr (borrowed) and start reading from it.  0, or -1/errno
 * (EMFILE when the table is full, ENOMEM). */
int gw_conns_add(struct gw_conns *cs, int fd, const struct sockaddr *addr, socklen_t addrlen);

size_t gw_conns_count(const struct gw_conns *cs);
bool gw_conns_full(const struct gw_conns *cs);

/* `flurm-sup inspect gateway connections`: {"count", "max", "buffered",
 * "connections": [{"peer", "state", and while an RPC is processed its
 * "rpc" type, "uid" and "trace"}]}.  New reference; NULL and ENOMEM. */
json_t *gw_conns_inspect(const struct gw_conns *cs);

#endif
