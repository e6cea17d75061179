/*
 * test_run.c - running jobs in the job store (docs/running-jobs.md): the
 * scheduler's job.start and job.timeout, the node manager's job.launched,
 * job.launch_failed and job.node_fail, slurmd's job.complete and
 * job.epilog_complete, job.kill of running jobs, what job_info shows of
 * them, and that all of it is durable, replayable and idempotent.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TU_JOB_TABLE
#include "test/services/jobstore/testutil.h"

#define ALLOC_N1(cores, cpus, mem) \
    "{\"nodes\":\"n1\",\"batch_host\":\"n1\",\"hosts\":[{\"name\":\"n1\",\"cores\":\"" cores \
    "\",\"cpus\":" #cpus ",\"mem\":" #mem "}]}"
#define ALLOC_N12 \
    "{\"nodes\":\"n[1-2]\",\"batch_host\":\"n1\",\"hosts\":[" \
    "{\"name\":\"n1\",\"cores\":\"0-1\",\"cpus\":2,\"mem\":500}," \
    "{\"name\":\"n2\",\"cores\":\"0\",\"cpus\":1,\"mem\":500}]}"

/* Start id on alloc at t: the id of the started record, or 0 if refused
 * (the reason then in why, if given). */
static unsigned start(unsigned id, const char *alloc, long long t, char *why, size_t len)
{
    json_t *res = apply(start_cmd(id, alloc, t, NULL)), *body = json_object_get(res, "body");
    json_t *started = json_object_get(body, "started"), *refused = json_object_get(body, "refused");
    unsigned run = 0;

    tu_assert_code(res, 0);
    ck_assert_int_eq(json_array_size(started) + json_array_size(refused), 1);
    if (json_array_size(started))
        run = (unsigned)tu_int(json_array_get(started, 0), "job_id");
    else if (why)
        snprintf(why, len, "%s", tu_str(json_array_get(refused, 0), "why"));
    json_decref(res);
    return run;
}

static json_t *complete_cmd(unsigned uid, unsigned id, int job_rc, const char *node, long long t)
{
    return tu_cmd("job.complete", uid, uid, t,
                  json_pack("{s:n, s:i, s:i, s:i, s:i, s:s}", "jobacct", "job_id", (int)id,
                            "job_rc", job_rc, "slurm_rc", 0, "user_id", 0, "node_name", node),
                  NULL);
}

static int complete(unsigned id, int job_rc, long long t)
{
    json_t *res = apply(complete_cmd(U_ROOT, id, job_rc, "n1", t));
    int code = tu_code(res);

    json_decref(res);
    return code;
}

static json_t *epilog_cmd(unsigned uid, unsigned id, const char *node, long long t)
{
    return tu_cmd("job.epilog_complete", uid, uid, t,
                  json_pack("{s:i, s:i, s:s}", "job_id", (int)id, "return_code", 0, "node_name",
                            node),
                  NULL);
}

static void epilog(unsigned id, const char *node, long long t)
{
    json_t *res = apply(epilog_cmd(U_SLURM, id, node, t));

    tu_assert_code(res, 0);
    json_decref(res);
}

static json_t *info(unsigned id, uint16_t flags)
{
    json_t *ji = jobs_job_info(jobs, id, flags, (double)(T0 + 100));

    ck_assert_ptr_nonnull(ji);
    return ji;
}

static long long info_int(unsigned id, const char *field)
{
    json_t *ji = info(id, 0);
    long long v = tu_int(ji, field);

    json_decref(ji);
    return v;
}

static long long stat_int(const char *field)
{
    json_t *st = jobs_stats(jobs, false, T0);
    long long v = tu_int(st, field);

    json_decref(st);
    return v;
}

