#!/usr/bin/env bash
# bench/srun_run.sh — how long `srun -N2 true` takes, FLURM and the real
# slurmctld side by side in one run (issue 5's number): the whole life of an
# interactive job — allocation, step creation with its signed credential,
# launch on two unmodified slurmd, step completion, release — as a user
# waits for it.
#
#   B=build bench/srun_run.sh           (bench/run --jobs calls it too)
#
# For each controller: a fresh two-node cluster of real slurmd
# (test/lib/cluster.sh), the controller started on its slurm.conf as the
# tests start it (test/run/lib.sh's run_cluster: FLURM, or the real
# slurmctld with E2E_TARGET=slurmctld), a few warm-up runs, then
# BENCH_SRUN_RUNS timed runs of `srun -N2 true`, each after the previous
# job's nodes are idle again.  Prints min / median / p90 / max wall time per
# side and the ratio of the medians.  Nothing is asserted.
#
# Environment: B [build], BENCH_SIDES ["flurm slurmctld"], BENCH_SRUN_RUNS [20].
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_SRUN_RUNS:-20}

# ---- one side (run as a test-library script, E2E_TARGET says which) ----------
if [ -n "${BENCH_SRUN_SIDE:-}" ]; then
    . "$ROOT/test/lib/testlib.sh"
    . "$ROOT/test/run/lib.sh"
    run_cluster 2 >&2
    nodes_idle() { [ -z "$(sinfo -h -o %T 2>/dev/null | grep -v '^idle$')" ]; }
    for ((i = 0; i < 3; i++)); do # warm-up: caches, first connections
        timeout 30 srun -N2 true >/dev/null 2>&1
        wait_for 30 "the nodes to be idle" nodes_idle
    done
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        timeout 30 srun -N2 true >/dev/null 2>&1
        rc=$?
        t1=$(date +%s%N)
        echo "sample $rc $(((t1 - t0) / 1000))" >>"$BENCH_SRUN_OUT"
        wait_for 30 "the nodes to be idle" nodes_idle
    done
    check "every timed srun exited 0" test -z "$(awk '$2 != 0' "$BENCH_SRUN_OUT")"
    t_done
fi

stats() { # file: the microsecond samples of the runs that exited 0
    awk '$1 == "sample" && $2 == 0 { print $3 }' "$1" | sort -n |
        awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "n/a n/a n/a n/a 0"; exit }
            p = int(0.9 * NR + 0.999); if (p < 1) p = 1
            printf "%.1f %.1f %.1f %.1f %d\n", v[1] / 1000, v[int((NR + 1) / 2)] / 1000,
                   v[p] / 1000, v[NR] / 1000, NR }'
}

DIR=$(mktemp -d "${TMPDIR:-/tmp}/flurm-srun.XXXXXX")
declare -A RES
for side in ${BENCH_SIDES:-flurm slurmctld}; do
    out=$DIR/$side.samples
    : >"$out"
    if ! BENCH_SRUN_SIDE=1 BENCH_SRUN_OUT=$out E2E_TARGET=$side B=${B:-build} \
        bash "${BASH_SOURCE[0]}" >"$DIR/$side.log" 2>&1; then
        echo "srun_run: $side did not run (see $DIR/$side.log)" >&2
    fi
    RES[$side]=$(stats "$out")
done

printf '%-34s %12s %12s %8s\n' "srun -N2 true, ms (${RUNS} runs)" FLURM slurmctld ratio
i=0
for metric in min median p90 max; do
    f=$(awk -v k=$((i + 1)) '{ print $k }' <<<"${RES[flurm]:-n/a n/a n/a n/a 0}")
    s=$(awk -v k=$((i + 1)) '{ print $k }' <<<"${RES[slurmctld]:-n/a n/a n/a n/a 0}")
    r=$(awk -v a="$f" -v b="$s" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')
    printf '%-34s %12s %12s %8s\n' "  $metric" "$f" "$s" "$r"
    i=$((i + 1))
done
printf '%-34s %12s %12s\n' "  runs that exited 0" "$(awk '{ print $5 }' <<<"${RES[flurm]:-x x x x 0}")" \
    "$(awk '{ print $5 }' <<<"${RES[slurmctld]:-x x x x 0}")"
echo "samples and logs: $DIR"
