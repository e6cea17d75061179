/*
 * main.c - flurm-scheduler (tree name "sched"): job priorities, the
 * reasons pending jobs wait for, starting jobs where they fit (placement
 * and backfill), time limits, sprio and sshare.
 *
 * The scheduler keeps no state of its own.  It mirrors the job store (a
 * job.list of everything at start, then of what changed after each
 * job.changed event, each followed by job.allocs: what running jobs hold)
 * and the node manager (node.info at start, then its node.changed events),
 * and after every change runs a pass (sched.h), a pure function of that
 * picture and the clock.  What the pass decides goes back to the store as
 * one command at a time: job.timeout for jobs past their end, else
 * job.preempt for running jobs that make room for a job of a higher
 * PriorityTier, else job.start for the jobs it starts, else
 * job.sched_update for reasons that differ.  The store stays the only owner of job state (it refuses a start
 * that overlaps or a job no longer pending), so a killed scheduler loses
 * nothing and never starts a job twice: the next one reads the same
 * picture again.
 *
 * Events are hints: a gap in job.changed is covered by the next job.list
 * (it asks for everything after the last change the view holds), a gap in
 * node.changed by a new node.info, and a new store instance (another
 * database, maybe) by reading every job again.
 *
 * Environment (besides the process contract of docs/architecture.md):
 *   SLURM_CONF                 the site's slurm.conf
 *   FLURM_SCHED_INTERVAL_MS    a pass at least this often, default 60000
 *                              (slurmctld's sched_interval)
 *   FLURM_SCHED_TIMEOUT_MS     one request to the store or the node
 *                              manager, default 10000
 *   FLURM_SCHED_JOBS_PAGE      jobs per job.list page, default
 *                              SCHED_JOBS_PAGE (tests make it small)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/histogram.h"
#include "common/client.h"
#include "common/config.h"
#include "common/exitcode.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/msg.h"
#include "common/pubsub.h"
#include "common/service.h"
#include "common/slurmconf.h"
#include "common/version.h"
#include "services/scheduler/sched.h"
#include "services/scheduler/view.h"


#define RETRY_S 1.0
/* Jobs per job.list page: a few hundred milliseconds of the store's time,
 * so that its other requests (squeue after a restart) wait one page at
 * most while the scheduler reads 100,000 jobs. */
#define SCHED_JOBS_PAGE 5000
/* node.info's show_flags: SHOW_ALL | SHOW_FUTURE, every node by name */
#define NODE_INFO_FLAGS 0x81

/* What the passes cost.  `sdiag` holds slurmctld's main-schedule lines
 * (microseconds, restarted by sdiag -r as reset_stats does); the rest
 * feeds the metrics and is never reset, so that Prometheus sees counters
 * that only grow. */
struct pass_stats {
    struct {
        uint64_t cycle_max, cycle_last, cycle_sum, cycle_counter, cycle_depth, queue_len;
    } sdiag;
    uint64_t considered;
    struct flurm_histogram seconds; /* its count is the number of passes */
};

struct scheduler {
    struct flurm_loop *loop;
    struct flurm_service *svc;
    struct sched_site *site;
    struct view *view;
    struct flurm_client *store;
    struct flurm_client *nodes;
    struct flurm_subscriber *store_events;
    struct flurm_subscriber *node_events;
    double timeout;
    double interval;
    /* what is in flight, and what is owed once it lands */
    bool jobs_fetching, jobs_again, jobs_synced;
    int jobs_read; /* over the pages of the job.list under way */
    int jobs_page;
    bool allocs_synced;
    bool nodes_fetching, nodes_again, nodes_synced;
    bool updating;
    const char *command; /* the one in flight */
    bool pass_wanted;
    bool stopping;
    char req_prefix[64];
    uint64_t req_count;
    unsigned long passes, updates, starts, timeouts, preempts;
    struct pass_stats pass_stats;
    ev_timer pass_timer;   /* the next pass: at once, or at a begin time */
    ev_timer tick_timer;   /* at least one pass per interval */
    ev_timer retry_timer;  /* a failed request is asked again */
};

static void fetch_jobs(struct scheduler *s);
static void fetch_allocs(struct scheduler *s);
static void fetch_nodes(struct scheduler *s);

static double env_seconds(const char *var, long def_ms)
{
    long ms;

    if (flurm_config_ms(var, def_ms, &ms) < 0) {
        flurm_err("%s must be a whole number of milliseconds", var);
        exit(FLURM_EXIT_PERMANENT);
    }
    return (double)ms / 1000.0;
}

