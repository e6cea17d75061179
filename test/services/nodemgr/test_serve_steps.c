/*
 * test_serve_steps.c - the node manager's side of salloc / srun
 * (docs/steps.md), served for real in one process: flurm-nodemgr's
 * service (nodemgr.h) with a stand-in job store on the same loop, over
 * NNG in a temporary run folder, and stand-in salloc/srun listening on
 * TCP ports of 127.0.0.1.
 *
 *   - step.create goes to the store with the same body and a req_id
 *     derived from the gateway's; the
 *     reply is {msg: step_create_resp} whose credential munged decodes to
 *     exactly its bytes; the store's errors reach the gateway with their
 *     code and user text;
 *   - a RUNNING interactive job's client gets RESPONSE_RESOURCE_ALLOCATION
 *     (job.alloc_info's record, signed for the job's user) once;
 *   - its end: SRUN_JOB_COMPLETE on other_port; a timeout: SRUN_TIMEOUT
 *     then SRUN_JOB_COMPLETE;
 *   - job.signal of one step: REQUEST_SIGNAL_TASKS for that step id; a
 *     SIGKILL also SRUN_JOB_COMPLETE for the step to its srun.
 *
 * munged must run (the credentials are real).
 */
#include <check.h>
#include <munge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test/services/nodemgr/nmtest.h"
#include "test/wire/capture.h"
#include "wire/rec_job.h"
#include "wire/rec_step.h"

/* ---- stand-in job store ---------------------------------------------------- */

struct fake_store {
    json_t *step_reply;    /* step.create's reply body, or NULL: error */
    int step_error;        /* its code */
    json_t *step_request;  /* the last step.create body */
    char step_req_id[128]; /* and its req_id */
    unsigned alloc_infos;  /* job.alloc_info requests */
};

static struct fake_store store;

static void store_step_create(struct flurm_request *req, void *arg)
{
    const char *req_id = flurm_request_req_id(req);

    (void)arg;
    json_decref(store.step_request);
    store.step_request = json_incref(flurm_request_body(req));
    snprintf(store.step_req_id, sizeof(store.step_req_id), "%s", req_id ? req_id : "");
    if (store.step_reply)
        flurm_request_reply(req, json_incref(store.step_reply));
    else
        flurm_request_reply_user_error(req, store.step_error, "Requested node configuration "
                                                              "is not available");
}

static void store_alloc_info(struct flurm_request *req, void *arg)
{
    json_t *msg = json_object_get(flurm_request_body(req), "msg");
    json_int_t job_id = json_integer_value(json_object_get(msg, "job_id"));

    (void)arg;
    store.alloc_infos++;
    flurm_request_reply(req, json_pack("{s:{s:I, s:i, s:s, s:i, s:s, s:i, s:{s:[i], s:[i]},"
                                       " s:I}}",
                                       "msg", "job_id", job_id, "node_cnt", 1, "node_list", "vm",
                                       "error_code", 0, "partition", "debug", "num_cpu_groups", 1,
                                       "cpu_groups", "cpus_per_node", 1, "cpu_count_reps", 1,
                                       "select_plugin_id", (json_int_t)109));
}

static const struct flurm_handler store_handlers[] = {
    {"node.state_list", store_node_list},
    {"job.allocs", store_allocs},
    {"step.create", store_step_create},
    {"job.alloc_info", store_alloc_info},
    {"job.node_fail", store_ok},
    {"job.epilog_complete", store_ok},
    {NULL, NULL},
};

/* ---- the fixture (nmtest.h), MessageTimeout 2 s ---------------------------- */

static void setup(void)
{
    memset(&store, 0, sizeof(store));
    /* every wait here is for something that must come */
    nm_setup("test_serve_steps", store_handlers, 2, true);
}

static void teardown(void)
{
    nm_teardown();
    json_decref(store.step_reply);
    json_decref(store.step_request);
}

/* ---- asking the node manager --------------------------------------------- */

struct answer {
    bool done;
    int errnum;
    bool ok;
    int code;
    char text[256];
    json_t *body;
};

static void answered(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct answer *a = arg;
    const char *user = reply ? flurm_client_user_text(reply) : NULL;

    a->done = true;
    a->errnum = errnum;
    if (!errnum) {
        a->ok = flurm_msg_ok(reply);
        if (a->ok) {
            a->body = json_incref(flurm_msg_body(reply));
        } else {
            a->code = flurm_msg_error_code(reply);
            snprintf(a->text, sizeof(a->text), "%s",
                     user ? user : flurm_msg_error_text(reply));
        }
    }
    flurm_loop_stop(loop);
}

