#!/usr/bin/env bash
# `flurm-sup reload SERVICE` starts a new instance from the (replaced)
# executable beside the running one, switches to it once it is ready, and
# lets the old one drain: requests in flight during the reload are all
# answered, and the old instance then exits on its own (status 0).
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"
need_fixtures

write_svc "$T_TMP/echo-svc" --version v1 --echo --slow 400
cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "intensity": 0, "children": [
  {"name": "echo", "exec": "$T_TMP/echo-svc", "shutdown": 5000, "ready_timeout": 5000}
]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"
old=$(svc_field echo pid)
check_eq "the first instance reports version v1" v1 "$(svc_field echo version)"
check_match "it answers" "^reply 0 pid $old" \
    "$("$TESTCLIENT" --rundir "$RUN" --service echo --count 1 2>&1)"

# Requests every 50 ms for ~1 s; each takes 400 ms, so several are in
# flight at any moment, the reload included.
"$TESTCLIENT" --rundir "$RUN" --service echo --count 20 --interval 50 \
    >"$T_TMP/client.out" 2>&1 &
client=$!
sleep 0.3
write_svc "$T_TMP/echo-svc" --version v2 --echo --slow 400
check "flurm-sup reload exits 0" "$SUP" reload echo -r "$RUN"
new=$(svc_field echo pid)
check_ne "a new pid serves" "$old" "$new"
check_eq "the new instance reports version v2" v2 "$(svc_field echo version)"
check_eq "the service is ready" ready "$(svc_field echo state)"
check_eq "a reload is not a restart" 0 "$(svc_field echo restarts)"

wait "$client"
check_eq "every request sent around the reload was answered" 0 $?
check_match "the client saw no failure" "ok 20 failed 0" "$(tail -n 1 "$T_TMP/client.out")"
check "some requests were answered by the old instance" grep -q "pid $old\$" "$T_TMP/client.out"
check "and some by the new one" grep -q "pid $new\$" "$T_TMP/client.out"
wait_for 5 "the old instance to exit" eval "! kill -0 $old 2>/dev/null"
check_file_match "the old instance drained and exited 0" "echo: old pid $old exited with status 0" "$LOG"
check_match "a new request is answered by the new pid" "^reply 0 pid $new" \
    "$("$TESTCLIENT" --rundir "$RUN" --service echo --count 1 2>&1)"

check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"
check "no process of the tree is left" no_run_procs
t_done
