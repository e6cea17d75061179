/*
 * render.c - a job's job_info records kept in wire form (see render.h).
 *
 * A short list, one allocation per rendering with the bytes inline: a job
 * has at most RENDERED_MAX, and a query walks each job's list once.
 */
#include "services/jobstore/render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct rendered {
    struct rendered *next;
    uint16_t proto;
    uint16_t show_flags;
    struct rendered_from from;
    int64_t since, until;
    size_t len;
    unsigned char bytes[];
};

const void *rendered_get(const struct rendered *r, uint16_t proto, uint16_t show_flags,
                         const struct rendered_from *from, int64_t now, size_t *len)
{
    for (; r; r = r->next) {
        if (r->proto != proto || r->show_flags != show_flags)
            continue;
        if (r->from.job_seq != from->job_seq || r->from.meta_seq != from->meta_seq ||
            now < r->since || now >= r->until)
            return NULL;
        *len = r->len;
        return r->bytes;
    }
    return NULL;
}

int rendered_put(struct rendered **r, uint16_t proto, uint16_t show_flags,
                 const struct rendered_from *from, int64_t since, int64_t until,
                 const void *bytes, size_t len)
{
    struct rendered *fresh = malloc(sizeof(*fresh) + len);
    struct rendered **at;
    size_t kept = 0;

    if (!fresh) {
        errno = ENOMEM;
        return -1;
    }
    *fresh = (struct rendered){
        .proto = proto,
        .show_flags = show_flags,
        .from = *from,
        .since = since,
        .until = until,
        .len = len,
    };
    if (len)
        memcpy(fresh->bytes, bytes, len);
    /* the same key's old rendering goes, then whatever exceeds the limit */
    for (at = r; *at;) {
        struct rendered *e = *at;

        if ((e->proto == proto && e->show_flags == show_flags) || kept + 1 >= RENDERED_MAX) {
            *at = e->next;
            free(e);
            continue;
        }
        kept++;
        at = &e->next;
    }
    fresh->next = *r;
    *r = fresh;
    return 0;
}

size_t rendered_bytes(const struct rendered *r)
{
    size_t sum = 0;

    for (; r; r = r->next)
        sum += r->len;
    return sum;
}

void rendered_destroy(struct rendered *r)
{
    while (r) {
        struct rendered *next = r->next;

        free(r);
        r = next;
    }
}
