/*
 * pubsub.c - numbered events over NNG PUB/SUB with gap detection (see
 * pubsub.h).
 *
 * The wire frame is "<type>\n" followed by the JSON envelope: NNG's SUB
 * filters on leading bytes, so the type line makes type-prefix
 * subscriptions exact without depending on JSON key order.
 */
#include "common/pubsub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>

#include "common/dialer.h"
#include "common/ipc.h"
#include "common/log.h"

struct flurm_publisher {
    nng_socket sock;
    int sock_open;
    char *src;
    json_t *seqs; /* type -> last seq published */
};

struct flurm_subscriber {
    struct flurm_loop *loop;
    nng_socket sock;
    int sock_open;
    struct flurm_dialer *dialer;
    nng_aio *aio;
    int result; /* written on the NNG thread before the post */
    struct flurm_loop_work work;
    flurm_sub_event_fn on_event;
    flurm_sub_gap_fn on_gap;
    void *arg;
    char *src;    /* publisher instance of the last event */
    json_t *seqs; /* type -> last seq seen from src */
    unsigned long events;
    unsigned long gaps;
};

struct flurm_publisher *flurm_publisher_create(const char *src)
{
    struct flurm_publisher *pub = NULL;
    int rv;

    if (!src) {
        errno = EINVAL;
        goto error;
    }
    if (!(pub = calloc(1, sizeof(*pub))))
        goto error;
    if (!(pub->src = strdup(src)) || !(pub->seqs = json_object())) {
        errno = ENOMEM;
        goto error;
    }
    if ((rv = nng_pub0_open(&pub->sock)) != 0) {
        errno = flurm_ipc_errno(rv);
        goto error;
    }
    pub->sock_open = 1;
    return pub;
error:
    if (pub) {
        int saved = errno;
        flurm_publisher_destroy(pub);
        errno = saved;
    }
    return NULL;
}

int flurm_publisher_listen(struct flurm_publisher *pub, const char *url)
{
    int rv;

    if ((rv = nng_listen(pub->sock, url, NULL, 0)) != 0) {
        errno = flurm_ipc_errno(rv);
        return -1;
    }
    return 0;
}

uint64_t flurm_publisher_publish(struct flurm_publisher *pub, const char *type,
                                 const json_t *body)
{
    nng_msg *msg = NULL;
    char *buf = NULL;
    size_t len;
    uint64_t seq;
    int rv;

    if (!flurm_msg_type_valid(type)) {
        errno = EINVAL;
        goto error;
    }
    seq = (uint64_t)json_integer_value(json_object_get(pub->seqs, type)) + 1;
    if (!(buf = flurm_msg_encode_event(type, pub->src, seq, body, &len)))
        goto error;
    if (json_object_set_new(pub->seqs, type, json_integer((json_int_t)seq)) < 0) {
        errno = ENOMEM;
        goto error;
    }
    if (!(msg = flurm_ipc_msg_create(buf, len)))
        goto error;
    if ((rv = nng_sendmsg(pub->sock, msg, NNG_FLAG_NONBLOCK)) != 0) {
        errno = flurm_ipc_errno(rv);
        goto error;
    }
    free(buf);
    return seq;
error:
    nng_msg_free(msg);
    free(buf);
    return 0;
}

void flurm_publisher_destroy(struct flurm_publisher *pub)
{
    if (!pub)
        return;
    if (pub->sock_open)
        (void)nng_close(pub->sock);
    json_decref(pub->seqs);
    free(pub->src);
    free(pub);
}

static void sub_aio_cb(void *arg)
{
    struct flurm_subscriber *sub = arg;

    sub->result = nng_aio_result(sub->aio);
    flurm_loop_post(sub->loop, &sub->work);
}

static void report_gap(struct flurm_subscriber *sub, const struct flurm_sub_gap *gap)
{
    sub->gaps++;
    if (gap->type)
        flurm_debug("event gap in %s: expected seq %llu, got %llu", gap->type,
                    (unsigned long long)gap->expected, (unsigned long long)gap->got);
    else
        flurm_debug("event publisher changed from %s to %s", gap->old_src, gap->new_src);
    if (sub->on_gap)
        sub->on_gap(gap, sub->arg);
}

/* Track src and per-type seq; report what went missing.  -1 on ENOMEM. */
static int check_sequence(struct flurm_subscriber *sub, const struct flurm_msg *ev)
{
    const char *src = flurm_msg_src(ev);
    const char *type = flurm_msg_type(ev);
    uint64_t seq = flurm_msg_seq(ev);
    json_t *last;

    if (!sub->src || strcmp(sub->src, src) != 0) {
        char *old = sub->src;
        if (!(sub->src = strdup(src))) {
            sub->src = old;
            return -1;
        }
        json_object_clear(sub->seqs);
        /* The first publisher we hear from is where we start, not a gap:
         * a subscriber reads its initial state after subscribing anyway. */
        if (old) {
            struct flurm_sub_gap gap = {.old_src = old, .new_src = src};
            report_gap(sub, &gap);
        }
        free(old);
    }
    last = json_object_get(sub->seqs, type);
    if (last && (uint64_t)json_integer_value(last) + 1 != seq) {
        struct flurm_sub_gap gap = {
            .type = type,
            .expected = (uint64_t)json_integer_value(last) + 1,
            .got = seq,
            .old_src = src,
            .new_src = src,
        };
        report_gap(sub, &gap);
    }
    if (json_object_set_new(sub->seqs, type, json_integer((json_int_t)seq)) < 0)
        return -1;
    return 0;
}

