/*
 * log.c - line-oriented logging to stderr, text or JSON, and the trace
 * context and spans files (see log.h).
 *
 * Each line is formatted into one buffer and written with one write(2), so
 * lines from concurrent processes sharing a pipe (or, for spans, a file
 * opened O_APPEND by two instances during a reload) never interleave.
 */
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *log_name = "flurm";
static enum flurm_log_level log_level = FLURM_LOG_INFO;
static int log_json;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int flurm_log_level_parse(const char *s, enum flurm_log_level *level)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (s && strcmp(s, level_names[i]) == 0) {
            *level = (enum flurm_log_level)i;
            return 0;
        }
    }
    errno = EINVAL;
    return -1;
}

void flurm_log_init(const char *name)
{
    const char *lvl = getenv("FLURM_LOG_LEVEL");
    const char *fmt = getenv("FLURM_LOG_FORMAT");
    enum flurm_log_level parsed;

    if (name)
        log_name = name;
    if (lvl && flurm_log_level_parse(lvl, &parsed) == 0)
        log_level = parsed;
    log_json = fmt && strcmp(fmt, "json") == 0;
}

void flurm_log_set_level(enum flurm_log_level level)
{
    log_level = level;
}

enum flurm_log_level flurm_log_get_level(void)
{
    return log_level;
}

/* Append s to out as the body of a JSON string (without quotes). */
static size_t json_escape(char *out, size_t cap, size_t pos, const char *s)
{
    for (; *s && pos + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[pos++] = '\\';
            out[pos++] = (char)c;
        } else if (c < 0x20) {
            pos += (size_t)snprintf(out + pos, cap - pos, "\\u%04x", c);
        } else {
            out[pos++] = (char)c;
        }
    }
    return pos;
}

void flurm_vlog(enum flurm_log_level level, const char *fmt, va_list ap)
{
    char msg[2048];
    char line[4608];
    char ts[40];
    struct timeval tv;
    struct tm tm;
    size_t n;
    int saved_errno = errno;

    if (level > log_level)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof(ts) - n, ".%03ldZ", (long)(tv.tv_usec / 1000));

    if (log_json) {
        int k = snprintf(line, sizeof(line),
                         "{\"ts\":\"%s\",\"svc\":\"%s\",\"pid\":%ld,\"level\":\"%s\",\"msg\":\"",
                         ts, log_name, (long)getpid(), level_names[level]);
        n = json_escape(line, sizeof(line) - 3, (size_t)k, msg);
        line[n++] = '"';
        line[n++] = '}';
        line[n++] = '\n';
    } else {
        int k = snprintf(line, sizeof(line), "%s %s[%ld] %s: %s\n", ts, log_name,
                         (long)getpid(), level_names[level], msg);
        n = k < 0 ? 0 : (size_t)k >= sizeof(line) ? sizeof(line) - 1 : (size_t)k;
        if ((size_t)k >= sizeof(line))
            line[n - 1] = '\n';
    }
    /* A short write to a full pipe loses part of a log line, never blocks
     * the caller's logic for long: stderr is the supervisor's pipe. */
    if (write(STDERR_FILENO, line, n) < 0) {
        /* nothing sensible to do */
    }
    errno = saved_errno;
}

void flurm_log(enum flurm_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    flurm_vlog(level, fmt, ap);
    va_end(ap);
}

/* ---- trace context ------------------------------------------------------- */

static _Thread_local char current_trace[FLURM_TRACE_MAX];

const char *flurm_trace_current(void)
{
    return current_trace[0] ? current_trace : NULL;
}

void flurm_trace_set(const char *trace)
{
    if (!trace) {
        current_trace[0] = '\0';
        return;
    }
    if (trace != current_trace)
        snprintf(current_trace, sizeof(current_trace), "%s", trace);
}

/* splitmix64: ids only need to be distinct, and a system call per request
 * would cost more than the span itself.  Reseeded after a fork so that a
 * child never repeats its parent's ids. */
static _Thread_local uint64_t rng_state;
static _Thread_local pid_t rng_pid;

static uint64_t next_random(void)
{
    uint64_t z;

    if (rng_pid != getpid()) {
        struct timespec ts;
        uint64_t seed = 0;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
            seed = 0;
        rng_state = seed ^ ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^
                    (uint64_t)(uintptr_t)&rng_state;
        rng_pid = getpid();
    }
    z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void flurm_trace_generate(char *buf, size_t cap)
{
    uint64_t r = next_random();

    if (r == 0) /* an all-zero id reads as "unset" in some tools */
        r = 1;
    snprintf(buf, cap, "%016llx", (unsigned long long)r);
}

const char *flurm_trace_start(void)
{
    flurm_trace_generate(current_trace, sizeof(current_trace));
    return current_trace;
}

double flurm_span_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6;
}

/* ---- spans files ----------------------------------------------------------- */

#define SPANS_DEFAULT_MAX_MB 32
/* How many bytes we write between looks at the file's size: the look is an
 * fstat, the bound is approximate by design. */
#define SPANS_CHECK_BYTES (64 * 1024)

