/*
 * nodes.c - the node and partition tables and their state machine (see
 * nodes.h).  The rules follow slurmctld 22.05 as observed against the real
 * daemon (docs/nodemgr.md lists what was checked and how); the code is
 * FLURM's own.
 */
#include "services/nodemgr/nodes.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/hostlist.h"
#include "common/log.h"
#include "wire/rec_info.h"
#include "wire/rec_job.h"
#include "wire/rec_slurmd.h"

#define NO_VAL 0xfffffffeu
#define NO_VAL64 0xfffffffffffffffeull
#define INFINITE 0xffffffffu

/* slurmd start-up failures a registration reports (slurm_errno.h). */
#define ESLURMD_SETUP_ENVIRONMENT_ERROR 4014
#define ESLURMD_PROLOG_FAILED 4022

/* The share of the configured RealMemory a node must report
 * (validate_node_specs' defaults). */
#define REG_MEM_PERCENT 100.0
#define REG_MEM_PERCENT_CLOUD 90.0
/* Every node is asked to register again about every this many ping rounds
 * (slurmctld's MAX_REG_FREQUENCY). */
#define MAX_REG_FREQUENCY 20

#define REASON_REBOOTED "Node unexpectedly rebooted"

/* PART_FLAG_* of the partition record. */
#define PART_FLAG_DEFAULT 0x0001u
#define PART_FLAG_HIDDEN 0x0002u
#define PART_FLAG_NO_ROOT 0x0004u
#define PART_FLAG_ROOT_ONLY 0x0008u
#define PART_FLAG_REQ_RESV 0x0010u
#define PART_FLAG_LLN 0x0020u
#define PART_FLAG_EXCLUSIVE_USER 0x0040u

struct node {
    char *name;
    char *hostname;
    char *addr;
    char *bcast_addr;
    uint16_t port;
    uint32_t state;
    uint32_t next_state;
    char *version;
    char *arch;
    char *os;
    uint16_t cpus;
    uint16_t boards;
    uint16_t sockets;
    uint16_t cores;
    uint16_t threads;
    uint64_t real_memory;
    uint32_t tmp_disk;
    uint32_t owner;
    uint16_t core_spec_cnt;
    uint16_t cpus_efctv;
    uint64_t mem_spec_limit;
    char *cpu_spec_list;
    uint32_t cpu_load;
    uint64_t free_mem;
    time_t load_time; /* when cpu_load / free_mem were last reported */
    uint32_t weight;
    char *reason;
    uint32_t reason_uid;
    time_t reason_time;
    time_t boot_time;
    time_t last_busy;
    time_t slurmd_start_time;
    time_t last_response; /* 0: never heard of, and never expected to be */
    bool reported;        /* slurmd registered since start: `hw` holds its report */
    struct nodes_hardware hw;
    uint16_t alloc_cpus;
    uint64_t alloc_memory;
    char *features;
    char *features_act;
    char *gres;
    char *comment;
    char *extra;
    char *tres_fmt_str;
    size_t npart;
    size_t *part; /* partitions holding the node, partition-table positions */
};

struct part {
    /* The record as every reply carries it: partitions do not change
     * after start, so it is built once. */
    json_t *record;
    char *name;
    bool hidden;
    char **allow_groups; /* NULL: everyone */
};

struct nodes {
    struct node *node;
    size_t nnodes;
    struct part *part;
    size_t nparts;
    time_t last_node_update;
    time_t last_part_update;
    uid_t slurm_user;
    uint32_t slurmd_timeout;
    uint16_t return_to_service;
    double reg_mem_percent; /* SlurmctldParameters=node_reg_mem_percent=, -1 unset */
    bool config_overrides;  /* SlurmdParameters=config_overrides: no hardware checks */
    bool private_nodes;
    bool private_partitions;
    bool private_cloud;
    char *gres_used_idle; /* GresUsed of a node that uses nothing */
    time_t last_ping_time;
    uint32_t last_ping_timeout;
    uint32_t tree_width; /* nodes asked to register per periodic turn */
    size_t reg_offset;   /* the periodic turn: nodes [offset, offset + tree_width) */
    json_t *blank; /* the record sent for a slot the caller may not see */
    nodes_group_fn in_group;
    void *group_arg;
};

/* ---- small helpers --------------------------------------------------------- */

static int dup_opt(char **dst, const char *src)
{
    *dst = NULL;
    if (src && !(*dst = strdup(src)))
        return -1;
    return 0;
}

/* Replace *dst by a copy of src ("" and NULL clear it). */
static int set_str(char **dst, const char *src)
{
    char *copy = NULL;

    if (src && src[0] && !(copy = strdup(src)))
        return -1;
    free(*dst);
    *dst = copy;
    return 0;
}

static bool same_str(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Natural order as slurmctld sorts its node table: runs of digits compare
 * by value ("n9" < "n10"); a run starting with '0' compares digit by digit
 * from the left, like a decimal fraction. */
static int natural_compare(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *ea = a, *eb = b;

            while (isdigit((unsigned char)*ea))
                ea++;
            while (isdigit((unsigned char)*eb))
                eb++;
            if (*a == '0' || *b == '0') {
                while (a < ea && b < eb) {
                    if (*a != *b)
                        return *a < *b ? -1 : 1;
                    a++;
                    b++;
                }
                if (a < ea || b < eb)
                    return a < ea ? 1 : -1;
            } else {
                if (ea - a != eb - b)
                    return ea - a < eb - b ? -1 : 1;
                for (; a < ea; a++, b++)
                    if (*a != *b)
                        return *a < *b ? -1 : 1;
            }
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    if (*a || *b)
        return *a ? 1 : -1;
    return 0;
}

/* Memory as SLURM's TRES strings print it: in the largest unit that keeps
 * the value exact ("8000M", "8G", "1T"). */
static void format_mem(uint64_t mb, char *buf, size_t len)
{
    static const char units[] = "MGTPE";
    size_t u = 0;

    while (mb >= 1024 && mb % 1024 == 0 && u + 1 < sizeof(units) - 1) {
        mb /= 1024;
        u++;
    }
    snprintf(buf, len, "%" PRIu64 "%c", mb, units[u]);
}

static bool is_operator(const struct nodes *n, uid_t uid)
{
    return uid == 0 || uid == n->slurm_user;
}

/* A comma-separated list as a NULL-terminated array (NULL for NULL). */
static char **split_list(const char *text)
{
    char **list = NULL, *copy = NULL, *tok, *save = NULL;
    size_t count = 0;

    if (!text)
        return NULL;
    if (!(copy = strdup(text)))
        goto error;
    if (!(list = calloc(strlen(text) + 2, sizeof(*list))))
        goto error;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (!(list[count++] = strdup(tok)))
            goto error;
    free(copy);
    return list;
error:
    for (size_t i = 0; list && i < count; i++)
        free(list[i]);
    free(list);
    free(copy);
    errno = ENOMEM;
    return NULL;
}

static void free_list(char **list)
{
    for (size_t i = 0; list && list[i]; i++)
        free(list[i]);
    free(list);
}

/* Does the comma-separated `list` hold `word` (case-insensitive)? */
static bool list_has(const char *list, const char *word)
{
    size_t wl = strlen(word);

    while (list && *list) {
        const char *end = strchr(list, ',');
        size_t l = end ? (size_t)(end - list) : strlen(list);

        if (l == wl && strncasecmp(list, word, wl) == 0)
            return true;
        list = end ? end + 1 : NULL;
    }
    return false;
}

/* node_reg_mem_percent= of SlurmctldParameters, or -1 when it is not set
 * (or not a number). */
static double reg_mem_percent(const char *params)
{
    static const char key[] = "node_reg_mem_percent=";
    const char *p = params ? strcasestr(params, key) : NULL;
    char *end;
    double v;

    if (!p)
        return -1;
    v = strtod(p + strlen(key), &end);
    return end == p + strlen(key) ? -1 : v;
}

const char *nodes_state_text(uint32_t state, char *buf, size_t len)
{
    static const char *const base[] = {"UNKNOWN", "DOWN", "IDLE", "ALLOCATED",
                                       "ERROR", "MIXED", "FUTURE"};
    static const struct {
        uint32_t flag;
        const char *name;
    } flags[] = {
        {NODES_STATE_CLOUD, "CLOUD"},
        {NODES_STATE_COMPLETING, "COMPLETING"},
        {NODES_STATE_DRAIN, "DRAIN"},
        {NODES_STATE_FAIL, "FAIL"},
        {NODES_STATE_MAINT, "MAINTENANCE"},
        {NODES_STATE_NO_RESPOND, "NOT_RESPONDING"},
        {NODES_STATE_POWERED_DOWN, "POWERED_DOWN"},
        {NODES_STATE_POWERING_DOWN, "POWERING_DOWN"},
        {NODES_STATE_POWERING_UP, "POWERING_UP"},
        {NODES_STATE_REBOOT_REQUESTED, "REBOOT_REQUESTED"},
        {NODES_STATE_REBOOT_ISSUED, "REBOOT_ISSUED"},
        {NODES_STATE_INVALID_REG, "INVALID_REG"},
    };
    uint32_t b = state & NODES_STATE_BASE;
    size_t used;

    if (!len)
        return buf;
    used = (size_t)snprintf(buf, len, "%s", b < sizeof(base) / sizeof(base[0]) ? base[b] : "?");
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]) && used < len; i++)
        if (state & flags[i].flag)
            used += (size_t)snprintf(buf + used, len - used, "+%s", flags[i].name);
    return buf;
}

/* The inverse for the durable part: base state and DRAIN / FAIL.  -1 and
 * EINVAL for a word it does not know. */
