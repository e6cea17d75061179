/*
 * service.c - the service runtime: lifecycle, dispatch with the one-reply
 * guarantee, deferred requests, built-in status and stats, drain (see
 * service.h).
 *
 * Tracing (docs/observability.md): the runtime makes each request's trace
 * the thread's current trace while its handler runs and when it is looked
 * up again by ticket, and writes one span per answered request.  Every loop
 * iteration starts without a trace, so that work a timer starts is never
 * attributed to whatever request ran last.
 *
 * Bookkeeping of a request: it is "in flight" from the moment it is taken
 * off the socket until it is answered.  Answering is a one-way flag on the
 * request object; the object itself lives until the handler has returned
 * (so a handler may reply and keep reading its request) and, if deferred,
 * until the reply.  Deferred requests are found again by ticket, never by a
 * pointer kept across callbacks, so that a late or second reply to an
 * answered request is detected instead of touching freed memory.
 */
#include "common/service.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/exitcode.h"
#include "common/ipc.h"
#include "common/listencheck.h"
#include "common/log.h"
#include "common/msg.h"
#include "common/pubsub.h"
#include "common/server.h"

#define DEFAULT_DRAIN_TIMEOUT_MS 10000
/* A reply NNG reports as sent may still sit in the connection's write
 * queue (rep0 completes the send before the transport writes it), and
 * closing a socket does not flush.  Waiting this long before closing lets
 * the last replies of a drain reach their requesters instead of being
 * re-sent to the next instance. */
#define CLOSE_LINGER_S 0.05
#define TICKET_BUCKETS 256
#define RUNTIME_TYPE_PREFIX "service."

enum service_state {
    SVC_CREATED,
    SVC_SERVING,
    SVC_DRAINING,
    SVC_CLOSING, /* nothing left to answer; lingering before close */
    SVC_DONE,
};

static const char *const state_names[] = {"created", "serving", "draining", "closing", "done"};

struct flurm_request {
    struct flurm_service *svc;
    struct flurm_server_req *sreq; /* NULL once answered */
    struct flurm_msg *msg;
    uint64_t ticket; /* 0 unless deferred */
    double started;  /* flurm_span_now() when taken */
    char trace[FLURM_TRACE_MAX]; /* the request's, or one started for it */
    int answered;
    int in_handler;
    struct flurm_request *bucket_next;
};

struct flurm_service {
    struct flurm_loop *loop;
    char *name;
    char *version;
    char *rundir;
    const struct flurm_handler *handlers;
    void *arg;
    pid_t pid;
    double created_at;
    enum service_state state;
    int events_enabled;
    int bound; /* this instance's files exist */
    struct flurm_server *server;
    struct flurm_publisher *pub;
    unsigned long served;
    size_t inflight;
    unsigned holds;
    uint64_t next_ticket;
    struct flurm_request *deferred[TICKET_BUCKETS];
    double drain_timeout;
    flurm_service_drain_fn drain_fn;
    void *drain_arg;
    flurm_service_burst_fn burst_fn;
    void *burst_arg;
    flurm_service_stats_fn stats_fn;
    void *stats_arg;
    const char *const *inspect_whats;
    flurm_service_inspect_fn inspect_fn;
    void *inspect_arg;
    struct flurm_spans *spans;
    size_t receivers;
    ev_signal sigterm;
    ev_signal sigint;
    ev_timer drain_timer;
    ev_timer linger_timer;
    ev_timer beat_timer; /* flurm_publisher_beat() while pub is open */
    struct flurm_listen_check *listen_check; /* while serving (listencheck.h) */
    double listen_check_period;              /* 0: no check */
    unsigned long listeners_rebound;
    ev_prepare trace_reset;
};

/* ---- deferred requests by ticket ------------------------------------- */

static struct flurm_request **bucket_of(struct flurm_service *svc, uint64_t ticket)
{
    return &svc->deferred[ticket % TICKET_BUCKETS];
}

static void ticket_remove(struct flurm_request *req)
{
    struct flurm_request **pp;

    if (!req->ticket)
        return;
    for (pp = bucket_of(req->svc, req->ticket); *pp; pp = &(*pp)->bucket_next) {
        if (*pp == req) {
            *pp = req->bucket_next;
            break;
        }
    }
    req->bucket_next = NULL;
}

static void request_free(struct flurm_request *req)
{
    if (!req)
        return;
    ticket_remove(req);
    flurm_msg_destroy(req->msg);
    free(req);
}

/* ---- replies ----------------------------------------------------------- */

static void check_drained(struct flurm_service *svc);

