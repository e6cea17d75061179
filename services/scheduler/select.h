/*
 * select.h - where a job goes: the cores and memory every node has free,
 * and the placement of one job on them as slurmctld's select/cons_tres
 * (SelectTypeParameters CR_Core, CR_CPU, CR_Core_Memory, CR_CPU_Memory) or
 * select/linear (whole nodes) would do it, simplified as docs/scheduler.md
 * says ("Placement").
 *
 * A pool knows nothing of jobs, partitions or node states: the caller says
 * which nodes a job may use (its partition, the usable nodes, --exclude,
 * --constraint, backfill reservations) and which it must use (-w).  The
 * pool holds what running jobs hold (their allocations) and answers where
 * a job would fit now.  No clock, no NNG: the scheduler's pass and the
 * benchmark drive it.
 */
#ifndef FLURM_SCHEDULER_SELECT_H
#define FLURM_SCHEDULER_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"

/* One node's size, in slurm.conf order. */
struct sel_node {
    const char *name;
    uint32_t cores;         /* Sockets * CoresPerSocket (core indices 0..cores-1) */
    uint32_t cpus_per_core; /* CPUs / cores: ThreadsPerCore, or 1 */
    uint64_t memory;        /* RealMemory, MB */
    uint32_t weight;        /* Weight: the lowest are taken first */
};

struct sel_config {
    bool linear; /* select/linear: a job gets whole nodes */
    bool memory; /* CR_*_Memory (or linear's CR_Memory): memory is consumed */
};

/* What a job asks for, resolved from its record (sched.c). */
struct sel_request {
    uint32_t min_nodes;       /* at least 1 */
    uint32_t max_nodes;       /* 0: no limit */
    uint32_t ntasks;          /* at least 1 */
    uint32_t cpus_per_task;   /* at least 1 */
    uint32_t ntasks_per_node; /* 0: not set */
    uint32_t pn_min_cpus;     /* CPUs a node must give at least */
    uint64_t mem;             /* MB, per node or per CPU; 0 per node: the whole node */
    bool mem_per_cpu;
    bool exclusive;           /* --exclusive: whole nodes (all cores) */
    bool batch;               /* the first host becomes batch_host */
};

struct sel_pool;

/* A pool of the nodes[0..n) (borrowed: they must outlive the pool), all
 * free.  NULL and ENOMEM.  Caller destroys. */
struct sel_pool *sel_pool_create(const struct sel_node *nodes, size_t n, struct sel_config cfg);

/* A copy of pool (same borrowed nodes), for what-if placements.  NULL and
 * ENOMEM.  Caller destroys. */
struct sel_pool *sel_pool_copy(const struct sel_pool *pool);

/* Make dst hold what src holds (same nodes).  */
void sel_pool_assign(struct sel_pool *dst, const struct sel_pool *src);

/* NULL-safe. */
void sel_pool_destroy(struct sel_pool *pool);

/* The index of node called name, or -1. */
long sel_pool_node_find(const struct sel_pool *pool, const char *name);

/* Hold (release) the cores and memory of a (borrowed).  Hosts the pool does
 * not know are skipped; cores past a node's end are ignored.  Returns how
 * many hosts were applied. */
size_t sel_pool_hold(struct sel_pool *pool, const struct flurm_alloc *a);
size_t sel_pool_release(struct sel_pool *pool, const struct flurm_alloc *a);

/* Free cores and memory of node i, and whether nothing is held on it. */
uint32_t sel_pool_free_cores(const struct sel_pool *pool, size_t i);
uint64_t sel_pool_free_mem(const struct sel_pool *pool, size_t i);
bool sel_pool_node_idle(const struct sel_pool *pool, size_t i);

/* Free CPUs over the nodes allowed[i] != 0 (NULL: every node). */
uint64_t sel_pool_free_cpus(const struct sel_pool *pool, const unsigned char *allowed);

/* Place req (borrowed) on the nodes with allowed[i] set, every node with
 * required[i] set (NULL: none) among them.  Nodes are taken required first,
 * then by Weight, then in slurm.conf order; each node's lowest free cores
 * first.  1 when it fits: with out not NULL, *out is the allocation (hosts
 * in slurm.conf order; caller destroys; the pool is not changed: hold it
 * with sel_pool_hold).  0 when it does not fit, -1 and ENOMEM. */
int sel_place(const struct sel_pool *pool, const struct sel_request *req,
              const unsigned char *allowed, const unsigned char *required,
              struct flurm_alloc **out);

#endif
