/*
 * test_steps.c - interactive jobs and job steps in the job store
 * (docs/steps.md): job.allocate, job.ready, job.alloc_info,
 * job.alloc_complete, step.create (ids, node choice, layouts, refusals),
 * step.complete, step.info (with the batch step), step signals through
 * job.kill, permissions, and that steps are durable, replayable and end
 * with their job.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TU_JOB_TABLE
#include "test/services/jobstore/testutil.h"

#define NO_VAL 4294967294LL
#define BATCH_STEP 0xfffffffbLL
#define DIST_CYCLIC 1
#define DIST_UNKNOWN 0x2000
/* two nodes, two CPUs each: the allocation every step test runs in */
#define ALLOC_2X2 \
    "{\"nodes\":\"n[1-2]\",\"hosts\":[" \
    "{\"name\":\"n1\",\"cores\":\"0-1\",\"cpus\":2,\"mem\":500}," \
    "{\"name\":\"n2\",\"cores\":\"0-1\",\"cpus\":2,\"mem\":500}]}"
#define ALLOC_BATCH_N1 \
    "{\"nodes\":\"n1\",\"batch_host\":\"n1\",\"hosts\":[" \
    "{\"name\":\"n1\",\"cores\":\"2\",\"cpus\":1,\"mem\":100}]}"

static int apply_code(json_t *cmd)
{
    json_t *res = apply(cmd);
    int code = tu_code(res);

    json_decref(res);
    return code;
}

/* REQUEST_RESOURCE_ALLOCATION as salloc/srun send it: no script, no
 * environment, the ports they listen on; peer as the gateway adds it. */
static json_t *allocate_cmd(unsigned uid, long long t, const char *req_id)
{
    json_t *c = tu_cmd("job.allocate", uid, uid, t,
                       tu_desc("{\"script\": null, \"environment\": null, \"name\": \"sh\","
                               " \"alloc_resp_port\": 40001, \"other_port\": 40002,"
                               " \"min_nodes\": 2, \"min_cpus\": 4}"),
                       req_id);

    json_object_set_new(c, "peer", json_string("10.0.0.9"));
    return c;
}

static unsigned allocate(unsigned uid)
{
    json_t *res = apply(allocate_cmd(uid, T0, NULL));
    unsigned id = tu_job_id(res);

    json_decref(res);
    return id;
}

static void start(unsigned id, const char *alloc)
{
    json_t *res = apply(start_cmd(id, alloc, T0 + 1, NULL));

    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "started")),
                     1);
    json_decref(res);
}

/* A running interactive job of alice's on ALLOC_2X2. */
static unsigned running_alloc(void)
{
    unsigned id = allocate(U_ALICE);

    start(id, ALLOC_2X2);
    return id;
}

/* REQUEST_JOB_STEP_CREATE as srun sends it: -n tasks, cpu_count = tasks x
 * -c, -N min-max, -m dist; extra (JSON text or NULL) on top. */
static json_t *step_msg(unsigned job, unsigned uid, int tasks, int cpus, int min_nodes,
                        int max_nodes, int dist, const char *extra)
{
    json_t *m = parse(tu_fmt(
        "{\"step_id\": {\"job_id\": %u, \"step_id\": %lld, \"step_het_comp\": %lld},"
        " \"user_id\": %u, \"min_nodes\": %d, \"max_nodes\": %d, \"cpu_count\": %d,"
        " \"num_tasks\": %d, \"task_dist\": %d, \"plane_size\": 65534, \"relative\": 65534,"
        " \"threads_per_core\": 65534, \"resv_port_cnt\": 65534, \"ntasks_per_tres\": 65534,"
        " \"cpu_freq_min\": %lld, \"cpu_freq_max\": %lld, \"cpu_freq_gov\": %lld,"
        " \"time_limit\": 0, \"port\": 33665, \"srun_pid\": 4242, \"host\": \"login1\","
        " \"name\": \"hostname\", \"submit_line\": \"srun hostname\", \"flags\": 0,"
        " \"pn_min_memory\": 0}",
        job, NO_VAL, NO_VAL, uid, min_nodes, max_nodes, cpus, tasks, dist, NO_VAL, NO_VAL,
        NO_VAL));

    if (extra) {
        json_t *o = parse(extra);

        json_object_update(m, o);
        json_decref(o);
    }
    return m;
}

static json_t *step_cmd(unsigned auth_uid, json_t *msg, long long t, const char *req_id)
{
    return tu_cmd("step.create", auth_uid, auth_uid, t, msg, req_id);
}

/* Create a step; the result (caller decrefs). */
static json_t *step_create(unsigned job, int tasks, int cpus, int min_nodes, int max_nodes,
                           int dist, const char *extra)
{
    return apply(step_cmd(U_ALICE, step_msg(job, U_ALICE, tasks, cpus, min_nodes, max_nodes,
                                             dist, extra),
                          T0 + 2, NULL));
}

