/*
 * test_register.c - what slurmd's registration does to a node
 * (services/nodemgr/nodes.h: nodes_register, nodes_registered,
 * nodes_ping_answered, nodes_reg_resp), each test one rule of slurmctld
 * 22.05's validate_node_specs / node_did_resp: unknown -> idle, drain
 * kept, hardware below slurm.conf drains with SLURM's reason, DOWN and
 * ReturnToService, unexpected reboots, who may register, and the TRES
 * list slurmd waits for.
 *
 * The captures are test/vectors/slurm-22.05/slurmd_startup (a real
 * slurmd 22.05.8 registering with a real slurmctld).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/nodemgr/nodes.h"
#include "test/wire/capture.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/rec_slurmd.h"

#define T0 1795642000 /* start of the simulated clock */
#define ROOT 0
#define NOBODY 65534 /* SlurmUser=nobody in the tests that need another admin */
#define USER 1000
#define NO_VAL 0xfffffffeu
#define NO_VAL64 0xfffffffffffffffeull

static struct flurm_slurmconf *conf;
static struct nodes *n;

static struct flurm_slurmconf *load_text(const char *text)
{
    char path[] = "/tmp/flurm-test-register.XXXXXX", err[256];
    struct flurm_slurmconf *c;
    int fd = mkstemp(path);
    FILE *f;

    ck_assert_int_ge(fd, 0);
    ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
    fputs(text, f);
    fclose(f);
    c = flurm_slurmconf_load(path, err, sizeof(err));
    unlink(path);
    ck_assert_msg(c != NULL, "slurm.conf: %s", err);
    return c;
}

/* A cluster of the test's own; SlurmUser is nobody so that the uid a
 * reason is recorded with tells SlurmUser from root. */
static void make(const char *lines)
{
    char text[4096];

    snprintf(text, sizeof(text), "ClusterName=t\nSlurmctldHost=h\nSlurmUser=nobody\n%s", lines);
    flurm_slurmconf_destroy(conf);
    conf = load_text(text);
    nodes_destroy(n);
    ck_assert_ptr_nonnull(n = nodes_create(conf, T0));
}

static void teardown(void)
{
    nodes_destroy(n);
    n = NULL;
    flurm_slurmconf_destroy(conf);
    conf = NULL;
}

static size_t idx(const char *name)
{
    ssize_t i = nodes_find(n, name);

    ck_assert_msg(i >= 0, "node %s", name);
    return (size_t)i;
}

/* The registration record JSON the gateway forwards, for hardware of
 * `sockets` x `cores` x 1 thread. */
static json_t *registration(const char *name, uint16_t sockets, uint16_t cores, uint64_t mem,
                            uint32_t tmp, uint32_t up_time)
{
    struct flurm_node_registration r = {
        .timestamp = T0,
        .slurmd_start_time = T0 - 50,
        .hostname = (char *)name,
        .node_name = (char *)name,
        .arch = "x86_64",
        .os = "Linux 6.1.0",
        .cpus = (uint16_t)(sockets * cores),
        .boards = 1,
        .sockets = sockets,
        .cores = cores,
        .threads = 1,
        .real_memory = mem,
        .tmp_disk = tmp,
        .up_time = up_time,
        .hash_val = NO_VAL,
        .cpu_load = 12,
        .free_mem = 3000,
        .flags = FLURM_SLURMD_REG_FLAG_RESP,
        .version = "22.05.8",
    };
    json_t *j = flurm_record_to_json(&flurm_rec_node_registration, &r);

    ck_assert_ptr_nonnull(j);
    return j;
}

/* Register `msg` (taken) as `uid` at `now`. */
static int reg(uid_t uid, json_t *msg, time_t now, ssize_t *node)
{
    ssize_t ignored;
    int rc = nodes_register(n, uid, msg, now, node ? node : &ignored);

    json_decref(msg);
    return rc;
}

