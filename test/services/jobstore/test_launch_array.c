/*
 * test_launch_array.c - what job.launch_info tells the node manager of a
 * job array (jobs_launch_array): the array as submitted, whichever of its
 * records launches (the pending meta record or a task split off it), as
 * slurmctld's _create_job_array records it for SLURM_ARRAY_TASK_COUNT,
 * _MIN, _MAX and _STEP; nothing for a job that is not an array.
 */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>

#include "services/jobstore/jobs.h"
#include "test/services/jobstore/testutil.h"

static unsigned submit(struct jobs *jobs, uint64_t seq, const char *overrides)
{
    json_t *cmd = tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(overrides), NULL);
    json_t *res = jobs_apply(jobs, seq, cmd);
    unsigned id = tu_job_id(res);

    json_decref(cmd);
    json_decref(res);
    return id;
}

static void assert_array(struct jobs *jobs, unsigned id, long long count, long long min,
                         long long max, long long step)
{
    json_t *a = jobs_launch_array(jobs, id);

    ck_assert_msg(a != NULL, "job %u: no array", id);
    ck_assert_int_eq(tu_int(a, "count"), count);
    ck_assert_int_eq(tu_int(a, "min"), min);
    ck_assert_int_eq(tu_int(a, "max"), max);
    ck_assert_int_eq(tu_int(a, "step"), step);
    json_decref(a);
}

START_TEST(a_task_and_its_array_give_the_array_as_submitted)
{
    struct site *site = tu_site(NULL);
    struct jobs *jobs = jobs_create(site);
    unsigned meta = submit(jobs, 1, "{\"array_inx\":\"1-6%2\"}");
    json_t *cmd, *res, *started;
    unsigned task;

    assert_array(jobs, meta, 6, 1, 6, 1);
    /* task 1 is split off when it starts; both records answer the same */
    cmd = json_pack("{s:s, s:I, s:{s:I, s:[{s:i, s:o}]}}", "type", "job.start", "time",
                    (json_int_t)T0 + 1, "msg", "time", (json_int_t)T0 + 1, "jobs", "job_id",
                    (int)meta, "alloc",
                    json_loads("{\"nodes\":\"n1\",\"batch_host\":\"n1\",\"hosts\":["
                               "{\"name\":\"n1\",\"cores\":\"0\",\"cpus\":1,\"mem\":500}]}",
                               0, NULL));
    res = jobs_apply(jobs, 2, cmd);
    tu_assert_code(res, 0);
    started = json_object_get(json_object_get(res, "body"), "started");
    ck_assert_int_eq(json_array_size(started), 1);
    task = (unsigned)tu_int(json_array_get(started, 0), "job_id");
    ck_assert_uint_ne(task, meta);
    ck_assert_int_eq(tu_int(json_array_get(started, 0), "array_task_id"), 1);
    json_decref(res);
    json_decref(cmd);
    assert_array(jobs, task, 6, 1, 6, 1);
    assert_array(jobs, meta, 6, 1, 6, 1);
    jobs_destroy(jobs);
    site_destroy(site);
}
END_TEST

START_TEST(steps_and_lists_count_as_slurmctld_counts_them)
{
    struct site *site = tu_site(NULL);
    struct jobs *jobs = jobs_create(site);

    assert_array(jobs, submit(jobs, 1, "{\"array_inx\":\"0-15:4\"}"), 4, 0, 12, 4);
    assert_array(jobs, submit(jobs, 2, "{\"array_inx\":\"3,5,9-10%1\"}"), 4, 3, 10, 1);
    jobs_destroy(jobs);
    site_destroy(site);
}
END_TEST

START_TEST(a_job_that_is_no_array_has_none)
{
    struct site *site = tu_site(NULL);
    struct jobs *jobs = jobs_create(site);
    unsigned id = submit(jobs, 1, NULL);

    errno = 0;
    ck_assert_ptr_null(jobs_launch_array(jobs, id));
    ck_assert_int_eq(errno, ENOENT);
    errno = 0;
    ck_assert_ptr_null(jobs_launch_array(jobs, id + 100));
    ck_assert_int_eq(errno, ENOENT);
    jobs_destroy(jobs);
    site_destroy(site);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("launch_array");
    TCase *tc = tcase_create("launch_array");

    tcase_add_test(tc, a_task_and_its_array_give_the_array_as_submitted);
    tcase_add_test(tc, steps_and_lists_count_as_slurmctld_counts_them);
    tcase_add_test(tc, a_job_that_is_no_array_has_none);
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
