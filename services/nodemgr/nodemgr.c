/*
 * nodemgr.c - the node manager service around the node tables (see
 * nodemgr.h).
 *
 * slurmd: a registration (MESSAGE_NODE_REGISTRATION_STATUS, through the
 * gateway as node.register) is validated by the tables and answered as
 * slurmctld answers it: the TRES list when slurmd asks for one, else
 * RC 0, and RC 0 even when it is refused (slurmctld's way of stopping a
 * slurmd from registering again and again).  Ping rounds run every
 * SlurmdTimeout/3 as slurmctld's ping_nodes: REQUEST_NODE_REGISTRATION_
 * STATUS to the nodes that must register, REQUEST_PING to registered nodes
 * not heard from lately; an answer is a sign of life (RESPONSE_PING_SLURMD
 * carries the load), no answer within MessageTimeout makes the node
 * NOT_RESPONDING, and the tables set a node silent for SlurmdTimeout DOWN
 * "Not responding".  A round does not start before the previous one has
 * ended.
 * Registrations change only runtime state: nothing new is written to the
 * store (admin updates still are).
 *
 * Admin state is durable in the job store, the single owner of durable
 * state.  Each node carries a change counter; a change is sent with
 * "node.state_set" (at most one request per node in flight, the newest
 * state sent next), and a node.update is answered once the writes it caused
 * have been attempted, so "ok" normally means "on disk".  A store that does
 * not know node.state_set yet (an "unknown type" error) is logged once and
 * the state then lives in memory only.  Failed writes are retried.
 *
 * Jobs: the allocations are mirrored from the store (job.allocs, re-read
 * after job.changed events) into mirror.h; from the mirror come the node
 * states, the batch launches, the terminates re-sent until the epilog, and
 * the judgement of the steps a registration lists (launch.h builds the
 * messages).  Every job transition is a store command; nothing about jobs
 * is kept here that a restart could not rebuild.
 *
 * Steps and interactive jobs (docs/steps.md): step.create is recorded by
 * the store and answered here with the step's signed credential (step.h);
 * the clients of interactive jobs get their allocation and the news of
 * their end over TCP, as slurmctld's srun agent sends them.
 */
#include "services/nodemgr/nodemgr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common/client.h"
#include "common/hostlist.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/msg.h"
#include "common/pubsub.h"
#include "services/nodemgr/mirror.h"
#include "services/nodemgr/launch.h"
#include "services/nodemgr/step.h"
#include "wire/pack.h"
#include "wire/rec_generic.h"
#include "wire/rec_slurmd.h"

#define RETRY_S 1.0
#define RECENT_UPDATES 64

/* A node.update reply waiting for the writes its changes caused. */
struct waiter {
    uint64_t ticket;
    int rc; /* what to answer: 0 or a SLURM code */
    size_t pending;
    size_t count;
    size_t *node;
    uint64_t *version;
    bool *done;
    struct waiter *next;
};

/* One node.state_set in flight. */
struct write {
    struct nodemgr *m;
    size_t node;
    uint64_t version;
};

struct recent_update {
    char *req_id;
    int rc;
};

/* A ping or registration request to one node's slurmd, in flight. */
struct ask {
    struct nodemgr *m;
    size_t node;
    enum nodes_contact how;
    time_t sent;
};

enum restore_state { RESTORE_IDLE, RESTORE_PENDING, RESTORE_DONE, RESTORE_FAILED };

/* Interactive jobs whose client this process told of their revocation
 * (a ring: the store lists a revoked job for a minute). */
#define REVOKED_TOLD_MAX 256

struct nodemgr {
    struct flurm_loop *loop;
    struct flurm_service *svc;
    struct nodes *nodes;
    struct flurm_client *store;
    uint32_t revoked_told[REVOKED_TOLD_MAX];
    size_t revoked_next;
    double store_timeout;
    bool store_unsupported; /* the store does not keep node state yet */
    uint64_t *version;      /* per node: changes made */
    uint64_t *persisted;    /* per node: newest change the store has */
    bool *inflight;
    size_t inflight_count;
    bool holding; /* a drain waits for our writes */
    bool stopping;
    struct waiter *waiters;
    uint32_t *state_before; /* scratch for ping rounds */
    struct slurmd_client *slurmd;
    bool *asking; /* per node: a ping or registration request is in flight */
    size_t round_pending; /* requests of ping rounds still in flight */
    bool round_due;       /* a round waits for the previous one to end */
    size_t round_registrations; /* registration requests the last round sent */
    ev_timer ping_timer;
    ev_timer retry_timer;
    enum restore_state restore;
    int restore_errno;
    struct recent_update recent[RECENT_UPDATES];
    size_t recent_next;
    /* Jobs (docs/running-jobs.md, "Node manager"). */
    struct mirror *jobs;
    struct flurm_subscriber *store_events;
    bool allocs_inflight;
    bool allocs_again;       /* the allocations changed (or a read failed) since */
    bool allocs_unsupported; /* the store does not serve job.allocs yet */
    bool *was_down;          /* per node: DOWN at its last change */
    ev_timer jobs_timer;
    struct launch_site site;
    char *default_partition;
    uint32_t max_step_cnt;
    double batch_start_timeout;
    double msg_timeout;
    struct step_signer *signer; /* step credentials, for SlurmdUser */
    /* This instance's name in job.launch_claim: unique across reloads and
     * restarts ("nodes.<pid>.<start ns>"). */
    char owner[96];
    bool claim_unsupported; /* the store does not know job.launch_claim yet */
};

/* ---- request bodies ----------------------------------------------------------- */

/* The requester's uid from body.auth (set by the gateway from munge).
 * -1 if there is none. */
static int request_uid(const json_t *body, uid_t *uid)
{
    const json_t *j = json_object_get(json_object_get(body, "auth"), "uid");

    if (!json_is_integer(j) || json_integer_value(j) < 0)
        return -1;
    *uid = (uid_t)json_integer_value(j);
    return 0;
}

/* The time the gateway stamped on the request, else the loop's now. */
static time_t request_time(const struct nodemgr *m, const json_t *body)
{
    const json_t *j = json_object_get(body, "time");

    if (json_is_integer(j))
        return (time_t)json_integer_value(j);
    return (time_t)flurm_loop_now(m->loop);
}

static const char *rc_text(int rc)
{
    switch (rc) {
    case NODES_NO_CHANGE_IN_DATA:
        return "No change in data";
    case NODES_EACCESS_DENIED:
        return "Access/permission denied";
    case NODES_EUSER_ID_MISSING:
        return "Invalid user id";
    case NODES_EINVALID_NODE_NAME:
        return "Invalid node name specified";
    case NODES_EINVALID_NODE_STATE:
        return "Invalid node state specified";
    case NODES_ENOT_SUPPORTED:
        return "Requested operation is presently not supported";
    default:
        return "error";
    }
}

/* Answer with what a nodes_* query returned. */
static void reply_query(struct flurm_request *req, int rc, json_t *msg)
{
    json_t *body;

    if (rc < 0) {
        flurm_request_reply_error(req, errno, "%s: %s", flurm_request_type(req), strerror(errno));
        return;
    }
    if (rc > 0) {
        flurm_request_reply_error(req, rc, "%s", rc_text(rc));
        return;
    }
    if (!(body = json_pack("{s:o}", "msg", msg))) {
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    flurm_request_reply(req, body);
}

typedef int (*query_fn)(const struct nodes *n, uid_t uid, const json_t *msg, time_t now,
                        json_t **reply);

static void serve_query(struct flurm_request *req, struct nodemgr *m, query_fn fn)
{
    json_t *body = flurm_request_body(req), *reply = NULL;
    uid_t uid;
    int rc;

    if (request_uid(body, &uid) < 0) {
        flurm_request_reply_error(req, EINVAL, "%s without auth.uid", flurm_request_type(req));
        return;
    }
    rc = fn(m->nodes, uid, json_object_get(body, "msg"), request_time(m, body), &reply);
    reply_query(req, rc, reply);
}

static void handle_node_info(struct flurm_request *req, void *arg)
{
    serve_query(req, arg, nodes_node_info);
}

static void handle_node_info_single(struct flurm_request *req, void *arg)
{
    serve_query(req, arg, nodes_node_info_single);
}

static void handle_partition_info(struct flurm_request *req, void *arg)
{
    serve_query(req, arg, nodes_partition_info);
}

/* ---- events ------------------------------------------------------------------- */

static void check_node_down(struct nodemgr *m, size_t i);

static void publish_changed(struct nodemgr *m, size_t i)
{
    json_t *body;

    check_node_down(m, i);
    if (!m->svc || !(body = nodes_event_body(m->nodes, i)))
        return;
    flurm_service_publish(m->svc, "node.changed", body);
    json_decref(body);
}

/* ---- writes to the store --------------------------------------------------------- */

static void flush_node(struct nodemgr *m, size_t i);

static void reply_waiter(struct nodemgr *m, struct waiter *w)
{
    struct flurm_request *req = flurm_service_deferred(m->svc, w->ticket);

    if (w->rc)
        flurm_request_reply_error(req, w->rc, "%s", rc_text(w->rc));
    else
        flurm_request_reply(req, json_pack("{s:i}", "rc", 0));
}

static void waiter_free(struct waiter *w)
{
    if (!w)
        return;
    free(w->node);
    free(w->version);
    free(w->done);
    free(w);
}

/* A write of node i at `version` finished (ok says whether it landed):
 * answer the updates that were waiting for it. */
static void waiters_progress(struct nodemgr *m, size_t i, uint64_t version, bool ok)
{
    struct waiter **pp = &m->waiters;

    while (*pp) {
        struct waiter *w = *pp;

        for (size_t k = 0; k < w->count; k++) {
            /* A failed write ends the wait too: the retry comes later. */
            if (!w->done[k] && w->node[k] == i &&
                (m->store_unsupported || !ok || w->version[k] <= version)) {
                w->done[k] = true;
                w->pending--;
            }
        }
        if (w->pending == 0) {
            *pp = w->next;
            reply_waiter(m, w);
            waiter_free(w);
        } else {
            pp = &w->next;
        }
    }
}

/* A launch this instance started and has not seen through: its launch
 * info asked, its REQUEST_BATCH_JOB_LAUNCH out to slurmd, or slurmd's
 * answer not yet recorded by the store. */
static bool launch_in_progress(const struct nodemgr *m)
{
    for (size_t j = 0; m->jobs && j < mirror_count(m->jobs); j++) {
        const struct mirror_job *job = mirror_at(m->jobs, j);

        if (job->launch == MIRROR_LAUNCH_BUSY || job->launch == MIRROR_LAUNCH_REPORTING)
            return true;
    }
    return false;
}

/* A drain waits for the node state writes in flight and for the launches
 * in progress: an instance that exited with a launch out to slurmd would
 * leave it unrecorded, and slurmd answers before the job's Prolog runs, so
 * the reload's other instance, finding the job in no registration while a
 * long Prolog runs, would launch it a second time. */
static void check_drain_done(struct nodemgr *m)
{
    if (m->holding && m->inflight_count == 0 && !launch_in_progress(m)) {
        m->holding = false;
        flurm_service_release(m->svc);
    }
}

static void store_unsupported(struct nodemgr *m)
{
    if (m->store_unsupported)
        return;
    m->store_unsupported = true;
    flurm_warn("the job store does not keep node state yet (node.state_set unknown): "
               "drain/down states are kept in memory only and will not survive a restart");
}

static void write_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct write *wr = arg;
    struct nodemgr *m = wr->m;
    size_t i = wr->node;
    uint64_t version = wr->version;
    bool ok = false;

    free(wr);
    m->inflight[i] = false;
    m->inflight_count--;
    if (errnum == ECANCELED && m->stopping)
        return;
    if (!errnum && flurm_msg_ok(reply)) {
        ok = true;
        if (version > m->persisted[i])
            m->persisted[i] = version;
    } else if (!errnum && flurm_msg_error_code(reply) == FLURM_MSG_EUNKNOWN) {
        store_unsupported(m);
    } else {
        flurm_warn("node %s: state not saved (%s); retrying", nodes_name(m->nodes, i),
                   errnum ? strerror(errnum) : flurm_msg_error_text(reply));
        if (!m->holding && !flurm_service_draining(m->svc))
            ev_timer_start(flurm_loop_ev(m->loop), &m->retry_timer);
    }
    waiters_progress(m, i, version, ok);
    if (ok)
        flush_node(m, i);
    check_drain_done(m);
}

