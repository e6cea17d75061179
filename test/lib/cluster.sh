#!/usr/bin/env bash
# cluster.sh - a multi-node SLURM test cluster on one machine: N unmodified
# slurmd, each in its own network namespace with its own hostname (n1, n2,
# ...) and its own address on a private bridge.  The controller (FLURM or a
# real slurmctld) and the clients run in the root namespace and reach the
# nodes through the bridge, as they would reach real hosts.
# docs/test-cluster.md explains the layout and why it is built this way.
#
# As a library (a test sources testlib.sh first, then this file):
#
#   cluster_require             skip the test (exit 77) unless this machine can
#                               host a cluster (root, ip, unshare, netns, munge)
#   cluster_check               the same test, without skipping: returns 1 and
#                               leaves the reason in CLUSTER_ERROR
#   cluster_up N                create N namespaces + bridge, write slurm.conf,
#                               start one slurmd per node; returns 0, 77 (this
#                               machine cannot host it) or 1, the reason in
#                               CLUSTER_ERROR.  Arms cleanup at shell exit.
#   cluster_down                stop every slurmd and whatever runs in the
#                               namespaces, delete namespaces, veths, bridge
#                               (safe to call twice, or with nothing up)
#   cluster_env                 print "export SLURM_CONF=..." for the clients
#   cluster_wait_idle [SECONDS] wait (default 30) until sinfo shows every node idle
#   cluster_exec NODE CMD...    run CMD in NODE's namespace, hostname NODE
#   cluster_node_pid NODE       print NODE's slurmd pid if it runs
#   cluster_stop_node NODE      stop NODE's slurmd (its namespace stays)
#   cluster_kill_node NODE      SIGKILL NODE's slurmd (a crash)
#   cluster_start_node NODE     start NODE's slurmd again
#
# As a command (the cluster outlives the command; `down` removes it):
#
#   test/lib/cluster.sh up N    bring up N nodes, print the export line
#   test/lib/cluster.sh down    take down the cluster of CLUSTER_DIR
#   test/lib/cluster.sh down cK take down cluster cK, wherever its folder is
#   test/lib/cluster.sh conf N  only write CLUSTER_DIR/slurm.conf (up rewrites it)
#   test/lib/cluster.sh env     print the export SLURM_CONF line
#   test/lib/cluster.sh status  the cluster of CLUSTER_DIR and its slurmd
#   test/lib/cluster.sh prune   remove clusters whose owning process died
#
# Knobs (environment, read by cluster_up):
#   CLUSTER_DIR          conf, logs, spool, pids; default $T_TMP/cluster in a
#                        test, else run/cluster in the checkout
#   CLUSTER_CPUS=2       CPUs of every node
#   CLUSTER_MEMORY=1000  RealMemory (MB) of every node
#   CLUSTER_CTLD_PORT    SlurmctldPort (default: a free port)
#   CLUSTER_SLURMD_PORT=6818  SlurmdPort (every node has its own namespace,
#                        so the same port never collides)
#   CLUSTER_CTLD_NAME    the controller's name in SlurmctldHost (default:
#                        hostname -s, which a real slurmctld insists on)
#   CLUSTER_NET=10.213   the /16 whose /24s the clusters use (one per cluster)
#   CLUSTER_CONF_EXTRA   lines appended to slurm.conf as they are
#   CLUSTER_STOP_GRACE=5 seconds a slurmd gets between SIGTERM and SIGKILL
#   CLUSTER_REGISTRY=/run/flurm-cluster  where clusters are listed with their
#                        owners (prune's view of the machine); the harness's
#                        own prune test uses a private one
#
# Set after cluster_up (never the knobs' names, so that a knob given as
# `KNOB=value cluster_up N` does not take the state with it when it expires):
# CLUSTER_ID (c<K>), CLUSTER_HOME (the folder), CLUSTER_ENTRY (its registry
# entry), CLUSTER_CONF, CLUSTER_N,
# CLUSTER_NODES ("n1 n2 ..."), CLUSTER_SUBNET (A.B.K), CLUSTER_CTLD_ADDR
# (A.B.K.1, the root namespace's end of the bridge), CLUSTER_PORT (the
# controller's), CLUSTER_NODE_PORT (slurmd's).  Node nI has address
# A.B.K.(10+I), namespace and host veth flurm-cK-nI; the bridge is flurm-cK.
# In CLUSTER_HOME: slurm.conf, log/slurmd-nI.log (and .out: its stderr),
# log/slurmctld.log (for the controller to use), spool/nI/, run/nI.pid.

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
_CLUSTER_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_CLUSTER_ROOT=$(cd "$_CLUSTER_LIB/../.." && pwd)
# Which clusters exist and who owns them, shared by every run on this machine
# (a tmpfs: it goes away with the namespaces at reboot).  The lock that
# serialises the choice of names and subnets is always this one.
_CLUSTER_REGISTRY=/run/flurm-cluster
_CLUSTER_LOCK=/run/flurm-cluster/lock
_CLUSTER_SLURMD=/usr/sbin/slurmd
_CLUSTER_MAX_NODES=240
# slurmd ends its pending RPC before it exits on SIGTERM: a second with a
# controller up.  Without one it first ends its current attempt to register,
# up to 10 s; a throw-away node need not wait that long to be killed.
_CLUSTER_STOP_GRACE=5

_cluster_say() { echo "cluster: $*" >&2; }

