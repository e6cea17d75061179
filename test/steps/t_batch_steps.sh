#!/usr/bin/env bash
# Steps inside a batch job: a two-node, four-task batch script runs three
# srun steps one after the other and then two at once (& and wait).  The
# steps get ids 0, 1, 2, then 3 and 4 (SLURM_STEP_ID in each task), each
# runs where it was asked (-N2 on both nodes, -w on one), the batch script
# sees each srun's exit code (0, 3, 0, 4, 5).  While steps run, `squeue -s`
# lists them with the batch step (J.0, then J.3 and J.4, and J.batch, as
# slurmctld shows them), `scontrol show step` without an argument lists
# every running step, and `scontrol show step J.S` describes one: a step
# without --exact holds all of the job's CPUs and memory on its nodes
# (CPUs, TRES), its task count, distribution, srun host and no time limit
# of its own.  A finished step leaves the listings ("Job step J.0 not
# found"), the job then completes (COMPLETED 0:0, the batch script's own
# exit code), "No job steps in the system" remain and the nodes are idle.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/steps/lib.sh"

steps_cluster 2
W=$E2E_WORK

# `scontrol show step [ID]` as Key=Value lines; the ids of every step listed.
show_step() {
    e2e_run scontrol show step "$@"
    printf '%s\n' "$OUT" | python3 "$E2E_DIR/showkv.py"
}
listed_steps() {
    show_step | sed -n 's/^StepId=//p' | LC_ALL=C sort
}

cat >"$W/steps.sh" <<'EOF2'
#!/bin/bash
#SBATCH -N2 -n4
# which step ran where, with which id, and what srun returned
srun -N2 -n2 sh -c '
    echo "seq0 $SLURM_STEP_ID $(hostname)" >>"steps.$SLURM_JOB_ID"
    touch "running.$SLURM_JOB_ID.seq0.$(hostname)"
    while [ ! -e "go.$SLURM_JOB_ID.seq0" ]; do sleep 0.1; done'
echo "seq0 $?" >>"rc.$SLURM_JOB_ID"
srun -N1 -n1 sh -c 'echo "seq1 $SLURM_STEP_ID $(hostname)" >>"steps.$SLURM_JOB_ID"; exit 3'
echo "seq1 $?" >>"rc.$SLURM_JOB_ID"
srun -N1 -n1 sh -c 'echo "seq2 $SLURM_STEP_ID $(hostname)" >>"steps.$SLURM_JOB_ID"'
echo "seq2 $?" >>"rc.$SLURM_JOB_ID"
nodes=($(scontrol show hostnames "$SLURM_JOB_NODELIST"))
for i in 0 1; do
    srun -N1 -n1 -w "${nodes[$i]}" sh -c '
        echo "par$0 $SLURM_STEP_ID $(hostname)" >>"steps.$SLURM_JOB_ID"
        touch "running.$SLURM_JOB_ID.$0"
        while [ ! -e "go.$SLURM_JOB_ID" ]; do sleep 0.1; done
        exit $((4 + $0))' "$i" &
    pids[$i]=$!
    # one at a time, so that the step ids are known: 3 on the first node
    while [ ! -e "running.$SLURM_JOB_ID.$i" ]; do sleep 0.1; done
done
wait "${pids[0]}"
echo "par0 $?" >>"rc.$SLURM_JOB_ID"
wait "${pids[1]}"
echo "par1 $?" >>"rc.$SLURM_JOB_ID"
exit 0
EOF2

jid=$(e2e_submit steps.sh) || t_fatal "sbatch steps.sh is accepted"
check "the first step runs on both nodes" poll 30 "step 0 to start on n1 and n2" \
    test -e "$W/running.$jid.seq0.n1" -a -e "$W/running.$jid.seq0.n2"
