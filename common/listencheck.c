/*
 * listencheck.c - an instance's watch over its own listeners (see
 * listencheck.h for the NNG bug it works around).
 *
 * The probes speak NNG's SP-over-IPC framing themselves, on plain
 * non-blocking unix sockets watched by the loop: an NNG socket in the same
 * process as the listener it dials would put both ends of one ipc pipe in
 * one process, and NNG 1.5.2 can hang closing such a pipe (seen: a
 * listener closed under an in-process probe froze the node manager).  The
 * framing is small and fixed: each side first sends an 8-byte header
 * (0, 'S', 'P', 0, protocol number as 16 bits big-endian, 0, 0), then
 * every message is the byte 1, its length as 64 bits big-endian and the
 * bytes; a request starts with a 32-bit request id whose top bit is set.
 *
 * A probe's socket is closed only after the peer's header arrived: a
 * connection closed during the handshake is exactly what makes a listener
 * deaf, and the check must not cause what it looks for.
 */
#include "common/listencheck.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/msg.h"

/* SP protocol numbers (NNG's protocol headers). */
#define SP_REQ0 0x30
#define SP_REP0 0x31
#define SP_PUB0 0x20
#define SP_SUB0 0x21

#define SP_HEADER_LEN 8
#define SP_FRAME_HEAD_LEN 9 /* type byte, 64-bit length */

/* Beats published to a probe that heard none: deaf. */
#define BEATS_UNHEARD 3
/* A tick this much later than due means the loop stalled: no verdict. */
#define STALL_S 0.5
/* A probe whose handshake never ended is closed after this long anyway. */
#define GIVE_UP_S 30.0

struct probe {
    struct flurm_listen_check *check;
    enum flurm_ipc_kind kind;
    int fd;
    ev_io io;
    double started;
    unsigned long beats_at_start;
    uint8_t *out; /* what is still to be written */
    size_t out_len;
    size_t out_off;
    uint8_t peer_header[SP_HEADER_LEN];
    size_t header_got;
    int heard; /* bytes after the peer's header: a reply, an event */
    int broken; /* the peer closed or spoke nonsense: no verdict */
};

struct flurm_listen_check {
    struct flurm_loop *loop;
    char *req_path;
    char *events_path;
    double period;
    double timeout;
    flurm_listen_check_deaf_fn on_deaf;
    void *arg;
    ev_timer tick;
    double last_tick;
    unsigned long probes;
    unsigned long beats;
    int req_received;
    char req_id[64];
    struct probe req;
    struct probe events;
};

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)(v & 0xff);
}

static void sp_header(uint8_t *p, int proto)
{
    memset(p, 0, SP_HEADER_LEN);
    p[1] = 'S';
    p[2] = 'P';
    put_be(p + 4, (uint64_t)proto, 2);
}

static int probe_active(const struct probe *p)
{
    return p->fd >= 0;
}

static void probe_close(struct probe *p)
{
    if (p->fd >= 0) {
        ev_io_stop(flurm_loop_ev(p->check->loop), &p->io);
        close(p->fd);
    }
    p->fd = -1;
    free(p->out);
    p->out = NULL;
    p->out_len = p->out_off = 0;
    p->header_got = 0;
    p->heard = 0;
    p->broken = 0;
}

static void probe_io(struct ev_loop *ev, ev_io *w, int revents)
{
    struct probe *p = w->data;
    uint8_t buf[512];
    ssize_t n;

    if ((revents & EV_WRITE) && p->out_off < p->out_len) {
        n = write(p->fd, p->out + p->out_off, p->out_len - p->out_off);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            p->broken = 1;
            ev_io_stop(ev, w);
            return;
        }
        if (n > 0)
            p->out_off += (size_t)n;
        if (p->out_off == p->out_len) {
            ev_io_stop(ev, w);
            ev_io_set(w, p->fd, EV_READ);
            ev_io_start(ev, w);
        }
        return;
    }
    if (!(revents & EV_READ))
        return;
    n = read(p->fd, buf, sizeof(buf));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        p->broken = 1; /* the instance closed it (a relisten, a drain) */
        ev_io_stop(ev, w);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (p->header_got < SP_HEADER_LEN)
            p->peer_header[p->header_got++] = buf[i];
        else
            p->heard = 1;
    }
}

/* Connect a probe of `kind` and queue what it sends: the header, and for
 * requests one FLURM_LISTEN_CHECK_TYPE request.  -1 and errno. */