static void ask(const char *type, const char *req_id, json_t *body, struct answer *a)
{
    memset(a, 0, sizeof(*a));
    ck_assert_int_eq(flurm_client_request_full(client, type, req_id, NULL, body, 5.0, answered, a),
                     0);
    while (!a->done)
        run_for(5.0);
    ck_assert_int_eq(a->errnum, 0);
    json_decref(body);
}

/* The captured REQUEST_JOB_STEP_CREATE as the gateway forwards it. */
static json_t *step_create_body(void)
{
    size_t n = 0, len;
    uint8_t *frame = capture_load("srun_hostname/005-c2s-REQUEST_JOB_STEP_CREATE.hex", &n);
    const struct flurm_record *rec = NULL;
    void *obj;
    json_t *msg;

    ck_assert_ptr_nonnull(frame);
    len = (size_t)frame[10] << 24 | (size_t)frame[11] << 16 | (size_t)frame[12] << 8 | frame[13];
    obj = flurm_msg_body_decode(FLURM_PROTO_22_05, FLURM_REQUEST_JOB_STEP_CREATE,
                                frame + n - len, len, &rec, NULL);
    ck_assert_ptr_nonnull(obj);
    msg = flurm_record_to_json(rec, obj);
    flurm_msg_body_destroy(rec, obj);
    free(frame);
    return json_pack("{s:{s:i, s:i}, s:I, s:i, s:o}", "auth", "uid", 0, "gid", 0, "time",
                     (json_int_t)1795630181, "proto", FLURM_PROTO_22_05, "msg", msg);
}

static const char *STEP_REPLY =
    "{\"step\": {\"job_id\": 10, \"step_id\": 0, \"nodes\": \"vm\", \"node_cnt\": 1,"
    " \"task_cnt\": 1, \"task_dist\": 2, \"tasks\": [[0]], \"cpus_per_task\": 1,"
    " \"hosts\": [{\"name\": \"vm\", \"cores\": \"0\", \"cpus\": 1, \"mem\": 4000}]},"
    " \"job\": {\"job_id\": 10, \"user_id\": 0, \"group_id\": 0, \"state\": 1,"
    " \"alloc\": {\"nodes\": \"vm\", \"hosts\": [{\"name\": \"vm\", \"cores\": \"0\","
    " \"cpus\": 1, \"mem\": 4000}]}}}";

START_TEST(step_create_answers_a_signed_credential)
{
    struct answer a;
    struct flurm_step_create_resp r;
    const char *field = NULL;
    void *payload = NULL;
    int plen = 0;
    uid_t uid;
    json_t *sent = step_create_body();

    store.step_reply = json_loads(STEP_REPLY, 0, NULL);
    ck_assert_ptr_nonnull(store.step_reply);
    json_incref(sent);
    ask("step.create", "gateway.1.7", sent, &a);
    ck_assert_msg(a.ok, "step.create failed: %d %s", a.code, a.text);
    /* The store saw the gateway's request: same body, and a req_id of
     * its own derived from the gateway's (which numbers its requests per
     * service: "gateway.1.7" may also be one of its requests to the store). */
    ck_assert(json_equal(store.step_request, sent));
    ck_assert_str_eq(store.step_req_id, "nodes:gateway.1.7");
    json_decref(sent);
    ck_assert_msg(flurm_record_from_json(&flurm_rec_step_create_resp,
                                         json_object_get(a.body, "msg"), &r, &field) == 0,
                  "reply is not a step_create_resp: %s", field ? field : "?");
    ck_assert_uint_eq(r.job_step_id, 0);
    ck_assert_uint_eq(r.use_protocol_ver, FLURM_PROTO_22_05);
    ck_assert_str_eq(r.step_layout->node_list, "vm");
    ck_assert_uint_eq(r.step_layout->tasks[0].tids[0], 0);
    ck_assert_uint_eq(r.switch_plugin_id, 100);
    ck_assert_uint_eq(r.select_plugin_id, 109);
    ck_assert_str_eq(r.cred.body.step_hostlist, "vm");
    ck_assert_str_eq(r.cred.body.job_partition, "debug");
    ck_assert_uint_gt(r.cred.raw_len, 0);
    /* The signature is munged's, of exactly the credential bytes. */
    ck_assert_int_eq(munge_decode(r.cred.signature, NULL, &payload, &plen, &uid, NULL),
                     EMUNGE_SUCCESS);
    ck_assert_int_eq(plen, (int)r.cred.raw_len);
    ck_assert_mem_eq(payload, r.cred.raw, r.cred.raw_len);
    free(payload);
    flurm_record_free(&flurm_rec_step_create_resp, &r);
    json_decref(a.body);
}
END_TEST

