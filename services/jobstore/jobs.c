/*
 * jobs.c - SLURM job semantics of the job store (see jobs.h).
 *
 * The rules follow slurmctld 22.05 (src/slurmctld/job_mgr.c, proc_req.c):
 * the same checks in the same order, so that a client sees the same return
 * code for the same request.  Where FLURM differs it says so here and in
 * docs/jobstore.md.
 *
 * The table is an array of jobs sorted by job id: lookups are binary
 * searches and every iteration has one canonical order, which keeps the
 * commands deterministic whatever history built the table.
 */
#include "services/jobstore/jobs.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/alloc.h"
#include "common/hostlist.h"
#include "common/msg.h"
#include "services/jobstore/held.h"
#include "services/jobstore/render.h"
#include "services/jobstore/steps.h"
#include "wire/pack.h"
#include "wire/saved.h"

/* ---- SLURM constants not worth a public name ------------------------------ */

#define NICE_OFFSET 0x80000000u
#define MEM_PER_CPU 0x8000000000000000ULL
#define TOP_PRIORITY 0xffff0000u
#define ALLOC_SID_USER_HOLD 2u
#define SLURM_BATCH_SCRIPT 0xfffffffbu
#define SLURM_DIST_CYCLIC 1u
#define SIGKILL_NUM 9u
/* slurmctld.h: the requeues _job_complete allows before it holds the job */
#define MAX_BATCH_REQUEUE 5u
/* kill_job flags (slurm.h KILL_*) */
#define KILL_JOB_BATCH 0x0001u
#define KILL_STEPS_ONLY 0x0004u

#define SHOW_ALL 0x0001u
#define SHOW_DETAIL 0x0002u

/* job_desc / job bit_flags (slurm.h) */
#define BACKFILL_TEST (1ULL << 3)
#define JOB_ACCRUE_OVER (1ULL << 18)
#define CRON_JOB (1ULL << 22)
#define JOB_MEM_SET (1ULL << 23)
#define USE_DEFAULT_ACCT (1ULL << 25)
#define USE_DEFAULT_PART (1ULL << 26)
#define USE_DEFAULT_QOS (1ULL << 27)
#define USE_DEFAULT_WCKEY (1ULL << 28)
#define JOB_DEPENDENT (1ULL << 29)
#define JOB_PART_ASSIGNED (1ULL << 31)
/* Flags slurmctld clears from a submitted job_desc: they are its own. */
#define TRANSIENT_FLAGS \
    (BACKFILL_TEST | (1ULL << 15) | JOB_ACCRUE_OVER | (1ULL << 17) | (1ULL << 19) | \
     (1ULL << 20) | (1ULL << 30) | CRON_JOB)

/* _test_job_desc_fields: long strings are refused, not truncated. */
#define MAX_SCRIPT_BYTES (4 * 1024 * 1024)
#define MAX_PATH_BYTES 4096

/* ---- small helpers -------------------------------------------------------- */

static const struct {
    int code;
    const char *text;
} errtexts[] = {
    {EAGAIN, "Resource temporarily unavailable"},
    {EINVAL, "Invalid argument"},
    {SLURM_NO_CHANGE_IN_DATA, "Data has not changed since time specified"},
    {ESLURM_INVALID_PARTITION_NAME, "Invalid partition name specified"},
    {ESLURM_DEFAULT_PARTITION_NOT_SET, "No partition specified or system default partition"},
    {ESLURM_ACCESS_DENIED, "Access/permission denied"},
    {ESLURM_JOB_MISSING_REQUIRED_PARTITION_GROUP,
     "User's group not permitted to use this partition"},
    {ESLURM_REQUESTED_NODES_NOT_IN_PARTITION, "Requested nodes not in this partition"},
    {ESLURM_TOO_MANY_REQUESTED_CPUS, "More processors requested than permitted"},
    {ESLURM_INVALID_NODE_COUNT, "Node count specification invalid"},
    {ESLURM_JOB_MISSING_SIZE_SPECIFICATION, "Job size specification needs to be provided"},
    {ESLURM_JOB_SCRIPT_MISSING, "Job script not specified"},
    {ESLURM_USER_ID_MISSING, "Invalid user id"},
    {ESLURM_DUPLICATE_JOB_ID, "Duplicate job id"},
    {ESLURM_PATHNAME_TOO_LONG, "Pathname of a file, directory or other parameter too long"},
    {ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE, "Requested node configuration is not available"},
    {ESLURM_INVALID_JOB_ID, "Invalid job id specified"},
    {ESLURM_INVALID_NODE_NAME, "Invalid node name specified"},
    {ESLURM_TRANSITION_STATE_NO_UPDATE, "Job can not be altered now, try again later"},
    {ESLURM_ALREADY_DONE, "Job/step already completing or completed"},
    {ESLURM_BAD_TASK_COUNT, "Task count specification invalid"},
    {ESLURM_INVALID_FEATURE, "Invalid feature specification"},
    {ESLURM_NOT_SUPPORTED, "Requested operation not supported on this system"},
    {ESLURM_DEPENDENCY, "Job dependency problem"},
    {ESLURM_JOB_HELD, "Job is in held state, pending scheduler release"},
    {ESLURM_INVALID_TASK_MEMORY, "Memory required by task is not available"},
    {ESLURM_INVALID_TIME_LIMIT, "Requested time limit is invalid (missing or exceeds some limit)"},
    {ESLURM_PARTITION_NOT_AVAIL, "Required partition not available (inactive or drain)"},
    {ESLURM_JOB_NOT_PENDING, "Job is no longer pending execution"},
    {ESLURM_INVALID_ARRAY, "Invalid job array specification"},
    {ESLURM_JOB_FINISHED, "Job has already finished"},
    {ESLURM_PRIO_RESET_FAIL, "Changes to job priority are not persistent, change nice instead"},
    {ESLURM_X11_NOT_AVAIL, "X11 forwarding not available"},
    {ESLURM_GROUP_ID_MISSING, "Invalid group id"},
    {ESLURM_BATCH_CONSTRAINT, "Job --batch option is invalid or not a subset of --constraints"},
    {ESLURM_INVALID_NICE, "Invalid --nice value"},
    {ESLURM_INVALID_TIME_MIN_LIMIT,
     "Invalid time-min specification (exceeds job's time or other limits)"},
    {ESLURM_ENVIRONMENT_MISSING, "Environment is missing in job"},
    {ESLURM_INVALID_PREFER, "Invalid preferred feature specification"},
};

static const char *errtext(int code)
{
    for (size_t i = 0; i < sizeof(errtexts) / sizeof(errtexts[0]); i++) {
        if (errtexts[i].code == code)
            return errtexts[i].text;
    }
    return "Unexpected error";
}

static json_t *result_ok(json_t *body)
{
    return json_pack("{s:b, s:o}", "ok", 1, "body", body ? body : json_object());
}

/* A refusal with SLURM's text for code, or the given detail. */
static json_t *result_err(int code, const char *detail)
{
    return json_pack("{s:b, s:i, s:s}", "ok", 0, "code", code, "text",
                     detail ? detail : errtext(code));
}

/* A refusal with the text slurmctld sends to the client as err_msg, marked
 * for the user so that the gateway shows it (RESPONSE_SLURM_RC_MSG). */
static json_t *result_user_err(int code, const char *text)
{
    return json_pack("{s:b, s:i, s:s, s:b}", "ok", 0, "code", code, "text", text, "user", 1);
}

static json_t *result_rc(int rc)
{
    return rc ? result_err(rc, NULL) : result_ok(json_pack("{s:i}", "rc", 0));
}

static json_int_t get_int(const json_t *obj, const char *key, json_int_t def)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_integer(v) ? json_integer_value(v) : def;
}

static const char *get_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static bool str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static int replace_str(char **dst, const char *src)
{
    char *copy = NULL;

    if (src && !(copy = strdup(src)))
        return -1;
    free(*dst);
    *dst = copy;
    return 0;
}

/* ---- task sets: the pending tasks of a job array -------------------------- */

struct taskset {
    uint32_t nbits;
    uint8_t *bits;
};

static struct taskset *ts_create(uint32_t nbits)
{
    struct taskset *ts = calloc(1, sizeof(*ts));

    if (!ts || !(ts->bits = calloc(nbits / 8 + 1, 1))) {
        free(ts);
        return NULL;
    }
    ts->nbits = nbits;
    return ts;
}

static void ts_destroy(struct taskset *ts)
{
    if (ts) {
        free(ts->bits);
        free(ts);
    }
}

static bool ts_test(const struct taskset *ts, uint32_t i)
{
    return ts && i < ts->nbits && (ts->bits[i / 8] >> (i % 8)) & 1;
}

