/*
 * test_listencheck.c - a service keeps taking new connections after a
 * peer hung up during the handshake (common/listencheck.h).
 *
 * Under NNG 1.5.2 (nanomsg/nng#1518) one connect() and close() on a
 * listening ipc path, before NNG's handshake, leaves that listener deaf:
 * later connections complete on the dialing side, and their requests or
 * events never arrive.  A process dying while it reconnects does exactly
 * that.  With the service's listen check, the instance notices and binds
 * the socket again; the control cases show the check is what makes the
 * difference with this NNG.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/client.h"
#include "common/ipc.h"
#include "common/loop.h"
#include "common/pubsub.h"
#include "common/service.h"

#define CHECK_PERIOD_S 0.2

struct fixture {
    char rundir[64];
    struct flurm_loop *loop;
    struct flurm_service *svc;
};

static struct fixture f;

static void echo(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply(req, json_incref(flurm_request_body(req)));
}

/* A handler that holds the loop, as a long commit does. */
static void stall(struct flurm_request *req, void *arg)
{
    (void)arg;
    sleep(3);
    flurm_request_reply(req, json_object());
}

static const struct flurm_handler handlers[] = {
    {"echo", echo},
    {"stall", stall},
    {NULL, NULL},
};

/* A service "unit" with events, checking its listeners every `period`
 * seconds (0: not at all). */
static void start(double period)
{
    memset(&f, 0, sizeof(f));
    strcpy(f.rundir, "/tmp/flurm-test-lc-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f.rundir));
    ck_assert_ptr_nonnull(f.loop = flurm_loop_create());
    ck_assert_ptr_nonnull(f.svc = flurm_service_create(f.loop, "unit", "v-test", handlers, NULL));
    ck_assert_int_eq(flurm_service_set_rundir(f.svc, f.rundir), 0);
    flurm_service_enable_events(f.svc);
    ck_assert_int_eq(flurm_service_set_listen_check(f.svc, period), 0);
    ck_assert_int_eq(flurm_service_start(f.svc), 0);
}

static void teardown(void)
{
    char cmd[128];

    flurm_service_destroy(f.svc);
    flurm_loop_destroy(f.loop);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f.rundir);
    ck_assert_int_eq(system(cmd), 0);
}

static void wake(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)ev;
    (void)w;
    (void)revents;
}

static void run_for(double seconds)
{
    double end = ev_time() + seconds;

    while (ev_time() < end) {
        struct ev_loop *ev = flurm_loop_ev(f.loop);
        ev_timer t;

        ev_timer_init(&t, wake, 0.01, 0.0);
        ev_timer_start(ev, &t);
        ev_run(ev, EVRUN_ONCE);
        ev_timer_stop(ev, &t);
    }
}

/* What a peer dying between connect() and NNG's handshake does to the
 * path of `kind` (through its symlink, as consumers dial).  The listener
 * goes deaf only when it writes its header to a peer already gone, a race
 * with NNG's accept thread that one try does not always win: callers try
 * until they see the effect. */
