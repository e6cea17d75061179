/*
 * slurmconf.c - read slurm.conf as slurmctld 22.05 does (see slurmconf.h).
 *
 * Reading goes in two passes.  The first walks the files line by line, as
 * SLURM's parse_config.c does: strip comments, join continued lines, strip
 * escapes, then take one KEY=VALUE (and, on NodeName/PartitionName/NodeSet
 * lines, the options that follow).  Values are type-checked there, so an
 * error points at its line.  NodeName and PartitionName lines take the
 * DEFAULT values in force at that point of the file.  The second pass does
 * what needs the whole file: required keys, controllers, ports, users, the
 * nodes of each partition (a partition may name nodes defined further down,
 * or ALL of them).
 *
 * All strings live in one pool freed at destroy, so records can point into
 * it freely.
 */
#include "common/slurmconf.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hostlist.h"

#define MAX_INCLUDE_DEPTH 16

/* ---- what SLURM knows ---------------------------------------------------- */

enum value_type {
    T_STRING,
    T_U16,
    T_U32,
    T_U64,
    T_BOOL,
    T_MINUTES,    /* SLURM time syntax, read in minutes */
    T_PORTS,      /* "N" or "N-M" */
    T_PREEMPT,    /* PreemptMode */
    T_CTL_HOST,   /* "host" or "host(addr)" */
    T_LINE,       /* the line's other KEY=VALUE pairs belong to it */
};

enum support {
    IGNORED = FLURM_SLURMCONF_IGNORED,
    IMPL = FLURM_SLURMCONF_IMPLEMENTED,
    NODE_SIDE = FLURM_SLURMCONF_NODE_SIDE,
    ONLY = FLURM_SLURMCONF_ONLY_VALUE,
};

struct key_info {
    const char *name;  /* SLURM's spelling */
    enum value_type type;
    enum support support;
    const char *only;  /* ONLY: the value FLURM behaves as */
    const char *dflt;  /* SLURM's default as text, NULL if none */
};

/* Every top-level key of SLURM 22.05's slurm_conf_options[] (read_config.c),
 * with its parser type.  'support' is FLURM's explicit list of what it
 * implements; docs/slurm-conf.md says the same for users. */
static const struct key_info known_keys[] = {
    {"AccountingStorageTRES", T_STRING, IGNORED, NULL,
     "cpu,mem,energy,node,billing,fs/disk,vmem,pages"},
    {"AccountingStorageEnforce", T_STRING, IGNORED, NULL, "none"},
    {"AccountingStorageExternalHost", T_STRING, IGNORED, NULL, NULL},
    {"AccountingStorageHost", T_STRING, IGNORED, NULL, NULL},
    {"AccountingStorageBackupHost", T_STRING, IGNORED, NULL, NULL},
    {"AccountingStorageLoc", T_STRING, IGNORED, NULL, NULL},
    {"AccountingStorageParameters", T_STRING, IGNORED, NULL, NULL},
    {"AccountingStoragePass", T_STRING, IGNORED, NULL, NULL},
    {"AccountingStoragePort", T_U16, IGNORED, NULL, "0"},
    {"AccountingStorageType", T_STRING, ONLY, "accounting_storage/none",
     "accounting_storage/none"},
    {"AccountingStorageUser", T_STRING, IGNORED, NULL, "root"},
    {"AccountingStoreFlags", T_STRING, IGNORED, NULL, NULL},
    {"AccountingStoreJobComment", T_BOOL, IGNORED, NULL, NULL},
    {"AcctGatherEnergyType", T_STRING, ONLY, "acct_gather_energy/none",
     "acct_gather_energy/none"},
    {"AcctGatherNodeFreq", T_U16, IGNORED, NULL, "0"},
    {"AcctGatherProfileType", T_STRING, ONLY, "acct_gather_profile/none",
     "acct_gather_profile/none"},
    {"AcctGatherInterconnectType", T_STRING, ONLY,
     "acct_gather_interconnect/none", "acct_gather_interconnect/none"},
    {"AcctGatherInfinibandType", T_STRING, IGNORED, NULL, NULL},
    {"AcctGatherFilesystemType", T_STRING, ONLY, "acct_gather_filesystem/none",
     "acct_gather_filesystem/none"},
    {"AllowSpecResourcesUsage", T_BOOL, IGNORED, NULL, "no"},
    {"AuthAltTypes", T_STRING, IGNORED, NULL, NULL},
    {"AuthAltParameters", T_STRING, IGNORED, NULL, NULL},
    {"AuthInfo", T_STRING, IMPL, NULL, NULL},
    {"AuthType", T_STRING, ONLY, "auth/munge", "auth/munge"},
    {"BackupAddr", T_STRING, IMPL, NULL, NULL},
    {"BackupController", T_STRING, IMPL, NULL, NULL},
    {"BatchStartTimeout", T_U16, IGNORED, NULL, "10"},
    {"BcastExclude", T_STRING, IGNORED, NULL, "/lib,/usr/lib,/lib64,/usr/lib64"},
    {"BcastParameters", T_STRING, IGNORED, NULL, NULL},
    {"BurstBufferParameters", T_STRING, IGNORED, NULL, NULL},
    {"BurstBufferType", T_STRING, IGNORED, NULL, NULL},
    {"CoreSpecPlugin", T_STRING, ONLY, "core_spec/none", "core_spec/none"},
    {"CliFilterPlugins", T_STRING, NODE_SIDE, NULL, NULL},
    {"ClusterName", T_STRING, IMPL, NULL, NULL},
    {"CommunicationParameters", T_STRING, IGNORED, NULL, NULL},
    {"CompleteWait", T_U16, IGNORED, NULL, "0"},
    {"ControlAddr", T_STRING, IMPL, NULL, NULL},
    {"ControlMachine", T_STRING, IMPL, NULL, NULL},
    {"CpuFreqDef", T_STRING, IGNORED, NULL, NULL},
    {"CpuFreqGovernors", T_STRING, IGNORED, NULL,
     "OnDemand,Performance,UserSpace"},
    {"CredType", T_STRING, ONLY, "cred/munge", "cred/munge"},
    {"CryptoType", T_STRING, IGNORED, NULL, NULL},
    {"DebugFlags", T_STRING, IGNORED, NULL, NULL},
    {"DefCPUPerGPU", T_U64, IGNORED, NULL, NULL},
    {"DefMemPerCPU", T_U64, IMPL, NULL, "0"},
    {"DefMemPerGPU", T_U64, IGNORED, NULL, NULL},
    {"DefMemPerNode", T_U64, IMPL, NULL, "0"},
    {"DependencyParameters", T_STRING, IGNORED, NULL, NULL},
    {"DisableRootJobs", T_BOOL, IMPL, NULL, "no"},
    {"EioTimeout", T_U16, NODE_SIDE, NULL, "60"},
    {"EnforcePartLimits", T_STRING, IMPL, NULL, "NO"},
    {"Epilog", T_STRING, NODE_SIDE, NULL, NULL},
    {"EpilogMsgTime", T_U32, IGNORED, NULL, "2000"},
    {"EpilogSlurmctld", T_STRING, IGNORED, NULL, NULL},
    {"ExtSensorsType", T_STRING, ONLY, "ext_sensors/none", "ext_sensors/none"},
    {"ExtSensorsFreq", T_U16, IGNORED, NULL, "0"},
    {"FairShareDampeningFactor", T_U16, IGNORED, NULL, "1"},
    {"FastSchedule", T_U16, IGNORED, NULL, NULL},
    {"FederationParameters", T_STRING, IGNORED, NULL, NULL},
    {"FirstJobId", T_U32, IMPL, NULL, "1"},
    {"GetEnvTimeout", T_U16, IGNORED, NULL, "2"},
    {"GresTypes", T_STRING, IMPL, NULL, NULL},
    {"GroupUpdateForce", T_U16, IGNORED, NULL, "1"},
    {"GroupUpdateTime", T_U16, IGNORED, NULL, "600"},
    {"GpuFreqDef", T_STRING, IGNORED, NULL, "high,memory=high"},
    {"HealthCheckInterval", T_U16, IGNORED, NULL, "0"},
    {"HealthCheckNodeState", T_STRING, IGNORED, NULL, "ANY"},
    {"HealthCheckProgram", T_STRING, IGNORED, NULL, NULL},
    {"InteractiveStepOptions", T_STRING, NODE_SIDE, NULL,
     "--interactive --preserve-env --pty $SHELL"},
    {"InactiveLimit", T_U16, IGNORED, NULL, "0"},
    {"JobAcctGatherType", T_STRING, ONLY, "jobacct_gather/none",
     "jobacct_gather/none"},
    {"JobAcctGatherFrequency", T_STRING, NODE_SIDE, NULL, "30"},
    {"JobAcctGatherParams", T_STRING, NODE_SIDE, NULL, NULL},
    {"JobCompHost", T_STRING, IGNORED, NULL, "localhost"},
    {"JobCompLoc", T_STRING, IGNORED, NULL, "/var/log/slurm_jobcomp.log"},
    {"JobCompParams", T_STRING, IGNORED, NULL, NULL},
    {"JobCompPass", T_STRING, IGNORED, NULL, NULL},
    {"JobCompPort", T_U32, IGNORED, NULL, "0"},
    {"JobCompType", T_STRING, ONLY, "jobcomp/none", "jobcomp/none"},
    {"JobContainerType", T_STRING, ONLY, "job_container/none",
     "job_container/none"},
    {"JobCompUser", T_STRING, IGNORED, NULL, "root"},
    {"JobCredentialPrivateKey", T_STRING, IGNORED, NULL, NULL},
    {"JobCredentialPublicCertificate", T_STRING, IGNORED, NULL, NULL},
    {"JobFileAppend", T_U16, IGNORED, NULL, "0"},
    {"JobRequeue", T_U16, IMPL, NULL, "1"},
    {"JobSubmitPlugins", T_STRING, IGNORED, NULL, NULL},
    {"KeepAliveTime", T_U32, IGNORED, NULL, NULL},
    {"KillOnBadExit", T_U16, IGNORED, NULL, "0"},
    {"KillWait", T_U16, IGNORED, NULL, "30"},
    {"LaunchParameters", T_STRING, IGNORED, NULL, NULL},
    {"LaunchType", T_STRING, ONLY, "launch/slurm", "launch/slurm"},
    {"Licenses", T_STRING, IGNORED, NULL, NULL},
    {"LogTimeFormat", T_STRING, IGNORED, NULL, "iso8601_ms"},
    {"MailDomain", T_STRING, IGNORED, NULL, NULL},
    {"MailProg", T_STRING, IGNORED, NULL, "/bin/mail"},
    {"MaxArraySize", T_U32, IMPL, NULL, "1001"},
    {"MaxDBDMsgs", T_U32, IGNORED, NULL, NULL},
    {"MaxJobCount", T_U32, IMPL, NULL, "10000"},
    {"MaxNodeCount", T_U32, IGNORED, NULL, NULL},
    {"MaxJobId", T_U32, IMPL, NULL, "67043328"},
    {"MaxMemPerCPU", T_U64, IMPL, NULL, "0"},
    {"MaxMemPerNode", T_U64, IMPL, NULL, "0"},
    {"MaxStepCount", T_U32, IGNORED, NULL, "40000"},
    {"MaxTasksPerNode", T_U16, IGNORED, NULL, "512"},
    {"MCSParameters", T_STRING, IGNORED, NULL, NULL},
    {"MCSPlugin", T_STRING, ONLY, "mcs/none", "mcs/none"},
    {"MessageTimeout", T_U16, IGNORED, NULL, "10"},
    {"MinJobAge", T_U32, IGNORED, NULL, "300"},
    {"MpiDefault", T_STRING, NODE_SIDE, NULL, "none"},
    {"MpiParams", T_STRING, NODE_SIDE, NULL, NULL},
    {"NodeFeaturesPlugins", T_STRING, IGNORED, NULL, NULL},
    {"OverTimeLimit", T_U16, IGNORED, NULL, "0"},
    {"PluginDir", T_STRING, NODE_SIDE, NULL, NULL},
    {"PlugStackConfig", T_STRING, NODE_SIDE, NULL, NULL},
    {"PowerParameters", T_STRING, IGNORED, NULL, NULL},
    {"PowerPlugin", T_STRING, IGNORED, NULL, NULL},
    {"PreemptMode", T_PREEMPT, IMPL, NULL, "OFF"},
    {"PreemptType", T_STRING, IMPL, NULL, "preempt/none"},
    {"PreemptExemptTime", T_STRING, IGNORED, NULL, NULL},
    {"PrEpParameters", T_STRING, IGNORED, NULL, NULL},
    {"PrEpPlugins", T_STRING, IGNORED, NULL, "prep/script"},
    {"PriorityDecayHalfLife", T_MINUTES, IGNORED, NULL, "7-0"},
    {"PriorityCalcPeriod", T_MINUTES, IGNORED, NULL, "5"},
    {"PriorityFavorSmall", T_BOOL, IGNORED, NULL, "no"},
    {"PriorityMaxAge", T_MINUTES, IMPL, NULL, "7-0"},
    {"PriorityParameters", T_STRING, IGNORED, NULL, NULL},
    {"PriorityUsageResetPeriod", T_STRING, IGNORED, NULL, "NONE"},
    {"PriorityType", T_STRING, IMPL, NULL, "priority/basic"},
    {"PriorityFlags", T_STRING, IGNORED, NULL, NULL},
    {"PrioritySiteFactorParameters", T_STRING, IGNORED, NULL, NULL},
    {"PrioritySiteFactorPlugin", T_STRING, IGNORED, NULL, NULL},
    {"PriorityWeightAge", T_U32, IMPL, NULL, "0"},
    {"PriorityWeightAssoc", T_U32, IMPL, NULL, "0"},
    {"PriorityWeightFairshare", T_U32, IMPL, NULL, "0"},
    {"PriorityWeightJobSize", T_U32, IMPL, NULL, "0"},
    {"PriorityWeightPartition", T_U32, IMPL, NULL, "0"},
    {"PriorityWeightQOS", T_U32, IMPL, NULL, "0"},
    {"PriorityWeightTRES", T_STRING, IMPL, NULL, NULL},
    {"PrivateData", T_STRING, IMPL, NULL, "none"},
    {"ProctrackType", T_STRING, NODE_SIDE, NULL, "proctrack/cgroup"},
    {"Prolog", T_STRING, NODE_SIDE, NULL, NULL},
    {"PrologSlurmctld", T_STRING, IGNORED, NULL, NULL},
    {"PrologEpilogTimeout", T_U16, NODE_SIDE, NULL, "65534"},
    {"PrologFlags", T_STRING, IGNORED, NULL, NULL},
    {"PropagatePrioProcess", T_U16, NODE_SIDE, NULL, "0"},
    {"PropagateResourceLimitsExcept", T_STRING, NODE_SIDE, NULL, NULL},
    {"PropagateResourceLimits", T_STRING, NODE_SIDE, NULL, "ALL"},
    {"RebootProgram", T_STRING, IGNORED, NULL, NULL},
    {"ReconfigFlags", T_STRING, IGNORED, NULL, NULL},
    {"RequeueExit", T_STRING, IGNORED, NULL, NULL},
    {"RequeueExitHold", T_STRING, IGNORED, NULL, NULL},
    {"ResumeFailProgram", T_STRING, IGNORED, NULL, NULL},
    {"ResumeProgram", T_STRING, IGNORED, NULL, NULL},
    {"ResumeRate", T_U16, IGNORED, NULL, "300"},
    {"ResumeTimeout", T_U16, IGNORED, NULL, "60"},
    {"ResvEpilog", T_STRING, IGNORED, NULL, NULL},
    {"ResvOverRun", T_U16, IGNORED, NULL, "0"},
    {"ResvProlog", T_STRING, IGNORED, NULL, NULL},
    {"ReturnToService", T_U16, IMPL, NULL, "0"},
    {"RoutePlugin", T_STRING, ONLY, "route/default", "route/default"},
    {"SallocDefaultCommand", T_STRING, IGNORED, NULL, NULL},
    {"SbcastParameters", T_STRING, IGNORED, NULL, NULL},
    {"SchedulerAuth", T_STRING, IGNORED, NULL, NULL},
    {"SchedulerParameters", T_STRING, IGNORED, NULL, NULL},
    {"SchedulerTimeSlice", T_U16, IGNORED, NULL, "30"},
    {"SchedulerType", T_STRING, IMPL, NULL, "sched/backfill"},
    {"ScronParameters", T_STRING, IGNORED, NULL, NULL},
    {"SelectType", T_STRING, IMPL, NULL, "select/linear"},
    {"SelectTypeParameters", T_STRING, IMPL, NULL, NULL},
    {"SlurmUser", T_STRING, IMPL, NULL, "root"},
    {"SlurmdUser", T_STRING, IMPL, NULL, "root"},
    {"SlurmctldAddr", T_STRING, IGNORED, NULL, NULL},
    {"SlurmctldDebug", T_STRING, IGNORED, NULL, "info"},
    {"SlurmctldLogFile", T_STRING, IGNORED, NULL, NULL},
    {"SlurmctldPidFile", T_STRING, IGNORED, NULL, "/var/run/slurmctld.pid"},
    {"SlurmctldPlugstack", T_STRING, IGNORED, NULL, NULL},
    {"SlurmctldPort", T_PORTS, IMPL, NULL, "6817"},
    {"SlurmctldPrimaryOffProg", T_STRING, IGNORED, NULL, NULL},
    {"SlurmctldPrimaryOnProg", T_STRING, IGNORED, NULL, NULL},
    {"SlurmctldSyslogDebug", T_STRING, IGNORED, NULL, NULL},
    {"SlurmctldTimeout", T_U16, IMPL, NULL, "120"},
    {"SlurmctldParameters", T_STRING, IGNORED, NULL, NULL},
    {"SlurmdDebug", T_STRING, NODE_SIDE, NULL, "info"},
    {"SlurmdLogFile", T_STRING, NODE_SIDE, NULL, NULL},
    {"SlurmdParameters", T_STRING, IGNORED, NULL, NULL},
    {"SlurmdPidFile", T_STRING, NODE_SIDE, NULL, "/var/run/slurmd.pid"},
    {"SlurmdPort", T_U32, IMPL, NULL, "6818"},
    {"SlurmdSpoolDir", T_STRING, NODE_SIDE, NULL, "/var/spool/slurmd"},
    {"SlurmdSyslogDebug", T_STRING, NODE_SIDE, NULL, NULL},
    {"SlurmdTimeout", T_U16, IMPL, NULL, "300"},
    {"SlurmSchedLogFile", T_STRING, IGNORED, NULL, NULL},
    {"SlurmSchedLogLevel", T_U16, IGNORED, NULL, "0"},
    {"SrunEpilog", T_STRING, NODE_SIDE, NULL, NULL},
    {"SrunProlog", T_STRING, NODE_SIDE, NULL, NULL},
    {"SrunPortRange", T_STRING, NODE_SIDE, NULL, "0-0"},
    {"StateSaveLocation", T_STRING, IMPL, NULL, "/var/spool"},
    {"SuspendExcNodes", T_STRING, IGNORED, NULL, NULL},
    {"SuspendExcParts", T_STRING, IGNORED, NULL, NULL},
    {"SuspendProgram", T_STRING, IGNORED, NULL, NULL},
    {"SuspendRate", T_U16, IGNORED, NULL, "60"},
    {"SuspendTime", T_STRING, IGNORED, NULL, "INFINITE"},
    {"SuspendTimeout", T_U16, IGNORED, NULL, "30"},
    {"SwitchParameters", T_STRING, IGNORED, NULL, NULL},
    {"SwitchType", T_STRING, ONLY, "switch/none", "switch/none"},
    {"TaskEpilog", T_STRING, NODE_SIDE, NULL, NULL},
    {"TaskProlog", T_STRING, NODE_SIDE, NULL, NULL},
    {"TaskPlugin", T_STRING, NODE_SIDE, NULL, "task/none"},
    {"TaskPluginParam", T_STRING, NODE_SIDE, NULL, NULL},
    {"TCPTimeout", T_U16, IGNORED, NULL, "2"},
    {"TmpFS", T_STRING, NODE_SIDE, NULL, "/tmp"},
    {"TopologyParam", T_STRING, IGNORED, NULL, NULL},
    {"TopologyPlugin", T_STRING, ONLY, "topology/none", "topology/none"},
    {"TrackWCKey", T_BOOL, IGNORED, NULL, "no"},
    {"TreeWidth", T_U16, IGNORED, NULL, "50"},
    {"UnkillableStepProgram", T_STRING, NODE_SIDE, NULL, NULL},
    {"UnkillableStepTimeout", T_U16, NODE_SIDE, NULL, "60"},
    {"UsePAM", T_BOOL, NODE_SIDE, NULL, "no"},
    {"VSizeFactor", T_U16, IGNORED, NULL, "0"},
    {"WaitTime", T_U16, NODE_SIDE, NULL, "0"},
    {"X11Parameters", T_STRING, IGNORED, NULL, NULL},
    {"DownNodes", T_LINE, IGNORED, NULL, NULL},
    {"FrontendName", T_LINE, IGNORED, NULL, NULL},
    {"NodeName", T_LINE, IMPL, NULL, NULL},
    {"NodeSet", T_LINE, IMPL, NULL, NULL},
    {"PartitionName", T_LINE, IMPL, NULL, NULL},
    {"SlurmctldHost", T_CTL_HOST, IMPL, NULL, NULL},
};

