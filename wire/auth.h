/*
 * auth.h - the auth/munge section of SLURM 22.05 messages.
 *
 * On the wire, right after the header: u32 plugin id (101 = auth/munge),
 * then packstr(credential), the string munge_encode() returned.  The munge
 * payload is the message-integrity hash: 0x02 || K12(body, msg_type as two
 * big-endian bytes, 32 bytes), or 0x01 || msg_type (hash type NONE), or
 * empty.  See ../shared/docs/slurm-wire-22.05.md section 3.
 *
 * munge_encode / munge_decode are blocking round trips to munged over its
 * unix socket (a few hundred microseconds).  The API is synchronous; one
 * struct flurm_auth holds the munge contexts and is reused call after call
 * by one thread (it is not thread-safe: give each thread its own).
 */
#ifndef FLURM_WIRE_AUTH_H
#define FLURM_WIRE_AUTH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct flurm_buf;

#define FLURM_AUTH_PLUGIN_NONE 100
#define FLURM_AUTH_PLUGIN_MUNGE 101
#define FLURM_AUTH_PLUGIN_JWT 102

/* restrict_uid meaning "anyone may decode" (SLURM_AUTH_UID_ANY). */
#define FLURM_AUTH_UID_ANY 0xffffffffU

/* Hash types of the payload's first byte (slurm.h HASH_PLUGIN_*). */
#define FLURM_AUTH_HASH_EMPTY 0 /* no payload at all */
#define FLURM_AUTH_HASH_NONE 1
#define FLURM_AUTH_HASH_K12 2

/* A munge credential for a 33-byte payload is about 190 bytes; anything
 * far longer is not one SLURM sent. */
#define FLURM_AUTH_MAX_CRED_LEN 4096

/* SLURM error numbers a receiver reports (slurm_errno.h). */
#define FLURM_AUTH_SLURM_AUTHENTICATION_ERROR 1007 /* SLURM_PROTOCOL_AUTHENTICATION_ERROR */
#define FLURM_AUTH_SLURM_INCOMPLETE_PACKET 5003    /* ESLURM_PROTOCOL_INCOMPLETE_PACKET */

/* Why a credential was refused. */
enum flurm_auth_status {
    FLURM_AUTH_OK = 0,
    FLURM_AUTH_MALFORMED,          /* section truncated, length lies, no NUL */
    FLURM_AUTH_BAD_PLUGIN,         /* plugin id is not 101 */
    FLURM_AUTH_CRED_INVALID,       /* munge cannot decode it: garbage, other key */
    FLURM_AUTH_CRED_EXPIRED,       /* older than its TTL */
    FLURM_AUTH_CRED_REWOUND,       /* encoded in the future: clock skew */
    FLURM_AUTH_CRED_REPLAYED,      /* munged has decoded it before */
    FLURM_AUTH_CRED_UNAUTHORIZED,  /* restricted to another uid or gid */
    FLURM_AUTH_UNAVAILABLE,        /* cannot check now (munged down, no memory) */
    FLURM_AUTH_HASH_BLOCKED,       /* empty / NONE payload refused by policy */
    FLURM_AUTH_HASH_MISMATCH,      /* body or msg_type differ from what was signed */
    FLURM_AUTH_HASH_UNSUPPORTED,   /* hash type we cannot check (e.g. 3 = SHA-256) */
};

struct flurm_auth_opts {
    const char *socket_path; /* munged socket; NULL = libmunge's default */
    int ttl;                 /* credential TTL in seconds; 0 = munged's default */
    bool block_null_hash;    /* CommunicationParameters=block_null_hash */
    bool block_zero_hash;    /* CommunicationParameters=block_zero_hash */
};

struct flurm_auth_result {
    enum flurm_auth_status status;
    uint32_t uid;          /* the sender, as munged vouches; valid if OK */
    uint32_t gid;
    uint8_t hash_type;     /* FLURM_AUTH_HASH_* the payload carried */
    struct in_addr addr;   /* encoding host's IPv4 (0.0.0.0 if unknown) */
    time_t encode_time;    /* 0 if unknown */
    size_t section_len;    /* bytes of the auth section; the body follows */
};

