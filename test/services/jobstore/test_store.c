/*
 * test_store.c - the job store's durable state machine (services/jobstore/
 * store.c): what is committed survives a reopen, the log replays into the
 * same state, a repeated req_id is applied once, job ids are never reused,
 * a batch is one transaction, and a batch that cannot commit leaves nothing;
 * and the node manager's node.state_set / node state rows (docs/nodemgr.md).
 */
#include <check.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "services/jobstore/store.h"
#include "test/services/jobstore/testutil.h"

static struct site *site;
static char dir[64];
static char path[128];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/flurm-store-test.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/jobstore.db", dir);
    site = tu_site(NULL);
}

static void teardown(void)
{
    char cmd[256];

    site_destroy(site);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static struct store *open_store(void)
{
    char err[256] = "";
    struct store *st = store_open(path, site, err, sizeof(err));

    ck_assert_msg(st != NULL, "store_open: %s", err);
    return st;
}

/* Apply one command (taken); its result (caller decrefs). */
static json_t *apply1(struct store *st, json_t *cmd)
{
    json_t *res = NULL;

    ck_assert_int_eq(store_apply(st, &cmd, 1, &res), 0);
    json_decref(cmd);
    return res;
}

static unsigned submit(struct store *st, const char *req_id, const char *overrides)
{
    json_t *res = apply1(st, tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(overrides),
                                    req_id));
    unsigned id = tu_job_id(res);

    json_decref(res);
    return id;
}

static char *dump_text(struct store *st)
{
    json_t *d = store_dump(st);
    char *text;

    ck_assert_ptr_nonnull(d);
    text = json_dumps(d, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(d);
    return text;
}

static long long log_entries(struct store *st);

/* node.state_set as the service logs it: the node manager's record as msg,
 * no auth (a FLURM service).  reason NULL is JSON null. */
static json_t *node_cmd(const char *name, const char *state, const char *reason,
                        long long reason_uid, long long reason_time, const char *req_id)
{
    json_t *c = json_pack("{s:s, s:s?, s:I, s:{s:s, s:s, s:s?, s:I, s:I}}", "type",
                          "node.state_set", "req_id", req_id, "time", (json_int_t)T0, "msg",
                          "name", name, "state", state, "reason", reason, "reason_uid",
                          (json_int_t)reason_uid, "reason_time", (json_int_t)reason_time);

    ck_assert_ptr_nonnull(c);
    return c;
}

/* Apply a node.state_set (taken) and check that it was accepted. */
static void node_set(struct store *st, json_t *cmd)
{
    json_t *res = apply1(st, cmd);

    tu_assert_code(res, 0);
    ck_assert(json_is_object(json_object_get(res, "body")));
    ck_assert_uint_eq(json_object_size(json_object_get(res, "body")), 0);
    json_decref(res);
}

/* store_node_states() as compact sorted JSON text (caller frees). */
static char *nodes_text(struct store *st)
{
    json_t *nodes = store_node_states(st);
    char *text;

    ck_assert_ptr_nonnull(nodes);
    text = json_dumps(nodes, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(nodes);
    ck_assert_ptr_nonnull(text);
    return text;
}

START_TEST(new_database_is_wal_with_schema_version)
{
    struct store *st = open_store();
    sqlite3 *db;
    sqlite3_stmt *s;

    store_close(st);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_version'",
                                        -1, &s, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(s, 0), STORE_SCHEMA_VERSION);
    sqlite3_finalize(s);
    sqlite3_close(db);
}
END_TEST

START_TEST(another_schema_version_is_refused)
{
    struct store *st = open_store();
    char err[256] = "";
    sqlite3 *db;

    store_close(st);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "UPDATE meta SET value=99 WHERE key='schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    errno = 0;
    ck_assert_ptr_null(store_open(path, site, err, sizeof(err)));
    ck_assert_int_eq(errno, EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "schema version 99"));
}
END_TEST

