/*
 * test_auth.c - the auth/munge section of SLURM messages: signing, and
 * every way verification must refuse.  The munge tests talk to the local
 * munged (scripts/setup starts it).
 */
#include <check.h>
#include <errno.h>
#include <munge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test/wire/capture.h"
#include "wire/auth.h"
#include "wire/k12.h"
#include "wire/pack.h"

#define V2205 0x2600
#define V2108 0x2500
#define REQUEST_JOB_INFO 2003
#define RESPONSE_JOB_INFO 2004

static struct flurm_auth *auth;

static const char body_text[] = "\x00\x00\x00\x00\x00\x00\x00\x00some body bytes";
#define BODY ((const uint8_t *)body_text)
#define BODY_LEN (sizeof(body_text) - 1)

static void setup_context(void)
{
    auth = flurm_auth_create(NULL);
    ck_assert_ptr_nonnull(auth);
}

static void setup_munge(void)
{
    char *cred = NULL;
    munge_err_t err = munge_encode(&cred, NULL, NULL, 0);

    free(cred);
    if (err != EMUNGE_SUCCESS)
        ck_abort_msg("munged does not answer (%s): run scripts/setup",
                     munge_strerror(err));
    setup_context();
}

static void teardown(void)
{
    flurm_auth_destroy(auth);
    auth = NULL;
}

/* The bytes after a header: auth section signed by `signer`, then body.
 * Caller frees. */
static uint8_t *signed_message(struct flurm_auth *signer, uint16_t version,
                               uint16_t msg_type, const uint8_t *body, size_t body_len,
                               uint32_t restrict_uid, size_t *len)
{
    struct flurm_buf *b = flurm_buf_create(256);
    uint8_t *out;

    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(flurm_auth_sign(signer, version, msg_type, body, body_len,
                                     restrict_uid, b),
                     0);
    ck_assert_int_eq(flurm_pack_raw(b, body, body_len), 0);
    out = flurm_buf_steal(b, len);
    flurm_buf_destroy(b);
    ck_assert_ptr_nonnull(out);
    return out;
}

/* An auth section around cred, followed by body.  Caller frees. */
static uint8_t *message_with_cred(const char *cred, const uint8_t *body, size_t body_len,
                                  size_t *len)
{
    struct flurm_buf *b = flurm_buf_create(256);
    uint8_t *out;

    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(flurm_auth_pack_section(b, cred), 0);
    ck_assert_int_eq(flurm_pack_raw(b, body, body_len), 0);
    out = flurm_buf_steal(b, len);
    flurm_buf_destroy(b);
    ck_assert_ptr_nonnull(out);
    return out;
}

/* A credential with a payload of our choosing, made with libmunge
 * directly, as a peer with other hash settings would.  Caller frees. */
static char *cred_with_payload(const void *payload, int payload_len)
{
    char *cred = NULL;

    ck_assert_int_eq(munge_encode(&cred, NULL, payload, payload_len), EMUNGE_SUCCESS);
    return cred;
}

/* Verify cred + body and return the status. */
static enum flurm_auth_status verify_cred(struct flurm_auth *a, const char *cred,
                                          uint16_t version, uint16_t msg_type)
{
    struct flurm_auth_result res;
    size_t len;
    uint8_t *msg = message_with_cred(cred, BODY, BODY_LEN, &len);
    int rc = flurm_auth_verify(a, msg, len, version, msg_type, &res);

    ck_assert_int_eq(rc == 0, res.status == FLURM_AUTH_OK);
    free(msg);
    return res.status;
}

/* ---- signing and verifying with munged ---------------------------------- */

