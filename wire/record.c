/*
 * record.c - the engine that packs, unpacks, frees and converts to JSON any
 * SLURM record described by a struct flurm_record table.
 *
 * Decoding rules that keep a hostile peer in check:
 *  - every count is compared with the bytes left (times the smallest wire
 *    size of one element) before a byte is allocated for it, and list storage
 *    grows as elements really decode, so a lying count costs nothing;
 *  - an array whose count member was already set by an earlier field of the
 *    same record (a "shared count") must agree with it;
 *  - on failure everything decoded so far is freed and the struct zeroed;
 *  - a constant or a presence marker that is not one of its expected values
 *    is refused, since what follows it could not be read.
 *
 * JSON form (lossless): integers as numbers except u64 values above INT64_MAX
 * (NO_VAL64, INFINITE64, ...) which are decimal strings; doubles as numbers,
 * non-finite ones as "inf", "-inf" or "nan:0x<ieee bits>"; long doubles as a
 * number when a double holds them exactly, else a "%La" string; strings that
 * are not UTF-8 and MEM fields as base64; bitmaps as {"nbits","hex"}.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/record.h"
#include "wire/record_int.h"

#define AT(obj, off) ((char *)(obj) + (off))
#define CAT(obj, off) ((const char *)(obj) + (off))

static bool active(const struct flurm_field *f, uint16_t v)
{
    return f->since <= v && (f->until == 0 || v < f->until);
}

static void set_err(const char **err_field, const char *name)
{
    if (err_field && !*err_field)
        *err_field = name;
}

int flurm_record_einval(void)
{
    errno = EINVAL;
    return -1;
}

int flurm_record_bad_input(struct flurm_buf *b)
{
    flurm_buf_set_error(b);
    return -1;
}

int flurm_record_json_set(json_t *j, const char *key, json_t *value)
{
    if (!value || json_object_set_new(j, key, value) < 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* Bytes of the wire integer of a constant or a presence marker. */
static unsigned marker_width(enum flurm_ftype t)
{
    switch (t) {
    case FLURM_F_CONST8:
    case FLURM_F_OPTIONAL8:
        return 1;
    case FLURM_F_CONST16:
    case FLURM_F_OPTIONAL16:
        return 2;
    default:
        return 4;
    }
}

static int pack_uint(struct flurm_buf *b, unsigned width, uint32_t v)
{
    if (width == 1)
        return flurm_pack8(b, (uint8_t)v);
    if (width == 2)
        return flurm_pack16(b, (uint16_t)v);
    return flurm_pack32(b, v);
}

static int unpack_uint(struct flurm_buf *b, unsigned width, uint32_t *v)
{
    uint16_t v16;
    uint8_t v8;

    if (width == 4)
        return flurm_unpack32(b, v);
    if (width == 2 ? flurm_unpack16(b, &v16) < 0 : flurm_unpack8(b, &v8) < 0)
        return -1;
    *v = width == 2 ? v16 : v8;
    return 0;
}

/* The value of the gate of a GATED field idx of r: the U8/U16/U32 field
 * before it whose member is at count_off.  -1/EINVAL when the table names
 * no such field. */
int flurm_record_gate_value(const struct flurm_record *r, size_t idx, const void *obj,
                            uint32_t *gate)
{
    size_t off = r->fields[idx].count_off;

    for (size_t j = 0; j < idx; j++) {
        const struct flurm_field *g = &r->fields[j];
        if (g->off != off)
            continue;
        switch (g->type) {
        case FLURM_F_U8:
            *gate = *(const uint8_t *)CAT(obj, off);
            return 0;
        case FLURM_F_U16:
            *gate = *(const uint16_t *)CAT(obj, off);
            return 0;
        case FLURM_F_U32:
            *gate = *(const uint32_t *)CAT(obj, off);
            return 0;
        default:
            break;
        }
    }
    return flurm_record_einval();
}

/* MEM and the arrays of plain values: a pointer and its uint32_t length. */
bool flurm_record_is_counted(enum flurm_ftype t)
{
    switch (t) {
    case FLURM_F_MEM:
    case FLURM_F_STR_ARRAY:
    case FLURM_F_U16_ARRAY:
    case FLURM_F_U32_ARRAY:
    case FLURM_F_U64_ARRAY:
    case FLURM_F_DOUBLE_ARRAY:
        return true;
    default:
        return false;
    }
}

/* For GATED_COUNTS: does every counted member of the group hold n items? */
bool flurm_record_group_counts_are(const struct flurm_record *sub, const void *group,
                                   uint32_t n)
{
    for (size_t i = 0; i < sub->nfields; i++) {
        const struct flurm_field *f = &sub->fields[i];
        if (flurm_record_is_counted(f->type) && *(const uint32_t *)CAT(group, f->count_off) != n)
            return false;
    }
    return true;
}

/* The record an INLINE field is on the wire as in version v. */
static const struct flurm_record *layout_for(const struct flurm_field *f, uint16_t v)
{
    const struct flurm_record *r = f->sub;

    for (const struct flurm_layout *l = f->layouts; l && l->record; l++)
        if (l->since <= v)
            r = l->record;
    return r;
}

/* ---- bitmaps and addresses ---------------------------------------------- */

static bool is_hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* "0x" (optional) followed by at least one hex digit and nothing else. */
static bool is_hexmask(const char *s)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (!*s)
        return false;
    for (; *s; s++)
        if (!is_hex_digit(*s))
            return false;
    return true;
}

int flurm_bitstr_pack(struct flurm_buf *b, const struct flurm_bitstr *bs)
{
    if (!bs->hex)
        return flurm_pack32(b, FLURM_NO_VAL);
    if (bs->nbits == FLURM_NO_VAL) {
        errno = EINVAL;
        return -1;
    }
    if (flurm_pack32(b, bs->nbits) < 0)
        return -1;
    return flurm_packstr(b, bs->hex);
}

int flurm_bitstr_unpack(struct flurm_buf *b, struct flurm_bitstr *bs)
{
    char *hex = NULL;
    uint32_t nbits;

    bs->nbits = 0;
    bs->hex = NULL;
    if (flurm_unpack32(b, &nbits) < 0)
        return -1;
    if (nbits == FLURM_NO_VAL)
        return 0;
    if (flurm_unpackstr(b, &hex) < 0)
        return -1;
    if (!hex || !is_hexmask(hex)) {
        free(hex);
        flurm_buf_set_error(b);
        return -1;
    }
    bs->nbits = nbits;
    bs->hex = hex;
    return 0;
}

void flurm_bitstr_free(struct flurm_bitstr *bs)
{
    if (!bs)
        return;
    free(bs->hex);
    bs->hex = NULL;
    bs->nbits = 0;
}

