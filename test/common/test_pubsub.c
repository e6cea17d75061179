/*
 * test_pubsub.c - events arrive numbered, filtered by type prefix, and a
 * subscriber is told when some went missing: a jump, a new publisher
 * instance, a new connection, or a beat saying more was published.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>

#include "common/ipc.h"
#include "common/loop.h"
#include "common/msg.h"
#include "common/pubsub.h"
#include "common/service.h"

#define MAX_SEEN 64

struct seen {
    int n;
    char type[MAX_SEEN][FLURM_MSG_TYPE_MAX + 1];
    uint64_t seq[MAX_SEEN];
    int gaps;
    enum flurm_sub_gap_kind gap_kind[MAX_SEEN];
    bool gap_new_instance[MAX_SEEN];
    char gap_type[MAX_SEEN][FLURM_MSG_TYPE_MAX + 1];
    uint64_t gap_expected[MAX_SEEN];
    uint64_t gap_got[MAX_SEEN];
    char gap_old_src[MAX_SEEN][32];
    char gap_new_src[MAX_SEEN][32];
    int gap_before_event[MAX_SEEN]; /* events seen when the gap came */
    int probes;
};

static void on_event(const struct flurm_msg *ev, void *arg)
{
    struct seen *s = arg;

    if (strcmp(flurm_msg_type(ev), "probe") == 0) {
        s->probes++;
        return;
    }
    ck_assert_int_lt(s->n, MAX_SEEN);
    snprintf(s->type[s->n], sizeof(s->type[0]), "%s", flurm_msg_type(ev));
    s->seq[s->n] = flurm_msg_seq(ev);
    s->n++;
}

static void on_gap(const struct flurm_sub_gap *gap, void *arg)
{
    struct seen *s = arg;
    int i = s->gaps++;

    ck_assert_int_lt(i, MAX_SEEN);
    s->gap_kind[i] = gap->kind;
    s->gap_new_instance[i] = flurm_sub_gap_new_instance(gap);
    snprintf(s->gap_type[i], sizeof(s->gap_type[0]), "%s", gap->type ? gap->type : "");
    s->gap_expected[i] = gap->expected;
    s->gap_got[i] = gap->got;
    snprintf(s->gap_old_src[i], sizeof(s->gap_old_src[0]), "%s",
             gap->old_src ? gap->old_src : "");
    snprintf(s->gap_new_src[i], sizeof(s->gap_new_src[0]), "%s", gap->new_src);
    s->gap_before_event[i] = s->n;
}

typedef int (*cond_fn)(void *arg);
typedef void (*tick_fn)(void *arg);

struct waiter {
    cond_fn cond;
    void *arg;
    tick_fn tick;
    void *tick_arg;
};

static void poll_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct waiter *wt = w->data;

    (void)revents;
    if (wt->tick)
        wt->tick(wt->tick_arg);
    if (wt->cond(wt->arg))
        ev_break(ev, EVBREAK_ALL);
}

/* Run the loop, calling tick every 10 ms, until cond holds or 5 s pass. */
static int run_until(struct flurm_loop *loop, cond_fn cond, void *arg, tick_fn tick,
                     void *tick_arg)
{
    struct waiter wt = {cond, arg, tick, tick_arg};
    ev_timer poll;
    ev_tstamp give_up = ev_time() + 5.0;

    ev_timer_init(&poll, poll_cb, 0.01, 0.01);
    poll.data = &wt;
    ev_timer_start(flurm_loop_ev(loop), &poll);
    while (!cond(arg) && ev_time() < give_up)
        ev_run(flurm_loop_ev(loop), EVRUN_ONCE);
    ev_timer_stop(flurm_loop_ev(loop), &poll);
    return cond(arg);
}

static int got_probe(void *arg)
{
    return ((struct seen *)arg)->probes > 0;
}

struct count_goal {
    struct seen *s;
    int n;
};

static int got_events(void *arg)
{
    struct count_goal *g = arg;

    return g->s->n >= g->n;
}

