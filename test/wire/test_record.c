/*
 * test_record.c - the table-driven record engine (wire/record.h): packing,
 * unpacking, freeing and the JSON form of every field type, version ranges,
 * SLURM's NULL list, counts taken from earlier fields, the irregular shapes
 * (constants, presence markers, gated groups, inline records with a layout
 * per version, custom fields) and refusal of truncated or lying input; and
 * the saved form (wire/saved.h) the job store keeps records in.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wire/record.h"
#include "wire/saved.h"

/* ---- test records ---------------------------------------------------------- */

struct pair {
    uint16_t type;
    uint64_t value;
};

static const struct flurm_field pair_fields[] = {
    FLURM_FLD(struct pair, type, FLURM_F_U16),
    FLURM_FLD(struct pair, value, FLURM_F_U64),
};
static FLURM_RECORD(rec_pair, struct pair, pair_fields);

/* One field of every type. */
struct everything {
    uint8_t u8;
    bool flag;
    uint16_t u16;
    uint32_t u32;
    int32_t i32;
    uint64_t u64;
    time_t when;
    double dbl;
    long double ldbl;
    char *str;
    void *mem;
    uint32_t mem_len;
    char **strs;
    uint32_t nstrs;
    uint16_t *a16;
    uint32_t n16;
    uint32_t *a32;
    uint32_t n32;
    uint64_t *a64;
    uint32_t n64;
    double *ad;
    uint32_t nd;
    struct flurm_bitstr bits;
    struct flurm_addr addr;
    struct pair inner;
    struct pair *list;
    uint32_t nlist;
    uint32_t npairs; /* packed as a field, then used by `pairs` */
    struct pair *pairs;
    uint8_t custom_present; /* custom: u8 presence then u32 when present */
    uint32_t custom_value;
};

static int custom_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                       uint16_t v)
{
    const struct everything *e = obj;

    (void)f;
    (void)v;
    if (flurm_pack8(b, e->custom_present) < 0)
        return -1;
    return e->custom_present ? flurm_pack32(b, e->custom_value) : 0;
}

static int custom_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b, uint16_t v)
{
    struct everything *e = obj;

    (void)f;
    (void)v;
    if (flurm_unpack8(b, &e->custom_present) < 0)
        return -1;
    if (e->custom_present > 1) {
        flurm_buf_set_error(b);
        return -1;
    }
    return e->custom_present ? flurm_unpack32(b, &e->custom_value) : 0;
}

static int custom_to_json(const struct flurm_field *f, const void *obj, json_t *o)
{
    const struct everything *e = obj;

    (void)f;
    if (!e->custom_present)
        return json_object_set_new(o, "custom_value", json_null());
    return json_object_set_new(o, "custom_value", json_integer(e->custom_value));
}

static int custom_from_json(const struct flurm_field *f, void *obj, const json_t *o)
{
    struct everything *e = obj;
    const json_t *v = json_object_get(o, "custom_value");

    (void)f;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return -1;
    e->custom_present = 1;
    e->custom_value = (uint32_t)json_integer_value(v);
    return 0;
}

static const struct flurm_custom custom_opt_u32 = {
    .pack = custom_pack,
    .unpack = custom_unpack,
    .to_json = custom_to_json,
    .from_json = custom_from_json,
};

static const struct flurm_field everything_fields[] = {
    FLURM_FLD(struct everything, u8, FLURM_F_U8),
    FLURM_FLD(struct everything, flag, FLURM_F_BOOL),
    FLURM_FLD(struct everything, u16, FLURM_F_U16),
    FLURM_FLD(struct everything, u32, FLURM_F_U32),
    FLURM_FLD(struct everything, i32, FLURM_F_I32),
    FLURM_FLD(struct everything, u64, FLURM_F_U64),
    FLURM_FLD(struct everything, when, FLURM_F_TIME),
    FLURM_FLD(struct everything, dbl, FLURM_F_DOUBLE),
    FLURM_FLD(struct everything, ldbl, FLURM_F_LONGDOUBLE),
    FLURM_FLD(struct everything, str, FLURM_F_STR),
    FLURM_FLD_N(struct everything, mem, FLURM_F_MEM, mem_len),
    FLURM_FLD_N(struct everything, strs, FLURM_F_STR_ARRAY, nstrs),
    FLURM_FLD_N(struct everything, a16, FLURM_F_U16_ARRAY, n16),
    FLURM_FLD_N(struct everything, a32, FLURM_F_U32_ARRAY, n32),
    FLURM_FLD_N(struct everything, a64, FLURM_F_U64_ARRAY, n64),
    FLURM_FLD_N(struct everything, ad, FLURM_F_DOUBLE_ARRAY, nd),
    FLURM_FLD(struct everything, bits, FLURM_F_BITSTR),
    FLURM_FLD(struct everything, addr, FLURM_F_ADDR),
    FLURM_FLD_SUB(struct everything, inner, FLURM_F_RECORD, rec_pair),
    FLURM_FLD_SUBN(struct everything, list, FLURM_F_LIST, rec_pair, nlist),
    FLURM_FLD(struct everything, npairs, FLURM_F_U32),
    FLURM_FLD_SUBN(struct everything, pairs, FLURM_F_ARRAY, rec_pair, npairs),
    FLURM_FLD_CUSTOM("custom_value", custom_opt_u32),
};
static FLURM_RECORD(rec_everything, struct everything, everything_fields);

/* Fill e with values that exercise edge cases of every type. */
static void fill_everything(struct everything *e)
{
    static const uint16_t a16[] = { 0, FLURM_NO_VAL16 };
    static const uint32_t a32[] = { 1, 2, FLURM_INFINITE };
    static const uint64_t a64[] = { FLURM_NO_VAL64, FLURM_INFINITE64, 42 };
    static const double ad[] = { 0.25, -1e6 };

    memset(e, 0, sizeof(*e));
    e->u8 = 0xfe;
    e->flag = true;
    e->u16 = 0xfffe;
    e->u32 = FLURM_NO_VAL;
    e->i32 = -1;
    e->u64 = FLURM_NO_VAL64;
    e->when = 1700000000;
    e->dbl = 1.5;
    e->ldbl = 12.25L;
    e->str = strdup("caf\xc3\xa9");
    e->mem = malloc(3);
    memcpy(e->mem, "\x00\xff\x10", 3);
    e->mem_len = 3;
    e->nstrs = 3;
    e->strs = calloc(3, sizeof(char *));
    e->strs[0] = strdup("a");
    e->strs[2] = strdup("");
    e->n16 = 2;
    e->a16 = malloc(sizeof(a16));
    memcpy(e->a16, a16, sizeof(a16));
    e->n32 = 3;
    e->a32 = malloc(sizeof(a32));
    memcpy(e->a32, a32, sizeof(a32));
    e->n64 = 3;
    e->a64 = malloc(sizeof(a64));
    memcpy(e->a64, a64, sizeof(a64));
    e->nd = 2;
    e->ad = malloc(sizeof(ad));
    memcpy(e->ad, ad, sizeof(ad));
    e->bits.nbits = 10;
    e->bits.hex = strdup("0x205");
    e->addr.family = 2;
    e->addr.addr4 = 0x0100007f;
    e->addr.port = 0xc499;
    e->inner.type = 3;
    e->inner.value = FLURM_INFINITE64;
    e->nlist = 2;
    e->list = calloc(2, sizeof(struct pair));
    e->list[0].type = 1;
    e->list[0].value = 100;
    e->list[1].type = 2;
    e->list[1].value = 200;
    e->npairs = 1;
    e->pairs = calloc(1, sizeof(struct pair));
    e->pairs[0].type = 9;
    e->pairs[0].value = 9000;
    e->custom_present = 1;
    e->custom_value = 77;
}

/* Pack e into a new writer (caller destroys). */
static struct flurm_buf *packed(const struct flurm_record *r, const void *obj, uint16_t v)
{
    struct flurm_buf *b = flurm_buf_create(0);

    ck_assert_int_eq(flurm_record_pack(r, obj, b, v), 0);
    return b;
}

static void ck_same_bytes(struct flurm_buf *a, struct flurm_buf *b)
{
    ck_assert_uint_eq(flurm_buf_len(a), flurm_buf_len(b));
    ck_assert_mem_eq(flurm_buf_data(a), flurm_buf_data(b), flurm_buf_len(a));
}

/* ---- wire ------------------------------------------------------------------ */

