/*
 * test_jobroutes.c - the gateway's routes for running jobs and for
 * `scontrol reconfigure`, with stand-ins on the gateway's own loop: a
 * "store" and a "nodes" service, and a supervisor control socket
 * (supervisor/ctl.h).  What slurmd's end-of-job messages become, what
 * scancel's signal takes, and in which order a reconfigure reloads the
 * services.  Talks to the local munged.  Run from the repository root.
 */
#include <check.h>
#include <errno.h>
#include <munge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/loop.h"
#include "common/service.h"
#include "services/gateway/backend.h"
#include "services/gateway/buildinfo.h"
#include "services/gateway/conf.h"
#include "services/gateway/rpc.h"
#include "services/gateway/stats.h"
#include "supervisor/ctl.h"
#include "test/wire/capture.h"
#include "wire/auth.h"
#include "wire/header.h"
#include "wire/msg.h"

#define RC_SLURM_ERROR 0xffffffffu
#define ESLURM_ALREADY_DONE 2021

/* ---- the stand-ins ------------------------------------------------------------- */

struct standin {
    int calls;
    char type[64];
    json_t *body;      /* the last request's body */
    json_t *answer;    /* what to answer (NULL: {"rc": 0}) */
    int error;         /* answer this error code instead, if not 0 */
    int answers_seen;  /* the gateway's answers to clients when the last request came */
};

/* A supervisor that lists `tree` and records the reloads asked. */
struct supervisor {
    json_t *tree;
    char reloads[8][64];
    int nreloads;
    int answers_at_reload[8]; /* client answers already sent when each reload came */
    const char *refuse;       /* a service whose reload fails */
    struct sup_ctl_req *held; /* a reload left unanswered, if hold */
    bool hold;
};

static char rundir[] = "/tmp/gw-test-jobs.XXXXXX";
static struct flurm_loop *loop;
static struct flurm_auth *auth;
static struct gw_conf *conf;
static struct flurm_build_info bi;
static struct gw_stats *stats;
static struct gw_backends *backends;
static struct gw_rpc *rpc;
static struct flurm_service *store_svc, *nodes_svc;
static struct sup_ctl *ctl;
static struct standin store, nodes;
static struct supervisor sup;
static int answers; /* every call's done, all calls together */

struct client_call {
    struct gw_call call;
    struct flurm_buf *out;
    int answers;
    int have_reply;
};

static void answer_standin(struct flurm_request *req, struct standin *st)
{
    st->calls++;
    st->answers_seen = answers;
    snprintf(st->type, sizeof(st->type), "%s", flurm_request_type(req));
    json_decref(st->body);
    st->body = json_incref(flurm_request_body(req));
    if (st->error)
        flurm_request_reply_error(req, st->error, "refused by the stand-in");
    else
        flurm_request_reply(req, st->answer ? json_deep_copy(st->answer)
                                            : json_pack("{s:i}", "rc", 0));
}

static void on_store(struct flurm_request *req, void *arg)
{
    (void)arg;
    answer_standin(req, &store);
}

static void on_nodes(struct flurm_request *req, void *arg)
{
    (void)arg;
    answer_standin(req, &nodes);
}

static const struct flurm_handler store_handlers[] = {
    {"job.complete", on_store},
    {"job.epilog_complete", on_store},
    {"job.kill", on_store},
    {NULL, NULL},
};

static const struct flurm_handler nodes_handlers[] = {
    {"job.signal", on_nodes},
    {NULL, NULL},
};

