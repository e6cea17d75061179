/*
 * test_rec_info.c - the cluster information records (wire/rec_info.h)
 * against the real SLURM 22.05 captures: each body decodes completely and
 * re-encodes byte for byte, survives a JSON round trip, refuses every
 * truncation, and decodes to the values the captured command printed, so a
 * field shifted by one slot fails here.  The 23.02 / 23.11 layouts are
 * checked with hand-built records.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test/wire/rectest.h"
#include "wire/rec_info.h"

#define NICE_OFFSET 0x80000000U

/* ---- nodes ---------------------------------------------------------------------- */

/* sinfo / scontrol show node: "vm", CPUTot=2 CPUAlloc=1 RealMemory=4000 ... */
static void check_vm_node(const struct flurm_node_info_msg *m)
{
    const struct flurm_node_info *n;

    ck_assert_uint_eq(m->record_count, 1);
    ck_assert_int_gt(m->last_update, 1700000000);
    n = &m->nodes[0];
    ck_assert_str_eq(n->name, "vm");
    ck_assert_str_eq(n->node_hostname, "vm");
    ck_assert_str_eq(n->node_addr, "127.0.0.1");
    ck_assert_uint_eq(n->port, 6818);
    ck_assert_uint_eq(n->node_state & 0xf, 3); /* ALLOCATED; sinfo derives "mix" */
    ck_assert_str_eq(n->version, "22.05.8");
    ck_assert_uint_eq(n->cpus, 2);
    ck_assert_uint_eq(n->boards, 1);
    ck_assert_uint_eq(n->sockets, 2);
    ck_assert_uint_eq(n->cores, 1);
    ck_assert_uint_eq(n->threads, 1);
    ck_assert_uint_eq(n->real_memory, 4000);
    ck_assert_uint_eq(n->tmp_disk, 0);
    ck_assert_uint_eq(n->cpus_efctv, 2);
    ck_assert_uint_eq(n->weight, 1);
    ck_assert_uint_eq(n->owner, FLURM_NO_VAL);
    ck_assert_int_gt(n->boot_time, 1700000000);
    ck_assert_int_gt(n->slurmd_start_time, n->boot_time);
    ck_assert_uint_eq(n->select_nodeinfo.plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
    ck_assert_uint_eq(n->select_nodeinfo.alloc_cpus, 1);
    ck_assert_uint_eq(n->select_nodeinfo.alloc_memory, 4000);
    ck_assert_str_eq(n->select_nodeinfo.tres_alloc_fmt_str, "cpu=1,mem=4000M");
    ck_assert_double_eq(n->select_nodeinfo.tres_alloc_weighted, 1.0);
    ck_assert_str_eq(n->arch, "x86_64");
    ck_assert_ptr_null(n->features);
    ck_assert_ptr_null(n->gres);
    ck_assert_str_eq(n->os, "Linux 6.18.44-fc-v669 #1 SMP PREEMPT_DYNAMIC @0");
    ck_assert_ptr_null(n->reason);
    ck_assert_uint_eq(n->energy.current_watts, 0);
    ck_assert_uint_eq(n->power_cap_watts, FLURM_NO_VAL); /* CapWatts=n/a */
    ck_assert_str_eq(n->tres_fmt_str, "cpu=2,mem=4000M,billing=2");
}

START_TEST(node_info_captures)
{
    static const char *const files[] = {
        "sinfo/004-s2c-RESPONSE_NODE_INFO.hex",
        "sinfo_N_l/004-s2c-RESPONSE_NODE_INFO.hex",
        "scontrol_show_node/002-s2c-RESPONSE_NODE_INFO.hex",
    };

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct flurm_node_info_msg m;
        decode_capture(&flurm_rec_node_info_msg, files[i], FLURM_RESPONSE_NODE_INFO, &m);
        check_vm_node(&m);
        flurm_record_free(&flurm_rec_node_info_msg, &m);
    }
}
END_TEST

/* 23.02 adds resume_after and resv_name, 23.11 instance_id/type: they travel
 * at those versions and stay off the 22.05 wire. */
START_TEST(node_info_newer_versions)
{
    uint16_t type;
    size_t len, len_22, len_23_02, len_23_11;
    uint8_t *body = load_body("sinfo/004-s2c-RESPONSE_NODE_INFO.hex", &type, &len);
    struct flurm_node_info_msg m;
    struct flurm_node_info_msg *c;

    unpack_all(&flurm_rec_node_info_msg, &m, body, len, FLURM_PROTO_22_05);
    m.nodes[0].resume_after = 1234;
    m.nodes[0].resv_name = strdup("maint");
    m.nodes[0].instance_id = strdup("i-1");
    m.nodes[0].instance_type = strdup("t2");
    /* Fields of later versions do not change the 22.05 bytes. */
    assert_packs_to(&flurm_rec_node_info_msg, &m, FLURM_PROTO_22_05, body, len);

    c = version_round_trip(&flurm_rec_node_info_msg, &m, FLURM_PROTO_22_05, &len_22);
    ck_assert_ptr_null(c->nodes[0].resv_name);
    free_copy(&flurm_rec_node_info_msg, c);

    c = version_round_trip(&flurm_rec_node_info_msg, &m, FLURM_PROTO_23_02, &len_23_02);
    ck_assert_int_eq(c->nodes[0].resume_after, 1234);
    ck_assert_str_eq(c->nodes[0].resv_name, "maint");
    ck_assert_ptr_null(c->nodes[0].instance_id);
    ck_assert_str_eq(c->nodes[0].tres_fmt_str, "cpu=2,mem=4000M,billing=2");
    free_copy(&flurm_rec_node_info_msg, c);

    c = version_round_trip(&flurm_rec_node_info_msg, &m, FLURM_PROTO_23_11, &len_23_11);
    ck_assert_str_eq(c->nodes[0].instance_id, "i-1");
    ck_assert_str_eq(c->nodes[0].instance_type, "t2");
    ck_assert_str_eq(c->nodes[0].resv_name, "maint");
    ck_assert_str_eq(c->nodes[0].os, "Linux 6.18.44-fc-v669 #1 SMP PREEMPT_DYNAMIC @0");
    free_copy(&flurm_rec_node_info_msg, c);

    /* time (8) + "maint" (4 + 6); then + "i-1" (4 + 4) + "t2" (4 + 3) */
    ck_assert_uint_eq(len_23_02, len_22 + 8 + 10);
    ck_assert_uint_eq(len_23_11, len_23_02 + 8 + 7);

    flurm_record_free(&flurm_rec_node_info_msg, &m);
    free(body);
}
END_TEST