START_TEST(committed_state_survives_reopen)
{
    struct store *st = open_store();
    unsigned a, b, c;
    char *before, *after, *script = NULL;
    json_t *ji_before, *ji_after, *env = NULL;

    a = submit(st, "r1", "{\"name\": \"first\"}");
    b = submit(st, "r2", "{\"array_inx\": \"1-3\", \"partition\": \"big\"}");
    c = submit(st, "r3", "{\"priority\": 0}");
    json_decref(apply1(st, tu_cmd("job.kill", U_ALICE, U_ALICE, T0 + 1, tu_kill("100"), "r4")));
    json_decref(apply1(st, tu_cmd("job.update", U_ALICE, U_ALICE, T0 + 2,
                                  tu_update("101_2", "{\"name\": \"two\"}"), "r5")));
    before = dump_text(st);
    ji_before = jobs_job_info(store_jobs(st), b, 0, (double)T0);
    store_close(st);

    st = open_store();
    after = dump_text(st);
    ck_assert_str_eq(before, after);
    ji_after = jobs_job_info(store_jobs(st), b, 0, (double)T0);
    ck_assert(json_equal(ji_before, ji_after));
    ck_assert_int_eq(jobs_job_state(store_jobs(st), a, &(uint32_t){0}), 0);
    ck_assert_uint_eq(store_last_seq(st), 5);
    ck_assert_int_eq(store_job_script(st, c, &script, &env), 0);
    ck_assert_str_eq(script, "#!/bin/sh\nsleep 100\n");
    ck_assert_str_eq(json_string_value(json_array_get(env, 0)), "HOME=/home/u");
    free(script);
    json_decref(env);
    /* the split task (103) has no script of its own: it runs the array's */
    ck_assert_int_eq(store_job_script(st, 103, &script, &env), -1);
    ck_assert_int_eq(errno, ENOENT);
    free(before);
    free(after);
    json_decref(ji_before);
    json_decref(ji_after);
    store_close(st);
}
END_TEST

struct replay {
    struct store *into;
    int mismatches;
};

static int replay_entry(uint64_t seq, const json_t *cmd, const json_t *result, void *arg)
{
    struct replay *r = arg;
    json_t *copy = json_deep_copy(cmd), *res = NULL;

    ck_assert_int_eq(store_apply(r->into, &copy, 1, &res), 0);
    ck_assert_uint_eq(store_last_seq(r->into), seq);
    if (!json_equal(res, (json_t *)result))
        r->mismatches++;
    json_decref(res);
    json_decref(copy);
    return 0;
}

START_TEST(the_log_replays_into_the_same_state)
{
    struct store *st = open_store(), *other;
    struct replay r = {0};
    char other_path[160], err[256], *a, *b;

    submit(st, "r1", NULL);
    submit(st, "r2", "{\"array_inx\": \"1-5%2\"}");
    json_decref(apply1(st, tu_cmd("job.update", U_ALICE, U_ALICE, T0 + 3,
                                  tu_update("101_[2-3]", "{\"priority\": 0}"), "r3")));
    json_decref(apply1(st, tu_cmd("job.kill", U_BOB, U_BOB, T0 + 4, tu_kill("100"), "r4")));
    json_decref(apply1(st, tu_cmd("job.kill", U_ALICE, U_ALICE, T0 + 5, tu_kill("101_5"), "r5")));
    /* a refused command is a logged result too */
    json_decref(apply1(st, tu_cmd("job.submit", U_ALICE, U_ALICE, T0 + 6,
                                  tu_desc("{\"partition\": \"nope\"}"), "r6")));
    /* node commands share the log */
    node_set(st, node_cmd("n1", "IDLE+DRAIN", "bad dimm", 0, T0, "nodes.1.1"));
    node_set(st, node_cmd("n2", "DOWN", "dead", 0, T0, "nodes.1.2"));
    node_set(st, node_cmd("n1", "IDLE", NULL, 4294967294LL, 0, "nodes.1.3"));

    snprintf(other_path, sizeof(other_path), "%s/replica.db", dir);
    other = store_open(other_path, site, err, sizeof(err));
    ck_assert_msg(other != NULL, "%s", err);
    r.into = other;
    ck_assert_int_eq(store_log_foreach(st, 0, replay_entry, &r), 0);
    ck_assert_int_eq(r.mismatches, 0);
    a = dump_text(st);
    b = dump_text(other);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    store_close(other);
    store_close(st);
}
END_TEST

