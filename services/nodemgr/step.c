/*
 * step.c - RESPONSE_JOB_STEP_CREATE from the store's step.create reply, and
 * the munge signature of its credential (see step.h).
 *
 * The layout and the credential come from the same store reply: the
 * step's `hosts` are the step's part of the job's allocation (cores, CPUs,
 * memory per node) and `tasks` the task ids placed on each of them, in
 * the order of the step's node list, as slurm_step_layout keeps them.
 */
#include "services/nodemgr/step.h"

#include <errno.h>
#include <munge.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "wire/pack.h"
#include "wire/record.h"

/* The highest real step id: the ids above are SLURM's special steps
 * (batch, extern, pending, interactive...). */
#define STEP_ID_MAX 0xfffffff0u

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int get_u32(const json_t *o, const char *key, uint32_t *out)
{
    const json_t *v = json_object_get(o, key);

    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > (json_int_t)UINT32_MAX)
        return -1;
    *out = (uint32_t)json_integer_value(v);
    return 0;
}

/* slurm_step_layout: the step's nodes and the task ids on each. */
static struct flurm_step_layout *layout_create(const json_t *step, const struct flurm_alloc *sa,
                                               uint16_t proto, char *err, size_t errlen)
{
    const json_t *tasks = json_object_get(step, "tasks");
    struct flurm_step_layout *l = NULL;
    uint32_t node_cnt = 0, task_cnt = 0, task_dist = 0, placed = 0;

    if (get_u32(step, "task_cnt", &task_cnt) < 0 || get_u32(step, "task_dist", &task_dist) < 0) {
        set_err(err, errlen, "the step has no task_cnt or task_dist");
        goto einval;
    }
    if (get_u32(step, "node_cnt", &node_cnt) < 0)
        node_cnt = (uint32_t)sa->nhosts;
    if (node_cnt != sa->nhosts || json_array_size(tasks) != node_cnt) {
        set_err(err, errlen, "the step's node_cnt %u, hosts %zu and task lists %zu differ",
                node_cnt, sa->nhosts, json_array_size(tasks));
        goto einval;
    }
    if (!(l = calloc(1, sizeof(*l))) || !(l->node_list = strdup(sa->nodes)) ||
        !(l->tasks = calloc(node_cnt ? node_cnt : 1, sizeof(*l->tasks))))
        goto error;
    l->node_cnt = node_cnt;
    l->start_protocol_ver = proto;
    l->task_cnt = task_cnt;
    l->task_dist = task_dist;
    for (uint32_t n = 0; n < node_cnt; n++) {
        const json_t *ids = json_array_get(tasks, n);
        size_t count = json_array_size(ids);
        struct flurm_task_ids *t = &l->tasks[n];

        if (!json_is_array(ids) || count == 0) {
            set_err(err, errlen, "node %u of the step has no tasks", n);
            goto einval;
        }
        if (!(t->tids = calloc(count, sizeof(*t->tids))))
            goto error;
        t->count = (uint32_t)count;
        for (size_t k = 0; k < count; k++) {
            const json_t *id = json_array_get(ids, k);

            if (!json_is_integer(id) || json_integer_value(id) < 0 ||
                json_integer_value(id) >= (json_int_t)task_cnt) {
                set_err(err, errlen, "node %u of the step has a bad task id", n);
                goto einval;
            }
            t->tids[k] = (uint32_t)json_integer_value(id);
        }
        placed += (uint32_t)count;
    }
    if (placed != task_cnt) {
        set_err(err, errlen, "the step places %u tasks, not task_cnt %u", placed, task_cnt);
        goto einval;
    }
    return l;
einval:
    errno = EINVAL;
error:
    {
        int saved = errno;

        if (l) {
            flurm_record_free(&flurm_rec_step_layout, l);
            free(l);
        }
        errno = saved;
    }
    return NULL;
}

/* The step's part of the allocation, in the allocation's JSON form. */
static struct flurm_alloc *step_alloc(const json_t *step, char *err, size_t errlen)
{
    json_t *o = json_pack("{s:O?, s:O?}", "nodes", json_object_get(step, "nodes"), "hosts",
                          json_object_get(step, "hosts"));
    struct flurm_alloc *sa;

    if (!o)
        return NULL;
    sa = flurm_alloc_from_json(o, NULL, NULL, err, errlen);
    json_decref(o);
    return sa;
}

/* Pack the credential body at proto into raw: the bytes the signature
 * covers and the gateway sends as they are. */
static int pack_raw(struct flurm_signed_cred *c, uint16_t proto)
{
    struct flurm_buf *b = flurm_buf_create(1024);
    size_t len = 0;

    if (!b)
        return -1;
    if (flurm_record_pack(&flurm_rec_job_cred, &c->body, b, proto) < 0 ||
        !(c->raw = flurm_buf_steal(b, &len))) {
        int saved = errno;

        flurm_buf_destroy(b);
        errno = saved;
        return -1;
    }
    flurm_buf_destroy(b);
    c->raw_len = (uint32_t)len;
    return 0;
}