static int64_t now_s(const struct scheduler *s)
{
    return (int64_t)flurm_loop_now(s->loop);
}

/* Run a pass in `delay` seconds (sooner if one is already due). */
static void want_pass(struct scheduler *s, double delay)
{
    struct ev_loop *ev = flurm_loop_ev(s->loop);

    if (s->stopping)
        return;
    if (ev_is_active(&s->pass_timer) && ev_timer_remaining(ev, &s->pass_timer) <= delay)
        return;
    ev_timer_stop(ev, &s->pass_timer);
    ev_timer_set(&s->pass_timer, delay, 0.0);
    ev_timer_start(ev, &s->pass_timer);
}

static void retry_later(struct scheduler *s)
{
    struct ev_loop *ev = flurm_loop_ev(s->loop);

    if (!s->stopping && !ev_is_active(&s->retry_timer)) {
        ev_timer_set(&s->retry_timer, RETRY_S, 0.0);
        ev_timer_start(ev, &s->retry_timer);
    }
}

/* A reply's failure as text, for the log. */
static const char *failure(const struct flurm_msg *reply, int errnum)
{
    static char buf[256];

    if (!reply)
        return strerror(errnum);
    snprintf(buf, sizeof(buf), "error %d", flurm_msg_error_code(reply));
    return buf;
}

/* ---- the store's jobs ---------------------------------------------------------- */

static void jobs_listed(const struct flurm_msg *reply, int errnum, void *arg);

/* One page of job.list from what the view holds.  -1 and errno if it
 * cannot be sent. */
static int request_jobs(struct scheduler *s)
{
    json_t *body = json_pack("{s:{s:I, s:i}}", "msg", "since_seq",
                             (json_int_t)view_last_seq(s->view), "limit", s->jobs_page);
    int rc;

    if (!body) {
        errno = ENOMEM;
        return -1;
    }
    rc = flurm_client_request(s->store, "job.list", body, s->timeout, jobs_listed, s);
    json_decref(body);
    return rc;
}

/* The view holds what the store said: read again if a change came
 * meanwhile, else decide if anything asked for it. */
static void caught_up(struct scheduler *s)
{
    if (s->jobs_again) {
        fetch_jobs(s);
        return;
    }
    if (s->pass_wanted)
        want_pass(s, 0.0);
}

static void jobs_listed(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct scheduler *s = arg;
    int n;

    if (s->stopping) {
        s->jobs_fetching = false;
        return;
    }
    if (!reply || !flurm_msg_ok(reply)) {
        s->jobs_fetching = false;
        flurm_debug("job.list: %s; asking again", failure(reply, errnum));
        s->jobs_again = true;
        retry_later(s);
        return;
    }
    if ((n = view_apply_jobs(s->view, flurm_msg_body(reply))) < 0) {
        s->jobs_fetching = false;
        s->jobs_read = 0;
        flurm_err("cannot read the store's job list: %s", strerror(errno));
        s->jobs_again = true;
        retry_later(s);
        return;
    }
    s->jobs_read += n;
    if (json_is_true(json_object_get(flurm_msg_body(reply), "more"))) {
        flurm_debug("job.list: a page of %d jobs, more after log position %" PRIu64, n,
                    view_last_seq(s->view));
        if (request_jobs(s) == 0)
            return; /* no pass on half a queue: jobs_fetching holds it */
        s->jobs_fetching = false;
        s->jobs_read = 0;
        flurm_err("cannot ask the store for jobs: %s", strerror(errno));
        s->jobs_again = true;
        retry_later(s);
        return;
    }
    n = s->jobs_read;
    s->jobs_read = 0;
    if (!s->jobs_synced)
        flurm_info("read %d jobs from the store", n);
    if (n > 0 || !s->jobs_synced)
        s->pass_wanted = true;
    s->jobs_synced = true;
    if (!s->allocs_synced || view_allocs_stale(s->view)) {
        fetch_allocs(s);
        return;
    }
    /* Only pending jobs changed (submissions): the allocations read last
     * time still hold, one round trip saved per submission. */
    s->jobs_fetching = false;
    caught_up(s);
}

