/*
 * sched.c - the scheduler's logic (see sched.h): priorities, pending
 * reasons, sprio and sshare.
 *
 * The rules are slurmctld 22.05's (src/slurmctld/job_scheduler.c schedule()
 * and build_job_queue(), job_mgr.c job_independent() / job_limits_check(),
 * node_scheduler.c select_nodes(), the priority/multifactor plugin), for a
 * controller without slurmdbd: no associations, no QOS, and, as slurmctld
 * itself does then, no age and no fair-share factor.  docs/scheduler.md
 * says where FLURM's model of a pass differs and why.
 */
#include "services/scheduler/sched.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/hostlist.h"
#include "common/slurmconf.h"
#include "services/scheduler/select.h"
#include "wire/pack.h"
#include "wire/rec_generic.h"
#include "wire/rec_info.h"
#include "wire/rec_job.h"

#define NICE_OFFSET 0x80000000u
#define MEM_PER_CPU 0x8000000000000000ULL

/* job_state (slurm.h) */
#define JOB_PENDING 0u
#define JOB_RUNNING 1u
#define JOB_SUSPENDED 2u
#define JOB_COMPLETE 3u
#define JOB_STATE_BASE 0xffu
#define JOB_SPECIAL_EXIT 0x1000u
#define JOB_COMPLETING 0x8000u

/* node_state (slurm.h) */
#define NODE_BASE 0xfu
#define NODE_IDLE 2u
#define NODE_ALLOCATED 3u
#define NODE_MIXED 5u
#define NODE_FUTURE 6u
#define NODE_DRAIN 0x200u
#define NODE_NO_RESPOND 0x800u
#define NODE_FAIL 0x2000u
#define NODE_POWERING_DOWN 0x40000u
#define NODE_INVALID_REG 0x400000u

/* PreemptMode (slurm.h PREEMPT_MODE_*) */
#define PREEMPT_MODE_OFF 0x0000u
#define PREEMPT_MODE_REQUEUE 0x0002u
#define PREEMPT_MODE_CANCEL 0x0008u
#define PREEMPT_MODE_WITHIN 0x4000u
#define PREEMPT_MODE_GANG 0x8000u

/* partition state_up bit: jobs may be scheduled (slurm.h PARTITION_SCHED) */
#define PART_SCHED 0x2u

/* PriorityFlags (slurm.h PRIORITY_FLAGS_*) */
#define PF_ACCRUE_ALWAYS 0x001u
#define PF_SIZE_RELATIVE 0x004u
#define PF_NO_NORMAL_PART 0x100u
#define PF_NO_NORMAL_TRES 0x400u

static const char *const tres_names[SCHED_TRES_COUNT] = {
    "cpu", "mem", "energy", "node", "billing", "fs/disk", "vmem", "pages",
};

/* ---- the site ------------------------------------------------------------- */

struct node {
    char *name;
    uint32_t cpus;       /* CPUs=: what a job may use on the node */
    uint32_t cpus_efctv; /* less the specialized cores: what TRES count */
    uint64_t memory;     /* RealMemory, MB */
    uint32_t weight;     /* Weight: placements take the lowest first */
    char *features;      /* comma list, NULL if none */
    uint32_t cores;      /* Sockets * CoresPerSocket */
};

struct part {
    char *name;
    unsigned char *member; /* per site node */
    uint32_t total_nodes;
    uint32_t total_cpus;
    enum flurm_slurmconf_part_state state;
    uint32_t max_time;
    uint32_t default_time;
    uint32_t max_nodes;
    uint32_t min_nodes;
    uint32_t max_cpus_per_node;
    uint16_t tier;
    uint16_t job_factor;
    uint16_t preempt_mode; /* PreemptMode=, NO_VAL16 when unset (the global one) */
    double norm_prio;
    bool root_only;
    uint64_t tres[SCHED_TRES_COUNT];
};

struct sched_site {
    bool multifactor;
    uint32_t weight_js;
    uint32_t weight_part;
    double weight_tres[SCHED_TRES_COUNT];
    bool tres_weighted;
    bool favor_small;
    uint32_t flags;
    bool private_jobs;
    uid_t slurm_user;
    struct node *nodes;
    size_t nnodes;
    size_t *by_name; /* node indexes sorted by name, for lookups */
    struct part *parts;
    size_t nparts;
    uint32_t cluster_cpus;
    struct sel_node *sel_nodes; /* the nodes as select.h sees them */
    struct sel_config sel;
    struct sel_pool *empty;     /* every node free: "could it ever run?" */
    bool preempt;               /* preempt/partition_prio, PreemptMode not OFF */
    uint16_t preempt_mode;      /* the global PreemptMode */
    int64_t preempt_exempt;     /* PreemptExemptTime, seconds; -1: none */
};

static bool word_in_list(const char *list, const char *word)
{
    size_t len = strlen(word);

    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if (n == len && !strncasecmp(p, word, len))
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

static uint32_t parse_priority_flags(const char *text)
{
    static const struct {
        const char *name;
        uint32_t bit;
    } names[] = {
        {"ACCRUE_ALWAYS", PF_ACCRUE_ALWAYS},
        {"SMALL_RELATIVE_TO_TIME", PF_SIZE_RELATIVE},
        {"NO_NORMAL_PART", PF_NO_NORMAL_PART},
        {"NO_NORMAL_TRES", PF_NO_NORMAL_TRES},
        {"NO_NORMAL_ALL", PF_NO_NORMAL_PART | PF_NO_NORMAL_TRES},
    };
    uint32_t flags = 0;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (word_in_list(text, names[i].name))
            flags |= names[i].bit;
    }
    return flags;
}

/* PriorityWeightTRES: "CPU=1000,Mem=2000,GRES/gpu=3000".  TRES FLURM does
 * not count (GRES, licenses) have nothing to weigh. */
static int parse_tres_weights(struct sched_site *site, const char *text, char *err,
                              size_t errlen)
{
    char *copy, *tok, *save = NULL;
    int rc = 0;

    if (!text || !*text)
        return 0;
    if (!(copy = strdup(text)))
        return -1;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '='), *end;
        double w;

        if (!eq) {
            snprintf(err, errlen, "PriorityWeightTRES: '%s' is not NAME=WEIGHT", tok);
            errno = EINVAL;
            rc = -1;
            break;
        }
        *eq = '\0';
        w = strtod(eq + 1, &end);
        if (end == eq + 1 || *end || w < 0) {
            snprintf(err, errlen, "PriorityWeightTRES: bad weight for %s", tok);
            errno = EINVAL;
            rc = -1;
            break;
        }
        for (size_t i = 0; i < SCHED_TRES_COUNT; i++) {
            if (!strcasecmp(tok, tres_names[i])) {
                site->weight_tres[i] = w;
                site->tres_weighted = true;
            }
        }
    }
    free(copy);
    return rc;
}

static int cmp_node_names(const void *a, const void *b, void *arg)
{
    const struct sched_site *site = arg;

    return strcmp(site->nodes[*(const size_t *)a].name, site->nodes[*(const size_t *)b].name);
}

static int load_nodes(struct sched_site *site, const struct flurm_slurmconf *c)
{
    site->nnodes = flurm_slurmconf_node_count(c);
    if (!(site->nodes = calloc(site->nnodes ? site->nnodes : 1, sizeof(*site->nodes))) ||
        !(site->sel_nodes = calloc(site->nnodes ? site->nnodes : 1, sizeof(*site->sel_nodes))) ||
        !(site->by_name = calloc(site->nnodes ? site->nnodes : 1, sizeof(*site->by_name))))
        return -1;
    for (size_t i = 0; i < site->nnodes; i++) {
        const struct flurm_slurmconf_node *cn = flurm_slurmconf_node(c, i);
        struct node *n = &site->nodes[i];
        uint32_t threads = cn->threads_per_core ? cn->threads_per_core : 1;
        uint32_t spec = (uint32_t)cn->core_spec_count * threads;

        if (!(n->name = strdup(cn->name)) ||
            (cn->features && !(n->features = strdup(cn->features))))
            return -1;
        n->cpus = cn->cpus;
        n->cores = (uint32_t)cn->sockets * cn->cores_per_socket;
        if (!n->cores)
            n->cores = n->cpus ? n->cpus : 1;
        site->sel_nodes[i] = (struct sel_node){
            n->name, n->cores, n->cpus >= n->cores ? n->cpus / n->cores : 1, cn->real_memory,
            cn->weight};
        n->cpus_efctv = spec < cn->cpus ? cn->cpus - spec : cn->cpus;
        n->memory = cn->real_memory;
        n->weight = cn->weight;
        site->cluster_cpus += n->cpus_efctv;
        site->by_name[i] = i;
    }
    qsort_r(site->by_name, site->nnodes, sizeof(*site->by_name), cmp_node_names, site);
    return 0;
}

static int load_partitions(struct sched_site *site, const struct flurm_slurmconf *c)
{
    uint16_t max_factor = 0;

    site->nparts = flurm_slurmconf_partition_count(c);
    if (!(site->parts = calloc(site->nparts ? site->nparts : 1, sizeof(*site->parts))))
        return -1;
    for (size_t i = 0; i < site->nparts; i++) {
        const struct flurm_slurmconf_partition *cp = flurm_slurmconf_partition(c, i);
        struct part *p = &site->parts[i];

        if (!(p->name = strdup(cp->name)) ||
            !(p->member = calloc(site->nnodes ? site->nnodes : 1, 1)))
            return -1;
        for (size_t k = 0; k < cp->nnodes; k++) {
            size_t idx = cp->node_index[k];
            const struct node *n = &site->nodes[idx];

            if (p->member[idx])
                continue;
            p->member[idx] = 1;
            p->total_nodes++;
            p->total_cpus += n->cpus;
            p->tres[SCHED_TRES_CPU] += n->cpus_efctv;
            p->tres[SCHED_TRES_MEM] += n->memory;
        }
        p->tres[SCHED_TRES_NODE] = p->total_nodes;
        p->tres[SCHED_TRES_BILLING] = p->tres[SCHED_TRES_CPU];
        p->state = cp->state;
        p->max_time = cp->max_time;
        p->default_time = cp->default_time;
        p->max_nodes = cp->max_nodes;
        p->min_nodes = cp->min_nodes;
        p->max_cpus_per_node = cp->max_cpus_per_node;
        p->tier = cp->priority_tier;
        p->job_factor = cp->priority_job_factor;
        p->preempt_mode = cp->preempt_mode;
        p->root_only = cp->root_only;
        if (p->job_factor > max_factor)
            max_factor = p->job_factor;
    }
    for (size_t i = 0; i < site->nparts; i++)
        site->parts[i].norm_prio =
            max_factor ? (double)site->parts[i].job_factor / (double)max_factor : 0.0;
    return 0;
}

/* time_str2secs: "min", "min:sec", "hr:min:sec", "days-hr",
 * "days-hr:min", "days-hr:min:sec"; -1, INFINITE and UNLIMITED are no
 * time at all (*secs -1).  -1 when it is none of these. */
