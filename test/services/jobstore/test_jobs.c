/*
 * test_jobs.c - the SLURM job semantics of the job store (services/jobstore/
 * jobs.c), checked against what slurmctld 22.05 answers: return codes of
 * sbatch / scancel / scontrol, the job_info records squeue and scontrol
 * show, permissions, arrays, holds.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "test/services/jobstore/testutil.h"

static struct site *site;
static struct jobs *jobs;
static uint64_t seq;

static void setup(void)
{
    site = tu_site(NULL);
    jobs = jobs_create(site);
    ck_assert_ptr_nonnull(jobs);
    seq = 0;
}

static void teardown(void)
{
    jobs_destroy(jobs);
    site_destroy(site);
}

/* Use another configuration for this test. */
static void reconfigure(const char *extra, int base_parts)
{
    jobs_destroy(jobs);
    site_destroy(site);
    site = tu_site_full(extra, base_parts);
    jobs = jobs_create(site);
    ck_assert_ptr_nonnull(jobs);
}

/* Apply a command (taken) and return its result (caller decrefs). */
static json_t *apply(json_t *cmd)
{
    json_t *res = jobs_apply(jobs, ++seq, cmd);

    ck_assert_ptr_nonnull(res);
    json_decref(cmd);
    return res;
}

static json_t *submit_as(unsigned uid, long long t, const char *overrides)
{
    return apply(tu_cmd("job.submit", uid, uid, t, tu_desc(overrides), NULL));
}

/* Submit as alice with overrides; the new job id (the submit must pass). */
static unsigned submit_ok(const char *overrides)
{
    json_t *res = submit_as(U_ALICE, T0, overrides);
    unsigned id = tu_job_id(res);

    json_decref(res);
    return id;
}

static int submit_code(unsigned uid, const char *overrides)
{
    json_t *res = submit_as(uid, T0, overrides);
    int code = tu_code(res);

    json_decref(res);
    return code;
}

static int kill_code(unsigned uid, const char *id)
{
    json_t *res = apply(tu_cmd("job.kill", uid, uid, T0 + 10, tu_kill(id), NULL));
    int code = tu_code(res);

    json_decref(res);
    return code;
}

static json_t *update(unsigned uid, const char *id, const char *overrides)
{
    return apply(tu_cmd("job.update", uid, uid, T0 + 20, tu_update(id, overrides), NULL));
}

static int update_code(unsigned uid, const char *id, const char *overrides)
{
    json_t *res = update(uid, id, overrides);
    int code = tu_code(res);

    json_decref(res);
    return code;
}

/* The job_info record of id as an administrator sees it, at T0 + 30. */
static json_t *info(unsigned id)
{
    json_t *ji = jobs_job_info(jobs, id, 0, (double)(T0 + 30));

    ck_assert_msg(ji != NULL, "no job %u", id);
    return ji;
}

static long long info_int(unsigned id, const char *key)
{
    json_t *ji = info(id);
    long long v = tu_int(ji, key);

    json_decref(ji);
    return v;
}

static char *info_str(unsigned id, const char *key)
{
    json_t *ji = info(id);
    const char *s = tu_str(ji, key);
    char *copy = s ? strdup(s) : NULL;

    json_decref(ji);
    return copy;
}

/* A query's result (caller decrefs). */
static json_t *query(const char *type, unsigned uid, const char *msg_text)
{
    json_t *body = json_pack("{s:{s:I, s:I}, s:o}", "auth", "uid", (json_int_t)uid, "gid",
                             (json_int_t)uid, "msg", json_loads(msg_text, 0, NULL));
    json_t *res = jobs_query(jobs, type, body, (double)(T0 + 30));

    json_decref(body);
    ck_assert_ptr_nonnull(res);
    return res;
}

/* The job ids a job list reply holds, in order, as "100,101". */
static char *listed(const json_t *res)
{
    static char buf[512];
    const json_t *records = json_object_get(json_object_get(json_object_get(res, "body"), "msg"),
                                            "jobs");
    size_t i, len = 0;
    const json_t *r;

    buf[0] = '\0';
    json_array_foreach(records, i, r) {
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%lld", i ? "," : "",
                                tu_int(r, "job_id"));
    }
    return buf;
}

/* ---- job.list: what a following service reads ----------------------------- */

/* One page of job.list after *since, at most limit jobs: its ids must be
 * want_ids and its "more" want_more; *since becomes its last_seq, as the
 * scheduler asks for the next page. */
static void list_page(long long *since, int limit, const char *want_ids, int want_more)
{
    char msg[96], ids[256] = "";
    size_t i, len = 0;
    const json_t *body, *r;
    json_t *res;

    snprintf(msg, sizeof(msg), "{\"since_seq\": %lld, \"limit\": %d}", *since, limit);
    res = query("job.list", U_ROOT, msg);
    body = json_object_get(res, "body");
    json_array_foreach(json_object_get(body, "jobs"), i, r)
        len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%lld", i ? "," : "",
                                tu_int(r, "job_id"));
    ck_assert_str_eq(ids, want_ids);
    ck_assert_int_eq(json_is_true(json_object_get(body, "more")), want_more);
    ck_assert_int_ge(tu_int(body, "last_seq"), *since);
    *since = tu_int(body, "last_seq");
    json_decref(res);
}

START_TEST(job_list_pages_go_by_change_and_never_split_one_command)
{
    long long since = 0, end;
    json_t *starts;

    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(submit_ok(NULL), 100u + (unsigned)i);
    json_decref(update(U_ALICE, "100", "{\"name\": \"renamed\"}"));
    /* one scheduler pass starts 101 and 104 in one command */
#define ONE_CORE_ON(node)                                                                  \
    "{\"nodes\": \"" node "\", \"batch_host\": \"" node "\", \"hosts\": [{\"name\": \"" node \
    "\", \"cores\": \"0\", \"cpus\": 1, \"mem\": 100}]}"
    starts = json_loads("{\"time\": 1795630025, \"jobs\": ["
                        "{\"job_id\": 101, \"alloc\": " ONE_CORE_ON("n1") "},"
                        "{\"job_id\": 104, \"alloc\": " ONE_CORE_ON("n2") "}]}",
                        0, NULL);
#undef ONE_CORE_ON
    ck_assert_ptr_nonnull(starts);
    json_decref(apply(json_pack("{s:s, s:I, s:o}", "type", "job.start", "time",
                                (json_int_t)(T0 + 25), "msg", starts)));
    ck_assert_int_eq(info_int(101, "job_state"), 1 /* RUNNING */);
    ck_assert_int_eq(info_int(104, "job_state"), 1);
    /* the oldest changes first: 102 and 103 were last changed by their
     * submissions, then 100 by its rename */
    list_page(&since, 2, "102,103", 1);
    list_page(&since, 1, "100", 1);
    /* 101 and 104 changed in one command: they come together in one page
     * although the limit is 1 */
    list_page(&since, 1, "101,104", 0);
    end = since;
    list_page(&since, 1, "", 0);
    ck_assert_int_eq(since, end);
    /* without a limit: every job changed after since_seq, in job id order */
    since = 0;
    list_page(&since, 0, "100,101,102,103,104", 0);
    ck_assert_int_eq(since, end);
}
END_TEST

/* ---- submit ---------------------------------------------------------------- */

START_TEST(submit_numbers_jobs_from_first_job_id)
{
    json_t *res = submit_as(U_ALICE, T0, NULL);
    const json_t *msg = json_object_get(json_object_get(res, "body"), "msg");

    ck_assert_int_eq(tu_int(msg, "job_id"), 100);
    ck_assert_int_eq(tu_int(msg, "step_id"), 0xfffffffb); /* SLURM_BATCH_SCRIPT */
    ck_assert_int_eq(tu_int(msg, "error_code"), 0);
    json_decref(res);
    ck_assert_uint_eq(submit_ok(NULL), 101);
}
END_TEST

START_TEST(submit_without_partition_uses_the_default_and_its_default_time)
{
    unsigned id = submit_ok(NULL);
    char *part = info_str(id, "partition");

    ck_assert_str_eq(part, "batch");
    free(part);
    ck_assert_int_eq(info_int(id, "time_limit"), 10); /* DefaultTime */
    ck_assert(info_int(id, "bitflags") & (1LL << 31)); /* JOB_PART_ASSIGNED */
    ck_assert_int_eq(info_int(id, "job_state"), JOB_PENDING);
    ck_assert_int_eq(info_int(id, "state_reason"), WAIT_PRIORITY);
}
END_TEST