static void on_ctl(struct sup_ctl_req *req, const char *type, json_t *body, void *arg)
{
    const char *name = json_string_value(json_object_get(body, "service"));

    (void)arg;
    if (strcmp(type, "sup.status") == 0) {
        sup_ctl_reply_ok(req, json_pack("{s:i, s:O}", "pid", 1, "tree", sup.tree));
        return;
    }
    ck_assert_str_eq(type, "sup.reload");
    ck_assert_ptr_nonnull(name);
    ck_assert_int_lt(sup.nreloads, 8);
    sup.answers_at_reload[sup.nreloads] = answers;
    snprintf(sup.reloads[sup.nreloads++], sizeof(sup.reloads[0]), "%s", name);
    if (sup.refuse && strcmp(name, sup.refuse) == 0) {
        sup_ctl_reply_error(req, EAGAIN,
                            "reload %s: new instance (pid 99) exited with status 100 before it "
                            "was ready; pid 98 keeps serving",
                            name);
        return;
    }
    if (sup.hold) {
        sup.held = req;
        return;
    }
    sup_ctl_reply_ok(req, json_pack("{s:s, s:i, s:i}", "service", name, "pid", 99, "old_pid", 98));
}

static void done(struct gw_call *c, int reply)
{
    struct client_call *cc = (struct client_call *)c;

    answers++;
    cc->answers++;
    cc->have_reply = reply;
}

/* rpc_timeout: how long scontrol may wait (the machine may be loaded:
 * generous unless a test is about that time). */
static void start_rpc(double rpc_timeout)
{
    struct gw_rpc_config cfg = {.loop = loop, .auth = auth, .stats = stats,
                                .backends = backends, .build_info = &bi,
                                .rpc_timeout = rpc_timeout, .gather_timeout = 2,
                                .self_name = "gateway"};

    gw_rpc_destroy(rpc);
    ck_assert_ptr_nonnull(rpc = gw_rpc_create(&cfg));
}

static void setup(void)
{
    char err[256], *cred = NULL;

    if (munge_encode(&cred, NULL, NULL, 0) != EMUNGE_SUCCESS)
        ck_abort_msg("munged does not answer: run scripts/setup");
    free(cred);
    memset(&store, 0, sizeof(store));
    memset(&nodes, 0, sizeof(nodes));
    memset(&sup, 0, sizeof(sup));
    answers = 0;
    ck_assert_ptr_nonnull(mkdtemp(rundir));
    ck_assert_ptr_nonnull(loop = flurm_loop_create());
    ck_assert_ptr_nonnull(store_svc = flurm_service_create(loop, "store", "v-test",
                                                           store_handlers, NULL));
    ck_assert_int_eq(flurm_service_set_rundir(store_svc, rundir), 0);
    ck_assert_int_eq(flurm_service_start(store_svc), 0);
    ck_assert_ptr_nonnull(nodes_svc = flurm_service_create(loop, "nodes", "v-test",
                                                           nodes_handlers, NULL));
    ck_assert_int_eq(flurm_service_set_rundir(nodes_svc, rundir), 0);
    ck_assert_int_eq(flurm_service_start(nodes_svc), 0);
    ck_assert_ptr_nonnull(auth = flurm_auth_create(NULL));
    conf = gw_conf_load("test/services/gateway/data/lab.slurm.conf", err, sizeof(err));
    ck_assert_msg(conf != NULL, "%s", err);
    ck_assert_int_eq(gw_buildinfo_fill(&bi, conf, time(NULL) - 10, NULL, NULL), 0);
    ck_assert_ptr_nonnull(stats = gw_stats_create(time(NULL)));
    ck_assert_ptr_nonnull(backends = gw_backends_create(loop, rundir));
    rpc = NULL;
    start_rpc(20);
}

static void teardown(void)
{
    char cmd[300];

    /* The supervisor lives in another process in production: close its
     * side first (closing an NNG client whose in-process peer still holds
     * its pipe can wait forever in NNG 1.5.2).  Then, as the gateway does,
     * backends before the rest: pending requests complete while their
     * calls still exist. */
    sup_ctl_destroy(ctl);
    ctl = NULL;
    gw_backends_destroy(backends);
    gw_rpc_destroy(rpc);
    gw_stats_destroy(stats);
    flurm_record_free(&flurm_rec_build_info, &bi);
    gw_conf_destroy(conf);
    flurm_auth_destroy(auth);
    flurm_service_destroy(store_svc);
    flurm_service_destroy(nodes_svc);
    flurm_loop_destroy(loop);
    json_decref(store.body);
    json_decref(store.answer);
    json_decref(nodes.body);
    json_decref(nodes.answer);
    json_decref(sup.tree);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", rundir);
    ck_assert_int_eq(system(cmd), 0);
    strcpy(rundir, "/tmp/gw-test-jobs.XXXXXX");
}