static int parse_seconds(const char *text, int64_t *secs)
{
    long long f[4] = {0, 0, 0, 0}, days = 0;
    int n = 0, consumed = 0;
    const char *p = text;

    if (!strcasecmp(text, "-1") || !strcasecmp(text, "INFINITE") ||
        !strcasecmp(text, "UNLIMITED")) {
        *secs = -1;
        return 0;
    }
    if (strchr(p, '-')) {
        if (sscanf(p, "%lld-%n", &days, &consumed) != 1 || days < 0)
            return -1;
        p += consumed;
    }
    while (*p && n < 3) {
        char *end;

        if (!isdigit((unsigned char)*p))
            return -1;
        f[n++] = strtoll(p, &end, 10);
        p = end;
        if (*p == ':')
            p++;
        else if (*p)
            return -1;
    }
    if (*p || !n)
        return -1;
    if (consumed) /* days-hr[:min[:sec]] */
        *secs = ((days * 24 + f[0]) * 60 + f[1]) * 60 + f[2];
    else if (n == 3)
        *secs = (f[0] * 60 + f[1]) * 60 + f[2];
    else if (n == 2)
        *secs = f[0] * 60 + f[1];
    else
        *secs = f[0] * 60;
    return 0;
}

/* PreemptType, the global PreemptMode, PreemptExemptTime (read_config.c's
 * checks: partition_prio with PreemptMode=OFF is a configuration error). */
static int load_preemption(struct sched_site *site, const struct flurm_slurmconf *c, char *err,
                           size_t errlen)
{
    const char *type = flurm_slurmconf_get_or_default(c, "PreemptType");
    const char *exempt = flurm_slurmconf_get(c, "PreemptExemptTime");
    uint16_t mode = flurm_slurmconf_preempt_mode(c);

    site->preempt_mode = mode;
    site->preempt_exempt = -1;
    if (exempt && parse_seconds(exempt, &site->preempt_exempt) < 0) {
        snprintf(err, errlen, "PreemptExemptTime=%s invalid", exempt);
        errno = EINVAL;
        return -1;
    }
    if (type && !strcmp(type, "preempt/partition_prio")) {
        if (!(mode & ~(PREEMPT_MODE_GANG | PREEMPT_MODE_WITHIN))) {
            snprintf(err, errlen, "PreemptType and PreemptMode values incompatible");
            errno = EINVAL;
            return -1;
        }
        site->preempt = true;
    }
    return 0;
}

struct sched_site *sched_site_create(const struct flurm_slurmconf *c, char *err, size_t errlen)
{
    struct sched_site *site = calloc(1, sizeof(*site));
    const char *type = flurm_slurmconf_get_or_default(c, "PriorityType");
    const char *v;

    if (err && errlen)
        err[0] = '\0';
    if (!site)
        return NULL;
    if (type && !strcmp(type, "priority/multifactor")) {
        site->multifactor = true;
    } else if (type && strcmp(type, "priority/basic")) {
        snprintf(err, errlen, "PriorityType=%s is not supported (priority/basic or "
                              "priority/multifactor)", type);
        errno = EINVAL;
        goto error;
    }
    /* slurmctld zeroes PriorityWeightAge and PriorityWeightFairshare
     * without slurmdbd, and without associations and QOS their factors
     * are 0 whatever the weight: only these weights matter here. */
    site->weight_js = (uint32_t)flurm_slurmconf_number(c, "PriorityWeightJobSize");
    site->weight_part = (uint32_t)flurm_slurmconf_number(c, "PriorityWeightPartition");
    site->favor_small = flurm_slurmconf_bool(c, "PriorityFavorSmall");
    site->flags = parse_priority_flags(flurm_slurmconf_get(c, "PriorityFlags"));
    site->private_jobs = word_in_list(flurm_slurmconf_get(c, "PrivateData"), "jobs");
    site->slurm_user = flurm_slurmconf_slurm_user(c, NULL);
    if ((v = flurm_slurmconf_get(c, "PriorityWeightTRES")) &&
        parse_tres_weights(site, v, err, errlen) < 0)
        goto error;
    /* cons_tres without parameters is CR_Core_Memory, as slurmctld sets */
    type = flurm_slurmconf_get_or_default(c, "SelectType");
    site->sel.linear = !type || strstr(type, "linear");
    v = flurm_slurmconf_get(c, "SelectTypeParameters");
    site->sel.memory = v ? strcasestr(v, "memory") != NULL : !site->sel.linear;
    if (load_preemption(site, c, err, errlen) < 0)
        goto error;
    if (load_nodes(site, c) < 0 || load_partitions(site, c) < 0 ||
        !(site->empty = sel_pool_create(site->sel_nodes, site->nnodes, site->sel))) {
        errno = ENOMEM;
        goto error;
    }
    return site;
error:
    sched_site_destroy(site);
    return NULL;
}

void sched_site_destroy(struct sched_site *site)
{
    if (!site)
        return;
    for (size_t i = 0; site->nodes && i < site->nnodes; i++) {
        free(site->nodes[i].name);
        free(site->nodes[i].features);
    }
    for (size_t i = 0; site->parts && i < site->nparts; i++) {
        free(site->parts[i].name);
        free(site->parts[i].member);
    }
    sel_pool_destroy(site->empty);
    free(site->sel_nodes);
    free(site->nodes);
    free(site->by_name);
    free(site->parts);
    free(site);
}

bool sched_site_multifactor(const struct sched_site *site)
{
    return site->multifactor;
}

bool sched_site_preempts(const struct sched_site *site)
{
    return site->preempt;
}

size_t sched_site_node_count(const struct sched_site *site)
{
    return site->nnodes;
}

uint32_t sched_site_node_cores(const char *name, void *arg)
{
    const struct sched_site *site = arg;
    ssize_t i = sched_site_node_find(site, name);

    return i < 0 ? 0 : site->nodes[i].cores;
}

const char *sched_site_node_name(const struct sched_site *site, size_t i)
{
    return i < site->nnodes ? site->nodes[i].name : NULL;
}

ssize_t sched_site_node_find(const struct sched_site *site, const char *name)
{
    size_t lo = 0, hi = site->nnodes;

    if (!name)
        return -1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(site->nodes[site->by_name[mid]].name, name);

        if (!c)
            return (ssize_t)site->by_name[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static const struct part *part_find(const struct sched_site *site, const char *name, size_t len)
{
    for (size_t i = 0; name && i < site->nparts; i++) {
        if (strlen(site->parts[i].name) == len && !strncmp(site->parts[i].name, name, len))
            return &site->parts[i];
    }
    return NULL;
}

/* The first partition of a job's "a" or "a,b": the one slurmctld prices
 * a job with at submission (and the one whose limits the store applied). */
static const struct part *job_part(const struct sched_site *site, const struct sched_job *job)
{
    const char *comma;

    if (!job->partition)
        return NULL;
    comma = strchr(job->partition, ',');
    return part_find(site, job->partition,
                     comma ? (size_t)(comma - job->partition) : strlen(job->partition));
}

/* ---- jobs ------------------------------------------------------------------ */

static int dup_str(char **dst, const char *src)
{
    *dst = NULL;
    return src && !(*dst = strdup(src)) ? -1 : 0;
}

/* "cpu=2,mem=1000M,node=1,billing=2": memory in MB whatever its unit. */
static void parse_tres_req(const char *text, uint64_t *tres)
{
    char *copy = text ? strdup(text) : NULL, *tok, *save = NULL;

    for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '='), *end;
        unsigned long long v;

        if (!eq)
            continue;
        *eq = '\0';
        v = strtoull(eq + 1, &end, 10);
        switch (toupper((unsigned char)*end)) {
        case 'K':
            v /= 1024;
            break;
        case 'G':
            v *= 1024;
            break;
        case 'T':
            v *= 1024 * 1024;
            break;
        case 'P':
            v *= 1024ULL * 1024 * 1024;
            break;
        default:
            break;
        }
        for (size_t i = 0; i < SCHED_TRES_COUNT; i++) {
            if (!strcasecmp(tok, tres_names[i]))
                tres[i] = v;
        }
    }
    free(copy);
}

/* How many bits the hex bitmap "0x1F8" (array_task_str) has set. */
static uint32_t hex_popcount(const char *hex)
{
    uint32_t n = 0;

    if (!hex)
        return 0;
    if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
        hex += 2;
    for (; *hex; hex++) {
        int v = isdigit((unsigned char)*hex) ? *hex - '0'
                : isxdigit((unsigned char)*hex) ? tolower((unsigned char)*hex) - 'a' + 10
                                                 : 0;

        n += (uint32_t)__builtin_popcount((unsigned)v);
    }
    return n;
}

int sched_job_from_info(const json_t *info, struct sched_job *job)
{
    struct flurm_job_info ji;
    const char *field = NULL;

    memset(job, 0, sizeof(*job));
    if (!json_is_object(info) ||
        flurm_record_from_json(&flurm_rec_job_info, info, &ji, &field) < 0) {
        errno = EINVAL;
        return -1;
    }
    job->job_id = ji.job_id;
    job->array_job_id = ji.array_job_id;
    job->array_task_id = ji.array_task_id;
    job->array_meta = ji.array_task_str != NULL;
    job->user_id = ji.user_id;
    job->state = ji.job_state;
    job->reason = ji.state_reason;
    job->priority = ji.priority;
    job->nice = ji.nice;
    job->site_factor = ji.site_factor;
    job->submit_time = ji.submit_time;
    job->eligible_time = ji.eligible_time;
    job->start_time = ji.start_time;
    job->end_time = ji.end_time;
    job->num_tasks = ji.num_tasks;
    job->shared = ji.shared;
    job->array_max_tasks = ji.array_max_tasks;
    job->array_pending = hex_popcount(ji.array_task_str);
    job->min_cpus = ji.num_cpus;
    job->max_cpus = ji.max_cpus;
    job->min_nodes = ji.num_nodes;
    job->max_nodes = ji.max_nodes;
    job->time_limit = ji.time_limit;
    job->cpus_per_task = ji.cpus_per_task ? ji.cpus_per_task : 1;
    job->pn_min_cpus = ji.pn_min_cpus;
    job->pn_min_memory = ji.pn_min_memory;
    job->ntasks_per_node = ji.ntasks_per_node;
    job->exit_code = ji.exit_code;
    parse_tres_req(ji.tres_req_str, job->tres);
    /* the store writes the job's minimum node count as node= (num_nodes
     * is the estimate squeue shows) */
    if (job->tres[SCHED_TRES_NODE])
        job->min_nodes = (uint32_t)job->tres[SCHED_TRES_NODE];
    if (dup_str(&job->name, ji.name) < 0 || dup_str(&job->desc, ji.state_desc) < 0 ||
        dup_str(&job->partition, ji.partition) < 0 ||
        dup_str(&job->dependency, ji.dependency) < 0 ||
        dup_str(&job->req_nodes, ji.req_nodes) < 0 || dup_str(&job->exc_nodes, ji.exc_nodes) < 0 ||
        dup_str(&job->features, ji.features) < 0) {
        flurm_record_free(&flurm_rec_job_info, &ji);
        sched_job_clear(job);
        errno = ENOMEM;
        return -1;
    }
    flurm_record_free(&flurm_rec_job_info, &ji);
    return 0;
}

void sched_job_clear(struct sched_job *job)
{
    if (!job)
        return;
    free(job->name);
    free(job->desc);
    free(job->partition);
    free(job->dependency);
    free(job->req_nodes);
    free(job->exc_nodes);
    free(job->features);
    memset(job, 0, sizeof(*job));
}

static bool job_pending(const struct sched_job *job)
{
    return (job->state & JOB_STATE_BASE) == JOB_PENDING;
}

/* ---- priorities ------------------------------------------------------------ */

