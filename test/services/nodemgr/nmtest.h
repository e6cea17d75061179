/*
 * nmtest.h - the fixture of the node manager's served tests (header-only:
 * each test includes it once): flurm-nodemgr's service (nodemgr.h) run
 * for real in one process, on one loop, in a temporary run folder, with
 *
 *   - a stand-in job store, a second service on the same loop over NNG:
 *     the test gives its handler table, this header the handlers every
 *     table shares (an empty node.state_list, job.allocs of `job_allocs`,
 *     plain acknowledgements);
 *   - a stand-in slurmd for node vm (slurm.conf's only node), and as many
 *     other stand-in clients as a test starts: a TCP port of 127.0.0.1
 *     that keeps each message's type, its body in JSON and whether munged
 *     let us decode its credential;
 *   - a client to the node manager, as the gateway;
 *
 * and the launch information a store keeps for a job, built from the
 * captured sbatch (capture_launch_info, also used by test_launch.c).
 *
 * munged must run (the stand-in slurmd answers with a credential).
 */
#ifndef FLURM_TEST_NODEMGR_NMTEST_H
#define FLURM_TEST_NODEMGR_NMTEST_H

#include <arpa/inet.h>
#include <check.h>
#include <ev.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/client.h"
#include "common/ipc.h"
#include "common/loop.h"
#include "common/msg.h"
#include "common/service.h"
#include "common/slurmconf.h"
#include "services/nodemgr/nodemgr.h"
#include "test/wire/capture.h"
#include "wire/auth.h"
#include "wire/frame.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/pack.h"
#include "wire/rec_generic.h"
#include "wire/record.h"

/* ---- the captured sbatch (sbatch_script: job 2, one CPU of vm, --mem=100) -- */

/* The captured message decoded into its record's JSON (new reference). */
static inline json_t *capture_json(const char *rel, enum flurm_msg_type type)
{
    size_t len;
    uint8_t *body = capture_body(rel, &len);
    const struct flurm_record *rec = NULL;
    void *obj;
    json_t *j;

    ck_assert_msg(body != NULL, "cannot load %s", rel);
    obj = flurm_msg_body_decode(FLURM_PROTO_22_05, type, body, len, &rec, NULL);
    ck_assert_ptr_nonnull(obj);
    j = flurm_record_to_json(rec, obj);
    ck_assert_ptr_nonnull(j);
    flurm_msg_body_destroy(rec, obj);
    free(body);
    return j;
}

/* job.launch_info's reply (new reference) for the captured submission run
 * as RUNNING job `job_id` since `start_time`: the store keeps the submitted
 * job_desc as `desc`, the script and environment beside it.  The capture
 * itself is job 2, started at its credential's ctime. */
static inline json_t *capture_launch_info(uint32_t job_id, time_t start_time)
{
    json_t *desc = capture_json("sbatch_script/001-c2s-REQUEST_SUBMIT_BATCH_JOB.hex",
                                FLURM_REQUEST_SUBMIT_BATCH_JOB);
    json_t *info = json_pack("{s:{s:I, s:i, s:I, s:i, s:I}, s:O, s:O}", "job", "job_id",
                             (json_int_t)job_id, "array_job_id", 0, "array_task_id",
                             (json_int_t)FLURM_NO_VAL, "state", 1, "start_time",
                             (json_int_t)start_time, "script", json_object_get(desc, "script"),
                             "environment", json_object_get(desc, "environment"));

    ck_assert_ptr_nonnull(info);
    json_object_del(desc, "script");
    json_object_del(desc, "environment");
    json_object_set_new(json_object_get(info, "job"), "desc", desc);
    return info;
}

/* ---- stand-in slurmd / salloc / srun: a TCP port that keeps what comes ---- */

/* Messages a listener keeps; it counts those beyond. */
#define MAX_GOT 16

struct listener {
    struct flurm_loop *loop;
    int fd;
    ev_io accept_io;
    int conn;
    ev_io conn_io;
    struct flurm_frame_reader *reader;
    bool answer_rc; /* answer each message with RC 0 (slurmd does) */
    bool hold_next; /* keep the next message's connection open, unanswered */
    int held;       /* that connection until listener_answer_held(), or -1 */
    uint16_t port;
    uint16_t types[MAX_GOT];
    json_t *bodies[MAX_GOT];
    uint32_t restricted[MAX_GOT]; /* whether munged let us (root) decode */
    size_t got;
};

