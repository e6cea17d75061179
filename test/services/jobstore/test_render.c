/*
 * test_render.c - job lists answered in wire form (docs/jobstore.md,
 * "Answering squeue"): the records the store packs and keeps per job must
 * be, byte for byte, what the gateway packs from the JSON answer, for every
 * protocol version, show_flags, asker and kind of job, and must follow
 * every change of a job and the passing of time.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/msg.h"
#include "services/jobstore/render.h"
#include "test/services/jobstore/testutil.h"
#include "wire/msg.h"
#include "wire/rec_job.h"

#define SHOW_ALL 0x0001
#define SHOW_DETAIL 0x0002
#define SHOW_LOCAL 0x0010

#define ALLOC_N1(cores, cpus, mem) \
    "{\"nodes\":\"n1\",\"batch_host\":\"n1\",\"hosts\":[{\"name\":\"n1\",\"cores\":\"" cores \
    "\",\"cpus\":" #cpus ",\"mem\":" #mem "}]}"
#define ALLOC_N12 \
    "{\"nodes\":\"n[1-2]\",\"batch_host\":\"n1\",\"hosts\":[" \
    "{\"name\":\"n1\",\"cores\":\"2\",\"cpus\":1,\"mem\":500}," \
    "{\"name\":\"n2\",\"cores\":\"0-1\",\"cpus\":2,\"mem\":500}]}"

static const uint16_t protos[] = {FLURM_PROTO_22_05, FLURM_PROTO_23_02, FLURM_PROTO_23_11};
static const uint16_t flag_sets[] = {0, SHOW_ALL, SHOW_DETAIL, SHOW_ALL | SHOW_DETAIL,
                                     SHOW_ALL | SHOW_LOCAL};
/* -1: a FLURM service (no auth) */
static const long long askers[] = {U_ALICE, U_BOB, U_ROOT, -1};

static struct site *site;
static struct jobs *jobs;
static uint64_t seq;

static void open_site(const char *extra)
{
    site = tu_site(extra);
    jobs = jobs_create(site);
    ck_assert_ptr_nonnull(jobs);
    seq = 0;
}

static void setup(void)
{
    open_site(NULL);
}

static void teardown(void)
{
    jobs_destroy(jobs);
    site_destroy(site);
}

static json_t *apply(json_t *cmd)
{
    json_t *res = jobs_apply(jobs, ++seq, cmd);

    ck_assert_ptr_nonnull(res);
    json_decref(cmd);
    return res;
}

static void apply_ok(json_t *cmd)
{
    json_t *res = apply(cmd);

    tu_assert_code(res, 0);
    json_decref(res);
}

static unsigned submit(unsigned uid, long long t, const char *overrides)
{
    json_t *res = apply(tu_cmd("job.submit", uid, uid, t, tu_desc(overrides), NULL));
    unsigned id = tu_job_id(res);

    json_decref(res);
    return id;
}

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);

    ck_assert_msg(j != NULL, "bad JSON %s: %s", text, err.text);
    return j;
}

/* A service's command (no auth), as main.c builds it. */
static json_t *svc_cmd(const char *type, long long t, json_t *msg)
{
    json_t *c = json_pack("{s:s, s:I, s:o}", "type", type, "time", (json_int_t)t, "msg", msg);

    ck_assert_ptr_nonnull(c);
    return c;
}

static void start(unsigned id, const char *alloc, long long t)
{
    json_t *res = apply(svc_cmd("job.start", t,
                                json_pack("{s:I, s:[{s:i, s:o}]}", "time", (json_int_t)t,
                                          "jobs", "job_id", (int)id, "alloc", parse(alloc))));

    tu_assert_code(res, 0);
    ck_assert_msg(json_array_size(json_object_get(json_object_get(res, "body"), "started")) == 1,
                  "job %u not started: %s", id,
                  json_dumps(json_object_get(json_object_get(res, "body"), "refused"), 0));
    json_decref(res);
}

static void complete(unsigned id, long long t)
{
    apply_ok(tu_cmd("job.complete", U_ROOT, U_ROOT, t,
                    json_pack("{s:n, s:i, s:i, s:i, s:i, s:s}", "jobacct", "job_id", (int)id,
                              "job_rc", 0, "slurm_rc", 0, "user_id", 0, "node_name", "n1"),
                    NULL));
}

