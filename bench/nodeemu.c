/*
 * nodeemu - a node emulator for benchmarks: thousands of synthetic slurmd
 * on one machine, so that a controller (FLURM or the real slurmctld 22.05)
 * can be measured scheduling at scale.
 *
 *   nodeemu -f SLURM_CONF [--nodes HOSTLIST] [--reg-rate N] [--max-conns N]
 *           [--job-runtime MS] [--epilog-ms MS] [--already-complete]
 *           [--report SECONDS] [--duration SECONDS] [--exit-registered]
 *
 * Every emulated node is a NodeName of the slurm.conf and listens where the
 * controller will dial it: its NodeAddr and Port.  All nodes share ONE libev
 * loop.  Two layouts scale to 10,000 nodes on one host, and both are plain
 * slurm.conf that the real slurmctld reads too:
 *
 *   NodeName=e[1-10000] NodeAddr=127.0.0.1 Port=[20001-30000]
 *       one port per node: one listening socket per node;
 *   NodeName=e[1-10000] NodeAddr=127.0.[0-39].[1-250]   (or one line per /24)
 *       one address per node on the loopback /8, one Port: ONE listening
 *       socket on 0.0.0.0:Port, and the node is the local address the
 *       controller dialed (getsockname).
 *
 * What each node does, as slurmd 22.05 does it (src/slurmd/slurmd/req.c):
 *   start                MESSAGE_NODE_REGISTRATION_STATUS 1002 (flag RESP) to
 *                        the controller, paced by --reg-rate; the node counts
 *                        as registered at RESPONSE_NODE_REGISTRATION 1024
 *   REQUEST_PING 1008    RESPONSE_PING_SLURMD 1016
 *   REQUEST_NODE_REGISTRATION_STATUS 1001
 *                        RESPONSE_PING_SLURMD, then a new registration
 *   REQUEST_BATCH_JOB_LAUNCH 4005
 *                        RC 0; after the run time (--job-runtime, or a
 *                        "#EMU runtime=MS" line in the script) the job ends
 *                        and REQUEST_COMPLETE_BATCH_SCRIPT 5018 goes to the
 *                        controller as slurmstepd sends it (job_rc 0, or
 *                        "#EMU exit=N" gives wait status N << 8)
 *   REQUEST_TERMINATE_JOB 6011, REQUEST_KILL_TIMELIMIT 6009, KILL_PREEMPTED
 *                        RC 0, then MESSAGE_EPILOG_COMPLETE 6012 (slurmd with
 *                        an Epilog; sent without awaiting a reply, as
 *                        slurmctld sends none); a job still running ends first with a
 *                        5018 of SIGKILL.  --already-complete answers as
 *                        slurmd without Epilog does when the job has no step
 *                        left: ESLURMD_KILL_JOB_ALREADY_COMPLETE, no 6012
 *   REQUEST_SIGNAL_TASKS 6004
 *                        RC 0; a signal whose default action terminates ends
 *                        the job (5018 with that signal as wait status)
 *   REQUEST_ABORT_JOB 6013  RC 0, the job is dropped silently
 *   REQUEST_HEALTH_CHECK, RECONFIGURE: RC 0
 *   anything else        RC EINVAL, what slurmd_req answers to an unknown RPC
 *
 * A request whose header asks to forward (slurmctld's agent fans out with
 * TreeWidth) is answered for every forwarded node from here, in the
 * reply's ret list, as the slurmd tree would aggregate it: all the nodes
 * live in this process, so no message needs to travel further.
 *
 * Credentials: every message this program sends carries a fresh munge
 * credential of its uid (run it as root or SlurmUser, as slurmd); requests
 * to the controller are restricted to SlurmUser, replies are decodable by
 * anyone.  Incoming credentials are not verified: that would measure
 * munged, which slurmd shares with the controller on a real cluster but
 * not on one machine.  Replies use the request's protocol version.
 *
 * Output: counters every --report seconds and at the end (SIGINT, SIGTERM,
 * --duration, or --exit-registered once every node registered), and the
 * line "registered N nodes in S s" when the last node registered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "common/hostlist.h"
#include "common/slurmconf.h"
#include "wire/auth.h"
#include "wire/frame.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/pack.h"
#include "wire/rec_generic.h"
#include "wire/rec_slurmd.h"
#include "wire/rec_step.h"
#include "wire/record.h"

/* slurm_errno.h values a slurmd answers with. */
#define SLURM_COMMUNICATIONS_CONNECTION_ERROR 1001
#define ESLURMD_KILL_JOB_ALREADY_COMPLETE 4002
#define ESLURM_INVALID_JOB_ID 2017
#define ESLURM_ALREADY_DONE 2021
/* What slurmd reports as its version in a registration. */
#define EMU_SLURM_VERSION "22.05.8"
/* A launch carries the script and environment; anything near this is not
 * a controller's request. */
#define MAX_REQUEST_LEN (64U * 1024 * 1024)
#define MAX_REPLY_LEN (1024U * 1024)
/* Seconds between two attempts to deliver a message to the controller,
 * and how many attempts a job message gets (slurmstepd retries too). */
#define RETRY_DELAY_S 1.0
#define JOB_MSG_ATTEMPTS 60

struct options {
    const char *conf_path;
    const char *nodes; /* NULL: every node of the conf */
    double reg_rate;   /* registrations per second; 0 = no pacing */
    int max_conns;     /* messages to the controller in flight */
    double job_runtime_s;
    double epilog_s;
    bool already_complete;
    double report_s; /* 0: only at the end */
    double duration_s; /* 0: until a signal */
    bool exit_registered;
    double timeout_s; /* one exchange, connect to reply */
};

struct counters {
    uint64_t reg_sent;
    uint64_t reg_acked;
    size_t nodes_registered;
    uint64_t reg_requests;
    uint64_t pings;
    uint64_t launches;
    uint64_t completes_sent;
    uint64_t completes_acked;
    uint64_t terminates;
    uint64_t epilogs_sent;
    uint64_t signals;
    uint64_t aborts;
    uint64_t forwarded;
    uint64_t unknown;
    uint64_t errors;
};

struct emu;

struct job {
    struct emu *emu;
    struct job *next; /* in the node's list */
    size_t node;
    uint32_t job_id;
    uint32_t user_id;
    int32_t job_rc;
    ev_timer run;
};

struct node {
    const struct flurm_slurmconf_node *conf; /* borrowed from emu->conf */
    struct in_addr addr;
    uint16_t port;
    bool registered;
    bool reg_queued; /* a registration waits in the queue */
    struct job *jobs; /* running batch jobs */
    uint32_t njobs;
};

/* A listening socket; `node` is its only node unless `shared`, where the
 * local address of each connection names the node. */
struct listener {
    struct emu *emu;
    int fd;
    ev_io io;
    uint16_t port;
    bool shared;
    size_t node;
};

/* Where a node is dialed, sorted for bsearch by (port, addr). */
struct endpoint {
    uint16_t port;
    uint32_t addr; /* network order */
    size_t node;
};

