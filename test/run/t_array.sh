#!/usr/bin/env bash
# A job array with a throttle, --array=1-6%2, runs every task exactly once
# and never more than two at once (each task records when it starts and
# ends), with SLURM_ARRAY_JOB_ID / SLURM_ARRAY_TASK_ID set; while tasks 1
# and 2 run, squeue shows them as JOBID_1 and JOBID_2 and the pending rest
# as one line JOBID_[3-6%2] with Reason JobArrayTaskLimit (one line per
# task with -r), and each task ends COMPLETED in `scontrol show job`.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/run/lib.sh"

run_cluster 2
W=$E2E_WORK

# The cluster has 4 CPUs and each task takes 1 CPU and 50 MB: only the
# throttle keeps tasks from running 4 at once.  (Without --mem a task would
# hold all of its node's memory: CR_Core_Memory, no DefMemPerCPU.)
cat >"$W/task.sh" <<'EOF'
#!/bin/bash
#SBATCH --mem=50
stamp() { date +%s.%2N; }
echo "$SLURM_ARRAY_TASK_ID start $(stamp)" >>times
echo "$SLURM_ARRAY_TASK_ID" >>ran
echo "$SLURM_ARRAY_JOB_ID $SLURM_ARRAY_TASK_ID $SLURM_JOB_ID $SLURM_ARRAY_TASK_MIN $SLURM_ARRAY_TASK_MAX $SLURM_ARRAY_TASK_COUNT" >"env.$SLURM_ARRAY_TASK_ID"
# the first two wait until the test has looked at the queue
while [ ! -e go ]; do sleep 0.2; done
sleep 1
echo "$SLURM_ARRAY_TASK_ID end $(stamp)" >>times
EOF
aid=$(e2e_submit --array=1-6%2 -J arr task.sh) || t_fatal "sbatch --array=1-6%2 is accepted"

two_started() { [ "$(wc -l <"$W/ran" 2>/dev/null)" -ge 2 ]; }
check "two tasks start" poll 30 "two tasks to start" two_started
sleep 2 # would a third start (it must not), it has had a scheduling pass
check_eq "tasks 1 and 2 started, no other" "1
2" "$(sort -n "$W/ran")"
e2e_run squeue -h -j "$aid" -o "%i %t %r"
check_eq "squeue: the running tasks, then the pending rest as ${aid}_[3-6%2]" \
    "${aid}_1 R None
${aid}_2 R None
${aid}_[3-6%2] PD JobArrayTaskLimit" "$(LC_ALL=C sort <<<"$OUT")"
e2e_run squeue -h -r -j "$aid" -o "%i %t"
check_eq "squeue -r: one line per task" \
    "${aid}_1 R
${aid}_2 R
${aid}_3 PD
${aid}_4 PD
${aid}_5 PD
${aid}_6 PD" "$(sort -V <<<"$OUT")"

touch "$W/go"
all_done() {
    e2e_run squeue -h -j "$aid" -o %i
    [ "$RC" -eq 0 ] && [ -z "$OUT" ]
}
check "every task leaves the queue" poll 60 "the array to finish" all_done
check_eq "every task ran exactly once" "1 2 3 4 5 6" "$(sort -n "$W/ran" | tr '\n' ' ' | sed 's/ $//')"
for t in 1 2 3 4 5 6; do
    check_eq "task $t: COMPLETED" COMPLETED "$(job_state "${aid}_$t")"
done

# Never more than 2 at once: at each start, count the tasks that started
# before and had not ended yet.
overlap=$(awk '
    $2 == "start" { s[$1] = $3 } $2 == "end" { e[$1] = $3 }
    END {
        max = 0
        for (t in s) {
            n = 0
            for (u in s) if (s[u] <= s[t] && (!(u in e) || e[u] > s[t])) n++
            if (n > max) max = n
        }
        print max
    }' "$W/times")
check_eq "at most 2 tasks ever ran at once, and 2 did" 2 "$overlap"

read -r ajob atask ajid amin amax acount <"$W/env.1"
check_eq "task 1: SLURM_ARRAY_JOB_ID is the array's id" "$aid" "$ajob"
check_eq "task 1: SLURM_ARRAY_TASK_ID=1" 1 "$atask"
check_eq "task 1: SLURM_JOB_ID is its own id (scontrol's JobId)" "$(job_get "${aid}_1" JobId)" "$ajid"
check_eq "task 1: SLURM_ARRAY_TASK_MIN/MAX/COUNT" "1 6 6" "$amin $amax $acount"
read -r ajob atask ajid _ <"$W/env.6"
check_eq "task 6: SLURM_ARRAY_JOB_ID is the array's id" "$aid" "$ajob"
check_eq "task 6: SLURM_ARRAY_TASK_ID=6" 6 "$atask"
check_eq "the last task runs under the array's own id" "$aid" "$ajid"

t_done
