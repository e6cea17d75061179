/*
 * pubsub.c - numbered events over NNG PUB/SUB with gap detection (see
 * pubsub.h).
 *
 * The wire frame is "<type>\n" followed by the JSON envelope: NNG's SUB
 * filters on leading bytes, so the type line makes type-prefix
 * subscriptions exact without depending on JSON key order.  A beat is the
 * frame of type "beat" (seq 0) whose body is {"seqs": {type: last seq}};
 * subscribers take it with the exact topic "beat\n".
 */
#include "common/pubsub.h"

#include <errno.h>
#include <stdbool.h>
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
    struct flurm_ipc_bound bound;
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
    char *src;    /* publisher instance of the last message */
    json_t *seqs; /* type -> last seq seen from src */
    /* seqs holds every subscribed type src had published when we last
     * learned its state from a beat: a type missing from it had none */
    bool seqs_complete;
    unsigned long connection; /* flurm_dialer_connections() at the last message */
    json_t *prefixes;         /* the subscribed type prefixes */
    bool beats_subscribed;
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
    return flurm_ipc_bind(&pub->bound, pub->sock, url);
}

int flurm_publisher_relisten(struct flurm_publisher *pub)
{
    if (!pub->sock_open) {
        errno = EINVAL;
        return -1;
    }
    return flurm_ipc_rebind(&pub->bound, pub->sock);
}

/* Encode one frame and hand it to NNG without blocking.  -1 and errno. */
static int send_frame(struct flurm_publisher *pub, const char *type, uint64_t seq,
                      const json_t *body)
{
    nng_msg *msg = NULL;
    char *buf = NULL;
    size_t len;
    int rv;

    if (!(buf = flurm_msg_encode_event(type, pub->src, seq, body, &len)) ||
        !(msg = flurm_ipc_msg_create(buf, len)))
        goto error;
    if ((rv = nng_sendmsg(pub->sock, msg, NNG_FLAG_NONBLOCK)) != 0) {
        errno = flurm_ipc_errno(rv);
        goto error;
    }
    free(buf);
    return 0;
error:
    nng_msg_free(msg);
    free(buf);
    return -1;
}

uint64_t flurm_publisher_publish(struct flurm_publisher *pub, const char *type,
                                 const json_t *body)
{
    uint64_t seq;

    if (!flurm_msg_type_valid(type) || strcmp(type, FLURM_PUB_BEAT_TYPE) == 0) {
        errno = EINVAL;
        return 0;
    }
    /* Counted even if the send fails: subscribers then see the jump. */
    seq = (uint64_t)json_integer_value(json_object_get(pub->seqs, type)) + 1;
    if (json_object_set_new(pub->seqs, type, json_integer((json_int_t)seq)) < 0) {
        errno = ENOMEM;
        return 0;
    }
    return send_frame(pub, type, seq, body) < 0 ? 0 : seq;
}

int flurm_publisher_beat(struct flurm_publisher *pub)
{
    json_t *body = json_pack("{s:O}", "seqs", pub->seqs);
    int rc;

    if (!body) {
        errno = ENOMEM;
        return -1;
    }
    rc = send_frame(pub, FLURM_PUB_BEAT_TYPE, 0, body);
    json_decref(body);
    return rc;
}

void flurm_publisher_destroy(struct flurm_publisher *pub)
{
    if (!pub)
        return;
    if (pub->sock_open)
        (void)nng_close(pub->sock);
    json_decref(pub->seqs);
    flurm_ipc_bound_clear(&pub->bound);
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
    switch (gap->kind) {
    case FLURM_SUB_GAP_SEQ:
        flurm_debug("event gap in %s: expected seq %llu, got %llu", gap->type,
                    (unsigned long long)gap->expected, (unsigned long long)gap->got);
        break;
    case FLURM_SUB_GAP_SRC:
        flurm_debug("event publisher changed from %s to %s", gap->old_src, gap->new_src);
        break;
    case FLURM_SUB_GAP_CONNECT:
        flurm_debug("events from %s over a new connection (before: %s)", gap->new_src,
                    gap->old_src ? gap->old_src : "none");
        break;
    }
    if (sub->on_gap)
        sub->on_gap(gap, sub->arg);
}

bool flurm_sub_gap_new_instance(const struct flurm_sub_gap *gap)
{
    return gap->kind != FLURM_SUB_GAP_SEQ && gap->old_src && gap->new_src &&
           strcmp(gap->old_src, gap->new_src) != 0;
}

static bool subscribed(const struct flurm_subscriber *sub, const char *type)
{
    size_t i;
    const json_t *prefix;

    json_array_foreach(sub->prefixes, i, prefix)
    {
        if (strncmp(type, json_string_value(prefix), json_string_length(prefix)) == 0)
            return true;
    }
    return false;
}

