#!/usr/bin/env bash
# Preemption by partition priority (PreemptType=preempt/partition_prio)
# through the real store, node manager and scheduler: a job of a partition
# of higher PriorityTier that finds no free core preempts the youngest
# running job of a lower tier through job.preempt — requeued where the
# partition's PreemptMode is REQUEUE, PREEMPTED where it is CANCEL — and
# starts on its cores once the preempted job's epilog came (the store holds
# them while it completes).  A job of the same tier preempts nobody.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/schedlib.sh"

SCHED_INTERVAL_MS=300
sched_conf "SelectType=select/cons_tres" "SelectTypeParameters=CR_Core_Memory" \
    "PreemptType=preempt/partition_prio" "PreemptMode=REQUEUE" \
    "PartitionName=lowc Nodes=n[1-2] MaxTime=INFINITE State=UP PreemptMode=CANCEL" \
    "PartitionName=high Nodes=n[1-2] MaxTime=INFINITE State=UP PriorityTier=10"
store_up || t_fatal "the store starts"
nodes_up || t_fatal "the node manager starts"
sched_up || t_fatal "the scheduler starts"
check "n1 registers" register n1
check "n2 registers" register n2

PENDING_COMPLETING=32768   # JOB_PENDING | JOB_COMPLETING
PREEMPTED=8
PREEMPTED_COMPLETING=32776 # JOB_PREEMPTED | JOB_COMPLETING

allocs() { _sl_store job.allocs '{}'; }
nodes_of() { # ID -> the nodes it holds
    allocs | jq -r --argjson id "$1" '.body.jobs[] | select(.job_id == $id) | .alloc.nodes'
}
state_is() { [ "$(job_field "$1" .job_state)" = "$2" ]; }
epilog() { # ID NODE: what slurmd sends once the job is gone from NODE
    _sl_store job.epilog_complete "{\"auth\":{\"uid\":0,\"gid\":0},\"msg\":{\"job_id\":$1,\"return_code\":0,\"node_name\":\"$2\"}}" |
        jq -e '.ok' >/dev/null
}
two_cpus() { submit "{\"min_cpus\":2,\"num_tasks\":2,\"max_nodes\":1,\"pn_min_memory\":100,\"partition\":\"$1\"}"; }

# ---- the low tier fills the cluster -------------------------------------------
a=$(two_cpus lowc)
check "a CANCEL-mode job runs" wait_for 2 "job $a to run" state_is "$a" 1
check_eq "on n1" "n1" "$(nodes_of "$a")"
sleep 1.1 # b starts a second later: the younger of the two
b=$(two_cpus debug)
check "a REQUEUE-mode job runs" wait_for 2 "job $b to run" state_is "$b" 1
check_eq "on n2" "n2" "$(nodes_of "$b")"

# ---- a high-tier job preempts the youngest, which is requeued -------------------
h1=$(two_cpus high)
check "the high-tier job requeues the youngest low-tier job" \
    wait_for 3 "job $b to be requeued" state_is "$b" "$PENDING_COMPLETING"
check_eq "it counts one restart" "1" "$(job_field "$b" .restart_cnt)"
check_eq "the other low-tier job still runs" "1" "$(job_field "$a" .job_state)"
check_eq "the preemptor waits for Resources meanwhile" "0 3" \
    "$(job_field "$h1" '"\(.job_state) \(.state_reason)"')"
check_eq "the requeued job still holds n2 until its epilog" "n2" "$(nodes_of "$b")"
check "n2's epilog comes" epilog "$b" n2
check "then the preemptor runs" wait_for 3 "job $h1 to run" state_is "$h1" 1
check_eq "on n2" "n2" "$(nodes_of "$h1")"
check_eq "the requeued job waits out the credential window" "0 9" \
    "$(job_field "$b" '"\(.job_state) \(.state_reason)"')"

# ---- a second one preempts the CANCEL-mode job --------------------------------
h2=$(two_cpus high)
check "a CANCEL-mode job is preempted" \
    wait_for 3 "job $a to be preempted" state_is "$a" "$PREEMPTED_COMPLETING"
check_eq "its restart count stays" "0" "$(job_field "$a" .restart_cnt)"
check "n1's epilog comes" epilog "$a" n1
check_eq "it ends PREEMPTED" "$PREEMPTED" "$(job_field "$a" .job_state)"
check "then the second preemptor runs" wait_for 3 "job $h2 to run" state_is "$h2" 1
check_eq "on n1" "n1" "$(nodes_of "$h2")"

# ---- the same tier preempts nobody ------------------------------------------------
h3=$(two_cpus high)
check "a third high-tier job waits for Resources" \
    wait_for 3 "job $h3's reason" reason_is "$h3" "3|"
sleep 1
check_eq "and both high-tier jobs still run" "1 1" \
    "$(job_field "$h1" .job_state) $(job_field "$h2" .job_state)"
check_eq "two preemptions in all" "2" "$(grep -c " preempted: " "$SCHED_LOG")"
check_eq "none refused" "0" "$(grep -c "refused" "$SCHED_LOG")"

sched_check_logs
t_done
