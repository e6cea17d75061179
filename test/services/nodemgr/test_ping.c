/*
 * test_ping.c - the timeline of a node's health (services/nodemgr/nodes.h:
 * nodes_ping_round, nodes_ping_failed, nodes_ping_answered) under a
 * simulated clock, each test one rule of slurmctld 22.05's ping_nodes /
 * node_not_resp / node_did_resp: who is pinged and who is asked to
 * register, when a silent node becomes NOT_RESPONDING and when DOWN "Not
 * responding", how it comes back per ReturnToService, and SlurmdTimeout=0.
 *
 * The cluster is one node "vm" that registered at T0 with SlurmdTimeout=6,
 * so rounds run every 2 s; the service runs a round only after the
 * previous one has ended, which the tests mirror by settling each round's
 * requests before the next round.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/nodemgr/nodes.h"

#define T0 1795642000 /* start of the simulated clock */
#define NOBODY 65534  /* SlurmUser=nobody: a DOWN by the tables is recorded with it */
#define ROOT 0
#define NO_VAL 0xfffffffeu
#define NO_VAL64 0xfffffffffffffffeull

static struct flurm_slurmconf *conf;
static struct nodes *n;

/* What one round asked for. */
struct contacts {
    int pings;
    int registrations;
};

static struct flurm_slurmconf *load_text(const char *text)
{
    char path[] = "/tmp/flurm-test-ping.XXXXXX", err[256];
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

/* One node "vm" (2 CPUs, 1000 MB) with `params` added to slurm.conf, as
 * its slurmd registered it at T0. */
static void make(const char *params)
{
    char text[2048];
    struct nodes_registration reg = {
        .slurmd_start_time = T0 - 50,
        .up_time = 100,
        .version = "22.05.8",
        .hw = {.cpus = 2, .boards = 1, .sockets = 1, .cores = 2, .threads = 1,
               .real_memory = 1000},
        .cpu_load = 5,
        .free_mem = 900,
    };

    snprintf(text, sizeof(text),
             "ClusterName=t\nSlurmctldHost=h\nSlurmUser=nobody\n%s\n"
             "NodeName=vm CPUs=2 RealMemory=1000\nPartitionName=p Nodes=ALL\n",
             params);
    flurm_slurmconf_destroy(conf);
    conf = load_text(text);
    nodes_destroy(n);
    ck_assert_ptr_nonnull(n = nodes_create(conf, T0 - 10));
    ck_assert_int_eq(nodes_find(n, "vm"), 0); /* the tests' node is node 0 */
    ck_assert_int_eq(nodes_registered(n, 0, &reg, T0), 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
}

static void teardown(void)
{
    nodes_destroy(n);
    n = NULL;
    flurm_slurmconf_destroy(conf);
    conf = NULL;
}

static void record(size_t i, enum nodes_contact how, void *arg)
{
    struct contacts *c = arg;

    ck_assert_uint_eq(i, 0);
    if (how == NODES_CONTACT_PING)
        c->pings++;
    else
        c->registrations++;
}

static struct contacts round_at(time_t t)
{
    struct contacts c = {0, 0};

    nodes_ping_round(n, t, record, &c);
    return c;
}

/* A round at `t` whose requests all go unanswered (MessageTimeout ends
 * them before the next round). */
static struct contacts silent_round_at(time_t t)
{
    struct contacts c = round_at(t);

    if (c.pings || c.registrations)
        nodes_ping_failed(n, 0, t, false, t + 1);
    return c;
}

/* A round at `t` whose requests slurmd answers at once with its load. */
static struct contacts answered_round_at(time_t t, uint32_t cpu_load, uint64_t free_mem)
{
    struct contacts c = round_at(t);

    if (c.pings)
        nodes_ping_answered(n, 0, cpu_load, free_mem, t);
    else if (c.registrations)
        nodes_ping_answered(n, 0, NO_VAL, NO_VAL64, t); /* an RC 0, no load */
    return c;
}

static json_t *node_rec(void)
{
    json_t *msg = json_pack("{s:s, s:i}", "node_name", "vm", "show_flags", 0), *reply = NULL, *rec;

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

/* Silence from T0 on: rounds every 2 s until the node is DOWN; returns
 * when that happened. */
static time_t silent_until_down(void)
{
    time_t t;

    for (t = T0 + 2; t < T0 + 100; t += 2) {
        silent_round_at(t);
        if ((nodes_state(n, 0) & NODES_STATE_BASE) == NODES_STATE_DOWN)
            return t;
    }
    ck_abort_msg("the node never went DOWN");
    return 0;
}

/* ---- interval ------------------------------------------------------------------------ */

START_TEST(rounds_run_every_third_of_slurmd_timeout_in_whole_seconds)
{
    make("SlurmdTimeout=6");
    ck_assert(nodes_ping_interval(n) == 2.0);
    make("SlurmdTimeout=10");
    ck_assert(nodes_ping_interval(n) == 3.0);
    make("SlurmdTimeout=2");
    ck_assert(nodes_ping_interval(n) == 1.0);
    make("SlurmdTimeout=0");
    ck_assert(nodes_ping_interval(n) == 100.0);
    make("");
    ck_assert(nodes_ping_interval(n) == 100.0); /* default SlurmdTimeout=300 */
}
END_TEST

/* ---- answering nodes ----------------------------------------------------------------- */

START_TEST(a_node_heard_from_within_a_third_of_slurmd_timeout_is_not_pinged)
{
    struct contacts c;

    make("SlurmdTimeout=6");
    c = round_at(T0 + 2); /* last answer T0 = now - 6/3: still live */
    ck_assert_int_eq(c.pings + c.registrations, 0);
    c = round_at(T0 + 3); /* now older than that */
    ck_assert_int_eq(c.pings, 1);
    ck_assert_int_eq(c.registrations, 0);
}
END_TEST

START_TEST(an_answering_node_stays_idle_and_shows_the_load_of_its_last_answer)
{
    json_t *rec;

    make("SlurmdTimeout=6");
    for (time_t t = T0 + 2; t <= T0 + 200; t += 2) {
        answered_round_at(t, 42, 777);
        ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    }
    ck_assert_int_eq(nodes_last_response(n, 0), T0 + 200);
    rec = node_rec();
    ck_assert_int_eq(rec_int(rec, "cpu_load"), 42);
    ck_assert_int_eq(rec_int(rec, "free_mem"), 777);
    json_decref(rec);
}
END_TEST

START_TEST(a_node_whose_load_is_older_than_slurmd_timeout_is_pinged_for_it)
{
    struct contacts c;

    make("SlurmdTimeout=6");
    /* an answer without load (an RC to a registration request) at T0+6 */
    nodes_ping_answered(n, 0, NO_VAL, NO_VAL64, T0 + 6);
    c = round_at(T0 + 7); /* heard from 1 s ago, but the load is 7 s old */
    ck_assert_int_eq(c.pings, 1);
}
END_TEST

/* Per node: how each was contacted in one round. */
static void record_each(size_t i, enum nodes_contact how, void *arg)
{
    enum nodes_contact *seen = arg;

    seen[i] = how;
}

START_TEST(unknown_and_resumed_nodes_are_asked_to_register_registered_ones_pinged)
{
    enum nodes_contact seen[2];
    size_t *changed = NULL, nchanged = 0;
    ssize_t x1;
    json_t *msg;

    make("SlurmdTimeout=6\nNodeName=x1 CPUs=1");
    ck_assert_int_ge(x1 = nodes_find(n, "x1"), 0);
    seen[0] = seen[1] = (enum nodes_contact)-1;
    nodes_ping_round(n, T0 + 3, record_each, seen);
    ck_assert_int_eq(seen[x1], NODES_CONTACT_REGISTER); /* never registered */
    ck_assert_int_eq(seen[nodes_find(n, "vm")], NODES_CONTACT_PING);
    /* an admin's RESUME: vm must register again */
    msg = json_pack("{s:s, s:I, s:s}", "node_names", "vm", "node_state",
                    (json_int_t)NODES_STATE_DRAIN, "reason", "r");
    ck_assert_int_eq(nodes_update(n, ROOT, msg, T0 + 4, &changed, &nchanged), 0);
    json_decref(msg);
    free(changed);
    msg = json_pack("{s:s, s:I}", "node_names", "vm", "node_state", (json_int_t)NODES_RESUME);
    ck_assert_int_eq(nodes_update(n, ROOT, msg, T0 + 4, &changed, &nchanged), 0);
    json_decref(msg);
    free(changed);
    seen[0] = seen[1] = (enum nodes_contact)-1;
    nodes_ping_round(n, T0 + 5, record_each, seen);
    ck_assert_int_eq(seen[nodes_find(n, "vm")], NODES_CONTACT_REGISTER);
}
END_TEST

/* ---- silence ------------------------------------------------------------------------- */

START_TEST(a_failed_ping_makes_the_node_not_responding_but_not_down)
{
    make("SlurmdTimeout=6");
    ck_assert_int_eq(silent_round_at(T0 + 2).pings, 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    ck_assert_int_eq(silent_round_at(T0 + 4).pings, 1);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE | NODES_STATE_NO_RESPOND); /* idle* */
    ck_assert_ptr_null(nodes_reason(n, 0));
    /* not responding nodes are pinged every round */
    ck_assert_int_eq(silent_round_at(T0 + 6).pings, 1);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE | NODES_STATE_NO_RESPOND);
}
END_TEST

START_TEST(a_node_silent_for_slurmd_timeout_goes_down_not_responding)
{
    time_t down;

    make("SlurmdTimeout=6");
    down = silent_until_down();
    /* the round after the one whose SlurmdTimeout window the last answer
     * (T0) fell out of: T0+6 - 6 = T0 */
    ck_assert_int_eq(down, T0 + 8);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_DOWN | NODES_STATE_NO_RESPOND); /* down* */
    ck_assert_str_eq(nodes_reason(n, 0), NODES_REASON_NOT_RESPONDING);
    ck_assert_int_eq(nodes_reason_uid(n, 0), NOBODY);
    ck_assert_int_eq(nodes_reason_time(n, 0), T0 + 8);
    ck_assert_int_eq(nodes_last_node_update(n), T0 + 8);
}
END_TEST

START_TEST(the_round_that_sets_a_node_down_counts_it_as_changed)
{
    make("SlurmdTimeout=6");
    for (time_t t = T0 + 2; t <= T0 + 6; t += 2)
        silent_round_at(t);
    ck_assert_uint_eq(nodes_ping_round(n, T0 + 8, NULL, NULL), 1);
    ck_assert_uint_eq(nodes_ping_round(n, T0 + 10, NULL, NULL), 0);
}
END_TEST

START_TEST(a_down_node_keeps_a_reason_an_admin_gave_it_before)
{
    json_t *msg;
    size_t *changed = NULL, nchanged = 0;

    make("SlurmdTimeout=6");
    msg = json_pack("{s:s, s:I, s:s}", "node_names", "vm", "node_state",
                    (json_int_t)NODES_STATE_DRAIN, "reason", "bad dimm");
    ck_assert_int_eq(nodes_update(n, ROOT, msg, T0 + 1, &changed, &nchanged), 0);
    json_decref(msg);
    free(changed);
    silent_until_down();
    ck_assert_str_eq(nodes_reason(n, 0), "bad dimm");
    ck_assert_int_eq(nodes_reason_uid(n, 0), ROOT);
    ck_assert(nodes_state(n, 0) & NODES_STATE_DRAIN);
}
END_TEST

START_TEST(a_silent_down_node_is_not_pinged_but_asked_to_register_every_20_rounds)
{
    time_t t;
    int rounds = 0, since_last = -1, registrations = 0;

    make("SlurmdTimeout=6");
    t = silent_until_down();

    for (t += 2; rounds < 60; t += 2, rounds++) {
        struct contacts c = silent_round_at(t);

        ck_assert_int_eq(c.pings, 0);
        if (c.registrations) {
            if (since_last >= 0)
                ck_assert_int_eq(rounds - since_last, 20);
            since_last = rounds;
            registrations++;
        }
    }
    ck_assert_int_eq(registrations, 3);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_DOWN | NODES_STATE_NO_RESPOND);
}
END_TEST

