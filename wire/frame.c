/*
 * frame.c - incremental SLURM frame reader and frame builder (see frame.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire/frame.h"
#include "wire/auth.h"
#include "wire/header.h"
#include "wire/pack.h"

/* First allocation for a frame body; doubles as bytes arrive. */
#define FIRST_CHUNK 4096

struct flurm_frame_reader {
    size_t max_len;
    uint8_t prefix[4];
    size_t prefix_have;
    uint32_t msg_len; /* valid once prefix_have == 4 */
    uint8_t *msg;
    size_t msg_have;
    size_t msg_cap;
    bool ready;
    int dead_errno; /* non-zero after a bad length: the stream is lost */
    char err[96];
};

struct flurm_frame_reader *flurm_frame_reader_create(size_t max_len)
{
    struct flurm_frame_reader *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    if (max_len == 0 || max_len > FLURM_FRAME_MAX_LIMIT)
        max_len = FLURM_FRAME_MAX_LIMIT;
    r->max_len = max_len;
    return r;
}

void flurm_frame_reader_destroy(struct flurm_frame_reader *r)
{
    if (!r)
        return;
    free(r->msg);
    free(r);
}

const char *flurm_frame_reader_strerror(const struct flurm_frame_reader *r)
{
    return r && r->err[0] ? r->err : "no error";
}

size_t flurm_frame_reader_pending(const struct flurm_frame_reader *r)
{
    return r ? r->prefix_have + r->msg_have : 0;
}

static uint32_t be32(const uint8_t p[4])
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Judge a length prefix; errno and text say why a bad one is bad. */
static int check_len(uint32_t n, size_t max_len, char *err, size_t errlen)
{
    if (n < FLURM_HEADER_MIN_LEN) {
        snprintf(err, errlen, "frame length %u is below the %d-byte minimum header", n,
                 FLURM_HEADER_MIN_LEN);
        errno = EBADMSG;
        return -1;
    }
    if (n > max_len) {
        snprintf(err, errlen, "frame length %u exceeds the limit of %zu bytes", n, max_len);
        errno = EMSGSIZE;
        return -1;
    }
    return 0;
}

static int fail(struct flurm_frame_reader *r)
{
    r->dead_errno = errno;
    return -1;
}

/* Room for at least one more byte of the message, growing geometrically
 * but never beyond the announced length. */
static int grow(struct flurm_frame_reader *r)
{
    size_t cap;
    uint8_t *p;

    if (r->msg_have < r->msg_cap)
        return 0;
    cap = r->msg_cap ? r->msg_cap * 2 : FIRST_CHUNK;
    if (cap > r->msg_len)
        cap = r->msg_len;
    if (!(p = realloc(r->msg, cap)))
        return -1;
    r->msg = p;
    r->msg_cap = cap;
    return 0;
}

/* After the prefix completes: validate it. */
static int prefix_done(struct flurm_frame_reader *r)
{
    r->msg_len = be32(r->prefix);
    if (check_len(r->msg_len, r->max_len, r->err, sizeof(r->err)) < 0)
        return fail(r);
    return 0;
}

int flurm_frame_reader_feed(struct flurm_frame_reader *r, const void *data, size_t len,
                            size_t *used)
{
    const uint8_t *p = data;
    size_t n;

    *used = 0;
    if (!r || (!data && len)) {
        errno = EINVAL;
        return -1;
    }
    if (r->dead_errno) {
        errno = r->dead_errno;
        return -1;
    }
    if (r->ready) {
        errno = EBUSY;
        return -1;
    }
    if (r->prefix_have < 4) {
        n = 4 - r->prefix_have < len ? 4 - r->prefix_have : len;
        memcpy(r->prefix + r->prefix_have, p, n);
        r->prefix_have += n;
        *used += n;
        if (r->prefix_have < 4)
            return FLURM_FRAME_NEED_MORE;
        if (prefix_done(r) < 0)
            return -1;
    }
    while (*used < len && r->msg_have < r->msg_len) {
        if (grow(r) < 0)
            return -1;
        n = r->msg_cap - r->msg_have;
        if (n > len - *used)
            n = len - *used;
        memcpy(r->msg + r->msg_have, p + *used, n);
        r->msg_have += n;
        *used += n;
    }
    if (r->msg_have < r->msg_len)
        return FLURM_FRAME_NEED_MORE;
    r->ready = true;
    return FLURM_FRAME_READY;
}

