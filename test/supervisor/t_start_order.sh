#!/usr/bin/env bash
# Children start one at a time, in order, each once the previous one has
# written its readiness line (a child's dependencies come before it).  A
# child that does not become ready within its ready_timeout, or closes its
# notify fd without a line, fails the start: what was started is stopped
# (last first) and flurm-sup exits 111 naming the child and the reason.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "children": [
  {"name": "first", "exec": "/bin/sh", "args": ["-c", "sleep 0.3; echo v1 >&3; exec sleep 1000"]},
  {"name": "second", $(ready_child_args v2)},
  {"name": "third", $(ready_child_args v3)}
]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"
order=$(grep -oE "(first|second|third): (started pid|starting -> ready)" "$LOG" |
    sed 's/started pid/spawn/; s/starting -> ready/ready/' | tr '\n' ' ')
check_eq "each child is spawned after the previous is ready" \
    "first: spawn first: ready second: spawn second: ready third: spawn third: ready " "$order"
t_first=$(log_time "first: started pid") t_second=$(log_time "second: started pid")
check "the second waited for the first's readiness (0.3 s)" \
    elapsed_at_least "$t_first" "$t_second" 0.29
check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"

start_fails() { # what, child spec, expected reason
    : >"$LOG"
    cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "children": [
  {"name": "before", $(ready_child_args v1)},
  {"name": "stuck", $2},
  {"name": "after", $(ready_child_args v1)}
]}}
JSON
    "$SUP" start -c "$T_TMP/sup.json" -r "$RUN" 2>>"$LOG"
    check_eq "$1: flurm-sup exits 111" 111 $?
    check_file_match "$1: the log names the child and the reason" \
        "the root supervisor root gave up: stuck failed to start: $3" "$LOG"
    check_file_match "$1: the child started before it was stopped" "before: ready -> stopping" "$LOG"
    check_eq "$1: the child after it never started" 0 "$(grep -c "after: started" "$LOG")"
    check "$1: no process of the tree is left" no_run_procs
}
start_fails "never ready" \
    '"exec": "/bin/sh", "args": ["-c", "exec sleep 1000"], "ready_timeout": 300' \
    "did not become ready within 300 ms"
start_fails "notify fd closed without a line" \
    '"exec": "/bin/sh", "args": ["-c", "exec 3>&-; exec sleep 1000"]' \
    "closed its notify fd without writing a readiness line"
start_fails "a partial line" \
    '"exec": "/bin/sh", "args": ["-c", "printf v1 >&3; exec 3>&-; exec sleep 1000"]' \
    "closed its notify fd without writing a readiness line"
t_done
