/*
 * test_rec_step.c - the step records exchanged with slurmd (wire/rec_step.h)
 * against real SLURM 22.05 traffic: `srun hostname` (REQUEST_LAUNCH_TASKS,
 * RESPONSE_LAUNCH_TASKS, MESSAGE_TASK_EXIT) and `sstat -j 7.batch`
 * (REQUEST_JOB_STEP_STAT and its reply).  Each body decodes completely,
 * re-encodes byte for byte, survives a JSON round trip, refuses every
 * truncation and decodes to what the captured run did, so a shifted field
 * fails here.  The 23.02 / 23.11 launch layouts are checked by splicing the
 * 22.05 bytes the way the packers of those tags differ.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test/wire/rectest.h"
#include "wire/msg.h"
#include "wire/rec_step.h"

#define LAUNCH_CAPTURE "srun_hostname/007-c2s-REQUEST_LAUNCH_TASKS.hex"

static void assert_step(const struct flurm_step_id *s, uint32_t job, uint32_t step)
{
    ck_assert_uint_eq(s->job_id, job);
    ck_assert_uint_eq(s->step_id, step);
    ck_assert_uint_eq(s->step_het_comp, FLURM_NO_VAL);
}

/* Decode a body that must be refused as malformed. */
static void assert_refused(const struct flurm_record *rec, const uint8_t *data, size_t len,
                           uint16_t version)
{
    struct flurm_buf *b = flurm_buf_view(data, len);
    void *obj = calloc(1, rec->size);

    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(obj);
    errno = 0;
    ck_assert_int_eq(flurm_record_unpack(rec, obj, b, version, NULL), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(b);
    free(obj);
}

/* ---- sstat ---------------------------------------------------------------------- */

START_TEST(step_stat_request_names_7_batch)
{
    struct flurm_step_id s;

    decode_capture(&flurm_rec_step_id, "sstat/007-c2s-REQUEST_JOB_STEP_STAT.hex",
                   FLURM_REQUEST_JOB_STEP_STAT, &s);
    assert_step(&s, 7, FLURM_STEP_BATCH_SCRIPT);
}
END_TEST

START_TEST(step_stat_reply_carries_the_batch_pids)
{
    struct flurm_step_stat r;

    decode_capture(&flurm_rec_step_stat, "sstat/008-s2c-RESPONSE_JOB_STEP_STAT.hex",
                   FLURM_RESPONSE_JOB_STEP_STAT, &r);
    ck_assert_uint_eq(r.return_code, 0);
    ck_assert_uint_eq(r.num_tasks, 0);
    ck_assert_ptr_null(r.jobacct); /* no jobacct_gather plugin on the test node */
    ck_assert_str_eq(r.step_pids.node_name, "vm");
    ck_assert_uint_eq(r.step_pids.pid_cnt, 2);
    ck_assert_uint_eq(r.step_pids.pids[0], 29474);
    ck_assert_uint_eq(r.step_pids.pids[1], 29473);
    flurm_record_free(&flurm_rec_step_stat, &r);
}
END_TEST

/* slurmd answers with the accounting block when it gathered some. */
START_TEST(step_stat_with_accounting)
{
    uint64_t tot[1] = {4096};
    uint32_t ids[1] = {1}, pids[1] = {77};
    struct flurm_jobacct acct = {
        .user_cpu_sec = 3, .sys_cpu_usec = 500, .tres_ids = ids, .tres_ids_cnt = 1,
        .usage_in_tot = tot, .usage_in_tot_cnt = 1,
    };
    struct flurm_step_stat r = {
        .return_code = 0, .num_tasks = 1, .jobacct = &acct,
        .step_pids = {.node_name = "vm", .pids = pids, .pid_cnt = 1},
    };
    struct flurm_step_stat *c;
    size_t len;

    c = version_round_trip(&flurm_rec_step_stat, &r, FLURM_PROTO_22_05, &len);
    ck_assert_ptr_nonnull(c->jobacct);
    ck_assert_uint_eq(c->jobacct->user_cpu_sec, 3);
    ck_assert_uint_eq(c->jobacct->sys_cpu_usec, 500);
    ck_assert_uint_eq(c->jobacct->usage_in_tot[0], 4096);
    ck_assert_uint_eq(c->step_pids.pids[0], 77);
    free_copy(&flurm_rec_step_stat, c);
}
END_TEST

/* A missing pid list is sent as a NULL name and no pids. */
START_TEST(step_pids_absent_is_null_and_zero)
{
    static const uint8_t want[] = {0, 0, 0, 0, 0, 0, 0, 0};
    struct flurm_step_pids p = {0};

    assert_packs_to(&flurm_rec_step_pids, &p, FLURM_PROTO_22_05, want, sizeof(want));
}
END_TEST

/* ---- srun hostname: the launch --------------------------------------------------- */

START_TEST(launch_request_is_srun_hostname)
{
    struct flurm_launch_tasks_req m;
    const struct flurm_job_cred *cred = &m.cred.body;
    bool found_job_id = false;

    decode_capture(&flurm_rec_launch_tasks_req, LAUNCH_CAPTURE, FLURM_REQUEST_LAUNCH_TASKS, &m);
    assert_step(&m.step_id, 10, 0);
    ck_assert_uint_eq(m.uid, 0);
    ck_assert_uint_eq(m.gid, 0);
    ck_assert_ptr_null(m.user_name);
    ck_assert_uint_eq(m.ngids, 0);
    /* Not a heterogeneous step: the lists are NULL (NO_VAL counts). */
    ck_assert_uint_eq(m.het_job_id, FLURM_NO_VAL);
    ck_assert_ptr_null(m.het_job_tids);
    ck_assert_ptr_null(m.het_job_tid_offsets);
    ck_assert_uint_eq(m.het_job_offset, FLURM_NO_VAL);
    ck_assert_uint_eq(m.het_job_step_cnt, 1);
    ck_assert_uint_eq(m.mpi_plugin_id, 101); /* SLURM_MPI_TYPE=none */
    ck_assert_uint_eq(m.ntasks, 1);
    ck_assert_uint_eq(m.ntasks_per_board, 0);
    ck_assert_uint_eq(m.ntasks_per_core, FLURM_INFINITE16);
    ck_assert_uint_eq(m.ntasks_per_tres, 0);
    ck_assert_uint_eq(m.ntasks_per_socket, FLURM_INFINITE16);
    ck_assert_uint_eq(m.nnodes, 1);
    ck_assert_uint_eq(m.cpus_per_task, 1);
    ck_assert_uint_eq(m.threads_per_core, FLURM_NO_VAL16);
    ck_assert_uint_eq(m.task_dist, 0x2000);
    /* The credential the controller signed for step 10.0 on node vm. */
    ck_assert_uint_eq(m.cred_version, FLURM_PROTO_22_05);
    assert_step(&cred->step_id, 10, 0);
    ck_assert_str_eq(cred->pw_name, "root");
    ck_assert_str_eq(cred->step_hostlist, "vm");
    ck_assert_str_eq(cred->job_hostlist, "vm");
    ck_assert_str_eq(cred->job_partition, "debug");
    ck_assert_uint_gt(m.cred.siglen, 10);
    ck_assert_mem_eq(m.cred.signature, "MUNGE:", 6);
    /* One node, running global task 0. */
    ck_assert_ptr_nonnull(m.tasks);
    ck_assert_uint_eq(m.tasks[0].ntasks, 1);
    ck_assert_uint_eq(m.tasks[0].global_tids_cnt, 1);
    ck_assert_uint_eq(m.tasks[0].global_tids[0], 0);
    /* srun's ports: messages on 37911 (where RESPONSE_LAUNCH_TASKS went),
     * I/O on 40447 (where IO_INIT_MSG went). */
    ck_assert_uint_eq(m.resp_port_cnt, 1);
    ck_assert_uint_eq(m.resp_port[0], 37911);
    ck_assert_uint_eq(m.io_port_cnt, 1);
    ck_assert_uint_eq(m.io_port[0], 40447);
    ck_assert_uint_eq(m.orig_addr.family, 0);
    ck_assert_uint_eq(m.envc, 50);
    ck_assert_str_eq(m.env[0], "SHELL=/bin/bash");
    for (uint32_t i = 0; i < m.envc; i++)
        found_job_id |= !strcmp(m.env[i], "SLURM_JOB_ID=10");
    ck_assert(found_job_id);
    ck_assert_str_eq(m.env[m.envc - 1], "SLURM_SRUN_COMM_PORT=37911");
    ck_assert_ptr_null(m.spank_job_env);
    ck_assert_str_eq(m.cwd, "/tmp/slurmlab/work");
    ck_assert_uint_eq(m.argc, 1);
    ck_assert_str_eq(m.argv[0], "hostname");
    ck_assert_uint_eq(m.flags, 8);
    ck_assert_ptr_null(m.ofname);
    ck_assert_uint_eq(m.job_options_cnt, 0);
    ck_assert_str_eq(m.complete_nodelist, "vm");
    ck_assert_uint_eq(m.cpu_freq_min, FLURM_NO_VAL);
    ck_assert_uint_eq(m.cpu_freq_gov, FLURM_NO_VAL);
    ck_assert_uint_eq(m.select_plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
    ck_assert_uint_eq(m.x11, 0);
    ck_assert_uint_eq(m.x11_target_port, 0);
    flurm_record_free(&flurm_rec_launch_tasks_req, &m);
}
END_TEST

/* The capture decoded at 22.05, with its credential re-packed from its
 * fields at 22.05 whatever the message's version. */
static void load_launch(struct flurm_launch_tasks_req *m)
{
    uint16_t type;
    size_t len;
    uint8_t *body = load_body(LAUNCH_CAPTURE, &type, &len);

    unpack_all(&flurm_rec_launch_tasks_req, m, body, len, FLURM_PROTO_22_05);
    free(body);
}

static size_t find(const struct flurm_buf *b, const void *needle, size_t n)
{
    const uint8_t *p = memmem(flurm_buf_data(b), flurm_buf_len(b), needle, n);

    ck_assert_ptr_nonnull(p);
    return (size_t)(p - flurm_buf_data(b));
}

static void append(struct flurm_buf *out, const struct flurm_buf *from, size_t start, size_t end)
{
    ck_assert_uint_le(start, end);
    ck_assert_uint_le(end, flurm_buf_len(from));
    ck_assert_int_eq(flurm_pack_raw(out, flurm_buf_data(from) + start, end - start), 0);
}

/* 23.02 drops select_jobinfo; 23.11 also drops uid, gid, user_name and the
 * switch id, and adds the cpt_compact arrays after cpus_per_task. */
START_TEST(launch_request_newer_layouts)
{
    static const uint8_t tag[] = "\0\0\0\x0cjob_options";
    static const uint8_t select_id[] = {0, 0, 0, FLURM_SELECT_PLUGIN_CONS_TRES};
    static const uint8_t switch_id[] = {0, 0, 0, FLURM_SWITCH_PLUGIN_NONE};
    /* Offsets in this capture: step_id, then 23.11 goes straight to gids. */
    const size_t identity = 12, identity_len = 12, after_cpus_per_task_23_02 = 98;
    struct flurm_launch_tasks_req m, *c;
    struct flurm_buf *v22, *v23_02, *v23_11, *want;
    size_t tail, sw;

    load_launch(&m);
    v22 = pack_of(&flurm_rec_launch_tasks_req, &m, FLURM_PROTO_22_05);
    v23_02 = pack_of(&flurm_rec_launch_tasks_req, &m, FLURM_PROTO_23_02);
    v23_11 = pack_of(&flurm_rec_launch_tasks_req, &m, FLURM_PROTO_23_11);

    /* 22.05: the select plugin id sits before the 26 bytes of tres_bind .. x11. */
    tail = flurm_buf_len(v22) - 26;
    ck_assert_mem_eq(flurm_buf_data(v22) + tail - 4, select_id, 4);
    want = flurm_buf_create(0);
    append(want, v22, 0, tail - 4);
    append(want, v22, tail, flurm_buf_len(v22));
    ck_assert_uint_eq(flurm_buf_len(v23_02), flurm_buf_len(want));
    ck_assert_mem_eq(flurm_buf_data(v23_02), flurm_buf_data(want), flurm_buf_len(want));
    flurm_buf_destroy(want);

    /* 23.11 from 23.02: cut the identity, insert two empty arrays, cut the
     * switch id (the u32 before the job_options tag). */
    sw = find(v23_02, tag, sizeof(tag) - 1) - 4;
    ck_assert_mem_eq(flurm_buf_data(v23_02) + sw, switch_id, 4);
    ck_assert_uint_eq(flurm_buf_data(v23_02)[after_cpus_per_task_23_02 - 1], 1);
    want = flurm_buf_create(0);
    append(want, v23_02, 0, identity);
    append(want, v23_02, identity + identity_len, after_cpus_per_task_23_02);
    ck_assert_int_eq(flurm_pack32(want, 0), 0);
    ck_assert_int_eq(flurm_pack32(want, 0), 0);
    append(want, v23_02, after_cpus_per_task_23_02, sw);
    append(want, v23_02, sw + 4, flurm_buf_len(v23_02));
    ck_assert_uint_eq(flurm_buf_len(v23_11), flurm_buf_len(want));
    ck_assert_mem_eq(flurm_buf_data(v23_11), flurm_buf_data(want), flurm_buf_len(want));
    flurm_buf_destroy(want);

    /* Each decodes back in full at its own version, credential kept at 22.05. */
    c = version_round_trip(&flurm_rec_launch_tasks_req, &m, FLURM_PROTO_23_02, NULL);
    ck_assert_uint_eq(c->cred_version, FLURM_PROTO_22_05);
    ck_assert_str_eq(c->argv[0], "hostname");
    free_copy(&flurm_rec_launch_tasks_req, c);
    m.cpt_compact_array = (uint16_t[]){2, 1};
    m.cpt_compact_reps = (uint32_t[]){3, 4};
    m.cpt_compact_cnt = 2;
    c = version_round_trip(&flurm_rec_launch_tasks_req, &m, FLURM_PROTO_23_11, NULL);
    ck_assert_uint_eq(c->uid, 0);
    ck_assert_ptr_null(c->user_name);
    ck_assert_uint_eq(c->cpt_compact_cnt, 2);
    ck_assert_uint_eq(c->cpt_compact_array[1], 1);
    ck_assert_uint_eq(c->cpt_compact_reps[1], 4);
    ck_assert_str_eq(c->complete_nodelist, "vm");
    free_copy(&flurm_rec_launch_tasks_req, c);
    m.cpt_compact_array = NULL;
    m.cpt_compact_reps = NULL;
    m.cpt_compact_cnt = 0;

    flurm_buf_destroy(v22);
    flurm_buf_destroy(v23_02);
    flurm_buf_destroy(v23_11);
    flurm_record_free(&flurm_rec_launch_tasks_req, &m);
}
END_TEST

/* cred_version 0 means the message's version; the credential then takes
 * that version's layout (23.02 adds job_extra). */
START_TEST(launch_request_cred_follows_its_version)
{
    struct flurm_launch_tasks_req m = {
        .step_id = {11, 0, FLURM_NO_VAL},
        .user_name = "alice",
        .cred = {.body = {.step_id = {11, 0, FLURM_NO_VAL}, .job_extra = "x"}},
        .nnodes = 1,
        .tasks = (struct flurm_node_tasks[]){{.ntasks = 2, .global_tids = (uint32_t[]){0, 1},
                                              .global_tids_cnt = 2}},
        .argv = (char *[]){"true"},
        .argc = 1,
    };
    struct flurm_launch_tasks_req *c;

    c = version_round_trip(&flurm_rec_launch_tasks_req, &m, FLURM_PROTO_23_02, NULL);
    ck_assert_uint_eq(c->cred_version, FLURM_PROTO_23_02);
    ck_assert_str_eq(c->cred.body.job_extra, "x");
    ck_assert_str_eq(c->user_name, "alice");
    ck_assert_uint_eq(c->tasks[0].global_tids[1], 1);
    free_copy(&flurm_rec_launch_tasks_req, c);

    c = version_round_trip(&flurm_rec_launch_tasks_req, &m, FLURM_PROTO_22_05, NULL);
    ck_assert_uint_eq(c->cred_version, FLURM_PROTO_22_05);
    ck_assert_ptr_null(c->cred.body.job_extra); /* not in the 22.05 credential */
    free_copy(&flurm_rec_launch_tasks_req, c);
}
END_TEST

/* The pieces SLURM's own unpacker rejects are rejected here too. */
START_TEST(launch_request_refuses_bad_pieces)
{
    uint16_t type;
    size_t len, at;
    uint8_t *body = load_body(LAUNCH_CAPTURE, &type, &len);
    uint8_t *bad = malloc(len);
    const uint8_t *tag = memmem(body, len, "job_options", 11);

    ck_assert_ptr_nonnull(bad);
    ck_assert_ptr_nonnull(tag);
    at = (size_t)(tag - body);

    /* A job_options list without its tag. */
    memcpy(bad, body, len);
    bad[at + 10] = 'z';
    assert_refused(&flurm_rec_launch_tasks_req, bad, len, FLURM_PROTO_22_05);

    /* A switch plugin other than switch/none (its data cannot be sized). */
    memcpy(bad, body, len);
    ck_assert_uint_eq(bad[at - 5], FLURM_SWITCH_PLUGIN_NONE);
    bad[at - 5] = 101;
    assert_refused(&flurm_rec_launch_tasks_req, bad, len, FLURM_PROTO_22_05);

    /* A credential version older than any supported peer (offset 114: the
     * u16 after accel_bind_type in this capture). */
    memcpy(bad, body, len);
    ck_assert_uint_eq(bad[114], 0x26);
    bad[114] = 0x10;
    assert_refused(&flurm_rec_launch_tasks_req, bad, len, FLURM_PROTO_22_05);

    free(bad);
    free(body);
}
END_TEST

/* A u16 port count of NO_VAL16 or more is refused both ways. */
START_TEST(launch_request_port_counts)
{
    struct flurm_launch_tasks_req m = {.step_id = {1, 0, FLURM_NO_VAL}};
    struct flurm_buf *b = flurm_buf_create(0);
    uint16_t ports[3] = {1000, 1001, 1002};
    struct flurm_launch_tasks_req *c;

    m.io_port = ports;
    m.io_port_cnt = 3;
    c = version_round_trip(&flurm_rec_launch_tasks_req, &m, FLURM_PROTO_22_05, NULL);
    ck_assert_uint_eq(c->io_port_cnt, 3);
    ck_assert_uint_eq(c->io_port[2], 1002);
    ck_assert_uint_eq(c->resp_port_cnt, 0);
    ck_assert_ptr_null(c->resp_port);
    free_copy(&flurm_rec_launch_tasks_req, c);

    m.io_port_cnt = FLURM_NO_VAL16;
    errno = 0;
    ck_assert_int_eq(flurm_record_pack(&flurm_rec_launch_tasks_req, &m, b, FLURM_PROTO_22_05), -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(launch_reply_names_the_task_pid)
{
    struct flurm_launch_tasks_resp r;

    decode_capture(&flurm_rec_launch_tasks_resp, "srun_hostname/010-c2s-RESPONSE_LAUNCH_TASKS.hex",
                   FLURM_RESPONSE_LAUNCH_TASKS, &r);
    assert_step(&r.step_id, 10, 0);
    ck_assert_uint_eq(r.return_code, 0);
    ck_assert_str_eq(r.node_name, "vm");
    ck_assert_uint_eq(r.count_of_pids, 1);
    ck_assert_uint_eq(r.local_pids[0], 30901);
    ck_assert_uint_eq(r.task_ids[0], 0);
    flurm_record_free(&flurm_rec_launch_tasks_resp, &r);
}
END_TEST

/* local_pids and task_ids share count_of_pids. */
START_TEST(launch_reply_arrays_must_match)
{
    static const uint8_t bad[] = {
        0, 0, 0, 10, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe, /* step 10.0 */
        0, 0, 0, 0,                                      /* return_code */
        0, 0, 0, 0,                                      /* node_name NULL */
        0, 0, 0, 1,                                      /* count_of_pids */
        0, 0, 0, 1, 0, 0, 0x78, 0xb5,                    /* local_pids [30901] */
        0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1,              /* task_ids [0, 1] */
    };

    assert_refused(&flurm_rec_launch_tasks_resp, bad, sizeof(bad), FLURM_PROTO_22_05);
}
END_TEST

START_TEST(task_exit_reports_task_0_of_10_0)
{
    struct flurm_task_exit t;

    decode_capture(&flurm_rec_task_exit, "srun_hostname/015-c2s-MESSAGE_TASK_EXIT.hex",
                   FLURM_MESSAGE_TASK_EXIT, &t);
    ck_assert_uint_eq(t.return_code, 0); /* hostname exited 0 */
    ck_assert_uint_eq(t.num_tasks, 1);
    ck_assert_uint_eq(t.task_id_list[0], 0);
    assert_step(&t.step_id, 10, 0);
    flurm_record_free(&flurm_rec_task_exit, &t);
}
END_TEST

START_TEST(task_exit_count_must_match)
{
    static const uint8_t bad[] = {
        0, 0, 0, 0,             /* return_code */
        0, 0, 0, 2,             /* num_tasks */
        0, 0, 0, 1, 0, 0, 0, 0, /* task_id_list [0] */
        0, 0, 0, 10, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe,
    };

    assert_refused(&flurm_rec_task_exit, bad, sizeof(bad), FLURM_PROTO_22_05);
}
END_TEST

/* scancel --signal=KILL 10.0 reaches slurmd as step id, flags, signal. */
START_TEST(signal_tasks_layout)
{
    static const uint8_t want[] = {
        0, 0, 0, 10, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe, 0, 4, 0, 9,
    };
    struct flurm_signal_tasks s = {.step_id = {10, 0, FLURM_NO_VAL}, .flags = 4, .signal = 9};
    struct flurm_signal_tasks *c;
    static const uint16_t versions[] = {FLURM_PROTO_22_05, FLURM_PROTO_23_02, FLURM_PROTO_23_11};

    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        assert_packs_to(&flurm_rec_signal_tasks, &s, versions[i], want, sizeof(want));
        c = version_round_trip(&flurm_rec_signal_tasks, &s, versions[i], NULL);
        ck_assert_uint_eq(c->signal, 9);
        ck_assert_uint_eq(c->flags, 4);
        free_copy(&flurm_rec_signal_tasks, c);
    }
}
END_TEST

/* ---- registry ---------------------------------------------------------------------- */

START_TEST(bodies_are_registered)
{
    static const struct {
        enum flurm_msg_type type;
        const struct flurm_record *rec;
    } want[] = {
        {FLURM_REQUEST_JOB_STEP_STAT, &flurm_rec_step_id},
        {FLURM_RESPONSE_JOB_STEP_STAT, &flurm_rec_step_stat},
        {FLURM_REQUEST_JOB_STEP_PIDS, &flurm_rec_step_id},
        {FLURM_RESPONSE_JOB_STEP_PIDS, &flurm_rec_step_pids},
        {FLURM_REQUEST_LAUNCH_TASKS, &flurm_rec_launch_tasks_req},
        {FLURM_RESPONSE_LAUNCH_TASKS, &flurm_rec_launch_tasks_resp},
        {FLURM_MESSAGE_TASK_EXIT, &flurm_rec_task_exit},
        {FLURM_REQUEST_SIGNAL_TASKS, &flurm_rec_signal_tasks},
        {FLURM_REQUEST_TERMINATE_TASKS, &flurm_rec_signal_tasks},
    };
    static const uint16_t versions[] = {FLURM_PROTO_22_05, FLURM_PROTO_23_02, FLURM_PROTO_23_11};
    char err[256];

    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++)
            ck_assert_ptr_eq(flurm_msg_body_record(versions[v], want[i].type), want[i].rec);
    ck_assert_msg(flurm_msg_registry_check(err, sizeof(err)) == 0, "%s", err);
}
END_TEST

static Suite *rec_step_suite(void)
{
    Suite *s = suite_create("rec_step");
    TCase *tc = tcase_create("records");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, step_stat_request_names_7_batch);
    tcase_add_test(tc, step_stat_reply_carries_the_batch_pids);
    tcase_add_test(tc, step_stat_with_accounting);
    tcase_add_test(tc, step_pids_absent_is_null_and_zero);
    tcase_add_test(tc, launch_request_is_srun_hostname);
    tcase_add_test(tc, launch_request_newer_layouts);
    tcase_add_test(tc, launch_request_cred_follows_its_version);
    tcase_add_test(tc, launch_request_refuses_bad_pieces);
    tcase_add_test(tc, launch_request_port_counts);
    tcase_add_test(tc, launch_reply_names_the_task_pid);
    tcase_add_test(tc, launch_reply_arrays_must_match);
    tcase_add_test(tc, task_exit_reports_task_0_of_10_0);
    tcase_add_test(tc, task_exit_count_must_match);
    tcase_add_test(tc, signal_tasks_layout);
    tcase_add_test(tc, bodies_are_registered);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rec_step_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
