/*
 * gateway.c - assembling and running flurm-gateway (see gateway.h).
 *
 * Start-up order matters for reloads: everything that can fail is set up
 * before the service declares itself ready, and clients are accepted only
 * after that, so a broken new instance never takes a connection and the
 * old one keeps serving.  Shutdown is the reverse, and the backends go
 * before the connections: destroying a backend completes its pending
 * requests, whose replies still need their connection.
 */
#include "services/gateway/gateway.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/service.h"
#include "common/version.h"
#include "services/gateway/backend.h"
#include "services/gateway/buildinfo.h"
#include "services/gateway/conf.h"
#include "services/gateway/conn.h"
#include "services/gateway/listener.h"
#include "services/gateway/metrics.h"
#include "services/gateway/rpc.h"
#include "services/gateway/scrape.h"
#include "services/gateway/stats.h"
#include "wire/auth.h"


#define DEFAULT_MAX_FRAME (64u * 1024 * 1024)
#define DEFAULT_MAX_BUFFERED (1024u * 1024 * 1024)
#define DEFAULT_MAX_CONNS 4096
/* File descriptors kept for everything but clients (munge, NNG, logs). */
#define FD_RESERVE 64
#define MAX_LISTEN_FDS 64
/* /metrics: how long the services' answers are reused, and how long one
 * may take (a scrape waits at most that). */
#define METRICS_CACHE_S 1.0
#define METRICS_TIMEOUT_S 1.0

struct gateway {
    struct flurm_loop *loop;
    struct flurm_service *svc;
    struct gw_conf *conf;
    struct flurm_build_info bi;
    bool bi_filled;
    struct flurm_auth *auth;
    struct gw_stats *stats;
    struct gw_metrics *metrics;
    struct gw_scrape *scrape; /* /metrics, or NULL when not configured */
    struct gw_backends *backends;
    struct gw_rpc *rpc;
    struct gw_conns *conns;
    struct gw_listener *listener;
    bool draining;
    bool held;
    bool paused_full;
};

static void note_key(const char *key, const char *why, void *arg)
{
    (void)arg;
    flurm_warn("slurm.conf %s: %s", key, why);
}

/* Join a NULL-terminated list into one log line. */
static void log_list(const char *what, const char *const *items)
{
    char line[1024] = "";
    size_t used = 0, n = 0;

    for (; items && *items; items++, n++) {
        if (used < sizeof(line) - 64)
            used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s", used ? ", " : "",
                                     *items);
    }
    if (n)
        flurm_warn("slurm.conf: %s (%zu): %s", what, n, line);
}

/* Say once which settings are not in force, so that nobody believes one
 * is when it is not. */
static void log_conf_gaps(const struct gw_conf *conf)
{
    const struct flurm_slurmconf *sc = gw_conf_slurmconf(conf);
    const char *const *w;

    log_list("settings FLURM does not act on", flurm_slurmconf_unimplemented(sc));
    log_list("keys SLURM 22.05 does not know either", flurm_slurmconf_unknown(sc));
    for (w = flurm_slurmconf_warnings(sc); w && *w; w++)
        flurm_warn("%s", *w);
}

/* Drained when every connection is answered and closed, and every request
 * handed to a service after its client's answer has ended. */
static void check_drained(struct gateway *gw)
{
    if (gw->draining && gw->held && gw_conns_count(gw->conns) == 0 &&
        gw_rpc_handed_off(gw->rpc) == 0) {
        gw->held = false;
        flurm_info("every connection answered");
        flurm_service_release(gw->svc);
    }
}

static void handed_off_done(void *arg)
{
    check_drained(arg);
}

static void conn_closed(void *arg)
{
    struct gateway *gw = arg;

    if (gw->paused_full && !gw->draining && !gw_conns_full(gw->conns)) {
        gw->paused_full = false;
        gw_listener_resume(gw->listener);
    }
    check_drained(gw);
}

static void on_accept(int fd, const struct sockaddr *addr, socklen_t addrlen, void *arg)
{
    struct gateway *gw = arg;

    if (gw_conns_add(gw->conns, fd, addr, addrlen) < 0)
        flurm_warn("cannot take a connection: %s", strerror(errno));
    if (!gw->draining && !gw->paused_full && gw_conns_full(gw->conns)) {
        /* The kernel's backlog holds the next clients meanwhile. */
        gw->paused_full = true;
        gw_stats_count(gw->stats, GW_C_CONN_LIMIT);
        flurm_warn("%zu connections open, the limit: accepting again when one closes",
                   gw_conns_count(gw->conns));
        gw_listener_pause(gw->listener);
    }
}

static void on_drain(struct flurm_service *svc, void *arg)
{
    struct gateway *gw = arg;

    /* Stop taking clients; the listening socket stays open (it is the
     * supervisor's) so the next instance takes them. */
    gw->draining = true;
    gw_listener_pause(gw->listener);
    /* The next instance takes the metrics port as it takes the clients. */
    gw_scrape_stop(gw->scrape);
    flurm_info("draining: %zu connections open, %zu requests handed off",
               gw_conns_count(gw->conns), gw_rpc_handed_off(gw->rpc));
    flurm_service_hold(svc);
    gw->held = true;
    check_drained(gw);
}

