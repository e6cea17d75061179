/*
 * test_slurmconf.c - reading the site's slurm.conf (common/slurmconf.h).
 *
 * The sample files are in test/common/slurmconf/ (lab.conf is the lab's
 * real slurm.conf, from /work/shared/slurm-22.05-captures/README.md); small
 * cases, the error cases above all, are written to a temporary folder by
 * the test itself so that each reads next to what it specifies.  When SLURM's
 * scontrol is installed, the last tests check that it agrees on which files
 * are valid.
 */
#include "common/slurmconf.h"

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SAMPLES "test/common/slurmconf/"

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/flurm-test-slurmconf.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tmpdir(void)
{
    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write tmpdir/name; returns the full path (static buffer per call site is
 * not enough, so a rotating set). */
static const char *write_file(const char *name, const char *text)
{
    static char paths[8][PATH_MAX];
    static int next;
    char *path = paths[next++ % 8];

    snprintf(path, PATH_MAX, "%s/%s", tmpdir, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static struct flurm_slurmconf *load_ok(const char *path)
{
    char err[512] = "";
    struct flurm_slurmconf *c = flurm_slurmconf_load(path, err, sizeof(err));
    ck_assert_msg(c != NULL, "load %s: %s", path, err);
    return c;
}

/* A valid conf made of the two required keys and 'body'. */
static struct flurm_slurmconf *load_text(const char *body)
{
    char *text = NULL;
    ck_assert_int_ge(asprintf(&text, "ClusterName=t\nSlurmctldHost=head\n%s",
                              body), 0);
    struct flurm_slurmconf *c = load_ok(write_file("slurm.conf", text));
    free(text);
    return c;
}

static size_t list_len(const char *const *list)
{
    size_t n = 0;
    while (list[n])
        n++;
    return n;
}

/* ---- the lab's slurm.conf ---------------------------------------------- */

START_TEST(lab_conf_reads_as_the_lab_slurmctld_did)
{
    struct flurm_slurmconf *c = load_ok(SAMPLES "lab.conf");
    const char *name;

    ck_assert_str_eq(flurm_slurmconf_path(c), SAMPLES "lab.conf");
    ck_assert_str_eq(flurm_slurmconf_cluster_name(c), "lab");
    ck_assert_uint_eq(flurm_slurmconf_controller_count(c), 1);
    ck_assert_str_eq(flurm_slurmconf_controller_host(c, 0), "vm");
    ck_assert_str_eq(flurm_slurmconf_controller_addr(c, 0), "127.0.0.1");
    ck_assert_ptr_null(flurm_slurmconf_controller_host(c, 1));
    ck_assert_uint_eq(flurm_slurmconf_slurmctld_port(c), 6817);
    ck_assert_uint_eq(flurm_slurmconf_slurmctld_port_count(c), 1);
    ck_assert_uint_eq(flurm_slurmconf_slurmd_port(c), 6818);
    ck_assert_uint_eq(flurm_slurmconf_slurm_user(c, &name), 0);
    ck_assert_str_eq(name, "root");
    ck_assert_uint_eq(flurm_slurmconf_slurmd_user(c, &name), 0);
    ck_assert_str_eq(name, "root");

    /* `scontrol show node` on the lab printed CoresPerSocket=1 Sockets=2
     * Boards=1 ThreadsPerCore=1 CPUTot=2 RealMemory=4000 TmpDisk=0 Weight=1 */
    ck_assert_uint_eq(flurm_slurmconf_node_count(c), 1);
    const struct flurm_slurmconf_node *n = flurm_slurmconf_node(c, 0);
    ck_assert_str_eq(n->name, "vm");
    ck_assert_str_eq(n->hostname, "vm");
    ck_assert_str_eq(n->addr, "127.0.0.1");
    ck_assert_uint_eq(n->port, 6818);
    ck_assert_uint_eq(n->cpus, 2);
    ck_assert_uint_eq(n->sockets, 2);
    ck_assert_uint_eq(n->cores_per_socket, 1);
    ck_assert_uint_eq(n->threads_per_core, 1);
    ck_assert_uint_eq(n->boards, 1);
    ck_assert_uint_eq(n->real_memory, 4000);
    ck_assert_uint_eq(n->tmp_disk, 0);
    ck_assert_uint_eq(n->weight, 1);
    ck_assert_int_eq(n->state, FLURM_SLURMCONF_NODE_UNKNOWN);
    ck_assert_str_eq(n->state_text, "UNKNOWN");
    ck_assert_ptr_null(n->gres);
    ck_assert_ptr_null(n->features);
    ck_assert_uint_eq(n->npartitions, 1);
    ck_assert_uint_eq(n->partitions[0], 0);
    ck_assert_str_eq(n->file, SAMPLES "lab.conf");
    ck_assert_int_eq(n->line, 30);

    /* `scontrol show partition`: Default=YES DefaultTime=NONE MaxNodes=
     * UNLIMITED MaxTime=UNLIMITED MinNodes=0 Nodes=vm PriorityJobFactor=1
     * PriorityTier=1 OverSubscribe=NO State=UP AllowGroups=ALL ... */
    ck_assert_uint_eq(flurm_slurmconf_partition_count(c), 1);
    const struct flurm_slurmconf_partition *p = flurm_slurmconf_default_partition(c);
    ck_assert_ptr_eq(p, flurm_slurmconf_partition(c, 0));
    ck_assert_str_eq(p->name, "debug");
    ck_assert(p->is_default);
    ck_assert_str_eq(p->nodes, "vm");
    ck_assert_str_eq(p->nodes_text, "ALL");
    ck_assert_uint_eq(p->nnodes, 1);
    ck_assert_uint_eq(p->max_time, FLURM_SLURMCONF_INFINITE);
    ck_assert_uint_eq(p->default_time, FLURM_SLURMCONF_NO_VAL);
    ck_assert_uint_eq(p->max_nodes, FLURM_SLURMCONF_INFINITE);
    ck_assert_uint_eq(p->min_nodes, 0);
    ck_assert_uint_eq(p->max_cpus_per_node, FLURM_SLURMCONF_INFINITE);
    ck_assert_uint_eq(p->priority_job_factor, 1);
    ck_assert_uint_eq(p->priority_tier, 1);
    ck_assert_uint_eq(p->max_share, 1);
    ck_assert_int_eq(p->state, FLURM_SLURMCONF_PART_UP);
    ck_assert_uint_eq(p->preempt_mode, FLURM_SLURMCONF_NO_VAL16);
    ck_assert_uint_eq(p->over_time_limit, FLURM_SLURMCONF_NO_VAL16);
    ck_assert_ptr_null(p->allow_groups);
    ck_assert_ptr_null(p->allow_accounts);
    ck_assert_ptr_null(p->allow_qos);
    ck_assert_ptr_null(p->alloc_nodes);
    ck_assert_uint_eq(p->def_mem_per_cpu, 0);
    ck_assert_uint_eq(p->def_mem_per_node, 0);

    ck_assert_str_eq(flurm_slurmconf_get(c, "SelectTypeParameters"), "CR_Core_Memory");
    ck_assert_uint_eq(flurm_slurmconf_number(c, "MaxJobCount"), 100000);
    ck_assert_uint_eq(flurm_slurmconf_number(c, "ReturnToService"), 2);

    /* the controller-side keys FLURM does not act on, once each */
    const char *const *u = flurm_slurmconf_unimplemented(c);
    ck_assert_uint_eq(list_len(u), 3);
    ck_assert_str_eq(u[0], "SlurmctldPidFile");
    ck_assert_str_eq(u[1], "SlurmctldLogFile");
    ck_assert_str_eq(u[2], "SlurmctldDebug");
    ck_assert_uint_eq(list_len(flurm_slurmconf_unknown(c)), 0);
    ck_assert_uint_eq(list_len(flurm_slurmconf_warnings(c)), 0);
    flurm_slurmconf_destroy(c);
}
END_TEST

/* Values `scontrol show config` printed for the lab (captures/
 * scontrol_show_config/stdout.txt), most of them SLURM's defaults. */
START_TEST(lab_conf_defaults_match_the_lab_show_config)
{
    static const struct {
        const char *key;
        uint64_t value;
    } numbers[] = {
        {"BatchStartTimeout", 10}, {"CompleteWait", 0}, {"EpilogMsgTime", 2000},
        {"FirstJobId", 1}, {"GetEnvTimeout", 2}, {"GroupUpdateForce", 1},
        {"GroupUpdateTime", 600}, {"InactiveLimit", 0}, {"KillWait", 30},
        {"MaxArraySize", 1001}, {"MaxJobCount", 100000}, {"MaxJobId", 67043328},
        {"MaxStepCount", 40000}, {"MaxTasksPerNode", 512}, {"MessageTimeout", 10},
        {"MinJobAge", 300}, {"ResumeRate", 300}, {"ResumeTimeout", 60},
        {"ReturnToService", 2}, {"SchedulerTimeSlice", 30},
        {"SlurmctldTimeout", 120}, {"SlurmdTimeout", 300}, {"SuspendRate", 60},
        {"SuspendTimeout", 30}, {"TCPTimeout", 2}, {"TreeWidth", 50},
        {"UnkillableStepTimeout", 60}, {"PrologEpilogTimeout", 65534},
        {"EioTimeout", 60}, {"SlurmdPort", 6818}, {"DefMemPerCPU", 0},
    };
    static const struct {
        const char *key;
        const char *value;
    } strings[] = {
        {"AuthType", "auth/munge"}, {"CredType", "cred/munge"},
        {"SchedulerType", "sched/backfill"}, {"SelectType", "select/cons_tres"},
        {"PriorityType", "priority/basic"}, {"PreemptType", "preempt/none"},
        {"PreemptMode", "OFF"}, {"PrivateData", "none"}, {"MpiDefault", "none"},
        {"StateSaveLocation", "/tmp/slurmlab/state"},
        {"AccountingStorageTRES", "cpu,mem,energy,node,billing,fs/disk,vmem,pages"},
        {"BcastExclude", "/lib,/usr/lib,/lib64,/usr/lib64"},
        {"GpuFreqDef", "high,memory=high"}, {"JobCompLoc", "/var/log/slurm_jobcomp.log"},
        {"MailProg", "/bin/mail"}, {"TmpFS", "/tmp"}, {"PrEpPlugins", "prep/script"},
        {"RoutePlugin", "route/default"}, {"LaunchType", "launch/slurm"},
        {"InteractiveStepOptions", "--interactive --preserve-env --pty $SHELL"},
        {"JobAcctGatherFrequency", "30"}, {"SrunPortRange", "0-0"},
    };
    struct flurm_slurmconf *c = load_ok(SAMPLES "lab.conf");

    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
        ck_assert_msg(flurm_slurmconf_number(c, numbers[i].key) == numbers[i].value,
                      "%s = %llu, want %llu", numbers[i].key,
                      (unsigned long long)flurm_slurmconf_number(c, numbers[i].key),
                      (unsigned long long)numbers[i].value);
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        const char *v = flurm_slurmconf_get_or_default(c, strings[i].key);
        ck_assert_msg(v && strcmp(v, strings[i].value) == 0, "%s = %s, want %s",
                      strings[i].key, v ? v : "(null)", strings[i].value);
    }
    /* get() itself never invents a value */
    ck_assert_ptr_null(flurm_slurmconf_get(c, "PriorityType"));
    ck_assert_uint_eq(flurm_slurmconf_minutes(c, "PriorityMaxAge"), 7 * 1440);
    ck_assert(!flurm_slurmconf_bool(c, "UsePAM"));
    /* asking a string key for a number is a caller's mistake */
    errno = 0;
    ck_assert_uint_eq(flurm_slurmconf_number(c, "ClusterName"), 0);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_uint_eq(flurm_slurmconf_minutes(c, "MaxJobCount"), FLURM_SLURMCONF_NO_VAL);
    ck_assert_int_eq(errno, EINVAL);
    flurm_slurmconf_destroy(c);
}
END_TEST

/* ---- a richer site ------------------------------------------------------- */

START_TEST(rich_conf_top_level_settings)
{
    struct flurm_slurmconf *c = load_ok(SAMPLES "rich.conf");
    const char *name;

    /* ClusterName is lower-cased, as SLURM does */
    ck_assert_str_eq(flurm_slurmconf_cluster_name(c), "rich");
    ck_assert_str_eq(flurm_slurmconf_get(c, "ClusterName"), "Rich");
    ck_assert_uint_eq(flurm_slurmconf_controller_count(c), 2);
    ck_assert_str_eq(flurm_slurmconf_controller_host(c, 0), "ctl1");
    ck_assert_str_eq(flurm_slurmconf_controller_addr(c, 0), "10.0.0.1");
    ck_assert_str_eq(flurm_slurmconf_controller_host(c, 1), "ctl2");
    ck_assert_str_eq(flurm_slurmconf_controller_addr(c, 1), "ctl2");
    ck_assert_uint_eq(flurm_slurmconf_slurmctld_port(c), 6817);
    ck_assert_uint_eq(flurm_slurmconf_slurmctld_port_count(c), 4);
    ck_assert_uint_eq(flurm_slurmconf_slurmd_port(c), 7000);
    ck_assert_uint_eq(flurm_slurmconf_slurm_user(c, &name), 0);
    ck_assert_str_eq(name, "root");
    ck_assert_uint_eq(flurm_slurmconf_slurmd_user(c, &name), 0);
    ck_assert_str_eq(name, "0");
    ck_assert_str_eq(flurm_slurmconf_auth_info(c, "socket"), "/run/munge/munge.socket.2");
    ck_assert_str_eq(flurm_slurmconf_auth_info(c, "TTL"), "60");
    ck_assert_ptr_null(flurm_slurmconf_auth_info(c, "cred_expire"));

    /* quotes keep blanks; a trailing comment is not part of the value */
    ck_assert_str_eq(flurm_slurmconf_get(c, "StateSaveLocation"), "/var/spool/slurm state");
    ck_assert_str_eq(flurm_slurmconf_get(c, "SlurmUser"), "root");
    /* "\#" is a literal '#' */
    ck_assert_str_eq(flurm_slurmconf_get(c, "Epilog"), "/etc/slurm/epilog#1");
    /* keys are case-insensitive, blanks around '=' allowed */
    ck_assert_str_eq(flurm_slurmconf_get(c, "ReturnToService"), "1");
    ck_assert_str_eq(flurm_slurmconf_get(c, "RETURNTOSERVICE"), "1");
    /* the last definition wins */
    ck_assert_str_eq(flurm_slurmconf_get(c, "MaxJobCount"), "60000");
    ck_assert_uint_eq(flurm_slurmconf_number(c, "MaxJobCount"), 60000);

    /* SLURM's number syntax: k suffix, hex, UNLIMITED */
    ck_assert_uint_eq(flurm_slurmconf_number(c, "PriorityWeightFairshare"), 10240);
    ck_assert_uint_eq(flurm_slurmconf_number(c, "PriorityWeightJobSize"), 16);
    ck_assert_uint_eq(flurm_slurmconf_number(c, "PriorityWeightPartition"), 0xffffffffu);
    ck_assert_uint_eq(flurm_slurmconf_number(c, "PriorityWeightAge"), 1000);
    ck_assert_uint_eq(flurm_slurmconf_number(c, "PriorityWeightAssoc"), 0);
    ck_assert_uint_eq(flurm_slurmconf_number(c, "SlurmdTimeout"), 600);
    ck_assert_uint_eq(flurm_slurmconf_number(c, "SlurmctldTimeout"), 60);
    ck_assert_uint_eq(flurm_slurmconf_number(c, "FirstJobId"), 1000);
    ck_assert_uint_eq(flurm_slurmconf_number(c, "MaxArraySize"), 20001);
    ck_assert_uint_eq(flurm_slurmconf_number(c, "DefMemPerCPU"), 1024);
    ck_assert_uint_eq(flurm_slurmconf_minutes(c, "PriorityDecayHalfLife"), 14 * 1440);
    ck_assert_uint_eq(flurm_slurmconf_minutes(c, "PriorityMaxAge"), 1440 + 12 * 60 + 30);
    ck_assert(flurm_slurmconf_bool(c, "UsePAM"));
    ck_assert_uint_eq(flurm_slurmconf_preempt_mode(c), 0x0002); /* REQUEUE */
    ck_assert_str_eq(flurm_slurmconf_get(c, "PrivateData"), "jobs,usage");

    /* what FLURM does not act on: ignored keys, unsupported values,
     * ignored partition options; node-side keys and supported values are
     * not listed */
    const char *const *u = flurm_slurmconf_unimplemented(c);
    const char *want[] = {
        "PriorityDecayHalfLife", "AccountingStorageType=accounting_storage/slurmdbd",
        "MessageTimeout", "PartitionName:QOS",
    };
    ck_assert_uint_eq(list_len(u), sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_str_eq(u[i], want[i]);
    ck_assert_uint_eq(list_len(flurm_slurmconf_unknown(c)), 0);
    /* SLURM warns about this one too */
    const char *const *w = flurm_slurmconf_warnings(c);
    ck_assert_uint_eq(list_len(w), 1);
    ck_assert_str_eq(w[0], SAMPLES "parts-rich.conf:6: PartitionName=debug: "
                     "DefMemPerCPU ignored, since it's mutually exclusive with "
                     "DefMemPerNode");
    flurm_slurmconf_destroy(c);
}
END_TEST

START_TEST(rich_conf_nodes_take_the_default_line_in_force)
{
    struct flurm_slurmconf *c = load_ok(SAMPLES "rich.conf");
    size_t idx;

    ck_assert_uint_eq(flurm_slurmconf_node_count(c), 19);
    /* node[01-16]: the first DEFAULT line, continued over three lines */
    const struct flurm_slurmconf_node *n = flurm_slurmconf_node_find(c, "node07", &idx);
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_eq(idx, 6);
    ck_assert_uint_eq(n->cpus, 8);
    ck_assert_uint_eq(n->sockets, 2);
    ck_assert_uint_eq(n->cores_per_socket, 4);
    ck_assert_uint_eq(n->real_memory, 16000);
    ck_assert_uint_eq(n->tmp_disk, 100000);
    ck_assert_uint_eq(n->weight, 10);
    ck_assert_str_eq(n->features, "intel,avx2");
    ck_assert_ptr_null(n->gres);
    ck_assert_uint_eq(n->port, 7000); /* SlurmdPort */
    ck_assert_str_eq(n->addr, "node07");
    ck_assert_str_eq(n->file, SAMPLES "rich.conf");
    ck_assert_int_eq(n->line, 48);

    /* gpu[0-1]: the second DEFAULT line overrides RealMemory and Weight,
     * keeps the rest; one NodeAddr and one Port per node */
    n = flurm_slurmconf_node_find(c, "gpu1", NULL);
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_eq(n->cpus, 8);
    ck_assert_uint_eq(n->real_memory, 64000);
    ck_assert_uint_eq(n->weight, 20);
    ck_assert_str_eq(n->gres, "gpu:2");
    ck_assert_str_eq(n->features, "gpu,a100");
    ck_assert_str_eq(n->addr, "10.1.0.11");
    ck_assert_str_eq(n->hostname, "gpu1");
    ck_assert_uint_eq(n->port, 7002);
    ck_assert_uint_eq(flurm_slurmconf_node_find(c, "gpu0", NULL)->port, 7001);

    /* login1, from nodes.d/login.conf */
    n = flurm_slurmconf_node_find(c, "login1", &idx);
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_eq(idx, 18);
    ck_assert_str_eq(n->hostname, "login1.example");
    ck_assert_str_eq(n->addr, "10.2.0.1");
    ck_assert_uint_eq(n->cpus, 4);
    ck_assert_uint_eq(n->sockets, 2);
    ck_assert_uint_eq(n->cores_per_socket, 2);
    ck_assert_uint_eq(n->threads_per_core, 2);
    ck_assert_str_eq(n->reason, "login node");
    ck_assert_int_eq(n->state, FLURM_SLURMCONF_NODE_DRAIN);
    ck_assert_str_eq(n->file, SAMPLES "nodes.d/login.conf");
    ck_assert_int_eq(n->line, 3);

    /* node names are case-sensitive */
    errno = 0;
    ck_assert_ptr_null(flurm_slurmconf_node_find(c, "NODE07", NULL));
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_null(flurm_slurmconf_node(c, 19));
    flurm_slurmconf_destroy(c);
}
END_TEST

START_TEST(rich_conf_partitions_and_membership)
{
    struct flurm_slurmconf *c = load_ok(SAMPLES "rich.conf");
    size_t idx;

    ck_assert_uint_eq(flurm_slurmconf_partition_count(c), 5);
    const struct flurm_slurmconf_partition *p = flurm_slurmconf_partition_find(c, "batch", &idx);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(idx, 0);
    ck_assert_ptr_eq(flurm_slurmconf_default_partition(c), p);
    ck_assert_str_eq(p->nodes, "node[01-16]");
    ck_assert_uint_eq(p->nnodes, 16);
    ck_assert_uint_eq(p->max_time, 1440);           /* from the DEFAULT line */
    ck_assert_uint_eq(p->def_mem_per_cpu, 2048);    /* idem */
    ck_assert_uint_eq(p->max_nodes, 8);
    ck_assert_uint_eq(p->priority_tier, 10);
    ck_assert_str_eq(p->file, SAMPLES "parts-rich.conf");
    ck_assert_int_eq(p->line, 2);

    p = flurm_slurmconf_partition_find(c, "gpu", NULL);
    ck_assert_str_eq(p->nodes, "gpu[0-1],node16");
    ck_assert_uint_eq(p->max_time, 240);
    ck_assert_uint_eq(p->default_time, 30);
    ck_assert_str_eq(p->allow_accounts, "physics,chem"); /* lower-cased */
    ck_assert_uint_eq(p->max_share, 2 | FLURM_SLURMCONF_SHARED_FORCE);
    ck_assert_str_eq(p->qos, "normal");
    ck_assert(!p->is_default);

    /* ALL: every node, whatever the order they were defined in */
    p = flurm_slurmconf_partition_find(c, "all", NULL);
    ck_assert_str_eq(p->nodes, "gpu[0-1],login1,node[01-16]");
    ck_assert_uint_eq(p->nnodes, 19);
    ck_assert_int_eq(p->state, FLURM_SLURMCONF_PART_DRAIN);
    ck_assert(p->hidden);
    ck_assert_uint_eq(p->max_time, FLURM_SLURMCONF_INFINITE);
    ck_assert_str_eq(p->deny_accounts, "guests");

    /* blanks in a quoted Nodes= separate names; the list comes out sorted */
    p = flurm_slurmconf_partition_find(c, "debug", NULL);
    ck_assert_str_eq(p->nodes_text, "node02 node01");
    ck_assert_str_eq(p->nodes, "node[01-02]");
    ck_assert_uint_eq(p->node_index[0], 0);
    ck_assert_uint_eq(p->node_index[1], 1);
    ck_assert_uint_eq(p->max_time, 30);
    ck_assert_uint_eq(p->priority_job_factor, 5);
    ck_assert_uint_eq(p->max_share, 4); /* YES */
    ck_assert_ptr_null(p->allow_groups);
    ck_assert_uint_eq(p->def_mem_per_node, 4000);
    ck_assert_uint_eq(p->def_mem_per_cpu, 0); /* per node wins */

    /* a NodeSet by feature plus a plain name */
    p = flurm_slurmconf_partition_find(c, "avx", NULL);
    ck_assert_str_eq(p->nodes, "login1,node[01-16]");
    ck_assert_int_eq(p->state, FLURM_SLURMCONF_PART_INACTIVE);
    ck_assert_uint_eq(p->preempt_mode, 0x0001 | 0x8000); /* SUSPEND,GANG */

    /* each node knows its partitions, in partition order */
    const struct flurm_slurmconf_node *n = flurm_slurmconf_node_find(c, "node16", NULL);
    ck_assert_uint_eq(n->npartitions, 4);
    ck_assert_str_eq(flurm_slurmconf_partition(c, n->partitions[0])->name, "batch");
    ck_assert_str_eq(flurm_slurmconf_partition(c, n->partitions[1])->name, "gpu");
    ck_assert_str_eq(flurm_slurmconf_partition(c, n->partitions[2])->name, "all");
    ck_assert_str_eq(flurm_slurmconf_partition(c, n->partitions[3])->name, "avx");
    n = flurm_slurmconf_node_find(c, "gpu0", NULL);
    ck_assert_uint_eq(n->npartitions, 2);

    errno = 0;
    ck_assert_ptr_null(flurm_slurmconf_partition_find(c, "BATCH", NULL));
    ck_assert_int_eq(errno, ENOENT);
    flurm_slurmconf_destroy(c);
}
END_TEST

START_TEST(glob_include_reads_matches_in_order)
{
    struct flurm_slurmconf *c = load_ok(SAMPLES "glob.conf");
    char host[HOST_NAME_MAX + 1] = "";

    ck_assert_uint_eq(flurm_slurmconf_node_count(c), 4);
    ck_assert_str_eq(flurm_slurmconf_partition(c, 0)->nodes, "n[1-4]");
    /* 20-parts.conf is read after 10-nodes.conf */
    ck_assert_uint_eq(flurm_slurmconf_number(c, "SlurmdTimeout"), 200);
    /* SlurmctldHost=localhost means this host, short name */
    gethostname(host, sizeof(host));
    host[strcspn(host, ".")] = '\0';
    ck_assert_str_eq(flurm_slurmconf_controller_host(c, 0), host);
    ck_assert_str_eq(flurm_slurmconf_controller_addr(c, 0), "localhost");
    flurm_slurmconf_destroy(c);
}
END_TEST

START_TEST(legacy_controller_keys_still_work)
{
    struct flurm_slurmconf *c = load_ok(SAMPLES "legacy.conf");

    ck_assert_uint_eq(flurm_slurmconf_controller_count(c), 2);
    ck_assert_str_eq(flurm_slurmconf_controller_host(c, 0), "head1");
    ck_assert_str_eq(flurm_slurmconf_controller_addr(c, 0), "192.168.0.1");
    ck_assert_str_eq(flurm_slurmconf_controller_host(c, 1), "head2");
    ck_assert_str_eq(flurm_slurmconf_controller_addr(c, 1), "head2");
    /* no Default=YES anywhere: no default partition */
    ck_assert_ptr_null(flurm_slurmconf_default_partition(c));
    flurm_slurmconf_destroy(c);

    /* SlurmctldHost wins over them, with a warning */
    c = load_text("ControlMachine=old\nNodeName=n1\n");
    ck_assert_uint_eq(flurm_slurmconf_controller_count(c), 1);
    ck_assert_str_eq(flurm_slurmconf_controller_host(c, 0), "head");
    ck_assert_uint_eq(list_len(flurm_slurmconf_warnings(c)), 1);
    ck_assert_ptr_nonnull(strstr(flurm_slurmconf_warnings(c)[0],
                                 "Ignoring ControlMachine since SlurmctldHost is set"));
    flurm_slurmconf_destroy(c);
}
END_TEST

/* ---- the file syntax ----------------------------------------------------- */

START_TEST(comments_continuations_quotes_and_escapes)
{
    struct flurm_slurmconf *c = load_text(
        "# a comment line\n"
        "\n"
        "   \n"
        "SlurmctldLogFile=/var/log/ctl.log# no blank needed before a comment\n"
        "Prolog=/bin/pro\\#log\n"
        "Epilog=C:\\\\dir\n"
        "SchedulerParameters=\"bf_window=60, bf_interval=30\"\n"
        "MailProg=\"\"\n"
        "TaskProlog = /bin/task\n"
        "JobSubmitPlugins=lua\\\n"
        ",all_partitions\n"
        "NodeName=n[1-2] \\\n"
        "   CPUs=4 \\   \n"
        "   # this comment line ends the continued line\n"
        "SrunProlog=\"glued\"x\n");

    ck_assert_str_eq(flurm_slurmconf_get(c, "SlurmctldLogFile"), "/var/log/ctl.log");
    ck_assert_str_eq(flurm_slurmconf_get(c, "Prolog"), "/bin/pro#log");
    ck_assert_str_eq(flurm_slurmconf_get(c, "Epilog"), "C:\\dir");
    ck_assert_str_eq(flurm_slurmconf_get(c, "SchedulerParameters"),
                     "bf_window=60, bf_interval=30");
    ck_assert_str_eq(flurm_slurmconf_get(c, "MailProg"), "");
    ck_assert_str_eq(flurm_slurmconf_get(c, "TaskProlog"), "/bin/task");
    /* the backslash joins the lines with nothing in between */
    ck_assert_str_eq(flurm_slurmconf_get(c, "JobSubmitPlugins"), "lua,all_partitions");
    ck_assert_uint_eq(flurm_slurmconf_node(c, 1)->cpus, 4);
    /* text glued after a closing quote: SLURM keeps the whole word */
    ck_assert_str_eq(flurm_slurmconf_get(c, "SrunProlog"), "\"glued\"x");
    flurm_slurmconf_destroy(c);
}
END_TEST

static int collect(const char *key, const char *value, void *arg)
{
    char *buf = arg;
    strcat(buf, key);
    strcat(buf, "=");
    strcat(buf, value);
    strcat(buf, ";");
    return 0;
}

START_TEST(foreach_visits_every_setting_in_file_order)
{
    char buf[512] = "";
    struct flurm_slurmconf *c = load_text("KillWait=10\nkillwait=20\nNodeName=a\n");

    ck_assert_int_eq(flurm_slurmconf_foreach(c, collect, buf), 0);
    ck_assert_str_eq(buf, "ClusterName=t;SlurmctldHost=head;KillWait=10;"
                     "killwait=20;NodeName=a;");
    ck_assert_str_eq(flurm_slurmconf_get(c, "KILLWAIT"), "20");
    ck_assert_uint_eq(flurm_slurmconf_number(c, "KillWait"), 20);
    flurm_slurmconf_destroy(c);
}
END_TEST

START_TEST(unknown_keys_are_reported_not_fatal)
{
    struct flurm_slurmconf *c = load_text(
        "SchedulerParamaters=typo\n"
        "FutureKey=1 with=options on=the line\n"
        "KillWait=5\n");
    const char *const *unknown = flurm_slurmconf_unknown(c);

    ck_assert_uint_eq(list_len(unknown), 2);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof(want), "SchedulerParamaters (%s/slurm.conf:3)", tmpdir);
    ck_assert_str_eq(unknown[0], want);
    snprintf(want, sizeof(want), "FutureKey (%s/slurm.conf:4)", tmpdir);
    ck_assert_str_eq(unknown[1], want);
    /* still readable, like any setting */
    ck_assert_str_eq(flurm_slurmconf_get(c, "FutureKey"), "1");
    ck_assert_uint_eq(flurm_slurmconf_number(c, "KillWait"), 5);
    flurm_slurmconf_destroy(c);
}
END_TEST

/* ---- nodes and partitions -------------------------------------------------- */

START_TEST(node_hardware_is_completed_as_slurm_does)
{
    static const struct {
        const char *line;
        unsigned cpus, boards, sockets, cores, threads;
        bool warns;
    } cases[] = {
        /* nothing: one of everything */
        {"NodeName=x", 1, 1, 1, 1, 1, false},
        /* Sockets from CPUs / (cores x threads) */
        {"NodeName=x CPUs=16", 16, 1, 16, 1, 1, false},
        {"NodeName=x CPUs=16 CoresPerSocket=4 ThreadsPerCore=2", 16, 1, 2, 4, 2, false},
        {"NodeName=x Procs=8 CoresPerSocket=4", 8, 1, 2, 4, 1, false},
        /* CPUs from the topology */
        {"NodeName=x Sockets=2 CoresPerSocket=8 ThreadsPerCore=2", 32, 1, 2, 8, 2, false},
        {"NodeName=x Boards=2 SocketsPerBoard=2 CoresPerSocket=4", 16, 2, 4, 4, 1, false},
        /* CPUs may count sockets or cores instead of threads */
        {"NodeName=x CPUs=4 Sockets=2 CoresPerSocket=2 ThreadsPerCore=2", 4, 1, 2, 2, 2, false},
        /* CPUs that fit nothing are reset to the topology, with a warning */
        {"NodeName=x CPUs=12 CoresPerSocket=8", 8, 1, 1, 8, 1, true},
        {"NodeName=x CPUs=0", 1, 1, 1, 1, 1, true},
        /* Sockets and SocketsPerBoard together: SocketsPerBoard wins */
        {"NodeName=x Sockets=8 SocketsPerBoard=1 Boards=2", 2, 2, 2, 1, 1, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[256];
        snprintf(body, sizeof(body), "%s\n", cases[i].line);
        struct flurm_slurmconf *c = load_text(body);
        const struct flurm_slurmconf_node *n = flurm_slurmconf_node(c, 0);
        ck_assert_msg(n->cpus == cases[i].cpus && n->boards == cases[i].boards &&
                      n->sockets == cases[i].sockets &&
                      n->cores_per_socket == cases[i].cores &&
                      n->threads_per_core == cases[i].threads,
                      "'%s': CPUs=%u Boards=%u Sockets=%u Cores=%u Threads=%u",
                      cases[i].line, n->cpus, n->boards, n->sockets,
                      n->cores_per_socket, n->threads_per_core);
        ck_assert_msg((list_len(flurm_slurmconf_warnings(c)) > 0) == cases[i].warns,
                      "'%s': warnings", cases[i].line);
        flurm_slurmconf_destroy(c);
    }
}
END_TEST

START_TEST(node_defaults_ports_and_states)
{
    struct flurm_slurmconf *c = load_text(
        "NodeName=DEFAULT State=FUTURE Weight=INFINITE\n"
        "NodeName=a[1-3] Port=17001-17003 NodeAddr=h1\n"
        "NodeName=b[1-2] Port=17100 State=drained NodeHostname=bh[1-2]\n"
        "NodeName=c1 State=cloud TmpDisk=2k\n"
        "SlurmdPort=9000\n"
        "NodeName=d1 State=idle\n");

    /* one NodeAddr for many nodes: several slurmd on one host */
    ck_assert_str_eq(flurm_slurmconf_node(c, 0)->addr, "h1");
    ck_assert_str_eq(flurm_slurmconf_node(c, 2)->addr, "h1");
    ck_assert_str_eq(flurm_slurmconf_node(c, 2)->hostname, "a3");
    ck_assert_uint_eq(flurm_slurmconf_node(c, 0)->port, 17001);
    ck_assert_uint_eq(flurm_slurmconf_node(c, 2)->port, 17003);
    ck_assert_uint_eq(flurm_slurmconf_node(c, 4)->port, 17100);
    /* NodeAddr defaults to NodeHostname */
    ck_assert_str_eq(flurm_slurmconf_node(c, 4)->addr, "bh2");
    /* the last SlurmdPort applies to every node without a Port */
    ck_assert_uint_eq(flurm_slurmconf_node(c, 5)->port, 9000);
    ck_assert_uint_eq(flurm_slurmconf_node(c, 6)->port, 9000);
    /* Weight=INFINITE is kept one below INFINITE, as SLURM does */
    ck_assert_uint_eq(flurm_slurmconf_node(c, 0)->weight, 0xfffffffeu);
    ck_assert_int_eq(flurm_slurmconf_node(c, 0)->state, FLURM_SLURMCONF_NODE_FUTURE);
    ck_assert_int_eq(flurm_slurmconf_node(c, 3)->state, FLURM_SLURMCONF_NODE_DRAIN);
    ck_assert_int_eq(flurm_slurmconf_node(c, 5)->state, FLURM_SLURMCONF_NODE_CLOUD);
    ck_assert_uint_eq(flurm_slurmconf_node(c, 5)->tmp_disk, 2048);
    ck_assert_int_eq(flurm_slurmconf_node(c, 6)->state, FLURM_SLURMCONF_NODE_IDLE);
    ck_assert_uint_eq(flurm_slurmconf_slurmd_port(c), 9000);
    flurm_slurmconf_destroy(c);
}
END_TEST

START_TEST(partitions_defaults_and_the_default_partition)
{
    struct flurm_slurmconf *c = load_text(
        "PartitionName=early Nodes=ALL Default=YES\n"
        "NodeName=n[1-3]\n"
        "PartitionName=DEFAULT MaxTime=2:00:00 Shared=EXCLUSIVE\n"
        "PartitionName=late Nodes=n[2-3] Default=YES Priority=7 MaxTime=5:30\n"
        "PartitionName=empty\n"
        "PartitionName=DEFAULT MaxTime=1-12\n"
        "PartitionName=last Nodes=n1,n1 OverSubscribe=NO DisableRootJobs=YES\n");

    /* ALL means all nodes, even those defined below the partition */
    const struct flurm_slurmconf_partition *p = flurm_slurmconf_partition(c, 0);
    ck_assert_str_eq(p->nodes, "n[1-3]");
    ck_assert_uint_eq(p->max_time, FLURM_SLURMCONF_INFINITE);
    ck_assert_uint_eq(p->max_share, 1);
    /* the last Default=YES wins */
    ck_assert(!p->is_default);
    p = flurm_slurmconf_partition(c, 1);
    ck_assert(p->is_default);
    ck_assert_ptr_eq(flurm_slurmconf_default_partition(c), p);
    ck_assert_uint_eq(p->max_time, 6); /* 5 minutes 30 seconds, rounded up */
    ck_assert_uint_eq(p->priority_tier, 7);
    ck_assert_uint_eq(p->priority_job_factor, 7);
    ck_assert_uint_eq(p->max_share, 0); /* EXCLUSIVE from the DEFAULT line */
    p = flurm_slurmconf_partition(c, 2);
    ck_assert_ptr_null(p->nodes_text);
    ck_assert_str_eq(p->nodes, "");
    ck_assert_uint_eq(p->nnodes, 0);
    ck_assert_uint_eq(p->max_time, 120);
    p = flurm_slurmconf_partition(c, 3);
    ck_assert_uint_eq(p->max_time, 36 * 60);
    ck_assert_uint_eq(p->nnodes, 1);
    ck_assert_uint_eq(p->max_share, 1);
    ck_assert_int_eq(p->disable_root_jobs, 1);
    ck_assert_int_eq(flurm_slurmconf_partition(c, 0)->disable_root_jobs, -1);
    ck_assert_uint_eq(flurm_slurmconf_node(c, 0)->npartitions, 2);
    flurm_slurmconf_destroy(c);
}
END_TEST

START_TEST(time_values_in_slurm_syntax)
{
    static const struct {
        const char *text;
        uint32_t minutes;
    } good[] = {
        {"0", 0}, {"30", 30}, {"5:30", 6}, {"5:00", 5}, {"1:00:00", 60},
        {"1:00:01", 61}, {"2-0", 2880}, {"1-12", 2160}, {"1-12:30", 2190},
        {"1-0:0:1", 1441}, {"1-", 1440}, {"00:90", 2},
        {"UNLIMITED", FLURM_SLURMCONF_INFINITE}, {"infinite", FLURM_SLURMCONF_INFINITE},
        {"-1", FLURM_SLURMCONF_INFINITE},
    };
    static const char *bad[] = {
        "", "abc", "1:2:3:4", "1-2-3", "5:", ":5", "1-2:3:", "-5", "1:-2",
        "1.5", "1 h", "1-2:3:4:5", "99999999999",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint32_t m = 12345;
        ck_assert_msg(flurm_slurmconf_parse_minutes(good[i].text, &m) == 0,
                      "'%s' refused", good[i].text);
        ck_assert_msg(m == good[i].minutes, "'%s' = %u, want %u", good[i].text,
                      m, good[i].minutes);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint32_t m;
        errno = 0;
        ck_assert_msg(flurm_slurmconf_parse_minutes(bad[i], &m) == -1,
                      "'%s' accepted", bad[i]);
        ck_assert_int_eq(errno, EINVAL);
    }
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

struct bad_conf {
    const char *text;   /* after ClusterName=t and SlurmctldHost=head */
    int line;           /* expected line (0: the whole file) */
    const char *says;   /* expected in the message */
    bool scontrol_too;  /* SLURM's client-side parser refuses it as well
                         * (it leaves node names, counts and duplicates
                         * to slurmctld) */
};

static const struct bad_conf bad_confs[] = {
    /* refused when the line is read */
    {"NodeName=n1 CPUs=2 Colour=blue\n", 3, "NodeName=n1: unknown key 'Colour'", true},
    {"NodeName=n1 CPUs=abc\n", 3, "CPUs value 'abc' is not a valid number", true},
    {"NodeName=n1 CPUs=70000\n", 3, "CPUs value '70000' is greater than 65535", true},
    {"NodeName=n1 RealMemory=-5\n", 3, "RealMemory value '-5' is less than zero", true},
    {"SlurmdTimeout=soon\n", 3, "SlurmdTimeout value 'soon' is not a valid number", true},
    {"PartitionName=p MaxTime=1:2:3:4\n", 3, "bad time '1:2:3:4' for MaxTime", true},
    {"PartitionName=p DefaultTime=never\n", 3, "bad time 'never' for DefaultTime", true},
    {"PriorityMaxAge=1-2-3\n", 3, "bad time '1-2-3' for PriorityMaxAge", true},
    {"PartitionName=p Default=maybe\n", 3, "'maybe' is not a valid option for Default", true},
    {"KillWait=30 MinJobAge=300\n", 3, "unexpected text after KillWait=30: 'MinJobAge=300'", true},
    {"SlurmctldPort=6817-6816\n", 3, "invalid SlurmctldPort '6817-6816'", true},
    {"SlurmctldHost=a(b\n", 3, "bad value 'a(b' for SlurmctldHost", true},
    {"NodeName=DEFAULT NodeAddr=x\n", 3, "NodeAddr not allowed with NodeName=DEFAULT", true},
    {"NodeName=ALL\n", 3, "'ALL' is a reserved word", true},
    {"NodeName=n1 State=SLEEPY\n", 3, "NodeName=n1: invalid State 'SLEEPY'", false},
    {"PartitionName=p State=OPEN\n", 3, "bad value 'OPEN' for State", true},
    {"PartitionName=p OverSubscribe=SOMETIMES\n", 3, "bad value 'SOMETIMES' for OverSubscribe", true},
    {"PreemptMode=SUSPEND,REQUEUE\n", 3, "bad value 'SUSPEND,REQUEUE' for PreemptMode", true},
    {"just some words\n", 3, "expected KEY=VALUE, found 'just'", true},
    {"Epilog=\n", 3, "missing value for Epilog", true},
    /* the cases slurmctld refuses once the whole file is read */
    {"NodeName=n[1-2]\nPartitionName=p Nodes=n[1-3],x\n", 4,
     "PartitionName=p: Nodes=n[1-3],x names undefined node(s) n3,x", false},
    {"NodeName=n1\nPartitionName=p Nodes=ALL,n1\n", 4, "undefined node(s) ALL", false},
    {"NodeName=n[1-2]\nNodeName=n2\n", 4, "Duplicated NodeName n2 (first defined at ", false},
    {"PartitionName=p\n\nPartitionName=p\n", 5, "duplicate PartitionName p", false},
    {"SlurmUser=no-such-user-here\n", 3, "Invalid user for SlurmUser no-such-user-here", true},
    {"NodeName=n[1-3] NodeAddr=a[1-2]\n", 3, "NodeAddr count (2) must equal that of NodeName (3)", false},
    {"NodeName=n[1-3] Port=1-2\n", 3, "Port count (2) must equal that of NodeName (3)", false},
    {"NodeName=n[3-1]\n", 3, "NodeName=n[3-1]: invalid range", false},
    {"NodeName=n[1-999999999]\n", 3, "too many hosts", false},
    {"SlurmdPort=70000\n", 3, "invalid SlurmdPort 70000", false},
    {"MaxJobCount=0\n", 3, "MaxJobCount=0, No jobs permitted", true},
    {"FirstJobId=0\n", 3, "FirstJobId cannot be zero", true},
    /* FLURM is stricter than SLURM here */
    {"NodeName=n1 Features=\"a,b\n", 3, "unterminated quote in the value of Features", false},
    /* an error on a continued line is reported at its first line */
    {"\nNodeName=n1 \\\n  CPUs=2 \\\n  Bogus=1\n", 4, "NodeName=n1: unknown key 'Bogus'", true},
};

START_TEST(errors_name_the_file_and_line)
{
    for (size_t i = 0; i < sizeof(bad_confs) / sizeof(bad_confs[0]); i++) {
        char *text = NULL, err[512] = "", want[PATH_MAX + 16];
        ck_assert_int_ge(asprintf(&text, "ClusterName=t\nSlurmctldHost=head\n%s",
                                  bad_confs[i].text), 0);
        const char *path = write_file("bad.conf", text);
        free(text);
        errno = 0;
        struct flurm_slurmconf *c = flurm_slurmconf_load(path, err, sizeof(err));
        ck_assert_msg(c == NULL, "case %zu accepted: %s", i, bad_confs[i].text);
        ck_assert_int_eq(errno, EINVAL);
        snprintf(want, sizeof(want), "%s:%d: ", path, bad_confs[i].line);
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
                      "case %zu: '%s' does not start with '%s'", i, err, want);
        ck_assert_msg(strstr(err, bad_confs[i].says) != NULL,
                      "case %zu: '%s' does not say '%s'", i, err, bad_confs[i].says);
    }
}
END_TEST

START_TEST(whole_file_errors)
{
    char err[512], want[PATH_MAX + 64];
    const char *path;

    path = write_file("a.conf", "SlurmctldHost=h\n");
    ck_assert_ptr_null(flurm_slurmconf_load(path, err, sizeof(err)));
    snprintf(want, sizeof(want), "%s: ClusterName needs to be specified", path);
    ck_assert_str_eq(err, want);

    path = write_file("b.conf", "ClusterName=x\nNodeName=n1\n");
    ck_assert_ptr_null(flurm_slurmconf_load(path, err, sizeof(err)));
    snprintf(want, sizeof(want), "%s: No SlurmctldHost defined", path);
    ck_assert_str_eq(err, want);

    snprintf(want, sizeof(want), "%s/missing.conf", tmpdir);
    errno = 0;
    ck_assert_ptr_null(flurm_slurmconf_load(want, err, sizeof(err)));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "missing.conf: cannot read: No such file or directory"));
}
END_TEST

START_TEST(include_errors)
{
    char err[512], want[PATH_MAX * 2];
    const char *path;

    /* a missing include names the Include line and the file looked for */
    path = write_file("main.conf", "ClusterName=x\nInclude nope.conf\n");
    ck_assert_ptr_null(flurm_slurmconf_load(path, err, sizeof(err)));
    snprintf(want, sizeof(want), "%s:2: Include nope.conf: %s/nope.conf: No such "
             "file or directory", path, tmpdir);
    ck_assert_str_eq(err, want);

    /* an error inside an included file names that file */
    write_file("sub/inc.conf", "# comment\nNodeName=n1 CPUs=x\n");
    path = write_file("main.conf", "ClusterName=x\nInclude sub/inc.conf\n");
    ck_assert_ptr_null(flurm_slurmconf_load(path, err, sizeof(err)));
    snprintf(want, sizeof(want), "%s/sub/inc.conf:2: NodeName=n1: CPUs value 'x'",
             tmpdir);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);

    /* a file including itself stops */
    path = write_file("loop.conf", "ClusterName=x\nInclude loop.conf\n");
    ck_assert_ptr_null(flurm_slurmconf_load(path, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "includes nested more than 16 deep"));

    /* %c needs ClusterName first */
    path = write_file("c.conf", "Include %c.conf\nClusterName=x\n");
    ck_assert_ptr_null(flurm_slurmconf_load(path, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, ":1: Include %c.conf: %c used before ClusterName"));
}
END_TEST

