/*
 * test_step.c - RESPONSE_JOB_STEP_CREATE as services/nodemgr/step.h builds
 * it from the store's step.create reply: the captured srun_hostname step
 * (job 10, step 0 on node "vm", one task) is rebuilt byte for byte, with
 * slurmctld's signature put in place of ours; the step credential of 1-
 * and 2-node steps of a 2-node job (core bitmaps, hostlists, memory
 * arrays); the layout's task ids; refusals of replies that do not add up;
 * the signature, made by the real munged, decodes to exactly the packed
 * credential bytes; the JSON handed to the gateway packs to the same bytes.
 */
#include <check.h>
#include <errno.h>
#include <munge.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/nodemgr/step.h"
#include "test/wire/capture.h"
#include "wire/msg.h"
#include "wire/pack.h"
#include "wire/record.h"

#define CAPTURE "srun_hostname/006-s2c-RESPONSE_JOB_STEP_CREATE.hex"
#define CAPTURE_CTIME 1795630181 /* the step credential's ctime in the capture */

/* The capture's node vm has 2 sockets of 1 core; n1 2 x 4, n2 1 x 2. */
static int shape(const char *name, uint16_t *sockets, uint16_t *cores, void *arg)
{
    (void)arg;
    if (strcmp(name, "vm") == 0) {
        *sockets = 2;
        *cores = 1;
    } else if (strcmp(name, "n1") == 0) {
        *sockets = 2;
        *cores = 4;
    } else if (strcmp(name, "n2") == 0) {
        *sockets = 1;
        *cores = 2;
    } else {
        return -1;
    }
    return 0;
}

static const struct launch_site site = {
    .select_plugin_id = 109, .default_partition = "debug", .shape = shape};

static uint32_t root_gids[] = {0};
static struct launch_user root = {.uid = 0,
                                  .gid = 0,
                                  .pw_name = "root",
                                  .pw_gecos = "root",
                                  .pw_dir = "/root",
                                  .pw_shell = "/bin/bash",
                                  .gids = root_gids,
                                  .ngids = 1};

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);

    ck_assert_msg(j != NULL, "bad test JSON: %s", jerr.text);
    return j;
}

/* The store's step.create reply for the captured `srun hostname`: job 10
 * holds core 0 of vm and all its 4000 MB (CR_Core_Memory, no --mem), the
 * step runs one task there. */
static const char *capture_reply =
    "{\"step\": {\"job_id\": 10, \"step_id\": 0, \"nodes\": \"vm\", \"node_cnt\": 1,"
    " \"task_cnt\": 1, \"task_dist\": 2, \"tasks\": [[0]], \"cpus_per_task\": 1,"
    " \"hosts\": [{\"name\": \"vm\", \"cores\": \"0\", \"cpus\": 1, \"mem\": 4000}],"
    " \"name\": \"hostname\", \"srun_host\": \"vm\", \"srun_port\": 33665},"
    " \"job\": {\"job_id\": 10, \"user_id\": 0, \"group_id\": 0, \"state\": 1,"
    " \"batch\": false, \"start_time\": 1795630181,"
    " \"alloc\": {\"nodes\": \"vm\", \"hosts\": [{\"name\": \"vm\", \"cores\": \"0\","
    " \"cpus\": 1, \"mem\": 4000}]}}}";

/* A job on n1 (cores 0-1 of 8, 600 MB) and n2 (both cores, 300 MB); the
 * step is given as STEP_HOSTS / NODES / TASKS. */
static json_t *two_node_reply(const char *nodes, const char *hosts, const char *tasks,
                              int task_cnt)
{
    char text[2048];

    snprintf(text, sizeof(text),
             "{\"step\": {\"job_id\": 7, \"step_id\": 3, \"nodes\": \"%s\", \"task_cnt\": %d,"
             " \"task_dist\": 1, \"tasks\": %s, \"hosts\": %s},"
             " \"job\": {\"job_id\": 7, \"user_id\": 0, \"group_id\": 0, \"state\": 1,"
             " \"partition\": \"long\", \"alloc\": {\"nodes\": \"n[1-2]\", \"hosts\": ["
             "{\"name\": \"n1\", \"cores\": \"0-1\", \"cpus\": 2, \"mem\": 600},"
             "{\"name\": \"n2\", \"cores\": \"0-1\", \"cpus\": 2, \"mem\": 300}]}}}",
             nodes, task_cnt, tasks, hosts);
    return parse(text);
}

static struct flurm_step_create_resp *build(const json_t *reply, char *err, size_t errlen)
{
    return step_resp_create(reply, &root, &site, FLURM_PROTO_22_05, CAPTURE_CTIME, err, errlen);
}