static void epilog(unsigned id, const char *node, long long t)
{
    apply_ok(tu_cmd("job.epilog_complete", U_SLURM, U_SLURM, t,
                    json_pack("{s:i, s:i, s:s}", "job_id", (int)id, "return_code", 0,
                              "node_name", node),
                    NULL));
}

/* The scheduler's word on a pending job: priority, reason, planned start. */
static void plan(unsigned id, unsigned prio, unsigned reason, long long start_time, long long t)
{
    apply_ok(svc_cmd("job.sched_update", t,
                     json_pack("{s:[{s:i, s:i, s:i, s:I}]}", "jobs", "job_id", (int)id,
                               "priority", (int)prio, "state_reason", (int)reason,
                               "start_time", (json_int_t)start_time)));
}

/* The request body the gateway sends (asker < 0: none, as a service). */
static json_t *query_body(long long asker, uint16_t proto, json_t *msg, int wire)
{
    json_t *body = json_pack("{s:i, s:O}", "proto", proto, "msg", msg);

    if (asker >= 0)
        json_object_set_new(body, "auth", json_pack("{s:I, s:I}", "uid", (json_int_t)asker,
                                                    "gid", (json_int_t)asker));
    if (wire)
        json_object_set_new(body, "wire_records", json_true());
    return body;
}

/* RESPONSE_JOB_INFO's body as the gateway packs it from a JSON answer. */
static struct flurm_buf *pack_from_json(const json_t *msg, uint16_t proto)
{
    const struct flurm_record *rec = flurm_msg_body_record(proto, FLURM_RESPONSE_JOB_INFO);
    struct flurm_buf *b = flurm_buf_create(4096);
    const char *field = NULL;
    void *obj = calloc(1, rec->size);

    ck_assert_msg(flurm_record_from_json(rec, msg, obj, &field) == 0, "from_json: %s", field);
    ck_assert_int_eq(flurm_record_pack(rec, obj, b, proto), 0);
    flurm_record_free(rec, obj);
    free(obj);
    return b;
}

/* RESPONSE_JOB_INFO's body as the gateway builds it from a wire answer,
 * after the reply went through the envelope (encode, decode). */
static struct flurm_buf *pack_from_wire(const json_t *body)
{
    const json_t *msg = json_object_get(body, "msg");
    struct flurm_buf *b = flurm_buf_create(4096);
    struct flurm_msg *reply;
    const void *att;
    size_t len, att_len;
    char *buf;

    ck_assert(json_is_true(json_object_get(body, "wire_records")));
    ck_assert_ptr_null(json_object_get(msg, "jobs"));
    buf = flurm_msg_encode_reply(body, &len);
    ck_assert_ptr_nonnull(buf);
    reply = flurm_msg_decode(FLURM_MSG_REPLY, buf, len, NULL);
    ck_assert_ptr_nonnull(reply);
    att = flurm_msg_attachment(reply, &att_len);
    ck_assert_ptr_nonnull(att);
    msg = json_object_get(flurm_msg_body(reply), "msg");
    flurm_pack32(b, (uint32_t)tu_int(msg, "record_count"));
    flurm_pack_time(b, (time_t)tu_int(msg, "last_update"));
    flurm_pack_time(b, (time_t)tu_int(msg, "last_backfill"));
    flurm_pack_raw(b, att, att_len);
    flurm_msg_destroy(reply);
    free(buf);
    return b;
}

/* One query both ways: the same outcome, and for a list the same bytes.
 * Returns the number of records listed. */
static size_t agree(const char *type, const char *msg_text, long long asker, uint16_t proto,
                    double now)
{
    json_t *msg = parse(msg_text);
    json_t *jbody = query_body(asker, proto, msg, 0), *wbody = query_body(asker, proto, msg, 1);
    json_t *jres = jobs_query(jobs, type, jbody, now), *wres = jobs_query(jobs, type, wbody, now);
    struct flurm_buf *expect, *got;
    size_t n = 0;

    ck_assert_ptr_nonnull(jres);
    ck_assert_ptr_nonnull(wres);
    ck_assert_int_eq(tu_code(wres), tu_code(jres));
    if (tu_code(jres) == 0) {
        const json_t *jmsg = json_object_get(json_object_get(jres, "body"), "msg");

        n = json_array_size(json_object_get(jmsg, "jobs"));
        expect = pack_from_json(jmsg, proto);
        got = pack_from_wire(json_object_get(wres, "body"));
        ck_assert_msg(flurm_buf_len(got) == flurm_buf_len(expect) &&
                          !memcmp(flurm_buf_data(got), flurm_buf_data(expect),
                                  flurm_buf_len(got)),
                      "%s %s asker %lld proto 0x%04x: wire records (%zu bytes) differ from "
                      "the JSON path's (%zu bytes)",
                      type, msg_text, asker, proto, flurm_buf_len(got), flurm_buf_len(expect));
        flurm_buf_destroy(expect);
        flurm_buf_destroy(got);
    }
    json_decref(jres);
    json_decref(wres);
    json_decref(jbody);
    json_decref(wbody);
    json_decref(msg);
    return n;
}