static void set_int(json_t *msg, const char *key, json_int_t v)
{
    ck_assert_int_eq(json_object_set_new(msg, key, json_integer(v)), 0);
}

static int update(const char *names, uint32_t state, const char *reason, time_t now)
{
    json_t *msg = json_pack("{s:s, s:I, s:s?}", "node_names", names, "node_state",
                            (json_int_t)state, "reason", reason);
    size_t *changed = NULL, nchanged = 0;
    int rc = nodes_update(n, ROOT, msg, now, &changed, &nchanged);

    json_decref(msg);
    free(changed);
    return rc;
}

static void fail_ping(size_t i, enum nodes_contact how, void *arg)
{
    (void)how;
    nodes_ping_failed(n, i, *(time_t *)arg, false, *(time_t *)arg);
}

static void count_ping(size_t i, enum nodes_contact how, void *arg)
{
    (void)i;
    (void)how;
    (*(int *)arg)++;
}

static json_t *node_rec(const char *name)
{
    json_t *msg = json_pack("{s:s, s:i}", "node_name", name, "show_flags", 0), *reply = NULL, *rec;

    ck_assert_int_eq(nodes_node_info_single(n, ROOT, msg, T0 + 1000, &reply), 0);
    rec = json_incref(json_array_get(json_object_get(reply, "nodes"), 0));
    ck_assert_ptr_nonnull(rec);
    json_decref(reply);
    json_decref(msg);
    return rec;
}

static json_int_t rec_int(const json_t *rec, const char *key)
{
    const json_t *j = json_object_get(rec, key);

    ck_assert_msg(json_is_integer(j), "%s is not an integer", key);
    return json_integer_value(j);
}

/* A captured frame's body as its record JSON. */
static json_t *capture_json(const char *file)
{
    struct flurm_msg_parts p;
    const struct flurm_record *rec;
    enum flurm_msg_type type;
    size_t len;
    uint8_t *frame = capture_load(file, &len);
    void *obj;
    json_t *j;

    ck_assert_msg(frame != NULL, "capture %s", file);
    ck_assert_int_eq(flurm_msg_split(&p, frame + 4, len - 4), 0);
    ck_assert_int_eq(flurm_msg_from_wire(p.hdr.version, p.hdr.msg_type, &type), 0);
    ck_assert_ptr_nonnull(
        obj = flurm_msg_body_decode(p.hdr.version, type, p.body, p.body_len, &rec, NULL));
    ck_assert_ptr_nonnull(j = flurm_record_to_json(rec, obj));
    flurm_msg_body_destroy(rec, obj);
    flurm_msg_parts_free(&p);
    free(frame);
    return j;
}

/* ---- unknown -> idle ---------------------------------------------------------------- */

START_TEST(an_unknown_node_that_registers_becomes_idle_with_what_slurmd_reported)
{
    time_t t = T0 + 3;
    ssize_t node;
    json_t *rec;
    const struct nodes_hardware *hw;

    make("NodeName=vm CPUs=2 RealMemory=4000\nPartitionName=p Nodes=ALL\n");
    nodes_ping_round(n, t, fail_ping, &t);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_UNKNOWN | NODES_STATE_NO_RESPOND);
    ck_assert_ptr_null(nodes_reported_hardware(n, 0));

    ck_assert_int_eq(reg(ROOT, registration("vm", 1, 4, 8000, 900, 3600), T0 + 5, &node), 0);
    ck_assert_int_eq(node, 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    rec = node_rec("vm");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "version")), "22.05.8");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "arch")), "x86_64");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "os")), "Linux 6.1.0");
    ck_assert_int_eq(rec_int(rec, "boot_time"), T0 + 5 - 3600);
    ck_assert_int_eq(rec_int(rec, "slurmd_start_time"), T0 - 50);
    ck_assert_int_eq(rec_int(rec, "last_busy"), T0 + 5);
    ck_assert_int_eq(rec_int(rec, "cpu_load"), 12);
    ck_assert_int_eq(rec_int(rec, "free_mem"), 3000);
    /* slurmctld reports slurm.conf's hardware; slurmd's is kept apart */
    ck_assert_int_eq(rec_int(rec, "cpus"), 2);
    ck_assert_int_eq(rec_int(rec, "real_memory"), 4000);
    json_decref(rec);
    ck_assert_ptr_nonnull(hw = nodes_reported_hardware(n, 0));
    ck_assert_int_eq(hw->cpus, 4);
    ck_assert_int_eq(hw->cores, 4);
    ck_assert_int_eq(hw->real_memory, 8000);
    ck_assert_int_eq(hw->tmp_disk, 900);
    ck_assert_int_eq(nodes_last_node_update(n), T0 + 5);
}
END_TEST

