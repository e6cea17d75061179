/*
 * test_claim.c - job.launch_claim (docs/running-jobs.md, "Node manager"):
 * the durable right of one node manager instance to launch a batch job,
 * so that the two instances of a reload never both launch it.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TU_JOB_TABLE
#include "test/services/jobstore/testutil.h"

#define ALLOC_N1 \
    "{\"nodes\":\"n1\",\"batch_host\":\"n1\",\"hosts\":[{\"name\":\"n1\",\"cores\":\"0\"," \
    "\"cpus\":1,\"mem\":100}]}"

#define OLD "nodes.100.1"
#define NEW "nodes.200.2"

static json_t *claim_cmd(unsigned id, const char *owner, int take_over, const char *req_id)
{
    return svc_cmd("job.launch_claim", T0 + 2,
                   json_pack("{s:i, s:s, s:b}", "job_id", (int)id, "owner", owner, "take_over",
                             take_over),
                   req_id);
}

/* A running (started, unlaunched) batch job. */
static unsigned running_job(void)
{
    json_t *res = apply(tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), NULL));
    unsigned id = tu_job_id(res);

    json_decref(res);
    res = apply(start_cmd(id, ALLOC_N1, T0 + 1, NULL));
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "started")),
                     1);
    json_decref(res);
    return id;
}

/* Whether `owner` got the claim; *holder (if given) receives who holds it
 * after the command (static copy, "" for nobody). */
static int claim_result(json_t *res, char *holder, size_t len)
{
    const json_t *body = json_object_get(res, "body");
    int granted;

    tu_assert_code(res, 0);
    ck_assert(json_is_boolean(json_object_get(body, "granted")));
    granted = json_is_true(json_object_get(body, "granted"));
    if (holder)
        snprintf(holder, len, "%s", tu_str(body, "owner") ? tu_str(body, "owner") : "");
    json_decref(res);
    return granted;
}

static int claim(unsigned id, const char *owner, int take_over, char *holder, size_t len)
{
    return claim_result(apply(claim_cmd(id, owner, take_over, NULL)), holder, len);
}

static void launched(unsigned id)
{
    json_t *res = apply(svc_cmd("job.launched", T0 + 3, json_pack("{s:i}", "job_id", (int)id),
                                NULL));

    tu_assert_code(res, 0);
    json_decref(res);
}

START_TEST(the_first_claim_is_granted_and_another_owner_is_told_who_holds_it)
{
    unsigned id = running_job();
    char holder[64];

    ck_assert_int_eq(claim(id, OLD, 0, holder, sizeof(holder)), 1);
    ck_assert_str_eq(holder, OLD);
    ck_assert_int_eq(claim(id, NEW, 0, holder, sizeof(holder)), 0);
    ck_assert_str_eq(holder, OLD);
}
END_TEST

START_TEST(the_holder_claiming_again_is_granted_again)
{
    unsigned id = running_job();

    ck_assert_int_eq(claim(id, OLD, 0, NULL, 0), 1);
    ck_assert_int_eq(claim(id, OLD, 0, NULL, 0), 1);
}
END_TEST

START_TEST(take_over_moves_the_claim_of_an_unlaunched_job)
{
    unsigned id = running_job();
    char holder[64];

    ck_assert_int_eq(claim(id, OLD, 0, NULL, 0), 1);
    ck_assert_int_eq(claim(id, NEW, 1, holder, sizeof(holder)), 1);
    ck_assert_str_eq(holder, NEW);
    /* the old owner lost it */
    ck_assert_int_eq(claim(id, OLD, 0, holder, sizeof(holder)), 0);
    ck_assert_str_eq(holder, NEW);
}
END_TEST

START_TEST(a_launched_job_is_claimed_by_nobody_even_with_take_over)
{
    unsigned id = running_job();

    ck_assert_int_eq(claim(id, OLD, 0, NULL, 0), 1);
    launched(id);
    ck_assert_int_eq(claim(id, OLD, 0, NULL, 0), 0);
    ck_assert_int_eq(claim(id, NEW, 1, NULL, 0), 0);
}
END_TEST

START_TEST(a_pending_or_unknown_job_is_not_claimed)
{
    json_t *res = apply(tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), NULL));
    unsigned id = tu_job_id(res);

    json_decref(res);
    ck_assert_int_eq(claim(id, OLD, 0, NULL, 0), 0);
    res = apply(claim_cmd(9999, OLD, 0, NULL));
    tu_assert_code(res, ESLURM_INVALID_JOB_ID);
    json_decref(res);
    /* a claim names its owner */
    res = apply(svc_cmd("job.launch_claim", T0, json_pack("{s:i}", "job_id", (int)id), NULL));
    tu_assert_code(res, EINVAL);
    json_decref(res);
}
END_TEST

START_TEST(a_user_may_not_claim)
{
    unsigned id = running_job();
    json_t *res = apply(tu_cmd("job.launch_claim", U_ALICE, U_ALICE, T0 + 2,
                               json_pack("{s:i, s:s}", "job_id", (int)id, "owner", OLD), NULL));

    tu_assert_code(res, ESLURM_ACCESS_DENIED);
    json_decref(res);
    ck_assert_int_eq(claim(id, NEW, 0, NULL, 0), 1);
}
END_TEST

START_TEST(a_requeue_clears_the_claim)
{
    unsigned id = running_job();
    json_t *res;

    ck_assert_int_eq(claim(id, OLD, 0, NULL, 0), 1);
    /* its node fails: requeued (JobRequeue=1), then its epilog, then again
     * started once the begin time came */
    res = apply(svc_cmd("job.node_fail", T0 + 10, json_pack("{s:s}", "node", "n1"), NULL));
    tu_assert_code(res, 0);
    json_decref(res);
    res = apply(start_cmd(id, ALLOC_N1, T0 + 10 + 200, NULL));
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "started")),
                     1);
    json_decref(res);
    ck_assert_int_eq(claim(id, NEW, 0, NULL, 0), 1);
}
END_TEST

