/*
 * test_rec_job.c - the job and step records (wire/rec_job.h) against the
 * real SLURM 22.05.8 captures: every captured body decodes completely and
 * re-encodes byte for byte, survives the JSON form, and fails cleanly at
 * every truncation; decoded values match what the captured command did, so
 * a field shifted by one slot fails; the 23.02 / 23.11 layouts and the wire
 * shapes the captures do not exercise (job_resources, node addresses, GRES
 * blocks in a credential, jobacct, scrontab entries) are built and checked.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test/wire/capture.h"
#include "wire/rec_generic.h"
#include "wire/rec_job.h"

#define NO_VAL FLURM_NO_VAL
#define NO_VAL16 FLURM_NO_VAL16
#define NO_VAL64 FLURM_NO_VAL64
#define V22 FLURM_PROTO_22_05
#define V23_02 FLURM_PROTO_23_02
#define V23_11 FLURM_PROTO_23_11

/* ---- helpers -------------------------------------------------------------- */

/* One captured frame and the body inside it. */
struct body {
    uint8_t *frame;
    const uint8_t *data;
    size_t len;
    uint16_t version;
    uint16_t type;
};

static void body_load(struct body *bd, const char *rel)
{
    size_t flen = 0;
    uint32_t blen;

    bd->frame = capture_load(rel, &flen);
    ck_assert_msg(bd->frame != NULL, "cannot load %s", rel);
    ck_assert_uint_ge(flen, 20);
    /* u32 length | u16 version | u16 flags | u16 type | u32 body_length ... */
    bd->version = (uint16_t)(bd->frame[4] << 8 | bd->frame[5]);
    bd->type = (uint16_t)(bd->frame[8] << 8 | bd->frame[9]);
    blen = (uint32_t)bd->frame[10] << 24 | (uint32_t)bd->frame[11] << 16 |
           (uint32_t)bd->frame[12] << 8 | bd->frame[13];
    ck_assert_uint_le(blen, flen - 20);
    bd->data = bd->frame + flen - blen;
    bd->len = blen;
}

static void body_free(struct body *bd)
{
    free(bd->frame);
    bd->frame = NULL;
}

/* Decode bytes as r at version; the bytes must be consumed exactly. */
static void *decode_bytes(const struct flurm_record *r, const void *data, size_t len,
                          uint16_t version)
{
    struct flurm_buf *b = flurm_buf_view(data, len);
    void *obj = calloc(1, r->size);
    const char *err = NULL;
    int rc;

    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(obj);
    rc = flurm_record_unpack(r, obj, b, version, &err);
    ck_assert_msg(rc == 0, "%s: decode failed at field %s", r->name, err ? err : "?");
    ck_assert_msg(flurm_buf_remaining(b) == 0, "%s: %zu bytes left over", r->name,
                  flurm_buf_remaining(b));
    flurm_buf_destroy(b);
    return obj;
}

static void *decode(const struct flurm_record *r, const char *rel)
{
    struct body bd;
    void *obj;

    body_load(&bd, rel);
    obj = decode_bytes(r, bd.data, bd.len, bd.version);
    body_free(&bd);
    return obj;
}

static void obj_free(const struct flurm_record *r, void *obj)
{
    flurm_record_free(r, obj);
    free(obj);
}

/* Encode obj as r at version into a fresh writer (caller destroys it). */
static struct flurm_buf *encode(const struct flurm_record *r, const void *obj,
                                uint16_t version)
{
    struct flurm_buf *w = flurm_buf_create(256);

    ck_assert_ptr_nonnull(w);
    ck_assert_msg(flurm_record_pack(r, obj, w, version) == 0, "%s: pack failed (%s)",
                  r->name, strerror(errno));
    return w;
}

static void assert_encodes_to(const struct flurm_record *r, const void *obj, uint16_t version,
                              const uint8_t *want, size_t len)
{
    struct flurm_buf *w = encode(r, obj, version);

    ck_assert_uint_eq(flurm_buf_len(w), len);
    ck_assert_msg(memcmp(flurm_buf_data(w), want, len) == 0, "%s: re-encoding differs",
                  r->name);
    flurm_buf_destroy(w);
}

/* Pack obj at version, decode that, and check the second encoding is the
 * same bytes; returns the decoded copy (caller frees). */
static void *round_trip(const struct flurm_record *r, const void *obj, uint16_t version)
{
    struct flurm_buf *w = encode(r, obj, version);
    void *copy = decode_bytes(r, flurm_buf_data(w), flurm_buf_len(w), version);

    assert_encodes_to(r, copy, version, flurm_buf_data(w), flurm_buf_len(w));
    flurm_buf_destroy(w);
    return copy;
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *c = p;

    for (size_t i = 0; i < n; i++)
        if (c[i])
            return false;
    return true;
}

static bool env_has(char **env, uint32_t n, const char *entry)
{
    for (uint32_t i = 0; i < n; i++)
        if (env[i] && strcmp(env[i], entry) == 0)
            return true;
    return false;
}

/* The record a registration table gives type, or NULL. */
static const struct flurm_record *registered(const struct flurm_msg_body_table *t, uint16_t type)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->bodies[i].type == type)
            return t->bodies[i].record;
    return NULL;
}

/* ---- the captures ------------------------------------------------------------ */

static const struct capture_case {
    const char *file;
    const struct flurm_record *rec;
} cases[] = {
    {"sbatch_wrap/001-c2s-REQUEST_SUBMIT_BATCH_JOB.hex", &flurm_rec_job_desc},
    {"sbatch_script/001-c2s-REQUEST_SUBMIT_BATCH_JOB.hex", &flurm_rec_job_desc},
    {"sbatch_array/001-c2s-REQUEST_SUBMIT_BATCH_JOB.hex", &flurm_rec_job_desc},
    {"scontrol_hold/001-c2s-REQUEST_UPDATE_JOB.hex", &flurm_rec_job_desc},
    {"scontrol_release/001-c2s-REQUEST_UPDATE_JOB.hex", &flurm_rec_job_desc},
    {"salloc_hostname/001-c2s-REQUEST_RESOURCE_ALLOCATION.hex", &flurm_rec_job_desc},
    {"srun_hostname/001-c2s-REQUEST_RESOURCE_ALLOCATION.hex", &flurm_rec_job_desc},
    {"sbatch_wrap/002-s2c-RESPONSE_SUBMIT_BATCH_JOB.hex", &flurm_rec_submit_response},
    {"sbatch_array/002-s2c-RESPONSE_SUBMIT_BATCH_JOB.hex", &flurm_rec_submit_response},
    {"squeue/002-s2c-RESPONSE_JOB_INFO.hex", &flurm_rec_job_info_msg},
    {"squeue_l/002-s2c-RESPONSE_JOB_INFO.hex", &flurm_rec_job_info_msg},
    {"squeue_u_format/002-s2c-RESPONSE_JOB_INFO.hex", &flurm_rec_job_info_msg},
    {"scontrol_show_job/004-s2c-RESPONSE_JOB_INFO.hex", &flurm_rec_job_info_msg},
    {"scontrol_show_job/003-c2s-REQUEST_JOB_INFO_SINGLE.hex", &flurm_rec_job_id_msg},
    {"scancel_pending/001-c2s-REQUEST_KILL_JOB.hex", &flurm_rec_kill_job},
    {"scancel_running/001-c2s-REQUEST_KILL_JOB.hex", &flurm_rec_kill_job},
    {"salloc_hostname/002-s2c-RESPONSE_RESOURCE_ALLOCATION.hex", &flurm_rec_resource_alloc_resp},
    {"srun_hostname/002-s2c-RESPONSE_RESOURCE_ALLOCATION.hex", &flurm_rec_resource_alloc_resp},
    {"sstat/005-c2s-REQUEST_JOB_ALLOCATION_INFO.hex", &flurm_rec_job_alloc_info},
    {"sstat/006-s2c-RESPONSE_JOB_ALLOCATION_INFO.hex", &flurm_rec_resource_alloc_resp},
    {"salloc_hostname/003-c2s-REQUEST_JOB_READY.hex", &flurm_rec_job_id_msg},
    {"salloc_hostname/004-s2c-RESPONSE_JOB_READY.hex", &flurm_rec_rc},
    {"salloc_hostname/005-c2s-REQUEST_COMPLETE_JOB_ALLOCATION.hex", &flurm_rec_complete_job_alloc},
    {"salloc_hostname/008-c2s-SRUN_JOB_COMPLETE.hex", &flurm_rec_step_id},
    {"srun_hostname/005-c2s-REQUEST_JOB_STEP_CREATE.hex", &flurm_rec_step_create_req},
    {"srun_hostname/006-s2c-RESPONSE_JOB_STEP_CREATE.hex", &flurm_rec_step_create_resp},
    {"srun_hostname/017-c2s-REQUEST_STEP_COMPLETE.hex", &flurm_rec_step_complete},
    {"srun_hostname/019-c2s-REQUEST_COMPLETE_JOB_ALLOCATION.hex", &flurm_rec_complete_job_alloc},
    {"srun_hostname/021-c2s-SRUN_JOB_COMPLETE.hex", &flurm_rec_step_id},
    {"sstat/003-c2s-REQUEST_JOB_STEP_INFO.hex", &flurm_rec_job_step_info_req},
    {"sstat/004-s2c-RESPONSE_JOB_STEP_INFO.hex", &flurm_rec_job_step_info_msg},
};
#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

START_TEST(capture_decodes_completely_and_reencodes_identically)
{
    const struct capture_case *c = &cases[_i];
    struct body bd;
    void *obj;

    body_load(&bd, c->file);
    ck_assert_uint_eq(bd.version, V22);
    obj = decode_bytes(c->rec, bd.data, bd.len, bd.version);
    assert_encodes_to(c->rec, obj, bd.version, bd.data, bd.len);
    obj_free(c->rec, obj);
    body_free(&bd);
}
END_TEST

