/*
 * test_launch_array.c - an array task's REQUEST_BATCH_JOB_LAUNCH carries
 * the array's shape in its environment as slurmctld puts it there
 * (_create_job_array's supplemental variables SLURM_ARRAY_TASK_COUNT, _MIN,
 * _MAX and _STEP, after the submitted environment, replacing a submitted
 * variable of the same name); a job that is not an array task gets none.
 * The shape comes from job.launch_info's "array" member.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "services/nodemgr/launch.h"
#include "wire/record.h"

static int shape(const char *name, uint16_t *sockets, uint16_t *cores, void *arg)
{
    (void)arg;
    if (strcmp(name, "n1") != 0)
        return -1;
    *sockets = 1;
    *cores = 2;
    return 0;
}

static const struct launch_site site = {
    .select_plugin_id = 109, .default_partition = "debug", .shape = shape};

static uint32_t root_gids[] = {0};
static struct launch_user root = {.uid = 0,
                                  .gid = 0,
                                  .pw_name = "root",
                                  .pw_gecos = "root",
                                  .pw_dir = "/root",
                                  .pw_shell = "/bin/bash",
                                  .gids = root_gids,
                                  .ngids = 1};

static struct flurm_alloc *one_core_on_n1(void)
{
    char err[128] = "";
    json_t *j = json_loads("{\"nodes\":\"n1\",\"batch_host\":\"n1\","
                           "\"hosts\":[{\"name\":\"n1\",\"cores\":\"0\",\"cpus\":1,\"mem\":50}]}",
                           0, NULL);
    struct flurm_alloc *a;

    ck_assert_ptr_nonnull(j);
    a = flurm_alloc_from_json(j, NULL, NULL, err, sizeof(err));
    ck_assert_msg(a != NULL, "alloc: %s", err);
    json_decref(j);
    return a;
}

/* job.launch_info of task 3 of array 10 (job 12) submitted as --array=1-6%2
 * with the environment env (borrowed) and the store's array shape (taken,
 * NULL: none). */
static json_t *task_info(const json_t *env, json_t *array)
{
    json_t *info = json_pack("{s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:{s:s, s:s}}, s:s, s:O}",
                             "job", "job_id", 12, "array_job_id", 10, "array_task_id", 3,
                             "user_id", 0, "group_id", 0, "state", 1, "start_time", 1000, "desc",
                             "array_inx", "1-6%2", "partition", "debug", "script",
                             "#!/bin/sh\ntrue\n", "environment", env);

    ck_assert_ptr_nonnull(info);
    if (array)
        ck_assert_int_eq(json_object_set_new(info, "array", array), 0);
    return info;
}

static struct flurm_batch_job_launch *launch(const json_t *info)
{
    struct flurm_alloc *a = one_core_on_n1();
    char err[128] = "";
    struct flurm_batch_job_launch *m =
        launch_batch_create(info, a, &root, &site, 1000, err, sizeof(err));

    ck_assert_msg(m != NULL, "launch: %s", err);
    flurm_alloc_destroy(a);
    return m;
}

static size_t count_named(const struct flurm_batch_job_launch *m, const char *prefix)
{
    size_t n = 0;

    for (uint32_t i = 0; i < m->envc; i++)
        n += strncmp(m->environment[i], prefix, strlen(prefix)) == 0;
    return n;
}

START_TEST(an_array_task_gets_count_min_max_step_after_its_environment)
{
    json_t *env = json_pack("[s, s]", "HOME=/root", "PATH=/bin");
    json_t *info = task_info(env, json_pack("{s:i, s:i, s:i, s:i}", "count", 6, "min", 1, "max",
                                            6, "step", 1));
    struct flurm_batch_job_launch *m = launch(info);

    ck_assert_uint_eq(m->envc, 6);
    ck_assert_str_eq(m->environment[0], "HOME=/root");
    ck_assert_str_eq(m->environment[1], "PATH=/bin");
    ck_assert_str_eq(m->environment[2], "SLURM_ARRAY_TASK_COUNT=6");
    ck_assert_str_eq(m->environment[3], "SLURM_ARRAY_TASK_MIN=1");
    ck_assert_str_eq(m->environment[4], "SLURM_ARRAY_TASK_MAX=6");
    ck_assert_str_eq(m->environment[5], "SLURM_ARRAY_TASK_STEP=1");
    ck_assert_uint_eq(m->array_job_id, 10);
    ck_assert_uint_eq(m->array_task_id, 3);
    launch_batch_destroy(m);
    json_decref(info);
    json_decref(env);
}
END_TEST

START_TEST(a_submitted_variable_of_the_same_name_is_replaced_not_repeated)
{
    json_t *env = json_pack("[s, s]", "SLURM_ARRAY_TASK_MAX=99", "X=1");
    json_t *info = task_info(env, json_pack("{s:i, s:i, s:i, s:i}", "count", 4, "min", 0, "max",
                                            12, "step", 4));
    struct flurm_batch_job_launch *m = launch(info);

    ck_assert_uint_eq(m->envc, 5);
    ck_assert_str_eq(m->environment[0], "SLURM_ARRAY_TASK_MAX=12");
    ck_assert_str_eq(m->environment[1], "X=1");
    ck_assert_str_eq(m->environment[2], "SLURM_ARRAY_TASK_COUNT=4");
    ck_assert_str_eq(m->environment[3], "SLURM_ARRAY_TASK_MIN=0");
    ck_assert_str_eq(m->environment[4], "SLURM_ARRAY_TASK_STEP=4");
    ck_assert_uint_eq(count_named(m, "SLURM_ARRAY_TASK_MAX="), 1);
    launch_batch_destroy(m);
    json_decref(info);
    json_decref(env);
}
END_TEST

START_TEST(a_job_that_is_not_an_array_task_gets_none)
{
    json_t *env = json_pack("[s]", "HOME=/root");
    json_t *info = task_info(env, NULL);
    json_t *job = json_object_get(info, "job");
    struct flurm_batch_job_launch *m;

    json_object_set_new(job, "array_job_id", json_integer(0));
    json_object_set_new(job, "array_task_id", json_integer(FLURM_NO_VAL));
    m = launch(info);
    ck_assert_uint_eq(m->envc, 1);
    ck_assert_uint_eq(count_named(m, "SLURM_ARRAY_TASK_"), 0);
    launch_batch_destroy(m);
    json_decref(info);
    json_decref(env);
}
END_TEST

START_TEST(an_array_without_its_shape_launches_with_the_submitted_environment)
{
    json_t *env = json_pack("[s]", "HOME=/root");
    json_t *info = task_info(env, NULL);
    struct flurm_batch_job_launch *m = launch(info);

    ck_assert_uint_eq(m->envc, 1);
    ck_assert_str_eq(m->environment[0], "HOME=/root");
    launch_batch_destroy(m);
    json_decref(info);
    json_decref(env);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("launch_array");
    TCase *tc = tcase_create("env");

    tcase_add_test(tc, an_array_task_gets_count_min_max_step_after_its_environment);
    tcase_add_test(tc, a_submitted_variable_of_the_same_name_is_replaced_not_repeated);
    tcase_add_test(tc, a_job_that_is_not_an_array_task_gets_none);
    tcase_add_test(tc, an_array_without_its_shape_launches_with_the_submitted_environment);
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
