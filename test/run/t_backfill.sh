#!/usr/bin/env bash
# Backfill (SchedulerType=sched/backfill): with n1 busy for at most 2
# minutes (its job's time limit) and a two-node job waiting for it, a later
# one-node job whose time limit (1 minute) ends before the big job's
# expected start is started at once on the free node, while one whose limit
# (10 minutes) would delay the big job is not, even once the free node is
# free again; the big job's expected StartTime is the busy job's EndTime;
# when the busy job ends the big job starts before the long one (priority
# order), and the long one runs last.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/run/lib.sh"

run_cluster 2 "$RUN_QUICK_SCHED"
W=$E2E_WORK

# Each job holds its whole node (no --mem: all of the node's memory).
cat >"$W/job.sh" <<'EOF'
#!/bin/bash
stamp() { date +%s.%2N; }
echo "$1 start $(stamp) $SLURM_JOB_NODELIST" >>times
while [ ! -e "go.$1" ]; do sleep 0.2; done
echo "$1 end $(stamp)" >>times
EOF
started() { grep -q "^$1 start " "$W/times" 2>/dev/null; }
when() { awk -v l="$1" -v w="$2" '$1 == l && $2 == w { print $3; exit }' "$W/times"; }

busy=$(e2e_submit -w n1 -t 2 -J busy job.sh busy) || t_fatal "sbatch the busy job"
check "the busy job runs on n1" poll 30 "busy to start" started busy
big=$(e2e_submit -N2 -t 5 -J big job.sh big) || t_fatal "sbatch the big job"
long=$(e2e_submit -N1 -t 10 -J long job.sh long) || t_fatal "sbatch the long job"
short=$(e2e_submit -N1 -t 1 -J short job.sh short) || t_fatal "sbatch the short job"

check "the short job (1 min, fits before the big job) starts at once" poll 20 "short to start" started short
check_eq "it runs on the free node n2" n2 "$(awk '$1 == "short" && $2 == "start" { print $4 }' "$W/times")"
check_eq "the big job is PENDING on Resources" "PENDING Resources" "$(job_state "$big") $(job_get "$big" Reason)"
check_eq "the big job expects to start when the busy job's limit ends" \
    "$(job_get "$busy" EndTime)" "$(job_get "$big" StartTime)"
sleep 3 # a few more backfill passes (bf_interval=1)
check_fails "the long job (10 min, would delay the big one) has not started" started long
check_eq "the long job is PENDING" PENDING "$(job_state "$long")"

touch "$W/go.short"
check "the short job completes" wait_state 20 "$short" COMPLETED
sleep 3 # n2 is free again: the long job must still not take it
check_fails "with n2 free, the long job still does not start" started long
check_eq "the long job is still PENDING" PENDING "$(job_state "$long")"

touch "$W/go.busy"
check "the busy job completes" wait_state 20 "$busy" COMPLETED
check "then the big job starts on both nodes" poll 20 "big to start" started big
check_eq "the big job has n[1-2]" "n[1-2]" "$(job_get "$big" NodeList)"
check_fails "the long job waits for the big one" started long
touch "$W/go.big"
check "the big job completes" wait_state 20 "$big" COMPLETED
touch "$W/go.long"
check "the long job runs last and completes" wait_state 30 "$long" COMPLETED
check "the long job started after the big one ended" \
    awk -v s="$(when long start)" -v e="$(when big end)" 'BEGIN { exit !(s != "" && e != "" && s >= e) }'
check "the short job started before the busy one ended" \
    awk -v s="$(when short start)" -v e="$(when busy end)" 'BEGIN { exit !(s != "" && e != "" && s < e) }'

t_done
