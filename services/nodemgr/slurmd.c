/*
 * slurmd.c - one request to a slurmd and its reply, on the loop (see
 * slurmd.h).
 *
 * A call is a small state machine on a non-blocking socket:
 *
 *   connect --writable--> send frame --all sent--> read reply --frame--> done
 *      |                      |                          |
 *      +----- error / timeout / destroy --> done with errnum
 *
 * The reply frame is read whole with the wire frame reader, its credential
 * checked with munged, its body decoded with the message registry.
 */
#include "services/nodemgr/slurmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "wire/frame.h"
#include "wire/header.h"
#include "wire/pack.h"
#include "wire/record.h"

/* The protocol FLURM's controller speaks to slurmd: a 22.05 slurmctld's. */
#define REQUEST_VERSION FLURM_PROTO_22_05
/* A reply to the controller is small; anything larger is not one. */
#define MAX_REPLY (1024 * 1024)

struct call {
    struct slurmd_client *c;
    int fd;
    ev_io io;
    ev_timer timer;
    uint8_t *frame;
    size_t frame_len;
    size_t sent;
    struct flurm_frame_reader *reader;
    slurmd_reply_fn fn;
    void *arg;
    bool push; /* no reply awaited (slurmctld's messages to srun) */
    char peer[96];
    struct call *prev;
    struct call *next;
};

struct slurmd_client {
    struct flurm_loop *loop;
    struct flurm_auth *auth;
    double timeout;
    struct call *calls;
    size_t pending;
};

/* ---- frames ------------------------------------------------------------------ */

/* A whole request frame, malloc'ed (caller frees), signed for
 * restrict_uid (FLURM_AUTH_UID_ANY: any receiver, as slurmctld's agent
 * signs for slurmd). */
static uint8_t *request_frame(struct flurm_auth *auth, enum flurm_msg_type type, const void *obj,
                              uint32_t restrict_uid, size_t *len)
{
    struct flurm_buf *body = NULL, *out = NULL;
    uint16_t wire;
    uint8_t *frame = NULL;

    if (flurm_msg_to_wire(REQUEST_VERSION, type, &wire) < 0)
        goto error;
    if (!(body = flurm_buf_create(256)) || !(out = flurm_buf_create(512)))
        goto error;
    if (obj && flurm_msg_body_encode(REQUEST_VERSION, type, obj, body) < 0)
        goto error;
    if (flurm_frame_build(auth, out, REQUEST_VERSION, 0, wire, flurm_buf_data(body),
                          flurm_buf_len(body), restrict_uid) < 0)
        goto error;
    frame = flurm_buf_steal(out, len);
error:
    {
        int saved = errno;

        flurm_buf_destroy(body);
        flurm_buf_destroy(out);
        errno = saved;
    }
    return frame;
}

/* ---- ending a call --------------------------------------------------------------- */

static void call_free(struct call *call)
{
    struct slurmd_client *c = call->c;

    ev_io_stop(flurm_loop_ev(c->loop), &call->io);
    ev_timer_stop(flurm_loop_ev(c->loop), &call->timer);
    if (call->fd >= 0)
        close(call->fd);
    if (call->prev)
        call->prev->next = call->next;
    else if (c->calls == call)
        c->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    c->pending--;
    flurm_frame_reader_destroy(call->reader);
    free(call->frame);
    free(call);
}

static void finish(struct call *call, int errnum, enum flurm_msg_type type, const void *body)
{
    slurmd_reply_fn fn = call->fn;
    void *arg = call->arg;

    call_free(call);
    fn(errnum, type, body, arg);
}

static void fail(struct call *call, int errnum, const char *what)
{
    flurm_debug("slurmd %s: %s: %s", call->peer, what, strerror(errnum));
    finish(call, errnum, FLURM_MSG_NONE, NULL);
}

