/*
 * msg.h - the SLURM message types: their numbers in each protocol version,
 * their names, and the record that encodes each one's body.
 *
 * Numbers: no message type was ever renumbered between 22.05 and 23.11 (wire
 * doc section 6.2), so the canonical enum below uses the wire numbers; each
 * type also has the protocol version it appeared in, and the mapping
 * functions refuse a number the peer's version does not have.  Should a
 * later release renumber something, only the table in msg.c changes.
 *
 * Bodies: each wire/rec_*.c exports one struct flurm_msg_body_table naming
 * the records of the message types it implements (a type may have several
 * entries with disjoint version ranges).  msg.c lists those tables, one line
 * per file, and every lookup and test goes through them, so a new record is
 * plugged in by adding it to its file's table.  A type with no entry has no
 * record yet (the caller cannot decode its body); a message without a body
 * registers flurm_rec_empty.
 */
#ifndef FLURM_WIRE_MSG_H
#define FLURM_WIRE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "wire/record.h"

enum flurm_msg_type {
    FLURM_MSG_NONE = 0,
    FLURM_REQUEST_NODE_REGISTRATION_STATUS = 1001,
    FLURM_MESSAGE_NODE_REGISTRATION_STATUS = 1002,
    FLURM_REQUEST_RECONFIGURE = 1003,
    FLURM_REQUEST_RECONFIGURE_WITH_CONFIG = 1004,
    FLURM_REQUEST_SHUTDOWN = 1005,
    FLURM_REQUEST_RECONFIGURE_SACKD = 1006,
    FLURM_REQUEST_PING = 1008,
    FLURM_REQUEST_CONTROL = 1009,
    FLURM_REQUEST_SET_DEBUG_LEVEL = 1010,
    FLURM_REQUEST_HEALTH_CHECK = 1011,
    FLURM_REQUEST_TAKEOVER = 1012,
    FLURM_REQUEST_SET_SCHEDLOG_LEVEL = 1013,
    FLURM_REQUEST_SET_DEBUG_FLAGS = 1014,
    FLURM_REQUEST_REBOOT_NODES = 1015,
    FLURM_RESPONSE_PING_SLURMD = 1016,
    FLURM_REQUEST_ACCT_GATHER_UPDATE = 1017,
    FLURM_RESPONSE_ACCT_GATHER_UPDATE = 1018,
    FLURM_REQUEST_ACCT_GATHER_ENERGY = 1019,
    FLURM_RESPONSE_ACCT_GATHER_ENERGY = 1020,
    FLURM_REQUEST_LICENSE_INFO = 1021,
    FLURM_RESPONSE_LICENSE_INFO = 1022,
    FLURM_REQUEST_SET_FS_DAMPENING_FACTOR = 1023,
    FLURM_RESPONSE_NODE_REGISTRATION = 1024,
    FLURM_REQUEST_SET_SUSPEND_EXC_NODES = 1025,
    FLURM_REQUEST_SET_SUSPEND_EXC_PARTS = 1026,
    FLURM_REQUEST_SET_SUSPEND_EXC_STATES = 1027,
    FLURM_PERSIST_RC = 1433,
    FLURM_DBD_MESSAGES_END = 2000,
    FLURM_REQUEST_BUILD_INFO = 2001,
    FLURM_RESPONSE_BUILD_INFO = 2002,
    FLURM_REQUEST_JOB_INFO = 2003,
    FLURM_RESPONSE_JOB_INFO = 2004,
    FLURM_REQUEST_JOB_STEP_INFO = 2005,
    FLURM_RESPONSE_JOB_STEP_INFO = 2006,
    FLURM_REQUEST_NODE_INFO = 2007,
    FLURM_RESPONSE_NODE_INFO = 2008,
    FLURM_REQUEST_PARTITION_INFO = 2009,
    FLURM_RESPONSE_PARTITION_INFO = 2010,
    FLURM_REQUEST_JOB_ID = 2013,
    FLURM_RESPONSE_JOB_ID = 2014,
    FLURM_REQUEST_CONFIG = 2015,
    FLURM_RESPONSE_CONFIG = 2016,
    FLURM_REQUEST_TRIGGER_SET = 2017,
    FLURM_REQUEST_TRIGGER_GET = 2018,
    FLURM_REQUEST_TRIGGER_CLEAR = 2019,
    FLURM_RESPONSE_TRIGGER_GET = 2020,
    FLURM_REQUEST_JOB_INFO_SINGLE = 2021,
    FLURM_REQUEST_SHARE_INFO = 2022,
    FLURM_RESPONSE_SHARE_INFO = 2023,
    FLURM_REQUEST_RESERVATION_INFO = 2024,
    FLURM_RESPONSE_RESERVATION_INFO = 2025,
    FLURM_REQUEST_PRIORITY_FACTORS = 2026,
    FLURM_RESPONSE_PRIORITY_FACTORS = 2027,
    FLURM_REQUEST_TOPO_INFO = 2028,
    FLURM_RESPONSE_TOPO_INFO = 2029,
    FLURM_REQUEST_TRIGGER_PULL = 2030,
    FLURM_REQUEST_FRONT_END_INFO = 2031,
    FLURM_RESPONSE_FRONT_END_INFO = 2032,
    FLURM_REQUEST_STATS_INFO = 2035,
    FLURM_RESPONSE_STATS_INFO = 2036,
    FLURM_REQUEST_BURST_BUFFER_INFO = 2037,
    FLURM_RESPONSE_BURST_BUFFER_INFO = 2038,
    FLURM_REQUEST_JOB_USER_INFO = 2039,
    FLURM_REQUEST_NODE_INFO_SINGLE = 2040,
    FLURM_REQUEST_ASSOC_MGR_INFO = 2043,
    FLURM_RESPONSE_ASSOC_MGR_INFO = 2044,
    FLURM_REQUEST_FED_INFO = 2049,
    FLURM_RESPONSE_FED_INFO = 2050,
    FLURM_REQUEST_BATCH_SCRIPT = 2051,
    FLURM_RESPONSE_BATCH_SCRIPT = 2052,
    FLURM_REQUEST_CONTROL_STATUS = 2053,
    FLURM_RESPONSE_CONTROL_STATUS = 2054,
    FLURM_REQUEST_BURST_BUFFER_STATUS = 2055,
    FLURM_RESPONSE_BURST_BUFFER_STATUS = 2056,
    FLURM_REQUEST_JOB_STATE = 2057,
    FLURM_RESPONSE_JOB_STATE = 2058,
    FLURM_REQUEST_CRONTAB = 2200,
    FLURM_RESPONSE_CRONTAB = 2201,
    FLURM_REQUEST_UPDATE_CRONTAB = 2202,
    FLURM_RESPONSE_UPDATE_CRONTAB = 2203,
    FLURM_REQUEST_UPDATE_JOB = 3001,
    FLURM_REQUEST_UPDATE_NODE = 3002,
    FLURM_REQUEST_CREATE_PARTITION = 3003,
    FLURM_REQUEST_DELETE_PARTITION = 3004,
    FLURM_REQUEST_UPDATE_PARTITION = 3005,
    FLURM_REQUEST_CREATE_RESERVATION = 3006,
    FLURM_RESPONSE_CREATE_RESERVATION = 3007,
    FLURM_REQUEST_DELETE_RESERVATION = 3008,
    FLURM_REQUEST_UPDATE_RESERVATION = 3009,
    FLURM_REQUEST_UPDATE_FRONT_END = 3011,
    FLURM_REQUEST_DELETE_NODE = 3014,
    FLURM_REQUEST_CREATE_NODE = 3015,
    FLURM_REQUEST_NODE_ALIAS_ADDRS = 3016,
    FLURM_RESPONSE_NODE_ALIAS_ADDRS = 3017,
    FLURM_REQUEST_RESOURCE_ALLOCATION = 4001,
    FLURM_RESPONSE_RESOURCE_ALLOCATION = 4002,
    FLURM_REQUEST_SUBMIT_BATCH_JOB = 4003,
    FLURM_RESPONSE_SUBMIT_BATCH_JOB = 4004,
    FLURM_REQUEST_BATCH_JOB_LAUNCH = 4005,
    FLURM_REQUEST_CANCEL_JOB = 4006,
    FLURM_REQUEST_JOB_WILL_RUN = 4012,
    FLURM_RESPONSE_JOB_WILL_RUN = 4013,
    FLURM_REQUEST_JOB_ALLOCATION_INFO = 4014,
    FLURM_RESPONSE_JOB_ALLOCATION_INFO = 4015,
    FLURM_REQUEST_JOB_READY = 4019,
    FLURM_RESPONSE_JOB_READY = 4020,
    FLURM_REQUEST_JOB_END_TIME = 4021,
    FLURM_REQUEST_JOB_NOTIFY = 4022,
    FLURM_REQUEST_JOB_SBCAST_CRED = 4023,
    FLURM_RESPONSE_JOB_SBCAST_CRED = 4024,
    FLURM_REQUEST_HET_JOB_ALLOCATION = 4025,
    FLURM_RESPONSE_HET_JOB_ALLOCATION = 4026,
    FLURM_REQUEST_HET_JOB_ALLOC_INFO = 4027,
    FLURM_REQUEST_SUBMIT_BATCH_HET_JOB = 4028,
    FLURM_REQUEST_CTLD_MULT_MSG = 4500,
    FLURM_RESPONSE_CTLD_MULT_MSG = 4501,
    FLURM_REQUEST_SIB_MSG = 4502,
    FLURM_REQUEST_SIB_JOB_LOCK = 4503,
    FLURM_REQUEST_SIB_JOB_UNLOCK = 4504,
    FLURM_REQUEST_SEND_DEP = 4505,
    FLURM_REQUEST_UPDATE_ORIGIN_DEP = 4506,
    FLURM_REQUEST_JOB_STEP_CREATE = 5001,
    FLURM_RESPONSE_JOB_STEP_CREATE = 5002,
    FLURM_REQUEST_CANCEL_JOB_STEP = 5005,
    FLURM_REQUEST_UPDATE_JOB_STEP = 5007,
    FLURM_REQUEST_STEP_BY_CONTAINER_ID = 5008,
    FLURM_RESPONSE_STEP_BY_CONTAINER_ID = 5009,
    FLURM_REQUEST_SUSPEND = 5014,
    FLURM_REQUEST_STEP_COMPLETE = 5016,
    FLURM_REQUEST_COMPLETE_JOB_ALLOCATION = 5017,
    FLURM_REQUEST_COMPLETE_BATCH_SCRIPT = 5018,
    FLURM_REQUEST_JOB_STEP_STAT = 5019,
    FLURM_RESPONSE_JOB_STEP_STAT = 5020,
    FLURM_REQUEST_STEP_LAYOUT = 5021,
    FLURM_RESPONSE_STEP_LAYOUT = 5022,
    FLURM_REQUEST_JOB_REQUEUE = 5023,
    FLURM_REQUEST_DAEMON_STATUS = 5024,
    FLURM_RESPONSE_SLURMD_STATUS = 5025,
    FLURM_REQUEST_JOB_STEP_PIDS = 5027,
    FLURM_RESPONSE_JOB_STEP_PIDS = 5028,
    FLURM_REQUEST_FORWARD_DATA = 5029,
    FLURM_REQUEST_SUSPEND_INT = 5031,
    FLURM_REQUEST_KILL_JOB = 5032,
    FLURM_RESPONSE_JOB_ARRAY_ERRORS = 5034,
    FLURM_REQUEST_NETWORK_CALLERID = 5035,
    FLURM_RESPONSE_NETWORK_CALLERID = 5036,
    FLURM_REQUEST_TOP_JOB = 5038,
    FLURM_REQUEST_AUTH_TOKEN = 5039,
    FLURM_RESPONSE_AUTH_TOKEN = 5040,
    FLURM_REQUEST_KILL_JOBS = 5041,
    FLURM_RESPONSE_KILL_JOBS = 5042,
    FLURM_REQUEST_LAUNCH_TASKS = 6001,
    FLURM_RESPONSE_LAUNCH_TASKS = 6002,
    FLURM_MESSAGE_TASK_EXIT = 6003,
    FLURM_REQUEST_SIGNAL_TASKS = 6004,
    FLURM_REQUEST_TERMINATE_TASKS = 6006,
    FLURM_REQUEST_REATTACH_TASKS = 6007,
    FLURM_RESPONSE_REATTACH_TASKS = 6008,
    FLURM_REQUEST_KILL_TIMELIMIT = 6009,
    FLURM_REQUEST_TERMINATE_JOB = 6011,
    FLURM_MESSAGE_EPILOG_COMPLETE = 6012,
    FLURM_REQUEST_ABORT_JOB = 6013,
    FLURM_REQUEST_FILE_BCAST = 6014,
    FLURM_REQUEST_KILL_PREEMPTED = 6016,
    FLURM_REQUEST_LAUNCH_PROLOG = 6017,
    FLURM_REQUEST_COMPLETE_PROLOG = 6018,
    FLURM_RESPONSE_PROLOG_EXECUTING = 6019,
    FLURM_REQUEST_PERSIST_INIT = 6500,
    FLURM_SRUN_PING = 7001,
    FLURM_SRUN_TIMEOUT = 7002,
    FLURM_SRUN_NODE_FAIL = 7003,
    FLURM_SRUN_JOB_COMPLETE = 7004,
    FLURM_SRUN_USER_MSG = 7005,
    FLURM_SRUN_STEP_MISSING = 7007,
    FLURM_SRUN_REQUEST_SUSPEND = 7008,
    FLURM_SRUN_STEP_SIGNAL = 7009,
    FLURM_SRUN_NET_FORWARD = 7010,
    FLURM_PMI_KVS_PUT_REQ = 7201,
    FLURM_PMI_KVS_GET_REQ = 7203,
    FLURM_PMI_KVS_GET_RESP = 7204,
    FLURM_RESPONSE_SLURM_RC = 8001,
    FLURM_RESPONSE_SLURM_RC_MSG = 8002,
    FLURM_RESPONSE_SLURM_REROUTE_MSG = 8003,
    FLURM_RESPONSE_FORWARD_FAILED = 9001,
    FLURM_ACCOUNTING_UPDATE_MSG = 10001,
    FLURM_ACCOUNTING_FIRST_REG = 10002,
    FLURM_ACCOUNTING_REGISTER_CTLD = 10003,
    FLURM_ACCOUNTING_TRES_CHANGE_DB = 10004,
    FLURM_ACCOUNTING_NODES_CHANGE_DB = 10005,
    FLURM_SLURMSCRIPTD_REQUEST_FLUSH = 11001,
    FLURM_SLURMSCRIPTD_REQUEST_FLUSH_JOB = 11002,
    FLURM_SLURMSCRIPTD_REQUEST_RECONFIG = 11003,
    FLURM_SLURMSCRIPTD_REQUEST_RUN_SCRIPT = 11004,
    FLURM_SLURMSCRIPTD_REQUEST_SCRIPT_COMPLETE = 11005,
    FLURM_SLURMSCRIPTD_REQUEST_UPDATE_DEBUG_FLAGS = 11006,
    FLURM_SLURMSCRIPTD_REQUEST_UPDATE_LOG = 11007,
    FLURM_SLURMSCRIPTD_SHUTDOWN = 11008,
    FLURM_REQUEST_CONTAINER_START = 12001,
    FLURM_RESPONSE_CONTAINER_START = 12002,
    FLURM_REQUEST_CONTAINER_PTY = 12003,
    FLURM_RESPONSE_CONTAINER_PTY = 12004,
    FLURM_REQUEST_CONTAINER_EXEC = 12005,
    FLURM_RESPONSE_CONTAINER_EXEC = 12006,
    FLURM_REQUEST_CONTAINER_KILL = 12007,
    FLURM_RESPONSE_CONTAINER_KILL = 12008,
    FLURM_REQUEST_CONTAINER_DELETE = 12009,
    FLURM_RESPONSE_CONTAINER_DELETE = 12010,
    FLURM_REQUEST_CONTAINER_STATE = 12011,
    FLURM_RESPONSE_CONTAINER_STATE = 12012,
};

