/*
 * buildinfo.c - slurm.conf -> RESPONSE_BUILD_INFO (see buildinfo.h).
 *
 * Most keys are a plain string or number with a SLURM default: those are
 * one row of the table below.  The rest (flag words, times, ranges, user
 * names, keys that depend on other keys) have a few lines of code each in
 * fill_special().  Defaults are SLURM 22.05's (read_config.h, the Debian
 * build: no Cray, plugins in /usr/lib/x86_64-linux-gnu/slurm-wlm).
 */
#include "services/gateway/buildinfo.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire/pack.h"

#define BI(M) offsetof(struct flurm_build_info, M)

enum kind { STR, U16, U32 };

struct simple_key {
    const char *key;
    const char *alt; /* an older spelling SLURM still reads */
    size_t off;
    enum kind kind;
    const char *def; /* the default, as it would be written in slurm.conf */
};

static const struct simple_key simple_keys[] = {
    {"AccountingStorageBackupHost", NULL, BI(accounting_storage_backup_host), STR, NULL},
    {"AccountingStorageHost", NULL, BI(accounting_storage_host), STR, "localhost"},
    {"AccountingStorageExternalHost", NULL, BI(accounting_storage_ext_host), STR, NULL},
    {"AccountingStorageParameters", NULL, BI(accounting_storage_params), STR, NULL},
    {"AccountingStorageType", NULL, BI(accounting_storage_type), STR, "accounting_storage/none"},
    {"AcctGatherEnergyType", NULL, BI(acct_gather_energy_type), STR, "acct_gather_energy/none"},
    {"AcctGatherFilesystemType", NULL, BI(acct_gather_filesystem_type), STR,
     "acct_gather_filesystem/none"},
    {"AcctGatherInterconnectType", "AcctGatherInfinibandType", BI(acct_gather_interconnect_type),
     STR, "acct_gather_interconnect/none"},
    {"AcctGatherNodeFreq", NULL, BI(acct_gather_node_freq), U16, "0"},
    {"AcctGatherProfileType", NULL, BI(acct_gather_profile_type), STR, "acct_gather_profile/none"},
    {"AuthAltTypes", NULL, BI(authalttypes), STR, NULL},
    {"AuthAltParameters", NULL, BI(authalt_params), STR, NULL},
    {"AuthInfo", NULL, BI(authinfo), STR, NULL},
    {"AuthType", NULL, BI(authtype), STR, "auth/munge"},
    {"BatchStartTimeout", NULL, BI(batch_start_timeout), U16, "10"},
    {"BurstBufferType", NULL, BI(bb_type), STR, NULL},
    {"BcastExclude", NULL, BI(bcast_exclude), STR, "/lib,/usr/lib,/lib64,/usr/lib64"},
    {"BcastParameters", "SbcastParameters", BI(bcast_parameters), STR, NULL},
    {"CliFilterPlugins", NULL, BI(cli_filter_plugins), STR, NULL},
    {"CommunicationParameters", NULL, BI(comm_params), STR, NULL},
    {"CompleteWait", NULL, BI(complete_wait), U16, "0"},
    {"CoreSpecPlugin", NULL, BI(core_spec_plugin), STR, "core_spec/none"},
    {"DependencyParameters", NULL, BI(dependency_params), STR, NULL},
    {"EioTimeout", NULL, BI(eio_timeout), U16, "60"},
    {"Epilog", NULL, BI(epilog), STR, NULL},
    {"EpilogMsgTime", NULL, BI(epilog_msg_time), U32, "2000"},
    {"EpilogSlurmctld", NULL, BI(epilog_slurmctld), STR, NULL},
    {"ExtSensorsType", NULL, BI(ext_sensors_type), STR, "ext_sensors/none"},
    {"ExtSensorsFreq", NULL, BI(ext_sensors_freq), U16, "0"},
    {"FairShareDampeningFactor", NULL, BI(fs_dampening_factor), U16, "1"},
    {"FederationParameters", NULL, BI(fed_params), STR, NULL},
    {"FirstJobId", NULL, BI(first_job_id), U32, "1"},
    {"GetEnvTimeout", NULL, BI(get_env_timeout), U16, "2"},
    {"GresTypes", NULL, BI(gres_plugins), STR, NULL},
    {"GroupUpdateTime", NULL, BI(group_time), U16, "600"},
    {"GroupUpdateForce", NULL, BI(group_force), U16, "1"},
    {"GpuFreqDef", NULL, BI(gpu_freq_def), STR, "high,memory=high"},
    {"HealthCheckInterval", NULL, BI(health_check_interval), U16, "0"},
    {"HealthCheckProgram", NULL, BI(health_check_program), STR, NULL},
    {"InactiveLimit", NULL, BI(inactive_limit), U16, "0"},
    {"InteractiveStepOptions", NULL, BI(interactive_step_opts), STR,
     "--interactive --preserve-env --pty $SHELL"},
    {"JobAcctGatherFrequency", NULL, BI(job_acct_gather_freq), STR, "30"},
    {"JobAcctGatherType", NULL, BI(job_acct_gather_type), STR, "jobacct_gather/none"},
    {"JobAcctGatherParams", NULL, BI(job_acct_gather_params), STR, NULL},
    {"JobCompHost", NULL, BI(job_comp_host), STR, "localhost"},
    {"JobCompParams", NULL, BI(job_comp_params), STR, NULL},
    {"JobCompType", NULL, BI(job_comp_type), STR, "jobcomp/none"},
    {"JobCompUser", NULL, BI(job_comp_user), STR, "root"},
    {"JobContainerType", NULL, BI(job_container_plugin), STR, "job_container/none"},
    {"JobCredentialPrivateKey", NULL, BI(job_credential_private_key), STR, NULL},
    {"JobCredentialPublicCertificate", NULL, BI(job_credential_public_certificate), STR, NULL},
    {"JobFileAppend", NULL, BI(job_file_append), U16, "0"},
    {"JobSubmitPlugins", NULL, BI(job_submit_plugins), STR, NULL},
    {"KillOnBadExit", NULL, BI(kill_on_bad_exit), U16, "0"},
    {"KillWait", NULL, BI(kill_wait), U16, "30"},
    {"LaunchParameters", NULL, BI(launch_params), STR, NULL},
    {"LaunchType", NULL, BI(launch_type), STR, "launch/slurm"},
    {"Licenses", NULL, BI(licenses), STR, NULL},
    {"MailDomain", NULL, BI(mail_domain), STR, NULL},
    {"MailProg", NULL, BI(mail_prog), STR, "/bin/mail"},
    {"MaxArraySize", NULL, BI(max_array_sz), U32, "1001"},
    {"MaxDBDMsgs", NULL, BI(max_dbd_msgs), U32, "0"},
    {"MaxJobCount", NULL, BI(max_job_cnt), U32, "10000"},
    {"MaxJobId", NULL, BI(max_job_id), U32, "67043328"},
    {"MaxStepCount", NULL, BI(max_step_cnt), U32, "40000"},
    {"MaxTasksPerNode", NULL, BI(max_tasks_per_node), U16, "512"},
    {"MCSPlugin", NULL, BI(mcs_plugin), STR, "mcs/none"},
    {"MCSParameters", NULL, BI(mcs_plugin_params), STR, NULL},
    {"MessageTimeout", NULL, BI(msg_timeout), U16, "10"},
    {"MinJobAge", NULL, BI(min_job_age), U32, "300"},
    {"MpiDefault", NULL, BI(mpi_default), STR, "none"},
    {"MpiParams", NULL, BI(mpi_params), STR, NULL},
    {"NodeFeaturesPlugins", NULL, BI(node_features_plugins), STR, NULL},
    {"OverTimeLimit", NULL, BI(over_time_limit), U16, "0"},
    {"PluginDir", NULL, BI(plugindir), STR, "/usr/lib/x86_64-linux-gnu/slurm-wlm"},
    {"PlugStackConfig", NULL, BI(plugstack), STR, NULL},
    {"PowerParameters", NULL, BI(power_parameters), STR, NULL},
    {"PowerPlugin", NULL, BI(power_plugin), STR, ""},
    {"PreemptParameters", NULL, BI(preempt_params), STR, NULL},
    {"PreemptType", NULL, BI(preempt_type), STR, "preempt/none"},
    {"PrEpParameters", NULL, BI(prep_params), STR, NULL},
    {"PrEpPlugins", NULL, BI(prep_plugins), STR, "prep/script"},
    {"PriorityParameters", NULL, BI(priority_params), STR, NULL},
    {"PriorityType", NULL, BI(priority_type), STR, "priority/basic"},
    {"PriorityWeightAge", NULL, BI(priority_weight_age), U32, "0"},
    {"PriorityWeightAssoc", NULL, BI(priority_weight_assoc), U32, "0"},
    {"PriorityWeightFairshare", NULL, BI(priority_weight_fs), U32, "0"},
    {"PriorityWeightJobSize", NULL, BI(priority_weight_js), U32, "0"},
    {"PriorityWeightPartition", NULL, BI(priority_weight_part), U32, "0"},
    {"PriorityWeightQOS", NULL, BI(priority_weight_qos), U32, "0"},
    {"PriorityWeightTRES", NULL, BI(priority_weight_tres), STR, NULL},
    {"ProctrackType", NULL, BI(proctrack_type), STR, "proctrack/pgid"},
    {"Prolog", NULL, BI(prolog), STR, NULL},
    {"PrologEpilogTimeout", NULL, BI(prolog_epilog_timeout), U16, "65534"},
    {"PrologSlurmctld", NULL, BI(prolog_slurmctld), STR, NULL},
    {"PropagatePrioProcess", NULL, BI(propagate_prio_process), U16, "0"},
    {"PropagateResourceLimitsExcept", NULL, BI(propagate_rlimits_except), STR, NULL},
    {"RebootProgram", NULL, BI(reboot_program), STR, NULL},
    {"RequeueExit", NULL, BI(requeue_exit), STR, NULL},
    {"RequeueExitHold", NULL, BI(requeue_exit_hold), STR, NULL},
    {"ResumeFailProgram", NULL, BI(resume_fail_program), STR, NULL},
    {"ResumeProgram", NULL, BI(resume_program), STR, NULL},
    {"ResumeRate", NULL, BI(resume_rate), U16, "300"},
    {"ResumeTimeout", NULL, BI(resume_timeout), U16, "60"},
    {"ResvEpilog", NULL, BI(resv_epilog), STR, NULL},
    {"ResvOverRun", NULL, BI(resv_over_run), U16, "0"},
    {"ResvProlog", NULL, BI(resv_prolog), STR, NULL},
    {"ReturnToService", NULL, BI(ret2service), U16, "0"},
    {"RoutePlugin", NULL, BI(route_plugin), STR, "route/default"},
    {"SchedulerParameters", NULL, BI(sched_params), STR, NULL},
    {"SlurmSchedLogFile", NULL, BI(sched_logfile), STR, NULL},
    {"SlurmSchedLogLevel", NULL, BI(sched_log_level), U16, "0"},
    {"SchedulerType", NULL, BI(schedtype), STR, "sched/backfill"},
    {"ScronParameters", NULL, BI(scron_params), STR, NULL},
    {"SelectType", NULL, BI(select_type), STR, "select/linear"},
    {"SlurmctldAddr", NULL, BI(slurmctld_addr), STR, NULL},
    {"SlurmctldLogFile", NULL, BI(slurmctld_logfile), STR, NULL},
    {"SlurmctldParameters", NULL, BI(slurmctld_params), STR, NULL},
    {"SlurmctldPidFile", NULL, BI(slurmctld_pidfile), STR, "/var/run/slurmctld.pid"},
    {"SlurmctldPlugstack", NULL, BI(slurmctld_plugstack), STR, NULL},
    {"SlurmctldPrimaryOffProg", NULL, BI(slurmctld_primary_off_prog), STR, NULL},
    {"SlurmctldPrimaryOnProg", NULL, BI(slurmctld_primary_on_prog), STR, NULL},
    {"SlurmctldTimeout", NULL, BI(slurmctld_timeout), U16, "120"},
    {"SlurmdLogFile", NULL, BI(slurmd_logfile), STR, NULL},
    {"SlurmdParameters", NULL, BI(slurmd_params), STR, NULL},
    {"SlurmdPidFile", NULL, BI(slurmd_pidfile), STR, "/var/run/slurmd.pid"},
    {"SlurmdPort", NULL, BI(slurmd_port), U32, "6818"},
    {"SlurmdSpoolDir", NULL, BI(slurmd_spooldir), STR, "/var/spool/slurmd"},
    {"SlurmdTimeout", NULL, BI(slurmd_timeout), U16, "300"},
    {"SrunEpilog", NULL, BI(srun_epilog), STR, NULL},
    {"SrunProlog", NULL, BI(srun_prolog), STR, NULL},
    {"StateSaveLocation", NULL, BI(state_save_location), STR, "/var/spool"},
    {"SuspendExcNodes", NULL, BI(suspend_exc_nodes), STR, NULL},
    {"SuspendExcParts", NULL, BI(suspend_exc_parts), STR, NULL},
    {"SuspendExcStates", NULL, BI(suspend_exc_states), STR, NULL},
    {"SuspendProgram", NULL, BI(suspend_program), STR, NULL},
    {"SuspendRate", NULL, BI(suspend_rate), U16, "60"},
    {"SuspendTimeout", NULL, BI(suspend_timeout), U16, "30"},
    {"SwitchParameters", NULL, BI(switch_param), STR, NULL},
    {"SwitchType", NULL, BI(switch_type), STR, "switch/none"},
    {"TaskEpilog", NULL, BI(task_epilog), STR, NULL},
    {"TaskProlog", NULL, BI(task_prolog), STR, NULL},
    {"TaskPlugin", NULL, BI(task_plugin), STR, "task/none"},
    {"TCPTimeout", NULL, BI(tcp_timeout), U16, "2"},
    {"TmpFS", NULL, BI(tmp_fs), STR, "/tmp"},
    {"TopologyParam", NULL, BI(topology_param), STR, NULL},
    {"TopologyPlugin", NULL, BI(topology_plugin), STR, "topology/none"},
    {"UnkillableStepProgram", NULL, BI(unkillable_program), STR, NULL},
    {"UnkillableStepTimeout", NULL, BI(unkillable_timeout), U16, "60"},
    {"VSizeFactor", NULL, BI(vsize_factor), U16, "0"},
    {"WaitTime", NULL, BI(wait_time), U16, "0"},
    {"X11Parameters", NULL, BI(x11_params), STR, NULL},
};

