/*
 * test_sched_update.c - the job store's job.sched_update command, by which
 * the scheduler writes priorities and pending reasons: what it changes,
 * what it leaves alone (held and finished jobs, an administrator's
 * priority, hold reasons), what it refuses, and that it is logged,
 * durable and idempotent by req_id like every command; the expected
 * start time and the dependency as shown, which it keeps for pending
 * jobs.
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "services/jobstore/jobs.h"
#include "services/jobstore/store.h"
#include "test/services/jobstore/testutil.h"

#define DESC_N "ReqNodeNotAvail, UnavailableNodes:n[1-2]"

/* job.sched_update as the scheduler sends it (no auth). */
static json_t *sched_cmd(long long time, const char *req_id, const char *jobs_json)
{
    json_error_t jerr;
    json_t *jobs = json_loads(jobs_json, 0, &jerr);

    ck_assert_msg(jobs != NULL, "bad JSON %s: %s", jobs_json, jerr.text);
    return json_pack("{s:s, s:s?, s:I, s:{s:I, s:o}}", "type", "job.sched_update", "req_id",
                     req_id, "time", (json_int_t)time, "msg", "time", (json_int_t)time, "jobs",
                     jobs);
}

static unsigned submit(struct jobs *jobs, uint64_t seq, const char *overrides)
{
    json_t *cmd = tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(overrides), NULL);
    json_t *res = jobs_apply(jobs, seq, cmd);
    unsigned id = tu_job_id(res);

    json_decref(cmd);
    json_decref(res);
    return id;
}

static json_t *apply(struct jobs *jobs, uint64_t seq, json_t *cmd)
{
    json_t *res = jobs_apply(jobs, seq, cmd);

    json_decref(cmd);
    ck_assert_ptr_nonnull(res);
    return res;
}

static json_t *info(struct jobs *jobs, unsigned id)
{
    json_t *j = jobs_job_info(jobs, id, 0, (double)T0);

    ck_assert_ptr_nonnull(j);
    return j;
}

START_TEST(sets_reason_description_and_priority)
{
    struct site *site = tu_site(NULL);
    struct jobs *jobs = jobs_create(site);
    unsigned id = submit(jobs, 1, NULL);
    const uint32_t *changed;
    json_t *res, *j;

    res = apply(jobs, 2,
                sched_cmd(T0 + 1, NULL,
                          tu_fmt("[{\"job_id\":%u,\"priority\":42,\"state_reason\":15,"
                                 "\"state_desc\":\"%s\"}]", id, DESC_N)));
    tu_assert_code(res, 0);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "changed")), 1);
    ck_assert_int_eq(jobs_changed(jobs, &changed), 1);
    ck_assert_uint_eq(changed[0], id);
    j = info(jobs, id);
    ck_assert_int_eq(tu_int(j, "state_reason"), 15);
    ck_assert_str_eq(tu_str(j, "state_desc"), DESC_N);
    ck_assert_int_eq(tu_int(j, "priority"), 42);
    json_decref(j);
    json_decref(res);

    /* the same values again change nothing */
    res = apply(jobs, 3,
                sched_cmd(T0 + 2, NULL,
                          tu_fmt("[{\"job_id\":%u,\"priority\":42,\"state_reason\":15,"
                                 "\"state_desc\":\"%s\"}]", id, DESC_N)));
    tu_assert_code(res, 0);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "changed")), 0);
    ck_assert_int_eq(jobs_changed(jobs, &changed), 0);
    json_decref(res);

    /* no state_desc: the description goes */
    res = apply(jobs, 4, sched_cmd(T0 + 3, NULL,
                                   tu_fmt("[{\"job_id\":%u,\"priority\":42,\"state_reason\":1}]",
                                          id)));
    j = info(jobs, id);
    ck_assert_int_eq(tu_int(j, "state_reason"), 1);
    ck_assert(json_is_null(json_object_get(j, "state_desc")));
    json_decref(j);
    json_decref(res);
    jobs_destroy(jobs);
    site_destroy(site);
}
END_TEST

/* A user's change of the job makes the store decide the reason again and
 * forget the scheduler's words (the scheduler words it anew). */
