/*
 * launch.c - slurmd's job messages built from a job and its allocation
 * (see launch.h).
 *
 * The job arrives as JSON: a job.allocs entry (job_id, user_id, state,
 * start_time ...) and/or the store's durable job JSON (the same top-level
 * keys plus `desc`, the normalized job_desc).  Values are looked up at the
 * top level first, then in `desc`, so either form serves.  The values
 * slurmctld normalizes at submission (NO_VAL tasks -> 0, NO_VAL cpus per
 * task -> 1, NO_VAL memory -> 0, NO_VAL8 overcommit -> 0) are normalized
 * here too, so a job the store kept as sbatch sent it launches as
 * slurmctld would launch it.
 */
#include "services/nodemgr/launch.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire/pack.h"
#include "wire/record.h"

/* ---- reading the job's JSON ------------------------------------------------ */

static const json_t *job_value(const json_t *job, const char *key)
{
    const json_t *v = json_object_get(job, key);

    if (!v || json_is_null(v))
        v = json_object_get(json_object_get(job, "desc"), key);
    return json_is_null(v) ? NULL : v;
}

static uint64_t job_u64(const json_t *job, const char *key, uint64_t def)
{
    const json_t *v = job_value(job, key);
    uint64_t out;

    if (!v || flurm_json_get_u64(v, &out) < 0)
        return def;
    return out;
}

static uint32_t job_u32(const json_t *job, const char *key, uint32_t def)
{
    return (uint32_t)job_u64(job, key, def);
}

static uint16_t job_u16(const json_t *job, const char *key, uint16_t def)
{
    return (uint16_t)job_u64(job, key, def);
}

/* A copy of a string value (NULL when absent); -1 and ENOMEM. */
static int job_str(const json_t *job, const char *key, char **out)
{
    const char *s = json_string_value(job_value(job, key));

    *out = NULL;
    if (s && !(*out = strdup(s)))
        return -1;
    return 0;
}

static int dup_str(char **out, const char *s)
{
    *out = NULL;
    if (s && !(*out = strdup(s)))
        return -1;
    return 0;
}

/* A copy of a string array (NULL and 0 when absent or empty). */
static int dup_strv(const json_t *arr, char ***out, uint32_t *count)
{
    size_t n = json_array_size(arr), k;
    char **v;

    *out = NULL;
    *count = 0;
    if (n == 0)
        return 0;
    if (!(v = calloc(n, sizeof(*v))))
        return -1;
    for (k = 0; k < n; k++) {
        const char *s = json_string_value(json_array_get(arr, k));

        if (!(v[k] = strdup(s ? s : "")))
            goto error;
    }
    *out = v;
    *count = (uint32_t)n;
    return 0;
error:
    while (k--)
        free(v[k]);
    free(v);
    return -1;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* slurmctld's normalizations of a job_desc (job_mgr.c _job_create and
 * friends) for the values the launch carries. */
static uint32_t norm_ntasks(const json_t *job)
{
    uint32_t v = job_u32(job, "num_tasks", 0);

    return v == FLURM_NO_VAL ? 0 : v;
}

static uint16_t norm_cpus_per_task(const json_t *job)
{
    uint16_t v = job_u16(job, "cpus_per_task", 1);

    return v == FLURM_NO_VAL16 || v == 0 ? 1 : v;
}

static uint64_t norm_pn_min_memory(const json_t *job)
{
    uint64_t v = job_u64(job, "pn_min_memory", 0);

    return v == FLURM_NO_VAL64 ? 0 : v;
}

/* ---- the user ------------------------------------------------------------------ */

