/*
 * test_nodes.c - the node manager's state machine (services/nodemgr/nodes.h):
 * slurm.conf -> node and partition records as slurmctld sends them, the
 * admin update rules (drain / resume / down / undrain, permissions, unknown
 * nodes, ranges, reasons), last_update answers, persistence records and
 * pings.  Registration has its own file, test_register.c.
 *
 * The golden files are what Debian's slurmctld 22.05.8 sent for
 * test/services/nodemgr/lab.conf with no slurmd running, decoded to the
 * record JSON (docs/nodemgr.md says how they were captured).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/nodemgr/nodes.h"

#define DIR "test/services/nodemgr/"
#define NO_VAL 0xfffffffeu
#define T0 1795642000 /* start of the simulated clock */
#define ROOT 0
#define USER 1000
#define SLURM_USER 64030

static struct flurm_slurmconf *conf;
static struct nodes *n;

static struct flurm_slurmconf *load_text(const char *text)
{
    char path[] = "/tmp/flurm-test-nodes.XXXXXX", err[256];
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

/* A small cluster of the test's own, on top of the lab's header. */
static struct nodes *make(const char *lines)
{
    char text[4096];

    snprintf(text, sizeof(text),
             "ClusterName=t\nSlurmctldHost=h\nSlurmUser=root\n%s", lines);
    flurm_slurmconf_destroy(conf);
    conf = load_text(text);
    nodes_destroy(n);
    ck_assert_ptr_nonnull(n = nodes_create(conf, T0));
    return n;
}

static void setup_lab(void)
{
    char err[256];

    conf = flurm_slurmconf_load(DIR "lab.conf", err, sizeof(err));
    ck_assert_msg(conf != NULL, "lab.conf: %s", err);
    ck_assert_ptr_nonnull(n = nodes_create(conf, T0));
}

static void teardown(void)
{
    nodes_destroy(n);
    n = NULL;
    flurm_slurmconf_destroy(conf);
    conf = NULL;
}

static bool in_group(uid_t uid, const char *group, void *arg)
{
    (void)arg;
    return uid == ROOT && strcmp(group, "root") == 0;
}

/* The ping module's part until FLURM talks to slurmd: nobody answers. */
static void fail_ping(size_t i, enum nodes_contact how, void *arg)
{
    (void)how;
    nodes_ping_failed(arg, i, T0 + 3, false, T0 + 3);
}

static size_t idx(const char *name)
{
    ssize_t i = nodes_find(n, name);

    ck_assert_msg(i >= 0, "node %s", name);
    return (size_t)i;
}

static json_t *info_request(json_int_t last_update, int show_flags)
{
    return json_pack("{s:I, s:i}", "last_update", last_update, "show_flags", show_flags);
}

static json_t *node_info(uid_t uid, json_int_t last_update, int show_flags, time_t now, int *rc)
{
    json_t *req = info_request(last_update, show_flags), *reply = NULL;

    *rc = nodes_node_info(n, uid, req, now, &reply);
    json_decref(req);
    return reply;
}

static json_t *node_rec(uid_t uid, const char *name, int show_flags)
{
    int rc;
    json_t *reply = node_info(uid, 0, show_flags, T0 + 10, &rc), *rec;

    ck_assert_int_eq(rc, 0);
    rec = json_incref(json_array_get(json_object_get(reply, "nodes"), idx(name)));
    json_decref(reply);
    return rec;
}

static json_int_t node_int(const char *name, const char *key)
{
    json_t *rec = node_rec(ROOT, name, 0);
    json_int_t v = json_integer_value(json_object_get(rec, key));

    json_decref(rec);
    return v;
}

static int update(uid_t uid, const char *names, uint32_t state, const char *reason, time_t now)
{
    json_t *msg = json_pack("{s:s, s:I, s:s?, s:I, s:i}", "node_names", names, "node_state",
                            (json_int_t)state, "reason", reason, "weight", (json_int_t)NO_VAL,
                            "cpu_bind", 0);
    size_t *changed = NULL, nchanged = 0;
    int rc = nodes_update(n, uid, msg, now, &changed, &nchanged);

    json_decref(msg);
    free(changed);
    return rc;
}

/* Everything but the reply's own time must equal slurmctld's reply. */
static void assert_like_golden(json_t *mine, const char *golden)
{
    json_error_t jerr;
    json_t *want = json_load_file(golden, 0, &jerr);
    size_t i;
    json_t *p;

    ck_assert_msg(want != NULL, "%s: %s", golden, jerr.text);
    json_object_del(want, "last_update");
    json_object_del(mine, "last_update");
    /* 23.02's max_cpus_per_socket is not in 22.05's reply. */
    json_array_foreach(json_object_get(mine, "partitions"), i, p)
        json_object_del(p, "max_cpus_per_socket");
    if (!json_equal(mine, want)) {
        char *a = json_dumps(mine, JSON_INDENT(1) | JSON_SORT_KEYS);
        char *b = json_dumps(want, JSON_INDENT(1) | JSON_SORT_KEYS);
        ck_abort_msg("differs from %s:\nmine %s\nslurmctld %s", golden, a, b);
    }
    json_decref(want);
}

/* ---- configuration -> records ------------------------------------------------ */

static void ping_everyone(void)
{
    nodes_ping_round(n, T0 + 3, fail_ping, n);
}

START_TEST(node_info_matches_slurmctld_for_root)
{
    int rc;
    json_t *reply;

    nodes_set_group_fn(n, in_group, NULL);
    ping_everyone();
    reply = node_info(ROOT, 0, 0x10, T0 + 10, &rc);
    ck_assert_int_eq(rc, 0);
    assert_like_golden(reply, DIR "golden/node_info_root.json");
    json_decref(reply);
}
END_TEST

START_TEST(node_info_hides_nodes_of_invisible_partitions_from_users)
{
    int rc;
    json_t *reply;

    nodes_set_group_fn(n, in_group, NULL);
    ping_everyone();
    reply = node_info(65534, 0, 0x10, T0 + 10, &rc);
    ck_assert_int_eq(rc, 0);
    assert_like_golden(reply, DIR "golden/node_info_user.json");
    json_decref(reply);
}
END_TEST

START_TEST(partition_info_matches_slurmctld_for_root)
{
    json_t *req = info_request(0, 0x10), *reply = NULL;

    nodes_set_group_fn(n, in_group, NULL);
    ck_assert_int_eq(nodes_partition_info(n, ROOT, req, T0 + 10, &reply), 0);
    assert_like_golden(reply, DIR "golden/partition_info_root.json");
    json_decref(reply);
    json_decref(req);
}
END_TEST

START_TEST(partition_info_leaves_hidden_and_group_partitions_out_for_users)
{
    json_t *req = info_request(0, 0x10), *reply = NULL;

    nodes_set_group_fn(n, in_group, NULL);
    ck_assert_int_eq(nodes_partition_info(n, 65534, req, T0 + 10, &reply), 0);
    assert_like_golden(reply, DIR "golden/partition_info_user.json");
    json_decref(reply);
    json_decref(req);
}
END_TEST

START_TEST(show_all_shows_users_hidden_partitions_and_their_nodes)
{
    json_t *req = info_request(0, 0x11), *reply = NULL, *rec;

    ck_assert_int_eq(nodes_partition_info(n, USER, req, T0 + 10, &reply), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(reply, "record_count")), 5);
    json_decref(reply);
    json_decref(req);
    rec = node_rec(USER, "dn1", 0x11);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "name")), "dn1");
    json_decref(rec);
}
END_TEST