/* One message type's body record for protocol versions since <= v < until
 * (0 = unbounded, as for record fields). */
struct flurm_msg_body {
    uint16_t type; /* enum flurm_msg_type */
    uint16_t since;
    uint16_t until;
    const struct flurm_record *record;
};

/* What a rec_*.c file exports: its bodies, declared in its header as
 *   extern const struct flurm_msg_body_table flurm_rec_NAME_bodies;
 * and defined with FLURM_MSG_BODIES(flurm_rec_NAME_bodies, array). */
struct flurm_msg_body_table {
    const char *file; /* for error messages */
    const struct flurm_msg_body *bodies;
    size_t n;
};
#define FLURM_MSG_BODY(TYPE, REC) { .type = (TYPE), .record = &(REC) }
#define FLURM_MSG_BODY_V(TYPE, REC, SINCE, UNTIL) \
    { .type = (TYPE), .since = (SINCE), .until = (UNTIL), .record = &(REC) }
#define FLURM_MSG_BODIES(VAR, ARR) \
    const struct flurm_msg_body_table VAR = { __FILE__, ARR, sizeof(ARR) / sizeof((ARR)[0]) }

/* A record with no fields: the body of messages that carry none. */
extern const struct flurm_record flurm_rec_empty;

/* "REQUEST_PING" for 1008; NULL for a number no supported version knows.
 * Borrowed, static. */
