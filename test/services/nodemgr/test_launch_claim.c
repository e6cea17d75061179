/*
 * test_launch_claim.c - the node manager claims a batch job's launch
 * (job.launch_claim, docs/running-jobs.md "Node manager") before it asks
 * for the launch information, and a job whose claim another instance
 * holds (the other side of a reload) waits like an inherited job: it is
 * launched only after its batch host registered without it, MessageTimeout
 * after the refusal at the earliest, and then with take_over.  Served for
 * real in one process: the node manager's service with a stand-in job
 * store on the same loop over NNG, and a stand-in slurmd on a TCP port.
 *
 * munged must run (the stand-in slurmd answers with a credential).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/client.h"
#include "common/ipc.h"
#include "common/loop.h"
#include "common/msg.h"
#include "common/service.h"
#include "common/slurmconf.h"
#include "services/nodemgr/nodemgr.h"
#include "wire/auth.h"
#include "wire/frame.h"
#include "wire/header.h"
#include "wire/msg.h"
#include "wire/rec_slurmd.h"
#include "wire/record.h"

/* ---- stand-in slurmd: a TCP port that counts what comes ---- */

static struct flurm_loop *loop;

#define MAX_GOT 16

struct listener {
    struct flurm_loop *loop;
    int fd;
    ev_io accept_io;
    int conn;
    ev_io conn_io;
    struct flurm_frame_reader *reader;
    bool answer_rc; /* answer each message with RC 0 (slurmd does) */
    uint16_t port;
    uint16_t types[MAX_GOT];
    size_t got;
};

static struct flurm_auth *test_auth;

static void answer_rc(int fd)
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

/* One whole message came: keep its type. */
static void keep_message(struct listener *l)
{
    size_t len = 0;
    uint8_t *msg = flurm_frame_reader_take(l->reader, &len);
    struct flurm_msg_parts parts;
    enum flurm_msg_type type;

    ck_assert_ptr_nonnull(msg);
    ck_assert_int_eq(flurm_msg_split(&parts, msg, len), 0);
    ck_assert_int_eq(flurm_msg_from_wire(parts.hdr.version, parts.hdr.msg_type, &type), 0);
    if (l->got < MAX_GOT)
        l->types[l->got] = (uint16_t)type;
    l->got++;
    flurm_msg_parts_free(&parts);
    free(msg);
    if (l->answer_rc)
        answer_rc(l->conn);
}