START_TEST(future_nodes_are_blank_unless_show_future)
{
    json_t *rec = node_rec(ROOT, "fu1", 0);

    ck_assert(json_is_null(json_object_get(rec, "name")));
    json_decref(rec);
    rec = node_rec(ROOT, "fu1", 0x80);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "name")), "fu1");
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "node_state")), 6);
    json_decref(rec);
}
END_TEST

START_TEST(nodes_start_unknown_and_answer_nothing_until_pinged)
{
    ck_assert_int_eq(nodes_state(n, idx("vm")), NODES_STATE_UNKNOWN);
    ck_assert_int_eq(nodes_state(n, idx("id1")), NODES_STATE_IDLE);
    ck_assert_int_eq(nodes_state(n, idx("dr1")), NODES_STATE_UNKNOWN | NODES_STATE_DRAIN);
    ck_assert_int_eq(nodes_state(n, idx("cl1")),
                     NODES_STATE_IDLE | NODES_STATE_CLOUD | NODES_STATE_POWERED_DOWN);
    ck_assert_int_eq(node_int("vm", "cpu_load"), NO_VAL);
    ck_assert_int_eq(node_int("vm", "boot_time"), 0);
    ck_assert_int_eq(node_int("vm", "slurmd_start_time"), 0);
    ping_everyone();
    ck_assert_int_eq(nodes_state(n, idx("vm")), NODES_STATE_UNKNOWN | NODES_STATE_NO_RESPOND);
    /* FUTURE and powered-down cloud nodes are never pinged */
    ck_assert_int_eq(nodes_state(n, idx("fu1")), NODES_STATE_FUTURE);
    ck_assert_int_eq(nodes_state(n, idx("cl1")),
                     NODES_STATE_IDLE | NODES_STATE_CLOUD | NODES_STATE_POWERED_DOWN);
}
END_TEST

