/*
 * hosts.h - the short host name of a request's origin, as slurmctld's
 * auth_g_get_host() makes it: the address munge recorded when the
 * credential was encoded (MUNGE_OPT_ADDR4) resolved with getnameinfo()
 * (NI_NAMEREQD) and cut at the first dot, or the dotted address when it
 * does not resolve.  SLURM stores it as a job's AllocNode.
 *
 * getnameinfo() blocks the loop: a loopback or hosts-file address answers
 * at once, a DNS lookup may not.  So every answer is cached (a name for
 * GW_HOSTS_NAME_TTL seconds, a failure for GW_HOSTS_FAIL_TTL), a lookup
 * slower than 100 ms is logged, and the cache holds a bounded number of
 * addresses (the oldest answer makes room).
 */
#ifndef FLURM_GW_HOSTS_H
#define FLURM_GW_HOSTS_H

#include <netinet/in.h>
#include <stddef.h>

#define GW_HOSTS_NAME_TTL 300.0
#define GW_HOSTS_FAIL_TTL 60.0
#define GW_HOSTS_NAME_MAX 256

/* Resolve addr to a host name in name[0..len) (NUL-terminated): 0, or -1
 * when it has none.  The default is getnameinfo(NI_NAMEREQD). */
typedef int (*gw_hosts_lookup_fn)(struct in_addr addr, char *name, size_t len);

struct gw_hosts;

/* A cache of at most max_entries addresses (> 0).  NULL/errno.  Caller
 * destroys. */
struct gw_hosts *gw_hosts_create(size_t max_entries);
void gw_hosts_destroy(struct gw_hosts *hosts); /* NULL-safe */

/* Use fn instead of getnameinfo (tests); NULL restores the default. */
void gw_hosts_set_lookup(struct gw_hosts *hosts, gw_hosts_lookup_fn fn);

/* The short name of addr at time now (seconds, the loop's clock).  The
 * address 0.0.0.0 (munge reports it on IPv6-only hosts) is never looked up
 * and reads "0.0.0.0", as in slurmctld.  Never NULL; borrowed from the
 * cache and valid until the next call. */
const char *gw_hosts_name(struct gw_hosts *hosts, struct in_addr addr, double now);

/* How many lookups were made (cache misses), for tests. */
unsigned long gw_hosts_lookups(const struct gw_hosts *hosts);

#endif
