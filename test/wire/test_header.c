/*
 * test_header.c - the SLURM message header (wire/header.h): the captured
 * layouts, forward and ret lists, orig_addr with its byte-order trap,
 * version acceptance, and the exact split into header, auth and body.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test/wire/capture.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/rec_generic.h"

/* Load a capture and return its message (after the 4-byte prefix). */
static uint8_t *load_msg(const char *rel, size_t *len)
{
    size_t n;
    uint8_t *f = capture_load(rel, &n);

    ck_assert_msg(f != NULL, "capture %s missing", rel);
    ck_assert_uint_ge(n, 4);
    memmove(f, f + 4, n - 4);
    *len = n - 4;
    return f;
}

static struct flurm_buf *packed_header(const struct flurm_header *h)
{
    struct flurm_buf *b = flurm_buf_create(0);

    ck_assert_int_eq(flurm_header_pack(h, b), 0);
    return b;
}

START_TEST(client_request_header_is_16_bytes)
{
    size_t len;
    uint8_t *m = load_msg("scontrol_ping/001-c2s-REQUEST_PING.hex", &len);
    struct flurm_buf *b = flurm_buf_view(m, len), *out;
    struct flurm_header h;

    ck_assert_int_eq(flurm_header_unpack(&h, b), 0);
    ck_assert_uint_eq(flurm_buf_offset(b), 16);
    ck_assert_uint_eq(h.version, FLURM_PROTO_22_05);
    ck_assert_uint_eq(h.flags, 0);
    ck_assert_uint_eq(h.msg_type, FLURM_REQUEST_PING);
    ck_assert_uint_eq(h.body_length, 0);
    ck_assert_uint_eq(h.orig_addr.family, 0);
    out = packed_header(&h);
    ck_assert_uint_eq(flurm_buf_len(out), 16);
    ck_assert_mem_eq(flurm_buf_data(out), m, 16);
    flurm_header_free(&h);
    flurm_buf_destroy(out);
    flurm_buf_destroy(b);
    free(m);
}
END_TEST

START_TEST(slurmd_reply_orig_addr_keeps_the_byte_order_trap)
{
    size_t len;
    uint8_t *m = load_msg("salloc_hostname/009-s2c-RESPONSE_SLURM_RC.hex", &len);
    struct flurm_buf *b = flurm_buf_view(m, len), *out;
    struct flurm_header h;
    struct sockaddr_in sin;
    char text[INET_ADDRSTRLEN];

    ck_assert_int_eq(flurm_header_unpack(&h, b), 0);
    ck_assert_uint_eq(flurm_buf_offset(b), 22);
    ck_assert_uint_eq(h.orig_addr.family, 2);
    /* 127.0.0.1:39288 is on the wire as 01 00 00 7f | 78 99. */
    ck_assert_uint_eq(h.orig_addr.addr4, 0x0100007f);
    ck_assert_uint_eq(h.orig_addr.port, 0x7899);
    ck_assert_int_eq(flurm_addr_to_sockaddr(&h.orig_addr, &sin), 0);
    ck_assert_str_eq(inet_ntop(AF_INET, &sin.sin_addr, text, sizeof(text)), "127.0.0.1");
    ck_assert_uint_eq(ntohs(sin.sin_port), 39288);
    out = packed_header(&h);
    ck_assert_mem_eq(flurm_buf_data(out), m, 22);
    flurm_header_free(&h);
    flurm_buf_destroy(out);
    flurm_buf_destroy(b);
    free(m);
}
END_TEST

START_TEST(sockaddr_conversion_round_trips)
{
    struct sockaddr_in sin = { .sin_family = AF_INET }, back;
    struct flurm_addr a;
    struct flurm_buf *b = flurm_buf_create(0);

    inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
    sin.sin_port = htons(6817);
    flurm_addr_from_sockaddr(&a, &sin);
    flurm_addr_pack(b, &a);
    /* What an x86 slurmd would send for 10.1.2.3:6817. */
    ck_assert_mem_eq(flurm_buf_data(b), "\x00\x02\x03\x02\x01\x0a\xa1\x1a", 8);
    ck_assert_int_eq(flurm_addr_to_sockaddr(&a, &back), 0);
    ck_assert_uint_eq(back.sin_addr.s_addr, sin.sin_addr.s_addr);
    ck_assert_uint_eq(back.sin_port, sin.sin_port);
    a.family = 0;
    ck_assert_int_eq(flurm_addr_to_sockaddr(&a, &back), -1);
    flurm_buf_destroy(b);
}
END_TEST

