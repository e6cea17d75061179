/*
 * exitcode.h - the exit codes a FLURM process uses to tell its supervisor
 * what kind of failure ended it (djb/s6 convention).  The supervisor acts on
 * them: see docs/architecture.md, "Process contract".
 */
#ifndef FLURM_EXITCODE_H
#define FLURM_EXITCODE_H

enum {
    FLURM_EXIT_OK = 0,          /* finished or drained on request */
    FLURM_EXIT_PERMANENT = 100, /* cannot ever work as configured: do not restart */
    FLURM_EXIT_TEMPORARY = 111, /* may work if started again: restart with back-off */
};

#endif
