/*
 * rec_info.h - the records behind SLURM's "show me the cluster" answers:
 * nodes (RESPONSE_NODE_INFO), partitions (RESPONSE_PARTITION_INFO), the
 * configuration (RESPONSE_BUILD_INFO), federation (RESPONSE_FED_INFO),
 * scheduler statistics (RESPONSE_STATS_INFO, sdiag), priority factors
 * (RESPONSE_PRIORITY_FACTORS, sprio), fair-share (RESPONSE_SHARE_INFO,
 * sshare) and the node update request (REQUEST_UPDATE_NODE).
 *
 * Every struct below is described by one const table (flurm_rec_*), which
 * the engine in wire/record.h packs, unpacks, frees and turns into JSON.
 * Layouts follow SLURM 22.05 (the wire doc, sections 4.5-4.14); fields that
 * 23.02 / 23.11 add or drop carry a version range in the table, so the same
 * struct serves every supported client.
 *
 * Ownership is the engine's: everything a struct points to is malloc'ed and
 * released by flurm_record_free() with the struct's record.
 *
 * Counts: a count member named next to an array is the number of elements
 * the array holds.  Where SLURM requires two arrays to have the same length
 * they share one count, and the engine refuses a message where they differ.
 */
#ifndef FLURM_WIRE_REC_INFO_H
#define FLURM_WIRE_REC_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "wire/msg.h"
#include "wire/record.h"

/* select/cons_tres, the select plugin id to put in select_nodeinfo (the
 * same definition as in wire/rec_job.h). */
#ifndef FLURM_SELECT_PLUGIN_CONS_TRES
#define FLURM_SELECT_PLUGIN_CONS_TRES 109
#endif

/* ---- node (RESPONSE_NODE_INFO 2008) ------------------------------------- */

/* select_nodeinfo: the plugin id, then what cons_tres / cons_res / linear
 * pack.  sinfo's allocated CPU counts and the "mixed" state come from here. */
struct flurm_select_nodeinfo {
    uint32_t plugin_id;
    uint16_t alloc_cpus;
    uint64_t alloc_memory; /* MB */
    char *tres_alloc_fmt_str;
    double tres_alloc_weighted;
};

/* acct_gather_energy; all zero when there is no energy plugin. */
struct flurm_energy {
    uint64_t base_consumed_energy;
    uint32_t ave_watts;
    uint64_t consumed_energy;
    uint32_t current_watts;
    uint64_t previous_consumed_energy;
    time_t poll_time;
};

struct flurm_ext_sensors {
    uint64_t consumed_energy;
    uint32_t temperature;
    time_t energy_update_time;
    uint32_t current_watts;
};

/* One slot of the node table.  A slot the caller may not see is still sent,
 * with name == NULL, so that node_inx bitmaps keep their meaning. */
struct flurm_node_info {
    char *name;
    char *node_hostname;
    char *node_addr;
    char *bcast_address;
    uint16_t port;
    uint32_t next_state;
    uint32_t node_state; /* base state in the low 4 bits, NODE_STATE_* flags above */
    char *version;
    uint16_t cpus;
    uint16_t boards;
    uint16_t sockets;
    uint16_t cores;
    uint16_t threads;
    uint64_t real_memory; /* MB */
    uint32_t tmp_disk;    /* MB */
    char *mcs_label;
    uint32_t owner;
    uint16_t core_spec_cnt;
    uint32_t cpu_bind;
    uint64_t mem_spec_limit;
    char *cpu_spec_list;
    uint16_t cpus_efctv; /* sinfo's idle count is cpus_efctv - alloc_cpus */
    uint32_t cpu_load;   /* load x 100 */
    uint64_t free_mem;   /* MB */
    uint32_t weight;
    uint32_t reason_uid;
    time_t boot_time;
    time_t last_busy;
    time_t reason_time;
    time_t resume_after; /* since 23.02 */
    time_t slurmd_start_time;
    struct flurm_select_nodeinfo select_nodeinfo;
    char *arch;
    char *features;
    char *features_act;
    char *gres;
    char *gres_drain; /* filled only for SHOW_DETAIL */
    char *gres_used;  /* filled only for SHOW_DETAIL */
    char *os;
    char *comment;
    char *extra;
    char *instance_id;   /* since 23.11 */
    char *instance_type; /* since 23.11 */
    char *reason;
    struct flurm_energy energy;
    struct flurm_ext_sensors ext_sensors;
    uint32_t power_cap_watts; /* power_mgmt_data; NO_VAL when absent */
    char *tres_fmt_str;
    char *resv_name; /* since 23.02 */
};

