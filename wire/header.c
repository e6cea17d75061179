/*
 * header.c - pack and unpack the SLURM message header, and split a whole
 * message into header, auth section and body.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/header.h"
#include "wire/msg.h"

bool flurm_header_version_ok(uint16_t version)
{
    return version == FLURM_PROTO_22_05 || version == FLURM_PROTO_23_02 ||
           version == FLURM_PROTO_23_11;
}

/* Versions whose header layout is known (whether or not accepted). */
static bool layout_known(uint16_t version)
{
    return version >= 0x2400 && version <= 0x2a00 && (version & 0xff) == 0;
}

static bool has_net_cred(const struct flurm_header *h)
{
    return h->version >= FLURM_PROTO_23_11 && h->forward_cnt > 0 &&
           (h->flags & FLURM_HDR_PACK_ADDRS);
}

static int pack_ret_list(const struct flurm_header *h, struct flurm_buf *b)
{
    for (uint16_t i = 0; i < h->ret_cnt; i++) {
        const struct flurm_ret_item *r = &h->ret_list[i];
        if (!r->rec || !r->body) {
            errno = EINVAL;
            return -1;
        }
        if (flurm_pack32(b, r->err) < 0 || flurm_pack16(b, r->msg_type) < 0 ||
            flurm_packstr(b, r->node_name) < 0 ||
            flurm_record_pack(r->rec, r->body, b, h->version) < 0)
            return -1;
    }
    return 0;
}

int flurm_header_pack(const struct flurm_header *h, struct flurm_buf *b)
{
    if (!h || !b || (h->ret_cnt > 0 && !h->ret_list)) {
        errno = EINVAL;
        return -1;
    }
    if (!layout_known(h->version)) {
        errno = EPROTONOSUPPORT;
        return -1;
    }
    if (flurm_pack16(b, h->version) < 0 || flurm_pack16(b, h->flags) < 0)
        return -1;
    if (h->version < FLURM_PROTO_22_05 && flurm_pack16(b, h->msg_index) < 0)
        return -1;
    if (flurm_pack16(b, h->msg_type) < 0 || flurm_pack32(b, h->body_length) < 0 ||
        flurm_pack16(b, h->forward_cnt) < 0)
        return -1;
    if (h->forward_cnt > 0) {
        if (flurm_packstr(b, h->forward_nodelist) < 0 ||
            flurm_pack32(b, h->forward_timeout) < 0 ||
            flurm_pack16(b, h->forward_tree_width) < 0)
            return -1;
        if (has_net_cred(h) && flurm_packstr(b, h->forward_net_cred) < 0)
            return -1;
    }
    if (flurm_pack16(b, h->ret_cnt) < 0 || pack_ret_list(h, b) < 0)
        return -1;
    return flurm_addr_pack(b, &h->orig_addr);
}

static void free_ret_list(struct flurm_ret_item *list, uint16_t n)
{
    if (!list)
        return;
    for (uint16_t i = 0; i < n; i++) {
        free(list[i].node_name);
        flurm_msg_body_destroy(list[i].rec, list[i].body);
    }
    free(list);
}

void flurm_header_free(struct flurm_header *h)
{
    if (!h)
        return;
    free(h->forward_nodelist);
    free(h->forward_net_cred);
    free_ret_list(h->ret_list, h->ret_cnt);
    memset(h, 0, sizeof(*h));
}

/* Each ret item's body is a message of its own type, so its extent is only
 * known by decoding it with that type's record. */
static int unpack_ret_list(struct flurm_header *h, struct flurm_buf *b)
{
    /* err + type + NULL name: the least one item can take. */
    const size_t min_item = 4 + 2 + 4;
    struct flurm_ret_item *list;
    uint16_t i;

    if ((size_t)h->ret_cnt * min_item > flurm_buf_remaining(b)) {
        flurm_buf_set_error(b);
        return -1;
    }
    if (!(list = calloc(h->ret_cnt, sizeof(*list))))
        return -1;
    for (i = 0; i < h->ret_cnt; i++) {
        struct flurm_ret_item *r = &list[i];
        enum flurm_msg_type type;

        if (flurm_unpack32(b, &r->err) < 0 || flurm_unpack16(b, &r->msg_type) < 0 ||
            flurm_unpackstr(b, &r->node_name) < 0)
            goto error;
        if (flurm_msg_from_wire(h->version, r->msg_type, &type) < 0 ||
            !(r->rec = flurm_msg_body_record(h->version, type)) ||
            !(r->body = malloc(r->rec->size)))
            goto error_bad;
        if (flurm_record_unpack(r->rec, r->body, b, h->version, NULL) < 0) {
            free(r->body);
            r->body = NULL;
            goto error;
        }
    }
    h->ret_list = list;
    return 0;
error_bad:
    flurm_buf_set_error(b);
error:
    free_ret_list(list, (uint16_t)(i + 1));
    return -1;
}