/* Send node i's newest state if the store does not have it and no write of
 * it is in flight. */
static void flush_node(struct nodemgr *m, size_t i)
{
    struct write *wr;
    json_t *body;

    if (m->store_unsupported || m->inflight[i] || m->persisted[i] >= m->version[i])
        return;
    if (!(wr = calloc(1, sizeof(*wr))) || !(body = nodes_admin_record(m->nodes, i))) {
        free(wr);
        flurm_err("node %s: cannot build its state record", nodes_name(m->nodes, i));
        return;
    }
    wr->m = m;
    wr->node = i;
    wr->version = m->version[i];
    if (flurm_client_request(m->store, "node.state_set", body, m->store_timeout, write_done,
                             wr) < 0) {
        flurm_err("node %s: cannot send its state to the store: %s", nodes_name(m->nodes, i),
                  strerror(errno));
        free(wr);
        json_decref(body);
        ev_timer_start(flurm_loop_ev(m->loop), &m->retry_timer);
        return;
    }
    json_decref(body);
    m->inflight[i] = true;
    m->inflight_count++;
}

static void flush_all(struct nodemgr *m)
{
    for (size_t i = 0; i < nodes_count(m->nodes); i++)
        flush_node(m, i);
}

static void retry_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)ev;
    (void)revents;
    flush_all(w->data);
}

static void ping_soon(struct nodemgr *m);

/* ---- node.update ------------------------------------------------------------------- */

static struct recent_update *recent_find(struct nodemgr *m, const char *req_id)
{
    for (size_t k = 0; req_id && k < RECENT_UPDATES; k++)
        if (m->recent[k].req_id && strcmp(m->recent[k].req_id, req_id) == 0)
            return &m->recent[k];
    return NULL;
}

static void recent_add(struct nodemgr *m, const char *req_id, int rc)
{
    struct recent_update *r = &m->recent[m->recent_next];
    char *copy;

    if (!req_id || !(copy = strdup(req_id)))
        return;
    free(r->req_id);
    r->req_id = copy;
    r->rc = rc;
    m->recent_next = (m->recent_next + 1) % RECENT_UPDATES;
}

/* Answer now, or once the writes of `changed` have been attempted. */
static void answer_update(struct nodemgr *m, struct flurm_request *req, int rc,
                          const size_t *changed, size_t nchanged)
{
    struct waiter *w = NULL;

    if (m->store_unsupported || nchanged == 0)
        goto now;
    if (!(w = calloc(1, sizeof(*w))) || !(w->node = calloc(nchanged, sizeof(*w->node))) ||
        !(w->version = calloc(nchanged, sizeof(*w->version))) ||
        !(w->done = calloc(nchanged, sizeof(*w->done))))
        goto now;
    w->rc = rc;
    w->count = w->pending = nchanged;
    for (size_t k = 0; k < nchanged; k++) {
        w->node[k] = changed[k];
        w->version[k] = m->version[changed[k]];
    }
    if (!(w->ticket = flurm_request_defer(req)))
        goto now;
    w->next = m->waiters;
    m->waiters = w;
    for (size_t k = 0; k < nchanged; k++)
        flush_node(m, changed[k]);
    return;
now:
    waiter_free(w);
    if (rc)
        flurm_request_reply_error(req, rc, "%s", rc_text(rc));
    else
        flurm_request_reply(req, json_pack("{s:i}", "rc", 0));
}

static void handle_node_update(struct flurm_request *req, void *arg)
{
    struct nodemgr *m = arg;
    json_t *body = flurm_request_body(req);
    struct recent_update *seen = recent_find(m, flurm_request_req_id(req));
    size_t *changed = NULL, nchanged = 0;
    uid_t uid;
    int rc;

    if (seen) {
        /* The same request again (re-sent after a lost connection). */
        answer_update(m, req, seen->rc, NULL, 0);
        return;
    }
    if (request_uid(body, &uid) < 0) {
        flurm_request_reply_error(req, EINVAL, "node.update without auth.uid");
        return;
    }
    rc = nodes_update(m->nodes, uid, json_object_get(body, "msg"), request_time(m, body), &changed,
                      &nchanged);
    for (size_t k = 0; k < nchanged; k++) {
        m->version[changed[k]]++;
        publish_changed(m, changed[k]);
        if (nodes_wants_registration(m->nodes, changed[k]) &&
            (nodes_state(m->nodes, changed[k]) & NODES_STATE_NO_RESPOND))
            ping_soon(m);
    }
    if (rc < 0) {
        int err = errno;

        flurm_request_reply_error(req, err, "node.update: %s", strerror(err));
        for (size_t k = 0; k < nchanged; k++)
            flush_node(m, changed[k]);
    } else {
        recent_add(m, flurm_request_req_id(req), rc);
        answer_update(m, req, rc, changed, nchanged);
    }
    free(changed);
}

/* slurmctld's text for the codes a registration is refused with. */
static const char *register_text(int rc)
{
    switch (rc) {
    case NODES_ENO_SUCH_NODE:
        return "No such file or directory";
    case NODES_EINVALID_REG:
        return "Invalid argument";
    default:
        return rc_text(rc);
    }
}

/* ---- jobs: the mirror of job.allocs, launches, terminates --------------------- */

/* slurmctld re-sends a kill to a node whose epilog has not come. */
#define TERMINATE_RESEND_S 30.0
/* slurmd's answer to a kill of a job it no longer runs (slurm_errno.h). */
#define ESLURMD_KILL_JOB_ALREADY_COMPLETE 4002
/* How often the job timer looks for due terminates and lost reports. */
#define JOBS_TICK_S 5.0

/* One store request about one job (launch_info, launched, launch_failed). */
struct job_ask {
    struct nodemgr *m;
    uint32_t job_id;
};

/* Send the store `type` about job_id with body (borrowed; NULL counts as
 * out of memory); cb gets a job_ask it frees.  0, or -1 after a warning:
 * the caller's state machine asks again on a later tick. */
static int ask_store(struct nodemgr *m, uint32_t job_id, const char *type, const json_t *body,
                     flurm_client_fn cb)
{
    struct job_ask *a = NULL;

    if (!body || !(a = calloc(1, sizeof(*a)))) {
        errno = ENOMEM;
        goto error;
    }
    a->m = m;
    a->job_id = job_id;
    if (flurm_client_request(m->store, type, body, m->store_timeout, cb, a) < 0)
        goto error;
    return 0;
error:
    flurm_warn("job %u: cannot send %s: %s", job_id, type, strerror(errno));
    free(a);
    return -1;
}

/* One slurmd request about one job (launch, terminate, abort, signal). */
struct job_send {
    struct nodemgr *m;
    uint32_t job_id;
    enum flurm_msg_type type;
    char node[64];
    struct signal_wait *wait; /* job.signal waiting for this, or NULL */
    slurmd_reply_fn done;     /* the caller's: job_sent() writes the span, then calls it */
    double start;             /* flurm_span_now() when sent */
    char trace[FLURM_TRACE_MAX]; /* the work that sent it: current again in done */
};

/* A job.signal request waiting for its slurmd messages. */
struct signal_wait {
    struct nodemgr *m;
    uint64_t ticket;
    size_t pending;
    int rc;
    char text[128];
};

static void jobs_apply(struct nodemgr *m);
static void report_launch(struct nodemgr *m, struct mirror_job *job);

static const char *job_type_name(enum flurm_msg_type type)
{
    switch (type) {
    case FLURM_REQUEST_BATCH_JOB_LAUNCH:
        return "REQUEST_BATCH_JOB_LAUNCH";
    case FLURM_REQUEST_KILL_TIMELIMIT:
        return "REQUEST_KILL_TIMELIMIT";
    case FLURM_REQUEST_ABORT_JOB:
        return "REQUEST_ABORT_JOB";
    case FLURM_REQUEST_SIGNAL_TASKS:
        return "REQUEST_SIGNAL_TASKS";
    default:
        return "REQUEST_TERMINATE_JOB";
    }
}

static int node_shape(const char *name, uint16_t *sockets, uint16_t *cores, void *arg)
{
    struct nodemgr *m = arg;
    ssize_t i = nodes_find(m->nodes, name);

    if (i < 0)
        return -1;
    nodes_shape(m->nodes, (size_t)i, sockets, cores);
    return 0;
}

static bool jobs_active(const struct nodemgr *m)
{
    return m->jobs && !m->stopping && !(m->svc && flurm_service_draining(m->svc));
}

static void job_sent(int errnum, enum flurm_msg_type type, const void *body, void *arg);

/* Send `type` with `body` to node `name`'s slurmd; done(errnum, rc) later. */
static int job_send_to(struct nodemgr *m, const char *name, enum flurm_msg_type type,
                       const void *body, uint32_t job_id, slurmd_reply_fn done,
                       struct signal_wait *wait)
{
    ssize_t i = nodes_find(m->nodes, name);
    struct job_send *s;

    if (i < 0) {
        errno = ENOENT;
        return -1;
    }
    if (!(s = calloc(1, sizeof(*s))))
        return -1;
    s->m = m;
    s->job_id = job_id;
    s->type = type;
    s->wait = wait;
    snprintf(s->node, sizeof(s->node), "%s", name);
    s->done = done;
    s->start = flurm_span_now();
    snprintf(s->trace, sizeof(s->trace), "%s", flurm_trace_current() ? flurm_trace_current() : "");
    if (slurmd_client_send(m->slurmd, nodes_addr(m->nodes, (size_t)i),
                           nodes_port(m->nodes, (size_t)i), type, body, job_sent, s) < 0) {
        int saved = errno;

        free(s);
        errno = saved;
        return -1;
    }
    return 0;
}

/* The rc slurmd answered with, or an errno-ish failure: 0 only for RC 0. */
static int reply_rc(int errnum, enum flurm_msg_type type, const void *body)
{
    if (errnum)
        return errnum;
    if (type == FLURM_RESPONSE_SLURM_RC)
        return ((const struct flurm_rc_msg *)body)->return_code;
    return EPROTO;
}

/* A message to slurmd ended: its span (docs/observability.md), then the
 * caller's callback, in the trace of the work that sent it. */