const char *flurm_msg_name(uint16_t type);
/* The type named name ("REQUEST_PING"), or FLURM_MSG_NONE. */
enum flurm_msg_type flurm_msg_by_name(const char *name);
/* The canonical type of wire number `wire` as sent by a peer speaking
 * `version`; -1/ENOENT when that version has no such message. */
int flurm_msg_from_wire(uint16_t version, uint16_t wire, enum flurm_msg_type *type);
/* The wire number of type for a peer speaking version; -1/ENOENT when the
 * peer's version does not have it. */
int flurm_msg_to_wire(uint16_t version, enum flurm_msg_type type, uint16_t *wire);

/* The body record of type at version: borrowed, static; NULL with errno
 * ENOENT (unknown type) or ENOSYS (known, no record yet). */
const struct flurm_record *flurm_msg_body_record(uint16_t version, enum flurm_msg_type type);

/* Decode a whole body.  The body must be consumed exactly (section 1.5: no
 * missing and no trailing bytes).  Returns a malloc'ed struct of the body
 * record, owned by the caller (free with flurm_msg_body_destroy), and the
 * record in *rec (borrowed); NULL with errno ENOENT/ENOSYS as above, EBADMSG
 * for a malformed body (*err_field, when given, names the field; borrowed). */
void *flurm_msg_body_decode(uint16_t version, enum flurm_msg_type type, const void *body,
                            size_t len, const struct flurm_record **rec,
                            const char **err_field);
/* Append the body obj (borrowed) of type at version to b.  0 or -1/errno. */
int flurm_msg_body_encode(uint16_t version, enum flurm_msg_type type, const void *obj,
                          struct flurm_buf *b);
/* Free a body returned by flurm_msg_body_decode (NULL-safe). */
void flurm_msg_body_destroy(const struct flurm_record *rec, void *obj);

/* Every registered body entry, in table order, for tests and tools: entry i
 * (borrowed, static) and, in *file when given, the source that registered it;
 * NULL/ERANGE past the end. */
size_t flurm_msg_body_count(void);
const struct flurm_msg_body *flurm_msg_body_at(size_t i, const char **file);
/* Check the registry: every entry names a known type and a record, and no
 * two entries of one type overlap in version.  0, or -1/EEXIST or ENOENT
 * with a description of the first problem in err (caller's buffer). */
int flurm_msg_registry_check(char *err, size_t errlen);

#endif
