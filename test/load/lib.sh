# shellcheck shell=bash
# lib.sh - FLURM's load-and-fault harness (issue 6): real SLURM clients keep
# a steady load on a whole FLURM tree driving real slurmd, while a fault
# schedule reloads, upgrades, breaks and kills its parts.  Afterwards every
# job id sbatch printed is checked against the controller, and a table per
# fault says how many commands were issued and failed, their worst and p99
# latency, and how many jobs were acknowledged, lost or run twice.
# Source test/lib/testlib.sh first, then this file, then call load_main.
#
#   load_main [--long] [--rounds N] [--workers N] [--reloads N]
#
# The short form (t_load_short.sh, `test/load/run`) applies each fault once;
# --long repeats the whole schedule (default 5 rounds, 10 reloads of each
# service in a row per round).  docs/testing.md describes the schedule and
# what is asserted.
#
# The tree runs from a private copy of the build's binaries ($T_TMP/b/bin):
# installing a new or a broken build there (atomic rename, then
# `flurm-sup reload`) touches nothing outside the test.  The new build is
# the same sources built by make with another VERSION into $T_TMP/v2.

. "$T_ROOT/test/run/lib.sh"

LOAD_LIB=$T_ROOT/test/load
LOAD_DIR=$T_TMP/load
LOAD_SERVICES=(store nodes sched gateway)
declare -A LOAD_EXEC=([store]=flurm-jobstore [nodes]=flurm-nodemgr [sched]=flurm-scheduler
    [gateway]=flurm-gateway)

# ---- the supervisor's view ---------------------------------------------------

_load_sup() { # flurm-sup ARGS... on this run folder, as the harness's daemons see it
    "${E2E_CLEAN_ENV[@]}" "$B/bin/flurm-sup" "$@"
}

# FIELD (pid, version or state) of service NAME in `flurm-sup status --json`;
# with FIELD "sup", the supervisor's own pid.
load_status() { # NAME FIELD
    _load_sup status -r "$LOAD_RUN" --json 2>/dev/null | python3 -c '
import json, sys
doc = json.load(sys.stdin)
doc = doc.get("body", doc)
name, field = sys.argv[1], sys.argv[2]
if field == "sup":
    print(doc["pid"]); sys.exit(0)
def walk(node):
    if node.get("name") == name and node.get("kind") == "service":
        print(node.get(field) if node.get(field) is not None else "")
        return True
    return any(walk(c) for c in node.get("children") or [])
sys.exit(0 if walk(doc["tree"]) else 1)' "$1" "$2"
}

_load_ready_new() { # NAME OLD-PID: a new instance of NAME is ready
    local pid
    [ "$(load_status "$1" state)" = ready ] || return 1
    pid=$(load_status "$1" pid) && [ -n "$pid" ] && [ "$pid" != "$2" ]
}

# ---- schedule bookkeeping ------------------------------------------------------

load_phase() { # LABEL: from now on, commands and submissions count for LABEL
    printf '%s %s\n' "$EPOCHREALTIME" "$1" >>"$LOAD_DIR/phases"
    t_note "phase: $1"
}

# ---- binaries ------------------------------------------------------------------

# The tree runs from $T_TMP/b/bin, a copy of $B/bin; $T_TMP/v1 keeps the
# original services, $T_TMP/v2 gets the rebuild with another version.
_load_private_bin() {
    local orig=$B f
    LOAD_ORIG_B=$orig
    mkdir -p "$T_TMP/b/bin" "$T_TMP/v1"
    for f in flurm-sup "${LOAD_EXEC[@]}"; do
        [ -x "$orig/bin/$f" ] || t_fatal "FLURM is not built: $orig/bin/$f is missing (run make)"
        cp -p "$orig/bin/$f" "$T_TMP/b/bin/$f"
        cp -p "$orig/bin/$f" "$T_TMP/v1/$f"
    done
    B=$T_TMP/b
    export B
}

