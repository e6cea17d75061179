#!/usr/bin/env bash
# A real slurmd that stops answering (kill -STOP: its port stays open, its
# connections hang) is found out by the controller's pings: with
# SlurmdTimeout=6 (rounds every 2 s) and MessageTimeout=3 the node shows
# `idle*` (NOT_RESPONDING) once a ping has gone unanswered, then `down*`
# with Reason=Not responding set by SlurmUser, not before SlurmdTimeout
# has passed.  After kill -CONT, the periodic registration request (about
# every 20th round) finds slurmd again and, with ReturnToService=2, the
# node is idle with no reason.  Written with test/e2e/lib.sh, so
# E2E_TARGET=slurmctld runs the same checks against Debian's slurmctld.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$T_ROOT/test/e2e/lib.sh"

DIR="$T_TMP/c"
e2e_write_conf "$DIR" host
cat >>"$E2E_CONF" <<EOF
SlurmdTimeout=6
MessageTimeout=3
EOF
e2e_start
e2e_start_slurmd "$DIR" "$E2E_HOST"
N=$E2E_HOST

state_is() { [ "$(node_state "$N")" = "$1" ]; }
slurmd_pid() {
    local pid
    read -r pid <"$DIR/run/slurmd.pid" 2>/dev/null || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmd ] && echo "$pid"
}

wait_for 30 "slurmd to register and the node to be idle" state_is idle
check_eq "the registered node is idle" idle "$(node_state "$N")"
wait_for 10 "slurmd to write its pid file" slurmd_pid
pid=$(slurmd_pid)
check_match "slurmd runs" '^[0-9]+$' "$pid"
# answered pings keep it idle over several rounds
sleep 7
check_eq "an answering node stays idle past SlurmdTimeout" idle "$(node_state "$N")"
check_match "CPULoad and FreeMem come from slurmd" '^[0-9]+\.[0-9]{2} [0-9]+$' \
    "$(show_node "$N" | kv CPULoad) $(show_node "$N" | kv FreeMem)"

# ---- slurmd stops answering --------------------------------------------------------
kill -STOP "$pid"
t_on_exit kill -CONT "$pid"
stopped=$(date +%s)
wait_for 20 "the node to be not responding" state_is 'idle*'
check_eq "an unanswered ping makes the node idle*" 'idle*' "$(node_state "$N")"
wait_for 30 "the node to be set down" state_is 'down*'
down=$(date +%s)
check_eq "a node silent for SlurmdTimeout is down*" 'down*' "$(node_state "$N")"
check "not before SlurmdTimeout (6 s) of silence" [ $((down - stopped)) -ge 6 ]
check "within 30 s of the stop" [ $((down - stopped)) -le 30 ]
node=$(show_node "$N")
check_eq "show node: State" DOWN+NOT_RESPONDING "$(kv State <<<"$node")"
check_match "show node: Reason=Not responding, by SlurmUser (root), with its time" \
    '^Not responding \[root@[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\]$' "$(kv Reason <<<"$node")"

# ---- slurmd answers again ------------------------------------------------------------
kill -CONT "$pid"
# the registration request comes about every 20 rounds of 2 s
wait_for 60 "the node to return to service" state_is idle
check_eq "with ReturnToService=2 the node is idle again" idle "$(node_state "$N")"
node=$(show_node "$N")
check_eq "show node: State" IDLE "$(kv State <<<"$node")"
check_eq "and it keeps no reason" "" "$(kv Reason <<<"$node")"
check_eq "slurmd was not restarted" "$pid" "$(slurmd_pid)"
if [ "$E2E_TARGET" = flurm ]; then
    # reports of the sanitizer build come at exit
    _e2e_stop_flurm "$DIR/flurm"
    check_fails "no sanitizer report in the logs" grep -qE "Sanitizer|runtime error:" \
        "$DIR/flurm/flurm-sup.log"
    check_file_match "the log names the silent node" "node $N not responding, setting DOWN" \
        "$DIR/flurm/flurm-sup.log"
fi
t_done
