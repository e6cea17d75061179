/*
 * policy.h - the supervisor's decisions as pure functions: what an exit
 * means, which siblings a restart takes along, whether the restart
 * intensity is exceeded, how long to back off.
 *
 * Kept apart from the event loop (tree.c) so that the OTP semantics can be
 * unit-tested without processes or clocks: time is always an argument.
 */
#ifndef FLURM_SUP_POLICY_H
#define FLURM_SUP_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "supervisor/config.h"

/* How a child ended, from its exit status (common/exitcode.h). */
enum sup_exit_kind {
    SUP_EXIT_NORMAL,    /* exit 0 */
    SUP_EXIT_CRASH,     /* other codes, signals, start failures: retry */
    SUP_EXIT_PERMANENT, /* exit 100: retrying cannot help */
};

/* What the supervisor does about an unrequested exit. */
enum sup_verdict {
    SUP_VERDICT_LEAVE,    /* not restarted; nothing else happens */
    SUP_VERDICT_RESTART,  /* restart per strategy, counted against intensity */
    SUP_VERDICT_ESCALATE, /* the supervisor itself fails to its parent */
};

/* Classify a wait(2) status. */
enum sup_exit_kind sup_exit_kind_of_status(int wstatus);

/* Describe a wait(2) status ("exited with status 3", "killed by signal 9
 * (Killed)") into buf (caller's); returns buf. */
const char *sup_describe_status(int wstatus, char *buf, size_t len);

/* The OTP restart rules plus the exit-100 rule of docs/architecture.md. */
enum sup_verdict sup_policy_verdict(enum sup_restart restart, enum sup_exit_kind kind);

/* Set take[i] for every child that a restart of child `failed` (of n, in
 * start order) takes along, `failed` included.  take is the caller's,
 * n entries. */
void sup_policy_restart_set(enum sup_strategy strategy, size_t n, size_t failed, bool *take);

/* Delay before restart number `failures` (1 = first failure since the child
 * was last stable): min doubled per failure, capped at max. */
double sup_policy_backoff_s(unsigned failures, int min_ms, int max_ms);

/* The restart-intensity window of one supervisor: OTP's "more than
 * `intensity` restarts within `period` seconds" rule. */
struct sup_intensity;

struct sup_intensity *sup_intensity_create(int intensity, double period_s);
void sup_intensity_destroy(struct sup_intensity *w);

/* Record a restart at time `now` (seconds, any monotonic origin).  Returns
 * true if this restart exceeds the intensity: the supervisor must give up
 * instead of restarting. */
bool sup_intensity_add(struct sup_intensity *w, double now);

/* Restarts recorded within the period ending at `now`. */
int sup_intensity_count(const struct sup_intensity *w, double now);

/* Forget every recorded restart (a supervisor that is started afresh). */
void sup_intensity_reset(struct sup_intensity *w);

#endif