# Start building the services again with VERSION=$LOAD_V2 (in the
# background: the build overlaps the load).  The build's objects are
# copied first with their times: make then only rewrites the generated
# version header, recompiles common/version.c and relinks, in seconds even
# for the sanitizer build (a full one takes minutes on two cores).  Sources
# changed since the binaries were built are recompiled too: it is a new
# build in every sense.
_load_build_v2_start() {
    local san=0 targets=() s d
    case $LOAD_ORIG_B in *asan*) san=1 ;; esac
    for s in "${LOAD_SERVICES[@]}"; do
        targets+=("$T_TMP/v2/bin/${LOAD_EXEC[$s]}")
    done
    mkdir -p "$T_TMP/v2"
    for d in obj lib gen; do
        [ -d "$LOAD_ORIG_B/$d" ] && cp -a "$LOAD_ORIG_B/$d" "$T_TMP/v2/"
    done
    (
        nice make -s -C "$T_ROOT" SAN=$san B="$T_TMP/v2" VERSION="$LOAD_V2" "${targets[@]}" \
            >"$T_TMP/v2.log" 2>&1
        echo $? >"$T_TMP/v2.rc"
    ) &
    LOAD_BUILD_PID=$!
}

# Install FILE as service NAME's executable the way a package upgrade does:
# copy beside it, then rename over it (running instances keep their inode).
load_install() { # NAME FILE
    local dst=$B/bin/${LOAD_EXEC[$1]}
    cp -p "$2" "$dst.new.$$" && mv -f "$dst.new.$$" "$dst"
}

# ---- the tree ------------------------------------------------------------------

# Start flurm-sup as test/e2e/lib.sh does (e2e_start_flurm), without
# arming the exit trap again.
_load_start_tree() {
    "${E2E_CLEAN_ENV[@]}" SLURM_CONF="$SLURM_CONF" FLURM_BINDIR="$B/bin" \
        timeout -k 5 60 "$B/bin/flurm-sup" start -c "$E2E_SUP_CONF" -r "$LOAD_RUN" --daemon \
        </dev/null >>"$CLUSTER_HOME/flurm-sup.out" 2>&1
}

_load_ping() { timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; }
_load_squeue() { timeout 10 squeue -h >/dev/null 2>&1; }

# ---- workers -------------------------------------------------------------------

_load_workers_start() {
    local w
    LOAD_WORKER_PIDS=()
    for ((w = 1; w <= LOAD_WORKERS; w++)); do
        t_bg env LOAD_DIR="$LOAD_DIR" LOAD_WORK="$E2E_WORK" SLURM_CONF="$SLURM_CONF" \
            LOAD_CMD_TIMEOUT="$LOAD_CMD_TIMEOUT" bash "$LOAD_LIB/worker.sh" "$w"
        LOAD_WORKER_PIDS+=("$T_PID")
    done
}

# Each worker ends the iteration it is in (every command has a time
# limit); one that does not is stopped.
_load_workers_stop() {
    local pid i
    touch "$LOAD_DIR/stop"
    for pid in "${LOAD_WORKER_PIDS[@]}"; do
        for ((i = 0; i < 10 * (LOAD_CMD_TIMEOUT * 6 + 10); i++)); do
            _t_alive "$pid" || break
            sleep 0.1
        done
        _t_alive "$pid" && t_stop "$pid" 5 >/dev/null 2>&1
        wait "$pid" 2>/dev/null
    done
}

# ---- faults --------------------------------------------------------------------

fault_reload() { # NAME COUNT: reload NAME COUNT times in a row
    local name=$1 count=$2 k old out rc ok=0
    for ((k = 1; k <= count; k++)); do
        old=$(load_status "$name" pid)
        out=$(_load_sup reload "$name" -r "$LOAD_RUN" --timeout 60 2>&1)
        rc=$?
        if [ $rc -eq 0 ] && [ "$(load_status "$name" pid)" != "$old" ]; then
            ok=$((ok + 1))
        else
            t_note "reload $name #$k: exit $rc: $out"
        fi
    done
    check_eq "flurm-sup reload $name succeeds $count times in a row, each with a new pid" \
        "$count" "$ok"
}

