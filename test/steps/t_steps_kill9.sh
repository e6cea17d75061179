#!/usr/bin/env bash
# FLURM's services hold no step state a crash can lose: while a batch job's
# step and an srun's step run, the scheduler, then the node manager, then
# the job store are killed with SIGKILL; each comes back under the
# supervisor, squeue -s still lists every running step, the steps finish
# and report their exit codes, the batch script's next step is created by
# the new node manager, the srun's allocation is released, every job is
# COMPLETED 0:0, each step ran exactly once, a new srun runs on both nodes
# and the nodes end idle.  FLURM only: slurmctld is one process.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/steps/lib.sh"

if [ "$E2E_TARGET" = slurmctld ]; then
    why="kills FLURM's services one by one; the real slurmctld is a single process"
    echo "SKIP $why" # the line scripts/run-tests reports as the reason
    t_skip "$why"
fi

steps_cluster 2
W=$E2E_WORK
RUN=$CLUSTER_HOME/flurm

# The pid of service NAME in `flurm-sup status --json`, if it is ready.
svc_pid() {
    "${E2E_CLEAN_ENV[@]}" "$B/bin/flurm-sup" status -r "$RUN" --json 2>/dev/null | python3 -c '
import json, sys
doc = json.load(sys.stdin)
doc = doc.get("body", doc)
def walk(node):
    if node.get("name") == sys.argv[1] and node.get("kind") == "service":
        if node.get("state") == "ready" and node.get("pid"):
            print(node["pid"])
        return True
    return any(walk(c) for c in node.get("children") or [])
walk(doc["tree"])' "$1"
}
back() { # NAME OLD-PID: a new instance is ready
    local pid
    pid=$(svc_pid "$1") && [ -n "$pid" ] && [ "$pid" != "$2" ]
}
kill9() { # NAME
    local pid
    pid=$(svc_pid "$1")
    check_match "the $1 service runs (pid $pid)" '^[0-9]+$' "$pid" || return 1
    kill -KILL "$pid"
    check "the $1 service is restarted after kill -9" poll 30 "a new $1 instance" back "$1" "$pid"
}

# A two-node batch job: step 0 on both nodes waits for go.J.0, then step 1
# is created; every task run appends a line to "runs".
cat >"$W/steps.sh" <<'EOF2'
#!/bin/bash
#SBATCH -N2 --mem=50
srun -N2 sh -c '
    echo "$SLURM_JOB_ID.$SLURM_STEP_ID $(hostname)" >>runs
    touch "running.$SLURM_JOB_ID.0.$(hostname)"
    while [ ! -e "go.$SLURM_JOB_ID.0" ]; do sleep 0.1; done'
echo "step0 $?" >>"rc.$SLURM_JOB_ID"
srun -N1 -n1 sh -c 'echo "$SLURM_JOB_ID.$SLURM_STEP_ID $(hostname)" >>runs; exit 0'
echo "step1 $?" >>"rc.$SLURM_JOB_ID"
EOF2
bid=$(e2e_submit steps.sh) || t_fatal "sbatch steps.sh is accepted"
check "the batch job's step 0 runs on both nodes" poll 30 "step 0 to start" \
    test -e "$W/running.$bid.0.n1" -a -e "$W/running.$bid.0.n2"

# An srun that made its own allocation, waiting for go.srun.
(cd "$W" && exec timeout -k 5 120 srun -n1 --mem=50 -J interactive sh -c '
    echo "$SLURM_JOB_ID.$SLURM_STEP_ID $(hostname)" >>runs
    echo "$SLURM_JOB_ID" >srun.id
    while [ ! -e go.srun ]; do sleep 0.1; done') \
    >"$T_TMP/srun.out" 2>"$T_TMP/srun.err" </dev/null &
srun_pid=$!
check "the srun's task runs" wait_file 30 "$W/srun.id"
sid=$(cat "$W/srun.id")
steps_before="$bid.0
$bid.batch
$sid.0"
steps_now() { # the steps of both jobs
    { job_steps "$bid"; job_steps "$sid"; } | LC_ALL=C sort
}
check_eq "squeue -s lists both jobs' steps" "$steps_before" "$(steps_now)"

kill9 sched
check_eq "after the scheduler's restart squeue -s still lists every step" "$steps_before" "$(steps_now)"
kill9 nodes
check_eq "after the node manager's restart squeue -s still lists every step" "$steps_before" "$(steps_now)"
kill9 store
check_eq "after the job store's restart squeue -s still lists every step" "$steps_before" "$(steps_now)"
check_eq "the batch job is still RUNNING" RUNNING "$(job_state "$bid")"
check_eq "the srun job is still RUNNING" RUNNING "$(job_state "$sid")"

touch "$W/go.$bid.0" "$W/go.srun"
wait "$srun_pid"
check_eq "the srun exits 0 once its task has" 0 "$?"
check "the batch job completes (its step 1 was created after the restarts)" wait_state 30 "$bid" COMPLETED
check_eq "the batch job's ExitCode is 0:0" 0:0 "$(job_get "$bid" ExitCode)"
check_eq "the batch script saw both steps succeed" "step0 0
step1 0" "$(cat "$W/rc.$bid" 2>/dev/null)"
check "the srun's allocation is released" wait_state 20 "$sid" COMPLETED
check_eq "the srun job's ExitCode is 0:0" 0:0 "$(job_get "$sid" ExitCode)"
check_eq "every task ran exactly once" "$bid.0 n1
$bid.0 n2
$bid.1 n1
$sid.0 n1" "$(LC_ALL=C sort "$W/runs")"

e2e_run srun -N2 hostname
check_eq "a new srun runs on both nodes" "n1
n2" "$(sort <<<"$OUT")"
check "the queue empties" poll 20 "the queue to empty" queue_empty
check "both nodes are idle at the end" poll 20 "both nodes idle" nodes_idle

t_done