/* Parsing context: where notes go and whether a hard error was seen. */
struct ctx {
    const struct gw_conf *conf;
    gw_buildinfo_note_fn note;
    void *arg;
    int invalid;
};

static void note(struct ctx *c, const char *key, const char *why)
{
    if (c->note)
        c->note(key, why, c->arg);
}

/* A number that SLURM's s_p_get_uint* would accept ("UNLIMITED" and
 * "INFINITE" mean the type's INFINITE), or -1. */
static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (!strcasecmp(s, "UNLIMITED") || !strcasecmp(s, "INFINITE")) {
        *out = max;
        return 0;
    }
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static const char *get(struct ctx *c, const char *key)
{
    return gw_conf_get(c->conf, key);
}

static int set_str(char **field, const char *value)
{
    free(*field);
    *field = NULL;
    if (value && !(*field = strdup(value)))
        return -1;
    return 0;
}

static int fill_simple(struct ctx *c, struct flurm_build_info *bi, const struct simple_key *k)
{
    const char *value = get(c, k->key);
    const char *key = k->key;
    unsigned long long n;
    void *field = (char *)bi + k->off;

    if (!value && k->alt && (value = get(c, k->alt)))
        key = k->alt;
    if (k->kind == STR)
        return set_str(field, value ? value : k->def);
    if (value && parse_uint(value, k->kind == U16 ? 0xffff : 0xffffffffULL, &n) < 0) {
        note(c, key, "not a number; SLURM would refuse this file");
        c->invalid = 1;
        value = NULL;
    }
    if (!value)
        (void)parse_uint(k->def, ~0ULL, &n);
    if (k->kind == U16)
        *(uint16_t *)field = (uint16_t)n;
    else
        *(uint32_t *)field = (uint32_t)n;
    return 0;
}

