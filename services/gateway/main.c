/*
 * main.c - flurm-gateway's command line: the only process that speaks
 * SLURM's wire protocol to clients (docs/gateway.md).
 *
 *   flurm-gateway [--listen HOST:PORT] [--rundir DIR] [--slurm-conf FILE]
 *                 [--name NAME] [--max-frame BYTES] [--max-buffered BYTES]
 *                 [--max-conns N] [--io-timeout MS] [--rpc-timeout MS]
 *                 [--metrics HOST:PORT]
 *
 * Under flurm-sup ("listen": true) no option is needed: the socket comes
 * in FLURM_LISTEN_FD and the run folder in FLURM_RUNDIR.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/exitcode.h"
#include "common/version.h"
#include "services/gateway/gateway.h"


static void usage(FILE *to, int code)
{
    fprintf(to,
            "usage: flurm-gateway [--listen HOST:PORT] [--rundir DIR] [--slurm-conf FILE]\n"
            "                     [--name NAME] [--max-frame BYTES] [--max-buffered BYTES]\n"
            "                     [--max-conns N] [--io-timeout MS] [--rpc-timeout MS]\n"
            "                     [--metrics HOST:PORT|off] [--version]\n");
    exit(code);
}

static unsigned long long number(const char *opt, const char *s)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') {
        fprintf(stderr, "flurm-gateway: %s wants a whole number, got \"%s\"\n", opt, s);
        exit(FLURM_EXIT_PERMANENT);
    }
    return v;
}

int main(int argc, char **argv)
{
    /* One malloc arena for the whole process.  The gateway receives the
     * store's big answers (a squeue of 100,000 jobs is ~70 MB) on NNG's
     * threads, and glibc gives each thread an arena of its own that keeps
     * what was freed in it: after a dozen squeues of 10,000 jobs the
     * gateway held 45 MB with the default, 22 MB with one arena, and
     * submitted and answered as fast (docs/benchmarks.md, session 4).
     * Before any thread starts: NNG's start with its first socket. */
    mallopt(M_ARENA_MAX, 1);
    static const struct option options[] = {
        {"listen", required_argument, NULL, 'l'},
        {"rundir", required_argument, NULL, 'r'},
        {"slurm-conf", required_argument, NULL, 'c'},
        {"name", required_argument, NULL, 'n'},
        {"max-frame", required_argument, NULL, 'f'},
        {"max-buffered", required_argument, NULL, 'b'},
        {"max-conns", required_argument, NULL, 'm'},
        {"io-timeout", required_argument, NULL, 'i'},
        {"rpc-timeout", required_argument, NULL, 't'},
        {"metrics", required_argument, NULL, 'M'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct gw_options o = {0};
    int opt;

    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'l':
            o.listen = optarg;
            break;
        case 'r':
            o.rundir = optarg;
            break;
        case 'c':
            o.slurm_conf = optarg;
            break;
        case 'n':
            o.name = optarg;
            break;
        case 'f':
            o.max_frame = (size_t)number("--max-frame", optarg);
            break;
        case 'b':
            o.max_buffered = (size_t)number("--max-buffered", optarg);
            break;
        case 'm':
            o.max_conns = (size_t)number("--max-conns", optarg);
            break;
        case 'i':
            o.io_timeout = (double)number("--io-timeout", optarg) / 1000.0;
            break;
        case 't':
            o.rpc_timeout = (double)number("--rpc-timeout", optarg) / 1000.0;
            break;
        case 'M':
            o.metrics = optarg;
            break;
        case 'V':
            printf("flurm-gateway %s\n", FLURM_VERSION);
            return FLURM_EXIT_OK;
        case 'h':
            usage(stdout, FLURM_EXIT_OK);
            break;
        default:
            usage(stderr, FLURM_EXIT_PERMANENT);
        }
    }
    if (optind != argc)
        usage(stderr, FLURM_EXIT_PERMANENT);
    return gw_run(&o);
}