START_TEST(start_sets_running_times_and_alloc)
{
    unsigned id = submit_ok("{\"min_cpus\": 2}");
    json_t *ji, *res, *entry;

    ck_assert_uint_eq(start(id, ALLOC_N1("0-1", 2, 500), T0 + 5, NULL, 0), id);
    ji = info(id, 0);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_RUNNING);
    ck_assert_int_eq(tu_int(ji, "state_reason"), WAIT_NO_REASON);
    ck_assert_int_eq(tu_int(ji, "start_time"), T0 + 5);
    ck_assert_int_eq(tu_int(ji, "end_time"), T0 + 5 + 10 * 60); /* batch's DefaultTime=10 */
    ck_assert_str_eq(tu_str(ji, "nodes"), "n1");
    ck_assert_str_eq(tu_str(ji, "batch_host"), "n1");
    ck_assert_int_eq(tu_int(ji, "num_cpus"), 2);
    ck_assert_int_eq(tu_int(ji, "num_nodes"), 1);
    ck_assert_str_eq(tu_str(ji, "tres_alloc_str"), "cpu=2,mem=500M,node=1,billing=2");
    json_decref(ji);
    ck_assert_int_eq(stat_int("jobs_started"), 1);
    ck_assert_int_eq(stat_int("jobs_running"), 1);

    /* the node manager sees it, not yet launched, until job.launched */
    res = jobs_allocs(jobs, seq);
    entry = json_array_get(json_object_get(json_object_get(res, "body"), "jobs"), 0);
    ck_assert_int_eq(tu_int(entry, "job_id"), id);
    ck_assert(json_is_false(json_object_get(entry, "launched")));
    ck_assert_str_eq(tu_str(json_object_get(entry, "alloc"), "batch_host"), "n1");
    json_decref(res);
    json_decref(apply(svc_cmd("job.launched", T0 + 6, json_pack("{s:i}", "job_id", (int)id),
                              NULL)));
    res = jobs_allocs(jobs, seq);
    entry = json_array_get(json_object_get(json_object_get(res, "body"), "jobs"), 0);
    ck_assert(json_is_true(json_object_get(entry, "launched")));
    json_decref(res);
}
END_TEST

START_TEST(an_allocation_overlapping_another_jobs_is_refused)
{
    unsigned a = submit_ok(NULL), b = submit_ok(NULL), c = submit_ok(NULL);
    char why[200] = "";

    ck_assert_uint_eq(start(a, ALLOC_N1("0-1", 2, 6000), T0 + 1, NULL, 0), a);
    /* core 1 is a's */
    ck_assert_uint_eq(start(b, ALLOC_N1("1-2", 2, 100), T0 + 2, why, sizeof(why)), 0);
    ck_assert_msg(strstr(why, "cores already held"), "why: %s", why);
    ck_assert_int_eq(info_int(b, "job_state"), JOB_PENDING);
    /* free cores, but 6000 + 3000 MB is more than n1's 8000 */
    ck_assert_uint_eq(start(b, ALLOC_N1("2-3", 2, 3000), T0 + 2, why, sizeof(why)), 0);
    ck_assert_msg(strstr(why, "memory"), "why: %s", why);
    /* what is left fits */
    ck_assert_uint_eq(start(b, ALLOC_N1("2", 1, 2000), T0 + 2, NULL, 0), b);
    /* and a node outside the job's partition never does */
    ck_assert_uint_eq(start(c, "{\"nodes\":\"big1\",\"batch_host\":\"big1\",\"hosts\":"
                               "[{\"name\":\"big1\",\"cores\":\"0\",\"cpus\":1,\"mem\":1}]}",
                            T0 + 3, why, sizeof(why)),
                      0);
    ck_assert_msg(strstr(why, "partition"), "why: %s", why);
    /* once a's cores are released, they can be given again */
    ck_assert_int_eq(complete(a, 0, T0 + 4), 0);
    epilog(a, "n1", T0 + 5);
    ck_assert_uint_eq(start(c, ALLOC_N1("0-1", 2, 6000), T0 + 6, NULL, 0), c);
}
END_TEST

START_TEST(two_starts_of_one_job_start_it_once)
{
    unsigned id = submit_ok(NULL);
    char why[200] = "";

    ck_assert_uint_eq(start(id, ALLOC_N1("0", 1, 100), T0 + 1, NULL, 0), id);
    ck_assert_uint_eq(start(id, ALLOC_N1("3", 1, 100), T0 + 2, why, sizeof(why)), 0);
    ck_assert_msg(strstr(why, "not pending"), "why: %s", why);
    ck_assert_int_eq(stat_int("jobs_started"), 1);
}
END_TEST