/* A supervisor control socket in the run folder, listing `tree_json`. */
static void start_supervisor(const char *tree_json)
{
    char url[256], err[256];
    json_error_t jerr;

    ck_assert_ptr_nonnull(sup.tree = json_loads(tree_json, 0, &jerr));
    ck_assert_int_eq(sup_ctl_url(rundir, url, sizeof(url)), 0);
    ctl = sup_ctl_create(flurm_loop_ev(loop), url, on_ctl, NULL, err, sizeof(err));
    ck_assert_msg(ctl != NULL, "%s", err);
}

static const char *const production_tree =
    "{\"name\": \"flurm\", \"kind\": \"supervisor\", \"state\": \"ready\", \"children\": ["
    " {\"name\": \"store\", \"kind\": \"service\", \"state\": \"ready\"},"
    " {\"name\": \"nodes\", \"kind\": \"service\", \"state\": \"ready\"},"
    " {\"name\": \"sched\", \"kind\": \"service\", \"state\": \"ready\"},"
    " {\"name\": \"gateway\", \"kind\": \"service\", \"state\": \"ready\"}]}";

/* Sign body as a request of `type` at 22.05 and hand it to rpc.c. */
static void send_request(struct client_call *cc, uint16_t type, const void *body, size_t len)
{
    struct flurm_header h = {.version = 0x2600, .msg_type = type, .body_length = (uint32_t)len};
    struct flurm_buf *b = flurm_buf_create(512);
    uint8_t *msg;
    size_t mlen;

    ck_assert_int_eq(flurm_header_pack(&h, b), 0);
    ck_assert_int_eq(flurm_auth_sign(auth, 0x2600, type, body, len, FLURM_AUTH_UID_ANY, b), 0);
    ck_assert_int_eq(flurm_pack_raw(b, body, len), 0);
    msg = flurm_buf_steal(b, &mlen);
    flurm_buf_destroy(b);
    memset(cc, 0, sizeof(*cc));
    ck_assert_ptr_nonnull(cc->out = flurm_buf_create(256));
    cc->have_reply = -1;
    cc->call.out = cc->out;
    cc->call.done = done;
    strcpy(cc->call.peer, "test");
    gw_rpc_handle(rpc, &cc->call, msg, mlen);
    free(msg);
}

/* Wakes the loop now and then, so that run_until() sees its deadline
 * even when nothing happens. */
static void tick(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
}

/* Run the loop until cond() or 10 s. */
static void run_until(bool (*cond)(void))
{
    ev_tstamp give_up = ev_time() + 10.0;
    ev_timer t;

    ev_timer_init(&t, tick, 0.05, 0.05);
    ev_timer_start(flurm_loop_ev(loop), &t);
    while (!cond() && ev_time() < give_up)
        ev_run(flurm_loop_ev(loop), EVRUN_ONCE);
    ev_timer_stop(flurm_loop_ev(loop), &t);
}

static struct client_call *waiting;
static bool answered(void)
{
    return waiting->answers > 0;
}

static void wait_answer(struct client_call *cc)
{
    waiting = cc;
    run_until(answered);
    ck_assert_int_eq(cc->answers, 1);
}

static bool four_reloads(void)
{
    return sup.nreloads >= 4;
}

static bool reload_held(void)
{
    return sup.held != NULL;
}

/* Send and wait for the answer. */
static void roundtrip(struct client_call *cc, uint16_t type, const void *body, size_t len)
{
    send_request(cc, type, body, len);
    wait_answer(cc);
}