int flurm_header_unpack(struct flurm_header *h, struct flurm_buf *b)
{
    uint16_t version, flags, msg_type;

    if (!h || !b) {
        errno = EINVAL;
        return -1;
    }
    memset(h, 0, sizeof(*h));
    if (flurm_unpack16(b, &h->version) < 0)
        goto error;
    if (!layout_known(h->version))
        goto unsupported;
    if (flurm_unpack16(b, &h->flags) < 0)
        goto error;
    if (h->version < FLURM_PROTO_22_05 && flurm_unpack16(b, &h->msg_index) < 0)
        goto error;
    if (flurm_unpack16(b, &h->msg_type) < 0 || flurm_unpack32(b, &h->body_length) < 0)
        goto error;
    if (!flurm_header_version_ok(h->version))
        goto unsupported;
    if (flurm_unpack16(b, &h->forward_cnt) < 0)
        goto error;
    if (h->forward_cnt > 0) {
        if (flurm_unpackstr(b, &h->forward_nodelist) < 0 ||
            flurm_unpack32(b, &h->forward_timeout) < 0 ||
            flurm_unpack16(b, &h->forward_tree_width) < 0)
            goto error;
        if (has_net_cred(h) && flurm_unpackstr(b, &h->forward_net_cred) < 0)
            goto error;
    }
    if (flurm_unpack16(b, &h->ret_cnt) < 0)
        goto error;
    if (h->ret_cnt > 0 && unpack_ret_list(h, b) < 0)
        goto error;
    if (flurm_addr_unpack(b, &h->orig_addr) < 0)
        goto error;
    return 0;
error:
    if (errno != ENOMEM)
        flurm_buf_set_error(b);
    {
        int saved = errno;
        /* ret_list is NULL here unless it decoded; ret_cnt alone is harmless */
        flurm_header_free(h);
        errno = saved;
    }
    return -1;
unsupported:
    version = h->version;
    flags = h->flags;
    msg_type = h->msg_type;
    flurm_header_free(h);
    h->version = version;
    h->flags = flags;
    h->msg_type = msg_type;
    errno = EPROTONOSUPPORT;
    return -1;
}

/* Walk the plugin's data so that the body's start is known exactly. */
static int skip_auth(struct flurm_buf *b, uint32_t plugin, uint16_t version)
{
    const uint8_t *p;
    uint32_t n, u;

    switch (plugin) {
    case FLURM_AUTH_PLUGIN_NONE: /* uid, gid, hostname */
        if (flurm_unpack32(b, &u) < 0 || flurm_unpack32(b, &u) < 0)
            return -1;
        break;
    case FLURM_AUTH_PLUGIN_MUNGE:
        break;
    case FLURM_AUTH_PLUGIN_JWT: /* token, then user name */
        if (flurm_unpack32(b, &n) < 0 || flurm_unpack_raw(b, &p, n) < 0)
            return -1;
        break;
    case FLURM_AUTH_PLUGIN_SLURM:
        if (version >= FLURM_PROTO_23_11)
            break;
        /* fall through */
    default:
        errno = ENOTSUP;
        return -1;
    }
    /* Every plugin ends with one string. */
    if (flurm_unpack32(b, &n) < 0 || flurm_unpack_raw(b, &p, n) < 0)
        return -1;
    return 0;
}

int flurm_msg_split(struct flurm_msg_parts *p, const uint8_t *msg, size_t len)
{
    struct flurm_buf *b;
    size_t auth_at;
    int rc = -1;

    if (!p || (!msg && len)) {
        errno = EINVAL;
        return -1;
    }
    memset(p, 0, sizeof(*p));
    if (!(b = flurm_buf_view(msg, len)))
        return -1;
    if (flurm_header_unpack(&p->hdr, b) < 0)
        goto out;
    auth_at = flurm_buf_offset(b);
    if (!(p->hdr.flags & FLURM_HDR_NO_AUTH_CRED) || p->hdr.version < FLURM_PROTO_23_02) {
        if (flurm_unpack32(b, &p->auth_plugin) < 0)
            goto out;
        if (skip_auth(b, p->auth_plugin, p->hdr.version) < 0) {
            if (errno != ENOTSUP)
                errno = EBADMSG;
            goto out;
        }
    }
    p->auth = msg + auth_at;
    p->auth_len = flurm_buf_offset(b) - auth_at;
    if (flurm_buf_remaining(b) != p->hdr.body_length) {
        errno = EBADMSG;
        goto out;
    }
    p->body = msg + flurm_buf_offset(b);
    p->body_len = p->hdr.body_length;
    rc = 0;
out:
    flurm_buf_destroy(b);
    return rc;
}

void flurm_msg_parts_free(struct flurm_msg_parts *p)
{
    if (!p)
        return;
    flurm_header_free(&p->hdr);
    memset(p, 0, sizeof(*p));
}

void flurm_addr_from_sockaddr(struct flurm_addr *a, const struct sockaddr_in *sin)
{
    memset(a, 0, sizeof(*a));
    a->family = (uint16_t)sin->sin_family;
    a->addr4 = sin->sin_addr.s_addr;
    a->port = sin->sin_port;
}

int flurm_addr_to_sockaddr(const struct flurm_addr *a, struct sockaddr_in *sin)
{
    if (a->family != AF_INET) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = a->addr4;
    sin->sin_port = a->port;
    return 0;
}
