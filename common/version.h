/*
 * version.h - the build's version string (git describe), as every FLURM
 * program reports it: readiness line, `flurm-sup status`, logs, --version.
 *
 * One object holds it (common/version.c, compiled against a header the
 * Makefile rewrites only when the version changes), so a new commit
 * recompiles one file and relinks instead of leaving objects with the
 * versions of the commits they were last compiled at.
 */
#ifndef FLURM_COMMON_VERSION_H
#define FLURM_COMMON_VERSION_H

/* The version string (static, never NULL). */
const char *flurm_version(void);

#define FLURM_VERSION flurm_version()

#endif
