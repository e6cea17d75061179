#!/usr/bin/env bash
# bench/nodeemu stands in for slurmd on many nodes: 50 emulated nodes (25
# on their own loopback address and one shared port, 25 on 127.0.0.1 with
# a port each) register with the controller and show idle, 20 batch jobs
# run on them to COMPLETED, a script's "#EMU exit=3" makes its job FAILED
# with exit code 3, scancel of a running job ends it CANCELLED, and the
# emulator's counters add up with no error.  FLURM by default; the real
# slurmctld with E2E_TARGET=slurmctld.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/e2e/lib.sh"

[ -x "$B/bench/nodeemu" ] || t_fatal "$B/bench/nodeemu is not built (make $B/bench/nodeemu)"

# NODEEMU_NODES / NODEEMU_JOBS scale the same check up (docs/benchmarks.md:
# 1,000 nodes and 200 jobs, 10,000 nodes); the times are printed as notes.
NODES=${NODEEMU_NODES:-50}
JOBS=${NODEEMU_JOBS:-20}
WAIT=$((30 + NODES / 100))
HALF=$((NODES / 2))

# Ports for the port-per-node half: HALF consecutive ports nobody listens
# on, below the ephemeral range so that no outgoing connection takes one.
free_range() {
    local base try p ok busy
    busy=$(ss -Htln 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }' | sort -un)
    for ((try = 0; try < 50; try++)); do
        base=$((10000 + RANDOM % (22000 - HALF)))
        ok=1
        for p in $busy; do
            [ "$p" -ge "$base" ] && [ "$p" -lt $((base + HALF)) ] && ok=0 && break
        done
        [ $ok = 1 ] && echo "$base" && return 0
    done
    return 1
}

dir=$T_TMP/cluster
e2e_write_conf "$dir" fake
shared_port=$(t_free_port) || t_fatal "no free TCP port"
base=$(free_range) || t_fatal "no $HALF free consecutive ports"
hw="CPUs=2 Sockets=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000 State=UNKNOWN"
sed -i '/^NodeName=/d; /^PartitionName=/d' "$E2E_CONF"
{
    # e1..eHALF: one loopback address each (127.1.K.1-250), one port
    for ((first = 1, k = 0; first <= HALF; first += 250, k++)); do
        last=$((first + 249 > HALF ? HALF : first + 249))
        echo "NodeName=e[$first-$last] NodeAddr=127.1.$k.[1-$((last - first + 1))] Port=$shared_port $hw"
    done
    # the rest: 127.0.0.1, one port each
    echo "NodeName=e[$((HALF + 1))-$NODES] NodeAddr=127.0.0.1 Port=[$base-$((base + NODES - HALF - 1))] $hw"
    echo "PartitionName=debug Nodes=e[1-$NODES] Default=YES MaxTime=INFINITE State=UP"
    echo "MaxJobCount=100000"
} >>"$E2E_CONF"
e2e_start "$dir"

emu_out=$T_TMP/nodeemu.out
t_show_on_fail "$emu_out" "$T_TMP/nodeemu.err"
t0=$(date +%s.%N)
t_bg "$B/bench/nodeemu" -f "$E2E_CONF" --report 5 >"$emu_out" 2>"$T_TMP/nodeemu.err"
emu_pid=$T_PID

all_idle() {
    local states
    states=$(timeout 10 sinfo -h -N -o '%t' 2>/dev/null) || return 1
    [ "$(grep -cx idle <<<"$states")" -eq "$NODES" ]
}
wait_for "$WAIT" "$NODES idle nodes" all_idle || t_fatal "all $NODES emulated nodes are idle in sinfo"
t_note "$E2E_TARGET: $NODES nodes idle in sinfo $(echo "$(date +%s.%N) - $t0" | bc) s after the emulator started"
check "all $NODES emulated nodes are idle in sinfo" true
check "the emulator saw every node registered" \
    wait_for "$WAIT" "the emulator's registration line" grep -q "registered $NODES nodes in" "$emu_out"
t_note "$(grep -m1 'registered .* nodes in' "$emu_out")"

t1=$(date +%s.%N)
ids=()
for ((k = 0; k < JOBS; k++)); do
    id=$(e2e_submit --wrap=true -o /dev/null) && ids+=("$id")
done
[ "${#ids[@]}" -eq "$JOBS" ] || t_fatal "$JOBS jobs were submitted (${#ids[@]} were)"
check_eq "$JOBS jobs were submitted" "$JOBS" "${#ids[@]}"

printf '#!/bin/sh\n#EMU exit=3\nfalse\n' >"$E2E_WORK/fail.sh"
fail_id=$(e2e_submit -o /dev/null "$E2E_WORK/fail.sh")
printf '#!/bin/sh\n#EMU runtime=600000\nsleep 600\n' >"$E2E_WORK/long.sh"
long_id=$(e2e_submit -o /dev/null "$E2E_WORK/long.sh")

long_running() { show_job "$long_id" | kv JobState | grep -qx RUNNING; }
check "the long job runs" wait_for 20 "job $long_id RUNNING" long_running
e2e_run scancel "$long_id"
check_eq "scancel of the running job" 0 "$RC"

queue_empty() {
    local q
    q=$(timeout 10 squeue -h -o %i 2>/dev/null) || return 1
    [ -z "$q" ]
}
check "the queue empties" wait_for "$WAIT" "squeue to be empty" queue_empty
t_note "$E2E_TARGET: $((JOBS + 2)) jobs submitted, run and ended in $(echo "$(date +%s.%N) - $t1" | bc) s"

states=""
for id in "${ids[@]}"; do
    states+="$(show_job "$id" | kv JobState) "
done
check_eq "every --wrap=true job COMPLETED" "$(printf 'COMPLETED %.0s' "${ids[@]}")" "$states"
check_eq "the '#EMU exit=3' job FAILED" FAILED "$(show_job "$fail_id" | kv JobState)"
check_eq "with exit code 3" 3:0 "$(show_job "$fail_id" | kv ExitCode)"
check_eq "the cancelled job is CANCELLED" CANCELLED "$(show_job "$long_id" | kv JobState)"
check "the nodes are idle again" wait_for "$WAIT" "$NODES idle nodes" all_idle

t_stop "$emu_pid" 10
final=$(grep '^nodeemu final' "$emu_out")
t_note "$final"
total=$((JOBS + 2))
check_match "every job was launched once" " launches=$total " "$final"
check_match "every batch script reported its end" " completes=$total/$total " "$final"
check_match "every job's node sent its epilog" " epilogs=$total " "$final"
check_match "no error" " errors=0 " "$final"
check_match "no request was unknown" " unknown=0 " "$final"
check_fails "no sanitizer report from the emulator" grep -qE 'Sanitizer|runtime error' "$T_TMP/nodeemu.err"
t_done
