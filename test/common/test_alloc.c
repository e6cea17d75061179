/*
 * test_alloc.c - a job's allocation and its JSON form (common/alloc.h): the
 * one format the scheduler writes, the store keeps and the node manager
 * reads (docs/running-jobs.md).
 */
#include "common/alloc.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *fmt(const char *list, uint32_t ncores)
{
    struct flurm_coreset s;
    ck_assert_msg(flurm_coreset_parse(&s, list, ncores) == 0, "parse \"%s\"", list);
    char *out = flurm_coreset_format(&s);
    flurm_coreset_clear(&s);
    ck_assert_ptr_nonnull(out);
    return out;
}

START_TEST(core_lists_round_trip_in_ranged_form)
{
    static const struct {
        const char *in, *out;
        uint32_t n;
    } cases[] = {
        {"", "", 4},           {"0", "0", 1},           {"0-3", "0-3", 4},
        {"0,1,2,5", "0-2,5", 8}, {"3,1", "1,3", 4},     {"63-64", "63-64", 128},
        {"0-127", "0-127", 128}, {"2-2", "2", 3},       {"1,1", "1", 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = fmt(cases[i].in, cases[i].n);
        ck_assert_str_eq(got, cases[i].out);
        free(got);
    }
}
END_TEST

START_TEST(malformed_core_lists_are_refused)
{
    static const char *bad[] = {"4", "-1", "1-", "2-1", "a", "1,,2", "1,", ",1", "0-99999999", "1 2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct flurm_coreset s;
        errno = 0;
        ck_assert_msg(flurm_coreset_parse(&s, bad[i], 4) < 0, "\"%s\" accepted", bad[i]);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_ptr_null(s.bits);
    }
}
END_TEST

START_TEST(set_operations_respect_sizes)
{
    struct flurm_coreset a, b;
    ck_assert_int_eq(flurm_coreset_parse(&a, "0-1,70", 72), 0);
    ck_assert_int_eq(flurm_coreset_parse(&b, "1-2", 4), 0);
    ck_assert(flurm_coreset_overlaps(&a, &b));
    ck_assert_uint_eq(flurm_coreset_count(&a), 3);
    flurm_coreset_remove(&a, &b);
    ck_assert(!flurm_coreset_overlaps(&a, &b));
    ck_assert(flurm_coreset_test(&a, 0) && !flurm_coreset_test(&a, 1) && flurm_coreset_test(&a, 70));
    flurm_coreset_add(&b, &a); /* b has 4 cores: core 70 of a cannot enter it */
    ck_assert_uint_eq(flurm_coreset_count(&b), 3);
    ck_assert(!flurm_coreset_test(&b, 70));
    flurm_coreset_set(&b, 1000); /* past the end: nothing */
    ck_assert_uint_eq(flurm_coreset_count(&b), 3);
    flurm_coreset_clear(&a);
    flurm_coreset_clear(&b);
    flurm_coreset_clear(NULL);
}
END_TEST

static uint32_t two_nodes(const char *name, void *arg)
{
    (void)arg;
    if (strcmp(name, "n1") == 0 || strcmp(name, "n2") == 0)
        return 4;
    return 0;
}

START_TEST(an_allocation_built_host_by_host_writes_the_contract_form)
{
    struct flurm_alloc *a = flurm_alloc_create();
    struct flurm_coreset c;
    ck_assert_int_eq(flurm_coreset_parse(&c, "0-1", 4), 0);
    ck_assert_int_eq(flurm_alloc_add_host(a, "n1", &c, 2, 500, true), 0);
    flurm_coreset_unset(&c, 1);
    ck_assert_int_eq(flurm_alloc_add_host(a, "n2", &c, 1, 500, true), 0);
    errno = 0;
    ck_assert_int_eq(flurm_alloc_add_host(a, "n2", &c, 1, 500, true), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(flurm_alloc_add_host(a, "n3", &c, 0, 0, true), -1);
    flurm_coreset_clear(&c);

    json_t *o = flurm_alloc_to_json(a);
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_str_eq(s, "{\"batch_host\":\"n1\",\"hosts\":[{\"cores\":\"0-1\",\"cpus\":2,"
                        "\"mem\":500,\"name\":\"n1\"},{\"cores\":\"0\",\"cpus\":1,\"mem\":500,"
                        "\"name\":\"n2\"}],\"nodes\":\"n[1-2]\"}");
    ck_assert_uint_eq(flurm_alloc_cpus(a), 3);

    char err[128] = "";
    struct flurm_alloc *b = flurm_alloc_from_json(o, two_nodes, NULL, err, sizeof(err));
    ck_assert_msg(b != NULL, "%s", err);
    ck_assert_str_eq(b->nodes, "n[1-2]");
    ck_assert_str_eq(b->batch_host, "n1");
    ck_assert_uint_eq(b->hosts[1].cores.ncores, 4);
    ck_assert(flurm_coreset_test(&flurm_alloc_host(b, "n1")->cores, 1));
    ck_assert_ptr_null(flurm_alloc_host(b, "n3"));
    free(s);
    json_decref(o);
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(b);
    flurm_alloc_destroy(NULL);
}
END_TEST

static void refused(const char *text, uint32_t (*ncores)(const char *, void *), const char *why)
{
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    ck_assert_msg(o != NULL, "bad test JSON %s", text);
    char err[160] = "";
    errno = 0;
    struct flurm_alloc *a = flurm_alloc_from_json(o, ncores, NULL, err, sizeof(err));
    ck_assert_msg(a == NULL, "accepted %s", text);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_msg(strstr(err, why) != NULL, "%s: \"%s\" lacks \"%s\"", text, err, why);
    json_decref(o);
}

START_TEST(inconsistent_allocations_are_refused_with_the_reason)
{
    refused("{\"nodes\":\"n1\",\"hosts\":[]}", two_nodes, "non-empty");
    refused("{\"nodes\":\"n1\",\"hosts\":[{\"name\":\"n1\",\"cores\":\"0\",\"cpus\":0,\"mem\":0}]}",
            two_nodes, "cpus");
    refused("{\"nodes\":\"n9\",\"hosts\":[{\"name\":\"n9\",\"cores\":\"0\",\"cpus\":1,\"mem\":0}]}",
            two_nodes, "unknown host n9");
    refused("{\"nodes\":\"n1\",\"hosts\":[{\"name\":\"n1\",\"cores\":\"4\",\"cpus\":1,\"mem\":0}]}",
            two_nodes, "bad core list");
    refused("{\"nodes\":\"n2\",\"hosts\":[{\"name\":\"n1\",\"cores\":\"0\",\"cpus\":1,\"mem\":0}]}",
            two_nodes, "not the hosts' list");
    refused("{\"nodes\":\"n[1,1]\",\"hosts\":[{\"name\":\"n1\",\"cores\":\"0\",\"cpus\":1,\"mem\":0},"
            "{\"name\":\"n1\",\"cores\":\"1\",\"cpus\":1,\"mem\":0}]}",
            two_nodes, "twice");
    refused("{\"nodes\":\"n1\",\"batch_host\":\"n2\",\"hosts\":[{\"name\":\"n1\",\"cores\":\"0\","
            "\"cpus\":1,\"mem\":0}]}",
            NULL, "batch_host n2");
}
END_TEST

START_TEST(readers_without_the_node_table_size_sets_by_the_list)
{
    json_t *o = json_loads("{\"nodes\":\"gpu7\",\"hosts\":[{\"name\":\"gpu7\",\"cores\":\"2-3,9\","
                           "\"cpus\":6,\"mem\":0}]}",
                           0, NULL);
    struct flurm_alloc *a = flurm_alloc_from_json(o, NULL, NULL, NULL, 0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_null(a->batch_host);
    ck_assert_uint_eq(a->hosts[0].cores.ncores, 10);
    ck_assert_uint_eq(flurm_coreset_count(&a->hosts[0].cores), 3);
    flurm_alloc_destroy(a);
    json_decref(o);
}
END_TEST

static Suite *alloc_suite(void)
{
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("alloc");
    tcase_add_test(tc, core_lists_round_trip_in_ranged_form);
    tcase_add_test(tc, malformed_core_lists_are_refused);
    tcase_add_test(tc, set_operations_respect_sizes);
    tcase_add_test(tc, an_allocation_built_host_by_host_writes_the_contract_form);
    tcase_add_test(tc, inconsistent_allocations_are_refused_with_the_reason);
    tcase_add_test(tc, readers_without_the_node_table_size_sets_by_the_list);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(alloc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
