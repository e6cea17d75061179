/*
 * test_metrics.c - the gateway's Prometheus metrics: the text rendered
 * from its own RPC counts and from what the services and the supervisor
 * report (metrics.h), and the HTTP endpoint that serves it on the loop
 * (http.h): answered from the loop, 503 once stopped, a busy port taken
 * as soon as it is free.
 */
#include <arpa/inet.h>
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
#include "services/gateway/http.h"
#include "services/gateway/metrics.h"
#include "wire/msg.h"

static char *render(const struct gw_metrics *m, const struct gw_metrics_sources *src)
{
    size_t len = 0;
    char *text = gw_metrics_render(m, src, &len);

    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(len, strlen(text));
    return text;
}

/* The whole line of sample `name` (exact, labels included), or fail. */
static void assert_sample(const char *text, const char *name, const char *value)
{
    char line[512];

    snprintf(line, sizeof(line), "\n%s %s\n", name, value);
    ck_assert_msg(strstr(text, line), "no line \"%s %s\" in:\n%s", name, value, text);
}

static struct gw_stats *stats;

static void setup(void)
{
    stats = gw_stats_create(1000);
    ck_assert_ptr_nonnull(stats);
}

static void teardown(void)
{
    gw_stats_destroy(stats);
}

START_TEST(test_rpcs_are_counted_by_type_and_result)
{
    struct gw_metrics *m = gw_metrics_create();
    struct gw_metrics_sources src = {.stats = stats};
    char *text;

    gw_metrics_rpc(m, FLURM_REQUEST_PING, GW_RPC_OK, 0.00002);
    gw_metrics_rpc(m, FLURM_REQUEST_PING, GW_RPC_OK, 0.0002);
    gw_metrics_rpc(m, FLURM_REQUEST_SUBMIT_BATCH_JOB, GW_RPC_ERROR, 0.003);
    gw_metrics_rpc(m, FLURM_REQUEST_SUBMIT_BATCH_JOB, GW_RPC_REFUSED, 0.001);
    ck_assert_uint_eq(gw_metrics_rpc_count(m, FLURM_REQUEST_PING, GW_RPC_OK), 2);
    text = render(m, &src);
    assert_sample(text, "flurm_rpcs_total{type=\"REQUEST_PING\",result=\"ok\"}", "2");
    assert_sample(text, "flurm_rpcs_total{type=\"REQUEST_SUBMIT_BATCH_JOB\",result=\"error\"}",
                  "1");
    assert_sample(text,
                  "flurm_rpcs_total{type=\"REQUEST_SUBMIT_BATCH_JOB\",result=\"refused\"}", "1");
    /* results that never happened are not written */
    ck_assert_ptr_null(strstr(text, "type=\"REQUEST_PING\",result=\"error\""));
    free(text);
    gw_metrics_destroy(m);
}
END_TEST

START_TEST(test_latency_histogram_is_cumulative)
{
    struct gw_metrics *m = gw_metrics_create();
    struct gw_metrics_sources src = {.stats = stats};
    char *text;

    gw_metrics_rpc(m, FLURM_REQUEST_PING, GW_RPC_OK, 0.00002); /* <= 0.0001 */
    gw_metrics_rpc(m, FLURM_REQUEST_PING, GW_RPC_OK, 0.0002);  /* <= 0.00025 */
    gw_metrics_rpc(m, FLURM_REQUEST_PING, GW_RPC_OK, 30);      /* above every bound */
    text = render(m, &src);
    assert_sample(text, "flurm_rpc_duration_seconds_bucket{type=\"REQUEST_PING\",le=\"0.0001\"}",
                  "1");
    assert_sample(text,
                  "flurm_rpc_duration_seconds_bucket{type=\"REQUEST_PING\",le=\"0.00025\"}", "2");
    assert_sample(text, "flurm_rpc_duration_seconds_bucket{type=\"REQUEST_PING\",le=\"10\"}", "2");
    assert_sample(text, "flurm_rpc_duration_seconds_bucket{type=\"REQUEST_PING\",le=\"+Inf\"}",
                  "3");
    assert_sample(text, "flurm_rpc_duration_seconds_count{type=\"REQUEST_PING\"}", "3");
    assert_sample(text, "flurm_rpc_duration_seconds_sum{type=\"REQUEST_PING\"}", "30.00022");
    ck_assert_ptr_nonnull(strstr(text, "# TYPE flurm_rpc_duration_seconds histogram\n"));
    free(text);
    gw_metrics_destroy(m);
}
END_TEST

