/*
 * auth.c - sign and verify the auth/munge section of SLURM 22.05 messages.
 *
 * Two munge contexts per struct flurm_auth: munge_decode() overwrites its
 * context with the options of the credential it decoded (TTL, realm,
 * cipher, restriction), so a context shared with encoding would let a
 * peer's credential choose how we sign.  The decode context only ever
 * carries the socket path.
 *
 * No retry loop around munged: libmunge already retries a failed connect a
 * few times, and a caller in an event loop must not sleep here for
 * seconds; it gets FLURM_AUTH_UNAVAILABLE / EAGAIN and decides.
 */
#include "wire/auth.h"

#include <errno.h>
#include <limits.h>
#include <munge.h>
#include <stdlib.h>
#include <string.h>

#include "wire/k12.h"
#include "wire/pack.h"

/* Peers at this protocol version or older (21.08 = 0x2500) send hash type
 * NONE with msg_type in host byte order instead of a K12 hash. */
#define LAST_HOST_ORDER_HASH_VERSION 0x2500

#define SECTION_HEAD_LEN 8 /* u32 plugin id + u32 string length */
#define K12_PAYLOAD_LEN (1 + FLURM_K12_SLURM_LEN)
#define NONE_PAYLOAD_LEN 3

struct flurm_auth {
    munge_ctx_t encode_ctx;
    munge_ctx_t decode_ctx;
    munge_ctx_t last_failed; /* whose error flurm_auth_munge_error() shows */
    bool block_null_hash;
    bool block_zero_hash;
};

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int parse_ttl(const char *s, size_t n, int *ttl)
{
    char digits[16];
    char *end;
    long v;

    if (n == 0 || n >= sizeof(digits))
        return -1;
    memcpy(digits, s, n);
    digits[n] = '\0';
    errno = 0;
    v = strtol(digits, &end, 10);
    if (errno || *end || v < 0 || v > INT_MAX)
        return -1;
    *ttl = (int)v;
    return 0;
}

int flurm_auth_parse_authinfo(const char *authinfo, char **socket_path, int *ttl)
{
    char *path = NULL;
    const char *item, *next;

    if (!socket_path || !ttl) {
        errno = EINVAL;
        return -1;
    }
    *socket_path = NULL;
    *ttl = 0;
    if (!authinfo || !*authinfo)
        return 0;

    /* The old form is a bare socket path: a string without any '='. */
    if (!strchr(authinfo, '=')) {
        if (!(*socket_path = strdup(authinfo)))
            return -1;
        return 0;
    }
    for (item = authinfo; *item; item = next) {
        size_t n;
        const char *comma = strchr(item, ',');

        n = comma ? (size_t)(comma - item) : strlen(item);
        next = comma ? comma + 1 : item + n;
        if (n > 7 && strncmp(item, "socket=", 7) == 0) {
            free(path);
            if (!(path = strndup(item + 7, n - 7)))
                goto error;
        } else if (n >= 4 && strncmp(item, "ttl=", 4) == 0) {
            if (parse_ttl(item + 4, n - 4, ttl) < 0) {
                errno = EINVAL;
                goto error;
            }
        }
        /* Other keys belong to other auth plugins: ignored, as SLURM does. */
    }
    *socket_path = path;
    return 0;
error:
    free(path);
    *ttl = 0;
    return -1;
}

struct flurm_auth *flurm_auth_create(const struct flurm_auth_opts *opts)
{
    struct flurm_auth *a;

    if (opts && opts->ttl < 0) {
        errno = EINVAL;
        return NULL;
    }
    if (!(a = calloc(1, sizeof(*a))))
        return NULL;
    if (!(a->encode_ctx = munge_ctx_create()) || !(a->decode_ctx = munge_ctx_create())) {
        errno = ENOMEM;
        goto error;
    }
    if (opts && opts->socket_path) {
        if (munge_ctx_set(a->encode_ctx, MUNGE_OPT_SOCKET, opts->socket_path) != EMUNGE_SUCCESS
            || munge_ctx_set(a->decode_ctx, MUNGE_OPT_SOCKET, opts->socket_path)
                   != EMUNGE_SUCCESS) {
            errno = ENOMEM;
            goto error;
        }
    }
    if (opts && opts->ttl > 0
        && munge_ctx_set(a->encode_ctx, MUNGE_OPT_TTL, opts->ttl) != EMUNGE_SUCCESS) {
        errno = EINVAL;
        goto error;
    }
    if (opts) {
        a->block_null_hash = opts->block_null_hash;
        a->block_zero_hash = opts->block_zero_hash;
    }
    return a;
error:
    flurm_auth_destroy(a);
    return NULL;
}