START_TEST(capture_message_type_is_registered_with_its_record)
{
    const struct capture_case *c = &cases[_i];
    const struct flurm_record *r;
    struct body bd;

    body_load(&bd, c->file);
    r = registered(&flurm_rec_job_bodies, bd.type);
    if (!r)
        r = registered(&flurm_rec_generic_bodies, bd.type);
    ck_assert_msg(r == c->rec, "%s: type %u registered as %s", c->file, bd.type,
                  r ? r->name : "nothing");
    body_free(&bd);
}
END_TEST

START_TEST(capture_json_round_trip_is_lossless)
{
    const struct capture_case *c = &cases[_i];
    struct body bd;
    void *obj, *back;
    json_t *j1, *j2;
    const char *err = NULL;

    body_load(&bd, c->file);
    obj = decode_bytes(c->rec, bd.data, bd.len, bd.version);
    j1 = flurm_record_to_json(c->rec, obj);
    ck_assert_ptr_nonnull(j1);
    back = calloc(1, c->rec->size);
    ck_assert_msg(flurm_record_from_json(c->rec, j1, back, &err) == 0, "%s: from_json at %s",
                  c->file, err ? err : "?");
    assert_encodes_to(c->rec, back, bd.version, bd.data, bd.len);
    j2 = flurm_record_to_json(c->rec, back);
    ck_assert_msg(json_equal(j1, j2), "%s: JSON changed in the round trip", c->file);
    json_decref(j1);
    json_decref(j2);
    obj_free(c->rec, back);
    obj_free(c->rec, obj);
    body_free(&bd);
}
END_TEST

/* Every proper prefix of a real body must be refused (no crash, no leak:
 * the sanitizer build checks those), leaving the struct zeroed. */
START_TEST(capture_every_truncation_fails_cleanly)
{
    const struct capture_case *c = &cases[_i];
    struct body bd;
    void *obj;

    body_load(&bd, c->file);
    obj = malloc(c->rec->size);
    ck_assert_ptr_nonnull(obj);
    for (size_t cut = 0; cut < bd.len; cut++) {
        struct flurm_buf *b = flurm_buf_view(bd.data, cut);
        memset(obj, 0xa5, c->rec->size);
        errno = 0;
        ck_assert_msg(flurm_record_unpack(c->rec, obj, b, bd.version, NULL) == -1,
                      "%s: %zu of %zu bytes decoded", c->file, cut, bd.len);
        ck_assert_int_eq(errno, EBADMSG);
        ck_assert_msg(all_zero(obj, c->rec->size), "%s: struct not zeroed after failure",
                      c->file);
        flurm_buf_destroy(b);
    }
    free(obj);
    body_free(&bd);
}
END_TEST

/* The 23.02 and 23.11 layouts of the same content encode and decode to the
 * same bytes again. */
START_TEST(capture_content_round_trips_in_later_layouts)
{
    static const uint16_t later[] = {V23_02, V23_11};
    const struct capture_case *c = &cases[_i];
    void *obj = decode(c->rec, c->file);

    if (c->rec == &flurm_rec_step_create_resp) {
        /* The kept credential bytes are 22.05's: re-encode from the body. */
        struct flurm_signed_cred *cred = &((struct flurm_step_create_resp *)obj)->cred;
        free(cred->raw);
        cred->raw = NULL;
        cred->raw_len = 0;
    }
    for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
        obj_free(c->rec, round_trip(c->rec, obj, later[i]));
    obj_free(c->rec, obj);
}
END_TEST

/* ---- job_desc --------------------------------------------------------------- */

START_TEST(sbatch_wrap_sends_the_wrapped_command_as_script)
{
    struct flurm_job_desc *jd = decode(&flurm_rec_job_desc,
                                       "sbatch_wrap/001-c2s-REQUEST_SUBMIT_BATCH_JOB.hex");

    ck_assert_ptr_nonnull(strstr(jd->script, "echo hi"));
    ck_assert_str_eq(jd->script, "#!/bin/sh\n# This script was created by sbatch --wrap.\n\n"
                                 "echo hi\n");
    ck_assert_str_eq(jd->name, "wrap");
    ck_assert_str_eq(jd->submit_line, "sbatch --wrap=echo hi");
    ck_assert_str_eq(jd->std_in, "/dev/null");
    ck_assert_str_eq(jd->work_dir, "/tmp/slurmlab/work");
    ck_assert_ptr_null(jd->partition); /* default partition */
    ck_assert_ptr_null(jd->argv);
    ck_assert_ptr_null(jd->job_id_str);
    ck_assert_uint_eq(jd->env_size, 25);
    ck_assert(env_has(jd->environment, jd->env_size, "SLURM_JOB_NAME=wrap"));
    ck_assert(env_has(jd->environment, jd->env_size, "SLURM_SUBMIT_HOST=vm"));
    ck_assert_uint_eq(jd->job_id, NO_VAL);
    ck_assert_uint_eq(jd->min_cpus, 1);
    ck_assert_uint_eq(jd->max_cpus, NO_VAL);
    ck_assert_uint_eq(jd->nice, NO_VAL);
    ck_assert_uint_eq(jd->profile, 0);
    ck_assert_uint_eq(jd->alloc_sid, 2557); /* getsid() of the shell */
    ck_assert_uint_eq(jd->task_dist, 0x2000);
    ck_assert_uint_eq(jd->pn_min_memory, NO_VAL64);
    ck_assert_uint_eq(jd->overcommit, 0xfe);
    ck_assert_uint_eq(jd->user_id, 0);
    ck_assert_uint_eq(jd->group_id, 0);
    ck_assert_uint_eq(jd->select_plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
    ck_assert_uint_eq(jd->bitflags, 0x1E000000); /* USE_DEFAULT_ACCT/PART/QOS/WCKEY */
    ck_assert_uint_eq(jd->wait_all_nodes, NO_VAL16);
    ck_assert_uint_eq(jd->delay_boot, NO_VAL);
    ck_assert_ptr_null(jd->crontab_entry);
    obj_free(&flurm_rec_job_desc, jd);
}
END_TEST

START_TEST(sbatch_script_sends_the_file_and_its_sbatch_options)
{
    struct flurm_job_desc *jd = decode(&flurm_rec_job_desc,
                                       "sbatch_script/001-c2s-REQUEST_SUBMIT_BATCH_JOB.hex");

    ck_assert_str_eq(jd->name, "capjob"); /* #SBATCH -J capjob */
    ck_assert_ptr_nonnull(strstr(jd->script, "#SBATCH -t 5\n"));
    ck_assert_uint_eq(jd->argc, 1);
    ck_assert_str_eq(jd->argv[0], "/tmp/slurmlab/work/capjob.sh");
    ck_assert_str_eq(jd->std_out, "/tmp/slurmlab/work/capjob-%j.out");
    ck_assert_ptr_null(jd->std_err);
    ck_assert_str_eq(jd->submit_line, "sbatch capjob.sh");
    ck_assert_uint_eq(jd->time_limit, 5);      /* -t 5 */
    ck_assert_uint_eq(jd->time_min, NO_VAL);
    ck_assert_uint_eq(jd->min_nodes, 1);       /* -N1 */
    ck_assert_uint_eq(jd->max_nodes, 1);
    ck_assert_uint_eq(jd->num_tasks, 1);       /* -n1 */
    ck_assert_uint_eq(jd->pn_min_memory, 100); /* --mem=100 */
    ck_assert_uint_eq(jd->bitflags, 0x1E004000); /* + JOB_NTASKS_SET */
    obj_free(&flurm_rec_job_desc, jd);
}
END_TEST

START_TEST(sbatch_array_sends_the_array_spec)
{
    struct flurm_job_desc *jd = decode(&flurm_rec_job_desc,
                                       "sbatch_array/001-c2s-REQUEST_SUBMIT_BATCH_JOB.hex");

    ck_assert_str_eq(jd->array_inx, "1-4");
    ck_assert_ptr_nonnull(strstr(jd->script, "echo task $SLURM_ARRAY_TASK_ID"));
    ck_assert_str_eq(jd->name, "wrap");
    obj_free(&flurm_rec_job_desc, jd);
}
END_TEST

START_TEST(scontrol_hold_names_the_job_by_string_with_priority_zero)
{
    struct flurm_job_desc *jd = decode(&flurm_rec_job_desc,
                                       "scontrol_hold/001-c2s-REQUEST_UPDATE_JOB.hex");

    ck_assert_str_eq(jd->job_id_str, "9");
    ck_assert_uint_eq(jd->job_id, NO_VAL);
    ck_assert_uint_eq(jd->priority, 0);
    ck_assert_uint_eq(jd->alloc_sid, 0); /* admin hold */
    ck_assert_uint_eq(jd->user_id, NO_VAL);
    ck_assert_ptr_null(jd->script);
    ck_assert_ptr_null(jd->environment);
    obj_free(&flurm_rec_job_desc, jd);
}
END_TEST

START_TEST(scontrol_release_sets_priority_infinite)
{
    struct flurm_job_desc *jd = decode(&flurm_rec_job_desc,
                                       "scontrol_release/001-c2s-REQUEST_UPDATE_JOB.hex");

    ck_assert_str_eq(jd->job_id_str, "9");
    ck_assert_uint_eq(jd->priority, FLURM_INFINITE);
    ck_assert_uint_eq(jd->alloc_sid, NO_VAL);
    obj_free(&flurm_rec_job_desc, jd);
}
END_TEST

/* salloc's other_port is where the controller later sent SRUN_JOB_COMPLETE
 * (messages.tsv: ephemeral:39409). */
START_TEST(salloc_request_gives_its_callback_ports)
{
    struct flurm_job_desc *jd = decode(
        &flurm_rec_job_desc, "salloc_hostname/001-c2s-REQUEST_RESOURCE_ALLOCATION.hex");

    ck_assert_str_eq(jd->name, "interactive");
    ck_assert_str_eq(jd->submit_line, "salloc -N1 hostname");
    ck_assert_uint_eq(jd->min_nodes, 1);
    ck_assert_uint_eq(jd->max_nodes, 1);
    ck_assert_uint_eq(jd->other_port, 39409);
    ck_assert_uint_eq(jd->alloc_resp_port, 44139);
    ck_assert_uint_eq(jd->immediate, 0);
    ck_assert_ptr_null(jd->script);
    obj_free(&flurm_rec_job_desc, jd);

    jd = decode(&flurm_rec_job_desc, "srun_hostname/001-c2s-REQUEST_RESOURCE_ALLOCATION.hex");
    ck_assert_str_eq(jd->name, "hostname");
    ck_assert_str_eq(jd->submit_line, "srun hostname");
    ck_assert_uint_eq(jd->other_port, 45171); /* SRUN_JOB_COMPLETE went there */
    ck_assert_uint_eq(jd->min_nodes, NO_VAL);
    obj_free(&flurm_rec_job_desc, jd);
}
END_TEST

/* 23.02: + container_id, + job_size_str, - select_jobinfo (three u32-sized
 * slots for NULL strings / the plugin id): four bytes more in all. */
START_TEST(job_desc_23_02_layout_adds_two_strings_and_drops_select)
{
    struct flurm_job_desc *jd = decode(&flurm_rec_job_desc,
                                       "sbatch_wrap/001-c2s-REQUEST_SUBMIT_BATCH_JOB.hex");
    struct flurm_buf *w22 = encode(&flurm_rec_job_desc, jd, V22);
    struct flurm_buf *w23;
    struct flurm_job_desc *back;

    free(jd->container);
    jd->container = strdup("/c");
    jd->container_id = strdup("cid-1");
    jd->job_size_str = strdup("1-2");
    w23 = encode(&flurm_rec_job_desc, jd, V23_02);
    ck_assert_uint_eq(flurm_buf_len(w23),
                      flurm_buf_len(w22) + 3 + (4 + 6) + (4 + 4) - 4);
    back = decode_bytes(&flurm_rec_job_desc, flurm_buf_data(w23), flurm_buf_len(w23), V23_02);
    ck_assert_str_eq(back->container_id, "cid-1");
    ck_assert_str_eq(back->job_size_str, "1-2");
    ck_assert_str_eq(back->script, jd->script);
    ck_assert_uint_eq(back->select_plugin_id, 0); /* not on the 23.02 wire */
    obj_free(&flurm_rec_job_desc, back);
    flurm_buf_destroy(w22);
    flurm_buf_destroy(w23);
    obj_free(&flurm_rec_job_desc, jd);
}
END_TEST

START_TEST(job_desc_carries_a_scrontab_entry)
{
    struct flurm_job_desc jd = {0};
    struct flurm_cron_entry *ce = calloc(1, sizeof(*ce));
    struct flurm_job_desc *back;
    json_t *j;

    ck_assert_ptr_nonnull(ce);
    ce->flags = 3;
    ck_assert_int_eq(flurm_bitstr_init(&ce->minute, 60), 0);
    ck_assert_int_eq(flurm_bitstr_set(&ce->minute, 5), 0);
    ce->cronspec = strdup("5 * * * *");
    ce->line_start = 2;
    ce->line_end = 3;
    jd.crontab_entry = ce;
    jd.name = strdup("cron");
    back = round_trip(&flurm_rec_job_desc, &jd, V22);
    ck_assert_ptr_nonnull(back->crontab_entry);
    ck_assert_str_eq(back->crontab_entry->cronspec, "5 * * * *");
    ck_assert_uint_eq(back->crontab_entry->minute.nbits, 60);
    ck_assert(flurm_bitstr_test(&back->crontab_entry->minute, 5));
    ck_assert_ptr_null(back->crontab_entry->hour.hex);
    ck_assert_uint_eq(back->crontab_entry->line_end, 3);
    j = flurm_record_to_json(&flurm_rec_job_desc, back);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(j, "crontab_entry"), "cronspec")),
                     "5 * * * *");
    json_decref(j);
    obj_free(&flurm_rec_job_desc, back);
    flurm_record_free(&flurm_rec_job_desc, &jd);
    ck_assert_ptr_null(jd.crontab_entry);
}
END_TEST

