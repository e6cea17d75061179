/*
 * test_reply.c - reply frames: the request's version echoed, a munge
 * credential over the K12 hash of the body for 22.05 clients, no
 * credential (SLURM_NO_AUTH_CRED) for 23.02 and later, the header layout of
 * the version (21.08's extra msg_index), and RESPONSE_SLURM_RC_MSG (a code
 * with a text the client prints) on the RPCs slurmctld sends it for.
 * Talks to the local munged.
 */
#include <check.h>
#include <errno.h>
#include <munge.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/gateway/reply.h"
#include "test/wire/capture.h"
#include "wire/auth.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/pack.h"

static struct flurm_auth *auth;
static struct flurm_buf *out;

static void setup(void)
{
    char *cred = NULL;
    munge_err_t err = munge_encode(&cred, NULL, NULL, 0);

    free(cred);
    if (err != EMUNGE_SUCCESS)
        ck_abort_msg("munged does not answer (%s): run scripts/setup", munge_strerror(err));
    auth = flurm_auth_create(NULL);
    out = flurm_buf_create(256);
    ck_assert_ptr_nonnull(auth);
    ck_assert_ptr_nonnull(out);
}

static void teardown(void)
{
    flurm_buf_destroy(out);
    flurm_auth_destroy(auth);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(test_2205_reply_is_signed_over_its_body)
{
    struct flurm_msg_parts p;
    struct flurm_auth_result res;
    const uint8_t *f;
    size_t ref_len;
    uint8_t *ref = capture_load("scontrol_ping/002-s2c-RESPONSE_SLURM_RC.hex", &ref_len);

    ck_assert_int_eq(gw_reply_rc(auth, out, 0x2600, 0, FLURM_AUTH_UID_ANY), 0);
    f = flurm_buf_data(out);
    ck_assert_uint_eq(be32(f), flurm_buf_len(out) - 4);
    /* The 16-byte header is exactly slurmctld's (the credential differs). */
    ck_assert_ptr_nonnull(ref);
    ck_assert_int_eq(memcmp(f + 4, ref + 4, 16), 0);
    ck_assert_int_eq(flurm_msg_split(&p, f + 4, flurm_buf_len(out) - 4), 0);
    ck_assert_uint_eq(p.hdr.version, 0x2600);
    ck_assert_uint_eq(p.hdr.flags, 0);
    ck_assert_uint_eq(p.hdr.msg_type, 8001);
    ck_assert_uint_eq(p.auth_plugin, FLURM_AUTH_PLUGIN_MUNGE);
    ck_assert_uint_eq(p.body_len, 4);
    ck_assert_uint_eq(be32(p.body), 0);
    ck_assert_int_eq(flurm_auth_verify(auth, p.auth, p.auth_len + p.body_len, 0x2600, 8001, &res),
                     0);
    ck_assert_uint_eq(res.hash_type, FLURM_AUTH_HASH_K12);
    flurm_msg_parts_free(&p);
    free(ref);
}
END_TEST

START_TEST(test_reply_for_another_uid_cannot_be_read_by_us)
{
    struct flurm_msg_parts p;
    struct flurm_auth_result res;

    ck_assert_int_eq(gw_reply_rc(auth, out, 0x2600, 2017, 4242), 0);
    ck_assert_int_eq(flurm_msg_split(&p, flurm_buf_data(out) + 4, flurm_buf_len(out) - 4), 0);
    ck_assert_uint_eq(be32(p.body), 2017);
    if (getuid() != 4242) {
        ck_assert_int_eq(
            flurm_auth_verify(auth, p.auth, p.auth_len + p.body_len, 0x2600, 8001, &res), -1);
        ck_assert_int_eq(res.status, FLURM_AUTH_CRED_UNAUTHORIZED);
    }
    flurm_msg_parts_free(&p);
}
END_TEST

START_TEST(test_2302_reply_carries_no_credential)
{
    static const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x14,                         /* length */
        0x27, 0x00, 0x00, 0x40, 0x1f, 0x41,             /* 23.02, NO_AUTH_CRED, 8001 */
        0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, /* body 4, no forward, no ret */
        0x00, 0x00,                                     /* orig_addr AF_UNSPEC */
        0xff, 0xff, 0xfc, 0x19,                         /* rc -999 */
    };

    ck_assert_int_eq(gw_reply_rc(auth, out, 0x2700, -999, 0), 0);
    ck_assert_uint_eq(flurm_buf_len(out), sizeof(want));
    ck_assert_int_eq(memcmp(flurm_buf_data(out), want, sizeof(want)), 0);
    ck_assert_int_eq(gw_reply_signed(0x2800), 0);
    ck_assert_int_eq(gw_reply_signed(0x2600), 1);
}
END_TEST