void flurm_auth_destroy(struct flurm_auth *a)
{
    if (!a)
        return;
    if (a->encode_ctx)
        munge_ctx_destroy(a->encode_ctx);
    if (a->decode_ctx)
        munge_ctx_destroy(a->decode_ctx);
    free(a);
}

static enum flurm_auth_status status_of_munge(munge_err_t err)
{
    switch (err) {
    case EMUNGE_SUCCESS:
        return FLURM_AUTH_OK;
    case EMUNGE_CRED_EXPIRED:
        return FLURM_AUTH_CRED_EXPIRED;
    case EMUNGE_CRED_REWOUND:
        return FLURM_AUTH_CRED_REWOUND;
    case EMUNGE_CRED_REPLAYED:
        return FLURM_AUTH_CRED_REPLAYED;
    case EMUNGE_CRED_UNAUTHORIZED:
        return FLURM_AUTH_CRED_UNAUTHORIZED;
    case EMUNGE_SNAFU:
    case EMUNGE_NO_MEMORY:
    case EMUNGE_SOCKET:
    case EMUNGE_TIMEOUT:
        return FLURM_AUTH_UNAVAILABLE;
    default:
        /* Bad format, version, cipher, MAC, zip, realm, length: all say
         * "not a credential our munged made". */
        return FLURM_AUTH_CRED_INVALID;
    }
}

static int errno_of_status(enum flurm_auth_status status)
{
    switch (status) {
    case FLURM_AUTH_OK:
        return 0;
    case FLURM_AUTH_MALFORMED:
        return EBADMSG;
    case FLURM_AUTH_BAD_PLUGIN:
        return EPROTONOSUPPORT;
    case FLURM_AUTH_UNAVAILABLE:
        return EAGAIN;
    default:
        return EACCES;
    }
}

/* The payload SLURM expects for this message (see the header comment). */
static size_t make_payload(uint16_t protocol_version, uint16_t msg_type,
                           const void *body, size_t body_len,
                           uint8_t payload[K12_PAYLOAD_LEN])
{
    const uint8_t custom[2] = {(uint8_t)(msg_type >> 8), (uint8_t)msg_type};

    if (protocol_version <= LAST_HOST_ORDER_HASH_VERSION) {
        payload[0] = FLURM_AUTH_HASH_NONE;
        memcpy(payload + 1, &msg_type, sizeof(msg_type));
        return NONE_PAYLOAD_LEN;
    }
    payload[0] = FLURM_AUTH_HASH_K12;
    (void)flurm_k12(body, body_len, custom, sizeof(custom), payload + 1,
                    FLURM_K12_SLURM_LEN);
    return K12_PAYLOAD_LEN;
}

char *flurm_auth_encode(struct flurm_auth *a, uint16_t protocol_version,
                        uint16_t msg_type, const void *body, size_t body_len,
                        uint32_t restrict_uid)
{
    uint8_t payload[K12_PAYLOAD_LEN];
    size_t payload_len;
    char *cred = NULL;
    munge_err_t err;

    if (!a || (!body && body_len)) {
        errno = EINVAL;
        return NULL;
    }
    payload_len = make_payload(protocol_version, msg_type, body, body_len, payload);
    /* FLURM_AUTH_UID_ANY is (uid_t)-1, which is also MUNGE_UID_ANY. */
    if (munge_ctx_set(a->encode_ctx, MUNGE_OPT_UID_RESTRICTION, (uid_t)restrict_uid)
        != EMUNGE_SUCCESS) {
        a->last_failed = a->encode_ctx;
        errno = EINVAL;
        return NULL;
    }
    err = munge_encode(&cred, a->encode_ctx, payload, (int)payload_len);
    if (err != EMUNGE_SUCCESS) {
        a->last_failed = a->encode_ctx;
        free(cred);
        errno = err == EMUNGE_NO_MEMORY ? ENOMEM
              : status_of_munge(err) == FLURM_AUTH_UNAVAILABLE ? EAGAIN
                                                               : EINVAL;
        return NULL;
    }
    a->last_failed = NULL;
    return cred;
}

