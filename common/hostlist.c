/*
 * hostlist.c - SLURM host range expressions (see hostlist.h).
 *
 * A list is an array of ranges.  A range is either a single host with no
 * numeric suffix ("login") or a prefix with consecutive numbers printed
 * zero-padded to a width ("node" 1..16 width 2 = node01..node16).  The text
 * of a host is prefix + "%0*lu"(width, n), so a number longer than the width
 * simply prints all its digits, as in SLURM ("n[9-10]" has width 1).
 *
 * Two ranges can hold the same host text under different widths ("n[9-10]"
 * width 1 and "n10" width 2), so merging and de-duplication reason about the
 * set of widths under which a range prints identically: a zero-padded low
 * bound pins the width, an unpadded one allows any width up to its number of
 * digits.
 */
#include "common/hostlist.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct range {
    char *prefix;  /* owned */
    uint64_t lo;
    uint64_t hi;   /* lo <= hi; both 0 for a single host */
    int width;
    bool single;   /* the host is 'prefix' alone */
};

struct flurm_hostlist {
    struct range *ranges;
    size_t nranges;
    size_t cap;
    size_t count; /* hosts, duplicates included */
};

/* One "lo-hi" item inside brackets. */
struct bracket_item {
    uint64_t lo;
    uint64_t hi;
    int width;
};