START_TEST(node_table_is_in_natural_name_order)
{
    json_t *req = info_request(0, 0), *reply = NULL, *part;

    make("NodeName=n10,n9,b2,n1 CPUs=1\nPartitionName=p Nodes=n10,n1\n");
    ck_assert_str_eq(nodes_name(n, 0), "b2");
    ck_assert_str_eq(nodes_name(n, 1), "n1");
    ck_assert_str_eq(nodes_name(n, 2), "n9");
    ck_assert_str_eq(nodes_name(n, 3), "n10");
    ck_assert_int_eq(nodes_partition_info(n, ROOT, req, T0, &reply), 0);
    part = json_array_get(json_object_get(reply, "partitions"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(part, "nodes")), "n[1,10]");
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(part, "node_inx"), "hex")), "0xA");
    json_decref(reply);
    json_decref(req);
}
END_TEST

START_TEST(tres_strings_print_memory_in_exact_units)
{
    json_t *req = info_request(0, 0), *reply = NULL, *rec;

    make("NodeName=a[1-2] CPUs=4 RealMemory=8192\nPartitionName=p Nodes=ALL\n");
    rec = node_rec(ROOT, "a1", 0);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "tres_fmt_str")),
                     "cpu=4,mem=8G,billing=4");
    json_decref(rec);
    ck_assert_int_eq(nodes_partition_info(n, ROOT, req, T0, &reply), 0);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(reply, "partitions"), 0), "tres_fmt_str")),
                     "cpu=8,mem=16G,node=2,billing=8");
    json_decref(reply);
    json_decref(req);
}
END_TEST

START_TEST(specialized_cores_reduce_effective_cpus)
{
    json_t *rec;

    make("NodeName=s1 Sockets=1 CoresPerSocket=4 ThreadsPerCore=2 CoreSpecCount=1\n"
         "PartitionName=p Nodes=ALL\n");
    rec = node_rec(ROOT, "s1", 0);
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "cpus")), 8);
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "core_spec_cnt")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "cpus_efctv")), 6);
    json_decref(rec);
}
END_TEST

START_TEST(show_detail_fills_gres_drain_and_gres_used)
{
    json_t *rec = node_rec(ROOT, "fk1", 0x2);

    ck_assert_str_eq(json_string_value(json_object_get(rec, "gres_drain")), "N/A");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "gres_used")), "gpu:0");
    json_decref(rec);
    rec = node_rec(ROOT, "fk1", 0);
    ck_assert(json_is_null(json_object_get(rec, "gres_used")));
    json_decref(rec);
}
END_TEST

START_TEST(private_data_nodes_denies_users_but_not_operators)
{
    int rc;
    json_t *reply;

    make("SlurmUser=nobody\nPrivateData=jobs,nodes\nNodeName=a1 CPUs=1\n"
         "PartitionName=p Nodes=ALL\n");
    reply = node_info(USER, 0, 0, T0, &rc);
    ck_assert_int_eq(rc, NODES_EACCESS_DENIED);
    ck_assert_ptr_null(reply);
    reply = node_info(nodes_slurm_user(n), 0, 0, T0, &rc);
    ck_assert_int_eq(rc, 0);
    json_decref(reply);
    reply = node_info(ROOT, 0, 0, T0, &rc);
    ck_assert_int_eq(rc, 0);
    json_decref(reply);
}
END_TEST

/* ---- last_update ------------------------------------------------------------------ */

START_TEST(unchanged_tables_answer_no_change_in_data)
{
    int rc;
    json_t *reply, *req = info_request(T0 + 1, 0);

    /* the client sends the last_update of its copy; T0 is the last change */
    reply = node_info(ROOT, T0 + 1, 0, T0 + 50, &rc);
    ck_assert_int_eq(rc, NODES_NO_CHANGE_IN_DATA);
    ck_assert_ptr_null(reply);
    reply = node_info(ROOT, T0, 0, T0 + 50, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(reply, "last_update")), T0 + 50);
    json_decref(reply);
    reply = NULL;
    ck_assert_int_eq(nodes_partition_info(n, ROOT, req, T0 + 50, &reply), NODES_NO_CHANGE_IN_DATA);
    json_decref(req);
}
END_TEST

START_TEST(an_update_makes_the_node_table_new_again)
{
    int rc;
    json_t *reply;

    ck_assert_int_eq(update(ROOT, "vm", NODES_STATE_DRAIN, "x", T0 + 20), 0);
    ck_assert_int_eq(nodes_last_node_update(n), T0 + 20);
    reply = node_info(ROOT, T0 + 10, 0, T0 + 30, &rc);
    ck_assert_int_eq(rc, 0);
    json_decref(reply);
    reply = node_info(ROOT, T0 + 21, 0, T0 + 30, &rc);
    ck_assert_int_eq(rc, NODES_NO_CHANGE_IN_DATA);
    /* partitions did not change */
    ck_assert_int_eq(nodes_last_part_update(n), T0);
}
END_TEST