# Every service, one after the other, onto the executable FROM/NAME's binary
# whose version is VERSION: the new version serves afterwards.
fault_new_build() { # FROM-DIR VERSION
    local from=$1 version=$2 s out rc
    for s in "${LOAD_SERVICES[@]}"; do
        load_install "$s" "$from/${LOAD_EXEC[$s]}" || t_fatal "install $from/${LOAD_EXEC[$s]}"
        out=$(_load_sup reload "$s" -r "$LOAD_RUN" --timeout 60 2>&1)
        rc=$?
        check_eq "reload $s to the build of version $version succeeds" 0 "$rc" ||
            { t_note "$out"; continue; }
        check_eq "flurm-sup status shows $s at version $version" "$version" \
            "$(load_status "$s" version)"
    done
    check "scontrol show config names version $version for every service" \
        wait_for 10 "SlurmctldParameters to list version $version" _load_config_versions "$version"
}

# SlurmctldParameters of `scontrol show config` carries each running
# service's version as flurm_NAME=VERSION (docs/observability.md).
_load_config_versions() { # VERSION
    local params s
    params=$(timeout 10 scontrol show config 2>/dev/null | sed -n 's/^SlurmctldParameters *= *//p')
    for s in "${LOAD_SERVICES[@]}"; do
        [[ ,$params, == *",flurm_$s=$1,"* ]] || return 1
    done
}

# A build that cannot start (it exits 1 before its ready line): the reload
# fails and the instance that was serving keeps serving, same pid and
# version.  The good executable is put back afterwards.
fault_broken_build() {
    local s pid version out rc good=$T_TMP/good
    mkdir -p "$good"
    printf '#!/bin/sh\necho "flurm load harness: a broken build" >&2\nexit 1\n' >"$T_TMP/broken"
    chmod +x "$T_TMP/broken"
    for s in "${LOAD_SERVICES[@]}"; do
        pid=$(load_status "$s" pid)
        version=$(load_status "$s" version)
        cp -p "$B/bin/${LOAD_EXEC[$s]}" "$good/${LOAD_EXEC[$s]}"
        load_install "$s" "$T_TMP/broken"
        out=$(_load_sup reload "$s" -r "$LOAD_RUN" --timeout 60 2>&1)
        rc=$?
        check_ne "reload $s to a broken build fails" 0 "$rc"
        check_eq "after the failed reload $s still runs pid $pid at version $version, ready" \
            "$pid $version ready" \
            "$(load_status "$s" pid) $(load_status "$s" version) $(load_status "$s" state)"
        load_install "$s" "$good/${LOAD_EXEC[$s]}"
        [ "$LOAD_VERBOSE" = 1 ] && t_note "reload $s (broken): $out"
    done
}

fault_kill9() { # NAME
    local name=$1 pid
    pid=$(load_status "$name" pid)
    check_match "the $name service runs before kill -9 (pid '$pid')" '^[0-9]+$' "$pid" || return 1
    kill -KILL "$pid"
    check "the $name service is restarted after kill -9" \
        wait_for 30 "a new $name instance" _load_ready_new "$name" "$pid"
}

# kill -9 of flurm-sup and every process of the tree at once, then a
# start as after a power cut: time until scontrol ping and squeue answer.
fault_kill9_tree() {
    local pids t0 t_ping t_squeue
    mapfile -t pids < <(load_status store sup; _e2e_flurm_procs "$LOAD_RUN")
    check_match "the tree's processes are found (${pids[*]})" '^[0-9]+( [0-9]+){4,}$' "${pids[*]}"
    kill -KILL "${pids[@]}"
    check "every process of the killed tree is gone" \
        wait_for 20 "the killed tree to be gone" _load_all_gone "${pids[@]}"
    # flurm-sup binds the SLURM port again: nothing may still listen there
    # (once seen in a long run: the restart exited 111, address in use).
    wait_for 20 "port $CLUSTER_PORT to be free" _load_port_free ||
        t_note "still listening on port $CLUSTER_PORT: $(ss -Htlnp "sport = :$CLUSTER_PORT")"
    t0=$EPOCHREALTIME
    check "flurm-sup starts again on the same run folder and store" _load_start_tree ||
        t_note "$(tail -n 5 "$CLUSTER_HOME/flurm-sup.out"; ss -Htanp "sport = :$CLUSTER_PORT")"
    wait_for 60 "scontrol ping to answer" _load_ping
    t_ping=$EPOCHREALTIME
    wait_for 60 "squeue to answer" _load_squeue
    t_squeue=$EPOCHREALTIME
    check "after the restart scontrol ping and squeue answer" _load_squeue
    t_note "$(awk -v a="$t0" -v b="$t_ping" -v c="$t_squeue" \
        'BEGIN { printf "restart of the whole tree: ping after %.2f s, squeue after %.2f s", b - a, c - a }')"
}