static struct flurm_auth *test_auth __attribute__((unused));
static struct flurm_loop *loop __attribute__((unused));

static inline void answer_rc(int fd)
{
    struct flurm_buf *body = flurm_buf_create(16), *out = flurm_buf_create(512);
    struct flurm_rc_msg rc = {0};
    uint16_t wire;

    ck_assert_int_eq(flurm_msg_to_wire(FLURM_PROTO_22_05, FLURM_RESPONSE_SLURM_RC, &wire), 0);
    ck_assert_int_eq(flurm_msg_body_encode(FLURM_PROTO_22_05, FLURM_RESPONSE_SLURM_RC, &rc, body),
                     0);
    ck_assert_int_eq(flurm_frame_build(test_auth, out, FLURM_PROTO_22_05, 0, wire,
                                       flurm_buf_data(body), flurm_buf_len(body),
                                       FLURM_AUTH_UID_ANY),
                     0);
    ck_assert_int_eq(write(fd, flurm_buf_data(out), flurm_buf_len(out)),
                     (ssize_t)flurm_buf_len(out));
    flurm_buf_destroy(body);
    flurm_buf_destroy(out);
}

/* One whole message came: check its credential, keep type and body, and
 * stop the loop so that the test looks at it. */
static inline void keep_message(struct listener *l)
{
    size_t len = 0;
    uint8_t *msg = flurm_frame_reader_take(l->reader, &len);
    struct flurm_msg_parts parts;
    struct flurm_auth_result res;
    const struct flurm_record *rec = NULL;
    enum flurm_msg_type type;
    void *body;

    ck_assert_ptr_nonnull(msg);
    ck_assert_int_eq(flurm_msg_split(&parts, msg, len), 0);
    ck_assert_int_eq(flurm_msg_from_wire(parts.hdr.version, parts.hdr.msg_type, &type), 0);
    if (l->got < MAX_GOT) {
        l->restricted[l->got] = flurm_auth_verify(test_auth, parts.auth,
                                                  parts.auth_len + parts.body_len,
                                                  parts.hdr.version, parts.hdr.msg_type,
                                                  &res) == 0
                                    ? 0
                                    : 1;
        body = flurm_msg_body_decode(parts.hdr.version, type, parts.body, parts.body_len, &rec,
                                     NULL);
        ck_assert_ptr_nonnull(body);
        l->types[l->got] = (uint16_t)type;
        l->bodies[l->got] = flurm_record_to_json(rec, body);
        flurm_msg_body_destroy(rec, body);
    }
    l->got++;
    flurm_msg_parts_free(&parts);
    free(msg);
    if (l->answer_rc && !l->hold_next)
        answer_rc(l->conn);
    flurm_loop_stop(l->loop);
}

/* Keep the current connection, its message unanswered, as a slurmd busy
 * before its answer; the listener is free for the next connection. */
static inline void hold_conn(struct listener *l)
{
    ck_assert_int_lt(l->held, 0);
    ev_io_stop(flurm_loop_ev(l->loop), &l->conn_io);
    l->held = l->conn;
    l->conn = -1;
    l->hold_next = false;
    flurm_frame_reader_destroy(l->reader);
    l->reader = NULL;
}

/* Answer the held connection with RC 0, then close it. */
static inline void listener_answer_held(struct listener *l)
{
    ck_assert_int_ge(l->held, 0);
    answer_rc(l->held);
    close(l->held);
    l->held = -1;
}

static inline void conn_cb(struct ev_loop *ev, ev_io *w, int revents)
{
    struct listener *l = w->data;
    int rc = flurm_frame_reader_read(l->reader, l->conn);

    (void)revents;
    if (rc == FLURM_FRAME_READY) {
        keep_message(l);
        if (l->hold_next) {
            hold_conn(l);
            return;
        }
        rc = FLURM_FRAME_EOF; /* one message per connection, as the agent sends */
    }
    if (rc != FLURM_FRAME_NEED_MORE) {
        ev_io_stop(ev, w);
        close(l->conn);
        l->conn = -1;
        flurm_frame_reader_destroy(l->reader);
        l->reader = NULL;
    }
}

