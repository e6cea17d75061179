/*
 * test_steproutes.c - the gateway's routes for salloc, srun and job steps
 * (docs/steps.md, "Gateway routes"), with stand-in "store" and "nodes"
 * services on the gateway's own loop: each captured client request
 * (srun_hostname, salloc_hostname, sstat) must reach the right service as
 * the right internal request, and the service's answer must reach the
 * client as slurmctld's reply, byte for byte where the capture fixes it.
 * Also slurmd's batch completion that asks for a drain.  Talks to the
 * local munged.  Run from the repository root.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GWTEST_CLIENT_CALLS
#include "test/services/gateway/gwtest.h"
#include "wire/rec_generic.h"

#define RC_SLURM_ERROR 0xffffffffu
#define ESLURM_INVALID_PARTITION_NAME 2000
#define ESLURM_INVALID_JOB_ID 2017
#define ESLURM_ALREADY_DONE 2021
#define ESLURM_BAD_TASK_COUNT 2025
#define NODE_STATE_DRAIN 0x200
#define CLIENT_ADDR "192.0.2.7"

/* ---- the stand-ins (gwtest.h) --------------------------------------------------- */

static struct standin store, nodes;

static const struct flurm_handler store_handlers[] = {
    {"job.allocate", on_standin},  {"job.ready", on_standin},   {"job.alloc_info", on_standin},
    {"step.complete", on_standin}, {"job.alloc_complete", on_standin},
    {"step.info", on_standin},     {"job.kill", on_standin},    {"job.complete", on_standin},
    {NULL, NULL},
};

static const struct flurm_handler nodes_handlers[] = {
    {"step.create", on_standin},
    {"node.update", on_standin},
    {"job.signal", on_standin},
    {NULL, NULL},
};

static void setup(void)
{
    memset(&store, 0, sizeof(store));
    memset(&nodes, 0, sizeof(nodes));
    client_peer_addr = CLIENT_ADDR;
    gwt_setup("steps");
    gwt_standin("store", store_handlers, &store);
    gwt_standin("nodes", nodes_handlers, &nodes);
    gwt_start(20, 2);
}

static void teardown(void)
{
    run_until(nothing_handed_off);
    gwt_teardown();
    standin_clear(&store);
    standin_clear(&nodes);
}

/* The captured message's body in its record's JSON form: what a service
 * answers as "msg" for that reply.  Caller owns it. */
static json_t *captured_json(const char *rel)
{
    const struct flurm_record *rec = NULL;
    enum flurm_msg_type type;
    const char *field = NULL;
    uint16_t wire;
    size_t len;
    uint8_t *body = captured_body(rel, &len, &wire);
    void *obj;
    json_t *j;

    ck_assert_int_eq(flurm_msg_from_wire(0x2600, wire, &type), 0);
    obj = flurm_msg_body_decode(0x2600, type, body, len, &rec, &field);
    ck_assert_msg(obj != NULL, "%s: %s", rel, field ? field : strerror(errno));
    ck_assert_ptr_nonnull(j = flurm_record_to_json(rec, obj));
    flurm_msg_body_destroy(rec, obj);
    free(body);
    return j;
}

/* {"msg": the captured reply's record}: a service's answer. */
static json_t *answer_as_captured(const char *rel)
{
    return json_pack("{s:o}", "msg", captured_json(rel));
}

/* The body carries the munge identity and the gateway's clock, as every
 * routed request (docs/rpc-routing.md). */
static void assert_stamped(const json_t *body)
{
    const json_t *a = json_object_get(body, "auth");

    ck_assert(json_is_integer(json_object_get(a, "uid")));
    ck_assert_int_eq(json_integer_value(json_object_get(a, "uid")), (json_int_t)getuid());
    ck_assert(json_is_integer(json_object_get(body, "time")));
    ck_assert(json_is_object(msg_of(body)));
}

/* ---- salloc / srun: the allocation ---------------------------------------------- */

