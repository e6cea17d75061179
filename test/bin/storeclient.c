/*
 * storeclient - talks to flurm-jobstore through its service API, for the
 * job store's multi-process tests.
 *
 *   storeclient --rundir D submit --count N [--window W] [--out FILE]
 *               [--uid U] [--gid G] [--timeout MS]
 *       Submits N batch jobs, W at a time (default 32), as the gateway
 *       would (body {auth, time, proto, msg: job_desc}).  Job i is named
 *       "burst-<i>" and its script prints i.  Each acknowledged job is
 *       written to FILE (line-buffered) as "<i> <job_id>" the moment its
 *       reply arrives.  Exits 0 if every submission was acknowledged.
 *
 *   storeclient --rundir D verify --in FILE [--partition P]
 *       For each "<i> <job_id>" line, reads the job back (job.info_single
 *       and job.script) and checks its name, partition, state and script.
 *       Prints "verified N missing M wrong K" and exits 0 only if every job
 *       is there, whole.
 *
 *   storeclient --rundir D request TYPE [BODY-JSON]
 *       Sends one request and prints the reply ({"ok":..., ...}) on stdout.
 *
 *   storeclient --rundir D events --count N [--timeout MS]
 *       Prints the first N job.* events ("<type> <seq> <body>") the store
 *       publishes; exits 0 if N arrived in time.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/client.h"
#include "common/exitcode.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/pubsub.h"
#include "services/jobstore/jobs.h"

struct sc {
    struct flurm_loop *loop;
    struct flurm_client *client;
    double timeout_s;
    unsigned uid, gid;
    /* submit */
    long count, sent, acked, failed, window;
    FILE *out;
    /* verify */
    const char *partition;
    long verified, missing, wrong, outstanding;
    /* events */
    long events;
    ev_timer deadline;
};

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
    fprintf(stderr, "usage: storeclient --rundir D submit --count N [--window W] [--out FILE]\n"
                    "       storeclient --rundir D verify --in FILE [--partition P]\n"
                    "       storeclient --rundir D request TYPE [BODY-JSON]\n"
                    "       storeclient --rundir D events --count N\n");
    exit(FLURM_EXIT_PERMANENT);
}

static long number(const char *s)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s ? s : "", &end, 10);
    if (errno || !s || end == s || *end || v < 0)
        usage();
    return v;
}

/* The request body the gateway would send for a submission. */
static json_t *submit_body(struct sc *sc, long i)
{
    json_t *desc = jobs_desc_defaults(), *mine;
    char name[32], script[64];

    snprintf(name, sizeof(name), "burst-%ld", i);
    snprintf(script, sizeof(script), "#!/bin/sh\necho %ld\n", i);
    mine = json_pack("{s:s, s:s, s:[s, s], s:s, s:s, s:i, s:[s]}", "name", name, "script", script,
                     "environment", "PATH=/bin", "HOME=/tmp", "work_dir", "/tmp", "std_in",
                     "/dev/null", "min_cpus", 1, "argv", "burst.sh");
    json_object_update(desc, mine);
    json_decref(mine);
    return json_pack("{s:{s:I, s:I, s:s}, s:I, s:i, s:o}", "auth", "uid", (json_int_t)sc->uid,
                     "gid", (json_int_t)sc->gid, "addr", "127.0.0.1", "time",
                     (json_int_t)time(NULL), "proto", 0x2600, "msg", desc);
}

struct sub {
    struct sc *sc;
    long i;
};

static void send_next(struct sc *sc);

static void on_submitted(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct sub *s = arg;
    struct sc *sc = s->sc;

    if (!reply) {
        fprintf(stderr, "job %ld: no reply: %s\n", s->i, strerror(errnum));
        sc->failed++;
    } else if (!flurm_msg_ok(reply)) {
        fprintf(stderr, "job %ld: refused: %d %s\n", s->i, flurm_msg_error_code(reply),
                flurm_msg_error_text(reply));
        sc->failed++;
    } else {
        json_t *msg = json_object_get(flurm_msg_body(reply), "msg");

        fprintf(sc->out, "%ld %lld\n", s->i,
                (long long)json_integer_value(json_object_get(msg, "job_id")));
        fflush(sc->out);
        sc->acked++;
    }
    free(s);
    send_next(sc);
    if (sc->acked + sc->failed == sc->count)
        flurm_loop_stop(sc->loop);
}

static void send_next(struct sc *sc)
{
    while (sc->sent < sc->count && sc->sent - sc->acked - sc->failed < sc->window) {
        struct sub *s = malloc(sizeof(*s));
        json_t *body = submit_body(sc, sc->sent);

        if (s) {
            s->sc = sc;
            s->i = sc->sent;
        }
        if (!s || !body || flurm_client_request(sc->client, "job.submit", body, sc->timeout_s,
                                                on_submitted, s) < 0) {
            fprintf(stderr, "job %ld: cannot send: %s\n", sc->sent, strerror(errno));
            free(s);
            sc->failed++;
        }
        json_decref(body);
        sc->sent++;
    }
}

