/*
 * msg.c - the message-type registry: numbers and names per protocol version
 * (from SLURM's slurm_msg_type_t at the 22.05.8, 23.02.8 and 23.11.11 tags;
 * DEFUNCT_* entries left out), and the body records that the wire/rec_*.c
 * files export.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/msg.h"
#include "wire/rec_generic.h"
#include "wire/rec_info.h"
#include "wire/rec_job.h"
#include "wire/rec_slurmd.h"
#include "wire/rec_step.h"

const struct flurm_record flurm_rec_empty = { "empty", 1, NULL, 0 };

/* One line per wire/rec_*.c file that exports bodies. */
static const struct flurm_msg_body_table *const body_tables[] = {
    &flurm_rec_generic_bodies,
    &flurm_rec_job_bodies,
    &flurm_rec_info_bodies,
    &flurm_rec_slurmd_bodies,
    &flurm_rec_step_bodies,
};
#define NTABLES (sizeof(body_tables) / sizeof(body_tables[0]))

struct msg_entry {
    uint16_t type;  /* canonical */
    uint16_t wire;  /* number on the wire for versions in [since, until) */
    uint16_t since; /* first protocol version that has it; 0 = all */
    uint16_t until;
    const char *name;
};

#define M(NAME, SINCE) { FLURM_##NAME, FLURM_##NAME, SINCE, 0, #NAME }

