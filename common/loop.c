/*
 * loop.c - the process's libev default loop and the cross-thread work queue
 * that carries NNG completions onto it (see loop.h).
 *
 * The queue is an intrusive FIFO under a mutex; an ev_async wakes the loop.
 * The loop pops one item at a time (not the whole batch) so that a work
 * function may cancel another queued item, e.g. while destroying the object
 * that owns it.
 */
#include "common/loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct flurm_loop {
    struct ev_loop *ev;
    ev_async wakeup;
    pthread_mutex_t lock;
    struct flurm_loop_work *head;
    struct flurm_loop_work *tail;
    size_t queued;
};

static int loop_exists;

static struct flurm_loop_work *queue_pop(struct flurm_loop *loop)
{
    struct flurm_loop_work *work;

    pthread_mutex_lock(&loop->lock);
    work = loop->head;
    if (work) {
        loop->head = work->next;
        if (!loop->head)
            loop->tail = NULL;
        work->next = NULL;
        work->queued = 0;
        loop->queued--;
    }
    pthread_mutex_unlock(&loop->lock);
    return work;
}

static void wakeup_cb(struct ev_loop *ev, ev_async *w, int revents)
{
    struct flurm_loop *loop = w->data;
    size_t budget;

    (void)ev;
    (void)revents;
    /* Run only what was there on wake-up, so a steady stream of posts
     * cannot starve timers and I/O; the rest waits for the next iteration. */
    pthread_mutex_lock(&loop->lock);
    budget = loop->queued;
    pthread_mutex_unlock(&loop->lock);
    while (budget-- > 0) {
        struct flurm_loop_work *work = queue_pop(loop);
        if (!work)
            break;
        work->fn(work->arg);
    }
    pthread_mutex_lock(&loop->lock);
    if (loop->head)
        ev_async_send(loop->ev, &loop->wakeup);
    pthread_mutex_unlock(&loop->lock);
}

struct flurm_loop *flurm_loop_create(void)
{
    struct flurm_loop *loop = NULL;

    if (loop_exists) {
        errno = EBUSY;
        goto error;
    }
    if (!(loop = calloc(1, sizeof(*loop))))
        goto error;
    if (pthread_mutex_init(&loop->lock, NULL) != 0) {
        free(loop);
        loop = NULL;
        errno = ENOMEM;
        goto error;
    }
    if (!(loop->ev = ev_default_loop(EVFLAG_AUTO))) {
        errno = ENOSYS;
        goto error;
    }
    ev_async_init(&loop->wakeup, wakeup_cb);
    loop->wakeup.data = loop;
    ev_async_start(loop->ev, &loop->wakeup);
    loop_exists = 1;
    return loop;
error:
    if (loop) {
        int saved = errno;
        pthread_mutex_destroy(&loop->lock);
        free(loop);
        errno = saved;
    }
    return NULL;
}

void flurm_loop_destroy(struct flurm_loop *loop)
{
    if (!loop)
        return;
    ev_async_stop(loop->ev, &loop->wakeup);
    /* The default loop is torn down so that a later flurm_loop_create()
     * (tests create several in one process) starts from a clean state. */
    ev_loop_destroy(loop->ev);
    pthread_mutex_destroy(&loop->lock);
    free(loop);
    loop_exists = 0;
}

struct ev_loop *flurm_loop_ev(struct flurm_loop *loop)
{
    return loop->ev;
}

double flurm_loop_now(struct flurm_loop *loop)
{
    return ev_now(loop->ev);
}

int flurm_loop_run(struct flurm_loop *loop)
{
    ev_run(loop->ev, 0);
    return 0;
}

void flurm_loop_stop(struct flurm_loop *loop)
{
    ev_break(loop->ev, EVBREAK_ALL);
}

void flurm_loop_work_init(struct flurm_loop_work *work, flurm_loop_fn fn, void *arg)
{
    work->fn = fn;
    work->arg = arg;
    work->next = NULL;
    work->queued = 0;
}

void flurm_loop_post(struct flurm_loop *loop, struct flurm_loop_work *work)
{
    pthread_mutex_lock(&loop->lock);
    if (!work->queued) {
        work->queued = 1;
        work->next = NULL;
        if (loop->tail)
            loop->tail->next = work;
        else
            loop->head = work;
        loop->tail = work;
        loop->queued++;
    }
    /* Sent under the lock: flurm_loop_destroy() cannot free the watcher
     * between our enqueue and the wake-up. */
    ev_async_send(loop->ev, &loop->wakeup);
    pthread_mutex_unlock(&loop->lock);
}

int flurm_loop_cancel(struct flurm_loop *loop, struct flurm_loop_work *work)
{
    struct flurm_loop_work *prev = NULL;
    struct flurm_loop_work *cur;
    int found = 0;

    pthread_mutex_lock(&loop->lock);
    if (work->queued) {
        for (cur = loop->head; cur; prev = cur, cur = cur->next) {
            if (cur != work)
                continue;
            if (prev)
                prev->next = cur->next;
            else
                loop->head = cur->next;
            if (loop->tail == cur)
                loop->tail = prev;
            cur->next = NULL;
            cur->queued = 0;
            loop->queued--;
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&loop->lock);
    return found;
}
