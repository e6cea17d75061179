/*
 * rpc.c - one SLURM request, from message to reply frame (see rpc.h).
 *
 * Refusals follow what slurmctld decides, with one deliberate difference:
 * slurmctld 22.05 closes the connection without a word when a message fails
 * its checks (slurm_receive_msg fails in _service_connection), so the user
 * sees a bare socket error.  FLURM answers instead with the code slurmctld
 * logs for that failure (SLURM_PROTOCOL_VERSION_ERROR, ..._AUTHENTICATION_
 * ERROR, ESLURM_PROTOCOL_INCOMPLETE_PACKET), which the client prints as
 * text.  It only closes silently when no reply can be addressed: a message
 * that cannot be read (header, sections or body length), or munged down
 * (nothing can be verified or signed).
 */
#include "services/gateway/rpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/version.h"
#include "services/gateway/hosts.h"
#include "services/gateway/reply.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/rec_generic.h"
#include "wire/rec_job.h"

/* SLURM return codes the gateway itself produces (slurm_errno.h). */
#define RC_SLURM_ERROR (-1)
#define RC_VERSION_ERROR 1005
#define RC_NO_CHANGE_IN_DATA 1900
#define RC_ACCESS_DENIED 2002
#define RC_USER_ID_MISSING 2010
#define RC_INCOMPLETE_PACKET 5003
/* update_node's node_state for `scontrol update state=drain` (slurm.h). */
#define NODE_STATE_DRAIN 0x00000200u
/* slurmctld_req() answers an RPC it has no handler for with EINVAL. */
#define RC_UNSERVED EINVAL
/* A backend that stays silent: EAGAIN is what makes sbatch retry
 * ("Slurm temporarily unable to accept job, sleeping and retrying"). */
#define RC_TRY_AGAIN EAGAIN

/* How long the supervisor may take to list its tree, and to reload one
 * service (it bounds each reload by the service's ready_timeout itself;
 * this only guards against a supervisor that went away). */
#define SUP_STATUS_TIMEOUT 5.0
#define SUP_RELOAD_TIMEOUT 300.0

/* Requesting hosts whose names are kept (hosts.h). */
#define HOSTS_CACHED 1024

/* The services asked for counters by sdiag, in the order they are merged. */
static const char *const stats_services[] = {"store", "nodes", "sched", NULL};

struct gw_rpc {
    struct gw_rpc_config cfg;
    uint32_t slurm_user;
    uint32_t slurm_group;   /* SlurmUser's primary group: the controller's own identity */
    struct flurm_buf *body; /* scratch for packing a reply body */
    struct gw_hosts *hosts; /* requesters' host names (AllocNode) */
    uint8_t unserved_logged[65536 / 8];
    size_t handed_off; /* requests still out after their client was answered */

    /* `scontrol reconfigure`: one at a time, as slurmctld serves them. */
    struct {
        bool active;          /* from the request until our own reload was asked */
        struct gw_call *call; /* scontrol's, until it is answered */
        json_t *queue;        /* services to reload, in the tree's start order */
        size_t next;          /* index in queue of the one being reloaded */
        bool self_ready;      /* we are a ready service of the tree: reload us last */
        ev_timer deadline_w;  /* answer scontrol before it gives up */
    } reconf;
};

typedef void (*local_fn)(struct gw_rpc *rpc, struct gw_call *call,
                         const struct flurm_msg_parts *parts);

/* What a route does with a successful answer of its service before the
 * client gets its reply (the reply body is borrowed for the call).  It
 * ends the call itself, now or later. */
typedef void (*after_fn)(struct gw_call *call, json_t *body);

struct route {
    uint16_t type;          /* the request (enum flurm_msg_type) */
    const char *service;    /* NULL: answered by the gateway */
    const char *internal;   /* the service's request type */
    local_fn local;
    uint16_t reply_type;    /* what a successful "msg" is packed as */
    uint16_t alt_reply_type; /* another reply the service may choose, or 0 */
    after_fn after;          /* NULL: the answer is the reply */
    bool no_reply;           /* the sender expects no reply (slurmctld sends none) */
    bool with_peer;          /* the service needs the client's address ("peer") */
    /* For a type wire/msg.h has no body table entry for: the record of
     * its body (NULL: wire/msg.h's). */
    const struct flurm_record *request_record;
    /* The reply is a list (u16 count, then items) of this record, of
     * which the service answers the one item as "msg" (NULL: a record). */
    const struct flurm_record *reply_list_of;
    /* RESPONSE_JOB_INFO: ask the store for the job records in wire form
     * (docs/gateway.md, "Job lists in wire form"). */
    bool wire_records;
};

static void local_ping(struct gw_rpc *rpc, struct gw_call *call,
                       const struct flurm_msg_parts *parts);
static void local_build_info(struct gw_rpc *rpc, struct gw_call *call,
                             const struct flurm_msg_parts *parts);
static void local_fed_info(struct gw_rpc *rpc, struct gw_call *call,
                           const struct flurm_msg_parts *parts);
static void local_stats_info(struct gw_rpc *rpc, struct gw_call *call,
                             const struct flurm_msg_parts *parts);
static void local_reconfigure(struct gw_rpc *rpc, struct gw_call *call,
                              const struct flurm_msg_parts *parts);
static void after_kill(struct gw_call *call, json_t *body);
static void after_allocate(struct gw_call *call, json_t *body);
static void after_batch_complete(struct gw_call *call, json_t *body);

#define LOCAL(t, fn, reply) {.type = (t), .local = (fn), .reply_type = (reply)}
#define FORWARD(t, svc, internal_type, reply) \
    {.type = (t), .service = (svc), .internal = (internal_type), .reply_type = (reply)}
#define FORWARD_WIRE_RECORDS(t, svc, internal_type, reply) \
    {.type = (t), .service = (svc), .internal = (internal_type), .reply_type = (reply), \
     .wire_records = true}