/* Sorted by wire number (binary search below). */
static const struct msg_entry entries[] = {
    M(REQUEST_NODE_REGISTRATION_STATUS, 0),
    M(MESSAGE_NODE_REGISTRATION_STATUS, 0),
    M(REQUEST_RECONFIGURE, 0),
    M(REQUEST_RECONFIGURE_WITH_CONFIG, 0),
    M(REQUEST_SHUTDOWN, 0),
    M(REQUEST_RECONFIGURE_SACKD, FLURM_PROTO_23_11),
    M(REQUEST_PING, 0),
    M(REQUEST_CONTROL, 0),
    M(REQUEST_SET_DEBUG_LEVEL, 0),
    M(REQUEST_HEALTH_CHECK, 0),
    M(REQUEST_TAKEOVER, 0),
    M(REQUEST_SET_SCHEDLOG_LEVEL, 0),
    M(REQUEST_SET_DEBUG_FLAGS, 0),
    M(REQUEST_REBOOT_NODES, 0),
    M(RESPONSE_PING_SLURMD, 0),
    M(REQUEST_ACCT_GATHER_UPDATE, 0),
    M(RESPONSE_ACCT_GATHER_UPDATE, 0),
    M(REQUEST_ACCT_GATHER_ENERGY, 0),
    M(RESPONSE_ACCT_GATHER_ENERGY, 0),
    M(REQUEST_LICENSE_INFO, 0),
    M(RESPONSE_LICENSE_INFO, 0),
    M(REQUEST_SET_FS_DAMPENING_FACTOR, 0),
    M(RESPONSE_NODE_REGISTRATION, 0),
    M(REQUEST_SET_SUSPEND_EXC_NODES, FLURM_PROTO_23_02),
    M(REQUEST_SET_SUSPEND_EXC_PARTS, FLURM_PROTO_23_02),
    M(REQUEST_SET_SUSPEND_EXC_STATES, FLURM_PROTO_23_02),
    M(PERSIST_RC, 0),
    M(DBD_MESSAGES_END, 0),
    M(REQUEST_BUILD_INFO, 0),
    M(RESPONSE_BUILD_INFO, 0),
    M(REQUEST_JOB_INFO, 0),
    M(RESPONSE_JOB_INFO, 0),
    M(REQUEST_JOB_STEP_INFO, 0),
    M(RESPONSE_JOB_STEP_INFO, 0),
    M(REQUEST_NODE_INFO, 0),
    M(RESPONSE_NODE_INFO, 0),
    M(REQUEST_PARTITION_INFO, 0),
    M(RESPONSE_PARTITION_INFO, 0),
    M(REQUEST_JOB_ID, 0),
    M(RESPONSE_JOB_ID, 0),
    M(REQUEST_CONFIG, 0),
    M(RESPONSE_CONFIG, 0),
    M(REQUEST_TRIGGER_SET, 0),
    M(REQUEST_TRIGGER_GET, 0),
    M(REQUEST_TRIGGER_CLEAR, 0),
    M(RESPONSE_TRIGGER_GET, 0),
    M(REQUEST_JOB_INFO_SINGLE, 0),
    M(REQUEST_SHARE_INFO, 0),
    M(RESPONSE_SHARE_INFO, 0),
    M(REQUEST_RESERVATION_INFO, 0),
    M(RESPONSE_RESERVATION_INFO, 0),
    M(REQUEST_PRIORITY_FACTORS, 0),
    M(RESPONSE_PRIORITY_FACTORS, 0),
    M(REQUEST_TOPO_INFO, 0),
    M(RESPONSE_TOPO_INFO, 0),
    M(REQUEST_TRIGGER_PULL, 0),
    M(REQUEST_FRONT_END_INFO, 0),
    M(RESPONSE_FRONT_END_INFO, 0),
    M(REQUEST_STATS_INFO, 0),
    M(RESPONSE_STATS_INFO, 0),
    M(REQUEST_BURST_BUFFER_INFO, 0),
    M(RESPONSE_BURST_BUFFER_INFO, 0),
    M(REQUEST_JOB_USER_INFO, 0),
    M(REQUEST_NODE_INFO_SINGLE, 0),
    M(REQUEST_ASSOC_MGR_INFO, 0),
    M(RESPONSE_ASSOC_MGR_INFO, 0),
    M(REQUEST_FED_INFO, 0),
    M(RESPONSE_FED_INFO, 0),
    M(REQUEST_BATCH_SCRIPT, 0),
    M(RESPONSE_BATCH_SCRIPT, 0),
    M(REQUEST_CONTROL_STATUS, 0),
    M(RESPONSE_CONTROL_STATUS, 0),
    M(REQUEST_BURST_BUFFER_STATUS, 0),
    M(RESPONSE_BURST_BUFFER_STATUS, 0),
    M(REQUEST_JOB_STATE, FLURM_PROTO_23_11),
    M(RESPONSE_JOB_STATE, FLURM_PROTO_23_11),
    M(REQUEST_CRONTAB, 0),
    M(RESPONSE_CRONTAB, 0),
    M(REQUEST_UPDATE_CRONTAB, 0),
    M(RESPONSE_UPDATE_CRONTAB, 0),
    M(REQUEST_UPDATE_JOB, 0),
    M(REQUEST_UPDATE_NODE, 0),
    M(REQUEST_CREATE_PARTITION, 0),
    M(REQUEST_DELETE_PARTITION, 0),
    M(REQUEST_UPDATE_PARTITION, 0),
    M(REQUEST_CREATE_RESERVATION, 0),
    M(RESPONSE_CREATE_RESERVATION, 0),
    M(REQUEST_DELETE_RESERVATION, 0),
    M(REQUEST_UPDATE_RESERVATION, 0),
    M(REQUEST_UPDATE_FRONT_END, 0),
    M(REQUEST_DELETE_NODE, 0),
    M(REQUEST_CREATE_NODE, 0),
    M(REQUEST_NODE_ALIAS_ADDRS, FLURM_PROTO_23_11),
    M(RESPONSE_NODE_ALIAS_ADDRS, FLURM_PROTO_23_11),
    M(REQUEST_RESOURCE_ALLOCATION, 0),
    M(RESPONSE_RESOURCE_ALLOCATION, 0),
    M(REQUEST_SUBMIT_BATCH_JOB, 0),
    M(RESPONSE_SUBMIT_BATCH_JOB, 0),
    M(REQUEST_BATCH_JOB_LAUNCH, 0),
    M(REQUEST_CANCEL_JOB, 0),
    M(REQUEST_JOB_WILL_RUN, 0),
    M(RESPONSE_JOB_WILL_RUN, 0),
    M(REQUEST_JOB_ALLOCATION_INFO, 0),
    M(RESPONSE_JOB_ALLOCATION_INFO, 0),
    M(REQUEST_JOB_READY, 0),
    M(RESPONSE_JOB_READY, 0),
    M(REQUEST_JOB_END_TIME, 0),
    M(REQUEST_JOB_NOTIFY, 0),
    M(REQUEST_JOB_SBCAST_CRED, 0),
    M(RESPONSE_JOB_SBCAST_CRED, 0),
    M(REQUEST_HET_JOB_ALLOCATION, 0),
    M(RESPONSE_HET_JOB_ALLOCATION, 0),
    M(REQUEST_HET_JOB_ALLOC_INFO, 0),
    M(REQUEST_SUBMIT_BATCH_HET_JOB, 0),
    M(REQUEST_CTLD_MULT_MSG, 0),
    M(RESPONSE_CTLD_MULT_MSG, 0),
    M(REQUEST_SIB_MSG, 0),
    M(REQUEST_SIB_JOB_LOCK, 0),
    M(REQUEST_SIB_JOB_UNLOCK, 0),
    M(REQUEST_SEND_DEP, 0),
    M(REQUEST_UPDATE_ORIGIN_DEP, 0),
    M(REQUEST_JOB_STEP_CREATE, 0),
    M(RESPONSE_JOB_STEP_CREATE, 0),
    M(REQUEST_CANCEL_JOB_STEP, 0),
    M(REQUEST_UPDATE_JOB_STEP, 0),
    M(REQUEST_STEP_BY_CONTAINER_ID, FLURM_PROTO_23_02),
    M(RESPONSE_STEP_BY_CONTAINER_ID, FLURM_PROTO_23_02),
    M(REQUEST_SUSPEND, 0),
    M(REQUEST_STEP_COMPLETE, 0),
    M(REQUEST_COMPLETE_JOB_ALLOCATION, 0),
    M(REQUEST_COMPLETE_BATCH_SCRIPT, 0),
    M(REQUEST_JOB_STEP_STAT, 0),
    M(RESPONSE_JOB_STEP_STAT, 0),
    M(REQUEST_STEP_LAYOUT, 0),
    M(RESPONSE_STEP_LAYOUT, 0),
    M(REQUEST_JOB_REQUEUE, 0),
    M(REQUEST_DAEMON_STATUS, 0),
    M(RESPONSE_SLURMD_STATUS, 0),
    M(REQUEST_JOB_STEP_PIDS, 0),
    M(RESPONSE_JOB_STEP_PIDS, 0),
    M(REQUEST_FORWARD_DATA, 0),
    M(REQUEST_SUSPEND_INT, 0),
    M(REQUEST_KILL_JOB, 0),
    M(RESPONSE_JOB_ARRAY_ERRORS, 0),
    M(REQUEST_NETWORK_CALLERID, 0),
    M(RESPONSE_NETWORK_CALLERID, 0),
    M(REQUEST_TOP_JOB, 0),
    M(REQUEST_AUTH_TOKEN, 0),
    M(RESPONSE_AUTH_TOKEN, 0),
    M(REQUEST_KILL_JOBS, FLURM_PROTO_23_11),
    M(RESPONSE_KILL_JOBS, FLURM_PROTO_23_11),
    M(REQUEST_LAUNCH_TASKS, 0),
    M(RESPONSE_LAUNCH_TASKS, 0),
    M(MESSAGE_TASK_EXIT, 0),
    M(REQUEST_SIGNAL_TASKS, 0),
    M(REQUEST_TERMINATE_TASKS, 0),
    M(REQUEST_REATTACH_TASKS, 0),
    M(RESPONSE_REATTACH_TASKS, 0),
    M(REQUEST_KILL_TIMELIMIT, 0),
    M(REQUEST_TERMINATE_JOB, 0),
    M(MESSAGE_EPILOG_COMPLETE, 0),
    M(REQUEST_ABORT_JOB, 0),
    M(REQUEST_FILE_BCAST, 0),
    M(REQUEST_KILL_PREEMPTED, 0),
    M(REQUEST_LAUNCH_PROLOG, 0),
    M(REQUEST_COMPLETE_PROLOG, 0),
    M(RESPONSE_PROLOG_EXECUTING, 0),
    M(REQUEST_PERSIST_INIT, 0),
    M(SRUN_PING, 0),
    M(SRUN_TIMEOUT, 0),
    M(SRUN_NODE_FAIL, 0),
    M(SRUN_JOB_COMPLETE, 0),
    M(SRUN_USER_MSG, 0),
    M(SRUN_STEP_MISSING, 0),
    M(SRUN_REQUEST_SUSPEND, 0),
    M(SRUN_STEP_SIGNAL, 0),
    M(SRUN_NET_FORWARD, 0),
    M(PMI_KVS_PUT_REQ, 0),
    M(PMI_KVS_GET_REQ, 0),
    M(PMI_KVS_GET_RESP, 0),
    M(RESPONSE_SLURM_RC, 0),
    M(RESPONSE_SLURM_RC_MSG, 0),
    M(RESPONSE_SLURM_REROUTE_MSG, 0),
    M(RESPONSE_FORWARD_FAILED, 0),
    M(ACCOUNTING_UPDATE_MSG, 0),
    M(ACCOUNTING_FIRST_REG, 0),
    M(ACCOUNTING_REGISTER_CTLD, 0),
    M(ACCOUNTING_TRES_CHANGE_DB, 0),
    M(ACCOUNTING_NODES_CHANGE_DB, 0),
    M(SLURMSCRIPTD_REQUEST_FLUSH, 0),
    M(SLURMSCRIPTD_REQUEST_FLUSH_JOB, 0),
    M(SLURMSCRIPTD_REQUEST_RECONFIG, 0),
    M(SLURMSCRIPTD_REQUEST_RUN_SCRIPT, 0),
    M(SLURMSCRIPTD_REQUEST_SCRIPT_COMPLETE, 0),
    M(SLURMSCRIPTD_REQUEST_UPDATE_DEBUG_FLAGS, 0),
    M(SLURMSCRIPTD_REQUEST_UPDATE_LOG, 0),
    M(SLURMSCRIPTD_SHUTDOWN, 0),
    M(REQUEST_CONTAINER_START, FLURM_PROTO_23_02),
    M(RESPONSE_CONTAINER_START, FLURM_PROTO_23_02),
    M(REQUEST_CONTAINER_PTY, FLURM_PROTO_23_02),
    M(RESPONSE_CONTAINER_PTY, FLURM_PROTO_23_02),
    M(REQUEST_CONTAINER_EXEC, FLURM_PROTO_23_02),
    M(RESPONSE_CONTAINER_EXEC, FLURM_PROTO_23_02),
    M(REQUEST_CONTAINER_KILL, FLURM_PROTO_23_02),
    M(RESPONSE_CONTAINER_KILL, FLURM_PROTO_23_02),
    M(REQUEST_CONTAINER_DELETE, FLURM_PROTO_23_02),
    M(RESPONSE_CONTAINER_DELETE, FLURM_PROTO_23_02),
    M(REQUEST_CONTAINER_STATE, FLURM_PROTO_23_02),
    M(RESPONSE_CONTAINER_STATE, FLURM_PROTO_23_02),
};
#define NENTRIES (sizeof(entries) / sizeof(entries[0]))

