/*
 * mirror.c - the mirror of job.allocs (see mirror.h).
 */
#include "services/nodemgr/mirror.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct mirror {
    struct mirror_job *job;
    size_t count;
    bool loaded;
    struct mirror_job *gone; /* see mirror_gone_count() */
    size_t ngone;
};

struct mirror *mirror_create(void)
{
    return calloc(1, sizeof(struct mirror));
}

static void job_clear(struct mirror_job *job)
{
    json_decref(job->record);
    flurm_alloc_destroy(job->alloc);
    for (size_t k = 0; k < job->ncompleting; k++)
        free(job->completing[k]);
    free(job->completing);
    free(job->terminate_sent);
    memset(job, 0, sizeof(*job));
}

static void table_free(struct mirror_job *job, size_t count)
{
    for (size_t i = 0; i < count; i++)
        job_clear(&job[i]);
    free(job);
}

void mirror_destroy(struct mirror *j)
{
    if (!j)
        return;
    table_free(j->job, j->count);
    table_free(j->gone, j->ngone);
    free(j);
}

static json_int_t get_int(const json_t *o, const char *key, json_int_t def)
{
    const json_t *v = json_object_get(o, key);

    return json_is_integer(v) ? json_integer_value(v) : def;
}

/* One entry of job.allocs into *job.  -1 with errno EINVAL (skip it) or
 * ENOMEM. */
static int job_read(struct mirror_job *job, const json_t *e)
{
    const json_t *comp = json_object_get(e, "completing");
    char err[128];

    memset(job, 0, sizeof(*job));
    if (!json_is_object(e) || get_int(e, "job_id", 0) <= 0) {
        errno = EINVAL;
        return -1;
    }
    job->job_id = (uint32_t)get_int(e, "job_id", 0);
    job->user_id = (uint32_t)get_int(e, "user_id", 0);
    job->group_id = (uint32_t)get_int(e, "group_id", 0);
    job->state = (uint32_t)get_int(e, "state", 0);
    job->batch = json_is_true(json_object_get(e, "batch"));
    job->launched = json_is_true(json_object_get(e, "launched"));
    job->start_time = (time_t)get_int(e, "start_time", 0);
    job->resp_host = json_string_value(json_object_get(e, "resp_host"));
    if (job->resp_host && !job->resp_host[0])
        job->resp_host = NULL;
    job->alloc_resp_port = (uint16_t)get_int(e, "alloc_resp_port", 0);
    job->other_port = (uint16_t)get_int(e, "other_port", 0);
    if (!(job->alloc = flurm_alloc_from_json(json_object_get(e, "alloc"), NULL, NULL, err,
                                             sizeof(err)))) {
        if (errno != ENOMEM)
            errno = EINVAL;
        goto error;
    }
    job->record = json_incref((json_t *)e);
    if (json_array_size(comp)) {
        size_t n = json_array_size(comp);

        if (!(job->completing = calloc(n, sizeof(*job->completing))) ||
            !(job->terminate_sent = calloc(n, sizeof(*job->terminate_sent))))
            goto error;
        for (size_t k = 0; k < n; k++) {
            const char *name = json_string_value(json_array_get(comp, k));

            if (!name)
                continue;
            if (!(job->completing[job->ncompleting] = strdup(name)))
                goto error;
            job->ncompleting++;
        }
    }
    return 0;
error:
    {
        int saved = errno;

        job_clear(job);
        errno = saved;
    }
    return -1;
}

/* What this process was doing about `old` carries over to `job`. */
static void carry_over(struct mirror_job *job, const struct mirror_job *old)
{
    job->launch = old->launch;
    job->inherited = old->inherited;
    job->claimed_elsewhere = old->claimed_elsewhere;
    job->take_over_after = old->take_over_after;
    job->register_ask_at = old->register_ask_at;
    job->take_over = old->take_over;
    job->last_seen = old->last_seen;
    job->report_inflight = old->report_inflight;
    job->launch_rc = old->launch_rc;
    job->alloc_told = old->alloc_told;
    job->end_told = old->end_told;
    memcpy(job->launch_text, old->launch_text, sizeof(job->launch_text));
    for (size_t k = 0; k < job->ncompleting; k++)
        for (size_t o = 0; o < old->ncompleting; o++)
            if (strcmp(job->completing[k], old->completing[o]) == 0)
                job->terminate_sent[k] = old->terminate_sent[o];
    /* A job the store now calls launched needs nothing more from us. */
    if (job->launched)
        job->launch = MIRROR_LAUNCH_DONE;
}

static bool listed_in(const struct mirror_job *table, size_t count, uint32_t job_id)
{
    for (size_t i = 0; i < count; i++)
        if (table[i].job_id == job_id)
            return true;
    return false;
}

static bool needs_end_notice(const struct mirror_job *job)
{
    return !job->batch && job->resp_host && job->other_port && !job->end_told;
}

/* Move the jobs of the current table that `table` no longer lists and
 * whose client was not told of their end into j->gone (replacing the
 * previous ones).  -1 and ENOMEM (nothing moved). */