/* The reply is in: check who sent it, decode it, hand it over. */
static void take_reply(struct call *call)
{
    struct slurmd_client *c = call->c;
    struct flurm_msg_parts parts;
    struct flurm_auth_result res;
    const struct flurm_record *rec = NULL;
    enum flurm_msg_type type;
    const char *field = NULL;
    size_t len = 0;
    uint8_t *msg = flurm_frame_reader_take(call->reader, &len);
    void *body = NULL;
    int err = EBADMSG;

    if (!msg) {
        fail(call, ENOMEM, "reply");
        return;
    }
    if (flurm_msg_split(&parts, msg, len) < 0) {
        flurm_warn("slurmd %s: unreadable reply of %zu bytes", call->peer, len);
        goto out;
    }
    if (parts.auth_plugin != FLURM_AUTH_PLUGIN_MUNGE ||
        flurm_auth_verify(c->auth, parts.auth, parts.auth_len + parts.body_len,
                          parts.hdr.version, parts.hdr.msg_type, &res) < 0) {
        flurm_warn("slurmd %s: reply refused: %s (%s)", call->peer,
                   parts.auth_plugin != FLURM_AUTH_PLUGIN_MUNGE ? "not auth/munge"
                                                                : flurm_auth_status_str(res.status),
                   flurm_auth_munge_error(c->auth));
        err = EACCES;
        goto out;
    }
    if (flurm_msg_from_wire(parts.hdr.version, parts.hdr.msg_type, &type) < 0 ||
        !(body = flurm_msg_body_decode(parts.hdr.version, type, parts.body, parts.body_len, &rec,
                                       &field))) {
        flurm_warn("slurmd %s: reply of type %u cannot be read (%s)", call->peer,
                   parts.hdr.msg_type, field ? field : strerror(errno));
        goto out;
    }
    err = 0;
out:
    flurm_msg_parts_free(&parts);
    free(msg);
    if (err) {
        finish(call, err, FLURM_MSG_NONE, NULL);
        return;
    }
    finish(call, 0, type, body);
    flurm_msg_body_destroy(rec, body);
}

/* ---- the socket --------------------------------------------------------------------- */

static void io_cb(struct ev_loop *ev, ev_io *w, int revents);

static void start_reading(struct call *call)
{
    struct ev_loop *ev = flurm_loop_ev(call->c->loop);

    ev_io_stop(ev, &call->io);
    ev_io_set(&call->io, call->fd, EV_READ);
    ev_io_start(ev, &call->io);
}

/* Write what the socket takes; 1 when the whole frame is out, 0 when it
 * must wait, -1 with errno. */
static int send_some(struct call *call)
{
    while (call->sent < call->frame_len) {
        ssize_t n = send(call->fd, call->frame + call->sent, call->frame_len - call->sent,
                         MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        call->sent += (size_t)n;
    }
    return 1;
}

static void io_cb(struct ev_loop *ev, ev_io *w, int revents)
{
    struct call *call = w->data;
    int rc;

    (void)ev;
    if (revents & EV_WRITE) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);

        if (call->sent == 0 &&
            (getsockopt(call->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr)) {
            fail(call, soerr ? soerr : errno, "connect");
            return;
        }
        if ((rc = send_some(call)) < 0) {
            fail(call, errno, "send");
            return;
        }
        /* A push waits for the peer's answer or close without shutting
         * its side down first as slurm_send_only_node_msg does: srun
         * reads that as a vanished socket and prints "Unexpected missing
         * socket error" instead of answering. */
        if (rc == 1)
            start_reading(call);
        return;
    }
    rc = flurm_frame_reader_read(call->reader, call->fd);
    if (call->push) {
        /* Delivered: whatever comes back (an RC, EOF, garbage) ends it. */
        if (rc != FLURM_FRAME_NEED_MORE)
            finish(call, 0, FLURM_MSG_NONE, NULL);
        return;
    }
    if (rc == FLURM_FRAME_READY) {
        take_reply(call);
    } else if (rc == FLURM_FRAME_EOF) {
        fail(call, ECONNRESET, "closed without a reply");
    } else if (rc < 0) {
        fail(call, errno == EMSGSIZE ? EBADMSG : errno, "reply");
    }
}

static void timer_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct call *call = w->data;

    (void)ev;
    (void)revents;
    if (call->push && call->sent == call->frame_len) {
        finish(call, 0, FLURM_MSG_NONE, NULL); /* sent; the peer just kept quiet */
        return;
    }
    fail(call, ETIMEDOUT, "no reply");
}