START_TEST(submit_priorities_decrease_from_top_as_priority_basic)
{
    unsigned a = submit_ok(NULL), b = submit_ok(NULL);

    ck_assert_int_eq(info_int(a, "priority"), 0xffff0000LL - 1);
    ck_assert_int_eq(info_int(b, "priority"), 0xffff0000LL - 2);
}
END_TEST

START_TEST(submit_user_is_the_credential_unless_admin)
{
    json_t *res;

    /* a user may not submit in another user's name */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"user_id\": 1002, \"group_id\": 1001}"),
                     ESLURM_USER_ID_MISSING);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"user_id\": 1001, \"group_id\": 5}"),
                     ESLURM_GROUP_ID_MISSING);
    /* root and SlurmUser may */
    res = submit_as(U_ROOT, T0, "{\"user_id\": 1002, \"group_id\": 1002}");
    ck_assert_int_eq(info_int(tu_job_id(res), "user_id"), U_BOB);
    json_decref(res);
    res = submit_as(U_SLURM, T0, "{\"user_id\": 1002, \"group_id\": 1002}");
    ck_assert_int_eq(info_int(tu_job_id(res), "user_id"), U_BOB);
    json_decref(res);
    /* NO_VAL (what sbatch sends for "me") takes the credential's ids */
    ck_assert_int_eq(info_int(submit_ok(NULL), "user_id"), U_ALICE);
}
END_TEST

START_TEST(submit_alloc_node_comes_from_the_credential)
{
    unsigned id = submit_ok("{\"alloc_node\": \"forged\"}");
    char *node = info_str(id, "alloc_node");

    ck_assert_str_eq(node, "login1");
    free(node);
}
END_TEST

START_TEST(submit_partition_errors)
{
    json_t *res = submit_as(U_ALICE, T0, "{\"partition\": \"nope\"}");

    tu_assert_code(res, ESLURM_INVALID_PARTITION_NAME);
    ck_assert_str_eq(tu_str(res, "text"), "invalid partition specified: nope");
    json_decref(res);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"partition\": \"inact\"}"),
                     ESLURM_PARTITION_NOT_AVAIL);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"partition\": \"drain\"}"),
                     ESLURM_PARTITION_NOT_AVAIL);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"partition\": \"rootonly\"}"), ESLURM_ACCESS_DENIED);
    ck_assert_int_eq(submit_code(U_ROOT, "{\"partition\": \"rootonly\"}"), 0);
}
END_TEST

START_TEST(submit_without_any_default_partition)
{
    reconfigure("PartitionName=p Nodes=n1\n", 0);
    ck_assert_int_eq(submit_code(U_ALICE, NULL), ESLURM_DEFAULT_PARTITION_NOT_SET);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"partition\": \"p\"}"), 0);
}
END_TEST

START_TEST(submit_to_a_down_partition_waits)
{
    unsigned id = submit_ok("{\"partition\": \"down\"}");

    ck_assert_int_eq(info_int(id, "state_reason"), WAIT_PART_DOWN);
}
END_TEST

START_TEST(submit_time_limit_checks)
{
    unsigned id;

    /* EnforcePartLimits=NO: accepted, waits on the partition's limit */
    id = submit_ok("{\"time_limit\": 61}");
    ck_assert_int_eq(info_int(id, "state_reason"), WAIT_PART_TIME_LIMIT);
    ck_assert_int_eq(info_int(id, "time_limit"), 61);
    /* a partition whose DefaultTime is 0 needs an explicit limit */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"partition\": \"nodef\"}"),
                     ESLURM_INVALID_TIME_LIMIT);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"partition\": \"nodef\", \"time_limit\": 5}"), 0);
    /* time_min above the limit */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"time_limit\": 5, \"time_min\": 6}"),
                     ESLURM_INVALID_TIME_MIN_LIMIT);
    /* no limit on a partition without MaxTime: the job shows INFINITE */
    id = submit_ok("{\"partition\": \"big\"}");
    ck_assert_int_eq(info_int(id, "time_limit"), 0xffffffffLL);
}
END_TEST

START_TEST(submit_time_limit_enforced)
{
    reconfigure("EnforcePartLimits=ALL\n", 1);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"time_limit\": 61}"), ESLURM_INVALID_TIME_LIMIT);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"min_nodes\": 3}"), ESLURM_INVALID_NODE_COUNT);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"time_limit\": 60}"), 0);
}
END_TEST

START_TEST(submit_node_count_checks)
{
    unsigned id;

    /* more nodes than the partition has: accepted, PartitionNodeLimit */
    id = submit_ok("{\"min_nodes\": 3}");
    ck_assert_int_eq(info_int(id, "state_reason"), WAIT_PART_NODE_LIMIT);
    ck_assert_int_eq(info_int(id, "num_nodes"), 3);
    /* more CPUs than the partition has: PartitionConfig */
    id = submit_ok("{\"min_cpus\": 9, \"num_tasks\": 9}");
    ck_assert_int_eq(info_int(id, "state_reason"), WAIT_PART_CONFIG);
    /* --ntasks spreads over the largest node: 9 tasks on 4-CPU nodes = 3 */
    ck_assert_int_eq(info_int(id, "num_nodes"), 3);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"max_nodes\": 0}"), ESLURM_INVALID_NODE_COUNT);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"min_nodes\": 2, \"max_nodes\": 1}"),
                     ESLURM_INVALID_NODE_COUNT);
    /* required nodes must exist and be in the partition */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"req_nodes\": \"n9\"}"), ESLURM_INVALID_NODE_NAME);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"req_nodes\": \"n[1-2]\"}"), 0);
    reconfigure("EnforcePartLimits=ALL\n", 1);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"req_nodes\": \"big1\"}"),
                     ESLURM_REQUESTED_NODES_NOT_IN_PARTITION);
}
END_TEST

START_TEST(submit_memory_must_fit_some_node)
{
    json_t *res = submit_as(U_ALICE, T0, "{\"pn_min_memory\": 9000}");

    /* batch's nodes have 8000 MB: no node can ever run it */
    tu_assert_code(res, ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
    ck_assert_str_eq(tu_str(res, "text"), "Memory specification can not be satisfied");
    json_decref(res);
    /* as slurmctld, the refused job stays as a FAILED record of its own id */
    ck_assert_int_eq(info_int(100, "job_state"), JOB_FAILED);
    ck_assert_int_eq(info_int(100, "exit_code"), 1);
    ck_assert_uint_eq(jobs_active_count(jobs), 0);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"pn_min_memory\": 9000, \"partition\": \"big\"}"),
                     0);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"pn_min_memory\": 8000}"), 0);
    /* --mem-per-cpu=3000 with 4 CPUs per task: 12000 MB on one node */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"pn_min_memory\": \"9223372036854778808\","
                                          " \"cpus_per_task\": 4}"),
                     ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
}
END_TEST

START_TEST(submit_script_and_environment_checks)
{
    ck_assert_int_eq(submit_code(U_ALICE, "{\"script\": null}"), ESLURM_JOB_SCRIPT_MISSING);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"script\": \"\"}"), ESLURM_JOB_SCRIPT_MISSING);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"script\": \"echo hi\\n\"}"),
                     ESLURM_JOB_SCRIPT_MISSING);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"environment\": []}"), ESLURM_ENVIRONMENT_MISSING);
}
END_TEST

START_TEST(submit_user_restrictions)
{
    /* a negative nice and an admin comment need an administrator */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"nice\": 2147483638}"), ESLURM_INVALID_NICE);
    ck_assert_int_eq(submit_code(U_ROOT, "{\"nice\": 2147483638}"), 0);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"admin_comment\": \"x\"}"), ESLURM_ACCESS_DENIED);
    /* a user's priority request is ignored, an admin's is kept */
    ck_assert_int_eq(info_int(submit_ok("{\"priority\": 7}"), "priority"), 0xffff0000LL - 2);
    {
        json_t *res = submit_as(U_ROOT, T0, "{\"priority\": 7}");

        ck_assert_int_eq(info_int(tu_job_id(res), "priority"), 7);
        json_decref(res);
    }
    /* only an administrator may choose the job id */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"job_id\": 5000}"), ESLURM_INVALID_JOB_ID);
    ck_assert_int_eq(submit_code(U_ROOT, "{\"job_id\": 5000}"), 0);
    ck_assert_int_eq(submit_code(U_ROOT, "{\"job_id\": 5000}"), ESLURM_DUPLICATE_JOB_ID);
    ck_assert_int_eq(submit_code(U_ALICE, tu_fmt("{\"name\": \"%01100d\"}", 0)),
                     ESLURM_PATHNAME_TOO_LONG);
}
END_TEST