/* docs/rpc-routing.md, "Routing table".  Anything not here is unserved. */
static const struct route routes[] = {
    LOCAL(FLURM_REQUEST_PING, local_ping, FLURM_RESPONSE_SLURM_RC),
    LOCAL(FLURM_REQUEST_BUILD_INFO, local_build_info, FLURM_RESPONSE_BUILD_INFO),
    LOCAL(FLURM_REQUEST_FED_INFO, local_fed_info, FLURM_RESPONSE_FED_INFO),
    LOCAL(FLURM_REQUEST_STATS_INFO, local_stats_info, FLURM_RESPONSE_STATS_INFO),
    LOCAL(FLURM_REQUEST_RECONFIGURE, local_reconfigure, FLURM_RESPONSE_SLURM_RC),
    FORWARD(FLURM_REQUEST_SUBMIT_BATCH_JOB, "store", "job.submit",
            FLURM_RESPONSE_SUBMIT_BATCH_JOB),
    FORWARD_WIRE_RECORDS(FLURM_REQUEST_JOB_INFO, "store", "job.info", FLURM_RESPONSE_JOB_INFO),
    FORWARD_WIRE_RECORDS(FLURM_REQUEST_JOB_INFO_SINGLE, "store", "job.info_single",
                         FLURM_RESPONSE_JOB_INFO),
    FORWARD_WIRE_RECORDS(FLURM_REQUEST_JOB_USER_INFO, "store", "job.user_info",
                         FLURM_RESPONSE_JOB_INFO),
    {.type = FLURM_REQUEST_KILL_JOB, .service = "store", .internal = "job.kill",
     .reply_type = FLURM_RESPONSE_SLURM_RC, .after = after_kill},
    {.type = FLURM_REQUEST_UPDATE_JOB, .service = "store", .internal = "job.update",
     .reply_type = FLURM_RESPONSE_SLURM_RC, .alt_reply_type = FLURM_RESPONSE_JOB_ARRAY_ERRORS},
    /* salloc, srun and job steps (docs/steps.md).  slurmctld keeps the
     * connection's peer address as the allocation's resp_host: where the
     * node manager later tells srun / salloc about their job. */
    {.type = FLURM_REQUEST_RESOURCE_ALLOCATION, .service = "store", .internal = "job.allocate",
     .reply_type = FLURM_RESPONSE_RESOURCE_ALLOCATION, .with_peer = true,
     .after = after_allocate},
    FORWARD(FLURM_REQUEST_JOB_READY, "store", "job.ready", FLURM_RESPONSE_JOB_READY),
    FORWARD(FLURM_REQUEST_JOB_ALLOCATION_INFO, "store", "job.alloc_info",
            FLURM_RESPONSE_JOB_ALLOCATION_INFO),
    /* srun inside an allocation (salloc, sbatch, --jobid) asks with
     * slurm_het_job_lookup(): slurmctld answers it from the same
     * job_alloc_info() as 4014, as a list of one allocation for a job
     * that is not heterogeneous (FLURM has none). */
    {.type = FLURM_REQUEST_HET_JOB_ALLOC_INFO, .service = "store", .internal = "job.alloc_info",
     .reply_type = FLURM_RESPONSE_HET_JOB_ALLOCATION,
     .request_record = &flurm_rec_job_alloc_info,
     .reply_list_of = &flurm_rec_resource_alloc_resp},
    /* The node manager signs the step's credential, so it asks the store. */
    FORWARD(FLURM_REQUEST_JOB_STEP_CREATE, "nodes", "step.create",
            FLURM_RESPONSE_JOB_STEP_CREATE),
    FORWARD(FLURM_REQUEST_STEP_COMPLETE, "store", "step.complete", FLURM_RESPONSE_SLURM_RC),
    FORWARD(FLURM_REQUEST_COMPLETE_JOB_ALLOCATION, "store", "job.alloc_complete",
            FLURM_RESPONSE_SLURM_RC),
    FORWARD(FLURM_REQUEST_JOB_STEP_INFO, "store", "step.info", FLURM_RESPONSE_JOB_STEP_INFO),
    /* slurm_kill_job_step(): srun's signals to its step, some scancels.
     * The same record as REQUEST_KILL_JOB and, in slurmctld, the same
     * kill_job_step(). */
    {.type = FLURM_REQUEST_CANCEL_JOB_STEP, .service = "store", .internal = "job.kill",
     .reply_type = FLURM_RESPONSE_SLURM_RC, .after = after_kill},
    /* From slurmstepd / slurmd when a job ends (docs/running-jobs.md); the
     * store may ask for the batch host to be drained. */
    {.type = FLURM_REQUEST_COMPLETE_BATCH_SCRIPT, .service = "store", .internal = "job.complete",
     .reply_type = FLURM_RESPONSE_SLURM_RC, .after = after_batch_complete},
    /* slurmd sends it with slurm_send_only_controller_msg and slurmctld's
     * _slurm_rpc_epilog_complete answers nothing: a lost one is covered
     * by the terminate request being re-sent. */
    {.type = FLURM_MESSAGE_EPILOG_COMPLETE, .service = "store", .internal = "job.epilog_complete",
     .reply_type = FLURM_RESPONSE_SLURM_RC, .no_reply = true},
    FORWARD(FLURM_REQUEST_NODE_INFO, "nodes", "node.info", FLURM_RESPONSE_NODE_INFO),
    FORWARD(FLURM_REQUEST_NODE_INFO_SINGLE, "nodes", "node.info_single",
            FLURM_RESPONSE_NODE_INFO),
    FORWARD(FLURM_REQUEST_PARTITION_INFO, "nodes", "partition.info",
            FLURM_RESPONSE_PARTITION_INFO),
    FORWARD(FLURM_REQUEST_UPDATE_NODE, "nodes", "node.update", FLURM_RESPONSE_SLURM_RC),
    FORWARD(FLURM_MESSAGE_NODE_REGISTRATION_STATUS, "nodes", "node.register",
            FLURM_RESPONSE_NODE_REGISTRATION),
    FORWARD(FLURM_REQUEST_PRIORITY_FACTORS, "sched", "priority.factors",
            FLURM_RESPONSE_PRIORITY_FACTORS),
    FORWARD(FLURM_REQUEST_SHARE_INFO, "sched", "share.info", FLURM_RESPONSE_SHARE_INFO),
};

static const struct route *find_route(uint16_t type)
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (routes[i].type == type)
            return &routes[i];
    }
    return NULL;
}

bool gw_rpc_route(uint16_t msg_type, const char **service, const char **internal)
{
    const struct route *r = find_route(msg_type);

    if (service)
        *service = r ? r->service : NULL;
    if (internal)
        *internal = r ? r->internal : NULL;
    return r != NULL;
}

static uint64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static time_t loop_time(const struct gw_rpc *rpc)
{
    return (time_t)flurm_loop_now(rpc->cfg.loop);
}

static const char *type_name(uint16_t wire)
{
    const char *name = flurm_msg_name(wire);

    return name ? name : "unknown type";
}

static void reconf_deadline(struct ev_loop *loop, ev_timer *w, int revents);

/* The primary group of uid, looked up once at start (not on the loop's
 * hot path); 0 when the account is unknown, as for root. */
static uint32_t slurm_user_group(uint32_t uid)
{
    struct passwd pw, *found = NULL;
    char buf[4096];

    if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &found) != 0 || !found)
        return 0;
    return (uint32_t)pw.pw_gid;
}

struct gw_rpc *gw_rpc_create(const struct gw_rpc_config *cfg)
{
    struct gw_rpc *rpc = NULL;

    if (!cfg || !cfg->loop || !cfg->auth || !cfg->stats || !cfg->backends ||
        !cfg->build_info) {
        errno = EINVAL;
        goto error;
    }
    if (!(rpc = calloc(1, sizeof(*rpc))) || !(rpc->body = flurm_buf_create(4096)) ||
        !(rpc->hosts = gw_hosts_create(HOSTS_CACHED)))
        goto error;
    rpc->cfg = *cfg;
    if (!rpc->cfg.self_name)
        rpc->cfg.self_name = "gateway";
    rpc->slurm_user = cfg->build_info->slurm_user_id;
    rpc->slurm_group = slurm_user_group(rpc->slurm_user);
    ev_init(&rpc->reconf.deadline_w, reconf_deadline);
    rpc->reconf.deadline_w.data = rpc;
    return rpc;
error:
    gw_rpc_destroy(rpc);
    return NULL;
}

void gw_rpc_destroy(struct gw_rpc *rpc)
{
    if (!rpc)
        return;
    ev_timer_stop(flurm_loop_ev(rpc->cfg.loop), &rpc->reconf.deadline_w);
    json_decref(rpc->reconf.queue);
    flurm_buf_destroy(rpc->body);
    gw_hosts_destroy(rpc->hosts);
    free(rpc);
}

/* A fresh, empty scratch writer for a reply body.  A writer that once
 * failed keeps its error, and a huge one is not worth keeping. */
static struct flurm_buf *body_buf(struct gw_rpc *rpc)
{
    if (flurm_buf_error(rpc->body) || flurm_buf_len(rpc->body) > 16u * 1024 * 1024) {
        flurm_buf_destroy(rpc->body);
        rpc->body = flurm_buf_create(4096);
    }
    if (rpc->body)
        flurm_buf_seek(rpc->body, 0);
    return rpc->body;
}

/* ---- ending a call ---------------------------------------------------------- */

/* A message whose sender reads no reply (MESSAGE_EPILOG_COMPLETE). */
static bool silent(const struct gw_call *call)
{
    const struct route *r = call->route;

    return r && r->no_reply;
}

/* How the call ended, unless a refusal said so already. */
static void set_result(struct gw_call *call, enum gw_rpc_result result)
{
    if (!call->result_set) {
        call->result = result;
        call->result_set = true;
    }
}