static void ts_set(struct taskset *ts, uint32_t i)
{
    if (i < ts->nbits)
        ts->bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

static void ts_clear(struct taskset *ts, uint32_t i)
{
    if (i < ts->nbits)
        ts->bits[i / 8] &= (uint8_t)~(1u << (i % 8));
}

static uint32_t ts_count(const struct taskset *ts)
{
    uint32_t n = 0;

    for (uint32_t i = 0; ts && i < ts->nbits; i++)
        n += ts_test(ts, i);
    return n;
}

/* First set bit at or after from, or -1. */
static int64_t ts_next(const struct taskset *ts, uint32_t from)
{
    for (uint32_t i = from; ts && i < ts->nbits; i++) {
        if (ts_test(ts, i))
            return i;
    }
    return -1;
}

static struct taskset *ts_copy(const struct taskset *ts)
{
    struct taskset *c = ts_create(ts->nbits);

    if (c)
        memcpy(c->bits, ts->bits, ts->nbits / 8 + 1);
    return c;
}

/* SLURM's bit_fmt_hexmask: "0x" then ceil(nbits/4) upper-case digits, most
 * significant first.  Caller frees. */
static char *ts_to_hex(const struct taskset *ts)
{
    size_t digits = ts->nbits ? (ts->nbits + 3) / 4 : 1;
    char *hex = malloc(digits + 3);

    if (!hex)
        return NULL;
    hex[0] = '0';
    hex[1] = 'x';
    for (size_t d = 0; d < digits; d++) {
        unsigned v = 0;

        for (unsigned b = 0; b < 4; b++)
            v |= (unsigned)ts_test(ts, (uint32_t)(d * 4 + b)) << b;
        hex[2 + digits - 1 - d] = "0123456789ABCDEF"[v];
    }
    hex[digits + 2] = '\0';
    return hex;
}

static struct taskset *ts_from_hex(const char *hex, uint32_t nbits)
{
    struct taskset *ts;
    size_t len;

    if (!hex || strncmp(hex, "0x", 2) != 0 || !(ts = ts_create(nbits)))
        return NULL;
    hex += 2;
    len = strlen(hex);
    for (size_t d = 0; d < len; d++) {
        char c = hex[len - 1 - d];
        unsigned v;

        if (!isxdigit((unsigned char)c)) {
            ts_destroy(ts);
            return NULL;
        }
        v = (unsigned)(isdigit((unsigned char)c) ? c - '0' : toupper((unsigned char)c) - 'A' + 10);
        for (unsigned b = 0; b < 4; b++) {
            if (v >> b & 1)
                ts_set(ts, (uint32_t)(d * 4 + b));
        }
    }
    return ts;
}

/* SLURM's bit_fmt: "1-3,5".  Caller frees. */
static char *ts_to_ranges(const struct taskset *ts)
{
    size_t cap = 64, len = 0;
    char *s = malloc(cap);
    int64_t i = ts_next(ts, 0);

    if (!s)
        return NULL;
    s[0] = '\0';
    while (i >= 0) {
        uint32_t start = (uint32_t)i, end = (uint32_t)i;
        char part[32];
        int n;

        while (ts_test(ts, end + 1))
            end++;
        n = start == end ? snprintf(part, sizeof(part), "%s%u", len ? "," : "", start)
                         : snprintf(part, sizeof(part), "%s%u-%u", len ? "," : "", start, end);
        if (len + (size_t)n + 1 > cap) {
            char *bigger = realloc(s, cap * 2 + (size_t)n);

            if (!bigger) {
                free(s);
                return NULL;
            }
            s = bigger;
            cap = cap * 2 + (size_t)n;
        }
        memcpy(s + len, part, (size_t)n + 1);
        len += (size_t)n;
        i = ts_next(ts, end + 1);
    }
    return s;
}

/* _parse_array_tok: "[a-b:s]" with optional brackets; '%' ends a token. */
static bool parse_array_tok(const char *tok, struct taskset *ts, uint32_t max)
{
    char *end = NULL;
    long first, last, step = 1;

    if (tok[0] == '[')
        tok++;
    errno = 0;
    first = strtol(tok, &end, 10);
    if (end == tok || errno)
        return false;
    if (end[0] == ']')
        end++;
    if (first < 0)
        return false;
    if (end[0] == '-') {
        const char *p = end + 1;

        last = strtol(p, &end, 10);
        if (end == p)
            return false;
        if (end[0] == ']')
            end++;
        if (end[0] == ':') {
            p = end + 1;
            step = strtol(p, &end, 10);
            if (end == p)
                return false;
            if (end[0] == ']')
                end++;
            if (end[0] != '\0' && end[0] != '%')
                return false;
            if (step <= 0 || step >= (long)max)
                return false;
        } else if (end[0] != '\0' && end[0] != '%') {
            return false;
        }
        if (last < first)
            return false;
    } else if (end[0] != '\0' && end[0] != '%') {
        return false;
    } else {
        last = first;
    }
    if (last >= (long)max)
        return false;
    for (long i = first; i <= last; i += step)
        ts_set(ts, (uint32_t)i);
    return true;
}

/* The task set of expr ("1-3,7" or "[1-3]%2"), or NULL (EINVAL / ENOMEM). */
static struct taskset *parse_array_expr(const char *expr, uint32_t max)
{
    struct taskset *ts;
    char *copy, *tok, *save = NULL;
    bool valid = true;

    if (!expr || !*expr || !max) {
        errno = EINVAL;
        return NULL;
    }
    if (!(ts = ts_create(max)) || !(copy = strdup(expr))) {
        ts_destroy(ts);
        errno = ENOMEM;
        return NULL;
    }
    for (tok = strtok_r(copy, ",", &save); tok && valid; tok = strtok_r(NULL, ",", &save))
        valid = parse_array_tok(tok, ts, max);
    free(copy);
    if (!valid || ts_next(ts, 0) < 0) {
        ts_destroy(ts);
        errno = EINVAL;
        return NULL;
    }
    return ts;
}

int jobs_parse_array(const char *spec, uint32_t max, uint32_t *count, uint32_t *first,
                     uint32_t *last, uint32_t *max_running)
{
    struct taskset *ts = parse_array_expr(spec, max);
    const char *pct;
    int64_t i;

    if (!ts)
        return -1;
    *count = ts_count(ts);
    *first = (uint32_t)ts_next(ts, 0);
    *last = *first;
    for (i = ts_next(ts, 0); i >= 0; i = ts_next(ts, (uint32_t)i + 1))
        *last = (uint32_t)i;
    pct = strchr(spec, '%');
    *max_running = pct && atoi(pct + 1) > 0 ? (uint32_t)atoi(pct + 1) : 0;
    ts_destroy(ts);
    return 0;
}

/* ---- the table ------------------------------------------------------------ */

struct job {
    uint32_t job_id;
    uint32_t array_job_id;  /* 0 when not part of an array */
    uint32_t array_task_id; /* NO_VAL for a plain job and a pending meta record */
    struct taskset *tasks;  /* the meta record's pending tasks, else NULL */
    uint32_t array_max_tasks;
    uint32_t state;
    uint32_t reason;
    char *state_desc; /* the scheduler's words for the reason, NULL if none */
    uint32_t priority;
    bool prio_set; /* slurmctld's direct_set_prio */
    int64_t submit_time;
    int64_t begin_time; /* eligible time: 0 while held or dependent */
    int64_t accrue_time;
    int64_t start_time;
    int64_t end_time;
    uint16_t proto;
    uint32_t requid;
    uint32_t exit_code;
    uint64_t bitflags;
    uint64_t seq;
    uint32_t weight; /* what this record adds to jobs->active */
    /* Running (docs/running-jobs.md): the allocation, kept after the job
     * ended for NodeList/NumCPUs until a requeue drops it; per host of it
     * whether the host is still completing (its epilog has not come) and
     * whether the held index counts it now (not state). */
    struct flurm_alloc *alloc;
    uint8_t *cg;
    uint8_t *counted;
    bool launched;
    /* The node manager instance that may launch it (job.launch_claim),
     * NULL while nobody claimed this run; a requeue clears it. */
    char *launch_owner;
    bool batch;
    uint16_t restart_cnt;
    /* _job_complete's requeues (a launch nobody answered, a failed batch
     * complete, a batch job missing from its node) since submit or since
     * the last MAX_BATCH_REQUEUE hold: slurmctld's batch_flag - 1 */
    uint16_t batch_requeues;
    /* Interactive jobs (docs/steps.md): where salloc/srun listens
     * (resp_host, the request's peer; the ports are desc's), and the job's
     * steps (NULL until the first one). */
    char *resp_host;
    struct steps *steps;
    /* Its job_info records in wire form (render.h): dropped by every change */
    struct rendered *rendered;
    /* The request as normalized at submit (script and environment are kept
     * apart): name, partition, time limits, sizes, paths... */
    struct flurm_job_desc desc;
};

struct jobs {
    const struct site *site;
    struct job **v; /* sorted by job_id */
    size_t n, cap;
    uint32_t next_job_id;
    uint32_t lowest_prio;
    size_t active; /* jobs not finished, array tasks each (MaxJobCount) */
    int64_t last_update;
    json_t *desc_defaults;
    /* effects of the last command */
    uint32_t *changed;
    size_t nchanged, changed_cap;
    struct jobs_script *scripts;
    size_t nscripts, scripts_cap;
    /* the command being applied */
    uint64_t seq;
    int64_t now;
    /* sdiag's counters since the table was created or last reset: not
     * state (never saved), so a reloaded store starts them again */
    struct {
        uint32_t submitted, canceled, started, completed, failed;
    } counted;
    /* cores and memory held per node, derived from the jobs (not state) */
    struct held *held;
    /* the signals job.kill asks the node manager to deliver */
    json_t *signals;
    /* job_info records answered from a kept rendering, and made afresh
     * (render.h; not state) */
    uint64_t rendered_hits, rendered_made;
    /* query-time cache of user names (not state) */
    struct uname {
        uint32_t uid;
        char *name;
    } *unames;
    size_t nunames;
};

static void job_free(struct job *job)
{
    if (!job)
        return;
    ts_destroy(job->tasks);
    flurm_alloc_destroy(job->alloc);
    free(job->cg);
    free(job->counted);
    free(job->resp_host);
    free(job->launch_owner);
    steps_destroy(job->steps);
    rendered_destroy(job->rendered);
    flurm_record_free(&flurm_rec_job_desc, &job->desc);
    free(job->state_desc);
    free(job);
}

static bool job_pending(const struct job *job)
{
    return (job->state & JOB_STATE_BASE) == JOB_PENDING;
}

static bool job_finished(const struct job *job)
{
    return (job->state & JOB_STATE_BASE) > JOB_SUSPENDED;
}

static bool job_is_array(const struct job *job)
{
    return job->array_task_id != FLURM_NO_VAL || job->tasks;
}

/* Position of job_id in the table, or where it would go (*found 0). */
static size_t job_pos(const struct jobs *jobs, uint32_t job_id, bool *found)
{
    size_t lo = 0, hi = jobs->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (jobs->v[mid]->job_id < job_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < jobs->n && jobs->v[lo]->job_id == job_id;
    return lo;
}

static struct job *job_find(const struct jobs *jobs, uint32_t job_id)
{
    bool found;
    size_t pos = job_pos(jobs, job_id, &found);

    return found ? jobs->v[pos] : NULL;
}

static int job_insert(struct jobs *jobs, struct job *job)
{
    bool found;
    size_t pos = job_pos(jobs, job->job_id, &found);

    if (found) {
        errno = EEXIST;
        return -1;
    }
    if (jobs->n == jobs->cap) {
        size_t cap = jobs->cap ? jobs->cap * 2 : 256;
        struct job **v = realloc(jobs->v, cap * sizeof(*v));

        if (!v)
            return -1;
        jobs->v = v;
        jobs->cap = cap;
    }
    memmove(jobs->v + pos + 1, jobs->v + pos, (jobs->n - pos) * sizeof(*jobs->v));
    jobs->v[pos] = job;
    jobs->n++;
    return 0;
}

/* The record of task `task` of array `array_id`: a split-off task, or the
 * meta record while the task is still pending in it (find_job_array_rec). */
static struct job *job_find_task(const struct jobs *jobs, uint32_t array_id, uint32_t task)
{
    struct job *meta;

    for (size_t i = 0; i < jobs->n; i++) {
        struct job *job = jobs->v[i];

        if (job->array_job_id == array_id && job->array_task_id == task)
            return job;
    }
    meta = job_find(jobs, array_id);
    if (meta && meta->tasks && ts_test(meta->tasks, task))
        return meta;
    return NULL;
}

/* The jobs a record stands for in MaxJobCount. */
static uint32_t job_weight(const struct job *job)
{
    if (job_finished(job))
        return 0;
    return job->tasks ? ts_count(job->tasks) : 1;
}

static void reweigh(struct jobs *jobs, struct job *job)
{
    uint32_t w = job_weight(job);

    jobs->active = jobs->active - job->weight + w;
    job->weight = w;
}

/* Whether job holds the cores and memory of its alloc host i: all of them
 * while it runs, those still completing after it ended (or was requeued). */
static bool job_holds_host(const struct job *job, size_t i)
{
    uint32_t base = job->state & JOB_STATE_BASE;

    if (!job->alloc || i >= job->alloc->nhosts)
        return false;
    if (base == JOB_RUNNING || base == JOB_SUSPENDED)
        return true;
    return (job->state & JOB_COMPLETING) && job->cg && job->cg[i];
}

/* Bring the held index in line with what job holds now. */
static void held_sync(struct jobs *jobs, struct job *job)
{
    const struct site *site = jobs->site;

    if (!job->alloc || !job->counted)
        return;
    for (size_t i = 0; i < job->alloc->nhosts; i++) {
        const struct flurm_alloc_host *h = &job->alloc->hosts[i];
        bool want = job_holds_host(job, i);
        ssize_t node;

        if (want == (bool)job->counted[i])
            continue;
        node = site_node_find(site, h->name);
        if (node >= 0) {
            if (want)
                held_add(jobs->held, (size_t)node, &h->cores, h->mem);
            else
                held_remove(jobs->held, (size_t)node, &h->cores, h->mem);
        }
        job->counted[i] = want;
    }
}

/* Release what job holds and forget its allocation (a requeue). */
static void job_drop_alloc(struct jobs *jobs, struct job *job)
{
    if (job->counted) {
        for (size_t i = 0; job->alloc && i < job->alloc->nhosts; i++)
            job->cg[i] = 0;
        held_sync(jobs, job);
    }
    flurm_alloc_destroy(job->alloc);
    free(job->cg);
    free(job->counted);
    job->alloc = NULL;
    job->cg = NULL;
    job->counted = NULL;
    job->launched = false;
    free(job->launch_owner);
    job->launch_owner = NULL;
    /* a requeued job starts again from step 0, as slurmctld's requeue */
    if (job->steps)
        steps_clear(job->steps);
}

/* build_cg_bitmap: every host of the allocation is completing, and the job
 * is COMPLETING while any is. */
static void job_begin_completing(struct job *job)
{
    bool any = false;

    for (size_t i = 0; job->alloc && job->cg && i < job->alloc->nhosts; i++) {
        job->cg[i] = 1;
        any = true;
    }
    if (any)
        job->state |= JOB_COMPLETING;
    else
        job->state &= ~JOB_COMPLETING;
}

/* Remember that job changed in this command, once.  Every change to a job
 * passes here, which also keeps the active count right. */
static int mark_changed(struct jobs *jobs, struct job *job)
{
    uint32_t base = job->state & JOB_STATE_BASE;

    rendered_destroy(job->rendered);
    job->rendered = NULL;
    /* a job's steps end with it, however it ended */
    if (job->steps && base != JOB_RUNNING && base != JOB_SUSPENDED)
        steps_end_all(job->steps, base == JOB_PENDING ? JOB_CANCELLED : base, jobs->now);
    reweigh(jobs, job);
    held_sync(jobs, job);
    job->seq = jobs->seq;
    jobs->last_update = jobs->now;
    for (size_t i = 0; i < jobs->nchanged; i++) {
        if (jobs->changed[i] == job->job_id)
            return 0;
    }
    if (jobs->nchanged == jobs->changed_cap) {
        size_t cap = jobs->changed_cap ? jobs->changed_cap * 2 : 16;
        uint32_t *v = realloc(jobs->changed, cap * sizeof(*v));

        if (!v)
            return -1;
        jobs->changed = v;
        jobs->changed_cap = cap;
    }
    jobs->changed[jobs->nchanged++] = job->job_id;
    return 0;
}

struct jobs *jobs_create(const struct site *site)
{
    struct jobs *jobs = calloc(1, sizeof(*jobs));

    if (!jobs)
        return NULL;
    jobs->site = site;
    jobs->next_job_id = site_first_job_id(site);
    jobs->lowest_prio = TOP_PRIORITY;
    if (!(jobs->desc_defaults = jobs_desc_defaults()) || !(jobs->held = held_create(site))) {
        json_decref(jobs->desc_defaults);
        free(jobs);
        errno = ENOMEM;
        return NULL;
    }
    return jobs;
}

void jobs_destroy(struct jobs *jobs)
{
    if (!jobs)
        return;
    for (size_t i = 0; i < jobs->n; i++)
        job_free(jobs->v[i]);
    for (size_t i = 0; i < jobs->nunames; i++)
        free(jobs->unames[i].name);
    free(jobs->unames);
    free(jobs->v);
    free(jobs->changed);
    free(jobs->scripts);
    json_decref(jobs->desc_defaults);
    json_decref(jobs->signals);
    held_destroy(jobs->held);
    free(jobs);
}

const struct site *jobs_site(const struct jobs *jobs)
{
    return jobs->site;
}

size_t jobs_count(const struct jobs *jobs)
{
    return jobs->n;
}

size_t jobs_active_count(const struct jobs *jobs)
{
    return jobs->active;
}

void jobs_rendered_counts(const struct jobs *jobs, uint64_t *hits, uint64_t *made)
{
    *hits = jobs->rendered_hits;
    *made = jobs->rendered_made;
}

size_t jobs_changed(const struct jobs *jobs, const uint32_t **ids)
{
    *ids = jobs->changed;
    return jobs->nchanged;
}

size_t jobs_new_scripts(const struct jobs *jobs, const struct jobs_script **scripts)
{
    *scripts = jobs->scripts;
    return jobs->nscripts;
}

int jobs_job_owner(const struct jobs *jobs, uint32_t job_id, uint32_t *user_id)
{
    const struct job *job = job_find(jobs, job_id);

    if (!job) {
        errno = ENOENT;
        return -1;
    }
    *user_id = job->desc.user_id;
    return 0;
}

int jobs_job_state(const struct jobs *jobs, uint32_t job_id, uint32_t *state)
{
    const struct job *job = job_find(jobs, job_id);

    if (!job) {
        errno = ENOENT;
        return -1;
    }
    *state = job->state;
    return 0;
}

/* ---- job_desc defaults ------------------------------------------------------ */

void jobs_desc_init(struct flurm_job_desc *d)
{
    memset(d, 0, sizeof(*d));
    d->site_factor = FLURM_NO_VAL;
    d->contiguous = FLURM_NO_VAL16;
    d->core_spec = FLURM_NO_VAL16;
    d->task_dist = FLURM_NO_VAL;
    d->kill_on_node_fail = FLURM_NO_VAL16;
    d->job_id = FLURM_NO_VAL;
    d->alloc_sid = FLURM_NO_VAL;
    d->pn_min_cpus = FLURM_NO_VAL16;
    d->pn_min_memory = FLURM_NO_VAL64;
    d->pn_min_tmp_disk = FLURM_NO_VAL;
    d->cpu_freq_min = FLURM_NO_VAL;
    d->cpu_freq_max = FLURM_NO_VAL;
    d->cpu_freq_gov = FLURM_NO_VAL;
    d->priority = FLURM_NO_VAL;
    d->nice = FLURM_NO_VAL;
    d->overcommit = FLURM_NO_VAL8;
    d->num_tasks = FLURM_NO_VAL;
    d->reboot = FLURM_NO_VAL16;
    d->requeue = FLURM_NO_VAL16;
    d->shared = FLURM_NO_VAL16;
    d->cpus_per_task = FLURM_NO_VAL16;
    d->ntasks_per_node = FLURM_NO_VAL16;
    d->ntasks_per_socket = FLURM_NO_VAL16;
    d->ntasks_per_core = FLURM_NO_VAL16;
    d->ntasks_per_tres = FLURM_NO_VAL16;
    d->plane_size = FLURM_NO_VAL16;
    d->cpu_bind_type = FLURM_NO_VAL16;
    d->mem_bind_type = FLURM_NO_VAL16;
    d->time_limit = FLURM_NO_VAL;
    d->time_min = FLURM_NO_VAL;
    d->min_cpus = FLURM_NO_VAL;
    d->max_cpus = FLURM_NO_VAL;
    d->min_nodes = FLURM_NO_VAL;
    d->max_nodes = FLURM_NO_VAL;
    d->sockets_per_node = FLURM_NO_VAL16;
    d->cores_per_socket = FLURM_NO_VAL16;
    d->threads_per_core = FLURM_NO_VAL16;
    d->user_id = FLURM_NO_VAL;
    d->group_id = FLURM_NO_VAL;
    d->mail_type = FLURM_NO_VAL16;
    d->req_switch = FLURM_NO_VAL;
    d->wait4switch = FLURM_NO_VAL;
    d->select_plugin_id = FLURM_SELECT_PLUGIN_CONS_TRES;
    d->wait_all_nodes = FLURM_NO_VAL16;
    d->delay_boot = FLURM_NO_VAL;
}

json_t *jobs_desc_defaults(void)
{
    struct flurm_job_desc d;

    jobs_desc_init(&d);
    return flurm_record_to_json(&flurm_rec_job_desc, &d);
}

/* Decode a job_desc sent in a request: keys the sender left out keep
 * slurm_init_job_desc_msg's values (the record engine would zero them), and
 * the script and environment are not copied (they are read from the
 * request).  0, or -1 with the failing field in *field. */
static int desc_decode(const struct jobs *jobs, const json_t *msg, struct flurm_job_desc *d,
                       const char **field)
{
    json_t *merged = json_copy(jobs->desc_defaults);
    int rc;

    *field = NULL;
    if (!merged)
        return -1;
    if (json_is_object(msg))
        json_object_update(merged, (json_t *)msg);
    json_object_del(merged, "script");
    json_object_del(merged, "environment");
    rc = flurm_record_from_json(&flurm_rec_job_desc, merged, d, field);
    json_decref(merged);
    return rc;
}

/* ---- priorities (priority/basic) ------------------------------------------ */

/* set_job_prio + priority/basic's priority_p_set: each new eligible job
 * gets one less than the lowest priority so far, shifted by its nice. */
static void set_job_prio(struct jobs *jobs, struct job *job)
{
    int64_t offset = (int64_t)job->desc.nice - NICE_OFFSET;
    int64_t prio = 1;

    if (job_finished(job))
        return;
    if (job->prio_set && job->priority > 1)
        return;
    if (jobs->lowest_prio >= 2)
        prio = (int64_t)jobs->lowest_prio - 1;
    if (offset <= 0 || prio > offset + 1)
        prio -= offset;
    if (prio < 1)
        prio = 1;
    if (prio > UINT32_MAX)
        prio = UINT32_MAX;
    job->priority = (uint32_t)prio;
    if (prio + offset < jobs->lowest_prio)
        jobs->lowest_prio = (uint32_t)(prio + offset < 1 ? 1 : prio + offset);
}

/* ---- partitions ------------------------------------------------------------ */

/* The partitions a job names ("a" or "a,b"): the first one decides its
 * limits (FLURM does not try each in turn as slurmctld does).  Refusals
 * as _get_job_parts. */
static int job_parts(const struct jobs *jobs, const char *names,
                     const struct site_partition **part, char *detail, size_t len)
{
    char *copy, *tok, *save = NULL;
    int rc = 0;

    *part = NULL;
    if (!names) {
        if (!(*part = site_default_partition(jobs->site)))
            return ESLURM_DEFAULT_PARTITION_NOT_SET;
        return 0;
    }
    if (!(copy = strdup(names)))
        return ENOMEM;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const struct site_partition *p = site_partition_find(jobs->site, tok);

        if (!p) {
            snprintf(detail, len, "invalid partition specified: %s", tok);
            rc = ESLURM_INVALID_PARTITION_NAME;
            break;
        }
        if (!*part)
            *part = p;
    }
    free(copy);
    if (!rc && !*part) {
        snprintf(detail, len, "invalid partition specified: %s", names);
        rc = ESLURM_INVALID_PARTITION_NAME;
    }
    return rc;
}

/* The size and time a partition is checked against (_part_access_check's
 * view of a job_desc). */
struct part_req {
    uint32_t submit_uid;
    uint32_t min_cpus;
    uint32_t min_nodes;
    uint32_t max_nodes;
    uint32_t time_limit;
    const unsigned char *req_nodes; /* per site node, or NULL */
};

static int part_access_check(const struct jobs *jobs, const struct site_partition *p,
                             const struct part_req *r)
{
    bool sched = p->state & SITE_PART_SCHED;

    if (p->root_only && r->submit_uid != 0 && r->submit_uid != site_slurm_user(jobs->site))
        return ESLURM_ACCESS_DENIED;
    if (sched && r->min_cpus != FLURM_NO_VAL) {
        uint64_t per_node_cap = (uint64_t)p->max_cpus_per_node * p->total_nodes;

        if (r->min_cpus > p->total_cpus || r->min_cpus > per_node_cap)
            return ESLURM_TOO_MANY_REQUESTED_CPUS;
    }
    if (sched && r->min_nodes != FLURM_NO_VAL && r->min_nodes > p->total_nodes)
        return ESLURM_INVALID_NODE_COUNT;
    if (r->req_nodes) {
        for (size_t i = 0; i < site_node_count(jobs->site); i++) {
            if (r->req_nodes[i] && !site_partition_has_node(p, i))
                return ESLURM_REQUESTED_NODES_NOT_IN_PARTITION;
        }
    }
    if (sched && r->min_nodes != FLURM_NO_VAL && r->min_nodes < p->min_nodes)
        return ESLURM_INVALID_NODE_COUNT;
    if (sched && r->max_nodes != FLURM_NO_VAL && r->max_nodes > p->max_nodes)
        return ESLURM_INVALID_NODE_COUNT;
    if (sched && r->time_limit != FLURM_NO_VAL && r->time_limit > p->max_time)
        return ESLURM_INVALID_TIME_LIMIT;
    return 0;
}

/* job_limits_check: why a pending job cannot run in its partition as it is
 * configured (WAIT_NO_REASON if it can). */
static uint32_t limits_reason(const struct jobs *jobs, const struct job *job)
{
    const struct site_partition *p = NULL;
    struct part_req r = {
        .submit_uid = job->desc.user_id,
        .min_cpus = job->desc.min_cpus,
        .min_nodes = job->desc.min_nodes,
        .max_nodes = job->desc.max_nodes ? job->desc.max_nodes : FLURM_NO_VAL,
        .time_limit = job->desc.time_limit,
    };
    char detail[8];

    if (job_parts(jobs, job->desc.partition, &p, detail, sizeof(detail)) || !p)
        return WAIT_PART_CONFIG;
    switch (part_access_check(jobs, p, &r)) {
    case 0:
        break;
    case ESLURM_INVALID_TIME_LIMIT:
    case ESLURM_INVALID_TIME_MIN_LIMIT:
        return WAIT_PART_TIME_LIMIT;
    case ESLURM_INVALID_NODE_COUNT:
        return WAIT_PART_NODE_LIMIT;
    default:
        return WAIT_PART_CONFIG;
    }
    if (p->state == SITE_PART_DOWN)
        return WAIT_PART_DOWN;
    if (p->state == SITE_PART_INACTIVE)
        return WAIT_PART_INACTIVE;
    return WAIT_NO_REASON;
}

/* The reason a pending job waits, before any scheduler has looked at it:
 * held, dependent, waiting for its begin time, blocked by its partition, or
 * otherwise "Priority" (the scheduler refines it into Resources etc.). */
static uint32_t pending_reason(const struct jobs *jobs, const struct job *job)
{
    uint32_t r;

    if (job->priority == 0)
        return job->reason == WAIT_HELD || job->reason == WAIT_MAX_REQUEUE ? job->reason
                                                                           : WAIT_HELD_USER;
    if (job->desc.dependency && *job->desc.dependency)
        return WAIT_DEPENDENCY;
    if (job->desc.begin_time > jobs->now)
        return WAIT_TIME;
    if ((r = limits_reason(jobs, job)) != WAIT_NO_REASON)
        return r;
    return WAIT_PRIORITY;
}

/* Recompute what eligibility means for a pending job after a change:
 * reason, eligible time, accrue time and the JOB_DEPENDENT flag. */
static void refresh_pending(struct jobs *jobs, struct job *job, bool at_submit)
{
    bool eligible;

    if (!job_pending(job))
        return;
    job->reason = pending_reason(jobs, job);
    free(job->state_desc); /* the scheduler words the new reason again */
    job->state_desc = NULL;
    /* job_allocate leaves a new array's eligibility to the scheduler */
    eligible = job->priority != 0 && !(job->desc.dependency && *job->desc.dependency) &&
               job->desc.begin_time <= jobs->now && !(at_submit && job->tasks);
    if (job->priority == 0) /* _hold_job_rec forgets a begin time already past */
        job->begin_time = job->desc.begin_time > jobs->now ? job->desc.begin_time : 0;
    else if (job->desc.begin_time > jobs->now)
        job->begin_time = job->desc.begin_time;
    else if (eligible && !job->begin_time)
        job->begin_time = jobs->now;
    if (eligible) {
        job->bitflags &= ~JOB_DEPENDENT;
        if (!job->accrue_time)
            job->accrue_time = job->begin_time ? job->begin_time : jobs->now;
    } else {
        job->bitflags |= JOB_DEPENDENT;
        job->accrue_time = 0;
    }
}

/* ---- the command being applied ---------------------------------------------- */

struct cmd {
    uint32_t uid;
    uint32_t gid;
    const char *host;
    uint16_t proto;
    const json_t *msg;
    bool admin;
    /* job.allocate: an interactive job (no script) and where its client
     * listens (the request's TCP peer) */
    bool interactive;
    const char *peer;
};

static int cmd_read(struct jobs *jobs, const json_t *cmd, struct cmd *c)
{
    const json_t *auth = json_object_get(cmd, "auth");
    json_int_t uid = get_int(auth, "uid", -1), gid = get_int(auth, "gid", -1);

    memset(c, 0, sizeof(*c));
    if (uid < 0 || uid > UINT32_MAX || gid < 0 || gid > UINT32_MAX)
        return -1;
    c->uid = (uint32_t)uid;
    c->gid = (uint32_t)gid;
    c->host = get_str(auth, "host");
    if (!c->host)
        c->host = get_str(auth, "addr");
    c->proto = (uint16_t)get_int(cmd, "proto", FLURM_PROTO_22_05);
    c->msg = json_object_get(cmd, "msg");
    c->admin = site_is_admin(jobs->site, c->uid);
    c->peer = get_str(cmd, "peer");
    if (!c->peer)
        c->peer = get_str(auth, "addr");
    jobs->now = (int64_t)get_int(cmd, "time", 0);
    return 0;
}

/* Defined with the queries and the interactive jobs below. */
struct asker;
static bool hidden_private(const struct jobs *jobs, const struct asker *a, const struct job *job);
static bool hidden_in_list(const struct jobs *jobs, const struct asker *a, const struct job *job,
                           uint16_t show_flags);
static json_t *alloc_resp_json(struct jobs *jobs, const struct job *job);
static int step_signal(struct jobs *jobs, const struct cmd *c, uint32_t job_id,
                       uint32_t step_id, uint16_t signal, uint16_t flags);
static int parse_step_str(const char *str, uint32_t *job_id, uint32_t *step_id);

/* ---- job.submit ------------------------------------------------------------ */

static bool too_long(const char *s, size_t max)
{
    return s && strlen(s) > max;
}

/* _test_job_desc_fields */
static bool desc_fields_too_long(const struct flurm_job_desc *d, const char *script)
{
    return too_long(d->account, 1024) || too_long(d->alloc_node, 1024) ||
           too_long(d->array_inx, 4096) || too_long(d->burst_buffer, 8192) ||
           too_long(d->comment, 1024) || too_long(d->cpu_bind, 128 * 1024) ||
           too_long(d->cpus_per_tres, 1024) || too_long(d->dependency, 128 * 1024) ||
           too_long(d->features, 1024) || too_long(d->cluster_features, 1024) ||
           too_long(d->licenses, 1024) || too_long(d->mail_user, 1024) ||
           too_long(d->mcs_label, 1024) || too_long(d->mem_bind, 128 * 1024) ||
           too_long(d->mem_per_tres, 1024) || too_long(d->name, 1024) ||
           too_long(d->network, 1024) || too_long(d->partition, 1024) ||
           too_long(d->prefer, 1024) || too_long(d->qos, 1024) ||
           too_long(d->reservation, 1024) || too_long(script, MAX_SCRIPT_BYTES) ||
           too_long(d->std_err, MAX_PATH_BYTES) || too_long(d->std_in, MAX_PATH_BYTES) ||
           too_long(d->std_out, MAX_PATH_BYTES) || too_long(d->submit_line, 1024 * 1024) ||
           too_long(d->tres_bind, 1024) || too_long(d->tres_freq, 1024) ||
           too_long(d->tres_per_job, 1024) || too_long(d->tres_per_node, 1024) ||
           too_long(d->tres_per_socket, 1024) || too_long(d->tres_per_task, 1024) ||
           too_long(d->wckey, 1024) || too_long(d->work_dir, MAX_PATH_BYTES);
}

/* The dependency syntax update_job_dependency accepts:
 * "type:id[:id...][?,type:...]" or "singleton"; the jobs named are resolved
 * by the scheduler later. */
static bool dependency_valid(const char *dep)
{
    static const char *const types[] = {"after",      "afterany", "afternotok", "afterok",
                                        "aftercorr",  "afterburstbuffer", "expand", NULL};
    char *copy, *tok, *save = NULL;
    bool ok = true;

    if (!dep || !*dep)
        return true;
    if (!(copy = strdup(dep)))
        return false;
    for (tok = strtok_r(copy, ",?", &save); tok && ok; tok = strtok_r(NULL, ",?", &save)) {
        char *colon = strchr(tok, ':');
        bool known = false;

        if (strcmp(tok, "singleton") == 0)
            continue;
        if (!colon || !colon[1]) {
            ok = false;
            break;
        }
        *colon = '\0';
        for (size_t i = 0; types[i]; i++)
            known |= strcmp(tok, types[i]) == 0;
        for (char *id = colon + 1; known && *id;) {
            char *end;
            unsigned long v = strtoul(id, &end, 10);

            if (end == id || v == 0 || (*end && *end != ':' && *end != '_' && *end != '+'))
                known = false;
            while (*end && *end != ':')
                end++; /* "+time" or "_task" suffixes */
            id = *end ? end + 1 : end;
        }
        ok = known;
    }
    free(copy);
    return ok;
}

/* Node names of req_nodes as a per-site-node map (caller frees); NULL with
 * *rc set when a name is malformed or unknown. */
static unsigned char *req_node_map(const struct jobs *jobs, const char *expr, uint32_t *count,
                                   int *rc)
{
    struct flurm_hostlist *hl = flurm_hostlist_parse(expr, NULL, 0);
    size_t n = site_node_count(jobs->site);
    unsigned char *map;

    *count = 0;
    *rc = ESLURM_INVALID_NODE_NAME;
    if (!hl)
        return NULL;
    if (!(map = calloc(n ? n : 1, 1))) {
        *rc = ENOMEM;
        flurm_hostlist_destroy(hl);
        return NULL;
    }
    for (size_t i = 0; i < flurm_hostlist_count(hl); i++) {
        char *host = flurm_hostlist_nth(hl, i);
        ssize_t idx = host ? site_node_find(jobs->site, host) : -1;

        free(host);
        if (idx < 0) {
            free(map);
            flurm_hostlist_destroy(hl);
            return NULL;
        }
        if (!map[idx])
            (*count)++;
        map[idx] = 1;
    }
    flurm_hostlist_destroy(hl);
    *rc = 0;
    return map;
}

/* The memory one node must have for the job, in MB (0: no requirement). */
static uint64_t node_memory_need(const struct flurm_job_desc *d)
{
    if (d->pn_min_memory == FLURM_NO_VAL64)
        return 0;
    if (d->pn_min_memory & MEM_PER_CPU) {
        uint64_t cpus = d->pn_min_cpus != FLURM_NO_VAL16 ? d->pn_min_cpus : 1;

        if (d->cpus_per_task != FLURM_NO_VAL16 && d->cpus_per_task > cpus)
            cpus = d->cpus_per_task;
        return (d->pn_min_memory & ~MEM_PER_CPU) * cpus;
    }
    return d->pn_min_memory;
}

/* Any node of p with enough memory for the job? */
static bool memory_fits(const struct site_partition *p, const struct flurm_job_desc *d)
{
    uint64_t need = node_memory_need(d);

    return need == 0 || p->max_node_memory >= need;
}

/* ---- node constraints: features, required and excluded nodes ---------------- */

/* How a feature joins the next one (build_feature_list's op codes): XAND
 * and XOR are & and | inside the one [...] set a constraint may hold. */
enum feat_op { FEAT_AND, FEAT_OR, FEAT_XAND, FEAT_XOR, FEAT_END };

struct feat {
    const char *name; /* into feat_expr.buf */
    uint32_t count;   /* "name*count", 0 if none */
    int paren;        /* inside (...) */
    enum feat_op op;
};

struct feat_expr {
    char *buf;
    struct feat *v;
    size_t n;
};

static void feat_expr_free(struct feat_expr *fx)
{
    free(fx->buf);
    free(fx->v);
    memset(fx, 0, sizeof(*fx));
}

/* A constraint as build_feature_list reads it: names joined by & (or ',')
 * and |, "name*count", one [...] set, (...) groups.  0; ENOMEM; for bad
 * syntax ESLURM_INVALID_FEATURE, or kind_err where slurmctld answers with
 * the error of the option (--prefer's own code).  Whatever the result, fx
 * is the caller's to release with feat_expr_free(). */
static int feat_parse(const char *text, int kind_err, struct feat_expr *fx)
{
    const char *feature = NULL;
    uint32_t count = 0;
    int bracket = 0, paren = 0, sets = 0;
    bool bad = false;

    memset(fx, 0, sizeof(*fx));
    if (!(fx->buf = strdup(text)) || !(fx->v = calloc(strlen(text) + 1, sizeof(*fx->v))))
        return ENOMEM;
    for (char *c = fx->buf; (c = strchr(c, ',')); c++)
        *c = '&'; /* a common mistake slurmctld forgives */
    for (char *c = fx->buf;; c++) {
        char ch = *c;

        if (ch == '*') {
            char *end;
            long v;

            *c = '\0';
            v = strtol(c + 1, &end, 10);
            if (!feature || v <= 0 || paren) {
                bad = true;
                break;
            }
            count = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
            c = end - 1;
        } else if (ch == '&' || ch == '|') {
            struct feat *f = &fx->v[fx->n];

            *c = '\0';
            if (!feature) {
                bad = true;
                break;
            }
            f->name = feature;
            f->count = count;
            f->paren = paren;
            if (paren || !bracket)
                f->op = ch == '&' ? FEAT_AND : FEAT_OR;
            else
                f->op = ch == '&' ? FEAT_XAND : FEAT_XOR;
            fx->n++;
            feature = NULL;
            count = 0;
        } else if (ch == '[') {
            *c = '\0';
            if (feature || bracket) {
                bad = true;
                break;
            }
            bracket++;
            if (++sets > 1)
                break;
        } else if (ch == ']') {
            *c = '\0';
            if (!feature || !bracket)
                return kind_err;
            bracket--;
        } else if (ch == '(') {
            *c = '\0';
            if (feature || paren) {
                bad = true;
                break;
            }
            paren++;
        } else if (ch == ')') {
            *c = '\0';
            if (!feature || !paren) {
                bad = true;
                break;
            }
            paren--;
        } else if (ch == '\0') {
            if (feature) {
                fx->v[fx->n] = (struct feat){feature, count, paren, FEAT_END};
                fx->n++;
            }
            break;
        } else if (!feature) {
            feature = c;
        }
    }
    if (bad || sets > 1 || bracket)
        return ESLURM_INVALID_FEATURE;
    if (paren)
        return kind_err;
    return 0;
}

/* _valid_feature_list: every name is some node's feature, counts only on
 * the & members of a [...] set and never on its | members. */
static bool feat_valid(const struct jobs *jobs, const struct feat_expr *fx)
{
    int bracket = 0; /* inside the [...] set: its depth + 1 */
    bool has_xand = false, has_xor = false, ok = true;

    for (size_t i = 0; i < fx->n; i++) {
        const struct feat *f = &fx->v[i];
        bool exclusive = f->op == FEAT_XAND || f->op == FEAT_XOR;

        if (exclusive)
            bracket = f->paren + 1;
        if (ok && !site_feature_exists(jobs->site, f->name))
            ok = false;
        if ((f->op == FEAT_XAND && !f->count) || (f->op == FEAT_XOR && f->count))
            ok = false;
        /* the set's last member closes it */
        if (bracket > f->paren && !exclusive) {
            if ((has_xand && !f->count) || (has_xor && f->count))
                ok = false;
            bracket = 0;
            has_xand = has_xor = false;
        }
        has_xand |= f->op == FEAT_XAND;
        has_xor |= f->op == FEAT_XOR;
    }
    return ok;
}

/* _valid_batch_features: the --batch features must be members of the
 * constraint and exist (with |, one of them is enough). */
static int batch_feat_valid(const struct jobs *jobs, const char *batch, const struct feat_expr *fx)
{
    bool have_or = strchr(batch, '|') != NULL, success_or = false;
    char *copy = strdup(batch), *tok, *save = NULL;
    int rc = 0;

    if (!copy)
        return ENOMEM;
    for (tok = strtok_r(copy, "&|", &save); tok; tok = strtok_r(NULL, "&|", &save)) {
        bool member = false;

        for (size_t i = 0; i < fx->n && !member; i++)
            member = strcmp(fx->v[i].name, tok) == 0;
        if (!member) {
            rc = ESLURM_BATCH_CONSTRAINT;
            break;
        }
        rc = site_feature_exists(jobs->site, tok) ? 0 : ESLURM_INVALID_FEATURE;
        if (have_or) {
            success_or |= rc == 0;
        } else if (rc) {
            rc = ESLURM_BATCH_CONSTRAINT;
            break;
        }
    }
    free(copy);
    return have_or && success_or ? 0 : rc;
}

/* build_feature_list for --constraint (kind_err ESLURM_INVALID_FEATURE) or
 * --prefer (ESLURM_INVALID_PREFER). */
static int constraint_check(const struct jobs *jobs, const char *text, const char *batch,
                            int kind_err)
{
    struct feat_expr fx;
    int rc;

    if (!text)
        return 0;
    rc = feat_parse(text, kind_err, &fx);
    if (!rc && batch)
        rc = batch_feat_valid(jobs, batch, &fx);
    if (!rc && !feat_valid(jobs, &fx))
        rc = kind_err;
    feat_expr_free(&fx);
    return rc;
}

/* Both build_feature_list calls of _job_create. */
static int constraints_check(const struct jobs *jobs, const struct flurm_job_desc *d)
{
    int rc;

    if (!d->features && !d->prefer)
        return d->batch_features ? ESLURM_BATCH_CONSTRAINT : 0;
    if ((rc = constraint_check(jobs, d->features, d->batch_features, ESLURM_INVALID_FEATURE)))
        return rc;
    return constraint_check(jobs, d->prefer, d->batch_features, ESLURM_INVALID_PREFER);
}

/* valid_feature_counts: narrow usable (one byte per site node) to the
 * nodes the & / | / (...) part of the constraint allows.  [...] members
 * and counted features do not narrow: they are judged per node set later
 * (*exclusive, *counted). */
static int feat_narrow(const struct jobs *jobs, const struct feat_expr *fx, unsigned char *usable,
                       bool *exclusive, bool *counted)
{
    size_t n = site_node_count(jobs->site);
    unsigned char *all = malloc(n ? n : 1), *group = malloc(n ? n : 1), *work = all;
    enum feat_op last_op = FEAT_AND, group_op = FEAT_AND;
    int last_paren = 0;

    *exclusive = *counted = false;
    if (!all || !group) {
        free(all);
        free(group);
        return ENOMEM;
    }
    memcpy(all, usable, n);
    for (size_t k = 0; k < fx->n; k++) {
        const struct feat *f = &fx->v[k];

        if (last_paren < f->paren) {
            group_op = last_op;
            last_op = FEAT_AND;
            memcpy(group, usable, n);
            work = group;
        }
        if (f->op == FEAT_XOR || f->op == FEAT_XAND) {
            *exclusive = true;
        } else if (last_op == FEAT_AND || last_op == FEAT_OR) {
            for (size_t i = 0; i < n; i++) {
                bool has = site_node_has_feature(site_node(jobs->site, i), f->name);

                work[i] = last_op == FEAT_AND ? (work[i] && has) : (work[i] || has);
            }
        }
        *counted |= f->count != 0;
        if (last_paren > f->paren) {
            for (size_t i = 0; i < n; i++)
                all[i] = group_op == FEAT_AND ? (all[i] && group[i]) : (all[i] || group[i]);
            *exclusive |= group_op == FEAT_XOR || group_op == FEAT_XAND;
            work = all;
        }
        last_op = f->op;
        last_paren = f->paren;
    }
    if (!*counted) {
        for (size_t i = 0; i < n; i++)
            usable[i] = usable[i] && work[i];
    }
    free(all);
    free(group);
    return 0;
}

/* For a [...] constraint, a node must offer one of the set's members. */
static bool feat_exclusive_fits(const struct feat_expr *fx, const struct site_node *node)
{
    bool in_set = false;

    for (size_t k = 0; k < fx->n; k++) {
        const struct feat *f = &fx->v[k];
        bool member = f->op == FEAT_XOR || f->op == FEAT_XAND ||
                      (k > 0 && (fx->v[k - 1].op == FEAT_XOR || fx->v[k - 1].op == FEAT_XAND));

        if (!member)
            continue;
        in_set = true;
        if (site_node_has_feature(node, f->name))
            return true;
    }
    return !in_set;
}

/* What the job asks of each node, as the job record holds it after
 * _copy_job_desc_to_job_record. */
struct node_need {
    uint32_t cpus; /* pn_min_cpus: tasks per node times CPUs per task */
    uint64_t memory; /* MB, per CPU when per_cpu */
    bool per_cpu;
    uint32_t tmp_disk;
    uint16_t sockets, cores, threads; /* NO_VAL16: any */
};

static void node_need_of(const struct flurm_job_desc *d, struct node_need *need)
{
    uint32_t per_task = d->cpus_per_task == FLURM_NO_VAL16 || d->cpus_per_task == 0
                            ? 1
                            : d->cpus_per_task;
    uint32_t cpus = d->pn_min_cpus == FLURM_NO_VAL16 ? 1 : d->pn_min_cpus;

    if (d->ntasks_per_node != FLURM_NO_VAL16 &&
        (d->overcommit == FLURM_NO_VAL8 || d->overcommit == 0) &&
        d->num_tasks != FLURM_NO_VAL && d->num_tasks > 1 &&
        per_task * d->ntasks_per_node > cpus)
        cpus = per_task * d->ntasks_per_node;
    need->cpus = cpus > per_task ? cpus : per_task;
    need->per_cpu = d->pn_min_memory != FLURM_NO_VAL64 && (d->pn_min_memory & MEM_PER_CPU);
    need->memory = d->pn_min_memory == FLURM_NO_VAL64 ? 0 : d->pn_min_memory & ~MEM_PER_CPU;
    need->tmp_disk = d->pn_min_tmp_disk == FLURM_NO_VAL ? 0 : d->pn_min_tmp_disk;
    need->sockets = d->sockets_per_node;
    need->cores = d->cores_per_socket;
    need->threads = d->threads_per_core;
}

static bool need_ok(uint16_t want, uint16_t have)
{
    return want == FLURM_NO_VAL16 || want <= have;
}

/* The node's configuration cannot serve the job: why, in _set_err_msg's
 * order, or NULL if it can. */
static const char *node_refusal(const struct site_node *node, const struct node_need *need)
{
    if (need->cpus > node->cpus)
        return "CPU count per node can not be satisfied";
    if (need->memory > node->real_memory)
        return "Memory specification can not be satisfied";
    if (need->tmp_disk > node->tmp_disk)
        return "Temporary disk specification can not be satisfied";
    if (!need_ok(need->sockets, node->sockets) || !need_ok(need->cores, node->cores_per_socket) ||
        !need_ok(need->threads, node->threads_per_core))
        return "Socket, core and/or thread specification can not be satisfied";
    return NULL;
}

/* The CPUs a node can give the job once memory per CPU is counted. */
static uint32_t node_cpu_capacity(const struct site_node *node, const struct node_need *need)
{
    uint64_t by_memory;

    if (!need->per_cpu || need->memory == 0)
        return node->cpus;
    by_memory = node->real_memory / need->memory;
    return by_memory < node->cpus ? (uint32_t)by_memory : node->cpus;
}

static int cmp_u32_desc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? 1 : x > y ? -1 : 0;
}

