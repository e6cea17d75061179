/*
 * test_requeue_hold.c - slurmctld's MAX_BATCH_REQUEUE hold in the job
 * store: _job_complete's requeues (a launch nobody answered, a failed
 * batch complete, a batch job missing from its node) count in BatchFlag;
 * the requeue that takes it past 5 holds the job (REQUEUE_HOLD,
 * JobHoldMaxRequeue, priority 0), which neither the scheduler nor job.start
 * then runs, until an operator's `scontrol release`.  Count and hold are
 * durable.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/slurmconf.h"
#include "services/jobstore/store.h"
#include "services/scheduler/sched.h"
#include "test/services/jobstore/testutil.h"

#define ALLOC_N1 \
    "{\"nodes\":\"n1\",\"batch_host\":\"n1\",\"hosts\":[{\"name\":\"n1\",\"cores\":\"0\"," \
    "\"cpus\":1,\"mem\":100}]}"
#define RELEASE "{\"priority\": 4294967295}" /* scontrol release: priority INFINITE */
#define NODE_IDLE 2u
/* A requeued job's begin time waits out slurmd's credential window
 * (cred_expire 120 s + 1) after its last epilog: each round of these tests
 * starts the job this long after the previous one. */
#define ROUND 200

static struct site *site;
static struct jobs *jobs;
static struct store *st; /* the durable store, when a test runs through one */
static uint64_t seq;
static char dir[64], path[128];

static void setup(void)
{
    site = tu_site(NULL);
    jobs = jobs_create(site);
    ck_assert_ptr_nonnull(jobs);
    st = NULL;
    seq = 0;
}

static void teardown(void)
{
    jobs_destroy(jobs);
    site_destroy(site);
}

static void store_setup(void)
{
    setup();
    snprintf(dir, sizeof(dir), "/tmp/flurm-requeue-hold.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/jobstore.db", dir);
}

static void store_teardown(void)
{
    char cmd[128];

    teardown();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static struct store *open_store(const char *p)
{
    char err[256] = "";
    struct store *s = store_open(p, site, err, sizeof(err));

    ck_assert_msg(s != NULL, "store_open: %s", err);
    return s;
}

/* The table the commands go to: the durable store's when one is open. */
static struct jobs *table(void)
{
    return st ? store_jobs(st) : jobs;
}

/* Apply cmd (taken) and return its result. */
static json_t *apply(json_t *cmd)
{
    json_t *res = NULL;

    if (st)
        ck_assert_int_eq(store_apply(st, &cmd, 1, &res), 0);
    else
        res = jobs_apply(jobs, ++seq, cmd);
    ck_assert_ptr_nonnull(res);
    json_decref(cmd);
    return res;
}

static unsigned submit(void)
{
    json_t *res = apply(tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), NULL));
    unsigned id = tu_job_id(res);

    json_decref(res);
    return id;
}

/* A service command as main.c builds it: no auth, the body as msg. */
static json_t *svc_cmd(const char *type, long long t, json_t *msg)
{
    json_t *c = json_pack("{s:s, s:I, s:o}", "type", type, "time", (json_int_t)t, "msg", msg);

    ck_assert_ptr_nonnull(c);
    return c;
}

/* Start id on n1 at t: 1 if started, 0 if refused (the reason in why). */
static int start(unsigned id, long long t, char *why, size_t len)
{
    json_t *alloc = json_loads(ALLOC_N1, 0, NULL);
    json_t *res = apply(svc_cmd("job.start", t,
                                json_pack("{s:I, s:[{s:i, s:o}]}", "time", (json_int_t)t,
                                          "jobs", "job_id", (int)id, "alloc", alloc)));
    json_t *body = json_object_get(res, "body");
    json_t *refused = json_array_get(json_object_get(body, "refused"), 0);
    int started = (int)json_array_size(json_object_get(body, "started"));

    tu_assert_code(res, 0);
    if (refused && why)
        snprintf(why, len, "%s", tu_str(refused, "why"));
    json_decref(res);
    return started;
}

/* What the node manager says when the batch host never answered the
 * launch request (SLURM_COMMUNICATIONS_CONNECTION_ERROR). */
static void launch_unanswered(unsigned id, long long t)
{
    json_t *res = apply(svc_cmd("job.launch_failed", t,
                                json_pack("{s:i, s:s, s:i, s:s}", "job_id", (int)id, "node", "n1",
                                          "code", 1001, "text", "no answer")));

    ck_assert_str_eq(tu_str(json_object_get(res, "body"), "action"), "requeued");
    json_decref(res);
}

static void epilog(unsigned id, long long t)
{
    json_t *res = apply(tu_cmd("job.epilog_complete", U_SLURM, U_SLURM, t,
                               json_pack("{s:i, s:i, s:s}", "job_id", (int)id, "return_code", 0,
                                         "node_name", "n1"),
                               NULL));

    tu_assert_code(res, 0);
    json_decref(res);
}