static uint8_t *pack_body(const struct flurm_step_create_resp *r, size_t *len)
{
    struct flurm_buf *b = flurm_buf_create(1024);
    uint8_t *out;

    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(flurm_msg_body_encode(FLURM_PROTO_22_05, FLURM_RESPONSE_JOB_STEP_CREATE, r, b),
                     0);
    out = flurm_buf_steal(b, len);
    flurm_buf_destroy(b);
    return out;
}

START_TEST(test_capture_byte_for_byte)
{
    size_t clen = 0, len;
    uint8_t *captured = capture_body(CAPTURE, &clen), *mine;
    const struct flurm_record *rec = NULL;
    struct flurm_step_create_resp *theirs =
        flurm_msg_body_decode(FLURM_PROTO_22_05, FLURM_RESPONSE_JOB_STEP_CREATE, captured, clen,
                              &rec, NULL);
    json_t *reply = parse(capture_reply);
    char err[200] = "";
    struct flurm_step_create_resp *r = build(reply, err, sizeof(err));

    ck_assert_ptr_nonnull(captured);
    ck_assert_ptr_nonnull(theirs);
    ck_assert_msg(r != NULL, "step_resp_create: %s", err);
    /* The credential bytes slurmctld signed are the ones we pack. */
    ck_assert_uint_eq(r->cred.raw_len, theirs->cred.raw_len);
    ck_assert_mem_eq(r->cred.raw, theirs->cred.raw, r->cred.raw_len);
    /* With slurmctld's signature in place of ours, the whole reply. */
    r->cred.signature = malloc(theirs->cred.siglen);
    ck_assert_ptr_nonnull(r->cred.signature);
    memcpy(r->cred.signature, theirs->cred.signature, theirs->cred.siglen);
    r->cred.siglen = theirs->cred.siglen;
    mine = pack_body(r, &len);
    ck_assert_uint_eq(len, clen);
    ck_assert_mem_eq(mine, captured, clen);
    free(mine);
    step_resp_destroy(r);
    flurm_msg_body_destroy(rec, theirs);
    json_decref(reply);
    free(captured);
}
END_TEST

START_TEST(test_fields_of_the_reply)
{
    json_t *reply = parse(capture_reply);
    struct flurm_step_create_resp *r = build(reply, NULL, 0);
    const struct flurm_job_cred *c;

    ck_assert_ptr_nonnull(r);
    c = &r->cred.body;
    ck_assert_uint_eq(r->job_step_id, 0);
    ck_assert_uint_eq(r->job_id, 10);
    ck_assert_uint_eq(r->use_protocol_ver, FLURM_PROTO_22_05);
    ck_assert_uint_eq(r->select_plugin_id, 109);
    ck_assert_uint_eq(r->switch_plugin_id, STEP_SWITCH_PLUGIN_NONE);
    ck_assert_uint_eq(r->def_cpu_bind_type, 0);
    ck_assert_ptr_null(r->resv_ports);
    ck_assert_str_eq(r->step_layout->node_list, "vm");
    ck_assert_uint_eq(r->step_layout->start_protocol_ver, FLURM_PROTO_22_05);
    ck_assert_uint_eq(c->step_id.job_id, 10);
    ck_assert_uint_eq(c->step_id.step_id, 0);
    ck_assert_uint_eq(c->step_id.step_het_comp, FLURM_NO_VAL);
    ck_assert_str_eq(c->pw_name, "root");
    ck_assert_str_eq(c->job_partition, "debug"); /* the default: the job named none */
    ck_assert_uint_eq((uint64_t)c->ctime, CAPTURE_CTIME);
    ck_assert_uint_eq(r->cred.siglen, 0); /* signed later, with munged */
    step_resp_destroy(r);
    json_decref(reply);
}
END_TEST

