/*
 * main.c - flurm-jobstore (tree name "store"): the single owner of job state.
 *
 * Requests that change state (job.submit, job.kill, job.update,
 * job.sched_update, node.state_set, and the running-job commands of
 * docs/running-jobs.md) become commands: stamped with their
 * time, deferred, and applied together by the group commit that runs after
 * each burst of requests the runtime delivers (everything that arrived
 * during the previous commit), just before the loop waits again; their
 * answers go out only after the transaction holding them is on disk.
 * Interactive jobs and steps (docs/steps.md) are commands too: job.allocate,
 * job.alloc_complete, step.create, step.complete.
 * Queries (job.info, job.info_single, job.user_info, job.list,
 * job.allocs, job.ready, job.alloc_info, step.info) are answered at once,
 * from memory; job.script,
 * job.launch_info and node.state_list read the database.  After each commit one job.changed event per changed job is
 * published.
 *
 * Environment (besides the process contract of docs/architecture.md):
 *   SLURM_CONF            the site's slurm.conf (default /etc/slurm/slurm.conf)
 *   FLURM_JOBSTORE_DB     the database file, overriding the default:
 *                         StateSaveLocation/flurm-jobstore.db if slurm.conf
 *                         sets StateSaveLocation, else
 *                         $FLURM_RUNDIR/state/jobstore.db
 *   FLURM_JOBSTORE_FAULT  test only: "ack-before-commit" answers commands
 *                         before committing them (and commits 300 ms
 *                         later), to prove the crash test can fail
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/config.h"
#include "common/exitcode.h"
#include "common/histogram.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/service.h"
#include "common/slurmconf.h"
#include "common/version.h"
#include "services/jobstore/jobs.h"
#include "services/jobstore/site.h"
#include "services/jobstore/store.h"

#define FAULT_COMMIT_DELAY_S 0.3
/* Receives the runtime keeps armed: the most commands one commit can take
 * from one burst.  Wider than the runtime's default because every request
 * left waiting on the wire during a commit waits a whole further commit. */
#define STORE_RECEIVERS 256

struct pending {
    uint64_t ticket; /* 0: the store's own command, nobody to answer */
    json_t *cmd;
};

/* How long an allocation request waits for the scheduler's first decision
 * on its job before it is answered "pending" (salloc then waits for the
 * node manager's push).  The scheduler decides within milliseconds; this
 * bounds a scheduler that is down or reloading. */
#define ALLOC_WAIT_S 2.0

/* A committed job.allocate not answered yet: slurmctld tries to start the
 * job inside the RPC and answers with its nodes (or, for salloc -I, with
 * the reason it cannot start), so the store holds the answer until the
 * job's next change — its start, or the scheduler's reason — or the
 * deadline. */
struct alloc_waiter {
    uint64_t ticket;
    uint32_t job_id;
    uint64_t seq;     /* the log position of the submission; 0 until known */
    double deadline;  /* loop time */
    bool immediate;
    json_t *result;   /* the pending answer */
};

struct commit_stats {
    uint64_t commands;
    struct flurm_histogram seconds; /* its count is the number of commits */
};

struct jobstore {
    struct flurm_loop *loop;
    struct flurm_service *svc;
    struct site *site;
    struct store *store;
    struct pending *batch;
    size_t nbatch, cap;
    struct alloc_waiter *waiters;
    size_t nwaiters;
    ev_timer waiter_timer;
    /* test fault: answered but not yet committed */
    int ack_before_commit;
    ev_timer late_commit;
    struct commit_stats commits;
};

static double monotonic_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Send a jobs.h result as the reply. */
static void reply_result(struct flurm_request *req, json_t *res)
{
    if (json_is_true(json_object_get(res, "ok"))) {
        flurm_request_reply(req, json_incref(json_object_get(res, "body")));
    } else {
        const char *text = json_string_value(json_object_get(res, "text"));
        int code = (int)json_integer_value(json_object_get(res, "code"));

        if (text && json_is_true(json_object_get(res, "user")))
            flurm_request_reply_user_error(req, code, "%s", text);
        else
            flurm_request_reply_error(req, code, "%s", text ? text : "error");
    }
}

