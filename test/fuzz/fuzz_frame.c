/*
 * fuzz_frame.c - libFuzzer target for everything that reads bytes from a
 * SLURM peer: the frame reader, the header and auth split, and the body of
 * every message type that has a record.
 *
 * Beyond "no crash, no over-read, no leak" (the sanitizers' job), it checks
 * three properties of whatever decodes: the decoded body re-encodes and the
 * result decodes again; the JSON form is lossless, i.e. the body rebuilt
 * from its JSON text encodes to exactly the same bytes; and so is the saved
 * form (wire/saved.h).  The same input bytes are also read as a saved form,
 * which must be refused or read, never crash or leak.
 *
 * The input is a byte stream: it is fed to a frame reader in small uneven
 * pieces (as a socket would deliver it), and every complete frame is
 * decoded.  The first two bytes pick the protocol version, when the frame's
 * own version is not accepted, so that the 23.x layouts get exercised too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/frame.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/saved.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAME (1U << 20)

/* The saved form of obj reads back into a body that packs to `packed`. */
static void check_saved(uint16_t version, enum flurm_msg_type type,
                        const struct flurm_record *rec, const void *obj,
                        const struct flurm_buf *packed)
{
    struct flurm_buf *saved = flurm_buf_create(256), *view, *enc;
    void *back = malloc(rec->size);

    if (!saved || !back || flurm_record_save(rec, obj, saved) < 0 ||
        !(view = flurm_buf_view(flurm_buf_data(saved), flurm_buf_len(saved))) ||
        flurm_record_load(rec, back, view, NULL) < 0 || flurm_buf_remaining(view) != 0 ||
        !(enc = flurm_buf_create(flurm_buf_len(packed) + 16)) ||
        flurm_record_pack(rec, back, enc, version) < 0 ||
        flurm_buf_len(enc) != flurm_buf_len(packed) ||
        memcmp(flurm_buf_data(enc), flurm_buf_data(packed), flurm_buf_len(packed)) != 0) {
        fprintf(stderr, "%s: saved form round trip is lossy\n", flurm_msg_name(type));
        abort();
    }
    flurm_msg_body_destroy(rec, back);
    flurm_buf_destroy(enc);
    flurm_buf_destroy(view);
    flurm_buf_destroy(saved);
}

/* Arbitrary bytes read as a saved form of rec: refused or read. */
static void check_saved_input(const struct flurm_record *rec, const uint8_t *data, size_t size)
{
    struct flurm_buf *view = flurm_buf_view(data, size);
    void *obj = malloc(rec->size);

    if (view && obj && flurm_record_load(rec, obj, view, NULL) == 0)
        flurm_record_free(rec, obj);
    free(obj);
    flurm_buf_destroy(view);
}

static void check_body(uint16_t version, enum flurm_msg_type type, const uint8_t *body,
                       size_t len)
{
    const struct flurm_record *rec;
    struct flurm_buf *enc = NULL, *enc2 = NULL;
    void *obj, *again = NULL, *from_json = NULL;
    json_t *j = NULL, *j2 = NULL;
    char *text = NULL;

    obj = flurm_msg_body_decode(version, type, body, len, &rec, NULL);
    if (!obj)
        return;
    enc = flurm_buf_create(len + 16);
    if (flurm_record_pack(rec, obj, enc, version) < 0) {
        fprintf(stderr, "%s: decoded body does not re-encode\n", flurm_msg_name(type));
        abort();
    }
    again = flurm_msg_body_decode(version, type, flurm_buf_data(enc), flurm_buf_len(enc), &rec,
                                  NULL);
    if (!again) {
        fprintf(stderr, "%s: re-encoded body does not decode\n", flurm_msg_name(type));
        abort();
    }
    j = flurm_record_to_json(rec, obj);
    if (!j || !(text = json_dumps(j, JSON_COMPACT)) || !(j2 = json_loads(text, 0, NULL))) {
        fprintf(stderr, "%s: no JSON form\n", flurm_msg_name(type));
        abort();
    }
    from_json = malloc(rec->size);
    enc2 = flurm_buf_create(len + 16);
    if (!from_json || flurm_record_from_json(rec, j2, from_json, NULL) < 0 ||
        flurm_record_pack(rec, from_json, enc2, version) < 0 ||
        flurm_buf_len(enc2) != flurm_buf_len(enc) ||
        memcmp(flurm_buf_data(enc2), flurm_buf_data(enc), flurm_buf_len(enc)) != 0) {
        fprintf(stderr, "%s: JSON round trip is lossy: %s\n", flurm_msg_name(type), text);
        abort();
    }
    flurm_msg_body_destroy(rec, from_json);
    check_saved(version, type, rec, obj, enc);
    free(text);
    json_decref(j);
    json_decref(j2);
    flurm_msg_body_destroy(rec, again);
    flurm_msg_body_destroy(rec, obj);
    flurm_buf_destroy(enc);
    flurm_buf_destroy(enc2);
}

static void check_message(const uint8_t *msg, size_t len)
{
    struct flurm_msg_parts p;
    struct flurm_buf *out;
    enum flurm_msg_type type;

    if (flurm_msg_split(&p, msg, len) < 0) {
        flurm_msg_parts_free(&p);
        return;
    }
    /* A header that decodes must encode again. */
    out = flurm_buf_create(64);
    if (flurm_header_pack(&p.hdr, out) < 0) {
        fprintf(stderr, "header does not re-encode\n");
        abort();
    }
    flurm_buf_destroy(out);
    if (flurm_msg_from_wire(p.hdr.version, p.hdr.msg_type, &type) == 0)
        check_body(p.hdr.version, type, p.body, p.body_len);
    flurm_msg_parts_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct flurm_frame_reader *r = flurm_frame_reader_create(MAX_FRAME);
    size_t off = 0, piece = 1;

    if (!r)
        return 0;
    /* The same bytes as a body of each version and the type named by the
     * first two bytes: reaches body decoders without a valid frame. */
    if (size >= 3) {
        static const uint16_t versions[] = { FLURM_PROTO_22_05, FLURM_PROTO_23_02,
                                             FLURM_PROTO_23_11 };
        enum flurm_msg_type type;
        uint16_t wire = (uint16_t)(data[0] << 8 | data[1]);
        uint16_t v = versions[data[2] % 3];
        if (flurm_msg_from_wire(v, wire, &type) == 0) {
            const struct flurm_record *rec = flurm_msg_body_record(v, type);
            check_body(v, type, data + 3, size - 3);
            if (rec)
                check_saved_input(rec, data + 3, size - 3);
        }
    }
    while (off < size) {
        size_t used, n = piece < size - off ? piece : size - off;
        int st = flurm_frame_reader_feed(r, data + off, n, &used);

        if (st < 0)
            break;
        off += used;
        if (st == FLURM_FRAME_READY) {
            size_t mlen;
            uint8_t *m = flurm_frame_reader_take(r, &mlen);
            if (m)
                check_message(m, mlen);
            free(m);
        }
        /* Uneven pieces: 1, 2, 4 ... bytes, as a socket might deliver. */
        piece = piece < 4096 ? piece * 2 : 1;
    }
    flurm_frame_reader_destroy(r);
    return 0;
}