START_TEST(test_allocation_goes_to_the_store_with_the_clients_address_as_peer)
{
    struct client_call cc;

    store.answer = answer_as_captured("salloc_hostname/002-s2c-RESPONSE_RESOURCE_ALLOCATION.hex");
    roundtrip_captured(&cc, "salloc_hostname/001-c2s-REQUEST_RESOURCE_ALLOCATION.hex");
    ck_assert_int_eq(store.calls, 1);
    ck_assert_str_eq(store.type, "job.allocate");
    assert_stamped(store.body);
    /* slurmctld's resp_host: the connection's peer, not munge's address. */
    ck_assert_str_eq(json_string_value(json_object_get(store.body, "peer")), CLIENT_ADDR);
    /* salloc's job_desc: the port it waits on for the allocation. */
    ck_assert_int_gt(msg_int(store.body, "alloc_resp_port"), 0);
    ck_assert_int_eq(msg_int(store.body, "min_nodes"), 1);
    assert_reply_as_captured(&cc, "salloc_hostname/002-s2c-RESPONSE_RESOURCE_ALLOCATION.hex");
    free_call(&cc);
}
END_TEST

START_TEST(test_srun_allocation_reply_is_packed_as_slurmctlds)
{
    struct client_call cc;

    store.answer = answer_as_captured("srun_hostname/002-s2c-RESPONSE_RESOURCE_ALLOCATION.hex");
    roundtrip_captured(&cc, "srun_hostname/001-c2s-REQUEST_RESOURCE_ALLOCATION.hex");
    ck_assert_str_eq(store.type, "job.allocate");
    ck_assert_int_gt(msg_int(store.body, "other_port"), 0);
    assert_reply_as_captured(&cc, "srun_hostname/002-s2c-RESPONSE_RESOURCE_ALLOCATION.hex");
    free_call(&cc);
}
END_TEST

START_TEST(test_allocation_refused_with_a_text_reaches_salloc_as_rc_msg)
{
    struct client_call cc;
    struct flurm_msg_parts p;

    /* salloc -p nosuch: slurmctld answers slurm_send_rc_err_msg, salloc
     * prints the text, then "Job submit/allocate failed: Invalid partition
     * name specified". */
    store.error = ESLURM_INVALID_PARTITION_NAME;
    store.user_text = "invalid partition specified: nosuch";
    roundtrip_captured(&cc, "salloc_hostname/001-c2s-REQUEST_RESOURCE_ALLOCATION.hex");
    reply_parts(&cc, &p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_SLURM_RC_MSG);
    ck_assert_uint_eq(be32(p.body), ESLURM_INVALID_PARTITION_NAME);
    ck_assert_ptr_nonnull(memmem(p.body, p.body_len, store.user_text, strlen(store.user_text)));
    flurm_msg_parts_free(&p);
    free_call(&cc);
}
END_TEST

START_TEST(test_allocation_from_a_peer_without_an_address_is_refused_before_the_store)
{
    struct client_call cc;
    size_t len;
    uint16_t type;
    uint8_t *body = captured_body("salloc_hostname/001-c2s-REQUEST_RESOURCE_ALLOCATION.hex",
                                  &len, &type);

    /* slurmctld refuses when it cannot name the peer: nobody could
     * reach the client with its allocation. */
    send_request_from(&cc, "?:0", "", type, body, len);
    wait_answer(&cc);
    ck_assert_uint_eq(reply_rc(&cc), RC_SLURM_ERROR);
    ck_assert_int_eq(store.calls, 0);
    free(body);
    free_call(&cc);
}
END_TEST

START_TEST(test_job_ready_goes_to_the_store_and_returns_its_code_as_slurmctld)
{
    struct client_call cc;

    store.answer = answer_as_captured("srun_hostname/004-s2c-RESPONSE_JOB_READY.hex");
    roundtrip_captured(&cc, "srun_hostname/003-c2s-REQUEST_JOB_READY.hex");
    ck_assert_str_eq(store.type, "job.ready");
    assert_stamped(store.body);
    ck_assert_int_gt(msg_int(store.body, "job_id"), 0);
    assert_reply_as_captured(&cc, "srun_hostname/004-s2c-RESPONSE_JOB_READY.hex");
    free_call(&cc);
}
END_TEST

