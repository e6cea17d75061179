/*
 * render.h - a job's job_info records kept in wire form (docs/jobstore.md,
 * "Answering squeue").
 *
 * squeue asks for every job, again and again, and most jobs have not
 * changed in between.  So the bytes of a job's record, packed for one
 * protocol version and one set of show_flags, are kept with the job and
 * reused until the job changes.  A job keeps a few such renderings (the
 * versions and flags its askers use), newest first.
 *
 * What a rendering may be reused for is the caller's to say, with three
 * values given when it is kept and checked when it is asked for:
 *   from         what the record was made from: the change positions (log
 *                seqs) of the job and, for an array task, of its meta
 *                record, whose throttle it shows; others mean another record;
 *   [since, until) the query times it holds for: a pending job's record shows
 *                times and reasons relative to "now".
 * Not state: dropped whenever the job changes, rebuilt on demand.
 */
#ifndef FLURM_JOBSTORE_RENDER_H
#define FLURM_JOBSTORE_RENDER_H

#include <stddef.h>
#include <stdint.h>

/* At most this many renderings per job: 22.05, 23.02 and 23.11 clients,
 * or squeue's and scontrol's show_flags, side by side. */
#define RENDERED_MAX 3

/* Until for a rendering that no passing time changes. */
#define RENDERED_FOREVER INT64_MAX

/* The change positions a record was made from (0: no meta record). */
struct rendered_from {
    uint64_t job_seq;
    uint64_t meta_seq;
};

/* One job's renderings; NULL is the empty list. */
struct rendered;

/* The bytes of the rendering for (proto, show_flags) made from *from
 * (borrowed) that holds at time now, and their length in *len; NULL when there is
 * none.  Borrowed from r until the next rendered_put() or
 * rendered_destroy() on it. */
const void *rendered_get(const struct rendered *r, uint16_t proto, uint16_t show_flags,
                         const struct rendered_from *from, int64_t now, size_t *len);

/* Keep a copy of bytes[0..len) (borrowed) as the rendering for (proto,
 * show_flags) made from *from (borrowed), holding for query times
 * [since, until).  It
 * replaces that key's earlier rendering; the oldest rendering is dropped
 * when the job already has RENDERED_MAX.  *r may be NULL (the empty list).
 * 0, or -1 with ENOMEM (the list is then unchanged). */
int rendered_put(struct rendered **r, uint16_t proto, uint16_t show_flags,
                 const struct rendered_from *from, int64_t since, int64_t until,
                 const void *bytes, size_t len);

/* Bytes kept in r's renderings (for the store's counters). */
size_t rendered_bytes(const struct rendered *r);

/* Drop every rendering.  NULL-safe. */
void rendered_destroy(struct rendered *r);

#endif
