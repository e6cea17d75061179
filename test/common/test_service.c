/*
 * test_service.c - the service runtime's dispatch contract, exercised in
 * one process: a service and a client on the same loop, talking over real
 * ipc sockets in a temporary FLURM_RUNDIR.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "common/client.h"
#include "common/ipc.h"
#include "common/loop.h"
#include "common/service.h"

#define MAX_HELD 8

/* What the handlers saw and did, for the tests to inspect. */
struct state {
    uint64_t held[MAX_HELD];
    int nheld;
    int release_at; /* reply to all held requests once this many are held */
    int second_reply_rc;
    int second_reply_errno;
    int late_reply_rc;
    int late_reply_errno;
};

struct result {
    int done;
    int errnum;
    int ok;
    int code;
    char text[256];
    json_t *body;
};

struct fixture {
    char rundir[64];
    struct flurm_loop *loop;
    struct flurm_service *svc;
    struct flurm_client *client;
    struct state st;
};

static void echo(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply(req, json_incref(flurm_request_body(req)));
}

static void forget(struct flurm_request *req, void *arg)
{
    (void)req;
    (void)arg;
}

static void twice(struct flurm_request *req, void *arg)
{
    struct state *st = arg;

    flurm_request_reply(req, json_pack("{s:i}", "n", 1));
    st->second_reply_rc = flurm_request_reply(req, json_pack("{s:i}", "n", 2));
    st->second_reply_errno = errno;
}

/* Reply to every held request, newest first, echoing its body; then try a
 * late second reply to the oldest one. */
static void release_all(struct flurm_service *svc, struct state *st)
{
    for (int i = st->nheld - 1; i >= 0; i--) {
        struct flurm_request *req = flurm_service_deferred(svc, st->held[i]);
        ck_assert_ptr_nonnull(req);
        flurm_request_reply(req, json_incref(flurm_request_body(req)));
    }
    st->late_reply_rc =
        flurm_request_reply(flurm_service_deferred(svc, st->held[0]), json_object());
    st->late_reply_errno = errno;
}

static void hold(struct flurm_request *req, void *arg)
{
    struct state *st = arg;

    ck_assert_int_lt(st->nheld, MAX_HELD);
    st->held[st->nheld++] = flurm_request_defer(req);
    if (st->nheld == st->release_at)
        release_all(flurm_request_service(req), st);
}

static const struct flurm_handler handlers[] = {
    {"echo", echo},
    {"forget", forget},
    {"twice", twice},
    {"hold", hold},
    {NULL, NULL},
};

static void setup(struct fixture *f)
{
    char *url;

    memset(f, 0, sizeof(*f));
    strcpy(f->rundir, "/tmp/flurm-test-svc-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f->rundir));
    ck_assert_ptr_nonnull(f->loop = flurm_loop_create());
    f->svc = flurm_service_create(f->loop, "unit", "v-test", handlers, &f->st);
    ck_assert_ptr_nonnull(f->svc);
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

    r->done++;
    r->errnum = errnum;
    if (reply) {
        r->ok = flurm_msg_ok(reply);
        r->code = flurm_msg_error_code(reply);
        if (flurm_msg_error_text(reply))
            snprintf(r->text, sizeof(r->text), "%s", flurm_msg_error_text(reply));
        json_decref(r->body);
        r->body = flurm_msg_body(reply) ? json_incref(flurm_msg_body(reply)) : NULL;
    }
}

static void request(struct fixture *f, const char *type, json_t *body, struct result *r)
{
    ck_assert_int_eq(flurm_client_request(f->client, type, body, 5.0, on_reply, r), 0);
    json_decref(body);
}

typedef int (*cond_fn)(void *arg);

struct waiter {
    cond_fn cond;
    void *arg;
};

static void poll_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct waiter *wt = w->data;

    (void)revents;
    if (wt->cond(wt->arg))
        ev_break(ev, EVBREAK_ALL);
}

/* Run the loop until cond(arg) holds or 5 s pass; returns cond(arg). */
static int run_until(struct flurm_loop *loop, cond_fn cond, void *arg)
{
    struct waiter wt = {cond, arg};
    ev_timer poll;
    ev_tstamp give_up = ev_time() + 5.0;

    ev_timer_init(&poll, poll_cb, 0.002, 0.002);
    poll.data = &wt;
    ev_timer_start(flurm_loop_ev(loop), &poll);
    while (!cond(arg) && ev_time() < give_up)
        ev_run(flurm_loop_ev(loop), EVRUN_ONCE);
    ev_timer_stop(flurm_loop_ev(loop), &poll);
    return cond(arg);
}

