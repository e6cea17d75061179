#!/usr/bin/env bash
# bench/sched_scale.sh — one scheduling pass (priority + backfill) with many
# pending jobs on many emulated nodes, FLURM and the real slurmctld in one
# run (one after the other: each gets the machine and the node ports alone).
#
#   B=build bench/sched_scale.sh          (bench/run runs it with BENCH_SCHED=1)
#
# For each controller:
#   1. a slurm.conf with BENCH_SCHED_NODES (10,000) nodes of 2 CPUs on
#      127.0.0.1, one port each, served by build/bench/nodeemu;
#      SchedulerParameters lets slurmctld's backfill look at every job
#      (bf_max_job_test, default_queue_depth = the job count; by default it
#      stops at 500 / 100 jobs, which would not be the same pass);
#   2. the controller and the emulator start; the run waits until every node
#      has registered;
#   3. one job of every node (sbatch -N NODES --exclusive, it runs for a
#      day on the emulator) fills the cluster, then build/bench/submit
#      --no-hold --vary submits BENCH_SCHED_JOBS (100,000) jobs of 1-4 nodes
#      and 10 min - 1 day: they all wait (Resources / Priority), and every
#      pass must plan all of them behind the running one;
#   4. the pass is read:
#      slurmctld: sdiag's backfill "Last cycle" (µs, wall, including its
#        lock yields) and "Last depth cycle" of the first backfill cycle that
#        starts after the submissions, and the main scheduler's last cycle;
#      FLURM: one pass is priority, placement and backfill together; when
#        the scheduler has been idle, one job is held (scontrol hold), and
#        the pass that change causes is read from sdiag's main-schedule
#        "Last cycle" / "Last queue length" (the scheduler's own clock), and
#        as the CPU flurm-scheduler spends until it is idle again (10 ms
#        ticks; that includes reading the changed job);
#   5. memory of the controller's tree with the jobs in (RSS sum).
# The offline pass (build/bench/sched_cycle at the same size) is a row too.
#
# Prints "metric | FLURM | slurmctld | ratio" like bench/run; never asserts
# a time.  Environment: B, BENCH_DIR (kept), BENCH_SIDES, BENCH_SCHED_NODES
# [10000], BENCH_SCHED_JOBS [100000], BENCH_SCHED_PORT_BASE [20001] (node
# ports: BASE..BASE+NODES-1, below the ephemeral range), FLURM_SUP_CONF.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
abspath() { case $1 in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
B=$(abspath "${B:-build}")
SIDES=${BENCH_SIDES:-flurm slurmctld}
NODES=${BENCH_SCHED_NODES:-10000}
JOBS=${BENCH_SCHED_JOBS:-100000}
PORT_BASE=${BENCH_SCHED_PORT_BASE:-20001}
SUP_CONF=$(abspath "${FLURM_SUP_CONF:-conf/flurm-sup.json}")
HZ=$(getconf CLK_TCK)
DIR=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/flurm-sched.XXXXXX")}
DIR=$(abspath "$DIR")
mkdir -p "$DIR" || exit 1
RESULTS=$DIR/results.tsv
LOG=$DIR/sched_scale.log
: >"$RESULTS"
ERRORS=0
CLEANENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root)

say() { echo "sched: $*" >&2; echo "[$(date +%T)] $*" >>"$LOG"; }
fail() { say "error: $*"; ERRORS=$((ERRORS + 1)); }
rec() { local IFS=$'\t'; echo "$*" >>"$RESULTS"; }   # side metric value

for v in NODES JOBS PORT_BASE; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "sched: $v must be a positive number" >&2; exit 2; }
done
for x in "$B/bench/nodeemu" "$B/bench/submit"; do
    [ -x "$x" ] || { echo "sched: $x is not built" >&2; exit 1; }
done

