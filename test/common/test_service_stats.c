/*
 * test_service_stats.c - the runtime's built-in "service.stats" request
 * and its hook (flurm_service_set_stats_cb), and error replies whose text
 * is marked for the end user (flurm_request_reply_user_error, read back by
 * flurm_client_user_text).  A service and a client on one loop, over real
 * ipc sockets in a temporary run folder.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/client.h"
#include "common/ipc.h"
#include "common/loop.h"
#include "common/service.h"

struct counters {
    int calls;
    int last_reset;
    long submitted;
    int return_array; /* misbehave: return a JSON array */
};

struct result {
    int done;
    int errnum;
    int ok;
    int code;
    char text[256];
    char user_text[256];
    int has_user_text;
    json_t *body;
};

struct fixture {
    char rundir[64];
    struct flurm_loop *loop;
    struct flurm_service *svc;
    struct flurm_client *client;
    struct counters counters;
};

static json_t *count_stats(struct flurm_service *svc, int reset, void *arg)
{
    struct counters *c = arg;

    (void)svc;
    c->calls++;
    c->last_reset = reset;
    if (reset)
        c->submitted = 0;
    if (c->return_array)
        return json_array();
    return json_pack("{s:I, s:I}", "jobs_submitted", (json_int_t)c->submitted, "next_job_id",
                     (json_int_t)4242);
}

static void refuse_for_user(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply_user_error(req, 2000, "invalid partition specified: %s", "nosuch");
}

static void refuse_plainly(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply_error(req, 2000, "partition lookup failed in the store");
}

static void accept_it(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply(req, json_pack("{s:i}", "rc", 0));
}

static const struct flurm_handler handlers[] = {
    {"refuse.user", refuse_for_user},
    {"refuse.plain", refuse_plainly},
    {"accept", accept_it},
    {NULL, NULL},
};