START_TEST(test_job_ready_of_an_unknown_job_is_a_plain_rc)
{
    struct client_call cc;

    /* _slurm_rpc_job_ready: slurm_send_rc_msg(error_code), no text. */
    store.error = ESLURM_INVALID_JOB_ID;
    store.user_text = "not for the client";
    roundtrip_captured(&cc, "salloc_hostname/003-c2s-REQUEST_JOB_READY.hex");
    ck_assert_uint_eq(reply_rc(&cc), ESLURM_INVALID_JOB_ID);
    free_call(&cc);
}
END_TEST

START_TEST(test_allocation_info_goes_to_the_store_and_is_packed_as_slurmctlds)
{
    struct client_call cc;

    store.answer = answer_as_captured("sstat/006-s2c-RESPONSE_JOB_ALLOCATION_INFO.hex");
    roundtrip_captured(&cc, "sstat/005-c2s-REQUEST_JOB_ALLOCATION_INFO.hex");
    ck_assert_str_eq(store.type, "job.alloc_info");
    assert_stamped(store.body);
    ck_assert_int_eq(msg_int(store.body, "job_id"), 7);
    assert_reply_as_captured(&cc, "sstat/006-s2c-RESPONSE_JOB_ALLOCATION_INFO.hex");
    free_call(&cc);
}
END_TEST

START_TEST(test_allocation_info_of_a_finished_job_is_already_done)
{
    struct client_call cc;

    /* srun --jobid=<finished job>: srun prints slurm_strerror(2021). */
    store.error = ESLURM_ALREADY_DONE;
    roundtrip_captured(&cc, "sstat/005-c2s-REQUEST_JOB_ALLOCATION_INFO.hex");
    ck_assert_uint_eq(reply_rc(&cc), ESLURM_ALREADY_DONE);
    free_call(&cc);
}
END_TEST

START_TEST(test_het_job_lookup_is_answered_as_a_list_of_the_one_allocation)
{
    struct client_call cc;
    struct flurm_msg_parts p;
    size_t req_len, alloc_len;
    uint8_t *req = captured_body("sstat/005-c2s-REQUEST_JOB_ALLOCATION_INFO.hex", &req_len, NULL);
    uint8_t *alloc =
        captured_body("sstat/006-s2c-RESPONSE_JOB_ALLOCATION_INFO.hex", &alloc_len, NULL);

    /* srun inside salloc (or with --jobid) calls slurm_het_job_lookup():
     * REQUEST_HET_JOB_ALLOC_INFO has 4014's body, and slurmctld answers
     * from the same job_alloc_info() with a u16-counted list. */
    store.answer = answer_as_captured("sstat/006-s2c-RESPONSE_JOB_ALLOCATION_INFO.hex");
    send_request(&cc, FLURM_REQUEST_HET_JOB_ALLOC_INFO, req, req_len);
    wait_answer(&cc);
    ck_assert_str_eq(store.type, "job.alloc_info");
    assert_stamped(store.body);
    ck_assert_int_eq(msg_int(store.body, "job_id"), 7);
    reply_parts(&cc, &p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_HET_JOB_ALLOCATION);
    ck_assert_uint_eq(p.body_len, 2 + alloc_len);
    ck_assert_uint_eq(p.body[0], 0);
    ck_assert_uint_eq(p.body[1], 1);
    ck_assert_mem_eq(p.body + 2, alloc, alloc_len);
    flurm_msg_parts_free(&p);
    free(req);
    free(alloc);
    free_call(&cc);
}
END_TEST

START_TEST(test_het_job_lookup_of_a_finished_job_is_already_done)
{
    struct client_call cc;
    size_t len;
    uint8_t *req = captured_body("sstat/005-c2s-REQUEST_JOB_ALLOCATION_INFO.hex", &len, NULL);

    /* srun --jobid=<finished job>: "Slurm job N has expired". */
    store.error = ESLURM_ALREADY_DONE;
    send_request(&cc, FLURM_REQUEST_HET_JOB_ALLOC_INFO, req, len);
    wait_answer(&cc);
    ck_assert_uint_eq(reply_rc(&cc), ESLURM_ALREADY_DONE);
    free(req);
    free_call(&cc);
}
END_TEST

