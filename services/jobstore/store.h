/*
 * store.h - the job store's durable state machine: a SQLite database in WAL
 * mode holding the command log and the materialized job tables, with the
 * job table also kept in memory (jobs.h) to serve queries.
 *
 * Commands are applied in batches: one SQLite transaction per batch, in
 * which every command is checked for a repeated req_id, applied, appended
 * to `log` with its result, and its effects written to the tables.  The
 * commands are jobs.h's job.* commands and node.state_set (the node
 * manager's admin state of one node, kept in node_state, see
 * docs/nodemgr.md).  When
 * store_apply() returns 0 the batch is on disk (synchronous=FULL): only then
 * may its results be sent.  If a batch cannot be committed, nothing of it is
 * durable and the in-memory table no longer matches the disk: the store
 * refuses all further work (EIO) and must be closed and reopened, which
 * reloads the last committed state.
 *
 * No NNG, no clock: the caller stamps commands with their time, so the
 * store runs unchanged under a simulated clock or behind consensus.
 */
#ifndef FLURM_JOBSTORE_STORE_H
#define FLURM_JOBSTORE_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "services/jobstore/jobs.h"
#include "services/jobstore/site.h"

/* 2: jobs.desc, the request in the saved form (a version-1 database is
 * migrated on open; its rows keep the request in data until rewritten). */
#define STORE_SCHEMA_VERSION 2

struct store;

/* A job changed by the last batch: its state after the batch and the log
 * position of its last change. */
struct store_change {
    uint32_t job_id;
    uint32_t state;
    uint64_t seq;
};

/* Open or create the database at path (borrowed; its folder must exist)
 * and load its state into memory.  site (borrowed) must outlive the store.
 * NULL and errno on failure, with the reason in err: EPROTO for a database
 * of another schema version or with damaged rows, EIO for SQLite errors.
 * Caller closes. */
struct store *store_open(const char *path, const struct site *site, char *err, size_t errlen);

/* NULL-safe.  Nothing is lost: every returned batch was committed. */
void store_close(struct store *st);

/* Apply n commands (borrowed JSON, see jobs.h) in one transaction.  A
 * command whose req_id was seen before is not applied again: its recorded
 * result is returned.  On 0, results[i] holds a new reference for command
 * i (caller owns them) and the batch is durable.  On -1 (errno EIO or
 * ENOMEM) no result is set, nothing of the batch is durable, and the store
 * is broken (see above). */
int store_apply(struct store *st, json_t *const *cmds, size_t n, json_t **results);

/* The two halves of store_apply(), for callers that must act between
 * them.  store_stage() applies commands inside the open transaction
 * (opening it if needed: several stages may share one commit); their
 * results are NOT durable until store_commit() returns 0.  Answering a
 * client between the two is exactly the bug durability forbids; the
 * service does it only under its test fault switch (docs/jobstore.md).
 * Failures break the store as store_apply()'s do. */
int store_stage(struct store *st, json_t *const *cmds, size_t n, json_t **results);
int store_commit(struct store *st);

/* Catch up with commits made by another instance of the service (the
 * overlap of a reload): if the database changed under us, reload the
 * in-memory table.  Call before serving queries.  -1 and EIO (the store is
 * then broken). */
int store_refresh(struct store *st);

/* How long to wait for another instance's write lock (default 10 s). */
void store_set_busy_timeout(struct store *st, int ms);

/* The jobs changed by the last committed transaction, in order of first
 * change (borrowed, valid until the next transaction begins). */
size_t store_changes(const struct store *st, const struct store_change **changes);

/* The in-memory table, for queries (borrowed; read it, never apply to it
 * directly). */
struct jobs *store_jobs(const struct store *st);

/* The log position of the last command applied. */
uint64_t store_last_seq(const struct store *st);

/* Transactions committed since open (group commit makes it far smaller
 * than the number of commands). */
unsigned long store_commits(const struct store *st);

/* 1 after a failed batch. */
int store_broken(const struct store *st);

/* A job's batch script and environment (caller frees *script and decrefs
 * *env; *env may be set to NULL if none was given).  -1 and ENOENT if the
 * job has no script, EIO on SQLite errors. */
int store_job_script(struct store *st, uint32_t job_id, char **script, json_t **env);

/* Call fn(seq, cmd, result, arg) for each log entry after `after`, in
 * order; cmd and result are borrowed for the call.  Stops at a non-zero
 * return of fn and returns it; 0 at the end; -1 and errno on errors. */
int store_log_foreach(struct store *st, uint64_t after,
                      int (*fn)(uint64_t seq, const json_t *cmd, const json_t *result, void *arg),
                      void *arg);

/* Every node_state row as node.state_set wrote it, sorted by name:
 * [{"name", "state", "reason" (string or null), "reason_uid",
 * "reason_time"}], a field the command did not give left out (reason as
 * null).  Read from the database (the last committed state, or this
 * store's open transaction).  New reference; NULL and ENOMEM / EIO. */
json_t *store_node_states(struct store *st);

/* The whole durable state (meta counters, jobs, scripts, nodes) in one canonical
 * JSON document, read back from disk: two stores with equal dumps hold the
 * same state.  New reference, NULL and errno. */
json_t *store_dump(struct store *st);

#endif
