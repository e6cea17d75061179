/*
 * test_rec_generic.c - the small message bodies of wire/rec_generic.h read
 * from real captures: each decoded value must be what the captured command
 * asked for, so a shifted or mistyped field fails here even when the bytes
 * happen to round-trip.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test/wire/capture.h"
#include "wire/frame.h"
#include "wire/header.h"
#include "wire/rec_generic.h"

struct decoded {
    uint8_t *frame;
    const struct flurm_record *rec;
    void *body;
    uint16_t type;
};

/* Decode the body of a captured frame through the registry. */
static struct decoded decode(const char *rel)
{
    struct decoded d = { 0 };
    struct flurm_msg_parts p;
    const uint8_t *m;
    size_t len, mlen;
    const char *err = NULL;

    d.frame = capture_load(rel, &len);
    ck_assert_msg(d.frame != NULL, "capture %s missing", rel);
    ck_assert_int_eq(flurm_frame_check(d.frame, len, 0, &m, &mlen), 0);
    ck_assert_int_eq(flurm_msg_split(&p, m, mlen), 0);
    d.type = p.hdr.msg_type;
    d.body = flurm_msg_body_decode(p.hdr.version, (enum flurm_msg_type)p.hdr.msg_type, p.body,
                                   p.body_len, &d.rec, &err);
    ck_assert_msg(d.body != NULL, "%s: decode failed at %s", rel, err ? err : "?");
    flurm_msg_parts_free(&p);
    return d;
}

static void done(struct decoded *d)
{
    flurm_msg_body_destroy(d->rec, d->body);
    free(d->frame);
}

START_TEST(scancel_names_the_job_as_a_string)
{
    struct decoded d = decode("scancel_pending/001-c2s-REQUEST_KILL_JOB.hex");
    struct flurm_kill_job_msg *k = d.body;

    ck_assert_uint_eq(d.type, FLURM_REQUEST_KILL_JOB);
    ck_assert_uint_eq(k->step_id.job_id, FLURM_NO_VAL);
    ck_assert_uint_eq(k->step_id.step_id, FLURM_NO_VAL);
    ck_assert_uint_eq(k->step_id.step_het_comp, FLURM_NO_VAL);
    ck_assert_str_eq(k->sjob_id, "9");
    ck_assert_ptr_null(k->sibling);
    ck_assert_uint_eq(k->signal, 9);
    done(&d);
    d = decode("scancel_running/001-c2s-REQUEST_KILL_JOB.hex");
    k = d.body;
    ck_assert_str_eq(k->sjob_id, "7");
    done(&d);
}
END_TEST

START_TEST(squeue_asks_for_all_jobs_locally)
{
    struct decoded d = decode("squeue/001-c2s-REQUEST_JOB_INFO.hex");
    struct flurm_job_info_request *r = d.body;
    struct flurm_info_request *pr;

    ck_assert_int_eq(r->last_update, 0);
    ck_assert_uint_eq(r->show_flags, 0x10);
    ck_assert_ptr_null(r->job_ids); /* count NO_VAL: every job */
    done(&d);
    /* squeue also loads partitions, with SHOW_ALL. */
    d = decode("squeue/003-c2s-REQUEST_PARTITION_INFO.hex");
    pr = d.body;
    ck_assert_uint_eq(pr->show_flags, 0x11);
    done(&d);
}
END_TEST

START_TEST(sinfo_asks_partitions_and_nodes)
{
    struct decoded d = decode("sinfo/001-c2s-REQUEST_PARTITION_INFO.hex");
    struct flurm_info_request *r = d.body;

    ck_assert_uint_eq(r->show_flags, 0x10);
    ck_assert_int_eq(r->last_update, 0);
    done(&d);
    d = decode("sinfo/003-c2s-REQUEST_NODE_INFO.hex");
    r = d.body;
    ck_assert_uint_eq(d.type, FLURM_REQUEST_NODE_INFO);
    ck_assert_uint_eq(r->show_flags, 0x10);
    done(&d);
}
END_TEST

START_TEST(scontrol_show_job_names_job_7)
{
    struct decoded d = decode("scontrol_show_job/003-c2s-REQUEST_JOB_INFO_SINGLE.hex");
    struct flurm_job_id_msg *r = d.body;

    ck_assert_uint_eq(r->job_id, 7);
    done(&d);
    /* and asked for federation info first, with an empty body */
    d = decode("scontrol_show_job/001-c2s-REQUEST_FED_INFO.hex");
    ck_assert_ptr_eq(d.rec, &flurm_rec_empty);
    done(&d);
}
END_TEST

START_TEST(sdiag_gets_statistics)
{
    struct decoded d = decode("sdiag/001-c2s-REQUEST_STATS_INFO.hex");
    struct flurm_stats_request *r = d.body;

    ck_assert_uint_eq(r->command_id, 1);
    done(&d);
}
END_TEST

START_TEST(sshare_asks_for_its_own_user)
{
    struct decoded d = decode("sshare/001-c2s-REQUEST_SHARE_INFO.hex");
    struct flurm_share_request *r = d.body;

    ck_assert_ptr_null(r->accounts);
    ck_assert_uint_eq(r->nusers, 1);
    ck_assert_str_eq(r->users[0].value, "root");
    done(&d);
}
END_TEST