unsigned gw_time_str2secs(const char *s)
{
    int d = 0, h = 0, m = 0, sec = 0;

    if (!s || !*s)
        return FLURM_NO_VAL;
    if (!strcasecmp(s, "-1") || !strcasecmp(s, "INFINITE") || !strcasecmp(s, "UNLIMITED"))
        return FLURM_INFINITE;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p) && *p != '-' && *p != ':')
            return FLURM_NO_VAL;
    }
    if (strchr(s, '-')) {
        if (sscanf(s, "%d-%d:%d:%d", &d, &h, &m, &sec) < 1)
            return FLURM_NO_VAL;
        return (unsigned)(d * 86400 + h * 3600 + m * 60 + sec);
    }
    if (sscanf(s, "%d:%d:%d", &h, &m, &sec) == 3)
        return (unsigned)(h * 3600 + m * 60 + sec);
    /* minutes[:seconds]: sscanf filled h with minutes and m with seconds */
    return (unsigned)(h * 60 + m);
}

unsigned gw_time_str2mins(const char *s)
{
    unsigned secs = gw_time_str2secs(s);

    if (secs == FLURM_INFINITE || secs == FLURM_NO_VAL)
        return secs;
    return (secs + 59) / 60;
}

/* Seconds from a SLURM time in minutes (PriorityDecayHalfLife, ...). */
static int time_mins_as_secs(struct ctx *c, const char *key, uint32_t def, uint32_t *out)
{
    const char *v = get(c, key);
    unsigned mins;

    *out = def;
    if (!v)
        return 0;
    mins = gw_time_str2mins(v);
    if (mins == FLURM_NO_VAL) {
        note(c, key, "not a time; SLURM would refuse this file");
        c->invalid = 1;
        return 0;
    }
    *out = mins == FLURM_INFINITE ? FLURM_INFINITE : mins * 60;
    return 0;
}

