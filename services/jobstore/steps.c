/*
 * steps.c - the job steps of one job (see steps.h).
 *
 * Node choice follows slurmctld 22.05's _pick_step_nodes and the layout its
 * slurm_step_layout.c (_init_task_layout, _task_layout_block / _cyclic /
 * _plane), so that srun gets the same nodes, task counts and refusal codes.
 * Where FLURM is simpler: a step gets all of the job's CPUs on its nodes
 * (no per-step CPU or memory accounting, so no step ever waits for another:
 * ESLURM_NODES_BUSY only where the job's nodes cannot ever give the step
 * what it asks), no GRES, no features, no reserved ports.
 */
#include "services/jobstore/steps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/hostlist.h"

#define NO_VAL 0xfffffffeu
#define NO_VAL16 0xfffeu
#define INFINITE 0xffffffffu
#define JOB_RUNNING 1u

/* slurm.h 22.05: task distributions and step flags */
#define DIST_CYCLIC 0x0001u
#define DIST_BLOCK 0x0002u
#define DIST_ARBITRARY 0x0003u
#define DIST_PLANE 0x0004u
#define DIST_UNKNOWN 0x2000u
#define DIST_STATE_BASE 0x00ffffu
#define DIST_STATE_FLAGS 0xff0000u
#define DIST_PACK_NODES 0x800000u
#define DIST_NODEMASK 0xf00fu
#define DIST_NODECYCLIC 0x0001u
#define SSF_OVERCOMMIT (1u << 2)
#define MEM_PER_CPU 0x8000000000000000ULL

struct steps {
    struct step *v; /* in step id order */
    size_t n, cap;
    uint32_t next_step_id;
};

static void step_free(struct step *st)
{
    free(st->hosts);
    free(st->ntasks);
    free(st->tids);
    free(st->done);
    free(st->name);
    free(st->srun_host);
    free(st->submit_line);
    free(st->nodes);
    memset(st, 0, sizeof(*st));
}

struct steps *steps_create(void)
{
    struct steps *s = calloc(1, sizeof(*s));

    if (!s)
        errno = ENOMEM;
    return s;
}

void steps_clear(struct steps *s)
{
    for (size_t i = 0; i < s->n; i++)
        step_free(&s->v[i]);
    s->n = 0;
    s->next_step_id = 0;
}

void steps_destroy(struct steps *s)
{
    if (!s)
        return;
    steps_clear(s);
    free(s->v);
    free(s);
}

const struct step *steps_find(const struct steps *s, uint32_t step_id)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].step_id == step_id)
            return &s->v[i];
    }
    return NULL;
}

size_t steps_count(const struct steps *s)
{
    return s->n;
}

const struct step *steps_at(const struct steps *s, size_t i)
{
    return i < s->n ? &s->v[i] : NULL;
}

bool steps_any_running(const struct steps *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].state == JOB_RUNNING)
            return true;
    }
    return false;
}

/* ---- node choice (_pick_step_nodes) ----------------------------------------- */

/* Node sets are byte maps over the job's alloc hosts. */
struct pick {
    size_t n;               /* the job's hosts */
    const uint32_t *cpus;   /* usable CPUs per host */
    uint8_t *avail, *idle, *picked;
};

static uint32_t map_count(const uint8_t *m, size_t n)
{
    uint32_t c = 0;

    for (size_t i = 0; i < n; i++)
        c += m[i] != 0;
    return c;
}

static uint32_t map_cpus(const struct pick *p, const uint8_t *m)
{
    uint32_t c = 0;

    for (size_t i = 0; i < p->n; i++) {
        if (m[i])
            c += p->cpus[i];
    }
    return c;
}

/* Mark the alloc hosts named by expr in map; how many names were not among
 * them in *unknown.  -1 (EINVAL) for a malformed hostlist, ENOMEM. */
static int map_from_hostlist(const struct flurm_alloc *a, const char *expr, uint8_t *map,
                             uint32_t *unknown)
{
    struct flurm_hostlist *hl = flurm_hostlist_parse(expr, NULL, 0);
    size_t count;

    *unknown = 0;
    if (!hl) {
        errno = errno == ENOMEM ? ENOMEM : EINVAL;
        return -1;
    }
    count = flurm_hostlist_count(hl);
    for (size_t i = 0; i < count; i++) {
        char *name = flurm_hostlist_nth(hl, i);
        bool found = false;

        if (!name) {
            flurm_hostlist_destroy(hl);
            errno = ENOMEM;
            return -1;
        }
        for (size_t h = 0; h < a->nhosts; h++) {
            if (!strcmp(a->hosts[h].name, name)) {
                map[h] = 1;
                found = true;
            }
        }
        if (!found)
            (*unknown)++;
        free(name);
    }
    flurm_hostlist_destroy(hl);
    return 0;
}