struct flurm_step_create_resp *step_resp_create(const json_t *created,
                                                const struct launch_user *user,
                                                const struct launch_site *site, uint16_t proto,
                                                time_t now, char *err, size_t errlen)
{
    const json_t *step = json_object_get(created, "step");
    const json_t *job = json_object_get(created, "job");
    struct flurm_alloc *a = NULL, *sa = NULL;
    struct flurm_step_create_resp *r = NULL;
    uint32_t step_id, job_id;

    if (!json_is_object(step) || !json_is_object(job)) {
        set_err(err, errlen, "the store's reply has no %s", json_is_object(step) ? "job" : "step");
        goto einval;
    }
    if (get_u32(step, "step_id", &step_id) < 0 || step_id > STEP_ID_MAX ||
        get_u32(job, "job_id", &job_id) < 0) {
        set_err(err, errlen, "the store's reply has no job_id or step_id");
        goto einval;
    }
    if (!(a = flurm_alloc_from_json(json_object_get(job, "alloc"), NULL, NULL, err, errlen)) ||
        !(sa = step_alloc(step, err, errlen)))
        goto error;
    if (!(r = calloc(1, sizeof(*r))) ||
        !(r->step_layout = layout_create(step, sa, proto, err, errlen)))
        goto error;
    if (launch_step_cred_fill(&r->cred.body, job, a, sa, user, site, step_id, now, err, errlen) <
            0 ||
        pack_raw(&r->cred, proto) < 0)
        goto error;
    r->def_cpu_bind_type = 0;
    r->job_id = job_id;
    r->job_step_id = step_id;
    r->select_plugin_id = site->select_plugin_id;
    r->switch_plugin_id = STEP_SWITCH_PLUGIN_NONE;
    r->use_protocol_ver = proto;
    flurm_alloc_destroy(a);
    flurm_alloc_destroy(sa);
    return r;
einval:
    errno = EINVAL;
error:
    {
        int saved = errno;

        flurm_alloc_destroy(a);
        flurm_alloc_destroy(sa);
        step_resp_destroy(r);
        errno = saved;
    }
    return NULL;
}

void step_resp_destroy(struct flurm_step_create_resp *r)
{
    if (!r)
        return;
    flurm_record_free(&flurm_rec_step_create_resp, r);
    free(r);
}

json_t *step_resp_json(const struct flurm_step_create_resp *r)
{
    return flurm_record_to_json(&flurm_rec_step_create_resp, r);
}

/* ---- the signature ------------------------------------------------------------------ */

struct step_signer {
    munge_ctx_t ctx;
    char error[160];
};

struct step_signer *step_signer_create(const char *socket_path, int ttl, uint32_t slurmd_uid)
{
    struct step_signer *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    if (!(s->ctx = munge_ctx_create())) {
        errno = ENOMEM;
        goto error;
    }
    /* cred/munge's _munge_ctx_setup: only slurmd's user may decode. */
    if ((socket_path && munge_ctx_set(s->ctx, MUNGE_OPT_SOCKET, socket_path) != EMUNGE_SUCCESS) ||
        (ttl > 0 && munge_ctx_set(s->ctx, MUNGE_OPT_TTL, ttl) != EMUNGE_SUCCESS) ||
        munge_ctx_set(s->ctx, MUNGE_OPT_UID_RESTRICTION, (uid_t)slurmd_uid) != EMUNGE_SUCCESS) {
        errno = EINVAL;
        goto error;
    }
    return s;
error:
    step_signer_destroy(s);
    return NULL;
}

void step_signer_destroy(struct step_signer *s)
{
    if (!s)
        return;
    if (s->ctx)
        munge_ctx_destroy(s->ctx);
    free(s);
}

const char *step_signer_error(const struct step_signer *s)
{
    return s->error;
}

int step_resp_sign(struct flurm_step_create_resp *r, struct step_signer *s)
{
    char *cred = NULL;
    munge_err_t e;
    size_t len;

    s->error[0] = '\0';
    if (!r->cred.raw || !r->cred.raw_len || r->cred.raw_len > INT32_MAX) {
        errno = EINVAL;
        return -1;
    }
    e = munge_encode(&cred, s->ctx, r->cred.raw, (int)r->cred.raw_len);
    if (e != EMUNGE_SUCCESS) {
        const char *why = munge_ctx_strerror(s->ctx);

        snprintf(s->error, sizeof(s->error), "%s", why ? why : munge_strerror(e));
        free(cred);
        errno = e == EMUNGE_NO_MEMORY ? ENOMEM : EAGAIN;
        return -1;
    }
    /* The signature is the munge string with its NUL (siglen = strlen + 1). */
    len = strlen(cred) + 1;
    free(r->cred.signature);
    r->cred.signature = cred;
    r->cred.siglen = (uint32_t)len;
    return 0;
}
