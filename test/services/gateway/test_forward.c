/*
 * test_forward.c - what the gateway sends to a service and what it makes
 * of the answer, with a stand-in "store" running on the same loop: the
 * requester's host in auth (the job's AllocNode), a refusal whose text is
 * marked for the user turned into RESPONSE_SLURM_RC_MSG exactly where
 * slurmctld sends one, the services' counters in sdiag and their reset,
 * and NEXT_JOB_ID from the store.  Talks to the local munged.  Run from
 * the repository root.
 */
#include <arpa/inet.h>
#include <check.h>
#include <munge.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
#include "wire/rec_generic.h"
#include "wire/rec_info.h"

/* How the stand-in store answers. */
enum answer {
    ANSWER_USER_ERROR, /* flurm_request_reply_user_error */
    ANSWER_ERROR,      /* flurm_request_reply_error */
};

struct store {
    enum answer answer;
    char last_type[64];
    char host[256];
    char addr[64];
    int stats_calls;
    int last_reset;
};

static char rundir[] = "/tmp/gw-test-fwd.XXXXXX";
static struct flurm_loop *loop;
static struct flurm_auth *auth;
static struct gw_conf *conf;
static struct flurm_build_info bi;
static struct gw_stats *stats;
static struct gw_backends *backends;
static struct gw_rpc *rpc;
static struct flurm_service *svc;
static struct store store;
static struct flurm_buf *out;
static struct gw_call call;
static int answers;
static int have_reply;

static void refuse(struct flurm_request *req, void *arg)
{
    struct store *st = arg;
    json_t *a = json_object_get(flurm_request_body(req), "auth");

    snprintf(st->last_type, sizeof(st->last_type), "%s", flurm_request_type(req));
    snprintf(st->host, sizeof(st->host), "%s",
             json_string_value(json_object_get(a, "host")) ?: "(none)");
    snprintf(st->addr, sizeof(st->addr), "%s",
             json_string_value(json_object_get(a, "addr")) ?: "(none)");
    if (st->answer == ANSWER_USER_ERROR)
        flurm_request_reply_user_error(req, 2000, "invalid partition specified: nosuch");
    else
        flurm_request_reply_error(req, 2000, "a diagnostic for FLURM's log");
}

static json_t *store_stats(struct flurm_service *s, int reset, void *arg)
{
    struct store *st = arg;

    (void)s;
    st->stats_calls++;
    st->last_reset = reset;
    return json_pack("{s:i, s:i, s:i}", "jobs_submitted", reset ? 0 : 5, "jobs_canceled",
                     reset ? 0 : 1, "next_job_id", 4242);
}

static const struct flurm_handler store_handlers[] = {
    {"job.submit", refuse},
    {"job.info_single", refuse},
    {NULL, NULL},
};

static void done(struct gw_call *c, int reply)
{
    ck_assert_ptr_eq(c, &call);
    answers++;
    have_reply = reply;
}

static void setup(void)
{
    char err[256], *cred = NULL;
    struct gw_rpc_config cfg;

    if (munge_encode(&cred, NULL, NULL, 0) != EMUNGE_SUCCESS)
        ck_abort_msg("munged does not answer: run scripts/setup");
    free(cred);
    memset(&store, 0, sizeof(store));
    ck_assert_ptr_nonnull(mkdtemp(rundir));
    ck_assert_ptr_nonnull(loop = flurm_loop_create());
    ck_assert_ptr_nonnull(svc = flurm_service_create(loop, "store", "v-test", store_handlers,
                                                     &store));
    flurm_service_set_stats_cb(svc, store_stats, &store);
    ck_assert_int_eq(flurm_service_set_rundir(svc, rundir), 0);
    ck_assert_int_eq(flurm_service_start(svc), 0);
    ck_assert_ptr_nonnull(auth = flurm_auth_create(NULL));
    conf = gw_conf_load("test/services/gateway/data/lab.slurm.conf", err, sizeof(err));
    ck_assert_msg(conf != NULL, "%s", err);
    ck_assert_int_eq(gw_buildinfo_fill(&bi, conf, time(NULL) - 10, NULL, NULL), 0);
    ck_assert_ptr_nonnull(stats = gw_stats_create(time(NULL)));
    ck_assert_ptr_nonnull(backends = gw_backends_create(loop, rundir));
    cfg = (struct gw_rpc_config){.loop = loop, .auth = auth, .stats = stats,
                                 .backends = backends, .build_info = &bi, .rpc_timeout = 5,
                                 .gather_timeout = 2};
    ck_assert_ptr_nonnull(rpc = gw_rpc_create(&cfg));
    ck_assert_ptr_nonnull(out = flurm_buf_create(256));
}

