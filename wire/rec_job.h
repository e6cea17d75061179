/*
 * rec_job.h - the job and step records of the SLURM wire protocol as tables
 * for the record engine (wire/record.h).
 *
 * Covered messages (22.05 layout, with the 23.02 / 23.11 deltas of the wire
 * doc section 6.3 as version-ranged fields):
 *   job_desc                 REQUEST_SUBMIT_BATCH_JOB 4003, REQUEST_RESOURCE_ALLOCATION
 *                            4001, REQUEST_JOB_WILL_RUN 4012, REQUEST_UPDATE_JOB 3001
 *   job_info_msg             RESPONSE_JOB_INFO 2004 (job records, job_resources)
 *   job_array_resp           RESPONSE_JOB_ARRAY_ERRORS 5034
 *   job_alloc_info           REQUEST_JOB_ALLOCATION_INFO 4014
 *   resource_alloc_resp      RESPONSE_RESOURCE_ALLOCATION 4002,
 *                            RESPONSE_JOB_ALLOCATION_INFO 4015
 *   complete_job_alloc       REQUEST_COMPLETE_JOB_ALLOCATION 5017
 *   step_create_req          REQUEST_JOB_STEP_CREATE 5001
 *   step_create_resp         RESPONSE_JOB_STEP_CREATE 5002 (step layout, signed
 *                            job credential)
 *   step_complete            REQUEST_STEP_COMPLETE 5016 (with jobacct)
 *   job_step_info_req/_msg   REQUEST_JOB_STEP_INFO 2005 / RESPONSE_JOB_STEP_INFO 2006
 *   srun_timeout, srun_node_fail, srun_user_msg and (step_id) SRUN_JOB_COMPLETE:
 *                            the controller's pushes to salloc/srun (7002-7005)
 * The small job messages (kill job, cancel step, submit reply, job ready,
 * job info single) and struct flurm_step_id live in wire/rec_generic.h.
 *
 * The structs are plain data: every pointer in them is owned by the struct
 * and released by flurm_record_free() with the matching record.  Strings are
 * NUL-terminated and may be NULL (SLURM's NULL string); each array has its
 * element count in the uint32_t member named next to it.
 *
 * Plugin data: select_jobinfo (22.05 only) is a u32 plugin id followed by
 * nothing for the plugins FLURM accepts (cons_res 101, linear 102, cons_tres
 * 109); switch_jobinfo is u32 100 (switch/none) with nothing after it.  Other
 * ids carry plugin-private bytes FLURM cannot size, so they are refused with
 * EBADMSG.  A plugin id of 0 in a struct means "default" and is packed as
 * cons_tres / switch/none.  23.11 peers without a switch plugin (all of them
 * for FLURM) neither send nor read the switch id.
 *
 * job_desc sends its board/socket/core/thread and ntasks_per_* counts as flat
 * fields; the multi_core block (u8 0 / u8 0xff + 9 u16) exists only in job
 * records (struct flurm_job_info.mc).
 */
#ifndef FLURM_WIRE_REC_JOB_H
#define FLURM_WIRE_REC_JOB_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "wire/msg.h"
#include "wire/rec_generic.h"
#include "wire/record.h"

#define FLURM_SELECT_PLUGIN_CONS_RES 101
#define FLURM_SELECT_PLUGIN_LINEAR 102
#define FLURM_SELECT_PLUGIN_CONS_TRES 109
#define FLURM_SWITCH_PLUGIN_NONE 100

/* SLURM's special step ids (steps of struct flurm_step_id). */
#define FLURM_STEP_BATCH_SCRIPT 0xfffffffbU
#define FLURM_STEP_EXTERN_CONT 0xfffffffcU
#define FLURM_STEP_PENDING 0xfffffffdU
#define FLURM_STEP_INTERACTIVE 0xfffffffaU

/* ---- shared pieces ------------------------------------------------------ */

/* slurm_pack_addr_array: u32 count, then count addresses. */
struct flurm_addr_array {
    uint32_t count;
    struct flurm_addr *addrs;
};

/* multi_core data: on the wire u8 0 (absent) or u8 0xff + these 9 u16. */
struct flurm_multi_core {
    uint16_t boards_per_node;
    uint16_t sockets_per_board;
    uint16_t sockets_per_node;
    uint16_t cores_per_socket;
    uint16_t threads_per_core;
    uint16_t ntasks_per_board;
    uint16_t ntasks_per_socket;
    uint16_t ntasks_per_core;
    uint16_t plane_size;
};

