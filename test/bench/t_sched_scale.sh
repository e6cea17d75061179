#!/usr/bin/env bash
# bench/sched_scale.sh, with a small cluster of emulated nodes, fills the
# cluster with one job, queues the pending jobs behind it on FLURM and on
# the real slurmctld, reads one scheduling pass of each (FLURM's from its
# scheduler's sdiag lines, slurmctld's from its backfill statistics) and
# stops everything it started.
. "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)/test/lib/testlib.sh"

[ -x "$B/bench/nodeemu" ] || t_skip "$B/bench/nodeemu is not built"
[ -x "$B/bench/submit" ] || t_fatal "$B/bench/submit is not built"
[ -x "$B/bin/flurm-sup" ] || t_skip "$B/bin/flurm-sup is not built"
[ -x /usr/sbin/slurmctld ] || t_skip "slurmctld is not installed"
command -v sbatch >/dev/null || t_skip "the SLURM clients are not installed"

run=$T_TMP/run
# node ports apart from a full-size run's (20001-30000) and below the ephemeral range
base=$((30500 + RANDOM % 1000))
out=$(BENCH_DIR=$run BENCH_SCHED_NODES=20 BENCH_SCHED_JOBS=200 BENCH_SCHED_PORT_BASE=$base \
    "$T_ROOT/bench/sched_scale.sh" 2>"$T_TMP/stderr")
rc=$?
t_show_on_fail "$T_TMP/stderr" "$run/sched_scale.log"
check_eq "sched_scale exits 0" 0 "$rc"
check_match "every node registered with both" '20 nodes registered s +[0-9.]+ +[0-9.]+ ' "$out"
check_match "both hold the 200 jobs pending" 'pending jobs +200 +200 ' "$out"
check_match "one pass of each was read" 'one pass s \(FLURM: its pass; slurmctld: backfill\) +[0-9.]+ +[0-9.]+ ' "$out"
# the harness holds one job to cause the pass: 199 are left to decide
check_match "FLURM's pass looked at every pending job but the held one" 'jobs that pass looked at +199 ' "$out"
check_match "the offline pass is a row" 'offline pass \(bench/sched_cycle\): first ms +[0-9.]+ ' "$out"
check_eq "no emulator is left" "" "$(pgrep -f "nodeemu -f $run/" || true)"
check_eq "no controller of the run is left" "" "$(pgrep -f "$run/" || true)"
t_done