struct flag_name {
    const char *name;
    uint32_t bits;
};

/* Comma-separated names, each exactly one of `names`; 0 or -1. */
static int parse_flag_list(const char *value, const struct flag_name *names, uint32_t *out)
{
    char *copy = strdup(value), *save = NULL, *tok;
    int rc = 0;

    if (!copy)
        return -1;
    *out = 0;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const struct flag_name *f;
        for (f = names; f->name; f++) {
            if (!strcasecmp(tok, f->name))
                break;
        }
        if (!f->name) {
            rc = -1;
            break;
        }
        *out |= f->bits;
    }
    free(copy);
    return rc;
}

static const struct flag_name select_params[] = {
    {"CR_CPU", 0x0001},
    {"CR_Socket", 0x0002},
    {"CR_Core", 0x0004},
    {"CR_Board", 0x0008},
    {"CR_Memory", 0x0010},
    {"CR_CPU_Memory", 0x0011},
    {"CR_Socket_Memory", 0x0012},
    {"CR_Core_Memory", 0x0014},
    {"OTHER_CONS_RES", 0x0020},
    {"CR_ONE_TASK_PER_CORE", 0x0100},
    {"CR_PACK_NODES", 0x0200},
    {"OTHER_CONS_TRES", 0x0800},
    {"CR_CORE_DEFAULT_DIST_BLOCK", 0x1000},
    {"CR_LLN", 0x4000},
    {NULL, 0},
};

static const struct flag_name health_states[] = {
    {"IDLE", 0x0001}, {"ALLOC", 0x0002}, {"MIXED", 0x0004},
    {"ANY", 0x000f},  {"CYCLE", 0x8000}, {NULL, 0},
};

static const struct flag_name cpu_governors[] = {
    {"Conservative", 0x88000000}, {"OnDemand", 0x84000000},  {"Performance", 0x82000000},
    {"PowerSave", 0x81000000},    {"UserSpace", 0x80800000}, {"SchedUtil", 0x80400000},
    {NULL, 0},
};

static const struct flag_name prolog_flags[] = {
    {"Alloc", 0x0001}, {"NoHold", 0x0003}, {"Contain", 0x0005}, {"Serial", 0x0008},
    {"X11", 0x0015},   {"DeferBatch", 0x0020}, {NULL, 0},
};

static const struct flag_name reconfig_flags[] = {
    {"KeepPartInfo", 0x0001}, {"KeepPartState", 0x0002}, {NULL, 0},
};

static const struct flag_name preempt_modes[] = {
    {"OFF", 0x0000},     {"SUSPEND", 0x0001}, {"REQUEUE", 0x0002}, {"CANCEL", 0x0008},
    {"GANG", 0x8000},    {"WITHIN", 0x4000},  {NULL, 0},
};

