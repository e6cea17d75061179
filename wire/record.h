/*
 * record.h - SLURM wire records defined once, as tables.
 *
 * A record is a C struct plus one table that lists its fields in wire order,
 * each with its wire type, its offset in the struct and the protocol versions
 * it exists in.  The same table drives packing, unpacking, freeing and the
 * JSON form used between FLURM services, so a field order can only be wrong
 * in one place, and a fix there fixes every direction.
 *
 * Versions: a field is on the wire for protocol version v when
 *   since <= v && (until == 0 || v < until).
 * 22.05 is FLURM_PROTO_22_05 (0x2600); 23.02 and 23.11 are added by adding
 * fields with since/until, never by a second hand-written codec.
 *
 * The recurring irregular shapes of SLURM's packers are field types too: a
 * constant (FLURM_F_CONST*), a sub-record behind a presence marker
 * (FLURM_F_OPTIONAL*), a sub-record sent only while an earlier count is
 * non-zero (FLURM_F_GATED*) and a sub-record whose members count as the
 * parent's (FLURM_F_INLINE, with a layout per protocol version when SLURM
 * reorders a record).  What is left (a field that changes width between
 * versions, a plugin id, bytes kept for a signature) is FLURM_F_CUSTOM:
 * callbacks that see the field and the whole record.
 */
#ifndef FLURM_WIRE_RECORD_H
#define FLURM_WIRE_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/pack.h"

#define FLURM_PROTO_21_08 0x2500
#define FLURM_PROTO_22_05 0x2600
#define FLURM_PROTO_23_02 0x2700
#define FLURM_PROTO_23_11 0x2800

enum flurm_ftype {
    FLURM_F_U8,           /* uint8_t */
    FLURM_F_BOOL,         /* bool (wire: one byte) */
    FLURM_F_U16,          /* uint16_t */
    FLURM_F_U32,          /* uint32_t */
    FLURM_F_I32,          /* int32_t sent as u32 (return codes, exit codes) */
    FLURM_F_U64,          /* uint64_t */
    FLURM_F_TIME,         /* time_t as signed 64-bit */
    FLURM_F_DOUBLE,       /* double, scaled by 1e6 on the wire */
    FLURM_F_LONGDOUBLE,   /* long double, as a "%Lf" string */
    FLURM_F_STR,          /* char * (NULL allowed) */
    FLURM_F_MEM,          /* void * with its uint32_t length at count_off */
    FLURM_F_STR_ARRAY,    /* char ** with its uint32_t count at count_off */
    FLURM_F_U16_ARRAY,    /* uint16_t * with uint32_t count at count_off */
    FLURM_F_U32_ARRAY,    /* uint32_t * with uint32_t count at count_off */
    FLURM_F_U64_ARRAY,    /* uint64_t * with uint32_t count at count_off */
    FLURM_F_DOUBLE_ARRAY, /* double * with uint32_t count at count_off */
    FLURM_F_BITSTR,       /* struct flurm_bitstr */
    FLURM_F_ADDR,         /* struct flurm_addr */
    FLURM_F_RECORD,       /* a struct of record `sub` embedded at off */
    FLURM_F_LIST,         /* pointer to an array of `sub` structs, uint32_t count at
                           * count_off; the count is packed here, NO_VAL when the
                           * pointer is NULL (SLURM's NULL list) */
    FLURM_F_ARRAY,        /* like LIST, but the count is a field packed earlier in
                           * this record (count_off points at it) */
    FLURM_F_CUSTOM,       /* callbacks in `custom` */
    /* No member, no JSON: `value` on the wire; unpack refuses anything else. */
    FLURM_F_CONST8,
    FLURM_F_CONST16,
    FLURM_F_CONST32,
    /* Pointer to a malloc'ed `sub` struct, NULL = absent.  On the wire a u8
     * (OPTIONAL8) or u16 (OPTIONAL16) marker: 0 = absent, `value` = present
     * and the sub-record follows; any other marker is refused. */
    FLURM_F_OPTIONAL8,
    FLURM_F_OPTIONAL16,
    /* The same pointer, absent on the wire as a u32 NO_VAL where the
     * sub-record's first field (a U32 that can never be NO_VAL) would be. */
    FLURM_F_OPTIONAL_NOVAL,
    /* A `sub` struct embedded at off, on the wire only while the integer
     * field at count_off (an earlier U8/U16/U32 field of this record, the
     * gate) is non-zero; absent from the JSON form while it is 0. */
    FLURM_F_GATED,
    /* GATED whose counted members (MEM and the arrays of `sub`) must each hold
     * exactly gate elements: SLURM sends that length once, before them. */
    FLURM_F_GATED_COUNTS,
    /* A `sub` struct embedded at off whose fields count as this record's:
     * their JSON keys sit in this record's object.  On the wire: the layout
     * of `layouts` for the version when given (JSON and free always use
     * `sub`, which must name every member), else `sub`; when `custom` is set,
     * its pack/unpack replace the wire form. */
    FLURM_F_INLINE,
};

