/*
 * pack.c - SLURM's primitive wire encodings over a bounds-checked buffer.
 *
 * One struct serves both directions: a writer owns a growable byte array and
 * appends at its end; a view borrows bytes and only reads.  Reads work on a
 * writer too (from its read position), which keeps pack/unpack tests short.
 *
 * Every length or count read from the wire is compared with the bytes that
 * remain before anything is allocated for it, so the memory a hostile peer
 * can make us allocate is bounded by what it actually sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/pack.h"

struct flurm_buf {
    uint8_t *data;
    size_t len; /* bytes written (writer) or view length */
    size_t cap; /* allocated bytes; 0 for a view */
    size_t off; /* read position */
    int error;  /* sticky */
    bool is_view;
};

struct flurm_buf *flurm_buf_create(size_t initial_capacity)
{
    struct flurm_buf *b = calloc(1, sizeof(*b));

    if (!b)
        return NULL;
    if (initial_capacity < 64)
        initial_capacity = 64;
    if (!(b->data = malloc(initial_capacity))) {
        free(b);
        errno = ENOMEM;
        return NULL;
    }
    b->cap = initial_capacity;
    return b;
}

struct flurm_buf *flurm_buf_view(const void *data, size_t len)
{
    static const uint8_t no_bytes[1];
    struct flurm_buf *b;

    if (!data && len > 0) {
        errno = EINVAL;
        return NULL;
    }
    if (!(b = calloc(1, sizeof(*b))))
        return NULL;
    /* The cast drops const: a view never writes through data.  An empty
     * view still points somewhere, so that a 0-byte read is not NULL. */
    b->data = (uint8_t *)(data ? data : no_bytes);
    b->len = len;
    b->is_view = true;
    return b;
}

void flurm_buf_destroy(struct flurm_buf *b)
{
    if (!b)
        return;
    if (!b->is_view)
        free(b->data);
    free(b);
}

const uint8_t *flurm_buf_data(const struct flurm_buf *b)
{
    return b ? b->data : NULL;
}

size_t flurm_buf_len(const struct flurm_buf *b)
{
    return b ? b->len : 0;
}

size_t flurm_buf_offset(const struct flurm_buf *b)
{
    return b ? b->off : 0;
}

size_t flurm_buf_remaining(const struct flurm_buf *b)
{
    return b && b->off <= b->len ? b->len - b->off : 0;
}

int flurm_buf_error(const struct flurm_buf *b)
{
    return b ? b->error : 1;
}

/* Make room for n more bytes at the end of a writer. */
static int reserve(struct flurm_buf *b, size_t n)
{
    size_t want, cap;
    uint8_t *p;

    if (b->error)
        goto error_sticky;
    if (b->is_view) {
        b->error = 1;
        errno = EINVAL;
        return -1;
    }
    if (n > SIZE_MAX - b->len)
        goto error_nomem;
    want = b->len + n;
    if (want <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < want) {
        if (cap > SIZE_MAX / 2) {
            cap = want;
            break;
        }
        cap *= 2;
    }
    if (!(p = realloc(b->data, cap)))
        goto error_nomem;
    b->data = p;
    b->cap = cap;
    return 0;
error_nomem:
    b->error = 1;
    errno = ENOMEM;
    return -1;
error_sticky:
    errno = ENOMEM;
    return -1;
}

int flurm_buf_seek(struct flurm_buf *b, size_t off)
{
    if (!b) {
        errno = EINVAL;
        return -1;
    }
    if (b->is_view) {
        if (off > b->len) {
            errno = EINVAL;
            return -1;
        }
        b->off = off;
        return 0;
    }
    if (off > b->len) {
        if (reserve(b, off - b->len) < 0)
            return -1;
        memset(b->data + b->len, 0, off - b->len);
    }
    b->len = off;
    if (b->off > b->len)
        b->off = b->len;
    return 0;
}

void flurm_buf_set_error(struct flurm_buf *b)
{
    if (b)
        b->error = 1;
    errno = EBADMSG;
}

uint8_t *flurm_buf_steal(struct flurm_buf *b, size_t *len)
{
    uint8_t *p;

    if (!b || b->is_view) {
        errno = EINVAL;
        return NULL;
    }
    p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = b->off = 0;
    return p;
}

/* ---- writers ------------------------------------------------------------ */