/* set_priority_factors' job size factor (0..1, unweighted). */
static double job_size(const struct sched_site *site, const struct sched_job *job,
                       const struct part *p)
{
    uint32_t cpu_cnt = job->max_cpus ? job->max_cpus : job->min_cpus;
    uint32_t min_nodes = job->min_nodes;
    uint32_t node_count = (uint32_t)site->nnodes, cluster_cpus = site->cluster_cpus;
    double js;

    if (!node_count || !cluster_cpus)
        return 0.0;
    if (site->flags & PF_SIZE_RELATIVE) {
        uint32_t time_limit = 1;

        js = (double)min_nodes * (double)cluster_cpus / (double)node_count;
        if (cpu_cnt > js)
            js = (double)cpu_cnt;
        if (job->time_limit != FLURM_NO_VAL)
            time_limit = job->time_limit;
        else if (p)
            time_limit = p->max_time;
        js /= time_limit;
        js /= cluster_cpus;
        if (site->favor_small)
            js = 1.0 - js;
    } else if (site->favor_small) {
        /* unsigned arithmetic, as slurmctld's: a job larger than the
         * cluster wraps around and ends up clamped at 1 */
        js = (double)(node_count - min_nodes) / (double)node_count;
        if (cpu_cnt) {
            js += (double)(cluster_cpus - cpu_cnt) / (double)cluster_cpus;
            js /= 2;
        }
    } else {
        js = (double)min_nodes / (double)node_count;
        if (cpu_cnt) {
            js += (double)cpu_cnt / (double)cluster_cpus;
            js /= 2;
        }
    }
    if (js < 0.0)
        js = 0.0;
    else if (js > 1.0)
        js = 1.0;
    return js;
}

static void compute_factors(const struct sched_site *site, const struct sched_job *job,
                            const struct part *p, struct sched_factors *f)
{
    memset(f, 0, sizeof(*f));
    f->site_factor = job->site_factor;
    f->nice = job->nice;
    if (site->weight_js)
        f->js = job_size(site, job, p) * (double)site->weight_js;
    if (p && p->job_factor && site->weight_part)
        f->part = ((site->flags & PF_NO_NORMAL_PART) ? (double)p->job_factor : p->norm_prio) *
                  (double)site->weight_part;
    for (size_t i = 0; site->tres_weighted && i < SCHED_TRES_COUNT; i++) {
        uint64_t value = job->tres[i];
        double factor = 0.0;

        if (site->flags & PF_NO_NORMAL_TRES)
            factor = (double)value;
        else if (value && p && p->tres[i])
            factor = (double)value / (double)p->tres[i];
        f->tres[i] = factor * site->weight_tres[i];
    }
}

static uint32_t sum_factors(const struct sched_factors *f)
{
    double prio = f->age + f->assoc + f->fs + f->js + f->part + f->qos;

    for (size_t i = 0; i < SCHED_TRES_COUNT; i++)
        prio += f->tres[i];
    prio += (double)((int64_t)f->site_factor - NICE_OFFSET);
    prio -= (double)((int64_t)f->nice - NICE_OFFSET);
    if (prio < 1)
        prio = 1; /* 0 is a held job */
    if (prio > (double)UINT32_MAX)
        prio = (double)UINT32_MAX;
    return (uint32_t)prio;
}

uint32_t sched_priority(const struct sched_site *site, const struct sched_job *job,
                        const char *part, struct sched_factors *f)
{
    const struct part *p = part ? part_find(site, part, strlen(part)) : job_part(site, job);
    struct sched_factors scratch;

    if (!f)
        f = &scratch;
    memset(f, 0, sizeof(*f));
    if (!site->multifactor || job->direct_prio || job->priority == 0)
        return job->priority;
    compute_factors(site, job, p, f);
    return sum_factors(f);
}

/* ---- dependencies (test_job_dependency) ------------------------------------- */

enum dep_result { DEP_NONE, DEP_WAIT, DEP_FAILED };

