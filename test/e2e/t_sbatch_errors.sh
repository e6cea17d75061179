#!/usr/bin/env bash
# Invalid submissions get exactly what the real slurmctld gives them: the
# same stderr text, the same exit status and no job.  Some are refused by
# sbatch itself (bad --time, unknown option, no #!), the others by the
# controller, whose reason the client prints ("Batch job submission failed:
# Invalid partition name specified").  Requests that slurmctld accepts
# although they can never run (more nodes than the partition has, a time
# limit above MaxTime) are accepted and stay pending with SLURM's reason.
#
# The expected texts are in fixtures/sbatch_errors.expected, recorded from
# Debian's slurmctld 22.05.8 with:
#   E2E_TARGET=slurmctld E2E_RECORD=1 bash test/e2e/t_sbatch_errors.sh
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib.sh"

EXPECTED="$E2E_DIR/fixtures/sbatch_errors.expected"

# name and sbatch arguments; run in $E2E_WORK, where the fixtures are copied.
CASES=(
    "bad_partition|-p nosuch --wrap true"
    "bad_time_format|-t abc --wrap true"
    "unknown_option|--no-such-option --wrap true"
    "no_shebang|no_shebang.sh"
    "empty_script|empty.sh"
    "bad_begin|--begin=garbage --wrap true"
    "node_range_reversed|-N 3-1 --wrap true"
    "zero_tasks|-n 0 --wrap true"
    "bad_array|--array=x --wrap true"
    "memory_above_every_node|--mem=100000 --wrap true"
    "tmp_disk_above_every_node|--tmp=100 --wrap true"
    "unknown_feature|--constraint=nosuch --wrap true"
    "unknown_node|-w nosuch --wrap true"
    "node_outside_partition|-w big1 --wrap true"
)

e2e_write_conf "$T_TMP/c" fake
e2e_start
cp "$E2E_DIR/fixtures/no_shebang.sh" "$E2E_WORK/"
: >"$E2E_WORK/empty.sh"

# The expected record of NAME: "rc: N" then the stderr lines.
expected_of() {
    awk -v n="=== $1" '$0 == n { on = 1; next } /^=== / { on = 0 } on' "$EXPECTED"
}

if [ "${E2E_RECORD:-0}" = 1 ]; then
    [ "$E2E_TARGET" = slurmctld ] || t_fatal "E2E_RECORD=1 records from the real slurmctld only (E2E_TARGET=slurmctld)"
    {
        echo "# sbatch's exit status and stderr for each case of t_sbatch_errors.sh,"
        echo "# recorded from $(/usr/sbin/slurmctld -V) (E2E_RECORD=1)."
        for c in "${CASES[@]}"; do
            name=${c%%|*}
            read -ra args <<<"${c#*|}"
            e2e_run sbatch "${args[@]}"
            echo "=== $name"
            echo "rc: $RC"
            [ -n "$ERR" ] && printf '%s\n' "$ERR"
        done
    } >"$EXPECTED.tmp"
    mv "$EXPECTED.tmp" "$EXPECTED"
    t_note "recorded $EXPECTED"
fi
[ -f "$EXPECTED" ] || t_fatal "$EXPECTED is missing"

e2e_run squeue -h -o %i
jobs_before=$OUT
for c in "${CASES[@]}"; do
    name=${c%%|*}
    read -ra args <<<"${c#*|}"
    want=$(expected_of "$name")
    [ -n "$want" ] || {
        _t_result fail "$name: has an expected record in $EXPECTED"
        continue
    }
    e2e_run sbatch "${args[@]}"
    check_eq "$name (sbatch ${args[*]}): exit status" "${want%%$'\n'*}" "rc: $RC"
    want_err=$(tail -n +2 <<<"$want")
    check_eq "$name: stderr" "$want_err" "$ERR"
    check_eq "$name: nothing on stdout" "" "$OUT"
done
e2e_run squeue -h -o %i
check_eq "no refused submission left a job behind" "$jobs_before" "$OUT"

# ---- accepted although they cannot run: pending with SLURM's reason ----------
# slurmctld gives all three PartitionConfig when it evaluates them at
# submission and the specific reason after its next scheduling pass; both
# are SLURM's answer, at different moments.
too_many=$(e2e_submit -N 10 --wrap true)
check_match "more nodes than the partition has: accepted" '^[0-9]+$' "$too_many"
check_match "and pending for a partition limit" '^PENDING Partition(NodeLimit|Config)$' \
    "$(show_job "$too_many" | kv JobState) $(show_job "$too_many" | kv Reason)"
too_long=$(e2e_submit -p long -t 3-00:00:00 --wrap true)
check_match "a time limit above the partition's MaxTime: accepted" '^[0-9]+$' "$too_long"
check_match "and pending for the partition's time limit" '^PENDING Partition(TimeLimit|Config)$' \
    "$(show_job "$too_long" | kv JobState) $(show_job "$too_long" | kv Reason)"
too_wide=$(e2e_submit -c 16 --wrap true)
check_match "more cpus per task than any node of the partition: accepted" '^[0-9]+$' "$too_wide"
check_eq "and pending with Reason=PartitionConfig" "PENDING PartitionConfig" \
    "$(show_job "$too_wide" | kv JobState) $(show_job "$too_wide" | kv Reason)"
t_done
