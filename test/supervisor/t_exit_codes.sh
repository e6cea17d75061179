#!/usr/bin/env bash
# What a child's exit means depends on its exit code (0 / 100 / other) and
# its restart type: permanent children always come back; transient ones
# only after a failure; temporary ones never, and even their exit 100 is
# their own business.  A permanent or transient child exiting 100 is a
# permanent failure: it is not restarted, and it takes the tree down with
# flurm-sup exiting 100.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

# A child that becomes ready, exits CODE the first time it runs, and stays
# up when started again (a marker file remembers the first run).
once() { # NAME CODE
    printf '"exec": "/bin/sh", "args": ["-c", "echo v1 >&3; if [ -e %s ]; then exec sleep 1000; fi; touch %s; sleep 0.1; exit %s"]' \
        "$T_TMP/$1.ran" "$T_TMP/$1.ran" "$2"
}
cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "intensity": 10, "backoff_min": 10, "children": [
  {"name": "keep", $(ready_child_args v1)},
  {"name": "perm0", $(once perm0 0)},
  {"name": "perm3", $(once perm3 3)},
  {"name": "trans0", "restart": "transient", $(once trans0 0)},
  {"name": "trans3", "restart": "transient", $(once trans3 3)},
  {"name": "temp3", "restart": "temporary", $(once temp3 3)},
  {"name": "temp100", "restart": "temporary", $(once temp100 100)}
]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"
keep=$(svc_field keep pid)
wait_for 5 "every first run to be over" eval 'for n in perm0 perm3 trans0 trans3 temp3 temp100; do [ -e "$T_TMP/$n.ran" ] || exit 1; done'
sleep 0.5

state() { echo "$(svc_field "$1" state) $(svc_field "$1" restarts)"; }
check_eq "permanent, exit 0: restarted" "ready 1" "$(state perm0)"
check_eq "permanent, exit 3: restarted" "ready 1" "$(state perm3)"
check_eq "transient, exit 0: not restarted" "stopped 0" "$(state trans0)"
check_eq "transient, exit 3: restarted" "ready 1" "$(state trans3)"
check_eq "temporary, exit 3: not restarted" "failed 0" "$(state temp3)"
check_eq "temporary, exit 100: not restarted, nothing else happens" "failed 0" "$(state temp100)"
check_eq "the tree is still up" ready "$(svc_field root state)"
check_eq "an unrelated sibling kept its pid" "$keep" "$(svc_field keep pid)"
check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"

# Now a permanent child that fails permanently once the tree is up.
rm -f "$T_TMP"/*.ran
: >"$LOG"
cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "intensity": 10, "children": [
  {"name": "keep", $(ready_child_args v1)},
  {"name": "inner", "intensity": 10, "children": [ {"name": "broken", $(once broken 100)} ]}
]}}
JSON
"$SUP" start -c "$T_TMP/sup.json" -r "$RUN" 2>>"$LOG" &
sup=$!
wait_for 10 "flurm-sup to exit" eval "! kill -0 $sup 2>/dev/null"
wait "$sup"
check_eq "exit 100 of a permanent child makes flurm-sup exit 100" 100 $?
check_eq "the child was not restarted" 1 "$(grep -c "broken: started pid" "$LOG")"
check_file_match "its supervisor failed permanently" \
    "inner: giving up: broken failed permanently: exited with status 100" "$LOG"
check_file_match "and so did the root, without trying to restart inner" \
    "root: giving up: inner failed permanently" "$LOG"
check "no process of the tree is left" no_run_procs
t_done
