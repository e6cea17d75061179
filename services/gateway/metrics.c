/*
 * metrics.c - the gateway's Prometheus metrics (see metrics.h).
 *
 * The RPC table is a short array searched linearly: a controller sees a
 * few dozen message types, and a type number nobody names is folded into
 * one "unknown" row.  Rendering writes the whole exposition into one
 * memory stream; every family is written in one piece (the text format
 * wants a family's samples together), and a source that did not answer
 * leaves its families out rather than showing zeros that are not true.
 */
#include "services/gateway/metrics.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/histogram.h"
#include "wire/msg.h"


static const char *const result_names[GW_RPC_RESULTS] = {
    [GW_RPC_OK] = "ok",
    [GW_RPC_ERROR] = "error",
    [GW_RPC_UNSERVED] = "unserved",
    [GW_RPC_REFUSED] = "refused",
    [GW_RPC_CLOSED] = "closed",
};

/* The gateway's own counters (stats.h), as flurm_gateway_events_total. */
static const struct {
    enum gw_counter c;
    const char *name;
} gateway_events[] = {
    {GW_C_ACCEPTED, "accepted"},       {GW_C_REQUESTS, "requests"},
    {GW_C_REPLIES, "replies"},         {GW_C_BAD_FRAME, "bad_frame"},
    {GW_C_OVERSIZE, "oversize"},       {GW_C_BAD_VERSION, "bad_version"},
    {GW_C_AUTH_REFUSED, "auth_refused"}, {GW_C_UNSERVED, "unserved"},
    {GW_C_TIMEOUT_IO, "timeout_io"},   {GW_C_TIMEOUT_RPC, "timeout_rpc"},
    {GW_C_BACKEND_ERROR, "backend_error"}, {GW_C_CONN_LIMIT, "conn_limit"},
};

struct rpc_row {
    uint16_t type; /* 0: unknown */
    uint64_t count[GW_RPC_RESULTS];
    struct flurm_histogram seconds;
};

struct gw_metrics {
    struct rpc_row *rows;
    size_t n, cap;
};

struct gw_metrics *gw_metrics_create(void)
{
    struct gw_metrics *m = calloc(1, sizeof(*m));

    if (!m)
        errno = ENOMEM;
    return m;
}

void gw_metrics_destroy(struct gw_metrics *m)
{
    if (!m)
        return;
    free(m->rows);
    free(m);
}

static uint16_t row_key(uint16_t msg_type)
{
    return msg_type && flurm_msg_name(msg_type) ? msg_type : 0;
}

static struct rpc_row *find_row(const struct gw_metrics *m, uint16_t key)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->rows[i].type == key)
            return &m->rows[i];
    }
    return NULL;
}

void gw_metrics_rpc(struct gw_metrics *m, uint16_t msg_type, enum gw_rpc_result result,
                    double seconds)
{
    uint16_t key = row_key(msg_type);
    struct rpc_row *row = find_row(m, key);

    if ((unsigned)result >= GW_RPC_RESULTS)
        return;
    if (!row) {
        if (m->n == m->cap) {
            size_t cap = m->cap ? m->cap * 2 : 32;
            struct rpc_row *v = realloc(m->rows, cap * sizeof(*v));

            if (!v)
                return;
            m->rows = v;
            m->cap = cap;
        }
        row = &m->rows[m->n++];
        memset(row, 0, sizeof(*row));
        row->type = key;
    }
    if (!(seconds >= 0)) /* also NaN */
        seconds = 0;
    row->count[result]++;
    flurm_histogram_observe(&row->seconds, seconds);
}

uint64_t gw_metrics_rpc_count(const struct gw_metrics *m, uint16_t msg_type,
                              enum gw_rpc_result result)
{
    const struct rpc_row *row = find_row(m, row_key(msg_type));

    return row && (unsigned)result < GW_RPC_RESULTS ? row->count[result] : 0;
}

/* ---- writing the text format -------------------------------------------------- */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the text format wants it: backslash, quote and
 * newline escaped. */
