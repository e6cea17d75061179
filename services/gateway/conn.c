/*
 * conn.c - client connections (see conn.h).
 *
 * After a reply the connection goes back to reading: a SLURM client closes
 * its end as soon as it has the reply (one RPC per connection), and the
 * gateway closes on that end-of-file; a client that sends several requests
 * gets them answered in order, whenever they arrive.  Waiting for the
 * client's close rather than closing first also leaves TCP's TIME_WAIT with
 * the client, not with the controller's port.
 *
 * Reading: a request is usually a few hundred bytes, so each connection
 * reads into its own small buffer and a frame found whole there is handed
 * to rpc.c in place: one recv(), no copy, no allocation.  A frame larger
 * than that buffer (sbatch with a big environment) continues in a
 * wire/frame.h reader, which reads straight from the socket and never past
 * the frame.  Connection objects and their buffers are recycled.
 */
#include "services/gateway/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "wire/frame.h"
#include "wire/header.h"
#include "wire/msg.h"

/* Requests up to this size (prefix included) never leave the connection's
 * own buffer. */
#define IN_CAP 16384
/* Idle connection objects kept for reuse. */
#define POOL_MAX 256

enum conn_state {
    C_READING,
    C_PROCESSING,
    C_WRITING,
};

struct conn {
    struct gw_conns *cs;
    int fd;
    enum conn_state state;
    ev_io io;
    ev_timer deadline;
    uint8_t *in;    /* IN_CAP bytes; unconsumed data is in[in_off..in_len) */
    size_t in_off;
    size_t in_len;
    struct flurm_frame_reader *reader; /* only for frames larger than IN_CAP */
    size_t reader_pending;             /* its bytes, as counted in cs->buffered */
    uint8_t *frame;                    /* a frame taken from the reader */
    struct flurm_buf *out;
    size_t out_off;
    struct gw_call call;
    struct conn *prev;
    struct conn *next;
};

struct gw_conns {
    struct flurm_loop *loop;
    struct gw_rpc *rpc;
    struct gw_stats *stats;
    struct gw_conn_limits lim;
    gw_conns_closed_fn closed;
    void *arg;
    struct conn *active;
    size_t count;
    struct conn *pool;
    size_t pooled;
    size_t buffered;
};

static void conn_read(struct conn *c);
static void conn_write(struct conn *c);

static struct conn *conn_of_call(struct gw_call *call)
{
    return (struct conn *)((char *)call - offsetof(struct conn, call));
}

static void conn_free(struct conn *c)
{
    if (!c)
        return;
    free(c->in);
    flurm_buf_destroy(c->out);
    free(c);
}

static void set_buffered(struct conn *c, size_t pending)
{
    c->cs->buffered = c->cs->buffered - c->reader_pending + pending;
    c->reader_pending = pending;
}

static void conn_close(struct conn *c)
{
    struct gw_conns *cs = c->cs;
    struct ev_loop *ev = flurm_loop_ev(cs->loop);

    ev_io_stop(ev, &c->io);
    ev_timer_stop(ev, &c->deadline);
    close(c->fd);
    c->fd = -1;
    set_buffered(c, 0);
    flurm_frame_reader_destroy(c->reader);
    c->reader = NULL;
    free(c->frame);
    c->frame = NULL;
    if (c->prev)
        c->prev->next = c->next;
    else
        cs->active = c->next;
    if (c->next)
        c->next->prev = c->prev;
    cs->count--;
    gw_stats_conn_delta(cs->stats, -1);
    if (cs->pooled < POOL_MAX && !flurm_buf_error(c->out)) {
        c->next = cs->pool;
        cs->pool = c;
        cs->pooled++;
    } else {
        conn_free(c);
    }
    if (cs->closed)
        cs->closed(cs->arg);
}

static void start_deadline(struct conn *c)
{
    struct ev_loop *ev = flurm_loop_ev(c->cs->loop);

    ev_timer_stop(ev, &c->deadline);
    ev_timer_set(&c->deadline, c->cs->lim.io_timeout, 0.0);
    ev_timer_start(ev, &c->deadline);
}