static int result_done(void *arg)
{
    return ((struct result *)arg)->done > 0;
}

struct results {
    struct result *r;
    int n;
};

static int all_done(void *arg)
{
    struct results *rs = arg;

    for (int i = 0; i < rs->n; i++) {
        if (!rs->r[i].done)
            return 0;
    }
    return 1;
}

START_TEST(echo_handler_reply_reaches_the_requester)
{
    struct fixture f;
    struct result r = {0};

    setup(&f);
    request(&f, "echo", json_pack("{s:s}", "hello", "world"), &r);
    ck_assert(run_until(f.loop, result_done, &r));
    ck_assert_int_eq(r.errnum, 0);
    ck_assert(r.ok);
    ck_assert_str_eq(json_string_value(json_object_get(r.body, "hello")), "world");
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(unknown_type_gets_an_error_reply)
{
    struct fixture f;
    struct result r = {0};

    setup(&f);
    request(&f, "no.such.type", NULL, &r);
    ck_assert(run_until(f.loop, result_done, &r));
    ck_assert_int_eq(r.errnum, 0);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.code, ENOSYS);
    ck_assert_ptr_nonnull(strstr(r.text, "no.such.type"));
    teardown(&f);
}
END_TEST

START_TEST(runtime_types_cannot_be_claimed_or_guessed)
{
    static const struct flurm_handler claims_runtime[] = {
        {"service.status", echo},
        {NULL, NULL},
    };
    struct fixture f;
    struct result r = {0};

    setup(&f);
    ck_assert_ptr_null(flurm_service_create(f.loop, "other", "v", claims_runtime, NULL));
    ck_assert_int_eq(errno, EINVAL);
    request(&f, "service.nope", NULL, &r);
    ck_assert(run_until(f.loop, result_done, &r));
    ck_assert(!r.ok);
    ck_assert_int_eq(r.code, ENOSYS);
    teardown(&f);
}
END_TEST

/* A raw REQ exchange on its own thread (the loop must keep running to
 * serve it), for envelopes our client would never produce. */
struct raw {
    char url[PATH_MAX];
    const char *send;
    char reply[512];
    int done;
};

static void *raw_exchange(void *arg)
{
    struct raw *raw = arg;
    nng_socket sock;
    char *buf = NULL;
    size_t len = 0;

    ck_assert_int_eq(nng_req0_open(&sock), 0);
    ck_assert_int_eq(nng_dial(sock, raw->url, NULL, 0), 0);
    ck_assert_int_eq(nng_send(sock, (void *)raw->send, strlen(raw->send), 0), 0);
    ck_assert_int_eq(nng_recv(sock, &buf, &len, NNG_FLAG_ALLOC), 0);
    snprintf(raw->reply, sizeof(raw->reply), "%.*s", (int)len, buf);
    nng_free(buf, len);
    nng_close(sock);
    __atomic_store_n(&raw->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static int raw_done(void *arg)
{
    return __atomic_load_n(&((struct raw *)arg)->done, __ATOMIC_ACQUIRE);
}

static json_t *raw_request(struct fixture *f, const char *text)
{
    struct raw raw = {.send = text};
    char *url = flurm_ipc_link_url(f->rundir, "unit", FLURM_IPC_REQ);
    pthread_t thread;

    snprintf(raw.url, sizeof(raw.url), "%s", url);
    free(url);
    ck_assert_int_eq(pthread_create(&thread, NULL, raw_exchange, &raw), 0);
    ck_assert(run_until(f->loop, raw_done, &raw));
    pthread_join(thread, NULL);
    return json_loads(raw.reply, 0, NULL);
}

START_TEST(other_envelope_version_gets_an_error_reply)
{
    struct fixture f;
    json_t *reply;

    setup(&f);
    reply = raw_request(&f, "{\"v\":2,\"type\":\"echo\",\"body\":{}}");
    ck_assert_ptr_nonnull(reply);
    ck_assert_int_eq(json_integer_value(json_object_get(reply, "v")), 1);
    ck_assert(json_is_false(json_object_get(reply, "ok")));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(reply, "error"), "code")),
                     EPROTONOSUPPORT);
    json_decref(reply);

    reply = raw_request(&f, "{not json");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(reply, "error"), "code")),
                     EBADMSG);
    json_decref(reply);
    ck_assert_uint_eq(flurm_service_served(f.svc), 2);
    teardown(&f);
}
END_TEST

