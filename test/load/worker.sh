#!/usr/bin/env bash
# worker.sh - one client of the load-and-fault harness (test/load/lib.sh).
#
#   worker.sh N
#
# Issues the real SLURM clients in a steady loop until $LOAD_DIR/stop
# exists, and records every command so that the harness can judge the
# controller afterwards:
#
#   $LOAD_DIR/wN.cmds   "START END RC KIND" per command (START and END are
#                       $EPOCHREALTIME, seconds with microseconds)
#   $LOAD_DIR/wN.jobs   "ack ID KIND NAME START" for every id sbatch printed,
#                       "cancel ID RC" for every scancel of one of them
#   $LOAD_DIR/wN.fail   one line per failed command: start, end, what, its stderr
#
# One iteration: sbatch (a 1 s job; every 4th one exits 3), squeue,
# scontrol show job of that id, sinfo; every 3rd an srun of a one-task
# step in its own allocation; every 3rd (another phase) a held job
# submitted then cancelled; every 5th a long job, cancelled by the next
# iteration (so usually while it runs).  What each job must end as is
# decided by its KIND (test/load/report.py).
#
# Environment: LOAD_DIR, LOAD_WORK (submit folder shared with the nodes;
# job.sh lives there), LOAD_CMD_TIMEOUT (seconds per client command),
# SLURM_CONF.

w=$1
cd "$LOAD_WORK" || exit 1
cmds=$LOAD_DIR/w$w.cmds
jobs=$LOAD_DIR/w$w.jobs
fails=$LOAD_DIR/w$w.fail
out=$LOAD_DIR/w$w.out
err=$LOAD_DIR/w$w.err
timeout=${LOAD_CMD_TIMEOUT:-60}

# run KIND CMD...: the command with a time limit; its stdout in $OUT.
# A non-zero RC, or a check of its output failing (the caller passes a
# regex in EXPECT), is a failed command.
EXPECT=
run() {
    local kind=$1 t0 t1 rc
    shift
    t0=$EPOCHREALTIME
    T0=$t0
    timeout -k 5 "$timeout" "$@" >"$out" 2>"$err" </dev/null
    rc=$?
    t1=$EPOCHREALTIME
    OUT=$(<"$out")
    if [ "$rc" -eq 0 ] && [ -n "$EXPECT" ] && ! [[ $OUT =~ $EXPECT ]]; then
        rc=200 # exit 0, but not the answer it must give
        printf 'unexpected output: %s\n' "${OUT:0:300}" >>"$err"
    fi
    EXPECT=
    printf '%s %s %d %s\n' "$t0" "$t1" "$rc" "$kind" >>"$cmds"
    if [ "$rc" -ne 0 ]; then
        printf '%s %s w%s %s rc=%d: %s | %s\n' "$t0" "$t1" "$w" "$kind" "$rc" "$*" \
            "$(head -c 400 "$err" | tr '\n' ' ')" >>"$fails"
    fi
    return "$rc"
}

# submit KIND NAME [SBATCH-ARGS...]: prints nothing; sets ID (empty if
# sbatch failed) and records the acknowledgement.
submit() {
    local kind=$1 name=$2 limit=5
    shift 2
    ID=
    [ "$kind" = long ] && limit=10
    EXPECT='^[0-9]+$'
    if run sbatch sbatch --parsable -J "$name" --comment "$name" -t "$limit" --mem=50 \
        -o "$LOAD_WORK/out/%j.out" "$@" job.sh "$kind"; then
        ID=$OUT
        printf 'ack %s %s %s %s\n' "$ID" "$kind" "$name" "$T0" >>"$jobs"
    fi
}

cancel() { # ID
    run scancel scancel "$1"
    printf 'cancel %s %d\n' "$1" "$?" >>"$jobs"
}

i=0
long=
while [ ! -e "$LOAD_DIR/stop" ]; do
    i=$((i + 1))
    kind=short
    [ $((i % 4)) -eq 0 ] && kind=fail
    submit "$kind" "load-w$w-$i"
    run squeue squeue
    if [ -n "$ID" ]; then
        EXPECT="JobId=$ID "
        run scontrol_show_job scontrol show job "$ID"
    fi
    run sinfo sinfo
    if [ -n "$long" ]; then
        cancel "$long"
        long=
    fi
    if [ $((i % 3)) -eq 1 ]; then
        EXPECT='^n[0-9]+$'
        run srun srun -N1 -n1 --mem=50 -t 1 -J "load-srun-w$w-$i" hostname
    fi
    if [ $((i % 3)) -eq 2 ]; then
        submit held "load-w$w-$i-held" --hold
        [ -n "$ID" ] && cancel "$ID"
    fi
    if [ $((i % 5)) -eq 3 ]; then
        submit long "load-w$w-$i-long"
        long=$ID
    fi
done
[ -n "$long" ] && cancel "$long"
exit 0
