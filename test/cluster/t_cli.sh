#!/usr/bin/env bash
# `test/lib/cluster.sh up N` brings up a cluster that outlives the command
# (it belongs to nobody: prune leaves it alone), `env` and `status` describe
# it, a second `up` in the same folder is refused, and `down` removes it
# (twice is harmless; `down ID` works without the folder); `conf N` only
# writes a slurm.conf.
. "$(dirname "$0")/../lib/testlib.sh"
LIB="$T_ROOT/test/lib/cluster.sh"
. "$LIB"

cluster_require
export CLUSTER_STOP_GRACE=1
export CLUSTER_DIR="$T_TMP/cli"
t_on_exit bash "$LIB" down

running() { # PID: a zombie is not running, only not reaped yet
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [ "$state" != Z ]
}

cli() { # ARGS...: runs the command; sets OUT and RC
    OUT=$(bash "$LIB" "$@" 2>"$T_TMP/cli.err")
    RC=$?
}

cli up 2
check_eq "up 2 succeeds" 0 "$RC"
check_eq "up prints the line for the clients" "export SLURM_CONF=$CLUSTER_DIR/slurm.conf" "$OUT"
id=$(sed -n 's/^CLUSTER_ID=//p' "$CLUSTER_DIR/cluster.env")
check_match "the cluster has an id" "^c[0-9]+$" "$id"
check_eq "its namespaces outlive the command" "flurm-$id-n1 flurm-$id-n2" \
    "$(ip netns list | awk -v p="^flurm-$id-" '$1 ~ p { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')"
read -r slurmd <"$CLUSTER_DIR/run/n1.pid"
check_eq "slurmd of n1 outlives the command" slurmd "$(cat "/proc/$slurmd/comm" 2>/dev/null)"
check_file_match "the registry says nobody owns it" "^owner=cli$" "/run/flurm-cluster/$id"

cli env
check_eq "env prints the line for the clients" "export SLURM_CONF=$CLUSTER_DIR/slurm.conf" "$OUT"
cli status
check_eq "status succeeds while every slurmd runs" 0 "$RC"
check_match "status lists n1 and its address" "n1: 10\.213\.[0-9]+\.11 slurmd running \(pid $slurmd\)" "$OUT"
check_match "status lists n2" "n2: 10\.213\.[0-9]+\.12 slurmd running" "$OUT"
cli up 1
check_eq "a second up in the same folder is refused" 1 "$RC"
check_file_match "and says why" "already up in $CLUSTER_DIR" "$T_TMP/cli.err"
cli conf 2
check_eq "conf is refused while a cluster is up in the folder" 1 "$RC"
cli prune
check_ne "prune leaves a command-line cluster alone" "" "$(ip netns list | grep "^flurm-$id-")"

cli down
check_eq "down succeeds" 0 "$RC"
check_eq "down removes the namespaces" "" "$(ip netns list | grep "^flurm-$id-")"
check_eq "down removes bridge and veths" "" \
    "$(ip -o link show | awk -F': ' '{ print $2 }' | grep -E "^flurm-$id(-|@|$)")"
check_fails "down stops slurmd" running "$slurmd"
check_fails "down removes the registry entry" test -e "/run/flurm-cluster/$id"
cli down
check_eq "a second down is harmless" 0 "$RC"
cli status
check_eq "status says 3 when nothing is up" 3 "$RC"
cli env
check_eq "env fails when nothing is up" 1 "$RC"

cli conf 3
check_eq "conf 3 succeeds" 0 "$RC"
check_eq "conf prints the path it wrote" "$CLUSTER_DIR/slurm.conf" "$OUT"
check_file_match "the conf has three nodes" '^NodeName=n\[1-3\] NodeAddr=10\.213\.[0-9]+\.\[11-13\] ' "$CLUSTER_DIR/slurm.conf"
check_eq "conf registers no cluster" "" "$(grep -lx "dir=$CLUSTER_DIR" /run/flurm-cluster/c* 2>/dev/null)"
check_fails "conf brings nothing up" test -e "$CLUSTER_DIR/cluster.env"

# A cluster whose folder was lost can still be taken down by its id.
CLUSTER_DIR="$T_TMP/lost" bash "$LIB" up 1 >/dev/null 2>&1 || t_fatal "up 1 in another folder"
lost=$(sed -n 's/^CLUSTER_ID=//p' "$T_TMP/lost/cluster.env")
rm -rf "$T_TMP/lost"
cli down "$lost"
check_eq "down ID succeeds without the cluster's folder" 0 "$RC"
check_eq "down ID removes that cluster" "" "$(ip netns list | grep "^flurm-$lost-")"
check_fails "down ID removes its registry entry" test -e "/run/flurm-cluster/$lost"
cli down x7
check_eq "down with something that is no id is refused" 1 "$RC"

cli up 0
check_eq "up 0 is refused" 1 "$RC"
cli frobnicate
check_eq "an unknown command is a usage error" 2 "$RC"
t_done