/* ---- admin updates ----------------------------------------------------------------- */

START_TEST(drain_records_reason_user_and_time)
{
    size_t vm = idx("vm");

    ck_assert_int_eq(update(ROOT, "vm", NODES_STATE_DRAIN, "test x", T0 + 5), 0);
    ck_assert_int_eq(nodes_state(n, vm), NODES_STATE_UNKNOWN | NODES_STATE_DRAIN);
    ck_assert_str_eq(nodes_reason(n, vm), "test x");
    ck_assert_int_eq(nodes_reason_uid(n, vm), ROOT);
    ck_assert_int_eq(nodes_reason_time(n, vm), T0 + 5);
}
END_TEST

/* scontrol refuses DRAIN / DOWN without a reason; slurmctld itself does
 * not (checked with a raw REQUEST_UPDATE_NODE against 22.05.8). */
START_TEST(drain_without_reason_is_accepted_as_by_slurmctld)
{
    size_t vm = idx("vm");

    ck_assert_int_eq(update(ROOT, "vm", NODES_STATE_DRAIN, NULL, T0 + 5), 0);
    ck_assert_int_eq(nodes_state(n, vm), NODES_STATE_UNKNOWN | NODES_STATE_DRAIN);
    ck_assert_ptr_null(nodes_reason(n, vm));
}
END_TEST

START_TEST(only_root_and_slurm_user_may_update)
{
    make("SlurmUser=nobody\nNodeName=a1 CPUs=1 State=IDLE\nPartitionName=p Nodes=ALL\n");
    ck_assert_int_eq(update(USER, "a1", NODES_STATE_DRAIN, "x", T0 + 5), NODES_EUSER_ID_MISSING);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    ck_assert_int_eq(nodes_last_node_update(n), T0);
    ck_assert_int_eq(update(nodes_slurm_user(n), "a1", NODES_STATE_DRAIN, "x", T0 + 5), 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE | NODES_STATE_DRAIN);
    ck_assert_int_eq(nodes_reason_uid(n, 0), nodes_slurm_user(n));
}
END_TEST

START_TEST(unknown_node_is_invalid_node_name)
{
    ck_assert_int_eq(update(ROOT, "nosuch", NODES_STATE_DRAIN, "y", T0 + 5),
                     NODES_EINVALID_NODE_NAME);
    ck_assert_int_eq(update(ROOT, "bad[", NODES_STATE_DRAIN, "y", T0 + 5),
                     NODES_EINVALID_NODE_NAME);
}
END_TEST

START_TEST(update_stops_at_the_first_unknown_node_in_sorted_order)
{
    /* "fk3" sorts before "nosuch": it is drained, then the error */
    ck_assert_int_eq(update(ROOT, "nosuch,fk3", NODES_STATE_DRAIN, "partial", T0 + 5),
                     NODES_EINVALID_NODE_NAME);
    ck_assert(nodes_state(n, idx("fk3")) & NODES_STATE_DRAIN);
    /* "a1" sorts before "fk2": nothing is changed */
    ck_assert_int_eq(update(ROOT, "fk2,a1", NODES_STATE_DRAIN, "partial", T0 + 6),
                     NODES_EINVALID_NODE_NAME);
    ck_assert(!(nodes_state(n, idx("fk2")) & NODES_STATE_DRAIN));
}
END_TEST

START_TEST(ranges_and_all_name_many_nodes)
{
    size_t *changed = NULL, nchanged = 0;
    json_t *msg = json_pack("{s:s, s:i, s:s}", "node_names", "ALL", "node_state",
                            NODES_STATE_DRAIN, "reason", "maintenance");

    ck_assert_int_eq(update(ROOT, "fk[1-2]", NODES_STATE_DOWN, "bad range", T0 + 5), 0);
    ck_assert_int_eq(nodes_state(n, idx("fk1")), NODES_STATE_DOWN);
    ck_assert_int_eq(nodes_state(n, idx("fk2")), NODES_STATE_DOWN);
    ck_assert_int_eq(nodes_state(n, idx("fk3")), NODES_STATE_UNKNOWN);
    ck_assert_int_eq(nodes_update(n, ROOT, msg, T0 + 6, &changed, &nchanged), 0);
    ck_assert_uint_eq(nchanged, nodes_count(n));
    for (size_t i = 0; i < nodes_count(n); i++)
        ck_assert(nodes_state(n, i) & NODES_STATE_DRAIN);
    free(changed);
    json_decref(msg);
}
END_TEST