/* The select plugin's test-only pass without required nodes: enough nodes
 * of the set to host a task each, enough CPUs on at most max_nodes of
 * them, and enough nodes with each counted feature.  0, the SLURM code,
 * or ENOMEM. */
static int set_can_ever_run(const struct jobs *jobs, const struct flurm_job_desc *d,
                            const struct node_need *need, const unsigned char *in_set,
                            const struct feat_expr *fx)
{
    size_t n = site_node_count(jobs->site), hosts = 0, take;
    uint32_t *caps = calloc(n ? n : 1, sizeof(*caps));
    uint64_t cpus = 0;

    if (!caps)
        return ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint32_t cap = in_set[i] ? node_cpu_capacity(site_node(jobs->site, i), need) : 0;

        if (in_set[i] && cap >= need->cpus)
            caps[hosts++] = cap;
    }
    qsort(caps, hosts, sizeof(*caps), cmp_u32_desc);
    take = d->max_nodes && d->max_nodes != FLURM_NO_VAL && d->max_nodes < hosts ? d->max_nodes
                                                                                 : hosts;
    for (size_t i = 0; i < take; i++)
        cpus += caps[i];
    free(caps);
    if (hosts == 0 || (d->min_nodes != FLURM_NO_VAL && hosts < d->min_nodes) ||
        (d->min_cpus != FLURM_NO_VAL && cpus < d->min_cpus))
        return ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE;
    for (size_t k = 0; k < fx->n; k++) {
        uint32_t have = 0;

        if (!fx->v[k].count)
            continue;
        for (size_t i = 0; i < n; i++)
            have += in_set[i] && site_node_has_feature(site_node(jobs->site, i), fx->v[k].name);
        if (have < fx->v[k].count)
            return ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE;
    }
    return 0;
}

/* select_nodes at submission (_build_node_list, _nodes_in_sets and the
 * test-only pick): can any node of partition p ever run the job?  0, or
 * ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE with _set_err_msg's text in
 * detail when the last node configuration filtered out says why; ENOMEM.
 *
 * With required nodes slurmctld's verdict depends on whether they are up
 * (down ones make it wait instead of refusing); the store does not know
 * node states, so it stops where slurmctld would for nodes not
 * responding. */
static int partition_can_run(const struct jobs *jobs, const struct site_partition *p,
                             const struct flurm_job_desc *d, char *detail, size_t dlen)
{
    size_t n = site_node_count(jobs->site), in_count = 0;
    unsigned char *usable = malloc(n ? n : 1), *req = NULL, *exc = NULL;
    const char *features = d->prefer ? d->prefer : d->features, *why = NULL;
    struct feat_expr fx = {0};
    struct node_need need;
    bool exclusive = false, counted = false;
    uint32_t count;
    int rc = ENOMEM;

    if (!usable)
        goto out;
    memset(usable, 1, n);
    if (d->exc_nodes) {
        if (!(exc = req_node_map(jobs, d->exc_nodes, &count, &rc)))
            goto out;
        for (size_t i = 0; i < n; i++)
            usable[i] = usable[i] && !exc[i];
    }
    if (d->req_nodes && !(req = req_node_map(jobs, d->req_nodes, &count, &rc)))
        goto out;
    if (features && *features) {
        if ((rc = feat_parse(features, ESLURM_INVALID_FEATURE, &fx)) ||
            (rc = feat_narrow(jobs, &fx, usable, &exclusive, &counted)))
            goto out;
    }
    node_need_of(d, &need);
    for (size_t i = 0; i < n; i++) {
        const struct site_node *node = site_node(jobs->site, i);
        const char *refusal;

        if (!usable[i] || !site_partition_has_node(p, i)) {
            usable[i] = 0;
            continue;
        }
        usable[i] = 0; /* until it passes: usable now means "in a node set" */
        if ((refusal = node_refusal(node, &need))) {
            why = refusal;
            continue;
        }
        if (exclusive && !feat_exclusive_fits(&fx, node))
            continue;
        usable[i] = 1;
        in_count++;
    }
    rc = ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE;
    if (!in_count) {
        if (why)
            snprintf(detail, dlen, "%s", why);
        goto out;
    }
    for (size_t i = 0; req && i < n; i++) {
        if (req[i] && !usable[i])
            goto out;
    }
    if (!req && (rc = set_can_ever_run(jobs, d, &need, usable, &fx)))
        goto out;
    rc = 0;
out:
    feat_expr_free(&fx);
    free(usable);
    free(req);
    free(exc);
    return rc;
}

/* The next free id, wrapping at MaxJobId, without taking it (also
 * scontrol's NEXT_JOB_ID, get_next_job_id(true)); 0 if every id is taken. */
static uint32_t peek_job_id(const struct jobs *jobs)
{
    uint32_t first = site_first_job_id(jobs->site), max = site_max_job_id(jobs->site);
    uint32_t id = jobs->next_job_id;

    for (uint32_t tries = 0; tries <= max - first; tries++) {
        if (!job_find(jobs, id))
            return id;
        id = id >= max ? first : id + 1;
    }
    return 0;
}

/* _set_job_id: take the next free id. */
static uint32_t next_job_id(struct jobs *jobs)
{
    uint32_t id = peek_job_id(jobs), max = site_max_job_id(jobs->site);

    if (id)
        jobs->next_job_id = id >= max ? site_first_job_id(jobs->site) : id + 1;
    return id;
}

json_t *jobs_stats(struct jobs *jobs, bool reset, int64_t now)
{
    uint32_t pending = 0, running = 0;

    if (reset) /* reset_stats: the counters, not the gauges */
        memset(&jobs->counted, 0, sizeof(jobs->counted));
    /* _update_diag_job_state_counts */
    for (size_t i = 0; i < jobs->n; i++) {
        const struct job *job = jobs->v[i];

        if (job_pending(job))
            pending += job->tasks ? ts_count(job->tasks) : 1;
        else if ((job->state & JOB_STATE_BASE) == JOB_RUNNING)
            running++;
    }
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "jobs_submitted",
                     (json_int_t)jobs->counted.submitted, "jobs_canceled",
                     (json_int_t)jobs->counted.canceled, "jobs_started",
                     (json_int_t)jobs->counted.started, "jobs_completed",
                     (json_int_t)jobs->counted.completed, "jobs_failed",
                     (json_int_t)jobs->counted.failed, "jobs_pending", (json_int_t)pending,
                     "jobs_running", (json_int_t)running, "job_states_ts", (json_int_t)now,
                     "next_job_id", (json_int_t)peek_job_id(jobs));
}

static int add_script(struct jobs *jobs, uint32_t job_id, const json_t *msg)
{
    const json_t *env = json_object_get(msg, "environment");

    if (jobs->nscripts == jobs->scripts_cap) {
        size_t cap = jobs->scripts_cap ? jobs->scripts_cap * 2 : 4;
        struct jobs_script *v = realloc(jobs->scripts, cap * sizeof(*v));

        if (!v)
            return -1;
        jobs->scripts = v;
        jobs->scripts_cap = cap;
    }
    jobs->scripts[jobs->nscripts].job_id = job_id;
    jobs->scripts[jobs->nscripts].script = get_str(msg, "script");
    jobs->scripts[jobs->nscripts].environment = json_is_array(env) ? env : NULL;
    jobs->nscripts++;
    return 0;
}

/* Everything _valid_id, validate_job_create_req, _job_create,
 * _valid_job_part and _validate_job_desc check, in their order; fills in
 * the defaults slurmctld fills in.  Returns 0 or a SLURM code (detail may
 * hold the text slurmctld sends with it). */
static int submit_validate(struct jobs *jobs, const struct cmd *c, struct flurm_job_desc *d,
                           const struct site_partition **partp, struct taskset **tasksp,
                           char *detail, size_t dlen)
{
    const char *script = get_str(c->msg, "script");
    enum site_enforce enforce = site_enforce_part_limits(jobs->site);
    const struct site_partition *p = NULL;
    unsigned char *req_map = NULL;
    uint32_t req_count = 0;
    struct part_req pr;
    int rc;

    /* _valid_id: the body may name another user only for SlurmUser/root */
    if (d->user_id == FLURM_NO_VAL)
        d->user_id = c->uid;
    if (d->group_id == FLURM_NO_VAL)
        d->group_id = c->gid;
    if (!c->admin) {
        if (d->user_id != c->uid)
            return ESLURM_USER_ID_MISSING;
        if (d->group_id != c->gid)
            return ESLURM_GROUP_ID_MISSING;
    }
    /* _set_hostname: the credential's host, not the body's */
    if (c->host && *c->host && replace_str(&d->alloc_node, c->host) < 0)
        return ENOMEM;
    if (!d->alloc_node || !*d->alloc_node)
        return ESLURM_INVALID_NODE_NAME;

    /* validate_job_create_req */
    if (!c->admin) {
        if (d->priority != 0)
            d->priority = FLURM_NO_VAL;
        if (d->nice != FLURM_NO_VAL && d->nice < NICE_OFFSET)
            return ESLURM_INVALID_NICE;
        if (d->admin_comment)
            return ESLURM_ACCESS_DENIED;
        if (d->reboot && d->reboot != FLURM_NO_VAL16) {
            snprintf(detail, dlen, "rebooting of nodes is only allowed for admins");
            return ESLURM_ACCESS_DENIED;
        }
    }
    if (desc_fields_too_long(d, script))
        return ESLURM_PATHNAME_TOO_LONG;
    if (d->array_inx && *d->array_inx) {
        if (!script || !*script ||
            !(*tasksp = parse_array_expr(d->array_inx, site_max_array_size(jobs->site))))
            return ESLURM_INVALID_ARRAY;
        d->immediate = 0;
    }
    if (d->x11)
        return ESLURM_X11_NOT_AVAIL;
    if (d->req_nodes) {
        struct flurm_hostlist *hl = flurm_hostlist_parse(d->req_nodes, NULL, 0);
        uint32_t n;

        if (!hl)
            return ESLURM_INVALID_NODE_NAME;
        n = (uint32_t)flurm_hostlist_count(hl);
        flurm_hostlist_destroy(hl);
        if (d->min_nodes == FLURM_NO_VAL || d->min_nodes < n)
            d->min_nodes = n;
    }
    if (d->ntasks_per_node != FLURM_NO_VAL16 && d->min_nodes != FLURM_NO_VAL &&
        d->num_tasks == FLURM_NO_VAL)
        d->num_tasks = (uint32_t)d->ntasks_per_node * d->min_nodes;
    if (d->overcommit == FLURM_NO_VAL8 && d->min_cpus != FLURM_NO_VAL &&
        d->num_tasks != FLURM_NO_VAL && d->num_tasks > d->min_cpus) {
        d->min_cpus = d->num_tasks;
        if (d->cpus_per_task != FLURM_NO_VAL16)
            d->min_cpus *= d->cpus_per_task;
        if (d->max_cpus != FLURM_NO_VAL && d->max_cpus < d->min_cpus)
            d->max_cpus = d->min_cpus;
    }
    if (d->reboot && d->reboot != FLURM_NO_VAL16)
        d->shared = 0;

    /* job_allocate: MaxJobCount counts the jobs not yet finished (FLURM
     * keeps finished records instead of purging them after MinJobAge) */
    if (jobs_active_count(jobs) + (*tasksp ? ts_count(*tasksp) : 1) >=
        site_max_job_count(jobs->site)) {
        snprintf(detail, dlen, "MaxJobCount limit from slurm.conf reached (%u)",
                 site_max_job_count(jobs->site));
        return EAGAIN;
    }

    /* _job_create */
    rc = 0;
    if (d->req_nodes) {
        if (!(req_map = req_node_map(jobs, d->req_nodes, &req_count, &rc)))
            return rc;
        if (req_count > d->min_nodes || d->min_nodes == FLURM_NO_VAL)
            d->min_nodes = req_count;
        if (d->min_cpus == FLURM_NO_VAL || req_count > d->min_cpus)
            d->min_cpus = req_count;
        if (d->max_nodes && d->max_nodes != FLURM_NO_VAL && d->min_nodes > d->max_nodes) {
            rc = ESLURM_INVALID_NODE_COUNT;
            goto out;
        }
    }
    if (d->max_nodes == 0) {
        rc = ESLURM_INVALID_NODE_COUNT;
        goto out;
    }
    if ((rc = job_parts(jobs, d->partition, &p, detail, dlen)))
        goto out;
    if (!d->partition) {
        if (!(d->partition = strdup(p->name))) {
            rc = ENOMEM;
            goto out;
        }
        d->bitflags |= JOB_PART_ASSIGNED;
    }
    if (!(p->state & SITE_PART_SUBMIT)) { /* _alt_part_test */
        rc = ESLURM_PARTITION_NOT_AVAIL;
        goto out;
    }

    /* _valid_job_part */
    pr = (struct part_req){
        .submit_uid = c->uid,
        .min_cpus = d->min_cpus,
        .min_nodes = d->min_nodes,
        .max_nodes = d->max_nodes,
        .time_limit = d->time_limit,
        .req_nodes = req_map,
    };
    rc = part_access_check(jobs, p, &pr);
    if (rc && (rc == ESLURM_ACCESS_DENIED || rc == ESLURM_USER_ID_MISSING ||
               rc == ESLURM_JOB_MISSING_REQUIRED_PARTITION_GROUP || enforce))
        goto out;
    rc = 0;
    if (d->min_nodes == FLURM_NO_VAL) {
        d->min_nodes = p->min_nodes ? p->min_nodes : 1;
    } else if (d->min_nodes > p->max_nodes && enforce) {
        rc = ESLURM_INVALID_NODE_COUNT;
        goto out;
    } else if (d->min_nodes < p->min_nodes &&
               (d->max_nodes == FLURM_NO_VAL || d->max_nodes >= p->min_nodes)) {
        d->min_nodes = p->min_nodes;
    }
    if (d->max_nodes != FLURM_NO_VAL && enforce && d->max_nodes < p->min_nodes) {
        rc = ESLURM_INVALID_NODE_COUNT;
        goto out;
    }
    if (d->min_nodes == 0) {
        rc = ESLURM_INVALID_NODE_COUNT;
        goto out;
    }
    if (d->time_limit == FLURM_NO_VAL && p->default_time == 0) {
        rc = ESLURM_INVALID_TIME_LIMIT;
        goto out;
    }
    if (d->time_limit == FLURM_NO_VAL && p->default_time != FLURM_NO_VAL)
        d->time_limit = p->default_time;
    if (d->time_min != FLURM_NO_VAL && d->time_min > p->max_time) {
        rc = ESLURM_INVALID_TIME_MIN_LIMIT;
        goto out;
    }
    if (d->time_limit != FLURM_NO_VAL && d->time_limit > p->max_time &&
        d->time_min == FLURM_NO_VAL && enforce) {
        rc = ESLURM_INVALID_TIME_LIMIT;
        goto out;
    }
    if (d->time_min != FLURM_NO_VAL && d->time_min > d->time_limit) {
        rc = ESLURM_INVALID_TIME_MIN_LIMIT;
        goto out;
    }
    if (d->deadline && d->deadline != (time_t)FLURM_NO_VAL) {
        if (d->deadline < jobs->now) {
            rc = ESLURM_INVALID_TIME_LIMIT;
            goto out;
        }
        if (d->time_min && d->time_min != FLURM_NO_VAL &&
            d->deadline < jobs->now + (int64_t)d->time_min * 60) {
            rc = ESLURM_INVALID_TIME_MIN_LIMIT;
            goto out;
        }
        if (d->time_min == 0 && d->time_limit && d->time_limit != FLURM_NO_VAL &&
            d->deadline < jobs->now + (int64_t)d->time_limit * 60) {
            rc = ESLURM_INVALID_TIME_LIMIT;
            goto out;
        }
    }

    /* _validate_job_desc */
    if (d->min_cpus == FLURM_NO_VAL && d->min_nodes == FLURM_NO_VAL && !d->req_nodes) {
        rc = ESLURM_JOB_MISSING_SIZE_SPECIFICATION;
        goto out;
    }
    if (!c->interactive && (!script || !*script)) {
        rc = ESLURM_JOB_SCRIPT_MISSING;
        goto out;
    }
    /* FLURM refuses at once what slurmd would fail to run later (sbatch
     * checks the same on its side). */
    if (!c->interactive && strncmp(script, "#!", 2) != 0) {
        snprintf(detail, dlen, "batch script does not start with #! and an interpreter");
        rc = ESLURM_JOB_SCRIPT_MISSING;
        goto out;
    }
    if (d->contiguous == FLURM_NO_VAL16)
        d->contiguous = 0;
    if (d->task_dist == FLURM_NO_VAL)
        d->task_dist = SLURM_DIST_CYCLIC;
    if (d->plane_size == FLURM_NO_VAL16)
        d->plane_size = 0;
    if (d->kill_on_node_fail == FLURM_NO_VAL16)
        d->kill_on_node_fail = 1;
    if (d->job_id != FLURM_NO_VAL) {
        if (!c->admin || d->job_id == 0) {
            rc = ESLURM_INVALID_JOB_ID;
            goto out;
        }
        if (job_find(jobs, d->job_id)) {
            rc = ESLURM_DUPLICATE_JOB_ID;
            goto out;
        }
    }
    if (d->nice == FLURM_NO_VAL)
        d->nice = NICE_OFFSET;
    if (d->pn_min_memory == FLURM_NO_VAL64) {
        if (p->def_mem_per_cpu)
            d->pn_min_memory = p->def_mem_per_cpu | MEM_PER_CPU;
        else if (p->def_mem_per_node)
            d->pn_min_memory = p->def_mem_per_node;
        else if (site_def_mem_per_cpu(jobs->site))
            d->pn_min_memory = site_def_mem_per_cpu(jobs->site) | MEM_PER_CPU;
        else
            d->pn_min_memory = site_def_mem_per_node(jobs->site);
    } else {
        if (enforce && !memory_fits(p, d)) {
            rc = ESLURM_INVALID_TASK_MEMORY;
            goto out;
        }
        d->bitflags |= JOB_MEM_SET;
    }
    d->bitflags &= ~TRANSIENT_FLAGS;
    if (d->pn_min_memory == MEM_PER_CPU)
        d->pn_min_memory = 0;
    if (d->min_nodes == FLURM_NO_VAL)
        d->min_nodes = 1;
    if (d->min_cpus == FLURM_NO_VAL)
        d->min_cpus = d->min_nodes;
    if (d->pn_min_cpus == FLURM_NO_VAL16 || d->pn_min_cpus == 0)
        d->pn_min_cpus = 1;
    if (d->pn_min_tmp_disk == FLURM_NO_VAL)
        d->pn_min_tmp_disk = 0;
    /* build_feature_list keeps the constraints with ',' read as '&' */
    for (char *comma = d->features; comma && (comma = strchr(comma, ',')); comma++)
        *comma = '&';
    for (char *comma = d->prefer; comma && (comma = strchr(comma, ',')); comma++)
        *comma = '&';

    /* the rest of _job_create before the job record exists: excluded
     * nodes must exist and not be required too */
    if (d->exc_nodes) {
        unsigned char *exc_map = req_node_map(jobs, d->exc_nodes, &req_count, &rc);

        if (!exc_map)
            goto out;
        for (size_t i = 0; req_map && i < site_node_count(jobs->site); i++) {
            if (req_map[i] && exc_map[i])
                rc = ESLURM_INVALID_NODE_NAME;
        }
        free(exc_map);
        if (rc)
            goto out;
    }
    if (d->max_nodes == FLURM_NO_VAL)
        d->max_nodes = 0;
    if (d->max_nodes && d->max_nodes < d->min_nodes) {
        rc = ESLURM_INVALID_NODE_COUNT;
        goto out;
    }
    *partp = p;
out:
    free(req_map);
    return rc;
}

/* The checks slurmctld makes once the job record exists (and its id is
 * spent): a bad dependency, constraint or preference, or a missing
 * environment drop the record, but the id stays used. */
static int submit_late_checks(const struct jobs *jobs, const struct cmd *c,
                              const struct flurm_job_desc *d)
{
    const json_t *env = json_object_get(c->msg, "environment");
    int rc;

    if (!dependency_valid(d->dependency))
        return ESLURM_DEPENDENCY;
    if ((rc = constraints_check(jobs, d)))
        return rc;
    /* only a batch job's environment is kept (salloc/srun keep their own) */
    if (!c->interactive && !d->container && (!json_is_array(env) || json_array_size(env) == 0))
        return ESLURM_ENVIRONMENT_MISSING;
    return 0;
}

static json_t *apply_submit(struct jobs *jobs, const struct cmd *c)
{
    struct flurm_job_desc d;
    const struct site_partition *p = NULL;
    struct taskset *tasks = NULL;
    struct job *job = NULL;
    const char *field;
    char detail[160] = "";
    json_t *res;
    uint32_t user_priority, wait;
    int rc;

    if (!json_is_object(c->msg))
        return result_err(EINVAL, "job.submit needs a job description in msg");
    if (desc_decode(jobs, c->msg, &d, &field) < 0) {
        snprintf(detail, sizeof(detail), "malformed job description (field %s)",
                 field ? field : "?");
        return result_err(EINVAL, detail);
    }
    user_priority = d.priority;
    rc = submit_validate(jobs, c, &d, &p, &tasks, detail, sizeof(detail));
    if (rc) {
        if (rc == ENOMEM)
            goto nomem;
        /* slurmctld sends the partition's and the reboot's texts as
         * err_msg; the other details are FLURM's own diagnostics */
        if (detail[0] && (rc == ESLURM_INVALID_PARTITION_NAME || rc == ESLURM_ACCESS_DENIED))
            res = result_user_err(rc, detail);
        else
            res = result_err(rc, detail[0] ? detail : NULL);
        goto done;
    }
    if (!(job = calloc(1, sizeof(*job))))
        goto nomem;
    job->job_id = d.job_id != FLURM_NO_VAL ? d.job_id : next_job_id(jobs);
    if (!job->job_id) {
        res = result_err(EAGAIN, "no free job id below MaxJobId");
        goto done;
    }
    if ((rc = submit_late_checks(jobs, c, &d))) {
        if (rc == ENOMEM)
            goto nomem;
        res = result_err(rc, NULL);
        goto done;
    }
    d.job_id = job->job_id;
    job->desc = d;
    memset(&d, 0, sizeof(d)); /* owned by job now */
    job->array_task_id = FLURM_NO_VAL;
    if (tasks) {
        const char *pct = strchr(job->desc.array_inx, '%');
        uint32_t last = 0;
        struct taskset *fit;

        for (int64_t i = ts_next(tasks, 0); i >= 0; i = ts_next(tasks, (uint32_t)i + 1))
            last = (uint32_t)i;
        /* sized to the highest task, as bit_realloc does */
        if (!(fit = ts_create(last + 1)))
            goto nomem;
        for (int64_t i = ts_next(tasks, 0); i >= 0; i = ts_next(tasks, (uint32_t)i + 1))
            ts_set(fit, (uint32_t)i);
        ts_destroy(tasks);
        tasks = NULL;
        job->tasks = fit;
        job->array_job_id = job->job_id;
        if (pct && atoi(pct + 1) > 0)
            job->array_max_tasks = (uint32_t)atoi(pct + 1);
    }
    job->state = JOB_PENDING;
    /* every batch submission carries a script (2009 otherwise) */
    job->batch = !c->interactive;
    if (c->interactive && c->peer && !(job->resp_host = strdup(c->peer)))
        goto nomem;
    job->submit_time = jobs->now;
    job->proto = c->proto;
    job->requid = FLURM_NO_VAL;
    job->bitflags = job->desc.bitflags;
    job->priority = job->desc.priority;
    if (job->priority == 0)
        job->reason = user_priority == 0 ? WAIT_HELD_USER : WAIT_HELD;
    else if (job->priority != FLURM_NO_VAL)
        job->prio_set = true;
    if (job_insert(jobs, job) < 0)
        goto nomem;
    /* job_allocate counts the job (each array task) once it is created,
     * even if placing it fails below */
    jobs->counted.submitted += job->tasks ? ts_count(job->tasks) : 1;
    if (job->priority == FLURM_NO_VAL || job->priority == FLURM_INFINITE) {
        job->prio_set = false;
        set_job_prio(jobs, job);
    }
    /* _select_nodes_parts: slurmctld tries to place a job it may start
     * (not held, within its partition's limits); one that no node of the
     * partition can ever run is kept as a FAILED record and refused. */
    detail[0] = '\0';
    rc = 0;
    if (job->priority != 0 &&
        ((wait = limits_reason(jobs, job)) == WAIT_NO_REASON || wait == WAIT_PART_DOWN))
        rc = partition_can_run(jobs, p, &job->desc, detail, sizeof(detail));
    if (rc == ENOMEM)
        goto nomem;
    if (rc) {
        job->state = JOB_FAILED;
        job->reason = FAIL_BAD_CONSTRAINTS;
        job->exit_code = 1;
        job->start_time = job->end_time = jobs->now;
        if (mark_changed(jobs, job) < 0)
            return NULL;
        return detail[0] ? result_user_err(rc, detail) : result_err(rc, NULL);
    }
    refresh_pending(jobs, job, true);
    if (mark_changed(jobs, job) < 0 || (!c->interactive && add_script(jobs, job->job_id, c->msg) < 0))
        return NULL;
    if (c->interactive) {
        json_t *resp = alloc_resp_json(jobs, job);

        return resp ? result_ok(json_pack("{s:o}", "msg", resp)) : NULL;
    }
    res = result_ok(json_pack("{s:{s:I, s:I, s:i, s:n}}", "msg", "job_id",
                              (json_int_t)job->job_id, "step_id",
                              (json_int_t)SLURM_BATCH_SCRIPT, "error_code", 0,
                              "job_submit_user_msg"));
    return res;
nomem:
    flurm_record_free(&flurm_rec_job_desc, &d);
    ts_destroy(tasks);
    if (job && !job_find(jobs, job->job_id))
        job_free(job);
    errno = ENOMEM;
    return NULL;
done:
    flurm_record_free(&flurm_rec_job_desc, &d);
    ts_destroy(tasks);
    if (job && !job_find(jobs, job->job_id))
        job_free(job);
    return res;
}

/* ---- job.kill --------------------------------------------------------------- */

/* Queue a signal for the node manager to deliver to a running job (the
 * reply of job.kill carries them; docs/running-jobs.md). */
static int queue_signal(struct jobs *jobs, const struct job *job, uint16_t signal, uint16_t flags)
{
    json_t *sig;

    if (!jobs->signals && !(jobs->signals = json_array()))
        return -1;
    sig = json_pack("{s:I, s:i, s:i, s:s?, s:s?}", "job_id", (json_int_t)job->job_id, "signal",
                    (int)signal, "flags", (int)flags, "nodes",
                    job->alloc ? job->alloc->nodes : NULL, "batch_host",
                    job->alloc ? job->alloc->batch_host : NULL);
    return sig ? json_array_append_new(jobs->signals, sig) : -1;
}

/* job_signal: what a signal does to one record.  SIGKILL ends the job
 * (CANCELLED, and COMPLETING on every host it held); another signal to a
 * running job changes nothing here: it is queued for the node manager. */
static int job_signal(struct jobs *jobs, struct job *job, uint16_t signal, uint16_t flags,
                      uint32_t uid)
{
    uint32_t base = job->state & JOB_STATE_BASE;

    if (job_finished(job))
        return ESLURM_ALREADY_DONE;
    if (signal == SIGKILL_NUM)
        job->requid = uid;
    if (base == JOB_PENDING && (job->state & JOB_COMPLETING) && signal == SIGKILL_NUM) {
        /* a requeued job whose epilogs are still due: no requeue any more */
        job->state = JOB_CANCELLED | JOB_COMPLETING;
        return mark_changed(jobs, job) < 0 ? ENOMEM : 0;
    }
    if (base == JOB_PENDING && signal == SIGKILL_NUM) {
        job->state = JOB_CANCELLED;
        job->start_time = jobs->now;
        job->end_time = jobs->now;
        return mark_changed(jobs, job) < 0 ? ENOMEM : 0;
    }
    if (signal == SIGKILL_NUM &&
        (base == JOB_SUSPENDED ||
         (base == JOB_RUNNING && !(flags & (KILL_STEPS_ONLY | KILL_JOB_BATCH))))) {
        job->state = JOB_CANCELLED;
        job->end_time = jobs->now;
        job_begin_completing(job);
        return mark_changed(jobs, job) < 0 ? ENOMEM : 0;
    }
    if (base == JOB_RUNNING)
        return queue_signal(jobs, job, signal, flags) < 0 ? ENOMEM : 0;
    return ESLURM_TRANSITION_STATE_NO_UPDATE;
}

