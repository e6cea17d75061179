/*
 * histogram.h - a latency histogram in Prometheus' shape: counts per upper
 * bound (seconds), their sum and count.  The store's commits, the
 * scheduler's passes and the gateway's RPCs count into one each; services
 * report theirs in service.stats as JSON and the gateway's /metrics turns
 * them into Prometheus histograms (docs/observability.md).
 */
#ifndef FLURM_COMMON_HISTOGRAM_H
#define FLURM_COMMON_HISTOGRAM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* 100 µs to 10 s: from a ping answered in memory to a commit stuck on a
 * slow disk. */
#define FLURM_HISTOGRAM_BOUNDS 16
extern const double flurm_histogram_bounds[FLURM_HISTOGRAM_BOUNDS];

struct flurm_histogram {
    uint64_t buckets[FLURM_HISTOGRAM_BOUNDS + 1]; /* the last: above every bound */
    double sum;
    uint64_t count;
};

/* Count one observation of `seconds`.  Zero-initialised is empty. */
void flurm_histogram_observe(struct flurm_histogram *h, double seconds);

/* {"le": [bounds], "buckets": [count per bound, then above all], "sum",
 * "count"}: new reference, NULL and ENOMEM. */
json_t *flurm_histogram_json(const struct flurm_histogram *h);

#endif
