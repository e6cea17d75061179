#!/usr/bin/env bash
# bench/jobs_run.sh — jobs that really run: time from submission to start of
# many short batch jobs on a multi-node cluster of unmodified slurmd, FLURM
# and the real slurmctld side by side in one run.
#
#   B=build bench/jobs_run.sh            (bench/run calls it at its end)
#
# For each controller (and each repetition, alternating the controllers):
#   1. test/lib/cluster.sh builds a fresh cluster of BENCH_JOBS_NODES slurmd
#      with BENCH_JOBS_CPUS CPUs each (a fresh cluster, so that no slurmd
#      remembers the job ids of the other controller's run);
#   2. the controller starts on the cluster's slurm.conf, unchanged (the real
#      slurmctld as test/cluster/t_real_slurmctld.sh starts it, FLURM as
#      test/e2e/lib.sh does), and the harness waits until every node is idle;
#   3. BENCH_JOBS_WORKERS shell loops submit BENCH_JOBS jobs with sbatch
#      (the same command line for both controllers) and note, per job, when
#      sbatch was called and when it returned the job id;
#   4. each job's script writes `date +%s.%N` at its start to a file named by
#      its job id, so the start is measured to the millisecond, on the same
#      clock as the submission;
#   5. the harness waits until every job has started and the controller
#      lists no job any more (squeue empty: all ended and their epilogs came),
#      then keeps `scontrol show job` (what the controller recorded).
#
# Prints one table "metric | FLURM | slurmctld | ratio" (ratio = FLURM /
# slurmctld; medians over the repetitions).  Latency is start - the moment
# sbatch returned the job id (the job exists in the controller from then).
# Benchmarks print numbers; nothing here asserts a time.  The run folder keeps
# the logs, results.tsv (every sample: side rep metric value), summary.tsv
# and per side and repetition submit.tsv (job t_call t_reply) and starts/.
#
# Exit status: 0 when every controller that could run did and ran every job;
# a controller that is not built, left out of BENCH_SIDES, or a machine that
# cannot host the cluster (not root, no network namespaces: see
# docs/test-cluster.md) is reported as n/a and is not an error.
#
# Environment (defaults in brackets):
#   B [build]                      build folder (bin/flurm-sup and services)
#   BENCH_DIR [mktemp]             run folder, kept afterwards
#   BENCH_SIDES ["flurm slurmctld"]   which controllers to measure
#   BENCH_JOBS [1000]              jobs per run
#   BENCH_JOBS_NODES [4]  BENCH_JOBS_CPUS [2]  BENCH_JOBS_MEMORY [1000]
#                                  the cluster: nodes, CPUs and MB of each
#   BENCH_JOBS_WORKERS [4]         parallel sbatch loops
#   BENCH_JOBS_REPS [1]            repetitions (each side on a fresh cluster)
#   BENCH_JOBS_TIMEOUT [900]       seconds one run (submit to all ended) may take
#   BENCH_JOBS_STALL [60]          give a run up when no job started for that long
#   FLURM_SUP_CONF [conf/flurm-sup.json]   FLURM's supervisor tree
# shellcheck disable=SC2317 # the per-side functions are called as "${side}_start"
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KNOBS=(B BENCH_DIR BENCH_SIDES BENCH_JOBS BENCH_JOBS_NODES BENCH_JOBS_CPUS BENCH_JOBS_MEMORY
       BENCH_JOBS_WORKERS BENCH_JOBS_REPS BENCH_JOBS_TIMEOUT BENCH_JOBS_STALL FLURM_SUP_CONF
       ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS FLURM_LOG_LEVEL)

# sbatch copies its whole environment into the job: run the clients under the
# same minimal environment as bench/run, whoever calls this.
if [ -z "${BENCH_JOBS_REEXEC:-}" ]; then
    pass=()
    for v in "${KNOBS[@]}"; do
        [ -n "${!v+x}" ] && pass+=("$v=${!v}")
    done
    user=$(id -un)
    exec env -i HOME="$(getent passwd "$user" | cut -d: -f6)" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 USER="$user" LOGNAME="$user" SHELL=/bin/bash BENCH_JOBS_REEXEC=1 \
        "${pass[@]}" bash "${BASH_SOURCE[0]}" "$@"
