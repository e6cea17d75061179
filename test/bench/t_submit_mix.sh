#!/usr/bin/env bash
# bench/submit drives a mix of RPCs (submit, squeue's job info, sinfo's node
# info, scontrol ping) and every one of them is answered with its success
# reply by the real slurmctld; it reports each type's count and latency,
# the controller tree's CPU and peak memory with --ctl-pid, and the
# munge-only limit without any controller.  Bad mixes exit 2.
. "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)/test/lib/testlib.sh"
. "$T_ROOT/test/bench/lab.sh"

[ -x "$B/bench/submit" ] || t_fatal "$B/bench/submit is not built"

"$B/bench/submit" --mix submit=1,bogus=2 >/dev/null 2>&1
check_eq "an unknown request type exits 2" 2 "$?"
"$B/bench/submit" --mix submit=0 >/dev/null 2>&1
check_eq "a mix without weight exits 2" 2 "$?"
"$B/bench/submit" --client-encode >/dev/null 2>&1
check_eq "--client-encode without --munge-only exits 2" 2 "$?"

out=$("$B/bench/submit" --munge-only --count 200 --concurrency 4 2>&1)
check_eq "munge-only exits 0" 0 "$?"
check_match "munge-only: every request decoded and answered" \
    'result mode=munge_only count=200 ok=200 failed=0 concurrency=4 .*ops_per_s=[1-9][0-9.]*' "$out"
out=$("$B/bench/submit" --munge-only --client-encode --count 50 2>&1)
check_match "munge-only with the client's encode" 'ok=50 failed=0 .*client_encode=1' "$out"

lab_start
pid=$(awk '$1 == "slurmctld" { print $2 }' "$LAB_DIR/pids")
out=$("$B/bench/submit" --port "$LAB_PORT" --count 40 --concurrency 4 \
    --mix submit=4,job_info=2,node_info=1,ping=1 --ctl-pid "$pid" 2>&1)
rc=$?
check_eq "the mix exits 0" 0 "$rc"
check_match "40 requests, all answered" 'result count=40 ok=40 failed=0 ' "$out"
check_match "the mix's submissions: 20" 'result_type type=submit count=20 ok=20 failed=0 ' "$out"
check_match "job info: 10, each the job list" 'result_type type=job_info count=10 ok=10 failed=0 ' "$out"
check_match "node info: 5" 'result_type type=node_info count=5 ok=5 failed=0 ' "$out"
check_match "ping: 5" 'result_type type=ping count=5 ok=5 failed=0 ' "$out"
check_eq "slurmctld holds the 20 submitted jobs" 20 "$(squeue -h -t all -o %i | wc -l)"
check_match "the controller's CPU and peak memory are reported" \
    ' ctl_cpu_s=[0-9.]+ ctl_cpu_ms_per_rpc=[0-9.]+ ctl_peak_kb=[1-9][0-9]*' "$out"

# --nodes / --time-limit shape the jobs as sbatch -N / -t do
out=$("$B/bench/submit" --port "$LAB_PORT" --count 3 --no-hold --nodes 1 --time-limit 30 2>&1)
check_match "3 shaped jobs" 'ok=3 failed=0' "$out"
check_eq "they have a 30-minute limit and one node" 3 "$(squeue -h -t all -o '%D %l' | grep -cx '1 30:00')"
t_done
