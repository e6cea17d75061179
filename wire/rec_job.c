/*
 * rec_job.c - tables for the job and step records of the SLURM wire protocol
 * (see rec_job.h for the message list).
 *
 * Field order follows the 22.05 client unpackers; fields that appear or go
 * away in 23.02 / 23.11 carry since/until (wire doc section 6.3, checked
 * against the unpackers of those tags).  Presence markers, groups sent only
 * when a count is non-zero and constants are engine field types; what stays
 * custom (plugin ids, a field whose width changes with the version, GRES
 * blocks and the signed credential kept as their wire bytes) is defined
 * first below.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "wire/rec_job.h"

/* Short names for the tables' wire types. */
#define U8 FLURM_F_U8
#define U16 FLURM_F_U16
#define U32 FLURM_F_U32
#define U64 FLURM_F_U64
#define TIME FLURM_F_TIME
#define DBL FLURM_F_DOUBLE
#define STR FLURM_F_STR
#define MEM FLURM_F_MEM
#define STRA FLURM_F_STR_ARRAY
#define U16A FLURM_F_U16_ARRAY
#define U32A FLURM_F_U32_ARRAY
#define U64A FLURM_F_U64_ARRAY
#define BITS FLURM_F_BITSTR
#define REC FLURM_F_RECORD
#define LIST FLURM_F_LIST
#define ARR FLURM_F_ARRAY
#define OPT8 FLURM_F_OPTIONAL8
#define COUNTED FLURM_F_GATED_COUNTS

#define V23_02 FLURM_PROTO_23_02
#define V23_11 FLURM_PROTO_23_11



/* A u32 from a JSON object member; a missing member leaves *out alone. */
static int json_get_u32(const json_t *j, const char *key, uint32_t *out)
{
    const json_t *v = json_object_get(j, key);

    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > (json_int_t)UINT32_MAX)
        return flurm_record_einval();
    *out = (uint32_t)json_integer_value(v);
    return 0;
}

/* The u32 member at f->off as the JSON integer f->name. */
static int u32_to_json(const struct flurm_field *f, const void *obj, json_t *j)
{
    return flurm_record_json_set(j, f->name, json_integer(*(const uint32_t *)FLURM_CAT(obj, f->off)));
}

static int u32_from_json(const struct flurm_field *f, void *obj, const json_t *j)
{
    return json_get_u32(j, f->name, (uint32_t *)FLURM_AT(obj, f->off));
}

/* ---- plugin ids followed by nothing ------------------------------------------
 *
 * The u32 member at f->off, JSON key f->name.  Another plugin's id would be
 * followed by its private bytes, whose size is unknown: refused. */

static const uint32_t select_plugins[] = {FLURM_SELECT_PLUGIN_CONS_TRES,
                                          FLURM_SELECT_PLUGIN_CONS_RES,
                                          FLURM_SELECT_PLUGIN_LINEAR, 0};
static const uint32_t switch_plugins[] = {FLURM_SWITCH_PLUGIN_NONE, 0};

/* known[0] is also what a 0 ("the default") in the struct is packed as. */
static int plugin_pack(const uint32_t *known, const struct flurm_field *f, const void *obj,
                       struct flurm_buf *b)
{
    uint32_t id = *(const uint32_t *)FLURM_CAT(obj, f->off);

    if (id == 0)
        id = known[0];
    for (; *known; known++)
        if (*known == id)
            return flurm_pack32(b, id);
    return flurm_record_einval();
}

static int plugin_unpack(const uint32_t *known, const struct flurm_field *f, void *obj,
                         struct flurm_buf *b)
{
    uint32_t id;

    if (flurm_unpack32(b, &id) < 0)
        return -1;
    for (; *known; known++) {
        if (*known == id) {
            *(uint32_t *)FLURM_AT(obj, f->off) = id;
            return 0;
        }
    }
    return flurm_record_bad_input(b);
}

static int select_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                       uint16_t v)
{
    (void)v;
    return plugin_pack(select_plugins, f, obj, b);
}

static int select_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b, uint16_t v)
{
    (void)v;
    return plugin_unpack(select_plugins, f, obj, b);
}

const struct flurm_custom flurm_select_jobinfo = {select_pack, select_unpack, NULL,
                                                  u32_to_json, u32_from_json};

static int switch_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                       uint16_t v)
{
    (void)v;
    return plugin_pack(switch_plugins, f, obj, b);
}

static int switch_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b, uint16_t v)
{
    (void)v;
    return plugin_unpack(switch_plugins, f, obj, b);
}

static const struct flurm_custom switch_jobinfo = {switch_pack, switch_unpack, NULL,
                                                   u32_to_json, u32_from_json};

/* ---- a u32 member sent as a u16 before 23.02 ------------------------------------ */

static int u16_before_23_02_pack(const struct flurm_field *f, const void *obj,
                                 struct flurm_buf *b, uint16_t v)
{
    uint32_t value = *(const uint32_t *)FLURM_CAT(obj, f->off);

    if (v >= V23_02)
        return flurm_pack32(b, value);
    if (value > UINT16_MAX)
        return flurm_record_einval();
    return flurm_pack16(b, (uint16_t)value);
}

static int u16_before_23_02_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b,
                                   uint16_t v)
{
    uint32_t *value = (uint32_t *)FLURM_AT(obj, f->off);
    uint16_t v16;

    if (v >= V23_02)
        return flurm_unpack32(b, value);
    if (flurm_unpack16(b, &v16) < 0)
        return -1;
    *value = v16;
    return 0;
}

static const struct flurm_custom u16_before_23_02 = {
    u16_before_23_02_pack, u16_before_23_02_unpack, NULL, u32_to_json, u32_from_json};

/* ---- a credential's GRES block kept as its wire bytes ------------------------
 *
 * The struct flurm_gres_block at f->off, JSON key f->name. */

#define GRES_MAGIC 0x438a34d4U

static int skip_str(struct flurm_buf *b)
{
    char *s = NULL;

    if (flurm_unpackstr(b, &s) < 0)
        return -1;
    free(s);
    return 0;
}

static int skip_u64_array(struct flurm_buf *b)
{
    uint64_t *a = NULL;
    uint32_t n;

    if (flurm_unpack64_array(b, &a, &n) < 0)
        return -1;
    free(a);
    return 0;
}

static int skip_bitstr(struct flurm_buf *b)
{
    struct flurm_bitstr bs = {0};

    if (flurm_bitstr_unpack(b, &bs) < 0)
        return -1;
    flurm_bitstr_free(&bs);
    return 0;
}

/* A u8 flag, then (when set) node_cnt bitmaps. */
static int skip_flagged_bitstrs(struct flurm_buf *b, uint32_t node_cnt)
{
    uint8_t flag;

    if (flurm_unpack8(b, &flag) < 0)
        return -1;
    for (uint32_t i = 0; flag && i < node_cnt; i++)
        if (skip_bitstr(b) < 0)
            return -1;
    return 0;
}

/* 23.11: per node, a u8 flag and (when set) a u64 array. */
static int skip_per_bit(struct flurm_buf *b, uint32_t node_cnt)
{
    uint8_t flag;

    for (uint32_t i = 0; i < node_cnt; i++) {
        if (flurm_unpack8(b, &flag) < 0)
            return -1;
        if (flag && skip_u64_array(b) < 0)
            return -1;
    }
    return 0;
}

