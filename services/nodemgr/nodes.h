/*
 * nodes.h - the node manager's state machine: the cluster's node and
 * partition tables as slurmctld 22.05 keeps them, and the answers sinfo,
 * scontrol show node|partition and scontrol update NodeName=... get.
 *
 * Nothing here talks to the network or reads the clock: every entry point
 * takes the time it happens at (the request's stamped time, or the loop's
 * now), so the tables can run under a simulated clock and replay.  A node's
 * state is changed only by these messages:
 *
 *   config         nodes_create()         slurm.conf's NodeName / PartitionName
 *   restore        nodes_restore()        admin state persisted by the store
 *   admin update   nodes_update()         scontrol update NodeName=...
 *   ping round     nodes_ping_round()     who must be contacted, who is dead
 *   ping result    nodes_ping_answered()  a node answered (slurmctld's node_did_resp)
 *                  nodes_ping_failed()    a node did not answer
 *   registration   nodes_register()       slurmd said hello (validate_node_specs)
 *   allocation     nodes_set_alloc()      a job holds (or released) CPUs
 *
 * The node table is in slurmctld's order (node names in natural order), so
 * that node_inx bitmaps and the positions of blank records match.  Replies
 * are the JSON forms of the wire records (wire/rec_info.h), keyed exactly as
 * the record tables name the fields.
 *
 * Return convention of the request entry points: 0 on success, a SLURM
 * error number (> 0, NODES_E*) for an answer SLURM gives as a return code,
 * or -1 with errno for a failure of FLURM itself (ENOMEM, EINVAL for a
 * message that is not the record it should be).
 */
#ifndef FLURM_NODEMGR_NODES_H
#define FLURM_NODEMGR_NODES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/slurmconf.h"

/* node_state: base state in the low 4 bits, flags above (slurm.h). */
#define NODES_STATE_UNKNOWN 0u
#define NODES_STATE_DOWN 1u
#define NODES_STATE_IDLE 2u
#define NODES_STATE_ALLOCATED 3u
#define NODES_STATE_ERROR 4u
#define NODES_STATE_MIXED 5u
#define NODES_STATE_FUTURE 6u
#define NODES_STATE_BASE 0x0000000fu
#define NODES_STATE_FLAGS 0xfffffff0u
#define NODES_STATE_UNDRAIN 0x00000040u /* request only: clear DRAIN */
#define NODES_STATE_CLOUD 0x00000080u
#define NODES_RESUME 0x00000100u /* request only: back to service */
#define NODES_STATE_DRAIN 0x00000200u
#define NODES_STATE_COMPLETING 0x00000400u
#define NODES_STATE_NO_RESPOND 0x00000800u
#define NODES_STATE_POWERED_DOWN 0x00001000u
#define NODES_STATE_FAIL 0x00002000u
#define NODES_STATE_POWERING_UP 0x00004000u
#define NODES_STATE_MAINT 0x00008000u
#define NODES_STATE_REBOOT_REQUESTED 0x00010000u
#define NODES_STATE_REBOOT_CANCEL 0x00020000u
#define NODES_STATE_POWERING_DOWN 0x00040000u
#define NODES_STATE_REBOOT_ISSUED 0x00100000u
#define NODES_STATE_INVALID_REG 0x00400000u
#define NODES_STATE_POWER_DOWN 0x00800000u
#define NODES_STATE_POWER_UP 0x01000000u
#define NODES_STATE_POWER_DRAIN 0x02000000u

/* show_flags of the information requests (slurm.h). */
#define NODES_SHOW_ALL 0x0001u
#define NODES_SHOW_DETAIL 0x0002u
#define NODES_SHOW_FUTURE 0x0080u

/* The SLURM return codes these tables answer with (slurm_errno.h). */
enum {
    NODES_ENO_SUCH_NODE = 2,             /* ENOENT: registration of a node not in slurm.conf */
    NODES_EINVALID_REG = 22,             /* EINVAL: a node reporting less than configured */
    NODES_NO_CHANGE_IN_DATA = 1900,      /* SLURM_NO_CHANGE_IN_DATA */
    NODES_EACCESS_DENIED = 2002,         /* ESLURM_ACCESS_DENIED */
    NODES_EUSER_ID_MISSING = 2010,       /* ESLURM_USER_ID_MISSING: not an admin */
    NODES_EINVALID_NODE_NAME = 2018,     /* ESLURM_INVALID_NODE_NAME */
    NODES_EINVALID_NODE_STATE = 2028,    /* ESLURM_INVALID_NODE_STATE */
    NODES_ENOT_SUPPORTED = 2036,         /* ESLURM_NOT_SUPPORTED */
};

/* The reason slurmctld gives a node it set DOWN for silence. */
#define NODES_REASON_NOT_RESPONDING "Not responding"