static void handle_stats(struct flurm_request *req, void *arg)
{
    struct gateway *gw = arg;
    json_t *body = gw_stats_json(gw->stats);

    if (!body) {
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    json_object_set_new(body, "backend_pending",
                        json_integer((json_int_t)gw_backends_pending(gw->backends)));
    flurm_request_reply(req, body);
}

static const struct flurm_handler handlers[] = {
    {"gateway.stats", handle_stats},
    {NULL, NULL},
};

/* flurm-sup inspect gateway (docs/observability.md). */
static const char *const inspect_whats[] = {"connections", NULL};

static json_t *gateway_inspect(struct flurm_service *svc, const char *what, const json_t *args,
                               void *arg)
{
    struct gateway *gw = arg;

    (void)svc;
    (void)what;
    (void)args;
    return gw_conns_inspect(gw->conns);
}

/* Clients need file descriptors; take what the hard limit allows and size
 * the connection table to it. */
static size_t fit_conns(size_t wanted)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return wanted;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < wanted + FD_RESERVE) {
        size_t fit = rl.rlim_cur > 2 * FD_RESERVE ? (size_t)rl.rlim_cur - FD_RESERVE : FD_RESERVE;
        flurm_warn("file descriptor limit %llu: at most %zu connections",
                   (unsigned long long)rl.rlim_cur, fit);
        return fit;
    }
    return wanted;
}

static struct flurm_auth *make_auth(const struct flurm_build_info *bi)
{
    struct flurm_auth_opts opts = {0};
    struct flurm_auth *auth;
    char *socket_path = NULL;

    if (flurm_auth_parse_authinfo(bi->authinfo, &socket_path, &opts.ttl) < 0) {
        flurm_err("slurm.conf AuthInfo=%s: cannot be read", bi->authinfo);
        return NULL;
    }
    opts.socket_path = socket_path;
    opts.block_null_hash = bi->comm_params && strcasestr(bi->comm_params, "block_null_hash");
    opts.block_zero_hash = bi->comm_params && strcasestr(bi->comm_params, "block_zero_hash");
    auth = flurm_auth_create(&opts);
    free(socket_path);
    return auth;
}

static int open_listeners(const struct gw_options *o, int *fds, bool *own)
{
    char err[256];
    const char *env;
    int n;

    if (o->listen) {
        if ((fds[0] = gw_listener_open(o->listen, err, sizeof(err))) < 0) {
            flurm_err("%s", err);
            return -1;
        }
        *own = true;
        return 1;
    }
    *own = false;
    if (!(env = getenv("FLURM_LISTEN_FD"))) {
        flurm_err("no listening socket: run under flurm-sup with \"listen\": true, or give "
                  "--listen HOST:PORT");
        return -1;
    }
    if ((n = gw_listener_parse_fds(env, fds, MAX_LISTEN_FDS)) < 0) {
        flurm_err("FLURM_LISTEN_FD=%s: %s", env, strerror(errno));
        return -1;
    }
    return n;
}

static void teardown(struct gateway *gw)
{
    gw_listener_destroy(gw->listener);
    gw_scrape_stop(gw->scrape);
    gw_backends_destroy(gw->backends); /* completes the scrape's requests too */
    gw_scrape_destroy(gw->scrape);
    gw_conns_destroy(gw->conns);
    gw_rpc_destroy(gw->rpc);
    gw_metrics_destroy(gw->metrics);
    gw_stats_destroy(gw->stats);
    flurm_service_destroy(gw->svc);
    flurm_loop_destroy(gw->loop);
    flurm_auth_destroy(gw->auth);
    if (gw->bi_filled)
        flurm_record_free(&flurm_rec_build_info, &gw->bi);
    gw_conf_destroy(gw->conf);
}