START_TEST(a_repeated_req_id_is_applied_once)
{
    struct store *st = open_store();
    json_t *cmds[3], *res[3] = {NULL};
    json_t *again, *again_res = NULL;

    /* twice in one batch, and a different request after them */
    cmds[0] = tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), "gw.1.1");
    cmds[1] = tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), "gw.1.1");
    cmds[2] = tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), "gw.1.2");
    ck_assert_int_eq(store_apply(st, cmds, 3, res), 0);
    ck_assert_uint_eq(tu_job_id(res[0]), 100);
    ck_assert(json_equal(res[0], res[1]));
    ck_assert_uint_eq(tu_job_id(res[2]), 101);
    ck_assert_uint_eq(jobs_count(store_jobs(st)), 2);
    ck_assert_int_eq(log_entries(st), 2);
    /* in a later batch, and after a restart, the answer is the same */
    store_close(st);
    st = open_store();
    again = json_deep_copy(cmds[0]);
    ck_assert_int_eq(store_apply(st, &again, 1, &again_res), 0);
    ck_assert(json_equal(res[0], again_res));
    ck_assert_uint_eq(jobs_count(store_jobs(st)), 2);
    json_decref(again);
    json_decref(again_res);
    /* a refused command is answered the same way again too */
    again = tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc("{\"partition\": \"x\"}"), "bad");
    ck_assert_int_eq(store_apply(st, &again, 1, &again_res), 0);
    tu_assert_code(again_res, ESLURM_INVALID_PARTITION_NAME);
    json_decref(again_res);
    ck_assert_int_eq(store_apply(st, &again, 1, &again_res), 0);
    tu_assert_code(again_res, ESLURM_INVALID_PARTITION_NAME);
    ck_assert_int_eq(log_entries(st), 3);
    json_decref(again);
    json_decref(again_res);
    for (int i = 0; i < 3; i++) {
        json_decref(cmds[i]);
        json_decref(res[i]);
    }
    store_close(st);
}
END_TEST

static int count_entry(uint64_t seq, const json_t *cmd, const json_t *result, void *arg)
{
    (void)seq;
    (void)cmd;
    (void)result;
    (*(long long *)arg)++;
    return 0;
}

static long long log_entries(struct store *st)
{
    long long n = 0;

    ck_assert_int_eq(store_log_foreach(st, 0, count_entry, &n), 0);
    return n;
}

START_TEST(job_ids_are_never_reused_after_restart)
{
    struct store *st = open_store();

    ck_assert_uint_eq(submit(st, "a", NULL), 100);
    ck_assert_uint_eq(submit(st, "b", NULL), 101);
    json_decref(apply1(st, tu_cmd("job.kill", U_ALICE, U_ALICE, T0, tu_kill("101"), "c")));
    store_close(st);
    st = open_store();
    ck_assert_uint_eq(submit(st, "d", NULL), 102);
    store_close(st);
}
END_TEST

START_TEST(job_ids_wrap_but_skip_every_kept_record)
{
    struct store *st;
    json_t *res;

    site_destroy(site);
    site = tu_site("MaxJobId=102\n");
    st = open_store();
    ck_assert_uint_eq(submit(st, "a", NULL), 100);
    ck_assert_uint_eq(submit(st, "b", NULL), 101);
    ck_assert_uint_eq(submit(st, "c", NULL), 102);
    /* every id up to MaxJobId is held by a record: no id is handed out twice */
    res = apply1(st, tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), "d"));
    tu_assert_code(res, EAGAIN);
    json_decref(res);
    store_close(st);
}
END_TEST

