/*
 * dialer.c - a dial that is replaced when it stays without a connection
 * (see dialer.h for the NNG 1.5.2 behaviour it works around).
 *
 * The pipe count changes on NNG threads; each change posts one work item
 * that (re)arms or stops a libev timer on the loop thread, so every
 * decision to replace the dialer is taken on the loop.
 */
#include "common/dialer.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/ipc.h"
#include "common/log.h"

struct flurm_dialer {
    struct flurm_loop *loop;
    nng_socket sock;
    char *url;
    nng_dialer nng;
    atomic_int pipes;
    atomic_ulong connections;
    struct flurm_loop_work changed;
    ev_timer watchdog;
    unsigned long redials;
    int outage_logged; /* the current outage was reported once */
};

/* NNG thread.  Counted from ADD_PRE, not ADD_POST: NNG 1.5.2 runs
 * REM_POST for every pipe that had ADD_PRE, also one closed before
 * ADD_POST, so only that pair keeps the count balanced. */
static void pipe_event(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
    struct flurm_dialer *dialer = arg;

    (void)pipe;
    if (ev == NNG_PIPE_EV_ADD_PRE) {
        atomic_fetch_add(&dialer->connections, 1);
        atomic_fetch_add(&dialer->pipes, 1);
    } else if (ev == NNG_PIPE_EV_REM_POST)
        atomic_fetch_sub(&dialer->pipes, 1);
    flurm_loop_post(dialer->loop, &dialer->changed);
}

static void watch(struct flurm_dialer *dialer)
{
    struct ev_loop *ev = flurm_loop_ev(dialer->loop);

    if (atomic_load(&dialer->pipes) > 0) {
        ev_timer_stop(ev, &dialer->watchdog);
        dialer->outage_logged = 0;
    } else if (!ev_is_active(&dialer->watchdog)) {
        ev_timer_set(&dialer->watchdog, FLURM_DIALER_REDIAL_MS / 1000.0,
                     FLURM_DIALER_REDIAL_MS / 1000.0);
        ev_timer_start(ev, &dialer->watchdog);
    }
}

static void pipes_changed(void *arg)
{
    watch(arg);
}

static void redial(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct flurm_dialer *dialer = w->data;
    nng_dialer fresh;
    int rv;

    (void)revents;
    if (atomic_load(&dialer->pipes) > 0) {
        ev_timer_stop(ev, w);
        return;
    }
    (void)nng_dialer_close(dialer->nng);
    if ((rv = nng_dial(dialer->sock, dialer->url, &fresh, NNG_FLAG_NONBLOCK)) != 0) {
        flurm_warn("cannot dial %s again: %s", dialer->url, nng_strerror(rv));
        return; /* the timer tries again */
    }
    dialer->nng = fresh;
    dialer->redials++;
    if (!dialer->outage_logged) {
        flurm_info("no connection to %s for %.1f s: dialing it again", dialer->url,
                   FLURM_DIALER_REDIAL_MS / 1000.0);
        dialer->outage_logged = 1;
    } else {
        flurm_debug("still no connection to %s: dialing it again", dialer->url);
    }
}

struct flurm_dialer *flurm_dialer_create(struct flurm_loop *loop, nng_socket sock,
                                         const char *url)
{
    struct flurm_dialer *dialer = NULL;
    int rv;

    if (!loop || !url) {
        errno = EINVAL;
        return NULL;
    }
    if (!(dialer = calloc(1, sizeof(*dialer))))
        return NULL;
    dialer->loop = loop;
    dialer->sock = sock;
    atomic_init(&dialer->pipes, 0);
    atomic_init(&dialer->connections, 0);
    flurm_loop_work_init(&dialer->changed, pipes_changed, dialer);
    ev_init(&dialer->watchdog, redial);
    dialer->watchdog.data = dialer;
    if (!(dialer->url = strdup(url)))
        goto error;
    if ((rv = nng_pipe_notify(sock, NNG_PIPE_EV_ADD_PRE, pipe_event, dialer)) != 0 ||
        (rv = nng_pipe_notify(sock, NNG_PIPE_EV_REM_POST, pipe_event, dialer)) != 0 ||
        (rv = nng_dial(sock, url, &dialer->nng, NNG_FLAG_NONBLOCK)) != 0) {
        errno = flurm_ipc_errno(rv);
        goto error;
    }
    /* Until the first pipe, the initial dial is watched like any other. */
    watch(dialer);
    return dialer;
error: {
    int saved = errno;

    (void)nng_pipe_notify(sock, NNG_PIPE_EV_ADD_PRE, NULL, NULL);
    (void)nng_pipe_notify(sock, NNG_PIPE_EV_REM_POST, NULL, NULL);
    flurm_loop_cancel(loop, &dialer->changed);
    free(dialer->url);
    free(dialer);
    errno = saved;
    return NULL;
}
}

int flurm_dialer_connected(const struct flurm_dialer *dialer)
{
    return atomic_load(&dialer->pipes) > 0;
}

unsigned long flurm_dialer_connections(const struct flurm_dialer *dialer)
{
    return atomic_load(&dialer->connections);
}

unsigned long flurm_dialer_redials(const struct flurm_dialer *dialer)
{
    return dialer->redials;
}

nng_dialer flurm_dialer_nng(const struct flurm_dialer *dialer)
{
    return dialer->nng;
}

void flurm_dialer_destroy(struct flurm_dialer *dialer)
{
    if (!dialer)
        return;
    ev_timer_stop(flurm_loop_ev(dialer->loop), &dialer->watchdog);
    flurm_loop_cancel(dialer->loop, &dialer->changed);
    free(dialer->url);
    free(dialer);
}
