/*
 * rec_info.c - tables for the cluster information records (see rec_info.h).
 *
 * Field order is SLURM 22.05's client unpackers (the wire doc, sections
 * 4.5-4.14), with the 23.02 / 23.11 deltas of section 6.3 as version ranges.
 */
#include <errno.h>

#include "wire/rec_info.h"


/* ---- node ------------------------------------------------------------------ */

#define ST struct flurm_select_nodeinfo
static const struct flurm_field select_nodeinfo_fields[] = {
    FLURM_FLD(ST, plugin_id, FLURM_F_U32),
    FLURM_FLD(ST, alloc_cpus, FLURM_F_U16),
    FLURM_FLD(ST, alloc_memory, FLURM_F_U64),
    FLURM_FLD(ST, tres_alloc_fmt_str, FLURM_F_STR),
    FLURM_FLD(ST, tres_alloc_weighted, FLURM_F_DOUBLE),
};
FLURM_RECORD(flurm_rec_select_nodeinfo, ST, select_nodeinfo_fields);
#undef ST

#define ST struct flurm_energy
static const struct flurm_field energy_fields[] = {
    FLURM_FLD(ST, base_consumed_energy, FLURM_F_U64),
    FLURM_FLD(ST, ave_watts, FLURM_F_U32),
    FLURM_FLD(ST, consumed_energy, FLURM_F_U64),
    FLURM_FLD(ST, current_watts, FLURM_F_U32),
    FLURM_FLD(ST, previous_consumed_energy, FLURM_F_U64),
    FLURM_FLD(ST, poll_time, FLURM_F_TIME),
};
FLURM_RECORD(flurm_rec_energy, ST, energy_fields);
#undef ST

#define ST struct flurm_ext_sensors
static const struct flurm_field ext_sensors_fields[] = {
    FLURM_FLD(ST, consumed_energy, FLURM_F_U64),
    FLURM_FLD(ST, temperature, FLURM_F_U32),
    FLURM_FLD(ST, energy_update_time, FLURM_F_TIME),
    FLURM_FLD(ST, current_watts, FLURM_F_U32),
};
FLURM_RECORD(flurm_rec_ext_sensors, ST, ext_sensors_fields);
#undef ST

#define ST struct flurm_node_info
static const struct flurm_field node_info_fields[] = {
    FLURM_FLD(ST, name, FLURM_F_STR),
    FLURM_FLD(ST, node_hostname, FLURM_F_STR),
    FLURM_FLD(ST, node_addr, FLURM_F_STR),
    FLURM_FLD(ST, bcast_address, FLURM_F_STR),
    FLURM_FLD(ST, port, FLURM_F_U16),
    FLURM_FLD(ST, next_state, FLURM_F_U32),
    FLURM_FLD(ST, node_state, FLURM_F_U32),
    FLURM_FLD(ST, version, FLURM_F_STR),
    FLURM_FLD(ST, cpus, FLURM_F_U16),
    FLURM_FLD(ST, boards, FLURM_F_U16),
    FLURM_FLD(ST, sockets, FLURM_F_U16),
    FLURM_FLD(ST, cores, FLURM_F_U16),
    FLURM_FLD(ST, threads, FLURM_F_U16),
    FLURM_FLD(ST, real_memory, FLURM_F_U64),
    FLURM_FLD(ST, tmp_disk, FLURM_F_U32),
    FLURM_FLD(ST, mcs_label, FLURM_F_STR),
    FLURM_FLD(ST, owner, FLURM_F_U32),
    FLURM_FLD(ST, core_spec_cnt, FLURM_F_U16),
    FLURM_FLD(ST, cpu_bind, FLURM_F_U32),
    FLURM_FLD(ST, mem_spec_limit, FLURM_F_U64),
    FLURM_FLD(ST, cpu_spec_list, FLURM_F_STR),
    FLURM_FLD(ST, cpus_efctv, FLURM_F_U16),
    FLURM_FLD(ST, cpu_load, FLURM_F_U32),
    FLURM_FLD(ST, free_mem, FLURM_F_U64),
    FLURM_FLD(ST, weight, FLURM_F_U32),
    FLURM_FLD(ST, reason_uid, FLURM_F_U32),
    FLURM_FLD(ST, boot_time, FLURM_F_TIME),
    FLURM_FLD(ST, last_busy, FLURM_F_TIME),
    FLURM_FLD(ST, reason_time, FLURM_F_TIME),
    FLURM_FLD_V(ST, resume_after, FLURM_F_TIME, FLURM_PROTO_23_02, 0),
    FLURM_FLD(ST, slurmd_start_time, FLURM_F_TIME),
    FLURM_FLD_SUB(ST, select_nodeinfo, FLURM_F_RECORD, flurm_rec_select_nodeinfo),
    FLURM_FLD(ST, arch, FLURM_F_STR),
    FLURM_FLD(ST, features, FLURM_F_STR),
    FLURM_FLD(ST, features_act, FLURM_F_STR),
    FLURM_FLD(ST, gres, FLURM_F_STR),
    FLURM_FLD(ST, gres_drain, FLURM_F_STR),
    FLURM_FLD(ST, gres_used, FLURM_F_STR),
    FLURM_FLD(ST, os, FLURM_F_STR),
    FLURM_FLD(ST, comment, FLURM_F_STR),
    FLURM_FLD(ST, extra, FLURM_F_STR),
    FLURM_FLD_V(ST, instance_id, FLURM_F_STR, FLURM_PROTO_23_11, 0),
    FLURM_FLD_V(ST, instance_type, FLURM_F_STR, FLURM_PROTO_23_11, 0),
    FLURM_FLD(ST, reason, FLURM_F_STR),
    FLURM_FLD_SUB(ST, energy, FLURM_F_RECORD, flurm_rec_energy),
    FLURM_FLD_SUB(ST, ext_sensors, FLURM_F_RECORD, flurm_rec_ext_sensors),
    FLURM_FLD(ST, power_cap_watts, FLURM_F_U32),
    FLURM_FLD(ST, tres_fmt_str, FLURM_F_STR),
    FLURM_FLD_V(ST, resv_name, FLURM_F_STR, FLURM_PROTO_23_02, 0),
};
FLURM_RECORD(flurm_rec_node_info, ST, node_info_fields);
#undef ST