/* One type's seq `seq` heard from the current src, in an event (the seq
 * of that event) or in a beat (the last one published): report the events
 * missed before it and remember it.  -1 on ENOMEM. */
static int check_type(struct flurm_subscriber *sub, const char *type, uint64_t seq, bool beat)
{
    const json_t *last = json_object_get(sub->seqs, type);
    uint64_t seen = last ? (uint64_t)json_integer_value(last) : 0;
    /* nothing known about the type: everything before seq may be lost */
    bool known = last || sub->seqs_complete;
    uint64_t next = beat || !seq ? seq : seq - 1; /* the last one we should have seen */

    if (known && seq <= seen)
        return 0; /* a beat repeating a seq we saw */
    if (next > seen) {
        struct flurm_sub_gap gap = {
            .kind = FLURM_SUB_GAP_SEQ,
            .type = type,
            .expected = seen + 1,
            .got = seq,
            .old_src = sub->src,
            .new_src = sub->src,
        };
        report_gap(sub, &gap);
    }
    return json_object_set_new(sub->seqs, type, json_integer((json_int_t)seq));
}

/* A beat lists the last seq of every type its src published; remember
 * those we subscribe to.  Reports nothing (the caller did). */
static int take_beat_seqs(struct flurm_subscriber *sub, const json_t *seqs)
{
    const char *type;
    const json_t *seq;

    json_object_foreach((json_t *)seqs, type, seq)
    {
        if (json_is_integer(seq) && subscribed(sub, type) &&
            json_object_set(sub->seqs, type, (json_t *)seq) < 0)
            return -1;
    }
    sub->seqs_complete = true;
    return 0;
}

/* Track the connection, src and per-type seqs; report what went missing.
 * -1 on ENOMEM. */
static int check_sequence(struct flurm_subscriber *sub, const struct flurm_msg *ev, bool beat)
{
    const char *src = flurm_msg_src(ev);
    const char *type = flurm_msg_type(ev);
    const json_t *beat_seqs = beat ? json_object_get(flurm_msg_body(ev), "seqs") : NULL;
    unsigned long connection = flurm_dialer_connections(sub->dialer);

    if (connection != sub->connection || !sub->src || strcmp(sub->src, src) != 0) {
        struct flurm_sub_gap gap = {
            .kind = connection != sub->connection ? FLURM_SUB_GAP_CONNECT : FLURM_SUB_GAP_SRC,
            .old_src = sub->src,
            .new_src = src,
        };
        char *old = sub->src;

        if (!(sub->src = strdup(src))) {
            sub->src = old;
            return -1;
        }
        sub->connection = connection;
        json_object_clear(sub->seqs);
        sub->seqs_complete = false;
        report_gap(sub, &gap);
        free(old);
        /* The owner's re-read covers everything before this message: it
         * is where the seqs start. */
        if (beat)
            return json_is_object(beat_seqs) ? take_beat_seqs(sub, beat_seqs) : 0;
        return json_object_set_new(sub->seqs, type, json_integer((json_int_t)flurm_msg_seq(ev)));
    }
    if (!beat)
        return check_type(sub, type, flurm_msg_seq(ev), false);
    if (json_is_object(beat_seqs)) {
        const char *t;
        const json_t *seq;

        json_object_foreach((json_t *)beat_seqs, t, seq)
        {
            if (json_is_integer(seq) && subscribed(sub, t) &&
                check_type(sub, t, (uint64_t)json_integer_value(seq), true) < 0)
                return -1;
        }
        sub->seqs_complete = true;
    }
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
    bool beat;

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
    beat = strcmp(flurm_msg_type(ev), FLURM_PUB_BEAT_TYPE) == 0;
    if (check_sequence(sub, ev, beat) < 0)
        flurm_err("event sequence tracking failed: out of memory");
    if (beat) {
        flurm_msg_destroy(ev);
        return;
    }
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
    if (!(sub->seqs = json_object()) || !(sub->prefixes = json_array())) {
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

    static const char beat_topic[] = FLURM_PUB_BEAT_TYPE "\n";

    if (!prefix) {
        errno = EINVAL;
        return -1;
    }
    if (json_array_append_new(sub->prefixes, json_string(prefix)) < 0) {
        errno = ENOMEM;
        return -1;
    }
    if ((rv = nng_socket_set(sub->sock, NNG_OPT_SUB_SUBSCRIBE, prefix, strlen(prefix))) != 0 ||
        (!sub->beats_subscribed &&
         (rv = nng_socket_set(sub->sock, NNG_OPT_SUB_SUBSCRIBE, beat_topic,
                              sizeof(beat_topic) - 1)) != 0)) {
        errno = flurm_ipc_errno(rv);
        return -1;
    }
    sub->beats_subscribed = true;
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
    json_decref(sub->prefixes);
    free(sub->src);
    free(sub);
}
