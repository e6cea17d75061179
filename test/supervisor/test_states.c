/*
 * test_states.c - the state machine's transition table: the states a node
 * may move between (docs/supervisor.md has the same table), and no others.
 */
#include <check.h>
#include <stdlib.h>

#include "supervisor/tree.h"

#define N_STATES 7

/* Expected table, row = from, column = to, in enum order:
 * stopped starting ready reloading stopping backoff failed */
static const char *const expected[N_STATES] = {
    /* stopped   */ "0100010",
    /* starting  */ "1010111",
    /* ready     */ "1001111",
    /* reloading */ "1010111",
    /* stopping  */ "1000011",
    /* backoff   */ "1100000",
    /* failed    */ "0100000",
};

START_TEST(test_transition_table)
{
    for (int from = 0; from < N_STATES; from++) {
        for (int to = 0; to < N_STATES; to++) {
            bool want = expected[from][to] == '1';
            ck_assert_msg(sup_node_transition_ok((enum sup_node_state)from,
                                                 (enum sup_node_state)to) == want,
                          "%s -> %s should be %s", sup_node_state_name((enum sup_node_state)from),
                          sup_node_state_name((enum sup_node_state)to),
                          want ? "allowed" : "refused");
        }
    }
}
END_TEST

START_TEST(test_state_names)
{
    static const char *const names[N_STATES] = {"stopped",  "starting", "ready", "reloading",
                                                "stopping", "backoff",  "failed"};

    for (int s = 0; s < N_STATES; s++)
        ck_assert_str_eq(sup_node_state_name((enum sup_node_state)s), names[s]);
    ck_assert_str_eq(sup_node_state_name((enum sup_node_state)99), "?");
    ck_assert(!sup_node_transition_ok((enum sup_node_state)99, SUP_ST_READY));
}
END_TEST

static Suite *states_suite(void)
{
    Suite *s = suite_create("supervisor states");
    TCase *tc = tcase_create("table");

    tcase_add_test(tc, test_transition_table);
    tcase_add_test(tc, test_state_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(states_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