static inline void accept_cb(struct ev_loop *ev, ev_io *w, int revents)
{
    struct listener *l = w->data;
    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    (void)revents;
    if (fd < 0)
        return;
    ck_assert_int_lt(l->conn, 0);
    l->conn = fd;
    l->reader = flurm_frame_reader_create(0);
    ev_io_init(&l->conn_io, conn_cb, fd, EV_READ);
    l->conn_io.data = l;
    ev_io_start(ev, &l->conn_io);
}

/* Listen on a free port of 127.0.0.1 (l->port) on lp (borrowed). */
static inline void listener_start(struct listener *l, struct flurm_loop *lp)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sin);

    memset(l, 0, sizeof(*l));
    l->loop = lp;
    l->conn = -1;
    l->held = -1;
    l->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(l->fd, 0);
    ck_assert_int_eq(bind(l->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq(listen(l->fd, 8), 0);
    ck_assert_int_eq(getsockname(l->fd, (struct sockaddr *)&sin, &sl), 0);
    l->port = ntohs(sin.sin_port);
    ev_io_init(&l->accept_io, accept_cb, l->fd, EV_READ);
    l->accept_io.data = l;
    ev_io_start(flurm_loop_ev(lp), &l->accept_io);
}

/* Close the port and free what it kept. */
static inline void listener_stop(struct listener *l)
{
    struct ev_loop *ev = flurm_loop_ev(l->loop);

    ev_io_stop(ev, &l->accept_io);
    close(l->fd);
    if (l->conn >= 0) {
        ev_io_stop(ev, &l->conn_io);
        close(l->conn);
    }
    if (l->held >= 0)
        close(l->held);
    flurm_frame_reader_destroy(l->reader);
    for (size_t k = 0; k < l->got && k < MAX_GOT; k++)
        json_decref(l->bodies[k]);
}

/* ---- the stand-in job store's shared handlers ------------------------------ */

/* job.allocs' jobs (a JSON array, owned by the fixture: a test replaces it
 * with json_decref then a new array). */
static json_t *job_allocs __attribute__((unused));

static inline void store_node_list(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply(req, json_pack("{s:[]}", "nodes"));
}

static inline void store_allocs(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply(req, json_pack("{s:i, s:O}", "seq", 1, "jobs", job_allocs));
}

static inline void store_ok(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply(req, json_object());
}

/* ---- the fixture: store, node manager, a client --------------------------- */

static char rundir[64] __attribute__((unused));
static struct flurm_service *store_svc __attribute__((unused));
static struct flurm_service *nodes_svc __attribute__((unused));
static struct nodemgr *nm __attribute__((unused));
static struct flurm_client *client __attribute__((unused));
static struct listener slurmd __attribute__((unused)); /* node vm's slurmd */
static ev_timer deadline __attribute__((unused));
static bool deadline_fails __attribute__((unused));

static inline void deadline_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)ev;
    (void)w;
    (void)revents;
    if (deadline_fails)
        ck_abort_msg("nothing came in time");
    flurm_loop_stop(loop);
}

/* Run the loop until something stops it, at most `seconds`. */
static inline void run_for(double seconds)
{
    ev_timer_set(&deadline, seconds, 0.0);
    ev_timer_start(flurm_loop_ev(loop), &deadline);
    flurm_loop_run(loop);
    ev_timer_stop(flurm_loop_ev(loop), &deadline);
}

/* Run the loop for `seconds` whatever stops it meanwhile. */
static inline void run_all(double seconds)
{
    double end = flurm_loop_now(loop) + seconds;

    while (flurm_loop_now(loop) < end)
        run_for(end - flurm_loop_now(loop));
}

/* Start it all in a new run folder /tmp/<name>.XXXXXX: the stand-in store
 * answering store_handlers (borrowed: a static table), the node manager
 * with MessageTimeout msg_timeout, and the client.  With fail_late, a
 * run_for() that reaches its deadline fails the test; otherwise it only
 * returns (for tests that wait for something not to happen). */
