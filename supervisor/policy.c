/*
 * policy.c - pure supervision decisions (see policy.h).
 */
#include "supervisor/policy.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/exitcode.h"

struct sup_intensity {
    int intensity;
    double period_s;
    double *times; /* oldest first; never more than intensity + 1 */
    int count;
};

enum sup_exit_kind sup_exit_kind_of_status(int wstatus)
{
    if (WIFEXITED(wstatus)) {
        if (WEXITSTATUS(wstatus) == FLURM_EXIT_OK)
            return SUP_EXIT_NORMAL;
        if (WEXITSTATUS(wstatus) == FLURM_EXIT_PERMANENT)
            return SUP_EXIT_PERMANENT;
    }
    return SUP_EXIT_CRASH;
}

const char *sup_describe_status(int wstatus, char *buf, size_t len)
{
    if (WIFEXITED(wstatus))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
    else if (WIFSIGNALED(wstatus))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(wstatus),
                 strsignal(WTERMSIG(wstatus)));
    else
        snprintf(buf, len, "ended with wait status 0x%x", (unsigned)wstatus);
    return buf;
}

enum sup_verdict sup_policy_verdict(enum sup_restart restart, enum sup_exit_kind kind)
{
    /* A temporary child is never restarted, and its death, even a
     * permanent failure, is its own business (OTP: it does not count). */
    if (restart == SUP_RESTART_TEMPORARY)
        return SUP_VERDICT_LEAVE;
    if (kind == SUP_EXIT_PERMANENT)
        return SUP_VERDICT_ESCALATE;
    if (restart == SUP_RESTART_TRANSIENT && kind == SUP_EXIT_NORMAL)
        return SUP_VERDICT_LEAVE;
    return SUP_VERDICT_RESTART;
}

void sup_policy_restart_set(enum sup_strategy strategy, size_t n, size_t failed, bool *take)
{
    for (size_t i = 0; i < n; i++) {
        switch (strategy) {
        case SUP_ONE_FOR_ONE:
            take[i] = i == failed;
            break;
        case SUP_REST_FOR_ONE:
            take[i] = i >= failed;
            break;
        case SUP_ONE_FOR_ALL:
            take[i] = true;
            break;
        }
    }
}

double sup_policy_backoff_s(unsigned failures, int min_ms, int max_ms)
{
    double ms = min_ms;

    if (failures == 0)
        return 0;
    for (unsigned i = 1; i < failures && ms < max_ms; i++)
        ms *= 2;
    if (ms > max_ms)
        ms = max_ms;
    return ms / 1000.0;
}

struct sup_intensity *sup_intensity_create(int intensity, double period_s)
{
    struct sup_intensity *w;

    if (intensity < 0 || period_s <= 0) {
        errno = EINVAL;
        return NULL;
    }
    if (!(w = calloc(1, sizeof(*w))))
        return NULL;
    w->intensity = intensity;
    w->period_s = period_s;
    if (!(w->times = calloc((size_t)intensity + 1, sizeof(double))))
        goto error;
    return w;
error:
    sup_intensity_destroy(w);
    return NULL;
}

void sup_intensity_destroy(struct sup_intensity *w)
{
    if (!w)
        return;
    free(w->times);
    free(w);
}

/* Drop the restarts that happened before the window ending at now. */
static void expire(struct sup_intensity *w, double now)
{
    int keep = 0;

    for (int i = 0; i < w->count; i++) {
        if (now - w->times[i] < w->period_s)
            w->times[keep++] = w->times[i];
    }
    w->count = keep;
}

bool sup_intensity_add(struct sup_intensity *w, double now)
{
    expire(w, now);
    if (w->count == w->intensity + 1) {
        memmove(w->times, w->times + 1, (size_t)w->intensity * sizeof(double));
        w->count--;
    }
    w->times[w->count++] = now;
    return w->count > w->intensity;
}

int sup_intensity_count(const struct sup_intensity *w, double now)
{
    int n = 0;

    for (int i = 0; i < w->count; i++) {
        if (now - w->times[i] < w->period_s)
            n++;
    }
    return n;
}

void sup_intensity_reset(struct sup_intensity *w)
{
    w->count = 0;
}