int launch_user_lookup(uint32_t uid, uint32_t gid, struct launch_user *u)
{
    struct passwd pw, *pwp = NULL;
    size_t len = 1 << 16;
    char *buf = NULL;
    gid_t *groups = NULL;
    int ngroups = 64, rc;

    memset(u, 0, sizeof(*u));
    u->uid = uid;
    u->gid = gid;
    if (!(buf = malloc(len)))
        goto error;
    rc = getpwuid_r((uid_t)uid, &pw, buf, len, &pwp);
    if (rc || !pwp) {
        errno = rc ? rc : ENOENT;
        goto error;
    }
    if (dup_str(&u->pw_name, pw.pw_name) < 0 || dup_str(&u->pw_gecos, pw.pw_gecos) < 0 ||
        dup_str(&u->pw_dir, pw.pw_dir) < 0 || dup_str(&u->pw_shell, pw.pw_shell) < 0)
        goto error;
    for (;;) {
        int want = ngroups;

        free(groups);
        if (!(groups = calloc((size_t)want, sizeof(*groups))))
            goto error;
        if (getgrouplist(pw.pw_name, (gid_t)gid, groups, &ngroups) >= 0)
            break;
        if (ngroups <= want)
            ngroups = want * 2;
    }
    if (ngroups > 0) {
        if (!(u->gids = calloc((size_t)ngroups, sizeof(*u->gids))))
            goto error;
        for (int k = 0; k < ngroups; k++)
            u->gids[k] = (uint32_t)groups[k];
        u->ngids = (uint32_t)ngroups;
    }
    free(groups);
    free(buf);
    return 0;
error:
    {
        int saved = errno;

        free(groups);
        free(buf);
        launch_user_clear(u);
        errno = saved;
    }
    return -1;
}

void launch_user_clear(struct launch_user *u)
{
    if (!u)
        return;
    free(u->pw_name);
    free(u->pw_gecos);
    free(u->pw_dir);
    free(u->pw_shell);
    free(u->gids);
    memset(u, 0, sizeof(*u));
}

/* ---- the credential ------------------------------------------------------------ */

/* Run-length encoding of one value per host, as SLURM's job_resources
 * arrays: values[] and reps[] of *count groups. */
struct rle {
    uint32_t *value;
    uint32_t *reps;
    uint32_t count;
};

static int rle_push(struct rle *r, uint32_t value)
{
    if (r->count && r->value[r->count - 1] == value) {
        r->reps[r->count - 1]++;
        return 0;
    }
    r->value[r->count] = value;
    r->reps[r->count] = 1;
    r->count++;
    return 0;
}

static int rle_init(struct rle *r, size_t n)
{
    r->count = 0;
    r->value = calloc(n ? n : 1, sizeof(*r->value));
    r->reps = calloc(n ? n : 1, sizeof(*r->reps));
    return r->value && r->reps ? 0 : -1;
}

static void rle_clear(struct rle *r)
{
    free(r->value);
    free(r->reps);
    memset(r, 0, sizeof(*r));
}

static uint16_t *u16_array(const struct rle *r)
{
    uint16_t *v = calloc(r->count ? r->count : 1, sizeof(*v));

    for (uint32_t k = 0; v && k < r->count; k++)
        v[k] = (uint16_t)r->value[k];
    return v;
}

static uint32_t *u32_copy(const uint32_t *src, uint32_t n)
{
    uint32_t *v = calloc(n ? n : 1, sizeof(*v));

    if (v && n)
        memcpy(v, src, n * sizeof(*v));
    return v;
}

/* The core bitmap of every host of `a` end to end, with the socket layout
 * and CPU counts encoded per host. */
