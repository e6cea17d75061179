# lib.sh - helpers of the end-to-end tests (test/e2e/t_*.sh): the real
# SLURM 22.05 client binaries against a controller started for the test.
# Source test/lib/testlib.sh first, then this file.
#
# The controller under test is FLURM (flurm-sup and its services) unless
# E2E_TARGET=slurmctld, which runs the very same test against Debian's real
# slurmctld with the same slurm.conf: that is how the expectations written
# in these tests were checked to be SLURM's behaviour (docs/testing.md).
#
# Clusters here have no slurmd unless a test starts one (e2e_start_slurmd):
# the nodes never register, so every job stays PENDING and every check
# reads a stable state.
#
#   e2e_require_clients            skip unless sbatch, squeue, ... exist
#   e2e_require_munge              skip unless munge answers (tries to start it)
#   e2e_write_conf DIR [fake|host] write DIR/slurm.conf with free ports; sets
#                                  E2E_CONF, E2E_PORT, E2E_SLURMD_PORT, E2E_HOST
#   e2e_start [DIR]                start the target controller on DIR/slurm.conf
#                                  (written before); fails the test if it does not
#                                  come up; exports SLURM_CONF
#   e2e_start_flurm DIR            FLURM on DIR/slurm.conf, stopped at exit
#   e2e_start_slurmctld DIR        the real slurmctld on DIR/slurm.conf
#   e2e_start_slurmd DIR NODE      a real slurmd for NODE, stopped at exit
#   e2e_users                      make sure flurmtest1 / flurmtest2 exist
#   e2e_run CMD...                 run a client in $E2E_WORK with a time limit;
#                                  sets OUT, ERR, RC
#   e2e_as USER CMD...             the same, as USER (setpriv)
#   e2e_submit [ARGS...]           sbatch --parsable as root; prints the job id
#                                  (use it in $(...): it runs in a subshell)
#   e2e_submit_as USER [ARGS...]   the same as USER
#   show_job ID                    `scontrol show job ID` as Key=Value lines
#   show_node NAME / show_part NAME  the same for a node / a partition
#   kv KEY                         value of KEY in Key=Value lines on stdin
#   node_state NAME                sinfo's compact state of NAME (e.g. "idle*"),
#                                  from the full node list
#   e2e_wait_not_responding [S]    wait (default 40 s) until the controller has
#                                  marked every node "*" (not responding)
#
# Variables: E2E_DIR (this folder), E2E_WORK (a folder every user may write,
# where clients run), E2E_TARGET, E2E_CMD_TIMEOUT (seconds per client call).
# Sourcing this file skips the test (exit 77) when not run as root or when
# the clients, python3 or munge are missing.