/* The return code of a RESPONSE_SLURM_RC reply. */
static uint32_t reply_rc(struct client_call *cc)
{
    struct flurm_msg_parts p;
    uint32_t rc;

    ck_assert_int_eq(cc->have_reply, 1);
    ck_assert_int_eq(flurm_msg_split(&p, flurm_buf_data(cc->out) + 4,
                                     flurm_buf_len(cc->out) - 4), 0);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_SLURM_RC);
    ck_assert_uint_eq(p.body_len, 4);
    rc = (uint32_t)p.body[0] << 24 | (uint32_t)p.body[1] << 16 | (uint32_t)p.body[2] << 8 |
         p.body[3];
    flurm_msg_parts_free(&p);
    return rc;
}

static void free_call(struct client_call *cc)
{
    flurm_buf_destroy(cc->out);
}

/* The body of a captured frame.  Caller frees. */
static uint8_t *captured_body(const char *rel, size_t *len, uint16_t *type)
{
    struct flurm_msg_parts p;
    size_t flen;
    uint8_t *frame = capture_load(rel, &flen);
    uint8_t *body;

    ck_assert_msg(frame != NULL, "%s", rel);
    ck_assert_int_eq(flurm_msg_split(&p, frame + 4, flen - 4), 0);
    ck_assert_ptr_nonnull(body = malloc(p.body_len ? p.body_len : 1));
    memcpy(body, p.body, p.body_len);
    *len = p.body_len;
    if (type)
        *type = p.hdr.msg_type;
    flurm_msg_parts_free(&p);
    free(frame);
    return body;
}

static void send_captured(struct client_call *cc, const char *rel)
{
    size_t len;
    uint16_t type;
    uint8_t *body = captured_body(rel, &len, &type);

    send_request(cc, type, body, len);
    free(body);
}

static json_int_t msg_int(const json_t *body, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(body, "msg"), key));
}

/* ---- slurmd's end of a job ----------------------------------------------------- */

/* The body of the reply in cc equals the captured slurmctld reply `rel`. */
static void assert_reply_body_as_captured(struct client_call *cc, const char *rel)
{
    size_t want_len;
    uint16_t want_type;
    uint8_t *want = captured_body(rel, &want_len, &want_type);
    struct flurm_msg_parts p;

    ck_assert_int_eq(cc->have_reply, 1);
    ck_assert_int_eq(flurm_msg_split(&p, flurm_buf_data(cc->out) + 4, flurm_buf_len(cc->out) - 4),
                     0);
    ck_assert_uint_eq(p.hdr.msg_type, want_type);
    ck_assert_uint_eq(p.body_len, want_len);
    ck_assert_mem_eq(p.body, want, want_len);
    flurm_msg_parts_free(&p);
    free(want);
}

START_TEST(test_batch_completion_goes_to_the_store_and_slurmd_gets_rc_as_from_slurmctld)
{
    struct client_call cc;

    send_captured(&cc, "sbatch_script/005-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex");
    wait_answer(&cc);
    ck_assert_int_eq(store.calls, 1);
    ck_assert_str_eq(store.type, "job.complete");
    ck_assert_int_gt(msg_int(store.body, "job_id"), 0);
    ck_assert_ptr_nonnull(json_object_get(json_object_get(store.body, "auth"), "uid"));
    ck_assert(json_is_integer(json_object_get(store.body, "time")));
    /* RESPONSE_SLURM_RC 0, the very body slurmctld answered. */
    ck_assert_int_eq(reply_rc(&cc), 0);
    assert_reply_body_as_captured(&cc, "sbatch_script/006-s2c-RESPONSE_SLURM_RC.hex");
    free_call(&cc);
}
END_TEST