#define ST struct flurm_node_info_msg
static const struct flurm_field node_info_msg_fields[] = {
    FLURM_FLD(ST, record_count, FLURM_F_U32),
    FLURM_FLD(ST, last_update, FLURM_F_TIME),
    FLURM_FLD_SUBN(ST, nodes, FLURM_F_ARRAY, flurm_rec_node_info, record_count),
};
FLURM_RECORD(flurm_rec_node_info_msg, ST, node_info_msg_fields);
#undef ST

/* ---- partition ------------------------------------------------------------- */

#define ST struct flurm_job_defaults
static const struct flurm_field job_defaults_fields[] = {
    FLURM_FLD(ST, type, FLURM_F_U16),
    FLURM_FLD(ST, value, FLURM_F_U64),
};
FLURM_RECORD(flurm_rec_job_defaults, ST, job_defaults_fields);
#undef ST

#define ST struct flurm_partition_info
static const struct flurm_field partition_info_fields[] = {
    FLURM_FLD(ST, name, FLURM_F_STR),
    FLURM_FLD(ST, cpu_bind, FLURM_F_U32),
    FLURM_FLD(ST, grace_time, FLURM_F_U32),
    FLURM_FLD(ST, max_time, FLURM_F_U32),
    FLURM_FLD(ST, default_time, FLURM_F_U32),
    FLURM_FLD(ST, max_nodes, FLURM_F_U32),
    FLURM_FLD(ST, min_nodes, FLURM_F_U32),
    FLURM_FLD(ST, total_nodes, FLURM_F_U32),
    FLURM_FLD(ST, total_cpus, FLURM_F_U32),
    FLURM_FLD(ST, def_mem_per_cpu, FLURM_F_U64),
    FLURM_FLD(ST, max_cpus_per_node, FLURM_F_U32),
    FLURM_FLD_V(ST, max_cpus_per_socket, FLURM_F_U32, FLURM_PROTO_23_02, 0),
    FLURM_FLD(ST, max_mem_per_cpu, FLURM_F_U64),
    FLURM_FLD(ST, flags, FLURM_F_U16),
    FLURM_FLD(ST, max_share, FLURM_F_U16),
    FLURM_FLD(ST, over_time_limit, FLURM_F_U16),
    FLURM_FLD(ST, preempt_mode, FLURM_F_U16),
    FLURM_FLD(ST, priority_job_factor, FLURM_F_U16),
    FLURM_FLD(ST, priority_tier, FLURM_F_U16),
    FLURM_FLD(ST, state_up, FLURM_F_U16),
    FLURM_FLD(ST, cr_type, FLURM_F_U16),
    FLURM_FLD(ST, resume_timeout, FLURM_F_U16),
    FLURM_FLD(ST, suspend_timeout, FLURM_F_U16),
    FLURM_FLD(ST, suspend_time, FLURM_F_U32),
    FLURM_FLD(ST, allow_accounts, FLURM_F_STR),
    FLURM_FLD(ST, allow_groups, FLURM_F_STR),
    FLURM_FLD(ST, allow_alloc_nodes, FLURM_F_STR),
    FLURM_FLD(ST, allow_qos, FLURM_F_STR),
    FLURM_FLD(ST, qos_char, FLURM_F_STR),
    FLURM_FLD(ST, alternate, FLURM_F_STR),
    FLURM_FLD(ST, deny_accounts, FLURM_F_STR),
    FLURM_FLD(ST, deny_qos, FLURM_F_STR),
    FLURM_FLD(ST, nodes, FLURM_F_STR),
    FLURM_FLD(ST, nodesets, FLURM_F_STR),
    FLURM_FLD(ST, node_inx, FLURM_F_BITSTR),
    FLURM_FLD(ST, billing_weights_str, FLURM_F_STR),
    FLURM_FLD(ST, tres_fmt_str, FLURM_F_STR),
    FLURM_FLD_SUBN(ST, job_defaults, FLURM_F_LIST, flurm_rec_job_defaults, job_defaults_count),
};
FLURM_RECORD(flurm_rec_partition_info, ST, partition_info_fields);
#undef ST

#define ST struct flurm_partition_info_msg
static const struct flurm_field partition_info_msg_fields[] = {
    FLURM_FLD(ST, record_count, FLURM_F_U32),
    FLURM_FLD(ST, last_update, FLURM_F_TIME),
    FLURM_FLD_SUBN(ST, partitions, FLURM_F_ARRAY, flurm_rec_partition_info, record_count),
};
FLURM_RECORD(flurm_rec_partition_info_msg, ST, partition_info_msg_fields);
#undef ST

/* ---- update node ----------------------------------------------------------- */

#define ST struct flurm_update_node
static const struct flurm_field update_node_fields[] = {
    FLURM_FLD(ST, comment, FLURM_F_STR),
    FLURM_FLD(ST, cpu_bind, FLURM_F_U32),
    FLURM_FLD(ST, extra, FLURM_F_STR),
    FLURM_FLD(ST, features, FLURM_F_STR),
    FLURM_FLD(ST, features_act, FLURM_F_STR),
    FLURM_FLD(ST, gres, FLURM_F_STR),
    FLURM_FLD_V(ST, instance_id, FLURM_F_STR, FLURM_PROTO_23_11, 0),
    FLURM_FLD_V(ST, instance_type, FLURM_F_STR, FLURM_PROTO_23_11, 0),
    FLURM_FLD(ST, node_addr, FLURM_F_STR),
    FLURM_FLD(ST, node_hostname, FLURM_F_STR),
    FLURM_FLD(ST, node_names, FLURM_F_STR),
    FLURM_FLD(ST, node_state, FLURM_F_U32),
    FLURM_FLD(ST, reason, FLURM_F_STR),
    FLURM_FLD_V(ST, reason_uid, FLURM_F_U32, 0, FLURM_PROTO_23_02),
    FLURM_FLD_V(ST, resume_after, FLURM_F_U32, FLURM_PROTO_23_02, 0),
    FLURM_FLD(ST, weight, FLURM_F_U32),
};
FLURM_RECORD(flurm_rec_update_node, ST, update_node_fields);
#undef ST

/* ---- build info ------------------------------------------------------------ */