/* Substring matches, as read_config.c tests PriorityFlags and PrivateData. */
static uint32_t substring_flags(const char *value, const struct flag_name *names)
{
    uint32_t bits = 0;

    for (const struct flag_name *f = names; f->name; f++) {
        if (strcasestr(value, f->name))
            bits |= f->bits;
    }
    return bits;
}

static const struct flag_name private_data[] = {
    {"account", 1u << 5}, {"cloud", 1u << 7},       {"event", 1u << 8},
    {"job", 1u << 0},     {"node", 1u << 1},        {"partition", 1u << 2},
    {"reservation", 1u << 6}, {"usage", 1u << 3},   {"user", 1u << 4},
    {NULL, 0},
};

static uint16_t parse_priority_flags(const char *v)
{
    const uint16_t fair_tree = 1u << 5;
    uint16_t flags = fair_tree;

    if (strcasestr(v, "ACCRUE_ALWAYS"))
        flags |= 1u << 0;
    if (strcasestr(v, "SMALL_RELATIVE_TO_TIME"))
        flags |= 1u << 2;
    if (strcasestr(v, "CALCULATE_RUNNING"))
        flags |= 1u << 4;
    if (strcasestr(v, "DEPTH_OBLIVIOUS"))
        flags = (uint16_t)((flags | 1u << 3) & ~fair_tree);
    else if (strcasestr(v, "NO_FAIR_TREE"))
        flags &= (uint16_t)~fair_tree;
    if (strcasestr(v, "INCR_ONLY"))
        flags |= 1u << 6;
    if (strcasestr(v, "MAX_TRES"))
        flags |= 1u << 1;
    if (strcasestr(v, "NO_NORMAL_ALL"))
        flags |= 0xfu << 7;
    if (strcasestr(v, "NO_NORMAL_ASSOC"))
        flags |= 1u << 7;
    if (strcasestr(v, "NO_NORMAL_PART"))
        flags |= 1u << 8;
    if (strcasestr(v, "NO_NORMAL_QOS"))
        flags |= 1u << 9;
    if (strcasestr(v, "NO_NORMAL_TRES"))
        flags |= 1u << 10;
    return flags;
}

/* log_string2num: SlurmctldDebug=info, or a number. */
static int parse_log_level(struct ctx *c, const char *key, uint16_t def, uint16_t *out)
{
    static const char *const levels[] = {"quiet",  "fatal",  "error",  "info",   "verbose",
                                         "debug",  "debug2", "debug3", "debug4", "debug5"};
    const char *v = get(c, key);
    unsigned long long n;

    *out = def;
    if (!v)
        return 0;
    for (uint16_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (!strcasecmp(v, levels[i])) {
            *out = i;
            return 0;
        }
    }
    if (parse_uint(v, 10, &n) == 0) {
        *out = (uint16_t)n;
        return 0;
    }
    note(c, key, "not a log level; SLURM would refuse this file");
    c->invalid = 1;
    return 0;
}

static int parse_user(struct ctx *c, const char *key, char **name, uint32_t *uid)
{
    const char *v = get(c, key);
    struct passwd *pw;

    if (!v) {
        *uid = 0;
        return set_str(name, "root");
    }
    if (set_str(name, v) < 0)
        return -1;
    if ((pw = getpwnam(v))) {
        *uid = pw->pw_uid;
        return 0;
    }
    note(c, key, "no such user");
    c->invalid = 1;
    *uid = 0;
    return 0;
}

/* DefMemPerNode / DefMemPerCPU (and Max*): the per-CPU form carries bit 63. */
static int parse_mem(struct ctx *c, const char *per_node, const char *per_cpu, uint64_t *out)
{
    unsigned long long n;
    const char *v;

    *out = 0;
    if ((v = get(c, per_node))) {
        if (parse_uint(v, ~0ULL, &n) < 0)
            goto bad;
        *out = n;
        return 0;
    }
    if ((v = get(c, per_cpu))) {
        if (parse_uint(v, ~0ULL, &n) < 0)
            goto bad;
        *out = n | (1ULL << 63);
    }
    return 0;
bad:
    note(c, per_node, "not a memory size in MB; SLURM would refuse this file");
    c->invalid = 1;
    return 0;
}

static int fill_controllers(struct ctx *c, struct flurm_build_info *bi)
{
    size_t n = gw_conf_ctl_count(c->conf);

    if (n == 0)
        return 0;
    /* SLURM needs both arrays with one count. */
    if (!(bi->control_addr = calloc(n, sizeof(char *))) ||
        !(bi->control_machine = calloc(n, sizeof(char *))))
        return -1;
    bi->control_cnt = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        if (set_str(&bi->control_machine[i], gw_conf_ctl_host(c->conf, i)) < 0 ||
            set_str(&bi->control_addr[i], gw_conf_ctl_addr(c->conf, i)) < 0)
            return -1;
    }
    return 0;
}

static int fill_ports(struct ctx *c, struct flurm_build_info *bi)
{
    const char *v = get(c, "SlurmctldPort");
    unsigned lo = 6817, hi = 6817;

    if (v) {
        int got = sscanf(v, "%u-%u", &lo, &hi);
        if (got == 1)
            hi = lo;
        if (got < 1 || lo == 0 || lo > 65535 || hi < lo || hi > 65535) {
            note(c, "SlurmctldPort", "not a port or port range");
            c->invalid = 1;
            lo = hi = 6817;
        }
    }
    bi->slurmctld_port = lo;
    bi->slurmctld_port_count = (uint16_t)(hi - lo + 1);
    if ((v = get(c, "SrunPortRange"))) {
        if (sscanf(v, "%u-%u", &lo, &hi) != 2 || hi < lo || hi > 65535) {
            note(c, "SrunPortRange", "not a port range");
            c->invalid = 1;
        } else {
            bi->srun_port_range_min = (uint16_t)lo;
            bi->srun_port_range_max = (uint16_t)hi;
        }
    }
    return 0;
}

