/*
 * test_slurmd.c - the node manager's client of slurmd
 * (services/nodemgr/slurmd.h): the request frame a slurmd receives (22.05,
 * munge-signed, the body of its type), and what becomes of every kind of
 * answer: a ping reply or a return code handed over decoded, a refused,
 * closed, silent or forged answer turned into an error, requests in
 * flight cancelled by destroy.
 *
 * The slurmd is a stand-in thread on 127.0.0.1 that reads one frame,
 * checks its credential with munged, and answers as told.  munged must
 * run (scripts/setup starts it).
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/loop.h"
#include "services/nodemgr/slurmd.h"
#include "wire/auth.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/pack.h"
#include "wire/rec_generic.h"
#include "wire/rec_slurmd.h"
#include "wire/record.h"

enum answer { ANSWER_PING, ANSWER_RC, ANSWER_CLOSE, ANSWER_SILENT, ANSWER_FORGED };

/* The stand-in slurmd and what it saw. */
struct fake {
    int listen_fd;
    uint16_t port;
    enum answer answer;
    int32_t rc;
    pthread_t thread;
    int got_frame;
    int verified;
    uint16_t version;
    uint16_t msg_type;
    uint32_t body_len;
    uint32_t uid;
};

static struct flurm_loop *loop;
static struct slurmd_client *client;
static struct fake fake;

/* What the client's callback got. */
static int calls;
static int got_errnum;
static enum flurm_msg_type got_type;
static struct flurm_ping_slurmd_resp got_ping;
static int32_t got_rc;