#define ST struct flurm_key_pair
static const struct flurm_field key_pair_fields[] = {
    FLURM_FLD(ST, name, FLURM_F_STR),
    FLURM_FLD(ST, value, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_key_pair, ST, key_pair_fields);
#undef ST

#define ST struct flurm_plugin_params
static const struct flurm_field plugin_params_fields[] = {
    FLURM_FLD(ST, name, FLURM_F_STR),
    FLURM_FLD_SUBN(ST, key_pairs, FLURM_F_LIST, flurm_rec_key_pair, key_pairs_count),
};
FLURM_RECORD(flurm_rec_plugin_params, ST, plugin_params_fields);
#undef ST

/* control_addr and control_machine share control_cnt: SLURM refuses a
 * configuration whose two arrays differ in length. */
#define ST struct flurm_build_info
static const struct flurm_field build_info_fields[] = {
    FLURM_FLD(ST, last_update, FLURM_F_TIME),
    FLURM_FLD(ST, accounting_storage_enforce, FLURM_F_U16),
    FLURM_FLD(ST, accounting_storage_backup_host, FLURM_F_STR),
    FLURM_FLD(ST, accounting_storage_host, FLURM_F_STR),
    FLURM_FLD(ST, accounting_storage_ext_host, FLURM_F_STR),
    FLURM_FLD(ST, accounting_storage_params, FLURM_F_STR),
    FLURM_FLD(ST, accounting_storage_port, FLURM_F_U16),
    FLURM_FLD(ST, accounting_storage_tres, FLURM_F_STR),
    FLURM_FLD(ST, accounting_storage_type, FLURM_F_STR),
    FLURM_FLD(ST, accounting_storage_user, FLURM_F_STR),
    FLURM_FLD_SUBN(ST, acct_gather_conf, FLURM_F_LIST, flurm_rec_key_pair, acct_gather_conf_count),
    FLURM_FLD(ST, acct_gather_energy_type, FLURM_F_STR),
    FLURM_FLD(ST, acct_gather_filesystem_type, FLURM_F_STR),
    FLURM_FLD(ST, acct_gather_interconnect_type, FLURM_F_STR),
    FLURM_FLD(ST, acct_gather_node_freq, FLURM_F_U16),
    FLURM_FLD(ST, acct_gather_profile_type, FLURM_F_STR),
    FLURM_FLD(ST, authalttypes, FLURM_F_STR),
    FLURM_FLD(ST, authalt_params, FLURM_F_STR),
    FLURM_FLD(ST, authinfo, FLURM_F_STR),
    FLURM_FLD(ST, authtype, FLURM_F_STR),
    FLURM_FLD(ST, batch_start_timeout, FLURM_F_U16),
    FLURM_FLD(ST, boot_time, FLURM_F_TIME),
    FLURM_FLD(ST, bb_type, FLURM_F_STR),
    FLURM_FLD(ST, bcast_exclude, FLURM_F_STR),
    FLURM_FLD(ST, bcast_parameters, FLURM_F_STR),
    FLURM_FLD_SUBN(ST, cgroup_conf, FLURM_F_LIST, flurm_rec_key_pair, cgroup_conf_count),
    FLURM_FLD(ST, cli_filter_plugins, FLURM_F_STR),
    FLURM_FLD(ST, cluster_name, FLURM_F_STR),
    FLURM_FLD(ST, comm_params, FLURM_F_STR),
    FLURM_FLD(ST, complete_wait, FLURM_F_U16),
    FLURM_FLD(ST, conf_flags, FLURM_F_U32),
    FLURM_FLD_N(ST, control_addr, FLURM_F_STR_ARRAY, control_cnt),
    FLURM_FLD_N(ST, control_machine, FLURM_F_STR_ARRAY, control_cnt),
    FLURM_FLD(ST, core_spec_plugin, FLURM_F_STR),
    FLURM_FLD(ST, cpu_freq_def, FLURM_F_U32),
    FLURM_FLD(ST, cpu_freq_govs, FLURM_F_U32),
    FLURM_FLD(ST, cred_type, FLURM_F_STR),
    FLURM_FLD(ST, def_mem_per_cpu, FLURM_F_U64),
    FLURM_FLD(ST, debug_flags, FLURM_F_U64),
    FLURM_FLD(ST, dependency_params, FLURM_F_STR),
    FLURM_FLD(ST, eio_timeout, FLURM_F_U16),
    FLURM_FLD(ST, enforce_part_limits, FLURM_F_U16),
    FLURM_FLD(ST, epilog, FLURM_F_STR),
    FLURM_FLD(ST, epilog_msg_time, FLURM_F_U32),
    FLURM_FLD(ST, epilog_slurmctld, FLURM_F_STR),
    FLURM_FLD_SUBN(ST, ext_sensors_conf, FLURM_F_LIST, flurm_rec_key_pair, ext_sensors_conf_count),
    FLURM_FLD(ST, ext_sensors_type, FLURM_F_STR),
    FLURM_FLD(ST, ext_sensors_freq, FLURM_F_U16),
    FLURM_FLD(ST, fed_params, FLURM_F_STR),
    FLURM_FLD(ST, first_job_id, FLURM_F_U32),
    FLURM_FLD(ST, fs_dampening_factor, FLURM_F_U16),
    FLURM_FLD(ST, get_env_timeout, FLURM_F_U16),
    FLURM_FLD(ST, gres_plugins, FLURM_F_STR),
    FLURM_FLD(ST, group_time, FLURM_F_U16),
    FLURM_FLD(ST, group_force, FLURM_F_U16),
    FLURM_FLD(ST, gpu_freq_def, FLURM_F_STR),
    FLURM_FLD(ST, hash_val, FLURM_F_U32),
    FLURM_FLD(ST, health_check_interval, FLURM_F_U16),
    FLURM_FLD(ST, health_check_node_state, FLURM_F_U16),
    FLURM_FLD(ST, health_check_program, FLURM_F_STR),
    FLURM_FLD(ST, inactive_limit, FLURM_F_U16),
    FLURM_FLD(ST, interactive_step_opts, FLURM_F_STR),
    FLURM_FLD(ST, job_acct_gather_freq, FLURM_F_STR),
    FLURM_FLD(ST, job_acct_gather_type, FLURM_F_STR),
    FLURM_FLD(ST, job_acct_gather_params, FLURM_F_STR),
    FLURM_FLD(ST, job_comp_host, FLURM_F_STR),
    FLURM_FLD(ST, job_comp_loc, FLURM_F_STR),
    FLURM_FLD(ST, job_comp_params, FLURM_F_STR),
    FLURM_FLD(ST, job_comp_port, FLURM_F_U32),
    FLURM_FLD(ST, job_comp_type, FLURM_F_STR),
    FLURM_FLD(ST, job_comp_user, FLURM_F_STR),
    FLURM_FLD(ST, job_container_plugin, FLURM_F_STR),
    FLURM_FLD_V(ST, job_credential_private_key, FLURM_F_STR, 0, FLURM_PROTO_23_11),
    FLURM_FLD_V(ST, job_credential_public_certificate, FLURM_F_STR, 0, FLURM_PROTO_23_11),
    FLURM_FLD_SUBN(ST, job_defaults_list, FLURM_F_LIST, flurm_rec_job_defaults, job_defaults_list_count),
    FLURM_FLD(ST, job_file_append, FLURM_F_U16),
    FLURM_FLD(ST, job_requeue, FLURM_F_U16),
    FLURM_FLD(ST, job_submit_plugins, FLURM_F_STR),
    FLURM_FLD(ST, kill_on_bad_exit, FLURM_F_U16),
    FLURM_FLD(ST, kill_wait, FLURM_F_U16),
    FLURM_FLD(ST, launch_params, FLURM_F_STR),
    FLURM_FLD_V(ST, launch_type, FLURM_F_STR, 0, FLURM_PROTO_23_02),
    FLURM_FLD(ST, licenses, FLURM_F_STR),
    FLURM_FLD(ST, log_fmt, FLURM_F_U16),
    FLURM_FLD(ST, max_array_sz, FLURM_F_U32),
    FLURM_FLD_V(ST, max_batch_requeue, FLURM_F_U32, FLURM_PROTO_23_02, 0),
    FLURM_FLD(ST, max_dbd_msgs, FLURM_F_U32),
    FLURM_FLD(ST, mail_domain, FLURM_F_STR),
    FLURM_FLD(ST, mail_prog, FLURM_F_STR),
    FLURM_FLD(ST, max_job_cnt, FLURM_F_U32),
    FLURM_FLD(ST, max_job_id, FLURM_F_U32),
    FLURM_FLD(ST, max_mem_per_cpu, FLURM_F_U64),
    FLURM_FLD(ST, max_node_cnt, FLURM_F_U32),
    FLURM_FLD(ST, max_step_cnt, FLURM_F_U32),
    FLURM_FLD(ST, max_tasks_per_node, FLURM_F_U16),
    FLURM_FLD(ST, mcs_plugin, FLURM_F_STR),
    FLURM_FLD(ST, mcs_plugin_params, FLURM_F_STR),
    FLURM_FLD(ST, min_job_age, FLURM_F_U32),
    FLURM_FLD_SUBN(ST, mpi_conf, FLURM_F_LIST, flurm_rec_key_pair, mpi_conf_count),
    FLURM_FLD(ST, mpi_default, FLURM_F_STR),
    FLURM_FLD(ST, mpi_params, FLURM_F_STR),
    FLURM_FLD(ST, msg_timeout, FLURM_F_U16),
    FLURM_FLD(ST, next_job_id, FLURM_F_U32),
    FLURM_FLD_SUBN(ST, node_features_conf, FLURM_F_LIST, flurm_rec_plugin_params, node_features_conf_count),
    FLURM_FLD(ST, node_features_plugins, FLURM_F_STR),
    FLURM_FLD(ST, node_prefix, FLURM_F_STR),
    FLURM_FLD(ST, over_time_limit, FLURM_F_U16),
    FLURM_FLD(ST, plugindir, FLURM_F_STR),
    FLURM_FLD(ST, plugstack, FLURM_F_STR),
    FLURM_FLD(ST, power_parameters, FLURM_F_STR),
    FLURM_FLD(ST, power_plugin, FLURM_F_STR),
    FLURM_FLD(ST, preempt_mode, FLURM_F_U16),
    FLURM_FLD_V(ST, preempt_params, FLURM_F_STR, FLURM_PROTO_23_02, 0),
    FLURM_FLD(ST, preempt_type, FLURM_F_STR),
    FLURM_FLD(ST, preempt_exempt_time, FLURM_F_U32),
    FLURM_FLD(ST, prep_params, FLURM_F_STR),
    FLURM_FLD(ST, prep_plugins, FLURM_F_STR),
    FLURM_FLD(ST, priority_decay_hl, FLURM_F_U32),
    FLURM_FLD(ST, priority_calc_period, FLURM_F_U32),
    FLURM_FLD(ST, priority_favor_small, FLURM_F_U16),
    FLURM_FLD(ST, priority_flags, FLURM_F_U16),
    FLURM_FLD(ST, priority_max_age, FLURM_F_U32),
    FLURM_FLD(ST, priority_params, FLURM_F_STR),
    FLURM_FLD(ST, priority_reset_period, FLURM_F_U16),
    FLURM_FLD(ST, priority_type, FLURM_F_STR),
    FLURM_FLD(ST, priority_weight_age, FLURM_F_U32),
    FLURM_FLD(ST, priority_weight_assoc, FLURM_F_U32),
    FLURM_FLD(ST, priority_weight_fs, FLURM_F_U32),
    FLURM_FLD(ST, priority_weight_js, FLURM_F_U32),
    FLURM_FLD(ST, priority_weight_part, FLURM_F_U32),
    FLURM_FLD(ST, priority_weight_qos, FLURM_F_U32),
    FLURM_FLD(ST, priority_weight_tres, FLURM_F_STR),
    FLURM_FLD(ST, private_data, FLURM_F_U16),
    FLURM_FLD(ST, proctrack_type, FLURM_F_STR),
    FLURM_FLD(ST, prolog, FLURM_F_STR),
    FLURM_FLD(ST, prolog_epilog_timeout, FLURM_F_U16),
    FLURM_FLD(ST, prolog_slurmctld, FLURM_F_STR),
    FLURM_FLD(ST, prolog_flags, FLURM_F_U16),
    FLURM_FLD(ST, propagate_prio_process, FLURM_F_U16),
    FLURM_FLD(ST, propagate_rlimits, FLURM_F_STR),
    FLURM_FLD(ST, propagate_rlimits_except, FLURM_F_STR),
    FLURM_FLD(ST, reboot_program, FLURM_F_STR),
    FLURM_FLD(ST, reconfig_flags, FLURM_F_U16),
    FLURM_FLD(ST, requeue_exit, FLURM_F_STR),
    FLURM_FLD(ST, requeue_exit_hold, FLURM_F_STR),
    FLURM_FLD(ST, resume_fail_program, FLURM_F_STR),
    FLURM_FLD(ST, resume_program, FLURM_F_STR),
    FLURM_FLD(ST, resume_rate, FLURM_F_U16),
    FLURM_FLD(ST, resume_timeout, FLURM_F_U16),
    FLURM_FLD(ST, resv_epilog, FLURM_F_STR),
    FLURM_FLD(ST, resv_over_run, FLURM_F_U16),
    FLURM_FLD(ST, resv_prolog, FLURM_F_STR),
    FLURM_FLD(ST, ret2service, FLURM_F_U16),
    FLURM_FLD_V(ST, route_plugin, FLURM_F_STR, 0, FLURM_PROTO_23_11),
    FLURM_FLD(ST, sched_params, FLURM_F_STR),
    FLURM_FLD(ST, sched_logfile, FLURM_F_STR),
    FLURM_FLD(ST, sched_log_level, FLURM_F_U16),
    FLURM_FLD(ST, sched_time_slice, FLURM_F_U16),
    FLURM_FLD(ST, schedtype, FLURM_F_STR),
    FLURM_FLD(ST, scron_params, FLURM_F_STR),
    FLURM_FLD(ST, select_type, FLURM_F_STR),
    FLURM_FLD_SUBN(ST, select_conf_key_pairs, FLURM_F_LIST, flurm_rec_key_pair, select_conf_key_pairs_count),
    FLURM_FLD(ST, select_type_param, FLURM_F_U16),
    FLURM_FLD(ST, slurm_conf, FLURM_F_STR),
    FLURM_FLD(ST, slurm_user_id, FLURM_F_U32),
    FLURM_FLD(ST, slurm_user_name, FLURM_F_STR),
    FLURM_FLD(ST, slurmd_user_id, FLURM_F_U32),
    FLURM_FLD(ST, slurmd_user_name, FLURM_F_STR),
    FLURM_FLD(ST, slurmctld_addr, FLURM_F_STR),
    FLURM_FLD(ST, slurmctld_debug, FLURM_F_U16),
    FLURM_FLD(ST, slurmctld_logfile, FLURM_F_STR),
    FLURM_FLD(ST, slurmctld_params, FLURM_F_STR),
    FLURM_FLD(ST, slurmctld_pidfile, FLURM_F_STR),
    FLURM_FLD_V(ST, slurmctld_plugstack, FLURM_F_STR, 0, FLURM_PROTO_23_02),
    FLURM_FLD_SUBNV(ST, slurmctld_plugstack_conf, FLURM_F_LIST, flurm_rec_plugin_params, slurmctld_plugstack_conf_count, 0, FLURM_PROTO_23_02),
    FLURM_FLD(ST, slurmctld_port, FLURM_F_U32),
    FLURM_FLD(ST, slurmctld_port_count, FLURM_F_U16),
    FLURM_FLD(ST, slurmctld_primary_off_prog, FLURM_F_STR),
    FLURM_FLD(ST, slurmctld_primary_on_prog, FLURM_F_STR),
    FLURM_FLD(ST, slurmctld_syslog_debug, FLURM_F_U16),
    FLURM_FLD(ST, slurmctld_timeout, FLURM_F_U16),
    FLURM_FLD(ST, slurmd_debug, FLURM_F_U16),
    FLURM_FLD(ST, slurmd_logfile, FLURM_F_STR),
    FLURM_FLD(ST, slurmd_params, FLURM_F_STR),
    FLURM_FLD(ST, slurmd_pidfile, FLURM_F_STR),
    FLURM_FLD(ST, slurmd_port, FLURM_F_U32),
    FLURM_FLD(ST, slurmd_spooldir, FLURM_F_STR),
    FLURM_FLD(ST, slurmd_syslog_debug, FLURM_F_U16),
    FLURM_FLD(ST, slurmd_timeout, FLURM_F_U16),
    FLURM_FLD(ST, srun_epilog, FLURM_F_STR),
    FLURM_FLD(ST, srun_port_range_min, FLURM_F_U16),
    FLURM_FLD(ST, srun_port_range_max, FLURM_F_U16),
    FLURM_FLD(ST, srun_prolog, FLURM_F_STR),
    FLURM_FLD(ST, state_save_location, FLURM_F_STR),
    FLURM_FLD(ST, suspend_exc_nodes, FLURM_F_STR),
    FLURM_FLD(ST, suspend_exc_parts, FLURM_F_STR),
    FLURM_FLD_V(ST, suspend_exc_states, FLURM_F_STR, FLURM_PROTO_23_02, 0),
    FLURM_FLD(ST, suspend_program, FLURM_F_STR),
    FLURM_FLD(ST, suspend_rate, FLURM_F_U16),
    FLURM_FLD(ST, suspend_time, FLURM_F_U32),
    FLURM_FLD(ST, suspend_timeout, FLURM_F_U16),
    FLURM_FLD(ST, switch_param, FLURM_F_STR),
    FLURM_FLD(ST, switch_type, FLURM_F_STR),
    FLURM_FLD(ST, task_epilog, FLURM_F_STR),
    FLURM_FLD(ST, task_prolog, FLURM_F_STR),
    FLURM_FLD(ST, task_plugin, FLURM_F_STR),
    FLURM_FLD(ST, task_plugin_param, FLURM_F_U32),
    FLURM_FLD(ST, tcp_timeout, FLURM_F_U16),
    FLURM_FLD(ST, tmp_fs, FLURM_F_STR),
    FLURM_FLD(ST, topology_param, FLURM_F_STR),
    FLURM_FLD(ST, topology_plugin, FLURM_F_STR),
    FLURM_FLD(ST, tree_width, FLURM_F_U16),
    FLURM_FLD(ST, unkillable_program, FLURM_F_STR),
    FLURM_FLD(ST, unkillable_timeout, FLURM_F_U16),
    FLURM_FLD(ST, version, FLURM_F_STR),
    FLURM_FLD(ST, vsize_factor, FLURM_F_U16),
    FLURM_FLD(ST, wait_time, FLURM_F_U16),
    FLURM_FLD(ST, x11_params, FLURM_F_STR),
};
FLURM_RECORD(flurm_rec_build_info, ST, build_info_fields);
#undef ST

/* ---- federation ------------------------------------------------------------ */

/* The cluster list: only an empty or NULL one, since cluster records (with a
 * whole association record each) are not modelled. */
static int cluster_list_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                             uint16_t version)
{
    const struct flurm_federation *fed = obj;

    (void)f;
    (void)version;
    return flurm_pack32(b, fed->cluster_list_null ? FLURM_NO_VAL : 0);
}

