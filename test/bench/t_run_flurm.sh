#!/usr/bin/env bash
# bench/run measures FLURM as a whole process tree: with small counts on
# FLURM alone it prints a number in every FLURM cell, its memory log names
# flurm-sup and every service, and it stops the tree it started.
. "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)/test/lib/testlib.sh"

[ -x "$B/bin/flurm-sup" ] || t_skip "$B/bin/flurm-sup is not built"
[ -f "$T_ROOT/conf/flurm-sup.json" ] || t_skip "conf/flurm-sup.json does not exist"
[ -x "$B/bench/submit" ] || t_fatal "$B/bench/submit is not built"
command -v sbatch >/dev/null || t_skip "the SLURM clients are not installed"

run=$T_TMP/run
out=$(BENCH_DIR=$run BENCH_SIDES=flurm BENCH_SEQ=10 BENCH_PAR_WORKERS=2 BENCH_PAR_PER=5 \
    BENCH_REPS=2 BENCH_QUEUE=500 BENCH_QUERY_RUNS=3 BENCH_RATE_COUNT=64 BENCH_MUNGE_COUNT=300 BENCH_FLURM_PORT="$(t_free_port)" \
    "$T_ROOT/bench/run" 2>"$T_TMP/stderr")
rc=$?
t_show_on_fail "$T_TMP/stderr" "$run/bench.log" "$run/flurm.out"
check_eq "bench/run exits 0" 0 "$rc"
bad=$(grep -E '^(seq|par|fill|jobs|squeue|sinfo|scontrol|queries|idle)' <<<"$out" |
    awk '{ if ($(NF - 2) !~ /^[0-9]+(\.[0-9]+)?$/ || $(NF - 1) != "n/a") print }')
check_eq "every FLURM cell is a number, every slurmctld cell n/a" "" "$bad"
check_match "the queue was filled to 500 jobs" 'jobs in queue +500 +n/a ' "$out"
for c in 1 8 64; do
    check_match "durable submissions at $c clients: FLURM's rate" "submit x$c \\(64\\): jobs/s +[0-9.]+ +n/a " "$out"
    check_match "as a fraction of the munge-only limit" "submit x$c: fraction of munge limit +[0-9.]+ +n/a " "$out"
done
before=$(awk '/^restart: jobs before/ { print $(NF - 2) }' <<<"$out")
check_match "restart: the jobs before the kill -9 are counted" '^[1-9][0-9]*$' "$before"
check_match "restart: FLURM comes back with every job" "restart: jobs after +$before +n/a " "$out"
check_match "restart: time to ping" 'restart: to scontrol ping s +[0-9.]+ +n/a ' "$out"
check_match "restart: time to squeue" 'restart: to squeue s +[0-9.]+ +n/a ' "$out"
line=$(grep -m1 'flurm RSS before the queries' "$run/bench.log")
check_match "the memory log counts flurm-sup" 'flurm-sup [0-9.]+MB' "$line"
for svc in "$T_ROOT"/services/*/; do
    svc=$(basename "$svc")
    check_match "the memory log counts flurm-$svc" "flurm-$svc [0-9.]+MB" "$line"
done
pid=$(cat "$run/flurm/flurm-sup.pid" 2>/dev/null)
check "the supervisor it started is gone" test -z "$pid" -o ! -d "/proc/${pid:-none}"
check_eq "no process of the run is left" "" \
    "$(grep -lsF "FLURM_RUNDIR=$run/flurm" /proc/[0-9]*/environ 2>/dev/null)"
t_done
