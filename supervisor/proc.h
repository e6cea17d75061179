/*
 * proc.h - start one child process the way the process contract says
 * (docs/architecture.md): its own process group, a readiness pipe on a
 * known fd, the SLURM listening sockets if asked, nothing else inherited.
 *
 * The child's fds: 0 is /dev/null, 1 and 2 are the supervisor's,
 * FLURM_NOTIFY_FD is 3, FLURM_LISTEN_FD is 4 (or "4,5,..." for a port
 * range).  Every other fd is closed.
 */
#ifndef FLURM_SUP_PROC_H
#define FLURM_SUP_PROC_H

#include <stddef.h>
#include <sys/types.h>

struct sup_spawn {
    const char *path;   /* absolute executable */
    char *const *argv;  /* argv[0] included, NULL-terminated */
    char *const *envp;  /* environment without FLURM_NOTIFY_FD/FLURM_LISTEN_FD */
    const int *listen_fds;
    size_t nlisten;
};

/* Fork and exec `s` (borrowed).  On success returns the pid (also the
 * child's process group id) and the read end of its readiness pipe in
 * *notify_fd (non-blocking, close-on-exec; caller closes).  If the exec
 * itself fails, the child has already been reaped, and -1 is returned with
 * errno set and the reason ("exec /x: No such file or directory") in err. */
pid_t sup_proc_spawn(const struct sup_spawn *s, int *notify_fd, char *err, size_t errlen);

/* Signal the whole process group of `pid` (leftovers of a child included). */
int sup_proc_kill_group(pid_t pid, int sig);

#endif
