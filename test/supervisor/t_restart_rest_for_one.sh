#!/usr/bin/env bash
# Under rest_for_one, when a child dies, the children started after it are
# stopped (last first) and all of them are started again in order; the
# children started before it are untouched.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "strategy": "rest_for_one", "intensity": 10, "period": 10,
          "backoff_min": 50,
  "children": [
    {"name": "a", $(ready_child_args va)},
    {"name": "b", $(ready_child_args vb)},
    {"name": "c", $(ready_child_args vc)},
    {"name": "d", $(ready_child_args vd)}
  ]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"

a=$(svc_field a pid) b=$(svc_field b pid) c=$(svc_field c pid) d=$(svc_field d pid)
kill -KILL "$b"
wait_for 5 "d to be restarted" svc_new_pid d "$d"
wait_for 5 "b, c, d ready" eval 'svc_is b ready && svc_is c ready && svc_is d ready'

check_eq "the child before the failed one keeps its pid" "$a" "$(svc_field a pid)"
check_ne "the failed child has a new pid" "$b" "$(svc_field b pid)"
check_ne "the next child was restarted too" "$c" "$(svc_field c pid)"
check_ne "and the last one" "$d" "$(svc_field d pid)"
check "the old pids of c and d are gone" eval "! kill -0 $c 2>/dev/null && ! kill -0 $d 2>/dev/null"
check_eq "restart counts a b c d" "0 1 1 1" \
    "$(svc_field a restarts) $(svc_field b restarts) $(svc_field c restarts) $(svc_field d restarts)"

# The order of the steps, from the log: d stopped before c, then b, c, d
# started in that order.
order=$(grep -oE "\b[a-d]: (ready -> stopping|backoff -> starting|stopped -> starting)" "$LOG" |
    sed 's/ready -> stopping/stop/; s/backoff -> starting/start/; s/stopped -> starting/start/' |
    tail -n 5 | tr '\n' ' ')
check_eq "steps: stop d, stop c, start b, start c, start d" \
    "d: stop c: stop b: start c: start d: start " "$order"

check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"
check "no process of the tree is left" no_run_procs
t_done
