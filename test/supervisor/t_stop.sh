#!/usr/bin/env bash
# `flurm-sup stop` (or SIGTERM to flurm-sup) stops the children in reverse
# start order, each with SIGTERM and, past its shutdown timeout, SIGKILL to
# its whole process group; it returns once flurm-sup has exited, and no
# process of the tree is left behind (grandchildren included).
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

cat >"$T_TMP/sup.json" <<'JSON'
{"tree": {"name": "root", "children": [
  {"name": "forks", "exec": "/bin/sh",
   "args": ["-c", "sleep 1000 & echo v1 >&3; wait"]},
  {"name": "drains", "exec": "/bin/sh", "shutdown": 5000,
   "args": ["-c", "trap 'sleep 0.2; exit 0' TERM; echo v1 >&3; while :; do sleep 0.05; done"]},
  {"name": "inner", "children": [
    {"name": "stubborn", "exec": "/bin/sh", "shutdown": 300,
     "args": ["-c", "trap '' TERM; echo v1 >&3; while :; do sleep 0.05; done"]}
  ]}
]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"
check "the tree has more processes than children (a grandchild)" \
    test "$(run_procs | wc -l)" -ge 4

check "flurm-sup stop exits 0" "$SUP" stop -r "$RUN"
check "flurm-sup itself has exited when stop returns" eval "! kill -0 $SUP_PID 2>/dev/null || [ \"\$(awk '{print \$3}' /proc/$SUP_PID/stat)\" = Z ]"
check "no process of the tree is left, grandchildren included" no_run_procs
order=$(grep -oE "(forks|drains|inner|stubborn): ready -> stopping" "$LOG" | cut -d: -f1 | tr '\n' ' ')
check_eq "children stop in reverse start order, depth first" "inner stubborn drains forks " "$order"
check_file_match "a child ignoring SIGTERM gets SIGKILL after its shutdown timeout" \
    "stubborn: pid [0-9]+ still running 300 ms after SIGTERM; sending SIGKILL" "$LOG"
check_file_match "a child that drains on SIGTERM is waited for" \
    "drains: stopping -> stopped: pid [0-9]+ exited with status 0" "$LOG"
check "the pid file is removed" test ! -e "$RUN/flurm-sup.pid"
check_fails "a second stop fails: nothing is running" "$SUP" stop -r "$RUN"

# The same through a signal, as an init system would stop it.
: >"$LOG"
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start again"
kill -TERM "$SUP_PID"
wait_for 10 "flurm-sup to exit on SIGTERM" eval "! kill -0 $SUP_PID 2>/dev/null"
wait "$SUP_PID"
check_eq "on SIGTERM flurm-sup exits 0" 0 $?
check "and leaves no process of the tree" no_run_procs
check_file_match "after stopping every child" "root: stopping -> stopped: all children stopped" "$LOG"
t_done
