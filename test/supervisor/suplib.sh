# suplib.sh - helpers shared by the supervisor's t_*.sh tests, on top of
# test/lib/testlib.sh (source that first).
#
#   SUP        the flurm-sup binary
#   RUN        this test's run folder (absolute, real path)
#   LOG        flurm-sup's stderr
#   sup_start CONF [ARGS]   start flurm-sup in the foreground (as a t_bg job),
#                           wait until its tree is ready; pid in $SUP_PID
#   svc_field NAME FIELD    state|pid|restarts|version of NAME, from
#                           `flurm-sup status` (the text form)
#   svc_is NAME STATE       true if NAME is in STATE
#   run_procs               pids of live processes started for $RUN (they
#                           carry FLURM_RUNDIR=$RUN in their environment,
#                           children of children included)
#   ready_child_args VERSION  JSON "exec"/"args" of a /bin/sh child that
#                           reports VERSION ready and then waits

SUP="$B/bin/flurm-sup"
RUN="$T_TMP/run"
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd -P)
LOG="$T_TMP/sup.log"
: >"$LOG"
t_show_on_fail "$LOG"

[ -x "$SUP" ] || t_skip "$SUP is not built"

sup_start() {
    local conf=$1
    shift
    t_bg "$SUP" start -c "$conf" -r "$RUN" "$@" 2>>"$LOG"
    # shellcheck disable=SC2034 # read by the test files
    SUP_PID=$T_PID
    wait_for 10 "the supervision tree to be ready" grep -q "supervision tree ready" "$LOG"
}

svc_field() {
    "$SUP" status -r "$RUN" 2>/dev/null | awk -v n="$1" -v f="$2" '
        NR > 2 && $1 == n {
            if (f == "state") print $3
            else if (f == "pid") print $4
            else if (f == "restarts") print $6
            else if (f == "version") print $7
        }'
}

svc_is() {
    [ "$(svc_field "$1" state)" = "$2" ]
}

# NAME's pid once it is ready with a pid other than OLD.
svc_new_pid() {
    local name=$1 old=$2 pid
    [ "$(svc_field "$name" state)" = ready ] || return 1
    pid=$(svc_field "$name" pid)
    [ -n "$pid" ] && [ "$pid" != - ] && [ "$pid" != "$old" ] || return 1
    echo "$pid"
}

run_procs() {
    local f pid
    for f in /proc/[0-9]*/environ; do
        pid=${f#/proc/}
        pid=${pid%/environ}
        if grep -qxzF "FLURM_RUNDIR=$RUN" "$f" 2>/dev/null; then
            # zombies are gone for our purpose: their parent will reap them
            [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] || echo "$pid"
        fi
    done
}

no_run_procs() {
    [ -z "$(run_procs)" ]
}

ready_child_args() {
    printf '"exec": "/bin/sh", "args": ["-c", "echo %s >&$FLURM_NOTIFY_FD; exec sleep 1000"]' "$1"
}

# Seconds since midnight (UTC, ms precision) of the last $LOG line matching
# REGEX: the log's own clock, to measure delays without racing the test.
log_time() {
    grep -E -- "$1" "$LOG" | tail -n 1 | awk '{
        split(substr($1, 12, 12), t, ":")
        printf "%.3f\n", t[1] * 3600 + t[2] * 60 + t[3]
    }'
}

# True if B - A >= MIN (seconds, decimals allowed).
elapsed_at_least() {
    awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN { exit !(a != "" && b != "" && b - a >= m) }'
}

TESTSVC="$B/test/bin/testsvc"
TESTCLIENT="$B/test/bin/testclient"

# Write an executable wrapper at PATH that runs testsvc with ARGS, replacing
# any previous one atomically (a reload must see the old or the new file,
# never half of one).
write_svc() {
    local path=$1
    shift
    printf '#!/bin/sh\nexec %q' "$TESTSVC" >"$path.tmp"
    printf ' %q' "$@" >>"$path.tmp"
    printf ' "$@"\n' >>"$path.tmp"
    chmod +x "$path.tmp"
    mv -f "$path.tmp" "$path"
}

need_fixtures() {
    [ -x "$TESTSVC" ] && [ -x "$TESTCLIENT" ] || t_skip "test fixtures testsvc/testclient are not built"
}