/* Walk one gres_job_state / gres_step_state record (gres.c of each tag). */
static int skip_gres_record(struct flurm_buf *b, bool step, uint16_t v)
{
    uint32_t magic, plugin, node_cnt;
    uint16_t u16;
    uint64_t u64;
    uint8_t flag;

    if (flurm_unpack32(b, &magic) < 0 || flurm_unpack32(b, &plugin) < 0)
        return -1;
    if (magic != GRES_MAGIC)
        return flurm_record_bad_input(b);
    if (flurm_unpack16(b, &u16) < 0 || flurm_unpack16(b, &u16) < 0)
        return -1;
    for (int i = 0; i < 5; i++) /* per job/step, node, socket, task; mem */
        if (flurm_unpack64(b, &u64) < 0)
            return -1;
    if (!step && flurm_unpack16(b, &u16) < 0) /* ntasks_per_gres */
        return -1;
    if (flurm_unpack64(b, &u64) < 0) /* total_gres */
        return -1;
    if (!step && skip_str(b) < 0) /* type_name */
        return -1;
    if (flurm_unpack32(b, &node_cnt) < 0)
        return -1;
    if (node_cnt > FLURM_NO_VAL)
        return flurm_record_bad_input(b);
    if (step && skip_bitstr(b) < 0) /* node_in_use */
        return -1;
    if (flurm_unpack8(b, &flag) < 0 || (flag && skip_u64_array(b) < 0))
        return -1;
    if (skip_flagged_bitstrs(b, node_cnt) < 0) /* gres_bit_alloc */
        return -1;
    if (v >= V23_11 && skip_per_bit(b, node_cnt) < 0)
        return -1;
    if (step)
        return 0;
    if (skip_flagged_bitstrs(b, node_cnt) < 0) /* gres_bit_step_alloc */
        return -1;
    if (flurm_unpack8(b, &flag) < 0)
        return -1;
    for (uint32_t i = 0; flag && i < node_cnt; i++)
        if (flurm_unpack64(b, &u64) < 0)
            return -1;
    if (v >= V23_11 && skip_per_bit(b, node_cnt) < 0)
        return -1;
    return 0;
}

static int gres_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                     uint16_t v)
{
    const struct flurm_gres_block *g = (const struct flurm_gres_block *)FLURM_CAT(obj, f->off);

    (void)v;
    if (g->len == 0)
        return flurm_pack16(b, 0);
    if (!g->data || g->len < 2)
        return flurm_record_einval();
    return flurm_pack_raw(b, g->data, g->len);
}

/* step: the gres_step_state layout rather than gres_job_state. */
static int gres_unpack(bool step, const struct flurm_field *f, void *obj, struct flurm_buf *b,
                       uint16_t v)
{
    struct flurm_gres_block *g = (struct flurm_gres_block *)FLURM_AT(obj, f->off);
    size_t start = flurm_buf_offset(b);
    uint16_t count;
    size_t len;

    if (flurm_unpack16(b, &count) < 0)
        return -1;
    if (count == 0)
        return 0;
    for (uint16_t i = 0; i < count; i++)
        if (skip_gres_record(b, step, v) < 0)
            return -1;
    len = flurm_buf_offset(b) - start;
    if (!(g->data = malloc(len)))
        return -1;
    memcpy(g->data, flurm_buf_data(b) + start, len);
    g->len = (uint32_t)len;
    return 0;
}

static int gres_job_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b,
                           uint16_t v)
{
    return gres_unpack(false, f, obj, b, v);
}

static int gres_step_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b,
                            uint16_t v)
{
    return gres_unpack(true, f, obj, b, v);
}

static void gres_free(const struct flurm_field *f, void *obj)
{
    struct flurm_gres_block *g = (struct flurm_gres_block *)FLURM_AT(obj, f->off);

    free(g->data);
    g->data = NULL;
    g->len = 0;
}

/* JSON: the block's bytes in the engine's MEM form (base64), null = empty. */
static const struct flurm_field gres_block_fields[] = {
    FLURM_FLD_N(struct flurm_gres_block, data, MEM, len),
};
static FLURM_RECORD(gres_block_rec, struct flurm_gres_block, gres_block_fields);

static int gres_to_json(const struct flurm_field *f, const void *obj, json_t *j)
{
    json_t *o = flurm_record_to_json(&gres_block_rec, FLURM_CAT(obj, f->off));
    json_t *data;
    int rc;

    if (!o)
        return -1;
    data = json_object_get(o, "data");
    rc = json_object_set(j, f->name, data);
    json_decref(o);
    return rc;
}

static int gres_from_json(const struct flurm_field *f, void *obj, const json_t *j)
{
    const json_t *v = json_object_get(j, f->name);
    struct flurm_gres_block *g = (struct flurm_gres_block *)FLURM_AT(obj, f->off);
    json_t *o;
    int rc;

    if (!v)
        return 0;
    if (!(o = json_pack("{s:O}", "data", v)))
        return -1;
    rc = flurm_record_from_json(&gres_block_rec, o, g, NULL);
    json_decref(o);
    if (rc == 0 && g->len == 1) { /* a block is at least its u16 count */
        gres_free(f, obj);
        return flurm_record_einval();
    }
    return rc;
}

static const struct flurm_custom gres_job_state = {gres_pack, gres_job_unpack, gres_free,
                                                   gres_to_json, gres_from_json};
static const struct flurm_custom gres_step_state = {gres_pack, gres_step_unpack, gres_free,
                                                    gres_to_json, gres_from_json};

/* ---- shared small records ---------------------------------------------------- */

/* One slurm_addr_t; the engine packs it (byte-order trap kept as sent). */
static const struct flurm_field addr_fields[] = {
    {.name = "addr", .type = FLURM_F_ADDR, .off = 0},
};
FLURM_RECORD(flurm_rec_addr, struct flurm_addr, addr_fields);

static const struct flurm_field addr_array_fields[] = {
    FLURM_FLD(struct flurm_addr_array, count, U32),
    FLURM_FLD_SUBN(struct flurm_addr_array, addrs, ARR, flurm_rec_addr, count),
};
FLURM_RECORD(flurm_rec_addr_array, struct flurm_addr_array, addr_array_fields);

#define MC struct flurm_multi_core
static const struct flurm_field multi_core_fields[] = {
    FLURM_FLD(MC, boards_per_node, U16),   FLURM_FLD(MC, sockets_per_board, U16),
    FLURM_FLD(MC, sockets_per_node, U16),  FLURM_FLD(MC, cores_per_socket, U16),
    FLURM_FLD(MC, threads_per_core, U16),  FLURM_FLD(MC, ntasks_per_board, U16),
    FLURM_FLD(MC, ntasks_per_socket, U16), FLURM_FLD(MC, ntasks_per_core, U16),
    FLURM_FLD(MC, plane_size, U16),
};
FLURM_RECORD(flurm_rec_multi_core, struct flurm_multi_core, multi_core_fields);

#define CRON struct flurm_cron_entry
static const struct flurm_field cron_entry_fields[] = {
    FLURM_FLD(CRON, flags, U32),         FLURM_FLD(CRON, minute, BITS),
    FLURM_FLD(CRON, hour, BITS),         FLURM_FLD(CRON, day_of_month, BITS),
    FLURM_FLD(CRON, month, BITS),        FLURM_FLD(CRON, day_of_week, BITS),
    FLURM_FLD(CRON, cronspec, STR),      FLURM_FLD(CRON, line_start, U32),
    FLURM_FLD(CRON, line_end, U32),
};
FLURM_RECORD(flurm_rec_cron_entry, struct flurm_cron_entry, cron_entry_fields);

/* ---- job_desc ------------------------------------------------------------------- */

#define JD struct flurm_job_desc