/* The RPC's span: the root of its trace (docs/observability.md). */
static void write_span(const struct gw_call *call)
{
    static const char *const results[] = {"ok", "error", "unserved", "refused", "closed"};
    char detail[160];
    struct flurm_span span = {
        .kind = "rpc",
        .type = type_name(call->wire_type),
        .trace = call->trace,
        .start = call->span_start,
        .end = flurm_span_now(),
        .result = (int)call->result,
        .detail = detail,
    };

    snprintf(detail, sizeof(detail), "%s; uid %u from %s",
             (unsigned)call->result < sizeof(results) / sizeof(results[0])
                 ? results[call->result]
                 : "?",
             call->uid, call->peer);
    flurm_spans_write(flurm_service_spans(call->rpc->cfg.svc), &span);
}

static void finish(struct gw_call *call, int have_reply)
{
    struct gw_rpc *rpc = call->rpc;
    uint64_t elapsed;

    if (call->answered) {
        flurm_err("%s: second answer to one %s dropped (a gateway bug)", call->peer,
                  type_name(call->wire_type));
        return;
    }
    call->answered = true;
    json_decref(call->gathered);
    call->gathered = NULL;
    elapsed = now_us() - call->t0_us;
    if ((have_reply || silent(call)) && call->authenticated)
        gw_stats_rpc(rpc->cfg.stats, call->wire_type, call->uid, elapsed);
    if (rpc->cfg.metrics) {
        enum flurm_msg_type type = (enum flurm_msg_type)call->msg_type;

        if (!type && flurm_msg_from_wire(call->version, call->wire_type, &type) < 0)
            type = FLURM_MSG_NONE;
        gw_metrics_rpc(rpc->cfg.metrics, (uint16_t)type, call->result, (double)elapsed / 1e6);
    }
    if (rpc->cfg.svc && flurm_service_spans(rpc->cfg.svc))
        write_span(call);
    call->done(call, have_reply);
}

/* Close without a reply. */
static void drop(struct gw_call *call)
{
    call->result = GW_RPC_CLOSED;
    call->result_set = true;
    finish(call, 0);
}

static void reply_rc(struct gw_call *call, int32_t rc)
{
    struct gw_rpc *rpc = call->rpc;

    set_result(call, rc == 0 ? GW_RPC_OK : GW_RPC_ERROR);
    if (silent(call)) {
        if (rc != 0)
            flurm_warn("%s: %s ended with code %d (no reply: the sender reads none)",
                       call->peer, type_name(call->wire_type), rc);
        finish(call, 0);
        return;
    }

    if (gw_reply_rc(rpc->cfg.auth, call->out, call->version, rc, call->restrict_uid) < 0) {
        flurm_err("%s: cannot send return code %d for %s: %s%s%s", call->peer, rc,
                  type_name(call->wire_type), strerror(errno),
                  errno == EAGAIN ? " (munged: " : "",
                  errno == EAGAIN ? flurm_auth_munge_error(rpc->cfg.auth) : "");
        drop(call);
        return;
    }
    finish(call, 1);
}

/* RESPONSE_SLURM_RC_MSG: rc and a text the client prints. */
static void reply_rc_text(struct gw_call *call, int32_t rc, const char *text)
{
    struct gw_rpc *rpc = call->rpc;

    set_result(call, rc == 0 ? GW_RPC_OK : GW_RPC_ERROR);
    if (gw_reply_rc_text(rpc->cfg.auth, call->out, call->version, rc, text,
                         call->restrict_uid) < 0) {
        flurm_err("%s: cannot send return code %d with its text for %s: %s", call->peer, rc,
                  type_name(call->wire_type), strerror(errno));
        drop(call);
        return;
    }
    finish(call, 1);
}

/* Pack obj as rec, or as_list: as a list of that one record (a u16
 * count first, as SLURM packs its Lists of allocations), and send it as
 * `type`. */
static void reply_record_as(struct gw_call *call, uint16_t type, const struct flurm_record *rec,
                            const void *obj, bool as_list)
{
    struct gw_rpc *rpc = call->rpc;
    struct flurm_buf *b = body_buf(rpc);
    uint16_t wire;

    if (!b || flurm_msg_to_wire(call->version, type, &wire) < 0 ||
        (as_list && flurm_pack16(b, 1) < 0) ||
        flurm_record_pack(rec, obj, b, call->version) < 0) {
        flurm_err("%s: cannot pack %s for %s: %s", call->peer, type_name(type),
                  type_name(call->wire_type), strerror(errno));
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    if (gw_reply_frame(rpc->cfg.auth, call->out, call->version, wire, flurm_buf_data(b),
                       flurm_buf_len(b), call->restrict_uid) < 0) {
        flurm_err("%s: cannot sign the reply to %s: %s", call->peer, type_name(call->wire_type),
                  strerror(errno));
        drop(call);
        return;
    }
    finish(call, 1);
}

static void reply_record(struct gw_call *call, uint16_t type, const struct flurm_record *rec,
                         const void *obj)
{
    reply_record_as(call, type, rec, obj, false);
}

static void unserved(struct gw_call *call, const char *why)
{
    struct gw_rpc *rpc = call->rpc;
    uint16_t t = call->wire_type;

    gw_stats_count(rpc->cfg.stats, GW_C_UNSERVED);
    set_result(call, GW_RPC_UNSERVED);
    if (!(rpc->unserved_logged[t / 8] & (1u << (t % 8)))) {
        rpc->unserved_logged[t / 8] |= (uint8_t)(1u << (t % 8));
        flurm_warn("%s (%u) is not served: %s; answering EINVAL as slurmctld does for an RPC "
                   "it does not serve (logged once per type)",
                   type_name(t), t, why);
    }
    reply_rc(call, RC_UNSERVED);
}

/* ---- the request's checks ----------------------------------------------------- */

/* A version FLURM does not speak: answer SLURM_PROTOCOL_VERSION_ERROR in
 * the client's own header layout when that layout is known, else close. */
static void refuse_version(struct gw_call *call, const struct flurm_header *h)
{
    struct gw_rpc *rpc = call->rpc;

    gw_stats_count(rpc->cfg.stats, GW_C_BAD_VERSION);
    set_result(call, GW_RPC_REFUSED);
    flurm_warn("%s: protocol version 0x%04x (%s) is not served (22.05, 23.02 and 23.11 are)",
               call->peer, h->version, type_name(h->msg_type));
    call->version = h->version;
    call->restrict_uid = FLURM_AUTH_UID_ANY;
    if (gw_reply_rc(rpc->cfg.auth, call->out, h->version, RC_VERSION_ERROR,
                    FLURM_AUTH_UID_ANY) < 0) {
        drop(call);
        return;
    }
    finish(call, 1);
}

static void refuse_auth(struct gw_call *call, enum flurm_auth_status status, const char *detail)
{
    struct gw_rpc *rpc = call->rpc;

    gw_stats_count(rpc->cfg.stats, GW_C_AUTH_REFUSED);
    set_result(call, GW_RPC_REFUSED);
    flurm_warn("%s: %s refused: %s%s%s%s", call->peer, type_name(call->wire_type),
               flurm_auth_status_str(status), detail && *detail ? " (" : "",
               detail ? detail : "", detail && *detail ? ")" : "");
    /* Nobody is authenticated: the reply may be read by anyone, and it
     * says nothing but the refusal. */
    call->restrict_uid = FLURM_AUTH_UID_ANY;
    reply_rc(call, flurm_auth_status_slurm_rc(status));
}

static void forward(struct gw_rpc *rpc, struct gw_call *call, const struct route *r,
                    const struct flurm_msg_parts *parts);

void gw_rpc_handle(struct gw_rpc *rpc, struct gw_call *call, const uint8_t *msg, size_t len)
{
    struct flurm_msg_parts parts;
    struct flurm_auth_result res;
    enum flurm_msg_type type;
    const struct route *r;

    call->rpc = rpc;
    call->t0_us = now_us();
    call->span_start = flurm_span_now();
    snprintf(call->trace, sizeof(call->trace), "%s", flurm_trace_start());
    call->route = NULL;
    call->version = 0;
    call->wire_type = 0;
    call->msg_type = 0;
    call->uid = call->gid = 0;
    call->restrict_uid = FLURM_AUTH_UID_ANY;
    call->authenticated = false;
    call->answered = false;
    call->result = GW_RPC_OK;
    call->result_set = false;
    call->outstanding = 0;
    call->gathered = NULL;
    call->then = NULL;
    gw_stats_count(rpc->cfg.stats, GW_C_REQUESTS);

    if (flurm_msg_split(&parts, msg, len) < 0) {
        int err = errno;
        call->wire_type = parts.hdr.msg_type;
        if (err == EPROTONOSUPPORT) {
            refuse_version(call, &parts.hdr);
        } else if (err == ENOTSUP) {
            call->version = parts.hdr.version;
            refuse_auth(call, FLURM_AUTH_BAD_PLUGIN, "FLURM accepts auth/munge only");
        } else {
            gw_stats_count(rpc->cfg.stats, GW_C_BAD_FRAME);
            flurm_warn("%s: unreadable message of %zu bytes (header, auth section or body "
                       "length): closing",
                       call->peer, len);
            drop(call);
        }
        flurm_msg_parts_free(&parts);
        return;
    }
    call->version = parts.hdr.version;
    call->wire_type = parts.hdr.msg_type;

    /* Identity comes from munge alone, never from the body. */
    if (parts.auth_plugin == 0) {
        /* A 23.02+ header flagged SLURM_NO_AUTH_CRED: fine on a reply,
         * never on a request. */
        refuse_auth(call, FLURM_AUTH_CRED_INVALID, "the request carries no credential");
        goto out;
    }
    if (parts.auth_plugin != FLURM_AUTH_PLUGIN_MUNGE) {
        refuse_auth(call, FLURM_AUTH_BAD_PLUGIN, "FLURM accepts auth/munge only");
        goto out;
    }
    if (flurm_auth_verify(rpc->cfg.auth, parts.auth, parts.auth_len + parts.body_len,
                          parts.hdr.version, parts.hdr.msg_type, &res) < 0) {
        if (errno == EAGAIN || errno == ENOMEM) {
            flurm_err("%s: cannot check the credential of %s: %s (%s); closing", call->peer,
                      type_name(call->wire_type), flurm_auth_status_str(res.status),
                      flurm_auth_munge_error(rpc->cfg.auth));
            drop(call);
        } else {
            refuse_auth(call, res.status, flurm_auth_munge_error(rpc->cfg.auth));
        }
        goto out;
    }
    call->authenticated = true;
    call->uid = res.uid;
    call->gid = res.gid;
    call->addr = res.addr;
    /* Replies are readable by the requester only, except for the
     * administrators (wire doc 3.3: SlurmUser and root get UID_ANY). */
    call->restrict_uid = res.uid == 0 || res.uid == rpc->slurm_user ? FLURM_AUTH_UID_ANY : res.uid;

    if (flurm_msg_from_wire(call->version, call->wire_type, &type) < 0) {
        unserved(call, "unknown message type");
        goto out;
    }
    call->msg_type = (uint16_t)type;
    if (!(r = find_route(call->msg_type))) {
        unserved(call, "no route");
        goto out;
    }
    call->route = r;
    if (r->local)
        r->local(rpc, call, &parts);
    else
        forward(rpc, call, r, &parts);
out:
    flurm_msg_parts_free(&parts);
}

/* ---- gathering counters from the services --------------------------------------- */

static void gather_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct gw_call *call = arg;
    json_t *body;

    if (!errnum && flurm_msg_ok(reply) && (body = flurm_msg_body(reply)) && json_is_object(body))
        json_object_update(call->gathered, body);
    if (--call->outstanding == 0)
        call->then(call);
}