struct flurm_node_info_msg {
    uint32_t record_count;
    time_t last_update;
    struct flurm_node_info *nodes; /* record_count slots, in node-index order */
};

/* ---- partition (RESPONSE_PARTITION_INFO 2010) ---------------------------- */

struct flurm_job_defaults {
    uint16_t type;
    uint64_t value;
};

struct flurm_partition_info {
    char *name;
    uint32_t cpu_bind;
    uint32_t grace_time;
    uint32_t max_time;     /* minutes, INFINITE = unlimited */
    uint32_t default_time; /* minutes */
    uint32_t max_nodes;
    uint32_t min_nodes;
    uint32_t total_nodes;
    uint32_t total_cpus;
    uint64_t def_mem_per_cpu;
    uint32_t max_cpus_per_node;
    uint32_t max_cpus_per_socket; /* since 23.02 */
    uint64_t max_mem_per_cpu;
    uint16_t flags; /* PART_FLAG_*: DEFAULT 0x1, HIDDEN 0x2, ... */
    uint16_t max_share;
    uint16_t over_time_limit;
    uint16_t preempt_mode;
    uint16_t priority_job_factor;
    uint16_t priority_tier;
    uint16_t state_up; /* UP 3, DOWN 1, DRAIN 2, INACTIVE 0 */
    uint16_t cr_type;
    uint16_t resume_timeout;
    uint16_t suspend_timeout;
    uint32_t suspend_time;
    char *allow_accounts;
    char *allow_groups;
    char *allow_alloc_nodes;
    char *allow_qos;
    char *qos_char;
    char *alternate;
    char *deny_accounts;
    char *deny_qos;
    char *nodes;
    char *nodesets;
    struct flurm_bitstr node_inx; /* indexes the node table */
    char *billing_weights_str;
    char *tres_fmt_str;
    struct flurm_job_defaults *job_defaults; /* NULL is SLURM's NULL list */
    uint32_t job_defaults_count;
};

struct flurm_partition_info_msg {
    uint32_t record_count;
    time_t last_update;
    struct flurm_partition_info *partitions;
};

/* ---- REQUEST_UPDATE_NODE 3002 (also CREATE_NODE 3015, DELETE_NODE 3014) -- */

struct flurm_update_node {
    char *comment;
    uint32_t cpu_bind;
    char *extra;
    char *features;
    char *features_act;
    char *gres;
    char *instance_id;   /* since 23.11 */
    char *instance_type; /* since 23.11 */
    char *node_addr;
    char *node_hostname;
    char *node_names; /* hostlist expression */
    uint32_t node_state; /* NO_VAL = unchanged; DRAIN 0x200, RESUME 0x100, ... */
    char *reason;
    uint32_t reason_uid;   /* until 23.02 */
    uint32_t resume_after; /* since 23.02, in the slot reason_uid had */
    uint32_t weight;
};

/* ---- RESPONSE_BUILD_INFO 2002 (scontrol show config) --------------------- */

struct flurm_key_pair {
    char *name;
    char *value;
};

struct flurm_plugin_params {
    char *name;
    struct flurm_key_pair *key_pairs;
    uint32_t key_pairs_count;
};