static const struct flurm_field job_desc_fields[] = {
    FLURM_FLD(JD, site_factor, U32),
    FLURM_FLD(JD, batch_features, STR),
    FLURM_FLD(JD, cluster_features, STR),
    FLURM_FLD(JD, clusters, STR),
    FLURM_FLD(JD, contiguous, U16),
    FLURM_FLD(JD, container, STR),
    FLURM_FLD_V(JD, container_id, STR, V23_02, 0),
    FLURM_FLD(JD, core_spec, U16),
    FLURM_FLD(JD, task_dist, U32),
    FLURM_FLD(JD, kill_on_node_fail, U16),
    FLURM_FLD(JD, features, STR),
    FLURM_FLD(JD, fed_siblings_active, U64),
    FLURM_FLD(JD, fed_siblings_viable, U64),
    FLURM_FLD(JD, job_id, U32),
    FLURM_FLD(JD, job_id_str, STR),
    FLURM_FLD(JD, name, STR),
    FLURM_FLD(JD, alloc_node, STR),
    FLURM_FLD(JD, alloc_sid, U32),
    FLURM_FLD(JD, array_inx, STR),
    FLURM_FLD(JD, burst_buffer, STR),
    FLURM_FLD(JD, pn_min_cpus, U16),
    FLURM_FLD(JD, pn_min_memory, U64),
    FLURM_FLD(JD, pn_min_tmp_disk, U32),
    FLURM_FLD(JD, power_flags, U8),
    FLURM_FLD(JD, prefer, STR),
    FLURM_FLD(JD, cpu_freq_min, U32),
    FLURM_FLD(JD, cpu_freq_max, U32),
    FLURM_FLD(JD, cpu_freq_gov, U32),
    FLURM_FLD(JD, partition, STR),
    FLURM_FLD(JD, priority, U32),
    FLURM_FLD(JD, dependency, STR),
    FLURM_FLD(JD, account, STR),
    FLURM_FLD(JD, admin_comment, STR),
    FLURM_FLD(JD, comment, STR),
    FLURM_FLD(JD, nice, U32),
    FLURM_FLD(JD, profile, U32),
    FLURM_FLD(JD, qos, STR),
    FLURM_FLD(JD, mcs_label, STR),
    FLURM_FLD(JD, origin_cluster, STR),
    FLURM_FLD(JD, open_mode, U8),
    FLURM_FLD(JD, overcommit, U8),
    FLURM_FLD(JD, acctg_freq, STR),
    FLURM_FLD(JD, num_tasks, U32),
    FLURM_FLD(JD, req_context, STR),
    FLURM_FLD(JD, req_nodes, STR),
    FLURM_FLD(JD, exc_nodes, STR),
    FLURM_FLD_N(JD, environment, STRA, env_size),
    FLURM_FLD_N(JD, spank_job_env, STRA, spank_job_env_size),
    FLURM_FLD(JD, script, STR),
    FLURM_FLD_N(JD, argv, STRA, argc),
    FLURM_FLD(JD, std_err, STR),
    FLURM_FLD(JD, std_in, STR),
    FLURM_FLD(JD, std_out, STR),
    FLURM_FLD(JD, submit_line, STR),
    FLURM_FLD(JD, work_dir, STR),
    FLURM_FLD(JD, immediate, U16),
    FLURM_FLD(JD, reboot, U16),
    FLURM_FLD(JD, requeue, U16),
    FLURM_FLD(JD, shared, U16),
    FLURM_FLD(JD, cpus_per_task, U16),
    FLURM_FLD(JD, ntasks_per_node, U16),
    FLURM_FLD(JD, ntasks_per_board, U16),
    FLURM_FLD(JD, ntasks_per_socket, U16),
    FLURM_FLD(JD, ntasks_per_core, U16),
    FLURM_FLD(JD, ntasks_per_tres, U16),
    FLURM_FLD(JD, plane_size, U16),
    FLURM_FLD(JD, cpu_bind_type, U16),
    FLURM_FLD(JD, mem_bind_type, U16),
    FLURM_FLD(JD, cpu_bind, STR),
    FLURM_FLD(JD, mem_bind, STR),
    FLURM_FLD(JD, time_limit, U32),
    FLURM_FLD(JD, time_min, U32),
    FLURM_FLD(JD, min_cpus, U32),
    FLURM_FLD(JD, max_cpus, U32),
    FLURM_FLD(JD, min_nodes, U32),
    FLURM_FLD(JD, max_nodes, U32),
    FLURM_FLD_V(JD, job_size_str, STR, V23_02, 0),
    FLURM_FLD(JD, boards_per_node, U16),
    FLURM_FLD(JD, sockets_per_board, U16),
    FLURM_FLD(JD, sockets_per_node, U16),
    FLURM_FLD(JD, cores_per_socket, U16),
    FLURM_FLD(JD, threads_per_core, U16),
    FLURM_FLD(JD, user_id, U32),
    FLURM_FLD(JD, group_id, U32),
    FLURM_FLD(JD, alloc_resp_port, U16),
    FLURM_FLD(JD, resp_host, STR),
    FLURM_FLD(JD, other_port, U16),
    FLURM_FLD(JD, network, STR),
    FLURM_FLD(JD, begin_time, TIME),
    FLURM_FLD(JD, end_time, TIME),
    FLURM_FLD(JD, deadline, TIME),
    FLURM_FLD(JD, licenses, STR),
    FLURM_FLD(JD, mail_type, U16),
    FLURM_FLD(JD, mail_user, STR),
    FLURM_FLD(JD, reservation, STR),
    FLURM_FLD(JD, restart_cnt, U16),
    FLURM_FLD(JD, warn_flags, U16),
    FLURM_FLD(JD, warn_signal, U16),
    FLURM_FLD(JD, warn_time, U16),
    FLURM_FLD(JD, wckey, STR),
    FLURM_FLD(JD, req_switch, U32),
    FLURM_FLD(JD, wait4switch, U32),
    FLURM_FLD_SELECT_JOBINFO(JD),
    FLURM_FLD(JD, wait_all_nodes, U16),
    FLURM_FLD(JD, bitflags, U64),
    FLURM_FLD(JD, delay_boot, U32),
    FLURM_FLD(JD, extra, STR),
    FLURM_FLD(JD, x11, U16),
    FLURM_FLD(JD, x11_magic_cookie, STR),
    FLURM_FLD(JD, x11_target, STR),
    FLURM_FLD(JD, x11_target_port, U16),
    FLURM_FLD(JD, cpus_per_tres, STR),
    FLURM_FLD(JD, mem_per_tres, STR),
    FLURM_FLD(JD, tres_bind, STR),
    FLURM_FLD(JD, tres_freq, STR),
    FLURM_FLD(JD, tres_per_job, STR),
    FLURM_FLD(JD, tres_per_node, STR),
    FLURM_FLD(JD, tres_per_socket, STR),
    FLURM_FLD(JD, tres_per_task, STR),
    FLURM_FLD_OPTIONAL(JD, crontab_entry, OPT8, flurm_rec_cron_entry, 1),
};
FLURM_RECORD(flurm_rec_job_desc, struct flurm_job_desc, job_desc_fields);

/* ---- RESPONSE_JOB_INFO ---------------------------------------------------------- */

#define JR struct flurm_job_resources
static const struct flurm_field job_resources_fields[] = {
    FLURM_FLD(JR, nhosts, U32),
    FLURM_FLD(JR, ncpus, U32),
    FLURM_FLD(JR, node_req, U32),
    FLURM_FLD(JR, nodes, STR),
    FLURM_FLD(JR, whole_node, U8),
    FLURM_FLD(JR, threads_per_core, U16),
    FLURM_FLD(JR, cr_type, U16),
    FLURM_FLD_N(JR, cpu_array_reps, U32A, cpu_array_cnt),
    FLURM_FLD_N(JR, cpu_array_value, U16A, cpu_array_cnt),
    FLURM_FLD_N(JR, cpus, U16A, nhosts),
    FLURM_FLD_N(JR, cpus_used, U16A, cpus_used_cnt),
    FLURM_FLD_N(JR, memory_allocated, U64A, memory_allocated_cnt),
    FLURM_FLD_N(JR, memory_used, U64A, memory_used_cnt),
    FLURM_FLD_N(JR, sockets_per_node, U16A, sockets_per_node_cnt),
    FLURM_FLD_N(JR, cores_per_socket, U16A, cores_per_socket_cnt),
    FLURM_FLD_N(JR, sock_core_rep_count, U32A, sock_core_rep_count_cnt),
    FLURM_FLD(JR, core_bitmap, BITS),
    FLURM_FLD(JR, core_bitmap_used, BITS),
};
FLURM_RECORD(flurm_rec_job_resources, struct flurm_job_resources, job_resources_fields);

