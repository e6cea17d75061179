/*
 * server.c - REP socket with one context per open request (see server.h).
 *
 * Each request object owns one NNG context and one aio for its whole life:
 * first it receives, then it holds the request while the owner works, then
 * it sends the reply.  NNG completes the aio on one of its threads; the
 * callback only records the result and posts the object to the loop, where
 * every state change happens.  Nothing here is touched by two threads at
 * once except through that hand-off.
 *
 * Several receives stay armed so that NNG keeps taking requests off the
 * wire while the loop is busy (a store's commit, say).  The loop runs what
 * was posted before it woke as one batch (loop.c), so those requests reach
 * the owner in one iteration; an ev_prepare watcher then tells the owner
 * that the burst is over, before the loop waits again.
 */
#include "common/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "common/ipc.h"
#include "common/log.h"

/* How long to wait before trying again to arm a receive that failed to
 * set up (out of memory): the server must not go deaf for good. */
#define REARM_RETRY_S 0.1

enum req_state {
    REQ_RECEIVING,
    REQ_HELD,
    REQ_SENDING,
};

struct flurm_server_req {
    struct flurm_server *srv;
    nng_ctx ctx;
    int ctx_open;
    nng_aio *aio;
    nng_msg *msg;
    enum req_state state;
    int result; /* written on the NNG thread before the post */
    struct flurm_loop_work work;
    struct flurm_server_req *prev;
    struct flurm_server_req *next;
};

struct flurm_server {
    struct flurm_loop *loop;
    nng_socket sock;
    int sock_open;
    flurm_server_request_fn on_request;
    void *arg;
    flurm_server_idle_fn on_idle;
    void *idle_arg;
    flurm_server_burst_fn on_burst;
    void *burst_arg;
    size_t receivers;              /* how many receives to keep armed */
    size_t receiving;              /* how many are armed now */
    struct flurm_server_req *reqs; /* every live request object */
    size_t outstanding;
    struct flurm_ipc_bound bound;
    int listening;
    int stopped;
    ev_timer rearm_timer;
    ev_prepare burst_end;
};

static void req_completed(void *arg);

static void req_aio_cb(void *arg)
{
    struct flurm_server_req *req = arg;

    req->result = nng_aio_result(req->aio);
    flurm_loop_post(req->srv->loop, &req->work);
}

static void req_unlink(struct flurm_server_req *req)
{
    struct flurm_server *srv = req->srv;

    if (req->prev)
        req->prev->next = req->next;
    else if (srv->reqs == req)
        srv->reqs = req->next;
    if (req->next)
        req->next->prev = req->prev;
    req->prev = req->next = NULL;
}

/* Free a request object whose aio is idle (completed or never started). */
static void req_free(struct flurm_server_req *req)
{
    if (!req)
        return;
    req_unlink(req);
    if (req->aio) {
        /* Stop first: the callback may still be posting this object. */
        nng_aio_stop(req->aio);
        nng_msg_free(nng_aio_get_msg(req->aio));
        nng_aio_set_msg(req->aio, NULL);
        nng_aio_free(req->aio);
    }
    flurm_loop_cancel(req->srv->loop, &req->work);
    if (req->ctx_open)
        (void)nng_ctx_close(req->ctx);
    nng_msg_free(req->msg);
    free(req);
}

static struct flurm_server_req *req_create(struct flurm_server *srv)
{
    struct flurm_server_req *req;
    int rv;

    if (!(req = calloc(1, sizeof(*req))))
        return NULL;
    req->srv = srv;
    flurm_loop_work_init(&req->work, req_completed, req);
    req->next = srv->reqs;
    if (srv->reqs)
        srv->reqs->prev = req;
    srv->reqs = req;
    if ((rv = nng_aio_alloc(&req->aio, req_aio_cb, req)) != 0)
        goto error;
    if ((rv = nng_ctx_open(&req->ctx, srv->sock)) != 0)
        goto error;
    req->ctx_open = 1;
    return req;
error:
    req_free(req);
    errno = flurm_ipc_errno(rv);
    return NULL;
}

