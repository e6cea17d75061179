/*
 * step.h - RESPONSE_JOB_STEP_CREATE built from the store's step.create
 * reply, as slurmctld's _slurm_rpc_job_step_create answers srun: the step
 * layout (nodes, tasks per node), the step's job credential (launch.h)
 * packed at the client's protocol version and signed with munge for
 * slurmd, select_jobinfo, switch/none and the protocol version the step
 * speaks.
 *
 * slurmd checks the credential's signature (wire doc 7.3): munged must
 * decode it to exactly the credential bytes that travel, the encoder must
 * be root or SlurmUser, and the credential is restricted to SlurmdUser's
 * uid.  Building and signing are separate so that the building is pure
 * (no munged, no clock, no NSS) and unit-tested on its own.
 */
#ifndef FLURM_NODEMGR_STEP_H
#define FLURM_NODEMGR_STEP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "services/nodemgr/launch.h"
#include "wire/rec_job.h"

/* switch/none's plugin id (switch_g_pack_jobinfo). */
#define STEP_SWITCH_PLUGIN_NONE 100

/* A new step_create_resp for the store's step.create reply body `created`
 * ({"step": {job_id, step_id, nodes, node_cnt, task_cnt, task_dist,
 * tasks, hosts, ...}, "job": {job_id, user_id, alloc, partition, ...}}),
 * run by `user`, for a client speaking `proto`, issued at `now`; all
 * borrowed.  The credential is packed at `proto` into cred.raw and is not
 * signed yet (step_resp_sign()).  NULL with errno EINVAL (the reason in
 * err: a reply without step or job, a step outside the job, a layout that
 * does not add up) or ENOMEM.  Caller frees with step_resp_destroy(). */
struct flurm_step_create_resp *step_resp_create(const json_t *created,
                                                const struct launch_user *user,
                                                const struct launch_site *site, uint16_t proto,
                                                time_t now, char *err, size_t errlen);

/* NULL-safe. */
void step_resp_destroy(struct flurm_step_create_resp *r);

/* The record JSON of r (borrowed) that the gateway packs for the client.
 * New reference, NULL and ENOMEM. */
json_t *step_resp_json(const struct flurm_step_create_resp *r);

struct step_signer;

/* A signer encoding with munged at `socket_path` (borrowed, copied; NULL:
 * libmunge's default) with credentials living `ttl` seconds (0: munged's
 * default) that only `slurmd_uid` may decode.  Does not contact munged
 * yet.  NULL and errno (ENOMEM, EINVAL).  Caller destroys. */
struct step_signer *step_signer_create(const char *socket_path, int ttl, uint32_t slurmd_uid);

/* NULL-safe. */
void step_signer_destroy(struct step_signer *s);

/* Sign r's credential (r->cred.raw, borrowed) into r->cred.signature: the
 * munge string of those bytes with its NUL, as cred/munge's cred_p_sign.
 * A blocking round trip to munged.  0, or -1 with errno EAGAIN (munged
 * unreachable; its text from step_signer_error()), EINVAL (no raw bytes)
 * or ENOMEM. */
int step_resp_sign(struct flurm_step_create_resp *r, struct step_signer *s);

/* munged's text for the last failure (borrowed), or "". */
const char *step_signer_error(const struct step_signer *s);

#endif