START_TEST(job_desc_with_another_select_plugin_is_refused)
{
    struct flurm_job_desc jd = {0};
    struct flurm_buf *w;

    jd.select_plugin_id = 107; /* cray_aries: private bytes of unknown size */
    w = flurm_buf_create(64);
    errno = 0;
    ck_assert_int_eq(flurm_record_pack(&flurm_rec_job_desc, &jd, w, V22), -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_buf_destroy(w);
    /* 0 means "default" and goes out as cons_tres. */
    jd.select_plugin_id = 0;
    {
        struct flurm_job_desc *back = round_trip(&flurm_rec_job_desc, &jd, V22);
        ck_assert_uint_eq(back->select_plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
        obj_free(&flurm_rec_job_desc, back);
    }
}
END_TEST

/* ---- submit reply, kill, ready, completion (records of rec_generic) ------------ */

START_TEST(submit_reply_names_the_new_job_and_batch_step)
{
    struct flurm_submit_response *sr = decode(
        &flurm_rec_submit_response, "sbatch_wrap/002-s2c-RESPONSE_SUBMIT_BATCH_JOB.hex");

    ck_assert_uint_eq(sr->job_id, 1);
    ck_assert_uint_eq(sr->step_id, FLURM_STEP_BATCH_SCRIPT);
    ck_assert_uint_eq(sr->error_code, 0);
    ck_assert_ptr_null(sr->job_submit_user_msg);
    obj_free(&flurm_rec_submit_response, sr);
}
END_TEST

START_TEST(scancel_names_the_job_as_a_string)
{
    struct flurm_kill_job_msg *k = decode(&flurm_rec_kill_job,
                                          "scancel_pending/001-c2s-REQUEST_KILL_JOB.hex");

    ck_assert_str_eq(k->sjob_id, "9");
    ck_assert_uint_eq(k->step_id.job_id, NO_VAL);
    ck_assert_uint_eq(k->step_id.step_id, NO_VAL);
    ck_assert_uint_eq(k->signal, 9);
    ck_assert_uint_eq(k->flags, 0);
    obj_free(&flurm_rec_kill_job, k);
    k = decode(&flurm_rec_kill_job, "scancel_running/001-c2s-REQUEST_KILL_JOB.hex");
    ck_assert_str_eq(k->sjob_id, "7");
    obj_free(&flurm_rec_kill_job, k);
}
END_TEST

START_TEST(salloc_polls_readiness_and_releases_its_job)
{
    struct flurm_job_id_msg *ready = decode(&flurm_rec_job_id_msg,
                                            "salloc_hostname/003-c2s-REQUEST_JOB_READY.hex");
    struct flurm_rc_msg *rc = decode(&flurm_rec_rc,
                                     "salloc_hostname/004-s2c-RESPONSE_JOB_READY.hex");
    struct flurm_complete_job_alloc *done = decode(
        &flurm_rec_complete_job_alloc,
        "salloc_hostname/005-c2s-REQUEST_COMPLETE_JOB_ALLOCATION.hex");
    struct flurm_step_id *sid = decode(&flurm_rec_step_id,
                                       "salloc_hostname/008-c2s-SRUN_JOB_COMPLETE.hex");

    ck_assert_uint_eq(ready->job_id, 11);
    ck_assert_int_eq(rc->return_code, 7); /* NODE | JOB | PROLOG ready */
    ck_assert_uint_eq(done->job_id, 11);
    ck_assert_uint_eq(done->job_rc, 0);
    ck_assert_uint_eq(sid->job_id, 11);
    ck_assert_uint_eq(sid->step_id, NO_VAL);
    obj_free(&flurm_rec_job_id_msg, ready);
    obj_free(&flurm_rec_rc, rc);
    obj_free(&flurm_rec_complete_job_alloc, done);
    obj_free(&flurm_rec_step_id, sid);
}
END_TEST

/* ---- RESPONSE_JOB_INFO ---------------------------------------------------------- */

static const struct flurm_job_info *job_by_id(const struct flurm_job_info_msg *m, uint32_t id)
{
    for (uint32_t i = 0; i < m->record_count; i++)
        if (m->jobs[i].job_id == id)
            return &m->jobs[i];
    return NULL;
}

START_TEST(squeue_reply_lists_every_job_with_its_state)
{
    struct flurm_job_info_msg *m = decode(&flurm_rec_job_info_msg,
                                          "squeue/002-s2c-RESPONSE_JOB_INFO.hex");
    const struct flurm_job_info *j;

    ck_assert_uint_eq(m->record_count, 9);
    ck_assert_int_eq(m->last_backfill, 1795630120);
    for (uint32_t i = 0; i < m->record_count; i++) {
        ck_assert_str_eq(m->jobs[i].partition, "debug");
        ck_assert_str_eq(m->jobs[i].cluster, "lab");
        ck_assert_uint_eq(m->jobs[i].show_flags, 0x10);
        ck_assert_ptr_null(m->jobs[i].job_resrcs); /* no SHOW_DETAIL */
        ck_assert_ptr_nonnull(m->jobs[i].mc);
        ck_assert_uint_eq(m->jobs[i].start_protocol_ver, V22);
    }
    j = job_by_id(m, 2);
    ck_assert_str_eq(j->name, "capjob");
    ck_assert_str_eq(j->command, "/tmp/slurmlab/work/capjob.sh");
    ck_assert_uint_eq(j->job_state, 3); /* COMPLETE */
    j = job_by_id(m, 7);
    ck_assert_str_eq(j->name, "longrun");
    ck_assert_uint_eq(j->job_state, 1); /* RUNNING */
    ck_assert_str_eq(j->nodes, "vm");
    j = job_by_id(m, 8);
    ck_assert_str_eq(j->name, "held");
    ck_assert_uint_eq(j->job_state, 0);     /* PENDING */
    ck_assert_uint_eq(j->priority, 0);      /* held */
    ck_assert_uint_eq(j->state_reason, 16); /* WAIT_HELD_USER */
    ck_assert_ptr_null(j->nodes);
    j = job_by_id(m, 9);
    ck_assert_str_eq(j->name, "pend");
    ck_assert_uint_eq(j->state_reason, 3); /* WAIT_RESOURCES */
    /* sbatch --array=1-4 became jobs 3..6, tasks 4,1,2,3 of array job 3. */
    for (uint32_t id = 3; id <= 6; id++) {
        j = job_by_id(m, id);
        ck_assert_uint_eq(j->array_job_id, 3);
        ck_assert_uint_eq(j->array_task_id, id == 3 ? 4 : id - 3);
    }
    obj_free(&flurm_rec_job_info_msg, m);
}
END_TEST

START_TEST(scontrol_show_job_record_fields_line_up)
{
    struct flurm_job_info_msg *m = decode(&flurm_rec_job_info_msg,
                                          "scontrol_show_job/004-s2c-RESPONSE_JOB_INFO.hex");
    const struct flurm_job_info *j;

    ck_assert_uint_eq(m->record_count, 1);
    j = &m->jobs[0];
    ck_assert_uint_eq(j->job_id, 7);
    ck_assert_str_eq(j->name, "longrun");
    ck_assert_str_eq(j->batch_host, "vm");
    ck_assert_str_eq(j->alloc_node, "localhost");
    ck_assert_str_eq(j->work_dir, "/tmp/slurmlab/work");
    ck_assert_str_eq(j->std_in, "/dev/null");
    ck_assert_str_eq(j->mail_user, "root");
    ck_assert_str_eq(j->tres_alloc_str, "cpu=1,mem=4000M,node=1,billing=1");
    ck_assert_str_eq(j->tres_req_str, "cpu=1,mem=4000M,node=1,billing=1");
    ck_assert_uint_eq(j->node_inx.nbits, 1);
    ck_assert_str_eq(j->node_inx.hex, "0x1");
    ck_assert_ptr_null(j->req_node_inx.hex);
    ck_assert_uint_eq(j->time_limit, FLURM_INFINITE);
    ck_assert_uint_eq(j->nice, 0x80000000U);
    ck_assert_uint_eq(j->site_factor, 0x80000000U);
    ck_assert(j->billable_tres == 1.0);
    ck_assert_int_eq(j->submit_time, 1795630130);
    ck_assert_int_eq(j->start_time, 1795630131);
    ck_assert_int_eq(j->end_time, 1827166131); /* start + 365 days: no limit */
    ck_assert_int_eq(j->suspend_time, 0);
    ck_assert_int_eq(j->last_sched_eval, 1795630131);
    ck_assert_uint_eq(j->batch_flag, 1);
    ck_assert_uint_eq(j->num_cpus, 1);
    ck_assert_uint_eq(j->num_nodes, 1);
    ck_assert_uint_eq(j->num_tasks, 1);
    ck_assert_uint_eq(j->cpus_per_task, 1);
    ck_assert_uint_eq(j->select_plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
    ck_assert_uint_eq(j->mc->sockets_per_node, NO_VAL16);
    ck_assert_uint_eq(j->mc->ntasks_per_core, FLURM_INFINITE16);
    ck_assert_uint_eq(j->mc->plane_size, 0);
    ck_assert_uint_eq(j->mail_type, 0);
    obj_free(&flurm_rec_job_info_msg, m);
}
END_TEST

/* A minimal job record for the synthetic tests. */
static void job_info_one(struct flurm_job_info_msg *m)
{
    memset(m, 0, sizeof(*m));
    m->record_count = 1;
    m->last_update = 1700000000;
    m->jobs = calloc(1, sizeof(*m->jobs));
    ck_assert_ptr_nonnull(m->jobs);
    m->jobs[0].job_id = 42;
    m->jobs[0].name = strdup("x");
    m->jobs[0].select_plugin_id = FLURM_SELECT_PLUGIN_CONS_TRES;
}

START_TEST(job_resources_are_sent_with_show_detail)
{
    struct flurm_job_info_msg m, *back;
    struct flurm_job_resources *jr = calloc(1, sizeof(*jr));
    json_t *j;
    const char *err = NULL;

    ck_assert_ptr_nonnull(jr);
    job_info_one(&m);
    jr->nhosts = 2;
    jr->ncpus = 3;
    jr->nodes = strdup("n[1-2]");
    jr->cpu_array_cnt = 2;
    jr->cpu_array_reps = calloc(2, sizeof(uint32_t));
    jr->cpu_array_value = calloc(2, sizeof(uint16_t));
    jr->cpus = calloc(2, sizeof(uint16_t));
    jr->cpu_array_reps[0] = jr->cpu_array_reps[1] = 1;
    jr->cpu_array_value[0] = 2;
    jr->cpu_array_value[1] = 1;
    jr->cpus[0] = 2;
    jr->cpus[1] = 1;
    jr->memory_allocated_cnt = 1;
    jr->memory_allocated = calloc(1, sizeof(uint64_t));
    jr->memory_allocated[0] = NO_VAL64;
    ck_assert_int_eq(flurm_bitstr_init(&jr->core_bitmap, 4), 0);
    m.jobs[0].job_resrcs = jr;
    back = round_trip(&flurm_rec_job_info_msg, &m, V22);
    ck_assert_ptr_nonnull(back->jobs[0].job_resrcs);
    ck_assert_str_eq(back->jobs[0].job_resrcs->nodes, "n[1-2]");
    ck_assert_uint_eq(back->jobs[0].job_resrcs->cpus[0], 2);
    ck_assert_uint_eq(back->jobs[0].job_resrcs->memory_allocated[0], NO_VAL64);
    ck_assert_str_eq(back->jobs[0].job_resrcs->core_bitmap.hex, "0x0");
    ck_assert_ptr_null(back->jobs[0].job_resrcs->core_bitmap_used.hex);
    /* JSON carries it too. */
    j = flurm_record_to_json(&flurm_rec_job_info_msg, back);
    obj_free(&flurm_rec_job_info_msg, back);
    back = calloc(1, sizeof(*back));
    ck_assert_int_eq(flurm_record_from_json(&flurm_rec_job_info_msg, j, back, &err), 0);
    json_decref(j);
    ck_assert_uint_eq(back->jobs[0].job_resrcs->cpu_array_value[1], 1);
    obj_free(&flurm_rec_job_info_msg, back);
    flurm_record_free(&flurm_rec_job_info_msg, &m);
}
END_TEST

/* nhosts NO_VAL is the wire's "no job_resources": a present struct with it
 * cannot be sent. */
START_TEST(job_resources_with_no_val_hosts_cannot_be_sent)
{
    struct flurm_job_info_msg m;
    struct flurm_buf *w = flurm_buf_create(64);

    job_info_one(&m);
    m.jobs[0].job_resrcs = calloc(1, sizeof(struct flurm_job_resources));
    m.jobs[0].job_resrcs->nhosts = NO_VAL;
    errno = 0;
    ck_assert_int_eq(flurm_record_pack(&flurm_rec_job_info_msg, &m, w, V22), -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_buf_destroy(w);
    flurm_record_free(&flurm_rec_job_info_msg, &m);
}
END_TEST

/* The multi_core marker is 0 or 0xff; anything else is refused. */
START_TEST(job_record_with_a_bad_multi_core_marker_is_refused)
{
    struct flurm_job_info_msg m;
    struct flurm_buf *without, *with;
    const uint8_t *a, *b;
    uint8_t *bad;
    size_t at = 0;
    struct flurm_buf *rd;
    struct flurm_job_info_msg out;

    job_info_one(&m);
    without = encode(&flurm_rec_job_info_msg, &m, V22);
    m.jobs[0].mc = calloc(1, sizeof(struct flurm_multi_core));
    with = encode(&flurm_rec_job_info_msg, &m, V22);
    ck_assert_uint_eq(flurm_buf_len(with), flurm_buf_len(without) + 18);
    a = flurm_buf_data(without);
    b = flurm_buf_data(with);
    while (a[at] == b[at])
        at++;
    ck_assert_uint_eq(a[at], 0);
    ck_assert_uint_eq(b[at], 0xff);
    bad = malloc(flurm_buf_len(without));
    memcpy(bad, a, flurm_buf_len(without));
    bad[at] = 1;
    rd = flurm_buf_view(bad, flurm_buf_len(without));
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_job_info_msg, &out, rd, V22, NULL), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(rd);
    free(bad);
    flurm_buf_destroy(with);
    flurm_buf_destroy(without);
    flurm_record_free(&flurm_rec_job_info_msg, &m);
}
END_TEST

/* state_reason is u16 before 23.02 and u32 from 23.02 on. */
START_TEST(job_state_reason_widens_in_23_02)
{
    struct flurm_job_info_msg m, *back;
    struct flurm_buf *w = flurm_buf_create(64);
    struct flurm_buf *w22, *w23;

    job_info_one(&m);
    m.jobs[0].state_reason = 70000;
    errno = 0;
    ck_assert_int_eq(flurm_record_pack(&flurm_rec_job_info_msg, &m, w, V22), -1);
    ck_assert_int_eq(errno, EINVAL);
    back = round_trip(&flurm_rec_job_info_msg, &m, V23_02);
    ck_assert_uint_eq(back->jobs[0].state_reason, 70000);
    obj_free(&flurm_rec_job_info_msg, back);
    /* Same content: 23.02 gains container_id, failed_node, extra, job_size
     * (4 bytes each when NULL) and 2 bytes of state_reason, and loses the
     * select plugin id. */
    m.jobs[0].state_reason = 3;
    w22 = encode(&flurm_rec_job_info_msg, &m, V22);
    w23 = encode(&flurm_rec_job_info_msg, &m, V23_02);
    ck_assert_uint_eq(flurm_buf_len(w23), flurm_buf_len(w22) + 4 * 4 + 2 - 4);
    flurm_buf_destroy(w22);
    flurm_buf_destroy(w23);
    flurm_buf_destroy(w);
    flurm_record_free(&flurm_rec_job_info_msg, &m);
}
END_TEST

/* ---- RESPONSE_JOB_ARRAY_ERRORS ------------------------------------------------- */

START_TEST(job_array_errors_gain_a_message_in_23_02)
{
    struct flurm_job_array_resp r = {0}, *back;
    struct flurm_buf *w22, *w23;

    r.count = 2;
    r.errors = calloc(2, sizeof(*r.errors));
    r.errors[0].error_code = 2017;
    r.errors[0].job_array_id = strdup("12_3");
    r.errors[1].error_code = 2021;
    r.errors[1].job_array_id = strdup("12_4");
    r.errors[1].err_msg = strdup("already done");
    back = round_trip(&flurm_rec_job_array_resp, &r, V22);
    ck_assert_uint_eq(back->count, 2);
    ck_assert_str_eq(back->errors[1].job_array_id, "12_4");
    ck_assert_ptr_null(back->errors[1].err_msg); /* not on the 22.05 wire */
    obj_free(&flurm_rec_job_array_resp, back);
    back = round_trip(&flurm_rec_job_array_resp, &r, V23_02);
    ck_assert_str_eq(back->errors[1].err_msg, "already done");
    obj_free(&flurm_rec_job_array_resp, back);
    w22 = encode(&flurm_rec_job_array_resp, &r, V22);
    w23 = encode(&flurm_rec_job_array_resp, &r, V23_02);
    ck_assert_uint_eq(flurm_buf_len(w22), 4 + 2 * 4 + 9 + 9);
    ck_assert_uint_eq(flurm_buf_len(w23), flurm_buf_len(w22) + 4 + (4 + 13));
    flurm_buf_destroy(w22);
    flurm_buf_destroy(w23);
    flurm_record_free(&flurm_rec_job_array_resp, &r);
}
END_TEST

/* ---- RESPONSE_RESOURCE_ALLOCATION ------------------------------------------------ */

START_TEST(allocation_reply_grants_node_vm)
{
    struct flurm_resource_alloc_resp *ra = decode(
        &flurm_rec_resource_alloc_resp,
        "salloc_hostname/002-s2c-RESPONSE_RESOURCE_ALLOCATION.hex");

    ck_assert_uint_eq(ra->job_id, 11);
    ck_assert_uint_eq(ra->node_cnt, 1);
    ck_assert_str_eq(ra->node_list, "vm");
    ck_assert_str_eq(ra->batch_host, "vm");
    ck_assert_str_eq(ra->partition, "debug");
    ck_assert_uint_eq(ra->node_addr_present, 0);
    ck_assert_uint_eq(ra->num_cpu_groups, 1);
    ck_assert_uint_eq(ra->cpu_groups.cpus_per_node[0], 1);
    ck_assert_uint_eq(ra->cpu_groups.cpu_count_reps[0], 1);
    ck_assert_uint_eq(ra->ntasks_per_core, FLURM_INFINITE16);
    ck_assert_uint_eq(ra->select_plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
    ck_assert_uint_eq(ra->error_code, 0);
    ck_assert_uint_eq(ra->env_size, 0);
    obj_free(&flurm_rec_resource_alloc_resp, ra);
    ra = decode(&flurm_rec_resource_alloc_resp,
                "srun_hostname/002-s2c-RESPONSE_RESOURCE_ALLOCATION.hex");
    ck_assert_uint_eq(ra->job_id, 10);
    obj_free(&flurm_rec_resource_alloc_resp, ra);
}
END_TEST

START_TEST(sstat_looks_up_the_allocation_of_job_7)
{
    struct flurm_job_alloc_info *q = decode(&flurm_rec_job_alloc_info,
                                            "sstat/005-c2s-REQUEST_JOB_ALLOCATION_INFO.hex");
    struct flurm_resource_alloc_resp *ra = decode(
        &flurm_rec_resource_alloc_resp, "sstat/006-s2c-RESPONSE_JOB_ALLOCATION_INFO.hex");

    ck_assert_uint_eq(q->job_id, 7);
    ck_assert_str_eq(q->req_cluster, "lab");
    ck_assert_uint_eq(ra->job_id, 7);
    ck_assert_str_eq(ra->node_list, "vm");
    obj_free(&flurm_rec_job_alloc_info, q);
    obj_free(&flurm_rec_resource_alloc_resp, ra);
}
END_TEST

/* A reply with node addresses: 127.0.0.1:6818 as an x86 peer sends it
 * (byte-swapped, wire doc 1.3). */
static void alloc_with_addr(struct flurm_resource_alloc_resp *ra)
{
    memset(ra, 0, sizeof(*ra));
    ra->job_id = 5;
    ra->node_cnt = 1;
    ra->node_list = strdup("vm");
    ra->node_addr_present = 1;
    ra->node_addr.count = 1;
    ra->node_addr.addrs = calloc(1, sizeof(struct flurm_addr));
    ra->node_addr.addrs[0].family = 2;
    ra->node_addr.addrs[0].addr4 = 0x0100007f;
    ra->node_addr.addrs[0].port = 0xa21a;
    ra->num_cpu_groups = 1;
    ra->cpu_groups.cpus_per_node_cnt = ra->cpu_groups.cpu_count_reps_cnt = 1;
    ra->cpu_groups.cpus_per_node = calloc(1, sizeof(uint16_t));
    ra->cpu_groups.cpu_count_reps = calloc(1, sizeof(uint32_t));
    ra->cpu_groups.cpus_per_node[0] = 2;
    ra->cpu_groups.cpu_count_reps[0] = 1;
}

START_TEST(allocation_reply_carries_node_addresses)
{
    struct flurm_resource_alloc_resp ra, *back;
    json_t *j;

    alloc_with_addr(&ra);
    back = round_trip(&flurm_rec_resource_alloc_resp, &ra, V22);
    ck_assert_uint_eq(back->node_addr_present, 1);
    ck_assert_uint_eq(back->node_addr.count, 1);
    ck_assert_uint_eq(back->node_addr.addrs[0].addr4, 0x0100007f);
    ck_assert_uint_eq(back->node_addr.addrs[0].port, 0xa21a);
    j = flurm_record_to_json(&flurm_rec_resource_alloc_resp, back);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "node_addr_present")), 1);
    json_decref(j);
    obj_free(&flurm_rec_resource_alloc_resp, back);
    /* 23.02 layout: + gid, group_name, tres_per_node, uid, user_name. */
    ra.group_name = strdup("g");
    ra.user_name = strdup("u");
    ra.uid = 1000;
    back = round_trip(&flurm_rec_resource_alloc_resp, &ra, V23_02);
    ck_assert_str_eq(back->user_name, "u");
    ck_assert_uint_eq(back->uid, 1000);
    obj_free(&flurm_rec_resource_alloc_resp, back);
    flurm_record_free(&flurm_rec_resource_alloc_resp, &ra);
}
END_TEST

START_TEST(allocation_addresses_must_match_the_node_count)
{
    struct flurm_resource_alloc_resp ra, out;
    struct flurm_buf *w, *rd;
    uint8_t *bytes;
    size_t len;

    alloc_with_addr(&ra);
    w = encode(&flurm_rec_resource_alloc_resp, &ra, V22);
    len = flurm_buf_len(w);
    bytes = malloc(len);
    memcpy(bytes, flurm_buf_data(w), len);
    flurm_buf_destroy(w);
    /* account, alias_list, batch_host, environment, error_code,
     * job_submit_user_msg, job_id (4 bytes each), then node_cnt. */
    ck_assert_uint_eq(bytes[31], 1);
    bytes[31] = 2;
    rd = flurm_buf_view(bytes, len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_resource_alloc_resp, &out, rd, V22, NULL),
                     -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(rd);
    /* ... and a federation cluster record (last byte 1) cannot be read. */
    bytes[31] = 1;
    bytes[len - 1] = 1;
    rd = flurm_buf_view(bytes, len);
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_resource_alloc_resp, &out, rd, V22, NULL),
                     -1);
    flurm_buf_destroy(rd);
    free(bytes);
    ra.node_cnt = 2;
    w = flurm_buf_create(64);
    errno = 0;
    ck_assert_int_eq(flurm_record_pack(&flurm_rec_resource_alloc_resp, &ra, w, V22), -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_buf_destroy(w);
    flurm_record_free(&flurm_rec_resource_alloc_resp, &ra);
}
END_TEST