static void watch(struct conn *c, int events)
{
    struct ev_loop *ev = flurm_loop_ev(c->cs->loop);

    if (ev_is_active(&c->io) && (c->io.events & (EV_READ | EV_WRITE)) == events)
        return;
    ev_io_stop(ev, &c->io);
    ev_io_set(&c->io, c->fd, events);
    ev_io_start(ev, &c->io);
}

static void io_cb(struct ev_loop *ev, ev_io *w, int revents)
{
    struct conn *c = w->data;

    (void)ev;
    (void)revents;
    if (c->state == C_READING)
        conn_read(c);
    else if (c->state == C_WRITING)
        conn_write(c);
}

static void deadline_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct conn *c = w->data;

    (void)ev;
    (void)revents;
    gw_stats_count(c->cs->stats, GW_C_TIMEOUT_IO);
    flurm_info("%s: no %s within %.0f s: closing", c->call.peer,
               c->state == C_WRITING ? "reply taken" : "complete request", c->cs->lim.io_timeout);
    conn_close(c);
}

static void call_done(struct gw_call *call, int have_reply)
{
    struct conn *c = conn_of_call(call);

    free(c->frame);
    c->frame = NULL;
    if (!have_reply) {
        conn_close(c);
        return;
    }
    c->state = C_WRITING;
    c->out_off = 0;
    start_deadline(c);
    conn_write(c);
}

/* Hand msg[0..len) to rpc.c.  The connection must not be touched after
 * this: the reply may already have been written and the connection closed. */
static void process(struct conn *c, const uint8_t *msg, size_t len)
{
    struct ev_loop *ev = flurm_loop_ev(c->cs->loop);

    ev_io_stop(ev, &c->io);
    ev_timer_stop(ev, &c->deadline);
    c->state = C_PROCESSING;
    flurm_buf_seek(c->out, 0);
    gw_rpc_handle(c->cs->rpc, &c->call, msg, len);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void bad_length(struct conn *c, uint32_t n)
{
    bool too_big = n > c->cs->lim.max_frame;

    gw_stats_count(c->cs->stats, too_big ? GW_C_OVERSIZE : GW_C_BAD_FRAME);
    flurm_warn("%s: frame length %u %s: closing", c->call.peer, n,
               too_big ? "is over the limit" : "is shorter than any header");
    conn_close(c);
}

/* Continue a frame larger than the buffer, straight from the socket. */
static void read_large(struct conn *c)
{
    struct gw_conns *cs = c->cs;
    int rc = flurm_frame_reader_read(c->reader, c->fd);
    size_t len;

    if (rc == FLURM_FRAME_READY) {
        set_buffered(c, 0);
        if (!(c->frame = flurm_frame_reader_take(c->reader, &len))) {
            conn_close(c);
            return;
        }
        process(c, c->frame, len);
        return;
    }
    if (rc == FLURM_FRAME_NEED_MORE) {
        set_buffered(c, flurm_frame_reader_pending(c->reader));
        if (cs->buffered > cs->lim.max_buffered) {
            gw_stats_count(cs->stats, GW_C_OVERSIZE);
            flurm_warn("%s: partial requests hold %zu bytes, over the %zu limit: closing the "
                       "one that grew",
                       c->call.peer, cs->buffered, cs->lim.max_buffered);
            conn_close(c);
        }
        return;
    }
    gw_stats_count(cs->stats, GW_C_BAD_FRAME);
    flurm_info("%s: %s: closing", c->call.peer,
               rc == FLURM_FRAME_EOF ? "closed" : flurm_frame_reader_strerror(c->reader));
    conn_close(c);
}

/* Move a frame that will not fit the buffer into the frame reader. */
static int start_large(struct conn *c)
{
    size_t used;

    if (!c->reader && !(c->reader = flurm_frame_reader_create(c->cs->lim.max_frame)))
        return -1;
    if (flurm_frame_reader_feed(c->reader, c->in + c->in_off, c->in_len - c->in_off, &used) < 0)
        return -1;
    c->in_off += used;
    set_buffered(c, flurm_frame_reader_pending(c->reader));
    return 0;
}

static void conn_read(struct conn *c)
{
    for (;;) {
        size_t avail;
        ssize_t got;

        if (c->reader && flurm_frame_reader_pending(c->reader) > 0) {
            read_large(c);
            return;
        }
        avail = c->in_len - c->in_off;
        if (avail >= 4) {
            uint32_t n = be32(c->in + c->in_off);
            if (n < FLURM_HEADER_MIN_LEN || n > c->cs->lim.max_frame) {
                bad_length(c, n);
                return;
            }
            if (avail - 4 >= n) {
                const uint8_t *msg = c->in + c->in_off + 4;
                c->in_off += 4 + (size_t)n;
                process(c, msg, n);
                return;
            }
            if (4 + (size_t)n > IN_CAP) {
                if (start_large(c) < 0) {
                    flurm_err("%s: cannot buffer a %u-byte request: %s", c->call.peer, n,
                              strerror(errno));
                    conn_close(c);
                    return;
                }
                continue;
            }
        }
        /* Need more: make room at the end of the buffer, then read. */
        if (c->in_off == c->in_len) {
            c->in_off = c->in_len = 0;
        } else if (c->in_off > 0 && c->in_len == IN_CAP) {
            memmove(c->in, c->in + c->in_off, avail);
            c->in_off = 0;
            c->in_len = avail;
        }
        got = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
        if (got > 0) {
            c->in_len += (size_t)got;
            continue;
        }
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            watch(c, EV_READ);
            return;
        }
        if (got == 0 && c->in_len == c->in_off) {
            conn_close(c); /* orderly end between requests */
            return;
        }
        if (got == 0) {
            gw_stats_count(c->cs->stats, GW_C_BAD_FRAME);
            flurm_info("%s: closed after %zu bytes of a request", c->call.peer, avail);
        } else {
            flurm_debug("%s: recv: %s", c->call.peer, strerror(errno));
        }
        conn_close(c);
        return;
    }
}