START_TEST(a_batch_is_one_transaction)
{
    struct store *st = open_store();
    enum { N = 200 };
    json_t *cmds[N], *res[N];
    unsigned long commits = store_commits(st);
    const struct store_change *ch;

    for (int i = 0; i < N; i++) {
        char req[32];

        snprintf(req, sizeof(req), "gw.7.%d", i);
        cmds[i] = tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), req);
    }
    /* MaxJobCount=50 refuses part of them: refusals are results too */
    ck_assert_int_eq(store_apply(st, cmds, N, res), 0);
    ck_assert_uint_eq(store_commits(st), commits + 1);
    ck_assert_int_eq(log_entries(st), N);
    ck_assert_uint_eq(store_last_seq(st), N);
    ck_assert_uint_eq(store_changes(st, &ch), 49);
    ck_assert_uint_eq(ch[0].job_id, 100);
    ck_assert_uint_eq(ch[0].seq, 1);
    ck_assert_uint_eq(ch[0].state, JOB_PENDING);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(tu_code(res[i]), i < 49 ? 0 : EAGAIN);
        json_decref(cmds[i]);
        json_decref(res[i]);
    }
    store_close(st);
}
END_TEST

START_TEST(a_batch_that_cannot_commit_leaves_nothing)
{
    struct store *st = open_store();
    json_t *cmd, *res = NULL;
    sqlite3 *other;
    char *before, *after;

    submit(st, "a", NULL);
    before = dump_text(st);
    store_set_busy_timeout(st, 0);
    /* another writer holds the database: the batch cannot be made durable */
    ck_assert_int_eq(sqlite3_open(path, &other), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
    cmd = tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), "b");
    ck_assert_int_eq(store_apply(st, &cmd, 1, &res), -1);
    ck_assert_ptr_null(res);
    ck_assert(store_broken(st));
    /* a broken store takes no more work, even once the lock is gone */
    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(other);
    ck_assert_int_eq(store_apply(st, &cmd, 1, &res), -1);
    ck_assert_int_eq(errno, EIO);
    store_close(st);
    /* reopening gives the last committed state */
    st = open_store();
    after = dump_text(st);
    ck_assert_str_eq(before, after);
    res = apply1(st, cmd);
    ck_assert_uint_eq(tu_job_id(res), 101);
    json_decref(res);
    free(before);
    free(after);
    store_close(st);
}
END_TEST

START_TEST(staged_but_uncommitted_work_is_lost)
{
    struct store *st = open_store();
    json_t *cmd = tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), "a"), *res = NULL;

    /* this is why the service answers only after store_commit(): a crash
     * (here: close) between the two loses an answered request */
    ck_assert_int_eq(store_stage(st, &cmd, 1, &res), 0);
    ck_assert_uint_eq(tu_job_id(res), 100);
    json_decref(res);
    store_close(st);
    st = open_store();
    ck_assert_uint_eq(jobs_count(store_jobs(st)), 0);
    ck_assert_uint_eq(store_last_seq(st), 0);
    json_decref(cmd);
    store_close(st);
}
END_TEST

START_TEST(two_instances_on_one_database_stay_consistent)
{
    struct store *old = open_store(), *young = open_store();

    /* during a reload the old instance still commits what it had taken */
    ck_assert_uint_eq(submit(old, "o1", NULL), 100);
    ck_assert_int_eq(store_refresh(young), 0);
    ck_assert_uint_eq(jobs_count(store_jobs(young)), 1);
    /* the new instance continues the numbering, and a request the old one
     * committed is recognised when the client re-sends it */
    ck_assert_uint_eq(submit(young, "y1", NULL), 101);
    ck_assert_uint_eq(submit(young, "o1", NULL), 100);
    ck_assert_uint_eq(submit(old, "o2", NULL), 102);
    ck_assert_uint_eq(jobs_count(store_jobs(old)), 3);
    store_close(old);
    store_close(young);
}
END_TEST