START_TEST(held_or_completing_jobs_are_not_started)
{
    unsigned held = submit_ok("{\"priority\": 0}");
    unsigned req = submit_ok(NULL);
    char why[200] = "";
    json_t *res;

    ck_assert_uint_eq(start(held, ALLOC_N1("0", 1, 100), T0 + 1, why, sizeof(why)), 0);
    ck_assert_msg(strstr(why, "held"), "why: %s", why);
    /* a job requeued by a node failure stays COMPLETING on its other node */
    ck_assert_uint_eq(start(req, ALLOC_N12, T0 + 1, NULL, 0), req);
    res = apply(svc_cmd("job.node_fail", T0 + 2, json_pack("{s:s}", "node", "n2"), NULL));
    tu_assert_code(res, 0);
    json_decref(res);
    ck_assert_int_eq(info_int(req, "job_state"), JOB_PENDING | JOB_COMPLETING);
    ck_assert_uint_eq(start(req, ALLOC_N1("3", 1, 100), T0 + 3, why, sizeof(why)), 0);
    ck_assert_msg(strstr(why, "completing"), "why: %s", why);
}
END_TEST

START_TEST(an_array_start_splits_the_lowest_task_and_keeps_the_throttle)
{
    unsigned meta = submit_ok("{\"array_inx\": \"1-3%2\"}");
    unsigned t1, t2, t3;
    char why[200] = "";
    json_t *ji;

    /* eligible once the scheduler saw it (a new array is not yet) */
    t1 = start(meta, ALLOC_N1("0", 1, 100), T0 + 1, NULL, 0);
    ck_assert_uint_eq(t1, meta + 1); /* the started task gets a new id */
    ji = info(t1, 0);
    ck_assert_int_eq(tu_int(ji, "array_job_id"), meta);
    ck_assert_int_eq(tu_int(ji, "array_task_id"), 1);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_RUNNING);
    json_decref(ji);
    ji = info(meta, 0);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_PENDING);
    ck_assert_str_eq(tu_str(ji, "array_task_str"), "0xC"); /* tasks 2 and 3 */
    json_decref(ji);
    t2 = start(meta, ALLOC_N1("1", 1, 100), T0 + 2, NULL, 0);
    ck_assert_uint_eq(t2, meta + 2);
    /* one task left: the array's own record is that task now */
    ck_assert_int_eq(info_int(meta, "array_task_id"), 3);
    /* %2: two run, the third waits */
    ck_assert_uint_eq(start(meta, ALLOC_N1("2", 1, 100), T0 + 3, why, sizeof(why)), 0);
    ck_assert_msg(strstr(why, "throttle"), "why: %s", why);
    ck_assert_int_eq(complete(t1, 0, T0 + 4), 0);
    t3 = start(meta, ALLOC_N1("2", 1, 100), T0 + 5, NULL, 0);
    ck_assert_uint_eq(t3, meta);
    ck_assert_int_eq(info_int(meta, "job_state"), JOB_RUNNING);
}
END_TEST

START_TEST(complete_ends_the_job_completed_or_failed_with_its_exit_code)
{
    unsigned ok = submit_ok(NULL), bad = submit_ok(NULL);
    json_t *ji;

    ck_assert_uint_eq(start(ok, ALLOC_N1("0", 1, 100), T0 + 1, NULL, 0), ok);
    ck_assert_uint_eq(start(bad, ALLOC_N1("1", 1, 100), T0 + 1, NULL, 0), bad);
    ck_assert_int_eq(complete(ok, 0, T0 + 20), 0);
    ji = info(ok, 0);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_COMPLETE | JOB_COMPLETING);
    ck_assert_int_eq(tu_int(ji, "exit_code"), 0);
    ck_assert_int_eq(tu_int(ji, "end_time"), T0 + 20);
    json_decref(ji);
    ck_assert_int_eq(complete(bad, 3 << 8, T0 + 21), 0); /* exit 3: ExitCode=3:0 */
    ji = info(bad, 0);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_FAILED | JOB_COMPLETING);
    ck_assert_int_eq(tu_int(ji, "exit_code"), 3 << 8);
    ck_assert_int_eq(tu_int(ji, "state_reason"), FAIL_EXIT_CODE);
    json_decref(ji);
    ck_assert_int_eq(stat_int("jobs_completed"), 2);
    /* slurmd re-sending it: done already, nothing changes */
    ck_assert_int_eq(complete(ok, 0, T0 + 30), ESLURM_ALREADY_DONE);
    ck_assert_int_eq(info_int(ok, "end_time"), T0 + 20);
    /* an unknown job */
    ck_assert_int_eq(complete(9999, 0, T0 + 30), ESLURM_INVALID_JOB_ID);
}
END_TEST