START_TEST(test_allocation_complete_goes_to_the_store_and_gets_rc_as_from_slurmctld)
{
    struct client_call cc;

    roundtrip_captured(&cc, "srun_hostname/019-c2s-REQUEST_COMPLETE_JOB_ALLOCATION.hex");
    ck_assert_str_eq(store.type, "job.alloc_complete");
    assert_stamped(store.body);
    ck_assert_int_gt(msg_int(store.body, "job_id"), 0);
    ck_assert(json_is_integer(json_object_get(msg_of(store.body), "job_rc")));
    ck_assert_uint_eq(reply_rc(&cc), 0);
    assert_reply_as_captured(&cc, "srun_hostname/020-s2c-RESPONSE_SLURM_RC.hex");
    free_call(&cc);
}
END_TEST

START_TEST(test_allocation_complete_of_a_finished_job_answers_the_stores_code)
{
    struct client_call cc;

    store.error = ESLURM_ALREADY_DONE;
    roundtrip_captured(&cc, "salloc_hostname/005-c2s-REQUEST_COMPLETE_JOB_ALLOCATION.hex");
    ck_assert_uint_eq(reply_rc(&cc), ESLURM_ALREADY_DONE);
    free_call(&cc);
}
END_TEST

/* ---- steps -------------------------------------------------------------------------- */

START_TEST(test_step_create_goes_to_the_node_manager_and_its_credential_reaches_srun_intact)
{
    struct client_call cc;

    /* The node manager signs the credential: the gateway must pack its
     * answer, signature included, exactly as slurmctld sent it. */
    nodes.answer = answer_as_captured("srun_hostname/006-s2c-RESPONSE_JOB_STEP_CREATE.hex");
    roundtrip_captured(&cc, "srun_hostname/005-c2s-REQUEST_JOB_STEP_CREATE.hex");
    ck_assert_int_eq(store.calls, 0);
    ck_assert_int_eq(nodes.calls, 1);
    ck_assert_str_eq(nodes.type, "step.create");
    assert_stamped(nodes.body);
    /* srun's request as it came: its job, step id NO_VAL (the store picks). */
    ck_assert_int_gt(json_integer_value(json_object_get(
                         json_object_get(msg_of(nodes.body), "step_id"), "job_id")),
                     0);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(msg_of(nodes.body), "step_id"), "step_id")),
                     FLURM_NO_VAL);
    ck_assert_int_eq(msg_int(nodes.body, "num_tasks"), 1);
    assert_reply_as_captured(&cc, "srun_hostname/006-s2c-RESPONSE_JOB_STEP_CREATE.hex");
    free_call(&cc);
}
END_TEST

START_TEST(test_step_create_refused_with_a_text_reaches_srun_as_rc_msg)
{
    struct client_call cc;
    struct flurm_msg_parts p;

    nodes.error = ESLURM_BAD_TASK_COUNT;
    nodes.user_text = "more tasks than CPUs";
    roundtrip_captured(&cc, "srun_hostname/005-c2s-REQUEST_JOB_STEP_CREATE.hex");
    reply_parts(&cc, &p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_SLURM_RC_MSG);
    ck_assert_uint_eq(be32(p.body), ESLURM_BAD_TASK_COUNT);
    flurm_msg_parts_free(&p);
    free_call(&cc);
}
END_TEST

START_TEST(test_step_create_refused_without_a_text_is_a_plain_rc)
{
    struct client_call cc;

    nodes.error = ESLURM_ALREADY_DONE;
    roundtrip_captured(&cc, "srun_hostname/005-c2s-REQUEST_JOB_STEP_CREATE.hex");
    ck_assert_uint_eq(reply_rc(&cc), ESLURM_ALREADY_DONE);
    free_call(&cc);
}
END_TEST

