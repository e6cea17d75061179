/*
 * store.c - the job store's database (see store.h and docs/jobstore.md).
 *
 * One connection, one writer (this process), prepared statements kept for
 * the life of the store.  The schema is versioned in meta.schema_version;
 * a database of another version is refused rather than guessed at.
 *
 * Two kinds of commands share the log: the job commands, whose semantics
 * are jobs.c's, and node.state_set, the node manager's administrative
 * node state, which is only kept (the store does not interpret it) and so
 * is applied here, straight to its table.
 */
#include "services/jobstore/store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "wire/saved.h"

/* Idempotency entries older than this (command time) are forgotten: NNG
 * re-sends within a reload, far sooner. */
#define REQUEST_KEEP_S 3600
/* How often (in commands) to prune old idempotency entries. */
#define PRUNE_EVERY 1024
#define NODE_STATE_SET "node.state_set"

static const char schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
    "CREATE TABLE log(seq INTEGER PRIMARY KEY, time INTEGER, type TEXT, req_id TEXT,"
    " cmd TEXT NOT NULL, result TEXT NOT NULL);"
    "CREATE TABLE jobs(job_id INTEGER PRIMARY KEY, user_id INTEGER, state INTEGER,"
    " array_job_id INTEGER, seq INTEGER, data TEXT NOT NULL, desc BLOB);"
    "CREATE TABLE job_scripts(job_id INTEGER PRIMARY KEY, script TEXT, env TEXT);"
    "CREATE TABLE requests(req_id TEXT PRIMARY KEY, seq INTEGER, time INTEGER);"
    "CREATE INDEX requests_time ON requests(time);"
    "CREATE TABLE node_state(name TEXT PRIMARY KEY, state TEXT, reason TEXT,"
    " reason_uid INTEGER, reason_time INTEGER);";

enum stmt_id {
    S_REQ_FIND,
    S_REQ_ADD,
    S_REQ_PRUNE,
    S_LOG_ADD,
    S_JOB_PUT,
    S_SCRIPT_PUT,
    S_SCRIPT_GET,
    S_META_PUT,
    S_NODE_PUT,
    S_NODE_LIST,
    S_COUNT,
};