START_TEST(step_create_passes_the_store_error_on)
{
    struct answer a;

    store.step_error = 2014; /* ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE */
    ask("step.create", NULL, step_create_body(), &a);
    ck_assert(!a.ok);
    ck_assert_int_eq(a.code, 2014);
    ck_assert_str_eq(a.text, "Requested node configuration is not available");
}
END_TEST

/* A reply the credential cannot be made from is ESLURM_INVALID_JOB_CREDENTIAL. */
START_TEST(step_create_refuses_a_step_outside_the_job)
{
    struct answer a;
    const char *bad = "{\"step\": {\"job_id\": 10, \"step_id\": 0, \"nodes\": \"vm\","
                      " \"task_cnt\": 1, \"task_dist\": 2, \"tasks\": [[0]],"
                      " \"hosts\": [{\"name\": \"vm\", \"cores\": \"1\", \"cpus\": 1,"
                      " \"mem\": 0}]},"
                      " \"job\": {\"job_id\": 10, \"user_id\": 0, \"group_id\": 0,"
                      " \"alloc\": {\"nodes\": \"vm\", \"hosts\": [{\"name\": \"vm\","
                      " \"cores\": \"0\", \"cpus\": 1, \"mem\": 0}]}}}";

    store.step_reply = json_loads(bad, 0, NULL);
    ask("step.create", NULL, step_create_body(), &a);
    ck_assert(!a.ok);
    ck_assert_int_eq(a.code, 2026);
}
END_TEST

/* job.allocs' entry of interactive job 12 on vm in `state`, its client
 * at 127.0.0.1 on the two ports. */
static void set_allocs(unsigned state, uint16_t alloc_port, uint16_t other_port)
{
    char text[1024];
    json_t *event;

    snprintf(text, sizeof(text),
             "[{\"job_id\":12,\"user_id\":0,\"group_id\":0,\"state\":%u,\"batch\":false,"
             " \"launched\":false,\"start_time\":100,\"end_time\":700,"
             " \"resp_host\":\"127.0.0.1\",\"alloc_resp_port\":%u,\"other_port\":%u,"
             " \"completing\":%s,"
             " \"alloc\":{\"nodes\":\"vm\",\"hosts\":[{\"name\":\"vm\",\"cores\":\"0\","
             "\"cpus\":1,\"mem\":4000}]}}]",
             state, alloc_port, other_port, (state & 0x8000) ? "[\"vm\"]" : "[]");
    json_decref(job_allocs);
    job_allocs = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(job_allocs);
    event = json_pack("{s:i}", "job_id", 12);
    flurm_service_publish(store_svc, "job.changed", event);
    json_decref(event);
}

static void wait_for(struct listener *l, size_t count)
{
    while (l->got < count)
        run_for(5.0);
}

START_TEST(allocation_and_end_reach_the_client)
{
    struct listener alloc_port, other_port;

    listener_start(&alloc_port, loop);
    listener_start(&other_port, loop);
    set_allocs(1, alloc_port.port, other_port.port);
    wait_for(&alloc_port, 1);
    ck_assert_uint_eq(alloc_port.types[0], FLURM_RESPONSE_RESOURCE_ALLOCATION);
    ck_assert_uint_eq(alloc_port.restricted[0], 0);
    ck_assert_int_eq(json_integer_value(json_object_get(alloc_port.bodies[0], "job_id")), 12);
    ck_assert_str_eq(json_string_value(json_object_get(alloc_port.bodies[0], "node_list")), "vm");
    /* Another change of the job: the allocation is not sent again. */
    set_allocs(1, alloc_port.port, other_port.port);
    /* salloc released it: COMPLETE|COMPLETING. */
    set_allocs(0x8000 | 3, alloc_port.port, other_port.port);
    wait_for(&other_port, 1);
    ck_assert_uint_eq(other_port.types[0], FLURM_SRUN_JOB_COMPLETE);
    ck_assert_int_eq(json_integer_value(json_object_get(other_port.bodies[0], "job_id")), 12);
    ck_assert_int_eq(json_integer_value(json_object_get(other_port.bodies[0], "step_id")),
                     (json_int_t)FLURM_NO_VAL);
    ck_assert_uint_eq(store.alloc_infos, 1);
    ck_assert_uint_eq(alloc_port.got, 1);
    listener_stop(&alloc_port);
    listener_stop(&other_port);
}
END_TEST

