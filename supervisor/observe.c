/*
 * observe.c - `flurm-sup inspect` and `flurm-sup trace` (see observe.h).
 *
 * trace JOBID reads what the services already keep: the job store's
 * command log says which commands touched the job and under which trace
 * (every logged command carries the trace of the request that made it),
 * and the spans files say where each trace went.  The log is read from the
 * store's database file, read-only, in this process: a scan over a large
 * log must not hold up the store's loop.  The store says where its file
 * is ("service.inspect" counters).
 */
#include "supervisor/observe.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <sqlite3.h>

#include "common/ipc.h"
#include "common/log.h"
#include "common/msg.h"

enum { CLI_OK = 0, CLI_FAILED = 1 };

int sup_service_call(const char *rundir, const char *service, const char *type,
                     const json_t *body, int timeout_ms, json_t **reply, int *code, char *err,
                     size_t errlen)
{
    nng_socket sock = NNG_SOCKET_INITIALIZER;
    char *url = NULL, *path = NULL, *buf = NULL, *rbuf = NULL;
    char req_id[64], trace[FLURM_TRACE_MAX];
    struct flurm_msg *msg = NULL;
    struct flurm_msg_error merr;
    struct stat st;
    size_t len = 0, rlen = 0;
    int rv, rc = -2;

    *reply = NULL;
    if (!(url = flurm_ipc_link_url(rundir, service, FLURM_IPC_REQ)) ||
        !(path = flurm_ipc_link_path(rundir, service, FLURM_IPC_REQ))) {
        snprintf(err, errlen, "%s: not a service name or run folder: %s", service,
                 strerror(errno));
        goto out;
    }
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "%s is not running here (%s: %s)", service, path, strerror(errno));
        goto out;
    }
    snprintf(req_id, sizeof(req_id), "flurm-sup.%ld.1", (long)getpid());
    flurm_trace_generate(trace, sizeof(trace));
    if (!(buf = flurm_msg_encode_request(type, req_id, trace, body, &len))) {
        snprintf(err, errlen, "cannot encode %s: %s", type, strerror(errno));
        goto out;
    }
    if ((rv = nng_req0_open(&sock)) != 0 ||
        (rv = nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE)) != 0 ||
        (rv = nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, timeout_ms)) != 0 ||
        (rv = nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, timeout_ms)) != 0 ||
        (rv = nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, FLURM_IPC_MSG_MAX)) != 0 ||
        (rv = nng_dial(sock, url, NULL, 0)) != 0 || (rv = nng_send(sock, buf, len, 0)) != 0 ||
        (rv = nng_recv(sock, &rbuf, &rlen, NNG_FLAG_ALLOC)) != 0) {
        snprintf(err, errlen, "%s: %s", service, nng_strerror(rv));
        goto out;
    }
    if (!(msg = flurm_msg_decode(FLURM_MSG_REPLY, rbuf, rlen, &merr))) {
        snprintf(err, errlen, "%s: undecodable reply: %s", service, merr.text);
        goto out;
    }
    if (!flurm_msg_ok(msg)) {
        if (code)
            *code = flurm_msg_error_code(msg);
        snprintf(err, errlen, "%s", flurm_msg_error_text(msg));
        rc = -1;
        goto out;
    }
    *reply = json_incref(flurm_msg_body(msg));
    rc = 0;
out:
    flurm_msg_destroy(msg);
    if (rbuf)
        nng_free(rbuf, rlen);
    if (nng_socket_id(sock) > 0)
        nng_close(sock);
    free(buf);
    free(path);
    free(url);
    return rc;
}