static const char *const stmt_sql[S_COUNT] = {
    [S_REQ_FIND] = "SELECT l.result FROM requests r JOIN log l ON l.seq = r.seq"
                   " WHERE r.req_id = ?1",
    [S_REQ_ADD] = "INSERT INTO requests(req_id, seq, time) VALUES(?1, ?2, ?3)",
    [S_REQ_PRUNE] = "DELETE FROM requests WHERE time < ?1",
    [S_LOG_ADD] = "INSERT INTO log(seq, time, type, req_id, cmd, result)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [S_JOB_PUT] = "INSERT OR REPLACE INTO jobs(job_id, user_id, state, array_job_id, seq, data,"
                  " desc) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_SCRIPT_PUT] = "INSERT OR REPLACE INTO job_scripts(job_id, script, env) VALUES(?1, ?2, ?3)",
    [S_SCRIPT_GET] = "SELECT script, env FROM job_scripts WHERE job_id = ?1",
    [S_META_PUT] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)",
    [S_NODE_PUT] = "INSERT OR REPLACE INTO node_state(name, state, reason, reason_uid, reason_time)"
                   " VALUES(?1, ?2, ?3, ?4, ?5)",
    [S_NODE_LIST] = "SELECT name, state, reason, reason_uid, reason_time FROM node_state"
                    " ORDER BY name",
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmt[S_COUNT];
    struct jobs *jobs;
    uint64_t last_seq;
    unsigned long commits;
    unsigned long since_prune;
    int broken;
    int in_txn;
    sqlite3_int64 data_version;
    struct store_change *changes;
    size_t nchanges, changes_cap;
    struct flurm_buf *desc_buf; /* a job's request in the saved form, reused */
    /* rows read with the request inside data (schema 1), to rewrite */
    uint32_t *old_rows;
    size_t nold_rows, old_rows_cap;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int commit_hook(void *arg)
{
    struct store *st = arg;

    st->commits++;
    return 0;
}

static int exec(struct store *st, const char *sql)
{
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* The integer value of meta.key, or def if absent. */
static int meta_get(struct store *st, const char *key, sqlite3_int64 def, sqlite3_int64 *out)
{
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = ?1", -1, &s, NULL))
        return -1;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : def;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int meta_put(struct store *st, const char *key, sqlite3_int64 value)
{
    sqlite3_stmt *s = st->stmt[S_META_PUT];
    int rc;

    /* while the schema is being created the statement is not prepared yet */
    if (!s && sqlite3_prepare_v2(st->db, stmt_sql[S_META_PUT], -1, &s, NULL))
        return -1;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, value);
    rc = sqlite3_step(s);
    if (s == st->stmt[S_META_PUT])
        sqlite3_reset(s);
    else
        sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int table_exists(struct store *st, const char *name, int *exists)
{
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1",
                           -1, &s, NULL))
        return -1;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    *exists = rc == SQLITE_ROW;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Write the table's counters and the log position into meta. */
static int save_meta(struct store *st)
{
    json_t *m = jobs_meta_save(st->jobs);
    int rc = -1;

    if (!m)
        return -1;
    if (!meta_put(st, "next_job_id", json_integer_value(json_object_get(m, "next_job_id"))) &&
        !meta_put(st, "lowest_prio", json_integer_value(json_object_get(m, "lowest_prio"))) &&
        !meta_put(st, "last_update", json_integer_value(json_object_get(m, "last_update"))) &&
        !meta_put(st, "last_seq", (sqlite3_int64)st->last_seq))
        rc = 0;
    json_decref(m);
    return rc;
}

/* Schema 1 to 2: the request gets its own column (rows written before keep
 * it in data, and are read from there until they are next written).  Run
 * by the first instance of the new build, possibly while the old one still
 * commits during a reload: one write transaction, after which the old
 * instance's statements are re-prepared by SQLite against the new table. */
static int migrate_1_to_2(struct store *st)
{
    if (exec(st, "BEGIN IMMEDIATE") < 0)
        return -1;
    if (exec(st, "ALTER TABLE jobs ADD COLUMN desc BLOB") < 0 ||
        meta_put(st, "schema_version", 2) < 0 || exec(st, "COMMIT") < 0) {
        exec(st, "ROLLBACK");
        return -1;
    }
    return 0;
}

static int create_schema(struct store *st)
{
    if (exec(st, "BEGIN IMMEDIATE") < 0)
        return -1;
    if (exec(st, schema_sql) < 0 || meta_put(st, "schema_version", STORE_SCHEMA_VERSION) < 0 ||
        save_meta(st) < 0 || exec(st, "COMMIT") < 0) {
        exec(st, "ROLLBACK");
        return -1;
    }
    return 0;
}

static int note_old_row(struct store *st, uint32_t job_id)
{
    if (st->nold_rows == st->old_rows_cap) {
        size_t cap = st->old_rows_cap ? 2 * st->old_rows_cap : 1024;
        uint32_t *v = realloc(st->old_rows, cap * sizeof(*v));

        if (!v)
            return -1;
        st->old_rows = v;
        st->old_rows_cap = cap;
    }
    st->old_rows[st->nold_rows++] = job_id;
    return 0;
}

/* Load meta and every job row into memory. */
static int load_state(struct store *st, char *err, size_t errlen)
{
    sqlite3_int64 next, prio, update, seq;
    sqlite3_stmt *s;
    json_t *m;
    int rc;

    if (meta_get(st, "next_job_id", 0, &next) < 0 || meta_get(st, "lowest_prio", 0, &prio) < 0 ||
        meta_get(st, "last_update", 0, &update) < 0 || meta_get(st, "last_seq", 0, &seq) < 0) {
        set_err(err, errlen, "cannot read meta: %s", sqlite3_errmsg(st->db));
        errno = EIO;
        return -1;
    }
    m = json_pack("{s:I, s:I, s:I}", "next_job_id", (json_int_t)next, "lowest_prio",
                  (json_int_t)prio, "last_update", (json_int_t)update);
    if (!m || jobs_meta_load(st->jobs, m) < 0) {
        json_decref(m);
        set_err(err, errlen, "damaged meta table (next_job_id %lld, lowest_prio %lld)",
                (long long)next, (long long)prio);
        errno = EPROTO;
        return -1;
    }
    json_decref(m);
    st->last_seq = (uint64_t)seq;
    st->nold_rows = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT job_id, data, desc FROM jobs ORDER BY job_id", -1, &s,
                           NULL))
        goto sqlerr;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(s, 1);
        json_t *saved = text ? json_loads(text, 0, NULL) : NULL;
        const void *desc = sqlite3_column_blob(s, 2);
        size_t desc_len = (size_t)sqlite3_column_bytes(s, 2);

        if (!saved || jobs_job_load_row(st->jobs, saved, desc, desc_len) < 0 ||
            (!desc && note_old_row(st, (uint32_t)sqlite3_column_int64(s, 0)) < 0)) {
            set_err(err, errlen, "damaged row for job %lld in table jobs",
                    (long long)sqlite3_column_int64(s, 0));
            json_decref(saved);
            sqlite3_finalize(s);
            errno = EPROTO;
            return -1;
        }
        json_decref(saved);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        goto sqlerr;
    return 0;
sqlerr:
    set_err(err, errlen, "cannot load jobs: %s", sqlite3_errmsg(st->db));
    errno = EIO;
    return -1;
}