/* scrontab entry inside a job_desc (u8 presence flag on the wire). */
struct flurm_cron_entry {
    uint32_t flags;
    struct flurm_bitstr minute;
    struct flurm_bitstr hour;
    struct flurm_bitstr day_of_month;
    struct flurm_bitstr month;
    struct flurm_bitstr day_of_week;
    char *cronspec;
    uint32_t line_start;
    uint32_t line_end;
};

/* ---- job_desc ------------------------------------------------------------ */

struct flurm_job_desc {
    uint32_t site_factor;
    char *batch_features;
    char *cluster_features;
    char *clusters;
    uint16_t contiguous;
    char *container;
    char *container_id; /* 23.02+ */
    uint16_t core_spec;
    uint32_t task_dist;
    uint16_t kill_on_node_fail;
    char *features;
    uint64_t fed_siblings_active;
    uint64_t fed_siblings_viable;
    uint32_t job_id;
    char *job_id_str;
    char *name;
    char *alloc_node;
    uint32_t alloc_sid;
    char *array_inx;
    char *burst_buffer;
    uint16_t pn_min_cpus;
    uint64_t pn_min_memory;
    uint32_t pn_min_tmp_disk;
    uint8_t power_flags;
    char *prefer;
    uint32_t cpu_freq_min;
    uint32_t cpu_freq_max;
    uint32_t cpu_freq_gov;
    char *partition;
    uint32_t priority;
    char *dependency;
    char *account;
    char *admin_comment;
    char *comment;
    uint32_t nice;
    uint32_t profile;
    char *qos;
    char *mcs_label;
    char *origin_cluster;
    uint8_t open_mode;
    uint8_t overcommit;
    char *acctg_freq;
    uint32_t num_tasks;
    char *req_context;
    char *req_nodes;
    char *exc_nodes;
    char **environment;
    uint32_t env_size;
    char **spank_job_env;
    uint32_t spank_job_env_size;
    char *script;
    char **argv;
    uint32_t argc;
    char *std_err;
    char *std_in;
    char *std_out;
    char *submit_line;
    char *work_dir;
    uint16_t immediate;
    uint16_t reboot;
    uint16_t requeue;
    uint16_t shared;
    uint16_t cpus_per_task;
    uint16_t ntasks_per_node;
    uint16_t ntasks_per_board;
    uint16_t ntasks_per_socket;
    uint16_t ntasks_per_core;
    uint16_t ntasks_per_tres;
    uint16_t plane_size;
    uint16_t cpu_bind_type;
    uint16_t mem_bind_type;
    char *cpu_bind;
    char *mem_bind;
    uint32_t time_limit;
    uint32_t time_min;
    uint32_t min_cpus;
    uint32_t max_cpus;
    uint32_t min_nodes;
    uint32_t max_nodes;
    char *job_size_str; /* 23.02+ */
    uint16_t boards_per_node;
    uint16_t sockets_per_board;
    uint16_t sockets_per_node;
    uint16_t cores_per_socket;
    uint16_t threads_per_core;
    uint32_t user_id;
    uint32_t group_id;
    uint16_t alloc_resp_port;
    char *resp_host;
    uint16_t other_port;
    char *network;
    time_t begin_time;
    time_t end_time;
    time_t deadline;
    char *licenses;
    uint16_t mail_type;
    char *mail_user;
    char *reservation;
    uint16_t restart_cnt;
    uint16_t warn_flags;
    uint16_t warn_signal;
    uint16_t warn_time;
    char *wckey;
    uint32_t req_switch;
    uint32_t wait4switch;
    uint32_t select_plugin_id; /* select_jobinfo, before 23.02 only */
    uint16_t wait_all_nodes;
    uint64_t bitflags;
    uint32_t delay_boot;
    char *extra;
    uint16_t x11;
    char *x11_magic_cookie;
    char *x11_target;
    uint16_t x11_target_port;
    char *cpus_per_tres;
    char *mem_per_tres;
    char *tres_bind;
    char *tres_freq;
    char *tres_per_job;
    char *tres_per_node;
    char *tres_per_socket;
    char *tres_per_task;
    struct flurm_cron_entry *crontab_entry; /* NULL = none (all but scrontab) */
};