static int fill_cores(struct flurm_job_cred *cred, const struct flurm_alloc *a,
                      const struct launch_site *site, char *err, size_t errlen)
{
    struct rle sockets = {0}, cores = {0}, cpus = {0};
    uint32_t total = 0, offset = 0;
    uint16_t *s = NULL, *c = NULL;
    int rc = -1;

    if (rle_init(&sockets, a->nhosts) < 0 || rle_init(&cores, a->nhosts) < 0 ||
        rle_init(&cpus, a->nhosts) < 0 || !(s = calloc(a->nhosts, sizeof(*s))) ||
        !(c = calloc(a->nhosts, sizeof(*c))))
        goto out;
    for (size_t h = 0; h < a->nhosts; h++) {
        if (!site->shape || site->shape(a->hosts[h].name, &s[h], &c[h], site->shape_arg) < 0 ||
            !s[h] || !c[h]) {
            set_err(err, errlen, "node %s is not in slurm.conf", a->hosts[h].name);
            errno = EINVAL;
            goto out;
        }
        total += (uint32_t)s[h] * c[h];
    }
    if (flurm_bitstr_init(&cred->job_core_bitmap, total) < 0)
        goto out;
    /* SLURM's core and socket arrays are grouped by (sockets, cores) pairs:
     * a new group starts when either changes. */
    for (size_t h = 0; h < a->nhosts; h++) {
        uint32_t ncores = (uint32_t)s[h] * c[h];
        bool same = h > 0 && s[h] == s[h - 1] && c[h] == c[h - 1];

        for (uint32_t k = 0; k < ncores && k < a->hosts[h].cores.ncores; k++)
            if (flurm_coreset_test(&a->hosts[h].cores, k))
                flurm_bitstr_set(&cred->job_core_bitmap, offset + k);
        offset += ncores;
        if (same) {
            sockets.reps[sockets.count - 1]++;
            cores.reps[cores.count - 1]++;
        } else {
            sockets.value[sockets.count] = s[h];
            sockets.reps[sockets.count++] = 1;
            cores.value[cores.count] = c[h];
            cores.reps[cores.count++] = 1;
        }
        rle_push(&cpus, a->hosts[h].cpus);
    }
    cred->tot_core_cnt = total;
    cred->core_array_size = (uint16_t)sockets.count;
    if (!(cred->core_arrays.sockets_per_node = u16_array(&sockets)) ||
        !(cred->core_arrays.cores_per_socket = u16_array(&cores)) ||
        !(cred->core_arrays.sock_core_rep_count = u32_copy(sockets.reps, sockets.count)))
        goto out;
    cred->core_arrays.sockets_per_node_cnt = sockets.count;
    cred->core_arrays.cores_per_socket_cnt = sockets.count;
    cred->core_arrays.sock_core_rep_count_cnt = sockets.count;
    cred->cpu_array_count = cpus.count;
    if (!(cred->cpu_arrays.cpu_array = u16_array(&cpus)) ||
        !(cred->cpu_arrays.cpu_array_reps = u32_copy(cpus.reps, cpus.count)))
        goto out;
    cred->cpu_arrays.cpu_array_cnt = cpus.count;
    cred->cpu_arrays.cpu_array_reps_cnt = cpus.count;
    rc = 0;
out:
    rle_clear(&sockets);
    rle_clear(&cores);
    rle_clear(&cpus);
    free(s);
    free(c);
    return rc;
}

