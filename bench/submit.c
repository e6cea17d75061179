/*
 * submit - a submission load generator for a SLURM 22.05 controller (FLURM
 * or the real slurmctld): it sends REQUEST_SUBMIT_BATCH_JOB the way
 * `sbatch --hold --wrap=true` does and reports throughput and latency.
 *
 *   submit [--host H] [--port P] [--count N] [--concurrency C]
 *          [--no-hold] [--timeout SECONDS] [--dump-frame FILE]
 *
 * Why a program and not sbatch in a loop: sbatch costs ~3 ms of client CPU
 * per job (it reads slurm.conf, loads plugins, asks munged twice), which on
 * a small machine measures the client more than the controller.  Here the
 * job body is encoded once, with the project's wire/ code, and each request
 * only adds a fresh munge credential (munged refuses a replayed one), so
 * both controllers receive the same bytes apart from the credential.
 *
 * Each request uses its own TCP connection, as every SLURM client RPC does.
 * C worker threads share one request counter; each thread owns its munge
 * context (wire/auth.h contexts are not thread-safe).  Latency is measured
 * per request from building the frame (munge included, as sbatch pays it)
 * to the decoded reply.  The reply's credential is not verified: that would
 * measure munged, which both controllers share.
 *
 * Output: a few human lines, then one "result key=value ..." line for
 * scripts.  Exit status 0 only when every submission got a job id.
 */
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
/* A reply to a submission is a few hundred bytes; anything near this is
 * not a reply. */
#define MAX_REPLY_LEN (1024U * 1024)
#define MAX_WORKERS 1024

struct options {
    const char *host;
    const char *port;
    long count;
    long concurrency;
    bool hold;
    double timeout_s;
    const char *dump_frame; /* write one request frame here and exit */
};

/* State shared by every worker; written only through the atomics, the
 * per-request slots (one writer each) and the error slot (under lock). */
struct load {
    const struct options *opt;
    const uint8_t *body;
    size_t body_len;
    const struct addrinfo *addr;
    atomic_long next;         /* next request number to take */
    double *latency_ms;       /* per request; NAN when it failed */
    uint32_t *job_ids;        /* per request; 0 when it failed */
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
            "              [--no-hold] [--timeout SECONDS] [--dump-frame FILE]\n"
            "  --host H           controller address (default 127.0.0.1)\n"
            "  --port P           controller port (default 6817)\n"
            "  --count N          submissions to make (default 1)\n"
            "  --concurrency C    workers submitting at once (default 1)\n"
            "  --no-hold          submit runnable jobs (default: held, as sbatch --hold)\n"
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

static long parse_positive(const char *what, const char *s, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > max) {
        fprintf(stderr, "submit: %s wants a number from 1 to %ld, not '%s'\n", what, max, s);
        exit(2);
    }
    return v;
}

