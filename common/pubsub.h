/*
 * pubsub.h - change events: a publisher (NNG PUB) and a subscriber (NNG SUB)
 * that numbers them and notices when some went missing.
 *
 * Events are hints, requests are truth (docs/architecture.md): PUB/SUB
 * drops events for a slow subscriber, while a subscriber is disconnected,
 * and across a publisher's restart or reload.  So every event carries its
 * publisher instance ("src") and a sequence number counted per event type,
 * starting at 1 in each instance.  Counting per type keeps the numbers
 * consecutive for a subscriber that filters by type prefix.  A subscriber
 * that sees a jump, a new src, or its first message over a new connection
 * is told about the gap and re-reads the state it needs with a request.
 *
 * A jump is only visible once a later message comes, and the last events
 * before a quiet spell may be the lost ones (a store killed as jobs end:
 * nothing follows).  So a publisher also sends a beat every
 * FLURM_PUB_BEAT_MS: a message of the reserved type "beat" listing the last
 * seq of every type it published.  Every subscriber receives beats; they
 * report gaps and never reach on_event.
 */
#ifndef FLURM_PUBSUB_H
#define FLURM_PUBSUB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/dialer.h"
#include "common/loop.h"
#include "common/msg.h"

/* How often a publisher's owner should call flurm_publisher_beat(): the
 * longest a lost event goes unnoticed in a quiet system. */
#define FLURM_PUB_BEAT_MS 1000

/* The reserved event type of beats: flurm_publisher_publish() refuses it. */
#define FLURM_PUB_BEAT_TYPE "beat"

struct flurm_publisher;
struct flurm_subscriber;

/* `src` (borrowed, copied) names this publisher instance in every event,
 * normally "<svc>.<pid>".  NULL and errno on failure.  Caller destroys. */
struct flurm_publisher *flurm_publisher_create(const char *src);

/* Bind `url` (borrowed).  -1 and errno. */
int flurm_publisher_listen(struct flurm_publisher *pub, const char *url);

/* Close the listener and bind its url again (a listener that stopped
 * accepting, as flurm_server_relisten()).  Subscribers connected through
 * it reconnect, and see a new connection (a gap).  -1 and errno. */
int flurm_publisher_relisten(struct flurm_publisher *pub);

/* Publish an event of `type` with `body` (borrowed; NULL means {}) and the
 * type's next seq.  Never blocks: subscribers that cannot keep up lose
 * events (and detect it).  Returns the seq used, or 0 with errno (EINVAL
 * for an invalid type or FLURM_PUB_BEAT_TYPE). */
uint64_t flurm_publisher_publish(struct flurm_publisher *pub, const char *type,
                                 const json_t *body);

/* Send a beat: this instance's src and the last seq of every type it has
 * published (also when it has published nothing: a subscriber then learns
 * which instance it hears).  Never blocks.  -1 and errno. */
int flurm_publisher_beat(struct flurm_publisher *pub);

/* NULL-safe; closes the socket, which unlinks the bound ipc path. */
void flurm_publisher_destroy(struct flurm_publisher *pub);

/* Why events may have been lost. */
enum flurm_sub_gap_kind {
    /* a jump within one publisher instance: `type` is the event type,
     * expected the seq that should have come next, got the seq received
     * (or, from a beat, the last seq the publisher sent) */
    FLURM_SUB_GAP_SEQ,
    /* another publisher instance: old_src and new_src name the two */
    FLURM_SUB_GAP_SRC,
    /* the first message over a new connection (the first connection
     * included): anything published before it may have been missed.
     * new_src names the instance heard now, old_src the one heard before
     * the connection was lost, NULL if none was */
    FLURM_SUB_GAP_CONNECT,
};

/* Events may have been lost; the owner re-reads what it follows.  type is
 * set for FLURM_SUB_GAP_SEQ only.  All strings borrowed for the call. */
struct flurm_sub_gap {
    enum flurm_sub_gap_kind kind;
    const char *type;
    uint64_t expected;
    uint64_t got;
    const char *old_src;
    const char *new_src;
};

/* Whether the gap says another publisher instance is heard now than
 * before (a restart or reload: the state may be another one altogether),
 * as opposed to lost events or a new connection to the same instance. */
bool flurm_sub_gap_new_instance(const struct flurm_sub_gap *gap);

/* Called on the loop thread; event borrowed for the call. */
typedef void (*flurm_sub_event_fn)(const struct flurm_msg *event, void *arg);
typedef void (*flurm_sub_gap_fn)(const struct flurm_sub_gap *gap, void *arg);

/* Dial `url` (borrowed; normally flurm_ipc_link_url(rundir, svc,
 * FLURM_IPC_EVENTS)) in the background, retrying.  Nothing is received
 * until flurm_subscriber_subscribe() is called.  on_gap runs before the
 * on_event of the event that revealed the gap.  on_gap may be NULL.  loop
 * must outlive the subscriber.  NULL and errno.  Caller destroys. */
struct flurm_subscriber *flurm_subscriber_create(struct flurm_loop *loop, const char *url,
                                                 flurm_sub_event_fn on_event,
                                                 flurm_sub_gap_fn on_gap, void *arg);

/* Receive events whose type starts with `prefix` (borrowed; "" for all;
 * end it with a dot, e.g. "job.", to avoid also matching "jobstore.x").
 * Beats are received from the first call on.  -1 and errno. */
int flurm_subscriber_subscribe(struct flurm_subscriber *sub, const char *prefix);

/* Counters for tests and status: events delivered, gaps reported. */
unsigned long flurm_subscriber_events(const struct flurm_subscriber *sub);
unsigned long flurm_subscriber_gaps(const struct flurm_subscriber *sub);

/* The dialer that keeps the subscriber connected (borrowed; dialer.h). */
struct flurm_dialer *flurm_subscriber_dialer(struct flurm_subscriber *sub);

/* NULL-safe. */
void flurm_subscriber_destroy(struct flurm_subscriber *sub);

#endif