static void after_reply(struct conn *c)
{
    gw_stats_count(c->cs->stats, GW_C_REPLIES);
    c->state = C_READING;
    start_deadline(c);
    conn_read(c);
}

static void conn_write(struct conn *c)
{
    const uint8_t *data = flurm_buf_data(c->out);
    size_t len = flurm_buf_len(c->out);

    while (c->out_off < len) {
        ssize_t n = send(c->fd, data + c->out_off, len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            watch(c, EV_WRITE);
            return;
        }
        flurm_debug("%s: send: %s", c->call.peer, n < 0 ? strerror(errno) : "nothing sent");
        conn_close(c);
        return;
    }
    ev_io_stop(flurm_loop_ev(c->cs->loop), &c->io);
    after_reply(c);
}

static struct conn *conn_get(struct gw_conns *cs)
{
    struct conn *c = cs->pool;

    if (c) {
        cs->pool = c->next;
        cs->pooled--;
        return c;
    }
    if (!(c = calloc(1, sizeof(*c))))
        return NULL;
    if (!(c->in = malloc(IN_CAP)) || !(c->out = flurm_buf_create(1024))) {
        conn_free(c);
        errno = ENOMEM;
        return NULL;
    }
    return c;
}

/* "addr:port" for the log, and the address alone for the allocation
 * requests that need it (rpc.h). */
static void describe_peer(char *out, size_t outlen, char *addr_out, size_t addr_outlen,
                          const struct sockaddr *addr, socklen_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    addr_out[0] = '\0';
    if (addr && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
        port = ntohs(sin->sin_port);
        snprintf(addr_out, addr_outlen, "%s", host);
    } else if (addr && addr->sa_family == AF_INET6 &&
               len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
        /* srun and salloc listen on IPv4: a mapped address is theirs. */
        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
            inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host, sizeof(host));
        else
            inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
        port = ntohs(sin6->sin6_port);
        snprintf(addr_out, addr_outlen, "%s", host);
    }
    snprintf(out, outlen, "%s:%u", host, port);
}

