/*
 * testutil.h - shared helpers of the job store's unit tests: a site made
 * from a slurm.conf written on the fly, and commands built the way the
 * gateway builds them (a full job_desc with slurm_init_job_desc_msg's
 * defaults, as sbatch sends it).
 *
 * A test that feeds commands to one job table defines TU_JOB_TABLE before
 * including this header: it also gets the fixture of the running-job
 * tests (site, jobs, seq with setup/teardown/apply, the command makers of
 * the services) and of their durable half (a store in a temporary folder,
 * store_setup/store_teardown, and what replays and compares its log).
 */
#ifndef FLURM_TEST_JOBSTORE_TESTUTIL_H
#define FLURM_TEST_JOBSTORE_TESTUTIL_H

#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/jobstore/jobs.h"
#include "services/jobstore/site.h"

/* Users of the tests: two ordinary users, root, and SlurmUser (daemon). */
#define U_ALICE 1001u
#define U_BOB 1002u
#define U_ROOT 0u
#define U_SLURM 1u
#define T0 1795630000LL /* the command time of the first command */

static const char tu_base_conf[] =
    "ClusterName=testc\n"
    "SlurmctldHost=ctl(127.0.0.1)\n"
    "SlurmUser=daemon\n"
    "FirstJobId=100\n"
    "MaxJobCount=50\n"
    "NodeName=n[1-2] CPUs=4 RealMemory=8000\n"
    "NodeName=big1 CPUs=16 RealMemory=64000\n"
    "PartitionName=batch Nodes=n[1-2] Default=YES MaxTime=60 DefaultTime=10 MaxNodes=2\n"
    "PartitionName=big Nodes=big1 MaxTime=INFINITE State=UP\n"
    "PartitionName=down Nodes=n1 State=DOWN\n"
    "PartitionName=inact Nodes=n1 State=INACTIVE\n"
    "PartitionName=drain Nodes=n1 State=DRAIN\n"
    "PartitionName=nodef Nodes=n1 DefaultTime=0\n"
    "PartitionName=rootonly Nodes=n1 RootOnly=YES\n"
    "PartitionName=secret Nodes=n1 Hidden=YES\n";

/* A site from the base configuration plus `extra` lines (NULL: none).
 * base_parts 0 leaves the partitions out (for "no default partition"). */
static inline struct site *tu_site_full(const char *extra, int base_parts)
{
    char path[] = "/tmp/flurm-jobstore-conf.XXXXXX";
    char err[256] = "";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    struct site *site;

    ck_assert_ptr_nonnull(f);
    if (base_parts) {
        fputs(tu_base_conf, f);
    } else {
        const char *cut = strstr(tu_base_conf, "PartitionName=");

        fwrite(tu_base_conf, 1, (size_t)(cut - tu_base_conf), f);
    }
    if (extra)
        fputs(extra, f);
    fclose(f);
    site = site_load(path, err, sizeof(err));
    unlink(path);
    ck_assert_msg(site != NULL, "site_load: %s", err);
    return site;
}

static inline struct site *tu_site(const char *extra)
{
    return tu_site_full(extra, 1);
}

/* A job_desc as sbatch sends it, with `overrides` (JSON object text; NULL
 * for none) on top.  New reference. */
static inline json_t *tu_desc(const char *overrides)
{
    json_t *d = jobs_desc_defaults();
    json_t *base = json_pack("{s:s, s:[s, s], s:s, s:s, s:s, s:i, s:i, s:[s], s:I}", "script",
                             "#!/bin/sh\nsleep 100\n", "environment", "HOME=/home/u",
                             "PATH=/bin", "name", "job", "work_dir", "/home/u", "std_in",
                             "/dev/null", "min_cpus", 1, "task_dist", 0x2000, "argv",
                             "/home/u/job.sh", "bitflags", (json_int_t)0x1E000000);

    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(base);
    json_object_update(d, base);
    json_decref(base);
    if (overrides) {
        json_error_t jerr;
        json_t *o = json_loads(overrides, 0, &jerr);

        ck_assert_msg(o != NULL, "bad override JSON %s: %s", overrides, jerr.text);
        json_object_update(d, o);
        json_decref(o);
    }
    return d;
}