enum out_kind { OUT_REGISTER, OUT_COMPLETE, OUT_EPILOG };

/* One message from a node to the controller. */
struct outmsg {
    struct emu *emu;
    struct outmsg *next; /* in the send queue, or the waiting list */
    struct outmsg *prev; /* in the waiting list */
    enum out_kind kind;
    size_t node;
    uint32_t job_id;
    uint32_t user_id;
    int32_t rc;
    int attempts;
    ev_timer retry; /* the message waits for a retry or for its epilog delay */
};

/* One connection to the controller carrying one outmsg. */
struct outconn {
    struct emu *emu;
    struct outconn *prev, *next;
    struct outmsg *msg;
    int fd;
    ev_io io;
    ev_timer timer;
    struct flurm_buf *frame;
    size_t written;
    struct flurm_frame_reader *reader;
};

/* One connection from the controller to a node: one request, one reply. */
struct inconn {
    struct emu *emu;
    struct inconn *prev, *next;
    size_t node;
    int fd;
    ev_io io;
    ev_timer timer;
    struct flurm_frame_reader *reader;
    struct flurm_buf *reply;
    size_t written;
};

struct emu {
    struct options opt;
    struct ev_loop *loop;
    struct flurm_slurmconf *conf;
    struct flurm_auth *auth;
    uint32_t slurm_uid; /* requests to the controller are restricted to it */
    struct sockaddr_in ctld;
    struct node *node;
    size_t nnodes;
    size_t *by_conf; /* conf index -> node index, SIZE_MAX when not emulated */
    struct endpoint *endpoint;
    struct listener *listener;
    size_t nlisteners;
    /* Two FIFOs of messages waiting for a connection slot: a job's
     * messages pass the registrations, since on a real cluster one node's
     * batch-complete never waits behind other nodes' registrations. */
    struct fifo {
        struct outmsg *head, *tail;
    } jobq, regq;
    /* What is alive outside the queue, for the teardown. */
    struct outmsg *waiting;
    struct outconn *outconns;
    struct inconn *inconns;
    size_t queued;
    int active_out;
    size_t reg_next; /* next node whose start-up registration is due */
    double start;    /* ev_now at start */
    double reg_start;
    double reg_done; /* when the last node registered; 0 until then */
    time_t start_wall;
    struct counters n;
    ev_timer reg_tick, report_tick, duration;
    ev_signal sigint, sigterm;
    bool stopping;
    bool kicking;
};

/* Intrusive doubly linked lists of the objects alive outside the queue. */
#define LIST_PUSH(head, x)                                                                      \
    do {                                                                                        \
        (x)->prev = NULL;                                                                       \
        (x)->next = (head);                                                                     \
        if (head)                                                                               \
            (head)->prev = (x);                                                                 \
        (head) = (x);                                                                           \
    } while (0)
#define LIST_UNLINK(head, x)                                                                    \
    do {                                                                                        \
        if ((x)->prev)                                                                          \
            (x)->prev->next = (x)->next;                                                        \
        else                                                                                    \
            (head) = (x)->next;                                                                 \
        if ((x)->next)                                                                          \
            (x)->next->prev = (x)->prev;                                                        \
        (x)->prev = (x)->next = NULL;                                                           \
    } while (0)

static void usage(FILE *to)
{
    fprintf(to,
            "usage: nodeemu -f SLURM_CONF [options]\n"
            "  -f, --conf FILE        the slurm.conf of the cluster to emulate\n"
            "  --nodes HOSTLIST       the nodes to emulate (default: every NodeName)\n"
            "  --reg-rate N           start-up registrations per second (default 0: no pacing)\n"
            "  --max-conns N          messages to the controller in flight (default 32)\n"
            "  --job-runtime MS       run time of a batch job (default 0); a script line\n"
            "                         '#EMU runtime=MS' overrides it, '#EMU exit=N' sets its exit code\n"
            "  --epilog-ms MS         delay between a terminate and its epilog-complete (default 0)\n"
            "  --already-complete     answer a terminate of a finished job as slurmd without\n"
            "                         Epilog: ESLURMD_KILL_JOB_ALREADY_COMPLETE and no 6012\n"
            "  --report SECONDS       print the counters this often (default 0: at the end)\n"
            "  --duration SECONDS     stop after this long (default: at SIGINT/SIGTERM)\n"
            "  --exit-registered      stop once every node registered\n"
            "  --timeout SECONDS      one exchange with the controller (default 30)\n");
}

static double parse_number(const char *what, const char *s, double max)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v > max) {
        fprintf(stderr, "nodeemu: %s wants a number from 0 to %g, not '%s'\n", what, max, s);
        exit(2);
    }
    return v;
}