static inline void nm_setup(const char *name, const struct flurm_handler *store_handlers,
                            double msg_timeout, bool fail_late)
{
    char conf_path[128], text[1024], err[256];
    struct flurm_slurmconf *conf;
    struct nodes *nodes;
    struct slurmd_client *sc;
    struct nodemgr_jobs_conf jc = {.select_plugin_id = 109,
                                   .default_partition = "debug",
                                   .batch_start_timeout = 10,
                                   .msg_timeout = msg_timeout};
    FILE *f;
    char *url;

    job_allocs = json_array();
    deadline_fails = fail_late;
    snprintf(rundir, sizeof(rundir), "/tmp/%s.XXXXXX", name);
    ck_assert_ptr_nonnull(mkdtemp(rundir));
    ck_assert_ptr_nonnull(loop = flurm_loop_create());
    ck_assert_ptr_nonnull(test_auth = flurm_auth_create(NULL));
    listener_start(&slurmd, loop);
    slurmd.answer_rc = true;
    snprintf(conf_path, sizeof(conf_path), "%s/slurm.conf", rundir);
    snprintf(text, sizeof(text),
             "ClusterName=t\nSlurmctldHost=h\nSelectType=select/cons_tres\n"
             "SelectTypeParameters=CR_Core_Memory\n"
             "NodeName=vm NodeAddr=127.0.0.1 Port=%u Sockets=2 CoresPerSocket=1 "
             "RealMemory=4000 State=UNKNOWN\nPartitionName=debug Nodes=vm Default=YES\n",
             slurmd.port);
    ck_assert_ptr_nonnull(f = fopen(conf_path, "w"));
    fputs(text, f);
    fclose(f);
    ck_assert_msg((conf = flurm_slurmconf_load(conf_path, err, sizeof(err))) != NULL, "%s", err);
    ck_assert_ptr_nonnull(nodes = nodes_create(conf, (time_t)flurm_loop_now(loop)));
    flurm_slurmconf_destroy(conf);
    ck_assert_ptr_nonnull(sc = slurmd_client_create(loop, NULL, 2.0));

    ck_assert_ptr_nonnull(store_svc = flurm_service_create(loop, "store", "t", store_handlers,
                                                           NULL));
    ck_assert_int_eq(flurm_service_set_rundir(store_svc, rundir), 0);
    flurm_service_enable_events(store_svc);
    ck_assert_int_eq(flurm_service_start(store_svc), 0);

    ck_assert_ptr_nonnull(nm = nodemgr_create(loop, nodes, sc, rundir, 5.0));
    jc.slurmd_uid = (uint32_t)geteuid();
    ck_assert_int_eq(nodemgr_set_jobs_conf(nm, &jc), 0);
    ck_assert_int_eq(nodemgr_restore(nm), 0);
    ck_assert_ptr_nonnull(nodes_svc = flurm_service_create(loop, "nodes", "t", nodemgr_handlers,
                                                           nm));
    ck_assert_int_eq(flurm_service_set_rundir(nodes_svc, rundir), 0);
    flurm_service_enable_events(nodes_svc);
    nodemgr_attach(nm, nodes_svc, 3600.0);
    ck_assert_int_eq(flurm_service_start(nodes_svc), 0);

    ck_assert_ptr_nonnull(url = flurm_ipc_link_url(rundir, "nodes", FLURM_IPC_REQ));
    ck_assert_ptr_nonnull(client = flurm_client_create(loop, url, "gateway"));
    free(url);
    ev_timer_init(&deadline, deadline_cb, 5.0, 0.0);
}

/* Stop and free all that nm_setup() started, and remove the run folder. */
static inline void nm_teardown(void)
{
    char cmd[128];

    flurm_client_destroy(client);
    flurm_service_destroy(nodes_svc);
    nodemgr_destroy(nm);
    flurm_service_destroy(store_svc);
    listener_stop(&slurmd);
    flurm_auth_destroy(test_auth);
    flurm_loop_destroy(loop);
    json_decref(job_allocs);
    job_allocs = NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rundir);
    ck_assert_int_eq(system(cmd), 0);
}

#endif
