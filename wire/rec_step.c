/*
 * rec_step.c - tables for the records about running steps that srun, sstat
 * and slurmstepd exchange with slurmd (see rec_step.h for the list).
 *
 * Field order follows the 22.05 packers in slurm_protocol_pack.c; the
 * launch request's 23.02 / 23.11 changes (select_jobinfo, the switch id and
 * the user identity going away, cpt_compact arrays arriving) are checked
 * against the packers of those tags.  Three shapes of the launch request
 * need callbacks and are defined first: port lists with a u16 count, the
 * job_options tag, and the credential packed at its own version.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "wire/rec_step.h"

/* Short names for the tables' wire types. */
#define U8 FLURM_F_U8
#define U16 FLURM_F_U16
#define U32 FLURM_F_U32
#define U64 FLURM_F_U64
#define STR FLURM_F_STR
#define STRA FLURM_F_STR_ARRAY
#define U16A FLURM_F_U16_ARRAY
#define U32A FLURM_F_U32_ARRAY
#define REC FLURM_F_RECORD
#define LIST FLURM_F_LIST
#define ARR FLURM_F_ARRAY

#define V23_02 FLURM_PROTO_23_02
#define V23_11 FLURM_PROTO_23_11



/* ---- a u16 count, then that many u16 (resp_port, io_port) ---------------------
 *
 * A uint16_t * at f->off with its uint32_t count at f->count_off; JSON: an
 * array of integers under f->name.  SLURM refuses a count of NO_VAL16 or
 * more, and so do both directions here. */

static int ports_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                      uint16_t v)
{
    const uint16_t *ports = *(uint16_t *const *)FLURM_CAT(obj, f->off);
    uint32_t n = *(const uint32_t *)FLURM_CAT(obj, f->count_off);

    (void)v;
    if (n >= FLURM_NO_VAL16 || (n && !ports))
        return flurm_record_einval();
    if (flurm_pack16(b, (uint16_t)n) < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        if (flurm_pack16(b, ports[i]) < 0)
            return -1;
    return 0;
}

static int ports_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b, uint16_t v)
{
    uint16_t **ports = (uint16_t **)FLURM_AT(obj, f->off);
    uint16_t n;

    (void)v;
    if (flurm_unpack16(b, &n) < 0)
        return -1;
    if (n >= FLURM_NO_VAL16 || (size_t)n * 2 > flurm_buf_remaining(b))
        return flurm_record_bad_input(b);
    if (n == 0)
        return 0;
    if (!(*ports = calloc(n, sizeof(**ports))))
        return -1;
    *(uint32_t *)FLURM_AT(obj, f->count_off) = n;
    for (uint16_t i = 0; i < n; i++)
        if (flurm_unpack16(b, &(*ports)[i]) < 0)
            return -1;
    return 0;
}

static void ports_free(const struct flurm_field *f, void *obj)
{
    uint16_t **ports = (uint16_t **)FLURM_AT(obj, f->off);

    free(*ports);
    *ports = NULL;
}

static int ports_to_json(const struct flurm_field *f, const void *obj, json_t *j)
{
    const uint16_t *ports = *(uint16_t *const *)FLURM_CAT(obj, f->off);
    uint32_t n = *(const uint32_t *)FLURM_CAT(obj, f->count_off);
    json_t *a = json_array();

    if (!a)
        return -1;
    for (uint32_t i = 0; ports && i < n; i++)
        if (json_array_append_new(a, json_integer(ports[i])) < 0)
            goto error;
    return json_object_set_new(j, f->name, a);
error:
    json_decref(a);
    return -1;
}

static int ports_from_json(const struct flurm_field *f, void *obj, const json_t *j)
{
    const json_t *a = json_object_get(j, f->name), *item;
    uint16_t **ports = (uint16_t **)FLURM_AT(obj, f->off);
    size_t i, n;

    if (!a)
        return 0;
    if (!json_is_array(a) || (n = json_array_size(a)) >= FLURM_NO_VAL16)
        return flurm_record_einval();
    if (n == 0)
        return 0;
    if (!(*ports = calloc(n, sizeof(**ports))))
        return -1;
    *(uint32_t *)FLURM_AT(obj, f->count_off) = (uint32_t)n;
    json_array_foreach(a, i, item) {
        if (!json_is_integer(item) || json_integer_value(item) < 0 ||
            json_integer_value(item) > UINT16_MAX)
            return flurm_record_einval();
        (*ports)[i] = (uint16_t)json_integer_value(item);
    }
    return 0;
}