int flurm_auth_pack_section(struct flurm_buf *out, const char *cred)
{
    size_t start;

    if (!out || !cred || !*cred) {
        errno = EINVAL;
        return -1;
    }
    if (strlen(cred) + 1 > FLURM_AUTH_MAX_CRED_LEN) {
        errno = EMSGSIZE;
        return -1;
    }
    start = flurm_buf_len(out);
    if (flurm_pack32(out, FLURM_AUTH_PLUGIN_MUNGE) < 0 || flurm_packstr(out, cred) < 0) {
        int saved = errno;
        (void)flurm_buf_seek(out, start); /* leave no half section behind */
        errno = saved;
        return -1;
    }
    return 0;
}

int flurm_auth_sign(struct flurm_auth *a, uint16_t protocol_version,
                    uint16_t msg_type, const void *body, size_t body_len,
                    uint32_t restrict_uid, struct flurm_buf *out)
{
    char *cred;
    int rc;

    if (!out) {
        errno = EINVAL;
        return -1;
    }
    if (!(cred = flurm_auth_encode(a, protocol_version, msg_type, body, body_len,
                                   restrict_uid)))
        return -1;
    rc = flurm_auth_pack_section(out, cred);
    free(cred);
    return rc;
}

int flurm_auth_unpack_section(const void *data, size_t len, char **cred,
                              size_t *section_len)
{
    const uint8_t *p = data;
    uint32_t str_len;

    if (!cred || !section_len || (!data && len)) {
        errno = EINVAL;
        return -1;
    }
    *cred = NULL;
    *section_len = 0;
    if (len < 4)
        goto malformed;
    if (get_be32(p) != FLURM_AUTH_PLUGIN_MUNGE) {
        errno = EPROTONOSUPPORT;
        return -1;
    }
    if (len < SECTION_HEAD_LEN)
        goto malformed;
    /* The length counts the NUL; a credential has at least one character. */
    str_len = get_be32(p + 4);
    if (str_len < 2 || str_len > FLURM_AUTH_MAX_CRED_LEN || str_len > len - SECTION_HEAD_LEN)
        goto malformed;
    p += SECTION_HEAD_LEN;
    if (p[str_len - 1] != '\0' || memchr(p, '\0', str_len - 1))
        goto malformed;
    if (!(*cred = malloc(str_len)))
        return -1;
    memcpy(*cred, p, str_len);
    *section_len = SECTION_HEAD_LEN + str_len;
    return 0;
malformed:
    errno = EBADMSG;
    return -1;
}

/* Equal-time comparison: the hash is not secret, but there is no reason
 * to tell a forger how many bytes matched. */
static bool same_bytes(const uint8_t *x, const uint8_t *y, size_t n)
{
    uint8_t diff = 0;

    for (size_t i = 0; i < n; i++)
        diff |= x[i] ^ y[i];
    return diff == 0;
}

static enum flurm_auth_status check_payload(const struct flurm_auth *a,
                                            const uint8_t *payload, size_t payload_len,
                                            uint16_t protocol_version, uint16_t msg_type,
                                            const uint8_t *body, size_t body_len,
                                            uint8_t *hash_type)
{
    const uint8_t custom[2] = {(uint8_t)(msg_type >> 8), (uint8_t)msg_type};
    uint8_t want[FLURM_K12_SLURM_LEN];

    if (payload_len == 0) {
        *hash_type = FLURM_AUTH_HASH_EMPTY;
        return a->block_null_hash ? FLURM_AUTH_HASH_BLOCKED : FLURM_AUTH_OK;
    }
    *hash_type = payload[0];
    switch (payload[0]) {
    case FLURM_AUTH_HASH_NONE:
        if (a->block_zero_hash)
            return FLURM_AUTH_HASH_BLOCKED;
        if (payload_len != NONE_PAYLOAD_LEN)
            return FLURM_AUTH_HASH_MISMATCH;
        if (payload[1] == custom[0] && payload[2] == custom[1])
            return FLURM_AUTH_OK;
        /* Old peers wrote host order; every peer we meet is little-endian. */
        if (protocol_version <= LAST_HOST_ORDER_HASH_VERSION && payload[1] == custom[1]
            && payload[2] == custom[0])
            return FLURM_AUTH_OK;
        return FLURM_AUTH_HASH_MISMATCH;
    case FLURM_AUTH_HASH_K12:
        if (payload_len != K12_PAYLOAD_LEN)
            return FLURM_AUTH_HASH_MISMATCH;
        (void)flurm_k12(body, body_len, custom, sizeof(custom), want, sizeof(want));
        return same_bytes(want, payload + 1, sizeof(want)) ? FLURM_AUTH_OK
                                                          : FLURM_AUTH_HASH_MISMATCH;
    default:
        return FLURM_AUTH_HASH_UNSUPPORTED;
    }
}

