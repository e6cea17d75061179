#!/usr/bin/env bash
# A job store that does not know node.state_list / node.state_set yet
# (an "unknown type" error) does not stop the node manager: it says once
# that admin state is kept in memory only, and updates still work.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/nmlib.sh"

nm_conf
store_start --unknown || t_fatal "the store without node support starts"
nm_start || t_fatal "flurm-nodemgr starts"
check_file_match "it says the state is not persisted" "does not keep node state yet" "$NM_LOG"
check_eq "a drain is answered" '{"rc":0}' \
    "$(ask node.update '{"node_names":"fk1","node_state":512,"reason":"r1"}')"
check_eq "a second one too" '{"rc":0}' \
    "$(ask node.update '{"node_names":"fk2","node_state":512,"reason":"r2"}')"
check_eq "the states are kept in memory" '[["fk1",512,"r1"],["fk2",512,"r2"]]' \
    "$(nodes_json | jq -c '[.[] | select(.[0] == "fk1" or .[0] == "fk2") | [.[0], .[1] % 2048, .[2]]]')"
check_eq "the warning is logged once" 1 "$(grep -c 'does not keep node state yet' "$NM_LOG")"
nm_check_logs
t_done