_cluster_error() {
    CLUSTER_ERROR=$*
    _cluster_say "error: $*"
}

_cluster_default_dir() {
    if [ -n "${T_TMP:-}" ]; then
        echo "$T_TMP/cluster"
    else
        echo "$_CLUSTER_ROOT/run/cluster"
    fi
}

_cluster_dir() {
    local dir=${CLUSTER_DIR:-$(_cluster_default_dir)}
    case $dir in /*) ;; *) dir="$PWD/$dir" ;; esac
    echo "$dir"
}

# ---- what this machine must offer ---------------------------------------------

# Creates a throw-away namespace holding a veth pair and a bridge, and sets a
# hostname in a new UTS namespace inside it: the exact operations cluster_up
# needs.  Everything lives inside the probe namespace, so deleting it cleans up.
_cluster_probe_netns() {
    local ns=flurm-probe-$$-$RANDOM err
    if ! err=$(ip netns add "$ns" 2>&1); then
        CLUSTER_ERROR="this machine cannot create network namespaces (ip netns add: $err)"
        return 1
    fi
    if ! err=$(ip -n "$ns" link add fp0 type veth peer name fp1 2>&1); then
        CLUSTER_ERROR="this machine cannot create veth pairs (ip link add type veth: $err)"
    elif ! err=$(ip -n "$ns" link add fpbr type bridge 2>&1); then
        CLUSTER_ERROR="this machine cannot create bridges (ip link add type bridge: $err)"
    elif ! err=$(nsenter --net="/run/netns/$ns" unshare --uts sh -c 'hostname flurm-probe && [ "$(hostname)" = flurm-probe ]' 2>&1); then
        CLUSTER_ERROR="cannot set a hostname in a UTS namespace inside a network namespace (unshare --uts: $err)"
    else
        ip netns del "$ns" 2>/dev/null
        return 0
    fi
    ip netns del "$ns" 2>/dev/null
    return 1
}

cluster_check() {
    local cmd
    CLUSTER_ERROR=
    if [ "$(id -u)" -ne 0 ]; then
        CLUSTER_ERROR="the test cluster needs root (network namespaces, bridges, hostnames)"
        return 1
    fi
    for cmd in ip:iproute2 ss:iproute2 unshare:util-linux nsenter:util-linux flock:util-linux setsid:util-linux \
        hostname:hostname munge:munge unmunge:munge; do
        if ! command -v "${cmd%%:*}" >/dev/null 2>&1; then
            CLUSTER_ERROR="'${cmd%%:*}' is not installed (Debian package ${cmd#*:})"
            return 1
        fi
    done
    if [ ! -x "$_CLUSTER_SLURMD" ]; then
        CLUSTER_ERROR="$_CLUSTER_SLURMD is not installed (scripts/setup installs slurmd)"
        return 1
    fi
    if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
        CLUSTER_ERROR="munge does not answer (scripts/setup starts munged)"
        return 1
    fi
    _cluster_probe_netns
}

cluster_require() {
    cluster_check && return 0
    if declare -F t_skip >/dev/null; then
        t_skip "$CLUSTER_ERROR"
    fi
    echo "SKIP $CLUSTER_ERROR"
    exit 77
}

# ---- knobs --------------------------------------------------------------------

_cluster_is_port() {
    [[ $1 =~ ^[0-9]{1,5}$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]
}

_cluster_is_count() {
    [[ $1 =~ ^[1-9][0-9]{0,8}$ ]]
}

_cluster_free_port() {
    # Below the kernel's ephemeral range: a port in it can be taken, between
    # this check and the bind, as the local end of some client's outgoing
    # connection (a run of parallel tests makes thousands), and the bind
    # then fails with "Address already in use".
    local port i low=32768 span
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
    span=$((low - 10000))
    [ "$span" -ge 1000 ] || span=1000
    for ((i = 0; i < 200; i++)); do
        port=$((10000 + (RANDOM * 32768 + RANDOM) % span))
        if [ -z "$(ss -Htan "( sport = :$port )" 2>/dev/null)" ]; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# Reads and checks the knobs into the _cluster_k_* variables.
_cluster_read_knobs() {
    _cluster_k_cpus=${CLUSTER_CPUS:-2}
    _cluster_k_memory=${CLUSTER_MEMORY:-1000}
    _cluster_k_slurmd_port=${CLUSTER_SLURMD_PORT:-6818}
    _cluster_k_ctld_port=${CLUSTER_CTLD_PORT:-}
    _cluster_k_ctld_name=${CLUSTER_CTLD_NAME:-$(hostname -s)}
    _cluster_k_net=${CLUSTER_NET:-10.213}
    _cluster_is_count "$_cluster_k_cpus" || {
        _cluster_error "CLUSTER_CPUS is not a CPU count: $_cluster_k_cpus"
        return 1
    }
    _cluster_is_count "$_cluster_k_memory" || {
        _cluster_error "CLUSTER_MEMORY is not a size in MB: $_cluster_k_memory"
        return 1
    }
    _cluster_is_port "$_cluster_k_slurmd_port" || {
        _cluster_error "CLUSTER_SLURMD_PORT is not a TCP port: $_cluster_k_slurmd_port"
        return 1
    }
    if [ -n "$_cluster_k_ctld_port" ] && ! _cluster_is_port "$_cluster_k_ctld_port"; then
        _cluster_error "CLUSTER_CTLD_PORT is not a TCP port: $_cluster_k_ctld_port"
        return 1
    fi
    [[ $_cluster_k_ctld_name =~ ^[A-Za-z0-9][A-Za-z0-9-]*$ ]] || {
        _cluster_error "CLUSTER_CTLD_NAME is not a host name: $_cluster_k_ctld_name"
        return 1
    }
    # Private ranges only: these addresses must never mean a real host.
    local a b
    IFS=. read -r a b <<<"$_cluster_k_net"
    if ! [[ $_cluster_k_net =~ ^[0-9]{1,3}\.[0-9]{1,3}$ ]] ||
        ! (((10#$a == 10 && 10#$b <= 255) || (10#$a == 172 && 10#$b >= 16 && 10#$b <= 31) || (10#$a == 192 && 10#$b == 168))); then
        _cluster_error "CLUSTER_NET must be the first two numbers of a private /16 (10.B, 172.16-31, 192.168), not '$_cluster_k_net'"
        return 1
    fi
}

# ---- addresses ----------------------------------------------------------------

_cluster_ip_int() { # A.B.C.D VAR
    local IFS=. a b c d
    read -r a b c d <<<"$1"
    printf -v "$2" '%d' $(((a << 24) | (b << 16) | (c << 8) | d))
}

# Prints every IPv4 prefix the root namespace has an address or a route for,
# as "A.B.C.D LEN" (default routes aside: they overlap everything and own
# nothing).
_cluster_used_prefixes() {
    {
        ip -4 -o addr show 2>/dev/null | awk '{ print $4 }'
        ip -4 route show table all 2>/dev/null | awk '{
            w = $1
            if (w ~ /^(local|broadcast|unicast|unreachable|blackhole|prohibit|throw|nat|anycast|multicast)$/) w = $2
            print w }'
    } | awk -F/ '$1 ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ {
        len = ($2 == "") ? 32 : $2
        if (len > 0) print $1, len }'
}

# Succeeds if A.B.C.0/24 overlaps one of PREFIXES ("A.B.C.D LEN" each).
_cluster_subnet_overlaps() { # A.B.C PREFIX...
    local net other m prefix len
    _cluster_ip_int "$1.0" net
    shift
    for prefix; do
        len=${prefix#* }
        _cluster_ip_int "${prefix% *}" other
        m=$((len < 24 ? len : 24))
        (((net >> (32 - m)) == (other >> (32 - m)))) && return 0
    done
    return 1
}

# A slot K is free when no cluster is registered, no bridge, veth or namespace
# carries its name, and nothing on this machine uses NET.K.0/24.  The search
# starts at a place derived from our pid so that parallel runs rarely compete
# for the same slot (they are serialised by the lock anyway).  The machine's
# links, namespaces and routes are read once: the loop runs no command.
_cluster_free_slot() { # NET
    local net=$1 i k links namespaces used registry
    registry=$(_cluster_registry)
    links=" $(ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | tr '\n' ' ')"
    namespaces=" $(ip netns list 2>/dev/null | awk '{ print $1 }' | tr '\n' ' ')"
    mapfile -t used < <(_cluster_used_prefixes)
    for ((i = 0; i < 254; i++)); do
        k=$((($$ + i) % 254 + 1))
        [ -e "$registry/c$k" ] && continue
        [[ $links == *" flurm-c$k "* || $links == *" flurm-c$k-"* ]] && continue
        [[ $namespaces == *" flurm-c$k-"* ]] && continue
        _cluster_subnet_overlaps "$net.$k" "${used[@]}" && continue
        echo "$k"
        return 0
    done
    return 1
}

# ---- the registry of clusters (who owns which slot) ----------------------------

_cluster_registry() {
    echo "${CLUSTER_REGISTRY:-$_CLUSTER_REGISTRY}"
}

_cluster_lock() {
    mkdir -p "${_CLUSTER_LOCK%/*}" "$(_cluster_registry)" || return 1
    exec {_cluster_lock_fd}>>"$_CLUSTER_LOCK" || return 1
    if ! flock -w 60 "$_cluster_lock_fd"; then
        exec {_cluster_lock_fd}>&-
        return 1
    fi
}

# Every process started while the lock is held inherits its fd: only
# short-lived commands may run under it, never a daemon.
_cluster_unlock() {
    [ -n "${_cluster_lock_fd:-}" ] && exec {_cluster_lock_fd}>&-
    _cluster_lock_fd=
}

# The identity of a live process: its pid and its start time (pids are
# reused).  A zombie has no identity: it is dead, only not yet reaped.
_cluster_proc_identity() { # PID
    local stat fields
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    # after "comm)": the state is the 1st field, the start time the 20th
    read -r -a fields <<<"${stat##*) }"
    case ${fields[0]} in Z | X | x) return 1 ;; esac
    echo "$1:${fields[19]}"
}

_cluster_owner_alive() { # OWNER (pid:start or "cli")
    local owner=$1
    [ "$owner" = cli ] && return 0
    [ "$(_cluster_proc_identity "${owner%%:*}")" = "$owner" ]
}

# Takes down, under the lock, every cluster whose owning process has gone
# without taking it down (killed with SIGKILL, say).  Clusters started from
# the command line belong to nobody and stay until `down`.
_cluster_prune_locked() {
    local f id owner dir ns
    # A probe namespace outlives its cluster_check only if that was killed.
    while read -r ns _; do
        if [[ $ns =~ ^flurm-probe-([0-9]+)-[0-9]+$ ]] && ! _cluster_alive "${BASH_REMATCH[1]}"; then
            ip netns del "$ns" 2>/dev/null
        fi
    done < <(ip netns list 2>/dev/null)
    for f in "$(_cluster_registry)"/c*; do
        [ -f "$f" ] || continue
        id=${f##*/}
        owner=$(sed -n 's/^owner=//p' "$f")
        dir=$(sed -n 's/^dir=//p' "$f")
        if [ -n "$owner" ] && ! _cluster_owner_alive "$owner"; then
            _cluster_say "removing cluster $id (owner ${owner%%:*} is gone; folder $dir)"
            _cluster_teardown "$id" "$dir" "$f"
        fi
    done
}