struct jobs_index {
    const struct sched_job *jobs;
    size_t n;
    const struct sched_job **by_id;
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

static int cmp_job_ptr(const void *a, const void *b)
{
    const struct sched_job *x = *(const struct sched_job *const *)a;
    const struct sched_job *y = *(const struct sched_job *const *)b;

    return x->job_id < y->job_id ? -1 : x->job_id > y->job_id;
}

static const struct sched_job *index_find(const struct jobs_index *ix, uint32_t job_id)
{
    size_t lo = 0, hi = ix->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (ix->by_id[mid]->job_id == job_id)
            return ix->by_id[mid];
        if (ix->by_id[mid]->job_id < job_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool state_completed(uint32_t state)
{
    return (state & JOB_STATE_BASE) > JOB_SUSPENDED && !(state & JOB_COMPLETING);
}

/* The dependency state of one job as seen by another:
 * pending / completed / complete (completed with success). */
struct dep_view {
    bool found;
    bool pending, completed, complete, special_exit, running;
    int64_t start_time;
};

static struct dep_view dep_view_of(const struct jobs_index *ix, uint32_t id, uint32_t task)
{
    struct dep_view v = {0};

    if (task == FLURM_INFINITE) {
        /* the array as a whole (test_job_array_complete & co) */
        bool all_complete = true, all_completed = true;

        for (size_t i = 0; i < ix->n; i++) {
            const struct sched_job *j = &ix->jobs[i];

            if (j->array_job_id != id && j->job_id != id)
                continue;
            v.found = true;
            v.pending |= (j->state & JOB_STATE_BASE) == JOB_PENDING;
            all_completed &= state_completed(j->state);
            all_complete &= (j->state & JOB_STATE_BASE) == JOB_COMPLETE;
        }
        v.completed = v.found && all_completed;
        v.complete = v.found && all_complete;
        return v;
    }
    if (task == FLURM_NO_VAL) {
        const struct sched_job *j = index_find(ix, id);

        if (j) {
            v.found = true;
            v.pending = (j->state & JOB_STATE_BASE) == JOB_PENDING;
            v.running = (j->state & JOB_STATE_BASE) == JOB_RUNNING;
            v.completed = state_completed(j->state);
            v.complete = (j->state & JOB_STATE_BASE) == JOB_COMPLETE;
            v.special_exit = j->state & JOB_SPECIAL_EXIT;
            v.start_time = j->start_time;
        }
        return v;
    }
    for (size_t i = 0; i < ix->n; i++) {
        const struct sched_job *j = &ix->jobs[i];
        bool match = j->array_job_id == id &&
                     (j->array_task_id == task ||
                      (j->array_meta && j->array_task_id == FLURM_NO_VAL &&
                       (j->state & JOB_STATE_BASE) == JOB_PENDING));

        if (!match)
            continue;
        v.found = true;
        v.pending = (j->state & JOB_STATE_BASE) == JOB_PENDING;
        v.running = (j->state & JOB_STATE_BASE) == JOB_RUNNING;
        v.completed = state_completed(j->state);
        v.complete = (j->state & JOB_STATE_BASE) == JOB_COMPLETE;
        v.special_exit = j->state & JOB_SPECIAL_EXIT;
        v.start_time = j->start_time;
        if (j->array_task_id == task)
            break; /* a task's own record beats the meta record */
    }
    return v;
}

/* _test_job_dependency_common for one "type:id" term. */
static enum dep_result dep_term(const char *type, struct dep_view v, int64_t delay, int64_t now)
{
    if (!v.found)
        return DEP_NONE; /* the job is gone: the dependency is lifted */
    if (!strcmp(type, "after")) {
        if (!v.pending && (!delay || (v.start_time && now - v.start_time >= delay)))
            return DEP_NONE;
        return DEP_WAIT;
    }
    if (!strcmp(type, "afterany") || !strcmp(type, "afterburstbuffer"))
        return v.completed ? DEP_NONE : DEP_WAIT;
    if (!strcmp(type, "afternotok")) {
        if (v.special_exit)
            return DEP_NONE;
        if (!v.completed)
            return DEP_WAIT;
        return v.complete ? DEP_FAILED : DEP_NONE;
    }
    if (!strcmp(type, "afterok") || !strcmp(type, "aftercorr")) {
        if (!v.completed)
            return DEP_WAIT;
        return v.complete ? DEP_NONE : DEP_FAILED;
    }
    if (!strcmp(type, "expand")) {
        if (v.pending)
            return DEP_WAIT;
        return v.completed ? DEP_FAILED : DEP_NONE;
    }
    return DEP_WAIT;
}

/* singleton: another job of the same user and name that runs, or waits
 * and was submitted before (_find_singleton_job). */
static enum dep_result dep_singleton(const struct jobs_index *ix, const struct sched_job *job)
{
    for (size_t i = 0; i < ix->n; i++) {
        const struct sched_job *q = &ix->jobs[i];
        uint32_t base = q->state & JOB_STATE_BASE;

        if (q == job || q->user_id != job->user_id)
            continue;
        if (q->name && job->name && strcmp(q->name, job->name))
            continue;
        if (base == JOB_RUNNING || base == JOB_SUSPENDED ||
            (base == JOB_PENDING && q->job_id < job->job_id))
            return DEP_WAIT;
    }
    return DEP_NONE;
}

/* A term that is not fulfilled as _depend_list2str shows it:
 * "type:id[_task|_*][+minutes](unfulfilled|failed)", or
 * "singleton(...)"; a fulfilled term is not shown at all. */
static void dep_show(FILE *out, bool *first, bool any_or, const char *type, unsigned long id,
                     uint32_t task, int64_t delay, enum dep_result r)
{
    if (!out || r == DEP_NONE)
        return;
    if (!*first)
        fputc(any_or ? '?' : ',', out);
    *first = false;
    if (!strcmp(type, "singleton")) {
        fputs("singleton", out);
    } else {
        fprintf(out, "%s:%lu", type, id);
        if (task == FLURM_INFINITE)
            fputs("_*", out);
        else if (task != FLURM_NO_VAL)
            fprintf(out, "_%u", task);
        if (delay)
            fprintf(out, "+%lld", (long long)(delay / 60));
    }
    fputs(r == DEP_FAILED ? "(failed)" : "(unfulfilled)", out);
}

/* test_job_dependency over the whole expression: terms joined by ','
 * (all must be met) or '?' (one is enough).  The store checked the
 * syntax at submission.  The expression may be one this function showed
 * before (what the store keeps once the scheduler sent it): a term marked
 * "(failed)" stays failed, as slurmctld never tests a failed term again,
 * and the terms already fulfilled are gone from it.  With shown, the
 * dependency as slurmctld shows it then goes to *shown (caller frees;
 * NULL once the whole dependency is met: slurmctld flushes the list).
 * 0, or -1 and ENOMEM. */
static int dependency_eval(const struct jobs_index *ix, const struct sched_job *job, int64_t now,
                           enum dep_result *result, char **shown)
{
    bool any_or = job->dependency && strchr(job->dependency, '?');
    bool or_met = false, and_failed = false, unmet = false, first = true;
    char *copy = NULL, *tok, *save = NULL, *text = NULL;
    size_t len = 0;
    FILE *out = NULL;

    *result = DEP_NONE;
    if (shown)
        *shown = NULL;
    if (!job->dependency || !*job->dependency)
        return 0;
    if (!(copy = strdup(job->dependency)) || (shown && !(out = open_memstream(&text, &len))))
        goto nomem;
    for (tok = strtok_r(copy, ",?", &save); tok; tok = strtok_r(NULL, ",?", &save)) {
        char *colon = strchr(tok, ':');
        const char *type = "afterany";
        char *ids = tok;

        if (!strncmp(tok, "singleton", 9) && (tok[9] == '\0' || tok[9] == '(')) {
            enum dep_result r = dep_singleton(ix, job);

            or_met |= r == DEP_NONE;
            unmet |= r == DEP_WAIT;
            dep_show(out, &first, any_or, "singleton", 0, FLURM_NO_VAL, 0, r);
            continue;
        }
        if (colon) {
            *colon = '\0';
            type = tok;
            ids = colon + 1;
        }
        for (char *id = ids; *id;) {
            char *end;
            unsigned long v = strtoul(id, &end, 10);
            uint32_t task = FLURM_NO_VAL;
            int64_t delay = 0;
            enum dep_result r;

            if (end == id)
                break;
            if (*end == '_') {
                if (end[1] == '*') {
                    task = FLURM_INFINITE;
                    end += 2;
                } else {
                    task = (uint32_t)strtoul(end + 1, &end, 10);
                }
            }
            if (*end == '+')
                delay = (int64_t)strtol(end + 1, &end, 10) * 60;
            if (!strncmp(end, "(failed)", 8))
                r = DEP_FAILED;
            else
                r = dep_term(type, dep_view_of(ix, (uint32_t)v, task), delay, now);
            while (*end && *end != ':')
                end++; /* "(unfulfilled)" and the like */
            or_met |= r == DEP_NONE;
            and_failed |= r == DEP_FAILED;
            unmet |= r == DEP_WAIT;
            dep_show(out, &first, any_or, type, v, task, delay, r);
            id = *end ? end + 1 : end;
        }
    }
    if (any_or)
        *result = or_met ? DEP_NONE : unmet ? DEP_WAIT : DEP_FAILED;
    else
        *result = and_failed ? DEP_FAILED : unmet ? DEP_WAIT : DEP_NONE;
    free(copy);
    if (out && fclose(out) != 0) {
        free(text);
        errno = ENOMEM;
        return -1;
    }
    if (shown && *result != DEP_NONE && len)
        *shown = text;
    else
        free(text);
    return 0;
nomem:
    free(copy);
    errno = ENOMEM;
    return -1;
}

/* The dependency's state alone (a job whose state cannot be worked out
 * for want of memory waits). */
static enum dep_result dependency_state(const struct jobs_index *ix, const struct sched_job *job,
                                        int64_t now)
{
    enum dep_result r;

    return dependency_eval(ix, job, now, &r, NULL) < 0 ? DEP_WAIT : r;
}

/* ---- partition limits (job_limits_check / _part_access_check) --------------- */

static uint32_t limits_reason(const struct sched_site *site, const struct sched_job *job,
                              const struct part *p)
{
    bool sched = (unsigned)p->state & PART_SCHED;
    uint32_t max_nodes = job->max_nodes ? job->max_nodes : FLURM_NO_VAL;

    if (p->root_only && job->user_id != 0 && job->user_id != site->slurm_user)
        return SCHED_WAIT_PART_CONFIG;
    if (sched && job->min_cpus != FLURM_NO_VAL &&
        (job->min_cpus > p->total_cpus ||
         job->min_cpus > (uint64_t)p->max_cpus_per_node * p->total_nodes))
        return SCHED_WAIT_PART_CONFIG;
    if (sched && job->min_nodes != FLURM_NO_VAL && job->min_nodes > p->total_nodes)
        return SCHED_WAIT_PART_NODE_LIMIT;
    if (sched && job->min_nodes != FLURM_NO_VAL && job->min_nodes < p->min_nodes)
        return SCHED_WAIT_PART_NODE_LIMIT;
    if (sched && max_nodes != FLURM_NO_VAL && max_nodes > p->max_nodes)
        return SCHED_WAIT_PART_NODE_LIMIT;
    if (sched && job->time_limit != FLURM_NO_VAL && job->time_limit > p->max_time)
        return SCHED_WAIT_PART_TIME_LIMIT;
    if (p->state == FLURM_SLURMCONF_PART_DOWN)
        return SCHED_WAIT_PART_DOWN;
    if (p->state == FLURM_SLURMCONF_PART_INACTIVE)
        return SCHED_WAIT_PART_INACTIVE;
    return SCHED_WAIT_NO_REASON;
}

/* ---- can the job run on a set of nodes? (select_nodes, simplified) ----------- */

/* A node list as a per-node map; unknown names are ignored (the store
 * refused them at submission).  NULL for no list; *bad on ENOMEM. */
static unsigned char *node_map(const struct sched_site *site, const char *expr, bool *bad)
{
    struct flurm_hostlist *hl;
    unsigned char *map;

    if (!expr || !*expr)
        return NULL;
    if (!(map = calloc(site->nnodes ? site->nnodes : 1, 1))) {
        *bad = true;
        return NULL;
    }
    if ((hl = flurm_hostlist_parse(expr, NULL, 0))) {
        for (size_t i = 0; i < flurm_hostlist_count(hl); i++) {
            char *host = flurm_hostlist_nth(hl, i);
            ssize_t idx = sched_site_node_find(site, host);

            if (idx >= 0)
                map[idx] = 1;
            free(host);
        }
        flurm_hostlist_destroy(hl);
    }
    return map;
}

/* One feature word against a node's comma list. */
static bool node_has_feature(const struct node *n, const char *f, size_t len)
{
    for (const char *p = n->features; p && *p;) {
        const char *end = strchr(p, ',');
        size_t l = end ? (size_t)(end - p) : strlen(p);

        if (l == len && !strncmp(p, f, len))
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* --constraint as plain words joined by '&' / ',' (all) or '|' (any).
 * Counts, brackets and node-feature plugins are not evaluated here: such
 * an expression is taken as met (the store validated the words). */
static bool features_ok(const struct node *n, const char *expr)
{
    bool any = expr && strchr(expr, '|');
    const char *p = expr;

    if (!expr || !*expr)
        return true;
    if (strpbrk(expr, "[]()*"))
        return true;
    while (*p) {
        size_t len = strcspn(p, "&,|");
        bool has = node_has_feature(n, p, len);

        if (any && has)
            return true;
        if (!any && !has)
            return false;
        p += len;
        if (*p)
            p++;
    }
    return !any;
}

/* The job's request as select.h takes it. */
static void job_request(const struct sched_job *job, struct sel_request *r)
{
    uint32_t cpt = job->cpus_per_task ? job->cpus_per_task : 1;
    uint32_t tasks_by_cpus = 0;

    memset(r, 0, sizeof(*r));
    r->min_nodes = job->min_nodes && job->min_nodes != FLURM_NO_VAL ? job->min_nodes : 1;
    r->max_nodes = job->max_nodes != FLURM_NO_VAL && job->max_nodes != FLURM_INFINITE
                       ? job->max_nodes
                       : 0;
    r->cpus_per_task = cpt;
    if (job->min_cpus && job->min_cpus != FLURM_NO_VAL)
        tasks_by_cpus = (job->min_cpus + cpt - 1) / cpt;
    r->ntasks = job->num_tasks && job->num_tasks != FLURM_NO_VAL ? job->num_tasks : 1;
    if (r->ntasks < tasks_by_cpus)
        r->ntasks = tasks_by_cpus;
    if (job->ntasks_per_node && job->ntasks_per_node != FLURM_NO_VAL16)
        r->ntasks_per_node = job->ntasks_per_node;
    r->pn_min_cpus = job->pn_min_cpus != FLURM_NO_VAL16 ? job->pn_min_cpus : 0;
    if (job->pn_min_memory != FLURM_NO_VAL64 && job->pn_min_memory != FLURM_INFINITE64) {
        r->mem_per_cpu = job->pn_min_memory & MEM_PER_CPU;
        r->mem = job->pn_min_memory & ~MEM_PER_CPU;
    }
    r->exclusive = job->shared == 0;
    r->batch = true;
}

/* The nodes of p the job may be given: those `usable` allows (all but
 * FUTURE ones when NULL), not excluded, with the features it asks for. */
static void allowed_nodes(const struct sched_site *site, const struct sched_job *job,
                          const struct part *p, const unsigned char *usable,
                          const unsigned char *future, const unsigned char *exc,
                          unsigned char *allowed)
{
    for (size_t i = 0; i < site->nnodes; i++)
        allowed[i] = p->member[i] && (usable ? usable[i] : !future[i]) && !(exc && exc[i]) &&
                     features_ok(&site->nodes[i], job->features);
}

/* Could the job run on the nodes of p that `usable` allows (all of p's
 * nodes but FUTURE ones when usable is NULL), were they idle?  Every
 * required node among them.  1, 0, or -1 on ENOMEM. */
static int runnable(const struct sched_site *site, const struct sched_job *job,
                    const struct part *p, const unsigned char *usable, const unsigned char *future,
                    const unsigned char *req, const unsigned char *exc)
{
    unsigned char *allowed = calloc(site->nnodes ? site->nnodes : 1, 1);
    struct sel_request r;
    int ok;

    if (!allowed)
        return -1;
    job_request(job, &r);
    allowed_nodes(site, job, p, usable, future, exc, allowed);
    ok = sel_place(site->empty, &r, allowed, req, NULL);
    free(allowed);
    return ok;
}

/* "ReqNodeNotAvail, UnavailableNodes:<nodes>" as select_nodes writes it:
 * the partition's nodes that are not usable (nor FUTURE), limited to the
 * required ones if any, as a sorted host list.  NULL on ENOMEM. */
static char *unavailable_desc(const struct sched_site *site, const struct part *p,
                              const unsigned char *usable, const unsigned char *future,
                              const unsigned char *req)
{
    struct flurm_hostlist *hl = flurm_hostlist_create();
    char *ranged = NULL, *desc = NULL;

    if (!hl)
        return NULL;
    for (size_t i = 0; i < site->nnodes; i++) {
        if (p->member[i] && !usable[i] && !future[i] && (!req || req[i]) &&
            flurm_hostlist_push_host(hl, site->nodes[i].name) < 0)
            goto out;
    }
    if (flurm_hostlist_sort(hl) < 0 || !(ranged = flurm_hostlist_ranged_string(hl)))
        goto out;
    if (asprintf(&desc, *ranged ? "ReqNodeNotAvail, UnavailableNodes:%s"
                                : "ReqNodeNotAvail, May be reserved for other job",
                 ranged) < 0)
        desc = NULL;
out:
    free(ranged);
    flurm_hostlist_destroy(hl);
    return desc;
}

/* ---- the pass ------------------------------------------------------------- */

/* A node slurmctld would put in avail_node_bitmap: up (idle, allocated or
 * mixed), responding, not drained, failing or badly registered. */
static bool node_available(uint32_t state)
{
    uint32_t base = state & NODE_BASE;

    if (base != NODE_IDLE && base != NODE_ALLOCATED && base != NODE_MIXED)
        return false;
    return !(state & (NODE_DRAIN | NODE_FAIL | NODE_NO_RESPOND | NODE_POWERING_DOWN |
                      NODE_INVALID_REG));
}

struct queued {
    size_t job;  /* index in jobs */
    size_t dec;  /* index in the result */
    const struct part *part;
    uint32_t priority;
};

/* Resources that come free at `end`: a running job's, or one this pass
 * started. */
struct release {
    int64_t end;
    const struct flurm_alloc *alloc;
};

/* A blocked job's reservation (EASY backfill): its nodes from `shadow`
 * on.  A later job may use them only if it ends by then. */
struct resv {
    int64_t shadow;
    unsigned char *nodes;
};

/* Running tasks per job array, for the %N throttle. */
struct array_run {
    uint32_t array_job_id;
    uint32_t running;
};

/* Answers already known this pass, for jobs that differ only by id (no
 * -w, --exclude or --constraint): most of a large queue.  A key is the
 * partition, the request and a number (an end time, or which nodes).  */
struct memo_entry {
    bool used;
    bool answer;
    const struct part *part;
    struct sel_request req;
    int64_t key;
};

struct memo {
    struct memo_entry *e;
    size_t cap, n; /* cap a power of two */
};

/* A running job another may preempt (preempt/partition_prio). */
struct victim {
    const struct sched_hold *hold;
    const struct part *part; /* the partition it runs in */
    uint32_t order;          /* PREEMPT_DATA_PRIO: tier << 16 + nodes; lowest go first */
    int64_t start_time;
    bool requeue;            /* PreemptMode REQUEUE, else CANCEL */
    bool taken;              /* a preemptor of this pass chose it */
};

struct pass {
    const struct sched_site *site;
    const struct sched_job *jobs;
    int64_t now;
    struct sched_result *res;
    unsigned char *avail;  /* usable nodes, as the pass started */
    unsigned char *future;
    unsigned char *work;   /* usable nodes left: failed partitions removed */
    unsigned char *allowed; /* scratch: the nodes one placement may use */
    bool *failed;          /* per partition */
    char **standing_desc;  /* per partition: its unusable nodes, as words */
    struct sel_pool *pool; /* what is free now (holds and this pass's starts removed) */
    struct sel_pool *what_if; /* scratch for shadow times */
    uint64_t free_cpus;    /* over every node: a quick "cannot fit" */
    struct release *rel;
    size_t nrel, relcap;
    bool rel_sorted;
    struct resv *resv;
    size_t nresv, resvcap;
    struct array_run *arrays; /* by array_job_id */
    size_t narrays, arraycap;
    size_t startcap;
    /* resources only shrink and reservations only grow during a pass: a
     * placement that did not fit (with that end time) never will */
    struct memo no_fit;
    struct memo could_run; /* runnable() on avail, on every node, on work */
    /* preemption: who may be stopped, and what completing jobs will free
     * anyway (nobody is preempted for what an epilog is about to give) */
    struct victim *victims;
    size_t nvictims;
    const struct flurm_alloc **completing;
    size_t ncompleting;
    size_t preemptcap;
};

static int cmp_queued(const void *a, const void *b, void *arg)
{
    const struct queued *x = a, *y = b;
    const struct sched_job *jobs = arg;
    const struct sched_job *jx = &jobs[x->job], *jy = &jobs[y->job];
    uint32_t idx, idy;

    if (x->part->tier != y->part->tier)
        return x->part->tier > y->part->tier ? -1 : 1;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    if (jx->submit_time != jy->submit_time)
        return jx->submit_time < jy->submit_time ? -1 : 1;
    idx = jx->array_task_id == FLURM_NO_VAL ? jx->job_id : jx->array_job_id;
    idy = jy->array_task_id == FLURM_NO_VAL ? jy->job_id : jy->array_job_id;
    if (idx != idy)
        return idx < idy ? -1 : 1;
    return jx->job_id < jy->job_id ? -1 : jx->job_id > jy->job_id;
}

static void set_reason(struct sched_decision *d, uint32_t reason, char *desc)
{
    free(d->desc);
    d->reason = reason;
    d->desc = desc;
}

/* The reason a job keeps while a higher-priority job holds its partition:
 * what select_nodes said of it when it was submitted (FLURM evaluates that
 * against the nodes as they are now), turned into Priority where
 * schedule() does so (None and Resources). */
/* Which nodes could_run() asks about. */
enum { ON_AVAIL = 1, ON_ALL, ON_WORK };

static int could_run(struct pass *ps, const struct sched_job *job, const struct part *p,
                     int on, const unsigned char *req, const unsigned char *exc);
static void memo_forget(struct memo *m, int64_t key);

static int standing_reason(struct pass *ps, const struct sched_job *job, const struct part *p,
                           const unsigned char *req, const unsigned char *exc,
                           struct sched_decision *d)
{
    int rc = could_run(ps, job, p, ON_AVAIL, req, exc);
    char *desc;

    if (rc < 0)
        return -1;
    if (rc) {
        set_reason(d, SCHED_WAIT_PRIORITY, NULL);
        return 0;
    }
    if ((rc = could_run(ps, job, p, ON_ALL, req, exc)) < 0)
        return -1;
    if (!rc) {
        set_reason(d, SCHED_FAIL_BAD_CONSTRAINTS, NULL);
        return 0;
    }
    if (req) {
        desc = unavailable_desc(ps->site, p, ps->avail, ps->future, req);
    } else {
        /* the same words for every job of the partition: made once */
        char **memo = &ps->standing_desc[p - ps->site->parts];

        if (!*memo)
            *memo = unavailable_desc(ps->site, p, ps->avail, ps->future, NULL);
        desc = *memo ? strdup(*memo) : NULL;
    }
    if (!desc)
        return -1;
    set_reason(d, SCHED_WAIT_NODE_NOT_AVAIL, desc);
    return 0;
}

static void fail_partition(struct pass *ps, const struct part *p)
{
    memo_forget(&ps->could_run, ON_WORK);
    ps->failed[p - ps->site->parts] = true;
    for (size_t i = 0; i < ps->site->nnodes; i++) {
        if (p->member[i])
            ps->work[i] = 0;
    }
}

static bool subset(const unsigned char *a, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] && !b[i])
            return false;
    }
    return true;
}

/* ---- starting jobs, backfill ------------------------------------------------ */

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
    size_t bigger;
    void *p;

    if (n < *cap)
        return 0;
    bigger = *cap ? *cap * 2 : 16;
    if (!(p = realloc(*v, bigger * size)))
        return -1;
    *v = p;
    *cap = bigger;
    return 0;
}

/* When a job started now would end: its time limit, else the partition's
 * DefaultTime, else its MaxTime; INFINITE never ends. */
static int64_t job_end(const struct sched_job *job, const struct part *p, int64_t now)
{
    uint32_t limit = job->time_limit;

    if (limit == FLURM_NO_VAL)
        limit = p->default_time != FLURM_NO_VAL ? p->default_time : p->max_time;
    if (limit == FLURM_INFINITE || limit == FLURM_NO_VAL)
        return INT64_MAX;
    return now + (int64_t)limit * 60;
}

/* When a hold comes free: its end time, now if that passed (completing
 * jobs, jobs about to time out), never if unknown. */
static int64_t hold_end(const struct sched_hold *h, int64_t now)
{
    if (h->end_time <= 0)
        return INT64_MAX;
    return h->end_time < now ? now : h->end_time;
}

static int add_release(struct pass *ps, int64_t end, const struct flurm_alloc *a)
{
    if (grow((void **)&ps->rel, &ps->relcap, ps->nrel, sizeof(*ps->rel)) < 0)
        return -1;
    ps->rel[ps->nrel++] = (struct release){end, a};
    ps->rel_sorted = false;
    return 0;
}

static int cmp_release(const void *a, const void *b)
{
    const struct release *x = a, *y = b;

    return x->end < y->end ? -1 : x->end > y->end;
}

static struct array_run *array_find(struct pass *ps, uint32_t array_job_id)
{
    size_t lo = 0, hi = ps->narrays;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (ps->arrays[mid].array_job_id == array_job_id)
            return &ps->arrays[mid];
        if (ps->arrays[mid].array_job_id < array_job_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* One more running task of array_job_id. */
static int array_count(struct pass *ps, uint32_t array_job_id)
{
    struct array_run *a = array_find(ps, array_job_id);
    size_t pos = 0;

    if (a) {
        a->running++;
        return 0;
    }
    if (grow((void **)&ps->arrays, &ps->arraycap, ps->narrays, sizeof(*ps->arrays)) < 0)
        return -1;
    while (pos < ps->narrays && ps->arrays[pos].array_job_id < array_job_id)
        pos++;
    memmove(&ps->arrays[pos + 1], &ps->arrays[pos], (ps->narrays - pos) * sizeof(*ps->arrays));
    ps->arrays[pos] = (struct array_run){array_job_id, 1};
    ps->narrays++;
    return 0;
}

/* An array job whose running tasks reached its %N. */
static bool array_throttled(struct pass *ps, const struct sched_job *job)
{
    const struct array_run *a;

    if (!job->array_job_id || !job->array_max_tasks)
        return false;
    a = array_find(ps, job->array_job_id);
    return a && a->running >= job->array_max_tasks;
}

static bool same_request(const struct sel_request *a, const struct sel_request *b)
{
    return a->min_nodes == b->min_nodes && a->max_nodes == b->max_nodes &&
           a->ntasks == b->ntasks && a->cpus_per_task == b->cpus_per_task &&
           a->ntasks_per_node == b->ntasks_per_node && a->pn_min_cpus == b->pn_min_cpus &&
           a->mem == b->mem && a->mem_per_cpu == b->mem_per_cpu &&
           a->exclusive == b->exclusive;
}

static uint64_t memo_hash(const struct part *p, const struct sel_request *r, int64_t key)
{
    uint64_t h = 1469598103934665603ULL;
    uint64_t v[] = {(uint64_t)(uintptr_t)p, r->min_nodes, r->max_nodes, r->ntasks,
                    r->cpus_per_task, r->ntasks_per_node, r->pn_min_cpus, r->mem,
                    (uint64_t)r->mem_per_cpu << 1 | r->exclusive, (uint64_t)key};

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        h ^= v[i];
        h *= 1099511628211ULL;
        h ^= h >> 29;
    }
    return h;
}

static struct memo_entry *memo_slot(const struct memo *m, const struct part *p,
                                    const struct sel_request *r, int64_t key)
{
    size_t i = (size_t)memo_hash(p, r, key) & (m->cap - 1);

    while (m->e[i].used &&
           !(m->e[i].part == p && m->e[i].key == key && same_request(&m->e[i].req, r)))
        i = (i + 1) & (m->cap - 1);
    return &m->e[i];
}

/* 1 and *answer when known, else 0. */
static int memo_get(const struct memo *m, const struct part *p, const struct sel_request *r,
                    int64_t key, bool *answer)
{
    const struct memo_entry *e;

    if (!m->cap)
        return 0;
    e = memo_slot(m, p, r, key);
    if (!e->used)
        return 0;
    *answer = e->answer;
    return 1;
}

static int memo_put(struct memo *m, const struct part *p, const struct sel_request *r,
                    int64_t key, bool answer)
{
    struct memo_entry *e;

    if ((m->n + 1) * 2 > m->cap) {
        struct memo bigger = {calloc(m->cap ? m->cap * 2 : 256, sizeof(*m->e)),
                              m->cap ? m->cap * 2 : 256, 0};

        if (!bigger.e)
            return -1;
        for (size_t i = 0; i < m->cap; i++) {
            if (m->e[i].used) {
                *memo_slot(&bigger, m->e[i].part, &m->e[i].req, m->e[i].key) = m->e[i];
                bigger.n++;
            }
        }
        free(m->e);
        *m = bigger;
    }
    e = memo_slot(m, p, r, key);
    if (!e->used)
        m->n++;
    *e = (struct memo_entry){true, answer, p, *r, key};
    return 0;
}

/* Forget answers keyed by `key` (the nodes they were asked about changed). */
static void memo_forget(struct memo *m, int64_t key)
{
    struct memo_entry *old = m->e;
    size_t cap = m->cap;

    if (!old)
        return;
    /* rebuild without them: probing chains must stay unbroken */
    m->e = calloc(cap, sizeof(*m->e));
    m->n = 0;
    if (!m->e) {
        m->cap = 0; /* forget everything */
        free(old);
        return;
    }
    for (size_t i = 0; i < cap; i++) {
        if (old[i].used && old[i].key != key) {
            *memo_slot(m, old[i].part, &old[i].req, old[i].key) = old[i];
            m->n++;
        }
    }
    free(old);
}

/* runnable() on the usable nodes (ON_AVAIL), every node (ON_ALL) or those
 * failed partitions left (ON_WORK), remembered for jobs alike. */
static int could_run(struct pass *ps, const struct sched_job *job, const struct part *p,
                     int on, const unsigned char *req, const unsigned char *exc)
{
    const unsigned char *usable = on == ON_AVAIL ? ps->avail : on == ON_WORK ? ps->work : NULL;
    bool cacheable = !req && !exc && !job->features, known;
    struct sel_request r;
    int ok;

    job_request(job, &r);
    if (cacheable && memo_get(&ps->could_run, p, &r, on, &known))
        return known;
    if ((ok = runnable(ps->site, job, p, usable, ps->future, req, exc)) < 0)
        return -1;
    if (cacheable && memo_put(&ps->could_run, p, &r, on, ok) < 0)
        return -1;
    return ok;
}

/* The nodes a job ending at `end` may use now: p's usable nodes it
 * accepts, less those reserved from before it would end. */
static void backfill_nodes(struct pass *ps, const struct sched_job *job, const struct part *p,
                           const unsigned char *exc, int64_t end)
{
    allowed_nodes(ps->site, job, p, ps->avail, ps->future, exc, ps->allowed);
    for (size_t k = 0; k < ps->nresv; k++) {
        if (ps->resv[k].shadow >= end)
            continue;
        for (size_t i = 0; i < ps->site->nnodes; i++)
            ps->allowed[i] &= !ps->resv[k].nodes[i];
    }
}

/* Start job now if it fits what is free without delaying a reservation.
 * 1 started (the result owns the allocation), 0 not, -1 ENOMEM. */
static int try_start(struct pass *ps, const struct sched_job *job, const struct part *p,
                     const unsigned char *req, const unsigned char *exc, struct sched_decision *d)
{
    struct sched_result *res = ps->res;
    struct flurm_alloc *a = NULL;
    struct sel_request r;
    int64_t end = job_end(job, p, ps->now);
    bool cacheable = !req && !exc && !job->features, known;
    int ok;

    /* a requeued job waits for its old hosts' epilogs */
    if (job->state & JOB_COMPLETING)
        return 0;
    job_request(job, &r);
    if ((uint64_t)r.ntasks * r.cpus_per_task > ps->free_cpus)
        return 0;
    if (cacheable && memo_get(&ps->no_fit, p, &r, end, &known))
        return 0;
    backfill_nodes(ps, job, p, exc, end);
    if ((ok = sel_place(ps->pool, &r, ps->allowed, req, &a)) <= 0) {
        if (!ok && cacheable && memo_put(&ps->no_fit, p, &r, end, false) < 0)
            return -1;
        return ok;
    }
    if (grow((void **)&res->starts, &ps->startcap, res->nstarts, sizeof(*res->starts)) < 0)
        goto nomem;
    res->starts[res->nstarts] = (struct sched_start){job->job_id, a};
    if (add_release(ps, end, a) < 0 || (job->array_job_id && array_count(ps, job->array_job_id) < 0))
        goto nomem;
    res->nstarts++;
    sel_pool_hold(ps->pool, a);
    ps->free_cpus -= flurm_alloc_cpus(a) <= ps->free_cpus ? flurm_alloc_cpus(a) : ps->free_cpus;
    d->would_start = true;
    set_reason(d, SCHED_WAIT_NO_REASON, NULL);
    return 1;
nomem:
    flurm_alloc_destroy(a);
    return -1;
}

/* Whether the job fits once the releases[0..upto) came free. */
static int fits_after(struct pass *ps, const struct sel_request *r, const unsigned char *req,
                      size_t upto, struct flurm_alloc **out)
{
    sel_pool_assign(ps->what_if, ps->pool);
    for (size_t k = 0; k < upto; k++)
        sel_pool_release(ps->what_if, ps->rel[k].alloc);
    return sel_place(ps->what_if, r, ps->allowed, req, out);
}

/* EASY backfill: the earliest time the blocked job could start, as
 * running jobs end, and the nodes it would get then, reserved for it;
 * that time also becomes d's expected start (the earliest over the job's
 * partitions, as the backfill keeps it).  No reservation when it could
 * not start even then.  -1 ENOMEM. */
static int reserve(struct pass *ps, const struct sched_job *job, const struct part *p,
                   const unsigned char *req, const unsigned char *exc, struct sched_decision *d)
{
    struct flurm_alloc *a = NULL;
    struct sel_request r;
    size_t lo = 0, hi, *cut = NULL, ncut = 0;
    int ok;

    if (job->state & JOB_COMPLETING)
        return 0;
    if (!ps->rel_sorted) {
        if (ps->nrel)
            qsort(ps->rel, ps->nrel, sizeof(*ps->rel), cmp_release);
        ps->rel_sorted = true;
    }
    job_request(job, &r);
    allowed_nodes(ps->site, job, p, ps->avail, ps->future, exc, ps->allowed);
    /* candidate times: the ends of runs of equal end times */
    if (!(cut = calloc(ps->nrel + 1, sizeof(*cut))))
        return -1;
    for (size_t k = 0; k < ps->nrel; k++) {
        if (k + 1 == ps->nrel || ps->rel[k + 1].end != ps->rel[k].end)
            cut[ncut++] = k + 1;
    }
    if (!ncut || (ok = fits_after(ps, &r, req, cut[ncut - 1], NULL)) <= 0) {
        free(cut);
        return ncut ? ok : 0;
    }
    /* freeing more never hurts a placement: search the first cut that fits */
    hi = ncut - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if ((ok = fits_after(ps, &r, req, cut[mid], NULL)) < 0)
            goto nomem;
        if (ok)
            hi = mid;
        else
            lo = mid + 1;
    }
    if ((ok = fits_after(ps, &r, req, cut[lo], &a)) < 0)
        goto nomem;
    if (ok) {
        unsigned char *nodes = calloc(ps->site->nnodes ? ps->site->nnodes : 1, 1);

        if (!nodes || grow((void **)&ps->resv, &ps->resvcap, ps->nresv, sizeof(*ps->resv)) < 0) {
            free(nodes);
            goto nomem;
        }
        for (size_t h = 0; h < a->nhosts; h++) {
            ssize_t i = sched_site_node_find(ps->site, a->hosts[h].name);

            if (i >= 0)
                nodes[i] = 1;
        }
        ps->resv[ps->nresv++] = (struct resv){ps->rel[cut[lo] - 1].end, nodes};
        if (ps->rel[cut[lo] - 1].end != INT64_MAX &&
            (!d->start_time || ps->rel[cut[lo] - 1].end < d->start_time))
            d->start_time = ps->rel[cut[lo] - 1].end;
    }
    flurm_alloc_destroy(a);
    free(cut);
    return 0;
nomem:
    flurm_alloc_destroy(a);
    free(cut);
    return -1;
}

/* ---- preemption (preempt/partition_prio) ------------------------------------ */

/* The partition a running job runs in: the first of its list holding all
 * its hosts (job_info names the partitions it was submitted to). */
static const struct part *running_part(const struct sched_site *site, const struct sched_job *job,
                                       const struct flurm_alloc *a)
{
    const char *name = job->partition;
    const struct part *first = NULL;

    while (name && *name) {
        size_t len = strcspn(name, ","), h;
        const struct part *p = part_find(site, name, len);

        name += len;
        if (*name)
            name++;
        if (!p)
            continue;
        if (!first)
            first = p;
        for (h = 0; h < a->nhosts; h++) {
            ssize_t i = sched_site_node_find(site, a->hosts[h].name);

            if (i < 0 || !p->member[i])
                break;
        }
        if (h == a->nhosts)
            return p;
    }
    return first;
}

/* _job_preempt_mode less GANG, and whether cons_tres's _run_now may take
 * the job's resources: only REQUEUE and CANCEL free them (SUSPEND needs
 * the gang scheduler, which FLURM has not). */
static bool victim_mode(const struct sched_site *site, const struct part *p, bool *requeue)
{
    uint16_t mode = p->preempt_mode != FLURM_NO_VAL16 ? p->preempt_mode : site->preempt_mode;

    if (p->preempt_mode == PREEMPT_MODE_OFF) /* preempt_p_preemptable */
        return false;
    mode &= (uint16_t)~PREEMPT_MODE_GANG;
    *requeue = mode == PREEMPT_MODE_REQUEUE;
    return mode == PREEMPT_MODE_REQUEUE || mode == PREEMPT_MODE_CANCEL;
}

/* The running jobs of holds[0..nholds) that some job may preempt, and
 * what completing jobs hold.  -1 on ENOMEM. */
static int find_victims(struct pass *ps, const struct jobs_index *ix,
                        const struct sched_hold *holds, size_t nholds)
{
    const struct sched_site *site = ps->site;

    if (!site->preempt || !nholds)
        return 0;
    if (!(ps->victims = calloc(nholds, sizeof(*ps->victims))) ||
        !(ps->completing = calloc(nholds, sizeof(*ps->completing))))
        return -1;
    for (size_t k = 0; k < nholds; k++) {
        const struct sched_hold *h = &holds[k];
        uint32_t base = h->state & JOB_STATE_BASE;
        const struct sched_job *job;
        const struct part *p;
        struct victim *v;
        bool requeue = false;

        if (!h->alloc)
            continue;
        if (h->state & JOB_COMPLETING) {
            ps->completing[ps->ncompleting++] = h->alloc;
            continue;
        }
        if (base != JOB_RUNNING || !(job = index_find(ix, h->job_id)) ||
            !(p = running_part(site, job, h->alloc)) || !victim_mode(site, p, &requeue))
            continue;
        v = &ps->victims[ps->nvictims++];
        v->hold = h;
        v->part = p;
        v->order = ((uint32_t)p->tier << 16) +
                   (h->alloc->nhosts >= 0xffff ? 0xffffu : (uint32_t)h->alloc->nhosts);
        v->start_time = job->start_time;
        v->requeue = requeue;
    }
    return 0;
}

/* The order preemptees are tried in: preempt/partition_prio's priority
 * (lower tier, then fewer nodes, first: _sort_by_prio), then the youngest
 * (the least work lost), then the highest job id, so that the pass stays
 * deterministic where slurmctld's sort leaves ties to chance. */
static int cmp_victims(const void *a, const void *b, void *arg)
{
    const struct victim *v = arg;
    const struct victim *x = &v[*(const size_t *)a], *y = &v[*(const size_t *)b];

    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    if (x->start_time != y->start_time)
        return x->start_time > y->start_time ? -1 : 1;
    return x->hold->job_id > y->hold->job_id ? -1 : x->hold->job_id < y->hold->job_id;
}

/* Whether the job fits ps->allowed once completing jobs and the victims
 * cand[k] with use[k] set (k < n) are gone; the placement to *out. */
static int fits_without(struct pass *ps, const struct sel_request *r, const unsigned char *req,
                        const size_t *cand, const bool *use, size_t n, struct flurm_alloc **out)
{
    sel_pool_assign(ps->what_if, ps->pool);
    for (size_t k = 0; k < ps->ncompleting; k++)
        sel_pool_release(ps->what_if, ps->completing[k]);
    for (size_t k = 0; k < n; k++) {
        if (use[k])
            sel_pool_release(ps->what_if, ps->victims[cand[k]].hold->alloc);
    }
    return sel_place(ps->what_if, r, ps->allowed, req, out);
}

/* Whether any host of a is one of p's nodes (job_overlap_and_running). */
static bool overlaps_part(const struct sched_site *site, const struct flurm_alloc *a,
                          const struct part *p)
{
    for (size_t h = 0; h < a->nhosts; h++) {
        ssize_t i = sched_site_node_find(site, a->hosts[h].name);

        if (i >= 0 && p->member[i])
            return true;
    }
    return false;
}

/* Record the preemptions use[] chose for job and reserve the nodes of a
 * (its placement once they are gone) for it from now on: no job after it
 * in the queue may take them.  -1 on ENOMEM. */
static int commit_preemption(struct pass *ps, const struct sched_job *job, const size_t *cand,
                             const bool *use, size_t n, const struct flurm_alloc *a)
{
    struct sched_result *res = ps->res;
    unsigned char *nodes = calloc(ps->site->nnodes ? ps->site->nnodes : 1, 1);

    if (!nodes || grow((void **)&ps->resv, &ps->resvcap, ps->nresv, sizeof(*ps->resv)) < 0)
        goto error;
    for (size_t k = 0; k < n; k++) {
        struct victim *v = &ps->victims[cand[k]];

        if (!use[k])
            continue;
        if (grow((void **)&res->preempts, &ps->preemptcap, res->npreempts,
                 sizeof(*res->preempts)) < 0)
            goto error;
        res->preempts[res->npreempts++] =
            (struct sched_preempt){v->hold->job_id, job->job_id, v->requeue};
        v->taken = true;
    }
    for (size_t h = 0; h < a->nhosts; h++) {
        ssize_t i = sched_site_node_find(ps->site, a->hosts[h].name);

        if (i >= 0)
            nodes[i] = 1;
    }
    ps->resv[ps->nresv++] = (struct resv){ps->now, nodes};
    return 0;
error:
    free(nodes);
    return -1;
}

/* Several jobs chosen where one alone, no higher in the preemption order
 * than the highest of them, would do (one large job against many small
 * ones): that one instead.  use[0..*n) in, use[0..ncand) and *n out.
 * -1 on ENOMEM. */
static int fewer_victims(struct pass *ps, const struct sel_request *r, const unsigned char *req,
                         const size_t *cand, bool *use, size_t ncand, size_t *n)
{
    uint32_t highest = 0;
    size_t chosen = 0;
    bool *one;
    int ok = 0;

    for (size_t k = 0; k < *n; k++) {
        if (use[k]) {
            chosen++;
            highest = ps->victims[cand[k]].order;
        }
    }
    if (chosen < 2)
        return 0;
    if (!(one = calloc(ncand, sizeof(*one))))
        return -1;
    for (size_t k = 0; k < ncand && ps->victims[cand[k]].order <= highest; k++) {
        one[k] = true;
        if ((ok = fits_without(ps, r, req, cand, one, ncand, NULL)) < 0)
            break;
        if (ok) {
            memcpy(use, one, ncand * sizeof(*use));
            *n = ncand;
            break;
        }
        one[k] = false;
    }
    free(one);
    return ok < 0 ? -1 : 0;
}

/* A job that cannot start for lack of resources: stop running jobs of
 * lower PriorityTier partitions to make room (select_nodes with
 * preemptee candidates, cons_tres's _run_now, then _preempt_jobs).
 * Candidates are the running jobs of partitions of a lower tier whose
 * PreemptMode lets them go, past PreemptExemptTime, on the job's
 * partition's nodes.  They are freed in preemption order until the job
 * fits, then each one it also fits without is spared again, the highest
 * first, and one job that is enough alone replaces several: the fewest
 * and lowest jobs.  Nothing is preempted when what
 * completing jobs free is enough (their preemption may be under way).
 * 1 when it preempts, 0 when not, -1 on ENOMEM. */
static int try_preempt(struct pass *ps, const struct sched_job *job, const struct part *p,
                       const unsigned char *req, const unsigned char *exc)
{
    struct sched_result *res = ps->res;
    struct flurm_alloc *a = NULL;
    struct sel_request r;
    size_t *cand = NULL, ncand = 0, need = 0;
    bool *use = NULL;
    int rc = -1, ok = 0;

    if (!ps->nvictims || (job->state & JOB_COMPLETING))
        return 0;
    job_request(job, &r);
    backfill_nodes(ps, job, p, exc, job_end(job, p, ps->now));
    if (!(cand = calloc(ps->nvictims, sizeof(*cand))) ||
        !(use = calloc(ps->nvictims, sizeof(*use))))
        goto out;
    for (size_t k = 0; k < ps->nvictims; k++) {
        const struct victim *v = &ps->victims[k];
        int64_t exempt_until;

        if (v->taken || v->part->tier >= p->tier || !overlaps_part(ps->site, v->hold->alloc, p))
            continue;
        exempt_until = ps->site->preempt_exempt >= 0 ? v->start_time + ps->site->preempt_exempt
                                                     : INT64_MIN;
        if (exempt_until > ps->now) {
            /* acct_policy_is_job_preempt_exempt: decide again when it ends */
            if (!res->next_wakeup || exempt_until < res->next_wakeup)
                res->next_wakeup = exempt_until;
            continue;
        }
        cand[ncand++] = k;
    }
    /* nobody to preempt, or enough once completing jobs are gone */
    if (!ncand || (ok = fits_without(ps, &r, req, cand, use, 0, NULL)) != 0) {
        rc = ok < 0 ? -1 : 0;
        goto out;
    }
    qsort_r(cand, ncand, sizeof(*cand), cmp_victims, ps->victims);
    for (size_t k = 0; k < ncand && !need; k++) {
        use[k] = true;
        if ((ok = fits_without(ps, &r, req, cand, use, ncand, NULL)) < 0)
            goto out;
        if (ok)
            need = k + 1;
    }
    if (!need) {
        rc = 0;
        goto out;
    }
    /* the last one freed is needed (it did not fit before); the others
     * are spared where they can be, and freeing less never makes room, so
     * every one kept is needed */
    for (size_t k = need - 1; k-- > 0;) {
        use[k] = false;
        if ((ok = fits_without(ps, &r, req, cand, use, need, NULL)) < 0)
            goto out;
        if (!ok)
            use[k] = true;
    }
    if ((ok = fewer_victims(ps, &r, req, cand, use, ncand, &need)) < 0 ||
        (ok = fits_without(ps, &r, req, cand, use, need, &a)) <= 0) {
        rc = ok < 0 ? -1 : 0; /* it fitted with these a moment ago */
        goto out;
    }
    rc = commit_preemption(ps, job, cand, use, need, a) < 0 ? -1 : 1;
out:
    flurm_alloc_destroy(a);
    free(cand);
    free(use);
    return rc;
}

/* schedule()'s walk down the queue for one job record.  -1 on ENOMEM. */
static int walk_one(struct pass *ps, const struct queued *q, struct sched_decision *d)
{
    const struct sched_site *site = ps->site;
    const struct sched_job *job = &ps->jobs[q->job];
    const struct part *p = q->part;
    bool bad = false, fail_by_part = false;
    unsigned char *req = node_map(site, job->req_nodes, &bad);
    unsigned char *exc = node_map(site, job->exc_nodes, &bad);
    struct sched_decision scratch = {0};
    uint32_t usable = 0, started = 0;
    int rc = -1, ok;
    char *desc;

    if (bad)
        goto out;
    if (array_throttled(ps, job)) {
        set_reason(d, SCHED_WAIT_ARRAY_TASK_LIMIT, NULL);
        rc = 0;
        goto out;
    }
    /* main scheduler and backfill in one: a job starts when it fits what
     * is free now without delaying a reserved job; a meta record starts
     * as many tasks as fit */
    for (;;) {
        if ((ok = try_start(ps, job, p, req, exc, d)) < 0)
            goto out;
        if (!ok)
            break;
        started++;
        if (!job->array_meta || started >= job->array_pending || array_throttled(ps, job)) {
            rc = 0;
            goto out;
        }
    }
    if (started) {
        /* the tasks left wait as a blocked job would; their reason is the
         * next pass's */
        d = &scratch;
    }
    if (ps->failed[p - site->parts]) {
        /* the standing reason, where schedule() retains it */
        rc = standing_reason(ps, job, p, req, exc, d);
        goto out;
    }
    if (req) {
        if (standing_reason(ps, job, p, req, exc, d) < 0)
            goto out;
        if (d->reason == SCHED_WAIT_NODE_NOT_AVAIL && !subset(req, ps->work, site->nnodes)) {
            rc = 0;
            goto out;
        }
    }
    for (size_t i = 0; i < site->nnodes; i++)
        usable += p->member[i] && ps->work[i];
    if (job->min_nodes != FLURM_NO_VAL && job->min_nodes > usable) {
        if (!(desc = strdup(SCHED_DESC_NODES_DOWN)))
            goto out;
        set_reason(d, SCHED_WAIT_RESOURCES, desc);
        fail_partition(ps, p);
        rc = 0;
        goto out;
    }
    if ((ok = could_run(ps, job, p, ON_WORK, req, exc)) < 0)
        goto out;
    if (ok) {
        /* ESLURM_NODES_BUSY: nothing lower may take this partition's
         * nodes, unless it ends before this job could start */
        set_reason(d, SCHED_WAIT_RESOURCES, NULL);
        fail_by_part = true;
        if ((ok = try_preempt(ps, job, p, req, exc)) < 0 ||
            (!ok && reserve(ps, job, p, req, exc, d) < 0))
            goto out;
    } else if ((ok = could_run(ps, job, p, ON_ALL, req, exc)) < 0) {
        goto out;
    } else if (ok) {
        if (!(desc = unavailable_desc(site, p, ps->work, ps->future, req)))
            goto out;
        set_reason(d, SCHED_WAIT_NODE_NOT_AVAIL, desc);
    } else {
        set_reason(d, SCHED_FAIL_BAD_CONSTRAINTS, NULL);
    }
    /* a job bound to its required nodes blocks only those */
    if (req) {
        uint32_t nreq = 0;

        for (size_t i = 0; i < site->nnodes; i++)
            nreq += req[i];
        if (nreq >= job->min_nodes) {
            fail_by_part = false;
            memo_forget(&ps->could_run, ON_WORK);
            for (size_t i = 0; i < site->nnodes; i++) {
                if (req[i])
                    ps->work[i] = 0;
            }
        }
    }
    if (fail_by_part)
        fail_partition(ps, p);
    rc = 0;
out:
    free(scratch.desc);
    free(req);
    free(exc);
    return rc;
}

void sched_result_destroy(struct sched_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->n; i++) {
        free(res->d[i].desc);
        free(res->d[i].dependency);
    }
    for (size_t i = 0; i < res->nstarts; i++)
        flurm_alloc_destroy(res->starts[i].alloc);
    free(res->starts);
    free(res->timeouts);
    free(res->preempts);
    free(res->d);
    free(res);
}

