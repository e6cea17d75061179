/*
 * main.c - flurm-sup, the FLURM supervisor and its control CLI (one binary):
 *
 *   flurm-sup start -c CONF [-r RUNDIR] [--daemon [--log FILE]]
 *   flurm-sup check -c CONF
 *   flurm-sup status  [-r RUNDIR] [--json]
 *   flurm-sup reload  SERVICE [-r RUNDIR] [--timeout SEC]
 *   flurm-sup restart SERVICE [-r RUNDIR] [--timeout SEC]
 *   flurm-sup stop    [-r RUNDIR] [--timeout SEC]
 *   flurm-sup inspect SERVICE [WHAT] [-r RUNDIR] [--timeout SEC]
 *   flurm-sup trace   JOBID [-r RUNDIR] [--timeout SEC]
 *
 * `start` runs the tree (tree.c) on one libev loop; the other commands talk
 * to a running supervisor through its control socket (ctl.c).  See
 * docs/supervisor.md.
 */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/exitcode.h"
#include "common/log.h"
#include "common/version.h"
#include "supervisor/config.h"
#include "supervisor/ctl.h"
#include "supervisor/listener.h"
#include "supervisor/observe.h"
#include "supervisor/tree.h"

#define DEFAULT_SLURM_CONF "/etc/slurm/slurm.conf"
#define DEFAULT_TIMEOUT_S 120
#define LINGER_S 0.1

/* CLI exit codes (the supervisor process itself uses common/exitcode.h). */
enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

struct options {
    const char *conf;
    const char *rundir;
    const char *log;
    bool daemon;
    bool json;
    double timeout_s;
    const char *service;
    const char *what; /* inspect's second argument */
};

struct run {
    struct ev_loop *loop;
    struct sup_tree *tree;
    int ready_fd; /* --daemon: the waiting parent's pipe, -1 once answered */
    int exit_code;
    char reason[8192];
    ev_signal term_w, int_w, hup_w;
    ev_timer linger_w;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: flurm-sup start -c CONF [-r RUNDIR] [--daemon [--log FILE]]\n"
            "       flurm-sup check -c CONF\n"
            "       flurm-sup status  [-r RUNDIR] [--json]\n"
            "       flurm-sup reload  SERVICE [-r RUNDIR] [--timeout SEC]\n"
            "       flurm-sup restart SERVICE [-r RUNDIR] [--timeout SEC]\n"
            "       flurm-sup stop    [-r RUNDIR] [--timeout SEC]\n"
            "       flurm-sup inspect SERVICE [WHAT] [-r RUNDIR] [--timeout SEC]\n"
            "       flurm-sup trace   JOBID [-r RUNDIR] [--timeout SEC]\n"
            "       flurm-sup --version\n"
            "RUNDIR defaults to $FLURM_RUNDIR.\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"rundir", required_argument, NULL, 'r'},
        {"daemon", no_argument, NULL, 'd'},       {"log", required_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},         {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int c;
    char *end;

    o->timeout_s = DEFAULT_TIMEOUT_S;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:r:dl:jt:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->conf = optarg;
            break;
        case 'r':
            o->rundir = optarg;
            break;
        case 'd':
            o->daemon = true;
            break;
        case 'l':
            o->log = optarg;
            break;
        case 'j':
            o->json = true;
            break;
        case 't':
            o->timeout_s = strtod(optarg, &end);
            if (*end || o->timeout_s <= 0) {
                fprintf(stderr, "flurm-sup: --timeout: expected a number of seconds\n");
                return -1;
            }
            break;
        case 'h':
            usage(stdout);
            exit(CLI_OK);
        default:
            return -1;
        }
    }
    if (optind < argc)
        o->service = argv[optind++];
    if (optind < argc)
        o->what = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "flurm-sup: unexpected argument \"%s\"\n", argv[optind]);
        return -1;
    }
    if (!o->rundir)
        o->rundir = getenv("FLURM_RUNDIR");
    return 0;
}