/* ---- steps -------------------------------------------------------------------- */

START_TEST(srun_step_request_asks_one_cpu_on_job_10)
{
    struct flurm_step_create_req *q = decode(&flurm_rec_step_create_req,
                                             "srun_hostname/005-c2s-REQUEST_JOB_STEP_CREATE.hex");

    ck_assert_uint_eq(q->step_id.job_id, 10);
    ck_assert_uint_eq(q->step_id.step_id, NO_VAL); /* the controller chooses */
    ck_assert_str_eq(q->tres_per_step, "cpu:1");
    ck_assert_str_eq(q->name, "hostname");
    ck_assert_str_eq(q->host, "vm");
    ck_assert_str_eq(q->submit_line, "srun hostname");
    ck_assert_uint_eq(q->flags, 8);
    ck_assert_uint_eq(q->task_dist, 0x2000);
    ck_assert_uint_eq(q->port, 33665);
    ck_assert_uint_eq(q->srun_pid, 30883);
    ck_assert_uint_eq(q->min_nodes, 1);
    ck_assert_uint_eq(q->num_tasks, 1);
    ck_assert_uint_eq(q->cpu_count, 1);
    ck_assert_uint_eq(q->ntasks_per_tres, NO_VAL16);
    obj_free(&flurm_rec_step_create_req, q);
}
END_TEST