/* The queue as build_job_queue makes it: nothing for a job that is
 * dependent, waiting for its begin time or blocked by every partition it
 * names (its reason says why), else a record per partition whose limits it
 * meets, with its priority there.  Returns how many records were added at
 * q, or -1 on ENOMEM. */
static int enqueue(const struct sched_site *site, const struct jobs_index *ix,
                   const struct sched_job *job, int64_t now, struct sched_decision *d,
                   size_t dec, struct sched_result *res, struct queued **q, size_t *nq,
                   size_t *cap)
{
    enum dep_result dep;
    const char *name = job->partition;
    bool any = false;
    int added = 0;

    if (dependency_eval(ix, job, now, &dep, &d->dependency) < 0)
        return -1;

    if (dep == DEP_WAIT) {
        d->reason = SCHED_WAIT_DEPENDENCY;
        return 0;
    }
    if (dep == DEP_FAILED) {
        d->reason = SCHED_WAIT_DEP_INVALID;
        return 0;
    }
    if (job->eligible_time > now) {
        d->reason = SCHED_WAIT_TIME;
        if (!res->next_wakeup || job->eligible_time < res->next_wakeup)
            res->next_wakeup = job->eligible_time;
        return 0;
    }
    while (name && *name) {
        size_t len = strcspn(name, ",");
        const struct part *p = part_find(site, name, len);
        uint32_t r;

        name += len;
        if (*name)
            name++;
        if (!p)
            continue;
        any = true;
        if ((r = limits_reason(site, job, p)) != SCHED_WAIT_NO_REASON) {
            d->reason = r;
            continue;
        }
        if (*nq == *cap) {
            size_t bigger = *cap ? *cap * 2 : 64;
            struct queued *v = realloc(*q, bigger * sizeof(*v));

            if (!v)
                return -1;
            *q = v;
            *cap = bigger;
        }
        (*q)[(*nq)++] = (struct queued){(size_t)(job - ix->jobs), dec, p,
                                        sched_priority(site, job, p->name, NULL)};
        added++;
    }
    if (!any)
        d->reason = SCHED_WAIT_PART_CONFIG;
    return added;
}

