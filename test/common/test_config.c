/*
 * test_config.c - FLURM_* environment settings are validated, and a service
 * without a usable FLURM_RUNDIR stops with the "permanent failure" code.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/config.h"
#include "common/exitcode.h"

START_TEST(rundir_must_be_an_existing_absolute_directory)
{
    unsetenv("FLURM_RUNDIR");
    ck_assert_ptr_null(flurm_config_rundir());
    ck_assert_int_eq(errno, ENOENT);
    setenv("FLURM_RUNDIR", "relative/dir", 1);
    ck_assert_ptr_null(flurm_config_rundir());
    ck_assert_int_eq(errno, EINVAL);
    setenv("FLURM_RUNDIR", "/nonexistent/flurm", 1);
    ck_assert_ptr_null(flurm_config_rundir());
    ck_assert_int_eq(errno, ENOENT);
    setenv("FLURM_RUNDIR", "/etc/hostname", 1);
    ck_assert_ptr_null(flurm_config_rundir());
    ck_assert_int_eq(errno, ENOTDIR);
    setenv("FLURM_RUNDIR", "/tmp", 1);
    ck_assert_str_eq(flurm_config_rundir(), "/tmp");
}
END_TEST

START_TEST(missing_rundir_is_a_permanent_failure)
{
    unsetenv("FLURM_RUNDIR");
    flurm_config_require_rundir();
}
END_TEST

START_TEST(service_name_comes_validated)
{
    unsetenv("FLURM_SERVICE");
    ck_assert_ptr_null(flurm_config_service());
    ck_assert_int_eq(errno, ENOENT);
    setenv("FLURM_SERVICE", "bad.name", 1);
    ck_assert_ptr_null(flurm_config_service());
    ck_assert_int_eq(errno, EINVAL);
    setenv("FLURM_SERVICE", "store", 1);
    ck_assert_str_eq(flurm_config_service(), "store");
}
END_TEST

START_TEST(fd_variables_must_name_an_open_descriptor)
{
    int fds[2];
    char num[16];

    ck_assert_int_eq(pipe(fds), 0);
    unsetenv("FLURM_NOTIFY_FD");
    ck_assert_int_eq(flurm_config_fd("FLURM_NOTIFY_FD"), -1);
    ck_assert_int_eq(errno, ENOENT);
    setenv("FLURM_NOTIFY_FD", "3x", 1);
    ck_assert_int_eq(flurm_config_fd("FLURM_NOTIFY_FD"), -1);
    ck_assert_int_eq(errno, EINVAL);
    setenv("FLURM_NOTIFY_FD", "-1", 1);
    ck_assert_int_eq(flurm_config_fd("FLURM_NOTIFY_FD"), -1);
    ck_assert_int_eq(errno, EINVAL);
    snprintf(num, sizeof(num), "%d", fds[1]);
    setenv("FLURM_NOTIFY_FD", num, 1);
    ck_assert_int_eq(flurm_config_fd("FLURM_NOTIFY_FD"), fds[1]);
    close(fds[1]);
    ck_assert_int_eq(flurm_config_fd("FLURM_NOTIFY_FD"), -1);
    ck_assert_int_eq(errno, EBADF);
    close(fds[0]);
}
END_TEST

START_TEST(durations_default_when_unset_and_reject_junk)
{
    long ms = 0;

    unsetenv("FLURM_X_MS");
    ck_assert_int_eq(flurm_config_ms("FLURM_X_MS", 250, &ms), 0);
    ck_assert_int_eq(ms, 250);
    setenv("FLURM_X_MS", "1500", 1);
    ck_assert_int_eq(flurm_config_ms("FLURM_X_MS", 250, &ms), 0);
    ck_assert_int_eq(ms, 1500);
    setenv("FLURM_X_MS", "1.5s", 1);
    ck_assert_int_eq(flurm_config_ms("FLURM_X_MS", 250, &ms), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");

    tcase_add_test(tc, rundir_must_be_an_existing_absolute_directory);
    tcase_add_exit_test(tc, missing_rundir_is_a_permanent_failure, FLURM_EXIT_PERMANENT);
    tcase_add_test(tc, service_name_comes_validated);
    tcase_add_test(tc, fd_variables_must_name_an_open_descriptor);
    tcase_add_test(tc, durations_default_when_unset_and_reject_junk);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