START_TEST(a_late_failure_does_not_count_when_the_node_answered_since)
{
    make("SlurmdTimeout=6");
    ck_assert_int_eq(round_at(T0 + 4).pings, 1);
    nodes_ping_answered(n, 0, 1, 1, T0 + 5); /* e.g. it registered meanwhile */
    ck_assert_int_eq(nodes_ping_failed(n, 0, T0 + 4, false, T0 + 14), 0);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
}
END_TEST

START_TEST(a_slurmd_that_answers_with_an_error_is_not_responding_but_never_down)
{
    make("SlurmdTimeout=6");
    for (time_t t = T0 + 2; t <= T0 + 100; t += 2) {
        struct contacts c = round_at(t);

        if (c.pings || c.registrations)
            ck_assert_int_le(nodes_ping_failed(n, 0, t, true, t), 1);
        ck_assert_int_eq(nodes_state(n, 0),
                         NODES_STATE_IDLE | (t >= T0 + 4 ? NODES_STATE_NO_RESPOND : 0));
    }
}
END_TEST

/* ---- coming back ---------------------------------------------------------------------- */

START_TEST(a_not_responding_node_that_answers_again_is_idle_and_never_down)
{
    make("SlurmdTimeout=6");
    silent_round_at(T0 + 2);
    silent_round_at(T0 + 4);
    ck_assert(nodes_state(n, 0) & NODES_STATE_NO_RESPOND);
    ck_assert_int_eq(answered_round_at(T0 + 6, 3, 500).pings, 1);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    for (time_t t = T0 + 8; t <= T0 + 60; t += 2)
        answered_round_at(t, 3, 500);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    ck_assert_ptr_null(nodes_reason(n, 0));
}
END_TEST