/* The span of req, answered now with `result` (0 or the error code). */
static void write_span(struct flurm_request *req, int result)
{
    struct flurm_span span = {
        .kind = "serve",
        .type = flurm_msg_type(req->msg),
        .trace = req->trace,
        .req_id = flurm_msg_req_id(req->msg),
        .start = req->started,
        .end = flurm_span_now(),
        .result = result,
    };

    flurm_spans_write(req->svc->spans, &span);
}

/* Send buf as the one reply to req and mark it answered.  Deferred
 * requests answered outside their handler are freed here. */
static int answer(struct flurm_request *req, const char *buf, size_t len, int result)
{
    struct flurm_service *svc = req->svc;
    int rc = 0;

    if (svc->spans)
        write_span(req, buf ? result : EIO);

    req->answered = 1;
    svc->inflight--;
    svc->served++;
    if (buf) {
        rc = flurm_server_reply(req->sreq, buf, len);
    } else {
        flurm_err("cannot encode the reply to %s: %s", flurm_msg_type(req->msg), strerror(errno));
        flurm_server_drop(req->sreq);
        rc = -1;
    }
    req->sreq = NULL;
    if (!req->in_handler)
        request_free(req);
    return rc;
}

/* The reply-side checks shared by success and error replies: 0 if req may
 * be answered, else -1 with errno after logging the dropped reply. */
static int may_answer(struct flurm_request *req)
{
    if (!req) {
        flurm_warn("dropping a reply: its request was already answered or dropped");
        errno = ENOENT;
        return -1;
    }
    if (req->answered) {
        flurm_err("dropping a second reply to %s (req_id %s)", flurm_msg_type(req->msg),
                  flurm_msg_req_id(req->msg) ? flurm_msg_req_id(req->msg) : "-");
        errno = EALREADY;
        return -1;
    }
    return 0;
}

int flurm_request_reply(struct flurm_request *req, json_t *body)
{
    char *buf;
    size_t len = 0;
    int rc;

    if (may_answer(req) < 0) {
        json_decref(body);
        return -1;
    }
    buf = flurm_msg_encode_reply(body, &len);
    json_decref(body);
    rc = answer(req, buf, len, 0);
    free(buf);
    return rc;
}

/* An error reply whose text is meant for the end user: msg.h encodes
 * {code, text} only, and the mark is one more member of the error object
 * (docs/rpc-routing.md).  Caller frees; NULL and errno. */
static char *encode_user_error(int code, const char *text, size_t *len)
{
    json_t *root = json_pack("{s:i, s:b, s:{s:i, s:s, s:b}}", "v", FLURM_MSG_VERSION, "ok", 0,
                             "error", "code", code, "text", text, "user", 1);
    char *buf = root ? json_dumps(root, JSON_COMPACT) : NULL;

    json_decref(root);
    if (!buf) {
        errno = ENOMEM;
        return NULL;
    }
    *len = strlen(buf);
    return buf;
}

static int reply_error_text(struct flurm_request *req, int code, const char *text, int for_user)
{
    char *buf;
    size_t len = 0;
    int rc;

    if (may_answer(req) < 0)
        return -1;
    buf = for_user ? encode_user_error(code, text, &len)
                   : flurm_msg_encode_error(code, text, &len);
    rc = answer(req, buf, len, code);
    free(buf);
    return rc;
}

int flurm_request_reply_error(struct flurm_request *req, int code, const char *fmt, ...)
{
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return reply_error_text(req, code, text, 0);
}

int flurm_request_reply_user_error(struct flurm_request *req, int code, const char *fmt, ...)
{
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return reply_error_text(req, code, text, 1);
}

uint64_t flurm_request_defer(struct flurm_request *req)
{
    struct flurm_request **bucket;

    if (req->answered) {
        errno = EALREADY;
        return 0;
    }
    if (!req->ticket) {
        req->ticket = ++req->svc->next_ticket;
        bucket = bucket_of(req->svc, req->ticket);
        req->bucket_next = *bucket;
        *bucket = req;
    }
    return req->ticket;
}

struct flurm_request *flurm_service_deferred(struct flurm_service *svc, uint64_t ticket)
{
    struct flurm_request *req;

    for (req = *bucket_of(svc, ticket); req; req = req->bucket_next) {
        if (req->ticket == ticket && !req->answered) {
            /* Answering it resumes its work: what is sent meanwhile (and
             * the events published) belongs to its trace. */
            flurm_trace_set(req->trace);
            return req;
        }
    }
    errno = ENOENT;
    return NULL;
}

const char *flurm_request_type(const struct flurm_request *req)
{
    return flurm_msg_type(req->msg);
}

const char *flurm_request_req_id(const struct flurm_request *req)
{
    return flurm_msg_req_id(req->msg);
}

const char *flurm_request_trace(const struct flurm_request *req)
{
    return req->trace;
}

json_t *flurm_request_body(const struct flurm_request *req)
{
    return flurm_msg_body(req->msg);
}