/* A node slot hidden from the caller is a record with a NULL name. */
START_TEST(node_info_blank_slot)
{
    struct flurm_node_info nodes[2];
    struct flurm_node_info_msg m = { .record_count = 2, .last_update = 5, .nodes = nodes };
    struct flurm_node_info_msg *c;

    memset(nodes, 0, sizeof(nodes));
    nodes[1].name = "n2";
    nodes[1].power_cap_watts = FLURM_NO_VAL;
    c = version_round_trip(&flurm_rec_node_info_msg, &m, FLURM_PROTO_22_05, NULL);
    ck_assert_uint_eq(c->record_count, 2);
    ck_assert_ptr_null(c->nodes[0].name);
    ck_assert_str_eq(c->nodes[1].name, "n2");
    ck_assert_uint_eq(c->nodes[1].power_cap_watts, FLURM_NO_VAL);
    free_copy(&flurm_rec_node_info_msg, c);
}
END_TEST

/* ---- partitions ------------------------------------------------------------------ */

START_TEST(partition_info_captures)
{
    static const char *const files[] = {
        "sinfo/002-s2c-RESPONSE_PARTITION_INFO.hex",
        "sinfo_N_l/002-s2c-RESPONSE_PARTITION_INFO.hex",
        "scontrol_show_node/004-s2c-RESPONSE_PARTITION_INFO.hex",
        "scontrol_show_partition/002-s2c-RESPONSE_PARTITION_INFO.hex",
    };

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct flurm_partition_info_msg m;
        const struct flurm_partition_info *p;

        decode_capture(&flurm_rec_partition_info_msg, files[i], FLURM_RESPONSE_PARTITION_INFO,
                       &m);
        ck_assert_uint_eq(m.record_count, 1);
        p = &m.partitions[0];
        /* scontrol show partition: PartitionName=debug Default=YES Nodes=vm ... */
        ck_assert_str_eq(p->name, "debug");
        ck_assert_str_eq(p->nodes, "vm");
        ck_assert_uint_eq(p->flags & 0x1, 0x1); /* Default=YES */
        ck_assert_uint_eq(p->flags & 0x2, 0);   /* Hidden=NO */
        ck_assert_uint_eq(p->max_time, FLURM_INFINITE); /* MaxTime=UNLIMITED */
        ck_assert_uint_eq(p->default_time, FLURM_NO_VAL); /* DefaultTime=NONE */
        ck_assert_uint_eq(p->max_nodes, FLURM_INFINITE);
        ck_assert_uint_eq(p->min_nodes, 0);
        ck_assert_uint_eq(p->total_nodes, 1);
        ck_assert_uint_eq(p->total_cpus, 2);
        ck_assert_uint_eq(p->grace_time, 0);
        ck_assert_uint_eq(p->max_cpus_per_node, FLURM_INFINITE);
        ck_assert_uint_eq(p->priority_job_factor, 1);
        ck_assert_uint_eq(p->priority_tier, 1);
        ck_assert_uint_eq(p->state_up, 3); /* State=UP */
        ck_assert_ptr_null(p->allow_groups); /* AllowGroups=ALL is a NULL string */
        ck_assert_ptr_null(p->alternate);
        ck_assert_uint_eq(p->node_inx.nbits, 1);
        ck_assert_str_eq(p->node_inx.hex, "0x1");
        ck_assert_str_eq(p->tres_fmt_str, "cpu=2,mem=4000M,node=1,billing=2");
        ck_assert_ptr_null(p->job_defaults); /* JobDefaults=(null): a NULL list */
        flurm_record_free(&flurm_rec_partition_info_msg, &m);
    }
}
END_TEST

START_TEST(partition_info_newer_versions_and_job_defaults)
{
    struct flurm_job_defaults defs[2] = { { 1, 2048 }, { 3, FLURM_NO_VAL64 } };
    struct flurm_partition_info part = {
        .name = "p", .max_cpus_per_socket = 7, .job_defaults = defs, .job_defaults_count = 2,
    };
    struct flurm_partition_info_msg m = { .record_count = 1, .partitions = &part };
    struct flurm_partition_info_msg *c;
    size_t len_22, len_23;

    c = version_round_trip(&flurm_rec_partition_info_msg, &m, FLURM_PROTO_22_05, &len_22);
    ck_assert_uint_eq(c->partitions[0].max_cpus_per_socket, 0);
    ck_assert_uint_eq(c->partitions[0].job_defaults_count, 2);
    ck_assert_uint_eq(c->partitions[0].job_defaults[1].value, FLURM_NO_VAL64);
    ck_assert_ptr_null(c->partitions[0].node_inx.hex);
    free_copy(&flurm_rec_partition_info_msg, c);

    c = version_round_trip(&flurm_rec_partition_info_msg, &m, FLURM_PROTO_23_02, &len_23);
    ck_assert_uint_eq(c->partitions[0].max_cpus_per_socket, 7);
    ck_assert_uint_eq(c->partitions[0].job_defaults[0].type, 1);
    ck_assert_uint_eq(c->partitions[0].job_defaults[0].value, 2048);
    free_copy(&flurm_rec_partition_info_msg, c);
    ck_assert_uint_eq(len_23, len_22 + 4);
}
END_TEST

/* ---- update node ----------------------------------------------------------------- */

