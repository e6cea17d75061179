/*
 * scrape.c - /metrics: collect, cache, render, answer (see scrape.h).
 *
 * One collection at a time: a scrape that arrives while one runs waits for
 * it instead of asking the services again.  A source that does not answer
 * in time is left out of that scrape (flurm_scrape_source_up 0) rather
 * than shown with stale or zero values.
 */
#include "services/gateway/scrape.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "services/gateway/http.h"

enum source { SRC_STORE, SRC_NODES, SRC_SCHED, SRC_SUP, SRC_COUNT };

static const char *const service_of[SRC_COUNT] = {"store", "nodes", "sched", NULL};

struct source_call {
    struct gw_scrape *scrape;
    enum source which;
};

struct gw_scrape {
    struct gw_scrape_config cfg;
    struct gw_http *http;
    double created;
    bool stopped;

    json_t *cached[SRC_COUNT]; /* the last collection's answers (NULL: none) */
    double cached_at;
    bool have_cache;

    bool collecting;
    int outstanding;
    json_t *fresh[SRC_COUNT];
    struct source_call calls[SRC_COUNT];

    struct gw_http_request **waiting;
    size_t nwaiting, capwaiting;
};

static void answer(struct gw_scrape *s, struct gw_http_request *req)
{
    struct gw_metrics_sources src = {
        .stats = s->cfg.stats,
        .backend_pending = gw_backends_pending(s->cfg.backends),
        .store = s->cached[SRC_STORE],
        .nodes = s->cached[SRC_NODES],
        .sched = s->cached[SRC_SCHED],
        .sup = s->cached[SRC_SUP],
        .gateway_uptime = flurm_loop_now(s->cfg.loop) - s->created,
    };
    size_t len = 0;
    char *text = gw_metrics_render(s->cfg.metrics, &src, &len);

    if (!text) {
        static const char oom[] = "out of memory\n";
        gw_http_respond(req, 500, "text/plain", oom, sizeof(oom) - 1);
        return;
    }
    gw_http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}

static void answer_waiting(struct gw_scrape *s)
{
    for (size_t i = 0; i < s->nwaiting; i++)
        answer(s, s->waiting[i]);
    s->nwaiting = 0;
}

static void collected(struct gw_scrape *s)
{
    for (int i = 0; i < SRC_COUNT; i++) {
        json_decref(s->cached[i]);
        s->cached[i] = s->fresh[i];
        s->fresh[i] = NULL;
    }
    s->cached_at = flurm_loop_now(s->cfg.loop);
    s->have_cache = true;
    s->collecting = false;
    answer_waiting(s);
}

static void source_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct source_call *call = arg;
    struct gw_scrape *s = call->scrape;
    json_t *body;

    if (!errnum && reply && flurm_msg_ok(reply) && (body = flurm_msg_body(reply)) &&
        json_is_object(body))
        s->fresh[call->which] = json_incref(body);
    else if (errnum && errnum != ECANCELED)
        flurm_debug("metrics: %s did not answer: %s",
                    service_of[call->which] ? service_of[call->which] : "flurm-sup",
                    strerror(errnum));
    if (--s->outstanding == 0)
        collected(s);
}

static void ask(struct gw_scrape *s, enum source which, struct flurm_client *client,
                const char *type)
{
    if (!client)
        return;
    s->outstanding++;
    if (flurm_client_request(client, type, NULL, s->cfg.timeout, source_done, &s->calls[which]) <
        0)
        s->outstanding--;
}

/* Ask every present service and the supervisor; `collected` runs when the
 * last one answered or gave up (maybe before this returns). */
static void collect(struct gw_scrape *s)
{
    s->collecting = true;
    s->outstanding = 1; /* held until every request is out */
    for (int i = 0; i < SRC_SUP; i++) {
        if (gw_backends_present(s->cfg.backends, service_of[i]))
            ask(s, (enum source)i, gw_backends_client(s->cfg.backends, service_of[i]),
                "service.stats");
    }
    ask(s, SRC_SUP, gw_backends_supervisor(s->cfg.backends), "sup.status");
    if (--s->outstanding == 0)
        collected(s);
}

static void on_scrape(struct gw_http_request *req, void *arg)
{
    struct gw_scrape *s = arg;

    if (s->have_cache && !s->collecting &&
        flurm_loop_now(s->cfg.loop) - s->cached_at < s->cfg.cache_seconds) {
        answer(s, req);
        return;
    }
    if (s->nwaiting == s->capwaiting) {
        size_t cap = s->capwaiting ? s->capwaiting * 2 : 8;
        struct gw_http_request **v = realloc(s->waiting, cap * sizeof(*v));

        if (!v) {
            static const char oom[] = "out of memory\n";
            gw_http_respond(req, 500, "text/plain", oom, sizeof(oom) - 1);
            return;
        }
        s->waiting = v;
        s->capwaiting = cap;
    }
    s->waiting[s->nwaiting++] = req;
    if (!s->collecting)
        collect(s);
}

struct gw_scrape *gw_scrape_create(const struct gw_scrape_config *cfg)
{
    struct gw_scrape *s;

    if (!cfg || !cfg->loop || !cfg->backends || !cfg->stats || !cfg->metrics || !cfg->addr) {
        errno = EINVAL;
        return NULL;
    }
    if (!(s = calloc(1, sizeof(*s)))) {
        errno = ENOMEM;
        return NULL;
    }
    s->cfg = *cfg;
    s->created = flurm_loop_now(cfg->loop);
    for (int i = 0; i < SRC_COUNT; i++)
        s->calls[i] = (struct source_call){s, (enum source)i};
    if (!(s->http = gw_http_create(cfg->loop, cfg->addr, "/metrics", on_scrape, s)))
        goto error;
    return s;
error:
    gw_scrape_destroy(s);
    return NULL;
}

void gw_scrape_stop(struct gw_scrape *s)
{
    if (!s || s->stopped)
        return;
    s->stopped = true;
    answer_waiting(s);
    gw_http_stop(s->http);
}

void gw_scrape_destroy(struct gw_scrape *s)
{
    int err = errno;

    if (!s)
        return;
    gw_scrape_stop(s);
    gw_http_destroy(s->http);
    for (int i = 0; i < SRC_COUNT; i++) {
        json_decref(s->cached[i]);
        json_decref(s->fresh[i]);
    }
    free(s->waiting);
    free(s);
    errno = err;
}

uint16_t gw_scrape_port(const struct gw_scrape *s)
{
    return s ? gw_http_port(s->http) : 0;
}