struct flurm_service *flurm_request_service(const struct flurm_request *req)
{
    return req->svc;
}

/* ---- dispatch ---------------------------------------------------------- */

static void status_handler(struct flurm_request *req)
{
    struct flurm_service *svc = req->svc;

    /* inflight excludes this status request itself. */
    flurm_request_reply(req, json_pack("{s:s, s:I, s:s, s:f, s:I, s:I, s:s}", "name", svc->name,
                                       "pid", (json_int_t)svc->pid, "version", svc->version,
                                       "uptime", flurm_loop_now(svc->loop) - svc->created_at,
                                       "served", (json_int_t)svc->served, "inflight",
                                       (json_int_t)(svc->inflight - 1), "state",
                                       state_names[svc->state]));
}

/* "service.stats": the service's counters, {} without a stats callback. */
static void stats_handler(struct flurm_request *req)
{
    struct flurm_service *svc = req->svc;
    int reset = json_is_true(json_object_get(flurm_msg_body(req->msg), "reset"));
    json_t *body = svc->stats_fn ? svc->stats_fn(svc, reset, svc->stats_arg) : NULL;

    char key[FLURM_IPC_NAME_MAX + 32];

    if (body && !json_is_object(body)) {
        flurm_err("the stats callback of %s returned a JSON value that is not an object; "
                  "answering {}",
                  svc->name);
        json_decref(body);
        body = NULL;
    }
    /* The gateway merges every service's answer into one object: a key
     * named after the service survives the merge, so `scontrol show
     * config` can list each running version (docs/observability.md). */
    snprintf(key, sizeof(key), "flurm_version_%s", svc->name);
    if (!body)
        body = json_object();
    if (body)
        json_object_set_new(body, key, json_string(svc->version));
    flurm_request_reply(req, body);
}

/* What every service can show about itself, whatever its callback. */
static json_t *inspect_runtime(struct flurm_service *svc)
{
    size_t deferred = 0;

    for (size_t i = 0; i < TICKET_BUCKETS; i++) {
        for (struct flurm_request *r = svc->deferred[i]; r; r = r->bucket_next)
            deferred++;
    }
    return json_pack("{s:s, s:I, s:s, s:s, s:f, s:I, s:I, s:I, s:I, s:b, s:f, s:s?}", "name",
                     svc->name, "pid", (json_int_t)svc->pid, "version", svc->version, "state",
                     state_names[svc->state], "uptime",
                     flurm_loop_now(svc->loop) - svc->created_at, "served",
                     (json_int_t)svc->served, "inflight", (json_int_t)(svc->inflight - 1),
                     "deferred", (json_int_t)deferred, "holds", (json_int_t)svc->holds, "events",
                     svc->pub != NULL, "drain_timeout", svc->drain_timeout, "spans",
                     svc->spans ? flurm_spans_path(svc->spans) : NULL);
}

/* The names "service.inspect" knows here: the service's, then "runtime".
 * New reference. */
static json_t *inspect_names(const struct flurm_service *svc)
{
    json_t *names = json_array();

    for (const char *const *w = svc->inspect_whats; names && w && *w; w++)
        json_array_append_new(names, json_string(*w));
    if (names)
        json_array_append_new(names, json_string("runtime"));
    return names;
}

/* "service.inspect" {what, ...}: a JSON view of the service's state, from
 * its inspect callback ("runtime" is the runtime's own). */
static void inspect_handler(struct flurm_request *req)
{
    struct flurm_service *svc = req->svc;
    const json_t *body = flurm_msg_body(req->msg);
    const json_t *what_v = json_object_get(body, "what");
    const char *what = json_string_value(what_v);
    json_t *names = NULL, *data = NULL;
    int known = 0;
    char list[512] = "";

    if (what_v && !json_is_string(what_v) && !json_is_null(what_v)) {
        flurm_request_reply_error(req, EINVAL, "\"what\" must be a string");
        return;
    }
    if (!what || !*what)
        what = svc->inspect_whats && svc->inspect_whats[0] ? svc->inspect_whats[0] : "runtime";
    for (const char *const *w = svc->inspect_whats; w && *w && !known; w++)
        known = strcmp(*w, what) == 0;
    if (!(names = inspect_names(svc))) {
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    if (strcmp(what, "runtime") == 0) {
        data = inspect_runtime(svc);
    } else if (known && svc->inspect_fn) {
        errno = 0;
        if (!(data = svc->inspect_fn(svc, what, body, svc->inspect_arg))) {
            int err = errno ? errno : EIO;
            json_decref(names);
            flurm_request_reply_error(req, err, "inspect %s %s: %s", svc->name, what,
                                      strerror(err));
            return;
        }
    } else {
        size_t i;
        json_t *v;

        json_array_foreach(names, i, v) {
            size_t used = strlen(list);
            snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                     json_string_value(v));
        }
        json_decref(names);
        flurm_request_reply_error(req, ENOENT, "%s has nothing called '%s' to inspect; it has: %s",
                                  svc->name, what, list);
        return;
    }
    flurm_request_reply(req, json_pack("{s:s, s:I, s:s, s:s, s:o, s:o*}", "service", svc->name,
                                       "pid", (json_int_t)svc->pid, "version", svc->version,
                                       "what", what, "available", names, "data", data));
}