#define STEP_RESP "srun_hostname/006-s2c-RESPONSE_JOB_STEP_CREATE.hex"

START_TEST(step_reply_lays_out_one_task_on_vm)
{
    struct flurm_step_create_resp *r = decode(&flurm_rec_step_create_resp, STEP_RESP);
    const struct flurm_step_layout *l = r->step_layout;

    ck_assert_uint_eq(r->job_step_id, 0);
    ck_assert_ptr_nonnull(l);
    ck_assert_str_eq(l->node_list, "vm");
    ck_assert_ptr_null(l->front_end);
    ck_assert_uint_eq(l->node_cnt, 1);
    ck_assert_uint_eq(l->task_cnt, 1);
    ck_assert_uint_eq(l->start_protocol_ver, V22);
    ck_assert_uint_eq(l->tasks[0].count, 1);
    ck_assert_uint_eq(l->tasks[0].tids[0], 0);
    ck_assert_uint_eq(r->select_plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
    ck_assert_uint_eq(r->switch_plugin_id, FLURM_SWITCH_PLUGIN_NONE);
    ck_assert_uint_eq(r->use_protocol_ver, V22);
    obj_free(&flurm_rec_step_create_resp, r);
}
END_TEST

START_TEST(step_credential_is_decoded_and_its_signed_bytes_kept)
{
    struct flurm_step_create_resp *r = decode(&flurm_rec_step_create_resp, STEP_RESP);
    const struct flurm_signed_cred *c = &r->cred;
    const struct flurm_job_cred *cr = &c->body;
    struct body bd;
    const uint8_t *sig;

    ck_assert_uint_eq(cr->step_id.job_id, 10);
    ck_assert_uint_eq(cr->step_id.step_id, 0);
    ck_assert_str_eq(cr->pw_name, "root");
    ck_assert_str_eq(cr->pw_dir, "/root");
    ck_assert_str_eq(cr->pw_shell, "/bin/bash");
    ck_assert_uint_eq(cr->gids_cnt, 1);
    ck_assert_str_eq(cr->job_partition, "debug");
    ck_assert_str_eq(cr->step_hostlist, "vm");
    ck_assert_str_eq(cr->job_hostlist, "vm");
    ck_assert_uint_eq(cr->job_gres.len, 0);
    ck_assert_uint_eq(cr->tot_core_cnt, 2);
    ck_assert_str_eq(cr->job_core_bitmap.hex, "0x1");
    ck_assert_uint_eq(cr->core_array_size, 1);
    ck_assert_uint_eq(cr->core_arrays.sockets_per_node[0], 2);
    ck_assert_uint_eq(cr->cpu_arrays.cpu_array[0], 1);
    ck_assert_uint_eq(cr->job_nhosts, 1);
    ck_assert_uint_eq(cr->job_mem.mem_alloc[0], 4000); /* RealMemory of vm */
    ck_assert_uint_eq(cr->step_mem.rep_count[0], 1);
    /* The raw bytes start right after the step layout and end before the
     * signature: the body packs back to exactly them. */
    body_load(&bd, STEP_RESP);
    ck_assert_uint_gt(c->raw_len, 100);
    ck_assert_ptr_nonnull(memmem(bd.data, bd.len, c->raw, c->raw_len));
    assert_encodes_to(&flurm_rec_job_cred, cr, V22, c->raw, c->raw_len);
    body_free(&bd);
    /* Signed: "MUNGE:...:" with its NUL (508 bytes in the capture). */
    sig = c->signature;
    ck_assert_uint_eq(c->siglen, 508);
    ck_assert_int_eq(memcmp(sig, "MUNGE:", 6), 0);
    ck_assert_uint_eq(sig[c->siglen - 1], 0);
    ck_assert_uint_eq(strlen((const char *)sig), c->siglen - 1);
    obj_free(&flurm_rec_step_create_resp, r);
}
END_TEST

/* Building a reply: without raw bytes the body is packed, and decoding that
 * keeps exactly those bytes as raw. */
START_TEST(step_credential_built_from_fields_encodes_its_body)
{
    struct flurm_step_create_resp *r = decode(&flurm_rec_step_create_resp, STEP_RESP);
    struct flurm_step_create_resp *back;
    struct flurm_buf *body;

    free(r->cred.raw);
    r->cred.raw = NULL;
    r->cred.raw_len = 0;
    free(r->cred.body.job_partition);
    r->cred.body.job_partition = strdup("other");
    back = round_trip(&flurm_rec_step_create_resp, r, V22);
    ck_assert_str_eq(back->cred.body.job_partition, "other");
    body = encode(&flurm_rec_job_cred, &r->cred.body, V22);
    ck_assert_uint_eq(back->cred.raw_len, flurm_buf_len(body));
    ck_assert_int_eq(memcmp(back->cred.raw, flurm_buf_data(body), flurm_buf_len(body)), 0);
    flurm_buf_destroy(body);
    obj_free(&flurm_rec_step_create_resp, back);
    obj_free(&flurm_rec_step_create_resp, r);
}
END_TEST

/* Decode the captured step reply with the u32 at len - from_end replaced by
 * id (the last 10 bytes of the 22.05 reply: select id, switch id, protocol);
 * returns what unpack returned. */
static int decode_patched_step_reply(size_t from_end, uint32_t id)
{
    struct body bd;
    uint8_t *bytes;
    struct flurm_buf *rd;
    struct flurm_step_create_resp out;
    int rc;

    body_load(&bd, STEP_RESP);
    bytes = malloc(bd.len);
    memcpy(bytes, bd.data, bd.len);
    bytes[bd.len - from_end] = (uint8_t)(id >> 24);
    bytes[bd.len - from_end + 1] = (uint8_t)(id >> 16);
    bytes[bd.len - from_end + 2] = (uint8_t)(id >> 8);
    bytes[bd.len - from_end + 3] = (uint8_t)id;
    rd = flurm_buf_view(bytes, bd.len);
    errno = 0;
    rc = flurm_record_unpack(&flurm_rec_step_create_resp, &out, rd, V22, NULL);
    if (rc == 0)
        flurm_record_free(&flurm_rec_step_create_resp, &out);
    flurm_buf_destroy(rd);
    free(bytes);
    body_free(&bd);
    return rc;
}

/* Control for the next test: the ids really sit there. */
START_TEST(step_reply_ends_with_select_switch_and_protocol)
{
    ck_assert_int_eq(decode_patched_step_reply(10, FLURM_SELECT_PLUGIN_CONS_TRES), 0);
    ck_assert_int_eq(decode_patched_step_reply(10, FLURM_SELECT_PLUGIN_LINEAR), 0);
    ck_assert_int_eq(decode_patched_step_reply(6, FLURM_SWITCH_PLUGIN_NONE), 0);
}
END_TEST

/* Other plugins append private bytes of unknown size: refuse them. */
START_TEST(step_reply_with_cray_select_or_another_switch_is_refused)
{
    ck_assert_int_eq(decode_patched_step_reply(10, 107), -1);
    ck_assert_int_eq(errno, EBADMSG);
    ck_assert_int_eq(decode_patched_step_reply(6, 101), -1);
    ck_assert_int_eq(errno, EBADMSG);
}
END_TEST

/* 23.11 replies have no switch id, 23.02+ no select id but a job_id. */
START_TEST(step_reply_layouts_of_23_02_and_23_11)
{
    struct flurm_step_create_resp *r = decode(&flurm_rec_step_create_resp, STEP_RESP);
    struct flurm_step_create_resp *back;
    struct flurm_buf *w22, *w23a, *w23b;

    free(r->cred.raw);
    r->cred.raw = NULL;
    r->cred.raw_len = 0;
    r->job_id = 10;
    r->cred.body.job_licenses = strdup("lic:1");
    r->cred.body.job_end_time = 1795630999;
    w22 = encode(&flurm_rec_step_create_resp, r, V22);
    w23a = encode(&flurm_rec_step_create_resp, r, V23_02);
    w23b = encode(&flurm_rec_step_create_resp, r, V23_11);
    /* 23.02: + job_id, - select; the credential + end_time, extra, oversubscribe,
     * start_time, licenses. */
    ck_assert_uint_eq(flurm_buf_len(w23a), flurm_buf_len(w22) + 4 - 4 + 8 + 4 + 2 + 8 + 10);
    /* 23.11: - switch id; the credential + job_node_addrs count; the layout +
     * two arrays and net_cred. */
    ck_assert_uint_eq(flurm_buf_len(w23b), flurm_buf_len(w23a) - 4 + 4 + 4 + 4 + 4);
    back = round_trip(&flurm_rec_step_create_resp, r, V23_11);
    ck_assert_uint_eq(back->job_id, 10);
    ck_assert_str_eq(back->cred.body.job_licenses, "lic:1");
    ck_assert_int_eq(back->cred.body.job_end_time, 1795630999);
    ck_assert_uint_eq(back->switch_plugin_id, 0);
    obj_free(&flurm_rec_step_create_resp, back);
    flurm_buf_destroy(w22);
    flurm_buf_destroy(w23a);
    flurm_buf_destroy(w23b);
    obj_free(&flurm_rec_step_create_resp, r);
}
END_TEST

/* A credential's arrays sent under a count must have that many items. */
START_TEST(credential_arrays_must_match_their_count)
{
    struct flurm_step_create_resp *r = decode(&flurm_rec_step_create_resp, STEP_RESP);
    struct flurm_buf *w = flurm_buf_create(64);

    free(r->cred.raw);
    r->cred.raw = NULL;
    r->cred.raw_len = 0;
    r->cred.body.core_array_size = 2; /* arrays hold 1 */
    errno = 0;
    ck_assert_int_eq(flurm_record_pack(&flurm_rec_step_create_resp, r, w, V22), -1);
    ck_assert_int_eq(errno, EINVAL);
    flurm_buf_destroy(w);
    obj_free(&flurm_rec_step_create_resp, r);
}
END_TEST

/* GRES blocks of a credential, written as gres.c packs them. */
static void put_bitstr(struct flurm_buf *b, uint32_t nbits, const char *hex)
{
    ck_assert_int_eq(flurm_pack32(b, nbits), 0);
    ck_assert_int_eq(flurm_packstr(b, hex), 0);
}

static struct flurm_buf *job_gres_block(uint16_t v)
{
    struct flurm_buf *b = flurm_buf_create(128);
    uint64_t per_node[1] = {2};

    flurm_pack16(b, 1);          /* one record */
    flurm_pack32(b, 0x438a34d4); /* GRES_MAGIC */
    flurm_pack32(b, 7696487);    /* plugin id of "gpu" */
    flurm_pack16(b, 0);          /* cpus_per_gres */
    flurm_pack16(b, 0);          /* flags */
    for (int i = 0; i < 5; i++)
        flurm_pack64(b, i == 1 ? 2 : 0); /* per job, node, socket, task; mem */
    flurm_pack16(b, NO_VAL16);          /* ntasks_per_gres */
    flurm_pack64(b, 2);                 /* total_gres */
    flurm_packstr(b, "a100");           /* type_name */
    flurm_pack32(b, 1);                 /* node_cnt */
    flurm_pack8(b, 1);
    flurm_pack64_array(b, per_node, 1); /* gres_cnt_node_alloc */
    flurm_pack8(b, 1);
    put_bitstr(b, 4, "0x3"); /* gres_bit_alloc */
    if (v >= V23_11) {
        flurm_pack8(b, 1);
        flurm_pack64_array(b, per_node, 1); /* gres_per_bit_alloc */
    }
    flurm_pack8(b, 0); /* gres_bit_step_alloc */
    flurm_pack8(b, 1);
    flurm_pack64(b, 1); /* gres_cnt_step_alloc */
    if (v >= V23_11)
        flurm_pack8(b, 0); /* gres_per_bit_step_alloc */
    ck_assert(!flurm_buf_error(b));
    return b;
}

static struct flurm_buf *step_gres_block(uint16_t v)
{
    struct flurm_buf *b = flurm_buf_create(128);
    uint64_t per_node[1] = {1};

    flurm_pack16(b, 1);
    flurm_pack32(b, 0x438a34d4);
    flurm_pack32(b, 7696487);
    flurm_pack16(b, 0);
    flurm_pack16(b, 0);
    for (int i = 0; i < 6; i++) /* per step, node, socket, task; mem; total */
        flurm_pack64(b, 1);
    flurm_pack32(b, 1);      /* node_cnt */
    put_bitstr(b, 1, "0x1"); /* node_in_use */
    flurm_pack8(b, 1);
    flurm_pack64_array(b, per_node, 1);
    flurm_pack8(b, 1);
    put_bitstr(b, 4, "0x1");
    if (v >= V23_11)
        flurm_pack8(b, 0);
    ck_assert(!flurm_buf_error(b));
    return b;
}

static void set_block(struct flurm_gres_block *g, struct flurm_buf *b)
{
    free(g->data);
    g->len = (uint32_t)flurm_buf_len(b);
    g->data = malloc(g->len);
    memcpy(g->data, flurm_buf_data(b), g->len);
    flurm_buf_destroy(b);
}

static void check_gres_blocks_round_trip(uint16_t v)
{
    struct flurm_step_create_resp *r = decode(&flurm_rec_step_create_resp, STEP_RESP);
    struct flurm_step_create_resp *back;
    struct flurm_buf *jb = job_gres_block(v), *sb = step_gres_block(v);
    json_t *j;
    struct flurm_step_create_resp *from_json;

    free(r->cred.raw);
    r->cred.raw = NULL;
    r->cred.raw_len = 0;
    set_block(&r->cred.body.job_gres, jb);
    set_block(&r->cred.body.step_gres, sb);
    back = round_trip(&flurm_rec_step_create_resp, r, v);
    ck_assert_uint_eq(back->cred.body.job_gres.len, r->cred.body.job_gres.len);
    ck_assert_int_eq(memcmp(back->cred.body.job_gres.data, r->cred.body.job_gres.data,
                            r->cred.body.job_gres.len),
                     0);
    ck_assert_uint_eq(back->cred.body.step_gres.len, r->cred.body.step_gres.len);
    /* The fields after the blocks still line up. */
    ck_assert_str_eq(back->cred.body.job_partition, "debug");
    j = flurm_record_to_json(&flurm_rec_step_create_resp, back);
    from_json = calloc(1, sizeof(*from_json));
    ck_assert_int_eq(flurm_record_from_json(&flurm_rec_step_create_resp, j, from_json, NULL), 0);
    ck_assert_uint_eq(from_json->cred.body.step_gres.len, r->cred.body.step_gres.len);
    json_decref(j);
    obj_free(&flurm_rec_step_create_resp, from_json);
    obj_free(&flurm_rec_step_create_resp, back);
    obj_free(&flurm_rec_step_create_resp, r);
}

START_TEST(credential_gres_blocks_are_kept_as_sent)
{
    check_gres_blocks_round_trip(V22);
    check_gres_blocks_round_trip(V23_02);
    check_gres_blocks_round_trip(V23_11);
}
END_TEST

START_TEST(credential_gres_block_without_its_magic_is_refused)
{
    struct flurm_step_create_resp *r = decode(&flurm_rec_step_create_resp, STEP_RESP);
    struct flurm_buf *jb = job_gres_block(V22), *w, *rd;
    struct flurm_step_create_resp out;
    uint8_t *bytes;
    size_t len;
    uint8_t *magic;

    free(r->cred.raw);
    r->cred.raw = NULL;
    r->cred.raw_len = 0;
    set_block(&r->cred.body.job_gres, jb);
    w = encode(&flurm_rec_step_create_resp, r, V22);
    len = flurm_buf_len(w);
    bytes = malloc(len);
    memcpy(bytes, flurm_buf_data(w), len);
    magic = memmem(bytes, len, "\x43\x8a\x34\xd4", 4);
    ck_assert_ptr_nonnull(magic);
    magic[0] = 0x44;
    rd = flurm_buf_view(bytes, len);
    errno = 0;
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_step_create_resp, &out, rd, V22, NULL), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(rd);
    flurm_buf_destroy(w);
    free(bytes);
    obj_free(&flurm_rec_step_create_resp, r);
}
END_TEST