/* ---- RESPONSE_JOB_INFO --------------------------------------------------- */

/* job_resources (sent only with SHOW_DETAIL; NO_VAL nhosts = absent). */
struct flurm_job_resources {
    uint32_t nhosts;
    uint32_t ncpus;
    uint32_t node_req;
    char *nodes;
    uint8_t whole_node;
    uint16_t threads_per_core;
    uint16_t cr_type;
    uint32_t cpu_array_cnt; /* items of cpu_array_reps and of cpu_array_value */
    uint32_t *cpu_array_reps;
    uint16_t *cpu_array_value;
    uint16_t *cpus; /* nhosts items */
    uint16_t *cpus_used;
    uint32_t cpus_used_cnt;
    uint64_t *memory_allocated;
    uint32_t memory_allocated_cnt;
    uint64_t *memory_used;
    uint32_t memory_used_cnt;
    uint16_t *sockets_per_node;
    uint32_t sockets_per_node_cnt;
    uint16_t *cores_per_socket;
    uint32_t cores_per_socket_cnt;
    uint32_t *sock_core_rep_count;
    uint32_t sock_core_rep_count_cnt;
    struct flurm_bitstr core_bitmap;
    struct flurm_bitstr core_bitmap_used;
};

/* One job record, in the order of the client's unpacker. */
struct flurm_job_info {
    uint32_t array_job_id;
    uint32_t array_task_id;
    char *array_task_str; /* hex bitmap of pending tasks, as the server sends it */
    uint32_t array_max_tasks;
    uint32_t assoc_id;
    char *container;
    char *container_id; /* 23.02+ */
    uint32_t delay_boot;
    char *failed_node; /* 23.02+ */
    uint32_t job_id;
    uint32_t user_id;
    uint32_t group_id;
    uint32_t het_job_id;
    char *het_job_id_set;
    uint32_t het_job_offset;
    uint32_t profile;
    uint32_t job_state;
    uint16_t batch_flag;
    uint32_t state_reason; /* u16 on the wire before 23.02, u32 from 23.02 */
    uint8_t power_flags;
    uint8_t reboot;
    uint16_t restart_cnt;
    uint16_t show_flags;
    time_t deadline;
    uint32_t alloc_sid;
    uint32_t time_limit;
    uint32_t time_min;
    uint32_t nice;
    time_t submit_time;
    time_t eligible_time;
    time_t accrue_time;
    time_t start_time;
    time_t end_time;
    time_t suspend_time;
    time_t pre_sus_time;
    time_t resize_time;
    time_t last_sched_eval;
    time_t preempt_time;
    uint32_t priority;
    double billable_tres;
    char *cluster;
    char *nodes;
    char *sched_nodes;
    char *partition;
    char *account;
    char *admin_comment;
    uint32_t site_factor;
    char *network;
    char *comment;
    char *extra; /* 23.02+ */
    /* The server packs `container` a second time here; kept apart so that
     * a record decodes and re-encodes byte for byte. */
    char *container_again;
    char *batch_features;
    char *batch_host;
    char *burst_buffer;
    char *burst_buffer_state;
    char *system_comment;
    char *qos;
    time_t preemptable_time;
    char *licenses;
    char *state_desc;
    char *resv_name;
    char *mcs_label;
    uint32_t exit_code;
    uint32_t derived_ec;
    char *gres_total;
    struct flurm_job_resources *job_resrcs; /* NULL = not sent */
    char **gres_detail_str;
    uint32_t gres_detail_cnt;
    char *name;
    char *user_name;
    char *wckey;
    uint32_t req_switch;
    uint32_t wait4switch;
    char *alloc_node;
    struct flurm_bitstr node_inx;
    uint32_t select_plugin_id; /* before 23.02 only */
    char *features;
    char *prefer;
    char *cluster_features;
    char *work_dir;
    char *dependency;
    char *command;
    uint32_t num_cpus;
    uint32_t max_cpus;
    uint32_t num_nodes;
    uint32_t max_nodes;
    struct flurm_bitstr job_size; /* 23.02+ (job_size_str, sent as a bitmap) */
    uint16_t requeue;
    uint16_t ntasks_per_node;
    uint16_t ntasks_per_tres;
    uint32_t num_tasks;
    uint16_t shared;
    uint32_t cpu_freq_min;
    uint32_t cpu_freq_max;
    uint32_t cpu_freq_gov;
    char *cronspec;
    uint16_t contiguous;
    uint16_t core_spec;
    uint16_t cpus_per_task;
    uint16_t pn_min_cpus;
    uint64_t pn_min_memory;
    uint32_t pn_min_tmp_disk;
    char *req_nodes;
    struct flurm_bitstr req_node_inx;
    char *exc_nodes;
    struct flurm_bitstr exc_node_inx;
    char *std_err;
    char *std_in;
    char *std_out;
    struct flurm_multi_core *mc; /* NULL = absent */
    uint64_t bitflags;
    char *tres_alloc_str;
    char *tres_req_str;
    uint16_t start_protocol_ver;
    char *fed_origin_str;
    uint64_t fed_siblings_active;
    char *fed_siblings_active_str;
    uint64_t fed_siblings_viable;
    char *fed_siblings_viable_str;
    char *cpus_per_tres;
    char *mem_per_tres;
    char *tres_bind;
    char *tres_freq;
    char *tres_per_job;
    char *tres_per_node;
    char *tres_per_socket;
    char *tres_per_task;
    uint16_t mail_type;
    char *mail_user;
    char *selinux_context;
};

