/*
 * listener.c - accepting clients (see listener.h).
 *
 * When accept() runs out of file descriptors, the pending connection cannot
 * be taken and level-triggered libev would wake us again at once; accepting
 * is paused for a moment instead of spinning.
 */
#include "services/gateway/listener.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

/* Connections taken per wake-up, so that one busy socket does not starve
 * the connections already open. */
#define ACCEPT_BURST 64
#define FD_EXHAUSTED_PAUSE_S 0.1

struct watcher {
    ev_io io;
    struct gw_listener *l;
};

struct gw_listener {
    struct flurm_loop *loop;
    struct watcher *w;
    size_t n;
    bool own_fds;
    bool running;
    ev_timer retry;
    gw_accept_fn cb;
    void *arg;
};

static void start_all(struct gw_listener *l)
{
    for (size_t i = 0; i < l->n; i++)
        ev_io_start(flurm_loop_ev(l->loop), &l->w[i].io);
}

static void stop_all(struct gw_listener *l)
{
    for (size_t i = 0; i < l->n; i++)
        ev_io_stop(flurm_loop_ev(l->loop), &l->w[i].io);
}

static void retry_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct gw_listener *l = w->data;

    (void)ev;
    (void)revents;
    if (l->running)
        start_all(l);
}

static void accept_cb(struct ev_loop *ev, ev_io *w, int revents)
{
    struct watcher *wa = (struct watcher *)w;
    struct gw_listener *l = wa->l;

    (void)revents;
    for (int i = 0; i < ACCEPT_BURST && l->running; i++) {
        struct sockaddr_storage addr;
        socklen_t len = sizeof(addr);
        int fd = accept4(w->fd, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd >= 0) {
            l->cb(fd, (struct sockaddr *)&addr, len, l->arg);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            flurm_warn("accept: %s: pausing for %.0f ms", strerror(errno),
                       FD_EXHAUSTED_PAUSE_S * 1000);
            stop_all(l);
            ev_timer_stop(ev, &l->retry);
            ev_timer_set(&l->retry, FD_EXHAUSTED_PAUSE_S, 0.0);
            ev_timer_start(ev, &l->retry);
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            flurm_warn("accept: %s", strerror(errno));
        }
        return;
    }
}

struct gw_listener *gw_listener_create(struct flurm_loop *loop, const int *fds, size_t n,
                                       bool own_fds, gw_accept_fn cb, void *arg)
{
    struct gw_listener *l = NULL;

    if (!loop || !fds || n == 0 || !cb) {
        errno = EINVAL;
        goto error;
    }
    if (!(l = calloc(1, sizeof(*l))) || !(l->w = calloc(n, sizeof(*l->w))))
        goto error;
    l->loop = loop;
    l->n = n;
    l->own_fds = own_fds;
    l->cb = cb;
    l->arg = arg;
    for (size_t i = 0; i < n; i++) {
        ev_io_init(&l->w[i].io, accept_cb, fds[i], EV_READ);
        l->w[i].l = l;
    }
    ev_timer_init(&l->retry, retry_cb, FD_EXHAUSTED_PAUSE_S, 0.0);
    l->retry.data = l;
    return l;
error:
    if (l)
        free(l->w);
    free(l);
    return NULL;
}

void gw_listener_destroy(struct gw_listener *l)
{
    if (!l)
        return;
    gw_listener_pause(l);
    for (size_t i = 0; l->own_fds && i < l->n; i++)
        close(l->w[i].io.fd);
    free(l->w);
    free(l);
}

void gw_listener_pause(struct gw_listener *l)
{
    l->running = false;
    stop_all(l);
    ev_timer_stop(flurm_loop_ev(l->loop), &l->retry);
}

void gw_listener_resume(struct gw_listener *l)
{
    if (l->running)
        return;
    l->running = true;
    start_all(l);
}

int gw_listener_parse_fds(const char *value, int *fds, size_t max)
{
    const char *p = value;
    size_t n = 0;

    if (!value || !*value) {
        errno = EINVAL;
        return -1;
    }
    while (*p) {
        char *end;
        long fd;
        struct stat st;

        errno = 0;
        fd = strtol(p, &end, 10);
        if (errno || end == p || fd < 0 || fd > 65535 || (*end && *end != ',')) {
            errno = EINVAL;
            return -1;
        }
        if (n == max) {
            errno = E2BIG;
            return -1;
        }
        if (fstat((int)fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
            errno = EBADF;
            return -1;
        }
        fds[n++] = (int)fd;
        p = *end ? end + 1 : end;
    }
    return (int)n;
}

int gw_listener_open(const char *hostport, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    const char *colon = hostport ? strrchr(hostport, ':') : NULL;
    char host[256];
    int fd = -1, one = 1, rc;

    if (!colon || colon == hostport + strlen(hostport) - 1 ||
        (size_t)(colon - hostport) >= sizeof(host)) {
        snprintf(err, errlen, "--listen wants HOST:PORT, got \"%s\"", hostport ? hostport : "");
        return -1;
    }
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = '\0';
    rc = getaddrinfo(host[0] && strcmp(host, "*") ? host : NULL, colon + 1, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", hostport, gai_strerror(rc));
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
        snprintf(err, errlen, "listen on %s: %s", hostport, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}
