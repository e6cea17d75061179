/*
 * test_launch.c - the slurmd job messages of services/nodemgr/launch.h
 * against what slurmctld 22.05.8 sent in the captured runs: a launch built
 * from the captured submission (sbatch_script: job 2, one CPU of node "vm",
 * --mem=100) packs to the captured REQUEST_BATCH_JOB_LAUNCH byte for byte;
 * its kill_job_msg matches the captured REQUEST_TERMINATE_JOB; the
 * credential of 1- and 2-node allocations has the core bitmap, layout and
 * CPU arrays slurmctld derives from job_resources; signals pick steps as
 * job_signal does.  The captured submission's launch information is
 * nmtest.h's capture_launch_info, shared with test_launch_claim.c.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "services/nodemgr/launch.h"
#include "test/services/nodemgr/nmtest.h"
#include "wire/msg.h"
#include "wire/pack.h"
#include "wire/record.h"

#define CAPTURE_CTIME 1795630113 /* the credential's ctime in the capture */

/* slurm.conf of the capture: vm has CPUs=2 (2 sockets of 1 core); the
 * 2-node tests use n1 (2 sockets x 4 cores) and n2 (1 socket x 2 cores). */
static int shape(const char *name, uint16_t *sockets, uint16_t *cores, void *arg)
{
    (void)arg;
    if (strcmp(name, "vm") == 0) {
        *sockets = 2;
        *cores = 1;
    } else if (strcmp(name, "n1") == 0) {
        *sockets = 2;
        *cores = 4;
    } else if (strcmp(name, "n2") == 0) {
        *sockets = 1;
        *cores = 2;
    } else {
        return -1;
    }
    return 0;
}

static const struct launch_site site = {
    .select_plugin_id = 109, .default_partition = "debug", .shape = shape};

static uint32_t root_gids[] = {0};
static struct launch_user root = {.uid = 0,
                                  .gid = 0,
                                  .pw_name = "root",
                                  .pw_gecos = "root",
                                  .pw_dir = "/root",
                                  .pw_shell = "/bin/bash",
                                  .gids = root_gids,
                                  .ngids = 1};

static struct flurm_alloc *alloc_of(const char *text)
{
    char err[128] = "";
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    struct flurm_alloc *a;

    ck_assert_ptr_nonnull(j);
    a = flurm_alloc_from_json(j, NULL, NULL, err, sizeof(err));
    ck_assert_msg(a != NULL, "alloc: %s", err);
    json_decref(j);
    return a;
}

static void assert_bytes_eq(const struct flurm_buf *b, const uint8_t *want, size_t want_len)
{
    const uint8_t *got = flurm_buf_data(b);
    size_t len = flurm_buf_len(b);

    for (size_t k = 0; k < len && k < want_len; k++)
        ck_assert_msg(got[k] == want[k], "byte %zu differs: 0x%02x, want 0x%02x", k, got[k],
                      want[k]);
    ck_assert_uint_eq(len, want_len);
}

START_TEST(launch_equals_the_captured_bytes)
{
    json_t *info = capture_launch_info(2, CAPTURE_CTIME);
    struct flurm_alloc *a =
        alloc_of("{\"nodes\":\"vm\",\"batch_host\":\"vm\","
                 "\"hosts\":[{\"name\":\"vm\",\"cores\":\"0\",\"cpus\":1,\"mem\":100}]}");
    char err[128] = "";
    struct flurm_batch_job_launch *m =
        launch_batch_create(info, a, &root, &site, CAPTURE_CTIME, err, sizeof(err));
    struct flurm_buf *b = flurm_buf_create(2048);
    size_t want_len;
    uint8_t *want = capture_body("sbatch_script/003-c2s-REQUEST_BATCH_JOB_LAUNCH.hex", &want_len);

    ck_assert_ptr_nonnull(want);
    ck_assert_msg(m != NULL, "launch: %s", err);
    ck_assert_int_eq(flurm_msg_body_encode(FLURM_PROTO_22_05, FLURM_REQUEST_BATCH_JOB_LAUNCH, m, b),
                     0);
    assert_bytes_eq(b, want, want_len);
    free(want);
    flurm_buf_destroy(b);
    launch_batch_destroy(m);
    flurm_alloc_destroy(a);
    json_decref(info);
}
END_TEST

START_TEST(launch_without_script_is_refused)
{
    json_t *info = capture_launch_info(2, CAPTURE_CTIME);
    struct flurm_alloc *a =
        alloc_of("{\"nodes\":\"vm\",\"batch_host\":\"vm\","
                 "\"hosts\":[{\"name\":\"vm\",\"cores\":\"0\",\"cpus\":1,\"mem\":100}]}");
    char err[128] = "";

    json_object_del(info, "script");
    errno = 0;
    ck_assert_ptr_null(launch_batch_create(info, a, &root, &site, CAPTURE_CTIME, err, sizeof(err)));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "script"));
    flurm_alloc_destroy(a);
    json_decref(info);
}
END_TEST