struct nodes;

/* Is `uid` a member of the Unix group `group` (borrowed)?  Used for
 * partitions' AllowGroups; the service resolves it with NSS, tests fake
 * it. */
typedef bool (*nodes_group_fn)(uid_t uid, const char *group, void *arg);

/* Build the tables from a loaded slurm.conf (borrowed for the call only:
 * everything needed is copied).  `now` is the start time: the tables'
 * last-change time until something changes.  NULL and errno (ENOMEM,
 * EINVAL if the configuration has no node). Caller destroys. */
struct nodes *nodes_create(const struct flurm_slurmconf *conf, time_t now);

/* NULL-safe. */
void nodes_destroy(struct nodes *n);

/* Set the AllowGroups resolver (without one, a user belongs to no
 * group). */
void nodes_set_group_fn(struct nodes *n, nodes_group_fn fn, void *arg);

/* ---- reading the tables --------------------------------------------------- */

size_t nodes_count(const struct nodes *n);
size_t nodes_partition_count(const struct nodes *n);

/* Position of node `name` (borrowed) in the table, or -1 with ENOENT. */
ssize_t nodes_find(const struct nodes *n, const char *name);

/* Borrowed views of node i (i < nodes_count()); strings may be NULL. */
const char *nodes_name(const struct nodes *n, size_t i);
uint32_t nodes_state(const struct nodes *n, size_t i);
const char *nodes_reason(const struct nodes *n, size_t i);
uint32_t nodes_reason_uid(const struct nodes *n, size_t i);
time_t nodes_reason_time(const struct nodes *n, size_t i);

/* When the node / partition table last changed (the time of the message
 * that changed it). */
time_t nodes_last_node_update(const struct nodes *n);
time_t nodes_last_part_update(const struct nodes *n);

/* SlurmUser's uid: with root, the only administrator. */
uid_t nodes_slurm_user(const struct nodes *n);

/* `state` as slurmctld names it: "IDLE", "DOWN+DRAIN", "UNKNOWN+NOT_RESPONDING"
 * (base state, then the flags this module knows).  Written to buf (always
 * NUL-terminated); returns buf. */
const char *nodes_state_text(uint32_t state, char *buf, size_t len);

/* ---- requests from clients (through the gateway) ----------------------------- */

/* REQUEST_NODE_INFO: `msg` (borrowed) is {last_update, show_flags}; uid is
 * the requester's (munge).  On 0, *reply is the node_info_msg JSON (new
 * reference, caller owns) with `now` as its last_update.  Answers
 * NODES_NO_CHANGE_IN_DATA when msg.last_update - 1 >= the table's last
 * change, NODES_EACCESS_DENIED under PrivateData=nodes for a non-operator. */
int nodes_node_info(const struct nodes *n, uid_t uid, const json_t *msg, time_t now,
                    json_t **reply);

/* REQUEST_NODE_INFO_SINGLE: `msg` (borrowed) is {node_name, show_flags};
 * the reply holds that one node, or no record if it is unknown or hidden
 * (never NO_CHANGE).  Same ownership as nodes_node_info(). */
int nodes_node_info_single(const struct nodes *n, uid_t uid, const json_t *msg, time_t now,
                           json_t **reply);

/* REQUEST_PARTITION_INFO: as nodes_node_info() for partition_info_msg;
 * hidden partitions and those whose AllowGroups exclude a non-operator are
 * left out unless SHOW_ALL. */
int nodes_partition_info(const struct nodes *n, uid_t uid, const json_t *msg, time_t now,
                         json_t **reply);

/* REQUEST_UPDATE_NODE from `uid` at `now`: `msg` (borrowed) is the
 * update_node record JSON.  Only root and SlurmUser may
 * (NODES_EUSER_ID_MISSING).  Nodes are taken in SLURM's sorted order and
 * processing stops at the first unknown one (NODES_EINVALID_NODE_NAME),
 * so earlier nodes keep their change, as with slurmctld.  The positions of
 * nodes whose state, reason or comment changed go to *changed (malloc'ed,
 * caller frees; NULL when none) and their number to *nchanged, on success
 * and on partial failure alike. */
int nodes_update(struct nodes *n, uid_t uid, const json_t *msg, time_t now, size_t **changed,
                 size_t *nchanged);

/* ---- persistence and events ------------------------------------------------ */

/* The durable part of node i: {name, state, reason, reason_uid,
 * reason_time}, state as nodes_state_text() of the base state and the
 * DRAIN / FAIL flags.  This is the body of the store's "node.state_set".
 * New reference, or NULL and ENOMEM. */
json_t *nodes_admin_record(const struct nodes *n, size_t i);

/* The body of a "node.changed" event for node i: the admin record plus
 * node_state (the full state word).  New reference, or NULL and ENOMEM. */