/* A request left the owner's hands; maybe tell the owner we are idle. */
static void outstanding_done(struct flurm_server *srv)
{
    if (--srv->outstanding == 0 && srv->on_idle)
        srv->on_idle(srv->idle_arg);
}

/* Top the armed receives up to srv->receivers. */
static void arm_receives(struct flurm_server *srv)
{
    struct flurm_server_req *req;

    while (srv->listening && !srv->stopped && srv->sock_open &&
           srv->receiving < srv->receivers) {
        if (!(req = req_create(srv))) {
            flurm_err("cannot arm a request receiver (%s); retrying", strerror(errno));
            ev_timer_again(flurm_loop_ev(srv->loop), &srv->rearm_timer);
            return;
        }
        req->state = REQ_RECEIVING;
        srv->receiving++;
        nng_ctx_recv(req->ctx, req->aio);
    }
}

static void rearm_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)revents;
    ev_timer_stop(ev, w);
    arm_receives(w->data);
}

static void burst_end_cb(struct ev_loop *ev, ev_prepare *w, int revents)
{
    struct flurm_server *srv = w->data;

    (void)revents;
    ev_prepare_stop(ev, w);
    if (srv->on_burst)
        srv->on_burst(srv->burst_arg);
}

static void received(struct flurm_server *srv, struct flurm_server_req *req)
{
    srv->receiving--;
    if (req->result != 0) {
        /* Cancelled by stop_receiving or closed: expected.  Anything else is
         * transient (NNG retries its pipes), so keep receiving. */
        if (req->result != NNG_ECANCELED && req->result != NNG_ECLOSED)
            flurm_warn("receiving a request failed: %s", nng_strerror(req->result));
        req_free(req);
        arm_receives(srv);
        return;
    }
    req->msg = nng_aio_get_msg(req->aio);
    nng_aio_set_msg(req->aio, NULL);
    req->state = REQ_HELD;
    srv->outstanding++;
    /* Arm the next receive before handing this one over, so that a slow
     * owner never delays taking the next request off the wire. */
    arm_receives(srv);
    if (srv->on_burst)
        ev_prepare_start(flurm_loop_ev(srv->loop), &srv->burst_end);
    srv->on_request(req, srv->arg);
}

static void sent(struct flurm_server *srv, struct flurm_server_req *req)
{
    /* A failed send means the requester's pipe is gone; its client re-sends
     * to whoever serves next, so there is nothing to do but let go. */
    if (req->result != 0)
        flurm_debug("reply not sent: %s", nng_strerror(req->result));
    req_free(req);
    outstanding_done(srv);
}

static void req_completed(void *arg)
{
    struct flurm_server_req *req = arg;

    if (req->state == REQ_RECEIVING)
        received(req->srv, req);
    else if (req->state == REQ_SENDING)
        sent(req->srv, req);
}

struct flurm_server *flurm_server_create(struct flurm_loop *loop, flurm_server_request_fn on_request,
                                         void *arg)
{
    struct flurm_server *srv = NULL;
    int rv;

    if (!loop || !on_request) {
        errno = EINVAL;
        goto error;
    }
    if (!(srv = calloc(1, sizeof(*srv))))
        goto error;
    srv->loop = loop;
    srv->on_request = on_request;
    srv->arg = arg;
    ev_init(&srv->rearm_timer, rearm_cb);
    srv->rearm_timer.repeat = REARM_RETRY_S;
    srv->rearm_timer.data = srv;
    ev_prepare_init(&srv->burst_end, burst_end_cb);
    srv->burst_end.data = srv;
    srv->receivers = FLURM_SERVER_RECEIVERS;
    if ((rv = nng_rep0_open(&srv->sock)) != 0) {
        errno = flurm_ipc_errno(rv);
        goto error;
    }
    srv->sock_open = 1;
    if ((rv = nng_socket_set_size(srv->sock, NNG_OPT_RECVMAXSZ, FLURM_IPC_MSG_MAX)) != 0) {
        errno = flurm_ipc_errno(rv);
        goto error;
    }
    return srv;
error:
    if (srv) {
        int saved = errno;
        flurm_server_destroy(srv);
        errno = saved;
    }
    return NULL;
}

