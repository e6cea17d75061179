/*
 * test_msg.c - the message registry (wire/msg.h): numbers and names per
 * protocol version, body lookup, exact body decoding, and sanity of every
 * record that any wire/rec_*.c registers.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/msg.h"
#include "wire/rec_generic.h"

/* How many wire numbers a peer of version v can send. */
static unsigned count_types(uint16_t v)
{
    unsigned n = 0;

    for (unsigned w = 0; w < 65536; w++) {
        enum flurm_msg_type t;
        if (flurm_msg_from_wire(v, (uint16_t)w, &t) == 0)
            n++;
    }
    return n;
}

START_TEST(each_version_has_its_number_of_types)
{
    /* Appendix A lists 185 live 22.05 types; 23.02 adds 17, 23.11 7 more. */
    ck_assert_uint_eq(count_types(FLURM_PROTO_22_05), 185);
    ck_assert_uint_eq(count_types(FLURM_PROTO_23_02), 202);
    ck_assert_uint_eq(count_types(FLURM_PROTO_23_11), 209);
}
END_TEST

START_TEST(names_and_numbers)
{
    ck_assert_str_eq(flurm_msg_name(1008), "REQUEST_PING");
    ck_assert_str_eq(flurm_msg_name(5032), "REQUEST_KILL_JOB");
    ck_assert_str_eq(flurm_msg_name(8001), "RESPONSE_SLURM_RC");
    ck_assert_str_eq(flurm_msg_name(11008), "SLURMSCRIPTD_SHUTDOWN");
    ck_assert_ptr_null(flurm_msg_name(1007)); /* DEFUNCT_RPC_1007 */
    ck_assert_ptr_null(flurm_msg_name(0));
    ck_assert_int_eq(flurm_msg_by_name("REQUEST_JOB_INFO"), 2003);
    ck_assert_int_eq(flurm_msg_by_name("NO_SUCH_THING"), FLURM_MSG_NONE);
}
END_TEST