static int cluster_list_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b,
                               uint16_t version)
{
    struct flurm_federation *fed = obj;
    uint32_t count;

    (void)f;
    (void)version;
    if (flurm_unpack32(b, &count) < 0)
        return -1;
    if (count != 0 && count != FLURM_NO_VAL) {
        errno = EBADMSG;
        return -1;
    }
    fed->cluster_list_null = count == FLURM_NO_VAL;
    return 0;
}

static int cluster_list_to_json(const struct flurm_field *f, const void *obj,
                                json_t *record_json)
{
    const struct flurm_federation *fed = obj;

    (void)f;
    if (json_object_set_new(record_json, "cluster_list_null",
                            json_boolean(fed->cluster_list_null)) < 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

static int cluster_list_from_json(const struct flurm_field *f, void *obj,
                                  const json_t *record_json)
{
    struct flurm_federation *fed = obj;
    const json_t *j = json_object_get(record_json, "cluster_list_null");

    (void)f;
    if (!j)
        return 0;
    if (!json_is_boolean(j)) {
        errno = EINVAL;
        return -1;
    }
    fed->cluster_list_null = json_is_true(j);
    return 0;
}

static const struct flurm_custom cluster_list_custom = {
    cluster_list_pack, cluster_list_unpack, NULL, cluster_list_to_json, cluster_list_from_json,
};

#define ST struct flurm_federation
static const struct flurm_field federation_fields[] = {
    FLURM_FLD(ST, name, FLURM_F_STR),
    FLURM_FLD(ST, flags, FLURM_F_U32),
    FLURM_FLD_CUSTOM("cluster_list", cluster_list_custom),
};
FLURM_RECORD(flurm_rec_federation, ST, federation_fields);
#undef ST

static const struct flurm_field fed_info_fields[] = {
    FLURM_FLD_OPTIONAL(struct flurm_fed_info, federation, FLURM_F_OPTIONAL8,
                       flurm_rec_federation, 1),
};
FLURM_RECORD(flurm_rec_fed_info, struct flurm_fed_info, fed_info_fields);

/* ---- statistics ------------------------------------------------------------ */

#define ST struct flurm_stats_sched
static const struct flurm_field stats_sched_fields[] = {
    FLURM_FLD(ST, req_time, FLURM_F_TIME),
    FLURM_FLD(ST, req_time_start, FLURM_F_TIME),
    FLURM_FLD(ST, server_thread_count, FLURM_F_U32),
    FLURM_FLD(ST, agent_queue_size, FLURM_F_U32),
    FLURM_FLD(ST, agent_count, FLURM_F_U32),
    FLURM_FLD(ST, agent_thread_count, FLURM_F_U32),
    FLURM_FLD(ST, dbd_agent_queue_size, FLURM_F_U32),
    FLURM_FLD(ST, gettimeofday_latency, FLURM_F_U32),
    FLURM_FLD(ST, jobs_submitted, FLURM_F_U32),
    FLURM_FLD(ST, jobs_started, FLURM_F_U32),
    FLURM_FLD(ST, jobs_completed, FLURM_F_U32),
    FLURM_FLD(ST, jobs_canceled, FLURM_F_U32),
    FLURM_FLD(ST, jobs_failed, FLURM_F_U32),
    FLURM_FLD(ST, jobs_pending, FLURM_F_U32),
    FLURM_FLD(ST, jobs_running, FLURM_F_U32),
    FLURM_FLD(ST, job_states_ts, FLURM_F_TIME),
    FLURM_FLD(ST, schedule_cycle_max, FLURM_F_U32),
    FLURM_FLD(ST, schedule_cycle_last, FLURM_F_U32),
    FLURM_FLD(ST, schedule_cycle_sum, FLURM_F_U32),
    FLURM_FLD(ST, schedule_cycle_counter, FLURM_F_U32),
    FLURM_FLD(ST, schedule_cycle_depth, FLURM_F_U32),
    FLURM_FLD_NV(ST, schedule_exit, FLURM_F_U32_ARRAY, schedule_exit_cnt, FLURM_PROTO_23_11, 0),
    FLURM_FLD(ST, schedule_queue_len, FLURM_F_U32),
    FLURM_FLD(ST, bf_backfilled_jobs, FLURM_F_U32),
    FLURM_FLD(ST, bf_last_backfilled_jobs, FLURM_F_U32),
    FLURM_FLD(ST, bf_cycle_counter, FLURM_F_U32),
    FLURM_FLD(ST, bf_cycle_sum, FLURM_F_U64),
    FLURM_FLD(ST, bf_cycle_last, FLURM_F_U32),
    FLURM_FLD(ST, bf_last_depth, FLURM_F_U32),
    FLURM_FLD(ST, bf_last_depth_try, FLURM_F_U32),
    FLURM_FLD(ST, bf_queue_len, FLURM_F_U32),
    FLURM_FLD(ST, bf_cycle_max, FLURM_F_U32),
    FLURM_FLD(ST, bf_when_last_cycle, FLURM_F_TIME),
    FLURM_FLD(ST, bf_depth_sum, FLURM_F_U32),
    FLURM_FLD(ST, bf_depth_try_sum, FLURM_F_U32),
    FLURM_FLD(ST, bf_queue_len_sum, FLURM_F_U32),
    FLURM_FLD(ST, bf_table_size, FLURM_F_U32),
    FLURM_FLD(ST, bf_table_size_sum, FLURM_F_U32),
    FLURM_FLD(ST, bf_active, FLURM_F_U32),
    FLURM_FLD(ST, bf_backfilled_het_jobs, FLURM_F_U32),
    FLURM_FLD_NV(ST, bf_exit, FLURM_F_U32_ARRAY, bf_exit_cnt, FLURM_PROTO_23_11, 0),
};
FLURM_RECORD(flurm_rec_stats_sched, ST, stats_sched_fields);
#undef ST

/* The rpc_type and rpc_user arrays share their leading size field, so the
 * engine refuses arrays of any other length (sdiag indexes them by it). */
#define ST struct flurm_stats_info
static const struct flurm_field stats_info_fields[] = {
    FLURM_FLD(ST, parts_packed, FLURM_F_U32),
    FLURM_FLD_GATED(ST, sched, FLURM_F_GATED, flurm_rec_stats_sched, parts_packed),
    FLURM_FLD(ST, rpc_type_size, FLURM_F_U32),
    FLURM_FLD_N(ST, rpc_type_id, FLURM_F_U16_ARRAY, rpc_type_size),
    FLURM_FLD_N(ST, rpc_type_cnt, FLURM_F_U32_ARRAY, rpc_type_size),
    FLURM_FLD_N(ST, rpc_type_time, FLURM_F_U64_ARRAY, rpc_type_size),
    FLURM_FLD(ST, rpc_user_size, FLURM_F_U32),
    FLURM_FLD_N(ST, rpc_user_id, FLURM_F_U32_ARRAY, rpc_user_size),
    FLURM_FLD_N(ST, rpc_user_cnt, FLURM_F_U32_ARRAY, rpc_user_size),
    FLURM_FLD_N(ST, rpc_user_time, FLURM_F_U64_ARRAY, rpc_user_size),
    FLURM_FLD_N(ST, rpc_queue_type_id, FLURM_F_U32_ARRAY, rpc_queue_type_count),
    FLURM_FLD_N(ST, rpc_queue_count, FLURM_F_U32_ARRAY, rpc_queue_type_count),
    FLURM_FLD_N(ST, rpc_dump_types, FLURM_F_U32_ARRAY, rpc_dump_count),
    FLURM_FLD_N(ST, rpc_dump_hostlist, FLURM_F_STR_ARRAY, rpc_dump_count),
};
FLURM_RECORD(flurm_rec_stats_info, ST, stats_info_fields);
#undef ST

/* ---- priority factors ------------------------------------------------------
 *
 * 22.05 and 23.02 lay the object out so differently (23.02 moves fields and
 * sends the factor values only when direct_prio is 0) that one version-ranged
 * table cannot express both.  So there is a table per layout over the same
 * struct, and the record is one INLINE field that picks the layout by
 * version.  The 22.05 table lists the 23.02-only members too (never active
 * there) so that it covers every member for JSON and free. */

#define ST struct flurm_priority_factors
static const struct flurm_field prio_22_05_fields[] = {
    FLURM_FLD(ST, job_id, FLURM_F_U32),
    FLURM_FLD(ST, user_id, FLURM_F_U32),
    FLURM_FLD(ST, priority_age, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_assoc, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_fs, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_js, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_part, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_qos, FLURM_F_DOUBLE),
    FLURM_FLD(ST, direct_prio, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_site, FLURM_F_U32),
    FLURM_FLD_N(ST, priority_tres, FLURM_F_DOUBLE_ARRAY, priority_tres_cnt),
    FLURM_FLD(ST, tres_cnt, FLURM_F_U32),
    FLURM_FLD_N(ST, tres_names, FLURM_F_STR_ARRAY, tres_cnt),
    FLURM_FLD_N(ST, tres_weights, FLURM_F_DOUBLE_ARRAY, tres_cnt),
    FLURM_FLD(ST, nice, FLURM_F_U32),
    FLURM_FLD(ST, partition, FLURM_F_STR),
    FLURM_FLD_V(ST, account, FLURM_F_STR, FLURM_PROTO_23_02, 0),
    FLURM_FLD_V(ST, qos, FLURM_F_STR, FLURM_PROTO_23_02, 0),
};
static FLURM_RECORD(prio_22_05, ST, prio_22_05_fields);

/* 23.02's factor values, sent only for jobs without an admin-set priority. */
static const struct flurm_field prio_values_fields[] = {
    FLURM_FLD(ST, priority_age, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_assoc, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_fs, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_js, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_part, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_qos, FLURM_F_DOUBLE),
    FLURM_FLD(ST, priority_site, FLURM_F_U32),
    FLURM_FLD_N(ST, priority_tres, FLURM_F_DOUBLE_ARRAY, priority_tres_cnt),
    FLURM_FLD_N(ST, tres_names, FLURM_F_STR_ARRAY, tres_cnt),
    FLURM_FLD_N(ST, tres_weights, FLURM_F_DOUBLE_ARRAY, tres_cnt),
    FLURM_FLD(ST, nice, FLURM_F_U32),
};
static FLURM_RECORD(prio_values, ST, prio_values_fields);

static int prio_values_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                            uint16_t version)
{
    const struct flurm_priority_factors *pf = obj;

    (void)f;
    if (pf->direct_prio != 0)
        return 0;
    return flurm_record_pack(&prio_values, pf, b, version);
}

/* Unpacking a table zeroes its whole struct, so the values are decoded into a
 * scratch copy and moved over.  Freeing them is the 22.05 table's job (the
 * record's JSON and free form). */
static int prio_values_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b,
                              uint16_t version)
{
    struct flurm_priority_factors *pf = obj;
    struct flurm_priority_factors tmp;

    (void)f;
    if (pf->direct_prio != 0)
        return 0;
    if (flurm_record_unpack(&prio_values, &tmp, b, version, NULL) < 0)
        return -1;
    pf->priority_age = tmp.priority_age;
    pf->priority_assoc = tmp.priority_assoc;
    pf->priority_fs = tmp.priority_fs;
    pf->priority_js = tmp.priority_js;
    pf->priority_part = tmp.priority_part;
    pf->priority_qos = tmp.priority_qos;
    pf->priority_site = tmp.priority_site;
    pf->priority_tres = tmp.priority_tres;
    pf->priority_tres_cnt = tmp.priority_tres_cnt;
    pf->tres_names = tmp.tres_names;
    pf->tres_cnt = tmp.tres_cnt;
    pf->tres_weights = tmp.tres_weights;
    pf->nice = tmp.nice;
    return 0;
}