START_TEST(sign_then_verify_gives_our_uid_and_gid)
{
    struct flurm_auth_result res;
    size_t len;
    uint8_t *msg = signed_message(auth, V2205, REQUEST_JOB_INFO, BODY, BODY_LEN,
                                  FLURM_AUTH_UID_ANY, &len);

    ck_assert_int_eq(flurm_auth_verify(auth, msg, len, V2205, REQUEST_JOB_INFO, &res), 0);
    ck_assert_int_eq(res.status, FLURM_AUTH_OK);
    ck_assert_uint_eq(res.uid, geteuid());
    ck_assert_uint_eq(res.gid, getegid());
    ck_assert_uint_eq(res.hash_type, FLURM_AUTH_HASH_K12);
    ck_assert_uint_eq(len - res.section_len, BODY_LEN);
    ck_assert_mem_eq(msg + res.section_len, BODY, BODY_LEN);
    ck_assert_int_ne(res.encode_time, 0);
    free(msg);
}
END_TEST

START_TEST(signed_payload_is_the_slurm_k12_body_hash)
{
    char *cred = flurm_auth_encode(auth, V2205, RESPONSE_JOB_INFO, BODY, BODY_LEN,
                                   FLURM_AUTH_UID_ANY);
    void *payload = NULL;
    int payload_len = 0;
    uint8_t want[33] = {0x02};

    ck_assert_ptr_nonnull(cred);
    ck_assert_int_eq(strncmp(cred, "MUNGE:", 6), 0);
    ck_assert_int_eq(munge_decode(cred, NULL, &payload, &payload_len, NULL, NULL),
                     EMUNGE_SUCCESS);
    ck_assert_int_eq(flurm_k12(BODY, BODY_LEN, "\x07\xd4", 2, want + 1, 32), 0);
    ck_assert_int_eq(payload_len, 33);
    ck_assert_mem_eq(payload, want, 33);
    free(payload);
    free(cred);
}
END_TEST

START_TEST(signing_for_a_2108_peer_uses_the_none_hash_in_host_order)
{
    uint16_t type = REQUEST_JOB_INFO;
    uint8_t want[3] = {0x01};
    char *cred = flurm_auth_encode(auth, V2108, type, BODY, BODY_LEN, FLURM_AUTH_UID_ANY);
    void *payload = NULL;
    int payload_len = 0;
    size_t len;
    uint8_t *msg;
    struct flurm_auth_result res;

    memcpy(want + 1, &type, 2);
    ck_assert_ptr_nonnull(cred);
    ck_assert_int_eq(munge_decode(cred, NULL, &payload, &payload_len, NULL, NULL),
                     EMUNGE_SUCCESS);
    ck_assert_int_eq(payload_len, 3);
    ck_assert_mem_eq(payload, want, 3);
    free(payload);
    free(cred);

    msg = signed_message(auth, V2108, type, BODY, BODY_LEN, FLURM_AUTH_UID_ANY, &len);
    ck_assert_int_eq(flurm_auth_verify(auth, msg, len, V2108, type, &res), 0);
    ck_assert_uint_eq(res.hash_type, FLURM_AUTH_HASH_NONE);
    free(msg);
}
END_TEST

START_TEST(tampered_body_is_refused)
{
    struct flurm_auth_result res;
    size_t len;
    uint8_t *msg = signed_message(auth, V2205, REQUEST_JOB_INFO, BODY, BODY_LEN,
                                  FLURM_AUTH_UID_ANY, &len);

    msg[len - 1] ^= 0x01;
    errno = 0;
    ck_assert_int_eq(flurm_auth_verify(auth, msg, len, V2205, REQUEST_JOB_INFO, &res), -1);
    ck_assert_int_eq(res.status, FLURM_AUTH_HASH_MISMATCH);
    ck_assert_int_eq(errno, EACCES);
    ck_assert_int_eq(flurm_auth_status_slurm_rc(res.status), 5003);
    free(msg);
}
END_TEST