int launch_cred_fill(struct flurm_job_cred *cred, const json_t *job, const struct flurm_alloc *a,
                     const struct launch_user *user, const struct launch_site *site,
                     uint32_t step_id, time_t now, char *err, size_t errlen)
{
    bool batch = step_id == FLURM_STEP_BATCH_SCRIPT;
    const struct flurm_alloc_host *bh = NULL;
    const char *partition = json_string_value(job_value(job, "partition"));

    memset(cred, 0, sizeof(*cred));
    if (batch && (!a->batch_host || !(bh = flurm_alloc_host(a, a->batch_host)))) {
        set_err(err, errlen, "the allocation has no batch host");
        errno = EINVAL;
        return -1;
    }
    cred->step_id.job_id = job_u32(job, "job_id", 0);
    cred->step_id.step_id = step_id;
    cred->step_id.step_het_comp = FLURM_NO_VAL;
    cred->uid = user->uid;
    cred->gid = user->gid;
    if (!partition)
        partition = site->default_partition;
    if (dup_str(&cred->pw_name, user->pw_name) < 0 ||
        dup_str(&cred->pw_gecos, user->pw_gecos) < 0 ||
        dup_str(&cred->pw_dir, user->pw_dir) < 0 || dup_str(&cred->pw_shell, user->pw_shell) < 0)
        goto error;
    if (user->ngids) {
        if (!(cred->gids = u32_copy(user->gids, user->ngids)))
            goto error;
        cred->gids_cnt = user->ngids;
    }
    cred->job_core_spec = job_u16(job, "core_spec", FLURM_NO_VAL16);
    cred->job_restart_cnt = job_u16(job, "restart_cnt", 0);
    cred->x11 = job_u16(job, "x11", 0);
    cred->ctime = now;
    cred->job_end_time = (time_t)job_u64(job, "end_time", 0);
    cred->job_start_time = (time_t)job_u64(job, "start_time", 0);
    cred->job_nhosts = (uint32_t)a->nhosts;
    cred->job_ntasks = norm_ntasks(job);
    if (job_str(job, "account", &cred->job_account) < 0 ||
        job_str(job, "comment", &cred->job_comment) < 0 ||
        job_str(job, "features", &cred->job_constraints) < 0 ||
        dup_str(&cred->job_partition, partition) < 0 ||
        job_str(job, "reservation", &cred->job_reservation) < 0 ||
        job_str(job, "std_err", &cred->job_std_err) < 0 ||
        job_str(job, "std_in", &cred->job_std_in) < 0 ||
        job_str(job, "std_out", &cred->job_std_out) < 0 ||
        dup_str(&cred->job_hostlist, a->nodes) < 0)
        goto error;
    if (fill_cores(cred, a, site, err, errlen) < 0)
        goto error;
    if (batch) {
        /* make_batch_job_cred: the step is the batch script on the batch
         * host, with the job's cores and the batch host's memory. */
        if (dup_str(&cred->step_hostlist, a->batch_host) < 0)
            goto error;
        cred->step_core_bitmap.nbits = cred->job_core_bitmap.nbits;
        if (dup_str(&cred->step_core_bitmap.hex, cred->job_core_bitmap.hex) < 0)
            goto error;
        cred->job_mem_alloc_size = 1;
        if (!(cred->job_mem.mem_alloc = calloc(1, sizeof(uint64_t))) ||
            !(cred->job_mem.rep_count = calloc(1, sizeof(uint32_t))))
            goto error;
        cred->job_mem.mem_alloc[0] = bh->mem;
        cred->job_mem.rep_count[0] = 1;
        cred->job_mem.mem_alloc_cnt = 1;
        cred->job_mem.rep_count_cnt = 1;
    }
    return 0;
error:
    {
        int saved = errno;

        flurm_record_free(&flurm_rec_job_cred, cred);
        memset(cred, 0, sizeof(*cred));
        errno = saved;
    }
    return -1;
}

/* ---- the step credential -------------------------------------------------------- */

/* Memory per host run-length encoded (slurm_array64_to_value_reps) into
 * *arr and its size member. */
static int mem_rle(struct flurm_cred_mem_arrays *arr, uint32_t *size, const struct flurm_alloc *a)
{
    uint32_t n = 0;

    if (!(arr->mem_alloc = calloc(a->nhosts ? a->nhosts : 1, sizeof(uint64_t))) ||
        !(arr->rep_count = calloc(a->nhosts ? a->nhosts : 1, sizeof(uint32_t))))
        return -1;
    for (size_t h = 0; h < a->nhosts; h++) {
        if (n && arr->mem_alloc[n - 1] == a->hosts[h].mem) {
            arr->rep_count[n - 1]++;
            continue;
        }
        arr->mem_alloc[n] = a->hosts[h].mem;
        arr->rep_count[n++] = 1;
    }
    arr->mem_alloc_cnt = n;
    arr->rep_count_cnt = n;
    *size = n;
    return 0;
}

/* The step's cores over the job's core bitmap: each step host's cores at
 * the offset of that host among the job's hosts (slurmctld's
 * core_bitmap_job is relative to the job's job_resources). */