E2E_DIR="$T_ROOT/test/e2e"
E2E_TARGET=${E2E_TARGET:-flurm}
E2E_CMD_TIMEOUT=${E2E_CMD_TIMEOUT:-30}
E2E_SUP_CONF=${FLURM_SUP_CONF:-$T_ROOT/conf/flurm-sup.json}
case $E2E_SUP_CONF in /*) ;; *) E2E_SUP_CONF="$T_ROOT/$E2E_SUP_CONF" ;; esac
E2E_USER1=flurmtest1
E2E_USER2=flurmtest2
# The Reason of a pending job whose nodes never registered: slurmctld gives
# one or the other depending on when it last evaluated the job (before or
# after it found the nodes not responding).
E2E_REASON_NODES_DOWN='^(Nodes_required_for_job_are_DOWN,_DRAINED_or_reserved_for_jobs_in_higher_priority_partitions|ReqNodeNotAvail,_UnavailableNodes:.*)$'

case $E2E_TARGET in
    flurm | slurmctld) ;;
    *) t_fatal "E2E_TARGET must be flurm or slurmctld, not '$E2E_TARGET'" ;;
esac

# The caller's SLURM environment would change what clients print (SQUEUE_FORMAT,
# SBATCH_PARTITION, ...): the tests see only what they set themselves.
while IFS= read -r _e2e_var; do
    case $_e2e_var in
        SLURM_* | SBATCH_* | SQUEUE_* | SINFO_* | SCONTROL_* | SALLOC_* | SRUN_* | SCANCEL_*)
            unset "$_e2e_var" ;;
    esac
done < <(compgen -e)
unset _e2e_var
export TZ=UTC LANG=C.UTF-8 LC_ALL=C.UTF-8

# Clients run in E2E_WORK; other users must reach it, and mktemp made
# T_TMP private.
chmod 0755 "$T_TMP"
E2E_WORK="$T_TMP/work"
mkdir -p "$E2E_WORK"
chmod 1777 "$E2E_WORK"

# The daemons get the same small environment as scripts/flurm-local gives
# them; sanitizer and log knobs pass through.
_e2e_clean_env() {
    E2E_CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TZ=UTC HOME="${HOME:-/root}")
    local v
    for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS FLURM_LOG_LEVEL FLURM_LOG_FORMAT; do
        [ -n "${!v:-}" ] && E2E_CLEAN_ENV+=("$v=${!v}")
    done
}
_e2e_clean_env

e2e_require_clients() {
    local c
    for c in sbatch squeue scontrol sinfo scancel sdiag; do
        command -v "$c" >/dev/null 2>&1 || t_skip "the SLURM client '$c' is not installed (scripts/setup installs slurm-client)"
    done
    command -v python3 >/dev/null 2>&1 || t_skip "python3 is not installed (scripts/setup installs it)"
}

_e2e_munge_answers() {
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1
}

e2e_require_munge() {
    command -v munge >/dev/null 2>&1 || t_skip "munge is not installed (scripts/setup installs it)"
    _e2e_munge_answers && return 0
    # scripts/setup starts munged when it does not answer; it needs root.
    "$T_ROOT/scripts/setup" </dev/null >/dev/null 2>&1
    _e2e_munge_answers || t_skip "munge does not answer and scripts/setup could not start it"
}

# e2e_write_conf DIR [fake|host]
#   fake: nodes n[1-3] and big1 on 127.0.0.1 with no slurmd behind them,
#         partitions debug (default) and long.
#   host: one node named after this host with the hardware slurmd -C
#         reports, partition debug; for tests that start a real slurmd.
e2e_write_conf() {
    local dir=$1 profile=${2:-fake}
    E2E_HOST=$(hostname -s)
    E2E_PORT=$(t_free_port) || t_fatal "no free TCP port"
    E2E_SLURMD_PORT=$(t_free_port) || t_fatal "no free TCP port"
    while [ "$E2E_SLURMD_PORT" = "$E2E_PORT" ]; do
        E2E_SLURMD_PORT=$(t_free_port)
    done
    mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
    E2E_CONF="$dir/slurm.conf"
    cat >"$E2E_CONF" <<EOF
# Written by test/e2e/lib.sh for $T_NAME
ClusterName=e2e
SlurmctldHost=${E2E_HOST}(127.0.0.1)
SlurmctldPort=$E2E_PORT
SlurmdPort=$E2E_SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
FirstJobId=1000
EOF
    case $profile in
        fake)
            cat >>"$E2E_CONF" <<EOF
NodeName=n[1-3] NodeAddr=127.0.0.1 CPUs=4 Sockets=1 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=8000 State=UNKNOWN
NodeName=big1 NodeAddr=127.0.0.1 CPUs=8 Sockets=2 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=16000 Weight=10 Feature=bigmem State=UNKNOWN
PartitionName=debug Nodes=n[1-3] Default=YES MaxTime=INFINITE State=UP
PartitionName=long Nodes=n[1-3],big1 MaxTime=2-00:00:00 DefaultTime=01:00:00 State=UP
EOF
            ;;
        host)
            local detected key fields=()
            detected=$("${E2E_CLEAN_ENV[@]}" /usr/sbin/slurmd -C 2>/dev/null | head -n 1)
            for key in CPUs Boards SocketsPerBoard CoresPerSocket ThreadsPerCore RealMemory; do
                local word
                word=$(tr ' ' '\n' <<<"$detected" | grep -m1 "^$key=")
                [ -n "$word" ] && fields+=("$word")
            done
            [ "${#fields[@]}" -eq 6 ] || t_skip "slurmd -C cannot describe this host: '$detected'"
            cat >>"$E2E_CONF" <<EOF
NodeName=$E2E_HOST NodeAddr=127.0.0.1 ${fields[*]} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
            ;;
        *) t_fatal "e2e_write_conf: unknown profile $profile" ;;
    esac
}

# The SlurmctldPort of the slurm.conf at $1.
_e2e_conf_port() {
    sed -n 's/^SlurmctldPort=\([0-9]*\).*/\1/p' "$1" | head -n 1
}