int flurm_bitstr_init(struct flurm_bitstr *bs, uint32_t nbits)
{
    size_t digits = nbits ? ((size_t)nbits + 3) / 4 : 1;
    char *hex;

    if (nbits == FLURM_NO_VAL || !(hex = malloc(digits + 3))) {
        if (nbits == FLURM_NO_VAL)
            errno = EINVAL;
        return -1;
    }
    hex[0] = '0';
    hex[1] = 'x';
    memset(hex + 2, '0', digits);
    hex[digits + 2] = '\0';
    free(bs->hex);
    bs->hex = hex;
    bs->nbits = nbits;
    return 0;
}

/* Locate the hex digit holding bit i: bit 0 is the low bit of the last one. */
static char *bit_digit(const struct flurm_bitstr *bs, uint32_t i, int *shift)
{
    const char *digits;
    size_t n;

    if (!bs->hex || i >= bs->nbits)
        return NULL;
    digits = bs->hex;
    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
        digits += 2;
    n = strlen(digits);
    if ((size_t)i / 4 >= n)
        return NULL;
    *shift = (int)(i % 4);
    return (char *)digits + n - 1 - i / 4;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 0;
}

int flurm_bitstr_set(struct flurm_bitstr *bs, uint32_t bit)
{
    int shift;
    char *d = bit_digit(bs, bit, &shift);

    if (!d) {
        errno = ERANGE;
        return -1;
    }
    *d = "0123456789ABCDEF"[hexval(*d) | 1 << shift];
    return 0;
}

int flurm_bitstr_test(const struct flurm_bitstr *bs, uint32_t bit)
{
    int shift;
    const char *d = bit_digit(bs, bit, &shift);

    return d ? (hexval(*d) >> shift) & 1 : 0;
}

int flurm_addr_pack(struct flurm_buf *b, const struct flurm_addr *a)
{
    if (flurm_pack16(b, a->family) < 0)
        return -1;
    switch (a->family) {
    case 2:
        if (flurm_pack32(b, a->addr4) < 0)
            return -1;
        return flurm_pack16(b, a->port);
    case 10:
        if (flurm_packmem(b, a->addr6, sizeof(a->addr6)) < 0)
            return -1;
        return flurm_pack16(b, a->port);
    default:
        return 0;
    }
}

int flurm_addr_unpack(struct flurm_buf *b, struct flurm_addr *a)
{
    const uint8_t *p;
    uint32_t n;

    memset(a, 0, sizeof(*a));
    if (flurm_unpack16(b, &a->family) < 0)
        return -1;
    switch (a->family) {
    case 2:
        if (flurm_unpack32(b, &a->addr4) < 0 || flurm_unpack16(b, &a->port) < 0)
            return -1;
        return 0;
    case 10:
        if (flurm_unpack32(b, &n) < 0)
            return -1;
        if (n != sizeof(a->addr6)) {
            flurm_buf_set_error(b);
            return -1;
        }
        if (flurm_unpack_raw(b, &p, n) < 0)
            return -1;
        memcpy(a->addr6, p, n);
        return flurm_unpack16(b, &a->port);
    default:
        return 0;
    }
}

/* ---- sizes ---------------------------------------------------------------- */

/* The fewest bytes one element of r can take on the wire for version v; used
 * to refuse counts the remaining bytes cannot possibly hold. */
static size_t min_wire_size(const struct flurm_record *r, uint16_t v)
{
    size_t sum = 0;

    for (size_t i = 0; i < r->nfields; i++) {
        const struct flurm_field *f = &r->fields[i];
        if (!active(f, v))
            continue;
        switch (f->type) {
        case FLURM_F_U8:
        case FLURM_F_BOOL:
            sum += 1;
            break;
        case FLURM_F_U16:
        case FLURM_F_ADDR:
            sum += 2;
            break;
        case FLURM_F_U32:
        case FLURM_F_I32:
        case FLURM_F_LONGDOUBLE:
        case FLURM_F_STR:
        case FLURM_F_MEM:
        case FLURM_F_STR_ARRAY:
        case FLURM_F_U16_ARRAY:
        case FLURM_F_U32_ARRAY:
        case FLURM_F_U64_ARRAY:
        case FLURM_F_DOUBLE_ARRAY:
        case FLURM_F_BITSTR:
        case FLURM_F_LIST:
            sum += 4;
            break;
        case FLURM_F_U64:
        case FLURM_F_TIME:
        case FLURM_F_DOUBLE:
            sum += 8;
            break;
        case FLURM_F_CONST8:
        case FLURM_F_CONST16:
        case FLURM_F_CONST32:
        case FLURM_F_OPTIONAL8:
        case FLURM_F_OPTIONAL16:
        case FLURM_F_OPTIONAL_NOVAL:
            sum += marker_width(f->type);
            break;
        case FLURM_F_RECORD:
            sum += min_wire_size(f->sub, v);
            break;
        case FLURM_F_INLINE:
            if (!f->custom)
                sum += min_wire_size(layout_for(f, v), v);
            break;
        case FLURM_F_ARRAY:
        case FLURM_F_CUSTOM:
        case FLURM_F_GATED:
        case FLURM_F_GATED_COUNTS:
            break;
        }
    }
    return sum;
}

/* Does t keep an element count at count_off? */
bool flurm_record_has_count(enum flurm_ftype t)
{
    return flurm_record_is_counted(t) || t == FLURM_F_LIST || t == FLURM_F_ARRAY;
}

/* True when an earlier field of r (active in v, or any version when
 * all_versions) already sets the count member at count_off. */
bool flurm_record_count_is_shared(const struct flurm_record *r, size_t idx, size_t count_off,
                            uint16_t v, bool all_versions)
{
    for (size_t j = 0; j < idx; j++) {
        const struct flurm_field *g = &r->fields[j];
        if (!all_versions && !active(g, v))
            continue;
        if (g->type == FLURM_F_U32 && g->off == count_off)
            return true;
        if (flurm_record_has_count(g->type) && g->type != FLURM_F_ARRAY &&
            g->count_off == count_off)
            return true;
    }
    return false;
}

/* ---- pack ------------------------------------------------------------------ */

static int pack_fields(const struct flurm_record *r, const void *obj, struct flurm_buf *b,
                       uint16_t v);

static int pack_items(const struct flurm_record *sub, const void *items, uint32_t n,
                      struct flurm_buf *b, uint16_t v)
{
    for (uint32_t i = 0; i < n; i++)
        if (pack_fields(sub, CAT(items, (size_t)i * sub->size), b, v) < 0)
            return -1;
    return 0;
}

static int pack_optional(const struct flurm_field *f, const void *sub, struct flurm_buf *b,
                         uint16_t v)
{
    const struct flurm_field *head = f->sub->nfields ? &f->sub->fields[0] : NULL;

    if (f->type == FLURM_F_OPTIONAL_NOVAL) {
        if (!sub)
            return flurm_pack32(b, FLURM_NO_VAL);
        /* A head of NO_VAL would read back as "absent" and strand the rest. */
        if (!head || head->type != FLURM_F_U32 ||
            *(const uint32_t *)CAT(sub, head->off) == FLURM_NO_VAL)
            return flurm_record_einval();
    } else {
        if (f->value == 0)
            return flurm_record_einval(); /* a present record would read back as absent */
        if (pack_uint(b, marker_width(f->type), sub ? f->value : 0) < 0)
            return -1;
        if (!sub)
            return 0;
    }
    return pack_fields(f->sub, sub, b, v);
}