START_TEST(handler_that_forgets_to_reply_yields_exactly_one_internal_error)
{
    struct fixture f;
    struct result r = {0}, after = {0};

    setup(&f);
    request(&f, "forget", NULL, &r);
    ck_assert(run_until(f.loop, result_done, &r));
    ck_assert_int_eq(r.errnum, 0);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.code, EIO);
    ck_assert_ptr_nonnull(strstr(r.text, "forget"));
    ck_assert_uint_eq(flurm_service_served(f.svc), 1);
    ck_assert_uint_eq(flurm_service_inflight(f.svc), 0);

    /* The service is unharmed and the next request gets its own reply. */
    request(&f, "echo", json_pack("{s:i}", "k", 5), &after);
    ck_assert(run_until(f.loop, result_done, &after));
    ck_assert(after.ok);
    ck_assert_int_eq(json_integer_value(json_object_get(after.body, "k")), 5);
    ck_assert_uint_eq(flurm_service_served(f.svc), 2);
    ck_assert_int_eq(r.done, 1);
    json_decref(after.body);
    teardown(&f);
}
END_TEST

START_TEST(second_reply_is_dropped)
{
    struct fixture f;
    struct result r = {0};

    setup(&f);
    request(&f, "twice", NULL, &r);
    ck_assert(run_until(f.loop, result_done, &r));
    ck_assert(r.ok);
    ck_assert_int_eq(json_integer_value(json_object_get(r.body, "n")), 1);
    ck_assert_int_eq(f.st.second_reply_rc, -1);
    ck_assert_int_eq(f.st.second_reply_errno, EALREADY);
    ck_assert_uint_eq(flurm_service_served(f.svc), 1);
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(deferred_replies_in_any_order_reach_the_right_requesters)
{
    struct fixture f;
    struct result r[5] = {{0}};
    struct results rs = {r, 5};

    setup(&f);
    f.st.release_at = 5;
    for (int i = 0; i < 5; i++)
        request(&f, "hold", json_pack("{s:i}", "n", i), &r[i]);
    ck_assert(run_until(f.loop, all_done, &rs));
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(r[i].done, 1);
        ck_assert(r[i].ok);
        ck_assert_int_eq(json_integer_value(json_object_get(r[i].body, "n")), i);
        json_decref(r[i].body);
    }
    ck_assert_uint_eq(flurm_service_inflight(f.svc), 0);
    ck_assert_uint_eq(flurm_service_served(f.svc), 5);
    teardown(&f);
}
END_TEST

START_TEST(late_reply_to_an_answered_deferred_request_is_dropped)
{
    struct fixture f;
    struct result r[2] = {{0}};
    struct results rs = {r, 2};

    setup(&f);
    f.st.release_at = 2;
    request(&f, "hold", json_pack("{s:i}", "n", 0), &r[0]);
    request(&f, "hold", json_pack("{s:i}", "n", 1), &r[1]);
    ck_assert(run_until(f.loop, all_done, &rs));
    ck_assert_int_eq(f.st.late_reply_rc, -1);
    ck_assert_int_eq(f.st.late_reply_errno, ENOENT);
    ck_assert_ptr_null(flurm_service_deferred(f.svc, f.st.held[1]));
    ck_assert_uint_eq(flurm_service_served(f.svc), 2);
    json_decref(r[0].body);
    json_decref(r[1].body);
    teardown(&f);
}
END_TEST

static int one_held(void *arg)
{
    return ((struct state *)arg)->nheld >= 1;
}

START_TEST(status_is_answered_by_the_runtime)
{
    struct fixture f;
    struct result held = {0}, echoed = {0}, status = {0};

    setup(&f);
    f.st.release_at = 99;
    request(&f, "echo", NULL, &echoed);
    ck_assert(run_until(f.loop, result_done, &echoed));
    request(&f, "hold", NULL, &held);
    /* two requests of one client may arrive in either order */
    ck_assert(run_until(f.loop, one_held, &f.st));
    request(&f, "service.status", NULL, &status);
    ck_assert(run_until(f.loop, result_done, &status));
    ck_assert(status.ok);
    ck_assert_str_eq(json_string_value(json_object_get(status.body, "name")), "unit");
    ck_assert_int_eq(json_integer_value(json_object_get(status.body, "pid")), getpid());
    ck_assert_str_eq(json_string_value(json_object_get(status.body, "version")), "v-test");
    ck_assert_int_eq(json_integer_value(json_object_get(status.body, "served")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(status.body, "inflight")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(status.body, "state")), "serving");
    ck_assert(json_real_value(json_object_get(status.body, "uptime")) >= 0.0);
    ck_assert_int_eq(held.done, 0);
    json_decref(status.body);
    json_decref(echoed.body);
    teardown(&f);
    ck_assert_int_eq(held.done, 1);
    ck_assert_int_eq(held.errnum, ECANCELED);
}
END_TEST

