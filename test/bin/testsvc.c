/*
 * testsvc - a tiny FLURM service on the common/ runtime, for the
 * multi-process tests (supervisor restarts, reloads, drains).
 *
 *   --name NAME         service name (default $FLURM_SERVICE, else "echo")
 *   --version STR       version reported on readiness (default "test-1")
 *   --ready-delay MS    become ready (bind, swap links, notify) after MS
 *   --never-ready       never become ready
 *   --exit-after MS CODE  _exit(CODE) after MS, ready or not (no cleanup,
 *                       like a crash: stale ipc files stay behind)
 *   --echo              serve "echo": reply {"pid":<pid>,"body":<request body>}
 *   --slow MS           defer each echo reply by MS
 *   --accept            accept TCP connections on $FLURM_LISTEN_FD, write
 *                       "<pid>\n" to each and close it
 *   --drain-delay MS    on SIGTERM stay in the drain (answering what was
 *                       already taken) for at least MS before exiting
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/config.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/service.h"

struct slow_reply {
    ev_timer timer;
    struct testsvc *ts;
    uint64_t ticket;
    json_t *body;
    struct slow_reply *prev;
    struct slow_reply *next;
};

struct testsvc {
    struct flurm_loop *loop;
    struct flurm_service *svc;
    double slow_s;
    double drain_delay_s;
    int exit_code;
    int listen_fd;
    ev_io accept_watcher;
    ev_timer ready_timer;
    ev_timer exit_timer;
    ev_timer drain_delay_timer;
    int exit_after_code;
    struct slow_reply *slow;
};

static void usage(void)
{
    fprintf(stderr, "usage: testsvc [--name NAME] [--version STR] [--ready-delay MS] "
                    "[--never-ready] [--exit-after MS CODE] [--echo] [--slow MS] [--accept] "
                    "[--drain-delay MS]\n");
    exit(FLURM_EXIT_PERMANENT);
}

static double parse_ms(const char *s)
{
    char *end;
    long ms;

    errno = 0;
    ms = strtol(s ? s : "", &end, 10);
    if (errno || !s || end == s || *end || ms < 0)
        usage();
    return (double)ms / 1000.0;
}

static json_t *echo_body(json_t *request_body)
{
    return json_pack("{s:I, s:O}", "pid", (json_int_t)getpid(), "body", request_body);
}

static void slow_unlink(struct slow_reply *sr)
{
    if (sr->prev)
        sr->prev->next = sr->next;
    else
        sr->ts->slow = sr->next;
    if (sr->next)
        sr->next->prev = sr->prev;
}

static void slow_free(struct slow_reply *sr)
{
    ev_timer_stop(flurm_loop_ev(sr->ts->loop), &sr->timer);
    slow_unlink(sr);
    json_decref(sr->body);
    free(sr);
}

static void slow_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct slow_reply *sr = w->data;
    struct testsvc *ts = sr->ts;

    (void)ev;
    (void)revents;
    flurm_request_reply(flurm_service_deferred(ts->svc, sr->ticket), echo_body(sr->body));
    slow_free(sr);
}

static void echo(struct flurm_request *req, void *arg)
{
    struct testsvc *ts = arg;
    struct slow_reply *sr;

    if (ts->slow_s <= 0) {
        flurm_request_reply(req, echo_body(flurm_request_body(req)));
        return;
    }
    if (!(sr = calloc(1, sizeof(*sr)))) {
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    sr->ts = ts;
    sr->ticket = flurm_request_defer(req);
    sr->body = json_incref(flurm_request_body(req));
    sr->next = ts->slow;
    if (ts->slow)
        ts->slow->prev = sr;
    ts->slow = sr;
    ev_timer_init(&sr->timer, slow_cb, ts->slow_s, 0.0);
    sr->timer.data = sr;
    ev_timer_start(flurm_loop_ev(ts->loop), &sr->timer);
}

static const struct flurm_handler echo_handlers[] = {
    {"echo", echo},
    {NULL, NULL},
};

static const struct flurm_handler no_handlers[] = {
    {NULL, NULL},
};

static void accept_cb(struct ev_loop *ev, ev_io *w, int revents)
{
    char line[32];
    int len = snprintf(line, sizeof(line), "%ld\n", (long)getpid());

    (void)ev;
    (void)revents;
    for (;;) {
        int fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                flurm_warn("accept: %s", strerror(errno));
            if (errno != EINTR)
                return;
            continue;
        }
        if (write(fd, line, (size_t)len) != len)
            flurm_warn("short write to an accepted connection");
        close(fd);
    }
}

static void start_serving(struct testsvc *ts)
{
    if (flurm_service_start(ts->svc) < 0) {
        flurm_err("cannot start: %s", strerror(errno));
        ts->exit_code = FLURM_EXIT_TEMPORARY;
        flurm_service_drain(ts->svc);
    }
}

static void ready_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)ev;
    (void)revents;
    start_serving(w->data);
}

static void exit_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct testsvc *ts = w->data;

    (void)ev;
    (void)revents;
    flurm_info("exiting with %d as asked", ts->exit_after_code);
    _exit(ts->exit_after_code);
}

static void drain_delay_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)ev;
    (void)revents;
    flurm_service_release(((struct testsvc *)w->data)->svc);
}

static void on_drain(struct flurm_service *svc, void *arg)
{
    struct testsvc *ts = arg;
    struct ev_loop *ev = flurm_loop_ev(ts->loop);

    ev_timer_stop(ev, &ts->ready_timer);
    ev_io_stop(ev, &ts->accept_watcher);
    if (ts->drain_delay_s > 0) {
        flurm_service_hold(svc);
        ev_timer_start(ev, &ts->drain_delay_timer);
    }
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"name", required_argument, NULL, 'n'},
        {"version", required_argument, NULL, 'v'},
        {"ready-delay", required_argument, NULL, 'r'},
        {"never-ready", no_argument, NULL, 'N'},
        {"exit-after", required_argument, NULL, 'x'},
        {"echo", no_argument, NULL, 'e'},
        {"slow", required_argument, NULL, 's'},
        {"accept", no_argument, NULL, 'a'},
        {"drain-delay", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    struct testsvc ts = {.listen_fd = -1};
    const char *name = flurm_config_service();
    const char *version = "test-1";
    double ready_delay = 0, exit_after = -1;
    int never_ready = 0, serve_echo = 0, accept_tcp = 0;
    struct ev_loop *ev;
    int opt;

    if (!name)
        name = "echo";
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'n':
            name = optarg;
            break;
        case 'v':
            version = optarg;
            break;
        case 'r':
            ready_delay = parse_ms(optarg);
            break;
        case 'N':
            never_ready = 1;
            break;
        case 'x':
            exit_after = parse_ms(optarg);
            if (optind >= argc)
                usage();
            ts.exit_after_code = atoi(argv[optind++]);
            break;
        case 'e':
            serve_echo = 1;
            break;
        case 's':
            ts.slow_s = parse_ms(optarg);
            break;
        case 'a':
            accept_tcp = 1;
            break;
        case 'd':
            ts.drain_delay_s = parse_ms(optarg);
            break;
        default:
            usage();
        }
    }
    if (optind != argc)
        usage();
    flurm_log_init(name);

    if (!(ts.loop = flurm_loop_create())) {
        flurm_err("cannot create the loop: %s", strerror(errno));
        return FLURM_EXIT_TEMPORARY;
    }
    ev = flurm_loop_ev(ts.loop);
    ts.svc = flurm_service_create(ts.loop, name, version, serve_echo ? echo_handlers : no_handlers,
                                  &ts);
    if (!ts.svc) {
        flurm_err("cannot create service %s: %s", name, strerror(errno));
        return FLURM_EXIT_PERMANENT;
    }
    flurm_service_set_drain_cb(ts.svc, on_drain, &ts);
    ev_timer_init(&ts.ready_timer, ready_cb, ready_delay, 0.0);
    ts.ready_timer.data = &ts;
    ev_timer_init(&ts.exit_timer, exit_cb, exit_after, 0.0);
    ts.exit_timer.data = &ts;
    ev_timer_init(&ts.drain_delay_timer, drain_delay_cb, ts.drain_delay_s, 0.0);
    ts.drain_delay_timer.data = &ts;
    ev_io_init(&ts.accept_watcher, accept_cb, -1, EV_READ);

    if (exit_after >= 0)
        ev_timer_start(ev, &ts.exit_timer);
    if (accept_tcp) {
        if ((ts.listen_fd = flurm_config_fd("FLURM_LISTEN_FD")) < 0) {
            flurm_err("--accept needs FLURM_LISTEN_FD: %s", strerror(errno));
            return FLURM_EXIT_PERMANENT;
        }
        ev_io_set(&ts.accept_watcher, ts.listen_fd, EV_READ);
        ev_io_start(ev, &ts.accept_watcher);
    }
    if (!never_ready) {
        if (ready_delay > 0)
            ev_timer_start(ev, &ts.ready_timer);
        else
            start_serving(&ts);
    }

    int rc = flurm_service_run(ts.svc);
    if (ts.exit_code)
        rc = ts.exit_code;
    while (ts.slow)
        slow_free(ts.slow);
    ev_timer_stop(ev, &ts.ready_timer);
    ev_timer_stop(ev, &ts.exit_timer);
    ev_timer_stop(ev, &ts.drain_delay_timer);
    ev_io_stop(ev, &ts.accept_watcher);
    flurm_service_destroy(ts.svc);
    flurm_loop_destroy(ts.loop);
    return rc;
}