START_TEST(timeout_tells_then_completes)
{
    struct listener other_port;

    listener_start(&other_port, loop);
    set_allocs(0x8000 | 6, 0, other_port.port);
    wait_for(&other_port, 2);
    ck_assert_uint_eq(other_port.types[0], FLURM_SRUN_TIMEOUT);
    ck_assert_int_eq(json_integer_value(json_object_get(other_port.bodies[0], "timeout")), 700);
    ck_assert_uint_eq(other_port.types[1], FLURM_SRUN_JOB_COMPLETE);
    ck_assert_uint_eq(store.alloc_infos, 0);
    listener_stop(&other_port);
}
END_TEST

START_TEST(signal_of_one_step)
{
    struct answer a;
    const json_t *step_id;

    ask("job.signal", NULL,
        json_pack("{s:i, s:i, s:i, s:i, s:s}", "job_id", 12, "step_id", 3, "signal", 9, "flags",
                  0, "nodes", "vm"),
        &a);
    ck_assert_msg(a.ok, "job.signal: %d %s", a.code, a.text);
    json_decref(a.body);
    ck_assert_uint_eq(slurmd.got, 1);
    ck_assert_uint_eq(slurmd.types[0], FLURM_REQUEST_SIGNAL_TASKS);
    step_id = json_object_get(slurmd.bodies[0], "step_id");
    ck_assert_int_eq(json_integer_value(json_object_get(step_id, "job_id")), 12);
    ck_assert_int_eq(json_integer_value(json_object_get(step_id, "step_id")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(slurmd.bodies[0], "signal")), 9);
    ck_assert_int_eq(json_integer_value(json_object_get(slurmd.bodies[0], "flags")), 0);
}
END_TEST

/* job.signal of one step with srun's address (as the store gives it). */
static json_t *step_signal_body(int signal, uint16_t srun_port)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:s, s:s, s:i, s:i}", "job_id", 12, "step_id", 3,
                     "signal", signal, "flags", 0, "nodes", "vm", "srun_host", "vm", "srun_port",
                     (int)srun_port, "user_id", 0);
}

START_TEST(scancel_of_a_step_tells_its_srun)
{
    struct listener srun;
    struct answer a;

    listener_start(&srun, loop);
    /* scancel -s USR1 J.S is for the tasks alone */
    ask("job.signal", NULL, step_signal_body(10, srun.port), &a);
    ck_assert_msg(a.ok, "job.signal: %d %s", a.code, a.text);
    json_decref(a.body);
    /* scancel J.S: the tasks and srun, which kills a step still launching
     * once its tasks start; "vm" is sent to vm's NodeAddr */
    ask("job.signal", NULL, step_signal_body(9, srun.port), &a);
    ck_assert_msg(a.ok, "job.signal: %d %s", a.code, a.text);
    json_decref(a.body);
    wait_for(&srun, 1);
    deadline_fails = false;
    run_all(0.3);
    ck_assert_uint_eq(srun.got, 1);
    ck_assert_uint_eq(srun.types[0], FLURM_SRUN_JOB_COMPLETE);
    ck_assert_int_eq(json_integer_value(json_object_get(srun.bodies[0], "job_id")), 12);
    ck_assert_int_eq(json_integer_value(json_object_get(srun.bodies[0], "step_id")), 3);
    ck_assert_uint_eq(slurmd.got, 2);
    ck_assert_uint_eq(slurmd.types[0], FLURM_REQUEST_SIGNAL_TASKS);
    ck_assert_uint_eq(slurmd.types[1], FLURM_REQUEST_SIGNAL_TASKS);
    listener_stop(&srun);
}
END_TEST

static Suite *serve_steps_suite(void)
{
    Suite *s = suite_create("serve_steps");
    TCase *tc = tcase_create("serve_steps");

    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, step_create_answers_a_signed_credential);
    tcase_add_test(tc, step_create_passes_the_store_error_on);
    tcase_add_test(tc, step_create_refuses_a_step_outside_the_job);
    tcase_add_test(tc, allocation_and_end_reach_the_client);
    tcase_add_test(tc, timeout_tells_then_completes);
    tcase_add_test(tc, signal_of_one_step);
    tcase_add_test(tc, scancel_of_a_step_tells_its_srun);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(serve_steps_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