static void allocs_listed(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct scheduler *s = arg;
    int n;

    s->jobs_fetching = false;
    if (s->stopping)
        return;
    if (!reply || !flurm_msg_ok(reply)) {
        flurm_debug("job.allocs: %s; asking again", failure(reply, errnum));
        s->jobs_again = true;
        retry_later(s);
        return;
    }
    if ((n = view_apply_allocs(s->view, flurm_msg_body(reply))) < 0) {
        flurm_err("cannot read the store's allocations: %s", strerror(errno));
        s->jobs_again = true;
        retry_later(s);
        return;
    }
    if (!s->allocs_synced)
        flurm_info("%d jobs hold resources", n);
    s->allocs_synced = true;
    s->pass_wanted = true;
    caught_up(s);
}

/* What running jobs hold, read after every job.list so that the pass sees
 * both from (nearly) the same moment; jobs_fetching covers both. */
static void fetch_allocs(struct scheduler *s)
{
    json_t *body = json_object();

    if (!body ||
        flurm_client_request(s->store, "job.allocs", body, s->timeout, allocs_listed, s) < 0) {
        flurm_err("cannot ask the store for allocations: %s", strerror(errno));
        s->jobs_fetching = false;
        s->jobs_again = true;
        retry_later(s);
    }
    json_decref(body);
}

/* Ask the store for every job changed after what the view holds; if a
 * request is out already, ask again when it lands. */
static void fetch_jobs(struct scheduler *s)
{
    if (s->stopping)
        return;
    if (s->jobs_fetching) {
        s->jobs_again = true;
        return;
    }
    s->jobs_again = false;
    if (request_jobs(s) < 0) {
        flurm_err("cannot ask the store for jobs: %s", strerror(errno));
        s->jobs_again = true;
        retry_later(s);
    } else {
        s->jobs_fetching = true;
    }
}

static void on_job_event(const struct flurm_msg *event, void *arg)
{
    (void)event;
    fetch_jobs(arg);
}

static void on_store_gap(const struct flurm_sub_gap *gap, void *arg)
{
    struct scheduler *s = arg;

    if (flurm_sub_gap_new_instance(gap)) {
        /* another store instance: another database is possible */
        flurm_info("the store is now %s: reading every job again", gap->new_src);
        view_clear_jobs(s->view);
    }
    fetch_jobs(s);
}

/* ---- the node manager's nodes ----------------------------------------------------- */

static void nodes_listed(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct scheduler *s = arg;
    int n;

    s->nodes_fetching = false;
    if (s->stopping)
        return;
    if (!reply || !flurm_msg_ok(reply)) {
        flurm_debug("node.info: %s; asking again", failure(reply, errnum));
        view_nodes_unanswered(s->view);
        s->nodes_again = true;
        retry_later(s);
        return;
    }
    if ((n = view_apply_node_info(s->view, json_object_get(flurm_msg_body(reply), "msg"))) < 0) {
        flurm_err("cannot read the node manager's node list: %s", strerror(errno));
        s->nodes_again = true;
        retry_later(s);
        return;
    }
    if (n > 0 || !s->nodes_synced)
        s->pass_wanted = true;
    if (!s->nodes_synced)
        flurm_info("read the state of %zu nodes", sched_site_node_count(s->site));
    s->nodes_synced = true;
    if (s->nodes_again) {
        fetch_nodes(s);
        return;
    }
    if (s->pass_wanted)
        want_pass(s, 0.0);
}

static void fetch_nodes(struct scheduler *s)
{
    json_t *body;

    if (s->stopping)
        return;
    if (s->nodes_fetching) {
        s->nodes_again = true;
        return;
    }
    s->nodes_again = false;
    /* the node manager answers as it would root: every node */
    body = json_pack("{s:{s:i, s:i}, s:I, s:{s:i, s:i}}", "auth", "uid", 0, "gid", 0, "time",
                     (json_int_t)now_s(s), "msg", "last_update", 0, "show_flags",
                     NODE_INFO_FLAGS);
    if (!body ||
        flurm_client_request(s->nodes, "node.info", body, s->timeout, nodes_listed, s) < 0) {
        flurm_err("cannot ask the node manager for nodes: %s", strerror(errno));
        s->nodes_again = true;
        retry_later(s);
    } else {
        s->nodes_fetching = true;
        view_nodes_asked(s->view);
    }
    json_decref(body);
}

static void on_node_event(const struct flurm_msg *event, void *arg)
{
    struct scheduler *s = arg;

    if (view_apply_node_event(s->view, flurm_msg_body(event)) > 0) {
        s->pass_wanted = true;
        want_pass(s, 0.0);
    }
}

