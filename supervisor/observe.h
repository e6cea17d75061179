/*
 * observe.h - the operator's views into a running tree (docs/observability.md):
 *
 *   flurm-sup inspect SERVICE [WHAT] -r RUNDIR   a service's internal state as JSON
 *   flurm-sup trace JOBID -r RUNDIR              a job's path through the services
 *
 * Both talk to the services directly (their <svc>.req symlink), not to the
 * supervisor: a service answers "service.inspect" from its own loop, and
 * the trace is read from the job store's command log and the spans files
 * below RUNDIR/trace.
 */
#ifndef FLURM_SUP_OBSERVE_H
#define FLURM_SUP_OBSERVE_H

#include <jansson.h>
#include <stddef.h>

/* Send one request of `type` with `body` (borrowed; NULL: {}) to the
 * service `service` below `rundir` (both borrowed) and wait at most
 * timeout_ms.  0 and the reply body in *reply (caller decrefs); -1 with
 * the service's error text in err (and its code in *code when code is not
 * NULL); -2 when the service could not be reached or did not answer. */
int sup_service_call(const char *rundir, const char *service, const char *type,
                     const json_t *body, int timeout_ms, json_t **reply, int *code, char *err,
                     size_t errlen);

/* `flurm-sup inspect`: print the service's answer (its "data") as
 * indented JSON on stdout.  Returns the CLI exit code (0, 1 failed). */
int sup_cmd_inspect(const char *rundir, const char *service, const char *what, int timeout_ms);

/* `flurm-sup trace`: print every command of the job in the store's log and,
 * for each, the spans of its trace ordered by time.  Returns the CLI exit
 * code (0, 1 failed). */
int sup_cmd_trace(const char *rundir, const char *job_id, int timeout_ms);

#endif
