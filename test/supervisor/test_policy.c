/*
 * test_policy.c - the supervision decisions, as OTP and the FLURM process
 * contract define them: what an exit means, which siblings a restart takes
 * along, when the restart intensity is exceeded, how long to back off.
 */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "supervisor/policy.h"

/* wait(2) statuses, built the way the kernel reports them */
#define EXITED(code) ((code) << 8)
#define SIGNALED(sig) (sig)

START_TEST(test_exit_kinds)
{
    ck_assert_int_eq(sup_exit_kind_of_status(EXITED(0)), SUP_EXIT_NORMAL);
    ck_assert_int_eq(sup_exit_kind_of_status(EXITED(100)), SUP_EXIT_PERMANENT);
    ck_assert_int_eq(sup_exit_kind_of_status(EXITED(111)), SUP_EXIT_CRASH);
    ck_assert_int_eq(sup_exit_kind_of_status(EXITED(1)), SUP_EXIT_CRASH);
    ck_assert_int_eq(sup_exit_kind_of_status(SIGNALED(9)), SUP_EXIT_CRASH);
    ck_assert_int_eq(sup_exit_kind_of_status(SIGNALED(15)), SUP_EXIT_CRASH);
}
END_TEST

START_TEST(test_describe_status)
{
    char buf[128];

    ck_assert_str_eq(sup_describe_status(EXITED(3), buf, sizeof(buf)), "exited with status 3");
    ck_assert_str_eq(sup_describe_status(SIGNALED(9), buf, sizeof(buf)),
                     "killed by signal 9 (Killed)");
}
END_TEST

struct verdict_case {
    enum sup_restart restart;
    enum sup_exit_kind kind;
    enum sup_verdict verdict;
};

/* The whole table: OTP's restart types, plus exit 100 = escalate unless
 * temporary (docs/architecture.md). */
static const struct verdict_case verdicts[] = {
    {SUP_RESTART_PERMANENT, SUP_EXIT_NORMAL, SUP_VERDICT_RESTART},
    {SUP_RESTART_PERMANENT, SUP_EXIT_CRASH, SUP_VERDICT_RESTART},
    {SUP_RESTART_PERMANENT, SUP_EXIT_PERMANENT, SUP_VERDICT_ESCALATE},
    {SUP_RESTART_TRANSIENT, SUP_EXIT_NORMAL, SUP_VERDICT_LEAVE},
    {SUP_RESTART_TRANSIENT, SUP_EXIT_CRASH, SUP_VERDICT_RESTART},
    {SUP_RESTART_TRANSIENT, SUP_EXIT_PERMANENT, SUP_VERDICT_ESCALATE},
    {SUP_RESTART_TEMPORARY, SUP_EXIT_NORMAL, SUP_VERDICT_LEAVE},
    {SUP_RESTART_TEMPORARY, SUP_EXIT_CRASH, SUP_VERDICT_LEAVE},
    {SUP_RESTART_TEMPORARY, SUP_EXIT_PERMANENT, SUP_VERDICT_LEAVE},
};

START_TEST(test_verdict)
{
    const struct verdict_case *v = &verdicts[_i];

    ck_assert_msg(sup_policy_verdict(v->restart, v->kind) == v->verdict,
                  "restart %s, exit kind %d: expected verdict %d", sup_restart_name(v->restart),
                  v->kind, v->verdict);
}
END_TEST

/* take[] as a string of 0/1, to compare whole sets at once. */
static const char *restart_set(enum sup_strategy strategy, size_t n, size_t failed)
{
    static char out[16];
    bool take[15];

    memset(take, 0xff, sizeof(take)); /* garbage in: every entry must be set */
    sup_policy_restart_set(strategy, n, failed, take);
    for (size_t i = 0; i < n; i++)
        out[i] = take[i] ? '1' : '0';
    out[n] = '\0';
    return out;
}

START_TEST(test_one_for_one_takes_only_the_failed_child)
{
    ck_assert_str_eq(restart_set(SUP_ONE_FOR_ONE, 4, 0), "1000");
    ck_assert_str_eq(restart_set(SUP_ONE_FOR_ONE, 4, 2), "0010");
}
END_TEST

START_TEST(test_rest_for_one_takes_the_children_started_after_it)
{
    ck_assert_str_eq(restart_set(SUP_REST_FOR_ONE, 4, 0), "1111");
    ck_assert_str_eq(restart_set(SUP_REST_FOR_ONE, 4, 1), "0111");
    ck_assert_str_eq(restart_set(SUP_REST_FOR_ONE, 4, 3), "0001");
}
END_TEST