/* A store holding one job whose row `damage` (SQL) then changes does not
 * open again: EPROTO, naming the job. */
static void ck_damage_refused(const char *damage)
{
    struct store *st = open_store();
    char err[256] = "";
    sqlite3 *db;

    submit(st, "a", NULL);
    store_close(st);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, damage, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    ck_assert_ptr_null(store_open(path, site, err, sizeof(err)));
    ck_assert_int_eq(errno, EPROTO);
    ck_assert_ptr_nonnull(strstr(err, "job 100"));
}

START_TEST(damaged_rows_are_refused)
{
    ck_damage_refused("UPDATE jobs SET data='{not json'");
}
END_TEST

START_TEST(a_damaged_request_column_is_refused)
{
    /* the saved request cut short */
    ck_damage_refused("UPDATE jobs SET desc=substr(desc, 1, length(desc) - 9)");
}
END_TEST

/* What a jobs row holds: its data (JSON) and whether its desc column is
 * NULL. */
static json_t *row_data(unsigned id, int *desc_is_null)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    json_t *data;

    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT data, desc IS NULL FROM jobs WHERE job_id=?1",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int(s, 1, (int)id);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    data = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
    *desc_is_null = sqlite3_column_int(s, 1);
    sqlite3_finalize(s);
    sqlite3_close(db);
    ck_assert_ptr_nonnull(data);
    return data;
}

START_TEST(the_request_is_kept_in_its_own_column)
{
    struct store *st = open_store();
    unsigned id = submit(st, "a", "{\"name\": \"kept\"}");
    int desc_is_null;
    json_t *data;

    store_close(st);
    data = row_data(id, &desc_is_null);
    ck_assert_int_eq(desc_is_null, 0);
    ck_assert_ptr_null(json_object_get(data, "desc"));
    ck_assert_ptr_nonnull(json_object_get(data, "state"));
    json_decref(data);
}
END_TEST

