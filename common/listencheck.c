/*
 * listencheck.c - an instance's watch over its own listeners (see
 * listencheck.h for the NNG bug it works around).
 *
 * Each probe is a connection of its own, closed only once it is known to
 * be complete (a reply, a beat, or the dialing side reports it up): a
 * connection closed during its handshake is exactly what makes a
 * listener deaf, and the check must not cause what it looks for.
 */
#include "common/listencheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/client.h"
#include "common/dialer.h"
#include "common/log.h"
#include "common/pubsub.h"

/* Beats published to a new subscriber that heard none: deaf. */
#define BEATS_UNHEARD 3
/* A timeout reported this much later than due means the loop stalled. */
#define STALL_S 0.5

struct flurm_listen_check {
    struct flurm_loop *loop;
    char *req_url;
    char *events_url;
    double period;
    double timeout;
    flurm_listen_check_deaf_fn on_deaf;
    void *arg;
    ev_timer tick;
    unsigned long deaf;
    unsigned long probes;
    int closing;

    /* The request probe: its connection lives until the next tick. */
    struct flurm_client *client;
    int req_pending;
    int req_received;
    double req_sent_at;
    char req_id[64];

    /* The events probe. */
    struct flurm_subscriber *sub;
    int sub_heard;
    unsigned long beats;
    unsigned long beats_at_dial;
};

static void report(struct flurm_listen_check *c, enum flurm_ipc_kind kind)
{
    c->deaf++;
    c->on_deaf(kind, c->arg);
}

static void req_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct flurm_listen_check *c = arg;
    double late;

    (void)reply;
    c->req_pending = 0;
    if (c->closing || errnum != ETIMEDOUT || c->req_received)
        return;
    late = flurm_loop_now(c->loop) - c->req_sent_at - c->timeout;
    if (late > STALL_S) {
        flurm_debug("listen check: the loop stalled %.1f s; no verdict", late);
        return;
    }
    report(c, FLURM_IPC_REQ);
}

/* A connection may be closed once its dialing side is up, or when it has
 * had far longer than any handshake takes. */
static int may_close(struct flurm_dialer *dialer, double since, double now)
{
    return flurm_dialer_connected(dialer) || now - since > 10.0;
}

static void probe_requests(struct flurm_listen_check *c, double now)
{
    if (c->req_pending)
        return;
    if (c->client) {
        if (!may_close(flurm_client_dialer(c->client), c->req_sent_at, now))
            return;
        flurm_client_destroy(c->client);
        c->client = NULL;
    }
    if (!(c->client = flurm_client_create(c->loop, c->req_url, "listen-check"))) {
        flurm_debug("listen check: cannot dial %s: %s", c->req_url, strerror(errno));
        return;
    }
    snprintf(c->req_id, sizeof(c->req_id), "listen-check.%ld.%lu", (long)getpid(), ++c->probes);
    c->req_received = 0;
    c->req_sent_at = now;
    if (flurm_client_request_full(c->client, FLURM_LISTEN_CHECK_TYPE, c->req_id, NULL, NULL,
                                  c->timeout, req_done, c) < 0) {
        flurm_debug("listen check: cannot send: %s", strerror(errno));
        return;
    }
    c->req_pending = 1;
}

static void sub_event(const struct flurm_msg *event, void *arg)
{
    (void)event;
    (void)arg;
}

/* The first message over a new connection is reported as a gap: a beat
 * came through. */
static void sub_gap(const struct flurm_sub_gap *gap, void *arg)
{
    struct flurm_listen_check *c = arg;

    (void)gap;
    c->sub_heard = 1;
}

static void probe_events(struct flurm_listen_check *c, double now)
{
    int deaf;

    if (c->sub) {
        deaf = !c->sub_heard && c->beats - c->beats_at_dial >= BEATS_UNHEARD;
        if (!c->sub_heard && !deaf)
            return;
        if (!may_close(flurm_subscriber_dialer(c->sub), now - 2 * c->period, now))
            return;
        flurm_subscriber_destroy(c->sub);
        c->sub = NULL;
        if (deaf) {
            report(c, FLURM_IPC_EVENTS);
            return; /* the next tick dials the new listener */
        }
    }
    c->sub_heard = 0;
    c->beats_at_dial = c->beats;
    if (!(c->sub = flurm_subscriber_create(c->loop, c->events_url, sub_event, sub_gap, c)) ||
        flurm_subscriber_subscribe(c->sub, FLURM_LISTEN_CHECK_TYPE ".") < 0) {
        flurm_debug("listen check: cannot subscribe to %s: %s", c->events_url, strerror(errno));
        flurm_subscriber_destroy(c->sub);
        c->sub = NULL;
    }
}

static void tick_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct flurm_listen_check *c = w->data;
    double now = flurm_loop_now(c->loop);

    (void)ev;
    (void)revents;
    probe_requests(c, now);
    if (c->events_url)
        probe_events(c, now);
}

struct flurm_listen_check *flurm_listen_check_create(struct flurm_loop *loop, const char *req_url,
                                                     const char *events_url, double period,
                                                     double timeout,
                                                     flurm_listen_check_deaf_fn on_deaf,
                                                     void *arg)
{
    struct flurm_listen_check *c;

    if (!loop || !req_url || !on_deaf || period <= 0 || timeout <= 0) {
        errno = EINVAL;
        return NULL;
    }
    if (!(c = calloc(1, sizeof(*c))))
        return NULL;
    c->loop = loop;
    c->period = period;
    c->timeout = timeout;
    c->on_deaf = on_deaf;
    c->arg = arg;
    if (!(c->req_url = strdup(req_url)) || (events_url && !(c->events_url = strdup(events_url))))
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

unsigned long flurm_listen_check_deaf_count(const struct flurm_listen_check *check)
{
    return check ? check->deaf : 0;
}

void flurm_listen_check_destroy(struct flurm_listen_check *check)
{
    if (!check)
        return;
    check->closing = 1;
    ev_timer_stop(flurm_loop_ev(check->loop), &check->tick);
    flurm_client_destroy(check->client);
    flurm_subscriber_destroy(check->sub);
    free(check->req_url);
    free(check->events_url);
    free(check);
}
