/*
 * saved.c - the saved form of a record (saved.h): writing a record table's
 * fields as self-describing binary entries, and reading them back.
 *
 * Layout (integers big-endian, flurm_pack*):
 *   u32 magic "FRS1", u16 name length, the record's name, u32 body length,
 *   body = entries; entry = u8 type, u16 name length, name, u32 value
 *   length, value.  A sub-record's value is its entries; a list's value is
 *   u8 present, u32 count, then per item u32 length + entries.
 *
 * Reading never trusts a length: every entry's value must end exactly where
 * its length says, every count is checked against the bytes left before
 * anything is allocated for it, and a field stored twice in one record is
 * refused (the second copy would leak the first).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wire/record_int.h"
#include "wire/saved.h"

#define SAVED_MAGIC 0x46525331u /* "FRS1" */
/* Fields one record may have: the "seen" set of a record lives on the
 * stack while it is read. */
#define SAVED_MAX_FIELDS 512

#define AT(obj, off) ((char *)(obj) + (off))
#define CAT(obj, off) ((const char *)(obj) + (off))

/* ---- writing --------------------------------------------------------------- */

static int save_fields(const struct flurm_record *r, const void *obj, struct flurm_buf *b);

/* Entry header; *len_off is where the value's length goes once known. */
static int entry_begin(struct flurm_buf *b, enum flurm_ftype t, const char *name,
                       size_t *len_off)
{
    size_t n = strlen(name);

    if (n > UINT16_MAX || flurm_pack8(b, (uint8_t)t) < 0 || flurm_pack16(b, (uint16_t)n) < 0 ||
        flurm_pack_raw(b, name, n) < 0)
        return -1;
    *len_off = flurm_buf_len(b);
    return flurm_pack32(b, 0);
}

static int entry_end(struct flurm_buf *b, size_t len_off)
{
    size_t n = flurm_buf_len(b) - len_off - 4;

    if (n > UINT32_MAX) {
        errno = EINVAL;
        return -1;
    }
    return flurm_pack32_at(b, len_off, (uint32_t)n);
}

static int pack_double_bits(struct flurm_buf *b, double d)
{
    uint64_t bits;

    memcpy(&bits, &d, sizeof(bits));
    return flurm_pack64(b, bits);
}

/* What comes before a counted pointer's elements: u8 present, and when
 * present u32 n.  1 if the elements follow, 0 for NULL, -1 on failure. */
static int save_counted_head(const void *p, uint32_t n, struct flurm_buf *b)
{
    if (flurm_pack8(b, p != NULL) < 0 || (p && flurm_pack32(b, n) < 0))
        return -1;
    return p != NULL;
}

