#!/usr/bin/env bash
# A job runs through the real flurm-jobstore as the contract of
# docs/running-jobs.md says: the scheduler starts it, the node manager
# reads its allocation and launch information and marks it launched, slurmd
# (through the gateway) completes it and sends the epilog; a user cannot
# complete it; a restarted store still knows what a running job holds.
. "$(dirname "$0")/../../lib/testlib.sh"

CLIENT="$B/test/bin/storeclient"
RUN=$T_TMP/run
mkdir -p "$RUN" "$T_TMP/state"
cat >"$T_TMP/slurm.conf" <<EOF2
ClusterName=running
SlurmctldHost=ctl(127.0.0.1)
StateSaveLocation=$T_TMP/state
NodeName=n[1-2] CPUs=2 RealMemory=1000
PartitionName=debug Nodes=n[1-2] Default=YES MaxTime=30
EOF2
t_show_on_fail "$T_TMP/store.log"
linked() { test "$(readlink "$RUN/ipc/store.req" 2>/dev/null)" = "store.$1.req"; }
start_store() {
    t_bg env SLURM_CONF="$T_TMP/slurm.conf" FLURM_RUNDIR="$RUN" FLURM_SERVICE=store \
        "$B/bin/flurm-jobstore" 2>>"$T_TMP/store.log"
    wait_for 10 "the store serving" linked "$T_PID" || t_fatal "the store did not start"
}
req() { "$CLIENT" --rundir "$RUN" request "$@"; }
alloc() { # host cores
    echo "{\"nodes\":\"$1\",\"batch_host\":\"$1\",\"hosts\":[{\"name\":\"$1\",\"cores\":\"$2\",\"cpus\":1,\"mem\":100}]}"
}

start_store
check "two jobs are submitted" "$CLIENT" --rundir "$RUN" submit --count 2 --out "$T_TMP/acked"
a=$(awk 'NR==1 {print $2}' "$T_TMP/acked")
b=$(awk 'NR==2 {print $2}' "$T_TMP/acked")
now=$(date +%s)

check_match "the scheduler starts the first job" "started.:...job_id.:$a," \
    "$(req job.start "{\"time\":$now,\"jobs\":[{\"job_id\":$a,\"alloc\":$(alloc n1 0)}]}")"
check_match "the second job cannot have the same core" "refused.:...job_id.:$b," \
    "$(req job.start "{\"time\":$now,\"jobs\":[{\"job_id\":$b,\"alloc\":$(alloc n1 0)}]}")"
check_match "the node manager sees the allocation, not launched yet" \
    "\"job_id\":$a,.*\"launched\":false" "$(req job.allocs '{}')"
check_match "launch information carries the script and environment" \
    '"script":"#!/bin/sh' "$(req job.launch_info "{\"job_id\":$a}")"
check_match "the batch host took it" '"rc":0' "$(req job.launched "{\"job_id\":$a}")"
check_match "squeue sees it RUNNING on n1" '"job_state":1,.*"nodes":"n1"' \
    "$(req job.info_single "{\"auth\":{\"uid\":0,\"gid\":0},\"msg\":{\"job_id\":$a,\"show_flags\":0}}")"

store=$T_PID
t_stop "$store"
start_store
check_match "a restarted store still has it launched on n1" \
    "\"job_id\":$a,.*\"launched\":true.*\"nodes\":\"n1\"" "$(req job.allocs '{}')"

complete="{\"job_id\":$a,\"job_rc\":0,\"slurm_rc\":0,\"user_id\":0,\"node_name\":\"n1\"}"
check_match "a user cannot complete it" '"code":2002' \
    "$(req job.complete "{\"auth\":{\"uid\":1000,\"gid\":1000},\"time\":$now,\"msg\":$complete}")"
check_match "slurmd completes it" '"rc":0' \
    "$(req job.complete "{\"auth\":{\"uid\":0,\"gid\":0},\"time\":$((now + 1)),\"msg\":$complete}")"
check_match "it is COMPLETED and COMPLETING (0x8003)" '"job_state":32771' \
    "$(req job.info_single "{\"auth\":{\"uid\":0,\"gid\":0},\"msg\":{\"job_id\":$a,\"show_flags\":0}}")"
check_match "the epilog ends it" '"rc":0' \
    "$(req job.epilog_complete "{\"auth\":{\"uid\":0,\"gid\":0},\"time\":$((now + 2)),\"msg\":{\"job_id\":$a,\"return_code\":0,\"node_name\":\"n1\"}}")"
check_match "nothing holds resources any more" '"jobs":\[\]' "$(req job.allocs '{}')"
check_match "now the second job gets the core" "started.:...job_id.:$b," \
    "$(req job.start "{\"time\":$((now + 3)),\"jobs\":[{\"job_id\":$b,\"alloc\":$(alloc n1 0)}]}")"
t_note "$(req service.stats '{}')"
t_stop "$T_PID"
check_fails "the store stopped cleanly (no sanitizer report)" \
    grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$T_TMP/store.log"
t_done