static int collect_gone(struct mirror *j, const struct mirror_job *table, size_t count)
{
    struct mirror_job *gone;
    size_t n = 0;

    for (size_t i = 0; i < j->count; i++)
        if (needs_end_notice(&j->job[i]) && !listed_in(table, count, j->job[i].job_id))
            n++;
    if (!(gone = calloc(n ? n : 1, sizeof(*gone))))
        return -1;
    n = 0;
    for (size_t i = 0; i < j->count; i++) {
        if (!needs_end_notice(&j->job[i]) || listed_in(table, count, j->job[i].job_id))
            continue;
        gone[n++] = j->job[i];
        memset(&j->job[i], 0, sizeof(j->job[i])); /* ownership moved */
    }
    table_free(j->gone, j->ngone);
    j->gone = gone;
    j->ngone = n;
    return 0;
}

int mirror_replace(struct mirror *j, const json_t *list, size_t *skipped)
{
    size_t n = json_array_size(list), count = 0, bad = 0;
    struct mirror_job *table;

    if (!json_is_array(list)) {
        errno = EINVAL;
        return -1;
    }
    if (!(table = calloc(n ? n : 1, sizeof(*table))))
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct mirror_job *job = &table[count], *old;

        if (job_read(job, json_array_get(list, i)) < 0) {
            if (errno == ENOMEM) {
                table_free(table, count);
                return -1;
            }
            bad++;
            continue;
        }
        if ((old = mirror_find(j, job->job_id))) {
            carry_over(job, old);
        } else {
            job->inherited = !j->loaded && job->batch && !job->launched &&
                             (job->state & MIRROR_STATE_BASE) == MIRROR_STATE_RUNNING;
            if (job->launched)
                job->launch = MIRROR_LAUNCH_DONE;
        }
        count++;
    }
    if (collect_gone(j, table, count) < 0) {
        table_free(table, count);
        return -1;
    }
    table_free(j->job, j->count);
    j->job = table;
    j->count = count;
    j->loaded = true;
    if (skipped)
        *skipped = bad;
    return 0;
}

bool mirror_loaded(const struct mirror *j)
{
    return j->loaded;
}

size_t mirror_count(const struct mirror *j)
{
    return j->count;
}

struct mirror_job *mirror_at(struct mirror *j, size_t i)
{
    return i < j->count ? &j->job[i] : NULL;
}

struct mirror_job *mirror_find(struct mirror *j, uint32_t job_id)
{
    for (size_t i = 0; i < j->count; i++)
        if (j->job[i].job_id == job_id)
            return &j->job[i];
    return NULL;
}

static bool is_running(const struct mirror_job *job)
{
    uint32_t base = job->state & MIRROR_STATE_BASE;

    return (base == MIRROR_STATE_RUNNING || base == MIRROR_STATE_SUSPENDED) &&
           !(job->state & MIRROR_STATE_COMPLETING);
}

static bool is_completing_on(const struct mirror_job *job, const char *name)
{
    for (size_t k = 0; k < job->ncompleting; k++)
        if (strcmp(job->completing[k], name) == 0)
            return true;
    return false;
}

bool mirror_holds(const struct mirror_job *job, const char *name)
{
    if (is_running(job))
        return flurm_alloc_host(job->alloc, name) != NULL;
    return is_completing_on(job, name);
}

void mirror_node_usage(const struct mirror *j, const char *name, uint32_t *cpus, uint64_t *mem,
                     bool *completing)
{
    *cpus = 0;
    *mem = 0;
    *completing = false;
    for (size_t i = 0; i < j->count; i++) {
        const struct mirror_job *job = &j->job[i];
        const struct flurm_alloc_host *h;

        if (is_running(job) && (h = flurm_alloc_host(job->alloc, name))) {
            *cpus += h->cpus;
            *mem += h->mem;
        } else if (is_completing_on(job, name)) {
            *completing = true;
        }
    }
}

bool mirror_wants_launch(const struct mirror_job *job)
{
    return job->batch && !job->launched && !job->inherited &&
           job->launch == MIRROR_LAUNCH_NONE && job->alloc->batch_host &&
           (job->state & MIRROR_STATE_BASE) == MIRROR_STATE_RUNNING &&
           !(job->state & MIRROR_STATE_COMPLETING);
}

bool mirror_terminate_due(const struct mirror_job *job, size_t k, time_t now, double resend)
{
    if (k >= job->ncompleting)
        return false;
    return job->terminate_sent[k] == 0 || (double)(now - job->terminate_sent[k]) >= resend;
}

bool mirror_wants_alloc_push(const struct mirror_job *job)
{
    return !job->batch && job->resp_host && job->alloc_resp_port && !job->alloc_told &&
           (job->state & MIRROR_STATE_BASE) == MIRROR_STATE_RUNNING &&
           !(job->state & MIRROR_STATE_COMPLETING);
}

enum mirror_end mirror_end_notice(const struct mirror_job *job)
{
    uint32_t base = job->state & MIRROR_STATE_BASE;

    if (!needs_end_notice(job) || base <= MIRROR_STATE_SUSPENDED)
        return MIRROR_END_NONE;
    if (base == MIRROR_STATE_TIMEOUT)
        return MIRROR_END_TIMEOUT;
    if (base == MIRROR_STATE_NODE_FAIL)
        return MIRROR_END_NODE_FAIL;
    return MIRROR_END_COMPLETE;
}

size_t mirror_gone_count(const struct mirror *j)
{
    return j->ngone;
}

struct mirror_job *mirror_gone_at(struct mirror *j, size_t i)
{
    return i < j->ngone ? &j->gone[i] : NULL;
}

void mirror_gone_clear(struct mirror *j)
{
    table_free(j->gone, j->ngone);
    j->gone = NULL;
    j->ngone = 0;
}
