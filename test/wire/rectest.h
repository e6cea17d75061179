/*
 * rectest.h - test helper shared by the record tests: load a captured
 * frame's body, and check that a record decodes it completely, re-encodes it
 * byte for byte, survives a JSON round trip and refuses every truncation
 * (header-only; included by test_rec_*.c).
 */
#ifndef FLURM_TEST_RECTEST_H
#define FLURM_TEST_RECTEST_H

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test/wire/capture.h"
#include "wire/pack.h"
#include "wire/record.h"

/* The body of the captured frame rel (malloc'ed, caller frees) and its
 * message type.  A frame is u32 length | header | auth | body, and the
 * header's u32 at offset 6 is the body length, so the body is the tail. */
static inline uint8_t *load_body(const char *rel, uint16_t *type, size_t *len)
{
    size_t n = 0;
    uint8_t *frame = capture_load(rel, &n);
    uint8_t *body;
    uint32_t blen;

    ck_assert_msg(frame != NULL, "cannot load %s", rel);
    ck_assert_uint_ge(n, 18);
    *type = (uint16_t)(frame[8] << 8 | frame[9]);
    blen = (uint32_t)frame[10] << 24 | (uint32_t)frame[11] << 16 | (uint32_t)frame[12] << 8 |
           frame[13];
    ck_assert_uint_le(blen, n - 18);
    body = malloc(blen ? blen : 1);
    ck_assert_ptr_nonnull(body);
    memcpy(body, frame + n - blen, blen);
    free(frame);
    *len = blen;
    return body;
}

/* Pack obj as rec at version into a fresh buffer (caller destroys). */
static inline struct flurm_buf *pack_of(const struct flurm_record *rec, const void *obj,
                                 uint16_t version)
{
    struct flurm_buf *b = flurm_buf_create(256);

    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(flurm_record_pack(rec, obj, b, version), 0);
    return b;
}

static inline void assert_packs_to(const struct flurm_record *rec, const void *obj, uint16_t version,
                            const uint8_t *want, size_t want_len)
{
    struct flurm_buf *b = pack_of(rec, obj, version);

    ck_assert_uint_eq(flurm_buf_len(b), want_len);
    ck_assert_mem_eq(flurm_buf_data(b), want, want_len);
    flurm_buf_destroy(b);
}

/* Unpack exactly len bytes as rec into obj; every byte must be used. */
static inline void unpack_all(const struct flurm_record *rec, void *obj, const uint8_t *data,
                       size_t len, uint16_t version)
{
    struct flurm_buf *b = flurm_buf_view(data, len);
    const char *err = NULL;

    ck_assert_ptr_nonnull(b);
    ck_assert_msg(flurm_record_unpack(rec, obj, b, version, &err) == 0,
                  "%s: unpack failed at field %s", rec->name, err ? err : "?");
    ck_assert_uint_eq(flurm_buf_remaining(b), 0);
    flurm_buf_destroy(b);
}

/* The record in JSON, through a string and back, must pack to the same bytes. */
static inline void assert_json_round_trip(const struct flurm_record *rec, const void *obj,
                                   uint16_t version, const uint8_t *want, size_t want_len)
{
    json_t *j = flurm_record_to_json(rec, obj);
    char *text;
    json_t *back;
    json_error_t jerr;
    void *copy = calloc(1, rec->size);
    const char *err = NULL;

    ck_assert_ptr_nonnull(j);
    ck_assert_ptr_nonnull(copy);
    text = json_dumps(j, JSON_COMPACT);
    ck_assert_ptr_nonnull(text);
    back = json_loads(text, 0, &jerr);
    ck_assert_msg(back != NULL, "%s: JSON does not parse: %s", rec->name, jerr.text);
    ck_assert_msg(flurm_record_from_json(rec, back, copy, &err) == 0, "%s: from_json at %s",
                  rec->name, err ? err : "?");
    assert_packs_to(rec, copy, version, want, want_len);
    flurm_record_free(rec, copy);
    free(copy);
    free(text);
    json_decref(back);
    json_decref(j);
}

/* Every strict prefix of a body must be refused, leaving the struct zeroed. */
static inline void assert_prefixes_refused(const struct flurm_record *rec, const uint8_t *data,
                                    size_t len, uint16_t version)
{
    void *obj = malloc(rec->size);
    void *zero = calloc(1, rec->size);

    ck_assert_ptr_nonnull(obj);
    ck_assert_ptr_nonnull(zero);
    for (size_t n = 0; n < len; n++) {
        struct flurm_buf *b = flurm_buf_view(data, n);
        memset(obj, 0xa5, rec->size);
        errno = 0;
        ck_assert_msg(flurm_record_unpack(rec, obj, b, version, NULL) == -1,
                      "%s: a %zu-byte prefix of %zu decoded", rec->name, n, len);
        ck_assert_int_eq(errno, EBADMSG);
        ck_assert_msg(memcmp(obj, zero, rec->size) == 0, "%s: not zeroed after failure",
                      rec->name);
        flurm_buf_destroy(b);
    }
    free(zero);
    free(obj);
}

/* Decode the body of capture rel (which must be of message type) into obj
 * (rec->size bytes, caller frees with flurm_record_free), and check the
 * round trips and truncations on the way. */
static inline void decode_capture(const struct flurm_record *rec, const char *rel, uint16_t type,
                           void *obj)
{
    uint16_t got_type;
    size_t len;
    uint8_t *body = load_body(rel, &got_type, &len);

    ck_assert_uint_eq(got_type, type);
    unpack_all(rec, obj, body, len, FLURM_PROTO_22_05);
    assert_packs_to(rec, obj, FLURM_PROTO_22_05, body, len);
    assert_json_round_trip(rec, obj, FLURM_PROTO_22_05, body, len);
    assert_prefixes_refused(rec, body, len, FLURM_PROTO_22_05);
    free(body);
}

/* Pack at version, unpack at version, pack again: the bytes must agree and the
 * decode must use them all.  Returns the decoded copy (caller frees). */
static inline void *version_round_trip(const struct flurm_record *rec, const void *obj,
                                uint16_t version, size_t *len_out)
{
    struct flurm_buf *b = pack_of(rec, obj, version);
    void *copy = calloc(1, rec->size);

    ck_assert_ptr_nonnull(copy);
    unpack_all(rec, copy, flurm_buf_data(b), flurm_buf_len(b), version);
    assert_packs_to(rec, copy, version, flurm_buf_data(b), flurm_buf_len(b));
    assert_json_round_trip(rec, copy, version, flurm_buf_data(b), flurm_buf_len(b));
    assert_prefixes_refused(rec, flurm_buf_data(b), flurm_buf_len(b), version);
    if (len_out)
        *len_out = flurm_buf_len(b);
    flurm_buf_destroy(b);
    return copy;
}

static inline void free_copy(const struct flurm_record *rec, void *copy)
{
    flurm_record_free(rec, copy);
    free(copy);
}

#endif
