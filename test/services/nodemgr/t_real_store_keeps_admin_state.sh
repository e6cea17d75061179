#!/usr/bin/env bash
# With the real flurm-jobstore (not the stand-in), a node drained or downed
# through flurm-nodemgr stays so, with its reason, author and time, after
# both processes are killed with SIGKILL and started again: the node
# manager answers the update only once the store has committed its
# node.state_set, and reads the rows back with node.state_list.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/nmlib.sh"

JOBSTORE="$B/bin/flurm-jobstore"
STORECLIENT="$B/test/bin/storeclient"
for bin in "$JOBSTORE" "$STORECLIENT"; do
    [ -x "$bin" ] || t_skip "$bin is not built"
done

linked_to() { # pid: store.req names that instance
    test "$(readlink "$RUN/ipc/store.req" 2>/dev/null)" = "store.$1.req"
}

real_store_start() {
    t_bg env FLURM_RUNDIR="$RUN" FLURM_SERVICE=store SLURM_CONF="$SLURM_CONF" \
        FLURM_JOBSTORE_DB="$T_TMP/jobstore.db" "$JOBSTORE" 2>>"$STORE_LOG"
    STORE_PID=$T_PID
    wait_for 10 "flurm-jobstore to serve" linked_to "$STORE_PID"
}

kill9() { # pid
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

admin_view() {
    ask node.info '{}' | jq -c '[.msg.nodes[] | select(.name != null) |
        [.name, .node_state % 2048, .reason, .reason_uid, .reason_time]]'
}

nm_conf
real_store_start || t_fatal "flurm-jobstore starts"
nm_start || t_fatal "flurm-nodemgr starts"
check_fails "the node manager found the store's node support" \
    grep -q "does not keep node state" "$NM_LOG"

check_eq "root drains fk3" '{"rc":0}' \
    "$(ask node.update --time 1795600000 '{"node_names":"fk3","node_state":512,"reason":"bad dimm"}')"
check_eq "root downs vm" '{"rc":0}' \
    "$(ask node.update --time 1795600010 '{"node_names":"vm","node_state":1,"reason":"rack power"}')"
before=$(admin_view)
check_match "the store holds fk3's row once the update is answered" \
    '"name":"fk3","reason":"bad dimm","reason_time":1795600000,"reason_uid":0,"state":"UNKNOWN\+DRAIN"' \
    "$("$STORECLIENT" --rundir "$RUN" request node.state_list '{}' | jq -cS '.body.nodes[]')"

kill9 "$NM_PID"
kill9 "$STORE_PID"
real_store_start || t_fatal "flurm-jobstore starts again on the same database"
nm_start || t_fatal "flurm-nodemgr starts again"
check_file_match "it restored what the store kept" "restored the admin state of 2 nodes" "$NM_LOG"
after=$(admin_view)
check_eq "every node has the same state, reason, uid and time" "$before" "$after"
check_eq "fk3 is still drained for its reason, by root, at the update's time" \
    '["fk3",512,"bad dimm",0,1795600000]' "$(jq -c '.[] | select(.[0] == "fk3")' <<<"$after")"
check_eq "vm is still down for its reason" \
    '["vm",1,"rack power",0,1795600010]' "$(jq -c '.[] | select(.[0] == "vm")' <<<"$after")"
nm_check_logs
t_done
