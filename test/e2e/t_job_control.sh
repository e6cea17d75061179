#!/usr/bin/env bash
# Changing pending jobs follows SLURM's rules: scancel cancels a pending
# job (its owner's or any as admin) but not another user's; scontrol
# hold/release set and clear JobHeldAdmin/JobHeldUser, and a user cannot
# release an admin hold; scontrol update changes TimeLimit, Name, Partition
# and Priority, a user only within the partition's limits and never the
# priority upwards, root anything; a finished job cannot be changed.
# The exact messages and exit statuses are slurmctld's (checked with
# E2E_TARGET=slurmctld).
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib.sh"

e2e_write_conf "$T_TMP/c" fake
e2e_users
e2e_start
U1=$E2E_USER1 U2=$E2E_USER2

field() { show_job "$1" | kv "$2"; }

# ---- scancel ------------------------------------------------------------------
j=$(e2e_submit --wrap true)
e2e_run scancel "$j"
check_eq "root cancels a pending job: exit 0, silent" "0 " "$RC $OUT$ERR"
check_eq "the job is CANCELLED" CANCELLED "$(field "$j" JobState)"
e2e_run squeue -h -j "$j" -t PD -o %i
check_eq "squeue no longer lists it as pending" "" "$OUT"
e2e_run scancel "$j"
check_eq "cancelling it again: exit 0, silent" "0 " "$RC $OUT$ERR"

mine=$(e2e_submit_as "$U1" --wrap true)
theirs=$(e2e_submit_as "$U2" --wrap true)
e2e_as "$U1" scancel "$theirs"
check_eq "a user cannot cancel another user's job: exit 210 (ESLURM_ACCESS_DENIED)" 210 "$RC"
check_eq "and scancel says why" "scancel: error: Kill job error on job id $theirs: Access/permission denied" "$ERR"
check_eq "the other user's job is still pending" PENDING "$(field "$theirs" JobState)"
e2e_as "$U1" scancel "$mine"
check_eq "a user cancels their own job" "0 " "$RC $ERR"
check_eq "their job is CANCELLED" CANCELLED "$(field "$mine" JobState)"
e2e_run scancel 999999
check_eq "scancel of an unknown job id: exit 0 (scancel hides ESLURM_INVALID_JOB_ID)" "0 " "$RC $ERR"

# ---- hold / release -------------------------------------------------------------
j=$(e2e_submit -J holdme --wrap true)
e2e_run scontrol hold "$j"
check_eq "scontrol hold by root: exit 0" "0 " "$RC $ERR"
check_eq "held by root: JobHeldAdmin, priority 0" "PENDING JobHeldAdmin 0" \
    "$(field "$j" JobState) $(field "$j" Reason) $(field "$j" Priority)"
e2e_run scontrol release "$j"
check_eq "scontrol release by root: exit 0" "0 " "$RC $ERR"
check_ne "released: no longer held" JobHeldAdmin "$(field "$j" Reason)"
check "released: a priority above 0 again" test "$(field "$j" Priority)" -gt 0

u=$(e2e_submit_as "$U1" -J userhold --wrap true)
e2e_as "$U1" scontrol hold "$u"
check_eq "a user holds their own job" "0 JobHeldUser" "$RC $(field "$u" Reason)"
e2e_as "$U1" scontrol release "$u"
check_eq "and releases it" 0 "$RC"
check_ne "which is then no longer held" JobHeldUser "$(field "$u" Reason)"
e2e_run scontrol hold "$u"
e2e_as "$U1" scontrol release "$u"
check_eq "a user cannot release an admin hold: exit 1" 1 "$RC"
check_eq "scontrol says access denied" "Access/permission denied for job $u
slurm_suspend error: Access/permission denied" "$ERR"
check_eq "the admin hold stays" JobHeldAdmin "$(field "$u" Reason)"
e2e_as "$U2" scontrol hold "$theirs"
check_eq "$U2 holds their own job" 0 "$RC"
e2e_as "$U1" scontrol release "$theirs"
check_eq "a user cannot release another user's job" "1 Invalid user id for job $theirs
slurm_suspend error: Invalid user id" "$RC $ERR"
e2e_as "$U1" scontrol hold "$j"
check_eq "a user cannot hold root's job" "1 Invalid user id for job $j
slurm_suspend error: Invalid user id" "$RC $ERR"

