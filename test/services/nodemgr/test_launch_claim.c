/*
 * test_launch_claim.c - the node manager claims a batch job's launch
 * (job.launch_claim, docs/running-jobs.md "Node manager") before it asks
 * for the launch information, and a job whose claim another instance
 * holds (the other side of a reload) waits like an inherited job: it is
 * launched only after its batch host registered without it, MessageTimeout
 * after the refusal at the earliest, and then with take_over.  A draining
 * instance (the old side of a reload) sees a launch it started through to
 * the store before it exits: slurmd answers before the job's Prolog runs,
 * so a launch left unrecorded would be launched again by the other side.
 * Served for real in one process: the node manager's service with a
 * stand-in job store on the same loop over NNG, and a stand-in slurmd on
 * a TCP port.
 *
 * munged must run (the stand-in slurmd answers with a credential).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test/services/nodemgr/nmtest.h"
#include "wire/rec_slurmd.h"

/* ---- stand-in job store ---------------------------------------------------- */

#define OTHER "nodes.1.1"

struct fake_store {
    bool grant;              /* job.launch_claim: grant, or refuse as OTHER's */
    unsigned claims;         /* job.launch_claim requests */
    bool last_take_over;     /* the last one's take_over */
    char last_owner[96];     /* and its owner */
    unsigned launch_infos;   /* job.launch_info requests: a launch under way */
    bool launchable;         /* job.launch_info: the captured sbatch as job 20 */
    unsigned launched;       /* job.launched reports */
    unsigned allocs_reads;   /* job.allocs requests */
    bool hold_allocs;        /* defer the next job.allocs, its ticket in held_allocs */
    uint64_t held_allocs;
};

static struct fake_store store;

static void store_claim(struct flurm_request *req, void *arg)
{
    const json_t *body = flurm_request_body(req);
    bool granted = store.grant || json_is_true(json_object_get(body, "take_over"));

    (void)arg;
    store.claims++;
    store.last_take_over = json_is_true(json_object_get(body, "take_over"));
    snprintf(store.last_owner, sizeof(store.last_owner), "%s",
             json_string_value(json_object_get(body, "owner")) ?: "");
    flurm_request_reply(req, json_pack("{s:b, s:s, s:s?}", "granted", granted, "owner",
                                       granted ? store.last_owner : OTHER, "why",
                                       granted ? NULL : "claimed"));
    flurm_loop_stop(loop);
}

static void store_launch_info(struct flurm_request *req, void *arg)
{
    (void)arg;
    store.launch_infos++;
    if (store.launchable)
        flurm_request_reply(req, capture_launch_info(20, 100));
    else /* the node manager reports a failed launch, beside the point */
        flurm_request_reply_error(req, 2017, "Invalid job id specified");
    flurm_loop_stop(loop);
}

static void store_launched(struct flurm_request *req, void *arg)
{
    (void)arg;
    ck_assert_int_eq(json_integer_value(json_object_get(flurm_request_body(req), "job_id")), 20);
    store.launched++;
    flurm_request_reply(req, json_object());
    flurm_loop_stop(loop);
}

static void store_allocs_counted(struct flurm_request *req, void *arg)
{
    store.allocs_reads++;
    if (store.hold_allocs && !store.held_allocs)
        store.held_allocs = flurm_request_defer(req); /* answered by release_allocs() */
    else
        store_allocs(req, arg);
    flurm_loop_stop(loop);
}

/* Answer the job.allocs held by the store. */
static void release_allocs(void)
{
    struct flurm_request *req = flurm_service_deferred(store_svc, store.held_allocs);

    ck_assert_ptr_nonnull(req);
    store.held_allocs = 0;
    store_allocs(req, NULL);
}

static const struct flurm_handler store_handlers[] = {
    {"node.state_list", store_node_list},
    {"job.allocs", store_allocs_counted},
    {"job.launch_claim", store_claim},
    {"job.launch_info", store_launch_info},
    {"job.launched", store_launched},
    {"job.launch_failed", store_ok},
    {"job.node_fail", store_ok},
    {NULL, NULL},
};

/* ---- the fixture (nmtest.h), MessageTimeout 1 s ---------------------------- */