START_TEST(step_complete_reports_step_10_0_without_accounting)
{
    struct flurm_step_complete *sc = decode(&flurm_rec_step_complete,
                                            "srun_hostname/017-c2s-REQUEST_STEP_COMPLETE.hex");

    ck_assert_uint_eq(sc->step_id.job_id, 10);
    ck_assert_uint_eq(sc->step_id.step_id, 0);
    ck_assert_uint_eq(sc->step_id.step_het_comp, NO_VAL);
    ck_assert_uint_eq(sc->range_first, 0);
    ck_assert_uint_eq(sc->range_last, 0);
    ck_assert_uint_eq(sc->step_rc, 0);
    ck_assert_ptr_null(sc->jobacct);
    obj_free(&flurm_rec_step_complete, sc);
}
END_TEST

START_TEST(step_complete_carries_gathered_accounting)
{
    struct flurm_step_complete sc = {0}, *back;
    struct flurm_jobacct *ja = calloc(1, sizeof(*ja));
    json_t *j;
    struct flurm_step_complete *from_json;

    ck_assert_ptr_nonnull(ja);
    sc.step_id.job_id = 3;
    sc.step_id.step_id = FLURM_STEP_BATCH_SCRIPT;
    sc.step_id.step_het_comp = NO_VAL;
    sc.step_rc = 256;
    ja->user_cpu_sec = 12;
    ja->sys_cpu_usec = 999;
    ja->tres_ids_cnt = 2;
    ja->tres_ids = calloc(2, sizeof(uint32_t));
    ja->tres_ids[0] = 1;
    ja->tres_ids[1] = 2;
    ja->usage_in_max_cnt = 2;
    ja->usage_in_max = calloc(2, sizeof(uint64_t));
    ja->usage_in_max[1] = NO_VAL64;
    ja->tres_list = NULL; /* SLURM's NULL list: count NO_VAL */
    sc.jobacct = ja;
    back = round_trip(&flurm_rec_step_complete, &sc, V22);
    ck_assert_ptr_nonnull(back->jobacct);
    ck_assert_uint_eq(back->jobacct->user_cpu_sec, 12);
    ck_assert_uint_eq(back->jobacct->tres_ids[1], 2);
    ck_assert_uint_eq(back->jobacct->usage_in_max[1], NO_VAL64);
    ck_assert_ptr_null(back->jobacct->tres_list);
    obj_free(&flurm_rec_step_complete, back);
    /* An empty list is not a NULL list. */
    ja->tres_list = calloc(1, sizeof(struct flurm_tres_rec));
    ja->tres_list_cnt = 1;
    ja->tres_list[0].id = 1;
    ja->tres_list[0].name = strdup("cpu");
    back = round_trip(&flurm_rec_step_complete, &sc, V23_11);
    ck_assert_uint_eq(back->jobacct->tres_list_cnt, 1);
    ck_assert_str_eq(back->jobacct->tres_list[0].name, "cpu");
    j = flurm_record_to_json(&flurm_rec_step_complete, back);
    from_json = calloc(1, sizeof(*from_json));
    ck_assert_int_eq(flurm_record_from_json(&flurm_rec_step_complete, j, from_json, NULL), 0);
    ck_assert_str_eq(from_json->jobacct->tres_list[0].name, "cpu");
    json_decref(j);
    obj_free(&flurm_rec_step_complete, from_json);
    obj_free(&flurm_rec_step_complete, back);
    flurm_record_free(&flurm_rec_step_complete, &sc);
}
END_TEST