#define JI struct flurm_job_info

static const struct flurm_field job_info_fields[] = {
    FLURM_FLD(JI, array_job_id, U32),
    FLURM_FLD(JI, array_task_id, U32),
    FLURM_FLD(JI, array_task_str, STR),
    FLURM_FLD(JI, array_max_tasks, U32),
    FLURM_FLD(JI, assoc_id, U32),
    FLURM_FLD(JI, container, STR),
    FLURM_FLD_V(JI, container_id, STR, V23_02, 0),
    FLURM_FLD(JI, delay_boot, U32),
    FLURM_FLD_V(JI, failed_node, STR, V23_02, 0),
    FLURM_FLD(JI, job_id, U32),
    FLURM_FLD(JI, user_id, U32),
    FLURM_FLD(JI, group_id, U32),
    FLURM_FLD(JI, het_job_id, U32),
    FLURM_FLD(JI, het_job_id_set, STR),
    FLURM_FLD(JI, het_job_offset, U32),
    FLURM_FLD(JI, profile, U32),
    FLURM_FLD(JI, job_state, U32),
    FLURM_FLD(JI, batch_flag, U16),
    FLURM_FLD_CUSTOM_AT(JI, state_reason, u16_before_23_02),
    FLURM_FLD(JI, power_flags, U8),
    FLURM_FLD(JI, reboot, U8),
    FLURM_FLD(JI, restart_cnt, U16),
    FLURM_FLD(JI, show_flags, U16),
    FLURM_FLD(JI, deadline, TIME),
    FLURM_FLD(JI, alloc_sid, U32),
    FLURM_FLD(JI, time_limit, U32),
    FLURM_FLD(JI, time_min, U32),
    FLURM_FLD(JI, nice, U32),
    FLURM_FLD(JI, submit_time, TIME),
    FLURM_FLD(JI, eligible_time, TIME),
    FLURM_FLD(JI, accrue_time, TIME),
    FLURM_FLD(JI, start_time, TIME),
    FLURM_FLD(JI, end_time, TIME),
    FLURM_FLD(JI, suspend_time, TIME),
    FLURM_FLD(JI, pre_sus_time, TIME),
    FLURM_FLD(JI, resize_time, TIME),
    FLURM_FLD(JI, last_sched_eval, TIME),
    FLURM_FLD(JI, preempt_time, TIME),
    FLURM_FLD(JI, priority, U32),
    FLURM_FLD(JI, billable_tres, DBL),
    FLURM_FLD(JI, cluster, STR),
    FLURM_FLD(JI, nodes, STR),
    FLURM_FLD(JI, sched_nodes, STR),
    FLURM_FLD(JI, partition, STR),
    FLURM_FLD(JI, account, STR),
    FLURM_FLD(JI, admin_comment, STR),
    FLURM_FLD(JI, site_factor, U32),
    FLURM_FLD(JI, network, STR),
    FLURM_FLD(JI, comment, STR),
    FLURM_FLD_V(JI, extra, STR, V23_02, 0),
    FLURM_FLD(JI, container_again, STR),
    FLURM_FLD(JI, batch_features, STR),
    FLURM_FLD(JI, batch_host, STR),
    FLURM_FLD(JI, burst_buffer, STR),
    FLURM_FLD(JI, burst_buffer_state, STR),
    FLURM_FLD(JI, system_comment, STR),
    FLURM_FLD(JI, qos, STR),
    FLURM_FLD(JI, preemptable_time, TIME),
    FLURM_FLD(JI, licenses, STR),
    FLURM_FLD(JI, state_desc, STR),
    FLURM_FLD(JI, resv_name, STR),
    FLURM_FLD(JI, mcs_label, STR),
    FLURM_FLD(JI, exit_code, U32),
    FLURM_FLD(JI, derived_ec, U32),
    FLURM_FLD(JI, gres_total, STR),
    /* nhosts NO_VAL where the record would start: no job_resources. */
    FLURM_FLD_OPTIONAL(JI, job_resrcs, FLURM_F_OPTIONAL_NOVAL, flurm_rec_job_resources, 0),
    FLURM_FLD_N(JI, gres_detail_str, STRA, gres_detail_cnt),
    FLURM_FLD(JI, name, STR),
    FLURM_FLD(JI, user_name, STR),
    FLURM_FLD(JI, wckey, STR),
    FLURM_FLD(JI, req_switch, U32),
    FLURM_FLD(JI, wait4switch, U32),
    FLURM_FLD(JI, alloc_node, STR),
    FLURM_FLD(JI, node_inx, BITS),
    FLURM_FLD_SELECT_JOBINFO(JI),
    FLURM_FLD(JI, features, STR),
    FLURM_FLD(JI, prefer, STR),
    FLURM_FLD(JI, cluster_features, STR),
    FLURM_FLD(JI, work_dir, STR),
    FLURM_FLD(JI, dependency, STR),
    FLURM_FLD(JI, command, STR),
    FLURM_FLD(JI, num_cpus, U32),
    FLURM_FLD(JI, max_cpus, U32),
    FLURM_FLD(JI, num_nodes, U32),
    FLURM_FLD(JI, max_nodes, U32),
    FLURM_FLD_V(JI, job_size, BITS, V23_02, 0),
    FLURM_FLD(JI, requeue, U16),
    FLURM_FLD(JI, ntasks_per_node, U16),
    FLURM_FLD(JI, ntasks_per_tres, U16),
    FLURM_FLD(JI, num_tasks, U32),
    FLURM_FLD(JI, shared, U16),
    FLURM_FLD(JI, cpu_freq_min, U32),
    FLURM_FLD(JI, cpu_freq_max, U32),
    FLURM_FLD(JI, cpu_freq_gov, U32),
    FLURM_FLD(JI, cronspec, STR),
    FLURM_FLD(JI, contiguous, U16),
    FLURM_FLD(JI, core_spec, U16),
    FLURM_FLD(JI, cpus_per_task, U16),
    FLURM_FLD(JI, pn_min_cpus, U16),
    FLURM_FLD(JI, pn_min_memory, U64),
    FLURM_FLD(JI, pn_min_tmp_disk, U32),
    FLURM_FLD(JI, req_nodes, STR),
    FLURM_FLD(JI, req_node_inx, BITS),
    FLURM_FLD(JI, exc_nodes, STR),
    FLURM_FLD(JI, exc_node_inx, BITS),
    FLURM_FLD(JI, std_err, STR),
    FLURM_FLD(JI, std_in, STR),
    FLURM_FLD(JI, std_out, STR),
    FLURM_FLD_OPTIONAL(JI, mc, OPT8, flurm_rec_multi_core, 0xff),
    FLURM_FLD(JI, bitflags, U64),
    FLURM_FLD(JI, tres_alloc_str, STR),
    FLURM_FLD(JI, tres_req_str, STR),
    FLURM_FLD(JI, start_protocol_ver, U16),
    FLURM_FLD(JI, fed_origin_str, STR),
    FLURM_FLD(JI, fed_siblings_active, U64),
    FLURM_FLD(JI, fed_siblings_active_str, STR),
    FLURM_FLD(JI, fed_siblings_viable, U64),
    FLURM_FLD(JI, fed_siblings_viable_str, STR),
    FLURM_FLD(JI, cpus_per_tres, STR),
    FLURM_FLD(JI, mem_per_tres, STR),
    FLURM_FLD(JI, tres_bind, STR),
    FLURM_FLD(JI, tres_freq, STR),
    FLURM_FLD(JI, tres_per_job, STR),
    FLURM_FLD(JI, tres_per_node, STR),
    FLURM_FLD(JI, tres_per_socket, STR),
    FLURM_FLD(JI, tres_per_task, STR),
    FLURM_FLD(JI, mail_type, U16),
    FLURM_FLD(JI, mail_user, STR),
    FLURM_FLD(JI, selinux_context, STR),
};
FLURM_RECORD(flurm_rec_job_info, struct flurm_job_info, job_info_fields);

