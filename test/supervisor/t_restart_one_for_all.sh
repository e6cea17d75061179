#!/usr/bin/env bash
# Under one_for_all, when a child dies every sibling is stopped (last
# started first) and all are started again in order; a temporary sibling
# taken down this way is not started again (OTP).
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "strategy": "one_for_all", "intensity": 10, "period": 10,
          "backoff_min": 50,
  "children": [
    {"name": "a", $(ready_child_args va)},
    {"name": "b", $(ready_child_args vb)},
    {"name": "t", $(ready_child_args vt), "restart": "temporary"},
    {"name": "c", $(ready_child_args vc)}
  ]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"

a=$(svc_field a pid) b=$(svc_field b pid) c=$(svc_field c pid) t=$(svc_field t pid)
kill -KILL "$b"
wait_for 5 "a to be restarted" svc_new_pid a "$a"
wait_for 5 "a, b, c ready" eval 'svc_is a ready && svc_is b ready && svc_is c ready'

check_ne "the child before the failed one was restarted" "$a" "$(svc_field a pid)"
check_ne "the failed child was restarted" "$b" "$(svc_field b pid)"
check_ne "the child after it was restarted" "$c" "$(svc_field c pid)"
check "the temporary sibling's process is gone" eval "! kill -0 $t 2>/dev/null"
check_eq "the temporary sibling stays down" "stopped" "$(svc_field t state)"
order=$(grep -oE "\b[abct]: (ready -> stopping|backoff -> starting|stopped -> starting)" "$LOG" |
    sed 's/ready -> stopping/stop/; s/backoff -> starting/start/; s/stopped -> starting/start/' |
    tail -n 6 | tr '\n' ' ')
check_eq "steps: stop c, t, a (b is dead), start a, b, c" \
    "c: stop t: stop a: stop a: start b: start c: start " "$order"

check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"
check "no process of the tree is left" no_run_procs
t_done
