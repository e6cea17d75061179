#!/usr/bin/env bash
# A scheduler reads the store's jobs page by page (job.list with a limit,
# docs/jobstore.md) and decides only once it has them all: with pages of
# two jobs, a scheduler started on five pending jobs reads all five in
# three pages, starts the four that fit (two nodes of two cores) and leaves
# the fifth waiting for Resources; nothing is started twice.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/schedlib.sh"

SCHED_INTERVAL_MS=300
sched_conf "SelectType=select/cons_tres" "SelectTypeParameters=CR_Core_Memory"
store_up || t_fatal "the store starts"
nodes_up || t_fatal "the node manager starts"
check "n1 registers" register n1
check "n2 registers" register n2
ids=()
for i in 1 2 3 4 5; do
    ids+=("$(submit '{"pn_min_memory":100}')")
done
check_eq "five jobs are submitted" 5 "${#ids[@]}"

export FLURM_SCHED_JOBS_PAGE=2
sched_up || t_fatal "the scheduler starts"
running() {
    local n=0 id
    for id in "${ids[@]}"; do
        [ "$(job_field "$id" .job_state)" = 1 ] && n=$((n + 1))
    done
    echo "$n"
}
four_run() { [ "$(running)" = 4 ]; }
check "four of them run" wait_for 5 "four jobs to run" four_run
check "the fifth waits for Resources" wait_for 5 "job ${ids[4]}'s reason" reason_is "${ids[4]}" "3|"
check "the scheduler read all five" grep -q "read 5 jobs from the store" "$SCHED_LOG"
# pages before the first "read" line: later reads (the started jobs) page too
check_eq "in three pages (two said more)" 2 \
    "$(awk '/read 5 jobs from the store/ { exit } /job.list: a page of 2 jobs, more/ { n++ }
            END { print n + 0 }' "$SCHED_LOG")"
check_eq "no start was refused" "0" "$(grep -c "refused" "$SCHED_LOG")"

sched_check_logs
t_done
