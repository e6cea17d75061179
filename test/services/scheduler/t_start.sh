#!/usr/bin/env bash
# flurm-scheduler starts pending jobs where they fit: with the real store
# and node manager (no slurmd needed: launching is the node manager's
# part), a submitted job becomes RUNNING with an allocation through
# job.start, jobs share a node core by core (cons_tres, CR_Core_Memory),
# a job that does not fit waits for Resources, and a scheduler restarted
# with kill -9 starts nothing twice.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/schedlib.sh"

SCHED_INTERVAL_MS=300
sched_conf "SelectType=select/cons_tres" "SelectTypeParameters=CR_Core_Memory"
store_up || t_fatal "the store starts"
nodes_up || t_fatal "the node manager starts"
sched_up || t_fatal "the scheduler starts"
check "n1 registers" register n1
check "n2 registers" register n2

allocs() { _sl_store job.allocs '{}'; }
alloc_of() { # ID -> "nodes cores-of-each"
    allocs | jq -r --argjson id "$1" \
        '.body.jobs[] | select(.job_id == $id) | .alloc | "\(.nodes) \([.hosts[].cores] | join(" "))"'
}
state_is() { [ "$(job_field "$1" .job_state)" = "$2" ]; }

a=$(submit '{"pn_min_memory":100}')
check "a submitted job runs within 2 s" wait_for 2 "job $a to run" state_is "$a" 1
check_eq "on n1's first core" "n1 0" "$(alloc_of "$a")"
check_eq "its reason is None" "0|" "$(reason_of "$a")"
check_eq "the batch host is n1" "n1" "$(allocs | jq -r --argjson id "$a" \
    '.body.jobs[] | select(.job_id == $id) | .alloc.batch_host')"
b=$(submit '{"pn_min_memory":100}')
check "a second one runs" wait_for 2 "job $b to run" state_is "$b" 1
check_eq "beside it on n1" "n1 1" "$(alloc_of "$b")"
c=$(submit '{"min_cpus":2,"num_tasks":2,"pn_min_memory":100}')
check "a two-CPU job runs" wait_for 2 "job $c to run" state_is "$c" 1
check_eq "on n2, both cores" "n2 0-1" "$(alloc_of "$c")"
d=$(submit '{"pn_min_memory":100}')
check "a job with no core left waits for Resources" \
    wait_for 2 "job $d's reason" reason_is "$d" "3|"
check_eq "and stays pending" "0" "$(job_field "$d" .job_state)"

# ---- a new scheduler reads everything back and starts nothing twice -------
kill -KILL "$SCHED_PID"
wait "$SCHED_PID" 2>/dev/null
sched_up || t_fatal "a new scheduler starts"
sleep 1
check_eq "the same three jobs hold resources" "$a $b $c" \
    "$(allocs | jq -r '[.body.jobs[].job_id] | join(" ")')"
check_eq "job $d still waits" "3|" "$(reason_of "$d")"
check_eq "no start was refused" "0" "$(grep -c "refused" "$SCHED_LOG")"

sched_check_logs
t_done