static int read_all(int fd, void *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t r = read(fd, (uint8_t *)buf + done, len - done);

        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

/* A signed reply frame of `type` with the body of `obj`, at `version`. */
static uint8_t *reply_frame(struct flurm_auth *auth, uint16_t version, enum flurm_msg_type type,
                            const void *obj, bool forge, size_t *len)
{
    struct flurm_buf *body = flurm_buf_create(64), *out = flurm_buf_create(512);
    struct flurm_header h = {.version = version, .msg_type = (uint16_t)type};
    uint8_t *frame, *copy;
    size_t body_len;

    ck_assert_int_eq(flurm_msg_body_encode(version, type, obj, body), 0);
    body_len = flurm_buf_len(body);
    ck_assert_ptr_nonnull(copy = malloc(body_len));
    memcpy(copy, flurm_buf_data(body), body_len);
    h.body_length = (uint32_t)body_len;
    ck_assert_int_eq(flurm_pack32(out, 0), 0);
    ck_assert_int_eq(flurm_header_pack(&h, out), 0);
    ck_assert_int_eq(
        flurm_auth_sign(auth, version, (uint16_t)type, copy, body_len, FLURM_AUTH_UID_ANY, out), 0);
    if (forge)
        copy[body_len - 1] ^= 0x01; /* changed after signing */
    ck_assert_int_eq(flurm_pack_raw(out, copy, body_len), 0);
    ck_assert_int_eq(flurm_pack32_at(out, 0, (uint32_t)(flurm_buf_len(out) - 4)), 0);
    frame = flurm_buf_steal(out, len);
    flurm_buf_destroy(out);
    flurm_buf_destroy(body);
    free(copy);
    return frame;
}

static void *fake_main(void *arg)
{
    struct fake *f = arg;
    struct flurm_auth *auth = flurm_auth_create(NULL);
    struct flurm_msg_parts parts;
    struct flurm_auth_result res;
    uint8_t prefix[4], *msg = NULL, *out = NULL;
    uint32_t len;
    size_t out_len;
    char drain[64];
    int fd = accept(f->listen_fd, NULL, NULL);

    if (fd < 0 || !auth || read_all(fd, prefix, 4) < 0)
        goto out;
    len = (uint32_t)prefix[0] << 24 | (uint32_t)prefix[1] << 16 | (uint32_t)prefix[2] << 8 |
          prefix[3];
    if (len > 65536 || !(msg = malloc(len)) || read_all(fd, msg, len) < 0)
        goto out;
    f->got_frame = 1;
    if (flurm_msg_split(&parts, msg, len) == 0) {
        f->version = parts.hdr.version;
        f->msg_type = parts.hdr.msg_type;
        f->body_len = parts.hdr.body_length;
        if (flurm_auth_verify(auth, parts.auth, parts.auth_len + parts.body_len,
                              parts.hdr.version, parts.hdr.msg_type, &res) == 0) {
            f->verified = 1;
            f->uid = res.uid;
        }
    }
    flurm_msg_parts_free(&parts);
    switch (f->answer) {
    case ANSWER_PING:
    case ANSWER_FORGED: {
        struct flurm_ping_slurmd_resp ping = {.cpu_load = 155, .free_mem = 23369};

        out = reply_frame(auth, f->version, FLURM_RESPONSE_PING_SLURMD, &ping,
                          f->answer == ANSWER_FORGED, &out_len);
        break;
    }
    case ANSWER_RC: {
        struct flurm_rc_msg rc = {.return_code = f->rc};

        out = reply_frame(auth, f->version, FLURM_RESPONSE_SLURM_RC, &rc, false, &out_len);
        break;
    }
    case ANSWER_SILENT:
        /* until the client gives up and closes */
        while (read(fd, drain, sizeof(drain)) > 0)
            ;
        break;
    case ANSWER_CLOSE:
        break;
    }
    if (out && write(fd, out, out_len) != (ssize_t)out_len)
        f->got_frame = -1;
out:
    if (fd >= 0)
        close(fd);
    free(msg);
    free(out);
    flurm_auth_destroy(auth);
    return NULL;
}

/* A listening socket on 127.0.0.1 with a port of its own. */
static int listen_any(uint16_t *port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

static void fake_start(enum answer answer)
{
    memset(&fake, 0, sizeof(fake));
    fake.answer = answer;
    fake.listen_fd = listen_any(&fake.port);
    ck_assert_int_eq(pthread_create(&fake.thread, NULL, fake_main, &fake), 0);
}

static void fake_join(void)
{
    pthread_join(fake.thread, NULL);
    close(fake.listen_fd);
}

static void setup(void)
{
    ck_assert_ptr_nonnull(loop = flurm_loop_create());
    ck_assert_ptr_nonnull(client = slurmd_client_create(loop, NULL, 2.0));
    calls = 0;
    got_errnum = -1;
    got_type = FLURM_MSG_NONE;
    memset(&got_ping, 0, sizeof(got_ping));
    got_rc = -1;
}

static void teardown(void)
{
    slurmd_client_destroy(client);
    client = NULL;
    flurm_loop_destroy(loop);
    loop = NULL;
}

static void done(int errnum, enum flurm_msg_type type, const void *body, void *arg)
{
    (void)arg;
    calls++;
    got_errnum = errnum;
    got_type = type;
    if (type == FLURM_RESPONSE_PING_SLURMD)
        got_ping = *(const struct flurm_ping_slurmd_resp *)body;
    if (type == FLURM_RESPONSE_SLURM_RC)
        got_rc = ((const struct flurm_rc_msg *)body)->return_code;
    if (loop)
        flurm_loop_stop(loop);
}

/* Ask the slurmd on `port` to register and run the loop to the answer. */
static void ask(uint16_t port)
{
    ck_assert_int_eq(slurmd_client_send(client, "127.0.0.1", port,
                                        FLURM_REQUEST_NODE_REGISTRATION_STATUS, NULL, done, NULL),
                     0);
    ck_assert_int_eq(slurmd_client_pending(client), 1);
    flurm_loop_run(loop);
    ck_assert_int_eq(slurmd_client_pending(client), 0);
}

START_TEST(a_registration_request_is_a_signed_22_05_frame_and_the_ping_reply_comes_back)
{
    fake_start(ANSWER_PING);
    ask(fake.port);
    fake_join();
    ck_assert_int_eq(fake.got_frame, 1);
    ck_assert_int_eq(fake.version, FLURM_PROTO_22_05);
    ck_assert_int_eq(fake.msg_type, FLURM_REQUEST_NODE_REGISTRATION_STATUS);
    ck_assert_int_eq(fake.body_len, 0);
    ck_assert_msg(fake.verified, "munged accepts the request's credential");
    ck_assert_int_eq(fake.uid, getuid());
    ck_assert_int_eq(calls, 1);
    ck_assert_int_eq(got_errnum, 0);
    ck_assert_int_eq(got_type, FLURM_RESPONSE_PING_SLURMD);
    ck_assert_int_eq(got_ping.cpu_load, 155);
    ck_assert_int_eq(got_ping.free_mem, 23369);
}
END_TEST

START_TEST(a_return_code_is_handed_over)
{
    fake_start(ANSWER_RC);
    fake.rc = 2010;
    ask(fake.port);
    fake_join();
    ck_assert_int_eq(got_errnum, 0);
    ck_assert_int_eq(got_type, FLURM_RESPONSE_SLURM_RC);
    ck_assert_int_eq(got_rc, 2010);
}
END_TEST

START_TEST(no_slurmd_on_the_port_is_connection_refused)
{
    uint16_t port;
    int fd = listen_any(&port);

    close(fd); /* a port nobody listens on */
    errno = 0;
    if (slurmd_client_send(client, "127.0.0.1", port, FLURM_REQUEST_NODE_REGISTRATION_STATUS,
                           NULL, done, NULL) < 0) {
        ck_assert_int_eq(errno, ECONNREFUSED);
        ck_assert_int_eq(calls, 0);
        return;
    }
    flurm_loop_run(loop);
    ck_assert_int_eq(calls, 1);
    ck_assert_int_eq(got_errnum, ECONNREFUSED);
    ck_assert_int_eq(got_type, FLURM_MSG_NONE);
}
END_TEST

START_TEST(a_slurmd_that_closes_without_answering_is_a_reset)
{
    fake_start(ANSWER_CLOSE);
    ask(fake.port);
    fake_join();
    ck_assert_int_eq(fake.got_frame, 1);
    ck_assert_int_eq(got_errnum, ECONNRESET);
}
END_TEST

START_TEST(a_silent_slurmd_times_out)
{
    slurmd_client_destroy(client);
    ck_assert_ptr_nonnull(client = slurmd_client_create(loop, NULL, 0.3));
    fake_start(ANSWER_SILENT);
    ask(fake.port);
    fake_join();
    ck_assert_int_eq(got_errnum, ETIMEDOUT);
}
END_TEST

START_TEST(a_reply_changed_after_signing_is_refused)
{
    fake_start(ANSWER_FORGED);
    ask(fake.port);
    fake_join();
    ck_assert_int_eq(got_errnum, EACCES);
    ck_assert_int_eq(got_type, FLURM_MSG_NONE);
}
END_TEST

START_TEST(a_name_that_does_not_resolve_fails_at_once)
{
    errno = 0;
    ck_assert_int_eq(slurmd_client_send(client, "nosuch-node.invalid", 6818,
                                        FLURM_REQUEST_NODE_REGISTRATION_STATUS, NULL, done, NULL),
                     -1);
    ck_assert_int_eq(errno, EHOSTUNREACH);
    ck_assert_int_eq(slurmd_client_pending(client), 0);
    ck_assert_int_eq(calls, 0);
}
END_TEST

START_TEST(destroy_cancels_the_requests_in_flight)
{
    fake_start(ANSWER_SILENT);
    ck_assert_int_eq(slurmd_client_send(client, "127.0.0.1", fake.port,
                                        FLURM_REQUEST_NODE_REGISTRATION_STATUS, NULL, done, NULL),
                     0);
    slurmd_client_destroy(client);
    client = NULL;
    ck_assert_int_eq(calls, 1);
    ck_assert_int_eq(got_errnum, ECANCELED);
    fake_join();
}
END_TEST

static Suite *slurmd_suite(void)
{
    Suite *s = suite_create("nodemgr_slurmd");
    TCase *tc = tcase_create("client");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc,
                   a_registration_request_is_a_signed_22_05_frame_and_the_ping_reply_comes_back);
    tcase_add_test(tc, a_return_code_is_handed_over);
    tcase_add_test(tc, no_slurmd_on_the_port_is_connection_refused);
    tcase_add_test(tc, a_slurmd_that_closes_without_answering_is_a_reset);
    tcase_add_test(tc, a_silent_slurmd_times_out);
    tcase_add_test(tc, a_reply_changed_after_signing_is_refused);
    tcase_add_test(tc, a_name_that_does_not_resolve_fails_at_once);
    tcase_add_test(tc, destroy_cancels_the_requests_in_flight);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(slurmd_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