static void job_sent(int errnum, enum flurm_msg_type type, const void *body, void *arg)
{
    struct job_send *s = arg;
    const char *name = flurm_msg_name((uint16_t)s->type);
    struct flurm_span span = {
        .kind = "slurmd",
        .type = name ? name : "unknown",
        .trace = s->trace[0] ? s->trace : NULL,
        .start = s->start,
        .end = flurm_span_now(),
        .result = reply_rc(errnum, type, body),
        .detail = s->node,
        .job_id = (long)s->job_id,
    };

    /* While the node manager is destroyed its service is already gone. */
    if (s->m->svc && !s->m->stopping)
        flurm_spans_write(flurm_service_spans(s->m->svc), &span);
    flurm_trace_set(span.trace);
    s->done(errnum, type, body, s); /* frees s */
    flurm_trace_set(NULL);
}

/* ---- mirror ---- */

static void allocs_read(struct nodemgr *m);
static void tell_revoked(struct nodemgr *m, const json_t *revoked);

static void ask_registration(struct nodemgr *m, const char *name);

/* The jobs found unlaunched at start wait for their batch host's
 * registration: ask those hosts now rather than at the first ping round
 * (FLURM_NODEMGR_FIRST_PING_MS later), so that a reload does not pause
 * their launch, and again later until each job is decided (jobs_apply). */
static void ask_inherited_hosts(struct nodemgr *m)
{
    time_t now = (time_t)flurm_loop_now(m->loop);

    for (size_t i = 0; i < mirror_count(m->jobs); i++) {
        struct mirror_job *job = mirror_at(m->jobs, i);

        if (!job->inherited)
            continue;
        ask_registration(m, job->alloc->batch_host);
        if (!job->claimed_elsewhere)
            job->register_ask_at = now + (time_t)JOBS_TICK_S * 2;
    }
}

static void allocs_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct nodemgr *m = arg;
    size_t skipped = 0;
    bool first;

    if (errnum == ECANCELED && m->stopping)
        return;
    m->allocs_inflight = false;
    if (errnum || !flurm_msg_ok(reply)) {
        if (!errnum && flurm_msg_error_code(reply) == FLURM_MSG_EUNKNOWN) {
            if (!m->allocs_unsupported)
                flurm_warn("the job store does not serve job.allocs yet: no jobs are launched");
            m->allocs_unsupported = true;
        } else {
            flurm_warn("job.allocs: %s", errnum ? strerror(errnum) : flurm_msg_error_text(reply));
        }
        m->allocs_again = true; /* the job timer retries */
        return;
    }
    m->allocs_unsupported = false;
    first = !mirror_loaded(m->jobs);
    if (mirror_replace(m->jobs, json_object_get(flurm_msg_body(reply), "jobs"), &skipped) < 0) {
        flurm_err("job.allocs: the reply holds no job list");
        return;
    }
    if (first)
        ask_inherited_hosts(m);
    if (skipped)
        flurm_warn("job.allocs: skipped %zu unreadable jobs", skipped);
    tell_revoked(m, json_object_get(flurm_msg_body(reply), "revoked"));
    jobs_apply(m);
    if (m->allocs_again) {
        m->allocs_again = false;
        allocs_read(m);
    }
}

/* Re-read job.allocs; one request in flight, a change meanwhile asks again
 * when it ends. */
static void allocs_read(struct nodemgr *m)
{
    if (!jobs_active(m))
        return;
    if (m->allocs_inflight) {
        m->allocs_again = true;
        return;
    }
    if (flurm_client_request(m->store, "job.allocs", NULL, m->store_timeout, allocs_done, m) < 0) {
        flurm_warn("job.allocs: %s", strerror(errno));
        m->allocs_again = true;
        return;
    }
    m->allocs_inflight = true;
    m->allocs_again = false;
}

/* A job changed in the store.  A pending job this instance does not
 * mirror changes neither the allocations nor the revoked list (only
 * finished jobs are revoked), so a submission costs the node manager no
 * job.allocs round trip; anything else re-reads. */
static void on_store_event(const struct flurm_msg *event, void *arg)
{
    struct nodemgr *m = arg;
    const json_t *body = flurm_msg_body(event);
    const json_t *id = json_object_get(body, "job_id"), *state = json_object_get(body, "state");

    if (json_is_integer(id) && json_is_integer(state) &&
        (uint32_t)json_integer_value(state) == MIRROR_STATE_PENDING && m->jobs &&
        !mirror_find(m->jobs, (uint32_t)json_integer_value(id)))
        return;
    allocs_read(m);
}

static void on_store_gap(const struct flurm_sub_gap *gap, void *arg)
{
    struct nodemgr *m = arg;

    if (flurm_sub_gap_new_instance(gap))
        flurm_info("the store is now %s: reading the allocations again", gap->new_src);
    allocs_read(m);
}

/* ---- node states and node failures ---- */

/* slurmctld kills the jobs of a node that goes DOWN
 * (kill_running_job_by_node_name); here the store decides requeue or
 * NODE_FAIL. */
static void node_fail_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct nodemgr *m = arg;

    if (errnum == ECANCELED && m->stopping)
        return;
    if (errnum || !flurm_msg_ok(reply))
        flurm_warn("job.node_fail: %s", errnum ? strerror(errnum) : flurm_msg_error_text(reply));
}

static void send_node_fail(struct nodemgr *m, const char *node, uint32_t job_id)
{
    json_t *body = json_pack("{s:I, s:s}", "time", (json_int_t)flurm_loop_now(m->loop), "node",
                             node);

    if (body && job_id)
        json_object_set_new(body, "job_id", json_integer(job_id));
    if (!body || flurm_client_request(m->store, "job.node_fail", body, m->store_timeout,
                                      node_fail_done, m) < 0)
        flurm_err("job.node_fail %s: cannot send: %s", node, strerror(errno));
    else if (job_id)
        flurm_info("job %u: job.node_fail sent for node %s", job_id, node);
    else
        flurm_info("node %s is DOWN: job.node_fail sent", node);
    json_decref(body);
}

/* Called after every published node change: a node that went DOWN while
 * jobs hold it fails them. */
static void check_node_down(struct nodemgr *m, size_t i)
{
    bool down = (nodes_state(m->nodes, i) & NODES_STATE_BASE) == NODES_STATE_DOWN;
    const char *name = nodes_name(m->nodes, i);
    bool held = false;

    if (!m->was_down)
        return;
    if (down && !m->was_down[i] && m->jobs && mirror_loaded(m->jobs)) {
        for (size_t k = 0; k < mirror_count(m->jobs) && !held; k++)
            held = mirror_holds(mirror_at(m->jobs, k), name);
        if (held)
            send_node_fail(m, name, 0);
    }
    m->was_down[i] = down;
}

static void apply_node_usage(struct nodemgr *m)
{
    time_t now = (time_t)flurm_loop_now(m->loop);

    for (size_t i = 0; i < nodes_count(m->nodes); i++) {
        uint32_t cpus, before = nodes_state(m->nodes, i);
        uint64_t mem;
        bool completing;

        mirror_node_usage(m->jobs, nodes_name(m->nodes, i), &cpus, &mem, &completing);
        nodes_set_alloc(m->nodes, i, (uint16_t)(cpus > 0xffff ? 0xffff : cpus), mem, now);
        nodes_set_completing(m->nodes, i, completing, now);
        if (nodes_state(m->nodes, i) != before)
            publish_changed(m, i);
    }
}

/* ---- launch ---- */

static void launch_report_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct job_ask *a = arg;
    struct nodemgr *m = a->m;
    struct mirror_job *job;

    if (errnum == ECANCELED && m->stopping) {
        free(a);
        return;
    }
    job = mirror_find(m->jobs, a->job_id);
    if (errnum || !flurm_msg_ok(reply)) {
        /* Kept REPORTING: the job timer reports again. */
        flurm_warn("job %u: the launch report was not taken: %s", a->job_id,
                   errnum ? strerror(errnum) : flurm_msg_error_text(reply));
        if (job)
            job->report_inflight = false;
    } else if (job) {
        job->launch = MIRROR_LAUNCH_DONE;
        job->report_inflight = false;
    }
    free(a);
    check_drain_done(m);
}

/* Tell the store how the launch went: job.launched or job.launch_failed. */
static void report_launch(struct nodemgr *m, struct mirror_job *job)
{
    json_t *body;
    const char *type = job->launch_rc ? "job.launch_failed" : "job.launched";

    if (job->report_inflight)
        return;
    if (job->launch_rc)
        body = json_pack("{s:I, s:s, s:i, s:s}", "job_id", (json_int_t)job->job_id, "node",
                         job->alloc->batch_host ? job->alloc->batch_host : "", "code",
                         job->launch_rc, "text", job->launch_text);
    else
        body = json_pack("{s:I}", "job_id", (json_int_t)job->job_id);
    if (ask_store(m, job->job_id, type, body, launch_report_done) == 0)
        job->report_inflight = true;
    json_decref(body);
}

static void launch_failed(struct nodemgr *m, struct mirror_job *job, int code, const char *text)
{
    flurm_err("job %u: launch on %s failed: %s", job->job_id,
              job->alloc->batch_host ? job->alloc->batch_host : "?", text);
    job->launch = MIRROR_LAUNCH_REPORTING;
    job->launch_rc = code ? code : EIO;
    snprintf(job->launch_text, sizeof(job->launch_text), "%s", text);
    report_launch(m, job);
}

static void launch_sent(int errnum, enum flurm_msg_type type, const void *body, void *arg)
{
    struct job_send *s = arg;
    struct nodemgr *m = s->m;
    struct mirror_job *job;
    int rc;
    char text[160];

    if (errnum == ECANCELED && m->stopping) {
        free(s);
        return;
    }
    rc = reply_rc(errnum, type, body);
    job = mirror_find(m->jobs, s->job_id);
    if (!job) {
        flurm_info("job %u: gone before its launch ended (rc %d)", s->job_id, rc);
    } else if (rc == 0) {
        flurm_info("job %u: launched on %s", s->job_id, s->node);
        job->launch = MIRROR_LAUNCH_REPORTING;
        job->launch_rc = 0;
        report_launch(m, job);
    } else {
        snprintf(text, sizeof(text), "%s %s", errnum ? "no answer from" : "refused by", s->node);
        if (errnum)
            snprintf(text, sizeof(text), "slurmd on %s: %s", s->node, strerror(errnum));
        else
            snprintf(text, sizeof(text), "slurmd on %s answered error %d", s->node, rc);
        launch_failed(m, job, rc, text);
    }
    free(s);
    check_drain_done(m);
}