START_TEST(resume_of_a_down_node_makes_it_idle_and_clears_the_reason)
{
    size_t fk1 = idx("fk1");

    ck_assert_int_eq(update(ROOT, "fk1", NODES_STATE_DOWN, "bad", T0 + 5), 0);
    ck_assert_int_eq(update(ROOT, "fk1", NODES_RESUME, NULL, T0 + 6), 0);
    /* IDLE, but NOT_RESPONDING until slurmd registers again */
    ck_assert_int_eq(nodes_state(n, fk1), NODES_STATE_IDLE | NODES_STATE_NO_RESPOND);
    ck_assert_ptr_null(nodes_reason(n, fk1));
    ck_assert_int_eq(nodes_reason_uid(n, fk1), NO_VAL);
    ck_assert_int_eq(nodes_reason_time(n, fk1), 0);
}
END_TEST

START_TEST(resume_of_a_node_that_is_not_down_or_drained_is_invalid_state)
{
    ck_assert_int_eq(update(ROOT, "id1", NODES_RESUME, NULL, T0 + 5), NODES_EINVALID_NODE_STATE);
    ck_assert_int_eq(nodes_state(n, idx("id1")), NODES_STATE_IDLE);
}
END_TEST

START_TEST(resume_of_a_drained_unknown_node_clears_drain_yet_fails_like_slurmctld)
{
    size_t dr1 = idx("dr1");

    ck_assert_int_eq(update(ROOT, "dr1", NODES_RESUME, NULL, T0 + 5), NODES_EINVALID_NODE_STATE);
    ck_assert_int_eq(nodes_state(n, dr1), NODES_STATE_UNKNOWN | NODES_STATE_NO_RESPOND);
    ck_assert_ptr_null(nodes_reason(n, dr1));
}
END_TEST

START_TEST(resume_of_a_drained_idle_node_succeeds)
{
    size_t id1 = idx("id1");

    ck_assert_int_eq(update(ROOT, "id1", NODES_STATE_DRAIN, "idle drain", T0 + 5), 0);
    ck_assert_int_eq(nodes_state(n, id1), NODES_STATE_IDLE | NODES_STATE_DRAIN);
    ck_assert_int_eq(update(ROOT, "id1", NODES_RESUME, NULL, T0 + 6), 0);
    ck_assert_int_eq(nodes_state(n, id1), NODES_STATE_IDLE | NODES_STATE_NO_RESPOND);
    ck_assert_ptr_null(nodes_reason(n, id1));
}
END_TEST

START_TEST(undrain_clears_only_drain)
{
    size_t id1 = idx("id1");

    ck_assert_int_eq(update(ROOT, "id1", NODES_STATE_DRAIN, "d", T0 + 5), 0);
    ck_assert_int_eq(update(ROOT, "id1", NODES_STATE_DOWN, "now down", T0 + 6), 0);
    ck_assert_int_eq(nodes_state(n, id1), NODES_STATE_DOWN | NODES_STATE_DRAIN);
    ck_assert_str_eq(nodes_reason(n, id1), "now down");
    ck_assert_int_eq(update(ROOT, "id1", NODES_STATE_UNDRAIN, NULL, T0 + 7), 0);
    ck_assert_int_eq(nodes_state(n, id1), NODES_STATE_DOWN | NODES_STATE_NO_RESPOND);
    ck_assert_str_eq(nodes_reason(n, id1), "now down");
}
END_TEST

START_TEST(a_reason_alone_changes_only_nodes_out_of_service)
{
    ck_assert_int_eq(update(ROOT, "fk1", NODES_STATE_DRAIN, "first", T0 + 5), 0);
    ck_assert_int_eq(update(ROOT, "fk[1-2]", NO_VAL, "second", T0 + 6), 0);
    ck_assert_str_eq(nodes_reason(n, idx("fk1")), "second");
    ck_assert_int_eq(nodes_reason_time(n, idx("fk1")), T0 + 6);
    /* an UNKNOWN (in service) node keeps no reason */
    ck_assert_ptr_null(nodes_reason(n, idx("fk2")));
}
END_TEST

START_TEST(fail_and_drain_replace_each_other)
{
    size_t vm = idx("vm");

    ck_assert_int_eq(update(ROOT, "vm", NODES_STATE_DRAIN, "d", T0 + 5), 0);
    ck_assert_int_eq(update(ROOT, "vm", NODES_STATE_FAIL, "failing", T0 + 6), 0);
    ck_assert_int_eq(nodes_state(n, vm), NODES_STATE_UNKNOWN | NODES_STATE_FAIL);
}
END_TEST

START_TEST(idle_brings_a_down_node_back)
{
    ck_assert_int_eq(update(ROOT, "dn1", NODES_STATE_IDLE, NULL, T0 + 5), 0);
    ck_assert_int_eq(nodes_state(n, idx("dn1")), NODES_STATE_IDLE);
    ck_assert_ptr_null(nodes_reason(n, idx("dn1")));
}
END_TEST