#define JIM struct flurm_job_info_msg
static const struct flurm_field job_info_msg_fields[] = {
    FLURM_FLD(JIM, record_count, U32),
    FLURM_FLD(JIM, last_update, TIME),
    FLURM_FLD(JIM, last_backfill, TIME),
    FLURM_FLD_SUBN(JIM, jobs, ARR, flurm_rec_job_info, record_count),
};
FLURM_RECORD(flurm_rec_job_info_msg, struct flurm_job_info_msg, job_info_msg_fields);

/* ---- small job requests and replies ------------------------------------------------ */

#define JAE struct flurm_job_array_err
static const struct flurm_field job_array_err_fields[] = {
    FLURM_FLD(JAE, error_code, U32),
    FLURM_FLD(JAE, job_array_id, STR),
    FLURM_FLD_V(JAE, err_msg, STR, V23_02, 0),
};
static FLURM_RECORD(job_array_err_rec, struct flurm_job_array_err, job_array_err_fields);

#define JAR struct flurm_job_array_resp
static const struct flurm_field job_array_resp_fields[] = {
    FLURM_FLD(JAR, count, U32),
    FLURM_FLD_SUBN(JAR, errors, ARR, job_array_err_rec, count),
};
FLURM_RECORD(flurm_rec_job_array_resp, struct flurm_job_array_resp, job_array_resp_fields);

static const struct flurm_field job_alloc_info_fields[] = {
    FLURM_FLD(struct flurm_job_alloc_info, job_id, U32),
    FLURM_FLD(struct flurm_job_alloc_info, req_cluster, STR),
};
FLURM_RECORD(flurm_rec_job_alloc_info, struct flurm_job_alloc_info, job_alloc_info_fields);

static const struct flurm_field complete_job_alloc_fields[] = {
    FLURM_FLD(struct flurm_complete_job_alloc, job_id, U32),
    FLURM_FLD(struct flurm_complete_job_alloc, job_rc, U32),
};
FLURM_RECORD(flurm_rec_complete_job_alloc, struct flurm_complete_job_alloc,
             complete_job_alloc_fields);

/* ---- RESPONSE_RESOURCE_ALLOCATION ----------------------------------------------------- */

#define RA struct flurm_resource_alloc_resp

/* u8 node_addr_present; when 1, the address array, whose count must be node_cnt. */
static int ra_addr_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                        uint16_t v)
{
    const RA *ra = (const RA *)obj;

    (void)f;
    /* Addresses without the flag would be dropped silently. */
    if (ra->node_addr_present > 1 ||
        (ra->node_addr_present && ra->node_addr.count != ra->node_cnt) ||
        (!ra->node_addr_present && ra->node_addr.count))
        return flurm_record_einval();
    if (flurm_pack8(b, ra->node_addr_present) < 0)
        return -1;
    if (!ra->node_addr_present)
        return 0;
    return flurm_record_pack(&flurm_rec_addr_array, &ra->node_addr, b, v);
}

static int ra_addr_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b,
                          uint16_t v)
{
    RA *ra = (RA *)obj;

    (void)f;
    if (flurm_unpack8(b, &ra->node_addr_present) < 0)
        return -1;
    if (ra->node_addr_present == 0)
        return 0;
    if (ra->node_addr_present != 1)
        return flurm_record_bad_input(b);
    if (flurm_record_unpack(&flurm_rec_addr_array, &ra->node_addr, b, v, NULL) < 0)
        return -1;
    return ra->node_addr.count == ra->node_cnt ? 0 : flurm_record_bad_input(b);
}

static void ra_addr_free(const struct flurm_field *f, void *obj)
{
    (void)f;
    flurm_record_free(&flurm_rec_addr_array, &((RA *)obj)->node_addr);
}

static int ra_addr_to_json(const struct flurm_field *f, const void *obj, json_t *j)
{
    const RA *ra = (const RA *)obj;

    (void)f;
    if (flurm_record_json_set(j, "node_addr_present", json_integer(ra->node_addr_present)) < 0)
        return -1;
    return flurm_record_json_set(j, "node_addr", flurm_record_to_json(&flurm_rec_addr_array, &ra->node_addr));
}

static int ra_addr_from_json(const struct flurm_field *f, void *obj, const json_t *j)
{
    RA *ra = (RA *)obj;
    const json_t *v = json_object_get(j, "node_addr");
    uint32_t present = 0;

    (void)f;
    if (json_get_u32(j, "node_addr_present", &present) < 0 || present > 1)
        return flurm_record_einval();
    ra->node_addr_present = (uint8_t)present;
    if (!v || json_is_null(v))
        return 0;
    return flurm_record_from_json(&flurm_rec_addr_array, v, &ra->node_addr, NULL);
}

static const struct flurm_custom ra_addr_custom = {ra_addr_pack, ra_addr_unpack, ra_addr_free,
                                                   ra_addr_to_json, ra_addr_from_json};

#define CG struct flurm_cpu_groups
static const struct flurm_field cpu_groups_fields[] = {
    FLURM_FLD_N(CG, cpus_per_node, U16A, cpus_per_node_cnt),
    FLURM_FLD_N(CG, cpu_count_reps, U32A, cpu_count_reps_cnt),
};
FLURM_RECORD(flurm_rec_cpu_groups, struct flurm_cpu_groups, cpu_groups_fields);

static const struct flurm_field resource_alloc_resp_fields[] = {
    FLURM_FLD(RA, account, STR),
    FLURM_FLD(RA, alias_list, STR),
    FLURM_FLD(RA, batch_host, STR),
    FLURM_FLD_N(RA, environment, STRA, env_size),
    FLURM_FLD(RA, error_code, U32),
    FLURM_FLD_V(RA, gid, U32, V23_02, 0),
    FLURM_FLD_V(RA, group_name, STR, V23_02, 0),
    FLURM_FLD(RA, job_submit_user_msg, STR),
    FLURM_FLD(RA, job_id, U32),
    FLURM_FLD(RA, node_cnt, U32),
    FLURM_FLD_CUSTOM("node_addr", ra_addr_custom),
    FLURM_FLD(RA, node_list, STR),
    FLURM_FLD(RA, ntasks_per_board, U16),
    FLURM_FLD(RA, ntasks_per_core, U16),
    FLURM_FLD(RA, ntasks_per_tres, U16),
    FLURM_FLD(RA, ntasks_per_socket, U16),
    FLURM_FLD(RA, num_cpu_groups, U32),
    FLURM_FLD_GATED(RA, cpu_groups, COUNTED, flurm_rec_cpu_groups, num_cpu_groups),
    FLURM_FLD(RA, partition, STR),
    FLURM_FLD(RA, pn_min_memory, U64),
    FLURM_FLD(RA, qos, STR),
    FLURM_FLD(RA, resv_name, STR),
    FLURM_FLD_SELECT_JOBINFO(RA),
    FLURM_FLD_V(RA, tres_per_node, STR, V23_02, 0),
    FLURM_FLD_V(RA, uid, U32, V23_02, 0),
    FLURM_FLD_V(RA, user_name, STR, V23_02, 0),
    /* A federation cluster record would follow a u8 1; FLURM never sends one
     * and cannot decode one. */
    FLURM_FLD_CONST8("working_cluster_rec", 0),
};
FLURM_RECORD(flurm_rec_resource_alloc_resp, struct flurm_resource_alloc_resp,
             resource_alloc_resp_fields);

/* ---- REQUEST_JOB_STEP_CREATE ------------------------------------------------------------ */

