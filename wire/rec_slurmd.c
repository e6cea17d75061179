/*
 * rec_slurmd.c - tables for the controller <-> slurmd records (see
 * rec_slurmd.h).  Field order is SLURM 22.05's (the wire doc, sections
 * 7.2-7.4), with the 23.02 / 23.11 deltas of section 6.3 as version ranges.
 */
#include <errno.h>

#include "wire/rec_slurmd.h"

/* ---- MESSAGE_NODE_REGISTRATION_STATUS --------------------------------------------- */

static const struct flurm_field gres_info_fields[] = {
    FLURM_FLD_N(struct flurm_gres_info, data, FLURM_F_MEM, len),
};
static FLURM_RECORD(gres_info_rec, struct flurm_gres_info, gres_info_fields);

/* The gres blob is sent only when its size, sent first, is non-zero, and
 * must have exactly that size. */
#define ST struct flurm_node_registration
static const struct flurm_field node_registration_fields[] = {
    FLURM_FLD(ST, timestamp, FLURM_F_TIME),
    FLURM_FLD(ST, slurmd_start_time, FLURM_F_TIME),
    FLURM_FLD(ST, status, FLURM_F_U32),
    FLURM_FLD_V(ST, extra, FLURM_F_STR, FLURM_PROTO_23_11, 0),
    FLURM_FLD(ST, features_active, FLURM_F_STR),
    FLURM_FLD(ST, features_avail, FLURM_F_STR),
    FLURM_FLD(ST, hostname, FLURM_F_STR),
    FLURM_FLD_V(ST, instance_id, FLURM_F_STR, FLURM_PROTO_23_11, 0),
    FLURM_FLD_V(ST, instance_type, FLURM_F_STR, FLURM_PROTO_23_11, 0),
    FLURM_FLD(ST, node_name, FLURM_F_STR),
    FLURM_FLD(ST, arch, FLURM_F_STR),
    FLURM_FLD(ST, cpu_spec_list, FLURM_F_STR),
    FLURM_FLD(ST, os, FLURM_F_STR),
    FLURM_FLD(ST, cpus, FLURM_F_U16),
    FLURM_FLD(ST, boards, FLURM_F_U16),
    FLURM_FLD(ST, sockets, FLURM_F_U16),
    FLURM_FLD(ST, cores, FLURM_F_U16),
    FLURM_FLD(ST, threads, FLURM_F_U16),
    FLURM_FLD(ST, real_memory, FLURM_F_U64),
    FLURM_FLD(ST, tmp_disk, FLURM_F_U32),
    FLURM_FLD(ST, up_time, FLURM_F_U32),
    FLURM_FLD(ST, hash_val, FLURM_F_U32),
    FLURM_FLD(ST, cpu_load, FLURM_F_U32),
    FLURM_FLD(ST, free_mem, FLURM_F_U64),
    FLURM_FLD(ST, job_count, FLURM_F_U32),
    FLURM_FLD_SUBN(ST, steps, FLURM_F_ARRAY, flurm_rec_step_id, job_count),
    FLURM_FLD(ST, flags, FLURM_F_U16),
    FLURM_FLD(ST, gres_info_size, FLURM_F_U32),
    FLURM_FLD_GATED(ST, gres_info, FLURM_F_GATED_COUNTS, gres_info_rec, gres_info_size),
    FLURM_FLD_SUB(ST, energy, FLURM_F_RECORD, flurm_rec_energy),
    FLURM_FLD(ST, version, FLURM_F_STR),
    FLURM_FLD(ST, dynamic_type, FLURM_F_U8),
    FLURM_FLD(ST, dynamic_conf, FLURM_F_STR),
    FLURM_FLD(ST, dynamic_feature, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_node_registration, ST, node_registration_fields);
#undef ST

/* ---- RESPONSE_NODE_REGISTRATION --------------------------------------------------- */

#define ST struct flurm_node_reg_resp
static const struct flurm_field node_reg_resp_fields[] = {
    FLURM_FLD_SUBN(ST, tres, FLURM_F_LIST, flurm_rec_tres_rec, tres_count),
    FLURM_FLD(ST, node_name, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_node_reg_resp, ST, node_reg_resp_fields);
#undef ST

/* ---- RESPONSE_PING_SLURMD --------------------------------------------------------- */

#define ST struct flurm_ping_slurmd_resp
static const struct flurm_field ping_slurmd_resp_fields[] = {
    FLURM_FLD(ST, cpu_load, FLURM_F_U32),
    FLURM_FLD(ST, free_mem, FLURM_F_U64),
};
FLURM_RECORD(flurm_rec_ping_slurmd_resp, ST, ping_slurmd_resp_fields);
#undef ST

/* ---- REQUEST_BATCH_JOB_LAUNCH ------------------------------------------------------ */

#define ST struct flurm_batch_job_launch
/* The credential is packed with cred_version, which is sent just before it;
 * 0 in the struct stands for the message's own version, as in SLURM. */
static int launch_cred_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                            uint16_t version)
{
    const ST *m = obj;
    uint16_t cred_version = m->cred_version ? m->cred_version : version;

    (void)f;
    if (flurm_pack16(b, cred_version) < 0)
        return -1;
    return flurm_record_pack(&flurm_rec_signed_job_cred, &m->cred, b, cred_version);
}

static int launch_cred_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b,
                              uint16_t version)
{
    ST *m = obj;

    (void)f;
    (void)version;
    if (flurm_unpack16(b, &m->cred_version) < 0)
        return -1;
    return flurm_record_unpack(&flurm_rec_signed_job_cred, &m->cred, b, m->cred_version, NULL);
}