static bool in_range(uint16_t since, uint16_t until, uint16_t v)
{
    return since <= v && (until == 0 || v < until);
}

/* The entry whose wire number is wire and that exists at version v. */
static const struct msg_entry *by_wire(uint16_t wire, uint16_t v)
{
    size_t lo = 0, hi = NENTRIES;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (entries[mid].wire < wire)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < NENTRIES && entries[lo].wire == wire; lo++)
        if (in_range(entries[lo].since, entries[lo].until, v))
            return &entries[lo];
    return NULL;
}

static const struct msg_entry *by_type(uint16_t type)
{
    for (size_t i = 0; i < NENTRIES; i++)
        if (entries[i].type == type)
            return &entries[i];
    return NULL;
}

const char *flurm_msg_name(uint16_t type)
{
    const struct msg_entry *e = by_type(type);

    return e ? e->name : NULL;
}

enum flurm_msg_type flurm_msg_by_name(const char *name)
{
    if (!name)
        return FLURM_MSG_NONE;
    for (size_t i = 0; i < NENTRIES; i++)
        if (!strcmp(entries[i].name, name))
            return (enum flurm_msg_type)entries[i].type;
    return FLURM_MSG_NONE;
}

int flurm_msg_from_wire(uint16_t version, uint16_t wire, enum flurm_msg_type *type)
{
    const struct msg_entry *e = by_wire(wire, version);

    if (!e) {
        *type = FLURM_MSG_NONE;
        errno = ENOENT;
        return -1;
    }
    *type = (enum flurm_msg_type)e->type;
    return 0;
}