START_TEST(the_registration_a_real_slurmd_sent_is_accepted)
{
    const struct nodes_hardware *hw;
    json_t *msg;

    make("NodeName=vm CPUs=2 RealMemory=4000\nPartitionName=p Nodes=ALL\n");
    msg = capture_json("slurmd_startup/001-c2s-MESSAGE_NODE_REGISTRATION_STATUS.hex");
    ck_assert_int_eq(reg(ROOT, msg, T0, NULL), 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    ck_assert_ptr_nonnull(hw = nodes_reported_hardware(n, 0));
    ck_assert_int_eq(hw->cpus, 2);
    ck_assert_int_eq(hw->boards, 1);
    ck_assert_int_eq(hw->sockets, 1);
    ck_assert_int_eq(hw->cores, 2);
    ck_assert_int_eq(hw->threads, 1);
    ck_assert_int_eq(hw->real_memory, 24105);
    ck_assert_int_eq(hw->tmp_disk, 258019);
}
END_TEST

START_TEST(a_future_node_that_registers_becomes_idle)
{
    make("NodeName=f1 CPUs=1 State=FUTURE\nPartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("f1", 1, 1, 1, 0, 60), T0, NULL), 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
}
END_TEST

/* ---- who may register --------------------------------------------------------------- */

START_TEST(only_root_and_slurm_user_may_register)
{
    ssize_t node;

    make("NodeName=vm CPUs=1\nPartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(USER, registration("vm", 1, 1, 1, 0, 60), T0 + 1, &node),
                     NODES_EUSER_ID_MISSING);
    ck_assert_int_eq(node, -1);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_UNKNOWN);
    ck_assert_int_eq(nodes_last_node_update(n), T0);
    ck_assert_int_eq(reg(NOBODY, registration("vm", 1, 1, 1, 0, 60), T0 + 2, NULL), 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
}
END_TEST

START_TEST(a_node_slurm_conf_does_not_have_is_no_such_node_and_changes_nothing)
{
    ssize_t node;

    make("NodeName=vm CPUs=1\nPartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("nosuch", 1, 1, 1, 0, 60), T0 + 1, &node),
                     NODES_ENO_SUCH_NODE);
    ck_assert_int_eq(node, -1);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_UNKNOWN);
    ck_assert_int_eq(nodes_last_node_update(n), T0);
}
END_TEST

START_TEST(a_message_that_is_not_a_registration_is_einval)
{
    json_t *msg;

    make("NodeName=vm CPUs=1\nPartitionName=p Nodes=ALL\n");
    msg = registration("vm", 1, 1, 1, 0, 60);
    json_object_del(msg, "cpus");
    errno = 0;
    ck_assert_int_eq(reg(ROOT, msg, T0, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_UNKNOWN);
}
END_TEST

/* ---- drain kept ----------------------------------------------------------------------- */

START_TEST(a_drained_node_stays_drained_with_its_reason)
{
    json_t *rec;

    make("NodeName=c1 CPUs=1 State=DRAIN Reason=\"bad fan\"\nNodeName=a1 CPUs=1 State=IDLE\n"
         "PartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("c1", 1, 1, 1, 0, 60), T0 + 1, NULL), 0);
    ck_assert_int_eq(nodes_state(n, idx("c1")), NODES_STATE_IDLE | NODES_STATE_DRAIN);
    ck_assert_str_eq(nodes_reason(n, idx("c1")), "bad fan");

    ck_assert_int_eq(update("a1", NODES_STATE_DRAIN, "maint", T0 + 2), 0);
    ck_assert_int_eq(reg(ROOT, registration("a1", 1, 1, 1, 0, 60), T0 + 3, NULL), 0);
    ck_assert_int_eq(nodes_state(n, idx("a1")), NODES_STATE_IDLE | NODES_STATE_DRAIN);
    rec = node_rec("a1");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "reason")), "maint");
    ck_assert_int_eq(rec_int(rec, "reason_uid"), ROOT);
    ck_assert_int_eq(rec_int(rec, "reason_time"), T0 + 2);
    json_decref(rec);
}
END_TEST