static void publish_probe(void *arg)
{
    flurm_publisher_publish(arg, "probe", NULL);
}

/* Raw frames, for sequences a correct publisher never produces. */
struct raw_pub {
    nng_socket sock;
};

static void raw_send(struct raw_pub *p, const char *type, const char *src, uint64_t seq)
{
    size_t len;
    char *buf = flurm_msg_encode_event(type, src, seq, NULL, &len);

    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(nng_send(p->sock, buf, len, 0), 0);
    free(buf);
}

/* A beat from src saying the last seqs published are `seqs` (JSON text). */
static void raw_beat(struct raw_pub *p, const char *src, const char *seqs)
{
    size_t len;
    json_t *body = json_pack("{s:o}", "seqs", json_loads(seqs, 0, NULL));
    char *buf;

    ck_assert_ptr_nonnull(body);
    buf = flurm_msg_encode_event(FLURM_PUB_BEAT_TYPE, src, 0, body, &len);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(nng_send(p->sock, buf, len, 0), 0);
    free(buf);
    json_decref(body);
}

static void raw_probe(void *arg)
{
    raw_send(arg, "probe", "probe.1", 1);
}

struct gap_goal {
    struct seen *s;
    int n;
};

static int got_gaps(void *arg)
{
    struct gap_goal *g = arg;

    return g->s->gaps >= g->n;
}

struct env {
    char rundir[64];
    char *url;
    struct flurm_loop *loop;
};

