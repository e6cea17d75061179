/*
 * http.h - one HTTP GET path served on the gateway's loop, with NNG's HTTP
 * server (the /metrics endpoint, docs/observability.md).
 *
 * NNG runs the server on its own threads; each request is handed to the
 * loop thread (common/loop.h), where the owner's callback answers it, at
 * once or later, with gw_http_respond().  So the owner's state is only
 * ever touched on the loop, and a slow answer never holds an NNG thread.
 *
 * A reloaded gateway starts beside the old instance, which still holds the
 * port until it drains: when the address is busy the server is not an
 * error, it tries again every half second until it can listen (the old
 * instance lets go of it with gw_http_stop() when its drain begins).
 */
#ifndef FLURM_GW_HTTP_H
#define FLURM_GW_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/loop.h"

struct gw_http;
struct gw_http_request; /* one request waiting for its answer */

/* A request for the path arrived (loop thread).  It must be answered with
 * gw_http_respond() exactly once, before gw_http_stop(). */
typedef void (*gw_http_fn)(struct gw_http_request *req, void *arg);

/* Serve GET `path` (copied) on `addr` ("HOST:PORT", or a whole
 * "http://HOST:PORT" URL; port 0 picks a free port).  loop is borrowed and
 * must outlive the server.  Listens at once, or keeps trying while the
 * address is in use (see above).  NULL with errno EINVAL for an address
 * that cannot be parsed, ENOMEM.  Caller destroys. */
struct gw_http *gw_http_create(struct flurm_loop *loop, const char *addr, const char *path,
                               gw_http_fn fn, void *arg);

/* Answer every request not answered yet with 503 (and any arriving from
 * now on), then stop listening a moment later, once those answers had
 * time to be written (NNG's stop closes connections hard).  Idempotent.
 * Loop thread. */
void gw_http_stop(struct gw_http *h);

/* Stops, lets go of the port at once, then frees.  NULL-safe.  Loop
 * thread. */
void gw_http_destroy(struct gw_http *h);

/* The TCP port being listened on, 0 while not listening or stopped. */
uint16_t gw_http_port(const struct gw_http *h);

/* Answer req (taken: it is freed here) with `status` and body[0..len)
 * (borrowed, copied) of `content_type`.  Loop thread.  A response that
 * cannot be built for lack of memory closes the client's connection. */
void gw_http_respond(struct gw_http_request *req, uint16_t status, const char *content_type,
                     const char *body, size_t len);

#endif
