/*
 * select.c - the free cores and memory of every node, and the placement of
 * one job on them (see select.h).
 *
 * Held cores live in one flat bitmap (a run of 64-bit words per node) so
 * that copying a pool for a what-if (backfill's shadow time) is a memcpy.
 * The placement is cons_tres's shape without its best-fit search: nodes in
 * a fixed order (required, Weight, slurm.conf), each given at least one
 * task, the remaining tasks filled node by node, each node's lowest free
 * cores first.  A fixed order makes every pass decide the same thing from
 * the same picture, which a stateless scheduler needs.
 */
#include "services/scheduler/select.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct sel_pool {
    const struct sel_node *nodes;
    size_t n;
    struct sel_config cfg;
    size_t *word_off;     /* per node: first word in bits; [n] = total */
    uint64_t *bits;       /* held cores */
    uint32_t *free_cores; /* per node */
    uint64_t *held_mem;   /* per node, MB */
    size_t *order;        /* node indexes by Weight, then slurm.conf order */
    size_t *by_name;      /* node indexes by name, for lookups */
};

/* ---- the pool ------------------------------------------------------------ */

static int cmp_weight(const void *a, const void *b, void *arg)
{
    const struct sel_node *sort_nodes = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    if (sort_nodes[x].weight != sort_nodes[y].weight)
        return sort_nodes[x].weight < sort_nodes[y].weight ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
    const struct sel_node *sort_nodes = arg;

    return strcmp(sort_nodes[*(const size_t *)a].name, sort_nodes[*(const size_t *)b].name);
}

static struct sel_pool *pool_alloc(const struct sel_node *nodes, size_t n, struct sel_config cfg,
                                   size_t words)
{
    struct sel_pool *p = calloc(1, sizeof(*p));
    size_t nn = n ? n : 1;

    if (!p)
        return NULL;
    p->nodes = nodes;
    p->n = n;
    p->cfg = cfg;
    if (!(p->word_off = calloc(n + 1, sizeof(*p->word_off))) ||
        !(p->bits = calloc(words ? words : 1, sizeof(*p->bits))) ||
        !(p->free_cores = calloc(nn, sizeof(*p->free_cores))) ||
        !(p->held_mem = calloc(nn, sizeof(*p->held_mem))) ||
        !(p->order = calloc(nn, sizeof(*p->order))) ||
        !(p->by_name = calloc(nn, sizeof(*p->by_name)))) {
        sel_pool_destroy(p);
        return NULL;
    }
    return p;
}

struct sel_pool *sel_pool_create(const struct sel_node *nodes, size_t n, struct sel_config cfg)
{
    struct sel_pool *p;
    size_t words = 0;

    for (size_t i = 0; i < n; i++)
        words += (nodes[i].cores + 63) / 64;
    if (!(p = pool_alloc(nodes, n, cfg, words))) {
        errno = ENOMEM;
        return NULL;
    }
    words = 0;
    for (size_t i = 0; i < n; i++) {
        p->word_off[i] = words;
        words += (nodes[i].cores + 63) / 64;
        p->free_cores[i] = nodes[i].cores;
        p->order[i] = p->by_name[i] = i;
    }
    p->word_off[n] = words;
    qsort_r(p->order, n, sizeof(*p->order), cmp_weight, (void *)nodes);
    qsort_r(p->by_name, n, sizeof(*p->by_name), cmp_name, (void *)nodes);
    return p;
}

struct sel_pool *sel_pool_copy(const struct sel_pool *src)
{
    struct sel_pool *p = pool_alloc(src->nodes, src->n, src->cfg, src->word_off[src->n]);
    size_t nn = src->n ? src->n : 1;

    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(p->word_off, src->word_off, (src->n + 1) * sizeof(*p->word_off));
    memcpy(p->order, src->order, nn * sizeof(*p->order));
    memcpy(p->by_name, src->by_name, nn * sizeof(*p->by_name));
    sel_pool_assign(p, src);
    return p;
}