/*
 * Split AuthInfo (slurm.conf), e.g. "socket=/run/munge/munge.socket.2,ttl=60"
 * or the old form of a bare socket path.  *socket_path is malloc'ed and owned
 * by the caller (NULL if none given); *ttl is 0 if none given.  authinfo is
 * borrowed and may be NULL.  Returns 0, or -1 with errno = EINVAL / ENOMEM.
 */
int flurm_auth_parse_authinfo(const char *authinfo, char **socket_path, int *ttl);

/* Create a context; opts (borrowed, copied) may be NULL for the defaults.
 * Owned by the caller: free with flurm_auth_destroy().  NULL + errno on
 * failure.  Does not contact munged. */
struct flurm_auth *flurm_auth_create(const struct flurm_auth_opts *opts);
void flurm_auth_destroy(struct flurm_auth *a);

/*
 * munge_encode a credential for a message: restricted to restrict_uid
 * (FLURM_AUTH_UID_ANY for none), with payload 0x02 || K12 of the body, or
 * 0x01 || msg_type in host order for a 21.08 or older peer (as SLURM does).
 * body is borrowed.  Returns the malloc'ed credential string (caller frees),
 * or NULL with errno = EAGAIN (munged unreachable), EINVAL or ENOMEM.
 */
char *flurm_auth_encode(struct flurm_auth *a, uint16_t protocol_version,
                        uint16_t msg_type, const void *body, size_t body_len,
                        uint32_t restrict_uid);

/*
 * flurm_auth_encode(), then append the auth section (u32 101, packstr
 * credential) to the writer out (borrowed).  Returns 0, or -1 with errno as
 * for flurm_auth_encode (out is left as it was).
 */
int flurm_auth_sign(struct flurm_auth *a, uint16_t protocol_version,
                    uint16_t msg_type, const void *body, size_t body_len,
                    uint32_t restrict_uid, struct flurm_buf *out);

/* Append an auth section carrying cred (borrowed) to out.  0 or -1. */
int flurm_auth_pack_section(struct flurm_buf *out, const char *cred);

/*
 * Read the auth section at the start of data (borrowed, len bytes; more
 * bytes, the body, may follow).  Never reads past len.  Returns 0 with
 * *cred the malloc'ed credential (caller frees) and *section_len its size
 * on the wire; or -1, *cred NULL, errno = EBADMSG (truncated, length lies,
 * no or early NUL), EPROTONOSUPPORT (plugin id not 101) or ENOMEM.
 */
int flurm_auth_unpack_section(const void *data, size_t len, char **cred,
                              size_t *section_len);

/*
 * Verify a received message.  data (borrowed) holds everything after the
 * header: the auth section, then the body (all remaining bytes; the caller
 * still checks the header's body_length against len - section_len).  Decodes
 * the credential with munged and checks its payload against msg_type and
 * the body.  Fills *res (res->status says why on refusal; res->section_len
 * tells where the body starts once the section parsed).
 * Returns 0 when accepted, else -1 with errno = EBADMSG (malformed),
 * EPROTONOSUPPORT (not auth/munge), EACCES (credential or hash refused),
 * EAGAIN (munged unavailable) or ENOMEM.
 */
int flurm_auth_verify(struct flurm_auth *a, const void *data, size_t len,
                      uint16_t protocol_version, uint16_t msg_type,
                      struct flurm_auth_result *res);

/* Static description of a status, for logs. */
const char *flurm_auth_status_str(enum flurm_auth_status status);

/* The error number real slurmctld reports for a refusal of this kind
 * (1007 for credential problems, 5003 for unpack and hash failures). */
int flurm_auth_status_slurm_rc(enum flurm_auth_status status);

/* munged's own text for the last failed encode or decode on this context
 * (borrowed, valid until the next call), or "" if there was none. */
const char *flurm_auth_munge_error(const struct flurm_auth *a);

#endif
