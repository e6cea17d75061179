/*
 * test_plan.c - what the pass tells squeue and scontrol about pending jobs
 * beyond their reason: the expected start of a job the backfill reserved
 * nodes for (scontrol's StartTime: when the running jobs in its way end),
 * unknown for every other pending job; and the dependency as slurmctld
 * shows it (_depend_list2str): each term not yet fulfilled with
 * "(unfulfilled)" or "(failed)", fulfilled terms gone, nothing once the
 * whole dependency is met, a term once failed failed for good.  Then the
 * round trip through the view and the store: the job.sched_update body
 * carries both, and once the store applied it the same pass sends nothing.
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "services/jobstore/jobs.h"
#include "services/scheduler/sched.h"
#include "services/scheduler/view.h"
#include "test/services/jobstore/testutil.h"
#include "test/services/scheduler/schedtest.h"

#define IDLE 2u
#define RUNNING 1u
#define NOW ST_T0

/* st_nodes_conf: n1 n2 n3 big1, select/linear (whole nodes). */
static const uint32_t all_idle[4] = {IDLE, IDLE, IDLE, IDLE};

/* name's four cores, as the store would give them to a job */
static struct flurm_alloc *whole_node(const char *name)
{
    struct flurm_alloc *a = flurm_alloc_create();
    struct flurm_coreset set;

    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(flurm_coreset_parse(&set, "0-3", 64), 0);
    ck_assert_int_eq(flurm_alloc_add_host(a, name, &set, 4, 8000, true), 0);
    flurm_coreset_clear(&set);
    return a;
}

static const struct sched_decision *decision(const struct sched_result *r, uint32_t id)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->d[i].job_id == id)
            return &r->d[i];
    }
    ck_abort_msg("no decision for job %u", id);
    return NULL;
}

static bool started(const struct sched_result *r, uint32_t id)
{
    for (size_t i = 0; i < r->nstarts; i++) {
        if (r->starts[i].job_id == id)
            return true;
    }
    return false;
}

/* ---- the expected start ------------------------------------------------------- */

/* n1 is busy for two more minutes; job 1 needs all of debug's three
 * nodes: it waits for Resources and expects to start when the busy job
 * ends.  A one-minute job starts at once on n2; a ten-minute one would
 * delay job 1, so it waits, and no reservation was made for it: unknown. */
START_TEST(a_reserved_job_expects_to_start_when_the_jobs_in_its_way_end)
{
    struct sched_site *site = st_site(NULL);
    struct flurm_alloc *busy = whole_node("n1");
    struct sched_hold h[1] = {{50, 0, RUNNING, NOW + 120, busy}};
    struct sched_job j[3] = {st_job(1, "debug", 3, 3, 0), st_job(2, "debug", 1, 1, 0),
                             st_job(3, "debug", 1, 1, 0)};
    struct sched_result *r;

    j[1].time_limit = 10;
    j[2].time_limit = 1;
    r = sched_pass(site, j, 3, h, 1, all_idle, NOW);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    ck_assert_int_eq(decision(r, 1)->start_time, NOW + 120);
    ck_assert(!started(r, 2));
    ck_assert_int_eq(decision(r, 2)->start_time, 0);
    ck_assert(started(r, 3));
    sched_result_destroy(r);
    st_jobs_clear(j, 3);
    flurm_alloc_destroy(busy);
    sched_site_destroy(site);
}
END_TEST

/* A job in the way that is past its end (its timeout under way) frees its
 * node now: the expected start is now, never before.  One that never ends
 * leaves the start unknown. */
START_TEST(the_expected_start_is_never_in_the_past_and_unknown_behind_a_job_without_end)
{
    struct sched_site *site = st_site(NULL);
    struct flurm_alloc *busy = whole_node("n1");
    struct sched_hold h[1] = {{50, 0, RUNNING, NOW - 30, busy}};
    struct sched_job j[1] = {st_job(1, "debug", 3, 3, 0)};
    struct sched_result *r;

    r = sched_pass(site, j, 1, h, 1, all_idle, NOW);
    ck_assert_uint_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    ck_assert_int_eq(decision(r, 1)->start_time, NOW);
    sched_result_destroy(r);

    h[0].end_time = 0;
    r = sched_pass(site, j, 1, h, 1, all_idle, NOW);
    ck_assert_uint_eq(decision(r, 1)->reason, SCHED_WAIT_RESOURCES);
    ck_assert_int_eq(decision(r, 1)->start_time, 0);
    sched_result_destroy(r);
    st_jobs_clear(j, 1);
    flurm_alloc_destroy(busy);
    sched_site_destroy(site);
}
END_TEST

/* ---- the dependency as shown ------------------------------------------------------ */

/* Jobs 10 (RUNNING for 10 minutes), 11 (COMPLETE), 12 (FAILED); each dependent job's
 * dependency after one pass. */