/* Every list query squeue and scontrol send, in every version, with every
 * flag set and asker, twice (made, then kept). */
static void all_agree(double now, unsigned single_ids[], size_t nsingle)
{
    for (int round = 0; round < 2; round++) {
        for (size_t p = 0; p < sizeof(protos) / sizeof(protos[0]); p++) {
            for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++) {
                for (size_t a = 0; a < sizeof(askers) / sizeof(askers[0]); a++) {
                    agree("job.info", tu_fmt("{\"show_flags\": %u}", flag_sets[f]), askers[a],
                          protos[p], now);
                    agree("job.user_info",
                          tu_fmt("{\"show_flags\": %u, \"user_id\": %u}", flag_sets[f], U_ALICE),
                          askers[a], protos[p], now);
                    for (size_t i = 0; i < nsingle; i++)
                        agree("job.info_single",
                              tu_fmt("{\"show_flags\": %u, \"job_id\": %u}", flag_sets[f],
                                     single_ids[i]),
                              askers[a], protos[p], now);
                }
            }
        }
    }
}

/* Pending, held, waiting for a begin time, planned by the scheduler, an
 * array partly started, running on one and two nodes, completing,
 * finished, cancelled, in a hidden partition, another user's. */
static void varied_table(unsigned ids[], size_t *n)
{
    unsigned plain, held, later, planned, array, one, two, done, completing, cancelled;

    plain = submit(U_ALICE, T0, NULL);
    held = submit(U_ALICE, T0, "{\"priority\": 0}");
    later = submit(U_ALICE, T0, tu_fmt("{\"begin_time\": %lld}", T0 + 3600));
    planned = submit(U_BOB, T0, "{\"name\": \"planned\", \"comment\": \"c\", \"mail_user\": \"m@x\"}");
    plan(planned, 500, 1 /* WAIT_PRIORITY */, T0 + 600, T0 + 1);
    array = submit(U_ALICE, T0, "{\"array_inx\": \"1-6%3\"}");
    one = submit(U_ALICE, T0, "{\"min_cpus\": 2, \"mem_per_cpu\": 100}");
    two = submit(U_BOB, T0, "{\"min_nodes\": 2, \"num_tasks\": 3}");
    done = submit(U_ALICE, T0, "{\"partition\": \"big\"}");
    completing = submit(U_BOB, T0, NULL);
    cancelled = submit(U_ALICE, T0, NULL);
    submit(U_BOB, T0, "{\"partition\": \"secret\"}");
    start(one, ALLOC_N1("0-1", 2, 200), T0 + 2);
    start(two, ALLOC_N12, T0 + 2);
    start(array, "{\"nodes\":\"n2\",\"batch_host\":\"n2\",\"hosts\":[{\"name\":\"n2\","
                 "\"cores\":\"2\",\"cpus\":1,\"mem\":100}]}",
          T0 + 3); /* splits a task off the array */
    start(done, "{\"nodes\":\"big1\",\"batch_host\":\"big1\",\"hosts\":[{\"name\":\"big1\","
                "\"cores\":\"0\",\"cpus\":1,\"mem\":100}]}",
          T0 + 3);
    complete(done, T0 + 4);
    epilog(done, "big1", T0 + 5);
    start(completing, ALLOC_N1("3", 1, 100), T0 + 3);
    complete(completing, T0 + 6);
    apply_ok(tu_cmd("job.kill", U_ALICE, U_ALICE, T0 + 7, tu_kill(tu_fmt("%u", cancelled)),
                    NULL));
    *n = 0;
    ids[(*n)++] = plain;
    ids[(*n)++] = held;
    ids[(*n)++] = array;      /* the meta record and every task */
    ids[(*n)++] = two;
    ids[(*n)++] = completing;
    ids[(*n)++] = 99999;      /* unknown: refused both ways */
    (void)later;
}