START_TEST(a_cancelled_job_keeps_its_state_and_gets_the_exit_code)
{
    unsigned id = submit_ok(NULL);
    json_t *res;

    ck_assert_uint_eq(start(id, ALLOC_N1("0", 1, 100), T0 + 1, NULL, 0), id);
    res = apply(tu_cmd("job.kill", U_ALICE, U_ALICE, T0 + 2, tu_kill(tu_fmt("%u", id)), NULL));
    tu_assert_code(res, 0);
    json_decref(res);
    ck_assert_int_eq(complete(id, 15, T0 + 3), ESLURM_ALREADY_DONE); /* killed by SIGTERM */
    ck_assert_int_eq(info_int(id, "job_state"), JOB_CANCELLED | JOB_COMPLETING);
    ck_assert_int_eq(info_int(id, "exit_code"), 15);
}
END_TEST

START_TEST(epilog_clears_completing_only_after_the_last_host)
{
    unsigned id = submit_ok(NULL);
    json_t *ji;

    ck_assert_uint_eq(start(id, ALLOC_N12, T0 + 1, NULL, 0), id);
    ck_assert_int_eq(complete(id, 0, T0 + 2), 0);
    epilog(id, "n1", T0 + 3);
    ji = info(id, 0);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_COMPLETE | JOB_COMPLETING);
    ck_assert_str_eq(tu_str(ji, "nodes"), "n2"); /* squeue shows what is still completing */
    ck_assert_int_eq(tu_int(ji, "num_cpus"), 1);
    json_decref(ji);
    ck_assert_uint_eq(allocs_count(), 1);
    epilog(id, "n1", T0 + 4); /* a repeat changes nothing */
    ck_assert_int_eq(info_int(id, "job_state"), JOB_COMPLETE | JOB_COMPLETING);
    epilog(id, "n2", T0 + 5);
    ji = info(id, 0);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_COMPLETE);
    ck_assert_str_eq(tu_str(ji, "nodes"), "n[1-2]"); /* a finished job shows where it ran */
    ck_assert_int_eq(tu_int(ji, "num_cpus"), 3);
    json_decref(ji);
    ck_assert_uint_eq(allocs_count(), 0);
}
END_TEST

START_TEST(timeout_ends_only_jobs_whose_end_time_came)
{
    unsigned id = submit_ok("{\"time_limit\": 5}");
    json_t *res;

    ck_assert_uint_eq(start(id, ALLOC_N1("0", 1, 100), T0, NULL, 0), id);
    res = apply(svc_cmd("job.timeout", T0 + 299, json_pack("{s:[i]}", "jobs", (int)id), NULL));
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "timed_out")),
                     0);
    json_decref(res);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_RUNNING);
    res = apply(svc_cmd("job.timeout", T0 + 300, json_pack("{s:[i]}", "jobs", (int)id), NULL));
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "timed_out")),
                     1);
    json_decref(res);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_TIMEOUT | JOB_COMPLETING);
    ck_assert_int_eq(info_int(id, "state_reason"), FAIL_TIMEOUT);
    ck_assert_int_eq(info_int(id, "end_time"), T0 + 300);
}
END_TEST

