/*
 * test_trace.c - tracing through the service runtime (docs/observability.md):
 * a request's trace reaches every request and event it causes without any
 * service passing it by hand, each answered request is one span line in its
 * service's spans file, and "service.inspect" shows a service's state.
 *
 * Two services ("front" asks "back") and a tester share one loop in one
 * process, over real ipc sockets in a temporary run folder.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/client.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/pubsub.h"
#include "common/service.h"

struct fixture;

/* What the handlers and callbacks saw. */
struct seen {
    char back_req_trace[FLURM_TRACE_MAX];   /* flurm_request_trace() in back */
    char back_current[FLURM_TRACE_MAX];     /* flurm_trace_current() in back */
    char front_req_trace[FLURM_TRACE_MAX];  /* flurm_request_trace() in front */
    char front_cb_current[FLURM_TRACE_MAX]; /* current trace in front's client callback */
    char event_trace[FLURM_TRACE_MAX];      /* the event's trace, at the subscriber */
    char event_current[FLURM_TRACE_MAX];    /* current trace in the subscriber callback */
    int events;
    uint64_t parked; /* front's deferred request, answered from a timer */
};

struct result {
    int done;
    int errnum;
    int ok;
    int code;
    char text[512];
    json_t *body;
};

struct fixture {
    char rundir[64];
    struct flurm_loop *loop;
    struct flurm_service *front;
    struct flurm_service *back;
    struct flurm_client *to_front;
    struct flurm_client *front_to_back;
    struct flurm_subscriber *sub;
    struct seen seen;
    ev_timer later;
};

static struct fixture *current_fixture;

static void copy(char *dst, const char *src)
{
    snprintf(dst, FLURM_TRACE_MAX, "%s", src ? src : "");
}

/* ---- back: says what trace it sees ---- */

static void back_seen(struct flurm_request *req, void *arg)
{
    struct seen *seen = arg;

    copy(seen->back_req_trace, flurm_request_trace(req));
    copy(seen->back_current, flurm_trace_current());
    flurm_request_reply(req, json_pack("{s:s}", "trace", flurm_request_trace(req)));
}

static void back_fail(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply_error(req, 2017, "Invalid job id specified");
}

static const struct flurm_handler back_handlers[] = {
    {"seen", back_seen},
    {"fail", back_fail},
    {NULL, NULL},
};

/* ---- front: asks back on behalf of its own request ---- */

static void front_got_back(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct fixture *f = current_fixture;
    struct flurm_request *req = flurm_service_deferred(f->front, (uint64_t)(uintptr_t)arg);

    copy(f->seen.front_cb_current, flurm_trace_current());
    ck_assert_int_eq(errnum, 0);
    ck_assert_ptr_nonnull(req);
    flurm_request_reply(req, json_incref(flurm_msg_body(reply)));
}

static void ask_back(struct fixture *f, struct flurm_request *req)
{
    uint64_t ticket = flurm_request_defer(req);

    /* No trace passed: the runtime must stamp it. */
    ck_assert_int_eq(flurm_client_request(f->front_to_back, "seen", NULL, 5.0, front_got_back,
                                          (void *)(uintptr_t)ticket),
                     0);
}

static void front_ask(struct flurm_request *req, void *arg)
{
    struct fixture *f = arg;

    copy(f->seen.front_req_trace, flurm_request_trace(req));
    ask_back(f, req);
}

static void front_publish(struct flurm_request *req, void *arg)
{
    struct fixture *f = arg;

    copy(f->seen.front_req_trace, flurm_request_trace(req));
    ck_assert_uint_gt(flurm_service_publish(f->front, "job.changed", NULL), 0);
    flurm_request_reply(req, NULL);
}

/* A timer, outside any request, answers the parked request by asking back:
 * looking the ticket up must bring the request's trace back. */
static void later_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct fixture *f = w->data;
    struct flurm_request *req;

    (void)ev;
    (void)revents;
    ck_assert_ptr_null(flurm_trace_current());
    req = flurm_service_deferred(f->front, f->seen.parked);
    ck_assert_ptr_nonnull(req);
    ask_back(f, req);
}

static void front_park(struct flurm_request *req, void *arg)
{
    struct fixture *f = arg;

    copy(f->seen.front_req_trace, flurm_request_trace(req));
    f->seen.parked = flurm_request_defer(req);
    ev_timer_set(&f->later, 0.02, 0.0);
    ev_timer_start(flurm_loop_ev(f->loop), &f->later);
}

