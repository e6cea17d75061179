/*
 * service.h - the skeleton every FLURM service process is built on.
 *
 * A service declares a static handler table (message type -> handler) and
 * the runtime does the rest: it binds the instance's sockets below
 * $FLURM_RUNDIR/ipc, swaps the <svc>.req / <svc>.events symlinks, tells the
 * supervisor it is ready, dispatches requests on the loop thread, and on
 * SIGTERM drains and exits (docs/architecture.md).
 *
 * The runtime guarantees EXACTLY ONE reply per request:
 *   - malformed envelopes, other versions and unknown types get an error
 *     reply without reaching a handler;
 *   - a handler replies before returning, or defers the request (getting a
 *     ticket) and replies later through flurm_service_deferred();
 *   - a handler that returns having done neither gets an internal-error
 *     reply sent for it, and the omission is logged;
 *   - any further reply to an answered request is dropped and logged.
 *
 * Built in: "service.status" answers {name, pid, version, uptime, served,
 * inflight, state}; "service.stats" answers the service's own counters (see
 * flurm_service_set_stats_cb); "service.inspect" {what} answers a JSON view
 * of the service's internal state (see flurm_service_set_inspect_cb).
 * Types beginning with "service." are the runtime's.
 *
 * Tracing (docs/observability.md): while a handler runs, and after its
 * request is looked up again by ticket, the request's trace is the thread's
 * current trace (log.h), so requests sent (client.h) and events published
 * meanwhile carry it; a request that came without a trace gets a new one.
 * Each answered request is one span in $rundir/trace/<name>.jsonl.
 *
 * Requests are dispatched in bursts (see flurm_service_burst_fn); requests
 * in flight at the same time may be dispatched in any order.
 */
#ifndef FLURM_SERVICE_H
#define FLURM_SERVICE_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/loop.h"

struct flurm_service;
struct flurm_spans;
struct flurm_request;

/* Handle one request.  req is borrowed and valid until the handler returns
 * (or, if deferred, until it is answered).  arg is the service's arg. */
typedef void (*flurm_handler_fn)(struct flurm_request *req, void *arg);

/* One row of a service's static handler table; the table ends with a row
 * whose type is NULL. */
struct flurm_handler {
    const char *type;
    flurm_handler_fn fn;
};

/* A drain began (SIGTERM or flurm_service_drain()).  The service stops its
 * own sources of new work here and may take holds (flurm_service_hold). */
typedef void (*flurm_service_drain_fn)(struct flurm_service *svc, void *arg);

/* A burst of requests has been dispatched: every request taken off the
 * socket while the loop was busy was handed to its handler in this loop
 * iteration, and the loop is about to wait again.  A service that defers
 * the requests' work finishes it here for the whole burst at once (the job
 * store commits the burst's commands in one transaction).  Runs on the
 * loop thread, at most once per iteration. */
typedef void (*flurm_service_burst_fn)(struct flurm_service *svc, void *arg);

/* Create a service named `name` (NULL: $FLURM_SERVICE) at `version`, with
 * the static handler table `handlers` (borrowed: it must outlive the
 * service) and `arg` for its handlers.  name and version are copied.  The
 * drain timeout is $FLURM_DRAIN_TIMEOUT_MS, default 10 s.  Installs the
 * SIGTERM/SIGINT watchers and ignores SIGPIPE.  loop must outlive the
 * service.  NULL and errno (EINVAL for a bad name or table).  Caller
 * destroys. */
struct flurm_service *flurm_service_create(struct flurm_loop *loop, const char *name,
                                           const char *version,
                                           const struct flurm_handler *handlers, void *arg);

/* Close everything (dropping unanswered requests) and free.  If the
 * service was never drained, its instance files are removed here.
 * NULL-safe. */
void flurm_service_destroy(struct flurm_service *svc);

