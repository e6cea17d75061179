/*
 * rec_slurmd.h - the records of the conversation between the controller and
 * slurmd (the wire doc, sections 7.1-7.4):
 *
 *   node_registration   MESSAGE_NODE_REGISTRATION_STATUS 1002 (slurmd -> ctld)
 *   node_reg_resp       RESPONSE_NODE_REGISTRATION 1024: the TRES list slurmd
 *                       waits for before it will launch anything
 *   ping_slurmd_resp    RESPONSE_PING_SLURMD 1016
 *   batch_job_launch    REQUEST_BATCH_JOB_LAUNCH 4005 (ctld -> slurmd), with
 *                       the job credential (unsigned for batch jobs)
 *   terminate_job       REQUEST_TERMINATE_JOB 6011 (also ABORT_JOB 6013,
 *                       KILL_TIMELIMIT 6009, KILL_PREEMPTED 6016)
 *   complete_batch      REQUEST_COMPLETE_BATCH_SCRIPT 5018 (slurmstepd -> ctld)
 *   epilog_complete     MESSAGE_EPILOG_COMPLETE 6012
 *
 * REQUEST_NODE_REGISTRATION_STATUS 1001 has no body.
 *
 * The job credential, the step id, the TRES record and the accounting block
 * are the structs of wire/rec_job.h, shared with the step records, so a
 * credential means the same thing whichever message carries it.
 *
 * Structs are plain data whose pointers are owned by the struct and released
 * by flurm_record_free() with the matching record.  22.05 layouts, with the
 * 23.02 / 23.11 deltas of section 6.3 as version-ranged fields.
 *
 * Not modelled: GRES allocations inside REQUEST_TERMINATE_JOB (FLURM
 * schedules no GRES): the block must be empty (u16 0), anything else is
 * refused with EBADMSG.
 */
#ifndef FLURM_WIRE_REC_SLURMD_H
#define FLURM_WIRE_REC_SLURMD_H

#include <stdint.h>
#include <time.h>

#include "wire/msg.h"
#include "wire/rec_info.h" /* flurm_rec_energy */
#include "wire/rec_job.h"  /* the credential, step id, TRES and accounting records */
#include "wire/record.h"

/* slurmd asks for RESPONSE_NODE_REGISTRATION with this registration flag. */
#define FLURM_SLURMD_REG_FLAG_RESP 0x0002

/* ---- MESSAGE_NODE_REGISTRATION_STATUS 1002 ----------------------------------- */

/* Opaque gres node configuration: a u32 size, then (when non-zero) a mem
 * blob of exactly that size. */
struct flurm_gres_info {
    void *data;
    uint32_t len;
};

struct flurm_node_registration {
    time_t timestamp;
    time_t slurmd_start_time;
    uint32_t status; /* SLURM_SUCCESS or a slurmd start-up error */
    char *extra;     /* since 23.11 */
    char *features_active;
    char *features_avail;
    char *hostname;
    char *instance_id;   /* since 23.11 */
    char *instance_type; /* since 23.11 */
    char *node_name;     /* NodeName in slurm.conf */
    char *arch;
    char *cpu_spec_list;
    char *os;
    uint16_t cpus; /* hardware slurmd found */
    uint16_t boards;
    uint16_t sockets;
    uint16_t cores;
    uint16_t threads;
    uint64_t real_memory; /* MB */
    uint32_t tmp_disk;    /* MB */
    uint32_t up_time;     /* seconds */
    uint32_t hash_val;    /* of slurm.conf; NO_VAL = do not compare */
    uint32_t cpu_load;    /* load x 100 */
    uint64_t free_mem;    /* MB */
    uint32_t job_count;
    struct flurm_step_id *steps; /* job_count running steps */
    uint16_t flags;              /* FLURM_SLURMD_REG_FLAG_* */
    uint32_t gres_info_size;     /* gres_info.len, or 0 when there is none */
    struct flurm_gres_info gres_info;
    struct flurm_energy energy;
    char *version; /* "22.05.8" */
    uint8_t dynamic_type; /* 0 normal, 1 dynamic future, 2 dynamic norm */
    char *dynamic_conf;
    char *dynamic_feature;
};

/* ---- RESPONSE_NODE_REGISTRATION 1024 ------------------------------------------- */

struct flurm_node_reg_resp {
    struct flurm_tres_rec *tres; /* NULL = SLURM's NULL list */
    uint32_t tres_count;
    char *node_name; /* only for dynamic nodes; NULL otherwise */
};

