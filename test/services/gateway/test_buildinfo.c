/*
 * test_buildinfo.c - slurm.conf -> RESPONSE_BUILD_INFO.  The reference is
 * the real slurmctld: for the lab's slurm.conf, the gateway's record packs
 * to the very bytes slurmctld 22.05.8 sent (test/vectors), once the fields
 * that depend on the moment (times, the next job id) and on where the file
 * lives are made equal.  Run from the repository root.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/gateway/buildinfo.h"
#include "services/gateway/conf.h"
#include "test/wire/capture.h"
#include "wire/header.h"
#include "wire/pack.h"
#include "wire/rec_info.h"

#define DATA "test/services/gateway/data"

static char dir[] = "/tmp/gw-test-bi.XXXXXX";
static int notes;
static char last_note[128];

static void note(const char *key, const char *why, void *arg)
{
    (void)arg;
    notes++;
    snprintf(last_note, sizeof(last_note), "%s: %s", key, why);
}

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    notes = 0;
    last_note[0] = '\0';
}

static void teardown(void)
{
    char cmd[300];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    strcpy(dir, "/tmp/gw-test-bi.XXXXXX");
}

/* Fill from a slurm.conf made of `text`; -1 if the fill refused it. */
static int fill_text(struct flurm_build_info *bi, const char *text)
{
    char path[256], err[256];
    struct gw_conf *conf;
    FILE *f;
    int rc;

    snprintf(path, sizeof(path), "%s/slurm.conf", dir);
    ck_assert_ptr_nonnull(f = fopen(path, "w"));
    fputs(text, f);
    fclose(f);
    conf = gw_conf_load(path, err, sizeof(err));
    ck_assert_msg(conf != NULL, "%s", err);
    rc = gw_buildinfo_fill(bi, conf, 1000, note, NULL);
    gw_conf_destroy(conf);
    return rc;
}

START_TEST(test_lab_conf_packs_as_slurmctld_sent_it)
{
    size_t flen;
    uint8_t *frame = capture_load("scontrol_show_config/002-s2c-RESPONSE_BUILD_INFO.hex", &flen);
    struct flurm_msg_parts parts;
    struct flurm_build_info real, ours;
    struct flurm_buf *view, *packed;
    struct gw_conf *conf;
    char err[256];

    ck_assert_ptr_nonnull(frame);
    ck_assert_int_eq(flurm_msg_split(&parts, frame + 4, flen - 4), 0);
    view = flurm_buf_view(parts.body, parts.body_len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_build_info, &real, view, 0x2600, NULL), 0);

    conf = gw_conf_load(DATA "/lab.slurm.conf", err, sizeof(err));
    ck_assert_msg(conf != NULL, "%s", err);
    ck_assert_int_eq(gw_buildinfo_fill(&ours, conf, real.boot_time, note, NULL), 0);
    ck_assert_int_eq(notes, 0);
    /* What differs by nature: the clock, the job counter (the store's), the
     * version string (set per client by rpc.c) and the file's path. */
    ours.last_update = real.last_update;
    ours.next_job_id = real.next_job_id;
    ours.version = strdup(real.version);
    free(ours.slurm_conf);
    ours.slurm_conf = strdup(real.slurm_conf);

    packed = flurm_buf_create(4096);
    ck_assert_int_eq(flurm_record_pack(&flurm_rec_build_info, &ours, packed, 0x2600), 0);
    ck_assert_uint_eq(flurm_buf_len(packed), parts.body_len);
    for (size_t i = 0; i < parts.body_len; i++)
        ck_assert_msg(flurm_buf_data(packed)[i] == parts.body[i], "byte %zu of %zu differs", i,
                      parts.body_len);

    flurm_buf_destroy(packed);
    flurm_buf_destroy(view);
    flurm_record_free(&flurm_rec_build_info, &ours);
    flurm_record_free(&flurm_rec_build_info, &real);
    flurm_msg_parts_free(&parts);
    gw_conf_destroy(conf);
    free(frame);
}
END_TEST

START_TEST(test_site_values_win_over_defaults)
{
    struct flurm_build_info bi;

    ck_assert_int_eq(fill_text(&bi, "ClusterName=MiXed\n"
                                    "SlurmctldHost=h1(10.0.0.1)\n"
                                    "SlurmctldHost=h2\n"
                                    "SlurmctldPort=7000-7003\n"
                                    "KillWait=45\n"
                                    "StateSaveLocation=/var/lib/flurm\n"
                                    "SlurmctldDebug=debug2\n"
                                    "NodeName=n[1-4] CPUs=1\n"),
                     0);
    ck_assert_str_eq(bi.cluster_name, "mixed");
    ck_assert_uint_eq(bi.control_cnt, 2);
    ck_assert_str_eq(bi.control_machine[0], "h1");
    ck_assert_str_eq(bi.control_addr[0], "10.0.0.1");
    ck_assert_str_eq(bi.control_machine[1], "h2");
    ck_assert_uint_eq(bi.slurmctld_port, 7000);
    ck_assert_uint_eq(bi.slurmctld_port_count, 4);
    ck_assert_uint_eq(bi.kill_wait, 45);
    ck_assert_str_eq(bi.state_save_location, "/var/lib/flurm");
    ck_assert_uint_eq(bi.slurmctld_debug, 6);
    ck_assert_uint_eq(bi.max_node_cnt, 4);
    /* untouched keys: SLURM's defaults */
    ck_assert_uint_eq(bi.msg_timeout, 10);
    ck_assert_uint_eq(bi.max_job_cnt, 10000);
    ck_assert_str_eq(bi.select_type, "select/linear");
    ck_assert_uint_eq(bi.slurmd_port, 6818);
    ck_assert_uint_eq(bi.suspend_time, FLURM_INFINITE);
    ck_assert_uint_eq(bi.tree_width, 50);
    ck_assert_uint_eq(bi.last_update, 1000);
    ck_assert_uint_eq(bi.next_job_id, FLURM_NO_VAL);
    flurm_record_free(&flurm_rec_build_info, &bi);
}
END_TEST