/* ---- hardware below slurm.conf ------------------------------------------------------- */

START_TEST(low_real_memory_drains_with_slurmctlds_exact_reason)
{
    ssize_t node;
    json_t *rec;

    make("NodeName=vm CPUs=2 RealMemory=4000\nPartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("vm", 1, 2, 3999, 0, 60), T0 + 7, &node),
                     NODES_EINVALID_REG);
    ck_assert_int_eq(node, 0);
    /* as Debian's slurmctld 22.05.8 shows it: UNKNOWN+DRAIN+INVALID_REG */
    ck_assert_int_eq(nodes_state(n, 0),
                     NODES_STATE_UNKNOWN | NODES_STATE_DRAIN | NODES_STATE_INVALID_REG);
    rec = node_rec("vm");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "reason")),
                     "Low RealMemory (reported:3999 < 100.00% of configured:4000)");
    ck_assert_int_eq(rec_int(rec, "reason_uid"), NOBODY);
    ck_assert_int_eq(rec_int(rec, "reason_time"), T0 + 7);
    /* slurmd's facts are recorded all the same */
    ck_assert_int_eq(rec_int(rec, "slurmd_start_time"), T0 - 50);
    json_decref(rec);
}
END_TEST

START_TEST(every_shortfall_is_named_in_slurmctlds_order)
{
    make("NodeName=big Sockets=2 CoresPerSocket=2 ThreadsPerCore=2 RealMemory=1000 TmpDisk=100\n"
         "PartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("big", 1, 2, 500, 10, 60), T0, NULL),
                     NODES_EINVALID_REG);
    ck_assert_str_eq(nodes_reason(n, 0),
                     "Low socket*core*thread count, Low CPUs, Low RealMemory (reported:500 < "
                     "100.00% of configured:1000), Low TmpDisk");
}
END_TEST