static void on_node_gap(const struct flurm_sub_gap *gap, void *arg)
{
    (void)gap;
    fetch_nodes(arg);
}

/* ---- passes ------------------------------------------------------------------- */

/* The reply to the one command in flight (job.sched_update, job.start,
 * job.preempt or job.timeout). */
static void command_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct scheduler *s = arg;
    const json_t *body = reply ? flurm_msg_body(reply) : NULL;
    const json_t *refused = json_object_get(body, "refused"), *r;
    const char *type = s->command;
    size_t i;

    s->updating = false;
    s->command = NULL;
    if (s->stopping)
        return;
    if (!reply || !flurm_msg_ok(reply)) {
        flurm_warn("%s: %s; deciding again later", type, failure(reply, errnum));
        s->pass_wanted = true;
        want_pass(s, RETRY_S);
        return;
    }
    view_mark_direct(s->view, json_object_get(body, "kept_priority"));
    /* a refused start changes nothing: the next pass decides again, a
     * little later so that a disagreement with the store cannot spin */
    json_array_foreach(refused, i, r)
        flurm_warn("%s: job %" JSON_INTEGER_FORMAT " refused: %s", type,
                   json_integer_value(json_object_get(r, "job_id")),
                   json_string_value(json_object_get(r, "why")) ?: "?");
    json_array_foreach(json_object_get(body, "preempted"), i, r)
        flurm_info("job %" JSON_INTEGER_FORMAT " preempted: %s",
                   json_integer_value(json_object_get(r, "job_id")),
                   json_string_value(json_object_get(r, "action")) ?: "?");
    /* see what the store made of it before deciding again */
    fetch_jobs(s);
    if (json_array_size(refused))
        want_pass(s, RETRY_S);
    else if (s->pass_wanted)
        want_pass(s, 0.0);
}

/* Send one command (body taken) to the store. */
static void send_command(struct scheduler *s, const char *type, json_t *body)
{
    char req_id[128];

    snprintf(req_id, sizeof(req_id), "%s.%" PRIu64, s->req_prefix, ++s->req_count);
    if (flurm_client_request_full(s->store, type, req_id, NULL, body, s->timeout, command_done,
                                  s) < 0) {
        flurm_err("cannot send %s: %s", type, strerror(errno));
        s->pass_wanted = true;
        want_pass(s, RETRY_S);
    } else {
        s->updating = true;
        s->command = type;
    }
    json_decref(body);
}

static double monotonic_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One pass took `seconds` and decided `considered` pending jobs. */
static void pass_stats_add(struct pass_stats *ps, double seconds, size_t considered)
{
    uint64_t us = (uint64_t)(seconds * 1e6);

    flurm_histogram_observe(&ps->seconds, seconds);
    ps->considered += considered;
    if (us > ps->sdiag.cycle_max)
        ps->sdiag.cycle_max = us;
    ps->sdiag.cycle_last = us;
    ps->sdiag.cycle_sum += us;
    ps->sdiag.cycle_counter++;
    ps->sdiag.cycle_depth += considered;
    ps->sdiag.queue_len = considered;
}

static void run_pass(struct scheduler *s)
{
    struct sched_result *res;
    const struct sched_job *jobs;
    const struct sched_hold *holds;
    size_t njobs, nholds;
    int64_t now = now_s(s);
    json_t *body = NULL;
    const char *type = NULL;
    double t0;

    /* decide on a settled picture, one command at a time */
    if (!s->jobs_synced || !s->allocs_synced || !s->nodes_synced || s->jobs_fetching ||
        s->nodes_fetching || s->updating) {
        s->pass_wanted = true;
        return;
    }
    s->pass_wanted = false;
    jobs = view_jobs(s->view, &njobs);
    holds = view_holds(s->view, &nholds);
    t0 = monotonic_s();
    if (!(res = sched_pass(s->site, jobs, njobs, holds, nholds, view_node_states(s->view),
                           now))) {
        flurm_err("scheduling pass failed: %s", strerror(errno));
        want_pass(s, RETRY_S);
        return;
    }
    pass_stats_add(&s->pass_stats, monotonic_s() - t0, res->n);
    s->passes++;
    /* time limits first (they free resources), then preemptions (they
     * free resources for jobs that outrank those that would start), then
     * starts, then the reasons of what still waits (decided again after
     * the starts) */
    if ((body = view_timeout_body(res, now))) {
        type = "job.timeout";
        s->timeouts += res->ntimeouts;
    } else if (!errno && (body = view_preempt_body(res, now))) {
        type = "job.preempt";
        s->preempts += res->npreempts;
    } else if (!errno && (body = view_start_body(res, now))) {
        type = "job.start";
        s->starts += res->nstarts;
    } else if (!errno && (body = view_updates(s->view, res, now))) {
        type = "job.sched_update";
        s->updates++;
    }
    if (!body && errno) {
        flurm_err("cannot build a command for the store: %s", strerror(errno));
        want_pass(s, RETRY_S);
    }
    flurm_debug("pass %lu: %zu pending jobs decided, %zu to start, %zu timed out, %zu to "
                "preempt, %zu to update",
                s->passes, res->n, res->nstarts, res->ntimeouts, res->npreempts,
                type && !strcmp(type, "job.sched_update")
                    ? json_array_size(json_object_get(body, "jobs"))
                    : 0);
    if (body)
        send_command(s, type, body);
    /* the earliest begin or end time changes the picture: decide again then */
    if (res->next_wakeup > now)
        want_pass(s, (double)res->next_wakeup - flurm_loop_now(s->loop));
    sched_result_destroy(res);
}

