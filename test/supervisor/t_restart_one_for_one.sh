#!/usr/bin/env bash
# Under one_for_one, a permanent child killed with SIGKILL is restarted
# (new pid) after a back-off that doubles with each consecutive failure,
# and its siblings keep running untouched (same pids).
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "strategy": "one_for_one", "intensity": 10, "period": 10,
          "backoff_min": 100, "backoff_max": 1000,
  "children": [
    {"name": "a", $(ready_child_args va)},
    {"name": "b", $(ready_child_args vb)},
    {"name": "c", $(ready_child_args vc)}
  ]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"

a=$(svc_field a pid) b=$(svc_field b pid) c=$(svc_field c pid)
kill -KILL "$b"
wait_for 5 "b to be restarted" svc_new_pid b "$b"
b2=$(svc_new_pid b "$b")
check_ne "the killed child runs again under a new pid" "" "$b2"
check "the new pid is a live process" kill -0 "$b2"
check_eq "its restart is counted" 1 "$(svc_field b restarts)"
check_eq "the sibling started before it keeps its pid" "$a" "$(svc_field a pid)"
check_eq "the sibling started after it keeps its pid" "$c" "$(svc_field c pid)"
check_eq "the siblings' restart counts stay 0" "0 0" "$(svc_field a restarts) $(svc_field c restarts)"
check_file_match "the first restart is scheduled after backoff_min (100 ms)" \
    "b: ready -> backoff: killed by signal 9 .* in 100 ms \(one_for_one\)" "$LOG"
t_down=$(log_time "b: ready -> backoff") t_up=$(log_time "b: backoff -> starting")
check "and really waits 100 ms ($t_down -> $t_up)" elapsed_at_least "$t_down" "$t_up" 0.095

kill -KILL "$b2"
wait_for 5 "b to be restarted again" svc_new_pid b "$b2"
check_file_match "the second consecutive failure doubles the back-off (200 ms)" \
    "b: ready -> backoff: killed by signal 9 .* in 200 ms" "$LOG"
t_down=$(log_time "b: ready -> backoff") t_up=$(log_time "b: backoff -> starting")
check "and really waits 200 ms ($t_down -> $t_up)" elapsed_at_least "$t_down" "$t_up" 0.195
check_eq "after two kills the restart count is 2" 2 "$(svc_field b restarts)"
check_eq "a still has its first pid" "$a" "$(svc_field a pid)"

check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"
check "no process of the tree is left" no_run_procs
t_done