/* A timer-started request: no trace is current, so it gets its own. */
static void front_from_timer(struct flurm_request *req, void *arg)
{
    struct fixture *f = arg;

    copy(f->seen.front_req_trace, flurm_request_trace(req));
    flurm_request_reply(req, NULL);
}

static const struct flurm_handler front_handlers[] = {
    {"ask", front_ask},
    {"publish", front_publish},
    {"park", front_park},
    {"plain", front_from_timer},
    {NULL, NULL},
};

static void on_event(const struct flurm_msg *ev, void *arg)
{
    struct seen *seen = arg;

    copy(seen->event_trace, flurm_msg_trace(ev));
    copy(seen->event_current, flurm_trace_current());
    seen->events++;
}

/* ---- plumbing ---- */

static void setup(struct fixture *f)
{
    char *url;

    memset(f, 0, sizeof(*f));
    current_fixture = f;
    strcpy(f->rundir, "/tmp/flurm-test-trace-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f->rundir));
    ck_assert_ptr_nonnull(f->loop = flurm_loop_create());
    ck_assert_ptr_nonnull(
        f->back = flurm_service_create(f->loop, "back", "v-back", back_handlers, &f->seen));
    ck_assert_ptr_nonnull(
        f->front = flurm_service_create(f->loop, "front", "v-front", front_handlers, f));
    flurm_service_enable_events(f->front);
    ck_assert_int_eq(flurm_service_set_rundir(f->back, f->rundir), 0);
    ck_assert_int_eq(flurm_service_set_rundir(f->front, f->rundir), 0);
    ck_assert_int_eq(flurm_service_start(f->back), 0);
    ck_assert_int_eq(flurm_service_start(f->front), 0);
    url = flurm_ipc_link_url(f->rundir, "front", FLURM_IPC_REQ);
    ck_assert_ptr_nonnull(f->to_front = flurm_client_create(f->loop, url, "tester"));
    free(url);
    url = flurm_ipc_link_url(f->rundir, "back", FLURM_IPC_REQ);
    ck_assert_ptr_nonnull(f->front_to_back = flurm_client_create(f->loop, url, "front"));
    free(url);
    url = flurm_ipc_link_url(f->rundir, "front", FLURM_IPC_EVENTS);
    ck_assert_ptr_nonnull(f->sub = flurm_subscriber_create(f->loop, url, on_event, NULL,
                                                           &f->seen));
    free(url);
    ck_assert_int_eq(flurm_subscriber_subscribe(f->sub, "job."), 0);
    ev_init(&f->later, later_cb);
    f->later.data = f;
}

static void teardown(struct fixture *f)
{
    char cmd[128];

    ev_timer_stop(flurm_loop_ev(f->loop), &f->later);
    flurm_subscriber_destroy(f->sub);
    flurm_client_destroy(f->to_front);
    flurm_client_destroy(f->front_to_back);
    flurm_service_destroy(f->front);
    flurm_service_destroy(f->back);
    flurm_loop_destroy(f->loop);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->rundir);
    ck_assert_int_eq(system(cmd), 0);
    current_fixture = NULL;
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

typedef int (*cond_fn)(void *arg);

/* Run the loop until cond(arg) holds or 5 s pass; returns cond(arg). */
static int run_until(struct flurm_loop *loop, cond_fn cond, void *arg)
{
    ev_tstamp give_up = ev_time() + 5.0;

    while (!cond(arg) && ev_time() < give_up)
        ev_run(flurm_loop_ev(loop), EVRUN_NOWAIT), usleep(1000);
    return cond(arg);
}

static int result_done(void *arg)
{
    return ((struct result *)arg)->done > 0;
}

/* Send `type` to front with `trace` (NULL: none) and wait for the answer. */
static void ask_front(struct fixture *f, const char *type, const char *trace, json_t *body,
                      struct result *r)
{
    memset(r, 0, sizeof(*r));
    ck_assert_int_eq(flurm_client_request_full(f->to_front, type, NULL, trace, body, 5.0,
                                               on_reply, r),
                     0);
    json_decref(body);
    ck_assert(run_until(f->loop, result_done, r));
    ck_assert_int_eq(r->errnum, 0);
}

/* The spans file of `svc` as an array of objects. */
static json_t *read_spans(const struct fixture *f, const char *svc)
{
    char path[256], line[4096];
    json_t *all = json_array();
    FILE *fp;

    snprintf(path, sizeof(path), "%s/trace/%s.jsonl", f->rundir, svc);
    ck_assert_msg((fp = fopen(path, "r")) != NULL, "%s exists", path);
    while (fgets(line, sizeof(line), fp)) {
        json_error_t err;
        json_t *span = json_loads(line, 0, &err);
        ck_assert_msg(span != NULL, "span line is JSON: %s (%s)", line, err.text);
        json_array_append_new(all, span);
    }
    fclose(fp);
    return all;
}

/* The first span of `svc` with this type, or NULL (borrowed from spans). */
static json_t *find_span(json_t *spans, const char *type)
{
    size_t i;
    json_t *s;

    json_array_foreach(spans, i, s) {
        if (!strcmp(json_string_value(json_object_get(s, "type")), type))
            return s;
    }
    return NULL;
}

/* ---- propagation ---- */

START_TEST(test_asked_service_sees_the_askers_trace)
{
    struct fixture f;
    struct result r;

    setup(&f);
    ask_front(&f, "ask", "t-123", NULL, &r);
    ck_assert(r.ok);
    ck_assert_str_eq(f.seen.front_req_trace, "t-123");
    ck_assert_str_eq(f.seen.back_req_trace, "t-123");
    ck_assert_str_eq(f.seen.back_current, "t-123");
    ck_assert_str_eq(f.seen.front_cb_current, "t-123");
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(test_request_without_trace_gets_one_that_travels)
{
    struct fixture f;
    struct result r;

    setup(&f);
    ask_front(&f, "ask", NULL, NULL, &r);
    ck_assert(r.ok);
    ck_assert_int_eq((int)strlen(f.seen.front_req_trace), 16);
    ck_assert_str_eq(f.seen.back_req_trace, f.seen.front_req_trace);
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(test_deferred_request_answered_from_a_timer_keeps_its_trace)
{
    struct fixture f;
    struct result r;

    setup(&f);
    ask_front(&f, "park", "t-parked", NULL, &r);
    ck_assert(r.ok);
    ck_assert_str_eq(f.seen.back_req_trace, "t-parked");
    ck_assert_str_eq(f.seen.front_cb_current, "t-parked");
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(test_work_outside_a_request_starts_a_new_trace)
{
    struct fixture f;
    struct result r;
    char first[FLURM_TRACE_MAX];

    setup(&f);
    ask_front(&f, "ask", "t-old", NULL, &r);
    json_decref(r.body);
    /* Between loop iterations no trace is current: the next request the
     * tester sends without one is not attributed to "t-old". */
    ck_assert_ptr_null(flurm_trace_current());
    ask_front(&f, "plain", NULL, NULL, &r);
    json_decref(r.body);
    copy(first, f.seen.front_req_trace);
    ck_assert_str_ne(first, "t-old");
    ck_assert_int_eq((int)strlen(first), 16);
    ask_front(&f, "plain", NULL, NULL, &r);
    ck_assert_str_ne(f.seen.front_req_trace, first);
    json_decref(r.body);
    teardown(&f);
}
END_TEST

static int one_event(void *arg)
{
    return ((struct seen *)arg)->events > 0;
}

START_TEST(test_event_published_while_handling_carries_the_trace)
{
    struct fixture f;
    struct result r;
    int tries = 0;

    setup(&f);
    /* PUB drops what is published before the subscriber's pipe is up. */
    while (f.seen.events == 0 && tries++ < 50) {
        ask_front(&f, "publish", "t-ev", NULL, &r);
        json_decref(r.body);
        run_until(f.loop, one_event, &f.seen);
    }
    ck_assert_int_gt(f.seen.events, 0);
    ck_assert_str_eq(f.seen.event_trace, "t-ev");
    ck_assert_str_eq(f.seen.event_current, "t-ev");
    teardown(&f);
}
END_TEST

/* ---- spans ---- */

START_TEST(test_each_answered_request_is_a_span)
{
    struct fixture f;
    struct result r;
    json_t *front, *back, *s;

    setup(&f);
    ask_front(&f, "ask", "t-span", NULL, &r);
    json_decref(r.body);
    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(flurm_client_request_full(f.front_to_back, "fail", "tester.1.1", "t-err",
                                               NULL, 5.0, on_reply, &r),
                     0);
    ck_assert(run_until(f.loop, result_done, &r));
    ck_assert_int_eq(r.code, 2017);

    front = read_spans(&f, "front");
    back = read_spans(&f, "back");
    ck_assert_ptr_nonnull(s = find_span(front, "ask"));
    ck_assert_str_eq(json_string_value(json_object_get(s, "svc")), "front");
    ck_assert_str_eq(json_string_value(json_object_get(s, "kind")), "serve");
    ck_assert_str_eq(json_string_value(json_object_get(s, "trace")), "t-span");
    ck_assert_int_eq(json_integer_value(json_object_get(s, "pid")), getpid());
    ck_assert_int_eq(json_integer_value(json_object_get(s, "result")), 0);
    ck_assert(json_real_value(json_object_get(s, "start")) <=
              json_real_value(json_object_get(s, "end")));
    ck_assert_ptr_nonnull(json_object_get(s, "req_id"));
    /* back's span is inside front's: it was asked while front waited. */
    ck_assert_ptr_nonnull(s = find_span(back, "seen"));
    ck_assert_str_eq(json_string_value(json_object_get(s, "trace")), "t-span");
    ck_assert(json_real_value(json_object_get(s, "start")) >=
              json_real_value(json_object_get(find_span(front, "ask"), "start")));
    ck_assert(json_real_value(json_object_get(s, "end")) <=
              json_real_value(json_object_get(find_span(front, "ask"), "end")));
    ck_assert_ptr_nonnull(s = find_span(back, "fail"));
    ck_assert_int_eq(json_integer_value(json_object_get(s, "result")), 2017);
    ck_assert_str_eq(json_string_value(json_object_get(s, "req_id")), "tester.1.1");
    json_decref(front);
    json_decref(back);
    teardown(&f);
}
END_TEST

START_TEST(test_spans_file_rotates_past_its_bound)
{
    char dir[] = "/tmp/flurm-test-spans-XXXXXX", path[128], cmd[128];
    struct flurm_spans *spans;
    struct stat st;
    struct flurm_span span = {.kind = "serve", .type = "job.submit", .trace = "abc",
                              .start = 1.0, .end = 2.0};

    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("FLURM_TRACE_MAX_MB", "1", 1);
    ck_assert_ptr_nonnull(spans = flurm_spans_open(dir, "svc"));
    unsetenv("FLURM_TRACE_MAX_MB");
    for (int i = 0; i < 12000; i++) /* about 1.4 MB */
        flurm_spans_write(spans, &span);
    snprintf(path, sizeof(path), "%s/trace/svc.jsonl.1", dir);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_ge(st.st_size, 1024 * 1024);
    snprintf(path, sizeof(path), "%s/trace/svc.jsonl", dir);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_lt(st.st_size, 1024 * 1024);
    ck_assert_str_eq(flurm_spans_path(spans), path);
    flurm_spans_close(spans);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_tracing_off_writes_no_spans)
{
    char dir[] = "/tmp/flurm-test-spans-XXXXXX", cmd[128];

    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("FLURM_TRACE", "off", 1);
    errno = 0;
    ck_assert_ptr_null(flurm_spans_open(dir, "svc"));
    ck_assert_int_eq(errno, ECANCELED);
    unsetenv("FLURM_TRACE");
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_span_strings_are_escaped)
{
    char dir[] = "/tmp/flurm-test-spans-XXXXXX", path[128], line[4096], cmd[128];
    struct flurm_spans *spans;
    struct flurm_span span = {.kind = "slurmd", .type = "x", .detail = "a \"quoted\"\nline",
                              .job_id = 42, .result = 5};
    json_t *j;
    FILE *fp;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_ptr_nonnull(spans = flurm_spans_open(dir, "svc"));
    flurm_spans_write(spans, &span);
    flurm_spans_close(spans);
    snprintf(path, sizeof(path), "%s/trace/svc.jsonl", dir);
    ck_assert_ptr_nonnull(fp = fopen(path, "r"));
    ck_assert_ptr_nonnull(fgets(line, sizeof(line), fp));
    fclose(fp);
    ck_assert_ptr_nonnull(j = json_loads(line, 0, NULL));
    ck_assert_str_eq(json_string_value(json_object_get(j, "detail")), "a \"quoted\"\nline");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "job_id")), 42);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "result")), 5);
    ck_assert_ptr_null(json_object_get(j, "trace"));
    json_decref(j);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* ---- inspect ---- */