/* PRAGMA data_version: it moves when another connection commits. */
static int data_version(struct store *st, sqlite3_int64 *v)
{
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db, "PRAGMA data_version", -1, &s, NULL))
        return -1;
    rc = sqlite3_step(s);
    *v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* Another instance committed (the overlap of a reload): the in-memory
 * table is stale, load it again from disk. */
static int reload_if_changed(struct store *st)
{
    const struct site *site = jobs_site(st->jobs);
    sqlite3_int64 v;
    struct jobs *fresh;

    if (data_version(st, &v) < 0)
        return -1;
    if (v == st->data_version)
        return 0;
    if (!(fresh = jobs_create(site)))
        return -1;
    jobs_destroy(st->jobs);
    st->jobs = fresh;
    st->data_version = v;
    return load_state(st, NULL, 0);
}

/* Rewrite the rows load_state read in schema 1's form, so that the next
 * start reads them at the new speed.  Only if nobody committed since they
 * were read (the other instance of a reload may have): the rows written
 * are the in-memory jobs, which must be what the disk holds.  Best effort:
 * a row left as it was still reads, and is rewritten when its job changes. */
static void convert_old_rows(struct store *st)
{
    sqlite3_stmt *s = NULL;
    sqlite3_int64 v;
    int ok = 0;

    if (!st->nold_rows || exec(st, "BEGIN IMMEDIATE") < 0)
        goto done;
    if (data_version(st, &v) < 0 || v != st->data_version ||
        sqlite3_prepare_v2(st->db, "UPDATE jobs SET data=?2, desc=?3 WHERE job_id=?1", -1, &s,
                           NULL) ||
        (!st->desc_buf && !(st->desc_buf = flurm_buf_create(4096))))
        goto done;
    for (size_t i = 0; i < st->nold_rows; i++) {
        json_t *saved = NULL;
        char *text = NULL;
        int rc;

        flurm_buf_seek(st->desc_buf, 0);
        if (jobs_job_save_row(st->jobs, st->old_rows[i], &saved, st->desc_buf) < 0 ||
            !(text = json_dumps(saved, JSON_COMPACT))) {
            json_decref(saved);
            goto done;
        }
        sqlite3_bind_int64(s, 1, st->old_rows[i]);
        sqlite3_bind_text(s, 2, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 3, flurm_buf_data(st->desc_buf), (int)flurm_buf_len(st->desc_buf),
                          SQLITE_STATIC);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        free(text);
        json_decref(saved);
        if (rc != SQLITE_DONE)
            goto done;
    }
    ok = exec(st, "COMMIT") == 0;
done:
    if (!ok && sqlite3_get_autocommit(st->db) == 0)
        exec(st, "ROLLBACK");
    sqlite3_finalize(s);
    st->nold_rows = 0;
}

struct store *store_open(const char *path, const struct site *site, char *err, size_t errlen)
{
    struct store *st = calloc(1, sizeof(*st));
    sqlite3_int64 version;
    sqlite3_stmt *s;
    const char *mode;
    int exists;