int sup_cmd_inspect(const char *rundir, const char *service, const char *what, int timeout_ms)
{
    char err[1024];
    json_t *body = what ? json_pack("{s:s}", "what", what) : json_object(), *reply = NULL;
    int rc = sup_service_call(rundir, service, "service.inspect", body, timeout_ms, &reply, NULL,
                              err, sizeof(err));

    json_decref(body);
    if (rc != 0) {
        fprintf(stderr, "flurm-sup inspect: %s\n", err);
        return CLI_FAILED;
    }
    json_dumpf(json_object_get(reply, "data"), stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("\n");
    json_decref(reply);
    return CLI_OK;
}

/* ---- trace ---------------------------------------------------------------------- */

/* One command of the job in the store's log. */
struct command {
    long long seq;
    long long time;
    char type[72];
    char req_id[128];
    char trace[FLURM_TRACE_MAX];
    bool ok;
};

struct commands {
    struct command *v;
    size_t n;
};

/* Commands name their job in msg.job_id (most), in msg.jobs[] (the
 * scheduler's decisions), or only in their result (a submission). */
static const char log_query[] =
    "SELECT seq, time, type, req_id, json_extract(cmd, '$.trace'), json_extract(result, '$.ok')"
    " FROM log WHERE json_extract(cmd, '$.msg.job_id') = ?1"
    " OR json_extract(result, '$.body.msg.job_id') = ?1"
    " OR json_extract(result, '$.body.job_id') = ?1"
    " OR EXISTS (SELECT 1 FROM json_each(cmd, '$.msg.jobs')"
    "            WHERE json_extract(value, '$.job_id') = ?1)"
    " ORDER BY seq";

static int read_commands(const char *db_path, long long job_id, struct commands *out, char *err,
                         size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int rc = -1, step;

    out->v = NULL;
    out->n = 0;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", db_path, db ? sqlite3_errmsg(db) : "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, log_query, -1, &s, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_int64(s, 1, job_id);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct command *v = realloc(out->v, (out->n + 1) * sizeof(*v)), *c;

        if (!v) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        out->v = v;
        c = &v[out->n++];
        memset(c, 0, sizeof(*c));
        c->seq = sqlite3_column_int64(s, 0);
        c->time = sqlite3_column_int64(s, 1);
        snprintf(c->type, sizeof(c->type), "%s",
                 sqlite3_column_text(s, 2) ? (const char *)sqlite3_column_text(s, 2) : "?");
        snprintf(c->req_id, sizeof(c->req_id), "%s",
                 sqlite3_column_text(s, 3) ? (const char *)sqlite3_column_text(s, 3) : "");
        snprintf(c->trace, sizeof(c->trace), "%s",
                 sqlite3_column_text(s, 4) ? (const char *)sqlite3_column_text(s, 4) : "");
        c->ok = sqlite3_column_int(s, 5) != 0;
    }
    if (step != SQLITE_DONE) {
        snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    sqlite3_close(db);
    return rc;
}

/* Is line a span of one of the commands' traces, or about the job?  A
 * substring test first: most lines of a busy spans file are neither. */
static bool line_wanted(const char *line, const struct commands *cmds, const char *job_key)
{
    char key[FLURM_TRACE_MAX + 16];
    const char *at = strstr(line, job_key);

    if (at && (at[strlen(job_key)] == ',' || at[strlen(job_key)] == '}'))
        return true;
    for (size_t i = 0; i < cmds->n; i++) {
        if (!cmds->v[i].trace[0])
            continue;
        snprintf(key, sizeof(key), "\"trace\":\"%s\"", cmds->v[i].trace);
        if (strstr(line, key))
            return true;
    }
    return false;
}

/* Every wanted span of RUNDIR/trace/ (current and rotated files) into
 * spans (a JSON array). */
static void read_spans(const char *rundir, const struct commands *cmds, long long job_id,
                       json_t *spans)
{
    char dir[4096], path[4400], job_key[48];
    struct dirent *e;
    char *line = NULL;
    size_t cap = 0;
    DIR *d;

    snprintf(dir, sizeof(dir), "%s/trace", rundir);
    snprintf(job_key, sizeof(job_key), "\"job_id\":%lld", job_id);
    if (!(d = opendir(dir)))
        return;
    while ((e = readdir(d))) {
        FILE *f;

        if (!strstr(e->d_name, ".jsonl"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        while (getline(&line, &cap, f) > 0) {
            json_t *span;

            if (line_wanted(line, cmds, job_key) && (span = json_loads(line, 0, NULL)))
                json_array_append_new(spans, span);
        }
        fclose(f);
    }
    free(line);
    closedir(d);
}

static double span_start(const json_t *s)
{
    return json_number_value(json_object_get(s, "start"));
}

static int by_start(const void *a, const void *b)
{
    double x = span_start(*(json_t *const *)a), y = span_start(*(json_t *const *)b);

    return x < y ? -1 : x > y;
}

static void clock_text(double t, char *buf, size_t len)
{
    time_t sec = (time_t)t;
    struct tm tm;
    size_t n;

    gmtime_r(&sec, &tm);
    n = strftime(buf, len, "%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%06ld", (long)((t - (double)sec) * 1e6));
}

/* The requester named in a req_id ("<requester>.<pid>...."). */
static void requester_of(const char *req_id, char *buf, size_t len)
{
    const char *dot = req_id ? strchr(req_id, '.') : NULL;

    if (!dot) {
        snprintf(buf, len, "?");
        return;
    }
    snprintf(buf, len, "%.*s", (int)(dot - req_id), req_id);
}

/* Print the spans of one trace (sorted by start), nested: a span that lies
 * within an earlier one of the trace is indented under it. */
static void print_trace(json_t **spans, size_t n)
{
    double t0 = n ? span_start(spans[0]) : 0;

    printf("    %-15s %9s %10s  %-27s %-28s %s\n", "TIME (UTC)", "+MS", "TOOK", "WHERE", "WHAT",
           "RESULT");
    for (size_t i = 0; i < n; i++) {
        const json_t *s = spans[i];
        const char *kind = json_string_value(json_object_get(s, "kind"));
        const char *svc = json_string_value(json_object_get(s, "svc"));
        const char *req_id = json_string_value(json_object_get(s, "req_id"));
        const char *detail = json_string_value(json_object_get(s, "detail"));
        double start = span_start(s), end = json_number_value(json_object_get(s, "end"));
        long long result = json_integer_value(json_object_get(s, "result"));
        char when[32], where[96], from[64], res[32];
        int depth = 0;

        for (size_t k = 0; k < i; k++) {
            if (span_start(spans[k]) <= start &&
                json_number_value(json_object_get(spans[k], "end")) >= end)
                depth++;
        }
        clock_text(start, when, sizeof(when));
        if (kind && !strcmp(kind, "serve")) {
            requester_of(req_id, from, sizeof(from));
            snprintf(where, sizeof(where), "%*s%s -> %s", depth * 2, "", from, svc);
        } else if (kind && !strcmp(kind, "slurmd")) {
            snprintf(where, sizeof(where), "%*s%s -> slurmd %s", depth * 2, "", svc,
                     detail ? detail : "?");
        } else if (kind && !strcmp(kind, "rpc")) {
            snprintf(where, sizeof(where), "%*sclient -> %s", depth * 2, "", svc);
        } else {
            snprintf(where, sizeof(where), "%*s%s (%s)", depth * 2, "", svc, kind ? kind : "?");
        }
        if (kind && !strcmp(kind, "rpc"))
            snprintf(res, sizeof(res), "%s", detail ? detail : "");
        else if (result == 0)
            snprintf(res, sizeof(res), "ok");
        else
            snprintf(res, sizeof(res), "error %lld", result);
        printf("    %-15s %9.3f %7.3f ms  %-27s %-28s %s\n", when, (start - t0) * 1e3,
               (end - start) * 1e3, where, json_string_value(json_object_get(s, "type")), res);
    }
}

/* The spans of `trace` out of all (sorted), into out; returns how many. */
static size_t spans_of(json_t *all, const char *trace, json_t **out)
{
    size_t i, n = 0;
    json_t *s;

    json_array_foreach(all, i, s) {
        const char *t = json_string_value(json_object_get(s, "trace"));

        if (t && !strcmp(t, trace))
            out[n++] = s;
    }
    qsort(out, n, sizeof(*out), by_start);
    return n;
}

/* Spans that name the job but belong to no command's trace (a message
 * to slurmd sent from a timer, say), in time order. */
static void print_untraced(json_t *all, const struct commands *cmds, long long job_id,
                           json_t **list)
{
    size_t i, n = 0;
    json_t *s;

    json_array_foreach(all, i, s) {
        const char *t = json_string_value(json_object_get(s, "trace"));
        bool known = false;

        if (json_integer_value(json_object_get(s, "job_id")) != job_id)
            continue;
        for (size_t k = 0; t && k < cmds->n && !known; k++)
            known = !strcmp(cmds->v[k].trace, t);
        if (!known)
            list[n++] = s;
    }
    if (!n)
        return;
    qsort(list, n, sizeof(*list), by_start);
    printf("\nother work on job %lld outside those traces\n", job_id);
    print_trace(list, n);
}

int sup_cmd_trace(const char *rundir, const char *job_text, int timeout_ms)
{
    char err[1024], when[64];
    json_t *reply = NULL, *all = NULL, **list = NULL;
    struct commands cmds = {0};
    const char *db;
    char *end;
    long long job_id = strtoll(job_text, &end, 10);
    int rc = CLI_FAILED;

    if (*end || job_id <= 0) {
        fprintf(stderr, "flurm-sup trace: \"%s\" is not a job id\n", job_text);
        return 2;
    }
    if (sup_service_call(rundir, "store", "service.inspect", NULL, timeout_ms, &reply, NULL, err,
                         sizeof(err)) != 0) {
        fprintf(stderr, "flurm-sup trace: cannot ask the job store where its log is: %s\n", err);
        goto out;
    }
    db = json_string_value(json_object_get(json_object_get(reply, "data"), "db"));
    if (!db || !*db) {
        fprintf(stderr, "flurm-sup trace: the job store did not say where its log is\n");
        goto out;
    }
    if (read_commands(db, job_id, &cmds, err, sizeof(err)) < 0) {
        fprintf(stderr, "flurm-sup trace: reading the command log: %s\n", err);
        goto out;
    }
    if (!cmds.n) {
        fprintf(stderr, "flurm-sup trace: job %lld is not in the store's log\n", job_id);
        goto out;
    }
    all = json_array();
    read_spans(rundir, &cmds, job_id, all);
    list = calloc(json_array_size(all) + 1, sizeof(*list));
    if (!all || !list) {
        fprintf(stderr, "flurm-sup trace: out of memory\n");
        goto out;
    }
    printf("job %lld: %zu command%s in the job store's log\n", job_id, cmds.n,
           cmds.n == 1 ? "" : "s");
    for (size_t i = 0; i < cmds.n; i++) {
        const struct command *c = &cmds.v[i];
        char from[64];
        time_t t = (time_t)c->time;
        struct tm tm;
        size_t n;
        bool seen = false;

        for (size_t k = 0; k < i; k++)
            seen = seen || !strcmp(cmds.v[k].trace, c->trace);
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        requester_of(c->req_id, from, sizeof(from));
        printf("\n%s  log seq %lld  %s from %s (%s)  trace %s\n", when, c->seq, c->type, from,
               c->ok ? "ok" : "refused", c->trace[0] ? c->trace : "(none)");
        if (!c->trace[0])
            continue;
        if (seen) {
            printf("    (same trace as above)\n");
            continue;
        }
        if (!(n = spans_of(all, c->trace, list)))
            printf("    no spans left for this trace (rotated away, or tracing was off)\n");
        else
            print_trace(list, n);
    }
    print_untraced(all, &cmds, job_id, list);
    rc = CLI_OK;
out:
    free(list);
    json_decref(all);
    json_decref(reply);
    free(cmds.v);
    return rc;
}