START_TEST(update_node_captures)
{
    struct flurm_update_node u;

    /* scontrol update NodeName=vm State=DRAIN Reason=x */
    decode_capture(&flurm_rec_update_node, "scontrol_update_drain/001-c2s-REQUEST_UPDATE_NODE.hex",
                   FLURM_REQUEST_UPDATE_NODE, &u);
    ck_assert_str_eq(u.node_names, "vm");
    ck_assert_uint_eq(u.node_state, 0x200);
    ck_assert_str_eq(u.reason, "x");
    ck_assert_uint_eq(u.reason_uid, 0);
    ck_assert_uint_eq(u.weight, FLURM_NO_VAL);
    ck_assert_uint_eq(u.cpu_bind, 0);
    ck_assert_ptr_null(u.features);
    flurm_record_free(&flurm_rec_update_node, &u);

    /* scontrol update NodeName=vm State=RESUME */
    decode_capture(&flurm_rec_update_node,
                   "scontrol_update_resume/001-c2s-REQUEST_UPDATE_NODE.hex",
                   FLURM_REQUEST_UPDATE_NODE, &u);
    ck_assert_str_eq(u.node_names, "vm");
    ck_assert_uint_eq(u.node_state, 0x100);
    ck_assert_ptr_null(u.reason);
    ck_assert_uint_eq(u.weight, FLURM_NO_VAL);
    flurm_record_free(&flurm_rec_update_node, &u);
}
END_TEST

/* 23.02 puts resume_after in reason_uid's slot; 23.11 adds the instance
 * strings after gres. */
START_TEST(update_node_newer_versions)
{
    struct flurm_update_node u = {
        .gres = "g", .instance_id = "i", .node_names = "vm", .node_state = 0x200,
        .reason_uid = 11, .resume_after = 22, .weight = 1,
    };
    static const uint8_t want_23_11[] = {
        0, 0, 0, 0,             /* comment */
        0, 0, 0, 0,             /* cpu_bind */
        0, 0, 0, 0,             /* extra */
        0, 0, 0, 0,             /* features */
        0, 0, 0, 0,             /* features_act */
        0, 0, 0, 2, 'g', 0,     /* gres */
        0, 0, 0, 2, 'i', 0,     /* instance_id */
        0, 0, 0, 0,             /* instance_type */
        0, 0, 0, 0,             /* node_addr */
        0, 0, 0, 0,             /* node_hostname */
        0, 0, 0, 3, 'v', 'm', 0, /* node_names */
        0, 0, 2, 0,             /* node_state */
        0, 0, 0, 0,             /* reason */
        0, 0, 0, 22,            /* resume_after */
        0, 0, 0, 1,             /* weight */
    };
    struct flurm_update_node *c;

    assert_packs_to(&flurm_rec_update_node, &u, FLURM_PROTO_23_11, want_23_11,
                    sizeof(want_23_11));
    c = version_round_trip(&flurm_rec_update_node, &u, FLURM_PROTO_22_05, NULL);
    ck_assert_uint_eq(c->reason_uid, 11);
    ck_assert_uint_eq(c->resume_after, 0);
    ck_assert_ptr_null(c->instance_id);
    free_copy(&flurm_rec_update_node, c);
    c = version_round_trip(&flurm_rec_update_node, &u, FLURM_PROTO_23_02, NULL);
    ck_assert_uint_eq(c->reason_uid, 0);
    ck_assert_uint_eq(c->resume_after, 22);
    free_copy(&flurm_rec_update_node, c);
}
END_TEST

/* ---- configuration ---------------------------------------------------------------- */