static int step_cores(struct flurm_job_cred *cred, const struct flurm_alloc *a,
                      const struct flurm_alloc *step, const struct launch_site *site, char *err,
                      size_t errlen)
{
    uint32_t offset = 0;

    if (flurm_bitstr_init(&cred->step_core_bitmap, cred->tot_core_cnt) < 0)
        return -1;
    for (size_t h = 0; h < a->nhosts; h++) {
        const struct flurm_alloc_host *sh = flurm_alloc_host(step, a->hosts[h].name);
        uint16_t sockets = 0, cores = 0;
        uint32_t ncores;

        /* fill_cores() already checked every shape. */
        site->shape(a->hosts[h].name, &sockets, &cores, site->shape_arg);
        ncores = (uint32_t)sockets * cores;
        for (uint32_t k = 0; sh && k < sh->cores.ncores; k++) {
            if (!flurm_coreset_test(&sh->cores, k))
                continue;
            if (k >= ncores || !flurm_coreset_test(&a->hosts[h].cores, k)) {
                set_err(err, errlen, "step core %u of %s is not the job's", k, sh->name);
                errno = EINVAL;
                return -1;
            }
            flurm_bitstr_set(&cred->step_core_bitmap, offset + k);
        }
        offset += ncores;
    }
    for (size_t h = 0; h < step->nhosts; h++) {
        if (!flurm_alloc_host(a, step->hosts[h].name)) {
            set_err(err, errlen, "step node %s is not the job's", step->hosts[h].name);
            errno = EINVAL;
            return -1;
        }
    }
    return 0;
}

int launch_step_cred_fill(struct flurm_job_cred *cred, const json_t *job,
                          const struct flurm_alloc *a, const struct flurm_alloc *step,
                          const struct launch_user *user, const struct launch_site *site,
                          uint32_t step_id, time_t now, char *err, size_t errlen)
{
    if (step_id == FLURM_STEP_BATCH_SCRIPT || step_id == FLURM_NO_VAL || !step ||
        step->nhosts == 0) {
        set_err(err, errlen, "not a step: step id %u", step_id);
        errno = EINVAL;
        return -1;
    }
    if (launch_cred_fill(cred, job, a, user, site, step_id, now, err, errlen) < 0)
        return -1;
    if (dup_str(&cred->step_hostlist, step->nodes) < 0 ||
        step_cores(cred, a, step, site, err, errlen) < 0 ||
        mem_rle(&cred->job_mem, &cred->job_mem_alloc_size, a) < 0 ||
        mem_rle(&cred->step_mem, &cred->step_mem_alloc_size, step) < 0)
        goto error;
    return 0;
error:
    {
        int saved = errno;

        flurm_record_free(&flurm_rec_job_cred, cred);
        memset(cred, 0, sizeof(*cred));
        errno = saved;
    }
    return -1;
}

/* ---- REQUEST_BATCH_JOB_LAUNCH ------------------------------------------------- */

/* Set NAME=value in the launch's environment: over an entry of the same
 * name, else appended (get_job_env's supplemental variables).  -1 ENOMEM. */
static int env_set(struct flurm_batch_job_launch *m, const char *name, json_int_t value)
{
    size_t len = strlen(name);
    char *entry = NULL, **bigger;

    if (asprintf(&entry, "%s=%lld", name, (long long)value) < 0)
        return -1;
    for (uint32_t i = 0; i < m->envc; i++) {
        if (m->environment[i] && !strncmp(m->environment[i], name, len) &&
            m->environment[i][len] == '=') {
            free(m->environment[i]);
            m->environment[i] = entry;
            return 0;
        }
    }
    if (!(bigger = realloc(m->environment, (m->envc + 1) * sizeof(*bigger)))) {
        free(entry);
        return -1;
    }
    m->environment = bigger;
    m->environment[m->envc++] = entry;
    return 0;
}

/* An array task's environment gets the array's shape as slurmctld's
 * _create_job_array adds it (its env_sup, in this order); array is
 * job.launch_info's {"count", "min", "max", "step"} (borrowed, NULL for a
 * job that is not an array task).  -1 ENOMEM. */