static int parse_options(int argc, char **argv, struct options *opt)
{
    static const struct option longopts[] = {
        {"conf", required_argument, NULL, 'f'},
        {"nodes", required_argument, NULL, 'n'},
        {"reg-rate", required_argument, NULL, 'r'},
        {"max-conns", required_argument, NULL, 'c'},
        {"job-runtime", required_argument, NULL, 'j'},
        {"epilog-ms", required_argument, NULL, 'e'},
        {"already-complete", no_argument, NULL, 'a'},
        {"report", required_argument, NULL, 'R'},
        {"duration", required_argument, NULL, 'd'},
        {"exit-registered", no_argument, NULL, 'x'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    *opt = (struct options){.max_conns = 32, .timeout_s = 30};
    while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            opt->conf_path = optarg;
            break;
        case 'n':
            opt->nodes = optarg;
            break;
        case 'r':
            opt->reg_rate = parse_number("--reg-rate", optarg, 1e7);
            break;
        case 'c':
            opt->max_conns = (int)parse_number("--max-conns", optarg, 10000);
            if (opt->max_conns < 1)
                opt->max_conns = 1;
            break;
        case 'j':
            opt->job_runtime_s = parse_number("--job-runtime", optarg, 1e10) / 1000.0;
            break;
        case 'e':
            opt->epilog_s = parse_number("--epilog-ms", optarg, 1e10) / 1000.0;
            break;
        case 'a':
            opt->already_complete = true;
            break;
        case 'R':
            opt->report_s = parse_number("--report", optarg, 1e6);
            break;
        case 'd':
            opt->duration_s = parse_number("--duration", optarg, 1e8);
            break;
        case 'x':
            opt->exit_registered = true;
            break;
        case 't':
            opt->timeout_s = parse_number("--timeout", optarg, 3600);
            if (opt->timeout_s <= 0)
                opt->timeout_s = 30;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc || !opt->conf_path) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* ---- counters ----------------------------------------------------------------- */

static void print_counters(struct emu *e, const char *when)
{
    const struct counters *n = &e->n;

    printf("nodeemu %s t=%.3fs nodes=%zu registered=%zu reg_sent=%" PRIu64
           " reg_acked=%" PRIu64 " reg_requests=%" PRIu64 " pings=%" PRIu64
           " launches=%" PRIu64 " completes=%" PRIu64 "/%" PRIu64 " terminates=%" PRIu64
           " epilogs=%" PRIu64 " signals=%" PRIu64 " aborts=%" PRIu64 " forwarded=%" PRIu64
           " unknown=%" PRIu64 " errors=%" PRIu64 " queued=%zu\n",
           when, ev_now(e->loop) - e->start, e->nnodes, n->nodes_registered, n->reg_sent,
           n->reg_acked, n->reg_requests, n->pings, n->launches, n->completes_acked,
           n->completes_sent, n->terminates, n->epilogs_sent, n->signals, n->aborts,
           n->forwarded, n->unknown, n->errors, e->queued);
    fflush(stdout);
}

static void stop(struct emu *e)
{
    e->stopping = true;
    ev_break(e->loop, EVBREAK_ALL);
}

/* ---- messages to the controller ------------------------------------------------ */

static void queue_kick(struct emu *e);

static void queue_push(struct emu *e, struct outmsg *m)
{
    m->next = NULL;
    struct fifo *q = m->kind == OUT_REGISTER ? &e->regq : &e->jobq;

    if (m->kind == OUT_REGISTER) {
        /* A registration is encoded when it is sent, with the node's state
         * of then: one waiting per node is enough. */
        if (e->node[m->node].reg_queued) {
            free(m);
            return;
        }
        e->node[m->node].reg_queued = true;
    }
    if (q->tail)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
    e->queued++;
    queue_kick(e);
}

static struct outmsg *queue_pop(struct emu *e)
{
    struct fifo *q = e->jobq.head ? &e->jobq : &e->regq;
    struct outmsg *m = q->head;

    if (m) {
        q->head = m->next;
        if (!q->head)
            q->tail = NULL;
        e->queued--;
        if (m->kind == OUT_REGISTER)
            e->node[m->node].reg_queued = false;
    }
    return m;
}

/* A waiting message's delay is over: to the queue. */
static void waiting_due(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct outmsg *m = w->data;

    (void)loop;
    (void)revents;
    LIST_UNLINK(m->emu->waiting, m);
    queue_push(m->emu, m);
}

/* Queue m after `delay` seconds. */
static void send_later(struct emu *e, struct outmsg *m, double delay)
{
    ev_timer_set(&m->retry, delay, 0);
    ev_timer_start(e->loop, &m->retry);
    LIST_PUSH(e->waiting, m);
}

/* A message of `kind` for node i; the controller gets it as soon as a
 * connection slot is free.  Counted as an error when memory runs out. */
static void send_to_ctld(struct emu *e, enum out_kind kind, size_t i, uint32_t job_id,
                         uint32_t user_id, int32_t rc)
{
    struct outmsg *m = calloc(1, sizeof(*m));

    if (!m) {
        e->n.errors++;
        return;
    }
    m->emu = e;
    m->kind = kind;
    m->node = i;
    m->job_id = job_id;
    m->user_id = user_id;
    m->rc = rc;
    ev_timer_init(&m->retry, waiting_due, 0, 0);
    m->retry.data = m;
    queue_push(e, m);
}

/* The registration of node i as slurmd sends it, listing its running batch
 * steps.  Appended to b; 0 or -1/errno. */
static int encode_registration(struct emu *e, size_t i, struct flurm_buf *b)
{
    const struct node *nd = &e->node[i];
    const struct flurm_slurmconf_node *cn = nd->conf;
    struct flurm_node_registration reg = {0};
    struct sysinfo si;
    uint8_t no_gres[4] = {FLURM_PROTO_22_05 >> 8, FLURM_PROTO_22_05 & 0xff, 0, 0};
    size_t k = 0;
    int rc;

    reg.timestamp = time(NULL);
    reg.slurmd_start_time = e->start_wall;
    reg.hostname = (char *)cn->hostname;
    reg.node_name = (char *)cn->name;
    reg.arch = "x86_64";
    reg.os = "Linux";
    reg.cpus = cn->cpus;
    reg.boards = cn->boards;
    reg.sockets = cn->sockets;
    reg.cores = cn->cores_per_socket;
    reg.threads = cn->threads_per_core;
    reg.real_memory = cn->real_memory;
    reg.tmp_disk = cn->tmp_disk;
    reg.up_time = sysinfo(&si) == 0 ? (uint32_t)si.uptime : 0;
    reg.hash_val = FLURM_NO_VAL; /* do not compare slurm.conf hashes */
    reg.free_mem = cn->real_memory;
    reg.flags = FLURM_SLURMD_REG_FLAG_RESP;
    reg.version = EMU_SLURM_VERSION;
    /* slurmd always sends its GRES node configuration: the protocol
     * version and a record count of 0 when the node has none.  slurmctld
     * 22.05 crashes on a registration without it. */
    reg.gres_info_size = sizeof(no_gres);
    reg.gres_info.data = no_gres;
    reg.gres_info.len = sizeof(no_gres);
    reg.job_count = nd->njobs;
    if (nd->njobs && !(reg.steps = calloc(nd->njobs, sizeof(*reg.steps))))
        return -1;
    for (const struct job *j = nd->jobs; j && k < nd->njobs; j = j->next, k++)
        reg.steps[k] = (struct flurm_step_id){j->job_id, FLURM_STEP_BATCH_SCRIPT, FLURM_NO_VAL};
    rc = flurm_msg_body_encode(FLURM_PROTO_22_05, FLURM_MESSAGE_NODE_REGISTRATION_STATUS, &reg,
                               b);
    free(reg.steps);
    return rc;
}

/* Length prefix, header (with ret list items when given), a credential
 * over the body and the body: the whole frame into out.  0 or -1/errno. */
static int build_frame(struct emu *e, struct flurm_buf *out, uint16_t version, uint16_t type,
                       const struct flurm_buf *body, struct flurm_ret_item *ret,
                       uint16_t nret, uint32_t restrict_uid)
{
    struct flurm_header h = {
        .version = version,
        .msg_type = type,
        .body_length = (uint32_t)flurm_buf_len(body),
        .ret_cnt = nret,
        .ret_list = ret,
    };

    if (flurm_pack32(out, 0) < 0 || flurm_header_pack(&h, out) < 0 ||
        flurm_auth_sign(e->auth, version, type, flurm_buf_data(body), flurm_buf_len(body),
                        restrict_uid, out) < 0 ||
        flurm_pack_raw(out, flurm_buf_data(body), flurm_buf_len(body)) < 0)
        return -1;
    return flurm_pack32_at(out, 0, (uint32_t)(flurm_buf_len(out) - 4));
}

/* The frame of message m, ready to write.  Caller destroys.  NULL/errno. */
static struct flurm_buf *outmsg_frame(struct emu *e, const struct outmsg *m)
{
    struct flurm_buf *body = flurm_buf_create(512), *frame = flurm_buf_create(1024);
    const char *name = e->node[m->node].conf->name;
    uint16_t type;
    int rc = -1;

    if (!body || !frame)
        goto error;
    switch (m->kind) {
    case OUT_REGISTER:
        type = FLURM_MESSAGE_NODE_REGISTRATION_STATUS;
        rc = encode_registration(e, m->node, body);
        break;
    case OUT_COMPLETE: {
        struct flurm_complete_batch cb = {
            .job_id = m->job_id, .job_rc = m->rc, .user_id = m->user_id,
            .node_name = (char *)name,
        };
        type = FLURM_REQUEST_COMPLETE_BATCH_SCRIPT;
        rc = flurm_msg_body_encode(FLURM_PROTO_22_05, type, &cb, body);
        break;
    }
    case OUT_EPILOG:
    default: {
        struct flurm_epilog_complete ec = {
            .job_id = m->job_id, .return_code = 0, .node_name = (char *)name,
        };
        type = FLURM_MESSAGE_EPILOG_COMPLETE;
        rc = flurm_msg_body_encode(FLURM_PROTO_22_05, type, &ec, body);
        break;
    }
    }
    if (rc < 0 || build_frame(e, frame, FLURM_PROTO_22_05, type, body, NULL, 0, e->slurm_uid) < 0)
        goto error;
    flurm_buf_destroy(body);
    return frame;
error:
    flurm_buf_destroy(body);
    flurm_buf_destroy(frame);
    return NULL;
}

static const char *out_kind_name(enum out_kind k)
{
    switch (k) {
    case OUT_REGISTER:
        return "registration";
    case OUT_COMPLETE:
        return "batch complete";
    case OUT_EPILOG:
    default:
        return "epilog complete";
    }
}

static void outconn_close(struct outconn *c)
{
    struct emu *e = c->emu;

    ev_io_stop(e->loop, &c->io);
    ev_timer_stop(e->loop, &c->timer);
    LIST_UNLINK(e->outconns, c);
    if (c->fd >= 0)
        close(c->fd);
    flurm_buf_destroy(c->frame);
    flurm_frame_reader_destroy(c->reader);
    free(c);
    e->active_out--;
}

/* The exchange of c failed in transport (why: errno): try again later, up
 * to the message's attempts (a registration never gives up: slurmd keeps
 * trying to reach its controller). */
static void outconn_failed(struct outconn *c, int why)
{
    struct emu *e = c->emu;
    struct outmsg *m = c->msg;

    c->msg = NULL;
    outconn_close(c);
    e->n.errors++;
    if (e->n.errors <= 10 || (e->n.errors % 1000) == 0)
        fprintf(stderr, "nodeemu: %s of %s: %s (attempt %d)\n", out_kind_name(m->kind),
                e->node[m->node].conf->name, strerror(why), m->attempts);
    if (m->kind != OUT_REGISTER && m->attempts >= JOB_MSG_ATTEMPTS) {
        free(m);
    } else {
        send_later(e, m, RETRY_DELAY_S);
    }
    queue_kick(e);
}

static void node_registered(struct emu *e, size_t i)
{
    e->n.reg_acked++;
    if (e->node[i].registered)
        return;
    e->node[i].registered = true;
    if (++e->n.nodes_registered == e->nnodes) {
        e->reg_done = ev_now(e->loop);
        printf("nodeemu registered %zu nodes in %.3f s\n", e->nnodes, e->reg_done - e->reg_start);
        fflush(stdout);
        if (e->opt.exit_registered)
            stop(e);
    }
}

/* The controller's reply to c's message. */
static void outconn_reply(struct outconn *c, const uint8_t *msg, size_t len)
{
    struct emu *e = c->emu;
    struct outmsg *m = c->msg;
    struct flurm_msg_parts parts = {0};
    const struct flurm_record *rec = NULL;
    void *body = NULL;
    int32_t rc = 0;

    if (flurm_msg_split(&parts, msg, len) < 0) {
        rc = -1;
        goto done;
    }
    if (parts.hdr.msg_type == FLURM_RESPONSE_SLURM_RC) {
        body = flurm_msg_body_decode(parts.hdr.version, FLURM_RESPONSE_SLURM_RC, parts.body,
                                     parts.body_len, &rec, NULL);
        rc = body ? ((const struct flurm_rc_msg *)body)->return_code : -1;
        /* slurmstepd takes these as "the controller has it" (mgr.c). */
        if (m->kind == OUT_COMPLETE && (rc == ESLURM_ALREADY_DONE || rc == ESLURM_INVALID_JOB_ID))
            rc = 0;
    } else if (!(m->kind == OUT_REGISTER &&
                 parts.hdr.msg_type == FLURM_RESPONSE_NODE_REGISTRATION)) {
        rc = -1;
    }
done:
    if (rc != 0) {
        e->n.errors++;
        if (e->n.errors <= 10 || (e->n.errors % 1000) == 0)
            fprintf(stderr, "nodeemu: %s of %s (job %u): controller answered %s %d\n",
                    out_kind_name(m->kind), e->node[m->node].conf->name, m->job_id,
                    parts.hdr.msg_type ? flurm_msg_name(parts.hdr.msg_type) : "garbage", rc);
    } else if (m->kind == OUT_REGISTER) {
        node_registered(e, m->node);
    } else if (m->kind == OUT_COMPLETE) {
        e->n.completes_acked++;
    }
    flurm_msg_body_destroy(rec, body);
    flurm_msg_parts_free(&parts);
    free(m);
    c->msg = NULL;
    outconn_close(c);
    queue_kick(e);
}

static void outconn_io(struct ev_loop *loop, ev_io *w, int revents)
{
    struct outconn *c = w->data;

    (void)revents;
    if (w->events & EV_WRITE) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);

        if (c->written == 0 && (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr)) {
            outconn_failed(c, soerr ? soerr : errno);
            return;
        }
        while (c->written < flurm_buf_len(c->frame)) {
            ssize_t done = send(c->fd, flurm_buf_data(c->frame) + c->written,
                                flurm_buf_len(c->frame) - c->written, MSG_NOSIGNAL);
            if (done < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    return;
                outconn_failed(c, errno);
                return;
            }
            c->written += (size_t)done;
        }
        if (c->msg->kind == OUT_EPILOG) {
            /* slurmd sends it with slurm_send_only_controller_msg and
             * slurmctld answers nothing. */
            struct emu *e = c->emu;
            e->n.epilogs_sent++;
            free(c->msg);
            c->msg = NULL;
            outconn_close(c);
            queue_kick(e);
            return;
        }
        ev_io_stop(loop, w);
        ev_io_set(w, c->fd, EV_READ);
        ev_io_start(loop, w);
        return;
    }
    int st = flurm_frame_reader_read(c->reader, c->fd);
    if (st == FLURM_FRAME_NEED_MORE)
        return;
    if (st == FLURM_FRAME_READY) {
        size_t len;
        uint8_t *msg = flurm_frame_reader_take(c->reader, &len);
        if (!msg) {
            outconn_failed(c, errno);
            return;
        }
        outconn_reply(c, msg, len);
        free(msg);
        return;
    }
    outconn_failed(c, st == FLURM_FRAME_EOF ? ECONNRESET : errno);
}