START_TEST(build_info_capture)
{
    struct flurm_build_info c;

    decode_capture(&flurm_rec_build_info, "scontrol_show_config/002-s2c-RESPONSE_BUILD_INFO.hex",
                   FLURM_RESPONSE_BUILD_INFO, &c);
    /* Values as scontrol show config printed them, spread over the table. */
    ck_assert_str_eq(c.accounting_storage_host, "localhost");
    ck_assert_str_eq(c.accounting_storage_tres, "cpu,mem,energy,node,billing,fs/disk,vmem,pages");
    ck_assert_str_eq(c.accounting_storage_type, "accounting_storage/none");
    ck_assert_str_eq(c.authtype, "auth/munge");
    ck_assert_uint_eq(c.batch_start_timeout, 10);
    ck_assert_str_eq(c.bcast_exclude, "/lib,/usr/lib,/lib64,/usr/lib64");
    ck_assert_str_eq(c.cluster_name, "lab");
    ck_assert_uint_eq(c.control_cnt, 1);
    ck_assert_str_eq(c.control_machine[0], "vm");
    ck_assert_str_eq(c.control_addr[0], "127.0.0.1");
    ck_assert_str_eq(c.cred_type, "cred/munge");
    ck_assert_uint_eq(c.eio_timeout, 60);
    ck_assert_uint_eq(c.epilog_msg_time, 2000);
    ck_assert_uint_eq(c.first_job_id, 1);
    ck_assert_uint_eq(c.get_env_timeout, 2);
    ck_assert_str_eq(c.gpu_freq_def, "high,memory=high");
    ck_assert_uint_eq(c.group_time, 600);
    ck_assert_uint_eq(c.group_force, 1);
    ck_assert_str_eq(c.interactive_step_opts, "--interactive --preserve-env --pty $SHELL");
    ck_assert_str_eq(c.job_comp_loc, "/var/log/slurm_jobcomp.log");
    ck_assert_ptr_null(c.job_credential_private_key);
    ck_assert_ptr_null(c.job_defaults_list); /* JobDefaults=(null) */
    ck_assert_uint_eq(c.job_requeue, 1);
    ck_assert_uint_eq(c.kill_wait, 30);
    ck_assert_str_eq(c.launch_type, "launch/slurm");
    ck_assert_uint_eq(c.max_array_sz, 1001);
    ck_assert_str_eq(c.mail_prog, "/bin/mail");
    ck_assert_uint_eq(c.max_job_cnt, 100000);
    ck_assert_uint_eq(c.max_job_id, 67043328);
    ck_assert_uint_eq(c.max_node_cnt, 1);
    ck_assert_uint_eq(c.max_step_cnt, 40000);
    ck_assert_uint_eq(c.max_tasks_per_node, 512);
    ck_assert_uint_eq(c.min_job_age, 300);
    ck_assert_uint_eq(c.msg_timeout, 10);
    ck_assert_uint_eq(c.next_job_id, 10);
    ck_assert_str_eq(c.plugindir, "/usr/lib/x86_64-linux-gnu/slurm-wlm");
    ck_assert_str_eq(c.preempt_type, "preempt/none");
    ck_assert_str_eq(c.prep_plugins, "prep/script");
    ck_assert_str_eq(c.priority_type, "priority/basic");
    ck_assert_str_eq(c.proctrack_type, "proctrack/linuxproc");
    ck_assert_uint_eq(c.prolog_epilog_timeout, 65534);
    ck_assert_str_eq(c.propagate_rlimits, "ALL");
    ck_assert_uint_eq(c.resume_rate, 300);
    ck_assert_uint_eq(c.resume_timeout, 60);
    ck_assert_uint_eq(c.ret2service, 2);
    ck_assert_str_eq(c.route_plugin, "route/default");
    ck_assert_uint_eq(c.sched_time_slice, 30);
    ck_assert_str_eq(c.schedtype, "sched/backfill");
    ck_assert_str_eq(c.select_type, "select/cons_tres");
    ck_assert_str_eq(c.slurm_conf, "/tmp/slurmlab/slurm.conf");
    ck_assert_uint_eq(c.slurm_user_id, 0);
    ck_assert_str_eq(c.slurm_user_name, "root");
    ck_assert_str_eq(c.slurmd_user_name, "root");
    ck_assert_str_eq(c.slurmctld_logfile, "/tmp/slurmlab/log/slurmctld.log");
    ck_assert_str_eq(c.slurmctld_pidfile, "/tmp/slurmlab/run/slurmctld.pid");
    ck_assert_uint_eq(c.slurmctld_port, 6817);
    ck_assert_uint_eq(c.slurmctld_timeout, 120);
    ck_assert_str_eq(c.slurmd_pidfile, "/tmp/slurmlab/run/slurmd.pid");
    ck_assert_uint_eq(c.slurmd_port, 6818);
    ck_assert_str_eq(c.slurmd_spooldir, "/tmp/slurmlab/spool");
    ck_assert_uint_eq(c.slurmd_timeout, 300);
    ck_assert_uint_eq(c.srun_port_range_min, 0);
    ck_assert_uint_eq(c.srun_port_range_max, 0);
    ck_assert_str_eq(c.state_save_location, "/tmp/slurmlab/state");
    ck_assert_uint_eq(c.suspend_rate, 60);
    ck_assert_uint_eq(c.suspend_time, FLURM_INFINITE);
    ck_assert_uint_eq(c.suspend_timeout, 30);
    ck_assert_str_eq(c.switch_type, "switch/none");
    ck_assert_str_eq(c.task_plugin, "task/none");
    ck_assert_uint_eq(c.tcp_timeout, 2);
    ck_assert_str_eq(c.tmp_fs, "/tmp");
    ck_assert_str_eq(c.topology_plugin, "topology/none");
    ck_assert_uint_eq(c.tree_width, 50);
    ck_assert_uint_eq(c.unkillable_timeout, 60);
    ck_assert_str_eq(c.version, "22.05.8");
    ck_assert_uint_eq(c.vsize_factor, 0);
    ck_assert_uint_eq(c.wait_time, 0);
    ck_assert_ptr_null(c.x11_params);
    flurm_record_free(&flurm_rec_build_info, &c);
}
END_TEST

/* 23.02 drops launch_type and the slurmctld plugstack and adds three fields;
 * 23.11 drops the credential key paths and route_plugin. */
START_TEST(build_info_newer_versions)
{
    uint16_t type;
    size_t len, len_23_02, len_23_11;
    uint8_t *body =
        load_body("scontrol_show_config/002-s2c-RESPONSE_BUILD_INFO.hex", &type, &len);
    struct flurm_build_info conf;
    struct flurm_build_info *c;

    unpack_all(&flurm_rec_build_info, &conf, body, len, FLURM_PROTO_22_05);
    conf.max_batch_requeue = 5;
    conf.preempt_params = strdup("x");
    conf.suspend_exc_states = strdup("down");
    assert_packs_to(&flurm_rec_build_info, &conf, FLURM_PROTO_22_05, body, len);

    c = version_round_trip(&flurm_rec_build_info, &conf, FLURM_PROTO_23_02, &len_23_02);
    ck_assert_ptr_null(c->launch_type);
    ck_assert_uint_eq(c->max_batch_requeue, 5);
    ck_assert_str_eq(c->preempt_params, "x");
    ck_assert_str_eq(c->suspend_exc_states, "down");
    ck_assert_str_eq(c->route_plugin, "route/default");
    ck_assert_str_eq(c->cluster_name, "lab");
    ck_assert_uint_eq(c->slurmctld_port, 6817);
    ck_assert_str_eq(c->x11_params ? c->x11_params : "", "");
    free_copy(&flurm_rec_build_info, c);

    c = version_round_trip(&flurm_rec_build_info, &conf, FLURM_PROTO_23_11, &len_23_11);
    ck_assert_ptr_null(c->route_plugin);
    ck_assert_str_eq(c->schedtype, "sched/backfill");
    ck_assert_str_eq(c->version, "22.05.8");
    free_copy(&flurm_rec_build_info, c);

    /* 23.02: - "launch/slurm" (4+13), - NULL plugstack (4), - NULL conf list
     * (4); + u32 (4), + "x" (4+2), + "down" (4+5).  23.11: - 3 strings,
     * two NULL (4 each) and "route/default" (4+14). */
    ck_assert_uint_eq(len_23_02, len - 17 - 4 - 4 + 4 + 6 + 9);
    ck_assert_uint_eq(len_23_11, len_23_02 - 4 - 4 - 18);

    flurm_record_free(&flurm_rec_build_info, &conf);
    free(body);
}
END_TEST