struct flurm_spans {
    char *service;
    char *path;
    int fd;
    off_t max_bytes;
    size_t since_check;
    int failed_logged;
    pid_t pid;
};

struct flurm_spans *flurm_spans_open(const char *rundir, const char *service)
{
    struct flurm_spans *spans = NULL;
    const char *env = getenv("FLURM_TRACE");
    const char *max_env = getenv("FLURM_TRACE_MAX_MB");
    char dir[4096];
    long max_mb = SPANS_DEFAULT_MAX_MB;

    if (env && (!strcmp(env, "off") || !strcmp(env, "0") || !strcmp(env, "no"))) {
        errno = ECANCELED;
        return NULL;
    }
    if (!rundir || !service || !*service) {
        errno = EINVAL;
        goto error;
    }
    if (max_env && *max_env) {
        char *end;
        long v = strtol(max_env, &end, 10);
        if (*end == '\0' && v > 0)
            max_mb = v;
    }
    if (snprintf(dir, sizeof(dir), "%s/trace", rundir) >= (int)sizeof(dir)) {
        errno = ENAMETOOLONG;
        goto error;
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        goto error;
    if (!(spans = calloc(1, sizeof(*spans))))
        goto error;
    spans->fd = -1;
    spans->pid = getpid();
    spans->max_bytes = (off_t)max_mb * 1024 * 1024;
    if (!(spans->service = strdup(service)) || asprintf(&spans->path, "%s/%s.jsonl", dir,
                                                        service) < 0) {
        spans->path = NULL;
        errno = ENOMEM;
        goto error;
    }
    if ((spans->fd = open(spans->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0)
        goto error;
    return spans;
error:
    if (spans) {
        int saved = errno;
        flurm_spans_close(spans);
        errno = saved;
    }
    return NULL;
}

/* Past the bound: move the file aside (unless another instance already
 * did: then only follow it) and start a new one. */
static void spans_rotate(struct flurm_spans *spans)
{
    struct stat by_fd, by_path;
    char old[4200];
    int fd;

    if (fstat(spans->fd, &by_fd) < 0 || by_fd.st_size < spans->max_bytes)
        return;
    snprintf(old, sizeof(old), "%s.1", spans->path);
    if (stat(spans->path, &by_path) == 0 && by_path.st_ino == by_fd.st_ino &&
        by_path.st_dev == by_fd.st_dev)
        (void)rename(spans->path, old);
    if ((fd = open(spans->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0)
        return; /* keep writing to the old one rather than lose spans */
    close(spans->fd);
    spans->fd = fd;
}

void flurm_spans_write(struct flurm_spans *spans, const struct flurm_span *span)
{
    char line[2048];
    /* Strings before "result" stop short of the end so that the closing
     * fields always fit; the detail, last, may use the rest. */
    const size_t head_cap = sizeof(line) - 96;
    const size_t cap = sizeof(line) - 4;
    const char *const names[] = {"type", "trace", "req_id"};
    const char *const values[] = {span ? span->type : NULL, span ? span->trace : NULL,
                                  span ? span->req_id : NULL};
    size_t n;

    if (!spans || spans->fd < 0 || !span)
        return;
    n = (size_t)snprintf(line, head_cap, "{\"start\":%.6f,\"end\":%.6f,\"svc\":\"", span->start,
                         span->end);
    n = json_escape(line, head_cap, n, spans->service);
    n += (size_t)snprintf(line + n, head_cap - n, "\",\"pid\":%ld,\"kind\":\"", (long)spans->pid);
    n = json_escape(line, head_cap, n, span->kind ? span->kind : "serve");
    for (size_t i = 0; i < 3; i++) {
        if (!values[i] || n + 16 >= head_cap)
            continue;
        n += (size_t)snprintf(line + n, head_cap - n, "\",\"%s\":\"", names[i]);
        n = json_escape(line, head_cap, n, values[i]);
    }
    n += (size_t)snprintf(line + n, cap - n, "\",\"result\":%d", span->result);
    if (span->job_id > 0)
        n += (size_t)snprintf(line + n, cap - n, ",\"job_id\":%ld", span->job_id);
    if (span->detail) {
        n += (size_t)snprintf(line + n, cap - n, ",\"detail\":\"");
        n = json_escape(line, cap - 1, n, span->detail);
        line[n++] = '"';
    }
    line[n++] = '}';
    line[n++] = '\n';
    if (write(spans->fd, line, n) != (ssize_t)n && !spans->failed_logged) {
        spans->failed_logged = 1;
        flurm_warn("cannot write spans to %s: %s (further failures are not logged)",
                   spans->path, strerror(errno));
    }
    spans->since_check += n;
    if (spans->since_check >= SPANS_CHECK_BYTES) {
        spans->since_check = 0;
        spans_rotate(spans);
    }
}

const char *flurm_spans_path(const struct flurm_spans *spans)
{
    return spans->path;
}

void flurm_spans_close(struct flurm_spans *spans)
{
    if (!spans)
        return;
    if (spans->fd >= 0)
        close(spans->fd);
    free(spans->path);
    free(spans->service);
    free(spans);
}