START_TEST(a_job_update_clears_the_description)
{
    struct site *site = tu_site(NULL);
    struct jobs *jobs = jobs_create(site);
    unsigned id = submit(jobs, 1, NULL);
    json_t *res, *j;

    res = apply(jobs, 2, sched_cmd(T0 + 1, NULL,
                                   tu_fmt("[{\"job_id\":%u,\"state_reason\":15,"
                                          "\"state_desc\":\"%s\"}]", id, DESC_N)));
    json_decref(res);
    res = apply(jobs, 3, tu_cmd("job.update", U_ALICE, U_ALICE, T0 + 2,
                                tu_update(tu_fmt("%u", id), "{\"name\":\"renamed\"}"), NULL));
    tu_assert_code(res, 0);
    j = info(jobs, id);
    ck_assert_int_eq(tu_int(j, "state_reason"), 1);
    ck_assert(json_is_null(json_object_get(j, "state_desc")));
    json_decref(j);
    json_decref(res);
    jobs_destroy(jobs);
    site_destroy(site);
}
END_TEST

/* Held and finished jobs, unknown ids, hold reasons and an administrator's
 * priority are not the scheduler's to change. */
START_TEST(leaves_what_is_not_the_schedulers)
{
    struct site *site = tu_site(NULL);
    struct jobs *jobs = jobs_create(site);
    unsigned held = submit(jobs, 1, "{\"priority\":0}");
    unsigned gone = submit(jobs, 2, NULL);
    unsigned admin = submit(jobs, 3, NULL);
    unsigned plain = submit(jobs, 4, NULL);
    json_t *res, *j, *kept;

    json_decref(apply(jobs, 5, tu_cmd("job.kill", U_ALICE, U_ALICE, T0, tu_kill(tu_fmt("%u", gone)),
                                      NULL)));
    res = apply(jobs, 6, tu_cmd("job.update", U_ROOT, U_ROOT, T0,
                                tu_update(tu_fmt("%u", admin), "{\"priority\":100}"), NULL));
    tu_assert_code(res, 0);
    json_decref(res);
    res = apply(jobs, 7,
                sched_cmd(T0 + 1, NULL,
                          tu_fmt("[{\"job_id\":%u,\"priority\":7,\"state_reason\":3},"
                                 "{\"job_id\":%u,\"priority\":7,\"state_reason\":3},"
                                 "{\"job_id\":%u,\"priority\":7,\"state_reason\":3},"
                                 "{\"job_id\":%u,\"priority\":7,\"state_reason\":16},"
                                 "{\"job_id\":99999,\"priority\":7,\"state_reason\":3}]",
                                 held, gone, admin, plain)));
    tu_assert_code(res, 0);
    kept = json_object_get(json_object_get(res, "body"), "kept_priority");
    ck_assert_int_eq(json_array_size(kept), 1);
    ck_assert_int_eq(json_integer_value(json_array_get(kept, 0)), admin);
    j = info(jobs, held);
    ck_assert_int_eq(tu_int(j, "priority"), 0);
    ck_assert_int_eq(tu_int(j, "state_reason"), 16); /* JobHeldUser */
    json_decref(j);
    j = info(jobs, gone);
    ck_assert_int_eq(tu_int(j, "job_state"), 4);
    ck_assert_int_ne(tu_int(j, "state_reason"), 3);
    json_decref(j);
    j = info(jobs, admin);
    ck_assert_int_eq(tu_int(j, "priority"), 100); /* kept */
    ck_assert_int_eq(tu_int(j, "state_reason"), 3); /* the reason is the scheduler's */
    json_decref(j);
    j = info(jobs, plain);
    ck_assert_int_eq(tu_int(j, "priority"), 7);
    ck_assert_int_eq(tu_int(j, "state_reason"), 1); /* not made a hold */
    json_decref(j);
    json_decref(res);
    jobs_destroy(jobs);
    site_destroy(site);
}
END_TEST