static int put(struct flurm_buf *b, const void *p, size_t n)
{
    if (!b) {
        errno = EINVAL;
        return -1;
    }
    if (reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int flurm_pack8(struct flurm_buf *b, uint8_t v)
{
    return put(b, &v, 1);
}

int flurm_packbool(struct flurm_buf *b, bool v)
{
    return flurm_pack8(b, v ? 1 : 0);
}

int flurm_pack16(struct flurm_buf *b, uint16_t v)
{
    uint8_t w[2] = { (uint8_t)(v >> 8), (uint8_t)v };

    return put(b, w, sizeof(w));
}

int flurm_pack32(struct flurm_buf *b, uint32_t v)
{
    uint8_t w[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

    return put(b, w, sizeof(w));
}

int flurm_pack64(struct flurm_buf *b, uint64_t v)
{
    uint8_t w[8];

    for (int i = 0; i < 8; i++)
        w[i] = (uint8_t)(v >> (56 - 8 * i));
    return put(b, w, sizeof(w));
}

int flurm_pack_time(struct flurm_buf *b, time_t v)
{
    return flurm_pack64(b, (uint64_t)(int64_t)v);
}

int flurm_packdouble(struct flurm_buf *b, double v)
{
    double scaled = v * 1000000.0;
    uint64_t bits;

    memcpy(&bits, &scaled, sizeof(bits));
    return flurm_pack64(b, bits);
}

int flurm_packlongdouble(struct flurm_buf *b, long double v)
{
    char *s = NULL;
    int rc;

    if (asprintf(&s, "%Lf", v) < 0) {
        if (b)
            b->error = 1;
        errno = ENOMEM;
        return -1;
    }
    rc = flurm_packstr(b, s);
    free(s);
    return rc;
}

/* A length the reader would refuse must not be written either. */
static int check_len(struct flurm_buf *b, size_t n)
{
    if (n > FLURM_MAX_PACK_LEN) {
        if (b)
            b->error = 1;
        errno = EMSGSIZE;
        return -1;
    }
    return 0;
}

int flurm_packmem(struct flurm_buf *b, const void *p, uint32_t n)
{
    if (!p && n > 0) {
        if (b)
            b->error = 1;
        errno = EINVAL;
        return -1;
    }
    if (check_len(b, n) < 0 || flurm_pack32(b, n) < 0)
        return -1;
    return put(b, p, n);
}

int flurm_packstr(struct flurm_buf *b, const char *s)
{
    size_t n;

    if (!s)
        return flurm_pack32(b, 0);
    n = strlen(s) + 1;
    if (check_len(b, n) < 0)
        return -1;
    return flurm_packmem(b, s, (uint32_t)n);
}

int flurm_packstr_array(struct flurm_buf *b, char *const *a, uint32_t n)
{
    if ((!a && n > 0) || check_len(b, n) < 0) {
        if (b)
            b->error = 1;
        if (!a && n > 0)
            errno = EINVAL;
        return -1;
    }
    if (flurm_pack32(b, n) < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        if (flurm_packstr(b, a[i]) < 0)
            return -1;
    return 0;
}

/* Shared head of the numeric array writers. */
static int array_head(struct flurm_buf *b, const void *a, uint32_t n)
{
    if (!a && n > 0) {
        if (b)
            b->error = 1;
        errno = EINVAL;
        return -1;
    }
    if (check_len(b, n) < 0)
        return -1;
    return flurm_pack32(b, n);
}

int flurm_pack16_array(struct flurm_buf *b, const uint16_t *a, uint32_t n)
{
    if (array_head(b, a, n) < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        if (flurm_pack16(b, a[i]) < 0)
            return -1;
    return 0;
}

int flurm_pack32_array(struct flurm_buf *b, const uint32_t *a, uint32_t n)
{
    if (array_head(b, a, n) < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        if (flurm_pack32(b, a[i]) < 0)
            return -1;
    return 0;
}

int flurm_pack64_array(struct flurm_buf *b, const uint64_t *a, uint32_t n)
{
    if (array_head(b, a, n) < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        if (flurm_pack64(b, a[i]) < 0)
            return -1;
    return 0;
}

int flurm_packdouble_array(struct flurm_buf *b, const double *a, uint32_t n)
{
    if (array_head(b, a, n) < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        if (flurm_packdouble(b, a[i]) < 0)
            return -1;
    return 0;
}

int flurm_pack_raw(struct flurm_buf *b, const void *p, size_t n)
{
    if (!p && n > 0) {
        if (b)
            b->error = 1;
        errno = EINVAL;
        return -1;
    }
    return put(b, p, n);
}

int flurm_pack32_at(struct flurm_buf *b, size_t off, uint32_t v)
{
    if (!b || b->is_view || off > b->len || b->len - off < 4) {
        if (b)
            b->error = 1;
        errno = EINVAL;
        return -1;
    }
    b->data[off] = (uint8_t)(v >> 24);
    b->data[off + 1] = (uint8_t)(v >> 16);
    b->data[off + 2] = (uint8_t)(v >> 8);
    b->data[off + 3] = (uint8_t)v;
    return 0;
}

/* ---- readers ------------------------------------------------------------ */

static int bad(struct flurm_buf *b)
{
    if (b)
        b->error = 1;
    errno = EBADMSG;
    return -1;
}

/* Borrow n bytes at the read position, or fail without moving. */
static const uint8_t *take(struct flurm_buf *b, size_t n)
{
    const uint8_t *p;

    if (!b || b->error || flurm_buf_remaining(b) < n) {
        bad(b);
        return NULL;
    }
    p = b->data + b->off;
    b->off += n;
    return p;
}

int flurm_unpack8(struct flurm_buf *b, uint8_t *v)
{
    const uint8_t *p = take(b, 1);

    *v = p ? p[0] : 0;
    return p ? 0 : -1;
}

int flurm_unpackbool(struct flurm_buf *b, bool *v)
{
    uint8_t u;
    int rc = flurm_unpack8(b, &u);

    *v = u != 0;
    return rc;
}

int flurm_unpack16(struct flurm_buf *b, uint16_t *v)
{
    const uint8_t *p = take(b, 2);

    *v = p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
    return p ? 0 : -1;
}

int flurm_unpack32(struct flurm_buf *b, uint32_t *v)
{
    const uint8_t *p = take(b, 4);

    *v = p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
    return p ? 0 : -1;
}

int flurm_unpack64(struct flurm_buf *b, uint64_t *v)
{
    const uint8_t *p = take(b, 8);
    uint64_t r = 0;

    if (!p) {
        *v = 0;
        return -1;
    }
    for (int i = 0; i < 8; i++)
        r = r << 8 | p[i];
    *v = r;
    return 0;
}

int flurm_unpack_time(struct flurm_buf *b, time_t *v)
{
    uint64_t u;
    int rc = flurm_unpack64(b, &u);

    *v = (time_t)(int64_t)u;
    return rc;
}

int flurm_unpackdouble(struct flurm_buf *b, double *v)
{
    uint64_t bits;
    double scaled;
    int rc = flurm_unpack64(b, &bits);

    memcpy(&scaled, &bits, sizeof(scaled));
    *v = rc == 0 ? scaled / 1000000.0 : 0.0;
    return rc;
}

int flurm_unpacklongdouble(struct flurm_buf *b, long double *v)
{
    char *s = NULL, *end = NULL;

    *v = 0;
    if (flurm_unpackstr(b, &s) < 0)
        return -1;
    /* SLURM would crash on a NULL here; the number must be all there is. */
    if (!s || !*s)
        goto error;
    errno = 0;
    *v = strtold(s, &end);
    if (*end != '\0')
        goto error;
    free(s);
    return 0;
error:
    free(s);
    *v = 0;
    return bad(b);
}

/* Read a u32 length and check that len elements of elem_min bytes each could
 * still be in the buffer, before anything is allocated for them. */
static int unpack_count(struct flurm_buf *b, uint32_t *n, size_t elem_min)
{
    if (flurm_unpack32(b, n) < 0)
        return -1;
    if (*n > FLURM_MAX_PACK_LEN || (uint64_t)*n * elem_min > flurm_buf_remaining(b)) {
        *n = 0;
        return bad(b);
    }
    return 0;
}

int flurm_unpackmem(struct flurm_buf *b, void **out, uint32_t *n)
{
    const uint8_t *p;
    void *m;

    *out = NULL;
    *n = 0;
    if (unpack_count(b, n, 1) < 0)
        return -1;
    if (*n == 0)
        return 0;
    if (!(p = take(b, *n)))
        goto error;
    if (!(m = malloc(*n))) {
        b->error = 1;
        errno = ENOMEM;
        *n = 0;
        return -1;
    }
    memcpy(m, p, *n);
    *out = m;
    return 0;
error:
    *n = 0;
    return -1;
}

int flurm_unpackstr(struct flurm_buf *b, char **out)
{
    const uint8_t *p;
    uint32_t n;
    char *s;

    *out = NULL;
    if (unpack_count(b, &n, 1) < 0)
        return -1;
    if (n == 0)
        return 0;
    if (!(p = take(b, n)))
        return -1;
    /* The extra byte terminates a string whose sender left the NUL off. */
    if (!(s = malloc((size_t)n + 1))) {
        b->error = 1;
        errno = ENOMEM;
        return -1;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    *out = s;
    return 0;
}

void flurm_str_array_free(char **a, uint32_t n)
{
    if (!a)
        return;
    for (uint32_t i = 0; i < n; i++)
        free(a[i]);
    free(a);
}

int flurm_unpackstr_array(struct flurm_buf *b, char ***out, uint32_t *n)
{
    char **a;
    uint32_t count;

    *out = NULL;
    *n = 0;
    /* Each string costs at least its own u32 length. */
    if (unpack_count(b, &count, 4) < 0)
        return -1;
    if (count == 0)
        return 0;
    if (!(a = calloc(count, sizeof(*a)))) {
        b->error = 1;
        errno = ENOMEM;
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (flurm_unpackstr(b, &a[i]) < 0) {
            flurm_str_array_free(a, i);
            return -1;
        }
    }
    *out = a;
    *n = count;
    return 0;
}

/* Shared body of the numeric array readers: elements of width w bytes are
 * decoded by get into a malloc'ed array of elements of size esize. */
static int unpack_num_array(struct flurm_buf *b, void **out, uint32_t *n, size_t w,
                            size_t esize, void (*get)(const uint8_t *p, void *dst))
{
    const uint8_t *p;
    uint8_t *a;
    uint32_t count;

    *out = NULL;
    *n = 0;
    if (unpack_count(b, &count, w) < 0)
        return -1;
    if (count == 0)
        return 0;
    if (!(p = take(b, (size_t)count * w)))
        return -1;
    if (!(a = malloc((size_t)count * esize))) {
        b->error = 1;
        errno = ENOMEM;
        return -1;
    }
    for (uint32_t i = 0; i < count; i++)
        get(p + (size_t)i * w, a + (size_t)i * esize);
    *out = a;
    *n = count;
    return 0;
}

static uint64_t be(const uint8_t *p, size_t w)
{
    uint64_t r = 0;

    for (size_t i = 0; i < w; i++)
        r = r << 8 | p[i];
    return r;
}

static void get16(const uint8_t *p, void *dst)
{
    *(uint16_t *)dst = (uint16_t)be(p, 2);
}

static void get32(const uint8_t *p, void *dst)
{
    *(uint32_t *)dst = (uint32_t)be(p, 4);
}

static void get64(const uint8_t *p, void *dst)
{
    *(uint64_t *)dst = be(p, 8);
}

static void getdouble(const uint8_t *p, void *dst)
{
    uint64_t bits = be(p, 8);
    double scaled;

    memcpy(&scaled, &bits, sizeof(scaled));
    *(double *)dst = scaled / 1000000.0;
}

int flurm_unpack16_array(struct flurm_buf *b, uint16_t **out, uint32_t *n)
{
    void *a;
    int rc = unpack_num_array(b, &a, n, 2, sizeof(uint16_t), get16);

    *out = a;
    return rc;
}

int flurm_unpack32_array(struct flurm_buf *b, uint32_t **out, uint32_t *n)
{
    void *a;
    int rc = unpack_num_array(b, &a, n, 4, sizeof(uint32_t), get32);

    *out = a;
    return rc;
}

int flurm_unpack64_array(struct flurm_buf *b, uint64_t **out, uint32_t *n)
{
    void *a;
    int rc = unpack_num_array(b, &a, n, 8, sizeof(uint64_t), get64);

    *out = a;
    return rc;
}

int flurm_unpackdouble_array(struct flurm_buf *b, double **out, uint32_t *n)
{
    void *a;
    int rc = unpack_num_array(b, &a, n, 8, sizeof(double), getdouble);

    *out = a;
    return rc;
}

int flurm_unpack_raw(struct flurm_buf *b, const uint8_t **p, size_t n)
{
    *p = take(b, n);
    return *p ? 0 : -1;
}