START_TEST(test_unknown_type_numbers_share_one_row)
{
    struct gw_metrics *m = gw_metrics_create();
    struct gw_metrics_sources src = {.stats = stats};
    char *text;

    /* a hostile peer sending every number cannot grow the table */
    for (unsigned t = 60000; t < 60100; t++)
        gw_metrics_rpc(m, (uint16_t)t, GW_RPC_REFUSED, 0.001);
    gw_metrics_rpc(m, 0, GW_RPC_CLOSED, 0.001);
    text = render(m, &src);
    assert_sample(text, "flurm_rpcs_total{type=\"unknown\",result=\"refused\"}", "100");
    assert_sample(text, "flurm_rpcs_total{type=\"unknown\",result=\"closed\"}", "1");
    assert_sample(text, "flurm_rpc_duration_seconds_count{type=\"unknown\"}", "101");
    free(text);
    gw_metrics_destroy(m);
}
END_TEST

START_TEST(test_a_silent_source_is_left_out_not_zero)
{
    struct gw_metrics *m = gw_metrics_create();
    struct gw_metrics_sources src = {.stats = stats};
    json_t *store = json_pack("{s:i, s:i}", "jobs_submitted", 7, "store_commits", 3);
    char *text;

    text = render(m, &src);
    ck_assert_ptr_null(strstr(text, "flurm_jobs_submitted_total"));
    ck_assert_ptr_null(strstr(text, "flurm_jobstore_commits_total"));
    assert_sample(text, "flurm_scrape_source_up{source=\"store\"}", "0");
    free(text);

    src.store = store;
    text = render(m, &src);
    assert_sample(text, "flurm_jobs_submitted_total", "7");
    assert_sample(text, "flurm_jobstore_commits_total", "3");
    ck_assert_ptr_nonnull(strstr(text, "# TYPE flurm_jobs_submitted_total counter\n"));
    assert_sample(text, "flurm_scrape_source_up{source=\"store\"}", "1");
    assert_sample(text, "flurm_scrape_source_up{source=\"sched\"}", "0");
    free(text);
    json_decref(store);
    gw_metrics_destroy(m);
}
END_TEST

START_TEST(test_service_histogram_is_made_cumulative)
{
    struct gw_metrics *m = gw_metrics_create();
    json_t *store = json_pack("{s:{s:[f,f], s:[i,i,i], s:f, s:i}}", "store_commit_seconds", "le",
                              0.001, 0.01, "buckets", 4, 0, 2, "sum", 0.5, "count", 6);
    struct gw_metrics_sources src = {.stats = stats, .store = store};
    char *text = render(m, &src);

    assert_sample(text, "flurm_jobstore_commit_duration_seconds_bucket{le=\"0.001\"}", "4");
    assert_sample(text, "flurm_jobstore_commit_duration_seconds_bucket{le=\"0.01\"}", "4");
    assert_sample(text, "flurm_jobstore_commit_duration_seconds_bucket{le=\"+Inf\"}", "6");
    assert_sample(text, "flurm_jobstore_commit_duration_seconds_sum", "0.5");
    assert_sample(text, "flurm_jobstore_commit_duration_seconds_count", "6");
    free(text);
    json_decref(store);
    gw_metrics_destroy(m);
}
END_TEST

START_TEST(test_malformed_service_histogram_is_left_out)
{
    struct gw_metrics *m = gw_metrics_create();
    /* one bucket short: which bound would the counts belong to? */
    json_t *sched = json_pack("{s:{s:[f,f], s:[i,i], s:f, s:i}}", "sched_pass_seconds", "le",
                              0.001, 0.01, "buckets", 4, 0, "sum", 0.5, "count", 4);
    struct gw_metrics_sources src = {.stats = stats, .sched = sched};
    char *text = render(m, &src);

    ck_assert_ptr_null(strstr(text, "flurm_scheduler_pass_duration_seconds"));
    free(text);
    json_decref(sched);
    gw_metrics_destroy(m);
}
END_TEST

START_TEST(test_jobs_and_nodes_by_state_with_escaped_labels)
{
    struct gw_metrics *m = gw_metrics_create();
    json_t *sched = json_pack("{s:{s:{s:i, s:i}, s:{s:i}}}", "sched_jobs", "PENDING", "debug", 3,
                              "we\"ird\\part", 1, "RUNNING", "debug", 2);
    json_t *nodes = json_pack("{s:{s:i, s:i}}", "nodes_by_state", "IDLE", 5, "IDLE+DRAIN", 1);
    struct gw_metrics_sources src = {.stats = stats, .sched = sched, .nodes = nodes};
    char *text = render(m, &src);

    assert_sample(text, "flurm_jobs{state=\"PENDING\",partition=\"debug\"}", "3");
    assert_sample(text, "flurm_jobs{state=\"PENDING\",partition=\"we\\\"ird\\\\part\"}", "1");
    assert_sample(text, "flurm_jobs{state=\"RUNNING\",partition=\"debug\"}", "2");
    assert_sample(text, "flurm_nodes{state=\"IDLE+DRAIN\"}", "1");
    assert_sample(text, "flurm_nodes{state=\"IDLE\"}", "5");
    free(text);
    json_decref(sched);
    json_decref(nodes);
    gw_metrics_destroy(m);
}
END_TEST