/* Malformed entries refuse the whole command; a user may not send it. */
START_TEST(refuses_malformed_and_unauthorized_commands)
{
    static const char *const bad[] = {
        "[{\"priority\":1,\"state_reason\":1}]",
        "[{\"job_id\":%u,\"state_reason\":\"Priority\"}]",
        "[{\"job_id\":%u,\"state_reason\":1,\"state_desc\":5}]",
        "[{\"job_id\":%u,\"state_reason\":1,\"priority\":0}]",
        "[{\"job_id\":%u,\"state_reason\":3},7]",
    };
    struct site *site = tu_site(NULL);
    struct jobs *jobs = jobs_create(site);
    unsigned id = submit(jobs, 1, NULL);
    const uint32_t *changed;
    json_t *res, *j, *cmd;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        res = apply(jobs, 2 + i, sched_cmd(T0, NULL, tu_fmt(bad[i], id)));
        tu_assert_code(res, EINVAL);
        ck_assert_int_eq(jobs_changed(jobs, &changed), 0);
        json_decref(res);
    }
    cmd = sched_cmd(T0, NULL, tu_fmt("[{\"job_id\":%u,\"state_reason\":3}]", id));
    json_object_set_new(cmd, "auth", json_pack("{s:i, s:i}", "uid", U_ALICE, "gid", U_ALICE));
    res = apply(jobs, 10, cmd);
    tu_assert_code(res, ESLURM_ACCESS_DENIED);
    json_decref(res);
    cmd = json_pack("{s:s, s:I, s:{}}", "type", "job.sched_update", "time", (json_int_t)T0, "msg");
    res = apply(jobs, 11, cmd);
    tu_assert_code(res, EINVAL);
    json_decref(res);
    j = info(jobs, id);
    ck_assert_int_eq(tu_int(j, "state_reason"), 1);
    json_decref(j);
    jobs_destroy(jobs);
    site_destroy(site);
}
END_TEST

/* Splitting a task out of an array copies the meta record's description
 * (and frees each once). */
START_TEST(array_split_keeps_the_description)
{
    struct site *site = tu_site(NULL);
    struct jobs *jobs = jobs_create(site);
    unsigned id = submit(jobs, 1, "{\"array_inx\":\"1-3\"}");
    json_t *res, *j;

    res = apply(jobs, 2, sched_cmd(T0 + 1, NULL,
                                   tu_fmt("[{\"job_id\":%u,\"state_reason\":15,"
                                          "\"state_desc\":\"%s\"}]", id, DESC_N)));
    json_decref(res);
    res = apply(jobs, 3, tu_cmd("job.update", U_ALICE, U_ALICE, T0 + 2,
                                tu_update(tu_fmt("%u_2", id), "{\"comment\":\"two\"}"), NULL));
    json_decref(res);
    j = info(jobs, id);
    ck_assert_str_eq(tu_str(j, "state_desc"), DESC_N);
    json_decref(j);
    jobs_destroy(jobs);
    site_destroy(site);
}
END_TEST

static char dir[] = "/tmp/flurm-sched-store.XXXXXX";

static struct store *open_store(const struct site *site)
{
    char path[256], err[256] = "";
    struct store *st;

    snprintf(path, sizeof(path), "%s/db", dir);
    st = store_open(path, site, err, sizeof(err));
    ck_assert_msg(st != NULL, "store_open: %s", err);
    return st;
}

static json_t *store_one(struct store *st, json_t *cmd)
{
    json_t *res = NULL;

    ck_assert_int_eq(store_apply(st, &cmd, 1, &res), 0);
    json_decref(cmd);
    return res;
}

/* Through the store: logged and durable (the description survives a
 * restart), and a re-sent command (same req_id) is not applied again. */
START_TEST(durable_and_idempotent_in_the_store)
{
    struct site *site = tu_site(NULL);
    struct store *st;
    unsigned id;
    uint64_t seq;
    json_t *res, *j;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    st = open_store(site);
    res = store_one(st, tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), "gw.1"));
    id = tu_job_id(res);
    json_decref(res);
    res = store_one(st, sched_cmd(T0 + 1, "sched.1.1",
                                  tu_fmt("[{\"job_id\":%u,\"state_reason\":15,"
                                         "\"state_desc\":\"%s\"}]", id, DESC_N)));
    tu_assert_code(res, 0);
    json_decref(res);
    store_close(st);

    st = open_store(site);
    j = jobs_job_info(store_jobs(st), id, 0, (double)T0);
    ck_assert_str_eq(tu_str(j, "state_desc"), DESC_N);
    json_decref(j);
    res = store_one(st, tu_cmd("job.update", U_ALICE, U_ALICE, T0 + 2,
                               tu_update(tu_fmt("%u", id), "{\"name\":\"again\"}"), "gw.2"));
    json_decref(res);
    seq = store_last_seq(st);
    /* the scheduler re-sends its old command (a lost reply): the store
     * answers it from the log and applies nothing */
    res = store_one(st, sched_cmd(T0 + 1, "sched.1.1",
                                  tu_fmt("[{\"job_id\":%u,\"state_reason\":15,"
                                         "\"state_desc\":\"%s\"}]", id, DESC_N)));
    tu_assert_code(res, 0);
    json_decref(res);
    ck_assert_uint_eq(store_last_seq(st), seq);
    j = jobs_job_info(store_jobs(st), id, 0, (double)T0);
    ck_assert_int_eq(tu_int(j, "state_reason"), 1);
    ck_assert(json_is_null(json_object_get(j, "state_desc")));
    json_decref(j);
    store_close(st);
    site_destroy(site);
    ck_assert_int_eq(system(tu_fmt("rm -rf %s", dir)), 0);
}
END_TEST

