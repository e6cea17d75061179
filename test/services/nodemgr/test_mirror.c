/*
 * test_mirror.c - the node manager's mirror of job.allocs
 * (services/nodemgr/mirror.h): what jobs hold on a node (CPUAlloc,
 * AllocMem, COMPLETING, as slurmctld counts them), which job needs a
 * launch, how an inherited job waits, what survives a re-read, when a
 * terminate is due again; which interactive job's client is owed its
 * allocation or the news of its end (also when the job left between two
 * reads); and the node states the tables derive from it.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/slurmconf.h"
#include "services/nodemgr/mirror.h"
#include "services/nodemgr/nodes.h"

/* job.allocs entries: job 5 running on n1 (2 CPUs) and n2 (1 CPU), job 6
 * running on n1 (1 CPU), job 7 completing (TIMEOUT) with n2 left. */
static const char *ALLOCS =
    "["
    "{\"job_id\":5,\"user_id\":0,\"group_id\":0,\"state\":1,\"batch\":true,\"launched\":false,"
    " \"start_time\":100,\"completing\":[],"
    " \"alloc\":{\"nodes\":\"n[1-2]\",\"batch_host\":\"n1\",\"hosts\":["
    "   {\"name\":\"n1\",\"cores\":\"0-1\",\"cpus\":2,\"mem\":500},"
    "   {\"name\":\"n2\",\"cores\":\"0\",\"cpus\":1,\"mem\":250}]}},"
    "{\"job_id\":6,\"user_id\":0,\"group_id\":0,\"state\":1,\"batch\":true,\"launched\":true,"
    " \"start_time\":90,"
    " \"alloc\":{\"nodes\":\"n1\",\"batch_host\":\"n1\",\"hosts\":["
    "   {\"name\":\"n1\",\"cores\":\"2\",\"cpus\":1,\"mem\":100}]}},"
    "{\"job_id\":7,\"user_id\":0,\"group_id\":0,\"state\":32774,\"batch\":true,\"launched\":true,"
    " \"start_time\":80,\"completing\":[\"n2\"],"
    " \"alloc\":{\"nodes\":\"n[2-3]\",\"batch_host\":\"n2\",\"hosts\":["
    "   {\"name\":\"n2\",\"cores\":\"1\",\"cpus\":1,\"mem\":0},"
    "   {\"name\":\"n3\",\"cores\":\"0\",\"cpus\":1,\"mem\":0}]}}"
    "]";

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);

    ck_assert_msg(j != NULL, "%s", err.text);
    return j;
}

static struct mirror *loaded(const char *text)
{
    struct mirror *j = mirror_create();
    json_t *list = parse(text);
    size_t skipped = 9;

    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(mirror_replace(j, list, &skipped), 0);
    ck_assert_uint_eq(skipped, 0);
    json_decref(list);
    return j;
}

START_TEST(usage_counts_running_jobs_and_flags_completing)
{
    struct mirror *j = loaded(ALLOCS);
    uint32_t cpus;
    uint64_t mem;
    bool comp;

    mirror_node_usage(j, "n1", &cpus, &mem, &comp);
    ck_assert_uint_eq(cpus, 3);
    ck_assert_uint_eq(mem, 600);
    ck_assert(!comp);
    /* Job 7's CPUs on n2 are free (select_g_job_fini at the kill), its
     * epilog is awaited. */
    mirror_node_usage(j, "n2", &cpus, &mem, &comp);
    ck_assert_uint_eq(cpus, 1);
    ck_assert_uint_eq(mem, 250);
    ck_assert(comp);
    /* n3's epilog came: nothing left there. */
    mirror_node_usage(j, "n3", &cpus, &mem, &comp);
    ck_assert_uint_eq(cpus, 0);
    ck_assert(!comp);
    ck_assert(mirror_holds(mirror_find(j, 7), "n2"));
    ck_assert(!mirror_holds(mirror_find(j, 7), "n3"));
    ck_assert(mirror_holds(mirror_find(j, 5), "n2"));
    mirror_destroy(j);
}
END_TEST