/* A batch could not be made durable: the in-memory state is ahead of the
 * disk.  Exit without answering; clients re-send to the next instance,
 * which starts from the last commit (docs/jobstore.md). */
static void die_uncommitted(size_t n)
{
    flurm_err("cannot commit %zu command(s): %s; exiting so that a new instance reloads the "
              "last committed state",
              n, strerror(errno));
    exit(FLURM_EXIT_TEMPORARY);
}

static void commit_stats_add(struct commit_stats *cs, size_t commands, double seconds)
{
    flurm_histogram_observe(&cs->seconds, seconds);
    cs->commands += commands;
}

/* service.stats: sdiag's job counters and scontrol's NEXT_JOB_ID, and the
 * group commits for the metrics (docs/observability.md). */
static json_t *store_stats(struct flurm_service *svc, int reset, void *arg)
{
    struct jobstore *js = arg;
    json_t *body;

    (void)svc;
    if (store_refresh(js->store) < 0)
        die_uncommitted(0);
    body = jobs_stats(store_jobs(js->store), reset, (int64_t)flurm_loop_now(js->loop));
    if (body) {
        json_object_set_new(body, "store_commits", json_integer((json_int_t)js->commits.seconds.count));
        json_object_set_new(body, "store_commands",
                            json_integer((json_int_t)js->commits.commands));
        json_object_set_new(body, "store_commit_seconds", flurm_histogram_json(&js->commits.seconds));
    }
    return body;
}

/* The database file, for `flurm-sup inspect store` and `flurm-sup trace`
 * (which reads the command log from it, read-only). */
static char inspect_db_path[4096];

/* flurm-sup inspect store counters (docs/observability.md): jobs by state,
 * the log position, commits, what waits for the next commit. */
static json_t *store_inspect(struct flurm_service *svc, const char *what, const json_t *args,
                             void *arg)
{
    struct jobstore *js = arg;
    json_t *body, *more;
    int rc;

    (void)svc;
    (void)what;
    (void)args;
    if (store_refresh(js->store) < 0)
        die_uncommitted(0);
    if (!(body = jobs_stats(store_jobs(js->store), false, (int64_t)flurm_loop_now(js->loop))))
        return NULL;
    more = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:s}", "jobs",
                                           (json_int_t)jobs_count(store_jobs(js->store)),
                                           "jobs_active",
                                           (json_int_t)jobs_active_count(store_jobs(js->store)),
                                           "log_seq", (json_int_t)store_last_seq(js->store),
                                           "commits", (json_int_t)store_commits(js->store),
                                           "batched", (json_int_t)js->nbatch,
                                           "alloc_waiters", (json_int_t)js->nwaiters, "broken",
                                           store_broken(js->store), "db",
                                           inspect_db_path);
    rc = more ? json_object_update(body, more) : -1;
    json_decref(more);
    if (rc < 0) {
        json_decref(body);
        errno = ENOMEM;
        return NULL;
    }
    return body;
}

static const char *const inspect_whats[] = {"counters", NULL};

static void commit_burst(struct flurm_service *svc, void *arg);
static void reply_allocation(struct jobstore *js, struct flurm_request *req, uint32_t job_id);

/* Queue one of the store's own commands (taken) for the next commit, its
 * result to go to ticket (0: to nobody). */
static int queue_own_command(struct jobstore *js, uint64_t ticket, json_t *cmd)
{
    if (!cmd)
        return -1;
    if (js->nbatch == js->cap) {
        size_t cap = js->cap ? js->cap * 2 : 64;
        struct pending *v = realloc(js->batch, cap * sizeof(*v));

        if (!v) {
            json_decref(cmd);
            return -1;
        }
        js->batch = v;
        js->cap = cap;
    }
    js->batch[js->nbatch++] = (struct pending){ticket, cmd};
    return 0;
}

