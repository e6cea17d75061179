#!/usr/bin/env bash
# Preemption by partition priority on real slurmd (the test cluster of
# test/lib/cluster.sh: one node of 2 CPUs, cons_tres with CR_Core_Memory,
# so a job without --mem takes the node's memory): a batch job of the
# default partition runs; a job of a partition of higher PriorityTier
# preempts it (PreemptMode=REQUEUE): the first job goes back to PENDING with
# one restart, its slurmd kills it and sends the epilog, and the preemptor
# runs on the node.  Passes against FLURM and, with E2E_TARGET=slurmctld,
# against Debian's real slurmctld on the same slurm.conf.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$T_ROOT/test/lib/cluster.sh"

cluster_require
. "$T_ROOT/test/e2e/lib.sh"
for c in sbatch squeue scontrol sinfo; do
    command -v "$c" >/dev/null 2>&1 || t_skip "the SLURM client '$c' is not installed"
done

CLUSTER_CPUS=2 CLUSTER_CONF_EXTRA="PartitionName=high Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=10
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE" cluster_up 1 || t_fatal "cluster_up 1: $CLUSTER_ERROR"
t_show_on_fail "$CLUSTER_HOME/log/slurmd-n1.log"
e2e_start "$CLUSTER_HOME"
# (cluster_wait_idle expects one line per node: n1 is in two partitions)
n1_idle() { [ "$(timeout 10 sinfo -h -N -p debug -o %t 2>/dev/null)" = idle ]; }
check "n1 registers and is idle" wait_for 40 "n1 to be idle" n1_idle

submit() { # PARTITION -> job id
    (cd "$E2E_WORK" && timeout 30 sbatch --parsable -p "$1" -o /dev/null --wrap "sleep 600")
}
field() { # ID KEY
    timeout 10 scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
state_is() { [ "$(field "$1" JobState)" = "$2" ]; }

low=$(submit debug)
check_match "a low-tier job is submitted" '^[0-9]+$' "$low"
check "it runs on n1" wait_for 20 "job $low to run" state_is "$low" RUNNING
check_eq "NodeList" "n1" "$(field "$low" NodeList)"

high=$(submit high)
check_match "a high-tier job is submitted" '^[0-9]+$' "$high"
check "the high-tier job runs once the low one is gone" \
    wait_for 60 "job $high to run" state_is "$high" RUNNING
check_eq "on n1" "n1" "$(field "$high" NodeList)"
check_eq "the low-tier job was requeued: pending" "PENDING" "$(field "$low" JobState)"
check_eq "with one restart" "1" "$(field "$low" Restarts)"
check_eq "waiting for its begin time (slurmd's credential window)" "BeginTime" \
    "$(field "$low" Reason)"

timeout 10 scancel "$high" "$low" 2>/dev/null
if [ "$E2E_TARGET" = flurm ]; then
    check "FLURM logged the preemption" \
        grep -q "job $low preempted: requeued" "$CLUSTER_HOME/flurm/flurm-sup.log"
    check_fails "no sanitizer report in FLURM's log" \
        grep -qE "Sanitizer|runtime error:" "$CLUSTER_HOME/flurm/flurm-sup.log"
fi
t_done