struct sched_result *sched_pass(const struct sched_site *site, const struct sched_job *jobs,
                                size_t njobs, const struct sched_hold *holds, size_t nholds,
                                const uint32_t *node_state, int64_t now)
{
    struct sched_result *res = calloc(1, sizeof(*res));
    struct jobs_index ix = {jobs, njobs, NULL};
    struct pass ps;
    struct queued *queue = NULL;
    uint32_t *held_ids = NULL;
    size_t nqueue = 0, qcap = 0, nn = site->nnodes ? site->nnodes : 1;

    memset(&ps, 0, sizeof(ps));
    ps.site = site;
    ps.jobs = jobs;
    ps.now = now;
    ps.res = res;
    if (!res || !(ix.by_id = calloc(njobs ? njobs : 1, sizeof(*ix.by_id))) ||
        !(res->d = calloc(njobs ? njobs : 1, sizeof(*res->d))) || !(ps.avail = calloc(nn, 1)) ||
        !(ps.future = calloc(nn, 1)) || !(ps.work = calloc(nn, 1)) ||
        !(ps.allowed = calloc(nn, 1)) ||
        !(ps.failed = calloc(site->nparts ? site->nparts : 1, sizeof(*ps.failed))) ||
        !(ps.standing_desc = calloc(site->nparts ? site->nparts : 1, sizeof(char *))) ||
        !(ps.pool = sel_pool_copy(site->empty)) || !(ps.what_if = sel_pool_copy(site->empty)) ||
        !(held_ids = calloc(nholds ? nholds : 1, sizeof(*held_ids))) ||
        !(res->timeouts = calloc(nholds ? nholds : 1, sizeof(*res->timeouts))))
        goto nomem;
    for (size_t i = 0; i < site->nnodes; i++) {
        ps.avail[i] = ps.work[i] = node_available(node_state[i]);
        ps.future[i] = (node_state[i] & NODE_BASE) == NODE_FUTURE;
    }
    /* what running and completing jobs hold, until when; who ran out of
     * time; how many tasks of each array run */
    for (size_t k = 0; k < nholds; k++) {
        const struct sched_hold *h = &holds[k];
        uint32_t base = h->state & JOB_STATE_BASE;
        bool running = base == JOB_RUNNING && !(h->state & JOB_COMPLETING);

        held_ids[k] = h->job_id;
        sel_pool_hold(ps.pool, h->alloc);
        if (add_release(&ps, hold_end(h, now), h->alloc) < 0)
            goto nomem;
        if (h->array_job_id && (base == JOB_RUNNING || base == JOB_SUSPENDED) &&
            !(h->state & JOB_COMPLETING) && array_count(&ps, h->array_job_id) < 0)
            goto nomem;
        if (running && h->end_time > 0 && h->end_time <= now)
            res->timeouts[res->ntimeouts++] = h->job_id;
        else if (running && h->end_time > now &&
                 (!res->next_wakeup || h->end_time < res->next_wakeup))
            res->next_wakeup = h->end_time;
    }
    qsort(held_ids, nholds, sizeof(*held_ids), cmp_u32);
    qsort(res->timeouts, res->ntimeouts, sizeof(*res->timeouts), cmp_u32);
    ps.free_cpus = sel_pool_free_cpus(ps.pool, NULL);
    for (size_t i = 0; i < njobs; i++)
        ix.by_id[i] = &jobs[i];
    qsort(ix.by_id, njobs, sizeof(*ix.by_id), cmp_job_ptr);
    if (find_victims(&ps, &ix, holds, nholds) < 0)
        goto nomem;

    /* decisions in job id order, whatever the input order */
    for (size_t k = 0; k < njobs; k++) {
        const struct sched_job *job = ix.by_id[k];
        struct sched_decision *d = &res->d[res->n];

        if (!job_pending(job) || job->priority == 0)
            continue;
        /* the store's job.list and job.allocs were read apart: a job that
         * holds resources already started, whatever the list says */
        if (nholds && bsearch(&job->job_id, held_ids, nholds, sizeof(*held_ids), cmp_u32))
            continue;
        res->n++;
        d->job_id = job->job_id;
        d->priority = sched_priority(site, job, NULL, NULL);
        if (enqueue(site, &ix, job, now, d, res->n - 1, res, &queue, &nqueue, &qcap) < 0)
            goto nomem;
    }
    if (nqueue)
        qsort_r(queue, nqueue, sizeof(*queue), cmp_queued, (void *)jobs);
    for (size_t i = 0; i < nqueue; i++) {
        struct sched_decision *d = &res->d[queue[i].dec];

        /* a job placed through one of its partitions is done with */
        if (d->would_start)
            continue;
        /* schedule() gives the job the priority of the record it looks at:
         * a job of several partitions ends with its last one's */
        d->priority = queue[i].priority;
        if (walk_one(&ps, &queue[i], d) < 0)
            goto nomem;
    }
    goto out;
nomem:
    sched_result_destroy(res);
    res = NULL;
    errno = ENOMEM;
out:
    free(held_ids);
    free(ix.by_id);
    free(queue);
    free(ps.avail);
    free(ps.future);
    free(ps.work);
    free(ps.allowed);
    free(ps.failed);
    for (size_t i = 0; ps.standing_desc && i < site->nparts; i++)
        free(ps.standing_desc[i]);
    free(ps.standing_desc);
    sel_pool_destroy(ps.pool);
    sel_pool_destroy(ps.what_if);
    free(ps.rel);
    for (size_t i = 0; i < ps.nresv; i++)
        free(ps.resv[i].nodes);
    free(ps.resv);
    free(ps.arrays);
    free(ps.victims);
    free(ps.completing);
    free(ps.no_fit.e);
    free(ps.could_run.e);
    return res;
}