static const struct flurm_custom u16_counted_ports = {ports_pack, ports_unpack, ports_free,
                                                      ports_to_json, ports_from_json};

/* ---- the job_options tag -----------------------------------------------------
 *
 * job_options_pack starts with the string "job_options", and slurmd drops a
 * launch whose tag differs.  A constant: no member, no JSON. */

#define JOB_OPTIONS_TAG "job_options"

static int tag_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                    uint16_t v)
{
    (void)f;
    (void)obj;
    (void)v;
    return flurm_packstr(b, JOB_OPTIONS_TAG);
}

static int tag_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b, uint16_t v)
{
    char *tag = NULL;
    int same;

    (void)f;
    (void)obj;
    (void)v;
    if (flurm_unpackstr(b, &tag) < 0)
        return -1;
    same = tag && !strcmp(tag, JOB_OPTIONS_TAG);
    free(tag);
    return same ? 0 : flurm_record_bad_input(b);
}

static const struct flurm_custom job_options_tag = {tag_pack, tag_unpack, NULL, NULL, NULL};

/* ---- the credential and its version ------------------------------------------
 *
 * u16 cred_version, then the signed credential in that version's layout
 * (flurm_rec_signed_job_cred does the credential itself).  Both members are
 * plain fields of the JSON form (cred_parts below). */

#define LTQ struct flurm_launch_tasks_req

static int launch_cred_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                            uint16_t v)
{
    const LTQ *m = obj;
    uint16_t cred_v = m->cred_version ? m->cred_version : v;

    (void)f;
    if (flurm_pack16(b, cred_v) < 0)
        return -1;
    return flurm_record_pack(&flurm_rec_signed_job_cred, &m->cred, b, cred_v);
}

static int launch_cred_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b,
                              uint16_t v)
{
    LTQ *m = obj;

    (void)f;
    (void)v;
    if (flurm_unpack16(b, &m->cred_version) < 0)
        return -1;
    /* Below 21.08 is older than any peer FLURM speaks to. */
    if (m->cred_version < FLURM_PROTO_21_08)
        return flurm_record_bad_input(b);
    return flurm_record_unpack(&flurm_rec_signed_job_cred, &m->cred, b, m->cred_version, NULL);
}

static const struct flurm_custom launch_cred_wire = {launch_cred_pack, launch_cred_unpack, NULL,
                                                     NULL, NULL};

static const struct flurm_field cred_parts_fields[] = {
    FLURM_FLD(LTQ, cred_version, U16),
    FLURM_FLD_SUB(LTQ, cred, REC, flurm_rec_signed_job_cred),
};
static FLURM_RECORD(cred_parts, LTQ, cred_parts_fields);

/* ---- small records --------------------------------------------------------------- */

static const struct flurm_field task_ids_fields[] = {
    FLURM_FLD_N(struct flurm_task_ids, tids, U32A, count),
};
static FLURM_RECORD(task_ids_rec, struct flurm_task_ids, task_ids_fields);

#define SP struct flurm_step_pids
static const struct flurm_field step_pids_fields[] = {
    FLURM_FLD(SP, node_name, STR),
    FLURM_FLD_N(SP, pids, U32A, pid_cnt),
};
FLURM_RECORD(flurm_rec_step_pids, struct flurm_step_pids, step_pids_fields);

#define SST struct flurm_step_stat
static const struct flurm_field step_stat_fields[] = {
    FLURM_FLD(SST, return_code, U32),
    FLURM_FLD(SST, num_tasks, U32),
    FLURM_FLD_OPTIONAL(SST, jobacct, FLURM_F_OPTIONAL8, flurm_rec_jobacct, 1),
    FLURM_FLD_SUB(SST, step_pids, REC, flurm_rec_step_pids),
};
FLURM_RECORD(flurm_rec_step_stat, struct flurm_step_stat, step_stat_fields);

#define TE struct flurm_task_exit
static const struct flurm_field task_exit_fields[] = {
    FLURM_FLD(TE, return_code, U32),
    FLURM_FLD(TE, num_tasks, U32),
    FLURM_FLD_N(TE, task_id_list, U32A, num_tasks),
    FLURM_FLD_SUB(TE, step_id, REC, flurm_rec_step_id),
};
FLURM_RECORD(flurm_rec_task_exit, struct flurm_task_exit, task_exit_fields);

