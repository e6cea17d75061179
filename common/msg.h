/*
 * msg.h - the JSON envelope of FLURM's internal messages (docs/messages.md).
 *
 *   request  {"v":1,"type":"job.submit","req_id":"gateway.4242.17","trace":"...","body":{...}}
 *   reply    {"v":1,"ok":true,"body":{...}}
 *            {"v":1,"ok":false,"error":{"code":2017,"text":"Invalid job id specified"}}
 *   event    "<type>\n" {"v":1,"type":"job.state","src":"store.4242","seq":17,"trace":"...","body":{...}}
 *   reply with an attachment (only to a requester that asked for one):
 *            {"v":1,"ok":true,"att":N,"body":{...}} NUL <N raw bytes>
 *
 * Encoding returns a malloc'd byte buffer ready for NNG; decoding validates
 * the shape and the version and yields an opaque flurm_msg with accessors.
 * A decoding failure carries the error code and text the peer should get in
 * its error reply.
 */
#ifndef FLURM_MSG_H
#define FLURM_MSG_H

#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define FLURM_MSG_VERSION 1

/* Longest message type; types use [A-Za-z0-9._-] only, so an event's
 * "<type>\n" topic line can never be ambiguous. */
#define FLURM_MSG_TYPE_MAX 64

/* Error codes the runtime itself uses in error replies (errno values; a
 * SLURM error number is used instead wherever one fits). */
enum {
    FLURM_MSG_EMALFORMED = EBADMSG,       /* not a valid envelope */
    FLURM_MSG_EVERSION = EPROTONOSUPPORT, /* another "v" */
    FLURM_MSG_EUNKNOWN = ENOSYS,          /* no handler for the type */
    FLURM_MSG_EINTERNAL = EIO,            /* the handler did not reply */
};

enum flurm_msg_kind {
    FLURM_MSG_REQUEST,
    FLURM_MSG_REPLY,
    FLURM_MSG_EVENT,
};

struct flurm_msg;

/* Why a decode failed, ready to be sent back as an error reply. */
struct flurm_msg_error {
    int code;
    char text[160];
};

/* 1 if `type` is a valid message type, else 0. */
int flurm_msg_type_valid(const char *type);

/* Encode a request.  type is required; req_id, trace and body may be NULL
 * (a NULL body is sent as {}).  Arguments are borrowed.  Returns a malloc'd
 * buffer (caller frees) and its length in *len, or NULL with errno set
 * (EINVAL for an invalid type). */
char *flurm_msg_encode_request(const char *type, const char *req_id, const char *trace,
                               const json_t *body, size_t *len);

/* Encode a success reply.  body borrowed, NULL sent as {}.  A body holding
 * FLURM_MSG_ATTACH_KEY is sent without it, its bytes as the reply's
 * attachment (flurm_msg_body_attach).  Caller frees. */
char *flurm_msg_encode_reply(const json_t *body, size_t *len);

/* Encode a success reply that carries att[0..att_len) (borrowed) as its
 * attachment: the JSON text with "att": att_len, one NUL, then the bytes.
 * body borrowed, NULL sent as {}.  Caller frees. */
char *flurm_msg_encode_reply_attached(const json_t *body, const void *att, size_t att_len,
                                      size_t *len);

/* The member of a reply body that carries an attachment on its way to the
 * encoder: a handler replies through the runtime with a JSON body only, so
 * the bytes ride in the body and flurm_msg_encode_reply() moves them out of
 * the JSON, behind the NUL.  Never on the wire. */
#define FLURM_MSG_ATTACH_KEY "_attachment"

/* Put a copy of data[0..len) into body (borrowed, changed) under
 * FLURM_MSG_ATTACH_KEY, replacing an earlier one.  Only for a requester that
 * asked for an attachment: an older reader cannot parse one.  0, or -1 with
 * errno (EINVAL: body is not an object; ENOMEM). */
int flurm_msg_body_attach(json_t *body, const void *data, size_t len);

/* Encode an error reply.  text borrowed.  Caller frees. */
char *flurm_msg_encode_error(int code, const char *text, size_t *len);

/* Encode an event frame: the "<type>\n" topic line then the JSON envelope.
 * Arguments borrowed; body NULL sent as {}.  The calling thread's current
 * trace (log.h), if any, goes in "trace".  Caller frees. */
char *flurm_msg_encode_event(const char *type, const char *src, uint64_t seq,
                             const json_t *body, size_t *len);

/* Decode a received message of the given kind from buf[0..len) (borrowed;
 * it need not be NUL-terminated).  On success returns a new message
 * (caller destroys).  On failure returns NULL, sets errno (EPROTO for a bad
 * shape, EPROTONOSUPPORT for another version, ENOMEM) and, if err is not
 * NULL, fills it with the code and text to reply with. */
struct flurm_msg *flurm_msg_decode(enum flurm_msg_kind kind, const void *buf, size_t len,
                                   struct flurm_msg_error *err);

/* NULL-safe. */
void flurm_msg_destroy(struct flurm_msg *msg);

enum flurm_msg_kind flurm_msg_kind(const struct flurm_msg *msg);

/* The accessors below return storage borrowed from msg, valid until it is
 * destroyed.  What a kind does not carry reads as NULL / 0. */
const char *flurm_msg_type(const struct flurm_msg *msg);   /* request, event */
const char *flurm_msg_req_id(const struct flurm_msg *msg); /* request; may be NULL */
const char *flurm_msg_trace(const struct flurm_msg *msg);  /* request, event; may be NULL */
const char *flurm_msg_src(const struct flurm_msg *msg);    /* event */
uint64_t flurm_msg_seq(const struct flurm_msg *msg);       /* event */

/* The body object; never NULL for a request, event or successful reply (an
 * absent body reads as {}), NULL for an error reply.  Borrowed: json_incref
 * it to keep it beyond the message. */
json_t *flurm_msg_body(const struct flurm_msg *msg);

/* Replies: 1 for "ok":true, else 0; the error code and text of a failed
 * reply (0 and NULL for a successful one). */
int flurm_msg_ok(const struct flurm_msg *msg);

/* A reply's attachment (borrowed from msg) and its length in *len; NULL and
 * *len 0 for a message without one (a zero-length attachment is not NULL). */
const void *flurm_msg_attachment(const struct flurm_msg *msg, size_t *len);
int flurm_msg_error_code(const struct flurm_msg *msg);
const char *flurm_msg_error_text(const struct flurm_msg *msg);

#endif