#define NKNOWN (sizeof(known_keys) / sizeof(known_keys[0]))

/* An option of a NodeName / PartitionName / NodeSet line. */
struct opt_info {
    const char *name;
    enum value_type type;
    bool implemented;
    bool from_default; /* a DEFAULT line's value applies (SLURM skips a few) */
};

/* read_config.c's _nodename_options[]. */
enum node_opt {
    N_BCASTADDR, N_BOARDS, N_CORESPECCOUNT, N_CORESPERSOCKET, N_CPUS,
    N_CPUSPECLIST, N_CPUBIND, N_FEATURE, N_FEATURES, N_GRES,
    N_MEMSPECLIMIT, N_NODEADDR, N_NODEHOSTNAME, N_PORT, N_PROCS,
    N_REALMEMORY, N_REASON, N_SOCKETS, N_SOCKETSPERBOARD, N_STATE,
    N_THREADSPERCORE, N_TMPDISK, N_TRESWEIGHTS, N_WEIGHT, N_COUNT
};

static const struct opt_info node_opts[N_COUNT] = {
    [N_BCASTADDR] = {"BcastAddr", T_STRING, false, true},
    [N_BOARDS] = {"Boards", T_U16, true, true},
    [N_CORESPECCOUNT] = {"CoreSpecCount", T_U16, true, true},
    [N_CORESPERSOCKET] = {"CoresPerSocket", T_U16, true, true},
    [N_CPUS] = {"CPUs", T_U16, true, true},
    [N_CPUSPECLIST] = {"CPUSpecList", T_STRING, true, true},
    [N_CPUBIND] = {"CpuBind", T_STRING, false, true},
    [N_FEATURE] = {"Feature", T_STRING, true, true},
    [N_FEATURES] = {"Features", T_STRING, true, true},
    [N_GRES] = {"Gres", T_STRING, true, true},
    [N_MEMSPECLIMIT] = {"MemSpecLimit", T_U64, true, true},
    [N_NODEADDR] = {"NodeAddr", T_STRING, true, false},
    [N_NODEHOSTNAME] = {"NodeHostname", T_STRING, true, false},
    [N_PORT] = {"Port", T_STRING, true, true},
    [N_PROCS] = {"Procs", T_U16, true, true},
    [N_REALMEMORY] = {"RealMemory", T_U64, true, true},
    [N_REASON] = {"Reason", T_STRING, true, true},
    [N_SOCKETS] = {"Sockets", T_U16, true, true},
    [N_SOCKETSPERBOARD] = {"SocketsPerBoard", T_U16, true, true},
    [N_STATE] = {"State", T_STRING, true, true},
    [N_THREADSPERCORE] = {"ThreadsPerCore", T_U16, true, true},
    [N_TMPDISK] = {"TmpDisk", T_U32, true, true},
    [N_TRESWEIGHTS] = {"TRESWeights", T_STRING, false, true},
    [N_WEIGHT] = {"Weight", T_U32, true, true},
};

/* read_config.c's _partition_options[]. */
enum part_opt {
    P_ALLOCNODES, P_ALLOWACCOUNTS, P_ALLOWGROUPS, P_ALLOWQOS, P_ALTERNATE,
    P_CPUBIND, P_DEFCPUPERGPU, P_DEFMEMPERCPU, P_DEFMEMPERGPU,
    P_DEFMEMPERNODE, P_DEFAULT, P_DEFAULTTIME, P_DENYACCOUNTS, P_DENYQOS,
    P_DISABLEROOTJOBS, P_EXCLUSIVEUSER, P_GRACETIME, P_HIDDEN, P_LLN,
    P_MAXCPUSPERNODE, P_MAXMEMPERCPU, P_MAXMEMPERNODE, P_MAXTIME,
    P_MAXNODES, P_MINNODES, P_NODES, P_OVERSUBSCRIBE, P_OVERTIMELIMIT,
    P_PREEMPTMODE, P_PRIORITY, P_PRIORITYJOBFACTOR, P_PRIORITYTIER, P_QOS,
    P_ROOTONLY, P_REQRESV, P_RESUMETIMEOUT, P_SELECTTYPEPARAMETERS,
    P_SHARED, P_STATE, P_SUSPENDTIME, P_SUSPENDTIMEOUT,
    P_TRESBILLINGWEIGHTS, P_COUNT
};