static void pass_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)ev;
    (void)revents;
    run_pass(w->data);
}

static void tick_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)ev;
    (void)revents;
    want_pass(w->data, 0.0);
}

static void retry_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct scheduler *s = w->data;

    (void)ev;
    (void)revents;
    if (s->jobs_again || !s->jobs_synced)
        fetch_jobs(s);
    if (s->nodes_again || !s->nodes_synced)
        fetch_nodes(s);
}

/* ---- requests (through the gateway) ---------------------------------------------- */

/* The requester's uid (munge's, set by the gateway); a request without
 * auth comes from a FLURM service and sees what root sees. */
static uid_t request_uid(const json_t *body)
{
    json_int_t uid = json_integer_value(json_object_get(json_object_get(body, "auth"), "uid"));

    return uid > 0 && uid <= UINT32_MAX ? (uid_t)uid : 0;
}

/* priority.factors (REQUEST_PRIORITY_FACTORS, sprio) */
static void handle_factors(struct flurm_request *req, void *arg)
{
    struct scheduler *s = arg;
    const json_t *body = flurm_request_body(req);
    const json_t *time = json_object_get(body, "time");
    const struct sched_job *jobs;
    size_t njobs;
    json_t *msg;

    jobs = view_jobs(s->view, &njobs);
    msg = sched_priority_factors(s->site, jobs, njobs,
                                 json_is_integer(time) ? json_integer_value(time) : now_s(s),
                                 json_object_get(body, "msg"), request_uid(body));
    if (!msg) {
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    flurm_request_reply(req, json_pack("{s:o}", "msg", msg));
}

/* share.info (REQUEST_SHARE_INFO, sshare) */
static void handle_shares(struct flurm_request *req, void *arg)
{
    struct scheduler *s = arg;
    json_t *msg = sched_share_info(s->site);

    if (!msg) {
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    flurm_request_reply(req, json_pack("{s:o}", "msg", msg));
}

/* ---- service.stats: sdiag's main-schedule lines and the metrics ----------------- */

/* squeue's long names of the base job states (JOB_STATE_BASE). */
static const char *job_state_name(uint32_t state)
{
    static const char *const names[] = {"PENDING",   "RUNNING",   "SUSPENDED", "COMPLETED",
                                        "CANCELLED", "FAILED",    "TIMEOUT",   "NODE_FAIL",
                                        "PREEMPTED", "BOOT_FAIL", "DEADLINE",  "OUT_OF_MEMORY"};

    state &= 0xff;
    return state < sizeof(names) / sizeof(names[0]) ? names[state] : "UNKNOWN";
}

/* {"STATE": {"partition": count}} over the view's jobs, an array's
 * pending tasks counted one by one as sdiag counts them; NULL until the
 * view has read the store (an empty picture would be a lie). */
static json_t *jobs_by_state(const struct scheduler *s)
{
    const struct sched_job *jobs;
    json_t *by = NULL;
    size_t n;

    if (!s->jobs_synced || !(by = json_object()))
        return NULL;
    jobs = view_jobs(s->view, &n);
    for (size_t i = 0; i < n; i++) {
        const char *state = job_state_name(jobs[i].state);
        const char *part = jobs[i].partition ? jobs[i].partition : "";
        json_t *parts = json_object_get(by, state), *cnt;
        json_int_t add = jobs[i].array_meta ? (json_int_t)jobs[i].array_pending : 1;

        if (!add)
            continue;
        if (!parts && (json_object_set_new(by, state, parts = json_object()) < 0 || !parts))
            goto nomem;
        if ((cnt = json_object_get(parts, part)))
            json_integer_set(cnt, json_integer_value(cnt) + add);
        else if (json_object_set_new(parts, part, json_integer(add)) < 0)
            goto nomem;
    }
    return by;
nomem:
    json_decref(by);
    return NULL;
}

static json_int_t clamp_u32(uint64_t v)
{
    return (json_int_t)(v > UINT32_MAX ? UINT32_MAX : v);
}

/* sdiag's fields by struct flurm_stats_sched's names (FLURM's one pass,
 * backfill included, is reported as the main schedule), and the metrics'
 * under "sched_" names that no other service uses (the gateway merges
 * the services' answers for sdiag). */
static json_t *sched_stats(struct flurm_service *svc, int reset, void *arg)
{
    struct scheduler *s = arg;
    struct pass_stats *ps = &s->pass_stats;

    (void)svc;
    if (reset)
        memset(&ps->sdiag, 0, sizeof(ps->sdiag));
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o*, s:o*}",
                     "schedule_cycle_max", clamp_u32(ps->sdiag.cycle_max), "schedule_cycle_last",
                     clamp_u32(ps->sdiag.cycle_last), "schedule_cycle_sum",
                     clamp_u32(ps->sdiag.cycle_sum), "schedule_cycle_counter",
                     clamp_u32(ps->sdiag.cycle_counter), "schedule_cycle_depth",
                     clamp_u32(ps->sdiag.cycle_depth), "schedule_queue_len",
                     clamp_u32(ps->sdiag.queue_len), "sched_passes", (json_int_t)ps->seconds.count,
                     "sched_jobs_considered", (json_int_t)ps->considered, "sched_jobs_started",
                     (json_int_t)s->starts, "sched_pass_seconds", flurm_histogram_json(&ps->seconds),
                     "sched_jobs", jobs_by_state(s));
}