START_TEST(test_step_create_unanswered_is_eagain_before_srun_gives_up)
{
    struct client_call cc;

    start_rpc(0.3);
    nodes.silent = true;
    roundtrip_captured(&cc, "srun_hostname/005-c2s-REQUEST_JOB_STEP_CREATE.hex");
    ck_assert_uint_eq(reply_rc(&cc), EAGAIN);
    free_call(&cc);
}
END_TEST

START_TEST(test_step_complete_goes_to_the_store_and_gets_rc_as_from_slurmctld)
{
    struct client_call cc;

    roundtrip_captured(&cc, "srun_hostname/017-c2s-REQUEST_STEP_COMPLETE.hex");
    ck_assert_str_eq(store.type, "step.complete");
    assert_stamped(store.body);
    ck_assert(json_is_integer(json_object_get(msg_of(store.body), "range_first")));
    ck_assert(json_is_integer(json_object_get(msg_of(store.body), "range_last")));
    ck_assert(json_is_integer(json_object_get(msg_of(store.body), "step_rc")));
    ck_assert_uint_eq(reply_rc(&cc), 0);
    assert_reply_as_captured(&cc, "srun_hostname/018-s2c-RESPONSE_SLURM_RC.hex");
    free_call(&cc);
}
END_TEST

START_TEST(test_step_info_goes_to_the_store_and_is_packed_as_slurmctlds)
{
    struct client_call cc;

    store.answer = answer_as_captured("sstat/004-s2c-RESPONSE_JOB_STEP_INFO.hex");
    roundtrip_captured(&cc, "sstat/003-c2s-REQUEST_JOB_STEP_INFO.hex");
    ck_assert_str_eq(store.type, "step.info");
    assert_stamped(store.body);
    assert_reply_as_captured(&cc, "sstat/004-s2c-RESPONSE_JOB_STEP_INFO.hex");
    free_call(&cc);
}
END_TEST

START_TEST(test_step_info_of_an_unknown_job_answers_the_stores_code)
{
    struct client_call cc;

    store.error = ESLURM_INVALID_JOB_ID;
    roundtrip_captured(&cc, "sstat/003-c2s-REQUEST_JOB_STEP_INFO.hex");
    ck_assert_uint_eq(reply_rc(&cc), ESLURM_INVALID_JOB_ID);
    free_call(&cc);
}
END_TEST

/* REQUEST_CANCEL_JOB_STEP as older scancel sends it: job 7, step 3, SIGKILL. */
static void send_cancel_step(struct client_call *cc)
{
    struct flurm_kill_job_msg k;
    struct flurm_buf *b = flurm_buf_create(128);

    memset(&k, 0, sizeof(k));
    k.step_id.job_id = 7;
    k.step_id.step_id = 3;
    k.step_id.step_het_comp = FLURM_NO_VAL;
    k.signal = 9;
    ck_assert_int_eq(flurm_record_pack(&flurm_rec_kill_job, &k, b, 0x2600), 0);
    send_request(cc, FLURM_REQUEST_CANCEL_JOB_STEP, flurm_buf_data(b), flurm_buf_len(b));
    flurm_buf_destroy(b);
}

START_TEST(test_cancel_step_goes_to_the_store_as_a_kill_of_that_step)
{
    struct client_call cc;
    const json_t *step;

    send_cancel_step(&cc);
    wait_answer(&cc);
    ck_assert_str_eq(store.type, "job.kill");
    assert_stamped(store.body);
    step = json_object_get(msg_of(store.body), "step_id");
    ck_assert_int_eq(json_integer_value(json_object_get(step, "job_id")), 7);
    ck_assert_int_eq(json_integer_value(json_object_get(step, "step_id")), 3);
    ck_assert_int_eq(msg_int(store.body, "signal"), 9);
    ck_assert_int_eq(nodes.calls, 0);
    ck_assert_uint_eq(reply_rc(&cc), 0);
    free_call(&cc);
}
END_TEST

static bool nodes_called(void)
{
    return nodes.calls >= 1;
}