static const struct flurm_handler *find_handler(const struct flurm_service *svc, const char *type)
{
    const struct flurm_handler *h;

    for (h = svc->handlers; h->type; h++) {
        if (strcmp(h->type, type) == 0)
            return h;
    }
    return NULL;
}

/* Answer a request that never became a flurm_request (bad envelope). */
static void reply_raw_error(struct flurm_service *svc, struct flurm_server_req *sreq, int code,
                            const char *text)
{
    size_t len = 0;
    char *buf = flurm_msg_encode_error(code, text, &len);

    svc->served++;
    if (buf)
        (void)flurm_server_reply(sreq, buf, len);
    else
        flurm_server_drop(sreq);
    free(buf);
}

/* The instance's own listen check came through (listencheck.h): not a
 * request anyone made, so neither counted nor traced. */
static void answer_listen_check(struct flurm_service *svc, struct flurm_server_req *sreq,
                                struct flurm_msg *msg)
{
    size_t len = 0;
    char *buf = flurm_msg_encode_reply(NULL, &len);

    flurm_listen_check_received(svc->listen_check, flurm_msg_req_id(msg));
    flurm_msg_destroy(msg);
    if (buf)
        (void)flurm_server_reply(sreq, buf, len);
    else
        flurm_server_drop(sreq);
    free(buf);
}

static void dispatch(struct flurm_server_req *sreq, void *arg)
{
    struct flurm_service *svc = arg;
    struct flurm_msg_error err;
    struct flurm_request *req;
    const struct flurm_handler *h;
    const void *data;
    const char *type;
    size_t len;
    struct flurm_msg *msg;
    char outer[FLURM_TRACE_MAX];

    data = flurm_server_req_data(sreq, &len);
    if (!(msg = flurm_msg_decode(FLURM_MSG_REQUEST, data, len, &err))) {
        flurm_debug("rejecting a request: %s", err.text);
        reply_raw_error(svc, sreq, err.code, err.text);
        return;
    }
    if (strcmp(flurm_msg_type(msg), FLURM_LISTEN_CHECK_TYPE) == 0) {
        answer_listen_check(svc, sreq, msg);
        return;
    }
    if (!(req = calloc(1, sizeof(*req)))) {
        flurm_msg_destroy(msg);
        reply_raw_error(svc, sreq, ENOMEM, "out of memory");
        return;
    }
    req->svc = svc;
    req->sreq = sreq;
    req->msg = msg;
    req->started = flurm_span_now();
    /* A request from outside any trace (a command-line tool) starts one:
     * everything it causes is still found together. */
    if (flurm_msg_trace(msg))
        snprintf(req->trace, sizeof(req->trace), "%s", flurm_msg_trace(msg));
    else
        flurm_trace_generate(req->trace, sizeof(req->trace));
    snprintf(outer, sizeof(outer), "%s", flurm_trace_current() ? flurm_trace_current() : "");
    flurm_trace_set(req->trace);
    svc->inflight++;
    type = flurm_msg_type(msg);

    req->in_handler = 1;
    if (strcmp(type, RUNTIME_TYPE_PREFIX "status") == 0)
        status_handler(req);
    else if (strcmp(type, RUNTIME_TYPE_PREFIX "stats") == 0)
        stats_handler(req);
    else if (strcmp(type, RUNTIME_TYPE_PREFIX "inspect") == 0)
        inspect_handler(req);
    else if (strncmp(type, RUNTIME_TYPE_PREFIX, strlen(RUNTIME_TYPE_PREFIX)) != 0 &&
             (h = find_handler(svc, type)))
        h->fn(req, svc->arg);
    else
        flurm_request_reply_error(req, FLURM_MSG_EUNKNOWN, "unknown message type '%s'", type);

    if (!req->answered && !req->ticket) {
        flurm_err("handler for %s returned without replying or deferring (req_id %s)", type,
                  flurm_msg_req_id(msg) ? flurm_msg_req_id(msg) : "-");
        flurm_request_reply_error(req, FLURM_MSG_EINTERNAL,
                                  "internal error: the %s handler did not reply", type);
    }
    /* Only now may answer() free a deferred request by itself. */
    req->in_handler = 0;
    if (req->answered)
        request_free(req);
    flurm_trace_set(outer);
}