/* slurm_ctl_conf in SLURM's wire order (not alphabetical, not grouped). */
struct flurm_build_info {
    time_t last_update;
    uint16_t accounting_storage_enforce;
    char *accounting_storage_backup_host;
    char *accounting_storage_host;
    char *accounting_storage_ext_host;
    char *accounting_storage_params;
    uint16_t accounting_storage_port;
    char *accounting_storage_tres;
    char *accounting_storage_type;
    char *accounting_storage_user;
    struct flurm_key_pair *acct_gather_conf;
    uint32_t acct_gather_conf_count;
    char *acct_gather_energy_type;
    char *acct_gather_filesystem_type;
    char *acct_gather_interconnect_type;
    uint16_t acct_gather_node_freq;
    char *acct_gather_profile_type;
    char *authalttypes;
    char *authalt_params;
    char *authinfo;
    char *authtype;
    uint16_t batch_start_timeout;
    time_t boot_time;
    char *bb_type;
    char *bcast_exclude;
    char *bcast_parameters;
    struct flurm_key_pair *cgroup_conf;
    uint32_t cgroup_conf_count;
    char *cli_filter_plugins;
    char *cluster_name;
    char *comm_params;
    uint16_t complete_wait;
    uint32_t conf_flags;
    uint32_t control_cnt; /* entries of control_addr and of control_machine */
    char **control_addr; /* control_cnt entries */
    char **control_machine; /* control_cnt entries */
    char *core_spec_plugin;
    uint32_t cpu_freq_def;
    uint32_t cpu_freq_govs;
    char *cred_type;
    uint64_t def_mem_per_cpu;
    uint64_t debug_flags;
    char *dependency_params;
    uint16_t eio_timeout;
    uint16_t enforce_part_limits;
    char *epilog;
    uint32_t epilog_msg_time;
    char *epilog_slurmctld;
    struct flurm_key_pair *ext_sensors_conf;
    uint32_t ext_sensors_conf_count;
    char *ext_sensors_type;
    uint16_t ext_sensors_freq;
    char *fed_params;
    uint32_t first_job_id;
    uint16_t fs_dampening_factor;
    uint16_t get_env_timeout;
    char *gres_plugins;
    uint16_t group_time;
    uint16_t group_force;
    char *gpu_freq_def;
    uint32_t hash_val;
    uint16_t health_check_interval;
    uint16_t health_check_node_state;
    char *health_check_program;
    uint16_t inactive_limit;
    char *interactive_step_opts;
    char *job_acct_gather_freq;
    char *job_acct_gather_type;
    char *job_acct_gather_params;
    char *job_comp_host;
    char *job_comp_loc;
    char *job_comp_params;
    uint32_t job_comp_port;
    char *job_comp_type;
    char *job_comp_user;
    char *job_container_plugin;
    char *job_credential_private_key; /* until 23.11 */
    char *job_credential_public_certificate; /* until 23.11 */
    struct flurm_job_defaults *job_defaults_list;
    uint32_t job_defaults_list_count;
    uint16_t job_file_append;
    uint16_t job_requeue;
    char *job_submit_plugins;
    uint16_t kill_on_bad_exit;
    uint16_t kill_wait;
    char *launch_params;
    char *launch_type; /* until 23.02 */
    char *licenses;
    uint16_t log_fmt;
    uint32_t max_array_sz;
    uint32_t max_batch_requeue; /* since 23.02 */
    uint32_t max_dbd_msgs;
    char *mail_domain;
    char *mail_prog;
    uint32_t max_job_cnt;
    uint32_t max_job_id;
    uint64_t max_mem_per_cpu;
    uint32_t max_node_cnt;
    uint32_t max_step_cnt;
    uint16_t max_tasks_per_node;
    char *mcs_plugin;
    char *mcs_plugin_params;
    uint32_t min_job_age;
    struct flurm_key_pair *mpi_conf;
    uint32_t mpi_conf_count;
    char *mpi_default;
    char *mpi_params;
    uint16_t msg_timeout;
    uint32_t next_job_id;
    struct flurm_plugin_params *node_features_conf;
    uint32_t node_features_conf_count;
    char *node_features_plugins;
    char *node_prefix;
    uint16_t over_time_limit;
    char *plugindir;
    char *plugstack;
    char *power_parameters;
    char *power_plugin;
    uint16_t preempt_mode;
    char *preempt_params; /* since 23.02 */
    char *preempt_type;
    uint32_t preempt_exempt_time;
    char *prep_params;
    char *prep_plugins;
    uint32_t priority_decay_hl;
    uint32_t priority_calc_period;
    uint16_t priority_favor_small;
    uint16_t priority_flags;
    uint32_t priority_max_age;
    char *priority_params;
    uint16_t priority_reset_period;
    char *priority_type;
    uint32_t priority_weight_age;
    uint32_t priority_weight_assoc;
    uint32_t priority_weight_fs;
    uint32_t priority_weight_js;
    uint32_t priority_weight_part;
    uint32_t priority_weight_qos;
    char *priority_weight_tres;
    uint16_t private_data;
    char *proctrack_type;
    char *prolog;
    uint16_t prolog_epilog_timeout;
    char *prolog_slurmctld;
    uint16_t prolog_flags;
    uint16_t propagate_prio_process;
    char *propagate_rlimits;
    char *propagate_rlimits_except;
    char *reboot_program;
    uint16_t reconfig_flags;
    char *requeue_exit;
    char *requeue_exit_hold;
    char *resume_fail_program;
    char *resume_program;
    uint16_t resume_rate;
    uint16_t resume_timeout;
    char *resv_epilog;
    uint16_t resv_over_run;
    char *resv_prolog;
    uint16_t ret2service;
    char *route_plugin; /* until 23.11 */
    char *sched_params;
    char *sched_logfile;
    uint16_t sched_log_level;
    uint16_t sched_time_slice;
    char *schedtype;
    char *scron_params;
    char *select_type;
    struct flurm_key_pair *select_conf_key_pairs;
    uint32_t select_conf_key_pairs_count;
    uint16_t select_type_param;
    char *slurm_conf;
    uint32_t slurm_user_id;
    char *slurm_user_name;
    uint32_t slurmd_user_id;
    char *slurmd_user_name;
    char *slurmctld_addr;
    uint16_t slurmctld_debug;
    char *slurmctld_logfile;
    char *slurmctld_params;
    char *slurmctld_pidfile;
    char *slurmctld_plugstack; /* until 23.02 */
    struct flurm_plugin_params *slurmctld_plugstack_conf; /* until 23.02 */
    uint32_t slurmctld_plugstack_conf_count;
    uint32_t slurmctld_port;
    uint16_t slurmctld_port_count;
    char *slurmctld_primary_off_prog;
    char *slurmctld_primary_on_prog;
    uint16_t slurmctld_syslog_debug;
    uint16_t slurmctld_timeout;
    uint16_t slurmd_debug;
    char *slurmd_logfile;
    char *slurmd_params;
    char *slurmd_pidfile;
    uint32_t slurmd_port;
    char *slurmd_spooldir;
    uint16_t slurmd_syslog_debug;
    uint16_t slurmd_timeout;
    char *srun_epilog;
    uint16_t srun_port_range_min;
    uint16_t srun_port_range_max;
    char *srun_prolog;
    char *state_save_location;
    char *suspend_exc_nodes;
    char *suspend_exc_parts;
    char *suspend_exc_states; /* since 23.02 */
    char *suspend_program;
    uint16_t suspend_rate;
    uint32_t suspend_time;
    uint16_t suspend_timeout;
    char *switch_param;
    char *switch_type;
    char *task_epilog;
    char *task_prolog;
    char *task_plugin;
    uint32_t task_plugin_param;
    uint16_t tcp_timeout;
    char *tmp_fs;
    char *topology_param;
    char *topology_plugin;
    uint16_t tree_width;
    char *unkillable_program;
    uint16_t unkillable_timeout;
    char *version;
    uint16_t vsize_factor;
    uint16_t wait_time;
    char *x11_params;
};