void flurm_server_set_idle_cb(struct flurm_server *srv, flurm_server_idle_fn on_idle, void *arg)
{
    srv->on_idle = on_idle;
    srv->idle_arg = arg;
}

void flurm_server_set_burst_cb(struct flurm_server *srv, flurm_server_burst_fn on_burst,
                               void *arg)
{
    srv->on_burst = on_burst;
    srv->burst_arg = arg;
    if (!on_burst)
        ev_prepare_stop(flurm_loop_ev(srv->loop), &srv->burst_end);
}

int flurm_server_set_receivers(struct flurm_server *srv, size_t n)
{
    if (n == 0) {
        errno = EINVAL;
        return -1;
    }
    srv->receivers = n;
    arm_receives(srv);
    return 0;
}

int flurm_server_listen(struct flurm_server *srv, const char *url)
{
    if (flurm_ipc_bind(&srv->bound, srv->sock, url) < 0)
        return -1;
    srv->listening = 1;
    arm_receives(srv);
    return 0;
}

int flurm_server_relisten(struct flurm_server *srv)
{
    if (!srv->listening || !srv->sock_open) {
        errno = EINVAL;
        return -1;
    }
    return flurm_ipc_rebind(&srv->bound, srv->sock);
}

void flurm_server_stop_receiving(struct flurm_server *srv)
{
    srv->stopped = 1;
    ev_timer_stop(flurm_loop_ev(srv->loop), &srv->rearm_timer);
    /* A receive that already completed is not cancelled: its request is
     * still delivered (and must be answered). */
    for (struct flurm_server_req *req = srv->reqs; req; req = req->next) {
        if (req->state == REQ_RECEIVING)
            nng_aio_cancel(req->aio);
    }
}

size_t flurm_server_outstanding(const struct flurm_server *srv)
{
    return srv->outstanding;
}

const void *flurm_server_req_data(const struct flurm_server_req *req, size_t *len)
{
    *len = nng_msg_len(req->msg);
    return nng_msg_body(req->msg);
}

int flurm_server_reply(struct flurm_server_req *req, const void *buf, size_t len)
{
    nng_msg *reply;

    int saved_errno;

    if (!(reply = flurm_ipc_msg_create(buf, len))) {
        saved_errno = errno;
        flurm_server_drop(req);
        errno = saved_errno;
        return -1;
    }
    nng_msg_free(req->msg);
    req->msg = NULL;
    req->state = REQ_SENDING;
    nng_aio_set_msg(req->aio, reply);
    nng_ctx_send(req->ctx, req->aio);
    return 0;
}

void flurm_server_drop(struct flurm_server_req *req)
{
    struct flurm_server *srv;

    if (!req)
        return;
    srv = req->srv;
    req_free(req);
    outstanding_done(srv);
}

void flurm_server_destroy(struct flurm_server *srv)
{
    if (!srv)
        return;
    srv->stopped = 1;
    ev_timer_stop(flurm_loop_ev(srv->loop), &srv->rearm_timer);
    ev_prepare_stop(flurm_loop_ev(srv->loop), &srv->burst_end);
    if (srv->sock_open) {
        /* Completes every pending aio with NNG_ECLOSED; req_free() below
         * waits for those callbacks and withdraws their posted work. */
        (void)nng_close(srv->sock);
        srv->sock_open = 0;
    }
    srv->receiving = 0;
    while (srv->reqs) {
        struct flurm_server_req *req = srv->reqs;
        req->ctx_open = 0;
        req_free(req);
    }
    flurm_ipc_bound_clear(&srv->bound);
    free(srv);
}