/* The backfill's expected start: shown as scontrol's StartTime of the
 * pending job (never in the past: the store's clock when it is), with
 * EndTime a time limit later; hidden while the job is held; replaced by
 * the real start time when the job starts; 0 clears it. */
START_TEST(keeps_the_expected_start_of_a_pending_job)
{
    struct site *site = tu_site(NULL);
    struct jobs *jobs = jobs_create(site);
    unsigned id = submit(jobs, 1, "{\"time_limit\":5}");
    json_t *res, *j;

    res = apply(jobs, 2, sched_cmd(T0 + 1, NULL,
                                   tu_fmt("[{\"job_id\":%u,\"state_reason\":3,"
                                          "\"start_time\":%lld}]", id, T0 + 100)));
    tu_assert_code(res, 0);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "changed")), 1);
    json_decref(res);
    j = info(jobs, id);
    ck_assert_int_eq(tu_int(j, "start_time"), T0 + 100);
    ck_assert_int_eq(tu_int(j, "end_time"), T0 + 100 + 300);
    json_decref(j);
    j = jobs_job_info(jobs, id, 0, (double)T0 + 200);
    ck_assert_int_eq(tu_int(j, "start_time"), T0 + 200);
    json_decref(j);

    /* the same again changes nothing */
    res = apply(jobs, 3, sched_cmd(T0 + 2, NULL,
                                   tu_fmt("[{\"job_id\":%u,\"state_reason\":3,"
                                          "\"start_time\":%lld}]", id, T0 + 100)));
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "changed")), 0);
    json_decref(res);

    /* held: unknown */
    res = apply(jobs, 4, tu_cmd("job.update", U_ALICE, U_ALICE, T0 + 3,
                                tu_update(tu_fmt("%u", id), "{\"priority\":0}"), NULL));
    tu_assert_code(res, 0);
    json_decref(res);
    j = info(jobs, id);
    ck_assert_int_eq(tu_int(j, "start_time"), 0);
    json_decref(j);
    res = apply(jobs, 5, tu_cmd("job.update", U_ALICE, U_ALICE, T0 + 4,
                                tu_update(tu_fmt("%u", id), "{\"priority\":4294967295}"), NULL));
    json_decref(res);
    j = jobs_job_info(jobs, id, 0, (double)T0 + 10);
    ck_assert_int_eq(tu_int(j, "start_time"), T0 + 100); /* until the next pass */
    json_decref(j);

    /* cleared */
    res = apply(jobs, 6, sched_cmd(T0 + 5, NULL,
                                   tu_fmt("[{\"job_id\":%u,\"state_reason\":1,"
                                          "\"start_time\":0}]", id)));
    tu_assert_code(res, 0);
    json_decref(res);
    j = jobs_job_info(jobs, id, 0, (double)T0 + 10);
    ck_assert_int_eq(tu_int(j, "start_time"), 0);
    ck_assert_int_eq(tu_int(j, "end_time"), 0);
    json_decref(j);

    /* a real start replaces it */
    res = apply(jobs, 7, sched_cmd(T0 + 6, NULL,
                                   tu_fmt("[{\"job_id\":%u,\"state_reason\":3,"
                                          "\"start_time\":%lld}]", id, T0 + 900)));
    json_decref(res);
    res = apply(jobs, 8,
                tu_start_on_n1(id, T0 + 7));
    tu_assert_code(res, 0);
    json_decref(res);
    j = info(jobs, id);
    ck_assert_int_eq(tu_int(j, "job_state"), 1);
    ck_assert_int_eq(tu_int(j, "start_time"), T0 + 7);
    json_decref(j);
    jobs_destroy(jobs);
    site_destroy(site);
}
END_TEST