static const struct flurm_custom prio_values_custom = {
    prio_values_pack, prio_values_unpack, NULL, NULL, NULL,
};

static const struct flurm_field prio_23_02_fields[] = {
    FLURM_FLD(ST, account, FLURM_F_STR),
    FLURM_FLD(ST, job_id, FLURM_F_U32),
    FLURM_FLD(ST, partition, FLURM_F_STR),
    FLURM_FLD(ST, direct_prio, FLURM_F_DOUBLE),
    FLURM_FLD_CUSTOM("factors", prio_values_custom),
    FLURM_FLD(ST, qos, FLURM_F_STR),
    FLURM_FLD(ST, user_id, FLURM_F_U32),
};
static FLURM_RECORD(prio_23_02, ST, prio_23_02_fields);
#undef ST

static const struct flurm_layout prio_layouts[] = {
    { 0, &prio_22_05 },
    { FLURM_PROTO_23_02, &prio_23_02 },
    { 0, NULL },
};

static const struct flurm_field priority_factors_fields[] = {
    { .name = "priority_factors", .type = FLURM_F_INLINE, .sub = &prio_22_05,
      .layouts = prio_layouts },
};
FLURM_RECORD(flurm_rec_priority_factors, struct flurm_priority_factors, priority_factors_fields);

