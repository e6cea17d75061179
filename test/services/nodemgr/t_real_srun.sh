#!/usr/bin/env bash
# srun and salloc through the whole FLURM tree with an unmodified slurmd
# (scripts/flurm-local): `srun hostname` prints the node's name (the step
# credential the node manager signed is accepted by slurmd), `srun -n2`
# runs two tasks of one step, salloc's command runs two steps inside the
# allocation (RESPONSE_RESOURCE_ALLOCATION pushed to salloc), `scancel J.0`
# kills one step (REQUEST_SIGNAL_TASKS for the step) and, told by
# SRUN_JOB_COMPLETE, srun kills a step it was still launching, and `scancel J` of a
# salloc job revokes it (SRUN_JOB_COMPLETE to salloc's other port).
. "$(dirname "$0")/../../lib/testlib.sh"

[ "$(id -u)" -eq 0 ] || t_skip "slurmd runs as root (SlurmdUser=root)"
[ -x /usr/sbin/slurmd ] || t_skip "slurmd is not installed (scripts/setup)"
for c in sinfo srun salloc squeue scancel munge jq; do
    command -v "$c" >/dev/null 2>&1 || t_skip "$c is not installed (scripts/setup)"
done
munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 || "$T_ROOT/scripts/setup" >/dev/null 2>&1
munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 || t_skip "munged does not answer"
[ -x "$B/bin/flurm-sup" ] || t_skip "$B/bin/flurm-sup is not built"

RUN="$T_TMP/local"
PORT=$(t_free_port) || t_fatal "a free port"
SLURMD_PORT=$(t_free_port) || t_fatal "a free port"
while [ "$SLURMD_PORT" = "$PORT" ]; do SLURMD_PORT=$(t_free_port); done
local_cluster() {
    env B="$B" FLURM_LOCAL_DIR="$RUN" FLURM_PORT="$PORT" FLURM_SLURMD_PORT="$SLURMD_PORT" \
        "$T_ROOT/scripts/flurm-local" "$@"
}
t_show_on_fail "$RUN/flurm-sup.log" "$RUN/log/slurmd.log" "$T_TMP/salloc.out" "$T_TMP/step.out" \
    "$T_TMP/launching.out"
t_on_exit local_cluster stop
local_cluster start >"$T_TMP/local.out" 2>&1 || t_fatal "scripts/flurm-local start: $(tail -n 5 "$T_TMP/local.out")"
export SLURM_CONF="$RUN/slurm.conf"
HOST=$(hostname -s)
SUP_LOG="$RUN/flurm-sup.log"
cd "$T_TMP" || t_fatal "cd $T_TMP"

state() { timeout 10 sinfo -h -N -o "%N %t" 2>/dev/null | awk -v n="$HOST" '$1 == n { print $2 }'; }
state_is() { [ "$(state)" = "$1" ]; }
no_jobs() { [ -z "$(timeout 10 squeue -h -o %i 2>/dev/null)" ]; }
steps_of() { timeout 10 squeue -h -s -j "$1" -o %i 2>/dev/null; }
has_line() { grep -q "$2" "$1" 2>/dev/null; }
first_job() { timeout 10 squeue -h -o %i 2>/dev/null | head -n 1; }
a_job_runs() { [ -n "$(first_job)" ]; }
step_listed() { [ "$(steps_of "$1" | grep -c "^$1\.0\$")" = 1 ]; }

wait_for 30 "slurmd to register and the node to be idle" state_is idle

# ---- srun alone ---------------------------------------------------------------------
check_eq "srun hostname runs on the node" "$(hostname)" "$(timeout 30 srun hostname 2>/dev/null)"
out=$(timeout 30 srun -n2 bash -c 'echo "task $SLURM_PROCID/$SLURM_NTASKS step $SLURM_STEP_ID"' 2>/dev/null | sort)
check_eq "srun -n2: two tasks of step 0" "task 0/2 step 0
task 1/2 step 0" "$out"
wait_for 20 "the srun jobs to end (REQUEST_COMPLETE_JOB_ALLOCATION)" no_jobs
# The store answers an allocation with its nodes when the job starts within
# its wait (docs/steps.md); the node manager pushes it anyway, to a port srun
# has closed by then, or that srun still listens on when the reply was "pending".
check_file_match "the node manager pushed srun its allocation" \
    "RESPONSE_RESOURCE_ALLOCATION (sent to|to .* not delivered)" "$SUP_LOG"