/* _opt_cpu_cnt: the CPUs still needed beyond those of the picked nodes. */
static uint32_t cpus_still_needed(const struct pick *p, uint32_t cpu_count)
{
    uint32_t rem = cpu_count;

    for (size_t i = 0; i < p->n; i++) {
        if (!p->picked[i])
            continue;
        if (p->cpus[i] >= rem)
            return 0;
        rem -= p->cpus[i];
    }
    return rem;
}

/* _opt_node_cnt */
static uint32_t nodes_to_pick(uint32_t min_nodes, uint32_t max_nodes, uint32_t avail,
                              uint32_t picked)
{
    uint32_t target = max_nodes > min_nodes && max_nodes != NO_VAL ? max_nodes : min_nodes;

    target = target > picked ? target - picked : 0;
    return avail < target ? avail : target;
}

/* _pick_step_nodes_cpus: node_cnt nodes of from with cpu_cnt CPUs between
 * them, preferring nodes that reach the per-node target; into out.  False
 * if it cannot be done. */
static bool pick_nodes_cpus(const struct pick *p, const uint8_t *from, uint32_t node_cnt,
                            uint32_t cpu_cnt, uint8_t *out)
{
    uint32_t target, *below = NULL;
    int64_t rem_nodes = node_cnt, rem_cpus = cpu_cnt, save_nodes, save_cpus;

    memset(out, 0, p->n);
    if (!node_cnt)
        return false;
    target = (cpu_cnt + node_cnt - 1) / node_cnt;
    if (cpu_cnt <= node_cnt || target > 1024) {
        uint32_t got = 0;

        for (size_t i = 0; i < p->n && got < node_cnt; i++) {
            if (from[i]) {
                out[i] = 1;
                got++;
            }
        }
        return got == node_cnt;
    }
    if (!(below = calloc(target, sizeof(*below))))
        return false;
    for (size_t i = 0; i < p->n; i++) {
        if (!from[i])
            continue;
        if (p->cpus[i] < target) {
            below[p->cpus[i]]++;
            continue;
        }
        out[i] = 1;
        rem_cpus -= p->cpus[i];
        if (--rem_nodes <= 0) {
            if (rem_cpus <= 0)
                goto done;
            goto fail; /* the node limit came before the CPUs */
        }
    }
    save_nodes = rem_nodes;
    save_cpus = rem_cpus;
    below[0] = 0;
    for (uint32_t c = target - 1; c > 0; c--) {
        if (!below[c])
            continue;
        if (below[c] > rem_nodes)
            below[c] = (uint32_t)rem_nodes;
        if (rem_nodes > 0) {
            rem_nodes -= below[c];
            rem_cpus -= (int64_t)below[c] * c;
        }
    }
    if (rem_cpus > 0 || rem_nodes > 0)
        goto fail;
    rem_nodes = save_nodes;
    rem_cpus = save_cpus;
    for (size_t i = 0; i < p->n; i++) {
        if (!from[i] || p->cpus[i] >= target || !below[p->cpus[i]])
            continue;
        below[p->cpus[i]]--;
        out[i] = 1;
        rem_cpus -= p->cpus[i];
        rem_nodes--;
        if (rem_cpus <= 0 && rem_nodes <= 0)
            goto done;
        if (rem_nodes == 0)
            break;
    }
fail:
    free(below);
    memset(out, 0, p->n);
    return false;
done:
    free(below);
    return true;
}

/* Choose the step's nodes into p->picked.  0 or a SLURM code. */
static int pick_step_nodes(struct pick *p, const struct steps *s, const struct steps_job *job,
                           struct flurm_step_create_req *req)
{
    const struct flurm_alloc *a = job->alloc;
    uint8_t *exc = NULL, *sel = NULL, *tmp = NULL;
    uint32_t unknown, picked_cnt;
    int rc = STEPS_ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE;