/* Answer waiter i (and forget it): the allocation if its job runs; for
 * salloc -I a job that did not start fails (answered once that is
 * committed); else the pending answer, salloc then waits for the push. */
static void resolve_waiter(struct jobstore *js, size_t i)
{
    struct alloc_waiter w = js->waiters[i];
    uint32_t state = 0;
    struct flurm_request *req;

    js->waiters[i] = js->waiters[--js->nwaiters];
    (void)jobs_job_state(store_jobs(js->store), w.job_id, &state);
    if ((state & 0xff) != 1 /* RUNNING */ && w.immediate && (state & 0xff) == 0) {
        json_t *cmd = json_pack("{s:s, s:I, s:{s:I}}", "type", "job.immediate_fail", "time",
                                (json_int_t)flurm_loop_now(js->loop), "msg", "job_id",
                                (json_int_t)w.job_id);

        if (queue_own_command(js, w.ticket, cmd) == 0) {
            json_decref(w.result);
            return;
        }
    }
    if ((req = flurm_service_deferred(js->svc, w.ticket))) {
        if ((state & 0xff) == 1)
            reply_allocation(js, req, w.job_id);
        else
            reply_result(req, w.result);
    }
    json_decref(w.result);
}

/* A committed change of a job someone waits on: the first is its
 * submission, any later one is the scheduler's decision (its start, or a
 * reason). */
static void waiters_see_change(struct jobstore *js, uint32_t job_id, uint64_t seq)
{
    for (size_t i = 0; i < js->nwaiters; i++) {
        struct alloc_waiter *w = &js->waiters[i];

        if (w->job_id != job_id)
            continue;
        if (!w->seq)
            w->seq = seq;
        else if (seq > w->seq)
            resolve_waiter(js, i);
        return;
    }
}

static void waiter_timer_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct jobstore *js = w->data;
    double now = flurm_loop_now(js->loop);

    (void)revents;
    for (size_t i = 0; i < js->nwaiters;) {
        if (js->waiters[i].deadline <= now)
            resolve_waiter(js, i); /* moves the last one to i */
        else
            i++;
    }
    if (!js->nwaiters)
        ev_timer_stop(ev, w);
    if (js->nbatch)
        commit_burst(js->svc, js);
}

static void publish_changes(struct jobstore *js)
{
    const struct store_change *ch;
    size_t n = store_changes(js->store, &ch);

    for (size_t i = 0; i < n; i++) {
        json_t *body = json_pack("{s:I, s:I, s:I}", "job_id", (json_int_t)ch[i].job_id, "state",
                                 (json_int_t)ch[i].state, "log_seq", (json_int_t)ch[i].seq);

        if (!body || !flurm_service_publish(js->svc, "job.changed", body))
            flurm_debug("job.changed for job %u not published: %s", ch[i].job_id,
                        strerror(errno));
        json_decref(body);
        if (js->nwaiters)
            waiters_see_change(js, ch[i].job_id, ch[i].seq);
    }
    if (js->nbatch && !ev_is_active(&js->waiter_timer)) {
        /* own commands queued while publishing: commit them on the next tick */
        ev_timer_set(&js->waiter_timer, 0.0, 0.05);
        ev_timer_start(flurm_loop_ev(js->loop), &js->waiter_timer);
    }
}

/* The allocation of a running job as RESPONSE_RESOURCE_ALLOCATION's body. */
static void reply_allocation(struct jobstore *js, struct flurm_request *req, uint32_t job_id)
{
    json_t *body = json_pack("{s:{s:I}}", "msg", "job_id", (json_int_t)job_id);
    json_t *res = body ? jobs_query(store_jobs(js->store), "job.alloc_info", body,
                                    flurm_loop_now(js->loop))
                       : NULL;

    if (res)
        reply_result(req, res);
    else
        flurm_request_reply_error(req, ENOMEM, "out of memory");
    json_decref(res);
    json_decref(body);
}