struct flurm_job_info_msg {
    uint32_t record_count;
    time_t last_update;
    time_t last_backfill;
    struct flurm_job_info *jobs; /* record_count records */
};

/* ---- small job requests and replies -------------------------------------- */

struct flurm_job_array_err {
    uint32_t error_code;
    char *job_array_id;
    char *err_msg; /* 23.02+ */
};

struct flurm_job_array_resp {
    uint32_t count;
    struct flurm_job_array_err *errors; /* count entries */
};

struct flurm_job_alloc_info {
    uint32_t job_id;
    char *req_cluster;
};

struct flurm_complete_job_alloc {
    uint32_t job_id;
    uint32_t job_rc;
};

/* ---- RESPONSE_RESOURCE_ALLOCATION / RESPONSE_JOB_ALLOCATION_INFO ---------- */

/* Run-length CPU counts: cpus_per_node[i] repeated cpu_count_reps[i] times;
 * both arrays have num_cpu_groups items. */
struct flurm_cpu_groups {
    uint16_t *cpus_per_node;
    uint32_t cpus_per_node_cnt;
    uint32_t *cpu_count_reps;
    uint32_t cpu_count_reps_cnt;
};

struct flurm_resource_alloc_resp {
    char *account;
    char *alias_list;
    char *batch_host;
    char **environment;
    uint32_t env_size;
    uint32_t error_code;
    uint32_t gid;      /* 23.02+ */
    char *group_name;  /* 23.02+ */
    char *job_submit_user_msg;
    uint32_t job_id;
    uint32_t node_cnt;
    /* node_addr_present 0: no addresses; 1: node_addr (node_cnt of them). */
    uint8_t node_addr_present;
    struct flurm_addr_array node_addr;
    char *node_list;
    uint16_t ntasks_per_board;
    uint16_t ntasks_per_core;
    uint16_t ntasks_per_tres;
    uint16_t ntasks_per_socket;
    uint32_t num_cpu_groups; /* cpu_groups is sent only when > 0 */
    struct flurm_cpu_groups cpu_groups;
    char *partition;
    uint64_t pn_min_memory;
    char *qos;
    char *resv_name;
    uint32_t select_plugin_id; /* before 23.02 only */
    char *tres_per_node;       /* 23.02+ */
    uint32_t uid;              /* 23.02+ */
    char *user_name;           /* 23.02+ */
    /* working_cluster_rec (federation) is always sent absent; a message
     * carrying one is refused. */
};

/* ---- steps ---------------------------------------------------------------- */