/* One round: the job starts on n1 at t, its launch goes unanswered, n1's
 * epilog comes. */
static void failed_launch_round(unsigned id, long long t)
{
    char why[200] = "";

    ck_assert_msg(start(id, t, why, sizeof(why)), "start refused: %s", why);
    launch_unanswered(id, t + 1);
    epilog(id, t + 2);
}

static int release_code(unsigned uid, unsigned id, long long t)
{
    json_t *res = apply(tu_cmd("job.update", uid, uid, t, tu_update(tu_fmt("%u", id), RELEASE),
                               NULL));
    int code = tu_code(res);

    json_decref(res);
    return code;
}

static json_t *info(unsigned id, long long now)
{
    json_t *ji = jobs_job_info(table(), id, 0, (double)now);

    ck_assert_ptr_nonnull(ji);
    return ji;
}

static long long info_int(unsigned id, const char *field)
{
    json_t *ji = info(id, T0);
    long long v = tu_int(ji, field);

    json_decref(ji);
    return v;
}

/* The job held for MAX_BATCH_REQUEUE, as squeue and scontrol get it. */
static void assert_max_requeue_held(unsigned id, int restarts)
{
    json_t *ji = info(id, T0 + 100 * ROUND);

    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_PENDING | JOB_REQUEUE_HOLD);
    ck_assert_int_eq(tu_int(ji, "state_reason"), WAIT_MAX_REQUEUE);
    ck_assert_ptr_null(json_string_value(json_object_get(ji, "state_desc")));
    ck_assert_int_eq(tu_int(ji, "priority"), 0);
    ck_assert_int_eq(tu_int(ji, "batch_flag"), 1);
    ck_assert_int_eq(tu_int(ji, "restart_cnt"), restarts);
    json_decref(ji);
}

/* ---- the count and the hold ------------------------------------------------ */

START_TEST(every_unanswered_launch_requeues_and_the_fifth_holds_the_job)
{
    unsigned id = submit();
    long long t = T0 + 1;
    json_t *ji;

    ck_assert_int_eq(info_int(id, "batch_flag"), 1);
    /* requeues 1 to 4: BatchFlag 2 to 5, still free to run */
    for (int n = 1; n <= 4; n++, t += ROUND) {
        failed_launch_round(id, t);
        ji = info(id, t + 2);
        ck_assert_int_eq(tu_int(ji, "job_state"), JOB_PENDING);
        ck_assert_int_eq(tu_int(ji, "batch_flag"), 1 + n);
        ck_assert_int_eq(tu_int(ji, "restart_cnt"), n);
        ck_assert_int_gt(tu_int(ji, "priority"), 0);
        ck_assert_int_eq(tu_int(ji, "state_reason"), WAIT_TIME); /* the credential window */
        json_decref(ji);
    }
    /* the fifth takes batch_flag to 6 > MAX_BATCH_REQUEUE: held at once,
     * while n1's epilog is still due, and batch_flag is 1 again */
    ck_assert_int_eq(start(id, t, NULL, 0), 1);
    launch_unanswered(id, t + 1);
    ji = info(id, t + 1);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_PENDING | JOB_COMPLETING | JOB_REQUEUE_HOLD);
    ck_assert_int_eq(tu_int(ji, "state_reason"), WAIT_MAX_REQUEUE);
    ck_assert_int_eq(tu_int(ji, "priority"), 0);
    ck_assert_int_eq(tu_int(ji, "batch_flag"), 1);
    ck_assert_int_eq(tu_int(ji, "restart_cnt"), 5);
    json_decref(ji);
    /* the epilog ends the requeue; the hold stays */
    epilog(id, t + 2);
    assert_max_requeue_held(id, 5);
}
END_TEST