/* Park the answer of a committed job.allocate whose job waits (node_cnt 0)
 * until the scheduler decided on it.  False if it is not such an answer or
 * cannot be parked (then it is answered at once). */
static bool park_allocation(struct jobstore *js, uint64_t ticket, const json_t *cmd,
                            json_t *result)
{
    const json_t *msg = json_object_get(json_object_get(result, "body"), "msg");
    json_int_t job_id = json_integer_value(json_object_get(msg, "job_id"));
    json_int_t immediate = json_integer_value(
        json_object_get(json_object_get(cmd, "msg"), "immediate"));
    struct alloc_waiter *v;

    if (!ticket || strcmp(json_string_value(json_object_get(cmd, "type")), "job.allocate") ||
        !json_is_true(json_object_get(result, "ok")) || job_id <= 0 ||
        json_integer_value(json_object_get(msg, "node_cnt")) != 0)
        return false;
    if (!(v = realloc(js->waiters, (js->nwaiters + 1) * sizeof(*v))))
        return false;
    js->waiters = v;
    v[js->nwaiters++] = (struct alloc_waiter){
        .ticket = ticket,
        .job_id = (uint32_t)job_id,
        .deadline = flurm_loop_now(js->loop) + ALLOC_WAIT_S,
        .immediate = immediate > 0 && immediate != 0xfffe, /* NO_VAL16: not set */
        .result = json_incref(result),
    };
    if (!ev_is_active(&js->waiter_timer)) {
        ev_timer_set(&js->waiter_timer, 0.05, 0.05);
        ev_timer_start(flurm_loop_ev(js->loop), &js->waiter_timer);
    }
    return true;
}

static void answer_batch(struct jobstore *js, struct pending *batch, json_t **results, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *type = json_string_value(json_object_get(batch[i].cmd, "type"));
        struct flurm_request *req;

        if (park_allocation(js, batch[i].ticket, batch[i].cmd, results[i])) {
            json_decref(results[i]);
            json_decref(batch[i].cmd);
            continue;
        }
        req = batch[i].ticket ? flurm_service_deferred(js->svc, batch[i].ticket) : NULL;
        if (req && type && !strcmp(type, "job.immediate_fail") &&
            json_is_true(json_object_get(json_object_get(results[i], "body"), "started")))
            /* it started after all, before the store gave up on it */
            reply_allocation(js, req, (uint32_t)json_integer_value(json_object_get(
                                          json_object_get(batch[i].cmd, "msg"), "job_id")));
        else if (req)
            reply_result(req, results[i]);
        json_decref(results[i]);
        json_decref(batch[i].cmd);
    }
}

static void late_commit_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct jobstore *js = w->data;

    (void)ev;
    (void)revents;
    if (store_commit(js->store) < 0)
        die_uncommitted(0);
    publish_changes(js);
    flurm_service_release(js->svc);
}

/* The group commit, after each burst the runtime delivered: every command
 * taken since the last commit (those that arrived while it ran) in one
 * transaction and one fsync. */
static void commit_burst(struct flurm_service *svc, void *arg)
{
    struct jobstore *js = arg;
    struct pending *batch = js->batch;
    size_t n = js->nbatch;
    json_t **cmds, **results;
    double t0 = monotonic_s();

    (void)svc;
    if (!n)
        return;
    js->batch = NULL;
    js->nbatch = js->cap = 0;
    cmds = calloc(n, sizeof(*cmds));
    results = calloc(n, sizeof(*results));
    if (!cmds || !results) {
        errno = ENOMEM;
        die_uncommitted(n);
    }
    for (size_t i = 0; i < n; i++)
        cmds[i] = batch[i].cmd;
    if (js->ack_before_commit) {
        if (store_stage(js->store, cmds, n, results) < 0)
            die_uncommitted(n);
        answer_batch(js, batch, results, n);
        if (!ev_is_active(&js->late_commit)) {
            flurm_service_hold(js->svc);
            ev_timer_set(&js->late_commit, FAULT_COMMIT_DELAY_S, 0.0);
            ev_timer_start(flurm_loop_ev(js->loop), &js->late_commit);
        }
    } else {
        double t_apply = monotonic_s();

        if (store_apply(js->store, cmds, n, results) < 0)
            die_uncommitted(n);
        commit_stats_add(&js->commits, n, monotonic_s() - t_apply);
        answer_batch(js, batch, results, n);
        publish_changes(js);
    }
    flurm_debug("committed %zu command(s) in %.2f ms", n, (monotonic_s() - t0) * 1e3);
    free(cmds);
    free(results);
    free(batch);
}

