/*
 * ipc.c - names, symlink swap and stale-file cleanup below $FLURM_RUNDIR/ipc
 * (see ipc.h).
 */
#include "common/ipc.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <nng/nng.h>

#define IPC_URL_SCHEME "ipc://"

static const char *kind_suffix(enum flurm_ipc_kind kind)
{
    return kind == FLURM_IPC_EVENTS ? "events" : "req";
}

int flurm_ipc_name_valid(const char *name)
{
    size_t n;

    if (!name || !*name)
        return 0;
    for (n = 0; name[n]; n++) {
        char c = name[n];
        if (n >= FLURM_IPC_NAME_MAX)
            return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* asprintf that also enforces the unix socket address limit. */
static char *socket_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *socket_path(const char *fmt, ...)
{
    struct sockaddr_un sa;
    char *path = NULL;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&path, fmt, ap);
    va_end(ap);
    if (n < 0) {
        errno = ENOMEM;
        return NULL;
    }
    if ((size_t)n >= sizeof(sa.sun_path)) {
        free(path);
        errno = ENAMETOOLONG;
        return NULL;
    }
    return path;
}

char *flurm_ipc_dir(const char *rundir)
{
    char *dir;

    if (!rundir || !*rundir) {
        errno = EINVAL;
        return NULL;
    }
    if (asprintf(&dir, "%s/ipc", rundir) < 0) {
        errno = ENOMEM;
        return NULL;
    }
    return dir;
}

char *flurm_ipc_instance_path(const char *rundir, const char *svc, pid_t pid,
                              enum flurm_ipc_kind kind)
{
    if (!rundir || !*rundir || !flurm_ipc_name_valid(svc) || pid <= 0) {
        errno = EINVAL;
        return NULL;
    }
    return socket_path("%s/ipc/%s.%ld.%s", rundir, svc, (long)pid, kind_suffix(kind));
}

char *flurm_ipc_link_path(const char *rundir, const char *svc, enum flurm_ipc_kind kind)
{
    if (!rundir || !*rundir || !flurm_ipc_name_valid(svc)) {
        errno = EINVAL;
        return NULL;
    }
    return socket_path("%s/ipc/%s.%s", rundir, svc, kind_suffix(kind));
}

static char *url_of(char *path)
{
    char *url = NULL;

    if (path && asprintf(&url, IPC_URL_SCHEME "%s", path) < 0) {
        url = NULL;
        errno = ENOMEM;
    }
    free(path);
    return url;
}

char *flurm_ipc_link_url(const char *rundir, const char *svc, enum flurm_ipc_kind kind)
{
    return url_of(flurm_ipc_link_path(rundir, svc, kind));
}

char *flurm_ipc_instance_url(const char *rundir, const char *svc, pid_t pid,
                             enum flurm_ipc_kind kind)
{
    return url_of(flurm_ipc_instance_path(rundir, svc, pid, kind));
}

int flurm_ipc_prepare_dir(const char *rundir)
{
    char *dir = flurm_ipc_dir(rundir);
    struct stat st;

    if (!dir)
        goto error;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        goto error;
    if (stat(dir, &st) < 0)
        goto error;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        goto error;
    }
    free(dir);
    return 0;
error:
    free(dir);
    return -1;
}

int flurm_ipc_swap_link(const char *rundir, const char *svc, pid_t pid, enum flurm_ipc_kind kind)
{
    char *link = flurm_ipc_link_path(rundir, svc, kind);
    char *tmp = NULL;
    char target[FLURM_IPC_NAME_MAX + 40];

    if (!link)
        goto error;
    snprintf(target, sizeof(target), "%s.%ld.%s", svc, (long)pid, kind_suffix(kind));
    if (asprintf(&tmp, "%s/ipc/%s.tmp", rundir, target) < 0) {
        tmp = NULL;
        errno = ENOMEM;
        goto error;
    }
    (void)unlink(tmp);
    if (symlink(target, tmp) < 0)
        goto error;
    if (rename(tmp, link) < 0) {
        int saved = errno;
        (void)unlink(tmp);
        errno = saved;
        goto error;
    }
    free(tmp);
    free(link);
    return 0;
error:
    free(tmp);
    free(link);
    return -1;
}

int flurm_ipc_repoint_link(const char *rundir, const char *svc, pid_t from, pid_t to,
                           enum flurm_ipc_kind kind)
{
    char *link = flurm_ipc_link_path(rundir, svc, kind);
    char *to_path = flurm_ipc_instance_path(rundir, svc, to, kind);
    char current[FLURM_IPC_NAME_MAX + 40];
    char dead[FLURM_IPC_NAME_MAX + 40];
    struct stat st;
    ssize_t n;
    int rc = 0;

    if (!link || !to_path)
        goto error;
    n = readlink(link, current, sizeof(current) - 1);
    if (n < 0) {
        if (errno != ENOENT)
            goto error;
        goto done; /* no link: nothing to undo */
    }
    current[n] = '\0';
    snprintf(dead, sizeof(dead), "%s.%ld.%s", svc, (long)from, kind_suffix(kind));
    if (strcmp(current, dead) != 0 || lstat(to_path, &st) < 0)
        goto done;
    if (flurm_ipc_swap_link(rundir, svc, to, kind) < 0)
        goto error;
    rc = 1;
done:
    free(link);
    free(to_path);
    return rc;
error:
    free(link);
    free(to_path);
    return -1;
}

/* If `name` is "<svc>.<pid>.<rest>" with rest one of ours, return the pid,
 * else 0. */