static void conn_cb(struct ev_loop *ev, ev_io *w, int revents)
{
    struct listener *l = w->data;
    int rc = flurm_frame_reader_read(l->reader, l->conn);

    (void)revents;
    if (rc == FLURM_FRAME_READY) {
        keep_message(l);
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

static void accept_cb(struct ev_loop *ev, ev_io *w, int revents)
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

static void listener_start(struct listener *l, struct flurm_loop *lp)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sin);

    memset(l, 0, sizeof(*l));
    l->loop = lp;
    l->conn = -1;
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

static void listener_stop(struct listener *l)
{
    struct ev_loop *ev = flurm_loop_ev(l->loop);

    ev_io_stop(ev, &l->accept_io);
    close(l->fd);
    if (l->conn >= 0) {
        ev_io_stop(ev, &l->conn_io);
        close(l->conn);
    }
    flurm_frame_reader_destroy(l->reader);
}

/* ---- stand-in job store ---------------------------------------------------- */

#define OTHER "nodes.1.1"

struct fake_store {
    json_t *allocs;          /* job.allocs' jobs */
    bool grant;              /* job.launch_claim: grant, or refuse as OTHER's */
    unsigned claims;         /* job.launch_claim requests */
    bool last_take_over;     /* the last one's take_over */
    char last_owner[96];     /* and its owner */
    unsigned launch_infos;   /* job.launch_info requests: a launch under way */
};

static struct fake_store store;

static void store_node_list(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply(req, json_pack("{s:[]}", "nodes"));
}

static void store_allocs(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply(req, json_pack("{s:i, s:O}", "seq", 1, "jobs", store.allocs));
}

static void store_claim(struct flurm_request *req, void *arg)
{
    const json_t *body = flurm_request_body(req);
    bool granted = store.grant || json_is_true(json_object_get(body, "take_over"));

    (void)arg;
    store.claims++;
    store.last_take_over = json_is_true(json_object_get(body, "take_over"));
    snprintf(store.last_owner, sizeof(store.last_owner), "%s",
             json_string_value(json_object_get(body, "owner")) ?: "");
    flurm_request_reply(req, json_pack("{s:b, s:s, s:s?}", "granted", granted, "owner",
                                       granted ? store.last_owner : OTHER, "why",
                                       granted ? NULL : "claimed"));
    flurm_loop_stop(loop);
}

static void store_launch_info(struct flurm_request *req, void *arg)
{
    (void)arg;
    store.launch_infos++;
    /* no script: the node manager reports a failed launch, which is
     * beside the point here */
    flurm_request_reply_error(req, 2017, "Invalid job id specified");
    flurm_loop_stop(loop);
}

static void store_ok(struct flurm_request *req, void *arg)
{
    (void)arg;
    flurm_request_reply(req, json_object());
}

static const struct flurm_handler store_handlers[] = {
    {"node.state_list", store_node_list},
    {"job.allocs", store_allocs},
    {"job.launch_claim", store_claim},
    {"job.launch_info", store_launch_info},
    {"job.launched", store_ok},
    {"job.launch_failed", store_ok},
    {"job.node_fail", store_ok},
    {NULL, NULL},
};

/* ---- the fixture: store, node manager, a client --------------------------- */

static char rundir[64];
static struct flurm_service *store_svc, *nodes_svc;
static struct nodemgr *nm;
static struct flurm_client *client;
static struct listener slurmd; /* node vm's slurmd */
static ev_timer deadline;

static void deadline_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
    (void)ev;
    (void)w;
    (void)revents;
    flurm_loop_stop(loop);
}

/* Run the loop for `seconds` or until something stops it. */
static void run_for(double seconds)
{
    ev_timer_set(&deadline, seconds, 0.0);
    ev_timer_start(flurm_loop_ev(loop), &deadline);
    flurm_loop_run(loop);
    ev_timer_stop(flurm_loop_ev(loop), &deadline);
}

/* Run the loop for `seconds` whatever stops it meanwhile. */
static void run_all(double seconds)
{
    double end = flurm_loop_now(loop) + seconds;

    while (flurm_loop_now(loop) < end)
        run_for(end - flurm_loop_now(loop));
}

static void setup(void)
{
    char conf_path[128], text[1024], err[256];
    struct flurm_slurmconf *conf;
    struct nodes *nodes;
    struct slurmd_client *sc;
    struct nodemgr_jobs_conf jc = {.select_plugin_id = 109,
                                   .default_partition = "debug",
                                   .batch_start_timeout = 10,
                                   .msg_timeout = 1};
    FILE *f;
    char *url;

    memset(&store, 0, sizeof(store));
    store.allocs = json_array();
    snprintf(rundir, sizeof(rundir), "/tmp/test_launch_claim.XXXXXX");
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
    run_all(0.2); /* the first (empty) job.allocs */
}

static void teardown(void)
{
    char cmd[128];

    flurm_client_destroy(client);
    flurm_service_destroy(nodes_svc);
    nodemgr_destroy(nm);
    flurm_service_destroy(store_svc);
    listener_stop(&slurmd);
    flurm_auth_destroy(test_auth);
    flurm_loop_destroy(loop);
    json_decref(store.allocs);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rundir);
    ck_assert_int_eq(system(cmd), 0);
}

/* job.allocs lists batch job 20, RUNNING and not launched, on vm. */
static void publish_batch_job(void)
{
    json_t *event;

    json_decref(store.allocs);
    store.allocs = json_loads(
        "[{\"job_id\":20,\"user_id\":0,\"group_id\":0,\"state\":1,\"batch\":true,"
        " \"launched\":false,\"start_time\":100,\"end_time\":700,\"completing\":[],"
        " \"alloc\":{\"nodes\":\"vm\",\"batch_host\":\"vm\",\"hosts\":[{\"name\":\"vm\","
        "\"cores\":\"0\",\"cpus\":1,\"mem\":100}]}}]",
        0, NULL);
    ck_assert_ptr_nonnull(store.allocs);
    event = json_pack("{s:i}", "job_id", 20);
    flurm_service_publish(store_svc, "job.changed", event);
    json_decref(event);
}