START_TEST(submit_hold_begin_and_dependency_reasons)
{
    unsigned held = submit_ok("{\"priority\": 0}");
    unsigned later = submit_ok(tu_fmt("{\"begin_time\": %lld}", T0 + 3600));
    unsigned dep = submit_ok("{\"dependency\": \"afterok:100\"}");
    json_t *ji;

    /* sbatch --hold: priority 0, JobHeldUser, not eligible */
    ck_assert_int_eq(info_int(held, "priority"), 0);
    ck_assert_int_eq(info_int(held, "state_reason"), WAIT_HELD_USER);
    ck_assert_int_eq(info_int(held, "eligible_time"), 0);
    ck_assert_int_eq(info_int(held, "accrue_time"), 0);
    /* sbatch --begin: BeginTime, expected to start then */
    ji = info(later);
    ck_assert_int_eq(tu_int(ji, "state_reason"), WAIT_TIME);
    ck_assert_int_eq(tu_int(ji, "eligible_time"), T0 + 3600);
    ck_assert_int_eq(tu_int(ji, "start_time"), T0 + 3600);
    ck_assert_int_eq(tu_int(ji, "end_time"), T0 + 3600 + 600);
    json_decref(ji);
    ck_assert_int_eq(info_int(dep, "state_reason"), WAIT_DEPENDENCY);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"dependency\": \"whenever:1\"}"), ESLURM_DEPENDENCY);
    /* the job record existed when the dependency was refused: its id is spent */
    ck_assert_uint_eq(submit_ok(NULL), dep + 2);
    ck_assert_ptr_null(jobs_job_info(jobs, dep + 1, 0, (double)T0));
    ck_assert_int_eq(submit_code(U_ALICE, "{\"dependency\": \"afterok\"}"), ESLURM_DEPENDENCY);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"dependency\": \"afterany:100:101,singleton\"}"),
                     0);
}
END_TEST

START_TEST(submit_max_job_count)
{
    /* MaxJobCount=50 counts jobs not finished, array tasks each */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"array_inx\": \"1-48\"}"), 0);
    ck_assert_int_eq(submit_code(U_ALICE, NULL), 0);
    ck_assert_int_eq(submit_code(U_ALICE, NULL), EAGAIN);
    ck_assert_int_eq(kill_code(U_ALICE, "100"), 0);
    ck_assert_int_eq(submit_code(U_ALICE, NULL), 0);
}
END_TEST

/* ---- arrays ------------------------------------------------------------- */

START_TEST(array_spec_parsing)
{
    uint32_t count, first, last, max;

    ck_assert_int_eq(jobs_parse_array("1-100%10", 1001, &count, &first, &last, &max), 0);
    ck_assert_uint_eq(count, 100);
    ck_assert_uint_eq(first, 1);
    ck_assert_uint_eq(last, 100);
    ck_assert_uint_eq(max, 10);
    ck_assert_int_eq(jobs_parse_array("1,3,5-7", 1001, &count, &first, &last, &max), 0);
    ck_assert_uint_eq(count, 5);
    ck_assert_uint_eq(max, 0);
    ck_assert_int_eq(jobs_parse_array("0-15:4", 1001, &count, &first, &last, &max), 0);
    ck_assert_uint_eq(count, 4); /* 0 4 8 12 */
    ck_assert_uint_eq(last, 12);
    ck_assert_int_eq(jobs_parse_array("[2-4]", 1001, &count, &first, &last, &max), 0);
    ck_assert_uint_eq(count, 3);
    ck_assert_int_eq(jobs_parse_array("5-1", 1001, &count, &first, &last, &max), -1);
    ck_assert_int_eq(jobs_parse_array("1-10:0", 1001, &count, &first, &last, &max), -1);
    ck_assert_int_eq(jobs_parse_array("0-1001", 1001, &count, &first, &last, &max), -1);
    ck_assert_int_eq(jobs_parse_array("0-1000", 1001, &count, &first, &last, &max), 0);
    ck_assert_int_eq(jobs_parse_array("-1", 1001, &count, &first, &last, &max), -1);
    ck_assert_int_eq(jobs_parse_array("1x", 1001, &count, &first, &last, &max), -1);
    ck_assert_int_eq(jobs_parse_array("", 1001, &count, &first, &last, &max), -1);
}
END_TEST

START_TEST(array_submit_is_one_pending_record)
{
    unsigned id;
    json_t *ji;

    reconfigure("MaxJobCount=1000\n", 1);
    id = submit_ok("{\"array_inx\": \"1-100%10\"}");
    ji = info(id);

    ck_assert_int_eq(tu_int(ji, "array_job_id"), id);
    ck_assert_int_eq(tu_int(ji, "array_task_id"), 0xfffffffe);
    ck_assert_int_eq(tu_int(ji, "array_max_tasks"), 10);
    /* bits 1-100 of a 101-bit map, as bit_fmt_hexmask prints it */
    ck_assert_str_eq(tu_str(ji, "array_task_str"), "0x1FFFFFFFFFFFFFFFFFFFFFFFFE");
    /* job_allocate leaves an array's eligibility to the scheduler */
    ck_assert_int_eq(tu_int(ji, "eligible_time"), 0);
    json_decref(ji);
    ck_assert_uint_eq(jobs_count(jobs), 1);
    ck_assert_uint_eq(jobs_active_count(jobs), 100);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"array_inx\": \"5-1\"}"), ESLURM_INVALID_ARRAY);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"array_inx\": \"0-1001\"}"), ESLURM_INVALID_ARRAY);
}
END_TEST

START_TEST(array_tasks_are_cancelled_out_of_the_meta_record)
{
    unsigned id = submit_ok("{\"array_inx\": \"1-4\"}");
    char spec[32], *hex;

    snprintf(spec, sizeof(spec), "%u_2", id);
    ck_assert_int_eq(kill_code(U_ALICE, spec), 0);
    hex = info_str(id, "array_task_str");
    ck_assert_str_eq(hex, "0x1A"); /* 1, 3, 4 */
    free(hex);
    snprintf(spec, sizeof(spec), "%u_[1,3]", id);
    ck_assert_int_eq(kill_code(U_ALICE, spec), 0);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_PENDING);
    /* a task that is no longer there */
    snprintf(spec, sizeof(spec), "%u_2", id);
    ck_assert_int_eq(kill_code(U_ALICE, spec), ESLURM_INVALID_JOB_ID);
    /* the last pending task goes: the whole array is cancelled */
    snprintf(spec, sizeof(spec), "%u_4", id);
    ck_assert_int_eq(kill_code(U_ALICE, spec), 0);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_CANCELLED);
}
END_TEST

/* The code of the first entry of a RESPONSE_JOB_ARRAY_ERRORS reply. */
static int array_update_code(unsigned uid, const char *id, const char *overrides)
{
    json_t *res = update(uid, id, overrides);
    const json_t *body = json_object_get(res, "body");
    int code;

    ck_assert_int_eq(tu_code(res), 0);
    ck_assert_str_eq(tu_str(body, "msg_type"), "RESPONSE_JOB_ARRAY_ERRORS");
    code = (int)tu_int(json_array_get(json_object_get(json_object_get(body, "msg"), "errors"), 0),
                       "error_code");
    json_decref(res);
    return code;
}

START_TEST(array_throttle_update)
{
    unsigned id = submit_ok("{\"array_inx\": \"1-8%2\"}");

    /* scontrol update ArrayTaskThrottle=3 */
    ck_assert_int_eq(array_update_code(U_BOB, "100", "{\"array_inx\": \"3\"}"),
                     ESLURM_USER_ID_MISSING);
    ck_assert_int_eq(array_update_code(U_ALICE, "100", "{\"array_inx\": \"3\"}"), 0);
    ck_assert_int_eq(info_int(id, "array_max_tasks"), 3);
    ck_assert_int_eq(array_update_code(U_ALICE, "100", "{\"array_inx\": \"-1\"}"),
                     ESLURM_BAD_TASK_COUNT);
    ck_assert_int_eq(info_int(id, "array_max_tasks"), 3);
}
END_TEST