/* ---- RESPONSE_FED_INFO 2050 ----------------------------------------------- */

/* FLURM never federates, so cluster records are not modelled: a federation
 * whose cluster list is not empty is refused (EBADMSG / EINVAL). */
struct flurm_federation {
    char *name;
    uint32_t flags;
    bool cluster_list_null; /* the (empty) cluster list was NULL, not empty */
};

struct flurm_fed_info {
    struct flurm_federation *federation; /* NULL: not federated (body "00") */
};

/* ---- RESPONSE_STATS_INFO 2036 (sdiag) ------------------------------------- */

/* The part of the statistics SLURM sends only when parts_packed != 0. */
struct flurm_stats_sched {
    time_t req_time;
    time_t req_time_start;
    uint32_t server_thread_count;
    uint32_t agent_queue_size;
    uint32_t agent_count;
    uint32_t agent_thread_count;
    uint32_t dbd_agent_queue_size;
    uint32_t gettimeofday_latency;
    uint32_t jobs_submitted;
    uint32_t jobs_started;
    uint32_t jobs_completed;
    uint32_t jobs_canceled;
    uint32_t jobs_failed;
    uint32_t jobs_pending;
    uint32_t jobs_running;
    time_t job_states_ts;
    uint32_t schedule_cycle_max;
    uint32_t schedule_cycle_last;
    uint32_t schedule_cycle_sum;
    uint32_t schedule_cycle_counter;
    uint32_t schedule_cycle_depth;
    uint32_t *schedule_exit; /* since 23.11 */
    uint32_t schedule_exit_cnt;
    uint32_t schedule_queue_len;
    uint32_t bf_backfilled_jobs;
    uint32_t bf_last_backfilled_jobs;
    uint32_t bf_cycle_counter;
    uint64_t bf_cycle_sum;
    uint32_t bf_cycle_last;
    uint32_t bf_last_depth;
    uint32_t bf_last_depth_try;
    uint32_t bf_queue_len;
    uint32_t bf_cycle_max;
    time_t bf_when_last_cycle;
    uint32_t bf_depth_sum;
    uint32_t bf_depth_try_sum;
    uint32_t bf_queue_len_sum;
    uint32_t bf_table_size;
    uint32_t bf_table_size_sum;
    uint32_t bf_active;
    uint32_t bf_backfilled_het_jobs;
    uint32_t *bf_exit; /* since 23.11 */
    uint32_t bf_exit_cnt;
};