#define LTR struct flurm_launch_tasks_resp
static const struct flurm_field launch_tasks_resp_fields[] = {
    FLURM_FLD_SUB(LTR, step_id, REC, flurm_rec_step_id),
    FLURM_FLD(LTR, return_code, U32),
    FLURM_FLD(LTR, node_name, STR),
    FLURM_FLD(LTR, count_of_pids, U32),
    FLURM_FLD_N(LTR, local_pids, U32A, count_of_pids),
    FLURM_FLD_N(LTR, task_ids, U32A, count_of_pids),
};
FLURM_RECORD(flurm_rec_launch_tasks_resp, struct flurm_launch_tasks_resp,
             launch_tasks_resp_fields);

#define SGT struct flurm_signal_tasks
static const struct flurm_field signal_tasks_fields[] = {
    FLURM_FLD_SUB(SGT, step_id, REC, flurm_rec_step_id),
    FLURM_FLD(SGT, flags, U16),
    FLURM_FLD(SGT, signal, U16),
};
FLURM_RECORD(flurm_rec_signal_tasks, struct flurm_signal_tasks, signal_tasks_fields);

#define NT struct flurm_node_tasks
static const struct flurm_field node_tasks_fields[] = {
    FLURM_FLD(NT, ntasks, U16),
    FLURM_FLD_N(NT, global_tids, U32A, global_tids_cnt),
};
FLURM_RECORD(flurm_rec_node_tasks, struct flurm_node_tasks, node_tasks_fields);

#define JO struct flurm_job_option
static const struct flurm_field job_option_fields[] = {
    FLURM_FLD(JO, type, U32),
    FLURM_FLD(JO, option, STR),
    FLURM_FLD(JO, optarg, STR),
};
FLURM_RECORD(flurm_rec_job_option, struct flurm_job_option, job_option_fields);

/* ---- REQUEST_LAUNCH_TASKS ----------------------------------------------------------- */