/* ---- lifecycle ----------------------------------------------------------- */

/* Give up on requests still deferred: their clients re-send them to the
 * next instance when our socket closes. */
static void drop_deferred(struct flurm_service *svc)
{
    for (size_t i = 0; i < TICKET_BUCKETS; i++) {
        while (svc->deferred[i]) {
            struct flurm_request *req = svc->deferred[i];
            flurm_warn("dropping unanswered %s (req_id %s)", flurm_msg_type(req->msg),
                       flurm_msg_req_id(req->msg) ? flurm_msg_req_id(req->msg) : "-");
            req->answered = 1;
            svc->inflight--;
            flurm_server_drop(req->sreq);
            req->sreq = NULL;
            request_free(req);
        }
    }
}

static void close_sockets(struct flurm_service *svc)
{
    flurm_listen_check_destroy(svc->listen_check);
    svc->listen_check = NULL;
    drop_deferred(svc);
    flurm_server_destroy(svc->server);
    svc->server = NULL;
    ev_timer_stop(flurm_loop_ev(svc->loop), &svc->beat_timer);
    flurm_publisher_destroy(svc->pub);
    svc->pub = NULL;
    if (svc->bound) {
        flurm_ipc_remove_instance(svc->rundir, svc->name, svc->pid);
        svc->bound = 0;
    }
}

static void finish(struct flurm_service *svc)
{
    struct ev_loop *ev = flurm_loop_ev(svc->loop);

    /* DONE first: dropping leftovers below re-enters check_drained(). */
    svc->state = SVC_DONE;
    ev_timer_stop(ev, &svc->drain_timer);
    ev_timer_stop(ev, &svc->linger_timer);
    close_sockets(svc);
    flurm_info("drained; exiting");
    flurm_loop_stop(svc->loop);
}

static int drain_busy(const struct flurm_service *svc)
{
    return svc->holds > 0 || svc->inflight > 0 ||
           (svc->server && flurm_server_outstanding(svc->server) > 0);
}

static void check_drained(struct flurm_service *svc)
{
    if (svc->state != SVC_DRAINING || drain_busy(svc))
        return;
    if (!svc->server) {
        finish(svc);
        return;
    }
    svc->state = SVC_CLOSING;
    ev_timer_set(&svc->linger_timer, CLOSE_LINGER_S, 0.0);
    ev_timer_start(flurm_loop_ev(svc->loop), &svc->linger_timer);
}

/* Subscribers learn of events they lost only from a later message: in a
 * quiet spell, the beat is that message (pubsub.h). */
static void beat_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct flurm_service *svc = w->data;

    (void)ev;
    (void)revents;
    if (svc->pub && flurm_publisher_beat(svc->pub) < 0)
        flurm_debug("cannot send the events beat: %s", strerror(errno));
    else
        flurm_listen_check_beat(svc->listen_check);
}

static void linger_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct flurm_service *svc = w->data;

    (void)ev;
    (void)revents;
    /* A request the cancelled receive had already taken may have arrived
     * while we lingered: it is answered before we close. */
    if (drain_busy(svc)) {
        svc->state = SVC_DRAINING;
        return;
    }
    finish(svc);
}

static void drain_timeout_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct flurm_service *svc = w->data;

    (void)ev;
    (void)revents;
    flurm_warn("drain timed out with %zu requests unanswered and %u holds", svc->inflight,
               svc->holds);
    finish(svc);
}

static void server_idle(void *arg)
{
    check_drained(arg);
}

static void server_burst(void *arg)
{
    struct flurm_service *svc = arg;

    /* The burst's work is many requests' at once: no single trace is its
     * own until it looks a request up by ticket. */
    flurm_trace_set(NULL);
    if (svc->burst_fn)
        svc->burst_fn(svc, svc->burst_arg);
    flurm_trace_set(NULL);
}

static void trace_reset_cb(struct ev_loop *ev, ev_prepare *w, int revents)
{
    (void)ev;
    (void)w;
    (void)revents;
    flurm_trace_set(NULL);
}

void flurm_service_drain(struct flurm_service *svc)
{
    if (svc->state >= SVC_DRAINING)
        return;
    svc->state = SVC_DRAINING;
    flurm_listen_check_destroy(svc->listen_check);
    svc->listen_check = NULL;
    if (svc->drain_fn)
        svc->drain_fn(svc, svc->drain_arg);
    if (svc->server)
        flurm_server_stop_receiving(svc->server);
    /* Logged once no receive is armed any more: a request sent after this
     * line is never taken by this instance (tests rely on it). */
    flurm_info("draining: %zu requests in flight", svc->inflight);
    if (svc->drain_timeout > 0) {
        ev_timer_set(&svc->drain_timer, svc->drain_timeout, 0.0);
        ev_timer_start(flurm_loop_ev(svc->loop), &svc->drain_timer);
    }
    check_drained(svc);
}

