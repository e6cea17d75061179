/*
 * submit - a load generator for a SLURM 22.05 controller (FLURM or the real
 * slurmctld): a chosen mix of RPCs (submissions as `sbatch --hold
 * --wrap=true` sends them, squeue's job info, sinfo's node info, scontrol
 * ping) at a chosen concurrency, reporting throughput, latency and, when
 * told the controller's pid, the controller's CPU time and peak memory.
 *
 *   submit [--host H] [--port P] [--count N] [--concurrency C]
 *          [--mix submit=W,job_info=W,node_info=W,ping=W] [--no-hold]
 *          [--nodes N] [--time-limit MIN] [--vary] [--ctl-pid PID]
 *          [--timeout SECONDS] [--dump-frame FILE]
 *   submit --munge-only [--client-encode] [--count N] [--concurrency C]
 *
 * Why a program and not sbatch in a loop: sbatch costs ~3 ms of client CPU
 * per job (it reads slurm.conf, loads plugins, asks munged twice), which on
 * a small machine measures the client more than the controller.  Here each
 * body is encoded once, with the project's wire/ code, and each request
 * only adds a fresh munge credential (munged refuses a replayed one), so
 * both controllers receive the same bytes apart from the credential.
 *
 * Each request uses its own TCP connection, as every SLURM client RPC does.
 * C worker threads share one request counter; request i is of the mix's
 * type at position i modulo the sum of the weights, so a run is the same
 * sequence whatever the timing.  Each thread owns its munge context
 * (wire/auth.h contexts are not thread-safe).  Latency is measured per
 * request from building the frame (munge included, as the clients pay it)
 * to the reply.  The reply's credential is not verified and info replies
 * are not decoded (only their type is checked): that would measure the
 * client and munged, which both controllers share.
 *
 * --munge-only talks to no controller: it measures the physical limit of
 * an RPC on this machine, what every controller must do per request
 * whatever its design: munge_decode of the request's credential (with the
 * body hash check) and munge_encode of the reply's, through the same
 * munged.  The request credentials are made first (not timed); with
 * --client-encode the timed loop also makes them, as the clients of a real
 * run load the same munged.
 *
 * Output: a few human lines, then one "result key=value ..." line for
 * scripts (and one "result_type type=T ..." line per type of a mix).  Exit
 * status 0 only when every request succeeded; 2 for bad options.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "wire/auth.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/pack.h"
#include "wire/rec_generic.h"
#include "wire/rec_job.h"
#include "wire/record.h"

/* What sbatch 22.05 sends in job_desc.bitflags for a plain submission: the
 * packer sets USE_DEFAULT_ACCT/PART/QOS/WCKEY (bits 25-28) because those
 * four are NULL (wire doc section 4, job_desc). */
#define SBATCH_DEFAULT_BITFLAGS 0x1E000000ULL
/* job_desc.task_dist that sbatch sends (SLURM_DIST_UNKNOWN). */
#define SBATCH_TASK_DIST 0x2000U
/* show_flags squeue and sinfo send in their info requests (captures). */
#define CLIENT_SHOW_FLAGS 0x0010
/* A job info reply with 100,000 jobs is tens of MB; a frame beyond this is
 * not a reply. */
#define MAX_REPLY_LEN (1024U * 1024 * 1024)
#define MAX_WORKERS 1024
/* --vary: this many job shapes (nodes x time limit), taken in turn. */
#define VARY_SHAPES 16

enum rpc_type { RPC_SUBMIT, RPC_JOB_INFO, RPC_NODE_INFO, RPC_PING, RPC_TYPES };

static const struct {
    const char *name;
    uint16_t request;
    uint16_t response; /* the success reply (RC for ping) */
} rpc_types[RPC_TYPES] = {
    [RPC_SUBMIT] = {"submit", FLURM_REQUEST_SUBMIT_BATCH_JOB, FLURM_RESPONSE_SUBMIT_BATCH_JOB},
    [RPC_JOB_INFO] = {"job_info", FLURM_REQUEST_JOB_INFO, FLURM_RESPONSE_JOB_INFO},
    [RPC_NODE_INFO] = {"node_info", FLURM_REQUEST_NODE_INFO, FLURM_RESPONSE_NODE_INFO},
    [RPC_PING] = {"ping", FLURM_REQUEST_PING, FLURM_RESPONSE_SLURM_RC},
};

struct options {
    const char *host;
    const char *port;
    long count;
    long concurrency;
    bool hold;
    long nodes;      /* -N of the submitted jobs; 0 unset */
    long minutes;    /* -t of the submitted jobs; 0 unset */
    bool vary;       /* VARY_SHAPES shapes instead of one */
    long weights[RPC_TYPES];
    long ctl_pid;    /* the controller's root process; 0 unknown */
    bool munge_only;
    bool client_encode;
    double timeout_s;
    const char *dump_frame; /* write one request frame here and exit */
};

/* One request body, encoded once and sent many times. */
struct body {
    uint8_t *data;
    size_t len;
};

/* State shared by every worker; written only through the atomics, the
 * per-request slots (one writer each) and the error slot (under lock). */
struct load {
    const struct options *opt;
    struct body submit_bodies[VARY_SHAPES];
    size_t nsubmit_bodies;
    struct body bodies[RPC_TYPES]; /* the other types' bodies */
    enum rpc_type *plan;           /* the mix's cycle of types */
    size_t plan_len;
    const struct addrinfo *addr;
    char **creds;                  /* --munge-only: request credentials */
    atomic_long next;              /* next request number to take */
    double *latency_ms;            /* per request; NAN when it failed */
    uint32_t *job_ids;             /* per submission; 0 when it failed */
    uint64_t *reply_bytes;         /* per request */
    bool *ok;                      /* per request */
    pthread_mutex_t error_lock;
    long errors_seen;
    char first_error[320]; /* "request N: " + a why */
};

