/*
 * test_msg.c - the internal message envelope: what is built, what is
 * accepted, and how a peer of another version is told.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"

static struct flurm_msg *decode_str(enum flurm_msg_kind kind, const char *s,
                                    struct flurm_msg_error *err)
{
    return flurm_msg_decode(kind, s, strlen(s), err);
}

START_TEST(request_round_trips_every_field)
{
    json_t *body = json_pack("{s:i, s:s}", "job_id", 42, "name", "x");
    size_t len;
    char *buf = flurm_msg_encode_request("job.submit", "gateway.4242.17", "9f0c", body, &len);
    struct flurm_msg *msg;

    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(len, strlen(buf));
    msg = flurm_msg_decode(FLURM_MSG_REQUEST, buf, len, NULL);
    ck_assert_ptr_nonnull(msg);
    ck_assert_int_eq(flurm_msg_kind(msg), FLURM_MSG_REQUEST);
    ck_assert_str_eq(flurm_msg_type(msg), "job.submit");
    ck_assert_str_eq(flurm_msg_req_id(msg), "gateway.4242.17");
    ck_assert_str_eq(flurm_msg_trace(msg), "9f0c");
    ck_assert(json_equal(flurm_msg_body(msg), body));
    flurm_msg_destroy(msg);
    free(buf);
    json_decref(body);
}
END_TEST

START_TEST(request_envelope_is_the_documented_json)
{
    size_t len;
    char *buf = flurm_msg_encode_request("echo", "c.1.1", NULL, NULL, &len);
    json_t *root = json_loads(buf, 0, NULL);

    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "v")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(root, "type")), "echo");
    ck_assert_str_eq(json_string_value(json_object_get(root, "req_id")), "c.1.1");
    ck_assert_ptr_null(json_object_get(root, "trace"));
    ck_assert(json_is_object(json_object_get(root, "body")));
    ck_assert_int_eq(json_object_size(json_object_get(root, "body")), 0);
    json_decref(root);
    free(buf);
}
END_TEST

START_TEST(request_without_optional_fields_decodes)
{
    struct flurm_msg *msg = decode_str(FLURM_MSG_REQUEST, "{\"v\":1,\"type\":\"echo\"}", NULL);

    ck_assert_ptr_nonnull(msg);
    ck_assert_ptr_null(flurm_msg_req_id(msg));
    ck_assert_ptr_null(flurm_msg_trace(msg));
    ck_assert(json_is_object(flurm_msg_body(msg)));
    flurm_msg_destroy(msg);
}
END_TEST

START_TEST(other_version_is_rejected_with_a_clear_error)
{
    struct flurm_msg_error err;
    struct flurm_msg *msg =
        decode_str(FLURM_MSG_REQUEST, "{\"v\":2,\"kind\":\"new-shape\",\"body\":[]}", &err);

    ck_assert_ptr_null(msg);
    ck_assert_int_eq(errno, EPROTONOSUPPORT);
    ck_assert_int_eq(err.code, FLURM_MSG_EVERSION);
    ck_assert_ptr_nonnull(strstr(err.text, "version 2"));
    ck_assert_ptr_nonnull(strstr(err.text, "speaks 1"));
}
END_TEST

START_TEST(version_is_checked_for_replies_too)
{
    struct flurm_msg_error err;

    ck_assert_ptr_null(decode_str(FLURM_MSG_REPLY, "{\"v\":0,\"ok\":true}", &err));
    ck_assert_int_eq(err.code, FLURM_MSG_EVERSION);
}
END_TEST

START_TEST(malformed_requests_are_rejected)
{
    static const char *const bad[] = {
        "",
        "not json",
        "[1,2]",
        "{\"type\":\"echo\"}",                          /* no v */
        "{\"v\":\"1\",\"type\":\"echo\"}",              /* v not an integer */
        "{\"v\":1}",                                    /* no type */
        "{\"v\":1,\"type\":\"\"}",                      /* empty type */
        "{\"v\":1,\"type\":\"has space\"}",             /* bad character */
        "{\"v\":1,\"type\":\"echo\",\"body\":[1]}",     /* body not an object */
        "{\"v\":1,\"type\":\"echo\",\"req_id\":7}",     /* req_id not a string */
        "{\"v\":1,\"type\":\"echo\",\"type\":\"echo\"}", /* duplicate key */
    };
    struct flurm_msg_error err;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err.code = 0;
        ck_assert_msg(!decode_str(FLURM_MSG_REQUEST, bad[i], &err), "accepted: %s", bad[i]);
        ck_assert_int_eq(errno, EPROTO);
        ck_assert_int_eq(err.code, FLURM_MSG_EMALFORMED);
        ck_assert(err.text[0] != '\0');
    }
}
END_TEST

START_TEST(success_reply_round_trips)
{
    json_t *body = json_pack("{s:i}", "job_id", 7);
    size_t len;
    char *buf = flurm_msg_encode_reply(body, &len);
    struct flurm_msg *msg = flurm_msg_decode(FLURM_MSG_REPLY, buf, len, NULL);

    ck_assert_ptr_nonnull(msg);
    ck_assert(flurm_msg_ok(msg));
    ck_assert(json_equal(flurm_msg_body(msg), body));
    ck_assert_int_eq(flurm_msg_error_code(msg), 0);
    ck_assert_ptr_null(flurm_msg_error_text(msg));
    flurm_msg_destroy(msg);
    free(buf);
    json_decref(body);
}
END_TEST