/* The folder of this binary: relative exec names resolve against it. */
static char *exe_dir(void)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

    if (n <= 0)
        return NULL;
    path[n] = '\0';
    return strdup(dirname(path));
}

static int mkdir_p(const char *path)
{
    char buf[PATH_MAX];

    if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* ---- start ---------------------------------------------------------------- */

static void answer_parent(struct run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void answer_parent(struct run *run, const char *fmt, ...)
{
    va_list ap;

    if (run->ready_fd < 0)
        return;
    va_start(ap, fmt);
    vdprintf(run->ready_fd, fmt, ap);
    va_end(ap);
    close(run->ready_fd);
    run->ready_fd = -1;
}

static void tree_ready(void *arg)
{
    struct run *run = arg;

    answer_parent(run, "ready %ld\n", (long)getpid());
}

static void linger_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)w;
    (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

static void tree_done(int exit_code, const char *reason, void *arg)
{
    struct run *run = arg;

    run->exit_code = exit_code;
    snprintf(run->reason, sizeof(run->reason), "%s", reason);
    answer_parent(run, "failed %d %s\n", exit_code, reason);
    /* NNG sends in the background and may drop what is queued when the
     * socket closes: give the last replies (to `stop`) a moment to leave. */
    ev_timer_init(&run->linger_w, linger_cb, LINGER_S, 0);
    ev_timer_start(run->loop, &run->linger_w);
}

static void stop_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct run *run = w->data;

    (void)loop;
    (void)revents;
    flurm_info("got signal %d (%s)", w->signum, strsignal(w->signum));
    sup_tree_stop(run->tree);
}

static void hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    flurm_info("SIGHUP ignored: use `flurm-sup reload SERVICE`");
}

/* --daemon: the parent waits here until the tree is ready or failed. */
static int wait_for_daemon(int fd, pid_t child)
{
    char buf[1024];
    size_t len = 0;
    ssize_t n;
    long pid;
    int code;
    int off = 0;

    while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    if (len && buf[len - 1] == '\n')
        buf[len - 1] = '\0';
    if (sscanf(buf, "ready %ld", &pid) == 1)
        return CLI_OK;
    if (sscanf(buf, "failed %d %n", &code, &off) == 1 && off > 0) {
        fprintf(stderr, "flurm-sup: start failed: %s\n", buf + off);
        return code ? code : CLI_FAILED;
    }
    fprintf(stderr, "flurm-sup: start failed: the supervisor (pid %ld) exited before it was ready%s%s\n",
            (long)child, len ? ": " : "", buf);
    return FLURM_EXIT_TEMPORARY;
}

/* Fork into the background.  Returns in the daemon with *ready_fd set;
 * the foreground process never returns from here. */
static void daemonize(const char *log, int *ready_fd)
{
    int pipefd[2];
    pid_t pid;
    int fd;

    if (pipe2(pipefd, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
        fprintf(stderr, "flurm-sup: cannot daemonize: %s\n", strerror(errno));
        exit(FLURM_EXIT_TEMPORARY);
    }
    if (pid > 0) {
        close(pipefd[1]);
        exit(wait_for_daemon(pipefd[0], pid));
    }
    close(pipefd[0]);
    *ready_fd = pipefd[1];
    setsid();
    if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
        dup2(fd, STDIN_FILENO);
        close(fd);
    }
    if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
        dprintf(*ready_fd, "failed %d cannot open log %s: %s\n", FLURM_EXIT_PERMANENT, log,
                strerror(errno));
        exit(FLURM_EXIT_PERMANENT);
    }
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
}