static int probe_start(struct flurm_listen_check *c, struct probe *p, double now)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *path = p->kind == FLURM_IPC_REQ ? c->req_path : c->events_path;
    char *req = NULL;
    size_t req_len = 0;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (p->kind == FLURM_IPC_REQ) {
        snprintf(c->req_id, sizeof(c->req_id), "listen-check.%ld.%lu", (long)getpid(),
                 ++c->probes);
        c->req_received = 0;
        if (!(req = flurm_msg_encode_request(FLURM_LISTEN_CHECK_TYPE, c->req_id, NULL, NULL,
                                             &req_len)))
            return -1;
        p->out_len = SP_HEADER_LEN + SP_FRAME_HEAD_LEN + 4 + req_len;
    } else {
        p->out_len = SP_HEADER_LEN;
    }
    if (!(p->out = malloc(p->out_len)))
        goto error;
    sp_header(p->out, p->kind == FLURM_IPC_REQ ? SP_REQ0 : SP_SUB0);
    if (req) {
        uint8_t *f = p->out + SP_HEADER_LEN;

        f[0] = 1;
        put_be(f + 1, 4 + req_len, 8);
        put_be(f + SP_FRAME_HEAD_LEN, 0x80000000u | (uint32_t)(c->probes & 0x7fffffff), 4);
        memcpy(f + SP_FRAME_HEAD_LEN + 4, req, req_len);
    }
    p->out_off = 0;
    if ((p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
        goto error;
    /* A unix socket connects at once or not at all (EAGAIN: backlog full). */
    if (connect(p->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        goto error;
    p->started = now;
    p->beats_at_start = c->beats;
    ev_io_init(&p->io, probe_io, p->fd, EV_WRITE);
    p->io.data = p;
    ev_io_start(flurm_loop_ev(c->loop), &p->io);
    free(req);
    return 0;
error: {
    int saved = errno;

    free(req);
    probe_close(p);
    errno = saved;
    return -1;
}
}

/* Whether the probe's peer is the protocol it should be. */
static int peer_is(const struct probe *p, int proto)
{
    const uint8_t *h = p->peer_header;

    return h[0] == 0 && h[1] == 'S' && h[2] == 'P' && h[3] == 0 && h[4] == 0 && h[5] == proto;
}

/* One tick's look at a probe: close a finished one, report a deaf
 * listener, start the next probe. */
static void look(struct flurm_listen_check *c, struct probe *p, double now, int stalled)
{
    int handshaken = p->header_got == SP_HEADER_LEN;
    int deaf = 0;

    if (probe_active(p)) {
        if (handshaken && !peer_is(p, p->kind == FLURM_IPC_REQ ? SP_REP0 : SP_PUB0))
            p->broken = 1;
        if (!p->heard && !p->broken && !stalled) {
            if (p->kind == FLURM_IPC_REQ)
                deaf = now - p->started >= c->timeout && !c->req_received;
            else
                deaf = c->beats - p->beats_at_start >= BEATS_UNHEARD;
        }
        if (!p->heard && !p->broken && !deaf)
            return; /* still waiting */
        if (!handshaken && !p->broken && now - p->started < GIVE_UP_S)
            return; /* never close one during its handshake */
        probe_close(p);
        if (deaf) {
            c->on_deaf(p->kind, c->arg);
            return; /* the next tick probes the new listener */
        }
    }
    if (probe_start(c, p, now) < 0)
        flurm_debug("listen check: cannot connect to %s: %s",
                    p->kind == FLURM_IPC_REQ ? c->req_path : c->events_path, strerror(errno));
}

static void tick_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct flurm_listen_check *c = w->data;
    double now = flurm_loop_now(c->loop);
    int stalled = c->last_tick > 0 && now - c->last_tick > c->period + STALL_S;

    (void)ev;
    (void)revents;
    if (stalled)
        flurm_debug("listen check: the loop stalled %.1f s; no verdict this time",
                    now - c->last_tick - c->period);
    c->last_tick = now;
    look(c, &c->req, now, stalled);
    if (c->events_path)
        look(c, &c->events, now, stalled);
}

struct flurm_listen_check *flurm_listen_check_create(struct flurm_loop *loop, const char *req_path,
                                                     const char *events_path, double period,
                                                     flurm_listen_check_deaf_fn on_deaf,
                                                     void *arg)
{
    struct flurm_listen_check *c;

    if (!loop || !req_path || !on_deaf || period <= 0) {
        errno = EINVAL;
        return NULL;
    }
    if (!(c = calloc(1, sizeof(*c))))
        return NULL;
    c->loop = loop;
    c->period = period;
    c->timeout = 2 * period > FLURM_LISTEN_CHECK_TIMEOUT_S ? 2 * period
                                                           : FLURM_LISTEN_CHECK_TIMEOUT_S;
    c->on_deaf = on_deaf;
    c->arg = arg;
    c->req = (struct probe){.check = c, .kind = FLURM_IPC_REQ, .fd = -1};
    c->events = (struct probe){.check = c, .kind = FLURM_IPC_EVENTS, .fd = -1};
    if (!(c->req_path = strdup(req_path)) ||
        (events_path && !(c->events_path = strdup(events_path))))
        goto error;
    ev_timer_init(&c->tick, tick_cb, period, period);
    c->tick.data = c;
    ev_timer_start(flurm_loop_ev(loop), &c->tick);
    return c;
error:
    flurm_listen_check_destroy(c);
    return NULL;
}

void flurm_listen_check_received(struct flurm_listen_check *check, const char *req_id)
{
    if (check && req_id && !strcmp(req_id, check->req_id))
        check->req_received = 1;
}

void flurm_listen_check_beat(struct flurm_listen_check *check)
{
    if (check)
        check->beats++;
}

void flurm_listen_check_destroy(struct flurm_listen_check *check)
{
    if (!check)
        return;
    ev_timer_stop(flurm_loop_ev(check->loop), &check->tick);
    /* Closed even mid-handshake: the instance is going away. */
    probe_close(&check->req);
    probe_close(&check->events);
    free(check->req_path);
    free(check->events_path);
    free(check);
}
