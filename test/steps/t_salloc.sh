#!/usr/bin/env bash
# salloc gets an allocation, runs its command in it and gives it back:
# `salloc -N2 srun hostname` runs a step on both allocated nodes,
# `salloc -N1 sh -c 'echo $SLURM_JOB_ID'` runs the command with the
# granted job id (and the allocation's SLURM_JOB_NODELIST / SLURM_NNODES)
# in its environment, the job is RUNNING in squeue while the command runs,
# and when the command exits the allocation is released: the job is
# COMPLETED (FAILED with the command's exit code, which salloc returns, for
# a failing command), the queue is empty and the nodes are idle.  A step
# the allocation cannot hold (too many tasks or CPUs, a node outside it) is
# refused with slurmctld's reason and nothing runs.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/steps/lib.sh"

steps_cluster 2
W=$E2E_WORK

e2e_run salloc -N2 srun hostname
check_eq "salloc -N2 srun hostname exits 0" 0 "$RC"
check_eq "the step runs on both allocated nodes" "n1
n2" "$(sort <<<"$OUT")"
check_match "salloc says the allocation was granted" 'salloc: Granted job allocation [0-9]+' "$ERR"
check_match "salloc says it relinquishes the allocation" 'salloc: Relinquishing job allocation [0-9]+' "$ERR"

# Once the first job's nodes are idle again (not COMPLETING), an allocation
# is granted in the request itself: no "queued and waiting".
check "the first allocation's nodes are idle again" poll 20 "both nodes idle" nodes_idle
e2e_run salloc -N1 sh -c 'echo "$SLURM_JOB_ID"'
check_eq "salloc -N1 sh -c ... exits 0" 0 "$RC"
jid=$OUT
check_match "the command sees its job id" '^[0-9]+$' "$jid"
check_match "it is the job id salloc was granted" "salloc: Granted job allocation $jid([^0-9]|$)" "$ERR"
check_eq "on idle nodes the allocation is granted at once: salloc never says it waits" "" \
    "$(grep -E 'Pending job allocation|queued and waiting' <<<"$ERR")"
check "the allocation is released at exit: the queue is empty" poll 20 "the queue to empty" queue_empty
check_eq "the job is COMPLETED" COMPLETED "$(job_state "$jid")"
check_eq "its ExitCode is 0:0" 0:0 "$(job_get "$jid" ExitCode)"
check_eq "it is not a batch job" 0 "$(job_get "$jid" BatchFlag)"
check "both nodes are idle again" poll 20 "both nodes idle" nodes_idle

e2e_run salloc -N2 sh -c 'echo "$SLURM_JOB_NODELIST $SLURM_NNODES"'
check_eq "the command sees the allocation's nodes" "n[1-2] 2" "$OUT"

# While the command runs, the allocation is a running job without a step.
# e2e_run waits: run this one in the background instead.
(cd "$W" && exec timeout -k 5 60 salloc -N1 sh -c 'echo $SLURM_JOB_ID >alloc.id; while [ ! -e go.alloc ]; do sleep 0.1; done') \
    >"$T_TMP/alloc.out" 2>"$T_TMP/alloc.err" </dev/null &
apid=$!
check "the salloc command starts" wait_file 20 "$W/alloc.id"
aid=$(cat "$W/alloc.id")
e2e_run squeue -h -j "$aid" -o "%i %t %N"
check_eq "squeue shows the allocation RUNNING on n1" "$aid R n1" "$OUT"
check_eq "it has no step yet" "" "$(job_steps "$aid")"
touch "$W/go.alloc"
wait "$apid"
check_eq "salloc exits 0 once its command has" 0 "$?"
check "the allocation is released" poll 20 "the queue to empty" queue_empty
check_eq "the allocation is COMPLETED" COMPLETED "$(job_state "$aid")"

# A step the allocation cannot hold is refused as slurmctld refuses it, and
# the allocation is still released.
refused() { # WHAT SRUN-ERROR SRUN-ARGS...
    local what=$1 why=$2 id
    shift 2
    e2e_run salloc -N1 -w n1 srun "$@" hostname
    id=$(sed -n 's/^salloc: Granted job allocation \([0-9]*\)$/\1/p' <<<"$ERR")
    check_eq "$what: srun exits 1" 1 "$RC"
    check_eq "$what: srun says why" "srun: error: Unable to create step for job $id: $why" \
        "$(grep '^srun: ' <<<"$ERR")"
    check_eq "$what: nothing ran" "" "$OUT"
}
refused "3 tasks in a 1-CPU allocation" "More processors requested than permitted" -n3
refused "3 CPUs per task in a 1-CPU allocation" "More processors requested than permitted" -c3
refused "a node outside the allocation" "Requested node configuration is not available" -w n2
check "the refused steps' allocations are released" poll 20 "the queue to empty" queue_empty

e2e_run salloc -N1 sh -c 'echo "$SLURM_JOB_ID"; exit 3'
check_eq "salloc returns its command's exit code (3)" 3 "$RC"
jid3=$OUT
check "the allocation of a failing command is released" poll 20 "the queue to empty" queue_empty
check_eq "its job is FAILED" FAILED "$(job_state "$jid3")"
check_eq "its ExitCode is 3:0" 3:0 "$(job_get "$jid3" ExitCode)"
check "both nodes are idle at the end" poll 20 "both nodes idle" nodes_idle

t_done