static const json_t *step_of(const json_t *res)
{
    tu_assert_code(res, 0);
    return json_object_get(json_object_get(res, "body"), "step");
}

/* The layout of a created step as text: "[[0,1],[2,3]]". */
static char *tasks_text(const json_t *res)
{
    return json_dumps(json_object_get(step_of(res), "tasks"), JSON_COMPACT);
}

static void assert_layout(json_t *res, const char *nodes, const char *tasks)
{
    char *text = tasks_text(res);

    ck_assert_str_eq(tu_str(step_of(res), "nodes"), nodes);
    ck_assert_str_eq(text, tasks);
    free(text);
    json_decref(res);
}

static json_t *query(const char *type, unsigned uid, json_t *msg)
{
    json_t *body = json_pack("{s:{s:I, s:I}, s:o}", "auth", "uid", (json_int_t)uid, "gid",
                             (json_int_t)uid, "msg", msg);
    json_t *res = jobs_query(jobs, type, body, (double)(T0 + 10));

    ck_assert_ptr_nonnull(res);
    json_decref(body);
    return res;
}

static json_t *step_info(unsigned uid, long long job_id, long long step_id)
{
    return query("step.info", uid,
                 json_pack("{s:I, s:{s:I, s:I, s:I}, s:i}", "last_update", (json_int_t)0,
                           "step_id", "job_id", (json_int_t)job_id, "step_id",
                           (json_int_t)step_id, "step_het_comp", (json_int_t)NO_VAL,
                           "show_flags", 0));
}

static const json_t *info_steps(const json_t *res)
{
    tu_assert_code(res, 0);
    return json_object_get(json_object_get(json_object_get(res, "body"), "msg"), "steps");
}

static json_t *complete_step_cmd(unsigned uid, unsigned job, long long step, int first, int last,
                                 int rc)
{
    return tu_cmd("step.complete", uid, uid, T0 + 5,
                  json_pack("{s:{s:I, s:I, s:I}, s:i, s:i, s:i, s:n}", "step_id", "job_id",
                            (json_int_t)job, "step_id", (json_int_t)step, "step_het_comp",
                            (json_int_t)NO_VAL, "range_first", first, "range_last", last,
                            "step_rc", rc, "jobacct"),
                  NULL);
}

static json_t *kill_cmd(unsigned uid, const char *sjob_id, int signal)
{
    json_t *k = tu_kill(sjob_id);

    json_object_set_new(k, "signal", json_integer(signal));
    return tu_cmd("job.kill", uid, uid, T0 + 6, k, NULL);
}

static long long job_state(unsigned id)
{
    json_t *ji = jobs_job_info(jobs, id, 0, (double)(T0 + 10));
    long long v = tu_int(ji, "job_state");

    json_decref(ji);
    return v;
}

/* ---- allocations ------------------------------------------------------------ */

START_TEST(allocate_then_start_gives_alloc_info_with_nodes_and_cpu_groups)
{
    json_t *res = apply(allocate_cmd(U_ALICE, T0, NULL)), *msg, *allocs, *entry;
    unsigned id = tu_job_id(res);

    /* pending: the reply has the id and no nodes yet */
    msg = json_object_get(json_object_get(res, "body"), "msg");
    ck_assert_int_eq(tu_int(msg, "node_cnt"), 0);
    ck_assert_int_eq(tu_int(msg, "error_code"), 0);
    ck_assert(json_is_null(json_object_get(msg, "node_list")));
    json_decref(res);
    res = query("job.alloc_info", U_ALICE, json_pack("{s:i}", "job_id", (int)id));
    tu_assert_code(res, 2024); /* ESLURM_JOB_PENDING */
    json_decref(res);

    start(id, ALLOC_2X2);
    res = query("job.alloc_info", U_ALICE, json_pack("{s:i}", "job_id", (int)id));
    msg = json_object_get(json_object_get(res, "body"), "msg");
    tu_assert_code(res, 0);
    ck_assert_str_eq(tu_str(msg, "node_list"), "n[1-2]");
    ck_assert_int_eq(tu_int(msg, "node_cnt"), 2);
    ck_assert_str_eq(tu_str(msg, "batch_host"), "n1"); /* slurmctld names the first node */
    ck_assert_str_eq(tu_str(msg, "partition"), "batch");
    ck_assert_int_eq(tu_int(msg, "num_cpu_groups"), 1);
    ck_assert_int_eq(json_integer_value(json_array_get(
                         json_object_get(json_object_get(msg, "cpu_groups"), "cpus_per_node"), 0)),
                     2);
    ck_assert_int_eq(json_integer_value(json_array_get(
                         json_object_get(json_object_get(msg, "cpu_groups"), "cpu_count_reps"),
                         0)),
                     2);
    json_decref(res);

    /* the node manager learns where salloc listens */
    allocs = jobs_allocs(jobs, seq);
    entry = json_array_get(json_object_get(json_object_get(allocs, "body"), "jobs"), 0);
    ck_assert(json_is_false(json_object_get(entry, "batch")));
    ck_assert_str_eq(tu_str(entry, "resp_host"), "10.0.0.9");
    ck_assert_int_eq(tu_int(entry, "alloc_resp_port"), 40001);
    ck_assert_int_eq(tu_int(entry, "other_port"), 40002);
    json_decref(allocs);
}
END_TEST