static const char *const back_whats[] = {"queue", "broken", NULL};

static json_t *back_inspect(struct flurm_service *svc, const char *what, const json_t *args,
                            void *arg)
{
    (void)svc;
    (void)arg;
    if (!strcmp(what, "broken")) {
        errno = EBUSY;
        return NULL;
    }
    return json_pack("{s:s, s:O?}", "view", what, "args", json_object_get(args, "n"));
}

static void inspect_back(struct fixture *f, json_t *body, struct result *r)
{
    memset(r, 0, sizeof(*r));
    ck_assert_int_eq(flurm_client_request(f->front_to_back, "service.inspect", body, 5.0,
                                          on_reply, r),
                     0);
    json_decref(body);
    ck_assert(run_until(f->loop, result_done, r));
    ck_assert_int_eq(r->errnum, 0);
}

START_TEST(test_inspect_answers_the_services_view)
{
    struct fixture f;
    struct result r;
    json_t *data;

    setup(&f);
    flurm_service_set_inspect_cb(f.back, back_whats, back_inspect, NULL);
    inspect_back(&f, json_pack("{s:s, s:i}", "what", "queue", "n", 7), &r);
    ck_assert(r.ok);
    ck_assert_str_eq(json_string_value(json_object_get(r.body, "service")), "back");
    ck_assert_str_eq(json_string_value(json_object_get(r.body, "what")), "queue");
    data = json_object_get(r.body, "data");
    ck_assert_str_eq(json_string_value(json_object_get(data, "view")), "queue");
    ck_assert_int_eq(json_integer_value(json_object_get(data, "args")), 7);
    json_decref(r.body);

    /* No "what": the first the service names. */
    inspect_back(&f, NULL, &r);
    ck_assert(r.ok);
    ck_assert_str_eq(json_string_value(json_object_get(r.body, "what")), "queue");
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(test_inspect_unknown_target_lists_what_exists)
{
    struct fixture f;
    struct result r;

    setup(&f);
    flurm_service_set_inspect_cb(f.back, back_whats, back_inspect, NULL);
    inspect_back(&f, json_pack("{s:s}", "what", "nosuch"), &r);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.code, ENOENT);
    ck_assert_msg(strstr(r.text, "queue, broken, runtime") != NULL, "lists names: %s", r.text);
    json_decref(r.body);

    inspect_back(&f, json_pack("{s:s}", "what", "broken"), &r);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.code, EBUSY);
    json_decref(r.body);
    teardown(&f);
}
END_TEST

