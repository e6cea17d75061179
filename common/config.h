/*
 * config.h - the FLURM_* environment settings a process is started with
 * (docs/architecture.md, "Process contract"), read with validation.
 *
 * The plain getters return NULL / -1 with errno so that callers can decide;
 * the flurm_config_require_* variants are for a service's main(): a missing
 * or bad setting is a configuration error the supervisor must not retry, so
 * they log a clear message and exit FLURM_EXIT_PERMANENT.
 */
#ifndef FLURM_CONFIG_H
#define FLURM_CONFIG_H

/* FLURM_RUNDIR: must be an absolute path to an existing directory.
 * Returns the environment's string (borrowed) or NULL with errno ENOENT
 * (unset or empty), EINVAL (relative) or ENOTDIR / the stat error. */
const char *flurm_config_rundir(void);

/* As flurm_config_rundir(), or log why and exit(FLURM_EXIT_PERMANENT). */
const char *flurm_config_require_rundir(void);

/* FLURM_SERVICE: a valid service name (ipc.h) or NULL with errno ENOENT
 * (unset) or EINVAL (invalid).  Borrowed from the environment. */
const char *flurm_config_service(void);

/* A file descriptor number passed in environment variable `var`
 * (FLURM_NOTIFY_FD, FLURM_LISTEN_FD).  Returns the fd, or -1 with errno
 * ENOENT (unset), EINVAL (not a non-negative integer) or EBADF (not open). */
int flurm_config_fd(const char *var);

/* A non-negative duration in milliseconds from `var`; `def` if unset.
 * Returns 0, or -1 and EINVAL if the value is not a whole number >= 0. */
int flurm_config_ms(const char *var, long def, long *out);

#endif