static int save_array(enum flurm_ftype t, const void *a, uint32_t n, struct flurm_buf *b)
{
    int present = save_counted_head(a, n, b);

    if (present <= 0)
        return present;
    if (t == FLURM_F_MEM)
        return flurm_pack_raw(b, a, n);
    for (uint32_t i = 0; i < n; i++) {
        int rc;
        switch (t) {
        case FLURM_F_STR_ARRAY:
            rc = flurm_packstr(b, ((char *const *)a)[i]);
            break;
        case FLURM_F_U16_ARRAY:
            rc = flurm_pack16(b, ((const uint16_t *)a)[i]);
            break;
        case FLURM_F_U32_ARRAY:
            rc = flurm_pack32(b, ((const uint32_t *)a)[i]);
            break;
        case FLURM_F_U64_ARRAY:
            rc = flurm_pack64(b, ((const uint64_t *)a)[i]);
            break;
        default:
            rc = pack_double_bits(b, ((const double *)a)[i]);
            break;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* A sub-record as one length-prefixed run of entries (a list's item). */
static int save_item(const struct flurm_record *sub, const void *item, struct flurm_buf *b)
{
    size_t len_off = flurm_buf_len(b);

    if (flurm_pack32(b, 0) < 0 || save_fields(sub, item, b) < 0)
        return -1;
    return entry_end(b, len_off);
}

/* A custom field's value: the compact JSON text of what its to_json adds
 * to an empty object. */
static int save_custom(const struct flurm_field *f, const void *obj, struct flurm_buf *b)
{
    json_t *o = json_object();
    char *text = NULL;
    int rc = -1;

    if (!o || f->custom->to_json(f, obj, o) < 0 || !(text = json_dumps(o, JSON_COMPACT)))
        errno = ENOMEM;
    else
        rc = flurm_pack_raw(b, text, strlen(text));
    free(text);
    json_decref(o);
    return rc;
}

static int save_value(const struct flurm_record *r, size_t idx, const void *obj,
                      struct flurm_buf *b)
{
    const struct flurm_field *f = &r->fields[idx];
    const char *p = CAT(obj, f->off);
    uint32_t n = flurm_record_has_count(f->type) ? *(const uint32_t *)CAT(obj, f->count_off) : 0;
    char ld[64];

    if (flurm_record_is_int(f->type))
        return flurm_record_pack_int(f->type, p, b);
    switch (f->type) {
    case FLURM_F_DOUBLE:
        return pack_double_bits(b, *(const double *)p);
    case FLURM_F_LONGDOUBLE:
        snprintf(ld, sizeof(ld), "%La", *(const long double *)p);
        return flurm_packstr(b, ld);
    case FLURM_F_STR:
        return flurm_packstr(b, *(char *const *)p);
    case FLURM_F_MEM:
    case FLURM_F_STR_ARRAY:
    case FLURM_F_U16_ARRAY:
    case FLURM_F_U32_ARRAY:
    case FLURM_F_U64_ARRAY:
    case FLURM_F_DOUBLE_ARRAY:
        return save_array(f->type, *(void *const *)p, n, b);
    case FLURM_F_BITSTR:
        return flurm_bitstr_pack(b, (const struct flurm_bitstr *)p);
    case FLURM_F_ADDR: {
        const struct flurm_addr *a = (const struct flurm_addr *)p;
        if (flurm_pack16(b, a->family) < 0 || flurm_pack32(b, a->addr4) < 0 ||
            flurm_pack_raw(b, a->addr6, sizeof(a->addr6)) < 0)
            return -1;
        return flurm_pack16(b, a->port);
    }
    case FLURM_F_RECORD:
    case FLURM_F_INLINE:
    case FLURM_F_GATED:
    case FLURM_F_GATED_COUNTS:
        return save_fields(f->sub, p, b);
    case FLURM_F_LIST:
    case FLURM_F_ARRAY: {
        const char *items = *(const char *const *)p;
        int present = save_counted_head(items, n, b);
        if (present <= 0)
            return present;
        for (uint32_t i = 0; i < n; i++) {
            if (save_item(f->sub, items + (size_t)i * f->sub->size, b) < 0)
                return -1;
        }
        return 0;
    }
    case FLURM_F_OPTIONAL8:
    case FLURM_F_OPTIONAL16:
    case FLURM_F_OPTIONAL_NOVAL:
        if (flurm_pack8(b, *(void *const *)p != NULL) < 0)
            return -1;
        return *(void *const *)p ? save_fields(f->sub, *(void *const *)p, b) : 0;
    case FLURM_F_CUSTOM:
        return save_custom(f, obj, b);
    default:
        break;
    }
    errno = EINVAL;
    return -1;
}

static int save_fields(const struct flurm_record *r, const void *obj, struct flurm_buf *b)
{
    if (r->nfields > SAVED_MAX_FIELDS) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < r->nfields; i++) {
        const struct flurm_field *f = &r->fields[i];
        uint32_t gate;
        size_t len_off;

        switch (f->type) {
        case FLURM_F_CONST8:
        case FLURM_F_CONST16:
        case FLURM_F_CONST32:
            continue;
        case FLURM_F_CUSTOM:
            if (!f->custom || !f->custom->to_json)
                continue; /* a wire-only detail */
            break;
        case FLURM_F_GATED:
        case FLURM_F_GATED_COUNTS:
            if (flurm_record_gate_value(r, i, obj, &gate) < 0)
                return -1;
            if (!gate)
                continue;
            break;
        default:
            break;
        }
        if (entry_begin(b, f->type, f->name, &len_off) < 0 || save_value(r, i, obj, b) < 0 ||
            entry_end(b, len_off) < 0)
            return -1;
    }
    return 0;
}

int flurm_record_save(const struct flurm_record *r, const void *obj, struct flurm_buf *b)
{
    size_t n, len_off;

    if (!r || !obj || !b) {
        errno = EINVAL;
        return -1;
    }
    n = strlen(r->name);
    if (n > UINT16_MAX || flurm_pack32(b, SAVED_MAGIC) < 0 || flurm_pack16(b, (uint16_t)n) < 0 ||
        flurm_pack_raw(b, r->name, n) < 0)
        return -1;
    len_off = flurm_buf_len(b);
    if (flurm_pack32(b, 0) < 0 || save_fields(r, obj, b) < 0)
        return -1;
    return entry_end(b, len_off);
}

/* ---- reading --------------------------------------------------------------- */

static int load_fields(const struct flurm_record *r, void *obj, struct flurm_buf *b,
                       size_t end, const char **err_field);

static int bad(struct flurm_buf *b)
{
    flurm_buf_set_error(b);
    return -1;
}

/* The u8 before a pointer's value: 1 present, 0 NULL, anything else bad. */
static int load_presence(struct flurm_buf *b, uint8_t *present)
{
    if (flurm_unpack8(b, present) < 0)
        return -1;
    return *present > 1 ? bad(b) : 0;
}

/* A counted member gets n; a count an earlier field of r already set (a
 * shared count) must agree. */
static int load_count(const struct flurm_record *r, size_t idx, void *obj, uint32_t n,
                      struct flurm_buf *b)
{
    const struct flurm_field *f = &r->fields[idx];
    uint32_t *cnt = (uint32_t *)AT(obj, f->count_off);

    if (flurm_record_count_is_shared(r, idx, f->count_off, 0, true) && *cnt != n)
        return bad(b);
    *cnt = n;
    return 0;
}

static int unpack_double_bits(struct flurm_buf *b, double *d)
{
    uint64_t bits;

    if (flurm_unpack64(b, &bits) < 0)
        return -1;
    memcpy(d, &bits, sizeof(bits));
    return 0;
}

static size_t element_size(enum flurm_ftype t)
{
    switch (t) {
    case FLURM_F_MEM:
        return 1;
    case FLURM_F_STR_ARRAY:
        return 4; /* at least a length */
    case FLURM_F_U16_ARRAY:
        return 2;
    case FLURM_F_U32_ARRAY:
        return 4;
    default:
        return 8;
    }
}

static int load_array(const struct flurm_record *r, size_t idx, void *obj, struct flurm_buf *b)
{
    const struct flurm_field *f = &r->fields[idx];
    size_t esize = element_size(f->type);
    const uint8_t *raw;
    uint8_t present;
    uint32_t n;
    char *a = NULL;

    if (load_presence(b, &present) < 0)
        return -1;
    if (!present)
        return load_count(r, idx, obj, 0, b);
    if (flurm_unpack32(b, &n) < 0)
        return -1;
    if (n > FLURM_MAX_PACK_LEN || n > flurm_buf_remaining(b) / esize)
        return bad(b);
    /* A present array of none stays a non-NULL pointer, as it was saved. */
    if (!(a = calloc(n ? n : 1, f->type == FLURM_F_STR_ARRAY ? sizeof(char *) : esize)))
        return -1;
    if (f->type == FLURM_F_MEM) {
        if (flurm_unpack_raw(b, &raw, n) < 0)
            goto error;
        memcpy(a, raw, n);
    }
    for (uint32_t i = 0; f->type != FLURM_F_MEM && i < n; i++) {
        int rc;
        switch (f->type) {
        case FLURM_F_STR_ARRAY:
            rc = flurm_unpackstr(b, &((char **)a)[i]);
            break;
        case FLURM_F_U16_ARRAY:
            rc = flurm_unpack16(b, &((uint16_t *)a)[i]);
            break;
        case FLURM_F_U32_ARRAY:
            rc = flurm_unpack32(b, &((uint32_t *)a)[i]);
            break;
        case FLURM_F_U64_ARRAY:
            rc = flurm_unpack64(b, &((uint64_t *)a)[i]);
            break;
        default:
            rc = unpack_double_bits(b, &((double *)a)[i]);
            break;
        }
        if (rc < 0)
            goto error;
    }
    if (load_count(r, idx, obj, n, b) < 0)
        goto error;
    *(void **)AT(obj, f->off) = a;
    return 0;
error:
    if (f->type == FLURM_F_STR_ARRAY)
        flurm_str_array_free((char **)a, n);
    else
        free(a);
    return -1;
}

/* One length-prefixed run of entries into a zeroed `sub` struct. */
static int load_item(const struct flurm_record *sub, void *item, struct flurm_buf *b,
                     const char **err_field)
{
    uint32_t len;

    if (flurm_unpack32(b, &len) < 0)
        return -1;
    if (len > flurm_buf_remaining(b))
        return bad(b);
    return load_fields(sub, item, b, flurm_buf_offset(b) + len, err_field);
}

static int load_items(const struct flurm_record *r, size_t idx, void *obj, struct flurm_buf *b,
                      const char **err_field)
{
    const struct flurm_field *f = &r->fields[idx];
    const struct flurm_record *sub = f->sub;
    uint8_t present;
    uint32_t n;
    char *items;

    if (load_presence(b, &present) < 0)
        return -1;
    if (!present)
        return f->type == FLURM_F_LIST ? load_count(r, idx, obj, 0, b) : 0;
    /* Each item takes at least its u32 length. */
    if (flurm_unpack32(b, &n) < 0 || n >= FLURM_NO_VAL || n > flurm_buf_remaining(b) / 4)
        return bad(b);
    if (f->type == FLURM_F_ARRAY && n != *(const uint32_t *)CAT(obj, f->count_off))
        return bad(b);
    if (!(items = calloc(n ? n : 1, sub->size ? sub->size : 1)))
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        if (load_item(sub, items + (size_t)i * sub->size, b, err_field) < 0) {
            flurm_record_free_items(sub, items, i + 1);
            return -1;
        }
    }
    if (f->type == FLURM_F_LIST && load_count(r, idx, obj, n, b) < 0) {
        flurm_record_free_items(sub, items, n);
        return -1;
    }
    *(void **)AT(obj, f->off) = items;
    return 0;
}

static int load_custom(const struct flurm_field *f, void *obj, struct flurm_buf *b, size_t end)
{
    size_t n = end - flurm_buf_offset(b);
    const uint8_t *text;
    json_t *o;
    int rc;

    if (flurm_unpack_raw(b, &text, n) < 0)
        return -1;
    if (!(o = json_loadb((const char *)text, n, JSON_REJECT_DUPLICATES, NULL)) ||
        !json_is_object(o)) {
        json_decref(o);
        return bad(b);
    }
    rc = f->custom->from_json(f, obj, o);
    json_decref(o);
    if (rc < 0 && errno != ENOMEM)
        return bad(b);
    return rc;
}

/* The value of field idx of r, which ends at `end`. */
static int load_value(const struct flurm_record *r, size_t idx, void *obj, struct flurm_buf *b,
                      size_t end, const char **err_field)
{
    const struct flurm_field *f = &r->fields[idx];
    char *p = AT(obj, f->off);
    uint32_t gate;
    uint8_t present;
    char *s;

    if (flurm_record_is_int(f->type))
        return flurm_record_unpack_int(f->type, p, b);
    switch (f->type) {
    case FLURM_F_DOUBLE:
        return unpack_double_bits(b, (double *)p);
    case FLURM_F_LONGDOUBLE: {
        char *endp = NULL;
        bool ok;
        if (flurm_unpackstr(b, &s) < 0)
            return -1;
        if (s)
            *(long double *)p = strtold(s, &endp);
        ok = s && endp != s && *endp == '\0';
        free(s);
        return ok ? 0 : bad(b);
    }
    case FLURM_F_STR:
        return flurm_unpackstr(b, (char **)p);
    case FLURM_F_MEM:
    case FLURM_F_STR_ARRAY:
    case FLURM_F_U16_ARRAY:
    case FLURM_F_U32_ARRAY:
    case FLURM_F_U64_ARRAY:
    case FLURM_F_DOUBLE_ARRAY:
        return load_array(r, idx, obj, b);
    case FLURM_F_BITSTR:
        return flurm_bitstr_unpack(b, (struct flurm_bitstr *)p);
    case FLURM_F_ADDR: {
        struct flurm_addr *a = (struct flurm_addr *)p;
        const uint8_t *raw;
        if (flurm_unpack16(b, &a->family) < 0 || flurm_unpack32(b, &a->addr4) < 0 ||
            flurm_unpack_raw(b, &raw, sizeof(a->addr6)) < 0)
            return -1;
        memcpy(a->addr6, raw, sizeof(a->addr6));
        return flurm_unpack16(b, &a->port);
    }
    case FLURM_F_RECORD:
    case FLURM_F_INLINE:
        return load_fields(f->sub, p, b, end, err_field);
    case FLURM_F_GATED:
    case FLURM_F_GATED_COUNTS:
        if (load_fields(f->sub, p, b, end, err_field) < 0)
            return -1;
        if (f->type == FLURM_F_GATED_COUNTS &&
            (flurm_record_gate_value(r, idx, obj, &gate) < 0 ||
             !flurm_record_group_counts_are(f->sub, p, gate)))
            return bad(b);
        return 0;
    case FLURM_F_LIST:
    case FLURM_F_ARRAY:
        return load_items(r, idx, obj, b, err_field);
    case FLURM_F_OPTIONAL8:
    case FLURM_F_OPTIONAL16:
    case FLURM_F_OPTIONAL_NOVAL: {
        void *sub;
        if (load_presence(b, &present) < 0)
            return -1;
        if (!present)
            return 0;
        if (!(sub = calloc(1, f->sub->size ? f->sub->size : 1)))
            return -1;
        if (load_fields(f->sub, sub, b, end, err_field) < 0) {
            flurm_record_free_items(f->sub, sub, 1);
            return -1;
        }
        *(void **)p = sub;
        return 0;
    }
    case FLURM_F_CUSTOM:
        return load_custom(f, obj, b, end);
    default:
        break;
    }
    return bad(b);
}

/* The field of r a stored entry names: the one after the last match when
 * the names agree (fields saved in table order), else any. */
static long find_field(const struct flurm_record *r, size_t next, const uint8_t *name, size_t n)
{
    if (memchr(name, '\0', n))
        return -1;
    for (size_t k = 0; k < r->nfields; k++) {
        size_t i = (next + k) % r->nfields;
        const char *fname = r->fields[i].name;
        if (fname && strncmp(fname, (const char *)name, n) == 0 && fname[n] == '\0')
            return (long)i;
    }
    return -1;
}

/* Is field i one whose saved entry this engine reads? */
static bool is_saved(const struct flurm_field *f)
{
    switch (f->type) {
    case FLURM_F_CONST8:
    case FLURM_F_CONST16:
    case FLURM_F_CONST32:
        return false;
    case FLURM_F_CUSTOM:
        return f->custom && f->custom->from_json;
    default:
        return true;
    }
}

static int load_fields(const struct flurm_record *r, void *obj, struct flurm_buf *b,
                       size_t end, const char **err_field)
{
    uint64_t seen[SAVED_MAX_FIELDS / 64] = {0};
    size_t next = 0;

    if (r->nfields > SAVED_MAX_FIELDS || end > flurm_buf_len(b))
        return bad(b);
    while (flurm_buf_offset(b) < end) {
        const uint8_t *name;
        uint16_t name_len;
        uint8_t type;
        uint32_t len;
        size_t value_end;
        long i;

        if (flurm_unpack8(b, &type) < 0 || flurm_unpack16(b, &name_len) < 0 ||
            flurm_unpack_raw(b, &name, name_len) < 0 || flurm_unpack32(b, &len) < 0)
            return -1;
        if (flurm_buf_offset(b) > end || len > end - flurm_buf_offset(b))
            return bad(b);
        value_end = flurm_buf_offset(b) + len;
        if ((i = find_field(r, next, name, name_len)) < 0 || !is_saved(&r->fields[i])) {
            /* A field this table no longer has (or no longer saves). */
            if (flurm_buf_seek(b, value_end) < 0)
                return -1;
            continue;
        }
        if (type != r->fields[i].type || (seen[i / 64] >> (i % 64) & 1)) {
            *err_field = r->fields[i].name;
            return bad(b);
        }
        seen[i / 64] |= 1ull << (i % 64);
        if (load_value(r, (size_t)i, obj, b, value_end, err_field) < 0 ||
            flurm_buf_offset(b) != value_end) {
            if (!*err_field)
                *err_field = r->fields[i].name;
            return errno == ENOMEM ? -1 : bad(b);
        }
        next = (size_t)i + 1;
    }
    return flurm_buf_offset(b) == end ? 0 : bad(b);
}

int flurm_record_load(const struct flurm_record *r, void *obj, struct flurm_buf *b,
                      const char **err_field)
{
    const char *err = NULL;
    const uint8_t *name;
    uint32_t magic, len;
    uint16_t name_len;

    if (err_field)
        *err_field = NULL;
    if (!r || !obj || !b) {
        errno = EINVAL;
        return -1;
    }
    memset(obj, 0, r->size);
    if (flurm_unpack32(b, &magic) < 0 || magic != SAVED_MAGIC ||
        flurm_unpack16(b, &name_len) < 0 || flurm_unpack_raw(b, &name, name_len) < 0 ||
        name_len != strlen(r->name) || memcmp(name, r->name, name_len) != 0 ||
        flurm_unpack32(b, &len) < 0 || len > flurm_buf_remaining(b)) {
        err = r->name;
        goto error;
    }
    if (load_fields(r, obj, b, flurm_buf_offset(b) + len, &err) == 0)
        return 0;
error:
    flurm_record_free(r, obj);
    if (err_field)
        *err_field = err ? err : r->name;
    if (errno != ENOMEM) {
        flurm_buf_set_error(b);
        errno = EBADMSG;
    }
    return -1;
}