START_TEST(test_inspect_runtime_exists_everywhere)
{
    struct fixture f;
    struct result r;
    json_t *data;

    setup(&f);
    /* back has no callback: the runtime's own view is the default. */
    inspect_back(&f, NULL, &r);
    ck_assert(r.ok);
    ck_assert_str_eq(json_string_value(json_object_get(r.body, "what")), "runtime");
    data = json_object_get(r.body, "data");
    ck_assert_str_eq(json_string_value(json_object_get(data, "version")), "v-back");
    ck_assert_str_eq(json_string_value(json_object_get(data, "state")), "serving");
    ck_assert_int_eq(json_integer_value(json_object_get(data, "inflight")), 0);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(data, "spans")),
                                 "/trace/back.jsonl"));
    json_decref(r.body);
    teardown(&f);
}
END_TEST

static Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("trace");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_asked_service_sees_the_askers_trace);
    tcase_add_test(tc, test_request_without_trace_gets_one_that_travels);
    tcase_add_test(tc, test_deferred_request_answered_from_a_timer_keeps_its_trace);
    tcase_add_test(tc, test_work_outside_a_request_starts_a_new_trace);
    tcase_add_test(tc, test_event_published_while_handling_carries_the_trace);
    tcase_add_test(tc, test_each_answered_request_is_a_span);
    tcase_add_test(tc, test_spans_file_rotates_past_its_bound);
    tcase_add_test(tc, test_tracing_off_writes_no_spans);
    tcase_add_test(tc, test_span_strings_are_escaped);
    tcase_add_test(tc, test_inspect_answers_the_services_view);
    tcase_add_test(tc, test_inspect_unknown_target_lists_what_exists);
    tcase_add_test(tc, test_inspect_runtime_exists_everywhere);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(trace_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
