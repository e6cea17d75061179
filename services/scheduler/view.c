/*
 * view.c - the scheduler's picture of the cluster (see view.h).
 *
 * Jobs are kept by value in an array sorted by job id: the store hands out
 * growing ids, so a new job is nearly always appended, and lookups are
 * binary searches.
 */
#include "services/scheduler/view.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct view {
    const struct sched_site *site;
    struct sched_job *jobs;
    size_t njobs, cap;
    uint64_t last_seq;
    uint32_t *node_state;
};

struct view *view_create(const struct sched_site *site)
{
    struct view *v = calloc(1, sizeof(*v));
    size_t nn = sched_site_node_count(site);

    if (!v || !(v->node_state = calloc(nn ? nn : 1, sizeof(*v->node_state)))) {
        free(v);
        errno = ENOMEM;
        return NULL;
    }
    v->site = site;
    return v;
}

void view_clear_jobs(struct view *v)
{
    for (size_t i = 0; i < v->njobs; i++)
        sched_job_clear(&v->jobs[i]);
    v->njobs = 0;
    v->last_seq = 0;
}

void view_destroy(struct view *v)
{
    if (!v)
        return;
    view_clear_jobs(v);
    free(v->jobs);
    free(v->node_state);
    free(v);
}

/* Position of job_id, or where it would go (*found false). */
static size_t job_pos(const struct view *v, uint32_t job_id, bool *found)
{
    size_t lo = 0, hi = v->njobs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (v->jobs[mid].job_id < job_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < v->njobs && v->jobs[lo].job_id == job_id;
    return lo;
}

static const struct sched_job *job_find(const struct view *v, uint32_t job_id)
{
    bool found;
    size_t pos = job_pos(v, job_id, &found);

    return found ? &v->jobs[pos] : NULL;
}

/* Put job (taken) in the view, replacing the record of the same id. */
static int job_put(struct view *v, struct sched_job *job)
{
    bool found;
    size_t pos = job_pos(v, job->job_id, &found);

    if (found) {
        /* an administrator's priority stays one until it changes (a
         * release or a new value): then the store will say again */
        if (v->jobs[pos].direct_prio && v->jobs[pos].priority == job->priority)
            job->direct_prio = true;
        sched_job_clear(&v->jobs[pos]);
        v->jobs[pos] = *job;
        return 0;
    }
    if (v->njobs == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        struct sched_job *bigger = realloc(v->jobs, cap * sizeof(*bigger));

        if (!bigger)
            return -1;
        v->jobs = bigger;
        v->cap = cap;
    }
    memmove(&v->jobs[pos + 1], &v->jobs[pos], (v->njobs - pos) * sizeof(*v->jobs));
    v->jobs[pos] = *job;
    v->njobs++;
    return 0;
}

int view_apply_jobs(struct view *v, const json_t *body)
{
    const json_t *list = json_object_get(body, "jobs"), *info;
    const json_t *last = json_object_get(body, "last_seq");
    size_t i;
    int n = 0;

    if (!json_is_array(list) || !json_is_integer(last) || json_integer_value(last) < 0) {
        errno = EINVAL;
        return -1;
    }
    json_array_foreach(list, i, info) {
        struct sched_job job;

        if (sched_job_from_info(info, &job) < 0)
            return -1;
        if (job_put(v, &job) < 0) {
            sched_job_clear(&job);
            errno = ENOMEM;
            return -1;
        }
        n++;
    }
    if ((uint64_t)json_integer_value(last) > v->last_seq)
        v->last_seq = (uint64_t)json_integer_value(last);
    return n;
}

uint64_t view_last_seq(const struct view *v)
{
    return v->last_seq;
}

const struct sched_job *view_jobs(const struct view *v, size_t *n)
{
    *n = v->njobs;
    return v->jobs;
}

void view_mark_direct(struct view *v, const json_t *job_ids)
{
    size_t i;
    const json_t *id;

    json_array_foreach(job_ids, i, id) {
        bool found;
        size_t pos;

        if (!json_is_integer(id) || json_integer_value(id) <= 0 ||
            json_integer_value(id) > UINT32_MAX)
            continue;
        pos = job_pos(v, (uint32_t)json_integer_value(id), &found);
        if (found)
            v->jobs[pos].direct_prio = true;
    }
}

/* ---- nodes ------------------------------------------------------------------ */

/* Set the state of node `name`; 1 if it changed, 0 if not or unknown. */
static int set_node_state(struct view *v, const json_t *name, const json_t *state)
{
    ssize_t i;

    if (!json_is_string(name) || !json_is_integer(state))
        return 0;
    i = sched_site_node_find(v->site, json_string_value(name));
    if (i < 0 || v->node_state[i] == (uint32_t)json_integer_value(state))
        return 0;
    v->node_state[i] = (uint32_t)json_integer_value(state);
    return 1;
}

int view_apply_node_info(struct view *v, const json_t *msg)
{
    const json_t *nodes = json_object_get(msg, "nodes"), *node;
    size_t i;
    int changed = 0;

    if (!json_is_array(nodes)) {
        errno = EINVAL;
        return -1;
    }
    /* blank records (nodes hidden from the asker) have no name */
    json_array_foreach(nodes, i, node)
        changed += set_node_state(v, json_object_get(node, "name"),
                                  json_object_get(node, "node_state"));
    return changed;
}

int view_apply_node_event(struct view *v, const json_t *body)
{
    const json_t *name = json_object_get(body, "name");
    const json_t *state = json_object_get(body, "node_state");

    if (!json_is_string(name) || !json_is_integer(state)) {
        errno = EINVAL;
        return -1;
    }
    return set_node_state(v, name, state);
}

const uint32_t *view_node_states(const struct view *v)
{
    return v->node_state;
}

/* ---- decisions ---------------------------------------------------------------- */

static bool same_str(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

json_t *view_updates(const struct view *v, const struct sched_result *res, int64_t now)
{
    json_t *list = json_array(), *body;

    if (!list)
        goto nomem;
    for (size_t i = 0; i < res->n; i++) {
        const struct sched_decision *d = &res->d[i];
        const struct sched_job *job = job_find(v, d->job_id);
        json_t *e;

        if (!job || (job->priority == d->priority && job->reason == d->reason &&
                     same_str(job->desc, d->desc)))
            continue;
        e = json_pack("{s:I, s:I, s:I, s:s?}", "job_id", (json_int_t)d->job_id, "priority",
                      (json_int_t)d->priority, "state_reason", (json_int_t)d->reason,
                      "state_desc", d->desc);
        if (!e || json_array_append_new(list, e) < 0)
            goto nomem;
    }
    if (!json_array_size(list)) {
        json_decref(list);
        errno = 0;
        return NULL;
    }
    /* "o" takes the list, even when the pack fails */
    if (!(body = json_pack("{s:I, s:o}", "time", (json_int_t)now, "jobs", list)))
        errno = ENOMEM;
    return body;
nomem:
    json_decref(list);
    errno = ENOMEM;
    return NULL;
}