START_TEST(every_type_round_trips_on_the_wire)
{
    struct everything e, d;
    struct flurm_buf *b1, *rd, *b2;
    const char *err = "x";

    fill_everything(&e);
    b1 = packed(&rec_everything, &e, FLURM_PROTO_22_05);
    rd = flurm_buf_view(flurm_buf_data(b1), flurm_buf_len(b1));
    ck_assert_int_eq(flurm_record_unpack(&rec_everything, &d, rd, FLURM_PROTO_22_05, &err), 0);
    ck_assert_ptr_null(err);
    ck_assert_uint_eq(flurm_buf_remaining(rd), 0);
    ck_assert_uint_eq(d.u8, 0xfe);
    ck_assert(d.flag);
    ck_assert_int_eq(d.i32, -1);
    ck_assert(d.u64 == FLURM_NO_VAL64);
    ck_assert(d.dbl == 1.5);
    ck_assert(d.ldbl == 12.25L);
    ck_assert_str_eq(d.str, "caf\xc3\xa9");
    ck_assert_uint_eq(d.mem_len, 3);
    ck_assert_ptr_null(d.strs[1]);
    ck_assert_str_eq(d.bits.hex, "0x205");
    ck_assert_uint_eq(d.addr.addr4, 0x0100007f);
    ck_assert_uint_eq(d.nlist, 2);
    ck_assert(d.list[1].value == 200);
    ck_assert_uint_eq(d.npairs, 1);
    ck_assert(d.pairs[0].value == 9000);
    ck_assert_uint_eq(d.custom_value, 77);
    b2 = packed(&rec_everything, &d, FLURM_PROTO_22_05);
    ck_same_bytes(b1, b2);
    flurm_record_free(&rec_everything, &e);
    flurm_record_free(&rec_everything, &d);
    ck_assert_ptr_null(d.str); /* free leaves the struct zeroed */
    flurm_buf_destroy(b1);
    flurm_buf_destroy(b2);
    flurm_buf_destroy(rd);
}
END_TEST