static bool register_done;

static void registered(const struct flurm_msg *reply, int errnum, void *arg)
{
    (void)arg;
    ck_assert_int_eq(errnum, 0);
    ck_assert(flurm_msg_ok(reply));
    register_done = true;
    flurm_loop_stop(loop);
}

/* vm's slurmd registers, running no job. */
static void register_without_jobs(void)
{
    struct flurm_node_registration r = {
        .timestamp = 1795630000,
        .slurmd_start_time = 1795629950,
        .hostname = "vm",
        .node_name = "vm",
        .arch = "x86_64",
        .os = "Linux 6.1.0",
        .cpus = 2,
        .boards = 1,
        .sockets = 2,
        .cores = 1,
        .threads = 1,
        .real_memory = 4000,
        .up_time = 100,
        .hash_val = FLURM_NO_VAL,
        .version = "22.05.8",
    };
    json_t *msg = flurm_record_to_json(&flurm_rec_node_registration, &r), *body;

    ck_assert_ptr_nonnull(msg);
    body = json_pack("{s:{s:i, s:i}, s:o}", "auth", "uid", 0, "gid", 0, "msg", msg);
    register_done = false;
    ck_assert_int_eq(flurm_client_request(client, "node.register", body, 5.0, registered, NULL),
                     0);
    json_decref(body); /* borrowed by the request */
    while (!register_done)
        run_for(5.0);
}

static size_t slurmd_got(enum flurm_msg_type type)
{
    size_t n = 0;

    for (size_t k = 0; k < slurmd.got && k < MAX_GOT; k++)
        n += slurmd.types[k] == (uint16_t)type;
    return n;
}

START_TEST(an_unclaimed_job_is_claimed_by_this_instance_then_launched)
{
    store.grant = true;
    publish_batch_job();
    while (!store.launch_infos)
        run_for(5.0);
    ck_assert_uint_ge(store.claims, 1);
    ck_assert(!store.last_take_over);
    ck_assert_msg(strncmp(store.last_owner, "nodes.", 6) == 0 &&
                      strcmp(store.last_owner, OTHER) != 0,
                  "owner %s", store.last_owner);
}
END_TEST

START_TEST(a_job_claimed_elsewhere_waits_for_its_batch_host_to_register_without_it)
{
    store.grant = false;
    publish_batch_job();
    while (!store.claims)
        run_for(5.0);
    ck_assert(!store.last_take_over);
    /* a registration right away proves nothing: the holder's launch may
     * still be on its way to slurmd */
    register_without_jobs();
    run_all(0.3);
    ck_assert_uint_eq(store.launch_infos, 0);
    ck_assert_uint_eq(store.claims, 1);
    /* once MessageTimeout (1 s) passed, the node manager asks vm to
     * register (at its next job tick) */
    while (slurmd_got(FLURM_REQUEST_NODE_REGISTRATION_STATUS) == 0)
        run_for(7.0);
    ck_assert_uint_eq(store.launch_infos, 0);
    /* vm registers without the job: taken over, then launched */
    register_without_jobs();
    while (!store.launch_infos)
        run_for(5.0);
    ck_assert_uint_eq(store.claims, 2);
    ck_assert(store.last_take_over);
    ck_assert_uint_eq(slurmd_got(FLURM_REQUEST_BATCH_JOB_LAUNCH), 0);
}
END_TEST

static Suite *launch_claim_suite(void)
{
    Suite *s = suite_create("launch_claim");
    TCase *tc = tcase_create("launch_claim");

    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, an_unclaimed_job_is_claimed_by_this_instance_then_launched);
    tcase_add_test(tc, a_job_claimed_elsewhere_waits_for_its_batch_host_to_register_without_it);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(launch_claim_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