struct flurm_stats_info {
    uint32_t parts_packed; /* 0 (after a reset) leaves `sched` off the wire */
    struct flurm_stats_sched sched;
    /* per message type; all three arrays hold rpc_type_size entries */
    uint32_t rpc_type_size;
    uint16_t *rpc_type_id;
    uint32_t *rpc_type_cnt;
    uint64_t *rpc_type_time; /* total microseconds */
    /* per user; all three arrays hold rpc_user_size entries */
    uint32_t rpc_user_size;
    uint32_t *rpc_user_id;
    uint32_t *rpc_user_cnt;
    uint64_t *rpc_user_time;
    /* queued agent RPCs */
    uint32_t *rpc_queue_type_id;
    uint32_t *rpc_queue_count;
    uint32_t rpc_queue_type_count; /* entries of both arrays above */
    uint32_t *rpc_dump_types;
    char **rpc_dump_hostlist;
    uint32_t rpc_dump_count; /* entries of both arrays above */
};

/* ---- RESPONSE_PRIORITY_FACTORS 2027 (sprio) ------------------------------- */

/* One pending job.  23.02 reorders the object and sends the factor values
 * only when direct_prio == 0; the codec handles both layouts. */
struct flurm_priority_factors {
    char *account; /* since 23.02 */
    uint32_t job_id;
    uint32_t user_id;
    double priority_age;
    double priority_assoc;
    double priority_fs;
    double priority_js;
    double priority_part;
    double priority_qos;
    double direct_prio; /* non-zero: an admin-set priority */
    uint32_t priority_site; /* biased by NICE_OFFSET (2^31) */
    double *priority_tres;
    uint32_t priority_tres_cnt;
    uint32_t tres_cnt; /* entries of tres_names and tres_weights */
    char **tres_names;
    double *tres_weights;
    uint32_t nice; /* NICE_OFFSET + nice */
    char *partition;
    char *qos; /* since 23.02 */
};

