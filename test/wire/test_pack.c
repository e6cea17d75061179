/*
 * test_pack.c - the primitive encodings of wire/pack.h: exact bytes for each
 * type, and refusal of every short or lying input.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wire/pack.h"

/* Compare a writer's bytes with an expected byte string. */
#define ck_bytes(b, lit) \
    do { \
        ck_assert_uint_eq(flurm_buf_len(b), sizeof(lit) - 1); \
        ck_assert_mem_eq(flurm_buf_data(b), lit, sizeof(lit) - 1); \
    } while (0)

START_TEST(integers_are_big_endian)
{
    struct flurm_buf *b = flurm_buf_create(0);

    ck_assert_int_eq(flurm_pack8(b, 0xab), 0);
    ck_assert_int_eq(flurm_pack16(b, 0x1234), 0);
    ck_assert_int_eq(flurm_pack32(b, 0xdeadbeef), 0);
    ck_assert_int_eq(flurm_pack64(b, 0x0102030405060708ULL), 0);
    ck_assert_int_eq(flurm_packbool(b, true), 0);
    ck_bytes(b, "\xab\x12\x34\xde\xad\xbe\xef\x01\x02\x03\x04\x05\x06\x07\x08\x01");
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(integers_round_trip)
{
    struct flurm_buf *b = flurm_buf_create(0);
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    bool bo;

    flurm_pack8(b, FLURM_NO_VAL8);
    flurm_pack16(b, FLURM_INFINITE16);
    flurm_pack32(b, FLURM_NO_VAL);
    flurm_pack64(b, FLURM_NO_VAL64);
    flurm_pack8(b, 7); /* any non-zero byte reads as true */
    ck_assert_int_eq(flurm_unpack8(b, &u8), 0);
    ck_assert_int_eq(flurm_unpack16(b, &u16), 0);
    ck_assert_int_eq(flurm_unpack32(b, &u32), 0);
    ck_assert_int_eq(flurm_unpack64(b, &u64), 0);
    ck_assert_int_eq(flurm_unpackbool(b, &bo), 0);
    ck_assert_uint_eq(u8, FLURM_NO_VAL8);
    ck_assert_uint_eq(u16, FLURM_INFINITE16);
    ck_assert_uint_eq(u32, FLURM_NO_VAL);
    ck_assert(u64 == FLURM_NO_VAL64);
    ck_assert(bo);
    ck_assert_uint_eq(flurm_buf_remaining(b), 0);
    ck_assert_int_eq(flurm_buf_error(b), 0);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(time_is_signed_64_bit)
{
    struct flurm_buf *b = flurm_buf_create(0);
    time_t t;

    flurm_pack_time(b, (time_t)-2);
    ck_bytes(b, "\xff\xff\xff\xff\xff\xff\xff\xfe");
    ck_assert_int_eq(flurm_unpack_time(b, &t), 0);
    ck_assert_int_eq(t, -2);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(double_is_scaled_by_a_million)
{
    struct flurm_buf *b = flurm_buf_create(0);
    double d;

    /* 1.0 travels as the IEEE bits of 1000000.0 = 0x412E848000000000. */
    flurm_packdouble(b, 1.0);
    ck_bytes(b, "\x41\x2e\x84\x80\x00\x00\x00\x00");
    ck_assert_int_eq(flurm_unpackdouble(b, &d), 0);
    ck_assert(d == 1.0);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(long_double_is_a_percent_Lf_string)
{
    struct flurm_buf *b = flurm_buf_create(0);
    long double v;

    flurm_packlongdouble(b, 2.5L);
    ck_bytes(b, "\x00\x00\x00\x09"
                "2.500000\x00");
    ck_assert_int_eq(flurm_unpacklongdouble(b, &v), 0);
    ck_assert(v == 2.5L);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(long_double_rejects_non_numbers)
{
    const uint8_t junk[] = "\x00\x00\x00\x04"
                           "1.5x";
    const uint8_t null_str[] = "\x00\x00\x00\x00";
    struct flurm_buf *b = flurm_buf_view(junk, sizeof(junk) - 1);
    long double v;

    ck_assert_int_eq(flurm_unpacklongdouble(b, &v), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(b);
    b = flurm_buf_view(null_str, 4);
    ck_assert_int_eq(flurm_unpacklongdouble(b, &v), -1);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(strings_count_their_nul)
{
    struct flurm_buf *b = flurm_buf_create(0);
    char *s1, *s2, *s3;

    flurm_packstr(b, NULL);
    flurm_packstr(b, "");
    flurm_packstr(b, "ab");
    ck_bytes(b, "\0\0\0\0"
                "\0\0\0\x01\0"
                "\0\0\0\x03"
                "ab\0");
    ck_assert_int_eq(flurm_unpackstr(b, &s1), 0);
    ck_assert_int_eq(flurm_unpackstr(b, &s2), 0);
    ck_assert_int_eq(flurm_unpackstr(b, &s3), 0);
    ck_assert_ptr_null(s1);
    ck_assert_str_eq(s2, "");
    ck_assert_str_eq(s3, "ab");
    free(s2);
    free(s3);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(string_without_nul_comes_out_terminated)
{
    const uint8_t wire[] = "\0\0\0\x03xyz";
    struct flurm_buf *b = flurm_buf_view(wire, sizeof(wire) - 1);
    char *s;

    ck_assert_int_eq(flurm_unpackstr(b, &s), 0);
    ck_assert_str_eq(s, "xyz");
    free(s);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(lying_string_length_fails_and_sticks)
{
    /* Claims 16 bytes, has 3. */
    const uint8_t wire[] = "\0\0\0\x10xyz";
    struct flurm_buf *b = flurm_buf_view(wire, sizeof(wire) - 1);
    char *s = (char *)1;
    uint8_t u;

    ck_assert_int_eq(flurm_unpackstr(b, &s), -1);
    ck_assert_int_eq(errno, EBADMSG);
    ck_assert_ptr_null(s);
    ck_assert_int_ne(flurm_buf_error(b), 0);
    /* The error is sticky: later reads fail even with bytes left. */
    ck_assert_int_eq(flurm_unpack8(b, &u), -1);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(huge_lengths_are_refused_before_allocating)
{
    const uint8_t str[] = "\xff\xff\xff\xf0xyz";
    const uint8_t arr[] = "\x10\x00\x00\x00\0\0\0\0\0\0\0\0";
    struct flurm_buf *b = flurm_buf_view(str, sizeof(str) - 1);
    char *s, **sa;
    uint32_t n, *a32;
    uint64_t *a64;

    ck_assert_int_eq(flurm_unpackstr(b, &s), -1);
    flurm_buf_destroy(b);
    b = flurm_buf_view(arr, sizeof(arr) - 1);
    ck_assert_int_eq(flurm_unpackstr_array(b, &sa, &n), -1);
    ck_assert_ptr_null(sa);
    ck_assert_uint_eq(n, 0);
    flurm_buf_destroy(b);
    b = flurm_buf_view(arr, sizeof(arr) - 1);
    ck_assert_int_eq(flurm_unpack32_array(b, &a32, &n), -1);
    flurm_buf_destroy(b);
    /* 3 u64s claimed, 8 bytes present: the count cannot fit. */
    b = flurm_buf_view("\0\0\0\x03\0\0\0\0\0\0\0\0", 12);
    ck_assert_int_eq(flurm_unpack64_array(b, &a64, &n), -1);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(oversized_writes_are_refused)
{
    struct flurm_buf *b = flurm_buf_create(0);
    static const uint32_t one = 1;

    ck_assert_int_eq(flurm_pack32_array(b, &one, FLURM_MAX_PACK_LEN + 1), -1);
    ck_assert_int_eq(errno, EMSGSIZE);
    flurm_buf_destroy(b);
    b = flurm_buf_create(0);
    ck_assert_int_eq(flurm_packmem(b, NULL, 4), -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(short_integers_fail)
{
    struct flurm_buf *b = flurm_buf_view("\x01\x02\x03", 3);
    uint32_t u32;
    uint64_t u64;
    uint16_t u16;

    ck_assert_int_eq(flurm_unpack32(b, &u32), -1);
    ck_assert_uint_eq(u32, 0);
    ck_assert_uint_eq(flurm_buf_offset(b), 0);
    flurm_buf_destroy(b);
    b = flurm_buf_view("\x01\x02\x03", 3);
    ck_assert_int_eq(flurm_unpack64(b, &u64), -1);
    flurm_buf_destroy(b);
    b = flurm_buf_view("\x01", 1);
    ck_assert_int_eq(flurm_unpack16(b, &u16), -1);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(arrays_round_trip)
{
    struct flurm_buf *b = flurm_buf_create(4);
    const uint16_t a16[] = { 1, 0xfffe };
    const uint32_t a32[] = { 7, 8, 9 };
    const uint64_t a64[] = { FLURM_INFINITE64 };
    const double ad[] = { 0.5, -3.0 };
    char *strs[] = { "x", NULL, "" };
    uint16_t *o16;
    uint32_t *o32, n16, n32, n64, nd, ns, n0;
    uint64_t *o64;
    double *od;
    char **os, **o0;

    flurm_pack16_array(b, a16, 2);
    flurm_pack32_array(b, a32, 3);
    flurm_pack64_array(b, a64, 1);
    flurm_packdouble_array(b, ad, 2);
    flurm_packstr_array(b, strs, 3);
    flurm_packstr_array(b, NULL, 0);
    ck_assert_int_eq(flurm_unpack16_array(b, &o16, &n16), 0);
    ck_assert_int_eq(flurm_unpack32_array(b, &o32, &n32), 0);
    ck_assert_int_eq(flurm_unpack64_array(b, &o64, &n64), 0);
    ck_assert_int_eq(flurm_unpackdouble_array(b, &od, &nd), 0);
    ck_assert_int_eq(flurm_unpackstr_array(b, &os, &ns), 0);
    ck_assert_int_eq(flurm_unpackstr_array(b, &o0, &n0), 0);
    ck_assert_uint_eq(n16, 2);
    ck_assert_mem_eq(o16, a16, sizeof(a16));
    ck_assert_uint_eq(n32, 3);
    ck_assert_mem_eq(o32, a32, sizeof(a32));
    ck_assert_uint_eq(n64, 1);
    ck_assert(o64[0] == FLURM_INFINITE64);
    ck_assert_uint_eq(nd, 2);
    ck_assert(od[0] == 0.5 && od[1] == -3.0);
    ck_assert_uint_eq(ns, 3);
    ck_assert_str_eq(os[0], "x");
    ck_assert_ptr_null(os[1]);
    ck_assert_str_eq(os[2], "");
    ck_assert_ptr_null(o0);
    ck_assert_uint_eq(n0, 0);
    ck_assert_uint_eq(flurm_buf_remaining(b), 0);
    free(o16);
    free(o32);
    free(o64);
    free(od);
    flurm_str_array_free(os, ns);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(mem_round_trips_and_empty_is_null)
{
    struct flurm_buf *b = flurm_buf_create(0);
    void *m, *m0;
    uint32_t n, n0;

    flurm_packmem(b, "\x00\x01\x02", 3);
    flurm_packmem(b, NULL, 0);
    ck_bytes(b, "\0\0\0\x03\x00\x01\x02\0\0\0\0");
    ck_assert_int_eq(flurm_unpackmem(b, &m, &n), 0);
    ck_assert_int_eq(flurm_unpackmem(b, &m0, &n0), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(m, "\x00\x01\x02", 3);
    ck_assert_ptr_null(m0);
    ck_assert_uint_eq(n0, 0);
    free(m);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(raw_bytes_are_borrowed)
{
    const uint8_t wire[] = "abcd";
    struct flurm_buf *b = flurm_buf_view(wire, 4);
    const uint8_t *p;

    ck_assert_int_eq(flurm_unpack_raw(b, &p, 3), 0);
    ck_assert_ptr_eq(p, wire);
    ck_assert_int_eq(flurm_unpack_raw(b, &p, 2), -1);
    ck_assert_ptr_null(p);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(pack32_at_patches_a_count)
{
    struct flurm_buf *b = flurm_buf_create(0);
    size_t at = flurm_buf_len(b);

    flurm_pack32(b, 0);
    flurm_pack8(b, 0xaa);
    ck_assert_int_eq(flurm_pack32_at(b, at, 5), 0);
    ck_bytes(b, "\0\0\0\x05\xaa");
    /* Past the end is refused. */
    ck_assert_int_eq(flurm_pack32_at(b, 2, 5), -1);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(seek_and_steal)
{
    struct flurm_buf *b = flurm_buf_create(0);
    uint8_t *p;
    size_t n;

    flurm_pack32(b, 0x01020304);
    ck_assert_int_eq(flurm_buf_seek(b, 2), 0); /* truncate */
    ck_bytes(b, "\x01\x02");
    ck_assert_int_eq(flurm_buf_seek(b, 4), 0); /* extend with zeros */
    ck_bytes(b, "\x01\x02\x00\x00");
    p = flurm_buf_steal(b, &n);
    ck_assert_uint_eq(n, 4);
    ck_assert_mem_eq(p, "\x01\x02\x00\x00", 4);
    ck_assert_uint_eq(flurm_buf_len(b), 0);
    /* The emptied writer still works. */
    ck_assert_int_eq(flurm_pack8(b, 9), 0);
    ck_bytes(b, "\x09");
    free(p);
    flurm_buf_destroy(b);

    b = flurm_buf_view("abc", 3);
    ck_assert_int_eq(flurm_buf_seek(b, 2), 0);
    ck_assert_uint_eq(flurm_buf_remaining(b), 1);
    ck_assert_int_eq(flurm_buf_seek(b, 4), -1);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(views_refuse_writes)
{
    struct flurm_buf *b = flurm_buf_view("abc", 3);

    ck_assert_int_eq(flurm_pack8(b, 1), -1);
    ck_assert_int_ne(flurm_buf_error(b), 0);
    ck_assert_ptr_null(flurm_buf_steal(b, NULL));
    flurm_buf_destroy(b);
    flurm_buf_destroy(NULL);
}
END_TEST

START_TEST(empty_view_reads_zero_bytes)
{
    struct flurm_buf *b = flurm_buf_view(NULL, 0);
    const uint8_t *p = NULL;
    uint8_t u;

    ck_assert_int_eq(flurm_unpack_raw(b, &p, 0), 0);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(flurm_unpack8(b, &u), -1);
    flurm_buf_destroy(b);
    ck_assert_ptr_null(flurm_buf_view(NULL, 1));
}
END_TEST

START_TEST(set_error_marks_the_reader)
{
    struct flurm_buf *b = flurm_buf_view("abc", 3);
    uint8_t u;

    flurm_buf_set_error(b);
    ck_assert_int_eq(errno, EBADMSG);
    ck_assert_int_ne(flurm_buf_error(b), 0);
    ck_assert_int_eq(flurm_unpack8(b, &u), -1);
    flurm_buf_destroy(b);
}
END_TEST

static Suite *pack_suite(void)
{
    Suite *s = suite_create("pack");
    TCase *tc = tcase_create("primitives");

    tcase_add_test(tc, integers_are_big_endian);
    tcase_add_test(tc, integers_round_trip);
    tcase_add_test(tc, time_is_signed_64_bit);
    tcase_add_test(tc, double_is_scaled_by_a_million);
    tcase_add_test(tc, long_double_is_a_percent_Lf_string);
    tcase_add_test(tc, long_double_rejects_non_numbers);
    tcase_add_test(tc, strings_count_their_nul);
    tcase_add_test(tc, string_without_nul_comes_out_terminated);
    tcase_add_test(tc, lying_string_length_fails_and_sticks);
    tcase_add_test(tc, huge_lengths_are_refused_before_allocating);
    tcase_add_test(tc, oversized_writes_are_refused);
    tcase_add_test(tc, short_integers_fail);
    tcase_add_test(tc, arrays_round_trip);
    tcase_add_test(tc, mem_round_trips_and_empty_is_null);
    tcase_add_test(tc, raw_bytes_are_borrowed);
    tcase_add_test(tc, pack32_at_patches_a_count);
    tcase_add_test(tc, seek_and_steal);
    tcase_add_test(tc, views_refuse_writes);
    tcase_add_test(tc, empty_view_reads_zero_bytes);
    tcase_add_test(tc, set_error_marks_the_reader);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pack_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