    if (!(exc = calloc(p->n, 1)) || !(sel = calloc(p->n, 1)) || !(tmp = calloc(p->n, 1)))
        goto nomem;
    if (req->max_nodes == 0 || req->max_nodes == NO_VAL)
        req->max_nodes = (uint32_t)p->n;
    if (req->min_nodes == NO_VAL)
        req->min_nodes = 1;
    if (req->max_nodes < req->min_nodes) {
        rc = STEPS_ESLURM_INVALID_NODE_COUNT;
        goto out;
    }
    memset(p->avail, 1, p->n);
    if (req->exc_nodes) {
        if (map_from_hostlist(a, req->exc_nodes, exc, &unknown) < 0) {
            if (errno == ENOMEM)
                goto nomem;
            goto out;
        }
        for (size_t i = 0; i < p->n; i++) {
            if (exc[i])
                p->avail[i] = 0;
        }
    }
    if (req->node_list) {
        uint32_t count;

        if (map_from_hostlist(a, req->node_list, sel, &unknown) < 0) {
            if (errno == ENOMEM)
                goto nomem;
            goto out;
        }
        count = map_count(sel, p->n);
        if (unknown) /* not part of the job */
            goto out;
        for (size_t i = 0; i < p->n; i++) {
            if (sel[i] && exc[i]) /* required and excluded */
                goto out;
        }
        if (count > req->max_nodes)
            goto out;
        if (req->min_nodes && count > req->min_nodes) {
            memcpy(p->avail, sel, p->n);
        } else {
            memcpy(p->picked, sel, p->n);
            for (size_t i = 0; i < p->n; i++) {
                if (sel[i])
                    p->avail[i] = 0;
            }
        }
    }
    /* nodes no running step uses come first */
    memcpy(p->idle, p->avail, p->n);
    for (size_t k = 0; k < s->n; k++) {
        const struct step *st = &s->v[k];

        for (uint32_t j = 0; st->state == JOB_RUNNING && j < st->nnodes; j++)
            p->idle[st->hosts[j]] = 0;
    }
    /* a CPU count on identical nodes is a node count */
    if (req->cpu_count && p->n) {
        bool same = true;

        for (size_t i = 1; i < p->n; i++)
            same = same && p->cpus[i] == p->cpus[0];
        if (same && p->cpus[0]) {
            uint32_t need = (req->cpu_count + p->cpus[0] - 1) / p->cpus[0];

            if (need > req->min_nodes)
                req->min_nodes = need;
            if (req->task_dist & DIST_PACK_NODES)
                req->max_nodes = req->min_nodes;
            if (req->max_nodes < req->min_nodes) {
                rc = STEPS_ESLURM_TOO_MANY_REQUESTED_CPUS;
                goto out;
            }
        }
    }
    if (req->min_nodes) {
        uint32_t avail_cnt = map_count(p->avail, p->n), needed;

        picked_cnt = map_count(p->picked, p->n);
        if (avail_cnt + picked_cnt < req->min_nodes) {
            rc = STEPS_ESLURM_NODES_BUSY;
            goto out;
        }
        needed = req->min_nodes > picked_cnt ? req->min_nodes - picked_cnt : 0;
        if (needed && map_count(p->idle, p->n) >= needed) {
            uint32_t want = nodes_to_pick(req->min_nodes, req->max_nodes,
                                          map_count(p->idle, p->n), picked_cnt);

            if (pick_nodes_cpus(p, p->idle, want, cpus_still_needed(p, req->cpu_count), tmp)) {
                for (size_t i = 0; i < p->n; i++) {
                    if (tmp[i]) {
                        p->picked[i] = 1;
                        p->avail[i] = 0;
                    }
                }
                needed = 0;
            }
        }
        avail_cnt = map_count(p->avail, p->n);
        if (needed && avail_cnt >= needed) {
            uint32_t want = nodes_to_pick(req->min_nodes, req->max_nodes, avail_cnt, picked_cnt);

            if (!pick_nodes_cpus(p, p->avail, want, cpus_still_needed(p, req->cpu_count), tmp)) {
                if (req->max_nodes <= avail_cnt + picked_cnt)
                    rc = STEPS_ESLURM_TOO_MANY_REQUESTED_CPUS;
                goto out;
            }
            for (size_t i = 0; i < p->n; i++) {
                if (tmp[i]) {
                    p->picked[i] = 1;
                    p->avail[i] = 0;
                }
            }
        } else if (needed) {
            if (req->max_nodes <= picked_cnt)
                rc = STEPS_ESLURM_TOO_MANY_REQUESTED_CPUS;
            goto out;
        }
    }
    if (req->cpu_count) {
        uint32_t cpus = map_cpus(p, p->picked);

        picked_cnt = map_count(p->picked, p->n);
        for (size_t i = 0; i < p->n && req->cpu_count > cpus && req->max_nodes > picked_cnt;
             i++) {
            if (!p->avail[i] || !p->cpus[i])
                continue;
            p->picked[i] = 1;
            p->avail[i] = 0;
            picked_cnt++;
            if (req->min_nodes)
                req->min_nodes = picked_cnt;
            cpus += p->cpus[i];
        }
        if (req->cpu_count > cpus)
            goto out;
    }
    rc = map_count(p->picked, p->n) ? 0 : STEPS_ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE;
out:
    free(exc);
    free(sel);
    free(tmp);
    return rc;
nomem:
    free(exc);
    free(sel);
    free(tmp);
    errno = ENOMEM;
    return -1;
}

/* ---- layout (slurm_step_layout.c) ----------------------------------------- */