bool flurm_record_is_int(enum flurm_ftype t)
{
    switch (t) {
    case FLURM_F_U8:
    case FLURM_F_BOOL:
    case FLURM_F_U16:
    case FLURM_F_U32:
    case FLURM_F_I32:
    case FLURM_F_U64:
    case FLURM_F_TIME:
        return true;
    default:
        return false;
    }
}

int flurm_record_pack_int(enum flurm_ftype t, const void *p, struct flurm_buf *b)
{
    switch (t) {
    case FLURM_F_U8:
        return flurm_pack8(b, *(const uint8_t *)p);
    case FLURM_F_BOOL:
        return flurm_packbool(b, *(const bool *)p);
    case FLURM_F_U16:
        return flurm_pack16(b, *(const uint16_t *)p);
    case FLURM_F_U32:
        return flurm_pack32(b, *(const uint32_t *)p);
    case FLURM_F_I32:
        return flurm_pack32(b, (uint32_t) * (const int32_t *)p);
    case FLURM_F_U64:
        return flurm_pack64(b, *(const uint64_t *)p);
    case FLURM_F_TIME:
        return flurm_pack_time(b, *(const time_t *)p);
    default:
        return flurm_record_einval();
    }
}

int flurm_record_unpack_int(enum flurm_ftype t, void *p, struct flurm_buf *b)
{
    uint32_t u;

    switch (t) {
    case FLURM_F_U8:
        return flurm_unpack8(b, (uint8_t *)p);
    case FLURM_F_BOOL:
        return flurm_unpackbool(b, (bool *)p);
    case FLURM_F_U16:
        return flurm_unpack16(b, (uint16_t *)p);
    case FLURM_F_U32:
        return flurm_unpack32(b, (uint32_t *)p);
    case FLURM_F_I32:
        if (flurm_unpack32(b, &u) < 0)
            return -1;
        *(int32_t *)p = (int32_t)u;
        return 0;
    case FLURM_F_U64:
        return flurm_unpack64(b, (uint64_t *)p);
    case FLURM_F_TIME:
        return flurm_unpack_time(b, (time_t *)p);
    default:
        return flurm_record_einval();
    }
}

static int pack_field(const struct flurm_record *r, size_t idx, const void *obj,
                      struct flurm_buf *b, uint16_t v)
{
    const struct flurm_field *f = &r->fields[idx];
    const char *p = CAT(obj, f->off);
    uint32_t n = flurm_record_has_count(f->type) ? *(const uint32_t *)CAT(obj, f->count_off) : 0;

    if (flurm_record_is_int(f->type))
        return flurm_record_pack_int(f->type, p, b);
    switch (f->type) {
    case FLURM_F_DOUBLE:
        return flurm_packdouble(b, *(const double *)p);
    case FLURM_F_LONGDOUBLE:
        return flurm_packlongdouble(b, *(const long double *)p);
    case FLURM_F_STR:
        return flurm_packstr(b, *(char *const *)p);
    case FLURM_F_MEM:
        return flurm_packmem(b, *(void *const *)p, n);
    case FLURM_F_STR_ARRAY:
        return flurm_packstr_array(b, *(char **const *)p, n);
    case FLURM_F_U16_ARRAY:
        return flurm_pack16_array(b, *(uint16_t *const *)p, n);
    case FLURM_F_U32_ARRAY:
        return flurm_pack32_array(b, *(uint32_t *const *)p, n);
    case FLURM_F_U64_ARRAY:
        return flurm_pack64_array(b, *(uint64_t *const *)p, n);
    case FLURM_F_DOUBLE_ARRAY:
        return flurm_packdouble_array(b, *(double *const *)p, n);
    case FLURM_F_BITSTR:
        return flurm_bitstr_pack(b, (const struct flurm_bitstr *)p);
    case FLURM_F_ADDR:
        return flurm_addr_pack(b, (const struct flurm_addr *)p);
    case FLURM_F_RECORD:
        return pack_fields(f->sub, p, b, v);
    case FLURM_F_LIST:
        if (!*(void *const *)p)
            return flurm_pack32(b, FLURM_NO_VAL);
        if (n >= FLURM_NO_VAL)
            return flurm_record_einval();
        if (flurm_pack32(b, n) < 0)
            return -1;
        return pack_items(f->sub, *(void *const *)p, n, b, v);
    case FLURM_F_ARRAY:
        if (!*(void *const *)p && n > 0)
            return flurm_record_einval();
        return pack_items(f->sub, *(void *const *)p, n, b, v);
    case FLURM_F_CUSTOM:
        if (!f->custom || !f->custom->pack)
            return flurm_record_einval();
        return f->custom->pack(f, obj, b, v);
    case FLURM_F_CONST8:
    case FLURM_F_CONST16:
    case FLURM_F_CONST32:
        return pack_uint(b, marker_width(f->type), f->value);
    case FLURM_F_OPTIONAL8:
    case FLURM_F_OPTIONAL16:
    case FLURM_F_OPTIONAL_NOVAL:
        return pack_optional(f, *(void *const *)p, b, v);
    case FLURM_F_GATED:
    case FLURM_F_GATED_COUNTS:
        if (flurm_record_gate_value(r, idx, obj, &n) < 0)
            return -1;
        /* Arrays longer than the gate would be dropped without a word. */
        if (f->type == FLURM_F_GATED_COUNTS && !flurm_record_group_counts_are(f->sub, p, n))
            return flurm_record_einval();
        return n ? pack_fields(f->sub, p, b, v) : 0;
    case FLURM_F_INLINE:
        if (!f->custom)
            return pack_fields(layout_for(f, v), p, b, v);
        if (!f->custom->pack)
            return flurm_record_einval();
        return f->custom->pack(f, obj, b, v);
    default: /* the integers, packed above */
        break;
    }
    return flurm_record_einval();
}

static int pack_fields(const struct flurm_record *r, const void *obj, struct flurm_buf *b,
                       uint16_t v)
{
    for (size_t i = 0; i < r->nfields; i++)
        if (active(&r->fields[i], v) && pack_field(r, i, obj, b, v) < 0)
            return -1;
    return 0;
}

int flurm_record_pack(const struct flurm_record *r, const void *obj, struct flurm_buf *b,
                      uint16_t version)
{
    if (!r || !obj || !b)
        return flurm_record_einval();
    return pack_fields(r, obj, b, version);
}

/* ---- free ------------------------------------------------------------------ */

static void free_fields(const struct flurm_record *r, void *obj);

void flurm_record_free_items(const struct flurm_record *sub, void *items, uint32_t n)
{
    if (!items)
        return;
    for (uint32_t i = 0; i < n; i++)
        free_fields(sub, AT(items, (size_t)i * sub->size));
    free(items);
}

