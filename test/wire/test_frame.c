/*
 * test_frame.c - cutting a byte stream into SLURM frames (wire/frame.h):
 * partial input, several frames in one read, hostile lengths, and a real
 * non-blocking socket; and building a frame: it splits back into what was
 * put in, its credential verifies, SLURM_NO_AUTH_CRED frames carry none.
 * The signed-frame tests talk to the local munged.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test/wire/capture.h"
#include "wire/auth.h"
#include "wire/frame.h"
#include "wire/header.h"
#include "wire/pack.h"
#include "wire/record.h"

static uint8_t *ping_frame(size_t *len)
{
    uint8_t *f = capture_load("scontrol_ping/001-c2s-REQUEST_PING.hex", len);

    ck_assert_ptr_nonnull(f);
    return f;
}

START_TEST(byte_by_byte_until_ready)
{
    size_t len, used, mlen;
    uint8_t *f = ping_frame(&len), *m;
    struct flurm_frame_reader *r = flurm_frame_reader_create(4096);

    for (size_t i = 0; i + 1 < len; i++) {
        ck_assert_int_eq(flurm_frame_reader_feed(r, f + i, 1, &used), FLURM_FRAME_NEED_MORE);
        ck_assert_uint_eq(used, 1);
    }
    ck_assert_uint_eq(flurm_frame_reader_pending(r), len - 1);
    ck_assert_int_eq(flurm_frame_reader_feed(r, f + len - 1, 1, &used), FLURM_FRAME_READY);
    m = flurm_frame_reader_take(r, &mlen);
    ck_assert_uint_eq(mlen, len - 4);
    ck_assert_mem_eq(m, f + 4, mlen);
    ck_assert_uint_eq(flurm_frame_reader_pending(r), 0);
    ck_assert_ptr_null(flurm_frame_reader_take(r, &mlen));
    ck_assert_int_eq(errno, EAGAIN);
    free(m);
    free(f);
    flurm_frame_reader_destroy(r);
}
END_TEST

START_TEST(two_frames_in_one_feed)
{
    size_t len, used, mlen;
    uint8_t *f = ping_frame(&len), *two = malloc(2 * len), *m;
    struct flurm_frame_reader *r = flurm_frame_reader_create(0);

    memcpy(two, f, len);
    memcpy(two + len, f, len);
    ck_assert_int_eq(flurm_frame_reader_feed(r, two, 2 * len, &used), FLURM_FRAME_READY);
    ck_assert_uint_eq(used, len); /* stops at the frame's end */
    /* Not taken yet: the reader refuses more input. */
    ck_assert_int_eq(flurm_frame_reader_feed(r, two + used, len, &used), -1);
    ck_assert_int_eq(errno, EBUSY);
    free(flurm_frame_reader_take(r, &mlen));
    ck_assert_int_eq(flurm_frame_reader_feed(r, two + len, len, &used), FLURM_FRAME_READY);
    ck_assert_uint_eq(used, len);
    m = flurm_frame_reader_take(r, &mlen);
    ck_assert_mem_eq(m, f + 4, len - 4);
    free(m);
    free(two);
    free(f);
    flurm_frame_reader_destroy(r);
}
END_TEST