_e2e_ping_up() {   # conf
    SLURM_CONF=$1 timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'
}

# Processes started for the FLURM run folder $1 (they carry
# FLURM_RUNDIR=$1 in their environment), zombies excluded.
_e2e_flurm_procs() {
    local f pid
    for f in /proc/[0-9]*/environ; do
        pid=${f#/proc/}
        pid=${pid%/environ}
        if grep -qxzF "FLURM_RUNDIR=$1" "$f" 2>/dev/null; then
            [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] || echo "$pid"
        fi
    done
}

# Stop the FLURM tree of run folder $1: the supervisor's own stop, then
# whatever of that run folder survived it (by pid, nothing else).
_e2e_stop_flurm() {
    local run=$1 pid i
    "${E2E_CLEAN_ENV[@]}" "$B/bin/flurm-sup" stop -r "$run" --timeout 20 >/dev/null 2>&1
    for ((i = 0; i < 100; i++)); do
        [ -z "$(_e2e_flurm_procs "$run")" ] && return 0
        sleep 0.05
    done
    for pid in $(_e2e_flurm_procs "$run"); do
        kill -KILL "$pid" 2>/dev/null
    done
}

# FLURM's supervisor tree on DIR/slurm.conf, started the way
# scripts/flurm-local starts it, but on this test's own slurm.conf and
# without slurmd (flurm-local always writes its own one-node conf and
# starts slurmd).
e2e_start_flurm() {
    local dir=$1 conf=$1/slurm.conf run=$1/flurm rc
    [ -x "$B/bin/flurm-sup" ] || t_fatal "FLURM is not built: $B/bin/flurm-sup is missing (run make)"
    [ -f "$E2E_SUP_CONF" ] || t_fatal "FLURM cannot start: the supervisor tree $E2E_SUP_CONF does not exist"
    mkdir -p "$run"
    t_show_on_fail "$dir/flurm-sup.out" "$run/flurm-sup.log"
    t_on_exit _e2e_stop_flurm "$run"
    # --daemon returns once the whole tree reported ready (or failed).
    "${E2E_CLEAN_ENV[@]}" SLURM_CONF="$conf" FLURM_BINDIR="$B/bin" \
        timeout -k 5 60 "$B/bin/flurm-sup" start -c "$E2E_SUP_CONF" -r "$run" --daemon \
        </dev/null >>"$dir/flurm-sup.out" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        t_note "flurm-sup start exited $rc; its output:"
        t_note "$(tail -n 20 "$dir/flurm-sup.out")"
        t_fatal "FLURM starts on $conf (flurm-sup start --daemon)"
    fi
    wait_for 20 "FLURM to answer scontrol ping" _e2e_ping_up "$conf" ||
        t_fatal "FLURM answers scontrol ping on port $(_e2e_conf_port "$conf")"
}

# Debian's real slurmctld on DIR/slurm.conf, in the foreground under t_bg.
e2e_start_slurmctld() {
    local dir=$1 conf=$1/slurm.conf
    [ -x /usr/sbin/slurmctld ] || t_skip "E2E_TARGET=slurmctld but slurmctld is not installed (../shared/tools/slurm-lab.sh install)"
    t_show_on_fail "$dir/log/slurmctld.log"
    t_bg "${E2E_CLEAN_ENV[@]}" /usr/sbin/slurmctld -D -c -f "$conf" </dev/null >"$dir/log/slurmctld.out" 2>&1
    wait_for 30 "slurmctld to answer scontrol ping" _e2e_ping_up "$conf" ||
        t_fatal "slurmctld answers scontrol ping on port $(_e2e_conf_port "$conf")"
}

# The target controller on DIR/slurm.conf (default: the folder of $E2E_CONF).
e2e_start() {
    local dir=${1:-$(dirname "$E2E_CONF")}
    if [ "$E2E_TARGET" = slurmctld ]; then
        e2e_start_slurmctld "$dir"
    else
        e2e_start_flurm "$dir"
    fi
    export SLURM_CONF="$dir/slurm.conf"
    t_note "controller: $E2E_TARGET on port $(_e2e_conf_port "$SLURM_CONF")"
}

# A real, unmodified slurmd for NODE of DIR/slurm.conf.
e2e_start_slurmd() {
    local dir=$1 node=$2
    t_show_on_fail "$dir/log/slurmd.log"
    t_bg "${E2E_CLEAN_ENV[@]}" /usr/sbin/slurmd -D -f "$dir/slurm.conf" -N "$node" \
        </dev/null >"$dir/log/slurmd.out" 2>&1
}

e2e_users() {
    local u
    for u in "$E2E_USER1" "$E2E_USER2"; do
        id -u "$u" >/dev/null 2>&1 && continue
        [ "$(id -u)" -eq 0 ] || t_skip "user $u does not exist and only root can create it"
        useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
            --user-group "$u" >/dev/null 2>&1 || id -u "$u" >/dev/null 2>&1 ||
            t_skip "cannot create the test user $u (useradd failed)"
    done
    [ "$(id -u)" -eq 0 ] || t_skip "running commands as $E2E_USER1/$E2E_USER2 needs root (setpriv)"
}

# Runs CMD in E2E_WORK with a time limit: a controller that accepts and
# never answers must fail a check, not hang the suite.
e2e_run() {
    (cd "$E2E_WORK" && exec timeout -k 5 "$E2E_CMD_TIMEOUT" "$@") \
        >"$T_TMP/.run.out" 2>"$T_TMP/.run.err" </dev/null
    RC=$?
    OUT=$(cat "$T_TMP/.run.out")
    ERR=$(cat "$T_TMP/.run.err")
    return 0
}

e2e_as() {
    local user=$1
    shift
    e2e_run setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
}

e2e_submit() {
    e2e_run sbatch --parsable "$@"
    if [ "$RC" -ne 0 ] || ! [[ $OUT =~ ^[0-9]+$ ]]; then
        t_note "sbatch $* failed (exit $RC): $OUT $ERR" >&2
        return 1
    fi
    echo "$OUT"
}

e2e_submit_as() {
    local user=$1
    shift
    e2e_as "$user" sbatch --parsable "$@"
    if [ "$RC" -ne 0 ] || ! [[ $OUT =~ ^[0-9]+$ ]]; then
        t_note "sbatch $* as $user failed (exit $RC): $OUT $ERR" >&2
        return 1
    fi
    echo "$OUT"
}

show_job() {
    e2e_run scontrol show job "$1"
    printf '%s\n' "$OUT" | python3 "$E2E_DIR/showkv.py"
}

show_node() {
    e2e_run scontrol show node "$1"
    printf '%s\n' "$OUT" | python3 "$E2E_DIR/showkv.py"
}

show_part() {
    e2e_run scontrol show partition "$1"
    printf '%s\n' "$OUT" | python3 "$E2E_DIR/showkv.py"
}

kv() {
    awk -v k="$1" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }'
}