static void sub_arm(struct flurm_subscriber *sub)
{
    nng_recv_aio(sub->sock, sub->aio);
}

static void sub_received(void *arg)
{
    struct flurm_subscriber *sub = arg;
    struct flurm_msg_error err;
    struct flurm_msg *ev = NULL;
    nng_msg *msg;

    if (sub->result != 0) {
        if (sub->result == NNG_ECLOSED || sub->result == NNG_ECANCELED)
            return;
        flurm_warn("receiving an event failed: %s", nng_strerror(sub->result));
        sub_arm(sub);
        return;
    }
    msg = nng_aio_get_msg(sub->aio);
    nng_aio_set_msg(sub->aio, NULL);
    ev = flurm_msg_decode(FLURM_MSG_EVENT, nng_msg_body(msg), nng_msg_len(msg), &err);
    nng_msg_free(msg);
    /* Re-arm before delivering: the owner may destroy us from its callback
     * (destroy stops the aio), and the next event should not wait. */
    sub_arm(sub);
    if (!ev) {
        flurm_warn("dropping undecodable event: %s", err.text);
        return;
    }
    if (check_sequence(sub, ev) < 0)
        flurm_err("event sequence tracking failed: out of memory");
    sub->events++;
    /* What the subscriber does about the event belongs to the trace that
     * published it (docs/observability.md). */
    {
        char outer[FLURM_TRACE_MAX];

        snprintf(outer, sizeof(outer), "%s", flurm_trace_current() ? flurm_trace_current() : "");
        flurm_trace_set(flurm_msg_trace(ev));
        sub->on_event(ev, sub->arg);
        flurm_trace_set(outer);
    }
    flurm_msg_destroy(ev);
}

struct flurm_subscriber *flurm_subscriber_create(struct flurm_loop *loop, const char *url,
                                                 flurm_sub_event_fn on_event,
                                                 flurm_sub_gap_fn on_gap, void *arg)
{
    struct flurm_subscriber *sub = NULL;
    int rv;

    if (!loop || !url || !on_event) {
        errno = EINVAL;
        goto error;
    }
    if (!(sub = calloc(1, sizeof(*sub))))
        goto error;
    sub->loop = loop;
    sub->on_event = on_event;
    sub->on_gap = on_gap;
    sub->arg = arg;
    flurm_loop_work_init(&sub->work, sub_received, sub);
    if (!(sub->seqs = json_object())) {
        errno = ENOMEM;
        goto error;
    }
    if ((rv = nng_sub0_open(&sub->sock)) != 0)
        goto nng_error;
    sub->sock_open = 1;
    if ((rv = nng_socket_set_ms(sub->sock, NNG_OPT_RECONNMINT, FLURM_IPC_RECONNECT_MIN_MS)) != 0 ||
        (rv = nng_socket_set_ms(sub->sock, NNG_OPT_RECONNMAXT, FLURM_IPC_RECONNECT_MAX_MS)) != 0 ||
        (rv = nng_socket_set_size(sub->sock, NNG_OPT_RECVMAXSZ, FLURM_IPC_MSG_MAX)) != 0 ||
        (rv = nng_aio_alloc(&sub->aio, sub_aio_cb, sub)) != 0)
        goto nng_error;
    if (!(sub->dialer = flurm_dialer_create(loop, sub->sock, url)))
        goto error;
    sub_arm(sub);
    return sub;
nng_error:
    errno = flurm_ipc_errno(rv);
error:
    if (sub) {
        int saved = errno;
        flurm_subscriber_destroy(sub);
        errno = saved;
    }
    return NULL;
}

int flurm_subscriber_subscribe(struct flurm_subscriber *sub, const char *prefix)
{
    int rv;

    if (!prefix) {
        errno = EINVAL;
        return -1;
    }
    if ((rv = nng_socket_set(sub->sock, NNG_OPT_SUB_SUBSCRIBE, prefix, strlen(prefix))) != 0) {
        errno = flurm_ipc_errno(rv);
        return -1;
    }
    return 0;
}

unsigned long flurm_subscriber_events(const struct flurm_subscriber *sub)
{
    return sub->events;
}

unsigned long flurm_subscriber_gaps(const struct flurm_subscriber *sub)
{
    return sub->gaps;
}

struct flurm_dialer *flurm_subscriber_dialer(struct flurm_subscriber *sub)
{
    return sub->dialer;
}

void flurm_subscriber_destroy(struct flurm_subscriber *sub)
{
    if (!sub)
        return;
    if (sub->aio) {
        nng_aio_stop(sub->aio);
        nng_msg_free(nng_aio_get_msg(sub->aio));
        nng_aio_free(sub->aio);
    }
    flurm_loop_cancel(sub->loop, &sub->work);
    if (sub->sock_open)
        (void)nng_close(sub->sock);
    flurm_dialer_destroy(sub->dialer);
    json_decref(sub->seqs);
    free(sub->src);
    free(sub);
}