START_TEST(error_reply_carries_code_and_text)
{
    size_t len;
    char *buf = flurm_msg_encode_error(2017, "Invalid job id specified", &len);
    json_t *root = json_loads(buf, 0, NULL);
    struct flurm_msg *msg = flurm_msg_decode(FLURM_MSG_REPLY, buf, len, NULL);

    ck_assert(json_is_false(json_object_get(root, "ok")));
    ck_assert_ptr_null(json_object_get(root, "body"));
    ck_assert_ptr_nonnull(msg);
    ck_assert(!flurm_msg_ok(msg));
    ck_assert_int_eq(flurm_msg_error_code(msg), 2017);
    ck_assert_str_eq(flurm_msg_error_text(msg), "Invalid job id specified");
    ck_assert_ptr_null(flurm_msg_body(msg));
    flurm_msg_destroy(msg);
    json_decref(root);
    free(buf);
}
END_TEST

START_TEST(failed_reply_without_error_object_is_malformed)
{
    struct flurm_msg_error err;

    ck_assert_ptr_null(decode_str(FLURM_MSG_REPLY, "{\"v\":1,\"ok\":false}", &err));
    ck_assert_int_eq(err.code, FLURM_MSG_EMALFORMED);
    ck_assert_ptr_null(decode_str(FLURM_MSG_REPLY, "{\"v\":1,\"ok\":1,\"body\":{}}", &err));
}
END_TEST

START_TEST(event_frame_starts_with_its_type_line)
{
    json_t *body = json_pack("{s:i}", "job_id", 9);
    size_t len;
    char *buf = flurm_msg_encode_event("job.state", "store.4242", 17, body, &len);
    struct flurm_msg *msg;

    ck_assert_ptr_nonnull(buf);
    ck_assert(strncmp(buf, "job.state\n{", 11) == 0);
    msg = flurm_msg_decode(FLURM_MSG_EVENT, buf, len, NULL);
    ck_assert_ptr_nonnull(msg);
    ck_assert_str_eq(flurm_msg_type(msg), "job.state");
    ck_assert_str_eq(flurm_msg_src(msg), "store.4242");
    ck_assert_uint_eq(flurm_msg_seq(msg), 17);
    ck_assert(json_equal(flurm_msg_body(msg), body));
    flurm_msg_destroy(msg);
    free(buf);
    json_decref(body);
}
END_TEST

START_TEST(event_whose_type_disagrees_with_its_topic_is_malformed)
{
    static const char frame[] =
        "job.x\n{\"v\":1,\"type\":\"job.y\",\"src\":\"s.1\",\"seq\":1,\"body\":{}}";
    struct flurm_msg_error err;

    ck_assert_ptr_null(decode_str(FLURM_MSG_EVENT, frame, &err));
    ck_assert_int_eq(err.code, FLURM_MSG_EMALFORMED);
    ck_assert_ptr_null(decode_str(FLURM_MSG_EVENT, "{\"v\":1}", &err));
}
END_TEST

START_TEST(invalid_types_cannot_be_encoded)
{
    size_t len;
    char longtype[FLURM_MSG_TYPE_MAX + 2];

    memset(longtype, 'a', sizeof(longtype) - 1);
    longtype[sizeof(longtype) - 1] = '\0';
    ck_assert_ptr_null(flurm_msg_encode_request("bad\ntype", NULL, NULL, NULL, &len));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(flurm_msg_encode_request(longtype, NULL, NULL, NULL, &len));
    ck_assert_ptr_null(flurm_msg_encode_event("", "s.1", 1, NULL, &len));
    ck_assert(flurm_msg_type_valid("job.submit"));
    ck_assert(flurm_msg_type_valid("a-b_c.9"));
    ck_assert(!flurm_msg_type_valid(NULL));
}
END_TEST

START_TEST(decode_does_not_need_a_terminating_nul)
{
    static const char text[] = "{\"v\":1,\"type\":\"echo\"}GARBAGE";
    struct flurm_msg *msg = flurm_msg_decode(FLURM_MSG_REQUEST, text, strlen(text) - 7, NULL);

    ck_assert_ptr_nonnull(msg);
    flurm_msg_destroy(msg);
    flurm_msg_destroy(NULL);
}
END_TEST

static Suite *msg_suite(void)
{
    Suite *s = suite_create("msg");
    TCase *tc = tcase_create("envelope");

    tcase_add_test(tc, request_round_trips_every_field);
    tcase_add_test(tc, request_envelope_is_the_documented_json);
    tcase_add_test(tc, request_without_optional_fields_decodes);
    tcase_add_test(tc, other_version_is_rejected_with_a_clear_error);
    tcase_add_test(tc, version_is_checked_for_replies_too);
    tcase_add_test(tc, malformed_requests_are_rejected);
    tcase_add_test(tc, success_reply_round_trips);
    tcase_add_test(tc, error_reply_carries_code_and_text);
    tcase_add_test(tc, failed_reply_without_error_object_is_malformed);
    tcase_add_test(tc, event_frame_starts_with_its_type_line);
    tcase_add_test(tc, event_whose_type_disagrees_with_its_topic_is_malformed);
    tcase_add_test(tc, invalid_types_cannot_be_encoded);
    tcase_add_test(tc, decode_does_not_need_a_terminating_nul);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(msg_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
