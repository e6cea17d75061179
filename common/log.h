/*
 * log.h - structured logging for every FLURM process.
 *
 * One line per event on stderr (the supervisor collects children's stderr):
 *   2026-11-25T21:07:11.123Z store[4242] info: committed 12 commands (fsync 0.8 ms)
 * With FLURM_LOG_FORMAT=json each line is a JSON object instead:
 *   {"ts":"...","svc":"store","pid":4242,"level":"info","msg":"..."}
 * The level threshold comes from FLURM_LOG_LEVEL (error, warn, info, debug),
 * default info.
 *
 * Tracing lives here too (docs/observability.md): the trace id of the work a
 * thread is doing now, and spans, one JSON line per handled message, in a
 * bounded file per service that `flurm-sup trace` reads back.
 */
#ifndef FLURM_LOG_H
#define FLURM_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum flurm_log_level {
    FLURM_LOG_ERROR = 0,
    FLURM_LOG_WARN = 1,
    FLURM_LOG_INFO = 2,
    FLURM_LOG_DEBUG = 3,
};

/* Set the name printed on every line (borrowed: the string must outlive
 * logging; pass a literal or argv[0]-derived storage) and read the level and
 * format from the environment.  May be called again to rename. */
void flurm_log_init(const char *name);

void flurm_log_set_level(enum flurm_log_level level);
enum flurm_log_level flurm_log_get_level(void);

/* Parse "error" | "warn" | "info" | "debug"; -1 and EINVAL if unknown. */
int flurm_log_level_parse(const char *s, enum flurm_log_level *level);

void flurm_log(enum flurm_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void flurm_vlog(enum flurm_log_level level, const char *fmt, va_list ap);

#define flurm_err(...) flurm_log(FLURM_LOG_ERROR, __VA_ARGS__)
#define flurm_warn(...) flurm_log(FLURM_LOG_WARN, __VA_ARGS__)
#define flurm_info(...) flurm_log(FLURM_LOG_INFO, __VA_ARGS__)
#define flurm_debug(...) \
    do { \
        if (flurm_log_get_level() >= FLURM_LOG_DEBUG) \
            flurm_log(FLURM_LOG_DEBUG, __VA_ARGS__); \
    } while (0)

/* --- tracing ---------------------------------------------------------------- */

/* Longest trace id kept, with its NUL; longer ids are cut.  Generated ids
 * are 16 lower-case hex digits. */
#define FLURM_TRACE_MAX 48

/* The trace of the work the calling thread does now, or NULL.  The service
 * runtime sets it around everything it calls on behalf of a message
 * (service.h, client.h, pubsub.h), so that requests sent and events
 * published meanwhile carry it.  Borrowed: valid until the thread's trace
 * changes. */
const char *flurm_trace_current(void);

/* Make `trace` (borrowed, copied; NULL or "" for none) the thread's trace. */
void flurm_trace_set(const char *trace);

/* Write a fresh trace id into buf (cap >= 17) without making it current.
 * Ids are random per process and thread (never repeated in practice). */
void flurm_trace_generate(char *buf, size_t cap);

/* Start a new trace: generate an id, make it current, return it (borrowed,
 * as flurm_trace_current()). */
const char *flurm_trace_start(void);

/* Wall-clock seconds (with microseconds) for span times: spans of several
 * processes are ordered by it, so it is real time, not the loop's. */
double flurm_span_now(void);

/* One finished unit of work.  Strings are borrowed; NULL leaves the field
 * out.  `kind` says what was measured: "serve" (a request this service
 * answered), "rpc" (a SLURM client's RPC at the gateway), "slurmd" (a
 * message to a slurmd), ...  `result` is 0 for success, else the error
 * code (a SLURM error number or an errno). */
struct flurm_span {
    const char *kind;
    const char *type;
    const char *trace;
    const char *req_id;
    double start;
    double end;
    int result;
    const char *detail;
    long job_id; /* > 0: the job the work was about, when known */
};

struct flurm_spans;

/* The spans file of `service` (borrowed, copied): $rundir/trace/<service>.jsonl
 * (rundir borrowed; the folder is created).  Every instance of the service
 * appends to it, one line per span in one write(2).  When it grows past
 * $FLURM_TRACE_MAX_MB (default 32) it is renamed <service>.jsonl.1 (the
 * previous .1 is lost) and a new one begins.  FLURM_TRACE=off disables:
 * NULL with errno ECANCELED.  NULL and errno on failure.  Caller closes. */
struct flurm_spans *flurm_spans_open(const char *rundir, const char *service);

/* Append span (borrowed).  Failures are logged once and otherwise
 * ignored: tracing never stops the work.  spans may be NULL (no-op). */
void flurm_spans_write(struct flurm_spans *spans, const struct flurm_span *span);

/* The file's path (borrowed from spans). */
const char *flurm_spans_path(const struct flurm_spans *spans);

/* NULL-safe. */
void flurm_spans_close(struct flurm_spans *spans);

#endif