static void launch_info_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct job_ask *a = arg;
    struct nodemgr *m = a->m;
    struct mirror_job *job;
    struct flurm_batch_job_launch *msg = NULL;
    struct launch_user user = {0};
    char err[200] = "";

    if (errnum == ECANCELED && m->stopping) {
        free(a);
        return;
    }
    job = mirror_find(m->jobs, a->job_id);
    free(a);
    if (!job)
        return;
    if (!jobs_active(m)) {
        /* Draining: the reload's new instance sees the same job unlaunched
         * and launches it (or, having inherited it, once its batch host
         * registers without it); a launch from here too started it twice
         * under load (the second slurmstepd found the first one's script). */
        job->launch = MIRROR_LAUNCH_NONE;
        check_drain_done(m);
        return;
    }
    if (errnum || !flurm_msg_ok(reply)) {
        /* The store did not answer: try again at the next tick. */
        flurm_warn("job %u: job.launch_info: %s", job->job_id,
                   errnum ? strerror(errnum) : flurm_msg_error_text(reply));
        job->launch = MIRROR_LAUNCH_NONE;
        return;
    }
    if ((job->state & MIRROR_STATE_BASE) != MIRROR_STATE_RUNNING ||
        (job->state & MIRROR_STATE_COMPLETING)) {
        job->launch = MIRROR_LAUNCH_NONE;
        return;
    }
    if (launch_user_lookup(job->user_id, job->group_id, &user) < 0) {
        snprintf(err, sizeof(err), "user %u: %s", job->user_id,
                 errno == ENOENT ? "no passwd entry" : strerror(errno));
        launch_failed(m, job, 2010 /* ESLURM_USER_ID_MISSING */, err);
        return;
    }
    msg = launch_batch_create(flurm_msg_body(reply), job->alloc, &user, &m->site,
                              (time_t)flurm_loop_now(m->loop), err, sizeof(err));
    launch_user_clear(&user);
    if (!msg) {
        launch_failed(m, job, errno == ENOMEM ? ENOMEM : EINVAL, err);
        return;
    }
    if (job_send_to(m, job->alloc->batch_host, FLURM_REQUEST_BATCH_JOB_LAUNCH, msg, job->job_id,
                    launch_sent, NULL) < 0) {
        snprintf(err, sizeof(err), "slurmd on %s: %s", job->alloc->batch_host, strerror(errno));
        launch_failed(m, job, errno, err);
    }
    launch_batch_destroy(msg);
}

/* Ask the store for the launch information, then launch (the claim is
 * ours, or the store predates claims). */
static void ask_launch_info(struct nodemgr *m, struct mirror_job *job)
{
    json_t *body = json_pack("{s:I}", "job_id", (json_int_t)job->job_id);

    job->launch = ask_store(m, job->job_id, "job.launch_info", body, launch_info_done) == 0
                      ? MIRROR_LAUNCH_BUSY
                      : MIRROR_LAUNCH_NONE;
    json_decref(body);
}

static void contact_node(size_t i, enum nodes_contact how, void *arg);

/* Ask node `name`'s slurmd to register now (unless a request is out). */
static void ask_registration(struct nodemgr *m, const char *name)
{
    ssize_t i = name ? nodes_find(m->nodes, name) : -1;

    if (i >= 0 && m->svc && jobs_active(m))
        contact_node((size_t)i, NODES_CONTACT_REGISTER, m);
}

/* Another instance holds the claim (the other side of a reload, or a
 * predecessor that died): it may have launched the job, so the job waits
 * as an inherited one for its batch host to register without it.  The
 * wait starts after MessageTimeout, time enough for a live holder's
 * launch to reach slurmd and be reported. */
static void claimed_elsewhere(struct nodemgr *m, struct mirror_job *job, const char *holder)
{
    time_t now = (time_t)flurm_loop_now(m->loop);
    time_t grace = (time_t)(m->msg_timeout < 1 ? 1 : m->msg_timeout);

    if (!job->claimed_elsewhere)
        flurm_info("job %u: claimed by %s: launching it only if %s registers without it",
                   job->job_id, holder ? holder : "another node manager",
                   job->alloc->batch_host ? job->alloc->batch_host : "its batch host");
    job->inherited = true;
    job->claimed_elsewhere = true;
    job->take_over = false;
    job->take_over_after = now + grace;
    job->register_ask_at = now + grace;
}

static void claim_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct job_ask *a = arg;
    struct nodemgr *m = a->m;
    struct mirror_job *job;
    const json_t *body;

    if (errnum == ECANCELED && m->stopping) {
        free(a);
        return;
    }
    job = mirror_find(m->jobs, a->job_id);
    free(a);
    if (!job)
        return;
    job->launch = MIRROR_LAUNCH_NONE;
    if (!jobs_active(m)) {
        check_drain_done(m);
        return; /* draining: the other instance launches it */
    }
    if (!errnum && !flurm_msg_ok(reply) && flurm_msg_error_code(reply) == FLURM_MSG_EUNKNOWN) {
        if (!m->claim_unsupported)
            flurm_warn("the job store does not know job.launch_claim: launching unclaimed");
        m->claim_unsupported = true;
        ask_launch_info(m, job);
        return;
    }
    if (errnum || !flurm_msg_ok(reply)) {
        flurm_warn("job %u: job.launch_claim: %s", job->job_id,
                   errnum ? strerror(errnum) : flurm_msg_error_text(reply));
        return; /* the job timer tries again */
    }
    body = flurm_msg_body(reply);
    if (json_is_true(json_object_get(body, "granted"))) {
        job->take_over = false;
        job->claimed_elsewhere = false;
        ask_launch_info(m, job);
        return;
    }
    if (!strcmp(json_string_value(json_object_get(body, "why")) ?: "", "claimed"))
        claimed_elsewhere(m, job, json_string_value(json_object_get(body, "owner")));
    /* else launched or no longer running: the next job.allocs says so */
}

/* Claim the launch (job.launch_claim), then launch if it is ours. */
static void start_launch(struct nodemgr *m, struct mirror_job *job)
{
    json_t *body;

    if (m->claim_unsupported) {
        ask_launch_info(m, job);
        return;
    }
    body = json_pack("{s:I, s:s, s:b}", "job_id", (json_int_t)job->job_id, "owner", m->owner,
                     "take_over", job->take_over);
    if (ask_store(m, job->job_id, "job.launch_claim", body, claim_done) == 0)
        job->launch = MIRROR_LAUNCH_BUSY;
    json_decref(body);
}

/* ---- terminate ---- */

static void epilog_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct job_ask *a = arg;

    if (!(errnum == ECANCELED && a->m->stopping) && (errnum || !flurm_msg_ok(reply)))
        flurm_warn("job %u: job.epilog_complete: %s", a->job_id,
                   errnum ? strerror(errnum) : flurm_msg_error_text(reply));
    free(a);
}

/* slurmctld's agent takes ESLURMD_KILL_JOB_ALREADY_COMPLETE as that node's
 * epilog (slurmd sends no MESSAGE_EPILOG_COMPLETE then): tell the store so
 * on slurmd's behalf. */
static void epilog_on_behalf(struct nodemgr *m, uint32_t job_id, const char *node)
{
    json_t *body = json_pack("{s:I, s:{s:I, s:i, s:s}}", "time",
                             (json_int_t)flurm_loop_now(m->loop), "msg", "job_id",
                             (json_int_t)job_id, "return_code", 0, "node_name", node);

    (void)ask_store(m, job_id, "job.epilog_complete", body, epilog_done);
    json_decref(body);
}

static void terminate_sent(int errnum, enum flurm_msg_type type, const void *body, void *arg)
{
    struct job_send *s = arg;
    int rc;

    if (!(errnum == ECANCELED && s->m->stopping)) {
        rc = reply_rc(errnum, type, body);
        if (rc == ESLURMD_KILL_JOB_ALREADY_COMPLETE && s->type != FLURM_REQUEST_ABORT_JOB) {
            flurm_debug("job %u: already complete on %s", s->job_id, s->node);
            epilog_on_behalf(s->m, s->job_id, s->node);
        } else if (rc) {
            flurm_warn("job %u: %s to %s: %s %d", s->job_id, job_type_name(s->type), s->node,
                       errnum ? "no answer," : "error", rc);
        } else {
            flurm_debug("job %u: %s taken by %s", s->job_id, job_type_name(s->type), s->node);
        }
    }
    free(s);
}

/* A kill_job_msg of `type` for `job` (NULL: a job the store does not hold
 * there, sent without credential as slurmctld's abort_job_on_node) to
 * node `name`. */
static void send_kill(struct nodemgr *m, struct mirror_job *job, uint32_t job_id, const char *name,
                      enum flurm_msg_type type)
{
    struct flurm_terminate_job *msg = NULL, bare = {0};
    struct launch_user user = {0};
    char err[160] = "";

    if (job) {
        if (launch_user_lookup(job->user_id, job->group_id, &user) < 0) {
            /* The credential needs the user; a bare message still kills. */
            user.uid = job->user_id;
            user.gid = job->group_id;
        }
        msg = launch_terminate_create(job->record, job->alloc, &user, &m->site,
                                      (time_t)flurm_loop_now(m->loop), err, sizeof(err));
        launch_user_clear(&user);
        if (!msg)
            flurm_warn("job %u: cannot build its kill message (%s): sending a bare one", job_id,
                       err);
    }
    if (!msg) {
        bare.step_id.job_id = job_id;
        bare.step_id.step_id = FLURM_NO_VAL;
        bare.step_id.step_het_comp = FLURM_NO_VAL;
        bare.job_state = job ? job->state : MIRROR_STATE_COMPLETE;
        bare.time = (time_t)flurm_loop_now(m->loop);
        bare.nodes = (char *)name;
        bare.select_plugin_id = m->site.select_plugin_id;
    }
    if (job_send_to(m, name, type, msg ? msg : &bare, job_id, terminate_sent, NULL) < 0)
        flurm_debug("job %u: %s to %s: %s", job_id, job_type_name(type), name, strerror(errno));
    else
        flurm_info("job %u: %s sent to %s", job_id, job_type_name(type), name);
    launch_terminate_destroy(msg);
}

static void terminate_due(struct nodemgr *m, struct mirror_job *job, time_t now)
{
    enum flurm_msg_type type = (job->state & MIRROR_STATE_BASE) == MIRROR_STATE_TIMEOUT
                                   ? FLURM_REQUEST_KILL_TIMELIMIT
                                   : FLURM_REQUEST_TERMINATE_JOB;

    for (size_t k = 0; k < job->ncompleting; k++) {
        if (!mirror_terminate_due(job, k, now, TERMINATE_RESEND_S))
            continue;
        job->terminate_sent[k] = now;
        send_kill(m, job, job->job_id, job->completing[k], type);
    }
}

/* ---- interactive jobs: their clients (salloc, srun) ---- */

/* One message on its way to a job's client. */
struct srun_push {
    struct nodemgr *m;
    uint32_t job_id;
    enum flurm_msg_type type;
    char host[256];
    uint16_t port;
    uint32_t uid;
    bool then_complete; /* SRUN_JOB_COMPLETE follows once this is out */
    uint64_t ticket;    /* a job.revoke request answered once this is out, or 0 */
};

static const char *push_name(enum flurm_msg_type type)
{
    switch (type) {
    case FLURM_RESPONSE_RESOURCE_ALLOCATION:
        return "RESPONSE_RESOURCE_ALLOCATION";
    case FLURM_SRUN_TIMEOUT:
        return "SRUN_TIMEOUT";
    case FLURM_SRUN_NODE_FAIL:
        return "SRUN_NODE_FAIL";
    default:
        return "SRUN_JOB_COMPLETE";
    }
}

static int push_to_client(struct nodemgr *m, uint32_t job_id, const char *host, uint16_t port,
                          uint32_t uid, enum flurm_msg_type type, const void *body,
                          bool then_complete);

