#!/usr/bin/env bash
# A node whose slurmd dies (SIGKILL) is marked DOWN once it has not answered
# for SlurmdTimeout; its running jobs are dealt with as slurmctld deals with
# them: a --requeue job goes back to PENDING (Restarts=1, held back until
# the job credential's lifetime has passed) and runs again on the other
# node (SLURM_RESTART_COUNT=1) and completes; a --no-requeue job ends
# NODE_FAIL.  Restarting that slurmd brings the node back idle
# (ReturnToService=2).
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/run/lib.sh"

# AuthInfo=cred_expire=10: a requeued job may start again only once the
# credential of its first launch has expired (default 120 s).
run_cluster 2 "SlurmdTimeout=10
AuthInfo=cred_expire=10
$RUN_QUICK_SCHED"
W=$E2E_WORK

cat >"$W/job.sh" <<'EOF'
#!/bin/bash
#SBATCH --mem=50
echo "$1 $SLURM_JOB_ID $(hostname) ${SLURM_RESTART_COUNT:-0}" >>runs
while [ ! -e "go.$1" ]; do sleep 0.2; done
EOF
runs_of() { awk -v l="$1" '$1 == l' "$W/runs" 2>/dev/null; }
ran() { [ "$(runs_of "$1" | wc -l)" -ge "$2" ]; }

rq=$(e2e_submit --requeue -J rq job.sh rq) || t_fatal "sbatch --requeue"
check "the --requeue job starts" poll 30 "rq to start" ran rq 1
host=$(job_get "$rq" BatchHost)
case $host in n1) other=n2 ;; n2) other=n1 ;; *) t_fatal "the --requeue job runs on n1 or n2 (BatchHost='$host')" ;; esac
nf=$(e2e_submit --no-requeue -w "$host" -J nf job.sh nf) || t_fatal "sbatch --no-requeue"
check "the --no-requeue job starts on the same node" poll 30 "nf to start" ran nf 1

t0=$(date +%s)
cluster_kill_node "$host"
down() { [ "$(node_state "$host")" = "down*" ]; }
check "$host goes DOWN (down*) after SlurmdTimeout" poll 45 "$host to be down*" down
check "it was not marked DOWN before SlurmdTimeout ($(($(date +%s) - t0)) s)" test $(($(date +%s) - t0)) -ge 10
check_match "scontrol: $host's Reason says it stopped responding" '^Not responding' "$(show_node "$host" | kv Reason)"

check "the --no-requeue job ends NODE_FAIL" wait_state 20 "$nf" NODE_FAIL
requeued() { [ "$(job_get "$rq" Restarts)" = 1 ]; }
check "the --requeue job is requeued (Restarts=1)" poll 20 "rq's Restarts=1" requeued
check "the --requeue job runs again" poll 60 "rq's second run" ran rq 2
check_eq "the second run is on $other, with SLURM_RESTART_COUNT=1" "rq $rq $other 1" "$(runs_of rq | sed -n 2p)"
check_eq "scontrol: RUNNING on $other" "RUNNING $other" "$(job_state "$rq") $(job_get "$rq" NodeList)"
touch "$W/go.rq" "$W/go.nf"
check "the requeued job completes" wait_state 30 "$rq" COMPLETED
check_eq "its ExitCode is 0:0" 0:0 "$(job_get "$rq" ExitCode)"
check_eq "it ran twice, no more" 2 "$(runs_of rq | wc -l)"

check "slurmd of $host starts again" cluster_start_node "$host"
idle() { [ "$(node_state "$host")" = idle ]; }
check "$host comes back idle (ReturnToService=2)" poll 40 "$host to be idle" idle
e2e_run sinfo -h -N -o "%N %t"
check_eq "both nodes are idle" "n1 idle
n2 idle" "$OUT"

t_done