/* Down for silence, then the periodic registration request is answered. */
static void down_then_answer(void)
{
    time_t t = silent_until_down();

    for (t += 2;; t += 2) {
        if (answered_round_at(t, 7, 800).registrations)
            return;
        ck_assert_msg(t < T0 + 200, "never asked to register");
    }
}

START_TEST(return_to_service_2_brings_a_down_not_responding_node_back_idle)
{
    make("SlurmdTimeout=6\nReturnToService=2");
    down_then_answer();
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    ck_assert_ptr_null(nodes_reason(n, 0));
}
END_TEST

START_TEST(return_to_service_1_brings_a_down_not_responding_node_back_idle)
{
    make("SlurmdTimeout=6\nReturnToService=1");
    down_then_answer();
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    ck_assert_ptr_null(nodes_reason(n, 0));
}
END_TEST

START_TEST(return_to_service_0_leaves_it_down_but_responding)
{
    make("SlurmdTimeout=6\nReturnToService=0");
    down_then_answer();
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_DOWN); /* `down`, no `*` */
    ck_assert_str_eq(nodes_reason(n, 0), NODES_REASON_NOT_RESPONDING);
}
END_TEST

/* ---- SlurmdTimeout=0 ------------------------------------------------------------------- */

START_TEST(without_slurmd_timeout_a_silent_node_is_never_set_down)
{
    struct contacts c;

    make("SlurmdTimeout=0");
    /* the first round contacts everyone, later ones only the not responding */
    ck_assert_int_eq(silent_round_at(T0 + 3).pings, 1);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE | NODES_STATE_NO_RESPOND);
    for (time_t t = T0 + 103; t < T0 + 5000; t += 100) {
        c = silent_round_at(t);
        /* a ping, or every 20th round the periodic registration request */
        ck_assert_int_eq(c.pings + c.registrations, 1);
        ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE | NODES_STATE_NO_RESPOND);
    }
    /* an answer brings it back, and a responding node is left alone */
    answered_round_at(T0 + 5003, 1, 1);
    ck_assert_int_eq(nodes_state(n, 0), NODES_STATE_IDLE);
    c = round_at(T0 + 5103);
    ck_assert_int_eq(c.pings, 0);
}
END_TEST

