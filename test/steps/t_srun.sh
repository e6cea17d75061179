#!/usr/bin/env bash
# srun creates its own allocation and runs its tasks on real slurmd:
# `srun -N2 hostname` runs once on each node, `srun -n4 -l hostname` labels
# tasks 0-3 laid out in blocks (two per 2-CPU node), standard input reaches
# the task and standard output and error come back separately, srun exits
# with the task's exit code (1 for false, 7 for exit 7) and reports the
# failed task, and the allocation is released when srun ends: the queue is
# empty, the job is COMPLETED (FAILED with the exit code for a failing
# task) and the nodes are idle again.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/steps/lib.sh"

steps_cluster 2

e2e_run srun -N2 hostname
check_eq "srun -N2 hostname exits 0" 0 "$RC"
check_eq "srun -N2 hostname prints n1 and n2" "n1
n2" "$(sort <<<"$OUT")"
check_eq "on idle nodes the allocation is immediate: srun never says it waits" "" \
    "$(grep -E 'queued and waiting|Pending job allocation' <<<"$ERR")"
check_eq "srun -N2 hostname's stderr has nothing of the tasks" "" "$(grep -v '^srun: ' <<<"$ERR")"

e2e_run srun -n4 -l hostname
check_eq "srun -n4 -l hostname exits 0" 0 "$RC"
check_eq "srun -n4 -l labels tasks 0-3, two per node in blocks" "0: n1
1: n1
2: n2
3: n2" "$(sort <<<"$OUT")"

e2e_run srun -n3 sh -c 'echo "$SLURM_PROCID $SLURM_NTASKS $SLURM_STEP_ID $SLURM_NNODES"'
check_eq "each task sees its rank, the task count, step 0 and the node count" "0 3 0 2
1 3 0 2
2 3 0 2" "$(sort <<<"$OUT")"

run_stdin "x" srun cat
check_eq "echo x | srun cat: stdin reaches the task (exit $RC)" "x" "$OUT"

e2e_run srun sh -c 'echo to-stdout; echo to-stderr >&2'
check_eq "the task's stdout is srun's stdout" "to-stdout" "$OUT"
check_eq "the task's stderr is srun's stderr (srun's own lines aside)" "to-stderr" "$(grep -v '^srun: ' <<<"$ERR")"

e2e_run srun sh -c 'echo "$SLURM_JOB_ID"'
jid=$OUT
check_match "SLURM_JOB_ID is set in the task" '^[0-9]+$' "$jid"
check "the allocation is released when srun ends: the queue is empty" poll 20 "the queue to empty" queue_empty
check_eq "the srun job is COMPLETED" COMPLETED "$(job_state "$jid")"
check_eq "its ExitCode is 0:0" 0:0 "$(job_get "$jid" ExitCode)"
check_match "it ran on one node" '^n[12]$' "$(job_get "$jid" NodeList)"
check_eq "it is not a batch job" 0 "$(job_get "$jid" BatchFlag)"
check "both nodes are idle again" poll 20 "both nodes idle" nodes_idle

e2e_run srun false
check_eq "srun false exits 1" 1 "$RC"
check_match "srun names the failed task" 'srun: error: n[12]: task 0: Exited with exit code 1' "$ERR"

e2e_run srun sh -c 'echo "$SLURM_JOB_ID"; exit 7'
check_eq "srun sh -c 'exit 7' exits 7" 7 "$RC"
jid7=$OUT
check "the failed srun job leaves the queue" poll 20 "the queue to empty" queue_empty
check_eq "the job of a task that exits 7 is FAILED" FAILED "$(job_state "$jid7")"
check_eq "its ExitCode is 7:0" 7:0 "$(job_get "$jid7" ExitCode)"
check "both nodes are idle at the end" poll 20 "both nodes idle" nodes_idle

t_done
