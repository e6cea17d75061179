/*
 * alloc.c - a job's allocation and its JSON form (see alloc.h and
 * docs/running-jobs.md).  The one parser and writer the scheduler, the job
 * store and the node manager share.
 */
#include "common/alloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hostlist.h"

#define WORDS(n) (((size_t)(n) + 63) / 64)

/* ---- core sets ------------------------------------------------------------ */

int flurm_coreset_init(struct flurm_coreset *set, uint32_t ncores)
{
    memset(set, 0, sizeof(*set));
    if (ncores == 0 || ncores > FLURM_CORESET_MAX) {
        errno = EINVAL;
        return -1;
    }
    set->bits = calloc(WORDS(ncores), sizeof(uint64_t));
    if (!set->bits)
        return -1;
    set->ncores = ncores;
    return 0;
}

void flurm_coreset_clear(struct flurm_coreset *set)
{
    if (!set)
        return;
    free(set->bits);
    set->bits = NULL;
    set->ncores = 0;
}

int flurm_coreset_copy(struct flurm_coreset *dst, const struct flurm_coreset *src)
{
    if (flurm_coreset_init(dst, src->ncores) < 0)
        return -1;
    memcpy(dst->bits, src->bits, WORDS(src->ncores) * sizeof(uint64_t));
    return 0;
}

bool flurm_coreset_test(const struct flurm_coreset *set, uint32_t core)
{
    if (core >= set->ncores)
        return false;
    return (set->bits[core / 64] >> (core % 64)) & 1;
}

void flurm_coreset_set(struct flurm_coreset *set, uint32_t core)
{
    if (core < set->ncores)
        set->bits[core / 64] |= UINT64_C(1) << (core % 64);
}

void flurm_coreset_unset(struct flurm_coreset *set, uint32_t core)
{
    if (core < set->ncores)
        set->bits[core / 64] &= ~(UINT64_C(1) << (core % 64));
}

uint32_t flurm_coreset_count(const struct flurm_coreset *set)
{
    uint32_t n = 0;
    for (size_t w = 0; w < WORDS(set->ncores); w++)
        n += (uint32_t)__builtin_popcountll(set->bits[w]);
    return n;
}

static size_t common_words(const struct flurm_coreset *a, const struct flurm_coreset *b)
{
    size_t wa = WORDS(a->ncores), wb = WORDS(b->ncores);
    return wa < wb ? wa : wb;
}

bool flurm_coreset_overlaps(const struct flurm_coreset *a, const struct flurm_coreset *b)
{
    for (size_t w = 0; w < common_words(a, b); w++)
        if (a->bits[w] & b->bits[w])
            return true;
    return false;
}

void flurm_coreset_add(struct flurm_coreset *dst, const struct flurm_coreset *src)
{
    for (size_t w = 0; w < common_words(dst, src); w++)
        dst->bits[w] |= src->bits[w];
    /* The last word of dst may hold bits of src past dst's end. */
    if (dst->ncores % 64 && WORDS(dst->ncores) <= WORDS(src->ncores))
        dst->bits[WORDS(dst->ncores) - 1] &= (UINT64_C(1) << (dst->ncores % 64)) - 1;
}

void flurm_coreset_remove(struct flurm_coreset *dst, const struct flurm_coreset *src)
{
    for (size_t w = 0; w < common_words(dst, src); w++)
        dst->bits[w] &= ~src->bits[w];
}

/* Read a decimal core number at *p; advances *p.  -1 if none or too big. */
static int64_t read_core(const char **p)
{
    const char *s = *p;
    int64_t v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s - '0');
        if (v > FLURM_CORESET_MAX)
            return -1;
        s++;
    }
    *p = s;
    return v;
}

int flurm_coreset_parse(struct flurm_coreset *set, const char *list, uint32_t ncores)
{
    if (flurm_coreset_init(set, ncores) < 0)
        return -1;
    const char *p = list ? list : "";
    while (*p) {
        int64_t lo = read_core(&p), hi = lo;
        if (lo < 0)
            goto invalid;
        if (*p == '-') {
            p++;
            hi = read_core(&p);
            if (hi < lo)
                goto invalid;
        }
        if (hi >= ncores)
            goto invalid;
        for (int64_t c = lo; c <= hi; c++)
            flurm_coreset_set(set, (uint32_t)c);
        if (*p == ',') {
            p++;
            if (!*p)
                goto invalid;
        } else if (*p) {
            goto invalid;
        }
    }
    return 0;
invalid:
    flurm_coreset_clear(set);
    errno = EINVAL;
    return -1;
}