/* Ask each present service in `services` for "service.stats" with `body`
 * (borrowed; NULL: {}), merge the answers into call->gathered, then run
 * `then`.  Services that are absent, silent or do not know the request
 * simply contribute nothing. */
static void gather(struct gw_rpc *rpc, struct gw_call *call, const char *const *services,
                   const json_t *body, void (*then)(struct gw_call *call))
{
    call->then = then;
    if (!(call->gathered = json_object())) {
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    call->outstanding = 1; /* held until every request is out */
    for (const char *const *svc = services; *svc; svc++) {
        struct flurm_client *client;
        if (!gw_backends_present(rpc->cfg.backends, *svc) ||
            !(client = gw_backends_client(rpc->cfg.backends, *svc)))
            continue;
        call->outstanding++;
        if (flurm_client_request(client, "service.stats", body, rpc->cfg.gather_timeout,
                                 gather_done, call) < 0)
            call->outstanding--;
    }
    if (--call->outstanding == 0)
        then(call);
}

/* ---- local handlers -------------------------------------------------------------- */

static int decode_local(struct gw_call *call, const struct flurm_msg_parts *parts,
                        const struct flurm_record *rec, void *obj)
{
    struct flurm_buf *b = flurm_buf_view(parts->body, parts->body_len);
    const char *field = NULL;
    int rc = -1;

    if (!b)
        return -1;
    if (flurm_record_unpack(rec, obj, b, call->version, &field) == 0 &&
        flurm_buf_remaining(b) == 0)
        rc = 0;
    else
        flurm_warn("%s: malformed %s body (%s)", call->peer, type_name(call->wire_type),
                   field ? field : "trailing bytes");
    flurm_buf_destroy(b);
    if (rc < 0)
        flurm_record_free(rec, obj);
    return rc;
}

static void local_ping(struct gw_rpc *rpc, struct gw_call *call,
                       const struct flurm_msg_parts *parts)
{
    (void)rpc;
    (void)parts;
    reply_rc(call, 0);
}

static void local_fed_info(struct gw_rpc *rpc, struct gw_call *call,
                           const struct flurm_msg_parts *parts)
{
    /* Not federated: the one-byte body "00" slurmctld sends. */
    struct flurm_fed_info none = {.federation = NULL};

    (void)rpc;
    (void)parts;
    reply_record(call, FLURM_RESPONSE_FED_INFO, &flurm_rec_fed_info, &none);
}

/* The SLURM release a client of this protocol version prints. */
static const char *slurm_version_for(uint16_t version)
{
    if (version >= FLURM_PROTO_23_11)
        return "23.11.0";
    if (version >= FLURM_PROTO_23_02)
        return "23.02.0";
    return "22.05.8";
}

/* SlurmctldParameters as scontrol shows it: the site's own, then the
 * version each running FLURM service reported (its service.stats), as
 * flurm_<service>=<version>.  It is the controller's free-form parameter
 * list, so "what the controller runs" reads naturally there, and slurmctld
 * never uses a flurm_ key (docs/observability.md). */
static void running_versions(const json_t *gathered, const char *self, const char *site,
                             char *buf, size_t len)
{
    static const char prefix[] = "flurm_version_";
    const char *key;
    json_t *v;
    size_t used;

    used = (size_t)snprintf(buf, len, "%s%sflurm_gateway=%s", site && *site ? site : "",
                            site && *site ? "," : "", self);
    json_object_foreach((json_t *)gathered, key, v) {
        if (used < len && !strncmp(key, prefix, sizeof(prefix) - 1) && json_is_string(v) &&
            strcmp(key + sizeof(prefix) - 1, "gateway") != 0)
            used += (size_t)snprintf(buf + used, len - used, ",flurm_%s=%s",
                                     key + sizeof(prefix) - 1, json_string_value(v));
    }
}

static void build_info_reply(struct gw_call *call)
{
    char params[1024];
    struct gw_rpc *rpc = call->rpc;
    /* A shallow copy: only scalars change, the strings stay borrowed. */
    struct flurm_build_info bi = *rpc->cfg.build_info;
    json_int_t next = -1;
    json_t *v;

    if ((v = json_object_get(call->gathered, "next_job_id")) && json_is_integer(v))
        next = json_integer_value(v);
    if (next > 0 && next < (json_int_t)FLURM_NO_VAL)
        bi.next_job_id = (uint32_t)next;
    bi.version = (char *)slurm_version_for(call->version);
    running_versions(call->gathered,
                     rpc->cfg.svc ? flurm_service_version(rpc->cfg.svc) : FLURM_VERSION,
                     rpc->cfg.build_info->slurmctld_params, params, sizeof(params));
    bi.slurmctld_params = params;
    reply_record(call, FLURM_RESPONSE_BUILD_INFO, &flurm_rec_build_info, &bi);
}

static void local_build_info(struct gw_rpc *rpc, struct gw_call *call,
                             const struct flurm_msg_parts *parts)
{
    struct flurm_last_update_msg req;

    if (decode_local(call, parts, &flurm_rec_last_update, &req) < 0) {
        reply_rc(call, RC_INCOMPLETE_PACKET);
        return;
    }
    /* _slurm_rpc_dump_conf: nothing changed since the client's copy. */
    if (req.last_update - 1 >= rpc->cfg.build_info->last_update) {
        reply_rc(call, RC_NO_CHANGE_IN_DATA);
        return;
    }
    gather(rpc, call, stats_services, NULL, build_info_reply);
}

/* sdiag's "Latency for 1000 calls to gettimeofday()", in microseconds. */
static uint32_t clock_latency_us(void)
{
    struct timespec a, b, t;

    clock_gettime(CLOCK_REALTIME, &a);
    for (int i = 0; i < 1000; i++)
        clock_gettime(CLOCK_REALTIME, &t);
    clock_gettime(CLOCK_REALTIME, &b);
    return (uint32_t)(((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec)) / 1000);
}

static void stats_reply(struct gw_call *call)
{
    struct gw_rpc *rpc = call->rpc;
    struct flurm_stats_info si;
    const char *field = NULL;
    time_t now = loop_time(rpc);

    memset(&si, 0, sizeof(si));
    si.parts_packed = call->gathered ? 1 : 0;
    /* Counters the services keep, by their sdiag names; the rest is the
     * gateway's own. */
    if (call->gathered &&
        flurm_record_from_json(&flurm_rec_stats_sched, call->gathered, &si.sched, &field) < 0) {
        flurm_warn("ignoring service counters: bad %s", field ? field : "value");
        flurm_record_free(&flurm_rec_stats_sched, &si.sched);
        memset(&si.sched, 0, sizeof(si.sched));
    }
    si.sched.req_time = now;
    si.sched.req_time_start = gw_stats_since(rpc->cfg.stats);
    si.sched.server_thread_count = gw_stats_conns(rpc->cfg.stats);
    si.sched.agent_queue_size = (uint32_t)gw_backends_pending(rpc->cfg.backends);
    si.sched.agent_count = 0;
    si.sched.agent_thread_count = 0;
    si.sched.dbd_agent_queue_size = 0;
    si.sched.gettimeofday_latency = clock_latency_us();
    if (gw_stats_fill_rpcs(rpc->cfg.stats, &si) < 0) {
        flurm_record_free(&flurm_rec_stats_info, &si);
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    reply_record(call, FLURM_RESPONSE_STATS_INFO, &flurm_rec_stats_info, &si);
    flurm_record_free(&flurm_rec_stats_info, &si);
}

/* The services have restarted their counters too (reset_stats): the
 * reply carries only the (now empty) RPC tables, parts_packed 0. */
static void stats_reset_reply(struct gw_call *call)
{
    json_decref(call->gathered);
    call->gathered = NULL;
    stats_reply(call);
}

static void local_stats_info(struct gw_rpc *rpc, struct gw_call *call,
                             const struct flurm_msg_parts *parts)
{
    struct flurm_stats_request req;
    json_t *reset;

    if (decode_local(call, parts, &flurm_rec_stats_request, &req) < 0) {
        reply_rc(call, RC_INCOMPLETE_PACKET);
        return;
    }
    if (req.command_id == 0) { /* STAT_COMMAND_RESET, `sdiag -r` */
        if (call->uid != 0 && call->uid != rpc->slurm_user) {
            flurm_warn("%s: security violation: REQUEST_STATS_INFO reset from uid %u",
                       call->peer, call->uid);
            reply_rc(call, RC_ACCESS_DENIED);
            return;
        }
        flurm_info("%s: statistics reset by uid %u", call->peer, call->uid);
        gw_stats_reset(rpc->cfg.stats, loop_time(rpc));
        if (!(reset = json_pack("{s:b}", "reset", 1))) {
            reply_rc(call, RC_SLURM_ERROR);
            return;
        }
        gather(rpc, call, stats_services, reset, stats_reset_reply);
        json_decref(reset);
        return;
    }
    gather(rpc, call, stats_services, NULL, stats_reply);
}

/* ---- forwarding ---------------------------------------------------------------------- */

static void reply_body(struct gw_call *call, json_t *body);

/* A job list whose records the store packed for the client's version
 * (attached to its reply): the message's own fields from "msg", then those
 * bytes unchanged.  Nothing of the records is decoded here. */
static void reply_wire_records(struct gw_call *call, const json_t *body,
                               const struct flurm_msg *reply)
{
    struct gw_rpc *rpc = call->rpc;
    const struct route *r = call->route;
    const json_t *msg = json_object_get(body, "msg");
    json_t *count = json_object_get(msg, "record_count");
    struct flurm_buf *b = body_buf(rpc);
    const void *records;
    size_t len;
    uint16_t wire;

    if (!(records = flurm_msg_attachment(reply, &len)) || !json_is_integer(count) ||
        json_integer_value(count) < 0 || json_integer_value(count) > UINT32_MAX) {
        flurm_err("%s: %s answered %s with wire records but %s", call->peer,
                  r->service, r->internal, records ? "no valid record_count" : "no attachment");
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    if (!b || flurm_msg_to_wire(call->version, r->reply_type, &wire) < 0 ||
        flurm_pack32(b, (uint32_t)json_integer_value(count)) < 0 ||
        flurm_pack_time(b, (time_t)json_integer_value(json_object_get(msg, "last_update"))) < 0 ||
        flurm_pack_time(b, (time_t)json_integer_value(json_object_get(msg, "last_backfill"))) <
            0 ||
        flurm_pack_raw(b, records, len) < 0) {
        flurm_err("%s: cannot pack the job list for %s: %s", call->peer,
                  type_name(call->wire_type), strerror(errno));
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    set_result(call, GW_RPC_OK);
    if (gw_reply_frame(rpc->cfg.auth, call->out, call->version, wire, flurm_buf_data(b),
                       flurm_buf_len(b), call->restrict_uid) < 0) {
        flurm_err("%s: cannot sign the reply to %s: %s", call->peer, type_name(call->wire_type),
                  strerror(errno));
        drop(call);
        return;
    }
    finish(call, 1);
}

static void forward_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct gw_call *call = arg;
    struct gw_rpc *rpc = call->rpc;
    const struct route *r = call->route;
    json_t *body;

    if (errnum) {
        gw_stats_count(rpc->cfg.stats, GW_C_TIMEOUT_RPC);
        flurm_warn("%s: %s: service %s did not answer %s (%s): answering EAGAIN", call->peer,
                   type_name(call->wire_type), r->service, r->internal, strerror(errnum));
        reply_rc(call, RC_TRY_AGAIN);
        return;
    }
    if (!flurm_msg_ok(reply)) {
        const char *user_text = flurm_client_user_text(reply);

        gw_stats_count(rpc->cfg.stats, GW_C_BACKEND_ERROR);
        flurm_debug("%s: %s: %s answered %d: %s", call->peer, type_name(call->wire_type),
                    r->service, flurm_msg_error_code(reply), flurm_msg_error_text(reply));
        /* The client prints the text only where slurmctld sends one. */
        if (user_text && gw_reply_has_text(call->msg_type))
            reply_rc_text(call, flurm_msg_error_code(reply), user_text);
        else
            reply_rc(call, flurm_msg_error_code(reply));
        return;
    }
    body = flurm_msg_body(reply);
    if (r->wire_records && json_is_true(json_object_get(body, "wire_records"))) {
        reply_wire_records(call, body, reply);
        return;
    }
    if (r->after) {
        r->after(call, body);
        return;
    }
    reply_body(call, body);
}

/* Answer the client from a service's ok body: {"msg": record JSON} packed
 * as the route's reply (or the "msg_type" it names), or {"rc": N}. */
static void reply_body(struct gw_call *call, json_t *body)
{
    const struct route *r = call->route;
    const struct flurm_record *rec;
    const char *field = NULL;
    json_t *msg, *rc, *mt;
    uint16_t type = r->reply_type;
    void *obj;

    msg = json_object_get(body, "msg");
    rc = json_object_get(body, "rc");
    if (!json_is_object(msg)) {
        if (json_is_integer(rc)) {
            reply_rc(call, (int32_t)json_integer_value(rc));
            return;
        }
        flurm_err("%s: %s answered %s with neither \"msg\" nor \"rc\"", call->peer, r->service,
                  r->internal);
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    if ((mt = json_object_get(body, "msg_type"))) {
        enum flurm_msg_type named = flurm_msg_by_name(json_string_value(mt) ? json_string_value(mt) : "");
        if (named == FLURM_MSG_NONE || (named != r->reply_type && named != r->alt_reply_type)) {
            flurm_err("%s: %s answered %s with msg_type %s, not a reply of that RPC",
                      call->peer, r->service, r->internal,
                      json_string_value(mt) ? json_string_value(mt) : "(not a string)");
            reply_rc(call, RC_SLURM_ERROR);
            return;
        }
        type = (uint16_t)named;
    }
    rec = r->reply_list_of && type == r->reply_type ? r->reply_list_of
                                                     : flurm_msg_body_record(call->version, type);
    if (!rec || !(obj = calloc(1, rec->size))) {
        flurm_err("%s: no record to send %s: %s", call->peer, type_name(type), strerror(errno));
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    if (flurm_record_from_json(rec, msg, obj, &field) < 0) {
        flurm_err("%s: %s's %s reply does not fit %s: field %s", call->peer, r->service,
                  r->internal, type_name(type), field ? field : "?");
        free(obj);
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    reply_record_as(call, type, rec, obj, rec == r->reply_list_of);
    flurm_record_free(rec, obj);
    free(obj);
}

/* The request's body decoded with the route's record, or wire/msg.h's for
 * its type: as flurm_msg_body_decode(). */
static void *decode_body(const struct gw_call *call, const struct route *r,
                         const struct flurm_msg_parts *parts, const struct flurm_record **rec,
                         const char **field)
{
    struct flurm_buf *b = NULL;
    void *obj = NULL;

    if (!r->request_record)
        return flurm_msg_body_decode(call->version, call->msg_type, parts->body,
                                     parts->body_len, rec, field);
    *rec = r->request_record;
    *field = NULL;
    if (!(b = flurm_buf_view(parts->body, parts->body_len)) ||
        !(obj = calloc(1, r->request_record->size)))
        goto error;
    if (flurm_record_unpack(r->request_record, obj, b, call->version, field) < 0)
        goto error;
    if (flurm_buf_remaining(b) != 0) {
        flurm_record_free(r->request_record, obj);
        *field = "(trailing bytes)";
        errno = EBADMSG;
        goto error;
    }
    flurm_buf_destroy(b);
    return obj;
error:
    {
        int saved = errno;
        free(obj);
        flurm_buf_destroy(b);
        errno = saved;
    }
    return NULL;
}

static void forward(struct gw_rpc *rpc, struct gw_call *call, const struct route *r,
                    const struct flurm_msg_parts *parts)
{
    const struct flurm_record *rec = NULL;
    struct flurm_client *client;
    const char *field = NULL;
    char addr[INET_ADDRSTRLEN] = "";
    json_t *body = NULL, *msg = NULL;
    void *obj;

    if (!gw_backends_present(rpc->cfg.backends, r->service)) {
        char why[96];
        snprintf(why, sizeof(why), "service %s is not part of this installation", r->service);
        unserved(call, why);
        return;
    }
    if (r->reply_type != FLURM_RESPONSE_SLURM_RC && !r->reply_list_of &&
        !flurm_msg_body_record(call->version, r->reply_type)) {
        unserved(call, "no record for its reply yet");
        return;
    }
    if (r->with_peer && !call->peer_addr[0]) {
        /* slurmctld refuses the allocation when slurm_get_peer_addr fails:
         * nobody could reach srun / salloc. */
        flurm_err("%s: %s from a peer without an address: refused", call->peer,
                  type_name(call->wire_type));
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    if (!(obj = decode_body(call, r, parts, &rec, &field))) {
        if (errno == ENOSYS || errno == ENOENT) {
            unserved(call, "no record for its body yet");
        } else {
            flurm_warn("%s: malformed %s body (%s)", call->peer, type_name(call->wire_type),
                       field ? field : strerror(errno));
            reply_rc(call, RC_INCOMPLETE_PACKET);
        }
        return;
    }
    if (rec->nfields > 0 && !(msg = flurm_record_to_json(rec, obj))) {
        flurm_msg_body_destroy(rec, obj);
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    flurm_msg_body_destroy(rec, obj);
    if (call->addr.s_addr)
        inet_ntop(AF_INET, &call->addr, addr, sizeof(addr));
    body = json_pack("{s:{s:I, s:I, s:s, s:s}, s:I, s:I, s:o*}", "auth", "uid",
                     (json_int_t)call->uid, "gid", (json_int_t)call->gid, "addr", addr, "host",
                     gw_hosts_name(rpc->hosts, call->addr, flurm_loop_now(rpc->cfg.loop)),
                     "time", (json_int_t)loop_time(rpc), "proto", (json_int_t)call->version,
                     "msg", msg);
    if (body && r->with_peer &&
        json_object_set_new(body, "peer", json_string(call->peer_addr)) < 0) {
        json_decref(body);
        body = NULL;
    }
    /* A store that does not know the member answers in JSON (a reload of
     * an older build): reply_body() still serves that. */
    if (body && r->wire_records && json_object_set_new(body, "wire_records", json_true()) < 0) {
        json_decref(body);
        body = NULL;
    }
    if (!body || !(client = gw_backends_client(rpc->cfg.backends, r->service)) ||
        flurm_client_request(client, r->internal, body, rpc->cfg.rpc_timeout, forward_done,
                             call) < 0) {
        flurm_err("%s: cannot forward %s to %s: %s", call->peer, type_name(call->wire_type),
                  r->service, strerror(errno));
        json_decref(body);
        reply_rc(call, RC_TRY_AGAIN);
        return;
    }
    json_decref(body);
}

/* ---- salloc -I refused: the client hears of the revocation too ---------------------
 *
 * slurmctld fails an immediate allocation it cannot start inside the RPC
 * and queues SRUN_JOB_COMPLETE (srun_allocate_abort) as it answers, so
 * salloc prints the error, then "Job allocation N has been revoked" while
 * it shuts its message thread down.  The store answers {"rc": N,
 * "revoke": {...}}; the node manager sends the message while the gateway
 * answers the RC, as slurmctld's agent does beside its reply. */

/* ---- hand-offs: requests that outlive their client's answer ------------------------ */

/* One request handed to a service after the client was answered. */
struct handoff {
    struct gw_rpc *rpc;
    char peer[64];
    long long job_id;
};

size_t gw_rpc_handed_off(const struct gw_rpc *rpc)
{
    return rpc ? rpc->handed_off : 0;
}

/* Send `type` with `body` (borrowed) to `service` for call's client,
 * without waiting: `done` gets the answer and the struct handoff (which it
 * passes to handoff_end).  -1 and errno when it could not be sent. */
static int handoff_start(struct gw_rpc *rpc, const struct gw_call *call, const char *service,
                         const char *type, json_t *body, flurm_client_fn done)
{
    struct flurm_client *client = gw_backends_client(rpc->cfg.backends, service);
    struct handoff *h;

    if (!client)
        return -1;
    if (!(h = calloc(1, sizeof(*h))))
        return -1;
    h->rpc = rpc;
    snprintf(h->peer, sizeof(h->peer), "%s", call->peer);
    h->job_id = json_integer_value(json_object_get(body, "job_id"));
    if (flurm_client_request(client, type, body, rpc->cfg.rpc_timeout, done, h) < 0) {
        int saved = errno;

        free(h);
        errno = saved;
        return -1;
    }
    rpc->handed_off++;
    return 0;
}

static void handoff_end(struct handoff *h)
{
    struct gw_rpc *rpc = h->rpc;

    free(h);
    if (rpc->handed_off && --rpc->handed_off == 0 && rpc->cfg.handed_off_done)
        rpc->cfg.handed_off_done(rpc->cfg.handed_off_arg);
}

static void revoke_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct handoff *h = arg;

    if (errnum || !flurm_msg_ok(reply))
        flurm_warn("%s: the node manager did not tell the client of its revoked allocation: %s",
                   h->peer, errnum ? strerror(errnum) : flurm_msg_error_text(reply));
    handoff_end(h);
}

static void after_allocate(struct gw_call *call, json_t *body)
{
    struct gw_rpc *rpc = call->rpc;
    json_t *revoke = json_object_get(body, "revoke");
    json_t *rc = json_object_get(body, "rc");

    if (!json_is_object(revoke) || !json_is_integer(rc)) {
        reply_body(call, body);
        return;
    }
    if (gw_backends_present(rpc->cfg.backends, "nodes") &&
        handoff_start(rpc, call, "nodes", "job.revoke", revoke, revoke_done) < 0)
        flurm_warn("%s: cannot ask the node manager to revoke the allocation: %s", call->peer,
                   strerror(errno));
    reply_rc(call, (int32_t)json_integer_value(rc));
}

/* ---- scancel: the store decides, the node manager delivers ------------------------- */

static void signal_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct handoff *h = arg;

    if (errnum)
        flurm_warn("%s: nodes did not answer job.signal of job %lld (%s); the signal may not "
                   "have been delivered",
                   h->peer, h->job_id, strerror(errnum));
    else if (!flurm_msg_ok(reply))
        flurm_warn("%s: nodes could not deliver the signal of job %lld: %d %s", h->peer,
                   h->job_id, flurm_msg_error_code(reply), flurm_msg_error_text(reply));
    handoff_end(h);
}

/* job.kill answered {"rc": N} and, for a signal the nodes deliver (not
 * scancel's SIGKILL of a whole running job, which ends it), "signals": [{job_id, step_id?, signal, flags,
 * nodes, batch_host, srun_host?, srun_port?, user_id?}, ...] (one per
 * running array task) for the node manager
 * (docs/running-jobs.md).  scancel hears the store's RC at once:
 * slurmctld answers before its agent delivers, and a client that waited
 * for delivery could hold up the very step launch the signal waits for
 * (srun kills its step from its message thread's lock while slurmd holds
 * the signal until the step has started). */
static void after_kill(struct gw_call *call, json_t *body)
{
    struct gw_rpc *rpc = call->rpc;
    json_t *rc = json_object_get(body, "rc");
    json_t *sigs = json_object_get(body, "signals");
    size_t i;
    json_t *sig;

    if (!json_is_integer(rc)) {
        flurm_err("%s: store answered job.kill without \"rc\"", call->peer);
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    if (sigs && !json_is_array(sigs)) {
        flurm_err("%s: store answered job.kill with \"signals\" that is not an array",
                  call->peer);
        sigs = NULL;
    }
    if (json_array_size(sigs) && !gw_backends_present(rpc->cfg.backends, "nodes")) {
        flurm_warn("%s: the signal of job %lld is not delivered: service nodes is not "
                   "installed",
                   call->peer,
                   (long long)json_integer_value(
                       json_object_get(json_array_get(sigs, 0), "job_id")));
        sigs = NULL;
    }
    json_array_foreach(sigs, i, sig)
    {
        if (!json_is_object(sig)) {
            flurm_err("%s: store answered job.kill with a signal that is not an object",
                      call->peer);
            continue;
        }
        if (handoff_start(rpc, call, "nodes", "job.signal", sig, signal_done) < 0)
            flurm_warn("%s: cannot hand the signal of job %lld to the node manager: %s",
                       call->peer, (long long)json_integer_value(json_object_get(sig, "job_id")),
                       strerror(errno));
    }
    reply_rc(call, (int32_t)json_integer_value(rc));
}

/* ---- slurmd's batch completion: the store decides, the node manager drains ---------
 *
 * slurmctld drains the batch host when slurmstepd reports a failure of its
 * own ("batch job complete failure", _slurm_rpc_complete_batch_script ->
 * drain_nodes(..., slurm_user_id)).  The store owns no node state, so it
 * says so in its answer and the gateway asks the node manager.
 *
 * node.update needs an administrator.  The identity sent is not one taken
 * from a body, nor the requester's: it is slurmctld's own (SlurmUser, the
 * uid drain_nodes() records as the reason's author), built here because
 * the decision is the controller's, taken on a request whose munge
 * credential the gateway verified and the store accepted only from root or
 * SlurmUser (docs/running-jobs.md).  The node list and reason come from
 * the store's answer, never from slurmd's body. */

static void drain_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct gw_call *call = arg;

    /* slurmstepd's answer is the store's: the drain is the controller's
     * business, and a failed one is for the log. */
    if (errnum)
        flurm_err("%s: the node manager did not answer the drain after a batch job complete "
                  "failure (%s): the node stays in service",
                  call->peer, strerror(errnum));
    else if (!flurm_msg_ok(reply))
        flurm_err("%s: the node manager refused the drain after a batch job complete failure: "
                  "%d %s",
                  call->peer, flurm_msg_error_code(reply), flurm_msg_error_text(reply));
    reply_rc(call, call->rc);
}

/* job.complete answered {"rc": N} and, after a failure slurmctld drains
 * the node for, "drain": {"node", "reason"}. */
static void after_batch_complete(struct gw_call *call, json_t *body)
{
    struct gw_rpc *rpc = call->rpc;
    json_t *rc = json_object_get(body, "rc");
    json_t *drain = json_object_get(body, "drain");
    const char *node = json_string_value(json_object_get(drain, "node"));
    const char *reason = json_string_value(json_object_get(drain, "reason"));
    struct flurm_client *nodes;
    json_t *update = NULL;

    if (!json_is_integer(rc)) {
        flurm_err("%s: store answered job.complete without \"rc\"", call->peer);
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    call->rc = (int32_t)json_integer_value(rc);
    if (!drain) {
        reply_rc(call, call->rc);
        return;
    }
    if (!node || !*node || !reason) {
        flurm_err("%s: store asked for a drain without a node or a reason", call->peer);
        reply_rc(call, call->rc);
        return;
    }
    flurm_warn("%s: draining %s: %s", call->peer, node, reason);
    if (!gw_backends_present(rpc->cfg.backends, "nodes")) {
        flurm_err("%s: cannot drain %s: service nodes is not installed", call->peer, node);
        reply_rc(call, call->rc);
        return;
    }
    if (!(update = json_pack("{s:{s:I, s:I}, s:I, s:{s:s, s:I, s:s}}", "auth", "uid",
                             (json_int_t)rpc->slurm_user, "gid", (json_int_t)rpc->slurm_group,
                             "time", (json_int_t)loop_time(rpc), "msg", "node_names", node,
                             "node_state", (json_int_t)NODE_STATE_DRAIN, "reason", reason)) ||
        !(nodes = gw_backends_client(rpc->cfg.backends, "nodes")) ||
        flurm_client_request(nodes, "node.update", update, rpc->cfg.rpc_timeout, drain_done,
                             call) < 0) {
        flurm_err("%s: cannot ask the node manager to drain %s: %s", call->peer, node,
                  strerror(errno));
        reply_rc(call, call->rc);
    }
    json_decref(update);
}

/* ---- scontrol reconfigure: a rolling reload of every service --------------------------
 *
 * slurmctld re-reads slurm.conf in place.  FLURM's services read it when
 * they start, so reconfiguring is reloading them: flurm-sup starts a new
 * instance of each beside the old one, the new one reads the file, and the
 * old one drains only once the new one is ready.  A slurm.conf the new
 * instance refuses (it exits 100 before it is ready) leaves the old one
 * serving, and the roll stops there.  Services reload one at a time in
 * the tree's start order (the store first, then those that read it); the
 * gateway answers scontrol and reloads itself last, its old instance
 * draining the connections it holds. */

static void reconf_finish(struct gw_rpc *rpc, int32_t rc)
{
    struct gw_call *call = rpc->reconf.call;

    ev_timer_stop(flurm_loop_ev(rpc->cfg.loop), &rpc->reconf.deadline_w);
    if (!call)
        return;
    rpc->reconf.call = NULL;
    reply_rc(call, rc);
}

static void reconf_end(struct gw_rpc *rpc, int32_t rc)
{
    reconf_finish(rpc, rc);
    json_decref(rpc->reconf.queue);
    rpc->reconf.queue = NULL;
    rpc->reconf.active = false;
}

static void reconf_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct gw_rpc *rpc = w->data;

    (void)loop;
    (void)revents;
    /* slurmctld's own answer when a reconfiguration is still running. */
    flurm_warn("reconfigure: still reloading after %.1f s; answering EINPROGRESS, the reload "
               "goes on",
               rpc->cfg.rpc_timeout);
    reconf_finish(rpc, EINPROGRESS);
}

static void self_reload_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct gw_rpc *rpc = arg;

    /* ECANCELED: this instance was replaced and is exiting, as asked. */
    if (errnum && errnum != ECANCELED)
        flurm_warn("reconfigure: no answer to the reload of %s: %s", rpc->cfg.self_name,
                   strerror(errnum));
    else if (reply && !flurm_msg_ok(reply))
        flurm_err("reconfigure: %s", flurm_msg_error_text(reply));
    rpc->reconf.active = false;
}

static void reconf_next(struct gw_rpc *rpc);

static void reload_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct gw_rpc *rpc = arg;
    const char *name = json_string_value(json_array_get(rpc->reconf.queue, rpc->reconf.next));
    json_t *body;

    if (errnum) {
        flurm_err("reconfigure: the supervisor did not answer the reload of %s: %s", name,
                  strerror(errnum));
        reconf_end(rpc, RC_SLURM_ERROR);
        return;
    }
    if (!flurm_msg_ok(reply)) {
        /* The new instance refused the configuration; the old one serves. */
        flurm_err("reconfigure failed: %s", flurm_msg_error_text(reply));
        reconf_end(rpc, RC_SLURM_ERROR);
        return;
    }
    body = flurm_msg_body(reply);
    flurm_info("reconfigure: %s reloaded (pid %lld, was %lld)", name,
               (long long)json_integer_value(json_object_get(body, "pid")),
               (long long)json_integer_value(json_object_get(body, "old_pid")));
    rpc->reconf.next++;
    reconf_next(rpc);
}

static void reconf_next(struct gw_rpc *rpc)
{
    struct flurm_client *sup = gw_backends_supervisor(rpc->cfg.backends);
    const char *name = json_string_value(json_array_get(rpc->reconf.queue, rpc->reconf.next));
    json_t *body;

    if (!sup) {
        flurm_err("reconfigure: the supervisor's control socket is gone");
        reconf_end(rpc, RC_SLURM_ERROR);
        return;
    }
    if (!name) { /* everything else was reloaded: answer, then ourselves */
        reconf_finish(rpc, 0);
        json_decref(rpc->reconf.queue);
        rpc->reconf.queue = NULL;
        if (!rpc->reconf.self_ready) {
            flurm_warn("reconfigure: %s is not a ready service of the supervisor's tree: this "
                       "instance keeps the slurm.conf it started with",
                       rpc->cfg.self_name);
            rpc->reconf.active = false;
            return;
        }
        flurm_info("reconfigure: every other service reloaded; reloading %s",
                   rpc->cfg.self_name);
        if (!(body = json_pack("{s:s}", "service", rpc->cfg.self_name)) ||
            flurm_client_request(sup, "sup.reload", body, SUP_RELOAD_TIMEOUT, self_reload_done,
                                 rpc) < 0) {
            flurm_err("reconfigure: cannot ask for the reload of %s: %s", rpc->cfg.self_name,
                      strerror(errno));
            rpc->reconf.active = false;
        }
        json_decref(body);
        return;
    }
    flurm_info("reconfigure: reloading %s", name);
    if (!(body = json_pack("{s:s}", "service", name)) ||
        flurm_client_request(sup, "sup.reload", body, SUP_RELOAD_TIMEOUT, reload_done, rpc) <
            0) {
        flurm_err("reconfigure: cannot ask for the reload of %s: %s", name, strerror(errno));
        reconf_end(rpc, RC_SLURM_ERROR);
    }
    json_decref(body);
}

/* The services of the tree below `node`, depth first in start order, into
 * queue: those that are ready, except ourselves.  One that is not running
 * reads the new slurm.conf when it starts anyway. */
static void collect_services(struct gw_rpc *rpc, json_t *node, json_t *queue)
{
    const char *name = json_string_value(json_object_get(node, "name"));
    const char *kind = json_string_value(json_object_get(node, "kind"));
    const char *state = json_string_value(json_object_get(node, "state"));
    json_t *child;
    size_t i;

    if (!name || !kind)
        return;
    if (strcmp(kind, "service") != 0) {
        json_array_foreach(json_object_get(node, "children"), i, child)
            collect_services(rpc, child, queue);
        return;
    }
    if (strcmp(name, rpc->cfg.self_name) == 0) {
        rpc->reconf.self_ready = state && strcmp(state, "ready") == 0;
        return;
    }
    if (!state || strcmp(state, "ready") != 0) {
        flurm_info("reconfigure: %s is %s, not reloaded (it reads slurm.conf when it starts)",
                   name, state ? state : "in an unknown state");
        return;
    }
    json_array_append_new(queue, json_string(name));
}

static void status_done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct gw_rpc *rpc = arg;

    if (errnum || !flurm_msg_ok(reply)) {
        flurm_err("reconfigure: the supervisor did not list its services: %s",
                  errnum ? strerror(errnum) : flurm_msg_error_text(reply));
        reconf_end(rpc, RC_SLURM_ERROR);
        return;
    }
    collect_services(rpc, json_object_get(flurm_msg_body(reply), "tree"), rpc->reconf.queue);
    rpc->reconf.next = 0;
    reconf_next(rpc);
}

static void local_reconfigure(struct gw_rpc *rpc, struct gw_call *call,
                              const struct flurm_msg_parts *parts)
{
    struct flurm_client *sup;

    (void)parts;
    /* _slurm_rpc_reconfigure_controller: validate_super_user. */
    if (call->uid != 0 && call->uid != rpc->slurm_user) {
        flurm_warn("%s: security violation: REQUEST_RECONFIGURE from uid %u", call->peer,
                   call->uid);
        reply_rc(call, RC_USER_ID_MISSING);
        return;
    }
    if (rpc->reconf.active) {
        reply_rc(call, EINPROGRESS);
        return;
    }
    if (!(sup = gw_backends_supervisor(rpc->cfg.backends))) {
        flurm_err("%s: reconfigure: %s; nothing reloaded", call->peer,
                  errno == ENOENT ? "no supervisor control socket in the run folder (the "
                                    "gateway runs without flurm-sup)"
                                  : strerror(errno));
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    if (!(rpc->reconf.queue = json_array())) {
        reply_rc(call, RC_SLURM_ERROR);
        return;
    }
    flurm_info("%s: reconfigure requested by uid %u: reloading every service", call->peer,
               call->uid);
    rpc->reconf.active = true;
    rpc->reconf.self_ready = false;
    rpc->reconf.call = call;
    ev_timer_set(&rpc->reconf.deadline_w, rpc->cfg.rpc_timeout, 0);
    ev_timer_start(flurm_loop_ev(rpc->cfg.loop), &rpc->reconf.deadline_w);
    if (flurm_client_request(sup, "sup.status", NULL, SUP_STATUS_TIMEOUT, status_done, rpc) <
        0) {
        flurm_err("%s: reconfigure: cannot ask the supervisor: %s", call->peer, strerror(errno));
        reconf_end(rpc, RC_SLURM_ERROR);
    }
}
