/*
 * gwtest.h - the fixture of the gateway's rpc.c tests (header-only: each
 * test includes it once): the gateway's parts as flurm-gateway builds them
 * from the lab's slurm.conf (munge context, build info, stats, backends,
 * rpc.c) on one loop in a temporary run folder, with the stand-in
 * services a test puts on the same loop in place of the real ones.
 *
 * The test talks to rpc.c in one of two ways.  By default, one call at
 * a time: `call`, its reply frame in `out`, counted in `answers` (the
 * test signs, sends with send_call() and runs the loop as it needs).  A
 * test that keeps several calls under way, or watches what stand-ins
 * saw, defines GWTEST_CLIENT_CALLS before including this header instead:
 * client calls (struct client_call, sent signed as a client would and run
 * until answered) and recording stand-ins (struct standin) that answer
 * what the test says.
 *
 * Talks to the local munged.  Run from the repository root.
 */
#ifndef FLURM_TEST_GATEWAY_GWTEST_H
#define FLURM_TEST_GATEWAY_GWTEST_H

#include <check.h>
#include <jansson.h>
#include <munge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/loop.h"
#include "common/service.h"
#include "services/gateway/backend.h"
#include "services/gateway/buildinfo.h"
#include "services/gateway/conf.h"
#include "services/gateway/rpc.h"
#include "services/gateway/stats.h"
#include "test/wire/capture.h"
#include "wire/auth.h"
#include "wire/header.h"
#include "wire/msg.h"

/* ---- the gateway under test ------------------------------------------------ */

#define GWT_MAX_STANDINS 4

static char rundir[64] __attribute__((unused));
static struct flurm_loop *loop __attribute__((unused));
static struct flurm_auth *auth __attribute__((unused));
static struct gw_conf *conf __attribute__((unused));
static struct flurm_build_info bi __attribute__((unused));
static struct gw_stats *stats __attribute__((unused));
static struct gw_backends *backends __attribute__((unused));
static struct gw_rpc *rpc __attribute__((unused));
static struct flurm_service *gwt_standins[GWT_MAX_STANDINS] __attribute__((unused));
static size_t gwt_nstandins __attribute__((unused));

/* rpc.c anew (the old one destroyed): forwarded requests may take
 * rpc_timeout seconds, sdiag's service.stats gather_timeout.  A test
 * about a timeout restarts it with a short one. */
static inline void gwt_start_rpc(double rpc_timeout, double gather_timeout)
{
    struct gw_rpc_config cfg = {.loop = loop, .auth = auth, .stats = stats,
                                .backends = backends, .build_info = &bi,
                                .rpc_timeout = rpc_timeout, .gather_timeout = gather_timeout,
                                .self_name = "gateway"};

    gw_rpc_destroy(rpc);
    ck_assert_ptr_nonnull(rpc = gw_rpc_create(&cfg));
}

/* ---- requests as clients send them --------------------------------------------- */

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The body of a captured frame (test/vectors/slurm-22.05/<rel>), its wire
 * type in *type if given.  Caller frees. */
static inline uint8_t *captured_body(const char *rel, size_t *len, uint16_t *type)
{
    struct flurm_msg_parts p;
    size_t flen;
    uint8_t *frame = capture_load(rel, &flen);
    uint8_t *body;

    ck_assert_msg(frame != NULL, "%s", rel);
    ck_assert_int_eq(flurm_msg_split(&p, frame + 4, flen - 4), 0);
    ck_assert_ptr_nonnull(body = malloc(p.body_len ? p.body_len : 1));
    memcpy(body, p.body, p.body_len);
    *len = p.body_len;
    if (type)
        *type = p.hdr.msg_type;
    flurm_msg_parts_free(&p);
    free(frame);
    return body;
}

/* The message a client sends (without the length prefix): a header of
 * `version`, a munge credential for us, body.  Caller frees. */
static inline uint8_t *signed_request(uint16_t version, uint16_t type, const void *body,
                                      size_t body_len, size_t *len)
{
    struct flurm_header h = {.version = version, .msg_type = type,
                             .body_length = (uint32_t)body_len};
    struct flurm_buf *b = flurm_buf_create(512);
    uint8_t *msg;

    ck_assert_int_eq(flurm_header_pack(&h, b), 0);
    ck_assert_int_eq(flurm_auth_sign(auth, version, type, body, body_len, FLURM_AUTH_UID_ANY, b),
                     0);
    ck_assert_int_eq(flurm_pack_raw(b, body, body_len), 0);
    msg = flurm_buf_steal(b, len);
    flurm_buf_destroy(b);
    return msg;
}