tree_pids() {
    [ -d "/proc/$1" ] || return 0
    ps -e -o pid=,ppid= | awk -v root="$1" '{ kids[$2] = kids[$2] " " $1 }
        END { q[1] = root; n = 1
              for (i = 1; i <= n; i++) { print q[i]; m = split(kids[q[i]], k, " ")
                  for (j = 1; j <= m; j++) q[++n] = k[j] } }'
}
tree_rss_kb() {
    local pid sum=0 v
    for pid in $(tree_pids "$1"); do
        v=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null)
        sum=$((sum + ${v:-0}))
    done
    echo "$sum"
}
ticks_of() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }

CTL_PORT=
free_port() {
    local p=$1
    while [ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; do p=$((p + 1)); done
    echo "$p"
}

write_conf() {   # side folder
    local side=$1 d=$2
    mkdir -p "$d/state" "$d/spool" "$d/log" "$d/work"
    # below the ephemeral range (32768 and up here), above the node ports
    if [ "$side" = flurm ]; then CTL_PORT=$(free_port 30100); else CTL_PORT=$(free_port 30300); fi
    cat >"$d/slurm.conf" <<EOF
# Written by bench/sched_scale.sh: $NODES emulated nodes (build/bench/nodeemu)
ClusterName=sched
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$CTL_PORT
SlurmdPort=$((CTL_PORT + 1))
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmctldDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
SchedulerParameters=bf_max_job_test=$JOBS,default_queue_depth=$JOBS,bf_interval=10
PriorityType=priority/multifactor
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmdTimeout=3600
MaxJobCount=$((JOBS + 1000))
NodeName=e[1-$NODES] NodeAddr=127.0.0.1 Port=[$PORT_BASE-$((PORT_BASE + NODES - 1))] CPUs=2 Sockets=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

declare -A ROOTPID
EMU_PID=
SUBMIT_PID=

start_side() {   # side folder
    local side=$1 d=$2
    if [ "$side" = slurmctld ]; then
        "${CLEANENV[@]}" /usr/sbin/slurmctld -D -c -f "$d/slurm.conf" </dev/null >"$d/log/slurmctld.out" 2>&1 &
        ROOTPID[slurmctld]=$!
    else
        "${CLEANENV[@]}" SLURM_CONF="$d/slurm.conf" FLURM_BINDIR="$B/bin" \
            "$B/bin/flurm-sup" start --daemon -c "$SUP_CONF" -r "$d/run" </dev/null >"$d/flurm.out" 2>&1 || return 1
        ROOTPID[flurm]=$(cat "$d/run/flurm-sup.pid" 2>/dev/null)
    fi
    for _ in $(seq 300); do
        SLURM_CONF=$d/slurm.conf scontrol ping 2>/dev/null | grep -q UP && return 0
        sleep 0.1
    done
    return 1
}

stop_side() {   # side folder
    local side=$1 d=$2 pid
    [ -n "$SUBMIT_PID" ] && kill "$SUBMIT_PID" 2>/dev/null && wait "$SUBMIT_PID" 2>/dev/null
    SUBMIT_PID=
    [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
    EMU_PID=
    pid=${ROOTPID[$side]:-}
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 0
    if [ "$side" = flurm ]; then
        "${CLEANENV[@]}" SLURM_CONF="$d/slurm.conf" FLURM_BINDIR="$B/bin" \
            "$B/bin/flurm-sup" stop -r "$d/run" </dev/null >>"$d/flurm.out" 2>&1
    else
        kill -TERM "$pid"
        for _ in $(seq 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
    ROOTPID[$side]=
}

sdiag_field() {   # conf section-pattern field: the first "field: N" after the section's line
    SLURM_CONF=$1 sdiag 2>/dev/null | awk -v sec="$2" -v f="$3" '
        index($0, sec) { in_sec = 1; next }
        in_sec && index($0, f ":") { sub(/^[^:]*:[ \t]*/, ""); print $1 + 0; exit }'
}

# CPU seconds the process spends from now until it has been idle (no tick)
# for 2 s in a row; at most $2 s.
cpu_until_idle() {   # pid limit
    local pid=$1 limit=$2 t0 last now idle=0 waited=0
    t0=$(ticks_of "$pid")
    last=$t0
    while [ "$idle" -lt 20 ] && [ "$waited" -lt $((limit * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
        now=$(ticks_of "$pid")
        if [ "${now:-0}" = "$last" ]; then idle=$((idle + 1)); else idle=0; last=$now; fi
    done
    awk -v a="$t0" -v b="$last" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }'
}

run_side() {   # side
    local side=$1 d=$DIR/$1 conf out t0 registered held cycles0 cycles sched_pid
    rm -rf "$d"
    write_conf "$side" "$d"
    conf=$d/slurm.conf
    if ! start_side "$side" "$d"; then
        fail "$side did not start (logs in $d)"
        return 1
    fi
    say "$side: up on port $CTL_PORT; starting $NODES emulated nodes"
    t0=$EPOCHREALTIME
    "$B/bench/nodeemu" -f "$conf" --report 10 >"$d/nodeemu.out" 2>"$d/nodeemu.err" &
    EMU_PID=$!
    registered=0
    for _ in $(seq 600); do
        grep -q "registered $NODES nodes in" "$d/nodeemu.out" && registered=1 && break
        [ -d "/proc/$EMU_PID" ] || break
        sleep 0.5
    done
    [ "$registered" = 1 ] || { fail "$side: the $NODES nodes did not register (see $d/nodeemu.*)"; return 1; }
    rec "$side" nodes_registered_s "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
    say "$side: $(grep -m1 'registered .* nodes in' "$d/nodeemu.out")"
    # every node runs one job for a day: the cluster is full
    printf '#!/bin/sh\n#EMU runtime=86400000\nsleep 86400\n' >"$d/work/full.sh"
    (cd "$d/work" && SLURM_CONF=$conf sbatch -N "$NODES" --exclusive -t 1-0 -o /dev/null full.sh) >>"$LOG" 2>&1 ||
        { fail "$side: the cluster-wide job was refused"; return 1; }
    for _ in $(seq 300); do
        [ "$(SLURM_CONF=$conf squeue -h -t R -o %i 2>/dev/null | wc -l)" -ge 1 ] && break
        sleep 0.5
    done
    say "$side: the cluster-wide job runs; submitting $JOBS jobs"
    # in the background, so that an interrupted run stops it too
    (cd "$d/work" && exec "$B/bench/submit" --port "$CTL_PORT" --count "$JOBS" --concurrency 8 \
        --no-hold --vary --timeout 120) >"$d/submit.out" 2>&1 &
    SUBMIT_PID=$!
    wait "$SUBMIT_PID"
    SUBMIT_PID=
    out=$(cat "$d/submit.out")
    echo "$out" >>"$LOG"
    grep -q '^result .* failed=0 ' <<<"$out" || fail "$side: submissions failed: $(grep -m1 'first failure' <<<"$out")"
    rec "$side" submit_jobs_per_s "$(sed -nE 's/^result .* jobs_per_s=([0-9.]+).*/\1/p' <<<"$out")"
    if [ "$side" = slurmctld ]; then
        # the first backfill cycle that starts after the submissions
        cycles0=$(sdiag_field "$conf" "Backfilling stats" "Total cycles")
        for _ in $(seq 600); do
            cycles=$(sdiag_field "$conf" "Backfilling stats" "Total cycles")
            [ "${cycles:-0}" -ge $((${cycles0:-0} + 2)) ] && break
            sleep 1
        done
        rec "$side" pass_s "$(awk -v u="$(sdiag_field "$conf" "Backfilling stats" "Last cycle")" 'BEGIN { printf "%.3f", u / 1e6 }')"
        rec "$side" depth "$(sdiag_field "$conf" "Backfilling stats" "Last depth cycle")"
    else
        # settle, then one change and the pass it causes
        sched_pid=$(for p in $(tree_pids "${ROOTPID[flurm]}"); do
            [ "$(cat "/proc/$p/comm" 2>/dev/null)" = flurm-scheduler ] && echo "$p"; done | head -n 1)
        [ -n "$sched_pid" ] || { fail "flurm: no flurm-scheduler process"; return 1; }
        cpu_until_idle "$sched_pid" 600 >/dev/null
        # the last job submitted (job 1 is the cluster-wide one); not found
        # with squeue, which may time out with this many jobs
        held=$((JOBS + 1))
        SLURM_CONF=$conf scontrol hold "$held" >>"$LOG" 2>&1
        rec "$side" pass_cpu_s "$(cpu_until_idle "$sched_pid" 600)"
        # the scheduler's own pass time (priority, placement and backfill are
        # one pass), as it reports it to sdiag's main schedule lines
        rec "$side" pass_s "$(awk -v u="$(sdiag_field "$conf" "Main schedule statistics" "Last cycle")" 'BEGIN { printf "%.3f", u / 1e6 }')"
        rec "$side" depth "$(sdiag_field "$conf" "Main schedule statistics" "Last queue length")"
    fi
    rec "$side" main_last_cycle_ms "$(awk -v u="$(sdiag_field "$conf" "Main schedule statistics" "Last cycle")" 'BEGIN { printf "%.1f", u / 1000 }')"
    # from sdiag, not squeue: squeue may time out with this many jobs
    rec "$side" pending "$(sdiag_field "$conf" "Job states ts" "Jobs pending")"
    rec "$side" rss_mb "$(awk -v k="$(tree_rss_kb "${ROOTPID[$side]}")" 'BEGIN { printf "%.1f", k / 1024 }')"
    say "$side: done"
}

trap 'for s in $SIDES; do stop_side "$s" "$DIR/$s"; done' EXIT
trap 'say "interrupted"; exit 130' INT TERM
say "run folder $DIR; $NODES nodes, $JOBS jobs; sides: $SIDES"
for side in $SIDES; do
    run_side "$side"
    stop_side "$side" "$DIR/$side"
done
trap - EXIT

# the offline pass of the same size (the scheduler's pure function alone)
if [ -x "$B/bench/sched_cycle" ]; then
    out=$("$B/bench/sched_cycle" --nodes "$NODES" --jobs "$JOBS" 2>&1)
    echo "$out" >>"$LOG"
    say "sched_cycle: $(grep '^result' <<<"$out")"
    for k in first_ms steady_ms; do
        v=$(sed -nE "s/^result .*[ ]$k=([0-9.]+).*/\\1/p" <<<"$out" | head -n 1)
        [ -n "$v" ] && rec flurm "offline_$k" "$v"
    done
fi

get() { awk -F'\t' -v s="$1" -v m="$2" '$1 == s && $2 == m { v = $3 } END { print (v == "" ? "n/a" : v) }' "$RESULTS"; }
{
    printf '%-46s %12s %12s %8s\n' metric FLURM slurmctld ratio
    while IFS='|' read -r label mf ms; do
        f=$(get flurm "$mf")
        s=$(get slurmctld "$ms")
        r=-
        [ "$f" != n/a ] && [ "$s" != n/a ] && r=$(awk -v a="$f" -v b="$s" 'BEGIN { if (b + 0) printf "%.2f", a / b; else print "-" }')
        printf '%-46s %12s %12s %8s\n' "$label" "$f" "$s" "$r"
    done <<EOF
$NODES nodes registered s|nodes_registered_s|nodes_registered_s
submit $JOBS runnable jobs x8: jobs/s|submit_jobs_per_s|submit_jobs_per_s
pending jobs|pending|pending
one pass s (FLURM: its pass; slurmctld: backfill)|pass_s|pass_s
jobs that pass looked at|depth|depth
FLURM scheduler CPU for that pass s|pass_cpu_s|-
sdiag main schedule: last cycle ms|main_last_cycle_ms|main_last_cycle_ms
offline pass (bench/sched_cycle): first ms|offline_first_ms|-
offline pass (bench/sched_cycle): next ms|offline_steady_ms|-
controller RSS MB (tree, with the jobs)|rss_mb|rss_mb
EOF
    echo "one pass: FLURM's sdiag main-schedule Last cycle after one scontrol hold (its pass includes backfill); slurmctld's sdiag backfill Last cycle."
    echo "samples: $RESULTS   log: $LOG"
}
[ "$ERRORS" -eq 0 ]
