#!/usr/bin/env bash
# Ending jobs that have steps: `scancel J` of a batch job with two running
# steps kills the steps' processes and the batch script (CANCELLED);
# `scancel J.S` kills only step S: the other step and the batch script go
# on (the script sees the cancelled srun fail and the other one succeed)
# and the job then completes; a job past its time limit (-t 1,
# OverTimeLimit=0) has its step killed and ends TIMEOUT, a batch job as
# well as an srun that made its own allocation (srun reports the time
# limit and fails).
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/steps/lib.sh"

steps_cluster 3 "OverTimeLimit=0"
W=$E2E_WORK

# The time limit is checked only every 30 s by slurmctld: the jobs that
# exceed it start first, on n3, and the rest of the file runs meanwhile.
cat >"$W/overtime.sh" <<'EOF2'
#!/bin/bash
srun sh -c 'echo $$ >"pid.$SLURM_JOB_ID.$SLURM_STEP_ID"; exec sleep 300'
echo "srun $?" >>"rc.$SLURM_JOB_ID"
EOF2
tid=$(e2e_submit -t 1 -n1 --mem=50 -w n3 -J overtime overtime.sh) || t_fatal "sbatch -t 1 is accepted"
(cd "$W" && exec timeout -k 5 150 srun -t 1 -n1 --mem=50 -w n3 -J overtime-srun \
    sh -c 'echo $SLURM_JOB_ID >srun.id; echo $$ >srun.pid; exec sleep 300') \
    >"$T_TMP/srun.out" 2>"$T_TMP/srun.err" </dev/null &
srun_pid=$!
check "the -t 1 batch job starts its step" wait_file 30 "$W/pid.$tid.0"
check "the -t 1 srun starts its task" wait_file 30 "$W/srun.pid"
tstart=$(date +%s)
tpid=$(cat "$W/pid.$tid.0")
spid=$(cat "$W/srun.pid")
sid=$(cat "$W/srun.id")

# Two steps, one per node, waiting for go.J; the script records what each
# srun returned, then waits for go2.J.
cat >"$W/twosteps.sh" <<'EOF2'
#!/bin/bash
echo $$ >"batch.$SLURM_JOB_ID"
nodes=($(scontrol show hostnames "$SLURM_JOB_NODELIST"))
for i in 0 1; do
    srun -N1 -n1 -w "${nodes[$i]}" sh -c '
        echo $$ >"pid.$SLURM_JOB_ID.$SLURM_STEP_ID"
        while [ ! -e "go.$SLURM_JOB_ID" ]; do sleep 0.1; done' &
    pids[$i]=$!
    while [ ! -e "pid.$SLURM_JOB_ID.$i" ]; do sleep 0.1; done
done
wait "${pids[0]}"
echo "step0 $?" >>"rc.$SLURM_JOB_ID"
wait "${pids[1]}"
echo "step1 $?" >>"rc.$SLURM_JOB_ID"
while [ ! -e "go2.$SLURM_JOB_ID" ]; do sleep 0.1; done
EOF2

# ---- scancel J ------------------------------------------------------------------
cid=$(e2e_submit -N2 -w n1,n2 -J victim twosteps.sh) || t_fatal "sbatch twosteps.sh is accepted"
check "its two steps run" poll 30 "steps 0 and 1 to start" test -e "$W/pid.$cid.0" -a -e "$W/pid.$cid.1"
cpids="$(cat "$W/batch.$cid") $(cat "$W/pid.$cid.0") $(cat "$W/pid.$cid.1")"
check_eq "squeue -s shows both steps and the batch step" "$cid.0
$cid.1
$cid.batch" "$(job_steps "$cid")"
e2e_run scancel "$cid"
check_eq "scancel J exits 0" 0 "$RC"
all_gone() { local p; for p in "$@"; do alive "$p" && return 1; done; return 0; }
# shellcheck disable=SC2086 # a list of pids
check "the batch script and both steps are killed" poll 20 "pids $cpids to end" all_gone $cpids
check "the job ends CANCELLED" wait_state 20 "$cid" CANCELLED
check_eq "no step is left" "" "$(job_steps "$cid")"
node_is() { # NODE STATE
    e2e_run sinfo -h -N -n "$1" -o %t
    [ "$OUT" = "$2" ]
}
check "n1 and n2 are idle again" poll 20 "n1 and n2 idle" eval 'node_is n1 idle && node_is n2 idle'