#ifdef GWTEST_CLIENT_CALLS

/* ---- client calls ------------------------------------------------------------ */

static int answers __attribute__((unused)); /* every call's done, all calls together */

/* The peer's address of the calls sent (NULL: a local "test" peer
 * without one). */
static const char *client_peer_addr __attribute__((unused));

struct client_call {
    struct gw_call call;
    struct flurm_buf *out;
    int answers;
    int have_reply;
};

static inline void done(struct gw_call *c, int reply)
{
    struct client_call *cc = (struct client_call *)c;

    answers++;
    cc->answers++;
    cc->have_reply = reply;
}

/* gwt_start()'s and gwt_teardown()'s part: each client call owns its
 * reply buffer (free_call), only the count is the fixture's. */
static inline void gwt_calls_start(void)
{
    answers = 0;
}

static inline void gwt_calls_stop(void)
{
}

/* rpc.c anew with scontrol's wait rpc_timeout (the machine may be loaded:
 * generous unless a test is about that time). */
static inline void start_rpc(double rpc_timeout)
{
    gwt_start_rpc(rpc_timeout, 2);
}

/* Sign body as a request of `type` at 22.05 and hand it to rpc.c, as a
 * connection from `peer` (for log lines) whose address is peer_addr (""
 * if unknown). */
static inline void send_request_from(struct client_call *cc, const char *peer,
                                     const char *peer_addr, uint16_t type, const void *body,
                                     size_t len)
{
    size_t mlen;
    uint8_t *msg = signed_request(0x2600, type, body, len, &mlen);

    memset(cc, 0, sizeof(*cc));
    ck_assert_ptr_nonnull(cc->out = flurm_buf_create(256));
    cc->have_reply = -1;
    cc->call.out = cc->out;
    cc->call.done = done;
    snprintf(cc->call.peer, sizeof(cc->call.peer), "%s", peer);
    snprintf(cc->call.peer_addr, sizeof(cc->call.peer_addr), "%s", peer_addr);
    gw_rpc_handle(rpc, &cc->call, msg, mlen);
    free(msg);
}

/* The same from client_peer_addr. */
static inline void send_request(struct client_call *cc, uint16_t type, const void *body,
                                size_t len)
{
    char peer[64];

    if (!client_peer_addr) {
        send_request_from(cc, "test", "", type, body, len);
        return;
    }
    snprintf(peer, sizeof(peer), "%s:40000", client_peer_addr);
    send_request_from(cc, peer, client_peer_addr, type, body, len);
}

/* Wakes the loop now and then, so that run_until() sees its deadline
 * even when nothing happens. */
static inline void tick(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
}

/* Run the loop until cond() or 10 s. */
static inline void run_until(bool (*cond)(void))
{
    ev_tstamp give_up = ev_time() + 10.0;
    ev_timer t;

    ev_timer_init(&t, tick, 0.05, 0.05);
    ev_timer_start(flurm_loop_ev(loop), &t);
    while (!cond() && ev_time() < give_up)
        ev_run(flurm_loop_ev(loop), EVRUN_ONCE);
    ev_timer_stop(flurm_loop_ev(loop), &t);
}

static struct client_call *waiting __attribute__((unused));

static inline bool answered(void)
{
    return waiting->answers > 0;
}

/* Run the loop until cc is answered, exactly once. */
static inline void wait_answer(struct client_call *cc)
{
    waiting = cc;
    run_until(answered);
    ck_assert_int_eq(cc->answers, 1);
}

/* Send and wait for the answer. */
static inline void roundtrip(struct client_call *cc, uint16_t type, const void *body, size_t len)
{
    send_request(cc, type, body, len);
    wait_answer(cc);
}

static inline void free_call(struct client_call *cc)
{
    flurm_buf_destroy(cc->out);
}

/* The reply's parts; caller frees with flurm_msg_parts_free. */
static inline void reply_parts(struct client_call *cc, struct flurm_msg_parts *p)
{
    ck_assert_int_eq(cc->have_reply, 1);
    ck_assert_int_eq(flurm_msg_split(p, flurm_buf_data(cc->out) + 4, flurm_buf_len(cc->out) - 4),
                     0);
}

