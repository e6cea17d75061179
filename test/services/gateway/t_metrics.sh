#!/usr/bin/env bash
# The gateway's /metrics (FLURM_METRICS_ADDR, set for the gateway in the
# supervisor tree's "env") is valid Prometheus text by Debian's promtool
# and shows what the test did on a cluster of real slurmd: RPCs by type and
# result with their latency histogram, jobs submitted/started/completed/
# cancelled and by state and partition, nodes by state (one drained), the
# scheduler's passes and starts, the store's commits and their latency,
# restarts and uptime of each service (the scheduler killed once); sdiag
# shows the same counters; and a real Prometheus server scrapes the same
# values (its HTTP query API answers them); a reloaded gateway takes the
# port over.
. "$(dirname "$0")/../../lib/testlib.sh"

command -v promtool >/dev/null 2>&1 || t_skip "promtool is not installed (scripts/setup installs prometheus)"
command -v prometheus >/dev/null 2>&1 || t_skip "prometheus is not installed (scripts/setup installs it)"
command -v curl >/dev/null 2>&1 || t_skip "curl is not installed"
command -v jq >/dev/null 2>&1 || t_skip "jq is not installed (scripts/setup installs it)"

METRICS_PORT=$(t_free_port) || t_fatal "no free TCP port"
# The stock tree, with the metrics address in the gateway's environment:
# exactly what a site writes in conf/flurm-sup.json.
jq --arg addr "127.0.0.1:$METRICS_PORT" \
    '(.tree.children[] | select(.name == "gateway")).env.FLURM_METRICS_ADDR = $addr' \
    "$T_ROOT/conf/flurm-sup.json" >"$T_TMP/flurm-sup.json" || t_fatal "cannot write the supervisor tree"
export FLURM_SUP_CONF="$T_TMP/flurm-sup.json"
. "$T_ROOT/test/run/lib.sh"
[ "$E2E_TARGET" = flurm ] || t_skip "metrics are FLURM's own: nothing to compare with slurmctld"

run_cluster 2
RUN="$CLUSTER_HOME/flurm"
SCRAPE="$T_TMP/scrape.txt"

