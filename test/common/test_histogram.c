/*
 * test_histogram.c - latency histograms in Prometheus' shape
 * (common/histogram.h): what the store, scheduler and gateway report.
 */
#include "common/histogram.h"

#include <check.h>
#include <stdlib.h>

START_TEST(an_observation_counts_in_the_first_bound_it_does_not_exceed)
{
    struct flurm_histogram h = {0};

    flurm_histogram_observe(&h, 0.00005); /* below the first bound */
    flurm_histogram_observe(&h, 0.0001);  /* on a bound: le is inclusive */
    flurm_histogram_observe(&h, 0.0003);
    flurm_histogram_observe(&h, 42.0); /* above every bound */
    ck_assert_uint_eq(h.buckets[0], 2);
    ck_assert_uint_eq(h.buckets[2], 1);
    ck_assert_uint_eq(h.buckets[FLURM_HISTOGRAM_BOUNDS], 1);
    ck_assert_uint_eq(h.count, 4);
    ck_assert_double_eq_tol(h.sum, 42.00045, 1e-9);
}
END_TEST

START_TEST(its_json_lists_the_bounds_and_one_count_more)
{
    struct flurm_histogram h = {0};
    json_t *j;

    flurm_histogram_observe(&h, 0.002);
    j = flurm_histogram_json(&h);
    ck_assert_ptr_nonnull(j);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "le")), FLURM_HISTOGRAM_BOUNDS);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "buckets")), FLURM_HISTOGRAM_BOUNDS + 1);
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(j, "buckets"), 4)), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "count")), 1);
    for (size_t i = 1; i < FLURM_HISTOGRAM_BOUNDS; i++)
        ck_assert(flurm_histogram_bounds[i] > flurm_histogram_bounds[i - 1]);
    json_decref(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("histogram");
    TCase *tc = tcase_create("histogram");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, an_observation_counts_in_the_first_bound_it_does_not_exceed);
    tcase_add_test(tc, its_json_lists_the_bounds_and_one_count_more);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