START_TEST(null_path_means_slurm_conf_variable)
{
    const char *path = write_file("env.conf", "ClusterName=fromenv\nSlurmctldHost=h\n");

    setenv("SLURM_CONF", path, 1);
    struct flurm_slurmconf *c = load_ok(NULL);
    ck_assert_str_eq(flurm_slurmconf_cluster_name(c), "fromenv");
    ck_assert_str_eq(flurm_slurmconf_path(c), path);
    flurm_slurmconf_destroy(c);
    unsetenv("SLURM_CONF");
    flurm_slurmconf_destroy(NULL);
}
END_TEST

/* ---- FLURM's list of implemented keys -------------------------------------- */

START_TEST(key_support_is_explicit)
{
    const char *only;

    ck_assert_int_eq(flurm_slurmconf_key_support("slurmctldhost", NULL),
                     FLURM_SLURMCONF_IMPLEMENTED);
    ck_assert_int_eq(flurm_slurmconf_key_support("PartitionName", NULL),
                     FLURM_SLURMCONF_IMPLEMENTED);
    ck_assert_int_eq(flurm_slurmconf_key_support("ProctrackType", NULL),
                     FLURM_SLURMCONF_NODE_SIDE);
    ck_assert_int_eq(flurm_slurmconf_key_support("AuthType", &only),
                     FLURM_SLURMCONF_ONLY_VALUE);
    ck_assert_str_eq(only, "auth/munge");
    ck_assert_int_eq(flurm_slurmconf_key_support("SlurmctldLogFile", NULL),
                     FLURM_SLURMCONF_IGNORED);
    ck_assert_int_eq(flurm_slurmconf_key_support("NoSuchKey", NULL),
                     FLURM_SLURMCONF_UNKNOWN);
    /* SLURM 22.05 knows this many top-level keys */
    size_t n = 0;
    while (flurm_slurmconf_known_key(n))
        n++;
    ck_assert_uint_eq(n, 226);
}
END_TEST