static const struct opt_info part_opts[P_COUNT] = {
    [P_ALLOCNODES] = {"AllocNodes", T_STRING, false, true},
    [P_ALLOWACCOUNTS] = {"AllowAccounts", T_STRING, true, true},
    [P_ALLOWGROUPS] = {"AllowGroups", T_STRING, true, true},
    [P_ALLOWQOS] = {"AllowQos", T_STRING, true, true},
    [P_ALTERNATE] = {"Alternate", T_STRING, false, true},
    [P_CPUBIND] = {"CpuBind", T_STRING, false, true},
    [P_DEFCPUPERGPU] = {"DefCPUPerGPU", T_U64, false, true},
    [P_DEFMEMPERCPU] = {"DefMemPerCPU", T_U64, true, true},
    [P_DEFMEMPERGPU] = {"DefMemPerGPU", T_U64, false, true},
    [P_DEFMEMPERNODE] = {"DefMemPerNode", T_U64, true, true},
    [P_DEFAULT] = {"Default", T_BOOL, true, true},
    [P_DEFAULTTIME] = {"DefaultTime", T_MINUTES, true, true},
    [P_DENYACCOUNTS] = {"DenyAccounts", T_STRING, true, true},
    [P_DENYQOS] = {"DenyQos", T_STRING, true, true},
    [P_DISABLEROOTJOBS] = {"DisableRootJobs", T_BOOL, false, false},
    [P_EXCLUSIVEUSER] = {"ExclusiveUser", T_BOOL, false, false},
    [P_GRACETIME] = {"GraceTime", T_U32, false, true},
    [P_HIDDEN] = {"Hidden", T_BOOL, true, true},
    [P_LLN] = {"LLN", T_BOOL, false, true},
    [P_MAXCPUSPERNODE] = {"MaxCPUsPerNode", T_U32, true, true},
    [P_MAXMEMPERCPU] = {"MaxMemPerCPU", T_U64, true, true},
    [P_MAXMEMPERNODE] = {"MaxMemPerNode", T_U64, true, true},
    [P_MAXTIME] = {"MaxTime", T_MINUTES, true, true},
    [P_MAXNODES] = {"MaxNodes", T_U32, true, true},
    [P_MINNODES] = {"MinNodes", T_U32, true, true},
    [P_NODES] = {"Nodes", T_STRING, true, true},
    [P_OVERSUBSCRIBE] = {"OverSubscribe", T_STRING, true, true},
    [P_OVERTIMELIMIT] = {"OverTimeLimit", T_STRING, false, true},
    [P_PREEMPTMODE] = {"PreemptMode", T_PREEMPT, true, true},
    [P_PRIORITY] = {"Priority", T_U16, true, true},
    [P_PRIORITYJOBFACTOR] = {"PriorityJobFactor", T_U16, true, true},
    [P_PRIORITYTIER] = {"PriorityTier", T_U16, true, true},
    [P_QOS] = {"QOS", T_STRING, false, true},
    [P_ROOTONLY] = {"RootOnly", T_BOOL, true, true},
    [P_REQRESV] = {"ReqResv", T_BOOL, false, true},
    [P_RESUMETIMEOUT] = {"ResumeTimeout", T_U16, false, true},
    [P_SELECTTYPEPARAMETERS] = {"SelectTypeParameters", T_STRING, false, false},
    [P_SHARED] = {"Shared", T_STRING, true, true},
    [P_STATE] = {"State", T_STRING, true, true},
    [P_SUSPENDTIME] = {"SuspendTime", T_STRING, false, false},
    [P_SUSPENDTIMEOUT] = {"SuspendTimeout", T_U16, false, true},
    [P_TRESBILLINGWEIGHTS] = {"TRESBillingWeights", T_STRING, false, true},
};

/* read_config.c's _nodeset_options[]. */
enum nodeset_opt { S_FEATURE, S_NODES, S_COUNT };

static const struct opt_info nodeset_opts[S_COUNT] = {
    [S_FEATURE] = {"Feature", T_STRING, true, true},
    [S_NODES] = {"Nodes", T_STRING, true, true},
};

#define MAX_OPTS P_COUNT

/* The options given on one line (values in the pool; NULL = not given). */
struct opt_values {
    const char *v[MAX_OPTS];
};

/* ---- the loaded configuration ---------------------------------------------- */

struct setting {
    const char *key;   /* as written */
    const char *value;
    const char *file;
    int line;
    const struct key_info *info; /* NULL: unknown to SLURM 22.05 */
};

struct nodeset {
    const char *name;
    const char *nodes;
    const char *feature;
    const char *file;
    int line;
};

struct pending_part {
    const char *nodes;  /* Nodes= with blanks made commas, NULL if unset */
};

struct controller {
    const char *host;
    const char *addr;
};

struct auth_opt {
    const char *name;
    const char *value;
};

struct flurm_slurmconf {
    char *path;
    void **pool;
    size_t npool, cappool;

    struct setting *settings;
    size_t nsettings, capsettings;

    struct flurm_slurmconf_node *nodes;
    size_t nnodes, capnodes;
    size_t *node_hash;  /* open addressing: node index + 1, 0 = free */
    size_t hash_cap;

    struct flurm_slurmconf_partition *parts;
    struct pending_part *pending;
    size_t nparts, capparts;
    ssize_t default_part;

    struct nodeset *nodesets;
    size_t nnodesets, capnodesets;

    struct controller *ctls;
    size_t nctls;

    const char *cluster_name;
    uint16_t ctld_port, ctld_port_count, slurmd_port;
    uid_t slurm_uid, slurmd_uid;
    const char *slurm_user, *slurmd_user;
    struct auth_opt *auth;
    size_t nauth;
    uint16_t preempt_mode;

    const char **unimplemented;
    size_t nunimpl, capunimpl;
    const char **unknown;
    size_t nunknown, capunknown;
    const char **warnings;
    size_t nwarnings, capwarnings;

    /* while reading */
    struct opt_values node_dflt, part_dflt;
    bool node_opt_used[N_COUNT], part_opt_used[P_COUNT];
    char *err;
    size_t errlen;
};

/* ---- small helpers ----------------------------------------------------------- */

