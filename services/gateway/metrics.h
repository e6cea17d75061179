/*
 * metrics.h - the gateway's Prometheus metrics: what it measures itself
 * (every SLURM RPC by message type and result, with a latency histogram)
 * and the text exposition of everything /metrics shows, rendered from the
 * gateway's counters, the services' service.stats answers and the
 * supervisor's sup.status (docs/observability.md, "Metrics").
 *
 * Unlike the sdiag tables (stats.h), nothing here is ever reset: `sdiag -r`
 * restarts sdiag's numbers, while Prometheus counters only grow for the
 * life of the process.
 */
#ifndef FLURM_GW_METRICS_H
#define FLURM_GW_METRICS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "services/gateway/stats.h"

/* How one RPC ended: the `result` label of flurm_rpcs_total. */
enum gw_rpc_result {
    GW_RPC_OK,       /* a reply record, or return code 0 */
    GW_RPC_ERROR,    /* a non-zero return code (the service's or the gateway's) */
    GW_RPC_UNSERVED, /* authenticated, but FLURM does not serve the type (EINVAL) */
    GW_RPC_REFUSED,  /* version or credential refused */
    GW_RPC_CLOSED,   /* closed without a reply (unreadable, or no reply could be signed) */
    GW_RPC_RESULTS,
};

struct gw_metrics;

/* NULL/ENOMEM.  Caller destroys. */
struct gw_metrics *gw_metrics_create(void);
void gw_metrics_destroy(struct gw_metrics *m); /* NULL-safe */

/* One RPC ended: its message type (enum flurm_msg_type, the canonical
 * number wire/msg.h names; 0 or a number it does not name is counted as
 * "unknown", so a hostile peer cannot grow the table), how, and how long
 * it took in seconds.  Never fails: an RPC that cannot be recorded for
 * lack of memory goes uncounted. */
void gw_metrics_rpc(struct gw_metrics *m, uint16_t msg_type, enum gw_rpc_result result,
                    double seconds);

/* The count of RPCs of type msg_type that ended as `result`. */
uint64_t gw_metrics_rpc_count(const struct gw_metrics *m, uint16_t msg_type,
                              enum gw_rpc_result result);

/* Everything a scrape shows besides the RPCs; all borrowed, any JSON may
 * be NULL (that source did not answer: its metrics are left out and
 * flurm_scrape_source_up says so). */
struct gw_metrics_sources {
    const struct gw_stats *stats; /* the gateway's connection counters */
    size_t backend_pending;       /* requests forwarded and not answered */
    const json_t *store;          /* service.stats bodies */
    const json_t *nodes;
    const json_t *sched;
    const json_t *sup;            /* sup.status body */
    double gateway_uptime;        /* seconds */
};

/* The Prometheus text exposition (format 0.0.4) of m and src: a malloc'ed
 * NUL-terminated string the caller frees, its length in *len.  NULL and
 * ENOMEM. */
char *gw_metrics_render(const struct gw_metrics *m, const struct gw_metrics_sources *src,
                        size_t *len);

#endif