int flurm_msg_to_wire(uint16_t version, enum flurm_msg_type type, uint16_t *wire)
{
    for (size_t i = 0; i < NENTRIES; i++) {
        const struct msg_entry *e = &entries[i];
        if (e->type == type && in_range(e->since, e->until, version)) {
            *wire = e->wire;
            return 0;
        }
    }
    *wire = 0;
    errno = ENOENT;
    return -1;
}

const struct flurm_record *flurm_msg_body_record(uint16_t version, enum flurm_msg_type type)
{
    if (!by_type(type)) {
        errno = ENOENT;
        return NULL;
    }
    for (size_t t = 0; t < NTABLES; t++) {
        const struct flurm_msg_body_table *tab = body_tables[t];
        for (size_t i = 0; i < tab->n; i++) {
            const struct flurm_msg_body *b = &tab->bodies[i];
            if (b->type == type && in_range(b->since, b->until, version))
                return b->record;
        }
    }
    errno = ENOSYS;
    return NULL;
}

void *flurm_msg_body_decode(uint16_t version, enum flurm_msg_type type, const void *body,
                            size_t len, const struct flurm_record **rec,
                            const char **err_field)
{
    const struct flurm_record *r = flurm_msg_body_record(version, type);
    struct flurm_buf *b = NULL;
    void *obj = NULL;

    if (err_field)
        *err_field = NULL;
    if (rec)
        *rec = r;
    if (!r)
        return NULL;
    if (!(b = flurm_buf_view(body, len)) || !(obj = malloc(r->size)))
        goto error;
    if (flurm_record_unpack(r, obj, b, version, err_field) < 0)
        goto error;
    if (flurm_buf_remaining(b) != 0) {
        /* Section 1.5: trailing bytes are an error, not padding. */
        flurm_record_free(r, obj);
        if (err_field)
            *err_field = "(trailing bytes)";
        errno = EBADMSG;
        goto error;
    }
    flurm_buf_destroy(b);
    return obj;
error:
    {
        int saved = errno;
        free(obj);
        flurm_buf_destroy(b);
        errno = saved;
    }
    return NULL;
}