struct flurm_step_create_req {
    struct flurm_step_id step_id;
    uint32_t array_task_id; /* 23.02+ */
    uint32_t user_id;
    uint32_t min_nodes;
    uint32_t max_nodes;
    char *container;
    char *container_id; /* 23.02+ */
    uint32_t cpu_count;
    uint32_t cpu_freq_min;
    uint32_t cpu_freq_max;
    uint32_t cpu_freq_gov;
    uint32_t num_tasks;
    uint64_t pn_min_memory;
    uint32_t time_limit;
    uint16_t threads_per_core;
    uint16_t ntasks_per_core; /* 23.02+ */
    uint16_t relative;
    uint32_t task_dist;
    uint16_t plane_size;
    uint16_t port;
    uint16_t immediate;
    uint16_t resv_port_cnt;
    uint32_t srun_pid;
    uint32_t flags;
    char *host;
    char *name;
    char *network;
    char *node_list;
    char *exc_nodes;
    char *features;
    uint32_t step_het_comp_cnt;
    char *step_het_grps;
    char *cpus_per_tres;
    char *mem_per_tres;
    uint16_t ntasks_per_tres;
    char *submit_line;
    char *tres_bind;
    char *tres_freq;
    char *tres_per_step;
    char *tres_per_node;
    char *tres_per_socket;
    char *tres_per_task;
};

/* The task ids placed on one node of a step layout. */
struct flurm_task_ids {
    uint32_t *tids;
    uint32_t count;
};

struct flurm_step_layout {
    char *front_end;
    char *node_list;
    uint32_t node_cnt;
    uint16_t start_protocol_ver;
    uint32_t task_cnt;
    uint32_t task_dist;
    struct flurm_task_ids *tasks; /* node_cnt entries */
    uint16_t *cpt_compact_array;  /* 23.11+ */
    uint32_t cpt_compact_array_cnt;
    uint32_t *cpt_compact_reps; /* 23.11+ */
    uint32_t cpt_compact_reps_cnt;
    char *net_cred; /* 23.11+ */
};

/* A GRES state block of a credential (u16 count + records), kept as the
 * exact wire bytes: FLURM schedules no GRES, and the block's bytes are part
 * of what the credential signature covers.  len 0 = the empty block (u16 0). */
struct flurm_gres_block {
    void *data;
    uint32_t len;
};

/* Sent only when core_array_size > 0; each array has core_array_size items. */
struct flurm_cred_core_arrays {
    uint16_t *cores_per_socket;
    uint32_t cores_per_socket_cnt;
    uint16_t *sockets_per_node;
    uint32_t sockets_per_node_cnt;
    uint32_t *sock_core_rep_count;
    uint32_t sock_core_rep_count_cnt;
};

/* Sent only when its size member is > 0; arrays of that length. */
struct flurm_cred_cpu_arrays {
    uint16_t *cpu_array;
    uint32_t cpu_array_cnt;
    uint32_t *cpu_array_reps;
    uint32_t cpu_array_reps_cnt;
};

struct flurm_cred_mem_arrays {
    uint64_t *mem_alloc;
    uint32_t mem_alloc_cnt;
    uint32_t *rep_count;
    uint32_t rep_count_cnt;
};

/* The job credential (slurm_cred) fields that its signature covers. */
struct flurm_job_cred {
    struct flurm_step_id step_id;
    uint32_t uid;
    uint32_t gid;
    char *pw_name;
    char *pw_gecos;
    char *pw_dir;
    char *pw_shell;
    uint32_t *gids;
    uint32_t gids_cnt;
    char **gr_names; /* 0 or gids_cnt names */
    uint32_t gr_names_cnt;
    struct flurm_gres_block job_gres;
    struct flurm_gres_block step_gres;
    uint16_t job_core_spec;
    char *job_account;
    struct flurm_addr_array job_node_addrs; /* 23.11+ */
    char *job_alias_list;
    char *job_comment;
    char *job_constraints;
    time_t job_end_time;       /* 23.02+ */
    char *job_extra;           /* 23.02+ */
    uint16_t job_oversubscribe; /* 23.02+ */
    /* From 23.02 the sender may hide switch data behind this string's NUL;
     * the decoded string stops at the NUL, the raw bytes keep everything. */
    char *job_partition;
    char *job_reservation;
    uint16_t job_restart_cnt;
    time_t job_start_time; /* 23.02+ */
    char *job_std_err;
    char *job_std_in;
    char *job_std_out;
    char *step_hostlist;
    uint16_t x11;
    time_t ctime;
    uint32_t tot_core_cnt;
    struct flurm_bitstr job_core_bitmap;
    struct flurm_bitstr step_core_bitmap;
    uint16_t core_array_size;
    struct flurm_cred_core_arrays core_arrays;
    uint32_t cpu_array_count;
    struct flurm_cred_cpu_arrays cpu_arrays;
    uint32_t job_nhosts;
    uint32_t job_ntasks;
    char *job_hostlist;
    char *job_licenses; /* 23.02+ */
    uint32_t job_mem_alloc_size;
    struct flurm_cred_mem_arrays job_mem;
    uint32_t step_mem_alloc_size;
    struct flurm_cred_mem_arrays step_mem;
    char *selinux_context;
};