char *flurm_coreset_format(const struct flurm_coreset *set)
{
    /* Each range costs at most two 5-digit numbers, '-' and ','. */
    size_t cap = 1, len = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[0] = '\0';
    uint32_t c = 0;
    while (c < set->ncores) {
        if (!flurm_coreset_test(set, c)) {
            c++;
            continue;
        }
        uint32_t lo = c;
        while (c + 1 < set->ncores && flurm_coreset_test(set, c + 1))
            c++;
        char piece[32];
        int n = lo == c ? snprintf(piece, sizeof(piece), "%s%u", len ? "," : "", lo)
                        : snprintf(piece, sizeof(piece), "%s%u-%u", len ? "," : "", lo, c);
        char *grown = realloc(out, cap + (size_t)n);
        if (!grown) {
            free(out);
            return NULL;
        }
        out = grown;
        cap += (size_t)n;
        memcpy(out + len, piece, (size_t)n + 1);
        len += (size_t)n;
        c++;
    }
    return out;
}

/* ---- allocations ---------------------------------------------------------- */

static void host_clear(struct flurm_alloc_host *h)
{
    free(h->name);
    flurm_coreset_clear(&h->cores);
    memset(h, 0, sizeof(*h));
}

void flurm_alloc_destroy(struct flurm_alloc *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nhosts; i++)
        host_clear(&a->hosts[i]);
    free(a->hosts);
    free(a->nodes);
    free(a->batch_host);
    free(a);
}

struct flurm_alloc *flurm_alloc_create(void)
{
    struct flurm_alloc *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    if (!(a->nodes = strdup(""))) {
        free(a);
        return NULL;
    }
    return a;
}

const struct flurm_alloc_host *flurm_alloc_host(const struct flurm_alloc *a, const char *name)
{
    for (size_t i = 0; i < a->nhosts; i++)
        if (strcmp(a->hosts[i].name, name) == 0)
            return &a->hosts[i];
    return NULL;
}

uint32_t flurm_alloc_cpus(const struct flurm_alloc *a)
{
    uint32_t n = 0;
    for (size_t i = 0; i < a->nhosts; i++)
        n += a->hosts[i].cpus;
    return n;
}

/* The ranged hostlist of the first n hosts of a plus extra (may be NULL). */
static char *hosts_ranged(const struct flurm_alloc *a, size_t n, const char *extra)
{
    struct flurm_hostlist *hl = flurm_hostlist_create();
    char *out = NULL;
    if (!hl)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (flurm_hostlist_push_host(hl, a->hosts[i].name) < 0)
            goto done;
    if (extra && flurm_hostlist_push_host(hl, extra) < 0)
        goto done;
    out = flurm_hostlist_ranged_string(hl);
done:
    flurm_hostlist_destroy(hl);
    return out;
}

int flurm_alloc_add_host(struct flurm_alloc *a, const char *name,
                         const struct flurm_coreset *cores, uint32_t cpus, uint64_t mem,
                         bool batch)
{
    struct flurm_alloc_host h = {0};
    char *nodes = NULL;
    char *batch_host = NULL;
    if (!name || !*name || cpus == 0 || flurm_alloc_host(a, name)) {
        errno = EINVAL;
        return -1;
    }
    if (!(nodes = hosts_ranged(a, a->nhosts, name)))
        return -1;
    if (!(h.name = strdup(name)) || flurm_coreset_copy(&h.cores, cores) < 0)
        goto error;
    if (batch && a->nhosts == 0 && !(batch_host = strdup(name)))
        goto error;
    struct flurm_alloc_host *grown = realloc(a->hosts, (a->nhosts + 1) * sizeof(*grown));
    if (!grown)
        goto error;
    a->hosts = grown;
    h.cpus = cpus;
    h.mem = mem;
    a->hosts[a->nhosts++] = h;
    free(a->nodes);
    a->nodes = nodes;
    if (batch_host) {
        free(a->batch_host);
        a->batch_host = batch_host;
    }
    return 0;
error:
    host_clear(&h);
    free(nodes);
    free(batch_host);
    errno = ENOMEM;
    return -1;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    errno = EINVAL;
    return -1;
}

/* The highest core listed in a ranged list + 1, for readers that do not
 * know the node; 0 if the list is malformed. */
static uint32_t cores_needed(const char *list)
{
    int64_t top = -1;
    for (const char *p = list; *p;) {
        int64_t v = read_core(&p);
        if (v < 0)
            return 0;
        if (v > top)
            top = v;
        if (*p == '-' || *p == ',')
            p++;
        else if (*p)
            return 0;
    }
    return top < 0 ? 1 : (uint32_t)(top + 1);
}