START_TEST(unsupported_fields_change_nothing)
{
    size_t *changed = NULL, nchanged = 0;
    json_t *msg = json_pack("{s:s, s:i, s:s, s:i}", "node_names", "vm", "node_state",
                            NODES_STATE_DRAIN, "reason", "x", "weight", 5);

    ck_assert_int_eq(nodes_update(n, ROOT, msg, T0 + 5, &changed, &nchanged),
                     NODES_ENOT_SUPPORTED);
    ck_assert_uint_eq(nchanged, 0);
    ck_assert_int_eq(nodes_state(n, idx("vm")), NODES_STATE_UNKNOWN);
    json_decref(msg);
}
END_TEST

START_TEST(malformed_update_is_einval)
{
    size_t *changed = NULL, nchanged = 0;
    json_t *msg = json_pack("{s:i}", "node_names", 3);

    ck_assert_int_eq(nodes_update(n, ROOT, msg, T0, &changed, &nchanged), -1);
    ck_assert_int_eq(errno, EINVAL);
    json_decref(msg);
}
END_TEST

START_TEST(update_lists_the_nodes_it_changed)
{
    size_t *changed = NULL, nchanged = 0;
    json_t *msg = json_pack("{s:s, s:i, s:s}", "node_names", "fk[1-3],dn1", "node_state",
                            NODES_STATE_DOWN, "reason", "r");

    /* dn1 is DOWN already with another reason: its reason changes too */
    ck_assert_int_eq(nodes_update(n, ROOT, msg, T0 + 5, &changed, &nchanged), 0);
    ck_assert_uint_eq(nchanged, 4);
    free(changed);
    /* the same again changes nothing */
    ck_assert_int_eq(nodes_update(n, ROOT, msg, T0 + 6, &changed, &nchanged), 0);
    ck_assert_uint_eq(nchanged, 0);
    ck_assert_ptr_null(changed);
    json_decref(msg);
}
END_TEST

START_TEST(reason_shows_in_the_record)
{
    json_t *rec;

    ck_assert_int_eq(update(ROOT, "vm", NODES_STATE_DRAIN, "test x", T0 + 5), 0);
    rec = node_rec(ROOT, "vm", 0);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "reason")), "test x");
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "reason_uid")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "reason_time")), T0 + 5);
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "node_state")), 0x200);
    json_decref(rec);
}
END_TEST

/* ---- persistence ------------------------------------------------------------------- */

START_TEST(admin_records_restore_a_fresh_table)
{
    json_t *list = json_array(), *rec;
    struct nodes *again;
    size_t skipped = 9;
    char text[64];

    ck_assert_int_eq(update(ROOT, "fk2", NODES_STATE_DOWN, "down", T0 + 5), 0);
    ck_assert_int_eq(update(ROOT, "fk2", NODES_STATE_DRAIN, "drained", T0 + 6), 0);
    ck_assert_int_eq(update(ROOT, "dn1", NODES_STATE_IDLE, NULL, T0 + 7), 0);
    rec = nodes_admin_record(n, idx("fk2"));
    ck_assert_str_eq(json_string_value(json_object_get(rec, "name")), "fk2");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "state")), "DOWN+DRAIN");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "reason")), "drained");
    json_array_append_new(list, rec);
    json_array_append_new(list, nodes_admin_record(n, idx("dn1")));
    json_array_append_new(list, json_pack("{s:s, s:s}", "name", "gone", "state", "DOWN"));

    ck_assert_ptr_nonnull(again = nodes_create(conf, T0 + 100));
    ck_assert_int_eq(nodes_restore(again, list, T0 + 100, &skipped), 2);
    ck_assert_uint_eq(skipped, 1);
    ck_assert_int_eq(nodes_state(again, idx("fk2")), NODES_STATE_DOWN | NODES_STATE_DRAIN);
    ck_assert_str_eq(nodes_reason(again, idx("fk2")), "drained");
    ck_assert_int_eq(nodes_reason_time(again, idx("fk2")), T0 + 6);
    ck_assert_int_eq(nodes_reason_uid(again, idx("fk2")), ROOT);
    /* slurm.conf said DOWN "dead"; the admin's IDLE wins */
    ck_assert_int_eq(nodes_state(again, idx("dn1")), NODES_STATE_IDLE);
    ck_assert_ptr_null(nodes_reason(again, idx("dn1")));
    ck_assert_str_eq(nodes_state_text(nodes_state(again, idx("fk2")), text, sizeof(text)),
                     "DOWN+DRAIN");
    nodes_destroy(again);
    json_decref(list);
}
END_TEST

