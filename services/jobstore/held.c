/*
 * held.c - per node counts of held cores and memory (see held.h).
 */
#include "services/jobstore/held.h"

#include <errno.h>
#include <stdlib.h>

struct held_node {
    uint32_t ncores;
    uint16_t *count; /* jobs holding each core */
    uint64_t mem;
};

struct held {
    const struct site *site;
    size_t n;
    struct held_node *nodes;
};

uint32_t held_node_cores(const struct site *site, size_t node)
{
    const struct site_node *sn = site_node(site, node);
    uint32_t cores;

    if (!sn)
        return 0;
    cores = (uint32_t)sn->sockets * sn->cores_per_socket;
    if (!cores) /* slurmctld derives one core per CPU (per thread group) */
        cores = sn->cpus / (sn->threads_per_core ? sn->threads_per_core : 1);
    return cores ? cores : 1;
}

struct held *held_create(const struct site *site)
{
    struct held *h = calloc(1, sizeof(*h));

    if (!h)
        return NULL;
    h->site = site;
    h->n = site_node_count(site);
    if (h->n && !(h->nodes = calloc(h->n, sizeof(*h->nodes))))
        goto error;
    for (size_t i = 0; i < h->n; i++) {
        h->nodes[i].ncores = held_node_cores(site, i);
        if (!(h->nodes[i].count = calloc(h->nodes[i].ncores, sizeof(uint16_t))))
            goto error;
    }
    return h;
error:
    held_destroy(h);
    errno = ENOMEM;
    return NULL;
}

void held_destroy(struct held *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        free(h->nodes[i].count);
    free(h->nodes);
    free(h);
}

bool held_fits(const struct held *h, size_t node, const struct flurm_coreset *cores,
               uint64_t mem, const char **why)
{
    const struct held_node *hn;
    const struct site_node *sn = site_node(h->site, node);

    if (node >= h->n || !sn) {
        *why = "unknown node";
        return false;
    }
    hn = &h->nodes[node];
    for (uint32_t c = 0; c < cores->ncores; c++) {
        if (flurm_coreset_test(cores, c) && (c >= hn->ncores || hn->count[c])) {
            *why = c >= hn->ncores ? "core beyond the node's size"
                                   : "cores already held by another job";
            return false;
        }
    }
    if (mem && hn->mem + mem > sn->real_memory) {
        *why = "memory already held by other jobs";
        return false;
    }
    return true;
}

void held_add(struct held *h, size_t node, const struct flurm_coreset *cores, uint64_t mem)
{
    struct held_node *hn;

    if (node >= h->n)
        return;
    hn = &h->nodes[node];
    for (uint32_t c = 0; c < cores->ncores && c < hn->ncores; c++) {
        if (flurm_coreset_test(cores, c) && hn->count[c] < UINT16_MAX)
            hn->count[c]++;
    }
    hn->mem += mem;
}

void held_remove(struct held *h, size_t node, const struct flurm_coreset *cores, uint64_t mem)
{
    struct held_node *hn;

    if (node >= h->n)
        return;
    hn = &h->nodes[node];
    for (uint32_t c = 0; c < cores->ncores && c < hn->ncores; c++) {
        if (flurm_coreset_test(cores, c) && hn->count[c])
            hn->count[c]--;
    }
    hn->mem = hn->mem > mem ? hn->mem - mem : 0;
}

uint32_t held_cores(const struct held *h, size_t node)
{
    uint32_t n = 0;

    for (uint32_t c = 0; node < h->n && c < h->nodes[node].ncores; c++)
        n += h->nodes[node].count[c] != 0;
    return n;
}

uint64_t held_mem(const struct held *h, size_t node)
{
    return node < h->n ? h->nodes[node].mem : 0;
}