START_TEST(length_below_a_header_is_refused)
{
    struct flurm_frame_reader *r = flurm_frame_reader_create(4096);
    size_t used;

    ck_assert_int_eq(flurm_frame_reader_feed(r, "\0\0\0\x0f", 4, &used), -1);
    ck_assert_int_eq(errno, EBADMSG);
    ck_assert_ptr_nonnull(strstr(flurm_frame_reader_strerror(r), "15"));
    /* The stream is lost: the reader stays failed. */
    ck_assert_int_eq(flurm_frame_reader_feed(r, "\0\0\0\x20", 4, &used), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_frame_reader_destroy(r);
    r = flurm_frame_reader_create(4096);
    ck_assert_int_eq(flurm_frame_reader_feed(r, "\0\0\0\0", 4, &used), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_frame_reader_destroy(r);
}
END_TEST

START_TEST(length_over_the_limit_is_refused_at_once)
{
    struct flurm_frame_reader *r = flurm_frame_reader_create(4096);
    size_t used;

    ck_assert_int_eq(flurm_frame_reader_feed(r, "\0\0\x10\x01", 4, &used), -1);
    ck_assert_int_eq(errno, EMSGSIZE);
    ck_assert_ptr_nonnull(strstr(flurm_frame_reader_strerror(r), "4097"));
    ck_assert_uint_eq(flurm_frame_reader_pending(r), 4);
    flurm_frame_reader_destroy(r);
    /* Without a caller limit, SLURM's 1 GiB still applies. */
    r = flurm_frame_reader_create(0);
    ck_assert_int_eq(flurm_frame_reader_feed(r, "\x40\x00\x00\x01", 4, &used), -1);
    ck_assert_int_eq(errno, EMSGSIZE);
    flurm_frame_reader_destroy(r);
}
END_TEST

START_TEST(claimed_length_does_not_drive_allocation)
{
    /* 1 GiB announced, 100 bytes sent: the reader holds 104 bytes and asks
     * for more (ASan would report a 1 GiB allocation as too large). */
    struct flurm_frame_reader *r = flurm_frame_reader_create(0);
    uint8_t chunk[100] = { 0 };
    size_t used;

    ck_assert_int_eq(flurm_frame_reader_feed(r, "\x40\x00\x00\x00", 4, &used),
                     FLURM_FRAME_NEED_MORE);
    ck_assert_int_eq(flurm_frame_reader_feed(r, chunk, sizeof(chunk), &used),
                     FLURM_FRAME_NEED_MORE);
    ck_assert_uint_eq(flurm_frame_reader_pending(r), 104);
    flurm_frame_reader_destroy(r);
}
END_TEST

static void nonblocking_pair(int sv[2])
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
}

START_TEST(socket_reads_accumulate_partial_frames)
{
    size_t len, mlen;
    uint8_t *f = ping_frame(&len), *m;
    struct flurm_frame_reader *r = flurm_frame_reader_create(4096);
    int sv[2];

    nonblocking_pair(sv);
    ck_assert_int_eq(flurm_frame_reader_read(r, sv[0]), FLURM_FRAME_NEED_MORE);
    ck_assert_int_eq(write(sv[1], f, 3), 3);
    ck_assert_int_eq(flurm_frame_reader_read(r, sv[0]), FLURM_FRAME_NEED_MORE);
    ck_assert_int_eq(write(sv[1], f + 3, 50), 50);
    ck_assert_int_eq(flurm_frame_reader_read(r, sv[0]), FLURM_FRAME_NEED_MORE);
    /* The rest, plus the start of a second frame that must stay unread. */
    ck_assert_int_eq(write(sv[1], f + 53, len - 53), (ssize_t)(len - 53));
    ck_assert_int_eq(write(sv[1], f, 2), 2);
    ck_assert_int_eq(flurm_frame_reader_read(r, sv[0]), FLURM_FRAME_READY);
    m = flurm_frame_reader_take(r, &mlen);
    ck_assert_uint_eq(mlen, len - 4);
    ck_assert_mem_eq(m, f + 4, mlen);
    free(m);
    ck_assert_int_eq(flurm_frame_reader_read(r, sv[0]), FLURM_FRAME_NEED_MORE);
    ck_assert_uint_eq(flurm_frame_reader_pending(r), 2);
    /* Closing mid-frame is an error, not a clean end. */
    close(sv[1]);
    ck_assert_int_eq(flurm_frame_reader_read(r, sv[0]), -1);
    ck_assert_int_eq(errno, ECONNRESET);
    close(sv[0]);
    free(f);
    flurm_frame_reader_destroy(r);
}
END_TEST

START_TEST(socket_closed_between_frames_is_eof)
{
    struct flurm_frame_reader *r = flurm_frame_reader_create(4096);
    int sv[2];

    nonblocking_pair(sv);
    close(sv[1]);
    ck_assert_int_eq(flurm_frame_reader_read(r, sv[0]), FLURM_FRAME_EOF);
    close(sv[0]);
    flurm_frame_reader_destroy(r);
}
END_TEST

START_TEST(socket_hostile_length_is_refused)
{
    struct flurm_frame_reader *r = flurm_frame_reader_create(1024);
    int sv[2];

    nonblocking_pair(sv);
    ck_assert_int_eq(write(sv[1], "\x7f\xff\xff\xff", 4), 4);
    ck_assert_int_eq(flurm_frame_reader_read(r, sv[0]), -1);
    ck_assert_int_eq(errno, EMSGSIZE);
    close(sv[0]);
    close(sv[1]);
    flurm_frame_reader_destroy(r);
}
END_TEST

START_TEST(whole_frame_check)
{
    size_t len, mlen;
    uint8_t *f = ping_frame(&len);
    const uint8_t *m;

    ck_assert_int_eq(flurm_frame_check(f, len, 0, &m, &mlen), 0);
    ck_assert_ptr_eq(m, f + 4);
    ck_assert_uint_eq(mlen, len - 4);
    ck_assert_int_eq(flurm_frame_check(f, len - 1, 0, &m, &mlen), -1);
    ck_assert_int_eq(errno, EBADMSG);
    ck_assert_int_eq(flurm_frame_check(f, len, 64, &m, &mlen), -1);
    ck_assert_int_eq(errno, EMSGSIZE);
    ck_assert_int_eq(flurm_frame_check(f, 3, 0, &m, &mlen), -1);
    free(f);
}
END_TEST

START_TEST(prefix_is_big_endian)
{
    uint8_t p[4];

    flurm_frame_prefix(p, 212);
    ck_assert_mem_eq(p, "\0\0\0\xd4", 4);
}
END_TEST

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const uint8_t some_body[] = {0x00, 0x00, 0x00, 0x2a, 0xde, 0xad, 0xbe, 0xef};

START_TEST(built_frame_splits_back_and_its_credential_verifies)
{
    struct flurm_auth *auth = flurm_auth_create(NULL);
    struct flurm_buf *out = flurm_buf_create(64);
    struct flurm_msg_parts p;
    struct flurm_auth_result res;
    const uint8_t *f;

    ck_assert_ptr_nonnull(auth);
    ck_assert_int_eq(flurm_frame_build(auth, out, FLURM_PROTO_22_05, 0, 1008, some_body,
                                       sizeof(some_body), FLURM_AUTH_UID_ANY),
                     0);
    f = flurm_buf_data(out);
    ck_assert_uint_eq(be32(f), flurm_buf_len(out) - 4);
    ck_assert_int_eq(flurm_msg_split(&p, f + 4, flurm_buf_len(out) - 4), 0);
    ck_assert_uint_eq(p.hdr.version, FLURM_PROTO_22_05);
    ck_assert_uint_eq(p.hdr.flags, 0);
    ck_assert_uint_eq(p.hdr.msg_type, 1008);
    ck_assert_uint_eq(p.hdr.body_length, sizeof(some_body));
    ck_assert_uint_eq(p.body_len, sizeof(some_body));
    ck_assert_mem_eq(p.body, some_body, sizeof(some_body));
    ck_assert_uint_eq(p.auth_plugin, FLURM_AUTH_PLUGIN_MUNGE);
    ck_assert_msg(flurm_auth_verify(auth, p.auth, p.auth_len + p.body_len, p.hdr.version,
                                    p.hdr.msg_type, &res) == 0,
                  "credential refused: %s (%s)", flurm_auth_status_str(res.status),
                  flurm_auth_munge_error(auth));
    ck_assert_uint_eq(res.uid, getuid());
    ck_assert_uint_eq(res.hash_type, FLURM_AUTH_HASH_K12);
    flurm_msg_parts_free(&p);
    flurm_buf_destroy(out);
    flurm_auth_destroy(auth);
}
END_TEST

START_TEST(credential_is_bound_to_the_message_type)
{
    struct flurm_auth *auth = flurm_auth_create(NULL);
    struct flurm_buf *out = flurm_buf_create(64);
    struct flurm_msg_parts p;
    struct flurm_auth_result res;

    ck_assert_int_eq(flurm_frame_build(auth, out, FLURM_PROTO_22_05, 0, 1008, some_body,
                                       sizeof(some_body), FLURM_AUTH_UID_ANY),
                     0);
    ck_assert_int_eq(flurm_msg_split(&p, flurm_buf_data(out) + 4, flurm_buf_len(out) - 4), 0);
    /* Verified as another type, the K12 payload no longer matches. */
    ck_assert_int_eq(flurm_auth_verify(auth, p.auth, p.auth_len + p.body_len, p.hdr.version,
                                       1009, &res),
                     -1);
    ck_assert_int_eq(res.status, FLURM_AUTH_HASH_MISMATCH);
    flurm_msg_parts_free(&p);
    flurm_buf_destroy(out);
    flurm_auth_destroy(auth);
}
END_TEST

START_TEST(no_auth_cred_frame_has_no_credential_and_needs_no_auth)
{
    struct flurm_buf *out = flurm_buf_create(64);
    struct flurm_msg_parts p;
    const uint8_t *f;

    ck_assert_int_eq(flurm_frame_build(NULL, out, FLURM_PROTO_23_02, FLURM_HDR_NO_AUTH_CRED,
                                       8001, some_body, sizeof(some_body), 0),
                     0);
    f = flurm_buf_data(out);
    ck_assert_uint_eq(be32(f), flurm_buf_len(out) - 4);
    ck_assert_int_eq(flurm_msg_split(&p, f + 4, flurm_buf_len(out) - 4), 0);
    ck_assert_uint_eq(p.hdr.version, FLURM_PROTO_23_02);
    ck_assert_uint_eq(p.hdr.flags, FLURM_HDR_NO_AUTH_CRED);
    ck_assert_uint_eq(p.hdr.msg_type, 8001);
    ck_assert_uint_eq(p.auth_plugin, 0);
    ck_assert_uint_eq(p.auth_len, 0);
    ck_assert_uint_eq(p.body_len, sizeof(some_body));
    ck_assert_mem_eq(p.body, some_body, sizeof(some_body));
    /* header then body, nothing between */
    ck_assert_ptr_eq(p.body, f + flurm_buf_len(out) - sizeof(some_body));
    flurm_msg_parts_free(&p);
    flurm_buf_destroy(out);
}
END_TEST

START_TEST(frame_is_appended_after_what_the_writer_holds)
{
    struct flurm_buf *out = flurm_buf_create(64);
    const uint8_t *f;
    size_t frame_len;

    flurm_pack32(out, 0xcafef00d);
    ck_assert_int_eq(flurm_frame_build(NULL, out, FLURM_PROTO_23_02, FLURM_HDR_NO_AUTH_CRED,
                                       8001, some_body, sizeof(some_body), 0),
                     0);
    f = flurm_buf_data(out);
    frame_len = flurm_buf_len(out) - 4;
    ck_assert_uint_eq(be32(f), 0xcafef00d);
    ck_assert_uint_eq(be32(f + 4), frame_len - 4);
    flurm_buf_destroy(out);
}
END_TEST

START_TEST(failed_build_leaves_the_writer_as_it_was)
{
    struct flurm_buf *out = flurm_buf_create(64);

    flurm_pack32(out, 0xcafef00d);
    errno = 0;
    ck_assert_int_eq(flurm_frame_build(NULL, out, 0x1234, FLURM_HDR_NO_AUTH_CRED, 8001,
                                       some_body, sizeof(some_body), 0),
                     -1);
    ck_assert_int_eq(errno, EPROTONOSUPPORT);
    ck_assert_uint_eq(flurm_buf_len(out), 4);
    /* A signed frame needs something to sign with. */
    errno = 0;
    ck_assert_int_eq(flurm_frame_build(NULL, out, FLURM_PROTO_22_05, 0, 1008, some_body,
                                       sizeof(some_body), FLURM_AUTH_UID_ANY),
                     -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_uint_eq(flurm_buf_len(out), 4);
    flurm_buf_destroy(out);
}
END_TEST

static Suite *frame_suite(void)
{
    Suite *s = suite_create("frame");
    TCase *tc = tcase_create("frame");

    tcase_add_test(tc, byte_by_byte_until_ready);
    tcase_add_test(tc, two_frames_in_one_feed);
    tcase_add_test(tc, length_below_a_header_is_refused);
    tcase_add_test(tc, length_over_the_limit_is_refused_at_once);
    tcase_add_test(tc, claimed_length_does_not_drive_allocation);
    tcase_add_test(tc, socket_reads_accumulate_partial_frames);
    tcase_add_test(tc, socket_closed_between_frames_is_eof);
    tcase_add_test(tc, socket_hostile_length_is_refused);
    tcase_add_test(tc, whole_frame_check);
    tcase_add_test(tc, prefix_is_big_endian);
    suite_add_tcase(s, tc);
    tc = tcase_create("build");
    tcase_add_test(tc, built_frame_splits_back_and_its_credential_verifies);
    tcase_add_test(tc, credential_is_bound_to_the_message_type);
    tcase_add_test(tc, no_auth_cred_frame_has_no_credential_and_needs_no_auth);
    tcase_add_test(tc, frame_is_appended_after_what_the_writer_holds);
    tcase_add_test(tc, failed_build_leaves_the_writer_as_it_was);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(frame_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
