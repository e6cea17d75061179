/*
 * log.c - line-oriented logging to stderr, text or JSON (see log.h).
 *
 * Each line is formatted into one buffer and written with one write(2), so
 * lines from concurrent processes sharing a pipe never interleave.
 */
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
