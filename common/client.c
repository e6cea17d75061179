/*
 * client.c - REQ socket with one context per request (see client.h).
 *
 * A call's aio goes send -> receive.  The NNG-thread callback chains the
 * receive right after a successful send (so a quick reply is never left
 * waiting for a loop iteration) and posts everything else to the loop,
 * where the outcome is decided: deliver, re-send after ECONNRESET, or fail.
 */
#include "common/client.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>

#include "common/dialer.h"
#include "common/ipc.h"
#include "common/log.h"

enum call_phase {
    CALL_SENDING,
    CALL_RECEIVING,
};

struct call {
    struct flurm_client *client;
    nng_ctx ctx;
    int ctx_open;
    nng_aio *aio;
    char *buf; /* the encoded request, kept for re-sends */
    size_t len;
    nng_time deadline; /* nng_clock() ms; 0 = none */
    enum call_phase phase;
    int result; /* written on the NNG thread before the post */
    char trace[FLURM_TRACE_MAX]; /* the request's: current again in cb */
    flurm_client_fn cb;
    void *arg;
    struct flurm_loop_work work;
    struct call *prev;
    struct call *next;
};

struct flurm_client {
    struct flurm_loop *loop;
    nng_socket sock;
    int sock_open;
    struct flurm_dialer *dialer;
    char *requester;
    unsigned long resends;
    size_t pending;
    int closing;
    struct call *calls;
};

/* The error reply being delivered whose text is for the end user, for
 * flurm_client_user_text().  Callbacks run on their loop's thread. */
static _Thread_local const struct flurm_msg *user_text_reply;

static void call_completed(void *arg);

/* Milliseconds left before the deadline, NNG_DURATION_INFINITE if none,
 * 0 if it has passed. */
static nng_duration remaining(const struct call *call)
{
    nng_time now;

    if (call->deadline == 0)
        return NNG_DURATION_INFINITE;
    now = nng_clock();
    return now >= call->deadline ? 0 : (nng_duration)(call->deadline - now);
}

static void call_aio_cb(void *arg)
{
    struct call *call = arg;
    int rv = nng_aio_result(call->aio);

    if (rv == 0 && call->phase == CALL_SENDING) {
        nng_duration left = remaining(call);
        if (left != 0) {
            call->phase = CALL_RECEIVING;
            nng_aio_set_timeout(call->aio, left);
            nng_ctx_recv(call->ctx, call->aio);
            return;
        }
        rv = NNG_ETIMEDOUT;
    }
    call->result = rv;
    flurm_loop_post(call->client->loop, &call->work);
}

static void call_free(struct call *call)
{
    struct flurm_client *client = call->client;

    if (call->prev)
        call->prev->next = call->next;
    else if (client->calls == call)
        client->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    if (call->aio) {
        nng_aio_stop(call->aio);
        nng_msg_free(nng_aio_get_msg(call->aio));
        nng_aio_set_msg(call->aio, NULL);
        nng_aio_free(call->aio);
    }
    flurm_loop_cancel(client->loop, &call->work);
    if (call->ctx_open)
        (void)nng_ctx_close(call->ctx);
    free(call->buf);
    free(call);
}

/* Hand the call's bytes to NNG (again).  -1 and errno if it cannot. */
static int call_send(struct call *call)
{
    nng_msg *msg;

    if (!(msg = flurm_ipc_msg_create(call->buf, call->len)))
        return -1;
    call->phase = CALL_SENDING;
    nng_aio_set_msg(call->aio, msg);
    nng_aio_set_timeout(call->aio, remaining(call));
    nng_ctx_send(call->ctx, call->aio);
    return 0;
}