static void teardown(void)
{
    char cmd[300];

    flurm_buf_destroy(out);
    gw_rpc_destroy(rpc);
    gw_backends_destroy(backends);
    gw_stats_destroy(stats);
    flurm_record_free(&flurm_rec_build_info, &bi);
    gw_conf_destroy(conf);
    flurm_auth_destroy(auth);
    flurm_service_destroy(svc);
    flurm_loop_destroy(loop);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", rundir);
    ck_assert_int_eq(system(cmd), 0);
    strcpy(rundir, "/tmp/gw-test-fwd.XXXXXX");
}

/* Sign body as a request of `type` at 22.05, run it through rpc.c and the
 * loop (which also runs the stand-in store) until it is answered. */
static void roundtrip(uint16_t type, const void *body, size_t body_len)
{
    struct flurm_header h = {.version = 0x2600, .msg_type = type,
                             .body_length = (uint32_t)body_len};
    struct flurm_buf *b = flurm_buf_create(512);
    ev_tstamp give_up = ev_time() + 10.0;
    uint8_t *msg;
    size_t len;

    ck_assert_int_eq(flurm_header_pack(&h, b), 0);
    ck_assert_int_eq(flurm_auth_sign(auth, 0x2600, type, body, body_len, FLURM_AUTH_UID_ANY, b),
                     0);
    ck_assert_int_eq(flurm_pack_raw(b, body, body_len), 0);
    msg = flurm_buf_steal(b, &len);
    flurm_buf_destroy(b);
    answers = 0;
    have_reply = -1;
    flurm_buf_seek(out, 0);
    memset(&call, 0, sizeof(call));
    call.out = out;
    call.done = done;
    strcpy(call.peer, "test");
    gw_rpc_handle(rpc, &call, msg, len);
    while (answers == 0 && ev_time() < give_up)
        ev_run(flurm_loop_ev(loop), EVRUN_ONCE);
    free(msg);
    ck_assert_int_eq(answers, 1);
    ck_assert_int_eq(have_reply, 1);
}

/* The body sbatch sent in a captured submission (its credential is stale,
 * the body is what matters).  Caller frees. */
static uint8_t *captured_submit_body(size_t *len)
{
    struct flurm_msg_parts p;
    size_t flen;
    uint8_t *frame = capture_load("sbatch_script/001-c2s-REQUEST_SUBMIT_BATCH_JOB.hex", &flen);
    uint8_t *body;

    ck_assert_ptr_nonnull(frame);
    ck_assert_int_eq(flurm_msg_split(&p, frame + 4, flen - 4), 0);
    ck_assert_ptr_nonnull(body = malloc(p.body_len));
    memcpy(body, p.body, p.body_len);
    *len = p.body_len;
    flurm_msg_parts_free(&p);
    free(frame);
    return body;
}

static void submit(void)
{
    size_t len;
    uint8_t *body = captured_submit_body(&len);

    roundtrip(FLURM_REQUEST_SUBMIT_BATCH_JOB, body, len);
    free(body);
}

/* The reply's parts (free with flurm_msg_parts_free). */
static void reply(struct flurm_msg_parts *p)
{
    ck_assert_int_eq(flurm_msg_split(p, flurm_buf_data(out) + 4, flurm_buf_len(out) - 4), 0);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

START_TEST(test_refused_submission_with_a_user_text_is_rc_msg)
{
    struct flurm_msg_parts p;
    struct flurm_rc_text_msg got;
    struct flurm_buf *view;

    store.answer = ANSWER_USER_ERROR;
    submit();
    ck_assert_str_eq(store.last_type, "job.submit");
    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_SLURM_RC_MSG);
    view = flurm_buf_view(p.body, p.body_len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_rc_text, &got, view, 0x2600, NULL), 0);
    ck_assert_uint_eq(flurm_buf_remaining(view), 0);
    ck_assert_int_eq(got.return_code, 2000);
    ck_assert_str_eq(got.err_msg, "invalid partition specified: nosuch");
    flurm_record_free(&flurm_rec_rc_text, &got);
    flurm_buf_destroy(view);
    flurm_msg_parts_free(&p);
}
END_TEST

START_TEST(test_refused_submission_without_a_user_text_is_plain_rc)
{
    struct flurm_msg_parts p;

    store.answer = ANSWER_ERROR;
    submit();
    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_SLURM_RC);
    ck_assert_uint_eq(p.body_len, 4);
    ck_assert_uint_eq(be32(p.body), 2000);
    flurm_msg_parts_free(&p);
}
END_TEST

