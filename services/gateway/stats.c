/*
 * stats.c - gateway counters (see stats.h).
 *
 * Both RPC tables are small open-addressing hash tables: a handful of
 * message types and users are live at any time, lookups happen on every
 * reply, and a key never leaves a table until a reset.
 */
#include "services/gateway/stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    uint32_t key;
    uint8_t used;
    uint32_t cnt;
    uint64_t usec;
};

struct table {
    struct slot *slots;
    size_t cap; /* a power of two */
    size_t n;
};

struct gw_stats {
    time_t since;
    struct table by_type;
    struct table by_user;
    uint64_t counters[GW_C_COUNT];
    uint32_t conns;
};

static const char *const counter_names[GW_C_COUNT] = {
    [GW_C_ACCEPTED] = "accepted",
    [GW_C_REQUESTS] = "requests",
    [GW_C_REPLIES] = "replies",
    [GW_C_BAD_FRAME] = "bad_frame",
    [GW_C_OVERSIZE] = "oversize",
    [GW_C_BAD_VERSION] = "bad_version",
    [GW_C_AUTH_REFUSED] = "auth_refused",
    [GW_C_UNSERVED] = "unserved",
    [GW_C_TIMEOUT_IO] = "timeout_io",
    [GW_C_TIMEOUT_RPC] = "timeout_rpc",
    [GW_C_BACKEND_ERROR] = "backend_error",
    [GW_C_CONN_LIMIT] = "conn_limit",
};

static size_t hash32(uint32_t k)
{
    k ^= k >> 16;
    k *= 0x45d9f3bU;
    k ^= k >> 16;
    return k;
}

static struct slot *find(struct table *t, uint32_t key)
{
    size_t i = hash32(key) & (t->cap - 1);

    while (t->slots[i].used && t->slots[i].key != key)
        i = (i + 1) & (t->cap - 1);
    return &t->slots[i];
}

static int grow(struct table *t)
{
    struct table bigger = {.cap = t->cap ? t->cap * 2 : 32};

    if (!(bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots))))
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].used)
            *find(&bigger, t->slots[i].key) = t->slots[i];
    }
    bigger.n = t->n;
    free(t->slots);
    *t = bigger;
    return 0;
}

static void add(struct table *t, uint32_t key, uint64_t usec)
{
    struct slot *s;

    /* Keep the load under one half so that probes stay short. */
    if ((t->n + 1) * 2 > t->cap && grow(t) < 0)
        return; /* out of memory: this RPC goes uncounted */
    s = find(t, key);
    if (!s->used) {
        s->used = 1;
        s->key = key;
        t->n++;
    }
    s->cnt++;
    s->usec += usec;
}

static void clear(struct table *t)
{
    if (t->slots)
        memset(t->slots, 0, t->cap * sizeof(*t->slots));
    t->n = 0;
}

struct gw_stats *gw_stats_create(time_t now)
{
    struct gw_stats *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->since = now;
    if (grow(&s->by_type) < 0 || grow(&s->by_user) < 0) {
        gw_stats_destroy(s);
        errno = ENOMEM;
        return NULL;
    }
    return s;
}

void gw_stats_destroy(struct gw_stats *s)
{
    if (!s)
        return;
    free(s->by_type.slots);
    free(s->by_user.slots);
    free(s);
}

void gw_stats_rpc(struct gw_stats *s, uint16_t msg_type, uint32_t uid, uint64_t usec)
{
    add(&s->by_type, msg_type, usec);
    add(&s->by_user, uid, usec);
}

void gw_stats_count(struct gw_stats *s, enum gw_counter c)
{
    s->counters[c]++;
}

uint64_t gw_stats_get(const struct gw_stats *s, enum gw_counter c)
{
    return s->counters[c];
}

void gw_stats_conn_delta(struct gw_stats *s, int delta)
{
    s->conns = (uint32_t)((int64_t)s->conns + delta);
}

uint32_t gw_stats_conns(const struct gw_stats *s)
{
    return s->conns;
}

void gw_stats_reset(struct gw_stats *s, time_t now)
{
    clear(&s->by_type);
    clear(&s->by_user);
    memset(s->counters, 0, sizeof(s->counters));
    s->since = now;
}

time_t gw_stats_since(const struct gw_stats *s)
{
    return s->since;
}

int gw_stats_fill_rpcs(const struct gw_stats *s, struct flurm_stats_info *out)
{
    size_t nt = s->by_type.n, nu = s->by_user.n, j;

    /* calloc(0) may return NULL: ask for one element at least. */
    out->rpc_type_id = calloc(nt ? nt : 1, sizeof(uint16_t));
    out->rpc_type_cnt = calloc(nt ? nt : 1, sizeof(uint32_t));
    out->rpc_type_time = calloc(nt ? nt : 1, sizeof(uint64_t));
    out->rpc_user_id = calloc(nu ? nu : 1, sizeof(uint32_t));
    out->rpc_user_cnt = calloc(nu ? nu : 1, sizeof(uint32_t));
    out->rpc_user_time = calloc(nu ? nu : 1, sizeof(uint64_t));
    if (!out->rpc_type_id || !out->rpc_type_cnt || !out->rpc_type_time || !out->rpc_user_id ||
        !out->rpc_user_cnt || !out->rpc_user_time) {
        errno = ENOMEM;
        return -1;
    }
    j = 0;
    for (size_t i = 0; i < s->by_type.cap; i++) {
        const struct slot *sl = &s->by_type.slots[i];
        if (!sl->used)
            continue;
        out->rpc_type_id[j] = (uint16_t)sl->key;
        out->rpc_type_cnt[j] = sl->cnt;
        out->rpc_type_time[j] = sl->usec;
        j++;
    }
    out->rpc_type_size = (uint32_t)nt;
    j = 0;
    for (size_t i = 0; i < s->by_user.cap; i++) {
        const struct slot *sl = &s->by_user.slots[i];
        if (!sl->used)
            continue;
        out->rpc_user_id[j] = sl->key;
        out->rpc_user_cnt[j] = sl->cnt;
        out->rpc_user_time[j] = sl->usec;
        j++;
    }
    out->rpc_user_size = (uint32_t)nu;
    return 0;
}

static json_t *table_json(const struct table *t, const char *key_name)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < t->cap; i++) {
        const struct slot *sl = &t->slots[i];
        if (sl->used &&
            json_array_append_new(arr, json_pack("{s:I, s:I, s:I}", key_name, (json_int_t)sl->key,
                                                 "count", (json_int_t)sl->cnt, "usec",
                                                 (json_int_t)sl->usec)) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *gw_stats_json(const struct gw_stats *s)
{
    json_t *j = json_pack("{s:I, s:I, s:o*, s:o*}", "since", (json_int_t)s->since, "connections",
                          (json_int_t)s->conns, "by_type", table_json(&s->by_type, "type"),
                          "by_user", table_json(&s->by_user, "uid"));

    for (int c = 0; j && c < GW_C_COUNT; c++) {
        if (json_object_set_new(j, counter_names[c], json_integer((json_int_t)s->counters[c])) < 0) {
            json_decref(j);
            return NULL;
        }
    }
    if (!j)
        errno = ENOMEM;
    return j;
}