fi
export -n BENCH_JOBS_REEXEC "${KNOBS[@]}" 2>/dev/null

abspath() { case $1 in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }

B=$(abspath "${B:-build}")
SIDES=${BENCH_SIDES:-flurm slurmctld}
JOBS=${BENCH_JOBS:-1000}
NODES=${BENCH_JOBS_NODES:-4}
CPUS=${BENCH_JOBS_CPUS:-2}
MEMORY=${BENCH_JOBS_MEMORY:-1000}
WORKERS=${BENCH_JOBS_WORKERS:-4}
REPS=${BENCH_JOBS_REPS:-1}
TIMEOUT=${BENCH_JOBS_TIMEOUT:-900}
STALL=${BENCH_JOBS_STALL:-60}
SUP_CONF=$(abspath "${FLURM_SUP_CONF:-conf/flurm-sup.json}")
HZ=$(getconf CLK_TCK)

for v in JOBS NODES CPUS MEMORY WORKERS REPS TIMEOUT STALL; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "jobs_run: BENCH_JOBS_$v must be a positive number" >&2; exit 2; }
done
for s in $SIDES; do
    case $s in flurm | slurmctld) ;; *) echo "jobs_run: unknown side '$s' in BENCH_SIDES" >&2; exit 2 ;; esac
done
# Every job asks for one CPU and its share of a node's memory.  Without
# --mem, select/cons_tres with CR_Core_Memory (the cluster's conf) gives a
# job the whole node's memory, so only one job would run per node.
JOB_MEM=$((MEMORY / CPUS))

if [ -n "${BENCH_DIR:-}" ]; then
    DIR=$(abspath "$BENCH_DIR")
    mkdir -p "$DIR" || exit 1
else
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/flurm-jobs.XXXXXX") || exit 1
fi
# Jobs run as the submitting user on the nodes, from folders below DIR.
chmod 0755 "$DIR"
RESULTS=$DIR/results.tsv
SUMMARY=$DIR/summary.tsv
LOG=$DIR/jobs_run.log
: >"$RESULTS"
: >"$LOG"
ERRORS=0

say() { echo "jobs_run: $*" >&2; echo "[$(date +%T)] $*" >>"$LOG"; }
fail() { say "error: $*"; ERRORS=$((ERRORS + 1)); }
rec() { local IFS=$'\t'; echo "$*" >>"$RESULTS"; }   # side rep metric value

declare -A NA

# ---- the controller's process tree (CPU) -------------------------------------

tree_pids() {   # root: every process of its tree
    [ -d "/proc/$1" ] || return 0
    ps -e -o pid=,ppid= | awk -v root="$1" '
        { kids[$2] = kids[$2] " " $1 }
        END {
            queue[1] = root; n = 1
            for (i = 1; i <= n; i++) {
                print queue[i]
                m = split(kids[queue[i]], k, " ")
                for (j = 1; j <= m; j++) queue[++n] = k[j]
            }
        }'
}

tree_ticks() {   # root: utime + stime (+ reaped children's) of its tree
    local pid sum=0 t
    for pid in $(tree_pids "$1"); do
        t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }')
        sum=$((sum + ${t:-0}))
    done
    echo "$sum"
}

# ---- controllers -------------------------------------------------------------
# Each sets CTL_ROOT (the pid whose tree is the controller) and is stopped by
# its pid, never by name.

CTL_ROOT=
CTL_SIDE=
CTL_RUN=

# The daemons get the same small environment as scripts/flurm-local gives
# them; sanitizer and log knobs pass through.
daemon_env() {
    DAEMON_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="$HOME")
    local v
    for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS FLURM_LOG_LEVEL; do
        [ -n "${!v:-}" ] && DAEMON_ENV+=("$v=${!v}")
    done
}
daemon_env

slurmctld_available() {
    [ -x /usr/sbin/slurmctld ] || { echo "/usr/sbin/slurmctld is not installed"; return 1; }
}

slurmctld_start() {   # conf run-folder
    "${DAEMON_ENV[@]}" /usr/sbin/slurmctld -D -c -f "$1" </dev/null >"$2/slurmctld.out" 2>&1 &
    CTL_ROOT=$!
}