START_TEST(array_whole_cancel)
{
    unsigned id = submit_ok("{\"array_inx\": \"1-4\"}");
    char spec[32];

    snprintf(spec, sizeof(spec), "%u_*", id);
    ck_assert_int_eq(kill_code(U_BOB, spec), ESLURM_ACCESS_DENIED);
    ck_assert_int_eq(kill_code(U_ALICE, spec), 0);
    ck_assert_int_eq(info_int(id, "job_state"), JOB_CANCELLED);
    snprintf(spec, sizeof(spec), "%u", id);
    ck_assert_int_eq(kill_code(U_ALICE, spec), ESLURM_ALREADY_DONE);
}
END_TEST

START_TEST(array_task_update_splits_it_out)
{
    unsigned id = submit_ok("{\"array_inx\": \"1-4\"}");
    char spec[32], *hex;
    json_t *res, *ji;
    unsigned task_id;

    snprintf(spec, sizeof(spec), "%u_3", id);
    res = update(U_ALICE, spec, "{\"priority\": 0, \"alloc_sid\": 2}");
    /* RESPONSE_JOB_ARRAY_ERRORS: one entry, code 0, "<id>_3" */
    ck_assert_int_eq(tu_code(res), 0);
    {
        const json_t *body = json_object_get(res, "body");
        const json_t *e = json_array_get(json_object_get(json_object_get(body, "msg"), "errors"),
                                         0);
        char want[32];

        ck_assert_str_eq(tu_str(body, "msg_type"), "RESPONSE_JOB_ARRAY_ERRORS");
        snprintf(want, sizeof(want), "%u_3", id);
        ck_assert_str_eq(tu_str(e, "job_array_id"), want);
        ck_assert_int_eq(tu_int(e, "error_code"), 0);
    }
    json_decref(res);
    ck_assert_uint_eq(jobs_active_count(jobs), 4); /* still four tasks in all */
    task_id = id + 1; /* the next free id */
    ji = info(task_id);
    ck_assert_int_eq(tu_int(ji, "array_job_id"), id);
    ck_assert_int_eq(tu_int(ji, "array_task_id"), 3);
    ck_assert_int_eq(tu_int(ji, "priority"), 0);
    ck_assert_int_eq(tu_int(ji, "state_reason"), WAIT_HELD_USER);
    json_decref(ji);
    hex = info_str(id, "array_task_str");
    ck_assert_str_eq(hex, "0x16"); /* 1, 2, 4 */
    free(hex);
    /* the split task is found by its array name afterwards */
    ck_assert_int_eq(kill_code(U_ALICE, spec), 0);
    ck_assert_int_eq(info_int(task_id, "job_state"), JOB_CANCELLED);
}
END_TEST

/* ---- kill ---------------------------------------------------------------------- */

START_TEST(kill_permissions_and_states)
{
    unsigned a = submit_ok(NULL);
    char spec[16];
    json_t *ji;

    snprintf(spec, sizeof(spec), "%u", a);
    ck_assert_int_eq(kill_code(U_BOB, spec), ESLURM_ACCESS_DENIED);
    ck_assert_int_eq(kill_code(U_ALICE, spec), 0);
    ji = info(a);
    ck_assert_int_eq(tu_int(ji, "job_state"), JOB_CANCELLED);
    ck_assert_int_eq(tu_int(ji, "end_time"), T0 + 10);
    ck_assert_int_eq(tu_int(ji, "start_time"), T0 + 10);
    json_decref(ji);
    ck_assert_int_eq(kill_code(U_ALICE, spec), ESLURM_ALREADY_DONE);
    /* administrators cancel anyone's job */
    snprintf(spec, sizeof(spec), "%u", submit_ok(NULL));
    ck_assert_int_eq(kill_code(U_SLURM, spec), 0);
    snprintf(spec, sizeof(spec), "%u", submit_ok(NULL));
    ck_assert_int_eq(kill_code(U_ROOT, spec), 0);
    ck_assert_int_eq(kill_code(U_ALICE, "99999"), ESLURM_INVALID_JOB_ID);
    ck_assert_int_eq(kill_code(U_ALICE, "abc"), ESLURM_INVALID_JOB_ID);
    ck_assert_int_eq(kill_code(U_ALICE, "0"), ESLURM_INVALID_JOB_ID);
    ck_assert_int_eq(kill_code(U_ALICE, "100+1"), ESLURM_INVALID_JOB_ID);
}
END_TEST

START_TEST(kill_keeps_the_last_reason)
{
    unsigned a = submit_ok("{\"priority\": 0}");

    ck_assert_int_eq(kill_code(U_ALICE, "100"), 0);
    ck_assert_int_eq(info_int(a, "job_state"), JOB_CANCELLED);
    ck_assert_int_eq(info_int(a, "state_reason"), WAIT_HELD_USER); /* as squeue -t all shows */
}
END_TEST

START_TEST(kill_other_signal_to_pending_job)
{
    unsigned a = submit_ok(NULL);
    json_t *k = tu_kill("100"), *res;

    ck_assert_uint_eq(a, 100);
    json_object_set_new(k, "signal", json_integer(10));
    res = apply(tu_cmd("job.kill", U_ALICE, U_ALICE, T0, k, NULL));
    tu_assert_code(res, ESLURM_TRANSITION_STATE_NO_UPDATE);
    json_decref(res);
    ck_assert_int_eq(info_int(a, "job_state"), JOB_PENDING);
}
END_TEST

/* ---- update ---------------------------------------------------------------------- */

START_TEST(update_hold_and_release)
{
    unsigned a = submit_ok(NULL);
    long long prio = info_int(a, "priority");

    /* scontrol hold by the owner is a user hold */
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"priority\": 0, \"alloc_sid\": 0}"), 0);
    ck_assert_int_eq(info_int(a, "priority"), 0);
    ck_assert_int_eq(info_int(a, "state_reason"), WAIT_HELD_USER);
    /* scontrol release by the owner */
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"priority\": 4294967295}"), 0);
    ck_assert_int_eq(info_int(a, "state_reason"), WAIT_PRIORITY);
    ck_assert_int_lt(info_int(a, "priority"), prio);
    ck_assert_int_eq(info_int(a, "eligible_time"), T0 + 20);
    /* another user may not touch it */
    ck_assert_int_eq(update_code(U_BOB, "100", "{\"priority\": 0}"), ESLURM_USER_ID_MISSING);
    /* scontrol hold by an administrator is an admin hold ... */
    ck_assert_int_eq(update_code(U_ROOT, "100", "{\"priority\": 0, \"alloc_sid\": 0}"), 0);
    ck_assert_int_eq(info_int(a, "state_reason"), WAIT_HELD);
    /* ... which the owner cannot release */
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"priority\": 4294967295}"),
                     ESLURM_ACCESS_DENIED);
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"priority\": 5}"), ESLURM_JOB_HELD);
    /* scontrol uhold by an administrator turns it into a user hold */
    ck_assert_int_eq(update_code(U_SLURM, "100", "{\"priority\": 0, \"alloc_sid\": 2}"), 0);
    ck_assert_int_eq(info_int(a, "state_reason"), WAIT_HELD_USER);
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"priority\": 4294967295}"), 0);
    /* releasing a job that is not held changes nothing */
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"priority\": 4294967295}"), 0);
}
END_TEST

START_TEST(update_priority_rules)
{
    unsigned a = submit_ok(NULL);

    /* a user may lower the priority, but it is reported as not persistent */
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"priority\": 1000}"), ESLURM_PRIO_RESET_FAIL);
    ck_assert_int_eq(info_int(a, "priority"), 1000);
    /* and may not raise it */
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"priority\": 2000}"), ESLURM_ACCESS_DENIED);
    ck_assert_int_eq(update_code(U_ROOT, "100", "{\"priority\": 2000}"), 0);
    ck_assert_int_eq(info_int(a, "priority"), 2000);
}
END_TEST