/* Frees without touching counts, since several fields may share one. */
static void free_fields(const struct flurm_record *r, void *obj)
{
    for (size_t i = 0; i < r->nfields; i++) {
        const struct flurm_field *f = &r->fields[i];
        char *p = AT(obj, f->off);
        uint32_t n = flurm_record_has_count(f->type) ? *(uint32_t *)AT(obj, f->count_off) : 0;

        switch (f->type) {
        case FLURM_F_STR:
        case FLURM_F_MEM:
        case FLURM_F_U16_ARRAY:
        case FLURM_F_U32_ARRAY:
        case FLURM_F_U64_ARRAY:
        case FLURM_F_DOUBLE_ARRAY:
            free(*(void **)p);
            *(void **)p = NULL;
            break;
        case FLURM_F_STR_ARRAY:
            flurm_str_array_free(*(char ***)p, n);
            *(void **)p = NULL;
            break;
        case FLURM_F_BITSTR:
            free(((struct flurm_bitstr *)p)->hex);
            ((struct flurm_bitstr *)p)->hex = NULL;
            break;
        case FLURM_F_RECORD:
            free_fields(f->sub, p);
            break;
        case FLURM_F_LIST:
        case FLURM_F_ARRAY:
            flurm_record_free_items(f->sub, *(void **)p, n);
            *(void **)p = NULL;
            break;
        case FLURM_F_CUSTOM:
            if (f->custom && f->custom->free)
                f->custom->free(f, obj);
            break;
        case FLURM_F_OPTIONAL8:
        case FLURM_F_OPTIONAL16:
        case FLURM_F_OPTIONAL_NOVAL:
            flurm_record_free_items(f->sub, *(void **)p, 1);
            *(void **)p = NULL;
            break;
        case FLURM_F_GATED:
        case FLURM_F_GATED_COUNTS:
        case FLURM_F_INLINE:
            free_fields(f->sub, p);
            break;
        default:
            break;
        }
    }
}

void flurm_record_free(const struct flurm_record *r, void *obj)
{
    if (!r || !obj)
        return;
    free_fields(r, obj);
    memset(obj, 0, r->size);
}

/* ---- unpack ---------------------------------------------------------------- */

static int unpack_fields(const struct flurm_record *r, void *obj, struct flurm_buf *b,
                         uint16_t v, const char **err_field);

/* Decode n elements of sub.  Storage grows with what really decodes.  An
 * empty list still gets a (one-element) allocation when keep_empty, so that
 * it stays distinct from SLURM's NULL list. */
static int unpack_items(const struct flurm_record *sub, uint32_t n, bool keep_empty,
                        struct flurm_buf *b, uint16_t v, void **out, const char **err_field)
{
    size_t min = min_wire_size(sub, v);
    size_t cap = 0;
    char *items = NULL;
    uint32_t done = 0;

    *out = NULL;
    if (min == 0)
        min = 1;
    if ((uint64_t)n * min > flurm_buf_remaining(b) || n > FLURM_MAX_PACK_LEN) {
        flurm_buf_set_error(b);
        return -1;
    }
    if (n == 0) {
        if (keep_empty && !(*out = calloc(1, sub->size ? sub->size : 1)))
            return -1;
        return 0;
    }
    for (; done < n; done++) {
        if (done == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            char *p;
            if (ncap > n)
                ncap = n;
            if (!(p = realloc(items, ncap * sub->size)))
                goto error;
            items = p;
            memset(items + cap * sub->size, 0, (ncap - cap) * sub->size);
            cap = ncap;
        }
        if (unpack_fields(sub, items + (size_t)done * sub->size, b, v, err_field) < 0) {
            free_fields(sub, items + (size_t)done * sub->size);
            goto error;
        }
    }
    *out = items;
    return 0;
error:
    flurm_record_free_items(sub, items, done);
    return -1;
}

/* A sub-record behind a presence marker, into a new struct at *slot. */
static int unpack_optional(const struct flurm_field *f, void **slot, struct flurm_buf *b,
                           uint16_t v, const char **err_field)
{
    size_t start = flurm_buf_offset(b);
    uint32_t mark;
    void *sub;

    if (unpack_uint(b, marker_width(f->type), &mark) < 0)
        return -1;
    if (f->type == FLURM_F_OPTIONAL_NOVAL) {
        if (mark == FLURM_NO_VAL)
            return 0;
        /* Present: the marker was the sub-record's own first field. */
        if (flurm_buf_seek(b, start) < 0)
            return -1;
    } else if (mark == 0) {
        return 0;
    } else if (mark != f->value) {
        return flurm_record_bad_input(b);
    }
    if (!(sub = calloc(1, f->sub->size ? f->sub->size : 1)))
        return -1;
    if (unpack_fields(f->sub, sub, b, v, err_field) < 0) {
        flurm_record_free_items(f->sub, sub, 1);
        return -1;
    }
    *slot = sub;
    return 0;
}

/* Store count n at count_off, or check it against an earlier shared count. */
static int store_count(const struct flurm_record *r, size_t idx, void *obj, uint32_t n,
                       uint16_t v)
{
    const struct flurm_field *f = &r->fields[idx];
    uint32_t *cnt = (uint32_t *)AT(obj, f->count_off);

    if (flurm_record_count_is_shared(r, idx, f->count_off, v, false) && *cnt != n) {
        errno = EBADMSG;
        return -1;
    }
    *cnt = n;
    return 0;
}

static int unpack_field(const struct flurm_record *r, size_t idx, void *obj,
                        struct flurm_buf *b, uint16_t v, const char **err_field)
{
    const struct flurm_field *f = &r->fields[idx];
    char *p = AT(obj, f->off);
    void *tmp = NULL;
    uint32_t n = 0;
    int rc;