/* salloc -I whose job could not start: the job fails, the answer is
 * slurmctld's error, and job.allocs lists it as revoked for a minute so the
 * node manager tells salloc ("Job allocation N has been revoked"). */
START_TEST(an_immediate_allocation_that_cannot_start_fails_and_is_revoked)
{
    unsigned id = allocate(U_ALICE);
    json_t *res, *revoked;

    res = apply(svc_cmd("job.immediate_fail", T0 + 1, json_pack("{s:i}", "job_id", (int)id),
                        NULL));
    tu_assert_code(res, 0);
    /* ESLURM_NODES_BUSY: the nodes are up, only taken; salloc is told first */
    ck_assert_int_eq(tu_int(json_object_get(res, "body"), "rc"), 2016);
    ck_assert_int_eq(tu_int(json_object_get(json_object_get(res, "body"), "revoke"), "job_id"),
                     id);
    ck_assert_int_eq(
        tu_int(json_object_get(json_object_get(res, "body"), "revoke"), "other_port"), 40002);
    json_decref(res);
    ck_assert_int_eq(job_state(id), 5 /* FAILED */);
    ck_assert_int_eq(apply_code(svc_cmd("job.immediate_fail", T0 + 2,
                                        json_pack("{s:i}", "job_id", (int)id), NULL)),
                     2021); /* already done: nothing changes twice */
    res = jobs_allocs(jobs, seq);
    revoked = json_object_get(json_object_get(res, "body"), "revoked");
    ck_assert_int_eq(json_array_size(revoked), 1);
    ck_assert_int_eq(tu_int(json_array_get(revoked, 0), "job_id"), id);
    ck_assert_str_eq(tu_str(json_array_get(revoked, 0), "resp_host"), "10.0.0.9");
    ck_assert_int_eq(tu_int(json_array_get(revoked, 0), "other_port"), 40002);
    json_decref(res);
    /* a minute after the table's last change it is no longer listed */
    ck_assert_uint_gt(allocate(U_ALICE), id);
    json_decref(apply(svc_cmd("job.immediate_fail", T0 + 62,
                              json_pack("{s:i}", "job_id", (int)id + 1), NULL)));
    res = jobs_allocs(jobs, seq);
    revoked = json_object_get(json_object_get(res, "body"), "revoked");
    ck_assert_int_eq(json_array_size(revoked), 1);
    ck_assert_int_eq(tu_int(json_array_get(revoked, 0), "job_id"), id + 1);
    json_decref(res);
}
END_TEST

START_TEST(ready_is_7_for_a_running_job_and_only_the_prolog_bit_before)
{
    unsigned id = allocate(U_ALICE);
    json_t *res = query("job.ready", U_ALICE, json_pack("{s:i}", "job_id", (int)id));

    /* job_node_ready of a pending job: READY_PROLOG_STATE only */
    ck_assert_int_eq(tu_int(json_object_get(json_object_get(res, "body"), "msg"), "return_code"),
                     4);
    json_decref(res);
    start(id, ALLOC_2X2);
    res = query("job.ready", U_ALICE, json_pack("{s:i}", "job_id", (int)id));
    ck_assert_int_eq(tu_int(json_object_get(json_object_get(res, "body"), "msg"), "return_code"),
                     7);
    json_decref(res);
    res = query("job.ready", U_ALICE, json_pack("{s:i}", "job_id", 9999));
    tu_assert_code(res, ESLURM_INVALID_JOB_ID);
    json_decref(res);
}
END_TEST