slurmctld_stop() {
    local pid=$CTL_ROOT i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    CTL_ROOT=
}

flurm_available() {
    local s
    [ -x "$B/bin/flurm-sup" ] || { echo "$B/bin/flurm-sup is not built"; return 1; }
    [ -f "$SUP_CONF" ] || { echo "$SUP_CONF does not exist"; return 1; }
    for s in "$ROOT"/services/*/; do
        s=$(basename "$s")
        [ -f "$ROOT/services/$s/main.c" ] || { echo "services/$s has no main.c yet"; return 1; }
        [ -x "$B/bin/flurm-$s" ] || { echo "$B/bin/flurm-$s is not built"; return 1; }
    done
}

flurm_sup() {   # conf args...
    local conf=$1
    shift
    "${DAEMON_ENV[@]}" SLURM_CONF="$conf" FLURM_BINDIR="$B/bin" "$B/bin/flurm-sup" "$@"
}

flurm_start() {   # conf run-folder
    CTL_RUN=$2/flurm
    mkdir -p "$CTL_RUN"
    # --daemon returns once the whole tree reported ready (or failed).
    flurm_sup "$1" start --daemon -c "$SUP_CONF" -r "$CTL_RUN" </dev/null >>"$2/flurm.out" 2>&1 || return 1
    CTL_ROOT=$(cat "$CTL_RUN/flurm-sup.pid" 2>/dev/null)
    [ -n "$CTL_ROOT" ] && [ -d "/proc/$CTL_ROOT" ]
}

# Processes started for the FLURM run folder $1 (they carry FLURM_RUNDIR in
# their environment), zombies excluded.
flurm_procs() {
    local f pid
    for f in /proc/[0-9]*/environ; do
        pid=${f#/proc/}
        pid=${pid%/environ}
        if grep -qxzF "FLURM_RUNDIR=$1" "$f" 2>/dev/null; then
            [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = Z ] || echo "$pid"
        fi
    done
}

flurm_stop() {
    local i pid
    [ -n "$CTL_RUN" ] || return 0
    flurm_sup /dev/null stop -r "$CTL_RUN" --timeout 20 </dev/null >>"$CTL_RUN/../flurm.out" 2>&1
    for ((i = 0; i < 100; i++)); do
        [ -z "$(flurm_procs "$CTL_RUN")" ] && break
        sleep 0.05
    done
    for pid in $(flurm_procs "$CTL_RUN"); do
        kill -KILL "$pid" 2>/dev/null
    done
    CTL_ROOT=''
    CTL_RUN=''
}

stop_controller() {
    [ -n "$CTL_SIDE" ] && "${CTL_SIDE}_stop"
    CTL_SIDE=
}

# cluster_up chains cluster_down in front of this trap (see cluster.sh).
trap 'stop_controller' EXIT
# shellcheck source=../test/lib/cluster.sh
. "$ROOT/test/lib/cluster.sh"

# ---- one run -----------------------------------------------------------------

ping_up() { SLURM_CONF=$1 timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; }

# One submission loop: jobs WORKER, WORKER + WORKERS, ... of the run; one line
# "job_id t_call t_reply" per job that got an id, errors to submit.err.
submit_loop() {   # conf run-folder worker
    local conf=$1 run=$2 w=$3 i t0 out
    for ((i = w; i < JOBS; i += WORKERS)); do
        t0=$EPOCHREALTIME
        out=$(cd "$run/work" && SLURM_CONF=$conf timeout 60 sbatch --parsable -n1 --mem="$JOB_MEM" \
            -o /dev/null -e /dev/null --wrap="date +%s.%N >$run/starts/\$SLURM_JOB_ID" 2>>"$run/submit.err")
        out=${out%%;*}
        if [[ $out =~ ^[0-9]+$ ]]; then
            echo "$out $t0 $EPOCHREALTIME"
        else
            echo "worker $w job $i: sbatch gave '$out'" >>"$run/submit.err"
        fi
    done >"$run/submit.$w"
}

nstarted() { find "$1/starts" -maxdepth 1 -type f | wc -l; }

# How many jobs the controller still lists (pending, running, completing);
# nothing on error.
nlisted() {
    local out
    out=$(SLURM_CONF=$1 timeout 10 squeue -h -o %i 2>/dev/null) || return 1
    if [ -z "$out" ]; then echo 0; else wc -l <<<"$out"; fi
}

run_side() {   # side rep
    local side=$1 rep=$2 run conf rc w i started last_n last_t now t_first done_t=
    run=$DIR/$side.$rep
    mkdir -p "$run/starts" "$run/work"
    chmod 0777 "$run/starts" "$run/work"
    say "$side rep $rep: cluster of $NODES x $CPUS CPUs"
    CLUSTER_DIR=$run/cluster CLUSTER_CPUS=$CPUS CLUSTER_MEMORY=$MEMORY CLUSTER_STOP_GRACE=2 \
        cluster_up "$NODES" >>"$LOG" 2>&1
    rc=$?
    if [ "$rc" -ne 0 ]; then
        if [ "$rc" -eq 77 ]; then
            NA[$side]="this machine cannot host the cluster: $CLUSTER_ERROR"
            say "$side: n/a: ${NA[$side]}"
        else
            fail "$side: cluster_up $NODES: $CLUSTER_ERROR"
            NA[$side]="cluster_up failed"
        fi
        return 1
    fi
    conf=$CLUSTER_CONF
    CTL_SIDE=$side
    if ! "${side}_start" "$conf" "$run"; then
        fail "$side did not start (logs in $run)"
        NA[$side]="did not start"
        stop_controller
        cluster_down >>"$LOG" 2>&1
        return 1
    fi
    for ((i = 0; i < 300; i++)); do
        ping_up "$conf" && break
        sleep 0.1
    done
    if ! ping_up "$conf"; then
        fail "$side does not answer 'scontrol ping' (logs in $run)"
        NA[$side]="no ping"
    elif ! cluster_wait_idle 60 >>"$LOG" 2>&1; then
        fail "$side: the nodes did not all become idle: $CLUSTER_ERROR"
        NA[$side]="nodes not idle"
    fi
    if [ -n "${NA[$side]:-}" ]; then
        stop_controller
        cluster_down >>"$LOG" 2>&1
        return 1
    fi
    sleep 1   # let start-up work (state save, first scheduling pass) settle

    local ticks0 ticks1
    ticks0=$(tree_ticks "$CTL_ROOT")
    t_first=$EPOCHREALTIME
    # Only the loops: slurmd and slurmctld are children of this shell too.
    local loops=()
    for ((w = 0; w < WORKERS; w++)); do
        submit_loop "$conf" "$run" "$w" &
        loops+=($!)
    done
    wait "${loops[@]}"
    cat "$run"/submit.[0-9]* | LC_ALL=C sort -k1,1 >"$run/submit.tsv"
    local ok
    ok=$(wc -l <"$run/submit.tsv")
    say "$side rep $rep: $ok of $JOBS jobs submitted in $(awk -v a="$t_first" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s"
    [ "$ok" -eq "$JOBS" ] ||
        fail "$side: $((JOBS - ok)) of $JOBS submissions failed (first errors: $(head -c 300 "$run/submit.err" | tr '\n' ' '))"

    # Every job started, then the controller lists none.  A run in which no
    # job started for STALL seconds is given up.
    last_n=-1 last_t=$SECONDS
    while :; do
        started=$(nstarted "$run")
        if [ "$started" -ne "$last_n" ]; then
            last_n=$started last_t=$SECONDS
        fi
        if [ "$started" -ge "$ok" ] && [ "$(nlisted "$conf")" = 0 ] && ping_up "$conf"; then
            done_t=$EPOCHREALTIME
            break
        fi
        now=$SECONDS
        if [ $((now - last_t)) -ge "$STALL" ] && [ "$started" -lt "$ok" ]; then
            fail "$side: no job started for $STALL s: $started of $ok started"
            break
        fi
        if awk -v a="$t_first" -v b="$EPOCHREALTIME" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
            fail "$side: not done after $TIMEOUT s: $started of $ok started, $(nlisted "$conf") still listed"
            break
        fi
        sleep 0.25
    done
    ticks1=$(tree_ticks "$CTL_ROOT")
    # What the controller recorded: one line per job, kept before the stop.
    SLURM_CONF=$conf timeout 60 scontrol -o show job >"$run/show_job.txt" 2>"$run/show_job.err"
    stop_controller
    cluster_down >>"$LOG" 2>&1

    rec "$side" "$rep" submitted "$ok"
    rec "$side" "$rep" ctl_cpu_s "$(awk -v t=$((ticks1 - ticks0)) -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')"
    [ -n "$done_t" ] &&
        rec "$side" "$rep" done_s "$(awk -v a="$t_first" -v b="$done_t" 'BEGIN { printf "%.3f", b - a }')"
    analyse "$side" "$rep" "$run"
}

# Per-job start latency and the makespan from submit.tsv and starts/, and
# what the controller recorded from show_job.txt.
analyse() {   # side rep run-folder
    local side=$1 rep=$2 run=$3 f id
    for f in "$run"/starts/*; do
        [ -f "$f" ] || continue
        id=${f##*/}
        printf '%s %s\n' "$id" "$(head -n 1 "$f")"
    done | LC_ALL=C sort -k1,1 >"$run/starts.tsv"
    # job t_call t_reply t_start, for the jobs that started
    LC_ALL=C join "$run/submit.tsv" "$run/starts.tsv" >"$run/jobs.tsv"
    # latencies, sorted, after "first_call last_start" on the first line
    { awk '{ if (NR == 1 || $2 < fc) fc = $2; if ($4 > ls) ls = $4 }
           END { if (NR) printf "%.6f %.6f\n", fc, ls }' "$run/jobs.tsv"
      awk '{ printf "%.6f\n", $4 - $3 }' "$run/jobs.tsv" | sort -g
    } | awk -v side="$side" -v rep="$rep" '
        function pct(p,   r) { r = int(p * n + 0.999999); if (r < 1) r = 1; return lat[r] }
        NR == 1 { first_call = $1; last_start = $2; next }
        { lat[++n] = $1 }
        END {
            if (!n) exit
            printf "%s\t%s\tstarted\t%d\n", side, rep, n
            printf "%s\t%s\tmakespan_s\t%.3f\n", side, rep, last_start - first_call
            printf "%s\t%s\tstarts_per_s\t%.3f\n", side, rep, n / (last_start - first_call)
            printf "%s\t%s\tlat_min_s\t%.3f\n", side, rep, lat[1]
            printf "%s\t%s\tlat_p50_s\t%.3f\n", side, rep, pct(0.50)
            printf "%s\t%s\tlat_p99_s\t%.3f\n", side, rep, pct(0.99)
            printf "%s\t%s\tlat_max_s\t%.3f\n", side, rep, lat[n]
        }' >>"$RESULTS"
    local last_submit
    last_submit=$(awk '{ if ($3 > m) m = $3 } END { if (NR) printf "%.3f", m }' "$run/submit.tsv")
    [ -n "$last_submit" ] && rec "$side" "$rep" submit_s \
        "$(awk -v a="$(sort -k2,2g "$run/submit.tsv" | head -n 1 | cut -d' ' -f2)" -v b="$last_submit" 'BEGIN { printf "%.3f", b - a }')"
    # Controller's record, 1 s resolution: COMPLETED jobs, last EndTime -
    # first SubmitTime.
    awk -v side="$side" -v rep="$rep" '
        function t(s) { gsub(/[-T:]/, " ", s); return mktime(s) }
        /^JobId=/ {
            for (i = 1; i <= NF; i++) {
                split($i, kv, "=")
                if (kv[1] == "JobState" && kv[2] == "COMPLETED") done++
                if (kv[1] == "SubmitTime" && kv[2] ~ /^[0-9]/) { s = t(kv[2]); if (!sub0 || s < sub0) sub0 = s }
                if (kv[1] == "EndTime" && kv[2] ~ /^[0-9]/) { e = t(kv[2]); if (e > end1) end1 = e }
            }
        }
        END {
            printf "%s\t%s\tctl_completed\t%d\n", side, rep, done
            if (sub0 && end1) printf "%s\t%s\tctl_makespan_s\t%d\n", side, rep, end1 - sub0
        }' "$run/show_job.txt" >>"$RESULTS"
    local n
    n=$(wc -l <"$run/jobs.tsv")
    say "$side rep $rep: $n jobs started; $(grep -P "^$side\t$rep\t" "$RESULTS" | cut -f3,4 | tr '\t\n' '= ')"
}