START_TEST(node_failure_requeues_a_requeueable_job_and_fails_the_others)
{
    unsigned rq = submit_ok(NULL); /* JobRequeue=1 by default */
    unsigned no = submit_ok("{\"requeue\": 0}");
    json_t *res, *ji;

    ck_assert_uint_eq(start(rq, ALLOC_N12, T0 + 1, NULL, 0), rq);
    ck_assert_uint_eq(start(no, ALLOC_N1("3", 1, 100), T0 + 1, NULL, 0), no);
    res = apply(svc_cmd("job.node_fail", T0 + 10, json_pack("{s:s}", "node", "n1"), NULL));
    tu_assert_code(res, 0);
    json_decref(res);
    /* the non-requeueable one: NODE_FAIL, and n1's epilog will never come */
    ji = info(no, 0);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_NODE_FAIL);
    ck_assert_int_eq(tu_int(ji, "state_reason"), FAIL_DOWN_NODE);
    ck_assert_int_eq(tu_int(ji, "end_time"), T0 + 10);
    json_decref(ji);
    /* the requeued one waits for n2's epilog, then is a new pending job */
    ck_assert_int_eq(info_int(rq, "job_state"), JOB_PENDING | JOB_COMPLETING);
    ck_assert_int_eq(info_int(rq, "restart_cnt"), 1);
    epilog(rq, "n2", T0 + 12);
    ji = info(rq, 0);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_PENDING);
    ck_assert_int_eq(tu_int(ji, "restart_cnt"), 1);
    ck_assert_int_eq(tu_int(ji, "state_reason"), WAIT_TIME);
    ck_assert_int_eq(tu_int(ji, "eligible_time"), T0 + 12 + 121); /* past the cred window (cred_expire 120) */
    ck_assert_int_eq(tu_int(ji, "submit_time"), T0 + 12);
    ck_assert_ptr_null(json_string_value(json_object_get(ji, "nodes")));
    json_decref(ji);
    ck_assert_uint_eq(allocs_count(), 0);
    /* startable again once its begin time came */
    ck_assert_uint_eq(start(rq, ALLOC_N1("0", 1, 100), T0 + 12 + 121, NULL, 0), rq);
    ck_assert_int_eq(info_int(rq, "restart_cnt"), 1);
}
END_TEST

START_TEST(a_batch_job_missing_from_its_node_fails_alone)
{
    unsigned gone = submit_ok("{\"requeue\": 0}");
    unsigned stays = submit_ok("{\"requeue\": 0}");
    json_t *res;

    ck_assert_uint_eq(start(gone, ALLOC_N1("0", 1, 100), T0 + 1, NULL, 0), gone);
    ck_assert_uint_eq(start(stays, ALLOC_N1("1", 1, 100), T0 + 1, NULL, 0), stays);
    res = apply(svc_cmd("job.node_fail", T0 + 10,
                        json_pack("{s:s, s:i}", "node", "n1", "job_id", (int)gone), NULL));
    tu_assert_code(res, 0);
    json_decref(res);
    ck_assert_int_eq(info_int(gone, "job_state") & JOB_STATE_BASE, JOB_NODE_FAIL);
    ck_assert_int_eq(info_int(stays, "job_state"), JOB_RUNNING);
    res = apply(svc_cmd("job.node_fail", T0 + 11,
                        json_pack("{s:s, s:s}", "node", "n1", "job_id", "x"), NULL));
    tu_assert_code(res, ESLURM_INVALID_JOB_ID);
    json_decref(res);
}
END_TEST

START_TEST(sigkill_cancels_a_running_job_and_other_signals_go_to_the_nodes)
{
    unsigned id = submit_ok(NULL);
    json_t *kill, *res, *sig;

    ck_assert_uint_eq(start(id, ALLOC_N1("0", 1, 100), T0 + 1, NULL, 0), id);
    kill = tu_kill(tu_fmt("%u", id));
    json_object_set_new(kill, "signal", json_integer(10));
    res = apply(tu_cmd("job.kill", U_ALICE, U_ALICE, T0 + 2, kill, NULL));
    tu_assert_code(res, 0);
    sig = json_array_get(json_object_get(json_object_get(res, "body"), "signals"), 0);
    ck_assert_int_eq(tu_int(sig, "job_id"), id);
    ck_assert_int_eq(tu_int(sig, "signal"), 10);
    ck_assert_str_eq(tu_str(sig, "nodes"), "n1");
    ck_assert_str_eq(tu_str(sig, "batch_host"), "n1");
    json_decref(res);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_RUNNING);

    res = apply(tu_cmd("job.kill", U_ALICE, U_ALICE, T0 + 3, tu_kill(tu_fmt("%u", id)), NULL));
    tu_assert_code(res, 0);
    ck_assert_ptr_null(json_array_get(json_object_get(json_object_get(res, "body"), "signals"), 0));
    json_decref(res);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_CANCELLED | JOB_COMPLETING);
    ck_assert_int_eq(info_int(id, "end_time"), T0 + 3);
    ck_assert_uint_eq(allocs_count(), 1); /* until n1's epilog */
}
END_TEST

