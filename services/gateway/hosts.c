/*
 * hosts.c - origin host names of requests, cached (see hosts.h).
 *
 * The cache is a small array searched linearly: a cluster's clients come
 * from a handful of hosts, and a lookup of a present address is a few
 * integer compares.
 */
#include "services/gateway/hosts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/log.h"

#define SLOW_LOOKUP_S 0.1

struct host_entry {
    struct in_addr addr;
    double expires;
    char name[GW_HOSTS_NAME_MAX];
};

struct gw_hosts {
    struct host_entry *v;
    size_t n, max;
    gw_hosts_lookup_fn lookup;
    unsigned long lookups;
};

static int lookup_getnameinfo(struct in_addr addr, char *name, size_t len)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr = addr};

    return getnameinfo((struct sockaddr *)&sin, sizeof(sin), name, (socklen_t)len, NULL, 0,
                       NI_NAMEREQD) == 0
               ? 0
               : -1;
}

static double monotonic_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct gw_hosts *gw_hosts_create(size_t max_entries)
{
    struct gw_hosts *hosts = NULL;

    if (max_entries == 0) {
        errno = EINVAL;
        goto error;
    }
    if (!(hosts = calloc(1, sizeof(*hosts))) ||
        !(hosts->v = calloc(max_entries, sizeof(*hosts->v))))
        goto error;
    hosts->max = max_entries;
    hosts->lookup = lookup_getnameinfo;
    return hosts;
error:
    gw_hosts_destroy(hosts);
    return NULL;
}

void gw_hosts_destroy(struct gw_hosts *hosts)
{
    if (!hosts)
        return;
    free(hosts->v);
    free(hosts);
}

void gw_hosts_set_lookup(struct gw_hosts *hosts, gw_hosts_lookup_fn fn)
{
    hosts->lookup = fn ? fn : lookup_getnameinfo;
}

unsigned long gw_hosts_lookups(const struct gw_hosts *hosts)
{
    return hosts->lookups;
}

/* The slot for addr: its own, a free one, or the one that expires first. */
static struct host_entry *slot_for(struct gw_hosts *hosts, struct in_addr addr)
{
    struct host_entry *oldest = NULL;

    for (size_t i = 0; i < hosts->n; i++) {
        if (hosts->v[i].addr.s_addr == addr.s_addr)
            return &hosts->v[i];
        if (!oldest || hosts->v[i].expires < oldest->expires)
            oldest = &hosts->v[i];
    }
    if (hosts->n < hosts->max)
        return &hosts->v[hosts->n++];
    return oldest;
}

const char *gw_hosts_name(struct gw_hosts *hosts, struct in_addr addr, double now)
{
    struct host_entry *e = slot_for(hosts, addr);
    char dotted[INET_ADDRSTRLEN];
    double t0, took;
    char *dot;

    if (e->addr.s_addr == addr.s_addr && e->name[0] && now < e->expires)
        return e->name;
    e->addr = addr;
    inet_ntop(AF_INET, &addr, dotted, sizeof(dotted));
    /* IPv6-only hosts make munge report 0.0.0.0, which never resolves */
    if (addr.s_addr == 0) {
        strcpy(e->name, dotted);
        e->expires = now + GW_HOSTS_NAME_TTL;
        return e->name;
    }
    hosts->lookups++;
    t0 = monotonic_s();
    if (hosts->lookup(addr, e->name, sizeof(e->name)) == 0 && e->name[0]) {
        /* xgetnameinfo's callers keep the short name */
        if ((dot = strchr(e->name, '.')))
            *dot = '\0';
        e->expires = now + GW_HOSTS_NAME_TTL;
    } else {
        flurm_info("no host name for %s: using the address as the host name", dotted);
        strcpy(e->name, dotted);
        e->expires = now + GW_HOSTS_FAIL_TTL;
    }
    took = monotonic_s() - t0;
    if (took > SLOW_LOOKUP_S)
        flurm_warn("looking up the host name of %s took %.0f ms (the gateway waited; the "
                   "answer is cached for %.0f s)",
                   dotted, took * 1e3, e->expires - now);
    return e->name;
}