START_TEST(truncated_or_extended_body_is_refused)
{
    struct flurm_auth_result res;
    size_t len;
    uint8_t *msg = signed_message(auth, V2205, REQUEST_JOB_INFO, BODY, BODY_LEN,
                                  FLURM_AUTH_UID_ANY, &len);

    ck_assert_int_eq(flurm_auth_verify(auth, msg, len - 1, V2205, REQUEST_JOB_INFO, &res),
                     -1);
    ck_assert_int_eq(res.status, FLURM_AUTH_HASH_MISMATCH);
    free(msg);
}
END_TEST

START_TEST(body_signed_for_another_msg_type_is_refused)
{
    struct flurm_auth_result res;
    size_t len;
    uint8_t *msg = signed_message(auth, V2205, REQUEST_JOB_INFO, BODY, BODY_LEN,
                                  FLURM_AUTH_UID_ANY, &len);

    ck_assert_int_eq(flurm_auth_verify(auth, msg, len, V2205, RESPONSE_JOB_INFO, &res), -1);
    ck_assert_int_eq(res.status, FLURM_AUTH_HASH_MISMATCH);
    free(msg);
}
END_TEST

START_TEST(replayed_credential_is_refused)
{
    struct flurm_auth_result res;
    size_t len;
    uint8_t *msg = signed_message(auth, V2205, REQUEST_JOB_INFO, BODY, BODY_LEN,
                                  FLURM_AUTH_UID_ANY, &len);

    ck_assert_int_eq(flurm_auth_verify(auth, msg, len, V2205, REQUEST_JOB_INFO, &res), 0);
    errno = 0;
    ck_assert_int_eq(flurm_auth_verify(auth, msg, len, V2205, REQUEST_JOB_INFO, &res), -1);
    ck_assert_int_eq(res.status, FLURM_AUTH_CRED_REPLAYED);
    ck_assert_int_eq(errno, EACCES);
    ck_assert_int_eq(flurm_auth_status_slurm_rc(res.status), 1007);
    ck_assert_str_eq(flurm_auth_munge_error(auth), munge_strerror(EMUNGE_CRED_REPLAYED));
    free(msg);
}
END_TEST

/* munged lets only the restricted uid decode, root included. */
START_TEST(credential_restricted_to_another_uid_is_refused)
{
    struct flurm_auth_result res;
    uint32_t other = geteuid() == 12345 ? 12346 : 12345;
    size_t len;
    uint8_t *msg = signed_message(auth, V2205, REQUEST_JOB_INFO, BODY, BODY_LEN, other,
                                  &len);

    errno = 0;
    ck_assert_int_eq(flurm_auth_verify(auth, msg, len, V2205, REQUEST_JOB_INFO, &res), -1);
    ck_assert_int_eq(res.status, FLURM_AUTH_CRED_UNAUTHORIZED);
    ck_assert_int_eq(errno, EACCES);
    ck_assert_int_eq(flurm_auth_status_slurm_rc(res.status), 1007);
    free(msg);
}
END_TEST

START_TEST(credential_restricted_to_our_uid_is_accepted)
{
    struct flurm_auth_result res;
    size_t len;
    uint8_t *msg = signed_message(auth, V2205, REQUEST_JOB_INFO, BODY, BODY_LEN, geteuid(),
                                  &len);

    ck_assert_int_eq(flurm_auth_verify(auth, msg, len, V2205, REQUEST_JOB_INFO, &res), 0);
    free(msg);
}
END_TEST

START_TEST(expired_credential_is_refused)
{
    struct flurm_auth_opts opts = {.ttl = 1};
    struct flurm_auth *short_lived = flurm_auth_create(&opts);
    struct flurm_auth_result res;
    size_t len;
    uint8_t *msg;

    ck_assert_ptr_nonnull(short_lived);
    msg = signed_message(short_lived, V2205, REQUEST_JOB_INFO, BODY, BODY_LEN,
                         FLURM_AUTH_UID_ANY, &len);
    sleep(2);
    ck_assert_int_eq(flurm_auth_verify(auth, msg, len, V2205, REQUEST_JOB_INFO, &res), -1);
    ck_assert_int_eq(res.status, FLURM_AUTH_CRED_EXPIRED);
    free(msg);
    flurm_auth_destroy(short_lived);
}
END_TEST

