#!/usr/bin/env bash
# flurm-nodemgr asks the slurmd of every node that must register with
# REQUEST_NODE_REGISTRATION_STATUS (1001), as slurmctld does at start: a
# 22.05 frame, munge-signed, sent to NodeAddr:Port from the first ping
# round on.  A slurmd that does not answer leaves the node not responding;
# an admin's RESUME asks again at once instead of at the next ping round.
# The slurmd here is test/bin/gwclient --capture, which keeps the frame
# and closes without answering.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/nmlib.sh"

PORT=$(t_free_port) || t_fatal "a free port"
cat >"$T_TMP/slurm.conf" <<EOF
ClusterName=t
SlurmctldHost=h(127.0.0.1)
SlurmUser=root
SlurmdPort=$PORT
ReturnToService=2
NodeName=vm NodeAddr=127.0.0.1 CPUs=2 RealMemory=4000
PartitionName=debug Nodes=ALL Default=YES
EOF
export SLURM_CONF="$T_TMP/slurm.conf"

# capture FILE: a slurmd on PORT that keeps the first frame it gets
capture() {
    : >"$T_TMP/$1.out"
    t_bg "$B/test/bin/gwclient" --capture "$T_TMP/$1" --port "$PORT" >"$T_TMP/$1.out" 2>&1
    wait_for 5 "the stand-in slurmd to listen" grep -q listening "$T_TMP/$1.out"
}
# the frame's bytes as hex, from offset $2, $3 bytes
hex_at() { od -An -tx1 -j "$2" -N "$3" "$T_TMP/$1" | tr -d ' \n'; }
vm_state() { ask node.info_single '{"node_name":"vm","show_flags":0}' | jq '.msg.nodes[0].node_state'; }
vm_is() { [ "$(vm_state)" = "$1" ]; }

capture first
store_start || t_fatal "the stand-in store starts"
export FLURM_NODEMGR_FIRST_PING_MS=300
nm_start || t_fatal "flurm-nodemgr starts"

wait_for 5 "the first ping round to reach the slurmd" test -s "$T_TMP/first"
check_eq "the request is at protocol 22.05 (0x2600)" 2600 "$(hex_at first 4 2)"
check_eq "of type REQUEST_NODE_REGISTRATION_STATUS (1001 = 0x03e9)" 03e9 "$(hex_at first 8 2)"
od -An -tx1 -v "$T_TMP/first" | tr -d ' \n' >"$T_TMP/first.hex"
check_eq "with a munge auth section and an empty body, as the wire library reads it" \
    '{"msg_type":"REQUEST_NODE_REGISTRATION_STATUS","msg":{}}' \
    "$("$B/test/bin/gwclient" --decode "$T_TMP/first.hex" | jq -c .)"
check_file_match "the manager says it asked" "asked 1 node to register" "$NM_LOG"
wait_for 5 "the unanswered node to be NOT_RESPONDING" vm_is 2048
check_eq "a slurmd that closes without answering leaves the node UNKNOWN+NOT_RESPONDING" \
    2048 "$(vm_state)"

# slurmd registers (through the gateway): IDLE
reg=$("$B/test/bin/gwclient" --decode \
    "$T_ROOT/test/vectors/slurm-22.05/slurmd_startup/001-c2s-MESSAGE_NODE_REGISTRATION_STATUS.hex" |
    jq -c .msg)
ask node.register "$reg" >/dev/null
check_eq "after its registration vm is IDLE" 2 "$(vm_state)"

check_eq "root drains vm" '{"rc":0}' \
    "$(ask node.update '{"node_names":"vm","node_state":512,"reason":"maint"}')"
capture second
t0=$(date +%s%N)
check_eq "root resumes vm" '{"rc":0}' "$(ask node.update '{"node_names":"vm","node_state":256}')"
wait_for 3 "the registration request after RESUME" test -s "$T_TMP/second"
t1=$(date +%s%N)
check_eq "RESUME asks slurmd to register again" 03e9 "$(hex_at second 8 2)"
check "at once, not at the next ping round (100 s away)" [ $(((t1 - t0) / 1000000)) -lt 3000 ]
check_eq "vm is IDLE+NOT_RESPONDING while no slurmd answers" 2050 "$(vm_state)"

nm_check_logs
t_done
