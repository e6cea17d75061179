#!/usr/bin/env bash
# flurm-nodemgr answers node.info, partition.info and node.update through
# the service runtime the way slurmctld answers the same RPCs: node and
# partition records from slurm.conf, "no change" for an unchanged table,
# and admin-only updates with SLURM's return codes, written to the store.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/nmlib.sh"

nm_conf
store_start || t_fatal "the stand-in store starts"
export FLURM_NODEMGR_FIRST_PING_MS=200
nm_start || t_fatal "flurm-nodemgr starts"

info=$(ask node.info '{"last_update":0,"show_flags":16}')
check_eq "node.info holds one record per configured node" 9 "$(jq '.msg.record_count' <<<"$info")"
check_eq "in slurmctld's order, FUTURE and cloud slots blank" \
    '[null,"dn1","dr1","fk1","fk2","fk3",null,"id1","vm"]' "$(jq -c '[.msg.nodes[].name]' <<<"$info")"
check_eq "fk1 has its slurm.conf hardware" '[16,2,4,2,8000,500,10,"fast,ib","gpu:2"]' \
    "$(jq -c '.msg.nodes[3] | [.cpus,.sockets,.cores,.threads,.real_memory,.tmp_disk,.weight,.features,.gres]' <<<"$info")"

parts=$(ask partition.info '{"last_update":0,"show_flags":16}')
check_eq "partition.info holds every partition for root" '["debug","short","all","ex","empty"]' \
    "$(jq -c '[.msg.partitions[].name]' <<<"$parts")"
check_eq "with slurmctld's totals" '[3,2,48,3]' \
    "$(jq -c '[.msg.partitions[0].total_cpus,.msg.partitions[0].total_nodes,.msg.partitions[1].total_cpus,.msg.partitions[1].total_nodes]' <<<"$parts")"
check_eq "a user does not see the hidden partition nor the group's" '["debug","short","empty"]' \
    "$(ask partition.info --uid 4242 '{"last_update":0,"show_flags":16}' | jq -c '[.msg.partitions[].name]')"

wait_for 5 "the first ping round to mark nodes not responding" \
    sh -c "[ \"\$($B/test/bin/nodeclient --rundir $RUN --type node.info '{}' | jq '.msg.nodes[8].node_state')\" = 2048 ]"
check_eq "nodes no slurmd answered for are NOT_RESPONDING" '["vm",2048,null]' "$(nodes_json | jq -c '.[-1]')"

# Asked after the first ping round, which changes the table (slower
# under load than its 200 ms).
stamp=$(ask node.info '{"last_update":0,"show_flags":16}' | jq '.msg.last_update')
check_match "an unchanged node table answers SLURM_NO_CHANGE_IN_DATA" '^error 1900 ' \
    "$(ask node.info "{\"last_update\":$((stamp + 1)),\"show_flags\":0}")"

check_eq "root drains a range" '{"rc":0}' \
    "$(ask node.update '{"node_names":"fk[1-2]","node_state":512,"reason":"maint window"}')"
check_eq "both nodes are drained with the reason" \
    '[["fk1",2560,"maint window"],["fk2",2560,"maint window"]]' \
    "$(nodes_json | jq -c '[.[] | select(.[0] == "fk1" or .[0] == "fk2")]')"
check_file_match "the store was told about fk1" '^state_set fk1 UNKNOWN\+DRAIN maint window$' "$STORE_LOG"
check_file_match "and about fk2" '^state_set fk2 UNKNOWN\+DRAIN maint window$' "$STORE_LOG"
rec=$(ask node.info '{}' | jq -c '.msg.nodes[3] | [.reason_uid, .reason_time > 0]')
check_eq "the reason records who and when" '[0,true]' "$rec"

check_match "a user may not update nodes (ESLURM_USER_ID_MISSING)" '^error 2010 ' \
    "$(ask node.update --uid 4242 '{"node_names":"vm","node_state":1,"reason":"x"}')"
check_match "an unknown node is ESLURM_INVALID_NODE_NAME" '^error 2018 ' \
    "$(ask node.update '{"node_names":"nosuch","node_state":512,"reason":"x"}')"
check_match "resuming an idle node is ESLURM_INVALID_NODE_STATE" '^error 2028 ' \
    "$(ask node.update '{"node_names":"id1","node_state":256}')"
check_match "resuming drained fk1, still UNKNOWN, is ESLURM_INVALID_NODE_STATE like slurmctld" \
    '^error 2028 ' "$(ask node.update '{"node_names":"fk1","node_state":256}')"
check_eq "yet DRAIN and the reason are gone, as with slurmctld" '["fk1",2048,null]' \
    "$(nodes_json | jq -c '.[] | select(.[0] == "fk1")')"
check_file_match "and the store has it" '^state_set fk1 UNKNOWN -$' "$STORE_LOG"
ask node.update '{"node_names":"id1","node_state":512,"reason":"idle drain"}' >/dev/null
check_eq "resuming a drained IDLE node succeeds" '{"rc":0}' \
    "$(ask node.update '{"node_names":"id1","node_state":256}')"
check_eq "it is IDLE+NOT_RESPONDING (slurmd must register again)" '["id1",2050,null]' \
    "$(nodes_json | jq -c '.[] | select(.[0] == "id1")')"

req='{"node_names":"vm","node_state":1,"reason":"gone"}'
ask node.update --req-id test.1 "$req" >/dev/null
check_eq "a request repeated with its req_id gets the same answer" '{"rc":0}' \
    "$(ask node.update --req-id test.1 "$req")"
check_eq "and is applied once" 1 "$(grep -c '^state_set vm ' "$STORE_LOG")"

check_match "node.info_single answers one node" '^1$' \
    "$(ask node.info_single '{"node_name":"dr1","show_flags":0}' | jq '.msg.record_count')"

nm_stop
check_file_match "SIGTERM drains and exits" "drained; exiting" "$NM_LOG"
nm_check_logs
t_done
