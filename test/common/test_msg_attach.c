/*
 * test_msg_attach.c - replies that carry raw bytes after their JSON (the
 * job store's job_info records in wire form): what is sent, what a reader
 * gets, and what is refused.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"

/* Bytes no JSON text could hold: NULs, invalid UTF-8, every byte value. */
static void binary_bytes(unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(i * 7 + (i >> 8));
}

START_TEST(attached_reply_is_json_then_nul_then_the_bytes)
{
    unsigned char att[600];
    json_t *body = json_pack("{s:i}", "record_count", 3);
    size_t len, json_len;
    char *buf;
    json_t *root;

    binary_bytes(att, sizeof(att));
    buf = flurm_msg_encode_reply_attached(body, att, sizeof(att), &len);
    ck_assert_ptr_nonnull(buf);
    json_len = strlen(buf);
    ck_assert_uint_eq(len, json_len + 1 + sizeof(att));
    ck_assert_mem_eq(buf + json_len + 1, att, sizeof(att));
    root = json_loads(buf, 0, NULL);
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(json_integer_value(json_object_get(root, "v")), 1);
    ck_assert(json_is_true(json_object_get(root, "ok")));
    ck_assert_int_eq(json_integer_value(json_object_get(root, "att")), (json_int_t)sizeof(att));
    ck_assert(json_equal(json_object_get(root, "body"), body));
    json_decref(root);
    free(buf);
    json_decref(body);
}
END_TEST

START_TEST(attached_reply_round_trips)
{
    unsigned char att[70000];
    json_t *body = json_pack("{s:s}", "k", "v");
    const void *got;
    size_t len, got_len;
    char *buf;
    struct flurm_msg *msg;

    binary_bytes(att, sizeof(att));
    buf = flurm_msg_encode_reply_attached(body, att, sizeof(att), &len);
    msg = flurm_msg_decode(FLURM_MSG_REPLY, buf, len, NULL);
    free(buf); /* the message keeps its own copy */
    ck_assert_ptr_nonnull(msg);
    ck_assert(flurm_msg_ok(msg));
    ck_assert(json_equal(flurm_msg_body(msg), body));
    got = flurm_msg_attachment(msg, &got_len);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(got_len, sizeof(att));
    ck_assert_mem_eq(got, att, sizeof(att));
    flurm_msg_destroy(msg);
    json_decref(body);
}
END_TEST

START_TEST(empty_attachment_is_not_no_attachment)
{
    size_t len, got_len = 99;
    char *buf = flurm_msg_encode_reply_attached(NULL, NULL, 0, &len);
    struct flurm_msg *msg = flurm_msg_decode(FLURM_MSG_REPLY, buf, len, NULL);

    ck_assert_ptr_nonnull(msg);
    ck_assert_ptr_nonnull(flurm_msg_attachment(msg, &got_len));
    ck_assert_uint_eq(got_len, 0);
    flurm_msg_destroy(msg);
    free(buf);
}
END_TEST

START_TEST(plain_reply_has_no_attachment)
{
    size_t len, got_len = 99;
    char *buf = flurm_msg_encode_reply(NULL, &len);
    struct flurm_msg *msg = flurm_msg_decode(FLURM_MSG_REPLY, buf, len, NULL);

    ck_assert_ptr_nonnull(msg);
    ck_assert_uint_eq(strlen(buf), len); /* no NUL inside: nothing attached */
    ck_assert_ptr_null(flurm_msg_attachment(msg, &got_len));
    ck_assert_uint_eq(got_len, 0);
    flurm_msg_destroy(msg);
    free(buf);
}
END_TEST

/* The way a service sends one: through the runtime's JSON-only reply. */
START_TEST(body_attach_moves_the_bytes_out_of_the_json)
{
    unsigned char att[300];
    json_t *body = json_pack("{s:i}", "n", 1);
    json_t *expect = json_deep_copy(body);
    const void *got;
    size_t len, got_len;
    char *buf;
    struct flurm_msg *msg;

    binary_bytes(att, sizeof(att));
    ck_assert_int_eq(flurm_msg_body_attach(body, att, sizeof(att)), 0);
    buf = flurm_msg_encode_reply(body, &len);
    ck_assert_ptr_nonnull(buf);
    ck_assert_ptr_null(strstr(buf, FLURM_MSG_ATTACH_KEY));
    /* the caller's body is not changed by encoding */
    ck_assert_ptr_nonnull(json_object_get(body, FLURM_MSG_ATTACH_KEY));
    msg = flurm_msg_decode(FLURM_MSG_REPLY, buf, len, NULL);
    ck_assert_ptr_nonnull(msg);
    ck_assert(json_equal(flurm_msg_body(msg), expect));
    got = flurm_msg_attachment(msg, &got_len);
    ck_assert_uint_eq(got_len, sizeof(att));
    ck_assert_mem_eq(got, att, sizeof(att));
    flurm_msg_destroy(msg);
    free(buf);
    json_decref(body);
    json_decref(expect);
}
END_TEST

