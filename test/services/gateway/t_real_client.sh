#!/usr/bin/env bash
# Unmodified SLURM 22.05 clients use the gateway as their slurmctld:
# `scontrol ping` says UP, `scontrol show config` reports the site's
# slurm.conf (its values, and HASH_VAL = Match because the gateway hashes the
# file as SLURM does), sdiag shows the RPCs by type and user, and a user who
# is not root can verify the replies meant for them (munge restricted to
# their uid).
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/gwlib.sh"
gw_need_munge
gw_need_clients
gw_conf "MessageTimeout=7" "PriorityType=priority/multifactor" \
    "PriorityFlags=SMALL_RELATIVE_TO_TIME" "PriorityDecayHalfLife=1-0" "DefMemPerCPU=500"
gw_start || t_fatal "the gateway did not start"

check_match "scontrol ping says UP" "Slurmctld\(primary\) at gwhost is UP" "$(scontrol ping 2>&1)"

scontrol show config >"$T_TMP/config.txt" 2>&1
check "scontrol show config succeeds" test -s "$T_TMP/config.txt"
key() { # the value scontrol prints for KEY
    awk -v k="$1" '$1 == k && $2 == "=" { $1 = $2 = ""; sub(/^ +/, ""); print; exit }' \
        "$T_TMP/config.txt"
}
check_eq "ClusterName (lower-cased as SLURM does)" flurmtest "$(key ClusterName)"
check_eq "SlurmctldPort" "$PORT" "$(key SlurmctldPort)"
check_eq "SlurmdPort" "$((PORT + 1))" "$(key SlurmdPort)"
check_eq "SlurmctldHost" "gwhost(127.0.0.1)" "$(key 'SlurmctldHost[0]')"
check_eq "MaxJobCount" 12345 "$(key MaxJobCount)"
check_eq "MessageTimeout" "7 sec" "$(key MessageTimeout)"
check_eq "SelectTypeParameters" CR_CORE_MEMORY "$(key SelectTypeParameters)"
check_eq "DefMemPerCPU" 500 "$(key DefMemPerCPU)"
check_eq "PriorityFlags" SMALL_RELATIVE_TO_TIME "$(key PriorityFlags)"
check_eq "PriorityDecayHalfLife (a time in minutes)" "1-00:00:00" "$(key PriorityDecayHalfLife)"
check_eq "SlurmUser" "root(0)" "$(key SlurmUser)"
check_eq "StateSaveLocation" "$T_TMP/state" "$(key StateSaveLocation)"
check_eq "an unset key gets SLURM's default (KillWait)" "30 sec" "$(key KillWait)"
check_eq "SLURM_CONF" "$SLURM_CONF" "$(key SLURM_CONF)"
check_eq "HASH_VAL: the client's hash of slurm.conf matches the gateway's" Match \
    "$(key HASH_VAL)"
check_file_match "the client pinged after reading the config" \
    "^Slurmctld\(primary\) at gwhost is UP" "$T_TMP/config.txt"

# A user who is not an administrator: the reply is restricted to their uid,
# and only they can decode it.
chmod 755 "$T_TMP"
chmod 644 "$SLURM_CONF"
as_nobody() {
    setpriv --reuid=nobody --regid=nogroup --clear-groups env SLURM_CONF="$SLURM_CONF" "$@"
}
check_match "nobody: scontrol show config reads the gateway's reply" \
    "ClusterName += flurmtest" "$(as_nobody scontrol show config 2>&1)"
check_match "nobody: scontrol ping says UP" "is UP" "$(as_nobody scontrol ping 2>&1)"

sdiag >"$T_TMP/sdiag.txt" 2>&1
check_file_match "sdiag counts REQUEST_PING" "REQUEST_PING +\( 1008\) count:[0-9]+" \
    "$T_TMP/sdiag.txt"
check_file_match "sdiag counts REQUEST_BUILD_INFO" "REQUEST_BUILD_INFO +\( 2001\) count:[0-9]+" \
    "$T_TMP/sdiag.txt"
check_file_match "sdiag counts root's RPCs" "root +\( +0\) count:" "$T_TMP/sdiag.txt"
check_file_match "sdiag counts nobody's RPCs" "nobody +\( *65534\) count:" "$T_TMP/sdiag.txt"
check_file_match "sdiag: connections being served, its own at least" \
    "Server thread count: +[1-9][0-9]*$" "$T_TMP/sdiag.txt"
check_match "sdiag -r by nobody is refused as slurmctld refuses it" "Access/permission denied" \
    "$(as_nobody sdiag -r 2>&1)"
check_match "sdiag -r by root resets the counters" "Reset scheduling statistics" "$(sdiag -r 2>&1)"
check_fails "after the reset no REQUEST_BUILD_INFO is counted" grep -q REQUEST_BUILD_INFO \
    <(sdiag 2>&1)

gw_stop
t_done