static void push_sent(int errnum, enum flurm_msg_type type, const void *body, void *arg)
{
    struct srun_push *p = arg;
    struct flurm_step_id complete = {p->job_id, FLURM_NO_VAL, FLURM_NO_VAL};

    (void)type;
    (void)body;
    if (errnum == ECANCELED && p->m->stopping) {
        free(p);
        return;
    }
    /* slurmctld's agent does not retry these: a client that is gone
     * (or missed its allocation and asks job.alloc_info) is fine. */
    if (errnum)
        flurm_info("job %u: %s to %s:%u not delivered: %s", p->job_id, push_name(p->type),
                   p->host, p->port, strerror(errnum));
    else
        flurm_info("job %u: %s sent to %s:%u", p->job_id, push_name(p->type), p->host, p->port);
    if (p->then_complete)
        push_to_client(p->m, p->job_id, p->host, p->port, p->uid, FLURM_SRUN_JOB_COMPLETE,
                       &complete, false);
    if (p->ticket) {
        struct flurm_request *req = flurm_service_deferred(p->m->svc, p->ticket);

        if (req)
            flurm_request_reply(req, json_pack("{s:b}", "delivered", !errnum));
    }
    free(p);
}

/* Send `type` with `body` (borrowed) to host:port (borrowed), signed for
 * the job's user `uid`, as srun_comm.c's _srun_agent_launch does. */
static int push_to_client(struct nodemgr *m, uint32_t job_id, const char *host, uint16_t port,
                          uint32_t uid, enum flurm_msg_type type, const void *body,
                          bool then_complete)
{
    struct srun_push *p = calloc(1, sizeof(*p));

    if (!p)
        return -1;
    p->m = m;
    p->job_id = job_id;
    p->type = type;
    snprintf(p->host, sizeof(p->host), "%s", host);
    p->port = port;
    p->uid = uid;
    p->then_complete = then_complete;
    if (slurmd_client_push(m->slurmd, host, port, type, body, uid, push_sent, p) < 0) {
        flurm_info("job %u: %s to %s:%u: %s", job_id, push_name(type), host, port,
                   strerror(errno));
        free(p);
        return -1;
    }
    return 0;
}

static void alloc_info_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct job_ask *a = arg;
    struct nodemgr *m = a->m;
    struct mirror_job *job;
    struct flurm_resource_alloc_resp resp;
    const char *field = NULL;

    if (errnum == ECANCELED && m->stopping) {
        free(a);
        return;
    }
    job = mirror_find(m->jobs, a->job_id);
    free(a);
    if (!job)
        return;
    if (errnum) {
        /* Try again at the next tick. */
        flurm_warn("job %u: job.alloc_info: %s", job->job_id, strerror(errnum));
        job->alloc_told = false;
        return;
    }
    if (!flurm_msg_ok(reply)) {
        /* The client asks job.alloc_info itself when nothing comes. */
        flurm_warn("job %u: job.alloc_info: %s", job->job_id, flurm_msg_error_text(reply));
        return;
    }
    if (!mirror_wants_alloc_push(job) && !job->alloc_told)
        return;
    if (flurm_record_from_json(&flurm_rec_resource_alloc_resp,
                               json_object_get(flurm_msg_body(reply), "msg"), &resp, &field) < 0) {
        flurm_warn("job %u: job.alloc_info's reply is not a resource allocation (%s)",
                   job->job_id, field ? field : strerror(errno));
        return;
    }
    push_to_client(m, job->job_id, job->resp_host, job->alloc_resp_port, job->user_id,
                   FLURM_RESPONSE_RESOURCE_ALLOCATION, &resp, false);
    flurm_record_free(&flurm_rec_resource_alloc_resp, &resp);
}

/* slurmctld's srun_allocate: the client waiting on alloc_resp_port gets
 * its allocation, built as job.alloc_info builds it. */
static void start_alloc_push(struct nodemgr *m, struct mirror_job *job)
{
    json_t *body = json_pack("{s:{s:I, s:I}, s:{s:I, s:n}}", "auth", "uid",
                             (json_int_t)job->user_id, "gid", (json_int_t)job->group_id, "msg",
                             "job_id", (json_int_t)job->job_id, "req_cluster");

    if (ask_store(m, job->job_id, "job.alloc_info", body, alloc_info_done) == 0)
        job->alloc_told = true;
    json_decref(body);
}

/* The job's nodes that are DOWN now (the failed ones), else all its nodes:
 * SRUN_NODE_FAIL's nodelist.  Caller frees; NULL and ENOMEM. */
static char *failed_nodes(struct nodemgr *m, const struct mirror_job *job)
{
    struct flurm_hostlist *hl = flurm_hostlist_create();
    char *out = NULL;

    if (!hl)
        return NULL;
    for (size_t h = 0; h < job->alloc->nhosts; h++) {
        ssize_t i = nodes_find(m->nodes, job->alloc->hosts[h].name);

        if (i >= 0 && (nodes_state(m->nodes, (size_t)i) & NODES_STATE_BASE) == NODES_STATE_DOWN &&
            flurm_hostlist_push_host(hl, job->alloc->hosts[h].name) < 0)
            goto out;
    }
    out = flurm_hostlist_count(hl) ? flurm_hostlist_ranged_string(hl) : strdup(job->alloc->nodes);
out:
    flurm_hostlist_destroy(hl);
    return out;
}

/* slurmctld's srun_timeout / srun_node_fail, then srun_job_complete: the
 * client on other_port hears how its job ended, once. */
static void tell_end(struct nodemgr *m, struct mirror_job *job, enum mirror_end what)
{
    struct flurm_step_id whole = {job->job_id, FLURM_NO_VAL, FLURM_NO_VAL};
    struct flurm_srun_timeout timeout = {whole, 0};
    struct flurm_srun_node_fail fail = {whole, NULL};
    const json_t *end = json_object_get(job->record, "end_time");

    job->end_told = true;
    switch (what) {
    case MIRROR_END_TIMEOUT:
        timeout.timeout = json_is_integer(end) ? (time_t)json_integer_value(end) : 0;
        if (push_to_client(m, job->job_id, job->resp_host, job->other_port, job->user_id,
                           FLURM_SRUN_TIMEOUT, &timeout, true) == 0)
            return;
        break;
    case MIRROR_END_NODE_FAIL:
        if ((fail.nodelist = failed_nodes(m, job)) &&
            push_to_client(m, job->job_id, job->resp_host, job->other_port, job->user_id,
                           FLURM_SRUN_NODE_FAIL, &fail, true) == 0) {
            free(fail.nodelist);
            return;
        }
        free(fail.nodelist);
        break;
    default:
        break;
    }
    push_to_client(m, job->job_id, job->resp_host, job->other_port, job->user_id,
                   FLURM_SRUN_JOB_COMPLETE, &whole, false);
}

/* Interactive jobs that ended without ever running (salloc -I refused, a
 * pending salloc cancelled): their client hears SRUN_JOB_COMPLETE once and
 * prints "Job allocation N has been revoked", as slurmctld's
 * srun_allocate_abort makes it. */
static void tell_revoked(struct nodemgr *m, const json_t *revoked)
{
    size_t i;
    const json_t *e;

    json_array_foreach(revoked, i, e) {
        uint32_t id = (uint32_t)json_integer_value(json_object_get(e, "job_id"));
        const char *host = json_string_value(json_object_get(e, "resp_host"));
        json_int_t port = json_integer_value(json_object_get(e, "other_port"));
        struct flurm_step_id whole = {id, FLURM_NO_VAL, FLURM_NO_VAL};
        bool told = false;

        for (size_t k = 0; k < REVOKED_TOLD_MAX && !told; k++)
            told = m->revoked_told[k] == id;
        if (!id || told || !host || port <= 0 || port > UINT16_MAX)
            continue;
        m->revoked_told[m->revoked_next++ % REVOKED_TOLD_MAX] = id;
        push_to_client(m, id, host, (uint16_t)port,
                       (uint32_t)json_integer_value(json_object_get(e, "user_id")),
                       FLURM_SRUN_JOB_COMPLETE, &whole, false);
    }
}

/* job.revoke {job_id, user_id, resp_host, other_port}, from the gateway
 * before it answers salloc -I's refusal: slurmctld's srun_allocate_abort
 * reaches salloc first, which then prints "Job allocation N has been
 * revoked".  Answered {"delivered": bool} once the message is out. */