int flurm_frame_reader_read(struct flurm_frame_reader *r, int fd)
{
    ssize_t got;

    if (!r) {
        errno = EINVAL;
        return -1;
    }
    if (r->dead_errno) {
        errno = r->dead_errno;
        return -1;
    }
    if (r->ready)
        return FLURM_FRAME_READY;
    for (;;) {
        uint8_t *dst;
        size_t want;

        if (r->prefix_have < 4) {
            dst = r->prefix + r->prefix_have;
            want = 4 - r->prefix_have;
        } else {
            if (grow(r) < 0)
                return -1;
            dst = r->msg + r->msg_have;
            want = r->msg_cap - r->msg_have;
        }
        got = read(fd, dst, want);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return FLURM_FRAME_NEED_MORE;
            snprintf(r->err, sizeof(r->err), "read: %s", strerror(errno));
            return -1;
        }
        if (got == 0) {
            if (flurm_frame_reader_pending(r) == 0)
                return FLURM_FRAME_EOF;
            snprintf(r->err, sizeof(r->err), "connection closed after %zu of %zu bytes",
                     flurm_frame_reader_pending(r),
                     r->prefix_have < 4 ? (size_t)4 : (size_t)r->msg_len + 4);
            errno = ECONNRESET;
            return fail(r);
        }
        if (r->prefix_have < 4) {
            r->prefix_have += (size_t)got;
            if (r->prefix_have == 4 && prefix_done(r) < 0)
                return -1;
        } else {
            r->msg_have += (size_t)got;
        }
        if (r->prefix_have == 4 && r->msg_have == r->msg_len) {
            r->ready = true;
            return FLURM_FRAME_READY;
        }
    }
}

uint8_t *flurm_frame_reader_take(struct flurm_frame_reader *r, size_t *len)
{
    uint8_t *m;

    if (!r || !r->ready) {
        errno = EAGAIN;
        return NULL;
    }
    m = r->msg;
    *len = r->msg_len;
    r->msg = NULL;
    r->msg_cap = r->msg_have = 0;
    r->prefix_have = 0;
    r->msg_len = 0;
    r->ready = false;
    return m;
}

int flurm_frame_check(const uint8_t *frame, size_t len, size_t max_len, const uint8_t **msg,
                      size_t *msg_len)
{
    char err[96];
    uint32_t n;

    if (max_len == 0 || max_len > FLURM_FRAME_MAX_LIMIT)
        max_len = FLURM_FRAME_MAX_LIMIT;
    if (!frame || len < 4) {
        errno = EBADMSG;
        return -1;
    }
    n = be32(frame);
    if (check_len(n, max_len, err, sizeof(err)) < 0)
        return -1;
    if ((size_t)n != len - 4) {
        errno = EBADMSG;
        return -1;
    }
    *msg = frame + 4;
    *msg_len = n;
    return 0;
}

void flurm_frame_prefix(uint8_t out[4], uint32_t msg_len)
{
    out[0] = (uint8_t)(msg_len >> 24);
    out[1] = (uint8_t)(msg_len >> 16);
    out[2] = (uint8_t)(msg_len >> 8);
    out[3] = (uint8_t)msg_len;
}

int flurm_frame_build(struct flurm_auth *auth, struct flurm_buf *out, uint16_t version,
                      uint16_t flags, uint16_t msg_type, const void *body, size_t body_len,
                      uint32_t restrict_uid)
{
    bool sign = !(flags & FLURM_HDR_NO_AUTH_CRED);
    struct flurm_header hdr = {
        .version = version,
        .flags = flags,
        .msg_type = msg_type,
        .body_length = (uint32_t)body_len,
    };
    size_t start;
    size_t msg_len;

    if (!out || (sign && !auth) || (!body && body_len)) {
        errno = EINVAL;
        return -1;
    }
    start = flurm_buf_len(out);
    if (body_len > FLURM_FRAME_MAX_LIMIT) {
        errno = EMSGSIZE;
        return -1;
    }
    /* The prefix is patched once the frame's length is known. */
    if (flurm_pack32(out, 0) < 0 || flurm_header_pack(&hdr, out) < 0)
        goto error;
    if (sign && flurm_auth_sign(auth, version, msg_type, body, body_len, restrict_uid, out) < 0)
        goto error;
    if (flurm_pack_raw(out, body, body_len) < 0)
        goto error;
    msg_len = flurm_buf_len(out) - start - 4;
    if (msg_len > FLURM_FRAME_MAX_LIMIT) {
        errno = EMSGSIZE;
        goto error;
    }
    if (flurm_pack32_at(out, start, (uint32_t)msg_len) < 0)
        goto error;
    return 0;
error:
    {
        int saved = errno;

        flurm_buf_seek(out, start);
        errno = saved;
    }
    return -1;
}
