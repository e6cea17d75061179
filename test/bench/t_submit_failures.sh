#!/usr/bin/env bash
# bench/submit counts every submission that did not get a job id as a
# failure, says why (a refusal with the controller's code, an unreachable
# controller), and then exits non-zero; bad options exit 2 and send nothing.
. "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)/test/lib/testlib.sh"
. "$T_ROOT/test/bench/lab.sh"

[ -x "$B/bench/submit" ] || t_fatal "$B/bench/submit is not built"

port=$(t_free_port)
out=$("$B/bench/submit" --port "$port" --count 3 2>&1)
rc=$?
check_eq "nobody listening: exit 1" 1 "$rc"
check_match "nobody listening: 3 failed" 'result count=3 ok=0 failed=3 ' "$out"
check_match "nobody listening: the failure says connect was refused" \
    'first failure: request [0-9]+: connect to 127\.0\.0\.1:[0-9]+: Connection refused' "$out"

check_fails "--count 0 is refused" "$B/bench/submit" --count 0
"$B/bench/submit" --port "$port" --concurrency 0 >/dev/null 2>&1
check_eq "--concurrency 0 exits 2" 2 "$?"
"$B/bench/submit" --port 70000 >/dev/null 2>&1
check_eq "--port 70000 exits 2" 2 "$?"
"$B/bench/submit" extra-argument >/dev/null 2>&1
check_eq "a stray argument exits 2" 2 "$?"

# A controller at its MaxJobCount refuses with an error code.
lab_start LAB_MAXJOBCOUNT=5
out=$("$B/bench/submit" --port "$LAB_PORT" --count 12 --concurrency 2 2>&1)
rc=$?
check_eq "refusals: exit 1" 1 "$rc"
ok=$(sed -nE 's/^result .* ok=([0-9]+) failed=([0-9]+) .*/\1/p' <<<"$out")
failed=$(sed -nE 's/^result .* ok=([0-9]+) failed=([0-9]+) .*/\2/p' <<<"$out")
check_eq "refusals: ok and failed add up to the count" 12 "$((ok + failed))"
check_eq "refusals: as many ok as slurmctld holds jobs" "$(squeue -h -t all -o %i | wc -l)" "$ok"
check_ne "refusals: some failed" 0 "$failed"
check_match "refusals: the failure carries slurmctld's code" \
    'first failure: request [0-9]+: controller refused: rc [0-9]+' "$out"
t_done