cluster_prune() {
    _cluster_lock || {
        _cluster_error "cannot lock $_CLUSTER_LOCK"
        return 1
    }
    _cluster_prune_locked
    _cluster_unlock
}

# ---- processes ----------------------------------------------------------------

_cluster_alive() { # PID: running, a zombie is not
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

_cluster_netns_inode() { # NS
    stat -L -c %i "/run/netns/$1" 2>/dev/null
}

# Succeeds if PID is a live slurmd inside namespace NS: a pid read from a
# file is only trusted once it proves to be ours.
_cluster_is_our_slurmd() { # PID NS
    local pid=$1 ino
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    _cluster_alive "$pid" || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmd ] || return 1
    ino=$(_cluster_netns_inode "$2") || return 1
    [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "net:[$ino]" ]
}

# Waits until none of PIDS runs, at most SECONDS; succeeds if none does.
_cluster_wait_gone() { # SECONDS PID...
    local tenths=$(($1 * 10)) pid any
    shift
    while :; do
        any=0
        for pid in "$@"; do
            _cluster_alive "$pid" && any=1 && break
        done
        [ "$any" = 0 ] && return 0
        [ "$tenths" -le 0 ] && return 1
        tenths=$((tenths - 1))
        sleep 0.1
    done
}

_cluster_grace() {
    local grace=${CLUSTER_STOP_GRACE:-$_CLUSTER_STOP_GRACE}
    [[ $grace =~ ^[0-9]{1,3}$ ]] || grace=$_CLUSTER_STOP_GRACE
    echo "$grace"
}