static Suite *ping_suite(void)
{
    Suite *s = suite_create("nodemgr_ping");
    TCase *tc = tcase_create("timeline");

    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, rounds_run_every_third_of_slurmd_timeout_in_whole_seconds);
    tcase_add_test(tc, a_node_heard_from_within_a_third_of_slurmd_timeout_is_not_pinged);
    tcase_add_test(tc, an_answering_node_stays_idle_and_shows_the_load_of_its_last_answer);
    tcase_add_test(tc, a_node_whose_load_is_older_than_slurmd_timeout_is_pinged_for_it);
    tcase_add_test(tc, unknown_and_resumed_nodes_are_asked_to_register_registered_ones_pinged);
    tcase_add_test(tc, a_failed_ping_makes_the_node_not_responding_but_not_down);
    tcase_add_test(tc, a_node_silent_for_slurmd_timeout_goes_down_not_responding);
    tcase_add_test(tc, the_round_that_sets_a_node_down_counts_it_as_changed);
    tcase_add_test(tc, a_down_node_keeps_a_reason_an_admin_gave_it_before);
    tcase_add_test(tc, a_silent_down_node_is_not_pinged_but_asked_to_register_every_20_rounds);
    tcase_add_test(tc, a_late_failure_does_not_count_when_the_node_answered_since);
    tcase_add_test(tc, a_slurmd_that_answers_with_an_error_is_not_responding_but_never_down);
    tcase_add_test(tc, a_not_responding_node_that_answers_again_is_idle_and_never_down);
    tcase_add_test(tc, return_to_service_2_brings_a_down_not_responding_node_back_idle);
    tcase_add_test(tc, return_to_service_1_brings_a_down_not_responding_node_back_idle);
    tcase_add_test(tc, return_to_service_0_leaves_it_down_but_responding);
    tcase_add_test(tc, without_slurmd_timeout_a_silent_node_is_never_set_down);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ping_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