START_TEST(build_info_lists)
{
    struct flurm_key_pair kp[2] = { { "a", "1" }, { "b", NULL } };
    struct flurm_plugin_params pp = { .name = "node_features/helpers", .key_pairs = kp,
                                      .key_pairs_count = 2 };
    struct flurm_job_defaults jd = { 2, 100 };
    char *addrs[] = { "10.0.0.1", "10.0.0.2" };
    char *hosts[] = { "h1", "h2" };
    struct flurm_build_info conf = {
        .cluster_name = "c", .cgroup_conf = kp, .cgroup_conf_count = 2,
        .node_features_conf = &pp, .node_features_conf_count = 1, .job_defaults_list = &jd,
        .job_defaults_list_count = 1, .control_addr = addrs, .control_machine = hosts,
        .control_cnt = 2,
    };
    struct flurm_build_info *c;

    c = version_round_trip(&flurm_rec_build_info, &conf, FLURM_PROTO_22_05, NULL);
    ck_assert_uint_eq(c->cgroup_conf_count, 2);
    ck_assert_str_eq(c->cgroup_conf[0].name, "a");
    ck_assert_ptr_null(c->cgroup_conf[1].value);
    ck_assert_ptr_null(c->acct_gather_conf); /* NULL stays NULL (count NO_VAL) */
    ck_assert_str_eq(c->node_features_conf[0].name, "node_features/helpers");
    ck_assert_str_eq(c->node_features_conf[0].key_pairs[0].value, "1");
    ck_assert_uint_eq(c->job_defaults_list[0].value, 100);
    ck_assert_str_eq(c->control_machine[1], "h2");
    free_copy(&flurm_rec_build_info, c);
}
END_TEST

/* SLURM refuses a configuration whose control_addr and control_machine
 * arrays differ in length, and so does the decoder. */
START_TEST(build_info_control_arrays_must_match)
{
    char *addrs[] = { "10.0.0.1", "10.0.0.2" };
    char *hosts[] = { "h1", "h2" };
    struct flurm_build_info conf = { .control_addr = addrs, .control_machine = hosts,
                                     .control_cnt = 2 };
    struct flurm_build_info out;
    struct flurm_buf *b = pack_of(&flurm_rec_build_info, &conf, FLURM_PROTO_22_05);
    size_t len = flurm_buf_len(b);
    uint8_t *bytes = malloc(len);
    uint8_t *machine_count;
    struct flurm_buf *v;

    ck_assert_ptr_nonnull(bytes);
    memcpy(bytes, flurm_buf_data(b), len);
    /* control_machine's count, then its first string */
    machine_count = memmem(bytes, len, "\0\0\0\2\0\0\0\3h1", 11);
    ck_assert_ptr_nonnull(machine_count);
    machine_count[3] = 1;
    v = flurm_buf_view(bytes, len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_build_info, &out, v, FLURM_PROTO_22_05, NULL),
                     -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(v);
    flurm_buf_destroy(b);
    free(bytes);
}
END_TEST

/* ---- federation ------------------------------------------------------------------ */

START_TEST(fed_info_capture)
{
    struct flurm_fed_info f;
    static const uint8_t zero[] = { 0 };

    decode_capture(&flurm_rec_fed_info, "scontrol_show_job/002-s2c-RESPONSE_FED_INFO.hex",
                   FLURM_RESPONSE_FED_INFO, &f);
    ck_assert_ptr_null(f.federation);
    flurm_record_free(&flurm_rec_fed_info, &f);

    memset(&f, 0, sizeof(f));
    assert_packs_to(&flurm_rec_fed_info, &f, FLURM_PROTO_23_11, zero, sizeof(zero));
}
END_TEST

START_TEST(fed_info_federated)
{
    struct flurm_federation fed = { .name = "fed", .flags = 1, .cluster_list_null = true };
    struct flurm_fed_info f = { .federation = &fed };
    static const uint8_t want[] = {
        1, 0, 0, 0, 4, 'f', 'e', 'd', 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe,
    };
    struct flurm_fed_info *c;
    struct flurm_fed_info out;
    uint8_t clusters[sizeof(want)];
    struct flurm_buf *v;

    assert_packs_to(&flurm_rec_fed_info, &f, FLURM_PROTO_22_05, want, sizeof(want));
    c = version_round_trip(&flurm_rec_fed_info, &f, FLURM_PROTO_22_05, NULL);
    ck_assert_str_eq(c->federation->name, "fed");
    ck_assert_uint_eq(c->federation->flags, 1);
    ck_assert(c->federation->cluster_list_null);
    free_copy(&flurm_rec_fed_info, c);

    /* Cluster records are not modelled: a non-empty cluster list is refused. */
    memcpy(clusters, want, sizeof(want));
    clusters[sizeof(clusters) - 4] = 0;
    clusters[sizeof(clusters) - 3] = 0;
    clusters[sizeof(clusters) - 2] = 0;
    clusters[sizeof(clusters) - 1] = 1;
    v = flurm_buf_view(clusters, sizeof(clusters));
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_fed_info, &out, v, FLURM_PROTO_22_05, NULL),
                     -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(v);
}
END_TEST

/* ---- statistics ------------------------------------------------------------------ */