/* docs/slurm-conf.md lists every key with FLURM's support, as the code. */
START_TEST(the_docs_list_every_key_as_the_code_does)
{
    static const char *words[] = {
        [FLURM_SLURMCONF_IMPLEMENTED] = "implemented",
        [FLURM_SLURMCONF_NODE_SIDE] = "node side",
        [FLURM_SLURMCONF_ONLY_VALUE] = "only",
        [FLURM_SLURMCONF_IGNORED] = "ignored",
    };
    FILE *f = fopen("docs/slurm-conf.md", "r");
    ck_assert_msg(f != NULL, "docs/slurm-conf.md: run the test from the repository root");
    char *doc = calloc(1, 1 << 20);
    size_t len = fread(doc, 1, (1 << 20) - 1, f);
    fclose(f);
    doc[len] = '\0';

    const char *key;
    for (size_t i = 0; (key = flurm_slurmconf_known_key(i)); i++) {
        const char *only = NULL;
        enum flurm_slurmconf_support s = flurm_slurmconf_key_support(key, &only);
        char row[256];
        if (s == FLURM_SLURMCONF_ONLY_VALUE)
            snprintf(row, sizeof(row), "\n| `%s` | only `%s` |", key, only);
        else
            snprintf(row, sizeof(row), "\n| `%s` | %s |", key, words[s]);
        ck_assert_msg(strstr(doc, row) != NULL, "docs/slurm-conf.md lacks the row '%s'",
                      row + 1);
    }
    free(doc);
}
END_TEST

