/*
 * listener.c - SLURM TCP listening sockets owned by the supervisor (see
 * listener.h).
 */
#include "supervisor/listener.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/slurmconf.h"

int sup_port_range_parse(const char *s, int *lo, int *hi)
{
    char *end;
    long a, b;

    if (!s || !isdigit((unsigned char)*s))
        goto error;
    errno = 0;
    a = strtol(s, &end, 10);
    b = a;
    if (*end == '-') {
        const char *rest = end + 1;
        if (!isdigit((unsigned char)*rest))
            goto error;
        b = strtol(rest, &end, 10);
    }
    if (errno || *end || a < 1 || b > 65535 || b < a)
        goto error;
    *lo = (int)a;
    *hi = (int)b;
    return 0;
error:
    errno = EINVAL;
    return -1;
}

char *sup_slurmctld_port(const char *path, char *err, size_t errlen)
{
    struct flurm_slurmconf *conf;
    unsigned first, count;
    char *value = NULL;
    int n;

    if (!(conf = flurm_slurmconf_load(path, err, errlen)))
        return NULL;
    first = flurm_slurmconf_slurmctld_port(conf);
    count = flurm_slurmconf_slurmctld_port_count(conf);
    if (count > 1)
        n = asprintf(&value, "%u-%u", first, first + count - 1);
    else
        n = asprintf(&value, "%u", first);
    if (n < 0) {
        value = NULL;
        snprintf(err, errlen, "out of memory");
    }
    flurm_slurmconf_destroy(conf);
    return value;
}

static int open_one(const char *address, int port, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    char service[16];
    int fd = -1;
    int one = 1;
    int rc;

    snprintf(service, sizeof(service), "%d", port);
    if ((rc = getaddrinfo(address, service, &hints, &ai)) != 0) {
        snprintf(err, errlen, "listen address %s: %s", address, gai_strerror(rc));
        errno = EINVAL;
        goto error;
    }
    if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        goto error;
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        snprintf(err, errlen, "bind %s port %d: %s", address, port, strerror(errno));
        goto error;
    }
    if (listen(fd, SOMAXCONN) < 0) {
        snprintf(err, errlen, "listen %s port %d: %s", address, port, strerror(errno));
        goto error;
    }
    freeaddrinfo(ai);
    return fd;
error:
    rc = errno;
    if (fd >= 0)
        close(fd);
    if (ai)
        freeaddrinfo(ai);
    errno = rc;
    return -1;
}

int sup_listen_open(const char *address, int lo, int hi, int **fds, size_t *nfds, char *err,
                    size_t errlen)
{
    int *out = NULL;
    size_t n = 0;
    int saved;

    if (lo < 1 || hi > 65535 || hi < lo) {
        snprintf(err, errlen, "invalid port range %d-%d", lo, hi);
        errno = EINVAL;
        return -1;
    }
    if (!(out = calloc((size_t)(hi - lo + 1), sizeof(int)))) {
        snprintf(err, errlen, "out of memory");
        goto error;
    }
    for (int port = lo; port <= hi; port++) {
        if ((out[n] = open_one(address, port, err, errlen)) < 0)
            goto error;
        n++;
    }
    *fds = out;
    *nfds = n;
    return 0;
error:
    saved = errno;
    sup_listen_close(out, n);
    errno = saved;
    return -1;
}

void sup_listen_close(int *fds, size_t nfds)
{
    if (!fds)
        return;
    for (size_t i = 0; i < nfds; i++)
        close(fds[i]);
    free(fds);
}