START_TEST(every_truncation_fails_cleanly)
{
    struct everything e, d;
    struct flurm_buf *b = NULL;
    const char *err;

    fill_everything(&e);
    b = packed(&rec_everything, &e, FLURM_PROTO_22_05);
    for (size_t len = 0; len < flurm_buf_len(b); len++) {
        struct flurm_buf *rd = flurm_buf_view(flurm_buf_data(b), len);
        err = NULL;
        ck_assert_int_eq(flurm_record_unpack(&rec_everything, &d, rd, FLURM_PROTO_22_05, &err),
                         -1);
        ck_assert_int_eq(errno, EBADMSG);
        ck_assert_ptr_nonnull(err);
        ck_assert_ptr_null(d.str); /* zeroed again, nothing leaked (ASan) */
        ck_assert_ptr_null(d.list);
        flurm_buf_destroy(rd);
    }
    flurm_record_free(&rec_everything, &e);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(error_names_the_failing_field)
{
    /* A pair whose u64 is cut short. */
    struct flurm_buf *b = flurm_buf_view("\x00\x01\x00\x00", 4);
    struct pair p;
    const char *err = NULL;

    ck_assert_int_eq(flurm_record_unpack(&rec_pair, &p, b, FLURM_PROTO_22_05, &err), -1);
    ck_assert_str_eq(err, "value");
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(null_list_is_no_val_and_empty_list_is_zero)
{
    struct everything e;
    struct flurm_buf *b;
    struct flurm_buf *rd;
    struct everything d;
    size_t list_at;

    memset(&e, 0, sizeof(e));
    b = packed(&rec_everything, &e, FLURM_PROTO_22_05);
    /* u8 bool u16 u32 i32 u64 time dbl ldbl str mem strs a16 a32 a64 ad
     * bits addr inner = where the list starts. */
    list_at = 1 + 1 + 2 + 4 + 4 + 8 + 8 + 8 + (4 + 9) + 4 + 4 + 4 + 4 + 4 + 4 + 4 + 4 + 2 +
              10;
    ck_assert_mem_eq(flurm_buf_data(b) + list_at, "\xff\xff\xff\xfe", 4);
    rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
    ck_assert_int_eq(flurm_record_unpack(&rec_everything, &d, rd, FLURM_PROTO_22_05, NULL), 0);
    ck_assert_ptr_null(d.list);
    flurm_buf_destroy(rd);
    flurm_buf_destroy(b);

    /* Empty but present: count 0, and it stays non-NULL when decoded. */
    e.list = calloc(1, sizeof(struct pair));
    b = packed(&rec_everything, &e, FLURM_PROTO_22_05);
    ck_assert_mem_eq(flurm_buf_data(b) + list_at, "\0\0\0\0", 4);
    rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
    ck_assert_int_eq(flurm_record_unpack(&rec_everything, &d, rd, FLURM_PROTO_22_05, NULL), 0);
    ck_assert_ptr_nonnull(d.list);
    ck_assert_uint_eq(d.nlist, 0);
    flurm_record_free(&rec_everything, &d);
    flurm_record_free(&rec_everything, &e);
    flurm_buf_destroy(rd);
    flurm_buf_destroy(b);
}
END_TEST

/* A list header claiming 0xfffffff0 pairs with 10 bytes behind it. */
START_TEST(lying_list_count_is_refused_without_allocating)
{
    static const struct flurm_field fields[] = {
        FLURM_FLD_SUBN(struct everything, list, FLURM_F_LIST, rec_pair, nlist),
    };
    static FLURM_RECORD(rec_list_only, struct everything, fields);
    struct flurm_buf *b = flurm_buf_view("\xff\xff\xff\xf0\x00\x01\0\0\0\0\0\0\0\x02", 14);
    struct everything d;

    ck_assert_int_eq(flurm_record_unpack(&rec_list_only, &d, b, FLURM_PROTO_22_05, NULL), -1);
    flurm_buf_destroy(b);
    /* A count above NO_VAL is invalid too. */
    b = flurm_buf_view("\xff\xff\xff\xff", 4);
    ck_assert_int_eq(flurm_record_unpack(&rec_list_only, &d, b, FLURM_PROTO_22_05, NULL), -1);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(array_takes_its_count_from_an_earlier_field)
{
    struct record_count {
        uint32_t n;
        struct pair *items;
    } rc, d;
    static const struct flurm_field fields[] = {
        FLURM_FLD(struct record_count, n, FLURM_F_U32),
        FLURM_FLD_SUBN(struct record_count, items, FLURM_F_ARRAY, rec_pair, n),
    };
    static FLURM_RECORD(rec_rc, struct record_count, fields);
    struct pair two[2] = { { 1, 10 }, { 2, 20 } };
    struct flurm_buf *b, *rd;

    rc.n = 2;
    rc.items = two;
    b = packed(&rec_rc, &rc, FLURM_PROTO_22_05);
    /* u32 count + 2 x (u16 + u64): no second count on the wire. */
    ck_assert_uint_eq(flurm_buf_len(b), 4 + 2 * 10);
    rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
    ck_assert_int_eq(flurm_record_unpack(&rec_rc, &d, rd, FLURM_PROTO_22_05, NULL), 0);
    ck_assert_uint_eq(d.n, 2);
    ck_assert(d.items[1].value == 20);
    flurm_record_free(&rec_rc, &d);
    flurm_buf_destroy(rd);
    flurm_buf_destroy(b);

    /* A NULL array with a non-zero count cannot be packed. */
    rc.items = NULL;
    b = flurm_buf_create(0);
    ck_assert_int_eq(flurm_record_pack(&rec_rc, &rc, b, FLURM_PROTO_22_05), -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_buf_destroy(b);
}
END_TEST

/* Three arrays sized by one count field (as in sdiag's rpc_type_*). */
struct shared {
    uint32_t size;
    uint16_t *ids;
    uint32_t *cnts;
};
static const struct flurm_field shared_fields[] = {
    FLURM_FLD(struct shared, size, FLURM_F_U32),
    FLURM_FLD_N(struct shared, ids, FLURM_F_U16_ARRAY, size),
    FLURM_FLD_N(struct shared, cnts, FLURM_F_U32_ARRAY, size),
};
static FLURM_RECORD(rec_shared, struct shared, shared_fields);

START_TEST(arrays_sharing_a_count_must_agree)
{
    /* size 1, ids [5], cnts [6]: fine. */
    const uint8_t ok[] = "\0\0\0\x01"
                         "\0\0\0\x01\0\x05"
                         "\0\0\0\x01\0\0\0\x06";
    /* size 1, but ids has 2 elements. */
    const uint8_t bad[] = "\0\0\0\x01"
                          "\0\0\0\x02\0\x05\0\x07"
                          "\0\0\0\x01\0\0\0\x06";
    struct flurm_buf *b = flurm_buf_view(ok, sizeof(ok) - 1);
    struct shared d;
    const char *err = NULL;
    json_t *j;

    ck_assert_int_eq(flurm_record_unpack(&rec_shared, &d, b, FLURM_PROTO_22_05, NULL), 0);
    ck_assert_uint_eq(d.cnts[0], 6);
    flurm_record_free(&rec_shared, &d);
    flurm_buf_destroy(b);
    b = flurm_buf_view(bad, sizeof(bad) - 1);
    ck_assert_int_eq(flurm_record_unpack(&rec_shared, &d, b, FLURM_PROTO_22_05, &err), -1);
    ck_assert_str_eq(err, "ids");
    flurm_buf_destroy(b);

    j = json_pack("{s:i, s:[i,i], s:[i]}", "size", 1, "ids", 1, 2, "cnts", 3);
    ck_assert_int_eq(flurm_record_from_json(&rec_shared, j, &d, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_str_eq(err, "ids");
    json_decref(j);
}
END_TEST

START_TEST(fields_follow_their_version_range)
{
    struct versioned {
        uint32_t always;
        uint16_t old_only;
        char *new_only;
    } v = { 1, 2, "n" }, d;
    static const struct flurm_field fields[] = {
        FLURM_FLD(struct versioned, always, FLURM_F_U32),
        FLURM_FLD_V(struct versioned, old_only, FLURM_F_U16, 0, FLURM_PROTO_23_02),
        FLURM_FLD_V(struct versioned, new_only, FLURM_F_STR, FLURM_PROTO_23_02, 0),
    };
    static FLURM_RECORD(rec_v, struct versioned, fields);
    struct flurm_buf *b22 = packed(&rec_v, &v, FLURM_PROTO_22_05);
    struct flurm_buf *b23 = packed(&rec_v, &v, FLURM_PROTO_23_02);
    struct flurm_buf *b2311 = packed(&rec_v, &v, FLURM_PROTO_23_11);
    struct flurm_buf *rd;

    ck_assert_uint_eq(flurm_buf_len(b22), 4 + 2);
    ck_assert_uint_eq(flurm_buf_len(b23), 4 + 4 + 2);
    ck_assert_uint_eq(flurm_buf_len(b2311), 4 + 4 + 2);
    rd = flurm_buf_view(flurm_buf_data(b23), flurm_buf_len(b23));
    ck_assert_int_eq(flurm_record_unpack(&rec_v, &d, rd, FLURM_PROTO_23_02, NULL), 0);
    ck_assert_uint_eq(d.old_only, 0);
    ck_assert_str_eq(d.new_only, "n");
    flurm_record_free(&rec_v, &d);
    flurm_buf_destroy(rd);
    flurm_buf_destroy(b22);
    flurm_buf_destroy(b23);
    flurm_buf_destroy(b2311);
}
END_TEST

START_TEST(bitmaps_stay_in_wire_form)
{
    struct flurm_bitstr bs = { 0, NULL }, d;
    struct flurm_buf *b = flurm_buf_create(0);
    struct flurm_buf *rd;

    /* NULL bitmap: u32 NO_VAL only. */
    ck_assert_int_eq(flurm_bitstr_pack(b, &bs), 0);
    ck_assert_mem_eq(flurm_buf_data(b), "\xff\xff\xff\xfe", 4);
    /* 6 bits, bits 0 and 5 set: "0x21". */
    ck_assert_int_eq(flurm_bitstr_init(&bs, 6), 0);
    ck_assert_str_eq(bs.hex, "0x00");
    ck_assert_int_eq(flurm_bitstr_set(&bs, 0), 0);
    ck_assert_int_eq(flurm_bitstr_set(&bs, 5), 0);
    ck_assert_int_eq(flurm_bitstr_set(&bs, 6), -1);
    ck_assert_str_eq(bs.hex, "0x21");
    ck_assert_int_eq(flurm_bitstr_test(&bs, 5), 1);
    ck_assert_int_eq(flurm_bitstr_test(&bs, 4), 0);
    ck_assert_int_eq(flurm_bitstr_pack(b, &bs), 0);
    ck_assert_mem_eq(flurm_buf_data(b) + 4, "\0\0\0\x06\0\0\0\x05"
                                            "0x21\0",
                     13);
    rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
    ck_assert_int_eq(flurm_bitstr_unpack(rd, &d), 0);
    ck_assert_ptr_null(d.hex);
    ck_assert_int_eq(flurm_bitstr_unpack(rd, &d), 0);
    ck_assert_uint_eq(d.nbits, 6);
    ck_assert_str_eq(d.hex, "0x21");
    flurm_bitstr_free(&d);
    flurm_bitstr_free(&bs);
    flurm_buf_destroy(rd);
    flurm_buf_destroy(b);
    /* nbits 0 prints as "0x0". */
    ck_assert_int_eq(flurm_bitstr_init(&bs, 0), 0);
    ck_assert_str_eq(bs.hex, "0x0");
    flurm_bitstr_free(&bs);
}
END_TEST

START_TEST(bitmap_with_junk_or_null_string_is_refused)
{
    struct flurm_bitstr d;
    struct flurm_buf *b = flurm_buf_view("\0\0\0\x04\0\0\0\x03zz\0", 11);

    ck_assert_int_eq(flurm_bitstr_unpack(b, &d), -1);
    ck_assert_ptr_null(d.hex);
    flurm_buf_destroy(b);
    b = flurm_buf_view("\0\0\0\x04\0\0\0\0", 8);
    ck_assert_int_eq(flurm_bitstr_unpack(b, &d), -1);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(addresses_pack_by_family)
{
    struct flurm_addr unspec = { 0 }, v4 = { 0 }, v6 = { 0 }, d;
    struct flurm_buf *b = flurm_buf_create(0), *rd;

    v4.family = 2;
    v4.addr4 = 0x0100007f; /* 127.0.0.1 as an x86 peer sends it */
    v4.port = 0xc499;
    v6.family = 10;
    v6.addr6[15] = 1;
    v6.port = 80;
    flurm_addr_pack(b, &unspec);
    flurm_addr_pack(b, &v4);
    flurm_addr_pack(b, &v6);
    ck_assert_uint_eq(flurm_buf_len(b), 2 + 8 + (2 + 4 + 16 + 2));
    ck_assert_mem_eq(flurm_buf_data(b), "\0\0\0\x02\x01\0\0\x7f\xc4\x99\0\x0a\0\0\0\x10", 16);
    rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
    ck_assert_int_eq(flurm_addr_unpack(rd, &d), 0);
    ck_assert_uint_eq(d.family, 0);
    ck_assert_int_eq(flurm_addr_unpack(rd, &d), 0);
    ck_assert_uint_eq(d.addr4, 0x0100007f);
    ck_assert_uint_eq(d.port, 0xc499);
    ck_assert_int_eq(flurm_addr_unpack(rd, &d), 0);
    ck_assert_uint_eq(d.addr6[15], 1);
    ck_assert_uint_eq(d.port, 80);
    flurm_buf_destroy(rd);
    flurm_buf_destroy(b);
    /* An IPv6 address must be exactly 16 bytes. */
    rd = flurm_buf_view("\0\x0a\0\0\0\x04\0\0\0\0\0\0", 12);
    ck_assert_int_eq(flurm_addr_unpack(rd, &d), -1);
    flurm_buf_destroy(rd);
}
END_TEST

START_TEST(custom_field_sees_the_whole_record)
{
    struct everything e;
    struct flurm_buf *b;

    fill_everything(&e);
    e.custom_present = 0;
    b = packed(&rec_everything, &e, FLURM_PROTO_22_05);
    /* The record ends with the custom's single presence byte. */
    ck_assert_uint_eq(flurm_buf_data(b)[flurm_buf_len(b) - 1], 0);
    flurm_record_free(&rec_everything, &e);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(bad_arguments_are_einval)
{
    struct flurm_buf *b = flurm_buf_create(0);
    struct pair p = { 0, 0 };

    ck_assert_int_eq(flurm_record_pack(NULL, &p, b, FLURM_PROTO_22_05), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(flurm_record_unpack(&rec_pair, NULL, b, FLURM_PROTO_22_05, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_record_free(&rec_pair, NULL);
    flurm_record_free(NULL, &p);
    flurm_buf_destroy(b);
}
END_TEST

/* ---- JSON ------------------------------------------------------------------ */

/* obj -> JSON text -> obj must pack to the same bytes. */
static void ck_json_round_trip(const struct flurm_record *r, void *obj, void *out)
{
    json_t *j = flurm_record_to_json(r, obj), *j2;
    char *text;
    const char *err = NULL;
    struct flurm_buf *b1, *b2;

    ck_assert_ptr_nonnull(j);
    text = json_dumps(j, JSON_COMPACT);
    ck_assert_ptr_nonnull(text);
    j2 = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(j2);
    ck_assert_int_eq(flurm_record_from_json(r, j2, out, &err), 0);
    b1 = packed(r, obj, FLURM_PROTO_22_05);
    b2 = packed(r, out, FLURM_PROTO_22_05);
    ck_same_bytes(b1, b2);
    flurm_buf_destroy(b1);
    flurm_buf_destroy(b2);
    free(text);
    json_decref(j);
    json_decref(j2);
}

START_TEST(json_round_trips_every_type)
{
    struct everything e, d;

    fill_everything(&e);
    ck_json_round_trip(&rec_everything, &e, &d);
    ck_assert(d.u64 == FLURM_NO_VAL64);
    ck_assert(d.a64[1] == FLURM_INFINITE64);
    ck_assert_int_eq(d.i32, -1);
    ck_assert(d.ldbl == 12.25L);
    ck_assert_str_eq(d.str, "caf\xc3\xa9");
    ck_assert_mem_eq(d.mem, "\x00\xff\x10", 3);
    ck_assert_uint_eq(d.custom_value, 77);
    flurm_record_free(&rec_everything, &d);
    flurm_record_free(&rec_everything, &e);
}
END_TEST

START_TEST(json_keeps_u64_sentinels_as_strings)
{
    struct pair p = { 1, FLURM_INFINITE64 }, small = { 1, 5 };
    json_t *j = flurm_record_to_json(&rec_pair, &p);
    json_t *js = flurm_record_to_json(&rec_pair, &small);

    ck_assert_str_eq(json_string_value(json_object_get(j, "value")), "18446744073709551615");
    ck_assert_int_eq(json_integer_value(json_object_get(js, "value")), 5);
    json_decref(j);
    json_decref(js);
}
END_TEST

START_TEST(json_keeps_awkward_values)
{
    struct everything e, d;
    uint64_t nan_bits = 0x7ff8000000000123ULL;

    fill_everything(&e);
    free(e.str);
    e.str = strdup("\xff\xfe latin1"); /* not UTF-8 */
    memcpy(&e.dbl, &nan_bits, sizeof(double));
    e.ad[0] = -INFINITY;
    e.ldbl = 0.1L; /* not exactly a double */
    e.when = -5;
    free(e.list);
    e.list = NULL;
    e.nlist = 0;
    ck_json_round_trip(&rec_everything, &e, &d);
    ck_assert_str_eq(d.str, "\xff\xfe latin1");
    ck_assert(memcmp(&d.dbl, &nan_bits, sizeof(double)) == 0);
    ck_assert(isinf(d.ad[0]) && d.ad[0] < 0);
    ck_assert(d.ldbl == 0.1L);
    ck_assert_int_eq(d.when, -5);
    ck_assert_ptr_null(d.list);
    flurm_record_free(&rec_everything, &d);
    flurm_record_free(&rec_everything, &e);
}
END_TEST

START_TEST(json_empty_list_stays_distinct_from_null)
{
    struct everything e, d;
    json_t *j;

    memset(&e, 0, sizeof(e));
    e.list = calloc(1, sizeof(struct pair));
    j = flurm_record_to_json(&rec_everything, &e);
    ck_assert(json_is_array(json_object_get(j, "list")));
    ck_assert_int_eq(flurm_record_from_json(&rec_everything, j, &d, NULL), 0);
    ck_assert_ptr_nonnull(d.list);
    flurm_record_free(&rec_everything, &d);
    flurm_record_free(&rec_everything, &e);
    json_decref(j);
}
END_TEST

START_TEST(json_wrong_types_name_the_field)
{
    struct everything d;
    const char *err = NULL;
    json_t *j = json_pack("{s:s}", "u16", "seven");

    ck_assert_int_eq(flurm_record_from_json(&rec_everything, j, &d, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_str_eq(err, "u16");
    json_decref(j);
    /* Out of range for the type. */
    j = json_pack("{s:i}", "u8", 256);
    ck_assert_int_eq(flurm_record_from_json(&rec_everything, j, &d, &err), -1);
    ck_assert_str_eq(err, "u8");
    json_decref(j);
    /* A failure deep in a list frees what was built (ASan checks). */
    j = json_pack("{s:s, s:[{s:i}, {s:s}]}", "str", "kept?", "list", "type", 1, "type", "x");
    ck_assert_int_eq(flurm_record_from_json(&rec_everything, j, &d, &err), -1);
    ck_assert_str_eq(err, "type");
    ck_assert_ptr_null(d.str);
    json_decref(j);
}
END_TEST

START_TEST(json_missing_keys_leave_zero)
{
    struct pair d;
    json_t *j = json_object();

    ck_assert_int_eq(flurm_record_from_json(&rec_pair, j, &d, NULL), 0);
    ck_assert_uint_eq(d.type, 0);
    ck_assert(d.value == 0);
    json_decref(j);
}
END_TEST

/* ---- the irregular shapes ----------------------------------------------------
 *
 * One record with a field of every shape type: constants, presence markers of
 * each kind, gated groups with and without the count rule, and an inline
 * record that SLURM lays out differently from 23.02. */

/* A record that a NO_VAL head can stand in for: its first field is a u32. */
struct headed {
    uint32_t count;
    char *name;
};

static const struct flurm_field headed_fields[] = {
    FLURM_FLD(struct headed, count, FLURM_F_U32),
    FLURM_FLD(struct headed, name, FLURM_F_STR),
};
static FLURM_RECORD(rec_headed, struct headed, headed_fields);

/* A group whose two arrays have gate elements each. */
struct group {
    uint16_t *a16;
    uint32_t n16;
    uint32_t *a32;
    uint32_t n32;
};

static const struct flurm_field group_fields[] = {
    FLURM_FLD_N(struct group, a16, FLURM_F_U16_ARRAY, n16),
    FLURM_FLD_N(struct group, a32, FLURM_F_U32_ARRAY, n32),
};
static FLURM_RECORD(rec_group, struct group, group_fields);

/* Reordered by 23.02, which also adds `note`. */
struct moved {
    uint32_t first;
    uint32_t second;
    char *note;
};

static const struct flurm_field moved_22_fields[] = {
    FLURM_FLD(struct moved, first, FLURM_F_U32),
    FLURM_FLD(struct moved, second, FLURM_F_U32),
    FLURM_FLD_V(struct moved, note, FLURM_F_STR, FLURM_PROTO_23_02, 0),
};
static FLURM_RECORD(rec_moved_22, struct moved, moved_22_fields);

static const struct flurm_field moved_23_fields[] = {
    FLURM_FLD(struct moved, note, FLURM_F_STR),
    FLURM_FLD(struct moved, second, FLURM_F_U32),
    FLURM_FLD(struct moved, first, FLURM_F_U32),
};
static FLURM_RECORD(rec_moved_23, struct moved, moved_23_fields);

static const struct flurm_layout moved_layouts[] = {
    { 0, &rec_moved_22 },
    { FLURM_PROTO_23_02, &rec_moved_23 },
    { 0, NULL },
};

struct shapes {
    struct pair *opt8;     /* marker u8 0xff */
    struct pair *opt16;    /* marker u16 1 */
    struct headed *headed; /* u32 NO_VAL when absent */
    uint16_t ngroup;
    struct group group; /* ngroup items per array */
    uint8_t has_plain;
    struct pair plain; /* on the wire while has_plain != 0, no count rule */
    struct moved moved;
};

#define SH struct shapes
static const struct flurm_field shapes_fields[] = {
    FLURM_FLD_CONST8("no_cluster", 0),
    FLURM_FLD_OPTIONAL(SH, opt8, FLURM_F_OPTIONAL8, rec_pair, 0xff),
    FLURM_FLD_OPTIONAL(SH, opt16, FLURM_F_OPTIONAL16, rec_pair, 1),
    FLURM_FLD_OPTIONAL(SH, headed, FLURM_F_OPTIONAL_NOVAL, rec_headed, 0),
    FLURM_FLD_CONST16("no_gres", 0),
    FLURM_FLD(SH, ngroup, FLURM_F_U16),
    FLURM_FLD_GATED(SH, group, FLURM_F_GATED_COUNTS, rec_group, ngroup),
    FLURM_FLD(SH, has_plain, FLURM_F_U8),
    FLURM_FLD_GATED(SH, plain, FLURM_F_GATED, rec_pair, has_plain),
    { .name = "moved", .type = FLURM_F_INLINE, .off = offsetof(SH, moved), .sub = &rec_moved_22,
      .layouts = moved_layouts },
    FLURM_FLD_CONST32("magic", 0x438a34d4),
};
static FLURM_RECORD(rec_shapes, struct shapes, shapes_fields);

/* Every optional present, both groups on the wire. */
static void fill_shapes(struct shapes *s)
{
    memset(s, 0, sizeof(*s));
    s->opt8 = calloc(1, sizeof(struct pair));
    s->opt8->type = 8;
    s->opt16 = calloc(1, sizeof(struct pair));
    s->opt16->value = 16;
    s->headed = calloc(1, sizeof(struct headed));
    s->headed->count = 3;
    s->headed->name = strdup("h");
    s->ngroup = 2;
    s->group.n16 = s->group.n32 = 2;
    s->group.a16 = calloc(2, sizeof(uint16_t));
    s->group.a32 = calloc(2, sizeof(uint32_t));
    s->group.a16[1] = 0x1616;
    s->group.a32[1] = 0x32323232;
    s->has_plain = 1;
    s->plain.type = 7;
    s->moved.first = 1;
    s->moved.second = 2;
    s->moved.note = strdup("n");
}

/* Decode b as rec_shapes at v, expecting every byte used. */
static void ck_unpacks(struct flurm_buf *b, uint16_t v, struct shapes *out)
{
    struct flurm_buf *rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
    const char *err = NULL;

    ck_assert_msg(flurm_record_unpack(&rec_shapes, out, rd, v, &err) == 0, "failed at %s",
                  err ? err : "?");
    ck_assert_uint_eq(flurm_buf_remaining(rd), 0);
    flurm_buf_destroy(rd);
}

/* Unpacking bytes (len of them) as rec_shapes at 22.05 fails as a bad message
 * naming field `name`. */
static void ck_refused(const void *bytes, size_t len, const char *name)
{
    struct flurm_buf *rd = flurm_buf_view(bytes, len);
    struct shapes d;
    const char *err = NULL;

    ck_assert_int_eq(flurm_record_unpack(&rec_shapes, &d, rd, FLURM_PROTO_22_05, &err), -1);
    ck_assert_int_eq(errno, EBADMSG);
    ck_assert_str_eq(err, name);
    ck_assert_ptr_null(d.opt8); /* zeroed again, nothing leaked (ASan) */
    flurm_buf_destroy(rd);
}

/* All absent / zero, at 22.05: the bytes of each field in wire order. */
static const uint8_t empty_shapes[] = {
    0x00,                   /* no_cluster */
    0x00,                   /* opt8 absent */
    0x00, 0x00,             /* opt16 absent */
    0xff, 0xff, 0xff, 0xfe, /* headed absent: NO_VAL */
    0x00, 0x00,             /* no_gres */
    0x00, 0x00,             /* ngroup 0: no group follows */
    0x00,                   /* has_plain 0: no pair follows */
    0, 0, 0, 0, 0, 0, 0, 0, /* moved, 22.05 layout: first, second */
    0x43, 0x8a, 0x34, 0xd4, /* magic */
};

START_TEST(absent_shapes_are_their_markers_only)
{
    struct shapes s, d;
    struct flurm_buf *b;

    memset(&s, 0, sizeof(s));
    b = packed(&rec_shapes, &s, FLURM_PROTO_22_05);
    ck_assert_uint_eq(flurm_buf_len(b), sizeof(empty_shapes));
    ck_assert_mem_eq(flurm_buf_data(b), empty_shapes, sizeof(empty_shapes));
    ck_unpacks(b, FLURM_PROTO_22_05, &d);
    ck_assert_ptr_null(d.opt8);
    ck_assert_ptr_null(d.opt16);
    ck_assert_ptr_null(d.headed);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(present_shapes_follow_their_markers)
{
    struct shapes s, d;
    struct flurm_buf *b, *again;
    const uint8_t *p;

    fill_shapes(&s);
    b = packed(&rec_shapes, &s, FLURM_PROTO_22_05);
    p = flurm_buf_data(b);
    ck_assert_mem_eq(p, "\x00\xff\x00\x08", 4); /* constant, marker, pair.type */
    p += 1 + 1 + 10;
    ck_assert_mem_eq(p, "\x00\x01\x00\x00", 4); /* u16 marker, opt16 pair */
    p += 2 + 10;
    ck_assert_mem_eq(p, "\x00\x00\x00\x03", 4); /* headed.count is the marker */
    p += 4 + 4 + 2;
    ck_assert_mem_eq(p, "\x00\x00\x00\x02", 4); /* no_gres, then ngroup 2 */
    ck_unpacks(b, FLURM_PROTO_22_05, &d);
    ck_assert_uint_eq(d.opt8->type, 8);
    ck_assert(d.opt16->value == 16);
    ck_assert_uint_eq(d.headed->count, 3);
    ck_assert_str_eq(d.headed->name, "h");
    ck_assert_uint_eq(d.group.n32, 2);
    ck_assert_uint_eq(d.group.a32[1], 0x32323232);
    ck_assert_uint_eq(d.plain.type, 7);
    ck_assert_uint_eq(d.moved.second, 2);
    again = packed(&rec_shapes, &d, FLURM_PROTO_22_05);
    ck_same_bytes(b, again);
    flurm_record_free(&rec_shapes, &d);
    ck_assert_ptr_null(d.headed);
    flurm_record_free(&rec_shapes, &s);
    flurm_buf_destroy(b);
    flurm_buf_destroy(again);
}
END_TEST

START_TEST(wrong_constant_is_refused)
{
    uint8_t bytes[sizeof(empty_shapes)];

    memcpy(bytes, empty_shapes, sizeof(bytes));
    bytes[0] = 1; /* a federation record would follow */
    ck_refused(bytes, sizeof(bytes), "no_cluster");
    memcpy(bytes, empty_shapes, sizeof(bytes));
    bytes[9] = 1; /* GRES records would follow */
    ck_refused(bytes, sizeof(bytes), "no_gres");
    memcpy(bytes, empty_shapes, sizeof(bytes));
    bytes[sizeof(bytes) - 1] ^= 1;
    ck_refused(bytes, sizeof(bytes), "magic");
}
END_TEST

START_TEST(unknown_presence_marker_is_refused)
{
    uint8_t bytes[sizeof(empty_shapes)];

    memcpy(bytes, empty_shapes, sizeof(bytes));
    bytes[1] = 1; /* this marker says present with 0xff only */
    ck_refused(bytes, sizeof(bytes), "opt8");
    memcpy(bytes, empty_shapes, sizeof(bytes));
    bytes[2] = 1; /* u16 0x0100 */
    ck_refused(bytes, sizeof(bytes), "opt16");
}
END_TEST

/* A head of NO_VAL would read back as "no record". */
START_TEST(noval_head_cannot_be_sent)
{
    struct shapes s;
    struct flurm_buf *b = flurm_buf_create(0);

    memset(&s, 0, sizeof(s));
    s.headed = calloc(1, sizeof(struct headed));
    s.headed->count = FLURM_NO_VAL;
    ck_assert_int_eq(flurm_record_pack(&rec_shapes, &s, b, FLURM_PROTO_22_05), -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_record_free(&rec_shapes, &s);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(gated_group_needs_arrays_of_gate_length)
{
    struct shapes s, d;
    struct flurm_buf *b;
    uint8_t *bytes;
    size_t gate_at = 1 + (1 + 10) + (2 + 10) + (4 + 4 + 2) + 2;

    fill_shapes(&s);
    /* One array longer than the gate says: refused, not cut. */
    s.ngroup = 1;
    b = flurm_buf_create(0);
    ck_assert_int_eq(flurm_record_pack(&rec_shapes, &s, b, FLURM_PROTO_22_05), -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_buf_destroy(b);
    /* Gate 0 with arrays left: refused too, they would vanish. */
    s.ngroup = 0;
    b = flurm_buf_create(0);
    ck_assert_int_eq(flurm_record_pack(&rec_shapes, &s, b, FLURM_PROTO_22_05), -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_buf_destroy(b);
    /* On the wire: a gate that disagrees with the arrays' own counts. */
    s.ngroup = 2;
    b = packed(&rec_shapes, &s, FLURM_PROTO_22_05);
    bytes = malloc(flurm_buf_len(b));
    memcpy(bytes, flurm_buf_data(b), flurm_buf_len(b));
    ck_assert_mem_eq(bytes + gate_at, "\x00\x02\x00\x00\x00\x02", 6);
    bytes[gate_at + 1] = 3; /* the arrays still say 2 */
    ck_refused(bytes, flurm_buf_len(b), "group");
    /* The plain gated pair has no such rule and goes with its gate. */
    s.has_plain = 0;
    flurm_buf_destroy(b);
    b = packed(&rec_shapes, &s, FLURM_PROTO_22_05);
    ck_unpacks(b, FLURM_PROTO_22_05, &d);
    ck_assert_uint_eq(d.plain.type, 0);
    flurm_record_free(&rec_shapes, &d);
    flurm_record_free(&rec_shapes, &s);
    flurm_buf_destroy(b);
    free(bytes);
}
END_TEST

START_TEST(inline_record_takes_the_layout_of_the_version)
{
    struct shapes s, d;
    struct flurm_buf *b22, *b23;
    size_t moved_at_22, moved_at_23;

    memset(&s, 0, sizeof(s));
    s.moved.first = 1;
    s.moved.second = 2;
    s.moved.note = strdup("n");
    b22 = packed(&rec_shapes, &s, FLURM_PROTO_22_05);
    b23 = packed(&rec_shapes, &s, FLURM_PROTO_23_02);
    moved_at_22 = flurm_buf_len(b22) - 4 - 8;
    moved_at_23 = flurm_buf_len(b23) - 4 - (4 + 2) - 8;
    ck_assert_mem_eq(flurm_buf_data(b22) + moved_at_22, "\0\0\0\1\0\0\0\2", 8);
    ck_assert_mem_eq(flurm_buf_data(b23) + moved_at_23, "\0\0\0\2n\0\0\0\0\2\0\0\0\1", 14);
    ck_unpacks(b23, FLURM_PROTO_23_02, &d);
    ck_assert_uint_eq(d.moved.first, 1);
    ck_assert_str_eq(d.moved.note, "n");
    flurm_record_free(&rec_shapes, &d);
    ck_unpacks(b22, FLURM_PROTO_22_05, &d);
    ck_assert_ptr_null(d.moved.note);
    flurm_record_free(&rec_shapes, &d);
    flurm_record_free(&rec_shapes, &s);
    flurm_buf_destroy(b22);
    flurm_buf_destroy(b23);
}
END_TEST

START_TEST(every_truncation_of_the_shapes_fails_cleanly)
{
    static const uint16_t versions[] = { FLURM_PROTO_22_05, FLURM_PROTO_23_02 };
    struct shapes s, d;

    fill_shapes(&s);
    for (size_t i = 0; i < 2; i++) {
        struct flurm_buf *b = packed(&rec_shapes, &s, versions[i]);
        for (size_t len = 0; len < flurm_buf_len(b); len++) {
            struct flurm_buf *rd = flurm_buf_view(flurm_buf_data(b), len);
            const char *err = NULL;
            ck_assert_int_eq(flurm_record_unpack(&rec_shapes, &d, rd, versions[i], &err), -1);
            ck_assert_int_eq(errno, EBADMSG);
            ck_assert_ptr_nonnull(err);
            ck_assert_ptr_null(d.headed); /* freed and zeroed (ASan checks leaks) */
            ck_assert_ptr_null(d.group.a16);
            ck_assert_ptr_null(d.moved.note);
            flurm_buf_destroy(rd);
        }
        flurm_buf_destroy(b);
    }
    flurm_record_free(&rec_shapes, &s);
}
END_TEST

/* Two fields served by one set of callbacks, told apart by the field. */
struct two_u16 {
    uint32_t low;
    uint32_t high;
};

static int as_u16_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                       uint16_t v)
{
    (void)v;
    return flurm_pack16(b, (uint16_t) * (const uint32_t *)((const char *)obj + f->off));
}

static int as_u16_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b,
                         uint16_t v)
{
    uint16_t u;

    (void)v;
    if (flurm_unpack16(b, &u) < 0)
        return -1;
    *(uint32_t *)((char *)obj + f->off) = u;
    return 0;
}

static int as_u16_to_json(const struct flurm_field *f, const void *obj, json_t *o)
{
    return json_object_set_new(o, f->name,
                               json_integer(*(const uint32_t *)((const char *)obj + f->off)));
}

static const struct flurm_custom as_u16 = { as_u16_pack, as_u16_unpack, NULL, as_u16_to_json,
                                            NULL };

START_TEST(custom_callbacks_are_told_their_field)
{
    static const struct flurm_field fields[] = {
        FLURM_FLD_CUSTOM_AT(struct two_u16, low, as_u16),
        FLURM_FLD_CUSTOM_V(struct two_u16, high, as_u16, FLURM_PROTO_23_02, 0),
    };
    static FLURM_RECORD(rec_two, struct two_u16, fields);
    struct two_u16 t = { 1, 2 }, d;
    struct flurm_buf *b = packed(&rec_two, &t, FLURM_PROTO_23_02);
    struct flurm_buf *rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
    json_t *j = flurm_record_to_json(&rec_two, &t);

    ck_assert_uint_eq(flurm_buf_len(b), 4);
    ck_assert_mem_eq(flurm_buf_data(b), "\0\1\0\2", 4);
    ck_assert_int_eq(flurm_record_unpack(&rec_two, &d, rd, FLURM_PROTO_23_02, NULL), 0);
    ck_assert_uint_eq(d.low, 1);
    ck_assert_uint_eq(d.high, 2);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "high")), 2);
    json_decref(j);
    flurm_buf_destroy(rd);
    flurm_buf_destroy(b);
}
END_TEST

/* An inline record with its own wire form: a pair sent as its value only. */
static int value_only_pack(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                           uint16_t v)
{
    (void)v;
    return flurm_pack64(b, ((const struct pair *)((const char *)obj + f->off))->value);
}

static int value_only_unpack(const struct flurm_field *f, void *obj, struct flurm_buf *b,
                             uint16_t v)
{
    (void)v;
    return flurm_unpack64(b, &((struct pair *)((char *)obj + f->off))->value);
}

static const struct flurm_custom value_only = { value_only_pack, value_only_unpack, NULL, NULL,
                                                NULL };

START_TEST(inline_record_may_have_its_own_wire_form)
{
    struct wrapped {
        uint8_t before;
        struct pair p;
    } w = { 9, { 3, 42 } }, d;
    static const struct flurm_field fields[] = {
        FLURM_FLD(struct wrapped, before, FLURM_F_U8),
        { .name = "p", .type = FLURM_F_INLINE, .off = offsetof(struct wrapped, p),
          .sub = &rec_pair, .custom = &value_only },
    };
    static FLURM_RECORD(rec_wrapped, struct wrapped, fields);
    struct flurm_buf *b = packed(&rec_wrapped, &w, FLURM_PROTO_22_05);
    struct flurm_buf *rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));

    ck_assert_uint_eq(flurm_buf_len(b), 1 + 8);
    ck_assert_int_eq(flurm_record_unpack(&rec_wrapped, &d, rd, FLURM_PROTO_22_05, NULL), 0);
    ck_assert(d.p.value == 42);
    ck_assert_uint_eq(d.p.type, 0); /* not on this wire form */
    /* JSON is the sub-record's, merged. */
    ck_json_round_trip(&rec_wrapped, &w, &d);
    ck_assert_uint_eq(d.p.type, 3);
    flurm_buf_destroy(rd);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(json_of_the_shapes)
{
    struct shapes s, d;
    json_t *j;

    fill_shapes(&s);
    j = flurm_record_to_json(&rec_shapes, &s);
    /* Constants are wire detail; an inline record's keys are the parent's. */
    ck_assert_ptr_null(json_object_get(j, "no_cluster"));
    ck_assert_ptr_null(json_object_get(j, "magic"));
    ck_assert_ptr_null(json_object_get(j, "moved"));
    ck_assert_str_eq(json_string_value(json_object_get(j, "note")), "n");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "second")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "headed"), "count")),
                     3);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(j, "group"), "a32")), 2);
    json_decref(j);
    ck_json_round_trip(&rec_shapes, &s, &d);
    ck_assert_str_eq(d.headed->name, "h");
    ck_assert_uint_eq(d.group.a16[1], 0x1616);
    ck_assert_str_eq(d.moved.note, "n");
    flurm_record_free(&rec_shapes, &d);
    flurm_record_free(&rec_shapes, &s);

    /* Absent: optionals are null, a closed gate leaves its group out. */
    memset(&s, 0, sizeof(s));
    j = flurm_record_to_json(&rec_shapes, &s);
    ck_assert(json_is_null(json_object_get(j, "opt8")));
    ck_assert(json_is_null(json_object_get(j, "headed")));
    ck_assert_ptr_null(json_object_get(j, "group"));
    ck_assert_ptr_null(json_object_get(j, "plain"));
    ck_json_round_trip(&rec_shapes, &s, &d);
    ck_assert_ptr_null(d.opt8);
    json_decref(j);
}
END_TEST

START_TEST(json_gated_group_must_match_its_gate)
{
    struct shapes d;
    const char *err = NULL;
    json_t *j = json_pack("{s:i, s:{s:[i,i], s:[i,i]}}", "ngroup", 1, "group", "a16", 1, 2,
                          "a32", 3, 4);

    ck_assert_int_eq(flurm_record_from_json(&rec_shapes, j, &d, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_str_eq(err, "group");
    ck_assert_ptr_null(d.group.a16); /* freed (ASan checks) */
    json_decref(j);
    /* A marker-less optional in JSON is an object or null. */
    j = json_pack("{s:i}", "opt8", 1);
    ck_assert_int_eq(flurm_record_from_json(&rec_shapes, j, &d, &err), -1);
    ck_assert_str_eq(err, "opt8");
    json_decref(j);
}
END_TEST

/* ---- saved form ------------------------------------------------------------- */

/* The saved form of obj (caller destroys). */
static struct flurm_buf *saved(const struct flurm_record *r, const void *obj)
{
    struct flurm_buf *b = flurm_buf_create(0);

    ck_assert_int_eq(flurm_record_save(r, obj, b), 0);
    return b;
}

/* Load the saved bytes of b as r into out, expecting success and every byte
 * used. */
static void ck_loads(const struct flurm_record *r, struct flurm_buf *b, void *out)
{
    struct flurm_buf *rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
    const char *err = NULL;

    ck_assert_msg(flurm_record_load(r, out, rd, &err) == 0, "failed at %s", err ? err : "?");
    ck_assert_ptr_null(err);
    ck_assert_uint_eq(flurm_buf_remaining(rd), 0);
    flurm_buf_destroy(rd);
}

/* Loading len bytes as r fails as a bad message naming a field, leaving out
 * zeroed. */
static void ck_load_refused(const struct flurm_record *r, const void *bytes, size_t len,
                            void *out)
{
    struct flurm_buf *rd = flurm_buf_view(bytes, len);
    const char *err = NULL;
    char zero[512] = {0};

    ck_assert_int_eq(flurm_record_load(r, out, rd, &err), -1);
    ck_assert_int_eq(errno, EBADMSG);
    ck_assert_ptr_nonnull(err);
    ck_assert(flurm_buf_error(rd));
    ck_assert_uint_le(r->size, sizeof(zero));
    ck_assert_mem_eq(out, zero, r->size); /* zeroed again, nothing leaked (ASan) */
    flurm_buf_destroy(rd);
}

START_TEST(saved_form_round_trips_every_type)
{
    struct everything e, d;
    struct flurm_buf *b, *w1, *w2;

    fill_everything(&e);
    e.dbl = 0.1; /* not a multiple of 1e-6: the wire's scaling would change it */
    e.ldbl = 1.0L / 3;
    b = saved(&rec_everything, &e);
    ck_loads(&rec_everything, b, &d);
    ck_assert(d.dbl == 0.1);
    ck_assert(d.ldbl == 1.0L / 3);
    ck_assert(d.u64 == FLURM_NO_VAL64);
    ck_assert(d.a64[1] == FLURM_INFINITE64);
    ck_assert_int_eq(d.i32, -1);
    ck_assert_int_eq(d.when, 1700000000);
    ck_assert_str_eq(d.str, "caf\xc3\xa9");
    ck_assert_uint_eq(d.mem_len, 3);
    ck_assert_mem_eq(d.mem, "\x00\xff\x10", 3);
    ck_assert_ptr_null(d.strs[1]);
    ck_assert_str_eq(d.strs[2], "");
    ck_assert_str_eq(d.bits.hex, "0x205");
    ck_assert_uint_eq(d.addr.port, 0xc499);
    ck_assert(d.inner.value == FLURM_INFINITE64);
    ck_assert(d.list[1].value == 200);
    ck_assert(d.pairs[0].value == 9000);
    ck_assert_uint_eq(d.custom_present, 1);
    ck_assert_uint_eq(d.custom_value, 77);
    /* Nothing else differs either: both pack to the same wire bytes. */
    w1 = packed(&rec_everything, &e, FLURM_PROTO_22_05);
    w2 = packed(&rec_everything, &d, FLURM_PROTO_22_05);
    ck_same_bytes(w1, w2);
    flurm_record_free(&rec_everything, &e);
    flurm_record_free(&rec_everything, &d);
    flurm_buf_destroy(b);
    flurm_buf_destroy(w1);
    flurm_buf_destroy(w2);
}
END_TEST

START_TEST(saved_form_keeps_null_apart_from_empty)
{
    struct everything e, d;
    struct flurm_buf *b;

    memset(&e, 0, sizeof(e));
    e.str = strdup("");
    e.a32 = calloc(1, sizeof(uint32_t)); /* present, no elements */
    e.list = calloc(1, sizeof(struct pair));
    b = saved(&rec_everything, &e);
    ck_loads(&rec_everything, b, &d);
    ck_assert_str_eq(d.str, "");
    ck_assert_ptr_nonnull(d.a32);
    ck_assert_uint_eq(d.n32, 0);
    ck_assert_ptr_nonnull(d.list);
    ck_assert_ptr_null(d.strs);
    ck_assert_ptr_null(d.mem);
    ck_assert_ptr_null(d.bits.hex);
    ck_assert_ptr_null(d.pairs);
    flurm_record_free(&rec_everything, &e);
    flurm_record_free(&rec_everything, &d);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(saved_form_round_trips_the_shapes)
{
    struct shapes s, d;
    struct flurm_buf *b, *w1, *w2;
    uint16_t versions[] = {FLURM_PROTO_22_05, FLURM_PROTO_23_02};

    fill_shapes(&s);
    b = saved(&rec_shapes, &s);
    ck_loads(&rec_shapes, b, &d);
    for (size_t i = 0; i < 2; i++) {
        w1 = packed(&rec_shapes, &s, versions[i]);
        w2 = packed(&rec_shapes, &d, versions[i]);
        ck_same_bytes(w1, w2);
        flurm_buf_destroy(w1);
        flurm_buf_destroy(w2);
    }
    ck_assert_str_eq(d.moved.note, "n"); /* all versions' fields, not one's */
    ck_assert_str_eq(d.headed->name, "h");
    flurm_record_free(&rec_shapes, &s);
    flurm_record_free(&rec_shapes, &d);
    flurm_buf_destroy(b);
}
END_TEST

START_TEST(every_truncation_of_the_saved_form_fails_cleanly)
{
    struct everything e, d;
    struct shapes s, ds;
    struct flurm_buf *b = NULL, *bs;

    fill_everything(&e);
    fill_shapes(&s);
    b = saved(&rec_everything, &e);
    bs = saved(&rec_shapes, &s);
    for (size_t len = 0; len < flurm_buf_len(b); len++)
        ck_load_refused(&rec_everything, flurm_buf_data(b), len, &d);
    for (size_t len = 0; len < flurm_buf_len(bs); len++)
        ck_load_refused(&rec_shapes, flurm_buf_data(bs), len, &ds);
    flurm_record_free(&rec_everything, &e);
    flurm_record_free(&rec_shapes, &s);
    flurm_buf_destroy(b);
    flurm_buf_destroy(bs);
}
END_TEST

START_TEST(any_corrupted_byte_is_read_or_refused)
{
    struct everything e, d;
    struct flurm_buf *b;
    uint8_t *copy;
    size_t n;
    static const uint8_t junk[] = {0x00, 0xff, 0x7f, 0x80, 0x01};

    fill_everything(&e);
    b = saved(&rec_everything, &e);
    n = flurm_buf_len(b);
    copy = malloc(n);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof(junk); k++) {
            struct flurm_buf *rd;
            const char *err = NULL;
            memcpy(copy, flurm_buf_data(b), n);
            copy[i] = junk[k];
            rd = flurm_buf_view(copy, n);
            /* Either outcome is fine; a crash, an overread or a leak (ASan)
             * is not. */
            if (flurm_record_load(&rec_everything, &d, rd, &err) == 0)
                flurm_record_free(&rec_everything, &d);
            else
                ck_assert_int_eq(errno, EBADMSG);
            flurm_buf_destroy(rd);
        }
    }
    free(copy);
    flurm_record_free(&rec_everything, &e);
    flurm_buf_destroy(b);
}
END_TEST

/* One struct, described by tables of successive FLURM releases. */
struct evolving {
    uint32_t id;
    char *added;
    uint64_t size;
};

START_TEST(saved_form_outlives_table_changes)
{
    static const struct flurm_field v1_fields[] = {
        FLURM_FLD(struct evolving, id, FLURM_F_U32),
        FLURM_FLD(struct evolving, size, FLURM_F_U64),
    };
    static const struct flurm_field v2_fields[] = {
        FLURM_FLD(struct evolving, id, FLURM_F_U32),
        FLURM_FLD(struct evolving, added, FLURM_F_STR),
        FLURM_FLD(struct evolving, size, FLURM_F_U64),
    };
    static const struct flurm_field v3_fields[] = {
        FLURM_FLD(struct evolving, size, FLURM_F_U64),
        FLURM_FLD(struct evolving, id, FLURM_F_U32),
    };
    static FLURM_RECORD(rec_v1, struct evolving, v1_fields);
    static FLURM_RECORD(rec_v2, struct evolving, v2_fields);
    static FLURM_RECORD(rec_v3, struct evolving, v3_fields);
    struct evolving old = {7, NULL, 4096}, now = {8, "new", 8192}, d;
    struct flurm_buf *b1 = saved(&rec_v1, &old), *b2 = saved(&rec_v2, &now);

    /* A field added since reads as zero, like a missing JSON key. */
    ck_loads(&rec_v2, b1, &d);
    ck_assert_uint_eq(d.id, 7);
    ck_assert_ptr_null(d.added);
    ck_assert_uint_eq(d.size, 4096);
    /* A field the table no longer has is skipped. */
    ck_loads(&rec_v1, b2, &d);
    ck_assert_uint_eq(d.id, 8);
    ck_assert_ptr_null(d.added);
    ck_assert_uint_eq(d.size, 8192);
    /* Fields are found by name whatever their order. */
    ck_loads(&rec_v3, b2, &d);
    ck_assert_uint_eq(d.id, 8);
    ck_assert_uint_eq(d.size, 8192);
    flurm_buf_destroy(b1);
    flurm_buf_destroy(b2);
}
END_TEST

START_TEST(saved_field_of_another_type_or_twice_is_refused)
{
    static const struct flurm_field retyped_fields[] = {
        FLURM_FLD(struct evolving, id, FLURM_F_U64),
        FLURM_FLD(struct evolving, added, FLURM_F_STR),
        FLURM_FLD(struct evolving, size, FLURM_F_U64),
    };
    /* Saves `added` twice: read with rec_once, the second would leak the
     * first. */
    static const struct flurm_field twice_fields[] = {
        FLURM_FLD(struct evolving, added, FLURM_F_STR),
        FLURM_FLD(struct evolving, added, FLURM_F_STR),
    };
    static const struct flurm_field once_fields[] = {
        FLURM_FLD(struct evolving, added, FLURM_F_STR),
    };
    static FLURM_RECORD(rec_retyped, struct evolving, retyped_fields);
    static FLURM_RECORD(rec_twice, struct evolving, twice_fields);
    static FLURM_RECORD(rec_once, struct evolving, once_fields);
    struct evolving e = {1, "x", 2}, d;
    struct everything other;
    struct flurm_buf *b = saved(&rec_retyped, &e), *rd;
    const char *err = NULL;

    rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
    ck_assert_int_eq(flurm_record_load(&rec_everything, &other, rd, &err), -1);
    ck_assert_int_eq(errno, EBADMSG); /* another record's saved form */
    flurm_buf_destroy(rd);
    flurm_buf_destroy(b);
    b = saved(&rec_retyped, &e);
    /* Same record name, id saved as U64: a table saying U32 refuses it. */
    {
        static const struct flurm_field v_fields[] = {
            FLURM_FLD(struct evolving, id, FLURM_F_U32),
        };
        static FLURM_RECORD(rec_v, struct evolving, v_fields);
        rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
        ck_assert_int_eq(flurm_record_load(&rec_v, &d, rd, &err), -1);
        ck_assert_int_eq(errno, EBADMSG);
        ck_assert_str_eq(err, "id");
        flurm_buf_destroy(rd);
    }
    flurm_buf_destroy(b);
    b = saved(&rec_twice, &e);
    rd = flurm_buf_view(flurm_buf_data(b), flurm_buf_len(b));
    ck_assert_int_eq(flurm_record_load(&rec_once, &d, rd, &err), -1);
    ck_assert_str_eq(err, "added");
    ck_assert_ptr_null(d.added);
    flurm_buf_destroy(rd);
    flurm_buf_destroy(b);
}
END_TEST

static Suite *record_suite(void)
{
    Suite *s = suite_create("record");
    TCase *w = tcase_create("wire");
    TCase *j = tcase_create("json");
    TCase *sh = tcase_create("shapes");
    TCase *sv = tcase_create("saved");

    tcase_add_test(w, every_type_round_trips_on_the_wire);
    tcase_add_test(w, every_truncation_fails_cleanly);
    tcase_add_test(w, error_names_the_failing_field);
    tcase_add_test(w, null_list_is_no_val_and_empty_list_is_zero);
    tcase_add_test(w, lying_list_count_is_refused_without_allocating);
    tcase_add_test(w, array_takes_its_count_from_an_earlier_field);
    tcase_add_test(w, arrays_sharing_a_count_must_agree);
    tcase_add_test(w, fields_follow_their_version_range);
    tcase_add_test(w, bitmaps_stay_in_wire_form);
    tcase_add_test(w, bitmap_with_junk_or_null_string_is_refused);
    tcase_add_test(w, addresses_pack_by_family);
    tcase_add_test(w, custom_field_sees_the_whole_record);
    tcase_add_test(w, bad_arguments_are_einval);
    tcase_add_test(j, json_round_trips_every_type);
    tcase_add_test(j, json_keeps_u64_sentinels_as_strings);
    tcase_add_test(j, json_keeps_awkward_values);
    tcase_add_test(j, json_empty_list_stays_distinct_from_null);
    tcase_add_test(j, json_wrong_types_name_the_field);
    tcase_add_test(j, json_missing_keys_leave_zero);
    tcase_add_test(sh, absent_shapes_are_their_markers_only);
    tcase_add_test(sh, present_shapes_follow_their_markers);
    tcase_add_test(sh, wrong_constant_is_refused);
    tcase_add_test(sh, unknown_presence_marker_is_refused);
    tcase_add_test(sh, noval_head_cannot_be_sent);
    tcase_add_test(sh, gated_group_needs_arrays_of_gate_length);
    tcase_add_test(sh, inline_record_takes_the_layout_of_the_version);
    tcase_add_test(sh, inline_record_may_have_its_own_wire_form);
    tcase_add_test(sh, every_truncation_of_the_shapes_fails_cleanly);
    tcase_add_test(sh, custom_callbacks_are_told_their_field);
    tcase_add_test(sh, json_of_the_shapes);
    tcase_add_test(sh, json_gated_group_must_match_its_gate);
    suite_add_tcase(s, w);
    suite_add_tcase(s, j);
    tcase_add_test(sv, saved_form_round_trips_every_type);
    tcase_add_test(sv, saved_form_keeps_null_apart_from_empty);
    tcase_add_test(sv, saved_form_round_trips_the_shapes);
    tcase_add_test(sv, every_truncation_of_the_saved_form_fails_cleanly);
    tcase_add_test(sv, any_corrupted_byte_is_read_or_refused);
    tcase_add_test(sv, saved_form_outlives_table_changes);
    tcase_add_test(sv, saved_field_of_another_type_or_twice_is_refused);
    suite_add_tcase(s, sh);
    suite_add_tcase(s, sv);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(record_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
