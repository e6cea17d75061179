#!/usr/bin/env bash
# While the store is away, node.update is still answered once its write has
# timed out, the change is kept in memory, and it reaches the store when
# the store is back, so that it still survives a restart.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/nmlib.sh"

nm_conf
store_start || t_fatal "the stand-in store starts"
export FLURM_NODEMGR_STORE_TIMEOUT_MS=500
nm_start || t_fatal "flurm-nodemgr starts"
t_stop "$STORE_PID"

start=$(date +%s%N)
check_eq "a drain is answered while the store is away" '{"rc":0}' \
    "$(ask node.update '{"node_names":"fk3","node_state":512,"reason":"while away"}')"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "after the write's timeout ($elapsed_ms ms)" test "$elapsed_ms" -ge 400
check_file_match "the failed write is logged" "node fk3: state not saved .*retrying" "$NM_LOG"
check_eq "the node is drained meanwhile" '["fk3",512,"while away"]' \
    "$(nodes_json | jq -c '.[] | select(.[0] == "fk3") | [.[0], .[1] % 2048, .[2]]')"

store_start || t_fatal "the store comes back"
wait_for 10 "the retried write to reach the store" \
    grep -q '^state_set fk3 UNKNOWN+DRAIN while away$' "$STORE_LOG"
check_file_match "the retried write reached the store" '^state_set fk3 UNKNOWN\+DRAIN while away$' "$STORE_LOG"

nm_stop
nm_start || t_fatal "flurm-nodemgr starts again"
check_eq "after a restart fk3 is still drained" '["fk3",512,"while away"]' \
    "$(nodes_json | jq -c '.[] | select(.[0] == "fk3") | [.[0], .[1] % 2048, .[2]]')"
nm_check_logs
t_done