START_TEST(test_step_on_one_node_of_two)
{
    json_t *reply = two_node_reply(
        "n2", "[{\"name\": \"n2\", \"cores\": \"0-1\", \"cpus\": 2, \"mem\": 300}]", "[[0, 1]]", 2);
    char err[200] = "";
    struct flurm_step_create_resp *r = build(reply, err, sizeof(err));
    const struct flurm_job_cred *c;

    ck_assert_msg(r != NULL, "%s", err);
    c = &r->cred.body;
    ck_assert_uint_eq(c->step_id.job_id, 7);
    ck_assert_uint_eq(c->step_id.step_id, 3);
    ck_assert_str_eq(c->job_hostlist, "n[1-2]");
    ck_assert_str_eq(c->step_hostlist, "n2");
    ck_assert_str_eq(c->job_partition, "long");
    ck_assert_uint_eq(c->job_nhosts, 2);
    /* n1's 8 cores, then n2's 2: the job has bits 0-1 and 8-9, the step
     * only n2's, at n2's offset in the job's bitmap. */
    ck_assert_uint_eq(c->tot_core_cnt, 10);
    ck_assert_uint_eq(c->job_core_bitmap.nbits, 10);
    ck_assert_str_eq(c->job_core_bitmap.hex, "0x303");
    ck_assert_uint_eq(c->step_core_bitmap.nbits, 10);
    ck_assert_str_eq(c->step_core_bitmap.hex, "0x300");
    /* The job's memory per job host, the step's per step host. */
    ck_assert_uint_eq(c->job_mem_alloc_size, 2);
    ck_assert_uint_eq(c->job_mem.mem_alloc[0], 600);
    ck_assert_uint_eq(c->job_mem.mem_alloc[1], 300);
    ck_assert_uint_eq(c->job_mem.rep_count[0], 1);
    ck_assert_uint_eq(c->step_mem_alloc_size, 1);
    ck_assert_uint_eq(c->step_mem.mem_alloc[0], 300);
    ck_assert_uint_eq(c->step_mem.rep_count[0], 1);
    /* The layout: one node, both tasks on it. */
    ck_assert_str_eq(r->step_layout->node_list, "n2");
    ck_assert_uint_eq(r->step_layout->node_cnt, 1);
    ck_assert_uint_eq(r->step_layout->task_cnt, 2);
    ck_assert_uint_eq(r->step_layout->task_dist, 1);
    ck_assert_uint_eq(r->step_layout->tasks[0].count, 2);
    ck_assert_uint_eq(r->step_layout->tasks[0].tids[1], 1);
    step_resp_destroy(r);
    json_decref(reply);
}
END_TEST

START_TEST(test_step_on_both_nodes)
{
    json_t *reply = two_node_reply("n[1-2]",
                                   "[{\"name\": \"n1\", \"cores\": \"0-1\", \"cpus\": 2, \"mem\": 300},"
                                   " {\"name\": \"n2\", \"cores\": \"0-1\", \"cpus\": 2, \"mem\": 300}]",
                                   "[[0, 2], [1]]", 3);
    char err[200] = "";
    struct flurm_step_create_resp *r = build(reply, err, sizeof(err));
    const struct flurm_job_cred *c;

    ck_assert_msg(r != NULL, "%s", err);
    c = &r->cred.body;
    ck_assert_str_eq(c->step_hostlist, "n[1-2]");
    /* Every core of the job. */
    ck_assert_str_eq(c->step_core_bitmap.hex, c->job_core_bitmap.hex);
    /* Equal memory on both step hosts: one run of two. */
    ck_assert_uint_eq(c->step_mem_alloc_size, 1);
    ck_assert_uint_eq(c->step_mem.mem_alloc[0], 300);
    ck_assert_uint_eq(c->step_mem.rep_count[0], 2);
    /* cyclic: task ids as the store placed them, per node. */
    ck_assert_uint_eq(r->step_layout->node_cnt, 2);
    ck_assert_uint_eq(r->step_layout->tasks[0].count, 2);
    ck_assert_uint_eq(r->step_layout->tasks[0].tids[0], 0);
    ck_assert_uint_eq(r->step_layout->tasks[0].tids[1], 2);
    ck_assert_uint_eq(r->step_layout->tasks[1].tids[0], 1);
    step_resp_destroy(r);
    json_decref(reply);
}
END_TEST

/* Replies that do not describe a step of the job are refused, not sent. */
START_TEST(test_refusals)
{
    static const struct {
        const char *nodes, *hosts, *tasks;
        int task_cnt;
        const char *why;
    } bad[] = {
        {"n3", "[{\"name\": \"n3\", \"cores\": \"0\", \"cpus\": 1, \"mem\": 0}]", "[[0]]", 1,
         "not the job's"},
        {"n1", "[{\"name\": \"n1\", \"cores\": \"5\", \"cpus\": 1, \"mem\": 0}]", "[[0]]", 1,
         "not the job's"},
        {"n1", "[{\"name\": \"n1\", \"cores\": \"0\", \"cpus\": 1, \"mem\": 0}]", "[[0]]", 2,
         "places 1 tasks"},
        {"n1", "[{\"name\": \"n1\", \"cores\": \"0\", \"cpus\": 1, \"mem\": 0}]", "[[0], [1]]", 2,
         "differ"},
        {"n1", "[{\"name\": \"n1\", \"cores\": \"0\", \"cpus\": 1, \"mem\": 0}]", "[[4]]", 1,
         "bad task id"},
    };

    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        json_t *reply = two_node_reply(bad[k].nodes, bad[k].hosts, bad[k].tasks, bad[k].task_cnt);
        char err[200] = "";

        errno = 0;
        ck_assert_ptr_null(build(reply, err, sizeof(err)));
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_msg(strstr(err, bad[k].why), "case %zu: %s", k, err);
        json_decref(reply);
    }
    {
        json_t *reply = parse("{\"job\": {\"job_id\": 1}}");
        char err[200] = "";

        ck_assert_ptr_null(build(reply, err, sizeof(err)));
        ck_assert_int_eq(errno, EINVAL);
        json_decref(reply);
    }
}
END_TEST