START_TEST(alloc_complete_ends_the_job_completing_on_every_host)
{
    unsigned id = running_alloc(), waiting = allocate(U_ALICE);
    json_t *msg = json_pack("{s:i, s:i}", "job_id", (int)id, "job_rc", 0), *res;

    /* someone else's allocation: job_complete's 2010 */
    ck_assert_int_eq(apply_code(tu_cmd("job.alloc_complete", U_BOB, U_BOB, T0 + 3,
                                       json_deep_copy(msg), NULL)),
                     ESLURM_USER_ID_MISSING);
    ck_assert_int_eq(apply_code(tu_cmd("job.alloc_complete", U_ALICE, U_ALICE, T0 + 3,
                                       json_deep_copy(msg), NULL)),
                     0);
    ck_assert_int_eq(job_state(id), JOB_COMPLETE | JOB_COMPLETING);
    ck_assert_int_eq(apply_code(tu_cmd("job.alloc_complete", U_ALICE, U_ALICE, T0 + 4, msg, NULL)),
                     ESLURM_ALREADY_DONE);
    res = query("job.alloc_info", U_ALICE, json_pack("{s:i}", "job_id", (int)id));
    tu_assert_code(res, ESLURM_ALREADY_DONE);
    json_decref(res);
    /* salloc interrupted while it waited: the allocation is cancelled */
    ck_assert_int_eq(apply_code(tu_cmd("job.alloc_complete", U_ALICE, U_ALICE, T0 + 4,
                                       json_pack("{s:i, s:i}", "job_id", (int)waiting, "job_rc",
                                                 0),
                                       NULL)),
                     0);
    ck_assert_int_eq(job_state(waiting), JOB_CANCELLED);
}
END_TEST

/* ---- step creation ---------------------------------------------------------- */

START_TEST(step_ids_increase_from_zero)
{
    unsigned id = running_alloc();

    for (long long want = 0; want < 3; want++) {
        json_t *res = step_create(id, 1, 1, 1, 1, DIST_UNKNOWN, NULL);

        ck_assert_int_eq(tu_int(step_of(res), "step_id"), want);
        json_decref(res);
    }
}
END_TEST

START_TEST(block_layout_fills_each_node_before_the_next)
{
    unsigned id = running_alloc();
    json_t *res = step_create(id, 4, 4, 2, 2, DIST_UNKNOWN, NULL);

    ck_assert_int_eq(tu_int(step_of(res), "task_cnt"), 4);
    ck_assert_int_eq(tu_int(step_of(res), "task_dist"), 2); /* unknown becomes block */
    assert_layout(res, "n[1-2]", "[[0,1],[2,3]]");
}
END_TEST

START_TEST(cyclic_layout_deals_tasks_round_the_nodes)
{
    unsigned id = running_alloc();

    assert_layout(step_create(id, 4, 4, 2, 2, DIST_CYCLIC, NULL), "n[1-2]", "[[0,2],[1,3]]");
}
END_TEST

START_TEST(one_node_two_tasks_uses_the_first_node)
{
    unsigned id = running_alloc();
    json_t *res = step_create(id, 2, 2, 1, 1, DIST_UNKNOWN, NULL);
    const json_t *hosts = json_object_get(step_of(res), "hosts");

    ck_assert_int_eq(tu_int(step_of(res), "node_cnt"), 1);
    ck_assert_int_eq(json_array_size(hosts), 1);
    ck_assert_str_eq(tu_str(json_array_get(hosts, 0), "cores"), "0-1");
    assert_layout(res, "n1", "[[0,1]]");
}
END_TEST

START_TEST(cpus_per_task_and_tasks_per_node_spread_the_tasks)
{
    unsigned id = running_alloc();
    json_t *res = step_create(id, 2, 4, 2, 2, DIST_UNKNOWN, NULL); /* -n2 -c2 */

    ck_assert_int_eq(tu_int(step_of(res), "cpus_per_task"), 2);
    assert_layout(res, "n[1-2]", "[[0],[1]]");
    /* --ntasks-per-node=1 travels as plane_size without -m plane */
    assert_layout(step_create(id, 2, 2, 2, 2, DIST_UNKNOWN, "{\"plane_size\": 1}"), "n[1-2]",
                  "[[0],[1]]");
}
END_TEST

