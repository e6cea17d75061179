/*
 * rec_step.h - the records srun, sstat and slurmstepd exchange with slurmd
 * about a running step, as tables for the record engine (wire/record.h).
 *
 * Covered messages (22.05 layout; the 23.02 / 23.11 changes, taken from
 * the packers of those tags, are version-ranged fields):
 *   step_id (rec_generic)  REQUEST_JOB_STEP_STAT 5019, REQUEST_JOB_STEP_PIDS 5027
 *   step_stat              RESPONSE_JOB_STEP_STAT 5020 (jobacct + pids of one node)
 *   step_pids              RESPONSE_JOB_STEP_PIDS 5028
 *   launch_tasks_req       REQUEST_LAUNCH_TASKS 6001 (srun -> slurmd, carries the
 *                          signed job credential of RESPONSE_JOB_STEP_CREATE)
 *   launch_tasks_resp      RESPONSE_LAUNCH_TASKS 6002 (slurmstepd -> srun)
 *   task_exit              MESSAGE_TASK_EXIT 6003 (slurmstepd -> srun)
 *   signal_tasks           REQUEST_SIGNAL_TASKS 6004, REQUEST_TERMINATE_TASKS 6006
 *
 * The structs are plain data: every pointer in them is owned by the struct
 * and released by flurm_record_free() with the matching record.  Strings are
 * NUL-terminated and may be NULL (SLURM's NULL string); each array has its
 * element count in the uint32_t member named next to it.  Where SLURM sends
 * one count for two arrays (count_of_pids, cpt_compact_cnt, num_tasks), both
 * arrays must hold that many items: packing uses the one count and decoding
 * refuses a body whose arrays disagree.
 */
#ifndef FLURM_WIRE_REC_STEP_H
#define FLURM_WIRE_REC_STEP_H

#include <stdint.h>

#include "wire/msg.h"
#include "wire/rec_generic.h"
#include "wire/rec_job.h"
#include "wire/record.h"

/* The pids of a step's tasks on one node.  SLURM sends a missing list as a
 * NULL name and no pids, which is what the zeroed struct packs to. */
struct flurm_step_pids {
    char *node_name;
    uint32_t *pids;
    uint32_t pid_cnt;
};

/* RESPONSE_JOB_STEP_STAT: one slurmd's answer to sstat. */
struct flurm_step_stat {
    uint32_t return_code;
    uint32_t num_tasks;
    struct flurm_jobacct *jobacct; /* NULL = nothing gathered (u8 0) */
    struct flurm_step_pids step_pids;
};

/* MESSAGE_TASK_EXIT: tasks of a step that ended with one status. */
struct flurm_task_exit {
    uint32_t return_code; /* wait(2) status */
    uint32_t num_tasks;
    uint32_t *task_id_list; /* num_tasks items */
    struct flurm_step_id step_id;
};

/* RESPONSE_LAUNCH_TASKS: the tasks slurmstepd started on one node. */
struct flurm_launch_tasks_resp {
    struct flurm_step_id step_id;
    uint32_t return_code;
    char *node_name;
    uint32_t count_of_pids;
    uint32_t *local_pids; /* count_of_pids items */
    uint32_t *task_ids;   /* count_of_pids items, parallel to local_pids */
};

/* REQUEST_SIGNAL_TASKS / REQUEST_TERMINATE_TASKS. */
struct flurm_signal_tasks {
    struct flurm_step_id step_id;
    uint16_t flags;
    uint16_t signal;
};

/* The global task ids launched on one node of the step.  On the wire the
 * count goes first as a u16 and again as the array's u32 length; slurmd
 * refuses a message where they differ, so keep ntasks == global_tids_cnt. */
struct flurm_node_tasks {
    uint16_t ntasks;
    uint32_t *global_tids;
    uint32_t global_tids_cnt;
};

/* One entry of SLURM's job_options list (spank plugin options). */
struct flurm_job_option {
    uint32_t type;
    char *option;
    char *optarg;
};