/* _calc_cpus_per_task: srun sends cpu_count = tasks x -c; 0 when the job's
 * CPUs cannot hold the tasks at that width (the layout then uses 1). */
static uint16_t calc_cpus_per_task(const struct flurm_step_create_req *req,
                                   const struct flurm_alloc *a)
{
    int64_t left;
    uint32_t cpt;

    if (req->cpu_count == 0 || req->num_tasks == NO_VAL || req->num_tasks == 0 ||
        req->cpu_count % req->num_tasks)
        return 0;
    cpt = req->cpu_count / req->num_tasks;
    if (cpt < 1)
        cpt = 1;
    left = req->num_tasks;
    for (size_t i = 0; i < a->nhosts; i++) {
        if (cpt > a->hosts[i].cpus)
            return 0;
        left -= a->hosts[i].cpus / cpt;
    }
    return left > 0 ? 0 : (uint16_t)cpt;
}

/* Tasks per node as _init_task_layout and the block, cyclic and plane
 * layouts give them, and the task ids node after node. */
static int lay_out(struct step *st, const uint32_t *node_cpus, uint16_t plane_size)
{
    uint32_t n = st->nnodes, cpt = st->cpus_per_task ? st->cpus_per_task : 1;
    uint32_t *cap = calloc(n, sizeof(*cap)), *at = NULL, base = st->task_dist & DIST_STATE_BASE;
    uint32_t **per = NULL;
    int rc = -1;

    if (!cap || !(st->ntasks = calloc(n, sizeof(*st->ntasks))) ||
        !(st->tids = calloc(st->task_cnt ? st->task_cnt : 1, sizeof(*st->tids))) ||
        !(per = calloc(n, sizeof(*per))) || !(at = calloc(n, sizeof(*at))))
        goto out;
    for (uint32_t i = 0; i < n; i++) {
        cap[i] = node_cpus[i] / cpt;
        if (!cap[i])
            cap[i] = 1;
        /* plane_size without -m plane carries --ntasks-per-node */
        if (plane_size && plane_size != NO_VAL16 && base != DIST_PLANE &&
            cap[i] > (uint32_t)plane_size * cpt)
            cap[i] = (uint32_t)plane_size * cpt;
        if (!(per[i] = calloc(st->task_cnt ? st->task_cnt : 1, sizeof(uint32_t))))
            goto out;
    }
    if ((st->task_dist & DIST_NODEMASK) == DIST_NODECYCLIC) {
        uint32_t total = 0, over = 0, task = 0;
        bool oversub = false;

        for (uint32_t i = 0; i < n; i++)
            total += cap[i];
        if (total < st->task_cnt) {
            oversub = true;
            over = (st->task_cnt - total + n - 1) / n;
        }
        for (uint32_t j = 0; task < st->task_cnt; j++) {
            bool room = false;

            for (uint32_t i = 0; i < n && task < st->task_cnt; i++) {
                if (j < cap[i] || (oversub && j < cap[i] + over)) {
                    per[i][st->ntasks[i]++] = task++;
                    if (j + 1 < cap[i])
                        room = true;
                }
            }
            if (!room)
                oversub = true;
        }
    } else if (base == DIST_PLANE && plane_size && plane_size != NO_VAL16) {
        /* counts as a fake cyclic, ids plane after plane */
        uint32_t task = 0, *count = at;
        bool oversub = false;

        for (uint32_t j = 0; task < st->task_cnt; j++) {
            bool room = false;

            for (uint32_t i = 0; i < n && task < st->task_cnt; i++) {
                if (j < cap[i] || oversub) {
                    count[i]++;
                    task++;
                    if (j + 1 < cap[i])
                        room = true;
                }
            }
            if (!room)
                oversub = true;
        }
        task = 0;
        while (task < st->task_cnt) {
            for (uint32_t i = 0; i < n && task < st->task_cnt; i++) {
                for (uint32_t k = 0; k < plane_size && st->ntasks[i] < count[i]; k++)
                    per[i][st->ntasks[i]++] = task++;
            }
        }
    } else {
        /* block: count as a fake cyclic (or packed), then number in blocks */
        uint32_t task = 0, *count = at;

        if (st->task_dist & DIST_PACK_NODES) {
            for (uint32_t i = 0; i < n && task < st->task_cnt; i++) {
                if (count[i] < cap[i]) {
                    count[i]++;
                    task++;
                }
            }
            for (uint32_t i = 0; i < n && task < st->task_cnt; i++) {
                while (count[i] < cap[i] && task < st->task_cnt) {
                    count[i]++;
                    task++;
                }
            }
            while (task < st->task_cnt) {
                for (uint32_t i = 0; i < n && task < st->task_cnt; i++) {
                    count[i]++;
                    task++;
                }
            }
        } else {
            bool oversub = false;

            for (uint32_t j = 0; task < st->task_cnt; j++) {
                bool room = false;

                for (uint32_t i = 0; i < n && task < st->task_cnt; i++) {
                    if (j < cap[i] || oversub) {
                        count[i]++;
                        task++;
                        if (j + 1 < cap[i])
                            room = true;
                    }
                }
                if (!room)
                    oversub = true;
            }
        }
        task = 0;
        for (uint32_t i = 0; i < n; i++) {
            for (uint32_t k = 0; k < count[i]; k++)
                per[i][st->ntasks[i]++] = task++;
        }
    }
    for (uint32_t i = 0, k = 0; i < n; i++) {
        memcpy(st->tids + k, per[i], st->ntasks[i] * sizeof(uint32_t));
        k += st->ntasks[i];
    }
    rc = 0;
out:
    for (uint32_t i = 0; per && i < n; i++)
        free(per[i]);
    free(per);
    free(cap);
    free(at);
    if (rc < 0)
        errno = ENOMEM;
    return rc;
}