static void setup(struct fixture *f)
{
    char *url;

    memset(f, 0, sizeof(*f));
    f->counters.submitted = 5;
    strcpy(f->rundir, "/tmp/flurm-test-stats-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f->rundir));
    ck_assert_ptr_nonnull(f->loop = flurm_loop_create());
    ck_assert_ptr_nonnull(f->svc = flurm_service_create(f->loop, "unit", "v-test", handlers,
                                                        NULL));
    ck_assert_int_eq(flurm_service_set_rundir(f->svc, f->rundir), 0);
    ck_assert_int_eq(flurm_service_start(f->svc), 0);
    url = flurm_ipc_link_url(f->rundir, "unit", FLURM_IPC_REQ);
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

static void on_reply(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct result *r = arg;
    const char *user = flurm_client_user_text(reply);

    r->done++;
    r->errnum = errnum;
    if (!reply)
        return;
    r->ok = flurm_msg_ok(reply);
    r->code = flurm_msg_error_code(reply);
    if (flurm_msg_error_text(reply))
        snprintf(r->text, sizeof(r->text), "%s", flurm_msg_error_text(reply));
    r->has_user_text = user != NULL;
    if (user)
        snprintf(r->user_text, sizeof(r->user_text), "%s", user);
    r->body = flurm_msg_body(reply) ? json_incref(flurm_msg_body(reply)) : NULL;
}

/* Send a request and run the loop until its outcome arrives (5 s). */
static void ask(struct fixture *f, const char *type, json_t *body, struct result *r)
{
    ev_tstamp give_up = ev_time() + 5.0;

    memset(r, 0, sizeof(*r));
    ck_assert_int_eq(flurm_client_request(f->client, type, body, 5.0, on_reply, r), 0);
    json_decref(body);
    while (!r->done && ev_time() < give_up)
        ev_run(flurm_loop_ev(f->loop), EVRUN_ONCE);
    ck_assert_int_eq(r->done, 1);
    ck_assert_int_eq(r->errnum, 0);
}

/* The runtime's own member of every answer (docs/observability.md,
 * "Versions"): what is left of an answer without the callback's. */
static int only_version(const json_t *body)
{
    return json_object_size(body) == 1 &&
           json_is_string(json_object_get(body, "flurm_version_unit"));
}

START_TEST(stats_without_a_callback_is_an_empty_object)
{
    struct fixture f;
    struct result r;

    setup(&f);
    ask(&f, "service.stats", NULL, &r);
    ck_assert(r.ok);
    ck_assert(json_is_object(r.body));
    ck_assert(only_version(r.body));
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(stats_reply_is_the_callbacks_object)
{
    struct fixture f;
    struct result r;

    setup(&f);
    flurm_service_set_stats_cb(f.svc, count_stats, &f.counters);
    ask(&f, "service.stats", NULL, &r);
    ck_assert(r.ok);
    ck_assert_int_eq(f.counters.calls, 1);
    ck_assert_int_eq(f.counters.last_reset, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(r.body, "jobs_submitted")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(r.body, "next_job_id")), 4242);
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(stats_answer_names_the_running_version)
{
    struct fixture f;
    struct result r;

    setup(&f);
    flurm_service_set_stats_cb(f.svc, count_stats, &f.counters);
    ask(&f, "service.stats", NULL, &r);
    ck_assert(r.ok);
    ck_assert_str_eq(json_string_value(json_object_get(r.body, "flurm_version_unit")), "v-test");
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(stats_reset_reaches_the_callback_and_the_reply_shows_the_reset)
{
    struct fixture f;
    struct result r;

    setup(&f);
    flurm_service_set_stats_cb(f.svc, count_stats, &f.counters);
    ask(&f, "service.stats", json_pack("{s:b}", "reset", 1), &r);
    ck_assert(r.ok);
    ck_assert_int_eq(f.counters.last_reset, 1);
    ck_assert_int_eq(json_integer_value(json_object_get(r.body, "jobs_submitted")), 0);
    json_decref(r.body);
    ask(&f, "service.stats", json_pack("{s:b}", "reset", 0), &r);
    ck_assert_int_eq(f.counters.last_reset, 0);
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(stats_callback_returning_a_non_object_yields_an_empty_object)
{
    struct fixture f;
    struct result r;

    setup(&f);
    f.counters.return_array = 1;
    flurm_service_set_stats_cb(f.svc, count_stats, &f.counters);
    ask(&f, "service.stats", NULL, &r);
    ck_assert(r.ok);
    ck_assert(json_is_object(r.body));
    ck_assert(only_version(r.body));
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(stats_callback_can_be_removed)
{
    struct fixture f;
    struct result r;

    setup(&f);
    flurm_service_set_stats_cb(f.svc, count_stats, &f.counters);
    flurm_service_set_stats_cb(f.svc, NULL, NULL);
    ask(&f, "service.stats", NULL, &r);
    ck_assert(r.ok);
    ck_assert(only_version(r.body));
    ck_assert_int_eq(f.counters.calls, 0);
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(user_error_reaches_the_client_as_user_text)
{
    struct fixture f;
    struct result r;

    setup(&f);
    ask(&f, "refuse.user", NULL, &r);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.code, 2000);
    ck_assert_str_eq(r.text, "invalid partition specified: nosuch");
    ck_assert(r.has_user_text);
    ck_assert_str_eq(r.user_text, "invalid partition specified: nosuch");
    teardown(&f);
}
END_TEST

START_TEST(plain_error_has_no_user_text)
{
    struct fixture f;
    struct result r;

    setup(&f);
    ask(&f, "refuse.plain", NULL, &r);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.code, 2000);
    ck_assert_str_eq(r.text, "partition lookup failed in the store");
    ck_assert(!r.has_user_text);
    teardown(&f);
}
END_TEST

START_TEST(success_and_runtime_errors_have_no_user_text)
{
    struct fixture f;
    struct result r;

    setup(&f);
    ask(&f, "accept", NULL, &r);
    ck_assert(r.ok);
    ck_assert(!r.has_user_text);
    json_decref(r.body);
    ask(&f, "no.such.type", NULL, &r);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.code, ENOSYS);
    ck_assert(!r.has_user_text);
    teardown(&f);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("service_stats");
    TCase *tc = tcase_create("stats");

    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, stats_without_a_callback_is_an_empty_object);
    tcase_add_test(tc, stats_reply_is_the_callbacks_object);
    tcase_add_test(tc, stats_answer_names_the_running_version);
    tcase_add_test(tc, stats_reset_reaches_the_callback_and_the_reply_shows_the_reset);
    tcase_add_test(tc, stats_callback_returning_a_non_object_yields_an_empty_object);
    tcase_add_test(tc, stats_callback_can_be_removed);
    tcase_add_test(tc, user_error_reaches_the_client_as_user_text);
    tcase_add_test(tc, plain_error_has_no_user_text);
    tcase_add_test(tc, success_and_runtime_errors_have_no_user_text);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stats_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
