/*
 * test_rec_slurmd.c - the controller <-> slurmd records (wire/rec_slurmd.h)
 * against real SLURM 22.05 traffic between slurmctld and slurmd: each body
 * decodes completely and re-encodes byte for byte, survives a JSON round
 * trip, refuses every truncation, and decodes to what the captured run did
 * (job ids, script, node "vm", the TRES list ...), so a shifted field fails
 * here.  The 23.02 / 23.11 layouts are checked with hand-built records.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test/wire/rectest.h"
#include "wire/rec_slurmd.h"

/* ---- node registration ------------------------------------------------------------ */

static void check_vm_registration(const struct flurm_node_registration *r)
{
    ck_assert_int_gt(r->timestamp, 1700000000);
    ck_assert_int_ge(r->timestamp, r->slurmd_start_time);
    ck_assert_uint_eq(r->status, 0);
    ck_assert_ptr_null(r->features_active);
    ck_assert_str_eq(r->hostname, "vm");
    ck_assert_str_eq(r->node_name, "vm");
    ck_assert_str_eq(r->arch, "x86_64");
    ck_assert_ptr_null(r->cpu_spec_list);
    ck_assert_str_eq(r->os, "Linux 6.18.44-fc-v669 #1 SMP PREEMPT_DYNAMIC @0");
    ck_assert_uint_eq(r->cpus, 2);
    ck_assert_uint_eq(r->boards, 1);
    ck_assert_uint_eq(r->sockets, 1);
    ck_assert_uint_eq(r->cores, 2);
    ck_assert_uint_eq(r->threads, 1);
    ck_assert_uint_eq(r->real_memory, 24105);
    ck_assert_uint_eq(r->tmp_disk, 258019);
    ck_assert_uint_eq(r->hash_val, 1436366397); /* HASH_VAL = Match with the config */
    ck_assert_uint_eq(r->flags, FLURM_SLURMD_REG_FLAG_RESP);
    ck_assert_uint_eq(r->gres_info_size, 4);
    ck_assert_uint_eq(r->gres_info.len, 4);
    ck_assert_uint_eq(r->energy.consumed_energy, 0);
    ck_assert_str_eq(r->version, "22.05.8");
    ck_assert_uint_eq(r->dynamic_type, 0);
    ck_assert_ptr_null(r->dynamic_conf);
}

START_TEST(node_registration_captures)
{
    struct flurm_node_registration r;

    decode_capture(&flurm_rec_node_registration,
                   "slurmd_startup/001-c2s-MESSAGE_NODE_REGISTRATION_STATUS.hex",
                   FLURM_MESSAGE_NODE_REGISTRATION_STATUS, &r);
    check_vm_registration(&r);
    ck_assert_uint_eq(r.job_count, 0);
    ck_assert_uint_eq(r.up_time, 1167);
    ck_assert_uint_eq(r.cpu_load, 160);
    ck_assert_uint_eq(r.free_mem, 23329);
    flurm_record_free(&flurm_rec_node_registration, &r);

    decode_capture(&flurm_rec_node_registration,
                   "slurmctld_startup/003-c2s-MESSAGE_NODE_REGISTRATION_STATUS.hex",
                   FLURM_MESSAGE_NODE_REGISTRATION_STATUS, &r);
    check_vm_registration(&r);
    ck_assert_uint_eq(r.cpu_load, 155);
    flurm_record_free(&flurm_rec_node_registration, &r);

    /* After scontrol update ... State=RESUME, with job 7's batch step running. */
    decode_capture(&flurm_rec_node_registration,
                   "scontrol_update_resume/005-c2s-MESSAGE_NODE_REGISTRATION_STATUS.hex",
                   FLURM_MESSAGE_NODE_REGISTRATION_STATUS, &r);
    check_vm_registration(&r);
    ck_assert_uint_eq(r.job_count, 1);
    ck_assert_uint_eq(r.steps[0].job_id, 7);
    ck_assert_uint_eq(r.steps[0].step_id, FLURM_STEP_BATCH_SCRIPT);
    ck_assert_uint_eq(r.steps[0].step_het_comp, FLURM_NO_VAL);
    flurm_record_free(&flurm_rec_node_registration, &r);
}
END_TEST