static int host_from_json(struct flurm_alloc_host *h, const json_t *o,
                          uint32_t (*ncores)(const char *name, void *arg), void *arg,
                          char *err, size_t errlen)
{
    const json_t *name = json_object_get(o, "name");
    const json_t *cores = json_object_get(o, "cores");
    const json_t *cpus = json_object_get(o, "cpus");
    const json_t *mem = json_object_get(o, "mem");
    if (!json_is_object(o) || !json_is_string(name) || !*json_string_value(name) ||
        !json_is_string(cores) || !json_is_integer(cpus) || !json_is_integer(mem))
        return fail(err, errlen, "a host needs name, cores, cpus and mem");
    const char *n = json_string_value(name);
    if (json_integer_value(cpus) < 1 || json_integer_value(cpus) > UINT32_MAX)
        return fail(err, errlen, "host %s: cpus out of range", n);
    if (json_integer_value(mem) < 0)
        return fail(err, errlen, "host %s: negative mem", n);
    uint32_t size = ncores ? ncores(n, arg) : cores_needed(json_string_value(cores));
    if (size == 0)
        return fail(err, errlen, ncores ? "unknown host %s" : "host %s: bad core list", n);
    if (!(h->name = strdup(n)))
        return -1;
    if (flurm_coreset_parse(&h->cores, json_string_value(cores), size) < 0) {
        if (errno == EINVAL)
            fail(err, errlen, "host %s: bad core list \"%s\" (%u cores)", n,
                 json_string_value(cores), size);
        return -1;
    }
    h->cpus = (uint32_t)json_integer_value(cpus);
    h->mem = (uint64_t)json_integer_value(mem);
    return 0;
}

struct flurm_alloc *flurm_alloc_from_json(const json_t *o,
                                          uint32_t (*ncores)(const char *name, void *arg),
                                          void *arg, char *err, size_t errlen)
{
    struct flurm_alloc *a = NULL;
    char *ranged = NULL;
    const json_t *nodes = json_object_get(o, "nodes");
    const json_t *batch = json_object_get(o, "batch_host");
    const json_t *hosts = json_object_get(o, "hosts");
    if (!json_is_object(o) || !json_is_string(nodes) || !json_is_array(hosts) ||
        json_array_size(hosts) == 0 || (batch && !json_is_null(batch) && !json_is_string(batch))) {
        fail(err, errlen, "an allocation needs nodes and a non-empty hosts list");
        return NULL;
    }
    if (!(a = calloc(1, sizeof(*a))) ||
        !(a->hosts = calloc(json_array_size(hosts), sizeof(*a->hosts))))
        goto error;
    for (size_t i = 0; i < json_array_size(hosts); i++) {
        struct flurm_alloc_host *h = &a->hosts[i];
        int rc = host_from_json(h, json_array_get(hosts, i), ncores, arg, err, errlen);
        a->nhosts = i + 1;
        if (rc < 0)
            goto error;
        for (size_t j = 0; j < i; j++)
            if (strcmp(a->hosts[j].name, h->name) == 0) {
                fail(err, errlen, "host %s listed twice", h->name);
                goto error;
            }
    }
    if (!(ranged = hosts_ranged(a, a->nhosts, NULL)))
        goto error;
    if (strcmp(ranged, json_string_value(nodes)) != 0) {
        fail(err, errlen, "nodes \"%s\" is not the hosts' list \"%s\"", json_string_value(nodes),
             ranged);
        goto error;
    }
    a->nodes = ranged;
    ranged = NULL;
    if (json_is_string(batch)) {
        if (!flurm_alloc_host(a, json_string_value(batch))) {
            fail(err, errlen, "batch_host %s is not one of the hosts", json_string_value(batch));
            goto error;
        }
        if (!(a->batch_host = strdup(json_string_value(batch))))
            goto error;
    }
    return a;
error:;
    int saved = errno;
    free(ranged);
    flurm_alloc_destroy(a);
    errno = saved;
    return NULL;
}

json_t *flurm_alloc_to_json(const struct flurm_alloc *a)
{
    json_t *o = json_object();
    json_t *hosts = json_array();
    if (!o || !hosts)
        goto error;
    for (size_t i = 0; i < a->nhosts; i++) {
        const struct flurm_alloc_host *h = &a->hosts[i];
        char *cores = flurm_coreset_format(&h->cores);
        if (!cores)
            goto error;
        json_t *ho = json_pack("{s:s, s:s, s:I, s:I}", "name", h->name, "cores", cores, "cpus",
                               (json_int_t)h->cpus, "mem", (json_int_t)h->mem);
        free(cores);
        if (!ho || json_array_append_new(hosts, ho) < 0)
            goto error;
    }
    if (json_object_set_new(o, "nodes", json_string(a->nodes ? a->nodes : "")) < 0)
        goto error;
    if (a->batch_host && json_object_set_new(o, "batch_host", json_string(a->batch_host)) < 0)
        goto error;
    if (json_object_set_new(o, "hosts", hosts) < 0) {
        hosts = NULL;
        goto error;
    }
    return o;
error:
    json_decref(hosts);
    json_decref(o);
    errno = ENOMEM;
    return NULL;
}