static void hang_up_during_handshake(enum flurm_ipc_kind kind)
{
    char *path = flurm_ipc_link_path(f.rundir, "unit", kind);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    ck_assert_ptr_nonnull(path);
    ck_assert_int_ge(fd, 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
    free(path);
    /* let NNG take the connection and fail its handshake */
    run_for(0.1);
}

/* Hang up until the check has found the listener deaf and bound it
 * again (at most `tries` times, each given time for a verdict). */
static void make_deaf_until_rebound(enum flurm_ipc_kind kind, int tries)
{
    for (int i = 0; i < tries && flurm_service_listeners_rebound(f.svc) == 0; i++) {
        hang_up_during_handshake(kind);
        for (int k = 0; k < 40 && flurm_service_listeners_rebound(f.svc) == 0; k++)
            run_for(0.1);
    }
    ck_assert_uint_ge(flurm_service_listeners_rebound(f.svc), 1);
}

struct result {
    int done;
    int errnum;
};

static void on_reply(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct result *r = arg;

    (void)reply;
    r->done = 1;
    r->errnum = errnum;
}

/* A new consumer's request: 0 if answered within `timeout`, else the
 * errno. */
static int new_client_asks(double timeout)
{
    char *url = flurm_ipc_link_url(f.rundir, "unit", FLURM_IPC_REQ);
    struct flurm_client *c = flurm_client_create(f.loop, url, "tester");
    struct result r = {0, 0};
    double give_up = ev_time() + timeout + 2;

    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(flurm_client_request(c, "echo", NULL, timeout, on_reply, &r), 0);
    while (!r.done && ev_time() < give_up)
        run_for(0.01);
    ck_assert(r.done);
    flurm_client_destroy(c);
    free(url);
    return r.errnum;
}

static void on_event(const struct flurm_msg *event, void *arg)
{
    (void)event;
    ++*(int *)arg;
}

/* Whether a new subscriber hears an event published every 0.1 s within
 * `seconds`. */
static int new_subscriber_hears(double seconds)
{
    char *url = flurm_ipc_link_url(f.rundir, "unit", FLURM_IPC_EVENTS);
    int heard = 0;
    struct flurm_subscriber *sub = flurm_subscriber_create(f.loop, url, on_event, NULL, &heard);
    double end = ev_time() + seconds;

    ck_assert_ptr_nonnull(sub);
    ck_assert_int_eq(flurm_subscriber_subscribe(sub, "unit."), 0);
    while (!heard && ev_time() < end) {
        json_t *body = json_object();

        flurm_service_publish(f.svc, "unit.tick", body);
        json_decref(body);
        run_for(0.1);
    }
    /* let its handshake end before it closes (a close during it is what
     * made the listener deaf) */
    run_for(0.2);
    flurm_subscriber_destroy(sub);
    free(url);
    return heard > 0;
}

START_TEST(requests_reach_a_service_after_a_hang_up_during_the_handshake)
{
    start(CHECK_PERIOD_S);
    ck_assert_int_eq(new_client_asks(5), 0);
    make_deaf_until_rebound(FLURM_IPC_REQ, 10);
    ck_assert_int_eq(new_client_asks(5), 0);
    teardown();
}
END_TEST

START_TEST(events_reach_a_new_subscriber_after_a_hang_up_during_the_handshake)
{
    start(CHECK_PERIOD_S);
    ck_assert(new_subscriber_hears(5));
    make_deaf_until_rebound(FLURM_IPC_EVENTS, 10);
    ck_assert(new_subscriber_hears(8));
    teardown();
}
END_TEST

START_TEST(a_listener_that_takes_connections_is_left_alone)
{
    start(CHECK_PERIOD_S);
    run_for(10 * CHECK_PERIOD_S);
    ck_assert_int_eq(new_client_asks(5), 0);
    ck_assert(new_subscriber_hears(5));
    ck_assert_uint_eq(flurm_service_listeners_rebound(f.svc), 0);
    teardown();
}
END_TEST

START_TEST(a_stalled_loop_is_not_taken_for_a_deaf_listener)
{
    char *url;
    struct flurm_client *c;
    struct result r = {0, 0};

    start(CHECK_PERIOD_S);
    run_for(3 * CHECK_PERIOD_S); /* probes under way */
    url = flurm_ipc_link_url(f.rundir, "unit", FLURM_IPC_REQ);
    ck_assert_ptr_nonnull(c = flurm_client_create(f.loop, url, "tester"));
    ck_assert_int_eq(flurm_client_request(c, "stall", NULL, 10, on_reply, &r), 0);
    while (!r.done)
        run_for(0.05);
    ck_assert_int_eq(r.errnum, 0);
    run_for(10 * CHECK_PERIOD_S);
    ck_assert_uint_eq(flurm_service_listeners_rebound(f.svc), 0);
    ck_assert_int_eq(new_client_asks(5), 0);
    flurm_client_destroy(c);
    free(url);
    teardown();
}
END_TEST

/* The controls: without the check, this NNG leaves the listener deaf.  If
 * they fail, NNG no longer has the bug and the check may go. */
START_TEST(without_the_check_nng_loses_the_request_socket)
{
    int deaf = 0;

    start(0);
    for (int i = 0; i < 10 && !deaf; i++) {
        hang_up_during_handshake(FLURM_IPC_REQ);
        deaf = new_client_asks(1.0) == ETIMEDOUT;
    }
    ck_assert_msg(deaf, "NNG took every connection after 10 hang-ups: nanomsg/nng#1518 is fixed");
    teardown();
}
END_TEST

START_TEST(without_the_check_nng_loses_the_events_socket)
{
    int deaf = 0;

    start(0);
    for (int i = 0; i < 10 && !deaf; i++) {
        hang_up_during_handshake(FLURM_IPC_EVENTS);
        deaf = !new_subscriber_hears(1.0);
    }
    ck_assert_msg(deaf, "NNG took every connection after 10 hang-ups: nanomsg/nng#1518 is fixed");
    teardown();
}
END_TEST

static Suite *listencheck_suite(void)
{
    Suite *s = suite_create("listencheck");
    TCase *tc = tcase_create("listencheck");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, requests_reach_a_service_after_a_hang_up_during_the_handshake);
    tcase_add_test(tc, events_reach_a_new_subscriber_after_a_hang_up_during_the_handshake);
    tcase_add_test(tc, a_listener_that_takes_connections_is_left_alone);
    tcase_add_test(tc, a_stalled_loop_is_not_taken_for_a_deaf_listener);
    tcase_add_test(tc, without_the_check_nng_loses_the_request_socket);
    tcase_add_test(tc, without_the_check_nng_loses_the_events_socket);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(listencheck_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
