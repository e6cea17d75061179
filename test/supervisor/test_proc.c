/*
 * test_proc.c - a child is started as the process contract says: its own
 * process group, fd 0 on /dev/null, the readiness pipe on fd 3, listening
 * sockets from fd 4, no other fd inherited, default signal handling; and a
 * failing exec is reported synchronously with its reason.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/proc.h"

static char err[512];

/* Run `script` in /bin/sh as a supervised child; return what it wrote on
 * its notify fd (NUL-terminated, caller's buffer) and its exit status. */
static int run_script(const char *script, const int *listen, size_t nlisten, char *out,
                      size_t outlen)
{
    char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", "X=1", NULL};
    struct sup_spawn s = {.path = "/bin/sh", .argv = argv, .envp = envp,
                          .listen_fds = listen, .nlisten = nlisten};
    int notify = -1, status = 0;
    size_t len = 0;
    pid_t pid = sup_proc_spawn(&s, &notify, err, sizeof(err));

    ck_assert_msg(pid > 0, "%s", err);
    ck_assert(fcntl(notify, F_GETFL) & O_NONBLOCK);
    ck_assert(fcntl(notify, F_GETFD) & FD_CLOEXEC);
    for (;;) {
        struct pollfd p = {notify, POLLIN, 0};
        ssize_t n;
        ck_assert_int_eq(poll(&p, 1, 5000), 1);
        n = read(notify, out + len, outlen - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    out[len] = '\0';
    close(notify);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

START_TEST(test_child_environment_and_fds)
{
    char out[1024];
    char marker[] = "/tmp/flurm-stray-fd-XXXXXX";
    /* a stray fd of ours, which the child must not see: a file with a name
     * we can look for among the child's fds */
    int stray = mkstemp(marker);
    int status;

    ck_assert_int_ge(stray, 3);
    /* Which files the shell's fds lead to is stable; their exact numbers
     * are not (the shell opens and closes its own as it runs a pipeline). */
    status = run_script("echo \"notify=$FLURM_NOTIFY_FD listen=${FLURM_LISTEN_FD-unset} x=$X "
                        "pgid=$(($(ps -o pgid= $$)==$$)) "
                        "stdin=$(readlink /proc/$$/fd/0) "
                        "fd3=$(readlink /proc/$$/fd/3 | cut -d: -f1) "
                        "stray=$(ls -l /proc/$$/fd | grep -c flurm-stray-fd)\" >&3",
                        NULL, 0, out, sizeof(out));
    close(stray);
    unlink(marker);
    ck_assert_int_eq(status, 0);
    ck_assert_str_eq(out, "notify=3 listen=unset x=1 pgid=1 stdin=/dev/null fd3=pipe stray=0\n");
}
END_TEST

START_TEST(test_child_gets_listening_fds)
{
    int p1[2], p2[2];
    int listen[2];
    char out[256];

    ck_assert_int_eq(pipe(p1), 0);
    ck_assert_int_eq(pipe(p2), 0);
    listen[0] = p1[0];
    listen[1] = p2[0];
    ck_assert_int_eq(write(p1[1], "A", 1), 1);
    ck_assert_int_eq(write(p2[1], "B", 1), 1);
    run_script("a=$(head -c1 <&4); b=$(head -c1 <&5); echo \"$FLURM_LISTEN_FD $a$b\" >&3",
               listen, 2, out, sizeof(out));
    ck_assert_str_eq(out, "4,5 AB\n");
    close(p1[0]);
    close(p1[1]);
    close(p2[0]);
    close(p2[1]);
}
END_TEST

START_TEST(test_child_has_default_signal_handling)
{
    char out[256];
    sigset_t block, old;
    int status;

    /* The supervisor blocks and ignores signals; its children must not
     * inherit that. */
    signal(SIGTERM, SIG_IGN);
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &old);
    status = run_script("echo ready >&3; exec 3>&-; kill -TERM $$; sleep 5", NULL, 0, out,
                        sizeof(out));
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGTERM, SIG_DFL);
    ck_assert(WIFSIGNALED(status));
    ck_assert_int_eq(WTERMSIG(status), SIGTERM);
}
END_TEST

START_TEST(test_exec_failure_is_reported)
{
    char *argv[] = {"/nonexistent/x", NULL};
    char *envp[] = {NULL};
    struct sup_spawn s = {.path = "/nonexistent/x", .argv = argv, .envp = envp};
    int notify = -1;

    ck_assert_int_eq(sup_proc_spawn(&s, &notify, err, sizeof(err)), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_str_eq(err, "exec /nonexistent/x: No such file or directory");
    ck_assert_int_eq(notify, -1);
    /* the failed child was reaped already */
    ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
    ck_assert_int_eq(errno, ECHILD);
}
END_TEST

START_TEST(test_kill_group_reaches_grandchildren)
{
    char *argv[] = {"/bin/sh", "-c", "sleep 30 & echo $! >&3; exec 3>&-; wait", NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    struct sup_spawn s = {.path = "/bin/sh", .argv = argv, .envp = envp};
    int notify = -1;
    char buf[32] = "";
    pid_t pid = sup_proc_spawn(&s, &notify, err, sizeof(err));
    struct pollfd p = {notify, POLLIN, 0};
    long grandchild;

    ck_assert_msg(pid > 0, "%s", err);
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
    ck_assert_int_gt(read(notify, buf, sizeof(buf) - 1), 0);
    grandchild = strtol(buf, NULL, 10);
    ck_assert_int_gt(grandchild, 0);
    ck_assert_int_eq(sup_proc_kill_group(pid, SIGKILL), 0);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    /* the grandchild is not ours to reap; it must be gone or a zombie soon */
    for (int i = 0; i < 250; i++) {
        char path[64], stat[256];
        FILE *f;
        snprintf(path, sizeof(path), "/proc/%ld/stat", grandchild);
        if (!(f = fopen(path, "r")))
            break;
        char *ok = fgets(stat, sizeof(stat), f);
        fclose(f);
        if (ok && strstr(stat, ") Z "))
            break;
        ck_assert_msg(i < 249, "grandchild %ld survived SIGKILL of its group", grandchild);
        usleep(20000);
    }
    close(notify);
    ck_assert_int_eq(sup_proc_kill_group(0, SIGKILL), -1);
}
END_TEST

static Suite *proc_suite(void)
{
    Suite *s = suite_create("supervisor proc");
    TCase *tc = tcase_create("spawn");

    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_child_environment_and_fds);
    tcase_add_test(tc, test_child_gets_listening_fds);
    tcase_add_test(tc, test_child_has_default_signal_handling);
    tcase_add_test(tc, test_exec_failure_is_reported);
    tcase_add_test(tc, test_kill_group_reaches_grandchildren);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(proc_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
