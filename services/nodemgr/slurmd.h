/*
 * slurmd.h - the node manager's client of slurmd: sends one SLURM request
 * to a slurmd (its NodeAddr and Port) and reads its one reply, on the node
 * manager's libev loop, as slurmctld's agent does for REQUEST_NODE_
 * REGISTRATION_STATUS and REQUEST_PING (and, later, launches, kills).
 *
 * Requests are framed like every SLURM message (wire doc 1.1-1.4): length
 * prefix, header at 22.05, a munge credential encoded by this process's
 * uid (slurmd accepts only root and SlurmUser) for any receiver, as
 * slurmctld signs its agent's requests, then the body.  The reply's
 * credential is checked with munged before its body is decoded.
 *
 * Nothing blocks the loop but the munge round trips and the resolution of
 * a NodeAddr that is a name (getaddrinfo; numeric addresses and names in
 * /etc/hosts do not wait on the network).
 */
#ifndef FLURM_NODEMGR_SLURMD_H
#define FLURM_NODEMGR_SLURMD_H

#include <stddef.h>
#include <stdint.h>

#include "common/loop.h"
#include "wire/auth.h"
#include "wire/msg.h"

struct slurmd_client;

/* How a request ended.  errnum 0: slurmd answered with a message of
 * `type` whose decoded body (the struct of its wire record, e.g. struct
 * flurm_rc_msg for RESPONSE_SLURM_RC) is `body`, borrowed for the call.
 * Otherwise no usable answer: ECONNREFUSED and the like (no slurmd),
 * ETIMEDOUT (nothing within the timeout), EBADMSG (not a SLURM reply),
 * EACCES (its credential was refused), ECANCELED (the client is being
 * destroyed); type is FLURM_MSG_NONE and body NULL. */
typedef void (*slurmd_reply_fn)(int errnum, enum flurm_msg_type type, const void *body,
                                void *arg);

/* A client on `loop` (borrowed, must outlive it) signing with munge as
 * `auth_opts` (borrowed, copied; NULL for munged's defaults) says; each
 * request may take `timeout` seconds from connect to reply.  Does not
 * contact munged yet.  NULL and errno.  Caller destroys. */
struct slurmd_client *slurmd_client_create(struct flurm_loop *loop,
                                           const struct flurm_auth_opts *auth_opts,
                                           double timeout);

/* NULL-safe.  Requests still in flight end with ECANCELED first. */
void slurmd_client_destroy(struct slurmd_client *c);

/* Send a request of `type` with `body` (borrowed: the struct of the type's
 * record, encoded now; NULL for a type without a body) to the slurmd at
 * host:port (host borrowed).  fn(arg) runs exactly once, later, from the
 * loop.  Returns 0, or -1 and errno without calling fn: the host cannot
 * be resolved (EHOSTUNREACH), the connection is refused at once
 * (ECONNREFUSED, ...), munged cannot sign (EAGAIN), ENOMEM. */
int slurmd_client_send(struct slurmd_client *c, const char *host, uint16_t port,
                       enum flurm_msg_type type, const void *body, slurmd_reply_fn fn,
                       void *arg);

/* Send a message to a client listening at host:port (srun, salloc: a
 * resource allocation, SRUN_JOB_COMPLETE, SRUN_TIMEOUT, SRUN_NODE_FAIL)
 * as slurmctld's agent sends them: signed for `restrict_uid` only (the
 * job's user), no reply awaited (the connection ends at the peer's answer,
 * its close or the timeout).  fn(arg) runs exactly once, later: errnum 0
 * once the whole message went out, else why it did not (type
 * FLURM_MSG_NONE, body NULL).  Returns and fails as slurmd_client_send(). */
int slurmd_client_push(struct slurmd_client *c, const char *host, uint16_t port,
                       enum flurm_msg_type type, const void *body, uint32_t restrict_uid,
                       slurmd_reply_fn fn, void *arg);

/* Requests in flight. */
size_t slurmd_client_pending(const struct slurmd_client *c);

#endif