START_TEST(update_time_limit_rules)
{
    unsigned a = submit_ok("{\"time_limit\": 30}");

    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"time_limit\": 20}"), 0);
    ck_assert_int_eq(info_int(a, "time_limit"), 20);
    /* a pending job's owner may raise up to the partition's MaxTime */
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"time_limit\": 60}"), 0);
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"time_limit\": 61}"), ESLURM_ACCESS_DENIED);
    ck_assert_int_eq(info_int(a, "time_limit"), 60);
    ck_assert_int_eq(update_code(U_ROOT, "100", "{\"time_limit\": 600}"), 0);
    ck_assert_int_eq(info_int(a, "time_limit"), 600);
    ck_assert_int_eq(info_int(a, "state_reason"), WAIT_PART_TIME_LIMIT);
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"time_min\": 700}"),
                     ESLURM_INVALID_TIME_MIN_LIMIT);
}
END_TEST

START_TEST(update_partition_and_name)
{
    unsigned a = submit_ok(NULL);
    char *s;

    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"partition\": \"nope\"}"),
                     ESLURM_INVALID_PARTITION_NAME);
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"partition\": \"inact\"}"),
                     ESLURM_PARTITION_NOT_AVAIL);
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"partition\": \"big\", \"name\": \"renamed\"}"),
                     0);
    s = info_str(a, "partition");
    ck_assert_str_eq(s, "big");
    free(s);
    s = info_str(a, "name");
    ck_assert_str_eq(s, "renamed");
    free(s);
    ck_assert(!(info_int(a, "bitflags") & (1LL << 31))); /* no longer JOB_PART_ASSIGNED */
}
END_TEST

START_TEST(update_refusals)
{
    submit_ok(NULL);
    /* fields FLURM does not change yet are refused, not ignored */
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"min_nodes\": 2}"), ESLURM_NOT_SUPPORTED);
    ck_assert_int_eq(update_code(U_ALICE, "99999", "{\"name\": \"x\"}"), ESLURM_INVALID_JOB_ID);
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"admin_comment\": \"x\"}"),
                     ESLURM_ACCESS_DENIED);
    ck_assert_int_eq(kill_code(U_ALICE, "100"), 0);
    ck_assert_int_eq(update_code(U_ALICE, "100", "{\"name\": \"x\"}"), ESLURM_JOB_FINISHED);
}
END_TEST

/* ---- queries ---------------------------------------------------------------------- */

START_TEST(info_record_of_a_pending_job)
{
    unsigned id = submit_ok("{\"std_out\": \"/home/u/out-%j.txt\"}");
    json_t *ji = info(id);
    const json_t *mc = json_object_get(ji, "mc");

    /* what slurmctld reports for a pending sbatch job (squeue capture) */
    ck_assert_str_eq(tu_str(ji, "cluster"), "testc");
    ck_assert_str_eq(tu_str(ji, "name"), "job");
    ck_assert_str_eq(tu_str(ji, "work_dir"), "/home/u");
    ck_assert_str_eq(tu_str(ji, "std_in"), "/dev/null");
    ck_assert_str_eq(tu_str(ji, "std_out"), "/home/u/out-%j.txt");
    ck_assert_ptr_null(tu_str(ji, "std_err")); /* scontrol derives the default */
    ck_assert_str_eq(tu_str(ji, "command"), "/home/u/job.sh");
    ck_assert_int_eq(tu_int(ji, "array_task_id"), 0xfffffffe);
    ck_assert_int_eq(tu_int(ji, "batch_flag"), 1);
    ck_assert_int_eq(tu_int(ji, "submit_time"), T0);
    ck_assert_int_eq(tu_int(ji, "eligible_time"), T0);
    ck_assert_int_eq(tu_int(ji, "accrue_time"), T0);
    ck_assert_int_eq(tu_int(ji, "start_time"), 0);
    ck_assert_int_eq(tu_int(ji, "nice"), 0x80000000LL);
    ck_assert_int_eq(tu_int(ji, "num_cpus"), 1);
    ck_assert_int_eq(tu_int(ji, "num_nodes"), 1);
    ck_assert_int_eq(tu_int(ji, "num_tasks"), 1);
    ck_assert_int_eq(tu_int(ji, "cpus_per_task"), 1);
    ck_assert_int_eq(tu_int(ji, "requeue"), 1);
    ck_assert_int_eq(tu_int(ji, "shared"), 0xfffe);
    ck_assert_int_eq(tu_int(ji, "select_plugin_id"), 109);
    ck_assert_int_eq(tu_int(ji, "start_protocol_ver"), 0x2600);
    ck_assert_int_eq(tu_int(mc, "ntasks_per_core"), 0xffff);
    ck_assert_int_eq(tu_int(mc, "sockets_per_node"), 0xfffe);
    ck_assert_str_eq(tu_str(ji, "tres_req_str"), "cpu=1,mem=8000M,node=1,billing=1");
    /* every field of the record is there */
    ck_assert_int_ge(json_object_size(ji), 120);
    json_decref(ji);
}
END_TEST

START_TEST(info_last_update_gives_no_change)
{
    json_t *res;

    submit_ok(NULL); /* changes the table at T0 */
    res = query("job.info", U_ALICE, "{\"last_update\": 0, \"show_flags\": 16}");
    ck_assert_int_eq(tu_code(res), 0);
    ck_assert_int_eq(tu_int(json_object_get(json_object_get(res, "body"), "msg"), "last_update"),
                     T0 + 30);
    json_decref(res);
    /* the client's copy is from after the change: nothing to send */
    res = query("job.info", U_ALICE, "{\"last_update\": 1795630001, \"show_flags\": 16}");
    tu_assert_code(res, SLURM_NO_CHANGE_IN_DATA);
    json_decref(res);
    /* a copy from the second of the change may have missed it */
    res = query("job.info", U_ALICE, "{\"last_update\": 1795630000, \"show_flags\": 16}");
    ck_assert_int_eq(tu_code(res), 0);
    json_decref(res);
}
END_TEST

START_TEST(info_private_data_hides_other_users_jobs)
{
    json_t *res;

    reconfigure("PrivateData=jobs\n", 1);
    submit_ok(NULL);                               /* 100 alice */
    json_decref(submit_as(U_BOB, T0, NULL));       /* 101 bob */
    res = query("job.info", U_ALICE, "{\"show_flags\": 0}");
    ck_assert_str_eq(listed(res), "100");
    json_decref(res);
    res = query("job.info", U_ROOT, "{\"show_flags\": 0}");
    ck_assert_str_eq(listed(res), "100,101");
    json_decref(res);
    res = query("job.info_single", U_ALICE, "{\"job_id\": 101}");
    tu_assert_code(res, ESLURM_INVALID_JOB_ID);
    json_decref(res);
}
END_TEST

START_TEST(info_without_private_data_shows_all)
{
    json_t *res;

    submit_ok(NULL);
    json_decref(submit_as(U_BOB, T0, NULL));
    res = query("job.info", U_ALICE, "{\"show_flags\": 0}");
    ck_assert_str_eq(listed(res), "100,101");
    json_decref(res);
    res = query("job.user_info", U_ALICE, "{\"user_id\": 1002}");
    ck_assert_str_eq(listed(res), "101");
    json_decref(res);
    res = query("job.info", U_ALICE, "{\"job_ids\": [{\"value\": 101}]}");
    ck_assert_str_eq(listed(res), "101");
    json_decref(res);
}
END_TEST

START_TEST(info_hidden_partition_needs_show_all)
{
    json_t *res;

    submit_ok("{\"partition\": \"secret\"}");
    res = query("job.info", U_BOB, "{\"show_flags\": 0}");
    ck_assert_str_eq(listed(res), "");
    json_decref(res);
    res = query("job.info", U_BOB, "{\"show_flags\": 1}");
    ck_assert_str_eq(listed(res), "100");
    json_decref(res);
    res = query("job.info", U_ROOT, "{\"show_flags\": 0}");
    ck_assert_str_eq(listed(res), "100");
    json_decref(res);
}
END_TEST

START_TEST(info_single_of_an_array_lists_all_its_records)
{
    json_t *res;

    submit_ok("{\"array_inx\": \"1-4\"}");
    ck_assert_int_eq(update_code(U_ALICE, "100_2", "{\"name\": \"two\"}"), 0);
    submit_ok(NULL);
    res = query("job.info_single", U_ALICE, "{\"job_id\": 100}");
    ck_assert_str_eq(listed(res), "100,101");
    json_decref(res);
    res = query("job.info_single", U_ALICE, "{\"job_id\": 555}");
    tu_assert_code(res, ESLURM_INVALID_JOB_ID);
    json_decref(res);
}
END_TEST

/* ---- determinism and persistence ------------------------------------------------- */