static void setup(void)
{
    memset(&store, 0, sizeof(store));
    /* run_for() returns at its deadline: the tests also wait for what
     * must not happen */
    nm_setup("test_launch_claim", store_handlers, 1, false);
    run_all(0.2); /* the first (empty) job.allocs */
}

static void teardown(void)
{
    if (store.held_allocs)
        release_allocs();
    nm_teardown();
}

/* job.allocs lists batch job 20, RUNNING and not launched, on vm. */
static void list_batch_job(void)
{
    json_decref(job_allocs);
    job_allocs = json_loads(
        "[{\"job_id\":20,\"user_id\":0,\"group_id\":0,\"state\":1,\"batch\":true,"
        " \"launched\":false,\"start_time\":100,\"end_time\":700,\"completing\":[],"
        " \"alloc\":{\"nodes\":\"vm\",\"batch_host\":\"vm\",\"hosts\":[{\"name\":\"vm\","
        "\"cores\":\"0\",\"cpus\":1,\"mem\":100}]}}]",
        0, NULL);
    ck_assert_ptr_nonnull(job_allocs);
}

/* ... and the store says so. */
static void publish_batch_job(void)
{
    json_t *event;

    list_batch_job();
    event = json_pack("{s:i}", "job_id", 20);
    flurm_service_publish(store_svc, "job.changed", event);
    json_decref(event);
}

static bool register_done;

static void registered(const struct flurm_msg *reply, int errnum, void *arg)
{
    (void)arg;
    ck_assert_int_eq(errnum, 0);
    ck_assert(flurm_msg_ok(reply));
    register_done = true;
    flurm_loop_stop(loop);
}

/* vm's slurmd registers, running no job. */
static void register_without_jobs(void)
{
    struct flurm_node_registration r = {
        .timestamp = 1795630000,
        .slurmd_start_time = 1795629950,
        .hostname = "vm",
        .node_name = "vm",
        .arch = "x86_64",
        .os = "Linux 6.1.0",
        .cpus = 2,
        .boards = 1,
        .sockets = 2,
        .cores = 1,
        .threads = 1,
        .real_memory = 4000,
        .up_time = 100,
        .hash_val = FLURM_NO_VAL,
        .version = "22.05.8",
    };
    json_t *msg = flurm_record_to_json(&flurm_rec_node_registration, &r), *body;

    ck_assert_ptr_nonnull(msg);
    body = json_pack("{s:{s:i, s:i}, s:o}", "auth", "uid", 0, "gid", 0, "msg", msg);
    register_done = false;
    ck_assert_int_eq(flurm_client_request(client, "node.register", body, 5.0, registered, NULL),
                     0);
    json_decref(body); /* borrowed by the request */
    while (!register_done)
        run_for(5.0);
}

static size_t slurmd_got(enum flurm_msg_type type)
{
    size_t n = 0;

    for (size_t k = 0; k < slurmd.got && k < MAX_GOT; k++)
        n += slurmd.types[k] == (uint16_t)type;
    return n;
}

/* The body (borrowed) of the first message of `type` vm's slurmd got. */
static const json_t *slurmd_body(enum flurm_msg_type type)
{
    for (size_t k = 0; k < slurmd.got && k < MAX_GOT; k++) {
        if (slurmd.types[k] == (uint16_t)type)
            return slurmd.bodies[k];
    }
    return NULL;
}

/* vm's slurmd registers (without jobs) each time the node manager asks
 * it to, as the real one does, until the store was asked for the launch
 * information of a job or `seconds` passed.  A registration that comes
 * while the node manager re-reads the allocations judges nothing, and it
 * asks again: a test answering only the first ask could wait forever. */
static void register_when_asked_until_launch(double seconds)
{
    size_t asked = 0;
    double end = flurm_loop_now(loop) + seconds;

    while (!store.launch_infos && flurm_loop_now(loop) < end) {
        if (slurmd_got(FLURM_REQUEST_NODE_REGISTRATION_STATUS) > asked) {
            asked = slurmd_got(FLURM_REQUEST_NODE_REGISTRATION_STATUS);
            register_without_jobs();
        }
        run_for(0.1);
    }
}