static int add_array_env(struct flurm_batch_job_launch *m, const json_t *array)
{
    static const char *const vars[][2] = {
        {"SLURM_ARRAY_TASK_COUNT", "count"},
        {"SLURM_ARRAY_TASK_MIN", "min"},
        {"SLURM_ARRAY_TASK_MAX", "max"},
        {"SLURM_ARRAY_TASK_STEP", "step"},
    };

    if (!json_is_object(array) || m->array_task_id == FLURM_NO_VAL)
        return 0;
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const json_t *v = json_object_get(array, vars[i][1]);

        if (json_is_integer(v) && env_set(m, vars[i][0], json_integer_value(v)) < 0)
            return -1;
    }
    return 0;
}

void launch_batch_destroy(struct flurm_batch_job_launch *m)
{
    if (!m)
        return;
    flurm_record_free(&flurm_rec_batch_job_launch, m);
    free(m);
}

struct flurm_batch_job_launch *launch_batch_create(const json_t *info, const struct flurm_alloc *a,
                                                   const struct launch_user *user,
                                                   const struct launch_site *site, time_t now,
                                                   char *err, size_t errlen)
{
    const json_t *job = json_object_get(info, "job");
    const char *script = json_string_value(json_object_get(info, "script"));
    const char *partition = json_string_value(job_value(job, "partition"));
    struct flurm_batch_job_launch *m = NULL;

    if (!json_is_object(job) || !script) {
        set_err(err, errlen, "the launch information has no %s", script ? "job" : "script");
        errno = EINVAL;
        return NULL;
    }
    if (!(m = calloc(1, sizeof(*m))))
        return NULL;
    if (launch_cred_fill(&m->cred.body, job, a, user, site, FLURM_STEP_BATCH_SCRIPT, now, err,
                         errlen) < 0)
        goto error;
    m->job_id = job_u32(job, "job_id", 0);
    m->het_job_id = 0;
    m->array_job_id = job_u32(job, "array_job_id", 0);
    m->array_task_id = job_u32(job, "array_task_id", FLURM_NO_VAL);
    if (m->array_job_id == 0)
        m->array_task_id = FLURM_NO_VAL;
    m->uid = user->uid;
    m->gid = user->gid;
    m->ntasks = norm_ntasks(job);
    m->overcommit = (uint8_t)job_u16(job, "overcommit", 0);
    if (m->overcommit == FLURM_NO_VAL8)
        m->overcommit = 0;
    m->open_mode = (uint8_t)job_u16(job, "open_mode", 0);
    m->cpus_per_task = norm_cpus_per_task(job);
    m->pn_min_memory = norm_pn_min_memory(job);
    m->job_mem = m->pn_min_memory;
    m->restart_cnt = job_u16(job, "restart_cnt", 0);
    m->profile = job_u32(job, "profile", 0);
    if (m->profile == FLURM_NO_VAL)
        m->profile = 0;
    if (!partition)
        partition = site->default_partition;
    if (job_str(job, "container", &m->container) < 0 || dup_str(&m->nodes, a->nodes) < 0 ||
        job_str(job, "acctg_freq", &m->acctg_freq) < 0 ||
        dup_str(&m->partition, partition) < 0 || job_str(job, "std_err", &m->std_err) < 0 ||
        job_str(job, "std_in", &m->std_in) < 0 || job_str(job, "std_out", &m->std_out) < 0 ||
        job_str(job, "work_dir", &m->work_dir) < 0 || dup_str(&m->script, script) < 0 ||
        job_str(job, "account", &m->account) < 0 || job_str(job, "qos", &m->qos) < 0 ||
        job_str(job, "reservation", &m->resv_name) < 0)
        goto error;
    if (dup_strv(job_value(job, "argv"), &m->argv, &m->argc) < 0 ||
        dup_strv(job_value(job, "spank_job_env"), &m->spank_job_env, &m->spank_job_env_size) < 0 ||
        dup_strv(json_object_get(info, "environment"), &m->environment, &m->envc) < 0 ||
        add_array_env(m, json_object_get(info, "array")) < 0)
        goto error;
    /* The launch's CPU groups are the credential's CPU arrays. */
    m->num_cpu_groups = m->cred.body.cpu_array_count;
    if (!(m->cpu_groups.cpus_per_node = calloc(m->num_cpu_groups, sizeof(uint16_t))) ||
        !(m->cpu_groups.cpu_count_reps = u32_copy(m->cred.body.cpu_arrays.cpu_array_reps,
                                                  m->num_cpu_groups)))
        goto error;
    memcpy(m->cpu_groups.cpus_per_node, m->cred.body.cpu_arrays.cpu_array,
           m->num_cpu_groups * sizeof(uint16_t));
    m->cpu_groups.cpus_per_node_cnt = m->num_cpu_groups;
    m->cpu_groups.cpu_count_reps_cnt = m->num_cpu_groups;
    m->cred_version = 0;
    m->select_plugin_id = site->select_plugin_id;
    return m;
error:
    {
        int saved = errno;

        launch_batch_destroy(m);
        errno = saved;
    }
    return NULL;
}