_load_port_free() { [ -z "$(ss -Htln "sport = :$CLUSTER_PORT")" ]; }

_load_all_gone() {
    local pid
    for pid in "$@"; do
        [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] &&
            return 1
    done
    return 0
}

_load_node_back() { # NODE: responding and not down
    local st
    st=$(timeout 10 sinfo -h -n "$1" -o %t 2>/dev/null)
    [ -n "$st" ] && [[ $st != *'*'* ]] && [[ $st != down* ]] && [[ $st != drain* ]]
}

fault_slurmd() { # NODE: slurmd SIGKILLed, restarted 2 s later
    local node=$1
    check "slurmd of $node is killed" cluster_kill_node "$node"
    sleep 2
    check "slurmd of $node starts again" cluster_start_node "$node"
    check "$node is back in service (not down, not drained, responding)" \
        wait_for 40 "$node to be back" _load_node_back "$node"
}

# ---- the run -------------------------------------------------------------------

_load_queue_empty() {
    local out
    out=$(timeout 20 squeue -h -o %i 2>/dev/null) || return 1
    [ -z "$out" ]
}

_load_settle() { sleep "$LOAD_SETTLE"; }

load_round() { # ROUND
    local r=$1 s from version
    for s in "${LOAD_SERVICES[@]}"; do
        load_phase "reload $s x$LOAD_RELOADS"
        fault_reload "$s" "$LOAD_RELOADS"
        _load_settle
    done

    # Odd rounds move to the rebuild, even rounds back to the original
    # build: the version changes every time.
    if [ $((r % 2)) -eq 1 ]; then
        from=$T_TMP/v2/bin version=$LOAD_V2
        if [ -z "${LOAD_BUILD_RC:-}" ]; then
            load_phase baseline # no fault while the build may still run
            wait "$LOAD_BUILD_PID"
            LOAD_BUILD_RC=$(cat "$T_TMP/v2.rc" 2>/dev/null || echo 1)
            check_eq "the services build again with VERSION=$LOAD_V2 (make B=$T_TMP/v2)" 0 \
                "$LOAD_BUILD_RC" || t_note "$(tail -n 20 "$T_TMP/v2.log")"
        fi
    else
        from=$T_TMP/v1 version=$LOAD_V1
    fi
    if [ "$LOAD_BUILD_RC" = 0 ]; then
        load_phase "reload to a new version"
        fault_new_build "$from" "$version"
        _load_settle
    fi

    load_phase "reload to a broken build"
    fault_broken_build
    _load_settle

    for s in "${LOAD_SERVICES[@]}"; do
        load_phase "kill -9 $s"
        fault_kill9 "$s"
        _load_settle
    done

    load_phase "kill -9 tree, restart"
    fault_kill9_tree
    _load_settle

    load_phase "kill -9 slurmd, restart"
    fault_slurmd "n$(((r - 1) % CLUSTER_N + 1))"
    _load_settle
}

