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
#include <stdio.h>
#include <string.h>

#define GWTEST_CLIENT_CALLS
#include "supervisor/ctl.h"
#include "test/services/gateway/gwtest.h"

#define RC_SLURM_ERROR 0xffffffffu
#define ESLURM_ALREADY_DONE 2021

/* ---- the stand-ins (gwtest.h) and a supervisor --------------------------------- */

static struct standin store, nodes;
static struct flurm_service *nodes_svc;

static const struct flurm_handler store_handlers[] = {
    {"job.complete", on_standin},
    {"job.epilog_complete", on_standin},
    {"job.kill", on_standin},
    {NULL, NULL},
};

/* The job ids of the job.signal requests, in the order they came. */
static json_int_t signalled[8];

static void on_nodes_signal(struct flurm_request *req, void *arg)
{
    struct standin *st = arg;

    if (st->calls < 8)
        signalled[st->calls] = json_integer_value(json_object_get(flurm_request_body(req),
                                                                  "job_id"));
    on_standin(req, arg);
}

static const struct flurm_handler nodes_handlers[] = {
    {"job.signal", on_nodes_signal},
    {NULL, NULL},
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

static struct sup_ctl *ctl;
static struct supervisor sup;

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

static void setup(void)
{
    memset(&store, 0, sizeof(store));
    memset(&nodes, 0, sizeof(nodes));
    memset(signalled, 0, sizeof(signalled));
    memset(&sup, 0, sizeof(sup));
    gwt_setup("jobs");
    gwt_standin("store", store_handlers, &store);
    nodes_svc = gwt_standin("nodes", nodes_handlers, &nodes);
    gwt_start(20, 2);
}

static bool supervisor_idle(void)
{
    return gw_backends_supervisor_pending(backends) == 0;
}

static void teardown(void)
{
    /* A reconfigure answers the client before the gateway asks for its own
     * reload: let that exchange end first.  Closing either end of an NNG
     * 1.5.2 ipc pipe between two sockets of one process while a request is
     * on it can wait forever (seen with the control socket's close). */
    if (ctl) {
        sup.hold = false;
        if (sup.held) {
            sup_ctl_reply_ok(sup.held, NULL);
            sup.held = NULL;
        }
        run_until(supervisor_idle);
    }
    /* The same holds for the stand-ins' pipes: let the signals scancel
     * handed to the node manager end first. */
    if (nodes.held)
        standin_release(nodes_svc, &nodes);
    run_until(nothing_handed_off);
    /* The supervisor lives in another process in production: close its
     * side first (closing an NNG client whose in-process peer still holds
     * its pipe can wait forever in NNG 1.5.2). */
    sup_ctl_destroy(ctl);
    ctl = NULL;
    gwt_teardown();
    standin_clear(&store);
    standin_clear(&nodes);
    json_decref(sup.tree);
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

static bool four_reloads(void)
{
    return sup.nreloads >= 4;
}

static bool reload_held(void)
{
    return sup.held != NULL;
}

/* ---- slurmd's end of a job ----------------------------------------------------- */

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
    assert_reply_as_captured(&cc, "sbatch_script/006-s2c-RESPONSE_SLURM_RC.hex");
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
    assert_reply_as_captured(&cc, "scancel_running/006-s2c-RESPONSE_SLURM_RC.hex");
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

static bool nodes_called_once(void)
{
    return nodes.calls >= 1;
}

static bool nodes_called_thrice(void)
{
    return nodes.calls >= 3;
}

/* slurmctld answers scancel as it queues the signal for its agent: a
 * client that waited for the delivery could hold up the very step launch
 * that slurmd holds the signal for. */
START_TEST(test_kill_answers_scancel_then_hands_its_signal_to_the_nodes)
{
    struct client_call cc;

    store.answer = json_pack("{s:i, s:[{s:i, s:i, s:i, s:s, s:s}]}", "rc", 0, "signals",
                             "job_id", 7, "signal", 10, "flags", 0, "nodes", "n[1-2]",
                             "batch_host", "n1");
    nodes.silent = true; /* the delivery takes its time */
    send_captured(&cc, "scancel_running/001-c2s-REQUEST_KILL_JOB.hex");
    wait_answer(&cc);
    ck_assert_int_eq(reply_rc(&cc), 0);
    run_until(nodes_called_once);
    ck_assert_str_eq(nodes.type, "job.signal");
    ck_assert(json_equal(nodes.body, json_array_get(json_object_get(store.answer, "signals"), 0)));
    /* a draining gateway waits for it */
    ck_assert_uint_eq(gw_rpc_handed_off(rpc), 1);
    standin_release(nodes_svc, &nodes);
    run_until(nothing_handed_off);
    free_call(&cc);
}
END_TEST

START_TEST(test_kill_of_an_array_hands_every_tasks_signal_to_the_nodes)
{
    struct client_call cc;
    json_t *sigs = json_pack("[{s:i, s:i, s:s}, {s:i, s:i, s:s}, {s:i, s:i, s:s}]", "job_id", 7,
                             "signal", 10, "nodes", "n1", "job_id", 8, "signal", 10, "nodes",
                             "n2", "job_id", 9, "signal", 10, "nodes", "n3");

    store.answer = json_pack("{s:i, s:o}", "rc", 0, "signals", sigs);
    send_captured(&cc, "scancel_running/001-c2s-REQUEST_KILL_JOB.hex");
    wait_answer(&cc);
    ck_assert_int_eq(reply_rc(&cc), 0);
    run_until(nodes_called_thrice);
    run_until(nothing_handed_off);
    ck_assert_int_eq(nodes.calls, 3);
    /* in any order: each goes on its own request */
    ck_assert_int_eq(signalled[0] * signalled[1] * signalled[2], 7 * 8 * 9);
    ck_assert_int_eq(signalled[0] + signalled[1] + signalled[2], 7 + 8 + 9);
    free_call(&cc);
}
END_TEST

START_TEST(test_kill_whose_signal_the_nodes_cannot_deliver_still_answers_the_stores_rc)
{
    struct client_call cc;

    store.answer =
        json_pack("{s:i, s:[{s:i, s:i}]}", "rc", 0, "signals", "job_id", 7, "signal", 10);
    nodes.error = 2017;
    send_captured(&cc, "scancel_running/001-c2s-REQUEST_KILL_JOB.hex");
    wait_answer(&cc);
    ck_assert_int_eq(reply_rc(&cc), 0);
    run_until(nodes_called_once);
    run_until(nothing_handed_off);
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
    tcase_add_test(tk, test_kill_answers_scancel_then_hands_its_signal_to_the_nodes);
    tcase_add_test(tk, test_kill_of_an_array_hands_every_tasks_signal_to_the_nodes);
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
