/*
 * test_dialer.c - a consumer whose NNG dialer gave up connects again
 * (common/dialer.c).  NNG 1.5.2 stops dialing for good when a peer dies in
 * the middle of the SP handshake; the tests stand in for that by closing
 * the NNG dialer themselves, which leaves the socket in the same state: no
 * connection and nothing dialing.  A service, a client and a subscriber
 * share one loop, over real ipc sockets in a temporary run folder.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/client.h"
#include "common/dialer.h"
#include "common/ipc.h"
#include "common/loop.h"
#include "common/pubsub.h"
#include "common/service.h"

struct fixture {
    char rundir[64];
    struct flurm_loop *loop;
    struct flurm_service *svc;
    struct flurm_client *client;
    struct flurm_subscriber *sub;
    int replies;
    int ok_replies;
    int events;
};

static void ping(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply(req, NULL);
}

static const struct flurm_handler handlers[] = {
    {"ping", ping},
    {NULL, NULL},
};

static void on_reply(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct fixture *f = arg;

    f->replies++;
    if (!errnum && flurm_msg_ok(reply))
        f->ok_replies++;
}

static void on_event(const struct flurm_msg *ev, void *arg)
{
    struct fixture *f = arg;

    (void)ev;
    f->events++;
}

static void setup(struct fixture *f)
{
    char *url;

    memset(f, 0, sizeof(*f));
    strcpy(f->rundir, "/tmp/flurm-test-dialer-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f->rundir));
    ck_assert_ptr_nonnull(f->loop = flurm_loop_create());
    ck_assert_ptr_nonnull(f->svc = flurm_service_create(f->loop, "echo", "v-test", handlers, f));
    ck_assert_int_eq(flurm_service_set_rundir(f->svc, f->rundir), 0);
    flurm_service_enable_events(f->svc);
    ck_assert_int_eq(flurm_service_start(f->svc), 0);
    url = flurm_ipc_link_url(f->rundir, "echo", FLURM_IPC_REQ);
    ck_assert_ptr_nonnull(f->client = flurm_client_create(f->loop, url, "tester"));
    free(url);
    url = flurm_ipc_link_url(f->rundir, "echo", FLURM_IPC_EVENTS);
    ck_assert_ptr_nonnull(f->sub = flurm_subscriber_create(f->loop, url, on_event, NULL, f));
    free(url);
    ck_assert_int_eq(flurm_subscriber_subscribe(f->sub, ""), 0);
}

static void teardown(struct fixture *f)
{
    char cmd[128];

    flurm_subscriber_destroy(f->sub);
    flurm_client_destroy(f->client);
    flurm_service_destroy(f->svc);
    flurm_loop_destroy(f->loop);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->rundir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Run the loop for `seconds`, or until *counter reaches `want`. */
static void run_until(struct fixture *f, const int *counter, int want, double seconds)
{
    ev_tstamp give_up = ev_time() + seconds;

    while ((!counter || *counter < want) && ev_time() < give_up) {
        ev_run(flurm_loop_ev(f->loop), EVRUN_NOWAIT);
        usleep(10000);
    }
}

/* One answered ping, so that the client is known to be connected. */
static void ping_once(struct fixture *f)
{
    int before = f->ok_replies;

    ck_assert_int_eq(flurm_client_request(f->client, "ping", NULL, 10.0, on_reply, f), 0);
    run_until(f, &f->ok_replies, before + 1, 12.0);
    ck_assert_int_eq(f->ok_replies, before + 1);
}

START_TEST(a_client_whose_dialer_gave_up_is_answered_again)
{
    struct fixture f;
    struct flurm_dialer *dialer;
    ev_tstamp sent;

    setup(&f);
    ping_once(&f);
    dialer = flurm_client_dialer(f.client);
    ck_assert_int_eq(flurm_dialer_redials(dialer), 0);
    ck_assert_int_eq(nng_dialer_close(flurm_dialer_nng(dialer)), 0);
    run_until(&f, NULL, 0, 0.2);
    ck_assert(!flurm_dialer_connected(dialer));
    sent = ev_time();
    ping_once(&f);
    /* answered within the watchdog's period and one reconnect */
    ck_assert_double_lt(ev_time() - sent, FLURM_DIALER_REDIAL_MS / 1000.0 + 2.0);
    ck_assert_int_eq(flurm_dialer_redials(dialer), 1);
    ck_assert(flurm_dialer_connected(dialer));
    teardown(&f);
}
END_TEST