START_TEST(event_body_carries_the_full_state)
{
    json_t *ev;

    ck_assert_int_eq(update(ROOT, "vm", NODES_STATE_DRAIN, "x", T0 + 5), 0);
    ev = nodes_event_body(n, idx("vm"));
    ck_assert_int_eq(json_integer_value(json_object_get(ev, "node_state")), 0x200);
    ck_assert_str_eq(json_string_value(json_object_get(ev, "state")), "UNKNOWN+DRAIN");
    json_decref(ev);
}
END_TEST

START_TEST(restore_refuses_what_is_not_a_list)
{
    json_t *obj = json_object();

    ck_assert_int_eq(nodes_restore(n, obj, T0, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    json_decref(obj);
}
END_TEST

/* ---- pings and registration --------------------------------------------------------- */

static void count_ping(size_t i, enum nodes_contact how, void *arg)
{
    (void)i;
    (void)how;
    (*(int *)arg)++;
}

START_TEST(a_resumed_node_that_never_answers_goes_down_after_slurmd_timeout)
{
    size_t id1;
    int pinged = 0;
    time_t t;

    make("SlurmdTimeout=300\nNodeName=id1 CPUs=1 State=IDLE\nPartitionName=p Nodes=ALL\n");
    id1 = idx("id1");
    ck_assert(nodes_ping_interval(n) == 100.0);
    ck_assert_int_eq(update(ROOT, "id1", NODES_STATE_DRAIN, "d", T0 + 1), 0);
    ck_assert_int_eq(update(ROOT, "id1", NODES_RESUME, NULL, T0 + 2), 0);
    /* rounds every 100 s; the node is dead once it has been silent for
     * the whole SlurmdTimeout window of the previous round */
    for (t = T0 + 3; t <= T0 + 303; t += 100) {
        ck_assert_uint_eq(nodes_ping_round(n, t, count_ping, &pinged), 0);
        ck_assert_int_eq(nodes_state(n, id1), NODES_STATE_IDLE | NODES_STATE_NO_RESPOND);
    }
    ck_assert_uint_eq(nodes_ping_round(n, T0 + 403, count_ping, &pinged), 1);
    ck_assert_int_eq(pinged, 4);
    ck_assert_int_eq(nodes_state(n, id1), NODES_STATE_DOWN | NODES_STATE_NO_RESPOND);
    ck_assert_str_eq(nodes_reason(n, id1), "Not responding");
    ck_assert_int_eq(nodes_reason_uid(n, id1), ROOT);
    ck_assert_int_eq(nodes_reason_time(n, id1), T0 + 403);
    /* it is still asked to register every round: it has not registered
     * since the RESUME (test_ping.c: a silent DOWN node is not pinged) */
    pinged = 0;
    nodes_ping_round(n, T0 + 503, count_ping, &pinged);
    ck_assert_int_eq(pinged, 1);
}
END_TEST

START_TEST(the_first_round_contacts_every_node_even_without_slurmd_timeout)
{
    int pinged = 0;

    make("SlurmdTimeout=0\nNodeName=id1 CPUs=1 State=IDLE\nPartitionName=p Nodes=ALL\n");
    nodes_ping_round(n, T0 + 3, count_ping, &pinged);
    ck_assert_int_eq(pinged, 1);
    /* later rounds leave a responding node alone when SlurmdTimeout=0 */
    pinged = 0;
    nodes_ping_round(n, T0 + 103, count_ping, &pinged);
    ck_assert_int_eq(pinged, 0);
}
END_TEST

START_TEST(a_configured_node_never_heard_of_stays_unknown)
{
    size_t vm = idx("vm");

    for (time_t t = T0 + 3; t < T0 + 2000; t += 100)
        nodes_ping_round(n, t, fail_ping, n);
    ck_assert_int_eq(nodes_state(n, vm), NODES_STATE_UNKNOWN | NODES_STATE_NO_RESPOND);
}
END_TEST

START_TEST(allocation_makes_an_idle_node_allocated_and_back)
{
    size_t id1 = idx("id1");
    json_t *rec;

    ck_assert_int_eq(nodes_set_alloc(n, id1, 1, 500, T0 + 5), 1);
    ck_assert_int_eq(nodes_state(n, id1), NODES_STATE_ALLOCATED);
    rec = node_rec(ROOT, "id1", 0);
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(rec, "select_nodeinfo"), "alloc_cpus")),
        1);
    json_decref(rec);
    ck_assert_int_eq(nodes_set_alloc(n, id1, 0, 0, T0 + 9), 1);
    ck_assert_int_eq(nodes_state(n, id1), NODES_STATE_IDLE);
}
END_TEST

/* ---- single node --------------------------------------------------------------------- */

