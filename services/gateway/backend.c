/*
 * backend.c - clients of the services behind the gateway (see backend.h).
 */
#include "services/gateway/backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/ipc.h"
#include "common/log.h"

/* store, nodes, sched today; room for the services that come later. */
#define MAX_BACKENDS 8

struct backend {
    char name[FLURM_IPC_NAME_MAX + 1];
    bool present;
    struct flurm_client *client;
};

struct gw_backends {
    struct flurm_loop *loop;
    char *rundir;
    struct backend list[MAX_BACKENDS];
    size_t n;
    struct flurm_client *supervisor;
};

struct gw_backends *gw_backends_create(struct flurm_loop *loop, const char *rundir)
{
    struct gw_backends *b = NULL;

    if (!loop || !rundir) {
        errno = EINVAL;
        goto error;
    }
    if (!(b = calloc(1, sizeof(*b))) || !(b->rundir = strdup(rundir)))
        goto error;
    b->loop = loop;
    return b;
error:
    if (b) {
        free(b->rundir);
        free(b);
    }
    return NULL;
}

void gw_backends_destroy(struct gw_backends *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        flurm_client_destroy(b->list[i].client);
    flurm_client_destroy(b->supervisor);
    free(b->rundir);
    free(b);
}

static struct backend *lookup(struct gw_backends *b, const char *svc)
{
    for (size_t i = 0; i < b->n; i++) {
        if (!strcmp(b->list[i].name, svc))
            return &b->list[i];
    }
    if (b->n == MAX_BACKENDS || !flurm_ipc_name_valid(svc)) {
        errno = EINVAL;
        return NULL;
    }
    strcpy(b->list[b->n].name, svc);
    return &b->list[b->n++];
}

bool gw_backends_present(struct gw_backends *b, const char *svc)
{
    struct backend *be = lookup(b, svc);
    struct stat st;
    char *link;

    if (!be)
        return false;
    if (be->present)
        return true;
    if (!(link = flurm_ipc_link_path(b->rundir, svc, FLURM_IPC_REQ)))
        return false;
    be->present = lstat(link, &st) == 0;
    free(link);
    if (be->present)
        flurm_info("service %s is present: forwarding its RPCs", svc);
    return be->present;
}

struct flurm_client *gw_backends_client(struct gw_backends *b, const char *svc)
{
    struct backend *be = lookup(b, svc);
    char *url;

    if (!be)
        return NULL;
    if (be->client)
        return be->client;
    if (!(url = flurm_ipc_link_url(b->rundir, svc, FLURM_IPC_REQ)))
        return NULL;
    be->client = flurm_client_create(b->loop, url, "gateway");
    if (!be->client)
        flurm_err("cannot dial %s: %s", url, strerror(errno));
    free(url);
    return be->client;
}

struct flurm_client *gw_backends_supervisor(struct gw_backends *b)
{
    struct stat st;
    char *path = NULL, *url = NULL;

    if (b->supervisor)
        return b->supervisor;
    /* Dial only a socket that exists: a dial that hangs up during NNG's
     * handshake can stop the supervisor's listener for good (nng#1518),
     * so no speculative dials. */
    if (asprintf(&path, "%s/ipc/sup.ctl", b->rundir) < 0) {
        path = NULL;
        goto out;
    }
    if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        errno = ENOENT;
        goto out;
    }
    if (asprintf(&url, "ipc://%s", path) < 0) {
        url = NULL;
        goto out;
    }
    if (!(b->supervisor = flurm_client_create(b->loop, url, "gateway")))
        flurm_err("cannot dial %s: %s", url, strerror(errno));
out:
    free(url);
    free(path);
    return b->supervisor;
}

size_t gw_backends_supervisor_pending(const struct gw_backends *b)
{
    return b->supervisor ? flurm_client_pending(b->supervisor) : 0;
}

size_t gw_backends_pending(const struct gw_backends *b)
{
    size_t n = 0;

    for (size_t i = 0; i < b->n; i++) {
        if (b->list[i].client)
            n += flurm_client_pending(b->list[i].client);
    }
    return n;
}
