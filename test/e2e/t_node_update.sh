#!/usr/bin/env bash
# An administrator drains a node with a reason and resumes it with
# `scontrol update NodeName=... State=DRAIN|RESUME`; sinfo, sinfo -R and
# scontrol show node show the drain, its reason, who set it, and the node
# idle again afterwards.  A non-admin is refused and changes nothing; a
# drain without a reason, an unknown node and a RESUME of a node that is
# not drained are refused with SLURM's messages.  The node is this host,
# with a real slurmd registered, as on a real site.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib.sh"

e2e_write_conf "$T_TMP/c" host
e2e_users
e2e_start
e2e_start_slurmd "$T_TMP/c" "$E2E_HOST"
N=$E2E_HOST

idle() { [ "$(node_state "$N")" = idle ]; }
wait_for 30 "slurmd on $N to register and the node to be idle" idle
check_eq "the registered node is idle" idle "$(node_state "$N")"

# ---- drain ------------------------------------------------------------------------
e2e_run scontrol update NodeName="$N" State=DRAIN Reason="e2e maintenance"
check_eq "root drains the node: exit 0, silent" "0 " "$RC $OUT$ERR"
check_eq "sinfo shows it drained" drain "$(node_state "$N")"
e2e_run sinfo -h -N -o "%N|%T|%E|%u"
check_eq "sinfo %T %E %u: long state, reason and who set it" "$N|drained|e2e maintenance|root" "$OUT"
e2e_run sinfo -R
check_eq "sinfo -R: header" "REASON               USER      TIMESTAMP           NODELIST" "$(sed -n 1p <<<"$OUT")"
check_match "sinfo -R: the reason, root, a timestamp, the node" \
    "^e2e maintenance +root +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8} $N\$" "$(sed -n 2p <<<"$OUT")"
node=$(show_node "$N")
check_eq "show node: State" IDLE+DRAIN "$(kv State <<<"$node")"
check_match "show node: Reason with user and time" \
    '^e2e maintenance \[root@[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\]$' "$(kv Reason <<<"$node")"

# ---- refused -------------------------------------------------------------------------
e2e_as "$E2E_USER1" scontrol update NodeName="$N" State=RESUME
check_eq "a non-admin cannot resume it" "1 slurm_update error: Invalid user id" "$RC $ERR"
check_eq "the node stays drained" drain "$(node_state "$N")"
e2e_run scontrol update NodeName="$N" State=DRAIN
check_eq "a drain without a reason is refused by scontrol" \
    "1 You must specify a reason when DOWNING or DRAINING a node. Request denied" "$RC $OUT$ERR"
e2e_run scontrol update NodeName=nosuch State=DRAIN Reason=x
check_eq "an unknown node" "1 slurm_update error: Invalid node name specified" "$RC $ERR"

# ---- resume ---------------------------------------------------------------------------
e2e_run scontrol update NodeName="$N" State=RESUME
check_eq "root resumes it: exit 0, silent" "0 " "$RC $OUT$ERR"
# slurmctld asks slurmd to register again on RESUME and shows the node
# "idle*" (not responding) until it has.
wait_for 15 "the node to be idle after RESUME" idle
check_eq "the node is idle again" idle "$(node_state "$N")"
e2e_run sinfo -h -N -o "%N|%T|%E"
check_eq "and its reason is gone" "$N|idle|none" "$OUT"
check_eq "show node: State IDLE" IDLE "$(show_node "$N" | kv State)"
e2e_run sinfo -h -R
check_eq "sinfo -R lists nothing" "" "$OUT"
e2e_run scontrol update NodeName="$N" State=RESUME
check_eq "resuming a node that is not drained" "1 slurm_update error: Invalid node state specified" "$RC $ERR"

e2e_as "$E2E_USER1" scontrol update NodeName="$N" State=DRAIN Reason=mine
check_eq "a non-admin cannot drain" "1 slurm_update error: Invalid user id" "$RC $ERR"
check_eq "the node stays idle" idle "$(node_state "$N")"
t_done