static void signal_cb(struct ev_loop *ev, ev_signal *w, int revents)
{
    (void)ev;
    (void)revents;
    flurm_info("received signal %d", w->signum);
    flurm_service_drain(w->data);
}

void flurm_service_hold(struct flurm_service *svc)
{
    svc->holds++;
}

void flurm_service_release(struct flurm_service *svc)
{
    if (svc->holds == 0) {
        flurm_err("flurm_service_release without a hold");
        return;
    }
    svc->holds--;
    check_drained(svc);
}

/* Validate a handler table: valid, unique, non-runtime types with a fn. */
static int handlers_valid(const struct flurm_handler *handlers)
{
    for (const struct flurm_handler *h = handlers; h && h->type; h++) {
        if (!flurm_msg_type_valid(h->type) || !h->fn ||
            strncmp(h->type, RUNTIME_TYPE_PREFIX, strlen(RUNTIME_TYPE_PREFIX)) == 0)
            return 0;
        for (const struct flurm_handler *o = handlers; o != h; o++) {
            if (strcmp(o->type, h->type) == 0)
                return 0;
        }
    }
    return handlers != NULL;
}

struct flurm_service *flurm_service_create(struct flurm_loop *loop, const char *name,
                                           const char *version,
                                           const struct flurm_handler *handlers, void *arg)
{
    struct flurm_service *svc = NULL;
    struct ev_loop *ev;
    long drain_ms;

    if (!name)
        name = flurm_config_service();
    if (!loop || !flurm_ipc_name_valid(name) || !version || !handlers_valid(handlers)) {
        errno = EINVAL;
        goto error;
    }
    if (!(svc = calloc(1, sizeof(*svc))))
        goto error;
    svc->loop = loop;
    svc->handlers = handlers;
    svc->arg = arg;
    svc->pid = getpid();
    svc->created_at = flurm_loop_now(loop);
    if (!(svc->name = strdup(name)) || !(svc->version = strdup(version)))
        goto error;
    if (flurm_config_ms("FLURM_DRAIN_TIMEOUT_MS", DEFAULT_DRAIN_TIMEOUT_MS, &drain_ms) < 0) {
        flurm_warn("ignoring FLURM_DRAIN_TIMEOUT_MS=%s: not a number of milliseconds",
                   getenv("FLURM_DRAIN_TIMEOUT_MS"));
        drain_ms = DEFAULT_DRAIN_TIMEOUT_MS;
    }
    svc->drain_timeout = (double)drain_ms / 1000.0;
    svc->listen_check_period = FLURM_LISTEN_CHECK_PERIOD_S;

    ev = flurm_loop_ev(loop);
    ev_init(&svc->drain_timer, drain_timeout_cb);
    svc->drain_timer.data = svc;
    ev_init(&svc->linger_timer, linger_cb);
    svc->linger_timer.data = svc;
    ev_init(&svc->beat_timer, beat_cb);
    svc->beat_timer.data = svc;
    ev_signal_init(&svc->sigterm, signal_cb, SIGTERM);
    svc->sigterm.data = svc;
    ev_signal_init(&svc->sigint, signal_cb, SIGINT);
    svc->sigint.data = svc;
    ev_signal_start(ev, &svc->sigterm);
    ev_signal_start(ev, &svc->sigint);
    ev_prepare_init(&svc->trace_reset, trace_reset_cb);
    ev_prepare_start(ev, &svc->trace_reset);
    /* The prepare watcher must not keep a loop with nothing else alive. */
    ev_unref(ev);
    /* A peer (the supervisor's readiness pipe) going away must be an
     * error return, not a silent death. */
    signal(SIGPIPE, SIG_IGN);
    return svc;
error:
    if (svc) {
        int saved = errno;
        flurm_service_destroy(svc);
        errno = saved;
    }
    return NULL;
}

void flurm_service_destroy(struct flurm_service *svc)
{
    struct ev_loop *ev;

    if (!svc)
        return;
    ev = flurm_loop_ev(svc->loop);
    ev_signal_stop(ev, &svc->sigterm);
    ev_signal_stop(ev, &svc->sigint);
    ev_timer_stop(ev, &svc->drain_timer);
    ev_timer_stop(ev, &svc->linger_timer);
    ev_timer_stop(ev, &svc->beat_timer);
    if (ev_is_active(&svc->trace_reset)) {
        ev_ref(ev);
        ev_prepare_stop(ev, &svc->trace_reset);
    }
    if (svc->server || svc->pub || svc->bound)
        close_sockets(svc);
    flurm_spans_close(svc->spans);
    free(svc->rundir);
    free(svc->name);
    free(svc->version);
    free(svc);
}