START_TEST(test_supervisor_tree_gives_restarts_uptime_and_up)
{
    struct gw_metrics *m = gw_metrics_create();
    json_t *sup = json_pack(
        "{s:{s:s, s:s, s:s, s:i, s:f, s:[{s:s, s:s, s:s, s:i, s:f},"
        " {s:s, s:s, s:s, s:i, s:n}]}}",
        "tree", "name", "flurm", "kind", "supervisor", "state", "ready", "restarts", 0, "uptime",
        50.0, "children", "name", "store", "kind", "service", "state", "ready", "restarts", 2,
        "uptime", 12.5, "name", "sched", "kind", "service", "state", "backoff", "restarts", 4,
        "uptime");
    struct gw_metrics_sources src = {.stats = stats, .sup = sup};
    char *text = render(m, &src);

    assert_sample(text, "flurm_service_restarts_total{service=\"store\",kind=\"service\"}", "2");
    assert_sample(text, "flurm_service_restarts_total{service=\"sched\",kind=\"service\"}", "4");
    assert_sample(text, "flurm_service_uptime_seconds{service=\"store\",kind=\"service\"}",
                  "12.5");
    /* not ready: no uptime, and down */
    ck_assert_ptr_null(strstr(text, "flurm_service_uptime_seconds{service=\"sched\""));
    assert_sample(text, "flurm_service_up{service=\"sched\",kind=\"service\"}", "0");
    assert_sample(text, "flurm_service_up{service=\"flurm\",kind=\"supervisor\"}", "1");
    free(text);
    json_decref(sup);
    gw_metrics_destroy(m);
}
END_TEST

START_TEST(test_every_family_is_written_once)
{
    struct gw_metrics *m = gw_metrics_create();
    struct gw_metrics_sources src = {.stats = stats};
    char *text, *p;

    gw_metrics_rpc(m, FLURM_REQUEST_PING, GW_RPC_OK, 0.001);
    gw_metrics_rpc(m, FLURM_REQUEST_JOB_INFO, GW_RPC_OK, 0.001);
    text = render(m, &src);
    p = strstr(text, "# TYPE flurm_rpc_duration_seconds ");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_null(strstr(p + 1, "# TYPE flurm_rpc_duration_seconds "));
    free(text);
    gw_metrics_destroy(m);
}
END_TEST

/* ---- the HTTP endpoint ----------------------------------------------------------------- */

struct http_case {
    struct flurm_loop *loop;
    struct gw_http *http;
    uint16_t port;
    bool stop_instead; /* the handler stops the server instead of answering */
    char reply[4096];  /* what the client read */
    struct flurm_loop_work quit;
};

static void quit(void *arg)
{
    flurm_loop_stop(arg);
}

static void answer_hello(struct gw_http_request *req, void *arg)
{
    struct http_case *c = arg;
    static const char body[] = "hello 1\n";

    if (c->stop_instead) {
        gw_http_stop(c->http); /* answers req with 503 */
        return;
    }
    gw_http_respond(req, 200, "text/plain; version=0.0.4", body, sizeof(body) - 1);
}

/* A blocking HTTP/1.0 GET of /metrics, read to the end. */
static void *client_thread(void *arg)
{
    struct http_case *c = arg;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(c->port)};
    static const char get[] = "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n";
    size_t used = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        write(fd, get, sizeof(get) - 1) == (ssize_t)(sizeof(get) - 1)) {
        while (used < sizeof(c->reply) - 1 &&
               (n = read(fd, c->reply + used, sizeof(c->reply) - 1 - used)) > 0)
            used += (size_t)n;
    }
    c->reply[used] = '\0';
    if (fd >= 0)
        close(fd);
    flurm_loop_post(c->loop, &c->quit);
    return NULL;
}

static void run_one_get(struct http_case *c)
{
    pthread_t t;

    flurm_loop_work_init(&c->quit, quit, c->loop);
    ck_assert_int_eq(pthread_create(&t, NULL, client_thread, c), 0);
    flurm_loop_run(c->loop);
    pthread_join(t, NULL);
}

