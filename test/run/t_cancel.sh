#!/usr/bin/env bash
# Ending and signalling running jobs: scancel of a running job kills its
# processes on the node (a sleep the script started disappears) and leaves
# it CANCELLED; `scancel -b -s USR1` delivers USR1 to the batch shell (its
# trap runs and the job goes on to complete), while a plain `scancel -s USR2`
# signals only the job's steps, not the batch shell (22.05's rule); a job
# past its time limit (-t 1, OverTimeLimit=0) is killed and ends TIMEOUT,
# not before its minute is up and within slurmctld's 30 s check period
# after it; `scancel -b -s USR1` of an array reaches every running task.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/run/lib.sh"

run_cluster 2 "OverTimeLimit=0"
W=$E2E_WORK

# A script that starts a long sleep, records its pid and waits for it.
cat >"$W/sleeper.sh" <<'EOF'
#!/bin/bash
sleep 300 &
echo $! >"sleep.$SLURM_JOB_ID"
wait
EOF
alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
gone() { ! alive "$1"; }

# The time limit is checked only every 30 s by slurmctld: the job that
# exceeds it is started first, and the rest of the file runs meanwhile.
tid=$(e2e_submit -t 1 -J overtime sleeper.sh) || t_fatal "sbatch -t 1 is accepted"
check "the -t 1 job starts its sleep" wait_file 30 "$W/sleep.$tid"
tstart=$(date +%s)
tpid=$(cat "$W/sleep.$tid")

# ---- scancel -------------------------------------------------------------------
cid=$(e2e_submit -J victim sleeper.sh) || t_fatal "sbatch sleeper.sh is accepted"
check "the job starts its sleep" wait_file 30 "$W/sleep.$cid"
cpid=$(cat "$W/sleep.$cid")
check "its sleep runs" alive "$cpid"
check_eq "it is RUNNING" RUNNING "$(job_state "$cid")"
e2e_run scancel "$cid"
check_eq "scancel exits 0" 0 "$RC"
check "the job's sleep is killed on its node" poll 20 "pid $cpid to end" gone "$cpid"
check "the job ends CANCELLED" wait_state 20 "$cid" CANCELLED
check_match "scontrol: EndTime is set" '^[0-9]{4}-' "$(job_get "$cid" EndTime)"

# ---- signals ------------------------------------------------------------------------
cat >"$W/trap.sh" <<'EOF'
#!/bin/bash
trap 'echo USR1 >>"usr1.$SLURM_JOB_ID"' USR1
trap 'echo USR2 >>"usr2.$SLURM_JOB_ID"' USR2
touch "running.$SLURM_JOB_ID"
# short sleeps: bash runs a trap only between commands
while [ ! -e "go.$SLURM_JOB_ID" ]; do sleep 0.1; done
EOF
sid=$(e2e_submit -J trapper trap.sh) || t_fatal "sbatch trap.sh is accepted"
check "the trapping job starts" wait_file 30 "$W/running.$sid"
e2e_run scancel -s USR2 "$sid"
check_eq "scancel -s USR2 exits 0" 0 "$RC"
e2e_run scancel -b -s USR1 "$sid"
check_eq "scancel -b -s USR1 exits 0" 0 "$RC"
check "scancel -b -s USR1: the batch shell's trap runs" wait_file 20 "$W/usr1.$sid"
check_eq "the trap ran once" USR1 "$(cat "$W/usr1.$sid")"
# USR2 was sent first: by the time USR1 arrived it would have arrived too.
check_fails "scancel -s USR2 without -b does not reach the batch shell" test -e "$W/usr2.$sid"
check_eq "a signal the job traps does not end it" RUNNING "$(job_state "$sid")"
touch "$W/go.$sid"
check "the signalled job then completes" wait_state 20 "$sid" COMPLETED
check_eq "its ExitCode is 0:0" 0:0 "$(job_get "$sid" ExitCode)"

# ---- time limit ---------------------------------------------------------------------
check_eq "the -t 1 job still runs" RUNNING "$(job_state "$tid")"
check "the -t 1 job is killed with state TIMEOUT" wait_state 110 "$tid" TIMEOUT
tend=$(date +%s)
check "its sleep is killed" poll 20 "pid $tpid to end" gone "$tpid"
check_eq "its Reason is TimeLimit" TimeLimit "$(job_get "$tid" Reason)"
check "it ran its full minute (start to TIMEOUT seen: $((tend - tstart)) s)" test $((tend - tstart)) -ge 59
check "it ended within 30 s of its limit (plus polling)" test $((tend - tstart)) -le 95
t_start=$(date -d "$(job_get "$tid" StartTime)" +%s)
t_end=$(date -d "$(job_get "$tid" EndTime)" +%s)
check "scontrol: EndTime - StartTime covers the minute ($((t_end - t_start)) s)" test $((t_end - t_start)) -ge 60

# ---- a signal to an array: every running task gets it (the nodes are free now) --------
cat >"$W/trap_array.sh" <<'EOF'
#!/bin/bash
t="$SLURM_ARRAY_JOB_ID.$SLURM_ARRAY_TASK_ID"
trap 'echo USR1 >>"usr1.$t"' USR1
touch "running.$t"
while [ ! -e "go.$SLURM_ARRAY_JOB_ID" ]; do sleep 0.1; done
EOF
aid=$(e2e_submit -J trap-array --array=1-2 trap_array.sh) || t_fatal "sbatch --array=1-2 is accepted"
check "both array tasks start" poll 30 "tasks 1 and 2 to run" \
    test -e "$W/running.$aid.1" -a -e "$W/running.$aid.2"
e2e_run scancel -b -s USR1 "$aid"
check_eq "scancel -b -s USR1 of the array exits 0" 0 "$RC"
check "task 1's batch shell gets USR1" wait_file 20 "$W/usr1.$aid.1"
check "task 2's batch shell gets USR1" wait_file 20 "$W/usr1.$aid.2"
touch "$W/go.$aid"
check "array task 1 then completes" wait_state 30 "${aid}_1" COMPLETED
check "array task 2 then completes" wait_state 30 "${aid}_2" COMPLETED

t_done