#define SCQ struct flurm_step_create_req
static const struct flurm_field step_create_req_fields[] = {
    FLURM_FLD_SUB(SCQ, step_id, REC, flurm_rec_step_id),
    FLURM_FLD_V(SCQ, array_task_id, U32, V23_02, 0),
    FLURM_FLD(SCQ, user_id, U32),
    FLURM_FLD(SCQ, min_nodes, U32),
    FLURM_FLD(SCQ, max_nodes, U32),
    FLURM_FLD(SCQ, container, STR),
    FLURM_FLD_V(SCQ, container_id, STR, V23_02, 0),
    FLURM_FLD(SCQ, cpu_count, U32),
    FLURM_FLD(SCQ, cpu_freq_min, U32),
    FLURM_FLD(SCQ, cpu_freq_max, U32),
    FLURM_FLD(SCQ, cpu_freq_gov, U32),
    FLURM_FLD(SCQ, num_tasks, U32),
    FLURM_FLD(SCQ, pn_min_memory, U64),
    FLURM_FLD(SCQ, time_limit, U32),
    FLURM_FLD(SCQ, threads_per_core, U16),
    FLURM_FLD_V(SCQ, ntasks_per_core, U16, V23_02, 0),
    FLURM_FLD(SCQ, relative, U16),
    FLURM_FLD(SCQ, task_dist, U32),
    FLURM_FLD(SCQ, plane_size, U16),
    FLURM_FLD(SCQ, port, U16),
    FLURM_FLD(SCQ, immediate, U16),
    FLURM_FLD(SCQ, resv_port_cnt, U16),
    FLURM_FLD(SCQ, srun_pid, U32),
    FLURM_FLD(SCQ, flags, U32),
    FLURM_FLD(SCQ, host, STR),
    FLURM_FLD(SCQ, name, STR),
    FLURM_FLD(SCQ, network, STR),
    FLURM_FLD(SCQ, node_list, STR),
    FLURM_FLD(SCQ, exc_nodes, STR),
    FLURM_FLD(SCQ, features, STR),
    FLURM_FLD(SCQ, step_het_comp_cnt, U32),
    FLURM_FLD(SCQ, step_het_grps, STR),
    FLURM_FLD(SCQ, cpus_per_tres, STR),
    FLURM_FLD(SCQ, mem_per_tres, STR),
    FLURM_FLD(SCQ, ntasks_per_tres, U16),
    FLURM_FLD(SCQ, submit_line, STR),
    FLURM_FLD(SCQ, tres_bind, STR),
    FLURM_FLD(SCQ, tres_freq, STR),
    FLURM_FLD(SCQ, tres_per_step, STR),
    FLURM_FLD(SCQ, tres_per_node, STR),
    FLURM_FLD(SCQ, tres_per_socket, STR),
    FLURM_FLD(SCQ, tres_per_task, STR),
};
FLURM_RECORD(flurm_rec_step_create_req, struct flurm_step_create_req, step_create_req_fields);

/* ---- step layout ------------------------------------------------------------------------ */

static const struct flurm_field task_ids_fields[] = {
    FLURM_FLD_N(struct flurm_task_ids, tids, U32A, count),
};
static FLURM_RECORD(task_ids_rec, struct flurm_task_ids, task_ids_fields);

#define SL struct flurm_step_layout
static const struct flurm_field step_layout_fields[] = {
    FLURM_FLD(SL, front_end, STR),
    FLURM_FLD(SL, node_list, STR),
    FLURM_FLD(SL, node_cnt, U32),
    FLURM_FLD(SL, start_protocol_ver, U16),
    FLURM_FLD(SL, task_cnt, U32),
    FLURM_FLD(SL, task_dist, U32),
    FLURM_FLD_SUBN(SL, tasks, ARR, task_ids_rec, node_cnt),
    FLURM_FLD_NV(SL, cpt_compact_array, U16A, cpt_compact_array_cnt, V23_11, 0),
    FLURM_FLD_NV(SL, cpt_compact_reps, U32A, cpt_compact_reps_cnt, V23_11, 0),
    FLURM_FLD_V(SL, net_cred, STR, V23_11, 0),
};
FLURM_RECORD(flurm_rec_step_layout, struct flurm_step_layout, step_layout_fields);

/* ---- the job credential ---------------------------------------------------------------- */

#define CRED struct flurm_job_cred

#define CCA struct flurm_cred_core_arrays
static const struct flurm_field cred_core_arrays_fields[] = {
    FLURM_FLD_N(CCA, cores_per_socket, U16A, cores_per_socket_cnt),
    FLURM_FLD_N(CCA, sockets_per_node, U16A, sockets_per_node_cnt),
    FLURM_FLD_N(CCA, sock_core_rep_count, U32A, sock_core_rep_count_cnt),
};
static FLURM_RECORD(cred_core_arrays_rec, struct flurm_cred_core_arrays,
                    cred_core_arrays_fields);

#define CCP struct flurm_cred_cpu_arrays
static const struct flurm_field cred_cpu_arrays_fields[] = {
    FLURM_FLD_N(CCP, cpu_array, U16A, cpu_array_cnt),
    FLURM_FLD_N(CCP, cpu_array_reps, U32A, cpu_array_reps_cnt),
};
static FLURM_RECORD(cred_cpu_arrays_rec, struct flurm_cred_cpu_arrays, cred_cpu_arrays_fields);

#define CMA struct flurm_cred_mem_arrays
static const struct flurm_field cred_mem_arrays_fields[] = {
    FLURM_FLD_N(CMA, mem_alloc, U64A, mem_alloc_cnt),
    FLURM_FLD_N(CMA, rep_count, U32A, rep_count_cnt),
};
static FLURM_RECORD(cred_mem_arrays_rec, struct flurm_cred_mem_arrays, cred_mem_arrays_fields);

static const struct flurm_field job_cred_fields[] = {
    FLURM_FLD_SUB(CRED, step_id, REC, flurm_rec_step_id),
    FLURM_FLD(CRED, uid, U32),
    FLURM_FLD(CRED, gid, U32),
    FLURM_FLD(CRED, pw_name, STR),
    FLURM_FLD(CRED, pw_gecos, STR),
    FLURM_FLD(CRED, pw_dir, STR),
    FLURM_FLD(CRED, pw_shell, STR),
    FLURM_FLD_N(CRED, gids, U32A, gids_cnt),
    FLURM_FLD_N(CRED, gr_names, STRA, gr_names_cnt),
    FLURM_FLD_CUSTOM_AT(CRED, job_gres, gres_job_state),
    FLURM_FLD_CUSTOM_AT(CRED, step_gres, gres_step_state),
    FLURM_FLD(CRED, job_core_spec, U16),
    FLURM_FLD(CRED, job_account, STR),
    FLURM_FLD_SUBV(CRED, job_node_addrs, REC, flurm_rec_addr_array, V23_11, 0),
    FLURM_FLD(CRED, job_alias_list, STR),
    FLURM_FLD(CRED, job_comment, STR),
    FLURM_FLD(CRED, job_constraints, STR),
    FLURM_FLD_V(CRED, job_end_time, TIME, V23_02, 0),
    FLURM_FLD_V(CRED, job_extra, STR, V23_02, 0),
    FLURM_FLD_V(CRED, job_oversubscribe, U16, V23_02, 0),
    FLURM_FLD(CRED, job_partition, STR),
    FLURM_FLD(CRED, job_reservation, STR),
    FLURM_FLD(CRED, job_restart_cnt, U16),
    FLURM_FLD_V(CRED, job_start_time, TIME, V23_02, 0),
    FLURM_FLD(CRED, job_std_err, STR),
    FLURM_FLD(CRED, job_std_in, STR),
    FLURM_FLD(CRED, job_std_out, STR),
    FLURM_FLD(CRED, step_hostlist, STR),
    FLURM_FLD(CRED, x11, U16),
    FLURM_FLD(CRED, ctime, TIME),
    FLURM_FLD(CRED, tot_core_cnt, U32),
    FLURM_FLD(CRED, job_core_bitmap, BITS),
    FLURM_FLD(CRED, step_core_bitmap, BITS),
    FLURM_FLD(CRED, core_array_size, U16),
    FLURM_FLD_GATED(CRED, core_arrays, COUNTED, cred_core_arrays_rec, core_array_size),
    FLURM_FLD(CRED, cpu_array_count, U32),
    FLURM_FLD_GATED(CRED, cpu_arrays, COUNTED, cred_cpu_arrays_rec, cpu_array_count),
    FLURM_FLD(CRED, job_nhosts, U32),
    FLURM_FLD(CRED, job_ntasks, U32),
    FLURM_FLD(CRED, job_hostlist, STR),
    FLURM_FLD_V(CRED, job_licenses, STR, V23_02, 0),
    FLURM_FLD(CRED, job_mem_alloc_size, U32),
    FLURM_FLD_GATED(CRED, job_mem, COUNTED, cred_mem_arrays_rec, job_mem_alloc_size),
    FLURM_FLD(CRED, step_mem_alloc_size, U32),
    FLURM_FLD_GATED(CRED, step_mem, COUNTED, cred_mem_arrays_rec, step_mem_alloc_size),
    FLURM_FLD(CRED, selinux_context, STR),
};
FLURM_RECORD(flurm_rec_job_cred, struct flurm_job_cred, job_cred_fields);