START_TEST(job_allocs_shows_the_holder)
{
    unsigned id = running_job();
    json_t *res, *entry;

    ck_assert_int_eq(claim(id, OLD, 0, NULL, 0), 1);
    res = jobs_allocs(jobs, seq);
    ck_assert_ptr_nonnull(res);
    entry = json_array_get(json_object_get(json_object_get(res, "body"), "jobs"), 0);
    ck_assert_str_eq(tu_str(entry, "launch_owner"), OLD);
    json_decref(res);
}
END_TEST

START_TEST(an_old_record_without_a_claim_loads_unclaimed)
{
    unsigned id = running_job();
    json_t *saved;
    struct jobs *other = jobs_create(site);

    ck_assert_int_eq(claim(id, OLD, 0, NULL, 0), 1);
    saved = jobs_job_save(jobs, id);
    ck_assert_ptr_nonnull(saved);
    ck_assert_str_eq(tu_str(saved, "launch_owner"), OLD);
    json_object_del(saved, "launch_owner");
    ck_assert_int_eq(jobs_job_load(other, saved), 0);
    jobs_destroy(jobs);
    jobs = other;
    ck_assert_int_eq(claim(id, NEW, 0, NULL, 0), 1);
    json_decref(saved);
}
END_TEST

/* ---- through the durable store ------------------------------------------------- */

static unsigned store_running_job(struct store *st)
{
    json_t *res = apply1(st, tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), "s1"));
    unsigned id = tu_job_id(res);

    json_decref(res);
    json_decref(apply1(st, start_cmd(id, ALLOC_N1, T0 + 1, "sched.1")));
    return id;
}

START_TEST(a_claim_survives_a_store_restart)
{
    struct store *st = open_at(path);
    unsigned id = store_running_job(st);
    char holder[64];

    ck_assert_int_eq(claim_result(apply1(st, claim_cmd(id, OLD, 0, "nodes.100.1.1")), NULL, 0), 1);
    store_close(st);
    st = open_at(path);
    ck_assert_int_eq(claim_result(apply1(st, claim_cmd(id, NEW, 0, "nodes.200.2.1")), holder,
                                  sizeof(holder)),
                     0);
    ck_assert_str_eq(holder, OLD);
    store_close(st);
}
END_TEST

START_TEST(a_resent_claim_gets_the_same_answer_and_changes_nothing)
{
    struct store *st = open_at(path);
    unsigned id = store_running_job(st);
    char holder[64];

    ck_assert_int_eq(claim_result(apply1(st, claim_cmd(id, OLD, 0, "nodes.100.1.1")), NULL, 0), 1);
    ck_assert_int_eq(claim_result(apply1(st, claim_cmd(id, NEW, 1, "nodes.200.2.1")), NULL, 0), 1);
    /* OLD's request again after a lost reply: its first answer, and NEW
     * keeps the claim */
    ck_assert_int_eq(claim_result(apply1(st, claim_cmd(id, OLD, 0, "nodes.100.1.1")), holder,
                                  sizeof(holder)),
                     1);
    ck_assert_str_eq(holder, OLD);
    ck_assert_int_eq(claim_result(apply1(st, claim_cmd(id, OLD, 0, "nodes.100.1.2")), holder,
                                  sizeof(holder)),
                     0);
    ck_assert_str_eq(holder, NEW);
    store_close(st);
}
END_TEST

START_TEST(the_log_of_claims_replays_into_the_same_state)
{
    struct store *st = open_at(path), *other;
    unsigned id = store_running_job(st);
    char other_path[160], *x, *y;

    json_decref(apply1(st, claim_cmd(id, OLD, 0, "c1")));
    json_decref(apply1(st, claim_cmd(id, NEW, 0, "c2")));  /* refused */
    json_decref(apply1(st, claim_cmd(id, NEW, 1, "c3")));  /* taken over */
    snprintf(other_path, sizeof(other_path), "%s/replica.db", dir);
    other = open_at(other_path);
    ck_assert_int_eq(store_log_foreach(st, 0, replay_entry, other), 0);
    x = dump_text(st);
    y = dump_text(other);
    ck_assert_str_eq(x, y);
    ck_assert_ptr_nonnull(strstr(x, NEW));
    free(x);
    free(y);
    store_close(other);
    store_close(st);
}
END_TEST

static Suite *claim_suite(void)
{
    Suite *s = suite_create("jobstore_claim");
    TCase *tc = tcase_create("claim");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_first_claim_is_granted_and_another_owner_is_told_who_holds_it);
    tcase_add_test(tc, the_holder_claiming_again_is_granted_again);
    tcase_add_test(tc, take_over_moves_the_claim_of_an_unlaunched_job);
    tcase_add_test(tc, a_launched_job_is_claimed_by_nobody_even_with_take_over);
    tcase_add_test(tc, a_pending_or_unknown_job_is_not_claimed);
    tcase_add_test(tc, a_user_may_not_claim);
    tcase_add_test(tc, a_requeue_clears_the_claim);
    tcase_add_test(tc, job_allocs_shows_the_holder);
    tcase_add_test(tc, an_old_record_without_a_claim_loads_unclaimed);
    suite_add_tcase(s, tc);

    tc = tcase_create("store");
    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_claim_survives_a_store_restart);
    tcase_add_test(tc, a_resent_claim_gets_the_same_answer_and_changes_nothing);
    tcase_add_test(tc, the_log_of_claims_replays_into_the_same_state);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(claim_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
