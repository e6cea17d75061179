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

#endif