struct bracket {
    struct bracket_item *items;
    size_t nitems;
    uint64_t hosts; /* sum of the items' sizes */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int digits_of(uint64_t v)
{
    int d = 1;

    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* 10^e, or 0 when it does not fit in 64 bits (e >= 20). */
static uint64_t pow10_or_zero(int e)
{
    uint64_t p = 1;

    if (e < 0 || e >= 20)
        return 0;
    while (e-- > 0)
        p *= 10;
    return p;
}

/* Parse a run of decimal digits [s, s+len) (len >= 1).  -1 on overflow. */
static int parse_digits(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    for (size_t i = 0; i < len; i++) {
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
            return -1;
    }
    *out = v;
    return 0;
}

static bool is_separator(char c)
{
    return c == ',' || c == ' ' || c == '\t' || c == '\n';
}

/* The widths under which every number of 'r' prints as it does now: a
 * zero-padded low bound pins the width; otherwise any width up to the low
 * bound's digit count will do (higher numbers have at least as many). */
static void width_window(const struct range *r, int *min, int *max)
{
    int d = digits_of(r->lo);

    if (r->width > d) {
        *min = *max = r->width;
    } else {
        *min = 1;
        *max = d;
    }
}

/* True if 'a' and 'b' can print with one common width without changing any
 * host's text; that width goes to *width. */
static bool widths_agree(const struct range *a, const struct range *b,
                         int *width)
{
    int amin, amax, bmin, bmax;

    width_window(a, &amin, &amax);
    width_window(b, &bmin, &bmax);
    int lo = amin > bmin ? amin : bmin;
    int hi = amax < bmax ? amax : bmax;
    if (lo > hi)
        return false;
    *width = hi;
    return true;
}

static bool same_numbered_prefix(const struct range *a, const struct range *b)
{
    return !a->single && !b->single && strcmp(a->prefix, b->prefix) == 0;
}

/* SLURM's push rule: 'next' extends 'tail' if it starts right after it. */
static bool extends(const struct range *tail, const struct range *next,
                    int *width)
{
    return same_numbered_prefix(tail, next) && tail->hi != UINT64_MAX &&
           tail->hi + 1 == next->lo && widths_agree(tail, next, width);
}

static int reserve(struct flurm_hostlist *hl, size_t extra)
{
    if (hl->nranges + extra <= hl->cap)
        return 0;
    size_t cap = hl->cap ? hl->cap : 8;
    while (cap < hl->nranges + extra)
        cap *= 2;
    struct range *r = realloc(hl->ranges, cap * sizeof(*r));
    if (!r) {
        errno = ENOMEM;
        return -1;
    }
    hl->ranges = r;
    hl->cap = cap;
    return 0;
}

/* Append 'r', taking its prefix; merges with the tail instead when SLURM
 * would.  Capacity must have been reserved: this never fails. */
static void append_taken(struct flurm_hostlist *hl, struct range *r)
{
    uint64_t n = r->single ? 1 : r->hi - r->lo + 1;
    int width;

    hl->count += n;
    if (hl->nranges > 0 &&
        extends(&hl->ranges[hl->nranges - 1], r, &width)) {
        struct range *tail = &hl->ranges[hl->nranges - 1];
        tail->hi = r->hi;
        tail->width = width;
        free(r->prefix);
        r->prefix = NULL;
        return;
    }
    hl->ranges[hl->nranges++] = *r;
    r->prefix = NULL;
}

/* Append a copy of the given range (prefix borrowed). */
static int append_range(struct flurm_hostlist *hl, const char *prefix,
                        size_t prefix_len, uint64_t lo, uint64_t hi,
                        int width, bool single)
{
    struct range r = {.lo = lo, .hi = hi, .width = width, .single = single};

    if (reserve(hl, 1) < 0)
        return -1;
    r.prefix = strndup(prefix, prefix_len);
    if (!r.prefix) {
        errno = ENOMEM;
        return -1;
    }
    append_taken(hl, &r);
    return 0;
}

/* Split [lo, hi] at width 'width' into maximal pieces whose numbers all
 * print with the same number of digits; calls emit for each. */
static int for_each_length_class(uint64_t lo, uint64_t hi, int width,
                                 int (*emit)(uint64_t a, uint64_t b, int len,
                                             void *arg),
                                 void *arg)
{
    uint64_t x = lo;

    for (;;) {
        int d = digits_of(x);
        int len = d > width ? d : width;
        /* every number below 10^len prints with len digits at this width */
        uint64_t limit = pow10_or_zero(len);
        uint64_t end = (limit == 0 || limit - 1 >= hi) ? hi : limit - 1;
        if (emit(x, end, len, arg) < 0)
            return -1;
        if (end == hi)
            return 0;
        x = end + 1;
    }
}

struct canon_ctx {
    struct flurm_hostlist *hl;
    const char *base;     /* prefix without its trailing digits */
    size_t base_len;
    uint64_t lead;        /* value of the prefix's trailing digits */
    int lead_len;
    char *err;
    size_t errlen;
};

static int emit_canonical(uint64_t a, uint64_t b, int len, void *arg)
{
    struct canon_ctx *c = arg;
    uint64_t p = pow10_or_zero(len);
    uint64_t shift, ca, cb;

    if (c->lead == 0) {
        shift = 0;
    } else if (p == 0 || __builtin_mul_overflow(c->lead, p, &shift)) {
        goto too_long;
    }
    if (__builtin_add_overflow(shift, a, &ca) ||
        __builtin_add_overflow(shift, b, &cb))
        goto too_long;
    return append_range(c->hl, c->base, c->base_len, ca, cb,
                        c->lead_len + len, false);
too_long:
    set_err(c->err, c->errlen, "host number too long");
    errno = EINVAL;
    return -1;
}

/* Append prefix + [lo-hi] at 'width'.  A prefix ending in digits is folded
 * into the number ("n01" + 1..2 = "n" + 011..012) so that every host has
 * one spelling whatever way it was written. */
static int add_numbered(struct flurm_hostlist *hl, const char *prefix,
                        uint64_t lo, uint64_t hi, int width, char *err,
                        size_t errlen)
{
    size_t plen = strlen(prefix);
    size_t base_len = plen;

    while (base_len > 0 && isdigit((unsigned char)prefix[base_len - 1]))
        base_len--;
    if (base_len == plen)
        return append_range(hl, prefix, plen, lo, hi, width, false);

    struct canon_ctx c = {
        .hl = hl,
        .base = prefix,
        .base_len = base_len,
        .lead_len = (int)(plen - base_len),
        .err = err,
        .errlen = errlen,
    };
    if (parse_digits(prefix + base_len, plen - base_len, &c.lead) < 0) {
        set_err(err, errlen, "host number too long");
        errno = EINVAL;
        return -1;
    }
    return for_each_length_class(lo, hi, width, emit_canonical, &c);
}

/* Append one literal host name [name, name+len). */
static int add_name(struct flurm_hostlist *hl, const char *name, size_t len)
{
    size_t base_len = len;
    uint64_t n;

    while (base_len > 0 && isdigit((unsigned char)name[base_len - 1]))
        base_len--;
    if (base_len == len || parse_digits(name + base_len, len - base_len, &n) < 0)
        return append_range(hl, name, len, 0, 0, 0, true);
    return append_range(hl, name, base_len, n, n, (int)(len - base_len), false);
}

static void free_ranges(struct range *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(r[i].prefix);
    free(r);
}

static void brackets_free(struct bracket *b, size_t n)
{
    if (!b)
        return;
    for (size_t i = 0; i < n; i++)
        free(b[i].items);
    free(b);
}

/* Parse the inside of one bracket pair, "1-3,5,08-10". */
static int parse_bracket(const char *s, size_t len, struct bracket *out,
                         const char *token, char *err, size_t errlen)
{
    size_t i = 0;

    memset(out, 0, sizeof(*out));
    for (;;) {
        size_t start = i;
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
        size_t lo_len = i - start;
        struct bracket_item it = {.width = (int)lo_len};
        if (lo_len == 0 || parse_digits(s + start, lo_len, &it.lo) < 0)
            goto bad;
        it.hi = it.lo;
        if (i < len && s[i] == '-') {
            size_t hs = ++i;
            while (i < len && isdigit((unsigned char)s[i]))
                i++;
            if (i == hs || parse_digits(s + hs, i - hs, &it.hi) < 0)
                goto bad;
        }
        if (i < len && s[i] != ',')
            goto bad;
        if (it.hi < it.lo)
            goto bad;
        if (it.hi - it.lo >= FLURM_HOSTLIST_MAX_RANGE) {
            set_err(err, errlen, "too many hosts in range '%.*s' of '%s' "
                    "(at most %d)", (int)(i - start), s + start, token,
                    FLURM_HOSTLIST_MAX_RANGE);
            errno = E2BIG;
            goto error;
        }
        struct bracket_item *items =
            realloc(out->items, (out->nitems + 1) * sizeof(*items));
        if (!items) {
            errno = ENOMEM;
            goto error;
        }
        out->items = items;
        out->items[out->nitems++] = it;
        out->hosts += it.hi - it.lo + 1;
        if (i == len)
            return 0;
        i++; /* the ',' */
        if (i == len)
            goto bad;
    }
bad:
    set_err(err, errlen, "invalid range '[%.*s]' in '%s'", (int)len, s, token);
    errno = EINVAL;
error:
    free(out->items);
    out->items = NULL;
    return -1;
}

/* Build the prefixes of the outer brackets with an odometer and append the
 * last bracket's ranges after each. */
static int expand_token(struct flurm_hostlist *hl, char **lits,
                        struct bracket *br, size_t nbr, char *err,
                        size_t errlen)
{
    size_t nouter = nbr - 1;
    size_t *item = calloc(nouter + 1, sizeof(*item));
    uint64_t *val = calloc(nouter + 1, sizeof(*val));
    char *prefix = NULL;
    size_t cap = 0;
    int rc = -1;

    if (!item || !val) {
        errno = ENOMEM;
        goto done;
    }
    for (size_t j = 0; j < nouter; j++)
        val[j] = br[j].items[0].lo;
    for (;;) {
        /* assemble lit0 v0 lit1 v1 ... lit(k-1) */
        size_t need = 1;
        for (size_t j = 0; j < nbr; j++)
            need += strlen(lits[j]) + 24 +
                    (size_t)(j < nouter ? br[j].items[item[j]].width : 0);
        if (need > cap) {
            char *p = realloc(prefix, need);
            if (!p) {
                errno = ENOMEM;
                goto done;
            }
            prefix = p;
            cap = need;
        }
        size_t off = 0;
        for (size_t j = 0; j < nbr; j++) {
            off += (size_t)snprintf(prefix + off, cap - off, "%s", lits[j]);
            if (j < nouter)
                off += (size_t)snprintf(prefix + off, cap - off, "%0*" PRIu64,
                                        br[j].items[item[j]].width, val[j]);
        }
        struct bracket *last = &br[nbr - 1];
        for (size_t i = 0; i < last->nitems; i++) {
            if (add_numbered(hl, prefix, last->items[i].lo, last->items[i].hi,
                             last->items[i].width, err, errlen) < 0)
                goto done;
        }
        /* advance the odometer; like SLURM, the first bracket turns
         * fastest: "a[1,3]b[2-3]c1" gives a1b2c1 a3b2c1 a1b3c1 a3b3c1 */
        size_t j = 0;
        for (; j < nouter; j++) {
            struct bracket_item *it = &br[j].items[item[j]];
            if (val[j] < it->hi) {
                val[j]++;
                break;
            }
            if (item[j] + 1 < br[j].nitems) {
                item[j]++;
                val[j] = br[j].items[item[j]].lo;
                break;
            }
            item[j] = 0;
            val[j] = br[j].items[0].lo;
        }
        if (j == nouter)
            break;
    }
    rc = 0;
done:
    free(prefix);
    free(item);
    free(val);
    return rc;
}

/* One token of an expression: "login", "node[01-16]", "a[1-2]b[3-4]". */
static int add_token(struct flurm_hostlist *hl, const char *tok, size_t len,
                     uint64_t *total, char *err, size_t errlen)
{
    char *token = strndup(tok, len);
    char **lits = NULL;
    struct bracket *br = NULL;
    size_t nbr = 0;
    int rc = -1;

    if (!token) {
        errno = ENOMEM;
        return -1;
    }
    if (!strchr(token, '[')) {
        if (*total + 1 > FLURM_HOSTLIST_MAX_HOSTS)
            goto too_many;
        *total += 1;
        rc = add_name(hl, token, len);
        goto done;
    }
    /* the tokenizer guarantees balanced, non-nested brackets */
    size_t nopen = 0;
    for (size_t i = 0; i < len; i++)
        nopen += token[i] == '[';
    lits = calloc(nopen + 1, sizeof(*lits));
    br = calloc(nopen, sizeof(*br));
    if (!lits || !br) {
        errno = ENOMEM;
        goto done;
    }
    const char *p = token;
    uint64_t hosts = 1;
    while (nbr < nopen) {
        const char *open = strchr(p, '[');
        const char *close = strchr(open, ']');
        lits[nbr] = strndup(p, (size_t)(open - p));
        if (!lits[nbr]) {
            errno = ENOMEM;
            goto done;
        }
        if (parse_bracket(open + 1, (size_t)(close - open - 1), &br[nbr],
                          token, err, errlen) < 0)
            goto done;
        nbr++;
        /* both factors are at most MAX here, so the product fits */
        if (br[nbr - 1].hosts > FLURM_HOSTLIST_MAX_HOSTS)
            goto too_many;
        hosts *= br[nbr - 1].hosts;
        if (hosts > FLURM_HOSTLIST_MAX_HOSTS)
            goto too_many;
        p = close + 1;
    }
    if (*p != '\0') {
        set_err(err, errlen, "invalid hostlist '%s': text after the last ']'",
                token);
        errno = EINVAL;
        goto done;
    }
    if (*total + hosts > FLURM_HOSTLIST_MAX_HOSTS)
        goto too_many;
    *total += hosts;
    rc = expand_token(hl, lits, br, nbr, err, errlen);
    goto done;
too_many:
    set_err(err, errlen, "hostlist '%s' expands to more than %d hosts",
            token, FLURM_HOSTLIST_MAX_HOSTS);
    errno = E2BIG;
done:
    if (lits) {
        for (size_t i = 0; i <= nopen; i++)
            free(lits[i]);
        free(lits);
    }
    brackets_free(br, nbr);
    free(token);
    return rc;
}

/* Parse a whole expression into 'hl' (a fresh list owned by the caller). */
static int parse_into(struct flurm_hostlist *hl, const char *expr, char *err,
                      size_t errlen)
{
    uint64_t total = 0;
    size_t i = 0;

    if (!expr)
        return 0;
    while (expr[i]) {
        while (expr[i] && is_separator(expr[i]))
            i++;
        size_t start = i;
        bool open = false;
        for (; expr[i] && (open || !is_separator(expr[i])); i++) {
            if (expr[i] == '[') {
                if (open) {
                    set_err(err, errlen, "invalid hostlist '%s': nested '['",
                            expr);
                    goto invalid;
                }
                open = true;
            } else if (expr[i] == ']') {
                if (!open) {
                    set_err(err, errlen, "invalid hostlist '%s': ']' without "
                            "'['", expr);
                    goto invalid;
                }
                open = false;
            }
        }
        if (open) {
            set_err(err, errlen, "invalid hostlist '%s': missing ']'", expr);
            goto invalid;
        }
        if (i > start && add_token(hl, expr + start, i - start, &total, err,
                                   errlen) < 0)
            return -1;
    }
    return 0;
invalid:
    errno = EINVAL;
    return -1;
}

struct flurm_hostlist *flurm_hostlist_create(void)
{
    struct flurm_hostlist *hl = calloc(1, sizeof(*hl));

    if (!hl)
        errno = ENOMEM;
    return hl;
}

void flurm_hostlist_destroy(struct flurm_hostlist *hl)
{
    if (!hl)
        return;
    int saved = errno;
    free_ranges(hl->ranges, hl->nranges);
    free(hl);
    errno = saved;
}

struct flurm_hostlist *flurm_hostlist_parse(const char *expr, char *err,
                                            size_t errlen)
{
    struct flurm_hostlist *hl = flurm_hostlist_create();

    if (!hl)
        return NULL;
    if (parse_into(hl, expr, err, errlen) < 0) {
        flurm_hostlist_destroy(hl);
        return NULL;
    }
    return hl;
}

int flurm_hostlist_push(struct flurm_hostlist *hl, const char *expr,
                        char *err, size_t errlen)
{
    struct flurm_hostlist *tmp = flurm_hostlist_parse(expr, err, errlen);

    if (!tmp)
        return -1;
    if (reserve(hl, tmp->nranges) < 0) {
        flurm_hostlist_destroy(tmp);
        return -1;
    }
    for (size_t i = 0; i < tmp->nranges; i++)
        append_taken(hl, &tmp->ranges[i]);
    tmp->nranges = 0;
    flurm_hostlist_destroy(tmp);
    return 0;
}

int flurm_hostlist_push_host(struct flurm_hostlist *hl, const char *host)
{
    if (!host || !*host || strpbrk(host, ",[] \t\n")) {
        errno = EINVAL;
        return -1;
    }
    return add_name(hl, host, strlen(host));
}

struct flurm_hostlist *flurm_hostlist_copy(const struct flurm_hostlist *hl)
{
    struct flurm_hostlist *c = flurm_hostlist_create();

    if (!c)
        return NULL;
    if (reserve(c, hl->nranges) < 0)
        goto error;
    for (size_t i = 0; i < hl->nranges; i++) {
        c->ranges[i] = hl->ranges[i];
        c->ranges[i].prefix = strdup(hl->ranges[i].prefix);
        if (!c->ranges[i].prefix) {
            errno = ENOMEM;
            goto error;
        }
        c->nranges++;
    }
    c->count = hl->count;
    return c;
error:
    flurm_hostlist_destroy(c);
    return NULL;
}

size_t flurm_hostlist_count(const struct flurm_hostlist *hl)
{
    return hl ? hl->count : 0;
}

static char *render(const struct range *r, uint64_t n)
{
    char *s = NULL;

    if (r->single)
        s = strdup(r->prefix);
    else if (asprintf(&s, "%s%0*" PRIu64, r->prefix, r->width, n) < 0)
        s = NULL;
    if (!s)
        errno = ENOMEM;
    return s;
}

char *flurm_hostlist_nth(const struct flurm_hostlist *hl, size_t index)
{
    for (size_t i = 0; hl && i < hl->nranges; i++) {
        const struct range *r = &hl->ranges[i];
        uint64_t n = r->single ? 1 : r->hi - r->lo + 1;
        if (index < n)
            return render(r, r->lo + index);
        index -= n;
    }
    errno = ERANGE;
    return NULL;
}

/* True if 'host' is a member of numbered range 'r'; its number in *n. */
static bool range_has(const struct range *r, const char *host, uint64_t *n)
{
    size_t plen = strlen(r->prefix);

    if (strncmp(host, r->prefix, plen) != 0)
        return false;
    const char *digits = host + plen;
    size_t len = strlen(digits);
    if (len == 0 || strspn(digits, "0123456789") != len)
        return false;
    if (parse_digits(digits, len, n) < 0 || *n < r->lo || *n > r->hi)
        return false;
    int d = digits_of(*n);
    return (int)len == (d > r->width ? d : r->width);
}

ssize_t flurm_hostlist_find(const struct flurm_hostlist *hl, const char *host)
{
    size_t base = 0;

    for (size_t i = 0; hl && host && i < hl->nranges; i++) {
        const struct range *r = &hl->ranges[i];
        uint64_t n;
        if (r->single) {
            if (strcmp(r->prefix, host) == 0)
                return (ssize_t)base;
            base++;
            continue;
        }
        if (range_has(r, host, &n))
            return (ssize_t)(base + (n - r->lo));
        base += r->hi - r->lo + 1;
    }
    errno = ENOENT;
    return -1;
}

int flurm_hostlist_foreach(const struct flurm_hostlist *hl,
                           int (*fn)(const char *host, void *arg), void *arg)
{
    for (size_t i = 0; hl && i < hl->nranges; i++) {
        const struct range *r = &hl->ranges[i];
        uint64_t n = r->lo;
        do {
            char *s = render(r, n);
            if (!s)
                return -1;
            int rc = fn(s, arg);
            free(s);
            if (rc < 0)
                return rc;
        } while (!r->single && n++ < r->hi);
    }
    return 0;
}

/* Runs of digits compare as numbers, the rest byte by byte, as SLURM's
 * strnatcmp: a run with a leading zero compares digit by digit from the
 * left ("01" < "1"), others by length then value ("2" < "10"). */
static int natural_cmp(const char *a, const char *b)
{
    for (;;) {
        unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (isdigit(ca) && isdigit(cb)) {
            const char *ea = a, *eb = b;
            while (isdigit((unsigned char)*ea))
                ea++;
            while (isdigit((unsigned char)*eb))
                eb++;
            size_t la = (size_t)(ea - a), lb = (size_t)(eb - b);
            if (ca == '0' || cb == '0') {
                size_t k = 0;
                for (; k < la && k < lb; k++) {
                    if (a[k] != b[k])
                        return a[k] < b[k] ? -1 : 1;
                }
                if (la != lb)
                    return la < lb ? -1 : 1;
            } else {
                if (la != lb)
                    return la < lb ? -1 : 1;
                int c = memcmp(a, b, la);
                if (c)
                    return c < 0 ? -1 : 1;
            }
            a = ea;
            b = eb;
            continue;
        }
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (!ca)
            return 0;
        a++;
        b++;
    }
}

/* Printed length of the low bound: SLURM orders ranges of one prefix by
 * width before number, and for an unpadded number that is its length. */
static int lo_len(const struct range *r)
{
    int d = digits_of(r->lo);

    return d > r->width ? d : r->width;
}

static int cmp_head(const struct range *a, const struct range *b)
{
    int c = natural_cmp(a->prefix, b->prefix);

    if (c)
        return c;
    if (a->single != b->single)
        return a->single ? -1 : 1;
    return 0;
}

/* SLURM's order (`scontrol show hostlistsorted`). */
static int cmp_slurm_order(const void *pa, const void *pb)
{
    const struct range *a = pa, *b = pb;
    int c = cmp_head(a, b);

    if (c || a->single)
        return c;
    int la = lo_len(a), lb = lo_len(b);
    if (la != lb)
        return la < lb ? -1 : 1;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    return 0;
}

/* Numeric order, to find ranges that continue one another. */
static int cmp_value_order(const void *pa, const void *pb)
{
    const struct range *a = pa, *b = pb;
    int c = cmp_head(a, b);

    if (c || a->single)
        return c;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    if (a->width != b->width)
        return a->width < b->width ? -1 : 1;
    return 0;
}

/* Merge neighbours of a sorted array in place.  With 'dedupe', overlapping
 * ranges and repeated single hosts merge too. */
static void merge_neighbours(struct range *r, size_t *n, bool dedupe)
{
    size_t out = 0;

    for (size_t i = 0; i < *n; i++) {
        struct range *tail = out ? &r[out - 1] : NULL;
        int width;
        if (tail && dedupe && tail->single && r[i].single &&
            strcmp(tail->prefix, r[i].prefix) == 0)
            continue;
        if (tail && dedupe && same_numbered_prefix(tail, &r[i]) &&
            (tail->hi == UINT64_MAX || r[i].lo <= tail->hi + 1) &&
            widths_agree(tail, &r[i], &width)) {
            if (r[i].hi > tail->hi)
                tail->hi = r[i].hi;
            tail->width = width;
            continue;
        }
        if (tail && extends(tail, &r[i], &width)) {
            tail->hi = r[i].hi;
            tail->width = width;
            continue;
        }
        r[out++] = r[i];
    }
    *n = out;
}

struct pieces {
    struct range *r; /* prefixes borrowed from the list being sorted */
    size_t n;
    size_t cap;
    const char *prefix;
};

static int emit_piece(uint64_t a, uint64_t b, int len, void *arg)
{
    struct pieces *p = arg;

    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct range *r = realloc(p->r, cap * sizeof(*r));
        if (!r) {
            errno = ENOMEM;
            return -1;
        }
        p->r = r;
        p->cap = cap;
    }
    p->r[p->n++] = (struct range){
        .prefix = (char *)p->prefix, .lo = a, .hi = b, .width = len,
    };
    return 0;
}

/* Sort 'hl' into SLURM's order; with 'dedupe' drop duplicates first.  To
 * find duplicates, ranges are cut where their printed length changes, so
 * that equal host names sit next to each other whatever range held them;
 * the cut pieces are joined again before the final sort. */
static int normalize(struct flurm_hostlist *hl, bool dedupe)
{
    struct pieces p = {0};
    struct range *out = NULL;
    size_t n;

    for (size_t i = 0; i < hl->nranges; i++) {
        const struct range *r = &hl->ranges[i];
        p.prefix = r->prefix;
        if (r->single || !dedupe) {
            if (emit_piece(r->lo, r->hi, r->width, &p) < 0)
                goto error;
            p.r[p.n - 1].single = r->single;
        } else if (for_each_length_class(r->lo, r->hi, r->width, emit_piece,
                                         &p) < 0) {
            goto error;
        }
    }
    n = p.n;
    if (dedupe && n > 0) {
        qsort(p.r, n, sizeof(*p.r), cmp_slurm_order);
        merge_neighbours(p.r, &n, true);
        qsort(p.r, n, sizeof(*p.r), cmp_value_order);
        merge_neighbours(p.r, &n, false);
    }
    if (n > 0) {
        qsort(p.r, n, sizeof(*p.r), cmp_slurm_order);
        merge_neighbours(p.r, &n, false);
    }
    out = calloc(n ? n : 1, sizeof(*out));
    if (!out) {
        errno = ENOMEM;
        goto error;
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = p.r[i];
        out[i].prefix = strdup(p.r[i].prefix);
        if (!out[i].prefix) {
            errno = ENOMEM;
            free_ranges(out, i);
            goto error;
        }
        count += out[i].single ? 1 : out[i].hi - out[i].lo + 1;
    }
    free(p.r);
    free_ranges(hl->ranges, hl->nranges);
    hl->ranges = out;
    hl->nranges = n;
    hl->cap = n ? n : 1;
    hl->count = count;
    return 0;
error:
    free(p.r);
    return -1;
}

int flurm_hostlist_sort(struct flurm_hostlist *hl)
{
    return normalize(hl, false);
}

int flurm_hostlist_uniq(struct flurm_hostlist *hl)
{
    return normalize(hl, true);
}

int flurm_hostlist_union(struct flurm_hostlist *hl,
                         const struct flurm_hostlist *other)
{
    struct flurm_hostlist *merged = flurm_hostlist_copy(hl);
    struct flurm_hostlist *add = flurm_hostlist_copy(other);

    if (!merged || !add || reserve(merged, add->nranges) < 0)
        goto error;
    for (size_t i = 0; i < add->nranges; i++)
        append_taken(merged, &add->ranges[i]);
    add->nranges = 0;
    if (flurm_hostlist_uniq(merged) < 0)
        goto error;
    /* swap contents so that 'hl' keeps its identity */
    struct flurm_hostlist t = *hl;
    *hl = *merged;
    *merged = t;
    flurm_hostlist_destroy(merged);
    flurm_hostlist_destroy(add);
    return 0;
error:
    flurm_hostlist_destroy(merged);
    flurm_hostlist_destroy(add);
    return -1;
}

/* A growable string for the ranged form. */
struct strbuf {
    char *s;
    size_t len;
    size_t cap;
    bool failed;
};

static void sb_printf(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sb_printf(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;

    if (b->failed)
        return;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL,
                          b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 64;
        while (cap <= b->len + (size_t)n)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->failed = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

char *flurm_hostlist_ranged_string(const struct flurm_hostlist *hl)
{
    struct strbuf b = {0};
    size_t i = 0;

    sb_printf(&b, "%s", "");
    while (hl && i < hl->nranges) {
        const struct range *r = &hl->ranges[i];
        if (i > 0)
            sb_printf(&b, ",");
        if (r->single) {
            sb_printf(&b, "%s", r->prefix);
            i++;
            continue;
        }
        /* ranges in a row with the same prefix share one bracket */
        size_t j = i + 1;
        while (j < hl->nranges && same_numbered_prefix(r, &hl->ranges[j]))
            j++;
        if (j == i + 1 && r->lo == r->hi) {
            sb_printf(&b, "%s%0*" PRIu64, r->prefix, r->width, r->lo);
            i++;
            continue;
        }
        sb_printf(&b, "%s[", r->prefix);
        for (size_t k = i; k < j; k++) {
            const struct range *q = &hl->ranges[k];
            sb_printf(&b, "%s%0*" PRIu64, k > i ? "," : "", q->width, q->lo);
            if (q->hi != q->lo)
                sb_printf(&b, "-%0*" PRIu64, q->width, q->hi);
        }
        sb_printf(&b, "]");
        i = j;
    }
    if (b.failed) {
        free(b.s);
        errno = ENOMEM;
        return NULL;
    }
    return b.s;
}