/* The return code of a RESPONSE_SLURM_RC reply. */
static inline uint32_t reply_rc(struct client_call *cc)
{
    struct flurm_msg_parts p;
    uint32_t rc;

    reply_parts(cc, &p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_SLURM_RC);
    ck_assert_uint_eq(p.body_len, 4);
    rc = be32(p.body);
    flurm_msg_parts_free(&p);
    return rc;
}

/* Send the captured request `rel` (signed anew). */
static inline void send_captured(struct client_call *cc, const char *rel)
{
    size_t len;
    uint16_t type;
    uint8_t *body = captured_body(rel, &len, &type);

    send_request(cc, type, body, len);
    free(body);
}

static inline void roundtrip_captured(struct client_call *cc, const char *rel)
{
    send_captured(cc, rel);
    wait_answer(cc);
}

/* The reply in cc is the captured slurmctld reply `rel`: same type, same body. */
static inline void assert_reply_as_captured(struct client_call *cc, const char *rel)
{
    size_t want_len;
    uint16_t want_type;
    uint8_t *want = captured_body(rel, &want_len, &want_type);
    struct flurm_msg_parts p;

    reply_parts(cc, &p);
    ck_assert_uint_eq(p.hdr.msg_type, want_type);
    ck_assert_uint_eq(p.body_len, want_len);
    ck_assert_mem_eq(p.body, want, want_len);
    flurm_msg_parts_free(&p);
    free(want);
}

/* What a routed request carries as "msg": the client's message. */
static inline const json_t *msg_of(const json_t *body)
{
    return json_object_get(body, "msg");
}

static inline json_int_t msg_int(const json_t *body, const char *key)
{
    return json_integer_value(json_object_get(msg_of(body), key));
}

/* ---- recording stand-ins ------------------------------------------------------ */

/* What a stand-in saw and how it answers; the service's arg (see on_standin). */
struct standin {
    int calls;
    char type[64];
    json_t *body;          /* the last request's body */
    json_t *answer;        /* what to answer (NULL: {"rc": 0}) */
    int error;             /* answer this error code instead, if not 0 */
    const char *user_text; /* with this text for the user, if set */
    bool silent;           /* answer nothing (the gateway's timeout decides) */
    uint64_t held;         /* a deferred request, when silent */
    int answers_seen;      /* the gateway's answers to clients when the last request came */
};

/* The handler of every type a stand-in serves: arg is its struct standin. */
static inline void on_standin(struct flurm_request *req, void *arg)
{
    struct standin *st = arg;

    st->calls++;
    st->answers_seen = answers;
    snprintf(st->type, sizeof(st->type), "%s", flurm_request_type(req));
    json_decref(st->body);
    st->body = json_incref(flurm_request_body(req));
    if (st->silent) {
        st->held = flurm_request_defer(req);
        return;
    }
    if (st->error && st->user_text)
        flurm_request_reply_user_error(req, st->error, "%s", st->user_text);
    else if (st->error)
        flurm_request_reply_error(req, st->error, "refused by the stand-in");
    else
        flurm_request_reply(req, st->answer ? json_deep_copy(st->answer)
                                            : json_pack("{s:i}", "rc", 0));
}

/* Answer the request a silent stand-in of service svc holds ({"rc": 0}). */
static inline void standin_release(struct flurm_service *svc, struct standin *st)
{
    struct flurm_request *req = st->held ? flurm_service_deferred(svc, st->held) : NULL;

    ck_assert_ptr_nonnull(req);
    flurm_request_reply(req, json_pack("{s:i}", "rc", 0));
    st->held = 0;
}

/* No request the gateway handed off after answering its client is out. */
static inline bool nothing_handed_off(void)
{
    return gw_rpc_handed_off(rpc) == 0;
}

/* Free what st kept and forget how it answered. */
static inline void standin_clear(struct standin *st)
{
    json_decref(st->body);
    json_decref(st->answer);
    memset(st, 0, sizeof(*st));
}

#else /* one call at a time */

/* ---- one call at a time --------------------------------------------------------- */

static struct flurm_buf *out __attribute__((unused)); /* the reply frame to `call` */
static struct gw_call call __attribute__((unused));   /* the request under way */
static int answers __attribute__((unused));           /* rpc.c's answers to it */
static int have_reply __attribute__((unused));        /* the last one's; -1 before */