START_TEST(launch_on_a_node_not_in_slurm_conf_is_refused)
{
    json_t *info = capture_launch_info(2, CAPTURE_CTIME);
    struct flurm_alloc *a =
        alloc_of("{\"nodes\":\"ghost\",\"batch_host\":\"ghost\","
                 "\"hosts\":[{\"name\":\"ghost\",\"cores\":\"0\",\"cpus\":1,\"mem\":0}]}");
    char err[128] = "";

    errno = 0;
    ck_assert_ptr_null(launch_batch_create(info, a, &root, &site, CAPTURE_CTIME, err, sizeof(err)));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "ghost"));
    flurm_alloc_destroy(a);
    json_decref(info);
}
END_TEST

/* slurmctld's kill_job_msg for the completed job 2 (COMPLETE|COMPLETING),
 * issued at the capture's time: everything but the cred's raw bytes
 * (which re-packing rebuilds) is what slurmctld sent. */
START_TEST(terminate_equals_the_captured_bytes)
{
    json_t *info = capture_launch_info(2, CAPTURE_CTIME);
    json_t *job = json_object_get(info, "job");
    struct flurm_alloc *a =
        alloc_of("{\"nodes\":\"vm\",\"batch_host\":\"vm\","
                 "\"hosts\":[{\"name\":\"vm\",\"cores\":\"0\",\"cpus\":1,\"mem\":100}]}");
    char err[128] = "";
    struct flurm_terminate_job *m;
    struct flurm_buf *b = flurm_buf_create(1024);
    size_t want_len;
    uint8_t *want = capture_body("sbatch_script/007-c2s-REQUEST_TERMINATE_JOB.hex", &want_len);

    ck_assert_ptr_nonnull(want);
    json_object_set_new(job, "state", json_integer(0x8003)); /* COMPLETE|COMPLETING */
    m = launch_terminate_create(job, a, &root, &site, CAPTURE_CTIME, err, sizeof(err));
    ck_assert_msg(m != NULL, "terminate: %s", err);
    ck_assert_int_eq(flurm_msg_body_encode(FLURM_PROTO_22_05, FLURM_REQUEST_TERMINATE_JOB, m, b),
                     0);
    assert_bytes_eq(b, want, want_len);
    free(want);
    flurm_buf_destroy(b);
    launch_terminate_destroy(m);
    flurm_alloc_destroy(a);
    json_decref(info);
}
END_TEST

/* A 2-node job: n1 gives cores 1-2 and 5 (of 2x4), n2 core 1 (of 1x2). */
START_TEST(credential_of_two_nodes)
{
    json_t *job = json_pack("{s:i, s:i, s:i, s:{s:i}}", "job_id", 9, "user_id", 0, "group_id",
                            0, "desc", "num_tasks", 4);
    struct flurm_alloc *a = alloc_of(
        "{\"nodes\":\"n[1-2]\",\"batch_host\":\"n1\",\"hosts\":["
        "{\"name\":\"n1\",\"cores\":\"1-2,5\",\"cpus\":3,\"mem\":700},"
        "{\"name\":\"n2\",\"cores\":\"1\",\"cpus\":1,\"mem\":300}]}");
    struct flurm_job_cred c;
    char err[128] = "";

    ck_assert_int_eq(launch_cred_fill(&c, job, a, &root, &site, FLURM_STEP_BATCH_SCRIPT, 100,
                                      err, sizeof(err)),
                     0);
    ck_assert_uint_eq(c.step_id.job_id, 9);
    ck_assert_uint_eq(c.step_id.step_id, FLURM_STEP_BATCH_SCRIPT);
    ck_assert_uint_eq(c.tot_core_cnt, 10);
    ck_assert_uint_eq(c.job_core_bitmap.nbits, 10);
    /* bits 1, 2, 5 of n1, then bit 8 + 1 = 9 of n2: 0b10_0010_0110 */
    ck_assert_str_eq(c.job_core_bitmap.hex, "0x226");
    ck_assert_str_eq(c.step_core_bitmap.hex, "0x226");
    ck_assert_uint_eq(c.core_array_size, 2);
    ck_assert_uint_eq(c.core_arrays.sockets_per_node[0], 2);
    ck_assert_uint_eq(c.core_arrays.cores_per_socket[0], 4);
    ck_assert_uint_eq(c.core_arrays.sock_core_rep_count[0], 1);
    ck_assert_uint_eq(c.core_arrays.sockets_per_node[1], 1);
    ck_assert_uint_eq(c.core_arrays.cores_per_socket[1], 2);
    ck_assert_uint_eq(c.core_arrays.sock_core_rep_count[1], 1);
    ck_assert_uint_eq(c.cpu_array_count, 2);
    ck_assert_uint_eq(c.cpu_arrays.cpu_array[0], 3);
    ck_assert_uint_eq(c.cpu_arrays.cpu_array[1], 1);
    ck_assert_uint_eq(c.job_nhosts, 2);
    ck_assert_uint_eq(c.job_ntasks, 4);
    ck_assert_str_eq(c.job_hostlist, "n[1-2]");
    ck_assert_str_eq(c.step_hostlist, "n1");
    /* Only the batch host's memory, as make_batch_job_cred. */
    ck_assert_uint_eq(c.job_mem_alloc_size, 1);
    ck_assert_uint_eq(c.job_mem.mem_alloc[0], 700);
    ck_assert_uint_eq(c.job_mem.rep_count[0], 1);
    ck_assert_str_eq(c.job_partition, "debug");
    flurm_record_free(&flurm_rec_job_cred, &c);
    flurm_alloc_destroy(a);
    json_decref(job);
}
END_TEST