static bool may_act_on(const struct cmd *c, const struct job *job)
{
    return c->admin || job->desc.user_id == c->uid;
}

/* Parse "123", "123_4", "123_[1-3]", "123_*", "123+1": the job id, and the
 * rest after it (points at '\0', '_' or '+').  -1 if malformed. */
static int parse_job_str(const char *str, uint32_t *job_id, const char **rest)
{
    char *end = NULL;
    long v;

    if (!str)
        return -1;
    errno = 0;
    v = strtol(str, &end, 10);
    if (errno || end == str || v <= 0 || v > (long)UINT32_MAX ||
        (*end && *end != '_' && *end != '+'))
        return -1;
    if (end[0] == '_' && end[1] == '*' && end[2] == '\0')
        end += 2; /* the whole array */
    *job_id = (uint32_t)v;
    *rest = end;
    return 0;
}

/* job_str_signal */
static int job_str_signal(struct jobs *jobs, const struct cmd *c, const char *str,
                          uint16_t signal, uint16_t flags)
{
    struct taskset *want = NULL;
    struct job *job;
    const char *rest;
    uint32_t job_id;
    int rc = 0, rc2;

    if (parse_job_str(str, &job_id, &rest) < 0)
        return ESLURM_INVALID_JOB_ID;
    if (*rest == '+') /* no heterogeneous jobs in FLURM */
        return ESLURM_INVALID_JOB_ID;
    if (*rest == '\0') {
        int done = 0, signaled = 0;
        struct job *head = job_find(jobs, job_id);

        if (head && !may_act_on(c, head))
            return ESLURM_ACCESS_DENIED;
        if (head && !job_is_array(head))
            return job_signal(jobs, head, signal, flags, c->uid);
        if (head && head->tasks) {
            rc = job_signal(jobs, head, signal, flags, c->uid);
            if (rc == ESLURM_ACCESS_DENIED || rc == ENOMEM)
                return rc;
            signaled++;
            if (rc == ESLURM_ALREADY_DONE) {
                done++;
                rc = 0;
            }
        } else {
            head = NULL; /* a task record holding the array's id is one of the tasks */
        }
        for (size_t i = 0; i < jobs->n; i++) {
            job = jobs->v[i];
            if (job->array_job_id != job_id || job == head)
                continue;
            rc2 = job_signal(jobs, job, signal, flags, c->uid);
            if (rc2 == ENOMEM)
                return rc2;
            signaled++;
            if (rc2 == ESLURM_ALREADY_DONE)
                done++;
            else if (rc2 > rc)
                rc = rc2;
        }
        if (!signaled)
            return ESLURM_INVALID_JOB_ID;
        if (rc == 0 && done == signaled)
            return ESLURM_ALREADY_DONE;
        return rc;
    }
    if (!(want = parse_array_expr(rest + 1, site_max_array_size(jobs->site))))
        return errno == ENOMEM ? ENOMEM : ESLURM_INVALID_JOB_ID;
    job = job_find(jobs, job_id);
    if (!job) {
        for (size_t i = 0; i < jobs->n && !job; i++) {
            if (jobs->v[i]->array_job_id == job_id)
                job = jobs->v[i];
        }
    }
    if (!job || !job_is_array(job)) {
        rc = ESLURM_INVALID_JOB_ID;
        goto out;
    }
    if (!may_act_on(c, job)) {
        rc = ESLURM_ACCESS_DENIED;
        goto out;
    }
    if (job_pending(job) && job->tasks) {
        /* pending tasks are bits of the meta record: SIGKILL clears them */
        bool touched = false;

        for (int64_t t = ts_next(want, 0); t >= 0; t = ts_next(want, (uint32_t)t + 1)) {
            if (!ts_test(job->tasks, (uint32_t)t))
                continue;
            ts_clear(want, (uint32_t)t);
            if (signal == SIGKILL_NUM) {
                ts_clear(job->tasks, (uint32_t)t);
                touched = true;
            } else {
                rc = ESLURM_TRANSITION_STATE_NO_UPDATE;
            }
        }
        if (touched) {
            if (!ts_count(job->tasks)) {
                job->state = JOB_CANCELLED;
                job->start_time = jobs->now;
                job->end_time = jobs->now;
                job->requid = c->uid;
            }
            if (mark_changed(jobs, job) < 0) {
                rc = ENOMEM;
                goto out;
            }
        }
    }
    for (int64_t t = ts_next(want, 0); t >= 0; t = ts_next(want, (uint32_t)t + 1)) {
        struct job *task = job_find_task(jobs, job_id, (uint32_t)t);

        if (!task) {
            rc = rc > ESLURM_INVALID_JOB_ID ? rc : ESLURM_INVALID_JOB_ID;
            continue;
        }
        rc2 = job_signal(jobs, task, signal, flags, c->uid);
        if (rc2 == ENOMEM) {
            rc = rc2;
            goto out;
        }
        if (rc2 > rc)
            rc = rc2;
    }
out:
    ts_destroy(want);
    return rc;
}

static json_t *apply_kill(struct jobs *jobs, const struct cmd *c)
{
    static const char defaults[] = "{\"step_id\":{\"job_id\":4294967294,\"step_id\":4294967294,"
                                   "\"step_het_comp\":4294967294},\"signal\":9,\"flags\":0}";
    struct flurm_kill_job_msg k;
    json_t *merged = json_loads(defaults, 0, NULL);
    const char *field = NULL;
    char idbuf[16];
    const char *id;
    uint32_t step_job, step;
    int rc;

    if (!merged)
        return NULL;
    if (!json_is_object(c->msg)) {
        json_decref(merged);
        return result_err(EINVAL, "job.kill needs a kill request in msg");
    }
    json_object_update(merged, (json_t *)c->msg);
    rc = flurm_record_from_json(&flurm_rec_kill_job, merged, &k, &field);
    json_decref(merged);
    if (rc < 0)
        return result_err(EINVAL, "malformed kill request");
    json_decref(jobs->signals);
    jobs->signals = NULL;
    id = k.sjob_id;
    if (!id && k.step_id.job_id != FLURM_NO_VAL) {
        snprintf(idbuf, sizeof(idbuf), "%u", k.step_id.job_id);
        id = idbuf;
    }
    if (k.step_id.step_id != FLURM_NO_VAL && k.step_id.job_id != FLURM_NO_VAL)
        rc = step_signal(jobs, c, k.step_id.job_id, k.step_id.step_id, k.signal, k.flags);
    else if (k.sjob_id && parse_step_str(k.sjob_id, &step_job, &step) == 0)
        rc = step_signal(jobs, c, step_job, step, k.signal, k.flags);
    else
        rc = id ? job_str_signal(jobs, c, id, k.signal, k.flags) : ESLURM_INVALID_JOB_ID;
    flurm_record_free(&flurm_rec_kill_job, &k);
    if (rc == ENOMEM) {
        errno = ENOMEM;
        return NULL;
    }
    /* _slurm_rpc_kill_job counts every successful kill request (any
     * signal, however many array tasks) as one cancel */
    if (rc == 0)
        jobs->counted.canceled++;
    if (rc == 0 && jobs->signals && json_array_size(jobs->signals))
        return result_ok(json_pack("{s:i, s:O}", "rc", 0, "signals", jobs->signals));
    return result_rc(rc);
}

/* ---- job.update ---------------------------------------------------------- */

/* job_desc fields FLURM can change, and fields that only identify the job
 * or come from the client library; anything else that differs from
 * slurm_init_job_desc_msg is refused (ESLURM_NOT_SUPPORTED) rather than
 * silently ignored. */
static const char *const update_fields[] = {
    "partition", "time_limit", "time_min", "priority", "nice", "name", "comment",
    "admin_comment", "array_inx", NULL,
};
static const char *const update_ignored[] = {
    "job_id", "job_id_str", "alloc_sid", "user_id", "group_id", "alloc_node", "bitflags",
    "select_plugin_id", "resp_host", "alloc_resp_port", "other_port", "submit_line",
    "fed_siblings_active", "fed_siblings_viable", "script", "environment", NULL,
};

static bool in_list(const char *const *list, const char *key)
{
    for (size_t i = 0; list[i]; i++) {
        if (strcmp(list[i], key) == 0)
            return true;
    }
    return false;
}

/* The first field of msg FLURM cannot update, or NULL. */
static const char *update_unsupported(const struct jobs *jobs, const json_t *msg)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)msg, key, value) {
        const json_t *def = json_object_get(jobs->desc_defaults, key);

        if (in_list(update_fields, key) || in_list(update_ignored, key))
            continue;
        if (def && json_equal(value, (json_t *)def))
            continue;
        if (!def && json_is_null(value))
            continue;
        return key;
    }
    return NULL;
}

/* The record's partition, for the limits a user may raise up to. */
static const struct site_partition *job_partition(const struct jobs *jobs, const struct job *job)
{
    const struct site_partition *p = NULL;
    char detail[8];

    if (job_parts(jobs, job->desc.partition, &p, detail, sizeof(detail)))
        return NULL;
    return p;
}

/* _update_job for the fields FLURM supports, in slurmctld's order: a
 * refusal stops there and keeps what was already changed, as slurmctld
 * does.  Returns 0 or a SLURM code. */
static int update_job(struct jobs *jobs, const struct cmd *c, struct job *job,
                      const struct flurm_job_desc *d)
{
    bool changed = false;
    int rc = 0;

    if (d->array_inx && job->tasks) {
        /* ArrayTaskThrottle, which may change even once the array is done.
         * slurmctld applies it before checking who asks; FLURM checks
         * first. */
        char *end;
        long long throttle = strtoll(d->array_inx, &end, 10);

        if (job->desc.user_id != c->uid && !c->admin)
            return ESLURM_USER_ID_MISSING;
        if (throttle < 0 || throttle > UINT32_MAX)
            return ESLURM_BAD_TASK_COUNT;
        if ((uint32_t)throttle != job->array_max_tasks) {
            job->array_max_tasks = (uint32_t)throttle;
            if (mark_changed(jobs, job) < 0)
                return ENOMEM;
        }
        if (job_finished(job))
            return 0;
    }
    if (job_finished(job))
        return ESLURM_JOB_FINISHED;
    if (d->admin_comment && !c->admin)
        return ESLURM_ACCESS_DENIED;
    if (job->desc.user_id != c->uid && !c->admin)
        return ESLURM_USER_ID_MISSING;

    if (d->partition && !str_eq(d->partition, job->desc.partition)) {
        const struct site_partition *p = NULL;
        struct part_req pr;
        char detail[160];

        if (!job_pending(job))
            return ESLURM_JOB_NOT_PENDING;
        if ((rc = job_parts(jobs, d->partition, &p, detail, sizeof(detail))))
            return rc;
        if (!(p->state & SITE_PART_SUBMIT))
            return ESLURM_PARTITION_NOT_AVAIL;
        pr = (struct part_req){
            .submit_uid = c->uid,
            .min_cpus = job->desc.min_cpus,
            .min_nodes = job->desc.min_nodes,
            .max_nodes = job->desc.max_nodes ? job->desc.max_nodes : FLURM_NO_VAL,
            .time_limit = d->time_limit != FLURM_NO_VAL ? d->time_limit : job->desc.time_limit,
        };
        rc = part_access_check(jobs, p, &pr);
        if (rc && (rc == ESLURM_ACCESS_DENIED || site_enforce_part_limits(jobs->site)))
            return rc;
        rc = 0;
        if (replace_str(&job->desc.partition, d->partition) < 0)
            return ENOMEM;
        job->desc.bitflags &= ~JOB_PART_ASSIGNED;
        job->bitflags &= ~JOB_PART_ASSIGNED;
        changed = true;
    }
    if (d->admin_comment && !str_eq(d->admin_comment, job->desc.admin_comment)) {
        if (replace_str(&job->desc.admin_comment, d->admin_comment) < 0)
            return ENOMEM;
        changed = true;
    }
    if (d->comment && !str_eq(d->comment, job->desc.comment)) {
        if (replace_str(&job->desc.comment, d->comment) < 0)
            return ENOMEM;
        changed = true;
    }
    if (d->time_limit != FLURM_NO_VAL && d->time_limit != job->desc.time_limit) {
        const struct site_partition *p = job_partition(jobs, job);

        if (c->admin || job->desc.time_limit > d->time_limit) {
            uint32_t time_min = d->time_min != FLURM_NO_VAL ? d->time_min : job->desc.time_min;

            if (time_min != FLURM_NO_VAL && d->time_limit < time_min) {
                rc = ESLURM_INVALID_TIME_MIN_LIMIT;
                goto out;
            }
            job->desc.time_limit = d->time_limit;
            changed = true;
        } else if (job_pending(job) && p && p->max_time >= d->time_limit) {
            job->desc.time_limit = d->time_limit;
            changed = true;
        } else {
            rc = ESLURM_ACCESS_DENIED;
            goto out;
        }
    }
    if (d->time_min != FLURM_NO_VAL && job_pending(job)) {
        if (d->time_min > job->desc.time_limit) {
            rc = ESLURM_INVALID_TIME_MIN_LIMIT;
            goto out;
        }
        if (d->time_min != job->desc.time_min) {
            job->desc.time_min = d->time_min;
            changed = true;
        }
    }
    if (d->priority != FLURM_NO_VAL) {
        if (job->priority == d->priority) {
            /* an administrator may turn a user hold into an admin hold and
             * back */
            if (job->priority == 0 && c->admin) {
                job->reason = d->alloc_sid == ALLOC_SID_USER_HOLD ? WAIT_HELD_USER : WAIT_HELD;
                changed = true;
            }
        } else if (job->priority == 0 && d->priority == FLURM_INFINITE &&
                   (c->admin || job->reason == WAIT_HELD_USER)) {
            job->prio_set = false;
            set_job_prio(jobs, job);
            job->reason = WAIT_NO_REASON;
            job->exit_code = 0;
            changed = true;
        } else if (job->priority == 0 && d->priority != FLURM_INFINITE) {
            rc = ESLURM_JOB_HELD;
            goto out;
        } else if (c->admin || job->priority > d->priority) {
            if (d->priority != 0)
                job->desc.nice = NICE_OFFSET;
            if (d->priority == FLURM_INFINITE) {
                job->prio_set = false;
                set_job_prio(jobs, job);
            } else if (d->priority == 0) {
                job->prio_set = true;
                job->priority = 0;
                job->reason = (!c->admin || d->alloc_sid == ALLOC_SID_USER_HOLD)
                                  ? WAIT_HELD_USER
                                  : WAIT_HELD;
            } else {
                /* only an administrator's priority sticks; a user's is
                 * applied but reported as not persistent */
                if (c->admin)
                    job->prio_set = true;
                else
                    rc = ESLURM_PRIO_RESET_FAIL;
                job->priority = d->priority;
            }
            changed = true;
            if (rc)
                goto out;
        } else if (job->priority != 0 && d->priority == FLURM_INFINITE) {
            /* already released */
        } else {
            rc = ESLURM_ACCESS_DENIED;
            goto out;
        }
    }
    if (d->nice != FLURM_NO_VAL && d->nice != job->desc.nice) {
        if (job->prio_set && job->priority != 0) {
            /* slurmctld ignores nice on a job with a set priority */
        } else if (c->admin || d->nice >= NICE_OFFSET) {
            /* priority/basic: shift by the change of nice.  FLURM leaves a
             * held job held (slurmctld would lift it to at least 2). */
            if (job->priority != 0) {
                int64_t prio = (int64_t)job->priority + job->desc.nice - d->nice;

                job->priority = (uint32_t)(prio < 2 ? 2 : prio > UINT32_MAX ? UINT32_MAX : prio);
            }
            job->desc.nice = d->nice;
            changed = true;
        } else {
            rc = ESLURM_ACCESS_DENIED;
            goto out;
        }
    }
    if (d->name && !str_eq(d->name, job->desc.name)) {
        if (replace_str(&job->desc.name, d->name) < 0)
            return ENOMEM;
        changed = true;
    }
out:
    if (changed) {
        refresh_pending(jobs, job, false);
        if (mark_changed(jobs, job) < 0)
            return ENOMEM;
    }
    return rc;
}

/* Copy a job_desc (through its JSON form: the record engine knows every
 * pointer in it). */
static int desc_copy(const struct flurm_job_desc *src, struct flurm_job_desc *dst)
{
    json_t *j = flurm_record_to_json(&flurm_rec_job_desc, src);
    const char *field;
    int rc;

    if (!j)
        return -1;
    rc = flurm_record_from_json(&flurm_rec_job_desc, j, dst, &field);
    json_decref(j);
    return rc;
}

/* job_array_split: take pending task `task` out of the meta record into a
 * record of its own with a new job id.  When one task is left, the meta
 * record becomes that task (its job id stays the array's).  The new record,
 * or NULL (ENOMEM, or EAGAIN when no job id is free). */
static struct job *split_task(struct jobs *jobs, struct job *meta, uint32_t task)
{
    struct job *job = calloc(1, sizeof(*job));
    int64_t last;

    if (!job)
        return NULL;
    *job = *meta;
    memset(&job->desc, 0, sizeof(job->desc));
    job->tasks = NULL;
    job->state_desc = NULL;
    job->alloc = NULL; /* a pending record holds nothing; never share one */
    job->cg = NULL;
    job->counted = NULL;
    job->launched = false;
    job->launch_owner = NULL; /* never share the meta record's */
    job->resp_host = NULL;
    job->steps = NULL;
    job->rendered = NULL;
    job->weight = 0; /* counted when marked changed */
    if (desc_copy(&meta->desc, &job->desc) < 0 ||
        (meta->state_desc && !(job->state_desc = strdup(meta->state_desc))))
        goto error;
    if (!(job->job_id = next_job_id(jobs))) {
        errno = EAGAIN;
        goto error;
    }
    job->desc.job_id = job->job_id;
    job->array_task_id = task;
    if (job_insert(jobs, job) < 0)
        goto error;
    ts_clear(meta->tasks, task);
    if (ts_count(meta->tasks) == 1 && (last = ts_next(meta->tasks, 0)) >= 0) {
        meta->array_task_id = (uint32_t)last;
        ts_destroy(meta->tasks);
        meta->tasks = NULL;
    }
    if (mark_changed(jobs, meta) < 0 || mark_changed(jobs, job) < 0)
        return NULL;
    return job;
error:
    job_free(job);
    return NULL;
}

/* The per-error-code task lists of RESPONSE_JOB_ARRAY_ERRORS. */
struct resp_array {
    size_t n;
    struct resp_entry {
        int rc;
        struct taskset *tasks;
    } e[32];
};

static int resp_add_task(struct resp_array *r, int rc, uint32_t task, uint32_t nbits)
{
    size_t i;

    for (i = 0; i < r->n && r->e[i].rc != rc; i++)
        ;
    if (i == r->n) {
        if (r->n == sizeof(r->e) / sizeof(r->e[0]))
            return 0; /* more distinct codes than any client would read */
        if (!(r->e[i].tasks = ts_create(nbits)))
            return -1;
        r->e[i].rc = rc;
        r->n++;
    }
    ts_set(r->e[i].tasks, task);
    return 0;
}

static int resp_add_job(struct resp_array *r, const struct job *job, int rc, uint32_t nbits)
{
    if (job->array_task_id != FLURM_NO_VAL)
        return resp_add_task(r, rc, job->array_task_id, nbits);
    for (int64_t t = ts_next(job->tasks, 0); t >= 0; t = ts_next(job->tasks, (uint32_t)t + 1)) {
        if (resp_add_task(r, rc, (uint32_t)t, nbits) < 0)
            return -1;
    }
    return 0;
}

/* _resp_array_xlate: one entry per code, "<job>_<tasks>", ordered by each
 * entry's lowest task. */
static json_t *resp_to_json(struct resp_array *r, uint32_t job_id)
{
    json_t *errors = json_array();
    bool used[sizeof(r->e) / sizeof(r->e[0])] = {false};

    if (!errors)
        return NULL;
    for (size_t k = 0; k < r->n; k++) {
        size_t low = r->n;
        char *ranges, *id;

        for (size_t i = 0; i < r->n; i++) {
            if (!used[i] && (low == r->n || ts_next(r->e[i].tasks, 0) <
                                                ts_next(r->e[low].tasks, 0)))
                low = i;
        }
        used[low] = true;
        if (!(ranges = ts_to_ranges(r->e[low].tasks)) ||
            asprintf(&id, "%u_%s", job_id, ranges) < 0) {
            free(ranges);
            json_decref(errors);
            return NULL;
        }
        free(ranges);
        json_array_append_new(errors, json_pack("{s:i, s:s, s:n}", "error_code", r->e[low].rc,
                                                "job_array_id", id, "err_msg"));
        free(id);
    }
    return json_pack("{s:s, s:{s:I, s:o}}", "msg_type", "RESPONSE_JOB_ARRAY_ERRORS", "msg",
                     "count", (json_int_t)json_array_size(errors), "errors", errors);
}

static void resp_free(struct resp_array *r)
{
    for (size_t i = 0; i < r->n; i++)
        ts_destroy(r->e[i].tasks);
}

/* update_job_str: returns the result to reply with (NULL on ENOMEM). */
static json_t *update_job_str(struct jobs *jobs, const struct cmd *c, const char *str,
                              const struct flurm_job_desc *d)
{
    uint32_t nbits = site_max_array_size(jobs->site), job_id;
    struct resp_array resp = {0};
    struct taskset *want = NULL;
    struct job *job;
    const char *rest;
    json_t *res = NULL;
    int rc;

    if (parse_job_str(str, &job_id, &rest) < 0 || *rest == '+')
        return result_err(ESLURM_INVALID_JOB_ID, NULL);
    job = job_find(jobs, job_id);
    if (*rest == '\0') {
        bool any = false;

        if (job && (!job_is_array(job) ||
                    (job->array_task_id != FLURM_NO_VAL && job->array_job_id != job_id))) {
            rc = update_job(jobs, c, job, d);
            if (rc == ENOMEM)
                goto nomem;
            return result_rc(rc);
        }
        if (job && job->tasks) {
            any = true;
            rc = update_job(jobs, c, job, d);
            if (rc == ENOMEM || resp_add_job(&resp, job, rc, nbits) < 0)
                goto nomem;
        }
        for (size_t i = 0; i < jobs->n; i++) {
            struct job *task = jobs->v[i];

            if (task->array_job_id != job_id || task->tasks)
                continue;
            any = true;
            rc = update_job(jobs, c, task, d);
            if (rc == ENOMEM || resp_add_job(&resp, task, rc, nbits) < 0)
                goto nomem;
        }
        if (!any) {
            resp_free(&resp);
            return result_err(ESLURM_INVALID_JOB_ID, NULL);
        }
        goto reply;
    }
    if (!(want = parse_array_expr(rest + 1, nbits))) {
        if (errno == ENOMEM)
            goto nomem;
        return result_err(ESLURM_INVALID_JOB_ID, NULL);
    }
    if (job && job_pending(job) && job->tasks) {
        bool overlap = false, superset = true;

        for (int64_t t = ts_next(job->tasks, 0); t >= 0;
             t = ts_next(job->tasks, (uint32_t)t + 1)) {
            if (ts_test(want, (uint32_t)t))
                overlap = true;
            else
                superset = false;
        }
        if (overlap && superset) {
            /* every pending task is named: update the meta record itself */
            struct taskset *orig = ts_copy(job->tasks);

            if (!orig)
                goto nomem;
            rc = update_job(jobs, c, job, d);
            if (rc == ENOMEM || resp_add_job(&resp, job, rc, nbits) < 0) {
                ts_destroy(orig);
                goto nomem;
            }
            for (int64_t t = ts_next(orig, 0); t >= 0; t = ts_next(orig, (uint32_t)t + 1))
                ts_clear(want, (uint32_t)t);
            ts_destroy(orig);
        } else if (overlap) {
            /* the named tasks leave the meta record for records of their own */
            for (int64_t t = ts_next(want, 0); t >= 0 && job->tasks;
                 t = ts_next(want, (uint32_t)t + 1)) {
                if (!ts_test(job->tasks, (uint32_t)t))
                    continue;
                if (!split_task(jobs, job, (uint32_t)t)) {
                    if (errno == EAGAIN)
                        break;
                    goto nomem;
                }
            }
        }
    }
    for (int64_t t = ts_next(want, 0); t >= 0; t = ts_next(want, (uint32_t)t + 1)) {
        struct job *task = job_find_task(jobs, job_id, (uint32_t)t);

        rc = task ? update_job(jobs, c, task, d) : ESLURM_INVALID_JOB_ID;
        if (rc == ENOMEM)
            goto nomem;
        if ((task ? resp_add_job(&resp, task, rc, nbits) : resp_add_task(&resp, rc, (uint32_t)t,
                                                                          nbits)) < 0)
            goto nomem;
    }
reply:
    res = resp_to_json(&resp, job_id);
    res = res ? result_ok(res) : NULL;
    ts_destroy(want);
    resp_free(&resp);
    return res;
nomem:
    ts_destroy(want);
    resp_free(&resp);
    errno = ENOMEM;
    return NULL;
}

static json_t *apply_update(struct jobs *jobs, const struct cmd *c)
{
    struct flurm_job_desc d;
    const char *field, *bad, *id;
    char idbuf[16], detail[160];
    json_t *res;

    if (!json_is_object(c->msg))
        return result_err(EINVAL, "job.update needs a job description in msg");
    if ((bad = update_unsupported(jobs, c->msg))) {
        snprintf(detail, sizeof(detail), "FLURM cannot update the job field %s yet", bad);
        return result_err(ESLURM_NOT_SUPPORTED, detail);
    }
    if (desc_decode(jobs, c->msg, &d, &field) < 0) {
        snprintf(detail, sizeof(detail), "malformed job description (field %s)",
                 field ? field : "?");
        return result_err(EINVAL, detail);
    }
    id = d.job_id_str;
    if (!id && d.job_id != FLURM_NO_VAL) {
        snprintf(idbuf, sizeof(idbuf), "%u", d.job_id);
        id = idbuf;
    }
    res = id ? update_job_str(jobs, c, id, &d) : result_err(ESLURM_INVALID_JOB_ID, NULL);
    flurm_record_free(&flurm_rec_job_desc, &d);
    return res;
}

/* ---- running jobs (docs/running-jobs.md) ------------------------------------ */

/* slurmctld's end time of a job without a time limit. */
#define INFINITE_RUN_S (365 * 24 * 3600)
/* A wait status of exit code 1 (agent.c's _wif_status). */
#define WAIT_STATUS_EXIT_1 0x100u

/* SLURM codes the node manager and slurmd report (slurm_errno.h). */
enum {
    SLURM_COMM_CONNECTION_ERROR = 1001,
    SLURM_COMM_SEND_ERROR = 1002,
    SLURM_COMM_RECEIVE_ERROR = 1003,
    SLURM_COMM_SHUTDOWN_ERROR = 1004,
    SLURM_COMM_MISSING_SOCKET_ERROR = 1013,
    ESLURMD_INVALID_ACCT_FREQ = 4003,
    ESLURMD_UID_NOT_FOUND = 4005,
    ESLURMD_GID_NOT_FOUND = 4006,
    ESLURMD_CREDENTIAL_REVOKED = 4008,
    ESLURMD_PROLOG_FAILED = 4022,
    ESLURMD_JOB_NOTRUNNING = 4027,
    SLURM_SOCKET_ERRORS_FIRST = 5000,
    SLURM_SOCKET_ERRORS_LAST = 5005,
};

/* Commands of FLURM's own services come without auth over the private
 * socket; slurmd's (through the gateway) and forwarded ones carry auth and
 * must be root's or SlurmUser's. */
static bool service_cmd_allowed(const struct jobs *jobs, const json_t *cmd)
{
    const json_t *auth = json_object_get(cmd, "auth");
    json_int_t uid;

    if (!auth || json_is_null(auth))
        return true;
    uid = get_int(auth, "uid", -1);
    return uid >= 0 && uid <= UINT32_MAX && site_is_admin(jobs->site, (uid_t)uid);
}

/* --requeue / --no-requeue, else JobRequeue; only batch jobs requeue. */
static bool job_may_requeue(const struct jobs *jobs, const struct job *job)
{
    uint16_t r = job->desc.requeue;

    if (r == FLURM_NO_VAL16)
        r = site_job_requeue(jobs->site);
    return job->batch && r != 0;
}

static bool job_running(const struct job *job)
{
    uint32_t base = job->state & JOB_STATE_BASE;

    return base == JOB_RUNNING || base == JOB_SUSPENDED;
}

