/*
 * held.h - which cores and how much memory of each node the jobs of the
 * store hold right now (docs/running-jobs.md, "The allocation").
 *
 * The store's own guard against double allocation: job.start refuses an
 * allocation that overlaps what another job holds, whatever the scheduler
 * believed (two schedulers overlap during a reload).  Counts per core rather
 * than bits, so that releasing one job never frees a core another job still
 * holds, even in a state loaded from an older database that had an overlap.
 *
 * Not state: rebuilt from the jobs whenever the table is loaded.
 */
#ifndef FLURM_JOBSTORE_HELD_H
#define FLURM_JOBSTORE_HELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "services/jobstore/site.h"

struct held;

/* Nothing held on any node of site (borrowed; it must outlive the index).
 * NULL and ENOMEM.  Caller destroys. */
struct held *held_create(const struct site *site);

/* NULL-safe. */
void held_destroy(struct held *h);

/* The number of cores of site node `node` (Sockets x CoresPerSocket, or
 * CPUs / ThreadsPerCore when the topology was not configured). */
uint32_t held_node_cores(const struct site *site, size_t node);

/* Whether node `node` can give cores (borrowed) and mem MB on top of what
 * is held: no core already held, and memory within RealMemory.  When not,
 * *why (static text) says which. */
bool held_fits(const struct held *h, size_t node, const struct flurm_coreset *cores,
               uint64_t mem, const char **why);

/* Count cores (borrowed) and mem as held on node, or release them.  Cores
 * past the node's size are ignored. */
void held_add(struct held *h, size_t node, const struct flurm_coreset *cores, uint64_t mem);
void held_remove(struct held *h, size_t node, const struct flurm_coreset *cores, uint64_t mem);

/* How many cores of node are held by at least one job, and the memory held. */
uint32_t held_cores(const struct held *h, size_t node);
uint64_t held_mem(const struct held *h, size_t node);

#endif