/* ---- RESPONSE_PING_SLURMD 1016 ------------------------------------------------- */

struct flurm_ping_slurmd_resp {
    uint32_t cpu_load; /* load x 100 */
    uint64_t free_mem; /* MB */
};

/* ---- REQUEST_BATCH_JOB_LAUNCH 4005 --------------------------------------------- */

struct flurm_batch_job_launch {
    uint32_t job_id;
    uint32_t het_job_id; /* 0 or NO_VAL when not a hetjob */
    uint32_t uid;        /* until 23.11 (then inside the credential) */
    uint32_t gid;        /* until 23.11 */
    char *user_name;     /* until 23.11; sent as NULL by 23.02 */
    uint32_t *gids;
    uint32_t ngids;
    char *partition;
    uint32_t ntasks;
    uint64_t pn_min_memory; /* bit 63 set: per CPU */
    uint8_t open_mode;
    uint8_t overcommit;
    uint32_t array_job_id;  /* 0 when not an array */
    uint32_t array_task_id; /* NO_VAL when not an array */
    char *acctg_freq;
    char *container;
    uint16_t cpu_bind_type;
    uint16_t cpus_per_task;
    uint16_t restart_cnt;
    uint16_t job_core_spec;
    uint32_t num_cpu_groups;
    struct flurm_cpu_groups cpu_groups; /* both arrays num_cpu_groups long */
    char *alias_list; /* always NULL from 23.11 */
    char *cpu_bind;
    char *nodes;
    char *script;
    char *work_dir;
    char *std_err;
    char *std_in;
    char *std_out;
    uint32_t argc; /* entries of argv */
    char **argv;
    char **spank_job_env;
    uint32_t spank_job_env_size;
    uint32_t envc; /* entries of environment */
    char **environment;
    uint64_t job_mem; /* MB */
    /* The protocol version the credential is packed with, sent before it;
     * 0 packs the message's own version (what SLURM sends). */
    uint16_t cred_version;
    struct flurm_signed_cred cred; /* siglen 0: unsigned, as for every batch launch */
    uint32_t select_plugin_id; /* until 23.02; 0 is packed as cons_tres */
    char *account;
    char *qos;
    char *resv_name;
    uint32_t profile;
    char *tres_bind;
    char *tres_freq;
};

/* ---- REQUEST_TERMINATE_JOB 6011 (kill_job_msg) ---------------------------------- */

struct flurm_terminate_job {
    struct flurm_signed_cred *cred; /* NULL: none (u8 0) */
    char *details;                  /* reason text */
    uint32_t derived_ec;
    uint32_t exit_code;
    struct flurm_step_id step_id; /* step NO_VAL = the whole job */
    uint32_t het_job_id;
    uint32_t job_state;
    uint32_t job_uid;
    uint32_t job_gid;
    char *nodes;
    uint32_t select_plugin_id; /* until 23.02; 0 is packed as cons_tres */
    char **spank_job_env;
    uint32_t spank_job_env_size;
    time_t start_time;
    time_t time; /* when the kill was issued */
    char *work_dir;
};

/* ---- REQUEST_COMPLETE_BATCH_SCRIPT 5018, MESSAGE_EPILOG_COMPLETE 6012 ------------ */

struct flurm_complete_batch {
    struct flurm_jobacct *jobacct; /* NULL: not gathered (u8 0) */
    uint32_t job_id;
    int32_t job_rc;   /* the script's wait status */
    int32_t slurm_rc; /* a SLURM error from slurmstepd */
    uint32_t user_id;
    char *node_name;
};

struct flurm_epilog_complete {
    uint32_t job_id;
    int32_t return_code;
    char *node_name;
};

/* ---- the records ------------------------------------------------------------------- */

extern const struct flurm_record flurm_rec_node_registration;  /* 1002 */
extern const struct flurm_record flurm_rec_node_reg_resp;      /* 1024 */
extern const struct flurm_record flurm_rec_ping_slurmd_resp;   /* 1016 */
extern const struct flurm_record flurm_rec_batch_job_launch;   /* 4005 */
extern const struct flurm_record flurm_rec_terminate_job;      /* 6011 and kin */
extern const struct flurm_record flurm_rec_complete_batch;     /* 5018 */
extern const struct flurm_record flurm_rec_epilog_complete;    /* 6012 */

/* The message types above with their records, for wire/msg.c. */
extern const struct flurm_msg_body_table flurm_rec_slurmd_bodies;

#endif