int flurm_service_set_rundir(struct flurm_service *svc, const char *rundir)
{
    char *copy;

    if (!rundir || rundir[0] != '/') {
        errno = EINVAL;
        return -1;
    }
    if (!(copy = strdup(rundir)))
        return -1;
    free(svc->rundir);
    svc->rundir = copy;
    return 0;
}

void flurm_service_enable_events(struct flurm_service *svc)
{
    svc->events_enabled = 1;
}

void flurm_service_set_drain_timeout(struct flurm_service *svc, double seconds)
{
    svc->drain_timeout = seconds;
}

void flurm_service_set_drain_cb(struct flurm_service *svc, flurm_service_drain_fn fn, void *arg)
{
    svc->drain_fn = fn;
    svc->drain_arg = arg;
}

void flurm_service_set_burst_cb(struct flurm_service *svc, flurm_service_burst_fn fn, void *arg)
{
    svc->burst_fn = fn;
    svc->burst_arg = arg;
    if (svc->server)
        flurm_server_set_burst_cb(svc->server, fn ? server_burst : NULL, svc);
}

void flurm_service_set_stats_cb(struct flurm_service *svc, flurm_service_stats_fn fn, void *arg)
{
    svc->stats_fn = fn;
    svc->stats_arg = arg;
}

void flurm_service_set_inspect_cb(struct flurm_service *svc, const char *const *whats,
                                  flurm_service_inspect_fn fn, void *arg)
{
    svc->inspect_whats = fn ? whats : NULL;
    svc->inspect_fn = fn;
    svc->inspect_arg = arg;
}

struct flurm_spans *flurm_service_spans(const struct flurm_service *svc)
{
    return svc->spans;
}

int flurm_service_set_receivers(struct flurm_service *svc, size_t n)
{
    if (n == 0) {
        errno = EINVAL;
        return -1;
    }
    svc->receivers = n;
    return svc->server ? flurm_server_set_receivers(svc->server, n) : 0;
}

/* Write the readiness line to $FLURM_NOTIFY_FD and close it. */
static void notify_ready(struct flurm_service *svc)
{
    char line[256];
    int fd = flurm_config_fd("FLURM_NOTIFY_FD");
    size_t len;
    size_t off = 0;

    if (fd < 0) {
        if (errno != ENOENT)
            flurm_warn("FLURM_NOTIFY_FD=%s is unusable: %s", getenv("FLURM_NOTIFY_FD"),
                       strerror(errno));
        return;
    }
    snprintf(line, sizeof(line), "%s\n", svc->version);
    len = strlen(line);
    while (off < len) {
        ssize_t n = write(fd, line + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            flurm_warn("cannot write readiness to fd %d: %s", fd, strerror(errno));
            break;
        }
        off += (size_t)n;
    }
    close(fd);
    /* Our children must not believe they hold the readiness pipe. */
    unsetenv("FLURM_NOTIFY_FD");
}

static int bind_events(struct flurm_service *svc)
{
    char src[FLURM_IPC_NAME_MAX + 24];
    char *url = NULL;

    snprintf(src, sizeof(src), "%s.%ld", svc->name, (long)svc->pid);
    if (!(url = flurm_ipc_instance_url(svc->rundir, svc->name, svc->pid, FLURM_IPC_EVENTS)))
        goto error;
    if (!(svc->pub = flurm_publisher_create(src)))
        goto error;
    if (flurm_publisher_listen(svc->pub, url) < 0) {
        flurm_err("cannot bind %s: %s", url, strerror(errno));
        goto error;
    }
    ev_timer_set(&svc->beat_timer, FLURM_PUB_BEAT_MS / 1000.0, FLURM_PUB_BEAT_MS / 1000.0);
    ev_timer_start(flurm_loop_ev(svc->loop), &svc->beat_timer);
    free(url);
    return 0;
error:
    free(url);
    return -1;
}

/* A listener NNG stopped accepting on (listencheck.h): bind it again. */
static void listener_deaf(enum flurm_ipc_kind kind, void *arg)
{
    struct flurm_service *svc = arg;
    int rc;

    if (svc->state != SVC_SERVING)
        return;
    rc = kind == FLURM_IPC_REQ ? flurm_server_relisten(svc->server)
                               : flurm_publisher_relisten(svc->pub);
    if (rc == 0)
        svc->listeners_rebound++;
    flurm_warn("the %s socket stopped taking new connections (NNG 1.5.2, nanomsg/nng#1518): "
               "%s",
               kind == FLURM_IPC_REQ ? "request" : "events",
               rc == 0 ? "bound it again" : strerror(errno));
}