START_TEST(test_batch_completion_of_a_cancelled_job_answers_the_stores_code)
{
    struct client_call cc;

    /* scancel_running: the job was cancelled before its script ended, and
     * slurmctld answered slurmstepd ESLURM_ALREADY_DONE. */
    store.error = ESLURM_ALREADY_DONE;
    send_captured(&cc, "scancel_running/005-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex");
    wait_answer(&cc);
    ck_assert_uint_eq(reply_rc(&cc), ESLURM_ALREADY_DONE);
    assert_reply_body_as_captured(&cc, "scancel_running/006-s2c-RESPONSE_SLURM_RC.hex");
    free_call(&cc);
}
END_TEST

START_TEST(test_epilog_completion_goes_to_the_store_and_gets_no_reply_as_from_slurmctld)
{
    struct client_call cc;

    send_captured(&cc, "scancel_running/007-c2s-MESSAGE_EPILOG_COMPLETE.hex");
    wait_answer(&cc);
    ck_assert_int_eq(store.calls, 1);
    ck_assert_str_eq(store.type, "job.epilog_complete");
    ck_assert_int_gt(msg_int(store.body, "job_id"), 0);
    ck_assert(json_is_string(json_object_get(json_object_get(store.body, "msg"), "node_name")));
    ck_assert_int_eq(cc.have_reply, 0); /* closed without a reply */
    ck_assert_uint_eq(flurm_buf_len(cc.out), 0);
    free_call(&cc);
}
END_TEST

START_TEST(test_refused_epilog_completion_still_gets_no_reply)
{
    struct client_call cc;

    store.error = 2002;
    send_captured(&cc, "scancel_running/007-c2s-MESSAGE_EPILOG_COMPLETE.hex");
    wait_answer(&cc);
    ck_assert_int_eq(store.calls, 1);
    ck_assert_int_eq(cc.have_reply, 0);
    free_call(&cc);
}
END_TEST

/* ---- scancel ---------------------------------------------------------------------- */

START_TEST(test_kill_without_a_signal_to_deliver_answers_the_stores_rc_alone)
{
    struct client_call cc;

    send_captured(&cc, "scancel_running/001-c2s-REQUEST_KILL_JOB.hex");
    wait_answer(&cc);
    ck_assert_str_eq(store.type, "job.kill");
    ck_assert_int_eq(nodes.calls, 0);
    ck_assert_int_eq(reply_rc(&cc), 0);
    free_call(&cc);
}
END_TEST

START_TEST(test_kill_with_a_signal_hands_it_to_the_nodes_before_scancel_is_answered)
{
    struct client_call cc;

    store.answer = json_pack("{s:i, s:{s:i, s:i, s:i, s:s, s:s}}", "rc", 0, "signal", "job_id",
                             7, "signal", 10, "flags", 0, "nodes", "n[1-2]", "batch_host", "n1");
    send_captured(&cc, "scancel_running/001-c2s-REQUEST_KILL_JOB.hex");
    wait_answer(&cc);
    ck_assert_int_eq(nodes.calls, 1);
    ck_assert_str_eq(nodes.type, "job.signal");
    ck_assert(json_equal(nodes.body, json_object_get(store.answer, "signal")));
    ck_assert_int_eq(nodes.answers_seen, 0); /* scancel was still waiting */
    ck_assert_int_eq(reply_rc(&cc), 0);
    free_call(&cc);
}
END_TEST

START_TEST(test_kill_whose_signal_the_nodes_cannot_deliver_still_answers_the_stores_rc)
{
    struct client_call cc;

    store.answer = json_pack("{s:i, s:{s:i, s:i}}", "rc", 0, "signal", "job_id", 7, "signal", 10);
    nodes.error = 2017;
    send_captured(&cc, "scancel_running/001-c2s-REQUEST_KILL_JOB.hex");
    wait_answer(&cc);
    ck_assert_int_eq(nodes.calls, 1);
    ck_assert_int_eq(reply_rc(&cc), 0);
    free_call(&cc);
}
END_TEST

