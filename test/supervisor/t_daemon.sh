#!/usr/bin/env bash
# `flurm-sup start --daemon` detaches and returns 0 only once the whole tree
# is ready (so the next command can rely on it), writing RUNDIR/flurm-sup.pid;
# if startup fails it returns non-zero with the reason.  A second
# supervisor on the same run folder is refused.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "children": [
  {"name": "slow", "exec": "/bin/sh", "args": ["-c", "sleep 0.3; echo v1 >&3; exec sleep 1000"]},
  {"name": "inner", "children": [ {"name": "fast", $(ready_child_args v2)} ]}
]}}
JSON
t_on_exit "$SUP" stop -r "$RUN"
check "start --daemon exits 0" "$SUP" start --daemon -c "$T_TMP/sup.json" -r "$RUN"
# No waiting: readiness is the command's promise.
check_eq "when it returns, every service is ready" "ready ready ready ready" \
    "$(svc_field root state) $(svc_field slow state) $(svc_field inner state) $(svc_field fast state)"
pid=$(cat "$RUN/flurm-sup.pid" 2>/dev/null)
check "the pid file names a live flurm-sup" grep -q flurm-sup "/proc/$pid/cmdline"
check "the daemon logs to RUNDIR/flurm-sup.log" grep -q "supervision tree ready" "$RUN/flurm-sup.log"
check_eq "the daemon runs in its own session" "$pid" "$(ps -o sid= -p "$pid" | tr -d ' ')"

out=$("$SUP" start --daemon -c "$T_TMP/sup.json" -r "$RUN" 2>&1)
check_ne "a second supervisor on the same run folder is refused" 0 $?
check_match "with the reason" "another supervisor is running in $RUN \(pid $pid\)" "$out"
check_eq "the first one is unharmed" ready "$(svc_field fast state)"
check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"
check "no process of the tree is left" no_run_procs

cat >"$T_TMP/broken.json" <<JSON
{"tree": {"name": "root", "children": [
  {"name": "ok", $(ready_child_args v1)},
  {"name": "dud", "exec": "/bin/sh", "args": ["-c", "echo 'dud: cannot open its database' >&2; exit 1"]}
]}}
JSON
out=$("$SUP" start --daemon -c "$T_TMP/broken.json" -r "$RUN" 2>&1)
check_eq "start --daemon with a child failing to start exits 111" 111 $?
check_match "and gives the reason" \
    "start failed: .*dud failed to start: exited with status 1 before it was ready" "$out"
check "no process of the tree is left" no_run_procs
check "no pid file is left" test ! -e "$RUN/flurm-sup.pid"

cat >"$T_TMP/permanent.json" <<JSON
{"tree": {"name": "root", "children": [
  {"name": "badconf", "exec": "/bin/sh", "args": ["-c", "exit 100"]}
]}}
JSON
"$SUP" start --daemon -c "$T_TMP/permanent.json" -r "$RUN" >/dev/null 2>&1
check_eq "a child's permanent failure (exit 100) at start makes start exit 100" 100 $?
t_done