/* Use `rundir` (borrowed, copied) instead of $FLURM_RUNDIR.  -1 and errno. */
int flurm_service_set_rundir(struct flurm_service *svc, const char *rundir);

/* Also bind <svc>.<pid>.events and swap <svc>.events at start, so that
 * flurm_service_publish() works.  Call before flurm_service_start(). */
void flurm_service_enable_events(struct flurm_service *svc);

/* Upper bound on a drain; when it passes, unanswered requests are dropped
 * (their clients re-send them to the next instance) and the service exits
 * anyway. */
void flurm_service_set_drain_timeout(struct flurm_service *svc, double seconds);

void flurm_service_set_drain_cb(struct flurm_service *svc, flurm_service_drain_fn fn, void *arg);

/* Call fn after each burst of dispatched requests (see above); NULL stops.
 * May be called before or after flurm_service_start(). */
void flurm_service_set_burst_cb(struct flurm_service *svc, flurm_service_burst_fn fn, void *arg);

/* Counters for the built-in "service.stats" request (sdiag's job and
 * scheduler numbers, docs/messages.md).  Returns a JSON object (new
 * reference) that becomes the reply body, or NULL for {}.  reset is 1 when
 * the requester asked to restart the counters (`sdiag -r`): the service
 * zeroes what it counts since start and returns the values after the reset.
 * Runs on the loop thread, from the dispatch of the request. */
typedef json_t *(*flurm_service_stats_fn)(struct flurm_service *svc, int reset, void *arg);

/* Answer "service.stats" with fn's object; NULL stops (the reply is then
 * {}).  May be called before or after flurm_service_start(). */
void flurm_service_set_stats_cb(struct flurm_service *svc, flurm_service_stats_fn fn, void *arg);

/* A JSON view of the service's state for "service.inspect" (flurm-sup
 * inspect): `what` is one of the names the service registered (borrowed),
 * `args` the request body (borrowed: {"what", ...} plus whatever the target
 * takes).  Returns any JSON value (new reference); NULL with errno to
 * answer an error.  Runs on the loop thread from the request's dispatch, so
 * it must be quick: it holds up the service while it runs. */
typedef json_t *(*flurm_service_inspect_fn)(struct flurm_service *svc, const char *what,
                                            const json_t *args, void *arg);

/* Serve "service.inspect" with fn for the names in `whats` (a NULL-ended
 * static array, borrowed: it must outlive the service); the first is what
 * an empty "what" means.  "runtime" (the runtime's own counters) is always
 * there.  An unknown name is answered ENOENT with the list.  fn NULL
 * stops. */
void flurm_service_set_inspect_cb(struct flurm_service *svc, const char *const *whats,
                                  flurm_service_inspect_fn fn, void *arg);

/* The service's spans file (log.h), for spans of work that is not a
 * request it answers (the gateway's SLURM RPCs, the node manager's
 * messages to slurmd).  Borrowed; NULL before start or when tracing is off
 * (flurm_spans_write() takes NULL). */
struct flurm_spans *flurm_service_spans(const struct flurm_service *svc);

/* Keep n receives armed (default FLURM_SERVER_RECEIVERS, common/server.h):
 * the most requests one burst can hold.  -1 and EINVAL for 0. */
int flurm_service_set_receivers(struct flurm_service *svc, size_t n);

/* Check every `period` seconds that the instance's listeners still take
 * new connections, and bind a deaf one again (common/listencheck.h);
 * default FLURM_LISTEN_CHECK_PERIOD_S, 0 turns it off.  Before
 * flurm_service_start() only: -1 and EINVAL otherwise. */
int flurm_service_set_listen_check(struct flurm_service *svc, double period);

/* Deaf listeners this instance bound again so far. */
unsigned long flurm_service_listeners_rebound(const struct flurm_service *svc);

