/*
 * steps.h - the job steps of one job (docs/steps.md): srun's steps inside an
 * allocation, their node choice and task layout as slurmctld's step_mgr.c
 * and slurm_step_layout.c make them, their completion by node ranges, and
 * their durable JSON form.
 *
 * Pure and deterministic like jobs.h: no clock (the caller passes the
 * command time), no site lookups (the caller checks node names against
 * slurm.conf first).  A step's nodes are indices into the job's allocation
 * (common/alloc.h), which stays fixed while the job runs.
 *
 * The batch step (SLURM_BATCH_SCRIPT) is not recorded here: it is a view of
 * the running batch job that jobs.c builds when asked.
 */
#ifndef FLURM_JOBSTORE_STEPS_H
#define FLURM_JOBSTORE_STEPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "wire/rec_job.h"

/* SLURM codes of step creation and completion (slurm_errno.h 22.05). */
enum {
    STEPS_ESLURM_TOO_MANY_REQUESTED_CPUS = 2005,
    STEPS_ESLURM_INVALID_NODE_COUNT = 2006,
    STEPS_ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE = 2014,
    STEPS_ESLURM_NODES_BUSY = 2016,
    STEPS_ESLURM_INVALID_JOB_ID = 2017,
    STEPS_ESLURM_BAD_DIST = 2023,
    STEPS_ESLURM_BAD_TASK_COUNT = 2025,
    STEPS_ESLURM_INVALID_TIME_LIMIT = 2051,
    STEPS_ESLURM_DUPLICATE_STEP_ID = 2110,
};

/* One step.  Plain data owned by its struct steps; read it, never free it. */
struct step {
    uint32_t step_id;
    uint32_t state;      /* JOB_RUNNING (1) while it runs, then how it ended */
    uint32_t nnodes;     /* nodes of the step */
    uint32_t *hosts;     /* nnodes indices into the job's alloc hosts, ascending */
    uint32_t *ntasks;    /* tasks on each of those nodes */
    uint32_t *tids;      /* task ids, node after node (ntasks[0] first ...) */
    uint32_t task_cnt;
    uint32_t task_dist;  /* as laid out (SLURM_DIST_*) */
    uint16_t cpus_per_task;
    uint32_t cpu_count;  /* CPUs asked for (squeue -s shows it) */
    uint32_t time_limit; /* minutes, INFINITE when none */
    uint32_t cpu_freq_min, cpu_freq_max, cpu_freq_gov;
    uint32_t srun_pid;
    uint16_t srun_port;
    uint16_t proto;
    char *name;
    char *srun_host;
    char *submit_line;
    char *nodes; /* ranged hostlist of the step's nodes */
    int64_t start_time;
    int64_t end_time;     /* 0 while it runs */
    uint32_t exit_code;   /* the highest step_rc reported, NO_VAL before any */
    uint8_t *done;        /* per node: its slurmstepd reported the end */
};

/* What step creation needs to know of the job. */
struct steps_job {
    const struct flurm_alloc *alloc; /* borrowed */
    const char *job_name;            /* the step's name when srun gives none */
    uint32_t part_max_time;          /* minutes, INFINITE when unlimited */
    bool enforce_part_limits;
    uint32_t max_tasks_per_node;     /* MaxTasksPerNode */
    uint16_t proto;                  /* the requester's protocol version */
    int64_t now;
};

struct steps;

/* An empty list whose next step id is 0.  NULL and ENOMEM.  Caller destroys. */
struct steps *steps_create(void);

/* NULL-safe. */
void steps_destroy(struct steps *s);

/* Create a step for req (borrowed) in job (borrowed), as slurmctld's
 * step_create: node choice by -N / -w / --exclude within the job's hosts,
 * then the task layout (block, cyclic or plane; -c through cpu_count /
 * num_tasks; --ntasks-per-node through plane_size).  Names in node_list and
 * exc_nodes that the job does not hold are treated as slurmctld treats them
 * (node_list: 2014; exc_nodes: ignored) — check them against slurm.conf
 * first (2018).  Returns 0 with *created (borrowed, valid until the list
 * changes), a SLURM code > 0 (nothing changed), or -1 and ENOMEM. */
int steps_add(struct steps *s, const struct steps_job *job,
              const struct flurm_step_create_req *req, const struct step **created);

/* The step step_id, or NULL. */
const struct step *steps_find(const struct steps *s, uint32_t step_id);

/* Number of steps, and the i-th in step id order (borrowed). */
size_t steps_count(const struct steps *s);
const struct step *steps_at(const struct steps *s, size_t i);

/* Whether any step runs. */
bool steps_any_running(const struct steps *s);

/* step_partial_comp: nodes first..last (0-based within the step) of a
 * running step are done with step_rc (the highest wins).  0 with *finished
 * set when every node is done (the step then ends with end_time now);
 * ESLURM_INVALID_JOB_ID for an unknown step, EINVAL for a range outside
 * the step.  A range already reported changes nothing (0). */
int steps_complete(struct steps *s, uint32_t step_id, uint32_t first, uint32_t last,
                   uint32_t step_rc, int64_t now, bool *finished);

/* The job ended: every running step ends with state and end time now.
 * Returns how many ended. */
size_t steps_end_all(struct steps *s, uint32_t state, int64_t now);

/* Forget every step and start again at step id 0 (a requeued job). */
void steps_clear(struct steps *s);

/* The reply form of one step for step.create (docs/steps.md "step"):
 * {job_id, step_id, nodes, node_cnt, task_cnt, task_dist, tasks,
 * cpus_per_task, hosts (the step's part of alloc), time_limit, name,
 * srun_host, srun_port, start_time}.  New reference, NULL and ENOMEM. */
json_t *steps_step_json(const struct step *st, uint32_t job_id, const struct flurm_alloc *alloc);

/* Durable form: {"next_step_id": N, "steps": [one object per step]}.
 * New reference, NULL and ENOMEM. */
json_t *steps_save(const struct steps *s);

/* Read back what steps_save() wrote (borrowed) into an empty list; nhosts
 * is the job's alloc size (a step naming a host past it is damage).  NULL
 * saved (a row from before steps) leaves the list empty.  -1 and EINVAL /
 * ENOMEM. */
int steps_load(struct steps *s, const json_t *saved, size_t nhosts);

#endif