#define ST struct flurm_priority_factors_msg
static const struct flurm_field priority_factors_msg_fields[] = {
    FLURM_FLD_SUBN(ST, factors, FLURM_F_LIST, flurm_rec_priority_factors, count),
};
FLURM_RECORD(flurm_rec_priority_factors_msg, ST, priority_factors_msg_fields);
#undef ST

/* ---- shares ---------------------------------------------------------------- */

#define ST struct flurm_long_double
static const struct flurm_field long_double_fields[] = {
    FLURM_FLD(ST, value, FLURM_F_LONGDOUBLE),
};
FLURM_RECORD(flurm_rec_long_double, ST, long_double_fields);
#undef ST

/* usage_tres_raw is a u32 count and then the values: SLURM's long double
 * array has no NULL form, so it is a counted ARRAY rather than a LIST. */
#define ST struct flurm_assoc_shares
static const struct flurm_field assoc_shares_fields[] = {
    FLURM_FLD(ST, assoc_id, FLURM_F_U32),
    FLURM_FLD(ST, cluster, FLURM_F_STR),
    FLURM_FLD(ST, name, FLURM_F_STR),
    FLURM_FLD(ST, parent, FLURM_F_STR),
    FLURM_FLD(ST, partition, FLURM_F_STR),
    FLURM_FLD(ST, shares_norm, FLURM_F_DOUBLE),
    FLURM_FLD(ST, shares_raw, FLURM_F_U32),
    FLURM_FLD_N(ST, tres_run_secs, FLURM_F_U64_ARRAY, tres_cnt),
    FLURM_FLD_N(ST, tres_grp_mins, FLURM_F_U64_ARRAY, tres_cnt),
    FLURM_FLD(ST, usage_efctv, FLURM_F_DOUBLE),
    FLURM_FLD(ST, usage_norm, FLURM_F_DOUBLE),
    FLURM_FLD(ST, usage_raw, FLURM_F_U64),
    FLURM_FLD(ST, usage_tres_raw_cnt, FLURM_F_U32),
    FLURM_FLD_SUBN(ST, usage_tres_raw, FLURM_F_ARRAY, flurm_rec_long_double, usage_tres_raw_cnt),
    FLURM_FLD(ST, fs_factor, FLURM_F_DOUBLE),
    FLURM_FLD(ST, level_fs, FLURM_F_DOUBLE),
    FLURM_FLD(ST, user, FLURM_F_U16),
};
FLURM_RECORD(flurm_rec_assoc_shares, ST, assoc_shares_fields);
#undef ST

