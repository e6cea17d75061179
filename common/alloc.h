/*
 * alloc.h - a job's allocation: which nodes, which cores of each, how many
 * CPUs and how much memory (docs/running-jobs.md, "The allocation").
 *
 * The scheduler writes it, the job store keeps it in the job's durable
 * record, the node manager turns it into slurmd's job credential and node
 * states.  One parser and one writer here, so the three services cannot
 * disagree on its JSON form:
 *
 *   {"nodes": "n[1-2]", "batch_host": "n1",
 *    "hosts": [{"name": "n1", "cores": "0-1", "cpus": 2, "mem": 500}, ...]}
 *
 * Core sets are kept as bitmaps (struct flurm_coreset) and written as
 * ranged lists ("0-3,6").
 */
#ifndef FLURM_ALLOC_H
#define FLURM_ALLOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* No node has more cores than this (SLURM's own limit is a u16 count). */
#define FLURM_CORESET_MAX 65536

/* A set of core indices 0 .. ncores-1. */
struct flurm_coreset {
    uint32_t ncores;
    uint64_t *bits; /* ceil(ncores / 64) words */
};

struct flurm_alloc_host {
    char *name;
    struct flurm_coreset cores;
    uint32_t cpus;
    uint64_t mem; /* MB */
};

struct flurm_alloc {
    char *nodes;      /* ranged hostlist of every host, in hosts[] order */
    char *batch_host; /* NULL: no batch script */
    size_t nhosts;
    struct flurm_alloc_host *hosts;
};

/* ---- core sets ------------------------------------------------------------ */

/* An empty set of ncores cores (1..FLURM_CORESET_MAX) in *set, which the
 * caller clears with flurm_coreset_clear().  -1 and EINVAL / ENOMEM. */
int flurm_coreset_init(struct flurm_coreset *set, uint32_t ncores);

/* Free set's bits and zero it.  NULL-safe. */
void flurm_coreset_clear(struct flurm_coreset *set);

/* Copy src into *dst (initialised here; caller clears).  -1 and ENOMEM. */
int flurm_coreset_copy(struct flurm_coreset *dst, const struct flurm_coreset *src);

bool flurm_coreset_test(const struct flurm_coreset *set, uint32_t core);
void flurm_coreset_set(struct flurm_coreset *set, uint32_t core);   /* no-op past the end */
void flurm_coreset_unset(struct flurm_coreset *set, uint32_t core); /* no-op past the end */
uint32_t flurm_coreset_count(const struct flurm_coreset *set);

/* Whether a and b share a core (they may differ in size). */
bool flurm_coreset_overlaps(const struct flurm_coreset *a, const struct flurm_coreset *b);

/* dst |= src, dst &= ~src (over the cores both have). */
void flurm_coreset_add(struct flurm_coreset *dst, const struct flurm_coreset *src);
void flurm_coreset_remove(struct flurm_coreset *dst, const struct flurm_coreset *src);

/* Parse a ranged list ("0-3,6", "" for none) of cores below ncores into
 * *set (initialised here; caller clears).  -1 and EINVAL for a malformed
 * list, an inverted range or a core >= ncores (set left cleared). */
int flurm_coreset_parse(struct flurm_coreset *set, const char *list, uint32_t ncores);

/* The ranged list of set ("" when empty).  Caller frees; NULL and ENOMEM. */
char *flurm_coreset_format(const struct flurm_coreset *set);

/* ---- allocations ---------------------------------------------------------- */

/* An empty allocation (no hosts, nodes "").  NULL and ENOMEM. */
struct flurm_alloc *flurm_alloc_create(void);

/* Append a host (name and cores copied) and rewrite `nodes`.  The first
 * host added becomes batch_host when batch is true.  -1 and EINVAL (empty
 * or duplicate name, cpus 0) / ENOMEM; a on error is unchanged. */
int flurm_alloc_add_host(struct flurm_alloc *a, const char *name,
                         const struct flurm_coreset *cores, uint32_t cpus, uint64_t mem,
                         bool batch);

/* Parse an allocation from its JSON form (borrowed).  ncores(name, arg)
 * gives the number of cores of a host (0: unknown host, an error); pass
 * NULL to size each host's set by its highest listed core + 1 (readers that
 * do not know the nodes).  Checks: nodes, hosts non-empty and of the right
 * kinds, host names unique, nodes equal to the hosts' names as a hostlist,
 * batch_host one of the hosts, cpus >= 1.  NULL with errno EINVAL (reason in
 * err) or ENOMEM.  Caller destroys. */
struct flurm_alloc *flurm_alloc_from_json(const json_t *o,
                                          uint32_t (*ncores)(const char *name, void *arg),
                                          void *arg, char *err, size_t errlen);

/* The JSON form (new reference), NULL and ENOMEM. */
json_t *flurm_alloc_to_json(const struct flurm_alloc *a);

/* The host called name, or NULL. */
const struct flurm_alloc_host *flurm_alloc_host(const struct flurm_alloc *a, const char *name);

/* Total CPUs over every host. */
uint32_t flurm_alloc_cpus(const struct flurm_alloc *a);

/* NULL-safe. */
void flurm_alloc_destroy(struct flurm_alloc *a);

#endif