json_t *nodes_event_body(const struct nodes *n, size_t i);

/* Apply records of nodes_admin_record()'s shape (the store's
 * "node.state_list" reply: an array, borrowed) at start-up: the stored base
 * state (DOWN, FUTURE, IDLE, UNKNOWN; anything else reads as UNKNOWN), the
 * DRAIN and FAIL flags, and the reason with its uid and time replace what
 * slurm.conf said.  Records of nodes no longer configured, or malformed,
 * are skipped and counted in *skipped (may be NULL).  Returns the number
 * applied, or -1 and EINVAL if `records` is not an array. */
int nodes_restore(struct nodes *n, const json_t *records, time_t now, size_t *skipped);

/* ---- talking to slurmd -------------------------------------------------- */

/* Seconds between ping rounds: SlurmdTimeout / 3 in whole seconds (at
 * least 1), or 100 without a SlurmdTimeout (slurmctld's rule). */
double nodes_ping_interval(const struct nodes *n);

/* How a ping round wants a node contacted. */
enum nodes_contact {
    NODES_CONTACT_PING,     /* REQUEST_PING: is slurmd alive, what is its load */
    NODES_CONTACT_REGISTER, /* REQUEST_NODE_REGISTRATION_STATUS: register again */
};

/* Start a ping round at `now`, as slurmctld's ping_nodes:
 *  - a node whose last answer is not after the previous round's time minus
 *    that round's SlurmdTimeout goes DOWN "Not responding" (reason by
 *    SlurmUser unless it has another reason; NOT_RESPONDING kept, so sinfo
 *    shows `down*`); never with SlurmdTimeout=0, never a node never heard
 *    of;
 *  - fn(i, NODES_CONTACT_REGISTER, arg) for nodes that must register (see
 *    nodes_wants_registration()) and, in turn, TreeWidth nodes about every
 *    20th round (how a DOWN "Not responding" node is found again);
 *  - fn(i, NODES_CONTACT_PING, arg) for the others that are NOT_RESPONDING
 *    or silent for SlurmdTimeout/3, or whose load is older than
 *    SlurmdTimeout, except DOWN nodes that are NOT_RESPONDING.
 * FUTURE, powered-down, INVALID_REG and rebooting nodes are left alone;
 * with SlurmdTimeout=0 so are nodes neither UNKNOWN nor NOT_RESPONDING,
 * except in the first round.  fn may be NULL.  Returns how many nodes
 * changed state. */
size_t nodes_ping_round(struct nodes *n, time_t now,
                        void (*fn)(size_t i, enum nodes_contact how, void *arg), void *arg);

/* A ping or registration request sent to node i at `sent` got no answer
 * (slurmctld's node_not_resp), noticed at `now`: the node gets
 * NOT_RESPONDING, unless it answered since `sent` or is powered down.
 * `slurmd_replied`: slurmd did answer, only not with success (an error
 * code): it is alive, so its last response moves to sent - 1 and the
 * SlurmdTimeout clock does not run out.  Returns 1 if the state changed,
 * else 0. */
int nodes_ping_failed(struct nodes *n, size_t i, time_t sent, bool slurmd_replied, time_t now);

/* Node i answered a ping or a registration request at `now` (slurmctld's
 * node_did_resp): NOT_RESPONDING is cleared, an UNKNOWN node becomes IDLE,
 * and a DOWN node returns to service as ReturnToService says (2: always;
 * 1: only when its reason is "Not responding"; 0: never), unless its last
 * registration was invalid.  A node back in service loses its reason.
 * `cpu_load` / `free_mem` are the load the answer carried (RESPONSE_PING_
 * SLURMD), NO_VAL / NO_VAL64 when it carried none.  FUTURE nodes are left
 * alone.  Returns 1 if the state word changed, else 0. */
int nodes_ping_answered(struct nodes *n, size_t i, uint32_t cpu_load, uint64_t free_mem,
                        time_t now);

/* Whether the next contact with node i must be a registration request
 * (REQUEST_NODE_REGISTRATION_STATUS) rather than a ping, as slurmctld's
 * ping_nodes decides: its state is UNKNOWN, or it has not registered since
 * this process started or since an admin's RESUME / UNDRAIN ("boot_time
 * == 0"). */
bool nodes_wants_registration(const struct nodes *n, size_t i);

/* When node i last answered (0: never).  For a caller deciding whether a
 * failed request is stale: an answer after the request was sent wins. */
time_t nodes_last_response(const struct nodes *n, size_t i);

/* Where node i's slurmd listens: NodeAddr (borrowed) and Port. */
const char *nodes_addr(const struct nodes *n, size_t i);
uint16_t nodes_port(const struct nodes *n, size_t i);

