/*
 * nodeclient - sends one request to a FLURM service the way the gateway
 * does (body {auth, time, proto, msg}), for the node manager's
 * multi-process tests.
 *
 *   nodeclient --rundir D [--service NAME] --type TYPE [--uid U] [--time T]
 *              [--req-id ID] [--timeout MS] [MSG_JSON]
 *
 * --service defaults to "nodes", --uid to 0, --time to now, --timeout to
 * 10000 ms; MSG_JSON (default: no msg) is the record JSON of the SLURM
 * request.  Prints the reply body as one line of JSON on success, or
 * "error CODE TEXT" for an error reply.  Exit status: 0 ok, 1 error reply,
 * 2 no reply (timeout), 100 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/client.h"
#include "common/exitcode.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/loop.h"

struct outcome {
    struct flurm_loop *loop;
    int status;
};

static void usage(void)
{
    fprintf(stderr, "usage: nodeclient --rundir D [--service NAME] --type TYPE [--uid U] "
                    "[--time T] [--req-id ID] [--timeout MS] [MSG_JSON]\n");
    exit(FLURM_EXIT_PERMANENT);
}

static long parse_long(const char *s)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s ? s : "", &end, 10);
    if (errno || !s || end == s || *end || v < 0)
        usage();
    return v;
}

static void done(const struct flurm_msg *reply, int errnum, void *arg)
{
    struct outcome *out = arg;

    if (errnum) {
        printf("noreply %s\n", strerror(errnum));
        out->status = 2;
    } else if (flurm_msg_ok(reply)) {
        char *text = json_dumps(flurm_msg_body(reply), JSON_COMPACT | JSON_SORT_KEYS);

        printf("%s\n", text ? text : "{}");
        free(text);
        out->status = 0;
    } else {
        printf("error %d %s\n", flurm_msg_error_code(reply), flurm_msg_error_text(reply));
        out->status = 1;
    }
    fflush(stdout);
    flurm_loop_stop(out->loop);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rundir", required_argument, NULL, 'r'}, {"service", required_argument, NULL, 's'},
        {"type", required_argument, NULL, 't'},   {"uid", required_argument, NULL, 'u'},
        {"time", required_argument, NULL, 'T'},   {"req-id", required_argument, NULL, 'i'},
        {"timeout", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0},
    };
    const char *rundir = NULL, *service = "nodes", *type = NULL, *req_id = NULL;
    long uid = 0, when = (long)time(NULL), timeout_ms = 10000;
    struct outcome out = {.status = 2};
    struct flurm_client *client = NULL;
    json_t *body, *msg = NULL;
    json_error_t jerr;
    char *url;
    int c;

    flurm_log_init("nodeclient");
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rundir = optarg; break;
        case 's': service = optarg; break;
        case 't': type = optarg; break;
        case 'u': uid = parse_long(optarg); break;
        case 'T': when = parse_long(optarg); break;
        case 'i': req_id = optarg; break;
        case 'o': timeout_ms = parse_long(optarg); break;
        default: usage();
        }
    }
    if (!rundir || !type || argc - optind > 1)
        usage();
    if (optind < argc && !(msg = json_loads(argv[optind], 0, &jerr))) {
        fprintf(stderr, "nodeclient: bad MSG_JSON: %s\n", jerr.text);
        return FLURM_EXIT_PERMANENT;
    }
    body = json_pack("{s:{s:I, s:I, s:s}, s:I, s:i}", "auth", "uid", (json_int_t)uid, "gid",
                     (json_int_t)uid, "addr", "127.0.0.1", "time", (json_int_t)when, "proto",
                     0x2600);
    if (!body || (msg && json_object_set_new(body, "msg", msg) < 0))
        return FLURM_EXIT_TEMPORARY;
    if (!(out.loop = flurm_loop_create()) ||
        !(url = flurm_ipc_link_url(rundir, service, FLURM_IPC_REQ)) ||
        !(client = flurm_client_create(out.loop, url, "nodeclient"))) {
        fprintf(stderr, "nodeclient: %s\n", strerror(errno));
        return FLURM_EXIT_TEMPORARY;
    }
    free(url);
    if (flurm_client_request_full(client, type, req_id, NULL, body, timeout_ms / 1000.0, done,
                                  &out) < 0) {
        fprintf(stderr, "nodeclient: cannot send: %s\n", strerror(errno));
        return FLURM_EXIT_TEMPORARY;
    }
    flurm_loop_run(out.loop);
    json_decref(body);
    flurm_client_destroy(client);
    flurm_loop_destroy(out.loop);
    return out.status;
}
