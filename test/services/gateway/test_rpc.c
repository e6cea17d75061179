/*
 * test_rpc.c - one SLURM request through rpc.c, from message to reply
 * frame: the local handlers, the refusals (version, credential, hash,
 * replay, unreadable message), the unserved answer, exactly one answer per
 * request, and the routing table of docs/rpc-routing.md.  Talks to the
 * local munged; no backend service runs, so forwarded RPCs are unserved.
 * Run from the repository root.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test/services/gateway/gwtest.h"
#include "wire/rec_info.h"

static void setup(void)
{
    gwt_setup("rpc");
    gwt_start(1, 0.2);
}

static void teardown(void)
{
    gwt_teardown();
}

/* Run msg through rpc.c and the loop until it is answered. */
static void handle(const uint8_t *msg, size_t len)
{
    send_call(msg, len);
    for (int i = 0; i < 200 && answers == 0; i++)
        ev_run(flurm_loop_ev(loop), EVRUN_ONCE | EVRUN_NOWAIT);
    ck_assert_int_eq(answers, 1);
}

static void roundtrip(uint16_t version, uint16_t type, const void *body, size_t body_len)
{
    size_t len;
    uint8_t *msg = signed_request(version, type, body, body_len, &len);

    handle(msg, len);
    free(msg);
}

/* The reply's parts (free with flurm_msg_parts_free). */
static void reply(struct flurm_msg_parts *p)
{
    ck_assert_int_eq(have_reply, 1);
    ck_assert_int_eq(flurm_msg_split(p, flurm_buf_data(out) + 4, flurm_buf_len(out) - 4), 0);
}

/* The return code of a RESPONSE_SLURM_RC reply at `version`. */
static int32_t reply_rc(uint16_t version)
{
    struct flurm_msg_parts p;
    const uint8_t *b;
    int32_t rc;

    if (version != 0x2600 && version != 0x2700 && version != 0x2800) {
        /* a layout the wire library refuses: read the tail by hand */
        b = flurm_buf_data(out) + flurm_buf_len(out) - 4;
        ck_assert_uint_eq(flurm_buf_data(out)[4] << 8 | flurm_buf_data(out)[5], version);
        return (int32_t)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]);
    }
    reply(&p);
    ck_assert_uint_eq(p.hdr.version, version);
    ck_assert_uint_eq(p.hdr.msg_type, 8001);
    ck_assert_uint_eq(p.body_len, 4);
    b = p.body;
    rc = (int32_t)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]);
    flurm_msg_parts_free(&p);
    return rc;
}

static const uint8_t zero8[8];

START_TEST(test_ping_is_answered_rc_0)
{
    roundtrip(0x2600, FLURM_REQUEST_PING, NULL, 0);
    ck_assert_int_eq(reply_rc(0x2600), 0);
    ck_assert(call.authenticated);
    ck_assert_uint_eq(call.uid, getuid());
}
END_TEST

START_TEST(test_ping_at_2311_is_answered_at_2311)
{
    roundtrip(0x2800, FLURM_REQUEST_PING, NULL, 0);
    ck_assert_int_eq(reply_rc(0x2800), 0);
}
END_TEST

START_TEST(test_build_info_reports_the_site)
{
    struct flurm_msg_parts p;
    struct flurm_build_info got;
    struct flurm_buf *view;

    roundtrip(0x2600, FLURM_REQUEST_BUILD_INFO, zero8, sizeof(zero8));
    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_BUILD_INFO);
    view = flurm_buf_view(p.body, p.body_len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_build_info, &got, view, 0x2600, NULL), 0);
    ck_assert_uint_eq(flurm_buf_remaining(view), 0);
    ck_assert_str_eq(got.cluster_name, "lab");
    ck_assert_str_eq(got.version, "22.05.8");
    ck_assert_uint_eq(got.max_job_cnt, 100000);
    ck_assert_uint_eq(got.next_job_id, FLURM_NO_VAL); /* no store to ask */
    flurm_record_free(&flurm_rec_build_info, &got);
    flurm_buf_destroy(view);
    flurm_msg_parts_free(&p);
}
END_TEST