/* host leaves the job's completing list (its epilog came, or it is DOWN
 * and its epilog never will); the COMPLETING flag goes with the last one.
 * False if host was not completing. */
static bool job_host_done(struct job *job, const char *host)
{
    bool found = false, any = false;

    for (size_t i = 0; job->alloc && job->cg && i < job->alloc->nhosts; i++) {
        if (job->cg[i] && host && !strcmp(job->alloc->hosts[i].name, host)) {
            job->cg[i] = 0;
            found = true;
        }
        any = any || job->cg[i];
    }
    if (!any)
        job->state &= ~JOB_COMPLETING;
    return found;
}

/* batch_requeue_fini: once a requeued job's last epilog came, it becomes a
 * new pending job: no allocation, new submit time, and a begin time past
 * slurmd's credential window. */
static void requeue_fini(struct jobs *jobs, struct job *job)
{
    if ((job->state & JOB_COMPLETING) || !job_pending(job) || !job->batch)
        return;
    job->start_time = 0;
    job->end_time = 0;
    job_drop_alloc(jobs, job);
    if (job->desc.begin_time <= jobs->now)
        job->desc.begin_time = jobs->now + site_cred_expire(jobs->site) + 1;
    job->submit_time = jobs->now == job->submit_time ? jobs->now + 1 : jobs->now;
    job->bitflags &= ~JOB_ACCRUE_OVER;
    job->accrue_time = 0;
    refresh_pending(jobs, job, false);
}

/* _job_complete's batch_flag++: once batch_flag passes MAX_BATCH_REQUEUE
 * the job is held (REQUEUE_HOLD, JobHoldMaxRequeue, priority 0), so that a
 * job no node can launch stops cycling, and batch_flag is 1 again: a
 * released job gets as many tries anew. */
static void count_batch_requeue(struct job *job)
{
    uint32_t batch_flag = 1u + ++job->batch_requeues;

    if (batch_flag <= MAX_BATCH_REQUEUE)
        return;
    job->batch_requeues = 0;
    job->state |= JOB_REQUEUE_HOLD;
    job->reason = WAIT_MAX_REQUEUE;
    job->priority = 0;
    free(job->state_desc);
    job->state_desc = NULL;
}

/* A running job goes back to PENDING (kill_running_job_by_node_name's,
 * job_requeue's and _job_complete's requeue): COMPLETING on its hosts but
 * `gone` (a DOWN node, or NULL), one more restart, new life once the
 * epilogs came.  Only _job_complete's (batch_retry) counts towards the
 * MAX_BATCH_REQUEUE hold, as only it bumps slurmctld's batch_flag. */
static void job_requeue_running(struct jobs *jobs, struct job *job, const char *gone,
                                bool batch_retry)
{
    job->end_time = jobs->now;
    job->state = JOB_PENDING;
    job_begin_completing(job);
    if (gone)
        job_host_done(job, gone);
    job->restart_cnt++;
    if (batch_retry)
        count_batch_requeue(job);
    job->launched = false;
    free(job->launch_owner);
    job->launch_owner = NULL;
    requeue_fini(jobs, job);
}

/* _job_complete for the batch script's end (or a launch that failed):
 * returns 0 or a SLURM code.  May change the job either way. */
static int complete_job(struct jobs *jobs, struct job *job, bool requeue, uint32_t job_rc)
{
    int status = (int)job_rc;

    if (job_finished(job)) {
        if (job->exit_code == 0 && job_rc != 0) {
            job->exit_code = job_rc;
            if (mark_changed(jobs, job) < 0)
                return ENOMEM;
        }
        return ESLURM_ALREADY_DONE;
    }
    if (job->state & JOB_COMPLETING) /* a requeued job: a replay */
        return 0;
    if (job_pending(job)) /* a late duplicate from a slow slurmd */
        return 0;
    if (requeue && job->batch) {
        job_requeue_running(jobs, job, NULL, true);
        return mark_changed(jobs, job) < 0 ? ENOMEM : 0;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status)) {
        job->state = JOB_FAILED;
        job->exit_code = job_rc;
        job->reason = FAIL_EXIT_CODE;
        free(job->state_desc);
        job->state_desc = NULL;
    } else if (WIFSIGNALED(status)) {
        job->state = JOB_FAILED;
        job->exit_code = job_rc;
        job->reason = FAIL_LAUNCH;
    } else if (job->end_time < jobs->now) { /* OverTimeLimit 0 */
        job->state = JOB_TIMEOUT;
        job->reason = FAIL_TIMEOUT;
        free(job->state_desc);
        job->state_desc = NULL;
    } else {
        job->state = JOB_COMPLETE;
        job->exit_code = job_rc;
    }
    job->end_time = jobs->now;
    job_begin_completing(job);
    return mark_changed(jobs, job) < 0 ? ENOMEM : 0;
}

static uint32_t node_ncores(const char *name, void *arg)
{
    const struct site *site = arg;
    ssize_t i = site_node_find(site, name);

    return i < 0 ? 0 : held_node_cores(site, (size_t)i);
}

/* Whether site node i belongs to one of the partitions the job names. */
static bool job_may_use_node(const struct jobs *jobs, const struct job *job, size_t i)
{
    char *copy, *tok, *save = NULL;
    bool ok = false;

    if (!job->desc.partition) {
        const struct site_partition *p = site_default_partition(jobs->site);

        return p && site_partition_has_node(p, i);
    }
    if (!(copy = strdup(job->desc.partition)))
        return false;
    for (tok = strtok_r(copy, ",", &save); tok && !ok; tok = strtok_r(NULL, ",", &save)) {
        const struct site_partition *p = site_partition_find(jobs->site, tok);

        ok = p && site_partition_has_node(p, i);
    }
    free(copy);
    return ok;
}

/* Why alloc a cannot be given to job now (into why), or false if it can. */
static bool alloc_refused(const struct jobs *jobs, const struct job *job,
                          const struct flurm_alloc *a, char *why, size_t len)
{
    const struct flurm_job_desc *d = &job->desc;
    const char *text;

    if (job->batch && !a->batch_host) {
        snprintf(why, len, "a batch job needs a batch_host");
        return true;
    }
    for (size_t h = 0; h < a->nhosts; h++) {
        const struct flurm_alloc_host *host = &a->hosts[h];
        ssize_t i = site_node_find(jobs->site, host->name);
        const struct site_node *sn = i >= 0 ? site_node(jobs->site, (size_t)i) : NULL;

        if (!sn) {
            snprintf(why, len, "unknown node %s", host->name);
            return true;
        }
        if (!job_may_use_node(jobs, job, (size_t)i)) {
            snprintf(why, len, "node %s is not in the job's partition", host->name);
            return true;
        }
        if (host->cpus > sn->cpus || host->mem > sn->real_memory ||
            flurm_coreset_count(&host->cores) == 0) {
            snprintf(why, len, "node %s cannot give %u CPUs, %llu MB and %u cores", host->name,
                     host->cpus, (unsigned long long)host->mem,
                     flurm_coreset_count(&host->cores));
            return true;
        }
        if (!held_fits(jobs->held, (size_t)i, &host->cores, host->mem, &text)) {
            snprintf(why, len, "node %s: %s", host->name, text);
            return true;
        }
    }
    if (d->min_cpus != FLURM_NO_VAL && flurm_alloc_cpus(a) < d->min_cpus) {
        snprintf(why, len, "%u CPUs given, the job needs %u", flurm_alloc_cpus(a), d->min_cpus);
        return true;
    }
    if (d->min_nodes != FLURM_NO_VAL && a->nhosts < d->min_nodes) {
        snprintf(why, len, "%zu nodes given, the job needs %u", a->nhosts, d->min_nodes);
        return true;
    }
    if (d->max_nodes != FLURM_NO_VAL && d->max_nodes && a->nhosts > d->max_nodes) {
        snprintf(why, len, "%zu nodes given, the job takes at most %u", a->nhosts, d->max_nodes);
        return true;
    }
    return false;
}

/* Running tasks of an array, for its throttle (tot_run_tasks). */
static uint32_t array_running(const struct jobs *jobs, uint32_t array_id)
{
    uint32_t n = 0;

    for (size_t i = 0; i < jobs->n; i++) {
        if (jobs->v[i]->array_job_id == array_id && job_running(jobs->v[i]))
            n++;
    }
    return n;
}

/* The minutes a job may run: its own limit, else its partition's MaxTime. */
static uint32_t job_time_limit(const struct jobs *jobs, const struct job *job)
{
    const struct site_partition *p = job_partition(jobs, job);

    if (job->desc.time_limit != FLURM_NO_VAL)
        return job->desc.time_limit;
    return p ? p->max_time : FLURM_INFINITE;
}

/* Start job_id on alloc_json.  0 with *started set, 0 with why filled when
 * refused, or ENOMEM. */
static int start_one(struct jobs *jobs, uint32_t job_id, const json_t *alloc_json,
                     struct job **started, char *why, size_t len)
{
    struct job *job = job_find(jobs, job_id), *run;
    struct flurm_alloc *a = NULL;
    uint32_t limit;
    char err[128] = "";

    *started = NULL;
    why[0] = '\0';
    if (!job) {
        snprintf(why, len, "unknown job");
        return 0;
    }
    if (!job_pending(job) || (job->tasks && !ts_count(job->tasks))) {
        snprintf(why, len, "the job is not pending");
        return 0;
    }
    if (job->state & JOB_COMPLETING) {
        snprintf(why, len, "the job is still completing");
        return 0;
    }
    if (job->priority == 0) {
        snprintf(why, len, "the job is held");
        return 0;
    }
    if (job->desc.begin_time > jobs->now) {
        snprintf(why, len, "the job's begin time has not come");
        return 0;
    }
    if (job->array_job_id && job->array_max_tasks &&
        array_running(jobs, job->array_job_id) >= job->array_max_tasks) {
        snprintf(why, len, "the array's throttle (%u running) is reached", job->array_max_tasks);
        return 0;
    }
    if (!(a = flurm_alloc_from_json(alloc_json, node_ncores, (void *)jobs->site, err,
                                    sizeof(err)))) {
        if (errno == ENOMEM)
            return ENOMEM;
        snprintf(why, len, "invalid allocation: %s", err);
        return 0;
    }
    if (alloc_refused(jobs, job, a, why, len))
        goto refused;
    run = job;
    if (job->tasks) {
        int64_t task = ts_next(job->tasks, 0);

        if (ts_count(job->tasks) == 1) { /* the last task: the record itself */
            job->array_task_id = (uint32_t)task;
            ts_destroy(job->tasks);
            job->tasks = NULL;
        } else if (!(run = split_task(jobs, job, (uint32_t)task))) {
            if (errno != EAGAIN)
                goto nomem;
            snprintf(why, len, "no free job id for the array task");
            goto refused;
        }
    }
    if (!(run->cg = calloc(a->nhosts, 1)) || !(run->counted = calloc(a->nhosts, 1))) {
        free(run->cg);
        run->cg = NULL;
        goto nomem;
    }
    run->alloc = a;
    run->state = JOB_RUNNING;
    run->reason = WAIT_NO_REASON;
    free(run->state_desc);
    run->state_desc = NULL;
    /* the scheduler starts only jobs whose dependency is met, and
     * slurmctld shows none once it is (it flushes the list) */
    free(run->desc.dependency);
    run->desc.dependency = NULL;
    run->start_time = jobs->now;
    limit = job_time_limit(jobs, run);
    run->end_time = limit == FLURM_INFINITE ? jobs->now + INFINITE_RUN_S
                                            : jobs->now + (int64_t)limit * 60;
    run->launched = false;
    free(run->launch_owner); /* a claim belongs to one run */
    run->launch_owner = NULL;
    if (!run->begin_time)
        run->begin_time = jobs->now;
    if (!run->accrue_time)
        run->accrue_time = run->begin_time;
    if (mark_changed(jobs, run) < 0 || mark_changed(jobs, job) < 0)
        return ENOMEM;
    jobs->counted.started++;
    *started = run;
    return 0;
refused:
    flurm_alloc_destroy(a);
    return 0;
nomem:
    flurm_alloc_destroy(a);
    return ENOMEM;
}

/* job.start {time, jobs: [{job_id, alloc}]}: the scheduler's decisions.
 * Each entry is checked on its own against the table as the entries
 * before it left it; a refused entry changes nothing. */
static json_t *apply_start(struct jobs *jobs, const json_t *cmd)
{
    const json_t *list = json_object_get(json_object_get(cmd, "msg"), "jobs"), *e;
    json_t *started = NULL, *refused = NULL;
    size_t i;

    if (!service_cmd_allowed(jobs, cmd))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (!json_is_array(list))
        return result_err(EINVAL, "job.start needs jobs, an array");
    json_array_foreach(list, i, e) {
        json_int_t id = get_int(e, "job_id", 0);

        if (!json_is_object(e) || id <= 0 || id > UINT32_MAX ||
            !json_is_object(json_object_get(e, "alloc")))
            return result_err(EINVAL, "job.start entries are {job_id, alloc}");
    }
    if (!(started = json_array()) || !(refused = json_array()))
        goto nomem;
    json_array_foreach(list, i, e) {
        uint32_t id = (uint32_t)get_int(e, "job_id", 0);
        struct job *run;
        char why[200];
        json_t *entry;

        if (start_one(jobs, id, json_object_get(e, "alloc"), &run, why, sizeof(why)))
            goto nomem;
        entry = run ? json_pack("{s:I, s:I, s:I}", "job_id", (json_int_t)run->job_id,
                                "array_job_id", (json_int_t)run->array_job_id, "array_task_id",
                                (json_int_t)run->array_task_id)
                    : json_pack("{s:I, s:s}", "job_id", (json_int_t)id, "why", why);
        if (!entry || json_array_append_new(run ? started : refused, entry) < 0)
            goto nomem;
    }
    return result_ok(json_pack("{s:o, s:o}", "started", started, "refused", refused));
nomem:
    json_decref(started);
    json_decref(refused);
    errno = ENOMEM;
    return NULL;
}

/* The job a node manager or slurmd command names, or a refusal in *res. */
static struct job *cmd_job(struct jobs *jobs, const json_t *msg, json_t **res)
{
    json_int_t id = get_int(msg, "job_id", 0);
    struct job *job = id > 0 && id <= UINT32_MAX ? job_find(jobs, (uint32_t)id) : NULL;

    *res = job ? NULL : result_err(ESLURM_INVALID_JOB_ID, NULL);
    return job;
}

/* job.launched {job_id}: the batch host took the job. */
static json_t *apply_launched(struct jobs *jobs, const json_t *cmd)
{
    json_t *res;
    struct job *job;

    if (!service_cmd_allowed(jobs, cmd))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (!(job = cmd_job(jobs, json_object_get(cmd, "msg"), &res)))
        return res;
    if (job_running(job) && !job->launched) {
        job->launched = true;
        if (mark_changed(jobs, job) < 0)
            return NULL;
    }
    return result_rc(0);
}

/* job.launch_claim {job_id, owner, take_over}: the right to send this
 * run's REQUEST_BATCH_JOB_LAUNCH.  Two node manager instances overlap in a
 * reload and both see a new job unlaunched; the claim, durable and decided
 * here in log order, lets exactly one of them launch it.  Granted while the
 * job runs, is a batch job, is not launched and is unclaimed or already
 * `owner`'s; with take_over (the claimant saw the batch host register
 * without the job, so the other owner never launched it) whoever holds it.
 * The reply is {granted, owner (the holder after the command, or null),
 * why (when refused)}. */
static json_t *apply_launch_claim(struct jobs *jobs, const json_t *cmd)
{
    const json_t *msg = json_object_get(cmd, "msg");
    const char *owner = get_str(msg, "owner"), *why = NULL;
    bool take_over = json_is_true(json_object_get(msg, "take_over"));
    json_t *res;
    struct job *job;

    if (!service_cmd_allowed(jobs, cmd))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (!owner || !*owner)
        return result_err(EINVAL, "job.launch_claim needs an owner");
    if (!(job = cmd_job(jobs, msg, &res)))
        return res;
    if ((job->state & JOB_STATE_BASE) != JOB_RUNNING || (job->state & JOB_COMPLETING) ||
        !job->batch)
        why = "not running";
    else if (job->launched)
        why = "launched";
    else if (job->launch_owner && strcmp(job->launch_owner, owner) && !take_over)
        why = "claimed";
    if (!why && (!job->launch_owner || strcmp(job->launch_owner, owner))) {
        char *copy = strdup(owner);

        if (!copy)
            return NULL;
        free(job->launch_owner);
        job->launch_owner = copy;
        if (mark_changed(jobs, job) < 0)
            return NULL;
    }
    return result_ok(json_pack("{s:b, s:s?, s:s?}", "granted", !why, "owner", job->launch_owner,
                               "why", why));
}

/* Failures to reach slurmd: the agent's "no response", which requeues.
 * A connection that slurmd's death resets or breaks is one too (seen when
 * a slurmd was killed as a launch went out: the job failed instead). */
static bool launch_unreached(int code)
{
    switch (code) {
    case ETIMEDOUT:
    case ECONNREFUSED:
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
    case ENOTCONN:
    case EHOSTUNREACH:
    case EHOSTDOWN:
    case ENETUNREACH:
    case ENETDOWN:
        return true;
    default:
        return code < 0 ||
               (code >= SLURM_COMM_CONNECTION_ERROR && code <= SLURM_COMM_SHUTDOWN_ERROR) ||
               code == SLURM_COMM_MISSING_SOCKET_ERROR ||
               (code >= SLURM_SOCKET_ERRORS_FIRST && code <= SLURM_SOCKET_ERRORS_LAST);
    }
}

/* job.launch_failed {job_id, node, code, text}: what slurmctld's agent does
 * when REQUEST_BATCH_JOB_LAUNCH fails: no answer or a prolog failure
 * requeues the job (whatever --requeue says); slurmd saying it already has
 * the job means it runs; any other refusal fails the job with exit code 1. */
static json_t *apply_launch_failed(struct jobs *jobs, const json_t *cmd)
{
    const json_t *msg = json_object_get(cmd, "msg");
    const char *node = get_str(msg, "node"), *action;
    int code = (int)get_int(msg, "code", -1), rc;
    json_t *res;
    struct job *job;

    if (!service_cmd_allowed(jobs, cmd))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (!(job = cmd_job(jobs, msg, &res)))
        return res;
    if (!job_running(job) || job->launched ||
        (node && job->alloc && job->alloc->batch_host && strcmp(node, job->alloc->batch_host))) {
        action = "ignored"; /* cancelled meanwhile, or a stale report */
    } else if (code == ESLURM_DUPLICATE_JOB_ID) {
        job->launched = true;
        action = "launched";
        if (mark_changed(jobs, job) < 0)
            return NULL;
    } else if (launch_unreached(code) || code == ESLURMD_PROLOG_FAILED) {
        if ((rc = complete_job(jobs, job, true, 0)) == ENOMEM)
            return NULL;
        action = "requeued";
    } else {
        if ((rc = complete_job(jobs, job, false, WAIT_STATUS_EXIT_1)) == ENOMEM)
            return NULL;
        action = "failed";
    }
    return result_ok(json_pack("{s:i, s:s}", "rc", 0, "action", action));
}

/* job.complete {auth, time, msg: complete_batch}: slurmd's
 * REQUEST_COMPLETE_BATCH_SCRIPT, as _slurm_rpc_complete_batch_script. */
static json_t *apply_complete(struct jobs *jobs, const json_t *cmd)
{
    const json_t *msg = json_object_get(cmd, "msg");
    const char *node = get_str(msg, "node_name");
    int slurm_rc = (int)get_int(msg, "slurm_rc", 0);
    uint32_t job_rc = (uint32_t)get_int(msg, "job_rc", 0);
    bool requeue = false, drain = false;
    struct job *job;
    json_t *res;
    int rc;

    if (!service_cmd_allowed(jobs, cmd))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (!(job = cmd_job(jobs, msg, &res)))
        return res;
    if (job->alloc && job->alloc->batch_host && node && strcmp(job->alloc->batch_host, node))
        return result_rc(0); /* the old batch host of a requeued job */
    if (slurm_rc == ESLURMD_JOB_NOTRUNNING || slurm_rc == ESLURM_ALREADY_DONE ||
        slurm_rc == ESLURMD_CREDENTIAL_REVOKED) {
        slurm_rc = 0; /* a race with the job's termination, not an error */
    } else if (slurm_rc && slurm_rc != SLURM_COMM_SEND_ERROR &&
               slurm_rc != ESLURM_USER_ID_MISSING && slurm_rc != ESLURMD_UID_NOT_FOUND &&
               slurm_rc != ESLURMD_GID_NOT_FOUND && slurm_rc != ESLURMD_INVALID_ACCT_FREQ) {
        /* slurmctld drains the node ("batch job complete failure"): the
         * node manager's to do, told through the reply */
        jobs->counted.failed++;
        drain = true;
        requeue = job_rc != 0 && job_may_requeue(jobs, job);
    }
    if ((rc = complete_job(jobs, job, requeue, job_rc)) == ENOMEM)
        return NULL;
    if (rc)
        return result_err(rc, NULL);
    jobs->counted.completed++;
    if (drain)
        return result_ok(json_pack("{s:i, s:{s:s?, s:s}}", "rc", 0, "drain", "node", node,
                                   "reason", "batch job complete failure"));
    return result_rc(0);
}

/* job.epilog_complete {auth, time, msg: epilog_complete}: one host is done
 * with the job; after the last one the job stops COMPLETING, and a requeued
 * job becomes pending for real. */
static json_t *apply_epilog_complete(struct jobs *jobs, const json_t *cmd)
{
    const json_t *msg = json_object_get(cmd, "msg");
    struct job *job;
    json_t *res;

    if (!service_cmd_allowed(jobs, cmd))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (!(job = cmd_job(jobs, msg, &res)))
        return res;
    if (!(job->state & JOB_COMPLETING) || !job_host_done(job, get_str(msg, "node_name")))
        return result_rc(0);
    requeue_fini(jobs, job);
    if (mark_changed(jobs, job) < 0)
        return NULL;
    return result_rc(0);
}

/* job.timeout {time, jobs: [ids]}: _job_timed_out for each running job
 * whose end time has come. */
static json_t *apply_timeout(struct jobs *jobs, const json_t *cmd)
{
    const json_t *list = json_object_get(json_object_get(cmd, "msg"), "jobs"), *e;
    json_t *timed_out;
    size_t i;

    if (!service_cmd_allowed(jobs, cmd))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (!json_is_array(list))
        return result_err(EINVAL, "job.timeout needs jobs, an array of job ids");
    if (!(timed_out = json_array()))
        goto nomem;
    json_array_foreach(list, i, e) {
        json_int_t id = json_integer_value(e);
        struct job *job = id > 0 && id <= UINT32_MAX ? job_find(jobs, (uint32_t)id) : NULL;

        if (!job || (job->state & JOB_STATE_BASE) != JOB_RUNNING || job->end_time > jobs->now)
            continue;
        job->state = JOB_TIMEOUT;
        job->reason = FAIL_TIMEOUT;
        free(job->state_desc);
        job->state_desc = NULL;
        job->end_time = jobs->now;
        job_begin_completing(job);
        if (mark_changed(jobs, job) < 0 ||
            json_array_append_new(timed_out, json_integer(job->job_id)) < 0)
            goto nomem;
    }
    return result_ok(json_pack("{s:o}", "timed_out", timed_out));
nomem:
    json_decref(timed_out);
    errno = ENOMEM;
    return NULL;
}

/* Index of host in the job's allocation, or -1. */
static ssize_t alloc_index(const struct job *job, const char *host)
{
    for (size_t i = 0; job->alloc && i < job->alloc->nhosts; i++) {
        if (!strcmp(job->alloc->hosts[i].name, host))
            return (ssize_t)i;
    }
    return -1;
}

/* job.node_fail {time, node, job_id?}: kill_running_job_by_node_name, or
 * with job_id only that job (slurmctld's "Batch JobId=N missing from batch
 * node": the node is up, one job vanished from it). */
static json_t *apply_node_fail(struct jobs *jobs, const json_t *cmd)
{
    const json_t *msg = json_object_get(cmd, "msg");
    const char *node = get_str(msg, "node");
    const json_t *only = json_object_get(msg, "job_id");
    json_t *requeued = NULL, *failed = NULL, *released = NULL;

    if (!service_cmd_allowed(jobs, cmd))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (!node || site_node_find(jobs->site, node) < 0)
        return result_err(ESLURM_INVALID_NODE_NAME, NULL);
    if (only && (!json_is_integer(only) || json_integer_value(only) <= 0 ||
                 json_integer_value(only) > UINT32_MAX))
        return result_err(ESLURM_INVALID_JOB_ID, NULL);
    if (!(requeued = json_array()) || !(failed = json_array()) || !(released = json_array()))
        goto nomem;
    for (size_t i = 0; i < jobs->n; i++) {
        struct job *job = jobs->v[i];
        ssize_t h = alloc_index(job, node);
        json_t *list;

        if (h < 0 || (only && job->job_id != (uint32_t)json_integer_value(only)))
            continue;
        if (job_running(job)) {
            if (job_may_requeue(jobs, job)) {
                /* a job missing from its batch node goes through
                 * _job_complete; a DOWN node's jobs do not */
                job_requeue_running(jobs, job, node, only != NULL);
                list = requeued;
            } else {
                job->state = JOB_NODE_FAIL;
                job->reason = FAIL_DOWN_NODE;
                free(job->state_desc);
                job->state_desc = NULL;
                job->end_time = jobs->now;
                job_begin_completing(job);
                job_host_done(job, node);
                list = failed;
            }
        } else if ((job->state & JOB_COMPLETING) && job->cg[h]) {
            job_host_done(job, node);
            requeue_fini(jobs, job);
            list = released;
        } else {
            continue;
        }
        if (mark_changed(jobs, job) < 0 ||
            json_array_append_new(list, json_integer(job->job_id)) < 0)
            goto nomem;
    }
    return result_ok(json_pack("{s:o, s:o, s:o}", "requeued", requeued, "failed", failed,
                               "released", released));
nomem:
    json_decref(requeued);
    json_decref(failed);
    json_decref(released);
    errno = ENOMEM;
    return NULL;
}

/* ---- job.preempt ----------------------------------------------------------- */

/* One entry of job.preempt: {job_id, mode: "requeue" | "cancel", by}. */
static bool preempt_entry_valid(const json_t *e)
{
    json_int_t id = get_int(e, "job_id", 0), by = get_int(e, "by", 0);
    const char *mode = get_str(e, "mode");

    return json_is_object(e) && id > 0 && id <= UINT32_MAX && by > 0 && by <= UINT32_MAX &&
           id != by && mode && (!strcmp(mode, "requeue") || !strcmp(mode, "cancel"));
}

/* Why a preemption cannot be applied now (the scheduler decided from a
 * view that is already old), or NULL. */
static const char *preempt_refusal(const struct job *victim, const struct job *by)
{
    if (!victim)
        return "no such job";
    if ((victim->state & JOB_STATE_BASE) != JOB_RUNNING || (victim->state & JOB_COMPLETING))
        return "the job is not running";
    if (!by)
        return "no such preemptor";
    if (!job_pending(by) || (by->state & JOB_COMPLETING))
        return "the preemptor is not pending";
    return NULL;
}

/* job.preempt {time, jobs: [{job_id, mode, by}]}: slurm_job_preempt for
 * each running job the scheduler chose to make room for job `by`.
 * "requeue" is job_requeue(preempt): back to PENDING once its epilogs came,
 * one more restart, the begin time pushed past slurmd's credential window
 * as any requeue (batch_requeue_fini); a job that may not requeue (not
 * batch, --no-requeue, JobRequeue=0) is killed instead, as slurmctld falls
 * back to.  "cancel" is job_signal(SIGKILL, preempt): PREEMPTED, end time
 * now, COMPLETING on every host, requested by root.  Reply {"preempted":
 * [{job_id, action: "requeued" | "cancelled"}], "refused": [{job_id,
 * why}]}; a refused entry changes nothing. */