START_TEST(test_cancel_step_answers_then_the_node_manager_delivers_the_signal)
{
    struct client_call cc;

    store.answer = json_pack("{s:i, s:[{s:i, s:i, s:i, s:i, s:s, s:s, s:i, s:i}]}", "rc", 0,
                             "signals", "job_id", 7, "step_id", 3, "signal", 9, "flags", 0,
                             "nodes", "n1", "srun_host", "login1", "srun_port", 33665,
                             "user_id", 1000);
    send_cancel_step(&cc);
    wait_answer(&cc);
    ck_assert_uint_eq(reply_rc(&cc), 0);
    run_until(nodes_called);
    run_until(nothing_handed_off);
    ck_assert_str_eq(nodes.type, "job.signal");
    /* srun's address goes with it: the node manager tells srun too */
    ck_assert(json_equal(nodes.body, json_array_get(json_object_get(store.answer, "signals"), 0)));
    free_call(&cc);
}
END_TEST

/* ---- slurmd's batch completion and the drain it may cause ------------------------- */

START_TEST(test_batch_complete_failure_drains_the_node_before_slurmstepd_is_answered)
{
    struct client_call cc;
    const json_t *a;

    store.answer = json_pack("{s:i, s:{s:s, s:s}}", "rc", 0, "drain", "node", "n1", "reason",
                             "batch job complete failure");
    roundtrip_captured(&cc, "sbatch_script/005-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex");
    ck_assert_str_eq(store.type, "job.complete");
    ck_assert_int_eq(nodes.calls, 1);
    ck_assert_str_eq(nodes.type, "node.update");
    /* The controller's own identity (SlurmUser: root in the lab), not
     * slurmd's body; what drains is what the store named. */
    a = json_object_get(nodes.body, "auth");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "uid")), (json_int_t)bi.slurm_user_id);
    ck_assert(json_is_integer(json_object_get(a, "gid")));
    ck_assert(json_is_integer(json_object_get(nodes.body, "time")));
    ck_assert_str_eq(json_string_value(json_object_get(msg_of(nodes.body), "node_names")), "n1");
    ck_assert_int_eq(msg_int(nodes.body, "node_state"), NODE_STATE_DRAIN);
    ck_assert_str_eq(json_string_value(json_object_get(msg_of(nodes.body), "reason")),
                     "batch job complete failure");
    ck_assert_int_eq(nodes.answers_seen, 0); /* slurmstepd was still waiting */
    ck_assert_uint_eq(reply_rc(&cc), 0);
    free_call(&cc);
}
END_TEST

START_TEST(test_batch_complete_whose_drain_is_refused_still_answers_the_stores_rc)
{
    struct client_call cc;

    store.answer = json_pack("{s:i, s:{s:s, s:s}}", "rc", 0, "drain", "node", "n1", "reason",
                             "batch job complete failure");
    nodes.error = 2002;
    roundtrip_captured(&cc, "sbatch_script/005-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex");
    ck_assert_int_eq(nodes.calls, 1);
    ck_assert_uint_eq(reply_rc(&cc), 0);
    free_call(&cc);
}
END_TEST

START_TEST(test_batch_complete_without_a_drain_asks_no_node)
{
    struct client_call cc;

    roundtrip_captured(&cc, "sbatch_script/005-c2s-REQUEST_COMPLETE_BATCH_SCRIPT.hex");
    ck_assert_int_eq(store.calls, 1);
    ck_assert_int_eq(nodes.calls, 0);
    ck_assert_uint_eq(reply_rc(&cc), 0);
    free_call(&cc);
}
END_TEST