static void handle_job_revoke(struct flurm_request *req, void *arg)
{
    struct nodemgr *m = arg;
    const json_t *b = flurm_request_body(req);
    uint32_t id = (uint32_t)json_integer_value(json_object_get(b, "job_id"));
    const char *host = json_string_value(json_object_get(b, "resp_host"));
    json_int_t port = json_integer_value(json_object_get(b, "other_port"));
    struct flurm_step_id whole = {id, FLURM_NO_VAL, FLURM_NO_VAL};
    struct srun_push *p;
    uint64_t ticket;

    if (!id || !host || port <= 0 || port > UINT16_MAX) {
        flurm_request_reply_error(req, EINVAL, "job.revoke needs job_id, resp_host, other_port");
        return;
    }
    for (size_t k = 0; k < REVOKED_TOLD_MAX; k++)
        if (m->revoked_told[k] == id) {
            flurm_request_reply(req, json_pack("{s:b}", "delivered", 1));
            return;
        }
    m->revoked_told[m->revoked_next++ % REVOKED_TOLD_MAX] = id;
    if (!(p = calloc(1, sizeof(*p))) || !(ticket = flurm_request_defer(req))) {
        free(p);
        if (!p)
            flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    *p = (struct srun_push){.m = m, .job_id = id, .type = FLURM_SRUN_JOB_COMPLETE,
                            .port = (uint16_t)port,
                            .uid = (uint32_t)json_integer_value(json_object_get(b, "user_id")),
                            .ticket = ticket};
    snprintf(p->host, sizeof(p->host), "%s", host);
    if (slurmd_client_push(m->slurmd, host, (uint16_t)port, FLURM_SRUN_JOB_COMPLETE, &whole,
                           p->uid, push_sent, p) < 0) {
        struct flurm_request *r = flurm_service_deferred(m->svc, ticket);

        flurm_info("job %u: SRUN_JOB_COMPLETE to %s:%u: %s", id, host, p->port, strerror(errno));
        if (r)
            flurm_request_reply(r, json_pack("{s:b}", "delivered", 0));
        free(p);
    }
}

/* Interactive jobs that left the mirror between two reads without their
 * end being told. */
static void tell_gone(struct nodemgr *m)
{
    for (size_t i = 0; i < mirror_gone_count(m->jobs); i++) {
        struct mirror_job *job = mirror_gone_at(m->jobs, i);
        bool down = false;

        for (size_t h = 0; h < job->alloc->nhosts && !down; h++) {
            ssize_t k = nodes_find(m->nodes, job->alloc->hosts[h].name);

            down = k >= 0 &&
                   (nodes_state(m->nodes, (size_t)k) & NODES_STATE_BASE) == NODES_STATE_DOWN;
        }
        flurm_info("job %u ended between two reads: telling its client", job->job_id);
        tell_end(m, job, down ? MIRROR_END_NODE_FAIL : MIRROR_END_COMPLETE);
    }
    mirror_gone_clear(m->jobs);
}

/* Everything the mirror asks for now: node states, launches, terminates,
 * unfinished reports. */
static void jobs_apply(struct nodemgr *m)
{
    time_t now = (time_t)flurm_loop_now(m->loop);

    if (!jobs_active(m) || !mirror_loaded(m->jobs))
        return;
    apply_node_usage(m);
    tell_gone(m);
    for (size_t i = 0; i < mirror_count(m->jobs); i++) {
        struct mirror_job *job = mirror_at(m->jobs, i);

        enum mirror_end end = mirror_end_notice(job);

        if (job->inherited && !job->launched && job->register_ask_at &&
            now >= job->register_ask_at) {
            /* again after a while: a registration may go unanswered or
             * come while the mirror is being re-read */
            job->register_ask_at = now + (time_t)JOBS_TICK_S * 2;
            ask_registration(m, job->alloc->batch_host);
        }
        if (mirror_wants_launch(job))
            start_launch(m, job);
        else if (job->launch == MIRROR_LAUNCH_REPORTING)
            report_launch(m, job);
        if (mirror_wants_alloc_push(job))
            start_alloc_push(m, job);
        if (end != MIRROR_END_NONE)
            tell_end(m, job, end);
        if (job->state & MIRROR_STATE_COMPLETING)
            terminate_due(m, job, now);
    }
}

static void jobs_tick(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct nodemgr *m = w->data;

    (void)ev;
    (void)revents;
    if (!mirror_loaded(m->jobs) || m->allocs_again)
        allocs_read(m);
    jobs_apply(m);
}

/* ---- registrations ---- */

static bool listed(const json_t *steps, uint32_t job_id)
{
    size_t k;
    const json_t *s;

    json_array_foreach(steps, k, s)
    {
        if ((uint32_t)json_integer_value(json_object_get(s, "job_id")) == job_id)
            return true;
    }
    return false;
}

/* slurmctld's validate_jobs_on_node and _purge_missing_jobs for the steps
 * node i's slurmd listed (`steps`, borrowed). */
static void jobs_registered(struct nodemgr *m, size_t i, const json_t *steps)
{
    const char *name = nodes_name(m->nodes, i);
    time_t now = (time_t)flurm_loop_now(m->loop);
    double startup = m->batch_start_timeout + (m->msg_timeout < 10 ? m->msg_timeout : 10);
    size_t k;
    const json_t *s;

    if (!jobs_active(m) || !mirror_loaded(m->jobs))
        return;
    if (m->allocs_inflight) {
        /* The mirror may be behind the store: judge nothing.  A job
         * waiting for this registration asks for another once the read
         * is done (jobs_apply runs then): under load reads follow each
         * other, and a job left to the periodic ask would wait long. */
        for (size_t j = 0; j < mirror_count(m->jobs); j++) {
            struct mirror_job *job = mirror_at(m->jobs, j);

            if (job->inherited && !job->launched && job->alloc->batch_host &&
                strcmp(job->alloc->batch_host, name) == 0)
                job->register_ask_at = now;
        }
        return;
    }
    json_array_foreach(steps, k, s)
    {
        uint32_t job_id = (uint32_t)json_integer_value(json_object_get(s, "job_id"));
        struct mirror_job *job = mirror_find(m->jobs, job_id);

        if (k && (uint32_t)json_integer_value(json_object_get(json_array_get(steps, k - 1),
                                                              "job_id")) == job_id)
            continue; /* another step of the same job */
        if (!job || !mirror_holds(job, name)) {
            flurm_err("Orphan JobId=%u reported on node %s", job_id, name);
            send_kill(m, NULL, job_id, name, FLURM_REQUEST_ABORT_JOB);
            continue;
        }
        if (job->alloc->batch_host && strcmp(job->alloc->batch_host, name) == 0) {
            job->last_seen = now;
            if (!job->launched && job->batch &&
                (job->launch == MIRROR_LAUNCH_NONE || job->inherited)) {
                /* Launched by a predecessor that did not live to say so. */
                flurm_info("job %u: running on %s, marking it launched", job_id, name);
                job->inherited = false;
                job->claimed_elsewhere = false;
                job->launch = MIRROR_LAUNCH_REPORTING;
                job->launch_rc = 0;
                report_launch(m, job);
            }
        }
    }
    for (size_t j = 0; j < mirror_count(m->jobs); j++) {
        struct mirror_job *job = mirror_at(m->jobs, j);

        if (!job->batch || !job->alloc->batch_host || strcmp(job->alloc->batch_host, name) != 0 ||
            listed(steps, job->job_id) || (job->state & MIRROR_STATE_COMPLETING) ||
            (job->state & MIRROR_STATE_BASE) != MIRROR_STATE_RUNNING)
            continue;
        if (job->inherited) {
            if (job->claimed_elsewhere && now < job->take_over_after)
                continue; /* the holder's launch may still be on its way */
            /* Its batch host does not run it: nobody launched it.  The
             * claim (if another instance holds it) is taken over. */
            job->inherited = false;
            job->take_over = job->claimed_elsewhere;
            job->claimed_elsewhere = false;
            continue;
        }
        if (job->launched && (double)(now - job->start_time) > startup &&
            (double)(now - job->last_seen) > startup) {
            flurm_info("Batch JobId=%u missing from batch node %s (not found BatchStartTime "
                       "after startup)",
                       job->job_id, name);
            send_node_fail(m, name, job->job_id);
            job->last_seen = now; /* one report per startup window */
        }
    }
    jobs_apply(m);
}

/* ---- job.signal ---- */

static void signal_sent(int errnum, enum flurm_msg_type type, const void *body, void *arg)
{
    struct job_send *s = arg;
    struct signal_wait *w = s->wait;
    struct nodemgr *m = s->m;
    int rc = reply_rc(errnum, type, body);

    if (rc && !w->rc) {
        w->rc = rc;
        snprintf(w->text, sizeof(w->text), "signal to %s: %s", s->node,
                 errnum ? strerror(errnum) : "refused by slurmd");
    }
    free(s);
    if (--w->pending)
        return;
    if (!(errnum == ECANCELED && m->stopping)) {
        struct flurm_request *req = flurm_service_deferred(m->svc, w->ticket);

        if (w->rc)
            flurm_request_reply_error(req, w->rc, "%s", w->text);
        else
            flurm_request_reply(req, json_pack("{s:i}", "rc", 0));
    }
    free(w);
}

static int push_host(const char *host, void *arg)
{
    json_array_append_new(arg, json_string(host));
    return 0;
}

/* A step killed by scancel: its srun hears SRUN_JOB_COMPLETE for the step
 * (slurmctld's srun_step_complete), because a step still launching has no
 * slurmstepd to take REQUEST_SIGNAL_TASKS yet; srun, told, kills the step
 * itself once its tasks start.  `sig` (borrowed) names srun_host (a node
 * name is sent to that node's address), srun_port and user_id. */
static void tell_step_complete(struct nodemgr *m, uint32_t job_id, uint32_t step_id,
                               const json_t *sig)
{
    const char *host = json_string_value(json_object_get(sig, "srun_host"));
    json_int_t port = json_integer_value(json_object_get(sig, "srun_port"));
    json_int_t uid = json_integer_value(json_object_get(sig, "user_id"));
    struct flurm_step_id id = {job_id, step_id, FLURM_NO_VAL};
    ssize_t node;

    if (!host || !*host || port <= 0 || port > UINT16_MAX || uid < 0 || uid >= FLURM_NO_VAL)
        return;
    if ((node = nodes_find(m->nodes, host)) >= 0 && nodes_addr(m->nodes, (size_t)node))
        host = nodes_addr(m->nodes, (size_t)node);
    if (push_to_client(m, job_id, host, (uint16_t)port, (uint32_t)uid, FLURM_SRUN_JOB_COMPLETE,
                       &id, false) < 0)
        flurm_info("job %u: SRUN_JOB_COMPLETE for step %u to %s:%lld: %s", job_id, step_id, host,
                   (long long)port, strerror(errno));
}

static void handle_job_signal(struct flurm_request *req, void *arg)
{
    struct nodemgr *m = arg;
    json_t *body = flurm_request_body(req), *hosts = json_array();
    json_int_t job_id = json_integer_value(json_object_get(body, "job_id"));
    json_int_t sig = json_integer_value(json_object_get(body, "signal"));
    json_int_t flags = json_integer_value(json_object_get(body, "flags"));
    const char *nodes = json_string_value(json_object_get(body, "nodes"));
    const char *batch_host = json_string_value(json_object_get(body, "batch_host"));
    const json_t *step = json_object_get(body, "step_id");
    /* A step of the job (scancel J.S), else the job as a whole. */
    bool one_step = json_is_integer(step) && json_integer_value(step) >= 0 &&
                    json_integer_value(step) < (json_int_t)FLURM_NO_VAL;
    struct flurm_hostlist *hl = NULL;
    struct flurm_signal_tasks msg;
    struct signal_wait *w = NULL;
    size_t k;
    const json_t *h;

    if (job_id <= 0 || sig <= 0 || !hosts) {
        flurm_request_reply_error(req, EINVAL, "job.signal needs job_id and signal");
        goto out;
    }
    if (!one_step && (flags & LAUNCH_KILL_JOB_BATCH)) {
        if (!batch_host) {
            flurm_request_reply_error(req, 2076 /* ESLURM_JOB_SCRIPT_MISSING */,
                                      "Job script not available");
            goto out;
        }
        json_array_append_new(hosts, json_string(batch_host));
    } else if (!nodes || !(hl = flurm_hostlist_parse(nodes, NULL, 0)) ||
               flurm_hostlist_foreach(hl, push_host, hosts) < 0) {
        flurm_request_reply_error(req, EINVAL, "job.signal: bad nodes");
        goto out;
    }
    if (one_step && sig == SIGKILL)
        tell_step_complete(m, (uint32_t)job_id, (uint32_t)json_integer_value(step), body);
    if (one_step)
        launch_step_signal_fill(&msg, (uint32_t)job_id, (uint32_t)json_integer_value(step),
                                (uint16_t)sig);
    else
        launch_signal_fill(&msg, (uint32_t)job_id, (uint16_t)sig, (uint16_t)flags,
                           m->max_step_cnt);
    if (!(w = calloc(1, sizeof(*w)))) {
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        goto out;
    }
    w->m = m;
    json_array_foreach(hosts, k, h)
    {
        if (job_send_to(m, json_string_value(h), FLURM_REQUEST_SIGNAL_TASKS, &msg,
                        (uint32_t)job_id, signal_sent, w) < 0) {
            if (!w->rc) {
                w->rc = errno;
                snprintf(w->text, sizeof(w->text), "signal to %s: %s", json_string_value(h),
                         strerror(errno));
            }
            continue;
        }
        w->pending++;
    }
    if (!w->pending) {
        if (w->rc)
            flurm_request_reply_error(req, w->rc, "%s", w->text);
        else
            flurm_request_reply(req, json_pack("{s:i}", "rc", 0));
        free(w);
        goto out;
    }
    w->ticket = flurm_request_defer(req);
out:
    flurm_hostlist_destroy(hl);
    json_decref(hosts);
}

/* ---- step.create ------------------------------------------------------------------- */

/* slurm_errno.h: what slurmctld answers when it cannot make a step's
 * credential (_make_step_cred). */
#define ESLURM_INVALID_JOB_CREDENTIAL 2026

/* A step.create waiting for the store. */
struct step_wait {
    struct nodemgr *m;
    uint64_t ticket;
    uint16_t proto;
};

/* The protocol version of the client's request; the records are built in
 * its layout (slurmctld answers at the request's version). */
static uint16_t request_proto(const json_t *body)
{
    json_int_t v = json_integer_value(json_object_get(body, "proto"));

    if (v == FLURM_PROTO_21_08 || v == FLURM_PROTO_22_05 || v == FLURM_PROTO_23_02 ||
        v == FLURM_PROTO_23_11)
        return (uint16_t)v;
    return FLURM_PROTO_22_05;
}

/* The store recorded the step (or refused it): answer with the signed
 * credential and the layout, or pass the store's error on. */
static void step_created(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct step_wait *w = arg;
    struct nodemgr *m = w->m;
    struct flurm_request *req;
    struct flurm_step_create_resp *r = NULL;
    struct launch_user user = {0};
    const json_t *created, *job;
    json_t *msg;
    char err[200] = "";

    if (errnum == ECANCELED && m->stopping) {
        free(w);
        return;
    }
    req = flurm_service_deferred(m->svc, w->ticket);
    if (errnum) {
        flurm_request_reply_error(req, errnum, "step.create: no answer from the job store: %s",
                                  strerror(errnum));
        goto out;
    }
    if (!flurm_msg_ok(reply)) {
        const char *user_text = flurm_client_user_text(reply);

        if (user_text)
            flurm_request_reply_user_error(req, flurm_msg_error_code(reply), "%s", user_text);
        else
            flurm_request_reply_error(req, flurm_msg_error_code(reply), "%s",
                                      flurm_msg_error_text(reply));
        goto out;
    }
    created = flurm_msg_body(reply);
    job = json_object_get(created, "job");
    if (launch_user_lookup((uint32_t)json_integer_value(json_object_get(job, "user_id")),
                           (uint32_t)json_integer_value(json_object_get(job, "group_id")),
                           &user) < 0) {
        snprintf(err, sizeof(err), "user %lld: %s",
                 (long long)json_integer_value(json_object_get(job, "user_id")),
                 errno == ENOENT ? "no passwd entry" : strerror(errno));
        goto refused;
    }
    if (!(r = step_resp_create(created, &user, &m->site, w->proto,
                               (time_t)flurm_loop_now(m->loop), err, sizeof(err))))
        goto refused;
    if (step_resp_sign(r, m->signer) < 0) {
        snprintf(err, sizeof(err), "munge: %s", step_signer_error(m->signer));
        goto refused;
    }
    if (!(msg = step_resp_json(r))) {
        flurm_request_reply_error(req, ENOMEM, "step.create: out of memory");
        goto out;
    }
    flurm_info("step %u.%u created on %s", r->cred.body.step_id.job_id, r->job_step_id,
               r->step_layout->node_list);
    flurm_request_reply(req, json_pack("{s:o}", "msg", msg));
    goto out;
refused:
    {
        char *text = json_dumps(flurm_msg_body(reply), JSON_COMPACT);

        flurm_err("step.create: cannot make the step credential: %s (the store said %.300s)",
                  err, text ? text : "?");
        free(text);
    }
    flurm_request_reply_error(req, ESLURM_INVALID_JOB_CREDENTIAL, "Invalid job credential (%s)",
                              err);
out:
    step_resp_destroy(r);
    launch_user_clear(&user);
    free(w);
}

/* REQUEST_JOB_STEP_CREATE: the store records the step (same body, a
 * req_id derived from the gateway's, so a re-sent request is the same
 * step), we make its credential. */
static void handle_step_create(struct flurm_request *req, void *arg)
{
    struct nodemgr *m = arg;
    json_t *body = flurm_request_body(req);
    const char *req_id = flurm_request_req_id(req);
    char store_req_id[256];
    struct step_wait *w;

    if (!json_is_object(json_object_get(body, "msg"))) {
        flurm_request_reply_error(req, EINVAL, "step.create without msg");
        return;
    }
    if (!(w = calloc(1, sizeof(*w)))) {
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    w->m = m;
    w->proto = request_proto(body);
    /* The gateway's req_id, in a namespace of its own: the gateway numbers
     * its requests per service, so the same id also names one of its
     * requests to the store. */
    if (req_id)
        snprintf(store_req_id, sizeof(store_req_id), "nodes:%s", req_id);
    if (flurm_client_request_full(m->store, "step.create", req_id ? store_req_id : NULL,
                                  flurm_request_trace(req), body, m->store_timeout, step_created,
                                  w) < 0) {
        flurm_request_reply_error(req, errno, "step.create: cannot ask the job store: %s",
                                  strerror(errno));
        free(w);
        return;
    }
    w->ticket = flurm_request_defer(req);
}

/* ---- node.register ------------------------------------------------------------------ */

static void handle_node_register(struct flurm_request *req, void *arg)
{
    struct nodemgr *m = arg;
    json_t *body = flurm_request_body(req), *msg = json_object_get(body, "msg"), *resp;
    const char *name = json_string_value(json_object_get(msg, "node_name"));
    json_int_t flags = json_integer_value(json_object_get(msg, "flags"));
    uint32_t before = 0;
    ssize_t i;
    uid_t uid;
    int rc;

    if (request_uid(body, &uid) < 0) {
        flurm_request_reply_error(req, EINVAL, "node.register without auth.uid");
        return;
    }
    if (name && (i = nodes_find(m->nodes, name)) >= 0)
        before = nodes_state(m->nodes, (size_t)i);
    rc = nodes_register(m->nodes, uid, msg, request_time(m, body), &i);
    if (rc < 0) {
        flurm_request_reply_error(req, errno, "node.register: %s", strerror(errno));
        return;
    }
    if (i >= 0 && nodes_state(m->nodes, (size_t)i) != before)
        publish_changed(m, (size_t)i);
    if (rc == 0 && i >= 0)
        jobs_registered(m, (size_t)i, json_object_get(msg, "steps"));
    if (rc) {
        /* slurmctld says "got it" anyway, so that slurmd does not keep
         * registering. */
        flurm_err("_slurm_rpc_node_registration node=%s: %s", name ? name : "(null)",
                  register_text(rc));
        flurm_request_reply(req, json_pack("{s:i}", "rc", 0));
        return;
    }
    if (!(flags & FLURM_SLURMD_REG_FLAG_RESP)) {
        flurm_request_reply(req, json_pack("{s:i}", "rc", 0));
        return;
    }
    if (!(resp = nodes_reg_resp(m->nodes))) {
        flurm_request_reply_error(req, ENOMEM, "node.register: out of memory");
        return;
    }
    flurm_request_reply(req, json_pack("{s:o}", "msg", resp));
}

const struct flurm_handler nodemgr_handlers[] = {
    {"node.info", handle_node_info},
    {"node.info_single", handle_node_info_single},
    {"partition.info", handle_partition_info},
    {"node.update", handle_node_update},
    {"node.register", handle_node_register},
    {"job.signal", handle_job_signal},
    {"job.revoke", handle_job_revoke},
    {"step.create", handle_step_create},
    {NULL, NULL},
};

/* ---- pings ------------------------------------------------------------------------- */

static const char *contact_name(enum nodes_contact how)
{
    return how == NODES_CONTACT_PING ? "ping" : "registration request";
}

/* A round's request to one slurmd ended: its answer is the node's sign of
 * life (slurmctld's node_did_resp / node_not_resp). */
static void contact_done(int errnum, enum flurm_msg_type type, const void *body, void *arg)
{
    struct ask *a = arg;
    struct nodemgr *m = a->m;
    size_t i = a->node;
    enum nodes_contact how = a->how;
    time_t sent = a->sent, now;
    uint32_t before, cpu_load = FLURM_NO_VAL;
    uint64_t free_mem = FLURM_NO_VAL64;
    bool slurmd_replied = false;

    free(a);
    if (m->stopping)
        return;
    m->asking[i] = false;
    m->round_pending--;
    now = (time_t)flurm_loop_now(m->loop);
    before = nodes_state(m->nodes, i);
    if (!errnum && type == FLURM_RESPONSE_SLURM_RC &&
        ((const struct flurm_rc_msg *)body)->return_code) {
        flurm_warn("node %s refused the %s: error %d", nodes_name(m->nodes, i), contact_name(how),
                   ((const struct flurm_rc_msg *)body)->return_code);
        errnum = EPROTO;
        slurmd_replied = true;
    }
    if (!errnum) {
        if (type == FLURM_RESPONSE_PING_SLURMD) {
            cpu_load = ((const struct flurm_ping_slurmd_resp *)body)->cpu_load;
            free_mem = ((const struct flurm_ping_slurmd_resp *)body)->free_mem;
        }
        nodes_ping_answered(m->nodes, i, cpu_load, free_mem, now);
    } else {
        flurm_debug("node %s: no answer to the %s (%s)", nodes_name(m->nodes, i),
                    contact_name(how), strerror(errnum));
        nodes_ping_failed(m->nodes, i, sent, slurmd_replied, now);
    }
    if (nodes_state(m->nodes, i) != before)
        publish_changed(m, i);
    /* slurmctld's is_ping_done: the round that came due meanwhile runs
     * now that the last one has ended. */
    if (m->round_pending == 0 && m->round_due)
        ping_soon(m);
}

/* Send node i's slurmd what the round asked for: REQUEST_PING (it answers
 * with its load) or REQUEST_NODE_REGISTRATION_STATUS (it answers at once,
 * then registers on a new connection). */
static void contact_node(size_t i, enum nodes_contact how, void *arg)
{
    struct nodemgr *m = arg;
    struct ask *a;
    time_t now = (time_t)flurm_loop_now(m->loop);
    enum flurm_msg_type type = how == NODES_CONTACT_PING ? FLURM_REQUEST_PING
                                                         : FLURM_REQUEST_NODE_REGISTRATION_STATUS;

    if (m->asking[i])
        return; /* the last request is still out */
    if (!(a = calloc(1, sizeof(*a)))) {
        flurm_err("node %s: cannot send a %s: out of memory", nodes_name(m->nodes, i),
                  contact_name(how));
        return;
    }
    a->m = m;
    a->node = i;
    a->how = how;
    a->sent = now;
    if (slurmd_client_send(m->slurmd, nodes_addr(m->nodes, i), nodes_port(m->nodes, i), type, NULL,
                           contact_done, a) < 0) {
        flurm_debug("node %s: cannot reach slurmd at %s:%u: %s", nodes_name(m->nodes, i),
                    nodes_addr(m->nodes, i), nodes_port(m->nodes, i), strerror(errno));
        free(a);
        nodes_ping_failed(m->nodes, i, now, false, now);
        return;
    }
    m->asking[i] = true;
    m->round_pending++;
    if (how == NODES_CONTACT_REGISTER)
        m->round_registrations++;
}

static void ping_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct nodemgr *m = w->data;
    size_t count = nodes_count(m->nodes), asked;

    (void)ev;
    (void)revents;
    if (m->round_pending) {
        /* The previous round still waits for answers (at most
         * MessageTimeout); the next starts when it ends, as slurmctld
         * waits for its ping agents. */
        m->round_due = true;
        return;
    }
    m->round_due = false;
    for (size_t i = 0; i < count; i++)
        m->state_before[i] = nodes_state(m->nodes, i);
    m->round_registrations = 0;
    nodes_ping_round(m->nodes, (time_t)flurm_loop_now(m->loop), contact_node, m);
    asked = m->round_registrations;
    if (asked)
        flurm_info("asked %zu node%s to register", asked, asked == 1 ? "" : "s");
    if (m->round_pending > asked)
        flurm_debug("pinged %zu node%s", m->round_pending - asked,
                    m->round_pending - asked == 1 ? "" : "s");
    for (size_t i = 0; i < count; i++)
        if (nodes_state(m->nodes, i) != m->state_before[i])
            publish_changed(m, i);
    ev_timer_set(w, nodes_ping_interval(m->nodes), 0.0);
    ev_timer_start(flurm_loop_ev(m->loop), w);
}

/* slurmctld's ping_nodes_now: an admin made nodes wait for their slurmd
 * (RESUME, UNDRAIN), so the round that asks them runs at once. */
static void ping_soon(struct nodemgr *m)
{
    if (!m->svc || m->stopping || flurm_service_draining(m->svc))
        return;
    ev_timer_stop(flurm_loop_ev(m->loop), &m->ping_timer);
    ev_timer_set(&m->ping_timer, 0.0, 0.0);
    ev_timer_start(flurm_loop_ev(m->loop), &m->ping_timer);
}

/* ---- lifecycle ---------------------------------------------------------------------- */

static void drain_cb(struct flurm_service *svc, void *arg)
{
    struct nodemgr *m = arg;

    ev_timer_stop(flurm_loop_ev(m->loop), &m->ping_timer);
    ev_timer_stop(flurm_loop_ev(m->loop), &m->retry_timer);
    ev_timer_stop(flurm_loop_ev(m->loop), &m->jobs_timer);
    /* One last attempt at what is not saved yet; the drain waits for it. */
    flush_all(m);
    if ((m->inflight_count || launch_in_progress(m)) && !m->holding) {
        m->holding = true;
        flurm_service_hold(svc);
    }
}

struct nodemgr *nodemgr_create(struct flurm_loop *loop, struct nodes *nodes,
                               struct slurmd_client *slurmd, const char *rundir,
                               double store_timeout)
{
    struct nodemgr *m = NULL;
    char *url = NULL;
    size_t count;

    if (!loop || !nodes || !slurmd || !rundir) {
        errno = EINVAL;
        goto error;
    }
    count = nodes_count(nodes);
    if (!(m = calloc(1, sizeof(*m))))
        goto error;
    m->loop = loop;
    m->nodes = nodes;
    m->slurmd = slurmd;
    m->store_timeout = store_timeout;
    if (!(m->version = calloc(count, sizeof(*m->version))) ||
        !(m->persisted = calloc(count, sizeof(*m->persisted))) ||
        !(m->inflight = calloc(count, sizeof(*m->inflight))) ||
        !(m->state_before = calloc(count, sizeof(*m->state_before))) ||
        !(m->asking = calloc(count, sizeof(*m->asking))) ||
        !(m->was_down = calloc(count, sizeof(*m->was_down))) || !(m->jobs = mirror_create()) ||
        !(m->signer = step_signer_create(NULL, 0, 0)))
        goto error;
    for (size_t i = 0; i < count; i++)
        m->was_down[i] = (nodes_state(nodes, i) & NODES_STATE_BASE) == NODES_STATE_DOWN;
    m->site.select_plugin_id = FLURM_SELECT_PLUGIN_LINEAR;
    m->site.shape = node_shape;
    m->site.shape_arg = m;
    {
        struct timespec ts;

        /* an identity, not a time the logic uses: pid + start instant stay
         * unique across restarts that reuse a pid */
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(m->owner, sizeof(m->owner), "nodes.%ld.%lld", (long)getpid(),
                 (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    }
    m->max_step_cnt = 40000;
    m->batch_start_timeout = 10;
    m->msg_timeout = 10;
    if (!(url = flurm_ipc_link_url(rundir, "store", FLURM_IPC_REQ)) ||
        !(m->store = flurm_client_create(loop, url, "nodes")))
        goto error;
    free(url);
    url = NULL;
    if (!(url = flurm_ipc_link_url(rundir, "store", FLURM_IPC_EVENTS)) ||
        !(m->store_events =
              flurm_subscriber_create(loop, url, on_store_event, on_store_gap, m)) ||
        flurm_subscriber_subscribe(m->store_events, "job.") < 0)
        goto error;
    free(url);
    ev_timer_init(&m->jobs_timer, jobs_tick, JOBS_TICK_S, JOBS_TICK_S);
    m->jobs_timer.data = m;
    ev_timer_init(&m->ping_timer, ping_cb, 0.0, 0.0);
    m->ping_timer.data = m;
    ev_timer_init(&m->retry_timer, retry_cb, RETRY_S, 0.0);
    m->retry_timer.data = m;
    return m;
error:
    free(url);
    if (m) {
        nodemgr_destroy(m);
    } else {
        nodes_destroy(nodes);
        slurmd_client_destroy(slurmd);
    }
    return NULL;
}

void nodemgr_destroy(struct nodemgr *m)
{
    int saved = errno;

    if (!m)
        return;
    m->stopping = true;
    ev_timer_stop(flurm_loop_ev(m->loop), &m->ping_timer);
    ev_timer_stop(flurm_loop_ev(m->loop), &m->retry_timer);
    ev_timer_stop(flurm_loop_ev(m->loop), &m->jobs_timer);
    flurm_subscriber_destroy(m->store_events);
    slurmd_client_destroy(m->slurmd);
    flurm_client_destroy(m->store);
    mirror_destroy(m->jobs);
    free(m->was_down);
    free(m->default_partition);
    step_signer_destroy(m->signer);
    while (m->waiters) {
        struct waiter *w = m->waiters;

        m->waiters = w->next;
        waiter_free(w);
    }
    for (size_t k = 0; k < RECENT_UPDATES; k++)
        free(m->recent[k].req_id);
    nodes_destroy(m->nodes);
    free(m->version);
    free(m->persisted);
    free(m->inflight);
    free(m->state_before);
    free(m->asking);
    free(m);
    errno = saved;
}

static void restore_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct nodemgr *m = arg;
    json_t *list;
    size_t skipped = 0;
    int applied;

    if (errnum == ECANCELED && m->stopping)
        return; /* stopped before the store answered: nothing to say */
    m->restore = RESTORE_FAILED;
    if (errnum) {
        m->restore_errno = errnum;
        flurm_err("node.state_list: no answer from the store: %s", strerror(errnum));
    } else if (!flurm_msg_ok(reply) && flurm_msg_error_code(reply) == FLURM_MSG_EUNKNOWN) {
        store_unsupported(m);
        m->restore = RESTORE_DONE;
    } else if (!flurm_msg_ok(reply)) {
        m->restore_errno = EPROTO;
        flurm_err("node.state_list: the store answered %d (%s)", flurm_msg_error_code(reply),
                  flurm_msg_error_text(reply));
    } else if (!(list = json_object_get(flurm_msg_body(reply), "nodes")) ||
               (applied = nodes_restore(m->nodes, list, (time_t)flurm_loop_now(m->loop),
                                        &skipped)) < 0) {
        m->restore_errno = EPROTO;
        flurm_err("node.state_list: the reply holds no node list");
    } else {
        m->restore = RESTORE_DONE;
        flurm_info("restored the admin state of %d nodes from the store", applied);
        if (skipped)
            flurm_warn("ignored %zu stored node states (unknown or malformed nodes)", skipped);
    }
    flurm_loop_stop(m->loop);
}

int nodemgr_restore(struct nodemgr *m)
{
    m->restore = RESTORE_PENDING;
    m->restore_errno = 0;
    if (flurm_client_request(m->store, "node.state_list", NULL, m->store_timeout, restore_done,
                             m) < 0)
        return -1;
    /* The loop also stops when a SIGTERM drain ends before the answer. */
    flurm_loop_run(m->loop);
    if (m->restore == RESTORE_DONE)
        return 0;
    errno = m->restore == RESTORE_PENDING ? ECANCELED : m->restore_errno;
    return -1;
}

void nodemgr_attach(struct nodemgr *m, struct flurm_service *svc, double first_ping)
{
    m->svc = svc;
    flurm_service_set_drain_cb(svc, drain_cb, m);
    ev_timer_set(&m->ping_timer, first_ping, 0.0);
    ev_timer_start(flurm_loop_ev(m->loop), &m->ping_timer);
    ev_timer_start(flurm_loop_ev(m->loop), &m->jobs_timer);
    allocs_read(m);
}

int nodemgr_set_jobs_conf(struct nodemgr *m, const struct nodemgr_jobs_conf *conf)
{
    char *partition = NULL;
    struct step_signer *signer;

    if (!(signer = step_signer_create(conf->auth_socket, conf->auth_ttl, conf->slurmd_uid)))
        return -1;
    step_signer_destroy(m->signer);
    m->signer = signer;
    if (conf->default_partition && !(partition = strdup(conf->default_partition)))
        return -1;
    free(m->default_partition);
    m->default_partition = partition;
    m->site.default_partition = partition;
    if (conf->select_plugin_id)
        m->site.select_plugin_id = conf->select_plugin_id;
    if (conf->max_step_cnt)
        m->max_step_cnt = conf->max_step_cnt;
    m->batch_start_timeout = conf->batch_start_timeout;
    m->msg_timeout = conf->msg_timeout;
    return 0;
}

/* ---- flurm-sup inspect ---- */

static json_t *inspect_nodes(const struct nodemgr *m)
{
    json_t *list = json_array();
    char state[128];

    for (size_t i = 0; list && i < nodes_count(m->nodes); i++) {
        json_t *row = json_pack("{s:s, s:s, s:s?, s:s?, s:i, s:i, s:I}", "name",
                                nodes_name(m->nodes, i), "state",
                                nodes_state_text(nodes_state(m->nodes, i), state, sizeof(state)),
                                "reason", nodes_reason(m->nodes, i), "addr",
                                nodes_addr(m->nodes, i), "port", nodes_port(m->nodes, i), "cpus",
                                nodes_cpus(m->nodes, i), "last_response",
                                (json_int_t)nodes_last_response(m->nodes, i));

        if (!row || json_array_append_new(list, row) < 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return list;
}

static json_t *inspect_jobs(struct nodemgr *m)
{
    static const char *const phases[] = {"none", "busy", "reporting", "done"};
    json_t *list = json_array();

    for (size_t i = 0; list && m->jobs && i < mirror_count(m->jobs); i++) {
        const struct mirror_job *j = mirror_at(m->jobs, i);
        json_t *row = json_pack("{s:I, s:I, s:I, s:b, s:b, s:s, s:I, s:s?, s:s?, s:I}", "job_id",
                                (json_int_t)j->job_id, "user_id", (json_int_t)j->user_id,
                                "state", (json_int_t)j->state, "batch", j->batch, "launched",
                                j->launched, "launch", phases[j->launch], "start_time",
                                (json_int_t)j->start_time, "nodes",
                                j->alloc ? j->alloc->nodes : NULL, "batch_host",
                                j->alloc ? j->alloc->batch_host : NULL, "completing",
                                (json_int_t)j->ncompleting);

        if (!row || json_array_append_new(list, row) < 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return list ? json_pack("{s:b, s:o}", "loaded", m->jobs && mirror_loaded(m->jobs), "jobs",
                            list)
                : NULL;
}

json_t *nodemgr_inspect(struct nodemgr *m, const char *what)
{
    json_t *v;

    if (strcmp(what, "nodes") && strcmp(what, "jobs")) {
        errno = ENOENT;
        return NULL;
    }
    if (!(v = strcmp(what, "nodes") ? inspect_jobs(m) : inspect_nodes(m)))
        errno = ENOMEM;
    return v;
}
