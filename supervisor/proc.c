/*
 * proc.c - fork/exec of one supervised child (see proc.h).
 *
 * The exec error is reported through a close-on-exec pipe: an empty read
 * means the exec succeeded, four bytes are the errno of the failure.  That
 * makes "the executable is missing" a synchronous error with a precise
 * reason, which `flurm-sup reload` must give back to its caller.
 */
#include "supervisor/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_NOTIFY_FD 3
#define CHILD_LISTEN_FD 4

struct child_failure {
    int stage; /* which step failed, for the message */
    int err;
};

enum { STAGE_SETUP, STAGE_EXEC };

/* Async-signal-safe only from here to the exec: the parent may have
 * threads (NNG), so the child must not touch malloc or stdio. */
static void __attribute__((noreturn))
child_fail(int errfd, int stage)
{
    struct child_failure f = {stage, errno};
    ssize_t n = write(errfd, &f, sizeof(f));

    (void)n;
    _exit(127);
}

static void __attribute__((noreturn))
run_child(const struct sup_spawn *s, char *const *envp, int notify_w, int err_w, int devnull,
          pid_t parent)
{
    int nfixed = 1 + (int)s->nlisten; /* notify + listeners, from fd 3 */
    int err_target = CHILD_NOTIFY_FD + nfixed;
    int tmp[64 + 1];
    int tmp_err;
    sigset_t none;

    setpgid(0, 0);
    /* If the supervisor dies without stopping us, drain instead of living
     * on unsupervised; the check closes the race with a parent that died
     * before prctl. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
        _exit(111);
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* Copy everything we keep above the target range first, so that the
     * dup2()s below can never clobber a source. */
    if ((tmp[0] = fcntl(notify_w, F_DUPFD, err_target + 1)) < 0)
        child_fail(err_w, STAGE_SETUP);
    for (size_t i = 0; i < s->nlisten; i++) {
        if ((tmp[1 + i] = fcntl(s->listen_fds[i], F_DUPFD, err_target + 1)) < 0)
            child_fail(err_w, STAGE_SETUP);
    }
    if ((tmp_err = fcntl(err_w, F_DUPFD_CLOEXEC, err_target + 1)) < 0)
        child_fail(err_w, STAGE_SETUP);
    if (dup2(devnull, STDIN_FILENO) < 0)
        child_fail(tmp_err, STAGE_SETUP);
    for (int i = 0; i < nfixed; i++) {
        if (dup2(tmp[i], CHILD_NOTIFY_FD + i) < 0) /* dup2 clears close-on-exec */
            child_fail(tmp_err, STAGE_SETUP);
    }
    if (dup3(tmp_err, err_target, O_CLOEXEC) < 0)
        child_fail(tmp_err, STAGE_SETUP);
    if (close_range((unsigned)err_target + 1, ~0U, 0) < 0) {
        for (int fd = err_target + 1; fd < 65536; fd++)
            close(fd);
    }
    execve(s->path, s->argv, envp);
    child_fail(err_target, STAGE_EXEC);
}

/* envp of the child: the caller's plus the fd numbers, which only this file
 * knows. */
static char **child_env(const struct sup_spawn *s)
{
    size_t n = 0, k = 0;
    char **envp;
    char listen[16 * 64 + 32];
    size_t pos;

    while (s->envp[n])
        n++;
    if (!(envp = calloc(n + 3, sizeof(char *))))
        return NULL;
    for (size_t i = 0; i < n; i++)
        envp[k++] = s->envp[i];
    if (asprintf(&envp[k], "FLURM_NOTIFY_FD=%d", CHILD_NOTIFY_FD) < 0) {
        envp[k] = NULL;
        goto error;
    }
    k++;
    if (s->nlisten) {
        pos = (size_t)snprintf(listen, sizeof(listen), "FLURM_LISTEN_FD=");
        for (size_t i = 0; i < s->nlisten; i++)
            pos += (size_t)snprintf(listen + pos, sizeof(listen) - pos, "%s%d", i ? "," : "",
                                    CHILD_LISTEN_FD + (int)i);
        if (!(envp[k] = strdup(listen)))
            goto error;
    }
    return envp;
error:
    free(envp[n]);
    free(envp);
    return NULL;
}

static void child_env_free(char **envp, const struct sup_spawn *s)
{
    size_t n = 0;

    if (!envp)
        return;
    while (s->envp[n])
        n++;
    free(envp[n]);
    free(envp[n + 1]);
    free(envp);
}

pid_t sup_proc_spawn(const struct sup_spawn *s, int *notify_fd, char *err, size_t errlen)
{
    int notify[2] = {-1, -1};
    int errpipe[2] = {-1, -1};
    int devnull = -1;
    char **envp = NULL;
    struct child_failure f;
    pid_t parent = getpid();
    pid_t pid = -1;
    ssize_t n;
    int saved;

    if (s->nlisten > 64) {
        errno = EINVAL;
        snprintf(err, errlen, "too many listening sockets");
        return -1;
    }
    if (!(envp = child_env(s))) {
        snprintf(err, errlen, "out of memory");
        goto error;
    }
    if (pipe2(notify, O_CLOEXEC) < 0 || pipe2(errpipe, O_CLOEXEC) < 0 ||
        (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto error;
    }
    if ((pid = fork()) < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto error;
    }
    if (pid == 0)
        run_child(s, envp, notify[1], errpipe[1], devnull, parent);
    /* Both sides set the group, so that it exists whichever runs first. */
    if (setpgid(pid, pid) < 0 && errno != EACCES && errno != ESRCH) {
        /* harmless: the child does it too */
    }
    close(notify[1]);
    notify[1] = -1;
    close(errpipe[1]);
    errpipe[1] = -1;
    do {
        n = read(errpipe[0], &f, sizeof(f));
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof(f)) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        pid = -1;
        errno = f.err;
        if (f.stage == STAGE_EXEC)
            snprintf(err, errlen, "exec %s: %s", s->path, strerror(f.err));
        else
            snprintf(err, errlen, "setting up the child of %s: %s", s->path, strerror(f.err));
        goto error;
    }
    if (fcntl(notify[0], F_SETFL, O_NONBLOCK) < 0) {
        snprintf(err, errlen, "fcntl: %s", strerror(errno));
        kill(pid, SIGKILL);
        /* reaped by the caller's SIGCHLD handling */
        goto error;
    }
    close(errpipe[0]);
    close(devnull);
    child_env_free(envp, s);
    *notify_fd = notify[0];
    return pid;
error:
    saved = errno;
    if (notify[0] >= 0)
        close(notify[0]);
    if (notify[1] >= 0)
        close(notify[1]);
    if (errpipe[0] >= 0)
        close(errpipe[0]);
    if (errpipe[1] >= 0)
        close(errpipe[1]);
    if (devnull >= 0)
        close(devnull);
    child_env_free(envp, s);
    errno = saved;
    return -1;
}

int sup_proc_kill_group(pid_t pid, int sig)
{
    if (pid <= 0) {
        errno = EINVAL;
        return -1;
    }
    return kill(-pid, sig);
}