/* ---- REQUEST_TERMINATE_JOB ------------------------------------------------------ */

void launch_terminate_destroy(struct flurm_terminate_job *m)
{
    if (!m)
        return;
    flurm_record_free(&flurm_rec_terminate_job, m);
    free(m);
}

struct flurm_terminate_job *launch_terminate_create(const json_t *job, const struct flurm_alloc *a,
                                                    const struct launch_user *user,
                                                    const struct launch_site *site, time_t now,
                                                    char *err, size_t errlen)
{
    struct flurm_terminate_job *m = NULL;

    if (!(m = calloc(1, sizeof(*m))) || !(m->cred = calloc(1, sizeof(*m->cred))))
        goto error;
    if (launch_cred_fill(&m->cred->body, job, a, user, site, FLURM_NO_VAL, now, err, errlen) < 0)
        goto error;
    m->step_id.job_id = job_u32(job, "job_id", 0);
    m->step_id.step_id = FLURM_NO_VAL;
    m->step_id.step_het_comp = FLURM_NO_VAL;
    m->derived_ec = job_u32(job, "derived_ec", 0);
    m->exit_code = job_u32(job, "exit_code", 0);
    m->job_state = job_u32(job, "state", 0);
    m->job_uid = user->uid;
    m->job_gid = user->gid;
    m->select_plugin_id = site->select_plugin_id;
    m->start_time = (time_t)job_u64(job, "start_time", 0);
    m->time = now;
    if (job_str(job, "state_desc", &m->details) < 0 || dup_str(&m->nodes, a->nodes) < 0 ||
        job_str(job, "work_dir", &m->work_dir) < 0 ||
        dup_strv(job_value(job, "spank_job_env"), &m->spank_job_env, &m->spank_job_env_size) < 0)
        goto error;
    return m;
error:
    {
        int saved = errno;

        launch_terminate_destroy(m);
        errno = saved;
    }
    return NULL;
}

/* ---- REQUEST_SIGNAL_TASKS ------------------------------------------------------- */

void launch_signal_fill(struct flurm_signal_tasks *m, uint32_t job_id, uint16_t signal,
                        uint16_t flags, uint32_t max_step_cnt)
{
    memset(m, 0, sizeof(*m));
    m->step_id.job_id = job_id;
    m->step_id.step_het_comp = FLURM_NO_VAL;
    m->signal = signal;
    if (flags & LAUNCH_KILL_JOB_BATCH) {
        m->step_id.step_id = FLURM_STEP_BATCH_SCRIPT;
        m->flags = flags;
        return;
    }
    /* No step has this id: the flags alone say which steps. */
    m->step_id.step_id = max_step_cnt + 1;
    m->flags = (flags & (LAUNCH_KILL_FULL_JOB | LAUNCH_KILL_STEPS_ONLY)) ? flags
                                                                          : LAUNCH_KILL_STEPS_ONLY;
}

void launch_step_signal_fill(struct flurm_signal_tasks *m, uint32_t job_id, uint32_t step_id,
                             uint16_t signal)
{
    memset(m, 0, sizeof(*m));
    m->step_id.job_id = job_id;
    m->step_id.step_id = step_id;
    m->step_id.step_het_comp = FLURM_NO_VAL;
    m->signal = signal;
}