/* A header with everything optional filled in. */
static void full_header(struct flurm_header *h, uint16_t version, struct flurm_rc_msg *rcs)
{
    memset(h, 0, sizeof(*h));
    h->version = version;
    h->flags = FLURM_HDR_PACK_ADDRS;
    h->msg_type = FLURM_RESPONSE_SLURM_RC;
    h->body_length = 4;
    h->forward_cnt = 2;
    h->forward_nodelist = "n[1-2]";
    h->forward_timeout = 10000;
    h->forward_tree_width = 50;
    h->forward_net_cred = "cred";
    h->ret_cnt = 2;
    h->ret_list = calloc(2, sizeof(struct flurm_ret_item));
    rcs[0].return_code = 0;
    rcs[1].return_code = 2017;
    for (int i = 0; i < 2; i++) {
        h->ret_list[i].err = (uint32_t)i;
        h->ret_list[i].msg_type = FLURM_RESPONSE_SLURM_RC;
        h->ret_list[i].node_name = i ? "n2" : "n1";
        h->ret_list[i].rec = &flurm_rec_rc;
        h->ret_list[i].body = &rcs[i];
    }
    h->orig_addr.family = 2;
    h->orig_addr.addr4 = 0x0100007f;
    h->orig_addr.port = 1;
}

START_TEST(forward_and_ret_lists_round_trip)
{
    const uint16_t versions[] = { FLURM_PROTO_22_05, FLURM_PROTO_23_02, FLURM_PROTO_23_11 };

    for (size_t v = 0; v < 3; v++) {
        struct flurm_rc_msg rcs[2];
        struct flurm_header h, d;
        struct flurm_buf *b, *rd, *again;

        full_header(&h, versions[v], rcs);
        b = packed_header(&h);
        rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
        ck_assert_int_eq(flurm_header_unpack(&d, rd), 0);
        ck_assert_uint_eq(flurm_buf_remaining(rd), 0);
        ck_assert_str_eq(d.forward_nodelist, "n[1-2]");
        ck_assert_uint_eq(d.forward_tree_width, 50);
        /* net_cred exists only in 23.11 (and only with PACK_ADDRS). */
        if (versions[v] == FLURM_PROTO_23_11)
            ck_assert_str_eq(d.forward_net_cred, "cred");
        else
            ck_assert_ptr_null(d.forward_net_cred);
        ck_assert_uint_eq(d.ret_cnt, 2);
        ck_assert_str_eq(d.ret_list[1].node_name, "n2");
        ck_assert_int_eq(((struct flurm_rc_msg *)d.ret_list[1].body)->return_code, 2017);
        again = packed_header(&d);
        ck_assert_uint_eq(flurm_buf_len(again), flurm_buf_len(b));
        ck_assert_mem_eq(flurm_buf_data(again), flurm_buf_data(b), flurm_buf_len(b));
        /* Every truncation fails without a leak. */
        for (size_t cut = 0; cut < flurm_buf_len(b); cut++) {
            struct flurm_buf *t = flurm_buf_view(flurm_buf_data(b), cut);
            struct flurm_header x;
            ck_assert_int_eq(flurm_header_unpack(&x, t), -1);
            ck_assert_ptr_null(x.ret_list);
            flurm_buf_destroy(t);
        }
        free(h.ret_list);
        flurm_header_free(&d);
        flurm_buf_destroy(again);
        flurm_buf_destroy(rd);
        flurm_buf_destroy(b);
    }
}
END_TEST