/* Report the outcome to the caller and free the call. */
static void call_finish(struct call *call, const struct flurm_msg *reply, int errnum)
{
    struct flurm_client *client = call->client;
    flurm_client_fn cb = call->cb;
    void *arg = call->arg;
    char trace[FLURM_TRACE_MAX];
    char outer[FLURM_TRACE_MAX];

    /* The callback continues the work that sent the request: it runs in
     * that work's trace, so whatever it sends next joins the same trace. */
    memcpy(trace, call->trace, sizeof(trace));
    snprintf(outer, sizeof(outer), "%s", flurm_trace_current() ? flurm_trace_current() : "");
    client->pending--;
    call_free(call);
    flurm_trace_set(trace);
    cb(reply, errnum, arg);
    flurm_trace_set(outer);
}

/* Whether the failed reply in buf[0..len) marks its text "user": true.
 * msg.h exposes an error's code and text only, so the member is read from
 * the envelope here (errors are rare: the second parse costs nothing that
 * matters). */
static int error_is_for_user(const void *buf, size_t len)
{
    json_t *root = json_loadb(buf, len, 0, NULL);
    int user = json_is_true(json_object_get(json_object_get(root, "error"), "user"));

    json_decref(root);
    return user;
}

static void call_completed(void *arg)
{
    struct call *call = arg;
    struct flurm_client *client = call->client;
    struct flurm_msg *reply;
    struct flurm_msg_error err;
    nng_msg *msg;

    if (call->result == NNG_ECONNRESET && remaining(call) != 0) {
        /* The instance we asked went away before answering (a reload or a
         * crash).  The dialer is already reconnecting to the symlink; the
         * request waits in the socket's send queue until it lands. */
        nng_msg_free(nng_aio_get_msg(call->aio));
        nng_aio_set_msg(call->aio, NULL);
        client->resends++;
        flurm_debug("request lost its connection; re-sending");
        if (call_send(call) == 0)
            return;
        call_finish(call, NULL, errno);
        return;
    }
    if (call->result != 0) {
        int errnum = call->result == NNG_ECONNRESET ? ETIMEDOUT : flurm_ipc_errno(call->result);
        call_finish(call, NULL, errnum);
        return;
    }
    msg = nng_aio_get_msg(call->aio);
    reply = flurm_msg_decode(FLURM_MSG_REPLY, nng_msg_body(msg), nng_msg_len(msg), &err);
    if (!reply) {
        flurm_warn("undecodable reply: %s", err.text);
        call_finish(call, NULL, EPROTO);
        return;
    }
    if (!flurm_msg_ok(reply) && error_is_for_user(nng_msg_body(msg), nng_msg_len(msg)))
        user_text_reply = reply;
    call_finish(call, reply, 0);
    user_text_reply = NULL;
    flurm_msg_destroy(reply);
}

struct flurm_client *flurm_client_create(struct flurm_loop *loop, const char *url,
                                         const char *requester)
{
    struct flurm_client *client = NULL;
    int rv;

    if (!loop || !url || !requester) {
        errno = EINVAL;
        goto error;
    }
    if (!(client = calloc(1, sizeof(*client))))
        goto error;
    client->loop = loop;
    if (!(client->requester = strdup(requester)))
        goto error;
    if ((rv = nng_req0_open(&client->sock)) != 0)
        goto nng_error;
    client->sock_open = 1;
    /* Contexts copy the resend time when opened, so set it first.  Time
     * based resend would duplicate work on a slow but live server. */
    if ((rv = nng_socket_set_ms(client->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE)) != 0 ||
        (rv = nng_socket_set_ms(client->sock, NNG_OPT_RECONNMINT, FLURM_IPC_RECONNECT_MIN_MS)) != 0 ||
        (rv = nng_socket_set_ms(client->sock, NNG_OPT_RECONNMAXT, FLURM_IPC_RECONNECT_MAX_MS)) != 0 ||
        (rv = nng_socket_set_size(client->sock, NNG_OPT_RECVMAXSZ, FLURM_IPC_MSG_MAX)) != 0)
        goto nng_error;
    if (!(client->dialer = flurm_dialer_create(loop, client->sock, url)))
        goto error;
    return client;
nng_error:
    errno = flurm_ipc_errno(rv);
error:
    if (client) {
        int saved = errno;
        flurm_client_destroy(client);
        errno = saved;
    }
    return NULL;
}

