/*
 * log.h - structured logging for every FLURM process.
 *
 * One line per event on stderr (the supervisor collects children's stderr):
 *   2026-11-25T21:07:11.123Z store[4242] info: committed 12 commands (fsync 0.8 ms)
 * With FLURM_LOG_FORMAT=json each line is a JSON object instead:
 *   {"ts":"...","svc":"store","pid":4242,"level":"info","msg":"..."}
 * The level threshold comes from FLURM_LOG_LEVEL (error, warn, info, debug),
 * default info.
 */
#ifndef FLURM_LOG_H
#define FLURM_LOG_H

#include <stdarg.h>

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

#endif
