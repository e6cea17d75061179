#!/usr/bin/env bash
# Debian's SLURM 22.05 sinfo and scontrol, talking to flurm-gateway and
# flurm-nodemgr, print exactly what they print against the real slurmctld
# for the same slurm.conf with no slurmd running (golden/clients/*.txt were
# taken from slurmctld 22.05.8: docs/nodemgr.md), and scontrol update
# drains, resumes and is refused as with slurmctld.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/nmlib.sh"

GOLD="$T_ROOT/test/services/nodemgr/golden/clients"
for c in sinfo scontrol munge unmunge setpriv; do
    command -v "$c" >/dev/null 2>&1 || t_skip "$c is not installed"
done
[ -x "$B/bin/flurm-gateway" ] || t_skip "$B/bin/flurm-gateway is not built"
munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || t_skip "munged is not answering"

port=$(t_free_port) || t_fatal "no free TCP port"
nm_conf
sed -i "s/^SlurmctldPort=.*/SlurmctldPort=$port/" "$SLURM_CONF"
# the clients also run as nobody: let them read the configuration
chmod 755 "$T_TMP"
chmod 644 "$SLURM_CONF"
CLIENT_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TZ=UTC SLURM_CONF="$SLURM_CONF")
as_root() { "${CLIENT_ENV[@]}" timeout 30 "$@" 2>&1; }
as_user() { "${CLIENT_ENV[@]}" timeout 30 setpriv --reuid=nobody --regid=nogroup --clear-groups "$@" 2>&1; }

store_start || t_fatal "the stand-in store starts"
export FLURM_NODEMGR_FIRST_PING_MS=100
nm_start || t_fatal "flurm-nodemgr starts"
t_show_on_fail "$T_TMP/gateway.log"
t_bg "$B/bin/flurm-gateway" --listen "127.0.0.1:$port" --rundir "$RUN" --slurm-conf "$SLURM_CONF" \
    2>>"$T_TMP/gateway.log"
GW_PID=$T_PID
# sinfo's compact state of NODE in PARTITION (-n would need
# REQUEST_NODE_INFO_SINGLE, which the gateway does not route yet)
state_of() { as_root sinfo -h -N -o '%N %P %T' | awk -v n="$1" -v p="$2" '$1 == n && $2 == p { print $3 }'; }
unresponsive() { [ "$(state_of vm debug*)" = "unknown*" ]; }
wait_for 15 "sinfo to show vm unknown*" unresponsive || t_fatal "sinfo reaches FLURM"

check_eq "sinfo" "$(cat "$GOLD/sinfo.txt")" "$(as_root sinfo)"
# sinfo -N orders the lines of one node by partition unstably, whoever
# the controller is: compare them as sets
check_eq "sinfo -N -l (after its date line, lines sorted)" "$(sort "$GOLD/sinfo_N_l.txt")" \
    "$(as_root sinfo -N -l | tail -n +2 | sort)"
check_eq "sinfo -R" "$(cat "$GOLD/sinfo_R.txt")" "$(as_root sinfo -R)"
for n in fk1 dr1 dn1 vm; do
    check_eq "scontrol show node $n" "$(cat "$GOLD/node_$n.txt")" "$(as_root scontrol show node "$n")"
done
check_eq "scontrol show partition" "$(cat "$GOLD/partitions.txt")" "$(as_root scontrol show partition)"
check_eq "sinfo as a user" "$(cat "$GOLD/sinfo_user.txt")" "$(as_user sinfo)"
check_eq "scontrol show partition as a user" "$(cat "$GOLD/partitions_user.txt")" \
    "$(as_user scontrol show partition)"
check_eq "a user cannot see a node of hidden partitions only" "$(cat "$GOLD/node_dn1_user.txt")" \
    "$(as_user scontrol show node dn1)"

out=$(as_root scontrol update NodeName=fk[1-2] State=DRAIN Reason="maint window")
check_eq "scontrol update drains a range" "" "$out"
check_match "the reason shows with its author and time" \
    '^Reason=maint window \[root@[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\]$' \
    "$(as_root scontrol show node fk2 | sed -n 's/^ *//; /^Reason=/p')"
check_match "sinfo -R lists it" $'maint window +root +[0-9T:-]+ fk\\[1-2\\]' "$(as_root sinfo -R)"
check_eq "sinfo shows the nodes drained" "drained*" "$(state_of fk1 short)"
check_eq "a user is refused as by slurmctld" "slurm_update error: Invalid user id" \
    "$(as_user scontrol update NodeName=vm State=DOWN Reason=x)"
check_eq "an unknown node" "slurm_update error: Invalid node name specified" \
    "$(as_root scontrol update NodeName=nosuch State=DRAIN Reason=y)"
check_eq "resuming a node that is not drained" "slurm_update error: Invalid node state specified" \
    "$(as_root scontrol update NodeName=id1 State=RESUME)"
check_eq "DOWN without a reason is refused by scontrol itself" \
    "You must specify a reason when DOWNING or DRAINING a node. Request denied" \
    "$(as_root scontrol update NodeName=vm State=DOWN)"
# scontrol insists on a reason, slurmctld does not: a raw REQUEST_UPDATE_NODE
# (node_names "vm", node_state DRAIN, reason NULL) is accepted by slurmctld
# 22.05.8 with rc 0 and drains the node.
if [ -x "$B/test/bin/gwclient" ]; then
    body=$(printf '00000000%.0s' 1 2 3 4 5 6 7 8) # comment .. node_hostname: NULL / 0
    body+=00000003766d00                           # node_names "vm"
    body+=00000200                                 # node_state DRAIN
    body+=00000000                                 # reason NULL
    body+=00000000fffffffe                         # reason_uid 0, weight NO_VAL
    check_match "a DRAIN without reason from another client is accepted" 'rc=0 ' \
        "$("$B/test/bin/gwclient" --port "$port" --type 3002 --version 0x2600 --body-hex "$body" \
            --uid-restrict 0 2>&1 | head -n 1)"
    check_eq "and drains the node without a reason" "UNKNOWN+DRAIN+NOT_RESPONDING|0" \
        "$(as_root scontrol show node vm | sed -n 's/^ *State=\([^ ]*\).*/\1/p')|$(as_root scontrol show node vm | grep -c Reason=)"
fi
as_root scontrol update NodeName=id1 State=DRAIN Reason=r >/dev/null
check_eq "resume of a drained idle node" "" "$(as_root scontrol update NodeName=id1 State=RESUME)"
check_eq "makes it idle* again" "idle*" "$(state_of id1 debug*)"
nm_check_logs
t_done