# SIGTERM, then SIGKILL after SECONDS; reaps our own children.
_cluster_stop_pids() { # SECONDS PID...
    local seconds=$1 pid
    shift
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null
    if ! _cluster_wait_gone "$seconds" "$@"; then
        for pid in "$@"; do
            _cluster_alive "$pid" && _cluster_say "$(cat "/proc/$pid/comm" 2>/dev/null) ($pid) still runs $seconds s after SIGTERM: SIGKILL"
        done
        kill -KILL "$@" 2>/dev/null
        _cluster_wait_gone 5 "$@"
    fi
    for pid in "$@"; do
        wait "$pid" 2>/dev/null
    done
    return 0
}

# ---- teardown -----------------------------------------------------------------

# Removes cluster ID whatever state it is in (fully up, half built, its
# folder gone): slurmd first (recorded pids from DIR, gracefully), then
# anything else still running in its namespaces (slurmstepd, job tasks),
# then the namespaces (which takes the veths with them), the bridge, and
# the registry entry.
_cluster_teardown() { # ID [DIR [REGISTRY-ENTRY]]
    local id=$1 dir=${2:-} entry=${3:-$(_cluster_registry)/$1} ns node pid nss=() slurmds=() rest=() link round
    while read -r ns _; do
        [[ $ns =~ ^flurm-$id-n[0-9]+$ ]] && nss+=("$ns")
    done < <(ip netns list 2>/dev/null)
    for ns in "${nss[@]}"; do
        node=${ns#flurm-"$id"-}
        pid=
        [ -n "$dir" ] && read -r pid 2>/dev/null <"$dir/run/$node.pid"
        _cluster_is_our_slurmd "${pid:-x}" "$ns" && slurmds+=("$pid")
    done
    _cluster_stop_pids "$(_cluster_grace)" "${slurmds[@]}"
    # What a dying slurmstepd forks meanwhile shows up in the next round.
    for round in 1 2 3; do
        rest=()
        for ns in "${nss[@]}"; do
            for pid in $(ip netns pids "$ns" 2>/dev/null); do
                rest+=("$pid")
            done
        done
        [ "${#rest[@]}" -eq 0 ] && break
        [ "$round" -gt 1 ] && _cluster_say "still running in the namespaces of $id: ${rest[*]}"
        _cluster_stop_pids 3 "${rest[@]}"
    done
    for ns in "${nss[@]}"; do
        ip netns del "$ns" 2>/dev/null || _cluster_say "cannot delete namespace $ns"
    done
    # Host ends whose namespace never got them (a failure half-way), then the bridge.
    while read -r link; do
        ip link del "$link" 2>/dev/null
    done < <(ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
        grep -E "^flurm-$id(-n[0-9]+)?$" | sort -r)
    rm -f "$entry"
}

# ---- the cluster's state file ---------------------------------------------------

_CLUSTER_STATE_VARS="CLUSTER_ID CLUSTER_ENTRY CLUSTER_HOME CLUSTER_N CLUSTER_NODES CLUSTER_SUBNET CLUSTER_CTLD_ADDR CLUSTER_PORT CLUSTER_NODE_PORT CLUSTER_CONF"

_cluster_save_state() {
    local v
    for v in $_CLUSTER_STATE_VARS; do
        echo "$v=${!v}"
    done >"$CLUSTER_HOME/cluster.env.tmp" && mv "$CLUSTER_HOME/cluster.env.tmp" "$CLUSTER_HOME/cluster.env"
}

# Loads the state of the cluster recorded in CLUSTER_DIR (if this shell does
# not already know it): that is how `down` and `env` find a cluster that an
# earlier command brought up.
_cluster_load_state() {
    local key value home
    [ -n "${CLUSTER_ID:-}" ] && return 0
    home=$(_cluster_dir)
    [ -f "$home/cluster.env" ] || return 1
    while IFS='=' read -r key value; do
        case " $_CLUSTER_STATE_VARS " in
            *" $key "*) printf -v "$key" '%s' "$value" ;;
        esac
    done <"$home/cluster.env"
    [ -n "${CLUSTER_ID:-}" ]
}