/*
 * A credential as it travels: the signed bytes, then `mem signature`.
 * Decoding fills `body` (for reading) AND keeps the signed bytes in `raw`,
 * because the signature covers exactly those bytes.  Encoding writes `raw`
 * when it is set (raw wins over body), otherwise packs `body`.  To build a
 * new credential: pack `body` with flurm_rec_job_cred into a buffer, munge
 * those bytes, put them in raw and the munge string (with its NUL) in
 * signature.  siglen 0 = unsigned.  raw is in the layout of the version it
 * was decoded at: clear it to re-encode `body` for another version.
 */
struct flurm_signed_cred {
    struct flurm_job_cred body;
    void *raw;
    uint32_t raw_len;
    void *signature;
    uint32_t siglen;
};

struct flurm_step_create_resp {
    uint32_t def_cpu_bind_type;
    char *resv_ports;
    uint32_t job_id; /* 23.02+ */
    uint32_t job_step_id;
    struct flurm_step_layout *step_layout; /* NULL = absent (u16 0) */
    struct flurm_signed_cred cred;
    uint32_t select_plugin_id; /* before 23.02 only */
    uint32_t switch_plugin_id; /* before 23.11 only */
    uint16_t use_protocol_ver;
};

struct flurm_tres_rec {
    uint64_t alloc_secs;
    uint64_t count;
    uint32_t id;
    char *name;
    char *type;
};

/* jobacctinfo as packed for PROTOCOL_TYPE_SLURM (u8 presence flag first). */
struct flurm_jobacct {
    uint64_t user_cpu_sec;
    uint32_t user_cpu_usec;
    uint64_t sys_cpu_sec;
    uint32_t sys_cpu_usec;
    uint32_t act_cpufreq;
    uint64_t consumed_energy;
    uint32_t *tres_ids;
    uint32_t tres_ids_cnt;
    struct flurm_tres_rec *tres_list; /* NULL = SLURM's NULL list */
    uint32_t tres_list_cnt;
    uint64_t *usage_in_max;
    uint32_t usage_in_max_cnt;
    uint64_t *usage_in_max_nodeid;
    uint32_t usage_in_max_nodeid_cnt;
    uint64_t *usage_in_max_taskid;
    uint32_t usage_in_max_taskid_cnt;
    uint64_t *usage_in_min;
    uint32_t usage_in_min_cnt;
    uint64_t *usage_in_min_nodeid;
    uint32_t usage_in_min_nodeid_cnt;
    uint64_t *usage_in_min_taskid;
    uint32_t usage_in_min_taskid_cnt;
    uint64_t *usage_in_tot;
    uint32_t usage_in_tot_cnt;
    uint64_t *usage_out_max;
    uint32_t usage_out_max_cnt;
    uint64_t *usage_out_max_nodeid;
    uint32_t usage_out_max_nodeid_cnt;
    uint64_t *usage_out_max_taskid;
    uint32_t usage_out_max_taskid_cnt;
    uint64_t *usage_out_min;
    uint32_t usage_out_min_cnt;
    uint64_t *usage_out_min_nodeid;
    uint32_t usage_out_min_nodeid_cnt;
    uint64_t *usage_out_min_taskid;
    uint32_t usage_out_min_taskid_cnt;
    uint64_t *usage_out_tot;
    uint32_t usage_out_tot_cnt;
};

/* REQUEST_JOB_STEP_INFO: step_id fields NO_VAL select all. */
struct flurm_job_step_info_req {
    time_t last_update;
    struct flurm_step_id step_id;
    uint16_t show_flags;
};