static inline void done(struct gw_call *c, int reply)
{
    ck_assert_ptr_eq(c, &call);
    answers++;
    have_reply = reply;
}

/* gwt_start()'s and gwt_teardown()'s part: the reply buffer. */
static inline void gwt_calls_start(void)
{
    ck_assert_ptr_nonnull(out = flurm_buf_create(256));
}

static inline void gwt_calls_stop(void)
{
    flurm_buf_destroy(out);
    out = NULL;
}

/* Hand msg (borrowed; see signed_request) to rpc.c as `call` from a local
 * "test" peer; the reply comes in `out`.  The caller runs the loop. */
static inline void send_call(const uint8_t *msg, size_t len)
{
    answers = 0;
    have_reply = -1;
    flurm_buf_seek(out, 0);
    memset(&call, 0, sizeof(call));
    call.out = out;
    call.done = done;
    strcpy(call.peer, "test");
    gw_rpc_handle(rpc, &call, msg, len);
}

#endif /* GWTEST_CLIENT_CALLS */

/* ---- setting up and tearing down ------------------------------------------------ */

/* Check that munged answers, then make the run folder
 * /tmp/gw-test-<name>.XXXXXX and the loop: what stand-ins need before
 * gwt_start(). */
static inline void gwt_setup(const char *name)
{
    char *cred = NULL;

    if (munge_encode(&cred, NULL, NULL, 0) != EMUNGE_SUCCESS)
        ck_abort_msg("munged does not answer: run scripts/setup");
    free(cred);
    snprintf(rundir, sizeof(rundir), "/tmp/gw-test-%s.XXXXXX", name);
    ck_assert_ptr_nonnull(mkdtemp(rundir));
    ck_assert_ptr_nonnull(loop = flurm_loop_create());
    gwt_nstandins = 0;
}

/* A service `name` serving handlers (borrowed: a static table; arg is
 * handed to them) on the loop, in the run folder, where the gateway's
 * backends find it.  Borrowed: gwt_teardown() destroys it. */
static inline struct flurm_service *gwt_standin(const char *name,
                                                const struct flurm_handler *handlers, void *arg)
{
    struct flurm_service *svc;

    ck_assert_uint_lt(gwt_nstandins, GWT_MAX_STANDINS);
    ck_assert_ptr_nonnull(svc = flurm_service_create(loop, name, "v-test", handlers, arg));
    ck_assert_int_eq(flurm_service_set_rundir(svc, rundir), 0);
    ck_assert_int_eq(flurm_service_start(svc), 0);
    gwt_standins[gwt_nstandins++] = svc;
    return svc;
}

/* The gateway's parts, after the stand-ins so that the backends find
 * them at once, and rpc.c on top (see gwt_start_rpc). */
static inline void gwt_start(double rpc_timeout, double gather_timeout)
{
    char err[256];

    ck_assert_ptr_nonnull(auth = flurm_auth_create(NULL));
    conf = gw_conf_load("test/services/gateway/data/lab.slurm.conf", err, sizeof(err));
    ck_assert_msg(conf != NULL, "%s", err);
    ck_assert_int_eq(gw_buildinfo_fill(&bi, conf, time(NULL) - 10, NULL, NULL), 0);
    ck_assert_ptr_nonnull(stats = gw_stats_create(time(NULL)));
    ck_assert_ptr_nonnull(backends = gw_backends_create(loop, rundir));
    rpc = NULL;
    gwt_start_rpc(rpc_timeout, gather_timeout);
    gwt_calls_start();
}

/* Destroy all of it and remove the run folder.  Backends first, as the
 * gateway does: pending requests complete while their calls still
 * exist. */
static inline void gwt_teardown(void)
{
    char cmd[300];

    gw_backends_destroy(backends);
    gw_rpc_destroy(rpc);
    gwt_calls_stop();
    gw_stats_destroy(stats);
    flurm_record_free(&flurm_rec_build_info, &bi);
    gw_conf_destroy(conf);
    flurm_auth_destroy(auth);
    for (size_t i = 0; i < gwt_nstandins; i++)
        flurm_service_destroy(gwt_standins[i]);
    gwt_nstandins = 0;
    flurm_loop_destroy(loop);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", rundir);
    ck_assert_int_eq(system(cmd), 0);
}

#endif