/* ---- verify ---------------------------------------------------------------- */

struct check {
    struct sc *sc;
    long i;
    long long job_id;
    int info_ok, script_ok, answers;
    int missing;
};

static void check_done(struct check *c)
{
    struct sc *sc = c->sc;

    if (++c->answers < 2)
        return;
    if (c->missing)
        sc->missing++;
    else if (c->info_ok && c->script_ok)
        sc->verified++;
    else
        sc->wrong++;
    free(c);
    if (--sc->outstanding == 0)
        flurm_loop_stop(sc->loop);
}

static void on_info(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct check *c = arg;
    const json_t *job;
    char name[32];

    snprintf(name, sizeof(name), "burst-%ld", c->i);
    if (!reply || !flurm_msg_ok(reply)) {
        fprintf(stderr, "job %lld (burst-%ld): missing: %s\n", c->job_id, c->i,
                reply ? flurm_msg_error_text(reply) : strerror(errnum));
        c->missing = 1;
    } else {
        job = json_array_get(
            json_object_get(json_object_get(flurm_msg_body(reply), "msg"), "jobs"), 0);
        c->info_ok = job && json_integer_value(json_object_get(job, "job_id")) == c->job_id &&
                     json_string_value(json_object_get(job, "name")) &&
                     !strcmp(json_string_value(json_object_get(job, "name")), name) &&
                     json_string_value(json_object_get(job, "partition")) &&
                     (!c->sc->partition ||
                      !strcmp(json_string_value(json_object_get(job, "partition")),
                              c->sc->partition)) &&
                     json_integer_value(json_object_get(job, "job_state")) == 0 &&
                     json_string_value(json_object_get(job, "work_dir")) &&
                     !strcmp(json_string_value(json_object_get(job, "work_dir")), "/tmp");
        if (!c->info_ok)
            fprintf(stderr, "job %lld: wrong record\n", c->job_id);
    }
    check_done(c);
}

static void on_script(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct check *c = arg;
    char want[64];

    (void)errnum;
    snprintf(want, sizeof(want), "#!/bin/sh\necho %ld\n", c->i);
    if (reply && flurm_msg_ok(reply)) {
        const json_t *body = flurm_msg_body(reply);
        const char *script = json_string_value(json_object_get(body, "script"));

        c->script_ok = script && !strcmp(script, want) &&
                       json_array_size(json_object_get(body, "environment")) == 2;
        if (!c->script_ok)
            fprintf(stderr, "job %lld: wrong script or environment\n", c->job_id);
    } else {
        c->missing = 1;
    }
    check_done(c);
}

static int verify(struct sc *sc, const char *in)
{
    FILE *f = fopen(in, "r");
    long i;
    long long job_id;

    if (!f) {
        fprintf(stderr, "%s: %s\n", in, strerror(errno));
        return 1;
    }
    while (fscanf(f, "%ld %lld", &i, &job_id) == 2) {
        struct check *c = calloc(1, sizeof(*c));
        json_t *info = json_pack("{s:{s:I, s:i}}", "msg", "job_id", (json_int_t)job_id,
                                 "show_flags", 0);
        json_t *sbody = json_pack("{s:{s:I}}", "msg", "job_id", (json_int_t)job_id);

        c->sc = sc;
        c->i = i;
        c->job_id = job_id;
        sc->outstanding++;
        if (flurm_client_request(sc->client, "job.info_single", info, sc->timeout_s, on_info,
                                 c) < 0 ||
            flurm_client_request(sc->client, "job.script", sbody, sc->timeout_s, on_script,
                                 c) < 0) {
            fprintf(stderr, "cannot send: %s\n", strerror(errno));
            exit(1);
        }
        json_decref(info);
        json_decref(sbody);
    }
    fclose(f);
    if (sc->outstanding)
        flurm_loop_run(sc->loop);
    printf("verified %ld missing %ld wrong %ld\n", sc->verified, sc->missing, sc->wrong);
    return sc->missing || sc->wrong || !sc->verified;
}

/* ---- request / events ----------------------------------------------------------- */

static int request_status = 1;