static int flags_key(struct ctx *c, const char *key, const struct flag_name *names,
                     uint32_t *out)
{
    const char *v = get(c, key);

    if (v && parse_flag_list(v, names, out) < 0) {
        note(c, key, "unknown flag; reported as unset");
        *out = 0;
    }
    return 0;
}

static bool truthy(const char *v)
{
    return v && (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") ||
                 !strcasecmp(v, "up"));
}

static uint32_t parse_task_plugin_param(const char *v)
{
    static const struct flag_name names[] = {
        {"none", 0x0020},           {"sockets", 0x0004},       {"cores", 0x0008},
        {"threads", 0x0010},        {"verbose", 0x0001},       {"autobind=none", 0},
        {"autobind=threads", 0x04000}, {"autobind=cores", 0x10000},
        {"autobind=sockets", 0x20000}, {"SlurmdOffSpec", 0x40000}, {NULL, 0},
    };
    uint32_t bits = 0;

    return parse_flag_list(v, names, &bits) == 0 ? bits : 0;
}

static int fill_special(struct ctx *c, struct flurm_build_info *bi)
{
    const char *v;
    uint32_t u32;
    unsigned long long n;

    /* SLURM lower-cases the cluster name (databases are case sensitive). */
    if ((v = get(c, "ClusterName"))) {
        if (set_str(&bi->cluster_name, v) < 0)
            return -1;
        for (char *p = bi->cluster_name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    if (!(v = get(c, "CredType")) && (v = get(c, "CryptoType"))) {
        if (!strncmp(v, "crypto/", 7)) {
            char swapped[256];
            snprintf(swapped, sizeof(swapped), "cred/%s", v + 7);
            if (set_str(&bi->cred_type, swapped) < 0)
                return -1;
            v = NULL;
        }
    }
    if (!bi->cred_type && set_str(&bi->cred_type, v ? v : "cred/munge") < 0)
        return -1;

    /* The site's TRES come first, SLURM's defaults are always appended. */
    {
        const char *def = "cpu,mem,energy,node,billing,fs/disk,vmem,pages";
        char *tres = NULL;
        v = get(c, "AccountingStorageTRES");
        if (v ? asprintf(&tres, "%s,%s", v, def) < 0 : !(tres = strdup(def)))
            return -1;
        free(bi->accounting_storage_tres);
        bi->accounting_storage_tres = tres;
    }
    if ((v = get(c, "AccountingStorageEnforce"))) {
        static const struct flag_name names[] = {
            {"1", 0x01},       {"associations", 0x01}, {"2", 0x03},    {"limits", 0x03},
            {"safe", 0x13},    {"wckeys", 0x05},       {"qos", 0x09},  {"nojobs", 0x60},
            {"nosteps", 0x40}, {"all", 0xff9f},        {NULL, 0},
        };
        flags_key(c, "AccountingStorageEnforce", names, &u32);
        bi->accounting_storage_enforce = (uint16_t)u32;
    }
    if (bi->accounting_storage_type &&
        !strcmp(bi->accounting_storage_type, "accounting_storage/slurmdbd")) {
        if (set_str(&bi->accounting_storage_user, "N/A") < 0)
            return -1;
    } else if (set_str(&bi->accounting_storage_user,
                       (v = get(c, "AccountingStorageUser")) ? v : "root") < 0) {
        return -1;
    }
    bi->accounting_storage_port = 0;
    if ((v = get(c, "AccountingStoragePort")) && parse_uint(v, 0xffff, &n) == 0)
        bi->accounting_storage_port = (uint16_t)n;
    else if (bi->accounting_storage_type &&
             !strcmp(bi->accounting_storage_type, "accounting_storage/slurmdbd"))
        bi->accounting_storage_port = 6819;

    if (set_str(&bi->job_comp_loc,
                (v = get(c, "JobCompLoc"))             ? v
                : !strcmp(bi->job_comp_type, "jobcomp/mysql") ? "slurm_jobcomp_db"
                                                              : "/var/log/slurm_jobcomp.log") < 0)
        return -1;
    bi->job_comp_port = 0;
    if ((v = get(c, "JobCompPort")) && parse_uint(v, 0xffffffffULL, &n) == 0)
        bi->job_comp_port = (uint32_t)n;

    bi->job_requeue = 1;
    if ((v = get(c, "JobRequeue")) && parse_uint(v, 0xffff, &n) == 0)
        bi->job_requeue = n > 1 ? 1 : (uint16_t)n;

    /* conf_flags: IPv4 unless disabled, then one bit per boolean key. */
    bi->conf_flags = 1u << 6;
    if (bi->comm_params && strcasestr(bi->comm_params, "EnableIPv6"))
        bi->conf_flags |= 1u << 7;
    if (bi->comm_params && strcasestr(bi->comm_params, "DisableIPv4"))
        bi->conf_flags &= ~(1u << 6);
    if (truthy(get(c, "AllowSpecResourcesUsage")))
        bi->conf_flags |= 1u << 3;
    if (truthy(get(c, "DisableRootJobs")))
        bi->conf_flags |= 1u << 2;
    if (truthy(get(c, "UsePAM")))
        bi->conf_flags |= 1u << 4;
    if (truthy(get(c, "TrackWCKey")) || (bi->accounting_storage_enforce & 0x04))
        bi->conf_flags |= 1u << 5;
    if ((v = get(c, "AccountingStoreFlags"))) {
        if (strcasestr(v, "job_comment"))
            bi->conf_flags |= 1u << 1;
        if (strcasestr(v, "job_script"))
            bi->conf_flags |= 1u << 9;
        if (strcasestr(v, "job_env"))
            bi->conf_flags |= 1u << 10;
    }
    if (bi->slurmd_params && strcasestr(bi->slurmd_params, "config_override"))
        bi->conf_flags |= 1u << 0;

    bi->cpu_freq_def = FLURM_NO_VAL;
    if (get(c, "CpuFreqDef"))
        note(c, "CpuFreqDef", "not interpreted by FLURM; reported as unset");
    bi->cpu_freq_govs = 0x84000000 | 0x82000000 | 0x80800000;
    if (get(c, "CpuFreqGovernors"))
        flags_key(c, "CpuFreqGovernors", cpu_governors, &bi->cpu_freq_govs);
    if (get(c, "DebugFlags"))
        note(c, "DebugFlags", "not interpreted by FLURM; reported as unset");

    if (parse_mem(c, "DefMemPerNode", "DefMemPerCPU", &bi->def_mem_per_cpu) < 0 ||
        parse_mem(c, "MaxMemPerNode", "MaxMemPerCPU", &bi->max_mem_per_cpu) < 0)
        return -1;
    {
        struct flurm_job_defaults defs[2];
        uint32_t ndefs = 0;
        if ((v = get(c, "DefCPUPerGPU")) && parse_uint(v, ~0ULL, &n) == 0)
            defs[ndefs++] = (struct flurm_job_defaults){.type = 1, .value = n};
        if ((v = get(c, "DefMemPerGPU")) && parse_uint(v, ~0ULL, &n) == 0)
            defs[ndefs++] = (struct flurm_job_defaults){.type = 2, .value = n};
        if (ndefs) {
            if (!(bi->job_defaults_list = calloc(ndefs, sizeof(defs[0]))))
                return -1;
            memcpy(bi->job_defaults_list, defs, ndefs * sizeof(defs[0]));
            bi->job_defaults_list_count = ndefs;
        }
    }

    bi->enforce_part_limits = 0;
    if ((v = get(c, "EnforcePartLimits"))) {
        if (!strcasecmp(v, "all"))
            bi->enforce_part_limits = 1;
        else if (truthy(v) || !strcasecmp(v, "any"))
            bi->enforce_part_limits = 2;
        else if (strcasecmp(v, "no") && strcasecmp(v, "false") && strcmp(v, "0") &&
                 strcasecmp(v, "down")) {
            note(c, "EnforcePartLimits", "unknown value; SLURM would refuse this file");
            c->invalid = 1;
        }
    }
    bi->health_check_node_state = 0x000f;
    if (get(c, "HealthCheckNodeState")) {
        flags_key(c, "HealthCheckNodeState", health_states, &u32);
        bi->health_check_node_state = (uint16_t)(u32 ? u32 : 0x000f);
    }
    bi->log_fmt = 0;
    if ((v = get(c, "LogTimeFormat"))) {
        static const struct flag_name fmts[] = {
            {"iso8601_ms", 0}, {"iso8601", 1}, {"rfc5424_ms", 2}, {"rfc5424", 3},
            {"clock", 4},      {"short", 5},   {"thread_id", 6},  {NULL, 0},
        };
        for (const struct flag_name *f = fmts; f->name; f++) {
            if (strcasestr(v, f->name)) {
                bi->log_fmt = (uint16_t)f->bits;
                break;
            }
        }
    }

    /* MaxNodeCount counts cloud/dynamic room; never fewer than defined. */
    bi->max_node_cnt = 0;
    if ((v = get(c, "MaxNodeCount")) && parse_uint(v, 0xffffffffULL, &n) == 0)
        bi->max_node_cnt = (uint32_t)n;
    if (bi->max_node_cnt < gw_conf_node_count(c->conf))
        bi->max_node_cnt = (uint32_t)gw_conf_node_count(c->conf);

    if ((v = get(c, "PreemptExemptTime"))) {
        unsigned secs = gw_time_str2secs(v);
        if (secs == FLURM_NO_VAL) {
            note(c, "PreemptExemptTime", "not a time; SLURM would refuse this file");
            c->invalid = 1;
        } else {
            bi->preempt_exempt_time = secs;
        }
    }
    bi->preempt_mode = 0;
    if (get(c, "PreemptMode")) {
        flags_key(c, "PreemptMode", preempt_modes, &u32);
        bi->preempt_mode = (uint16_t)u32;
    }
    time_mins_as_secs(c, "PriorityDecayHalfLife", 604800, &bi->priority_decay_hl);
    time_mins_as_secs(c, "PriorityCalcPeriod", 300, &bi->priority_calc_period);
    time_mins_as_secs(c, "PriorityMaxAge", 604800, &bi->priority_max_age);
    bi->priority_favor_small = truthy(get(c, "PriorityFavorSmall")) ? 1 : 0;
    bi->priority_flags = parse_priority_flags((v = get(c, "PriorityFlags")) ? v : "");
    bi->priority_reset_period = 0;
    if ((v = get(c, "PriorityUsageResetPeriod"))) {
        static const char *const periods[] = {"none",    "now",       "daily", "weekly",
                                              "monthly", "quarterly", "yearly"};
        uint16_t i;
        for (i = 0; i < 7 && strcasecmp(v, periods[i]); i++)
            ;
        if (i == 7) {
            note(c, "PriorityUsageResetPeriod", "unknown period; SLURM would refuse this file");
            c->invalid = 1;
        } else {
            bi->priority_reset_period = i;
        }
    }
    bi->private_data = 0;
    if ((v = get(c, "PrivateData")))
        bi->private_data =
            strcasestr(v, "all") ? 0xffff : (uint16_t)substring_flags(v, private_data);
    bi->prolog_flags = 0;
    if (get(c, "PrologFlags")) {
        flags_key(c, "PrologFlags", prolog_flags, &u32);
        bi->prolog_flags = (uint16_t)u32;
    }
    if (!bi->propagate_rlimits_except &&
        set_str(&bi->propagate_rlimits,
                (v = get(c, "PropagateResourceLimits")) ? v : "ALL") < 0)
        return -1;
    bi->reconfig_flags = 0;
    if (get(c, "ReconfigFlags")) {
        flags_key(c, "ReconfigFlags", reconfig_flags, &u32);
        bi->reconfig_flags = (uint16_t)u32;
    }
    bi->sched_time_slice = 30;
    if ((v = get(c, "SchedulerTimeSlice")) && parse_uint(v, 0xffff, &n) == 0 && n >= 5)
        bi->sched_time_slice = (uint16_t)n;
    bi->select_type_param = 0;
    if ((v = get(c, "SelectTypeParameters"))) {
        if (parse_flag_list(v, select_params, &u32) < 0) {
            note(c, "SelectTypeParameters", "unknown parameter; SLURM would refuse this file");
            c->invalid = 1;
        } else {
            bi->select_type_param = (uint16_t)u32;
        }
    }
    if (parse_user(c, "SlurmUser", &bi->slurm_user_name, &bi->slurm_user_id) < 0 ||
        parse_user(c, "SlurmdUser", &bi->slurmd_user_name, &bi->slurmd_user_id) < 0)
        return -1;
    /* The syslog levels default to LOG_LEVEL_END: "(null)" in scontrol. */
    parse_log_level(c, "SlurmctldDebug", 3, &bi->slurmctld_debug);
    parse_log_level(c, "SlurmctldSyslogDebug", 10, &bi->slurmctld_syslog_debug);
    parse_log_level(c, "SlurmdDebug", 3, &bi->slurmd_debug);
    parse_log_level(c, "SlurmdSyslogDebug", 10, &bi->slurmd_syslog_debug);
    fill_ports(c, bi);
    bi->suspend_time = FLURM_INFINITE;
    if ((v = get(c, "SuspendTime")) && strcasecmp(v, "NONE") && strcasecmp(v, "INFINITE") &&
        strcmp(v, "-1"))
        bi->suspend_time = (uint32_t)atoi(v);
    bi->task_plugin_param = (v = get(c, "TaskPluginParam")) ? parse_task_plugin_param(v) : 0;
    bi->tree_width = 50;
    if ((v = get(c, "TreeWidth")) && parse_uint(v, 0xffff, &n) == 0 && n > 0)
        bi->tree_width = (uint16_t)n;
    return fill_controllers(c, bi);
}

int gw_buildinfo_fill(struct flurm_build_info *bi, const struct gw_conf *conf, time_t boot_time,
                      gw_buildinfo_note_fn note_fn, void *arg)
{
    struct ctx c = {.conf = conf, .note = note_fn, .arg = arg};

    if (!bi || !conf) {
        errno = EINVAL;
        return -1;
    }
    memset(bi, 0, sizeof(*bi));
    for (size_t i = 0; i < sizeof(simple_keys) / sizeof(simple_keys[0]); i++) {
        if (fill_simple(&c, bi, &simple_keys[i]) < 0)
            goto error;
    }
    if (fill_special(&c, bi) < 0)
        goto error;
    /* SLURM sends acct_gather.conf's pairs; with no such file, an empty
     * (not NULL) list, as the captured slurmctld did. */
    if (!(bi->acct_gather_conf = calloc(1, sizeof(*bi->acct_gather_conf))))
        goto error;
    bi->acct_gather_conf_count = 0;
    bi->last_update = boot_time;
    bi->boot_time = boot_time;
    bi->hash_val = gw_conf_hash(conf);
    bi->next_job_id = FLURM_NO_VAL;
    if (set_str(&bi->slurm_conf, gw_conf_path(conf)) < 0)
        goto error;
    if (c.invalid) {
        errno = EINVAL;
        goto error;
    }
    return 0;
error:
    {
        int saved = errno;
        flurm_record_free(&flurm_rec_build_info, bi);
        memset(bi, 0, sizeof(*bi));
        errno = saved;
    }
    return -1;
}
