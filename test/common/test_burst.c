/*
 * test_burst.c - the runtime hands over requests in bursts: the requests
 * that arrive while the loop is busy (a job store's commit) are taken off
 * the wire meanwhile by the armed receives and dispatched together in the
 * next loop iteration, after which the service's burst callback runs once
 * (common/server.c, common/service.c).  A service and a client share one
 * loop, over real ipc sockets in a temporary run folder.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/client.h"
#include "common/ipc.h"
#include "common/loop.h"
#include "common/service.h"

#define MAX_DEFERRED 64
#define MAX_BURSTS 64
/* How long the "busy" handler keeps the loop from running: long enough
 * for every request sent meanwhile to reach an armed receive, even in the
 * sanitizer build. */
#define BUSY_US 300000

struct fixture {
    char rundir[64];
    struct flurm_loop *loop;
    struct flurm_service *svc;
    struct flurm_client *client;
    int sent_while_busy;   /* "count" requests the busy handler sends */
    uint64_t deferred[MAX_DEFERRED];
    int ndeferred;         /* "count" requests dispatched since the last burst */
    int bursts[MAX_BURSTS];
    int nbursts;
    int replies;
    int ok_replies;
};

static void on_reply(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct fixture *f = arg;

    f->replies++;
    if (!errnum && flurm_msg_ok(reply))
        f->ok_replies++;
}

/* Answered at once; then the loop is kept busy while the client's next
 * requests travel, as a long commit would. */
static void busy(struct flurm_request *req, void *arg)
{
    struct fixture *f = arg;

    flurm_request_reply(req, NULL);
    for (int i = 0; i < f->sent_while_busy; i++)
        ck_assert_int_eq(flurm_client_request(f->client, "count", NULL, 5.0, on_reply, f), 0);
    usleep(BUSY_US);
}

/* Deferred until the end of its burst, as the job store's commands are. */
static void count(struct flurm_request *req, void *arg)
{
    struct fixture *f = arg;

    ck_assert_int_lt(f->ndeferred, MAX_DEFERRED);
    f->deferred[f->ndeferred++] = flurm_request_defer(req);
}

/* Record the burst's size (the busy request counts as one) and answer what
 * it deferred. */
static void burst_end(struct flurm_service *svc, void *arg)
{
    struct fixture *f = arg;

    ck_assert_int_lt(f->nbursts, MAX_BURSTS);
    f->bursts[f->nbursts++] = f->ndeferred ? f->ndeferred : 1;
    for (int i = 0; i < f->ndeferred; i++)
        flurm_request_reply(flurm_service_deferred(svc, f->deferred[i]), NULL);
    f->ndeferred = 0;
}

static const struct flurm_handler handlers[] = {
    {"busy", busy},
    {"count", count},
    {NULL, NULL},
};

/* A started service with `receivers` armed receives (0: the default). */
static void setup(struct fixture *f, size_t receivers)
{
    char *url;

    memset(f, 0, sizeof(*f));
    strcpy(f->rundir, "/tmp/flurm-test-burst-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f->rundir));
    ck_assert_ptr_nonnull(f->loop = flurm_loop_create());
    f->svc = flurm_service_create(f->loop, "burst", "v-test", handlers, f);
    ck_assert_ptr_nonnull(f->svc);
    ck_assert_int_eq(flurm_service_set_rundir(f->svc, f->rundir), 0);
    flurm_service_set_burst_cb(f->svc, burst_end, f);
    if (receivers)
        ck_assert_int_eq(flurm_service_set_receivers(f->svc, receivers), 0);
    ck_assert_int_eq(flurm_service_start(f->svc), 0);
    url = flurm_ipc_link_url(f->rundir, "burst", FLURM_IPC_REQ);
    ck_assert_ptr_nonnull(f->client = flurm_client_create(f->loop, url, "tester"));
    free(url);
}

static void teardown(struct fixture *f)
{
    char cmd[128];

    flurm_client_destroy(f->client);
    flurm_service_destroy(f->svc);
    flurm_loop_destroy(f->loop);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->rundir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Send one "busy" request (which sends `n` more while the loop is busy)
 * and run the loop until every reply is in, or 10 s pass. */
static void run_burst_scenario(struct fixture *f, int n)
{
    ev_tstamp give_up = ev_time() + 10.0;

    f->sent_while_busy = n;
    ck_assert_int_eq(flurm_client_request(f->client, "busy", NULL, 5.0, on_reply, f), 0);
    while (f->replies < n + 1 && ev_time() < give_up)
        ev_run(flurm_loop_ev(f->loop), EVRUN_ONCE);
    ck_assert_int_eq(f->replies, n + 1);
    ck_assert_int_eq(f->ok_replies, n + 1);
}

START_TEST(requests_that_arrive_while_the_loop_is_busy_are_dispatched_as_one_burst)
{
    struct fixture f;

    setup(&f, 0);
    run_burst_scenario(&f, 20);
    /* the busy request alone, then all twenty together */
    ck_assert_int_eq(f.nbursts, 2);
    ck_assert_int_eq(f.bursts[0], 1);
    ck_assert_int_eq(f.bursts[1], 20);
    teardown(&f);
}
END_TEST

START_TEST(a_burst_holds_at_most_the_armed_receives)
{
    struct fixture f;
    int total = 0;

    setup(&f, 4);
    ck_assert_int_eq(flurm_service_set_receivers(f.svc, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    run_burst_scenario(&f, 10);
    /* four were waiting in the armed receives; the rest followed later */
    ck_assert_int_eq(f.bursts[0], 1);
    ck_assert_int_eq(f.bursts[1], 4);
    for (int i = 1; i < f.nbursts; i++) {
        ck_assert_int_le(f.bursts[i], 4);
        total += f.bursts[i];
    }
    ck_assert_int_eq(total, 10);
    teardown(&f);
}
END_TEST

START_TEST(the_burst_callback_runs_once_per_burst_and_not_when_idle)
{
    struct fixture f;

    setup(&f, 0);
    run_burst_scenario(&f, 0);
    ck_assert_int_eq(f.nbursts, 1);
    for (int i = 0; i < 20; i++)
        ev_run(flurm_loop_ev(f.loop), EVRUN_NOWAIT);
    ck_assert_int_eq(f.nbursts, 1);
    teardown(&f);
}
END_TEST

static Suite *burst_suite(void)
{
    Suite *s = suite_create("burst");
    TCase *tc = tcase_create("burst");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, requests_that_arrive_while_the_loop_is_busy_are_dispatched_as_one_burst);
    tcase_add_test(tc, a_burst_holds_at_most_the_armed_receives);
    tcase_add_test(tc, the_burst_callback_runs_once_per_burst_and_not_when_idle);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(burst_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
