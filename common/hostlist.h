/*
 * hostlist.h - SLURM host range expressions: "node[01-16]", "n[1-3,5],gpu[0-1]",
 * "a[1-2]b[3-4]".
 *
 * A hostlist is an ordered list of host names kept as ranges, so that a
 * 65536-node range costs one record.  It follows SLURM 22.05's hostlist.c in
 * what users can see:
 *   - expansion order and zero padding ("n[08-10]" -> n08 n09 n10; the width
 *     of a range is the length of its low bound);
 *   - the compact form of `scontrol show hostlist` (order kept, neighbours
 *     merged: "n3,n1,n2" -> "n[3,1-2]");
 *   - the sort order of `scontrol show hostlistsorted` (natural order of the
 *     prefix, then the width, then the number).
 * Where SLURM's behaviour is an accident, FLURM is stricter and says so in
 * docs/slurm-conf.md: unbalanced brackets, empty or inverted ranges and text
 * after the last ']' are errors; "ALL" is not special (callers handle it).
 *
 * Host names are canonical: "n01[1-2]" is stored as the hosts n011 and n012,
 * i.e. prefix "n" and numbers 011-012, exactly as if the names had been
 * pushed one by one (which is how slurmctld builds every node list it
 * prints), so finding, de-duplicating and merging work whatever way the names
 * were written.
 */
#ifndef FLURM_HOSTLIST_H
#define FLURM_HOSTLIST_H

#include <stddef.h>
#include <sys/types.h>

/* SLURM refuses a single bracket range wider than this ("n[0-65536]"). */
#define FLURM_HOSTLIST_MAX_RANGE 65536
/* FLURM refuses an expression that expands to more hosts than this, so a
 * hostile "a[1-65536]b[1-65536]" cannot exhaust memory. */
#define FLURM_HOSTLIST_MAX_HOSTS (1024 * 1024)

struct flurm_hostlist;

/* An empty list.  NULL and ENOMEM on allocation failure. */
struct flurm_hostlist *flurm_hostlist_create(void);

void flurm_hostlist_destroy(struct flurm_hostlist *hl);

/* A new list holding the hosts of 'expr' (borrowed; NULL or "" give an empty
 * list).  On a syntax error NULL with errno EINVAL; on an expression larger
 * than FLURM_HOSTLIST_MAX_HOSTS NULL with errno E2BIG.  If 'err' is not NULL
 * it receives a one-line explanation.  The caller destroys the result. */
struct flurm_hostlist *flurm_hostlist_parse(const char *expr, char *err,
                                            size_t errlen);

/* Append the hosts of 'expr' (borrowed) to 'hl', merging with the last range
 * as SLURM does.  All or nothing: on error 'hl' is unchanged, -1 is returned
 * and errno / 'err' are set as for flurm_hostlist_parse(). */
int flurm_hostlist_push(struct flurm_hostlist *hl, const char *expr,
                        char *err, size_t errlen);

/* Append one literal host name (borrowed; no bracket expansion).  -1 and
 * EINVAL if the name is empty or holds a separator or bracket. */
int flurm_hostlist_push_host(struct flurm_hostlist *hl, const char *host);

/* A deep copy (caller destroys), or NULL and ENOMEM. */
struct flurm_hostlist *flurm_hostlist_copy(const struct flurm_hostlist *hl);

/* Number of hosts, duplicates included. */
size_t flurm_hostlist_count(const struct flurm_hostlist *hl);

/* The host at 'index' in expansion order, as a new string the caller frees;
 * NULL and ERANGE if out of range. */
char *flurm_hostlist_nth(const struct flurm_hostlist *hl, size_t index);

/* Index of the first occurrence of 'host' (borrowed), or -1 and ENOENT. */
ssize_t flurm_hostlist_find(const struct flurm_hostlist *hl, const char *host);

/* Call fn(host, arg) for every host in order; 'host' is borrowed for the
 * duration of the call.  Stops at the first negative return and returns it;
 * otherwise returns 0 (or -1 and ENOMEM). */
int flurm_hostlist_foreach(const struct flurm_hostlist *hl,
                           int (*fn)(const char *host, void *arg), void *arg);

/* Sort into SLURM's order (`scontrol show hostlistsorted`) and merge
 * neighbouring ranges; duplicates are kept.  -1 and ENOMEM on failure (the
 * list is then unchanged). */
int flurm_hostlist_sort(struct flurm_hostlist *hl);

/* Sort and drop duplicates (SLURM's hostlist_uniq).  -1 and ENOMEM on
 * failure (the list is then unchanged). */
int flurm_hostlist_uniq(struct flurm_hostlist *hl);

/* hl := hl + other, sorted and without duplicates.  'other' is borrowed and
 * may be 'hl' itself.  -1 and ENOMEM on failure (hl unchanged). */
int flurm_hostlist_union(struct flurm_hostlist *hl,
                         const struct flurm_hostlist *other);

/* The compact form in the list's current order ("node[01-03,05],gpu1"), as
 * `scontrol show hostlist` prints it; "" for an empty list.  New string, the
 * caller frees; NULL and ENOMEM on failure. */
char *flurm_hostlist_ranged_string(const struct flurm_hostlist *hl);

#endif