START_TEST(step_complete_with_a_bad_accounting_marker_is_refused)
{
    struct body bd;
    uint8_t *bytes;
    struct flurm_buf *rd;
    struct flurm_step_complete out;

    body_load(&bd, "srun_hostname/017-c2s-REQUEST_STEP_COMPLETE.hex");
    bytes = malloc(bd.len);
    memcpy(bytes, bd.data, bd.len);
    ck_assert_uint_eq(bytes[bd.len - 1], 0);
    bytes[bd.len - 1] = 2;
    rd = flurm_buf_view(bytes, bd.len);
    errno = 0;
    ck_assert_int_eq(flurm_record_unpack(&flurm_rec_step_complete, &out, rd, V22, NULL), -1);
    ck_assert_int_eq(errno, EBADMSG);
    flurm_buf_destroy(rd);
    free(bytes);
    body_free(&bd);
}
END_TEST

/* sstat -j 7.batch asks for step 7.batch and gets the running batch step. */
START_TEST(sstat_reads_the_batch_step_of_job_7)
{
    struct flurm_job_step_info_req *q = decode(&flurm_rec_job_step_info_req,
                                               "sstat/003-c2s-REQUEST_JOB_STEP_INFO.hex");
    struct flurm_job_step_info_msg *m = decode(&flurm_rec_job_step_info_msg,
                                               "sstat/004-s2c-RESPONSE_JOB_STEP_INFO.hex");
    const struct flurm_job_step_info *st;

    ck_assert_uint_eq(q->step_id.job_id, 7);
    ck_assert_uint_eq(q->step_id.step_id, FLURM_STEP_BATCH_SCRIPT);
    ck_assert_int_eq(q->last_update, 0);
    ck_assert_uint_eq(q->show_flags, 0x11); /* SHOW_ALL | SHOW_LOCAL */
    ck_assert_uint_eq(m->step_count, 1);
    st = &m->steps[0];
    ck_assert_uint_eq(st->step_id.job_id, 7);
    ck_assert_uint_eq(st->step_id.step_id, FLURM_STEP_BATCH_SCRIPT);
    ck_assert_str_eq(st->name, "batch");
    ck_assert_str_eq(st->nodes, "vm");
    ck_assert_str_eq(st->partition, "debug");
    ck_assert_str_eq(st->cluster, "lab");
    ck_assert_uint_eq(st->state, 1); /* running */
    ck_assert_uint_eq(st->num_tasks, 1);
    ck_assert_uint_eq(st->time_limit, FLURM_INFINITE);
    ck_assert_int_eq(st->start_time, 1795630131); /* job 7 started then */
    ck_assert_int_eq(st->run_time, 37);
    ck_assert_str_eq(st->node_inx.hex, "0x1");
    ck_assert_uint_eq(st->select_plugin_id, FLURM_SELECT_PLUGIN_CONS_TRES);
    ck_assert_uint_eq(st->start_protocol_ver, V22);
    obj_free(&flurm_rec_job_step_info_req, q);
    obj_free(&flurm_rec_job_step_info_msg, m);
}
END_TEST