/* The dependency as the scheduler words it replaces the submitted one
 * (squeue's %E, scontrol's Dependency=); "" means met: no dependency left,
 * the job is eligible from then on; a job that starts shows none. */
START_TEST(keeps_the_dependency_as_the_scheduler_words_it)
{
    struct site *site = tu_site(NULL);
    struct jobs *jobs = jobs_create(site);
    unsigned a = submit(jobs, 1, NULL);
    unsigned b = submit(jobs, 2, tu_fmt("{\"dependency\":\"afterok:%u\"}", a));
    unsigned c = submit(jobs, 3, tu_fmt("{\"dependency\":\"afterany:%u\"}", a));
    json_t *res, *j;

    j = info(jobs, b);
    ck_assert_str_eq(tu_str(j, "dependency"), tu_fmt("afterok:%u", a));
    ck_assert_int_eq(tu_int(j, "eligible_time"), 0);
    json_decref(j);
    res = apply(jobs, 4,
                sched_cmd(T0 + 1, NULL,
                          tu_fmt("[{\"job_id\":%u,\"state_reason\":2,"
                                 "\"dependency\":\"afterok:%u(unfulfilled)\"},"
                                 "{\"job_id\":%u,\"state_reason\":2,"
                                 "\"dependency\":\"afterany:%u(unfulfilled)\"}]",
                                 b, a, c, a)));
    tu_assert_code(res, 0);
    json_decref(res);
    j = info(jobs, b);
    ck_assert_str_eq(tu_str(j, "dependency"), tu_fmt("afterok:%u(unfulfilled)", a));
    json_decref(j);

    /* met */
    res = apply(jobs, 5, sched_cmd(T0 + 2, NULL,
                                   tu_fmt("[{\"job_id\":%u,\"state_reason\":1,"
                                          "\"dependency\":\"\"}]", b)));
    tu_assert_code(res, 0);
    json_decref(res);
    j = info(jobs, b);
    ck_assert(json_is_null(json_object_get(j, "dependency")));
    ck_assert_int_eq(tu_int(j, "state_reason"), 1);
    ck_assert_int_eq(tu_int(j, "eligible_time"), T0 + 2);
    json_decref(j);

    /* c starts while the store still shows its dependency */
    res = apply(jobs, 6,
                tu_start_on_n1(c, T0 + 3));
    tu_assert_code(res, 0);
    json_decref(res);
    j = info(jobs, c);
    ck_assert_int_eq(tu_int(j, "job_state"), 1);
    ck_assert(json_is_null(json_object_get(j, "dependency")));
    json_decref(j);

    /* a malformed dependency or start is refused */
    res = apply(jobs, 7, sched_cmd(T0 + 4, NULL,
                                   tu_fmt("[{\"job_id\":%u,\"state_reason\":2,"
                                          "\"dependency\":7}]", b)));
    tu_assert_code(res, EINVAL);
    json_decref(res);
    res = apply(jobs, 8, sched_cmd(T0 + 4, NULL,
                                   tu_fmt("[{\"job_id\":%u,\"state_reason\":2,"
                                          "\"start_time\":-1}]", b)));
    tu_assert_code(res, EINVAL);
    json_decref(res);
    jobs_destroy(jobs);
    site_destroy(site);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("scheduler_sched_update");
    TCase *tc = tcase_create("sched_update");

    tcase_add_test(tc, sets_reason_description_and_priority);
    tcase_add_test(tc, a_job_update_clears_the_description);
    tcase_add_test(tc, leaves_what_is_not_the_schedulers);
    tcase_add_test(tc, refuses_malformed_and_unauthorized_commands);
    tcase_add_test(tc, array_split_keeps_the_description);
    tcase_add_test(tc, durable_and_idempotent_in_the_store);
    tcase_add_test(tc, keeps_the_expected_start_of_a_pending_job);
    tcase_add_test(tc, keeps_the_dependency_as_the_scheduler_words_it);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
