/*
 * test_lifecycle.c - service instances as real processes (the testsvc and
 * testclient fixtures): readiness, reload without losing requests, drain on
 * SIGTERM, stale-file cleanup, and the fixture options the supervisor tests
 * rely on.
 *
 * The fixtures are found next to this test: build/test/common/test_X uses
 * build/test/bin/{testsvc,testclient} (build-asan likewise).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>

#include "common/client.h"
#include "common/ipc.h"
#include "common/loop.h"
#include "common/msg.h"

static char testsvc[PATH_MAX];
static char testclient[PATH_MAX];

#define MAX_CHILDREN 32

/* A child process as libev sees it: the default loop reaps every child
 * itself (SIGCHLD), so exit statuses must be collected through it. */
struct child {
    ev_child watcher;
    int exited;
    int status;
};

struct env {
    char rundir[64];
    char log[PATH_MAX];
    struct flurm_loop *loop;
    struct flurm_client *client;
    struct child children[MAX_CHILDREN];
    int nchildren;
};

/* A started testsvc: its pid and the read end of its readiness pipe. */
struct instance {
    pid_t pid;
    int ready_fd;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void find_fixtures(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *dir;

    ck_assert_int_gt(n, 0);
    self[n] = '\0';
    dir = dirname(dirname(self)); /* .../test/common/test_x -> .../test */
    snprintf(testsvc, sizeof(testsvc), "%s/bin/testsvc", dir);
    snprintf(testclient, sizeof(testclient), "%s/bin/testclient", dir);
    ck_assert_msg(access(testsvc, X_OK) == 0, "build the fixtures first: %s", testsvc);
    ck_assert_msg(access(testclient, X_OK) == 0, "build the fixtures first: %s", testclient);
}

static void env_setup(struct env *e, int with_client)
{
    char *url;

    find_fixtures();
    memset(e, 0, sizeof(*e));
    strcpy(e->rundir, "/tmp/flurm-test-life-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(e->rundir));
    snprintf(e->log, sizeof(e->log), "%s/services.log", e->rundir);
    setenv("FLURM_RUNDIR", e->rundir, 1);
    unsetenv("FLURM_SERVICE");
    unsetenv("FLURM_DRAIN_TIMEOUT_MS");
    unsetenv("FLURM_LISTEN_FD");
    ck_assert_ptr_nonnull(e->loop = flurm_loop_create());
    if (with_client) {
        url = flurm_ipc_link_url(e->rundir, "echo", FLURM_IPC_REQ);
        ck_assert_ptr_nonnull(e->client = flurm_client_create(e->loop, url, "lifecycle"));
        free(url);
    }
}

static void env_teardown(struct env *e)
{
    char cmd[128];

    flurm_client_destroy(e->client);
    for (int i = 0; i < e->nchildren; i++)
        ev_child_stop(flurm_loop_ev(e->loop), &e->children[i].watcher);
    flurm_loop_destroy(e->loop);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", e->rundir);
    ck_assert_int_eq(system(cmd), 0);
}

static void child_exited(struct ev_loop *ev, ev_child *w, int revents)
{
    struct child *child = w->data;

    (void)revents;
    child->exited = 1;
    child->status = w->rstatus;
    ev_child_stop(ev, w);
}

/* fork+exec argv with the readiness pipe's write end as fd 3 and stderr
 * appended to the env's log; stdout to stdout_fd if >= 0.  Only
 * async-signal-safe calls between fork and exec: we have NNG threads. */
static pid_t spawn(struct env *e, const char *const argv[], int notify_w, int stdout_fd)
{
    int log_fd = open(e->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    struct child *child;
    pid_t pid;

    ck_assert_int_ge(log_fd, 0);
    if (notify_w >= 0)
        setenv("FLURM_NOTIFY_FD", "3", 1);
    else
        unsetenv("FLURM_NOTIFY_FD");
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (notify_w >= 0) {
            if (notify_w == 3)
                fcntl(3, F_SETFD, 0);
            else
                dup2(notify_w, 3);
        }
        if (stdout_fd >= 0)
            dup2(stdout_fd, 1);
        dup2(log_fd, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(log_fd);
    ck_assert_int_lt(e->nchildren, MAX_CHILDREN);
    child = &e->children[e->nchildren++];
    ev_child_init(&child->watcher, child_exited, pid, 0);
    child->watcher.data = child;
    ev_child_start(flurm_loop_ev(e->loop), &child->watcher);
    return pid;
}

/* Start testsvc with extra options (NULL-terminated). */
static struct instance start_svc(struct env *e, const char *const extra[])
{
    const char *argv[16] = {testsvc};
    struct instance inst;
    int fds[2];
    int n = 1;

    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    inst.pid = spawn(e, argv, fds[1], -1);
    close(fds[1]);
    inst.ready_fd = fds[0];
    return inst;
}

/* Read the readiness line within `timeout` seconds.  Returns 1 with the
 * line (without "\n") in buf, 0 if the pipe closed or stayed silent. */
static int wait_ready(struct instance *inst, double timeout, char *buf, size_t size)
{
    double give_up = now() + timeout;
    size_t len = 0;

    while (now() < give_up && len + 1 < size) {
        struct pollfd pfd = {.fd = inst->ready_fd, .events = POLLIN};
        ssize_t n;

        if (poll(&pfd, 1, 10) <= 0)
            continue;
        n = read(inst->ready_fd, buf + len, size - len - 1);
        if (n <= 0)
            return 0;
        len += (size_t)n;
        buf[len] = '\0';
        if (strchr(buf, '\n')) {
            *strchr(buf, '\n') = '\0';
            return 1;
        }
    }
    return 0;
}

static void ready_or_fail(struct instance *inst)
{
    char line[64];

    ck_assert_msg(wait_ready(inst, 10.0, line, sizeof(line)), "instance %ld never ready",
                  (long)inst->pid);
    close(inst->ready_fd);
    inst->ready_fd = -1;
}

static void tick_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)ev;
    (void)w;
    (void)revents;
}

typedef int (*cond_fn)(void *arg);

/* Run the loop until cond(arg) holds or timeout seconds pass. */
static int run_until(struct env *e, cond_fn cond, void *arg, double timeout)
{
    double give_up = now() + timeout;
    ev_timer tick;

    ev_timer_init(&tick, tick_cb, 0.005, 0.005);
    ev_timer_start(flurm_loop_ev(e->loop), &tick);
    while (!cond(arg) && now() < give_up)
        ev_run(flurm_loop_ev(e->loop), EVRUN_ONCE);
    ev_timer_stop(flurm_loop_ev(e->loop), &tick);
    return cond(arg);
}

static int child_done(void *arg)
{
    return ((struct child *)arg)->exited;
}

/* Wait up to `timeout` s for our child pid; returns its wait status, or -1
 * (and kills it) if it did not exit in time. */
static int reap(struct env *e, pid_t pid, double timeout)
{
    struct child *child = NULL;

    for (int i = 0; i < e->nchildren; i++) {
        if (e->children[i].watcher.pid == pid)
            child = &e->children[i];
    }
    ck_assert_ptr_nonnull(child);
    if (run_until(e, child_done, child, timeout))
        return child->status;
    kill(pid, SIGKILL);
    run_until(e, child_done, child, 5.0);
    return -1;
}

static int exited_with(int status, int code)
{
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

/* Wait for pid and require exit code `code`, saying what happened if not. */
#define assert_exits(pid, code, timeout)                                                      \
    do {                                                                                      \
        int status_ = reap(&e, (pid), (timeout));                                                 \
        ck_assert_msg(exited_with(status_, (code)),                                           \
                      "pid %ld: %s %d instead of exit %d", (long)(pid),                       \
                      status_ == -1            ? "still running, killed; status"              \
                      : WIFSIGNALED(status_) ? "killed by signal"                             \
                                             : "exit code",                                   \
                      status_ == -1 ? -1 : WIFSIGNALED(status_) ? WTERMSIG(status_)           \
                                                                : WEXITSTATUS(status_),       \
                      (code));                                                                \
    } while (0)

static int path_exists(const char *rundir, const char *fmt, long pid)
{
    char name[64], path[PATH_MAX];
    struct stat st;

    snprintf(name, sizeof(name), fmt, pid);
    snprintf(path, sizeof(path), "%s/ipc/%s", rundir, name);
    return lstat(path, &st) == 0;
}

/* ---- in-process client side --------------------------------------------- */

struct result {
    int done;
    int errnum;
    int ok;
    long pid;
    json_t *body;
};

static void on_reply(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct result *r = arg;

    r->done = 1;
    r->errnum = errnum;
    if (reply && flurm_msg_ok(reply)) {
        r->ok = 1;
        r->pid = (long)json_integer_value(json_object_get(flurm_msg_body(reply), "pid"));
        r->body = json_incref(flurm_msg_body(reply));
    }
}

static void request(struct env *e, const char *type, int i, double timeout, struct result *r)
{
    json_t *body = json_pack("{s:i}", "i", i);

    memset(r, 0, sizeof(*r));
    ck_assert_int_eq(flurm_client_request(e->client, type, body, timeout, on_reply, r), 0);
    json_decref(body);
}

static int done(void *arg)
{
    return ((struct result *)arg)->done;
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

/* The instance's own log says it began draining. */
struct drain_seen {
    struct env *e;
    pid_t pid;
};

static int log_says_draining(void *arg)
{
    struct drain_seen *d = arg;
    char needle[64], line[512];
    FILE *f = fopen(d->e->log, "r");
    int found = 0;

    if (!f)
        return 0;
    snprintf(needle, sizeof(needle), "[%ld] info: draining", (long)d->pid);
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

/* Ask the instance (through the link) how many requests it holds. */
static long inflight_of(struct env *e)
{
    struct result status;
    long inflight;

    request(e, "service.status", 0, 5.0, &status);
    ck_assert(run_until(e, done, &status, 5.0));
    ck_assert(status.ok);
    inflight = (long)json_integer_value(json_object_get(status.body, "inflight"));
    json_decref(status.body);
    return inflight;
}

/* Ask until the instance holds n requests (requests in flight together
 * may be dispatched in any order, so a status request can overtake the
 * requests sent just before it).  Returns the last count seen. */
static long inflight_reaches(struct env *e, long n)
{
    long seen = inflight_of(e);

    for (int i = 0; seen != n && i < 200; i++) {
        usleep(10000);
        seen = inflight_of(e);
    }
    return seen;
}

/* ---- tests ---------------------------------------------------------------- */

START_TEST(readiness_comes_after_the_link_points_at_the_instance)
{
    struct env e;
    const char *opts[] = {"--echo", "--version", "v42", NULL};
    struct instance a;
    char line[64], link[PATH_MAX], target[64], expect[64];
    ssize_t n;

    env_setup(&e, 0);
    a = start_svc(&e, opts);
    ck_assert(wait_ready(&a, 10.0, line, sizeof(line)));
    ck_assert_str_eq(line, "v42");
    snprintf(link, sizeof(link), "%s/ipc/echo.req", e.rundir);
    n = readlink(link, target, sizeof(target) - 1);
    ck_assert_int_gt(n, 0);
    target[n] = '\0';
    snprintf(expect, sizeof(expect), "echo.%ld.req", (long)a.pid);
    ck_assert_str_eq(target, expect);
    close(a.ready_fd);
    kill(a.pid, SIGTERM);
    assert_exits(a.pid, 0, 10.0);
    env_teardown(&e);
}
END_TEST

START_TEST(sigterm_drain_answers_deferred_requests_then_exits_0_and_removes_its_files)
{
    struct env e;
    const char *opts[] = {"--echo", "--slow", "300", NULL};
    struct instance a;
    struct result r[3];
    struct results rs = {r, 3};

    env_setup(&e, 1);
    a = start_svc(&e, opts);
    ready_or_fail(&a);
    for (int i = 0; i < 3; i++)
        request(&e, "echo", i, 10.0, &r[i]);
    ck_assert_int_eq(inflight_reaches(&e, 3), 3); /* all three taken and deferred */

    kill(a.pid, SIGTERM);
    ck_assert(run_until(&e, all_done, &rs, 10.0));
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(r[i].ok, "request %d failed: %s", i, strerror(r[i].errnum));
        ck_assert_int_eq(r[i].pid, a.pid);
        json_decref(r[i].body);
    }
    assert_exits(a.pid, 0, 10.0);
    ck_assert(!path_exists(e.rundir, "echo.%ld.req", a.pid));
    env_teardown(&e);
}
END_TEST

START_TEST(request_in_flight_during_a_replacement_is_answered)
{
    struct env e;
    const char *slow[] = {"--echo", "--slow", "400", NULL};
    const char *fast[] = {"--echo", NULL};
    struct instance a, b;
    struct result in_flight, after;
    struct drain_seen draining;

    env_setup(&e, 1);
    a = start_svc(&e, slow);
    ready_or_fail(&a);
    request(&e, "echo", 1, 10.0, &in_flight);
    ck_assert_int_eq(inflight_reaches(&e, 1), 1); /* A holds it */

    b = start_svc(&e, fast); /* binds, swaps the link, ready */
    ready_or_fail(&b);
    kill(a.pid, SIGTERM);
    draining.e = &e;
    draining.pid = a.pid;
    ck_assert(run_until(&e, log_says_draining, &draining, 5.0));

    /* Sent on the connection to A, which takes nothing new: it must be
     * re-sent to B when A closes. */
    request(&e, "echo", 2, 10.0, &after);
    ck_assert(run_until(&e, done, &in_flight, 10.0));
    ck_assert(run_until(&e, done, &after, 10.0));
    ck_assert(in_flight.ok);
    ck_assert_int_eq(in_flight.pid, a.pid);
    ck_assert(after.ok);
    ck_assert_int_eq(after.pid, b.pid);
    ck_assert_uint_ge(flurm_client_resends(e.client), 1);
    json_decref(in_flight.body);
    json_decref(after.body);

    assert_exits(a.pid, 0, 10.0);
    kill(b.pid, SIGTERM);
    assert_exits(b.pid, 0, 10.0);
    env_teardown(&e);
}
END_TEST

#define REPLACEMENTS 20
#define STREAM_COUNT 300

START_TEST(no_request_is_lost_across_20_back_to_back_replacements)
{
    struct env e;
    const char *opts[] = {"--echo", "--slow", "20", NULL};
    struct instance inst[REPLACEMENTS + 1];
    const char *client_argv[] = {testclient, "--rundir", NULL, "--service", "echo", "--count",
                                 "300", "--interval", "5", "--timeout", "30000", NULL};
    char out[STREAM_COUNT * 40 + 256];
    size_t len = 0;
    int out_pipe[2], replies = 0, distinct = 0;
    long pids[STREAM_COUNT];
    pid_t client;
    char *line, *save;

    env_setup(&e, 0);
    client_argv[2] = e.rundir;
    inst[0] = start_svc(&e, opts);
    ready_or_fail(&inst[0]);
    ck_assert_int_eq(pipe2(out_pipe, O_CLOEXEC), 0);
    client = spawn(&e, client_argv, -1, out_pipe[1]);
    close(out_pipe[1]);

    for (int k = 1; k <= REPLACEMENTS; k++) {
        usleep(40000);
        inst[k] = start_svc(&e, opts);
        ready_or_fail(&inst[k]);
        kill(inst[k - 1].pid, SIGTERM);
    }
    for (;;) {
        ssize_t n = read(out_pipe[0], out + len, sizeof(out) - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    out[len] = '\0';
    close(out_pipe[0]);
    ck_assert_msg(strstr(out, "ok 300 failed 0\n"), "testclient ended with:\n%s",
                  out + (len > 1000 ? len - 1000 : 0)); /* Check truncates long messages */
    assert_exits(client, 0, 30.0);

    for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        long i, pid;
        int seen = 0;
        if (sscanf(line, "reply %ld pid %ld", &i, &pid) != 2)
            continue;
        replies++;
        for (int d = 0; d < distinct; d++)
            seen |= pids[d] == pid;
        if (!seen)
            pids[distinct++] = pid;
    }
    ck_assert_int_eq(replies, STREAM_COUNT);
    ck_assert_msg(distinct > 1, "all replies came from one instance: no reload was exercised");
    for (int k = 0; k < REPLACEMENTS; k++) {
        assert_exits(inst[k].pid, 0, 10.0);
        ck_assert(!path_exists(e.rundir, "echo.%ld.req", inst[k].pid));
    }
    kill(inst[REPLACEMENTS].pid, SIGTERM);
    assert_exits(inst[REPLACEMENTS].pid, 0, 10.0);
    env_teardown(&e);
}
END_TEST

START_TEST(drain_timeout_bounds_a_drain)
{
    struct env e;
    const char *opts[] = {"--echo", "--slow", "20000", NULL};
    struct instance a;
    struct result r;
    double t0;

    env_setup(&e, 1);
    setenv("FLURM_DRAIN_TIMEOUT_MS", "200", 1);
    a = start_svc(&e, opts);
    ready_or_fail(&a);
    request(&e, "echo", 1, 1.0, &r);
    ck_assert_int_eq(inflight_reaches(&e, 1), 1); /* the status may overtake the echo */
    t0 = now();
    kill(a.pid, SIGTERM);
    assert_exits(a.pid, 0, 5.0);
    ck_assert(now() - t0 < 3.0);
    ck_assert(!path_exists(e.rundir, "echo.%ld.req", a.pid));
    /* Nobody is left to re-send to: the caller's timeout ends it. */
    ck_assert(run_until(&e, done, &r, 5.0));
    ck_assert_int_eq(r.errnum, ETIMEDOUT);
    env_teardown(&e);
}
END_TEST

START_TEST(stale_files_of_a_dead_instance_are_replaced_at_start)
{
    struct env e;
    const char *opts[] = {"--echo", NULL};
    const char *crash[] = {"--echo", "--exit-after", "0", "3", NULL};
    struct instance dead, a;

    env_setup(&e, 0);
    dead = start_svc(&e, crash); /* _exit()s: leaves its files behind */
    close(dead.ready_fd);
    assert_exits(dead.pid, 3, 5.0);

    /* If the crash came before binding, fake what a crash leaves. */
    if (!path_exists(e.rundir, "echo.%ld.req", dead.pid)) {
        char path[PATH_MAX];
        FILE *f;
        snprintf(path, sizeof(path), "%s/ipc", e.rundir);
        mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/ipc/echo.%ld.req", e.rundir, (long)dead.pid);
        ck_assert_ptr_nonnull(f = fopen(path, "w"));
        fclose(f);
    }
    a = start_svc(&e, opts);
    ready_or_fail(&a);
    ck_assert(!path_exists(e.rundir, "echo.%ld.req", dead.pid));
    ck_assert(path_exists(e.rundir, "echo.%ld.req", a.pid));
    kill(a.pid, SIGTERM);
    assert_exits(a.pid, 0, 10.0);
    env_teardown(&e);
}
END_TEST

START_TEST(a_service_without_flurm_rundir_fails_permanently)
{
    struct env e;
    const char *opts[] = {"--echo", NULL};
    struct instance a;
    char line[64];

    env_setup(&e, 0);
    unsetenv("FLURM_RUNDIR");
    a = start_svc(&e, opts);
    assert_exits(a.pid, 100, 5.0);
    ck_assert(!wait_ready(&a, 0.1, line, sizeof(line)));
    close(a.ready_fd);
    env_teardown(&e);
}
END_TEST

START_TEST(testsvc_never_ready_stays_silent_and_drains_on_sigterm)
{
    struct env e;
    const char *opts[] = {"--never-ready", NULL};
    struct instance a;
    char line[64];

    env_setup(&e, 0);
    a = start_svc(&e, opts);
    ck_assert(!wait_ready(&a, 0.3, line, sizeof(line)));
    kill(a.pid, SIGTERM);
    assert_exits(a.pid, 0, 5.0);
    ck_assert(!wait_ready(&a, 0.1, line, sizeof(line))); /* closed, no line */
    close(a.ready_fd);
    env_teardown(&e);
}
END_TEST

START_TEST(testsvc_ready_delay_and_exit_after)
{
    struct env e;
    const char *delayed[] = {"--ready-delay", "300", "--exit-after", "600", "7", NULL};
    struct instance a;
    char line[64];
    double t0 = now();

    env_setup(&e, 0);
    a = start_svc(&e, delayed);
    ck_assert(wait_ready(&a, 5.0, line, sizeof(line)));
    ck_assert_str_eq(line, "test-1");
    ck_assert(now() - t0 >= 0.28);
    assert_exits(a.pid, 7, 5.0);
    close(a.ready_fd);
    env_teardown(&e);
}
END_TEST

START_TEST(testsvc_name_comes_from_flurm_service)
{
    struct env e;
    const char *opts[] = {"--echo", NULL};
    struct instance a;

    env_setup(&e, 0);
    setenv("FLURM_SERVICE", "other", 1);
    a = start_svc(&e, opts);
    ready_or_fail(&a);
    ck_assert(path_exists(e.rundir, "other.%ld.req", a.pid));
    kill(a.pid, SIGTERM);
    assert_exits(a.pid, 0, 5.0);
    env_teardown(&e);
}
END_TEST

START_TEST(testsvc_accept_answers_each_connection_with_its_pid)
{
    struct env e;
    const char *opts[] = {"--accept", NULL};
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t salen = sizeof(sa);
    struct instance a;
    char num[16], buf[32], expect[32];
    int lfd, cfd;
    ssize_t n;

    env_setup(&e, 0);
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(lfd, 0);
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(lfd, 8), 0);
    ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);
    snprintf(num, sizeof(num), "%d", lfd);
    setenv("FLURM_LISTEN_FD", num, 1);
    a = start_svc(&e, opts);
    ready_or_fail(&a);
    for (int round = 0; round < 2; round++) {
        cfd = socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_eq(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        n = read(cfd, buf, sizeof(buf) - 1);
        ck_assert_int_gt(n, 0);
        buf[n] = '\0';
        snprintf(expect, sizeof(expect), "%ld\n", (long)a.pid);
        ck_assert_str_eq(buf, expect);
        ck_assert_int_eq(read(cfd, buf, sizeof(buf)), 0); /* then closed */
        close(cfd);
    }
    kill(a.pid, SIGTERM);
    assert_exits(a.pid, 0, 5.0);
    close(lfd);
    env_teardown(&e);
}
END_TEST

START_TEST(testsvc_drain_delay_keeps_the_old_instance_alive)
{
    struct env e;
    const char *opts[] = {"--echo", "--drain-delay", "400", NULL};
    struct instance a;
    double t0;

    env_setup(&e, 0);
    a = start_svc(&e, opts);
    ready_or_fail(&a);
    t0 = now();
    kill(a.pid, SIGTERM);
    assert_exits(a.pid, 0, 5.0);
    ck_assert(now() - t0 >= 0.38);
    env_teardown(&e);
}
END_TEST

START_TEST(testclient_reports_every_reply_and_a_summary)
{
    struct env e;
    const char *opts[] = {"--echo", NULL};
    const char *argv[] = {testclient, "--rundir", NULL, "--service", "echo", "--count", "3",
                          NULL};
    struct instance a;
    char out[512], expect[512];
    size_t len = 0;
    int fds[2];
    pid_t client;
    ssize_t n;

    env_setup(&e, 0);
    argv[2] = e.rundir;
    a = start_svc(&e, opts);
    ready_or_fail(&a);
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    client = spawn(&e, argv, -1, fds[1]);
    close(fds[1]);
    while ((n = read(fds[0], out + len, sizeof(out) - len - 1)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(fds[0]);
    assert_exits(client, 0, 10.0);
    /* Replies may come in any order; with one instance all name its pid. */
    for (int i = 0; i < 3; i++) {
        snprintf(expect, sizeof(expect), "reply %d pid %ld\n", i, (long)a.pid);
        ck_assert_msg(strstr(out, expect), "missing \"%s\" in:\n%s", expect, out);
    }
    ck_assert_ptr_nonnull(strstr(out, "ok 3 failed 0\n"));
    kill(a.pid, SIGTERM);
    assert_exits(a.pid, 0, 5.0);
    env_teardown(&e);
}
END_TEST

START_TEST(testclient_fails_when_nobody_answers)
{
    struct env e;
    const char *argv[] = {testclient, "--rundir", NULL, "--service", "echo", "--count", "2",
                          "--timeout", "200", NULL};
    char out[256];
    int fds[2];
    pid_t client;
    ssize_t n;

    env_setup(&e, 0);
    argv[2] = e.rundir;
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    client = spawn(&e, argv, -1, fds[1]);
    close(fds[1]);
    n = read(fds[0], out, sizeof(out) - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    assert_exits(client, 1, 10.0);
    ck_assert_ptr_nonnull(strstr(out, "ok 0 failed 2"));
    env_teardown(&e);
}
END_TEST

static Suite *lifecycle_suite(void)
{
    Suite *s = suite_create("lifecycle");
    TCase *tc = tcase_create("lifecycle");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, readiness_comes_after_the_link_points_at_the_instance);
    tcase_add_test(tc, sigterm_drain_answers_deferred_requests_then_exits_0_and_removes_its_files);
    tcase_add_test(tc, request_in_flight_during_a_replacement_is_answered);
    tcase_add_test(tc, no_request_is_lost_across_20_back_to_back_replacements);
    tcase_add_test(tc, drain_timeout_bounds_a_drain);
    tcase_add_test(tc, stale_files_of_a_dead_instance_are_replaced_at_start);
    tcase_add_test(tc, a_service_without_flurm_rundir_fails_permanently);
    tcase_add_test(tc, testsvc_never_ready_stays_silent_and_drains_on_sigterm);
    tcase_add_test(tc, testsvc_ready_delay_and_exit_after);
    tcase_add_test(tc, testsvc_name_comes_from_flurm_service);
    tcase_add_test(tc, testsvc_accept_answers_each_connection_with_its_pid);
    tcase_add_test(tc, testsvc_drain_delay_keeps_the_old_instance_alive);
    tcase_add_test(tc, testclient_reports_every_reply_and_a_summary);
    tcase_add_test(tc, testclient_fails_when_nobody_answers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lifecycle_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
