/*
 * server.h - the receiving end of requests: an NNG REP socket used with
 * contexts, so that many requests can be open at once and answered in any
 * order.
 *
 * Several contexts are always receiving (FLURM_SERVER_RECEIVERS by
 * default), so that the requests arriving while the loop is busy are taken
 * off the wire meanwhile and handed to the owner together in the next loop
 * iteration, not one per iteration.  When a context gets a request it
 * becomes that request (it holds NNG's routing state for the reply), a
 * fresh context takes over its receiving, and the request is handed to the
 * owner on the loop thread.  The owner answers it exactly once, now or
 * later, with flurm_server_reply(), or gives it up with flurm_server_drop().
 * After the requests of one iteration have all been handed over, the owner
 * hears of the end of that burst (flurm_server_set_burst_cb).  This layer
 * moves bytes; the envelope and the one-reply rule are service.h's.
 *
 * Requests in flight at the same time may be handed over in any order,
 * even from one requester: NNG completes the receives on several threads.
 * A requester that needs an order waits for each reply before sending the
 * next request.
 */
#ifndef FLURM_SERVER_H
#define FLURM_SERVER_H

#include <stddef.h>

#include "common/loop.h"

/* Receives kept armed by default: the most requests one burst can hold. */
#define FLURM_SERVER_RECEIVERS 64

struct flurm_server;
struct flurm_server_req;

/* A request arrived.  Runs on the loop thread; req is owned by the callee
 * until it passes it back with flurm_server_reply() or flurm_server_drop(). */
typedef void (*flurm_server_request_fn)(struct flurm_server_req *req, void *arg);

/* The last outstanding request was answered (its reply handed to NNG) or
 * dropped.  Used to finish a drain.  Runs on the loop thread. */
typedef void (*flurm_server_idle_fn)(void *arg);

/* The requests handed over in this loop iteration have all been delivered;
 * runs once per iteration that delivered any, just before the loop waits
 * again (an ev_prepare watcher).  Runs on the loop thread. */
typedef void (*flurm_server_burst_fn)(void *arg);

/* loop borrowed (must outlive the server); arg passed to the callbacks.
 * Returns NULL and errno on failure.  Caller destroys. */
struct flurm_server *flurm_server_create(struct flurm_loop *loop, flurm_server_request_fn on_request,
                                         void *arg);

/* Call on_idle whenever the number of outstanding requests drops to 0. */
void flurm_server_set_idle_cb(struct flurm_server *srv, flurm_server_idle_fn on_idle, void *arg);

/* Call on_burst after each burst of delivered requests (NULL: stop). */
void flurm_server_set_burst_cb(struct flurm_server *srv, flurm_server_burst_fn on_burst,
                               void *arg);

/* Keep n receives armed (n >= 1; default FLURM_SERVER_RECEIVERS).  Takes
 * effect at once when raised, as receives complete when lowered.  -1 and
 * EINVAL for 0. */
int flurm_server_set_receivers(struct flurm_server *srv, size_t n);

/* Bind `url` (borrowed) and start receiving.  -1 and errno (EADDRINUSE if
 * another live process holds the path). */
int flurm_server_listen(struct flurm_server *srv, const char *url);

/* Close the listener and bind its url again, keeping the socket, its
 * armed receives and the requests held.  For a listener that no longer
 * accepts (NNG 1.5.2, nanomsg/nng#1518: a peer that hangs up during the
 * handshake stops the listener for good, while connections still complete
 * on the dialing side and their requests are never read).  Connections
 * made through the old listener close: their clients re-send.  -1 and
 * errno (EINVAL before flurm_server_listen()). */
int flurm_server_relisten(struct flurm_server *srv);

/* Stop taking requests: the receiving contexts are cancelled (a request
 * one had already received is still delivered) and no new one is armed.
 * Requests sent to us after this returns stay queued in the connection
 * until the socket closes; the peer's client then re-sends them
 * elsewhere. */
void flurm_server_stop_receiving(struct flurm_server *srv);

/* Requests delivered to the owner whose reply has not yet been handed to
 * NNG (still unanswered, or reply send in progress). */
size_t flurm_server_outstanding(const struct flurm_server *srv);

/* The request's bytes (borrowed from req, valid until it is answered). */
const void *flurm_server_req_data(const struct flurm_server_req *req, size_t *len);

/* Answer req (taken) with buf[0..len) (borrowed, copied).  The reply goes
 * out asynchronously.  Returns 0, or -1 and errno if it could not be
 * queued (req is released either way). */
int flurm_server_reply(struct flurm_server_req *req, const void *buf, size_t len);

/* Release req (taken) without answering.  NULL-safe. */
void flurm_server_drop(struct flurm_server_req *req);

/* Close the socket (this also unlinks the bound ipc path) and free
 * everything.  Requests the owner still holds must have been replied to or
 * dropped first.  NULL-safe. */
void flurm_server_destroy(struct flurm_server *srv);

#endif