START_TEST(complete_and_epilog_from_a_user_are_refused)
{
    unsigned id = submit_ok(NULL);
    json_t *res;

    ck_assert_uint_eq(start(id, ALLOC_N1("0", 1, 100), T0 + 1, NULL, 0), id);
    res = apply(complete_cmd(U_ALICE, id, 0, "n1", T0 + 2));
    tu_assert_code(res, ESLURM_ACCESS_DENIED);
    json_decref(res);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_RUNNING);
    ck_assert_int_eq(complete(id, 0, T0 + 3), 0);
    res = apply(epilog_cmd(U_BOB, id, "n1", T0 + 4));
    tu_assert_code(res, ESLURM_ACCESS_DENIED);
    json_decref(res);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_COMPLETE | JOB_COMPLETING);
}
END_TEST

START_TEST(a_launch_nobody_answered_requeues_and_a_refused_one_fails)
{
    unsigned lost = submit_ok("{\"requeue\": 0}"), refused = submit_ok(NULL),
             reset = submit_ok("{\"requeue\": 0}");
    json_t *res, *ji;

    ck_assert_uint_eq(start(lost, ALLOC_N1("0", 1, 100), T0 + 1, NULL, 0), lost);
    ck_assert_uint_eq(start(refused, ALLOC_N1("1", 1, 100), T0 + 1, NULL, 0), refused);
    ck_assert_uint_eq(start(reset, ALLOC_N1("2", 1, 100), T0 + 1, NULL, 0), reset);
    /* slurmd killed as the launch went out: its connection reset */
    res = apply(svc_cmd("job.launch_failed", T0 + 2,
                        json_pack("{s:i, s:s, s:i, s:s}", "job_id", (int)reset, "node", "n1",
                                  "code", ECONNRESET, "text",
                                  "slurmd on n1: Connection reset by peer"),
                        NULL));
    ck_assert_str_eq(tu_str(json_object_get(res, "body"), "action"), "requeued");
    json_decref(res);
    ck_assert_int_eq(info_int(reset, "job_state"), JOB_PENDING | JOB_COMPLETING);
    /* no answer: requeued whatever --requeue says, as slurmctld's agent */
    res = apply(svc_cmd("job.launch_failed", T0 + 2,
                        json_pack("{s:i, s:s, s:i, s:s}", "job_id", (int)lost, "node", "n1",
                                  "code", 1001, "text", "no answer"),
                        NULL));
    ck_assert_str_eq(tu_str(json_object_get(res, "body"), "action"), "requeued");
    json_decref(res);
    ck_assert_int_eq(info_int(lost, "job_state"), JOB_PENDING | JOB_COMPLETING);
    /* slurmd refused: FAILED, exit code 1 */
    res = apply(svc_cmd("job.launch_failed", T0 + 2,
                        json_pack("{s:i, s:s, s:i, s:s}", "job_id", (int)refused, "node", "n1",
                                  "code", 4020, "text", "execve failed"),
                        NULL));
    ck_assert_str_eq(tu_str(json_object_get(res, "body"), "action"), "failed");
    json_decref(res);
    ji = info(refused, 0);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_FAILED | JOB_COMPLETING);
    ck_assert_int_eq(tu_int(ji, "exit_code"), 0x100);
    json_decref(ji);
}
END_TEST

START_TEST(show_detail_carries_the_job_resources)
{
    unsigned id = submit_ok(NULL);
    json_t *ji, *jr;

    ck_assert_uint_eq(start(id, ALLOC_N12, T0 + 1, NULL, 0), id);
    ji = info(id, 0);
    ck_assert(json_is_null(json_object_get(ji, "job_resrcs")) ||
              !json_object_get(ji, "job_resrcs"));
    json_decref(ji);
    ji = info(id, 0x0002);
    jr = json_object_get(ji, "job_resrcs");
    ck_assert_int_eq(tu_int(jr, "nhosts"), 2);
    ck_assert_int_eq(tu_int(jr, "ncpus"), 3);
    ck_assert_str_eq(tu_str(jr, "nodes"), "n[1-2]");
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(jr, "cpus"), 0)), 2);
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(jr, "cpus"), 1)), 1);
    ck_assert_int_eq(
        json_integer_value(json_array_get(json_object_get(jr, "memory_allocated"), 1)), 500);
    json_decref(ji);
}
END_TEST