static void launch_cred_free(const struct flurm_field *f, void *obj)
{
    (void)f;
    flurm_record_free(&flurm_rec_signed_job_cred, &((ST *)obj)->cred);
}

static int launch_cred_to_json(const struct flurm_field *f, const void *obj,
                               json_t *record_json)
{
    const ST *m = obj;

    (void)f;
    if (flurm_record_json_set(record_json, "cred_version", json_integer(m->cred_version)) < 0)
        return -1;
    return flurm_record_json_set(record_json, "cred",
                    flurm_record_to_json(&flurm_rec_signed_job_cred, &m->cred));
}

static int launch_cred_from_json(const struct flurm_field *f, void *obj,
                                 const json_t *record_json)
{
    ST *m = obj;
    const json_t *v = json_object_get(record_json, "cred_version");
    const json_t *j = json_object_get(record_json, "cred");

    (void)f;
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > UINT16_MAX) {
            errno = EINVAL;
            return -1;
        }
        m->cred_version = (uint16_t)json_integer_value(v);
    }
    if (!j || json_is_null(j))
        return 0;
    return flurm_record_from_json(&flurm_rec_signed_job_cred, j, &m->cred, NULL);
}

static const struct flurm_custom launch_cred_custom = {
    launch_cred_pack, launch_cred_unpack, launch_cred_free, launch_cred_to_json,
    launch_cred_from_json,
};