e2e_run squeue -h -s -j "$jid" -o "%i|%j|%N"
check_eq "squeue -s lists step 0 on both nodes and the batch step on the first" "$jid.0|sh|n[1-2]
$jid.batch|batch|n1" "$(LC_ALL=C sort <<<"$OUT")"
check_eq "scontrol show step lists every running step" "$jid.0
$jid.batch" "$(listed_steps)"
step=$(show_step "$jid.0")
check_eq "scontrol show step $jid.0: StepId, UserId, State" "$jid.0 0 RUNNING" \
    "$(kv StepId <<<"$step") $(kv UserId <<<"$step") $(kv State <<<"$step")"
check_eq "scontrol show step $jid.0: Partition, NodeList, Nodes" "debug n[1-2] 2" \
    "$(kv Partition <<<"$step") $(kv NodeList <<<"$step") $(kv Nodes <<<"$step")"
check_eq "scontrol show step $jid.0: 2 tasks on all 4 CPUs of the job" "Tasks=2 CPUs=4" \
    "Tasks=$(kv Tasks <<<"$step") CPUs=$(kv CPUs <<<"$step")"
check_eq "scontrol show step $jid.0: TRES, all of the job's memory too" "cpu=4,mem=2000M,node=2" \
    "$(kv TRES <<<"$step")"
check_eq "scontrol show step $jid.0: Name, TimeLimit, Dist" "sh UNLIMITED Cyclic" \
    "$(kv Name <<<"$step") $(kv TimeLimit <<<"$step") $(kv Dist <<<"$step")"
check_match "scontrol show step $jid.0: SrunHost:Pid is the batch host and srun's pid" '^n1:[0-9]+$' \
    "$(kv SrunHost:Pid <<<"$step")"
touch "$W/go.$jid.seq0"

check "the two parallel steps run" poll 30 "both parallel steps to start" \
    test -e "$W/running.$jid.0" -a -e "$W/running.$jid.1"
check_eq "squeue -s lists the running steps and the batch step" "$jid.3
$jid.4
$jid.batch" "$(job_steps "$jid")"
e2e_run squeue -h -s -j "$jid" -o "%i|%j|%N|%u"
check_eq "squeue -s: step name, nodes and user" "$jid.3|sh|n1|root
$jid.4|sh|n2|root
$jid.batch|batch|n1|root" "$(LC_ALL=C sort <<<"$OUT")"
check_eq "scontrol show step lists the running steps" "$jid.3
$jid.4
$jid.batch" "$(listed_steps)"
step=$(show_step "$jid.3")
check_eq "scontrol show step $jid.3: StepId, State, NodeList, Nodes, Tasks" "$jid.3 RUNNING n1 1 1" \
    "$(kv StepId <<<"$step") $(kv State <<<"$step") $(kv NodeList <<<"$step") $(kv Nodes <<<"$step") $(kv Tasks <<<"$step")"
check_eq "scontrol show step $jid.3: the job's 2 CPUs and 1000 MB on n1" "CPUs=2 TRES=cpu=2,mem=1000M,node=1" \
    "CPUs=$(kv CPUs <<<"$step") TRES=$(kv TRES <<<"$step")"
e2e_run scontrol show step "$jid.0"
check_eq "a finished step is gone: scontrol show step $jid.0 exits 1" 1 "$RC"
check_eq "and says so" "Job step $jid.0 not found" "$OUT"
check_eq "the job is RUNNING" RUNNING "$(job_state "$jid")"

touch "$W/go.$jid"
check "the job completes" wait_state 30 "$jid" COMPLETED
check_eq "its ExitCode is the batch script's: 0:0" 0:0 "$(job_get "$jid" ExitCode)"
check_eq "the batch script saw each srun's exit code" "seq0 0
seq1 3
seq2 0
par0 4
par1 5" "$(cat "$W/rc.$jid")"
check_eq "the steps got ids 0-4 and ran where they were asked" "par0 3 n1
par1 4 n2
seq0 0 n1
seq0 0 n2
seq1 1 n1
seq2 2 n1" "$(sort "$W/steps.$jid")"
check_eq "no step is left in squeue -s" "" "$(job_steps "$jid")"
e2e_run scontrol show step
check_eq "scontrol show step exits 0: no job steps in the system" "0 No job steps in the system" "$RC $OUT"
check "both nodes are idle again" poll 20 "both nodes idle" nodes_idle

t_done