/* 23.11 adds extra after status and the instance strings after hostname. */
START_TEST(node_registration_23_11)
{
    struct flurm_step_id steps[2] = { { 7, 0, FLURM_NO_VAL }, { 8, FLURM_STEP_BATCH_SCRIPT, 1 } };
    uint8_t blob[3] = { 1, 2, 3 };
    struct flurm_node_registration r = {
        .status = 0, .extra = "e", .hostname = "h", .instance_id = "i", .instance_type = "t",
        .node_name = "n", .cpus = 4, .job_count = 2, .steps = steps, .flags = 2,
        .gres_info_size = 3, .gres_info = { blob, 3 }, .version = "23.11.1",
    };
    struct flurm_node_registration *c;
    struct flurm_buf *b = pack_of(&flurm_rec_node_registration, &r, FLURM_PROTO_23_11);
    /* timestamps (16), status (4), then "e", no features (2 x 4), "h", "i", "t", "n" */
    static const uint8_t after_status[] = {
        0, 0, 0, 2, 'e', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 'h', 0,
        0, 0, 0, 2, 'i', 0, 0, 0, 0, 2, 't', 0, 0, 0, 0, 2, 'n', 0,
    };
    size_t len_22, len_23;

    ck_assert_mem_eq(flurm_buf_data(b) + 20, after_status, sizeof(after_status));
    flurm_buf_destroy(b);

    c = version_round_trip(&flurm_rec_node_registration, &r, FLURM_PROTO_23_11, &len_23);
    ck_assert_str_eq(c->extra, "e");
    ck_assert_str_eq(c->instance_type, "t");
    ck_assert_uint_eq(c->steps[1].job_id, 8);
    ck_assert_uint_eq(c->steps[1].step_het_comp, 1);
    ck_assert_mem_eq(c->gres_info.data, blob, 3);
    ck_assert_str_eq(c->version, "23.11.1");
    free_copy(&flurm_rec_node_registration, c);

    c = version_round_trip(&flurm_rec_node_registration, &r, FLURM_PROTO_22_05, &len_22);
    ck_assert_ptr_null(c->extra);
    ck_assert_ptr_null(c->instance_id);
    ck_assert_str_eq(c->node_name, "n");
    free_copy(&flurm_rec_node_registration, c);
    ck_assert_uint_eq(len_23, len_22 + 6 + 6 + 6);
}
END_TEST

