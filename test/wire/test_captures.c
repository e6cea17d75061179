/*
 * test_captures.c - every captured SLURM 22.05 frame against the codec.
 *
 * For each RPC frame listed in test/vectors/slurm-22.05/<command>/messages.tsv:
 *  - the frame, header, auth section and body split exactly, the header
 *    matches the capture's description and re-encodes to the same bytes;
 *  - when the message registry has a body record for the type (any
 *    wire/rec_*.c table), the body decodes with no byte left, re-encodes
 *    byte for byte, and survives a trip through its JSON form.
 * Types without a record are reported, not failed, so coverage grows by
 * itself as records are registered.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test/wire/capture.h"
#include "wire/frame.h"
#include "wire/header.h"
#include "wire/msg.h"

struct capture {
    char rel[256]; /* <command>/<file> */
    unsigned version, flags, msg_type, body_len, header_len;
};

static struct capture *captures;
static size_t ncaptures, nskipped;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Columns of messages.tsv (see its first line). */
enum { C_VERSION = 7, C_FLAGS, C_MSG_TYPE, C_NAME, C_BODY_LEN, C_BODY_ACTUAL, C_HEADER_LEN,
       C_FILE = 19, C_COUNT };

static void load_tsv(const char *dir)
{
    char path[512], line[2048];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s/messages.tsv", FLURM_VECTORS, dir);
    if (!(f = fopen(path, "r")))
        return;
    while (fgets(line, sizeof(line), f)) {
        char *col[C_COUNT] = { 0 }, *p = line;
        int n = 0;
        struct capture *c;

        line[strcspn(line, "\r\n")] = '\0';
        while (n < C_COUNT) {
            col[n++] = p;
            if (!(p = strchr(p, '\t')))
                break;
            *p++ = '\0';
        }
        if (n < C_COUNT || !strcmp(col[0], "seq"))
            continue;
        /* srun's I/O stream frames are not RPCs: no message type. */
        if (!*col[C_MSG_TYPE]) {
            nskipped++;
            continue;
        }
        captures = realloc(captures, (ncaptures + 1) * sizeof(*captures));
        c = &captures[ncaptures++];
        snprintf(c->rel, sizeof(c->rel), "%s/%s", dir, col[C_FILE]);
        c->version = (unsigned)atoi(col[C_VERSION]);
        c->flags = (unsigned)atoi(col[C_FLAGS]);
        c->msg_type = (unsigned)atoi(col[C_MSG_TYPE]);
        c->body_len = (unsigned)atoi(col[C_BODY_LEN]);
        c->header_len = (unsigned)atoi(col[C_HEADER_LEN]);
    }
    fclose(f);
}