static int parse_admin_state(const char *text, uint32_t *state)
{
    static const char *const base[] = {"UNKNOWN", "DOWN", "IDLE", "ALLOCATED",
                                       "ERROR", "MIXED", "FUTURE"};
    char *copy, *tok, *save = NULL;
    uint32_t st = 0;
    bool first = true;

    if (!(copy = strdup(text)))
        return -1;
    for (tok = strtok_r(copy, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
        if (first) {
            size_t b;

            for (b = 0; b < sizeof(base) / sizeof(base[0]); b++)
                if (strcasecmp(tok, base[b]) == 0)
                    break;
            if (b == sizeof(base) / sizeof(base[0]))
                goto error;
            st = (uint32_t)b;
            first = false;
        } else if (strcasecmp(tok, "DRAIN") == 0) {
            st |= NODES_STATE_DRAIN;
        } else if (strcasecmp(tok, "FAIL") == 0) {
            st |= NODES_STATE_FAIL;
        }
        /* other flags are runtime facts, not admin state: ignored */
    }
    if (first)
        goto error;
    free(copy);
    *state = st;
    return 0;
error:
    free(copy);
    errno = EINVAL;
    return -1;
}

/* ---- building the tables ----------------------------------------------------- */

static void node_free(struct node *nd)
{
    free(nd->name);
    free(nd->hostname);
    free(nd->addr);
    free(nd->bcast_addr);
    free(nd->version);
    free(nd->arch);
    free(nd->os);
    free(nd->cpu_spec_list);
    free(nd->reason);
    free(nd->features);
    free(nd->features_act);
    free(nd->gres);
    free(nd->comment);
    free(nd->extra);
    free(nd->tres_fmt_str);
    free(nd->part);
}

static uint32_t config_state(enum flurm_slurmconf_node_state s)
{
    switch (s) {
    case FLURM_SLURMCONF_NODE_DOWN:
        return NODES_STATE_DOWN;
    case FLURM_SLURMCONF_NODE_IDLE:
        return NODES_STATE_IDLE;
    case FLURM_SLURMCONF_NODE_ALLOCATED:
        return NODES_STATE_ALLOCATED;
    case FLURM_SLURMCONF_NODE_ERROR:
        return NODES_STATE_ERROR;
    case FLURM_SLURMCONF_NODE_MIXED:
        return NODES_STATE_MIXED;
    case FLURM_SLURMCONF_NODE_FUTURE:
        return NODES_STATE_FUTURE;
    case FLURM_SLURMCONF_NODE_CLOUD:
        return NODES_STATE_IDLE | NODES_STATE_CLOUD | NODES_STATE_POWERED_DOWN;
    case FLURM_SLURMCONF_NODE_DRAIN:
        return NODES_STATE_UNKNOWN | NODES_STATE_DRAIN;
    case FLURM_SLURMCONF_NODE_FAIL:
        return NODES_STATE_IDLE | NODES_STATE_FAIL;
    case FLURM_SLURMCONF_NODE_UNKNOWN:
    default:
        return NODES_STATE_UNKNOWN;
    }
}

/* Specialized cores as slurmctld counts them: CoreSpecCount, or the cores
 * behind the CPUs of CpuSpecList (CPU ids are core * threads + thread when
 * threads are schedulable). */
static uint16_t spec_cores(const struct flurm_slurmconf_node *cn, uint16_t tpc)
{
    uint32_t total_cores = (uint32_t)cn->sockets * cn->cores_per_socket;
    uint8_t *seen;
    uint16_t count = 0;
    const char *p = cn->cpu_spec_list;

    if (!p)
        return cn->core_spec_count;
    if (!total_cores || !(seen = calloc(total_cores, 1)))
        return 0;
    while (*p) {
        char *end;
        unsigned long lo = strtoul(p, &end, 10), hi = lo;

        if (end == p)
            break;
        if (*end == '-')
            hi = strtoul(end + 1, &end, 10);
        for (unsigned long c = lo; c <= hi && c < (unsigned long)cn->cpus; c++) {
            unsigned long core = c / (tpc ? tpc : 1);

            if (core < total_cores && !seen[core]) {
                seen[core] = 1;
                count++;
            }
        }
        p = *end == ',' ? end + 1 : end + strlen(end);
    }
    free(seen);
    return count;
}

static int node_from_config(struct node *nd, const struct flurm_slurmconf_node *cn)
{
    char mem[32], tres[96];
    uint32_t total_cores = (uint32_t)cn->sockets * cn->cores_per_socket;
    uint16_t tpc = total_cores >= cn->cpus ? 1 : cn->threads_per_core;

    if (dup_opt(&nd->name, cn->name) < 0 || dup_opt(&nd->hostname, cn->hostname) < 0 ||
        dup_opt(&nd->addr, cn->addr) < 0 || dup_opt(&nd->bcast_addr, cn->bcast_addr) < 0 ||
        dup_opt(&nd->cpu_spec_list, cn->cpu_spec_list) < 0 ||
        dup_opt(&nd->features, cn->features) < 0 ||
        dup_opt(&nd->features_act, cn->features) < 0 || dup_opt(&nd->gres, cn->gres) < 0 ||
        dup_opt(&nd->reason, cn->reason) < 0)
        return -1;
    nd->port = cn->port;
    nd->state = config_state(cn->state);
    nd->next_state = NO_VAL;
    nd->cpus = cn->cpus;
    nd->boards = cn->boards;
    nd->sockets = cn->sockets;
    nd->cores = cn->cores_per_socket;
    nd->threads = cn->threads_per_core;
    nd->real_memory = cn->real_memory;
    nd->tmp_disk = cn->tmp_disk;
    nd->owner = NO_VAL;
    nd->core_spec_cnt = spec_cores(cn, tpc);
    nd->cpus_efctv = (uint16_t)(nd->cpus - nd->core_spec_cnt * tpc);
    nd->mem_spec_limit = cn->mem_spec_limit;
    nd->cpu_load = NO_VAL;
    nd->free_mem = NO_VAL64;
    nd->weight = cn->weight;
    /* A reason from slurm.conf carries neither a time nor a user. */
    nd->reason_uid = 0;
    format_mem(nd->real_memory, mem, sizeof(mem));
    snprintf(tres, sizeof(tres), "cpu=%u,mem=%s,billing=%u", nd->cpus, mem, nd->cpus);
    if (!(nd->tres_fmt_str = strdup(tres)))
        return -1;
    return 0;
}

/* The record of a slot the caller may not see: what slurmctld packs for
 * its zeroed blank node. */
static json_t *blank_record(void)
{
    struct flurm_node_info ni;

    memset(&ni, 0, sizeof(ni));
    ni.select_nodeinfo.plugin_id = FLURM_SELECT_PLUGIN_CONS_TRES;
    ni.power_cap_watts = NO_VAL;
    return flurm_record_to_json(&flurm_rec_node_info, &ni);
}

static uint16_t part_flags(const struct flurm_slurmconf_partition *cp, bool disable_root_jobs)
{
    uint16_t flags = 0;
    bool no_root = cp->disable_root_jobs < 0 ? disable_root_jobs : cp->disable_root_jobs > 0;

    if (cp->is_default)
        flags |= PART_FLAG_DEFAULT;
    if (cp->hidden)
        flags |= PART_FLAG_HIDDEN;
    if (no_root)
        flags |= PART_FLAG_NO_ROOT;
    if (cp->root_only)
        flags |= PART_FLAG_ROOT_ONLY;
    if (cp->req_resv)
        flags |= PART_FLAG_REQ_RESV;
    if (cp->lln)
        flags |= PART_FLAG_LLN;
    if (cp->exclusive_user)
        flags |= PART_FLAG_EXCLUSIVE_USER;
    return flags;
}

/* Build partition p's record.  member[i] says whether table node i is in
 * it. */
static int part_build(struct nodes *n, struct part *p, const struct flurm_slurmconf_partition *cp,
                      const bool *member, bool disable_root_jobs)
{
    struct flurm_partition_info pi;
    struct flurm_hostlist *hl = NULL;
    uint64_t mem = 0;
    char memtext[32], tres[160];
    int rc = -1;

    memset(&pi, 0, sizeof(pi));
    if (!(hl = flurm_hostlist_create()) || flurm_bitstr_init(&pi.node_inx, (uint32_t)n->nnodes) < 0)
        goto out;
    for (size_t i = 0; i < n->nnodes; i++) {
        if (!member[i])
            continue;
        if (flurm_hostlist_push_host(hl, n->node[i].name) < 0 ||
            flurm_bitstr_set(&pi.node_inx, (uint32_t)i) < 0)
            goto out;
        pi.total_nodes++;
        pi.total_cpus += n->node[i].cpus;
        mem += n->node[i].real_memory;
    }
    if (pi.total_nodes) {
        if (flurm_hostlist_sort(hl) < 0 || !(pi.nodes = flurm_hostlist_ranged_string(hl)))
            goto out;
        format_mem(mem, memtext, sizeof(memtext));
        snprintf(tres, sizeof(tres), "cpu=%u,mem=%s,node=%u,billing=%u", pi.total_cpus, memtext,
                 pi.total_nodes, pi.total_cpus);
        if (!(pi.tres_fmt_str = strdup(tres)))
            goto out;
    }
    if (dup_opt(&pi.name, cp->name) < 0 || dup_opt(&pi.allow_accounts, cp->allow_accounts) < 0 ||
        dup_opt(&pi.allow_groups, cp->allow_groups) < 0 ||
        dup_opt(&pi.allow_alloc_nodes, cp->alloc_nodes) < 0 ||
        dup_opt(&pi.allow_qos, cp->allow_qos) < 0 || dup_opt(&pi.qos_char, cp->qos) < 0 ||
        dup_opt(&pi.alternate, cp->alternate) < 0 ||
        dup_opt(&pi.deny_accounts, cp->deny_accounts) < 0 ||
        dup_opt(&pi.deny_qos, cp->deny_qos) < 0 ||
        dup_opt(&pi.billing_weights_str, cp->tres_billing_weights) < 0)
        goto out;
    pi.grace_time = cp->grace_time;
    pi.max_time = cp->max_time;
    pi.default_time = cp->default_time;
    pi.max_nodes = cp->max_nodes;
    pi.min_nodes = cp->min_nodes;
    /* DefMemPerNode / MaxMemPerNode travel in the per-CPU fields with
     * SLURM's MEM_PER_CPU bit clear; per CPU sets the bit. */
    if (cp->def_mem_per_cpu)
        pi.def_mem_per_cpu = cp->def_mem_per_cpu | 0x8000000000000000ull;
    else
        pi.def_mem_per_cpu = cp->def_mem_per_node;
    if (cp->max_mem_per_cpu)
        pi.max_mem_per_cpu = cp->max_mem_per_cpu | 0x8000000000000000ull;
    else
        pi.max_mem_per_cpu = cp->max_mem_per_node;
    pi.max_cpus_per_node = cp->max_cpus_per_node;
    pi.max_cpus_per_socket = INFINITE;
    pi.flags = part_flags(cp, disable_root_jobs);
    pi.max_share = cp->max_share;
    pi.over_time_limit = cp->over_time_limit;
    pi.preempt_mode = cp->preempt_mode;
    pi.priority_job_factor = cp->priority_job_factor;
    pi.priority_tier = cp->priority_tier;
    pi.state_up = (uint16_t)cp->state;
    pi.resume_timeout = cp->resume_timeout;
    pi.suspend_timeout = cp->suspend_timeout;
    pi.suspend_time = cp->suspend_time;
    if (!(p->record = flurm_record_to_json(&flurm_rec_partition_info, &pi)))
        goto out;
    if (dup_opt(&p->name, cp->name) < 0)
        goto out;
    p->hidden = cp->hidden;
    errno = 0;
    p->allow_groups = split_list(cp->allow_groups);
    if (cp->allow_groups && !p->allow_groups)
        goto out;
    rc = 0;
out:
    flurm_record_free(&flurm_rec_partition_info, &pi);
    flurm_hostlist_destroy(hl);
    if (rc < 0 && !errno)
        errno = ENOMEM;
    return rc;
}

struct sort_item {
    const char *name;
    size_t conf_index;
};

static int sort_item_compare(const void *a, const void *b)
{
    return natural_compare(((const struct sort_item *)a)->name,
                           ((const struct sort_item *)b)->name);
}

/* GresUsed of an idle node: every GresTypes name with nothing used. */
static int build_gres_used(struct nodes *n, const struct flurm_slurmconf *conf)
{
    const char *types = flurm_slurmconf_get(conf, "GresTypes");
    char *out, *copy, *tok, *save = NULL;
    size_t len = 0;

    if (!types || !types[0])
        return 0;
    if (!(copy = strdup(types)))
        return -1;
    if (!(out = calloc(1, strlen(types) * 3 + 2))) {
        free(copy);
        return -1;
    }
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        len += (size_t)sprintf(out + len, "%s%s:0", len ? "," : "", tok);
    free(copy);
    n->gres_used_idle = out;
    return 0;
}

struct nodes *nodes_create(const struct flurm_slurmconf *conf, time_t now)
{
    struct nodes *n = NULL;
    struct sort_item *order = NULL;
    size_t *conf_to_table = NULL;
    bool *member = NULL;
    const char *priv;
    bool disable_root_jobs;
    uint64_t timeout;

    if (!conf) {
        errno = EINVAL;
        return NULL;
    }
    if (!(n = calloc(1, sizeof(*n))))
        return NULL;
    n->nnodes = flurm_slurmconf_node_count(conf);
    n->nparts = flurm_slurmconf_partition_count(conf);
    if (!n->nnodes) {
        errno = EINVAL;
        goto error;
    }
    n->last_node_update = now;
    n->last_part_update = now;
    n->slurm_user = flurm_slurmconf_slurm_user(conf, NULL);
    timeout = flurm_slurmconf_number(conf, "SlurmdTimeout");
    n->slurmd_timeout = timeout > UINT16_MAX ? UINT16_MAX : (uint32_t)timeout;
    n->return_to_service = (uint16_t)flurm_slurmconf_number(conf, "ReturnToService");
    n->tree_width = (uint32_t)flurm_slurmconf_number(conf, "TreeWidth");
    if (n->tree_width == 0)
        n->tree_width = 1;
    n->reg_mem_percent = reg_mem_percent(flurm_slurmconf_get(conf, "SlurmctldParameters"));
    n->config_overrides = list_has(flurm_slurmconf_get(conf, "SlurmdParameters"),
                                   "config_overrides");
    priv = flurm_slurmconf_get(conf, "PrivateData");
    n->private_nodes = list_has(priv, "nodes");
    n->private_partitions = list_has(priv, "partitions");
    n->private_cloud = list_has(priv, "cloud");
    disable_root_jobs = flurm_slurmconf_bool(conf, "DisableRootJobs");
    if (build_gres_used(n, conf) < 0)
        goto error;

    if (!(n->node = calloc(n->nnodes, sizeof(*n->node))) ||
        !(order = calloc(n->nnodes, sizeof(*order))) ||
        !(conf_to_table = calloc(n->nnodes, sizeof(*conf_to_table))) ||
        !(member = calloc(n->nnodes, sizeof(*member))) ||
        (n->nparts && !(n->part = calloc(n->nparts, sizeof(*n->part)))))
        goto error;
    for (size_t i = 0; i < n->nnodes; i++) {
        order[i].name = flurm_slurmconf_node(conf, i)->name;
        order[i].conf_index = i;
    }
    qsort(order, n->nnodes, sizeof(*order), sort_item_compare);
    for (size_t t = 0; t < n->nnodes; t++) {
        const struct flurm_slurmconf_node *cn = flurm_slurmconf_node(conf, order[t].conf_index);
        struct node *nd = &n->node[t];

        conf_to_table[order[t].conf_index] = t;
        if (node_from_config(nd, cn) < 0)
            goto error;
        if (cn->npartitions && !(nd->part = calloc(cn->npartitions, sizeof(*nd->part))))
            goto error;
        nd->npart = cn->npartitions;
        if (nd->npart)
            memcpy(nd->part, cn->partitions, nd->npart * sizeof(*nd->part));
    }
    for (size_t p = 0; p < n->nparts; p++) {
        const struct flurm_slurmconf_partition *cp = flurm_slurmconf_partition(conf, p);

        memset(member, 0, n->nnodes * sizeof(*member));
        for (size_t k = 0; k < cp->nnodes; k++)
            member[conf_to_table[cp->node_index[k]]] = true;
        if (part_build(n, &n->part[p], cp, member, disable_root_jobs) < 0)
            goto error;
    }
    if (!(n->blank = blank_record()))
        goto error;
    free(order);
    free(conf_to_table);
    free(member);
    return n;
error:
    free(order);
    free(conf_to_table);
    free(member);
    nodes_destroy(n);
    if (!errno)
        errno = ENOMEM;
    return NULL;
}

void nodes_destroy(struct nodes *n)
{
    if (!n)
        return;
    for (size_t i = 0; n->node && i < n->nnodes; i++)
        node_free(&n->node[i]);
    for (size_t p = 0; n->part && p < n->nparts; p++) {
        json_decref(n->part[p].record);
        free(n->part[p].name);
        free_list(n->part[p].allow_groups);
    }
    free(n->node);
    free(n->part);
    free(n->gres_used_idle);
    json_decref(n->blank);
    free(n);
}

void nodes_set_group_fn(struct nodes *n, nodes_group_fn fn, void *arg)
{
    n->in_group = fn;
    n->group_arg = arg;
}

/* ---- accessors ------------------------------------------------------------- */

size_t nodes_count(const struct nodes *n)
{
    return n->nnodes;
}

size_t nodes_partition_count(const struct nodes *n)
{
    return n->nparts;
}

ssize_t nodes_find(const struct nodes *n, const char *name)
{
    size_t lo = 0, hi = n->nnodes;

    /* The table is sorted; natural_compare is a total order on it. */
    while (name && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = natural_compare(name, n->node[mid].name);

        if (c == 0) {
            if (strcmp(name, n->node[mid].name) == 0)
                return (ssize_t)mid;
            break;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    /* Names equal in natural order but spelled differently ("n01" and
     * "n1" do not collide, but be safe): fall back to a scan. */
    for (size_t i = 0; name && i < n->nnodes; i++)
        if (strcmp(name, n->node[i].name) == 0)
            return (ssize_t)i;
    errno = ENOENT;
    return -1;
}

const char *nodes_name(const struct nodes *n, size_t i)
{
    return n->node[i].name;
}

uint32_t nodes_state(const struct nodes *n, size_t i)
{
    return n->node[i].state;
}

const char *nodes_reason(const struct nodes *n, size_t i)
{
    return n->node[i].reason;
}

uint32_t nodes_reason_uid(const struct nodes *n, size_t i)
{
    return n->node[i].reason_uid;
}

time_t nodes_reason_time(const struct nodes *n, size_t i)
{
    return n->node[i].reason_time;
}

time_t nodes_last_node_update(const struct nodes *n)
{
    return n->last_node_update;
}

time_t nodes_last_part_update(const struct nodes *n)
{
    return n->last_part_update;
}

uid_t nodes_slurm_user(const struct nodes *n)
{
    return n->slurm_user;
}

/* ---- information requests ------------------------------------------------------ */

/* Read {last_update, show_flags} (both optional).  -1 and EINVAL if msg is
 * not an object or a field has the wrong type. */
static int read_info_request(const json_t *msg, json_int_t *last_update, uint16_t *show_flags)
{
    const json_t *lu, *sf;

    *last_update = 0;
    *show_flags = 0;
    if (!msg)
        return 0;
    if (!json_is_object(msg))
        goto error;
    lu = json_object_get(msg, "last_update");
    sf = json_object_get(msg, "show_flags");
    if ((lu && !json_is_integer(lu)) || (sf && !json_is_integer(sf)))
        goto error;
    if (lu)
        *last_update = json_integer_value(lu);
    if (sf)
        *show_flags = (uint16_t)json_integer_value(sf);
    return 0;
error:
    errno = EINVAL;
    return -1;
}

/* Partitions `uid` may see without SHOW_ALL: visible[p]. */
static void visible_parts(const struct nodes *n, uid_t uid, bool *visible)
{
    for (size_t p = 0; p < n->nparts; p++) {
        const struct part *pt = &n->part[p];

        visible[p] = !pt->hidden;
        if (visible[p] && pt->allow_groups) {
            visible[p] = false;
            for (size_t g = 0; pt->allow_groups[g] && !visible[p]; g++)
                visible[p] = n->in_group && n->in_group(uid, pt->allow_groups[g], n->group_arg);
        }
    }
}

/* slurmctld's rule for sending a node as a blank slot. */
static bool node_hidden(const struct nodes *n, const struct node *nd, uint16_t show_flags,
                        bool privileged, const bool *visible, bool by_name)
{
    if (!(show_flags & NODES_SHOW_ALL) && !privileged && nd->npart) {
        bool seen = false;

        for (size_t k = 0; k < nd->npart && !seen; k++)
            seen = visible[nd->part[k]];
        if (!seen)
            return true;
    }
    if ((nd->state & NODES_STATE_BASE) == NODES_STATE_FUTURE && !(show_flags & NODES_SHOW_FUTURE))
        return true;
    /* A powered-down cloud node is shown when asked for by name. */
    if (!by_name && !n->private_cloud && (nd->state & NODES_STATE_CLOUD) &&
        (nd->state & NODES_STATE_POWERED_DOWN))
        return true;
    return false;
}

/* Fill ni (zeroed) with node nd as the reply shows it.  Strings are
 * copied: the caller frees with flurm_record_free(). */
static int node_info_fill(const struct nodes *n, const struct node *nd, uint16_t show_flags,
                          struct flurm_node_info *ni)
{
    if (dup_opt(&ni->name, nd->name) < 0 || dup_opt(&ni->node_hostname, nd->hostname) < 0 ||
        dup_opt(&ni->node_addr, nd->addr) < 0 || dup_opt(&ni->bcast_address, nd->bcast_addr) < 0 ||
        dup_opt(&ni->version, nd->version) < 0 || dup_opt(&ni->cpu_spec_list, nd->cpu_spec_list) < 0 ||
        dup_opt(&ni->arch, nd->arch) < 0 || dup_opt(&ni->features, nd->features) < 0 ||
        dup_opt(&ni->features_act, nd->features_act) < 0 || dup_opt(&ni->gres, nd->gres) < 0 ||
        dup_opt(&ni->os, nd->os) < 0 || dup_opt(&ni->comment, nd->comment) < 0 ||
        dup_opt(&ni->extra, nd->extra) < 0 || dup_opt(&ni->reason, nd->reason) < 0 ||
        dup_opt(&ni->tres_fmt_str, nd->tres_fmt_str) < 0)
        return -1;
    if (show_flags & NODES_SHOW_DETAIL) {
        if (dup_opt(&ni->gres_drain, "N/A") < 0 || dup_opt(&ni->gres_used, n->gres_used_idle) < 0)
            return -1;
    }
    ni->port = nd->port;
    ni->next_state = nd->next_state;
    ni->node_state = nd->state;
    ni->cpus = nd->cpus;
    ni->boards = nd->boards;
    ni->sockets = nd->sockets;
    ni->cores = nd->cores;
    ni->threads = nd->threads;
    ni->real_memory = nd->real_memory;
    ni->tmp_disk = nd->tmp_disk;
    ni->owner = nd->owner;
    ni->core_spec_cnt = nd->core_spec_cnt;
    ni->mem_spec_limit = nd->mem_spec_limit;
    ni->cpus_efctv = nd->cpus_efctv;
    ni->cpu_load = nd->cpu_load;
    ni->free_mem = nd->free_mem;
    ni->weight = nd->weight;
    ni->reason_uid = nd->reason_uid;
    ni->boot_time = nd->boot_time;
    ni->last_busy = nd->last_busy;
    ni->reason_time = nd->reason_time;
    ni->slurmd_start_time = nd->slurmd_start_time;
    ni->select_nodeinfo.plugin_id = FLURM_SELECT_PLUGIN_CONS_TRES;
    ni->select_nodeinfo.alloc_cpus = nd->alloc_cpus;
    ni->select_nodeinfo.alloc_memory = nd->alloc_memory;
    ni->ext_sensors.consumed_energy = NO_VAL64;
    ni->ext_sensors.temperature = NO_VAL;
    ni->power_cap_watts = NO_VAL;
    return 0;
}

static json_t *node_record(const struct nodes *n, const struct node *nd, uint16_t show_flags)
{
    struct flurm_node_info ni;
    json_t *j = NULL;

    memset(&ni, 0, sizeof(ni));
    if (node_info_fill(n, nd, show_flags, &ni) == 0)
        j = flurm_record_to_json(&flurm_rec_node_info, &ni);
    flurm_record_free(&flurm_rec_node_info, &ni);
    if (!j)
        errno = ENOMEM;
    return j;
}

/* {record_count, last_update, nodes} around `records` (taken). */
static json_t *info_msg(json_t *records, const char *key, time_t now)
{
    json_t *msg;

    if (!records)
        return NULL;
    msg = json_pack("{s:I, s:I, s:o}", "record_count", (json_int_t)json_array_size(records),
                    "last_update", (json_int_t)now, key, records);
    if (!msg)
        errno = ENOMEM;
    return msg;
}

int nodes_node_info(const struct nodes *n, uid_t uid, const json_t *msg, time_t now,
                    json_t **reply)
{
    json_int_t last_update;
    uint16_t show_flags;
    bool privileged = is_operator(n, uid);
    bool *visible = NULL;
    json_t *records = NULL;

    *reply = NULL;
    if (read_info_request(msg, &last_update, &show_flags) < 0)
        return -1;
    if (n->private_nodes && !privileged)
        return NODES_EACCESS_DENIED;
    if (last_update - 1 >= (json_int_t)n->last_node_update)
        return NODES_NO_CHANGE_IN_DATA;
    if (!(visible = calloc(n->nparts + 1, sizeof(*visible))) || !(records = json_array()))
        goto error;
    visible_parts(n, uid, visible);
    for (size_t i = 0; i < n->nnodes; i++) {
        const struct node *nd = &n->node[i];
        json_t *rec;

        if (node_hidden(n, nd, show_flags, privileged, visible, false))
            rec = json_incref(n->blank);
        else if (!(rec = node_record(n, nd, show_flags)))
            goto error;
        if (json_array_append_new(records, rec) < 0)
            goto error;
    }
    free(visible);
    if (!(*reply = info_msg(records, "nodes", now)))
        return -1;
    return 0;
error:
    free(visible);
    json_decref(records);
    errno = ENOMEM;
    return -1;
}

int nodes_node_info_single(const struct nodes *n, uid_t uid, const json_t *msg, time_t now,
                           json_t **reply)
{
    const json_t *jname, *jflags;
    const char *name = NULL;
    uint16_t show_flags = 0;
    bool privileged = is_operator(n, uid);
    bool *visible = NULL;
    json_t *records = NULL, *rec;
    ssize_t i;

    *reply = NULL;
    if (msg && !json_is_object(msg))
        goto einval;
    jname = json_object_get(msg, "node_name");
    jflags = json_object_get(msg, "show_flags");
    if ((jname && !json_is_string(jname) && !json_is_null(jname)) ||
        (jflags && !json_is_integer(jflags)))
        goto einval;
    name = json_string_value(jname);
    if (jflags)
        show_flags = (uint16_t)json_integer_value(jflags);
    if (n->private_nodes && !privileged)
        return NODES_EACCESS_DENIED;
    if (!(records = json_array()) || !(visible = calloc(n->nparts + 1, sizeof(*visible))))
        goto error;
    visible_parts(n, uid, visible);
    /* Without a name slurmctld answers with the first node. */
    i = name ? nodes_find(n, name) : 0;
    if (i >= 0 && !node_hidden(n, &n->node[i], show_flags, privileged, visible, true)) {
        if (!(rec = node_record(n, &n->node[i], show_flags)) ||
            json_array_append_new(records, rec) < 0)
            goto error;
    }
    free(visible);
    if (!(*reply = info_msg(records, "nodes", now)))
        return -1;
    return 0;
einval:
    errno = EINVAL;
    return -1;
error:
    free(visible);
    json_decref(records);
    errno = ENOMEM;
    return -1;
}

int nodes_partition_info(const struct nodes *n, uid_t uid, const json_t *msg, time_t now,
                         json_t **reply)
{
    json_int_t last_update;
    uint16_t show_flags;
    bool privileged = is_operator(n, uid);
    bool *visible = NULL;
    json_t *records = NULL;

    *reply = NULL;
    if (read_info_request(msg, &last_update, &show_flags) < 0)
        return -1;
    if (n->private_partitions && !privileged)
        return NODES_EACCESS_DENIED;
    if (last_update - 1 >= (json_int_t)n->last_part_update)
        return NODES_NO_CHANGE_IN_DATA;
    if (!(visible = calloc(n->nparts + 1, sizeof(*visible))) || !(records = json_array()))
        goto error;
    visible_parts(n, uid, visible);
    for (size_t p = 0; p < n->nparts; p++) {
        if (!(show_flags & NODES_SHOW_ALL) && !privileged && !visible[p])
            continue;
        if (json_array_append(records, n->part[p].record) < 0)
            goto error;
    }
    free(visible);
    if (!(*reply = info_msg(records, "partitions", now)))
        return -1;
    return 0;
error:
    free(visible);
    json_decref(records);
    errno = ENOMEM;
    return -1;
}

/* ---- state changes ------------------------------------------------------------- */

static void clear_reason(struct node *nd)
{
    free(nd->reason);
    nd->reason = NULL;
    nd->reason_time = 0;
    nd->reason_uid = NO_VAL;
}

static bool is_down(const struct node *nd)
{
    return (nd->state & NODES_STATE_BASE) == NODES_STATE_DOWN;
}

/* A node back in service keeps no reason (slurmctld clears it when it
 * tells accounting the node is up). */
static void node_up_clears_reason(struct node *nd)
{
    if (!is_down(nd) && !(nd->state & (NODES_STATE_DRAIN | NODES_STATE_FAIL)))
        clear_reason(nd);
}

/* DOWN keeping the flags; the owner is forgotten. */
static void make_down(struct node *nd)
{
    nd->state = NODES_STATE_DOWN | (nd->state & NODES_STATE_FLAGS);
    nd->owner = NO_VAL;
}

/* The node must register again before it is trusted: slurmctld flags it
 * NOT_RESPONDING and starts its SlurmdTimeout clock now. */
static void require_registration(struct node *nd, time_t now)
{
    nd->state |= NODES_STATE_NO_RESPOND;
    nd->last_response = now;
    nd->boot_time = 0;
}

/* slurmctld's table of admin transitions (_valid_node_state_change), for
 * the requests FLURM implements; power saving is never on. */
static bool valid_change(uint32_t old, uint32_t req)
{
    uint32_t base = old & NODES_STATE_BASE, flags = old & NODES_STATE_FLAGS;

    if (old == req)
        return true;
    switch (req) {
    case NODES_STATE_DOWN:
    case NODES_STATE_DRAIN:
    case NODES_STATE_FAIL:
    case NODES_STATE_NO_RESPOND:
        return true;
    case NODES_STATE_UNDRAIN:
        return !(flags & NODES_STATE_INVALID_REG);
    case NODES_RESUME:
        if (flags & NODES_STATE_POWERING_DOWN)
            return true;
        if (flags & NODES_STATE_INVALID_REG)
            return false;
        return base == NODES_STATE_DOWN || base == NODES_STATE_FUTURE ||
               (flags & (NODES_STATE_DRAIN | NODES_STATE_FAIL | NODES_STATE_REBOOT_REQUESTED));
    case NODES_STATE_REBOOT_CANCEL:
        return flags & NODES_STATE_REBOOT_REQUESTED;
    case NODES_STATE_FUTURE:
        return base == NODES_STATE_DOWN || base == NODES_STATE_IDLE;
    case NODES_STATE_IDLE:
        return !(flags & NODES_STATE_INVALID_REG) &&
               (base == NODES_STATE_DOWN || base == NODES_STATE_IDLE);
    case NODES_STATE_ALLOCATED:
        return base == NODES_STATE_ALLOCATED;
    default:
        return false;
    }
}

static bool equivalent_state(const struct node *nd, uint32_t req)
{
    if (req == NO_VAL)
        return true;
    if (req == NODES_STATE_DOWN && is_down(nd))
        return true;
    if (req == NODES_STATE_DRAIN && (nd->state & NODES_STATE_DRAIN))
        return true;
    if (req == NODES_STATE_FAIL && (nd->state & NODES_STATE_FAIL))
        return true;
    return false;
}

/* The state part of update_node for one node.  Returns 0 or a SLURM
 * error (the node may have changed anyway: slurmctld clears DRAIN before
 * it finds out that an UNKNOWN node has no state to return to). */
static int apply_state(struct node *nd, uint32_t req, time_t now)
{
    uint32_t base, flags;

    if (!valid_change(nd->state, req))
        return NODES_EINVALID_NODE_STATE;
    base = nd->state & NODES_STATE_BASE;
    flags = nd->state & NODES_STATE_FLAGS;
    if (req == NODES_RESUME) {
        nd->state &= ~(NODES_STATE_DRAIN | NODES_STATE_FAIL | NODES_STATE_REBOOT_REQUESTED |
                       NODES_STATE_REBOOT_ISSUED);
        if (base == NODES_STATE_DOWN || base == NODES_STATE_FUTURE) {
            req = NODES_STATE_IDLE;
            require_registration(nd, now);
        } else {
            if (flags & NODES_STATE_DRAIN)
                require_registration(nd, now);
            req = base;
        }
    } else if (req == NODES_STATE_UNDRAIN) {
        nd->state &= ~NODES_STATE_DRAIN;
        require_registration(nd, now);
        req = base;
    }

    if (req == NODES_STATE_DOWN || req == NODES_STATE_FUTURE) {
        make_down(nd);
        if (req == NODES_STATE_FUTURE)
            nd->state = NODES_STATE_FUTURE;
    } else if (req == NODES_STATE_IDLE) {
        nd->state &= ~(NODES_STATE_DRAIN | NODES_STATE_FAIL);
        nd->last_busy = (nd->state & NODES_STATE_POWERED_DOWN) ? 0 : now;
    } else if (req == NODES_STATE_ALLOCATED) {
        /* nothing: only ALLOCATED -> ALLOCATED gets here */
    } else if (req == NODES_STATE_DRAIN || req == NODES_STATE_FAIL) {
        nd->state &= ~(NODES_STATE_DRAIN | NODES_STATE_FAIL);
        nd->state |= req;
        req = nd->state;
    } else if (req == NODES_STATE_NO_RESPOND) {
        nd->state |= NODES_STATE_NO_RESPOND;
        req = base;
    } else {
        /* UNKNOWN, ERROR, MIXED as a target, REBOOT_CANCEL ...: slurmctld
         * has no branch for them and refuses, after the flag changes
         * above. */
        return NODES_EINVALID_NODE_STATE;
    }
    nd->state = req | (nd->state & NODES_STATE_FLAGS);
    if (!(nd->state & (NODES_STATE_REBOOT_REQUESTED | NODES_STATE_REBOOT_ISSUED)))
        nd->next_state = NO_VAL;
    return 0;
}

/* The fields of update_node that FLURM does not act on yet; any of them
 * set makes the whole request ESLURM_NOT_SUPPORTED rather than half done. */
static const char *unsupported_field(const json_t *msg)
{
    static const char *const strings[] = {"features", "features_act", "gres", "node_addr",
                                          "node_hostname", "instance_id", "instance_type"};
    const json_t *j;

    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        j = json_object_get(msg, strings[i]);
        if (j && !json_is_null(j))
            return strings[i];
    }
    j = json_object_get(msg, "weight");
    if (j && json_is_integer(j) && (uint32_t)json_integer_value(j) != NO_VAL)
        return "weight";
    j = json_object_get(msg, "cpu_bind");
    if (j && json_is_integer(j) && json_integer_value(j) != 0)
        return "cpu_bind";
    j = json_object_get(msg, "resume_after");
    if (j && json_is_integer(j) && json_integer_value(j) != 0 &&
        (uint32_t)json_integer_value(j) != NO_VAL)
        return "resume_after";
    return NULL;
}

/* Expand NodeName= as slurmctld does: "ALL" is every node, otherwise a
 * hostlist, sorted and without duplicates.  NULL (EINVAL) for a bad or
 * empty expression. */
static struct flurm_hostlist *expand_names(const struct nodes *n, const char *expr)
{
    struct flurm_hostlist *hl;

    if (strcasecmp(expr, "ALL") == 0) {
        if (!(hl = flurm_hostlist_create()))
            return NULL;
        for (size_t i = 0; i < n->nnodes; i++)
            if (flurm_hostlist_push_host(hl, n->node[i].name) < 0)
                goto error;
    } else if (!(hl = flurm_hostlist_parse(expr, NULL, 0))) {
        return NULL;
    }
    if (flurm_hostlist_uniq(hl) < 0)
        goto error;
    if (!flurm_hostlist_count(hl)) {
        errno = EINVAL;
        goto error;
    }
    return hl;
error:
    flurm_hostlist_destroy(hl);
    return NULL;
}

struct update_ctx {
    struct nodes *n;
    uid_t uid;
    time_t now;
    uint32_t req_state;
    const char *reason;
    const char *comment;
    const char *extra;
    int rc;
    size_t *changed;
    size_t nchanged;
    int oom;
};

static int note_changed(struct update_ctx *u, size_t i)
{
    size_t *grown;

    if (!(grown = realloc(u->changed, (u->nchanged + 1) * sizeof(*grown)))) {
        u->oom = 1;
        return -1;
    }
    u->changed = grown;
    u->changed[u->nchanged++] = i;
    return 0;
}

static int update_one(const char *name, void *arg)
{
    struct update_ctx *u = arg;
    struct node *nd, before;
    ssize_t i = nodes_find(u->n, name);
    int rc;

    if (i < 0) {
        flurm_info("update_node: node %s does not exist", name);
        u->rc = NODES_EINVALID_NODE_NAME;
        return -1; /* slurmctld stops at the first unknown node */
    }
    nd = &u->n->node[i];
    before = *nd;
    if (u->comment && set_str(&nd->comment, u->comment) < 0)
        goto oom;
    if (u->extra && set_str(&nd->extra, u->extra) < 0)
        goto oom;
    if (equivalent_state(nd, u->req_state) && same_str(nd->reason, u->reason))
        goto done;
    if (u->reason && u->reason[0]) {
        char *copy = strdup(u->reason);

        if (!copy)
            goto oom;
        free(nd->reason);
        nd->reason = copy;
        nd->reason_time = u->now;
        nd->reason_uid = (uint32_t)u->uid;
    }
    if (u->req_state != NO_VAL && (rc = apply_state(nd, u->req_state, u->now)) != 0)
        u->rc = rc;
    node_up_clears_reason(nd);
done:
    if (nd->state != before.state || nd->reason != before.reason ||
        nd->reason_time != before.reason_time || nd->reason_uid != before.reason_uid ||
        nd->comment != before.comment || nd->extra != before.extra) {
        if (note_changed(u, (size_t)i) < 0)
            return -1;
    }
    return 0;
oom:
    u->oom = 1;
    return -1;
}

/* An optional string member: absent and null read as NULL; another type
 * is -1. */
static int opt_string(const json_t *msg, const char *key, const char **out)
{
    const json_t *j = json_object_get(msg, key);

    *out = NULL;
    if (!j || json_is_null(j))
        return 0;
    if (!json_is_string(j))
        return -1;
    *out = json_string_value(j);
    return 0;
}

int nodes_update(struct nodes *n, uid_t uid, const json_t *msg, time_t now, size_t **changed,
                 size_t *nchanged)
{
    struct update_ctx u = {.n = n, .uid = uid, .now = now, .req_state = NO_VAL};
    struct flurm_hostlist *hl = NULL;
    const char *names, *field;
    const json_t *js;

    *changed = NULL;
    *nchanged = 0;
    if (!json_is_object(msg) || opt_string(msg, "node_names", &names) < 0 ||
        opt_string(msg, "reason", &u.reason) < 0 || opt_string(msg, "comment", &u.comment) < 0 ||
        opt_string(msg, "extra", &u.extra) < 0) {
        errno = EINVAL;
        return -1;
    }
    js = json_object_get(msg, "node_state");
    if (js && !json_is_null(js)) {
        if (!json_is_integer(js)) {
            errno = EINVAL;
            return -1;
        }
        u.req_state = (uint32_t)json_integer_value(js);
    }
    if (!is_operator(n, uid)) {
        flurm_err("Security violation, UPDATE_NODE RPC from uid=%u", (unsigned)uid);
        return NODES_EUSER_ID_MISSING;
    }
    errno = 0;
    if (!names || !(hl = expand_names(n, names))) {
        if (errno == ENOMEM)
            return -1;
        flurm_info("update_node: invalid node name %s", names ? names : "(null)");
        return NODES_EINVALID_NODE_NAME;
    }
    if ((field = unsupported_field(msg))) {
        flurm_info("update_node: %s cannot be changed by FLURM yet", field);
        flurm_hostlist_destroy(hl);
        return NODES_ENOT_SUPPORTED;
    }
    flurm_hostlist_foreach(hl, update_one, &u);
    flurm_hostlist_destroy(hl);
    /* slurmctld stamps the table even when nothing (or not all) changed. */
    n->last_node_update = now;
    *changed = u.changed;
    *nchanged = u.nchanged;
    if (u.oom) {
        errno = ENOMEM;
        return -1;
    }
    return u.rc;
}

/* ---- persistence and events -------------------------------------------------------- */

json_t *nodes_admin_record(const struct nodes *n, size_t i)
{
    const struct node *nd = &n->node[i];
    char text[64];
    uint32_t admin = nd->state & (NODES_STATE_BASE | NODES_STATE_DRAIN | NODES_STATE_FAIL);
    json_t *j;

    nodes_state_text(admin, text, sizeof(text));
    j = json_pack("{s:s, s:s, s:s?, s:I, s:I}", "name", nd->name, "state", text, "reason",
                  nd->reason, "reason_uid", (json_int_t)nd->reason_uid, "reason_time",
                  (json_int_t)nd->reason_time);
    if (!j)
        errno = ENOMEM;
    return j;
}

json_t *nodes_event_body(const struct nodes *n, size_t i)
{
    json_t *j = nodes_admin_record(n, i);

    if (j && json_object_set_new(j, "node_state", json_integer(n->node[i].state)) < 0) {
        json_decref(j);
        errno = ENOMEM;
        return NULL;
    }
    return j;
}

/* 0 applied, 1 skipped (unknown node or malformed), -1 ENOMEM. */
static int restore_one(struct nodes *n, const json_t *rec)
{
    const char *name = NULL, *state = NULL, *reason = NULL;
    json_int_t uid = NO_VAL, when = 0;
    json_t *jreason = NULL;
    uint32_t st, base;
    struct node *nd;
    ssize_t i;
    char *copy = NULL;

    if (json_unpack((json_t *)rec, "{s:s, s:s, s?o, s?I, s?I}", "name", &name, "state", &state,
                    "reason", &jreason, "reason_uid", &uid, "reason_time", &when) < 0)
        return 1;
    if (jreason && !json_is_null(jreason) && !(reason = json_string_value(jreason)))
        return 1;
    if ((i = nodes_find(n, name)) < 0 || parse_admin_state(state, &st) < 0)
        return 1;
    if (reason && !(copy = strdup(reason)))
        return -1;
    nd = &n->node[i];
    base = st & NODES_STATE_BASE;
    if (base != NODES_STATE_DOWN && base != NODES_STATE_FUTURE && base != NODES_STATE_IDLE)
        base = NODES_STATE_UNKNOWN;
    /* Cloud and power flags stay as configured; admin flags come from the
     * store. */
    nd->state = base | (nd->state & NODES_STATE_FLAGS & ~(NODES_STATE_DRAIN | NODES_STATE_FAIL)) |
                (st & (NODES_STATE_DRAIN | NODES_STATE_FAIL));
    free(nd->reason);
    nd->reason = copy;
    nd->reason_uid = (uint32_t)uid;
    nd->reason_time = (time_t)when;
    return 0;
}

int nodes_restore(struct nodes *n, const json_t *records, time_t now, size_t *skipped)
{
    size_t idx, bad = 0;
    json_t *rec;
    int applied = 0;

    if (skipped)
        *skipped = 0;
    if (!json_is_array(records)) {
        errno = EINVAL;
        return -1;
    }
    json_array_foreach(records, idx, rec)
    {
        int rc = restore_one(n, rec);

        if (rc < 0) {
            errno = ENOMEM;
            return -1;
        }
        if (rc > 0)
            bad++;
        else
            applied++;
    }
    if (applied)
        n->last_node_update = now;
    if (skipped)
        *skipped = bad;
    return applied;
}

/* ---- slurmd ------------------------------------------------------------------------- */

double nodes_ping_interval(const struct nodes *n)
{
    /* slurmctld divides in whole seconds and checks every second. */
    if (!n->slurmd_timeout)
        return 100.0;
    return n->slurmd_timeout >= 3 ? (double)(n->slurmd_timeout / 3) : 1.0;
}

static bool ping_exempt(const struct node *nd)
{
    return (nd->state & NODES_STATE_BASE) == NODES_STATE_FUTURE ||
           (nd->state & (NODES_STATE_POWERED_DOWN | NODES_STATE_POWERING_DOWN |
                         NODES_STATE_POWERING_UP | NODES_STATE_INVALID_REG |
                         NODES_STATE_REBOOT_ISSUED));
}

/* slurmctld's set_node_down_ptr for a silent node. */
static void down_not_responding(struct nodes *n, struct node *nd, time_t now)
{
    if (!nd->reason || strncmp(nd->reason, NODES_REASON_NOT_RESPONDING,
                               strlen(NODES_REASON_NOT_RESPONDING)) == 0) {
        char *copy = strdup(NODES_REASON_NOT_RESPONDING);

        /* Out of memory the node still goes DOWN, only without a reason. */
        free(nd->reason);
        nd->reason = copy;
        nd->reason_time = now;
        nd->reason_uid = (uint32_t)n->slurm_user;
    }
    make_down(nd);
    n->last_node_update = now;
    flurm_err("node %s not responding, setting DOWN", nd->name);
}

/* Move the periodic registration turn on by one round: TreeWidth nodes at
 * a time, starting over after MAX_REG_FREQUENCY rounds' worth, so that
 * every node re-registers about every 20 rounds. */
static void advance_reg_offset(struct nodes *n)
{
    n->reg_offset += n->tree_width;
    if (n->reg_offset > n->nnodes && n->reg_offset >= (size_t)n->tree_width * MAX_REG_FREQUENCY)
        n->reg_offset = 0;
}

size_t nodes_ping_round(struct nodes *n, time_t now,
                        void (*fn)(size_t i, enum nodes_contact how, void *arg), void *arg)
{
    /* A node is dead when its last answer is older than the window the
     * previous round allowed (so a slow round does not kill anyone). */
    time_t dead_before = n->last_ping_time && n->last_ping_timeout
                             ? n->last_ping_time - (time_t)n->last_ping_timeout
                             : 0;
    /* Nodes heard from within a third of SlurmdTimeout need no ping. */
    time_t still_live = now - (time_t)(n->slurmd_timeout / 3);
    time_t old_load = now - (time_t)n->slurmd_timeout;
    /* The first round after start contacts everyone, whatever the
     * timeout (slurmctld's restart_flag). */
    bool first_round = n->last_ping_time == 0;
    size_t changed = 0;

    n->last_ping_time = now;
    n->last_ping_timeout = n->slurmd_timeout;
    advance_reg_offset(n);
    for (size_t i = 0; i < n->nnodes; i++) {
        struct node *nd = &n->node[i];

        if (ping_exempt(nd))
            continue;
        if (n->slurmd_timeout == 0 && !first_round &&
            (nd->state & NODES_STATE_BASE) != NODES_STATE_UNKNOWN &&
            !(nd->state & NODES_STATE_NO_RESPOND))
            continue;
        if (nd->last_response && nd->last_response <= dead_before && !is_down(nd)) {
            down_not_responding(n, nd, now);
            changed++;
            continue;
        }
        if (nodes_wants_registration(n, i) ||
            (i >= n->reg_offset && i < n->reg_offset + n->tree_width)) {
            if (fn)
                fn(i, NODES_CONTACT_REGISTER, arg);
            continue;
        }
        if (!(nd->state & NODES_STATE_NO_RESPOND) && nd->last_response >= still_live &&
            nd->load_time >= old_load)
            continue;
        /* slurmctld stops pinging silent DOWN nodes (a dead node would
         * slow every round); the periodic registration request finds
         * them again. */
        if ((nd->state & NODES_STATE_NO_RESPOND) && is_down(nd))
            continue;
        if (fn)
            fn(i, NODES_CONTACT_PING, arg);
    }
    return changed;
}

int nodes_ping_failed(struct nodes *n, size_t i, time_t sent, bool slurmd_replied, time_t now)
{
    struct node *nd = &n->node[i];

    if (slurmd_replied && sent - 1 > nd->last_response)
        nd->last_response = sent - 1;
    if (nd->state & (NODES_STATE_NO_RESPOND | NODES_STATE_POWERING_DOWN |
                     NODES_STATE_POWERED_DOWN))
        return 0;
    if (nd->last_response >= sent) {
        flurm_debug("node %s responded since the request was sent", nd->name);
        return 0;
    }
    flurm_info("node %s not responding", nd->name);
    nd->state |= NODES_STATE_NO_RESPOND;
    n->last_node_update = now;
    return 1;
}

int nodes_ping_answered(struct nodes *n, size_t i, uint32_t cpu_load, uint64_t free_mem,
                        time_t now)
{
    struct node *nd = &n->node[i];
    uint32_t before = nd->state, base = nd->state & NODES_STATE_BASE;

    if (base == NODES_STATE_FUTURE)
        return 0;
    if (now > nd->last_response)
        nd->last_response = now;
    if (cpu_load != NO_VAL) {
        nd->cpu_load = cpu_load;
        nd->load_time = now;
    }
    if (free_mem != NO_VAL64) {
        nd->free_mem = free_mem;
        nd->load_time = now;
    }
    if (nd->state & (NODES_STATE_NO_RESPOND | NODES_STATE_POWERING_UP)) {
        flurm_info("node %s now responding", nd->name);
        nd->state &= ~(NODES_STATE_NO_RESPOND | NODES_STATE_POWERING_UP | NODES_STATE_MAINT);
    }
    if (base == NODES_STATE_UNKNOWN) {
        nd->state = (nd->alloc_cpus ? NODES_STATE_ALLOCATED : NODES_STATE_IDLE) |
                    (nd->state & NODES_STATE_FLAGS);
        nd->last_busy = now;
        node_up_clears_reason(nd);
    }
    if (is_down(nd) && !(nd->state & NODES_STATE_INVALID_REG) &&
        (n->return_to_service == 2 ||
         (n->return_to_service == 1 && same_str(nd->reason, NODES_REASON_NOT_RESPONDING)))) {
        nd->state = NODES_STATE_IDLE | (nd->state & NODES_STATE_FLAGS);
        nd->last_busy = now;
        flurm_info("node %s returned to service", nd->name);
        node_up_clears_reason(nd);
    }
    if (nd->state != before)
        n->last_node_update = now;
    return nd->state != before;
}

bool nodes_wants_registration(const struct nodes *n, size_t i)
{
    const struct node *nd = &n->node[i];

    return (nd->state & NODES_STATE_BASE) == NODES_STATE_UNKNOWN || nd->boot_time == 0;
}

time_t nodes_last_response(const struct nodes *n, size_t i)
{
    return n->node[i].last_response;
}

const char *nodes_addr(const struct nodes *n, size_t i)
{
    return n->node[i].addr;
}

uint16_t nodes_port(const struct nodes *n, size_t i)
{
    return n->node[i].port;
}

const struct nodes_hardware *nodes_reported_hardware(const struct nodes *n, size_t i)
{
    return n->node[i].reported ? &n->node[i].hw : NULL;
}

/* Append `part` to the reason being built in *text, ", " between parts. */
static int reason_add(char **text, const char *part)
{
    size_t len = *text ? strlen(*text) : 0;
    char *grown = realloc(*text, len + strlen(part) + 3);

    if (!grown)
        return -1;
    sprintf(grown + len, "%s%s", len ? ", " : "", part);
    *text = grown;
    return 0;
}

/* What slurmd reports that is less than slurm.conf says, in
 * validate_node_specs' words and order; *reason NULL when nothing is.
 * -1 and ENOMEM. */
static int low_hardware_reason(const struct nodes *n, const struct node *nd,
                               const struct nodes_hardware *hw, char **reason)
{
    uint64_t reported_threads = (uint64_t)hw->sockets * hw->cores * hw->threads;
    uint64_t configured_threads = (uint64_t)nd->sockets * nd->cores * nd->threads;
    double percent = n->reg_mem_percent;
    char text[160];

    *reason = NULL;
    if (n->config_overrides)
        return 0;
    if (reported_threads < configured_threads &&
        reason_add(reason, "Low socket*core*thread count") < 0)
        goto error;
    if (hw->cpus < nd->cpus && reason_add(reason, "Low CPUs") < 0)
        goto error;
    if (percent < 0)
        percent = (nd->state & NODES_STATE_CLOUD) ? REG_MEM_PERCENT_CLOUD : REG_MEM_PERCENT;
    if (nd->real_memory && ((double)hw->real_memory / (double)nd->real_memory) * 100 < percent) {
        snprintf(text, sizeof(text),
                 "Low RealMemory (reported:%" PRIu64 " < %.2f%% of configured:%" PRIu64 ")",
                 hw->real_memory, percent, nd->real_memory);
        if (reason_add(reason, text) < 0)
            goto error;
    }
    if (hw->tmp_disk < nd->tmp_disk && reason_add(reason, "Low TmpDisk") < 0)
        goto error;
    return 0;
error:
    free(*reason);
    *reason = NULL;
    errno = ENOMEM;
    return -1;
}

/* slurmctld's _drain_node for an automatic drain: a reason already set by
 * someone stays, unless it is only "Not responding". */
static int drain_node(struct nodes *n, struct node *nd, const char *reason, time_t now)
{
    char *copy;

    if (nd->state & NODES_STATE_DRAIN)
        return 0;
    nd->state |= NODES_STATE_DRAIN;
    flurm_info("node %s state set to DRAIN (%s)", nd->name, reason);
    if (!nd->reason || strncmp(nd->reason, NODES_REASON_NOT_RESPONDING,
                               strlen(NODES_REASON_NOT_RESPONDING)) == 0) {
        if (!(copy = strdup(reason)))
            return -1;
        free(nd->reason);
        nd->reason = copy;
        nd->reason_time = now;
        nd->reason_uid = (uint32_t)n->slurm_user;
    }
    return 0;
}

/* A registration with nothing wrong: the base state follows (the tail of
 * validate_node_specs).  `previous` is when the node last answered before
 * this registration. */
static int registration_valid(struct nodes *n, struct node *nd, time_t previous, time_t now)
{
    uint32_t base = nd->state & NODES_STATE_BASE, flags = nd->state & NODES_STATE_FLAGS;
    /* FLURM's own view of the node's jobs: slurmctld also replaces the
     * slurmd's step count with the jobs it knows of there. */
    uint32_t busy = nd->alloc_cpus ? NODES_STATE_ALLOCATED : NODES_STATE_IDLE;

    if (base == NODES_STATE_UNKNOWN || base == NODES_STATE_FUTURE) {
        if (base == NODES_STATE_FUTURE)
            flags &= ~(NODES_STATE_MAINT | NODES_STATE_REBOOT_REQUESTED |
                       NODES_STATE_REBOOT_ISSUED);
        nd->state = busy | flags;
        nd->last_busy = now;
        node_up_clears_reason(nd);
    } else if (base == NODES_STATE_DOWN &&
               (n->return_to_service == 2 || (flags & NODES_STATE_REBOOT_ISSUED) ||
                (n->return_to_service == 1 &&
                 same_str(nd->reason, NODES_REASON_NOT_RESPONDING) &&
                 nd->boot_time < previous))) {
        flags &= ~NODES_STATE_REBOOT_ISSUED;
        if (nd->next_state != NO_VAL)
            flags &= ~NODES_STATE_DRAIN;
        nd->state = busy | flags;
        nd->last_busy = now;
        nd->next_state = NO_VAL;
        flurm_info("node %s returned to service", nd->name);
        node_up_clears_reason(nd);
    } else if (previous && nd->boot_time > previous && n->return_to_service != 2) {
        if (!nd->reason || same_str(nd->reason, NODES_REASON_NOT_RESPONDING)) {
            char *copy = strdup(REASON_REBOOTED);

            if (!copy)
                return -1;
            free(nd->reason);
            nd->reason = copy;
            nd->reason_time = now;
            nd->reason_uid = (uint32_t)n->slurm_user;
        }
        flurm_info("node %s unexpectedly rebooted boot_time=%lld last response=%lld", nd->name,
                   (long long)nd->boot_time, (long long)previous);
        make_down(nd);
    }
    if ((nd->state & NODES_STATE_BASE) == NODES_STATE_IDLE)
        nd->owner = NO_VAL;
    return 0;
}

int nodes_registered(struct nodes *n, size_t i, const struct nodes_registration *reg, time_t now)
{
    struct node *nd = &n->node[i];
    char *version = NULL, *arch = NULL, *os = NULL, *reason = NULL;
    time_t previous = nd->last_response;
    bool was_invalid;
    int rc = 0;

    if (dup_opt(&version, reg->version) < 0 || dup_opt(&arch, reg->arch) < 0 ||
        dup_opt(&os, reg->os) < 0 || low_hardware_reason(n, nd, &reg->hw, &reason) < 0)
        goto enomem;
    free(nd->version);
    nd->version = version;
    free(nd->arch);
    nd->arch = arch;
    free(nd->os);
    nd->os = os;
    nd->reported = true;
    nd->hw = reg->hw;
    if (nd->hw.boards > nd->hw.sockets) {
        flurm_warn("node %s has more boards than sockets (%u > %u), setting board count to 1",
                   nd->name, nd->hw.boards, nd->hw.sockets);
        nd->hw.boards = 1;
    }
    if ((time_t)reg->up_time <= now) {
        nd->boot_time = now - (time_t)reg->up_time;
        nd->slurmd_start_time = reg->slurmd_start_time;
    } else {
        flurm_err("node %s: up_time is invalid: %u > %lld", nd->name, reg->up_time,
                  (long long)now);
    }
    nd->cpu_load = reg->cpu_load;
    nd->free_mem = reg->free_mem;
    nd->load_time = now;
    if (nd->state & (NODES_STATE_NO_RESPOND | NODES_STATE_POWERING_UP |
                     NODES_STATE_POWERING_DOWN | NODES_STATE_POWERED_DOWN)) {
        flurm_info("node %s now responding", nd->name);
        if (nd->state & (NODES_STATE_POWERING_UP | NODES_STATE_POWERED_DOWN))
            nd->last_busy = now;
        nd->state &= ~(NODES_STATE_NO_RESPOND | NODES_STATE_POWERING_UP |
                       NODES_STATE_POWERING_DOWN | NODES_STATE_POWERED_DOWN | NODES_STATE_MAINT);
    }
    was_invalid = nd->state & NODES_STATE_INVALID_REG;
    nd->state &= ~NODES_STATE_INVALID_REG;
    if (reason) {
        nd->state |= NODES_STATE_INVALID_REG;
        if (!was_invalid)
            flurm_err("setting node %s state to INVAL with reason:%s", nd->name, reason);
        if (!is_down(nd) && !(nd->state & (NODES_STATE_DRAIN | NODES_STATE_FAIL)) &&
            drain_node(n, nd, reason, now) < 0)
            goto enomem;
        rc = NODES_EINVALID_REG;
    } else if (reg->status == ESLURMD_PROLOG_FAILED ||
               reg->status == ESLURMD_SETUP_ENVIRONMENT_ERROR) {
        if (!(nd->state & (NODES_STATE_DRAIN | NODES_STATE_FAIL))) {
            flurm_err("prolog or job env setup failure on node %s, draining the node", nd->name);
            if (drain_node(n, nd, reg->status == ESLURMD_PROLOG_FAILED ? "Prolog error"
                                                                         : "Job env setup error",
                           now) < 0)
                goto enomem;
        }
    } else if (registration_valid(n, nd, previous, now) < 0) {
        goto enomem;
    }
    free(reason);
    nd->last_response = now;
    n->last_node_update = now;
    return rc;
enomem:
    if (nd->version != version)
        free(version);
    if (nd->arch != arch)
        free(arch);
    if (nd->os != os)
        free(os);
    free(reason);
    errno = ENOMEM;
    return -1;
}

/* An unsigned member of the registration record, at most `max`. */
static int reg_uint(const json_t *msg, const char *key, uint64_t max, uint64_t *out)
{
    const json_t *j = json_object_get(msg, key);

    if (!json_is_integer(j) || json_integer_value(j) < 0 ||
        (uint64_t)json_integer_value(j) > max) {
        errno = EINVAL;
        return -1;
    }
    *out = (uint64_t)json_integer_value(j);
    return 0;
}

/* The registration record's JSON as a struct nodes_registration (strings
 * borrowed from msg). */
static int read_registration(const json_t *msg, const char **name, struct nodes_registration *reg)
{
    uint64_t start, up, status, cpus, boards, sockets, cores, threads, mem, tmp, load, free_mem,
        jobs;

    memset(reg, 0, sizeof(*reg));
    if (!json_is_object(msg) || opt_string(msg, "node_name", name) < 0 || !*name ||
        opt_string(msg, "version", &reg->version) < 0 ||
        opt_string(msg, "arch", &reg->arch) < 0 || opt_string(msg, "os", &reg->os) < 0 ||
        reg_uint(msg, "slurmd_start_time", INT64_MAX, &start) < 0 ||
        reg_uint(msg, "up_time", UINT32_MAX, &up) < 0 ||
        reg_uint(msg, "status", UINT32_MAX, &status) < 0 ||
        reg_uint(msg, "cpus", UINT16_MAX, &cpus) < 0 ||
        reg_uint(msg, "boards", UINT16_MAX, &boards) < 0 ||
        reg_uint(msg, "sockets", UINT16_MAX, &sockets) < 0 ||
        reg_uint(msg, "cores", UINT16_MAX, &cores) < 0 ||
        reg_uint(msg, "threads", UINT16_MAX, &threads) < 0 ||
        reg_uint(msg, "real_memory", UINT64_MAX, &mem) < 0 ||
        reg_uint(msg, "tmp_disk", UINT32_MAX, &tmp) < 0 ||
        reg_uint(msg, "cpu_load", UINT32_MAX, &load) < 0 ||
        reg_uint(msg, "free_mem", UINT64_MAX, &free_mem) < 0 ||
        reg_uint(msg, "job_count", UINT32_MAX, &jobs) < 0) {
        errno = EINVAL;
        return -1;
    }
    reg->slurmd_start_time = (time_t)start;
    reg->up_time = (uint32_t)up;
    reg->status = (uint32_t)status;
    reg->hw.cpus = (uint16_t)cpus;
    reg->hw.boards = (uint16_t)boards;
    reg->hw.sockets = (uint16_t)sockets;
    reg->hw.cores = (uint16_t)cores;
    reg->hw.threads = (uint16_t)threads;
    reg->hw.real_memory = mem;
    reg->hw.tmp_disk = (uint32_t)tmp;
    reg->cpu_load = (uint32_t)load;
    reg->free_mem = free_mem;
    reg->job_count = (uint32_t)jobs;
    return 0;
}

int nodes_register(struct nodes *n, uid_t uid, const json_t *msg, time_t now, ssize_t *node)
{
    struct nodes_registration reg;
    const char *name = NULL;
    ssize_t i;

    *node = -1;
    if (read_registration(msg, &name, &reg) < 0)
        return -1;
    if (!is_operator(n, uid)) {
        flurm_err("Security violation, NODE_REGISTER RPC from uid=%u", (unsigned)uid);
        return NODES_EUSER_ID_MISSING;
    }
    if ((i = nodes_find(n, name)) < 0) {
        flurm_err("slurmd registered on unknown node %s", name);
        return NODES_ENO_SUCH_NODE;
    }
    *node = i;
    flurm_debug("node %s registered: CPUs=%u Boards=%u Sockets=%u Cores=%u Threads=%u "
                "Memory=%" PRIu64 " TmpDisk=%u Uptime=%u jobs=%u version %s",
                name, reg.hw.cpus, reg.hw.boards, reg.hw.sockets, reg.hw.cores, reg.hw.threads,
                reg.hw.real_memory, reg.hw.tmp_disk, reg.up_time, reg.job_count,
                reg.version ? reg.version : "?");
    return nodes_registered(n, (size_t)i, &reg, now);
}

json_t *nodes_reg_resp(const struct nodes *n)
{
    /* The TRES slurmctld knows without accounting, in id order. */
    struct flurm_tres_rec tres[] = {
        {.id = 1, .type = "cpu"},  {.id = 2, .type = "mem"},
        {.id = 3, .type = "energy"}, {.id = 4, .type = "node"},
        {.id = 5, .type = "billing"}, {.id = 6, .type = "fs", .name = "disk"},
        {.id = 7, .type = "vmem"}, {.id = 8, .type = "pages"},
    };
    struct flurm_node_reg_resp resp = {.tres = tres, .tres_count = 8};
    json_t *j;

    for (size_t i = 0; i < n->nnodes; i++) {
        tres[0].count += n->node[i].cpus_efctv;
        tres[1].count += n->node[i].real_memory;
        tres[4].count += n->node[i].cpus_efctv; /* billing: CPUs without TRESBillingWeights */
    }
    tres[3].count = n->nnodes;
    if (!(j = flurm_record_to_json(&flurm_rec_node_reg_resp, &resp)))
        errno = ENOMEM;
    return j;
}

int nodes_set_alloc(struct nodes *n, size_t i, uint16_t alloc_cpus, uint64_t alloc_memory,
                    time_t now)
{
    struct node *nd = &n->node[i];
    uint32_t before = nd->state, base = nd->state & NODES_STATE_BASE;

    nd->alloc_cpus = alloc_cpus;
    nd->alloc_memory = alloc_memory;
    if (alloc_cpus && (base == NODES_STATE_IDLE || base == NODES_STATE_MIXED)) {
        nd->state = NODES_STATE_ALLOCATED | (nd->state & NODES_STATE_FLAGS);
    } else if (!alloc_cpus && base == NODES_STATE_ALLOCATED) {
        nd->state = NODES_STATE_IDLE | (nd->state & NODES_STATE_FLAGS);
        nd->last_busy = now;
    }
    n->last_node_update = now;
    return nd->state != before;
}

int nodes_set_completing(struct nodes *n, size_t i, bool completing, time_t now)
{
    struct node *nd = &n->node[i];
    uint32_t before = nd->state;

    if (completing)
        nd->state |= NODES_STATE_COMPLETING;
    else
        nd->state &= ~NODES_STATE_COMPLETING;
    if (nd->state != before)
        n->last_node_update = now;
    return nd->state != before;
}

uint16_t nodes_cpus(const struct nodes *n, size_t i)
{
    return n->node[i].cpus;
}

void nodes_shape(const struct nodes *n, size_t i, uint16_t *sockets, uint16_t *cores_per_socket)
{
    *sockets = n->node[i].sockets;
    *cores_per_socket = n->node[i].cores;
}
