/*
 * test_conf.c - the gateway's view of slurm.conf: SLURM's hash of the file
 * text (the one clients compare: "HASH_VAL = Match") and the controller and
 * node accessors.  Run from the repository root.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/gateway/conf.h"

#define DATA "test/services/gateway/data"

static char dir[] = "/tmp/gw-test-conf.XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static struct gw_conf *load(const char *name)
{
    char path[256], err[256];
    struct gw_conf *conf;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    conf = gw_conf_load(path, err, sizeof(err));
    ck_assert_msg(conf != NULL, "%s", err);
    return conf;
}

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[300];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    strcpy(dir, "/tmp/gw-test-conf.XXXXXX");
}

START_TEST(test_hash_matches_slurmctld)
{
    /* The lab's slurm.conf, for which the real slurmctld 22.05.8 sent
     * hash_val 1436366397 in the captured RESPONSE_BUILD_INFO. */
    char err[256];
    struct gw_conf *conf = gw_conf_load(DATA "/lab.slurm.conf", err, sizeof(err));

    ck_assert_msg(conf != NULL, "%s", err);
    ck_assert_uint_eq(gw_conf_hash(conf), 1436366397u);
    gw_conf_destroy(conf);
}
END_TEST

START_TEST(test_hash_is_over_every_line_read)
{
    /* Comments, blank lines and continued lines all count; an included
     * file counts where its Include line stands. */
    static const char main_text[] = "# a comment\n"
                                    "ClusterName=hashed\n"
                                    "\n"
                                    "Include extra.conf\n"
                                    "SlurmctldHost=h1\n"
                                    "NodeName=n[1-2] \\\n"
                                    "  CPUs=1\n";
    static const char extra_text[] = "MaxJobCount=5 # five\n";
    const char *lines[] = {"# a comment\n",       "ClusterName=hashed\n", "\n",
                           "Include extra.conf\n", "MaxJobCount=5 # five\n", "SlurmctldHost=h1\n",
                           "NodeName=n[1-2] \\\n", "  CPUs=1\n"};
    uint32_t want = 0;
    struct gw_conf *conf;

    write_file("slurm.conf", main_text);
    write_file("extra.conf", extra_text);
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        gw_conf_hash_line(&want, lines[i]);
    conf = load("slurm.conf");
    ck_assert_uint_eq(gw_conf_hash(conf), want);
    ck_assert_uint_ne(want, 0);
    gw_conf_destroy(conf);
}
END_TEST

START_TEST(test_hash_line_takes_bytes_as_signed)
{
    /* x86's signed char: a byte >= 0x80 sign-extends before the shift. */
    uint32_t a = 0, b = 0;

    gw_conf_hash_line(&a, "\xe9");
    gw_conf_hash_line(&b, "i");
    ck_assert_uint_ne(a, b);
    ck_assert_uint_ne(a & 0xffff0000u, 0);
}
END_TEST

START_TEST(test_controllers_and_nodes)
{
    struct gw_conf *conf;

    write_file("slurm.conf", "ClusterName=c\n"
                             "SlurmctldHost=primary(10.1.2.3)\n"
                             "SlurmctldHost=backup\n"
                             "NodeName=n[01-16] CPUs=4\n"
                             "NodeName=gpu1 CPUs=8\n");
    conf = load("slurm.conf");
    ck_assert_uint_eq(gw_conf_ctl_count(conf), 2);
    ck_assert_str_eq(gw_conf_ctl_host(conf, 0), "primary");
    ck_assert_str_eq(gw_conf_ctl_addr(conf, 0), "10.1.2.3");
    ck_assert_str_eq(gw_conf_ctl_host(conf, 1), "backup");
    ck_assert_uint_eq(gw_conf_node_count(conf), 17);
    ck_assert_str_eq(gw_conf_get(conf, "clustername"), "c");
    ck_assert_ptr_null(gw_conf_get(conf, "MaxJobCount"));
    gw_conf_destroy(conf);
}
END_TEST

START_TEST(test_missing_file_is_an_error)
{
    char err[256] = "";

    ck_assert_ptr_null(gw_conf_load("/nonexistent/slurm.conf", err, sizeof(err)));
    ck_assert_msg(strstr(err, "/nonexistent/slurm.conf") != NULL, "err: %s", err);
}
END_TEST

static Suite *conf_suite(void)
{
    Suite *s = suite_create("gateway_conf");
    TCase *tc = tcase_create("conf");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_hash_matches_slurmctld);
    tcase_add_test(tc, test_hash_is_over_every_line_read);
    tcase_add_test(tc, test_hash_line_takes_bytes_as_signed);
    tcase_add_test(tc, test_controllers_and_nodes);
    tcase_add_test(tc, test_missing_file_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(conf_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
