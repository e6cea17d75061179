/*
 * main.c - flurm-nodemgr (tree name "nodes"): the node manager process.
 *
 * Reads slurm.conf ($SLURM_CONF), builds the node and partition tables,
 * restores the admin state the job store keeps, then serves node.info,
 * node.info_single, partition.info, node.update and node.register on the
 * service runtime, publishes node.changed events, and pings the slurmds
 * (REQUEST_PING, REQUEST_NODE_REGISTRATION_STATUS) from the first ping
 * round on, and runs jobs: the allocations mirrored from the store are
 * launched, signalled and terminated on slurmd; srun's steps get their
 * signed credentials (step.create) and salloc/srun their allocation and
 * end notices.  A slurm.conf that cannot
 * be read is a permanent failure; a store
 * that does not answer is a temporary one.
 *
 * Environment (besides the process contract of docs/architecture.md):
 *   FLURM_NODEMGR_STORE_TIMEOUT_MS  one store request, default 10000
 *   FLURM_NODEMGR_FIRST_PING_MS     first ping round after start, default
 *                                   3000 (slurmctld's MIN_CHECKIN_TIME)
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/exitcode.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/service.h"
#include "common/slurmconf.h"
#include "common/version.h"
#include "services/nodemgr/nodemgr.h"
#include "services/nodemgr/nodes.h"
#include "services/nodemgr/slurmd.h"
#include "wire/auth.h"
#include "wire/rec_job.h"


/* AllowGroups membership through NSS: the user's primary group or a
 * listed member, as slurmctld checks it. */
static bool nss_in_group(uid_t uid, const char *group, void *arg)
{
    struct passwd pw, *pwp = NULL;
    struct group gr, *grp = NULL;
    char *buf = NULL;
    size_t len = 1 << 16;
    bool member = false;

    (void)arg;
    if (!(buf = malloc(2 * len)))
        return false;
    if (getgrnam_r(group, &gr, buf, len, &grp) != 0 || !grp)
        goto out;
    if (getpwuid_r(uid, &pw, buf + len, len, &pwp) != 0 || !pwp)
        goto out;
    if (pw.pw_gid == gr.gr_gid) {
        member = true;
        goto out;
    }
    for (char **mem = gr.gr_mem; mem && *mem && !member; mem++)
        member = strcmp(*mem, pw.pw_name) == 0;
out:
    free(buf);
    return member;
}

static double env_seconds(const char *var, long def_ms)
{
    long ms;

    if (flurm_config_ms(var, def_ms, &ms) < 0) {
        flurm_err("%s must be a whole number of milliseconds", var);
        exit(FLURM_EXIT_PERMANENT);
    }
    return (double)ms / 1000.0;
}

/* The client that talks to slurmd: munge as AuthInfo says, each request
 * bounded by MessageTimeout as slurmctld's agent is. */
static struct slurmd_client *slurmd_client_for(const struct flurm_slurmconf *conf,
                                               struct flurm_loop *loop)
{
    struct flurm_auth_opts opts = {0};
    struct slurmd_client *c;
    char *socket_path = NULL;
    uint64_t timeout = flurm_slurmconf_number(conf, "MessageTimeout");

    if (flurm_auth_parse_authinfo(flurm_slurmconf_get(conf, "AuthInfo"), &socket_path,
                                  &opts.ttl) < 0)
        return NULL;
    opts.socket_path = socket_path;
    c = slurmd_client_create(loop, &opts, timeout ? (double)timeout : 10.0);
    free(socket_path);
    return c;
}

/* slurm.conf's answers for running jobs: the select plugin id slurmd
 * expects in select_jobinfo, the default partition, step and time limits. */
static int jobs_conf_apply(struct nodemgr *m, const struct flurm_slurmconf *conf)
{
    const char *select = flurm_slurmconf_get(conf, "SelectType");
    const struct flurm_slurmconf_partition *def = flurm_slurmconf_default_partition(conf);
    char *socket_path = NULL;
    uint64_t v;
    int rc;
    struct nodemgr_jobs_conf jc = {
        .select_plugin_id = FLURM_SELECT_PLUGIN_LINEAR,
        .default_partition = def ? def->name : NULL,
        .max_step_cnt = 40000,
        .batch_start_timeout = 10,
        .msg_timeout = 10,
    };

    if (select && strcmp(select, "select/cons_tres") == 0)
        jc.select_plugin_id = FLURM_SELECT_PLUGIN_CONS_TRES;
    else if (select && strcmp(select, "select/cons_res") == 0)
        jc.select_plugin_id = FLURM_SELECT_PLUGIN_CONS_RES;
    if ((v = flurm_slurmconf_number(conf, "MaxStepCount")))
        jc.max_step_cnt = (uint32_t)v;
    if ((v = flurm_slurmconf_number(conf, "BatchStartTimeout")))
        jc.batch_start_timeout = (double)v;
    if ((v = flurm_slurmconf_number(conf, "MessageTimeout")))
        jc.msg_timeout = (double)v;
    /* Step credentials are signed as cred/munge signs them: for
     * SlurmdUser, through AuthInfo's munged and ttl. */
    jc.slurmd_uid = (uint32_t)flurm_slurmconf_slurmd_user(conf, NULL);
    if (flurm_auth_parse_authinfo(flurm_slurmconf_get(conf, "AuthInfo"), &socket_path,
                                  &jc.auth_ttl) < 0)
        return -1;
    jc.auth_socket = socket_path;
    rc = nodemgr_set_jobs_conf(m, &jc);
    free(socket_path);
    return rc;
}

