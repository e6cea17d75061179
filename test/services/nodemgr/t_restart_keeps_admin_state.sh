#!/usr/bin/env bash
# A drained or downed node stays so, with its reason, its author and its
# time, across a restart of the node manager (and of the store): the admin
# state is written to the store with node.state_set before the update is
# answered, and read back with node.state_list before serving.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/nmlib.sh"

nm_conf
store_start || t_fatal "the stand-in store starts"
nm_start || t_fatal "flurm-nodemgr starts"

check_eq "root drains fk3" '{"rc":0}' \
    "$(ask node.update --time 1795600000 '{"node_names":"fk3","node_state":512,"reason":"bad dimm"}')"
check_eq "root downs vm" '{"rc":0}' \
    "$(ask node.update --time 1795600010 '{"node_names":"vm","node_state":1,"reason":"rack power"}')"
check_eq "root brings dn1 (DOWN in slurm.conf) back" '{"rc":0}' \
    "$(ask node.update --time 1795600020 '{"node_names":"dn1","node_state":2}')"
before=$(ask node.info '{}' | jq -c '[.msg.nodes[] | select(.name != null) | [.name, .node_state % 2048, .reason, .reason_uid, .reason_time]]')

nm_stop
t_stop "$STORE_PID"
store_start || t_fatal "the store starts again"
nm_start || t_fatal "flurm-nodemgr starts again"
check_file_match "it restored what the store kept" "restored the admin state of 3 nodes" "$NM_LOG"
after=$(ask node.info '{}' | jq -c '[.msg.nodes[] | select(.name != null) | [.name, .node_state % 2048, .reason, .reason_uid, .reason_time]]')
check_eq "every node has the same state, reason, uid and time" "$before" "$after"
check_eq "fk3 is still drained for its reason, by root, at the update's time" \
    '["fk3",512,"bad dimm",0,1795600000]' "$(jq -c '.[] | select(.[0] == "fk3")' <<<"$after")"
check_eq "vm is still down" '["vm",1,"rack power",0,1795600010]' "$(jq -c '.[] | select(.[0] == "vm")' <<<"$after")"
check_eq "dn1 stays up though slurm.conf says DOWN" 2 "$(jq -c '.[] | select(.[0] == "dn1") | .[1]' <<<"$after")"
nm_check_logs
t_done
