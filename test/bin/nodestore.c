/*
 * nodestore - a stand-in for the job store's node requests, for the node
 * manager's multi-process tests: "node.state_set" {name, state, reason,
 * reason_uid, reason_time} keeps one record per node (written through to
 * a JSON file, so it outlives restarts), "node.state_list" answers
 * {nodes: [records]}.  This is the contract the real store must implement
 * (docs/nodemgr.md, "What the store keeps").
 *
 *   nodestore --rundir D --file F [--name NAME] [--unknown] [--silent]
 *
 * --unknown serves neither request (the runtime answers "unknown type", as
 * a store without node support does); --silent takes requests and never
 * answers.  Each node.state_set is logged to stderr as
 * "state_set NAME STATE REASON".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/exitcode.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/service.h"

struct nodestore {
    const char *file;
    json_t *records; /* object: name -> record */
};

static void usage(void)
{
    fprintf(stderr, "usage: nodestore --rundir D --file F [--name NAME] [--unknown] [--silent]\n");
    exit(FLURM_EXIT_PERMANENT);
}

static void state_set(struct flurm_request *req, void *arg)
{
    struct nodestore *ns = arg;
    json_t *body = flurm_request_body(req);
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *state = json_string_value(json_object_get(body, "state"));
    const char *reason = json_string_value(json_object_get(body, "reason"));

    if (!name || !state) {
        flurm_request_reply_error(req, EINVAL, "node.state_set needs name and state");
        return;
    }
    json_object_set(ns->records, name, body);
    if (json_dump_file(ns->records, ns->file, JSON_SORT_KEYS) < 0) {
        flurm_request_reply_error(req, EIO, "cannot write %s", ns->file);
        return;
    }
    fprintf(stderr, "state_set %s %s %s\n", name, state, reason ? reason : "-");
    flurm_request_reply(req, NULL);
}

static void state_list(struct flurm_request *req, void *arg)
{
    struct nodestore *ns = arg;
    json_t *list = json_array(), *rec;
    const char *key;

    json_object_foreach(ns->records, key, rec)
        json_array_append(list, rec);
    flurm_request_reply(req, json_pack("{s:o}", "nodes", list));
}

static void never_answer(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_defer(req);
}

static const struct flurm_handler serving[] = {
    {"node.state_set", state_set},
    {"node.state_list", state_list},
    {NULL, NULL},
};
static const struct flurm_handler silent[] = {
    {"node.state_set", never_answer},
    {"node.state_list", never_answer},
    {NULL, NULL},
};
static const struct flurm_handler unknown[] = {
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rundir", required_argument, NULL, 'r'}, {"file", required_argument, NULL, 'f'},
        {"name", required_argument, NULL, 'n'},   {"unknown", no_argument, NULL, 'u'},
        {"silent", no_argument, NULL, 's'},       {NULL, 0, NULL, 0},
    };
    const struct flurm_handler *table = serving;
    const char *rundir = NULL, *name = "store";
    struct nodestore ns = {0};
    struct flurm_loop *loop;
    struct flurm_service *svc;
    int c, code;

    flurm_log_init("nodestore");
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rundir = optarg; break;
        case 'f': ns.file = optarg; break;
        case 'n': name = optarg; break;
        case 'u': table = unknown; break;
        case 's': table = silent; break;
        default: usage();
        }
    }
    if (!rundir || !ns.file)
        usage();
    if (!(ns.records = json_load_file(ns.file, 0, NULL)))
        ns.records = json_object();
    if (!(loop = flurm_loop_create()) ||
        !(svc = flurm_service_create(loop, name, "nodestore-1", table, &ns)) ||
        flurm_service_set_rundir(svc, rundir) < 0 || flurm_service_start(svc) < 0) {
        fprintf(stderr, "nodestore: %s\n", strerror(errno));
        return FLURM_EXIT_TEMPORARY;
    }
    /* A silent store still has to exit on SIGTERM: cap its drain. */
    flurm_service_set_drain_timeout(svc, 0.5);
    code = flurm_service_run(svc);
    flurm_service_destroy(svc);
    flurm_loop_destroy(loop);
    json_decref(ns.records);
    return code;
}
