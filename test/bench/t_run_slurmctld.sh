#!/usr/bin/env bash
# bench/run, on the real slurmctld alone with small counts, measures every
# phase and prints the table (metric | FLURM | slurmctld | ratio) with a
# number in each slurmctld cell, n/a for the controller it did not run, and
# the same table as TSV in the run folder.
. "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)/test/lib/testlib.sh"
. "$T_ROOT/test/bench/lab.sh"

[ -x /usr/sbin/slurmctld ] || t_skip "slurmctld is not installed"
[ -f "$LAB_SCRIPT" ] || t_skip "$LAB_SCRIPT not found (set SLURM_LAB)"
[ -x "$B/bench/submit" ] || t_fatal "$B/bench/submit is not built"

run=$T_TMP/run
out=$(BENCH_DIR=$run BENCH_SIDES=slurmctld BENCH_SEQ=10 BENCH_PAR_WORKERS=2 BENCH_PAR_PER=5 \
    BENCH_REPS=2 BENCH_QUEUE=500 BENCH_QUERY_RUNS=3 BENCH_RATE_COUNT=64 BENCH_MUNGE_COUNT=300 SLURM_LAB=$LAB_SCRIPT \
    BENCH_SLURMCTLD_PORT="$(t_free_port)" "$T_ROOT/bench/run" 2>"$T_TMP/stderr")
rc=$?
t_show_on_fail "$T_TMP/stderr" "$run/bench.log"
check_eq "bench/run exits 0" 0 "$rc"
check_match "the table has its header" '^metric +FLURM +slurmctld +ratio' "$out"
rows=$(grep -cE '^(seq|par|fill|jobs|squeue|sinfo|scontrol|queries|idle)' <<<"$out")
check_eq "the table has 21 rows of the query phases" 21 "$rows"
bad=$(grep -E '^(seq|par|fill|jobs|squeue|sinfo|scontrol|queries|idle)' <<<"$out" |
    awk '{ if ($(NF - 1) !~ /^[0-9]+(\.[0-9]+)?$/ || $(NF - 2) != "n/a") print }')
check_eq "every slurmctld cell is a number, every FLURM cell n/a" "" "$bad"
check_match "the queue was filled to 500 jobs" 'jobs in queue +n/a +500 ' "$out"
check_match "the FLURM side says why it is n/a" 'flurm: n/a: ' "$out"
for c in 1 8 64; do
    check_match "submissions at $c clients: slurmctld's rate" "submit x$c \\(64\\): jobs/s +n/a +[0-9.]+ " "$out"
    check_match "submissions at $c clients: controller CPU per job" "submit x$c: controller CPU ms/job +n/a +[0-9.]+ " "$out"
    check_match "the munge-only limit at $c clients, the machine's, in both columns" \
        "munge-only limit x$c: RPC/s +([0-9.]+) +\\1 +- *$" "$(grep "munge-only limit x$c:" <<<"$out")"
done
check_match "squeue's server time from sdiag" 'squeue server ms \(sdiag REQUEST_JOB_INFO\) +n/a +[0-9.]+ ' "$out"
before=$(awk '/^restart: jobs before/ { print $(NF - 1) }' <<<"$out")
check_match "restart: the jobs before the kill -9 are counted" '^[1-9][0-9]*$' "$before"
check_match "restart: slurmctld comes back with every job" "restart: jobs after +n/a +$before " "$out"
check_match "restart: time to ping" 'restart: to scontrol ping s +n/a +[0-9.]+ ' "$out"
check_match "restart: time to squeue" 'restart: to squeue s +n/a +[0-9.]+ ' "$out"
check_eq "summary.tsv has a header and 45 rows" 46 "$(wc -l <"$run/summary.tsv")"
check_eq "results.tsv: 2 seq repetitions timed" 2 \
    "$(awk -F'\t' '$1 == "slurmctld" && $2 == "seq" && $3 == "wall_s"' "$run/results.tsv" | wc -l)"
check_eq "results.tsv: 3 squeue runs timed" 3 \
    "$(awk -F'\t' '$1 == "slurmctld" && $2 == "query" && $3 == "squeue"' "$run/results.tsv" | wc -l)"
check_eq "no submission failed" "" \
    "$(awk -F'\t' '$3 == "failed" && $5 != 0' "$run/results.tsv")"
check_eq "the controller it started is stopped" "" \
    "$(awk '$1 == "slurmctld" { print $2 }' "$run/slurmctld/pids" 2>/dev/null)"
t_done
