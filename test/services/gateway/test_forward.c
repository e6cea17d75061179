/*
 * test_forward.c - what the gateway sends to a service and what it makes
 * of the answer, with a stand-in "store" running on the same loop: the
 * requester's host in auth (the job's AllocNode), a refusal whose text is
 * marked for the user turned into RESPONSE_SLURM_RC_MSG exactly where
 * slurmctld sends one, the services' counters in sdiag and their reset,
 * and NEXT_JOB_ID from the store.  Talks to the local munged.  Run from
 * the repository root.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test/services/gateway/gwtest.h"
#include "wire/rec_generic.h"
#include "wire/rec_info.h"

/* How the stand-in store answers. */
enum answer {
    ANSWER_USER_ERROR, /* flurm_request_reply_user_error */
    ANSWER_ERROR,      /* flurm_request_reply_error */
};

struct store {
    enum answer answer;
    char last_type[64];
    char host[256];
    char addr[64];
    int stats_calls;
    int last_reset;
};

static struct store store;

static void refuse(struct flurm_request *req, void *arg)
{
    struct store *st = arg;
    json_t *a = json_object_get(flurm_request_body(req), "auth");

    snprintf(st->last_type, sizeof(st->last_type), "%s", flurm_request_type(req));
    snprintf(st->host, sizeof(st->host), "%s",
             json_string_value(json_object_get(a, "host")) ?: "(none)");
    snprintf(st->addr, sizeof(st->addr), "%s",
             json_string_value(json_object_get(a, "addr")) ?: "(none)");
    if (st->answer == ANSWER_USER_ERROR)
        flurm_request_reply_user_error(req, 2000, "invalid partition specified: nosuch");
    else
        flurm_request_reply_error(req, 2000, "a diagnostic for FLURM's log");
}

static json_t *store_stats(struct flurm_service *s, int reset, void *arg)
{
    struct store *st = arg;

    (void)s;
    st->stats_calls++;
    st->last_reset = reset;
    return json_pack("{s:i, s:i, s:i}", "jobs_submitted", reset ? 0 : 5, "jobs_canceled",
                     reset ? 0 : 1, "next_job_id", 4242);
}

static const struct flurm_handler store_handlers[] = {
    {"job.submit", refuse},
    {"job.info_single", refuse},
    {NULL, NULL},
};

static void setup(void)
{
    struct flurm_service *svc;

    memset(&store, 0, sizeof(store));
    gwt_setup("fwd");
    svc = gwt_standin("store", store_handlers, &store);
    flurm_service_set_stats_cb(svc, store_stats, &store);
    gwt_start(5, 2);
}

static void teardown(void)
{
    gwt_teardown();
}

/* Sign body as a request of `type` at 22.05, run it through rpc.c and the
 * loop (which also runs the stand-in store) until it is answered. */
static void roundtrip(uint16_t type, const void *body, size_t body_len)
{
    ev_tstamp give_up = ev_time() + 10.0;
    size_t len;
    uint8_t *msg = signed_request(0x2600, type, body, body_len, &len);

    send_call(msg, len);
    while (answers == 0 && ev_time() < give_up)
        ev_run(flurm_loop_ev(loop), EVRUN_ONCE);
    free(msg);
    ck_assert_int_eq(answers, 1);
    ck_assert_int_eq(have_reply, 1);
}

static void submit(void)
{
    size_t len;
    /* its credential is stale, the body is what matters */
    uint8_t *body = captured_body("sbatch_script/001-c2s-REQUEST_SUBMIT_BATCH_JOB.hex", &len,
                                  NULL);

    roundtrip(FLURM_REQUEST_SUBMIT_BATCH_JOB, body, len);
    free(body);
}

/* The reply's parts (free with flurm_msg_parts_free). */
static void reply(struct flurm_msg_parts *p)
{
    ck_assert_int_eq(flurm_msg_split(p, flurm_buf_data(out) + 4, flurm_buf_len(out) - 4), 0);
}

START_TEST(test_refused_submission_with_a_user_text_is_rc_msg)
{
    struct flurm_msg_parts p;
    struct flurm_rc_text_msg got;
    struct flurm_buf *view;

    store.answer = ANSWER_USER_ERROR;
    submit();
    ck_assert_str_eq(store.last_type, "job.submit");
    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_SLURM_RC_MSG);
    view = flurm_buf_view(p.body, p.body_len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_rc_text, &got, view, 0x2600, NULL), 0);
    ck_assert_uint_eq(flurm_buf_remaining(view), 0);
    ck_assert_int_eq(got.return_code, 2000);
    ck_assert_str_eq(got.err_msg, "invalid partition specified: nosuch");
    flurm_record_free(&flurm_rec_rc_text, &got);
    flurm_buf_destroy(view);
    flurm_msg_parts_free(&p);
}
END_TEST