/* Equal hosts share one group of each array; a kill's credential has no
 * step bitmap and no memory. */
START_TEST(credential_groups_equal_hosts)
{
    json_t *job = json_pack("{s:i}", "job_id", 3);
    struct flurm_alloc *a = alloc_of(
        "{\"nodes\":\"n1,vm\",\"batch_host\":\"n1\",\"hosts\":["
        "{\"name\":\"n1\",\"cores\":\"0-7\",\"cpus\":8,\"mem\":0},"
        "{\"name\":\"vm\",\"cores\":\"0-1\",\"cpus\":2,\"mem\":0}]}");
    struct flurm_job_cred c;
    char err[128] = "";

    ck_assert_int_eq(launch_cred_fill(&c, job, a, &root, &site, FLURM_NO_VAL, 100, err,
                                      sizeof(err)),
                     0);
    ck_assert_uint_eq(c.tot_core_cnt, 10);
    ck_assert_str_eq(c.job_core_bitmap.hex, "0x3FF");
    ck_assert_uint_eq(c.step_core_bitmap.nbits, 0);
    ck_assert_ptr_null(c.step_hostlist);
    ck_assert_uint_eq(c.job_mem_alloc_size, 0);
    ck_assert_uint_eq(c.core_array_size, 2); /* 2x4 then 2x1: different shapes */
    ck_assert_uint_eq(c.cpu_array_count, 2);
    flurm_record_free(&flurm_rec_job_cred, &c);
    flurm_alloc_destroy(a);
    json_decref(job);
}
END_TEST

START_TEST(signal_picks_steps_as_job_signal)
{
    struct flurm_signal_tasks m;

    launch_signal_fill(&m, 7, 10, 0, 40000);
    ck_assert_uint_eq(m.step_id.job_id, 7);
    ck_assert_uint_eq(m.step_id.step_id, 40001);
    ck_assert_uint_eq(m.flags, LAUNCH_KILL_STEPS_ONLY);
    ck_assert_uint_eq(m.signal, 10);
    launch_signal_fill(&m, 7, 10, LAUNCH_KILL_FULL_JOB, 40000);
    ck_assert_uint_eq(m.flags, LAUNCH_KILL_FULL_JOB);
    ck_assert_uint_eq(m.step_id.step_id, 40001);
    launch_signal_fill(&m, 7, 2, LAUNCH_KILL_JOB_BATCH, 40000);
    ck_assert_uint_eq(m.step_id.step_id, FLURM_STEP_BATCH_SCRIPT);
    ck_assert_uint_eq(m.flags, LAUNCH_KILL_JOB_BATCH);
}
END_TEST

START_TEST(user_lookup_of_root)
{
    struct launch_user u;

    ck_assert_int_eq(launch_user_lookup(0, 0, &u), 0);
    ck_assert_str_eq(u.pw_name, "root");
    ck_assert_str_eq(u.pw_dir, "/root");
    ck_assert_uint_ge(u.ngids, 1);
    ck_assert_uint_eq(u.gids[0], 0);
    launch_user_clear(&u);
    launch_user_clear(&u);
    errno = 0;
    ck_assert_int_eq(launch_user_lookup(4000000000u, 0, &u), -1);
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

static Suite *launch_suite(void)
{
    Suite *s = suite_create("nodemgr_launch");
    TCase *tc = tcase_create("launch");

    tcase_add_test(tc, launch_equals_the_captured_bytes);
    tcase_add_test(tc, launch_without_script_is_refused);
    tcase_add_test(tc, launch_on_a_node_not_in_slurm_conf_is_refused);
    tcase_add_test(tc, terminate_equals_the_captured_bytes);
    tcase_add_test(tc, credential_of_two_nodes);
    tcase_add_test(tc, credential_groups_equal_hosts);
    tcase_add_test(tc, signal_picks_steps_as_job_signal);
    tcase_add_test(tc, user_lookup_of_root);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(launch_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