/* ---- flurm-sup inspect (docs/observability.md) ---- */

static const char *reason_name(uint32_t reason)
{
    switch (reason) {
    case SCHED_WAIT_NO_REASON: return "None";
    case SCHED_WAIT_PRIORITY: return "Priority";
    case SCHED_WAIT_DEPENDENCY: return "Dependency";
    case SCHED_WAIT_RESOURCES: return "Resources";
    case SCHED_WAIT_PART_NODE_LIMIT: return "PartitionNodeLimit";
    case SCHED_WAIT_PART_TIME_LIMIT: return "PartitionTimeLimit";
    case SCHED_WAIT_PART_DOWN: return "PartitionDown";
    case SCHED_WAIT_PART_INACTIVE: return "PartitionInactive";
    case SCHED_WAIT_HELD: return "JobHeldAdmin";
    case SCHED_WAIT_TIME: return "BeginTime";
    case SCHED_WAIT_NODE_NOT_AVAIL: return "ReqNodeNotAvail";
    case SCHED_WAIT_HELD_USER: return "JobHeldUser";
    case SCHED_FAIL_BAD_CONSTRAINTS: return "BadConstraints";
    case SCHED_WAIT_DEP_INVALID: return "DependencyNeverSatisfied";
    case SCHED_WAIT_MAX_REQUEUE: return "JobHoldMaxRequeue";
    case SCHED_WAIT_ARRAY_TASK_LIMIT: return "JobArrayTaskLimit";
    case SCHED_WAIT_PART_CONFIG: return "PartitionConfig";
    default: return NULL;
    }
}

struct queued {
    const struct sched_job *job;
    uint32_t priority;
};

/* Highest priority first, then the older job id, as the pass orders them. */
static int by_priority(const void *a, const void *b)
{
    const struct queued *x = a, *y = b;

    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    return x->job->job_id < y->job->job_id ? -1 : x->job->job_id > y->job->job_id;
}

/* "queue": the pending jobs of the view in priority order, each with the
 * priority the multifactor plugin gives it now and the reason the last
 * pass left on it; "state": what the scheduler is waiting for. */