/* Generated req_ids are unique in the whole process, not per client: a
 * service that forwards a request it received (the node manager passes
 * the gateway's step.create on to the store) must not meet a req_id the
 * same requester gave another of its requests to that provider.  The
 * process's start time keeps them unique across a restart that reuses
 * the pid, since providers remember req_ids for an hour. */
static char process_tag_text[24];
static atomic_ulong next_req_number;

static void make_process_tag(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(process_tag_text, sizeof(process_tag_text), "%llx",
             (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec);
}

static const char *process_tag(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, make_process_tag);
    return process_tag_text;
}

int flurm_client_request_full(struct flurm_client *client, const char *type, const char *req_id,
                              const char *trace, const json_t *body, double timeout,
                              flurm_client_fn cb, void *arg)
{
    struct call *call = NULL;
    char generated[128];
    int rv;

    if (!client || !cb) {
        errno = EINVAL;
        goto error;
    }
    if (client->closing) {
        errno = ESHUTDOWN;
        goto error;
    }
    if (!req_id) {
        snprintf(generated, sizeof(generated), "%s.%ld.%s.%lu", client->requester,
                 (long)getpid(), process_tag(), atomic_fetch_add(&next_req_number, 1) + 1);
        req_id = generated;
    }
    if (!(call = calloc(1, sizeof(*call))))
        goto error;
    call->client = client;
    call->cb = cb;
    call->arg = arg;
    flurm_loop_work_init(&call->work, call_completed, call);
    call->next = client->calls;
    if (client->calls)
        client->calls->prev = call;
    client->calls = call;
    /* NNG's clock, not the loop's: the deadline is enforced by NNG aio
     * timeouts, which run on real time. */
    if (timeout > 0)
        call->deadline = nng_clock() + (nng_time)(timeout * 1000.0 + 0.5);
    /* Stamp the trace of the work we do on behalf of (docs/observability.md)
     * so that no service passes it by hand; work outside any trace (a
     * timer's) starts one here. */
    if (!trace)
        trace = flurm_trace_current();
    if (trace)
        snprintf(call->trace, sizeof(call->trace), "%s", trace);
    else
        flurm_trace_generate(call->trace, sizeof(call->trace));
    if (!(call->buf = flurm_msg_encode_request(type, req_id, call->trace, body, &call->len)))
        goto error;
    if ((rv = nng_aio_alloc(&call->aio, call_aio_cb, call)) != 0 ||
        (rv = nng_ctx_open(&call->ctx, client->sock)) != 0) {
        errno = flurm_ipc_errno(rv);
        goto error;
    }
    call->ctx_open = 1;
    if (call_send(call) < 0)
        goto error;
    client->pending++;
    return 0;
error:
    if (call) {
        int saved = errno;
        call_free(call);
        errno = saved;
    }
    return -1;
}

int flurm_client_request(struct flurm_client *client, const char *type, const json_t *body,
                         double timeout, flurm_client_fn cb, void *arg)
{
    return flurm_client_request_full(client, type, NULL, NULL, body, timeout, cb, arg);
}

const char *flurm_client_user_text(const struct flurm_msg *reply)
{
    return reply && reply == user_text_reply ? flurm_msg_error_text(reply) : NULL;
}

size_t flurm_client_pending(const struct flurm_client *client)
{
    return client->pending;
}

unsigned long flurm_client_resends(const struct flurm_client *client)
{
    return client->resends;
}

struct flurm_dialer *flurm_client_dialer(struct flurm_client *client)
{
    return client->dialer;
}

void flurm_client_destroy(struct flurm_client *client)
{
    if (!client)
        return;
    /* Callbacks run below may try to send again; refuse rather than loop. */
    client->closing = 1;
    while (client->calls)
        call_finish(client->calls, NULL, ECANCELED);
    if (client->sock_open)
        (void)nng_close(client->sock);
    flurm_dialer_destroy(client->dialer);
    free(client->requester);
    free(client);
}