static void label_value(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            fputs("\\\\", f);
        else if (*v == '"')
            fputs("\\\"", f);
        else if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

/* name{k1="v1",k2="v2"} value — the labels are NULL-terminated pairs. */
static void sample(FILE *f, const char *name, const char *const *labels, double value)
{
    fputs(name, f);
    if (labels && labels[0]) {
        fputc('{', f);
        for (size_t i = 0; labels[i]; i += 2) {
            fprintf(f, "%s%s=\"", i ? "," : "", labels[i]);
            label_value(f, labels[i + 1]);
            fputc('"', f);
        }
        fputc('}', f);
    }
    if (isnan(value))
        fputs(" NaN\n", f);
    else if (value == floor(value) && fabs(value) < 1e15)
        fprintf(f, " %.0f\n", value);
    else
        fprintf(f, " %.9g\n", value);
}

static double num(const json_t *j)
{
    return json_is_number(j) ? json_number_value(j) : NAN;
}

/* A scalar the service reports, as a one-sample family; nothing if the
 * source did not answer or does not report it. */
static void scalar(FILE *f, const json_t *src, const char *key, const char *name, const char *type,
                   const char *help)
{
    const json_t *v = json_object_get(src, key);

    if (!json_is_number(v))
        return;
    family(f, name, type, help);
    sample(f, name, NULL, num(v));
}

/* The samples of one histogram with extra labels (NULL-terminated pairs,
 * at most 4 pairs) from cumulative-ready per-bucket counts. */
static void histogram_samples(FILE *f, const char *name, const char *const *labels,
                              const double *bounds, const uint64_t *per_bucket, size_t nbounds,
                              double sum, uint64_t count)
{
    char bucket[256], le[32], total[256];
    const char *l[12];
    size_t nl = 0;
    uint64_t cum = 0;

    snprintf(bucket, sizeof(bucket), "%s_bucket", name);
    for (; labels && labels[nl] && nl < 8; nl += 2) {
        l[nl] = labels[nl];
        l[nl + 1] = labels[nl + 1];
    }
    l[nl] = "le";
    l[nl + 2] = NULL;
    for (size_t i = 0; i <= nbounds; i++) {
        cum += per_bucket[i];
        if (i < nbounds)
            snprintf(le, sizeof(le), "%g", bounds[i]);
        else
            snprintf(le, sizeof(le), "+Inf");
        l[nl + 1] = le;
        sample(f, bucket, l, (double)cum);
    }
    l[nl] = NULL;
    snprintf(total, sizeof(total), "%s_sum", name);
    sample(f, total, l, sum);
    snprintf(total, sizeof(total), "%s_count", name);
    sample(f, total, l, (double)count);
}

/* A histogram a service reports as {"le": [...], "buckets": [per bound,
 * then above all], "sum", "count"}; left out when it is not that. */
static void service_histogram(FILE *f, const json_t *h, const char *name, const char *help)
{
    const json_t *le = json_object_get(h, "le"), *bk = json_object_get(h, "buckets");
    size_t n = json_array_size(le);
    double bounds[64];
    uint64_t per[65];

    if (!json_is_array(le) || !json_is_array(bk) || n > 64 || json_array_size(bk) != n + 1 ||
        !json_is_number(json_object_get(h, "sum")) ||
        !json_is_integer(json_object_get(h, "count")))
        return;
    for (size_t i = 0; i <= n; i++) {
        const json_t *c = json_array_get(bk, i);

        if (i < n) {
            if (!json_is_number(json_array_get(le, i)))
                return;
            bounds[i] = json_number_value(json_array_get(le, i));
            if (i && bounds[i] <= bounds[i - 1])
                return;
        }
        if (!json_is_integer(c) || json_integer_value(c) < 0)
            return;
        per[i] = (uint64_t)json_integer_value(c);
    }
    family(f, name, "histogram", help);
    histogram_samples(f, name, NULL, bounds, per, n, num(json_object_get(h, "sum")),
                      (uint64_t)json_integer_value(json_object_get(h, "count")));
}

static void render_rpcs(FILE *f, const struct gw_metrics *m)
{
    family(f, "flurm_rpcs_total", "counter",
           "SLURM RPCs the gateway ended, by message type and result.");
    for (size_t i = 0; i < m->n; i++) {
        const struct rpc_row *row = &m->rows[i];
        const char *type = row->type ? flurm_msg_name(row->type) : "unknown";

        for (int r = 0; r < GW_RPC_RESULTS; r++) {
            const char *l[] = {"type", type, "result", result_names[r], NULL};

            if (row->count[r])
                sample(f, "flurm_rpcs_total", l, (double)row->count[r]);
        }
    }
    family(f, "flurm_rpc_duration_seconds", "histogram",
           "Time from a request's last byte to its reply frame, by message type.");
    for (size_t i = 0; i < m->n; i++) {
        const struct rpc_row *row = &m->rows[i];
        const char *l[] = {"type", row->type ? flurm_msg_name(row->type) : "unknown", NULL};

        histogram_samples(f, "flurm_rpc_duration_seconds", l, flurm_histogram_bounds,
                          row->seconds.buckets, FLURM_HISTOGRAM_BOUNDS, row->seconds.sum,
                          row->seconds.count);
    }
}

static void render_gateway(FILE *f, const struct gw_metrics_sources *src)
{
    family(f, "flurm_gateway_connections", "gauge", "SLURM client connections open now.");
    sample(f, "flurm_gateway_connections", NULL, (double)gw_stats_conns(src->stats));
    family(f, "flurm_gateway_backend_pending", "gauge",
           "Requests forwarded to the services and not answered yet.");
    sample(f, "flurm_gateway_backend_pending", NULL, (double)src->backend_pending);
    family(f, "flurm_gateway_events_total", "counter",
           "Connection-level events of the gateway (restarted by sdiag -r, as sdiag's tables).");
    for (size_t i = 0; i < sizeof(gateway_events) / sizeof(gateway_events[0]); i++) {
        const char *l[] = {"event", gateway_events[i].name, NULL};

        sample(f, "flurm_gateway_events_total", l,
               (double)gw_stats_get(src->stats, gateway_events[i].c));
    }
}

static void render_jobs(FILE *f, const struct gw_metrics_sources *src)
{
    static const struct {
        const char *key, *name, *help;
    } counters[] = {
        {"jobs_submitted", "flurm_jobs_submitted_total", "Jobs submitted (array tasks one by one)."},
        {"jobs_started", "flurm_jobs_started_total", "Jobs started."},
        {"jobs_completed", "flurm_jobs_completed_total", "Jobs that completed."},
        {"jobs_canceled", "flurm_jobs_canceled_total", "Jobs cancelled."},
        {"jobs_failed", "flurm_jobs_failed_total", "Jobs that failed to launch."},
    };
    const json_t *by = json_object_get(src->sched, "sched_jobs");
    json_t *parts, *cnt;
    const char *state, *part;

    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
        scalar(f, src->store, counters[i].key, counters[i].name, "counter", counters[i].help);
    if (!json_is_object(by))
        return;
    family(f, "flurm_jobs", "gauge", "Jobs by state and partition (array tasks one by one).");
    json_object_foreach((json_t *)by, state, parts) {
        json_object_foreach(parts, part, cnt) {
            const char *l[] = {"state", state, "partition", part, NULL};

            sample(f, "flurm_jobs", l, num(cnt));
        }
    }
}

static void render_nodes(FILE *f, const struct gw_metrics_sources *src)
{
    const json_t *by = json_object_get(src->nodes, "nodes_by_state");
    json_t *cnt;
    const char *state;

    if (!json_is_object(by))
        return;
    family(f, "flurm_nodes", "gauge", "Nodes by state, as scontrol names it.");
    json_object_foreach((json_t *)by, state, cnt) {
        const char *l[] = {"state", state, NULL};

        sample(f, "flurm_nodes", l, num(cnt));
    }
}

static void render_sched(FILE *f, const struct gw_metrics_sources *src)
{
    service_histogram(f, json_object_get(src->sched, "sched_pass_seconds"),
                      "flurm_scheduler_pass_duration_seconds",
                      "Duration of one scheduling pass (priorities, placement, backfill).");
    scalar(f, src->sched, "sched_jobs_considered", "flurm_scheduler_jobs_considered_total",
           "counter", "Pending jobs the scheduling passes decided on.");
    scalar(f, src->sched, "sched_jobs_started", "flurm_scheduler_jobs_started_total", "counter",
           "Jobs the scheduler asked the store to start.");
}

static void render_store(FILE *f, const struct gw_metrics_sources *src)
{
    scalar(f, src->store, "store_commits", "flurm_jobstore_commits_total", "counter",
           "Group commits of the job store (one transaction and one fsync each).");
    scalar(f, src->store, "store_commands", "flurm_jobstore_commands_total", "counter",
           "Commands the job store committed.");
    service_histogram(f, json_object_get(src->store, "store_commit_seconds"),
                      "flurm_jobstore_commit_duration_seconds",
                      "Duration of one group commit, fsync included.");
}

/* Every node of the supervisor's tree, depth first. */
static void sup_walk(FILE *f, const json_t *node, int what)
{
    const char *name = json_string_value(json_object_get(node, "name"));
    const char *kind = json_string_value(json_object_get(node, "kind"));
    const char *state = json_string_value(json_object_get(node, "state"));
    const json_t *children = json_object_get(node, "children"), *child;
    size_t i;

    if (name) {
        const char *l[] = {"service", name, "kind", kind ? kind : "", NULL};
        const json_t *v;

        if (what == 0 && json_is_number(v = json_object_get(node, "restarts")))
            sample(f, "flurm_service_restarts_total", l, num(v));
        else if (what == 1 && json_is_number(v = json_object_get(node, "uptime")))
            sample(f, "flurm_service_uptime_seconds", l, num(v));
        else if (what == 2)
            sample(f, "flurm_service_up", l, state && !strcmp(state, "ready") ? 1 : 0);
    }
    json_array_foreach(children, i, child)
        sup_walk(f, child, what);
}

static void render_sup(FILE *f, const struct gw_metrics_sources *src)
{
    const json_t *tree = json_object_get(src->sup, "tree");

    if (!json_is_object(tree))
        return;
    family(f, "flurm_service_restarts_total", "counter",
           "Restarts of each node of the supervision tree.");
    sup_walk(f, tree, 0);
    family(f, "flurm_service_uptime_seconds", "gauge",
           "Seconds since each node of the supervision tree was last ready.");
    sup_walk(f, tree, 1);
    family(f, "flurm_service_up", "gauge", "1 if the node of the supervision tree is ready.");
    sup_walk(f, tree, 2);
}

char *gw_metrics_render(const struct gw_metrics *m, const struct gw_metrics_sources *src,
                        size_t *len)
{
    static const char *const source_names[] = {"store", "nodes", "sched", "supervisor"};
    const json_t *sources[] = {src->store, src->nodes, src->sched, src->sup};
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);

    if (!f) {
        errno = ENOMEM;
        return NULL;
    }
    render_rpcs(f, m);
    render_gateway(f, src);
    family(f, "flurm_gateway_uptime_seconds", "gauge", "Seconds since this gateway started.");
    sample(f, "flurm_gateway_uptime_seconds", NULL, src->gateway_uptime);
    render_jobs(f, src);
    render_nodes(f, src);
    render_sched(f, src);
    render_store(f, src);
    render_sup(f, src);
    family(f, "flurm_scrape_source_up", "gauge",
           "1 if the source answered for this scrape (else its metrics are left out).");
    for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
        const char *l[] = {"source", source_names[i], NULL};

        sample(f, "flurm_scrape_source_up", l, sources[i] ? 1 : 0);
    }
    if (ferror(f)) {
        fclose(f);
        free(text);
        errno = ENOMEM;
        return NULL;
    }
    if (fclose(f) != 0) {
        free(text);
        errno = ENOMEM;
        return NULL;
    }
    if (len)
        *len = size;
    return text;
}