START_TEST(ret_item_of_a_type_without_record_is_refused)
{
    /* 22.05 header, ret_cnt 1, item of type 2000 (DBD_MESSAGES_END, a marker
     * that never has a body record) followed by junk. */
    const uint8_t wire[] = "\x26\x00\x00\x00\x1f\x41\x00\x00\x00\x00\x00\x00"
                           "\x00\x01"
                           "\x00\x00\x00\x00\x07\xd0\x00\x00\x00\x00"
                           "\x00\x00\x00\x00\x00\x00";
    const uint8_t lying[] = "\x26\x00\x00\x00\x1f\x41\x00\x00\x00\x00\x00\x00"
                            "\xff\xff"
                            "\x00\x00\x00\x00\x1f\x41\x00\x00\x00\x00";
    struct flurm_buf *b = flurm_buf_view(wire, sizeof(wire) - 1);
    struct flurm_header h;

    ck_assert_ptr_null(flurm_msg_body_record(FLURM_PROTO_22_05, FLURM_DBD_MESSAGES_END));
    ck_assert_int_eq(flurm_header_unpack(&h, b), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(b);
    /* 65535 ret items claimed, 10 bytes present. */
    b = flurm_buf_view(lying, sizeof(lying) - 1);
    ck_assert_int_eq(flurm_header_unpack(&h, b), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(only_22_05_to_23_11_are_accepted)
{
    struct flurm_header h;
    struct flurm_buf *b;
    /* A 21.08 header: version, flags, msg_index, msg_type, body_length... */
    const uint8_t v2108[] = "\x25\x00\x00\x00\x00\x00\x03\xf0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";
    const uint8_t v2405[] = "\x29\x00\x00\x00\x03\xf0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";
    const uint8_t junk[] = "\x12\x34\x00\x00\x03\xf0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";

    ck_assert(flurm_header_version_ok(FLURM_PROTO_22_05));
    ck_assert(flurm_header_version_ok(FLURM_PROTO_23_02));
    ck_assert(flurm_header_version_ok(FLURM_PROTO_23_11));
    ck_assert(!flurm_header_version_ok(FLURM_PROTO_21_08));
    ck_assert(!flurm_header_version_ok(0x2900));

    /* Refused, but the message is named so that the reply can say why. */
    b = flurm_buf_view(v2108, sizeof(v2108) - 1);
    ck_assert_int_eq(flurm_header_unpack(&h, b), -1);
    ck_assert_int_eq(errno, EPROTONOSUPPORT);
    ck_assert_uint_eq(h.version, 0x2500);
    ck_assert_uint_eq(h.msg_type, FLURM_REQUEST_PING);
    flurm_buf_destroy(b);
    b = flurm_buf_view(v2405, sizeof(v2405) - 1);
    ck_assert_int_eq(flurm_header_unpack(&h, b), -1);
    ck_assert_int_eq(errno, EPROTONOSUPPORT);
    ck_assert_uint_eq(h.msg_type, FLURM_REQUEST_PING);
    flurm_buf_destroy(b);
    b = flurm_buf_view(junk, sizeof(junk) - 1);
    ck_assert_int_eq(flurm_header_unpack(&h, b), -1);
    ck_assert_int_eq(errno, EPROTONOSUPPORT);
    ck_assert_uint_eq(h.version, 0x1234);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(split_finds_auth_and_body_exactly)
{
    size_t len;
    uint8_t *m = load_msg("squeue/001-c2s-REQUEST_JOB_INFO.hex", &len);
    struct flurm_msg_parts p;

    ck_assert_int_eq(flurm_msg_split(&p, m, len), 0);
    ck_assert_uint_eq(p.hdr.msg_type, FLURM_REQUEST_JOB_INFO);
    ck_assert_uint_eq(p.auth_plugin, FLURM_AUTH_PLUGIN_MUNGE);
    ck_assert_ptr_eq(p.auth, m + 16);
    ck_assert_uint_eq(p.auth_len, len - 16 - p.hdr.body_length);
    ck_assert_mem_eq(p.auth + 8, "MUNGE:", 6);
    ck_assert_ptr_eq(p.body, m + len - p.body_len);
    ck_assert_uint_eq(p.body_len, 14);
    flurm_msg_parts_free(&p);
    free(m);
}
END_TEST

START_TEST(split_refuses_any_trailing_or_missing_byte)
{
    size_t len;
    uint8_t *m = load_msg("scontrol_ping/002-s2c-RESPONSE_SLURM_RC.hex", &len);
    uint8_t *longer = malloc(len + 1);
    struct flurm_msg_parts p;

    memcpy(longer, m, len);
    longer[len] = 0;
    ck_assert_int_eq(flurm_msg_split(&p, longer, len + 1), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_msg_parts_free(&p);
    ck_assert_int_eq(flurm_msg_split(&p, m, len - 1), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_msg_parts_free(&p);
    /* body_length one more than what is there */
    m[9]++;
    ck_assert_int_eq(flurm_msg_split(&p, m, len), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_msg_parts_free(&p);
    free(longer);
    free(m);
}
END_TEST

START_TEST(split_knows_the_auth_plugins)
{
    /* auth/none: u32 100, uid, gid, hostname; then a 4-byte RC body. */
    const uint8_t none[] = "\x26\x00\x00\x00\x1f\x41\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00"
                           "\x00\x00\x00\x64\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02h\x00"
                           "\x00\x00\x00\x00";
    /* plugin 99 does not exist */
    const uint8_t unknown[] = "\x26\x00\x00\x00\x1f\x41\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                              "\x00\x00\x00\x63";
    /* 23.02 reply without a credential */
    const uint8_t nocred[] = "\x27\x00\x00\x40\x1f\x41\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00"
                             "\x00\x00\x00\x00";
    /* the same flag means nothing to 22.05: a credential is expected */
    const uint8_t nocred22[] = "\x26\x00\x00\x40\x1f\x41\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00"
                               "\x00\x00\x00\x00";
    struct flurm_msg_parts p;

    ck_assert_int_eq(flurm_msg_split(&p, none, sizeof(none) - 1), 0);
    ck_assert_uint_eq(p.auth_plugin, FLURM_AUTH_PLUGIN_NONE);
    ck_assert_uint_eq(p.auth_len, 4 + 4 + 4 + 4 + 2);
    ck_assert_uint_eq(p.body_len, 4);
    flurm_msg_parts_free(&p);
    ck_assert_int_eq(flurm_msg_split(&p, unknown, sizeof(unknown) - 1), -1);
    ck_assert_int_eq(errno, ENOTSUP);
    flurm_msg_parts_free(&p);
    ck_assert_int_eq(flurm_msg_split(&p, nocred, sizeof(nocred) - 1), 0);
    ck_assert_uint_eq(p.auth_len, 0);
    ck_assert_uint_eq(p.auth_plugin, 0);
    ck_assert_uint_eq(p.body_len, 4);
    flurm_msg_parts_free(&p);
    ck_assert_int_eq(flurm_msg_split(&p, nocred22, sizeof(nocred22) - 1), -1);
    flurm_msg_parts_free(&p);
}
END_TEST

START_TEST(pack_refuses_inconsistent_headers)
{
    struct flurm_header h = { .version = FLURM_PROTO_22_05, .ret_cnt = 1 };
    struct flurm_buf *b = flurm_buf_create(0);

    ck_assert_int_eq(flurm_header_pack(&h, b), -1);
    ck_assert_int_eq(errno, EINVAL);
    h.ret_cnt = 0;
    h.version = 0x1234;
    ck_assert_int_eq(flurm_header_pack(&h, b), -1);
    ck_assert_int_eq(errno, EPROTONOSUPPORT);
    flurm_header_free(NULL);
    flurm_buf_destroy(b);
}
END_TEST

static Suite *header_suite(void)
{
    Suite *s = suite_create("header");
    TCase *tc = tcase_create("header");

    tcase_add_test(tc, client_request_header_is_16_bytes);
    tcase_add_test(tc, slurmd_reply_orig_addr_keeps_the_byte_order_trap);
    tcase_add_test(tc, sockaddr_conversion_round_trips);
    tcase_add_test(tc, forward_and_ret_lists_round_trip);
    tcase_add_test(tc, ret_item_of_a_type_without_record_is_refused);
    tcase_add_test(tc, only_22_05_to_23_11_are_accepted);
    tcase_add_test(tc, split_finds_auth_and_body_exactly);
    tcase_add_test(tc, split_refuses_any_trailing_or_missing_byte);
    tcase_add_test(tc, split_knows_the_auth_plugins);
    tcase_add_test(tc, pack_refuses_inconsistent_headers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(header_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