/* REQUEST_LAUNCH_TASKS, in wire order. */
struct flurm_launch_tasks_req {
    struct flurm_step_id step_id;
    uint32_t uid;    /* before 23.11 (then inside the credential) */
    uint32_t gid;    /* before 23.11 */
    char *user_name; /* before 23.11 */
    uint32_t *gids;
    uint32_t ngids;
    uint32_t het_job_node_offset;
    uint32_t het_job_id;
    /* Heterogeneous steps only: NULL (sent as a NO_VAL count) otherwise. */
    struct flurm_task_ids *het_job_tids; /* het_job_nnodes items */
    uint32_t het_job_nnodes;
    struct flurm_u32_item *het_job_tid_offsets; /* het_job_ntasks items */
    uint32_t het_job_ntasks;
    uint32_t het_job_offset;
    uint32_t het_job_step_cnt;
    uint32_t het_job_task_offset;
    char *het_job_node_list;
    uint32_t mpi_plugin_id;
    uint32_t ntasks;
    uint16_t ntasks_per_board;
    uint16_t ntasks_per_core;
    uint16_t ntasks_per_tres;
    uint16_t ntasks_per_socket;
    uint64_t job_mem_lim;
    uint64_t step_mem_lim;
    uint32_t nnodes;
    uint16_t cpus_per_task;
    uint16_t *cpt_compact_array; /* 23.11+, cpt_compact_cnt items */
    uint32_t *cpt_compact_reps;  /* 23.11+, cpt_compact_cnt items */
    uint32_t cpt_compact_cnt;
    char *tres_per_task;
    uint16_t threads_per_core;
    uint32_t task_dist;
    uint16_t node_cpus;
    uint16_t job_core_spec;
    uint16_t accel_bind_type;
    /* The credential is packed in the layout of cred_version, which may be
     * older than the message's (srun relays what the controller sent).  0
     * means "the message's version" and is packed as such. */
    uint16_t cred_version;
    struct flurm_signed_cred cred;
    struct flurm_node_tasks *tasks; /* nnodes items */
    uint16_t *resp_port;            /* u16 count + u16s on the wire */
    uint32_t resp_port_cnt;
    struct flurm_addr orig_addr;
    char **env;
    uint32_t envc;
    char **spank_job_env;
    uint32_t spank_job_env_size;
    char *container;
    char *cwd;
    uint16_t cpu_bind_type;
    char *cpu_bind;
    uint16_t mem_bind_type;
    char *mem_bind;
    char **argv;
    uint32_t argc;
    uint32_t flags;
    char *ofname;
    char *efname;
    char *ifname;
    uint16_t *io_port; /* u16 count + u16s on the wire */
    uint32_t io_port_cnt;
    uint32_t profile;
    char *task_prolog;
    char *task_epilog;
    uint16_t slurmd_debug;
    /* switch_jobinfo: u32 100 (switch/none) before 23.11, nothing after. */
    struct flurm_job_option *job_options; /* job_options_cnt items */
    uint32_t job_options_cnt;
    char *alias_list; /* always NULL from 23.11 senders */
    char *complete_nodelist;
    uint8_t open_mode;
    char *acctg_freq;
    uint32_t cpu_freq_min;
    uint32_t cpu_freq_max;
    uint32_t cpu_freq_gov;
    uint32_t select_plugin_id; /* before 23.02 only; 0 = cons_tres */
    char *tres_bind;
    char *tres_freq;
    uint16_t x11;
    char *x11_alloc_host;
    uint16_t x11_alloc_port;
    char *x11_magic_cookie;
    char *x11_target;
    uint16_t x11_target_port;
};

/* ---- the records (static tables, borrowed by everyone) -------------------- */

extern const struct flurm_record flurm_rec_step_pids;
extern const struct flurm_record flurm_rec_step_stat;
extern const struct flurm_record flurm_rec_task_exit;
extern const struct flurm_record flurm_rec_launch_tasks_resp;
extern const struct flurm_record flurm_rec_signal_tasks;
extern const struct flurm_record flurm_rec_node_tasks;
extern const struct flurm_record flurm_rec_job_option;
extern const struct flurm_record flurm_rec_launch_tasks_req;

/* The message types above, for the registry (wire/msg.h). */
extern const struct flurm_msg_body_table flurm_rec_step_bodies;

#endif