static void outconn_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    outconn_failed(w->data, ETIMEDOUT);
}

/* Start delivering m.  On failure m is retried or dropped as by
 * outconn_failed. */
static void outconn_start(struct emu *e, struct outmsg *m)
{
    struct outconn *c = calloc(1, sizeof(*c));
    int saved;

    m->attempts++;
    if (!c) {
        e->n.errors++;
        send_later(e, m, RETRY_DELAY_S);
        return;
    }
    c->emu = e;
    c->msg = m;
    c->fd = -1;
    e->active_out++;
    LIST_PUSH(e->outconns, c);
    ev_io_init(&c->io, outconn_io, -1, EV_WRITE);
    c->io.data = c;
    ev_timer_init(&c->timer, outconn_timeout, e->opt.timeout_s, 0);
    c->timer.data = c;
    if (m->kind == OUT_REGISTER)
        e->n.reg_sent++;
    else if (m->kind == OUT_COMPLETE && m->attempts == 1)
        e->n.completes_sent++;
    if (!(c->frame = outmsg_frame(e, m)) || !(c->reader = flurm_frame_reader_create(MAX_REPLY_LEN)))
        goto error;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        goto error;
    if (connect(c->fd, (const struct sockaddr *)&e->ctld, sizeof(e->ctld)) < 0 &&
        errno != EINPROGRESS)
        goto error;
    ev_io_set(&c->io, c->fd, EV_WRITE);
    ev_io_start(e->loop, &c->io);
    ev_timer_start(e->loop, &c->timer);
    return;
error:
    saved = errno;
    outconn_failed(c, saved);
}