START_TEST(garbage_credentials_are_refused)
{
    static const char *const garbage[] = {
        "hello",
        "MUNGE:",
        "MUNGE:AwQFAAB0aGlzIGlzIG5vdCBhIGNyZWRlbnRpYWwgYXQgYWxs:",
        "MUNGE:!!!!:",
    };
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
        ck_assert_int_eq(verify_cred(auth, garbage[i], V2205, REQUEST_JOB_INFO),
                         FLURM_AUTH_CRED_INVALID);
}
END_TEST

/* The captured credentials are hours old and, on any machine but the one
 * that captured them, made with another munge key: munged must refuse them
 * as invalid, expired or replayed, never accept them. */
START_TEST(captured_real_credential_is_refused)
{
    size_t len = 0;
    uint8_t *frame = capture_load("squeue/001-c2s-REQUEST_JOB_INFO.hex", &len);
    struct flurm_auth_result res;

    ck_assert_ptr_nonnull(frame);
    ck_assert_uint_gt(len, 4 + 16);
    errno = 0;
    ck_assert_int_eq(flurm_auth_verify(auth, frame + 4 + 16, len - 4 - 16, V2205,
                                       REQUEST_JOB_INFO, &res),
                     -1);
    ck_assert_msg(res.status == FLURM_AUTH_CRED_INVALID
                      || res.status == FLURM_AUTH_CRED_EXPIRED
                      || res.status == FLURM_AUTH_CRED_REPLAYED,
                  "status %s", flurm_auth_status_str(res.status));
    ck_assert_int_eq(errno, EACCES);
    ck_assert_uint_eq(res.section_len, 4 + 4 + 188);
    ck_assert_int_eq(flurm_auth_status_slurm_rc(res.status), 1007);
    free(frame);
}
END_TEST

START_TEST(empty_payload_is_accepted_unless_block_null_hash)
{
    struct flurm_auth_opts strict = {.block_null_hash = true};
    struct flurm_auth *strict_auth = flurm_auth_create(&strict);
    char *cred = cred_with_payload(NULL, 0);
    char *cred2 = cred_with_payload(NULL, 0);

    ck_assert_ptr_nonnull(strict_auth);
    ck_assert_int_eq(verify_cred(auth, cred, V2205, REQUEST_JOB_INFO), FLURM_AUTH_OK);
    ck_assert_int_eq(verify_cred(strict_auth, cred2, V2205, REQUEST_JOB_INFO),
                     FLURM_AUTH_HASH_BLOCKED);
    free(cred);
    free(cred2);
    flurm_auth_destroy(strict_auth);
}
END_TEST

START_TEST(none_hash_must_name_the_msg_type)
{
    const uint8_t big_endian[3] = {0x01, 0x07, 0xd3};    /* 2003 */
    const uint8_t little_endian[3] = {0x01, 0xd3, 0x07}; /* 2003, 21.08 style */
    struct flurm_auth_opts strict = {.block_zero_hash = true};
    struct flurm_auth *strict_auth = flurm_auth_create(&strict);
    char *c[5];

    ck_assert_ptr_nonnull(strict_auth);
    for (int i = 0; i < 5; i++)
        c[i] = cred_with_payload(i < 3 ? big_endian : little_endian, 3);
    ck_assert_int_eq(verify_cred(auth, c[0], V2205, REQUEST_JOB_INFO), FLURM_AUTH_OK);
    ck_assert_int_eq(verify_cred(auth, c[1], V2205, RESPONSE_JOB_INFO),
                     FLURM_AUTH_HASH_MISMATCH);
    ck_assert_int_eq(verify_cred(strict_auth, c[2], V2205, REQUEST_JOB_INFO),
                     FLURM_AUTH_HASH_BLOCKED);
    /* Host order is only forgiven to peers of 21.08 or older. */
    ck_assert_int_eq(verify_cred(auth, c[3], V2108, REQUEST_JOB_INFO), FLURM_AUTH_OK);
    ck_assert_int_eq(verify_cred(auth, c[4], V2205, REQUEST_JOB_INFO),
                     FLURM_AUTH_HASH_MISMATCH);
    for (int i = 0; i < 5; i++)
        free(c[i]);
    flurm_auth_destroy(strict_auth);
}
END_TEST