    if (!st || !(st->jobs = jobs_create(site))) {
        set_err(err, errlen, "out of memory");
        free(st);
        errno = ENOMEM;
        return NULL;
    }
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)) {
        set_err(err, errlen, "cannot open %s: %s", path,
                st->db ? sqlite3_errmsg(st->db) : "out of memory");
        errno = EIO;
        goto error;
    }
    sqlite3_extended_result_codes(st->db, 1);
    /* WAL: a commit is one append and one fsync; FULL: the fsync happens
     * at every commit, so a committed batch survives a crash of the
     * machine, not only of this process. */
    if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s, NULL) ||
        sqlite3_step(s) != SQLITE_ROW) {
        set_err(err, errlen, "%s: cannot set WAL mode: %s", path, sqlite3_errmsg(st->db));
        sqlite3_finalize(s);
        errno = EIO;
        goto error;
    }
    mode = (const char *)sqlite3_column_text(s, 0);
    if (!mode || strcmp(mode, "wal") != 0) {
        set_err(err, errlen, "%s: the database refused WAL mode (%s)", path,
                mode ? mode : "?");
        sqlite3_finalize(s);
        errno = EIO;
        goto error;
    }
    sqlite3_finalize(s);
    if (exec(st, "PRAGMA synchronous=FULL") < 0) {
        set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
        errno = EIO;
        goto error;
    }
    if (table_exists(st, "meta", &exists) < 0) {
        set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
        errno = EIO;
        goto error;
    }
    if (!exists && create_schema(st) < 0) {
        set_err(err, errlen, "%s: cannot create the schema: %s", path, sqlite3_errmsg(st->db));
        errno = EIO;
        goto error;
    }
    if (meta_get(st, "schema_version", 0, &version) < 0) {
        set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
        errno = EIO;
        goto error;
    }
    sqlite3_busy_timeout(st->db, 10000);
    /* If the migration fails, another instance (the reload's other half)
     * may have just done it: only a database still not at 2 is an error. */
    if (version == 1 && migrate_1_to_2(st) < 0 &&
        (meta_get(st, "schema_version", 0, &version) < 0 || version != 2)) {
        set_err(err, errlen, "%s: cannot migrate schema 1 to 2: %s", path,
                sqlite3_errmsg(st->db));
        errno = EIO;
        goto error;
    }
    if (version == 1)
        version = 2; /* migrated just now */
    if (version != STORE_SCHEMA_VERSION) {
        set_err(err, errlen, "%s has schema version %lld; this flurm-jobstore knows version %d",
                path, (long long)version, STORE_SCHEMA_VERSION);
        errno = EPROTO;
        goto error;
    }
    for (int i = 0; i < S_COUNT; i++) {
        if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
                               NULL)) {
            set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
            errno = EIO;
            goto error;
        }
    }
    sqlite3_busy_timeout(st->db, 10000);
    /* One snapshot for meta, rows and data_version: during a reload the old
     * instance still commits, and a commit falling between these reads
     * left this one with a stale last_seq that data_version never flagged
     * (its first command then collided in the log: EIO, exit). */
    if (exec(st, "BEGIN") < 0) {
        set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
        errno = EIO;
        goto error;
    }
    if (load_state(st, err, errlen) < 0 || data_version(st, &st->data_version) < 0) {
        exec(st, "ROLLBACK");
        goto error;
    }
    if (exec(st, "COMMIT") < 0) {
        set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
        errno = EIO;
        goto error;
    }
    convert_old_rows(st);
    sqlite3_commit_hook(st->db, commit_hook, st);
    return st;
error:
    store_close(st);
    return NULL;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    sqlite3_close(st->db);
    jobs_destroy(st->jobs);
    free(st->changes);
    flurm_buf_destroy(st->desc_buf);
    free(st->old_rows);
    free(st);
}

struct jobs *store_jobs(const struct store *st)
{
    return st->jobs;
}

uint64_t store_last_seq(const struct store *st)
{
    return st->last_seq;
}

unsigned long store_commits(const struct store *st)
{
    return st->commits;
}

int store_broken(const struct store *st)
{
    return st->broken;
}

size_t store_changes(const struct store *st, const struct store_change **changes)
{
    *changes = st->changes;
    return st->nchanges;
}

/* Run a prepared statement that returns no rows; reset it for reuse. */
static int step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);

    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The result recorded for req_id: a new reference, NULL if none (*found 0),
 * or NULL with *found 1 on errors. */