static const struct flurm_field launch_tasks_req_fields[] = {
    FLURM_FLD_SUB(LTQ, step_id, REC, flurm_rec_step_id),
    FLURM_FLD_V(LTQ, uid, U32, 0, V23_11),
    FLURM_FLD_V(LTQ, gid, U32, 0, V23_11),
    FLURM_FLD_V(LTQ, user_name, STR, 0, V23_11),
    FLURM_FLD_N(LTQ, gids, U32A, ngids),
    FLURM_FLD(LTQ, het_job_node_offset, U32),
    FLURM_FLD(LTQ, het_job_id, U32),
    FLURM_FLD_SUBN(LTQ, het_job_tids, LIST, task_ids_rec, het_job_nnodes),
    FLURM_FLD_SUBN(LTQ, het_job_tid_offsets, LIST, flurm_rec_u32_item, het_job_ntasks),
    FLURM_FLD(LTQ, het_job_offset, U32),
    FLURM_FLD(LTQ, het_job_step_cnt, U32),
    FLURM_FLD(LTQ, het_job_task_offset, U32),
    FLURM_FLD(LTQ, het_job_node_list, STR),
    FLURM_FLD(LTQ, mpi_plugin_id, U32),
    FLURM_FLD(LTQ, ntasks, U32),
    FLURM_FLD(LTQ, ntasks_per_board, U16),
    FLURM_FLD(LTQ, ntasks_per_core, U16),
    FLURM_FLD(LTQ, ntasks_per_tres, U16),
    FLURM_FLD(LTQ, ntasks_per_socket, U16),
    FLURM_FLD(LTQ, job_mem_lim, U64),
    FLURM_FLD(LTQ, step_mem_lim, U64),
    FLURM_FLD(LTQ, nnodes, U32),
    FLURM_FLD(LTQ, cpus_per_task, U16),
    FLURM_FLD_NV(LTQ, cpt_compact_array, U16A, cpt_compact_cnt, V23_11, 0),
    FLURM_FLD_NV(LTQ, cpt_compact_reps, U32A, cpt_compact_cnt, V23_11, 0),
    FLURM_FLD(LTQ, tres_per_task, STR),
    FLURM_FLD(LTQ, threads_per_core, U16),
    FLURM_FLD(LTQ, task_dist, U32),
    FLURM_FLD(LTQ, node_cpus, U16),
    FLURM_FLD(LTQ, job_core_spec, U16),
    FLURM_FLD(LTQ, accel_bind_type, U16),
    {.name = "cred", .type = FLURM_F_INLINE, .sub = &cred_parts, .custom = &launch_cred_wire},
    FLURM_FLD_SUBN(LTQ, tasks, ARR, flurm_rec_node_tasks, nnodes),
    FLURM_FLD_CUSTOM_N(LTQ, resp_port, u16_counted_ports, resp_port_cnt),
    FLURM_FLD(LTQ, orig_addr, FLURM_F_ADDR),
    FLURM_FLD_N(LTQ, env, STRA, envc),
    FLURM_FLD_N(LTQ, spank_job_env, STRA, spank_job_env_size),
    FLURM_FLD(LTQ, container, STR),
    FLURM_FLD(LTQ, cwd, STR),
    FLURM_FLD(LTQ, cpu_bind_type, U16),
    FLURM_FLD(LTQ, cpu_bind, STR),
    FLURM_FLD(LTQ, mem_bind_type, U16),
    FLURM_FLD(LTQ, mem_bind, STR),
    FLURM_FLD_N(LTQ, argv, STRA, argc),
    FLURM_FLD(LTQ, flags, U32),
    FLURM_FLD(LTQ, ofname, STR),
    FLURM_FLD(LTQ, efname, STR),
    FLURM_FLD(LTQ, ifname, STR),
    FLURM_FLD_CUSTOM_N(LTQ, io_port, u16_counted_ports, io_port_cnt),
    FLURM_FLD(LTQ, profile, U32),
    FLURM_FLD(LTQ, task_prolog, STR),
    FLURM_FLD(LTQ, task_epilog, STR),
    FLURM_FLD(LTQ, slurmd_debug, U16),
    /* 23.11 peers without a switch plugin neither send nor expect the id. */
    {.name = "switch_jobinfo", .type = FLURM_F_CONST32, .value = FLURM_SWITCH_PLUGIN_NONE,
     .until = V23_11},
    FLURM_FLD_CUSTOM("job_options_tag", job_options_tag),
    FLURM_FLD(LTQ, job_options_cnt, U32),
    FLURM_FLD_SUBN(LTQ, job_options, ARR, flurm_rec_job_option, job_options_cnt),
    FLURM_FLD(LTQ, alias_list, STR),
    FLURM_FLD(LTQ, complete_nodelist, STR),
    FLURM_FLD(LTQ, open_mode, U8),
    FLURM_FLD(LTQ, acctg_freq, STR),
    FLURM_FLD(LTQ, cpu_freq_min, U32),
    FLURM_FLD(LTQ, cpu_freq_max, U32),
    FLURM_FLD(LTQ, cpu_freq_gov, U32),
    FLURM_FLD_SELECT_JOBINFO(LTQ),
    FLURM_FLD(LTQ, tres_bind, STR),
    FLURM_FLD(LTQ, tres_freq, STR),
    FLURM_FLD(LTQ, x11, U16),
    FLURM_FLD(LTQ, x11_alloc_host, STR),
    FLURM_FLD(LTQ, x11_alloc_port, U16),
    FLURM_FLD(LTQ, x11_magic_cookie, STR),
    FLURM_FLD(LTQ, x11_target, STR),
    FLURM_FLD(LTQ, x11_target_port, U16),
};
FLURM_RECORD(flurm_rec_launch_tasks_req, struct flurm_launch_tasks_req, launch_tasks_req_fields);

/* ---- registry ------------------------------------------------------------------------ */

static const struct flurm_msg_body step_bodies[] = {
    FLURM_MSG_BODY(FLURM_REQUEST_JOB_STEP_STAT, flurm_rec_step_id),
    FLURM_MSG_BODY(FLURM_RESPONSE_JOB_STEP_STAT, flurm_rec_step_stat),
    FLURM_MSG_BODY(FLURM_REQUEST_JOB_STEP_PIDS, flurm_rec_step_id),
    FLURM_MSG_BODY(FLURM_RESPONSE_JOB_STEP_PIDS, flurm_rec_step_pids),
    FLURM_MSG_BODY(FLURM_REQUEST_LAUNCH_TASKS, flurm_rec_launch_tasks_req),
    FLURM_MSG_BODY(FLURM_RESPONSE_LAUNCH_TASKS, flurm_rec_launch_tasks_resp),
    FLURM_MSG_BODY(FLURM_MESSAGE_TASK_EXIT, flurm_rec_task_exit),
    FLURM_MSG_BODY(FLURM_REQUEST_SIGNAL_TASKS, flurm_rec_signal_tasks),
    FLURM_MSG_BODY(FLURM_REQUEST_TERMINATE_TASKS, flurm_rec_signal_tasks),
};
FLURM_MSG_BODIES(flurm_rec_step_bodies, step_bodies);