    if (flurm_record_is_int(f->type))
        return flurm_record_unpack_int(f->type, p, b);
    switch (f->type) {
    case FLURM_F_DOUBLE:
        return flurm_unpackdouble(b, (double *)p);
    case FLURM_F_LONGDOUBLE:
        return flurm_unpacklongdouble(b, (long double *)p);
    case FLURM_F_STR:
        return flurm_unpackstr(b, (char **)p);
    case FLURM_F_MEM:
        rc = flurm_unpackmem(b, &tmp, &n);
        break;
    case FLURM_F_STR_ARRAY: {
        char **a = NULL;
        if (flurm_unpackstr_array(b, &a, &n) < 0)
            return -1;
        if (store_count(r, idx, obj, n, v) < 0) {
            flurm_str_array_free(a, n);
            return -1;
        }
        *(char ***)p = a;
        return 0;
    }
    case FLURM_F_U16_ARRAY:
        rc = flurm_unpack16_array(b, (uint16_t **)&tmp, &n);
        break;
    case FLURM_F_U32_ARRAY:
        rc = flurm_unpack32_array(b, (uint32_t **)&tmp, &n);
        break;
    case FLURM_F_U64_ARRAY:
        rc = flurm_unpack64_array(b, (uint64_t **)&tmp, &n);
        break;
    case FLURM_F_DOUBLE_ARRAY:
        rc = flurm_unpackdouble_array(b, (double **)&tmp, &n);
        break;
    case FLURM_F_BITSTR:
        return flurm_bitstr_unpack(b, (struct flurm_bitstr *)p);
    case FLURM_F_ADDR:
        return flurm_addr_unpack(b, (struct flurm_addr *)p);
    case FLURM_F_RECORD:
        return unpack_fields(f->sub, p, b, v, err_field);
    case FLURM_F_LIST:
        if (flurm_unpack32(b, &n) < 0)
            return -1;
        if (n == FLURM_NO_VAL)
            return store_count(r, idx, obj, 0, v);
        if (n > FLURM_NO_VAL) {
            flurm_buf_set_error(b);
            return -1;
        }
        if (unpack_items(f->sub, n, true, b, v, &tmp, err_field) < 0)
            return -1;
        if (store_count(r, idx, obj, n, v) < 0) {
            flurm_record_free_items(f->sub, tmp, n);
            return -1;
        }
        *(void **)p = tmp;
        return 0;
    case FLURM_F_ARRAY:
        n = *(uint32_t *)AT(obj, f->count_off);
        if (unpack_items(f->sub, n, false, b, v, &tmp, err_field) < 0)
            return -1;
        *(void **)p = tmp;
        return 0;
    case FLURM_F_CUSTOM:
        if (!f->custom || !f->custom->unpack)
            return flurm_record_einval();
        return f->custom->unpack(f, obj, b, v);
    case FLURM_F_CONST8:
    case FLURM_F_CONST16:
    case FLURM_F_CONST32:
        if (unpack_uint(b, marker_width(f->type), &n) < 0)
            return -1;
        return n == f->value ? 0 : flurm_record_bad_input(b);
    case FLURM_F_OPTIONAL8:
    case FLURM_F_OPTIONAL16:
    case FLURM_F_OPTIONAL_NOVAL:
        return unpack_optional(f, (void **)p, b, v, err_field);
    case FLURM_F_GATED:
    case FLURM_F_GATED_COUNTS:
        if (flurm_record_gate_value(r, idx, obj, &n) < 0)
            return -1;
        if (n == 0)
            return 0;
        if (unpack_fields(f->sub, p, b, v, err_field) < 0)
            return -1;
        if (f->type == FLURM_F_GATED_COUNTS && !flurm_record_group_counts_are(f->sub, p, n))
            return flurm_record_bad_input(b);
        return 0;
    case FLURM_F_INLINE:
        if (!f->custom)
            return unpack_fields(layout_for(f, v), p, b, v, err_field);
        if (!f->custom->unpack)
            return flurm_record_einval();
        return f->custom->unpack(f, obj, b, v);
    default:
        return flurm_record_einval();
    }
    /* MEM and the numeric arrays land here with their result in tmp. */
    if (rc < 0)
        return -1;
    if (store_count(r, idx, obj, n, v) < 0) {
        free(tmp);
        return -1;
    }
    *(void **)p = tmp;
    return 0;
}

static int unpack_fields(const struct flurm_record *r, void *obj, struct flurm_buf *b,
                         uint16_t v, const char **err_field)
{
    for (size_t i = 0; i < r->nfields; i++) {
        const struct flurm_field *f = &r->fields[i];
        if (!active(f, v))
            continue;
        if (unpack_field(r, i, obj, b, v, err_field) < 0) {
            set_err(err_field, f->name);
            return -1;
        }
    }
    return 0;
}

/* What both decoders (wire and JSON) do first: check the arguments (source
 * is the buffer or the JSON) and zero obj. */
static int decode_start(const struct flurm_record *r, void *obj, const void *source,
                        const char **err_field)
{
    if (err_field)
        *err_field = NULL;
    if (!r || !obj || !source)
        return flurm_record_einval();
    memset(obj, 0, r->size);
    return 0;
}

int flurm_record_unpack(const struct flurm_record *r, void *obj, struct flurm_buf *b,
                        uint16_t version, const char **err_field)
{
    const char *err = NULL;

    if (decode_start(r, obj, b, err_field) < 0)
        return -1;
    if (unpack_fields(r, obj, b, version, &err) == 0)
        return 0;
    flurm_record_free(r, obj);
    if (err_field)
        *err_field = err ? err : r->name;
    /* Allocation failures keep ENOMEM; everything else is a bad message. */
    if (errno != ENOMEM)
        flurm_buf_set_error(b);
    return -1;
}

/* ---- JSON helpers ---------------------------------------------------------- */

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *b64_encode(const uint8_t *p, size_t n)
{
    size_t olen = (n + 2) / 3 * 4;
    char *s = malloc(olen + 1);
    size_t o = 0;
    json_t *j;

    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            w |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            w |= p[i + 2];
        s[o++] = b64chars[w >> 18 & 63];
        s[o++] = b64chars[w >> 12 & 63];
        s[o++] = i + 1 < n ? b64chars[w >> 6 & 63] : '=';
        s[o++] = i + 2 < n ? b64chars[w & 63] : '=';
    }
    s[o] = '\0';
    j = json_string(s);
    free(s);
    return j;
}

/* Decode base64 text into a malloc'ed buffer with one spare NUL byte. */
static int b64_decode(const char *s, size_t len, uint8_t **out, size_t *n)
{
    uint8_t *p;
    size_t o = 0;
    uint32_t w = 0;
    int bits = 0, pad = 0;

    *out = NULL;
    *n = 0;
    if (len % 4)
        goto einval;
    if (!(p = malloc(len / 4 * 3 + 1)))
        return -1;
    for (size_t i = 0; i < len; i++) {
        const char *c = strchr(b64chars, s[i]);
        if (s[i] == '=' && i >= len - 2) {
            pad++;
            w <<= 6;
        } else if (c && s[i] && !pad) {
            w = w << 6 | (uint32_t)(c - b64chars);
        } else {
            free(p);
            goto einval;
        }
        if (++bits == 4) {
            p[o++] = (uint8_t)(w >> 16);
            p[o++] = (uint8_t)(w >> 8);
            p[o++] = (uint8_t)w;
            bits = 0;
            w = 0;
        }
    }
    o -= (size_t)pad;
    p[o] = '\0';
    *out = p;
    *n = o;
    return 0;
einval:
    errno = EINVAL;
    return -1;
}

json_t *flurm_json_u64(uint64_t v)
{
    char s[24];

    if (v <= INT64_MAX)
        return json_integer((json_int_t)v);
    snprintf(s, sizeof(s), "%" PRIu64, v);
    return json_string(s);
}

int flurm_json_get_u64(const json_t *j, uint64_t *v)
{
    const char *s;
    char *end;

    if (json_is_integer(j) && json_integer_value(j) >= 0) {
        *v = (uint64_t)json_integer_value(j);
        return 0;
    }
    if (json_is_string(j)) {
        s = json_string_value(j);
        if (*s >= '0' && *s <= '9') {
            errno = 0;
            *v = strtoull(s, &end, 10);
            if (errno == 0 && *end == '\0')
                return 0;
        }
    }
    errno = EINVAL;
    return -1;
}

