/*
 * reply.h - building the SLURM frame the gateway sends back: length prefix,
 * header (the request's protocol version, echoed), auth section, body.
 *
 * Replies to 22.05 and older clients carry a munge credential whose payload
 * is the K12 hash of the body (wire doc 3.3: those clients verify it).
 * Replies at 23.02 and later carry the flag SLURM_NO_AUTH_CRED and no
 * credential, exactly as slurmctld 23.02+ answers (response_init), because
 * those clients skip authentication of replies that say so.
 */
#ifndef FLURM_GW_REPLY_H
#define FLURM_GW_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "wire/auth.h"
#include "wire/pack.h"

/* Whether a reply at protocol `version` is signed with munge (1) or sent
 * with SLURM_NO_AUTH_CRED (0). */
int gw_reply_signed(uint16_t version);

/*
 * Append a whole reply frame to out (borrowed writer; normally empty):
 * wire message type `wire_type`, body[0..body_len) (borrowed), signed by
 * auth (borrowed) for `restrict_uid` when gw_reply_signed(version).
 * flurm_frame_build() with the flags this gateway's policy gives version:
 * returns 0, or -1 with its errno (EAGAIN: munged unreachable, ENOMEM,
 * EMSGSIZE, EPROTONOSUPPORT: no header layout for version); out is then
 * truncated back to its length at entry.
 */
int gw_reply_frame(struct flurm_auth *auth, struct flurm_buf *out, uint16_t version,
                   uint16_t wire_type, const void *body, size_t body_len,
                   uint32_t restrict_uid);

/* A RESPONSE_SLURM_RC frame carrying return code rc, as gw_reply_frame(). */
int gw_reply_rc(struct flurm_auth *auth, struct flurm_buf *out, uint16_t version, int32_t rc,
                uint32_t restrict_uid);

/* A RESPONSE_SLURM_RC_MSG frame: return code rc and text (borrowed), which
 * the client prints as an error line before treating the reply as
 * RESPONSE_SLURM_RC (slurm_send_rc_err_msg).  As gw_reply_frame(). */
int gw_reply_rc_text(struct flurm_auth *auth, struct flurm_buf *out, uint16_t version, int32_t rc,
                     const char *text, uint32_t restrict_uid);

/* Whether slurmctld 22.05 answers a refusal of the request msg_type (enum
 * flurm_msg_type) with RESPONSE_SLURM_RC_MSG when it has a text for the
 * user: the allocation, submission, step creation and node creation /
 * deletion RPCs (the callers of slurm_send_rc_err_msg in proc_req.c).
 * Every other refusal is a plain RESPONSE_SLURM_RC. */
int gw_reply_has_text(uint16_t msg_type);

#endif