/* ---- SLURM's scontrol as an oracle ----------------------------------------- */

/* 0 if scontrol reads 'path' without complaint (it parses slurm.conf the
 * way slurmd and the clients do), -1 if not, 1 if scontrol is absent. */
static int scontrol_accepts(const char *path)
{
    if (access("/usr/bin/scontrol", X_OK) != 0)
        return 1;
    char *cmd = NULL;
    ck_assert_int_ge(asprintf(&cmd, "SLURM_CONF='%s' timeout 20 "
                              "/usr/bin/scontrol show hostnames x >/dev/null 2>&1",
                              path), 0);
    int rc = system(cmd);
    free(cmd);
    return WIFEXITED(rc) && WEXITSTATUS(rc) == 0 ? 0 : -1;
}

START_TEST(scontrol_accepts_the_sample_files)
{
    static const char *samples[] = {"lab.conf", "rich.conf", "legacy.conf"};
    char cwd[PATH_MAX];

    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        char *path = NULL;
        ck_assert_int_ge(asprintf(&path, "%s/" SAMPLES "%s", cwd, samples[i]), 0);
        int rc = scontrol_accepts(path);
        free(path);
        if (rc == 1) {
            fprintf(stderr, "test_slurmconf: scontrol not installed, oracle skipped\n");
            return;
        }
        ck_assert_msg(rc == 0, "scontrol refuses %s", samples[i]);
    }
}
END_TEST

