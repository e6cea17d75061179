/*
 * http.c - one HTTP GET path on NNG's HTTP server, answered on the loop
 * (see http.h).
 *
 * Requests cross from NNG's threads to the loop through a mutex-guarded
 * list and one posted work item.  NNG's server stop waits until every
 * handler's aio has finished, and only the loop finishes them; so stopping
 * first marks the server closing (under the mutex: a request arriving
 * after that is answered 503 by NNG's own thread), answers everything
 * already handed over, and only then asks NNG to stop.
 */
#include "services/gateway/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* How often a busy address is tried again (a reload's old instance lets
 * go of it when its drain begins). */
#define RETRY_S 0.5
/* NNG's server stop closes every connection at once, replies still being
 * written included: the answers given when stopping get this long to
 * reach their clients before the listener goes. */
#define STOP_GRACE_S 0.1

struct gw_http_request {
    nng_aio *aio;
    struct gw_http *http;
    struct gw_http_request *next, *prev; /* in `incoming` (next only) or `taken` */
};

struct gw_http {
    struct flurm_loop *loop;
    char *url_text;
    char *path;
    gw_http_fn fn;
    void *arg;
    nng_http_server *srv; /* held and started, or NULL */
    uint16_t port;
    bool stopped;
    bool busy_logged;
    ev_timer retry_w;
    ev_timer grace_w;

    /* Shared with NNG's threads. */
    pthread_mutex_t mtx;
    bool closing;
    struct gw_http_request *incoming; /* newest first */
    struct flurm_loop_work work;

    /* Loop thread only: handed to fn, not answered yet. */
    struct gw_http_request *taken;
};

/* Answer with an empty body and `status`, from any thread. */
static void finish_status(nng_aio *aio, uint16_t status)
{
    nng_http_res *res;

    if (nng_http_res_alloc_error(&res, status) != 0) {
        nng_aio_finish(aio, NNG_ENOMEM);
        return;
    }
    nng_aio_set_output(aio, 0, res);
    nng_aio_finish(aio, 0);
}

/* NNG's thread: queue the request for the loop. */
static void on_request(nng_aio *aio)
{
    struct gw_http *h = nng_http_handler_get_data(nng_aio_get_input(aio, 1));
    struct gw_http_request *req;

    pthread_mutex_lock(&h->mtx);
    if (h->closing || !(req = calloc(1, sizeof(*req)))) {
        pthread_mutex_unlock(&h->mtx);
        finish_status(aio, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE);
        return;
    }
    req->aio = aio;
    req->http = h;
    req->next = h->incoming;
    h->incoming = req;
    /* Posted under the lock: once `closing` is set nobody touches h. */
    flurm_loop_post(h->loop, &h->work);
    pthread_mutex_unlock(&h->mtx);
}

static void unlink_taken(struct gw_http *h, struct gw_http_request *req)
{
    if (req->prev)
        req->prev->next = req->next;
    else
        h->taken = req->next;
    if (req->next)
        req->next->prev = req->prev;
    req->next = req->prev = NULL;
}

/* Loop thread: hand the queued requests to the owner, oldest first. */
static void deliver(void *arg)
{
    struct gw_http *h = arg;
    struct gw_http_request *list, *fifo = NULL, *req;

    pthread_mutex_lock(&h->mtx);
    list = h->incoming;
    h->incoming = NULL;
    pthread_mutex_unlock(&h->mtx);
    while (list) { /* reverse: arrival order */
        req = list;
        list = list->next;
        req->next = fifo;
        fifo = req;
    }
    while ((req = fifo)) {
        fifo = req->next;
        req->prev = NULL;
        req->next = h->taken;
        if (h->taken)
            h->taken->prev = req;
        h->taken = req;
        h->fn(req, h->arg);
    }
}

static uint16_t bound_port(nng_http_server *srv)
{
    nng_sockaddr sa;

    if (nng_http_server_get_addr(srv, &sa) != 0)
        return 0;
    if (sa.s_family == NNG_AF_INET)
        return ntohs(sa.s_in.sa_port);
    if (sa.s_family == NNG_AF_INET6)
        return ntohs(sa.s_in6.sa_port);
    return 0;
}

/* Hold a server for the URL, add the handler and start it.  0, or an NNG
 * error (NNG_EADDRINUSE while another instance holds the port). */
static int try_listen(struct gw_http *h)
{
    nng_url *url = NULL;
    nng_http_server *srv = NULL;
    nng_http_handler *handler = NULL;
    int rv;

    if ((rv = nng_url_parse(&url, h->url_text)) != 0 || (rv = nng_http_server_hold(&srv, url)) != 0)
        goto error;
    if ((rv = nng_http_handler_alloc(&handler, h->path, on_request)) != 0 ||
        (rv = nng_http_handler_set_data(handler, h, NULL)) != 0 ||
        (rv = nng_http_server_add_handler(srv, handler)) != 0)
        goto error;
    handler = NULL; /* the server's now */
    if ((rv = nng_http_server_start(srv)) != 0)
        goto error;
    nng_url_free(url);
    h->srv = srv;
    h->port = bound_port(srv);
    return 0;
error:
    if (handler)
        nng_http_handler_free(handler);
    if (srv)
        nng_http_server_release(srv);
    if (url)
        nng_url_free(url);
    return rv;
}

/* 0 when listening or waiting for a busy address, else the NNG error. */
static int listen_or_retry(struct gw_http *h)
{
    int rv = try_listen(h);

    if (rv == 0) {
        flurm_info("serving %s%s (port %u)", h->url_text, h->path, (unsigned)h->port);
        return 0;
    }
    if (rv != NNG_EADDRINUSE && !h->busy_logged) /* at start: the address is wrong */
        return rv;
    if (!h->busy_logged) {
        h->busy_logged = true;
        flurm_warn("cannot listen on %s: %s; trying again every %.1f s", h->url_text,
                   nng_strerror(rv), RETRY_S);
    }
    ev_timer_set(&h->retry_w, RETRY_S, 0.0);
    ev_timer_start(flurm_loop_ev(h->loop), &h->retry_w);
    return 0;
}

