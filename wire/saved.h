/*
 * saved.h - the saved form of a record: how FLURM keeps a record on disk.
 *
 * The JSON form (record.h) is lossless but slow to read back: loading
 * 100,000 job requests from the job store spent 90% of its time in jansson
 * building and walking objects of ~130 keys each.  The saved form carries the
 * same information in binary, driven by the same table, and reads back
 * without building anything but the record itself.
 *
 * It is self-describing and independent of protocol versions, because a
 * record saved today is read by a later FLURM whose tables have grown:
 * every field is written as (type, name, length, value) in table order,
 * whatever versions it is on the wire in.  Reading matches stored fields to
 * the table by name (in order, so the common case costs one comparison), so
 * a field added to the table since reads as zero/NULL, exactly as a missing
 * JSON key does, and a stored field the table no longer has is skipped.
 * A stored field whose type differs from the table's is refused.
 *
 * Values are exact: doubles as their IEEE bits, long doubles as "%La", NULL
 * distinct from empty for strings, MEM and arrays.  A custom field keeps its
 * JSON form (its to_json/from_json callbacks) as text.  Constants are not
 * saved; a GATED sub-record is saved only while its gate is non-zero.
 */
#ifndef FLURM_WIRE_SAVED_H
#define FLURM_WIRE_SAVED_H

#include "wire/pack.h"
#include "wire/record.h"

/* Append the saved form of obj (record r, borrowed) to the writer b.
 * 0, or -1 with errno (ENOMEM; EINVAL for a table the engine cannot walk). */
int flurm_record_save(const struct flurm_record *r, const void *obj, struct flurm_buf *b);

/* Fill obj (caller-provided, r->size bytes, zeroed by this call) from the
 * saved form at b's read position; on success b is past it.  On failure
 * everything already read is freed, obj is zeroed again, and -1 is returned
 * with errno EBADMSG (damaged or truncated input; b's sticky error set) or
 * ENOMEM, and *err_field (when given) naming the failing field (borrowed). */
int flurm_record_load(const struct flurm_record *r, void *obj, struct flurm_buf *b,
                      const char **err_field);

#endif
