# gwlib.sh - helpers shared by the gateway's t_*.sh tests, on top of
# test/lib/testlib.sh (source that first).
#
#   GW, GWC     the flurm-gateway binary and the raw client (test/bin/gwclient)
#   PORT        this test's SLURM port; RUN its run folder; GWLOG the log
#   gw_need_munge           skip unless munge works (starts munged if it can)
#   gw_need_clients         skip unless the SLURM 22.05 clients are installed
#   gw_conf [EXTRA LINES]   write $T_TMP/slurm.conf for PORT, export SLURM_CONF
#   gw_start [ARGS]         start the gateway standalone (--listen), wait until
#                           it answers a ping; its pid is GW_PID
#   gw_ping                 one REQUEST_PING through gwclient: rc 0, signed
#   gw_stop                 SIGTERM, wait, check it exited 0 with no sanitizer
#                           report (ASan/LSan print one when B=build-asan)
#   gw_fds                  open fds of the gateway
#   gwc ARGS                gwclient against PORT

GW="$B/bin/flurm-gateway"
GWC="$B/test/bin/gwclient"
RUN="$T_TMP/run"
GWLOG="$T_TMP/gateway.log"
mkdir -p "$RUN"
: >"$GWLOG"
t_show_on_fail "$GWLOG"

[ -x "$GW" ] || t_skip "$GW is not built"
[ -x "$GWC" ] || t_skip "$GWC is not built"

PORT=$(t_free_port) || t_fatal "no free TCP port"

gw_need_munge() {
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && [ -x /usr/sbin/munged ]; then
        mkdir -p /run/munge && chown munge:munge /run/munge
        setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged >/dev/null 2>&1
        wait_for 5 "munged answers" sh -c 'munge -n </dev/null | unmunge' && return 0
    fi
    t_skip "munge does not work here ('munge -n | unmunge' fails)"
}

gw_need_clients() {
    command -v scontrol >/dev/null 2>&1 || t_skip "the SLURM clients (scontrol) are not installed"
}

gw_conf() {
    {
        echo "# gateway test cluster"
        echo "ClusterName=FlurmTest"
        echo "SlurmctldHost=gwhost(127.0.0.1)"
        echo "SlurmctldPort=$PORT"
        echo "SlurmdPort=$((PORT + 1))"
        echo "AuthType=auth/munge"
        echo "CredType=cred/munge"
        echo "SlurmUser=root"
        echo "SlurmdUser=root"
        echo "StateSaveLocation=$T_TMP/state"
        echo "SlurmdSpoolDir=$T_TMP/spool"
        echo "ProctrackType=proctrack/linuxproc"
        echo "TaskPlugin=task/none"
        echo "SwitchType=switch/none"
        echo "MpiDefault=none"
        echo "SelectType=select/cons_tres"
        echo "SelectTypeParameters=CR_Core_Memory"
        echo "MaxJobCount=12345"
        echo "ReturnToService=2"
        local line
        for line in "$@"; do
            echo "$line"
        done
        echo "NodeName=gwnode NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN"
        echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
    } >"$T_TMP/slurm.conf"
    export SLURM_CONF="$T_TMP/slurm.conf"
}

gwc() {
    "$GWC" --port "$PORT" "$@"
}

gw_ping() {
    gwc --timeout 3000 | grep -q '^reply type=8001 version=0x2600 rc=0 auth=ok'
}

gw_start() {
    t_bg "$GW" --listen "127.0.0.1:$PORT" --rundir "$RUN" --slurm-conf "$SLURM_CONF" "$@" \
        2>>"$GWLOG"
    GW_PID=$T_PID
    wait_for 10 "the gateway answers a ping" gw_ping
}

gw_alive() {
    kill -0 "$GW_PID" 2>/dev/null
}

# The gateway's descriptors but its unix sockets: those are its own
# (NNG's, and its listen check's probe, which comes and goes every second);
# what a SLURM client leaves behind would be a TCP socket or a file.
gw_fds() {
    local unix fd target inode n=0
    unix=$(awk 'NR > 1 { print $7 }' /proc/net/unix 2>/dev/null)
    for fd in "/proc/$GW_PID/fd/"*; do
        target=$(readlink "$fd" 2>/dev/null) || continue
        case $target in
        socket:\[*\])
            inode=${target#socket:[}
            inode=${inode%]}
            grep -qx "$inode" <<<"$unix" && continue
            ;;
        esac
        n=$((n + 1))
    done
    echo "$n"
}

gw_stop() {
    local rc
    kill -TERM "$GW_PID" 2>/dev/null
    wait "$GW_PID"
    rc=$?
    check_eq "the gateway drains and exits 0 on SIGTERM" 0 "$rc"
    check_fails "no sanitizer report in the gateway's log" \
        grep -Eq 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$GWLOG"
}
