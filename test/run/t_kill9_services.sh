#!/usr/bin/env bash
# FLURM's services hold no state a crash can lose: while jobs run and wait,
# the scheduler, the node manager and the job store are killed in turn with
# SIGKILL (the store as a job ends); each comes back under the supervisor,
# and afterwards no job is lost, none ran twice (each run appends a line to
# a shared file), the running jobs finish, the pending ones run, and every
# completion is recorded (COMPLETED 0:0, or FAILED 2:0 for the job that
# exits 2).  FLURM only: slurmctld is one process.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/run/lib.sh"

if [ "$E2E_TARGET" = slurmctld ]; then
    why="kills FLURM's services one by one; the real slurmctld is a single process"
    echo "SKIP $why" # the line scripts/run-tests reports as the reason
    t_skip "$why"
fi

run_cluster 2
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

# job.sh LABEL EXIT-CODE: one line per run, then waits for go.LABEL.
cat >"$W/job.sh" <<'EOF'
#!/bin/bash
#SBATCH --mem=50
echo "$1 $SLURM_JOB_ID" >>runs
while [ ! -e "go.$1" ]; do sleep 0.2; done
exit "$2"
EOF
labels=(j1 j2 j3 j4 j5 j6)
declare -A id
for l in "${labels[@]}"; do
    rc=0
    [ "$l" = j3 ] && rc=2
    id[$l]=$(e2e_submit -J "$l" job.sh "$l" "$rc") || t_fatal "sbatch job $l"
done
runs() { awk 'END { print NR }' "$W/runs" 2>/dev/null; }
four_run() { [ "$(runs)" -ge 4 ]; }
check "four jobs run (4 CPUs), two pend" poll 30 "four jobs to start" four_run

kill9 sched
kill9 nodes
touch "$W/go.j1" "$W/go.j2"
kill9 store

for l in "${labels[@]}"; do touch "$W/go.$l"; done
all_done() {
    e2e_run squeue -h -o %i
    [ "$RC" -eq 0 ] && [ -z "$OUT" ]
}
check "every job leaves the queue" poll 90 "the queue to empty" all_done
for l in "${labels[@]}"; do
    want="COMPLETED 0:0"
    [ "$l" = j3 ] && want="FAILED 2:0"
    check_eq "job $l (${id[$l]}): $want" "$want" "$(job_state "${id[$l]}") $(job_get "${id[$l]}" ExitCode)"
done
check_eq "every job ran exactly once" "$(for l in "${labels[@]}"; do echo "$l ${id[$l]}"; done)" \
    "$(sort "$W/runs")"
# The last epilogs and the restarted node manager's registration round
# may still be under way when the queue is empty.
both_idle() { [ "$(sinfo -h -N -o '%N %t' 2>/dev/null | tr '\n' ' ')" = "n1 idle n2 idle " ]; }
poll 30 "both nodes to be idle" both_idle
e2e_run sinfo -h -N -o "%N %t"
check_eq "both nodes are idle again" "n1 idle
n2 idle" "$OUT"

t_done