START_TEST(unknown_hash_type_and_short_k12_hash_are_refused)
{
    uint8_t sha256_like[33] = {0x03};
    uint8_t short_k12[20] = {0x02};
    char *c1 = cred_with_payload(sha256_like, sizeof(sha256_like));
    char *c2 = cred_with_payload(short_k12, sizeof(short_k12));

    ck_assert_int_eq(verify_cred(auth, c1, V2205, REQUEST_JOB_INFO),
                     FLURM_AUTH_HASH_UNSUPPORTED);
    ck_assert_int_eq(verify_cred(auth, c2, V2205, REQUEST_JOB_INFO),
                     FLURM_AUTH_HASH_MISMATCH);
    free(c1);
    free(c2);
}
END_TEST

START_TEST(munge_socket_option_is_used)
{
    struct flurm_auth_opts missing = {.socket_path = "/nonexistent/munge.socket"};
    struct flurm_auth_opts explicit_default = {.socket_path = "/run/munge/munge.socket.2"};
    struct flurm_auth *nowhere = flurm_auth_create(&missing);
    struct flurm_auth *here = flurm_auth_create(&explicit_default);
    struct flurm_auth_result res;
    struct flurm_buf *b = flurm_buf_create(64);
    size_t len;
    uint8_t *msg;

    ck_assert_ptr_nonnull(nowhere);
    ck_assert_ptr_nonnull(here);
    ck_assert_ptr_nonnull(b);
    errno = 0;
    ck_assert_int_eq(flurm_auth_sign(nowhere, V2205, REQUEST_JOB_INFO, BODY, BODY_LEN,
                                     FLURM_AUTH_UID_ANY, b),
                     -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_uint_eq(flurm_buf_len(b), 0);
    ck_assert_str_ne(flurm_auth_munge_error(nowhere), "");

    msg = signed_message(here, V2205, REQUEST_JOB_INFO, BODY, BODY_LEN,
                         FLURM_AUTH_UID_ANY, &len);
    errno = 0;
    ck_assert_int_eq(flurm_auth_verify(nowhere, msg, len, V2205, REQUEST_JOB_INFO, &res),
                     -1);
    ck_assert_int_eq(res.status, FLURM_AUTH_UNAVAILABLE);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_int_eq(flurm_auth_verify(here, msg, len, V2205, REQUEST_JOB_INFO, &res), 0);
    free(msg);
    flurm_buf_destroy(b);
    flurm_auth_destroy(nowhere);
    flurm_auth_destroy(here);
}
END_TEST

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Not a pass/fail limit: prints the per-call cost of the munged round
 * trips, which bounds how many messages one thread can authenticate. */
START_TEST(cost_of_sign_and_verify)
{
    enum { ROUNDS = 200 };
    double sign_us = 0, verify_us = 0;

    for (int i = 0; i < ROUNDS; i++) {
        struct flurm_auth_result res;
        size_t len;
        double t0 = now_us();
        uint8_t *msg = signed_message(auth, V2205, REQUEST_JOB_INFO, BODY, BODY_LEN,
                                      FLURM_AUTH_UID_ANY, &len);
        double t1 = now_us();
        ck_assert_int_eq(flurm_auth_verify(auth, msg, len, V2205, REQUEST_JOB_INFO, &res),
                         0);
        double t2 = now_us();
        sign_us += t1 - t0;
        verify_us += t2 - t1;
        free(msg);
    }
    fprintf(stderr, "test_auth: sign %.0f us, verify %.0f us per call (mean of %d)\n",
            sign_us / ROUNDS, verify_us / ROUNDS, ROUNDS);
}
END_TEST

/* ---- the auth section on the wire (no munged needed) ------------------- */

static const char sample_cred[] = "MUNGE:AwQFAABv5LJI/TS4oKszkV8awHPU:";

static uint8_t *sample_section(size_t *len)
{
    struct flurm_buf *b = flurm_buf_create(64);
    uint8_t *out;

    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(flurm_auth_pack_section(b, sample_cred), 0);
    out = flurm_buf_steal(b, len);
    flurm_buf_destroy(b);
    return out;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* flurm_auth_unpack_section must fail with errno want_errno. */
static void assert_unpack_refused(const uint8_t *p, size_t len, int want_errno)
{
    char *cred = (char *)1;
    size_t section_len = 99;

    errno = 0;
    ck_assert_int_eq(flurm_auth_unpack_section(p, len, &cred, &section_len), -1);
    ck_assert_int_eq(errno, want_errno);
    ck_assert_ptr_null(cred);
    ck_assert_uint_eq(section_len, 0);
}

START_TEST(section_pack_unpack_round_trip)
{
    size_t len, section_len;
    uint8_t *sec = sample_section(&len);
    uint8_t *with_body = malloc(len + 5);
    char *cred = NULL;

    ck_assert_uint_eq(len, 4 + 4 + sizeof(sample_cred));
    ck_assert_mem_eq(sec, "\x00\x00\x00\x65", 4);
    ck_assert_uint_eq(sec[7], sizeof(sample_cred));
    ck_assert_mem_eq(sec + 8, sample_cred, sizeof(sample_cred));

    ck_assert_ptr_nonnull(with_body);
    memcpy(with_body, sec, len);
    memcpy(with_body + len, "body!", 5);
    ck_assert_int_eq(flurm_auth_unpack_section(with_body, len + 5, &cred, &section_len), 0);
    ck_assert_str_eq(cred, sample_cred);
    ck_assert_uint_eq(section_len, len);
    free(cred);
    free(with_body);
    free(sec);
}
END_TEST

START_TEST(every_truncation_of_a_section_is_malformed)
{
    size_t len;
    uint8_t *sec = sample_section(&len);

    for (size_t cut = 0; cut < len; cut++) {
        /* A copy of exactly `cut` bytes, so ASan sees any overread. */
        uint8_t *p = malloc(cut ? cut : 1);
        ck_assert_ptr_nonnull(p);
        memcpy(p, sec, cut);
        assert_unpack_refused(cut ? p : NULL, cut, EBADMSG);
        free(p);
    }
    free(sec);
}
END_TEST

START_TEST(plugin_ids_other_than_munge_are_refused)
{
    static const uint32_t ids[] = {0, 100, 102, 103, 0x65000000};
    size_t len;
    uint8_t *sec = sample_section(&len);
    struct flurm_auth_result res;

    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        put_be32(sec, ids[i]);
        assert_unpack_refused(sec, len, EPROTONOSUPPORT);
        errno = 0;
        ck_assert_int_eq(flurm_auth_verify(auth, sec, len, V2205, REQUEST_JOB_INFO, &res), -1);
        ck_assert_int_eq(res.status, FLURM_AUTH_BAD_PLUGIN);
        ck_assert_int_eq(errno, EPROTONOSUPPORT);
        ck_assert_int_eq(flurm_auth_status_slurm_rc(res.status), 5003);
    }
    free(sec);
}
END_TEST

START_TEST(broken_credential_strings_are_malformed)
{
    size_t len;
    uint8_t *sec = sample_section(&len);
    uint8_t *p = malloc(len);
    struct flurm_auth_result res;
    const size_t str_len = sizeof(sample_cred);

    ck_assert_ptr_nonnull(p);
    /* Missing NUL: the last byte of the string is a character. */
    memcpy(p, sec, len);
    p[len - 1] = ':';
    assert_unpack_refused(p, len, EBADMSG);
    /* NUL inside the string. */
    memcpy(p, sec, len);
    p[8 + 5] = '\0';
    assert_unpack_refused(p, len, EBADMSG);
    /* NULL string (length 0) and an empty string (just the NUL). */
    memcpy(p, sec, len);
    put_be32(p + 4, 0);
    assert_unpack_refused(p, len, EBADMSG);
    put_be32(p + 4, 1);
    assert_unpack_refused(p, len, EBADMSG);
    /* Lengths that lie: longer than what follows, absurdly long. */
    put_be32(p + 4, (uint32_t)str_len + 1);
    assert_unpack_refused(p, len, EBADMSG);
    put_be32(p + 4, 0xffffffffU);
    assert_unpack_refused(p, len, EBADMSG);
    put_be32(p + 4, FLURM_AUTH_MAX_CRED_LEN + 1);
    assert_unpack_refused(p, len, EBADMSG);
    /* A shorter length whose last byte is no NUL. */
    put_be32(p + 4, (uint32_t)str_len - 3);
    assert_unpack_refused(p, len, EBADMSG);

    errno = 0;
    ck_assert_int_eq(flurm_auth_verify(auth, p, len, V2205, REQUEST_JOB_INFO, &res), -1);
    ck_assert_int_eq(res.status, FLURM_AUTH_MALFORMED);
    ck_assert_int_eq(errno, EBADMSG);
    ck_assert_int_eq(flurm_auth_status_slurm_rc(res.status), 5003);
    free(p);
    free(sec);
}
END_TEST

START_TEST(pack_section_refuses_what_unpack_would)
{
    struct flurm_buf *b = flurm_buf_create(64);
    char *huge = malloc(FLURM_AUTH_MAX_CRED_LEN + 1);

    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(huge);
    memset(huge, 'A', FLURM_AUTH_MAX_CRED_LEN);
    huge[FLURM_AUTH_MAX_CRED_LEN] = '\0';
    errno = 0;
    ck_assert_int_eq(flurm_auth_pack_section(b, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(flurm_auth_pack_section(b, ""), -1);
    ck_assert_int_eq(flurm_auth_pack_section(b, huge), -1);
    ck_assert_int_eq(errno, EMSGSIZE);
    ck_assert_uint_eq(flurm_buf_len(b), 0);
    free(huge);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(authinfo_gives_socket_and_ttl)
{
    char *sock = NULL;
    int ttl = -1;

    ck_assert_int_eq(flurm_auth_parse_authinfo("socket=/run/m.sock,ttl=60", &sock, &ttl), 0);
    ck_assert_str_eq(sock, "/run/m.sock");
    ck_assert_int_eq(ttl, 60);
    free(sock);
    ck_assert_int_eq(flurm_auth_parse_authinfo("ttl=5,cred_expire=30,socket=/s", &sock, &ttl),
                     0);
    ck_assert_str_eq(sock, "/s");
    ck_assert_int_eq(ttl, 5);
    free(sock);
    /* The old form: the whole value is the socket path. */
    ck_assert_int_eq(flurm_auth_parse_authinfo("/var/run/munge/alt.socket", &sock, &ttl), 0);
    ck_assert_str_eq(sock, "/var/run/munge/alt.socket");
    ck_assert_int_eq(ttl, 0);
    free(sock);
    ck_assert_int_eq(flurm_auth_parse_authinfo(NULL, &sock, &ttl), 0);
    ck_assert_ptr_null(sock);
    ck_assert_int_eq(flurm_auth_parse_authinfo("cred_expire=30", &sock, &ttl), 0);
    ck_assert_ptr_null(sock);
    ck_assert_int_eq(ttl, 0);
    errno = 0;
    ck_assert_int_eq(flurm_auth_parse_authinfo("socket=/s,ttl=soon", &sock, &ttl), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(sock);
    ck_assert_int_eq(flurm_auth_parse_authinfo("ttl=-3", &sock, &ttl), -1);
}
END_TEST

START_TEST(statuses_are_distinguishable)
{
    for (int i = FLURM_AUTH_OK; i <= FLURM_AUTH_HASH_UNSUPPORTED; i++)
        for (int j = i + 1; j <= FLURM_AUTH_HASH_UNSUPPORTED; j++)
            ck_assert_str_ne(flurm_auth_status_str(i), flurm_auth_status_str(j));
    ck_assert_int_eq(flurm_auth_status_slurm_rc(FLURM_AUTH_OK), 0);
    ck_assert_int_eq(flurm_auth_status_slurm_rc(FLURM_AUTH_CRED_EXPIRED), 1007);
    ck_assert_int_eq(flurm_auth_status_slurm_rc(FLURM_AUTH_HASH_MISMATCH), 5003);
}
END_TEST

START_TEST(create_and_destroy)
{
    struct flurm_auth_opts bad = {.ttl = -1};

    errno = 0;
    ck_assert_ptr_null(flurm_auth_create(&bad));
    ck_assert_int_eq(errno, EINVAL);
    flurm_auth_destroy(NULL);
    ck_assert_str_eq(flurm_auth_munge_error(NULL), "");
}
END_TEST

static Suite *auth_suite(void)
{
    Suite *s = suite_create("auth");
    TCase *munge = tcase_create("munge");
    TCase *section = tcase_create("section");

    tcase_add_checked_fixture(munge, setup_munge, teardown);
    tcase_set_timeout(munge, 60);
    tcase_add_test(munge, sign_then_verify_gives_our_uid_and_gid);
    tcase_add_test(munge, signed_payload_is_the_slurm_k12_body_hash);
    tcase_add_test(munge, signing_for_a_2108_peer_uses_the_none_hash_in_host_order);
    tcase_add_test(munge, tampered_body_is_refused);
    tcase_add_test(munge, truncated_or_extended_body_is_refused);
    tcase_add_test(munge, body_signed_for_another_msg_type_is_refused);
    tcase_add_test(munge, replayed_credential_is_refused);
    tcase_add_test(munge, credential_restricted_to_another_uid_is_refused);
    tcase_add_test(munge, credential_restricted_to_our_uid_is_accepted);
    tcase_add_test(munge, expired_credential_is_refused);
    tcase_add_test(munge, garbage_credentials_are_refused);
    tcase_add_test(munge, captured_real_credential_is_refused);
    tcase_add_test(munge, empty_payload_is_accepted_unless_block_null_hash);
    tcase_add_test(munge, none_hash_must_name_the_msg_type);
    tcase_add_test(munge, unknown_hash_type_and_short_k12_hash_are_refused);
    tcase_add_test(munge, munge_socket_option_is_used);
    tcase_add_test(munge, cost_of_sign_and_verify);
    suite_add_tcase(s, munge);

    /* Section parsing never reaches munged, but verify() needs a context. */
    tcase_add_checked_fixture(section, setup_context, teardown);
    tcase_add_test(section, section_pack_unpack_round_trip);
    tcase_add_test(section, every_truncation_of_a_section_is_malformed);
    tcase_add_test(section, plugin_ids_other_than_munge_are_refused);
    tcase_add_test(section, broken_credential_strings_are_malformed);
    tcase_add_test(section, pack_section_refuses_what_unpack_would);
    tcase_add_test(section, authinfo_gives_socket_and_ttl);
    tcase_add_test(section, statuses_are_distinguishable);
    tcase_add_test(section, create_and_destroy);
    suite_add_tcase(s, section);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(auth_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
