/*
 * rec_generic.h - the small SLURM 22.05 message bodies: return codes, the
 * information requests of squeue/sinfo/scontrol/sdiag/sprio/sshare, job
 * kill, job ready and the submit reply, plus the messages without a body.
 * Layouts: wire doc sections 4.1-4.19 (field order as the 22.05 packers).
 */
#ifndef FLURM_WIRE_REC_GENERIC_H
#define FLURM_WIRE_REC_GENERIC_H

#include <stdint.h>
#include <time.h>

#include "wire/msg.h"
#include "wire/record.h"

/* Element of a SLURM list of u32 (job ids, uids): a one-field record. */
struct flurm_u32_item {
    uint32_t value;
};
/* Element of a SLURM list of strings. */
struct flurm_str_item {
    char *value;
};

/* RESPONSE_SLURM_RC, RESPONSE_JOB_READY, RESPONSE_PROLOG_EXECUTING. */
struct flurm_rc_msg {
    int32_t return_code;
};

/* RESPONSE_SLURM_RC_MSG: the client prints err_msg, then treats it as RC. */
struct flurm_rc_text_msg {
    int32_t return_code;
    char *err_msg;
};

/* REQUEST_JOB_INFO: job_ids NULL (count NO_VAL) means all jobs. */
struct flurm_job_info_request {
    time_t last_update;
    uint16_t show_flags;
    struct flurm_u32_item *job_ids;
    uint32_t njob_ids;
};

/* REQUEST_JOB_INFO_SINGLE, REQUEST_JOB_READY, REQUEST_BATCH_SCRIPT. */
struct flurm_job_id_msg {
    uint32_t job_id;
    uint16_t show_flags;
};

/* REQUEST_JOB_USER_INFO. */
struct flurm_job_user_msg {
    uint32_t user_id;
    uint16_t show_flags;
};

/* REQUEST_NODE_INFO, REQUEST_PARTITION_INFO. */
struct flurm_info_request {
    time_t last_update;
    uint16_t show_flags;
};

/* REQUEST_NODE_INFO_SINGLE. */
struct flurm_node_info_single_msg {
    char *node_name;
    uint16_t show_flags;
};

/* REQUEST_BUILD_INFO. */
struct flurm_last_update_msg {
    time_t last_update;
};

/* REQUEST_STATS_INFO: command_id 1 = get, 0 = reset. */
struct flurm_stats_request {
    uint16_t command_id;
};

/* pack_step_id: job, step and het component (NO_VAL when unused). */
struct flurm_step_id {
    uint32_t job_id;
    uint32_t step_id;
    uint32_t step_het_comp;
};

/* REQUEST_KILL_JOB, REQUEST_CANCEL_JOB_STEP, SRUN_STEP_SIGNAL. scancel names
 * the job in sjob_id ("123", "123_4", "123_[1-3]", "123+1") with the numeric
 * ids NO_VAL. */
struct flurm_kill_job_msg {
    struct flurm_step_id step_id;
    char *sjob_id;
    char *sibling;
    uint16_t signal;
    uint16_t flags;
};

/* REQUEST_PRIORITY_FACTORS: NULL lists (count NO_VAL) mean "all".  The body
 * is empty from 23.02 on. */
struct flurm_priority_factors_request {
    struct flurm_u32_item *job_ids;
    uint32_t njob_ids;
    struct flurm_u32_item *uids;
    uint32_t nuids;
    char *partitions;
};

/* REQUEST_SHARE_INFO: NULL lists (count NO_VAL) mean "all". */
struct flurm_share_request {
    struct flurm_str_item *accounts;
    uint32_t naccounts;
    struct flurm_str_item *users;
    uint32_t nusers;
};

/* RESPONSE_SUBMIT_BATCH_JOB. */
struct flurm_submit_response {
    uint32_t job_id;
    uint32_t step_id;
    uint32_t error_code;
    char *job_submit_user_msg;
};

extern const struct flurm_record flurm_rec_u32_item;
extern const struct flurm_record flurm_rec_str_item;
extern const struct flurm_record flurm_rec_rc;
extern const struct flurm_record flurm_rec_rc_text;
extern const struct flurm_record flurm_rec_job_info_request;
extern const struct flurm_record flurm_rec_job_id_msg;
extern const struct flurm_record flurm_rec_job_user_msg;
extern const struct flurm_record flurm_rec_info_request;
extern const struct flurm_record flurm_rec_node_info_single;
extern const struct flurm_record flurm_rec_last_update;
extern const struct flurm_record flurm_rec_stats_request;
extern const struct flurm_record flurm_rec_step_id;
extern const struct flurm_record flurm_rec_kill_job;
extern const struct flurm_record flurm_rec_priority_factors_request;
extern const struct flurm_record flurm_rec_share_request;
extern const struct flurm_record flurm_rec_submit_response;

/* The message types above (and the body-less ones) for the registry. */
extern const struct flurm_msg_body_table flurm_rec_generic_bodies;

#endif