START_TEST(stats_info_capture)
{
    struct flurm_stats_info s;
    bool seen_partition_info = false;

    decode_capture(&flurm_rec_stats_info, "sdiag/002-s2c-RESPONSE_STATS_INFO.hex",
                   FLURM_RESPONSE_STATS_INFO, &s);
    /* sdiag printed these. */
    ck_assert_uint_eq(s.parts_packed, 1);
    ck_assert_int_eq(s.sched.req_time, 1795630162);
    ck_assert_int_eq(s.sched.req_time_start, 1795630091);
    ck_assert_uint_eq(s.sched.server_thread_count, 3);
    ck_assert_uint_eq(s.sched.agent_queue_size, 0);
    ck_assert_uint_eq(s.sched.gettimeofday_latency, 23);
    ck_assert_uint_eq(s.sched.jobs_submitted, 9);
    ck_assert_uint_eq(s.sched.jobs_started, 7);
    ck_assert_uint_eq(s.sched.jobs_completed, 6);
    ck_assert_uint_eq(s.sched.jobs_canceled, 0);
    ck_assert_uint_eq(s.sched.jobs_pending, 2);
    ck_assert_uint_eq(s.sched.jobs_running, 1);
    ck_assert_int_eq(s.sched.job_states_ts, 1795630151);
    ck_assert_uint_eq(s.sched.schedule_cycle_last, 26);
    ck_assert_uint_eq(s.sched.schedule_cycle_max, 804);
    ck_assert_uint_eq(s.sched.schedule_cycle_counter, 14);
    ck_assert_uint_eq(s.sched.schedule_queue_len, 1);
    ck_assert_uint_eq(s.sched.bf_backfilled_jobs, 1);
    ck_assert_uint_eq(s.sched.bf_last_backfilled_jobs, 1);
    ck_assert_uint_eq(s.sched.bf_cycle_counter, 2);
    ck_assert_uint_eq(s.sched.bf_cycle_last, 501);
    ck_assert_uint_eq(s.sched.bf_cycle_max, 548);
    ck_assert_uint_eq(s.sched.bf_cycle_sum, 1049); /* mean 524 over 2 cycles */
    ck_assert_int_eq(s.sched.bf_when_last_cycle, 1795630150);
    ck_assert_uint_eq(s.sched.bf_last_depth, 1);
    ck_assert_uint_eq(s.sched.bf_queue_len, 1);
    ck_assert_uint_eq(s.sched.bf_table_size, 1);
    ck_assert_uint_eq(s.sched.bf_backfilled_het_jobs, 0);
    ck_assert_uint_eq(s.rpc_type_size, 12);
    for (uint32_t i = 0; i < s.rpc_type_size; i++) {
        if (s.rpc_type_id[i] == FLURM_REQUEST_PARTITION_INFO) {
            ck_assert_uint_eq(s.rpc_type_cnt[i], 9);
            ck_assert_uint_eq(s.rpc_type_time[i], 2336);
            seen_partition_info = true;
        }
        if (s.rpc_type_id[i] == FLURM_REQUEST_BUILD_INFO) {
            ck_assert_uint_eq(s.rpc_type_cnt[i], 1);
            ck_assert_uint_eq(s.rpc_type_time[i], 592);
        }
    }
    ck_assert(seen_partition_info);
    ck_assert_uint_eq(s.rpc_user_size, 1);
    ck_assert_uint_eq(s.rpc_user_id[0], 0);
    ck_assert_uint_eq(s.rpc_queue_type_count, 0);
    ck_assert_uint_eq(s.rpc_dump_count, 0);
    flurm_record_free(&flurm_rec_stats_info, &s);
}
END_TEST

/* After "sdiag -r" parts_packed is 0 and the scheduler block is not sent. */
START_TEST(stats_info_without_sched_block)
{
    uint16_t ids[1] = { 1008 };
    uint32_t cnts[1] = { 3 };
    uint64_t times[1] = { 687 };
    char *hosts[1] = { "vm" };
    uint32_t dump_types[1] = { 6011 };
    struct flurm_stats_info s = {
        .parts_packed = 0, .sched = { .jobs_submitted = 99 }, .rpc_type_size = 1,
        .rpc_type_id = ids, .rpc_type_cnt = cnts, .rpc_type_time = times,
        .rpc_dump_types = dump_types, .rpc_dump_hostlist = hosts, .rpc_dump_count = 1,
    };
    static const uint8_t want[] = {
        0, 0, 0, 0,                         /* parts_packed */
        0, 0, 0, 1,                         /* rpc_type_size */
        0, 0, 0, 1, 0x03, 0xf0,             /* rpc_type_id */
        0, 0, 0, 1, 0, 0, 0, 3,             /* rpc_type_cnt */
        0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 0xaf, /* rpc_type_time */
        0, 0, 0, 0,                         /* rpc_user_size */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* three empty user arrays */
        0, 0, 0, 0, 0, 0, 0, 0,             /* two empty queue arrays */
        0, 0, 0, 1, 0, 0, 0x17, 0x7b,       /* rpc_dump_types */
        0, 0, 0, 1, 0, 0, 0, 3, 'v', 'm', 0, /* rpc_dump_hostlist */
    };
    struct flurm_stats_info *c;
    json_t *j;

    assert_packs_to(&flurm_rec_stats_info, &s, FLURM_PROTO_22_05, want, sizeof(want));
    c = version_round_trip(&flurm_rec_stats_info, &s, FLURM_PROTO_22_05, NULL);
    ck_assert_uint_eq(c->sched.jobs_submitted, 0);
    ck_assert_str_eq(c->rpc_dump_hostlist[0], "vm");
    j = flurm_record_to_json(&flurm_rec_stats_info, c);
    ck_assert_ptr_null(json_object_get(j, "sched")); /* off the wire, out of the JSON */
    json_decref(j);
    free_copy(&flurm_rec_stats_info, c);
}
END_TEST

/* 23.11 adds the schedule_exit and bf_exit arrays inside the block. */
START_TEST(stats_info_23_11)
{
    uint32_t exits[3] = { 1, 2, 3 };
    uint32_t bf_exits[2] = { 4, 5 };
    struct flurm_stats_info s = {
        .parts_packed = 1,
        .sched = { .schedule_cycle_depth = 7, .schedule_exit = exits, .schedule_exit_cnt = 3,
                   .schedule_queue_len = 8, .bf_backfilled_het_jobs = 9, .bf_exit = bf_exits,
                   .bf_exit_cnt = 2 },
    };
    struct flurm_stats_info *c;
    size_t len_22, len_23_11;

    c = version_round_trip(&flurm_rec_stats_info, &s, FLURM_PROTO_22_05, &len_22);
    ck_assert_ptr_null(c->sched.schedule_exit);
    ck_assert_uint_eq(c->sched.schedule_queue_len, 8);
    free_copy(&flurm_rec_stats_info, c);
    c = version_round_trip(&flurm_rec_stats_info, &s, FLURM_PROTO_23_11, &len_23_11);
    ck_assert_uint_eq(c->sched.schedule_exit_cnt, 3);
    ck_assert_uint_eq(c->sched.schedule_exit[2], 3);
    ck_assert_uint_eq(c->sched.schedule_queue_len, 8);
    ck_assert_uint_eq(c->sched.bf_exit[1], 5);
    ck_assert_uint_eq(c->sched.bf_backfilled_het_jobs, 9);
    free_copy(&flurm_rec_stats_info, c);
    ck_assert_uint_eq(len_23_11, len_22 + 4 + 12 + 4 + 8);
}
END_TEST