START_TEST(test_http_answers_from_the_loop)
{
    struct http_case c = {0};

    ck_assert_ptr_nonnull(c.loop = flurm_loop_create());
    c.http = gw_http_create(c.loop, "127.0.0.1:0", "/metrics", answer_hello, &c);
    ck_assert_ptr_nonnull(c.http);
    ck_assert_uint_ne(c.port = gw_http_port(c.http), 0);
    run_one_get(&c);
    ck_assert_msg(!strncmp(c.reply, "HTTP/1.1 200", 12), "reply: %s", c.reply);
    ck_assert_ptr_nonnull(strstr(c.reply, "Content-Type: text/plain; version=0.0.4\r\n"));
    ck_assert_ptr_nonnull(strstr(c.reply, "\r\n\r\nhello 1\n"));
    gw_http_destroy(c.http);
    flurm_loop_destroy(c.loop);
}
END_TEST

START_TEST(test_http_stop_answers_waiting_requests_503)
{
    struct http_case c = {.stop_instead = true};

    ck_assert_ptr_nonnull(c.loop = flurm_loop_create());
    ck_assert_ptr_nonnull(c.http = gw_http_create(c.loop, "127.0.0.1:0", "/metrics", answer_hello,
                                                  &c));
    c.port = gw_http_port(c.http);
    run_one_get(&c);
    ck_assert_msg(!strncmp(c.reply, "HTTP/1.1 503", 12), "reply: %s", c.reply);
    ck_assert_uint_eq(gw_http_port(c.http), 0);
    gw_http_destroy(c.http);
    flurm_loop_destroy(c.loop);
}
END_TEST

static void stop_loop_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)revents;
    (void)w;
    ev_break(ev, EVBREAK_ALL);
}

START_TEST(test_http_takes_a_busy_port_once_it_is_free)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    struct flurm_loop *loop = flurm_loop_create();
    struct http_case c = {.loop = loop};
    char addr[64];
    ev_timer t;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

    /* the old instance of a reload: it holds the port */
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_ptr_nonnull(loop);
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.sin_port));
    c.http = gw_http_create(loop, addr, "/metrics", answer_hello, &c);
    ck_assert_ptr_nonnull(c.http);
    ck_assert_uint_eq(gw_http_port(c.http), 0);
    close(fd); /* its drain begins */
    ev_timer_init(&t, stop_loop_cb, 1.2, 0.0);
    ev_timer_start(flurm_loop_ev(loop), &t);
    ev_run(flurm_loop_ev(loop), 0);
    ck_assert_uint_eq(gw_http_port(c.http), ntohs(sa.sin_port));
    c.port = ntohs(sa.sin_port);
    run_one_get(&c);
    ck_assert_msg(!strncmp(c.reply, "HTTP/1.1 200", 12), "reply: %s", c.reply);
    gw_http_destroy(c.http);
    flurm_loop_destroy(loop);
}
END_TEST

START_TEST(test_http_refuses_an_address_that_is_not_host_port)
{
    struct flurm_loop *loop = flurm_loop_create();

    ck_assert_ptr_nonnull(loop);
    errno = 0;
    ck_assert_ptr_null(gw_http_create(loop, "nonsense", "/metrics", answer_hello, NULL));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(gw_http_create(loop, "https://127.0.0.1:1", "/metrics", answer_hello, NULL));
    ck_assert_int_eq(errno, EINVAL);
    flurm_loop_destroy(loop);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("gateway metrics");
    TCase *render_case = tcase_create("render"), *http_case = tcase_create("http");

    tcase_add_checked_fixture(render_case, setup, teardown);
    tcase_add_test(render_case, test_rpcs_are_counted_by_type_and_result);
    tcase_add_test(render_case, test_latency_histogram_is_cumulative);
    tcase_add_test(render_case, test_unknown_type_numbers_share_one_row);
    tcase_add_test(render_case, test_a_silent_source_is_left_out_not_zero);
    tcase_add_test(render_case, test_service_histogram_is_made_cumulative);
    tcase_add_test(render_case, test_malformed_service_histogram_is_left_out);
    tcase_add_test(render_case, test_jobs_and_nodes_by_state_with_escaped_labels);
    tcase_add_test(render_case, test_supervisor_tree_gives_restarts_uptime_and_up);
    tcase_add_test(render_case, test_every_family_is_written_once);
    suite_add_tcase(s, render_case);
    tcase_set_timeout(http_case, 20);
    tcase_add_test(http_case, test_http_answers_from_the_loop);
    tcase_add_test(http_case, test_http_stop_answers_waiting_requests_503);
    tcase_add_test(http_case, test_http_takes_a_busy_port_once_it_is_free);
    tcase_add_test(http_case, test_http_refuses_an_address_that_is_not_host_port);
    suite_add_tcase(s, http_case);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