/* argc and envc are sent before their arrays, which must hold that many. */
static const struct flurm_field batch_job_launch_fields[] = {
    FLURM_FLD(ST, job_id, FLURM_F_U32),
    FLURM_FLD(ST, het_job_id, FLURM_F_U32),
    FLURM_FLD_V(ST, uid, FLURM_F_U32, 0, FLURM_PROTO_23_11),
    FLURM_FLD_V(ST, gid, FLURM_F_U32, 0, FLURM_PROTO_23_11),
    FLURM_FLD_V(ST, user_name, FLURM_F_STR, 0, FLURM_PROTO_23_11),
    FLURM_FLD_N(ST, gids, FLURM_F_U32_ARRAY, ngids),
    FLURM_FLD(ST, partition, FLURM_F_STR),
    FLURM_FLD(ST, ntasks, FLURM_F_U32),
    FLURM_FLD(ST, pn_min_memory, FLURM_F_U64),
    FLURM_FLD(ST, open_mode, FLURM_F_U8),
    FLURM_FLD(ST, overcommit, FLURM_F_U8),
    FLURM_FLD(ST, array_job_id, FLURM_F_U32),
    FLURM_FLD(ST, array_task_id, FLURM_F_U32),
    FLURM_FLD(ST, acctg_freq, FLURM_F_STR),
    FLURM_FLD(ST, container, FLURM_F_STR),
    FLURM_FLD(ST, cpu_bind_type, FLURM_F_U16),
    FLURM_FLD(ST, cpus_per_task, FLURM_F_U16),
    FLURM_FLD(ST, restart_cnt, FLURM_F_U16),
    FLURM_FLD(ST, job_core_spec, FLURM_F_U16),
    FLURM_FLD(ST, num_cpu_groups, FLURM_F_U32),
    FLURM_FLD_GATED(ST, cpu_groups, FLURM_F_GATED_COUNTS, flurm_rec_cpu_groups, num_cpu_groups),
    FLURM_FLD(ST, alias_list, FLURM_F_STR),
    FLURM_FLD(ST, cpu_bind, FLURM_F_STR),
    FLURM_FLD(ST, nodes, FLURM_F_STR),
    FLURM_FLD(ST, script, FLURM_F_STR),
    FLURM_FLD(ST, work_dir, FLURM_F_STR),
    FLURM_FLD(ST, std_err, FLURM_F_STR),
    FLURM_FLD(ST, std_in, FLURM_F_STR),
    FLURM_FLD(ST, std_out, FLURM_F_STR),
    FLURM_FLD(ST, argc, FLURM_F_U32),
    FLURM_FLD_N(ST, argv, FLURM_F_STR_ARRAY, argc),
    FLURM_FLD_N(ST, spank_job_env, FLURM_F_STR_ARRAY, spank_job_env_size),
    FLURM_FLD(ST, envc, FLURM_F_U32),
    FLURM_FLD_N(ST, environment, FLURM_F_STR_ARRAY, envc),
    FLURM_FLD(ST, job_mem, FLURM_F_U64),
    FLURM_FLD_CUSTOM("cred", launch_cred_custom), /* cred_version, then the credential */
    FLURM_FLD_SELECT_JOBINFO(ST),
    FLURM_FLD(ST, account, FLURM_F_STR),
    FLURM_FLD(ST, qos, FLURM_F_STR),
    FLURM_FLD(ST, resv_name, FLURM_F_STR),
    FLURM_FLD(ST, profile, FLURM_F_U32),
    FLURM_FLD(ST, tres_bind, FLURM_F_STR),
    FLURM_FLD(ST, tres_freq, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_batch_job_launch, ST, batch_job_launch_fields);
#undef ST

/* ---- REQUEST_TERMINATE_JOB ------------------------------------------------------------ */

#define ST struct flurm_terminate_job
static const struct flurm_field terminate_job_fields[] = {
    FLURM_FLD_OPTIONAL(ST, cred, FLURM_F_OPTIONAL8, flurm_rec_signed_job_cred, 1),
    FLURM_FLD(ST, details, FLURM_F_STR),
    FLURM_FLD(ST, derived_ec, FLURM_F_U32),
    FLURM_FLD(ST, exit_code, FLURM_F_U32),
    FLURM_FLD_CONST16("job_gres", 0), /* the job's GRES allocation: only the empty one */
    FLURM_FLD_SUB(ST, step_id, FLURM_F_RECORD, flurm_rec_step_id),
    FLURM_FLD(ST, het_job_id, FLURM_F_U32),
    FLURM_FLD(ST, job_state, FLURM_F_U32),
    FLURM_FLD(ST, job_uid, FLURM_F_U32),
    FLURM_FLD(ST, job_gid, FLURM_F_U32),
    FLURM_FLD(ST, nodes, FLURM_F_STR),
    FLURM_FLD_SELECT_JOBINFO(ST),
    FLURM_FLD_N(ST, spank_job_env, FLURM_F_STR_ARRAY, spank_job_env_size),
    FLURM_FLD(ST, start_time, FLURM_F_TIME),
    FLURM_FLD(ST, time, FLURM_F_TIME),
    FLURM_FLD(ST, work_dir, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_terminate_job, ST, terminate_job_fields);
#undef ST

/* ---- REQUEST_COMPLETE_BATCH_SCRIPT, MESSAGE_EPILOG_COMPLETE ----------------------------- */

#define ST struct flurm_complete_batch
static const struct flurm_field complete_batch_fields[] = {
    FLURM_FLD_OPTIONAL(ST, jobacct, FLURM_F_OPTIONAL8, flurm_rec_jobacct, 1),
    FLURM_FLD(ST, job_id, FLURM_F_U32),
    FLURM_FLD(ST, job_rc, FLURM_F_I32),
    FLURM_FLD(ST, slurm_rc, FLURM_F_I32),
    FLURM_FLD(ST, user_id, FLURM_F_U32),
    FLURM_FLD(ST, node_name, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_complete_batch, ST, complete_batch_fields);
#undef ST

#define ST struct flurm_epilog_complete
static const struct flurm_field epilog_complete_fields[] = {
    FLURM_FLD(ST, job_id, FLURM_F_U32),
    FLURM_FLD(ST, return_code, FLURM_F_I32),
    FLURM_FLD(ST, node_name, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_epilog_complete, ST, epilog_complete_fields);
#undef ST

/* ---- message registry ---------------------------------------------------------------- */

static const struct flurm_msg_body slurmd_bodies[] = {
    FLURM_MSG_BODY(FLURM_MESSAGE_NODE_REGISTRATION_STATUS, flurm_rec_node_registration),
    FLURM_MSG_BODY(FLURM_RESPONSE_NODE_REGISTRATION, flurm_rec_node_reg_resp),
    FLURM_MSG_BODY(FLURM_RESPONSE_PING_SLURMD, flurm_rec_ping_slurmd_resp),
    FLURM_MSG_BODY(FLURM_REQUEST_BATCH_JOB_LAUNCH, flurm_rec_batch_job_launch),
    FLURM_MSG_BODY(FLURM_REQUEST_TERMINATE_JOB, flurm_rec_terminate_job),
    FLURM_MSG_BODY(FLURM_REQUEST_ABORT_JOB, flurm_rec_terminate_job),
    FLURM_MSG_BODY(FLURM_REQUEST_KILL_TIMELIMIT, flurm_rec_terminate_job),
    FLURM_MSG_BODY(FLURM_REQUEST_KILL_PREEMPTED, flurm_rec_terminate_job),
    FLURM_MSG_BODY(FLURM_REQUEST_COMPLETE_BATCH_SCRIPT, flurm_rec_complete_batch),
    FLURM_MSG_BODY(FLURM_MESSAGE_EPILOG_COMPLETE, flurm_rec_epilog_complete),
};
FLURM_MSG_BODIES(flurm_rec_slurmd_bodies, slurmd_bodies);
