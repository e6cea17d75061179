#!/usr/bin/env bash
# FLURM answers the SLURM clients as the real slurmctld does.  The same
# commands run against Debian's slurmctld 22.05 (started by
# ../shared/tools/slurm-lab.sh, no slurmd) and against FLURM on the same
# slurm.conf (FLURM's is the lab's with its own ports and folders), and
# each command's exit status, stdout and stderr must be the same on both,
# once normalize.py has rewritten what legitimately differs (job ids,
# times, session ids, basic priorities).  A mismatch prints the diff
# (lab first, FLURM second).
#
# Both clusters keep every job pending (their node has no slurmd), and the
# commands run once both controllers have marked that node not responding,
# so no answer depends on when it was asked.
#
# With E2E_TARGET=slurmctld the "FLURM" side is a second slurmctld: a
# self-check that the comparison is deterministic.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib.sh"

top=$(git -C "$T_ROOT" rev-parse --show-toplevel 2>/dev/null || echo "$T_ROOT")
LAB_SH="$top/../shared/tools/slurm-lab.sh"
[ -f "$LAB_SH" ] || t_skip "slurm-lab.sh is not at $LAB_SH (the shared folder beside the checkout)"
if [ ! -x /usr/sbin/slurmctld ] && [ "$(id -u)" -ne 0 ]; then
    t_skip "slurmctld is not installed and slurm-lab.sh can install it only as root"
fi
e2e_users

# ---- the lab: real slurmctld, no slurmd --------------------------------------------
LAB="$T_TMP/lab"
lab_port=$(t_free_port)
lab_slurmd_port=$(t_free_port)
t_on_exit env LAB="$LAB" bash "$LAB_SH" stop
t_show_on_fail "$T_TMP/lab-start.log" "$LAB/log/slurmctld.log"
LAB="$LAB" LAB_CTLD_PORT=$lab_port LAB_SLURMD_PORT=$lab_slurmd_port LAB_NO_SLURMD=1 LAB_CLEAN=1 \
    timeout -k 5 900 bash "$LAB_SH" start >"$T_TMP/lab-start.log" 2>&1 ||
    t_fatal "slurm-lab.sh starts the real slurmctld (log: $T_TMP/lab-start.log)"
LAB_CONF="$LAB/slurm.conf"
wait_for 30 "the lab's slurmctld to answer" _e2e_ping_up "$LAB_CONF" ||
    t_fatal "the lab's slurmctld answers scontrol ping"
HOST=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' "$LAB_CONF" | head -n 1)

# ---- FLURM on the same slurm.conf, its own ports and folders --------------------
F="$T_TMP/flurm"
mkdir -p "$F/state" "$F/spool" "$F/log" "$F/run"
E2E_PORT=$(t_free_port)
E2E_SLURMD_PORT=$(t_free_port)
sed -e "s#$LAB/#$F/#g" -e "s/^SlurmctldPort=.*/SlurmctldPort=$E2E_PORT/" \
    -e "s/^SlurmdPort=.*/SlurmdPort=$E2E_SLURMD_PORT/" "$LAB_CONF" >"$F/slurm.conf"
e2e_start "$F"
FLURM_CONF=$SLURM_CONF
check_eq "both slurm.conf differ only in ports and folders" \
    "$(grep -v -e '^SlurmctldPort=' -e '^SlurmdPort=' "$LAB_CONF" | sed "s#$LAB/#DIR/#g")" \
    "$(grep -v -e '^SlurmctldPort=' -e '^SlurmdPort=' "$FLURM_CONF" | sed "s#$F/#DIR/#g")"

SLURM_CONF=$LAB_CONF e2e_wait_not_responding 60 ||
    t_note "the lab's node was not marked not responding in time"
SLURM_CONF=$FLURM_CONF e2e_wait_not_responding 20 ||
    t_note "FLURM did not mark the node without slurmd not responding (slurmctld does in ~15 s)"

mkdir -p "$E2E_WORK/sub"
sed "s#@WORK@#$E2E_WORK#g" "$E2E_DIR/fixtures/compare_options.sh.in" >"$E2E_WORK/compare_options.sh"
cp "$E2E_DIR/fixtures/no_shebang.sh" "$E2E_WORK/"

# ---- the scenario, run once per controller -------------------------------------
# step LABEL CMD...: run CMD, keep "exit/stdout/stderr" under LABEL (which
# must not contain ids), and remember submitted job ids in order.
step() {
    local label=$1
    shift
    _record "$label" e2e_run "$@"
}
step_as() {
    local user=$1 label=$2
    shift 2
    _record "$label (as $user)" e2e_as "$user" "$@"
}
_record() {
    local label=$1 f
    shift
    STEP=$((STEP + 1))
    "$@"
    f=$(printf '%s/%03d.raw' "$OUTDIR" "$STEP")
    {
        printf '$ %s\nexit %s\n--- stdout\n' "$label" "$RC"
        [ -n "$OUT" ] && printf '%s\n' "$OUT"
        printf -- '--- stderr\n'
        [ -n "$ERR" ] && printf '%s\n' "$ERR"
    } >"$f"
    printf '%s\n' "$label" >"$f.label"
    if [[ $OUT =~ ^Submitted\ batch\ job\ ([0-9]+)$ ]]; then
        IDS+=("${BASH_REMATCH[1]}")
    fi
}
J() { echo "${IDS[$(($1 - 1))]:-0}"; }