static int fail(struct flurm_slurmconf *c, const char *file, int line,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Record "FILE:LINE: message" (line 0: "FILE: message"); returns -1 with
 * errno EINVAL. */
static int fail(struct flurm_slurmconf *c, const char *file, int line,
                const char *fmt, ...)
{
    va_list ap;

    if (c->err && c->errlen > 0) {
        int n = line > 0 ? snprintf(c->err, c->errlen, "%s:%d: ", file, line)
                         : snprintf(c->err, c->errlen, "%s: ", file);
        if (n >= 0 && (size_t)n < c->errlen) {
            va_start(ap, fmt);
            vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    errno = EINVAL;
    return -1;
}

/* Grow *arr (of *cap elements of 'size' bytes) to hold n + 1 elements. */
static int grow(void *arr, size_t *cap, size_t n, size_t size)
{
    void **p = arr;

    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *q = realloc(*p, ncap * size);
    if (!q) {
        errno = ENOMEM;
        return -1;
    }
    memset((char *)q + *cap * size, 0, (ncap - *cap) * size);
    *p = q;
    *cap = ncap;
    return 0;
}

/* Hand 'p' (malloc'ed, may be NULL after a failed allocation) to the pool;
 * returns it, or NULL (and frees it) on failure. */
static void *keep(struct flurm_slurmconf *c, void *p)
{
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    if (grow(&c->pool, &c->cappool, c->npool, sizeof(*c->pool)) < 0) {
        free(p);
        return NULL;
    }
    c->pool[c->npool++] = p;
    return p;
}

static const char *keep_str(struct flurm_slurmconf *c, const char *s)
{
    return keep(c, strdup(s));
}

static const char *keep_strn(struct flurm_slurmconf *c, const char *s,
                             size_t n)
{
    return keep(c, strndup(s, n));
}

static const char *keep_printf(struct flurm_slurmconf *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *keep_printf(struct flurm_slurmconf *c, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return keep(c, s);
}

/* Append a pool string to a NULL-terminated list. */
static int list_add(const char ***list, size_t *n, size_t *cap, const char *s)
{
    if (!s)
        return -1;
    if (*n + 1 >= *cap && grow(list, cap, *n + 1, sizeof(**list)) < 0)
        return -1;
    (*list)[(*n)++] = s;
    (*list)[*n] = NULL;
    return 0;
}

static int warn(struct flurm_slurmconf *c, const char *file, int line,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int warn(struct flurm_slurmconf *c, const char *file, int line,
                const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (!msg) {
        errno = ENOMEM;
        return -1;
    }
    const char *s = keep_printf(c, "%s:%d: %s", file, line, msg);
    free(msg);
    return list_add(&c->warnings, &c->nwarnings, &c->capwarnings, s);
}

static const struct key_info *find_key(const char *key)
{
    for (size_t i = 0; i < NKNOWN; i++) {
        if (strcasecmp(known_keys[i].name, key) == 0)
            return &known_keys[i];
    }
    return NULL;
}

static int find_opt(const struct opt_info *opts, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(opts[i].name, key) == 0)
            return (int)i;
    }
    return -1;
}

static const struct setting *last_setting(const struct flurm_slurmconf *c,
                                          const char *key)
{
    for (size_t i = c->nsettings; i-- > 0;) {
        if (strcasecmp(c->settings[i].key, key) == 0)
            return &c->settings[i];
    }
    return NULL;
}

/* Length of 's' without its trailing blanks (for messages). */
static int trimmed_len(const char *s)
{
    size_t n = strlen(s);

    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return (int)n;
}

static bool is_blank(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

/* ---- value syntax ------------------------------------------------------------ */

/* SLURM's s_p_handle_uint16/32/64: C syntax (0x.., 0..), a k/K suffix
 * (x1024) for 32 and 64 bits, UNLIMITED/INFINITE for the maximum.  Returns
 * NULL or a reason. */
static const char *parse_number(const char *v, enum value_type t,
                                uint64_t *out)
{
    uint64_t max = t == T_U16 ? 0xffff : t == T_U32 ? 0xffffffffu : UINT64_MAX;
    char *end;

    if (strcasecmp(v, "UNLIMITED") == 0 || strcasecmp(v, "INFINITE") == 0) {
        *out = max;
        return NULL;
    }
    errno = 0;
    unsigned long long n = strtoull(v, &end, 0);
    if (t != T_U16 && (*end == 'k' || *end == 'K')) {
        if (__builtin_mul_overflow(n, 1024ULL, &n))
            errno = ERANGE;
        end++;
    }
    if (*end != '\0')
        return "is not a valid number";
    if (errno == ERANGE)
        return "is out of range";
    if (strchr(v, '-'))
        return "is less than zero";
    if (n > max)
        return t == T_U16 ? "is greater than 65535" : "is greater than 4294967295";
    *out = n;
    return NULL;
}

/* SLURM's s_p_handle_boolean. */
static int parse_bool(const char *v, bool *out)
{
    static const char *yes[] = {"yes", "up", "true", "1"};
    static const char *no[] = {"no", "down", "false", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

int flurm_slurmconf_parse_minutes(const char *text, uint32_t *minutes)
{
    int runs = 0, dashes = 0, colons = 0;
    bool in_digits = false;
    int64_t f[4] = {0, 0, 0, 0};
    int nf = 0;

    if (!text || !*text)
        goto invalid;
    if (strcmp(text, "-1") == 0 || strcasecmp(text, "INFINITE") == 0 ||
        strcasecmp(text, "UNLIMITED") == 0) {
        *minutes = FLURM_SLURMCONF_INFINITE;
        return 0;
    }
    /* the shapes SLURM's _is_valid_timespec() lets through */
    for (const char *s = text; *s; s++) {
        if (isdigit((unsigned char)*s)) {
            if (!in_digits) {
                runs++;
                in_digits = true;
                if (nf == 4)
                    goto invalid;
                nf++;
            }
            f[nf - 1] = f[nf - 1] * 10 + (*s - '0');
            if (f[nf - 1] > INT32_MAX)
                goto invalid;
        } else if (*s == '-') {
            in_digits = false;
            if (colons || s == text)
                goto invalid;
            dashes++;
        } else if (*s == ':') {
            in_digits = false;
            colons++;
        } else {
            goto invalid;
        }
    }
    if (runs == 0 || dashes > 1 || colons > 2)
        goto invalid;
    /* with a colon, no field may be empty ("5:", "1-2:"); "D-" is a day */
    if (colons > 0 && runs < colons + 1 + dashes)
        goto invalid;
    int64_t secs;
    if (dashes) {
        /* days-hours[:minutes[:seconds]] */
        secs = f[0] * 86400 + f[1] * 3600 + f[2] * 60 + f[3];
    } else if (colons == 2) {
        secs = f[0] * 3600 + f[1] * 60 + f[2];
    } else {
        secs = f[0] * 60 + f[1]; /* minutes[:seconds] */
    }
    if (secs > INT32_MAX)
        goto invalid;
    *minutes = (uint32_t)((secs + 59) / 60);
    return 0;
invalid:
    errno = EINVAL;
    return -1;
}

/* SLURM's preempt_mode_num(): one of OFF/CLUSTER, CANCEL, REQUEUE,
 * SUSPEND/ON, optionally with GANG or WITHIN (not both). */
static int parse_preempt_mode(const char *v, uint16_t *out)
{
    uint16_t mode = 0;
    int bases = 0;
    const char *p = v;

    for (;;) {
        size_t len = strcspn(p, ",");
        if (len == 3 && strncasecmp(p, "off", 3) == 0) {
            bases++;
        } else if (len == 7 && strncasecmp(p, "cluster", 7) == 0) {
            bases++;
        } else if (len == 6 && strncasecmp(p, "cancel", 6) == 0) {
            mode |= 0x0008;
            bases++;
        } else if (len == 7 && strncasecmp(p, "requeue", 7) == 0) {
            mode |= 0x0002;
            bases++;
        } else if ((len == 2 && strncasecmp(p, "on", 2) == 0) ||
                   (len == 7 && strncasecmp(p, "suspend", 7) == 0)) {
            mode |= 0x0001;
            bases++;
        } else if (len == 4 && strncasecmp(p, "gang", 4) == 0) {
            mode |= 0x8000;
        } else if (len == 6 && strncasecmp(p, "within", 6) == 0) {
            mode |= 0x4000;
        } else if (len != 0) {
            return -1;
        }
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    if (bases > 1 || ((mode & 0x8000) && (mode & 0x4000)))
        return -1;
    *out = mode;
    return 0;
}

/* SlurmctldPort: "N" or "N-M" with 0 < N < M <= 65535. */
static int parse_ports(const char *v, uint16_t *first, uint16_t *count)
{
    char *end;

    errno = 0;
    long lo = strtol(v, &end, 10);
    if (errno || end == v || lo <= 0 || lo > 65535)
        return -1;
    long hi = lo;
    if (*end == '-') {
        const char *h = end + 1;
        hi = strtol(h, &end, 10);
        if (errno || end == h || hi <= lo || hi > 65535)
            return -1;
    }
    if (*end != '\0')
        return -1;
    *first = (uint16_t)lo;
    *count = (uint16_t)(hi - lo + 1);
    return 0;
}

/* "host" or "host(addr)", as _parse_slurmctld_host() accepts them. */
static bool ctl_host_ok(const char *v)
{
    const char *open = strchr(v, '(');
    const char *close = strchr(v, ')');

    if (!open != !close)
        return false;
    if (close && (close[1] != '\0' || close != strrchr(v, ')')))
        return false;
    return true;
}

/* Check 'value' against 'type'; NULL if fine, else why not (static text or
 * pool text). */
static const char *check_value(struct flurm_slurmconf *c, const char *key,
                               const char *value, enum value_type type)
{
    uint64_t n;
    uint32_t m;
    uint16_t u16, u16b;
    bool b;
    const char *why;

    switch (type) {
    case T_U16:
    case T_U32:
    case T_U64:
        why = parse_number(value, type, &n);
        return why ? keep_printf(c, "%s value '%s' %s", key, value, why) : NULL;
    case T_BOOL:
        if (parse_bool(value, &b) < 0)
            return keep_printf(c, "'%s' is not a valid option for %s (yes or "
                               "no)", value, key);
        return NULL;
    case T_MINUTES:
        if (flurm_slurmconf_parse_minutes(value, &m) < 0)
            return keep_printf(c, "bad time '%s' for %s (minutes, MM:SS, "
                               "HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or "
                               "UNLIMITED)", value, key);
        return NULL;
    case T_PORTS:
        if (parse_ports(value, &u16, &u16b) < 0)
            return keep_printf(c, "invalid %s '%s' (a port or a range N-M)",
                               key, value);
        return NULL;
    case T_PREEMPT:
        if (parse_preempt_mode(value, &u16) < 0)
            return keep_printf(c, "bad value '%s' for %s", value, key);
        return NULL;
    case T_CTL_HOST:
        if (!*value || !ctl_host_ok(value))
            return keep_printf(c, "bad value '%s' for %s (host or "
                               "host(address))", value, key);
        return NULL;
    case T_STRING:
    case T_LINE:
        return NULL;
    }
    return NULL;
}

/* ---- reading lines ------------------------------------------------------------- */

/* Where we are, for messages. */
struct place {
    const char *file; /* pool */
    int line;
};

/* One KEY=VALUE at *pp, the way SLURM's key/value regular expression takes
 * it: blanks around '=', a value in double quotes (no escapes inside) or up
 * to the next blank.  1 and *pp past it; 0 if only blanks are left; -1 on a
 * syntax error (reported). */
static int scan_pair(struct flurm_slurmconf *c, const struct place *at,
                     const char **pp, const char **key, const char **value)
{
    const char *p = *pp;

    while (isspace((unsigned char)*p))
        p++;
    if (!*p)
        return 0;
    const char *k = p;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
        p++;
    const char *kend = p;
    while (isspace((unsigned char)*p))
        p++;
    /* SLURM's parser also takes KEY+=, -=, *= and /=; slurm.conf uses none
     * of them and treats them as = */
    if (*p && strchr("+-*/", *p) && p[1] == '=' && kend > k)
        p++;
    if (kend == k || *p != '=') {
        size_t n = strcspn(k, " \t\r\n");
        return fail(c, at->file, at->line, "expected KEY=VALUE, found '%.*s'",
                    (int)n, k);
    }
    if (!(*key = keep_strn(c, k, (size_t)(kend - k))))
        return -1;
    p++;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '"') {
        const char *q = strchr(p + 1, '"');
        if (!q)
            return fail(c, at->file, at->line,
                        "unterminated quote in the value of %s", *key);
        if (q[1] == '\0' || isspace((unsigned char)q[1])) {
            if (!(*value = keep_strn(c, p + 1, (size_t)(q - p - 1))))
                return -1;
            *pp = q + 1;
            return 1;
        }
        /* text glued after the closing quote: SLURM then takes the whole
         * word, quotes included */
    }
    const char *v = p;
    while (*p && !isspace((unsigned char)*p))
        p++;
    if (p == v)
        return fail(c, at->file, at->line, "missing value for %s", *key);
    if (!(*value = keep_strn(c, v, (size_t)(p - v))))
        return -1;
    *pp = p;
    return 1;
}

/* Read the options of a NodeName/PartitionName/NodeSet line into 'out'.
 * 'what' is the line's "KEY=VALUE" for messages; 'used' marks the options
 * seen (NULL: do not track). */
static int scan_options(struct flurm_slurmconf *c, const struct place *at,
                        const char *rest, const char *what,
                        const struct opt_info *opts, size_t nopts,
                        struct opt_values *out, bool *used)
{
    const char *p = rest;
    const char *key, *value;
    int rc;

    memset(out, 0, sizeof(*out));
    while ((rc = scan_pair(c, at, &p, &key, &value)) > 0) {
        int i = find_opt(opts, nopts, key);
        if (i < 0)
            return fail(c, at->file, at->line, "%s: unknown key '%s'", what,
                        key);
        const char *why = check_value(c, opts[i].name, value, opts[i].type);
        if (why)
            return fail(c, at->file, at->line, "%s: %s", what, why);
        out->v[i] = value;
        if (used)
            used[i] = true;
    }
    return rc;
}

static int parse_file(struct flurm_slurmconf *c, const char *path, int depth,
                      const struct place *from, const char *name);
static int node_line(struct flurm_slurmconf *c, const struct place *at,
                     const char *name, const char *rest);
static int part_line(struct flurm_slurmconf *c, const struct place *at,
                     const char *name, const char *rest);
static int nodeset_line(struct flurm_slurmconf *c, const struct place *at,
                        const char *name, const char *rest);

/* "Include FILE": relative to the including file's folder; %c is the
 * cluster name (lower case) as defined so far; a glob pattern (FLURM
 * extension) includes every match in order, none being fine. */
static int include_line(struct flurm_slurmconf *c, const struct place *at,
                        const char *rest, int depth)
{
    const char *p = rest;
    char *name = NULL, *path = NULL;
    glob_t g;
    bool globbed = false;
    int rc = -1;

    while (isspace((unsigned char)*p))
        p++;
    size_t n = strcspn(p, " \t\r\n");
    if (n == 0)
        return fail(c, at->file, at->line, "Include without a file name");
    if (!is_blank(p + n)) {
        const char *extra = p + n + strspn(p + n, " \t");
        return fail(c, at->file, at->line, "unexpected text after Include "
                    "%.*s: '%.*s'", (int)n, p, trimmed_len(extra), extra);
    }
    name = strndup(p, n);
    if (!name)
        goto nomem;
    /* %c: the cluster name */
    char *mod;
    while ((mod = strstr(name, "%c"))) {
        const struct setting *s = last_setting(c, "ClusterName");
        if (!s) {
            fail(c, at->file, at->line, "Include %s: %%c used before "
                 "ClusterName is set", name);
            goto done;
        }
        char *lower = strdup(s->value);
        if (!lower)
            goto nomem;
        for (char *q = lower; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        char *expanded = NULL;
        *mod = '\0';
        int r = asprintf(&expanded, "%s%s%s", name, lower, mod + 2);
        free(lower);
        if (r < 0)
            goto nomem;
        free(name);
        name = expanded;
    }
    if (name[0] == '/') {
        path = strdup(name);
    } else {
        const char *slash = strrchr(at->file, '/');
        if (slash) {
            if (asprintf(&path, "%.*s/%s", (int)(slash - at->file), at->file,
                         name) < 0)
                path = NULL;
        } else {
            path = strdup(name);
        }
    }
    if (!path)
        goto nomem;
    if (depth + 1 > MAX_INCLUDE_DEPTH) {
        fail(c, at->file, at->line, "Include %s: includes nested more than "
             "%d deep", name, MAX_INCLUDE_DEPTH);
        goto done;
    }
    if (strpbrk(path, "*?[")) {
        int g_rc = glob(path, 0, NULL, &g);
        if (g_rc == GLOB_NOMATCH) {
            rc = 0;
            goto done;
        }
        if (g_rc != 0) {
            fail(c, at->file, at->line, "Include %s: cannot expand the "
                 "pattern", name);
            goto done;
        }
        globbed = true;
        for (size_t i = 0; i < g.gl_pathc; i++) {
            if (parse_file(c, g.gl_pathv[i], depth + 1, at, name) < 0)
                goto done;
        }
        rc = 0;
        goto done;
    }
    if (parse_file(c, path, depth + 1, at, name) < 0)
        goto done;
    rc = 0;
    goto done;
nomem:
    errno = ENOMEM;
done:
    if (globbed)
        globfree(&g);
    free(name);
    free(path);
    return rc;
}

/* One logical line: comments, continuations and escapes already handled. */
static int process_line(struct flurm_slurmconf *c, const struct place *at,
                        const char *line, int depth)
{
    const char *key, *value;
    const char *p = line;

    /* SLURM only knows "Include" at the very start of the line */
    if (strncasecmp(line, "include", 7) == 0 && isspace((unsigned char)line[7]))
        return include_line(c, at, line + 7, depth);

    int rc = scan_pair(c, at, &p, &key, &value);
    if (rc <= 0)
        return rc;
    const struct key_info *info = find_key(key);
    if (grow(&c->settings, &c->capsettings, c->nsettings,
             sizeof(*c->settings)) < 0)
        return -1;
    c->settings[c->nsettings++] = (struct setting){
        .key = key, .value = value, .file = at->file, .line = at->line,
        .info = info,
    };
    if (!info) {
        /* SLURM refuses the file here; FLURM reports the key instead.  The
         * rest of the line may be the key's own options: skip it. */
        return list_add(&c->unknown, &c->nunknown, &c->capunknown,
                        keep_printf(c, "%s (%s:%d)", key, at->file, at->line));
    }
    if (info->type == T_LINE) {
        if (info == find_key("NodeName"))
            return node_line(c, at, value, p);
        if (info == find_key("PartitionName"))
            return part_line(c, at, value, p);
        if (info == find_key("NodeSet"))
            return nodeset_line(c, at, value, p);
        return 0; /* DownNodes, FrontendName: not implemented */
    }
    const char *why = check_value(c, info->name, value, info->type);
    if (why)
        return fail(c, at->file, at->line, "%s", why);
    if (!is_blank(p)) {
        while (isspace((unsigned char)*p))
            p++;
        return fail(c, at->file, at->line, "unexpected text after %s=%s: "
                    "'%.*s' (SLURM takes one parameter per line, except on "
                    "NodeName, PartitionName and NodeSet lines)", key, value,
                    trimmed_len(p), p);
    }
    return 0;
}

/* Strip a comment: everything from a '#' not escaped by an odd number of
 * backslashes. */
static void strip_comment(char *s)
{
    int backslashes = 0;

    for (; *s; s++) {
        if (*s == '#' && backslashes % 2 == 0) {
            *s = '\0';
            return;
        }
        backslashes = *s == '\\' ? backslashes + 1 : 0;
    }
}

/* If 's' ends with an odd number of backslashes (blanks after them
 * allowed), cut the last backslash and what follows and return true. */
static bool strip_continuation(char *s)
{
    size_t len = strlen(s);
    size_t end = len;

    while (end > 0 && isspace((unsigned char)s[end - 1]))
        end--;
    size_t bs = 0;
    while (end > bs && s[end - 1 - bs] == '\\')
        bs++;
    if (bs % 2 == 0)
        return false;
    s[end - 1] = '\0';
    return true;
}

/* "\x" -> "x" (so "\\" is one backslash and "\#" a literal '#'). */
static void strip_escapes(char *s)
{
    char *w = s;

    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1])
            r++;
        else if (*r == '\\')
            continue;
        *w++ = *r;
    }
    *w = '\0';
}

/* Read one file.  'from' is the Include line that names it ('name' as
 * written there), NULL for the main file: a file that cannot be opened is
 * reported there. */
static int parse_file(struct flurm_slurmconf *c, const char *path, int depth,
                      const struct place *from, const char *name)
{
    FILE *f = NULL;
    char *phys = NULL, *logical = NULL;
    size_t physcap = 0, loglen = 0, logcap = 0;
    struct place at = {0};
    int lineno = 0, rc = -1;

    if (!(at.file = keep_str(c, path)))
        return -1;
    f = fopen(path, "r");
    if (!f && from)
        return fail(c, from->file, from->line, "Include %s: %s: %s", name,
                    path, strerror(errno));
    if (!f)
        return fail(c, path, 0, "cannot read: %s", strerror(errno));
    ssize_t n;
    while ((n = getline(&phys, &physcap, f)) >= 0) {
        lineno++;
        if (loglen == 0)
            at.line = lineno;
        if (memchr(phys, '\0', (size_t)n)) {
            fail(c, at.file, lineno, "NUL byte in the file");
            goto done;
        }
        strip_comment(phys);
        bool more = strip_continuation(phys);
        size_t len = strlen(phys);
        if (loglen + len + 1 > logcap) {
            size_t ncap = (loglen + len + 1) * 2;
            char *q = realloc(logical, ncap);
            if (!q) {
                errno = ENOMEM;
                goto done;
            }
            logical = q;
            logcap = ncap;
        }
        memcpy(logical + loglen, phys, len + 1);
        loglen += len;
        if (more)
            continue;
        strip_escapes(logical);
        if (process_line(c, &at, logical, depth) < 0)
            goto done;
        loglen = 0;
    }
    if (ferror(f)) {
        fail(c, at.file, lineno, "read error: %s", strerror(errno));
        goto done;
    }
    if (loglen > 0) {
        /* a continuation on the last line: SLURM reads what it has */
        strip_escapes(logical);
        if (process_line(c, &at, logical, depth) < 0)
            goto done;
    }
    rc = 0;
done:;
    int saved = errno;
    free(phys);
    free(logical);
    fclose(f);
    errno = saved;
    return rc;
}

/* ---- nodes ------------------------------------------------------------------------ */

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static ssize_t node_lookup(const struct flurm_slurmconf *c, const char *name)
{
    if (c->hash_cap == 0)
        return -1;
    for (size_t i = hash_name(name) & (c->hash_cap - 1);;
         i = (i + 1) & (c->hash_cap - 1)) {
        size_t slot = c->node_hash[i];
        if (slot == 0)
            return -1;
        if (strcmp(c->nodes[slot - 1].name, name) == 0)
            return (ssize_t)(slot - 1);
    }
}

static void hash_put(size_t *table, size_t cap, const char *name, size_t idx)
{
    size_t i = hash_name(name) & (cap - 1);

    while (table[i] != 0)
        i = (i + 1) & (cap - 1);
    table[i] = idx + 1;
}

/* Make room for one more node in the name index (kept at most half full). */
static int hash_reserve(struct flurm_slurmconf *c)
{
    if ((c->nnodes + 1) * 2 <= c->hash_cap)
        return 0;
    size_t cap = c->hash_cap ? c->hash_cap * 2 : 64;
    size_t *t = calloc(cap, sizeof(*t));
    if (!t) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < c->nnodes; i++)
        hash_put(t, cap, c->nodes[i].name, i);
    free(c->node_hash);
    c->node_hash = t;
    c->hash_cap = cap;
    return 0;
}

static int node_state(const char *v, enum flurm_slurmconf_node_state *out)
{
    static const char *exact[] = {"UNKNOWN", "DOWN", "IDLE", "ALLOCATED",
                                  "ERROR", "MIXED", "FUTURE"};

    for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
        if (strcasecmp(v, exact[i]) == 0) {
            *out = (enum flurm_slurmconf_node_state)i;
            return 0;
        }
    }
    /* SLURM matches these three by prefix */
    if (strncasecmp(v, "CLOUD", 5) == 0)
        *out = FLURM_SLURMCONF_NODE_CLOUD;
    else if (strncasecmp(v, "DRAIN", 5) == 0)
        *out = FLURM_SLURMCONF_NODE_DRAIN;
    else if (strncasecmp(v, "FAIL", 4) == 0)
        *out = FLURM_SLURMCONF_NODE_FAIL;
    else
        return -1;
    return 0;
}

static uint64_t number_of(const char *v, enum value_type t)
{
    uint64_t n = 0;

    (void)parse_number(v, t, &n); /* checked when the line was read */
    return n;
}

/* A NodeName option from the line, or from NodeName=DEFAULT. */
static const char *node_opt(const struct flurm_slurmconf *c,
                            const struct opt_values *v, enum node_opt i)
{
    if (v->v[i])
        return v->v[i];
    return node_opts[i].from_default ? c->node_dflt.v[i] : NULL;
}

/* The hardware of a NodeName line, completed the way read_config.c's
 * _parse_nodename() does. */
static int node_hardware(struct flurm_slurmconf *c, const struct place *at,
                         const char *name, const struct opt_values *v,
                         struct flurm_slurmconf_node *n)
{
    const char *s;
    uint32_t boards = 1, cores = 1, threads = 1, cpus = 1, sockets = 1;
    uint32_t per_board = 1;
    bool have_cpus = false, have_sockets = false, have_per_board = false;

#define HW(opt, var, have)                                        \
    do {                                                          \
        if ((s = node_opt(c, v, opt))) {                          \
            var = (uint32_t)number_of(s, T_U16);                  \
            have;                                                 \
        }                                                         \
    } while (0)
    HW(N_BOARDS, boards, (void)0);
    HW(N_CORESPERSOCKET, cores, (void)0);
    HW(N_THREADSPERCORE, threads, (void)0);
    HW(N_SOCKETS, sockets, have_sockets = true);
    HW(N_SOCKETSPERBOARD, per_board, have_per_board = true);
    HW(N_CPUS, cpus, have_cpus = true);
    if (!have_cpus)
        HW(N_PROCS, cpus, have_cpus = true);
#undef HW

#define NONZERO(var, label)                                                 \
    do {                                                                    \
        if (var == 0) {                                                     \
            if (warn(c, at->file, at->line, "NodeName=%s " label "=0 is "   \
                     "invalid, reset to 1", name) < 0)                      \
                return -1;                                                  \
            var = 1;                                                        \
        }                                                                   \
    } while (0)
    NONZERO(cores, "CoresPerSocket");
    NONZERO(cpus, "CPUs");
    NONZERO(threads, "ThreadsPerCore");
    NONZERO(per_board, "SocketsPerBoard");
    NONZERO(sockets, "Sockets");
    NONZERO(boards, "Boards");
#undef NONZERO

    if (have_per_board && have_sockets) {
        if (warn(c, at->file, at->line, "NodeName=%s Sockets=# and "
                 "SocketsPerBoard=# is invalid, using SocketsPerBoard",
                 name) < 0)
            return -1;
        have_sockets = false;
    }
    if (!have_sockets) {
        if (have_per_board)
            sockets = boards * per_board;
        else if (have_cpus && cpus / (cores * threads) &&
                 cpus % (cores * threads) == 0)
            sockets = cpus / (cores * threads);
        else
            sockets = boards;
    }
    uint64_t all = (uint64_t)sockets * cores * threads;
    if (sockets > 0xffff || all > 0xffff)
        return fail(c, at->file, at->line, "NodeName=%s: the topology gives "
                    "more than 65535 CPUs", name);
    if (!have_cpus)
        cpus = (uint32_t)all;
    if (sockets < boards) {
        if (warn(c, at->file, at->line, "NodeName=%s Sockets(%u) < Boards(%u) "
                 "resetting Boards=1", name, sockets, boards) < 0)
            return -1;
        boards = 1;
    }
    if (cpus != sockets && cpus != sockets * cores && cpus != all) {
        if (warn(c, at->file, at->line, "NodeName=%s CPUs=%u match no "
                 "Sockets, Sockets*CoresPerSocket or "
                 "Sockets*CoresPerSocket*ThreadsPerCore. Resetting CPUs.",
                 name, cpus) < 0)
            return -1;
        cpus = (uint32_t)all;
    }
    n->boards = (uint16_t)boards;
    n->cores_per_socket = (uint16_t)cores;
    n->threads_per_core = (uint16_t)threads;
    n->sockets = (uint16_t)sockets;
    n->cpus = (uint16_t)cpus;

    n->real_memory = (s = node_opt(c, v, N_REALMEMORY)) ? number_of(s, T_U64) : 1;
    n->tmp_disk = (s = node_opt(c, v, N_TMPDISK)) ? (uint32_t)number_of(s, T_U32) : 0;
    n->weight = (s = node_opt(c, v, N_WEIGHT)) ? (uint32_t)number_of(s, T_U32) : 1;
    if (n->weight == FLURM_SLURMCONF_INFINITE)
        n->weight--; /* SLURM keeps INFINITE for itself */
    n->core_spec_count =
        (s = node_opt(c, v, N_CORESPECCOUNT)) ? (uint16_t)number_of(s, T_U16) : 0;
    n->mem_spec_limit = (s = node_opt(c, v, N_MEMSPECLIMIT)) ? number_of(s, T_U64) : 0;
    n->cpu_spec_list = node_opt(c, v, N_CPUSPECLIST);
    if (n->core_spec_count >= sockets * cores) {
        if (warn(c, at->file, at->line, "NodeName=%s CoreSpecCount=%u is "
                 "invalid, reset to 1", name, n->core_spec_count) < 0)
            return -1;
        n->core_spec_count = 1;
    }
    if (n->core_spec_count > 0 && n->cpu_spec_list) {
        if (warn(c, at->file, at->line, "NodeName=%s CoreSpecCount=%u is "
                 "invalid with CPUSpecList, reset to 0", name,
                 n->core_spec_count) < 0)
            return -1;
        n->core_spec_count = 0;
    }
    if (n->mem_spec_limit && n->mem_spec_limit >= n->real_memory) {
        if (warn(c, at->file, at->line, "NodeName=%s MemSpecLimit=%" PRIu64
                 " is invalid, reset to 0", name, n->mem_spec_limit) < 0)
            return -1;
        n->mem_spec_limit = 0;
    }
    return 0;
}

/* Ports of a NodeName line: "6818", "[6818-6821]" or "6818-6821". */
static struct flurm_hostlist *node_ports(struct flurm_slurmconf *c,
                                         const struct place *at,
                                         const char *what, const char *text)
{
    char *expr = NULL;
    char err[256];

    if (text[0] != '[' && strpbrk(text, "-,")) {
        if (asprintf(&expr, "[%s]", text) < 0) {
            errno = ENOMEM;
            return NULL;
        }
    }
    struct flurm_hostlist *hl = flurm_hostlist_parse(expr ? expr : text, err,
                                                     sizeof(err));
    free(expr);
    if (!hl)
        fail(c, at->file, at->line, "%s: invalid Port '%s': %s", what, text, err);
    return hl;
}

static int node_line(struct flurm_slurmconf *c, const struct place *at,
                     const char *name, const char *rest)
{
    struct opt_values v;
    struct flurm_hostlist *names = NULL, *hosts = NULL, *addrs = NULL;
    struct flurm_hostlist *bcasts = NULL, *ports = NULL;
    struct flurm_slurmconf_node hw = {0};
    char err[256];
    const char *s;
    int rc = -1;

    const char *what = keep_printf(c, "NodeName=%s", name);
    if (!what || scan_options(c, at, rest, what, node_opts, N_COUNT, &v,
                              c->node_opt_used) < 0)
        return -1;
    if (strcasecmp(name, "DEFAULT") == 0) {
        static const enum node_opt per_node[] = {N_NODEHOSTNAME, N_BCASTADDR,
                                                 N_NODEADDR};
        for (size_t i = 0; i < 3; i++) {
            if (v.v[per_node[i]])
                return fail(c, at->file, at->line, "%s not allowed with "
                            "NodeName=DEFAULT", node_opts[per_node[i]].name);
        }
        for (size_t i = 0; i < N_COUNT; i++) {
            if (v.v[i])
                c->node_dflt.v[i] = v.v[i];
        }
        return 0;
    }
    if (strcasecmp(name, "ALL") == 0)
        return fail(c, at->file, at->line, "'%s' is a reserved word disallowed "
                    "for use with NodeName", name);
    if (!*name)
        return fail(c, at->file, at->line, "empty NodeName");
    if (node_hardware(c, at, name, &v, &hw) < 0)
        return -1;
    if ((s = node_opt(c, &v, N_STATE)) && node_state(s, &hw.state) < 0)
        return fail(c, at->file, at->line, "%s: invalid State '%s'", what, s);
    hw.state_text = s;
    hw.cpu_bind = node_opt(c, &v, N_CPUBIND);
    hw.gres = node_opt(c, &v, N_GRES);
    hw.reason = node_opt(c, &v, N_REASON);
    hw.tres_weights = node_opt(c, &v, N_TRESWEIGHTS);
    /* Feature then Features, the line before the DEFAULT line */
    hw.features = v.v[N_FEATURE] ? v.v[N_FEATURE]
                  : v.v[N_FEATURES] ? v.v[N_FEATURES]
                  : c->node_dflt.v[N_FEATURE] ? c->node_dflt.v[N_FEATURE]
                  : c->node_dflt.v[N_FEATURES];
    hw.file = at->file;
    hw.line = at->line;

    if (!(names = flurm_hostlist_parse(name, err, sizeof(err)))) {
        fail(c, at->file, at->line, "%s: %s", what, err);
        goto done;
    }
    const char *host_text = v.v[N_NODEHOSTNAME] ? v.v[N_NODEHOSTNAME] : name;
    const char *addr_text = v.v[N_NODEADDR] ? v.v[N_NODEADDR] : host_text;
    if (!(hosts = flurm_hostlist_parse(host_text, err, sizeof(err)))) {
        fail(c, at->file, at->line, "%s: NodeHostname: %s", what, err);
        goto done;
    }
    if (!(addrs = flurm_hostlist_parse(addr_text, err, sizeof(err)))) {
        fail(c, at->file, at->line, "%s: NodeAddr: %s", what, err);
        goto done;
    }
    if (v.v[N_BCASTADDR] &&
        !(bcasts = flurm_hostlist_parse(v.v[N_BCASTADDR], err, sizeof(err)))) {
        fail(c, at->file, at->line, "%s: BcastAddr: %s", what, err);
        goto done;
    }
    if ((s = node_opt(c, &v, N_PORT)) && !(ports = node_ports(c, at, what, s)))
        goto done;

    size_t count = flurm_hostlist_count(names);
    size_t nhosts = flurm_hostlist_count(hosts);
    size_t naddrs = flurm_hostlist_count(addrs);
    size_t nbcast = flurm_hostlist_count(bcasts);
    size_t nports = flurm_hostlist_count(ports);
    /* Debian builds SLURM with MULTIPLE_SLURMD: one value per node, or one
     * value for all of them */
    if (count == 0) {
        fail(c, at->file, at->line, "empty NodeName");
        goto done;
    }
    if (naddrs != count && naddrs != 1) {
        fail(c, at->file, at->line, "%s: NodeAddr count (%zu) must equal "
             "that of NodeName (%zu) or be 1", what, naddrs, count);
        goto done;
    }
    if (nhosts != count && nhosts != 1) {
        fail(c, at->file, at->line, "%s: NodeHostname count (%zu) must "
             "equal that of NodeName (%zu) or be 1", what, nhosts, count);
        goto done;
    }
    if (bcasts && nbcast != count && nbcast != 1) {
        fail(c, at->file, at->line, "%s: BcastAddr count (%zu) must equal "
             "that of NodeName (%zu) or be 1", what, nbcast, count);
        goto done;
    }
    if (ports && nports != count && nports > 1) {
        fail(c, at->file, at->line, "%s: Port count (%zu) must equal that "
             "of NodeName (%zu) or be 1", what, nports, count);
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        struct flurm_slurmconf_node n = hw;
        char *tmp;
        if (!(n.name = keep(c, flurm_hostlist_nth(names, i))) ||
            !(n.hostname = keep(c, flurm_hostlist_nth(hosts, nhosts == 1 ? 0 : i))) ||
            !(n.addr = keep(c, flurm_hostlist_nth(addrs, naddrs == 1 ? 0 : i))) ||
            (bcasts && !(n.bcast_addr = keep(c, flurm_hostlist_nth(
                             bcasts, nbcast == 1 ? 0 : i)))))
            goto done;
        if (ports) {
            if (!(tmp = flurm_hostlist_nth(ports, nports == 1 ? 0 : i)))
                goto done;
            char *end;
            long port = strtol(tmp, &end, 10);
            if (*end || port <= 0 || port > 0xffff) {
                fail(c, at->file, at->line, "%s: invalid Port %s", what, tmp);
                free(tmp);
                goto done;
            }
            free(tmp);
            n.port = (uint16_t)port;
        }
        ssize_t dup = node_lookup(c, n.name);
        if (dup >= 0) {
            fail(c, at->file, at->line, "Duplicated NodeName %s (first "
                 "defined at %s:%d)", n.name, c->nodes[dup].file,
                 c->nodes[dup].line);
            goto done;
        }
        if (hash_reserve(c) < 0 ||
            grow(&c->nodes, &c->capnodes, c->nnodes, sizeof(*c->nodes)) < 0)
            goto done;
        c->nodes[c->nnodes] = n;
        hash_put(c->node_hash, c->hash_cap, n.name, c->nnodes);
        c->nnodes++;
    }
    rc = 0;
done:
    flurm_hostlist_destroy(names);
    flurm_hostlist_destroy(hosts);
    flurm_hostlist_destroy(addrs);
    flurm_hostlist_destroy(bcasts);
    flurm_hostlist_destroy(ports);
    return rc;
}

static int nodeset_line(struct flurm_slurmconf *c, const struct place *at,
                        const char *name, const char *rest)
{
    struct opt_values v;

    const char *what = keep_printf(c, "NodeSet=%s", name);
    if (!what || scan_options(c, at, rest, what, nodeset_opts, S_COUNT, &v,
                              NULL) < 0)
        return -1;
    if (grow(&c->nodesets, &c->capnodesets, c->nnodesets,
             sizeof(*c->nodesets)) < 0)
        return -1;
    c->nodesets[c->nnodesets++] = (struct nodeset){
        .name = name, .nodes = v.v[S_NODES], .feature = v.v[S_FEATURE],
        .file = at->file, .line = at->line,
    };
    return 0;
}

/* ---- partitions ------------------------------------------------------------- */

static const char *part_opt(const struct flurm_slurmconf *c,
                            const struct opt_values *v, enum part_opt i)
{
    if (v->v[i])
        return v->v[i];
    return part_opts[i].from_default ? c->part_dflt.v[i] : NULL;
}

static const char *lower_copy(struct flurm_slurmconf *c, const char *s)
{
    char *l = (char *)keep_str(c, s);

    for (char *q = l; q && *q; q++)
        *q = (char)tolower((unsigned char)*q);
    return l;
}

/* An access list: "ALL" (any case) means no restriction, NULL. */
static const char *access_list(struct flurm_slurmconf *c, const char *s,
                               bool lower)
{
    if (!s || strcasecmp(s, "ALL") == 0)
        return NULL;
    return lower ? lower_copy(c, s) : s;
}

/* OverSubscribe= / Shared= as read_config.c encodes it. */
static int over_subscribe(struct flurm_slurmconf *c, const struct place *at,
                          const char *what, const char *s, uint16_t *share)
{
    if (strcasecmp(s, "NO") == 0) {
        *share = 1;
    } else if (strcasecmp(s, "EXCLUSIVE") == 0) {
        *share = 0;
    } else if (strncasecmp(s, "YES:", 4) == 0) {
        long n = strtol(s + 4, NULL, 10);
        if (n <= 1 || n >= FLURM_SLURMCONF_SHARED_FORCE) {
            if (warn(c, at->file, at->line, "%s: ignoring bad OverSubscribe "
                     "value %s", what, s) < 0)
                return -1;
            n = 1;
        }
        *share = (uint16_t)n;
    } else if (strcasecmp(s, "YES") == 0) {
        *share = 4;
    } else if (strncasecmp(s, "FORCE:", 6) == 0) {
        long n = strtol(s + 6, NULL, 10);
        if (n < 1 || n >= FLURM_SLURMCONF_SHARED_FORCE) {
            if (warn(c, at->file, at->line, "%s: ignoring bad OverSubscribe "
                     "value %s", what, s) < 0)
                return -1;
            *share = 1;
        } else {
            *share = (uint16_t)(n | FLURM_SLURMCONF_SHARED_FORCE);
        }
    } else if (strcasecmp(s, "FORCE") == 0) {
        *share = 4 | FLURM_SLURMCONF_SHARED_FORCE;
    } else {
        return fail(c, at->file, at->line, "%s: bad value '%s' for "
                    "OverSubscribe (NO, YES[:n], FORCE[:n] or EXCLUSIVE)",
                    what, s);
    }
    return 0;
}

static int part_line(struct flurm_slurmconf *c, const struct place *at,
                     const char *name, const char *rest)
{
    struct opt_values v;
    const char *s;
    bool b;

    const char *what = keep_printf(c, "PartitionName=%s", name);
    if (!what || scan_options(c, at, rest, what, part_opts, P_COUNT, &v,
                              c->part_opt_used) < 0)
        return -1;
    if (strcasecmp(name, "DEFAULT") == 0) {
        for (size_t i = 0; i < P_COUNT; i++) {
            if (v.v[i])
                c->part_dflt.v[i] = v.v[i];
        }
        return 0;
    }
    for (size_t i = 0; i < c->nparts; i++) {
        if (strcmp(c->parts[i].name, name) == 0)
            return fail(c, at->file, at->line, "duplicate PartitionName %s "
                        "(first defined at %s:%d)", name, c->parts[i].file,
                        c->parts[i].line);
    }
    struct flurm_slurmconf_partition p = {
        .name = name,
        .default_time = FLURM_SLURMCONF_NO_VAL,
        .max_cpus_per_node = FLURM_SLURMCONF_INFINITE,
        .max_nodes = FLURM_SLURMCONF_INFINITE,
        .max_share = 1,
        .max_time = FLURM_SLURMCONF_INFINITE,
        .over_time_limit = FLURM_SLURMCONF_NO_VAL16,
        .preempt_mode = FLURM_SLURMCONF_NO_VAL16,
        .priority_job_factor = 1,
        .priority_tier = 1,
        .resume_timeout = FLURM_SLURMCONF_NO_VAL16,
        .state = FLURM_SLURMCONF_PART_UP,
        .suspend_time = FLURM_SLURMCONF_NO_VAL,
        .suspend_timeout = FLURM_SLURMCONF_NO_VAL16,
        .disable_root_jobs = -1,
        .file = at->file,
        .line = at->line,
    };
    struct pending_part pend = {0};

    p.allow_accounts = access_list(c, part_opt(c, &v, P_ALLOWACCOUNTS), true);
    p.allow_groups = access_list(c, part_opt(c, &v, P_ALLOWGROUPS), false);
    p.allow_qos = access_list(c, part_opt(c, &v, P_ALLOWQOS), true);
    if ((s = part_opt(c, &v, P_DENYACCOUNTS))) {
        if (p.allow_accounts) {
            if (warn(c, at->file, at->line, "%s: both AllowAccounts and "
                     "DenyAccounts are defined, DenyAccounts will be ignored",
                     what) < 0)
                return -1;
        } else if (!(p.deny_accounts = lower_copy(c, s))) {
            return -1;
        }
    }
    if ((s = part_opt(c, &v, P_DENYQOS))) {
        if (p.allow_qos) {
            if (warn(c, at->file, at->line, "%s: both AllowQos and DenyQos "
                     "are defined, DenyQos will be ignored", what) < 0)
                return -1;
        } else if (!(p.deny_qos = lower_copy(c, s))) {
            return -1;
        }
    }
    p.alloc_nodes = access_list(c, part_opt(c, &v, P_ALLOCNODES), false);
    p.alternate = part_opt(c, &v, P_ALTERNATE);
    p.cpu_bind = part_opt(c, &v, P_CPUBIND);
    p.tres_billing_weights = part_opt(c, &v, P_TRESBILLINGWEIGHTS);
    p.qos = part_opt(c, &v, P_QOS);
    if ((s = part_opt(c, &v, P_DEFAULT)) && parse_bool(s, &b) == 0)
        p.is_default = b;
    if ((s = part_opt(c, &v, P_MAXCPUSPERNODE)))
        p.max_cpus_per_node = (uint32_t)number_of(s, T_U32);
    if ((s = part_opt(c, &v, P_DEFCPUPERGPU)))
        p.def_cpu_per_gpu = number_of(s, T_U64);
    if ((s = part_opt(c, &v, P_DEFMEMPERGPU)))
        p.def_mem_per_gpu = number_of(s, T_U64);
    /* per node wins over per CPU */
    if ((s = part_opt(c, &v, P_DEFMEMPERNODE))) {
        p.def_mem_per_node = number_of(s, T_U64);
        if (part_opt(c, &v, P_DEFMEMPERCPU) &&
            warn(c, at->file, at->line, "%s: DefMemPerCPU ignored, since it's "
                 "mutually exclusive with DefMemPerNode", what) < 0)
            return -1;
    } else if ((s = part_opt(c, &v, P_DEFMEMPERCPU))) {
        p.def_mem_per_cpu = number_of(s, T_U64);
    }
    if ((s = part_opt(c, &v, P_MAXMEMPERNODE))) {
        p.max_mem_per_node = number_of(s, T_U64);
        if (part_opt(c, &v, P_MAXMEMPERCPU) &&
            warn(c, at->file, at->line, "%s: MaxMemPerCPU ignored, since it's "
                 "mutually exclusive with MaxMemPerNode", what) < 0)
            return -1;
    } else if ((s = part_opt(c, &v, P_MAXMEMPERCPU))) {
        p.max_mem_per_cpu = number_of(s, T_U64);
    }
    if ((s = part_opt(c, &v, P_DISABLEROOTJOBS)) && parse_bool(s, &b) == 0)
        p.disable_root_jobs = b;
    if ((s = part_opt(c, &v, P_EXCLUSIVEUSER)) && parse_bool(s, &b) == 0)
        p.exclusive_user = b;
    if ((s = part_opt(c, &v, P_HIDDEN)) && parse_bool(s, &b) == 0)
        p.hidden = b;
    if ((s = part_opt(c, &v, P_ROOTONLY)) && parse_bool(s, &b) == 0)
        p.root_only = b;
    if ((s = part_opt(c, &v, P_REQRESV)) && parse_bool(s, &b) == 0)
        p.req_resv = b;
    if ((s = part_opt(c, &v, P_LLN)) && parse_bool(s, &b) == 0)
        p.lln = b;
    if ((s = part_opt(c, &v, P_MAXTIME)))
        (void)flurm_slurmconf_parse_minutes(s, &p.max_time);
    if ((s = part_opt(c, &v, P_DEFAULTTIME)))
        (void)flurm_slurmconf_parse_minutes(s, &p.default_time);
    if ((s = part_opt(c, &v, P_GRACETIME)))
        p.grace_time = (uint32_t)number_of(s, T_U32);
    if ((s = part_opt(c, &v, P_MAXNODES)))
        p.max_nodes = (uint32_t)number_of(s, T_U32);
    if ((s = part_opt(c, &v, P_MINNODES)))
        p.min_nodes = (uint32_t)number_of(s, T_U32);
    if ((s = part_opt(c, &v, P_NODES))) {
        p.nodes_text = s;
        char *t = (char *)keep_str(c, s);
        if (!t)
            return -1;
        for (char *q = t; *q; q++) {
            if (isspace((unsigned char)*q))
                *q = ',';
        }
        pend.nodes = t;
    }
    if ((s = part_opt(c, &v, P_OVERTIMELIMIT))) {
        if (strcasecmp(s, "INFINITE") == 0 || strcasecmp(s, "UNLIMITED") == 0) {
            p.over_time_limit = FLURM_SLURMCONF_INFINITE16;
        } else {
            long n = strtol(s, NULL, 10);
            if (n < 0) {
                if (warn(c, at->file, at->line, "%s: ignoring bad "
                         "OverTimeLimit value %s", what, s) < 0)
                    return -1;
            } else {
                p.over_time_limit = n > 0xfffe ? FLURM_SLURMCONF_INFINITE16
                                               : (uint16_t)n;
            }
        }
    }
    if ((s = part_opt(c, &v, P_PREEMPTMODE)))
        (void)parse_preempt_mode(s, &p.preempt_mode);
    if ((s = part_opt(c, &v, P_PRIORITYJOBFACTOR)))
        p.priority_job_factor = (uint16_t)number_of(s, T_U16);
    if ((s = part_opt(c, &v, P_PRIORITYTIER)))
        p.priority_tier = (uint16_t)number_of(s, T_U16);
    if ((s = part_opt(c, &v, P_PRIORITY))) /* the old name sets both */
        p.priority_job_factor = p.priority_tier = (uint16_t)number_of(s, T_U16);
    if ((s = part_opt(c, &v, P_RESUMETIMEOUT)))
        p.resume_timeout = (uint16_t)number_of(s, T_U16);
    if ((s = part_opt(c, &v, P_SUSPENDTIMEOUT)))
        p.suspend_timeout = (uint16_t)number_of(s, T_U16);
    if ((s = part_opt(c, &v, P_SELECTTYPEPARAMETERS))) {
        if (strncasecmp(s, "CR_Core", 7) != 0 &&
            strncasecmp(s, "CR_Socket", 9) != 0)
            return fail(c, at->file, at->line, "%s: bad value '%s' for "
                        "SelectTypeParameters (CR_Core, CR_Core_Memory, "
                        "CR_Socket or CR_Socket_Memory)", what, s);
        p.select_type_parameters = s;
    }
    if ((s = part_opt(c, &v, P_OVERSUBSCRIBE)) ||
        (s = part_opt(c, &v, P_SHARED))) {
        if (over_subscribe(c, at, what, s, &p.max_share) < 0)
            return -1;
    }
    if ((s = part_opt(c, &v, P_SUSPENDTIME))) {
        if (strcasecmp(s, "INFINITE") == 0 || strcmp(s, "-1") == 0) {
            p.suspend_time = FLURM_SLURMCONF_INFINITE;
        } else {
            unsigned long long n = strtoull(s, NULL, 10);
            if (n > UINT32_MAX)
                return fail(c, at->file, at->line, "%s: bad value '%s' for "
                            "SuspendTime", what, s);
            p.suspend_time = (uint32_t)n;
        }
    }
    if ((s = part_opt(c, &v, P_STATE))) {
        /* SLURM compares prefixes */
        if (strncasecmp(s, "DOWN", 4) == 0)
            p.state = FLURM_SLURMCONF_PART_DOWN;
        else if (strncasecmp(s, "UP", 2) == 0)
            p.state = FLURM_SLURMCONF_PART_UP;
        else if (strncasecmp(s, "DRAIN", 5) == 0)
            p.state = FLURM_SLURMCONF_PART_DRAIN;
        else if (strncasecmp(s, "INACTIVE", 8) == 0)
            p.state = FLURM_SLURMCONF_PART_INACTIVE;
        else
            return fail(c, at->file, at->line, "%s: bad value '%s' for State "
                        "(UP, DOWN, DRAIN or INACTIVE)", what, s);
    }
    if (grow(&c->parts, &c->capparts, c->nparts, sizeof(*c->parts)) < 0)
        return -1;
    /* 'pending' grows with 'parts' */
    size_t cap = c->capparts;
    struct pending_part *pp = realloc(c->pending, cap * sizeof(*pp));
    if (!pp) {
        errno = ENOMEM;
        return -1;
    }
    c->pending = pp;
    c->parts[c->nparts] = p;
    c->pending[c->nparts] = pend;
    c->nparts++;
    return 0;
}

/* ---- what needs the whole file ------------------------------------------------ */

static int set_controllers(struct flurm_slurmconf *c)
{
    size_t n = 0;

    for (size_t i = 0; i < c->nsettings; i++)
        n += c->settings[i].info && c->settings[i].info->type == T_CTL_HOST;
    c->ctls = keep(c, calloc(n ? n : 2, sizeof(*c->ctls)));
    if (!c->ctls)
        return -1;
    if (n > 0) {
        for (size_t i = 0; i < c->nsettings; i++) {
            const struct setting *s = &c->settings[i];
            if (!s->info || s->info->type != T_CTL_HOST)
                continue;
            const char *open = strchr(s->value, '(');
            struct controller *ctl = &c->ctls[c->nctls++];
            if (open) {
                ctl->host = keep_strn(c, s->value, (size_t)(open - s->value));
                ctl->addr = keep_strn(c, open + 1, strlen(open + 1) - 1);
            } else {
                ctl->host = ctl->addr = s->value;
            }
            if (!ctl->host || !ctl->addr)
                return -1;
        }
        static const char *legacy[] = {"ControlMachine", "ControlAddr",
                                       "BackupController", "BackupAddr"};
        for (size_t i = 0; i < 4; i++) {
            const struct setting *s = last_setting(c, legacy[i]);
            if (s && warn(c, s->file, s->line, "Ignoring %s since "
                          "SlurmctldHost is set", legacy[i]) < 0)
                return -1;
        }
    } else {
        const struct setting *machine = last_setting(c, "ControlMachine");
        const struct setting *addr = last_setting(c, "ControlAddr");
        const struct setting *backup = last_setting(c, "BackupController");
        const struct setting *baddr = last_setting(c, "BackupAddr");
        if (!machine)
            return fail(c, c->path, 0, "No SlurmctldHost defined");
        if (!addr && strchr(machine->value, ','))
            return fail(c, machine->file, machine->line, "ControlMachine has "
                        "multiple host names, so ControlAddr must be "
                        "specified");
        if (baddr && !backup)
            return fail(c, baddr->file, baddr->line, "BackupAddr specified "
                        "without BackupController");
        c->ctls[0].host = machine->value;
        c->ctls[0].addr = addr ? addr->value : machine->value;
        c->nctls = 1;
        if (backup) {
            c->ctls[1].host = backup->value;
            c->ctls[1].addr = baddr ? baddr->value : backup->value;
            c->nctls = 2;
        }
    }
    for (size_t i = 0; i < c->nctls; i++) {
        if (strcasecmp(c->ctls[i].host, "localhost") == 0) {
            char host[HOST_NAME_MAX + 1] = "";
            if (gethostname(host, sizeof(host)) < 0)
                return fail(c, c->path, 0, "gethostname: %s", strerror(errno));
            host[sizeof(host) - 1] = '\0';
            host[strcspn(host, ".")] = '\0';
            if (!(c->ctls[i].host = keep_str(c, host)))
                return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->ctls[i].host, c->ctls[j].host) == 0)
                return fail(c, c->path, 0, "Duplicate SlurmctldHost records: "
                            "%s", c->ctls[i].host);
        }
    }
    return 0;
}

