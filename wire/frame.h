/*
 * frame.h - cutting a byte stream into SLURM frames (u32 length + message,
 * wire doc section 1.1), and building one frame to send.
 *
 * The reader is incremental, for a non-blocking socket: feed it whatever
 * arrived (or let it read the fd) and it reports "need more", "frame ready"
 * or a precise error.  Hostile lengths are refused as soon as the 4-byte
 * prefix is in: shorter than the smallest header (EBADMSG) or longer than
 * the caller's limit (EMSGSIZE).  Memory grows with the bytes that really
 * arrive, never with the length a peer claims.
 */
#ifndef FLURM_WIRE_FRAME_H
#define FLURM_WIRE_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct flurm_auth;
struct flurm_buf;

/* SLURM's own ceiling (MAX_MSG_SIZE, 1 GiB); a caller's limit above it is
 * lowered to it. */
#define FLURM_FRAME_MAX_LIMIT (1024U * 1024 * 1024)

enum flurm_frame_status {
    FLURM_FRAME_NEED_MORE = 0, /* no complete frame yet */
    FLURM_FRAME_READY = 1,     /* take it with flurm_frame_reader_take */
    FLURM_FRAME_EOF = 2,       /* peer closed cleanly between frames */
};

struct flurm_frame_reader;

/* A reader accepting messages of at most max_len bytes (the length prefix's
 * value; 0 = FLURM_FRAME_MAX_LIMIT).  Caller destroys. */
struct flurm_frame_reader *flurm_frame_reader_create(size_t max_len);
void flurm_frame_reader_destroy(struct flurm_frame_reader *r);

/* Consume bytes from data (borrowed) up to the end of the current frame;
 * *used says how many were taken (the rest belongs to the next frame: feed
 * it again after taking this one).  Returns a status, or -1 with errno
 * EBADMSG / EMSGSIZE for a bad length (the reader is then dead: see
 * flurm_frame_reader_strerror) or EBUSY when a ready frame was not taken. */
int flurm_frame_reader_feed(struct flurm_frame_reader *r, const void *data, size_t len,
                            size_t *used);
/* Read from the non-blocking fd until a frame is complete or the fd would
 * block; never reads past the current frame.  Returns a status, or -1 with
 * errno: EBADMSG / EMSGSIZE (bad length), ECONNRESET (closed mid-frame),
 * or read(2)'s error. */
int flurm_frame_reader_read(struct flurm_frame_reader *r, int fd);
/* The ready message, without its length prefix: malloc'ed, owned by the
 * caller; *len is its size.  The reader is then ready for the next frame.
 * NULL/EAGAIN when no frame is ready. */
uint8_t *flurm_frame_reader_take(struct flurm_frame_reader *r, size_t *len);
/* Bytes of the current, incomplete frame held so far (prefix included). */
size_t flurm_frame_reader_pending(const struct flurm_frame_reader *r);
/* Text of the last error (borrowed; valid until the next call). */
const char *flurm_frame_reader_strerror(const struct flurm_frame_reader *r);

/* A whole frame already in memory (frame: borrowed): check its prefix
 * against len and max_len (0 = FLURM_FRAME_MAX_LIMIT) and point *msg into
 * it.  -1 with errno EBADMSG (short, or prefix not matching len) or
 * EMSGSIZE. */
int flurm_frame_check(const uint8_t *frame, size_t len, size_t max_len, const uint8_t **msg,
                      size_t *msg_len);

/* Write the 4-byte prefix for a message of msg_len bytes into out. */
void flurm_frame_prefix(uint8_t out[4], uint32_t msg_len);

/*
 * Append one whole frame to out (borrowed writer): length prefix, header in
 * version's layout with flags (FLURM_HDR_*) and wire msg_type, auth section,
 * then body[0..body_len) (borrowed, copied).  The auth section is a munge
 * credential from auth (borrowed) over the body, decodable only by
 * restrict_uid (FLURM_AUTH_UID_ANY: by anyone); with FLURM_HDR_NO_AUTH_CRED
 * in flags there is none and auth may be NULL (23.02+ replies).
 * Returns 0, or -1 with errno: EINVAL (no auth to sign with), EMSGSIZE
 * (frame over FLURM_FRAME_MAX_LIMIT), EPROTONOSUPPORT (no header layout for
 * version), EAGAIN (munged unreachable), ENOMEM; out is then truncated back
 * to its length at entry.
 */
int flurm_frame_build(struct flurm_auth *auth, struct flurm_buf *out, uint16_t version,
                      uint16_t flags, uint16_t msg_type, const void *body, size_t body_len,
                      uint32_t restrict_uid);

#endif