_cluster_clear_state() {
    local v
    for v in $_CLUSTER_STATE_VARS; do
        unset "$v"
    done
}

# ---- slurm.conf -----------------------------------------------------------------

# The same conf as scripts/flurm-local writes, but for N nodes on the bridge.
# Paths of slurmd carry %n (the node name): the nodes share one filesystem.
_cluster_write_conf() {
    local n=$CLUSTER_N addrs nodes
    if [ "$n" -eq 1 ]; then
        nodes=n1 addrs="$CLUSTER_SUBNET.11"
    else
        nodes="n[1-$n]" addrs="$CLUSTER_SUBNET.[11-$((10 + n))]"
    fi
    local node
    mkdir -p "$CLUSTER_HOME/log" "$CLUSTER_HOME/state" "$CLUSTER_HOME/run" || return 1
    for node in $CLUSTER_NODES; do
        mkdir -p "$CLUSTER_HOME/spool/$node" || return 1
    done
    cat >"$CLUSTER_CONF.tmp" <<EOF || return 1
# Written by test/lib/cluster.sh: $n slurmd in network namespaces (cluster $CLUSTER_ID),
# the controller in the root namespace on $CLUSTER_CTLD_ADDR. See docs/test-cluster.md.
# Clients: export SLURM_CONF=$CLUSTER_CONF
ClusterName=flurm
SlurmctldHost=$_cluster_k_ctld_name($CLUSTER_CTLD_ADDR)
SlurmctldPort=$CLUSTER_PORT
SlurmdPort=$CLUSTER_NODE_PORT
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$CLUSTER_HOME/state
SlurmdSpoolDir=$CLUSTER_HOME/spool/%n
SlurmctldPidFile=$CLUSTER_HOME/run/slurmctld.pid
SlurmdPidFile=$CLUSTER_HOME/run/slurmd-%n.pid
SlurmctldLogFile=$CLUSTER_HOME/log/slurmctld.log
SlurmdLogFile=$CLUSTER_HOME/log/slurmd-%n.log
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
# All nodes share this machine's hardware: each reports what is written here.
SlurmdParameters=config_overrides
NodeName=$nodes NodeAddr=$addrs CPUs=$_cluster_k_cpus RealMemory=$_cluster_k_memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    if [ -n "${CLUSTER_CONF_EXTRA:-}" ]; then
        printf '%s\n' "$CLUSTER_CONF_EXTRA" >>"$CLUSTER_CONF.tmp" || return 1
    fi
    mv "$CLUSTER_CONF.tmp" "$CLUSTER_CONF"
}

# Sets the state variables of an N-node cluster in slot K (nothing is created).
_cluster_plan() { # N K
    CLUSTER_N=$1
    CLUSTER_ID=c$2
    CLUSTER_SUBNET=$_cluster_k_net.$2
    CLUSTER_CTLD_ADDR=$CLUSTER_SUBNET.1
    CLUSTER_NODE_PORT=$_cluster_k_slurmd_port
    CLUSTER_CONF=$CLUSTER_HOME/slurm.conf
    CLUSTER_PORT=${_cluster_k_ctld_port:-$(_cluster_free_port)} || return 1
    [ -n "$CLUSTER_PORT" ] || return 1
    local i
    CLUSTER_NODES=
    for ((i = 1; i <= $1; i++)); do
        CLUSTER_NODES+="${CLUSTER_NODES:+ }n$i"
    done
}

cluster_conf() { # N: writes CLUSTER_DIR/slurm.conf only
    local n=${1:-} k
    _cluster_check_count "$n" || return 1
    _cluster_read_knobs || return 1
    CLUSTER_HOME=$(_cluster_dir)
    if [ -f "$CLUSTER_HOME/cluster.env" ]; then
        _cluster_error "a cluster is up in $CLUSTER_HOME: its conf is $CLUSTER_HOME/slurm.conf"
        return 1
    fi
    k=$(_cluster_free_slot "$_cluster_k_net") || {
        _cluster_error "no free /24 left in $_cluster_k_net.0.0/16"
        return 1
    }
    _cluster_plan "$n" "$k" || {
        _cluster_error "no free TCP port for the controller"
        return 1
    }
    _cluster_write_conf || {
        _cluster_error "cannot write $CLUSTER_CONF"
        return 1
    }
    echo "$CLUSTER_CONF"
    _cluster_clear_state
}