/* SLURM's uid_from_string(): a user name, or a number. */
static int resolve_user(struct flurm_slurmconf *c, const char *key,
                        uid_t *uid, const char **name)
{
    const struct setting *s = last_setting(c, key);
    struct passwd pw, *found = NULL;
    char buf[4096];

    if (!s) {
        *uid = 0;
        *name = "root";
        return 0;
    }
    *name = s->value;
    if (getpwnam_r(s->value, &pw, buf, sizeof(buf), &found) == 0 && found) {
        *uid = found->pw_uid;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long n = strtoul(s->value, &end, 10);
    if (*s->value && !*end && !errno && n < (unsigned long)(uid_t)-1 &&
        isdigit((unsigned char)s->value[0])) {
        *uid = (uid_t)n;
        return 0;
    }
    return fail(c, s->file, s->line, "Invalid user for %s %s", key, s->value);
}

/* AuthInfo: "socket=/run/munge/munge.socket.2,ttl=60". */
static int set_auth_info(struct flurm_slurmconf *c)
{
    const struct setting *s = last_setting(c, "AuthInfo");

    if (!s)
        return 0;
    size_t n = 1;
    for (const char *p = s->value; *p; p++)
        n += *p == ',';
    c->auth = keep(c, calloc(n, sizeof(*c->auth)));
    if (!c->auth)
        return -1;
    for (const char *p = s->value;;) {
        size_t len = strcspn(p, ",");
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            struct auth_opt *o = &c->auth[c->nauth++];
            o->name = keep_strn(c, p, eq ? (size_t)(eq - p) : len);
            o->value = eq ? keep_strn(c, eq + 1, len - (size_t)(eq - p) - 1)
                          : keep_str(c, "");
            if (!o->name || !o->value)
                return -1;
        }
        if (!p[len])
            break;
        p += len + 1;
    }
    return 0;
}