#define ST struct flurm_shares_msg
static const struct flurm_field shares_msg_fields[] = {
    FLURM_FLD_N(ST, tres_names, FLURM_F_STR_ARRAY, tres_cnt),
    FLURM_FLD_SUBN(ST, assoc_shares, FLURM_F_LIST, flurm_rec_assoc_shares, assoc_shares_count),
    FLURM_FLD(ST, tot_shares, FLURM_F_U64),
};
FLURM_RECORD(flurm_rec_shares_msg, ST, shares_msg_fields);
#undef ST

/* ---- message registry -------------------------------------------------------- */

static const struct flurm_msg_body info_bodies[] = {
    FLURM_MSG_BODY(FLURM_RESPONSE_BUILD_INFO, flurm_rec_build_info),
    FLURM_MSG_BODY(FLURM_RESPONSE_NODE_INFO, flurm_rec_node_info_msg),
    FLURM_MSG_BODY(FLURM_RESPONSE_PARTITION_INFO, flurm_rec_partition_info_msg),
    FLURM_MSG_BODY(FLURM_RESPONSE_SHARE_INFO, flurm_rec_shares_msg),
    FLURM_MSG_BODY(FLURM_RESPONSE_PRIORITY_FACTORS, flurm_rec_priority_factors_msg),
    FLURM_MSG_BODY(FLURM_RESPONSE_STATS_INFO, flurm_rec_stats_info),
    FLURM_MSG_BODY(FLURM_RESPONSE_FED_INFO, flurm_rec_fed_info),
    FLURM_MSG_BODY(FLURM_REQUEST_UPDATE_NODE, flurm_rec_update_node),
    FLURM_MSG_BODY(FLURM_REQUEST_CREATE_NODE, flurm_rec_update_node),
    FLURM_MSG_BODY(FLURM_REQUEST_DELETE_NODE, flurm_rec_update_node),
};
FLURM_MSG_BODIES(flurm_rec_info_bodies, info_bodies);