START_TEST(a_schema_1_database_is_migrated_and_keeps_every_job)
{
    struct store *st = open_store();
    unsigned a, b;
    char *before, *after;
    json_t *ji_before, *ji_after, *data;
    sqlite3 *db;
    sqlite3_stmt *put;
    int desc_is_null;

    a = submit(st, "r1", "{\"name\": \"first\"}");
    b = submit(st, "r2", "{\"array_inx\": \"1-3\", \"partition\": \"big\"}");
    before = dump_text(st);
    ji_before = jobs_job_info(store_jobs(st), a, 0, (double)T0);
    /* Turn the file into what schema 1 wrote: the request inside data, no
     * desc column. */
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "UPDATE jobs SET data=?2 WHERE job_id=?1", -1, &put,
                                        NULL),
                     SQLITE_OK);
    for (unsigned id = 100; id <= b; id++) {
        json_t *v1 = jobs_job_save(store_jobs(st), id);
        char *text = json_dumps(v1, JSON_COMPACT);

        ck_assert_ptr_nonnull(text);
        sqlite3_bind_int(put, 1, (int)id);
        sqlite3_bind_text(put, 2, text, -1, SQLITE_TRANSIENT);
        ck_assert_int_eq(sqlite3_step(put), SQLITE_DONE);
        sqlite3_reset(put);
        free(text);
        json_decref(v1);
    }
    sqlite3_finalize(put);
    store_close(st);
    ck_assert_int_eq(sqlite3_exec(db,
                                  "ALTER TABLE jobs DROP COLUMN desc;"
                                  "UPDATE meta SET value=1 WHERE key='schema_version'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    st = open_store();
    after = dump_text(st);
    ck_assert_str_eq(before, after);
    ji_after = jobs_job_info(store_jobs(st), a, 0, (double)T0);
    ck_assert(json_equal(ji_before, ji_after));
    store_close(st);
    /* every row was rewritten in the new form, holding the same state */
    for (unsigned id = 100; id <= b; id++) {
        data = row_data(id, &desc_is_null);
        ck_assert_int_eq(desc_is_null, 0);
        ck_assert_ptr_null(json_object_get(data, "desc"));
        json_decref(data);
    }
    st = open_store();
    free(after);
    after = dump_text(st);
    ck_assert_str_eq(before, after);
    store_close(st);
    free(before);
    free(after);
    json_decref(ji_before);
    json_decref(ji_after);
}
END_TEST

START_TEST(node_state_set_keeps_the_last_write_of_each_node_and_list_answers_every_row)
{
    struct store *st = open_store();
    char *text;

    text = nodes_text(st);
    ck_assert_str_eq(text, "[]");
    free(text);
    node_set(st, node_cmd("fk3", "UNKNOWN+DRAIN", "bad dimm", 0, 1795600000, "nodes.9.1"));
    node_set(st, node_cmd("vm", "DOWN", "rack power", 0, 1795600010, "nodes.9.2"));
    node_set(st, node_cmd("dn1", "IDLE", NULL, 4294967294LL, 0, "nodes.9.3"));
    /* fk3 is resumed: its second write replaces the first */
    node_set(st, node_cmd("fk3", "UNKNOWN", NULL, 4294967294LL, 0, "nodes.9.4"));
    text = nodes_text(st);
    ck_assert_str_eq(text, "[{\"name\":\"dn1\",\"reason\":null,\"reason_time\":0,"
                           "\"reason_uid\":4294967294,\"state\":\"IDLE\"},"
                           "{\"name\":\"fk3\",\"reason\":null,\"reason_time\":0,"
                           "\"reason_uid\":4294967294,\"state\":\"UNKNOWN\"},"
                           "{\"name\":\"vm\",\"reason\":\"rack power\","
                           "\"reason_time\":1795600010,\"reason_uid\":0,\"state\":\"DOWN\"}]");
    free(text);
    /* each write is a logged command; jobs are untouched */
    ck_assert_int_eq(log_entries(st), 4);
    ck_assert_uint_eq(store_last_seq(st), 4);
    ck_assert_uint_eq(jobs_count(store_jobs(st)), 0);
    store_close(st);
}
END_TEST

START_TEST(node_rows_survive_a_restart)
{
    struct store *st = open_store();
    char *before, *after;

    node_set(st, node_cmd("fk3", "UNKNOWN+DRAIN", "bad dimm", 0, 1795600000, "nodes.9.1"));
    node_set(st, node_cmd("vm", "DOWN+FAIL", "psu", 1, 1795600010, "nodes.9.2"));
    submit(st, "gw.1.1", NULL);
    before = nodes_text(st);
    store_close(st);

    st = open_store();
    after = nodes_text(st);
    ck_assert_str_eq(before, after);
    ck_assert_ptr_nonnull(strstr(after, "\"reason\":\"bad dimm\""));
    /* and the job numbering goes on after the node commands' log entries */
    ck_assert_uint_eq(store_last_seq(st), 3);
    ck_assert_uint_eq(submit(st, "gw.1.2", NULL), 101);
    free(before);
    free(after);
    store_close(st);
}
END_TEST

START_TEST(a_repeated_node_state_set_is_applied_once)
{
    struct store *st = open_store();
    json_t *drain = node_cmd("fk3", "UNKNOWN+DRAIN", "bad dimm", 0, 1795600000, "nodes.9.1");
    json_t *again, *res = NULL;
    char *text;

    node_set(st, json_incref(drain));
    node_set(st, node_cmd("fk3", "IDLE", NULL, 4294967294LL, 0, "nodes.9.2"));
    /* the drain re-sent after a lost reply must not undo the later resume,
     * in the same life of the store or after a restart */
    for (int round = 0; round < 2; round++) {
        again = json_deep_copy(drain);
        ck_assert_int_eq(store_apply(st, &again, 1, &res), 0);
        tu_assert_code(res, 0);
        json_decref(again);
        json_decref(res);
        text = nodes_text(st);
        ck_assert_ptr_nonnull(strstr(text, "\"state\":\"IDLE\""));
        free(text);
        ck_assert_int_eq(log_entries(st), 2);
        store_close(st);
        st = open_store();
    }
    json_decref(drain);
    store_close(st);
}
END_TEST

START_TEST(a_malformed_or_unauthorized_node_state_set_is_refused_and_changes_nothing)
{
    struct store *st = open_store();
    json_t *cmd, *res;
    char *before, *after;

    node_set(st, node_cmd("fk3", "UNKNOWN+DRAIN", "bad dimm", 0, 1795600000, "n.1"));
    before = nodes_text(st);
    res = apply1(st, json_pack("{s:s, s:s, s:I, s:{s:s}}", "type", "node.state_set", "req_id",
                               "n.2", "time", (json_int_t)T0, "msg", "state", "IDLE"));
    tu_assert_code(res, EINVAL);
    json_decref(res);
    res = apply1(st, json_pack("{s:s, s:I, s:{s:s, s:s, s:i}}", "type", "node.state_set",
                               "time", (json_int_t)T0, "msg", "name", "fk3", "state", "IDLE",
                               "reason", 7));
    tu_assert_code(res, EINVAL);
    json_decref(res);
    /* a user's request forwarded with its credential needs an administrator */
    cmd = node_cmd("fk3", "IDLE", NULL, 4294967294LL, 0, "n.3");
    json_object_set_new(cmd, "auth", json_pack("{s:I, s:I}", "uid", (json_int_t)U_ALICE, "gid",
                                               (json_int_t)U_ALICE));
    res = apply1(st, cmd);
    tu_assert_code(res, ESLURM_ACCESS_DENIED);
    json_decref(res);
    after = nodes_text(st);
    ck_assert_str_eq(before, after);
    /* SlurmUser may */
    cmd = node_cmd("fk3", "IDLE", NULL, 4294967294LL, 0, "n.4");
    json_object_set_new(cmd, "auth", json_pack("{s:I, s:I}", "uid", (json_int_t)U_SLURM, "gid",
                                               (json_int_t)U_SLURM));
    node_set(st, cmd);
    free(after);
    after = nodes_text(st);
    ck_assert_ptr_nonnull(strstr(after, "\"state\":\"IDLE\""));
    free(before);
    free(after);
    store_close(st);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("jobstore_store");
    TCase *tc = tcase_create("store");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, new_database_is_wal_with_schema_version);
    tcase_add_test(tc, another_schema_version_is_refused);
    tcase_add_test(tc, committed_state_survives_reopen);
    tcase_add_test(tc, the_log_replays_into_the_same_state);
    tcase_add_test(tc, a_repeated_req_id_is_applied_once);
    tcase_add_test(tc, job_ids_are_never_reused_after_restart);
    tcase_add_test(tc, job_ids_wrap_but_skip_every_kept_record);
    tcase_add_test(tc, a_batch_is_one_transaction);
    tcase_add_test(tc, a_batch_that_cannot_commit_leaves_nothing);
    tcase_add_test(tc, staged_but_uncommitted_work_is_lost);
    tcase_add_test(tc, two_instances_on_one_database_stay_consistent);
    tcase_add_test(tc, damaged_rows_are_refused);
    tcase_add_test(tc, a_damaged_request_column_is_refused);
    tcase_add_test(tc, the_request_is_kept_in_its_own_column);
    tcase_add_test(tc, a_schema_1_database_is_migrated_and_keeps_every_job);
    suite_add_tcase(s, tc);

    tc = tcase_create("node_state");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc,
                   node_state_set_keeps_the_last_write_of_each_node_and_list_answers_every_row);
    tcase_add_test(tc, node_rows_survive_a_restart);
    tcase_add_test(tc, a_repeated_node_state_set_is_applied_once);
    tcase_add_test(tc, a_malformed_or_unauthorized_node_state_set_is_refused_and_changes_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(store_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