START_TEST(test_user_text_on_an_rpc_slurmctld_answers_plainly_stays_plain_rc)
{
    /* REQUEST_JOB_INFO_SINGLE: job_id 7, show_flags 0 */
    static const uint8_t job7[] = {0, 0, 0, 7, 0, 0};
    struct flurm_msg_parts p;

    store.answer = ANSWER_USER_ERROR;
    roundtrip(FLURM_REQUEST_JOB_INFO_SINGLE, job7, sizeof(job7));
    ck_assert_str_eq(store.last_type, "job.info_single");
    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_SLURM_RC);
    ck_assert_uint_eq(be32(p.body), 2000);
    flurm_msg_parts_free(&p);
}
END_TEST

START_TEST(test_service_learns_the_requesting_host_by_name)
{
    struct in_addr a;
    struct hostent *he;
    char want[256];

    store.answer = ANSWER_ERROR;
    submit();
    /* munge's origin address, resolved and cut at the first dot as
     * slurmctld's auth_g_get_host() does */
    ck_assert_int_eq(inet_pton(AF_INET, store.addr, &a), 1);
    he = gethostbyaddr(&a, sizeof(a), AF_INET);
    snprintf(want, sizeof(want), "%s", he && he->h_name ? he->h_name : store.addr);
    want[strcspn(want, ".")] = '\0';
    ck_assert_str_eq(store.host, want);
}
END_TEST

static void stats_reply(struct flurm_stats_info *si)
{
    struct flurm_msg_parts p;
    struct flurm_buf *view;

    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_STATS_INFO);
    view = flurm_buf_view(p.body, p.body_len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_stats_info, si, view, 0x2600, NULL), 0);
    flurm_buf_destroy(view);
    flurm_msg_parts_free(&p);
}

START_TEST(test_sdiag_shows_the_services_counters)
{
    static const uint8_t get[2] = {0, 1};
    struct flurm_stats_info si;

    roundtrip(FLURM_REQUEST_STATS_INFO, get, sizeof(get));
    stats_reply(&si);
    ck_assert_int_eq(store.stats_calls, 1);
    ck_assert_int_eq(store.last_reset, 0);
    ck_assert_uint_eq(si.parts_packed, 1);
    ck_assert_uint_eq(si.sched.jobs_submitted, 5);
    ck_assert_uint_eq(si.sched.jobs_canceled, 1);
    flurm_record_free(&flurm_rec_stats_info, &si);
}
END_TEST

START_TEST(test_sdiag_reset_resets_the_services_counters_too)
{
    static const uint8_t reset[2] = {0, 0};
    struct flurm_stats_info si;

    if (getuid() != 0)
        return; /* only an administrator may reset */
    roundtrip(FLURM_REQUEST_STATS_INFO, reset, sizeof(reset));
    stats_reply(&si);
    ck_assert_int_eq(store.stats_calls, 1);
    ck_assert_int_eq(store.last_reset, 1);
    ck_assert_uint_eq(si.parts_packed, 0); /* "Reset scheduling statistics" */
    flurm_record_free(&flurm_rec_stats_info, &si);
}
END_TEST

START_TEST(test_next_job_id_comes_from_the_store)
{
    static const uint8_t zero8[8];
    struct flurm_msg_parts p;
    struct flurm_build_info got;
    struct flurm_buf *view;

    roundtrip(FLURM_REQUEST_BUILD_INFO, zero8, sizeof(zero8));
    reply(&p);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_RESPONSE_BUILD_INFO);
    view = flurm_buf_view(p.body, p.body_len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_build_info, &got, view, 0x2600, NULL), 0);
    ck_assert_uint_eq(got.next_job_id, 4242);
    flurm_record_free(&flurm_rec_build_info, &got);
    flurm_buf_destroy(view);
    flurm_msg_parts_free(&p);
}
END_TEST

static Suite *forward_suite(void)
{
    Suite *s = suite_create("gateway_forward");
    TCase *tc = tcase_create("forward");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_refused_submission_with_a_user_text_is_rc_msg);
    tcase_add_test(tc, test_refused_submission_without_a_user_text_is_plain_rc);
    tcase_add_test(tc, test_user_text_on_an_rpc_slurmctld_answers_plainly_stays_plain_rc);
    tcase_add_test(tc, test_service_learns_the_requesting_host_by_name);
    tcase_add_test(tc, test_sdiag_shows_the_services_counters);
    tcase_add_test(tc, test_sdiag_reset_resets_the_services_counters_too);
    tcase_add_test(tc, test_next_job_id_comes_from_the_store);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(forward_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