scrape() { curl -sf --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" >"$SCRAPE"; }
# The value of one sample, exactly as written (name and labels), or "absent".
metric() {
    awk -v s="$1" '$1 == s { print $2; found = 1; exit } END { if (!found) print "absent" }' "$SCRAPE"
}
# The sum over every sample of a family whose labels contain $2 (or all).
metric_sum() {
    awk -v n="$1" -v l="${2:-}" 'index($1, n "{") == 1 && index($1, l) > 0 { s += $2 } END { print s + 0 }' "$SCRAPE"
}

# ---- actions -----------------------------------------------------------------------------
for i in 1 2 3; do
    e2e_submit --wrap true >/dev/null || t_fatal "sbatch --wrap true is accepted"
done
long=$(e2e_submit --wrap 'sleep 300') || t_fatal "sbatch of a long job is accepted"
held=$(e2e_submit --hold --wrap true) || t_fatal "sbatch --hold is accepted"
wait_state 30 "$long" RUNNING || t_fatal "the long job starts"
e2e_run scancel "$long"
check_eq "scancel of the running job" 0 "$RC"
done_jobs() { [ "$(squeue -h -t all -o %T | grep -c -E '^(COMPLETED|CANCELLED)$')" -eq 4 ]; }
poll 60 "three jobs completed and one cancelled" done_jobs || t_fatal "the jobs end"
e2e_run scontrol update nodename=n2 state=drain reason=metrics-test
check_eq "scontrol drains n2" 0 "$RC"

# What the first scheduler did, before it is killed.
sleep 1.2 # what the services reported is cached for 1 s: read it fresh
scrape || t_fatal "GET /metrics answers"
check_eq "scheduler: it started the 4 jobs" 4 "$(metric flurm_scheduler_jobs_started_total)"
check "scheduler: it considered them" test "$(metric flurm_scheduler_jobs_considered_total)" -ge 4
check "scheduler: its passes were timed" test "$(metric flurm_scheduler_pass_duration_seconds_count)" -ge 1

# Kill the scheduler once: flurm-sup restarts it, and the restart counts.
sched_pid=$("$B/bin/flurm-sup" status -r "$RUN" --json |
    jq -r '.. | objects | select(.name? == "sched") | .pid')
kill -KILL "$sched_pid"
sched_back() {
    "$B/bin/flurm-sup" status -r "$RUN" --json |
        jq -e '.. | objects | select(.name? == "sched") | select(.state == "ready" and .restarts == 1)'
}
wait_for 20 "the scheduler to be restarted" sched_back || t_fatal "flurm-sup restarts the killed scheduler"
# The restarted scheduler has read the store again before it reports jobs.
sched_synced() { scrape && [ "$(metric_sum flurm_jobs)" = 5 ]; }
poll 20 "the new scheduler to report the jobs" sched_synced
sleep 1.2 # what the services reported is cached for 1 s: read it fresh

# ---- the scrape --------------------------------------------------------------------------
check "GET /metrics answers" scrape
check "promtool check metrics finds no problem" promtool check metrics <"$SCRAPE"
check_eq "content type is the text format 0.0.4" "text/plain; version=0.0.4; charset=utf-8" \
    "$(curl -sf -o /dev/null -w '%{content_type}' "http://127.0.0.1:$METRICS_PORT/metrics")"

check_eq "RPCs: 5 REQUEST_SUBMIT_BATCH_JOB ended ok" 5 \
    "$(metric 'flurm_rpcs_total{type="REQUEST_SUBMIT_BATCH_JOB",result="ok"}')"
check_eq "RPCs: 1 REQUEST_KILL_JOB ended ok" 1 \
    "$(metric 'flurm_rpcs_total{type="REQUEST_KILL_JOB",result="ok"}')"
check_eq "RPCs: 1 REQUEST_UPDATE_NODE ended ok" 1 \
    "$(metric 'flurm_rpcs_total{type="REQUEST_UPDATE_NODE",result="ok"}')"
check_eq "latency histogram: 5 submissions observed" 5 \
    "$(metric 'flurm_rpc_duration_seconds_count{type="REQUEST_SUBMIT_BATCH_JOB"}')"
check_eq "latency histogram: the +Inf bucket holds them all" 5 \
    "$(metric 'flurm_rpc_duration_seconds_bucket{type="REQUEST_SUBMIT_BATCH_JOB",le="+Inf"}')"
check "slurmd's registrations are counted" \
    test "$(metric 'flurm_rpcs_total{type="MESSAGE_NODE_REGISTRATION_STATUS",result="ok"}')" -ge 2

check_eq "jobs submitted" 5 "$(metric flurm_jobs_submitted_total)"
check_eq "jobs started (3 short, 1 long)" 4 "$(metric flurm_jobs_started_total)"
check_eq "jobs completed" 3 "$(metric flurm_jobs_completed_total)"
check_eq "jobs cancelled" 1 "$(metric flurm_jobs_canceled_total)"
check_eq "jobs by state: 3 COMPLETED in debug" 3 "$(metric 'flurm_jobs{state="COMPLETED",partition="debug"}')"
check_eq "jobs by state: 1 CANCELLED in debug" 1 "$(metric 'flurm_jobs{state="CANCELLED",partition="debug"}')"
check_eq "jobs by state: the held job PENDING in debug" 1 "$(metric 'flurm_jobs{state="PENDING",partition="debug"}')"

check_eq "nodes: n2 drained" 1 "$(metric 'flurm_nodes{state="IDLE+DRAIN"}')"
check_eq "nodes: n1 idle" 1 "$(metric 'flurm_nodes{state="IDLE"}')"

# The restarted scheduler counts from its own start: it started nothing,
# and the held job is not considered (Prometheus sees a counter reset).
check "scheduler: the new one timed its passes" test "$(metric flurm_scheduler_pass_duration_seconds_count)" -ge 1
check_eq "scheduler: the new one started nothing" 0 "$(metric flurm_scheduler_jobs_started_total)"
commits=$(metric flurm_jobstore_commits_total)
check "store: commits counted" test "$commits" -ge 6
check_eq "store: every commit's latency observed" "$commits" \
    "$(metric flurm_jobstore_commit_duration_seconds_count)"

check_eq "supervisor: sched restarted once" 1 \
    "$(metric 'flurm_service_restarts_total{service="sched",kind="service"}')"
check_eq "supervisor: store never restarted" 0 \
    "$(metric 'flurm_service_restarts_total{service="store",kind="service"}')"
check_eq "supervisor: every service up" 4 "$(metric_sum flurm_service_up 'kind="service"')"
check "supervisor: the store's uptime is positive" \
    awk -v v="$(metric 'flurm_service_uptime_seconds{service="store",kind="service"}')" 'BEGIN { exit !(v > 0) }'
check_eq "every source answered" 4 "$(metric_sum flurm_scrape_source_up)"

# ---- sdiag shows the same counters -----------------------------------------------------
e2e_run sdiag
SDIAG=$OUT
sd() { awk -v k="$1:" '{ sub(/^[ \t]+/, "") } index($0, k) == 1 { print $NF; exit }' <<<"$SDIAG"; }
sd_rpc() {
    grep -E "^[[:space:]]+[A-Z_]+ +\\( *$1\\) count:" <<<"$SDIAG" | sed -E 's/.*count:([0-9]+).*/\1/'
}
check_eq "sdiag: Jobs submitted as the metrics" "$(metric flurm_jobs_submitted_total)" "$(sd 'Jobs submitted')"
check_eq "sdiag: Jobs started as the metrics" "$(metric flurm_jobs_started_total)" "$(sd 'Jobs started')"
check_eq "sdiag: Jobs completed as the metrics" "$(metric flurm_jobs_completed_total)" "$(sd 'Jobs completed')"
check_eq "sdiag: Jobs canceled as the metrics" "$(metric flurm_jobs_canceled_total)" "$(sd 'Jobs canceled')"
check_eq "sdiag: Jobs pending as the metrics" "$(metric_sum flurm_jobs 'state="PENDING"')" "$(sd 'Jobs pending')"
# sdiag counts the authenticated RPCs that got a reply: ok + error + unserved
check_eq "sdiag: REQUEST_SUBMIT_BATCH_JOB count as the metrics" \
    "$(metric_sum flurm_rpcs_total 'type="REQUEST_SUBMIT_BATCH_JOB"')" "$(sd_rpc 4003)"
check_eq "sdiag: REQUEST_KILL_JOB count as the metrics" \
    "$(metric_sum flurm_rpcs_total 'type="REQUEST_KILL_JOB"')" "$(sd_rpc 5032)"
check_eq "sdiag: main schedule cycles as the scheduler's passes" \
    "$(metric flurm_scheduler_pass_duration_seconds_count)" "$(sd 'Total cycles')"
check_match "sdiag: a last cycle time is reported" '^[0-9]+$' "$(sd 'Last cycle')"

# ---- a real Prometheus server scrapes it ------------------------------------------------
PROM_PORT=$(t_free_port) || t_fatal "no free TCP port"
cat >"$T_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: flurm
    static_configs:
      - targets: ['127.0.0.1:$METRICS_PORT']
EOF
check "promtool check config accepts the scrape config" promtool check config "$T_TMP/prometheus.yml"
t_show_on_fail "$T_TMP/prometheus.log"
t_bg prometheus --config.file="$T_TMP/prometheus.yml" --storage.tsdb.path="$T_TMP/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" >"$T_TMP/prometheus.log" 2>&1
query() { # PROMQL -> the first value of the answer, or nothing
    curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
        jq -r '.data.result[0].value[1] // empty'
}
prom_has() { [ "$(query "$1")" = "$2" ]; }
check "prometheus scraped the endpoint (up == 1)" wait_for 60 "prometheus to scrape" prom_has 'up{job="flurm"}' 1
check_eq "prometheus: jobs submitted" 5 "$(query flurm_jobs_submitted_total)"
check_eq "prometheus: submissions by type and result" 5 \
    "$(query 'flurm_rpcs_total{type="REQUEST_SUBMIT_BATCH_JOB",result="ok"}')"
check_eq "prometheus: the drained node" 1 "$(query 'flurm_nodes{state="IDLE+DRAIN"}')"
check_eq "prometheus: the scheduler's restart" 1 "$(query 'flurm_service_restarts_total{service="sched"}')"
check_eq "prometheus: p100 of submission latency is within the histogram" 1 \
    "$(query 'histogram_quantile(1, sum by (le) (flurm_rpc_duration_seconds_bucket{type="REQUEST_SUBMIT_BATCH_JOB"})) <= bool 10')"

# ---- a reloaded gateway takes the port over ----------------------------------------------
old_gw=$("$B/bin/flurm-sup" status -r "$RUN" --json | jq -r '.. | objects | select(.name? == "gateway") | .pid')
check "flurm-sup reloads the gateway" "$B/bin/flurm-sup" reload gateway -r "$RUN"
new_scrape() { # the new instance answers: its counters start again (no submission yet)
    scrape && [ "$(metric 'flurm_rpcs_total{type="REQUEST_SUBMIT_BATCH_JOB",result="ok"}')" = absent ]
}
check "the new gateway serves /metrics on the same port" poll 10 "the new gateway's /metrics" new_scrape
check_ne "it is another process" "$old_gw" \
    "$("$B/bin/flurm-sup" status -r "$RUN" --json | jq -r '.. | objects | select(.name? == "gateway") | .pid')"
check_eq "and it still sees the store's counters" 5 "$(metric flurm_jobs_submitted_total)"
t_done