static int write_pidfile(const char *path)
{
    char tmp[PATH_MAX + 64];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
    if (!(f = fopen(tmp, "w")))
        return -1;
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0 || rename(tmp, path) < 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static long read_pidfile(const char *path)
{
    FILE *f = fopen(path, "r");
    long pid = -1;

    if (!f)
        return -1;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = -1;
    fclose(f);
    return pid;
}

/* One supervisor per run folder, decided by a lock held for its whole life.
 * Probing the control socket instead would be worse than useless: NNG 1.5.2
 * listeners stop accepting after a peer disconnects during the SP handshake
 * (nanomsg/nng#1518), and a probe does exactly that.  Holding the lock, a
 * leftover socket file is known to be stale and is removed.  Returns the
 * lock's fd (close-on-exec), or -1 with the reason in err. */
static int lock_rundir(const char *rundir, char *err, size_t errlen)
{
    char path[PATH_MAX + 32];
    int fd;

    snprintf(path, sizeof(path), "%s/flurm-sup.lock", rundir);
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int saved = errno;
        snprintf(path, sizeof(path), "%s/flurm-sup.pid", rundir);
        if (saved == EWOULDBLOCK)
            snprintf(err, errlen, "another supervisor is running in %s (pid %ld)", rundir,
                     read_pidfile(path));
        else
            snprintf(err, errlen, "locking %s: %s", rundir, strerror(saved));
        close(fd);
        errno = saved;
        return -1;
    }
    snprintf(path, sizeof(path), "%s/ipc/sup.ctl", rundir);
    if (unlink(path) == 0)
        flurm_info("removed the stale control socket %s", path);
    return fd;
}

/* The listening sockets the tree needs, or none. */
static int open_listeners(const struct sup_config *config, const char *slurm_conf, int **fds,
                          size_t *nfds)
{
    char err[512];
    char *port = NULL;
    int lo, hi;

    *fds = NULL;
    *nfds = 0;
    if (!sup_config_wants_listener(config))
        return 0;
    if (config->listen_port) {
        port = strdup(config->listen_port);
    } else if (!(port = sup_slurmctld_port(slurm_conf, err, sizeof(err)))) {
        flurm_err("cannot read SlurmctldPort: %s", err);
        return FLURM_EXIT_PERMANENT;
    }
    if (!port || sup_port_range_parse(port, &lo, &hi) < 0) {
        flurm_err("SlurmctldPort \"%s\" in %s: expected a port or LOW-HIGH", port ? port : "",
                  config->listen_port ? config->path : slurm_conf);
        free(port);
        return FLURM_EXIT_PERMANENT;
    }
    free(port);
    if (sup_listen_open(config->listen_address, lo, hi, fds, nfds, err, sizeof(err)) < 0) {
        flurm_err("cannot open the SLURM listening socket: %s", err);
        return FLURM_EXIT_TEMPORARY;
    }
    if (hi > lo)
        flurm_info("listening on %s ports %d-%d", config->listen_address, lo, hi);
    else
        flurm_info("listening on %s port %d", config->listen_address, lo);
    return 0;
}

