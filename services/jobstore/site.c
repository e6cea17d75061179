/*
 * site.c - the job store's snapshot of slurm.conf (see site.h).
 *
 * Everything is copied out of the parsed configuration, so the parser can be
 * freed and the snapshot handed to the state machine as plain data.
 */
#include "services/jobstore/site.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/slurmconf.h"

struct site_part_priv {
    struct site_partition pub;
    char *name;
    size_t *nodes;
    unsigned char *member; /* one byte per site node */
};

struct site_node_priv {
    struct site_node pub;
    char *name;
    char *features;
};

struct site {
    char *cluster_name;
    uid_t slurm_user;
    uint32_t first_job_id;
    uint32_t max_job_id;
    uint32_t max_job_count;
    uint32_t max_array_size;
    bool private_jobs;
    enum site_enforce enforce;
    uint64_t def_mem_per_cpu;
    uint64_t def_mem_per_node;
    uint16_t job_requeue;
    uint32_t cred_expire;
    size_t nnodes;
    struct site_node_priv *nodes;
    size_t nparts;
    struct site_part_priv *parts;
    ssize_t default_part;
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

/* A comma list (PrivateData) holds word, case-insensitively. */
static bool list_has(const char *list, const char *word)
{
    size_t n = strlen(word);
    const char *p = list;

    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if (len == n && strncasecmp(p, word, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

static int parse_enforce(const char *text, enum site_enforce *out)
{
    if (!text || !strcasecmp(text, "NO") || !strcmp(text, "0"))
        *out = SITE_ENFORCE_NO;
    else if (!strcasecmp(text, "YES") || !strcasecmp(text, "ANY") || !strcmp(text, "1"))
        *out = SITE_ENFORCE_ANY;
    else if (!strcasecmp(text, "ALL"))
        *out = SITE_ENFORCE_ALL;
    else
        return -1;
    return 0;
}

static int copy_nodes(struct site *site, const struct flurm_slurmconf *c)
{
    site->nnodes = flurm_slurmconf_node_count(c);
    if (!(site->nodes = calloc(site->nnodes ? site->nnodes : 1, sizeof(*site->nodes))))
        return -1;
    for (size_t i = 0; i < site->nnodes; i++) {
        const struct flurm_slurmconf_node *n = flurm_slurmconf_node(c, i);
        struct site_node_priv *sn = &site->nodes[i];

        if (!(sn->name = strdup(n->name)))
            return -1;
        if (n->features && *n->features && !(sn->features = strdup(n->features)))
            return -1;
        sn->pub.name = sn->name;
        sn->pub.cpus = n->cpus;
        sn->pub.real_memory = n->real_memory;
        sn->pub.tmp_disk = n->tmp_disk;
        sn->pub.sockets = n->sockets;
        sn->pub.cores_per_socket = n->cores_per_socket;
        sn->pub.threads_per_core = n->threads_per_core;
        sn->pub.features = sn->features;
    }
    return 0;
}

static int copy_partition(struct site *site, struct site_part_priv *sp,
                          const struct flurm_slurmconf_partition *p)
{
    struct site_partition *pub = &sp->pub;

    if (!(sp->name = strdup(p->name)) ||
        !(sp->nodes = calloc(p->nnodes ? p->nnodes : 1, sizeof(*sp->nodes))) ||
        !(sp->member = calloc(site->nnodes ? site->nnodes : 1, 1)))
        return -1;
    pub->name = sp->name;
    pub->is_default = p->is_default;
    pub->hidden = p->hidden;
    pub->root_only = p->root_only;
    pub->state = (enum site_part_state)p->state;
    pub->max_time = p->max_time;
    pub->default_time = p->default_time;
    pub->max_nodes = p->max_nodes;
    pub->min_nodes = p->min_nodes;
    pub->max_cpus_per_node = p->max_cpus_per_node;
    pub->max_share = p->max_share;
    pub->def_mem_per_cpu = p->def_mem_per_cpu;
    pub->def_mem_per_node = p->def_mem_per_node;
    for (size_t k = 0; k < p->nnodes; k++) {
        size_t i = p->node_index[k];
        const struct site_node *n = &site->nodes[i].pub;

        sp->nodes[k] = i;
        sp->member[i] = 1;
        pub->total_nodes++;
        pub->total_cpus += n->cpus;
        if (n->cpus > pub->max_node_cpus)
            pub->max_node_cpus = n->cpus;
        if (n->real_memory > pub->max_node_memory)
            pub->max_node_memory = n->real_memory;
    }
    pub->nnodes = p->nnodes;
    pub->node_index = sp->nodes;
    return 0;
}

struct site *site_create(const struct flurm_slurmconf *c, char *err, size_t errlen)
{
    struct site *site;
    const char *text;
    const struct flurm_slurmconf_partition *def;

    if (!(site = calloc(1, sizeof(*site))))
        return NULL;
    site->default_part = -1;
    if (!(site->cluster_name = strdup(flurm_slurmconf_cluster_name(c))))
        goto nomem;
    site->slurm_user = flurm_slurmconf_slurm_user(c, NULL);
    site->first_job_id = (uint32_t)flurm_slurmconf_number(c, "FirstJobId");
    site->max_job_id = (uint32_t)flurm_slurmconf_number(c, "MaxJobId");
    site->max_job_count = (uint32_t)flurm_slurmconf_number(c, "MaxJobCount");
    site->max_array_size = (uint32_t)flurm_slurmconf_number(c, "MaxArraySize");
    site->def_mem_per_cpu = flurm_slurmconf_number(c, "DefMemPerCPU");
    site->def_mem_per_node = flurm_slurmconf_number(c, "DefMemPerNode");
    site->job_requeue = (uint16_t)flurm_slurmconf_number(c, "JobRequeue");
    /* SLURM's own defaults, should the parser not know a key. */
    if (!site->first_job_id)
        site->first_job_id = 1;
    if (!site->max_job_id)
        site->max_job_id = 0x03ff0000;
    if (!site->max_job_count)
        site->max_job_count = 10000;
    if (!flurm_slurmconf_get(c, "MaxArraySize") && !site->max_array_size)
        site->max_array_size = 1001;
    if (!flurm_slurmconf_get(c, "JobRequeue"))
        site->job_requeue = 1;
    /* slurm_cred.c: AuthInfo=cred_expire=N, below 5 ignored, default 120. */
    site->cred_expire = 120;
    const char *expire = flurm_slurmconf_auth_info(c, "cred_expire");
    if (expire && atoi(expire) >= 5)
        site->cred_expire = (uint32_t)atoi(expire);
    if (site->first_job_id > site->max_job_id) {
        set_err(err, errlen, "FirstJobId (%u) is above MaxJobId (%u)", site->first_job_id,
                site->max_job_id);
        errno = EINVAL;
        goto error;
    }
    text = flurm_slurmconf_get(c, "PrivateData");
    site->private_jobs = text && list_has(text, "jobs");
    text = flurm_slurmconf_get(c, "EnforcePartLimits");
    if (parse_enforce(text, &site->enforce) < 0) {
        set_err(err, errlen, "EnforcePartLimits=%s is not NO, YES, ANY or ALL", text);
        errno = EINVAL;
        goto error;
    }
    if (copy_nodes(site, c) < 0)
        goto nomem;
    site->nparts = flurm_slurmconf_partition_count(c);
    if (!(site->parts = calloc(site->nparts ? site->nparts : 1, sizeof(*site->parts))))
        goto nomem;
    def = flurm_slurmconf_default_partition(c);
    for (size_t i = 0; i < site->nparts; i++) {
        const struct flurm_slurmconf_partition *p = flurm_slurmconf_partition(c, i);

        if (copy_partition(site, &site->parts[i], p) < 0)
            goto nomem;
        if (p == def)
            site->default_part = (ssize_t)i;
    }
    return site;
nomem:
    set_err(err, errlen, "out of memory");
    errno = ENOMEM;
error:
    site_destroy(site);
    return NULL;
}

struct site *site_load(const char *path, char *err, size_t errlen)
{
    struct flurm_slurmconf *c;
    struct site *site;
    int saved;

    if (!(c = flurm_slurmconf_load(path, err, errlen)))
        return NULL;
    site = site_create(c, err, errlen);
    saved = errno;
    flurm_slurmconf_destroy(c);
    errno = saved;
    return site;
}

void site_destroy(struct site *site)
{
    if (!site)
        return;
    for (size_t i = 0; site->nodes && i < site->nnodes; i++) {
        free(site->nodes[i].name);
        free(site->nodes[i].features);
    }
    for (size_t i = 0; site->parts && i < site->nparts; i++) {
        free(site->parts[i].name);
        free(site->parts[i].nodes);
        free(site->parts[i].member);
    }
    free(site->nodes);
    free(site->parts);
    free(site->cluster_name);
    free(site);
}

const char *site_cluster_name(const struct site *site)
{
    return site->cluster_name;
}

uid_t site_slurm_user(const struct site *site)
{
    return site->slurm_user;
}

uint32_t site_first_job_id(const struct site *site)
{
    return site->first_job_id;
}

uint32_t site_max_job_id(const struct site *site)
{
    return site->max_job_id;
}

uint32_t site_max_job_count(const struct site *site)
{
    return site->max_job_count;
}

uint32_t site_max_array_size(const struct site *site)
{
    return site->max_array_size;
}

bool site_private_jobs(const struct site *site)
{
    return site->private_jobs;
}

enum site_enforce site_enforce_part_limits(const struct site *site)
{
    return site->enforce;
}

uint64_t site_def_mem_per_cpu(const struct site *site)
{
    return site->def_mem_per_cpu;
}

uint64_t site_def_mem_per_node(const struct site *site)
{
    return site->def_mem_per_node;
}

uint16_t site_job_requeue(const struct site *site)
{
    return site->job_requeue;
}

uint32_t site_cred_expire(const struct site *site)
{
    return site->cred_expire;
}

bool site_is_admin(const struct site *site, uid_t uid)
{
    return uid == 0 || uid == site->slurm_user;
}

size_t site_node_count(const struct site *site)
{
    return site->nnodes;
}

const struct site_node *site_node(const struct site *site, size_t i)
{
    return i < site->nnodes ? &site->nodes[i].pub : NULL;
}

ssize_t site_node_find(const struct site *site, const char *name)
{
    for (size_t i = 0; i < site->nnodes; i++) {
        if (strcmp(site->nodes[i].name, name) == 0)
            return (ssize_t)i;
    }
    return -1;
}

bool site_node_has_feature(const struct site_node *n, const char *feature)
{
    size_t want = strlen(feature);

    for (const char *p = n->features; p && *p;) {
        size_t len = strcspn(p, ",");

        if (len == want && strncmp(p, feature, len) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

bool site_feature_exists(const struct site *site, const char *feature)
{
    for (size_t i = 0; i < site->nnodes; i++) {
        if (site_node_has_feature(&site->nodes[i].pub, feature))
            return true;
    }
    return false;
}

size_t site_partition_count(const struct site *site)
{
    return site->nparts;
}

const struct site_partition *site_partition(const struct site *site, size_t i)
{
    return i < site->nparts ? &site->parts[i].pub : NULL;
}

const struct site_partition *site_partition_find(const struct site *site, const char *name)
{
    for (size_t i = 0; name && i < site->nparts; i++) {
        if (strcmp(site->parts[i].name, name) == 0)
            return &site->parts[i].pub;
    }
    return NULL;
}

const struct site_partition *site_default_partition(const struct site *site)
{
    return site->default_part >= 0 ? &site->parts[site->default_part].pub : NULL;
}

bool site_partition_has_node(const struct site_partition *p, size_t i)
{
    const struct site_part_priv *sp = (const struct site_part_priv *)p;

    return sp->member[i] != 0;
}