START_TEST(scontrol_refuses_what_flurm_refuses)
{
    for (size_t i = 0; i < sizeof(bad_confs) / sizeof(bad_confs[0]); i++) {
        const struct bad_conf *b = &bad_confs[i];
        char *text = NULL;
        ck_assert_int_ge(asprintf(&text, "ClusterName=t\nSlurmctldHost=head\n%s",
                                  b->text), 0);
        const char *path = write_file("oracle.conf", text);
        free(text);
        int rc = scontrol_accepts(path);
        if (rc == 1) {
            fprintf(stderr, "test_slurmconf: scontrol not installed, oracle skipped\n");
            return;
        }
        ck_assert_msg((rc == -1) == b->scontrol_too, "scontrol %s: %s",
                      rc == -1 ? "refuses" : "accepts", b->text);
    }
}
END_TEST

static Suite *slurmconf_suite(void)
{
    Suite *s = suite_create("slurmconf");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, make_tmpdir, remove_tmpdir);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, lab_conf_reads_as_the_lab_slurmctld_did);
    tcase_add_test(tc, lab_conf_defaults_match_the_lab_show_config);
    tcase_add_test(tc, rich_conf_top_level_settings);
    tcase_add_test(tc, rich_conf_nodes_take_the_default_line_in_force);
    tcase_add_test(tc, rich_conf_partitions_and_membership);
    tcase_add_test(tc, glob_include_reads_matches_in_order);
    tcase_add_test(tc, legacy_controller_keys_still_work);
    tcase_add_test(tc, comments_continuations_quotes_and_escapes);
    tcase_add_test(tc, foreach_visits_every_setting_in_file_order);
    tcase_add_test(tc, unknown_keys_are_reported_not_fatal);
    tcase_add_test(tc, node_hardware_is_completed_as_slurm_does);
    tcase_add_test(tc, node_defaults_ports_and_states);
    tcase_add_test(tc, partitions_defaults_and_the_default_partition);
    tcase_add_test(tc, time_values_in_slurm_syntax);
    tcase_add_test(tc, errors_name_the_file_and_line);
    tcase_add_test(tc, whole_file_errors);
    tcase_add_test(tc, include_errors);
    tcase_add_test(tc, null_path_means_slurm_conf_variable);
    tcase_add_test(tc, key_support_is_explicit);
    tcase_add_test(tc, the_docs_list_every_key_as_the_code_does);
    tcase_add_test(tc, scontrol_accepts_the_sample_files);
    tcase_add_test(tc, scontrol_refuses_what_flurm_refuses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(slurmconf_suite());

    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
