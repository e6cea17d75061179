/*
 * test_view.c - the scheduler's picture of the cluster: jobs read from the
 * store's own job_info records (job.list), node states from node.info and
 * node.changed, and the job.sched_update body holding only what differs.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "services/jobstore/jobs.h"
#include "services/scheduler/sched.h"
#include "services/scheduler/view.h"
#include "test/services/jobstore/testutil.h"
#include "test/services/scheduler/schedtest.h"

/* st_nodes_conf's cluster for the store too */
static struct site *store_site(void)
{
    char path[] = "/tmp/flurm-sched-site.XXXXXX";
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

/* Apply cmd (taken) to jobs at seq. */
static json_t *apply(struct jobs *jobs, uint64_t seq, json_t *cmd)
{
    json_t *res = jobs_apply(jobs, seq, cmd);

    json_decref(cmd);
    ck_assert_ptr_nonnull(res);
    return res;
}

static json_t *job_list(struct jobs *jobs, long long since)
{
    json_t *body = json_pack("{s:{s:I}}", "msg", "since_seq", (json_int_t)since);
    json_t *res = jobs_query(jobs, "job.list", body, (double)T0);

    json_decref(body);
    ck_assert_ptr_nonnull(res);
    tu_assert_code(res, 0);
    return res;
}

/* Apply a node.info msg / node.changed body (taken) to v. */
static int node_info(struct view *v, json_t *msg)
{
    int rc = view_apply_node_info(v, msg);

    json_decref(msg);
    return rc;
}

static int node_event(struct view *v, json_t *body)
{
    int rc = view_apply_node_event(v, body);

    json_decref(body);
    return rc;
}

/* What the scheduler reads of a job is what sbatch asked for, as the
 * store normalized it: sizes, the minimum node count (not squeue's
 * estimate), the requested TRES, limits, dependency, node lists. */
START_TEST(a_job_read_from_the_stores_record)
{
    struct site *site = store_site();
    struct jobs *jobs = jobs_create(site);
    unsigned id = submit(jobs, 1,
                         "{\"partition\":\"long\",\"min_nodes\":2,\"num_tasks\":4,\"min_cpus\":4,"
                         "\"pn_min_memory\":1000,\"time_limit\":30,\"nice\":2147483748,"
                         "\"dependency\":\"afterok:5\",\"req_nodes\":\"n[1-2]\"}");
    unsigned big = submit(jobs, 2, "{\"num_tasks\":8,\"min_cpus\":8}");
    json_t *info = jobs_job_info(jobs, id, 0, (double)T0);
    struct sched_job j;

    ck_assert_int_eq(sched_job_from_info(info, &j), 0);
    ck_assert_uint_eq(j.job_id, id);
    ck_assert_str_eq(j.partition, "long");
    ck_assert_uint_eq(j.min_nodes, 2);
    ck_assert_uint_eq(j.min_cpus, 4);
    ck_assert_uint_eq(j.time_limit, 30);
    ck_assert_uint_eq(j.nice, ST_NICE0 + 100);
    ck_assert_uint_eq(j.tres[SCHED_TRES_CPU], 4);
    ck_assert_uint_eq(j.tres[SCHED_TRES_MEM], 2000);
    ck_assert_uint_eq(j.tres[SCHED_TRES_NODE], 2);
    ck_assert_str_eq(j.dependency, "afterok:5");
    ck_assert_str_eq(j.req_nodes, "n[1-2]");
    ck_assert_uint_eq(j.reason, 2); /* the store's Dependency */
    ck_assert(!j.array_meta);
    sched_job_clear(&j);
    json_decref(info);

    /* 8 tasks on 4-CPU nodes: squeue estimates 2 nodes, the job asks 1 */
    info = jobs_job_info(jobs, big, 0, (double)T0);
    ck_assert_int_eq(tu_int(info, "num_nodes"), 2);
    ck_assert_int_eq(sched_job_from_info(info, &j), 0);
    ck_assert_uint_eq(j.min_nodes, 1);
    ck_assert_uint_eq(j.tres[SCHED_TRES_MEM], 8000); /* no memory asked: a whole node */
    sched_job_clear(&j);
    json_decref(info);
    info = json_pack("{s:s}", "job_id", "x");
    ck_assert_int_eq(sched_job_from_info(info, &j), -1);
    json_decref(info);
    jobs_destroy(jobs);
    site_destroy(site);
}
END_TEST

/* The view follows job.list; a pass's decisions become a job.sched_update
 * body of only what differs; the store's answer that it kept a priority
 * makes the job's priority direct. */
START_TEST(jobs_follow_the_store_and_updates_hold_only_differences)
{
    struct site *site = store_site();
    struct sched_site *ss = st_site("PriorityType=priority/multifactor\n"
                                    "PriorityWeightJobSize=1000\n"
                                    "PriorityWeightPartition=1000\n");
    struct jobs *jobs = jobs_create(site);
    struct view *v = view_create(ss);
    uint32_t states[4] = {0x800, 0x800, 0x800, 0x800};
    const struct sched_job *vj;
    struct sched_result *r;
    json_t *res, *body, *kept;
    size_t n;
    unsigned a = submit(jobs, 1, NULL), b = submit(jobs, 2, NULL);

    res = job_list(jobs, 0);
    ck_assert_int_eq(view_apply_jobs(v, json_object_get(res, "body")), 2);
    ck_assert_uint_eq(view_last_seq(v), 2);
    json_decref(res);
    vj = view_jobs(v, &n);
    ck_assert_int_eq(n, 2);
    ck_assert_uint_eq(vj[0].job_id, a);
    ck_assert_int_eq(node_info(v, json_pack("{s:[{s:s, s:i}, {s:n, s:i}, {s:s, s:i}]}",
                                                       "nodes", "name", "n1", "node_state", 0x802,
                                                       "name", "node_state", 2, "name", "nosuch",
                                                       "node_state", 2)),
                     1);
    for (int i = 0; i < 4; i++)
        states[i] = view_node_states(v)[i];
    ck_assert_uint_eq(states[0], 0x802);
    ck_assert_int_eq(node_event(v, json_pack("{s:s, s:i}", "name", "n2", "node_state", 0x802)), 1);
    ck_assert_int_eq(node_event(v, json_pack("{s:s, s:i}", "name", "n2", "node_state", 0x802)), 0);
    ck_assert_int_eq(node_event(v, json_pack("{s:s}", "name", "n2")), -1);

    r = sched_pass(ss, vj, n, NULL, 0, view_node_states(v), T0);
    body = view_updates(v, r, T0);
    ck_assert_ptr_nonnull(body);
    ck_assert_int_eq(json_integer_value(json_object_get(body, "time")), T0);
    ck_assert_int_eq(json_array_size(json_object_get(body, "jobs")), 2);
    /* the store applies it; the view reads the changes back */
    res = apply(jobs, 3, json_pack("{s:s, s:I, s:O}", "type", "job.sched_update", "time",
                                        (json_int_t)T0, "msg", body));
    tu_assert_code(res, 0);
    json_decref(res);
    json_decref(body);
    res = job_list(jobs, (long long)view_last_seq(v));
    ck_assert_int_eq(view_apply_jobs(v, json_object_get(res, "body")), 2);
    json_decref(res);
    vj = view_jobs(v, &n);
    ck_assert_ptr_null(view_updates(v, r, T0));
    sched_result_destroy(r);

    /* an administrator sets b's priority: the store keeps it, the view
     * learns so and the next pass proposes nothing more */
    res = apply(jobs, 4, tu_cmd("job.update", U_ROOT, U_ROOT, T0,
                                     tu_update(tu_fmt("%u", b), "{\"priority\":9}"), NULL));
    json_decref(res);
    res = job_list(jobs, (long long)view_last_seq(v));
    ck_assert_int_eq(view_apply_jobs(v, json_object_get(res, "body")), 1);
    json_decref(res);
    vj = view_jobs(v, &n);
    r = sched_pass(ss, vj, n, NULL, 0, view_node_states(v), T0);
    body = view_updates(v, r, T0);
    ck_assert_ptr_nonnull(body);
    res = apply(jobs, 5, json_pack("{s:s, s:I, s:O}", "type", "job.sched_update", "time",
                                        (json_int_t)T0, "msg", body));
    kept = json_object_get(json_object_get(res, "body"), "kept_priority");
    ck_assert_int_eq(json_array_size(kept), 1);
    view_mark_direct(v, kept);
    json_decref(res);
    json_decref(body);
    sched_result_destroy(r);
    res = job_list(jobs, (long long)view_last_seq(v));
    view_apply_jobs(v, json_object_get(res, "body"));
    json_decref(res);
    vj = view_jobs(v, &n);
    r = sched_pass(ss, vj, n, NULL, 0, view_node_states(v), T0);
    ck_assert_ptr_null(view_updates(v, r, T0));
    sched_result_destroy(r);

    view_clear_jobs(v);
    vj = view_jobs(v, &n);
    ck_assert_int_eq(n, 0);
    ck_assert_uint_eq(view_last_seq(v), 0);
    view_destroy(v);
    jobs_destroy(jobs);
    sched_site_destroy(ss);
    site_destroy(site);
}
END_TEST

/* Read the jobs changed after the view's position into it. */
static void follow(struct view *v, struct jobs *jobs)
{
    json_t *res = job_list(jobs, (long long)view_last_seq(v));

    ck_assert_int_ge(view_apply_jobs(v, json_object_get(res, "body")), 1);
    json_decref(res);
}

/* Submissions (pending jobs only) leave the allocations read before
 * valid: no job.allocs round trip per submission.  A job that starts, and
 * one that was running and is pending again, make them stale. */
START_TEST(only_a_job_that_holds_or_held_resources_makes_allocations_stale)
{
    struct site *site = store_site();
    struct sched_site *ss = st_site("");
    struct jobs *jobs = jobs_create(site);
    struct view *v = view_create(ss);
    unsigned a = submit(jobs, 1, NULL);
    json_t *res;

    submit(jobs, 2, NULL);
    follow(v, jobs);
    ck_assert(!view_allocs_stale(v));
    submit(jobs, 3, NULL);
    follow(v, jobs);
    ck_assert(!view_allocs_stale(v));

    res = apply(jobs, 4,
                tu_start_on_n1(a, T0 + 1));
    tu_assert_code(res, 0);
    json_decref(res);
    follow(v, jobs);
    ck_assert(view_allocs_stale(v));
    ck_assert(!view_allocs_stale(v)); /* asking clears it */

    /* n1 fails and its epilog comes before the view looks again: the job
     * is plainly pending, but it held n1 until now */
    res = apply(jobs, 5, json_pack("{s:s, s:I, s:{s:s}}", "type", "job.node_fail", "time",
                                   (json_int_t)T0 + 2, "msg", "node", "n1"));
    tu_assert_code(res, 0);
    json_decref(res);
    res = apply(jobs, 6, json_pack("{s:s, s:I, s:{s:i, s:s}}", "type", "job.epilog_complete",
                                   "time", (json_int_t)T0 + 3, "msg", "job_id", (int)a,
                                   "node_name", "n1"));
    tu_assert_code(res, 0);
    json_decref(res);
    follow(v, jobs);
    {
        size_t n;
        const struct sched_job *vj = view_jobs(v, &n);
        ck_assert_uint_eq(vj[0].job_id, a);
        ck_assert_uint_eq(vj[0].state, 0); /* PENDING, no flag */
    }
    ck_assert(view_allocs_stale(v));

    view_destroy(v);
    jobs_destroy(jobs);
    sched_site_destroy(ss);
    site_destroy(site);
}
END_TEST

/* The scheduler asks node.info again (a gap, a new connection) while
 * slurmd register: the answer can be taken before a node.changed event the
 * view already applied and arrive after it, on another socket.  The
 * event's state, newer, stays; a later event still changes it; without a
 * question under way an answer is taken as it is. */
START_TEST(an_event_applied_while_node_info_is_asked_is_not_undone_by_its_answer)
{
    struct sched_site *ss = st_site("");
    struct view *v = view_create(ss);
    const uint32_t idle = 0x1, down = 0x2 | 0x800, mixed = 0x3;

    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(node_info(v, json_pack("{s:[{s:s, s:i}, {s:s, s:i}]}", "nodes", "name", "n1",
                                            "node_state", down, "name", "n2", "node_state",
                                            down)),
                     2);
    view_nodes_asked(v);
    /* n2 registers: its event comes first, then the answer taken before */
    ck_assert_int_eq(node_event(v, json_pack("{s:s, s:i}", "name", "n2", "node_state", idle)), 1);
    ck_assert_int_eq(node_info(v, json_pack("{s:[{s:s, s:i}, {s:s, s:i}]}", "nodes", "name", "n1",
                                            "node_state", idle, "name", "n2", "node_state",
                                            down)),
                     1);
    ck_assert_uint_eq(view_node_states(v)[0], idle);
    ck_assert_uint_eq(view_node_states(v)[1], idle);
    ck_assert_int_eq(node_event(v, json_pack("{s:s, s:i}", "name", "n2", "node_state", mixed)), 1);
    ck_assert_uint_eq(view_node_states(v)[1], mixed);

    /* nothing asked: the answer is the truth */
    ck_assert_int_eq(node_info(v, json_pack("{s:[{s:s, s:i}]}", "nodes", "name", "n2",
                                            "node_state", down)),
                     1);
    ck_assert_uint_eq(view_node_states(v)[1], down);

    /* an unanswered question forgets its events */
    view_nodes_asked(v);
    ck_assert_int_eq(node_event(v, json_pack("{s:s, s:i}", "name", "n2", "node_state", idle)), 1);
    view_nodes_unanswered(v);
    ck_assert_int_eq(node_info(v, json_pack("{s:[{s:s, s:i}]}", "nodes", "name", "n2",
                                            "node_state", down)),
                     1);
    ck_assert_uint_eq(view_node_states(v)[1], down);

    view_destroy(v);
    sched_site_destroy(ss);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("scheduler_view");
    TCase *tc = tcase_create("view");

    tcase_add_test(tc, a_job_read_from_the_stores_record);
    tcase_add_test(tc, jobs_follow_the_store_and_updates_hold_only_differences);
    tcase_add_test(tc, only_a_job_that_holds_or_held_resources_makes_allocations_stale);
    tcase_add_test(tc, an_event_applied_while_node_info_is_asked_is_not_undone_by_its_answer);
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
