/*
 * test_nng.c - what NNG 1.5.2 (Debian 12) really does when the pipe under
 * an open request closes.  The client's re-send logic (common/client.c) and
 * docs/messages.md rest on these facts; if an NNG upgrade changes them,
 * this file says so before a reload test flakes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

static char dir[] = "/tmp/flurm-test-nng-XXXXXX";
static char url[128];

static void make_url(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(url, sizeof(url), "ipc://%s/svc.req", dir);
}

static void remove_dir(void)
{
    char cmd[96];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static nng_socket listening_rep(void)
{
    nng_socket rep;

    ck_assert_int_eq(nng_rep0_open(&rep), 0);
    ck_assert_int_eq(nng_socket_set_ms(rep, NNG_OPT_RECVTIMEO, 5000), 0);
    ck_assert_int_eq(nng_listen(rep, url, NULL, 0), 0);
    return rep;
}

static nng_socket dialing_req(nng_duration resend)
{
    nng_socket req;

    ck_assert_int_eq(nng_req0_open(&req), 0);
    ck_assert_int_eq(nng_socket_set_ms(req, NNG_OPT_REQ_RESENDTIME, resend), 0);
    ck_assert_int_eq(nng_socket_set_ms(req, NNG_OPT_RECONNMINT, 10), 0);
    ck_assert_int_eq(nng_socket_set_ms(req, NNG_OPT_RECONNMAXT, 50), 0);
    ck_assert_int_eq(nng_dial(req, url, NULL, NNG_FLAG_NONBLOCK), 0);
    return req;
}

/* Send "ping" on a new context of req and wait until rep has received it
 * (the server took it, and will never answer). */
static void send_and_take(nng_socket req, nng_socket rep, nng_ctx *ctx, nng_aio *aio)
{
    nng_msg *msg;
    char *buf = NULL;
    size_t len = 0;

    ck_assert_int_eq(nng_ctx_open(ctx, req), 0);
    ck_assert_int_eq(nng_msg_alloc(&msg, 0), 0);
    ck_assert_int_eq(nng_msg_append(msg, "ping", 4), 0);
    nng_aio_set_msg(aio, msg);
    nng_aio_set_timeout(aio, 5000);
    nng_ctx_send(*ctx, aio);
    nng_aio_wait(aio);
    ck_assert_int_eq(nng_aio_result(aio), 0);
    ck_assert_int_eq(nng_recv(rep, &buf, &len, NNG_FLAG_ALLOC), 0);
    ck_assert_int_eq(len, 4);
    nng_free(buf, len);
}

START_TEST(with_resend_disabled_a_lost_pipe_fails_the_receive_with_econnreset)
{
    nng_socket rep, rep2, req;
    nng_ctx ctx;
    nng_aio *aio;
    char *buf = NULL;
    size_t len = 0;

    make_url();
    rep = listening_rep();
    req = dialing_req(NNG_DURATION_INFINITE);
    ck_assert_int_eq(nng_aio_alloc(&aio, NULL, NULL), 0);
    send_and_take(req, rep, &ctx, aio);

    nng_aio_set_timeout(aio, 5000);
    nng_ctx_recv(ctx, aio);
    nng_close(rep); /* the serving instance goes away unanswered */
    rep2 = listening_rep();
    nng_aio_wait(aio);
    ck_assert_int_eq(nng_aio_result(aio), NNG_ECONNRESET);

    /* ... and NNG did not re-send it to the new listener. */
    ck_assert_int_eq(nng_socket_set_ms(rep2, NNG_OPT_RECVTIMEO, 300), 0);
    ck_assert_int_eq(nng_recv(rep2, &buf, &len, NNG_FLAG_ALLOC), NNG_ETIMEDOUT);

    nng_aio_free(aio);
    nng_ctx_close(ctx);
    nng_close(req);
    nng_close(rep2);
    remove_dir();
}
END_TEST

START_TEST(with_resend_enabled_nng_resends_on_the_next_pipe_by_itself)
{
    nng_socket rep, rep2, req;
    nng_ctx ctx;
    nng_aio *aio;
    char *buf = NULL;
    size_t len = 0;

    make_url();
    rep = listening_rep();
    req = dialing_req(60000); /* far beyond the test: only the pipe loss counts */
    ck_assert_int_eq(nng_aio_alloc(&aio, NULL, NULL), 0);
    send_and_take(req, rep, &ctx, aio);

    nng_aio_set_timeout(aio, 5000);
    nng_ctx_recv(ctx, aio);
    nng_close(rep);
    rep2 = listening_rep();
    ck_assert_int_eq(nng_recv(rep2, &buf, &len, NNG_FLAG_ALLOC), 0);
    ck_assert(len == 4 && memcmp(buf, "ping", 4) == 0);
    nng_free(buf, len);

    nng_aio_cancel(aio);
    nng_aio_wait(aio);
    nng_aio_free(aio);
    nng_ctx_close(ctx);
    nng_close(req);
    nng_close(rep2);
    remove_dir();
}
END_TEST

START_TEST(an_ipc_listener_unlinks_its_socket_on_close)
{
    nng_socket rep;
    char path[128];

    make_url();
    rep = listening_rep();
    snprintf(path, sizeof(path), "%s/svc.req", dir);
    ck_assert_int_eq(access(path, F_OK), 0);
    nng_close(rep);
    ck_assert_int_ne(access(path, F_OK), 0);
    remove_dir();
}
END_TEST

static Suite *nng_suite(void)
{
    Suite *s = suite_create("nng-1.5.2");
    TCase *tc = tcase_create("req0");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, with_resend_disabled_a_lost_pipe_fails_the_receive_with_econnreset);
    tcase_add_test(tc, with_resend_enabled_nng_resends_on_the_next_pipe_by_itself);
    tcase_add_test(tc, an_ipc_listener_unlinks_its_socket_on_close);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(nng_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