static json_t *recorded_result(struct store *st, const char *req_id, int *found)
{
    sqlite3_stmt *s = st->stmt[S_REQ_FIND];
    json_t *res = NULL;
    int rc;

    *found = 0;
    sqlite3_bind_text(s, 1, req_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(s, 0);

        *found = 1;
        res = text ? json_loads(text, 0, NULL) : NULL;
    } else if (rc != SQLITE_DONE) {
        *found = 1;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return res;
}

static int add_change(struct store *st, uint32_t job_id, uint32_t state, uint64_t seq)
{
    for (size_t i = 0; i < st->nchanges; i++) {
        if (st->changes[i].job_id == job_id) {
            st->changes[i].state = state;
            st->changes[i].seq = seq;
            return 0;
        }
    }
    if (st->nchanges == st->changes_cap) {
        size_t cap = st->changes_cap ? st->changes_cap * 2 : 64;
        struct store_change *v = realloc(st->changes, cap * sizeof(*v));

        if (!v)
            return -1;
        st->changes = v;
        st->changes_cap = cap;
    }
    st->changes[st->nchanges++] = (struct store_change){job_id, state, seq};
    return 0;
}

/* Write what the command just applied changed: its jobs and new scripts. */
static int save_effects(struct store *st, uint64_t seq)
{
    const struct jobs_script *scripts;
    const uint32_t *ids;
    size_t n = jobs_changed(st->jobs, &ids);

    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = st->stmt[S_JOB_PUT];
        json_t *saved = NULL;
        char *text = NULL;
        json_int_t state;
        uint32_t user_id = 0;
        int rc;

        if (!st->desc_buf && !(st->desc_buf = flurm_buf_create(4096)))
            return -1;
        flurm_buf_seek(st->desc_buf, 0);
        if (jobs_job_save_row(st->jobs, ids[i], &saved, st->desc_buf) < 0 ||
            !(text = json_dumps(saved, JSON_COMPACT))) {
            json_decref(saved);
            return -1;
        }
        state = json_integer_value(json_object_get(saved, "state"));
        (void)jobs_job_owner(st->jobs, ids[i], &user_id);
        sqlite3_bind_int64(s, 1, ids[i]);
        sqlite3_bind_int64(s, 2, user_id);
        sqlite3_bind_int64(s, 3, state);
        sqlite3_bind_int64(s, 4, json_integer_value(json_object_get(saved, "array_job_id")));
        sqlite3_bind_int64(s, 5, (sqlite3_int64)seq);
        sqlite3_bind_text(s, 6, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 7, flurm_buf_data(st->desc_buf), (int)flurm_buf_len(st->desc_buf),
                          SQLITE_STATIC);
        rc = step_done(s);
        free(text);
        json_decref(saved);
        if (rc < 0 || add_change(st, ids[i], (uint32_t)state, seq) < 0)
            return -1;
    }
    n = jobs_new_scripts(st->jobs, &scripts);
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = st->stmt[S_SCRIPT_PUT];
        char *env = scripts[i].environment ? json_dumps(scripts[i].environment, JSON_COMPACT)
                                           : NULL;
        int rc;

        if (scripts[i].environment && !env)
            return -1;
        sqlite3_bind_int64(s, 1, scripts[i].job_id);
        sqlite3_bind_text(s, 2, scripts[i].script, -1, SQLITE_STATIC);
        if (env)
            sqlite3_bind_text(s, 3, env, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(s, 3);
        rc = step_done(s);
        free(env);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static json_t *node_refusal(int code, const char *text)
{
    return json_pack("{s:b, s:i, s:s}", "ok", 0, "code", code, "text", text);
}

/* 1 if v is absent or JSON null. */
static int absent(const json_t *v)
{
    return !v || json_is_null(v);
}

/* node.state_set: upsert the row of msg.name, the last write winning.  The
 * record's fields are the node manager's and opaque here; only their kinds
 * are checked.  A malformed record is a refusal (a logged result like any
 * other), -1 only for SQLite errors. */
static int apply_node_state(struct store *st, const json_t *cmd, json_t **res)
{
    const json_t *msg = json_object_get(cmd, "msg"), *auth = json_object_get(cmd, "auth");
    const json_t *name = json_object_get(msg, "name"), *state = json_object_get(msg, "state");
    const json_t *reason = json_object_get(msg, "reason");
    const json_t *uid = json_object_get(msg, "reason_uid");
    const json_t *when = json_object_get(msg, "reason_time");
    sqlite3_stmt *s = st->stmt[S_NODE_PUT];

    /* Over the private socket there is no auth (a FLURM service); a
     * forwarded user request carries one and must be an administrator's. */
    if (auth && !site_is_admin(jobs_site(st->jobs),
                               (uid_t)json_integer_value(json_object_get(auth, "uid")))) {
        *res = node_refusal(ESLURM_ACCESS_DENIED, "Access/permission denied");
        return *res ? 0 : -1;
    }
    if (!json_is_string(name) || !json_string_length(name) || !json_is_string(state) ||
        !(absent(reason) || json_is_string(reason)) || !(absent(uid) || json_is_integer(uid)) ||
        !(absent(when) || json_is_integer(when)) ||
        (json_is_integer(uid) && (json_integer_value(uid) < 0 ||
                                  json_integer_value(uid) > UINT32_MAX))) {
        *res = node_refusal(EINVAL, "node.state_set needs {name, state} strings, a reason "
                                    "string or null, and integer reason_uid and reason_time");
        return *res ? 0 : -1;
    }
    sqlite3_bind_text(s, 1, json_string_value(name), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, json_string_value(state), -1, SQLITE_STATIC);
    if (json_is_string(reason))
        sqlite3_bind_text(s, 3, json_string_value(reason), -1, SQLITE_STATIC);
    if (json_is_integer(uid))
        sqlite3_bind_int64(s, 4, json_integer_value(uid));
    if (json_is_integer(when))
        sqlite3_bind_int64(s, 5, json_integer_value(when));
    if (step_done(s) < 0)
        return -1;
    *res = json_pack("{s:b, s:{}}", "ok", 1, "body");
    return *res ? 0 : -1;
}

/* Apply one command inside the open transaction.  Result in *res. */
static int apply_one(struct store *st, const json_t *cmd, json_t **res)
{
    const char *req_id = json_string_value(json_object_get(cmd, "req_id"));
    const char *type = json_string_value(json_object_get(cmd, "type"));
    json_int_t time = json_integer_value(json_object_get(cmd, "time"));
    uint64_t seq;
    char *cmd_text = NULL, *res_text = NULL;
    sqlite3_stmt *s;
    int found, is_node;

    *res = NULL;
    if (req_id) {
        *res = recorded_result(st, req_id, &found);
        if (found)
            return *res ? 0 : -1;
    }
    seq = st->last_seq + 1;
    is_node = type && !strcmp(type, NODE_STATE_SET);
    if (is_node ? apply_node_state(st, cmd, res) < 0 : !(*res = jobs_apply(st->jobs, seq, cmd)))
        return -1;
    st->last_seq = seq;
    if (!(cmd_text = json_dumps(cmd, JSON_COMPACT)) ||
        !(res_text = json_dumps(*res, JSON_COMPACT)))
        goto error;
    s = st->stmt[S_LOG_ADD];
    sqlite3_bind_int64(s, 1, (sqlite3_int64)seq);
    sqlite3_bind_int64(s, 2, time);
    sqlite3_bind_text(s, 3, type, -1, SQLITE_STATIC);
    if (req_id)
        sqlite3_bind_text(s, 4, req_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 4);
    sqlite3_bind_text(s, 5, cmd_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, res_text, -1, SQLITE_STATIC);
    if (step_done(s) < 0)
        goto error;
    if (req_id) {
        s = st->stmt[S_REQ_ADD];
        sqlite3_bind_text(s, 1, req_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, (sqlite3_int64)seq);
        sqlite3_bind_int64(s, 3, time);
        if (step_done(s) < 0)
            goto error;
    }
    if (!is_node && save_effects(st, seq) < 0)
        goto error;
    /* pruning is part of the command stream, so replicas prune alike */
    if (++st->since_prune >= PRUNE_EVERY) {
        st->since_prune = 0;
        s = st->stmt[S_REQ_PRUNE];
        sqlite3_bind_int64(s, 1, time - REQUEST_KEEP_S);
        if (step_done(s) < 0)
            goto error;
    }
    free(cmd_text);
    free(res_text);
    return 0;
error:
    free(cmd_text);
    free(res_text);
    json_decref(*res);
    *res = NULL;
    return -1;
}

int store_stage(struct store *st, json_t *const *cmds, size_t n, json_t **results)
{
    size_t done = 0;

    if (st->broken) {
        errno = EIO;
        return -1;
    }
    if (!st->in_txn) {
        st->nchanges = 0;
        /* the write lock first, then a look for another writer's commits */
        if (exec(st, "BEGIN IMMEDIATE") < 0)
            goto broken;
        st->in_txn = 1;
        if (reload_if_changed(st) < 0)
            goto rollback;
    }
    for (done = 0; done < n; done++) {
        if (apply_one(st, cmds[done], &results[done]) < 0)
            goto rollback;
    }
    return 0;
rollback:
    exec(st, "ROLLBACK");
broken:
    for (size_t i = 0; i < done && i < n; i++) {
        json_decref(results[i]);
        results[i] = NULL;
    }
    st->in_txn = 0;
    st->broken = 1;
    st->nchanges = 0;
    errno = EIO;
    return -1;
}

int store_commit(struct store *st)
{
    if (st->broken) {
        errno = EIO;
        return -1;
    }
    if (!st->in_txn)
        return 0;
    st->in_txn = 0;
    if (save_meta(st) < 0 || exec(st, "COMMIT") < 0) {
        exec(st, "ROLLBACK");
        st->broken = 1;
        st->nchanges = 0;
        errno = EIO;
        return -1;
    }
    return 0;
}

int store_apply(struct store *st, json_t *const *cmds, size_t n, json_t **results)
{
    if (store_stage(st, cmds, n, results) < 0)
        return -1;
    if (store_commit(st) < 0) {
        for (size_t i = 0; i < n; i++) {
            json_decref(results[i]);
            results[i] = NULL;
        }
        return -1;
    }
    return 0;
}

int store_refresh(struct store *st)
{
    if (st->broken) {
        errno = EIO;
        return -1;
    }
    if (st->in_txn)
        return 0;
    if (reload_if_changed(st) < 0) {
        st->broken = 1;
        errno = EIO;
        return -1;
    }
    return 0;
}

void store_set_busy_timeout(struct store *st, int ms)
{
    sqlite3_busy_timeout(st->db, ms);
}

int store_job_script(struct store *st, uint32_t job_id, char **script, json_t **env)
{
    sqlite3_stmt *s = st->stmt[S_SCRIPT_GET];
    int rc;

    *script = NULL;
    *env = NULL;
    sqlite3_bind_int64(s, 1, job_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(s, 0);
        const char *envtext = (const char *)sqlite3_column_text(s, 1);

        if ((text && !(*script = strdup(text))) ||
            (envtext && !(*env = json_loads(envtext, 0, NULL)))) {
            free(*script);
            *script = NULL;
            rc = SQLITE_NOMEM;
        }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_ROW)
        return 0;
    errno = rc == SQLITE_DONE ? ENOENT : EIO;
    return -1;
}

int store_log_foreach(struct store *st, uint64_t after,
                      int (*fn)(uint64_t seq, const json_t *cmd, const json_t *result, void *arg),
                      void *arg)
{
    sqlite3_stmt *s;
    int rc, ret = 0;

    if (sqlite3_prepare_v2(st->db, "SELECT seq, cmd, result FROM log WHERE seq > ?1 ORDER BY seq",
                           -1, &s, NULL)) {
        errno = EIO;
        return -1;
    }
    sqlite3_bind_int64(s, 1, (sqlite3_int64)after);
    while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_t *cmd = json_loads((const char *)sqlite3_column_text(s, 1), 0, NULL);
        json_t *res = json_loads((const char *)sqlite3_column_text(s, 2), 0, NULL);

        if (!cmd || !res) {
            json_decref(cmd);
            json_decref(res);
            sqlite3_finalize(s);
            errno = EPROTO;
            return -1;
        }
        ret = fn((uint64_t)sqlite3_column_int64(s, 0), cmd, res, arg);
        json_decref(cmd);
        json_decref(res);
    }
    sqlite3_finalize(s);
    if (!ret && rc != SQLITE_DONE) {
        errno = EIO;
        return -1;
    }
    return ret;
}

/* One node_state row as the node manager wrote it; NULL columns (fields
 * the record did not have) are left out. */
static json_t *node_row(sqlite3_stmt *s)
{
    static const char *const cols[] = {"name", "state", "reason", "reason_uid", "reason_time"};
    json_t *rec = json_object();

    for (int c = 0; rec && c < 5; c++) {
        json_t *v;

        switch (sqlite3_column_type(s, c)) {
        case SQLITE_NULL:
            v = c == 2 ? json_null() : NULL;
            if (!v)
                continue;
            break;
        case SQLITE_INTEGER:
            v = json_integer(sqlite3_column_int64(s, c));
            break;
        default:
            v = json_string((const char *)sqlite3_column_text(s, c));
        }
        if (!v || json_object_set_new(rec, cols[c], v) < 0) {
            json_decref(rec);
            rec = NULL;
        }
    }
    return rec;
}

json_t *store_node_states(struct store *st)
{
    sqlite3_stmt *s = st->stmt[S_NODE_LIST];
    json_t *nodes = json_array(), *rec;
    int rc;

    if (!nodes) {
        errno = ENOMEM;
        return NULL;
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (!(rec = node_row(s)) || json_array_append_new(nodes, rec) < 0) {
            sqlite3_reset(s);
            json_decref(nodes);
            errno = ENOMEM;
            return NULL;
        }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        json_decref(nodes);
        errno = EIO;
        return NULL;
    }
    return nodes;
}

/* A jobs.desc blob (the request in the saved form) as the request's JSON
 * form without script and environment, as schema 1 kept it in data; NULL
 * if it does not read. */
static json_t *desc_blob_json(const void *blob, size_t len)
{
    struct flurm_buf *view = flurm_buf_view(blob, len);
    struct flurm_job_desc desc;
    json_t *j = NULL;

    if (view && flurm_record_load(&flurm_rec_job_desc, &desc, view, NULL) == 0) {
        j = flurm_record_to_json(&flurm_rec_job_desc, &desc);
        flurm_record_free(&flurm_rec_job_desc, &desc);
        json_object_del(j, "script");
        json_object_del(j, "environment");
    }
    flurm_buf_destroy(view);
    return j;
}

/* Append the rows of a query to arr; each row becomes an array of its
 * columns (text parsed as JSON where `json_col` says so, a blob as
 * desc_blob_json() makes it). */
static int dump_rows(struct store *st, const char *sql, json_t *arr, int json_col)
{
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL))
        return -1;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_t *row = json_array();

        for (int c = 0; row && c < sqlite3_column_count(s); c++) {
            json_t *v;

            switch (sqlite3_column_type(s, c)) {
            case SQLITE_INTEGER:
                v = json_integer(sqlite3_column_int64(s, c));
                break;
            case SQLITE_NULL:
                v = json_null();
                break;
            case SQLITE_BLOB:
                v = desc_blob_json(sqlite3_column_blob(s, c),
                                   (size_t)sqlite3_column_bytes(s, c));
                break;
            default:
                v = c == json_col
                        ? json_loads((const char *)sqlite3_column_text(s, c), 0, NULL)
                        : json_string((const char *)sqlite3_column_text(s, c));
            }
            if (!v || json_array_append_new(row, v) < 0) {
                json_decref(row);
                row = NULL;
            }
        }
        if (!row || json_array_append_new(arr, row) < 0) {
            sqlite3_finalize(s);
            return -1;
        }
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Each jobs row's request (column 6, JSON or null) into its data (column
 * 5) as "desc", so that a dump reads the same whichever column a row keeps
 * its request in. */
