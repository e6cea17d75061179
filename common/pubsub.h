/*
 * pubsub.h - change events: a publisher (NNG PUB) and a subscriber (NNG SUB)
 * that numbers them and notices when some went missing.
 *
 * Events are hints, requests are truth (docs/architecture.md): PUB/SUB
 * drops events for a slow subscriber and across a publisher's reload.  So
 * every event carries its publisher instance ("src") and a sequence number
 * counted per event type, starting at 1 in each instance.  Counting per type
 * keeps the numbers consecutive for a subscriber that filters by type
 * prefix.  A subscriber that sees a jump, or a new src, is told about the
 * gap and re-reads the state it needs with a request.
 */
#ifndef FLURM_PUBSUB_H
#define FLURM_PUBSUB_H

#include <jansson.h>
#include <stdint.h>

#include "common/dialer.h"
#include "common/loop.h"
#include "common/msg.h"

struct flurm_publisher;
struct flurm_subscriber;

/* `src` (borrowed, copied) names this publisher instance in every event,
 * normally "<svc>.<pid>".  NULL and errno on failure.  Caller destroys. */
struct flurm_publisher *flurm_publisher_create(const char *src);

/* Bind `url` (borrowed).  -1 and errno. */
int flurm_publisher_listen(struct flurm_publisher *pub, const char *url);

/* Publish an event of `type` with `body` (borrowed; NULL means {}) and the
 * type's next seq.  Never blocks: subscribers that cannot keep up lose
 * events (and detect it).  Returns the seq used, or 0 with errno. */
uint64_t flurm_publisher_publish(struct flurm_publisher *pub, const char *type,
                                 const json_t *body);

/* NULL-safe; closes the socket, which unlinks the bound ipc path. */
void flurm_publisher_destroy(struct flurm_publisher *pub);

/* Events may have been lost.  For a jump within one publisher, type is the
 * event type and expected/got the seq expected and the one received; for a
 * change of publisher instance, type is NULL and old_src/new_src name the
 * two instances.  All strings borrowed for the call. */
struct flurm_sub_gap {
    const char *type;
    uint64_t expected;
    uint64_t got;
    const char *old_src;
    const char *new_src;
};

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
 * -1 and errno. */
int flurm_subscriber_subscribe(struct flurm_subscriber *sub, const char *prefix);

/* Counters for tests and status: events delivered, gaps reported. */
unsigned long flurm_subscriber_events(const struct flurm_subscriber *sub);
unsigned long flurm_subscriber_gaps(const struct flurm_subscriber *sub);

/* The dialer that keeps the subscriber connected (borrowed; dialer.h). */
struct flurm_dialer *flurm_subscriber_dialer(struct flurm_subscriber *sub);

/* NULL-safe. */
void flurm_subscriber_destroy(struct flurm_subscriber *sub);

#endif
