#!/usr/bin/env bash
# A reload whose new executable cannot start, exits, or never becomes ready
# changes nothing: the old instance keeps serving (same pid, still
# answers), the failed new instance is cleaned up, and `flurm-sup reload`
# exits non-zero with the reason.  A failed reload is not a crash: it does
# not count against the restart intensity (here 0: any crash would end the
# tree).
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"
need_fixtures

svc="$T_TMP/echo-svc"
write_svc "$svc" --version v1 --echo
cat >"$T_TMP/sup.json" <<JSON
{"tree": {"name": "root", "intensity": 0, "children": [
  {"name": "echo", "exec": "$svc", "ready_timeout": 700}
]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"
pid=$(svc_field echo pid)

still_serving() { # what
    check_eq "$1: the old instance keeps its pid" "$pid" "$(svc_field echo pid)"
    check_eq "$1: it is ready, version v1" "ready v1" \
        "$(svc_field echo state) $(svc_field echo version)"
    check_match "$1: it still answers" "^reply 0 pid $pid" \
        "$("$TESTCLIENT" --rundir "$RUN" --service echo --count 1 2>&1)"
}

reload_fails() { # what regex
    local out rc
    out=$("$SUP" reload echo -r "$RUN" 2>&1)
    rc=$?
    check_ne "$1: flurm-sup reload exits non-zero" 0 "$rc"
    check_match "$1: it says why" "$2" "$out"
}

rm -f "$svc"
reload_fails "missing executable" "exec $svc: No such file or directory; pid $pid keeps serving"
still_serving "missing executable"

printf '#!/bin/sh\nexit 0\n' >"$svc" && chmod 644 "$svc"
reload_fails "not executable" "exec $svc: Permission denied"
still_serving "not executable"

printf '#!/bin/sh\necho broken >&2\nexit 1\n' >"$svc" && chmod +x "$svc"
reload_fails "exits at once" "new instance \(pid [0-9]+\) exited with status 1 before it was ready; pid $pid keeps serving"
still_serving "exits at once"

write_svc "$svc" --version v2 --echo --never-ready
reload_fails "never ready" "new instance \(pid [0-9]+\) did not become ready within 700 ms"
still_serving "never ready"
check "the instance that never became ready is gone" \
    eval "[ \"\$(run_procs)\" = $pid ]"

# The worst moment to die: after binding its sockets and swapping the
# service's links, before the ready line (found by specs/reload.pml).  The
# links must lead to the old instance again, or every new connection would
# go to a dead socket.
printf '#!/bin/sh\nexec 3>&-\nexec %q --version v2 --echo\n' "$TESTSVC" >"$svc.tmp" &&
    chmod +x "$svc.tmp" && mv "$svc.tmp" "$svc"
reload_fails "dies after swapping its links" "new instance \(pid [0-9]+\).*pid $pid keeps serving"
still_serving "dies after swapping its links"
check_match "the request link names the old instance again" "^echo\.$pid\.req\$" \
    "$(readlink "$RUN/ipc/echo.req")"

check_eq "failed reloads are not restarts" 0 "$(svc_field echo restarts)"
check "the tree survived every failed reload (intensity 0)" kill -0 "$SUP_PID"

write_svc "$svc" --version v3 --echo
check "a reload with a good executable then works" "$SUP" reload echo -r "$RUN"
check_eq "and serves v3" v3 "$(svc_field echo version)"

check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"
check "no process of the tree is left" no_run_procs
t_done