START_TEST(wire_records_equal_the_json_path_for_every_version_flag_and_asker)
{
    unsigned ids[16];
    size_t n;

    varied_table(ids, &n);
    all_agree(T0 + 10, ids, n);
}
END_TEST

START_TEST(wire_records_equal_the_json_path_with_private_data)
{
    unsigned ids[16];
    size_t n;

    teardown();
    open_site("PrivateData=jobs\n");
    varied_table(ids, &n);
    all_agree(T0 + 10, ids, n);
    /* the filter is the asker's: alice does not see bob's jobs */
    ck_assert_uint_lt(agree("job.info", "{\"show_flags\": 0}", U_ALICE, FLURM_PROTO_22_05, T0 + 10),
                      agree("job.info", "{\"show_flags\": 0}", U_ROOT, FLURM_PROTO_22_05, T0 + 10));
}
END_TEST

/* A kept rendering must never outlive what it shows: every change of the
 * job, of its array's meta record, and the clock passing a pending job's
 * begin time or planned start. */
START_TEST(kept_records_follow_changes_and_time)
{
    unsigned ids[16], later, planned, array;
    uint64_t hits, made, hits_before, made_before;
    size_t n;

    varied_table(ids, &n);
    later = 102;   /* varied_table's third and fourth submissions */
    planned = 103;
    array = ids[2];
    all_agree(T0 + 10, ids, n);
    jobs_rendered_counts(jobs, &hits, &made);
    ck_assert_uint_gt(hits, 0); /* the second round reused what the first made */
    ck_assert_uint_gt(made, 0);

    /* nothing changed: all kept (the key all_agree asked for last; a job
     * keeps only RENDERED_MAX keys) */
    jobs_rendered_counts(jobs, &hits_before, &made_before);
    agree("job.info", "{\"show_flags\": 17}", U_ROOT, FLURM_PROTO_23_11, T0 + 11);
    jobs_rendered_counts(jobs, &hits, &made);
    ck_assert_uint_eq(made, made_before);
    ck_assert_uint_gt(hits, hits_before);

    /* the array's throttle changes: its tasks show the meta's new limit */
    apply_ok(tu_cmd("job.update", U_ALICE, U_ALICE, T0 + 12,
                    tu_update(tu_fmt("%u", array), "{\"array_inx\": \"%1\"}"), NULL));
    all_agree(T0 + 13, &array, 1);
    /* a job's priority, a hold, a cancel */
    plan(ids[0], 777, 1, 0, T0 + 14);
    apply_ok(tu_cmd("job.update", U_ALICE, U_ALICE, T0 + 14,
                    tu_update(tu_fmt("%u", ids[0]), "{\"priority\": 0}"), NULL));
    apply_ok(tu_cmd("job.kill", U_BOB, U_BOB, T0 + 15, tu_kill(tu_fmt("%u", planned)), NULL));
    all_agree(T0 + 16, ids, n);
    /* the completing job's last epilog */
    epilog(ids[4], "n1", T0 + 17);
    all_agree(T0 + 18, ids, n);
    /* time alone: the begin time passes (WAIT_TIME no more) */
    all_agree(T0 + 3599, ids, n);
    all_agree(T0 + 3600, ids, n);
    all_agree(T0 + 3601, ids, n);
    (void)later;
}
END_TEST

/* A planned start that has passed shows as "now": never kept beyond the
 * second it was made in. */
START_TEST(passed_planned_start_is_shown_as_now)
{
    unsigned id = submit(U_ALICE, T0, NULL);
    unsigned ids[1] = {id};

    plan(id, 500, 1, T0 + 5, T0 + 1);
    all_agree(T0 + 2, ids, 1);
    all_agree(T0 + 5, ids, 1);
    all_agree(T0 + 6, ids, 1);
    all_agree(T0 + 7, ids, 1);
    /* a clock that went back is not served from what was made later */
    all_agree(T0 + 3, ids, 1);
}
END_TEST