struct worker {
    struct load *load;
    pthread_t thread;
    bool started;
    struct flurm_auth *auth;
    struct flurm_buf *frame;
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: submit [--host H] [--port P] [--count N] [--concurrency C]\n"
            "              [--mix TYPE=W,...] [--no-hold] [--nodes N] [--time-limit MIN]\n"
            "              [--vary] [--ctl-pid PID] [--timeout SECONDS] [--dump-frame FILE]\n"
            "       submit --munge-only [--client-encode] [--count N] [--concurrency C]\n"
            "  --host H           controller address (default 127.0.0.1)\n"
            "  --port P           controller port (default 6817)\n"
            "  --count N          requests to make (default 1)\n"
            "  --concurrency C    workers sending at once (default 1)\n"
            "  --mix TYPE=W,...   request types and weights: submit, job_info (squeue),\n"
            "                     node_info (sinfo), ping (scontrol ping); default submit\n"
            "  --no-hold          submit runnable jobs (default: held, as sbatch --hold)\n"
            "  --nodes N          submitted jobs ask for N nodes (sbatch -N)\n"
            "  --time-limit MIN   submitted jobs' time limit in minutes (sbatch -t)\n"
            "  --vary             16 job shapes in turn: 1-4 nodes, 10 min to 1 day\n"
            "  --ctl-pid PID      report the CPU time and peak RSS of the process\n"
            "                     tree rooted at PID over the run\n"
            "  --munge-only       no controller: time munge decode of a request\n"
            "                     credential + munge encode of a reply, per request\n"
            "  --client-encode    with --munge-only: make each request credential in\n"
            "                     the timed loop too\n"
            "  --timeout SECONDS  limit for one request (default 30)\n"
            "  --dump-frame FILE  write one request frame (length prefix included)\n"
            "                     to FILE, send nothing\n");
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long parse_number(const char *what, const char *s, long min, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "submit: %s wants a number from %ld to %ld, not '%s'\n", what, min, max,
                s);
        exit(2);
    }
    return v;
}

static long parse_positive(const char *what, const char *s, long max)
{
    return parse_number(what, s, 1, max);
}

/* "submit=8,job_info=1,ping" (weight 1 when left out) into opt->weights.
 * 0, or -1 after saying what is wrong. */
static int parse_mix(const char *spec, struct options *opt)
{
    char *copy = strdup(spec), *save = NULL, *item;
    long total = 0;
    int rc = -1;

    if (!copy)
        return -1;
    for (int t = 0; t < RPC_TYPES; t++)
        opt->weights[t] = 0;
    for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        int t;

        if (eq)
            *eq = '\0';
        for (t = 0; t < RPC_TYPES && strcmp(item, rpc_types[t].name); t++)
            ;
        if (t == RPC_TYPES) {
            fprintf(stderr, "submit: --mix: unknown request type '%s'\n", item);
            goto error;
        }
        opt->weights[t] = eq ? parse_number("a --mix weight", eq + 1, 0, 1000) : 1;
        total += opt->weights[t];
    }
    if (total == 0) {
        fprintf(stderr, "submit: --mix '%s' has no request type with a weight\n", spec);
        goto error;
    }
    rc = 0;
error:
    free(copy);
    return rc;
}

static int parse_options(int argc, char **argv, struct options *opt)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'H'},
        {"port", required_argument, NULL, 'p'},
        {"count", required_argument, NULL, 'n'},
        {"concurrency", required_argument, NULL, 'c'},
        {"mix", required_argument, NULL, 'm'},
        {"no-hold", no_argument, NULL, 'r'},
        {"nodes", required_argument, NULL, 'N'},
        {"time-limit", required_argument, NULL, 'T'},
        {"vary", no_argument, NULL, 'v'},
        {"ctl-pid", required_argument, NULL, 'P'},
        {"munge-only", no_argument, NULL, 'M'},
        {"client-encode", no_argument, NULL, 'E'},
        {"timeout", required_argument, NULL, 't'},
        {"dump-frame", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    *opt = (struct options){
        .host = "127.0.0.1", .port = "6817", .count = 1, .concurrency = 1,
        .hold = true, .timeout_s = 30, .weights = {[RPC_SUBMIT] = 1},
    };
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'H':
            opt->host = optarg;
            break;
        case 'p':
            opt->port = optarg;
            parse_positive("--port", optarg, 65535);
            break;
        case 'n':
            opt->count = parse_positive("--count", optarg, 100000000);
            break;
        case 'c':
            opt->concurrency = parse_positive("--concurrency", optarg, MAX_WORKERS);
            break;
        case 'm':
            if (parse_mix(optarg, opt) < 0)
                return -1;
            break;
        case 'r':
            opt->hold = false;
            break;
        case 'N':
            opt->nodes = parse_positive("--nodes", optarg, 1000000);
            break;
        case 'T':
            opt->minutes = parse_positive("--time-limit", optarg, 525600);
            break;
        case 'v':
            opt->vary = true;
            break;
        case 'P':
            opt->ctl_pid = parse_positive("--ctl-pid", optarg, 1L << 30);
            break;
        case 'M':
            opt->munge_only = true;
            break;
        case 'E':
            opt->client_encode = true;
            break;
        case 't':
            opt->timeout_s = (double)parse_positive("--timeout", optarg, 3600);
            break;
        case 'd':
            opt->dump_frame = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return -1;
    }
    if (opt->client_encode && !opt->munge_only) {
        fprintf(stderr, "submit: --client-encode goes with --munge-only\n");
        return -1;
    }
    if (opt->concurrency > opt->count)
        opt->concurrency = opt->count;
    return 0;
}

/* ---- the job ------------------------------------------------------------ */

/* Append "NAME=value" to the job's environment.  0 or -1/ENOMEM. */
static int env_add(struct flurm_job_desc *jd, const char *name, const char *value)
{
    char **grown = realloc(jd->environment, (jd->env_size + 1) * sizeof(*grown));
    char *entry = NULL;

    if (!grown)
        return -1;
    jd->environment = grown;
    if (asprintf(&entry, "%s=%s", name, value) < 0)
        return -1;
    jd->environment[jd->env_size++] = entry;
    return 0;
}

static int env_add_rlimit(struct flurm_job_desc *jd, const char *name, int resource)
{
    struct rlimit rl;
    char value[32];

    if (getrlimit(resource, &rl) < 0)
        return -1;
    snprintf(value, sizeof(value), "%llu", (unsigned long long)rl.rlim_cur);
    return env_add(jd, name, value);
}

/* The environment sbatch copies into the job when it runs under the
 * minimal `env -i` environment of the baseline (see bench/run): the shell
 * variables, then what sbatch adds (SLURM_RLIMIT_*, SLURM_SUBMIT_*, ...).
 * Values come from this process so that the body is a plausible one for
 * this host; SLURM_CONF is left out since it differs per controller. */
