/*
 * ctl.c - control socket of flurm-sup, server and client (see ctl.h).
 */
#include "supervisor/ctl.h"

#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ipc.h"
#include "common/log.h"

/* Replies that may wait for their pipe (NNG caps the option at 8192). */
#define SUP_CTL_SENDBUF 1024

struct sup_ctl_req {
    struct sup_ctl *ctl;
    nng_msg *backtrace; /* the request's raw header: routes the reply */
    struct sup_ctl_req *prev, *next;
};

struct sup_ctl {
    struct ev_loop *loop;
    nng_socket sock;
    bool open;
    ev_io recv_w;
    sup_ctl_handler_f handler;
    void *arg;
    struct sup_ctl_req *pending; /* unanswered requests */
};

int sup_ctl_url(const char *rundir, char *buf, size_t len)
{
    /* sun_path holds 108 bytes; NNG needs the path to fit. */
    if (strlen(rundir) + strlen("/ipc/sup.ctl") >= 100 ||
        (size_t)snprintf(buf, len, "ipc://%s/ipc/sup.ctl", rundir) >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

static void req_free(struct sup_ctl_req *req)
{
    if (!req)
        return;
    if (req->prev)
        req->prev->next = req->next;
    else if (req->ctl->pending == req)
        req->ctl->pending = req->next;
    if (req->next)
        req->next->prev = req->prev;
    nng_msg_free(req->backtrace);
    free(req);
}

static void send_reply(struct sup_ctl_req *req, json_t *reply)
{
    nng_msg *msg = NULL;
    char *text = NULL;
    int rv;

    if (!req->ctl->open)
        goto done;
    if (!(text = json_dumps(reply, JSON_COMPACT)) || !(msg = flurm_ipc_msg_create(text, strlen(text)))) {
        flurm_err("control reply: out of memory");
        goto done;
    }
    if ((rv = nng_msg_header_append(msg, nng_msg_header(req->backtrace),
                                    nng_msg_header_len(req->backtrace))) != 0 ||
        (rv = nng_sendmsg(req->ctl->sock, msg, NNG_FLAG_NONBLOCK)) != 0) {
        flurm_warn("control reply not sent: %s", nng_strerror(rv));
        nng_msg_free(msg);
    }
done:
    free(text);
    json_decref(reply);
    req_free(req);
}

void sup_ctl_reply_ok(struct sup_ctl_req *req, json_t *body)
{
    json_t *reply = json_pack("{s:i, s:b, s:o}", "v", SUP_CTL_VERSION, "ok", 1, "body",
                              body ? body : json_object());

    send_reply(req, reply);
}

void sup_ctl_reply_error(struct sup_ctl_req *req, int code, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    json_t *reply;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    reply = json_pack("{s:i, s:b, s:{s:i, s:s}}", "v", SUP_CTL_VERSION, "ok", 0, "error", "code",
                      code, "text", text);
    send_reply(req, reply);
}

/* One received message: validate the envelope, then hand it over. */
static void dispatch(struct sup_ctl *ctl, nng_msg *msg)
{
    struct sup_ctl_req *req = NULL;
    json_error_t jerr;
    json_t *doc = NULL, *v, *type, *body;
    json_t *empty = NULL;

    if (!(req = calloc(1, sizeof(*req)))) {
        nng_msg_free(msg);
        return;
    }
    req->ctl = ctl;
    req->backtrace = msg;
    req->next = ctl->pending;
    if (ctl->pending)
        ctl->pending->prev = req;
    ctl->pending = req;

    doc = json_loadb(nng_msg_body(msg), nng_msg_len(msg), 0, &jerr);
    if (!json_is_object(doc)) {
        sup_ctl_reply_error(req, EPROTO, "request is not a JSON object: %s",
                            doc ? "wrong type" : jerr.text);
        goto done;
    }
    v = json_object_get(doc, "v");
    type = json_object_get(doc, "type");
    body = json_object_get(doc, "body");
    if (!json_is_integer(v) || json_integer_value(v) != SUP_CTL_VERSION) {
        sup_ctl_reply_error(req, EPROTO, "unsupported message version (want \"v\": %d)",
                            SUP_CTL_VERSION);
        goto done;
    }
    if (!json_is_string(type)) {
        sup_ctl_reply_error(req, EPROTO, "request has no \"type\"");
        goto done;
    }
    if (body && !json_is_object(body)) {
        sup_ctl_reply_error(req, EPROTO, "\"body\" must be an object");
        goto done;
    }
    if (!body)
        body = empty = json_object();
    ctl->handler(req, json_string_value(type), body, ctl->arg);
done:
    json_decref(empty);
    json_decref(doc);
}

static void recv_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct sup_ctl *ctl = w->data;
    nng_msg *msg;
    int rv;

    (void)loop;
    (void)revents;
    /* The handler may destroy nothing here: it only queues replies. */
    while ((rv = nng_recvmsg(ctl->sock, &msg, NNG_FLAG_NONBLOCK)) == 0)
        dispatch(ctl, msg);
    if (rv != NNG_EAGAIN && rv != NNG_ECLOSED)
        flurm_warn("control socket: %s", nng_strerror(rv));
}

struct sup_ctl *sup_ctl_create(struct ev_loop *loop, const char *url, sup_ctl_handler_f handler,
                               void *arg, char *err, size_t errlen)
{
    struct sup_ctl *ctl;
    int fd;
    int rv;

    if (!(ctl = calloc(1, sizeof(*ctl)))) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ctl->loop = loop;
    ctl->handler = handler;
    ctl->arg = arg;
    if ((rv = nng_rep0_open_raw(&ctl->sock)) != 0) {
        snprintf(err, errlen, "control socket: %s", nng_strerror(rv));
        goto error;
    }
    ctl->open = true;
    /* Replies are sent without blocking the loop.  With NNG's default
     * send buffer (none) a reply sent while the socket is still handing
     * the previous one to its pipe fails with EAGAIN and is lost: a
     * client asking status then reload back to back (the gateway's
     * reconfigure) would wait forever. */
    if ((rv = nng_socket_set_int(ctl->sock, NNG_OPT_SENDBUF, SUP_CTL_SENDBUF)) != 0) {
        snprintf(err, errlen, "control socket: %s", nng_strerror(rv));
        goto error;
    }
    if ((rv = nng_listen(ctl->sock, url, NULL, 0)) != 0) {
        snprintf(err, errlen, "control socket %s: %s", url, nng_strerror(rv));
        goto error;
    }
    if ((rv = nng_socket_get_int(ctl->sock, NNG_OPT_RECVFD, &fd)) != 0) {
        snprintf(err, errlen, "control socket: %s", nng_strerror(rv));
        goto error;
    }
    ev_io_init(&ctl->recv_w, recv_cb, fd, EV_READ);
    ctl->recv_w.data = ctl;
    ev_io_start(loop, &ctl->recv_w);
    return ctl;
error:
    sup_ctl_destroy(ctl);
    errno = rv == NNG_EADDRINUSE ? EADDRINUSE : EIO;
    return NULL;
}

void sup_ctl_destroy(struct sup_ctl *ctl)
{
    if (!ctl)
        return;
    if (ev_is_active(&ctl->recv_w))
        ev_io_stop(ctl->loop, &ctl->recv_w);
    while (ctl->pending)
        req_free(ctl->pending);
    if (ctl->open)
        nng_close(ctl->sock);
    free(ctl);
}

int sup_ctl_call(const char *rundir, const char *type, json_t *body, int timeout_ms,
                 json_t **reply, char *err, size_t errlen)
{
    char url[256];
    nng_socket sock;
    bool open = false;
    nng_msg *msg = NULL;
    json_t *req = NULL, *doc = NULL;
    json_error_t jerr;
    char *text = NULL;
    int result = -2;
    int rv;

    *reply = NULL;
    if (sup_ctl_url(rundir, url, sizeof(url)) < 0) {
        snprintf(err, errlen, "%s: run folder path too long for a control socket", rundir);
        return -2;
    }
    if ((rv = nng_req0_open(&sock)) != 0) {
        snprintf(err, errlen, "control socket: %s", nng_strerror(rv));
        goto done;
    }
    open = true;
    /* Never resend: a reload sent twice would reload twice. */
    nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
    nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, timeout_ms);
    nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, timeout_ms);
    if ((rv = nng_dial(sock, url, NULL, 0)) != 0) {
        snprintf(err, errlen, "no supervisor answers at %s: %s", url, nng_strerror(rv));
        goto done;
    }
    req = json_pack("{s:i, s:s, s:o}", "v", SUP_CTL_VERSION, "type", type, "body",
                    body ? json_incref(body) : json_object());
    if (!req || !(text = json_dumps(req, JSON_COMPACT))) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if ((rv = nng_send(sock, text, strlen(text), 0)) != 0) {
        snprintf(err, errlen, "sending to %s: %s", url, nng_strerror(rv));
        goto done;
    }
    if ((rv = nng_recvmsg(sock, &msg, 0)) != 0) {
        snprintf(err, errlen, "no reply from %s: %s", url, nng_strerror(rv));
        result = -3;
        goto done;
    }
    doc = json_loadb(nng_msg_body(msg), nng_msg_len(msg), 0, &jerr);
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "malformed reply from %s", url);
        goto done;
    }
    if (json_is_true(json_object_get(doc, "ok"))) {
        json_t *b = json_object_get(doc, "body");
        *reply = b ? json_incref(b) : json_object();
        result = 0;
    } else {
        const char *t = json_string_value(json_object_get(json_object_get(doc, "error"), "text"));
        snprintf(err, errlen, "%s", t ? t : "the supervisor refused without a reason");
        result = -1;
    }
done:
    if (msg)
        nng_msg_free(msg);
    json_decref(doc);
    json_decref(req);
    free(text);
    if (open)
        nng_close(sock);
    return result;
}