START_TEST(test_kill_refused_by_the_store_asks_no_node)
{
    struct client_call cc;

    store.error = 2017;
    send_captured(&cc, "scancel_running/001-c2s-REQUEST_KILL_JOB.hex");
    wait_answer(&cc);
    ck_assert_int_eq(nodes.calls, 0);
    ck_assert_int_eq(reply_rc(&cc), 2017);
    free_call(&cc);
}
END_TEST

/* ---- scontrol reconfigure ----------------------------------------------------------- */

START_TEST(test_reconfigure_reloads_every_service_in_order_and_the_gateway_after_answering)
{
    struct client_call cc;

    start_supervisor(production_tree);
    roundtrip(&cc, FLURM_REQUEST_RECONFIGURE, NULL, 0);
    ck_assert_int_eq(reply_rc(&cc), 0);
    /* The gateway's own reload is asked after the answer. */
    run_until(four_reloads);
    ck_assert_int_eq(sup.nreloads, 4);
    ck_assert_str_eq(sup.reloads[0], "store");
    ck_assert_str_eq(sup.reloads[1], "nodes");
    ck_assert_str_eq(sup.reloads[2], "sched");
    ck_assert_str_eq(sup.reloads[3], "gateway");
    ck_assert_int_eq(sup.answers_at_reload[2], 0);
    ck_assert_int_eq(sup.answers_at_reload[3], 1);
    free_call(&cc);
}
END_TEST

START_TEST(test_reconfigure_skips_a_service_that_is_not_running)
{
    struct client_call cc;

    start_supervisor("{\"name\": \"flurm\", \"kind\": \"supervisor\", \"children\": ["
                     " {\"name\": \"store\", \"kind\": \"service\", \"state\": \"ready\"},"
                     " {\"name\": \"sub\", \"kind\": \"supervisor\", \"children\": ["
                     "  {\"name\": \"nodes\", \"kind\": \"service\", \"state\": \"backoff\"},"
                     "  {\"name\": \"sched\", \"kind\": \"service\", \"state\": \"ready\"}]},"
                     " {\"name\": \"gateway\", \"kind\": \"service\", \"state\": \"ready\"}]}");
    roundtrip(&cc, FLURM_REQUEST_RECONFIGURE, NULL, 0);
    ck_assert_int_eq(reply_rc(&cc), 0);
    ck_assert_int_ge(sup.nreloads, 2);
    ck_assert_str_eq(sup.reloads[0], "store");
    ck_assert_str_eq(sup.reloads[1], "sched");
    free_call(&cc);
}
END_TEST

START_TEST(test_reconfigure_stops_at_the_first_refused_reload_and_answers_an_error)
{
    struct client_call cc;
    ev_tstamp settle;

    start_supervisor(production_tree);
    sup.refuse = "nodes";
    roundtrip(&cc, FLURM_REQUEST_RECONFIGURE, NULL, 0);
    ck_assert_uint_eq(reply_rc(&cc), RC_SLURM_ERROR);
    settle = ev_time() + 0.3;
    while (ev_time() < settle)
        ev_run(flurm_loop_ev(loop), EVRUN_NOWAIT);
    /* Nothing after the refusal, the gateway itself included. */
    ck_assert_int_eq(sup.nreloads, 2);
    ck_assert_str_eq(sup.reloads[1], "nodes");
    free_call(&cc);
}
END_TEST

START_TEST(test_reconfigure_while_one_runs_is_einprogress)
{
    struct client_call first, second;

    start_supervisor(production_tree);
    sup.hold = true;
    send_request(&first, FLURM_REQUEST_RECONFIGURE, NULL, 0);
    run_until(reload_held);
    ck_assert_ptr_nonnull(sup.held);
    roundtrip(&second, FLURM_REQUEST_RECONFIGURE, NULL, 0);
    ck_assert_int_eq(reply_rc(&second), EINPROGRESS);
    ck_assert_int_eq(first.answers, 0);
    sup.hold = false;
    sup_ctl_reply_ok(sup.held, NULL);
    sup.held = NULL;
    wait_answer(&first);
    ck_assert_int_eq(reply_rc(&first), 0);
    free_call(&first);
    free_call(&second);
}
END_TEST