/* ---- sprio ----------------------------------------------------------------- */

static bool u32_listed(const json_t *list, uint32_t v)
{
    size_t i;
    const json_t *item;

    json_array_foreach(list, i, item) {
        if (json_integer_value(json_object_get(item, "value")) == (json_int_t)v)
            return true;
    }
    return false;
}

/* Job independent and past its begin time: priority_p_get_priority_factors
 * lists jobs whose begin time is set and passed; FLURM's store leaves it
 * unset for jobs whose dependency the scheduler lifts, so the dependency
 * is tested here instead. */
static bool sprio_eligible(const struct sched_site *site, const struct jobs_index *ix,
                           const struct sched_job *job, int64_t now)
{
    if (!job_pending(job) || job->priority == 0)
        return false;
    if (site->flags & PF_ACCRUE_ALWAYS)
        return job->submit_time && job->submit_time <= now;
    return job->eligible_time <= now && dependency_state(ix, job, now) == DEP_NONE;
}

/* One priority_factors object for job in partition p (named pname). */
static int add_factors(const struct sched_site *site, const struct sched_job *job,
                       const struct part *p, const char *pname, json_t *list)
{
    struct flurm_priority_factors pf;
    struct sched_factors f;
    double tres[SCHED_TRES_COUNT];
    json_t *j;

    memset(&pf, 0, sizeof(pf));
    pf.job_id = job->job_id;
    pf.user_id = job->user_id;
    pf.partition = (char *)pname;
    if (job->direct_prio) {
        /* slurmctld sends only the administrator's value */
        pf.direct_prio = (double)job->priority;
    } else if (site->multifactor) {
        compute_factors(site, job, p, &f);
        pf.priority_age = f.age;
        pf.priority_assoc = f.assoc;
        pf.priority_fs = f.fs;
        pf.priority_js = f.js;
        pf.priority_part = f.part;
        pf.priority_qos = f.qos;
        pf.priority_site = f.site_factor;
        pf.nice = f.nice;
        if (site->tres_weighted) {
            memcpy(tres, f.tres, sizeof(tres));
            pf.priority_tres = tres;
            pf.priority_tres_cnt = SCHED_TRES_COUNT;
            pf.tres_cnt = SCHED_TRES_COUNT;
            pf.tres_names = (char **)tres_names;
            pf.tres_weights = (double *)site->weight_tres;
        }
    }
    j = flurm_record_to_json(&flurm_rec_priority_factors, &pf);
    if (!j || json_array_append_new(list, j) < 0)
        return -1;
    return 0;
}