static int grow(struct steps *s)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        struct step *v = realloc(s->v, cap * sizeof(*v));

        if (!v) {
            errno = ENOMEM;
            return -1;
        }
        s->v = v;
        s->cap = cap;
    }
    return 0;
}

static int dup_str(char **dst, const char *src)
{
    *dst = NULL;
    if (src && !(*dst = strdup(src))) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* The ranged hostlist of the step's hosts.  Caller frees. */
static char *step_hostlist(const struct step *st, const struct flurm_alloc *a)
{
    struct flurm_hostlist *hl = flurm_hostlist_create();
    char *s = NULL;

    if (!hl)
        return NULL;
    for (uint32_t i = 0; i < st->nnodes; i++) {
        if (flurm_hostlist_push_host(hl, a->hosts[st->hosts[i]].name) < 0)
            goto out;
    }
    s = flurm_hostlist_ranged_string(hl);
out:
    flurm_hostlist_destroy(hl);
    if (!s)
        errno = ENOMEM;
    return s;
}

int steps_add(struct steps *s, const struct steps_job *job,
              const struct flurm_step_create_req *req_in, const struct step **created)
{
    const struct flurm_alloc *a = job->alloc;
    struct flurm_step_create_req req = *req_in; /* shallow: only numbers change */
    struct pick p = {.n = a->nhosts};
    uint32_t *cpus = NULL, *node_cpus = NULL, dist, max_tasks;
    struct step st;
    int rc;

    memset(&st, 0, sizeof(st));
    *created = NULL;
    if (req.step_id.step_id != NO_VAL && steps_find(s, req.step_id.step_id))
        return STEPS_ESLURM_DUPLICATE_STEP_ID;
    /* srun leaves the distribution unknown when it asks no memory */
    dist = req.task_dist & DIST_STATE_BASE;
    if (dist == DIST_UNKNOWN && !(req.pn_min_memory & ~MEM_PER_CPU)) {
        req.task_dist = (req.task_dist & DIST_STATE_FLAGS) | DIST_BLOCK;
        dist = DIST_BLOCK;
    }
    if (dist == DIST_ARBITRARY || dist == DIST_UNKNOWN || (dist & 0x0f) == 0 ||
        (dist & 0x0f) > DIST_PLANE)
        return STEPS_ESLURM_BAD_DIST;
    if (req.flags & SSF_OVERCOMMIT)
        req.cpu_count = 0;
    if (req.num_tasks < 1)
        return STEPS_ESLURM_BAD_TASK_COUNT;
    if (req.cpu_count == NO_VAL)
        req.cpu_count = 0;
    if (!(cpus = calloc(p.n ? p.n : 1, sizeof(*cpus))) || !(p.avail = calloc(p.n + 1, 1)) ||
        !(p.idle = calloc(p.n + 1, 1)) || !(p.picked = calloc(p.n + 1, 1)))
        goto nomem;
    for (size_t i = 0; i < p.n; i++)
        cpus[i] = a->hosts[i].cpus;
    p.cpus = cpus;
    st.cpus_per_task = calc_cpus_per_task(&req, a);
    if ((rc = pick_step_nodes(&p, s, job, &req)) != 0) {
        if (rc < 0)
            goto nomem;
        goto refused;
    }
    st.nnodes = map_count(p.picked, p.n);
    if (req.num_tasks == NO_VAL)
        req.num_tasks = req.cpu_count ? req.cpu_count : st.nnodes;
    max_tasks = st.nnodes * (job->max_tasks_per_node ? job->max_tasks_per_node : 512);
    if (req.num_tasks > max_tasks) {
        rc = STEPS_ESLURM_BAD_TASK_COUNT;
        goto refused;
    }
    if (req.time_limit == NO_VAL || req.time_limit == 0 || req.time_limit == INFINITE) {
        st.time_limit = INFINITE;
    } else if (req.time_limit > job->part_max_time && job->enforce_part_limits) {
        rc = STEPS_ESLURM_INVALID_TIME_LIMIT;
        goto refused;
    } else {
        st.time_limit = req.time_limit;
    }
    if (!(st.hosts = calloc(st.nnodes, sizeof(*st.hosts))) ||
        !(node_cpus = calloc(st.nnodes, sizeof(*node_cpus))) ||
        !(st.done = calloc(st.nnodes, 1)))
        goto nomem;
    for (size_t i = 0, k = 0; i < p.n; i++) {
        if (p.picked[i]) {
            node_cpus[k] = cpus[i];
            st.hosts[k++] = (uint32_t)i;
        }
    }
    st.step_id = req.step_id.step_id != NO_VAL ? req.step_id.step_id : s->next_step_id;
    st.state = JOB_RUNNING;
    st.task_cnt = req.num_tasks;
    st.task_dist = req.task_dist;
    st.cpu_count = req_in->cpu_count == NO_VAL ? 0 : req_in->cpu_count;
    if (req.cpu_freq_min == NO_VAL && req.cpu_freq_max == NO_VAL && req.cpu_freq_gov == NO_VAL) {
        st.cpu_freq_min = st.cpu_freq_max = st.cpu_freq_gov = NO_VAL;
    } else {
        st.cpu_freq_min = req.cpu_freq_min;
        st.cpu_freq_max = req.cpu_freq_max;
        st.cpu_freq_gov = req.cpu_freq_gov;
    }
    st.srun_pid = req.srun_pid;
    st.srun_port = req.port;
    st.proto = job->proto;
    st.start_time = job->now;
    st.exit_code = NO_VAL;
    if (dup_str(&st.name, req.name && *req.name ? req.name : job->job_name) < 0 ||
        dup_str(&st.srun_host, req.host) < 0 || dup_str(&st.submit_line, req.submit_line) < 0 ||
        lay_out(&st, node_cpus, req.plane_size) < 0 || !(st.nodes = step_hostlist(&st, a)) ||
        grow(s) < 0)
        goto nomem;
    /* the ids stay in order: an explicit id past the next one moves it on */
    if (st.step_id >= s->next_step_id)
        s->next_step_id = st.step_id + 1;
    {
        size_t pos = s->n;

        while (pos > 0 && s->v[pos - 1].step_id > st.step_id)
            pos--;
        memmove(s->v + pos + 1, s->v + pos, (s->n - pos) * sizeof(*s->v));
        s->v[pos] = st;
        s->n++;
        *created = &s->v[pos];
    }
    free(cpus);
    free(node_cpus);
    free(p.avail);
    free(p.idle);
    free(p.picked);
    return 0;
refused:
    step_free(&st);
    free(cpus);
    free(node_cpus);
    free(p.avail);
    free(p.idle);
    free(p.picked);
    return rc;
nomem:
    step_free(&st);
    free(cpus);
    free(node_cpus);
    free(p.avail);
    free(p.idle);
    free(p.picked);
    errno = ENOMEM;
    return -1;
}

/* ---- completion ------------------------------------------------------------- */

int steps_complete(struct steps *s, uint32_t step_id, uint32_t first, uint32_t last,
                   uint32_t step_rc, int64_t now, bool *finished)
{
    struct step *st = (struct step *)steps_find(s, step_id);
    bool all = true;

    *finished = false;
    if (!st)
        return STEPS_ESLURM_INVALID_JOB_ID;
    if (last < first || first >= st->nnodes || last >= st->nnodes)
        return EINVAL;
    if (st->state != JOB_RUNNING)
        return 0; /* a re-sent report of a step already ended */
    if (st->exit_code == NO_VAL || step_rc > st->exit_code)
        st->exit_code = step_rc;
    for (uint32_t i = first; i <= last; i++)
        st->done[i] = 1;
    for (uint32_t i = 0; i < st->nnodes; i++)
        all = all && st->done[i];
    if (all) {
        st->state = st->exit_code ? 5u /* JOB_FAILED */ : 3u /* JOB_COMPLETE */;
        st->end_time = now;
        *finished = true;
    }
    return 0;
}

size_t steps_end_all(struct steps *s, uint32_t state, int64_t now)
{
    size_t n = 0;

    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].state != JOB_RUNNING)
            continue;
        s->v[i].state = state;
        s->v[i].end_time = now;
        n++;
    }
    return n;
}

