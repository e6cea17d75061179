/*
 * conf.h - the site's slurm.conf as the gateway needs it: the project's
 * parser (common/slurmconf.h) for the settings, plus SLURM's hash of the
 * file text, which clients compare with the hash of their own copy
 * ("HASH_VAL = Match" in `scontrol show config`).
 */
#ifndef FLURM_GW_CONF_H
#define FLURM_GW_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "common/slurmconf.h"

struct gw_conf;

/* Read the slurm.conf at `path` (borrowed) and every file it includes.
 * NULL with errno and a one-line reason ("FILE:LINE: ...") in err
 * (caller's buffer) on failure.  Caller destroys. */
struct gw_conf *gw_conf_load(const char *path, char *err, size_t errlen);

/* NULL-safe. */
void gw_conf_destroy(struct gw_conf *conf);

/* The site's text for `key` (case-insensitive; last definition wins), or
 * NULL when the file does not set it.  Borrowed from conf. */
const char *gw_conf_get(const struct gw_conf *conf, const char *key);

/* The path the configuration was read from (borrowed). */
const char *gw_conf_path(const struct gw_conf *conf);

/* Controllers in order, primary first: host name and address (borrowed). */
size_t gw_conf_ctl_count(const struct gw_conf *conf);
const char *gw_conf_ctl_host(const struct gw_conf *conf, size_t i);
const char *gw_conf_ctl_addr(const struct gw_conf *conf, size_t i);

/* Nodes the file defines. */
size_t gw_conf_node_count(const struct gw_conf *conf);

/* SLURM's hash_val of the file text: read_config's parser checksums every
 * physical line it reads, included files in place. */
uint32_t gw_conf_hash(const struct gw_conf *conf);

/* The parsed configuration itself (borrowed), for the lists of keys FLURM
 * does not implement. */
const struct flurm_slurmconf *gw_conf_slurmconf(const struct gw_conf *conf);

/* SLURM's checksum of one line (exposed for the unit test): hash is
 * updated in place. */
void gw_conf_hash_line(uint32_t *hash, const char *line);

#endif