static json_t *apply_preempt(struct jobs *jobs, const json_t *cmd)
{
    const json_t *list = json_object_get(json_object_get(cmd, "msg"), "jobs"), *e;
    json_t *preempted = NULL, *refused = NULL;
    size_t i;

    if (!service_cmd_allowed(jobs, cmd))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (!json_is_array(list))
        return result_err(EINVAL, "job.preempt needs jobs, an array");
    json_array_foreach(list, i, e) {
        if (!preempt_entry_valid(e))
            return result_err(EINVAL, "job.preempt entries are {job_id, mode: requeue|cancel, "
                                      "by: the preemptor's job id}");
    }
    if (!(preempted = json_array()) || !(refused = json_array()))
        goto nomem;
    json_array_foreach(list, i, e) {
        struct job *victim = job_find(jobs, (uint32_t)get_int(e, "job_id", 0));
        const struct job *by = job_find(jobs, (uint32_t)get_int(e, "by", 0));
        const char *why = preempt_refusal(victim, by), *action;
        json_t *entry;

        if (why) {
            entry = json_pack("{s:I, s:s}", "job_id", get_int(e, "job_id", 0), "why", why);
            if (!entry || json_array_append_new(refused, entry) < 0)
                goto nomem;
            continue;
        }
        if (!strcmp(get_str(e, "mode"), "requeue") && job_may_requeue(jobs, victim)) {
            job_requeue_running(jobs, victim, NULL, false);
            action = "requeued";
        } else {
            victim->state = JOB_PREEMPTED;
            victim->requid = 0;
            victim->end_time = jobs->now;
            job_begin_completing(victim);
            action = "cancelled";
        }
        entry = json_pack("{s:I, s:s}", "job_id", (json_int_t)victim->job_id, "action", action);
        if (mark_changed(jobs, victim) < 0 || !entry ||
            json_array_append_new(preempted, entry) < 0)
            goto nomem;
    }
    return result_ok(json_pack("{s:o, s:o}", "preempted", preempted, "refused", refused));
nomem:
    json_decref(preempted);
    json_decref(refused);
    errno = ENOMEM;
    return NULL;
}

/* ---- job.sched_update ------------------------------------------------------ */

/* One entry of job.sched_update: {job_id, priority?, state_reason,
 * state_desc?, start_time?, dependency?}.  False if it is not that. */
static bool sched_entry_valid(const json_t *e)
{
    const json_t *prio = json_object_get(e, "priority"), *desc = json_object_get(e, "state_desc");
    const json_t *start = json_object_get(e, "start_time");
    const json_t *dep = json_object_get(e, "dependency");
    json_int_t id = get_int(e, "job_id", 0), reason = get_int(e, "state_reason", -1);

    return json_is_object(e) && id > 0 && id <= UINT32_MAX && reason >= 0 &&
           reason <= UINT32_MAX &&
           (!prio || (json_is_integer(prio) && json_integer_value(prio) > 0 &&
                      json_integer_value(prio) <= UINT32_MAX)) &&
           (!desc || json_is_null(desc) || json_is_string(desc)) &&
           (!start || (json_is_integer(start) && json_integer_value(start) >= 0)) &&
           (!dep || json_is_string(dep));
}

/* The scheduler's view of a pending job's dependency and expected start
 * (sched_update's dependency and start_time, when present): the
 * dependency as slurmctld shows it, "" once met (the job is then
 * independent, as test_job_dependency leaves it), and the backfill's
 * expected start, 0 for unknown.  1 if the job changed, 0 if not, -1
 * ENOMEM. */
static int sched_plan_apply(struct jobs *jobs, struct job *job, const json_t *e)
{
    const json_t *start = json_object_get(e, "start_time");
    const char *dep = get_str(e, "dependency");
    int changed = 0;

    if (start && !(job->state & JOB_COMPLETING) &&
        (int64_t)json_integer_value(start) != job->start_time) {
        job->start_time = (int64_t)json_integer_value(start);
        changed = 1;
    }
    if (dep && !str_eq(*dep ? dep : NULL, job->desc.dependency)) {
        if (replace_str(&job->desc.dependency, *dep ? dep : NULL) < 0)
            return -1;
        if (!*dep)
            refresh_pending(jobs, job, false);
        changed = 1;
    }
    return changed;
}

/* The scheduler's priorities and pending reasons.  Only pending jobs that
 * are not held change, and only where the values differ; a priority an
 * administrator set stays (the job is listed in kept_priority), and the
 * hold reasons belong to job.update.  Entries of unknown or finished jobs
 * are skipped: the scheduler decided from a view that is already old.
 * The command has no auth when it comes from the scheduler over the
 * private socket; one that carries auth must be an administrator's. */
static json_t *apply_sched_update(struct jobs *jobs, const json_t *cmd)
{
    const json_t *auth = json_object_get(cmd, "auth");
    const json_t *list = json_object_get(json_object_get(cmd, "msg"), "jobs"), *e;
    json_t *changed = NULL, *kept = NULL;
    size_t i;

    jobs->now = (int64_t)get_int(cmd, "time", 0);
    if (json_is_object(auth) && !site_is_admin(jobs->site, (uid_t)get_int(auth, "uid", -1)))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (!json_is_array(list))
        return result_err(EINVAL, "job.sched_update needs msg.jobs, an array");
    json_array_foreach(list, i, e) {
        if (!sched_entry_valid(e))
            return result_err(EINVAL, "job.sched_update entries are {job_id, priority, "
                                      "state_reason, state_desc}");
    }
    if (!(changed = json_array()) || !(kept = json_array()))
        goto nomem;
    json_array_foreach(list, i, e) {
        struct job *job = job_find(jobs, (uint32_t)get_int(e, "job_id", 0));
        const json_t *prio = json_object_get(e, "priority");
        uint32_t reason = (uint32_t)get_int(e, "state_reason", 0);
        const char *desc = get_str(e, "state_desc");
        bool touched = false;

        if (!job || !job_pending(job) || job->priority == 0)
            continue;
        if (prio && (uint32_t)json_integer_value(prio) != job->priority) {
            if (job->prio_set) {
                if (json_array_append_new(kept, json_integer(job->job_id)) < 0)
                    goto nomem;
            } else {
                job->priority = (uint32_t)json_integer_value(prio);
                touched = true;
            }
        }
        /* before the reason: a dependency met words the reason anew */
        switch (sched_plan_apply(jobs, job, e)) {
        case -1:
            goto nomem;
        case 1:
            touched = true;
            break;
        default:
            break;
        }
        if (reason != WAIT_HELD && reason != WAIT_HELD_USER &&
            (reason != job->reason || !str_eq(desc, job->state_desc))) {
            if (replace_str(&job->state_desc, desc) < 0)
                goto nomem;
            job->reason = reason;
            touched = true;
        }
        if (touched && (mark_changed(jobs, job) < 0 ||
                        json_array_append_new(changed, json_integer(job->job_id)) < 0))
            goto nomem;
    }
    return result_ok(json_pack("{s:o, s:o}", "changed", changed, "kept_priority", kept));
nomem:
    json_decref(changed);
    json_decref(kept);
    errno = ENOMEM;
    return NULL;
}

/* ---- job.launch_info: an array task's array ---------------------------------- */

json_t *jobs_launch_array(const struct jobs *jobs, uint32_t job_id)
{
    const struct job *job = job_find(jobs, job_id);
    const char *spec = job ? job->desc.array_inx : NULL, *colon;
    uint32_t count, first, last, max_running;
    long step = 1;
    json_t *array;

    if (!job || !job->array_job_id || !spec || !*spec) {
        errno = ENOENT;
        return NULL;
    }
    /* every task's desc is a copy of the array's: the array as submitted */
    if (jobs_parse_array(spec, site_max_array_size(jobs->site), &count, &first, &last,
                         &max_running) < 0)
        return NULL;
    /* _create_job_array reads the step with atoi after the ':' */
    if ((colon = strchr(spec, ':')))
        step = strtol(colon + 1, NULL, 10);
    if (!(array = json_pack("{s:I, s:I, s:I, s:I}", "count", (json_int_t)count, "min",
                            (json_int_t)first, "max", (json_int_t)last, "step",
                            (json_int_t)step)))
        errno = ENOMEM;
    return array;
}

/* ---- interactive jobs and steps (docs/steps.md) ---------------------------- */

/* SLURM codes of allocations and steps (slurm_errno.h 22.05). */
enum {
    ESLURM_JOB_PENDING = 2024,
    ESLURM_DISABLED = 2037,
    ESLURM_BAD_DIST = 2023,
    ESLURM_NODES_BUSY = 2016,
    ESLURM_NODE_NOT_AVAIL = 2068,
};
/* job_node_ready's bits (slurm.h READY_*) */
#define READY_NODE_STATE 0x01
#define READY_JOB_STATE 0x02
#define READY_PROLOG_STATE 0x04
/* MaxTasksPerNode's default (slurm.conf) */
#define MAX_TASKS_PER_NODE 512
/* strings step_create refuses when longer (_test_strlen) */
#define MAX_STEP_STR 1024

/* build_alloc_msg / build_job_info_resp: RESPONSE_RESOURCE_ALLOCATION of a
 * job, with the allocation once it runs (node_cnt 0 and no nodes while it
 * waits).  New reference, NULL and ENOMEM. */
static json_t *alloc_resp_json(struct jobs *jobs, const struct job *job)
{
    const struct flurm_job_desc *d = &job->desc;
    const struct site_partition *p = job_partition(jobs, job);
    const struct flurm_alloc *a = job_running(job) ? job->alloc : NULL;
    struct flurm_resource_alloc_resp r;
    uint16_t *cpus = NULL;
    uint32_t *reps = NULL;
    json_t *j = NULL;

    memset(&r, 0, sizeof(r));
    r.job_id = job->job_id;
    r.partition = p ? (char *)p->name : d->partition;
    r.account = d->account;
    r.qos = d->qos;
    r.resv_name = d->reservation;
    r.uid = d->user_id;
    r.gid = d->group_id;
    r.select_plugin_id = FLURM_SELECT_PLUGIN_CONS_TRES;
    if (job->bitflags & JOB_MEM_SET)
        r.pn_min_memory = d->pn_min_memory;
    r.ntasks_per_board = d->ntasks_per_board == FLURM_NO_VAL16 ? 0 : d->ntasks_per_board;
    r.ntasks_per_core = d->ntasks_per_core == FLURM_NO_VAL16 ? FLURM_INFINITE16 : d->ntasks_per_core;
    r.ntasks_per_socket =
        d->ntasks_per_socket == FLURM_NO_VAL16 ? FLURM_INFINITE16 : d->ntasks_per_socket;
    r.ntasks_per_tres = d->ntasks_per_tres == FLURM_NO_VAL16 ? 0 : d->ntasks_per_tres;
    if (a && a->nhosts) {
        uint32_t groups = 0;

        if (!(cpus = calloc(a->nhosts, sizeof(*cpus))) || !(reps = calloc(a->nhosts, sizeof(*reps))))
            goto out;
        for (size_t i = 0; i < a->nhosts; i++) {
            if (groups && cpus[groups - 1] == a->hosts[i].cpus) {
                reps[groups - 1]++;
            } else {
                cpus[groups] = (uint16_t)a->hosts[i].cpus;
                reps[groups++] = 1;
            }
        }
        r.node_cnt = (uint32_t)a->nhosts;
        r.node_list = a->nodes;
        /* slurmctld gives every job a batch host: the first node */
        r.batch_host = a->batch_host ? a->batch_host : a->hosts[0].name;
        r.num_cpu_groups = groups;
        r.cpu_groups.cpus_per_node = cpus;
        r.cpu_groups.cpus_per_node_cnt = groups;
        r.cpu_groups.cpu_count_reps = reps;
        r.cpu_groups.cpu_count_reps_cnt = groups;
    }
    j = flurm_record_to_json(&flurm_rec_resource_alloc_resp, &r);
out:
    free(cpus);
    free(reps);
    if (!j)
        errno = ENOMEM;
    return j;
}

/* One job.allocs entry (docs/running-jobs.md, docs/steps.md).  New
 * reference, NULL and ENOMEM. */
static json_t *alloc_entry_json(const struct job *job)
{
    json_t *cg = json_array(), *e;

    if (!cg)
        return NULL;
    for (size_t h = 0; job->alloc && h < job->alloc->nhosts; h++) {
        if (job->cg[h] && json_array_append_new(cg, json_string(job->alloc->hosts[h].name)) < 0) {
            json_decref(cg);
            return NULL;
        }
    }
    e = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:s?, s:I, s:I, s:o?, s:o, s:s?, "
                  "s:I, s:I}",
                  "job_id", (json_int_t)job->job_id, "array_job_id",
                  (json_int_t)job->array_job_id, "array_task_id", (json_int_t)job->array_task_id,
                  "user_id", (json_int_t)job->desc.user_id, "group_id",
                  (json_int_t)job->desc.group_id, "state", (json_int_t)job->state, "batch",
                  job->batch, "launched", job->launched, "launch_owner", job->launch_owner,
                  "start_time", (json_int_t)job->start_time, "end_time",
                  (json_int_t)job->end_time, "alloc",
                  job->alloc ? flurm_alloc_to_json(job->alloc) : NULL, "completing", cg,
                  "resp_host", job->resp_host, "alloc_resp_port",
                  (json_int_t)(job->desc.alloc_resp_port == FLURM_NO_VAL16
                                   ? 0
                                   : job->desc.alloc_resp_port),
                  "other_port",
                  (json_int_t)(job->desc.other_port == FLURM_NO_VAL16 ? 0 : job->desc.other_port));
    return e;
}

/* job.ready {auth, msg: job_id_msg}: job_node_ready's bits. */
static json_t *query_ready(struct jobs *jobs, const json_t *msg)
{
    json_int_t id = get_int(msg, "job_id", -1);
    const struct job *job = id > 0 && id <= UINT32_MAX ? job_find(jobs, (uint32_t)id) : NULL;
    int ready = 0;

    if (!job)
        return result_err(ESLURM_INVALID_JOB_ID, NULL);
    /* select_p_job_ready: the nodes of a running job are up (FLURM has no
     * power saving); a job that does not run has none */
    if (job_running(job))
        ready |= READY_NODE_STATE | READY_JOB_STATE;
    /* no PrologSlurmctld: the prolog bit is always set, as slurmctld sets
     * it for any job whose prolog is not running */
    ready |= READY_PROLOG_STATE;
    return result_ok(json_pack("{s:{s:i}}", "msg", "return_code", ready));
}

/* job.alloc_info {auth, msg: job_alloc_info}: job_alloc_info_ptr. */
static json_t *query_alloc_info(struct jobs *jobs, const struct asker *a, const json_t *msg)
{
    json_int_t id = get_int(msg, "job_id", -1);
    const struct job *job = id > 0 && id <= UINT32_MAX ? job_find(jobs, (uint32_t)id) : NULL;
    json_t *resp;

    if (!job)
        return result_err(ESLURM_INVALID_JOB_ID, NULL);
    if (hidden_private(jobs, a, job))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (job_pending(job))
        return result_err(ESLURM_JOB_PENDING, "Job is pending execution");
    if (!job_running(job) || !job->alloc)
        return result_err(ESLURM_ALREADY_DONE, NULL);
    if (!(resp = alloc_resp_json(jobs, job)))
        return NULL;
    return result_ok(json_pack("{s:o}", "msg", resp));
}

/* job.alloc_complete {auth, time, msg: complete_job_alloc}: salloc/srun
 * end their allocation (job_complete with the client's rc). */
static json_t *apply_alloc_complete(struct jobs *jobs, const struct cmd *c)
{
    json_int_t id = get_int(c->msg, "job_id", -1);
    uint32_t job_rc = (uint32_t)get_int(c->msg, "job_rc", 0);
    struct job *job = id > 0 && id <= UINT32_MAX ? job_find(jobs, (uint32_t)id) : NULL;
    int rc;

    if (!job)
        return result_err(ESLURM_INVALID_JOB_ID, NULL);
    if (job->desc.user_id != c->uid && !c->admin)
        return result_err(ESLURM_USER_ID_MISSING, NULL);
    if (job_pending(job) && !(job->state & JOB_COMPLETING) && !job->batch) {
        /* salloc interrupted while waiting: the allocation is cancelled */
        job->state = JOB_CANCELLED;
        job->requid = c->uid;
        job->start_time = job->end_time = jobs->now;
        return mark_changed(jobs, job) < 0 ? NULL : result_rc(0);
    }
    if ((rc = complete_job(jobs, job, false, job_rc)) == ENOMEM)
        return NULL;
    return result_rc(rc);
}

/* A job's steps, created on first use.  NULL and ENOMEM. */
static struct steps *job_steps(struct job *job)
{
    if (!job->steps)
        job->steps = steps_create();
    return job->steps;
}

/* Names of expr that slurm.conf does not know, as node_name2bitmap
 * refuses them. */
static bool hostlist_known(const struct jobs *jobs, const char *expr)
{
    struct flurm_hostlist *hl;
    bool ok = true;

    if (!expr)
        return true;
    if (!(hl = flurm_hostlist_parse(expr, NULL, 0)))
        return false;
    for (size_t i = 0; ok && i < flurm_hostlist_count(hl); i++) {
        char *name = flurm_hostlist_nth(hl, i);

        ok = name && site_node_find(jobs->site, name) >= 0;
        free(name);
    }
    flurm_hostlist_destroy(hl);
    return ok;
}

/* step.create {auth, time, msg: step_create_req}: step_create.  Reply
 * {"step": {...}, "job": job.allocs entry}. */
static json_t *apply_step_create(struct jobs *jobs, const struct cmd *c)
{
    struct flurm_step_create_req req;
    const struct site_partition *p;
    const struct step *st = NULL;
    struct steps_job sj;
    const char *field = NULL;
    struct steps *steps;
    json_t *step_json, *job_json;
    struct job *job;
    int rc;

    if (!json_is_object(c->msg) ||
        flurm_record_from_json(&flurm_rec_step_create_req, c->msg, &req, &field) < 0)
        return result_err(EINVAL, "malformed step request");
    /* _slurm_rpc_job_step_create: the request speaks for its sender */
    if (req.user_id != c->uid && !c->admin) {
        rc = ESLURM_USER_ID_MISSING;
        goto refused;
    }
    if (!(job = job_find(jobs, req.step_id.job_id))) {
        rc = ESLURM_INVALID_JOB_ID;
        goto refused;
    }
    if (req.user_id != job->desc.user_id) {
        rc = ESLURM_ACCESS_DENIED;
        goto refused;
    }
    if ((job->state & JOB_STATE_BASE) == JOB_SUSPENDED) {
        rc = ESLURM_DISABLED;
        goto refused;
    }
    if (job_pending(job) && !(job->state & JOB_COMPLETING)) {
        rc = ESLURM_DUPLICATE_JOB_ID; /* slurmctld's word for it */
        goto refused;
    }
    if (!job_running(job) || !job->alloc || job->end_time <= jobs->now) {
        rc = ESLURM_ALREADY_DONE;
        goto refused;
    }
    if ((req.host && strlen(req.host) > MAX_STEP_STR) ||
        (req.name && strlen(req.name) > MAX_STEP_STR) ||
        (req.network && strlen(req.network) > MAX_STEP_STR)) {
        rc = ESLURM_PATHNAME_TOO_LONG;
        goto refused;
    }
    if (!hostlist_known(jobs, req.exc_nodes)) {
        rc = ESLURM_INVALID_NODE_NAME;
        goto refused;
    }
    if (!hostlist_known(jobs, req.node_list)) {
        rc = ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE;
        goto refused;
    }
    if (!(steps = job_steps(job)))
        goto nomem;
    p = job_partition(jobs, job);
    sj = (struct steps_job){
        .alloc = job->alloc,
        .job_name = job->desc.name,
        .part_max_time = p ? p->max_time : FLURM_INFINITE,
        .enforce_part_limits = site_enforce_part_limits(jobs->site) != 0,
        .max_tasks_per_node = MAX_TASKS_PER_NODE,
        .proto = c->proto,
        .now = jobs->now,
    };
    rc = steps_add(steps, &sj, &req, &st);
    flurm_record_free(&flurm_rec_step_create_req, &req);
    if (rc < 0)
        goto nomem_freed;
    if (rc)
        return result_err(rc, NULL);
    if (mark_changed(jobs, job) < 0 || !(step_json = steps_step_json(st, job->job_id, job->alloc)))
        goto nomem_freed;
    if (!(job_json = alloc_entry_json(job))) {
        json_decref(step_json);
        goto nomem_freed;
    }
    return result_ok(json_pack("{s:o, s:o}", "step", step_json, "job", job_json));
refused:
    flurm_record_free(&flurm_rec_step_create_req, &req);
    return result_err(rc, NULL);
nomem:
    flurm_record_free(&flurm_rec_step_create_req, &req);
nomem_freed:
    errno = ENOMEM;
    return NULL;
}

/* step.complete {auth, time, msg: step_complete}: step_partial_comp, from
 * slurmstepd (root / SlurmUser) or srun (the owner). */
static json_t *apply_step_complete(struct jobs *jobs, const json_t *cmd)
{
    const json_t *msg = json_object_get(cmd, "msg"), *auth = json_object_get(cmd, "auth");
    const json_t *sid = json_object_get(msg, "step_id");
    json_int_t job_id = get_int(sid, "job_id", -1), step_id = get_int(sid, "step_id", -1);
    json_int_t first = get_int(msg, "range_first", -1), last = get_int(msg, "range_last", -1);
    json_int_t uid = get_int(auth, "uid", -1);
    struct job *job = job_id > 0 && job_id <= UINT32_MAX ? job_find(jobs, (uint32_t)job_id) : NULL;
    bool finished;
    int rc;

    if (!job)
        return result_err(ESLURM_INVALID_JOB_ID, NULL);
    if (job_pending(job) && !(job->state & JOB_COMPLETING))
        return result_err(ESLURM_JOB_PENDING, "Job is pending execution");
    if (auth && !json_is_null(auth) && !service_cmd_allowed(jobs, cmd) &&
        uid != (json_int_t)job->desc.user_id)
        return result_err(ESLURM_USER_ID_MISSING, NULL);
    if (step_id < 0 || step_id > UINT32_MAX || step_id == SLURM_BATCH_SCRIPT || !job->steps)
        return result_err(ESLURM_INVALID_JOB_ID, NULL);
    if (first < 0 || last < 0 || first > UINT32_MAX || last > UINT32_MAX)
        return result_err(EINVAL, "bad node range");
    rc = steps_complete(job->steps, (uint32_t)step_id, (uint32_t)first, (uint32_t)last,
                        (uint32_t)get_int(msg, "step_rc", 0), jobs->now, &finished);
    if (rc)
        return result_err(rc, NULL);
    if (mark_changed(jobs, job) < 0)
        return NULL;
    return result_ok(json_pack("{s:i, s:b}", "rc", 0, "finished", finished));
}

/* job_step_signal: a signal to one step of a running job, for the node
 * manager to deliver (REQUEST_SIGNAL_TASKS to the step's nodes).  0 or a
 * SLURM code. */
static int step_signal(struct jobs *jobs, const struct cmd *c, uint32_t job_id,
                       uint32_t step_id, uint16_t signal, uint16_t flags)
{
    struct job *job = job_find(jobs, job_id);
    const struct step *st = NULL;
    const char *nodes;
    json_t *sig;

    if (!job)
        return ESLURM_INVALID_JOB_ID;
    if (!may_act_on(c, job))
        return ESLURM_USER_ID_MISSING;
    if (job_finished(job))
        return ESLURM_ALREADY_DONE;
    if ((job->state & JOB_STATE_BASE) != JOB_RUNNING)
        return ESLURM_TRANSITION_STATE_NO_UPDATE;
    if (step_id == SLURM_BATCH_SCRIPT && job->batch && job->alloc && job->alloc->batch_host) {
        nodes = job->alloc->batch_host;
    } else {
        if (!job->steps || !(st = steps_find(job->steps, step_id)) || st->state != JOB_RUNNING)
            return ESLURM_INVALID_JOB_ID;
        nodes = st->nodes;
    }
    if (!jobs->signals && !(jobs->signals = json_array()))
        return ENOMEM;
    sig = json_pack("{s:I, s:I, s:i, s:i, s:s}", "job_id", (json_int_t)job_id, "step_id",
                    (json_int_t)step_id, "signal", (int)signal, "flags", (int)flags, "nodes",
                    nodes);
    /* SIGKILL also tells the step's srun (_step_signal's srun_step_complete):
     * a step still launching has no slurmstepd to take the signal yet, and
     * srun, told its step is complete, kills it again once it runs. */
    if (sig && signal == SIGKILL_NUM && st && st->srun_host && *st->srun_host && st->srun_port &&
        (json_object_set_new(sig, "srun_host", json_string(st->srun_host)) < 0 ||
         json_object_set_new(sig, "srun_port", json_integer(st->srun_port)) < 0 ||
         json_object_set_new(sig, "user_id", json_integer(job->desc.user_id)) < 0)) {
        json_decref(sig);
        sig = NULL;
    }
    return sig && json_array_append_new(jobs->signals, sig) == 0 ? 0 : ENOMEM;
}

/* "J.S" (or "J.batch"): the job and step of a step's name; -1 if str names
 * no step. */
static int parse_step_str(const char *str, uint32_t *job_id, uint32_t *step_id)
{
    const char *dot = str ? strchr(str, '.') : NULL;
    char *end = NULL;
    unsigned long v, s;

    if (!dot || dot == str)
        return -1;
    errno = 0;
    v = strtoul(str, &end, 10);
    if (errno || end != dot || v == 0 || v > UINT32_MAX)
        return -1;
    if (!strcmp(dot + 1, "batch")) {
        s = SLURM_BATCH_SCRIPT;
    } else {
        s = strtoul(dot + 1, &end, 10);
        if (errno || end == dot + 1 || *end || s >= SLURM_BATCH_SCRIPT)
            return -1;
    }
    *job_id = (uint32_t)v;
    *step_id = (uint32_t)s;
    return 0;
}

/* The job_step_info record of one step (_pack_ctld_job_step_info).  New
 * reference, NULL and ENOMEM. */
static json_t *step_info_json(struct jobs *jobs, const struct job *job, const struct step *st,
                              int64_t now)
{
    const struct site_partition *p = job_partition(jobs, job);
    size_t nbits = site_node_count(jobs->site);
    struct flurm_job_step_info si;
    struct taskset *inx = ts_create((uint32_t)nbits);
    char *hex = NULL, *tres = NULL;
    json_t *j = NULL;
    uint64_t mem = 0;
    uint32_t cpus = 0;

    if (!inx)
        goto out;
    memset(&si, 0, sizeof(si));
    si.array_job_id = job->array_job_id;
    si.array_task_id = job->array_task_id;
    si.step_id.job_id = job->job_id;
    si.step_id.step_het_comp = FLURM_NO_VAL;
    si.user_id = job->desc.user_id;
    si.cluster = (char *)site_cluster_name(jobs->site);
    si.partition = p ? (char *)p->name : job->desc.partition;
    si.select_plugin_id = FLURM_SELECT_PLUGIN_CONS_TRES;
    si.state = JOB_RUNNING;
    if (!st) { /* the batch step, as build_batch_step makes it */
        const char *host = job->alloc->batch_host;
        ssize_t node = site_node_find(jobs->site, host);

        si.step_id.step_id = SLURM_BATCH_SCRIPT;
        si.num_tasks = 1;
        si.time_limit = FLURM_INFINITE;
        si.start_time = job->start_time;
        si.nodes = (char *)host;
        si.name = "batch";
        si.start_protocol_ver = job->proto;
        if (node >= 0)
            ts_set(inx, (uint32_t)node);
    } else {
        si.step_id.step_id = st->step_id;
        si.cpu_freq_min = st->cpu_freq_min;
        si.cpu_freq_max = st->cpu_freq_max;
        si.cpu_freq_gov = st->cpu_freq_gov;
        si.num_tasks = st->task_cnt;
        si.task_dist = st->task_dist;
        si.time_limit = st->time_limit;
        si.srun_pid = st->srun_pid;
        si.start_time = st->start_time;
        si.srun_host = st->srun_host;
        si.nodes = st->nodes;
        si.name = st->name;
        si.submit_line = st->submit_line;
        si.start_protocol_ver = st->proto;
        for (uint32_t i = 0; i < st->nnodes; i++) {
            const struct flurm_alloc_host *h = &job->alloc->hosts[st->hosts[i]];
            ssize_t node = site_node_find(jobs->site, h->name);

            if (node >= 0)
                ts_set(inx, (uint32_t)node);
            cpus += h->cpus;
            mem += h->mem;
        }
        /* the step has every CPU the job has on its nodes (no --exact) */
        si.num_cpus = cpus;
        if (asprintf(&tres, "cpu=%u,mem=%lluM,node=%u", cpus, (unsigned long long)mem,
                     st->nnodes) < 0) {
            tres = NULL;
            goto out;
        }
        si.tres_alloc_str = tres;
    }
    si.run_time = now > si.start_time ? now - si.start_time : 0;
    if (!(hex = ts_to_hex(inx)))
        goto out;
    si.node_inx.nbits = (uint32_t)nbits;
    si.node_inx.hex = hex;
    j = flurm_record_to_json(&flurm_rec_job_step_info, &si);
out:
    ts_destroy(inx);
    free(hex);
    free(tres);
    if (!j)
        errno = ENOMEM;
    return j;
}

/* step.info {auth, msg: job_step_info_req}: pack_ctld_job_step_info_response_msg
 * for the running steps (squeue -s, scontrol show step, sstat). */