START_TEST(an_old_record_without_running_fields_still_loads)
{
    unsigned id = submit_ok(NULL);
    json_t *saved = jobs_job_save(jobs, id);
    struct jobs *other = jobs_create(site);
    json_t *ji;

    ck_assert_ptr_nonnull(saved);
    ck_assert_ptr_nonnull(json_object_get(saved, "batch"));
    json_object_del(saved, "batch");
    json_object_del(saved, "launched");
    json_object_del(saved, "restart_cnt");
    ck_assert_int_eq(jobs_job_load(other, saved), 0);
    ji = jobs_job_info(other, id, 0, (double)T0);
    ck_assert_int_eq(tu_int(ji, "batch_flag"), 1);
    ck_assert_int_eq(tu_int(ji, "restart_cnt"), 0);
    json_decref(ji);
    json_decref(saved);
    jobs_destroy(other);
}
END_TEST

/* ---- through the durable store ------------------------------------------------- */

static size_t started_count(json_t *res)
{
    size_t n = json_array_size(json_object_get(json_object_get(res, "body"), "started"));

    json_decref(res);
    return n;
}

START_TEST(a_resent_job_start_is_applied_once)
{
    struct store *st = open_at(path);
    unsigned a = store_submit(st, "s1"), b = store_submit(st, "s2");

    ck_assert_uint_eq(started_count(apply1(st, start_cmd(a, ALLOC_N1("0", 1, 100), T0 + 1,
                                                         "sched.1.1"))),
                      1);
    /* the same request again (a reply lost in a reload): same answer, no
     * second start */
    ck_assert_uint_eq(started_count(apply1(st, start_cmd(a, ALLOC_N1("0", 1, 100), T0 + 1,
                                                         "sched.1.1"))),
                      1);
    /* core 0 is still free for nobody else: the first start holds it */
    ck_assert_uint_eq(started_count(apply1(st, start_cmd(b, ALLOC_N1("0", 1, 100), T0 + 2,
                                                         "sched.1.2"))),
                      0);
    store_close(st);
}
END_TEST

START_TEST(a_reload_keeps_alloc_launched_completing_and_what_is_held)
{
    struct store *st = open_at(path);
    unsigned a = store_submit(st, "s1"), b = store_submit(st, "s2"), c = store_submit(st, "s3");
    json_t *res, *jl, *entry;

    json_decref(apply1(st, start_cmd(a, ALLOC_N12, T0 + 1, "x1")));
    json_decref(apply1(st, start_cmd(b, ALLOC_N1("3", 1, 100), T0 + 1, "x2")));
    json_decref(apply1(st, svc_cmd("job.launched", T0 + 2, json_pack("{s:i}", "job_id", (int)b),
                                   "x3")));
    json_decref(apply1(st, complete_cmd(U_ROOT, a, 0, "n1", T0 + 3)));
    json_decref(apply1(st, epilog_cmd(U_ROOT, a, "n1", T0 + 4)));
    store_close(st);

    st = open_at(path);
    jl = jobs_allocs(store_jobs(st), store_last_seq(st));
    res = json_object_get(json_object_get(jl, "body"), "jobs");
    ck_assert_int_eq(json_array_size(res), 2);
    entry = json_array_get(res, 0); /* a: completing on n2 only */
    ck_assert_int_eq(tu_int(entry, "job_id"), a);
    ck_assert_int_eq(json_array_size(json_object_get(entry, "completing")), 1);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(entry, "completing"), 0)),
                     "n2");
    entry = json_array_get(res, 1); /* b: running, launched */
    ck_assert(json_is_true(json_object_get(entry, "launched")));
    ck_assert_str_eq(tu_str(json_object_get(entry, "alloc"), "nodes"), "n1");
    json_decref(jl);
    /* the held index came back: n2's core 0 (a completing) and n1's core 3 (b) */
    ck_assert_uint_eq(started_count(apply1(st, start_cmd(c, "{\"nodes\":\"n2\",\"batch_host\":"
                                                         "\"n2\",\"hosts\":[{\"name\":\"n2\","
                                                         "\"cores\":\"0\",\"cpus\":1,\"mem\":1}]}",
                                                         T0 + 5, "x4"))),
                      0);
    ck_assert_uint_eq(started_count(apply1(st, start_cmd(c, ALLOC_N1("3", 1, 100), T0 + 5, "x5"))),
                      0);
    ck_assert_uint_eq(started_count(apply1(st, start_cmd(c, ALLOC_N1("0", 1, 100), T0 + 5, "x6"))),
                      1);
    store_close(st);
}
END_TEST