START_TEST(dependencies_are_shown_as_slurmctld_rebuilds_them)
{
    static const struct {
        const char *dependency, *shown;
    } cases[] = {
        {"afterok:10", "afterok:10(unfulfilled)"},
        {"afterok:10:11", "afterok:10(unfulfilled)"},        /* 11 met: gone */
        {"afterok:10,afterok:12", "afterok:10(unfulfilled),afterok:12(failed)"},
        {"afterok:12?afterany:10", "afterok:12(failed)?afterany:10(unfulfilled)"},
        {"afterok:11", NULL},                                /* met: no dependency left */
        {"afterok:12?afterok:11", NULL},                     /* one of an or is enough */
        {"afternotok:11", "afternotok:11(failed)"},
        {"after:10+5", NULL},                                /* 10 started 10 minutes ago */
        {"after:10+20", "after:10+20(unfulfilled)"},
        {"afterany:10_*", "afterany:10_*(unfulfilled)"},
        {"singleton", "singleton(unfulfilled)"},             /* 10 is a "wrap" of user 0 */
        {"afterany:10(unfulfilled)", "afterany:10(unfulfilled)"}, /* read back: the same */
        {"singleton(unfulfilled)", "singleton(unfulfilled)"},
        {"afterok:99999", NULL},                             /* no such job: lifted */
    };
    enum { NCASES = sizeof(cases) / sizeof(cases[0]) };
    struct sched_site *site = st_site(NULL);
    struct sched_job j[3 + NCASES];
    struct sched_result *r;

    j[0] = st_job(10, "debug", 1, 1, 0);
    j[1] = st_job(11, "debug", 1, 1, 0);
    j[2] = st_job(12, "debug", 1, 1, 0);
    j[0].state = RUNNING;
    j[0].start_time = NOW - 600;
    j[1].state = 3; /* COMPLETE */
    j[2].state = 5; /* FAILED */
    for (size_t i = 0; i < NCASES; i++) {
        j[3 + i] = st_job(100 + (uint32_t)i, "debug", 1, 1, 0);
        st_set(&j[3 + i].dependency, cases[i].dependency);
    }
    r = sched_pass(site, j, 3 + NCASES, NULL, 0, all_idle, NOW);
    ck_assert_ptr_nonnull(r);
    for (size_t i = 0; i < NCASES; i++) {
        const char *shown = decision(r, 100 + (uint32_t)i)->dependency;

        if (cases[i].shown)
            ck_assert_msg(shown && !strcmp(shown, cases[i].shown), "%s: shown %s, want %s",
                          cases[i].dependency, shown ? shown : "(null)", cases[i].shown);
        else
            ck_assert_msg(!shown, "%s: shown %s, want none", cases[i].dependency, shown);
    }
    sched_result_destroy(r);
    st_jobs_clear(j, 3 + NCASES);
    sched_site_destroy(site);
}
END_TEST

/* slurmctld never tests a failed term again: a job requeued after it
 * failed does not bring the dependency back to life. */
START_TEST(a_failed_term_stays_failed)
{
    struct sched_site *site = st_site(NULL);
    struct sched_job j[2] = {st_job(10, "debug", 1, 1, 0), st_job(11, "debug", 1, 1, 0)};
    struct sched_result *r;

    j[0].state = RUNNING; /* 10 runs again */
    st_set(&j[1].dependency, "afterok:10(failed)");
    r = sched_pass(site, j, 2, NULL, 0, all_idle, NOW);
    ck_assert_uint_eq(decision(r, 11)->reason, SCHED_WAIT_DEP_INVALID);
    ck_assert_str_eq(decision(r, 11)->dependency, "afterok:10(failed)");
    sched_result_destroy(r);
    st_jobs_clear(j, 2);
    sched_site_destroy(site);
}
END_TEST

/* ---- through the view and the store ----------------------------------------------- */

static struct site *store_site(void)
{
    char path[] = "/tmp/flurm-plan-site.XXXXXX";
    char err[256] = "";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    struct site *site;

    fputs(st_nodes_conf, f);
    fclose(f);
    site = site_load(path, err, sizeof(err));
    unlink(path);
    ck_assert_msg(site != NULL, "site_load: %s", err);
    return site;
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

/* The view reads the store's job.list at time t. */
static void read_store(struct view *v, struct jobs *jobs, long long t)
{
    json_t *q = json_pack("{s:{s:I}}", "msg", "since_seq", (json_int_t)0);
    json_t *res = jobs_query(jobs, "job.list", q, (double)t);

    ck_assert_ptr_nonnull(res);
    ck_assert_int_ge(view_apply_jobs(v, json_object_get(res, "body")), 0);
    json_decref(res);
    json_decref(q);
}

/* A pass's decisions for job a (reserved, expected at `start`) and job b
 * (dependency `dep`), both Resources / Dependency. */
static struct sched_result *decided(unsigned a, int64_t start, unsigned b, const char *dep)
{
    struct sched_result *r = calloc(1, sizeof(*r));