static void on_reply(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct sc *sc = arg;
    json_t *out;
    char *text;

    if (!reply) {
        fprintf(stderr, "no reply: %s\n", strerror(errnum));
    } else {
        out = flurm_msg_ok(reply)
                  ? json_pack("{s:b, s:O}", "ok", 1, "body", flurm_msg_body(reply))
                  : json_pack("{s:b, s:i, s:s}", "ok", 0, "code", flurm_msg_error_code(reply),
                              "text", flurm_msg_error_text(reply));
        text = json_dumps(out, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
        json_decref(out);
        request_status = 0;
    }
    flurm_loop_stop(sc->loop);
}

static void on_event(const struct flurm_msg *event, void *arg)
{
    struct sc *sc = arg;
    char *text = json_dumps(flurm_msg_body(event), JSON_COMPACT);

    printf("%s %llu %s\n", flurm_msg_type(event), (unsigned long long)flurm_msg_seq(event),
           text ? text : "?");
    free(text);
    if (++sc->events >= sc->count)
        flurm_loop_stop(sc->loop);
}

static void deadline_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct sc *sc = w->data;

    (void)ev;
    (void)revents;
    flurm_loop_stop(sc->loop);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"rundir", required_argument, NULL, 'r'},  {"count", required_argument, NULL, 'c'},
        {"window", required_argument, NULL, 'w'},  {"out", required_argument, NULL, 'o'},
        {"in", required_argument, NULL, 'i'},      {"uid", required_argument, NULL, 'u'},
        {"gid", required_argument, NULL, 'g'},     {"timeout", required_argument, NULL, 't'},
        {"partition", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0},
    };
    struct sc sc = {.timeout_s = 30.0, .window = 32, .count = -1};
    const char *rundir = NULL, *out = NULL, *in = NULL, *mode;
    struct flurm_subscriber *sub = NULL;
    char *url = NULL;
    int opt, rc = 1;

    sc.uid = (unsigned)getuid();
    sc.gid = (unsigned)getgid();
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'r': rundir = optarg; break;
        case 'c': sc.count = number(optarg); break;
        case 'w': sc.window = number(optarg); break;
        case 'o': out = optarg; break;
        case 'i': in = optarg; break;
        case 'u': sc.uid = (unsigned)number(optarg); break;
        case 'g': sc.gid = (unsigned)number(optarg); break;
        case 't': sc.timeout_s = (double)number(optarg) / 1000.0; break;
        case 'p': sc.partition = optarg; break;
        default: usage();
        }
    }
    if (!rundir || optind >= argc)
        usage();
    mode = argv[optind++];
    flurm_log_init("storeclient");
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!(sc.loop = flurm_loop_create())) {
        fprintf(stderr, "cannot set up: %s\n", strerror(errno));
        return FLURM_EXIT_TEMPORARY;
    }
    if (!strcmp(mode, "events")) {
        if (sc.count <= 0 || !(url = flurm_ipc_link_url(rundir, "store", FLURM_IPC_EVENTS)))
            usage();
        sub = flurm_subscriber_create(sc.loop, url, on_event, NULL, &sc);
        free(url);
        if (!sub || flurm_subscriber_subscribe(sub, "job.") < 0) {
            fprintf(stderr, "cannot subscribe: %s\n", strerror(errno));
            return FLURM_EXIT_TEMPORARY;
        }
        ev_timer_init(&sc.deadline, deadline_cb, sc.timeout_s, 0.0);
        sc.deadline.data = &sc;
        ev_timer_start(flurm_loop_ev(sc.loop), &sc.deadline);
        printf("subscribed\n");
        flurm_loop_run(sc.loop);
        ev_timer_stop(flurm_loop_ev(sc.loop), &sc.deadline);
        rc = sc.events >= sc.count ? 0 : 1;
        flurm_subscriber_destroy(sub);
        flurm_loop_destroy(sc.loop);
        return rc;
    }
    if (!(url = flurm_ipc_link_url(rundir, "store", FLURM_IPC_REQ)) ||
        !(sc.client = flurm_client_create(sc.loop, url, "storeclient"))) {
        fprintf(stderr, "cannot set up: %s\n", strerror(errno));
        return FLURM_EXIT_TEMPORARY;
    }
    free(url);
    if (!strcmp(mode, "submit")) {
        if (sc.count < 0 || sc.window <= 0)
            usage();
        sc.out = out ? fopen(out, "w") : stdout;
        if (!sc.out) {
            fprintf(stderr, "%s: %s\n", out, strerror(errno));
            return 1;
        }
        send_next(&sc);
        if (sc.acked + sc.failed < sc.count)
            flurm_loop_run(sc.loop);
        fprintf(stderr, "acked %ld failed %ld\n", sc.acked, sc.failed);
        rc = sc.failed == 0 && sc.acked == sc.count ? 0 : 1;
        if (sc.out != stdout)
            fclose(sc.out);
    } else if (!strcmp(mode, "verify")) {
        if (!in)
            usage();
        rc = verify(&sc, in);
    } else if (!strcmp(mode, "request")) {
        const char *type;
        json_t *body;

        if (optind >= argc)
            usage();
        type = argv[optind++];
        body = optind < argc ? json_loads(argv[optind], 0, NULL) : json_object();
        if (!body || flurm_client_request(sc.client, type, body, sc.timeout_s, on_reply, &sc) < 0)
            usage();
        json_decref(body);
        flurm_loop_run(sc.loop);
        rc = request_status;
    } else {
        usage();
    }
    flurm_client_destroy(sc.client);
    flurm_loop_destroy(sc.loop);
    return rc;
}