/* ---- the signed credential -------------------------------------------------------------
 *
 * On the wire: the credential's fields, then `mem signature`.  The signature
 * covers the field bytes exactly as sent, so decoding keeps them in raw
 * besides filling body, and encoding sends raw when it is set (see struct
 * flurm_signed_cred in rec_job.h). */

#define SC struct flurm_signed_cred

/* The JSON and free form: all three members. */
static const struct flurm_field signed_cred_parts_fields[] = {
    FLURM_FLD_SUB(SC, body, REC, flurm_rec_job_cred),
    FLURM_FLD_N(SC, raw, MEM, raw_len),
    FLURM_FLD_N(SC, signature, MEM, siglen),
};
static FLURM_RECORD(signed_cred_parts, SC, signed_cred_parts_fields);

static int signed_cred_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                            uint16_t v)
{
    const SC *c = (const SC *)FLURM_CAT(obj, f->off);

    if (c->raw) {
        if (flurm_pack_raw(b, c->raw, c->raw_len) < 0)
            return -1;
    } else if (flurm_record_pack(&flurm_rec_job_cred, &c->body, b, v) < 0) {
        return -1;
    }
    return flurm_packmem(b, c->signature, c->siglen);
}

static int signed_cred_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b,
                              uint16_t v)
{
    SC *c = (SC *)FLURM_AT(obj, f->off);
    size_t start = flurm_buf_offset(b);
    size_t len;

    if (flurm_record_unpack(&flurm_rec_job_cred, &c->body, b, v, NULL) < 0)
        return -1;
    len = flurm_buf_offset(b) - start;
    if (!(c->raw = malloc(len ? len : 1)))
        return -1;
    memcpy(c->raw, flurm_buf_data(b) + start, len);
    c->raw_len = (uint32_t)len;
    return flurm_unpackmem(b, &c->signature, &c->siglen);
}

static const struct flurm_custom signed_cred_wire = {signed_cred_pack, signed_cred_unpack, NULL,
                                                     NULL, NULL};

static const struct flurm_field signed_job_cred_fields[] = {
    {.name = "cred", .type = FLURM_F_INLINE, .sub = &signed_cred_parts,
     .custom = &signed_cred_wire},
};
FLURM_RECORD(flurm_rec_signed_job_cred, SC, signed_job_cred_fields);

/* ---- RESPONSE_JOB_STEP_CREATE --------------------------------------------------------- */

#define SCR struct flurm_step_create_resp

static const struct flurm_field step_create_resp_fields[] = {
    FLURM_FLD(SCR, def_cpu_bind_type, U32),
    FLURM_FLD(SCR, resv_ports, STR),
    FLURM_FLD_V(SCR, job_id, U32, V23_02, 0),
    FLURM_FLD(SCR, job_step_id, U32),
    FLURM_FLD_OPTIONAL(SCR, step_layout, FLURM_F_OPTIONAL16, flurm_rec_step_layout, 1),
    FLURM_FLD_SUB(SCR, cred, REC, flurm_rec_signed_job_cred),
    FLURM_FLD_SELECT_JOBINFO(SCR),
    /* 23.11 clients without a switch plugin neither send nor expect the id. */
    FLURM_FLD_CUSTOM_V(SCR, switch_plugin_id, switch_jobinfo, 0, V23_11),
    FLURM_FLD(SCR, use_protocol_ver, U16),
};
FLURM_RECORD(flurm_rec_step_create_resp, struct flurm_step_create_resp, step_create_resp_fields);

/* ---- REQUEST_STEP_COMPLETE ------------------------------------------------------------------ */

#define TR struct flurm_tres_rec
static const struct flurm_field tres_rec_fields[] = {
    FLURM_FLD(TR, alloc_secs, U64), FLURM_FLD(TR, count, U64), FLURM_FLD(TR, id, U32),
    FLURM_FLD(TR, name, STR),       FLURM_FLD(TR, type, STR),
};
FLURM_RECORD(flurm_rec_tres_rec, struct flurm_tres_rec, tres_rec_fields);

#define JA struct flurm_jobacct
static const struct flurm_field jobacct_fields[] = {
    FLURM_FLD(JA, user_cpu_sec, U64),
    FLURM_FLD(JA, user_cpu_usec, U32),
    FLURM_FLD(JA, sys_cpu_sec, U64),
    FLURM_FLD(JA, sys_cpu_usec, U32),
    FLURM_FLD(JA, act_cpufreq, U32),
    FLURM_FLD(JA, consumed_energy, U64),
    FLURM_FLD_N(JA, tres_ids, U32A, tres_ids_cnt),
    FLURM_FLD_SUBN(JA, tres_list, LIST, flurm_rec_tres_rec, tres_list_cnt),
    FLURM_FLD_N(JA, usage_in_max, U64A, usage_in_max_cnt),
    FLURM_FLD_N(JA, usage_in_max_nodeid, U64A, usage_in_max_nodeid_cnt),
    FLURM_FLD_N(JA, usage_in_max_taskid, U64A, usage_in_max_taskid_cnt),
    FLURM_FLD_N(JA, usage_in_min, U64A, usage_in_min_cnt),
    FLURM_FLD_N(JA, usage_in_min_nodeid, U64A, usage_in_min_nodeid_cnt),
    FLURM_FLD_N(JA, usage_in_min_taskid, U64A, usage_in_min_taskid_cnt),
    FLURM_FLD_N(JA, usage_in_tot, U64A, usage_in_tot_cnt),
    FLURM_FLD_N(JA, usage_out_max, U64A, usage_out_max_cnt),
    FLURM_FLD_N(JA, usage_out_max_nodeid, U64A, usage_out_max_nodeid_cnt),
    FLURM_FLD_N(JA, usage_out_max_taskid, U64A, usage_out_max_taskid_cnt),
    FLURM_FLD_N(JA, usage_out_min, U64A, usage_out_min_cnt),
    FLURM_FLD_N(JA, usage_out_min_nodeid, U64A, usage_out_min_nodeid_cnt),
    FLURM_FLD_N(JA, usage_out_min_taskid, U64A, usage_out_min_taskid_cnt),
    FLURM_FLD_N(JA, usage_out_tot, U64A, usage_out_tot_cnt),
};
FLURM_RECORD(flurm_rec_jobacct, struct flurm_jobacct, jobacct_fields);

