/*
 * test_loop.c - work posted from other threads runs on the loop thread,
 * once per posting, in order, and can be withdrawn.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/loop.h"

struct counter {
    struct flurm_loop *loop;
    pthread_t loop_thread;
    int runs;
    int on_loop_thread;
    int stop_after;
    int order[8];
};

static void count_run(void *arg)
{
    struct counter *c = arg;

    if (pthread_equal(pthread_self(), c->loop_thread))
        c->on_loop_thread++;
    c->runs++;
    if (c->runs >= c->stop_after)
        flurm_loop_stop(c->loop);
}

struct poster {
    struct flurm_loop *loop;
    struct flurm_loop_work *work;
};

static void *post_from_thread(void *arg)
{
    struct poster *p = arg;

    flurm_loop_post(p->loop, p->work);
    return NULL;
}

/* Stop the loop after `seconds` even if the test's condition never comes. */
static void guard_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)revents;
    (void)w;
    ev_break(ev, EVBREAK_ALL);
}

START_TEST(work_posted_from_another_thread_runs_on_the_loop_thread)
{
    struct counter c = {.stop_after = 1};
    struct flurm_loop_work work;
    struct poster p;
    pthread_t thread;
    ev_timer guard;

    c.loop = flurm_loop_create();
    ck_assert_ptr_nonnull(c.loop);
    c.loop_thread = pthread_self();
    flurm_loop_work_init(&work, count_run, &c);
    p.loop = c.loop;
    p.work = &work;
    ck_assert_int_eq(pthread_create(&thread, NULL, post_from_thread, &p), 0);
    ev_timer_init(&guard, guard_cb, 5.0, 0.0);
    ev_timer_start(flurm_loop_ev(c.loop), &guard);
    flurm_loop_run(c.loop);
    pthread_join(thread, NULL);
    ck_assert_int_eq(c.runs, 1);
    ck_assert_int_eq(c.on_loop_thread, 1);
    ev_timer_stop(flurm_loop_ev(c.loop), &guard);
    flurm_loop_destroy(c.loop);
}
END_TEST

START_TEST(posting_a_queued_work_again_runs_it_once)
{
    struct counter c = {.stop_after = 100};
    struct flurm_loop_work work;
    ev_timer guard;

    c.loop = flurm_loop_create();
    c.loop_thread = pthread_self();
    flurm_loop_work_init(&work, count_run, &c);
    flurm_loop_post(c.loop, &work);
    flurm_loop_post(c.loop, &work);
    ev_timer_init(&guard, guard_cb, 0.1, 0.0);
    ev_timer_start(flurm_loop_ev(c.loop), &guard);
    flurm_loop_run(c.loop);
    ck_assert_int_eq(c.runs, 1);
    flurm_loop_destroy(c.loop);
}
END_TEST

struct ordered {
    struct counter *c;
    int id;
    struct flurm_loop_work work;
};

static void record_order(void *arg)
{
    struct ordered *o = arg;

    o->c->order[o->c->runs] = o->id;
    count_run(o->c);
}

START_TEST(work_runs_in_posting_order)
{
    struct counter c = {.stop_after = 4};
    struct ordered items[4];
    ev_timer guard;

    c.loop = flurm_loop_create();
    c.loop_thread = pthread_self();
    for (int i = 0; i < 4; i++) {
        items[i].c = &c;
        items[i].id = i;
        flurm_loop_work_init(&items[i].work, record_order, &items[i]);
        flurm_loop_post(c.loop, &items[i].work);
    }
    ev_timer_init(&guard, guard_cb, 5.0, 0.0);
    ev_timer_start(flurm_loop_ev(c.loop), &guard);
    flurm_loop_run(c.loop);
    ck_assert_int_eq(c.runs, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(c.order[i], i);
    ev_timer_stop(flurm_loop_ev(c.loop), &guard);
    flurm_loop_destroy(c.loop);
}
END_TEST

struct canceller {
    struct flurm_loop *loop;
    struct flurm_loop_work first;
    struct flurm_loop_work second;
    int second_ran;
    int cancel_result;
};

static void cancel_second(void *arg)
{
    struct canceller *k = arg;

    k->cancel_result = flurm_loop_cancel(k->loop, &k->second);
}

static void mark_second(void *arg)
{
    ((struct canceller *)arg)->second_ran = 1;
}

START_TEST(work_cancelled_by_earlier_work_does_not_run)
{
    struct canceller k = {0};
    ev_timer guard;

    k.loop = flurm_loop_create();
    flurm_loop_work_init(&k.first, cancel_second, &k);
    flurm_loop_work_init(&k.second, mark_second, &k);
    flurm_loop_post(k.loop, &k.first);
    flurm_loop_post(k.loop, &k.second);
    ev_timer_init(&guard, guard_cb, 0.1, 0.0);
    ev_timer_start(flurm_loop_ev(k.loop), &guard);
    flurm_loop_run(k.loop);
    ck_assert_int_eq(k.cancel_result, 1);
    ck_assert_int_eq(k.second_ran, 0);
    ck_assert_int_eq(flurm_loop_cancel(k.loop, &k.second), 0);
    flurm_loop_destroy(k.loop);
}
END_TEST

START_TEST(only_one_loop_at_a_time)
{
    struct flurm_loop *a = flurm_loop_create();
    struct flurm_loop *b;

    ck_assert_ptr_nonnull(a);
    b = flurm_loop_create();
    ck_assert_ptr_null(b);
    ck_assert_int_eq(errno, EBUSY);
    flurm_loop_destroy(a);
    a = flurm_loop_create();
    ck_assert_ptr_nonnull(a);
    flurm_loop_destroy(a);
    flurm_loop_destroy(NULL);
}
END_TEST

static Suite *loop_suite(void)
{
    Suite *s = suite_create("loop");
    TCase *tc = tcase_create("loop");

    tcase_add_test(tc, work_posted_from_another_thread_runs_on_the_loop_thread);
    tcase_add_test(tc, posting_a_queued_work_again_runs_it_once);
    tcase_add_test(tc, work_runs_in_posting_order);
    tcase_add_test(tc, work_cancelled_by_earlier_work_does_not_run);
    tcase_add_test(tc, only_one_loop_at_a_time);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(loop_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