static json_t *json_double(double d)
{
    char s[32];
    uint64_t bits;

    if (isfinite(d))
        return json_real(d);
    if (isinf(d))
        return json_string(d > 0 ? "inf" : "-inf");
    memcpy(&bits, &d, sizeof(bits));
    snprintf(s, sizeof(s), "nan:0x%016" PRIx64, bits);
    return json_string(s);
}

static int get_double(const json_t *j, double *d)
{
    const char *s;
    uint64_t bits;
    char *end;

    if (json_is_number(j)) {
        *d = json_number_value(j);
        return 0;
    }
    if (!json_is_string(j))
        goto einval;
    s = json_string_value(j);
    if (!strcmp(s, "inf")) {
        *d = INFINITY;
        return 0;
    }
    if (!strcmp(s, "-inf")) {
        *d = -INFINITY;
        return 0;
    }
    if (!strncmp(s, "nan:0x", 6)) {
        errno = 0;
        bits = strtoull(s + 6, &end, 16);
        if (errno || *end || end == s + 6)
            goto einval;
        memcpy(d, &bits, sizeof(*d));
        if (isnan(*d))
            return 0;
    }
einval:
    errno = EINVAL;
    return -1;
}

static json_t *json_longdouble(long double v)
{
    char s[64];

    if (isfinite(v) && (long double)(double)v == v)
        return json_real((double)v);
    snprintf(s, sizeof(s), isfinite(v) ? "%La" : "%Lf", v);
    return json_string(s);
}

static int get_longdouble(const json_t *j, long double *v)
{
    const char *s;
    char *end;

    if (json_is_number(j)) {
        *v = json_number_value(j);
        return 0;
    }
    if (json_is_string(j)) {
        s = json_string_value(j);
        *v = strtold(s, &end);
        if (*s && *end == '\0')
            return 0;
    }
    errno = EINVAL;
    return -1;
}

