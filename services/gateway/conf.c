/*
 * conf.c - slurm.conf for the gateway (see conf.h).
 *
 * The settings come from common/slurmconf.  Only the hash is computed
 * here: it is a property of the text, not of the settings, so it walks the
 * file the way SLURM's parse_config.c reads it (a physical line at a time,
 * hashed before comments are stripped, Include files hashed where the
 * Include line stands).
 */
#include "services/gateway/conf.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Include nesting deeper than this is a loop, not a configuration. */
#define MAX_INCLUDE_DEPTH 16

struct gw_conf {
    struct flurm_slurmconf *sc;
    uint32_t hash;
};

void gw_conf_hash_line(uint32_t *hash, const char *line)
{
    /* Characters are taken as signed, as x86 compilers see a plain char. */
    for (const char *p = line; *p; p++) {
        *hash ^= (uint32_t)((int32_t)(signed char)*p * 256);
        for (int bit = 0; bit < 8; bit++) {
            if (*hash & 0x8000)
                *hash = (*hash << 1) ^ 4129;
            else
                *hash <<= 1;
        }
    }
}

static void hash_file(const char *path, const char *cluster, int depth, uint32_t *hash);

/* "Include FILE" at the start of a logical line: hash the file(s) named,
 * relative to the including file, %c being the cluster name. */
static void hash_include(const char *line, const char *from, const char *cluster, int depth,
                         uint32_t *hash)
{
    char name[4096], *dir = NULL, *full = NULL;
    size_t len, o = 0;
    glob_t g;

    while (isspace((unsigned char)*line))
        line++;
    if (strncasecmp(line, "include", 7) || !isspace((unsigned char)line[7]))
        return;
    line += 7;
    while (isspace((unsigned char)*line))
        line++;
    len = strcspn(line, " \t\r\n");
    for (size_t i = 0; i < len && o < sizeof(name) - 1; i++) {
        if (line[i] == '%' && i + 1 < len && line[i + 1] == 'c' && cluster) {
            o += (size_t)snprintf(name + o, sizeof(name) - o, "%s", cluster);
            o = o < sizeof(name) ? o : sizeof(name) - 1;
            i++;
        } else {
            name[o++] = line[i];
        }
    }
    name[o] = '\0';
    if (!o)
        return;
    if (name[0] == '/')
        full = strdup(name);
    else if ((dir = strdup(from)) && asprintf(&full, "%s/%s", dirname(dir), name) < 0)
        full = NULL;
    if (full && glob(full, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            hash_file(g.gl_pathv[i], cluster, depth + 1, hash);
        globfree(&g);
    }
    free(dir);
    free(full);
}

static void hash_file(const char *path, const char *cluster, int depth, uint32_t *hash)
{
    char *line = NULL;
    size_t cap = 0;
    bool continued = false;
    FILE *f;

    if (depth > MAX_INCLUDE_DEPTH || !(f = fopen(path, "r")))
        return;
    while (getline(&line, &cap, f) >= 0) {
        size_t len;
        bool first = !continued;

        gw_conf_hash_line(hash, line);
        len = strcspn(line, "\r\n");
        continued = len > 0 && line[len - 1] == '\\';
        if (first)
            hash_include(line, path, cluster, depth, hash);
    }
    free(line);
    fclose(f);
}

struct gw_conf *gw_conf_load(const char *path, char *err, size_t errlen)
{
    struct gw_conf *conf = calloc(1, sizeof(*conf));

    if (!conf) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(conf->sc = flurm_slurmconf_load(path, err, errlen))) {
        int saved = errno;
        free(conf);
        errno = saved;
        return NULL;
    }
    hash_file(flurm_slurmconf_path(conf->sc), flurm_slurmconf_cluster_name(conf->sc), 0,
              &conf->hash);
    return conf;
}

void gw_conf_destroy(struct gw_conf *conf)
{
    if (!conf)
        return;
    flurm_slurmconf_destroy(conf->sc);
    free(conf);
}

const char *gw_conf_get(const struct gw_conf *conf, const char *key)
{
    return flurm_slurmconf_get(conf->sc, key);
}

const char *gw_conf_path(const struct gw_conf *conf)
{
    return flurm_slurmconf_path(conf->sc);
}

size_t gw_conf_ctl_count(const struct gw_conf *conf)
{
    return flurm_slurmconf_controller_count(conf->sc);
}

const char *gw_conf_ctl_host(const struct gw_conf *conf, size_t i)
{
    return flurm_slurmconf_controller_host(conf->sc, i);
}

const char *gw_conf_ctl_addr(const struct gw_conf *conf, size_t i)
{
    return flurm_slurmconf_controller_addr(conf->sc, i);
}

size_t gw_conf_node_count(const struct gw_conf *conf)
{
    return flurm_slurmconf_node_count(conf->sc);
}

uint32_t gw_conf_hash(const struct gw_conf *conf)
{
    return conf->hash;
}

const struct flurm_slurmconf *gw_conf_slurmconf(const struct gw_conf *conf)
{
    return conf->sc;
}
