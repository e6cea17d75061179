#!/usr/bin/env bash
# Every submission flurm-jobstore acknowledged survives a kill -9 in the
# middle of a burst: after the restart each acknowledged job id exists with
# its whole description (name, partition, work dir, script, environment),
# and the requests cut off by the kill are answered by the new instance.
# The same scenario with the store answering before it commits
# (FLURM_JOBSTORE_FAULT=ack-before-commit) must be caught losing jobs:
# that proves this test can fail.
. "$(dirname "$0")/../../lib/testlib.sh"

COUNT=${T_KILL9_COUNT:-3000}
CLIENT="$B/test/bin/storeclient"
STORE="$B/bin/flurm-jobstore"
[ -x "$CLIENT" ] && [ -x "$STORE" ] || t_fatal "build $STORE and $CLIENT first"

write_conf() { # dir
    mkdir -p "$1/state" "$1/run"
    cat >"$1/slurm.conf" <<EOF
ClusterName=kill9
SlurmctldHost=ctl(127.0.0.1)
SlurmUser=root
StateSaveLocation=$1/state
MaxJobCount=1000000
NodeName=n[1-4] CPUs=4 RealMemory=8000
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

linked_to() { # dir pid: the store.req symlink names that instance
    test "$(readlink "$1/run/ipc/store.req" 2>/dev/null)" = "store.$2.req"
}
acked_at_least() { # file n
    test "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2"
}

# Start an instance on dir; $STORE_PID; waits until its socket is linked.
start_store() { # dir [fault]
    local dir=$1
    t_bg env SLURM_CONF="$dir/slurm.conf" FLURM_RUNDIR="$dir/run" FLURM_SERVICE=store \
        FLURM_JOBSTORE_FAULT="${2:-}" "$STORE" 2>>"$dir/store.log"
    STORE_PID=$T_PID
    wait_for 10 "store $STORE_PID serving" linked_to "$dir" "$STORE_PID"
}

# The burst with a kill -9 once a tenth of it is acknowledged.  Leaves the
# acknowledged jobs in $dir/acked and the client's status in $dir/client.rc.
burst_with_kill() { # dir [fault]
    local dir=$1 client
    start_store "$dir" "${2:-}" || return 1
    "$CLIENT" --rundir "$dir/run" submit --count "$COUNT" --window 64 --timeout 30000 \
        --out "$dir/acked" 2>"$dir/client.err" &
    client=$!
    wait_for 30 "a tenth of the burst acknowledged" acked_at_least "$dir/acked" $((COUNT / 10))
    kill -9 "$STORE_PID"
    wait "$STORE_PID" 2>/dev/null
    wc -l <"$dir/acked" >"$dir/acked_at_kill"
    start_store "$dir" "${2:-}" || return 1
    wait "$client"
    echo $? >"$dir/client.rc"
}

t_show_on_fail "$T_TMP/safe/store.log" "$T_TMP/safe/client.err"

# ---- the real store --------------------------------------------------------
write_conf "$T_TMP/safe"
burst_with_kill "$T_TMP/safe"
t_note "acknowledged before the kill: $(cat "$T_TMP/safe/acked_at_kill")"
check_ne "the kill hit the middle of the burst" "$COUNT" "$(cat "$T_TMP/safe/acked_at_kill")"
check_eq "every submission was acknowledged in the end" 0 "$(cat "$T_TMP/safe/client.rc")"
check_eq "one acknowledgement per submission" "$COUNT" "$(wc -l <"$T_TMP/safe/acked")"
check_eq "no job id was given twice" "$COUNT" \
    "$(awk '{print $2}' "$T_TMP/safe/acked" | sort -u | wc -l)"
check "every acknowledged job is there with its description and script" \
    "$CLIENT" --rundir "$T_TMP/safe/run" verify --in "$T_TMP/safe/acked" --partition debug
total=$("$CLIENT" --rundir "$T_TMP/safe/run" request job.info \
    '{"auth":{"uid":0,"gid":0},"msg":{"last_update":0,"show_flags":0}}' |
    sed -n 's/.*"record_count":\([0-9]*\).*/\1/p')
check_eq "re-sent requests created no extra jobs" "$COUNT" "$total"
t_stop "$STORE_PID"
check_fails "no sanitizer report from either instance" \
    grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$T_TMP/safe/store.log"

# ---- the same with answers sent before the commit ------------------------
# Whether the kill lands between an early answer and its commit is a matter
# of timing (a slow, sanitized build can commit everything in time), so the
# negative control gets a few tries to show the loss.
unsafe=""
for try in 1 2 3 4 5; do
    write_conf "$T_TMP/unsafe$try"
    burst_with_kill "$T_TMP/unsafe$try" ack-before-commit
    unsafe=$("$CLIENT" --rundir "$T_TMP/unsafe$try/run" verify --in "$T_TMP/unsafe$try/acked" \
        --partition debug 2>/dev/null)
    t_note "with ack-before-commit, try $try: $unsafe"
    [[ $unsafe =~ (missing|wrong)\ [1-9] ]] && break
done
# lost jobs show as missing, or as "wrong" when their ids went to later jobs
check_match "answering before the commit loses acknowledged jobs, and the check sees it" \
    "(missing|wrong) [1-9]" "$unsafe"
t_done
