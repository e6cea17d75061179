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

/* A job state word that is JOB_PENDING and no flag. */
#define JOB_PENDING_PLAIN 0u

struct view {
    const struct sched_site *site;
    struct sched_job *jobs;
    size_t njobs, cap;
    uint64_t last_seq;
    uint32_t *node_state;
    /* between view_nodes_asked() and the answer: the nodes an event set */
    bool nodes_asked;
    bool *node_event_seen;
    struct sched_hold *holds; /* allocs owned */
    size_t nholds;
    /* a job applied since the last view_allocs_stale() may hold, or have
     * held, resources: what job.allocs said may be out of date */
    bool allocs_stale;
};

struct view *view_create(const struct sched_site *site)
{
    struct view *v = calloc(1, sizeof(*v));
    size_t nn = sched_site_node_count(site);

    if (!v || !(v->node_state = calloc(nn ? nn : 1, sizeof(*v->node_state))) ||
        !(v->node_event_seen = calloc(nn ? nn : 1, sizeof(*v->node_event_seen)))) {
        view_destroy(v);
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

static void holds_free(struct sched_hold *holds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        flurm_alloc_destroy((struct flurm_alloc *)holds[i].alloc);
    free(holds);
}

void view_destroy(struct view *v)
{
    if (!v)
        return;
    view_clear_jobs(v);
    holds_free(v->holds, v->nholds);
    free(v->jobs);
    free(v->node_state);
    free(v->node_event_seen);
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
        const struct sched_job *old;

        if (sched_job_from_info(info, &job) < 0)
            return -1;
        old = job_find(v, job.job_id);
        if (job.state != JOB_PENDING_PLAIN || (old && old->state != JOB_PENDING_PLAIN))
            v->allocs_stale = true;
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

bool view_allocs_stale(struct view *v)
{
    bool stale = v->allocs_stale;

    v->allocs_stale = false;
    return stale;
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

/* ---- what running jobs hold ---------------------------------------------------- */

#define JOB_COMPLETING_FLAG 0x8000u

static bool listed(const json_t *names, const char *name)
{
    size_t i;
    const json_t *n;

    json_array_foreach(names, i, n) {
        if (json_is_string(n) && !strcmp(json_string_value(n), name))
            return true;
    }
    return false;
}

/* The hosts of full (borrowed) that the job still holds: all of them,
 * or for a completing job those whose epilog has not come. */
static struct flurm_alloc *held_part(const struct flurm_alloc *full, uint32_t state,
                                     const json_t *completing)
{
    struct flurm_alloc *a = flurm_alloc_create();

    if (!a)
        return NULL;
    for (size_t h = 0; h < full->nhosts; h++) {
        const struct flurm_alloc_host *host = &full->hosts[h];

        if ((state & JOB_COMPLETING_FLAG) && !listed(completing, host->name))
            continue;
        if (flurm_alloc_add_host(a, host->name, &host->cores, host->cpus, host->mem, false) < 0) {
            flurm_alloc_destroy(a);
            return NULL;
        }
    }
    return a;
}

static int cmp_hold(const void *a, const void *b)
{
    const struct sched_hold *x = a, *y = b;

    return x->job_id < y->job_id ? -1 : x->job_id > y->job_id;
}

int view_apply_allocs(struct view *v, const json_t *body)
{
    const json_t *list = json_object_get(body, "jobs"), *e;
    struct sched_hold *holds;
    size_t i, n = 0;
    char err[128];

    if (!json_is_array(list)) {
        errno = EINVAL;
        return -1;
    }
    if (!(holds = calloc(json_array_size(list) + 1, sizeof(*holds)))) {
        errno = ENOMEM;
        return -1;
    }
    json_array_foreach(list, i, e) {
        json_int_t id = json_integer_value(json_object_get(e, "job_id"));
        uint32_t state = (uint32_t)json_integer_value(json_object_get(e, "state"));
        struct flurm_alloc *full, *held;

        if (id <= 0 || id > UINT32_MAX)
            continue;
        /* an allocation the site cannot place (a node gone from
         * slurm.conf) holds nothing the scheduler could give */
        full = flurm_alloc_from_json(json_object_get(e, "alloc"), sched_site_node_cores,
                                     (void *)v->site, err, sizeof(err));
        if (!full) {
            if (errno == ENOMEM)
                goto nomem;
            continue;
        }
        held = held_part(full, state, json_object_get(e, "completing"));
        flurm_alloc_destroy(full);
        if (!held)
            goto nomem;
        if (!held->nhosts) {
            flurm_alloc_destroy(held);
            continue;
        }
        holds[n++] = (struct sched_hold){
            (uint32_t)id, (uint32_t)json_integer_value(json_object_get(e, "array_job_id")), state,
            json_integer_value(json_object_get(e, "end_time")), held};
    }
    qsort(holds, n, sizeof(*holds), cmp_hold);
    holds_free(v->holds, v->nholds);
    v->holds = holds;
    v->nholds = n;
    return (int)n;
nomem:
    holds_free(holds, n);
    errno = ENOMEM;
    return -1;
}

const struct sched_hold *view_holds(const struct view *v, size_t *n)
{
    *n = v->nholds;
    return v->holds;
}

/* ---- nodes ------------------------------------------------------------------ */

/* Set the state of node `name`; 1 if it changed, 0 if not or unknown.
 * While a node.info is asked for, an event's node is remembered, and the
 * answer leaves it alone: the answer may have been taken before the event
 * (replies and events travel on different sockets), and an event the
 * answer overtook comes later and is applied then. */
static int set_node_state(struct view *v, const json_t *name, const json_t *state, bool from_event)
{
    ssize_t i;
    uint32_t word;

    if (!json_is_string(name) || !json_is_integer(state))
        return 0;
    i = sched_site_node_find(v->site, json_string_value(name));
    if (i < 0)
        return 0;
    if (v->nodes_asked) {
        if (from_event)
            v->node_event_seen[i] = true;
        else if (v->node_event_seen[i])
            return 0;
    }
    word = (uint32_t)json_integer_value(state);
    if (v->node_state[i] == word)
        return 0;
    v->node_state[i] = word;
    return 1;
}

void view_nodes_asked(struct view *v)
{
    v->nodes_asked = true;
    memset(v->node_event_seen, 0,
           sched_site_node_count(v->site) * sizeof(*v->node_event_seen));
}

void view_nodes_unanswered(struct view *v)
{
    v->nodes_asked = false;
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
                                  json_object_get(node, "node_state"), false);
    v->nodes_asked = false;
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
    return set_node_state(v, name, state, true);
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

/* The store shows a pending job's expected start as slurmctld does: never
 * in the past (the later of it and the store's clock, which read the job
 * before this pass's now), and without one a begin time still ahead. */
static bool same_start(const struct sched_job *job, int64_t decided, int64_t now)
{
    int64_t shown = job->start_time;

    if (decided == shown)
        return true;
    if (!decided)
        return !shown || shown == job->eligible_time;
    return decided <= now && shown && shown <= now;
}

/* The store keeps "" as no dependency. */
static bool same_dependency(const char *shown, const char *decided)
{
    return same_str(shown && *shown ? shown : NULL, decided);
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

        if (!job || d->would_start ||
            (job->priority == d->priority && job->reason == d->reason &&
             same_str(job->desc, d->desc) && same_start(job, d->start_time, now) &&
             same_dependency(job->dependency, d->dependency)))
            continue;
        e = json_pack("{s:I, s:I, s:I, s:s?, s:I, s:s}", "job_id", (json_int_t)d->job_id,
                      "priority", (json_int_t)d->priority, "state_reason",
                      (json_int_t)d->reason, "state_desc", d->desc, "start_time",
                      (json_int_t)d->start_time, "dependency",
                      d->dependency ? d->dependency : "");
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

json_t *view_start_body(const struct sched_result *res, int64_t now)
{
    json_t *list = json_array();

    if (!list)
        goto nomem;
    for (size_t i = 0; i < res->nstarts; i++) {
        json_t *alloc = flurm_alloc_to_json(res->starts[i].alloc);
        json_t *e = alloc ? json_pack("{s:I, s:o}", "job_id", (json_int_t)res->starts[i].job_id,
                                      "alloc", alloc)
                          : NULL;

        if (!e || json_array_append_new(list, e) < 0)
            goto nomem;
    }
    if (!json_array_size(list)) {
        json_decref(list);
        errno = 0;
        return NULL;
    }
    return json_pack("{s:I, s:o}", "time", (json_int_t)now, "jobs", list);
nomem:
    json_decref(list);
    errno = ENOMEM;
    return NULL;
}

json_t *view_timeout_body(const struct sched_result *res, int64_t now)
{
    json_t *list = json_array();

    if (!list)
        goto nomem;
    for (size_t i = 0; i < res->ntimeouts; i++) {
        if (json_array_append_new(list, json_integer(res->timeouts[i])) < 0)
            goto nomem;
    }
    if (!json_array_size(list)) {
        json_decref(list);
        errno = 0;
        return NULL;
    }
    return json_pack("{s:I, s:o}", "time", (json_int_t)now, "jobs", list);
nomem:
    json_decref(list);
    errno = ENOMEM;
    return NULL;
}

json_t *view_preempt_body(const struct sched_result *res, int64_t now)
{
    json_t *list = json_array();

    if (!list)
        goto nomem;
    for (size_t i = 0; i < res->npreempts; i++) {
        const struct sched_preempt *p = &res->preempts[i];
        json_t *e = json_pack("{s:I, s:s, s:I}", "job_id", (json_int_t)p->job_id, "mode",
                              p->requeue ? "requeue" : "cancel", "by", (json_int_t)p->by);

        if (!e || json_array_append_new(list, e) < 0)
            goto nomem;
    }
    if (!json_array_size(list)) {
        json_decref(list);
        errno = 0;
        return NULL;
    }
    return json_pack("{s:I, s:o}", "time", (json_int_t)now, "jobs", list);
nomem:
    json_decref(list);
    errno = ENOMEM;
    return NULL;
}