/* The durable form of every job, as one string. */
static char *table_text(struct jobs *t)
{
    json_t *all = json_array();
    char *text;

    for (uint32_t id = 1; id < 10000; id++) {
        json_t *saved = jobs_job_save(t, id);

        if (saved)
            json_array_append_new(all, saved);
    }
    json_array_append_new(all, jobs_meta_save(t));
    text = json_dumps(all, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(all);
    return text;
}

static void run_script_of_commands(struct jobs *t)
{
    static const char *const steps[] = {
        "S{}", "S{\"array_inx\": \"1-5%2\"}", "S{\"priority\": 0}", "K100",
        "U101_3{\"name\": \"t3\"}", "U102{\"priority\": 4294967295}", "K101_[4-5]",
        "S{\"partition\": \"big\"}", NULL,
    };
    uint64_t s = 0;

    for (size_t i = 0; steps[i]; i++) {
        json_t *cmd, *res;

        if (steps[i][0] == 'S') {
            cmd = tu_cmd("job.submit", U_ALICE, U_ALICE, T0 + (long long)i, tu_desc(steps[i] + 1),
                         NULL);
        } else if (steps[i][0] == 'K') {
            cmd = tu_cmd("job.kill", U_ALICE, U_ALICE, T0 + (long long)i, tu_kill(steps[i] + 1),
                         NULL);
        } else {
            char id[16];
            const char *brace = strchr(steps[i], '{');

            snprintf(id, sizeof(id), "%.*s", (int)(brace - steps[i] - 1), steps[i] + 1);
            cmd = tu_cmd("job.update", U_ALICE, U_ALICE, T0 + (long long)i,
                         tu_update(id, brace), NULL);
        }
        res = jobs_apply(t, ++s, cmd);
        ck_assert_ptr_nonnull(res);
        json_decref(res);
        json_decref(cmd);
    }
}

START_TEST(same_commands_give_the_same_table)
{
    struct jobs *other = jobs_create(site);
    char *a, *b;

    run_script_of_commands(jobs);
    run_script_of_commands(other);
    a = table_text(jobs);
    b = table_text(other);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    jobs_destroy(other);
}
END_TEST

START_TEST(saved_jobs_load_back_identically)
{
    struct jobs *other = jobs_create(site);
    char *a, *b;

    run_script_of_commands(jobs);
    for (uint32_t id = 1; id < 10000; id++) {
        json_t *saved = jobs_job_save(jobs, id);

        if (saved) {
            ck_assert_int_eq(jobs_job_load(other, saved), 0);
            json_decref(saved);
        }
    }
    {
        json_t *meta = jobs_meta_save(jobs);

        ck_assert_int_eq(jobs_meta_load(other, meta), 0);
        json_decref(meta);
    }
    a = table_text(jobs);
    b = table_text(other);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    jobs_destroy(other);
}
END_TEST

START_TEST(submit_reports_the_script_to_save_apart)
{
    const struct jobs_script *scripts;
    const uint32_t *ids;
    json_t *cmd = tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), NULL);
    json_t *res = jobs_apply(jobs, 1, cmd), *saved;

    ck_assert_uint_eq(jobs_new_scripts(jobs, &scripts), 1);
    ck_assert_str_eq(scripts[0].script, "#!/bin/sh\nsleep 100\n");
    ck_assert_uint_eq(json_array_size(scripts[0].environment), 2);
    ck_assert_uint_eq(jobs_changed(jobs, &ids), 1);
    ck_assert_uint_eq(ids[0], 100);
    /* the job's own form carries neither */
    saved = jobs_job_save(jobs, 100);
    ck_assert_ptr_null(json_object_get(json_object_get(saved, "desc"), "script"));
    ck_assert_ptr_null(json_object_get(json_object_get(saved, "desc"), "environment"));
    json_decref(saved);
    json_decref(res);
    json_decref(cmd);
}
END_TEST

/* ---- constraints: where the job could ever run ------------------------------- */

/* Nodes with temporary disk, a topology and features.  Partition feat holds
 * f1, f2 and g1, in this order (slurmctld reports the last node
 * configuration it filtered out). */
static const char feat_conf[] =
    "NodeName=f[1-2] CPUs=8 Sockets=2 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=16000"
    " TmpDisk=500 Feature=ssd,fast\n"
    "NodeName=g1 CPUs=8 Sockets=2 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=32000"
    " TmpDisk=100 Feature=gpu\n"
    "PartitionName=feat Nodes=f[1-2],g1 MaxTime=INFINITE\n";

static void setup_feat(void)
{
    site = tu_site(feat_conf);
    jobs = jobs_create(site);
    ck_assert_ptr_nonnull(jobs);
    seq = 0;
}

#define NO_NODE_CONFIG "Requested node configuration is not available"

/* Submit as alice to partition feat with overrides (a JSON object's inner
 * text, may be empty); the result (caller decrefs). */
static json_t *submit_feat(const char *fields)
{
    char text[1024];

    snprintf(text, sizeof(text), "{\"partition\": \"feat\"%s%s}", *fields ? ", " : "", fields);
    return submit_as(U_ALICE, T0, text);
}

/* The submission is refused with code and text. */
static void assert_refused(const char *fields, int code, const char *text)
{
    json_t *res = submit_feat(fields);

    ck_assert_msg(tu_code(res) == code, "%s: code %d, expected %d", fields, tu_code(res), code);
    ck_assert_msg(strcmp(tu_str(res, "text"), text) == 0, "%s: text '%s', expected '%s'",
                  fields, tu_str(res, "text"), text);
    json_decref(res);
}

static unsigned feat_ok(const char *fields)
{
    json_t *res = submit_feat(fields);
    unsigned id = tu_job_id(res);

    json_decref(res);
    return id;
}

static bool job_exists(unsigned id)
{
    json_t *ji = jobs_job_info(jobs, id, 0, (double)(T0 + 30));
    bool exists = ji != NULL;

    json_decref(ji);
    return exists;
}

/* job id was refused by placement: slurmctld keeps it as a FAILED record */
static void assert_failed_record(unsigned id)
{
    ck_assert_int_eq(info_int(id, "job_state"), JOB_FAILED);
    ck_assert_int_eq(info_int(id, "state_reason"), FAIL_BAD_CONSTRAINTS);
    ck_assert_int_eq(info_int(id, "exit_code"), 1);
}

START_TEST(tmp_disk_above_every_node_fails_the_job)
{
    assert_refused("\"pn_min_tmp_disk\": 501", ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   "Temporary disk specification can not be satisfied");
    assert_failed_record(100);
    ck_assert_uint_eq(jobs_active_count(jobs), 0);
    ck_assert_uint_eq(feat_ok("\"pn_min_tmp_disk\": 500"), 101);
    /* batch's nodes have no TmpDisk= at all: any --tmp is too much */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"pn_min_tmp_disk\": 1}"),
                     ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
}
END_TEST

START_TEST(cpus_per_node_above_every_node_fails_the_job)
{
    assert_refused("\"cpus_per_task\": 9", ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   "CPU count per node can not be satisfied");
    /* --ntasks-per-node times --cpus-per-task is what one node must give */
    assert_refused("\"num_tasks\": 6, \"min_cpus\": 6, \"ntasks_per_node\": 3,"
                   " \"cpus_per_task\": 3",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   "CPU count per node can not be satisfied");
    feat_ok("\"cpus_per_task\": 8");
}
END_TEST

START_TEST(socket_core_thread_request_above_every_node_fails_the_job)
{
    const char *why = "Socket, core and/or thread specification can not be satisfied";

    assert_refused("\"sockets_per_node\": 3", ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE, why);
    assert_refused("\"cores_per_socket\": 5", ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE, why);
    assert_refused("\"threads_per_core\": 2", ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE, why);
    feat_ok("\"sockets_per_node\": 2, \"cores_per_socket\": 4, \"threads_per_core\": 1");
}
END_TEST

START_TEST(a_node_says_cpus_then_memory_then_disk_and_the_last_node_wins)
{
    /* one node failing several ways reports the first of CPU, memory, disk */
    assert_refused("\"cpus_per_task\": 9, \"pn_min_memory\": 40000",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   "CPU count per node can not be satisfied");
    assert_refused("\"pn_min_memory\": 40000, \"pn_min_tmp_disk\": 600",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   "Memory specification can not be satisfied");
    /* f1, f2 lack the memory, g1 (the last) the disk */
    assert_refused("\"pn_min_memory\": 20000, \"pn_min_tmp_disk\": 200",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   "Temporary disk specification can not be satisfied");
}
END_TEST

