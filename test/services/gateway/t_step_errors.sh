#!/usr/bin/env bash
# The refusals of salloc, srun, sstat and scontrol's step requests reach
# the real 22.05 clients as slurmctld's do, through the gateway's routes
# of docs/steps.md (whole FLURM tree, no slurmd: jobs stay pending):
# salloc in a partition that does not exist prints slurmctld's own text
# (RESPONSE_SLURM_RC_MSG) before SLURM's; srun into a finished job says it
# has expired; sstat and `scontrol show step` of a job without steps, or
# of no job at all, print what they print against slurmctld; a pending
# allocation is released by its owner.
# Checked against the real controller with E2E_TARGET=slurmctld.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$T_ROOT/test/e2e/lib.sh"

e2e_write_conf "$T_TMP/c" fake
e2e_start

e2e_run salloc -p nosuch hostname
check_eq "salloc -p nosuch: slurmctld's text, then SLURM's" \
    "salloc: error: invalid partition specified: nosuch
salloc: error: Job submit/allocate failed: Invalid partition name specified" "$ERR"
check_eq "and salloc exits 1" 1 "$RC"

e2e_run srun -p nosuch hostname
check_eq "srun -p nosuch: the same two lines" \
    "srun: error: invalid partition specified: nosuch
srun: error: Unable to allocate resources: Invalid partition name specified" "$ERR"
check_eq "and srun exits 1" 1 "$RC"

done_job=$(e2e_submit --wrap true) || t_fatal "sbatch"
e2e_run scancel "$done_job"
e2e_run srun --jobid="$done_job" hostname
check_eq "srun --jobid=<cancelled job>: the job has expired" \
    "srun: error: Slurm job $done_job has expired
srun: Check SLURM_JOB_ID environment variable. Expired or invalid job $done_job" "$ERR"
check_eq "and srun exits 1" 1 "$RC"

e2e_run srun --jobid=9999 hostname
check_eq "srun --jobid=<unknown job>: invalid job" \
    "srun: error: Unable to confirm allocation for job 9999: Invalid job id specified
srun: Check SLURM_JOB_ID environment variable. Expired or invalid job 9999" "$ERR"
check_eq "and srun exits 1" 1 "$RC"

pending=$(e2e_submit --wrap true) || t_fatal "sbatch"
e2e_run srun --jobid="$pending" hostname
check_eq "srun --jobid=<pending job>: pending execution" \
    "srun: error: Unable to confirm allocation for job $pending: Job is pending execution
srun: Check SLURM_JOB_ID environment variable. Expired or invalid job $pending" "$ERR"
check_eq "and srun exits 1" 1 "$RC"
e2e_run sstat -j "$pending"
check_eq "sstat of a job without steps" "sstat: error: No steps running for job $pending" "$ERR"
e2e_run sstat -j "$pending.0"
check_eq "sstat of a step that does not run" "sstat: error: StepId=$pending.0 not found running." \
    "$ERR"
e2e_run sstat -j 9999
check_eq "sstat of no job" "sstat: error: couldn't get steps for job 9999" "$ERR"
e2e_run scontrol show step 9999
check_eq "scontrol show step of no job" "slurm_get_job_steps error: Invalid job id specified" \
    "$ERR"
check_eq "and scontrol exits 1" 1 "$RC"
e2e_run squeue -s -h
check_eq "squeue -s: no step runs" "" "$OUT"
check_eq "and says nothing else" "" "$ERR"

# salloc --immediate on nodes that never registered: slurmctld refuses at
# once (the job FAILED) and tells salloc its allocation is revoked.  The
# revocation races salloc's exit (its message thread may print it before or
# after the error, or be gone already), with slurmctld as with FLURM, so only
# the refusal is exact.
e2e_run salloc -I -N1 hostname
check_eq "salloc -I without a free node exits 1" 1 "$RC"
check_eq "salloc -I: refused in the allocation's reply" \
    "salloc: error: Job submit/allocate failed: Required node not available (down, drained or reserved)" \
    "$(grep -v 'has been revoked' <<<"$ERR")"
immediate_job=$(scontrol show job -o 2>/dev/null | grep -o 'JobId=[0-9]* JobName=hostname' | tail -n 1 |
    sed -E 's/JobId=([0-9]+).*/\1/')
check_match "and its job failed, not left waiting" "JobState=FAILED" \
    "$(scontrol show job "$immediate_job" 2>/dev/null)"

if [ "$E2E_TARGET" = flurm ]; then
    check_fails "no sanitizer report in FLURM's log" \
        grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$T_TMP/c/flurm/flurm-sup.log"
fi
t_done
