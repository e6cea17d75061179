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
 */
#include "services/nodemgr/nodemgr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/client.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/msg.h"
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

struct nodemgr {
    struct flurm_loop *loop;
    struct flurm_service *svc;
    struct nodes *nodes;
    struct flurm_client *store;
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

static void publish_changed(struct nodemgr *m, size_t i)
{
    json_t *body;

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

static void check_drain_done(struct nodemgr *m)
{
    if (m->holding && m->inflight_count == 0) {
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

/* ---- node.register ------------------------------------------------------------------ */

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
    /* One last attempt at what is not saved yet; the drain waits for it. */
    flush_all(m);
    if (m->inflight_count && !m->holding) {
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
        !(m->asking = calloc(count, sizeof(*m->asking))))
        goto error;
    if (!(url = flurm_ipc_link_url(rundir, "store", FLURM_IPC_REQ)) ||
        !(m->store = flurm_client_create(loop, url, "nodes")))
        goto error;
    free(url);
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
    slurmd_client_destroy(m->slurmd);
    flurm_client_destroy(m->store);
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
}
