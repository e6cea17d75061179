#!/usr/bin/env bash
# A child that keeps crashing exhausts its supervisor's restart intensity:
# the nested supervisor stops its children and fails to its parent, which
# restarts it (counted against the parent's own intensity); when the root's
# intensity is exhausted too, it stops everything and flurm-sup exits
# non-zero (111) with a log line saying why.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "strategy": "one_for_one", "intensity": 1, "period": 60,
          "backoff_min": 20,
  "children": [
    {"name": "steady", $(ready_child_args v1)},
    {"name": "inner", "strategy": "one_for_one", "intensity": 2, "period": 60,
     "backoff_min": 20, "backoff_max": 40,
     "children": [
       {"name": "crasher", "exec": "/bin/sh",
        "args": ["-c", "echo v1 >&\$FLURM_NOTIFY_FD; sleep 0.15; exit 3"]}
     ]}
  ]}}
JSON
"$SUP" start -c "$T_TMP/sup.json" -r "$RUN" 2>>"$LOG" &
sup=$!
wait_for 20 "flurm-sup to exit" eval "! kill -0 $sup 2>/dev/null"
wait "$sup"
rc=$?

check_eq "flurm-sup exits 111 (temporary failure) once the root gives up" 111 "$rc"
check_eq "the nested supervisor gave up twice (its own intensity, twice)" 2 \
    "$(grep -c "inner: giving up: reached maximum restart intensity (more than 2 restarts within 60 s); last: crasher exited with status 3" "$LOG")"
check_eq "each time after 3 crashes of its child (6 in all)" 6 \
    "$(grep -c "crasher: pid [0-9]* exited with status 3" "$LOG")"
check_file_match "the root restarted the failed supervisor once (intensity 1)" \
    "inner: stopping -> backoff: reached maximum restart intensity .*restart 1 of 1 allowed" "$LOG"
check_file_match "then the root gave up, naming the failing child" \
    "root: giving up: reached maximum restart intensity \(more than 1 restarts within 60 s\); last: inner " "$LOG"
check_file_match "and flurm-sup says it exits 111" \
    "the root supervisor root gave up: .*; flurm-sup exits 111" "$LOG"
check_eq "the healthy sibling was never restarted" 1 "$(grep -c "steady: started pid" "$LOG")"
check_file_match "the healthy sibling was stopped on the way out" "steady: ready -> stopping" "$LOG"
check "no process of the tree is left" no_run_procs
check "no pid file is left" test ! -e "$RUN/flurm-sup.pid"
t_done