START_TEST(an_unclaimed_job_is_claimed_by_this_instance_then_launched)
{
    store.grant = true;
    publish_batch_job();
    while (!store.launch_infos)
        run_for(5.0);
    ck_assert_uint_ge(store.claims, 1);
    ck_assert(!store.last_take_over);
    ck_assert_msg(strncmp(store.last_owner, "nodes.", 6) == 0 &&
                      strcmp(store.last_owner, OTHER) != 0,
                  "owner %s", store.last_owner);
}
END_TEST

START_TEST(a_job_claimed_elsewhere_waits_for_its_batch_host_to_register_without_it)
{
    store.grant = false;
    publish_batch_job();
    while (!store.claims)
        run_for(5.0);
    ck_assert(!store.last_take_over);
    /* a registration right away proves nothing: the holder's launch may
     * still be on its way to slurmd */
    register_without_jobs();
    run_all(0.3);
    ck_assert_uint_eq(store.launch_infos, 0);
    ck_assert_uint_eq(store.claims, 1);
    /* once MessageTimeout (1 s) passed, the node manager asks vm to
     * register (at its next job tick); vm registers without the job:
     * taken over, then launched */
    register_when_asked_until_launch(20.0);
    ck_assert_uint_eq(store.launch_infos, 1);
    ck_assert_uint_ge(slurmd_got(FLURM_REQUEST_NODE_REGISTRATION_STATUS), 1);
    ck_assert_uint_eq(store.claims, 2);
    ck_assert(store.last_take_over);
    ck_assert_uint_eq(slurmd_got(FLURM_REQUEST_BATCH_JOB_LAUNCH), 0);
}
END_TEST

/* Whether this instance's sockets are still there: a finished drain
 * removes them (common/service.c) as it stops the loop. */
static bool nodes_instance_serves(void)
{
    char *path = flurm_ipc_instance_path(rundir, "nodes", getpid(), FLURM_IPC_REQ);
    bool there;

    ck_assert_ptr_nonnull(path);
    there = access(path, F_OK) == 0;
    free(path);
    return there;
}

/* The drain begins while the launch is out to a slurmd that has not
 * answered yet: it ends only once slurmd answered and the store recorded
 * the launch (job.launched). */
START_TEST(a_draining_node_manager_sees_its_launch_through_before_it_exits)
{
    const json_t *launch;
    double end;

    store.grant = true;
    store.launchable = true;
    slurmd.hold_next = true; /* a slurmd slow to answer */
    publish_batch_job();
    while (slurmd_got(FLURM_REQUEST_BATCH_JOB_LAUNCH) == 0)
        run_for(5.0);
    launch = slurmd_body(FLURM_REQUEST_BATCH_JOB_LAUNCH);
    ck_assert_int_eq(json_integer_value(json_object_get(launch, "job_id")), 20);
    ck_assert(nodes_instance_serves());

    flurm_service_drain(nodes_svc);
    run_all(0.5);
    ck_assert_msg(nodes_instance_serves(), "the drain ended with the launch unanswered");
    ck_assert_uint_eq(store.launched, 0);

    listener_answer_held(&slurmd);
    while (!store.launched)
        run_for(5.0);
    ck_assert_uint_eq(store.launched, 1);
    end = flurm_loop_now(loop) + 5.0;
    while (nodes_instance_serves() && flurm_loop_now(loop) < end)
        run_for(0.1);
    ck_assert_msg(!nodes_instance_serves(), "the drain did not end once the launch was recorded");
    ck_assert_uint_eq(slurmd_got(FLURM_REQUEST_BATCH_JOB_LAUNCH), 1);
}
END_TEST

/* job.changed as the store publishes it. */
static void publish_change(int job_id, int state)
{
    json_t *event = json_pack("{s:i, s:i, s:i}", "job_id", job_id, "state", state, "log_seq", 1);

    flurm_service_publish(store_svc, "job.changed", event);
    json_decref(event);
}

/* A submission (a pending job this instance does not mirror) changes no
 * allocation: the node manager does not re-read them for it, but does for
 * a job that starts, and for a mirrored job that goes back to pending. */