/* The signature is munge's credential of exactly the packed bytes, for
 * SlurmdUser only (here: us), NUL included. */
START_TEST(test_signed_with_munge)
{
    json_t *reply = two_node_reply(
        "n2", "[{\"name\": \"n2\", \"cores\": \"0-1\", \"cpus\": 2, \"mem\": 300}]", "[[0, 1]]", 2);
    struct flurm_step_create_resp *r = build(reply, NULL, 0);
    struct step_signer *s = step_signer_create(NULL, 0, (uint32_t)geteuid());
    void *payload = NULL;
    int plen = 0;
    uid_t uid;
    gid_t gid;
    munge_err_t e;

    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(step_resp_sign(r, s) == 0, "munged: %s", step_signer_error(s));
    ck_assert_uint_gt(r->cred.siglen, 6);
    ck_assert_mem_eq(r->cred.signature, "MUNGE:", 6);
    ck_assert_uint_eq(((char *)r->cred.signature)[r->cred.siglen - 1], '\0');
    ck_assert_uint_eq(strlen(r->cred.signature) + 1, r->cred.siglen);
    e = munge_decode(r->cred.signature, NULL, &payload, &plen, &uid, &gid);
    ck_assert_msg(e == EMUNGE_SUCCESS, "unmunge: %s", munge_strerror(e));
    ck_assert_uint_eq(uid, geteuid());
    ck_assert_int_eq(plen, (int)r->cred.raw_len);
    ck_assert_mem_eq(payload, r->cred.raw, r->cred.raw_len);
    free(payload);
    step_signer_destroy(s);
    step_resp_destroy(r);
    json_decref(reply);
}
END_TEST

/* A credential for another uid's slurmd cannot be decoded by us. */
START_TEST(test_signature_restricted_to_slurmd_user)
{
    json_t *reply = parse(capture_reply);
    struct flurm_step_create_resp *r = build(reply, NULL, 0);
    struct step_signer *s = step_signer_create(NULL, 0, (uint32_t)geteuid() + 4242);
    void *payload = NULL;
    int plen = 0;
    munge_err_t e;

    ck_assert_ptr_nonnull(s);
    ck_assert_msg(step_resp_sign(r, s) == 0, "munged: %s", step_signer_error(s));
    e = munge_decode(r->cred.signature, NULL, &payload, &plen, NULL, NULL);
    ck_assert_int_eq(e, EMUNGE_CRED_UNAUTHORIZED);
    free(payload);
    step_signer_destroy(s);
    step_resp_destroy(r);
    json_decref(reply);
}
END_TEST

/* The gateway gets the reply as record JSON and packs it: the same bytes,
 * the credential's raw bytes and signature untouched. */
START_TEST(test_json_packs_to_the_same_bytes)
{
    json_t *reply = parse(capture_reply), *j;
    struct flurm_step_create_resp *r = build(reply, NULL, 0), back;
    struct step_signer *s = step_signer_create(NULL, 0, (uint32_t)geteuid());
    const char *field = NULL;
    size_t len, len2;
    uint8_t *mine, *theirs;

    ck_assert_int_eq(step_resp_sign(r, s), 0);
    j = step_resp_json(r);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "job_step_id")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "step_layout"),
                                                       "node_list")),
                     "vm");
    ck_assert(json_is_string(json_object_get(json_object_get(j, "cred"), "signature")));
    ck_assert_msg(flurm_record_from_json(&flurm_rec_step_create_resp, j, &back, &field) == 0,
                  "from_json: %s", field ? field : "?");
    mine = pack_body(r, &len);
    theirs = pack_body(&back, &len2);
    ck_assert_uint_eq(len, len2);
    ck_assert_mem_eq(mine, theirs, len);
    free(mine);
    free(theirs);
    flurm_record_free(&flurm_rec_step_create_resp, &back);
    json_decref(j);
    step_signer_destroy(s);
    step_resp_destroy(r);
    json_decref(reply);
}
END_TEST

static Suite *step_suite(void)
{
    Suite *s = suite_create("step");
    TCase *tc = tcase_create("step");

    tcase_add_test(tc, test_capture_byte_for_byte);
    tcase_add_test(tc, test_fields_of_the_reply);
    tcase_add_test(tc, test_step_on_one_node_of_two);
    tcase_add_test(tc, test_step_on_both_nodes);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_signed_with_munge);
    tcase_add_test(tc, test_signature_restricted_to_slurmd_user);
    tcase_add_test(tc, test_json_packs_to_the_same_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(step_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
