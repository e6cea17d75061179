# shellcheck shell=bash
# lib.sh - helpers of the job-step tests (test/steps/t_*.sh): the real SLURM
# 22.05 srun, salloc, sbatch, squeue, scontrol and scancel against FLURM
# (or, with E2E_TARGET=slurmctld, Debian's real slurmctld, which is how every
# expectation here was checked to be SLURM's behaviour) on the multi-node
# test cluster of docs/test-cluster.md, whose unmodified slurmd run the
# steps.  Source test/lib/testlib.sh first, then this file.
#
#   steps_cluster N [CONF-LINES]  N nodes (2 CPUs, 1000 MB each unless
#                                 CLUSTER_CPUS / CLUSTER_MEMORY say otherwise),
#                                 CONF-LINES appended to slurm.conf, the target
#                                 controller started on it; returns once every
#                                 node is idle.  Skips (77) where no cluster can
#                                 be built.  Exports SLURM_CONF.
#   run_stdin TEXT CMD...         e2e_run, with TEXT as CMD's standard input
#   job_get ID KEY                KEY's value in `scontrol show job ID`
#   job_state ID                  JobState of ID
#   wait_state SECONDS ID STATE   wait until JobState of ID is STATE
#   wait_file SECONDS PATH        wait until PATH exists
#   poll SECONDS WHAT CMD...      like wait_for, but every 0.25 s (each poll
#                                 here costs the controller an RPC)
#   job_steps ID                  `squeue -s` step ids of job ID, sorted
#   queue_empty                   squeue lists no job
#   nodes_idle                    sinfo shows every node of the cluster idle
#   alive PID / gone PID          whether a (non-zombie) process exists
#
# Steps talk to the test through files in $E2E_WORK (the nodes share this
# machine's file system): they write a file when they run and wait for a
# "go" file wherever the test looks at something running, so no check
# depends on a step being slow enough.

. "$T_ROOT/test/lib/cluster.sh"
. "$T_ROOT/test/e2e/lib.sh"

for _steps_c in srun salloc; do
    command -v "$_steps_c" >/dev/null 2>&1 ||
        t_skip "the SLURM client '$_steps_c' is not installed (scripts/setup installs slurm-client)"
done
unset _steps_c

steps_cluster() { # N [CONF-LINES]
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

run_stdin() { # TEXT CMD...
    local text=$1
    shift
    printf '%s\n' "$text" >"$T_TMP/.run.in"
    (cd "$E2E_WORK" && exec timeout -k 5 "$E2E_CMD_TIMEOUT" "$@") \
        >"$T_TMP/.run.out" 2>"$T_TMP/.run.err" <"$T_TMP/.run.in"
    RC=$?
    OUT=$(cat "$T_TMP/.run.out")
    ERR=$(cat "$T_TMP/.run.err")
    return 0
}

job_get() { # ID KEY
    # without an id scontrol would show every job, and the first one's KEY
    [ -n "$1" ] || return 1
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

_steps_state_is() { [ "$(job_state "$1")" = "$2" ]; }

wait_state() { # SECONDS ID STATE
    poll "$1" "job $2 to be $3" _steps_state_is "$2" "$3" ||
        { t_note "job $2 is $(job_state "$2") after $1 s, not $3"; return 1; }
}

wait_file() { # SECONDS PATH
    poll "$1" "$2 to be written" test -e "$2"
}

job_steps() { # ID
    [ -n "$1" ] || return 1
    e2e_run squeue -h -s -j "$1" -o %i
    printf '%s\n' "$OUT" | LC_ALL=C sort
}

queue_empty() {
    e2e_run squeue -h -o %i
    [ "$RC" -eq 0 ] && [ -z "$OUT" ]
}

nodes_idle() {
    local want node
    want=$(for node in $CLUSTER_NODES; do echo "$node idle"; done)
    e2e_run sinfo -h -N -o "%N %t"
    [ "$(sort -V <<<"$OUT")" = "$want" ]
}

alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
gone() { ! alive "$1"; }