# ---- nodes ----------------------------------------------------------------------

_cluster_check_count() {
    if ! [[ $1 =~ ^[1-9][0-9]{0,2}$ ]] || [ "$1" -gt "$_CLUSTER_MAX_NODES" ]; then
        _cluster_error "want a node count from 1 to $_CLUSTER_MAX_NODES, not '$1'"
        return 1
    fi
}

_cluster_ns() { echo "flurm-$CLUSTER_ID-$1"; }

_cluster_node_index() { # NODE -> I, if NODE is one of ours
    local node=$1
    [[ $node =~ ^n([1-9][0-9]*)$ ]] && [ "${BASH_REMATCH[1]}" -le "${CLUSTER_N:-0}" ] || return 1
    echo "${BASH_REMATCH[1]}"
}

# Namespace flurm-ID-nI with a veth whose host end is on the bridge: the
# node's end is eth0 with address SUBNET.(10+I)/24, and lo is up (slurmd
# and the job's processes talk to themselves through it).
_cluster_make_node() { # I
    local i=$1 node=n$1 ns err
    ns=$(_cluster_ns "$node")
    err=$( {
        ip netns add "$ns" &&
            ip link add "$ns" type veth peer name eth0 netns "$ns" &&
            ip link set "$ns" master "flurm-$CLUSTER_ID" &&
            ip link set "$ns" up &&
            ip -n "$ns" link set lo up &&
            ip -n "$ns" addr add "$CLUSTER_SUBNET.$((10 + i))/24" dev eth0 &&
            ip -n "$ns" link set eth0 up
    } 2>&1) || {
        _cluster_error "cannot set up node $node (namespace $ns): $err"
        return 1
    }
}

_cluster_make_bridge() {
    local br=flurm-$CLUSTER_ID err
    err=$( {
        ip link add "$br" type bridge &&
            ip addr add "$CLUSTER_CTLD_ADDR/24" dev "$br" &&
            ip link set "$br" up
    } 2>&1) || {
        _cluster_error "cannot create the bridge $br ($CLUSTER_SUBNET.0/24): $err"
        return 1
    }
}

# Succeeds once PID listens on TCP PORT: /proc/PID/net/tcp lists the sockets
# of PID's own network namespace, so this looks inside the node for free.
_cluster_listens() { # PID PORT
    local hex
    printf -v hex '%04X' "$2"
    grep -q "^ *[0-9]*: [0-9A-F]*:$hex 00000000:0000 0A " "/proc/$1/net/tcp" 2>/dev/null
}

# Starts NODE's slurmd in NODE's namespace under hostname NODE, in a
# small, machine-independent environment (as scripts/flurm-local does),
# and records its pid.  Every exec in the chain replaces the previous
# program, so $! is slurmd itself.  nsenter, not `ip netns exec`: that one
# also mounts a fresh /sys for the namespace, which hides /sys/fs/cgroup, and
# slurmd 22.05 does not start without its cgroup plugin.
_cluster_spawn_slurmd() { # NODE
    local node=$1 ns detach=(setsid)
    ns=$(_cluster_ns "$node")
    # With job control (an interactive shell) the job leads its own process
    # group already, and setsid would fork: $! would not be slurmd.
    [[ $- == *m* ]] && detach=()
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="${HOME:-/root}" SLURM_CONF="$CLUSTER_CONF" \
        "${detach[@]}" nsenter --net="/run/netns/$ns" unshare --uts \
        sh -c 'hostname "$0" && exec "$@"' "$node" \
        "$_CLUSTER_SLURMD" -D -f "$CLUSTER_CONF" -N "$node" \
        </dev/null >"$CLUSTER_HOME/log/slurmd-$node.out" 2>&1 &
    echo $! >"$CLUSTER_HOME/run/$node.pid"
    # Out of the job table: the shell still reaps it, but does not print
    # "Killed" into the test's output when a node is made to crash.
    disown $!
}

# Waits until the slurmd of every NODE listens on its port (or dies).
_cluster_wait_slurmds() { # NODE...
    local node pid ns pending tenths=150
    while :; do
        pending=()
        for node in "$@"; do
            read -r pid <"$CLUSTER_HOME/run/$node.pid"
            ns=$(_cluster_ns "$node")
            if ! _cluster_alive "$pid"; then
                wait "$pid" 2>/dev/null
                _cluster_error "slurmd of $node exited at start; last lines of $CLUSTER_HOME/log/slurmd-$node.out and .log:
$(tail -n 5 "$CLUSTER_HOME/log/slurmd-$node.out" 2>/dev/null)
$(tail -n 10 "$CLUSTER_HOME/log/slurmd-$node.log" 2>/dev/null)"
                return 1
            fi
            if _cluster_is_our_slurmd "$pid" "$ns" && _cluster_listens "$pid" "$CLUSTER_NODE_PORT"; then
                continue
            fi
            pending+=("$node")
        done
        [ "${#pending[@]}" -eq 0 ] && return 0
        if [ "$tenths" -le 0 ]; then
            _cluster_error "slurmd of ${pending[*]} not listening on port $CLUSTER_NODE_PORT after 15 s (logs in $CLUSTER_HOME/log/)"
            return 1
        fi
        tenths=$((tenths - 1))
        set -- "${pending[@]}"
        sleep 0.1
    done
}