/* host:port as an IPv4 address (SLURM's slurm_addr_t is IPv4 here). */
static int resolve(const char *host, uint16_t port, struct sockaddr_in *sin)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    int rc;

    if ((rc = getaddrinfo(host, NULL, &hints, &ai)) != 0 || !ai) {
        flurm_warn("cannot resolve slurmd address %s: %s", host, gai_strerror(rc));
        errno = EHOSTUNREACH;
        return -1;
    }
    memcpy(sin, ai->ai_addr, sizeof(*sin));
    sin->sin_port = htons(port);
    freeaddrinfo(ai);
    return 0;
}

/* ---- the client ----------------------------------------------------------------------- */

struct slurmd_client *slurmd_client_create(struct flurm_loop *loop,
                                           const struct flurm_auth_opts *auth_opts,
                                           double timeout)
{
    struct slurmd_client *c = NULL;

    if (!loop || timeout <= 0) {
        errno = EINVAL;
        goto error;
    }
    if (!(c = calloc(1, sizeof(*c))) || !(c->auth = flurm_auth_create(auth_opts)))
        goto error;
    c->loop = loop;
    c->timeout = timeout;
    return c;
error:
    slurmd_client_destroy(c);
    return NULL;
}

void slurmd_client_destroy(struct slurmd_client *c)
{
    int saved = errno;

    if (!c)
        return;
    while (c->calls)
        finish(c->calls, ECANCELED, FLURM_MSG_NONE, NULL);
    flurm_auth_destroy(c->auth);
    free(c);
    errno = saved;
}

size_t slurmd_client_pending(const struct slurmd_client *c)
{
    return c->pending;
}

static int start_call(struct slurmd_client *c, const char *host, uint16_t port,
                      enum flurm_msg_type type, const void *body, uint32_t restrict_uid, bool push,
                      slurmd_reply_fn fn, void *arg)
{
    struct ev_loop *ev = flurm_loop_ev(c->loop);
    struct sockaddr_in sin;
    struct call *call = NULL;
    int rc;

    if (!host || !fn) {
        errno = EINVAL;
        return -1;
    }
    if (resolve(host, port, &sin) < 0)
        return -1;
    if (!(call = calloc(1, sizeof(*call))))
        return -1;
    call->c = c;
    call->fd = -1;
    call->fn = fn;
    call->arg = arg;
    call->push = push;
    snprintf(call->peer, sizeof(call->peer), "%s:%u", host, (unsigned)port);
    ev_io_init(&call->io, io_cb, -1, EV_WRITE);
    call->io.data = call;
    ev_timer_init(&call->timer, timer_cb, c->timeout, 0.0);
    call->timer.data = call;
    if (!(call->reader = flurm_frame_reader_create(MAX_REPLY)) ||
        !(call->frame = request_frame(c->auth, type, body, restrict_uid, &call->frame_len)))
        goto error;
    if ((call->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
        goto error;
    rc = connect(call->fd, (struct sockaddr *)&sin, sizeof(sin));
    if (rc < 0 && errno != EINPROGRESS)
        goto error;
    /* Connected or not yet: writable means "connect finished" either way. */
    ev_io_set(&call->io, call->fd, EV_WRITE);
    ev_io_start(ev, &call->io);
    ev_timer_start(ev, &call->timer);
    call->next = c->calls;
    if (c->calls)
        c->calls->prev = call;
    c->calls = call;
    c->pending++;
    return 0;
error:
    {
        int saved = errno;

        if (call->fd >= 0)
            close(call->fd);
        flurm_frame_reader_destroy(call->reader);
        free(call->frame);
        free(call);
        errno = saved;
    }
    return -1;
}

int slurmd_client_send(struct slurmd_client *c, const char *host, uint16_t port,
                       enum flurm_msg_type type, const void *body, slurmd_reply_fn fn, void *arg)
{
    return start_call(c, host, port, type, body, FLURM_AUTH_UID_ANY, false, fn, arg);
}

int slurmd_client_push(struct slurmd_client *c, const char *host, uint16_t port,
                       enum flurm_msg_type type, const void *body, uint32_t restrict_uid,
                       slurmd_reply_fn fn, void *arg)
{
    return start_call(c, host, port, type, body, restrict_uid, true, fn, arg);
}