scenario() {
    export SLURM_CONF=$2
    OUTDIR="$T_TMP/out.$1"
    STEP=0
    IDS=()
    mkdir -p "$OUTDIR"
    # submissions (J1..J7)
    step "sbatch --hold -J held -t 10 --wrap" sbatch --hold -J held -t 10 --wrap true
    step "sbatch -J free --wrap" sbatch -J free --wrap true
    step "sbatch compare_options.sh" sbatch compare_options.sh
    step_as "$E2E_USER1" "sbatch --hold -J userjob --wrap" sbatch --hold -J userjob --wrap true
    step "sbatch --array=1-3 --hold --wrap" sbatch --array=1-3 --hold --wrap true
    step "sbatch -N 2 (more nodes than exist)" sbatch -N 2 --wrap true
    step "sbatch -c 4 (more cpus than the node)" sbatch -c 4 --wrap true
    # refused submissions
    step "sbatch -p nosuch" sbatch -p nosuch --wrap true
    step "sbatch -t abc" sbatch -t abc --wrap true
    step "sbatch --no-such-option" sbatch --no-such-option --wrap true
    step "sbatch no_shebang.sh" sbatch no_shebang.sh
    step "sbatch --mem=100000" sbatch --mem=100000 --wrap true
    step "sbatch --tmp=100" sbatch --tmp=100 --wrap true
    step "sbatch --constraint=nosuch" sbatch --constraint=nosuch --wrap true
    step "sbatch -w nosuch" sbatch -w nosuch --wrap true
    step "sbatch --array=x" sbatch --array=x --wrap true
    step "sbatch --begin=garbage" sbatch --begin=garbage --wrap true
    # squeue
    step "squeue" squeue
    step "squeue -l" squeue -l
    step "squeue -o fixed fields" squeue -o "%i %j %u %t %P %l %D %C %m %R"
    step "squeue -o more fields" squeue -o "%i|%T|%Z|%k|%o|%h|%a|%q|%N|%M|%L|%U|%g"
    step "squeue -t PD" squeue -t PD
    step "squeue -u $E2E_USER1" squeue -u "$E2E_USER1"
    step "squeue -j J1" squeue -j "$(J 1)"
    step "squeue -j unknown" squeue -j 999999
    # scontrol show job
    local n
    for n in 1 2 3 4 5 6 7; do
        step "scontrol show job J$n" scontrol show job "$(J "$n")"
    done
    step "scontrol show job unknown" scontrol show job 999999
    # changes
    step "scontrol hold J2" scontrol hold "$(J 2)"
    step "scontrol show job J2 (held)" scontrol show job "$(J 2)"
    step "scontrol release J2" scontrol release "$(J 2)"
    step "scontrol update J1 TimeLimit Name" scontrol update JobId="$(J 1)" TimeLimit=20 Name=renamed
    step "scontrol show job J1 (updated)" scontrol show job "$(J 1)"
    step_as "$E2E_USER1" "scontrol update J4 TimeLimit=30" scontrol update JobId="$(J 4)" TimeLimit=30
    step_as "$E2E_USER1" "scancel J1 (not theirs)" scancel "$(J 1)"
    step_as "$E2E_USER1" "scontrol release J1 (not theirs)" scontrol release "$(J 1)"
    step "scancel J2" scancel "$(J 2)"
    step "scontrol show job J2 (cancelled)" scontrol show job "$(J 2)"
    step "squeue after scancel" squeue
    # nodes and partitions
    step "sinfo" sinfo
    step "sinfo -N -l" sinfo -N -l
    step "sinfo -s" sinfo -s
    step "sinfo -o fields" sinfo -o "%P|%a|%l|%L|%D|%c|%m|%N|%f|%w|%z|%s|%g|%h|%T"
    step "scontrol show partition" scontrol show partition
    step "scontrol show node" scontrol show node
    step "scontrol update DRAIN" scontrol update NodeName="$HOST" State=DRAIN Reason="compare drain"
    step "sinfo -R" sinfo -R
    step "sinfo after DRAIN" sinfo
    step "scontrol show node after DRAIN" scontrol show node "$HOST"
    step_as "$E2E_USER1" "scontrol update RESUME (not admin)" scontrol update NodeName="$HOST" State=RESUME
    step "scontrol update RESUME" scontrol update NodeName="$HOST" State=RESUME
    step "sinfo after RESUME" sinfo
    step "scontrol ping" scontrol ping
}

# Both controllers get the scenario at nearly the same time (each one is
# a few seconds long), the lab first.
scenario lab "$LAB_CONF"
LAB_IDS=("${IDS[@]}")
scenario flurm "$FLURM_CONF"
FLURM_IDS=("${IDS[@]}")
check_eq "both accepted the same number of submissions" "${#LAB_IDS[@]}" "${#FLURM_IDS[@]}"

for raw in "$T_TMP"/out.lab/*.raw; do
    name=$(basename "$raw")
    label=$(cat "$raw.label")
    python3 "$E2E_DIR/normalize.py" --ids "${LAB_IDS[*]}" <"$raw" >"${raw%.raw}.txt"
    other="$T_TMP/out.flurm/$name"
    if [ -f "$other" ]; then
        python3 "$E2E_DIR/normalize.py" --ids "${FLURM_IDS[*]}" <"$other" >"${other%.raw}.txt"
    else
        : >"${other%.raw}.txt"
    fi
    check "same answer: $label" diff -u --label "slurmctld: $label" --label "FLURM: $label" \
        "${raw%.raw}.txt" "${other%.raw}.txt"
done
t_done