# ---- the run -------------------------------------------------------------------

munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 ||
    { echo "jobs_run: munged does not answer (run scripts/setup)" >&2; exit 1; }

LIVE=()
for side in flurm slurmctld; do
    [[ " $SIDES " == *" $side "* ]] || NA[$side]="not in BENCH_SIDES"
done
for side in $SIDES; do
    if why=$("${side}_available"); then
        LIVE+=("$side")
    else
        NA[$side]=$why
        say "$side: n/a: $why"
    fi
done
if [ "${#LIVE[@]}" -gt 0 ] && ! cluster_check; then
    for side in "${LIVE[@]}"; do NA[$side]="this machine cannot host the cluster: $CLUSTER_ERROR"; done
    say "n/a: this machine cannot host the cluster: $CLUSTER_ERROR"
    LIVE=()
fi
say "run folder $DIR; $JOBS jobs on $NODES nodes x $CPUS CPUs, $WORKERS sbatch loops, $REPS repetition(s)"

for ((rep = 1; rep <= REPS; rep++)); do
    for side in "${LIVE[@]}"; do
        [ -n "${NA[$side]:-}" ] && continue
        run_side "$side" "$rep"
    done
done
trap - EXIT

# ---- the table ---------------------------------------------------------------

med() {   # side metric: median over the repetitions ("" when none)
    awk -F'\t' -v s="$1" -v m="$2" '$1 == s && $3 == m { print $4 }' "$RESULTS" |
        sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

ROWS=(
    "jobs submitted|submitted|%d"
    "jobs started (script ran)|started|%d"
    "jobs COMPLETED (scontrol)|ctl_completed|%d"
    "submit: all sbatch s|submit_s|%.2f"
    "makespan: 1st submit to last start s|makespan_s|%.2f"
    "jobs started per s|starts_per_s|%.2f"
    "start - submit min s|lat_min_s|%.3f"
    "start - submit p50 s|lat_p50_s|%.3f"
    "start - submit p99 s|lat_p99_s|%.3f"
    "start - submit max s|lat_max_s|%.3f"
    "1st submit to all ended s|done_s|%.2f"
    "controller: last end - 1st submit s|ctl_makespan_s|%d"
    "controller CPU s|ctl_cpu_s|%.2f"
)

value() {   # side metric format
    local x
    x=$(med "$1" "$2")
    if [ -z "$x" ]; then echo "n/a"; return; fi
    awk -v x="$x" "BEGIN { printf \"$3\", x }"
}

{
    echo "jobs that run: $JOBS x 'sbatch -n1 --mem=$JOB_MEM --wrap' on $NODES nodes x $CPUS CPUs ($WORKERS sbatch loops)"
    printf '%-40s %12s %12s %8s\n' metric FLURM slurmctld ratio
    printf 'metric\tflurm\tslurmctld\tratio\n' >"$SUMMARY"
    for r in "${ROWS[@]}"; do
        IFS='|' read -r label metric fmt <<<"$r"
        f=$(value flurm "$metric" "$fmt")
        s=$(value slurmctld "$metric" "$fmt")
        ratio=-
        if [ "$f" != n/a ] && [ "$s" != n/a ]; then
            ratio=$(awk -v a="$f" -v b="$s" 'BEGIN { if (b + 0 != 0) printf "%.3g", a / b; else print "-" }')
        fi
        printf '%-40s %12s %12s %8s\n' "$label" "$f" "$s" "$ratio"
        printf '%s\t%s\t%s\t%s\n' "$label" "$f" "$s" "$ratio" >>"$SUMMARY"
    done
    for side in flurm slurmctld; do
        [ -n "${NA[$side]:-}" ] && echo "$side: n/a: ${NA[$side]}"
    done
    echo "ratio = FLURM / slurmctld; medians of $REPS repetition(s). start - submit: the job's script start - sbatch's reply."
    echo "samples: $RESULTS   table: $SUMMARY   log: $LOG"
}
[ "$ERRORS" -eq 0 ] || { echo "jobs_run: $ERRORS error(s); see $LOG" >&2; exit 1; }
exit 0
