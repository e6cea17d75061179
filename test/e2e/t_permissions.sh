#!/usr/bin/env bash
# Two real unprivileged users share the cluster under SLURM's default
# PrivateData (none): each sees every job (squeue, scontrol show job) but
# may cancel only their own; `scancel -u other` cancels nothing of the
# other's.  Ownership comes from the munge credential; only root may
# submit for someone else (sbatch --uid).
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib.sh"

e2e_write_conf "$T_TMP/c" fake
e2e_users
e2e_start
U1=$E2E_USER1 U2=$E2E_USER2

state() { show_job "$1" | kv JobState; }
ids_seen_by() { # user -> sorted job ids that squeue shows that user
    e2e_as "$1" squeue -h -o %i
    sort -n <<<"$OUT" | tr '\n' ' ' | sed 's/ $//'
}

r=$(e2e_submit -J rootjob --wrap true)
a1=$(e2e_submit_as "$U1" -J a1 --wrap true)
b1=$(e2e_submit_as "$U2" -J b1 --wrap true)
b2=$(e2e_submit_as "$U2" -J b2 --wrap true)
check "every user could submit" test -n "$r" -a -n "$a1" -a -n "$b1" -a -n "$b2"
all=$(printf '%s\n' "$r" "$a1" "$b1" "$b2" | sort -n | tr '\n' ' ' | sed 's/ $//')

# ---- everybody sees everything ----------------------------------------------------
check_eq "$U1 sees every job in squeue" "$all" "$(ids_seen_by "$U1")"
check_eq "$U2 sees every job in squeue" "$all" "$(ids_seen_by "$U2")"
e2e_as "$U2" scontrol show job "$a1"
check_eq "$U2 may show $U1's job" 0 "$RC"
check_match "and sees its owner" "UserId=$U1\\($(id -u "$U1")\\)" "$OUT"
e2e_as "$U1" squeue -h -u "$U2" -o %i
check_eq "squeue -u $U2 run by $U1: $U2's jobs" "$b1 $b2" "$(sort -n <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')"

# ---- cancel only one's own --------------------------------------------------------
e2e_as "$U1" scancel "$b1"
check_eq "$U1 cannot cancel $U2's job" \
    "210 scancel: error: Kill job error on job id $b1: Access/permission denied" "$RC $ERR"
check_eq "$U2's job is still pending" PENDING "$(state "$b1")"
e2e_as "$U2" scancel "$a1"
check_eq "$U2 cannot cancel $U1's job" \
    "210 scancel: error: Kill job error on job id $a1: Access/permission denied" "$RC $ERR"
e2e_as "$U1" scancel "$r"
check_eq "$U1 cannot cancel root's job" \
    "210 scancel: error: Kill job error on job id $r: Access/permission denied" "$RC $ERR"
e2e_as "$U2" scancel -u "$U1"
check_eq "scancel -u $U1 run by $U2 is refused for each of $U1's jobs" \
    "210 scancel: error: Kill job error on job id $a1: Access/permission denied" "$RC $ERR"
check_eq "nothing was cancelled" "PENDING PENDING PENDING PENDING" \
    "$(state "$r") $(state "$a1") $(state "$b1") $(state "$b2")"

e2e_as "$U2" scancel -u "$U2"
check_eq "scancel -u $U2 run by $U2" "0 " "$RC $ERR"
check_eq "cancels both of $U2's jobs" "CANCELLED CANCELLED" "$(state "$b1") $(state "$b2")"
check_eq "and no one else's" "PENDING PENDING" "$(state "$r") $(state "$a1")"
e2e_as "$U1" scancel "$a1"
check_eq "$U1 cancels their own job" "0 CANCELLED" "$RC $(state "$a1")"
check_eq "root's job is untouched" PENDING "$(state "$r")"

# ---- ownership ---------------------------------------------------------------------
for_u1=$(e2e_submit --uid="$U1" --wrap true)
check_match "root may submit for $U1 (sbatch --uid)" '^[0-9]+$' "$for_u1"
check_eq "the job belongs to $U1, with the submitter's group" "$U1($(id -u "$U1")) root(0)" \
    "$(show_job "$for_u1" | kv UserId) $(show_job "$for_u1" | kv GroupId)"
e2e_as "$U1" scancel "$for_u1"
check_eq "so $U1 may cancel it" "0 CANCELLED" "$RC $(state "$for_u1")"
e2e_run scancel "$r"
check_eq "root cancels its own job" "0 CANCELLED" "$RC $(state "$r")"
t_done