/* ---- JSON forms ------------------------------------------------------------- */

static json_t *tasks_json(const struct step *st)
{
    json_t *all = json_array();

    for (uint32_t i = 0, k = 0; all && i < st->nnodes; i++) {
        json_t *node = json_array();

        for (uint32_t j = 0; node && j < st->ntasks[i]; j++) {
            if (json_array_append_new(node, json_integer(st->tids[k + j])) < 0) {
                json_decref(node);
                node = NULL;
            }
        }
        k += st->ntasks[i];
        if (!node || json_array_append_new(all, node) < 0) {
            json_decref(all);
            return NULL;
        }
    }
    return all;
}

json_t *steps_step_json(const struct step *st, uint32_t job_id, const struct flurm_alloc *alloc)
{
    json_t *hosts = json_array(), *tasks = tasks_json(st), *o;

    if (!hosts || !tasks)
        goto nomem;
    for (uint32_t i = 0; i < st->nnodes; i++) {
        const struct flurm_alloc_host *h = &alloc->hosts[st->hosts[i]];
        char *cores = flurm_coreset_format(&h->cores);
        json_t *e = cores ? json_pack("{s:s, s:s, s:I, s:I}", "name", h->name, "cores", cores,
                                      "cpus", (json_int_t)h->cpus, "mem", (json_int_t)h->mem)
                          : NULL;

        free(cores);
        if (!e || json_array_append_new(hosts, e) < 0)
            goto nomem;
    }
    o = json_pack("{s:I, s:I, s:s, s:I, s:I, s:I, s:o, s:I, s:o, s:I, s:s?, s:s?, s:I, s:I}",
                  "job_id", (json_int_t)job_id, "step_id", (json_int_t)st->step_id, "nodes",
                  st->nodes, "node_cnt", (json_int_t)st->nnodes, "task_cnt",
                  (json_int_t)st->task_cnt, "task_dist", (json_int_t)st->task_dist, "tasks", tasks,
                  "cpus_per_task", (json_int_t)(st->cpus_per_task ? st->cpus_per_task : 1),
                  "hosts", hosts, "time_limit", (json_int_t)st->time_limit, "name", st->name,
                  "srun_host", st->srun_host, "srun_port", (json_int_t)st->srun_port,
                  "start_time", (json_int_t)st->start_time);
    if (!o)
        errno = ENOMEM;
    return o;
nomem:
    json_decref(hosts);
    json_decref(tasks);
    errno = ENOMEM;
    return NULL;
}