/* Become reachable: remove stale files of dead instances, bind this
 * instance's sockets, swap the symlinks to them, then write the version
 * line to $FLURM_NOTIFY_FD (if set) and close it.  Without a rundir set
 * explicitly, a missing or bad $FLURM_RUNDIR logs why and exits
 * FLURM_EXIT_PERMANENT.  -1 and errno on other failures (ESHUTDOWN if a
 * drain already began). */
int flurm_service_start(struct flurm_service *svc);

/* Run the loop until the service has drained.  Returns the exit code for
 * main(): FLURM_EXIT_OK. */
int flurm_service_run(struct flurm_service *svc);

/* Begin a drain, as SIGTERM does: take no new requests, wait (bounded by
 * the drain timeout) until every taken request is answered and every hold
 * released, close the sockets, remove this instance's files and stop the
 * loop.  Calling it again does nothing. */
void flurm_service_drain(struct flurm_service *svc);

/* Keep a drain from finishing until the matching release (e.g. a service
 * flushing state, or a test lingering on purpose). */
void flurm_service_hold(struct flurm_service *svc);
void flurm_service_release(struct flurm_service *svc);

/* Publish an event (body borrowed; NULL means {}).  Returns its seq, or 0
 * with errno (ENOTCONN if events are not enabled or not started). */
uint64_t flurm_service_publish(struct flurm_service *svc, const char *type, const json_t *body);

/* Borrowed views. */
struct flurm_loop *flurm_service_loop(const struct flurm_service *svc);
const char *flurm_service_name(const struct flurm_service *svc);
const char *flurm_service_version(const struct flurm_service *svc);
int flurm_service_draining(const struct flurm_service *svc);

/* Counters (also in service.status): replies sent, requests taken and not
 * yet answered. */
unsigned long flurm_service_served(const struct flurm_service *svc);
size_t flurm_service_inflight(const struct flurm_service *svc);

/* --- requests ----------------------------------------------------------- */

/* Envelope fields, borrowed from req. req_id may be NULL; the trace is the
 * request's, or the one the runtime started for a request without one
 * (never NULL); the body is never NULL (json_incref it to keep it past the
 * request). */
const char *flurm_request_type(const struct flurm_request *req);
const char *flurm_request_req_id(const struct flurm_request *req);
const char *flurm_request_trace(const struct flurm_request *req);
json_t *flurm_request_body(const struct flurm_request *req);
struct flurm_service *flurm_request_service(const struct flurm_request *req);

/* Answer req with success and `body` (taken; NULL means {}).  req may be
 * NULL (a ticket that no longer resolves): the reply is then dropped and
 * logged.  Returns 0, or -1 with errno: ENOENT (req NULL), EALREADY (req
 * already answered: dropped and logged), or a send failure. */
int flurm_request_reply(struct flurm_request *req, json_t *body);

/* Answer req with an error: `code` is a SLURM error number where one fits,
 * otherwise an errno; the text is formatted.  Same NULL / double-reply
 * rules as flurm_request_reply(). */
int flurm_request_reply_error(struct flurm_request *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As flurm_request_reply_error(), marking the text as meant for the end
 * user ("user": true in the error object, docs/rpc-routing.md): the gateway
 * shows it to the SLURM client where slurmctld sends such a text
 * (RESPONSE_SLURM_RC_MSG).  Use it only for texts slurmctld sends to users,
 * never for FLURM's internal diagnostics. */
int flurm_request_reply_user_error(struct flurm_request *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keep req open after the handler returns.  Returns the request's ticket
 * (never 0; the same ticket if called again), or 0 with EALREADY if req was
 * already answered.  Later, flurm_service_deferred() turns the ticket back
 * into the request to reply to. */
uint64_t flurm_request_defer(struct flurm_request *req);

/* The deferred request behind `ticket` (borrowed), or NULL with ENOENT if
 * it has been answered already (or dropped by a drain timeout).  Makes the
 * request's trace the current one (see above). */
struct flurm_request *flurm_service_deferred(struct flurm_service *svc, uint64_t ticket);

#endif