START_TEST(test_reconfigure_still_running_when_scontrol_would_give_up_is_einprogress)
{
    struct client_call cc;

    start_rpc(0.3);
    start_supervisor(production_tree);
    sup.hold = true;
    roundtrip(&cc, FLURM_REQUEST_RECONFIGURE, NULL, 0);
    ck_assert_int_eq(reply_rc(&cc), EINPROGRESS);
    /* The roll goes on after the answer. */
    ck_assert_int_eq(sup.nreloads, 1);
    sup.hold = false;
    sup_ctl_reply_ok(sup.held, NULL);
    sup.held = NULL;
    run_until(four_reloads);
    ck_assert_int_eq(sup.nreloads, 4);
    ck_assert_str_eq(sup.reloads[3], "gateway");
    free_call(&cc);
}
END_TEST

START_TEST(test_reconfigure_without_a_supervisor_is_an_error)
{
    struct client_call cc;

    roundtrip(&cc, FLURM_REQUEST_RECONFIGURE, NULL, 0);
    ck_assert_uint_eq(reply_rc(&cc), RC_SLURM_ERROR);
    free_call(&cc);
}
END_TEST

START_TEST(test_reconfigure_with_config_stays_unserved_as_in_slurmctld)
{
    struct client_call cc;

    /* slurmctld sends 1004 to slurmd; its own RPC table has no handler. */
    start_supervisor(production_tree);
    roundtrip(&cc, FLURM_REQUEST_RECONFIGURE_WITH_CONFIG, NULL, 0);
    ck_assert_uint_eq(reply_rc(&cc), EINVAL);
    ck_assert_int_eq(sup.nreloads, 0);
    free_call(&cc);
}
END_TEST

static Suite *jobroutes_suite(void)
{
    Suite *s = suite_create("gateway_jobroutes");
    TCase *tc = tcase_create("slurmd");
    TCase *tk = tcase_create("scancel");
    TCase *tr = tcase_create("reconfigure");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_batch_completion_goes_to_the_store_and_slurmd_gets_rc_as_from_slurmctld);
    tcase_add_test(tc, test_batch_completion_of_a_cancelled_job_answers_the_stores_code);
    tcase_add_test(tc, test_epilog_completion_goes_to_the_store_and_gets_no_reply_as_from_slurmctld);
    tcase_add_test(tc, test_refused_epilog_completion_still_gets_no_reply);
    suite_add_tcase(s, tc);

    tcase_add_checked_fixture(tk, setup, teardown);
    tcase_set_timeout(tk, 30);
    tcase_add_test(tk, test_kill_without_a_signal_to_deliver_answers_the_stores_rc_alone);
    tcase_add_test(tk, test_kill_with_a_signal_hands_it_to_the_nodes_before_scancel_is_answered);
    tcase_add_test(tk, test_kill_whose_signal_the_nodes_cannot_deliver_still_answers_the_stores_rc);
    tcase_add_test(tk, test_kill_refused_by_the_store_asks_no_node);
    suite_add_tcase(s, tk);

    tcase_add_checked_fixture(tr, setup, teardown);
    tcase_set_timeout(tr, 60);
    tcase_add_test(tr, test_reconfigure_reloads_every_service_in_order_and_the_gateway_after_answering);
    tcase_add_test(tr, test_reconfigure_skips_a_service_that_is_not_running);
    tcase_add_test(tr, test_reconfigure_stops_at_the_first_refused_reload_and_answers_an_error);
    tcase_add_test(tr, test_reconfigure_while_one_runs_is_einprogress);
    tcase_add_test(tr, test_reconfigure_still_running_when_scontrol_would_give_up_is_einprogress);
    tcase_add_test(tr, test_reconfigure_without_a_supervisor_is_an_error);
    tcase_add_test(tr, test_reconfigure_with_config_stays_unserved_as_in_slurmctld);
    suite_add_tcase(s, tr);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jobroutes_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