/* Fill the free connection slots from the queue.  Not re-entered: a
 * connection that fails at once calls it again from inside the loop. */
static void queue_kick(struct emu *e)
{
    struct outmsg *m;

    if (e->stopping || e->kicking)
        return;
    e->kicking = true;
    while (e->active_out < e->opt.max_conns && (m = queue_pop(e)))
        outconn_start(e, m);
    e->kicking = false;
}

/* ---- jobs -------------------------------------------------------------------------- */

static struct job *job_find(struct node *nd, uint32_t job_id)
{
    for (struct job *j = nd->jobs; j; j = j->next)
        if (j->job_id == job_id)
            return j;
    return NULL;
}

/* Take j off its node and free it. */
static void job_remove(struct emu *e, struct job *j)
{
    struct node *nd = &e->node[j->node];

    for (struct job **p = &nd->jobs; *p; p = &(*p)->next)
        if (*p == j) {
            *p = j->next;
            nd->njobs--;
            break;
        }
    ev_timer_stop(e->loop, &j->run);
    free(j);
}

/* The batch script of j ended with wait status job_rc: slurmstepd reports
 * it to the controller. */
static void job_end(struct emu *e, struct job *j, int32_t job_rc)
{
    send_to_ctld(e, OUT_COMPLETE, j->node, j->job_id, j->user_id, job_rc);
    job_remove(e, j);
}

static void job_ran(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct job *j = w->data;

    (void)loop;
    (void)revents;
    job_end(j->emu, j, j->job_rc);
}

/* "#EMU key=NUMBER" in script, or -1 when absent. */
static double script_setting(const char *script, const char *key)
{
    size_t klen = strlen(key);

    for (const char *p = script; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        const char *q = p;
        if (strncmp(q, "#EMU", 4) != 0)
            continue;
        q += 4;
        while (*q && *q != '\n') {
            while (*q == ' ' || *q == '\t')
                q++;
            if (strncmp(q, key, klen) == 0 && q[klen] == '=')
                return strtod(q + klen + 1, NULL);
            while (*q && *q != '\n' && *q != ' ' && *q != '\t')
                q++;
        }
    }
    return -1;
}

static int32_t launch(struct emu *e, size_t i, const struct flurm_batch_job_launch *req)
{
    struct node *nd = &e->node[i];
    struct job *j;
    double runtime = e->opt.job_runtime_s, v;

    e->n.launches++;
    if (job_find(nd, req->job_id))
        return 0; /* a re-sent launch: the job is already running */
    if (!(j = calloc(1, sizeof(*j)))) {
        e->n.errors++;
        return ENOMEM;
    }
    j->emu = e;
    j->node = i;
    j->job_id = req->job_id;
    j->user_id = req->uid;
    if ((v = script_setting(req->script, "runtime")) >= 0)
        runtime = v / 1000.0;
    if ((v = script_setting(req->script, "exit")) >= 0)
        j->job_rc = ((int32_t)v & 0xff) << 8;
    j->next = nd->jobs;
    nd->jobs = j;
    nd->njobs++;
    ev_timer_init(&j->run, job_ran, runtime, 0);
    j->run.data = j;
    ev_timer_start(e->loop, &j->run);
    return 0;
}

static int32_t terminate(struct emu *e, size_t i, const struct flurm_terminate_job *req)
{
    struct node *nd = &e->node[i];
    struct job *j = job_find(nd, req->step_id.job_id);
    struct outmsg *m;

    e->n.terminates++;
    if (j)
        job_end(e, j, SIGKILL);
    else if (e->opt.already_complete)
        return ESLURMD_KILL_JOB_ALREADY_COMPLETE;
    if (e->opt.epilog_s <= 0) {
        send_to_ctld(e, OUT_EPILOG, i, req->step_id.job_id, 0, 0);
        return 0;
    }
    if (!(m = calloc(1, sizeof(*m)))) {
        e->n.errors++;
        return 0;
    }
    m->emu = e;
    m->kind = OUT_EPILOG;
    m->node = i;
    m->job_id = req->step_id.job_id;
    ev_timer_init(&m->retry, waiting_due, 0, 0);
    m->retry.data = m;
    send_later(e, m, e->opt.epilog_s);
    return 0;
}

/* Signals whose default action does not end a process. */
static bool signal_ends_job(uint16_t sig)
{
    switch (sig) {
    case 0:
    case SIGCHLD:
    case SIGCONT:
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
    case SIGURG:
    case SIGWINCH:
        return false;
    default:
        return sig < 64;
    }
}

static int32_t signal_tasks(struct emu *e, size_t i, const struct flurm_signal_tasks *req)
{
    struct job *j = job_find(&e->node[i], req->step_id.job_id);

    e->n.signals++;
    if (!j)
        return ESLURM_INVALID_JOB_ID;
    if (signal_ends_job(req->signal))
        job_end(e, j, req->signal);
    return 0;
}

/* ---- requests from the controller ------------------------------------------------ */

struct reply {
    uint16_t type; /* enum flurm_msg_type */
    struct flurm_rc_msg rc;
    struct flurm_ping_slurmd_resp ping;
};

static const void *reply_body(const struct reply *r)
{
    return r->type == FLURM_RESPONSE_PING_SLURMD ? (const void *)&r->ping : (const void *)&r->rc;
}

/* What node i answers to a request of type with body (decoded, borrowed;
 * NULL when it did not decode). */
static void handle_request(struct emu *e, size_t i, enum flurm_msg_type type, const void *body,
                           struct reply *r)
{
    const struct flurm_slurmconf_node *cn = e->node[i].conf;