void sel_pool_assign(struct sel_pool *dst, const struct sel_pool *src)
{
    memcpy(dst->bits, src->bits, src->word_off[src->n] * sizeof(*dst->bits));
    memcpy(dst->free_cores, src->free_cores, src->n * sizeof(*dst->free_cores));
    memcpy(dst->held_mem, src->held_mem, src->n * sizeof(*dst->held_mem));
}

void sel_pool_destroy(struct sel_pool *p)
{
    if (!p)
        return;
    free(p->word_off);
    free(p->bits);
    free(p->free_cores);
    free(p->held_mem);
    free(p->order);
    free(p->by_name);
    free(p);
}

long sel_pool_node_find(const struct sel_pool *p, const char *name)
{
    size_t lo = 0, hi = p->n;

    while (name && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->nodes[p->by_name[mid]].name, name);

        if (!c)
            return (long)p->by_name[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static bool core_held(const struct sel_pool *p, size_t node, uint32_t core)
{
    return p->bits[p->word_off[node] + core / 64] >> (core % 64) & 1;
}

/* Hold (sign 1) or release (sign -1) the cores and memory of a. */
static size_t apply(struct sel_pool *p, const struct flurm_alloc *a, int sign)
{
    size_t applied = 0;

    for (size_t h = 0; a && h < a->nhosts; h++) {
        const struct flurm_alloc_host *host = &a->hosts[h];
        long i = sel_pool_node_find(p, host->name);
        uint32_t limit;

        if (i < 0)
            continue;
        limit = host->cores.ncores < p->nodes[i].cores ? host->cores.ncores : p->nodes[i].cores;
        for (uint32_t c = 0; c < limit; c++) {
            uint64_t *word = &p->bits[p->word_off[i] + c / 64];
            uint64_t bit = 1ULL << (c % 64);

            if (!flurm_coreset_test(&host->cores, c))
                continue;
            if (sign > 0 && !(*word & bit)) {
                *word |= bit;
                p->free_cores[i]--;
            } else if (sign < 0 && (*word & bit)) {
                *word &= ~bit;
                p->free_cores[i]++;
            }
        }
        if (sign > 0)
            p->held_mem[i] += host->mem;
        else
            p->held_mem[i] = p->held_mem[i] > host->mem ? p->held_mem[i] - host->mem : 0;
        applied++;
    }
    return applied;
}

size_t sel_pool_hold(struct sel_pool *p, const struct flurm_alloc *a)
{
    return apply(p, a, 1);
}

size_t sel_pool_release(struct sel_pool *p, const struct flurm_alloc *a)
{
    return apply(p, a, -1);
}

uint32_t sel_pool_free_cores(const struct sel_pool *p, size_t i)
{
    return i < p->n ? p->free_cores[i] : 0;
}

uint64_t sel_pool_free_mem(const struct sel_pool *p, size_t i)
{
    if (i >= p->n)
        return 0;
    return p->nodes[i].memory > p->held_mem[i] ? p->nodes[i].memory - p->held_mem[i] : 0;
}

bool sel_pool_node_idle(const struct sel_pool *p, size_t i)
{
    return i < p->n && p->free_cores[i] == p->nodes[i].cores && !p->held_mem[i];
}

uint64_t sel_pool_free_cpus(const struct sel_pool *p, const unsigned char *allowed)
{
    uint64_t cpus = 0;

    for (size_t i = 0; i < p->n; i++) {
        if (!allowed || allowed[i])
            cpus += (uint64_t)p->free_cores[i] * p->nodes[i].cpus_per_core;
    }
    return cpus;
}

/* ---- placement ------------------------------------------------------------ */

static bool whole_nodes(const struct sel_pool *p, const struct sel_request *r)
{
    return p->cfg.linear || r->exclusive;
}

/* How many of the job's tasks node i can take now (0: none, or not the
 * node's share the job needs). */
static uint32_t capacity(const struct sel_pool *p, const struct sel_request *r, size_t i)
{
    const struct sel_node *n = &p->nodes[i];
    uint64_t cpus = (uint64_t)p->free_cores[i] * n->cpus_per_core, tasks;
    uint64_t free_mem = sel_pool_free_mem(p, i);

    if (whole_nodes(p, r) && !sel_pool_node_idle(p, i))
        return 0;
    if (!cpus || cpus < r->pn_min_cpus)
        return 0;
    tasks = cpus / r->cpus_per_task;
    if (p->cfg.memory) {
        if (r->mem_per_cpu && r->mem) {
            uint64_t by_mem = free_mem / (r->mem * r->cpus_per_task);

            if (whole_nodes(p, r) && r->mem * cpus > free_mem)
                return 0;
            if (by_mem < tasks)
                tasks = by_mem;
        } else if (!r->mem_per_cpu && !r->mem) {
            /* the whole node's memory: nobody may hold any */
            if (p->held_mem[i])
                return 0;
        } else if (!r->mem_per_cpu && r->mem > free_mem) {
            return 0;
        }
    }
    if (r->ntasks_per_node) {
        if (tasks < r->ntasks_per_node)
            return 0;
        tasks = r->ntasks_per_node;
    }
    return tasks > UINT32_MAX ? UINT32_MAX : (uint32_t)tasks;
}

struct pick {
    size_t node;
    uint32_t cap;
    uint32_t tasks;
};

static int cmp_cap_desc(const void *a, const void *b)
{
    const struct pick *x = a, *y = b;

    if (x->cap != y->cap)
        return x->cap > y->cap ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

static int cmp_pick_node(const void *a, const void *b)
{
    const struct pick *x = a, *y = b;

    return x->node < y->node ? -1 : x->node > y->node;
}

/* Whether the picks (taken so far) give the job what it needs. */
static bool enough(const struct sel_request *r, uint32_t nodes_min, size_t taken, uint64_t tasks)
{
    return taken >= nodes_min && tasks >= r->ntasks;
}

/* Take nodes from cand[0..ncand) (in that order) after the required picks
 * already in picks[0..*taken).  true if the job then has enough. */
static bool take_in_order(const struct sel_request *r, uint32_t nodes_min, uint32_t nodes_max,
                          const struct pick *cand, size_t ncand, struct pick *picks,
                          size_t *taken, uint64_t *tasks)
{
    for (size_t k = 0; k < ncand; k++) {
        if (enough(r, nodes_min, *taken, *tasks) || *taken >= nodes_max)
            break;
        picks[(*taken)++] = cand[k];
        *tasks += cand[k].cap;
    }
    return enough(r, nodes_min, *taken, *tasks);
}

/* The allocation of the picks (tasks set), in slurm.conf order. */
static struct flurm_alloc *build_alloc(const struct sel_pool *p, const struct sel_request *r,
                                       struct pick *picks, size_t taken)
{
    struct flurm_alloc *a = flurm_alloc_create();
    struct flurm_coreset set = {0};

    if (!a)
        return NULL;
    qsort(picks, taken, sizeof(*picks), cmp_pick_node);
    for (size_t k = 0; k < taken; k++) {
        size_t i = picks[k].node;
        const struct sel_node *n = &p->nodes[i];
        uint64_t cpus = (uint64_t)picks[k].tasks * r->cpus_per_task, mem = 0;
        uint32_t cores, got = 0;

        if (cpus < r->pn_min_cpus)
            cpus = r->pn_min_cpus;
        cores = (uint32_t)((cpus + n->cpus_per_core - 1) / n->cpus_per_core);
        if (whole_nodes(p, r) || cores > n->cores)
            cores = n->cores;
        cpus = (uint64_t)cores * n->cpus_per_core;
        if (p->cfg.memory) {
            if (r->mem_per_cpu)
                mem = r->mem * cpus;
            else
                mem = r->mem ? r->mem : sel_pool_free_mem(p, i);
        }
        if (flurm_coreset_init(&set, n->cores) < 0)
            goto error;
        for (uint32_t c = 0; c < n->cores && got < cores; c++) {
            if (!core_held(p, i, c)) {
                flurm_coreset_set(&set, c);
                got++;
            }
        }
        if (flurm_alloc_add_host(a, n->name, &set, (uint32_t)cpus, mem, r->batch && k == 0) < 0)
            goto error;
        flurm_coreset_clear(&set);
    }
    return a;
error:
    flurm_coreset_clear(&set);
    flurm_alloc_destroy(a);
    errno = ENOMEM;
    return NULL;
}

int sel_place(const struct sel_pool *p, const struct sel_request *r, const unsigned char *allowed,
              const unsigned char *required, struct flurm_alloc **out)
{
    struct pick *picks = NULL, *cand = NULL;
    size_t taken = 0, ncand = 0, nreq;
    uint64_t tasks = 0;
    uint32_t nodes_min = r->min_nodes ? r->min_nodes : 1;
    uint32_t nodes_max = r->max_nodes ? r->max_nodes : UINT32_MAX;
    int rc = 0;

    if (out)
        *out = NULL;
    if (r->ntasks_per_node && r->ntasks > (uint64_t)nodes_min * r->ntasks_per_node)
        nodes_min = (r->ntasks + r->ntasks_per_node - 1) / r->ntasks_per_node;
    if (nodes_min > nodes_max || nodes_min > p->n)
        return 0;
    if (!(picks = calloc(p->n ? p->n : 1, sizeof(*picks))) ||
        !(cand = calloc(p->n ? p->n : 1, sizeof(*cand)))) {
        rc = -1;
        goto out;
    }
    for (size_t k = 0; k < p->n; k++) {
        size_t i = p->order[k];
        bool req = required && required[i];
        uint32_t cap;

        if (!allowed[i]) {
            if (req)
                goto out;
            continue;
        }
        if (!(cap = capacity(p, r, i))) {
            if (req)
                goto out;
            continue;
        }
        if (req)
            picks[taken++] = (struct pick){i, cap, 0};
        else
            cand[ncand++] = (struct pick){i, cap, 0};
    }
    nreq = taken;
    if (taken > nodes_max)
        goto out;
    for (size_t k = 0; k < taken; k++)
        tasks += picks[k].cap;
    if (!take_in_order(r, nodes_min, nodes_max, cand, ncand, picks, &taken, &tasks)) {
        /* too few nodes allowed: the largest ones give the most tasks */
        if (taken < nodes_max)
            goto out;
        qsort(cand, ncand, sizeof(*cand), cmp_cap_desc);
        taken = nreq;
        tasks = 0;
        for (size_t k = 0; k < taken; k++)
            tasks += picks[k].cap;
        if (!take_in_order(r, nodes_min, nodes_max, cand, ncand, picks, &taken, &tasks))
            goto out;
    }
    rc = 1;
    if (!out)
        goto out;
    /* every node one task (its fixed share with --ntasks-per-node), the
     * rest filled node by node in the order they were taken */
    {
        uint64_t left = 0;

        for (size_t k = 0; k < taken; k++)
            picks[k].tasks = r->ntasks_per_node ? r->ntasks_per_node : 1;
        if (!r->ntasks_per_node && r->ntasks > taken)
            left = r->ntasks - taken;
        for (size_t k = 0; k < taken && left; k++) {
            uint64_t more = picks[k].cap - picks[k].tasks;

            if (more > left)
                more = left;
            picks[k].tasks += (uint32_t)more;
            left -= more;
        }
    }
    if (!(*out = build_alloc(p, r, picks, taken)))
        rc = -1;
out:
    free(picks);
    free(cand);
    if (rc < 0)
        errno = ENOMEM;
    return rc;
}