static pid_t instance_pid(const char *name, const char *svc)
{
    static const char *const rests[] = {"req", "events", "req.tmp", "events.tmp"};
    size_t svc_len = strlen(svc);
    const char *p;
    char *end;
    long pid;

    if (strncmp(name, svc, svc_len) != 0 || name[svc_len] != '.')
        return 0;
    p = name + svc_len + 1;
    if (*p < '0' || *p > '9')
        return 0;
    errno = 0;
    pid = strtol(p, &end, 10);
    if (errno != 0 || pid <= 0 || *end != '.')
        return 0;
    for (size_t i = 0; i < sizeof(rests) / sizeof(rests[0]); i++) {
        if (strcmp(end + 1, rests[i]) == 0)
            return (pid_t)pid;
    }
    return 0;
}

int flurm_ipc_remove_stale(const char *rundir, const char *svc)
{
    char *dir = flurm_ipc_dir(rundir);
    DIR *d = NULL;
    struct dirent *ent;
    int removed = 0;

    if (!dir)
        goto error;
    if (!flurm_ipc_name_valid(svc)) {
        errno = EINVAL;
        goto error;
    }
    if (!(d = opendir(dir)))
        goto error;
    while ((ent = readdir(d))) {
        pid_t pid = instance_pid(ent->d_name, svc);
        if (pid <= 0 || pid == getpid())
            continue;
        /* EPERM means the pid exists (owned by someone else): not stale. */
        if (kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        if (unlinkat(dirfd(d), ent->d_name, 0) == 0)
            removed++;
    }
    closedir(d);
    free(dir);
    return removed;
error:
    if (d)
        closedir(d);
    free(dir);
    return -1;
}

void flurm_ipc_remove_instance(const char *rundir, const char *svc, pid_t pid)
{
    enum flurm_ipc_kind kinds[] = {FLURM_IPC_REQ, FLURM_IPC_EVENTS};

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        char *path = flurm_ipc_instance_path(rundir, svc, pid, kinds[i]);
        if (path)
            (void)unlink(path);
        free(path);
    }
}

/* Every FLURM listener is bound through here, so that LeakSanitizer can
 * be told of what NNG 1.5.2 leaks when a deaf listener is closed
 * (nanomsg/nng#1518, test/common/nng-1713.supp), and of nothing else. */
__attribute__((noinline)) static int ipc_nng_listen(nng_socket sock, const char *url,
                                                    nng_listener *listener)
{
    return nng_listen(sock, url, listener, 0);
}

int flurm_ipc_bind(struct flurm_ipc_bound *b, nng_socket sock, const char *url)
{
    char *copy;
    int rv;

    if (!(copy = strdup(url)))
        return -1;
    if ((rv = ipc_nng_listen(sock, url, &b->listener)) != 0) {
        free(copy);
        errno = flurm_ipc_errno(rv);
        return -1;
    }
    free(b->url);
    b->url = copy;
    return 0;
}

int flurm_ipc_rebind(struct flurm_ipc_bound *b, nng_socket sock)
{
    int rv;

    if (!b->url) {
        errno = EINVAL;
        return -1;
    }
    (void)nng_listener_close(b->listener);
    if ((rv = ipc_nng_listen(sock, b->url, &b->listener)) != 0) {
        errno = flurm_ipc_errno(rv);
        return -1;
    }
    return 0;
}

void flurm_ipc_bound_clear(struct flurm_ipc_bound *b)
{
    if (!b)
        return;
    free(b->url);
    b->url = NULL;
}

int flurm_ipc_errno(int nng_rv)
{
    static const struct {
        int nng;
        int err;
    } map[] = {
        {NNG_EINTR, EINTR},           {NNG_ENOMEM, ENOMEM},
        {NNG_EINVAL, EINVAL},         {NNG_EBUSY, EBUSY},
        {NNG_ETIMEDOUT, ETIMEDOUT},   {NNG_ECONNREFUSED, ECONNREFUSED},
        {NNG_ECLOSED, EBADF},         {NNG_EAGAIN, EAGAIN},
        {NNG_ENOTSUP, ENOTSUP},       {NNG_EADDRINUSE, EADDRINUSE},
        {NNG_ESTATE, EPROTO},         {NNG_ENOENT, ENOENT},
        {NNG_EPROTO, EPROTO},         {NNG_EUNREACHABLE, EHOSTUNREACH},
        {NNG_EADDRINVAL, EINVAL},     {NNG_EPERM, EPERM},
        {NNG_EMSGSIZE, EMSGSIZE},     {NNG_ECONNABORTED, ECONNABORTED},
        {NNG_ECONNRESET, ECONNRESET}, {NNG_ECANCELED, ECANCELED},
        {NNG_ENOFILES, EMFILE},       {NNG_ENOSPC, ENOSPC},
        {NNG_EEXIST, EEXIST},         {NNG_EREADONLY, EROFS},
        {NNG_ECONNSHUT, ECONNRESET},
    };

    if (nng_rv == 0)
        return 0;
    if (nng_rv & NNG_ESYSERR)
        return nng_rv & ~NNG_ESYSERR;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i].nng == nng_rv)
            return map[i].err;
    }
    return EIO;
}

/* noinline: the leak suppression names this frame, which must stay in the
 * allocation's stack trace whatever the optimiser does. */
__attribute__((noinline)) nng_msg *flurm_ipc_msg_create(const void *buf, size_t len)
{
    nng_msg *msg = NULL;
    int rv;

    if ((rv = nng_msg_alloc(&msg, 0)) != 0 || (len && (rv = nng_msg_append(msg, buf, len)) != 0)) {
        nng_msg_free(msg);
        errno = flurm_ipc_errno(rv);
        return NULL;
    }
    return msg;
}