START_TEST(test_refused_submission_without_a_user_text_is_plain_rc)
{
    struct flurm_msg_parts p;

    store.answer = ANSWER_ERROR;
    submit();
    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_SLURM_RC);
    ck_assert_uint_eq(p.body_len, 4);
    ck_assert_uint_eq(be32(p.body), 2000);
    flurm_msg_parts_free(&p);
}
END_TEST

START_TEST(test_user_text_on_an_rpc_slurmctld_answers_plainly_stays_plain_rc)
{
    /* REQUEST_JOB_INFO_SINGLE: job_id 7, show_flags 0 */
    static const uint8_t job7[] = {0, 0, 0, 7, 0, 0};
    struct flurm_msg_parts p;

    store.answer = ANSWER_USER_ERROR;
    roundtrip(FLURM_REQUEST_JOB_INFO_SINGLE, job7, sizeof(job7));
    ck_assert_str_eq(store.last_type, "job.info_single");
    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_SLURM_RC);
    ck_assert_uint_eq(be32(p.body), 2000);
    flurm_msg_parts_free(&p);
}
END_TEST

START_TEST(test_service_learns_the_requesting_host_by_name)
{
    struct in_addr a;
    struct hostent *he;
    char want[256];

    store.answer = ANSWER_ERROR;
    submit();
    /* munge's origin address, resolved and cut at the first dot as
     * slurmctld's auth_g_get_host() does */
    ck_assert_int_eq(inet_pton(AF_INET, store.addr, &a), 1);
    he = gethostbyaddr(&a, sizeof(a), AF_INET);
    snprintf(want, sizeof(want), "%s", he && he->h_name ? he->h_name : store.addr);
    want[strcspn(want, ".")] = '\0';
    ck_assert_str_eq(store.host, want);
}
END_TEST

static void stats_reply(struct flurm_stats_info *si)
{
    struct flurm_msg_parts p;
    struct flurm_buf *view;

    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_STATS_INFO);
    view = flurm_buf_view(p.body, p.body_len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_stats_info, si, view, 0x2600, NULL), 0);
    flurm_buf_destroy(view);
    flurm_msg_parts_free(&p);
}

START_TEST(test_sdiag_shows_the_services_counters)
{
    static const uint8_t get[2] = {0, 1};
    struct flurm_stats_info si;

    roundtrip(FLURM_REQUEST_STATS_INFO, get, sizeof(get));
    stats_reply(&si);
    ck_assert_int_eq(store.stats_calls, 1);
    ck_assert_int_eq(store.last_reset, 0);
    ck_assert_uint_eq(si.parts_packed, 1);
    ck_assert_uint_eq(si.sched.jobs_submitted, 5);
    ck_assert_uint_eq(si.sched.jobs_canceled, 1);
    flurm_record_free(&flurm_rec_stats_info, &si);
}
END_TEST

START_TEST(test_sdiag_reset_resets_the_services_counters_too)
{
    static const uint8_t reset[2] = {0, 0};
    struct flurm_stats_info si;

    if (getuid() != 0)
        return; /* only an administrator may reset */
    roundtrip(FLURM_REQUEST_STATS_INFO, reset, sizeof(reset));
    stats_reply(&si);
    ck_assert_int_eq(store.stats_calls, 1);
    ck_assert_int_eq(store.last_reset, 1);
    ck_assert_uint_eq(si.parts_packed, 0); /* "Reset scheduling statistics" */
    flurm_record_free(&flurm_rec_stats_info, &si);
}
END_TEST

START_TEST(test_next_job_id_comes_from_the_store)
{
    static const uint8_t zero8[8];
    struct flurm_msg_parts p;
    struct flurm_build_info got;
    struct flurm_buf *view;

    roundtrip(FLURM_REQUEST_BUILD_INFO, zero8, sizeof(zero8));
    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_BUILD_INFO);
    view = flurm_buf_view(p.body, p.body_len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_build_info, &got, view, 0x2600, NULL), 0);
    ck_assert_uint_eq(got.next_job_id, 4242);
    flurm_record_free(&flurm_rec_build_info, &got);
    flurm_buf_destroy(view);
    flurm_msg_parts_free(&p);
}
END_TEST

static Suite *forward_suite(void)
{
    Suite *s = suite_create("gateway_forward");
    TCase *tc = tcase_create("forward");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_refused_submission_with_a_user_text_is_rc_msg);
    tcase_add_test(tc, test_refused_submission_without_a_user_text_is_plain_rc);
    tcase_add_test(tc, test_user_text_on_an_rpc_slurmctld_answers_plainly_stays_plain_rc);
    tcase_add_test(tc, test_service_learns_the_requesting_host_by_name);
    tcase_add_test(tc, test_sdiag_shows_the_services_counters);
    tcase_add_test(tc, test_sdiag_reset_resets_the_services_counters_too);
    tcase_add_test(tc, test_next_job_id_comes_from_the_store);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(forward_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
