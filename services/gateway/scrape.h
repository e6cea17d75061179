/*
 * scrape.h - the gateway's /metrics endpoint: an HTTP server (http.h) whose
 * answers are rendered by metrics.h from the gateway's own counters and
 * from what the services and the supervisor report.
 *
 * A scrape never blocks the loop on another process: the services are
 * asked asynchronously (service.stats of store, nodes and sched,
 * sup.status of flurm-sup), each answer waited for at most `timeout`, and
 * the answers are kept `cache_seconds`, so that scrapes in a burst (two
 * Prometheus servers, a human with curl) cost the services one question.
 * The gateway's own numbers are always read at the moment of the scrape.
 */
#ifndef FLURM_GW_SCRAPE_H
#define FLURM_GW_SCRAPE_H

#include <stdint.h>

#include "common/loop.h"
#include "services/gateway/backend.h"
#include "services/gateway/metrics.h"
#include "services/gateway/stats.h"

struct gw_scrape_config {
    struct flurm_loop *loop;        /* borrowed, outlives the endpoint */
    struct gw_backends *backends;   /* borrowed: the services' clients */
    const struct gw_stats *stats;   /* borrowed */
    const struct gw_metrics *metrics; /* borrowed */
    const char *addr;               /* "HOST:PORT" (copied by http.h) */
    double cache_seconds;           /* how long the services' answers are reused */
    double timeout;                 /* seconds one service may take to answer */
};

struct gw_scrape;

/* Start serving GET /metrics on cfg->addr (see http.h: a busy address is
 * tried again in the background).  NULL with errno EINVAL for an address
 * that cannot be parsed, ENOMEM.  Caller destroys. */
struct gw_scrape *gw_scrape_create(const struct gw_scrape_config *cfg);

/* Answer every waiting scrape with what is known now, then stop
 * listening (a draining gateway lets the next instance take the port).
 * Idempotent. */
void gw_scrape_stop(struct gw_scrape *s);

/* Stops, then frees.  Requests still out to the services must have
 * completed (destroy the backends first: that completes them).  NULL-safe. */
void gw_scrape_destroy(struct gw_scrape *s);

/* The port listened on, 0 while not (yet) listening. */
uint16_t gw_scrape_port(const struct gw_scrape *s);

#endif
