/*
 * test_jobinfo_wire.c - squeue's job list through the gateway when the
 * store answers the records in wire form (docs/gateway.md, "Job lists in
 * wire form"): the gateway asks for them, puts the message's own fields in
 * front of the store's bytes without decoding them, and still serves a
 * store that answers in JSON (an older build during a reload).  A stand-in
 * store on the gateway's own loop answers with the records slurmctld sent
 * in the squeue capture.  Talks to the local munged.  Run from the
 * repository root.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"
#define GWTEST_CLIENT_CALLS
#include "test/services/gateway/gwtest.h"
#include "wire/rec_job.h"

#define RC_SLURM_ERROR 0xffffffffu
#define CAPTURED_REQUEST "squeue/001-c2s-REQUEST_JOB_INFO.hex"
#define CAPTURED_REPLY "squeue/002-s2c-RESPONSE_JOB_INFO.hex"
/* RESPONSE_JOB_INFO's own fields before the records: u32 count, two times. */
#define INFO_HEAD 20

enum answer_kind { ANSWER_WIRE, ANSWER_JSON, ANSWER_WIRE_WITHOUT_BYTES };

static enum answer_kind kind;
static json_t *asked; /* the body of the store's last request */
static uint8_t *reply_body;
static size_t reply_len;

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;

    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* The store: the captured reply's fields as "msg", and its records either
 * attached (as the job store packs them) or in JSON. */
static void on_store(struct flurm_request *req, void *arg)
{
    json_t *body;

    (void)arg;
    json_decref(asked);
    asked = json_incref(flurm_request_body(req));
    if (kind == ANSWER_JSON) {
        struct flurm_buf *b = flurm_buf_view(reply_body, reply_len);
        struct flurm_job_info_msg m;
        const char *field = NULL;

        memset(&m, 0, sizeof(m));
        ck_assert_int_eq(flurm_record_unpack(&flurm_rec_job_info_msg, &m, b, 0x2600, &field), 0);
        flurm_buf_destroy(b);
        body = json_pack("{s:o}", "msg", flurm_record_to_json(&flurm_rec_job_info_msg, &m));
        flurm_record_free(&flurm_rec_job_info_msg, &m);
        flurm_request_reply(req, body);
        return;
    }
    body = json_pack("{s:{s:I, s:I, s:I}, s:b}", "msg", "record_count",
                     (json_int_t)be(reply_body, 4), "last_update",
                     (json_int_t)be(reply_body + 4, 8), "last_backfill",
                     (json_int_t)be(reply_body + 12, 8), "wire_records", 1);
    if (kind == ANSWER_WIRE)
        ck_assert_int_eq(flurm_msg_body_attach(body, reply_body + INFO_HEAD,
                                               reply_len - INFO_HEAD),
                         0);
    flurm_request_reply(req, body);
}

static const struct flurm_handler store_handlers[] = {
    {"job.info", on_store},
    {NULL, NULL},
};

static void setup(void)
{
    asked = NULL;
    reply_body = captured_body(CAPTURED_REPLY, &reply_len, NULL);
    ck_assert_uint_gt(reply_len, INFO_HEAD);
    ck_assert_uint_gt(be(reply_body, 4), 0);
    gwt_setup("jobinfo");
    gwt_standin("store", store_handlers, NULL);
    gwt_start(20, 2);
}

static void teardown(void)
{
    gwt_teardown();
    json_decref(asked);
    free(reply_body);
}

/* squeue's captured request, signed anew, through rpc.c; the loop runs
 * until the answer or 10 s. */
static void squeue(struct client_call *cc)
{
    send_captured(cc, CAPTURED_REQUEST);
    wait_answer(cc);
    ck_assert_int_eq(cc->have_reply, 1);
}

/* The reply in cc is RESPONSE_JOB_INFO with exactly slurmctld's body. */
static void assert_captured_reply(struct client_call *cc)
{
    struct flurm_msg_parts p;

    ck_assert_int_eq(flurm_msg_split(&p, flurm_buf_data(cc->out) + 4, flurm_buf_len(cc->out) - 4),
                     0);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_JOB_INFO);
    ck_assert_uint_eq(p.body_len, reply_len);
    ck_assert_mem_eq(p.body, reply_body, reply_len);
    flurm_msg_parts_free(&p);
}

START_TEST(test_squeue_asks_the_store_for_wire_records_of_its_version)
{
    struct client_call cc;

    kind = ANSWER_WIRE;
    squeue(&cc);
    ck_assert(json_is_true(json_object_get(asked, "wire_records")));
    ck_assert_int_eq(json_integer_value(json_object_get(asked, "proto")), 0x2600);
    flurm_buf_destroy(cc.out);
}
END_TEST

START_TEST(test_wire_records_are_sent_behind_the_message_fields_unchanged)
{
    struct client_call cc;

    kind = ANSWER_WIRE;
    squeue(&cc);
    assert_captured_reply(&cc);
    flurm_buf_destroy(cc.out);
}
END_TEST

START_TEST(test_a_store_answering_json_is_still_served)
{
    struct client_call cc;

    kind = ANSWER_JSON;
    squeue(&cc);
    assert_captured_reply(&cc);
    flurm_buf_destroy(cc.out);
}
END_TEST

START_TEST(test_wire_records_announced_without_bytes_are_an_error)
{
    struct client_call cc;
    struct flurm_msg_parts p;

    kind = ANSWER_WIRE_WITHOUT_BYTES;
    squeue(&cc);
    ck_assert_int_eq(flurm_msg_split(&p, flurm_buf_data(cc.out) + 4, flurm_buf_len(cc.out) - 4),
                     0);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_SLURM_RC);
    ck_assert_uint_eq(p.body_len, 4);
    ck_assert_uint_eq(be(p.body, 4), RC_SLURM_ERROR);
    flurm_msg_parts_free(&p);
    flurm_buf_destroy(cc.out);
}
END_TEST

static Suite *jobinfo_wire_suite(void)
{
    Suite *s = suite_create("jobinfo_wire");
    TCase *tc = tcase_create("jobinfo_wire");

    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_squeue_asks_the_store_for_wire_records_of_its_version);
    tcase_add_test(tc, test_wire_records_are_sent_behind_the_message_fields_unchanged);
    tcase_add_test(tc, test_a_store_answering_json_is_still_served);
    tcase_add_test(tc, test_wire_records_announced_without_bytes_are_an_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jobinfo_wire_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