static int cmd_start(const struct options *o)
{
    char err[8192];
    char rundir[PATH_MAX], url[256], pidfile[PATH_MAX + 32], ipcdir[PATH_MAX + 8];
    char *bindir = exe_dir();
    char *slurm_conf = NULL;
    char *log = NULL;
    struct sup_config *config = NULL;
    struct sup_ctl *ctl = NULL;
    struct run run = {.ready_fd = -1, .exit_code = FLURM_EXIT_TEMPORARY};
    struct sup_tree_opts topts;
    int *fds = NULL;
    size_t nfds = 0;
    bool pidfile_written = false;
    int lock_fd = -1;
    int rc;

    if (!o->conf) {
        fprintf(stderr, "flurm-sup start: -c CONF is required\n");
        rc = CLI_USAGE;
        goto done;
    }
    if (!o->rundir || !*o->rundir) {
        fprintf(stderr, "flurm-sup start: no run folder: give -r RUNDIR or set FLURM_RUNDIR\n");
        rc = CLI_USAGE;
        goto done;
    }
    if (!(config = sup_config_load(o->conf, bindir, err, sizeof(err)))) {
        fprintf(stderr, "flurm-sup: %s\n", err);
        rc = FLURM_EXIT_PERMANENT;
        goto done;
    }
    if (mkdir_p(o->rundir) < 0 || !realpath(o->rundir, rundir)) {
        fprintf(stderr, "flurm-sup: run folder %s: %s\n", o->rundir, strerror(errno));
        rc = FLURM_EXIT_PERMANENT;
        goto done;
    }
    snprintf(ipcdir, sizeof(ipcdir), "%s/ipc", rundir);
    snprintf(pidfile, sizeof(pidfile), "%s/flurm-sup.pid", rundir);
    if (mkdir_p(ipcdir) < 0 || sup_ctl_url(rundir, url, sizeof(url)) < 0) {
        fprintf(stderr, "flurm-sup: run folder %s: %s\n", ipcdir, strerror(errno));
        rc = FLURM_EXIT_PERMANENT;
        goto done;
    }
    /* The site's slurm.conf, absolute so that children may chdir. */
    {
        const char *sc = config->slurm_conf ? config->slurm_conf : getenv("SLURM_CONF");
        char abs[PATH_MAX];
        if (!sc || !*sc)
            sc = DEFAULT_SLURM_CONF;
        if (sc[0] != '/' && realpath(sc, abs))
            sc = abs;
        slurm_conf = strdup(sc);
    }
    /* Before daemonizing, so that these errors reach the terminal; the
     * daemon inherits the lock and the sockets. */
    flurm_log_init("flurm-sup");
    if ((lock_fd = lock_rundir(rundir, err, sizeof(err))) < 0) {
        fprintf(stderr, "flurm-sup: %s\n", err);
        rc = FLURM_EXIT_TEMPORARY;
        goto done;
    }
    if ((rc = open_listeners(config, slurm_conf, &fds, &nfds)) != 0)
        goto done;
    if (o->daemon) {
        if (!o->log && asprintf(&log, "%s/flurm-sup.log", rundir) < 0) {
            rc = FLURM_EXIT_TEMPORARY;
            goto done;
        }
        daemonize(o->log ? o->log : log, &run.ready_fd);
    }
    signal(SIGPIPE, SIG_IGN);
    /* Not the default loop: libev's default loop reaps children itself,
     * and the tree must see each exit first. */
    if (!(run.loop = ev_loop_new(EVFLAG_AUTO))) {
        snprintf(run.reason, sizeof(run.reason), "cannot create the event loop");
        rc = FLURM_EXIT_TEMPORARY;
        goto fail;
    }
    topts = (struct sup_tree_opts){
        .loop = run.loop,
        .config = config,
        .rundir = rundir,
        .slurm_conf = slurm_conf,
        .listen_fds = fds,
        .nlisten = nfds,
    };
    if (!(run.tree = sup_tree_create(&topts, tree_ready, tree_done, &run))) {
        snprintf(run.reason, sizeof(run.reason), "cannot build the tree: %s", strerror(errno));
        rc = FLURM_EXIT_TEMPORARY;
        goto fail;
    }
    if (!(ctl = sup_ctl_create(run.loop, url, sup_tree_handle_ctl, run.tree, err, sizeof(err)))) {
        snprintf(run.reason, sizeof(run.reason), "%s", err);
        rc = FLURM_EXIT_TEMPORARY;
        goto fail;
    }
    if (write_pidfile(pidfile) < 0) {
        snprintf(run.reason, sizeof(run.reason), "%s: %s", pidfile, strerror(errno));
        rc = FLURM_EXIT_TEMPORARY;
        goto fail;
    }
    pidfile_written = true;
    ev_signal_init(&run.term_w, stop_signal_cb, SIGTERM);
    ev_signal_init(&run.int_w, stop_signal_cb, SIGINT);
    ev_signal_init(&run.hup_w, hup_cb, SIGHUP);
    run.term_w.data = run.int_w.data = run.hup_w.data = &run;
    ev_signal_start(run.loop, &run.term_w);
    ev_signal_start(run.loop, &run.int_w);
    ev_signal_start(run.loop, &run.hup_w);
    flurm_info("flurm-sup %s starting: config %s, run folder %s, pid %ld", FLURM_VERSION,
               config->path, rundir, (long)getpid());
    sup_tree_start(run.tree);
    ev_run(run.loop, 0);
    rc = run.exit_code;
    if (rc == 0)
        flurm_info("flurm-sup stopped");
    goto done;
fail:
    flurm_err("%s", run.reason);
    answer_parent(&run, "failed %d %s\n", rc, run.reason);
done:
    if (pidfile_written && read_pidfile(pidfile) == (long)getpid())
        unlink(pidfile);
    /* The tree first: it answers the requests still pending on its nodes,
     * through the control socket. */
    sup_tree_destroy(run.tree);
    sup_ctl_destroy(ctl);
    if (run.loop)
        ev_loop_destroy(run.loop);
    if (run.ready_fd >= 0)
        close(run.ready_fd);
    sup_listen_close(fds, nfds);
    if (lock_fd >= 0)
        close(lock_fd); /* after the pid file is gone: the next one may start */
    sup_config_destroy(config);
    free(slurm_conf);
    free(bindir);
    free(log);
    return rc;
}

