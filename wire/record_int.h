/*
 * record_int.h - the record engine's table rules, shared by the files that
 * walk record tables (record.c: wire and JSON; saved.c: the saved form).
 * Not part of wire/'s public API.
 */
#ifndef FLURM_WIRE_RECORD_INT_H
#define FLURM_WIRE_RECORD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/record.h"

/* MEM and the arrays of plain values: a pointer and its uint32_t length. */
bool flurm_record_is_counted(enum flurm_ftype t);

/* Does t keep an element count at count_off? */
bool flurm_record_has_count(enum flurm_ftype t);

/* True when an earlier field of r (active in v, or any version when
 * all_versions) already sets the count member at count_off. */
bool flurm_record_count_is_shared(const struct flurm_record *r, size_t idx, size_t count_off,
                                  uint16_t v, bool all_versions);

/* The value of the gate of a GATED field idx of r: the U8/U16/U32 field
 * before it whose member is at count_off.  -1/EINVAL when the table names
 * no such field. */
int flurm_record_gate_value(const struct flurm_record *r, size_t idx, const void *obj,
                            uint32_t *gate);

/* For GATED_COUNTS: does every counted member of the group hold n items? */
bool flurm_record_group_counts_are(const struct flurm_record *sub, const void *group,
                                   uint32_t n);

/* The integer types (U8, BOOL, U16, U32, I32, U64, TIME): encoded alike in
 * the wire form and the saved form. */
bool flurm_record_is_int(enum flurm_ftype t);

/* Pack / unpack the member at p of integer type t.  0, or -1 with errno
 * (the unpack: EBADMSG, the buffer's error set). */
int flurm_record_pack_int(enum flurm_ftype t, const void *p, struct flurm_buf *b);
int flurm_record_unpack_int(enum flurm_ftype t, void *p, struct flurm_buf *b);

/* Free n `sub` structs at items (their members, then the array itself).
 * NULL-safe. */
void flurm_record_free_items(const struct flurm_record *sub, void *items, uint32_t n);

#endif