START_TEST(sprio_sends_null_filters)
{
    struct decoded d = decode("sprio_multifactor/001-c2s-REQUEST_PRIORITY_FACTORS.hex");
    struct flurm_priority_factors_request *r = d.body;

    ck_assert_ptr_null(r->job_ids);
    ck_assert_ptr_null(r->uids);
    ck_assert_ptr_null(r->partitions);
    done(&d);
}
END_TEST

START_TEST(show_config_sends_last_update_zero)
{
    struct decoded d = decode("scontrol_show_config/001-c2s-REQUEST_BUILD_INFO.hex");
    struct flurm_last_update_msg *r = d.body;

    ck_assert_int_eq(r->last_update, 0);
    done(&d);
}
END_TEST

START_TEST(salloc_polls_job_ready)
{
    struct decoded d = decode("salloc_hostname/003-c2s-REQUEST_JOB_READY.hex");
    struct flurm_job_id_msg *r = d.body;
    struct flurm_rc_msg *rc;

    /* salloc's allocation was job 11 on the capture machine */
    ck_assert_uint_eq(r->job_id, 11);
    ck_assert_uint_eq(r->show_flags, 0);
    done(&d);
    d = decode("salloc_hostname/004-s2c-RESPONSE_JOB_READY.hex");
    rc = d.body;
    /* NODE | JOB | PROLOG ready */
    ck_assert_int_eq(rc->return_code, 7);
    done(&d);
}
END_TEST

START_TEST(ping_reply_is_success)
{
    struct decoded d = decode("scontrol_ping/002-s2c-RESPONSE_SLURM_RC.hex");
    struct flurm_rc_msg *rc = d.body;

    ck_assert_int_eq(rc->return_code, 0);
    done(&d);
}
END_TEST

START_TEST(submit_reply_carries_the_job_id)
{
    struct decoded d = decode("sbatch_wrap/002-s2c-RESPONSE_SUBMIT_BATCH_JOB.hex");
    struct flurm_submit_response *r = d.body;

    ck_assert_uint_eq(r->job_id, 1); /* the first job of the capture cluster */
    /* a batch job's step is SLURM_BATCH_SCRIPT */
    ck_assert_uint_eq(r->step_id, 0xfffffffbU);
    ck_assert_uint_eq(r->error_code, 0);
    ck_assert_ptr_null(r->job_submit_user_msg);
    done(&d);
}
END_TEST

START_TEST(rc_msg_carries_text)
{
    struct flurm_rc_text_msg m = { 2017, "Invalid job id specified" }, *back;
    struct flurm_buf *b = flurm_buf_create(0);
    const struct flurm_record *rec;

    ck_assert_int_eq(flurm_msg_body_encode(FLURM_PROTO_22_05, FLURM_RESPONSE_SLURM_RC_MSG, &m, b),
                     0);
    ck_assert_mem_eq(flurm_buf_data(b), "\0\0\x07\xe1\0\0\0\x19Invalid", 15);
    back = flurm_msg_body_decode(FLURM_PROTO_22_05, FLURM_RESPONSE_SLURM_RC_MSG,
                                 flurm_buf_data(b), flurm_buf_len(b), &rec, NULL);
    ck_assert_ptr_nonnull(back);
    ck_assert_str_eq(back->err_msg, "Invalid job id specified");
    flurm_msg_body_destroy(rec, back);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(job_info_request_with_ids)
{
    struct flurm_u32_item ids[2] = { { 5 }, { 6 } };
    struct flurm_job_info_request r = { 100, 0x2, ids, 2 }, *back;
    struct flurm_buf *b = flurm_buf_create(0);
    const struct flurm_record *rec;

    ck_assert_int_eq(flurm_msg_body_encode(FLURM_PROTO_22_05, FLURM_REQUEST_JOB_INFO, &r, b), 0);
    ck_assert_uint_eq(flurm_buf_len(b), 8 + 2 + 4 + 8);
    back = flurm_msg_body_decode(FLURM_PROTO_22_05, FLURM_REQUEST_JOB_INFO, flurm_buf_data(b),
                                 flurm_buf_len(b), &rec, NULL);
    ck_assert_uint_eq(back->njob_ids, 2);
    ck_assert_uint_eq(back->job_ids[1].value, 6);
    flurm_msg_body_destroy(rec, back);
    flurm_buf_destroy(b);
}
END_TEST

static Suite *generic_suite(void)
{
    Suite *s = suite_create("rec_generic");
    TCase *tc = tcase_create("captures");

    tcase_add_test(tc, scancel_names_the_job_as_a_string);
    tcase_add_test(tc, squeue_asks_for_all_jobs_locally);
    tcase_add_test(tc, sinfo_asks_partitions_and_nodes);
    tcase_add_test(tc, scontrol_show_job_names_job_7);
    tcase_add_test(tc, sdiag_gets_statistics);
    tcase_add_test(tc, sshare_asks_for_its_own_user);
    tcase_add_test(tc, sprio_sends_null_filters);
    tcase_add_test(tc, show_config_sends_last_update_zero);
    tcase_add_test(tc, salloc_polls_job_ready);
    tcase_add_test(tc, ping_reply_is_success);
    tcase_add_test(tc, submit_reply_carries_the_job_id);
    tcase_add_test(tc, rc_msg_carries_text);
    tcase_add_test(tc, job_info_request_with_ids);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(generic_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