/* The per-type arrays must all hold rpc_type_size entries (sdiag indexes
 * them by it): a message that says otherwise is refused. */
START_TEST(stats_info_rpc_arrays_must_match_size)
{
    static const uint8_t bad[] = {
        0, 0, 0, 0,             /* parts_packed */
        0, 0, 0, 2,             /* rpc_type_size 2 ... */
        0, 0, 0, 1, 0x03, 0xf0, /* ... but one id */
        0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    struct flurm_stats_info s;
    struct flurm_buf *v = flurm_buf_view(bad, sizeof(bad));

    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_stats_info, &s, v, FLURM_PROTO_22_05, NULL),
                     -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(v);
}
END_TEST

/* ---- priority factors ------------------------------------------------------------ */

START_TEST(priority_factors_captures)
{
    static const char *const files[] = {
        "sprio_multifactor/002-s2c-RESPONSE_PRIORITY_FACTORS.hex",
        "sprio_l_multifactor/002-s2c-RESPONSE_PRIORITY_FACTORS.hex",
    };

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct flurm_priority_factors_msg m;
        const struct flurm_priority_factors *pf;

        decode_capture(&flurm_rec_priority_factors_msg, files[i],
                       FLURM_RESPONSE_PRIORITY_FACTORS, &m);
        /* sprio -l: job 13, partition debug, user root, every factor 0 */
        ck_assert_uint_eq(m.count, 1);
        pf = &m.factors[0];
        ck_assert_uint_eq(pf->job_id, 13);
        ck_assert_uint_eq(pf->user_id, 0);
        ck_assert_str_eq(pf->partition, "debug");
        ck_assert_double_eq(pf->priority_age, 0);
        ck_assert_double_eq(pf->direct_prio, 0);
        ck_assert_uint_eq(pf->priority_site, NICE_OFFSET);
        ck_assert_uint_eq(pf->nice, NICE_OFFSET);
        ck_assert_uint_eq(pf->tres_cnt, 0);
        ck_assert_uint_eq(pf->priority_tres_cnt, 0);
        flurm_record_free(&flurm_rec_priority_factors_msg, &m);
    }
}
END_TEST

static void fill_factors(struct flurm_priority_factors *pf, double *tres, char **names,
                         double *weights)
{
    memset(pf, 0, sizeof(*pf));
    pf->account = "acct";
    pf->job_id = 42;
    pf->user_id = 1000;
    pf->priority_age = 0.5;
    pf->priority_fs = 0.25;
    pf->priority_qos = 1;
    pf->priority_site = NICE_OFFSET + 3;
    pf->priority_tres = tres;
    pf->priority_tres_cnt = 2;
    pf->tres_cnt = 2;
    pf->tres_names = names;
    pf->tres_weights = weights;
    pf->nice = NICE_OFFSET;
    pf->partition = "debug";
    pf->qos = "normal";
}

/* 23.02: account, job_id, partition, direct_prio, the values (only while
 * direct_prio is 0, without the separate tres_cnt), qos, user_id. */
START_TEST(priority_factors_23_02_layout)
{
    double tres[2] = { 0.5, 1.5 };
    char *names[2] = { "cpu", "mem" };
    double weights[2] = { 1, 2 };
    struct flurm_priority_factors pf;
    struct flurm_priority_factors_msg m = { .factors = &pf, .count = 1 };
    struct flurm_priority_factors_msg *c;
    struct flurm_buf *b;
    size_t len_22, len_23, len_direct;
    const uint8_t *d;

    fill_factors(&pf, tres, names, weights);
    b = pack_of(&flurm_rec_priority_factors_msg, &m, FLURM_PROTO_23_02);
    d = flurm_buf_data(b);
    /* count, then "acct", job 42, "debug", direct_prio 0.0 */
    ck_assert_mem_eq(d, "\0\0\0\1\0\0\0\5acct\0\0\0\0\x2a\0\0\0\6debug\0", 27);
    ck_assert_mem_eq(d + 27, "\0\0\0\0\0\0\0\0", 8);
    /* the tail: "normal", then user 1000 */
    ck_assert_mem_eq(d + flurm_buf_len(b) - 15, "\0\0\0\7normal\0\0\0\x03\xe8", 15);
    flurm_buf_destroy(b);

    c = version_round_trip(&flurm_rec_priority_factors_msg, &m, FLURM_PROTO_23_02, &len_23);
    ck_assert_str_eq(c->factors[0].account, "acct");
    ck_assert_str_eq(c->factors[0].qos, "normal");
    ck_assert_uint_eq(c->factors[0].user_id, 1000);
    ck_assert_double_eq(c->factors[0].priority_fs, 0.25);
    ck_assert_uint_eq(c->factors[0].priority_site, NICE_OFFSET + 3);
    ck_assert_uint_eq(c->factors[0].tres_cnt, 2);
    ck_assert_str_eq(c->factors[0].tres_names[1], "mem");
    ck_assert_double_eq(c->factors[0].tres_weights[1], 2);
    ck_assert_double_eq(c->factors[0].priority_tres[1], 1.5);
    free_copy(&flurm_rec_priority_factors_msg, c);

    c = version_round_trip(&flurm_rec_priority_factors_msg, &m, FLURM_PROTO_22_05, &len_22);
    ck_assert_ptr_null(c->factors[0].account);
    ck_assert_uint_eq(c->factors[0].user_id, 1000);
    ck_assert_str_eq(c->factors[0].partition, "debug");
    ck_assert_str_eq(c->factors[0].tres_names[0], "cpu");
    free_copy(&flurm_rec_priority_factors_msg, c);
    /* 23.02 adds "acct" (9) and "normal" (11) and loses tres_cnt (4) */
    ck_assert_uint_eq(len_23, len_22 + 9 + 11 - 4);

    /* An admin-set priority: the values are not sent at all. */
    pf.direct_prio = 1000;
    c = version_round_trip(&flurm_rec_priority_factors_msg, &m, FLURM_PROTO_23_02, &len_direct);
    ck_assert_double_eq(c->factors[0].direct_prio, 1000);
    ck_assert_double_eq(c->factors[0].priority_age, 0);
    ck_assert_ptr_null(c->factors[0].tres_names);
    ck_assert_str_eq(c->factors[0].qos, "normal");
    free_copy(&flurm_rec_priority_factors_msg, c);
    /* 6 doubles, site, 3 arrays (4 + 16, 4 + 8 + 8, 4 + 16), nice */
    ck_assert_uint_eq(len_direct, len_23 - 48 - 4 - 20 - 20 - 20 - 4);
}
END_TEST

