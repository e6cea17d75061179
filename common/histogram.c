/*
 * histogram.c - latency histograms in Prometheus' shape (see histogram.h).
 */
#include "common/histogram.h"

#include <errno.h>

const double flurm_histogram_bounds[FLURM_HISTOGRAM_BOUNDS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10,
};

void flurm_histogram_observe(struct flurm_histogram *h, double seconds)
{
    size_t b = 0;

    while (b < FLURM_HISTOGRAM_BOUNDS && seconds > flurm_histogram_bounds[b])
        b++;
    h->buckets[b]++;
    h->count++;
    h->sum += seconds;
}

json_t *flurm_histogram_json(const struct flurm_histogram *h)
{
    json_t *le = json_array(), *buckets = json_array();

    for (size_t i = 0; le && buckets && i <= FLURM_HISTOGRAM_BOUNDS; i++) {
        if ((i < FLURM_HISTOGRAM_BOUNDS &&
             json_array_append_new(le, json_real(flurm_histogram_bounds[i])) < 0) ||
            json_array_append_new(buckets, json_integer((json_int_t)h->buckets[i])) < 0)
            goto nomem;
    }
    if (!le || !buckets)
        goto nomem;
    return json_pack("{s:o, s:o, s:f, s:I}", "le", le, "buckets", buckets, "sum", h->sum, "count",
                     (json_int_t)h->count);
nomem:
    json_decref(le);
    json_decref(buckets);
    errno = ENOMEM;
    return NULL;
}
