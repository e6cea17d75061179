#!/usr/bin/env bash
# `flurm-sup restart SERVICE` stops the service (SIGTERM, drain) and starts
# it again: a new pid, ready, and not counted as a restart or against the
# intensity; siblings are not touched, whatever the strategy.  Unknown
# names and the root are refused with a reason.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "strategy": "one_for_all", "intensity": 0, "children": [
  {"name": "a", $(ready_child_args va)},
  {"name": "b", $(ready_child_args vb)},
  {"name": "inner", "children": [ {"name": "c", $(ready_child_args vc)} ]}
]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"
a=$(svc_field a pid) b=$(svc_field b pid) c=$(svc_field c pid)

out=$("$SUP" restart a -r "$RUN" 2>&1)
check_eq "flurm-sup restart exits 0" 0 $?
a2=$(svc_field a pid)
check_ne "the service has a new pid" "$a" "$a2"
check_match "the command prints it" "a: restarted as pid $a2 \(version va\)" "$out"
check "the old process is gone" eval "! kill -0 $a 2>/dev/null"
check_eq "the sibling is untouched (even under one_for_all)" "$b" "$(svc_field b pid)"
check_eq "nothing counted as a restart" "0 0" "$(svc_field a restarts) $(svc_field b restarts)"

check "restarting a nested supervisor works" "$SUP" restart inner -r "$RUN"
check_ne "and restarts its children" "$c" "$(svc_field c pid)"
check_eq "the tree is still up (intensity 0)" ready "$(svc_field root state)"

out=$("$SUP" restart nosuch -r "$RUN" 2>&1)
check_ne "an unknown service is refused" 0 $?
check_match "with the reason" "restart nosuch: no such service in the tree" "$out"
out=$("$SUP" restart root -r "$RUN" 2>&1)
check_ne "the root cannot be restarted" 0 $?
check_match "with the reason" "the root supervisor cannot be restarted" "$out"
out=$("$SUP" reload inner -r "$RUN" 2>&1)
check_ne "reloading a supervisor is refused" 0 $?
check_match "with the reason" "reload applies to services" "$out"

check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"
check "no process of the tree is left" no_run_procs
t_done