int flurm_auth_verify(struct flurm_auth *a, const void *data, size_t len,
                      uint16_t protocol_version, uint16_t msg_type,
                      struct flurm_auth_result *res)
{
    char *cred = NULL;
    void *payload = NULL;
    int payload_len = 0;
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    munge_err_t err;
    time_t encoded = 0;
    int saved_errno;

    if (!a || !res || (!data && len)) {
        errno = EINVAL;
        return -1;
    }
    memset(res, 0, sizeof(*res));
    if (flurm_auth_unpack_section(data, len, &cred, &res->section_len) < 0) {
        saved_errno = errno;
        res->status = errno == EPROTONOSUPPORT ? FLURM_AUTH_BAD_PLUGIN
                    : errno == EBADMSG         ? FLURM_AUTH_MALFORMED
                                               : FLURM_AUTH_UNAVAILABLE;
        goto error;
    }
    err = munge_decode(cred, a->decode_ctx, &payload, &payload_len, &uid, &gid);
    if (err != EMUNGE_SUCCESS) {
        a->last_failed = a->decode_ctx;
        res->status = status_of_munge(err);
        saved_errno = errno_of_status(res->status);
        goto error;
    }
    a->last_failed = NULL;
    res->uid = (uint32_t)uid;
    res->gid = (uint32_t)gid;
    if (munge_ctx_get(a->decode_ctx, MUNGE_OPT_ADDR4, &res->addr) != EMUNGE_SUCCESS)
        res->addr.s_addr = 0;
    if (munge_ctx_get(a->decode_ctx, MUNGE_OPT_ENCODE_TIME, &encoded) == EMUNGE_SUCCESS)
        res->encode_time = encoded;
    res->status = check_payload(a, payload, payload_len > 0 ? (size_t)payload_len : 0,
                                protocol_version, msg_type,
                                (const uint8_t *)data + res->section_len,
                                len - res->section_len, &res->hash_type);
    if (res->status != FLURM_AUTH_OK) {
        saved_errno = errno_of_status(res->status);
        goto error;
    }
    free(payload);
    free(cred);
    return 0;
error:
    /* munge_decode may hand back a payload even when it refuses. */
    free(payload);
    free(cred);
    errno = saved_errno;
    return -1;
}

const char *flurm_auth_status_str(enum flurm_auth_status status)
{
    switch (status) {
    case FLURM_AUTH_OK:
        return "ok";
    case FLURM_AUTH_MALFORMED:
        return "malformed auth section";
    case FLURM_AUTH_BAD_PLUGIN:
        return "auth plugin is not auth/munge";
    case FLURM_AUTH_CRED_INVALID:
        return "invalid munge credential";
    case FLURM_AUTH_CRED_EXPIRED:
        return "expired munge credential";
    case FLURM_AUTH_CRED_REWOUND:
        return "munge credential from the future (clock skew)";
    case FLURM_AUTH_CRED_REPLAYED:
        return "replayed munge credential";
    case FLURM_AUTH_CRED_UNAUTHORIZED:
        return "munge credential restricted to another user";
    case FLURM_AUTH_UNAVAILABLE:
        return "munged unavailable";
    case FLURM_AUTH_HASH_BLOCKED:
        return "message without body hash refused";
    case FLURM_AUTH_HASH_MISMATCH:
        return "message body does not match its signed hash";
    case FLURM_AUTH_HASH_UNSUPPORTED:
        return "unsupported body hash type";
    }
    return "unknown auth status";
}

int flurm_auth_status_slurm_rc(enum flurm_auth_status status)
{
    switch (status) {
    case FLURM_AUTH_OK:
        return 0;
    /* slurm_unpack_received_msg: a failed auth_g_unpack (unknown plugin,
     * bad string) and a failed _check_hash both end as an incomplete
     * packet; only a failed auth_g_verify is an authentication error. */
    case FLURM_AUTH_MALFORMED:
    case FLURM_AUTH_BAD_PLUGIN:
    case FLURM_AUTH_HASH_BLOCKED:
    case FLURM_AUTH_HASH_MISMATCH:
    case FLURM_AUTH_HASH_UNSUPPORTED:
        return FLURM_AUTH_SLURM_INCOMPLETE_PACKET;
    default:
        return FLURM_AUTH_SLURM_AUTHENTICATION_ERROR;
    }
}

const char *flurm_auth_munge_error(const struct flurm_auth *a)
{
    const char *s;

    if (!a || !a->last_failed)
        return "";
    s = munge_ctx_strerror(a->last_failed);
    return s ? s : "";
}