static json_t *query_step_info(struct jobs *jobs, const struct asker *a, const json_t *msg,
                               int64_t now)
{
    const json_t *sid = json_object_get(msg, "step_id");
    json_int_t want_job = get_int(sid, "job_id", FLURM_NO_VAL);
    json_int_t want_step = get_int(sid, "step_id", FLURM_NO_VAL);
    uint16_t show_flags = (uint16_t)get_int(msg, "show_flags", 0);
    json_t *records = json_array(), *j;
    bool valid_job = false;

    if (!records)
        return NULL;
    if (want_job == 0) /* `scontrol show step` without an id asks for job 0: every job */
        want_job = FLURM_NO_VAL;
    for (size_t i = 0; i < jobs->n; i++) {
        const struct job *job = jobs->v[i];
        bool runs = (job->state & JOB_STATE_BASE) == JOB_RUNNING ||
                    (job->state & JOB_STATE_BASE) == JOB_SUSPENDED;

        if (want_job != FLURM_NO_VAL && want_job != job->job_id &&
            (!job->array_job_id || want_job != job->array_job_id))
            continue;
        valid_job = true;
        if (hidden_in_list(jobs, a, job, show_flags))
            continue;
        if (!runs || !job->alloc)
            continue;
        if (job->batch && job->alloc->batch_host &&
            (want_step == FLURM_NO_VAL || want_step == SLURM_BATCH_SCRIPT)) {
            if (!(j = step_info_json(jobs, job, NULL, now)) ||
                json_array_append_new(records, j) < 0)
                goto nomem;
        }
        for (size_t k = 0; job->steps && k < steps_count(job->steps); k++) {
            const struct step *st = steps_at(job->steps, k);

            if (st->state != JOB_RUNNING ||
                (want_step != FLURM_NO_VAL && want_step != st->step_id))
                continue;
            if (!(j = step_info_json(jobs, job, st, now)) ||
                json_array_append_new(records, j) < 0)
                goto nomem;
        }
    }
    if (jobs->n && !valid_job && !json_array_size(records)) {
        json_decref(records);
        return result_err(ESLURM_INVALID_JOB_ID, NULL);
    }
    return result_ok(json_pack("{s:{s:I, s:I, s:o}}", "msg", "step_count",
                               (json_int_t)json_array_size(records), "last_update",
                               (json_int_t)now, "steps", records));
nomem:
    json_decref(records);
    return NULL;
}

/* ---- dispatch ------------------------------------------------------------- */

/* The commands of the running-job contract: no job_desc, no user auth
 * required (docs/running-jobs.md). */
/* job.immediate_fail {time, msg: {job_id}}: `salloc -I` whose job could
 * not start at once (job_allocate with immediate): a pending interactive
 * job is FAILED, reason BadConstraints, exit code 1, as slurmctld leaves it;
 * the result is {"rc": the error salloc prints — its nodes are down or
 * drained (ESLURM_NODE_NOT_AVAIL) or busy (ESLURM_NODES_BUSY) —, "revoke":
 * {job_id, user_id, resp_host, other_port}}: slurmctld tells salloc its
 * allocation is revoked (SRUN_JOB_COMPLETE) before it answers, and the
 * gateway has the node manager do so.  A job that started meanwhile is
 * {"started": true} (the store then sends the allocation). */
static json_t *apply_immediate_fail(struct jobs *jobs, const json_t *cmd)
{
    json_t *res;
    struct job *job;
    int code;

    if (!service_cmd_allowed(jobs, cmd))
        return result_err(ESLURM_ACCESS_DENIED, NULL);
    if (!(job = cmd_job(jobs, json_object_get(cmd, "msg"), &res)))
        return res;
    if (job_running(job))
        return result_ok(json_pack("{s:b}", "started", 1));
    if (!job_pending(job) || (job->state & JOB_COMPLETING) || job->batch)
        return result_err(ESLURM_ALREADY_DONE, NULL);
    code = job->reason == WAIT_NODE_NOT_AVAIL ||
                   (job->state_desc && strstr(job->state_desc, "DOWN"))
               ? ESLURM_NODE_NOT_AVAIL
               : ESLURM_NODES_BUSY;
    job->state = JOB_FAILED;
    job->reason = FAIL_BAD_CONSTRAINTS;
    free(job->state_desc);
    job->state_desc = NULL;
    job->exit_code = 1;
    job->start_time = job->end_time = jobs->now;
    if (mark_changed(jobs, job) < 0)
        return NULL;
    if (!job->resp_host || job->desc.other_port == FLURM_NO_VAL16 || !job->desc.other_port)
        return result_err(code, NULL);
    return result_ok(json_pack("{s:i, s:{s:I, s:I, s:s, s:I}}", "rc", code, "revoke", "job_id",
                               (json_int_t)job->job_id, "user_id", (json_int_t)job->desc.user_id,
                               "resp_host", job->resp_host, "other_port",
                               (json_int_t)job->desc.other_port));
}

static const struct {
    const char *type;
    json_t *(*apply)(struct jobs *jobs, const json_t *cmd);
} run_commands[] = {
    {"job.sched_update", apply_sched_update},
    {"job.start", apply_start},
    {"job.launch_claim", apply_launch_claim},
    {"job.launched", apply_launched},
    {"job.launch_failed", apply_launch_failed},
    {"job.complete", apply_complete},
    {"job.epilog_complete", apply_epilog_complete},
    {"job.timeout", apply_timeout},
    {"job.node_fail", apply_node_fail},
    {"job.preempt", apply_preempt},
    {"step.complete", apply_step_complete},
    {"job.immediate_fail", apply_immediate_fail},
};

int jobs_is_command(const char *type)
{
    if (!type)
        return 0;
    for (size_t i = 0; i < sizeof(run_commands) / sizeof(run_commands[0]); i++) {
        if (!strcmp(type, run_commands[i].type))
            return 1;
    }
    return !strcmp(type, "job.submit") || !strcmp(type, "job.kill") ||
           !strcmp(type, "job.update") || !strcmp(type, "job.allocate") ||
           !strcmp(type, "job.alloc_complete") || !strcmp(type, "step.create") ||
           !strcmp(type, "step.complete");
}

json_t *jobs_apply(struct jobs *jobs, uint64_t seq, const json_t *cmd)
{
    const char *type = get_str(cmd, "type");
    struct cmd c;

    jobs->nchanged = 0;
    jobs->nscripts = 0;
    jobs->seq = seq;
    for (size_t i = 0; type && i < sizeof(run_commands) / sizeof(run_commands[0]); i++) {
        if (!strcmp(type, run_commands[i].type)) {
            jobs->now = (int64_t)get_int(cmd, "time", 0);
            return run_commands[i].apply(jobs, cmd);
        }
    }
    if (cmd_read(jobs, cmd, &c) < 0)
        return result_err(EINVAL, "the command has no valid auth {uid, gid}");
    if (type && !strcmp(type, "job.submit"))
        return apply_submit(jobs, &c);
    if (type && !strcmp(type, "job.kill"))
        return apply_kill(jobs, &c);
    if (type && !strcmp(type, "job.update"))
        return apply_update(jobs, &c);
    if (type && !strcmp(type, "job.allocate")) {
        c.interactive = true;
        return apply_submit(jobs, &c);
    }
    if (type && !strcmp(type, "job.alloc_complete"))
        return apply_alloc_complete(jobs, &c);
    if (type && !strcmp(type, "step.create"))
        return apply_step_create(jobs, &c);
    return result_err(ENOSYS, "not a job store command");
}

/* ---- queries ----------------------------------------------------------- */

/* uid_to_string for the mail_user slurmctld fills in; looked up at query
 * time (never while applying: the user database is not part of the state)
 * and cached. */
static const char *user_name(struct jobs *jobs, uint32_t uid)
{
    struct passwd pw, *res = NULL;
    char buf[1024], num[16];
    struct uname *v;
    const char *name;

    for (size_t i = 0; i < jobs->nunames; i++) {
        if (jobs->unames[i].uid == uid)
            return jobs->unames[i].name;
    }
    if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res) {
        name = res->pw_name;
    } else {
        snprintf(num, sizeof(num), "%u", uid);
        name = num;
    }
    if (!(v = realloc(jobs->unames, (jobs->nunames + 1) * sizeof(*v))))
        return NULL;
    jobs->unames = v;
    if (!(v[jobs->nunames].name = strdup(name)))
        return NULL;
    v[jobs->nunames].uid = uid;
    return v[jobs->nunames++].name;
}

/* _pack_default_job_details' node count of a pending job: at least enough
 * nodes for its tasks on the partition's largest node. */
static uint32_t pending_node_count(const struct job *job, const struct site_partition *p)
{
    const struct flurm_job_desc *d = &job->desc;
    uint32_t max_cpus = p && p->max_node_cpus ? p->max_node_cpus : 1;
    uint32_t tasks = d->num_tasks != FLURM_NO_VAL ? d->num_tasks : 0;
    uint32_t nodes;

    if (d->ntasks_per_node != FLURM_NO_VAL16 && d->ntasks_per_node) {
        nodes = tasks / d->ntasks_per_node;
        return nodes > d->min_nodes ? nodes : d->min_nodes;
    }
    if (d->cpus_per_task != FLURM_NO_VAL16 && d->cpus_per_task > 1) {
        uint32_t per_node = max_cpus / d->cpus_per_task;

        if (per_node < 1)
            per_node = 1;
        nodes = tasks / per_node;
        if (nodes < d->min_nodes)
            nodes = d->min_nodes;
        if (tasks % per_node)
            nodes++;
        return nodes;
    }
    nodes = (tasks + max_cpus - 1) / max_cpus;
    return nodes > d->min_nodes ? nodes : d->min_nodes;
}

/* _pack_default_job_details' "shared" */
static uint16_t shared_value(const struct job *job, const struct site_partition *p)
{
    uint16_t s = job->desc.shared;

    if (s != FLURM_NO_VAL16)
        return s;
    if (p && (p->max_share & 0x8000) && (p->max_share & 0x7fff) > 1)
        return 1;
    if (p && p->max_share == 0)
        return 0;
    return FLURM_NO_VAL16;
}

/* The job's requested TRES as slurmctld prints them: the node count is the
 * requested minimum, not the estimate shown as NumNodes. */
static char *tres_req_string(const struct job *job, const struct site_partition *p)
{
    const struct flurm_job_desc *d = &job->desc;
    uint32_t nodes = d->min_nodes;
    uint64_t mem;
    char *s;

    if (d->pn_min_memory & MEM_PER_CPU)
        mem = (d->pn_min_memory & ~MEM_PER_CPU) * d->min_cpus;
    else if (d->pn_min_memory && d->pn_min_memory != FLURM_NO_VAL64)
        mem = d->pn_min_memory * nodes;
    else /* no limit: the whole of the nodes */
        mem = (p ? p->max_node_memory : 0) * nodes;
    if (asprintf(&s, "cpu=%u,mem=%luM,node=%u,billing=%u", d->min_cpus, (unsigned long)mem,
                 nodes, d->min_cpus) < 0)
        return NULL;
    return s;
}

static char *command_line(const struct flurm_job_desc *d)
{
    size_t len = 0;
    char *s;

    if (!d->argv || !d->argc)
        return NULL;
    for (uint32_t i = 0; i < d->argc; i++)
        len += (d->argv[i] ? strlen(d->argv[i]) : 0) + 1;
    if (!(s = malloc(len + 1)))
        return NULL;
    s[0] = '\0';
    for (uint32_t i = 0; i < d->argc; i++) {
        if (i)
            strcat(s, " ");
        if (d->argv[i])
            strcat(s, d->argv[i]);
    }
    return s;
}

/* pack_job of one record, for a pending or finished job. */
/* _pack_default_job_details' num_tasks: the count asked for, else the
 * minimum node count while the job waits, the node count while it holds
 * nodes, and NO_VAL (scontrol: NumTasks=N/A) once it ended without ever
 * holding any (cancelled or refused while pending), as slurmctld, which
 * has no allocation to count then. */
static uint32_t job_num_tasks(const struct job *job, uint32_t nodes)
{
    const struct flurm_job_desc *d = &job->desc;
    uint32_t base = job->state & JOB_STATE_BASE;

    if (d->num_tasks != FLURM_NO_VAL && d->num_tasks)
        return d->num_tasks;
    if (job_pending(job))
        return d->min_nodes;
    if (base == JOB_RUNNING || base == JOB_SUSPENDED || base == JOB_COMPLETE ||
        (job->state & JOB_COMPLETING))
        return nodes;
    return FLURM_NO_VAL;
}

/* What a job_info record shows of a job's allocation (pack_job): the nodes
 * it holds (only those still completing once it ended and is COMPLETING),
 * their index bitmap, CPUs and node count, the allocated TRES, and with
 * SHOW_DETAIL the job_resources record.  Strings and arrays owned here. */
struct run_view {
    char *nodes;
    char *node_inx;
    uint32_t cpus, nnodes;
    char *tres_alloc;
    struct flurm_job_resources *jr;
};

static void run_view_free(struct run_view *v)
{
    free(v->nodes);
    free(v->node_inx);
    free(v->tres_alloc);
    if (v->jr) {
        free(v->jr->cpu_array_reps);
        free(v->jr->cpu_array_value);
        free(v->jr->cpus);
        free(v->jr->cpus_used);
        free(v->jr->memory_allocated);
        free(v->jr->memory_used);
        free(v->jr->sockets_per_node);
        free(v->jr->cores_per_socket);
        free(v->jr->sock_core_rep_count);
        free(v->jr->core_bitmap.hex);
        free(v->jr->core_bitmap_used.hex);
        free(v->jr);
    }
    memset(v, 0, sizeof(*v));
}

/* pack_job_resources' record of the whole allocation. */
static int run_view_resources(const struct jobs *jobs, const struct job *job, struct run_view *v)
{
    const struct flurm_alloc *a = job->alloc;
    struct flurm_job_resources *jr = calloc(1, sizeof(*jr));
    struct taskset *bits = NULL, *none = NULL;
    uint32_t nbits = 0, at = 0, n = (uint32_t)a->nhosts;

    if (!(v->jr = jr))
        return -1;
    jr->nhosts = n;
    jr->ncpus = flurm_alloc_cpus(a);
    jr->node_req = job->desc.shared == 0 ? 64000 : 0; /* NODE_CR_RESERVED for --exclusive */
    jr->nodes = a->nodes;
    jr->whole_node = job->desc.shared == 0;
    jr->cr_type = 0x0004; /* CR_CORE */
    if (!(jr->cpu_array_reps = calloc(n, sizeof(uint32_t))) ||
        !(jr->cpu_array_value = calloc(n, sizeof(uint16_t))) ||
        !(jr->cpus = calloc(n, sizeof(uint16_t))) ||
        !(jr->cpus_used = calloc(n, sizeof(uint16_t))) ||
        !(jr->memory_allocated = calloc(n, sizeof(uint64_t))) ||
        !(jr->memory_used = calloc(n, sizeof(uint64_t))) ||
        !(jr->sockets_per_node = calloc(n, sizeof(uint16_t))) ||
        !(jr->cores_per_socket = calloc(n, sizeof(uint16_t))) ||
        !(jr->sock_core_rep_count = calloc(n, sizeof(uint32_t))))
        return -1;
    jr->cpus_used_cnt = jr->memory_allocated_cnt = jr->memory_used_cnt = n;
    for (uint32_t i = 0; i < n; i++) {
        const struct flurm_alloc_host *h = &a->hosts[i];
        ssize_t node = site_node_find(jobs->site, h->name);
        const struct site_node *sn = node >= 0 ? site_node(jobs->site, (size_t)node) : NULL;
        uint32_t ncores = node >= 0 ? held_node_cores(jobs->site, (size_t)node) : h->cores.ncores;
        uint16_t sockets = sn && sn->sockets ? sn->sockets : 1;
        uint16_t cores = (uint16_t)(ncores / sockets ? ncores / sockets : 1);

        jr->cpus[i] = (uint16_t)h->cpus;
        jr->memory_allocated[i] = h->mem;
        if (jr->cpu_array_cnt && jr->cpu_array_value[jr->cpu_array_cnt - 1] == h->cpus) {
            jr->cpu_array_reps[jr->cpu_array_cnt - 1]++;
        } else {
            jr->cpu_array_value[jr->cpu_array_cnt] = (uint16_t)h->cpus;
            jr->cpu_array_reps[jr->cpu_array_cnt++] = 1;
        }
        if (jr->sock_core_rep_count_cnt &&
            jr->sockets_per_node[jr->sock_core_rep_count_cnt - 1] == sockets &&
            jr->cores_per_socket[jr->sock_core_rep_count_cnt - 1] == cores) {
            jr->sock_core_rep_count[jr->sock_core_rep_count_cnt - 1]++;
        } else {
            jr->sockets_per_node[jr->sock_core_rep_count_cnt] = sockets;
            jr->cores_per_socket[jr->sock_core_rep_count_cnt] = cores;
            jr->sock_core_rep_count[jr->sock_core_rep_count_cnt++] = 1;
        }
        if (i == 0 && sn)
            jr->threads_per_core = sn->threads_per_core ? sn->threads_per_core : 1;
        nbits += (uint32_t)sockets * cores;
    }
    jr->sockets_per_node_cnt = jr->cores_per_socket_cnt = jr->sock_core_rep_count_cnt;
    /* the hosts' core sets one after the other, as build_job_resources lays them */
    if (!(bits = ts_create(nbits)) || !(none = ts_create(nbits)))
        goto error;
    for (uint32_t i = 0, r = 0, left = 0; i < n; i++) {
        const struct flurm_alloc_host *h = &a->hosts[i];
        uint32_t size;

        if (!left)
            left = jr->sock_core_rep_count[r++];
        size = (uint32_t)jr->sockets_per_node[r - 1] * jr->cores_per_socket[r - 1];
        left--;
        for (uint32_t c = 0; c < size; c++) {
            if (flurm_coreset_test(&h->cores, c))
                ts_set(bits, at + c);
        }
        at += size;
    }
    jr->core_bitmap.nbits = jr->core_bitmap_used.nbits = nbits;
    if (!(jr->core_bitmap.hex = ts_to_hex(bits)) || !(jr->core_bitmap_used.hex = ts_to_hex(none)))
        goto error;
    ts_destroy(bits);
    ts_destroy(none);
    return 0;
error:
    ts_destroy(bits);
    ts_destroy(none);
    return -1;
}

static int run_view_make(const struct jobs *jobs, const struct job *job, uint16_t show_flags,
                         struct run_view *v)
{
    const struct flurm_alloc *a = job->alloc;
    bool completing = job->state & JOB_COMPLETING;
    struct flurm_hostlist *hl = NULL;
    struct taskset *inx = NULL;
    uint64_t mem = 0;

    memset(v, 0, sizeof(*v));
    if (!a)
        return 0;
    if (!(hl = flurm_hostlist_create()) || !(inx = ts_create((uint32_t)site_node_count(jobs->site))))
        goto error;
    for (size_t i = 0; i < a->nhosts; i++) {
        ssize_t node = site_node_find(jobs->site, a->hosts[i].name);

        mem += a->hosts[i].mem;
        if (completing && !job->cg[i])
            continue;
        if (flurm_hostlist_push_host(hl, a->hosts[i].name) < 0)
            goto error;
        if (node >= 0)
            ts_set(inx, (uint32_t)node);
        v->cpus += a->hosts[i].cpus;
        v->nnodes++;
    }
    if (!(v->nodes = flurm_hostlist_ranged_string(hl)) || !(v->node_inx = ts_to_hex(inx)))
        goto error;
    if (asprintf(&v->tres_alloc, "cpu=%u,mem=%lluM,node=%zu,billing=%u", flurm_alloc_cpus(a),
                 (unsigned long long)mem, a->nhosts, flurm_alloc_cpus(a)) < 0) {
        v->tres_alloc = NULL;
        goto error;
    }
    if ((show_flags & SHOW_DETAIL) && run_view_resources(jobs, job, v) < 0)
        goto error;
    flurm_hostlist_destroy(hl);
    ts_destroy(inx);
    return 0;
error:
    flurm_hostlist_destroy(hl);
    ts_destroy(inx);
    run_view_free(v);
    errno = ENOMEM;
    return -1;
}

/* What a filled job_info record points to that is made for it. */
struct info_scratch {
    struct run_view rv;
    struct flurm_multi_core mc;
    char *hex, *command, *tres;
};

static void info_scratch_free(struct info_scratch *s)
{
    run_view_free(&s->rv);
    free(s->hex);
    free(s->command);
    free(s->tres);
    memset(s, 0, sizeof(*s));
}

/* The job_info record of job as slurmctld's pack_job shows it at time now:
 * its strings are borrowed from job, jobs and *s (caller frees *s with
 * info_scratch_free, also after a failure).  0, or -1 with ENOMEM. */
static int job_info_fill(struct jobs *jobs, const struct job *job, uint16_t show_flags,
                         int64_t now, struct flurm_job_info *out, struct info_scratch *s)
{
    const struct flurm_job_desc *d = &job->desc;
    const struct site_partition *p = job_partition(jobs, job);
    const struct job *meta;
    struct flurm_job_info ji;
    uint32_t time_limit, nodes;

    memset(&ji, 0, sizeof(ji));
    memset(s, 0, sizeof(*s));
    if (run_view_make(jobs, job, show_flags, &s->rv) < 0)
        goto nomem;
    ji.array_job_id = job->array_job_id;
    ji.array_task_id = job->array_task_id;
    if (job->tasks && ts_next(job->tasks, 0) >= 0 && !(s->hex = ts_to_hex(job->tasks)))
        goto nomem;
    ji.array_task_str = s->hex;
    ji.array_max_tasks = job->array_max_tasks;
    if (!job->tasks && job->array_job_id && (meta = job_find(jobs, job->array_job_id)))
        ji.array_max_tasks = meta->tasks ? meta->array_max_tasks : 0;
    ji.container = d->container;
    ji.container_again = d->container;
    ji.delay_boot = d->delay_boot == FLURM_NO_VAL ? 0 : d->delay_boot;
    ji.job_id = job->job_id;
    ji.user_id = d->user_id;
    ji.group_id = d->group_id;
    ji.profile = d->profile;
    ji.job_state = job->state;
    ji.batch_flag = job->batch ? (uint16_t)(1 + job->batch_requeues) : 0;
    ji.restart_cnt = job->restart_cnt;
    ji.state_reason = job->reason;
    /* a begin time that has passed no longer holds the job back */
    if (job_pending(job) && job->reason == WAIT_TIME && d->begin_time <= now)
        ji.state_reason = WAIT_PRIORITY;
    ji.state_desc = job->state_desc;
    ji.power_flags = d->power_flags;
    ji.reboot = d->reboot == FLURM_NO_VAL16 ? 0 : (uint8_t)d->reboot;
    ji.show_flags = show_flags;
    ji.deadline = d->deadline;
    ji.alloc_sid = d->alloc_sid;
    time_limit = d->time_limit == FLURM_NO_VAL && p ? p->max_time : d->time_limit;
    ji.time_limit = time_limit;
    ji.time_min = d->time_min == FLURM_NO_VAL ? 0 : d->time_min;
    ji.nice = d->nice;
    ji.submit_time = job->submit_time;
    ji.eligible_time = job->begin_time;
    ji.accrue_time = job->accrue_time;
    if (!job_pending(job)) {
        ji.start_time = job->start_time;
        ji.end_time = job->end_time;
    } else if (job->start_time && job->priority && !(job->state & JOB_COMPLETING)) {
        /* the scheduler's expected start (sched_update), never in the past */
        ji.start_time = job->start_time > now ? job->start_time : now;
        if (time_limit != FLURM_NO_VAL)
            ji.end_time = ji.start_time + (uint32_t)(time_limit * 60u);
    } else if (job->begin_time > now) {
        ji.start_time = job->begin_time;
        if (time_limit != FLURM_NO_VAL) /* u32 arithmetic, as slurmctld's */
            ji.end_time = ji.start_time + (uint32_t)(time_limit * 60u);
    }
    ji.last_sched_eval = job->submit_time;
    ji.priority = job->priority;
    ji.billable_tres = (double)FLURM_NO_VAL;
    ji.cluster = (char *)site_cluster_name(jobs->site);
    ji.partition = d->partition;
    ji.account = d->account;
    ji.admin_comment = d->admin_comment;
    ji.site_factor = d->site_factor == FLURM_NO_VAL ? NICE_OFFSET : d->site_factor;
    ji.network = d->network;
    ji.comment = d->comment;
    ji.extra = d->extra;
    ji.batch_features = d->batch_features;
    ji.burst_buffer = d->burst_buffer;
    ji.qos = d->qos;
    ji.licenses = d->licenses;
    ji.resv_name = d->reservation;
    ji.mcs_label = d->mcs_label;
    ji.exit_code = job->exit_code;
    ji.name = d->name;
    ji.wckey = d->wckey;
    ji.req_switch = d->req_switch == FLURM_NO_VAL ? 0 : d->req_switch;
    ji.wait4switch = d->wait4switch == FLURM_NO_VAL ? 0 : d->wait4switch;
    ji.alloc_node = d->alloc_node;
    ji.select_plugin_id = FLURM_SELECT_PLUGIN_CONS_TRES;
    ji.features = d->features;
    ji.prefer = d->prefer;
    ji.cluster_features = d->cluster_features;
    ji.work_dir = d->work_dir;
    ji.dependency = d->dependency;
    if (d->argv && d->argc && !(s->command = command_line(d)))
        goto nomem;
    ji.command = s->command;
    if (s->rv.nodes && (!job_pending(job) || (job->state & JOB_COMPLETING))) {
        /* _pack_default_job_details: what the job holds (or held) */
        nodes = s->rv.nnodes;
        ji.num_cpus = s->rv.cpus;
        ji.num_nodes = s->rv.nnodes;
    } else {
        nodes = pending_node_count(job, p);
        ji.num_cpus = d->min_cpus;
        ji.max_cpus = d->max_cpus == FLURM_NO_VAL ? 0 : d->max_cpus;
        ji.num_nodes = nodes;
        ji.max_nodes = d->max_nodes == FLURM_NO_VAL ? 0 : d->max_nodes;
    }
    ji.nodes = s->rv.nodes;
    ji.batch_host = job->alloc ? job->alloc->batch_host : NULL;
    ji.tres_alloc_str = s->rv.tres_alloc;
    ji.job_resrcs = s->rv.jr;
    if (s->rv.node_inx) {
        ji.node_inx.nbits = (uint32_t)site_node_count(jobs->site);
        ji.node_inx.hex = s->rv.node_inx;
    }
    ji.requeue = d->requeue == FLURM_NO_VAL16 ? site_job_requeue(jobs->site) : d->requeue;
    ji.ntasks_per_node = d->ntasks_per_node == FLURM_NO_VAL16 ? 0 : d->ntasks_per_node;
    ji.ntasks_per_tres = d->ntasks_per_tres == FLURM_NO_VAL16 ? 0 : d->ntasks_per_tres;
    ji.num_tasks = job_num_tasks(job, nodes);
    ji.shared = shared_value(job, p);
    ji.cpu_freq_min = d->cpu_freq_min;
    ji.cpu_freq_max = d->cpu_freq_max;
    ji.cpu_freq_gov = d->cpu_freq_gov;
    ji.contiguous = d->contiguous;
    ji.core_spec = d->core_spec;
    ji.cpus_per_task = d->cpus_per_task == FLURM_NO_VAL16 ? 1 : d->cpus_per_task;
    ji.pn_min_cpus = d->pn_min_cpus;
    ji.pn_min_memory = d->pn_min_memory;
    ji.pn_min_tmp_disk = d->pn_min_tmp_disk;
    ji.req_nodes = d->req_nodes;
    ji.exc_nodes = d->exc_nodes;
    ji.std_err = d->std_err;
    ji.std_in = d->std_in;
    ji.std_out = d->std_out;
    s->mc = (struct flurm_multi_core){
        .boards_per_node = d->boards_per_node,
        .sockets_per_board = d->sockets_per_board,
        .sockets_per_node = d->sockets_per_node,
        .cores_per_socket = d->cores_per_socket,
        .threads_per_core = d->threads_per_core,
        .ntasks_per_board = d->ntasks_per_board,
        .ntasks_per_socket =
            d->ntasks_per_socket == FLURM_NO_VAL16 ? FLURM_INFINITE16 : d->ntasks_per_socket,
        .ntasks_per_core =
            d->ntasks_per_core == FLURM_NO_VAL16 ? FLURM_INFINITE16 : d->ntasks_per_core,
        .plane_size = d->plane_size == FLURM_NO_VAL16 ? 0 : d->plane_size,
    };
    ji.mc = &s->mc;
    ji.bitflags = job->bitflags;
    if (!(s->tres = tres_req_string(job, p)))
        goto nomem;
    ji.tres_req_str = s->tres;
    ji.start_protocol_ver = job->proto;
    ji.cpus_per_tres = d->cpus_per_tres;
    ji.mem_per_tres = d->mem_per_tres;
    ji.tres_bind = d->tres_bind;
    ji.tres_freq = d->tres_freq;
    ji.tres_per_job = d->tres_per_job;
    ji.tres_per_node = d->tres_per_node;
    ji.tres_per_socket = d->tres_per_socket;
    ji.tres_per_task = d->tres_per_task;
    ji.mail_type = d->mail_type == FLURM_NO_VAL16 ? 0 : d->mail_type;
    ji.mail_user = d->mail_user ? d->mail_user : (char *)user_name(jobs, d->user_id);
    *out = ji;
    return 0;
nomem:
    errno = ENOMEM;
    return -1;
}