/* A bitmap as SLURM sends it (pack_bit_str_hex): kept in wire form so that a
 * round trip is exact.  hex == NULL is SLURM's NULL bitmap. */
struct flurm_bitstr {
    uint32_t nbits;
    char *hex; /* "0x..." upper-case, most significant nibble first */
};

/* slurm_addr_t as packed by slurm_pack_addr, with the byte-order trap kept:
 * addr and port hold what is on the wire (see the wire doc, section 1.3). */
struct flurm_addr {
    uint16_t family; /* 0 = AF_UNSPEC, 2 = AF_INET, 10 = AF_INET6 */
    uint32_t addr4;
    uint8_t addr6[16];
    uint16_t port;
};

struct flurm_record;
struct flurm_field;

/* Callbacks of a FLURM_F_CUSTOM field (or the wire form of an INLINE one).
 * f is the field (borrowed; its off, name and value say which member the
 * callbacks serve, so one set of callbacks can serve many fields) and obj
 * the whole record struct.  0 or -1 with errno. */
struct flurm_custom {
    int (*pack)(const struct flurm_field *f, const void *obj, struct flurm_buf *b,
                uint16_t version);
    /* What unpack stores in obj before failing is released by free (the
     * engine frees the record on any failure). */
    int (*unpack)(const struct flurm_field *f, void *obj, struct flurm_buf *b, uint16_t version);
    void (*free)(const struct flurm_field *f, void *obj);
    /* JSON: add this field's value(s) to / read them from the record's
     * object.  NULL means the field has no JSON form (wire-only detail). */
    int (*to_json)(const struct flurm_field *f, const void *obj, json_t *record_json);
    int (*from_json)(const struct flurm_field *f, void *obj, const json_t *record_json);
};

/* One wire layout of an INLINE field: used from protocol version `since`
 * until the next entry's.  A list ends with { 0, NULL }. */
struct flurm_layout {
    uint16_t since;
    const struct flurm_record *record;
};

struct flurm_field {
    const char *name; /* JSON key; also used in error messages */
    enum flurm_ftype type;
    size_t off;
    size_t count_off;
    uint16_t since; /* 0 = every version */
    uint16_t until; /* 0 = still present */
    const struct flurm_record *sub;
    const struct flurm_custom *custom;
    uint32_t value;                      /* CONST*: the constant; OPTIONAL8/16: the marker */
    const struct flurm_layout *layouts;  /* INLINE: wire layout by version (optional) */
};

struct flurm_record {
    const char *name;
    size_t size; /* sizeof the struct */
    const struct flurm_field *fields;
    size_t nfields;
};