/* printf into a buffer that lives until the next call. */
static inline const char *tu_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline const char *tu_fmt(const char *fmt, ...)
{
    static char buf[8192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return buf;
}

/* A command as the store logs it.  msg is taken. */
static inline json_t *tu_cmd(const char *type, unsigned uid, unsigned gid, long long time,
                             json_t *msg, const char *req_id)
{
    json_t *c = json_pack("{s:s, s:s?, s:I, s:{s:I, s:I, s:s}, s:i, s:o}", "type", type,
                          "req_id", req_id, "time", (json_int_t)time, "auth", "uid",
                          (json_int_t)uid, "gid", (json_int_t)gid, "host", "login1", "proto",
                          0x2600, "msg", msg ? msg : json_object());

    ck_assert_ptr_nonnull(c);
    return c;
}

/* job.start of job_id at time t as the scheduler sends it (a FLURM
 * service's command: no auth), placed on one core of n1 with 500 MB. */
static inline json_t *tu_start_on_n1(unsigned job_id, long long t)
{
    return json_pack("{s:s, s:I, s:{s:I, s:[{s:i, s:o}]}}", "type", "job.start", "time",
                     (json_int_t)t, "msg", "time", (json_int_t)t, "jobs", "job_id", (int)job_id,
                     "alloc",
                     json_loads("{\"nodes\":\"n1\",\"batch_host\":\"n1\",\"hosts\":["
                                "{\"name\":\"n1\",\"cores\":\"0\",\"cpus\":1,\"mem\":500}]}",
                                0, NULL));
}

/* A kill request as scancel sends it for `id` ("123", "123_4"). */
static inline json_t *tu_kill(const char *id)
{
    return json_pack("{s:{s:I, s:I, s:I}, s:s, s:n, s:i, s:i}", "step_id", "job_id",
                     (json_int_t)0xfffffffe, "step_id", (json_int_t)0xfffffffe,
                     "step_het_comp", (json_int_t)0xfffffffe, "sjob_id", id, "sibling",
                     "signal", 9, "flags", 0);
}

/* An update request as scontrol sends it: init defaults, job_id_str, and
 * `overrides` on top. */
static inline json_t *tu_update(const char *id, const char *overrides)
{
    json_t *d = jobs_desc_defaults();

    json_object_set_new(d, "job_id_str", json_string(id));
    json_object_set_new(d, "bitflags", json_integer(0x1E000000));
    if (overrides) {
        json_t *o = json_loads(overrides, 0, NULL);

        ck_assert_msg(o != NULL, "bad override JSON %s", overrides);
        json_object_update(d, o);
        json_decref(o);
    }
    return d;
}

/* The SLURM code of a result: 0 for success. */
static inline int tu_code(const json_t *res)
{
    ck_assert_ptr_nonnull(res);
    if (json_is_true(json_object_get(res, "ok")))
        return 0;
    return (int)json_integer_value(json_object_get(res, "code"));
}

#define tu_assert_code(res, expected) \
    ck_assert_msg(tu_code(res) == (expected), "expected code %d, got %d (%s)", (expected), \
                  tu_code(res), json_string_value(json_object_get((res), "text")))

/* The job id of a successful submit result. */
static inline unsigned tu_job_id(const json_t *res)
{
    const json_t *msg = json_object_get(json_object_get(res, "body"), "msg");

    ck_assert_msg(json_is_true(json_object_get(res, "ok")), "submit refused: %d %s",
                  (int)json_integer_value(json_object_get(res, "code")),
                  json_string_value(json_object_get(res, "text")));
    return (unsigned)json_integer_value(json_object_get(msg, "job_id"));
}

/* An integer field of a record. */
static inline long long tu_int(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    ck_assert_msg(json_is_integer(v), "field %s is not an integer", key);
    return json_integer_value(v);
}

static inline const char *tu_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

#ifdef TU_JOB_TABLE

#include "services/jobstore/store.h"

/* ---- one job table on the base site ------------------------------------------ */

static struct site *site __attribute__((unused));
static struct jobs *jobs __attribute__((unused));
static uint64_t seq __attribute__((unused)); /* of the last command applied */

static inline void setup(void)
{
    site = tu_site(NULL);
    jobs = jobs_create(site);
    ck_assert_ptr_nonnull(jobs);
    seq = 0;
}

static inline void teardown(void)
{
    jobs_destroy(jobs);
    site_destroy(site);
}

/* Apply cmd (taken) as the next command.  The result is the caller's. */
static inline json_t *apply(json_t *cmd)
{
    json_t *res = jobs_apply(jobs, ++seq, cmd);

    ck_assert_ptr_nonnull(res);
    json_decref(cmd);
    return res;
}

/* Submit a batch job as alice with `overrides` (see tu_desc): its id. */
static inline unsigned submit_ok(const char *overrides)
{
    json_t *res = apply(tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(overrides), NULL));
    unsigned id = tu_job_id(res);

    json_decref(res);
    return id;
}

