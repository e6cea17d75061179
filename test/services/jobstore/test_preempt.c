/*
 * test_preempt.c - the job store's job.preempt (docs/running-jobs.md): the
 * scheduler names running jobs to stop for a pending preemptor; "requeue"
 * sends a job back to the queue as slurmctld's job_requeue(preempt) does,
 * "cancel" ends it PREEMPTED as job_signal(SIGKILL, preempt) does; what is
 * not applicable any more is refused entry by entry and changes nothing;
 * the command is durable, replayable and idempotent.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TU_JOB_TABLE
#include "test/services/jobstore/testutil.h"

#define ALLOC_N1 \
    "{\"nodes\":\"n1\",\"batch_host\":\"n1\",\"hosts\":[{\"name\":\"n1\",\"cores\":\"0-3\"," \
    "\"cpus\":4,\"mem\":500}]}"
#define ALLOC_N2 \
    "{\"nodes\":\"n2\",\"batch_host\":\"n2\",\"hosts\":[{\"name\":\"n2\",\"cores\":\"0-3\"," \
    "\"cpus\":4,\"mem\":500}]}"

static void start(unsigned id, const char *alloc, long long t)
{
    json_t *res = apply(start_cmd(id, alloc, t, NULL));

    tu_assert_code(res, 0);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "started")),
                     1);
    json_decref(res);
}

static json_t *preempt_cmd(unsigned victim, const char *mode, unsigned by, long long t,
                           const char *req_id)
{
    return svc_cmd("job.preempt", t,
                   json_pack("{s:I, s:[{s:i, s:s, s:i}]}", "time", (json_int_t)t, "jobs",
                             "job_id", (int)victim, "mode", mode, "by", (int)by),
                   req_id);
}

/* The action the store took on the one entry of a job.preempt result
 * ("requeued", "cancelled"), or the refusal's "why" prefixed by "refused: ". */
static const char *outcome(json_t *res)
{
    static char buf[200];
    const json_t *body = json_object_get(res, "body");
    const json_t *done = json_object_get(body, "preempted");
    const json_t *refused = json_object_get(body, "refused");

    tu_assert_code(res, 0);
    ck_assert_int_eq(json_array_size(done) + json_array_size(refused), 1);
    if (json_array_size(done))
        snprintf(buf, sizeof(buf), "%s", tu_str(json_array_get(done, 0), "action"));
    else
        snprintf(buf, sizeof(buf), "refused: %s", tu_str(json_array_get(refused, 0), "why"));
    json_decref(res);
    return buf;
}

static json_t *info(unsigned id)
{
    json_t *ji = jobs_job_info(jobs, id, 0, (double)(T0 + 100));

    ck_assert_ptr_nonnull(ji);
    return ji;
}

static long long info_int(unsigned id, const char *field)
{
    json_t *ji = info(id);
    long long v = tu_int(ji, field);

    json_decref(ji);
    return v;
}

static void epilog(unsigned id, const char *node, long long t)
{
    json_t *res = apply(tu_cmd("job.epilog_complete", U_SLURM, U_SLURM, t,
                               json_pack("{s:i, s:i, s:s}", "job_id", (int)id, "return_code", 0,
                                         "node_name", node),
                               NULL));

    tu_assert_code(res, 0);
    json_decref(res);
}

/* PreemptMode=REQUEUE: the job goes back to PENDING while its hosts run
 * the epilog (its cores stay held), one more restart; after the epilog it
 * is a new pending job that waits out slurmd's credential window, exactly
 * as any requeue (batch_requeue_fini does not tell preemption apart). */
START_TEST(requeue_mode_sends_the_job_back_to_the_queue)
{
    unsigned low = submit_ok(NULL), high = submit_ok(NULL);
    json_t *ji;

    start(low, ALLOC_N1, T0 + 1);
    ck_assert_str_eq(outcome(apply(preempt_cmd(low, "requeue", high, T0 + 50, NULL))),
                     "requeued");
    ji = info(low);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_PENDING | JOB_COMPLETING);
    ck_assert_int_eq(tu_int(ji, "restart_cnt"), 1);
    json_decref(ji);
    /* still holding n1 until the epilog: the preemptor cannot have it yet */
    ck_assert_uint_eq(allocs_count(), 1);
    epilog(low, "n1", T0 + 53);
    ji = info(low);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_PENDING);
    ck_assert_int_eq(tu_int(ji, "state_reason"), WAIT_TIME);
    ck_assert_int_eq(tu_int(ji, "eligible_time"), T0 + 53 + 121);
    ck_assert_int_eq(tu_int(ji, "submit_time"), T0 + 53);
    json_decref(ji);
    ck_assert_uint_eq(allocs_count(), 0);
    /* the preemptor was not touched */
    ck_assert_int_eq(info_int(high, "job_state"), JOB_PENDING);
}
END_TEST