static int parse_options(int argc, char **argv, struct options *opt)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'H'},
        {"port", required_argument, NULL, 'p'},
        {"count", required_argument, NULL, 'n'},
        {"concurrency", required_argument, NULL, 'c'},
        {"no-hold", no_argument, NULL, 'r'},
        {"timeout", required_argument, NULL, 't'},
        {"dump-frame", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    *opt = (struct options){
        .host = "127.0.0.1", .port = "6817", .count = 1, .concurrency = 1,
        .hold = true, .timeout_s = 30,
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
        case 'r':
            opt->hold = false;
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

/* The job_desc of `sbatch [--hold] --wrap=true` with sbatch's defaults
 * (slurm_init_job_desc_msg: every unset number is NO_VAL of its width).
 * Owned by the caller: free with job_desc_destroy().  NULL/errno. */
static struct flurm_job_desc *job_desc_create(bool hold)
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
    jd->time_limit = FLURM_NO_VAL;
    jd->time_min = FLURM_NO_VAL;
    jd->min_cpus = 1;
    jd->max_cpus = FLURM_NO_VAL;
    jd->min_nodes = FLURM_NO_VAL;
    jd->max_nodes = FLURM_NO_VAL;
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

/* The wire body of the job: malloc'ed, owned by the caller. NULL/errno. */
static uint8_t *encode_body(const struct flurm_job_desc *jd, size_t *len)
{
    struct flurm_buf *b = flurm_buf_create(2048);
    uint8_t *body = NULL;

    if (!b)
        return NULL;
    if (flurm_msg_body_encode(FLURM_PROTO_22_05, FLURM_REQUEST_SUBMIT_BATCH_JOB, jd, b) < 0)
        goto error;
    body = flurm_buf_steal(b, len);
error:
    flurm_buf_destroy(b);
    return body;
}

/* ---- one request ---------------------------------------------------------- */

/* Build the whole frame (length prefix, header, fresh credential, body) into
 * the worker's reusable buffer.  0 or -1/errno. */
static int build_frame(struct worker *w)
{
    const struct load *l = w->load;
    struct flurm_header h = {
        .version = FLURM_PROTO_22_05,
        .msg_type = FLURM_REQUEST_SUBMIT_BATCH_JOB,
        .body_length = (uint32_t)l->body_len,
    };

    if (flurm_buf_seek(w->frame, 0) < 0 || flurm_pack32(w->frame, 0) < 0 ||
        flurm_header_pack(&h, w->frame) < 0 ||
        flurm_auth_sign(w->auth, h.version, h.msg_type, l->body, l->body_len,
                        FLURM_AUTH_UID_ANY, w->frame) < 0 ||
        flurm_pack_raw(w->frame, l->body, l->body_len) < 0)
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

/* Read the reply frame and get the job id out of it.  Returns the job id,
 * or 0 with a description in why (caller's buffer). */
static uint32_t read_reply(int fd, char *why, size_t whylen)
{
    uint8_t prefix[4], *msg = NULL;
    uint32_t len, job_id = 0;
    struct flurm_msg_parts parts = {0};
    const struct flurm_record *rec = NULL;
    void *body = NULL;
    const char *field = NULL;

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
    if (flurm_msg_split(&parts, msg, len) < 0) {
        snprintf(why, whylen, "malformed reply: %s", strerror(errno));
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
    switch (parts.hdr.msg_type) {
    case FLURM_RESPONSE_SUBMIT_BATCH_JOB: {
        const struct flurm_submit_response *r = body;
        job_id = r->job_id;
        if (!job_id)
            snprintf(why, whylen, "job id 0 in the reply (error_code %u)", r->error_code);
        break;
    }
    case FLURM_RESPONSE_SLURM_RC:
        snprintf(why, whylen, "controller refused: rc %d",
                 ((const struct flurm_rc_msg *)body)->return_code);
        break;
    case FLURM_RESPONSE_SLURM_RC_MSG: {
        const struct flurm_rc_text_msg *r = body;
        snprintf(why, whylen, "controller refused: rc %d (%s)", r->return_code,
                 r->err_msg ? r->err_msg : "");
        break;
    }
    default:
        snprintf(why, whylen, "unexpected reply type %u", parts.hdr.msg_type);
        break;
    }
error:
    flurm_msg_body_destroy(rec, body);
    flurm_msg_parts_free(&parts);
    free(msg);
    return job_id;
}

/* One submission.  Returns the job id, or 0 with a description in why. */
static uint32_t submit_one(struct worker *w, char *why, size_t whylen)
{
    const struct load *l = w->load;
    uint32_t job_id = 0;
    int fd = -1;

    if (build_frame(w) < 0) {
        snprintf(why, whylen, "building the request: %s (%s)", strerror(errno),
                 flurm_auth_munge_error(w->auth));
        return 0;
    }
    if ((fd = connect_to(l->addr, l->opt->timeout_s)) < 0) {
        snprintf(why, whylen, "connect to %s:%s: %s", l->opt->host, l->opt->port,
                 strerror(errno));
        return 0;
    }
    if (write_all(fd, flurm_buf_data(w->frame), flurm_buf_len(w->frame)) < 0)
        snprintf(why, whylen, "sending the request: %s", strerror(errno));
    else
        job_id = read_reply(fd, why, whylen);
    close(fd);
    return job_id;
}

static void note_error(struct load *l, long request, const char *why)
{
    pthread_mutex_lock(&l->error_lock);
    if (l->errors_seen++ == 0)
        snprintf(l->first_error, sizeof(l->first_error), "request %ld: %s", request, why);
    pthread_mutex_unlock(&l->error_lock);
}

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct load *l = w->load;
    long i;
    char why[256];

    while ((i = atomic_fetch_add(&l->next, 1)) < l->opt->count) {
        double start = now_s();
        uint32_t job_id;

        why[0] = '\0';
        job_id = submit_one(w, why, sizeof(why));
        if (job_id) {
            l->latency_ms[i] = (now_s() - start) * 1e3;
            l->job_ids[i] = job_id;
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

static void report(const struct load *l, double wall_s)
{
    long count = l->opt->count, ok = 0;
    double *sorted = malloc((size_t)count * sizeof(*sorted));
    uint32_t first_id = UINT32_MAX, last_id = 0;
    double p50 = NAN, p99 = NAN, max = NAN;

    for (long i = 0; i < count; i++) {
        if (!l->job_ids[i])
            continue;
        if (sorted)
            sorted[ok] = l->latency_ms[i];
        ok++;
        if (l->job_ids[i] < first_id)
            first_id = l->job_ids[i];
        if (l->job_ids[i] > last_id)
            last_id = l->job_ids[i];
    }
    if (sorted && ok > 0) {
        qsort(sorted, (size_t)ok, sizeof(*sorted), compare_double);
        p50 = percentile(sorted, (size_t)ok, 50);
        p99 = percentile(sorted, (size_t)ok, 99);
        max = sorted[ok - 1];
    }
    free(sorted);
    printf("submit: %ld ok, %ld failed in %.3f s: %.1f jobs/s\n", ok, count - ok, wall_s,
           (double)ok / wall_s);
    if (ok > 0) {
        printf("submit: latency ms p50 %.2f p99 %.2f max %.2f\n", p50, p99, max);
        printf("submit: job ids %u..%u\n", first_id, last_id);
    }
    if (count - ok > 0)
        printf("submit: first failure: %s\n", l->first_error);
    printf("result count=%ld ok=%ld failed=%ld concurrency=%ld wall_s=%.4f jobs_per_s=%.1f "
           "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
           count, ok, count - ok, l->opt->concurrency, wall_s, (double)ok / wall_s, p50, p99,
           max);
    fflush(stdout);
}

/* Run the load with opt->concurrency workers.  0 when all workers ran
 * (whatever the submissions' fate), -1/errno when one could not start. */
static int run_load(struct load *l)
{
    long n = l->opt->concurrency;
    struct worker *workers = calloc((size_t)n, sizeof(*workers));
    int rc = -1, err;

    if (!workers)
        return -1;
    for (long i = 0; i < n; i++) {
        workers[i].load = l;
        if (!(workers[i].auth = flurm_auth_create(NULL)) ||
            !(workers[i].frame = flurm_buf_create(4096)))
            goto error;
    }
    for (long i = 0; i < n; i++) {
        if ((err = pthread_create(&workers[i].thread, NULL, worker_run, &workers[i])) != 0) {
            errno = err;
            /* Stop the others from taking more work; they finish theirs. */
            atomic_store(&l->next, l->opt->count);
            goto error;
        }
        workers[i].started = true;
    }
    rc = 0;
error:
    for (long i = 0; i < n; i++) {
        if (workers[i].started)
            pthread_join(workers[i].thread, NULL);
        flurm_auth_destroy(workers[i].auth);
        flurm_buf_destroy(workers[i].frame);
    }
    free(workers);
    return rc;
}

static int dump_frame(struct load *l, const char *path)
{
    struct worker w = {.load = l};
    FILE *f = NULL;
    int rc = -1;

    if (!(w.auth = flurm_auth_create(NULL)) || !(w.frame = flurm_buf_create(4096)))
        goto error;
    if (build_frame(&w) < 0) {
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

int main(int argc, char **argv)
{
    struct options opt;
    struct load l = {.opt = &opt};
    struct flurm_job_desc *jd = NULL;
    uint8_t *body = NULL;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addr = NULL;
    int gai, status = 1;
    double start, wall_s;

    if (parse_options(argc, argv, &opt) < 0)
        return 2;
    pthread_mutex_init(&l.error_lock, NULL);
    if (!(jd = job_desc_create(opt.hold)) || !(body = encode_body(jd, &l.body_len))) {
        fprintf(stderr, "submit: cannot build the job: %s\n", strerror(errno));
        goto error;
    }
    l.body = body;
    if (opt.dump_frame) {
        status = dump_frame(&l, opt.dump_frame) < 0 ? 1 : 0;
        goto error;
    }
    if ((gai = getaddrinfo(opt.host, opt.port, &hints, &addr)) != 0) {
        fprintf(stderr, "submit: %s:%s: %s\n", opt.host, opt.port, gai_strerror(gai));
        goto error;
    }
    l.addr = addr;
    l.latency_ms = malloc((size_t)opt.count * sizeof(*l.latency_ms));
    l.job_ids = calloc((size_t)opt.count, sizeof(*l.job_ids));
    if (!l.latency_ms || !l.job_ids) {
        fprintf(stderr, "submit: out of memory\n");
        goto error;
    }
    for (long i = 0; i < opt.count; i++)
        l.latency_ms[i] = NAN;
    printf("submit: %ld jobs to %s:%s, %ld workers, body %zu bytes%s\n", opt.count, opt.host,
           opt.port, opt.concurrency, l.body_len, opt.hold ? ", held" : "");
    fflush(stdout);
    start = now_s();
    if (run_load(&l) < 0) {
        fprintf(stderr, "submit: cannot start the workers: %s\n", strerror(errno));
        goto error;
    }
    wall_s = now_s() - start;
    report(&l, wall_s);
    status = l.errors_seen == 0 ? 0 : 1;
error:
    free(l.latency_ms);
    free(l.job_ids);
    if (addr)
        freeaddrinfo(addr);
    free(body);
    job_desc_destroy(jd);
    pthread_mutex_destroy(&l.error_lock);
    return status;
}