START_TEST(node_list_and_exclude_choose_the_nodes)
{
    unsigned id = running_alloc();
    json_t *res;

    assert_layout(step_create(id, 1, 1, 1, 1, DIST_UNKNOWN, "{\"node_list\": \"n2\"}"), "n2",
                  "[[0]]");
    /* n2 now runs step 0, so an idle node goes first; excluding n1 leaves n2 */
    assert_layout(step_create(id, 1, 1, 1, 1, DIST_UNKNOWN, "{\"exc_nodes\": \"n1\"}"), "n2",
                  "[[0]]");
    /* a node the job does not hold, and one slurm.conf does not know */
    res = step_create(id, 1, 1, 1, 1, DIST_UNKNOWN, "{\"node_list\": \"big1\"}");
    tu_assert_code(res, ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
    json_decref(res);
    res = step_create(id, 1, 1, 1, 1, DIST_UNKNOWN, "{\"exc_nodes\": \"nosuch\"}");
    tu_assert_code(res, ESLURM_INVALID_NODE_NAME);
    json_decref(res);
}
END_TEST

START_TEST(more_tasks_than_the_allocation_holds_are_refused)
{
    unsigned id = running_alloc();
    json_t *res = step_create(id, 5, 5, 2, 2, DIST_UNKNOWN, NULL);

    tu_assert_code(res, ESLURM_TOO_MANY_REQUESTED_CPUS);
    json_decref(res);
    /* on one node: 3 CPUs asked of a node that has 2 */
    res = step_create(id, 3, 3, 1, 1, DIST_UNKNOWN, NULL);
    tu_assert_code(res, ESLURM_TOO_MANY_REQUESTED_CPUS);
    json_decref(res);
    res = step_create(id, 0, 0, 1, 1, DIST_UNKNOWN, NULL);
    tu_assert_code(res, ESLURM_BAD_TASK_COUNT);
    json_decref(res);
    /* --overcommit asks no CPUs: the tasks share them */
    assert_layout(step_create(id, 6, 6, 2, 2, DIST_UNKNOWN, "{\"flags\": 4}"), "n[1-2]",
                  "[[0,1,2],[3,4,5]]");
}
END_TEST

START_TEST(steps_only_in_running_jobs_of_their_owner)
{
    unsigned id = allocate(U_ALICE);
    json_t *res;

    /* pending: slurmctld's ESLURM_DUPLICATE_JOB_ID */
    res = step_create(id, 1, 1, 1, 1, DIST_UNKNOWN, NULL);
    tu_assert_code(res, ESLURM_DUPLICATE_JOB_ID);
    json_decref(res);
    start(id, ALLOC_2X2);
    /* bob for himself in alice's job, and bob claiming to be alice */
    ck_assert_int_eq(apply_code(step_cmd(U_BOB, step_msg(id, U_BOB, 1, 1, 1, 1, DIST_UNKNOWN, NULL),
                                         T0 + 2, NULL)),
                     ESLURM_ACCESS_DENIED);
    ck_assert_int_eq(apply_code(step_cmd(U_BOB,
                                         step_msg(id, U_ALICE, 1, 1, 1, 1, DIST_UNKNOWN, NULL),
                                         T0 + 2, NULL)),
                     ESLURM_USER_ID_MISSING);
    ck_assert_int_eq(apply_code(step_cmd(U_ALICE,
                                         step_msg(9999, U_ALICE, 1, 1, 1, 1, DIST_UNKNOWN, NULL),
                                         T0 + 2, NULL)),
                     ESLURM_INVALID_JOB_ID);
    /* after the end */
    ck_assert_int_eq(apply_code(tu_cmd("job.alloc_complete", U_ALICE, U_ALICE, T0 + 3,
                                       json_pack("{s:i, s:i}", "job_id", (int)id, "job_rc", 0),
                                       NULL)),
                     0);
    res = step_create(id, 1, 1, 1, 1, DIST_UNKNOWN, NULL);
    tu_assert_code(res, ESLURM_ALREADY_DONE);
    json_decref(res);
}
END_TEST

/* ---- completion, listing, signals ------------------------------------------- */

START_TEST(step_complete_of_every_node_finishes_the_step)
{
    unsigned id = running_alloc();
    json_t *res = step_create(id, 4, 4, 2, 2, DIST_UNKNOWN, NULL);

    json_decref(res);
    /* another user's report is refused */
    ck_assert_int_eq(apply_code(complete_step_cmd(U_BOB, id, 0, 0, 1, 0)),
                     ESLURM_USER_ID_MISSING);
    res = apply(complete_step_cmd(U_ROOT, id, 0, 0, 0, 0)); /* slurmstepd of n1 */
    ck_assert(json_is_false(json_object_get(json_object_get(res, "body"), "finished")));
    json_decref(res);
    res = step_info(U_ALICE, id, NO_VAL);
    ck_assert_int_eq(json_array_size(info_steps(res)), 1);
    json_decref(res);
    res = apply(complete_step_cmd(U_SLURM, id, 0, 1, 1, 3)); /* n2, exit 3 */
    ck_assert(json_is_true(json_object_get(json_object_get(res, "body"), "finished")));
    json_decref(res);
    res = step_info(U_ALICE, id, NO_VAL);
    ck_assert_int_eq(json_array_size(info_steps(res)), 0);
    json_decref(res);
    /* the batch step and an unknown one are not recorded steps */
    ck_assert_int_eq(apply_code(complete_step_cmd(U_ALICE, id, BATCH_STEP, 0, 0, 0)),
                     ESLURM_INVALID_JOB_ID);
    ck_assert_int_eq(apply_code(complete_step_cmd(U_ALICE, id, 7, 0, 0, 0)),
                     ESLURM_INVALID_JOB_ID);
    ck_assert_int_eq(job_state(id), JOB_RUNNING);
}
END_TEST

START_TEST(step_info_lists_the_running_steps_and_the_batch_step)
{
    unsigned inter = running_alloc(), batch;
    json_t *res = apply(tu_cmd("job.submit", U_BOB, U_BOB, T0, tu_desc(NULL), NULL));
    const json_t *steps, *st;

    batch = tu_job_id(res);
    json_decref(res);
    start(batch, ALLOC_BATCH_N1);
    json_decref(step_create(inter, 2, 2, 1, 1, DIST_UNKNOWN, NULL));

    res = step_info(U_ALICE, NO_VAL, NO_VAL);
    steps = info_steps(res);
    ck_assert_int_eq(json_array_size(steps), 2);
    st = json_array_get(steps, 0); /* jobs in id order: the allocation's step 0 */
    ck_assert_int_eq(tu_int(json_object_get(st, "step_id"), "job_id"), inter);
    ck_assert_int_eq(tu_int(json_object_get(st, "step_id"), "step_id"), 0);
    ck_assert_str_eq(tu_str(st, "nodes"), "n1");
    ck_assert_str_eq(tu_str(st, "name"), "hostname");
    ck_assert_str_eq(tu_str(st, "srun_host"), "login1");
    ck_assert_int_eq(tu_int(st, "num_tasks"), 2);
    ck_assert_int_eq(tu_int(st, "state"), JOB_RUNNING);
    ck_assert_int_eq(tu_int(st, "run_time"), 8); /* created at T0+2, asked at T0+10 */
    st = json_array_get(steps, 1); /* bob's batch job: N.batch, as slurmctld shows it */
    ck_assert_int_eq(tu_int(json_object_get(st, "step_id"), "job_id"), batch);
    ck_assert_int_eq(tu_int(json_object_get(st, "step_id"), "step_id"), BATCH_STEP);
    ck_assert_str_eq(tu_str(st, "name"), "batch");
    ck_assert_str_eq(tu_str(st, "nodes"), "n1");
    ck_assert_int_eq(tu_int(st, "num_tasks"), 1);
    ck_assert_int_eq(tu_int(st, "num_cpus"), 0);
    ck_assert_int_eq(tu_int(st, "time_limit"), 0xffffffffLL);
    json_decref(res);

    /* one job, one step; an unknown job is 2017 */
    res = step_info(U_ALICE, batch, BATCH_STEP);
    ck_assert_int_eq(json_array_size(info_steps(res)), 1);
    json_decref(res);
    res = step_info(U_ALICE, 9999, NO_VAL);
    tu_assert_code(res, ESLURM_INVALID_JOB_ID);
    json_decref(res);
}
END_TEST

START_TEST(kill_of_a_step_signals_only_that_step)
{
    unsigned id = running_alloc();
    json_t *res, *sig;

    json_decref(step_create(id, 1, 1, 1, 1, DIST_UNKNOWN, "{\"node_list\": \"n1\"}"));
    json_decref(step_create(id, 1, 1, 1, 1, DIST_UNKNOWN, "{\"node_list\": \"n2\"}"));
    res = apply(kill_cmd(U_ALICE, tu_fmt("%u.1", id), 9));
    tu_assert_code(res, 0);
    sig = json_array_get(json_object_get(json_object_get(res, "body"), "signals"), 0);
    ck_assert_int_eq(tu_int(sig, "job_id"), id);
    ck_assert_int_eq(tu_int(sig, "step_id"), 1);
    ck_assert_int_eq(tu_int(sig, "signal"), 9);
    ck_assert_str_eq(tu_str(sig, "nodes"), "n2");
    /* SIGKILL also goes to the step's srun (srun_step_complete), which
     * kills a step that was still launching once its tasks start */
    ck_assert_str_eq(tu_str(sig, "srun_host"), "login1");
    ck_assert_int_eq(tu_int(sig, "srun_port"), 33665);
    ck_assert_int_eq(tu_int(sig, "user_id"), U_ALICE);
    json_decref(res);
    /* any other signal is for the tasks alone */
    res = apply(kill_cmd(U_ALICE, tu_fmt("%u.1", id), 10));
    sig = json_array_get(json_object_get(json_object_get(res, "body"), "signals"), 0);
    ck_assert_int_eq(tu_int(sig, "signal"), 10);
    ck_assert_ptr_null(json_object_get(sig, "srun_host"));
    ck_assert_ptr_null(json_object_get(sig, "srun_port"));
    json_decref(res);
    /* the job and its steps go on until slurmstepd reports the end */
    ck_assert_int_eq(job_state(id), JOB_RUNNING);
    res = step_info(U_ALICE, id, NO_VAL);
    ck_assert_int_eq(json_array_size(info_steps(res)), 2);
    json_decref(res);
    /* the step in step_id (REQUEST_CANCEL_JOB_STEP's form) */
    {
        json_t *k = tu_kill("unused");

        json_object_set_new(k, "sjob_id", json_null());

        json_object_set_new(k, "step_id", json_pack("{s:i, s:i, s:I}", "job_id", (int)id,
                                                    "step_id", 0, "step_het_comp",
                                                    (json_int_t)NO_VAL));
        res = apply(tu_cmd("job.kill", U_ALICE, U_ALICE, T0 + 6, k, NULL));
        ck_assert_str_eq(tu_str(json_array_get(json_object_get(json_object_get(res, "body"), "signals"), 0),
                                "nodes"),
                         "n1");
        json_decref(res);
    }
    ck_assert_int_eq(apply_code(kill_cmd(U_BOB, tu_fmt("%u.1", id), 9)), ESLURM_USER_ID_MISSING);
    ck_assert_int_eq(apply_code(kill_cmd(U_ALICE, tu_fmt("%u.5", id), 9)),
                     ESLURM_INVALID_JOB_ID);
}
END_TEST

START_TEST(steps_end_with_their_job)
{
    unsigned id = running_alloc();
    json_t *res, *saved;

    json_decref(step_create(id, 4, 4, 2, 2, DIST_UNKNOWN, NULL));
    ck_assert_int_eq(apply_code(kill_cmd(U_ALICE, tu_fmt("%u", id), 9)), 0);
    ck_assert_int_eq(job_state(id), JOB_CANCELLED | JOB_COMPLETING);
    res = step_info(U_ALICE, id, NO_VAL);
    ck_assert_int_eq(json_array_size(info_steps(res)), 0);
    json_decref(res);
    /* the record stays, ended with the job */
    saved = jobs_job_save(jobs, id);
    ck_assert_int_eq(json_array_size(json_object_get(saved, "steps")), 1);
    ck_assert_int_eq(tu_int(json_array_get(json_object_get(saved, "steps"), 0), "state"),
                     JOB_CANCELLED);
    ck_assert_int_eq(tu_int(json_array_get(json_object_get(saved, "steps"), 0), "end_time"),
                     T0 + 6);
    json_decref(saved);
}
END_TEST

START_TEST(a_row_from_before_steps_loads_with_none)
{
    unsigned id = running_alloc();
    json_t *saved = jobs_job_save(jobs, id), *res;
    struct jobs *again = jobs_create(site);

    ck_assert_ptr_null(json_object_get(saved, "steps"));
    json_object_del(saved, "resp_host");
    ck_assert_int_eq(jobs_job_load(again, saved), 0);
    json_decref(saved);
    jobs_destroy(jobs);
    jobs = again;
    res = step_create(id, 1, 1, 1, 1, DIST_UNKNOWN, NULL);
    ck_assert_int_eq(tu_int(step_of(res), "step_id"), 0);
    json_decref(res);
}
END_TEST

START_TEST(private_data_hides_others_allocations)
{
    unsigned id;
    json_t *res;

    teardown();
    site = tu_site("PrivateData=jobs\n");
    jobs = jobs_create(site);
    id = running_alloc();
    res = query("job.alloc_info", U_BOB, json_pack("{s:i}", "job_id", (int)id));
    tu_assert_code(res, ESLURM_ACCESS_DENIED);
    json_decref(res);
    json_decref(step_create(id, 1, 1, 1, 1, DIST_UNKNOWN, NULL));
    res = step_info(U_BOB, NO_VAL, NO_VAL);
    ck_assert_int_eq(json_array_size(info_steps(res)), 0);
    json_decref(res);
}
END_TEST

/* ---- durability ------------------------------------------------------------- */

/* An allocation with steps 0 (ended) and 1 (running) in store st. */
static unsigned store_job_with_steps(struct store *st)
{
    json_t *res = apply1(st, allocate_cmd(U_ALICE, T0, "a1"));
    unsigned id = tu_job_id(res);

    json_decref(res);
    json_decref(apply1(st, start_cmd(id, ALLOC_2X2, T0 + 1, "a2")));
    json_decref(apply1(st, step_cmd(U_ALICE, step_msg(id, U_ALICE, 4, 4, 2, 2, DIST_CYCLIC,
                                                       NULL),
                                     T0 + 2, "a3")));
    json_decref(apply1(st, step_cmd(U_ALICE, step_msg(id, U_ALICE, 1, 1, 1, 1, DIST_UNKNOWN,
                                                       NULL),
                                     T0 + 2, "a4")));
    json_decref(apply1(st, complete_step_cmd(U_ROOT, id, 0, 0, 1, 0)));
    return id;
}

START_TEST(a_restart_keeps_the_steps_and_the_next_step_id)
{
    struct store *st = open_at(path);
    unsigned id = store_job_with_steps(st);
    json_t *res, *again, *body;

    /* a re-sent step.create is the same step, not a new one */
    again = apply1(st, step_cmd(U_ALICE, step_msg(id, U_ALICE, 1, 1, 1, 1, DIST_UNKNOWN, NULL),
                                T0 + 2, "a4"));
    ck_assert_int_eq(tu_int(step_of(again), "step_id"), 1);
    json_decref(again);
    store_close(st);

    st = open_at(path);
    body = json_pack("{s:{s:{s:I, s:I, s:I}}}", "msg", "step_id", "job_id", (json_int_t)id,
                     "step_id", (json_int_t)NO_VAL, "step_het_comp", (json_int_t)NO_VAL);
    res = jobs_query(store_jobs(st), "step.info", body, (double)(T0 + 10));
    json_decref(body);
    ck_assert_ptr_nonnull(res);
    ck_assert_int_eq(json_array_size(info_steps(res)), 1); /* step 1 runs, step 0 ended */
    ck_assert_int_eq(tu_int(json_object_get(json_array_get(info_steps(res), 0), "step_id"),
                            "step_id"),
                     1);
    json_decref(res);
    res = apply1(st, step_cmd(U_ALICE, step_msg(id, U_ALICE, 1, 1, 1, 1, DIST_UNKNOWN, NULL),
                              T0 + 3, "a6"));
    ck_assert_int_eq(tu_int(step_of(res), "step_id"), 2);
    json_decref(res);
    store_close(st);
}
END_TEST

START_TEST(the_log_of_steps_replays_into_the_same_state)
{
    struct store *st = open_at(path), *other;
    unsigned id = store_job_with_steps(st);
    char other_path[160], *x, *y;

    json_decref(apply1(st, kill_cmd(U_ALICE, tu_fmt("%u.1", id), 15)));
    json_decref(apply1(st, tu_cmd("job.alloc_complete", U_ALICE, U_ALICE, T0 + 7,
                                  json_pack("{s:i, s:i}", "job_id", (int)id, "job_rc", 0),
                                  "a7")));
    snprintf(other_path, sizeof(other_path), "%s/replica.db", dir);
    other = open_at(other_path);
    ck_assert_int_eq(store_log_foreach(st, 0, replay_entry, other), 0);
    x = dump_text(st);
    y = dump_text(other);
    ck_assert_str_eq(x, y);
    ck_assert_msg(strstr(x, "\"steps\""), "no steps in the dump");
    free(x);
    free(y);
    store_close(other);
    store_close(st);
}
END_TEST

static Suite *steps_suite(void)
{
    Suite *s = suite_create("jobstore_steps");
    TCase *tc = tcase_create("steps");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, allocate_then_start_gives_alloc_info_with_nodes_and_cpu_groups);
    tcase_add_test(tc, ready_is_7_for_a_running_job_and_only_the_prolog_bit_before);
    tcase_add_test(tc, alloc_complete_ends_the_job_completing_on_every_host);
    tcase_add_test(tc, step_ids_increase_from_zero);
    tcase_add_test(tc, block_layout_fills_each_node_before_the_next);
    tcase_add_test(tc, cyclic_layout_deals_tasks_round_the_nodes);
    tcase_add_test(tc, one_node_two_tasks_uses_the_first_node);
    tcase_add_test(tc, cpus_per_task_and_tasks_per_node_spread_the_tasks);
    tcase_add_test(tc, node_list_and_exclude_choose_the_nodes);
    tcase_add_test(tc, more_tasks_than_the_allocation_holds_are_refused);
    tcase_add_test(tc, steps_only_in_running_jobs_of_their_owner);
    tcase_add_test(tc, step_complete_of_every_node_finishes_the_step);
    tcase_add_test(tc, step_info_lists_the_running_steps_and_the_batch_step);
    tcase_add_test(tc, kill_of_a_step_signals_only_that_step);
    tcase_add_test(tc, steps_end_with_their_job);
    tcase_add_test(tc, a_row_from_before_steps_loads_with_none);
    tcase_add_test(tc, private_data_hides_others_allocations);
    tcase_add_test(tc, an_immediate_allocation_that_cannot_start_fails_and_is_revoked);
    suite_add_tcase(s, tc);
    tc = tcase_create("durable");
    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_add_test(tc, a_restart_keeps_the_steps_and_the_next_step_id);
    tcase_add_test(tc, the_log_of_steps_replays_into_the_same_state);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(steps_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