START_TEST(memory_per_cpu_is_filtered_per_cpu_then_tried_without_a_reason)
{
    json_t *res;

    /* 33000 MB for one CPU: no node has it, and slurmctld says so */
    assert_refused("\"pn_min_memory\": \"9223372036854808808\"",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   "Memory specification can not be satisfied");
    /* 12000 MB per CPU and 3 CPUs per task: every node passes the filter
     * (one CPU's worth fits), but none can hold a task: refused, no reason */
    res = submit_feat("\"pn_min_memory\": \"9223372036854787808\", \"cpus_per_task\": 3");
    tu_assert_code(res, ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
    ck_assert_str_eq(tu_str(res, "text"), NO_NODE_CONFIG);
    json_decref(res);
    /* 9000 MB per CPU: f1 and f2 hold one CPU each, g1 three; five in all */
    feat_ok("\"pn_min_memory\": \"9223372036854784808\", \"min_cpus\": 5, \"num_tasks\": 5");
    assert_refused("\"pn_min_memory\": \"9223372036854784808\", \"min_cpus\": 6,"
                   " \"num_tasks\": 6",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE, NO_NODE_CONFIG);
}
END_TEST

START_TEST(node_and_cpu_counts_must_fit_the_usable_nodes)
{
    /* 8-CPU nodes: 9 CPUs need two of them */
    assert_refused("\"min_cpus\": 9, \"num_tasks\": 9, \"min_nodes\": 1, \"max_nodes\": 1",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE, NO_NODE_CONFIG);
    feat_ok("\"min_cpus\": 9, \"num_tasks\": 9, \"min_nodes\": 1, \"max_nodes\": 2");
    /* only g1 has 20000 MB */
    assert_refused("\"pn_min_memory\": 20000, \"min_nodes\": 2",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE, NO_NODE_CONFIG);
}
END_TEST

START_TEST(unknown_feature_is_refused_after_the_id_is_spent)
{
    char *features;
    unsigned id;

    assert_refused("\"features\": \"nosuch\"", ESLURM_INVALID_FEATURE,
                   "Invalid feature specification");
    /* one unknown member spoils an | too */
    assert_refused("\"features\": \"ssd|nosuch\"", ESLURM_INVALID_FEATURE,
                   "Invalid feature specification");
    /* as _job_create: no record, but ids 100 and 101 are spent */
    ck_assert(!job_exists(100));
    ck_assert(!job_exists(101));
    id = feat_ok("\"features\": \"ssd,fast\"");
    ck_assert_uint_eq(id, 102);
    /* ',' is kept as '&', as slurmctld rewrites it */
    features = info_str(id, "features");
    ck_assert_str_eq(features, "ssd&fast");
    free(features);
}
END_TEST

START_TEST(feature_syntax_follows_build_feature_list)
{
    static const char *const bad[] = {"&ssd", "ssd)", "(ssd", "ssd]", "[ssd",
                                      "[ssd][gpu]", "ssd*0", "(ssd*2)", "[ssd&gpu]",
                                      "[ssd*1|gpu]", "ssd*", NULL};
    static const char *const good[] = {"ssd&", "(ssd|gpu)&fast", "[ssd|gpu]", "[ssd*1&gpu*1]",
                                       "ssd*2", "(ssd)", NULL};

    for (size_t i = 0; bad[i]; i++)
        assert_refused(tu_fmt("\"features\": \"%s\"", bad[i]), ESLURM_INVALID_FEATURE,
                       "Invalid feature specification");
    for (size_t i = 0; good[i]; i++) {
        json_t *res = submit_feat(tu_fmt("\"features\": \"%s\"", good[i]));

        ck_assert_msg(tu_code(res) == 0, "%s refused: %d", good[i], tu_code(res));
        json_decref(res);
    }
}
END_TEST

START_TEST(prefer_is_checked_as_a_constraint_with_its_own_code)
{
    assert_refused("\"prefer\": \"nosuch\"", ESLURM_INVALID_PREFER,
                   "Invalid preferred feature specification");
    /* unbalanced ( and ] are the option's own error, other syntax is not */
    assert_refused("\"prefer\": \"(ssd\"", ESLURM_INVALID_PREFER,
                   "Invalid preferred feature specification");
    assert_refused("\"prefer\": \"ssd]\"", ESLURM_INVALID_PREFER,
                   "Invalid preferred feature specification");
    assert_refused("\"prefer\": \"ssd)\"", ESLURM_INVALID_FEATURE,
                   "Invalid feature specification");
    feat_ok("\"prefer\": \"gpu\"");
    /* placement uses the preference: no node of batch has gpu */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"prefer\": \"gpu\"}"),
                     ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
}
END_TEST

START_TEST(batch_features_must_be_among_the_constraints)
{
    const char *why = "Job --batch option is invalid or not a subset of --constraints";

    assert_refused("\"batch_features\": \"ssd\"", ESLURM_BATCH_CONSTRAINT, why);
    assert_refused("\"batch_features\": \"gpu\", \"features\": \"ssd\"",
                   ESLURM_BATCH_CONSTRAINT, why);
    feat_ok("\"batch_features\": \"ssd\", \"features\": \"ssd&fast\"");
}
END_TEST

START_TEST(constraint_no_node_of_the_partition_meets_fails_the_job)
{
    unsigned id;

    /* gpu exists (g1) but not in batch: placement refuses, without reason */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"features\": \"gpu\"}"),
                     ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
    assert_failed_record(100);
    /* features narrow the nodes the other requests are judged on */
    assert_refused("\"features\": \"ssd\", \"pn_min_memory\": 20000",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   "Memory specification can not be satisfied");
    id = feat_ok("\"features\": \"gpu\", \"pn_min_memory\": 20000");
    ck_assert_int_eq(info_int(id, "job_state"), JOB_PENDING);
    /* counted features are judged on the whole set */
    feat_ok("\"features\": \"ssd*2\"");
    assert_refused("\"features\": \"ssd*3\"", ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   NO_NODE_CONFIG);
    feat_ok("\"features\": \"gpu*1\", \"min_nodes\": 3");
    /* a node serves a [...] set with one of its members: batch's have none */
    feat_ok("\"features\": \"[ssd|gpu]\"");
    ck_assert_int_eq(submit_code(U_ALICE, "{\"features\": \"[ssd|gpu]\"}"),
                     ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
}
END_TEST

START_TEST(required_nodes_outside_the_partition_fail_the_job)
{
    /* without EnforcePartLimits the partition check lets it through and
     * placement refuses it, keeping a FAILED record */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"req_nodes\": \"big1\"}"),
                     ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
    assert_failed_record(100);
    /* required nodes a filter removed */
    assert_refused("\"req_nodes\": \"f1\", \"features\": \"gpu\"",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE, NO_NODE_CONFIG);
    assert_refused("\"req_nodes\": \"g1\", \"pn_min_tmp_disk\": 200",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE, NO_NODE_CONFIG);
    assert_refused("\"req_nodes\": \"f1\", \"pn_min_tmp_disk\": 600",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   "Temporary disk specification can not be satisfied");
}
END_TEST

START_TEST(required_nodes_set_the_node_count)
{
    unsigned id;

    ck_assert_int_eq(submit_code(U_ALICE, "{\"req_nodes\": \"n[1-2]\", \"min_nodes\": 1,"
                                          " \"max_nodes\": 1}"),
                     ESLURM_INVALID_NODE_COUNT);
    id = submit_ok("{\"req_nodes\": \"n[1-2]\", \"min_nodes\": 1}");
    ck_assert_int_eq(info_int(id, "num_nodes"), 2);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"req_nodes\": \"n[1-\"}"),
                     ESLURM_INVALID_NODE_NAME);
    /* more nodes than listed: accepted, the others are the scheduler's pick */
    id = submit_ok("{\"req_nodes\": \"n1\", \"min_nodes\": 2}");
    ck_assert_int_eq(info_int(id, "num_nodes"), 2);
}
END_TEST

