/*
 * ipc.h - where FLURM services meet: the file names below $FLURM_RUNDIR/ipc
 * (docs/architecture.md, "IPC between services").
 *
 * Each instance of a service binds its own sockets, <svc>.<pid>.req and
 * <svc>.<pid>.events, because NNG cannot bind one path twice and two
 * instances overlap during a reload.  The symlinks <svc>.req and
 * <svc>.events point at the newest ready instance and are what consumers
 * dial.  This file builds those names, swaps the symlinks atomically and
 * removes what dead instances left behind.
 */
#ifndef FLURM_IPC_H
#define FLURM_IPC_H

#include <stddef.h>
#include <sys/types.h>

#include <nng/nng.h>

enum flurm_ipc_kind {
    FLURM_IPC_REQ,    /* REP socket: requests */
    FLURM_IPC_EVENTS, /* PUB socket: events */
};

/* Largest message a FLURM socket accepts (NNG's default of 1 MiB is too
 * small for a big job script or a full job list: squeue's records of
 * 100,000 jobs are ~70 MB in wire form). */
#define FLURM_IPC_MSG_MAX (256u * 1024 * 1024)

/* Reconnect back-off of every dialer: short, so that a consumer lands on a
 * new instance quickly after the old one closes. */
#define FLURM_IPC_RECONNECT_MIN_MS 10
#define FLURM_IPC_RECONNECT_MAX_MS 500

/* Longest service name; names use [A-Za-z0-9_-] (no dot: it separates the
 * name from the pid in instance file names). */
#define FLURM_IPC_NAME_MAX 32

/* 1 if `name` is a valid service name, else 0. */
int flurm_ipc_name_valid(const char *name);

/* "$rundir/ipc".  Caller frees; NULL and errno on failure. */
char *flurm_ipc_dir(const char *rundir);

/* "$rundir/ipc/<svc>.<pid>.<kind>", the socket an instance binds.  Fails
 * with ENAMETOOLONG if it would not fit a unix socket address, EINVAL for a
 * bad name.  Caller frees. */
char *flurm_ipc_instance_path(const char *rundir, const char *svc, pid_t pid,
                              enum flurm_ipc_kind kind);

/* "$rundir/ipc/<svc>.<kind>", the symlink consumers dial.  Same failures as
 * above.  Caller frees. */
char *flurm_ipc_link_path(const char *rundir, const char *svc, enum flurm_ipc_kind kind);

/* "ipc://" + the link path: the URL a consumer dials.  Caller frees. */
char *flurm_ipc_link_url(const char *rundir, const char *svc, enum flurm_ipc_kind kind);

/* "ipc://" + the instance path: the URL an instance binds.  Caller frees. */
char *flurm_ipc_instance_url(const char *rundir, const char *svc, pid_t pid,
                             enum flurm_ipc_kind kind);

/* Create $rundir/ipc (mode 0700: the sockets are unauthenticated, so only
 * the FLURM user may reach them) if it does not exist.  -1 and errno. */
int flurm_ipc_prepare_dir(const char *rundir);

/* Point the <svc>.<kind> symlink at this instance's socket, atomically: a
 * consumer dialing at any moment finds either the old or the new target,
 * never nothing.  The link is relative, so it keeps working if the run
 * folder moves.  -1 and errno. */
int flurm_ipc_swap_link(const char *rundir, const char *svc, pid_t pid, enum flurm_ipc_kind kind);

/* Undo a failed reload: if the <svc>.<kind> symlink names instance `from`
 * (a new instance that swapped the link, then died before it was ready),
 * point it back at instance `to` (the one that keeps serving), provided
 * `to` has that socket.  Returns 1 if the link was repointed, 0 if there
 * was nothing to undo, -1 and errno on failure. */
int flurm_ipc_repoint_link(const char *rundir, const char *svc, pid_t from, pid_t to,
                           enum flurm_ipc_kind kind);

/* Remove <svc>.<pid>.* files (and leftover temporary links) of instances
 * whose pid no longer exists.  Files of live instances, including a
 * draining predecessor, are left alone.  Returns how many were removed, or
 * -1 and errno if the folder cannot be read. */
int flurm_ipc_remove_stale(const char *rundir, const char *svc);

/* Remove this instance's own <svc>.<pid>.* sockets (never the symlinks: a
 * successor may already own them).  Missing files are not an error. */
void flurm_ipc_remove_instance(const char *rundir, const char *svc, pid_t pid);

/* The errno value closest to an NNG error code (NNG's own numbers are not
 * errno values).  Unknown codes map to EIO. */
int flurm_ipc_errno(int nng_rv);

/* A socket's listener on one url, which can be bound again. */
struct flurm_ipc_bound {
    nng_listener listener;
    char *url; /* NULL until bound */
};

/* Bind `url` (borrowed, copied) on sock into b.  -1 and errno. */
int flurm_ipc_bind(struct flurm_ipc_bound *b, nng_socket sock, const char *url);

/* Close b's listener and bind its url again on sock: for a listener that
 * no longer accepts (NNG 1.5.2, nanomsg/nng#1518, common/listencheck.h).
 * Closing unlinks the path, so the new bind needs no probe of it;
 * connections made through the old listener close.  -1 and errno (EINVAL
 * if b was never bound). */
int flurm_ipc_rebind(struct flurm_ipc_bound *b, nng_socket sock);

/* Free what b holds (the listener closes with its socket).  NULL-safe. */
void flurm_ipc_bound_clear(struct flurm_ipc_bound *b);

/* A new NNG message holding a copy of `len` bytes of `buf`: every message a
 * FLURM process sends (requests, replies, events) is made here.  The caller
 * owns it until NNG accepts it for sending, and frees it if NNG refuses.
 * NULL and errno (ENOMEM) on failure.
 *
 * One place on purpose: NNG before 1.6.0 drops, without freeing, a message
 * whose pipe closes just as a protocol hands it over (nanomsg/nng#1713), so
 * sanitizer runs on such an NNG suppress leaks allocated in this function
 * and in no other (test/common/nng-1713.supp). */
nng_msg *flurm_ipc_msg_create(const void *buf, size_t len);

#endif