START_TEST(a_subscriber_whose_dialer_gave_up_receives_events_again)
{
    struct fixture f;
    struct flurm_dialer *dialer;
    ev_tstamp give_up;

    setup(&f);
    dialer = flurm_subscriber_dialer(f.sub);
    run_until(&f, NULL, 0, 0.3);
    ck_assert(flurm_dialer_connected(dialer));
    ck_assert_int_eq(nng_dialer_close(flurm_dialer_nng(dialer)), 0);
    run_until(&f, NULL, 0, 0.2);
    ck_assert(!flurm_dialer_connected(dialer));
    /* Events published with no subscriber connected are lost (that is
     * PUB/SUB); publish until one arrives. */
    give_up = ev_time() + FLURM_DIALER_REDIAL_MS / 1000.0 + 5.0;
    while (f.events == 0 && ev_time() < give_up) {
        ck_assert_uint_ne(flurm_service_publish(f.svc, "probe", NULL), 0);
        run_until(&f, &f.events, 1, 0.1);
    }
    ck_assert_int_ge(f.events, 1);
    ck_assert_int_eq(flurm_dialer_redials(dialer), 1);
    teardown(&f);
}
END_TEST

START_TEST(a_connected_dialer_is_left_alone)
{
    struct fixture f;

    setup(&f);
    ping_once(&f);
    run_until(&f, NULL, 0, FLURM_DIALER_REDIAL_MS / 1000.0 * 2);
    ping_once(&f);
    ck_assert_int_eq(flurm_dialer_redials(flurm_client_dialer(f.client)), 0);
    ck_assert_int_eq(flurm_dialer_redials(flurm_subscriber_dialer(f.sub)), 0);
    teardown(&f);
}
END_TEST

START_TEST(a_client_dialing_nothing_keeps_dialing_and_lands_when_the_service_comes)
{
    struct fixture f;
    char *url;

    memset(&f, 0, sizeof(f));
    strcpy(f.rundir, "/tmp/flurm-test-dialer-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f.rundir));
    ck_assert_ptr_nonnull(f.loop = flurm_loop_create());
    url = flurm_ipc_link_url(f.rundir, "echo", FLURM_IPC_REQ);
    ck_assert_ptr_nonnull(f.client = flurm_client_create(f.loop, url, "tester"));
    free(url);
    ck_assert_int_eq(flurm_client_request(f.client, "ping", NULL, 20.0, on_reply, &f), 0);
    /* no service for two watchdog periods: the dialer is replaced, and
     * the request waits */
    run_until(&f, NULL, 0, FLURM_DIALER_REDIAL_MS / 1000.0 * 2 + 0.5);
    ck_assert_int_ge(flurm_dialer_redials(flurm_client_dialer(f.client)), 1);
    ck_assert_int_eq(f.replies, 0);
    ck_assert_ptr_nonnull(f.svc = flurm_service_create(f.loop, "echo", "v-test", handlers, &f));
    ck_assert_int_eq(flurm_service_set_rundir(f.svc, f.rundir), 0);
    ck_assert_int_eq(flurm_service_start(f.svc), 0);
    run_until(&f, &f.replies, 1, 10.0);
    ck_assert_int_eq(f.ok_replies, 1);
    teardown(&f);
}
END_TEST

static Suite *dialer_suite(void)
{
    Suite *s = suite_create("dialer");
    TCase *tc = tcase_create("dialer");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_client_whose_dialer_gave_up_is_answered_again);
    tcase_add_test(tc, a_subscriber_whose_dialer_gave_up_receives_events_again);
    tcase_add_test(tc, a_connected_dialer_is_left_alone);
    tcase_add_test(tc, a_client_dialing_nothing_keeps_dialing_and_lands_when_the_service_comes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dialer_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
