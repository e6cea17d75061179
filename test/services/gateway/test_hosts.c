/*
 * test_hosts.c - the requesting host's name as slurmctld's
 * auth_g_get_host() gives it (the job's AllocNode): short name, dotted
 * address when there is none, and the cache that keeps the loop from
 * waiting on a lookup for every request.  A scripted lookup stands in for
 * getnameinfo, except in the last test.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/gateway/hosts.h"

/* The scripted resolver: 10.0.0.x is "nodeX.cluster.example", 10.0.1.x has
 * no name; every call is counted. */
static int calls;

static int scripted_lookup(struct in_addr addr, char *name, size_t len)
{
    uint32_t a = ntohl(addr.s_addr);

    calls++;
    if ((a & 0xffffff00u) == 0x0a000000u) {
        snprintf(name, len, "node%u.cluster.example", a & 0xffu);
        return 0;
    }
    return -1;
}

static struct in_addr ip(const char *dotted)
{
    struct in_addr a;

    ck_assert_int_eq(inet_pton(AF_INET, dotted, &a), 1);
    return a;
}

static struct gw_hosts *scripted(size_t max)
{
    struct gw_hosts *h = gw_hosts_create(max);

    ck_assert_ptr_nonnull(h);
    gw_hosts_set_lookup(h, scripted_lookup);
    calls = 0;
    return h;
}

START_TEST(test_name_is_cut_at_its_first_dot)
{
    struct gw_hosts *h = scripted(8);

    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.0.7"), 100.0), "node7");
    gw_hosts_destroy(h);
}
END_TEST

START_TEST(test_address_without_a_name_reads_as_the_address)
{
    struct gw_hosts *h = scripted(8);

    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.1.9"), 100.0), "10.0.1.9");
    gw_hosts_destroy(h);
}
END_TEST

START_TEST(test_unspecified_address_is_never_looked_up)
{
    struct gw_hosts *h = scripted(8);

    ck_assert_str_eq(gw_hosts_name(h, ip("0.0.0.0"), 100.0), "0.0.0.0");
    ck_assert_int_eq(calls, 0);
    ck_assert_uint_eq(gw_hosts_lookups(h), 0);
    gw_hosts_destroy(h);
}
END_TEST

START_TEST(test_a_name_is_looked_up_once_until_it_expires)
{
    struct gw_hosts *h = scripted(8);

    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.0.1"), 100.0), "node1");
    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.0.1"), 100.0 + GW_HOSTS_NAME_TTL - 1), "node1");
    ck_assert_int_eq(calls, 1);
    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.0.1"), 100.0 + GW_HOSTS_NAME_TTL), "node1");
    ck_assert_int_eq(calls, 2);
    ck_assert_uint_eq(gw_hosts_lookups(h), 2);
    gw_hosts_destroy(h);
}
END_TEST

START_TEST(test_a_failed_lookup_is_retried_after_the_shorter_failure_ttl)
{
    struct gw_hosts *h = scripted(8);

    gw_hosts_name(h, ip("10.0.1.1"), 100.0);
    gw_hosts_name(h, ip("10.0.1.1"), 100.0 + GW_HOSTS_FAIL_TTL - 1);
    ck_assert_int_eq(calls, 1);
    gw_hosts_name(h, ip("10.0.1.1"), 100.0 + GW_HOSTS_FAIL_TTL);
    ck_assert_int_eq(calls, 2);
    ck_assert(GW_HOSTS_FAIL_TTL < GW_HOSTS_NAME_TTL);
    gw_hosts_destroy(h);
}
END_TEST

START_TEST(test_addresses_are_cached_apart)
{
    struct gw_hosts *h = scripted(8);

    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.0.1"), 100.0), "node1");
    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.0.2"), 100.0), "node2");
    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.1.3"), 100.0), "10.0.1.3");
    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.0.1"), 101.0), "node1");
    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.0.2"), 101.0), "node2");
    ck_assert_int_eq(calls, 3);
    gw_hosts_destroy(h);
}
END_TEST

START_TEST(test_a_full_cache_forgets_the_answer_that_expires_first)
{
    struct gw_hosts *h = scripted(2);

    gw_hosts_name(h, ip("10.0.0.1"), 100.0);
    gw_hosts_name(h, ip("10.0.0.2"), 110.0);
    gw_hosts_name(h, ip("10.0.0.3"), 120.0); /* takes 10.0.0.1's place */
    ck_assert_int_eq(calls, 3);
    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.0.2"), 121.0), "node2");
    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.0.3"), 121.0), "node3");
    ck_assert_int_eq(calls, 3);
    ck_assert_str_eq(gw_hosts_name(h, ip("10.0.0.1"), 122.0), "node1");
    ck_assert_int_eq(calls, 4);
    gw_hosts_destroy(h);
}
END_TEST

START_TEST(test_zero_entries_is_refused)
{
    ck_assert_ptr_null(gw_hosts_create(0));
    gw_hosts_destroy(NULL);
}
END_TEST

/* The real resolver gives loopback the name the system gives it (from
 * /etc/hosts), cut at its first dot, as slurmctld shows it. */
START_TEST(test_loopback_resolves_like_the_system_says)
{
    struct gw_hosts *h = gw_hosts_create(4);
    struct in_addr lo = ip("127.0.0.1");
    struct hostent *he = gethostbyaddr(&lo, sizeof(lo), AF_INET);
    char want[256];

    ck_assert_ptr_nonnull(h);
    if (he && he->h_name && *he->h_name) {
        snprintf(want, sizeof(want), "%s", he->h_name);
        want[strcspn(want, ".")] = '\0';
    } else {
        strcpy(want, "127.0.0.1");
    }
    ck_assert_str_eq(gw_hosts_name(h, lo, 1.0), want);
    ck_assert_uint_eq(gw_hosts_lookups(h), 1);
    gw_hosts_destroy(h);
}
END_TEST

static Suite *hosts_suite(void)
{
    Suite *s = suite_create("gw_hosts");
    TCase *tc = tcase_create("hosts");

    tcase_add_test(tc, test_name_is_cut_at_its_first_dot);
    tcase_add_test(tc, test_address_without_a_name_reads_as_the_address);
    tcase_add_test(tc, test_unspecified_address_is_never_looked_up);
    tcase_add_test(tc, test_a_name_is_looked_up_once_until_it_expires);
    tcase_add_test(tc, test_a_failed_lookup_is_retried_after_the_shorter_failure_ttl);
    tcase_add_test(tc, test_addresses_are_cached_apart);
    tcase_add_test(tc, test_a_full_cache_forgets_the_answer_that_expires_first);
    tcase_add_test(tc, test_zero_entries_is_refused);
    tcase_add_test(tc, test_loopback_resolves_like_the_system_says);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hosts_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