/* A node's hardware: what slurm.conf says, or what slurmd reported. */
struct nodes_hardware {
    uint16_t cpus;
    uint16_t boards;
    uint16_t sockets; /* in total, all boards */
    uint16_t cores;   /* per socket */
    uint16_t threads; /* per core */
    uint64_t real_memory; /* MB */
    uint32_t tmp_disk;    /* MB */
};

/* What a slurmd reports when it registers (MESSAGE_NODE_REGISTRATION_STATUS);
 * strings borrowed for the call. */
struct nodes_registration {
    time_t slurmd_start_time;
    uint32_t up_time;   /* seconds */
    uint32_t status;    /* a slurmd start-up error, 0 when none */
    const char *version;
    const char *arch;
    const char *os;
    struct nodes_hardware hw;
    uint32_t cpu_load;  /* x 100 */
    uint64_t free_mem;  /* MB */
    uint32_t job_count; /* steps running on the node */
};

/* The slurmd of node i registered at `now` (slurmctld's
 * validate_jobs_on_node + validate_node_specs).  Recorded: the reported
 * hardware, boot time (now - up_time), slurmd start time, version, arch,
 * OS and load.  Then, as slurmctld:
 *  - hardware below slurm.conf (socket*core*thread count, CPUs, RealMemory
 *    under 100% of the configured value, or under node_reg_mem_percent of
 *    SlurmctldParameters, 90% for CLOUD nodes; TmpDisk), unless
 *    SlurmdParameters has config_overrides: the node gets INVALID_REG and,
 *    unless DOWN, DRAIN or FAIL already, DRAIN with SLURM's reason
 *    ("Low RealMemory (reported:X < 100.00% of configured:Y)", ...) by
 *    SlurmUser; the answer is NODES_EINVALID_REG;
 *  - a prolog / job environment failure at slurmd start drains the node
 *    ("Prolog error", "Job env setup error");
 *  - otherwise NOT_RESPONDING and INVALID_REG are cleared, an UNKNOWN or
 *    FUTURE node becomes IDLE, a DOWN node returns to service per
 *    ReturnToService (2: always; 1: when DOWN for "Not responding" and not
 *    rebooted since), and a node that rebooted since its last answer while
 *    ReturnToService is not 2 goes DOWN "Node unexpectedly rebooted".
 * A DRAIN flag and its reason are kept.  Returns 0, NODES_EINVALID_REG, or
 * -1 and ENOMEM. */
int nodes_registered(struct nodes *n, size_t i, const struct nodes_registration *reg,
                     time_t now);

/* MESSAGE_NODE_REGISTRATION_STATUS from `uid` at `now`: `msg` (borrowed)
 * is the node_registration record JSON.  Only root and SlurmUser may
 * register (NODES_EUSER_ID_MISSING, as slurmctld's validate_slurm_user); a
 * node_name slurm.conf does not have is NODES_ENO_SUCH_NODE; then as
 * nodes_registered().  *node is the node's position, or -1 when no node
 * was touched.  -1 and EINVAL for a msg that is not that record. */
int nodes_register(struct nodes *n, uid_t uid, const json_t *msg, time_t now, ssize_t *node);

/* Node i's hardware as slurmd last reported it, or NULL if it has not
 * registered since start.  Borrowed, valid until the next registration. */
const struct nodes_hardware *nodes_reported_hardware(const struct nodes *n, size_t i);

/* The body of RESPONSE_NODE_REGISTRATION (the node_reg_resp record JSON):
 * the cluster's TRES as slurmctld counts them without accounting, cpu
 * (effective CPUs), mem (configured MB), energy, node, billing, fs/disk,
 * vmem, pages, with ids 1-8.  slurmd launches nothing before it has this
 * list.  New reference, or NULL and ENOMEM. */
json_t *nodes_reg_resp(const struct nodes *n);

/* A job allocation changed what node i has in use: alloc_cpus CPUs and
 * alloc_memory MB (0 and 0: the node is free again).  An IDLE node becomes
 * ALLOCATED and back; DOWN / FUTURE nodes keep their base state.  Returns 1
 * if the state word changed, else 0. */
int nodes_set_alloc(struct nodes *n, size_t i, uint16_t alloc_cpus, uint64_t alloc_memory,
                    time_t now);

/* Whether a job is completing on node i (slurmctld's make_node_comp: the
 * COMPLETING flag until every such job's epilog came; sinfo's `comp`).
 * Returns 1 if the state word changed, else 0. */
int nodes_set_completing(struct nodes *n, size_t i, bool completing, time_t now);

/* Node i's configured CPUs, sockets (all boards) and cores per socket
 * (slurm.conf, after SLURM's inference). */
uint16_t nodes_cpus(const struct nodes *n, size_t i);
void nodes_shape(const struct nodes *n, size_t i, uint16_t *sockets, uint16_t *cores_per_socket);

#endif