START_TEST(json_is_answered_without_the_request_member)
{
    json_t *msg = parse("{\"show_flags\": 0}");
    json_t *body = query_body(U_ALICE, FLURM_PROTO_22_05, msg, 0), *res;

    submit(U_ALICE, T0, NULL);
    res = jobs_query(jobs, "job.info", body, T0 + 1);
    tu_assert_code(res, 0);
    ck_assert_ptr_null(json_object_get(json_object_get(res, "body"), "wire_records"));
    ck_assert_ptr_null(json_object_get(json_object_get(res, "body"), FLURM_MSG_ATTACH_KEY));
    ck_assert_int_eq(json_array_size(json_object_get(
                         json_object_get(json_object_get(res, "body"), "msg"), "jobs")),
                     1);
    json_decref(res);
    json_decref(body);
    json_decref(msg);
}
END_TEST

/* A version the records are not packed for (an old gateway never sends
 * one; a newer one might): JSON, which the gateway can always read. */
START_TEST(unknown_version_is_answered_in_json)
{
    json_t *msg = parse("{\"show_flags\": 0}");
    json_t *body = query_body(U_ALICE, 0x2900, msg, 1), *res;

    submit(U_ALICE, T0, NULL);
    res = jobs_query(jobs, "job.info", body, T0 + 1);
    tu_assert_code(res, 0);
    ck_assert_ptr_null(json_object_get(json_object_get(res, "body"), "wire_records"));
    json_decref(res);
    json_decref(body);
    json_decref(msg);
}
END_TEST

/* ---- the renderings list itself ---------------------------------------------- */

START_TEST(rendered_list_keeps_per_key_and_drops_the_oldest)
{
    struct rendered *r = NULL;
    struct rendered_from f = {.job_seq = 5, .meta_seq = 0}, other = {.job_seq = 6};
    size_t len;
    const char *got;

    ck_assert_ptr_null(rendered_get(r, 0x2600, 0, &f, 10, &len));
    ck_assert_int_eq(rendered_put(&r, 0x2600, 0, &f, 10, 20, "aaa", 3), 0);
    got = rendered_get(r, 0x2600, 0, &f, 15, &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(len, 3);
    ck_assert_mem_eq(got, "aaa", 3);
    /* another source, another time, another key: not served */
    ck_assert_ptr_null(rendered_get(r, 0x2600, 0, &other, 15, &len));
    ck_assert_ptr_null(rendered_get(r, 0x2600, 0, &f, 9, &len));
    ck_assert_ptr_null(rendered_get(r, 0x2600, 0, &f, 20, &len));
    ck_assert_ptr_null(rendered_get(r, 0x2700, 0, &f, 15, &len));
    ck_assert_ptr_null(rendered_get(r, 0x2600, 2, &f, 15, &len));
    /* the same key replaces */
    ck_assert_int_eq(rendered_put(&r, 0x2600, 0, &f, 10, 20, "bb", 2), 0);
    ck_assert_uint_eq(rendered_bytes(r), 2);
    /* a fourth key drops the oldest */
    ck_assert_int_eq(rendered_put(&r, 0x2700, 0, &f, 10, 20, "c", 1), 0);
    ck_assert_int_eq(rendered_put(&r, 0x2800, 0, &f, 10, 20, "d", 1), 0);
    ck_assert_int_eq(rendered_put(&r, 0x2800, 2, &f, 10, 20, "e", 1), 0);
    ck_assert_ptr_null(rendered_get(r, 0x2600, 0, &f, 15, &len));
    ck_assert_ptr_nonnull(rendered_get(r, 0x2700, 0, &f, 15, &len));
    ck_assert_ptr_nonnull(rendered_get(r, 0x2800, 2, &f, 15, &len));
    ck_assert_uint_eq(rendered_bytes(r), 3);
    rendered_destroy(r);
    rendered_destroy(NULL);
}
END_TEST

static Suite *render_suite(void)
{
    Suite *s = suite_create("render");
    TCase *tc = tcase_create("render");

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, wire_records_equal_the_json_path_for_every_version_flag_and_asker);
    tcase_add_test(tc, wire_records_equal_the_json_path_with_private_data);
    tcase_add_test(tc, kept_records_follow_changes_and_time);
    tcase_add_test(tc, passed_planned_start_is_shown_as_now);
    tcase_add_test(tc, json_is_answered_without_the_request_member);
    tcase_add_test(tc, unknown_version_is_answered_in_json);
    tcase_add_test(tc, rendered_list_keeps_per_key_and_drops_the_oldest);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(render_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