# Reads every node and picks NAME: `sinfo -n NAME` would send another RPC
# (REQUEST_NODE_INFO_SINGLE), which t_sinfo.sh checks on its own.
node_state() {
    e2e_run sinfo -h -N -o "%N %t"
    awk -v n="$1" '$1 == n { print $2; exit }' <<<"$OUT"
}

_e2e_all_not_responding() {
    local states
    states=$(SLURM_CONF=$SLURM_CONF timeout 10 sinfo -h -N -o %t 2>/dev/null) || return 1
    [ -n "$states" ] && ! grep -qv '\*$' <<<"$states"
}

# Nodes whose slurmd never answers start UNKNOWN and are marked not
# responding ("unk*") once the controller's first contact attempt failed,
# about 15 s after slurmctld starts.  Node states and some pending
# reasons depend on that mark: the comparison with slurmctld waits for it
# on both sides so that both are compared in the same state.
e2e_wait_not_responding() {
    wait_for "${1:-40}" "every node to be marked not responding (*)" _e2e_all_not_responding
}

# SlurmUser=root in the test slurm.conf (clients restrict some requests,
# scontrol ping among them, to SlurmUser's uid), the test users and slurmd
# all need root.
[ "$(id -u)" -eq 0 ] || t_skip "the end-to-end tests run as root (SlurmUser=root, test users, slurmd)"
e2e_require_clients
e2e_require_munge