START_TEST(test_one_for_all_takes_every_child)
{
    ck_assert_str_eq(restart_set(SUP_ONE_FOR_ALL, 4, 3), "1111");
    ck_assert_str_eq(restart_set(SUP_ONE_FOR_ALL, 1, 0), "1");
}
END_TEST

START_TEST(test_backoff_doubles_and_is_capped)
{
    ck_assert(sup_policy_backoff_s(0, 100, 1000) == 0);
    ck_assert(sup_policy_backoff_s(1, 100, 1000) == 0.1);
    ck_assert(sup_policy_backoff_s(2, 100, 1000) == 0.2);
    ck_assert(sup_policy_backoff_s(3, 100, 1000) == 0.4);
    ck_assert(sup_policy_backoff_s(4, 100, 1000) == 0.8);
    ck_assert(sup_policy_backoff_s(5, 100, 1000) == 1.0);
    ck_assert(sup_policy_backoff_s(4000000000u, 100, 1000) == 1.0);
    ck_assert(sup_policy_backoff_s(3, 0, 1000) == 0);
}
END_TEST

START_TEST(test_intensity_allows_intensity_restarts_within_period)
{
    struct sup_intensity *w = sup_intensity_create(2, 10);

    ck_assert_ptr_nonnull(w);
    ck_assert(!sup_intensity_add(w, 100.0));
    ck_assert(!sup_intensity_add(w, 101.0));
    ck_assert_int_eq(sup_intensity_count(w, 101.0), 2);
    /* the third within 10 s is one too many (OTP: more than MaxR) */
    ck_assert(sup_intensity_add(w, 109.9));
    sup_intensity_destroy(w);
}
END_TEST

START_TEST(test_intensity_forgets_restarts_older_than_period)
{
    struct sup_intensity *w = sup_intensity_create(2, 10);

    ck_assert(!sup_intensity_add(w, 100.0));
    ck_assert(!sup_intensity_add(w, 105.0));
    /* 100.0 has left the window ending at 110.0 */
    ck_assert(!sup_intensity_add(w, 110.0));
    ck_assert_int_eq(sup_intensity_count(w, 110.0), 2);
    ck_assert(sup_intensity_add(w, 111.0));
    sup_intensity_destroy(w);
}
END_TEST

START_TEST(test_intensity_zero_allows_no_restart)
{
    struct sup_intensity *w = sup_intensity_create(0, 5);

    ck_assert(sup_intensity_add(w, 1.0));
    sup_intensity_destroy(w);
}
END_TEST

START_TEST(test_intensity_reset)
{
    struct sup_intensity *w = sup_intensity_create(1, 60);

    ck_assert(!sup_intensity_add(w, 1.0));
    sup_intensity_reset(w);
    ck_assert_int_eq(sup_intensity_count(w, 1.0), 0);
    ck_assert(!sup_intensity_add(w, 2.0));
    sup_intensity_destroy(w);
}
END_TEST

START_TEST(test_intensity_keeps_counting_past_the_limit)
{
    struct sup_intensity *w = sup_intensity_create(1, 60);

    /* A supervisor that ignored the verdict would keep being told no. */
    ck_assert(!sup_intensity_add(w, 1.0));
    ck_assert(sup_intensity_add(w, 2.0));
    ck_assert(sup_intensity_add(w, 3.0));
    sup_intensity_destroy(w);
}
END_TEST

START_TEST(test_intensity_rejects_bad_arguments)
{
    ck_assert_ptr_null(sup_intensity_create(-1, 5));
    ck_assert_ptr_null(sup_intensity_create(1, 0));
    sup_intensity_destroy(NULL);
}
END_TEST

static Suite *policy_suite(void)
{
    Suite *s = suite_create("supervisor policy");
    TCase *tc = tcase_create("decisions");

    tcase_add_test(tc, test_exit_kinds);
    tcase_add_test(tc, test_describe_status);
    tcase_add_loop_test(tc, test_verdict, 0, (int)(sizeof(verdicts) / sizeof(verdicts[0])));
    tcase_add_test(tc, test_one_for_one_takes_only_the_failed_child);
    tcase_add_test(tc, test_rest_for_one_takes_the_children_started_after_it);
    tcase_add_test(tc, test_one_for_all_takes_every_child);
    tcase_add_test(tc, test_backoff_doubles_and_is_capped);
    tcase_add_test(tc, test_intensity_allows_intensity_restarts_within_period);
    tcase_add_test(tc, test_intensity_forgets_restarts_older_than_period);
    tcase_add_test(tc, test_intensity_zero_allows_no_restart);
    tcase_add_test(tc, test_intensity_reset);
    tcase_add_test(tc, test_intensity_keeps_counting_past_the_limit);
    tcase_add_test(tc, test_intensity_rejects_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(policy_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