START_TEST(first_read_inherits_unlaunched_jobs)
{
    struct mirror *j = loaded(ALLOCS);
    json_t *list = parse(ALLOCS);
    struct mirror_job *job = mirror_find(j, 5);

    /* A predecessor may have launched job 5: it waits for n1's registration. */
    ck_assert(job->inherited);
    ck_assert(!mirror_wants_launch(job));
    ck_assert(!mirror_wants_launch(mirror_find(j, 6))); /* launched */
    ck_assert(!mirror_wants_launch(mirror_find(j, 7))); /* completing */
    /* The registration showed it is not there: now it is launched, and a
     * re-read does not make it inherited again. */
    job->inherited = false;
    ck_assert(mirror_wants_launch(job));
    job->launch = MIRROR_LAUNCH_BUSY;
    ck_assert_int_eq(mirror_replace(j, list, NULL), 0);
    job = mirror_find(j, 5);
    ck_assert(!job->inherited);
    ck_assert_int_eq(job->launch, MIRROR_LAUNCH_BUSY);
    ck_assert(!mirror_wants_launch(job));
    json_decref(list);
    mirror_destroy(j);
}
END_TEST

START_TEST(later_jobs_are_launched_at_once)
{
    struct mirror *j = mirror_create();
    json_t *empty = json_array(), *list = parse(ALLOCS);

    ck_assert_int_eq(mirror_replace(j, empty, NULL), 0);
    ck_assert(mirror_loaded(j));
    ck_assert_int_eq(mirror_replace(j, list, NULL), 0);
    ck_assert(!mirror_find(j, 5)->inherited);
    ck_assert(mirror_wants_launch(mirror_find(j, 5)));
    json_decref(empty);
    json_decref(list);
    mirror_destroy(j);
}
END_TEST

START_TEST(terminate_is_resent_after_the_interval)
{
    struct mirror *j = loaded(ALLOCS);
    json_t *list = parse(ALLOCS);
    struct mirror_job *job = mirror_find(j, 7);

    ck_assert_uint_eq(job->ncompleting, 1);
    ck_assert(mirror_terminate_due(job, 0, 1000, 30));
    job->terminate_sent[0] = 1000;
    ck_assert(!mirror_terminate_due(job, 0, 1029, 30));
    ck_assert(mirror_terminate_due(job, 0, 1030, 30));
    /* A re-read keeps when n2 was told. */
    ck_assert_int_eq(mirror_replace(j, list, NULL), 0);
    job = mirror_find(j, 7);
    ck_assert_int_eq(job->terminate_sent[0], 1000);
    ck_assert(!mirror_terminate_due(job, 1, 1030, 30));
    json_decref(list);
    mirror_destroy(j);
}
END_TEST