static void load_all(void)
{
    DIR *d = opendir(FLURM_VECTORS);
    struct dirent *e;
    char **dirs = NULL;
    size_t ndirs = 0;

    if (!d)
        return;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        dirs = realloc(dirs, (ndirs + 1) * sizeof(*dirs));
        dirs[ndirs++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(dirs, ndirs, sizeof(*dirs), cmp_str);
    for (size_t i = 0; i < ndirs; i++) {
        load_tsv(dirs[i]);
        free(dirs[i]);
    }
    free(dirs);
}

/* One capture split into its parts; the frame is owned by the caller. */
static uint8_t *split(const struct capture *c, struct flurm_msg_parts *p, char *why,
                      size_t whylen)
{
    size_t len, mlen;
    const uint8_t *m;
    uint8_t *f = capture_load(c->rel, &len);

    memset(p, 0, sizeof(*p));
    if (!f) {
        snprintf(why, whylen, "cannot load");
        return NULL;
    }
    if (flurm_frame_check(f, len, 0, &m, &mlen) < 0 || flurm_msg_split(p, m, mlen) < 0) {
        snprintf(why, whylen, "frame/split failed: %s", strerror(errno));
        flurm_msg_parts_free(p);
        free(f);
        return NULL;
    }
    return f;
}

START_TEST(there_are_captures)
{
    /* The 22.05 set has 149 RPC frames, plus srun's 4 I/O-stream frames. */
    ck_assert_uint_ge(ncaptures, 149);
    ck_assert_uint_eq(nskipped, 4);
}
END_TEST

START_TEST(every_header_decodes_and_reencodes_exactly)
{
    size_t failures = 0;

    for (size_t i = 0; i < ncaptures; i++) {
        const struct capture *c = &captures[i];
        struct flurm_msg_parts p;
        struct flurm_buf *out = flurm_buf_create(0);
        char why[256] = "";
        uint8_t *f = split(c, &p, why, sizeof(why));

        if (f) {
            const uint8_t *hdr = f + 4;
            if (p.hdr.version != c->version || p.hdr.flags != c->flags ||
                p.hdr.msg_type != c->msg_type || p.hdr.body_length != c->body_len)
                snprintf(why, sizeof(why), "header fields differ from messages.tsv");
            else if (flurm_header_pack(&p.hdr, out) < 0)
                snprintf(why, sizeof(why), "re-encode failed: %s", strerror(errno));
            else if (flurm_buf_len(out) != c->header_len ||
                     memcmp(flurm_buf_data(out), hdr, c->header_len) != 0)
                snprintf(why, sizeof(why), "re-encoded header differs");
            else if (!flurm_msg_name((uint16_t)c->msg_type))
                snprintf(why, sizeof(why), "type %u unknown to the registry", c->msg_type);
        }
        if (why[0]) {
            fprintf(stderr, "FAIL header %s: %s\n", c->rel, why);
            failures++;
        }
        flurm_msg_parts_free(&p);
        flurm_buf_destroy(out);
        free(f);
    }
    ck_assert_msg(failures == 0, "%zu header(s) failed, see stderr", failures);
}
END_TEST

/* Decode, re-encode and JSON-trip one body; "" or the reason it failed. */
static void body_round_trip(const struct capture *c, const struct flurm_msg_parts *p,
                            char *why, size_t whylen)
{
    const struct flurm_record *rec;
    const char *err = NULL;
    void *obj, *again = NULL;
    struct flurm_buf *out = flurm_buf_create(0), *out2 = flurm_buf_create(0);
    json_t *j = NULL, *j2 = NULL;
    char *text = NULL;

    obj = flurm_msg_body_decode(p->hdr.version, (enum flurm_msg_type)c->msg_type, p->body,
                                p->body_len, &rec, &err);
    if (!obj) {
        snprintf(why, whylen, "decode failed at field '%s': %s", err ? err : "?",
                 strerror(errno));
        goto out;
    }
    if (flurm_msg_body_encode(p->hdr.version, (enum flurm_msg_type)c->msg_type, obj, out) < 0) {
        snprintf(why, whylen, "re-encode failed: %s", strerror(errno));
        goto out;
    }
    if (flurm_buf_len(out) != p->body_len ||
        memcmp(flurm_buf_data(out), p->body, p->body_len) != 0) {
        size_t at = 0;
        while (at < p->body_len && at < flurm_buf_len(out) &&
               flurm_buf_data(out)[at] == p->body[at])
            at++;
        snprintf(why, whylen, "re-encoded body differs at byte %zu (%zu vs %zu bytes)", at,
                 flurm_buf_len(out), p->body_len);
        goto out;
    }
    if (!(j = flurm_record_to_json(rec, obj)) || !(text = json_dumps(j, 0)) ||
        !(j2 = json_loads(text, 0, NULL))) {
        snprintf(why, whylen, "to JSON failed");
        goto out;
    }
    if (!(again = malloc(rec->size)) || flurm_record_from_json(rec, j2, again, &err) < 0) {
        snprintf(why, whylen, "from JSON failed at '%s'", err ? err : "?");
        free(again);
        again = NULL;
        goto out;
    }
    if (flurm_record_pack(rec, again, out2, p->hdr.version) < 0 ||
        flurm_buf_len(out2) != p->body_len ||
        memcmp(flurm_buf_data(out2), p->body, p->body_len) != 0)
        snprintf(why, whylen, "JSON round trip changes the body");
out:
    free(text);
    json_decref(j);
    json_decref(j2);
    flurm_msg_body_destroy(rec, again);
    flurm_msg_body_destroy(rec, obj);
    flurm_buf_destroy(out);
    flurm_buf_destroy(out2);
}

START_TEST(every_registered_body_round_trips)
{
    size_t failures = 0, done = 0;
    /* Coverage: per message type, frames decoded or "no record". */
    static unsigned seen[65536], decoded[65536];

    memset(seen, 0, sizeof(seen));
    memset(decoded, 0, sizeof(decoded));
    for (size_t i = 0; i < ncaptures; i++) {
        const struct capture *c = &captures[i];
        struct flurm_msg_parts p;
        char why[256] = "";
        uint8_t *f = split(c, &p, why, sizeof(why));

        if (!f) {
            /* reported by the header test */
            continue;
        }
        seen[c->msg_type]++;
        if (flurm_msg_body_record(p.hdr.version, (enum flurm_msg_type)c->msg_type)) {
            body_round_trip(c, &p, why, sizeof(why));
            if (why[0]) {
                fprintf(stderr, "FAIL body %s: %s\n", c->rel, why);
                failures++;
            } else {
                decoded[c->msg_type]++;
                done++;
            }
        }
        flurm_msg_parts_free(&p);
        free(f);
    }
    fprintf(stderr, "capture coverage (%zu of %zu frames decoded by a record):\n", done,
            ncaptures);
    for (unsigned t = 0; t < 65536; t++) {
        if (!seen[t])
            continue;
        if (flurm_msg_body_record(FLURM_PROTO_22_05, (enum flurm_msg_type)t))
            fprintf(stderr, "  %5u %-36s %u/%u round-trip\n", t, flurm_msg_name((uint16_t)t),
                    decoded[t], seen[t]);
        else
            fprintf(stderr, "  %5u %-36s no record yet (%u frames)\n", t,
                    flurm_msg_name((uint16_t)t), seen[t]);
    }
    ck_assert_msg(failures == 0, "%zu body round trip(s) failed, see stderr", failures);
}
END_TEST

static Suite *captures_suite(void)
{
    Suite *s = suite_create("captures");
    TCase *tc = tcase_create("captures");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, there_are_captures);
    tcase_add_test(tc, every_header_decodes_and_reencodes_exactly);
    tcase_add_test(tc, every_registered_body_round_trips);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    load_all();
    sr = srunner_create(captures_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(captures);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