/* How many jobs job.allocs lists now. */
static inline size_t allocs_count(void)
{
    json_t *res = jobs_allocs(jobs, seq);
    size_t n;

    ck_assert_ptr_nonnull(res);
    n = json_array_size(json_object_get(json_object_get(res, "body"), "jobs"));
    json_decref(res);
    return n;
}

/* JSON text that must parse.  New reference. */
static inline json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);

    ck_assert_msg(j != NULL, "bad JSON %s: %s", text, err.text);
    return j;
}

/* A service command as main.c builds it: no auth, the body as msg (taken). */
static inline json_t *svc_cmd(const char *type, long long t, json_t *msg, const char *req_id)
{
    json_t *c = json_pack("{s:s, s:s?, s:I, s:o}", "type", type, "req_id", req_id, "time",
                          (json_int_t)t, "msg", msg);

    ck_assert_ptr_nonnull(c);
    return c;
}

/* The scheduler's job.start of job id on alloc (JSON text) at t. */
static inline json_t *start_cmd(unsigned id, const char *alloc, long long t, const char *req_id)
{
    return svc_cmd("job.start", t,
                   json_pack("{s:I, s:[{s:i, s:o}]}", "time", (json_int_t)t, "jobs", "job_id",
                             (int)id, "alloc", parse(alloc)),
                   req_id);
}

/* ---- through the durable store ---------------------------------------------------- */

static char dir[64] __attribute__((unused));   /* a temporary folder */
static char path[128] __attribute__((unused)); /* a store's database in it */

static inline void store_setup(void)
{
    setup();
    snprintf(dir, sizeof(dir), "/tmp/flurm-jobstore-test.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/jobstore.db", dir);
}

static inline void store_teardown(void)
{
    char cmd[256];

    teardown();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* The store at p on the fixture's site.  Caller closes. */
static inline struct store *open_at(const char *p)
{
    char err[256] = "";
    struct store *st = store_open(p, site, err, sizeof(err));

    ck_assert_msg(st != NULL, "store_open: %s", err);
    return st;
}

/* Apply cmd (taken) durably.  The result is the caller's. */
static inline json_t *apply1(struct store *st, json_t *cmd)
{
    json_t *res = NULL;

    ck_assert_int_eq(store_apply(st, &cmd, 1, &res), 0);
    json_decref(cmd);
    return res;
}

/* Submit a batch job as alice with req_id: its id. */
static inline unsigned store_submit(struct store *st, const char *req_id)
{
    json_t *res = apply1(st, tu_cmd("job.submit", U_ALICE, U_ALICE, T0, tu_desc(NULL), req_id));
    unsigned id = tu_job_id(res);

    json_decref(res);
    return id;
}

/* The store's whole state as compact JSON text, keys sorted: two stores
 * are in the same state if their texts are equal.  Caller frees. */
static inline char *dump_text(struct store *st)
{
    json_t *d = store_dump(st);
    char *text = json_dumps(d, JSON_SORT_KEYS | JSON_COMPACT);

    json_decref(d);
    ck_assert_ptr_nonnull(text);
    return text;
}

/* store_log_foreach callback: apply the logged command again to the
 * store arg; 0 if it gives the logged result. */
static inline int replay_entry(uint64_t s, const json_t *cmd, const json_t *result, void *arg)
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

#endif /* TU_JOB_TABLE */

#endif
