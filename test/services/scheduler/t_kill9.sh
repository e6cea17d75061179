#!/usr/bin/env bash
# kill -9 of flurm-scheduler loses nothing: it holds no state, so a new
# one reads the store and the node manager again and puts every pending
# job's reason right, including the jobs submitted and the nodes that
# changed while no scheduler ran; the store's jobs are all there.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/schedlib.sh"

NODES_DOWN="Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions"
sched_conf
store_up || t_fatal "the store starts"
nodes_up || t_fatal "the node manager starts"
sched_up || t_fatal "the scheduler starts"

first=$(submit)
check "the first job's reason is the scheduler's" \
    wait_for 2 "job $first" reason_is "$first" "3|$NODES_DOWN"

# a burst of submissions, and kill -9 in the middle of it
"$B/test/bin/storeclient" --rundir "$RUN" submit --count 300 --window 16 \
    --out "$T_TMP/acked" >"$T_TMP/burst.out" 2>&1 &
burst=$!
wait_for 5 "some submissions" test -s "$T_TMP/acked"
kill -KILL "$SCHED_PID"
wait "$SCHED_PID" 2>/dev/null
wait "$burst"
check_eq "the burst is acknowledged while no scheduler runs" 0 "$?"
check_eq "all 300 acknowledged" 300 "$(wc -l <"$T_TMP/acked")"

# while no scheduler runs: n1 registers
check "n1 registers" register n1
last=$(awk 'END { print $2 }' "$T_TMP/acked")
check_eq "the last job still has the store's reason" "1|" "$(reason_of "$last")"

sched_up || t_fatal "a new scheduler starts"
check "the first job starts on n1" \
    wait_for 5 "job $first" reason_is "$first" "0|"
all_settled() {
    local id out
    out=$("$B/test/bin/storeclient" --rundir "$RUN" request job.list '{"msg":{"since_seq":0}}' |
        jq -r --argjson f "$first" '.body.jobs[] | select(.job_id != $f) |
            "\(.job_state) \(.state_reason) \(.state_desc // "")"' | sort | uniq -c)
    [ "$out" = "$(printf '%7d 0 1 ' 299)"$'\n'"$(printf '%7d 0 3 ' 1)" ]
}
check "every job of the burst is decided: the next finds n1 taken, the others wait behind" \
    wait_for 10 "all reasons" all_settled
check_eq "the store holds all 301 jobs" 301 \
    "$("$B/test/bin/storeclient" --rundir "$RUN" request job.list '{"msg":{"since_seq":0}}' | jq '.body.jobs | length')"
check_file_match "the new scheduler read every job" "read 301 jobs from the store" "$SCHED_LOG"

sched_check_logs
t_done