START_TEST(test_build_info_unchanged_since_the_clients_copy)
{
    uint8_t body[8];
    uint64_t later = (uint64_t)time(NULL) + 1000;

    for (int i = 0; i < 8; i++)
        body[i] = (uint8_t)(later >> (56 - 8 * i));
    roundtrip(0x2600, FLURM_REQUEST_BUILD_INFO, body, sizeof(body));
    ck_assert_int_eq(reply_rc(0x2600), 1900); /* SLURM_NO_CHANGE_IN_DATA */
}
END_TEST

START_TEST(test_fed_info_says_not_federated)
{
    struct flurm_msg_parts p;

    roundtrip(0x2600, FLURM_REQUEST_FED_INFO, NULL, 0);
    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_FED_INFO);
    ck_assert_uint_eq(p.body_len, 1);
    ck_assert_uint_eq(p.body[0], 0);
    flurm_msg_parts_free(&p);
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
    ck_assert_uint_eq(flurm_buf_remaining(view), 0);
    flurm_buf_destroy(view);
    flurm_msg_parts_free(&p);
}

START_TEST(test_stats_count_what_was_answered)
{
    static const uint8_t get[2] = {0, 1};
    struct flurm_stats_info si;
    uint32_t pings = 0;

    roundtrip(0x2600, FLURM_REQUEST_PING, NULL, 0);
    roundtrip(0x2600, FLURM_REQUEST_PING, NULL, 0);
    roundtrip(0x2600, FLURM_REQUEST_STATS_INFO, get, sizeof(get));
    stats_reply(&si);
    ck_assert_uint_eq(si.parts_packed, 1);
    ck_assert_int_gt(si.sched.req_time, 0);
    for (uint32_t i = 0; i < si.rpc_type_size; i++) {
        if (si.rpc_type_id[i] == FLURM_REQUEST_PING)
            pings = si.rpc_type_cnt[i];
    }
    ck_assert_uint_eq(pings, 2);
    ck_assert_uint_ge(si.rpc_user_size, 1);
    flurm_record_free(&flurm_rec_stats_info, &si);
}
END_TEST

START_TEST(test_stats_reset_by_root_sends_only_the_rpc_tables)
{
    static const uint8_t reset[2] = {0, 0};
    struct flurm_stats_info si;

    if (getuid() != 0)
        return; /* only an administrator may reset */
    roundtrip(0x2600, FLURM_REQUEST_PING, NULL, 0);
    roundtrip(0x2600, FLURM_REQUEST_STATS_INFO, reset, sizeof(reset));
    stats_reply(&si);
    ck_assert_uint_eq(si.parts_packed, 0);
    ck_assert_uint_eq(si.rpc_type_size, 0);
    flurm_record_free(&flurm_rec_stats_info, &si);
}
END_TEST

START_TEST(test_unrouted_type_gets_einval)
{
    static const uint8_t resv_req[10];

    roundtrip(0x2600, FLURM_REQUEST_RESERVATION_INFO, resv_req, sizeof(resv_req));
    ck_assert_int_eq(reply_rc(0x2600), EINVAL);
    ck_assert_uint_eq(gw_stats_get(stats, GW_C_UNSERVED), 1);
}
END_TEST

START_TEST(test_routed_type_without_its_service_gets_einval)
{
    /* REQUEST_JOB_INFO: last_update, show_flags, job ids NO_VAL */
    static const uint8_t job_info[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe};

    roundtrip(0x2600, FLURM_REQUEST_JOB_INFO, job_info, sizeof(job_info));
    ck_assert_int_eq(reply_rc(0x2600), EINVAL);
}
END_TEST

START_TEST(test_unreadable_message_is_closed_without_reply)
{
    /* a 22.05 header that ends in the middle of its body_length */
    static const uint8_t junk[8] = {0x26, 0x00, 0x00, 0x00, 0x03, 0xf0, 0xff, 0xff};

    handle(junk, sizeof(junk));
    ck_assert_int_eq(have_reply, 0);
    ck_assert_uint_eq(gw_stats_get(stats, GW_C_BAD_FRAME), 1);
}
END_TEST

START_TEST(test_other_versions_get_version_error_in_their_layout)
{
    roundtrip(0x2900, FLURM_REQUEST_PING, NULL, 0);
    ck_assert_int_eq(reply_rc(0x2900), 1005);
    roundtrip(0x2500, FLURM_REQUEST_PING, NULL, 0);
    ck_assert_int_eq(reply_rc(0x2500), 1005);
    ck_assert_uint_eq(gw_stats_get(stats, GW_C_BAD_VERSION), 2);
}
END_TEST