/* PreemptMode=CANCEL: PREEMPTED (job_state 8), ended now, COMPLETING on
 * every host, requested by root; slurmd's late batch-complete gives the
 * exit code and leaves the state. */
START_TEST(cancel_mode_ends_the_job_preempted)
{
    unsigned low = submit_ok(NULL), high = submit_ok(NULL);
    json_t *ji, *res;

    start(low, ALLOC_N1, T0 + 1);
    ck_assert_str_eq(outcome(apply(preempt_cmd(low, "cancel", high, T0 + 50, NULL))),
                     "cancelled");
    ji = info(low);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_PREEMPTED | JOB_COMPLETING);
    ck_assert_int_eq(tu_int(ji, "end_time"), T0 + 50);
    ck_assert_int_eq(tu_int(ji, "restart_cnt"), 0);
    json_decref(ji);
    res = apply(tu_cmd("job.complete", U_ROOT, U_ROOT, T0 + 51,
                       json_pack("{s:n, s:i, s:i, s:i, s:i, s:s}", "jobacct", "job_id",
                                 (int)low, "job_rc", 9, "slurm_rc", 0, "user_id", 0,
                                 "node_name", "n1"),
                       NULL));
    tu_assert_code(res, ESLURM_ALREADY_DONE);
    json_decref(res);
    epilog(low, "n1", T0 + 52);
    ji = info(low);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_PREEMPTED);
    ck_assert_int_eq(tu_int(ji, "exit_code"), 9);
    json_decref(ji);
    ck_assert_uint_eq(allocs_count(), 0);
}
END_TEST

/* A job that may not requeue (--no-requeue here) is killed instead, as
 * slurm_job_preempt falls back to when job_requeue refuses. */
START_TEST(requeue_of_a_job_that_may_not_requeue_cancels_it)
{
    unsigned low = submit_ok("{\"requeue\": 0}"), high = submit_ok(NULL);

    start(low, ALLOC_N1, T0 + 1);
    ck_assert_str_eq(outcome(apply(preempt_cmd(low, "requeue", high, T0 + 50, NULL))),
                     "cancelled");
    ck_assert_int_eq(info_int(low, "job_state"), JOB_PREEMPTED | JOB_COMPLETING);
    ck_assert_int_eq(info_int(low, "restart_cnt"), 0);
}
END_TEST

/* The scheduler decided from a view that may be old: a victim that is not
 * running (pending, already preempted, finished, unknown) or a preemptor
 * that is no longer pending is refused, and nothing changes. */
START_TEST(stale_preemptions_are_refused_and_change_nothing)
{
    unsigned low = submit_ok(NULL), high = submit_ok(NULL), other = submit_ok(NULL);
    json_t *res;

    start(low, ALLOC_N1, T0 + 1);
    ck_assert_str_eq(outcome(apply(preempt_cmd(other, "cancel", high, T0 + 2, NULL))),
                     "refused: the job is not running");
    ck_assert_str_eq(outcome(apply(preempt_cmd(999, "cancel", high, T0 + 2, NULL))),
                     "refused: no such job");
    ck_assert_str_eq(outcome(apply(preempt_cmd(low, "cancel", 998, T0 + 2, NULL))),
                     "refused: no such preemptor");
    start(high, ALLOC_N2, T0 + 3);
    ck_assert_str_eq(outcome(apply(preempt_cmd(low, "cancel", high, T0 + 4, NULL))),
                     "refused: the preemptor is not pending");
    ck_assert_int_eq(info_int(low, "job_state"), JOB_RUNNING);
    ck_assert_int_eq(info_int(other, "job_state"), JOB_PENDING);
    /* once preempted, a second preemption of the same job is refused */
    ck_assert_str_eq(outcome(apply(preempt_cmd(low, "requeue", other, T0 + 5, NULL))),
                     "requeued");
    ck_assert_str_eq(outcome(apply(preempt_cmd(low, "requeue", other, T0 + 6, NULL))),
                     "refused: the job is not running");
    ck_assert_int_eq(info_int(low, "restart_cnt"), 1);
    /* malformed commands are refused whole */
    res = apply(svc_cmd("job.preempt", T0 + 7,
                        json_pack("{s:[{s:i, s:s, s:i}]}", "jobs", "job_id", (int)high, "mode",
                                  "suspend", "by", (int)other),
                        NULL));
    tu_assert_code(res, EINVAL);
    json_decref(res);
    res = apply(svc_cmd("job.preempt", T0 + 7,
                        json_pack("{s:[{s:i, s:s}]}", "jobs", "job_id", (int)high, "mode",
                                  "cancel"),
                        NULL));
    tu_assert_code(res, EINVAL);
    json_decref(res);
    ck_assert_int_eq(info_int(high, "job_state"), JOB_RUNNING);
    /* and only services or administrators may send it */
    res = apply(tu_cmd("job.preempt", U_ALICE, U_ALICE, T0 + 8,
                       json_pack("{s:[{s:i, s:s, s:i}]}", "jobs", "job_id", (int)high, "mode",
                                 "cancel", "by", (int)other),
                       NULL));
    tu_assert_code(res, ESLURM_ACCESS_DENIED);
    json_decref(res);
    ck_assert_int_eq(info_int(high, "job_state"), JOB_RUNNING);
}
END_TEST