/* Table-building helpers.  ST is the struct type, M the member. */
#define FLURM_FLD(ST, M, T) \
    { .name = #M, .type = (T), .off = offsetof(ST, M) }
#define FLURM_FLD_V(ST, M, T, SINCE, UNTIL) \
    { .name = #M, .type = (T), .off = offsetof(ST, M), .since = (SINCE), .until = (UNTIL) }
#define FLURM_FLD_N(ST, M, T, COUNT) \
    { .name = #M, .type = (T), .off = offsetof(ST, M), .count_off = offsetof(ST, COUNT) }
#define FLURM_FLD_SUB(ST, M, T, SUB) \
    { .name = #M, .type = (T), .off = offsetof(ST, M), .sub = &(SUB) }
#define FLURM_FLD_SUBN(ST, M, T, SUB, COUNT) \
    { .name = #M, .type = (T), .off = offsetof(ST, M), .sub = &(SUB), \
      .count_off = offsetof(ST, COUNT) }
#define FLURM_FLD_CUSTOM(NAME, CUSTOM) \
    { .name = (NAME), .type = FLURM_F_CUSTOM, .custom = &(CUSTOM) }
/* A custom field serving member M (its callbacks find it at f->off), in
 * every version or in [SINCE, UNTIL). */
#define FLURM_FLD_CUSTOM_AT(ST, M, CUSTOM) \
    { .name = #M, .type = FLURM_F_CUSTOM, .off = offsetof(ST, M), .custom = &(CUSTOM) }
#define FLURM_FLD_CUSTOM_V(ST, M, CUSTOM, SINCE, UNTIL) \
    { .name = #M, .type = FLURM_F_CUSTOM, .off = offsetof(ST, M), .custom = &(CUSTOM), \
      .since = (SINCE), .until = (UNTIL) }
/* Fields that exist only in protocol versions [SINCE, UNTIL): counted (an
 * array whose element count is member COUNT), a sub-record, a counted list
 * of sub-records. */
#define FLURM_FLD_NV(ST, M, T, COUNT, SINCE, UNTIL) \
    { .name = #M, .type = (T), .off = offsetof(ST, M), .count_off = offsetof(ST, COUNT), \
      .since = (SINCE), .until = (UNTIL) }
#define FLURM_FLD_SUBV(ST, M, T, SUB, SINCE, UNTIL) \
    { .name = #M, .type = (T), .off = offsetof(ST, M), .sub = &(SUB), \
      .since = (SINCE), .until = (UNTIL) }
#define FLURM_FLD_SUBNV(ST, M, T, SUB, COUNT, SINCE, UNTIL) \
    { .name = #M, .type = (T), .off = offsetof(ST, M), .sub = &(SUB), \
      .count_off = offsetof(ST, COUNT), .since = (SINCE), .until = (UNTIL) }
/* A custom field serving member M and its uint32_t count COUNT. */
#define FLURM_FLD_CUSTOM_N(ST, M, CUSTOM, COUNT) \
    { .name = #M, .type = FLURM_F_CUSTOM, .off = offsetof(ST, M), \
      .count_off = offsetof(ST, COUNT), .custom = &(CUSTOM) }
#define FLURM_FLD_CONST8(NAME, V) { .name = (NAME), .type = FLURM_F_CONST8, .value = (V) }
#define FLURM_FLD_CONST16(NAME, V) { .name = (NAME), .type = FLURM_F_CONST16, .value = (V) }
#define FLURM_FLD_CONST32(NAME, V) { .name = (NAME), .type = FLURM_F_CONST32, .value = (V) }
/* Member M points at a SUB struct; T is FLURM_F_OPTIONAL8/16 with marker
 * MARK, or FLURM_F_OPTIONAL_NOVAL (MARK unused, 0). */
#define FLURM_FLD_OPTIONAL(ST, M, T, SUB, MARK) \
    { .name = #M, .type = (T), .off = offsetof(ST, M), .sub = &(SUB), .value = (MARK) }
/* Member M is a SUB struct on the wire while member GATE is non-zero; T is
 * FLURM_F_GATED or FLURM_F_GATED_COUNTS. */
#define FLURM_FLD_GATED(ST, M, T, SUB, GATE) \
    { .name = #M, .type = (T), .off = offsetof(ST, M), .sub = &(SUB), \
      .count_off = offsetof(ST, GATE) }
/* A SUB struct at offset OFF whose fields count as this record's (OFF 0 with
 * SUB describing this very struct gives the record another table, e.g. a
 * layout).  NAME names it in error messages. */
#define FLURM_FLD_INLINE(NAME, OFF, SUB) \
    { .name = (NAME), .type = FLURM_F_INLINE, .off = (OFF), .sub = &(SUB) }
#define FLURM_RECORD(VAR, ST, FIELDS) \
    const struct flurm_record VAR = { #ST, sizeof(ST), FIELDS, \
                                      sizeof(FIELDS) / sizeof((FIELDS)[0]) }

/* For custom callbacks: the member of obj at a field's offset. */
#define FLURM_AT(obj, off) ((char *)(obj) + (off))
#define FLURM_CAT(obj, off) ((const char *)(obj) + (off))

/* For custom callbacks: mark b as holding malformed input and return -1. */
int flurm_record_bad_input(struct flurm_buf *b);

/* For custom callbacks: errno EINVAL, return -1. */
int flurm_record_einval(void);

/* For to_json callbacks: j[key] = value (taken; NULL means it could not be
 * made).  0, or -1 and ENOMEM. */
int flurm_record_json_set(json_t *j, const char *key, json_t *value);

/* Pack obj (borrowed) as record r for protocol version.  0 or -1/errno. */
int flurm_record_pack(const struct flurm_record *r, const void *obj, struct flurm_buf *b,
                      uint16_t version);
/* Unpack into obj (caller-provided, r->size bytes, zeroed by this call).
 * On failure everything already unpacked is freed and obj is zeroed again;
 * -1 with errno = EBADMSG and, when given, *err_field set to the failing
 * field's name (borrowed, static). */
int flurm_record_unpack(const struct flurm_record *r, void *obj, struct flurm_buf *b,
                        uint16_t version, const char **err_field);
/* Free what unpack (or from_json) allocated inside obj; obj itself is the
 * caller's.  NULL-safe. */
void flurm_record_free(const struct flurm_record *r, void *obj);

/* JSON form: an object keyed by field names (all versions' fields). New
 * reference owned by the caller, or NULL/ENOMEM.  Lossless: u64 values above
 * INT64_MAX (NO_VAL64, INFINITE64) are decimal strings; non-finite doubles
 * are "inf", "-inf" or "nan:0x<IEEE bits>"; a long double that a double
 * cannot hold exactly is a "%La" string; a non-UTF-8 string is
 * {"base64": ...}; MEM is base64; a bitmap is {"nbits", "hex"} or null; an
 * address is {"family", "addr4", "addr6" (32 hex digits), "port"}; a NULL
 * list is null and an empty one []. */
json_t *flurm_record_to_json(const struct flurm_record *r, const void *obj);
/* Fill obj (zeroed first) from JSON; missing keys leave zero/NULL; wrong
 * types are -1/EINVAL with *err_field set. */
int flurm_record_from_json(const struct flurm_record *r, const json_t *j, void *obj,
                           const char **err_field);

/* Codecs of the two structured field types, for custom callbacks.  A
 * bitmap's hex is malloc'ed (caller frees with flurm_bitstr_free); unpack
 * checks that it is a hex mask but keeps it as sent. */
int flurm_bitstr_pack(struct flurm_buf *b, const struct flurm_bitstr *bs);
int flurm_bitstr_unpack(struct flurm_buf *b, struct flurm_bitstr *bs);
void flurm_bitstr_free(struct flurm_bitstr *bs); /* frees hex; NULL-safe */
/* Make bs an all-clear bitmap of nbits bits (replacing any old hex). */
int flurm_bitstr_init(struct flurm_bitstr *bs, uint32_t nbits);
/* Set / test bit i (bit 0 = low bit of the last hex digit); set is -1/ERANGE
 * past nbits, test is 0 there. */
int flurm_bitstr_set(struct flurm_bitstr *bs, uint32_t bit);
int flurm_bitstr_test(const struct flurm_bitstr *bs, uint32_t bit);
/* slurm_addr_t: AF_INET u32 + u16, AF_INET6 mem(16) + u16, other families
 * nothing after the family.  Values are kept as on the wire (see struct). */
int flurm_addr_pack(struct flurm_buf *b, const struct flurm_addr *a);
int flurm_addr_unpack(struct flurm_buf *b, struct flurm_addr *a);

/* The record JSON form of a u64: a number up to INT64_MAX, a decimal string
 * above (NO_VAL64, INFINITE64 ...), so nothing is lost in jansson's signed
 * integers.  New reference / 0 or -1 (EINVAL); custom callbacks use these. */
json_t *flurm_json_u64(uint64_t v);
int flurm_json_get_u64(const json_t *j, uint64_t *v);

#endif
