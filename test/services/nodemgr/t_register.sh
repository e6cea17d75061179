#!/usr/bin/env bash
# flurm-nodemgr answers node.register (MESSAGE_NODE_REGISTRATION_STATUS
# forwarded by the gateway) as slurmctld answers a slurmd: the TRES list
# when slurmd asks for it, RC 0 when it does not, and RC 0 as well to a
# registration it refuses (a user's, an unknown node's, hardware below
# slurm.conf), which then changes nothing or drains the node.  The
# registration is the one a real slurmd 22.05.8 sent (test/vectors).
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/nmlib.sh"

CAPTURE="$T_ROOT/test/vectors/slurm-22.05/slurmd_startup/001-c2s-MESSAGE_NODE_REGISTRATION_STATUS.hex"
reg=$("$B/test/bin/gwclient" --decode "$CAPTURE" | jq -c .msg)
[ -n "$reg" ] || t_fatal "the captured registration decodes"
as_node() { jq -c --arg n "$1" '.node_name = $n | .hostname = $n' <<<"$reg"; }
node() { nodes_json | jq -c --arg n "$1" '.[] | select(.[0] == $n)'; }

nm_conf
store_start || t_fatal "the stand-in store starts"
# no ping round during the test: only registrations change the nodes
export FLURM_NODEMGR_FIRST_PING_MS=600000
nm_start || t_fatal "flurm-nodemgr starts"

out=$(ask node.register "$reg")
check_eq "vm registers and gets the TRES list slurmd waits for" \
    '["cpu","mem","energy","node","billing","fs","vmem","pages"]' "$(jq -c '[.msg.tres[].type]' <<<"$out")"
check_eq "counting the cluster's 9 nodes" 9 "$(jq '.msg.tres[3].count' <<<"$out")"
check_eq "vm is IDLE" '["vm",2,null]' "$(node vm)"
rec=$(ask node.info_single '{"node_name":"vm","show_flags":0}' | jq -c '.msg.nodes[0]')
check_eq "with slurmd's version, start time and load" '["22.05.8",1795630192,160,23329]' \
    "$(jq -c '[.version, .slurmd_start_time, .cpu_load, .free_mem]' <<<"$rec")"

check_eq "without the RESP flag the answer is RC 0" '{"rc":0}' \
    "$(ask node.register "$(jq -c '.flags = 0' <<<"$reg")")"

# dn1 is DOWN in slurm.conf: with ReturnToService=2 a registration would
# bring it back
check_eq "a user's registration is answered RC 0" '{"rc":0}' \
    "$(ask node.register --uid 4242 "$(as_node dn1)")"
check_eq "and changes nothing" '["dn1",1,"dead"]' "$(node dn1)"
check_file_match "slurmctld's security log line" "Security violation, NODE_REGISTER RPC from uid=4242" "$NM_LOG"

check_eq "an unknown node is answered RC 0" '{"rc":0}' "$(ask node.register "$(as_node nosuch)")"
check_file_match "and logged as slurmctld logs it" \
    "_slurm_rpc_node_registration node=nosuch: No such file or directory" "$NM_LOG"

# fk1: 2 sockets x 4 cores x 2 threads in slurm.conf, 1 x 2 x 1 reported
check_eq "hardware below slurm.conf is answered RC 0, not the TRES list" '{"rc":0}' \
    "$(ask node.register "$(as_node fk1)")"
check_eq "fk1 is UNKNOWN+DRAIN+INVALID_REG with SLURM's reason" \
    '["fk1",4194816,"Low socket*core*thread count, Low CPUs"]' "$(node fk1)"
check_fails "registrations are not written to the store" grep -q "^state_set fk1 " "$STORE_LOG"

check_eq "root's registration of dn1 brings it back (ReturnToService=2)" '{"rc":0}' \
    "$(ask node.register "$(as_node dn1 | jq -c '.flags = 0')")"
check_eq "dn1 is IDLE, its reason gone" '["dn1",2,null]' "$(node dn1)"

nm_check_logs
t_done