START_TEST(test_body_changed_after_signing_is_refused)
{
    size_t len;
    uint8_t *msg = signed_request(0x2600, FLURM_REQUEST_BUILD_INFO, zero8, sizeof(zero8), &len);

    msg[len - 1] ^= 1;
    handle(msg, len);
    ck_assert_int_eq(reply_rc(0x2600), 5003);
    ck_assert(!call.authenticated);
    free(msg);
}
END_TEST

START_TEST(test_replayed_credential_is_refused)
{
    size_t len;
    uint8_t *msg = signed_request(0x2600, FLURM_REQUEST_PING, NULL, 0, &len);

    handle(msg, len);
    ck_assert_int_eq(reply_rc(0x2600), 0);
    handle(msg, len);
    ck_assert_int_eq(reply_rc(0x2600), 1007);
    ck_assert_uint_eq(gw_stats_get(stats, GW_C_AUTH_REFUSED), 1);
    free(msg);
}
END_TEST

START_TEST(test_routing_table_is_the_documented_one)
{
    static const struct {
        uint16_t type;
        const char *service, *internal;
    } doc[] = {
        {FLURM_REQUEST_PING, NULL, NULL},
        {FLURM_REQUEST_BUILD_INFO, NULL, NULL},
        {FLURM_REQUEST_FED_INFO, NULL, NULL},
        {FLURM_REQUEST_STATS_INFO, NULL, NULL},
        {FLURM_REQUEST_SUBMIT_BATCH_JOB, "store", "job.submit"},
        {FLURM_REQUEST_JOB_INFO, "store", "job.info"},
        {FLURM_REQUEST_JOB_INFO_SINGLE, "store", "job.info_single"},
        {FLURM_REQUEST_JOB_USER_INFO, "store", "job.user_info"},
        {FLURM_REQUEST_KILL_JOB, "store", "job.kill"},
        {FLURM_REQUEST_UPDATE_JOB, "store", "job.update"},
        {FLURM_REQUEST_NODE_INFO, "nodes", "node.info"},
        {FLURM_REQUEST_PARTITION_INFO, "nodes", "partition.info"},
        {FLURM_REQUEST_UPDATE_NODE, "nodes", "node.update"},
        {FLURM_REQUEST_PRIORITY_FACTORS, "sched", "priority.factors"},
        {FLURM_REQUEST_SHARE_INFO, "sched", "share.info"},
    };
    const char *svc, *internal;

    for (size_t i = 0; i < sizeof(doc) / sizeof(doc[0]); i++) {
        ck_assert_msg(gw_rpc_route(doc[i].type, &svc, &internal), "type %u", doc[i].type);
        if (doc[i].service) {
            ck_assert_str_eq(svc, doc[i].service);
            ck_assert_str_eq(internal, doc[i].internal);
        } else {
            ck_assert_ptr_null(svc);
        }
    }
    ck_assert(!gw_rpc_route(FLURM_REQUEST_RESERVATION_INFO, NULL, NULL));
    ck_assert(!gw_rpc_route(FLURM_REQUEST_SHUTDOWN, NULL, NULL));
}
END_TEST

static Suite *rpc_suite(void)
{
    Suite *s = suite_create("gateway_rpc");
    TCase *tc = tcase_create("rpc");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_ping_is_answered_rc_0);
    tcase_add_test(tc, test_ping_at_2311_is_answered_at_2311);
    tcase_add_test(tc, test_build_info_reports_the_site);
    tcase_add_test(tc, test_build_info_unchanged_since_the_clients_copy);
    tcase_add_test(tc, test_fed_info_says_not_federated);
    tcase_add_test(tc, test_stats_count_what_was_answered);
    tcase_add_test(tc, test_stats_reset_by_root_sends_only_the_rpc_tables);
    tcase_add_test(tc, test_unrouted_type_gets_einval);
    tcase_add_test(tc, test_routed_type_without_its_service_gets_einval);
    tcase_add_test(tc, test_unreadable_message_is_closed_without_reply);
    tcase_add_test(tc, test_other_versions_get_version_error_in_their_layout);
    tcase_add_test(tc, test_body_changed_after_signing_is_refused);
    tcase_add_test(tc, test_replayed_credential_is_refused);
    tcase_add_test(tc, test_routing_table_is_the_documented_one);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rpc_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
