/*
 * test_stats.c - the gateway's counters behind sdiag: RPCs by message type
 * and by user with their total time, the connection gauge, the reset.
 */
#include <check.h>
#include <stdlib.h>

#include "services/gateway/stats.h"
#include "wire/rec_info.h"

/* Index of `key` among the first n ids, or -1. */
static int find16(const uint16_t *ids, uint32_t n, uint16_t key)
{
    for (uint32_t i = 0; i < n; i++) {
        if (ids[i] == key)
            return (int)i;
    }
    return -1;
}

static int find32(const uint32_t *ids, uint32_t n, uint32_t key)
{
    for (uint32_t i = 0; i < n; i++) {
        if (ids[i] == key)
            return (int)i;
    }
    return -1;
}

START_TEST(test_rpcs_are_counted_by_type_and_user)
{
    struct gw_stats *s = gw_stats_create(100);
    struct flurm_stats_info si = {0};
    int i;

    gw_stats_rpc(s, 1008, 0, 10);
    gw_stats_rpc(s, 1008, 1000, 30);
    gw_stats_rpc(s, 2001, 1000, 500);
    ck_assert_int_eq(gw_stats_fill_rpcs(s, &si), 0);
    ck_assert_uint_eq(si.rpc_type_size, 2);
    ck_assert_int_ge(i = find16(si.rpc_type_id, si.rpc_type_size, 1008), 0);
    ck_assert_uint_eq(si.rpc_type_cnt[i], 2);
    ck_assert_uint_eq(si.rpc_type_time[i], 40);
    ck_assert_int_ge(i = find16(si.rpc_type_id, si.rpc_type_size, 2001), 0);
    ck_assert_uint_eq(si.rpc_type_cnt[i], 1);
    ck_assert_uint_eq(si.rpc_user_size, 2);
    ck_assert_int_ge(i = find32(si.rpc_user_id, si.rpc_user_size, 1000), 0);
    ck_assert_uint_eq(si.rpc_user_cnt[i], 2);
    ck_assert_uint_eq(si.rpc_user_time[i], 530);
    flurm_record_free(&flurm_rec_stats_info, &si);
    gw_stats_destroy(s);
}
END_TEST

START_TEST(test_tables_grow_with_new_keys)
{
    struct gw_stats *s = gw_stats_create(0);
    struct flurm_stats_info si = {0};
    int i;

    for (uint32_t uid = 0; uid < 1000; uid++)
        gw_stats_rpc(s, (uint16_t)(uid % 7 + 1), uid, uid);
    gw_stats_rpc(s, 1, 999, 1);
    ck_assert_int_eq(gw_stats_fill_rpcs(s, &si), 0);
    ck_assert_uint_eq(si.rpc_user_size, 1000);
    ck_assert_uint_eq(si.rpc_type_size, 7);
    ck_assert_int_ge(i = find32(si.rpc_user_id, si.rpc_user_size, 999), 0);
    ck_assert_uint_eq(si.rpc_user_cnt[i], 2);
    ck_assert_uint_eq(si.rpc_user_time[i], 1000);
    flurm_record_free(&flurm_rec_stats_info, &si);
    gw_stats_destroy(s);
}
END_TEST

START_TEST(test_reset_forgets_rpcs_but_not_connections)
{
    struct gw_stats *s = gw_stats_create(100);
    struct flurm_stats_info si = {0};

    gw_stats_rpc(s, 1008, 0, 10);
    gw_stats_count(s, GW_C_AUTH_REFUSED);
    gw_stats_conn_delta(s, 3);
    gw_stats_conn_delta(s, -1);
    gw_stats_reset(s, 200);
    ck_assert_int_eq(gw_stats_since(s), 200);
    ck_assert_uint_eq(gw_stats_get(s, GW_C_AUTH_REFUSED), 0);
    ck_assert_uint_eq(gw_stats_conns(s), 2);
    ck_assert_int_eq(gw_stats_fill_rpcs(s, &si), 0);
    ck_assert_uint_eq(si.rpc_type_size, 0);
    ck_assert_uint_eq(si.rpc_user_size, 0);
    flurm_record_free(&flurm_rec_stats_info, &si);
    gw_stats_destroy(s);
}
END_TEST

START_TEST(test_json_names_every_counter)
{
    struct gw_stats *s = gw_stats_create(5);
    json_t *j;

    gw_stats_count(s, GW_C_UNSERVED);
    gw_stats_count(s, GW_C_UNSERVED);
    gw_stats_rpc(s, 1008, 0, 7);
    j = gw_stats_json(s);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "unserved")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "since")), 5);
    ck_assert_ptr_nonnull(json_object_get(j, "timeout_rpc"));
    ck_assert_int_eq(json_array_size(json_object_get(j, "by_type")), 1);
    json_decref(j);
    gw_stats_destroy(s);
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("gateway_stats");
    TCase *tc = tcase_create("stats");

    tcase_add_test(tc, test_rpcs_are_counted_by_type_and_user);
    tcase_add_test(tc, test_tables_grow_with_new_keys);
    tcase_add_test(tc, test_reset_forgets_rpcs_but_not_connections);
    tcase_add_test(tc, test_json_names_every_counter);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stats_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
