#!/usr/bin/env bash
# A cluster whose owning script was killed with SIGKILL (no exit trap can
# run) is taken down by the next cluster_up on the machine, slurmd and all;
# a cluster whose owner still runs is left alone.
# shellcheck disable=SC2016 # the bash -c scripts expand in their own shell
. "$(dirname "$0")/../lib/testlib.sh"
LIB="$T_ROOT/test/lib/cluster.sh"
. "$LIB"

cluster_require
export CLUSTER_STOP_GRACE=1
# A registry of its own: the clusters of tests running beside this one are
# none of its business (nor may their cluster_up prune this test's dead
# owner's cluster before this test's own cluster_up does).
export CLUSTER_REGISTRY="$T_TMP/registry"

leftovers() { # ID: whatever remains of cluster ID, nothing if all is gone
    ip netns list | awk -v p="^flurm-$1-" '$1 ~ p { print "netns " $1 }'
    ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
        grep -E "^flurm-$1(-|$)" | sed 's/^/link /'
    [ -e "$CLUSTER_REGISTRY/$1" ] && echo "registry entry $CLUSTER_REGISTRY/$1"
    return 0
}

running() { # PID: a zombie is not running, only not reaped yet
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [ "$state" != Z ]
}

# The owner of this one lives until the end of the test (it is brought up
# first: its own cluster_up would otherwise prune the other one).
CLUSTER_DIR="$T_TMP/alive" bash -c '
    . "$2"
    cluster_up 1 || exit 99
    echo "$CLUSTER_ID" >"$1/alive.id.tmp"
    mv "$1/alive.id.tmp" "$1/alive.id"
    exec sleep 300' _ "$T_TMP" "$LIB" 2>/dev/null &
owner=$!
t_on_exit kill "$owner"
t_on_exit env CLUSTER_DIR="$T_TMP/alive" bash "$LIB" down
wait_for 20 "the living owner to bring its cluster up" test -f "$T_TMP/alive.id" ||
    t_fatal "the living owner brought a cluster up"
alive=$(cat "$T_TMP/alive.id")

# The owner of this one is SIGKILLed right after cluster_up.
# (In braces: the shell's "Killed" notice goes to /dev/null too.)
{
    CLUSTER_DIR="$T_TMP/killed" bash -c '
        . "$2"
        cluster_up 1 || exit 99
        echo "$CLUSTER_ID $(cluster_node_pid n1)" >"$1/killed.id"
        kill -KILL $$' _ "$T_TMP" "$LIB"
} 2>/dev/null
check_eq "the owner died of SIGKILL" 137 "$?"
read -r dead dead_slurmd <"$T_TMP/killed.id" || t_fatal "the killed script brought a cluster up"
# Whatever happens below, this test leaves nothing of it behind.
t_on_exit env CLUSTER_DIR="$T_TMP/killed" bash "$LIB" down
check_ne "its cluster outlives it (no trap runs on SIGKILL)" "" "$(leftovers "$dead")"
check "its slurmd outlives it" running "$dead_slurmd"

CLUSTER_DIR="$T_TMP/mine" cluster_up 1 2>"$T_TMP/up.err" || t_fatal "cluster_up 1: $CLUSTER_ERROR"
check_eq "cluster_up removed the cluster of the killed owner" "" "$(leftovers "$dead")"
check_fails "and stopped its slurmd" running "$dead_slurmd"
check_file_match "cluster_up says what it removed and why" "removing cluster $dead \(owner [0-9]+ is gone" "$T_TMP/up.err"
check_ne "the cluster whose owner lives is left alone" "" "$(leftovers "$alive")"
check_ne "the new cluster is another one" "$dead" "$CLUSTER_ID"
check "cluster_prune too leaves the living owner's cluster alone" cluster_prune
check_ne "it is still there" "" "$(leftovers "$alive")"
cluster_down

# The living owner exec'ed sleep: once it is gone, its cluster has no owner.
t_stop "$owner"
check "cluster_prune removes a cluster whose owner has gone" cluster_prune
check_eq "it is gone" "" "$(leftovers "$alive")"
t_done