json_t *sched_priority_factors(const struct sched_site *site, const struct sched_job *jobs,
                               size_t njobs, int64_t now, const json_t *msg, uid_t uid)
{
    const json_t *job_ids = json_object_get(msg, "job_ids");
    const json_t *uids = json_object_get(msg, "uids");
    const char *parts = json_string_value(json_object_get(msg, "partitions"));
    bool operator = uid == 0 || uid == site->slurm_user;
    struct jobs_index ix = {jobs, njobs, NULL};
    json_t *list = json_array(), *reply = NULL;

    if (!list || !(ix.by_id = calloc(njobs ? njobs : 1, sizeof(*ix.by_id))))
        goto out;
    for (size_t i = 0; i < njobs; i++)
        ix.by_id[i] = &jobs[i];
    qsort(ix.by_id, njobs, sizeof(*ix.by_id), cmp_job_ptr);
    /* priority/basic has no factors: an empty list */
    for (size_t k = 0; site->multifactor && k < njobs; k++) {
        const struct sched_job *job = ix.by_id[k];
        const char *name;

        if (!sprio_eligible(site, &ix, job, now))
            continue;
        if (site->private_jobs && job->user_id != uid && !operator)
            continue;
        if (json_is_array(job_ids) && !u32_listed(job_ids, job->job_id))
            continue;
        if (json_is_array(uids) && !u32_listed(uids, job->user_id))
            continue;
        /* a row per partition of the job, in its order */
        for (name = job->partition; name && *name;) {
            size_t len = strcspn(name, ",");
            const struct part *p = part_find(site, name, len);

            if (p && (!parts || word_in_list(parts, p->name)) &&
                add_factors(site, job, p, p->name, list) < 0)
                goto out;
            name += len;
            if (*name)
                name++;
        }
    }
    /* slurmctld sends no list at all (count NO_VAL) when nothing matches */
    reply = json_pack("{s:O}", "factors",
                      site->multifactor && !json_array_size(list) ? json_null() : list);
out:
    free(ix.by_id);
    json_decref(list);
    if (!reply)
        errno = ENOMEM;
    return reply;
}

/* ---- sshare ---------------------------------------------------------------- */

json_t *sched_share_info(const struct sched_site *site)
{
    struct flurm_shares_msg sm;
    json_t *j;

    (void)site;
    memset(&sm, 0, sizeof(sm));
    if (!(j = flurm_record_to_json(&flurm_rec_shares_msg, &sm)))
        errno = ENOMEM;
    return j;
}
