#!/usr/bin/env bash
# `flurm-sup status` shows the real tree: every service's pid is the live
# process running that service, with its state, its restart count and the
# version from its readiness line; nested supervisors are shown with their
# children indented.  --json gives the same as a JSON document.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "children": [
  {"name": "alpha", $(ready_child_args alpha-1.2.3)},
  {"name": "inner", "strategy": "rest_for_one", "children": [
    {"name": "beta", $(ready_child_args beta-7)},
    {"name": "once", "restart": "temporary", "exec": "/bin/sh", "args": ["-c", "echo once-1 >&3; exit 0"]}
  ]}
]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"
wait_for 5 "the temporary child to finish" svc_is once stopped

for name in alpha beta; do
    pid=$(svc_field "$name" pid)
    check "$name: its pid $pid is a live process" kill -0 "$pid"
    check "$name: that process is the service $name" grep -qzx "FLURM_SERVICE=$name" "/proc/$pid/environ"
    check_eq "$name: ready" ready "$(svc_field "$name" state)"
done
check_eq "versions come from the readiness lines" "alpha-1.2.3 beta-7" \
    "$(svc_field alpha version) $(svc_field beta version)"
check_eq "a temporary child that exited 0 is shown stopped, without pid" "stopped -" \
    "$(svc_field once state) $(svc_field once pid)"
check_eq "supervisors are ready and show their strategy" "ready one_for_one ready rest_for_one" \
    "$(svc_field root state) $(svc_field root version) $(svc_field inner state) $(svc_field inner version)"
text=$("$SUP" status -r "$RUN")
check_match "nested children are indented under their supervisor" \
    $'\n  inner +supervisor[^\n]*\n    beta +service' "$text"
check_match "the header names the supervisor's pid" "^flurm-sup pid $SUP_PID," "$text"

beta=$(svc_field beta pid)
kill -KILL "$beta"
wait_for 5 "beta to be restarted" svc_new_pid beta "$beta"
check_eq "the restart count follows a restart" "1 0" \
    "$(svc_field beta restarts) $(svc_field alpha restarts)"
check "the new pid is the live process of beta" grep -qzx "FLURM_SERVICE=beta" \
    "/proc/$(svc_field beta pid)/environ"

json=$("$SUP" status -r "$RUN" --json)
check_eq "--json is valid JSON with the same tree" \
    "$(svc_field alpha pid) $(svc_field beta pid) beta-7 1 ready" \
    "$(jq -r '.tree.children[0].pid, .tree.children[1].children[0].pid,
               .tree.children[1].children[0].version, .tree.children[1].children[0].restarts,
               .tree.children[1].children[0].state' <<<"$json" | tr '\n' ' ' | sed 's/ $//')"
check_eq "--json names the supervisor's pid" "$SUP_PID" "$(jq -r .pid <<<"$json")"

check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"
out=$("$SUP" status -r "$RUN" 2>&1)
check_ne "status without a running supervisor fails" 0 $?
check_match "and says so" "no supervisor answers at ipc://$RUN/ipc/sup.ctl" "$out"
t_done