START_TEST(only_job_complete_requeues_count_towards_the_hold)
{
    unsigned id = submit();
    json_t *res;

    /* a DOWN node requeues (kill_running_job_by_node_name): a restart, no
     * batch retry */
    ck_assert_int_eq(start(id, T0 + 1, NULL, 0), 1);
    res = apply(svc_cmd("job.node_fail", T0 + 2, json_pack("{s:s}", "node", "n1")));
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "requeued")), 1);
    json_decref(res);
    ck_assert_int_eq(info_int(id, "restart_cnt"), 1);
    ck_assert_int_eq(info_int(id, "batch_flag"), 1);

    /* a batch job missing from its (live) node goes through _job_complete */
    ck_assert_int_eq(start(id, T0 + ROUND, NULL, 0), 1);
    res = apply(svc_cmd("job.node_fail", T0 + ROUND + 1,
                        json_pack("{s:s, s:i}", "node", "n1", "job_id", (int)id)));
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(res, "body"), "requeued")), 1);
    json_decref(res);
    ck_assert_int_eq(info_int(id, "restart_cnt"), 2);
    ck_assert_int_eq(info_int(id, "batch_flag"), 2);

    /* so does a batch complete slurmd failed (job_rc 1, slurm_rc 4020) */
    ck_assert_int_eq(start(id, T0 + 2 * ROUND, NULL, 0), 1);
    res = apply(tu_cmd("job.complete", U_ROOT, U_ROOT, T0 + 2 * ROUND + 1,
                       json_pack("{s:n, s:i, s:i, s:i, s:i, s:s}", "jobacct", "job_id", (int)id,
                                 "job_rc", 1, "slurm_rc", 4020, "user_id", 0, "node_name", "n1"),
                       NULL));
    tu_assert_code(res, 0);
    json_decref(res);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_PENDING | JOB_COMPLETING);
    ck_assert_int_eq(info_int(id, "restart_cnt"), 3);
    ck_assert_int_eq(info_int(id, "batch_flag"), 3);
}
END_TEST

/* ---- nobody runs the held job ---------------------------------------------- */

/* The scheduler's site from the same slurm.conf as the store's. */
static struct sched_site *sched_site_of_tests(void)
{
    char conf[] = "/tmp/flurm-requeue-hold-conf.XXXXXX", err[256] = "";
    int fd = mkstemp(conf);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    struct flurm_slurmconf *c;
    struct sched_site *ss;

    ck_assert_ptr_nonnull(f);
    fputs(tu_base_conf, f);
    fclose(f);
    c = flurm_slurmconf_load(conf, err, sizeof(err));
    unlink(conf);
    ck_assert_msg(c != NULL, "slurm.conf: %s", err);
    ss = sched_site_create(c, err, sizeof(err));
    flurm_slurmconf_destroy(c);
    ck_assert_msg(ss != NULL, "sched_site_create: %s", err);
    return ss;
}

static bool pass_starts(const struct sched_result *r, unsigned id)
{
    for (size_t i = 0; i < r->nstarts; i++) {
        if (r->starts[i].job_id == id)
            return true;
    }
    return false;
}

static bool pass_decides(const struct sched_result *r, unsigned id)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->d[i].job_id == id)
            return true;
    }
    return false;
}

START_TEST(a_job_held_for_max_requeue_is_never_started)
{
    unsigned held = submit(), other = submit();
    long long t = T0 + 1;
    struct sched_site *ss = sched_site_of_tests();
    struct sched_job sj[2];
    uint32_t idle[3] = {NODE_IDLE, NODE_IDLE, NODE_IDLE};
    struct sched_result *r;
    char why[200] = "";

    for (int n = 0; n < 5; n++, t += ROUND)
        failed_launch_round(held, t);
    assert_max_requeue_held(held, 5);

    /* the scheduler, reading the store's records on idle nodes, leaves it
     * alone and starts the other job */
    ck_assert_uint_eq(sched_site_node_count(ss), 3);
    for (int i = 0; i < 2; i++) {
        json_t *ji = info(i ? other : held, t);

        ck_assert_int_eq(sched_job_from_info(ji, &sj[i]), 0);
        json_decref(ji);
    }
    r = sched_pass(ss, sj, 2, NULL, 0, idle, t);
    ck_assert_ptr_nonnull(r);
    ck_assert(!pass_starts(r, held));
    ck_assert(!pass_decides(r, held));
    ck_assert(pass_starts(r, other));
    sched_result_destroy(r);

    /* and the store refuses a job.start all the same (a scheduler with an
     * older view) */
    ck_assert_int_eq(start(held, t, why, sizeof(why)), 0);
    ck_assert_str_eq(why, "the job is held");
    assert_max_requeue_held(held, 5);

    for (int i = 0; i < 2; i++)
        sched_job_clear(&sj[i]);
    sched_site_destroy(ss);
}
END_TEST

/* ---- scontrol release ------------------------------------------------------- */

START_TEST(an_operator_releases_the_hold_and_the_owner_may_not)
{
    unsigned id = submit();
    long long t = T0 + 1;
    json_t *ji;

    for (int n = 0; n < 5; n++, t += ROUND)
        failed_launch_round(id, t);
    /* not a user hold: as slurmctld, only an operator may release it */
    ck_assert_int_eq(release_code(U_ALICE, id, t), ESLURM_ACCESS_DENIED);
    assert_max_requeue_held(id, 5);
    ck_assert_int_eq(release_code(U_ROOT, id, t), 0);
    ji = info(id, t);
    ck_assert_int_eq(tu_int(ji, "state_reason"), WAIT_PRIORITY);
    ck_assert_int_gt(tu_int(ji, "priority"), 0);
    ck_assert_int_eq(tu_int(ji, "batch_flag"), 1);
    /* slurmctld clears the state flag only when the job starts again */
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_PENDING | JOB_REQUEUE_HOLD);
    json_decref(ji);

    ck_assert_int_eq(start(id, t + 1, NULL, 0), 1);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_RUNNING);
    /* the released job has its five tries anew */
    launch_unanswered(id, t + 2);
    epilog(id, t + 3);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_PENDING);
    ck_assert_int_eq(info_int(id, "batch_flag"), 2);
    ck_assert_int_eq(info_int(id, "restart_cnt"), 6);
}
END_TEST