static int two_inflight(void *arg)
{
    return flurm_service_inflight(arg) == 2;
}

static void release_timer_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct fixture *f = w->data;

    (void)ev;
    (void)revents;
    release_all(f->svc, &f->st);
}

START_TEST(drain_answers_deferred_requests_then_closes_and_removes_its_files)
{
    struct fixture f;
    struct result r[2] = {{0}};
    struct results rs = {r, 2};
    ev_timer release;
    char path[PATH_MAX];
    struct stat st;

    setup(&f);
    f.st.release_at = 99;
    request(&f, "hold", json_pack("{s:i}", "n", 0), &r[0]);
    request(&f, "hold", json_pack("{s:i}", "n", 1), &r[1]);
    ck_assert(run_until(f.loop, two_inflight, f.svc));

    flurm_service_drain(f.svc);
    ck_assert(flurm_service_draining(f.svc));
    ev_timer_init(&release, release_timer_cb, 0.2, 0.0);
    release.data = &f;
    ev_timer_start(flurm_loop_ev(f.loop), &release);
    ck_assert_int_eq(flurm_service_run(f.svc), 0); /* returns once drained */

    snprintf(path, sizeof(path), "%s/ipc/unit.%ld.req", f.rundir, (long)getpid());
    ck_assert_int_ne(stat(path, &st), 0);
    ck_assert(run_until(f.loop, all_done, &rs));
    ck_assert(r[0].ok && r[1].ok);
    json_decref(r[0].body);
    json_decref(r[1].body);
    teardown(&f);
}
END_TEST

START_TEST(readiness_line_is_the_version_then_the_fd_is_closed)
{
    int fds[2];
    char num[16], buf[64];
    ssize_t n, more;
    struct flurm_loop *loop;
    struct flurm_service *svc;
    char rundir[] = "/tmp/flurm-test-ready-XXXXXX";

    ck_assert_ptr_nonnull(mkdtemp(rundir));
    ck_assert_int_eq(pipe(fds), 0);
    snprintf(num, sizeof(num), "%d", fds[1]);
    setenv("FLURM_NOTIFY_FD", num, 1);
    setenv("FLURM_RUNDIR", rundir, 1);
    loop = flurm_loop_create();
    svc = flurm_service_create(loop, "ready", "1.2.3-x", handlers, NULL);
    ck_assert_int_eq(flurm_service_start(svc), 0);
    n = read(fds[0], buf, sizeof(buf));
    more = read(fds[0], buf + (n > 0 ? n : 0), sizeof(buf) - 1);
    ck_assert_int_eq(n, 8);
    ck_assert(memcmp(buf, "1.2.3-x\n", 8) == 0);
    ck_assert_int_eq(more, 0); /* the write end was closed */
    ck_assert_ptr_null(getenv("FLURM_NOTIFY_FD"));
    flurm_service_destroy(svc);
    flurm_loop_destroy(loop);
    close(fds[0]);
    snprintf(buf, sizeof(buf), "rm -rf %s", rundir);
    ck_assert_int_eq(system(buf), 0);
}
END_TEST

static Suite *service_suite(void)
{
    Suite *s = suite_create("service");
    TCase *tc = tcase_create("dispatch");

    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, echo_handler_reply_reaches_the_requester);
    tcase_add_test(tc, unknown_type_gets_an_error_reply);
    tcase_add_test(tc, runtime_types_cannot_be_claimed_or_guessed);
    tcase_add_test(tc, other_envelope_version_gets_an_error_reply);
    tcase_add_test(tc, handler_that_forgets_to_reply_yields_exactly_one_internal_error);
    tcase_add_test(tc, second_reply_is_dropped);
    tcase_add_test(tc, deferred_replies_in_any_order_reach_the_right_requesters);
    tcase_add_test(tc, late_reply_to_an_answered_deferred_request_is_dropped);
    tcase_add_test(tc, status_is_answered_by_the_runtime);
    tcase_add_test(tc, drain_answers_deferred_requests_then_closes_and_removes_its_files);
    tcase_add_test(tc, readiness_line_is_the_version_then_the_fd_is_closed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(service_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