static int cmd_check(const struct options *o)
{
    char err[1024];
    char *bindir = exe_dir();
    struct sup_config *config;

    if (!o->conf) {
        fprintf(stderr, "flurm-sup check: -c CONF is required\n");
        free(bindir);
        return CLI_USAGE;
    }
    config = sup_config_load(o->conf, bindir, err, sizeof(err));
    free(bindir);
    if (!config) {
        fprintf(stderr, "flurm-sup: %s\n", err);
        return FLURM_EXIT_PERMANENT;
    }
    printf("%s: ok\n", o->conf);
    sup_config_destroy(config);
    return CLI_OK;
}

/* ---- client commands ------------------------------------------------------ */

static int need_rundir(const struct options *o, const char *cmd)
{
    if (!o->rundir || !*o->rundir) {
        fprintf(stderr, "flurm-sup %s: no run folder: give -r RUNDIR or set FLURM_RUNDIR\n",
                cmd);
        return -1;
    }
    return 0;
}

static void format_uptime(json_t *uptime, char *buf, size_t len)
{
    double s;

    if (!json_is_number(uptime)) {
        snprintf(buf, len, "-");
        return;
    }
    s = json_number_value(uptime);
    if (s < 60)
        snprintf(buf, len, "%.1fs", s);
    else if (s < 3600)
        snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
    else if (s < 86400)
        snprintf(buf, len, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
    else
        snprintf(buf, len, "%dd%02dh", (int)s / 86400, ((int)s % 86400) / 3600);
}

static void print_node(json_t *n, int depth)
{
    char name[128], pid[32], uptime[32];
    const char *kind = json_string_value(json_object_get(n, "kind"));
    bool sup = kind && strcmp(kind, "supervisor") == 0;
    json_t *p = json_object_get(n, "pid");
    const char *version = json_string_value(json_object_get(n, "version"));
    json_t *child, *draining;
    size_t i;

    snprintf(name, sizeof(name), "%*s%s", depth * 2, "",
             json_string_value(json_object_get(n, "name")));
    if (json_is_integer(p))
        snprintf(pid, sizeof(pid), "%lld", (long long)json_integer_value(p));
    else
        snprintf(pid, sizeof(pid), "-");
    format_uptime(json_object_get(n, "uptime"), uptime, sizeof(uptime));
    printf("%-24s %-10s %-9s %-8s %-8s %-8lld %s", name, sup ? "supervisor" : "service",
           json_string_value(json_object_get(n, "state")), pid, uptime,
           (long long)json_integer_value(json_object_get(n, "restarts")),
           sup ? json_string_value(json_object_get(n, "strategy")) : version ? version : "-");
    if (json_is_integer(json_object_get(n, "reload_pid")))
        printf("  (new instance: pid %lld)",
               (long long)json_integer_value(json_object_get(n, "reload_pid")));
    draining = json_object_get(n, "draining_pids");
    if (json_array_size(draining)) {
        printf("  (draining:");
        json_array_foreach(draining, i, child)
            printf(" %lld", (long long)json_integer_value(child));
        printf(")");
    }
    printf("\n");
    json_array_foreach(json_object_get(n, "children"), i, child)
        print_node(child, depth + 1);
}

static int cmd_status(const struct options *o)
{
    char err[1024];
    json_t *reply;

    if (need_rundir(o, "status") < 0)
        return CLI_USAGE;
    if (sup_ctl_call(o->rundir, "sup.status", NULL, (int)(o->timeout_s * 1000), &reply, err,
                     sizeof(err)) != 0) {
        fprintf(stderr, "flurm-sup status: %s\n", err);
        return CLI_FAILED;
    }
    if (o->json) {
        json_dumpf(reply, stdout, JSON_INDENT(2));
        printf("\n");
    } else {
        printf("flurm-sup pid %lld, version %s, run folder %s\n",
               (long long)json_integer_value(json_object_get(reply, "pid")),
               json_string_value(json_object_get(reply, "version")),
               json_string_value(json_object_get(reply, "rundir")));
        printf("%-24s %-10s %-9s %-8s %-8s %-8s %s\n", "NAME", "KIND", "STATE", "PID", "UPTIME",
               "RESTARTS", "VERSION/STRATEGY");
        print_node(json_object_get(reply, "tree"), 0);
    }
    json_decref(reply);
    return CLI_OK;
}

static int cmd_service_op(const struct options *o, const char *cmd, const char *type)
{
    char err[1024];
    json_t *body, *reply;
    int rc;

    if (need_rundir(o, cmd) < 0)
        return CLI_USAGE;
    if (!o->service) {
        fprintf(stderr, "flurm-sup %s: which service?\n", cmd);
        return CLI_USAGE;
    }
    body = json_pack("{s:s}", "service", o->service);
    rc = sup_ctl_call(o->rundir, type, body, (int)(o->timeout_s * 1000), &reply, err,
                      sizeof(err));
    json_decref(body);
    if (rc != 0) {
        fprintf(stderr, "flurm-sup %s: %s\n", cmd, err);
        return CLI_FAILED;
    }
    if (json_is_integer(json_object_get(reply, "old_pid")))
        printf("%s: pid %lld (version %s) replaced pid %lld\n", o->service,
               (long long)json_integer_value(json_object_get(reply, "pid")),
               json_string_value(json_object_get(reply, "version")),
               (long long)json_integer_value(json_object_get(reply, "old_pid")));
    else if (json_is_integer(json_object_get(reply, "pid")))
        printf("%s: restarted as pid %lld (version %s)\n", o->service,
               (long long)json_integer_value(json_object_get(reply, "pid")),
               json_string_value(json_object_get(reply, "version")));
    else
        printf("%s: restarted\n", o->service);
    json_decref(reply);
    return CLI_OK;
}

/* Gone means no such process, or a zombie its parent has yet to reap. */
static bool process_gone(long pid)
{
    char path[64], buf[512];
    FILE *f;
    char *paren;
    bool gone = false;

    if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
        return true;
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if (!(f = fopen(path, "r")))
        return true;
    if (fgets(buf, sizeof(buf), f) && (paren = strrchr(buf, ')')) && paren[1] == ' ')
        gone = paren[2] == 'Z' || paren[2] == 'X';
    fclose(f);
    return gone;
}

static int cmd_stop(const struct options *o)
{
    char err[1024];
    char pidfile[PATH_MAX + 32];
    json_t *reply = NULL;
    long pid;
    struct timespec tick = {0, 20 * 1000 * 1000};
    double waited = 0;
    int rc;

    if (need_rundir(o, "stop") < 0)
        return CLI_USAGE;
    snprintf(pidfile, sizeof(pidfile), "%s/flurm-sup.pid", o->rundir);
    pid = read_pidfile(pidfile);
    rc = sup_ctl_call(o->rundir, "sup.stop", NULL, 10000, &reply, err, sizeof(err));
    if (rc == 0 && json_is_integer(json_object_get(reply, "pid")))
        pid = (long)json_integer_value(json_object_get(reply, "pid"));
    json_decref(reply);
    /* -3: asked, but the answer was lost as the supervisor went away,
     * which is what it was asked to do; the wait below tells. */
    if (rc == -1 || rc == -2 || (rc == -3 && pid <= 0)) {
        fprintf(stderr, "flurm-sup stop: %s\n", err);
        return CLI_FAILED;
    }
    /* Stopped once the supervisor itself is gone: it leaves only after
     * every child has. */
    while (pid > 0 && !process_gone(pid)) {
        if (waited >= o->timeout_s) {
            fprintf(stderr, "flurm-sup stop: pid %ld still running after %.0f s\n", pid,
                    o->timeout_s);
            return CLI_FAILED;
        }
        nanosleep(&tick, NULL);
        waited += 0.02;
    }
    return CLI_OK;
}

int main(int argc, char **argv)
{
    struct options o = {0};
    const char *cmd;

    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("flurm-sup %s\n", FLURM_VERSION);
        return CLI_OK;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (parse_options(argc - 1, argv + 1, &o) < 0) {
        usage(stderr);
        return CLI_USAGE;
    }
    flurm_log_init("flurm-sup");
    if ((o.service && strcmp(cmd, "reload") != 0 && strcmp(cmd, "restart") != 0 &&
         strcmp(cmd, "inspect") != 0 && strcmp(cmd, "trace") != 0) ||
        (o.what && strcmp(cmd, "inspect") != 0)) {
        fprintf(stderr, "flurm-sup %s: unexpected argument \"%s\"\n", cmd,
                o.what && o.service && (!strcmp(cmd, "reload") || !strcmp(cmd, "restart") ||
                                        !strcmp(cmd, "trace"))
                    ? o.what
                    : o.service);
        return CLI_USAGE;
    }
    if (strcmp(cmd, "inspect") == 0 || strcmp(cmd, "trace") == 0) {
        if (need_rundir(&o, cmd) < 0)
            return CLI_USAGE;
        if (!o.service) {
            fprintf(stderr, "flurm-sup %s: %s\n", cmd,
                    strcmp(cmd, "trace") ? "which service?" : "which job?");
            return CLI_USAGE;
        }
        if (o.timeout_s == DEFAULT_TIMEOUT_S)
            o.timeout_s = 10;
        return strcmp(cmd, "trace") == 0
                   ? sup_cmd_trace(o.rundir, o.service, (int)(o.timeout_s * 1000))
                   : sup_cmd_inspect(o.rundir, o.service, o.what, (int)(o.timeout_s * 1000));
    }
    if (strcmp(cmd, "start") == 0)
        return cmd_start(&o);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(&o);
    if (strcmp(cmd, "status") == 0)
        return cmd_status(&o);
    if (strcmp(cmd, "reload") == 0)
        return cmd_service_op(&o, "reload", "sup.reload");
    if (strcmp(cmd, "restart") == 0)
        return cmd_service_op(&o, "restart", "sup.restart");
    if (strcmp(cmd, "stop") == 0)
        return cmd_stop(&o);
    fprintf(stderr, "flurm-sup: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return CLI_USAGE;
}