/* ---- through the durable store ----------------------------------------------- */

static int state_in(struct store *st, unsigned id)
{
    uint32_t state = 0;

    ck_assert_int_eq(jobs_job_state(store_jobs(st), id, &state), 0);
    return (int)state;
}

/* A re-sent job.preempt (same req_id, a reply lost in a reload) gets the
 * first answer and restarts nothing twice; the preemption survives a
 * restart and the log replays into the same state. */
START_TEST(a_preemption_is_durable_idempotent_and_replays)
{
    struct store *st = open_at(path), *other;
    unsigned a = store_submit(st, "s1"), b = store_submit(st, "s2"), c = store_submit(st, "s3");
    char other_path[200], *x, *y;
    json_t *start_a, *start_b;

    start_a = svc_cmd("job.start", T0 + 1,
                      json_pack("{s:[{s:i, s:o}]}", "jobs", "job_id", (int)a, "alloc",
                                json_loads(ALLOC_N1, 0, NULL)),
                      "p1");
    start_b = svc_cmd("job.start", T0 + 1,
                      json_pack("{s:[{s:i, s:o}]}", "jobs", "job_id", (int)b, "alloc",
                                json_loads(ALLOC_N2, 0, NULL)),
                      "p2");
    json_decref(apply1(st, start_a));
    json_decref(apply1(st, start_b));
    ck_assert_str_eq(outcome(apply1(st, preempt_cmd(a, "requeue", c, T0 + 5, "sched.9.1"))),
                     "requeued");
    ck_assert_str_eq(outcome(apply1(st, preempt_cmd(a, "requeue", c, T0 + 5, "sched.9.1"))),
                     "requeued");
    ck_assert_str_eq(outcome(apply1(st, preempt_cmd(b, "cancel", c, T0 + 6, "sched.9.2"))),
                     "cancelled");
    store_close(st);

    st = open_at(path);
    ck_assert_int_eq(state_in(st, a), JOB_PENDING | JOB_COMPLETING);
    ck_assert_int_eq(state_in(st, b), JOB_PREEMPTED | JOB_COMPLETING);
    snprintf(other_path, sizeof(other_path), "%s/replica.db", dir);
    other = open_at(other_path);
    ck_assert_int_eq(store_log_foreach(st, 0, replay_entry, other), 0);
    x = dump_text(st);
    y = dump_text(other);
    ck_assert_str_eq(x, y);
    ck_assert_ptr_nonnull(strstr(x, "\"restart_cnt\":1"));
    free(x);
    free(y);
    store_close(other);
    store_close(st);
}
END_TEST

static Suite *preempt_suite(void)
{
    Suite *s = suite_create("jobstore_preempt");
    TCase *tc = tcase_create("preempt");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, requeue_mode_sends_the_job_back_to_the_queue);
    tcase_add_test(tc, cancel_mode_ends_the_job_preempted);
    tcase_add_test(tc, requeue_of_a_job_that_may_not_requeue_cancels_it);
    tcase_add_test(tc, stale_preemptions_are_refused_and_change_nothing);
    suite_add_tcase(s, tc);

    tc = tcase_create("store");
    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_preemption_is_durable_idempotent_and_replays);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(preempt_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