/* Defer req and queue cmd (taken) for the next group commit. */
static void defer_command(struct jobstore *js, struct flurm_request *req, json_t *cmd)
{
    uint64_t ticket;

    if (!cmd) {
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    /* The log keeps the trace of every command, so that `flurm-sup trace
     * JOBID` finds the requests that made a job what it is
     * (docs/observability.md). */
    if (json_object_set_new(cmd, "trace", json_string(flurm_request_trace(req))) < 0) {
        json_decref(cmd);
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    if (js->nbatch == js->cap) {
        size_t cap = js->cap ? js->cap * 2 : 64;
        struct pending *v = realloc(js->batch, cap * sizeof(*v));

        if (!v) {
            json_decref(cmd);
            flurm_request_reply_error(req, ENOMEM, "out of memory");
            return;
        }
        js->batch = v;
        js->cap = cap;
    }
    if (!(ticket = flurm_request_defer(req))) {
        json_decref(cmd);
        return;
    }
    js->batch[js->nbatch++] = (struct pending){ticket, cmd};
}

/* job.submit, job.kill, job.update, job.allocate (with the client's
 * `peer` address), job.alloc_complete, step.create, step.complete, and
 * slurmd's commands: stamp, defer, and leave the rest to the group commit. */
static void handle_command(struct flurm_request *req, void *arg)
{
    struct jobstore *js = arg;
    const json_t *body = flurm_request_body(req);
    const json_t *time = json_object_get(body, "time");

    defer_command(js, req,
                  json_pack("{s:s, s:s?, s:I, s:O?, s:O?, s:O?, s:O?}", "type",
                            flurm_request_type(req), "req_id", flurm_request_req_id(req),
                            "time",
                            json_is_integer(time) ? json_integer_value(time)
                                                  : (json_int_t)flurm_loop_now(js->loop),
                            "auth", json_object_get(body, "auth"), "proto",
                            json_object_get(body, "proto"), "msg",
                            json_object_get(body, "msg"), "peer",
                            json_object_get(body, "peer")));
}

/* node.state_set: the node manager's record is the body itself (no
 * gateway envelope); the store is the proposer, so the command time is the
 * loop's clock. */
static void handle_node_command(struct flurm_request *req, void *arg)
{
    struct jobstore *js = arg;
    const json_t *body = flurm_request_body(req);

    defer_command(js, req,
                  json_pack("{s:s, s:s?, s:I, s:O?, s:O}", "type", flurm_request_type(req),
                            "req_id", flurm_request_req_id(req), "time",
                            (json_int_t)flurm_loop_now(js->loop), "auth",
                            json_object_get(body, "auth"), "msg", body));
}

/* job.sched_update {time, jobs}: the scheduler's decisions.  The
 * scheduler is the proposer and stamps the time (the store's clock when it
 * did not); the body itself is the command's msg. */
static void handle_sched_command(struct flurm_request *req, void *arg)
{
    struct jobstore *js = arg;
    const json_t *body = flurm_request_body(req);
    const json_t *time = json_object_get(body, "time");

    defer_command(js, req,
                  json_pack("{s:s, s:s?, s:I, s:O?, s:O}", "type", flurm_request_type(req),
                            "req_id", flurm_request_req_id(req), "time",
                            json_is_integer(time) ? json_integer_value(time)
                                                  : (json_int_t)flurm_loop_now(js->loop),
                            "auth", json_object_get(body, "auth"), "msg", body));
}

/* node.state_list: every stored node record, from the database. */
static void handle_node_list(struct flurm_request *req, void *arg)
{
    struct jobstore *js = arg;
    json_t *nodes;

    if (store_refresh(js->store) < 0)
        die_uncommitted(0);
    if (!(nodes = store_node_states(js->store))) {
        flurm_request_reply_error(req, errno == ENOMEM ? ENOMEM : EIO,
                                  "cannot read the node states: %s", strerror(errno));
        return;
    }
    flurm_request_reply(req, json_pack("{s:o}", "nodes", nodes));
}

/* job.info, job.info_single, job.user_info, job.list: from memory. */
static void handle_query(struct flurm_request *req, void *arg)
{
    struct jobstore *js = arg;
    json_t *res;

    if (store_refresh(js->store) < 0)
        die_uncommitted(0);
    res = jobs_query(store_jobs(js->store), flurm_request_type(req), flurm_request_body(req),
                     flurm_loop_now(js->loop));
    if (!res) {
        flurm_request_reply_error(req, errno == ENOSYS ? ENOSYS : ENOMEM, "%s",
                                  strerror(errno));
        return;
    }
    reply_result(req, res);
    json_decref(res);
}

/* job.script {job_id}: the batch script and environment (for the node
 * manager's launch, and REQUEST_BATCH_SCRIPT).  The owner, an
 * administrator or a FLURM service (no auth) may read it. */
static void handle_script(struct flurm_request *req, void *arg)
{
    struct jobstore *js = arg;
    const json_t *body = flurm_request_body(req);
    const json_t *auth = json_object_get(body, "auth");
    json_int_t id = json_integer_value(json_object_get(json_object_get(body, "msg"), "job_id"));
    uint32_t owner;
    char *script;
    json_t *env;

    if (store_refresh(js->store) < 0)
        die_uncommitted(0);
    if (id <= 0 || id > UINT32_MAX ||
        jobs_job_owner(store_jobs(js->store), (uint32_t)id, &owner) < 0) {
        flurm_request_reply_error(req, ESLURM_INVALID_JOB_ID, "Invalid job id specified");
        return;
    }
    if (auth) {
        json_int_t uid = json_integer_value(json_object_get(auth, "uid"));

        if (!site_is_admin(js->site, (uid_t)uid) && uid != owner) {
            flurm_request_reply_error(req, ESLURM_ACCESS_DENIED, "Access/permission denied");
            return;
        }
    }
    if (store_job_script(js->store, (uint32_t)id, &script, &env) < 0) {
        flurm_request_reply_error(req, errno == ENOENT ? ESLURM_JOB_SCRIPT_MISSING : EIO,
                                  "no batch script for job %lld", (long long)id);
        return;
    }
    flurm_request_reply(req, json_pack("{s:I, s:s?, s:o?}", "job_id", id, "script", script,
                                       "environment", env));
    free(script);
}

/* job.allocs {}: every job holding resources, with the log position the
 * view is as of (docs/running-jobs.md). */
static void handle_allocs(struct flurm_request *req, void *arg)
{
    struct jobstore *js = arg;
    json_t *res;

    if (store_refresh(js->store) < 0)
        die_uncommitted(0);
    if (!(res = jobs_allocs(store_jobs(js->store), store_last_seq(js->store)))) {
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    reply_result(req, res);
    json_decref(res);
}

/* job.launch_info {job_id}: what REQUEST_BATCH_JOB_LAUNCH needs, for the
 * node manager (no auth: the private socket only). */
static void handle_launch_info(struct flurm_request *req, void *arg)
{
    struct jobstore *js = arg;
    const json_t *body = flurm_request_body(req);
    const json_t *idv = json_object_get(body, "job_id");
    json_int_t id;
    json_t *job, *env = NULL, *array;
    char *script = NULL;

    if (!idv)
        idv = json_object_get(json_object_get(body, "msg"), "job_id");
    id = json_integer_value(idv);
    if (store_refresh(js->store) < 0)
        die_uncommitted(0);
    if (json_object_get(body, "auth")) {
        flurm_request_reply_error(req, ESLURM_ACCESS_DENIED, "Access/permission denied");
        return;
    }
    if (id <= 0 || id > UINT32_MAX || !(job = jobs_job_save(store_jobs(js->store), (uint32_t)id))) {
        flurm_request_reply_error(req, ESLURM_INVALID_JOB_ID, "Invalid job id specified");
        return;
    }
    /* an array task's script is its array's, written once at submit */
    if (store_job_script(js->store, (uint32_t)id, &script, &env) < 0 &&
        (errno != ENOENT ||
         store_job_script(js->store,
                          (uint32_t)json_integer_value(json_object_get(job, "array_job_id")),
                          &script, &env) < 0)) {
        json_decref(job);
        flurm_request_reply_error(req, errno == ENOENT ? ESLURM_JOB_SCRIPT_MISSING : EIO,
                                  "no batch script for job %lld", (long long)id);
        return;
    }
    /* an array task's launch adds SLURM_ARRAY_TASK_COUNT/MIN/MAX/STEP */
    array = jobs_launch_array(store_jobs(js->store), (uint32_t)id);
    if (!array && errno == ENOMEM) {
        json_decref(job);
        json_decref(env);
        free(script);
        flurm_request_reply_error(req, ENOMEM, "out of memory");
        return;
    }
    flurm_request_reply(req, json_pack("{s:o, s:s?, s:o?, s:o?}", "job", job, "script", script,
                                       "environment", env, "array", array));
    free(script);
}

static const struct flurm_handler handlers[] = {
    {"job.submit", handle_command},
    {"job.kill", handle_command},
    {"job.update", handle_command},
    {"job.sched_update", handle_sched_command},
    {"job.start", handle_sched_command},
    {"job.launch_claim", handle_sched_command},
    {"job.launched", handle_sched_command},
    {"job.launch_failed", handle_sched_command},
    {"job.timeout", handle_sched_command},
    {"job.node_fail", handle_sched_command},
    {"job.preempt", handle_sched_command},
    {"job.complete", handle_command},
    {"job.epilog_complete", handle_command},
    {"job.allocate", handle_command},
    {"job.alloc_complete", handle_command},
    {"step.create", handle_command},
    {"step.complete", handle_command},
    {"job.ready", handle_query},
    {"job.alloc_info", handle_query},
    {"step.info", handle_query},
    {"job.allocs", handle_allocs},
    {"job.launch_info", handle_launch_info},
    {"job.info", handle_query},
    {"job.info_single", handle_query},
    {"job.user_info", handle_query},
    {"job.list", handle_query},
    {"job.script", handle_script},
    {"node.state_set", handle_node_command},
    {"node.state_list", handle_node_list},
    {NULL, NULL},
};

/* Where the database lives (see the top of this file).  Caller frees. */
static char *db_path(const char *conf_path)
{
    const char *env = getenv("FLURM_JOBSTORE_DB"), *rundir;
    char err[512] = "";
    struct flurm_slurmconf *c;
    char *path = NULL;
    struct stat sb;

    if (env && *env)
        return strdup(env);
    if (!(c = flurm_slurmconf_load(conf_path, err, sizeof(err)))) {
        flurm_err("%s", err);
        exit(FLURM_EXIT_PERMANENT);
    }
    if (flurm_slurmconf_get(c, "StateSaveLocation")) {
        const char *dir = flurm_slurmconf_get(c, "StateSaveLocation");

        if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
            flurm_err("StateSaveLocation=%s is not a usable directory", dir);
            flurm_slurmconf_destroy(c);
            exit(FLURM_EXIT_PERMANENT);
        }
        if (asprintf(&path, "%s/flurm-jobstore.db", dir) < 0)
            path = NULL;
        flurm_slurmconf_destroy(c);
        return path;
    }
    flurm_slurmconf_destroy(c);
    rundir = flurm_config_require_rundir();
    if (asprintf(&path, "%s/state", rundir) < 0)
        return NULL;
    if (mkdir(path, 0700) < 0 && errno != EEXIST) {
        flurm_err("cannot create %s: %s", path, strerror(errno));
        exit(FLURM_EXIT_PERMANENT);
    }
    free(path);
    if (asprintf(&path, "%s/state/jobstore.db", rundir) < 0)
        return NULL;
    return path;
}

int main(void)
{
    struct jobstore js = {0};
    const char *conf = getenv("SLURM_CONF"), *fault = getenv("FLURM_JOBSTORE_FAULT");
    char err[512] = "", *path;
    int rc;

    flurm_log_init(getenv("FLURM_SERVICE") ? getenv("FLURM_SERVICE") : "store");
    if (!(js.site = site_load(conf && *conf ? conf : NULL, err, sizeof(err)))) {
        flurm_err("cannot use the site configuration: %s", err);
        return FLURM_EXIT_PERMANENT;
    }
    if (!(path = db_path(conf && *conf ? conf : NULL))) {
        flurm_err("out of memory");
        return FLURM_EXIT_TEMPORARY;
    }
    if (!(js.store = store_open(path, js.site, err, sizeof(err)))) {
        flurm_err("cannot open the job store: %s", err);
        rc = errno == EPROTO ? FLURM_EXIT_PERMANENT : FLURM_EXIT_TEMPORARY;
        free(path);
        site_destroy(js.site);
        return rc;
    }
    flurm_info("job store %s: %zu jobs (%zu active), log at %llu, next commands batched", path,
               jobs_count(store_jobs(js.store)), jobs_active_count(store_jobs(js.store)),
               (unsigned long long)store_last_seq(js.store));
    if (!realpath(path, inspect_db_path))
        snprintf(inspect_db_path, sizeof(inspect_db_path), "%s", path);
    free(path);
    if (fault && !strcmp(fault, "ack-before-commit")) {
        flurm_warn("FLURM_JOBSTORE_FAULT=ack-before-commit: answers before commit (tests only)");
        js.ack_before_commit = 1;
    }
    if (!(js.loop = flurm_loop_create()) ||
        !(js.svc = flurm_service_create(js.loop, NULL, FLURM_VERSION, handlers, &js))) {
        flurm_err("cannot set up the service: %s", strerror(errno));
        rc = FLURM_EXIT_TEMPORARY;
        goto out;
    }
    flurm_service_set_burst_cb(js.svc, commit_burst, &js);
    flurm_service_set_stats_cb(js.svc, store_stats, &js);
    flurm_service_set_inspect_cb(js.svc, inspect_whats, store_inspect, &js);
    (void)flurm_service_set_receivers(js.svc, STORE_RECEIVERS);
    ev_timer_init(&js.late_commit, late_commit_cb, FAULT_COMMIT_DELAY_S, 0.0);
    js.late_commit.data = &js;
    ev_init(&js.waiter_timer, waiter_timer_cb);
    js.waiter_timer.data = &js;
    flurm_service_enable_events(js.svc);
    if (flurm_service_start(js.svc) < 0) {
        flurm_err("cannot start the service: %s", strerror(errno));
        rc = FLURM_EXIT_TEMPORARY;
        goto out;
    }
    rc = flurm_service_run(js.svc);
out:
    if (js.loop) {
        ev_timer_stop(flurm_loop_ev(js.loop), &js.late_commit);
        ev_timer_stop(flurm_loop_ev(js.loop), &js.waiter_timer);
    }
    if (js.store && store_commit(js.store) < 0)
        flurm_err("last commit failed: %s", strerror(errno));
    flurm_service_destroy(js.svc);
    flurm_loop_destroy(js.loop);
    for (size_t i = 0; i < js.nbatch; i++)
        json_decref(js.batch[i].cmd);
    free(js.batch);
    for (size_t i = 0; i < js.nwaiters; i++)
        json_decref(js.waiters[i].result);
    free(js.waiters);
    store_close(js.store);
    site_destroy(js.site);
    return rc;
}