#define SCM struct flurm_step_complete
static const struct flurm_field step_complete_fields[] = {
    FLURM_FLD_SUB(SCM, step_id, REC, flurm_rec_step_id),
    FLURM_FLD(SCM, range_first, U32),
    FLURM_FLD(SCM, range_last, U32),
    FLURM_FLD(SCM, step_rc, U32),
    FLURM_FLD_OPTIONAL(SCM, jobacct, OPT8, flurm_rec_jobacct, 1),
};
FLURM_RECORD(flurm_rec_step_complete, struct flurm_step_complete, step_complete_fields);

/* ---- REQUEST_JOB_STEP_INFO / RESPONSE_JOB_STEP_INFO ----------------------------------------- */

#define SIQ struct flurm_job_step_info_req
static const struct flurm_field job_step_info_req_fields[] = {
    FLURM_FLD(SIQ, last_update, TIME),
    FLURM_FLD_SUB(SIQ, step_id, REC, flurm_rec_step_id),
    FLURM_FLD(SIQ, show_flags, U16),
};
FLURM_RECORD(flurm_rec_job_step_info_req, struct flurm_job_step_info_req,
             job_step_info_req_fields);

#define SI struct flurm_job_step_info
static const struct flurm_field job_step_info_fields[] = {
    FLURM_FLD(SI, array_job_id, U32),
    FLURM_FLD(SI, array_task_id, U32),
    FLURM_FLD_SUB(SI, step_id, REC, flurm_rec_step_id),
    FLURM_FLD(SI, user_id, U32),
    FLURM_FLD(SI, num_cpus, U32),
    FLURM_FLD(SI, cpu_freq_min, U32),
    FLURM_FLD(SI, cpu_freq_max, U32),
    FLURM_FLD(SI, cpu_freq_gov, U32),
    FLURM_FLD(SI, num_tasks, U32),
    FLURM_FLD(SI, task_dist, U32),
    FLURM_FLD(SI, time_limit, U32),
    FLURM_FLD(SI, state, U32),
    FLURM_FLD(SI, srun_pid, U32),
    FLURM_FLD(SI, start_time, TIME),
    FLURM_FLD(SI, run_time, TIME),
    FLURM_FLD(SI, cluster, STR),
    FLURM_FLD(SI, container, STR),
    FLURM_FLD_V(SI, container_id, STR, V23_02, 0),
    FLURM_FLD(SI, partition, STR),
    FLURM_FLD(SI, srun_host, STR),
    FLURM_FLD(SI, resv_ports, STR),
    FLURM_FLD(SI, nodes, STR),
    FLURM_FLD(SI, name, STR),
    FLURM_FLD(SI, network, STR),
    FLURM_FLD(SI, node_inx, BITS),
    FLURM_FLD_SELECT_JOBINFO(SI),
    FLURM_FLD(SI, tres_alloc_str, STR),
    FLURM_FLD(SI, start_protocol_ver, U16),
    FLURM_FLD(SI, cpus_per_tres, STR),
    FLURM_FLD(SI, mem_per_tres, STR),
    FLURM_FLD(SI, submit_line, STR),
    FLURM_FLD(SI, tres_bind, STR),
    FLURM_FLD(SI, tres_freq, STR),
    FLURM_FLD(SI, tres_per_step, STR),
    FLURM_FLD(SI, tres_per_node, STR),
    FLURM_FLD(SI, tres_per_socket, STR),
    FLURM_FLD(SI, tres_per_task, STR),
};
FLURM_RECORD(flurm_rec_job_step_info, struct flurm_job_step_info, job_step_info_fields);

#define SIM struct flurm_job_step_info_msg
static const struct flurm_field job_step_info_msg_fields[] = {
    FLURM_FLD(SIM, step_count, U32),
    FLURM_FLD(SIM, last_update, TIME),
    FLURM_FLD_SUBN(SIM, steps, ARR, flurm_rec_job_step_info, step_count),
};
FLURM_RECORD(flurm_rec_job_step_info_msg, struct flurm_job_step_info_msg,
             job_step_info_msg_fields);

/* ---- controller -> salloc/srun pushes ------------------------------------------------------ */

static const struct flurm_field srun_timeout_fields[] = {
    FLURM_FLD_SUB(struct flurm_srun_timeout, step_id, REC, flurm_rec_step_id),
    FLURM_FLD(struct flurm_srun_timeout, timeout, TIME),
};
FLURM_RECORD(flurm_rec_srun_timeout, struct flurm_srun_timeout, srun_timeout_fields);

static const struct flurm_field srun_node_fail_fields[] = {
    FLURM_FLD_SUB(struct flurm_srun_node_fail, step_id, REC, flurm_rec_step_id),
    FLURM_FLD(struct flurm_srun_node_fail, nodelist, STR),
};
FLURM_RECORD(flurm_rec_srun_node_fail, struct flurm_srun_node_fail, srun_node_fail_fields);

static const struct flurm_field srun_user_msg_fields[] = {
    FLURM_FLD(struct flurm_srun_user_msg, job_id, U32),
    FLURM_FLD(struct flurm_srun_user_msg, msg, STR),
};
FLURM_RECORD(flurm_rec_srun_user_msg, struct flurm_srun_user_msg, srun_user_msg_fields);

/* ---- registry ------------------------------------------------------------------------------ */

static const struct flurm_msg_body job_bodies[] = {
    FLURM_MSG_BODY(FLURM_REQUEST_SUBMIT_BATCH_JOB, flurm_rec_job_desc),
    FLURM_MSG_BODY(FLURM_REQUEST_RESOURCE_ALLOCATION, flurm_rec_job_desc),
    FLURM_MSG_BODY(FLURM_REQUEST_JOB_WILL_RUN, flurm_rec_job_desc),
    FLURM_MSG_BODY(FLURM_REQUEST_UPDATE_JOB, flurm_rec_job_desc),
    FLURM_MSG_BODY(FLURM_RESPONSE_JOB_INFO, flurm_rec_job_info_msg),
    FLURM_MSG_BODY(FLURM_RESPONSE_JOB_ARRAY_ERRORS, flurm_rec_job_array_resp),
    FLURM_MSG_BODY(FLURM_REQUEST_JOB_ALLOCATION_INFO, flurm_rec_job_alloc_info),
    FLURM_MSG_BODY(FLURM_RESPONSE_RESOURCE_ALLOCATION, flurm_rec_resource_alloc_resp),
    FLURM_MSG_BODY(FLURM_RESPONSE_JOB_ALLOCATION_INFO, flurm_rec_resource_alloc_resp),
    FLURM_MSG_BODY(FLURM_REQUEST_COMPLETE_JOB_ALLOCATION, flurm_rec_complete_job_alloc),
    FLURM_MSG_BODY(FLURM_REQUEST_JOB_STEP_CREATE, flurm_rec_step_create_req),
    FLURM_MSG_BODY(FLURM_RESPONSE_JOB_STEP_CREATE, flurm_rec_step_create_resp),
    FLURM_MSG_BODY(FLURM_REQUEST_STEP_COMPLETE, flurm_rec_step_complete),
    FLURM_MSG_BODY(FLURM_REQUEST_JOB_STEP_INFO, flurm_rec_job_step_info_req),
    FLURM_MSG_BODY(FLURM_RESPONSE_JOB_STEP_INFO, flurm_rec_job_step_info_msg),
    FLURM_MSG_BODY(FLURM_SRUN_TIMEOUT, flurm_rec_srun_timeout),
    FLURM_MSG_BODY(FLURM_SRUN_NODE_FAIL, flurm_rec_srun_node_fail),
    FLURM_MSG_BODY(FLURM_SRUN_JOB_COMPLETE, flurm_rec_step_id),
    FLURM_MSG_BODY(FLURM_SRUN_USER_MSG, flurm_rec_srun_user_msg),
};
FLURM_MSG_BODIES(flurm_rec_job_bodies, job_bodies);