static bool has_feature(const char *features, const char *want)
{
    size_t wlen = strlen(want);

    for (const char *p = features; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == wlen && strncmp(p, want, len) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

/* Mark the members of a hostlist expression; names that are not nodes go
 * to 'missing'. */
static int mark_hosts(struct flurm_slurmconf *c, const char *expr, bool *in,
                      struct flurm_hostlist *missing, char *err, size_t errlen)
{
    struct flurm_hostlist *hl = flurm_hostlist_parse(expr, err, errlen);

    if (!hl)
        return -1;
    size_t n = flurm_hostlist_count(hl);
    for (size_t i = 0; i < n; i++) {
        char *h = flurm_hostlist_nth(hl, i);
        if (!h) {
            flurm_hostlist_destroy(hl);
            return -1;
        }
        ssize_t idx = node_lookup(c, h);
        bool is_set = false;
        for (size_t k = 0; idx < 0 && k < c->nnodesets; k++) {
            const struct nodeset *ns = &c->nodesets[k];
            if (strcmp(ns->name, h) != 0)
                continue;
            is_set = true;
            for (size_t j = 0; ns->feature && j < c->nnodes; j++) {
                if (has_feature(c->nodes[j].features, ns->feature))
                    in[j] = true;
            }
            if (ns->nodes && mark_hosts(c, ns->nodes, in, missing, err,
                                        errlen) < 0) {
                free(h);
                flurm_hostlist_destroy(hl);
                return -1;
            }
        }
        if (idx >= 0)
            in[idx] = true;
        else if (!is_set && flurm_hostlist_push_host(missing, h) < 0) {
            free(h);
            flurm_hostlist_destroy(hl);
            return -1;
        }
        free(h);
    }
    flurm_hostlist_destroy(hl);
    return 0;
}

/* The nodes of each partition, the default partition, and the partitions
 * of each node. */
static int set_partition_nodes(struct flurm_slurmconf *c)
{
    bool *in = calloc(c->nnodes ? c->nnodes : 1, sizeof(*in));
    size_t *per_node = calloc(c->nnodes ? c->nnodes : 1, sizeof(*per_node));
    struct flurm_hostlist *missing = NULL, *names = NULL;
    char err[256];
    int rc = -1;

    if (!in || !per_node) {
        errno = ENOMEM;
        goto done;
    }
    c->default_part = -1;
    for (size_t pi = 0; pi < c->nparts; pi++) {
        struct flurm_slurmconf_partition *p = &c->parts[pi];
        const char *text = c->pending[pi].nodes;
        memset(in, 0, c->nnodes * sizeof(*in));
        if (!(missing = flurm_hostlist_create()) ||
            !(names = flurm_hostlist_create()))
            goto done;
        if (p->is_default)
            c->default_part = (ssize_t)pi;
        if (text && strcasecmp(text, "ALL") == 0) {
            for (size_t j = 0; j < c->nnodes; j++)
                in[j] = true;
        } else if (text && mark_hosts(c, text, in, missing, err,
                                      sizeof(err)) < 0) {
            if (errno == EINVAL || errno == E2BIG)
                fail(c, p->file, p->line, "PartitionName=%s: Nodes: %s",
                     p->name, err);
            goto done;
        }
        if (flurm_hostlist_count(missing) > 0) {
            char *list = flurm_hostlist_ranged_string(missing);
            fail(c, p->file, p->line, "PartitionName=%s: Nodes=%s names "
                 "undefined node(s) %s", p->name, p->nodes_text,
                 list ? list : "?");
            free(list);
            goto done;
        }
        size_t count = 0;
        for (size_t j = 0; j < c->nnodes; j++)
            count += in[j];
        size_t *idx = keep(c, calloc(count ? count : 1, sizeof(*idx)));
        if (!idx)
            goto done;
        for (size_t j = 0, k = 0; j < c->nnodes; j++) {
            if (!in[j])
                continue;
            idx[k++] = j;
            per_node[j]++;
            if (flurm_hostlist_push_host(names, c->nodes[j].name) < 0)
                goto done;
        }
        p->node_index = idx;
        p->nnodes = count;
        /* as slurmctld prints it: node order, then SLURM's sort */
        if (flurm_hostlist_sort(names) < 0 ||
            !(p->nodes = keep(c, flurm_hostlist_ranged_string(names))))
            goto done;
        flurm_hostlist_destroy(missing);
        flurm_hostlist_destroy(names);
        missing = names = NULL;
    }
    /* only the last Default=YES is the default */
    for (size_t pi = 0; pi < c->nparts; pi++)
        c->parts[pi].is_default = (ssize_t)pi == c->default_part;
    for (size_t j = 0; j < c->nnodes; j++) {
        size_t *list = keep(c, calloc(per_node[j] ? per_node[j] : 1,
                                      sizeof(*list)));
        if (!list)
            goto done;
        c->nodes[j].partitions = list;
        c->nodes[j].npartitions = 0;
    }
    for (size_t pi = 0; pi < c->nparts; pi++) {
        const struct flurm_slurmconf_partition *p = &c->parts[pi];
        for (size_t k = 0; k < p->nnodes; k++) {
            struct flurm_slurmconf_node *n = &c->nodes[p->node_index[k]];
            ((size_t *)n->partitions)[n->npartitions++] = pi;
        }
    }
    rc = 0;
done:
    free(in);
    free(per_node);
    flurm_hostlist_destroy(missing);
    flurm_hostlist_destroy(names);
    return rc;
}

static bool listed(const char *const *list, size_t n, const char *key)
{
    size_t klen = strlen(key);

    for (size_t i = 0; i < n; i++) {
        if (strncasecmp(list[i], key, klen) == 0 &&
            (list[i][klen] == '\0' || list[i][klen] == '='))
            return true;
    }
    return false;
}

static int set_unimplemented(struct flurm_slurmconf *c)
{
    for (size_t i = 0; i < c->nsettings; i++) {
        const struct key_info *info = c->settings[i].info;
        if (!info || listed(c->unimplemented, c->nunimpl, info->name))
            continue;
        const char *entry = NULL;
        if (info->support == IGNORED) {
            entry = info->name;
        } else if (info->support == ONLY) {
            const struct setting *last = last_setting(c, info->name);
            if (strcasecmp(last->value, info->only) != 0)
                entry = keep_printf(c, "%s=%s", info->name, last->value);
            if (strcasecmp(last->value, info->only) != 0 && !entry)
                return -1;
        }
        if (entry && list_add(&c->unimplemented, &c->nunimpl, &c->capunimpl,
                              entry) < 0)
            return -1;
    }
    for (size_t i = 0; i < N_COUNT; i++) {
        if (c->node_opt_used[i] && !node_opts[i].implemented &&
            list_add(&c->unimplemented, &c->nunimpl, &c->capunimpl,
                     keep_printf(c, "NodeName:%s", node_opts[i].name)) < 0)
            return -1;
    }
    for (size_t i = 0; i < P_COUNT; i++) {
        if (c->part_opt_used[i] && !part_opts[i].implemented &&
            list_add(&c->unimplemented, &c->nunimpl, &c->capunimpl,
                     keep_printf(c, "PartitionName:%s", part_opts[i].name)) < 0)
            return -1;
    }
    return 0;
}

/* Checks SLURM makes once the whole file is read (read_config.c's
 * _validate_and_set_defaults, for the keys FLURM implements). */
static int finish(struct flurm_slurmconf *c)
{
    const struct setting *s;
    uint64_t n;

    s = last_setting(c, "ClusterName");
    if (!s || !*s->value)
        return fail(c, c->path, 0, "ClusterName needs to be specified");
    if (!(c->cluster_name = lower_copy(c, s->value)))
        return -1;
    if (set_controllers(c) < 0)
        return -1;
    c->ctld_port = 6817;
    c->ctld_port_count = 1;
    if ((s = last_setting(c, "SlurmctldPort")))
        (void)parse_ports(s->value, &c->ctld_port, &c->ctld_port_count);
    c->slurmd_port = 6818;
    if ((s = last_setting(c, "SlurmdPort"))) {
        n = number_of(s->value, T_U32);
        if (n == 0 || n > 0xffff)
            return fail(c, s->file, s->line, "invalid SlurmdPort %s", s->value);
        c->slurmd_port = (uint16_t)n;
    }
    if (resolve_user(c, "SlurmUser", &c->slurm_uid, &c->slurm_user) < 0 ||
        resolve_user(c, "SlurmdUser", &c->slurmd_uid, &c->slurmd_user) < 0)
        return -1;
    if (set_auth_info(c) < 0)
        return -1;
    if ((s = last_setting(c, "PreemptMode")))
        (void)parse_preempt_mode(s->value, &c->preempt_mode);
    if ((s = last_setting(c, "MaxJobCount")) && number_of(s->value, T_U32) < 1)
        return fail(c, s->file, s->line, "MaxJobCount=%s, No jobs permitted",
                    s->value);
    if ((s = last_setting(c, "FirstJobId")) && number_of(s->value, T_U32) < 1)
        return fail(c, s->file, s->line, "FirstJobId cannot be zero");
    if ((s = last_setting(c, "DefMemPerNode")) &&
        (s = last_setting(c, "DefMemPerCPU")) &&
        warn(c, s->file, s->line, "DefMemPerCPU ignored, since it's mutually "
             "exclusive with DefMemPerNode") < 0)
        return -1;
    if ((s = last_setting(c, "MaxMemPerNode")) &&
        (s = last_setting(c, "MaxMemPerCPU")) &&
        warn(c, s->file, s->line, "MaxMemPerCPU ignored, since it's mutually "
             "exclusive with MaxMemPerNode") < 0)
        return -1;
    for (size_t i = 0; i < c->nnodes; i++) {
        if (c->nodes[i].port == 0)
            c->nodes[i].port = c->slurmd_port;
    }
    if (set_partition_nodes(c) < 0 || set_unimplemented(c) < 0)
        return -1;
    /* the lists are NULL-terminated even when empty */
    static const char *none[] = {NULL};
    if (!c->unimplemented)
        c->unimplemented = (const char **)none;
    if (!c->unknown)
        c->unknown = (const char **)none;
    if (!c->warnings)
        c->warnings = (const char **)none;
    return 0;
}

/* ---- public API ---------------------------------------------------------------- */

struct flurm_slurmconf *flurm_slurmconf_load(const char *path, char *err,
                                             size_t errlen)
{
    struct flurm_slurmconf *c = calloc(1, sizeof(*c));

    if (!c) {
        errno = ENOMEM;
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (err && errlen)
        err[0] = '\0';
    c->err = err;
    c->errlen = errlen;
    if (!path)
        path = getenv("SLURM_CONF");
    if (!path || !*path)
        path = FLURM_SLURMCONF_DEFAULT_PATH;
    if (!(c->path = strdup(path))) {
        errno = ENOMEM;
        goto error;
    }
    if (parse_file(c, c->path, 0, NULL, NULL) < 0)
        goto error;
    if (finish(c) < 0)
        goto error;
    c->err = NULL;
    c->errlen = 0;
    return c;
error:
    if (errno == ENOMEM && err && errlen && !err[0])
        snprintf(err, errlen, "%s: out of memory", path);
    flurm_slurmconf_destroy(c);
    return NULL;
}

void flurm_slurmconf_destroy(struct flurm_slurmconf *c)
{
    if (!c)
        return;
    int saved = errno;
    for (size_t i = 0; i < c->npool; i++)
        free(c->pool[i]);
    free(c->pool);
    free(c->settings);
    free(c->nodes);
    free(c->node_hash);
    free(c->parts);
    free(c->pending);
    free(c->nodesets);
    if (c->unimplemented && c->capunimpl)
        free(c->unimplemented);
    if (c->unknown && c->capunknown)
        free(c->unknown);
    if (c->warnings && c->capwarnings)
        free(c->warnings);
    free(c->path);
    free(c);
    errno = saved;
}

const char *flurm_slurmconf_get(const struct flurm_slurmconf *c,
                                const char *key)
{
    const struct setting *s = key ? last_setting(c, key) : NULL;

    return s ? s->value : NULL;
}

const char *flurm_slurmconf_get_or_default(const struct flurm_slurmconf *c,
                                           const char *key)
{
    const char *v = flurm_slurmconf_get(c, key);
    const struct key_info *info;

    if (v || !key)
        return v;
    info = find_key(key);
    return info ? info->dflt : NULL;
}

int flurm_slurmconf_foreach(const struct flurm_slurmconf *c,
                            int (*fn)(const char *key, const char *value,
                                      void *arg),
                            void *arg)
{
    for (size_t i = 0; i < c->nsettings; i++) {
        int rc = fn(c->settings[i].key, c->settings[i].value, arg);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The value of a known key of one of 'types', or its default text. */
static const char *typed_value(const struct flurm_slurmconf *c,
                               const char *key, enum value_type t1,
                               enum value_type t2, enum value_type t3,
                               const struct key_info **info)
{
    *info = key ? find_key(key) : NULL;
    if (!*info || ((*info)->type != t1 && (*info)->type != t2 &&
                   (*info)->type != t3)) {
        errno = EINVAL;
        return NULL;
    }
    const char *v = flurm_slurmconf_get(c, key);
    return v ? v : (*info)->dflt;
}

uint64_t flurm_slurmconf_number(const struct flurm_slurmconf *c,
                                const char *key)
{
    const struct key_info *info;
    const char *v = typed_value(c, key, T_U16, T_U32, T_U64, &info);

    return v ? number_of(v, info->type) : 0;
}

bool flurm_slurmconf_bool(const struct flurm_slurmconf *c, const char *key)
{
    const struct key_info *info;
    const char *v = typed_value(c, key, T_BOOL, T_BOOL, T_BOOL, &info);
    bool b = false;

    if (v)
        (void)parse_bool(v, &b);
    return b;
}

uint32_t flurm_slurmconf_minutes(const struct flurm_slurmconf *c,
                                 const char *key)
{
    const struct key_info *info;
    const char *v = typed_value(c, key, T_MINUTES, T_MINUTES, T_MINUTES, &info);
    uint32_t m = FLURM_SLURMCONF_NO_VAL;

    if (v)
        (void)flurm_slurmconf_parse_minutes(v, &m);
    return m;
}

const char *flurm_slurmconf_path(const struct flurm_slurmconf *c)
{
    return c->path;
}

const char *flurm_slurmconf_cluster_name(const struct flurm_slurmconf *c)
{
    return c->cluster_name;
}

size_t flurm_slurmconf_controller_count(const struct flurm_slurmconf *c)
{
    return c->nctls;
}

const char *flurm_slurmconf_controller_host(const struct flurm_slurmconf *c,
                                            size_t i)
{
    return i < c->nctls ? c->ctls[i].host : NULL;
}

const char *flurm_slurmconf_controller_addr(const struct flurm_slurmconf *c,
                                            size_t i)
{
    return i < c->nctls ? c->ctls[i].addr : NULL;
}

uint16_t flurm_slurmconf_slurmctld_port(const struct flurm_slurmconf *c)
{
    return c->ctld_port;
}

uint16_t flurm_slurmconf_slurmctld_port_count(const struct flurm_slurmconf *c)
{
    return c->ctld_port_count;
}

uint16_t flurm_slurmconf_slurmd_port(const struct flurm_slurmconf *c)
{
    return c->slurmd_port;
}

uid_t flurm_slurmconf_slurm_user(const struct flurm_slurmconf *c,
                                 const char **name)
{
    if (name)
        *name = c->slurm_user;
    return c->slurm_uid;
}

uid_t flurm_slurmconf_slurmd_user(const struct flurm_slurmconf *c,
                                  const char **name)
{
    if (name)
        *name = c->slurmd_user;
    return c->slurmd_uid;
}

const char *flurm_slurmconf_auth_info(const struct flurm_slurmconf *c,
                                      const char *option)
{
    for (size_t i = c->nauth; option && i-- > 0;) {
        if (strcasecmp(c->auth[i].name, option) == 0)
            return c->auth[i].value;
    }
    return NULL;
}

uint16_t flurm_slurmconf_preempt_mode(const struct flurm_slurmconf *c)
{
    return c->preempt_mode;
}

size_t flurm_slurmconf_node_count(const struct flurm_slurmconf *c)
{
    return c->nnodes;
}

const struct flurm_slurmconf_node *
flurm_slurmconf_node(const struct flurm_slurmconf *c, size_t i)
{
    return i < c->nnodes ? &c->nodes[i] : NULL;
}

const struct flurm_slurmconf_node *
flurm_slurmconf_node_find(const struct flurm_slurmconf *c, const char *name,
                          size_t *index)
{
    ssize_t i = name ? node_lookup(c, name) : -1;

    if (i < 0) {
        errno = ENOENT;
        return NULL;
    }
    if (index)
        *index = (size_t)i;
    return &c->nodes[i];
}

size_t flurm_slurmconf_partition_count(const struct flurm_slurmconf *c)
{
    return c->nparts;
}

const struct flurm_slurmconf_partition *
flurm_slurmconf_partition(const struct flurm_slurmconf *c, size_t i)
{
    return i < c->nparts ? &c->parts[i] : NULL;
}

const struct flurm_slurmconf_partition *
flurm_slurmconf_partition_find(const struct flurm_slurmconf *c,
                               const char *name, size_t *index)
{
    for (size_t i = 0; name && i < c->nparts; i++) {
        if (strcmp(c->parts[i].name, name) == 0) {
            if (index)
                *index = i;
            return &c->parts[i];
        }
    }
    errno = ENOENT;
    return NULL;
}

const struct flurm_slurmconf_partition *
flurm_slurmconf_default_partition(const struct flurm_slurmconf *c)
{
    return c->default_part >= 0 ? &c->parts[c->default_part] : NULL;
}

const char *const *flurm_slurmconf_unimplemented(const struct flurm_slurmconf *c)
{
    return c->unimplemented;
}

const char *const *flurm_slurmconf_unknown(const struct flurm_slurmconf *c)
{
    return c->unknown;
}

const char *const *flurm_slurmconf_warnings(const struct flurm_slurmconf *c)
{
    return c->warnings;
}

enum flurm_slurmconf_support flurm_slurmconf_key_support(const char *key,
                                                         const char **only)
{
    const struct key_info *info = key ? find_key(key) : NULL;

    if (only)
        *only = info ? info->only : NULL;
    return info ? (enum flurm_slurmconf_support)info->support
                : FLURM_SLURMCONF_UNKNOWN;
}

const char *flurm_slurmconf_known_key(size_t i)
{
    return i < NKNOWN ? known_keys[i].name : NULL;
}