/* The gres blob must have exactly the size announced before it. */
START_TEST(node_registration_gres_size_must_match)
{
    uint8_t blob[3] = { 1, 2, 3 };
    struct flurm_node_registration r = { .gres_info_size = 4, .gres_info = { blob, 3 } };
    struct flurm_node_registration out;
    struct flurm_buf *b = flurm_buf_create(64);
    struct flurm_buf *v;
    size_t len;
    uint8_t *bytes;
    uint8_t *size_field;

    ck_assert_int_eq(flurm_record_pack(&flurm_rec_node_registration, &r, b, FLURM_PROTO_22_05),
                     -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_buf_destroy(b);

    r.gres_info_size = 3;
    b = pack_of(&flurm_rec_node_registration, &r, FLURM_PROTO_22_05);
    len = flurm_buf_len(b);
    bytes = malloc(len);
    memcpy(bytes, flurm_buf_data(b), len);
    size_field = memmem(bytes, len, "\0\0\0\3\0\0\0\3\1\2\3", 11);
    ck_assert_ptr_nonnull(size_field);
    size_field[3] = 2; /* announce 2 bytes, send 3 */
    v = flurm_buf_view(bytes, len);
    ck_assert_int_eq(
        flurm_record_unpack(&flurm_rec_node_registration, &out, v, FLURM_PROTO_22_05, NULL), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(v);
    flurm_buf_destroy(b);
    free(bytes);
}
END_TEST

/* ---- registration reply and ping ----------------------------------------------------- */

START_TEST(node_reg_resp_captures)
{
    static const char *const files[] = {
        "slurmd_startup/002-s2c-RESPONSE_NODE_REGISTRATION.hex",
        "slurmctld_startup/004-s2c-RESPONSE_NODE_REGISTRATION.hex",
        "scontrol_update_resume/006-s2c-RESPONSE_NODE_REGISTRATION.hex",
    };
    /* cpu=2, mem=4000, energy, node=1, billing=2, fs/disk, vmem, pages */
    static const struct {
        uint32_t id;
        uint64_t count;
        const char *type;
        const char *name;
    } want[] = {
        { 1, 2, "cpu", NULL },   { 2, 4000, "mem", NULL }, { 3, 0, "energy", NULL },
        { 4, 1, "node", NULL },  { 5, 2, "billing", NULL }, { 6, 0, "fs", "disk" },
        { 7, 0, "vmem", NULL },  { 8, 0, "pages", NULL },
    };

    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        struct flurm_node_reg_resp r;

        decode_capture(&flurm_rec_node_reg_resp, files[f], FLURM_RESPONSE_NODE_REGISTRATION, &r);
        ck_assert_uint_eq(r.tres_count, 8);
        for (size_t i = 0; i < 8; i++) {
            ck_assert_uint_eq(r.tres[i].id, want[i].id);
            ck_assert_uint_eq(r.tres[i].count, want[i].count);
            ck_assert_uint_eq(r.tres[i].alloc_secs, 0);
            ck_assert_str_eq(r.tres[i].type, want[i].type);
            if (want[i].name)
                ck_assert_str_eq(r.tres[i].name, want[i].name);
            else
                ck_assert_ptr_null(r.tres[i].name);
        }
        ck_assert_ptr_null(r.node_name);
        flurm_record_free(&flurm_rec_node_reg_resp, &r);
    }
}
END_TEST

START_TEST(ping_slurmd_resp_captures)
{
    struct flurm_ping_slurmd_resp p;

    decode_capture(&flurm_rec_ping_slurmd_resp,
                   "slurmctld_startup/002-s2c-RESPONSE_PING_SLURMD.hex",
                   FLURM_RESPONSE_PING_SLURMD, &p);
    ck_assert_uint_eq(p.cpu_load, 155);
    ck_assert_uint_eq(p.free_mem, 23369);
    decode_capture(&flurm_rec_ping_slurmd_resp,
                   "scontrol_update_resume/004-s2c-RESPONSE_PING_SLURMD.hex",
                   FLURM_RESPONSE_PING_SLURMD, &p);
    ck_assert_uint_eq(p.cpu_load, 177);
    ck_assert_uint_eq(p.free_mem, 23335);
}
END_TEST

/* ---- batch launch ----------------------------------------------------------------------- */

static void check_launch_common(const struct flurm_batch_job_launch *m, uint32_t job_id)
{
    const struct flurm_job_cred *cred = &m->cred.body;

    ck_assert_uint_eq(m->job_id, job_id);
    ck_assert_uint_eq(m->het_job_id, 0);
    ck_assert_uint_eq(m->uid, 0);
    ck_assert_uint_eq(m->gid, 0);
    ck_assert_ptr_null(m->user_name);
    ck_assert_str_eq(m->partition, "debug");
    ck_assert_uint_eq(m->cpus_per_task, 1);
    ck_assert_uint_eq(m->num_cpu_groups, 1);
    ck_assert_uint_eq(m->cpu_groups.cpus_per_node[0], 1);
    ck_assert_uint_eq(m->cpu_groups.cpu_count_reps[0], 1);
    ck_assert_str_eq(m->nodes, "vm");
    ck_assert_str_eq(m->work_dir, "/tmp/slurmlab/work");
    ck_assert_str_eq(m->std_in, "/dev/null");
    ck_assert_uint_eq(m->cred_version, FLURM_PROTO_22_05);
    ck_assert_uint_eq(m->select_plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
    ck_assert_uint_eq(m->envc, m->envc ? m->envc : 1); /* count and array agree (engine) */
    /* The credential of the batch step, unsigned. */
    ck_assert_uint_eq(cred->step_id.job_id, job_id);
    ck_assert_uint_eq(cred->step_id.step_id, FLURM_STEP_BATCH_SCRIPT);
    ck_assert_str_eq(cred->pw_name, "root");
    ck_assert_str_eq(cred->pw_dir, "/root");
    ck_assert_str_eq(cred->pw_shell, "/bin/bash");
    ck_assert_str_eq(cred->job_partition, "debug");
    ck_assert_str_eq(cred->step_hostlist, "vm");
    ck_assert_str_eq(cred->job_hostlist, "vm");
    ck_assert_uint_eq(cred->tot_core_cnt, 2);
    ck_assert_str_eq(cred->job_core_bitmap.hex, "0x1");
    ck_assert_uint_eq(cred->job_nhosts, 1);
    ck_assert_uint_eq(m->cred.siglen, 0);
    ck_assert_ptr_nonnull(m->cred.raw);
    ck_assert_ptr_null(m->tres_bind);
}

START_TEST(batch_launch_script_capture)
{
    struct flurm_batch_job_launch m;

    /* sbatch capjob.sh (#SBATCH -J capjob, --mem 100, -o capjob-%j.out) */
    decode_capture(&flurm_rec_batch_job_launch, "sbatch_script/003-c2s-REQUEST_BATCH_JOB_LAUNCH.hex",
                   FLURM_REQUEST_BATCH_JOB_LAUNCH, &m);
    check_launch_common(&m, 2);
    ck_assert_uint_eq(m.ntasks, 1);
    ck_assert_uint_eq(m.pn_min_memory, 100);
    ck_assert_uint_eq(m.job_mem, 100);
    ck_assert_uint_eq(m.array_job_id, 0);
    ck_assert_uint_eq(m.array_task_id, FLURM_NO_VAL);
    ck_assert_ptr_nonnull(strstr(m.script, "#SBATCH -J capjob"));
    ck_assert_str_eq(m.std_out, "/tmp/slurmlab/work/capjob-%j.out");
    ck_assert_uint_eq(m.argc, 1);
    ck_assert_str_eq(m.argv[0], "/tmp/slurmlab/work/capjob.sh");
    ck_assert_uint_eq(m.envc, 27);
    ck_assert_uint_eq(m.cred.body.job_mem_alloc_size, 1);
    flurm_record_free(&flurm_rec_batch_job_launch, &m);
}
END_TEST

START_TEST(batch_launch_wrap_and_array_captures)
{
    static const struct {
        const char *file;
        uint32_t job_id, array_job_id, array_task_id;
    } cases[] = {
        { "sbatch_wrap/003-c2s-REQUEST_BATCH_JOB_LAUNCH.hex", 1, 0, FLURM_NO_VAL },
        { "sbatch_array/003-c2s-REQUEST_BATCH_JOB_LAUNCH.hex", 4, 3, 1 },
        { "sbatch_array/009-c2s-REQUEST_BATCH_JOB_LAUNCH.hex", 5, 3, 2 },
        { "sbatch_array/015-c2s-REQUEST_BATCH_JOB_LAUNCH.hex", 6, 3, 3 },
        { "sbatch_array/021-c2s-REQUEST_BATCH_JOB_LAUNCH.hex", 3, 3, 4 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct flurm_batch_job_launch m;

        decode_capture(&flurm_rec_batch_job_launch, cases[i].file,
                       FLURM_REQUEST_BATCH_JOB_LAUNCH, &m);
        check_launch_common(&m, cases[i].job_id);
        ck_assert_uint_eq(m.array_job_id, cases[i].array_job_id);
        ck_assert_uint_eq(m.array_task_id, cases[i].array_task_id);
        ck_assert_uint_eq(m.argc, 0);
        ck_assert_ptr_null(m.std_out);
        /* sbatch --wrap puts the command in a generated script */
        ck_assert_ptr_nonnull(strstr(m.script, i == 0 ? "echo hi" : "echo task"));
        flurm_record_free(&flurm_rec_batch_job_launch, &m);
    }
}
END_TEST

/* 23.02 drops select_jobinfo; 23.11 drops uid, gid and user_name. */
START_TEST(batch_launch_newer_versions)
{
    uint16_t type;
    size_t len, len_23_02, len_23_11;
    uint8_t *body = load_body("sbatch_script/003-c2s-REQUEST_BATCH_JOB_LAUNCH.hex", &type, &len);
    struct flurm_batch_job_launch m;
    struct flurm_batch_job_launch *c;

    unpack_all(&flurm_rec_batch_job_launch, &m, body, len, FLURM_PROTO_22_05);
    /* A fresh credential, packed from body at each version. */
    free(m.cred.raw);
    m.cred.raw = NULL;
    m.cred.raw_len = 0;
    m.cred_version = 0;
    assert_packs_to(&flurm_rec_batch_job_launch, &m, FLURM_PROTO_22_05, body, len);

    c = version_round_trip(&flurm_rec_batch_job_launch, &m, FLURM_PROTO_23_02, &len_23_02);
    ck_assert_uint_eq(c->cred_version, FLURM_PROTO_23_02);
    ck_assert_uint_eq(c->select_plugin_id, 0);
    ck_assert_str_eq(c->cred.body.job_partition, "debug");
    ck_assert_str_eq(c->tres_freq ? c->tres_freq : "", "");
    free_copy(&flurm_rec_batch_job_launch, c);

    c = version_round_trip(&flurm_rec_batch_job_launch, &m, FLURM_PROTO_23_11, &len_23_11);
    ck_assert_str_eq(c->cred.body.pw_name, "root");
    ck_assert_uint_eq(c->array_task_id, FLURM_NO_VAL);
    free_copy(&flurm_rec_batch_job_launch, c);

    /* 23.02: - select id (4); the credential + end time (8), extra (4),
     * oversubscribe (2), start time (8), licenses (4).  23.11: - uid, gid,
     * NULL user_name (12); credential + empty node address array (4). */
    ck_assert_uint_eq(len_23_02, len - 4 + 8 + 4 + 2 + 8 + 4);
    ck_assert_uint_eq(len_23_11, len_23_02 - 12 + 4);

    flurm_record_free(&flurm_rec_batch_job_launch, &m);
    free(body);
}
END_TEST

/* The credential travels with cred_version, whatever the message's. */
START_TEST(batch_launch_cred_version)
{
    struct flurm_batch_job_launch m = {
        .job_id = 9, .cred_version = FLURM_PROTO_23_02,
        .cred = { .body = { .step_id = { 9, FLURM_STEP_BATCH_SCRIPT, FLURM_NO_VAL },
                            .job_extra = "x", .job_partition = "p" } },
    };
    struct flurm_batch_job_launch *c;

    c = version_round_trip(&flurm_rec_batch_job_launch, &m, FLURM_PROTO_22_05, NULL);
    ck_assert_uint_eq(c->cred_version, FLURM_PROTO_23_02);
    ck_assert_str_eq(c->cred.body.job_extra, "x"); /* a 23.02-only credential field */
    ck_assert_str_eq(c->cred.body.job_partition, "p");
    ck_assert_uint_eq(c->select_plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
    free_copy(&flurm_rec_batch_job_launch, c);
}
END_TEST

/* A decoded credential is re-sent as received (its signature covers those
 * bytes); without raw bytes it is packed from its fields. */
START_TEST(signed_cred_keeps_its_bytes)
{
    uint16_t type;
    size_t len;
    uint8_t *body = load_body("sbatch_script/003-c2s-REQUEST_BATCH_JOB_LAUNCH.hex", &type, &len);
    struct flurm_batch_job_launch m;
    struct flurm_buf *b;

    unpack_all(&flurm_rec_batch_job_launch, &m, body, len, FLURM_PROTO_22_05);
    free(m.cred.body.pw_name);
    m.cred.body.pw_name = strdup("someone");
    assert_packs_to(&flurm_rec_batch_job_launch, &m, FLURM_PROTO_22_05, body, len);

    free(m.cred.raw);
    m.cred.raw = NULL;
    m.cred.raw_len = 0;
    b = pack_of(&flurm_rec_batch_job_launch, &m, FLURM_PROTO_22_05);
    ck_assert_uint_eq(flurm_buf_len(b), len + 3); /* "someone" is 3 longer than "root" */
    ck_assert_ptr_nonnull(memmem(flurm_buf_data(b), flurm_buf_len(b), "someone", 8));
    flurm_buf_destroy(b);

    flurm_record_free(&flurm_rec_batch_job_launch, &m);
    free(body);
}
END_TEST

START_TEST(batch_launch_cpu_groups_must_match)
{
    uint16_t cpus[2] = { 2, 1 };
    uint32_t reps[1] = { 1 };
    struct flurm_batch_job_launch m = {
        .num_cpu_groups = 2,
        .cpu_groups = { .cpus_per_node = cpus, .cpus_per_node_cnt = 2, .cpu_count_reps = reps,
                        .cpu_count_reps_cnt = 1 },
    };
    struct flurm_buf *b = flurm_buf_create(64);

    ck_assert_int_eq(flurm_record_pack(&flurm_rec_batch_job_launch, &m, b, FLURM_PROTO_22_05),
                     -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_buf_destroy(b);

    /* No groups: neither array is on the wire. */
    m.num_cpu_groups = 0;
    m.cpu_groups.cpus_per_node_cnt = 0;
    m.cpu_groups.cpu_count_reps_cnt = 0;
    b = pack_of(&flurm_rec_batch_job_launch, &m, FLURM_PROTO_22_05);
    /* job, het, uid, gid (16), user_name (4), gids (4), partition (4), ntasks
     * (4), memory (8), 2 x u8, 2 x u32, 2 strings (8), 4 x u16 (8), then the
     * group count and directly alias_list */
    ck_assert_mem_eq(flurm_buf_data(b) + 16 + 4 + 4 + 4 + 4 + 8 + 2 + 8 + 8 + 8,
                     "\0\0\0\0\0\0\0\0", 8);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(batch_launch_unknown_select_plugin_refused)
{
    uint16_t type;
    size_t len;
    uint8_t *body = load_body("sbatch_wrap/003-c2s-REQUEST_BATCH_JOB_LAUNCH.hex", &type, &len);
    uint8_t *id;
    struct flurm_batch_job_launch m;
    struct flurm_buf *v;

    /* select_jobinfo: plugin 109, right before "account" (the NULL
     * strings) at the end */
    id = body + len - (4 + 4 + 4 + 4 + 4 + 4) - 4;
    ck_assert_mem_eq(id, "\0\0\0\x6d", 4);
    id[3] = 0x6e; /* an id whose data could not be sized */
    v = flurm_buf_view(body, len);
    ck_assert_int_eq(
        flurm_record_unpack(&flurm_rec_batch_job_launch, &m, v, FLURM_PROTO_22_05, NULL), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(v);
    free(body);
}
END_TEST

/* ---- terminate job --------------------------------------------------------------------- */

START_TEST(terminate_job_captures)
{
    static const struct {
        const char *file;
        uint32_t job_id, job_state;
    } cases[] = {
        { "sbatch_script/007-c2s-REQUEST_TERMINATE_JOB.hex", 2, 0x8003 },
        { "sbatch_wrap/007-c2s-REQUEST_TERMINATE_JOB.hex", 1, 0x8003 },
        { "sbatch_array/007-c2s-REQUEST_TERMINATE_JOB.hex", 4, 0x8003 },
        { "sbatch_array/013-c2s-REQUEST_TERMINATE_JOB.hex", 5, 0x8003 },
        { "sbatch_array/019-c2s-REQUEST_TERMINATE_JOB.hex", 6, 0x8003 },
        { "sbatch_array/025-c2s-REQUEST_TERMINATE_JOB.hex", 3, 0x8003 },
        /* scancel 7 of a running job: COMPLETING | CANCELLED */
        { "scancel_running/003-c2s-REQUEST_TERMINATE_JOB.hex", 7, 0x8004 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct flurm_terminate_job k;

        decode_capture(&flurm_rec_terminate_job, cases[i].file, FLURM_REQUEST_TERMINATE_JOB, &k);
        ck_assert_ptr_nonnull(k.cred);
        ck_assert_uint_eq(k.cred->body.step_id.job_id, cases[i].job_id);
        ck_assert_uint_eq(k.cred->body.step_id.step_id, FLURM_NO_VAL);
        ck_assert_ptr_null(k.cred->body.step_core_bitmap.hex);
        ck_assert_uint_eq(k.cred->siglen, 0);
        ck_assert_ptr_null(k.details);
        ck_assert_uint_eq(k.exit_code, 0);
        ck_assert_uint_eq(k.step_id.job_id, cases[i].job_id);
        ck_assert_uint_eq(k.step_id.step_id, FLURM_NO_VAL);
        ck_assert_uint_eq(k.job_state, cases[i].job_state);
        ck_assert_uint_eq(k.job_uid, 0);
        ck_assert_str_eq(k.nodes, "vm");
        ck_assert_uint_eq(k.select_plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
        ck_assert_uint_eq(k.spank_job_env_size, 0);
        ck_assert_int_ge(k.time, k.start_time);
        ck_assert_str_eq(k.work_dir, "/tmp/slurmlab/work");
        flurm_record_free(&flurm_rec_terminate_job, &k);
    }
}
END_TEST

START_TEST(terminate_job_without_cred_and_versions)
{
    char *env[1] = { "A=1" };
    struct flurm_terminate_job k = {
        .details = "time limit", .step_id = { 12, FLURM_NO_VAL, FLURM_NO_VAL },
        .job_state = 6, .nodes = "vm", .spank_job_env = env, .spank_job_env_size = 1,
        .start_time = 100, .time = 200,
    };
    struct flurm_terminate_job *c;
    struct flurm_buf *b = pack_of(&flurm_rec_terminate_job, &k, FLURM_PROTO_22_05);
    size_t len_22, len_23;

    ck_assert_uint_eq(flurm_buf_data(b)[0], 0); /* no credential */
    flurm_buf_destroy(b);
    c = version_round_trip(&flurm_rec_terminate_job, &k, FLURM_PROTO_22_05, &len_22);
    ck_assert_ptr_null(c->cred);
    ck_assert_str_eq(c->details, "time limit");
    ck_assert_str_eq(c->spank_job_env[0], "A=1");
    ck_assert_uint_eq(c->select_plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
    free_copy(&flurm_rec_terminate_job, c);
    c = version_round_trip(&flurm_rec_terminate_job, &k, FLURM_PROTO_23_02, &len_23);
    ck_assert_uint_eq(c->select_plugin_id, 0);
    ck_assert_int_eq(c->time, 200);
    free_copy(&flurm_rec_terminate_job, c);
    ck_assert_uint_eq(len_23, len_22 - 4);
}
END_TEST

/* A GRES allocation cannot be sized here, so it is refused, not misread. */
START_TEST(terminate_job_gres_refused)
{
    struct flurm_terminate_job k = { .nodes = "vm" };
    struct flurm_terminate_job out;
    struct flurm_buf *b = pack_of(&flurm_rec_terminate_job, &k, FLURM_PROTO_22_05);
    size_t len = flurm_buf_len(b);
    uint8_t *bytes = malloc(len);
    struct flurm_buf *v;

    memcpy(bytes, flurm_buf_data(b), len);
    /* u8 no-cred, NULL details (4), derived_ec, exit_code, then the u16 */
    ck_assert_uint_eq(bytes[1 + 4 + 8 + 1], 0);
    bytes[1 + 4 + 8 + 1] = 1;
    v = flurm_buf_view(bytes, len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_terminate_job, &out, v, FLURM_PROTO_22_05, NULL),
                     -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(v);
    flurm_buf_destroy(b);
    free(bytes);
}
END_TEST

/* ---- completion ------------------------------------------------------------------------ */

START_TEST(complete_batch_captures)
{
    static const struct {
        const char *file;
        uint32_t job_id;
        int32_t job_rc;
    } cases[] = {
        { "sbatch_script/005-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex", 2, 0 },
        { "sbatch_wrap/005-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex", 1, 0 },
        { "sbatch_array/005-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex", 4, 0 },
        { "sbatch_array/011-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex", 5, 0 },
        { "sbatch_array/017-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex", 6, 0 },
        { "sbatch_array/023-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex", 3, 0 },
        /* scancel: the script died of SIGTERM (wait status 15) */
        { "scancel_running/005-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex", 7, 15 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct flurm_complete_batch m;

        decode_capture(&flurm_rec_complete_batch, cases[i].file,
                       FLURM_REQUEST_COMPLETE_BATCH_SCRIPT, &m);
        ck_assert_ptr_null(m.jobacct);
        ck_assert_uint_eq(m.job_id, cases[i].job_id);
        ck_assert_int_eq(m.job_rc, cases[i].job_rc);
        ck_assert_int_eq(m.slurm_rc, 0);
        ck_assert_uint_eq(m.user_id, 0);
        ck_assert_str_eq(m.node_name, "vm");
        flurm_record_free(&flurm_rec_complete_batch, &m);
    }
}
END_TEST

START_TEST(complete_batch_with_accounting)
{
    uint32_t ids[2] = { 1, 2 };
    uint64_t in_max[2] = { 10, FLURM_NO_VAL64 };
    struct flurm_tres_rec tres[1] = { { .id = 1, .count = 2, .type = "cpu" } };
    struct flurm_jobacct acct = {
        .user_cpu_sec = 3, .user_cpu_usec = 4, .sys_cpu_sec = 5, .consumed_energy = 6,
        .tres_ids = ids, .tres_ids_cnt = 2, .tres_list = tres, .tres_list_cnt = 1,
        .usage_in_max = in_max, .usage_in_max_cnt = 2,
    };
    struct flurm_complete_batch m = { .jobacct = &acct, .job_id = 30, .job_rc = -1,
                                      .slurm_rc = 4002, .node_name = "vm" };
    struct flurm_complete_batch *c;
    struct flurm_buf *b = pack_of(&flurm_rec_complete_batch, &m, FLURM_PROTO_22_05);

    ck_assert_uint_eq(flurm_buf_data(b)[0], 1); /* accounting present */
    flurm_buf_destroy(b);
    c = version_round_trip(&flurm_rec_complete_batch, &m, FLURM_PROTO_22_05, NULL);
    ck_assert_ptr_nonnull(c->jobacct);
    ck_assert_uint_eq(c->jobacct->sys_cpu_sec, 5);
    ck_assert_uint_eq(c->jobacct->tres_ids[1], 2);
    ck_assert_str_eq(c->jobacct->tres_list[0].type, "cpu");
    ck_assert_uint_eq(c->jobacct->usage_in_max[1], FLURM_NO_VAL64);
    ck_assert_int_eq(c->job_rc, -1);
    ck_assert_int_eq(c->slurm_rc, 4002);
    free_copy(&flurm_rec_complete_batch, c);
}
END_TEST

START_TEST(epilog_complete_capture)
{
    struct flurm_epilog_complete e;

    decode_capture(&flurm_rec_epilog_complete, "scancel_running/007-c2s-MESSAGE_EPILOG_COMPLETE.hex",
                   FLURM_MESSAGE_EPILOG_COMPLETE, &e);
    ck_assert_uint_eq(e.job_id, 7);
    ck_assert_int_eq(e.return_code, 0);
    ck_assert_str_eq(e.node_name, "vm");
    flurm_record_free(&flurm_rec_epilog_complete, &e);
}
END_TEST

/* ---- registry ---------------------------------------------------------------------------- */

START_TEST(bodies_table_names_every_record)
{
    static const uint16_t types[] = {
        FLURM_MESSAGE_NODE_REGISTRATION_STATUS, FLURM_RESPONSE_NODE_REGISTRATION,
        FLURM_RESPONSE_PING_SLURMD, FLURM_REQUEST_BATCH_JOB_LAUNCH, FLURM_REQUEST_TERMINATE_JOB,
        FLURM_REQUEST_COMPLETE_BATCH_SCRIPT, FLURM_MESSAGE_EPILOG_COMPLETE,
    };

    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        bool seen = false;
        for (size_t i = 0; i < flurm_rec_slurmd_bodies.n; i++)
            if (flurm_rec_slurmd_bodies.bodies[i].type == types[t]) {
                ck_assert_ptr_nonnull(flurm_rec_slurmd_bodies.bodies[i].record);
                seen = true;
            }
        ck_assert_msg(seen, "message type %u has no record", types[t]);
    }
}
END_TEST

static Suite *rec_slurmd_suite(void)
{
    Suite *s = suite_create("rec_slurmd");
    TCase *tc = tcase_create("records");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, node_registration_captures);
    tcase_add_test(tc, node_registration_23_11);
    tcase_add_test(tc, node_registration_gres_size_must_match);
    tcase_add_test(tc, node_reg_resp_captures);
    tcase_add_test(tc, ping_slurmd_resp_captures);
    tcase_add_test(tc, batch_launch_script_capture);
    tcase_add_test(tc, batch_launch_wrap_and_array_captures);
    tcase_add_test(tc, batch_launch_newer_versions);
    tcase_add_test(tc, batch_launch_cred_version);
    tcase_add_test(tc, signed_cred_keeps_its_bytes);
    tcase_add_test(tc, batch_launch_cpu_groups_must_match);
    tcase_add_test(tc, batch_launch_unknown_select_plugin_refused);
    tcase_add_test(tc, terminate_job_captures);
    tcase_add_test(tc, terminate_job_without_cred_and_versions);
    tcase_add_test(tc, terminate_job_gres_refused);
    tcase_add_test(tc, complete_batch_captures);
    tcase_add_test(tc, complete_batch_with_accounting);
    tcase_add_test(tc, epilog_complete_capture);
    tcase_add_test(tc, bodies_table_names_every_record);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rec_slurmd_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