/* ---- durability ---------------------------------------------------------------- */

static char *dump_text(struct store *s)
{
    json_t *d = store_dump(s);
    char *text = json_dumps(d, JSON_SORT_KEYS | JSON_COMPACT);

    json_decref(d);
    ck_assert_ptr_nonnull(text);
    return text;
}

static int replay_entry(uint64_t s, const json_t *cmd, const json_t *result, void *arg)
{
    struct store *into = arg;
    json_t *copy = json_deep_copy(cmd), *res = NULL;
    int same;

    (void)s;
    ck_assert_int_eq(store_apply(into, &copy, 1, &res), 0);
    same = json_equal(res, (json_t *)result);
    json_decref(copy);
    json_decref(res);
    return same ? 0 : 1;
}

START_TEST(the_count_and_the_hold_survive_a_restart)
{
    char replica_path[160], *x, *y;
    struct store *replica;
    long long t = T0 + 1;
    unsigned id;

    st = open_store(path);
    id = submit();
    for (int n = 0; n < 2; n++, t += ROUND)
        failed_launch_round(id, t);
    store_close(st);

    /* two requeues counted before the restart: the third after it is not
     * the last one, the fifth in all holds */
    st = open_store(path);
    ck_assert_int_eq(info_int(id, "batch_flag"), 3);
    ck_assert_int_eq(info_int(id, "restart_cnt"), 2);
    for (int n = 0; n < 2; n++, t += ROUND)
        failed_launch_round(id, t);
    ck_assert_int_eq(info_int(id, "batch_flag"), 5);
    ck_assert_int_eq(info_int(id, "priority") > 0, 1);
    failed_launch_round(id, t);
    store_close(st);

    st = open_store(path);
    assert_max_requeue_held(id, 5);
    /* the log replays into the same state */
    snprintf(replica_path, sizeof(replica_path), "%s/replica.db", dir);
    replica = open_store(replica_path);
    ck_assert_int_eq(store_log_foreach(st, 0, replay_entry, replica), 0);
    x = dump_text(st);
    y = dump_text(replica);
    ck_assert_str_eq(x, y);
    free(x);
    free(y);
    store_close(replica);
    store_close(st);
    st = NULL;
}
END_TEST

/* A saved row the store would never write (batch_flag past 5) is refused
 * as slurmctld refuses it; a row from before the count loads with none. */
START_TEST(a_saved_count_is_checked_and_an_old_row_has_none)
{
    unsigned id = submit();
    json_t *saved, *ji;
    struct jobs *other;

    failed_launch_round(id, T0 + 1);
    saved = jobs_job_save(jobs, id);
    ck_assert_ptr_nonnull(saved);
    ck_assert_int_eq(tu_int(saved, "batch_requeues"), 1);

    json_object_set_new(saved, "batch_requeues", json_integer(5));
    other = jobs_create(site);
    ck_assert_int_eq(jobs_job_load(other, saved), -1);
    jobs_destroy(other);

    json_object_del(saved, "batch_requeues");
    other = jobs_create(site);
    ck_assert_int_eq(jobs_job_load(other, saved), 0);
    ji = jobs_job_info(other, id, 0, (double)T0);
    ck_assert_int_eq(tu_int(ji, "batch_flag"), 1);
    ck_assert_int_eq(tu_int(ji, "restart_cnt"), 1);
    json_decref(ji);
    jobs_destroy(other);
    json_decref(saved);
}
END_TEST

static Suite *requeue_hold_suite(void)
{
    Suite *s = suite_create("jobstore_requeue_hold");
    TCase *tc = tcase_create("hold");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_unanswered_launch_requeues_and_the_fifth_holds_the_job);
    tcase_add_test(tc, only_job_complete_requeues_count_towards_the_hold);
    tcase_add_test(tc, a_job_held_for_max_requeue_is_never_started);
    tcase_add_test(tc, an_operator_releases_the_hold_and_the_owner_may_not);
    tcase_add_test(tc, a_saved_count_is_checked_and_an_old_row_has_none);
    suite_add_tcase(s, tc);

    tc = tcase_create("store");
    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, the_count_and_the_hold_survive_a_restart);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(requeue_hold_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
