/*
 * listener.h - the controller's SLURM TCP listening sockets.
 *
 * The supervisor opens them, not the gateway, and keeps them open for its
 * whole life: a reload or restart of the accepting child then never
 * refuses a connection, the kernel's backlog holds them meanwhile.
 */
#ifndef FLURM_SUP_LISTENER_H
#define FLURM_SUP_LISTENER_H

#include <stddef.h>

/* Parse "6817" or "6817-6818" into [*lo, *hi].  -1 and EINVAL if invalid. */
int sup_port_range_parse(const char *s, int *lo, int *hi);

/* SlurmctldPort of the slurm.conf at `path` (borrowed; NULL: $SLURM_CONF or
 * the default path), as "6817" or "6817-6818"; SLURM's default if unset.
 * The whole file is read and checked (common/slurmconf.h): a slurm.conf the
 * controller could not use is an error here already.  Caller frees.  NULL
 * with the reason in err ("FILE:LINE: message") on error. */
char *sup_slurmctld_port(const char *path, char *err, size_t errlen);

/* Bind and listen (non-blocking, SO_REUSEADDR, close-on-exec) on every port
 * of [lo, hi] at the numeric `address` (borrowed).  On success *fds is an
 * array of hi - lo + 1 fds the caller releases with sup_listen_close().
 * On error -1 with the reason in err, and nothing is left open. */
int sup_listen_open(const char *address, int lo, int hi, int **fds, size_t *nfds, char *err,
                    size_t errlen);

void sup_listen_close(int *fds, size_t nfds);

#endif