START_TEST(test_routing_table_has_the_step_routes)
{
    static const struct {
        uint16_t type;
        const char *service, *internal;
    } doc[] = {
        {FLURM_REQUEST_RESOURCE_ALLOCATION, "store", "job.allocate"},
        {FLURM_REQUEST_JOB_READY, "store", "job.ready"},
        {FLURM_REQUEST_JOB_ALLOCATION_INFO, "store", "job.alloc_info"},
        {FLURM_REQUEST_HET_JOB_ALLOC_INFO, "store", "job.alloc_info"},
        {FLURM_REQUEST_JOB_STEP_CREATE, "nodes", "step.create"},
        {FLURM_REQUEST_STEP_COMPLETE, "store", "step.complete"},
        {FLURM_REQUEST_COMPLETE_JOB_ALLOCATION, "store", "job.alloc_complete"},
        {FLURM_REQUEST_JOB_STEP_INFO, "store", "step.info"},
        {FLURM_REQUEST_CANCEL_JOB_STEP, "store", "job.kill"},
    };
    const char *svc, *internal;

    for (size_t i = 0; i < sizeof(doc) / sizeof(doc[0]); i++) {
        ck_assert_msg(gw_rpc_route(doc[i].type, &svc, &internal), "type %u", doc[i].type);
        ck_assert_str_eq(svc, doc[i].service);
        ck_assert_str_eq(internal, doc[i].internal);
    }
}
END_TEST

static Suite *steproutes_suite(void)
{
    Suite *s = suite_create("gateway_steproutes");
    TCase *ta = tcase_create("allocation");
    TCase *ts = tcase_create("steps");
    TCase *tb = tcase_create("batch");

    tcase_add_checked_fixture(ta, setup, teardown);
    tcase_set_timeout(ta, 30);
    tcase_add_test(ta, test_allocation_goes_to_the_store_with_the_clients_address_as_peer);
    tcase_add_test(ta, test_srun_allocation_reply_is_packed_as_slurmctlds);
    tcase_add_test(ta, test_allocation_refused_with_a_text_reaches_salloc_as_rc_msg);
    tcase_add_test(ta, test_allocation_from_a_peer_without_an_address_is_refused_before_the_store);
    tcase_add_test(ta, test_job_ready_goes_to_the_store_and_returns_its_code_as_slurmctld);
    tcase_add_test(ta, test_job_ready_of_an_unknown_job_is_a_plain_rc);
    tcase_add_test(ta, test_allocation_info_goes_to_the_store_and_is_packed_as_slurmctlds);
    tcase_add_test(ta, test_allocation_info_of_a_finished_job_is_already_done);
    tcase_add_test(ta, test_het_job_lookup_is_answered_as_a_list_of_the_one_allocation);
    tcase_add_test(ta, test_het_job_lookup_of_a_finished_job_is_already_done);
    tcase_add_test(ta, test_allocation_complete_goes_to_the_store_and_gets_rc_as_from_slurmctld);
    tcase_add_test(ta, test_allocation_complete_of_a_finished_job_answers_the_stores_code);
    tcase_add_test(ta, test_routing_table_has_the_step_routes);
    suite_add_tcase(s, ta);

    tcase_add_checked_fixture(ts, setup, teardown);
    tcase_set_timeout(ts, 30);
    tcase_add_test(ts, test_step_create_goes_to_the_node_manager_and_its_credential_reaches_srun_intact);
    tcase_add_test(ts, test_step_create_refused_with_a_text_reaches_srun_as_rc_msg);
    tcase_add_test(ts, test_step_create_refused_without_a_text_is_a_plain_rc);
    tcase_add_test(ts, test_step_create_unanswered_is_eagain_before_srun_gives_up);
    tcase_add_test(ts, test_step_complete_goes_to_the_store_and_gets_rc_as_from_slurmctld);
    tcase_add_test(ts, test_step_info_goes_to_the_store_and_is_packed_as_slurmctlds);
    tcase_add_test(ts, test_step_info_of_an_unknown_job_answers_the_stores_code);
    tcase_add_test(ts, test_cancel_step_goes_to_the_store_as_a_kill_of_that_step);
    tcase_add_test(ts, test_cancel_step_answers_then_the_node_manager_delivers_the_signal);
    suite_add_tcase(s, ts);

    tcase_add_checked_fixture(tb, setup, teardown);
    tcase_set_timeout(tb, 30);
    tcase_add_test(tb, test_batch_complete_failure_drains_the_node_before_slurmstepd_is_answered);
    tcase_add_test(tb, test_batch_complete_whose_drain_is_refused_still_answers_the_stores_rc);
    tcase_add_test(tb, test_batch_complete_without_a_drain_asks_no_node);
    suite_add_tcase(s, tb);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(steproutes_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