/* An unsigned number no larger than max. */
static int get_uint(const json_t *j, uint64_t max, uint64_t *v)
{
    if (flurm_json_get_u64(j, v) < 0 || *v > max) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

static json_t *json_str(const char *s)
{
    json_t *j, *o;

    if (!s)
        return json_null();
    if ((j = json_string(s)))
        return j;
    /* Not UTF-8: keep the bytes exactly. */
    if (!(o = json_object()))
        return NULL;
    if (json_object_set_new(o, "base64", b64_encode((const uint8_t *)s, strlen(s))) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int get_str(const json_t *j, char **out)
{
    const json_t *b;
    uint8_t *p;
    size_t n;

    *out = NULL;
    if (json_is_null(j))
        return 0;
    if (json_is_string(j)) {
        if (strlen(json_string_value(j)) != json_string_length(j))
            goto einval; /* an embedded NUL cannot live in a C string */
        if (!(*out = strdup(json_string_value(j))))
            return -1;
        return 0;
    }
    if (json_is_object(j) && (b = json_object_get(j, "base64")) && json_is_string(b)) {
        if (b64_decode(json_string_value(b), json_string_length(b), &p, &n) < 0)
            return -1;
        if (strlen((char *)p) != n) {
            free(p);
            goto einval;
        }
        *out = (char *)p;
        return 0;
    }
einval:
    errno = EINVAL;
    return -1;
}

/* ---- to JSON --------------------------------------------------------------- */

static json_t *fields_to_json(const struct flurm_record *r, const void *obj);

static json_t *num_array_to_json(enum flurm_ftype t, const void *a, uint32_t n)
{
    json_t *arr;

    if (!a)
        return json_null();
    if (!(arr = json_array()))
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        json_t *e = NULL;
        switch (t) {
        case FLURM_F_STR_ARRAY:
            e = json_str(((char *const *)a)[i]);
            break;
        case FLURM_F_U16_ARRAY:
            e = json_integer(((const uint16_t *)a)[i]);
            break;
        case FLURM_F_U32_ARRAY:
            e = json_integer(((const uint32_t *)a)[i]);
            break;
        case FLURM_F_U64_ARRAY:
            e = flurm_json_u64(((const uint64_t *)a)[i]);
            break;
        default:
            e = json_double(((const double *)a)[i]);
            break;
        }
        if (json_array_append_new(arr, e) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *field_to_json(const struct flurm_field *f, const void *obj)
{
    const char *p = CAT(obj, f->off);
    uint32_t n = flurm_record_has_count(f->type) ? *(const uint32_t *)CAT(obj, f->count_off) : 0;
    json_t *j, *arr;

    switch (f->type) {
    case FLURM_F_U8:
        return json_integer(*(const uint8_t *)p);
    case FLURM_F_BOOL:
        return json_boolean(*(const bool *)p);
    case FLURM_F_U16:
        return json_integer(*(const uint16_t *)p);
    case FLURM_F_U32:
        return json_integer(*(const uint32_t *)p);
    case FLURM_F_I32:
        return json_integer(*(const int32_t *)p);
    case FLURM_F_U64:
        return flurm_json_u64(*(const uint64_t *)p);
    case FLURM_F_TIME:
        return json_integer((json_int_t) * (const time_t *)p);
    case FLURM_F_DOUBLE:
        return json_double(*(const double *)p);
    case FLURM_F_LONGDOUBLE:
        return json_longdouble(*(const long double *)p);
    case FLURM_F_STR:
        return json_str(*(char *const *)p);
    case FLURM_F_MEM:
        if (!*(void *const *)p)
            return json_null();
        return b64_encode(*(uint8_t *const *)p, n);
    case FLURM_F_STR_ARRAY:
    case FLURM_F_U16_ARRAY:
    case FLURM_F_U32_ARRAY:
    case FLURM_F_U64_ARRAY:
    case FLURM_F_DOUBLE_ARRAY:
        return num_array_to_json(f->type, *(void *const *)p, n);
    case FLURM_F_BITSTR: {
        const struct flurm_bitstr *bs = (const struct flurm_bitstr *)p;
        if (!bs->hex)
            return json_null();
        return json_pack("{s:I, s:s}", "nbits", (json_int_t)bs->nbits, "hex", bs->hex);
    }
    case FLURM_F_ADDR: {
        const struct flurm_addr *a = (const struct flurm_addr *)p;
        char hex[33];
        for (int i = 0; i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", a->addr6[i]);
        return json_pack("{s:i, s:I, s:s, s:i}", "family", a->family, "addr4",
                         (json_int_t)a->addr4, "addr6", hex, "port", a->port);
    }
    case FLURM_F_RECORD:
        return fields_to_json(f->sub, p);
    case FLURM_F_LIST:
    case FLURM_F_ARRAY:
        if (!*(void *const *)p)
            return f->type == FLURM_F_LIST ? json_null() : json_array();
        if (!(arr = json_array()))
            return NULL;
        for (uint32_t i = 0; i < n; i++) {
            j = fields_to_json(f->sub, CAT(*(void *const *)p, (size_t)i * f->sub->size));
            if (json_array_append_new(arr, j) < 0) {
                json_decref(arr);
                return NULL;
            }
        }
        return arr;
    case FLURM_F_OPTIONAL8:
    case FLURM_F_OPTIONAL16:
    case FLURM_F_OPTIONAL_NOVAL:
        if (!*(void *const *)p)
            return json_null();
        return fields_to_json(f->sub, *(void *const *)p);
    case FLURM_F_GATED:
    case FLURM_F_GATED_COUNTS:
        return fields_to_json(f->sub, p);
    default:
        break;
    }
    return NULL;
}

/* Add the fields of r to the object o (the record's, or its parent's for an
 * INLINE record). */
static int fields_into_json(const struct flurm_record *r, const void *obj, json_t *o)
{
    uint32_t gate;

    for (size_t i = 0; i < r->nfields; i++) {
        const struct flurm_field *f = &r->fields[i];
        switch (f->type) {
        case FLURM_F_CUSTOM:
            if (f->custom && f->custom->to_json && f->custom->to_json(f, obj, o) < 0)
                return -1;
            continue;
        case FLURM_F_CONST8:
        case FLURM_F_CONST16:
        case FLURM_F_CONST32:
            continue;
        case FLURM_F_INLINE:
            if (fields_into_json(f->sub, CAT(obj, f->off), o) < 0)
                return -1;
            continue;
        case FLURM_F_GATED:
        case FLURM_F_GATED_COUNTS:
            /* Off the wire means absent from the JSON form too. */
            if (flurm_record_gate_value(r, i, obj, &gate) < 0)
                return -1;
            if (!gate)
                continue;
            break;
        default:
            break;
        }
        if (json_object_set_new(o, f->name, field_to_json(f, obj)) < 0)
            return -1;
    }
    return 0;
}

static json_t *fields_to_json(const struct flurm_record *r, const void *obj)
{
    json_t *o = json_object();

    if (o && fields_into_json(r, obj, o) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *flurm_record_to_json(const struct flurm_record *r, const void *obj)
{
    json_t *j;

    if (!r || !obj) {
        errno = EINVAL;
        return NULL;
    }
    if (!(j = fields_to_json(r, obj)))
        errno = ENOMEM;
    return j;
}

/* ---- from JSON ------------------------------------------------------------- */

static int fields_from_json(const struct flurm_record *r, const json_t *j, void *obj,
                            const char **err_field);

/* Store the JSON array length n at count_off; an earlier field that set the
 * same count (any version: JSON carries all) must agree. */
static int json_count(const struct flurm_record *r, size_t idx, void *obj, uint32_t n)
{
    const struct flurm_field *f = &r->fields[idx];
    uint32_t *cnt = (uint32_t *)AT(obj, f->count_off);

    if (flurm_record_count_is_shared(r, idx, f->count_off, 0, true) && *cnt != n) {
        errno = EINVAL;
        return -1;
    }
    *cnt = n;
    return 0;
}

static int array_from_json(const struct flurm_record *r, size_t idx, const json_t *j,
                           void *obj)
{
    const struct flurm_field *f = &r->fields[idx];
    size_t n, esize;
    char *a = NULL;
    uint64_t u;

    if (json_is_null(j))
        return json_count(r, idx, obj, 0);
    if (!json_is_array(j) || (n = json_array_size(j)) > FLURM_MAX_PACK_LEN)
        goto einval;
    switch (f->type) {
    case FLURM_F_STR_ARRAY:
        esize = sizeof(char *);
        break;
    case FLURM_F_U16_ARRAY:
        esize = sizeof(uint16_t);
        break;
    case FLURM_F_U32_ARRAY:
        esize = sizeof(uint32_t);
        break;
    default:
        esize = 8;
        break;
    }
    if (n && !(a = calloc(n, esize)))
        return -1;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(j, i);
        int rc = 0;
        switch (f->type) {
        case FLURM_F_STR_ARRAY:
            rc = get_str(e, &((char **)a)[i]);
            break;
        case FLURM_F_U16_ARRAY:
            rc = get_uint(e, UINT16_MAX, &u);
            ((uint16_t *)a)[i] = (uint16_t)u;
            break;
        case FLURM_F_U32_ARRAY:
            rc = get_uint(e, UINT32_MAX, &u);
            ((uint32_t *)a)[i] = (uint32_t)u;
            break;
        case FLURM_F_U64_ARRAY:
            rc = get_uint(e, UINT64_MAX, &((uint64_t *)a)[i]);
            break;
        default:
            rc = get_double(e, &((double *)a)[i]);
            break;
        }
        if (rc < 0)
            goto error;
    }
    if (json_count(r, idx, obj, (uint32_t)n) < 0)
        goto error;
    *(void **)AT(obj, f->off) = a;
    return 0;
einval:
    errno = EINVAL;
    return -1;
error:
    if (f->type == FLURM_F_STR_ARRAY)
        flurm_str_array_free((char **)a, (uint32_t)n);
    else
        free(a);
    return -1;
}

static int items_from_json(const struct flurm_record *r, size_t idx, const json_t *j,
                           void *obj, const char **err_field)
{
    const struct flurm_field *f = &r->fields[idx];
    const struct flurm_record *sub = f->sub;
    uint32_t *cnt = (uint32_t *)AT(obj, f->count_off);
    size_t n;
    char *items;

    if (json_is_null(j)) {
        if (f->type == FLURM_F_LIST)
            return json_count(r, idx, obj, 0);
        return 0;
    }
    if (!json_is_array(j) || (n = json_array_size(j)) >= FLURM_NO_VAL)
        goto einval;
    if (f->type == FLURM_F_ARRAY && n != *cnt)
        goto einval;
    if (f->type == FLURM_F_ARRAY && n == 0)
        return 0;
    if (!(items = calloc(n ? n : 1, sub->size ? sub->size : 1)))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (fields_from_json(sub, json_array_get(j, i), items + i * sub->size, err_field) <
            0) {
            flurm_record_free_items(sub, items, (uint32_t)i + 1);
            return -1;
        }
    }
    if (f->type == FLURM_F_LIST && json_count(r, idx, obj, (uint32_t)n) < 0) {
        flurm_record_free_items(sub, items, (uint32_t)n);
        return -1;
    }
    *(void **)AT(obj, f->off) = items;
    return 0;
einval:
    errno = EINVAL;
    return -1;
}

static int optional_from_json(const struct flurm_field *f, const json_t *j, void **slot,
                              const char **err_field)
{
    void *sub;

    if (json_is_null(j))
        return 0;
    if (!json_is_object(j))
        return flurm_record_einval();
    if (!(sub = calloc(1, f->sub->size ? f->sub->size : 1)))
        return -1;
    if (fields_from_json(f->sub, j, sub, err_field) < 0) {
        flurm_record_free_items(f->sub, sub, 1);
        return -1;
    }
    *slot = sub;
    return 0;
}

static int field_from_json(const struct flurm_record *r, size_t idx, const json_t *j,
                           void *obj, const char **err_field)
{
    const struct flurm_field *f = &r->fields[idx];
    char *p = AT(obj, f->off);
    uint64_t u;
    uint8_t *m;
    size_t n;

    switch (f->type) {
    case FLURM_F_U8:
        if (get_uint(j, UINT8_MAX, &u) < 0)
            return -1;
        *(uint8_t *)p = (uint8_t)u;
        return 0;
    case FLURM_F_BOOL:
        if (!json_is_boolean(j))
            goto einval;
        *(bool *)p = json_is_true(j);
        return 0;
    case FLURM_F_U16:
        if (get_uint(j, UINT16_MAX, &u) < 0)
            return -1;
        *(uint16_t *)p = (uint16_t)u;
        return 0;
    case FLURM_F_U32:
        if (get_uint(j, UINT32_MAX, &u) < 0)
            return -1;
        *(uint32_t *)p = (uint32_t)u;
        return 0;
    case FLURM_F_I32:
        if (!json_is_integer(j) || json_integer_value(j) < INT32_MIN ||
            json_integer_value(j) > INT32_MAX)
            goto einval;
        *(int32_t *)p = (int32_t)json_integer_value(j);
        return 0;
    case FLURM_F_U64:
        return get_uint(j, UINT64_MAX, (uint64_t *)p);
    case FLURM_F_TIME:
        if (!json_is_integer(j))
            goto einval;
        *(time_t *)p = (time_t)json_integer_value(j);
        return 0;
    case FLURM_F_DOUBLE:
        return get_double(j, (double *)p);
    case FLURM_F_LONGDOUBLE:
        return get_longdouble(j, (long double *)p);
    case FLURM_F_STR:
        return get_str(j, (char **)p);
    case FLURM_F_MEM:
        if (json_is_null(j))
            return json_count(r, idx, obj, 0);
        if (!json_is_string(j) ||
            b64_decode(json_string_value(j), json_string_length(j), &m, &n) < 0)
            goto einval;
        if (n > FLURM_MAX_PACK_LEN || json_count(r, idx, obj, (uint32_t)n) < 0) {
            free(m);
            goto einval;
        }
        *(void **)p = m;
        return 0;
    case FLURM_F_STR_ARRAY:
    case FLURM_F_U16_ARRAY:
    case FLURM_F_U32_ARRAY:
    case FLURM_F_U64_ARRAY:
    case FLURM_F_DOUBLE_ARRAY:
        return array_from_json(r, idx, j, obj);
    case FLURM_F_BITSTR: {
        struct flurm_bitstr *bs = (struct flurm_bitstr *)p;
        const json_t *hex;
        if (json_is_null(j))
            return 0;
        hex = json_object_get(j, "hex");
        if (!json_is_object(j) || get_uint(json_object_get(j, "nbits"), UINT32_MAX, &u) < 0 ||
            u == FLURM_NO_VAL || !json_is_string(hex) || !is_hexmask(json_string_value(hex)))
            goto einval;
        if (!(bs->hex = strdup(json_string_value(hex))))
            return -1;
        bs->nbits = (uint32_t)u;
        return 0;
    }
    case FLURM_F_ADDR: {
        struct flurm_addr *a = (struct flurm_addr *)p;
        const json_t *hex = json_object_get(j, "addr6");
        uint64_t fam, addr4, port;
        const char *h;
        if (!json_is_object(j) || get_uint(json_object_get(j, "family"), UINT16_MAX, &fam) < 0 ||
            get_uint(json_object_get(j, "addr4"), UINT32_MAX, &addr4) < 0 ||
            get_uint(json_object_get(j, "port"), UINT16_MAX, &port) < 0 ||
            !json_is_string(hex) || json_string_length(hex) != 32)
            goto einval;
        h = json_string_value(hex);
        for (int i = 0; i < 16; i++) {
            if (!is_hex_digit(h[2 * i]) || !is_hex_digit(h[2 * i + 1]))
                goto einval;
            a->addr6[i] = (uint8_t)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
        }
        a->family = (uint16_t)fam;
        a->addr4 = (uint32_t)addr4;
        a->port = (uint16_t)port;
        return 0;
    }
    case FLURM_F_RECORD:
        if (!json_is_object(j))
            goto einval;
        return fields_from_json(f->sub, j, p, err_field);
    case FLURM_F_LIST:
    case FLURM_F_ARRAY:
        return items_from_json(r, idx, j, obj, err_field);
    case FLURM_F_OPTIONAL8:
    case FLURM_F_OPTIONAL16:
    case FLURM_F_OPTIONAL_NOVAL:
        return optional_from_json(f, j, (void **)p, err_field);
    case FLURM_F_GATED:
    case FLURM_F_GATED_COUNTS: {
        uint32_t gate;
        if (json_is_null(j))
            return 0;
        if (!json_is_object(j))
            goto einval;
        if (fields_from_json(f->sub, j, p, err_field) < 0)
            return -1;
        if (f->type == FLURM_F_GATED_COUNTS &&
            (flurm_record_gate_value(r, idx, obj, &gate) < 0 ||
             !flurm_record_group_counts_are(f->sub, p, gate)))
            goto einval;
        return 0;
    }
    default:
        break;
    }
einval:
    errno = EINVAL;
    return -1;
}

static int fields_from_json(const struct flurm_record *r, const json_t *j, void *obj,
                            const char **err_field)
{
    if (!json_is_object(j)) {
        set_err(err_field, r->name);
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < r->nfields; i++) {
        const struct flurm_field *f = &r->fields[i];
        const json_t *v;
        int rc;

        switch (f->type) {
        case FLURM_F_CUSTOM:
            rc = f->custom && f->custom->from_json ? f->custom->from_json(f, obj, j) : 0;
            break;
        case FLURM_F_CONST8:
        case FLURM_F_CONST16:
        case FLURM_F_CONST32:
            continue;
        case FLURM_F_INLINE:
            rc = fields_from_json(f->sub, j, AT(obj, f->off), err_field);
            break;
        default:
            if (!(v = json_object_get(j, f->name)))
                continue; /* missing keys leave zero */
            rc = field_from_json(r, i, v, obj, err_field);
            break;
        }
        if (rc < 0) {
            set_err(err_field, f->name);
            return -1;
        }
    }
    return 0;
}

int flurm_record_from_json(const struct flurm_record *r, const json_t *j, void *obj,
                           const char **err_field)
{
    const char *err = NULL;

    if (decode_start(r, obj, j, err_field) < 0)
        return -1;
    if (fields_from_json(r, j, obj, &err) < 0) {
        flurm_record_free(r, obj);
        if (err_field)
            *err_field = err;
        if (errno != ENOMEM)
            errno = EINVAL;
        return -1;
    }
    return 0;
}