    r->type = FLURM_RESPONSE_SLURM_RC;
    r->rc.return_code = 0;
    switch (type) {
    case FLURM_REQUEST_NODE_REGISTRATION_STATUS:
    case FLURM_REQUEST_PING:
        r->type = FLURM_RESPONSE_PING_SLURMD;
        r->ping.cpu_load = 0;
        r->ping.free_mem = cn->real_memory;
        if (type == FLURM_REQUEST_PING) {
            e->n.pings++;
        } else {
            e->n.reg_requests++;
            send_to_ctld(e, OUT_REGISTER, i, 0, 0, 0);
        }
        return;
    case FLURM_REQUEST_BATCH_JOB_LAUNCH:
        r->rc.return_code = body ? launch(e, i, body) : EINVAL;
        return;
    case FLURM_REQUEST_TERMINATE_JOB:
    case FLURM_REQUEST_KILL_TIMELIMIT:
    case FLURM_REQUEST_KILL_PREEMPTED:
        r->rc.return_code = body ? terminate(e, i, body) : EINVAL;
        return;
    case FLURM_REQUEST_ABORT_JOB:
        e->n.aborts++;
        if (body) {
            struct job *j = job_find(&e->node[i], ((const struct flurm_terminate_job *)body)->step_id.job_id);
            if (j)
                job_remove(e, j);
        }
        return;
    case FLURM_REQUEST_SIGNAL_TASKS:
        r->rc.return_code = body ? signal_tasks(e, i, body) : EINVAL;
        return;
    case FLURM_REQUEST_HEALTH_CHECK:
    case FLURM_REQUEST_RECONFIGURE:
    case FLURM_REQUEST_RECONFIGURE_WITH_CONFIG:
        return;
    default:
        if (++e->n.unknown <= 10)
            fprintf(stderr, "nodeemu: %s got %s (%d): answered EINVAL\n", cn->name,
                    flurm_msg_name(type) ? flurm_msg_name(type) : "an unknown type", (int)type);
        r->rc.return_code = EINVAL;
        return;
    }
}

/* Index of the node called name, or SIZE_MAX when it is not emulated. */
static size_t node_by_name(const struct emu *e, const char *name)
{
    size_t ci;

    if (!flurm_slurmconf_node_find(e->conf, name, &ci))
        return SIZE_MAX;
    return e->by_conf[ci];
}

struct fwd {
    struct emu *e;
    enum flurm_msg_type type;
    uint16_t version;
    const void *body;
    struct flurm_ret_item *items;
    struct reply *replies;
    size_t n, cap;
};

/* Answer for one forwarded node, into the ret list. */
static int forward_one(const char *host, void *arg)
{
    struct fwd *f = arg;
    size_t i = node_by_name(f->e, host);
    struct flurm_ret_item *it;
    struct reply *r;

    if (f->n == f->cap || f->n == UINT16_MAX)
        return 0;
    it = &f->items[f->n];
    r = &f->replies[f->n];
    f->n++;
    if (!(it->node_name = strdup(host)))
        return -1;
    if (i == SIZE_MAX) {
        /* What a slurmd answers for a node it could not reach. */
        it->err = SLURM_COMMUNICATIONS_CONNECTION_ERROR;
        it->msg_type = FLURM_RESPONSE_FORWARD_FAILED;
        it->rec = &flurm_rec_empty;
        it->body = r;
        return 0;
    }
    f->e->n.forwarded++;
    handle_request(f->e, i, f->type, f->body, r);
    it->err = 0;
    it->msg_type = r->type;
    it->rec = flurm_msg_body_record(f->version, r->type);
    it->body = (void *)reply_body(r);
    return it->rec ? 0 : -1;
}

/* The whole reply frame of node i to the request msg (borrowed) into out;
 * 0 or -1/errno (nothing can be answered). */
static int answer(struct emu *e, size_t i, const uint8_t *msg, size_t len, struct flurm_buf *out)
{
    struct flurm_msg_parts parts = {0};
    const struct flurm_record *rec = NULL;
    void *body = NULL;
    enum flurm_msg_type type = FLURM_MSG_NONE;
    struct reply own;
    struct fwd f = {.e = e};
    struct flurm_hostlist *hl = NULL;
    struct flurm_buf *reply_buf = NULL;
    int rc = -1;

    if (flurm_msg_split(&parts, msg, len) < 0)
        goto error;
    f.version = parts.hdr.version;
    if (flurm_msg_from_wire(parts.hdr.version, parts.hdr.msg_type, &type) < 0)
        type = FLURM_MSG_NONE;
    if (type != FLURM_MSG_NONE)
        body = flurm_msg_body_decode(parts.hdr.version, type, parts.body, parts.body_len, &rec,
                                     NULL);
    if (!body && parts.body_len == 0 &&
        (type == FLURM_REQUEST_PING || type == FLURM_REQUEST_NODE_REGISTRATION_STATUS))
        rec = NULL; /* no body: fine */
    else if (!body && type != FLURM_MSG_NONE &&
             flurm_msg_body_record(parts.hdr.version, type) != NULL)
        e->n.errors++; /* it has a record but did not decode */
    f.type = type;
    f.body = body;
    if (parts.hdr.forward_cnt > 0) {
        if (!(hl = flurm_hostlist_parse(parts.hdr.forward_nodelist, NULL, 0)))
            goto error;
        f.cap = flurm_hostlist_count(hl);
        if (f.cap > UINT16_MAX)
            f.cap = UINT16_MAX;
        if (f.cap && (!(f.items = calloc(f.cap, sizeof(*f.items))) ||
                      !(f.replies = calloc(f.cap, sizeof(*f.replies)))))
            goto error;
        if (flurm_hostlist_foreach(hl, forward_one, &f) < 0)
            goto error;
    }
    handle_request(e, i, type, body, &own);
    if (!(reply_buf = flurm_buf_create(64)) ||
        flurm_msg_body_encode(parts.hdr.version, own.type, reply_body(&own), reply_buf) < 0 ||
        build_frame(e, out, parts.hdr.version, own.type, reply_buf, f.items, (uint16_t)f.n,
                    FLURM_AUTH_UID_ANY) < 0)
        goto error;
    rc = 0;
error:
    if (rc < 0)
        e->n.errors++;
    for (size_t k = 0; k < f.n; k++)
        free(f.items[k].node_name);
    free(f.items);
    free(f.replies);
    flurm_hostlist_destroy(hl);
    flurm_buf_destroy(reply_buf);
    flurm_msg_body_destroy(rec, body);
    flurm_msg_parts_free(&parts);
    return rc;
}

static void inconn_close(struct inconn *c)
{
    struct emu *e = c->emu;

    ev_io_stop(e->loop, &c->io);
    ev_timer_stop(e->loop, &c->timer);
    LIST_UNLINK(e->inconns, c);
    close(c->fd);
    flurm_frame_reader_destroy(c->reader);
    flurm_buf_destroy(c->reply);
    free(c);
}

