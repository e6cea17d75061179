/*
 * header.h - the header of a SLURM message and the split of a message into
 * header, auth section and body (wire doc sections 1.2-1.7).
 *
 * A "message" here is a frame without its 4-byte length prefix (see
 * frame.h).  Layouts handled: 22.05 and 23.02 (identical) and 23.11 (adds
 * forward.net_cred when forwarding with SLURM_PACK_ADDRS); 20.11/21.08
 * headers (an extra u16 after flags) are parsed so that a refusal can name
 * the message, but those versions are not accepted.
 */
#ifndef FLURM_WIRE_HEADER_H
#define FLURM_WIRE_HEADER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/pack.h"
#include "wire/record.h"

/* Header flags (section 1.7). */
#define FLURM_HDR_GLOBAL_AUTH_KEY 0x0001
#define FLURM_HDR_SLURMDBD_CONNECTION 0x0002
#define FLURM_HDR_NO_AUTH_CRED 0x0040 /* 23.02+: no credential follows */
#define FLURM_HDR_PACK_ADDRS 0x0080   /* 23.11: net_cred when forwarding */

/* Auth plugin ids (section 3.1). */
#define FLURM_AUTH_PLUGIN_NONE 100
#define FLURM_AUTH_PLUGIN_MUNGE 101
#define FLURM_AUTH_PLUGIN_JWT 102
#define FLURM_AUTH_PLUGIN_SLURM 103

/* The 16-byte header of a client request: the smallest message there is. */
#define FLURM_HEADER_MIN_LEN 16

/* One answer aggregated in a reply's ret list: its body is decoded with the
 * registry's record for msg_type. */
struct flurm_ret_item {
    uint32_t err;
    uint16_t msg_type; /* wire number */
    char *node_name;
    const struct flurm_record *rec; /* borrowed, static */
    void *body;                     /* malloc'ed struct of rec */
};

struct flurm_header {
    uint16_t version;
    uint16_t flags;
    uint16_t msg_index; /* 20.11/21.08 only */
    uint16_t msg_type;  /* wire number */
    uint32_t body_length;
    uint16_t forward_cnt; /* the forward fields exist only when cnt > 0 */
    char *forward_nodelist;
    uint32_t forward_timeout;
    uint16_t forward_tree_width;
    char *forward_net_cred; /* 23.11 with FLURM_HDR_PACK_ADDRS */
    uint16_t ret_cnt;
    struct flurm_ret_item *ret_list;
    struct flurm_addr orig_addr;
};

/* True for the protocol versions FLURM speaks: 22.05, 23.02, 23.11.  A
 * reply must carry the version of its request (section 1.6). */
bool flurm_header_version_ok(uint16_t version);

/* Append h (borrowed) to b in h->version's layout.  0 or -1/errno (EINVAL:
 * inconsistent counts, EPROTONOSUPPORT: a version with no known layout). */
int flurm_header_pack(const struct flurm_header *h, struct flurm_buf *b);
/* Read a header at b's position into h (zeroed first; free its contents
 * with flurm_header_free).  -1 with errno EBADMSG for malformed input;
 * EPROTONOSUPPORT when the version is not accepted, in which case h still
 * holds the version, flags and msg_type (when they could be read) and
 * nothing allocated. */
int flurm_header_unpack(struct flurm_header *h, struct flurm_buf *b);
/* Free what h holds (not h itself) and zero it.  NULL-safe. */
void flurm_header_free(struct flurm_header *h);

/* A message cut into its sections.  auth covers the plugin id and the
 * plugin's data (empty with FLURM_HDR_NO_AUTH_CRED); body is exactly
 * hdr.body_length bytes.  Both borrow the caller's message bytes. */
struct flurm_msg_parts {
    struct flurm_header hdr;
    uint32_t auth_plugin; /* 0 when there is no credential */
    const uint8_t *auth;
    size_t auth_len;
    const uint8_t *body;
    size_t body_len;
};

/* Split msg (len bytes, no length prefix; borrowed and must outlive p).
 * The auth section's structure is walked for plugins none, munge, jwt and
 * slurm, and the body must be exactly what is left (section 1.5).
 * -1 with errno: EBADMSG (malformed, or body_length not matching),
 * EPROTONOSUPPORT (version not accepted), ENOTSUP (unknown auth plugin).
 * Free p->hdr with flurm_msg_parts_free (also after a failure). */
int flurm_msg_split(struct flurm_msg_parts *p, const uint8_t *msg, size_t len);
void flurm_msg_parts_free(struct flurm_msg_parts *p);

/* slurm_addr_t <-> sockaddr_in with SLURM's byte-order trap (section 1.3):
 * the wire holds the in-memory s_addr / sin_port of the sender read as host
 * integers, so on x86 these are plain copies. */
void flurm_addr_from_sockaddr(struct flurm_addr *a, const struct sockaddr_in *sin);
int flurm_addr_to_sockaddr(const struct flurm_addr *a, struct sockaddr_in *sin);

#endif