int flurm_msg_body_encode(uint16_t version, enum flurm_msg_type type, const void *obj,
                          struct flurm_buf *b)
{
    const struct flurm_record *r = flurm_msg_body_record(version, type);

    if (!r)
        return -1;
    return flurm_record_pack(r, obj, b, version);
}

void flurm_msg_body_destroy(const struct flurm_record *rec, void *obj)
{
    if (!obj)
        return;
    if (rec)
        flurm_record_free(rec, obj);
    free(obj);
}

size_t flurm_msg_body_count(void)
{
    size_t n = 0;

    for (size_t t = 0; t < NTABLES; t++)
        n += body_tables[t]->n;
    return n;
}

const struct flurm_msg_body *flurm_msg_body_at(size_t i, const char **file)
{
    for (size_t t = 0; t < NTABLES; t++) {
        if (i < body_tables[t]->n) {
            if (file)
                *file = body_tables[t]->file;
            return &body_tables[t]->bodies[i];
        }
        i -= body_tables[t]->n;
    }
    errno = ERANGE;
    return NULL;
}

/* Two half-open version ranges (0 = unbounded) intersect. */
static bool overlap(const struct flurm_msg_body *a, const struct flurm_msg_body *b)
{
    uint32_t a_end = a->until ? a->until : 0x10000, b_end = b->until ? b->until : 0x10000;

    return a->since < b_end && b->since < a_end;
}

int flurm_msg_registry_check(char *err, size_t errlen)
{
    size_t n = flurm_msg_body_count();

    for (size_t i = 0; i < n; i++) {
        const char *fi, *fj;
        const struct flurm_msg_body *a = flurm_msg_body_at(i, &fi);
        if (!by_type(a->type) || !a->record) {
            snprintf(err, errlen, "%s: entry %zu: unknown type %u or no record", fi, i,
                     a->type);
            errno = ENOENT;
            return -1;
        }
        for (size_t j = i + 1; j < n; j++) {
            const struct flurm_msg_body *b = flurm_msg_body_at(j, &fj);
            if (a->type == b->type && overlap(a, b)) {
                snprintf(err, errlen, "%s (%s) registered twice: %s and %s",
                         flurm_msg_name(a->type), a->record->name, fi, fj);
                errno = EEXIST;
                return -1;
            }
        }
    }
    return 0;
}