START_TEST(more_hardware_than_configured_is_fine)
{
    make("NodeName=vm CPUs=2 RealMemory=4000 TmpDisk=10\nPartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("vm", 2, 8, 64000, 100000, 60), T0, NULL), 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    ck_assert_ptr_null(nodes_reason(n, 0));
}
END_TEST

START_TEST(node_reg_mem_percent_sets_how_much_memory_is_enough)
{
    make("SlurmctldParameters=enable_configless,node_reg_mem_percent=80\n"
         "NodeName=a1,a2 CPUs=1 RealMemory=4000\nPartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("a1", 1, 1, 3300, 0, 60), T0, NULL), 0);
    ck_assert_int_eq(nodes_state(n, idx("a1")), NODES_STATE_IDLE);
    ck_assert_int_eq(reg(ROOT, registration("a2", 1, 1, 3100, 0, 60), T0, NULL),
                     NODES_EINVALID_REG);
    ck_assert_str_eq(nodes_reason(n, idx("a2")),
                     "Low RealMemory (reported:3100 < 80.00% of configured:4000)");
}
END_TEST

START_TEST(cloud_nodes_need_90_percent_of_their_memory)
{
    make("NodeName=c1,c2 CPUs=1 RealMemory=1000 State=CLOUD\nPartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("c1", 1, 1, 900, 0, 60), T0, NULL), 0);
    ck_assert_int_eq(nodes_state(n, idx("c1")), NODES_STATE_IDLE | NODES_STATE_CLOUD);
    ck_assert_int_eq(reg(ROOT, registration("c2", 1, 1, 899, 0, 60), T0, NULL),
                     NODES_EINVALID_REG);
    ck_assert_str_eq(nodes_reason(n, idx("c2")),
                     "Low RealMemory (reported:899 < 90.00% of configured:1000)");
}
END_TEST

START_TEST(config_overrides_accepts_whatever_slurmd_reports)
{
    make("SlurmdParameters=config_overrides\nNodeName=vm CPUs=8 RealMemory=4000 TmpDisk=9\n"
         "PartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("vm", 1, 1, 1, 0, 60), T0, NULL), 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
}
END_TEST

START_TEST(an_invalid_node_waits_for_a_good_registration_before_it_can_be_resumed)
{
    int pinged = 0;

    make("NodeName=vm CPUs=2 RealMemory=4000\nPartitionName=p Nodes=ALL\n");
    reg(ROOT, registration("vm", 1, 2, 100, 0, 60), T0, NULL);
    /* not contacted, and RESUME is refused (slurmctld: INVAL -> RESUME) */
    nodes_ping_round(n, T0 + 3, count_ping, &pinged);
    ck_assert_int_eq(pinged, 0);
    ck_assert_int_eq(update("vm", NODES_RESUME, NULL, T0 + 4), NODES_EINVALID_NODE_STATE);
    ck_assert(nodes_state(n, 0) & NODES_STATE_INVALID_REG);
    /* slurmd restarted on better hardware: valid, yet still drained */
    ck_assert_int_eq(reg(ROOT, registration("vm", 1, 2, 4000, 0, 60), T0 + 10, NULL), 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE | NODES_STATE_DRAIN);
    ck_assert_str_eq(nodes_reason(n, 0),
                     "Low RealMemory (reported:100 < 100.00% of configured:4000)");
    ck_assert_int_eq(update("vm", NODES_RESUME, NULL, T0 + 11), 0);
    ck_assert_int_eq(nodes_state(n, 0) & ~NODES_STATE_NO_RESPOND, NODES_STATE_IDLE);
}
END_TEST

START_TEST(a_down_node_with_low_memory_is_invalid_but_not_drained)
{
    make("ReturnToService=2\nNodeName=vm CPUs=1 RealMemory=4000 State=DOWN Reason=dead\n"
         "PartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("vm", 1, 1, 10, 0, 60), T0, NULL),
                     NODES_EINVALID_REG);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_DOWN | NODES_STATE_INVALID_REG);
    ck_assert_str_eq(nodes_reason(n, 0), "dead");
}
END_TEST

START_TEST(a_prolog_failure_at_slurmd_start_drains_the_node)
{
    json_t *msg;

    make("NodeName=a1,a2 CPUs=1\nPartitionName=p Nodes=ALL\n");
    msg = registration("a1", 1, 1, 1, 0, 60);
    set_int(msg, "status", 4022); /* ESLURMD_PROLOG_FAILED */
    ck_assert_int_eq(reg(ROOT, msg, T0, NULL), 0);
    ck_assert_int_eq(nodes_state(n, idx("a1")), NODES_STATE_UNKNOWN | NODES_STATE_DRAIN);
    ck_assert_str_eq(nodes_reason(n, idx("a1")), "Prolog error");
    msg = registration("a2", 1, 1, 1, 0, 60);
    set_int(msg, "status", 4014); /* ESLURMD_SETUP_ENVIRONMENT_ERROR */
    reg(ROOT, msg, T0, NULL);
    ck_assert_str_eq(nodes_reason(n, idx("a2")), "Job env setup error");
}
END_TEST

/* ---- DOWN and ReturnToService ----------------------------------------------------------- */

START_TEST(return_to_service_2_brings_any_down_node_back)
{
    make("ReturnToService=2\nNodeName=vm CPUs=1 State=DOWN Reason=dead\nPartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("vm", 1, 1, 1, 0, 60), T0, NULL), 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    ck_assert_ptr_null(nodes_reason(n, 0));
}
END_TEST

START_TEST(return_to_service_0_keeps_a_down_node_down)
{
    make("ReturnToService=0\nSlurmdTimeout=30\nNodeName=vm CPUs=1 State=DOWN Reason=dead\n"
         "NodeName=id1 CPUs=1 State=IDLE\nPartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(reg(ROOT, registration("vm", 1, 1, 1, 0, 60), T0, NULL), 0);
    ck_assert_int_eq(nodes_state(n, idx("vm")), NODES_STATE_DOWN);
    ck_assert_str_eq(nodes_reason(n, idx("vm")), "dead");
}
END_TEST

START_TEST(return_to_service_1_brings_back_only_nodes_down_for_not_responding)
{
    time_t t;
    size_t id1;

    make("ReturnToService=1\nSlurmdTimeout=30\nNodeName=dn1 CPUs=1 State=DOWN Reason=admin\n"
         "NodeName=id1 CPUs=1 State=IDLE\nPartitionName=p Nodes=ALL\n");
    id1 = idx("id1");
    /* id1 is resumed, never answers, goes DOWN "Not responding" */
    ck_assert_int_eq(update("id1", NODES_STATE_DRAIN, "d", T0 + 1), 0);
    ck_assert_int_eq(update("id1", NODES_RESUME, NULL, T0 + 2), 0);
    for (t = T0 + 13; t <= T0 + 50; t += 10)
        nodes_ping_round(n, t, fail_ping, &t);
    ck_assert_int_eq(nodes_state(n, id1) & NODES_STATE_BASE, NODES_STATE_DOWN);
    ck_assert_str_eq(nodes_reason(n, id1), "Not responding");
    ck_assert_int_eq(reg(ROOT, registration("id1", 1, 1, 1, 0, 3600), T0 + 60, NULL), 0);
    ck_assert_int_eq(nodes_state(n, id1), NODES_STATE_IDLE);
    ck_assert_ptr_null(nodes_reason(n, id1));
    /* an admin's DOWN stays */
    ck_assert_int_eq(reg(ROOT, registration("dn1", 1, 1, 1, 0, 3600), T0 + 60, NULL), 0);
    ck_assert_int_eq(nodes_state(n, idx("dn1")), NODES_STATE_DOWN);
    ck_assert_str_eq(nodes_reason(n, idx("dn1")), "admin");
}
END_TEST

START_TEST(a_node_that_rebooted_unnoticed_goes_down_unless_return_to_service_is_2)
{
    json_t *rec;

    make("ReturnToService=1\nNodeName=vm CPUs=1\nPartitionName=p Nodes=ALL\n");
    reg(ROOT, registration("vm", 1, 1, 1, 0, 3600), T0 + 5, NULL);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    /* booted at T0 + 90, after it last answered (T0 + 5) */
    ck_assert_int_eq(reg(ROOT, registration("vm", 1, 1, 1, 0, 10), T0 + 100, NULL), 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_DOWN);
    rec = node_rec("vm");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "reason")),
                     "Node unexpectedly rebooted");
    ck_assert_int_eq(rec_int(rec, "reason_uid"), NOBODY);
    json_decref(rec);

    make("ReturnToService=2\nNodeName=vm CPUs=1\nPartitionName=p Nodes=ALL\n");
    reg(ROOT, registration("vm", 1, 1, 1, 0, 3600), T0 + 5, NULL);
    reg(ROOT, registration("vm", 1, 1, 1, 0, 10), T0 + 100, NULL);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
}
END_TEST

/* ---- answers to registration requests ------------------------------------------------- */

START_TEST(an_answer_makes_an_unknown_node_idle_and_responding)
{
    time_t t = T0 + 3;
    json_t *rec;

    make("NodeName=vm CPUs=1\nNodeName=f1 CPUs=1 State=FUTURE\nPartitionName=p Nodes=ALL\n");
    nodes_ping_round(n, t, fail_ping, &t);
    ck_assert_int_eq(nodes_ping_answered(n, idx("vm"), 155, 23369, T0 + 4), 1);
    ck_assert_int_eq(nodes_state(n, idx("vm")), NODES_STATE_IDLE);
    ck_assert_int_eq(nodes_last_response(n, idx("vm")), T0 + 4);
    rec = node_rec("vm");
    ck_assert_int_eq(rec_int(rec, "cpu_load"), 155);
    json_decref(rec);
    /* FUTURE nodes are not there yet, whatever answers */
    ck_assert_int_eq(nodes_ping_answered(n, idx("f1"), NO_VAL, NO_VAL64, T0 + 4), 0);
    ck_assert_int_eq(nodes_state(n, idx("f1")), NODES_STATE_FUTURE);
}
END_TEST

START_TEST(an_answer_returns_a_down_node_per_return_to_service_unless_invalid)
{
    make("ReturnToService=2\nNodeName=a1,a2 CPUs=1 RealMemory=100 State=DOWN Reason=x\n"
         "PartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(nodes_ping_answered(n, idx("a1"), NO_VAL, NO_VAL64, T0), 1);
    ck_assert_int_eq(nodes_state(n, idx("a1")), NODES_STATE_IDLE);
    reg(ROOT, registration("a2", 1, 1, 1, 0, 60), T0, NULL);
    ck_assert_int_eq(nodes_ping_answered(n, idx("a2"), NO_VAL, NO_VAL64, T0 + 1), 0);
    ck_assert_int_eq(nodes_state(n, idx("a2")), NODES_STATE_DOWN | NODES_STATE_INVALID_REG);
}
END_TEST

START_TEST(a_node_must_register_when_unknown_new_or_resumed)
{
    make("NodeName=a1,a2 CPUs=1 State=IDLE\nPartitionName=p Nodes=ALL\n");
    /* nothing heard since start: even an IDLE node must register */
    ck_assert(nodes_wants_registration(n, idx("a1")));
    nodes_ping_answered(n, idx("a1"), NO_VAL, NO_VAL64, T0 + 1);
    ck_assert(nodes_wants_registration(n, idx("a1")));
    reg(ROOT, registration("a1", 1, 1, 1, 0, 60), T0 + 2, NULL);
    ck_assert(!nodes_wants_registration(n, idx("a1")));
    /* an admin's RESUME makes it register again */
    update("a1", NODES_STATE_DRAIN, "d", T0 + 3);
    update("a1", NODES_RESUME, NULL, T0 + 4);
    ck_assert(nodes_wants_registration(n, idx("a1")));
    ck_assert(nodes_state(n, idx("a1")) & NODES_STATE_NO_RESPOND);
}
END_TEST

/* ---- RESPONSE_NODE_REGISTRATION ---------------------------------------------------------- */

START_TEST(the_tres_list_is_the_one_slurmctld_sent)
{
    json_t *mine, *want;

    make("NodeName=vm CPUs=2 RealMemory=4000\nPartitionName=p Nodes=ALL\n");
    ck_assert_ptr_nonnull(mine = nodes_reg_resp(n));
    want = capture_json("slurmd_startup/002-s2c-RESPONSE_NODE_REGISTRATION.hex");
    if (!json_equal(mine, want)) {
        char *a = json_dumps(mine, JSON_COMPACT), *b = json_dumps(want, JSON_COMPACT);

        ck_abort_msg("mine %s\nslurmctld %s", a, b);
    }
    json_decref(mine);
    json_decref(want);
}
END_TEST

START_TEST(the_tres_list_counts_the_whole_cluster)
{
    json_t *resp, *tres;

    make("NodeName=a[1-2] CPUs=4 RealMemory=1000\n"
         "NodeName=s1 Sockets=1 CoresPerSocket=4 ThreadsPerCore=1 CoreSpecCount=1 RealMemory=500\n"
         "NodeName=f1 CPUs=2 RealMemory=10 State=FUTURE\nPartitionName=p Nodes=ALL\n");
    ck_assert_ptr_nonnull(resp = nodes_reg_resp(n));
    tres = json_object_get(resp, "tres");
    ck_assert_int_eq(json_array_size(tres), 8);
    /* cpu counts effective CPUs (s1 keeps one core for itself) */
    ck_assert_int_eq(rec_int(json_array_get(tres, 0), "count"), 4 + 4 + 3 + 2);
    ck_assert_int_eq(rec_int(json_array_get(tres, 1), "count"), 2510);
    ck_assert_int_eq(rec_int(json_array_get(tres, 3), "count"), 4);
    ck_assert_int_eq(rec_int(json_array_get(tres, 4), "count"), 13);
    ck_assert(json_is_null(json_object_get(resp, "node_name")));
    json_decref(resp);
}
END_TEST

static Suite *register_suite(void)
{
    Suite *s = suite_create("nodemgr_register");
    TCase *tc = tcase_create("register");

    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, an_unknown_node_that_registers_becomes_idle_with_what_slurmd_reported);
    tcase_add_test(tc, the_registration_a_real_slurmd_sent_is_accepted);
    tcase_add_test(tc, a_future_node_that_registers_becomes_idle);
    tcase_add_test(tc, only_root_and_slurm_user_may_register);
    tcase_add_test(tc, a_node_slurm_conf_does_not_have_is_no_such_node_and_changes_nothing);
    tcase_add_test(tc, a_message_that_is_not_a_registration_is_einval);
    tcase_add_test(tc, a_drained_node_stays_drained_with_its_reason);
    tcase_add_test(tc, low_real_memory_drains_with_slurmctlds_exact_reason);
    tcase_add_test(tc, every_shortfall_is_named_in_slurmctlds_order);
    tcase_add_test(tc, more_hardware_than_configured_is_fine);
    tcase_add_test(tc, node_reg_mem_percent_sets_how_much_memory_is_enough);
    tcase_add_test(tc, cloud_nodes_need_90_percent_of_their_memory);
    tcase_add_test(tc, config_overrides_accepts_whatever_slurmd_reports);
    tcase_add_test(tc,
                   an_invalid_node_waits_for_a_good_registration_before_it_can_be_resumed);
    tcase_add_test(tc, a_down_node_with_low_memory_is_invalid_but_not_drained);
    tcase_add_test(tc, a_prolog_failure_at_slurmd_start_drains_the_node);
    tcase_add_test(tc, return_to_service_2_brings_any_down_node_back);
    tcase_add_test(tc, return_to_service_0_keeps_a_down_node_down);
    tcase_add_test(tc, return_to_service_1_brings_back_only_nodes_down_for_not_responding);
    tcase_add_test(tc, a_node_that_rebooted_unnoticed_goes_down_unless_return_to_service_is_2);
    tcase_add_test(tc, an_answer_makes_an_unknown_node_idle_and_responding);
    tcase_add_test(tc, an_answer_returns_a_down_node_per_return_to_service_unless_invalid);
    tcase_add_test(tc, a_node_must_register_when_unknown_new_or_resumed);
    tcase_add_test(tc, the_tres_list_is_the_one_slurmctld_sent);
    tcase_add_test(tc, the_tres_list_counts_the_whole_cluster);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(register_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
