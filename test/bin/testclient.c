/*
 * testclient - sends "echo" requests to a service through its symlink and
 * reports who answered, for the reload tests.
 *
 *   testclient --rundir D --service NAME --count N [--interval MS] [--timeout MS]
 *
 * Sends N requests (body {"i":i}, each with its own req_id), one every
 * --interval MS (all at once if 0, the default), each with an overall
 * --timeout (default 10000 ms).  Prints "reply <i> pid <pid>" per reply and
 * finally "ok N failed M"; exits 0 only if every request was answered with
 * its own body.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/client.h"
#include "common/exitcode.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/loop.h"

struct testclient {
    struct flurm_loop *loop;
    struct flurm_client *client;
    long count;
    long sent;
    long ok;
    long failed;
    double timeout_s;
    ev_timer send_timer;
};

struct pending {
    struct testclient *tc;
    long i;
};

static void usage(void)
{
    fprintf(stderr, "usage: testclient --rundir D --service NAME --count N [--interval MS] "
                    "[--timeout MS]\n");
    exit(FLURM_EXIT_PERMANENT);
}

static long parse_count(const char *s)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s ? s : "", &end, 10);
    if (errno || !s || end == s || *end || v < 0)
        usage();
    return v;
}

static void maybe_done(struct testclient *tc)
{
    if (tc->ok + tc->failed == tc->count)
        flurm_loop_stop(tc->loop);
}

static void on_reply(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct pending *p = arg;
    struct testclient *tc = p->tc;
    json_t *body;
    json_int_t pid = 0, echoed = -1;

    if (!reply) {
        fprintf(stderr, "fail %ld: %s\n", p->i, strerror(errnum));
        tc->failed++;
    } else if (!flurm_msg_ok(reply)) {
        fprintf(stderr, "fail %ld: error %d %s\n", p->i, flurm_msg_error_code(reply),
                flurm_msg_error_text(reply));
        tc->failed++;
    } else {
        body = flurm_msg_body(reply);
        if (json_unpack(body, "{s:I, s:{s:I}}", "pid", &pid, "body", "i", &echoed) < 0 ||
            echoed != p->i) {
            fprintf(stderr, "fail %ld: reply is not an echo of this request\n", p->i);
            tc->failed++;
        } else {
            printf("reply %ld pid %lld\n", p->i, (long long)pid);
            tc->ok++;
        }
    }
    free(p);
    maybe_done(tc);
}

static void send_one(struct testclient *tc)
{
    long i = tc->sent++;
    struct pending *p = malloc(sizeof(*p));
    json_t *body = json_pack("{s:I}", "i", (json_int_t)i);

    if (p) {
        p->tc = tc;
        p->i = i;
    }
    if (!p || !body ||
        flurm_client_request(tc->client, "echo", body, tc->timeout_s, on_reply, p) < 0) {
        fprintf(stderr, "fail %ld: cannot send: %s\n", i, strerror(errno));
        free(p);
        tc->failed++;
    }
    json_decref(body);
}

static void send_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    struct testclient *tc = w->data;

    (void)revents;
    send_one(tc);
    if (tc->sent >= tc->count)
        ev_timer_stop(ev, w);
    maybe_done(tc);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"rundir", required_argument, NULL, 'r'},
        {"service", required_argument, NULL, 's'},
        {"count", required_argument, NULL, 'c'},
        {"interval", required_argument, NULL, 'i'},
        {"timeout", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    struct testclient tc = {.count = -1, .timeout_s = 10.0};
    const char *rundir = NULL, *service = NULL;
    double interval_s = 0;
    char *url;
    int opt;

    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'r':
            rundir = optarg;
            break;
        case 's':
            service = optarg;
            break;
        case 'c':
            tc.count = parse_count(optarg);
            break;
        case 'i':
            interval_s = (double)parse_count(optarg) / 1000.0;
            break;
        case 't':
            tc.timeout_s = (double)parse_count(optarg) / 1000.0;
            break;
        default:
            usage();
        }
    }
    if (!rundir || !service || tc.count < 0 || optind != argc)
        usage();
    flurm_log_init("testclient");
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (!(url = flurm_ipc_link_url(rundir, service, FLURM_IPC_REQ))) {
        fprintf(stderr, "bad --rundir/--service: %s\n", strerror(errno));
        return FLURM_EXIT_PERMANENT;
    }
    if (!(tc.loop = flurm_loop_create()) ||
        !(tc.client = flurm_client_create(tc.loop, url, "testclient"))) {
        fprintf(stderr, "cannot set up: %s\n", strerror(errno));
        free(url);
        return FLURM_EXIT_TEMPORARY;
    }
    free(url);
    ev_timer_init(&tc.send_timer, send_cb, 0.0, interval_s);
    tc.send_timer.data = &tc;
    if (tc.count > 0) {
        if (interval_s > 0) {
            ev_timer_start(flurm_loop_ev(tc.loop), &tc.send_timer);
        } else {
            while (tc.sent < tc.count)
                send_one(&tc);
        }
    }
    if (tc.ok + tc.failed < tc.count)
        flurm_loop_run(tc.loop);
    ev_timer_stop(flurm_loop_ev(tc.loop), &tc.send_timer);
    flurm_client_destroy(tc.client);
    flurm_loop_destroy(tc.loop);
    printf("ok %ld failed %ld\n", tc.ok, tc.failed);
    return tc.failed == 0 ? FLURM_EXIT_OK : 1;
}
