/*
 * config.c - validated reading of FLURM_* environment settings (config.h).
 */
#include "common/config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/exitcode.h"
#include "common/ipc.h"
#include "common/log.h"

const char *flurm_config_rundir(void)
{
    const char *dir = getenv("FLURM_RUNDIR");
    struct stat st;

    if (!dir || !*dir) {
        errno = ENOENT;
        return NULL;
    }
    if (dir[0] != '/') {
        errno = EINVAL;
        return NULL;
    }
    if (stat(dir, &st) < 0)
        return NULL;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return NULL;
    }
    return dir;
}

const char *flurm_config_require_rundir(void)
{
    const char *dir = flurm_config_rundir();

    if (!dir) {
        const char *raw = getenv("FLURM_RUNDIR");
        if (errno == ENOENT && (!raw || !*raw))
            flurm_err("FLURM_RUNDIR is not set: it must name the run folder "
                      "(the supervisor sets it)");
        else if (errno == EINVAL)
            flurm_err("FLURM_RUNDIR=%s is not an absolute path", raw);
        else
            flurm_err("FLURM_RUNDIR=%s is not a usable directory: %s", raw, strerror(errno));
        exit(FLURM_EXIT_PERMANENT);
    }
    return dir;
}

const char *flurm_config_service(void)
{
    const char *name = getenv("FLURM_SERVICE");

    if (!name || !*name) {
        errno = ENOENT;
        return NULL;
    }
    if (!flurm_ipc_name_valid(name)) {
        errno = EINVAL;
        return NULL;
    }
    return name;
}

/* Parse a whole non-negative decimal number; -1 if it is not one. */
static long parse_count(const char *s)
{
    char *end;
    long v;

    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    return v;
}

int flurm_config_fd(const char *var)
{
    const char *raw = getenv(var);
    long fd;

    if (!raw || !*raw) {
        errno = ENOENT;
        return -1;
    }
    fd = parse_count(raw);
    if (fd < 0 || fd > INT_MAX) {
        errno = EINVAL;
        return -1;
    }
    if (fcntl((int)fd, F_GETFD) < 0) {
        errno = EBADF;
        return -1;
    }
    return (int)fd;
}

int flurm_config_ms(const char *var, long def, long *out)
{
    const char *raw = getenv(var);
    long ms;

    if (!raw || !*raw) {
        *out = def;
        return 0;
    }
    if ((ms = parse_count(raw)) < 0) {
        errno = EINVAL;
        return -1;
    }
    *out = ms;
    return 0;
}