/* ---- shares ----------------------------------------------------------------------- */

START_TEST(shares_capture)
{
    struct flurm_shares_msg s;

    decode_capture(&flurm_rec_shares_msg, "sshare/002-s2c-RESPONSE_SHARE_INFO.hex",
                   FLURM_RESPONSE_SHARE_INFO, &s);
    /* No accounting: no TRES names, no association list, no shares. */
    ck_assert_uint_eq(s.tres_cnt, 0);
    ck_assert_ptr_null(s.assoc_shares);
    ck_assert_uint_eq(s.tot_shares, 0);
    flurm_record_free(&flurm_rec_shares_msg, &s);
}
END_TEST

START_TEST(shares_with_associations)
{
    char *names[2] = { "cpu", "mem" };
    uint64_t run[2] = { 10, 20 };
    uint64_t grp[2] = { FLURM_INFINITE64, 5 };
    struct flurm_long_double raw[2] = { { 1.5L }, { 123456.25L } };
    struct flurm_assoc_shares a = {
        .assoc_id = 3, .cluster = "lab", .name = "root", .partition = NULL,
        .shares_norm = 0.5, .shares_raw = 1, .tres_run_secs = run, .tres_grp_mins = grp,
        .tres_cnt = 2, .usage_raw = 77, .usage_tres_raw_cnt = 2, .usage_tres_raw = raw,
        .fs_factor = 1, .user = 1,
    };
    struct flurm_shares_msg s = { .tres_names = names, .tres_cnt = 2, .assoc_shares = &a,
                                  .assoc_shares_count = 1, .tot_shares = 9 };
    struct flurm_shares_msg *c;
    struct flurm_buf *b = pack_of(&flurm_rec_shares_msg, &s, FLURM_PROTO_22_05);
    const char *text = (const char *)flurm_buf_data(b);
    size_t len = flurm_buf_len(b);

    /* usage_tres_raw travels as "%Lf" strings */
    ck_assert_ptr_nonnull(memmem(text, len, "1.500000", 9));
    ck_assert_ptr_nonnull(memmem(text, len, "123456.250000", 14));
    flurm_buf_destroy(b);

    c = version_round_trip(&flurm_rec_shares_msg, &s, FLURM_PROTO_22_05, NULL);
    ck_assert_uint_eq(c->assoc_shares_count, 1);
    ck_assert_str_eq(c->assoc_shares[0].name, "root");
    ck_assert_uint_eq(c->assoc_shares[0].tres_grp_mins[0], FLURM_INFINITE64);
    ck_assert(c->assoc_shares[0].usage_tres_raw[1].value == 123456.25L);
    ck_assert_uint_eq(c->assoc_shares[0].user, 1);
    ck_assert_uint_eq(c->tot_shares, 9);
    free_copy(&flurm_rec_shares_msg, c);
}
END_TEST

/* ---- registry --------------------------------------------------------------------- */

START_TEST(bodies_table_names_every_record)
{
    bool seen_update = false;

    ck_assert_uint_ge(flurm_rec_info_bodies.n, 8);
    for (size_t i = 0; i < flurm_rec_info_bodies.n; i++) {
        const struct flurm_msg_body *mb = &flurm_rec_info_bodies.bodies[i];
        ck_assert_ptr_nonnull(mb->record);
        if (mb->type == FLURM_REQUEST_UPDATE_NODE) {
            ck_assert_ptr_eq(mb->record, &flurm_rec_update_node);
            seen_update = true;
        }
    }
    ck_assert(seen_update);
}
END_TEST

static Suite *rec_info_suite(void)
{
    Suite *s = suite_create("rec_info");
    TCase *tc = tcase_create("records");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, node_info_captures);
    tcase_add_test(tc, node_info_newer_versions);
    tcase_add_test(tc, node_info_blank_slot);
    tcase_add_test(tc, partition_info_captures);
    tcase_add_test(tc, partition_info_newer_versions_and_job_defaults);
    tcase_add_test(tc, update_node_captures);
    tcase_add_test(tc, update_node_newer_versions);
    tcase_add_test(tc, build_info_capture);
    tcase_add_test(tc, build_info_newer_versions);
    tcase_add_test(tc, build_info_lists);
    tcase_add_test(tc, build_info_control_arrays_must_match);
    tcase_add_test(tc, fed_info_capture);
    tcase_add_test(tc, fed_info_federated);
    tcase_add_test(tc, stats_info_capture);
    tcase_add_test(tc, stats_info_without_sched_block);
    tcase_add_test(tc, stats_info_23_11);
    tcase_add_test(tc, stats_info_rpc_arrays_must_match_size);
    tcase_add_test(tc, priority_factors_captures);
    tcase_add_test(tc, priority_factors_23_02_layout);
    tcase_add_test(tc, shares_capture);
    tcase_add_test(tc, shares_with_associations);
    tcase_add_test(tc, bodies_table_names_every_record);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rec_info_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