# ---- scontrol update: user ---------------------------------------------------------
p=$(e2e_submit_as "$U1" -p long -t 30 -J before --wrap true)
e2e_as "$U1" scontrol update JobId="$p" TimeLimit=10
check_eq "a user lowers the time limit" "0 00:10:00" "$RC $(field "$p" TimeLimit)"
e2e_as "$U1" scontrol update JobId="$p" TimeLimit=1-00:00:00
check_eq "a user sets a time limit within the partition's MaxTime" "0 1-00:00:00" "$RC $(field "$p" TimeLimit)"
e2e_as "$U1" scontrol update JobId="$p" TimeLimit=3-00:00:00
check_eq "a user cannot go above MaxTime (2 days)" "1 Access/permission denied for job $p" "$RC $ERR"
check_eq "the time limit is unchanged" 1-00:00:00 "$(field "$p" TimeLimit)"
e2e_as "$U1" scontrol update JobId="$p" Name=after
check_eq "a user renames their job" "0 after" "$RC $(field "$p" JobName)"
e2e_as "$U1" scontrol update JobId="$p" Partition=debug
check_eq "a user moves their job to another partition" "0 debug" "$RC $(field "$p" Partition)"
# SLURM lets a user lower a priority, applies it, and still answers
# ESLURM_PRIO_RESET_FAIL (exit 1) because priority/basic will not keep it.
e2e_as "$U1" scontrol update JobId="$p" Priority=5
check_eq "a user lowering the priority is warned it will not persist" \
    "1 Changes to job priority are not persistent, change nice instead for job $p" "$RC $ERR"
check_eq "but the lower priority is applied" 5 "$(field "$p" Priority)"
e2e_as "$U1" scontrol update JobId="$p" Priority=6
check_eq "a user cannot raise the priority" "1 Access/permission denied for job $p" "$RC $ERR"
check_eq "which stays as it was" 5 "$(field "$p" Priority)"
e2e_as "$U1" scontrol update JobId="$theirs" TimeLimit=5
check_eq "a user cannot update another user's job" "1 Invalid user id for job $theirs" "$RC $ERR"
e2e_as "$U1" scontrol update JobId="$theirs" Name=stolen
check_eq "not even its name" "1 Invalid user id for job $theirs" "$RC $ERR"
check_ne "whose name is unchanged" stolen "$(field "$theirs" JobName)"

# ---- scontrol update: root ---------------------------------------------------------
e2e_run scontrol update JobId="$p" TimeLimit=3-00:00:00
check_eq "root sets a time limit above MaxTime" "0 3-00:00:00" "$RC $(field "$p" TimeLimit)"
e2e_run scontrol update JobId="$p" Priority=100
check_eq "root sets the priority" "0 100" "$RC $(field "$p" Priority)"
e2e_run scontrol update JobId="$theirs" Name=renamed_by_root Partition=long
check_eq "root renames and moves a user's job in one update" "0 renamed_by_root long" \
    "$RC $(field "$theirs" JobName) $(field "$theirs" Partition)"
e2e_run scontrol update JobId="$p" Partition=nosuch
check_eq "a move to an unknown partition is refused" "1 Invalid partition name specified for job $p" "$RC $ERR"
e2e_run scontrol update JobId=999999 Name=x
check_eq "an update of an unknown job" "1 Invalid job id specified for job 999999" "$RC $ERR"

# ---- a finished job ---------------------------------------------------------------
e2e_run scancel "$p"
e2e_run scontrol update JobId="$p" Name=late
check_eq "a cancelled job cannot be updated" "1 Job has already finished for job $p" "$RC $ERR"
e2e_run scontrol hold "$p"
check_eq "nor held" "1 Job has already finished for job $p
slurm_suspend error: Job has already finished" "$RC $ERR"
t_done