START_TEST(test_flag_words_and_special_forms)
{
    struct flurm_build_info bi;

    ck_assert_int_eq(fill_text(&bi, "ClusterName=c\n"
                                    "SlurmctldHost=h\n"
                                    "PrivateData=jobs,usage\n"
                                    "PriorityFlags=NO_FAIR_TREE,MAX_TRES\n"
                                    "PreemptMode=REQUEUE,GANG\n"
                                    "DefMemPerCPU=100\n"
                                    "MaxMemPerNode=64000\n"
                                    "AccountingStorageTRES=gres/gpu\n"
                                    "AccountingStorageType=accounting_storage/slurmdbd\n"
                                    "SelectTypeParameters=CR_Socket_Memory,CR_LLN\n"
                                    "PriorityDecayHalfLife=1-12:00:00\n"
                                    "SuspendTime=600\n"
                                    "TreeWidth=0\n"
                                    "UsePAM=yes\n"
                                    "SrunPortRange=60001-63000\n"
                                    "NodeName=n1\n"),
                     0);
    ck_assert_uint_eq(bi.private_data, 0x1 | 0x8);
    ck_assert_uint_eq(bi.priority_flags, 0x2); /* MAX_TRES, fair tree off */
    ck_assert_uint_eq(bi.preempt_mode, 0x8002);
    ck_assert_uint_eq(bi.def_mem_per_cpu, (1ULL << 63) | 100);
    ck_assert_uint_eq(bi.max_mem_per_cpu, 64000);
    ck_assert_str_eq(bi.accounting_storage_tres,
                     "gres/gpu,cpu,mem,energy,node,billing,fs/disk,vmem,pages");
    ck_assert_str_eq(bi.accounting_storage_user, "N/A");
    ck_assert_uint_eq(bi.accounting_storage_port, 6819);
    ck_assert_uint_eq(bi.select_type_param, 0x0012 | 0x4000);
    ck_assert_uint_eq(bi.priority_decay_hl, 36 * 3600);
    ck_assert_uint_eq(bi.suspend_time, 600);
    ck_assert_uint_eq(bi.tree_width, 50);
    ck_assert_uint_eq(bi.conf_flags & (1u << 4), 1u << 4);
    ck_assert_uint_eq(bi.conf_flags & (1u << 6), 1u << 6); /* IPv4 */
    ck_assert_uint_eq(bi.srun_port_range_min, 60001);
    ck_assert_uint_eq(bi.srun_port_range_max, 63000);
    flurm_record_free(&flurm_rec_build_info, &bi);
}
END_TEST

START_TEST(test_uninterpreted_keys_are_named_not_invented)
{
    struct flurm_build_info bi;

    ck_assert_int_eq(fill_text(&bi, "ClusterName=c\nSlurmctldHost=h\nDebugFlags=Steps\n"), 0);
    ck_assert_int_eq(notes, 1);
    ck_assert_msg(strstr(last_note, "DebugFlags") != NULL, "%s", last_note);
    ck_assert_uint_eq(bi.debug_flags, 0);
    flurm_record_free(&flurm_rec_build_info, &bi);
}
END_TEST

START_TEST(test_values_slurm_refuses_are_refused)
{
    struct flurm_build_info bi;

    errno = 0;
    ck_assert_int_eq(
        fill_text(&bi, "ClusterName=c\nSlurmctldHost=h\nSelectTypeParameters=CR_Bogus\n"), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_msg(strstr(last_note, "SelectTypeParameters") != NULL, "%s", last_note);
}
END_TEST

START_TEST(test_time_strings)
{
    ck_assert_uint_eq(gw_time_str2secs("30"), 30 * 60);
    ck_assert_uint_eq(gw_time_str2secs("5:30"), 5 * 60 + 30);
    ck_assert_uint_eq(gw_time_str2secs("1:00:00"), 3600);
    ck_assert_uint_eq(gw_time_str2secs("2-12"), 2 * 86400 + 12 * 3600);
    ck_assert_uint_eq(gw_time_str2secs("1-0:0:1"), 86401);
    ck_assert_uint_eq(gw_time_str2secs("UNLIMITED"), FLURM_INFINITE);
    ck_assert_uint_eq(gw_time_str2secs("-1"), FLURM_INFINITE);
    ck_assert_uint_eq(gw_time_str2secs("soon"), FLURM_NO_VAL);
    ck_assert_uint_eq(gw_time_str2secs(""), FLURM_NO_VAL);
    ck_assert_uint_eq(gw_time_str2mins("0:61"), 2); /* seconds round up */
    ck_assert_uint_eq(gw_time_str2mins("INFINITE"), FLURM_INFINITE);
}
END_TEST

static Suite *buildinfo_suite(void)
{
    Suite *s = suite_create("gateway_buildinfo");
    TCase *tc = tcase_create("buildinfo");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_lab_conf_packs_as_slurmctld_sent_it);
    tcase_add_test(tc, test_site_values_win_over_defaults);
    tcase_add_test(tc, test_flag_words_and_special_forms);
    tcase_add_test(tc, test_uninterpreted_keys_are_named_not_invented);
    tcase_add_test(tc, test_values_slurm_refuses_are_refused);
    tcase_add_test(tc, test_time_strings);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(buildinfo_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