static int fill_environment(struct flurm_job_desc *jd, const char *cwd, const char *host)
{
    static const struct {
        const char *name;
        int resource;
    } rlimits[] = {
        {"SLURM_RLIMIT_CPU", RLIMIT_CPU},       {"SLURM_RLIMIT_FSIZE", RLIMIT_FSIZE},
        {"SLURM_RLIMIT_DATA", RLIMIT_DATA},     {"SLURM_RLIMIT_STACK", RLIMIT_STACK},
        {"SLURM_RLIMIT_CORE", RLIMIT_CORE},     {"SLURM_RLIMIT_RSS", RLIMIT_RSS},
        {"SLURM_RLIMIT_NPROC", RLIMIT_NPROC},   {"SLURM_RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"SLURM_RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"SLURM_RLIMIT_AS", RLIMIT_AS},
    };
    struct passwd *pw = getpwuid(getuid());
    const char *user = pw ? pw->pw_name : "nobody";
    const char *home = pw ? pw->pw_dir : "/";
    mode_t mask = umask(0);
    char umask_text[8];

    umask(mask);
    snprintf(umask_text, sizeof(umask_text), "%04o", (unsigned)mask);
    if (env_add(jd, "SHELL", "/bin/bash") < 0 || env_add(jd, "PWD", cwd) < 0 ||
        env_add(jd, "LOGNAME", user) < 0 || env_add(jd, "HOME", home) < 0 ||
        env_add(jd, "LANG", "C.UTF-8") < 0 || env_add(jd, "USER", user) < 0 ||
        env_add(jd, "SHLVL", "0") < 0 ||
        env_add(jd, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
        env_add(jd, "_", "/usr/bin/sbatch") < 0 || env_add(jd, "SLURM_JOB_NAME", "wrap") < 0)
        return -1;
    for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
        if (env_add_rlimit(jd, rlimits[i].name, rlimits[i].resource) < 0)
            return -1;
    if (env_add(jd, "SLURM_PRIO_PROCESS", "0") < 0 || env_add(jd, "SLURM_SUBMIT_DIR", cwd) < 0 ||
        env_add(jd, "SLURM_SUBMIT_HOST", host) < 0 || env_add(jd, "SLURM_UMASK", umask_text) < 0)
        return -1;
    return 0;
}

/* The job_desc of `sbatch [--hold] [-N nodes] [-t minutes] --wrap=true`
 * with sbatch's defaults (slurm_init_job_desc_msg: every unset number is
 * NO_VAL of its width); nodes and minutes 0 leave -N and -t unset.  Owned
 * by the caller: free with job_desc_destroy().  NULL/errno. */
static struct flurm_job_desc *job_desc_create(bool hold, uint32_t nodes, uint32_t minutes)
{
    struct flurm_job_desc *jd = calloc(1, sizeof(*jd));
    char cwd[4096], host[256];

    if (!jd)
        return NULL;
    if (!getcwd(cwd, sizeof(cwd)) || gethostname(host, sizeof(host)) < 0)
        goto error;
    host[sizeof(host) - 1] = '\0';
    jd->site_factor = FLURM_NO_VAL;
    jd->core_spec = FLURM_NO_VAL16;
    jd->task_dist = SBATCH_TASK_DIST;
    jd->kill_on_node_fail = FLURM_NO_VAL16;
    jd->job_id = FLURM_NO_VAL;
    jd->alloc_sid = (uint32_t)getsid(0);
    jd->pn_min_cpus = FLURM_NO_VAL16;
    jd->pn_min_memory = FLURM_NO_VAL64;
    jd->pn_min_tmp_disk = FLURM_NO_VAL;
    jd->cpu_freq_min = FLURM_NO_VAL;
    jd->cpu_freq_max = FLURM_NO_VAL;
    jd->cpu_freq_gov = FLURM_NO_VAL;
    jd->priority = hold ? 0 : FLURM_NO_VAL; /* sbatch --hold submits priority 0 */
    jd->nice = FLURM_NO_VAL;
    jd->overcommit = FLURM_NO_VAL8;
    jd->num_tasks = FLURM_NO_VAL;
    jd->reboot = FLURM_NO_VAL16;
    jd->requeue = FLURM_NO_VAL16;
    jd->shared = FLURM_NO_VAL16;
    jd->cpus_per_task = FLURM_NO_VAL16;
    jd->ntasks_per_node = FLURM_NO_VAL16;
    jd->ntasks_per_socket = FLURM_NO_VAL16;
    jd->ntasks_per_core = FLURM_NO_VAL16;
    jd->ntasks_per_tres = FLURM_NO_VAL16;
    jd->plane_size = FLURM_NO_VAL16;
    jd->cpu_bind_type = FLURM_NO_VAL16;
    jd->time_limit = minutes ? minutes : FLURM_NO_VAL;
    jd->time_min = FLURM_NO_VAL;
    jd->min_cpus = 1;
    jd->max_cpus = FLURM_NO_VAL;
    jd->min_nodes = nodes ? nodes : FLURM_NO_VAL;
    jd->max_nodes = nodes ? nodes : FLURM_NO_VAL;
    jd->sockets_per_node = FLURM_NO_VAL16;
    jd->cores_per_socket = FLURM_NO_VAL16;
    jd->threads_per_core = FLURM_NO_VAL16;
    jd->user_id = getuid();
    jd->group_id = getgid();
    jd->req_switch = FLURM_NO_VAL;
    jd->wait4switch = FLURM_NO_VAL;
    jd->select_plugin_id = FLURM_SELECT_PLUGIN_CONS_TRES;
    jd->wait_all_nodes = FLURM_NO_VAL16;
    jd->bitflags = SBATCH_DEFAULT_BITFLAGS;
    jd->delay_boot = FLURM_NO_VAL;
    if (!(jd->name = strdup("wrap")) ||
        !(jd->script = strdup("#!/bin/sh\n# This script was created by sbatch --wrap.\n\ntrue\n")) ||
        !(jd->std_in = strdup("/dev/null")) ||
        !(jd->submit_line = strdup(hold ? "sbatch --hold --wrap=true" : "sbatch --wrap=true")) ||
        !(jd->work_dir = strdup(cwd)))
        goto error;
    if (fill_environment(jd, cwd, host) < 0)
        goto error;
    return jd;
error:
    if (jd) {
        int saved = errno;
        flurm_record_free(&flurm_rec_job_desc, jd);
        free(jd);
        errno = saved;
    }
    return NULL;
}

static void job_desc_destroy(struct flurm_job_desc *jd)
{
    if (!jd)
        return;
    flurm_record_free(&flurm_rec_job_desc, jd);
    free(jd);
}

/* The wire body of obj as a message of type: malloc'ed, owned by the
 * caller (an empty body is a 1-byte allocation).  NULL/errno. */
static uint8_t *encode_body(uint16_t type, const void *obj, size_t *len)
{
    struct flurm_buf *b = flurm_buf_create(2048);
    uint8_t *body = NULL;

    if (!b)
        return NULL;
    if (obj && flurm_msg_body_encode(FLURM_PROTO_22_05, type, obj, b) < 0)
        goto error;
    if (!obj) {
        *len = 0;
        body = malloc(1);
        goto error;
    }
    body = flurm_buf_steal(b, len);
error:
    flurm_buf_destroy(b);
    return body;
}

/* ---- the controller's processes ------------------------------------------------ */

/* The pids of the tree rooted at root (root first), from /proc: malloc'ed,
 * *n of them; NULL when root is gone or on ENOMEM. */
static pid_t *tree_pids(pid_t root, size_t *n)
{
    DIR *proc = opendir("/proc");
    struct dirent *de;
    pid_t *pids = NULL, *parents = NULL, *tree = NULL;
    size_t npids = 0, cap = 0, ntree = 0;

    *n = 0;
    if (!proc)
        return NULL;
    while ((de = readdir(proc))) {
        char path[300], buf[512], *close_paren;
        FILE *f;
        int ppid = 0;

        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        buf[0] = '\0';
        if (!fgets(buf, sizeof(buf), f))
            buf[0] = '\0';
        fclose(f);
        /* comm may hold spaces and parentheses: the state follows the last ')' */
        if (!(close_paren = strrchr(buf, ')')) || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
            continue;
        if (npids == cap) {
            size_t grown_cap = cap ? cap * 2 : 512;
            pid_t *a = realloc(pids, grown_cap * sizeof(*a));
            pid_t *b = a ? realloc(parents, grown_cap * sizeof(*b)) : NULL;

            if (a)
                pids = a;
            if (!a || !b)
                goto error;
            parents = b;
            cap = grown_cap;
        }
        pids[npids] = (pid_t)atol(de->d_name);
        parents[npids++] = (pid_t)ppid;
    }
    if (!(tree = malloc((npids + 1) * sizeof(*tree))))
        goto error;
    for (size_t i = 0; i < npids; i++)
        if (pids[i] == root)
            tree[ntree++] = root;
    /* breadth first: a process's children are after it */
    for (size_t head = 0; head < ntree; head++)
        for (size_t i = 0; i < npids; i++)
            if (parents[i] == tree[head] && ntree < npids + 1)
                tree[ntree++] = pids[i];
    if (ntree == 0) {
        free(tree);
        tree = NULL;
    }
    *n = ntree;
error:
    closedir(proc);
    free(pids);
    free(parents);
    return tree;
}

/* CPU clock ticks of the tree: utime + stime + cutime + cstime, so that a
 * restarted service's ticks, moved to its parent, still count. */
static long long tree_ticks(pid_t root)
{
    size_t n;
    pid_t *pids = tree_pids(root, &n);
    long long sum = 0;

    for (size_t i = 0; i < n; i++) {
        char path[64], buf[1024], *p;
        FILE *f;
        long long ut, st, cut, cst;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
        if (!(f = fopen(path, "r")))
            continue;
        p = fgets(buf, sizeof(buf), f);
        fclose(f);
        if (!p || !(p = strrchr(buf, ')')))
            continue;
        /* after ')': state ppid pgrp session tty tpgid flags minflt cminflt
         * majflt cmajflt utime stime cutime cstime */
        if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld %lld %lld", &ut,
                   &st, &cut, &cst) == 4)
            sum += ut + st + cut + cst;
    }
    free(pids);
    return sum;
}

