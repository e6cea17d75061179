/*
 * client.h - the asking end of requests: an NNG REQ socket dialing a
 * service's symlink, one context per request, replies delivered on the loop
 * thread.
 *
 * Reloads are invisible to the caller: when the serving instance closes
 * with our request unanswered, NNG 1.5.2 fails the receive with
 * ECONNRESET (it does not re-send by itself once time-based resend is off;
 * see docs/messages.md), so this client re-sends the same bytes, same
 * req_id, as soon as the dialer has reconnected to the new instance.  Only
 * the caller's overall timeout ends a request without a reply.
 */
#ifndef FLURM_CLIENT_H
#define FLURM_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#include "common/dialer.h"
#include "common/loop.h"
#include "common/msg.h"

struct flurm_client;

/* The outcome of one request, called exactly once on the loop thread, never
 * from inside flurm_client_request().  With a reply, errnum is 0 and reply
 * is the decoded reply (borrowed for the call; ok or error).  Otherwise
 * reply is NULL and errnum says why: ETIMEDOUT (no reply in time),
 * ECANCELED (the client was destroyed), EPROTO (undecodable reply). */
typedef void (*flurm_client_fn)(const struct flurm_msg *reply, int errnum, void *arg);

/* Dial `url` (borrowed; normally flurm_ipc_link_url(rundir, svc,
 * FLURM_IPC_REQ)).  The dial happens in the background and is retried, so
 * the service need not be up yet.  `requester` (borrowed, copied) names us
 * in generated req_ids: "<requester>.<pid>.<process start in hex ns>.<n>",
 * n counted over the whole process.  loop must outlive the
 * client.  NULL and errno on failure.  Caller destroys. */
struct flurm_client *flurm_client_create(struct flurm_loop *loop, const char *url,
                                         const char *requester);

/* Send a request of `type` with `body` (borrowed; NULL means {}) and a
 * generated req_id.  The request carries the calling thread's current trace
 * (log.h), or a new trace if there is none, and cb runs with that trace
 * current (docs/observability.md).  timeout is in seconds for the whole request including
 * re-sends; <= 0 means no limit.  cb(…, arg) runs exactly once if this
 * returns 0; on -1 (errno EINVAL for a bad type, ENOMEM, ...) it never
 * runs. */
int flurm_client_request(struct flurm_client *client, const char *type, const json_t *body,
                         double timeout, flurm_client_fn cb, void *arg);

/* As flurm_client_request() with an explicit req_id (NULL: generated) and
 * trace (NULL: the current one, as flurm_client_request()), both
 * borrowed. */
int flurm_client_request_full(struct flurm_client *client, const char *type, const char *req_id,
                              const char *trace, const json_t *body, double timeout,
                              flurm_client_fn cb, void *arg);

/* The text of an error reply that its service marked as meant for the end
 * user ("error": {"code", "text", "user": true}; docs/rpc-routing.md), or
 * NULL when reply is not such an error.  reply must be the one a
 * flurm_client_fn is being called with, and the answer holds only during
 * that call (the text is borrowed from reply). */
const char *flurm_client_user_text(const struct flurm_msg *reply);

/* Requests sent and not yet completed. */
size_t flurm_client_pending(const struct flurm_client *client);

/* How many times requests were re-sent after losing their connection
 * (observability for tests and status). */
unsigned long flurm_client_resends(const struct flurm_client *client);

/* The dialer that keeps the client connected (borrowed; dialer.h). */
struct flurm_dialer *flurm_client_dialer(struct flurm_client *client);

/* Complete every pending request with ECANCELED (their callbacks run from
 * here; a request they try to send fails with ESHUTDOWN), close the socket
 * and free.  NULL-safe. */
void flurm_client_destroy(struct flurm_client *client);

#endif