int gw_conns_add(struct gw_conns *cs, int fd, const struct sockaddr *addr, socklen_t addrlen)
{
    struct conn *c;

    if (cs->count >= cs->lim.max_conns) {
        close(fd);
        errno = EMFILE;
        return -1;
    }
    if (!(c = conn_get(cs))) {
        close(fd);
        return -1;
    }
    c->cs = cs;
    c->fd = fd;
    c->state = C_READING;
    c->in_off = c->in_len = 0;
    c->reader = NULL;
    c->reader_pending = 0;
    c->frame = NULL;
    c->out_off = 0;
    memset(&c->call, 0, sizeof(c->call));
    c->call.out = c->out;
    c->call.done = call_done;
    describe_peer(c->call.peer, sizeof(c->call.peer), c->call.peer_addr,
                  sizeof(c->call.peer_addr), addr, addrlen);
    ev_io_init(&c->io, io_cb, fd, EV_READ);
    c->io.data = c;
    ev_timer_init(&c->deadline, deadline_cb, cs->lim.io_timeout, 0.0);
    c->deadline.data = c;
    c->prev = NULL;
    c->next = cs->active;
    if (cs->active)
        cs->active->prev = c;
    cs->active = c;
    cs->count++;
    gw_stats_conn_delta(cs->stats, 1);
    gw_stats_count(cs->stats, GW_C_ACCEPTED);
    start_deadline(c);
    /* The request is usually there already: try before waiting. */
    conn_read(c);
    return 0;
}

struct gw_conns *gw_conns_create(struct flurm_loop *loop, struct gw_rpc *rpc,
                                 struct gw_stats *stats, const struct gw_conn_limits *limits,
                                 gw_conns_closed_fn closed, void *arg)
{
    struct gw_conns *cs;

    if (!loop || !rpc || !stats || !limits || limits->max_conns == 0 ||
        limits->io_timeout <= 0 || limits->max_frame < FLURM_HEADER_MIN_LEN) {
        errno = EINVAL;
        return NULL;
    }
    if (!(cs = calloc(1, sizeof(*cs))))
        return NULL;
    cs->loop = loop;
    cs->rpc = rpc;
    cs->stats = stats;
    cs->lim = *limits;
    cs->closed = closed;
    cs->arg = arg;
    return cs;
}

void gw_conns_destroy(struct gw_conns *cs)
{
    if (!cs)
        return;
    cs->closed = NULL;
    while (cs->active)
        conn_close(cs->active);
    while (cs->pool) {
        struct conn *c = cs->pool;
        cs->pool = c->next;
        conn_free(c);
    }
    free(cs);
}

size_t gw_conns_count(const struct gw_conns *cs)
{
    return cs->count;
}

bool gw_conns_full(const struct gw_conns *cs)
{
    return cs->count >= cs->lim.max_conns;
}

json_t *gw_conns_inspect(const struct gw_conns *cs)
{
    static const char *const states[] = {"reading", "processing", "writing"};
    json_t *list = json_array();

    for (const struct conn *c = cs->active; list && c; c = c->next) {
        json_t *row = json_pack("{s:s, s:s}", "peer", c->call.peer, "state", states[c->state]);

        if (row && c->state == C_PROCESSING) {
            const char *name = flurm_msg_name(c->call.wire_type);

            json_object_set_new(row, "rpc", json_string(name ? name : "unknown"));
            json_object_set_new(row, "uid", json_integer(c->call.uid));
            json_object_set_new(row, "trace", json_string(c->call.trace));
        }
        if (!row || json_array_append_new(list, row) < 0) {
            json_decref(list);
            list = NULL;
        }
    }
    if (!list) {
        errno = ENOMEM;
        return NULL;
    }
    return json_pack("{s:I, s:I, s:I, s:o}", "count", (json_int_t)cs->count, "max",
                     (json_int_t)cs->lim.max_conns, "buffered", (json_int_t)cs->buffered,
                     "connections", list);
}
