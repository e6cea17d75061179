# nmlib.sh - helpers of the node manager's multi-process tests (t_*.sh in
# this folder), on top of test/lib/testlib.sh (source that first).
#
#   RUN                  the run folder (FLURM_RUNDIR) of this test
#   NM_LOG / STORE_LOG   stderr of flurm-nodemgr / of the stand-in store
#   nm_conf [LINES]      write $T_TMP/slurm.conf: lab.conf plus LINES;
#                        exports SLURM_CONF
#   store_start [ARGS]   start test/bin/nodestore (its records in
#                        $T_TMP/store.json) and wait for it; pid in STORE_PID
#   nm_start             start flurm-nodemgr and wait until it serves; pid in
#                        NM_PID.  FLURM_NODEMGR_* variables pass through.
#   nm_stop              SIGTERM flurm-nodemgr and wait for it
#   ask TYPE [--uid U] [MSG_JSON]   one request through test/bin/nodeclient;
#                        prints its output (reply JSON or "error CODE TEXT")
#   nodes_json           node.info's node records as [[name, state, reason]]
#   nm_check_logs        stop the processes (NM_PID, STORE_PID, GW_PID) and
#                        check that no log holds a sanitizer report

NM="$B/bin/flurm-nodemgr"
RUN="$T_TMP/run"
NM_LOG="$T_TMP/nodemgr.log"
STORE_LOG="$T_TMP/store.log"
mkdir -p "$RUN"
: >"$NM_LOG"
: >"$STORE_LOG"
t_show_on_fail "$NM_LOG" "$STORE_LOG"

for _nm_bin in "$NM" "$B/test/bin/nodeclient" "$B/test/bin/nodestore"; do
    [ -x "$_nm_bin" ] || t_skip "$_nm_bin is not built"
done
command -v jq >/dev/null 2>&1 || t_skip "jq is not installed"

nm_conf() {
    { cat "$T_ROOT/test/services/nodemgr/lab.conf"; printf '%s\n' "$@"; } >"$T_TMP/slurm.conf"
    export SLURM_CONF="$T_TMP/slurm.conf"
}

store_start() {
    t_bg "$B/test/bin/nodestore" --rundir "$RUN" --file "$T_TMP/store.json" "$@" 2>>"$STORE_LOG"
    STORE_PID=$T_PID
    wait_for 5 "the store to serve" test -L "$RUN/ipc/store.req"
}

_nm_serving() {
    [ "$(grep -c "serving ipc://" "$NM_LOG")" -gt "${_nm_starts:-0}" ]
}

nm_start() {
    _nm_starts=$(grep -c "serving ipc://" "$NM_LOG")
    t_bg env FLURM_RUNDIR="$RUN" SLURM_CONF="$SLURM_CONF" "$NM" 2>>"$NM_LOG"
    NM_PID=$T_PID
    wait_for 10 "flurm-nodemgr to serve" _nm_serving
}

nm_stop() {
    t_stop "$NM_PID"
}

ask() {
    local type=$1
    shift
    "$B/test/bin/nodeclient" --rundir "$RUN" --timeout 5000 --type "$type" "$@"
}

nodes_json() {
    ask node.info '{"last_update":0,"show_flags":0}' |
        jq -c '[.msg.nodes[] | select(.name != null) | [.name, .node_state, .reason]]'
}

# The processes' logs hold no sanitizer report (in the ASan build a leak or
# an error at exit does not show in any answer).
nm_check_logs() {
    local f pid
    # stop what is still running first: some reports come at exit
    for pid in ${NM_PID:-} ${STORE_PID:-} ${GW_PID:-}; do
        t_stop "$pid"
    done
    for f in "$T_TMP"/*.log; do
        check_fails "no sanitizer report in $(basename "$f")" \
            grep -qE "Sanitizer|runtime error:" "$f"
    done
}