START_TEST(newer_types_exist_only_from_their_version)
{
    enum flurm_msg_type t;
    uint16_t w;

    ck_assert_int_eq(flurm_msg_from_wire(FLURM_PROTO_22_05, 5041, &t), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(flurm_msg_from_wire(FLURM_PROTO_23_02, 5041, &t), -1);
    ck_assert_int_eq(flurm_msg_from_wire(FLURM_PROTO_23_11, 5041, &t), 0);
    ck_assert_int_eq(t, FLURM_REQUEST_KILL_JOBS);
    /* 5008 was retired before 22.05 and reused by 23.02. */
    ck_assert_int_eq(flurm_msg_from_wire(FLURM_PROTO_22_05, 5008, &t), -1);
    ck_assert_int_eq(flurm_msg_from_wire(FLURM_PROTO_23_02, 5008, &t), 0);
    ck_assert_int_eq(t, FLURM_REQUEST_STEP_BY_CONTAINER_ID);
    ck_assert_int_eq(flurm_msg_from_wire(FLURM_PROTO_23_11, 1006, &t), 0);
    ck_assert_int_eq(t, FLURM_REQUEST_RECONFIGURE_SACKD);
    /* No renumbering: REQUEST_KILL_JOB is 5032 everywhere. */
    ck_assert_int_eq(flurm_msg_to_wire(FLURM_PROTO_22_05, FLURM_REQUEST_KILL_JOB, &w), 0);
    ck_assert_uint_eq(w, 5032);
    ck_assert_int_eq(flurm_msg_to_wire(FLURM_PROTO_23_11, FLURM_REQUEST_KILL_JOB, &w), 0);
    ck_assert_uint_eq(w, 5032);
    ck_assert_int_eq(flurm_msg_to_wire(FLURM_PROTO_22_05, FLURM_REQUEST_KILL_JOBS, &w), -1);
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(registry_has_no_duplicates)
{
    char err[256] = "";

    ck_assert_msg(flurm_msg_registry_check(err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_gt(flurm_msg_body_count(), 0);
    ck_assert_ptr_null(flurm_msg_body_at(flurm_msg_body_count(), NULL));
}
END_TEST

START_TEST(body_lookup_distinguishes_unknown_from_unwritten)
{
    ck_assert_ptr_eq(flurm_msg_body_record(FLURM_PROTO_22_05, FLURM_REQUEST_PING),
                     &flurm_rec_empty);
    ck_assert_ptr_eq(flurm_msg_body_record(FLURM_PROTO_22_05, FLURM_RESPONSE_SLURM_RC),
                     &flurm_rec_rc);
    ck_assert_ptr_null(flurm_msg_body_record(FLURM_PROTO_22_05, (enum flurm_msg_type)9999));
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_null(flurm_msg_body_record(FLURM_PROTO_22_05, FLURM_DBD_MESSAGES_END));
    ck_assert_int_eq(errno, ENOSYS);
}
END_TEST

START_TEST(body_decode_must_be_exact)
{
    const struct flurm_record *rec;
    const char *err;
    struct flurm_rc_msg *rc;

    rc = flurm_msg_body_decode(FLURM_PROTO_22_05, FLURM_RESPONSE_SLURM_RC, "\xff\xff\xf8\x2f", 4,
                               &rec, &err);
    ck_assert_ptr_nonnull(rc);
    ck_assert_int_eq(rc->return_code, -2001);
    flurm_msg_body_destroy(rec, rc);
    /* one byte too many */
    ck_assert_ptr_null(flurm_msg_body_decode(FLURM_PROTO_22_05, FLURM_RESPONSE_SLURM_RC,
                                             "\0\0\0\0\0", 5, &rec, &err));
    ck_assert_int_eq(errno, EBADMSG);
    ck_assert_str_eq(err, "(trailing bytes)");
    /* one byte short */
    ck_assert_ptr_null(flurm_msg_body_decode(FLURM_PROTO_22_05, FLURM_RESPONSE_SLURM_RC,
                                             "\0\0\0", 3, &rec, &err));
    ck_assert_int_eq(errno, EBADMSG);
    ck_assert_str_eq(err, "return_code");
    /* a body where none belongs */
    ck_assert_ptr_null(
        flurm_msg_body_decode(FLURM_PROTO_22_05, FLURM_REQUEST_PING, "\0", 1, &rec, &err));
    ck_assert_int_eq(errno, EBADMSG);
}
END_TEST

START_TEST(priority_request_body_is_gone_from_23_02)
{
    struct flurm_priority_factors_request req = { 0 };
    struct flurm_buf *b = flurm_buf_create(0);
    void *obj;
    const struct flurm_record *rec;

    req.partitions = "debug";
    ck_assert_int_eq(flurm_msg_body_encode(FLURM_PROTO_22_05, FLURM_REQUEST_PRIORITY_FACTORS,
                                           &req, b),
                     0);
    /* NO_VAL, NO_VAL, "debug" */
    ck_assert_uint_eq(flurm_buf_len(b), 4 + 4 + 4 + 6);
    flurm_buf_destroy(b);
    b = flurm_buf_create(0);
    ck_assert_int_eq(flurm_msg_body_encode(FLURM_PROTO_23_02, FLURM_REQUEST_PRIORITY_FACTORS,
                                           &req, b),
                     0);
    ck_assert_uint_eq(flurm_buf_len(b), 0);
    obj = flurm_msg_body_decode(FLURM_PROTO_23_11, FLURM_REQUEST_PRIORITY_FACTORS, "", 0, &rec,
                                NULL);
    ck_assert_ptr_nonnull(obj);
    flurm_msg_body_destroy(rec, obj);
    flurm_buf_destroy(b);
}
END_TEST

/* Every registered record, at every supported version: an all-zero body
 * packs, decodes back exactly, and no shorter prefix decodes. */
START_TEST(every_registered_record_handles_an_empty_body)
{
    const uint16_t versions[] = { FLURM_PROTO_22_05, FLURM_PROTO_23_02, FLURM_PROTO_23_11 };
    size_t failures = 0;

    for (size_t i = 0; i < flurm_msg_body_count(); i++) {
        const char *file;
        const struct flurm_msg_body *e = flurm_msg_body_at(i, &file);
        for (size_t v = 0; v < 3; v++) {
            void *zero = calloc(1, e->record->size), *obj;
            struct flurm_buf *b = flurm_buf_create(0);
            const struct flurm_record *rec;
            const char *err = NULL;

            if (e->since > versions[v] || (e->until && versions[v] >= e->until))
                goto next;
            if (flurm_record_pack(e->record, zero, b, versions[v]) < 0) {
                fprintf(stderr, "%s: %s (%s) v%04x: zero struct does not pack\n", file,
                        flurm_msg_name(e->type), e->record->name, versions[v]);
                failures++;
                goto next;
            }
            obj = flurm_msg_body_decode(versions[v], (enum flurm_msg_type)e->type,
                                        flurm_buf_data(b), flurm_buf_len(b), &rec, &err);
            if (!obj) {
                fprintf(stderr, "%s: %s v%04x: zero body does not decode (%s)\n", file,
                        flurm_msg_name(e->type), versions[v], err ? err : "?");
                failures++;
                goto next;
            }
            flurm_msg_body_destroy(rec, obj);
            for (size_t cut = 0; cut < flurm_buf_len(b); cut++) {
                obj = flurm_msg_body_decode(versions[v], (enum flurm_msg_type)e->type,
                                            flurm_buf_data(b), cut, &rec, &err);
                if (obj) {
                    fprintf(stderr, "%s: %s v%04x: %zu-byte prefix decodes\n", file,
                            flurm_msg_name(e->type), versions[v], cut);
                    flurm_msg_body_destroy(rec, obj);
                    failures++;
                    break;
                }
            }
        next:
            free(zero);
            flurm_buf_destroy(b);
        }
    }
    ck_assert_msg(failures == 0, "%zu record(s) failed, see stderr", failures);
}
END_TEST

static Suite *msg_suite(void)
{
    Suite *s = suite_create("msg");
    TCase *tc = tcase_create("registry");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, each_version_has_its_number_of_types);
    tcase_add_test(tc, names_and_numbers);
    tcase_add_test(tc, newer_types_exist_only_from_their_version);
    tcase_add_test(tc, registry_has_no_duplicates);
    tcase_add_test(tc, body_lookup_distinguishes_unknown_from_unwritten);
    tcase_add_test(tc, body_decode_must_be_exact);
    tcase_add_test(tc, priority_request_body_is_gone_from_23_02);
    tcase_add_test(tc, every_registered_record_handles_an_empty_body);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(msg_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