static json_t *job_info_json(struct jobs *jobs, const struct job *job, uint16_t show_flags,
                             int64_t now)
{
    struct flurm_job_info ji;
    struct info_scratch s;
    json_t *j = NULL;

    if (job_info_fill(jobs, job, show_flags, now, &ji, &s) == 0)
        j = flurm_record_to_json(&flurm_rec_job_info, &ji);
    info_scratch_free(&s);
    if (!j)
        errno = ENOMEM;
    return j;
}

/* The first query time after now at which job_info_fill() may show the
 * job otherwise than at now (RENDERED_FOREVER: never, until it changes).
 * Mirrors its uses of now: a pending job's begin time turning WAIT_TIME
 * into WAIT_PRIORITY, and its expected start, shown as now once passed. */
static int64_t job_info_until(const struct job *job, int64_t now)
{
    int64_t until = RENDERED_FOREVER;

    if (!job_pending(job))
        return until;
    if (job->reason == WAIT_TIME && job->desc.begin_time > now)
        until = job->desc.begin_time;
    if (job->start_time && job->priority && !(job->state & JOB_COMPLETING)) {
        int64_t at = job->start_time > now ? job->start_time : now + 1;

        if (at < until)
            until = at;
    } else if (job->begin_time > now && job->begin_time < until) {
        until = job->begin_time;
    }
    return until;
}

/* What job_info_fill() reads besides the site and the clock: the job and,
 * for an array task, its meta record (whose throttle it shows). */
static struct rendered_from job_info_from(const struct jobs *jobs, const struct job *job)
{
    const struct job *meta = NULL;

    if (!job->tasks && job->array_job_id && job->array_job_id != job->job_id)
        meta = job_find(jobs, job->array_job_id);
    return (struct rendered_from){.job_seq = job->seq, .meta_seq = meta ? meta->seq + 1 : 0};
}

/* Append job's job_info record packed for protocol version proto to out:
 * the kept rendering when one holds, else a fresh one, then kept.  Keeping
 * it is an optimisation: a failure to is not one of the answer.  0, or -1
 * with errno. */
static int job_info_wire(struct jobs *jobs, struct job *job, uint16_t show_flags, int64_t now,
                         uint16_t proto, struct flurm_buf *out)
{
    struct rendered_from from = job_info_from(jobs, job);
    struct flurm_job_info ji;
    struct info_scratch s;
    const void *kept;
    size_t len, start = flurm_buf_len(out);
    int rc;

    if ((kept = rendered_get(job->rendered, proto, show_flags, &from, now, &len))) {
        jobs->rendered_hits++;
        return flurm_pack_raw(out, kept, len);
    }
    rc = job_info_fill(jobs, job, show_flags, now, &ji, &s);
    if (rc == 0)
        rc = flurm_record_pack(&flurm_rec_job_info, &ji, out, proto);
    info_scratch_free(&s);
    if (rc < 0)
        return -1;
    jobs->rendered_made++;
    (void)rendered_put(&job->rendered, proto, show_flags, &from, now, job_info_until(job, now),
                       flurm_buf_data(out) + start, flurm_buf_len(out) - start);
    return 0;
}

json_t *jobs_job_info(struct jobs *jobs, uint32_t job_id, uint16_t show_flags, double now)
{
    const struct job *job = job_find(jobs, job_id);

    if (!job) {
        errno = ENOENT;
        return NULL;
    }
    return job_info_json(jobs, job, show_flags, (int64_t)now);
}

/* Who asks: requests without auth come from FLURM's own services over the
 * private IPC sockets and see everything. */
struct asker {
    uint32_t uid;
    bool privileged;
};

static void asker_read(const struct jobs *jobs, const json_t *body, struct asker *a)
{
    const json_t *auth = json_object_get(body, "auth");
    json_int_t uid = get_int(auth, "uid", -1);

    a->uid = uid >= 0 && uid <= UINT32_MAX ? (uint32_t)uid : FLURM_NO_VAL;
    a->privileged = !auth || site_is_admin(jobs->site, a->uid);
}

/* _hide_job_user_rec: PrivateData=jobs hides other users' jobs. */
static bool hidden_private(const struct jobs *jobs, const struct asker *a, const struct job *job)
{
    return !a->privileged && site_private_jobs(jobs->site) && job->desc.user_id != a->uid;
}

/* _pack_job's filters for the job lists. */
static bool hidden_in_list(const struct jobs *jobs, const struct asker *a, const struct job *job,
                           uint16_t show_flags)
{
    const struct site_partition *p;

    if (a->privileged)
        return false;
    if (!(show_flags & SHOW_ALL) && (p = job_partition(jobs, job)) && p->hidden)
        return true;
    return hidden_private(jobs, a, job);
}

/* Where the records of a job_info reply go: their JSON form, or with
 * "wire_records" their wire form for the requester's protocol version, one
 * after the other, sent as the reply's attachment (docs/jobstore.md,
 * "Answering squeue"). */
struct info_sink {
    json_t *records;        /* JSON form, or NULL */
    struct flurm_buf *wire; /* wire form, or NULL */
    uint16_t proto;
    uint32_t count;
};

/* A sink for body's request (borrowed): wire form when the requester asked
 * for it and its protocol version is one the records are packed for. */
static int sink_open(struct info_sink *sink, const json_t *body)
{
    json_int_t proto = get_int(body, "proto", 0);

    memset(sink, 0, sizeof(*sink));
    if (json_is_true(json_object_get(body, "wire_records")) &&
        (proto == FLURM_PROTO_22_05 || proto == FLURM_PROTO_23_02 ||
         proto == FLURM_PROTO_23_11)) {
        sink->proto = (uint16_t)proto;
        sink->wire = flurm_buf_create(64 * 1024);
        return sink->wire ? 0 : -1;
    }
    sink->records = json_array();
    return sink->records ? 0 : -1;
}

static void sink_close(struct info_sink *sink)
{
    json_decref(sink->records);
    flurm_buf_destroy(sink->wire);
    memset(sink, 0, sizeof(*sink));
}

static int sink_add(struct jobs *jobs, struct info_sink *sink, struct job *job,
                    uint16_t show_flags, int64_t now)
{
    json_t *j;

    if (sink->wire) {
        if (job_info_wire(jobs, job, show_flags, now, sink->proto, sink->wire) < 0)
            return -1;
    } else if (!(j = job_info_json(jobs, job, show_flags, now)) ||
               json_array_append_new(sink->records, j) < 0) {
        return -1;
    }
    sink->count++;
    return 0;
}

/* The reply of a job list, the sink closed.  With wire records, "msg" has
 * the message's other fields and "wire_records": true says where the
 * records are. */
static json_t *info_reply(struct info_sink *sink, int64_t now)
{
    json_t *body = json_pack("{s:{s:I, s:I, s:i}}", "msg", "record_count",
                             (json_int_t)sink->count, "last_update", (json_int_t)now,
                             "last_backfill", 0);
    json_t *msg = json_object_get(body, "msg");

    if (!body)
        goto error;
    if (sink->wire) {
        if (json_object_set_new(body, "wire_records", json_true()) < 0 ||
            flurm_msg_body_attach(body, flurm_buf_data(sink->wire),
                                  flurm_buf_len(sink->wire)) < 0)
            goto error;
    } else if (json_object_set(msg, "jobs", sink->records) < 0) {
        goto error;
    }
    sink_close(sink);
    return result_ok(body);
error:
    json_decref(body);
    sink_close(sink);
    errno = ENOMEM;
    return NULL;
}

static bool id_listed(const json_t *ids, const struct job *job)
{
    size_t i;
    const json_t *item;

    json_array_foreach(ids, i, item) {
        json_int_t id = get_int(item, "value", -1);

        if (id == job->job_id || (job->array_job_id && id == job->array_job_id))
            return true;
    }
    return false;
}

/* _slurm_rpc_dump_jobs / _slurm_rpc_dump_job_user: every visible job, of
 * one user when filter_uid is not NO_VAL, of the listed ids when ids is an
 * array. */
static json_t *query_list(struct jobs *jobs, const struct asker *a, const json_t *body,
                          uint16_t show_flags, uint32_t filter_uid, const json_t *ids,
                          int64_t now)
{
    struct info_sink sink;

    if (sink_open(&sink, body) < 0)
        goto error;
    for (size_t i = 0; i < jobs->n; i++) {
        struct job *job = jobs->v[i];

        if (filter_uid != FLURM_NO_VAL && job->desc.user_id != filter_uid)
            continue;
        if (json_is_array(ids) && !id_listed(ids, job))
            continue;
        if (hidden_in_list(jobs, a, job, show_flags))
            continue;
        if (sink_add(jobs, &sink, job, show_flags, now) < 0)
            goto error;
    }
    return info_reply(&sink, now);
error:
    sink_close(&sink);
    errno = ENOMEM;
    return NULL;
}

/* pack_one_job: the job, or for an array id the meta record and all tasks. */
static json_t *query_single(struct jobs *jobs, const struct asker *a, const json_t *body,
                            uint32_t job_id, uint16_t show_flags, int64_t now)
{
    struct job *head = job_find(jobs, job_id);
    struct info_sink sink;

    if (sink_open(&sink, body) < 0)
        goto nomem;
    if (head && !hidden_private(jobs, a, head)) {
        if (sink_add(jobs, &sink, head, show_flags, now) < 0)
            goto nomem;
    }
    if (!head || job_is_array(head)) {
        for (size_t i = 0; i < jobs->n; i++) {
            struct job *job = jobs->v[i];

            if (job == head || job->array_job_id != job_id || hidden_private(jobs, a, job))
                continue;
            if (sink_add(jobs, &sink, job, show_flags, now) < 0)
                goto nomem;
        }
    }
    if (!sink.count) {
        sink_close(&sink);
        return result_err(ESLURM_INVALID_JOB_ID, NULL);
    }
    return info_reply(&sink, now);
nomem:
    sink_close(&sink);
    errno = ENOMEM;
    return NULL;
}

static int by_seq(const void *a, const void *b)
{
    const struct job *x = *(const struct job *const *)a, *y = *(const struct job *const *)b;

    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->job_id < y->job_id ? -1 : x->job_id > y->job_id;
}

/* job.list: the jobs changed after log position since_seq, for services
 * that follow the store (a subscriber that saw a gap in job.changed, a
 * service starting).  With `limit`, at most that many jobs, the oldest
 * changes first, and "more": true if others remain: the follower asks again
 * from the last_seq it got, and the store answers other requests (squeue
 * after a restart) between the pages instead of building 100,000 records
 * in one go.  Jobs sharing the last page's seq (one command changed them
 * together) all go in that page, so that asking from last_seq skips none. */
static json_t *query_changed(struct jobs *jobs, const json_t *msg, int64_t now)
{
    json_int_t since = get_int(msg, "since_seq", 0);
    json_int_t limit = get_int(msg, "limit", 0);
    uint64_t last = 0;
    const struct job **changed = NULL;
    size_t n = 0, take;
    json_t *records = NULL;
    bool more = false;

    if (!(changed = malloc((jobs->n ? jobs->n : 1) * sizeof(*changed))))
        return NULL;
    for (size_t i = 0; i < jobs->n; i++) {
        const struct job *job = jobs->v[i];

        if (job->seq > last)
            last = job->seq;
        if ((json_int_t)job->seq > since)
            changed[n++] = job;
    }
    take = n;
    if (limit > 0 && (size_t)limit < n) {
        qsort(changed, n, sizeof(*changed), by_seq);
        take = (size_t)limit;
        while (take < n && changed[take]->seq == changed[take - 1]->seq)
            take++;
        if (take < n) {
            more = true;
            last = changed[take - 1]->seq;
        }
    }
    if (!(records = json_array()))
        goto error;
    for (size_t i = 0; i < take; i++) {
        json_t *j = job_info_json(jobs, changed[i], 0, now);

        if (!j || json_array_append_new(records, j) < 0)
            goto error;
    }
    free(changed);
    return result_ok(json_pack("{s:I, s:o, s:b}", "last_seq", (json_int_t)last, "jobs", records,
                               "more", more));
error:
    json_decref(records);
    free(changed);
    return NULL;
}

json_t *jobs_query(struct jobs *jobs, const char *type, const json_t *body, double now)
{
    const json_t *msg = json_object_get(body, "msg");
    int64_t t = (int64_t)now;
    struct asker a;

    asker_read(jobs, body, &a);
    if (!type) {
        errno = ENOSYS;
        return NULL;
    }
    if (!strcmp(type, "job.info")) {
        json_int_t last_update = get_int(msg, "last_update", 0);

        /* _slurm_rpc_dump_jobs: nothing changed since the caller's copy */
        if (last_update - 1 >= jobs->last_update)
            return result_err(SLURM_NO_CHANGE_IN_DATA, NULL);
        return query_list(jobs, &a, body, (uint16_t)get_int(msg, "show_flags", 0), FLURM_NO_VAL,
                          json_object_get(msg, "job_ids"), t);
    }
    if (!strcmp(type, "job.user_info")) {
        json_int_t uid = get_int(msg, "user_id", -1);

        if (uid < 0 || uid > UINT32_MAX)
            return result_err(ESLURM_USER_ID_MISSING, NULL);
        return query_list(jobs, &a, body, (uint16_t)get_int(msg, "show_flags", 0), (uint32_t)uid,
                          NULL, t);
    }
    if (!strcmp(type, "job.info_single")) {
        json_int_t id = get_int(msg, "job_id", -1);

        if (id <= 0 || id > UINT32_MAX)
            return result_err(ESLURM_INVALID_JOB_ID, NULL);
        return query_single(jobs, &a, body, (uint32_t)id, (uint16_t)get_int(msg, "show_flags", 0),
                            t);
    }
    if (!strcmp(type, "job.list"))
        return query_changed(jobs, msg, t);
    if (!strcmp(type, "job.ready"))
        return query_ready(jobs, msg);
    if (!strcmp(type, "job.alloc_info"))
        return query_alloc_info(jobs, &a, msg);
    if (!strcmp(type, "step.info"))
        return query_step_info(jobs, &a, msg, t);
    errno = ENOSYS;
    return NULL;
}

/* How long an interactive job that ended without ever running stays in
 * job.allocs' "revoked" list: the node manager tells its salloc/srun once
 * (SRUN_JOB_COMPLETE: "Job allocation N has been revoked"), as slurmctld's
 * srun_allocate_abort does; a minute covers a node manager restart. */
#define REVOKED_KEEP_S 60

/* Interactive jobs that ended within REVOKED_KEEP_S of the table's last
 * change without an allocation (salloc -I refused, a pending salloc
 * cancelled): {job_id, user_id, resp_host, other_port}.  New reference. */
static json_t *revoked_json(const struct jobs *jobs)
{
    json_t *list = json_array();

    for (size_t i = 0; list && i < jobs->n; i++) {
        const struct job *job = jobs->v[i];
        json_t *e;

        if (job->batch || job->alloc || !job->resp_host || !job_finished(job) ||
            job->desc.other_port == FLURM_NO_VAL16 || !job->desc.other_port ||
            job->end_time + REVOKED_KEEP_S < jobs->last_update)
            continue;
        if (!(e = json_pack("{s:I, s:I, s:s, s:I}", "job_id", (json_int_t)job->job_id,
                            "user_id", (json_int_t)job->desc.user_id, "resp_host",
                            job->resp_host, "other_port", (json_int_t)job->desc.other_port)) ||
            json_array_append_new(list, e) < 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

json_t *jobs_allocs(const struct jobs *jobs, uint64_t seq)
{
    json_t *list = json_array(), *revoked;

    if (!list)
        goto nomem;
    for (size_t i = 0; i < jobs->n; i++) {
        const struct job *job = jobs->v[i];
        bool holds = false;
        json_t *e;

        for (size_t h = 0; job->alloc && h < job->alloc->nhosts; h++)
            holds = holds || job_holds_host(job, h);
        if (!holds)
            continue;
        if (!(e = alloc_entry_json(job)) || json_array_append_new(list, e) < 0)
            goto nomem;
    }
    if (!(revoked = revoked_json(jobs)))
        goto nomem;
    return result_ok(json_pack("{s:I, s:o, s:o}", "seq", (json_int_t)seq, "jobs", list,
                               "revoked", revoked));
nomem:
    json_decref(list);
    errno = ENOMEM;
    return NULL;
}

/* ---- persistence -------------------------------------------------------- */

/* The running side of a job's durable form: batch, launched,
 * restart_cnt, batch_requeues, and while it has one, its alloc and
 * completing hosts. */
static int job_save_run(const struct job *job, json_t *saved)
{
    json_t *cg;

    if (json_object_set_new(saved, "batch", json_boolean(job->batch)) < 0 ||
        json_object_set_new(saved, "launched", json_boolean(job->launched)) < 0 ||
        json_object_set_new(saved, "restart_cnt", json_integer(job->restart_cnt)) < 0 ||
        json_object_set_new(saved, "batch_requeues", json_integer(job->batch_requeues)) < 0)
        return -1;
    if (job->resp_host && json_object_set_new(saved, "resp_host", json_string(job->resp_host)) < 0)
        return -1;
    if (job->launch_owner &&
        json_object_set_new(saved, "launch_owner", json_string(job->launch_owner)) < 0)
        return -1;
    /* steps are indices into the alloc: they exist only with it */
    if (job->steps && job->alloc) {
        json_t *steps = steps_save(job->steps);

        if (!steps || json_object_update(saved, steps) < 0) {
            json_decref(steps);
            return -1;
        }
        json_decref(steps);
    }
    if (!job->alloc)
        return 0;
    if (json_object_set_new(saved, "alloc", flurm_alloc_to_json(job->alloc)) < 0 ||
        !(cg = json_array()) || json_object_set_new(saved, "completing", cg) < 0)
        return -1;
    for (size_t i = 0; i < job->alloc->nhosts; i++) {
        if (job->cg[i] && json_array_append_new(cg, json_string(job->alloc->hosts[i].name)) < 0)
            return -1;
    }
    return 0;
}

/* Read back what job_save_run() wrote.  A database from before running
 * jobs has none of it: every job then was a batch job, never started. */
static int job_load_run(struct job *job, const json_t *saved)
{
    const json_t *alloc = json_object_get(saved, "alloc"), *cg = json_object_get(saved, "completing");
    const json_t *batch = json_object_get(saved, "batch"), *host;
    json_int_t requeues;
    char err[128];
    size_t i;

    job->batch = batch ? json_is_true(batch) : true;
    job->launched = json_is_true(json_object_get(saved, "launched"));
    job->restart_cnt = (uint16_t)get_int(saved, "restart_cnt", 0);
    /* a row from before the MAX_BATCH_REQUEUE hold: no requeue counted */
    requeues = get_int(saved, "batch_requeues", 0);
    if (requeues < 0 || requeues >= MAX_BATCH_REQUEUE) {
        errno = EINVAL;
        return -1;
    }
    job->batch_requeues = (uint16_t)requeues;
    if (get_str(saved, "resp_host") && !(job->resp_host = strdup(get_str(saved, "resp_host"))))
        return -1;
    /* a row from before launch claims: unclaimed */
    if (get_str(saved, "launch_owner") &&
        !(job->launch_owner = strdup(get_str(saved, "launch_owner"))))
        return -1;
    if (!alloc)
        return 0;
    /* sized by the cores listed, not by today's slurm.conf: a node that
     * shrank or went away must not make the database unreadable */
    if (!(job->alloc = flurm_alloc_from_json(alloc, NULL, NULL, err, sizeof(err))))
        return -1;
    if (!(job->cg = calloc(job->alloc->nhosts, 1)) ||
        !(job->counted = calloc(job->alloc->nhosts, 1))) {
        errno = ENOMEM;
        return -1;
    }
    json_array_foreach(cg, i, host) {
        for (size_t h = 0; h < job->alloc->nhosts; h++) {
            if (json_is_string(host) && !strcmp(json_string_value(host), job->alloc->hosts[h].name))
                job->cg[h] = 1;
        }
    }
    /* a row from before steps has none */
    if (json_object_get(saved, "steps") &&
        (!(job->steps = steps_create()) ||
         steps_load(job->steps, saved, job->alloc->nhosts) < 0))
        return -1;
    return 0;
}

/* The durable form of a job without its request: a new reference, or NULL
 * (ENOMEM). */
static json_t *job_state_save(const struct job *job)
{
    json_t *saved;
    char *hex = NULL;

    if (job->tasks && !(hex = ts_to_hex(job->tasks)))
        goto nomem;
    saved = json_pack("{s:I, s:I, s:I, s:s?, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I, s:I, "
                      "s:I, s:I, s:I, s:I, s:I, s:o, s:I}",
                      "job_id", (json_int_t)job->job_id, "array_job_id",
                      (json_int_t)job->array_job_id, "array_task_id",
                      (json_int_t)job->array_task_id, "tasks", hex, "tasks_nbits",
                      (json_int_t)(job->tasks ? job->tasks->nbits : 0), "array_max_tasks",
                      (json_int_t)job->array_max_tasks, "state", (json_int_t)job->state,
                      "reason", (json_int_t)job->reason, "priority", (json_int_t)job->priority,
                      "prio_set", job->prio_set, "submit_time", (json_int_t)job->submit_time,
                      "begin_time", (json_int_t)job->begin_time, "accrue_time",
                      (json_int_t)job->accrue_time, "start_time", (json_int_t)job->start_time,
                      "end_time", (json_int_t)job->end_time, "proto", (json_int_t)job->proto,
                      "requid", (json_int_t)job->requid, "exit_code",
                      (json_int_t)job->exit_code, "bitflags", flurm_json_u64(job->bitflags),
                      "seq", (json_int_t)job->seq);
    free(hex);
    if (!saved)
        goto nomem;
    if (job->state_desc &&
        json_object_set_new(saved, "state_desc", json_string(job->state_desc)) < 0) {
        json_decref(saved);
        goto nomem;
    }
    if (job_save_run(job, saved) < 0) {
        json_decref(saved);
        goto nomem;
    }
    return saved;
nomem:
    errno = ENOMEM;
    return NULL;
}

json_t *jobs_job_save(const struct jobs *jobs, uint32_t job_id)
{
    const struct job *job = job_find(jobs, job_id);
    json_t *desc = NULL, *saved = NULL;

    if (!job) {
        errno = ENOENT;
        return NULL;
    }
    if (!(desc = flurm_record_to_json(&flurm_rec_job_desc, &job->desc)) ||
        !(saved = job_state_save(job)))
        goto nomem;
    json_object_del(desc, "script");
    json_object_del(desc, "environment");
    if (json_object_set_new(saved, "desc", desc) < 0) {
        desc = NULL;
        goto nomem;
    }
    return saved;
nomem:
    json_decref(desc);
    json_decref(saved);
    errno = ENOMEM;
    return NULL;
}

int jobs_job_save_row(const struct jobs *jobs, uint32_t job_id, json_t **state,
                      struct flurm_buf *desc)
{
    const struct job *job = job_find(jobs, job_id);
    struct flurm_job_desc request;

    *state = NULL;
    if (!job) {
        errno = ENOENT;
        return -1;
    }
    /* A shallow copy that leaves out what job_scripts keeps: nothing in it
     * is freed or written through. */
    request = job->desc;
    request.script = NULL;
    request.environment = NULL;
    request.env_size = 0;
    if (flurm_record_save(&flurm_rec_job_desc, &request, desc) < 0 ||
        !(*state = job_state_save(job))) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* Put a job back: its state from saved, its request from the saved form in
 * desc (desc_len bytes) or, when desc is NULL, from saved's "desc". */
static int job_load(struct jobs *jobs, const json_t *saved, const void *desc, size_t desc_len)
{
    struct job *job = calloc(1, sizeof(*job));
    const json_t *desc_json = json_object_get(saved, "desc");
    const char *hex = get_str(saved, "tasks"), *field;
    json_int_t id = get_int(saved, "job_id", 0);
    int rc;

    if (!job)
        return -1;
    if (id <= 0 || id > UINT32_MAX ||
        flurm_json_get_u64(json_object_get(saved, "bitflags"), &job->bitflags) < 0)
        goto invalid;
    if (desc) {
        struct flurm_buf *view = flurm_buf_view(desc, desc_len);

        if (!view) {
            job_free(job);
            return -1;
        }
        rc = flurm_record_load(&flurm_rec_job_desc, &job->desc, view, &field);
        if (rc == 0 && flurm_buf_remaining(view) != 0) {
            flurm_record_free(&flurm_rec_job_desc, &job->desc);
            rc = -1;
        }
        flurm_buf_destroy(view);
    } else {
        rc = json_is_object(desc_json)
                 ? flurm_record_from_json(&flurm_rec_job_desc, desc_json, &job->desc, &field)
                 : -1;
    }
    if (rc < 0 && errno == ENOMEM) {
        job_free(job);
        return -1;
    }
    if (rc < 0)
        goto invalid;
    job->job_id = (uint32_t)id;
    job->array_job_id = (uint32_t)get_int(saved, "array_job_id", 0);
    job->array_task_id = (uint32_t)get_int(saved, "array_task_id", FLURM_NO_VAL);
    if (hex &&
        !(job->tasks = ts_from_hex(hex, (uint32_t)get_int(saved, "tasks_nbits", 0))))
        goto invalid;
    job->array_max_tasks = (uint32_t)get_int(saved, "array_max_tasks", 0);
    job->state = (uint32_t)get_int(saved, "state", JOB_PENDING);
    job->reason = (uint32_t)get_int(saved, "reason", 0);
    if (get_str(saved, "state_desc") && !(job->state_desc = strdup(get_str(saved, "state_desc")))) {
        job_free(job);
        return -1;
    }
    job->priority = (uint32_t)get_int(saved, "priority", 0);
    job->prio_set = json_is_true(json_object_get(saved, "prio_set"));
    job->submit_time = get_int(saved, "submit_time", 0);
    job->begin_time = get_int(saved, "begin_time", 0);
    job->accrue_time = get_int(saved, "accrue_time", 0);
    job->start_time = get_int(saved, "start_time", 0);
    job->end_time = get_int(saved, "end_time", 0);
    job->proto = (uint16_t)get_int(saved, "proto", 0);
    job->requid = (uint32_t)get_int(saved, "requid", FLURM_NO_VAL);
    job->exit_code = (uint32_t)get_int(saved, "exit_code", 0);
    job->seq = (uint64_t)get_int(saved, "seq", 0);
    if (job_load_run(job, saved) < 0) {
        if (errno == ENOMEM) {
            job_free(job);
            return -1;
        }
        goto invalid;
    }
    if (job_insert(jobs, job) < 0) {
        job_free(job);
        return -1;
    }
    reweigh(jobs, job);
    held_sync(jobs, job);
    return 0;
invalid:
    job_free(job);
    errno = EINVAL;
    return -1;
}

int jobs_job_load(struct jobs *jobs, const json_t *saved)
{
    return job_load(jobs, saved, NULL, 0);
}

int jobs_job_load_row(struct jobs *jobs, const json_t *state, const void *desc, size_t desc_len)
{
    return job_load(jobs, state, desc, desc_len);
}

json_t *jobs_meta_save(const struct jobs *jobs)
{
    json_t *m = json_pack("{s:I, s:I, s:I}", "next_job_id", (json_int_t)jobs->next_job_id,
                          "lowest_prio", (json_int_t)jobs->lowest_prio, "last_update",
                          (json_int_t)jobs->last_update);

    if (!m)
        errno = ENOMEM;
    return m;
}

int jobs_meta_load(struct jobs *jobs, const json_t *saved)
{
    json_int_t next = get_int(saved, "next_job_id", -1);
    json_int_t prio = get_int(saved, "lowest_prio", -1);

    if (next <= 0 || next > UINT32_MAX || prio < 0 || prio > UINT32_MAX) {
        errno = EINVAL;
        return -1;
    }
    jobs->next_job_id = (uint32_t)next;
    jobs->lowest_prio = (uint32_t)prio;
    jobs->last_update = get_int(saved, "last_update", 0);
    return 0;
}
