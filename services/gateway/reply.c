/*
 * reply.c - reply frames (see reply.h).
 */
#include "services/gateway/reply.h"

#include <errno.h>
#include <string.h>

#include "wire/rec_generic.h"

#include "wire/frame.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/record.h"

int gw_reply_signed(uint16_t version)
{
    return version < FLURM_PROTO_23_02;
}

int gw_reply_frame(struct flurm_auth *auth, struct flurm_buf *out, uint16_t version,
                   uint16_t wire_type, const void *body, size_t body_len,
                   uint32_t restrict_uid)
{
    uint16_t flags = gw_reply_signed(version) ? 0 : FLURM_HDR_NO_AUTH_CRED;

    return flurm_frame_build(auth, out, version, flags, wire_type, body, body_len,
                             restrict_uid);
}

int gw_reply_rc(struct flurm_auth *auth, struct flurm_buf *out, uint16_t version, int32_t rc,
                uint32_t restrict_uid)
{
    uint8_t body[4] = {
        (uint8_t)((uint32_t)rc >> 24),
        (uint8_t)((uint32_t)rc >> 16),
        (uint8_t)((uint32_t)rc >> 8),
        (uint8_t)rc,
    };

    return gw_reply_frame(auth, out, version, FLURM_RESPONSE_SLURM_RC, body, sizeof(body),
                          restrict_uid);
}

int gw_reply_rc_text(struct flurm_auth *auth, struct flurm_buf *out, uint16_t version, int32_t rc,
                     const char *text, uint32_t restrict_uid)
{
    struct flurm_rc_text_msg msg = {.return_code = rc, .err_msg = (char *)text};
    struct flurm_buf *body = flurm_buf_create(64 + (text ? strlen(text) : 0));
    int ret = -1;

    if (!body)
        return -1;
    if (flurm_record_pack(&flurm_rec_rc_text, &msg, body, version) == 0)
        ret = gw_reply_frame(auth, out, version, FLURM_RESPONSE_SLURM_RC_MSG,
                             flurm_buf_data(body), flurm_buf_len(body), restrict_uid);
    {
        int saved = errno;
        flurm_buf_destroy(body);
        errno = saved;
    }
    return ret;
}

int gw_reply_has_text(uint16_t msg_type)
{
    switch (msg_type) {
    case FLURM_REQUEST_RESOURCE_ALLOCATION:
    case FLURM_REQUEST_HET_JOB_ALLOCATION:
    case FLURM_REQUEST_JOB_WILL_RUN:
    case FLURM_REQUEST_SUBMIT_BATCH_JOB:
    case FLURM_REQUEST_SUBMIT_BATCH_HET_JOB:
    case FLURM_REQUEST_JOB_STEP_CREATE:
    case FLURM_REQUEST_CREATE_NODE:
    case FLURM_REQUEST_DELETE_NODE:
        return 1;
    default:
        return 0;
    }
}
