/*
 * site.h - the facts of the site's slurm.conf that the job store's state
 * machine decides with: partitions (limits, state, member nodes with their
 * CPUs, memory, temporary disk, topology and features), job id range, array
 * size, administrators, privacy.
 *
 * A site is an immutable snapshot taken once at start.  Applying a command
 * depends on it, so two replicas must run with the same site to stay
 * identical (docs/jobstore.md).  It is built from common/slurmconf, or by
 * tests directly from a slurm.conf file.
 */
#ifndef FLURM_JOBSTORE_SITE_H
#define FLURM_JOBSTORE_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct flurm_slurmconf;
struct site;

/* PartitionName State=, with SLURM's PARTITION_SUBMIT / PARTITION_SCHED
 * bits: UP = submit+sched, DOWN = submit only, DRAIN = sched only. */
enum site_part_state {
    SITE_PART_INACTIVE = 0,
    SITE_PART_DOWN = 1,
    SITE_PART_DRAIN = 2,
    SITE_PART_UP = 3,
};
#define SITE_PART_SUBMIT 0x1
#define SITE_PART_SCHED 0x2

/* EnforcePartLimits. */
enum site_enforce {
    SITE_ENFORCE_NO = 0,
    SITE_ENFORCE_ANY = 1, /* YES is ANY */
    SITE_ENFORCE_ALL = 2,
};

/* What a node offers a job, as configured (slurmctld checks submissions
 * against the configured values, not what slurmd registers). */
struct site_node {
    const char *name;
    uint32_t cpus;
    uint64_t real_memory; /* MB */
    uint32_t tmp_disk;    /* TmpDisk, MB */
    uint16_t sockets;     /* in total, all boards */
    uint16_t cores_per_socket;
    uint16_t threads_per_core;
    const char *features; /* Features= as a comma list, NULL if none */
};

struct site_partition {
    const char *name;
    bool is_default;
    bool hidden;
    bool root_only;
    enum site_part_state state;
    uint32_t max_time;      /* minutes, INFINITE for none */
    uint32_t default_time;  /* minutes, NO_VAL if unset */
    uint32_t max_nodes;     /* INFINITE for none */
    uint32_t min_nodes;
    uint32_t max_cpus_per_node; /* MaxCPUsPerNode, INFINITE for none */
    uint16_t max_share;     /* OverSubscribe as SLURM encodes it */
    uint64_t def_mem_per_cpu;  /* MB, 0 unset */
    uint64_t def_mem_per_node; /* MB, 0 unset */
    /* derived from the member nodes */
    uint32_t total_nodes;
    uint32_t total_cpus;
    uint32_t max_node_cpus;    /* the largest CPUs= of a member */
    uint64_t max_node_memory;  /* the largest RealMemory= of a member */
    size_t nnodes;
    const size_t *node_index;  /* members, as indexes for site_node() */
};

/* Snapshot what the job store needs from c (borrowed; the site copies what
 * it keeps).  NULL and errno (ENOMEM; EINVAL with *err filled for values the
 * job store cannot use).  Caller destroys. */
struct site *site_create(const struct flurm_slurmconf *c, char *err, size_t errlen);

/* Load the slurm.conf at path (borrowed) and snapshot it: a convenience for
 * main() and tests.  NULL and errno, with the reason in err. */
struct site *site_load(const char *path, char *err, size_t errlen);

/* NULL-safe. */
void site_destroy(struct site *site);

/* All views below are borrowed from the site and live as long as it. */
const char *site_cluster_name(const struct site *site);
uid_t site_slurm_user(const struct site *site);
uint32_t site_first_job_id(const struct site *site);
uint32_t site_max_job_id(const struct site *site);
uint32_t site_max_job_count(const struct site *site);
uint32_t site_max_array_size(const struct site *site);
/* PrivateData=jobs: users see only their own jobs. */
bool site_private_jobs(const struct site *site);
enum site_enforce site_enforce_part_limits(const struct site *site);
/* Global DefMemPerCPU / DefMemPerNode in MB (0 if unset). */
uint64_t site_def_mem_per_cpu(const struct site *site);
uint64_t site_def_mem_per_node(const struct site *site);
/* JobRequeue (default 1). */
uint16_t site_job_requeue(const struct site *site);
/* slurmd's job credential lifetime in seconds (AuthInfo=cred_expire,
 * default 120): a requeued job waits it out. */
uint32_t site_cred_expire(const struct site *site);

/* root and SlurmUser administer every job (SLURM's validate_operator
 * without an accounting database). */
bool site_is_admin(const struct site *site, uid_t uid);

size_t site_node_count(const struct site *site);
const struct site_node *site_node(const struct site *site, size_t i);
/* Index of the node called name, or -1. */
ssize_t site_node_find(const struct site *site, const char *name);
/* 1 if node n (borrowed) lists feature (exact, case-sensitive as SLURM). */
bool site_node_has_feature(const struct site_node *n, const char *feature);
/* 1 if some node of the site lists feature (SLURM's active feature list,
 * without a node_features plugin). */
bool site_feature_exists(const struct site *site, const char *feature);

size_t site_partition_count(const struct site *site);
const struct site_partition *site_partition(const struct site *site, size_t i);
/* The partition called name (exact), or NULL. */
const struct site_partition *site_partition_find(const struct site *site, const char *name);
/* The default partition, or NULL. */
const struct site_partition *site_default_partition(const struct site *site);
/* 1 if node index i is a member of p. */
bool site_partition_has_node(const struct site_partition *p, size_t i);

#endif