static void start_listen_check(struct flurm_service *svc)
{
    char *req = NULL, *events = NULL;

    if (svc->listen_check_period <= 0)
        return;
    if (!(req = flurm_ipc_instance_path(svc->rundir, svc->name, svc->pid, FLURM_IPC_REQ)) ||
        (svc->pub &&
         !(events = flurm_ipc_instance_path(svc->rundir, svc->name, svc->pid,
                                            FLURM_IPC_EVENTS))) ||
        !(svc->listen_check = flurm_listen_check_create(
              svc->loop, req, events, svc->listen_check_period, listener_deaf, svc)))
        flurm_warn("no listen check: %s", strerror(errno));
    free(req);
    free(events);
}

int flurm_service_set_listen_check(struct flurm_service *svc, double period)
{
    if (period < 0 || svc->state != SVC_CREATED) {
        errno = EINVAL;
        return -1;
    }
    svc->listen_check_period = period;
    return 0;
}

unsigned long flurm_service_listeners_rebound(const struct flurm_service *svc)
{
    return svc->listeners_rebound;
}

int flurm_service_start(struct flurm_service *svc)
{
    char *url = NULL;
    int stale;

    if (svc->state != SVC_CREATED) {
        errno = svc->state >= SVC_DRAINING ? ESHUTDOWN : EALREADY;
        goto error;
    }
    if (!svc->rundir && flurm_service_set_rundir(svc, flurm_config_require_rundir()) < 0)
        goto error;
    if (flurm_ipc_prepare_dir(svc->rundir) < 0) {
        flurm_err("cannot create %s/ipc: %s", svc->rundir, strerror(errno));
        goto error;
    }
    if ((stale = flurm_ipc_remove_stale(svc->rundir, svc->name)) > 0)
        flurm_info("removed %d stale ipc files of dead %s instances", stale, svc->name);
    if (!svc->spans && !(svc->spans = flurm_spans_open(svc->rundir, svc->name)) &&
        errno != ECANCELED)
        flurm_warn("no spans will be written: %s/trace/%s.jsonl: %s", svc->rundir, svc->name,
                   strerror(errno));
    if (!(url = flurm_ipc_instance_url(svc->rundir, svc->name, svc->pid, FLURM_IPC_REQ)))
        goto error;
    if (!(svc->server = flurm_server_create(svc->loop, dispatch, svc)))
        goto error;
    flurm_server_set_idle_cb(svc->server, server_idle, svc);
    if (svc->burst_fn)
        flurm_server_set_burst_cb(svc->server, server_burst, svc);
    if (svc->receivers)
        (void)flurm_server_set_receivers(svc->server, svc->receivers);
    svc->bound = 1;
    if (flurm_server_listen(svc->server, url) < 0) {
        flurm_err("cannot bind %s: %s", url, strerror(errno));
        goto error;
    }
    if (svc->events_enabled && bind_events(svc) < 0)
        goto error;
    if (svc->events_enabled &&
        flurm_ipc_swap_link(svc->rundir, svc->name, svc->pid, FLURM_IPC_EVENTS) < 0)
        goto error;
    if (flurm_ipc_swap_link(svc->rundir, svc->name, svc->pid, FLURM_IPC_REQ) < 0) {
        flurm_err("cannot point %s.req at this instance: %s", svc->name, strerror(errno));
        goto error;
    }
    svc->state = SVC_SERVING;
    flurm_info("serving %s version %s", url, svc->version);
    start_listen_check(svc);
    free(url);
    notify_ready(svc);
    return 0;
error:
    if (svc->server || svc->pub) {
        int saved = errno;
        close_sockets(svc);
        errno = saved;
    }
    free(url);
    return -1;
}

int flurm_service_run(struct flurm_service *svc)
{
    if (svc->state != SVC_DONE)
        flurm_loop_run(svc->loop);
    return FLURM_EXIT_OK;
}

uint64_t flurm_service_publish(struct flurm_service *svc, const char *type, const json_t *body)
{
    if (!svc->pub) {
        errno = ENOTCONN;
        return 0;
    }
    return flurm_publisher_publish(svc->pub, type, body);
}

struct flurm_loop *flurm_service_loop(const struct flurm_service *svc)
{
    return svc->loop;
}

const char *flurm_service_name(const struct flurm_service *svc)
{
    return svc->name;
}

const char *flurm_service_version(const struct flurm_service *svc)
{
    return svc->version;
}

int flurm_service_draining(const struct flurm_service *svc)
{
    return svc->state >= SVC_DRAINING;
}

unsigned long flurm_service_served(const struct flurm_service *svc)
{
    return svc->served;
}

size_t flurm_service_inflight(const struct flurm_service *svc)
{
    return svc->inflight;
}