static void retry_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct gw_http *h = w->data;

    (void)ev;
    (void)revents;
    if (!h->stopped)
        (void)listen_or_retry(h);
}

/* Let go of the port now. */
static void stop_server(struct gw_http *h)
{
    ev_timer_stop(flurm_loop_ev(h->loop), &h->grace_w);
    if (h->srv) {
        nng_http_server_stop(h->srv);
        nng_http_server_release(h->srv);
        h->srv = NULL;
        h->port = 0;
    }
}

static void grace_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)ev;
    (void)revents;
    stop_server(w->data);
}

/* The text after the last ':' of the authority is a port number. */
static bool names_port(const char *text)
{
    const char *auth = strstr(text, "://"), *end, *colon = NULL;

    auth = auth ? auth + 3 : text;
    end = auth + strcspn(auth, "/");
    for (const char *p = auth; p < end; p++) {
        if (*p == ':')
            colon = p;
    }
    if (!colon || colon + 1 == end)
        return false;
    for (const char *p = colon + 1; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
    }
    return true;
}

/* "HOST:PORT" -> "http://HOST:PORT"; a URL is taken as it is. */
static char *url_of(const char *addr)
{
    char *text = NULL;
    nng_url *url = NULL;

    if (!addr || !*addr || !names_port(addr))
        goto einval;
    if (strstr(addr, "://"))
        text = strdup(addr);
    else if (asprintf(&text, "http://%s", addr) < 0)
        text = NULL;
    if (!text) {
        errno = ENOMEM;
        return NULL;
    }
    if (nng_url_parse(&url, text) != 0 || strcmp(url->u_scheme, "http") != 0 ||
        !*url->u_port || (url->u_path[0] && strcmp(url->u_path, "/") != 0))
        goto einval;
    nng_url_free(url);
    return text;
einval:
    if (url)
        nng_url_free(url);
    free(text);
    errno = EINVAL;
    return NULL;
}

struct gw_http *gw_http_create(struct flurm_loop *loop, const char *addr, const char *path,
                               gw_http_fn fn, void *arg)
{
    struct gw_http *h = NULL;
    int err;

    if (!loop || !path || path[0] != '/' || !fn) {
        errno = EINVAL;
        return NULL;
    }
    if (!(h = calloc(1, sizeof(*h)))) {
        errno = ENOMEM;
        return NULL;
    }
    if ((err = pthread_mutex_init(&h->mtx, NULL)) != 0) {
        free(h);
        errno = err;
        return NULL;
    }
    h->loop = loop;
    h->fn = fn;
    h->arg = arg;
    flurm_loop_work_init(&h->work, deliver, h);
    ev_init(&h->retry_w, retry_cb);
    h->retry_w.data = h;
    ev_init(&h->grace_w, grace_cb);
    h->grace_w.data = h;
    if (!(h->url_text = url_of(addr)) || !(h->path = strdup(path)))
        goto error;
    if ((err = listen_or_retry(h)) != 0) {
        flurm_err("cannot listen on %s: %s", h->url_text, nng_strerror(err));
        errno = err == NNG_ENOMEM ? ENOMEM : EINVAL;
        goto error;
    }
    return h;
error:
    err = errno ? errno : ENOMEM;
    gw_http_destroy(h);
    errno = err;
    return NULL;
}

void gw_http_stop(struct gw_http *h)
{
    struct gw_http_request *req, *next;

    if (!h || h->stopped)
        return;
    h->stopped = true;
    ev_timer_stop(flurm_loop_ev(h->loop), &h->retry_w);
    pthread_mutex_lock(&h->mtx);
    h->closing = true;
    req = h->incoming;
    h->incoming = NULL;
    pthread_mutex_unlock(&h->mtx);
    for (; req; req = next) {
        next = req->next;
        finish_status(req->aio, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE);
        free(req);
    }
    while ((req = h->taken)) {
        unlink_taken(h, req);
        finish_status(req->aio, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE);
        free(req);
    }
    if (h->srv) {
        ev_timer_set(&h->grace_w, STOP_GRACE_S, 0.0);
        ev_timer_start(flurm_loop_ev(h->loop), &h->grace_w);
    }
}

void gw_http_destroy(struct gw_http *h)
{
    if (!h)
        return;
    gw_http_stop(h);
    stop_server(h);
    flurm_loop_cancel(h->loop, &h->work);
    pthread_mutex_destroy(&h->mtx);
    free(h->url_text);
    free(h->path);
    free(h);
}

uint16_t gw_http_port(const struct gw_http *h)
{
    return h && h->srv && !h->stopped ? h->port : 0;
}

void gw_http_respond(struct gw_http_request *req, uint16_t status, const char *content_type,
                     const char *body, size_t len)
{
    nng_http_res *res = NULL;

    unlink_taken(req->http, req);
    if (nng_http_res_alloc(&res) != 0 || nng_http_res_set_status(res, status) != 0 ||
        (content_type && nng_http_res_set_header(res, "Content-Type", content_type) != 0) ||
        nng_http_res_copy_data(res, body, len) != 0) {
        if (res)
            nng_http_res_free(res);
        nng_aio_finish(req->aio, NNG_ENOMEM);
        free(req);
        return;
    }
    nng_aio_set_output(req->aio, 0, res);
    nng_aio_finish(req->aio, 0);
    free(req);
}
