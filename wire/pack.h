/*
 * pack.h - SLURM's primitive wire encodings over a bounds-checked buffer.
 *
 * Every read checks the bytes that remain; a failed read sets the buffer's
 * sticky error and returns -1 with errno = EBADMSG, so a decoder can run a
 * whole record and test flurm_buf_error() once.  No read ever looks past the
 * end, and no length taken from the wire is trusted for an allocation before
 * it has been checked against the bytes that are really there.
 *
 * Encodings are those of docs ../shared/docs/slurm-wire-22.05.md section 2:
 * big-endian integers, time as signed 64-bit, doubles scaled by 1e6, strings
 * as u32 length (including the NUL) + bytes + NUL, NULL string as u32 0.
 */
#ifndef FLURM_WIRE_PACK_H
#define FLURM_WIRE_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define FLURM_NO_VAL8 0xfeU
#define FLURM_INFINITE8 0xffU
#define FLURM_NO_VAL16 0xfffeU
#define FLURM_INFINITE16 0xffffU
#define FLURM_NO_VAL 0xfffffffeU
#define FLURM_INFINITE 0xffffffffU
#define FLURM_NO_VAL64 0xfffffffffffffffeULL
#define FLURM_INFINITE64 0xffffffffffffffffULL

/* Upper bound for any single string or array on the wire (SLURM's own
 * MAX_PACK_MEM_LEN is 1 GiB; a controller never needs more than this). */
#define FLURM_MAX_PACK_LEN (64U * 1024 * 1024)

/* A growable write buffer or a read-only view, depending on how it was made. */
struct flurm_buf;

/* Writer: owned by the caller, free with flurm_buf_destroy(). */
struct flurm_buf *flurm_buf_create(size_t initial_capacity);
/* Reader over borrowed bytes (not copied: data must outlive the buffer). */
struct flurm_buf *flurm_buf_view(const void *data, size_t len);
void flurm_buf_destroy(struct flurm_buf *b);

/* Borrowed pointer to the bytes written so far (writer) or the whole view. */
const uint8_t *flurm_buf_data(const struct flurm_buf *b);
size_t flurm_buf_len(const struct flurm_buf *b);      /* bytes written / view length */
size_t flurm_buf_offset(const struct flurm_buf *b);   /* read position */
size_t flurm_buf_remaining(const struct flurm_buf *b);
/* Move the read position (reader) or truncate/extend (writer) to off. */
int flurm_buf_seek(struct flurm_buf *b, size_t off);
/* Non-zero once any read or write failed (sticky). */
int flurm_buf_error(const struct flurm_buf *b);
/* Mark a reader as failed (a value that decoded but is not acceptable):
 * sets the sticky error and errno = EBADMSG. */
void flurm_buf_set_error(struct flurm_buf *b);
/* Take ownership of a writer's bytes; the buffer becomes empty. */
uint8_t *flurm_buf_steal(struct flurm_buf *b, size_t *len);

/* Writers: 0 on success, -1 (ENOMEM) otherwise. */
int flurm_pack8(struct flurm_buf *b, uint8_t v);
int flurm_packbool(struct flurm_buf *b, bool v);
int flurm_pack16(struct flurm_buf *b, uint16_t v);
int flurm_pack32(struct flurm_buf *b, uint32_t v);
int flurm_pack64(struct flurm_buf *b, uint64_t v);
int flurm_pack_time(struct flurm_buf *b, time_t v);
int flurm_packdouble(struct flurm_buf *b, double v);      /* x 1e6, IEEE bits as u64 */
int flurm_packlongdouble(struct flurm_buf *b, long double v); /* "%Lf" as a packstr */
int flurm_packmem(struct flurm_buf *b, const void *p, uint32_t n);
int flurm_packstr(struct flurm_buf *b, const char *s);    /* NULL -> u32 0 */
int flurm_packstr_array(struct flurm_buf *b, char *const *a, uint32_t n);
int flurm_pack16_array(struct flurm_buf *b, const uint16_t *a, uint32_t n);
int flurm_pack32_array(struct flurm_buf *b, const uint32_t *a, uint32_t n);
int flurm_pack64_array(struct flurm_buf *b, const uint64_t *a, uint32_t n);
int flurm_packdouble_array(struct flurm_buf *b, const double *a, uint32_t n);
int flurm_pack_raw(struct flurm_buf *b, const void *p, size_t n); /* bytes, no length */
/* Overwrite a u32 already written at off (for counts known only later). */
int flurm_pack32_at(struct flurm_buf *b, size_t off, uint32_t v);

/* Readers: 0 on success, -1 (EBADMSG) on short or invalid input.
 * Strings and arrays are returned malloc'ed and owned by the caller; a wire
 * NULL gives *out = NULL and *n = 0.  An unpacked string is always
 * NUL-terminated even if the sender forgot the NUL. */
int flurm_unpack8(struct flurm_buf *b, uint8_t *v);
int flurm_unpackbool(struct flurm_buf *b, bool *v);
int flurm_unpack16(struct flurm_buf *b, uint16_t *v);
int flurm_unpack32(struct flurm_buf *b, uint32_t *v);
int flurm_unpack64(struct flurm_buf *b, uint64_t *v);
int flurm_unpack_time(struct flurm_buf *b, time_t *v);
int flurm_unpackdouble(struct flurm_buf *b, double *v);
int flurm_unpacklongdouble(struct flurm_buf *b, long double *v);
int flurm_unpackmem(struct flurm_buf *b, void **out, uint32_t *n);
int flurm_unpackstr(struct flurm_buf *b, char **out);
int flurm_unpackstr_array(struct flurm_buf *b, char ***out, uint32_t *n);
int flurm_unpack16_array(struct flurm_buf *b, uint16_t **out, uint32_t *n);
int flurm_unpack32_array(struct flurm_buf *b, uint32_t **out, uint32_t *n);
int flurm_unpack64_array(struct flurm_buf *b, uint64_t **out, uint32_t *n);
int flurm_unpackdouble_array(struct flurm_buf *b, double **out, uint32_t *n);
/* Borrow n raw bytes at the read position (no copy). */
int flurm_unpack_raw(struct flurm_buf *b, const uint8_t **p, size_t n);

/* Free a string array returned by flurm_unpackstr_array (NULL-safe). */
void flurm_str_array_free(char **a, uint32_t n);

#endif