cluster_node_pid() { # NODE
    local pid
    _cluster_load_state || return 1
    _cluster_node_index "$1" >/dev/null || return 1
    read -r pid 2>/dev/null <"$CLUSTER_HOME/run/$1.pid" || return 1
    _cluster_is_our_slurmd "$pid" "$(_cluster_ns "$1")" || return 1
    echo "$pid"
}

cluster_stop_node() { # NODE
    local pid
    _cluster_load_state || {
        _cluster_error "no cluster is up"
        return 1
    }
    _cluster_node_index "$1" >/dev/null || {
        _cluster_error "no node '$1' in cluster $CLUSTER_ID"
        return 1
    }
    pid=$(cluster_node_pid "$1") || return 0
    _cluster_stop_pids "$(_cluster_grace)" "$pid"
}

# A crash rather than a stop: SIGKILL, and slurmd has no say.
cluster_kill_node() { # NODE
    local pid
    _cluster_load_state || {
        _cluster_error "no cluster is up"
        return 1
    }
    _cluster_node_index "$1" >/dev/null || {
        _cluster_error "no node '$1' in cluster $CLUSTER_ID"
        return 1
    }
    pid=$(cluster_node_pid "$1") || return 0
    kill -KILL "$pid" 2>/dev/null
    _cluster_wait_gone 5 "$pid"
    wait "$pid" 2>/dev/null
    return 0
}

cluster_start_node() { # NODE
    _cluster_load_state || {
        _cluster_error "no cluster is up"
        return 1
    }
    _cluster_node_index "$1" >/dev/null || {
        _cluster_error "no node '$1' in cluster $CLUSTER_ID"
        return 1
    }
    if cluster_node_pid "$1" >/dev/null; then
        _cluster_error "slurmd of $1 is running already"
        return 1
    fi
    _cluster_spawn_slurmd "$1"
    _cluster_wait_slurmds "$1"
}

cluster_exec() { # NODE CMD...
    local node=$1
    shift
    _cluster_load_state || {
        _cluster_error "no cluster is up"
        return 1
    }
    _cluster_node_index "$node" >/dev/null || {
        _cluster_error "no node '$node' in cluster $CLUSTER_ID"
        return 1
    }
    nsenter --net="/run/netns/$(_cluster_ns "$node")" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$node" "$@"
}

# ---- up / down -------------------------------------------------------------------

# Cleanup at exit: through testlib's t_on_exit in a test, else chained
# before whatever EXIT trap the shell had (keeping the exit status).
_cluster_arm_exit_trap() {
    [ -n "${_cluster_trap_armed:-}" ] && return 0
    _cluster_trap_armed=1
    if declare -F t_on_exit >/dev/null; then
        t_on_exit cluster_down
        return 0
    fi
    local old cmd='' words
    old=$(trap -p EXIT)
    if [ -n "$old" ]; then
        # "trap -- 'CMD' EXIT", quoted for re-reading by the shell
        eval "words=($old)"
        cmd=${words[2]}
    fi
    # shellcheck disable=SC2064 # the old handler is expanded now, on purpose
    trap -- "_cluster_rc=\$?; cluster_down >/dev/null 2>&1; (exit \$_cluster_rc); $cmd" EXIT
}

# Makes the failure message survive the cleanup, which may overwrite it.
_cluster_fail_up() {
    local why=$CLUSTER_ERROR
    cluster_down >/dev/null
    CLUSTER_ERROR=$why
    return 1
}

cluster_up() { # N
    local n=${1:-} k i node nodes=() owner=${_cluster_owner:-}
    CLUSTER_ERROR=
    _cluster_check_count "$n" || return 1
    if [ -n "${CLUSTER_ID:-}" ]; then
        _cluster_error "cluster $CLUSTER_ID is already up in this shell: cluster_down first"
        return 1
    fi
    if ! cluster_check; then
        _cluster_say "error: $CLUSTER_ERROR"
        return 77
    fi
    _cluster_read_knobs || return 1
    CLUSTER_HOME=$(_cluster_dir)
    if [ -f "$CLUSTER_HOME/cluster.env" ]; then
        _cluster_error "a cluster is already up in $CLUSTER_HOME ('test/lib/cluster.sh down' with CLUSTER_DIR=$CLUSTER_HOME)"
        return 1
    fi
    mkdir -p "$CLUSTER_HOME" || {
        _cluster_error "cannot create $CLUSTER_HOME"
        return 1
    }
    [ -n "$owner" ] || owner=$(_cluster_proc_identity $$)

    # The slot is chosen and its bridge (with its route) created under the
    # lock, so that the next run sees both and picks another.
    _cluster_lock || {
        _cluster_error "cannot lock $_CLUSTER_LOCK"
        return 1
    }
    _cluster_prune_locked
    if ! k=$(_cluster_free_slot "$_cluster_k_net"); then
        _cluster_unlock
        _cluster_error "no free /24 left in $_cluster_k_net.0.0/16 (CLUSTER_NET)"
        return 1
    fi
    if ! _cluster_plan "$n" "$k"; then
        _cluster_unlock
        _cluster_clear_state
        _cluster_error "no free TCP port for the controller"
        return 1
    fi
    CLUSTER_ENTRY=$(_cluster_registry)/$CLUSTER_ID
    printf 'owner=%s\ndir=%s\n' "$owner" "$CLUSTER_HOME" >"$CLUSTER_ENTRY"
    _cluster_save_state
    _cluster_arm_exit_trap
    if ! _cluster_make_bridge; then
        _cluster_unlock
        _cluster_fail_up
        return 1
    fi
    _cluster_unlock

    for ((i = 1; i <= n; i++)); do
        _cluster_make_node "$i" || {
            _cluster_fail_up
            return 1
        }
        nodes+=("n$i")
    done
    _cluster_write_conf || {
        _cluster_error "cannot write $CLUSTER_CONF"
        _cluster_fail_up
        return 1
    }
    # The namespaces share the filesystem, so munged's socket in /run/munge
    # must answer from inside them.
    if ! cluster_exec n1 sh -c 'munge -n </dev/null | unmunge' >/dev/null 2>&1; then
        _cluster_error "munge does not answer inside the namespace of n1 ($(_cluster_ns n1))"
        _cluster_fail_up
        return 1
    fi
    for node in "${nodes[@]}"; do
        _cluster_spawn_slurmd "$node"
    done
    _cluster_wait_slurmds "${nodes[@]}" || {
        _cluster_fail_up
        return 1
    }
    _cluster_say "up: $CLUSTER_ID, nodes $CLUSTER_NODES on $CLUSTER_SUBNET.0/24, controller expected on $CLUSTER_CTLD_ADDR:$CLUSTER_PORT"
    return 0
}