struct flurm_priority_factors_msg {
    struct flurm_priority_factors *factors; /* NULL: SLURM's "no list" */
    uint32_t count;
};

/* ---- RESPONSE_SHARE_INFO 2023 (sshare) ------------------------------------ */

/* One element of usage_tres_raw, a long double sent as a "%Lf" string. */
struct flurm_long_double {
    long double value;
};

struct flurm_assoc_shares {
    uint32_t assoc_id;
    char *cluster;
    char *name;
    char *parent;
    char *partition;
    double shares_norm;
    uint32_t shares_raw;
    uint64_t *tres_run_secs;
    uint64_t *tres_grp_mins;
    uint32_t tres_cnt; /* entries of both arrays above; SLURM wants the message's tres_cnt */
    double usage_efctv;
    double usage_norm;
    uint64_t usage_raw;
    uint32_t usage_tres_raw_cnt;
    struct flurm_long_double *usage_tres_raw;
    double fs_factor;
    double level_fs;
    uint16_t user; /* 1: a user row, 0: an account row */
};

struct flurm_shares_msg {
    char **tres_names;
    uint32_t tres_cnt;
    struct flurm_assoc_shares *assoc_shares; /* NULL: SLURM's "no list" */
    uint32_t assoc_shares_count;
    uint64_t tot_shares;
};

/* ---- the records ----------------------------------------------------------- */

extern const struct flurm_record flurm_rec_select_nodeinfo;
extern const struct flurm_record flurm_rec_energy;
extern const struct flurm_record flurm_rec_ext_sensors;
extern const struct flurm_record flurm_rec_node_info;
extern const struct flurm_record flurm_rec_node_info_msg;      /* RESPONSE_NODE_INFO */
extern const struct flurm_record flurm_rec_job_defaults;
extern const struct flurm_record flurm_rec_partition_info;
extern const struct flurm_record flurm_rec_partition_info_msg; /* RESPONSE_PARTITION_INFO */
extern const struct flurm_record flurm_rec_update_node;        /* REQUEST_UPDATE_NODE */
extern const struct flurm_record flurm_rec_key_pair;
extern const struct flurm_record flurm_rec_plugin_params;
extern const struct flurm_record flurm_rec_build_info;         /* RESPONSE_BUILD_INFO */
extern const struct flurm_record flurm_rec_federation;
extern const struct flurm_record flurm_rec_fed_info;           /* RESPONSE_FED_INFO */
extern const struct flurm_record flurm_rec_stats_sched;
extern const struct flurm_record flurm_rec_stats_info;         /* RESPONSE_STATS_INFO */
extern const struct flurm_record flurm_rec_priority_factors;
extern const struct flurm_record flurm_rec_priority_factors_msg; /* RESPONSE_PRIORITY_FACTORS */
extern const struct flurm_record flurm_rec_long_double;
extern const struct flurm_record flurm_rec_assoc_shares;
extern const struct flurm_record flurm_rec_shares_msg;         /* RESPONSE_SHARE_INFO */

/* The message types above with their records, for wire/msg.c. */
extern const struct flurm_msg_body_table flurm_rec_info_bodies;

#endif