START_TEST(a_pending_job_it_does_not_mirror_costs_no_allocation_read)
{
    unsigned reads;

    /* Its first read at start, and one more at the first message over its
     * subscription (the store's beat at the latest): a new connection may
     * have missed events (common/pubsub.h).  Counting starts after. */
    while (store.allocs_reads < 2)
        run_for(5.0);
    run_all(0.3);
    reads = store.allocs_reads;
    publish_change(30, 0 /* PENDING */);
    run_all(0.3);
    ck_assert_uint_eq(store.allocs_reads, reads);

    publish_change(30, 1 /* RUNNING */);
    while (store.allocs_reads == reads)
        run_for(5.0);
    ck_assert_uint_eq(store.allocs_reads, reads + 1);

    store.grant = true;
    publish_batch_job(); /* job 20 is mirrored from here on */
    while (store.allocs_reads == reads + 1)
        run_for(5.0);
    run_all(0.3);
    reads = store.allocs_reads;
    publish_change(20, 0 /* PENDING again: requeued */);
    while (store.allocs_reads == reads)
        run_for(5.0);
    ck_assert_uint_eq(store.allocs_reads, reads + 1);
}
END_TEST

/* A job found unlaunched at start (its launcher died with the tree) waits
 * for its batch host to register without it.  A registration that comes
 * while the allocations are being re-read judges nothing (the mirror may
 * be behind); the node manager then asks for another as soon as the read
 * is done, not only at its periodic ask: under load, reads follow one
 * another and the job would otherwise wait (CI saw one wait for good). */
START_TEST(an_inherited_job_asks_again_for_a_registration_that_came_during_a_read)
{
    size_t asked;
    double end;

    ck_assert_uint_eq(store.allocs_reads, 1); /* the first read: job 20, inherited */
    asked = slurmd_got(FLURM_REQUEST_NODE_REGISTRATION_STATUS);
    ck_assert_uint_ge(asked, 1);

    store.grant = true;
    store.hold_allocs = true;
    publish_change(30, 1 /* RUNNING */); /* a read starts, held by the store */
    while (!store.held_allocs)
        run_for(5.0);
    register_without_jobs();
    run_all(0.3);
    ck_assert_uint_eq(store.launch_infos, 0);
    ck_assert_uint_eq(store.claims, 0);

    store.hold_allocs = false;
    release_allocs();
    end = flurm_loop_now(loop) + 3.0; /* well before the periodic ask (10 s) */
    while (slurmd_got(FLURM_REQUEST_NODE_REGISTRATION_STATUS) == asked &&
           flurm_loop_now(loop) < end)
        run_for(0.1);
    ck_assert_msg(slurmd_got(FLURM_REQUEST_NODE_REGISTRATION_STATUS) > asked,
                  "no registration asked for after the read");
    /* vm's slurmd registers (without the job) when asked: launched */
    register_when_asked_until_launch(5.0);
    ck_assert_uint_eq(store.launch_infos, 1);
    ck_assert_uint_eq(store.claims, 1);
    ck_assert(!store.last_take_over);
}
END_TEST

/* As setup(), with batch job 20 in the first job.allocs: found
 * unlaunched at start, it is inherited. */
static void setup_inherited(void)
{
    memset(&store, 0, sizeof(store));
    nm_setup("test_launch_claim", store_handlers, 1, false);
    list_batch_job(); /* before the loop runs: the first read answers it */
    run_all(0.2);
}

static Suite *launch_claim_suite(void)
{
    Suite *s = suite_create("launch_claim");
    TCase *tc = tcase_create("launch_claim"), *ti;

    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, an_unclaimed_job_is_claimed_by_this_instance_then_launched);
    tcase_add_test(tc, a_job_claimed_elsewhere_waits_for_its_batch_host_to_register_without_it);
    tcase_add_test(tc, a_draining_node_manager_sees_its_launch_through_before_it_exits);
    tcase_add_test(tc, a_pending_job_it_does_not_mirror_costs_no_allocation_read);
    suite_add_tcase(s, tc);
    ti = tcase_create("inherited");
    tcase_set_timeout(ti, 30);
    tcase_add_checked_fixture(ti, setup_inherited, teardown);
    tcase_add_test(ti, an_inherited_job_asks_again_for_a_registration_that_came_during_a_read);
    suite_add_tcase(s, ti);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(launch_claim_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