START_TEST(body_attach_refuses_a_non_object)
{
    json_t *arr = json_array();

    errno = 0;
    ck_assert_int_eq(flurm_msg_body_attach(arr, "x", 1), -1);
    ck_assert_int_eq(errno, EINVAL);
    json_decref(arr);
}
END_TEST

static void assert_refused(const void *buf, size_t len)
{
    struct flurm_msg_error err = {0};

    errno = 0;
    ck_assert_ptr_null(flurm_msg_decode(FLURM_MSG_REPLY, buf, len, &err));
    ck_assert_int_eq(errno, EPROTO);
    ck_assert_int_eq(err.code, FLURM_MSG_EMALFORMED);
}

START_TEST(truncated_attachment_is_refused)
{
    unsigned char att[64];
    size_t len;
    char *buf;

    binary_bytes(att, sizeof(att));
    buf = flurm_msg_encode_reply_attached(NULL, att, sizeof(att), &len);
    assert_refused(buf, len - 1);
    free(buf);
}
END_TEST

START_TEST(padded_attachment_is_refused)
{
    unsigned char att[64];
    size_t len;
    char *buf, *longer;

    binary_bytes(att, sizeof(att));
    buf = flurm_msg_encode_reply_attached(NULL, att, sizeof(att), &len);
    longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 'x';
    assert_refused(longer, len + 1);
    free(longer);
    free(buf);
}
END_TEST

START_TEST(announced_attachment_that_is_missing_is_refused)
{
    static const char s[] = "{\"v\":1,\"ok\":true,\"att\":3,\"body\":{}}";

    assert_refused(s, strlen(s));
}
END_TEST

START_TEST(bytes_after_a_nul_without_att_are_refused)
{
    static const char s[] = "{\"v\":1,\"ok\":true,\"body\":{}}\0abc";

    assert_refused(s, sizeof(s) - 1);
}
END_TEST

START_TEST(requests_never_carry_an_attachment)
{
    static const char s[] = "{\"v\":1,\"type\":\"echo\",\"att\":3}\0abc";
    struct flurm_msg_error err = {0};

    ck_assert_ptr_null(flurm_msg_decode(FLURM_MSG_REQUEST, s, sizeof(s) - 1, &err));
    ck_assert_int_eq(err.code, FLURM_MSG_EMALFORMED);
}
END_TEST

/* The version rule still comes first: an attached reply of another
 * version is "unsupported version", not a complaint about the bytes. */
START_TEST(other_version_with_attachment_is_a_version_error)
{
    static const char s[] = "{\"v\":2,\"ok\":true,\"att\":3,\"body\":{}}\0abc";
    struct flurm_msg_error err = {0};

    errno = 0;
    ck_assert_ptr_null(flurm_msg_decode(FLURM_MSG_REPLY, s, sizeof(s) - 1, &err));
    ck_assert_int_eq(errno, EPROTONOSUPPORT);
    ck_assert_int_eq(err.code, FLURM_MSG_EVERSION);
}
END_TEST

static Suite *attach_suite(void)
{
    Suite *s = suite_create("msg_attach");
    TCase *tc = tcase_create("attach");

    tcase_add_test(tc, attached_reply_is_json_then_nul_then_the_bytes);
    tcase_add_test(tc, attached_reply_round_trips);
    tcase_add_test(tc, empty_attachment_is_not_no_attachment);
    tcase_add_test(tc, plain_reply_has_no_attachment);
    tcase_add_test(tc, body_attach_moves_the_bytes_out_of_the_json);
    tcase_add_test(tc, body_attach_refuses_a_non_object);
    tcase_add_test(tc, truncated_attachment_is_refused);
    tcase_add_test(tc, padded_attachment_is_refused);
    tcase_add_test(tc, announced_attachment_that_is_missing_is_refused);
    tcase_add_test(tc, bytes_after_a_nul_without_att_are_refused);
    tcase_add_test(tc, requests_never_carry_an_attachment);
    tcase_add_test(tc, other_version_with_attachment_is_a_version_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(attach_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