load_main() {
    local r line label issued failed max p99 acked lost twice wrong
    LOAD_ROUNDS=1 LOAD_RELOADS=2 LOAD_WORKERS=3 LOAD_SETTLE=3 LOAD_VERBOSE=0
    while [ $# -gt 0 ]; do
        case $1 in
            --long) LOAD_ROUNDS=5 LOAD_RELOADS=10 LOAD_WORKERS=4 ;;
            --rounds) LOAD_ROUNDS=$2; shift ;;
            --workers) LOAD_WORKERS=$2; shift ;;
            --reloads) LOAD_RELOADS=$2; shift ;;
            -v) LOAD_VERBOSE=1 ;;
            *) t_fatal "load_main: unknown option $1 (--long, --rounds N, --workers N, --reloads N, -v)" ;;
        esac
        shift
    done
    LOAD_CMD_TIMEOUT=${LOAD_CMD_TIMEOUT:-60}
    LOAD_V1=$("$B/bin/flurm-gateway" --version | awk '{print $2}')
    LOAD_V2="$LOAD_V1-load2"
    mkdir -p "$LOAD_DIR"

    _load_private_bin
    _load_build_v2_start
    # 8 CPUs a node (slurmd reports what the conf says): short jobs of
    # several workers run side by side on this machine's few cores.  A
    # batch launch that meets a killed slurmd requeues the job, which then
    # waits out the credential lifetime (120 s by default, as slurmctld
    # does): 10 s keeps the run short.
    CLUSTER_CPUS=8 run_cluster 2 "AuthInfo=cred_expire=10"
    LOAD_RUN=$CLUSTER_HOME/flurm
    t_show_on_fail "$LOAD_DIR/report.txt"
    mkdir -p "$E2E_WORK/out"
    cat >"$E2E_WORK/job.sh" <<EOF
#!/bin/bash
# One line per run of this job (the nodes share this folder), then work.
echo "\$SLURM_JOB_ID \$(hostname)" >>"$E2E_WORK/runs"
case \$1 in
    long) sleep 600 ;;
    fail) sleep 1; exit 3 ;;
    *) sleep 1 ;;
esac
EOF
    chmod +x "$E2E_WORK/job.sh"

    load_phase baseline
    _load_workers_start
    sleep $((LOAD_SETTLE * 2))
    for ((r = 1; r <= LOAD_ROUNDS; r++)); do
        t_note "round $r of $LOAD_ROUNDS"
        load_round "$r"
    done
    load_phase "after the faults"
    sleep "$LOAD_SETTLE"
    _load_workers_stop
    t_note "$(date +%T) the workers stopped"

    # Held or long jobs still queued are cancelled now: those whose scancel
    # failed, and those created although their sbatch failed (the id is
    # known only to the controller); everything else must finish on its own.
    timeout 60 squeue -h -o '%i %j' 2>/dev/null |
        awk '$2 ~ /^load-w[0-9]+-[0-9]+-(held|long)$/ { print $1 }' |
        xargs -r timeout 60 scancel >/dev/null 2>&1
    check "every job leaves the queue" wait_for 180 "the queue to empty" _load_queue_empty
    t_note "$(date +%T) the queue is empty"
    timeout 60 scontrol show job >"$LOAD_DIR/jobs.dump" 2>"$LOAD_DIR/jobs.err"
    check_eq "scontrol show job lists the jobs at the end" 0 "$?"

    python3 "$LOAD_LIB/report.py" "$LOAD_DIR" "$E2E_WORK" "$LOAD_DIR/jobs.dump" \
        >"$LOAD_DIR/report.txt" 2>&1
    check_eq "the report is written" 0 "$?"
    t_note "$(cat "$LOAD_DIR/report.txt")"

    while IFS=$'\t' read -r label issued failed max p99 acked lost twice wrong; do
        line="$issued commands, $failed failed, max $max ms, p99 $p99 ms, $acked jobs"
        case $label in
            total)
                check "jobs were acknowledged under load ($acked)" test "$acked" -gt 0
                check_eq "no acknowledged job is lost" 0 "$lost"
                check_eq "no job ran twice" 0 "$twice"
                check_eq "every job has its description and the final state of its kind" 0 "$wrong"
                ;;
            reload*)
                check_eq "$label: no client command fails ($line)" 0 "$failed"
                ;;
            "kill -9 store" | "kill -9 nodes" | "kill -9 sched")
                # The gateway holds the client's connection and re-sends
                # to the restarted backend.  A killed gateway (or tree)
                # takes the connections it accepted with it, and a killed
                # slurmd fails the steps placed on it: reported only.  (A
                # failure counts for the phase it ended in: the srun
                # allocations once put down to kill -9 of the scheduler had
                # died with the gateway killed next.)
                check_eq "$label: no client command fails ($line)" 0 "$failed"
                ;;
            *)
                t_note "$label: $line"
                ;;
        esac
    done <"$LOAD_DIR/summary.tsv"
    t_done
}
