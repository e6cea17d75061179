/*
 * stats.h - the counters the gateway keeps for sdiag (RESPONSE_STATS_INFO)
 * and for its own "gateway.stats" request: RPCs by message type and by
 * user (count and total time), plus connection and refusal counters.
 *
 * What each number means in FLURM is in docs/gateway.md ("sdiag").  The
 * tables grow only when a new message type or user shows up, so recording
 * an RPC never allocates in the steady state.
 */
#ifndef FLURM_GW_STATS_H
#define FLURM_GW_STATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "wire/rec_info.h"

enum gw_counter {
    GW_C_ACCEPTED,       /* connections accepted */
    GW_C_REQUESTS,       /* frames taken for processing */
    GW_C_REPLIES,        /* replies sent completely */
    GW_C_BAD_FRAME,      /* length prefix, header or body unreadable: closed */
    GW_C_OVERSIZE,       /* frame longer than the limit: closed */
    GW_C_BAD_VERSION,    /* protocol version not served */
    GW_C_AUTH_REFUSED,   /* credential or body hash refused */
    GW_C_UNSERVED,       /* answered "not served here" (EINVAL) */
    GW_C_TIMEOUT_IO,     /* silent or slow peers dropped */
    GW_C_TIMEOUT_RPC,    /* backend did not answer in time */
    GW_C_BACKEND_ERROR,  /* backend answered with an error */
    GW_C_CONN_LIMIT,     /* accepting paused at the connection limit */
    GW_C_COUNT,
};

struct gw_stats;

/* Counting starts at `now` (the reset time sdiag shows).  NULL/ENOMEM.
 * Caller destroys. */
struct gw_stats *gw_stats_create(time_t now);
void gw_stats_destroy(struct gw_stats *s); /* NULL-safe */

/* One RPC answered: its wire message type, the requester's uid (munge's)
 * and the time it took in microseconds. */
void gw_stats_rpc(struct gw_stats *s, uint16_t msg_type, uint32_t uid, uint64_t usec);

void gw_stats_count(struct gw_stats *s, enum gw_counter c);
uint64_t gw_stats_get(const struct gw_stats *s, enum gw_counter c);

/* Open connections: a gauge the connection table keeps current. */
void gw_stats_conn_delta(struct gw_stats *s, int delta);
uint32_t gw_stats_conns(const struct gw_stats *s);

/* Forget the RPC tables and counters (sdiag -r); the gauge stays. */
void gw_stats_reset(struct gw_stats *s, time_t now);
time_t gw_stats_since(const struct gw_stats *s);

/* Fill the RPC arrays of *out (its other members are left alone): malloc'ed,
 * freed with the record (flurm_record_free(&flurm_rec_stats_info, out)).
 * 0 or -1/ENOMEM. */
int gw_stats_fill_rpcs(const struct gw_stats *s, struct flurm_stats_info *out);

/* Everything as JSON, for "gateway.stats" and tests.  New reference, or
 * NULL/ENOMEM. */
json_t *gw_stats_json(const struct gw_stats *s);

#endif