/* Forget each process's peak RSS (clear_refs 5 resets VmHWM). */
static void tree_reset_peak(pid_t root)
{
    size_t n;
    pid_t *pids = tree_pids(root, &n);

    for (size_t i = 0; i < n; i++) {
        char path[64];
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pids[i]);
        if ((f = fopen(path, "w"))) {
            fputs("5\n", f);
            fclose(f);
        }
    }
    free(pids);
}

/* Sum of the processes' VmHWM (kB): an upper bound of the tree's peak. */
static long long tree_peak_kb(pid_t root)
{
    size_t n;
    pid_t *pids = tree_pids(root, &n);
    long long sum = 0;

    for (size_t i = 0; i < n; i++) {
        char path[64], line[256];
        FILE *f;
        long long kb;

        snprintf(path, sizeof(path), "/proc/%d/status", (int)pids[i]);
        if (!(f = fopen(path, "r")))
            continue;
        while (fgets(line, sizeof(line), f))
            if (sscanf(line, "VmHWM: %lld", &kb) == 1)
                sum += kb;
        fclose(f);
    }
    free(pids);
    return sum;
}

/* ---- one request ---------------------------------------------------------- */

static enum rpc_type request_type(const struct load *l, long i)
{
    return l->plan[(size_t)i % l->plan_len];
}

static const struct body *request_body(const struct load *l, long i)
{
    enum rpc_type t = request_type(l, i);

    if (t == RPC_SUBMIT)
        return &l->submit_bodies[(size_t)i % l->nsubmit_bodies];
    return &l->bodies[t];
}

/* Build the whole frame (length prefix, header, fresh credential, body) into
 * the worker's reusable buffer.  0 or -1/errno. */
