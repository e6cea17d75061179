#!/usr/bin/env bash
# Jobs really run on an unmodified slurmd (scripts/flurm-local: the whole
# FLURM tree and one slurmd): sbatch's script is launched by the node
# manager's REQUEST_BATCH_JOB_LAUNCH and writes its output file; while it
# runs the node is `mix` with CPUAlloc / AllocMem of the job; scancel -b
# -s USR1 reaches the batch script (REQUEST_SIGNAL_TASKS); a node manager
# killed with -9 mid-job comes back without launching the job a second
# time; scancel ends it, the node is idle again (REQUEST_TERMINATE_JOB,
# slurmd's "already complete" taken as its epilog).
. "$(dirname "$0")/../../lib/testlib.sh"

[ "$(id -u)" -eq 0 ] || t_skip "slurmd runs as root (SlurmdUser=root)"
[ -x /usr/sbin/slurmd ] || t_skip "slurmd is not installed (scripts/setup)"
for c in sinfo sbatch squeue scancel scontrol munge jq; do
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
t_show_on_fail "$RUN/flurm-sup.log" "$RUN/log/slurmd.log"
t_on_exit local_cluster stop
local_cluster start >"$T_TMP/local.out" 2>&1 || t_fatal "scripts/flurm-local start: $(tail -n 5 "$T_TMP/local.out")"
export SLURM_CONF="$RUN/slurm.conf"
HOST=$(hostname -s)
SUP_LOG="$RUN/flurm-sup.log"
SLURMD_LOG="$RUN/log/slurmd.log"
WORK="$T_TMP/work"
mkdir -p "$WORK"

state() { timeout 10 sinfo -h -N -o "%N %t" 2>/dev/null | awk -v n="$HOST" '$1 == n { print $2 }'; }
state_is() { [ "$(state)" = "$1" ]; }
show() { timeout 10 scontrol show node "$HOST" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
job_state() { timeout 10 squeue -h -j "$1" -o %T 2>/dev/null; }
job_gone() { [ -z "$(job_state "$1")" ]; }
nodes_pid() { "$B/bin/flurm-sup" status -r "$RUN" --json | jq -r '.. | objects | select(.name? == "nodes") | .pid'; }
launches() { grep -c "Launching batch job $1 " "$SLURMD_LOG"; }
has_line() { grep -q "$2" "$1" 2>/dev/null; }

wait_for 30 "slurmd to register and the node to be idle" state_is idle

# ---- a short job runs and ends ------------------------------------------------------
cat >"$WORK/hello.sh" <<'EOF'
#!/bin/bash
echo "hello from job $SLURM_JOB_ID on $(hostname)"
EOF
out=$(cd "$WORK" && timeout 10 sbatch -n1 --mem=100 -o "$WORK/hello-%j.out" hello.sh)
job=${out##* }
check_match "sbatch gets a job id" '^[0-9]+$' "$job"
wait_for 20 "the job's output file" has_line "$WORK/hello-$job.out" hello
check_eq "the script ran on slurmd, %j expanded by slurmstepd" \
    "hello from job $job on $(hostname)" "$(cat "$WORK/hello-$job.out" 2>/dev/null)"
check_eq "slurmd launched it once" 1 "$(launches "$job")"
wait_for 40 "the job to leave squeue (terminate, epilog)" job_gone "$job"
wait_for 10 "the node to be idle again" state_is idle

# ---- a long job: node state, signal, node manager crash, cancel ----------------------
cat >"$WORK/long.sh" <<'EOF'
#!/bin/bash
trap 'echo got USR1' USR1
echo started
for i in $(seq 1 120); do sleep 1; done
EOF
out=$(cd "$WORK" && timeout 10 sbatch -n1 --mem=200 -o "$WORK/long-%j.out" long.sh)
long=${out##* }
wait_for 20 "the long job to start" has_line "$WORK/long-$long.out" started
check_eq "squeue shows it RUNNING" RUNNING "$(job_state "$long")"
check_eq "sinfo: one of two CPUs used is mix" mix "$(state)"
check_eq "scontrol show node: CPUAlloc" 1 "$(show CPUAlloc)"
check_eq "scontrol show node: AllocMem" 200 "$(show AllocMem)"

check "scancel -b -s USR1 succeeds" timeout 10 scancel -b -s USR1 "$long"
wait_for 10 "the batch script to get USR1" has_line "$WORK/long-$long.out" "got USR1"
check_file_match "the batch script got USR1" "got USR1" "$WORK/long-$long.out"

pid=$(nodes_pid)
kill -KILL "$pid"
new_instance() {
    local p
    p=$(nodes_pid)
    [[ $p =~ ^[0-9]+$ ]] && [ "$p" != "$pid" ]
}
wait_for 10 "the supervisor to start a new node manager" new_instance
wait_for 15 "the new instance to know the node again" state_is mix
sleep 3
check_eq "the new node manager did not launch the running job again" 1 "$(launches "$long")"
check_eq "the job still runs" RUNNING "$(job_state "$long")"

check "scancel succeeds" timeout 10 scancel "$long"
wait_for 40 "the cancelled job to leave squeue" job_gone "$long"
wait_for 10 "the node to be idle" state_is idle
check_file_match "slurmd killed it" "JOB $long ON .* CANCELLED" "$SLURMD_LOG"
check_eq "CPUAlloc back to 0" 0 "$(show CPUAlloc)"

local_cluster stop >/dev/null 2>&1
check_fails "no sanitizer report in the logs" grep -qE "Sanitizer|runtime error:" "$SUP_LOG"
t_done