cluster_down() {
    if ! _cluster_load_state; then
        return 0
    fi
    _cluster_teardown "$CLUSTER_ID" "$CLUSTER_HOME" "$CLUSTER_ENTRY"
    rm -f "$CLUSTER_HOME/cluster.env"
    _cluster_say "down: $CLUSTER_ID"
    _cluster_clear_state
    return 0
}

# Takes down cluster ID (c<K>) wherever its folder is, or if it is gone:
# the way out for a command-line cluster whose CLUSTER_DIR was lost.
_cluster_down_id() { # ID
    local id=$1 entry dir=
    [[ $id =~ ^c[0-9]+$ ]] || {
        _cluster_error "not a cluster id: '$id' (c<K>, see ip netns list)"
        return 1
    }
    entry=$(_cluster_registry)/$id
    [ -f "$entry" ] && dir=$(sed -n 's/^dir=//p' "$entry")
    _cluster_teardown "$id" "$dir" "$entry"
    [ -n "$dir" ] && rm -f "$dir/cluster.env"
    _cluster_say "down: $id"
}

cluster_env() {
    _cluster_load_state || {
        _cluster_error "no cluster is up in $(_cluster_dir)"
        return 1
    }
    printf 'export SLURM_CONF=%q\n' "$CLUSTER_CONF"
}

# Succeeds when sinfo lists exactly the cluster's nodes, all idle.
_cluster_all_idle() {
    local out
    out=$(SLURM_CONF=$CLUSTER_CONF timeout 10 sinfo -h -N -o '%N %t' 2>/dev/null) || return 1
    [ "$(awk '$2 == "idle" { print $1 }' <<<"$out" | sort -V | tr '\n' ' ')" = "$CLUSTER_NODES " ]
}

cluster_wait_idle() { # [SECONDS]
    local tenths=$((${1:-30} * 10))
    _cluster_load_state || {
        _cluster_error "no cluster is up"
        return 1
    }
    until _cluster_all_idle; do
        if [ "$tenths" -le 0 ]; then
            _cluster_error "not every node is idle after ${1:-30} s: $(SLURM_CONF=$CLUSTER_CONF timeout 10 sinfo -h -N -o '%N %t' 2>&1 | tr '\n' ' ')"
            return 1
        fi
        tenths=$((tenths - 2))
        sleep 0.2
    done
}

cluster_status() {
    local node pid rc=0
    if ! _cluster_load_state; then
        echo "no cluster is up in $(_cluster_dir)"
        return 3
    fi
    echo "cluster $CLUSTER_ID: $CLUSTER_N nodes on $CLUSTER_SUBNET.0/24, controller $CLUSTER_CTLD_ADDR:$CLUSTER_PORT"
    echo "conf: $CLUSTER_CONF"
    for node in $CLUSTER_NODES; do
        if pid=$(cluster_node_pid "$node"); then
            echo "$node: $CLUSTER_SUBNET.$((10 + ${node#n})) slurmd running (pid $pid)"
        else
            echo "$node: $CLUSTER_SUBNET.$((10 + ${node#n})) slurmd not running"
            rc=3
        fi
    done
    return "$rc"
}

# ---- command line --------------------------------------------------------------

_cluster_usage() {
    sed -n '2,/^#                        own prune test/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

_cluster_main() {
    set -uo pipefail
    local rc
    case "${1:-}" in
        up)
            # Nobody owns a cluster started from the command line: it stays
            # until `down`, and prune leaves it alone.
            _cluster_owner=cli
            cluster_up "${2:-}"
            rc=$?
            [ "$rc" -eq 0 ] || exit "$rc"
            trap - EXIT
            cluster_env
            ;;
        down)
            if [ -n "${2:-}" ]; then
                _cluster_down_id "$2"
            else
                cluster_down
            fi
            ;;
        conf) cluster_conf "${2:-}" ;;
        env) cluster_env ;;
        status) cluster_status ;;
        prune) cluster_prune ;;
        -h | --help | help)
            _cluster_usage
            exit 0
            ;;
        *)
            _cluster_usage
            exit 2
            ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    _cluster_main "$@"
fi