START_TEST(test_2108_reply_has_its_own_header_layout)
{
    const uint8_t *f;

    ck_assert_int_eq(gw_reply_rc(auth, out, 0x2500, 1005, FLURM_AUTH_UID_ANY), 0);
    f = flurm_buf_data(out);
    /* version, flags, msg_index, then the type */
    ck_assert_uint_eq(f[4] << 8 | f[5], 0x2500);
    ck_assert_uint_eq(f[8] << 8 | f[9], 0);
    ck_assert_uint_eq(f[10] << 8 | f[11], 8001);
    ck_assert_uint_eq(be32(f + flurm_buf_len(out) - 4), 1005);
}
END_TEST

START_TEST(test_unknown_layout_leaves_the_buffer_as_it_was)
{
    flurm_pack32(out, 0xdeadbeef);
    errno = 0;
    ck_assert_int_eq(gw_reply_rc(auth, out, 0x1234, 0, 0), -1);
    ck_assert_int_eq(errno, EPROTONOSUPPORT);
    ck_assert_uint_eq(flurm_buf_len(out), 4);
}
END_TEST

START_TEST(test_body_is_copied_after_the_credential)
{
    static const uint8_t body[] = {0x00};
    struct flurm_msg_parts p;

    ck_assert_int_eq(gw_reply_frame(auth, out, 0x2600, 2050, body, sizeof(body), 0), 0);
    ck_assert_int_eq(flurm_msg_split(&p, flurm_buf_data(out) + 4, flurm_buf_len(out) - 4), 0);
    ck_assert_uint_eq(p.hdr.msg_type, 2050);
    ck_assert_uint_eq(p.body_len, 1);
    ck_assert_uint_eq(p.body[0], 0);
    flurm_msg_parts_free(&p);
}
END_TEST

START_TEST(test_rc_text_reply_carries_the_code_then_the_text)
{
    static const char text[] = "invalid partition specified: nosuch";
    struct flurm_msg_parts p;

    ck_assert_int_eq(gw_reply_rc_text(auth, out, 0x2600, 2000, text, getuid()), 0);
    ck_assert_int_eq(flurm_msg_split(&p, flurm_buf_data(out) + 4, flurm_buf_len(out) - 4), 0);
    ck_assert_uint_eq(p.hdr.version, 0x2600);
    ck_assert_uint_eq(p.hdr.msg_type, 8002); /* RESPONSE_SLURM_RC_MSG */
    /* return_code, then packstr: length with the NUL, the bytes, the NUL */
    ck_assert_uint_eq(p.body_len, 4 + 4 + sizeof(text));
    ck_assert_uint_eq(be32(p.body), 2000);
    ck_assert_uint_eq(be32(p.body + 4), sizeof(text));
    ck_assert_int_eq(memcmp(p.body + 8, text, sizeof(text)), 0);
    flurm_msg_parts_free(&p);
}
END_TEST

START_TEST(test_rc_text_only_where_slurmctld_sends_a_text)
{
    ck_assert(gw_reply_has_text(FLURM_REQUEST_SUBMIT_BATCH_JOB));
    ck_assert(gw_reply_has_text(FLURM_REQUEST_SUBMIT_BATCH_HET_JOB));
    ck_assert(gw_reply_has_text(FLURM_REQUEST_RESOURCE_ALLOCATION));
    ck_assert(gw_reply_has_text(FLURM_REQUEST_HET_JOB_ALLOCATION));
    ck_assert(gw_reply_has_text(FLURM_REQUEST_JOB_WILL_RUN));
    ck_assert(gw_reply_has_text(FLURM_REQUEST_JOB_STEP_CREATE));
    ck_assert(gw_reply_has_text(FLURM_REQUEST_CREATE_NODE));
    ck_assert(gw_reply_has_text(FLURM_REQUEST_DELETE_NODE));
    ck_assert(!gw_reply_has_text(FLURM_REQUEST_KILL_JOB));
    ck_assert(!gw_reply_has_text(FLURM_REQUEST_UPDATE_JOB));
    ck_assert(!gw_reply_has_text(FLURM_REQUEST_JOB_INFO));
    ck_assert(!gw_reply_has_text(FLURM_REQUEST_UPDATE_NODE));
}
END_TEST

static Suite *reply_suite(void)
{
    Suite *s = suite_create("gateway_reply");
    TCase *tc = tcase_create("reply");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_2205_reply_is_signed_over_its_body);
    tcase_add_test(tc, test_reply_for_another_uid_cannot_be_read_by_us);
    tcase_add_test(tc, test_2302_reply_carries_no_credential);
    tcase_add_test(tc, test_2108_reply_has_its_own_header_layout);
    tcase_add_test(tc, test_unknown_layout_leaves_the_buffer_as_it_was);
    tcase_add_test(tc, test_body_is_copied_after_the_credential);
    tcase_add_test(tc, test_rc_text_reply_carries_the_code_then_the_text);
    tcase_add_test(tc, test_rc_text_only_where_slurmctld_sends_a_text);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(reply_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