static json_t *sched_inspect(struct flurm_service *svc, const char *what, const json_t *args,
                             void *arg)
{
    struct scheduler *s = arg;
    const struct sched_job *jobs;
    struct queued *order = NULL;
    size_t n, npending = 0;
    json_t *queue;

    (void)svc;
    (void)args;
    if (!strcmp(what, "state"))
        return json_pack("{s:b, s:b, s:b, s:b, s:b, s:s?, s:b, s:I, s:I, s:I, s:I, s:I, s:I}",
                         "jobs_synced", s->jobs_synced, "allocs_synced", s->allocs_synced,
                         "nodes_synced", s->nodes_synced, "jobs_fetching", s->jobs_fetching,
                         "updating", s->updating, "command_in_flight", s->command,
                         "pass_wanted", s->pass_wanted, "view_seq",
                         (json_int_t)view_last_seq(s->view), "passes", (json_int_t)s->passes,
                         "starts", (json_int_t)s->starts, "updates", (json_int_t)s->updates,
                         "timeouts", (json_int_t)s->timeouts, "preempts",
                         (json_int_t)s->preempts);
    jobs = view_jobs(s->view, &n);
    if (!(queue = json_array()) || !(order = calloc(n ? n : 1, sizeof(*order)))) {
        json_decref(queue);
        errno = ENOMEM;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if ((jobs[i].state & 0xff) != 0 /* PENDING */)
            continue;
        order[npending].job = &jobs[i];
        order[npending++].priority = jobs[i].priority ? sched_priority(s->site, &jobs[i], NULL,
                                                                       NULL)
                                                      : 0;
    }
    qsort(order, npending, sizeof(*order), by_priority);
    for (size_t i = 0; i < npending; i++) {
        const struct sched_job *j = order[i].job;
        json_t *row = json_pack("{s:I, s:s?, s:I, s:I, s:I, s:s?, s:s?, s:s?, s:I, s:I}",
                                "job_id", (json_int_t)j->job_id, "name", j->name, "user_id",
                                (json_int_t)j->user_id, "priority",
                                (json_int_t)order[i].priority, "reason_code",
                                (json_int_t)j->reason, "reason", reason_name(j->reason), "desc",
                                j->desc, "partition", j->partition, "submit_time",
                                (json_int_t)j->submit_time, "start_time",
                                (json_int_t)j->start_time);

        if (!row || json_array_append_new(queue, row) < 0) {
            free(order);
            json_decref(queue);
            errno = ENOMEM;
            return NULL;
        }
    }
    free(order);
    return json_pack("{s:b, s:I, s:o}", "synced", s->jobs_synced, "pending",
                     (json_int_t)json_array_size(queue), "jobs", queue);
}

static const char *const inspect_whats[] = {"queue", "state", NULL};

static const struct flurm_handler handlers[] = {
    {"priority.factors", handle_factors},
    {"share.info", handle_shares},
    {NULL, NULL},
};

/* ---- the process ------------------------------------------------------------------ */

static void on_drain(struct flurm_service *svc, void *arg)
{
    struct scheduler *s = arg;
    struct ev_loop *ev = flurm_loop_ev(s->loop);

    (void)svc;
    s->stopping = true;
    ev_timer_stop(ev, &s->pass_timer);
    ev_timer_stop(ev, &s->tick_timer);
    ev_timer_stop(ev, &s->retry_timer);
}

/* Dial the store and the node manager and listen to their events. */
static int connect_peers(struct scheduler *s, const char *rundir)
{
    char *url = NULL;
    int rc = -1;

    if (!(url = flurm_ipc_link_url(rundir, "store", FLURM_IPC_REQ)) ||
        !(s->store = flurm_client_create(s->loop, url, "sched")))
        goto out;
    free(url);
    if (!(url = flurm_ipc_link_url(rundir, "nodes", FLURM_IPC_REQ)) ||
        !(s->nodes = flurm_client_create(s->loop, url, "sched")))
        goto out;
    free(url);
    if (!(url = flurm_ipc_link_url(rundir, "store", FLURM_IPC_EVENTS)) ||
        !(s->store_events = flurm_subscriber_create(s->loop, url, on_job_event, on_store_gap, s)) ||
        flurm_subscriber_subscribe(s->store_events, "job.") < 0)
        goto out;
    free(url);
    if (!(url = flurm_ipc_link_url(rundir, "nodes", FLURM_IPC_EVENTS)) ||
        !(s->node_events = flurm_subscriber_create(s->loop, url, on_node_event, on_node_gap, s)) ||
        flurm_subscriber_subscribe(s->node_events, "node.") < 0)
        goto out;
    rc = 0;
out:
    free(url);
    return rc;
}