START_TEST(unreadable_entries_are_skipped)
{
    struct mirror *j = mirror_create();
    json_t *list = parse("[{\"job_id\":0},{\"job_id\":3,\"alloc\":{\"nodes\":\"x\"}},"
                         "{\"job_id\":4,\"state\":1,\"alloc\":{\"nodes\":\"n1\","
                         "\"hosts\":[{\"name\":\"n1\",\"cores\":\"0\",\"cpus\":1,\"mem\":0}]}}]");
    size_t skipped = 0;

    ck_assert_int_eq(mirror_replace(j, list, &skipped), 0);
    ck_assert_uint_eq(skipped, 2);
    ck_assert_uint_eq(mirror_count(j), 1);
    ck_assert(!mirror_wants_launch(mirror_find(j, 4))); /* not batch */
    errno = 0;
    ck_assert_int_eq(mirror_replace(j, json_object_get(list, "x"), NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_uint_eq(mirror_count(j), 1);
    json_decref(list);
    mirror_destroy(j);
}
END_TEST

/* The node table's side: ALLOCATED while CPUs are held (sinfo derives
 * `mix` from CPUAlloc < CPUs itself), COMPLETING as a flag (`comp`). */
/* An interactive job (salloc): job 8 on n1, its client listening on
 * 10.0.0.9 ports 40001 (allocation) and 40002 (other); STATE is its
 * job_state word. */
static char *interactive(unsigned state)
{
    static char text[1024];

    snprintf(text, sizeof(text),
             "[{\"job_id\":8,\"user_id\":1000,\"group_id\":1000,\"state\":%u,"
             " \"batch\":false,\"launched\":false,\"start_time\":100,\"end_time\":160,"
             " \"resp_host\":\"10.0.0.9\",\"alloc_resp_port\":40001,\"other_port\":40002,"
             " \"completing\":%s,"
             " \"alloc\":{\"nodes\":\"n1\",\"hosts\":["
             "   {\"name\":\"n1\",\"cores\":\"0\",\"cpus\":1,\"mem\":0}]}}]",
             state, (state & 0x8000) ? "[\"n1\"]" : "[]");
    return text;
}

static void reread(struct mirror *j, const char *text)
{
    json_t *list = parse(text);

    ck_assert_int_eq(mirror_replace(j, list, NULL), 0);
    json_decref(list);
}

START_TEST(running_interactive_job_wants_its_allocation_once)
{
    struct mirror *j = loaded(interactive(1));
    struct mirror_job *job = mirror_find(j, 8);

    ck_assert_str_eq(job->resp_host, "10.0.0.9");
    ck_assert_uint_eq(job->alloc_resp_port, 40001);
    ck_assert_uint_eq(job->other_port, 40002);
    ck_assert(mirror_wants_alloc_push(job));
    ck_assert(!mirror_wants_launch(job)); /* no batch script to launch */
    ck_assert_int_eq(mirror_end_notice(job), MIRROR_END_NONE);
    job->alloc_told = true;
    /* Told in this process: a re-read does not ask again. */
    reread(j, interactive(1));
    ck_assert(!mirror_wants_alloc_push(mirror_find(j, 8)));
    mirror_destroy(j);
}
END_TEST

START_TEST(batch_and_pending_jobs_push_nothing)
{
    struct mirror *j = loaded(ALLOCS);

    ck_assert(!mirror_wants_alloc_push(mirror_find(j, 5)));
    ck_assert_int_eq(mirror_end_notice(mirror_find(j, 7)), MIRROR_END_NONE);
    mirror_destroy(j);
    j = loaded(interactive(0)); /* PENDING (requeued, still completing) */
    ck_assert(!mirror_wants_alloc_push(mirror_find(j, 8)));
    ck_assert_int_eq(mirror_end_notice(mirror_find(j, 8)), MIRROR_END_NONE);
    mirror_destroy(j);
}
END_TEST

/* How the job ended decides what its client hears, once. */
START_TEST(ended_interactive_job_tells_its_client_once)
{
    static const struct {
        unsigned state;
        enum mirror_end end;
    } cases[] = {
        {0x8000 | 3, MIRROR_END_COMPLETE},  /* COMPLETE: salloc/srun released it */
        {0x8000 | 4, MIRROR_END_COMPLETE},  /* CANCELLED */
        {0x8000 | 5, MIRROR_END_COMPLETE},  /* FAILED */
        {0x8000 | 6, MIRROR_END_TIMEOUT},   /* TIMEOUT */
        {0x8000 | 7, MIRROR_END_NODE_FAIL}, /* NODE_FAIL */
    };

    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct mirror *j = loaded(interactive(1));
        struct mirror_job *job;

        mirror_find(j, 8)->alloc_told = true;
        reread(j, interactive(cases[k].state));
        job = mirror_find(j, 8);
        ck_assert(!mirror_wants_alloc_push(job));
        ck_assert_int_eq(mirror_end_notice(job), cases[k].end);
        job->end_told = true;
        reread(j, interactive(cases[k].state));
        ck_assert_int_eq(mirror_end_notice(mirror_find(j, 8)), MIRROR_END_NONE);
        mirror_destroy(j);
    }
}
END_TEST

/* A job that ended and left between two reads is handed over once. */
START_TEST(interactive_job_gone_between_reads)
{
    struct mirror *j = loaded(interactive(1));

    ck_assert_uint_eq(mirror_gone_count(j), 0);
    reread(j, "[]");
    ck_assert_uint_eq(mirror_gone_count(j), 1);
    ck_assert_uint_eq(mirror_gone_at(j, 0)->job_id, 8);
    ck_assert_str_eq(mirror_gone_at(j, 0)->resp_host, "10.0.0.9");
    ck_assert_uint_eq(mirror_gone_at(j, 0)->other_port, 40002);
    mirror_gone_clear(j);
    ck_assert_uint_eq(mirror_gone_count(j), 0);
    reread(j, "[]");
    ck_assert_uint_eq(mirror_gone_count(j), 0);
    mirror_destroy(j);
    /* Told already, or batch: nothing to hand over. */
    j = loaded(interactive(0x8000 | 3));
    mirror_find(j, 8)->end_told = true;
    reread(j, "[]");
    ck_assert_uint_eq(mirror_gone_count(j), 0);
    mirror_destroy(j);
    j = loaded(ALLOCS);
    reread(j, "[]");
    ck_assert_uint_eq(mirror_gone_count(j), 0);
    mirror_destroy(j);
}
END_TEST

START_TEST(node_states_from_allocations)
{
    char err[256];
    char path[] = "/tmp/test_jobs_conf.XXXXXX";
    int fd = mkstemp(path);
    const char *conf_text = "ClusterName=t\nSlurmctldHost=h\n"
                            "NodeName=n1 CPUs=4 RealMemory=1000 State=UNKNOWN\n"
                            "PartitionName=p Nodes=n1 Default=YES\n";
    struct flurm_slurmconf *conf;
    struct nodes *n;
    char buf[64];

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, conf_text, strlen(conf_text)), (ssize_t)strlen(conf_text));
    close(fd);
    conf = flurm_slurmconf_load(path, err, sizeof(err));
    ck_assert_msg(conf != NULL, "%s", err);
    n = nodes_create(conf, 100);
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_eq(nodes_cpus(n, 0), 4);
    nodes_ping_answered(n, 0, 0, 0, 101); /* UNKNOWN -> IDLE */
    ck_assert_str_eq(nodes_state_text(nodes_state(n, 0), buf, sizeof(buf)), "IDLE");
    ck_assert_int_eq(nodes_set_alloc(n, 0, 2, 500, 102), 1);
    ck_assert_uint_eq(nodes_state(n, 0) & NODES_STATE_BASE, NODES_STATE_ALLOCATED);
    ck_assert_int_eq(nodes_set_completing(n, 0, true, 103), 1);
    ck_assert_int_eq(nodes_set_completing(n, 0, true, 103), 0);
    ck_assert_int_eq(nodes_set_alloc(n, 0, 0, 0, 104), 1);
    ck_assert_uint_eq(nodes_state(n, 0), NODES_STATE_IDLE | NODES_STATE_COMPLETING);
    ck_assert_int_eq(nodes_set_completing(n, 0, false, 105), 1);
    ck_assert_uint_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    nodes_destroy(n);
    flurm_slurmconf_destroy(conf);
    unlink(path);
}
END_TEST

static Suite *mirror_suite(void)
{
    Suite *s = suite_create("nodemgr_mirror");
    TCase *tc = tcase_create("jobs");

    tcase_add_test(tc, usage_counts_running_jobs_and_flags_completing);
    tcase_add_test(tc, first_read_inherits_unlaunched_jobs);
    tcase_add_test(tc, later_jobs_are_launched_at_once);
    tcase_add_test(tc, terminate_is_resent_after_the_interval);
    tcase_add_test(tc, unreadable_entries_are_skipped);
    tcase_add_test(tc, node_states_from_allocations);
    tcase_add_test(tc, running_interactive_job_wants_its_allocation_once);
    tcase_add_test(tc, batch_and_pending_jobs_push_nothing);
    tcase_add_test(tc, ended_interactive_job_tells_its_client_once);
    tcase_add_test(tc, interactive_job_gone_between_reads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mirror_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
