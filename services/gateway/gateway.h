/*
 * gateway.h - flurm-gateway put together: the site's slurm.conf, the munge
 * context, the listening sockets, the connection table, the RPC router and
 * the service runtime (readiness, drain on SIGTERM), on one libev loop.
 */
#ifndef FLURM_GW_GATEWAY_H
#define FLURM_GW_GATEWAY_H

#include <stddef.h>

/* Settings from the command line; zero / NULL means "the default" (see
 * docs/gateway.md).  Strings are borrowed. */
struct gw_options {
    const char *listen;     /* "HOST:PORT" for a standalone run, else FLURM_LISTEN_FD */
    const char *rundir;     /* default $FLURM_RUNDIR */
    const char *slurm_conf; /* default $SLURM_CONF, else /etc/slurm/slurm.conf */
    const char *name;       /* service name; default $FLURM_SERVICE, else "gateway" */
    size_t max_frame;       /* bytes; default 64 MiB */
    size_t max_buffered;    /* bytes of partial requests altogether; default 1 GiB */
    size_t max_conns;       /* default 4096, capped by the fd limit */
    double io_timeout;      /* seconds; default MessageTimeout */
    double rpc_timeout;     /* seconds; default MessageTimeout - 1 */
    const char *metrics;    /* "HOST:PORT" of /metrics; default $FLURM_METRICS_ADDR,
                               unset, empty or "off": no metrics endpoint */
};

/* Run the gateway until it has drained.  Returns the process exit code
 * (common/exitcode.h): 0 after a drain, FLURM_EXIT_PERMANENT for a
 * configuration that cannot work, FLURM_EXIT_TEMPORARY otherwise. */
int gw_run(const struct gw_options *opts);

#endif