START_TEST(srun_pushes_round_trip)
{
    struct flurm_srun_timeout t = {{10, 0, NO_VAL}, 1795631000}, *tb;
    struct flurm_srun_node_fail nf = {{10, NO_VAL, NO_VAL}, NULL}, *nfb;
    struct flurm_srun_user_msg um = {10, NULL}, *umb;

    tb = round_trip(&flurm_rec_srun_timeout, &t, V22);
    ck_assert_int_eq(tb->timeout, 1795631000);
    ck_assert_uint_eq(tb->step_id.job_id, 10);
    nf.nodelist = strdup("vm");
    nfb = round_trip(&flurm_rec_srun_node_fail, &nf, V22);
    ck_assert_str_eq(nfb->nodelist, "vm");
    um.msg = strdup("hello");
    umb = round_trip(&flurm_rec_srun_user_msg, &um, V22);
    ck_assert_str_eq(umb->msg, "hello");
    obj_free(&flurm_rec_srun_timeout, tb);
    obj_free(&flurm_rec_srun_node_fail, nfb);
    obj_free(&flurm_rec_srun_user_msg, umb);
    flurm_record_free(&flurm_rec_srun_node_fail, &nf);
    flurm_record_free(&flurm_rec_srun_user_msg, &um);
}
END_TEST

/* ---- suite ----------------------------------------------------------------------- */

static Suite *rec_job_suite(void)
{
    Suite *s = suite_create("rec_job");
    TCase *tc;

    tc = tcase_create("captures");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, capture_decodes_completely_and_reencodes_identically, 0, NCASES);
    tcase_add_loop_test(tc, capture_message_type_is_registered_with_its_record, 0, NCASES);
    tcase_add_loop_test(tc, capture_json_round_trip_is_lossless, 0, NCASES);
    tcase_add_loop_test(tc, capture_every_truncation_fails_cleanly, 0, NCASES);
    tcase_add_loop_test(tc, capture_content_round_trips_in_later_layouts, 0, NCASES);
    suite_add_tcase(s, tc);

    tc = tcase_create("job_desc");
    tcase_add_test(tc, sbatch_wrap_sends_the_wrapped_command_as_script);
    tcase_add_test(tc, sbatch_script_sends_the_file_and_its_sbatch_options);
    tcase_add_test(tc, sbatch_array_sends_the_array_spec);
    tcase_add_test(tc, scontrol_hold_names_the_job_by_string_with_priority_zero);
    tcase_add_test(tc, scontrol_release_sets_priority_infinite);
    tcase_add_test(tc, salloc_request_gives_its_callback_ports);
    tcase_add_test(tc, job_desc_23_02_layout_adds_two_strings_and_drops_select);
    tcase_add_test(tc, job_desc_carries_a_scrontab_entry);
    tcase_add_test(tc, job_desc_with_another_select_plugin_is_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("small_job_messages");
    tcase_add_test(tc, submit_reply_names_the_new_job_and_batch_step);
    tcase_add_test(tc, scancel_names_the_job_as_a_string);
    tcase_add_test(tc, salloc_polls_readiness_and_releases_its_job);
    tcase_add_test(tc, job_array_errors_gain_a_message_in_23_02);
    suite_add_tcase(s, tc);

    tc = tcase_create("job_info");
    tcase_add_test(tc, squeue_reply_lists_every_job_with_its_state);
    tcase_add_test(tc, scontrol_show_job_record_fields_line_up);
    tcase_add_test(tc, job_resources_are_sent_with_show_detail);
    tcase_add_test(tc, job_resources_with_no_val_hosts_cannot_be_sent);
    tcase_add_test(tc, job_record_with_a_bad_multi_core_marker_is_refused);
    tcase_add_test(tc, job_state_reason_widens_in_23_02);
    suite_add_tcase(s, tc);

    tc = tcase_create("allocation");
    tcase_add_test(tc, allocation_reply_grants_node_vm);
    tcase_add_test(tc, sstat_looks_up_the_allocation_of_job_7);
    tcase_add_test(tc, allocation_reply_carries_node_addresses);
    tcase_add_test(tc, allocation_addresses_must_match_the_node_count);
    suite_add_tcase(s, tc);

    tc = tcase_create("steps");
    tcase_add_test(tc, srun_step_request_asks_one_cpu_on_job_10);
    tcase_add_test(tc, step_reply_lays_out_one_task_on_vm);
    tcase_add_test(tc, step_credential_is_decoded_and_its_signed_bytes_kept);
    tcase_add_test(tc, step_credential_built_from_fields_encodes_its_body);
    tcase_add_test(tc, step_reply_ends_with_select_switch_and_protocol);
    tcase_add_test(tc, step_reply_with_cray_select_or_another_switch_is_refused);
    tcase_add_test(tc, step_reply_layouts_of_23_02_and_23_11);
    tcase_add_test(tc, credential_arrays_must_match_their_count);
    tcase_add_test(tc, credential_gres_blocks_are_kept_as_sent);
    tcase_add_test(tc, credential_gres_block_without_its_magic_is_refused);
    tcase_add_test(tc, step_complete_reports_step_10_0_without_accounting);
    tcase_add_test(tc, step_complete_carries_gathered_accounting);
    tcase_add_test(tc, step_complete_with_a_bad_accounting_marker_is_refused);
    tcase_add_test(tc, sstat_reads_the_batch_step_of_job_7);
    tcase_add_test(tc, srun_pushes_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rec_job_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