static void inconn_io(struct ev_loop *loop, ev_io *w, int revents)
{
    struct inconn *c = w->data;
    struct emu *e = c->emu;

    (void)revents;
    if (!c->reply) {
        int st = flurm_frame_reader_read(c->reader, c->fd);
        size_t len;
        uint8_t *msg;

        if (st == FLURM_FRAME_NEED_MORE)
            return;
        if (st != FLURM_FRAME_READY) {
            /* The controller closed without a request (a port probe) or
             * sent garbage: nothing to answer. */
            if (st != FLURM_FRAME_EOF)
                e->n.errors++;
            inconn_close(c);
            return;
        }
        msg = flurm_frame_reader_take(c->reader, &len);
        if (!msg || !(c->reply = flurm_buf_create(256)) || answer(e, c->node, msg, len, c->reply) < 0) {
            free(msg);
            inconn_close(c);
            return;
        }
        free(msg);
        ev_io_stop(loop, w);
        ev_io_set(w, c->fd, EV_WRITE);
        ev_io_start(loop, w);
    }
    while (c->written < flurm_buf_len(c->reply)) {
        ssize_t done = send(c->fd, flurm_buf_data(c->reply) + c->written,
                            flurm_buf_len(c->reply) - c->written, MSG_NOSIGNAL);
        if (done < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return;
            e->n.errors++;
            inconn_close(c);
            return;
        }
        c->written += (size_t)done;
    }
    /* slurmd closes after its one reply. */
    inconn_close(c);
}

static void inconn_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct inconn *c = w->data;

    (void)loop;
    (void)revents;
    c->emu->n.errors++;
    inconn_close(c);
}

static int endpoint_cmp(const void *a, const void *b)
{
    const struct endpoint *x = a, *y = b;

    if (x->port != y->port)
        return x->port < y->port ? -1 : 1;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return 0;
}

/* The node a connection accepted on l is for, or SIZE_MAX. */
static size_t accepted_node(struct emu *e, const struct listener *l, int fd)
{
    struct sockaddr_in local;
    socklen_t sl = sizeof(local);
    struct endpoint key, *hit;

    if (!l->shared)
        return l->node;
    if (getsockname(fd, (struct sockaddr *)&local, &sl) < 0 || local.sin_family != AF_INET)
        return SIZE_MAX;
    key.port = l->port;
    key.addr = local.sin_addr.s_addr;
    hit = bsearch(&key, e->endpoint, e->nnodes, sizeof(*e->endpoint), endpoint_cmp);
    return hit ? hit->node : SIZE_MAX;
}

static void listener_io(struct ev_loop *loop, ev_io *w, int revents)
{
    struct listener *l = w->data;
    struct emu *e = l->emu;

    (void)revents;
    for (;;) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct inconn *c;
        size_t i;

        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                e->n.errors++;
            return;
        }
        if ((i = accepted_node(e, l, fd)) == SIZE_MAX || !(c = calloc(1, sizeof(*c)))) {
            e->n.errors++;
            close(fd);
            continue;
        }
        c->emu = e;
        c->node = i;
        c->fd = fd;
        if (!(c->reader = flurm_frame_reader_create(MAX_REQUEST_LEN))) {
            e->n.errors++;
            close(fd);
            free(c);
            continue;
        }
        LIST_PUSH(e->inconns, c);
        ev_io_init(&c->io, inconn_io, fd, EV_READ);
        c->io.data = c;
        ev_timer_init(&c->timer, inconn_timeout, e->opt.timeout_s, 0);
        c->timer.data = c;
        ev_io_start(loop, &c->io);
        ev_timer_start(loop, &c->timer);
    }
}

/* ---- set-up ------------------------------------------------------------------------ */

static int resolve_ipv4(const char *host, struct in_addr *out)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc;

    if (inet_pton(AF_INET, host, out) == 1)
        return 0;
    if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0 || !res) {
        fprintf(stderr, "nodeemu: cannot resolve %s: %s\n", host, gai_strerror(rc));
        errno = EHOSTUNREACH;
        return -1;
    }
    *out = ((const struct sockaddr_in *)res->ai_addr)->sin_addr;
    freeaddrinfo(res);
    return 0;
}

struct pick {
    struct emu *e;
    const char *bad;
};

static int pick_node(const char *host, void *arg)
{
    struct pick *p = arg;
    struct emu *e = p->e;
    size_t ci;
    const struct flurm_slurmconf_node *cn = flurm_slurmconf_node_find(e->conf, host, &ci);

    if (!cn) {
        p->bad = host;
        fprintf(stderr, "nodeemu: %s is not a NodeName of %s\n", host, e->opt.conf_path);
        return -1;
    }
    if (e->by_conf[ci] != SIZE_MAX)
        return 0; /* named twice */
    e->by_conf[ci] = e->nnodes;
    e->node[e->nnodes++].conf = cn;
    return 0;
}

/* The nodes to emulate, their addresses and the controller's.  0 or -1. */
static int setup_nodes(struct emu *e)
{
    size_t nconf = flurm_slurmconf_node_count(e->conf);
    struct flurm_hostlist *hl = NULL;
    char err[256];
    const char *ctld_addr;
    struct pick p = {.e = e};
    /* a one-entry cache: thousands of nodes usually share an address */
    const char *last_host = NULL;
    struct in_addr last_addr = {0};

    if (!(e->node = calloc(nconf ? nconf : 1, sizeof(*e->node))) ||
        !(e->by_conf = malloc((nconf ? nconf : 1) * sizeof(*e->by_conf))))
        return -1;
    for (size_t i = 0; i < nconf; i++)
        e->by_conf[i] = SIZE_MAX;
    if (e->opt.nodes) {
        if (!(hl = flurm_hostlist_parse(e->opt.nodes, err, sizeof(err)))) {
            fprintf(stderr, "nodeemu: --nodes %s: %s\n", e->opt.nodes, err);
            return -1;
        }
        if (flurm_hostlist_foreach(hl, pick_node, &p) < 0) {
            flurm_hostlist_destroy(hl);
            return -1;
        }
        flurm_hostlist_destroy(hl);
    } else {
        for (size_t i = 0; i < nconf; i++)
            pick_node(flurm_slurmconf_node(e->conf, i)->name, &p);
    }
    if (e->nnodes == 0) {
        fprintf(stderr, "nodeemu: no node to emulate\n");
        return -1;
    }
    for (size_t i = 0; i < e->nnodes; i++) {
        struct node *nd = &e->node[i];
        if (!last_host || strcmp(last_host, nd->conf->addr) != 0) {
            if (resolve_ipv4(nd->conf->addr, &last_addr) < 0)
                return -1;
            last_host = nd->conf->addr;
        }
        nd->addr = last_addr;
        nd->port = nd->conf->port;
    }
    ctld_addr = flurm_slurmconf_controller_addr(e->conf, 0);
    if (!ctld_addr) {
        fprintf(stderr, "nodeemu: %s names no SlurmctldHost\n", e->opt.conf_path);
        return -1;
    }
    e->ctld.sin_family = AF_INET;
    e->ctld.sin_port = htons(flurm_slurmconf_slurmctld_port(e->conf));
    return resolve_ipv4(ctld_addr, &e->ctld.sin_addr);
}