# ---- scancel J.S ----------------------------------------------------------------
jid=$(e2e_submit -N2 -w n1,n2 -J onestep twosteps.sh) || t_fatal "sbatch twosteps.sh is accepted"
check "its two steps run" poll 30 "steps 0 and 1 to start" test -e "$W/pid.$jid.0" -a -e "$W/pid.$jid.1"
bpid=$(cat "$W/batch.$jid")
s0=$(cat "$W/pid.$jid.0")
s1=$(cat "$W/pid.$jid.1")
e2e_run scancel "$jid.0"
check_eq "scancel J.0 exits 0" 0 "$RC"
check "step 0's process is killed" poll 20 "pid $s0 to end" gone "$s0"
check "the batch script sees step 0's srun return" wait_file 20 "$W/rc.$jid"
check_eq "step 0's srun fails: its task was killed (128 + 9)" "step0 137" "$(cat "$W/rc.$jid")"
check_file_match "slurmstepd reports the cancelled step in the job's output" \
    "\\*\\*\\* STEP $jid\\.0 ON n1 CANCELLED AT [-0-9T:]+ \\*\\*\\*" "$W/slurm-$jid.out"
check_eq "squeue -s: step 0 is gone, step 1 and the batch step remain" "$jid.1
$jid.batch" "$(job_steps "$jid")"
check "step 1 still runs" alive "$s1"
check "the batch script still runs" alive "$bpid"
check_eq "the job is still RUNNING" RUNNING "$(job_state "$jid")"
touch "$W/go.$jid"
check "step 1 then ends normally" poll 20 "step 1 to end" grep -q '^step1 ' "$W/rc.$jid"
check_eq "and its srun returns 0" "step1 0" "$(sed -n 2p "$W/rc.$jid")"
check_eq "once step 1 has ended only the batch step remains" "$jid.batch" "$(job_steps "$jid")"
touch "$W/go2.$jid"
check "the job completes" wait_state 20 "$jid" COMPLETED
check_eq "its ExitCode is the batch script's: 0:0" 0:0 "$(job_get "$jid" ExitCode)"

# ---- time limit ---------------------------------------------------------------------
check_eq "the -t 1 batch job still runs" RUNNING "$(job_state "$tid")"
check_eq "the -t 1 srun job still runs" RUNNING "$(job_state "$sid")"
check "the -t 1 batch job is killed with state TIMEOUT" wait_state 110 "$tid" TIMEOUT
tend=$(date +%s)
check "its step's process is killed" poll 20 "pid $tpid to end" gone "$tpid"
check_eq "its Reason is TimeLimit" TimeLimit "$(job_get "$tid" Reason)"
check "it ran its full minute (start to TIMEOUT seen: $((tend - tstart)) s)" test $((tend - tstart)) -ge 59
check "the -t 1 srun job ends TIMEOUT" wait_state 20 "$sid" TIMEOUT
check "its task is killed" poll 20 "pid $spid to end" gone "$spid"
wait "$srun_pid"
src=$?
check "the -t 1 srun fails (exit $src)" test "$src" -ne 0 -a "$src" -ne 124 -a "$src" -ne 137
check_file_match "slurmstepd tells srun its step hit the time limit" \
    "\\*\\*\\* STEP $sid\\.0 ON n3 CANCELLED AT [-0-9T:]+ DUE TO TIME LIMIT \\*\\*\\*" "$T_TMP/srun.err"
check_file_match "the batch job's output says the job hit the time limit" \
    "\\*\\*\\* JOB $tid ON n3 CANCELLED AT [-0-9T:]+ DUE TO TIME LIMIT \\*\\*\\*" "$W/slurm-$tid.out"
# slurmd's time-limit kill reaches the batch step and step 0 one after the
# other: the step's own "*** STEP ... DUE TO TIME LIMIT ***" line reaches the
# output only if srun, stopped by the batch step's SIGTERM, still forwards
# it (seen missing in CI, a race of slurmd's); either way srun reports its
# task ended by that SIGTERM.
check_file_match "and that its step ended with it" \
    "(\\*\\*\\* STEP $tid\\.0 ON n3 CANCELLED AT [-0-9T:]+ DUE TO TIME LIMIT \\*\\*\\*|srun: error: n3: task 0: Terminated)" \
    "$W/slurm-$tid.out"
check "every node is idle at the end" poll 20 "every node idle" nodes_idle

t_done
