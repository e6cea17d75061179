# schedlib.sh - helpers of the scheduler's multi-process tests (t_*.sh in
# this folder): the real job store, node manager and scheduler on one run
# folder, without a gateway.  Source test/lib/testlib.sh first.
#
#   RUN                      the run folder (FLURM_RUNDIR)
#   STORE_LOG NODES_LOG SCHED_LOG   the services' stderr
#   sched_conf [LINES]       write $T_TMP/slurm.conf: two nodes n[1-2] (the
#                            hardware of the captured registration), debug
#                            and small partitions, plus LINES; their slurmd
#                            is a stand-in that takes connections and never
#                            answers, so started jobs stay RUNNING (their
#                            launch is pending for MessageTimeout, 60 s)
#   store_up / nodes_up / sched_up   start one service, wait until it serves;
#                            pids in STORE_PID / NODES_PID / SCHED_PID
#   submit [MSG_JSON]        job.submit as root (MSG_JSON on top of a one-CPU
#                            script job); prints the job id
#   job_field ID JQ          a jq expression over the job's job_info record
#   reason_of ID             "<state_reason>|<state_desc>" of the job
#   register NODE            the captured slurmd registration, as NODE
#   node_update MSG_JSON     node.update as root
#   sched_check_logs         stop everything, no sanitizer report in a log

RUN="$T_TMP/run"
STORE_LOG="$T_TMP/store.log"
NODES_LOG="$T_TMP/nodes.log"
SCHED_LOG="$T_TMP/sched.log"
mkdir -p "$RUN" "$T_TMP/state"
: >"$STORE_LOG"
: >"$NODES_LOG"
: >"$SCHED_LOG"
t_show_on_fail "$SCHED_LOG" "$NODES_LOG" "$STORE_LOG"

for _sl_bin in "$B/bin/flurm-jobstore" "$B/bin/flurm-nodemgr" "$B/bin/flurm-scheduler" \
    "$B/test/bin/storeclient" "$B/test/bin/nodeclient" "$B/test/bin/gwclient"; do
    [ -x "$_sl_bin" ] || t_skip "$_sl_bin is not built"
done
command -v jq >/dev/null 2>&1 || t_skip "jq is not installed"

SL_CAPTURE="$T_ROOT/test/vectors/slurm-22.05/slurmd_startup/001-c2s-MESSAGE_NODE_REGISTRATION_STATUS.hex"
SL_REG=$("$B/test/bin/gwclient" --decode "$SL_CAPTURE" | jq -c .msg)
[ -n "$SL_REG" ] || t_fatal "the captured registration decodes"

# A slurmd that takes connections and never answers: the node manager's
# launches stay in flight, so started jobs stay RUNNING.  It binds a port
# the kernel picks (no collision with tests running beside this one) and
# says which.
_sl_silent_slurmd() {
    rm -f "$T_TMP/slurmd.port"
    t_bg python3 -c '
import os, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64); held = []
with open(sys.argv[1] + ".tmp", "w") as f: f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept(); held.append(c)
' "$T_TMP/slurmd.port"
    wait_for 10 "the silent slurmd listens" test -s "$T_TMP/slurmd.port" || t_fatal "the silent slurmd does not listen"
    SL_SLURMD_PORT=$(cat "$T_TMP/slurmd.port")
}

sched_conf() {
    _sl_silent_slurmd
    {
        cat <<EOF
ClusterName=schedt
SlurmctldHost=ctl(127.0.0.1)
SlurmUser=root
StateSaveLocation=$T_TMP/state
FirstJobId=1000
ReturnToService=2
MessageTimeout=60
NodeName=n[1-2] NodeAddr=127.0.0.1 Port=$SL_SLURMD_PORT CPUs=2 RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=n[1-2] Default=YES MaxTime=INFINITE State=UP
PartitionName=small Nodes=n1 MaxTime=30 State=UP
EOF
        printf '%s\n' "$@"
    } >"$T_TMP/slurm.conf"
    export SLURM_CONF="$T_TMP/slurm.conf"
}

_sl_linked() { # svc pid
    test "$(readlink "$RUN/ipc/$1.req" 2>/dev/null)" = "$1.$2.req"
}

_sl_start() { # svc exe log
    t_bg env SLURM_CONF="$SLURM_CONF" FLURM_RUNDIR="$RUN" FLURM_SERVICE="$1" \
        FLURM_LOG_LEVEL=debug FLURM_NODEMGR_FIRST_PING_MS=600000 \
        FLURM_SCHED_INTERVAL_MS="${SCHED_INTERVAL_MS:-60000}" "$2" 2>>"$3"
    wait_for 10 "$1 to serve" _sl_linked "$1" "$T_PID"
}

store_up() { _sl_start store "$B/bin/flurm-jobstore" "$STORE_LOG" && STORE_PID=$T_PID; }
nodes_up() { _sl_start nodes "$B/bin/flurm-nodemgr" "$NODES_LOG" && NODES_PID=$T_PID; }
sched_up() { _sl_start sched "$B/bin/flurm-scheduler" "$SCHED_LOG" && SCHED_PID=$T_PID; }

_sl_store() {
    "$B/test/bin/storeclient" --rundir "$RUN" request "$@"
}

submit() {
    local msg
    msg=$(jq -c -n --argjson o "${1:-{\}}" \
        '{"script":"#!/bin/sh\ntrue\n","environment":["PATH=/bin"],"min_cpus":1,
          "name":"t","work_dir":"/tmp"} + $o')
    _sl_store job.submit "{\"auth\":{\"uid\":0,\"gid\":0,\"addr\":\"127.0.0.1\"},\"msg\":$msg}" |
        jq -r '.body.msg.job_id // empty'
}

job_field() {
    _sl_store job.info_single "{\"auth\":{\"uid\":0,\"gid\":0},\"msg\":{\"job_id\":$1,\"show_flags\":0}}" |
        jq -r ".body.msg.jobs[0] | $2"
}

reason_of() {
    job_field "$1" '"\(.state_reason)|\(.state_desc // "")"'
}

# reason_is ID EXPECTED: for wait_for
reason_is() {
    [ "$(reason_of "$1")" = "$2" ]
}

register() {
    "$B/test/bin/nodeclient" --rundir "$RUN" --timeout 5000 --type node.register \
        "$(jq -c --arg n "$1" '.node_name = $n | .hostname = $n' <<<"$SL_REG")"
}

node_update() {
    "$B/test/bin/nodeclient" --rundir "$RUN" --timeout 5000 --type node.update "$1"
}

sched_check_logs() {
    local f pid
    for pid in ${SCHED_PID:-} ${NODES_PID:-} ${STORE_PID:-}; do
        t_stop "$pid"
    done
    for f in "$T_TMP"/*.log; do
        check_fails "no sanitizer report in $(basename "$f")" \
            grep -qE "Sanitizer|runtime error:" "$f"
    done
}