static int dump_job_descs(json_t *jobs)
{
    size_t i;
    json_t *row;

    json_array_foreach(jobs, i, row) {
        json_t *desc = json_array_get(row, 6);

        if (!json_is_null(desc) &&
            json_object_set(json_array_get(row, 5), "desc", desc) < 0)
            return -1;
        if (json_array_remove(row, 6) < 0)
            return -1;
    }
    return 0;
}

json_t *store_dump(struct store *st)
{
    json_t *meta = json_array(), *jobs = json_array(), *scripts = json_array();
    json_t *nodes = json_array();

    if (!meta || !jobs || !scripts || !nodes ||
        dump_rows(st, "SELECT key, value FROM meta ORDER BY key", meta, -1) < 0 ||
        dump_rows(st, "SELECT job_id, user_id, state, array_job_id, seq, data, desc"
                      " FROM jobs ORDER BY job_id",
                  jobs, 5) < 0 ||
        dump_job_descs(jobs) < 0 ||
        dump_rows(st, "SELECT job_id, script, env FROM job_scripts ORDER BY job_id", scripts,
                  2) < 0 ||
        dump_rows(st, "SELECT name, state, reason, reason_uid, reason_time FROM node_state"
                      " ORDER BY name",
                  nodes, -1) < 0) {
        json_decref(meta);
        json_decref(jobs);
        json_decref(scripts);
        json_decref(nodes);
        errno = EIO;
        return NULL;
    }
    return json_pack("{s:o, s:o, s:o, s:o}", "meta", meta, "jobs", jobs, "scripts", scripts,
                     "nodes", nodes);
}