/* One step as squeue -s / scontrol show step / sstat see it. */
struct flurm_job_step_info {
    uint32_t array_job_id;
    uint32_t array_task_id;
    struct flurm_step_id step_id;
    uint32_t user_id;
    uint32_t num_cpus;
    uint32_t cpu_freq_min;
    uint32_t cpu_freq_max;
    uint32_t cpu_freq_gov;
    uint32_t num_tasks;
    uint32_t task_dist;
    uint32_t time_limit;
    uint32_t state;
    uint32_t srun_pid;
    time_t start_time;
    time_t run_time;
    char *cluster;
    char *container;
    char *container_id; /* 23.02+ */
    char *partition;
    char *srun_host;
    char *resv_ports;
    char *nodes;
    char *name;
    char *network;
    struct flurm_bitstr node_inx;
    uint32_t select_plugin_id; /* before 23.02 only */
    char *tres_alloc_str;
    uint16_t start_protocol_ver;
    char *cpus_per_tres;
    char *mem_per_tres;
    char *submit_line;
    char *tres_bind;
    char *tres_freq;
    char *tres_per_step;
    char *tres_per_node;
    char *tres_per_socket;
    char *tres_per_task;
};

struct flurm_job_step_info_msg {
    uint32_t step_count;
    time_t last_update;
    struct flurm_job_step_info *steps; /* step_count records */
};

/* ---- controller -> salloc/srun pushes ---------------------------------------- */

struct flurm_srun_timeout {
    struct flurm_step_id step_id;
    time_t timeout;
};

struct flurm_srun_node_fail {
    struct flurm_step_id step_id;
    char *nodelist;
};

struct flurm_srun_user_msg {
    uint32_t job_id;
    char *msg;
};

struct flurm_step_complete {
    struct flurm_step_id step_id;
    uint32_t range_first;
    uint32_t range_last;
    uint32_t step_rc;
    struct flurm_jobacct *jobacct; /* NULL = not gathered (u8 0) */
};

/* ---- the records (static tables, borrowed by everyone) -------------------- */

extern const struct flurm_record flurm_rec_addr;
extern const struct flurm_record flurm_rec_addr_array;
extern const struct flurm_record flurm_rec_multi_core;
extern const struct flurm_record flurm_rec_cron_entry;
extern const struct flurm_record flurm_rec_job_desc;
extern const struct flurm_record flurm_rec_job_resources;
extern const struct flurm_record flurm_rec_job_info;
extern const struct flurm_record flurm_rec_job_info_msg;
extern const struct flurm_record flurm_rec_job_array_resp;
extern const struct flurm_record flurm_rec_job_alloc_info;
extern const struct flurm_record flurm_rec_complete_job_alloc;
extern const struct flurm_record flurm_rec_resource_alloc_resp;
extern const struct flurm_record flurm_rec_step_create_req;
extern const struct flurm_record flurm_rec_step_layout;
extern const struct flurm_record flurm_rec_job_cred;
extern const struct flurm_record flurm_rec_signed_job_cred; /* credential + signature */
extern const struct flurm_record flurm_rec_step_create_resp;
extern const struct flurm_record flurm_rec_cpu_groups;
extern const struct flurm_record flurm_rec_tres_rec;
extern const struct flurm_record flurm_rec_jobacct;
extern const struct flurm_record flurm_rec_step_complete;
extern const struct flurm_record flurm_rec_job_step_info_req;
extern const struct flurm_record flurm_rec_job_step_info;
extern const struct flurm_record flurm_rec_job_step_info_msg;
extern const struct flurm_record flurm_rec_srun_timeout;
extern const struct flurm_record flurm_rec_srun_node_fail;
extern const struct flurm_record flurm_rec_srun_user_msg;

/* select_jobinfo as a custom field for any record that carries it: the u32
 * select plugin id at the field's member (JSON key: the field name), 0 packed
 * as cons_tres, ids other than cons_tres / cons_res / linear refused. */
extern const struct flurm_custom flurm_select_jobinfo;
/* The select_jobinfo field of a record that carried it before 23.02. */
#define FLURM_FLD_SELECT_JOBINFO(ST) \
    FLURM_FLD_CUSTOM_V(ST, select_plugin_id, flurm_select_jobinfo, 0, FLURM_PROTO_23_02)

/* The message types above, for the registry (wire/msg.h). */
extern const struct flurm_msg_body_table flurm_rec_job_bodies;

#endif
