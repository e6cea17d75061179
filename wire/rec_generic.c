/*
 * rec_generic.c - tables of the small SLURM message bodies (see the header)
 * and their registration with the message registry.
 */
#include "wire/rec_generic.h"

static const struct flurm_field u32_item_fields[] = {
    FLURM_FLD(struct flurm_u32_item, value, FLURM_F_U32),
};
FLURM_RECORD(flurm_rec_u32_item, struct flurm_u32_item, u32_item_fields);

static const struct flurm_field str_item_fields[] = {
    FLURM_FLD(struct flurm_str_item, value, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_str_item, struct flurm_str_item, str_item_fields);

static const struct flurm_field rc_fields[] = {
    FLURM_FLD(struct flurm_rc_msg, return_code, FLURM_F_I32),
};
FLURM_RECORD(flurm_rec_rc, struct flurm_rc_msg, rc_fields);

static const struct flurm_field rc_text_fields[] = {
    FLURM_FLD(struct flurm_rc_text_msg, return_code, FLURM_F_I32),
    FLURM_FLD(struct flurm_rc_text_msg, err_msg, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_rc_text, struct flurm_rc_text_msg, rc_text_fields);

static const struct flurm_field job_info_request_fields[] = {
    FLURM_FLD(struct flurm_job_info_request, last_update, FLURM_F_TIME),
    FLURM_FLD(struct flurm_job_info_request, show_flags, FLURM_F_U16),
    FLURM_FLD_SUBN(struct flurm_job_info_request, job_ids, FLURM_F_LIST, flurm_rec_u32_item,
                   njob_ids),
};
FLURM_RECORD(flurm_rec_job_info_request, struct flurm_job_info_request,
             job_info_request_fields);

static const struct flurm_field job_id_msg_fields[] = {
    FLURM_FLD(struct flurm_job_id_msg, job_id, FLURM_F_U32),
    FLURM_FLD(struct flurm_job_id_msg, show_flags, FLURM_F_U16),
};
FLURM_RECORD(flurm_rec_job_id_msg, struct flurm_job_id_msg, job_id_msg_fields);

static const struct flurm_field job_user_msg_fields[] = {
    FLURM_FLD(struct flurm_job_user_msg, user_id, FLURM_F_U32),
    FLURM_FLD(struct flurm_job_user_msg, show_flags, FLURM_F_U16),
};
FLURM_RECORD(flurm_rec_job_user_msg, struct flurm_job_user_msg, job_user_msg_fields);

static const struct flurm_field info_request_fields[] = {
    FLURM_FLD(struct flurm_info_request, last_update, FLURM_F_TIME),
    FLURM_FLD(struct flurm_info_request, show_flags, FLURM_F_U16),
};
FLURM_RECORD(flurm_rec_info_request, struct flurm_info_request, info_request_fields);

static const struct flurm_field node_info_single_fields[] = {
    FLURM_FLD(struct flurm_node_info_single_msg, node_name, FLURM_F_STR),
    FLURM_FLD(struct flurm_node_info_single_msg, show_flags, FLURM_F_U16),
};
FLURM_RECORD(flurm_rec_node_info_single, struct flurm_node_info_single_msg,
             node_info_single_fields);

static const struct flurm_field last_update_fields[] = {
    FLURM_FLD(struct flurm_last_update_msg, last_update, FLURM_F_TIME),
};
FLURM_RECORD(flurm_rec_last_update, struct flurm_last_update_msg, last_update_fields);

static const struct flurm_field stats_request_fields[] = {
    FLURM_FLD(struct flurm_stats_request, command_id, FLURM_F_U16),
};
FLURM_RECORD(flurm_rec_stats_request, struct flurm_stats_request, stats_request_fields);

static const struct flurm_field step_id_fields[] = {
    FLURM_FLD(struct flurm_step_id, job_id, FLURM_F_U32),
    FLURM_FLD(struct flurm_step_id, step_id, FLURM_F_U32),
    FLURM_FLD(struct flurm_step_id, step_het_comp, FLURM_F_U32),
};
FLURM_RECORD(flurm_rec_step_id, struct flurm_step_id, step_id_fields);

static const struct flurm_field kill_job_fields[] = {
    FLURM_FLD_SUB(struct flurm_kill_job_msg, step_id, FLURM_F_RECORD, flurm_rec_step_id),
    FLURM_FLD(struct flurm_kill_job_msg, sjob_id, FLURM_F_STR),
    FLURM_FLD(struct flurm_kill_job_msg, sibling, FLURM_F_STR),
    FLURM_FLD(struct flurm_kill_job_msg, signal, FLURM_F_U16),
    FLURM_FLD(struct flurm_kill_job_msg, flags, FLURM_F_U16),
};
FLURM_RECORD(flurm_rec_kill_job, struct flurm_kill_job_msg, kill_job_fields);

/* 23.02 dropped the whole body: sprio filters on the client side. */
static const struct flurm_field priority_factors_request_fields[] = {
    { .name = "job_ids", .type = FLURM_F_LIST,
      .off = offsetof(struct flurm_priority_factors_request, job_ids),
      .count_off = offsetof(struct flurm_priority_factors_request, njob_ids),
      .until = FLURM_PROTO_23_02, .sub = &flurm_rec_u32_item },
    { .name = "uids", .type = FLURM_F_LIST,
      .off = offsetof(struct flurm_priority_factors_request, uids),
      .count_off = offsetof(struct flurm_priority_factors_request, nuids),
      .until = FLURM_PROTO_23_02, .sub = &flurm_rec_u32_item },
    FLURM_FLD_V(struct flurm_priority_factors_request, partitions, FLURM_F_STR, 0,
                FLURM_PROTO_23_02),
};
FLURM_RECORD(flurm_rec_priority_factors_request, struct flurm_priority_factors_request,
             priority_factors_request_fields);

static const struct flurm_field share_request_fields[] = {
    FLURM_FLD_SUBN(struct flurm_share_request, accounts, FLURM_F_LIST, flurm_rec_str_item,
                   naccounts),
    FLURM_FLD_SUBN(struct flurm_share_request, users, FLURM_F_LIST, flurm_rec_str_item,
                   nusers),
};
FLURM_RECORD(flurm_rec_share_request, struct flurm_share_request, share_request_fields);

static const struct flurm_field submit_response_fields[] = {
    FLURM_FLD(struct flurm_submit_response, job_id, FLURM_F_U32),
    FLURM_FLD(struct flurm_submit_response, step_id, FLURM_F_U32),
    FLURM_FLD(struct flurm_submit_response, error_code, FLURM_F_U32),
    FLURM_FLD(struct flurm_submit_response, job_submit_user_msg, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_submit_response, struct flurm_submit_response,
             submit_response_fields);

static const struct flurm_msg_body generic_bodies[] = {
    /* No body at all (pack_msg's "no body" cases). */
    FLURM_MSG_BODY(FLURM_REQUEST_NODE_REGISTRATION_STATUS, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_REQUEST_RECONFIGURE, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_REQUEST_PING, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_REQUEST_CONTROL, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_REQUEST_CONTROL_STATUS, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_REQUEST_TAKEOVER, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_REQUEST_DAEMON_STATUS, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_REQUEST_HEALTH_CHECK, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_REQUEST_ACCT_GATHER_UPDATE, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_REQUEST_TOPO_INFO, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_REQUEST_BURST_BUFFER_INFO, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_REQUEST_FED_INFO, flurm_rec_empty),
    FLURM_MSG_BODY(FLURM_SRUN_PING, flurm_rec_empty),
    /* Return codes. */
    FLURM_MSG_BODY(FLURM_RESPONSE_SLURM_RC, flurm_rec_rc),
    FLURM_MSG_BODY(FLURM_RESPONSE_JOB_READY, flurm_rec_rc),
    FLURM_MSG_BODY(FLURM_RESPONSE_PROLOG_EXECUTING, flurm_rec_rc),
    FLURM_MSG_BODY(FLURM_RESPONSE_SLURM_RC_MSG, flurm_rec_rc_text),
    /* Information requests. */
    FLURM_MSG_BODY(FLURM_REQUEST_JOB_INFO, flurm_rec_job_info_request),
    FLURM_MSG_BODY(FLURM_REQUEST_JOB_INFO_SINGLE, flurm_rec_job_id_msg),
    FLURM_MSG_BODY(FLURM_REQUEST_JOB_READY, flurm_rec_job_id_msg),
    FLURM_MSG_BODY(FLURM_REQUEST_BATCH_SCRIPT, flurm_rec_job_id_msg),
    FLURM_MSG_BODY(FLURM_REQUEST_JOB_USER_INFO, flurm_rec_job_user_msg),
    FLURM_MSG_BODY(FLURM_REQUEST_NODE_INFO, flurm_rec_info_request),
    FLURM_MSG_BODY(FLURM_REQUEST_PARTITION_INFO, flurm_rec_info_request),
    FLURM_MSG_BODY(FLURM_REQUEST_NODE_INFO_SINGLE, flurm_rec_node_info_single),
    FLURM_MSG_BODY(FLURM_REQUEST_BUILD_INFO, flurm_rec_last_update),
    FLURM_MSG_BODY(FLURM_REQUEST_STATS_INFO, flurm_rec_stats_request),
    FLURM_MSG_BODY(FLURM_REQUEST_PRIORITY_FACTORS, flurm_rec_priority_factors_request),
    FLURM_MSG_BODY(FLURM_REQUEST_SHARE_INFO, flurm_rec_share_request),
    /* Jobs. */
    FLURM_MSG_BODY(FLURM_REQUEST_KILL_JOB, flurm_rec_kill_job),
    FLURM_MSG_BODY(FLURM_REQUEST_CANCEL_JOB_STEP, flurm_rec_kill_job),
    FLURM_MSG_BODY(FLURM_SRUN_STEP_SIGNAL, flurm_rec_kill_job),
    FLURM_MSG_BODY(FLURM_RESPONSE_SUBMIT_BATCH_JOB, flurm_rec_submit_response),
};
FLURM_MSG_BODIES(flurm_rec_generic_bodies, generic_bodies);
