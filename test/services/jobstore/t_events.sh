#!/usr/bin/env bash
# After each commit flurm-jobstore publishes one job.changed event per
# changed job, {job_id, state, log_seq}, numbered consecutively; a refused
# command changes nothing and publishes nothing.
. "$(dirname "$0")/../../lib/testlib.sh"

CLIENT="$B/test/bin/storeclient"
RUN=$T_TMP/run
mkdir -p "$RUN" "$T_TMP/state"
cat >"$T_TMP/slurm.conf" <<EOF2
ClusterName=events
SlurmctldHost=ctl(127.0.0.1)
StateSaveLocation=$T_TMP/state
NodeName=n1 CPUs=2 RealMemory=1000
PartitionName=debug Nodes=n1 Default=YES
EOF2
t_show_on_fail "$T_TMP/store.log"
linked() { test "$(readlink "$RUN/ipc/store.req" 2>/dev/null)" = "store.$1.req"; }

t_bg env SLURM_CONF="$T_TMP/slurm.conf" FLURM_RUNDIR="$RUN" FLURM_SERVICE=store \
    "$B/bin/flurm-jobstore" 2>"$T_TMP/store.log"
wait_for 10 "the store serving" linked "$T_PID" || t_fatal "the store did not start"

"$CLIENT" --rundir "$RUN" events --count 4 --timeout 10000 >"$T_TMP/events" &
watcher=$!
wait_for 5 "the subscription" grep -q subscribed "$T_TMP/events"
sleep 0.2 # let the subscription reach the publisher (PUB drops until then)

check "two jobs are submitted" "$CLIENT" --rundir "$RUN" submit --count 2 --out "$T_TMP/acked"
check_match "a job for another partition is refused" '"code":2000' \
    "$("$CLIENT" --rundir "$RUN" request job.submit \
        '{"auth":{"uid":0,"gid":0,"addr":"127.0.0.1"},"msg":{"partition":"nope","script":"#!/bin/sh\n","environment":["A=1"]}}')"
# the lower of the two ids: the answers may come back in either order
first=$(awk '{print $2}' "$T_TMP/acked" | sort -n | head -n 1)
check_match "the first job is cancelled" '"rc":0' \
    "$("$CLIENT" --rundir "$RUN" request job.kill "{\"auth\":{\"uid\":0,\"gid\":0},\"msg\":{\"sjob_id\":\"$first\",\"signal\":9}}")"
check_match "the second is held" '"rc":0' \
    "$("$CLIENT" --rundir "$RUN" request job.update "{\"auth\":{\"uid\":0,\"gid\":0},\"msg\":{\"job_id\":$((first + 1)),\"priority\":0}}")"
wait "$watcher"
check_eq "four events arrived" 0 $?
events=$(grep '^job.changed' "$T_TMP/events")
t_note "$events"
check_eq "numbered 1 to 4" "1 2 3 4" "$(echo "$events" | awk '{print $2}' | xargs)"
check_match "the cancel is announced with state CANCELLED (4)" \
    "\"job_id\":$first,\"state\":4" "$(echo "$events" | sed -n 3p)"
check_match "the log positions skip the refused command" '"log_seq":5' "$(echo "$events" | sed -n 4p)"
store=$T_PID
t_stop "$store"
check_fails "the store stopped cleanly (no sanitizer report)" \
    grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$T_TMP/store.log"
check_file_match "after draining" "drained" "$T_TMP/store.log"
t_done
