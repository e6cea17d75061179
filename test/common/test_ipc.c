/*
 * test_ipc.c - the names below $FLURM_RUNDIR/ipc, the symlink swap, and the
 * cleanup of what dead instances leave behind.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/ipc.h"

static char rundir[] = "/tmp/flurm-test-ipc-XXXXXX";

static void make_rundir(void)
{
    ck_assert_ptr_nonnull(mkdtemp(rundir));
    ck_assert_int_eq(flurm_ipc_prepare_dir(rundir), 0);
}

static void remove_rundir(void)
{
    char cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", rundir);
    ck_assert_int_eq(system(cmd), 0);
}

static void touch(const char *name)
{
    char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof(path), "%s/ipc/%s", rundir, name);
    ck_assert_ptr_nonnull(f = fopen(path, "w"));
    fclose(f);
}

static int exists(const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof(path), "%s/ipc/%s", rundir, name);
    return lstat(path, &st) == 0;
}

/* A pid that certainly belongs to no process: a child we have reaped. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(0);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    return pid;
}

START_TEST(instance_and_link_names_follow_the_convention)
{
    char *p = flurm_ipc_instance_path("/run/flurm", "store", 4242, FLURM_IPC_REQ);
    char *e = flurm_ipc_instance_path("/run/flurm", "store", 4242, FLURM_IPC_EVENTS);
    char *l = flurm_ipc_link_path("/run/flurm", "store", FLURM_IPC_REQ);
    char *u = flurm_ipc_link_url("/run/flurm", "store", FLURM_IPC_EVENTS);
    char *iu = flurm_ipc_instance_url("/run/flurm", "store", 7, FLURM_IPC_REQ);

    ck_assert_str_eq(p, "/run/flurm/ipc/store.4242.req");
    ck_assert_str_eq(e, "/run/flurm/ipc/store.4242.events");
    ck_assert_str_eq(l, "/run/flurm/ipc/store.req");
    ck_assert_str_eq(u, "ipc:///run/flurm/ipc/store.events");
    ck_assert_str_eq(iu, "ipc:///run/flurm/ipc/store.7.req");
    free(p);
    free(e);
    free(l);
    free(u);
    free(iu);
}
END_TEST

START_TEST(paths_that_do_not_fit_a_socket_address_are_refused)
{
    char longdir[120];

    memset(longdir, 'd', sizeof(longdir) - 1);
    longdir[0] = '/';
    longdir[sizeof(longdir) - 1] = '\0';
    ck_assert_ptr_null(flurm_ipc_instance_path(longdir, "store", 1, FLURM_IPC_REQ));
    ck_assert_int_eq(errno, ENAMETOOLONG);
    ck_assert_ptr_null(flurm_ipc_link_url(longdir, "store", FLURM_IPC_REQ));
    ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

START_TEST(service_names_are_restricted)
{
    ck_assert(flurm_ipc_name_valid("store"));
    ck_assert(flurm_ipc_name_valid("node-mgr_2"));
    ck_assert(!flurm_ipc_name_valid(""));
    ck_assert(!flurm_ipc_name_valid(NULL));
    ck_assert(!flurm_ipc_name_valid("store.1"));
    ck_assert(!flurm_ipc_name_valid("../x"));
    ck_assert(!flurm_ipc_name_valid("abcdefghijklmnopqrstuvwxyz0123456"));
    ck_assert_ptr_null(flurm_ipc_link_path("/run", "a.b", FLURM_IPC_REQ));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(swap_points_the_link_at_the_newest_instance)
{
    char link[PATH_MAX], target[64];
    ssize_t n;

    make_rundir();
    snprintf(link, sizeof(link), "%s/ipc/store.req", rundir);
    ck_assert_int_eq(flurm_ipc_swap_link(rundir, "store", 100, FLURM_IPC_REQ), 0);
    n = readlink(link, target, sizeof(target) - 1);
    ck_assert_int_gt(n, 0);
    target[n] = '\0';
    ck_assert_str_eq(target, "store.100.req");

    ck_assert_int_eq(flurm_ipc_swap_link(rundir, "store", 200, FLURM_IPC_REQ), 0);
    n = readlink(link, target, sizeof(target) - 1);
    target[n] = '\0';
    ck_assert_str_eq(target, "store.200.req");
    ck_assert(!exists("store.200.req.tmp"));
    remove_rundir();
}
END_TEST

START_TEST(stale_files_of_dead_instances_are_removed_live_ones_kept)
{
    char name[64];
    pid_t dead = dead_pid();

    make_rundir();
    snprintf(name, sizeof(name), "store.%ld.req", (long)dead);
    touch(name);
    snprintf(name, sizeof(name), "store.%ld.events", (long)dead);
    touch(name);
    snprintf(name, sizeof(name), "store.%ld.req.tmp", (long)dead);
    touch(name);
    snprintf(name, sizeof(name), "store.%ld.req", (long)getppid());
    touch(name);
    snprintf(name, sizeof(name), "nodes.%ld.req", (long)dead); /* another service */
    touch(name);
    touch("store.req");
    touch("store.notapid.req");

    ck_assert_int_eq(flurm_ipc_remove_stale(rundir, "store"), 3);
    snprintf(name, sizeof(name), "store.%ld.req", (long)dead);
    ck_assert(!exists(name));
    snprintf(name, sizeof(name), "store.%ld.req", (long)getppid());
    ck_assert(exists(name));
    snprintf(name, sizeof(name), "nodes.%ld.req", (long)dead);
    ck_assert(exists(name));
    ck_assert(exists("store.req"));
    ck_assert(exists("store.notapid.req"));
    remove_rundir();
}
END_TEST

START_TEST(an_instance_removes_only_its_own_sockets)
{
    make_rundir();
    touch("store.5.req");
    touch("store.5.events");
    touch("store.6.req");
    ck_assert_int_eq(flurm_ipc_swap_link(rundir, "store", 5, FLURM_IPC_REQ), 0);
    flurm_ipc_remove_instance(rundir, "store", 5);
    ck_assert(!exists("store.5.req"));
    ck_assert(!exists("store.5.events"));
    ck_assert(exists("store.6.req"));
    ck_assert(exists("store.req"));
    remove_rundir();
}
END_TEST

START_TEST(the_ipc_folder_is_private)
{
    char dir[PATH_MAX];
    struct stat st;

    make_rundir();
    snprintf(dir, sizeof(dir), "%s/ipc", rundir);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(flurm_ipc_prepare_dir(rundir), 0); /* again: fine */
    remove_rundir();
}
END_TEST

static Suite *ipc_suite(void)
{
    Suite *s = suite_create("ipc");
    TCase *tc = tcase_create("ipc");

    tcase_add_test(tc, instance_and_link_names_follow_the_convention);
    tcase_add_test(tc, paths_that_do_not_fit_a_socket_address_are_refused);
    tcase_add_test(tc, service_names_are_restricted);
    tcase_add_test(tc, swap_points_the_link_at_the_newest_instance);
    tcase_add_test(tc, stale_files_of_dead_instances_are_removed_live_ones_kept);
    tcase_add_test(tc, an_instance_removes_only_its_own_sockets);
    tcase_add_test(tc, the_ipc_folder_is_private);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ipc_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