static void env_setup(struct env *e)
{
    strcpy(e->rundir, "/tmp/flurm-test-pub-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(e->rundir));
    ck_assert_int_eq(flurm_ipc_prepare_dir(e->rundir), 0);
    e->url = flurm_ipc_instance_url(e->rundir, "pub", 1, FLURM_IPC_EVENTS);
    ck_assert_ptr_nonnull(e->url);
    ck_assert_ptr_nonnull(e->loop = flurm_loop_create());
}

static void env_teardown(struct env *e)
{
    char cmd[128];

    flurm_loop_destroy(e->loop);
    free(e->url);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", e->rundir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A raw publisher at e's url and a subscriber to `prefix` (and to the
 * probes) connected to it: the first probe has come (its gap too). */
static struct flurm_subscriber *raw_connected(struct env *e, struct raw_pub *raw, struct seen *s,
                                              const char *prefix)
{
    struct flurm_subscriber *sub;

    ck_assert_int_eq(nng_pub0_open(&raw->sock), 0);
    ck_assert_int_eq(nng_listen(raw->sock, e->url, NULL, 0), 0);
    ck_assert_ptr_nonnull(sub = flurm_subscriber_create(e->loop, e->url, on_event, on_gap, s));
    ck_assert_int_eq(flurm_subscriber_subscribe(sub, prefix), 0);
    ck_assert_int_eq(flurm_subscriber_subscribe(sub, "probe"), 0);
    ck_assert(run_until(e->loop, got_probe, s, raw_probe, raw));
    return sub;
}

START_TEST(events_arrive_in_order_with_increasing_seq)
{
    struct env e;
    struct seen s = {0};
    struct count_goal goal = {&s, 5};
    struct flurm_publisher *pub;
    struct flurm_subscriber *sub;

    env_setup(&e);
    ck_assert_ptr_nonnull(pub = flurm_publisher_create("pub.1"));
    ck_assert_int_eq(flurm_publisher_listen(pub, e.url), 0);
    ck_assert_ptr_nonnull(sub = flurm_subscriber_create(e.loop, e.url, on_event, on_gap, &s));
    ck_assert_int_eq(flurm_subscriber_subscribe(sub, ""), 0);
    ck_assert(run_until(e.loop, got_probe, &s, publish_probe, pub));

    for (uint64_t i = 1; i <= 5; i++)
        ck_assert_uint_eq(flurm_publisher_publish(pub, "job.state", NULL), i);
    ck_assert(run_until(e.loop, got_events, &goal, NULL, NULL));
    for (int i = 0; i < 5; i++) {
        ck_assert_str_eq(s.type[i], "job.state");
        ck_assert_uint_eq(s.seq[i], (uint64_t)i + 1);
    }
    /* The one gap is the connection: the first message over it says that
     * anything before may be lost; events of a type new since then that
     * start at seq 1 missed nothing. */
    ck_assert_int_eq(s.gaps, 1);
    ck_assert_int_eq(s.gap_kind[0], FLURM_SUB_GAP_CONNECT);
    ck_assert_str_eq(s.gap_old_src[0], "");
    ck_assert_str_eq(s.gap_new_src[0], "pub.1");
    ck_assert_int_eq(s.gap_before_event[0], 0);
    ck_assert_uint_eq(flurm_subscriber_gaps(sub), 1);
    flurm_subscriber_destroy(sub);
    flurm_publisher_destroy(pub);
    env_teardown(&e);
}
END_TEST

START_TEST(a_jump_in_seq_is_reported_as_a_gap_before_the_event)
{
    struct env e;
    struct seen s = {0};
    struct count_goal goal = {&s, 3};
    struct raw_pub raw;
    struct flurm_subscriber *sub;

    env_setup(&e);
    sub = raw_connected(&e, &raw, &s, "");

    /* Same src as the probes, so only the jump can be a gap. */
    raw_send(&raw, "t.x", "probe.1", 1);
    raw_send(&raw, "t.x", "probe.1", 2);
    raw_send(&raw, "t.x", "probe.1", 4);
    ck_assert(run_until(e.loop, got_events, &goal, NULL, NULL));
    ck_assert_int_eq(s.gaps, 2); /* the connection's, then the jump */
    ck_assert_int_eq(s.gap_kind[1], FLURM_SUB_GAP_SEQ);
    ck_assert_str_eq(s.gap_type[1], "t.x");
    ck_assert_uint_eq(s.gap_expected[1], 3);
    ck_assert_uint_eq(s.gap_got[1], 4);
    ck_assert_int_eq(s.gap_before_event[1], 2);
    ck_assert_uint_eq(s.seq[2], 4);
    flurm_subscriber_destroy(sub);
    nng_close(raw.sock);
    env_teardown(&e);
}
END_TEST

START_TEST(a_new_publisher_instance_is_reported_as_a_gap)
{
    struct env e;
    struct seen s = {0};
    struct count_goal goal = {&s, 2};
    struct raw_pub raw;
    struct flurm_subscriber *sub;

    env_setup(&e);
    sub = raw_connected(&e, &raw, &s, "");

    raw_send(&raw, "t.x", "probe.1", 1);
    raw_send(&raw, "t.x", "store.2", 1); /* a reloaded publisher starts again */
    ck_assert(run_until(e.loop, got_events, &goal, NULL, NULL));
    ck_assert_int_eq(s.gaps, 2); /* the connection's, then the new instance */
    ck_assert_int_eq(s.gap_kind[1], FLURM_SUB_GAP_SRC);
    ck_assert(!s.gap_new_instance[0]); /* the first connection: nobody heard before */
    ck_assert(s.gap_new_instance[1]);
    ck_assert_str_eq(s.gap_type[1], "");
    ck_assert_str_eq(s.gap_old_src[1], "probe.1");
    ck_assert_str_eq(s.gap_new_src[1], "store.2");
    ck_assert_int_eq(s.gap_before_event[1], 1);
    flurm_subscriber_destroy(sub);
    nng_close(raw.sock);
    env_teardown(&e);
}
END_TEST

START_TEST(prefix_subscription_sees_only_its_types_with_consecutive_seqs)
{
    struct env e;
    struct seen s = {0};
    struct count_goal goal = {&s, 3};
    struct flurm_publisher *pub;
    struct flurm_subscriber *sub;

    env_setup(&e);
    ck_assert_ptr_nonnull(pub = flurm_publisher_create("pub.1"));
    ck_assert_int_eq(flurm_publisher_listen(pub, e.url), 0);
    ck_assert_ptr_nonnull(sub = flurm_subscriber_create(e.loop, e.url, on_event, on_gap, &s));
    ck_assert_int_eq(flurm_subscriber_subscribe(sub, "job."), 0);
    ck_assert_int_eq(flurm_subscriber_subscribe(sub, "probe"), 0);
    ck_assert(run_until(e.loop, got_probe, &s, publish_probe, pub));

    flurm_publisher_publish(pub, "job.a", NULL);
    flurm_publisher_publish(pub, "node.b", NULL);
    flurm_publisher_publish(pub, "jobstore.x", NULL);
    flurm_publisher_publish(pub, "job.a", NULL);
    flurm_publisher_publish(pub, "job.c", NULL);
    ck_assert(run_until(e.loop, got_events, &goal, NULL, NULL));
    ck_assert_str_eq(s.type[0], "job.a");
    ck_assert_uint_eq(s.seq[0], 1);
    ck_assert_str_eq(s.type[1], "job.a");
    ck_assert_uint_eq(s.seq[1], 2);
    ck_assert_str_eq(s.type[2], "job.c");
    ck_assert_uint_eq(s.seq[2], 1);
    ck_assert_int_eq(s.gaps, 1);
    ck_assert_int_eq(s.gap_kind[0], FLURM_SUB_GAP_CONNECT);
    flurm_subscriber_destroy(sub);
    flurm_publisher_destroy(pub);
    env_teardown(&e);
}
END_TEST

START_TEST(a_new_connection_is_a_gap_even_from_the_same_instance)
{
    struct env e;
    struct seen s = {0};
    struct count_goal goal = {&s, 1};
    struct flurm_publisher *pub;
    struct flurm_subscriber *sub;
    int before;

    env_setup(&e);
    ck_assert_ptr_nonnull(pub = flurm_publisher_create("pub.1"));
    ck_assert_int_eq(flurm_publisher_listen(pub, e.url), 0);
    ck_assert_ptr_nonnull(sub = flurm_subscriber_create(e.loop, e.url, on_event, on_gap, &s));
    ck_assert_int_eq(flurm_subscriber_subscribe(sub, ""), 0);
    ck_assert(run_until(e.loop, got_probe, &s, publish_probe, pub));
    ck_assert_uint_eq(flurm_publisher_publish(pub, "job.x", NULL), 1);
    ck_assert(run_until(e.loop, got_events, &goal, NULL, NULL));
    ck_assert_int_eq(s.gaps, 1);

    /* The publisher goes away and one with the same src comes back: what
     * was published while the subscriber was not connected is unknown. */
    flurm_publisher_destroy(pub);
    ck_assert_ptr_nonnull(pub = flurm_publisher_create("pub.1"));
    ck_assert_int_eq(flurm_publisher_listen(pub, e.url), 0);
    before = s.probes;
    s.probes = 0;
    ck_assert(run_until(e.loop, got_probe, &s, publish_probe, pub));
    ck_assert_int_gt(before, 0);
    ck_assert_int_eq(s.gaps, 2);
    ck_assert_int_eq(s.gap_kind[1], FLURM_SUB_GAP_CONNECT);
    ck_assert(!s.gap_new_instance[1]);
    ck_assert_str_eq(s.gap_old_src[1], "pub.1");
    ck_assert_str_eq(s.gap_new_src[1], "pub.1");
    flurm_subscriber_destroy(sub);
    flurm_publisher_destroy(pub);
    env_teardown(&e);
}
END_TEST

START_TEST(a_beat_reveals_lost_trailing_events_and_is_not_delivered)
{
    struct env e;
    struct seen s = {0};
    struct count_goal goal = {&s, 1};
    struct gap_goal two = {&s, 2}, three = {&s, 3};
    struct raw_pub raw;
    struct flurm_subscriber *sub;

    env_setup(&e);
    sub = raw_connected(&e, &raw, &s, "t.");
    raw_send(&raw, "t.x", "probe.1", 1);
    ck_assert(run_until(e.loop, got_events, &goal, NULL, NULL));
    ck_assert_int_eq(s.gaps, 1); /* the connection's */

    /* Events 2 and 3 never came, and nothing follows them but beats. */
    raw_beat(&raw, "probe.1", "{\"t.x\": 3, \"other.y\": 9}");
    ck_assert(run_until(e.loop, got_gaps, &two, NULL, NULL));
    ck_assert_int_eq(s.gap_kind[1], FLURM_SUB_GAP_SEQ);
    ck_assert_str_eq(s.gap_type[1], "t.x");
    ck_assert_uint_eq(s.gap_expected[1], 2);
    ck_assert_uint_eq(s.gap_got[1], 3);

    /* The same beat again, then the next event: nothing more is missing.
     * A type published for the first time after a beat is known to start
     * at 1: seq 2 of it means seq 1 was lost. */
    raw_beat(&raw, "probe.1", "{\"t.x\": 3, \"other.y\": 9}");
    raw_send(&raw, "t.x", "probe.1", 4);
    raw_send(&raw, "t.z", "probe.1", 2);
    goal.n = 3;
    ck_assert(run_until(e.loop, got_events, &goal, NULL, NULL));
    ck_assert(run_until(e.loop, got_gaps, &three, NULL, NULL));
    ck_assert_int_eq(s.gaps, 3);
    ck_assert_str_eq(s.gap_type[2], "t.z");
    ck_assert_uint_eq(s.gap_expected[2], 1);
    ck_assert_uint_eq(s.gap_got[2], 2);
    ck_assert_int_eq(s.gap_before_event[2], 2);
    /* beats never reach on_event, nor the event count */
    ck_assert_str_eq(s.type[0], "t.x");
    ck_assert_str_eq(s.type[1], "t.x");
    ck_assert_uint_eq(s.seq[1], 4);
    ck_assert_str_eq(s.type[2], "t.z");
    ck_assert_uint_eq(flurm_subscriber_events(sub), (unsigned long)s.n + (unsigned long)s.probes);
    flurm_subscriber_destroy(sub);
    nng_close(raw.sock);
    env_teardown(&e);
}
END_TEST

START_TEST(a_beat_from_a_quiet_new_instance_is_a_gap)
{
    struct env e;
    struct seen s = {0};
    struct gap_goal two = {&s, 2};
    struct raw_pub raw;
    struct flurm_subscriber *sub;

    env_setup(&e);
    sub = raw_connected(&e, &raw, &s, "probe");

    /* A restarted publisher that has published nothing yet. */
    raw_beat(&raw, "store.2", "{}");
    ck_assert(run_until(e.loop, got_gaps, &two, NULL, NULL));
    ck_assert_int_eq(s.gap_kind[1], FLURM_SUB_GAP_SRC);
    ck_assert_str_eq(s.gap_old_src[1], "probe.1");
    ck_assert_str_eq(s.gap_new_src[1], "store.2");
    ck_assert_int_eq(s.n, 0);
    flurm_subscriber_destroy(sub);
    nng_close(raw.sock);
    env_teardown(&e);
}
END_TEST

START_TEST(beat_is_a_reserved_type)
{
    struct flurm_publisher *pub = flurm_publisher_create("pub.1");

    ck_assert_ptr_nonnull(pub);
    errno = 0;
    ck_assert_uint_eq(flurm_publisher_publish(pub, FLURM_PUB_BEAT_TYPE, NULL), 0);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_uint_eq(flurm_publisher_publish(pub, "beats.x", NULL), 1);
    flurm_publisher_destroy(pub);
}
END_TEST

static const struct flurm_handler no_handlers[] = {{NULL, NULL}};

static void service_probe(void *arg)
{
    flurm_service_publish(arg, "probe", NULL);
}

START_TEST(a_service_publishes_through_its_events_link_under_its_own_src)
{
    struct env e;
    struct seen s = {0};
    struct count_goal goal = {&s, 1};
    struct flurm_service *svc;
    struct flurm_subscriber *sub;
    char *link;

    env_setup(&e);
    svc = flurm_service_create(e.loop, "pub", "v", no_handlers, NULL);
    ck_assert_ptr_nonnull(svc);
    ck_assert_int_eq(flurm_service_set_rundir(svc, e.rundir), 0);
    ck_assert_uint_eq(flurm_service_publish(svc, "early", NULL), 0);
    ck_assert_int_eq(errno, ENOTCONN);
    flurm_service_enable_events(svc);
    ck_assert_int_eq(flurm_service_start(svc), 0);
    link = flurm_ipc_link_url(e.rundir, "pub", FLURM_IPC_EVENTS);
    ck_assert_ptr_nonnull(sub = flurm_subscriber_create(e.loop, link, on_event, on_gap, &s));
    free(link);
    ck_assert_int_eq(flurm_subscriber_subscribe(sub, ""), 0);
    ck_assert(run_until(e.loop, got_probe, &s, service_probe, svc));
    ck_assert_uint_eq(flurm_service_publish(svc, "node.up", NULL), 1);
    ck_assert(run_until(e.loop, got_events, &goal, NULL, NULL));
    ck_assert_str_eq(s.type[0], "node.up");
    flurm_subscriber_destroy(sub);
    flurm_service_destroy(svc);
    env_teardown(&e);
}
END_TEST

START_TEST(a_quiet_service_beats)
{
    struct env e;
    struct seen s = {0};
    struct gap_goal one = {&s, 1};
    struct flurm_service *svc;
    struct flurm_subscriber *sub;
    char *link, src[32];

    env_setup(&e);
    ck_assert_ptr_nonnull(svc = flurm_service_create(e.loop, "pub", "v", no_handlers, NULL));
    ck_assert_int_eq(flurm_service_set_rundir(svc, e.rundir), 0);
    flurm_service_enable_events(svc);
    ck_assert_int_eq(flurm_service_start(svc), 0);
    link = flurm_ipc_link_url(e.rundir, "pub", FLURM_IPC_EVENTS);
    ck_assert_ptr_nonnull(sub = flurm_subscriber_create(e.loop, link, on_event, on_gap, &s));
    free(link);
    ck_assert_int_eq(flurm_subscriber_subscribe(sub, "job."), 0);
    /* Nothing is published: the beat alone tells the subscriber whom it
     * hears over its new connection. */
    ck_assert(run_until(e.loop, got_gaps, &one, NULL, NULL));
    snprintf(src, sizeof(src), "pub.%ld", (long)getpid());
    ck_assert_int_eq(s.gap_kind[0], FLURM_SUB_GAP_CONNECT);
    ck_assert_str_eq(s.gap_new_src[0], src);
    ck_assert_int_eq(s.n, 0);
    flurm_subscriber_destroy(sub);
    flurm_service_destroy(svc);
    env_teardown(&e);
}
END_TEST

static Suite *pubsub_suite(void)
{
    Suite *s = suite_create("pubsub");
    TCase *tc = tcase_create("pubsub");

    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, events_arrive_in_order_with_increasing_seq);
    tcase_add_test(tc, a_jump_in_seq_is_reported_as_a_gap_before_the_event);
    tcase_add_test(tc, a_new_publisher_instance_is_reported_as_a_gap);
    tcase_add_test(tc, prefix_subscription_sees_only_its_types_with_consecutive_seqs);
    tcase_add_test(tc, a_service_publishes_through_its_events_link_under_its_own_src);
    tcase_add_test(tc, a_new_connection_is_a_gap_even_from_the_same_instance);
    tcase_add_test(tc, a_beat_reveals_lost_trailing_events_and_is_not_delivered);
    tcase_add_test(tc, a_beat_from_a_quiet_new_instance_is_a_gap);
    tcase_add_test(tc, beat_is_a_reserved_type);
    tcase_add_test(tc, a_quiet_service_beats);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pubsub_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
