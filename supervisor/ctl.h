/*
 * ctl.h - the supervisor's control socket, ipc://$FLURM_RUNDIR/ipc/sup.ctl,
 * both sides: the server inside flurm-sup's event loop, and the client used
 * by `flurm-sup status|reload|restart|stop`.
 *
 * Messages follow the internal envelope of docs/architecture.md:
 *   request  {"v":1, "type":"sup.reload", "body":{"service":"gateway"}}
 *   reply    {"v":1, "ok":true, "body":{...}}
 *         or {"v":1, "ok":false, "error":{"code":ERRNO, "text":"..."}}
 *
 * The server uses a raw REP socket whose receive fd is watched by the
 * libev loop, so it never blocks and can hold many requests at once: a
 * reload is answered only once the new instance is ready (or has failed),
 * while `status` keeps being answered meanwhile.
 */
#ifndef FLURM_SUP_CTL_H
#define FLURM_SUP_CTL_H

#include <ev.h>
#include <jansson.h>
#include <stddef.h>

#define SUP_CTL_VERSION 1

struct sup_ctl;
struct sup_ctl_req; /* one request waiting for its reply */

/* Called on the loop for each well-formed request.  `type` and `body`
 * (never NULL; {} if absent) are borrowed for the call.  The handler must
 * eventually answer `req` exactly once with sup_ctl_reply_ok/error, now or
 * later. */
typedef void (*sup_ctl_handler_f)(struct sup_ctl_req *req, const char *type, json_t *body,
                                  void *arg);

/* Bind `url` (borrowed) and watch it on `loop` (borrowed).  NULL with the
 * reason in err if the bind fails (EADDRINUSE: another supervisor owns
 * it). */
struct sup_ctl *sup_ctl_create(struct ev_loop *loop, const char *url, sup_ctl_handler_f handler,
                               void *arg, char *err, size_t errlen);

/* Close the socket.  Requests still unanswered are dropped (their callers
 * see the connection close). */
void sup_ctl_destroy(struct sup_ctl *ctl);

/* Answer ok with `body` (taken; NULL means {}).  Frees req. */
void sup_ctl_reply_ok(struct sup_ctl_req *req, json_t *body);

/* Answer an error.  Frees req. */
void sup_ctl_reply_error(struct sup_ctl_req *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The control URL for `rundir` (borrowed) into buf. -1 and ENAMETOOLONG if it
 * does not fit a unix socket path. */
int sup_ctl_url(const char *rundir, char *buf, size_t len);

/* Client: send one request and wait for the reply, at most timeout_ms.
 * `body` is borrowed (NULL for {}).  Returns 0 and the reply body in *reply
 * (caller decrefs); -1 if the supervisor answered an error (its text in
 * err); -2 if no supervisor could be reached; -3 if the request was sent
 * but no reply came (the supervisor may have acted on it, and exited). */
int sup_ctl_call(const char *rundir, const char *type, json_t *body, int timeout_ms,
                 json_t **reply, char *err, size_t errlen);

#endif