START_TEST(node_info_single_answers_one_node_or_none)
{
    json_t *msg = json_pack("{s:s, s:i}", "node_name", "cl1", "show_flags", 0), *reply = NULL;

    /* a powered-down cloud node is shown when asked for by name */
    ck_assert_int_eq(nodes_node_info_single(n, ROOT, msg, T0, &reply), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(reply, "record_count")), 1);
    json_decref(reply);
    json_object_set_new(msg, "node_name", json_string("fu1"));
    ck_assert_int_eq(nodes_node_info_single(n, ROOT, msg, T0, &reply), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(reply, "record_count")), 0);
    json_decref(reply);
    json_object_set_new(msg, "node_name", json_string("nosuch"));
    ck_assert_int_eq(nodes_node_info_single(n, ROOT, msg, T0, &reply), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(reply, "record_count")), 0);
    json_decref(reply);
    json_decref(msg);
}
END_TEST

START_TEST(state_text_names_base_and_flags)
{
    char text[80];

    ck_assert_str_eq(nodes_state_text(NODES_STATE_IDLE, text, sizeof(text)), "IDLE");
    ck_assert_str_eq(nodes_state_text(NODES_STATE_DOWN | NODES_STATE_DRAIN |
                                          NODES_STATE_NO_RESPOND,
                                      text, sizeof(text)),
                     "DOWN+DRAIN+NOT_RESPONDING");
}
END_TEST

static Suite *nodes_suite(void)
{
    Suite *s = suite_create("nodemgr_nodes");
    TCase *tc = tcase_create("lab");

    tcase_add_checked_fixture(tc, setup_lab, teardown);
    tcase_add_test(tc, node_info_matches_slurmctld_for_root);
    tcase_add_test(tc, node_info_hides_nodes_of_invisible_partitions_from_users);
    tcase_add_test(tc, partition_info_matches_slurmctld_for_root);
    tcase_add_test(tc, partition_info_leaves_hidden_and_group_partitions_out_for_users);
    tcase_add_test(tc, show_all_shows_users_hidden_partitions_and_their_nodes);
    tcase_add_test(tc, future_nodes_are_blank_unless_show_future);
    tcase_add_test(tc, nodes_start_unknown_and_answer_nothing_until_pinged);
    tcase_add_test(tc, node_table_is_in_natural_name_order);
    tcase_add_test(tc, tres_strings_print_memory_in_exact_units);
    tcase_add_test(tc, specialized_cores_reduce_effective_cpus);
    tcase_add_test(tc, show_detail_fills_gres_drain_and_gres_used);
    tcase_add_test(tc, private_data_nodes_denies_users_but_not_operators);
    tcase_add_test(tc, unchanged_tables_answer_no_change_in_data);
    tcase_add_test(tc, an_update_makes_the_node_table_new_again);
    tcase_add_test(tc, drain_records_reason_user_and_time);
    tcase_add_test(tc, drain_without_reason_is_accepted_as_by_slurmctld);
    tcase_add_test(tc, only_root_and_slurm_user_may_update);
    tcase_add_test(tc, unknown_node_is_invalid_node_name);
    tcase_add_test(tc, update_stops_at_the_first_unknown_node_in_sorted_order);
    tcase_add_test(tc, ranges_and_all_name_many_nodes);
    tcase_add_test(tc, resume_of_a_down_node_makes_it_idle_and_clears_the_reason);
    tcase_add_test(tc, resume_of_a_node_that_is_not_down_or_drained_is_invalid_state);
    tcase_add_test(tc, resume_of_a_drained_unknown_node_clears_drain_yet_fails_like_slurmctld);
    tcase_add_test(tc, resume_of_a_drained_idle_node_succeeds);
    tcase_add_test(tc, undrain_clears_only_drain);
    tcase_add_test(tc, a_reason_alone_changes_only_nodes_out_of_service);
    tcase_add_test(tc, fail_and_drain_replace_each_other);
    tcase_add_test(tc, idle_brings_a_down_node_back);
    tcase_add_test(tc, unsupported_fields_change_nothing);
    tcase_add_test(tc, malformed_update_is_einval);
    tcase_add_test(tc, update_lists_the_nodes_it_changed);
    tcase_add_test(tc, reason_shows_in_the_record);
    tcase_add_test(tc, admin_records_restore_a_fresh_table);
    tcase_add_test(tc, event_body_carries_the_full_state);
    tcase_add_test(tc, restore_refuses_what_is_not_a_list);
    tcase_add_test(tc, a_resumed_node_that_never_answers_goes_down_after_slurmd_timeout);
    tcase_add_test(tc, the_first_round_contacts_every_node_even_without_slurmd_timeout);
    tcase_add_test(tc, a_configured_node_never_heard_of_stays_unknown);
    tcase_add_test(tc, allocation_makes_an_idle_node_allocated_and_back);
    tcase_add_test(tc, node_info_single_answers_one_node_or_none);
    tcase_add_test(tc, state_text_names_base_and_flags);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(nodes_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