static json_t *u32_array(const uint32_t *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, json_integer(v[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *step_save(const struct step *st)
{
    json_t *done = json_array(), *o;

    for (uint32_t i = 0; done && i < st->nnodes; i++) {
        if (json_array_append_new(done, json_boolean(st->done[i])) < 0) {
            json_decref(done);
            done = NULL;
        }
    }
    if (!done)
        return NULL;
    o = json_pack("{s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
                  "s:I, s:I, s:s?, s:s?, s:s?, s:I, s:I, s:I, s:o}",
                  "step_id", (json_int_t)st->step_id, "state", (json_int_t)st->state, "hosts",
                  u32_array(st->hosts, st->nnodes), "ntasks", u32_array(st->ntasks, st->nnodes),
                  "tids", u32_array(st->tids, st->task_cnt), "task_dist",
                  (json_int_t)st->task_dist, "cpus_per_task", (json_int_t)st->cpus_per_task,
                  "cpu_count", (json_int_t)st->cpu_count, "time_limit",
                  (json_int_t)st->time_limit, "cpu_freq_min", (json_int_t)st->cpu_freq_min,
                  "cpu_freq_max", (json_int_t)st->cpu_freq_max, "cpu_freq_gov",
                  (json_int_t)st->cpu_freq_gov, "srun_pid", (json_int_t)st->srun_pid,
                  "srun_port", (json_int_t)st->srun_port, "proto", (json_int_t)st->proto,
                  "name", st->name, "srun_host", st->srun_host, "submit_line", st->submit_line,
                  "start_time", (json_int_t)st->start_time, "end_time",
                  (json_int_t)st->end_time, "exit_code", (json_int_t)st->exit_code, "done", done);
    if (o && json_object_set_new(o, "nodes", json_string(st->nodes)) < 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

json_t *steps_save(const struct steps *s)
{
    json_t *list = json_array();

    for (size_t i = 0; list && i < s->n; i++) {
        json_t *o = step_save(&s->v[i]);

        if (!o || json_array_append_new(list, o) < 0) {
            json_decref(list);
            list = NULL;
        }
    }
    if (!list) {
        errno = ENOMEM;
        return NULL;
    }
    return json_pack("{s:I, s:o}", "next_step_id", (json_int_t)s->next_step_id, "steps", list);
}

static json_int_t get_int(const json_t *o, const char *key, json_int_t def)
{
    const json_t *v = json_object_get(o, key);

    return json_is_integer(v) ? json_integer_value(v) : def;
}

/* Read an array of n integers below limit (0: any u32) into a new array. */
static int load_u32s(const json_t *a, size_t n, uint32_t limit, uint32_t **out)
{
    *out = calloc(n ? n : 1, sizeof(uint32_t));
    if (!*out)
        return -1;
    if (!json_is_array(a) || json_array_size(a) != n) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(a, i);
        json_int_t v = json_is_integer(item) ? json_integer_value(item) : -1;
        if (v < 0 || v > UINT32_MAX || (limit && (uint64_t)v >= limit)) {
            errno = EINVAL;
            return -1;
        }
        (*out)[i] = (uint32_t)v;
    }
    return 0;
}

static int step_load(struct step *st, const json_t *o, size_t nhosts)
{
    const json_t *hosts = json_object_get(o, "hosts"), *done = json_object_get(o, "done");
    json_int_t id = get_int(o, "step_id", -1);
    uint32_t sum = 0;

    memset(st, 0, sizeof(*st));
    if (!json_is_object(o) || id < 0 || id > UINT32_MAX || !json_is_array(hosts))
        goto invalid;
    st->step_id = (uint32_t)id;
    st->nnodes = (uint32_t)json_array_size(hosts);
    st->task_cnt = (uint32_t)json_array_size(json_object_get(o, "tids"));
    if (load_u32s(hosts, st->nnodes, (uint32_t)nhosts, &st->hosts) < 0 ||
        load_u32s(json_object_get(o, "ntasks"), st->nnodes, 0, &st->ntasks) < 0 ||
        load_u32s(json_object_get(o, "tids"), st->task_cnt, 0, &st->tids) < 0)
        goto fail;
    for (uint32_t i = 0; i < st->nnodes; i++)
        sum += st->ntasks[i];
    if (sum != st->task_cnt || !json_is_array(done) || json_array_size(done) != st->nnodes ||
        !(st->done = calloc(st->nnodes ? st->nnodes : 1, 1)))
        goto invalid;
    for (uint32_t i = 0; i < st->nnodes; i++)
        st->done[i] = json_is_true(json_array_get(done, i));
    st->state = (uint32_t)get_int(o, "state", JOB_RUNNING);
    st->task_dist = (uint32_t)get_int(o, "task_dist", DIST_BLOCK);
    st->cpus_per_task = (uint16_t)get_int(o, "cpus_per_task", 1);
    st->cpu_count = (uint32_t)get_int(o, "cpu_count", 0);
    st->time_limit = (uint32_t)get_int(o, "time_limit", INFINITE);
    st->cpu_freq_min = (uint32_t)get_int(o, "cpu_freq_min", NO_VAL);
    st->cpu_freq_max = (uint32_t)get_int(o, "cpu_freq_max", NO_VAL);
    st->cpu_freq_gov = (uint32_t)get_int(o, "cpu_freq_gov", NO_VAL);
    st->srun_pid = (uint32_t)get_int(o, "srun_pid", 0);
    st->srun_port = (uint16_t)get_int(o, "srun_port", 0);
    st->proto = (uint16_t)get_int(o, "proto", 0);
    st->start_time = get_int(o, "start_time", 0);
    st->end_time = get_int(o, "end_time", 0);
    st->exit_code = (uint32_t)get_int(o, "exit_code", NO_VAL);
    if (dup_str(&st->name, json_string_value(json_object_get(o, "name"))) < 0 ||
        dup_str(&st->srun_host, json_string_value(json_object_get(o, "srun_host"))) < 0 ||
        dup_str(&st->submit_line, json_string_value(json_object_get(o, "submit_line"))) < 0 ||
        dup_str(&st->nodes, json_string_value(json_object_get(o, "nodes"))) < 0)
        goto fail;
    if (!st->nodes)
        goto invalid;
    return 0;
invalid:
    errno = EINVAL;
fail:
    step_free(st);
    return -1;
}

int steps_load(struct steps *s, const json_t *saved, size_t nhosts)
{
    const json_t *list = json_object_get(saved, "steps"), *o;
    json_int_t next = get_int(saved, "next_step_id", 0);
    size_t i;

    if (!saved || json_is_null(saved))
        return 0;
    if (!json_is_array(list) || next < 0 || next > UINT32_MAX) {
        errno = EINVAL;
        return -1;
    }
    json_array_foreach(list, i, o) {
        if (grow(s) < 0 || step_load(&s->v[s->n], o, nhosts) < 0) {
            steps_clear(s);
            return -1;
        }
        s->n++;
    }
    s->next_step_id = (uint32_t)next;
    return 0;
}
