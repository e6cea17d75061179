/*
 * rpc.h - what the gateway does with one SLURM request: split and check the
 * message, verify its munge credential, route it by message type (the
 * static table of docs/rpc-routing.md), answer it locally or forward it to
 * the owning service, and build exactly one reply frame.
 *
 * The connection that carries a request embeds a struct gw_call and hands
 * the message to gw_rpc_handle(); the answer comes back through the call's
 * `done` callback, either before gw_rpc_handle() returns or later (a
 * forwarded request).  Exactly one `done` per gw_rpc_handle(), always: with
 * a reply frame in `out`, or without one, meaning "close the connection"
 * (the message could not be read, or no reply can be signed).
 */
#ifndef FLURM_GW_RPC_H
#define FLURM_GW_RPC_H

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "common/loop.h"
#include "common/service.h"
#include "services/gateway/backend.h"
#include "services/gateway/metrics.h"
#include "services/gateway/stats.h"
#include "wire/auth.h"
#include "wire/pack.h"
#include "wire/rec_info.h"

struct gw_rpc;
struct gw_call;

/* have_reply: 1 if call->out now holds a whole reply frame to send, 0 if
 * the connection is to be closed without one. */
typedef void (*gw_call_done_fn)(struct gw_call *call, int have_reply);

struct gw_call {
    /* Set by the connection before each gw_rpc_handle(). */
    struct flurm_buf *out; /* writer the reply frame is appended to (borrowed) */
    gw_call_done_fn done;
    char peer[64]; /* "addr:port", for log lines */
    /* The peer's address alone ("a.b.c.d"; an IPv4-mapped IPv6 peer as
     * IPv4), "" if unknown: what slurmctld keeps as an allocation's
     * resp_host, where srun and salloc listen for its messages. */
    char peer_addr[INET6_ADDRSTRLEN];

    /* The rest belongs to rpc.c. */
    struct gw_rpc *rpc;
    const void *route;
    uint64_t t0_us;
    uint16_t version;
    uint16_t wire_type;
    uint16_t msg_type;
    uint32_t uid;
    uint32_t gid;
    uint32_t restrict_uid;
    bool authenticated;
    bool answered;
    struct in_addr addr;
    int32_t rc;        /* the store's answer, kept while the nodes deliver a signal */
    enum gw_rpc_result result; /* how it ended, for the metrics */
    bool result_set;           /* a refusal decided it before the reply was built */
    char trace[FLURM_TRACE_MAX]; /* started for this RPC: every internal request it
                                    causes carries it (docs/observability.md) */
    double span_start;           /* flurm_span_now() when the frame was taken */
    int outstanding;   /* service.stats requests still out */
    json_t *gathered;  /* their merged bodies */
    void (*then)(struct gw_call *call);
};

struct gw_rpc_config {
    struct flurm_loop *loop;           /* borrowed; the clock */
    struct flurm_auth *auth;           /* borrowed; the process's only munge context */
    struct gw_stats *stats;            /* borrowed */
    struct gw_metrics *metrics;        /* borrowed; NULL: not measured */
    struct gw_backends *backends;      /* borrowed */
    struct flurm_service *svc;         /* borrowed; its spans file gets one span per RPC */
    const struct flurm_build_info *build_info; /* borrowed: the site's configuration */
    double rpc_timeout;                /* seconds a forwarded request may take */
    double gather_timeout;             /* seconds for service.stats answers */
    const char *self_name;             /* borrowed; our name in flurm-sup's tree, reloaded
                                          last by `scontrol reconfigure`; NULL: "gateway" */
    /* Called when the last handed-off request ends (gw_rpc_handed_off). */
    void (*handed_off_done)(void *arg);
    void *handed_off_arg;
};

/* Everything in cfg is borrowed and must outlive the rpc.  NULL/errno.
 * Caller destroys. */
struct gw_rpc *gw_rpc_create(const struct gw_rpc_config *cfg);
void gw_rpc_destroy(struct gw_rpc *rpc); /* NULL-safe */

/* Handle the message msg[0..len) (a frame without its length prefix;
 * borrowed until call->done runs).  See the top of this file. */
void gw_rpc_handle(struct gw_rpc *rpc, struct gw_call *call, const uint8_t *msg, size_t len);

/* Requests the gateway handed to a service after it had answered the
 * client (a signal for the node manager to deliver, a revocation to tell
 * salloc), as slurmctld queues them to its agent beside the reply: a
 * draining gateway waits for them too, so that a reload loses none. */
size_t gw_rpc_handed_off(const struct gw_rpc *rpc);

/* Handled locally, forwarded to `service` as `internal`, or NULL when the
 * gateway answers the type as unserved.  For tests and documentation. */
bool gw_rpc_route(uint16_t msg_type, const char **service, const char **internal);

#endif
