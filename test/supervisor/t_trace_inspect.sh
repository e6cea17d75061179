#!/usr/bin/env bash
# A job submitted with the real sbatch can be followed through the services
# afterwards: `flurm-sup trace JOBID` prints its submission (sbatch's RPC at
# the gateway, then the gateway asking the store), its start (the scheduler
# asking the store), its launch (the node manager to slurmd) and its
# completion, in time order; and `flurm-sup inspect sched queue` shows a
# pending job with the priority and reason scontrol shows for it, while the
# services keep serving.  docs/observability.md.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/run/lib.sh"

run_cluster 1
W=$E2E_WORK
RUN=$CLUSTER_HOME/flurm
SUP=$B/bin/flurm-sup

# ---- the whole path of one job -------------------------------------------------
cat >"$W/short.sh" <<'EOF'
#!/bin/bash
#SBATCH -t 5
echo done
EOF
id=$(e2e_submit short.sh) || t_fatal "sbatch short.sh is accepted"
check "the job completes" wait_state 30 "$id" COMPLETED

# The node manager's epilog report is the last command: give it a moment.
poll 10 "the store logged the epilog" bash -c \
    "'$SUP' trace '$id' -r '$RUN' | grep -q 'job.epilog_complete from'"
out=$("$SUP" trace "$id" -r "$RUN" 2>&1)
rc=$?
t_note "$out"
check_eq "flurm-sup trace exits 0" 0 "$rc"
check_match "it names the job and its commands" "^job $id: [0-9]+ commands in the job store's log" "$out"
check_match "the submission: sbatch's RPC reached the gateway" \
    "client -> gateway +REQUEST_SUBMIT_BATCH_JOB +ok" "$out"
check_match "the submission: the gateway asked the store (same trace)" \
    "gateway -> store +job.submit +ok" "$out"
check_match "the start: the scheduler asked the store" "sched -> store +job.start +ok" "$out"
check_match "the launch: the node manager sent the batch job to slurmd" \
    "nodes -> slurmd n1 +REQUEST_BATCH_JOB_LAUNCH +ok" "$out"
check_match "the launch was reported to the store" "nodes -> store +job.launched +ok" "$out"
check_match "the completion: slurmd's report went through the gateway to the store" \
    "gateway -> store +job.complete +ok" "$out"

# Time order: submit before start before launch before completion.
order=$(printf '%s\n' "$out" | grep -nE 'job.submit  |job.start  |REQUEST_BATCH_JOB_LAUNCH|job.complete  ' |
    sed -E 's/^([0-9]+):.* (job.submit|job.start|REQUEST_BATCH_JOB_LAUNCH|job.complete) .*/\2/' | tr '\n' ' ')
check_eq "submission, start, launch and completion are printed in that order" \
    "job.submit job.start REQUEST_BATCH_JOB_LAUNCH job.complete " "$order"

# The gateway's span carries the trace the store's log recorded for the submission.
trace=$(printf '%s\n' "$out" | sed -nE 's/.*job.submit from gateway \(ok\)  trace ([0-9a-f]+)$/\1/p')
check_match "the submission's trace is a generated id" '^[0-9a-f]{16}$' "$trace"
check "the gateway's spans file holds that trace" grep -q "\"trace\":\"$trace\"" "$RUN/trace/gateway.jsonl"
check "the store's spans file holds that trace" grep -q "\"trace\":\"$trace\"" "$RUN/trace/store.jsonl"

"$SUP" trace 999999 -r "$RUN" >/dev/null 2>"$T_TMP/err"
check_eq "an unknown job: exit 1" 1 "$?"
check_match "an unknown job: said so" "job 999999 is not in the store's log" "$(cat "$T_TMP/err")"

# ---- inspect: a pending job's priority and reason ---------------------------------
cat >"$W/hold.sh" <<'EOF'
#!/bin/bash
#SBATCH -t 5
#SBATCH --exclusive
touch "running.$SLURM_JOB_ID"
while [ ! -e "go.$SLURM_JOB_ID" ]; do sleep 0.2; done
EOF
busy=$(e2e_submit hold.sh) || t_fatal "sbatch hold.sh is accepted"
check "the node-wide job runs" wait_file 30 "$W/running.$busy"
waiting=$(e2e_submit hold.sh) || t_fatal "the second node-wide job is accepted"
poll 20 "the second job waits for Resources" bash -c \
    "scontrol show job $waiting | grep -q 'Reason=Resources'"

q=$("$SUP" inspect sched queue -r "$RUN")
check_eq "flurm-sup inspect sched queue exits 0" 0 "$?"
t_note "$q"
row=$(printf '%s' "$q" | python3 -c '
import json, sys
q = json.load(sys.stdin)
for j in q["jobs"]:
    if j["job_id"] == int(sys.argv[1]):
        print(j["priority"], j["reason"])' "$waiting")
prio=$(job_get "$waiting" Priority)
check_eq "the queue shows the pending job with scontrol's priority and reason" \
    "$prio Resources" "$row"
check "the running job is not in the pending queue" \
    bash -c "! printf '%s' '$q' | grep -q '\"job_id\": $busy,'"

q=$("$SUP" inspect nodes jobs -r "$RUN")
check_match "the node manager's job mirror shows the running job on n1" \
    "\"batch_host\": \"n1\"" "$q"
q=$("$SUP" inspect store -r "$RUN")
check_match "the store's counters show a running job" '"jobs_running": 1' "$q"
check_match "and a pending one" '"jobs_pending": 1' "$q"
"$SUP" inspect sched nosuch -r "$RUN" >/dev/null 2>"$T_TMP/err"
check_eq "an unknown inspect target: exit 1" 1 "$?"
check_match "an unknown inspect target: the list of what exists" \
    "it has: queue, state, runtime" "$(cat "$T_TMP/err")"

# ---- versions where SLURM users see slurmctld's --------------------------------
e2e_run scontrol show config
params=$(printf '%s\n' "$OUT" | sed -n 's/^SlurmctldParameters *= *//p')
for svc in gateway store nodes sched; do
    v=$("$SUP" status -r "$RUN" --json | python3 -c '
import json, sys
def walk(n):
    if n.get("name") == sys.argv[1]:
        print(n.get("version"))
    for c in n.get("children", []):
        walk(c)
walk(json.load(sys.stdin)["tree"])' "$svc")
    check_match "scontrol show config lists $svc's running version ($v)" "flurm_$svc=$v(,|\$)" "$params"
done

touch "$W/go.$busy" "$W/go.$waiting"
t_done
