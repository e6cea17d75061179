/*
 * rec_slurmd.c - tables for the controller <-> slurmd records (see
 * rec_slurmd.h).  Field order is SLURM 22.05's (the wire doc, sections
 * 7.2-7.4), with the 23.02 / 23.11 deltas of section 6.3 as version ranges.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/rec_slurmd.h"

/* A custom field that exists only in some versions. */
#define CUSTOM_V(NAME, CUSTOM, SINCE, UNTIL)                                             \
    { .name = (NAME), .type = FLURM_F_CUSTOM, .custom = &(CUSTOM), .since = (SINCE),      \
      .until = (UNTIL) }

static int json_put(json_t *obj, const char *key, json_t *value)
{
    if (!value || json_object_set_new(obj, key, value) < 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* ---- select_jobinfo ------------------------------------------------------------
 *
 * A u32 plugin id followed by that plugin's data.  cons_tres, cons_res and
 * linear send nothing after the id; other plugins send bytes that cannot be
 * sized here, so their ids are refused rather than misread.  0 in a struct
 * means "the default" and is sent as cons_tres. */

static bool select_plugin_known(uint32_t id)
{
    return id == FLURM_SELECT_PLUGIN_CONS_TRES || id == FLURM_SELECT_PLUGIN_CONS_RES ||
           id == FLURM_SELECT_PLUGIN_LINEAR;
}

struct select_slot {
    size_t off; /* of the uint32_t plugin id */
};

static int select_pack(const struct select_slot *s, const void *obj, struct flurm_buf *b)
{
    uint32_t id = *(const uint32_t *)((const char *)obj + s->off);

    if (!id)
        id = FLURM_SELECT_PLUGIN_CONS_TRES;
    if (!select_plugin_known(id)) {
        errno = EINVAL;
        return -1;
    }
    return flurm_pack32(b, id);
}

static int select_unpack(const struct select_slot *s, void *obj, struct flurm_buf *b)
{
    uint32_t *id = (uint32_t *)((char *)obj + s->off);

    if (flurm_unpack32(b, id) < 0)
        return -1;
    if (!select_plugin_known(*id)) {
        *id = 0;
        flurm_buf_set_error(b);
        return -1;
    }
    return 0;
}

static int select_to_json(const struct select_slot *s, const void *obj, json_t *j)
{
    return json_put(j, "select_plugin_id",
                    json_integer(*(const uint32_t *)((const char *)obj + s->off)));
}

static int select_from_json(const struct select_slot *s, void *obj, const json_t *j)
{
    const json_t *v = json_object_get(j, "select_plugin_id");
    json_int_t id;

    if (!v)
        return 0;
    if (!json_is_integer(v) || (id = json_integer_value(v)) < 0 || id > UINT32_MAX) {
        errno = EINVAL;
        return -1;
    }
    *(uint32_t *)((char *)obj + s->off) = (uint32_t)id;
    return 0;
}

#define SELECT_CUSTOM(NAME, ST, MEMBER)                                                  \
    static const struct select_slot NAME##_slot = { offsetof(ST, MEMBER) };               \
    static int NAME##_pack(const void *obj, struct flurm_buf *b, uint16_t v)              \
    {                                                                                     \
        (void)v;                                                                          \
        return select_pack(&NAME##_slot, obj, b);                                         \
    }                                                                                     \
    static int NAME##_unpack(void *obj, struct flurm_buf *b, uint16_t v)                  \
    {                                                                                     \
        (void)v;                                                                          \
        return select_unpack(&NAME##_slot, obj, b);                                       \
    }                                                                                     \
    static int NAME##_to_json(const void *obj, json_t *j)                                 \
    {                                                                                     \
        return select_to_json(&NAME##_slot, obj, j);                                      \
    }                                                                                     \
    static int NAME##_from_json(void *obj, const json_t *j)                               \
    {                                                                                     \
        return select_from_json(&NAME##_slot, obj, j);                                    \
    }                                                                                     \
    static const struct flurm_custom NAME = { NAME##_pack, NAME##_unpack, NULL,           \
                                              NAME##_to_json, NAME##_from_json }

/* ---- the signed job credential ---------------------------------------------------
 *
 * On the wire: the credential's fields, then `mem signature`.  The signature
 * covers the field bytes exactly as sent, so decoding keeps them in raw
 * besides filling body, and encoding sends raw when it is set (see struct
 * flurm_signed_cred in rec_job.h; RESPONSE_JOB_STEP_CREATE uses the same
 * rules). */

/* JSON and free form of struct flurm_signed_cred. */
#define SC struct flurm_signed_cred
static const struct flurm_field signed_cred_parts_fields[] = {
    FLURM_FLD_SUB(SC, body, FLURM_F_RECORD, flurm_rec_job_cred),
    FLURM_FLD_N(SC, raw, FLURM_F_MEM, raw_len),
    FLURM_FLD_N(SC, signature, FLURM_F_MEM, siglen),
};
static FLURM_RECORD(signed_cred_parts, SC, signed_cred_parts_fields);

static int signed_cred_pack(const void *obj, struct flurm_buf *b, uint16_t version)
{
    const SC *c = obj;

    if (c->raw) {
        if (flurm_pack_raw(b, c->raw, c->raw_len) < 0)
            return -1;
    } else if (flurm_record_pack(&flurm_rec_job_cred, &c->body, b, version) < 0) {
        return -1;
    }
    return flurm_packmem(b, c->signature, c->siglen);
}

static int signed_cred_unpack(void *obj, struct flurm_buf *b, uint16_t version)
{
    SC *c = obj;
    size_t start = flurm_buf_offset(b);
    size_t len;

    if (flurm_record_unpack(&flurm_rec_job_cred, &c->body, b, version, NULL) < 0)
        return -1;
    len = flurm_buf_offset(b) - start;
    if (!(c->raw = malloc(len ? len : 1)))
        goto error;
    memcpy(c->raw, flurm_buf_data(b) + start, len);
    c->raw_len = (uint32_t)len;
    if (flurm_unpackmem(b, &c->signature, &c->siglen) < 0)
        goto error;
    return 0;
error:
    flurm_record_free(&signed_cred_parts, c);
    return -1;
}

static void signed_cred_free(void *obj)
{
    flurm_record_free(&signed_cred_parts, obj);
}

static int signed_cred_to_json(const void *obj, json_t *record_json)
{
    json_t *j = flurm_record_to_json(&signed_cred_parts, obj);
    int rc;

    if (!j)
        return -1;
    rc = json_object_update(record_json, j);
    json_decref(j);
    if (rc < 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

static int signed_cred_from_json(void *obj, const json_t *record_json)
{
    return flurm_record_from_json(&signed_cred_parts, record_json, obj, NULL);
}

static const struct flurm_custom signed_cred_custom = {
    signed_cred_pack, signed_cred_unpack, signed_cred_free, signed_cred_to_json,
    signed_cred_from_json,
};

static const struct flurm_field signed_job_cred_fields[] = {
    FLURM_FLD_CUSTOM("signed_cred", signed_cred_custom),
};
FLURM_RECORD(flurm_rec_signed_job_cred, SC, signed_job_cred_fields);
#undef SC

/* ---- MESSAGE_NODE_REGISTRATION_STATUS --------------------------------------------- */

static const struct flurm_field gres_info_fields[] = {
    FLURM_FLD_N(struct flurm_gres_info, data, FLURM_F_MEM, len),
};
static FLURM_RECORD(gres_info_rec, struct flurm_gres_info, gres_info_fields);

#define ST struct flurm_node_registration
static const struct flurm_gated reg_gres_info_gate = {
    .key = "gres_info",
    .sub = &gres_info_rec,
    .sub_off = offsetof(ST, gres_info),
    .gate_off = offsetof(ST, gres_info_size),
    .gate_size = 4,
    .ncount = 1,
    .count_off = { offsetof(struct flurm_gres_info, len) },
};
FLURM_GATED_CUSTOM(reg_gres_info_custom, reg_gres_info_gate);

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
    FLURM_FLD_CUSTOM("gres_info", reg_gres_info_custom),
    FLURM_FLD_SUB(ST, energy, FLURM_F_RECORD, flurm_rec_energy),
    FLURM_FLD(ST, version, FLURM_F_STR),
    FLURM_FLD(ST, dynamic_type, FLURM_F_U8),
    FLURM_FLD(ST, dynamic_conf, FLURM_F_STR),
    FLURM_FLD(ST, dynamic_feature, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_node_registration, ST, node_registration_fields);
#undef ST

/* ---- RESPONSE_NODE_REGISTRATION --------------------------------------------------- */

#define ST struct flurm_tres_rec
static const struct flurm_field tres_fields[] = {
    FLURM_FLD(ST, alloc_secs, FLURM_F_U64),
    FLURM_FLD(ST, count, FLURM_F_U64),
    FLURM_FLD(ST, id, FLURM_F_U32),
    FLURM_FLD(ST, name, FLURM_F_STR),
    FLURM_FLD(ST, type, FLURM_F_STR),
};
static FLURM_RECORD(tres_rec, ST, tres_fields);
#undef ST

#define ST struct flurm_node_reg_resp
static const struct flurm_field node_reg_resp_fields[] = {
    FLURM_FLD_SUBN(ST, tres, FLURM_F_LIST, tres_rec, tres_count),
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

#define ST struct flurm_cpu_groups
static const struct flurm_field cpu_groups_fields[] = {
    FLURM_FLD_N(ST, cpus_per_node, FLURM_F_U16_ARRAY, cpus_per_node_cnt),
    FLURM_FLD_N(ST, cpu_count_reps, FLURM_F_U32_ARRAY, cpu_count_reps_cnt),
};
static FLURM_RECORD(cpu_groups_rec, ST, cpu_groups_fields);
#undef ST

#define ST struct flurm_batch_job_launch
static const struct flurm_gated launch_cpu_groups_gate = {
    .key = "cpu_groups",
    .sub = &cpu_groups_rec,
    .sub_off = offsetof(ST, cpu_groups),
    .gate_off = offsetof(ST, num_cpu_groups),
    .gate_size = 4,
    .ncount = 2,
    .count_off = { offsetof(struct flurm_cpu_groups, cpus_per_node_cnt),
                   offsetof(struct flurm_cpu_groups, cpu_count_reps_cnt) },
};
FLURM_GATED_CUSTOM(launch_cpu_groups_custom, launch_cpu_groups_gate);

/* The credential is packed with cred_version, which is sent just before it;
 * 0 in the struct stands for the message's own version, as in SLURM. */
static int launch_cred_pack(const void *obj, struct flurm_buf *b, uint16_t version)
{
    const ST *m = obj;
    uint16_t cred_version = m->cred_version ? m->cred_version : version;

    if (flurm_pack16(b, cred_version) < 0)
        return -1;
    return flurm_record_pack(&flurm_rec_signed_job_cred, &m->cred, b, cred_version);
}

static int launch_cred_unpack(void *obj, struct flurm_buf *b, uint16_t version)
{
    ST *m = obj;

    (void)version;
    if (flurm_unpack16(b, &m->cred_version) < 0)
        return -1;
    return flurm_record_unpack(&flurm_rec_signed_job_cred, &m->cred, b, m->cred_version, NULL);
}

static void launch_cred_free(void *obj)
{
    flurm_record_free(&flurm_rec_signed_job_cred, &((ST *)obj)->cred);
}

static int launch_cred_to_json(const void *obj, json_t *record_json)
{
    const ST *m = obj;

    if (json_put(record_json, "cred_version", json_integer(m->cred_version)) < 0)
        return -1;
    return json_put(record_json, "cred",
                    flurm_record_to_json(&flurm_rec_signed_job_cred, &m->cred));
}

static int launch_cred_from_json(void *obj, const json_t *record_json)
{
    ST *m = obj;
    const json_t *v = json_object_get(record_json, "cred_version");
    const json_t *j = json_object_get(record_json, "cred");

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

SELECT_CUSTOM(launch_select_custom, ST, select_plugin_id);

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
    FLURM_FLD_CUSTOM("cpu_groups", launch_cpu_groups_custom),
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
    CUSTOM_V("select_jobinfo", launch_select_custom, 0, FLURM_PROTO_23_02),
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

/* The job's GRES allocation: only the empty one (u16 0). */
static int no_gres_pack(const void *obj, struct flurm_buf *b, uint16_t version)
{
    (void)obj;
    (void)version;
    return flurm_pack16(b, 0);
}

static int no_gres_unpack(void *obj, struct flurm_buf *b, uint16_t version)
{
    uint16_t count;

    (void)obj;
    (void)version;
    if (flurm_unpack16(b, &count) < 0)
        return -1;
    if (count) {
        flurm_buf_set_error(b);
        return -1;
    }
    return 0;
}

static const struct flurm_custom no_gres_custom = { no_gres_pack, no_gres_unpack, NULL, NULL,
                                                    NULL };

#define ST struct flurm_terminate_job
static const struct flurm_optional kill_cred_opt = {
    .key = "cred",
    .sub = &flurm_rec_signed_job_cred,
    .ptr_off = offsetof(ST, cred),
};
FLURM_OPTIONAL_CUSTOM(kill_cred_custom, kill_cred_opt);

SELECT_CUSTOM(kill_select_custom, ST, select_plugin_id);

static const struct flurm_field terminate_job_fields[] = {
    FLURM_FLD_CUSTOM("cred", kill_cred_custom),
    FLURM_FLD(ST, details, FLURM_F_STR),
    FLURM_FLD(ST, derived_ec, FLURM_F_U32),
    FLURM_FLD(ST, exit_code, FLURM_F_U32),
    FLURM_FLD_CUSTOM("job_gres", no_gres_custom),
    FLURM_FLD_SUB(ST, step_id, FLURM_F_RECORD, flurm_rec_step_id),
    FLURM_FLD(ST, het_job_id, FLURM_F_U32),
    FLURM_FLD(ST, job_state, FLURM_F_U32),
    FLURM_FLD(ST, job_uid, FLURM_F_U32),
    FLURM_FLD(ST, job_gid, FLURM_F_U32),
    FLURM_FLD(ST, nodes, FLURM_F_STR),
    CUSTOM_V("select_jobinfo", kill_select_custom, 0, FLURM_PROTO_23_02),
    FLURM_FLD_N(ST, spank_job_env, FLURM_F_STR_ARRAY, spank_job_env_size),
    FLURM_FLD(ST, start_time, FLURM_F_TIME),
    FLURM_FLD(ST, time, FLURM_F_TIME),
    FLURM_FLD(ST, work_dir, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_terminate_job, ST, terminate_job_fields);
#undef ST

/* ---- REQUEST_COMPLETE_BATCH_SCRIPT, MESSAGE_EPILOG_COMPLETE ----------------------------- */

#define ST struct flurm_complete_batch
static const struct flurm_optional complete_jobacct_opt = {
    .key = "jobacct",
    .sub = &flurm_rec_jobacct,
    .ptr_off = offsetof(ST, jobacct),
};
FLURM_OPTIONAL_CUSTOM(complete_jobacct_custom, complete_jobacct_opt);

static const struct flurm_field complete_batch_fields[] = {
    FLURM_FLD_CUSTOM("jobacct", complete_jobacct_custom),
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