static void scheduler_close(struct scheduler *s)
{
    if (s->loop) {
        struct ev_loop *ev = flurm_loop_ev(s->loop);

        ev_timer_stop(ev, &s->pass_timer);
        ev_timer_stop(ev, &s->tick_timer);
        ev_timer_stop(ev, &s->retry_timer);
    }
    s->stopping = true;
    flurm_subscriber_destroy(s->store_events);
    flurm_subscriber_destroy(s->node_events);
    flurm_client_destroy(s->store);
    flurm_client_destroy(s->nodes);
    flurm_service_destroy(s->svc);
    view_destroy(s->view);
    sched_site_destroy(s->site);
    flurm_loop_destroy(s->loop);
}

int main(void)
{
    struct scheduler s = {0};
    struct flurm_slurmconf *conf;
    const char *rundir, *name = flurm_config_service();
    struct timespec ts;
    char err[512] = "";
    int code = FLURM_EXIT_TEMPORARY;

    flurm_log_init(name ? name : "sched");
    s.timeout = env_seconds("FLURM_SCHED_TIMEOUT_MS", 10000);
    s.interval = env_seconds("FLURM_SCHED_INTERVAL_MS", 60000);
    s.jobs_page = getenv("FLURM_SCHED_JOBS_PAGE") ? atoi(getenv("FLURM_SCHED_JOBS_PAGE")) : 0;
    if (s.jobs_page <= 0)
        s.jobs_page = SCHED_JOBS_PAGE;
    rundir = flurm_config_require_rundir();
    if (!(conf = flurm_slurmconf_load(NULL, err, sizeof(err)))) {
        flurm_err("cannot use slurm.conf: %s", err);
        return FLURM_EXIT_PERMANENT;
    }
    s.site = sched_site_create(conf, err, sizeof(err));
    flurm_slurmconf_destroy(conf);
    if (!s.site) {
        flurm_err("cannot use slurm.conf: %s", errno == EINVAL ? err : strerror(errno));
        return errno == EINVAL ? FLURM_EXIT_PERMANENT : FLURM_EXIT_TEMPORARY;
    }
    flurm_info("%s, %zu nodes", sched_site_multifactor(s.site) ? "priority/multifactor"
                                                               : "priority/basic",
               sched_site_node_count(s.site));
    /* req_ids must not repeat across restarts of a reused pid (the store
     * remembers them for an hour) */
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(s.req_prefix, sizeof(s.req_prefix), "sched.%ld.%lld%09ld", (long)getpid(),
             (long long)ts.tv_sec, ts.tv_nsec);
    if (!(s.loop = flurm_loop_create()) || !(s.view = view_create(s.site))) {
        flurm_err("cannot set up: %s", strerror(errno));
        goto out;
    }
    ev_timer_init(&s.pass_timer, pass_cb, 0.0, 0.0);
    ev_timer_init(&s.tick_timer, tick_cb, s.interval, s.interval);
    ev_timer_init(&s.retry_timer, retry_cb, RETRY_S, 0.0);
    s.pass_timer.data = s.tick_timer.data = s.retry_timer.data = &s;
    if (!(s.svc = flurm_service_create(s.loop, name ? NULL : "sched", FLURM_VERSION, handlers,
                                       &s))) {
        flurm_err("cannot create the service: %s", strerror(errno));
        goto out;
    }
    flurm_service_set_drain_cb(s.svc, on_drain, &s);
    flurm_service_set_stats_cb(s.svc, sched_stats, &s);
    flurm_service_set_inspect_cb(s.svc, inspect_whats, sched_inspect, &s);
    if (connect_peers(&s, rundir) < 0) {
        flurm_err("cannot reach the store and the node manager: %s", strerror(errno));
        goto out;
    }
    fetch_jobs(&s);
    fetch_nodes(&s);
    if (s.interval > 0)
        ev_timer_start(flurm_loop_ev(s.loop), &s.tick_timer);
    if (flurm_service_start(s.svc) < 0) {
        code = errno == ESHUTDOWN ? FLURM_EXIT_OK : FLURM_EXIT_TEMPORARY;
        if (code)
            flurm_err("cannot start serving: %s", strerror(errno));
        goto out;
    }
    code = flurm_service_run(s.svc);
out:
    scheduler_close(&s);
    return code;
}
