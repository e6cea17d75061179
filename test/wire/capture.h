/*
 * capture.h - test helper: load one captured SLURM frame from the hex files
 * in test/vectors/slurm-22.05/ (header-only; tests include it directly).
 */
#ifndef FLURM_TEST_CAPTURE_H
#define FLURM_TEST_CAPTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FLURM_VECTORS
#define FLURM_VECTORS "test/vectors/slurm-22.05"
#endif

/* Read FLURM_VECTORS/<rel> (hex text, whitespace ignored) into a malloc'ed
 * byte array owned by the caller; NULL if missing or malformed. */
static inline uint8_t *capture_load(const char *rel, size_t *len)
{
    char path[512];
    FILE *f;
    uint8_t *out = NULL;
    size_t n = 0, cap = 0;
    int c, hi = -1;

    snprintf(path, sizeof(path), "%s/%s", FLURM_VECTORS, rel);
    if (!(f = fopen(path, "r")))
        return NULL;
    while ((c = fgetc(f)) != EOF) {
        int v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n == cap) {
            uint8_t *p = realloc(out, cap ? cap * 2 : 4096);
            if (!p) {
                free(out);
                fclose(f);
                return NULL;
            }
            out = p;
            cap = cap ? cap * 2 : 4096;
        }
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    fclose(f);
    if (hi >= 0 || n == 0) {
        free(out);
        return NULL;
    }
    *len = n;
    return out;
}

/* The body of the captured frame rel (malloc'ed, caller frees) and its
 * length: a frame is u32 length | header | auth | body, and the header's
 * body length is the frame's u32 at offset 10, so the body is the tail.
 * NULL if the file is missing or not such a frame. */
static inline uint8_t *capture_body(const char *rel, size_t *len)
{
    size_t n = 0;
    uint8_t *frame = capture_load(rel, &n), *body = NULL;
    uint32_t blen;

    if (!frame || n < 18)
        goto done;
    blen = (uint32_t)frame[10] << 24 | (uint32_t)frame[11] << 16 | (uint32_t)frame[12] << 8 |
           frame[13];
    if (blen > n - 18 || !(body = malloc(blen ? blen : 1)))
        goto done;
    memcpy(body, frame + n - blen, blen);
    *len = blen;
done:
    free(frame);
    return body;
}

#endif