    ck_assert_ptr_nonnull(r);
    r->d = calloc(2, sizeof(*r->d));
    ck_assert_ptr_nonnull(r->d);
    r->n = 2;
    r->d[0] = (struct sched_decision){.job_id = a, .priority = 5, .reason = SCHED_WAIT_RESOURCES,
                                      .start_time = start};
    r->d[1] = (struct sched_decision){.job_id = b, .priority = 4, .reason = SCHED_WAIT_DEPENDENCY,
                                      .dependency = dep ? strdup(dep) : NULL};
    return r;
}

static json_t *entry_of(const json_t *body, unsigned id)
{
    size_t i;
    const json_t *e;

    json_array_foreach(json_object_get(body, "jobs"), i, e) {
        if (json_integer_value(json_object_get(e, "job_id")) == id)
            return (json_t *)e;
    }
    return NULL;
}

/* Apply body (borrowed) as the scheduler's job.sched_update at seq. */
static void send_update(struct jobs *jobs, uint64_t seq, const json_t *body)
{
    json_t *cmd = json_pack("{s:s, s:I, s:O}", "type", "job.sched_update", "time",
                            json_object_get(body, "time"), "msg", body);
    json_t *res = jobs_apply(jobs, seq, cmd);

    tu_assert_code(res, 0);
    json_decref(res);
    json_decref(cmd);
}

START_TEST(the_update_carries_start_and_dependency_and_then_settles)
{
    struct site *ssite = store_site();
    struct sched_site *site = st_site(NULL);
    struct jobs *jobs = jobs_create(ssite);
    struct view *v = view_create(site);
    unsigned a = submit(jobs, 1, "{\"priority\":5}");
    unsigned b = submit(jobs, 2, tu_fmt("{\"dependency\":\"afterok:%u\"}", a));
    char dep[64];
    struct sched_result *r;
    json_t *body, *info;

    snprintf(dep, sizeof(dep), "afterok:%u(unfulfilled)", a);
    read_store(v, jobs, T0);
    r = decided(a, T0 + 300, b, dep);
    body = view_updates(v, r, T0);
    ck_assert_ptr_nonnull(body);
    ck_assert_int_eq(json_integer_value(json_object_get(entry_of(body, a), "start_time")),
                     T0 + 300);
    ck_assert_str_eq(json_string_value(json_object_get(entry_of(body, b), "dependency")), dep);
    send_update(jobs, 3, body);
    json_decref(body);

    /* squeue and scontrol see them */
    info = jobs_job_info(jobs, a, 0, (double)T0 + 10);
    ck_assert_int_eq(tu_int(info, "start_time"), T0 + 300);
    json_decref(info);
    info = jobs_job_info(jobs, b, 0, (double)T0 + 10);
    ck_assert_str_eq(tu_str(info, "dependency"), dep);
    json_decref(info);

    /* read back, the same decisions send nothing */
    read_store(v, jobs, T0 + 10);
    body = view_updates(v, r, T0 + 10);
    ck_assert_ptr_null(body);
    ck_assert_int_eq(errno, 0);
    sched_result_destroy(r);

    /* the busy job overran: the expected start is now, whichever "now" */
    r = decided(a, T0 + 20, b, dep);
    body = view_updates(v, r, T0 + 20);
    ck_assert_ptr_nonnull(body);
    send_update(jobs, 4, body);
    json_decref(body);
    sched_result_destroy(r);
    read_store(v, jobs, T0 + 30);
    r = decided(a, T0 + 40, b, dep);
    ck_assert_ptr_null(view_updates(v, r, T0 + 40));
    sched_result_destroy(r);

    /* the dependency met and no reservation any more: both cleared */
    r = decided(a, 0, b, NULL);
    body = view_updates(v, r, T0 + 40);
    ck_assert_ptr_nonnull(body);
    ck_assert_int_eq(json_integer_value(json_object_get(entry_of(body, a), "start_time")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(entry_of(body, b), "dependency")), "");
    send_update(jobs, 5, body);
    json_decref(body);
    info = jobs_job_info(jobs, a, 0, (double)T0 + 50);
    ck_assert_int_eq(tu_int(info, "start_time"), 0);
    json_decref(info);
    info = jobs_job_info(jobs, b, 0, (double)T0 + 50);
    ck_assert_ptr_null(tu_str(info, "dependency"));
    json_decref(info);
    read_store(v, jobs, T0 + 50);
    ck_assert_ptr_null(view_updates(v, r, T0 + 50));
    sched_result_destroy(r);

    view_destroy(v);
    jobs_destroy(jobs);
    sched_site_destroy(site);
    site_destroy(ssite);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");

    tcase_add_test(tc, a_reserved_job_expects_to_start_when_the_jobs_in_its_way_end);
    tcase_add_test(tc, the_expected_start_is_never_in_the_past_and_unknown_behind_a_job_without_end);
    tcase_add_test(tc, dependencies_are_shown_as_slurmctld_rebuilds_them);
    tcase_add_test(tc, a_failed_term_stays_failed);
    tcase_add_test(tc, the_update_carries_start_and_dependency_and_then_settles);
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
