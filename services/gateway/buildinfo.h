/*
 * buildinfo.h - the site's configuration as RESPONSE_BUILD_INFO carries it
 * (`scontrol show config`): every field of struct flurm_build_info computed
 * from slurm.conf the way SLURM 22.05's read_config.c does, i.e. the site's
 * value where it sets one, SLURM's default where it does not.
 *
 * Keys whose text the gateway does not interpret (DebugFlags, CpuFreqDef)
 * are reported with SLURM's default and named through the `note` callback
 * so that the gateway can log them once; nothing is invented.
 */
#ifndef FLURM_GW_BUILDINFO_H
#define FLURM_GW_BUILDINFO_H

#include <time.h>

#include "services/gateway/conf.h"
#include "wire/rec_info.h"

/* Called for a key the site set that FLURM reports with SLURM's default
 * instead, with the reason (both borrowed for the call). */
typedef void (*gw_buildinfo_note_fn)(const char *key, const char *why, void *arg);

/* Fill *bi (zeroed first) from conf (borrowed).  boot_time and the clock
 * fields are the caller's: last_update = boot_time here.  next_job_id is
 * NO_VAL (the store knows it; see rpc.c).  Strings and lists are malloc'ed
 * into bi: free with flurm_record_free(&flurm_rec_build_info, bi).
 * 0, or -1 with errno (ENOMEM, or EINVAL with `note` told why: a value
 * SLURM would refuse to start with, such as an unknown SlurmUser). */
int gw_buildinfo_fill(struct flurm_build_info *bi, const struct gw_conf *conf, time_t boot_time,
                      gw_buildinfo_note_fn note, void *arg);

/* SLURM's time_str2secs / time_str2mins: "30", "5:00", "1:00:00",
 * "2-12", "2-12:30:00", "INFINITE"/"UNLIMITED"/"-1" (FLURM_INFINITE).
 * FLURM_NO_VAL for text that is not a time. */
unsigned gw_time_str2secs(const char *s);
unsigned gw_time_str2mins(const char *s);

#endif