static void log_conf_notes(const struct flurm_slurmconf *conf)
{
    const char *const *w = flurm_slurmconf_warnings(conf);

    for (; w && *w; w++)
        flurm_warn("%s", *w);
}

/* service.stats: how many nodes are in each state, named as scontrol
 * names them ("IDLE", "IDLE+DRAIN", ...), for the gateway's metrics. */
static json_t *nodes_stats(struct flurm_service *svc, int reset, void *arg)
{
    const struct nodes *nodes = arg;
    json_t *by = json_object(), *cnt;
    char text[128];

    (void)svc;
    (void)reset; /* gauges: nothing to reset */
    for (size_t i = 0; by && i < nodes_count(nodes); i++) {
        nodes_state_text(nodes_state(nodes, i), text, sizeof(text));
        if ((cnt = json_object_get(by, text))) {
            json_integer_set(cnt, json_integer_value(cnt) + 1);
        } else if (json_object_set_new(by, text, json_integer(1)) < 0) {
            json_decref(by);
            return NULL;
        }
    }
    return by ? json_pack("{s:o}", "nodes_by_state", by) : NULL;
}

static const char *const inspect_whats[] = {"nodes", "jobs", NULL};

static json_t *nodemgr_inspect_cb(struct flurm_service *svc, const char *what,
                                  const json_t *args, void *arg)
{
    (void)svc;
    (void)args;
    return nodemgr_inspect(arg, what);
}

int main(void)
{
    struct flurm_slurmconf *conf = NULL;
    struct flurm_loop *loop = NULL;
    struct flurm_service *svc = NULL;
    struct nodemgr *m = NULL;
    struct slurmd_client *slurmd;
    struct nodes *nodes;
    const char *rundir, *name = flurm_config_service();
    double store_timeout, first_ping;
    char err[512];
    int code = FLURM_EXIT_TEMPORARY;

    flurm_log_init(name ? name : "nodes");
    store_timeout = env_seconds("FLURM_NODEMGR_STORE_TIMEOUT_MS", 10000);
    first_ping = env_seconds("FLURM_NODEMGR_FIRST_PING_MS", 3000);
    rundir = flurm_config_require_rundir();
    if (!(conf = flurm_slurmconf_load(NULL, err, sizeof(err)))) {
        flurm_err("cannot use slurm.conf: %s", err);
        return FLURM_EXIT_PERMANENT;
    }
    log_conf_notes(conf);
    if (!(loop = flurm_loop_create())) {
        flurm_err("cannot create the event loop: %s", strerror(errno));
        goto out;
    }
    if (!(nodes = nodes_create(conf, (time_t)flurm_loop_now(loop)))) {
        flurm_err("cannot build the node table from %s: %s", flurm_slurmconf_path(conf),
                  errno == EINVAL ? "no NodeName is configured" : strerror(errno));
        code = errno == EINVAL ? FLURM_EXIT_PERMANENT : FLURM_EXIT_TEMPORARY;
        goto out;
    }
    nodes_set_group_fn(nodes, nss_in_group, NULL);
    flurm_info("%zu nodes, %zu partitions from %s", nodes_count(nodes),
               nodes_partition_count(nodes), flurm_slurmconf_path(conf));
    if (!(slurmd = slurmd_client_for(conf, loop))) {
        flurm_err("cannot set up the slurmd client: %s", strerror(errno));
        nodes_destroy(nodes);
        code = errno == EINVAL ? FLURM_EXIT_PERMANENT : FLURM_EXIT_TEMPORARY;
        goto out;
    }
    if (!(m = nodemgr_create(loop, nodes, slurmd, rundir, store_timeout)) ||
        jobs_conf_apply(m, conf) < 0) {
        flurm_err("cannot set up the node manager: %s", strerror(errno));
        goto out;
    }
    flurm_slurmconf_destroy(conf);
    conf = NULL;
    if (!(svc = flurm_service_create(loop, name ? NULL : "nodes", FLURM_VERSION,
                                     nodemgr_handlers, m))) {
        flurm_err("cannot create the service: %s", strerror(errno));
        goto out;
    }
    flurm_service_enable_events(svc);
    flurm_service_set_stats_cb(svc, nodes_stats, nodes);
    if (nodemgr_restore(m) < 0) {
        if (errno == ECANCELED) {
            code = FLURM_EXIT_OK;
            goto out;
        }
        flurm_err("cannot read the stored node states: %s", strerror(errno));
        goto out;
    }
    nodemgr_attach(m, svc, first_ping);
    flurm_service_set_inspect_cb(svc, inspect_whats, nodemgr_inspect_cb, m);
    if (flurm_service_start(svc) < 0) {
        code = errno == ESHUTDOWN ? FLURM_EXIT_OK : FLURM_EXIT_TEMPORARY;
        if (code)
            flurm_err("cannot start serving: %s", strerror(errno));
        goto out;
    }
    code = flurm_service_run(svc);
out:
    flurm_service_destroy(svc);
    nodemgr_destroy(m);
    flurm_loop_destroy(loop);
    flurm_slurmconf_destroy(conf);
    return code;
}