int gw_run(const struct gw_options *o)
{
    struct gateway gw = {0};
    struct gw_conn_limits lim;
    struct gw_rpc_config rc;
    const char *name = o->name ? o->name : flurm_config_service();
    const char *path = o->slurm_conf ? o->slurm_conf : getenv("SLURM_CONF");
    const char *rundir = o->rundir;
    const char *metrics_addr = o->metrics ? o->metrics : getenv("FLURM_METRICS_ADDR");
    int fds[MAX_LISTEN_FDS];
    int nfds, code = FLURM_EXIT_TEMPORARY;
    bool own_fds = false;
    char err[512];
    double msg_timeout;

    if (!name)
        name = "gateway";
    if (!path)
        path = "/etc/slurm/slurm.conf";
    flurm_log_init("gateway");

    /* Everything below until "ready" is configuration: a failure there
     * will not go away by restarting. */
    code = FLURM_EXIT_PERMANENT;
    if (!(gw.conf = gw_conf_load(path, err, sizeof(err)))) {
        flurm_err("cannot read slurm.conf: %s", err);
        goto out;
    }
    if (gw_buildinfo_fill(&gw.bi, gw.conf, time(NULL), note_key, NULL) < 0) {
        flurm_err("%s: the configuration cannot be served (%s)", path, strerror(errno));
        goto out;
    }
    gw.bi_filled = true;
    log_conf_gaps(gw.conf);
    if (strcmp(gw.bi.authtype, "auth/munge") != 0) {
        flurm_err("%s: AuthType=%s, but FLURM authenticates with auth/munge only", path,
                  gw.bi.authtype);
        goto out;
    }
    if (!rundir && !(rundir = flurm_config_rundir())) {
        flurm_err("FLURM_RUNDIR is not usable (%s) and --rundir was not given", strerror(errno));
        goto out;
    }
    if ((nfds = open_listeners(o, fds, &own_fds)) < 0)
        goto out;

    msg_timeout = gw.bi.msg_timeout > 0 ? gw.bi.msg_timeout : 10;
    lim.max_frame = o->max_frame ? o->max_frame : DEFAULT_MAX_FRAME;
    lim.max_buffered = o->max_buffered ? o->max_buffered : DEFAULT_MAX_BUFFERED;
    lim.max_conns = fit_conns(o->max_conns ? o->max_conns : DEFAULT_MAX_CONNS);
    lim.io_timeout = o->io_timeout > 0 ? o->io_timeout : msg_timeout;

    code = FLURM_EXIT_TEMPORARY;
    if (!(gw.auth = make_auth(&gw.bi)) || !(gw.loop = flurm_loop_create()) ||
        !(gw.svc = flurm_service_create(gw.loop, name, FLURM_VERSION, handlers, &gw)) ||
        flurm_service_set_rundir(gw.svc, rundir) < 0 ||
        !(gw.stats = gw_stats_create(time(NULL))) || !(gw.metrics = gw_metrics_create()) ||
        !(gw.backends = gw_backends_create(gw.loop, rundir))) {
        flurm_err("cannot start: %s", strerror(errno));
        goto out_fds;
    }
    if (metrics_addr && *metrics_addr && strcmp(metrics_addr, "off") != 0) {
        struct gw_scrape_config sc = {
            .loop = gw.loop,
            .backends = gw.backends,
            .stats = gw.stats,
            .metrics = gw.metrics,
            .addr = metrics_addr,
            .cache_seconds = METRICS_CACHE_S,
            .timeout = METRICS_TIMEOUT_S,
        };
        if (!(gw.scrape = gw_scrape_create(&sc))) {
            code = errno == EINVAL ? FLURM_EXIT_PERMANENT : FLURM_EXIT_TEMPORARY;
            flurm_err("metrics address \"%s\": %s", metrics_addr,
                      errno == EINVAL ? "not HOST:PORT" : strerror(errno));
            goto out_fds;
        }
    }
    rc = (struct gw_rpc_config){
        .loop = gw.loop,
        .auth = gw.auth,
        .stats = gw.stats,
        .metrics = gw.metrics,
        .backends = gw.backends,
        .svc = gw.svc,
        .build_info = &gw.bi,
        .self_name = name,
        .handed_off_done = handed_off_done,
        .handed_off_arg = &gw,
        /* SLURM clients stop waiting after MessageTimeout: answer before
         * that, so that they print our error and not a socket timeout. */
        .rpc_timeout = o->rpc_timeout > 0 ? o->rpc_timeout
                       : msg_timeout > 2  ? msg_timeout - 1
                                          : 1,
    };
    rc.gather_timeout = rc.rpc_timeout < 1 ? rc.rpc_timeout : 1;
    if (!(gw.rpc = gw_rpc_create(&rc)) ||
        !(gw.conns = gw_conns_create(gw.loop, gw.rpc, gw.stats, &lim, conn_closed, &gw)) ||
        !(gw.listener = gw_listener_create(gw.loop, fds, (size_t)nfds, own_fds, on_accept, &gw))) {
        flurm_err("cannot start: %s", strerror(errno));
        goto out_fds;
    }
    own_fds = false; /* the listener has them now */
    flurm_service_set_drain_cb(gw.svc, on_drain, &gw);
    flurm_service_set_inspect_cb(gw.svc, inspect_whats, gateway_inspect, &gw);
    /* A drain waits for the requests already taken: let it last long
     * enough for one to arrive and be answered. */
    flurm_service_set_drain_timeout(gw.svc, lim.io_timeout + rc.rpc_timeout + 2);
    if (flurm_service_start(gw.svc) < 0) {
        flurm_err("cannot become ready: %s", strerror(errno));
        goto out;
    }
    if (!gw.draining)
        gw_listener_resume(gw.listener);
    flurm_info("serving SLURM clients on %d socket%s (cluster %s, max %zu connections, "
               "frames up to %zu bytes, io timeout %.0f s, rpc timeout %.1f s)",
               nfds, nfds == 1 ? "" : "s", gw.bi.cluster_name ? gw.bi.cluster_name : "(none)",
               lim.max_conns, lim.max_frame, lim.io_timeout, rc.rpc_timeout);
    code = flurm_service_run(gw.svc);
    goto out;
out_fds:
    for (int i = 0; own_fds && i < nfds; i++)
        close(fds[i]);
out:
    teardown(&gw);
    return code;
}