START_TEST(the_log_of_running_jobs_replays_into_the_same_state)
{
    struct store *st = open_at(path), *other;
    unsigned a = store_submit(st, "s1"), b = store_submit(st, "s2"), c = store_submit(st, "s3");
    char other_path[160], *x, *y;
    json_t *kill;

    json_decref(apply1(st, start_cmd(a, ALLOC_N12, T0 + 1, "r1")));
    json_decref(apply1(st, start_cmd(b, ALLOC_N1("3", 1, 100), T0 + 1, "r2")));
    json_decref(apply1(st, start_cmd(c, ALLOC_N1("3", 1, 100), T0 + 1, "r3"))); /* refused */
    json_decref(apply1(st, svc_cmd("job.launched", T0 + 2, json_pack("{s:i}", "job_id", (int)a),
                                   "r4")));
    json_decref(apply1(st, svc_cmd("job.node_fail", T0 + 3, json_pack("{s:s}", "node", "n2"),
                                   "r5")));
    json_decref(apply1(st, epilog_cmd(U_ROOT, a, "n1", T0 + 4)));
    kill = tu_kill(tu_fmt("%u", b));
    json_decref(apply1(st, tu_cmd("job.kill", U_ALICE, U_ALICE, T0 + 5, kill, "r6")));
    json_decref(apply1(st, complete_cmd(U_ROOT, b, 9, "n1", T0 + 6)));
    json_decref(apply1(st, svc_cmd("job.timeout", T0 + 7, json_pack("{s:[i]}", "jobs", (int)c),
                                   "r7")));

    snprintf(other_path, sizeof(other_path), "%s/replica.db", dir);
    other = open_at(other_path);
    ck_assert_int_eq(store_log_foreach(st, 0, replay_entry, other), 0);
    x = dump_text(st);
    y = dump_text(other);
    ck_assert_str_eq(x, y);
    free(x);
    free(y);
    store_close(other);
    store_close(st);
}
END_TEST

static Suite *run_suite(void)
{
    Suite *s = suite_create("jobstore_run");
    TCase *tc = tcase_create("run");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, start_sets_running_times_and_alloc);
    tcase_add_test(tc, an_allocation_overlapping_another_jobs_is_refused);
    tcase_add_test(tc, two_starts_of_one_job_start_it_once);
    tcase_add_test(tc, held_or_completing_jobs_are_not_started);
    tcase_add_test(tc, an_array_start_splits_the_lowest_task_and_keeps_the_throttle);
    tcase_add_test(tc, complete_ends_the_job_completed_or_failed_with_its_exit_code);
    tcase_add_test(tc, a_cancelled_job_keeps_its_state_and_gets_the_exit_code);
    tcase_add_test(tc, epilog_clears_completing_only_after_the_last_host);
    tcase_add_test(tc, timeout_ends_only_jobs_whose_end_time_came);
    tcase_add_test(tc, node_failure_requeues_a_requeueable_job_and_fails_the_others);
    tcase_add_test(tc, a_batch_job_missing_from_its_node_fails_alone);
    tcase_add_test(tc, sigkill_cancels_a_running_job_and_other_signals_go_to_the_nodes);
    tcase_add_test(tc, complete_and_epilog_from_a_user_are_refused);
    tcase_add_test(tc, a_launch_nobody_answered_requeues_and_a_refused_one_fails);
    tcase_add_test(tc, show_detail_carries_the_job_resources);
    tcase_add_test(tc, an_old_record_without_running_fields_still_loads);
    suite_add_tcase(s, tc);

    tc = tcase_create("store");
    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_resent_job_start_is_applied_once);
    tcase_add_test(tc, a_reload_keeps_alloc_launched_completing_and_what_is_held);
    tcase_add_test(tc, the_log_of_running_jobs_replays_into_the_same_state);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(run_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