static int build_frame(struct worker *w, uint16_t msg_type, const struct body *body)
{
    struct flurm_header h = {
        .version = FLURM_PROTO_22_05,
        .msg_type = msg_type,
        .body_length = (uint32_t)body->len,
    };

    if (flurm_buf_seek(w->frame, 0) < 0 || flurm_pack32(w->frame, 0) < 0 ||
        flurm_header_pack(&h, w->frame) < 0 ||
        flurm_auth_sign(w->auth, h.version, h.msg_type, body->data, body->len,
                        FLURM_AUTH_UID_ANY, w->frame) < 0 ||
        flurm_pack_raw(w->frame, body->data, body->len) < 0)
        return -1;
    return flurm_pack32_at(w->frame, 0, (uint32_t)(flurm_buf_len(w->frame) - 4));
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t done = send(fd, p, n, MSG_NOSIGNAL);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += done;
        n -= (size_t)done;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t got = recv(fd, p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                errno = ETIMEDOUT;
            return -1;
        }
        if (got == 0) {
            errno = ECONNRESET;
            return -1;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

static int connect_to(const struct addrinfo *ai, double timeout_s)
{
    struct timeval tv = {
        .tv_sec = (time_t)timeout_s,
        .tv_usec = (suseconds_t)((timeout_s - (double)(time_t)timeout_s) * 1e6),
    };
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int saved;

    if (fd < 0)
        return -1;
    /* SO_SNDTIMEO also bounds connect() on Linux. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
        connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
        goto error;
    return fd;
error:
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

/* Say why a reply that is not the expected one was sent (RC replies are
 * decoded for their code). */
static void describe_refusal(const struct flurm_msg_parts *parts, char *why, size_t whylen)
{
    const struct flurm_record *rec = NULL;
    const char *field = NULL;
    void *body = flurm_msg_body_decode(parts->hdr.version, parts->hdr.msg_type, parts->body,
                                       parts->body_len, &rec, &field);

    if (body && parts->hdr.msg_type == FLURM_RESPONSE_SLURM_RC) {
        snprintf(why, whylen, "controller refused: rc %d",
                 ((const struct flurm_rc_msg *)body)->return_code);
    } else if (body && parts->hdr.msg_type == FLURM_RESPONSE_SLURM_RC_MSG) {
        const struct flurm_rc_text_msg *r = body;
        snprintf(why, whylen, "controller refused: rc %d (%s)", r->return_code,
                 r->err_msg ? r->err_msg : "");
    } else {
        snprintf(why, whylen, "unexpected reply type %u", parts->hdr.msg_type);
    }
    flurm_msg_body_destroy(rec, body);
}

/* Read the reply frame of a request of type t and judge it.  Returns 0 when
 * it is the success reply (*job_id set for a submission, *bytes the frame's
 * length), else -1 with a description in why (caller's buffer). */
static int read_reply(int fd, enum rpc_type t, uint32_t *job_id, uint64_t *bytes, char *why,
                      size_t whylen)
{
    uint8_t prefix[4], *msg = NULL;
    uint32_t len;
    struct flurm_msg_parts parts = {0};
    const struct flurm_record *rec = NULL;
    void *body = NULL;
    const char *field = NULL;
    int rc = -1;

    if (read_all(fd, prefix, sizeof(prefix)) < 0) {
        snprintf(why, whylen, "reading the reply: %s", strerror(errno));
        goto error;
    }
    len = (uint32_t)prefix[0] << 24 | (uint32_t)prefix[1] << 16 | (uint32_t)prefix[2] << 8 |
          prefix[3];
    if (len < FLURM_HEADER_MIN_LEN || len > MAX_REPLY_LEN) {
        snprintf(why, whylen, "reply length %u is not plausible", len);
        goto error;
    }
    if (!(msg = malloc(len)) || read_all(fd, msg, len) < 0) {
        snprintf(why, whylen, "reading the reply: %s", strerror(errno));
        goto error;
    }
    *bytes = (uint64_t)len + 4;
    if (flurm_msg_split(&parts, msg, len) < 0) {
        snprintf(why, whylen, "malformed reply: %s", strerror(errno));
        goto error;
    }
    if (parts.hdr.msg_type != rpc_types[t].response) {
        describe_refusal(&parts, why, whylen);
        goto error;
    }
    if (t == RPC_JOB_INFO || t == RPC_NODE_INFO) {
        /* decoding 100,000 jobs would measure this client, not the controller */
        rc = 0;
        goto error;
    }
    body = flurm_msg_body_decode(parts.hdr.version, parts.hdr.msg_type, parts.body,
                                 parts.body_len, &rec, &field);
    if (!body) {
        snprintf(why, whylen, "undecodable %s reply (field %s): %s",
                 flurm_msg_name(parts.hdr.msg_type) ? flurm_msg_name(parts.hdr.msg_type) : "?",
                 field ? field : "-", strerror(errno));
        goto error;
    }
    if (t == RPC_SUBMIT) {
        const struct flurm_submit_response *r = body;
        if ((*job_id = r->job_id))
            rc = 0;
        else
            snprintf(why, whylen, "job id 0 in the reply (error_code %u)", r->error_code);
    } else if (((const struct flurm_rc_msg *)body)->return_code != 0) {
        snprintf(why, whylen, "controller refused: rc %d",
                 ((const struct flurm_rc_msg *)body)->return_code);
    } else {
        rc = 0;
    }
error:
    flurm_msg_body_destroy(rec, body);
    flurm_msg_parts_free(&parts);
    free(msg);
    return rc;
}

/* Request number i.  0 when it succeeded, else -1 with a description in
 * why. */
static int rpc_one(struct worker *w, long i, char *why, size_t whylen)
{
    struct load *l = w->load;
    enum rpc_type t = request_type(l, i);
    int fd = -1, rc = -1;

    if (build_frame(w, rpc_types[t].request, request_body(l, i)) < 0) {
        snprintf(why, whylen, "building the request: %s (%s)", strerror(errno),
                 flurm_auth_munge_error(w->auth));
        return -1;
    }
    if ((fd = connect_to(l->addr, l->opt->timeout_s)) < 0) {
        snprintf(why, whylen, "connect to %s:%s: %s", l->opt->host, l->opt->port,
                 strerror(errno));
        return -1;
    }
    if (write_all(fd, flurm_buf_data(w->frame), flurm_buf_len(w->frame)) < 0)
        snprintf(why, whylen, "sending the request: %s", strerror(errno));
    else
        rc = read_reply(fd, t, &l->job_ids[i], &l->reply_bytes[i], why, whylen);
    close(fd);
    return rc;
}

/* --munge-only, request number i: what the controller must do for any RPC.
 * 0, or -1 with a description in why. */
static int munge_one(struct worker *w, long i, char *why, size_t whylen)
{
    struct load *l = w->load;
    const struct body *body = &l->submit_bodies[0];
    /* a submission reply's body: job id, step id, error code, no text */
    static const uint8_t reply_body[16] = {0, 0, 0, 1};
    struct flurm_auth_result res = {0};
    char *cred = NULL, *reply_cred = NULL;
    int rc = -1;

    if (l->opt->client_encode) {
        if (!(cred = flurm_auth_encode(w->auth, FLURM_PROTO_22_05, FLURM_REQUEST_SUBMIT_BATCH_JOB,
                                       body->data, body->len, FLURM_AUTH_UID_ANY))) {
            snprintf(why, whylen, "munge encode (client): %s", flurm_auth_munge_error(w->auth));
            return -1;
        }
    }
    if (flurm_buf_seek(w->frame, 0) < 0 ||
        flurm_auth_pack_section(w->frame, cred ? cred : l->creds[i]) < 0 ||
        flurm_pack_raw(w->frame, body->data, body->len) < 0) {
        snprintf(why, whylen, "packing: %s", strerror(errno));
        goto error;
    }
    if (flurm_auth_verify(w->auth, flurm_buf_data(w->frame), flurm_buf_len(w->frame),
                          FLURM_PROTO_22_05, FLURM_REQUEST_SUBMIT_BATCH_JOB, &res) < 0) {
        snprintf(why, whylen, "munge decode: %s (%s)", flurm_auth_status_str(res.status),
                 flurm_auth_munge_error(w->auth));
        goto error;
    }
    if (!(reply_cred = flurm_auth_encode(w->auth, FLURM_PROTO_22_05,
                                         FLURM_RESPONSE_SUBMIT_BATCH_JOB, reply_body,
                                         sizeof(reply_body), res.uid))) {
        snprintf(why, whylen, "munge encode (reply): %s", flurm_auth_munge_error(w->auth));
        goto error;
    }
    rc = 0;
error:
    free(cred);
    free(reply_cred);
    return rc;
}

/* --munge-only, before the clock starts: request credential number i. */
static int premake_one(struct worker *w, long i, char *why, size_t whylen)
{
    const struct body *body = &w->load->submit_bodies[0];

    w->load->creds[i] = flurm_auth_encode(w->auth, FLURM_PROTO_22_05,
                                          FLURM_REQUEST_SUBMIT_BATCH_JOB, body->data, body->len,
                                          FLURM_AUTH_UID_ANY);
    if (!w->load->creds[i]) {
        snprintf(why, whylen, "munge encode: %s", flurm_auth_munge_error(w->auth));
        return -1;
    }
    return 0;
}

static void note_error(struct load *l, long request, const char *why)
{
    pthread_mutex_lock(&l->error_lock);
    if (l->errors_seen++ == 0)
        snprintf(l->first_error, sizeof(l->first_error), "request %ld: %s", request, why);
    pthread_mutex_unlock(&l->error_lock);
}

typedef int (*request_fn)(struct worker *w, long i, char *why, size_t whylen);

struct worker_job {
    struct worker *w;
    request_fn fn;
};

static void *worker_run(void *arg)
{
    struct worker_job *job = arg;
    struct worker *w = job->w;
    struct load *l = w->load;
    long i;
    char why[256];

    while ((i = atomic_fetch_add(&l->next, 1)) < l->opt->count) {
        double start = now_s();

        why[0] = '\0';
        if (job->fn(w, i, why, sizeof(why)) == 0) {
            l->latency_ms[i] = (now_s() - start) * 1e3;
            l->ok[i] = true;
        } else {
            note_error(l, i, why);
        }
    }
    return NULL;
}

/* ---- running and reporting ------------------------------------------------- */

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Nearest-rank percentile of n sorted values (n > 0). */
static double percentile(const double *sorted, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);

    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

struct summary {
    long count, ok;
    double p50, p99, max;
    double reply_kb_mean;
};

/* Latency of the successful requests of type t (all types when t is
 * RPC_TYPES). */
static struct summary summarize(const struct load *l, int t)
{
    long count = l->opt->count;
    struct summary s = {.p50 = NAN, .p99 = NAN, .max = NAN, .reply_kb_mean = NAN};
    double *sorted = malloc((size_t)count * sizeof(*sorted));
    double bytes = 0;

    for (long i = 0; i < count; i++) {
        if (t != RPC_TYPES && (int)request_type(l, i) != t)
            continue;
        s.count++;
        if (!l->ok[i])
            continue;
        if (sorted)
            sorted[s.ok] = l->latency_ms[i];
        bytes += (double)l->reply_bytes[i];
        s.ok++;
    }
    if (sorted && s.ok > 0) {
        qsort(sorted, (size_t)s.ok, sizeof(*sorted), compare_double);
        s.p50 = percentile(sorted, (size_t)s.ok, 50);
        s.p99 = percentile(sorted, (size_t)s.ok, 99);
        s.max = sorted[s.ok - 1];
        s.reply_kb_mean = bytes / (double)s.ok / 1024.0;
    }
    free(sorted);
    return s;
}

struct ctl_usage {
    bool known;
    double cpu_s;
    long long peak_kb;
};

static void report_munge(const struct load *l, double wall_s, double premade_s)
{
    struct summary all = summarize(l, RPC_TYPES);

    printf("munge: %ld ok, %ld failed in %.3f s: %.1f requests/s (decode + encode%s)\n", all.ok,
           all.count - all.ok, wall_s, (double)all.ok / wall_s,
           l->opt->client_encode ? " + the client's encode" : "");
    if (all.ok > 0)
        printf("munge: latency ms p50 %.3f p99 %.3f max %.3f\n", all.p50, all.p99, all.max);
    if (all.count - all.ok > 0)
        printf("munge: first failure: %s\n", l->first_error);
    printf("result mode=munge_only count=%ld ok=%ld failed=%ld concurrency=%ld wall_s=%.4f "
           "ops_per_s=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f client_encode=%d "
           "premade_per_s=%.1f\n",
           all.count, all.ok, all.count - all.ok, l->opt->concurrency, wall_s,
           (double)all.ok / wall_s, all.p50, all.p99, all.max, l->opt->client_encode ? 1 : 0,
           premade_s > 0 ? (double)all.count / premade_s : 0.0);
    fflush(stdout);
}

static void report(const struct load *l, double wall_s, const struct ctl_usage *ctl)
{
    struct summary all = summarize(l, RPC_TYPES), sub = summarize(l, RPC_SUBMIT);
    uint32_t first_id = UINT32_MAX, last_id = 0;
    int ntypes = 0;

    for (long i = 0; i < l->opt->count; i++) {
        if (!l->job_ids[i])
            continue;
        if (l->job_ids[i] < first_id)
            first_id = l->job_ids[i];
        if (l->job_ids[i] > last_id)
            last_id = l->job_ids[i];
    }
    for (int t = 0; t < RPC_TYPES; t++)
        ntypes += l->opt->weights[t] > 0;
    if (sub.count > 0)
        printf("submit: %ld ok, %ld failed in %.3f s: %.1f jobs/s\n", sub.ok, sub.count - sub.ok,
               wall_s, (double)sub.ok / wall_s);
    if (ntypes > 1 || sub.count == 0)
        printf("mix: %ld ok, %ld failed in %.3f s: %.1f requests/s\n", all.ok,
               all.count - all.ok, wall_s, (double)all.ok / wall_s);
    if (all.ok > 0)
        printf("%s: latency ms p50 %.2f p99 %.2f max %.2f\n", ntypes > 1 ? "mix" : "submit",
               all.p50, all.p99, all.max);
    if (sub.ok > 0)
        printf("submit: job ids %u..%u\n", first_id, last_id);
    if (ctl->known)
        printf("controller: %.2f s CPU (%.3f ms per request), peak RSS %.1f MB\n", ctl->cpu_s,
               all.ok ? ctl->cpu_s * 1e3 / (double)all.ok : 0.0, (double)ctl->peak_kb / 1024.0);
    if (all.count - all.ok > 0)
        printf("submit: first failure: %s\n", l->first_error);
    printf("result count=%ld ok=%ld failed=%ld concurrency=%ld wall_s=%.4f jobs_per_s=%.1f "
           "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f rpcs_per_s=%.1f",
           all.count, all.ok, all.count - all.ok, l->opt->concurrency, wall_s,
           (double)sub.ok / wall_s, all.p50, all.p99, all.max, (double)all.ok / wall_s);
    if (ctl->known)
        printf(" ctl_cpu_s=%.3f ctl_cpu_ms_per_rpc=%.4f ctl_peak_kb=%lld", ctl->cpu_s,
               all.ok ? ctl->cpu_s * 1e3 / (double)all.ok : 0.0, ctl->peak_kb);
    printf("\n");
    if (ntypes > 1)
        for (int t = 0; t < RPC_TYPES; t++) {
            struct summary s = summarize(l, t);

            if (l->opt->weights[t] == 0)
                continue;
            printf("result_type type=%s count=%ld ok=%ld failed=%ld per_s=%.1f p50_ms=%.3f "
                   "p99_ms=%.3f max_ms=%.3f reply_kb=%.1f\n",
                   rpc_types[t].name, s.count, s.ok, s.count - s.ok, (double)s.ok / wall_s, s.p50,
                   s.p99, s.max, s.reply_kb_mean);
        }
    fflush(stdout);
}

/* Run fn over the requests with opt->concurrency workers.  0 when all
 * workers ran (whatever the requests' fate), -1/errno when one could not
 * start. */
static int run_workers(struct load *l, request_fn fn)
{
    long n = l->opt->concurrency;
    struct worker *workers = calloc((size_t)n, sizeof(*workers));
    struct worker_job *jobs = calloc((size_t)n, sizeof(*jobs));
    int rc = -1, err;

    if (!workers || !jobs)
        goto error;
    for (long i = 0; i < n; i++) {
        workers[i].load = l;
        jobs[i] = (struct worker_job){.w = &workers[i], .fn = fn};
        if (!(workers[i].auth = flurm_auth_create(NULL)) ||
            !(workers[i].frame = flurm_buf_create(4096)))
            goto error;
    }
    for (long i = 0; i < n; i++) {
        if ((err = pthread_create(&workers[i].thread, NULL, worker_run, &jobs[i])) != 0) {
            errno = err;
            /* Stop the others from taking more work; they finish theirs. */
            atomic_store(&l->next, l->opt->count);
            goto error;
        }
        workers[i].started = true;
    }
    rc = 0;
error:
    for (long i = 0; workers && i < n; i++) {
        if (workers[i].started)
            pthread_join(workers[i].thread, NULL);
        flurm_auth_destroy(workers[i].auth);
        flurm_buf_destroy(workers[i].frame);
    }
    free(workers);
    free(jobs);
    return rc;
}

static int dump_frame(struct load *l, const char *path)
{
    struct worker w = {.load = l};
    FILE *f = NULL;
    int rc = -1;

    if (!(w.auth = flurm_auth_create(NULL)) || !(w.frame = flurm_buf_create(4096)))
        goto error;
    if (build_frame(&w, rpc_types[request_type(l, 0)].request, request_body(l, 0)) < 0) {
        fprintf(stderr, "submit: building the request: %s (%s)\n", strerror(errno),
                flurm_auth_munge_error(w.auth));
        goto error;
    }
    if (!(f = fopen(path, "wb")) ||
        fwrite(flurm_buf_data(w.frame), 1, flurm_buf_len(w.frame), f) != flurm_buf_len(w.frame)) {
        fprintf(stderr, "submit: %s: %s\n", path, strerror(errno));
        goto error;
    }
    rc = 0;
error:
    if (f && fclose(f) != 0 && rc == 0) {
        fprintf(stderr, "submit: %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    flurm_auth_destroy(w.auth);
    flurm_buf_destroy(w.frame);
    return rc;
}

/* ---- the bodies ------------------------------------------------------------- */

/* Encode the submission bodies (one, or VARY_SHAPES with --vary) and the
 * other types' bodies into l.  0 or -1/errno. */
static int make_bodies(struct load *l)
{
    /* --vary: 1 to 4 nodes, and limits from 10 minutes to a day */
    static const uint32_t vary_minutes[] = {10, 30, 60, 120, 240, 480, 720, 1440};
    const struct options *opt = l->opt;
    struct flurm_job_info_request job_info = {.show_flags = CLIENT_SHOW_FLAGS,
                                              .njob_ids = FLURM_NO_VAL};
    struct flurm_info_request node_info = {.show_flags = CLIENT_SHOW_FLAGS};

    l->nsubmit_bodies = opt->vary ? VARY_SHAPES : 1;
    for (size_t k = 0; k < l->nsubmit_bodies; k++) {
        uint32_t nodes = (uint32_t)opt->nodes, minutes = (uint32_t)opt->minutes;
        struct flurm_job_desc *jd;

        if (opt->vary) {
            nodes = (uint32_t)(k % 4 + 1);
            minutes = vary_minutes[(k / 2) % 8];
        }
        if (!(jd = job_desc_create(opt->hold, nodes, minutes)))
            return -1;
        l->submit_bodies[k].data = encode_body(FLURM_REQUEST_SUBMIT_BATCH_JOB, jd,
                                               &l->submit_bodies[k].len);
        job_desc_destroy(jd);
        if (!l->submit_bodies[k].data)
            return -1;
    }
    if (!(l->bodies[RPC_JOB_INFO].data =
              encode_body(FLURM_REQUEST_JOB_INFO, &job_info, &l->bodies[RPC_JOB_INFO].len)) ||
        !(l->bodies[RPC_NODE_INFO].data =
              encode_body(FLURM_REQUEST_NODE_INFO, &node_info, &l->bodies[RPC_NODE_INFO].len)) ||
        !(l->bodies[RPC_PING].data = encode_body(FLURM_REQUEST_PING, NULL,
                                                 &l->bodies[RPC_PING].len)))
        return -1;
    return 0;
}

/* The mix's cycle: each type as often as its weight, spread out (type t's
 * k-th request at k / weight of the way), so that a short run sees them all. */
static int make_plan(struct load *l)
{
    long total = 0, taken[RPC_TYPES] = {0};

    for (int t = 0; t < RPC_TYPES; t++)
        total += l->opt->weights[t];
    if (!(l->plan = malloc((size_t)total * sizeof(*l->plan))))
        return -1;
    for (long k = 0; k < total; k++) {
        int best = -1;
        double best_at = 0;

        /* the type most behind its share goes next */
        for (int t = 0; t < RPC_TYPES; t++) {
            double at;

            if (taken[t] >= l->opt->weights[t])
                continue;
            at = (double)taken[t] / (double)l->opt->weights[t];
            if (best < 0 || at < best_at) {
                best = t;
                best_at = at;
            }
        }
        l->plan[k] = (enum rpc_type)best;
        taken[best]++;
    }
    l->plan_len = (size_t)total;
    return 0;
}

static void load_free(struct load *l)
{
    for (size_t k = 0; k < VARY_SHAPES; k++)
        free(l->submit_bodies[k].data);
    for (int t = 0; t < RPC_TYPES; t++)
        free(l->bodies[t].data);
    if (l->creds)
        for (long i = 0; i < l->opt->count; i++)
            free(l->creds[i]);
    free(l->creds);
    free(l->plan);
    free(l->latency_ms);
    free(l->job_ids);
    free(l->reply_bytes);
    free(l->ok);
}

int main(int argc, char **argv)
{
    struct options opt;
    struct load l = {.opt = &opt};
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addr = NULL;
    struct ctl_usage ctl = {0};
    long long ticks0 = 0;
    int gai, status = 1;
    double start, wall_s, premade_s = 0;

    if (parse_options(argc, argv, &opt) < 0)
        return 2;
    pthread_mutex_init(&l.error_lock, NULL);
    if (make_bodies(&l) < 0 || make_plan(&l) < 0) {
        fprintf(stderr, "submit: cannot build the requests: %s\n", strerror(errno));
        goto error;
    }
    if (opt.dump_frame) {
        status = dump_frame(&l, opt.dump_frame) < 0 ? 1 : 0;
        goto error;
    }
    l.latency_ms = malloc((size_t)opt.count * sizeof(*l.latency_ms));
    l.job_ids = calloc((size_t)opt.count, sizeof(*l.job_ids));
    l.reply_bytes = calloc((size_t)opt.count, sizeof(*l.reply_bytes));
    l.ok = calloc((size_t)opt.count, sizeof(*l.ok));
    if (!l.latency_ms || !l.job_ids || !l.reply_bytes || !l.ok) {
        fprintf(stderr, "submit: out of memory\n");
        goto error;
    }
    for (long i = 0; i < opt.count; i++)
        l.latency_ms[i] = NAN;
    if (opt.munge_only) {
        if (!opt.client_encode) {
            if (!(l.creds = calloc((size_t)opt.count, sizeof(*l.creds)))) {
                fprintf(stderr, "submit: out of memory\n");
                goto error;
            }
            start = now_s();
            if (run_workers(&l, premake_one) < 0 || l.errors_seen) {
                fprintf(stderr, "submit: cannot make the credentials: %s\n",
                        l.errors_seen ? l.first_error : strerror(errno));
                goto error;
            }
            premade_s = now_s() - start;
            atomic_store(&l.next, 0);
            memset(l.ok, 0, (size_t)opt.count * sizeof(*l.ok));
        }
        printf("munge: %ld requests, %ld workers, body %zu bytes\n", opt.count, opt.concurrency,
               l.submit_bodies[0].len);
        fflush(stdout);
        start = now_s();
        if (run_workers(&l, munge_one) < 0) {
            fprintf(stderr, "submit: cannot start the workers: %s\n", strerror(errno));
            goto error;
        }
        report_munge(&l, now_s() - start, premade_s);
        status = l.errors_seen == 0 ? 0 : 1;
        goto error;
    }
    if ((gai = getaddrinfo(opt.host, opt.port, &hints, &addr)) != 0) {
        fprintf(stderr, "submit: %s:%s: %s\n", opt.host, opt.port, gai_strerror(gai));
        goto error;
    }
    l.addr = addr;
    printf("submit: %ld requests to %s:%s, %ld workers, body %zu bytes%s\n", opt.count, opt.host,
           opt.port, opt.concurrency, l.submit_bodies[0].len, opt.hold ? ", held" : "");
    fflush(stdout);
    if (opt.ctl_pid) {
        tree_reset_peak((pid_t)opt.ctl_pid);
        ticks0 = tree_ticks((pid_t)opt.ctl_pid);
    }
    start = now_s();
    if (run_workers(&l, rpc_one) < 0) {
        fprintf(stderr, "submit: cannot start the workers: %s\n", strerror(errno));
        goto error;
    }
    wall_s = now_s() - start;
    if (opt.ctl_pid) {
        ctl.known = true;
        ctl.cpu_s = (double)(tree_ticks((pid_t)opt.ctl_pid) - ticks0) / (double)sysconf(_SC_CLK_TCK);
        ctl.peak_kb = tree_peak_kb((pid_t)opt.ctl_pid);
    }
    report(&l, wall_s, &ctl);
    status = l.errors_seen == 0 ? 0 : 1;
error:
    if (addr)
        freeaddrinfo(addr);
    load_free(&l);
    pthread_mutex_destroy(&l.error_lock);
    return status;
}
