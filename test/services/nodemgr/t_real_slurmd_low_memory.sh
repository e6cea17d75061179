#!/usr/bin/env bash
# A real slurmd whose host has less memory than slurm.conf says gets its
# node drained at registration, exactly as slurmctld does it: state
# UNKNOWN+DRAIN+INVALID_REG ("inval"), SLURM's reason "Low RealMemory
# (reported:X < 100.00% of configured:Y)" set by SlurmUser, and RESUME
# refused until slurmd reports enough.  Written with test/e2e/lib.sh, so
# E2E_TARGET=slurmctld runs the same checks against Debian's slurmctld
# (they pass there too).
. "$(dirname "$0")/../../lib/testlib.sh"
. "$T_ROOT/test/e2e/lib.sh"

e2e_write_conf "$T_TMP/c" host
mem=$(sed -n 's/^NodeName=.* RealMemory=\([0-9]*\).*/\1/p' "$E2E_CONF")
[[ $mem =~ ^[0-9]+$ ]] || t_fatal "the host's RealMemory is in slurm.conf"
sed -i "s/^\(NodeName=.*\) RealMemory=$mem/\1 RealMemory=$((mem + 1))/" "$E2E_CONF"
e2e_start
e2e_start_slurmd "$T_TMP/c" "$E2E_HOST"
N=$E2E_HOST
reason="Low RealMemory (reported:$mem < 100.00% of configured:$((mem + 1)))"

inval() { [ "$(node_state "$N")" = inval ]; }
wait_for 30 "slurmd to register and the node to be found short of memory" inval
check_eq "sinfo shows the node inval" inval "$(node_state "$N")"
node=$(show_node "$N")
check_eq "show node: State" UNKNOWN+DRAIN+INVALID_REG "$(kv State <<<"$node")"
check_match "show node: SLURM's reason, set by SlurmUser (root), with its time" \
    "^$(sed 's/[][().*+?^$|\\]/\\&/g' <<<"$reason") \\[root@[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\]\$" \
    "$(kv Reason <<<"$node")"
check_eq "RealMemory stays slurm.conf's" "$((mem + 1))" "$(kv RealMemory <<<"$node")"
check_match "slurmd's facts are recorded all the same" '^22\.05\.8 [0-9]{4}-' \
    "$(kv Version <<<"$node") $(kv SlurmdStartTime <<<"$node")"
e2e_run sinfo -h -N -o "%N|%E|%u"
check_eq "sinfo %E %u: the reason and SlurmUser" "$N|$reason|root" "$OUT"
e2e_run scontrol update NodeName="$N" State=RESUME
check_eq "RESUME is refused while the registration is invalid" \
    "1 slurm_update error: Invalid node state specified" "$RC $ERR"
check_eq "the node stays inval" inval "$(node_state "$N")"
t_done