# ---- salloc with steps inside -------------------------------------------------------
out=$(timeout 30 salloc -n1 bash -c 'srun hostname; srun hostname; echo "in job $SLURM_JOB_ID"' 2>/dev/null)
check_eq "salloc: two steps ran inside the allocation" 2 "$(grep -c "^$(hostname)\$" <<<"$out")"
check_match "salloc ran its command in a job" "in job [0-9]+" "$out"
wait_for 20 "salloc's job to end" no_jobs

# ---- scancel of one step ------------------------------------------------------------
(timeout 60 salloc -n1 bash -c 'srun sleep 60; echo "srun rc $?"; echo after' >"$T_TMP/step.out" 2>&1) &
step_salloc=$!
wait_for 20 "the job to run" a_job_runs
job=$(first_job)
wait_for 20 "squeue -s to show step $job.0" step_listed "$job"
check "scancel $job.0 succeeds" timeout 10 scancel "$job.0"
wait_for 20 "the step to be killed, salloc's command to go on" has_line "$T_TMP/step.out" after
check_file_match "srun saw its step cancelled" "srun rc 137" "$T_TMP/step.out"
wait_for 20 "that job to end too" no_jobs
wait "$step_salloc"

# ---- scancel of a step still launching ----------------------------------------------
# srun --prolog runs on srun's host after the step is created and before its
# tasks are launched: slurmd has no slurmstepd for the step to signal yet.
# slurmctld tells srun (SRUN_JOB_COMPLETE for the step), and srun kills
# the step itself once it has launched it.
printf '#!/bin/sh\nsleep 3\n' >"$T_TMP/slow-prolog.sh"
chmod +x "$T_TMP/slow-prolog.sh"
(timeout 60 salloc -n1 bash -c "srun --prolog=$T_TMP/slow-prolog.sh sleep 40; echo \"srun rc \$?\"; echo after" \
    >"$T_TMP/launching.out" 2>&1) &
launching_salloc=$!
wait_for 20 "the job to run" a_job_runs
job=$(first_job)
wait_for 20 "squeue -s to show step $job.0" step_listed "$job"
check "scancel $job.0 succeeds while srun's prolog runs" timeout 10 scancel "$job.0"
wait_for 30 "the launching step to be killed, salloc's command to go on" \
    has_line "$T_TMP/launching.out" after
check_file_match "srun killed the step it was launching" "srun rc 137" "$T_TMP/launching.out"
check_file_match "srun says so, as with slurmctld" "aborted before step completely launched" \
    "$T_TMP/launching.out"
wait_for 20 "that job to end too" no_jobs
wait "$launching_salloc"

# ---- scancel of a salloc job: salloc hears SRUN_JOB_COMPLETE --------------------------
(timeout 60 salloc -n1 sleep 50 >"$T_TMP/salloc.out" 2>&1; echo "rc $?" >>"$T_TMP/salloc.out") &
salloc_pid=$!
wait_for 20 "salloc to get its allocation" has_line "$T_TMP/salloc.out" "Granted job allocation"
job=$(first_job)
check "scancel $job succeeds" timeout 10 scancel "$job"
wait_for 20 "salloc to be told" has_line "$T_TMP/salloc.out" "has been revoked"
wait "$salloc_pid"
check_file_match "salloc: the allocation was revoked" "Job allocation $job has been revoked" "$T_TMP/salloc.out"
check_file_match "SRUN_JOB_COMPLETE went to salloc" "job $job: SRUN_JOB_COMPLETE sent to" "$SUP_LOG"
wait_for 20 "the node to be idle again" state_is idle

local_cluster stop >/dev/null 2>&1
check_fails "no sanitizer report in the logs" grep -qE "Sanitizer|runtime error:" "$SUP_LOG"
t_done