START_TEST(excluded_nodes_must_exist_and_not_be_required)
{
    unsigned id;

    ck_assert_int_eq(submit_code(U_ALICE, "{\"exc_nodes\": \"n9\"}"), ESLURM_INVALID_NODE_NAME);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"exc_nodes\": \"n1\", \"req_nodes\": \"n[1-2]\"}"),
                     ESLURM_INVALID_NODE_NAME);
    /* refused before the record exists: no id was spent */
    id = submit_ok("{\"exc_nodes\": \"n1\"}");
    ck_assert_uint_eq(id, 100);
    /* excluding every node of the partition, or too many of them */
    ck_assert_int_eq(submit_code(U_ALICE, "{\"exc_nodes\": \"n[1-2]\"}"),
                     ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
    ck_assert_int_eq(submit_code(U_ALICE, "{\"exc_nodes\": \"n1\", \"min_nodes\": 2}"),
                     ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
    submit_ok("{\"exc_nodes\": \"n1\", \"req_nodes\": \"n2\"}");
}
END_TEST

START_TEST(precedence_node_names_before_features_before_placement)
{
    /* validate_job_create_req: the required list is read first */
    assert_refused("\"req_nodes\": \"nosuch\", \"features\": \"nosuch\"",
                   ESLURM_INVALID_NODE_NAME, "Invalid node name specified");
    /* _job_create: excluded nodes before the record, features after it */
    assert_refused("\"exc_nodes\": \"nosuch\", \"features\": \"nosuch\"",
                   ESLURM_INVALID_NODE_NAME, "Invalid node name specified");
    ck_assert_uint_eq(feat_ok(""), 100);
    /* features before placement: no FAILED record, but the id is spent */
    assert_refused("\"features\": \"nosuch\", \"pn_min_tmp_disk\": 100000",
                   ESLURM_INVALID_FEATURE, "Invalid feature specification");
    ck_assert(!job_exists(101));
    assert_refused("\"req_nodes\": \"big1\", \"features\": \"nosuch\"",
                   ESLURM_INVALID_FEATURE, "Invalid feature specification");
}
END_TEST

START_TEST(precedence_partition_before_node_lists)
{
    json_t *res = submit_as(U_ALICE, T0, "{\"partition\": \"nope\", \"exc_nodes\": \"nosuch\","
                                         " \"features\": \"nosuch\"}");

    tu_assert_code(res, ESLURM_INVALID_PARTITION_NAME);
    json_decref(res);
}
END_TEST

START_TEST(precedence_dependency_then_features_then_environment)
{
    assert_refused("\"dependency\": \"bogus\", \"features\": \"nosuch\"", ESLURM_DEPENDENCY,
                   "Job dependency problem");
    assert_refused("\"features\": \"nosuch\", \"environment\": []", ESLURM_INVALID_FEATURE,
                   "Invalid feature specification");
}
END_TEST

START_TEST(jobs_slurmctld_does_not_place_are_not_refused)
{
    unsigned id;

    /* held: select_nodes is not tried */
    id = feat_ok("\"priority\": 0, \"pn_min_tmp_disk\": 100000");
    ck_assert_int_eq(info_int(id, "state_reason"), WAIT_HELD_USER);
    /* outside the partition's limits: it waits for them instead */
    id = feat_ok("\"min_nodes\": 4, \"pn_min_tmp_disk\": 100000");
    ck_assert_int_eq(info_int(id, "state_reason"), WAIT_PART_NODE_LIMIT);
    /* but a dependency, a begin time or a DOWN partition do not spare it */
    assert_refused("\"dependency\": \"afterok:100\", \"pn_min_tmp_disk\": 100000",
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   "Temporary disk specification can not be satisfied");
    assert_refused(tu_fmt("\"begin_time\": %lld, \"pn_min_tmp_disk\": 100000", T0 + 3600),
                   ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE,
                   "Temporary disk specification can not be satisfied");
    ck_assert_int_eq(submit_code(U_ALICE, "{\"partition\": \"down\", \"pn_min_tmp_disk\": 1}"),
                     ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE);
}
END_TEST

static Suite *jobs_suite(void)
{
    Suite *s = suite_create("jobstore_jobs");
    TCase *tc;

    tc = tcase_create("submit");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, submit_numbers_jobs_from_first_job_id);
    tcase_add_test(tc, submit_without_partition_uses_the_default_and_its_default_time);
    tcase_add_test(tc, submit_priorities_decrease_from_top_as_priority_basic);
    tcase_add_test(tc, submit_user_is_the_credential_unless_admin);
    tcase_add_test(tc, submit_alloc_node_comes_from_the_credential);
    tcase_add_test(tc, submit_partition_errors);
    tcase_add_test(tc, submit_without_any_default_partition);
    tcase_add_test(tc, submit_to_a_down_partition_waits);
    tcase_add_test(tc, submit_time_limit_checks);
    tcase_add_test(tc, submit_time_limit_enforced);
    tcase_add_test(tc, submit_node_count_checks);
    tcase_add_test(tc, submit_memory_must_fit_some_node);
    tcase_add_test(tc, submit_script_and_environment_checks);
    tcase_add_test(tc, submit_user_restrictions);
    tcase_add_test(tc, submit_hold_begin_and_dependency_reasons);
    tcase_add_test(tc, submit_max_job_count);
    tcase_add_test(tc, submit_reports_the_script_to_save_apart);
    suite_add_tcase(s, tc);

    tc = tcase_create("constraints");
    tcase_add_checked_fixture(tc, setup_feat, teardown);
    tcase_add_test(tc, tmp_disk_above_every_node_fails_the_job);
    tcase_add_test(tc, cpus_per_node_above_every_node_fails_the_job);
    tcase_add_test(tc, socket_core_thread_request_above_every_node_fails_the_job);
    tcase_add_test(tc, a_node_says_cpus_then_memory_then_disk_and_the_last_node_wins);
    tcase_add_test(tc, memory_per_cpu_is_filtered_per_cpu_then_tried_without_a_reason);
    tcase_add_test(tc, node_and_cpu_counts_must_fit_the_usable_nodes);
    tcase_add_test(tc, unknown_feature_is_refused_after_the_id_is_spent);
    tcase_add_test(tc, feature_syntax_follows_build_feature_list);
    tcase_add_test(tc, prefer_is_checked_as_a_constraint_with_its_own_code);
    tcase_add_test(tc, batch_features_must_be_among_the_constraints);
    tcase_add_test(tc, constraint_no_node_of_the_partition_meets_fails_the_job);
    tcase_add_test(tc, required_nodes_outside_the_partition_fail_the_job);
    tcase_add_test(tc, required_nodes_set_the_node_count);
    tcase_add_test(tc, excluded_nodes_must_exist_and_not_be_required);
    tcase_add_test(tc, precedence_node_names_before_features_before_placement);
    tcase_add_test(tc, precedence_partition_before_node_lists);
    tcase_add_test(tc, precedence_dependency_then_features_then_environment);
    tcase_add_test(tc, jobs_slurmctld_does_not_place_are_not_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("arrays");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, array_spec_parsing);
    tcase_add_test(tc, array_submit_is_one_pending_record);
    tcase_add_test(tc, array_tasks_are_cancelled_out_of_the_meta_record);
    tcase_add_test(tc, array_whole_cancel);
    tcase_add_test(tc, array_throttle_update);
    tcase_add_test(tc, array_task_update_splits_it_out);
    suite_add_tcase(s, tc);

    tc = tcase_create("kill_update");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, kill_permissions_and_states);
    tcase_add_test(tc, kill_other_signal_to_pending_job);
    tcase_add_test(tc, kill_keeps_the_last_reason);
    tcase_add_test(tc, update_hold_and_release);
    tcase_add_test(tc, update_priority_rules);
    tcase_add_test(tc, update_time_limit_rules);
    tcase_add_test(tc, update_partition_and_name);
    tcase_add_test(tc, update_refusals);
    suite_add_tcase(s, tc);

    tc = tcase_create("queries");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, info_record_of_a_pending_job);
    tcase_add_test(tc, info_last_update_gives_no_change);
    tcase_add_test(tc, info_private_data_hides_other_users_jobs);
    tcase_add_test(tc, info_without_private_data_shows_all);
    tcase_add_test(tc, info_hidden_partition_needs_show_all);
    tcase_add_test(tc, info_single_of_an_array_lists_all_its_records);
    suite_add_tcase(s, tc);

    tc = tcase_create("determinism");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, same_commands_give_the_same_table);
    tcase_add_test(tc, saved_jobs_load_back_identically);
    tcase_add_test(tc, job_list_pages_go_by_change_and_never_split_one_command);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jobs_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