static int listen_on(struct listener *l, struct in_addr addr)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(l->port), .sin_addr = addr};
    int one = 1;

    l->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0)
        return -1;
    if (setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(l->fd, (const struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        listen(l->fd, l->shared ? SOMAXCONN : 128) < 0) {
        char text[INET_ADDRSTRLEN];
        fprintf(stderr, "nodeemu: cannot listen on %s:%u: %s\n",
                inet_ntop(AF_INET, &addr, text, sizeof(text)), l->port, strerror(errno));
        return -1;
    }
    return 0;
}

/* One listener per distinct port: bound to the address of its only node,
 * or to every address when several nodes share the port. */
static int setup_listeners(struct emu *e)
{
    struct rlimit rl;

    if (!(e->endpoint = calloc(e->nnodes, sizeof(*e->endpoint))) ||
        !(e->listener = calloc(e->nnodes, sizeof(*e->listener))))
        return -1;
    for (size_t i = 0; i < e->nnodes; i++)
        e->endpoint[i] = (struct endpoint){e->node[i].port, e->node[i].addr.s_addr, i};
    qsort(e->endpoint, e->nnodes, sizeof(*e->endpoint), endpoint_cmp);
    for (size_t i = 1; i < e->nnodes; i++)
        if (endpoint_cmp(&e->endpoint[i - 1], &e->endpoint[i]) == 0) {
            fprintf(stderr, "nodeemu: %s and %s have the same NodeAddr and Port\n",
                    e->node[e->endpoint[i - 1].node].conf->name,
                    e->node[e->endpoint[i].node].conf->name);
            errno = EADDRINUSE;
            return -1;
        }
    /* Every node may hold a listener and a connection or two at once. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    for (size_t i = 0; i < e->nnodes;) {
        size_t k = i + 1;
        struct listener *l = &e->listener[e->nlisteners];
        struct in_addr any = {.s_addr = htonl(INADDR_ANY)};

        while (k < e->nnodes && e->endpoint[k].port == e->endpoint[i].port)
            k++;
        l->emu = e;
        l->port = e->endpoint[i].port;
        l->shared = k - i > 1;
        l->node = e->endpoint[i].node;
        l->fd = -1;
        e->nlisteners++;
        if (listen_on(l, l->shared ? any : e->node[l->node].addr) < 0)
            return -1;
        ev_io_init(&l->io, listener_io, l->fd, EV_READ);
        l->io.data = l;
        ev_io_start(e->loop, &l->io);
        i = k;
    }
    return 0;
}

/* ---- timers ------------------------------------------------------------------------ */

/* Queue the start-up registrations that are due at --reg-rate. */
static void reg_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct emu *e = w->data;
    double due = e->opt.reg_rate > 0 ? (ev_now(loop) - e->reg_start) * e->opt.reg_rate + 1
                                     : (double)e->nnodes;

    (void)revents;
    while (e->reg_next < e->nnodes && (double)e->reg_next < due)
        send_to_ctld(e, OUT_REGISTER, e->reg_next++, 0, 0, 0);
    if (e->reg_next >= e->nnodes)
        ev_timer_stop(loop, w);
}

static void report_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    print_counters(w->data, "report");
}

static void duration_end(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    stop(w->data);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    stop(w->data);
}

/* ---- teardown ------------------------------------------------------------------------ */

/* Free what is still in flight; the loop is no longer run. */
static void emu_free(struct emu *e)
{
    struct outmsg *m;

    while ((m = queue_pop(e)))
        free(m);
    while ((m = e->waiting)) {
        ev_timer_stop(e->loop, &m->retry);
        LIST_UNLINK(e->waiting, m);
        free(m);
    }
    while (e->outconns) {
        free(e->outconns->msg);
        e->outconns->msg = NULL;
        outconn_close(e->outconns);
    }
    while (e->inconns)
        inconn_close(e->inconns);
    for (size_t i = 0; e->node && i < e->nnodes; i++)
        while (e->node[i].jobs)
            job_remove(e, e->node[i].jobs);
    for (size_t i = 0; i < e->nlisteners; i++)
        if (e->listener[i].fd >= 0) {
            ev_io_stop(e->loop, &e->listener[i].io);
            close(e->listener[i].fd);
        }
    free(e->listener);
    free(e->endpoint);
    free(e->by_conf);
    free(e->node);
    flurm_auth_destroy(e->auth);
    flurm_slurmconf_destroy(e->conf);
}

int main(int argc, char **argv)
{
    static struct emu emu;
    struct emu *e = &emu;
    struct flurm_auth_opts aopts = {0};
    char *socket_path = NULL, err[512];
    const char *ttl;
    int rc = 1;

    if (parse_options(argc, argv, &e->opt) < 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    if (!(e->conf = flurm_slurmconf_load(e->opt.conf_path, err, sizeof(err)))) {
        fprintf(stderr, "nodeemu: %s\n", err);
        return 1;
    }
    e->slurm_uid = (uint32_t)flurm_slurmconf_slurm_user(e->conf, NULL);
    if (flurm_auth_parse_authinfo(flurm_slurmconf_get(e->conf, "AuthInfo"), &socket_path, NULL) == 0)
        aopts.socket_path = socket_path;
    if ((ttl = flurm_slurmconf_auth_info(e->conf, "ttl")))
        aopts.ttl = atoi(ttl);
    e->auth = flurm_auth_create(&aopts);
    if (!e->auth) {
        perror("nodeemu: munge context");
        goto out;
    }
    e->loop = ev_default_loop(EVFLAG_AUTO);
    if (setup_nodes(e) < 0 || setup_listeners(e) < 0)
        goto out;
    ev_now_update(e->loop);
    e->start = e->reg_start = ev_now(e->loop);
    e->start_wall = time(NULL);
    printf("nodeemu emulating %zu nodes on %zu listening sockets, controller %s:%u\n", e->nnodes,
           e->nlisteners, inet_ntoa(e->ctld.sin_addr), ntohs(e->ctld.sin_port));
    fflush(stdout);

    ev_timer_init(&e->reg_tick, reg_tick, 0, 0.01);
    e->reg_tick.data = e;
    ev_timer_start(e->loop, &e->reg_tick);
    if (e->opt.report_s > 0) {
        ev_timer_init(&e->report_tick, report_tick, e->opt.report_s, e->opt.report_s);
        e->report_tick.data = e;
        ev_timer_start(e->loop, &e->report_tick);
    }
    if (e->opt.duration_s > 0) {
        ev_timer_init(&e->duration, duration_end, e->opt.duration_s, 0);
        e->duration.data = e;
        ev_timer_start(e->loop, &e->duration);
    }
    ev_signal_init(&e->sigint, on_signal, SIGINT);
    e->sigint.data = e;
    ev_signal_start(e->loop, &e->sigint);
    ev_signal_init(&e->sigterm, on_signal, SIGTERM);
    e->sigterm.data = e;
    ev_signal_start(e->loop, &e->sigterm);

    ev_run(e->loop, 0);
    print_counters(e, "final");
    rc = 0;
out:
    free(socket_path);
    emu_free(e);
    return rc;
}
