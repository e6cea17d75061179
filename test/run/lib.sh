# shellcheck shell=bash
# lib.sh - helpers of the job-running tests (test/run/t_*.sh): real SLURM
# 22.05 clients submit jobs that really run on unmodified slurmd in the
# multi-node test cluster (test/lib/cluster.sh), under FLURM or, with
# E2E_TARGET=slurmctld, under Debian's real slurmctld (which is how every
# expectation here was checked to be SLURM's behaviour).
# Source test/lib/testlib.sh first, then this file.
#
#   run_cluster N [CONF-LINES]   N nodes (each 2 CPUs, 1000 MB unless the
#                                caller set CLUSTER_CPUS / CLUSTER_MEMORY),
#                                CONF-LINES appended to slurm.conf, the target
#                                controller started on it; returns once every
#                                node is idle.  Skips (77) where no cluster can
#                                be built.  Exports SLURM_CONF.
#   job_get ID KEY               KEY's value in `scontrol show job ID`
#                                (the first record: an array's first task)
#   job_state ID                 JobState of ID
#   wait_state SECONDS ID STATE  wait until JobState of ID is STATE
#   wait_file SECONDS PATH       wait until PATH exists
#   poll SECONDS WHAT CMD...     like wait_for, but polls every 0.25 s (each
#                                poll here runs clients that cost the
#                                controller an RPC)
#
#   RUN_QUICK_SCHED              slurm.conf line making slurmctld's periodic
#                                passes short (main every 2 s, backfill every
#                                1 s): what the backfill scheduler starts, and
#                                a requeued job whose begin time passed, wait
#                                for such a pass (30-60 s by default)
#
# Jobs write into $E2E_WORK (the submit directory, shared by every node:
# the nodes share this machine's file system).  Job scripts signal the test
# through files there and wait for a "go" file where the test must look at
# a running job: no check depends on a job being slow enough.

# shellcheck disable=SC2034 # used by the test files
RUN_QUICK_SCHED="SchedulerParameters=bf_interval=1,sched_interval=2"
. "$T_ROOT/test/lib/cluster.sh"
. "$T_ROOT/test/e2e/lib.sh"

run_cluster() { # N [CONF-LINES]
    local n=$1 extra=${2:-} node rc
    cluster_require
    CLUSTER_CONF_EXTRA=$extra cluster_up "$n"
    rc=$?
    [ $rc -eq 77 ] && t_skip "$CLUSTER_ERROR"
    [ $rc -eq 0 ] || t_fatal "cluster_up $n brings up $n nodes: $CLUSTER_ERROR"
    t_show_on_fail "$CLUSTER_HOME/log/slurmctld.log" "$CLUSTER_HOME/log/slurmctld.out"
    for node in $CLUSTER_NODES; do
        t_show_on_fail "$CLUSTER_HOME/log/slurmd-$node.log"
    done
    e2e_start "$CLUSTER_HOME"
    cluster_wait_idle 40 || t_fatal "every slurmd registers and its node is idle: $CLUSTER_ERROR"
}

job_get() { # ID KEY
    e2e_run scontrol show job "$1"
    printf '%s\n' "$OUT" | python3 "$E2E_DIR/showkv.py" --record 1 | kv "$2"
}

job_state() { # ID
    job_get "$1" JobState
}

poll() { # SECONDS WHAT CMD...
    local seconds=$1 what=$2 deadline
    shift 2
    deadline=$(($(date +%s) + seconds))
    until "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            t_note "timed out after ${seconds}s waiting for: $what"
            return 1
        fi
        sleep 0.25
    done
}

_run_state_is() { [ "$(job_state "$1")" = "$2" ]; }

wait_state() { # SECONDS ID STATE
    poll "$1" "job $2 to be $3 (it is $(job_state "$2"))" _run_state_is "$2" "$3" ||
        { t_note "job $2 is $(job_state "$2") after $1 s, not $3"; return 1; }
}

wait_file() { # SECONDS PATH
    poll "$1" "$2 to be written" test -e "$2"
}
