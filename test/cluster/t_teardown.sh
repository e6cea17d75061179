#!/usr/bin/env bash
# A test cluster never outlives the script that brought it up: cluster_down
# stops slurmd and everything else running in the namespaces and removes
# namespaces, veths, bridge and registry entry (and is harmless twice); a
# script that exits with an error, fails a testlib check or is killed by
# SIGTERM is cleaned up by the exit trap cluster_up armed (keeping the
# script's own exit status and exit trap); and a cluster_up that fails half
# way leaves nothing either.
# shellcheck disable=SC2016 # the bash -c scripts expand in their own shell
. "$(dirname "$0")/../lib/testlib.sh"
LIB="$T_ROOT/test/lib/cluster.sh"
. "$LIB"

cluster_require
# Without a controller slurmd is busy registering and takes seconds to obey
# SIGTERM; this test is about what is left, not about slurmd's manners.
export CLUSTER_STOP_GRACE=1

leftovers() { # ID: whatever remains of cluster ID, nothing if all is gone
    ip netns list | awk -v p="^flurm-$1-" '$1 ~ p { print "netns " $1 }'
    ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
        grep -E "^flurm-$1(-|$)" | sed 's/^/link /'
    [ -e "/run/flurm-cluster/$1" ] && echo "registry entry /run/flurm-cluster/$1"
    return 0
}

running() { # PID: a zombie is not running, only not reaped yet
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [ "$state" != Z ]
}

# ---- cluster_down --------------------------------------------------------------
CLUSTER_DIR="$T_TMP/down" cluster_up 2 || t_fatal "cluster_up 2: $CLUSTER_ERROR"
id=$CLUSTER_ID
slurmd1=$(cluster_node_pid n1)
# A stand-in for what a job leaves on a node (slurmstepd, the tasks).
cluster_exec n2 sleep 300 </dev/null >/dev/null 2>&1 &
disown $!
job_in_n2() {
    local pid
    for pid in $(ip netns pids "flurm-$id-n2"); do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] && echo "$pid" && return 0
    done
    return 1
}
wait_for 5 "the job stand-in to run in n2's namespace" job_in_n2
job=$(job_in_n2) || t_fatal "a process runs in n2's namespace beside slurmd"
check_ne "the cluster exists before cluster_down" "" "$(leftovers "$id")"
cluster_down
check_eq "cluster_down leaves no namespace, link or registry entry" "" "$(leftovers "$id")"
check_fails "cluster_down stops slurmd" running "$slurmd1"
check_fails "cluster_down stops what else ran in a namespace" running "$job"
check_eq "cluster_down forgets the cluster" "" "${CLUSTER_ID:-}"
check "a second cluster_down is harmless" cluster_down
check_fails "cluster_env has no cluster to point at" cluster_env

# ---- the exit trap of a plain script ---------------------------------------------
# The script's own EXIT trap was there first: cluster_up chains before it.
CLUSTER_DIR="$T_TMP/plain" bash -c '
    trap "echo ran >\"$1/own-trap\"" EXIT
    . "$2"
    cluster_up 1 || exit 99
    echo "$CLUSTER_ID $(cluster_node_pid n1)" >"$1/plain.id"
    exit 3' _ "$T_TMP" "$LIB" 2>/dev/null
check_eq "a script failing after cluster_up keeps its exit status" 3 "$?"
read -r id slurmd <"$T_TMP/plain.id" || t_fatal "the failing script brought a cluster up"
check_eq "its exit trap removed the cluster" "" "$(leftovers "$id")"
check_fails "its exit trap stopped slurmd" running "$slurmd"
check "its own exit trap still ran" test -f "$T_TMP/own-trap"

# ---- a testlib test that fails -----------------------------------------------------
mkdir -p "$T_TMP/failing"
cat >"$T_TMP/failing/t_fails.sh" <<EOF
. "$T_ROOT/test/lib/testlib.sh"
. "$LIB"
cluster_up 1 || t_skip "cluster_up: \$CLUSTER_ERROR"
echo "\$CLUSTER_ID \$(cluster_node_pid n1)" >"$T_TMP/failing.id"
check_eq "a check that fails" 1 2
t_done
EOF
TMPDIR="$T_TMP/failing" bash "$T_TMP/failing/t_fails.sh" >"$T_TMP/failing.out" 2>&1
check_eq "the failing testlib test fails" 1 "$?"
read -r id slurmd <"$T_TMP/failing.id" || t_fatal "the failing testlib test brought a cluster up"
check_eq "testlib's cleanup removed its cluster" "" "$(leftovers "$id")"
check_fails "testlib's cleanup stopped its slurmd" running "$slurmd"

# ---- SIGTERM ------------------------------------------------------------------------
CLUSTER_DIR="$T_TMP/term" bash -c '
    . "$2"
    cluster_up 1 || exit 99
    sleep 300 &
    echo $! >"$1/term.sleep"
    echo "$CLUSTER_ID $(cluster_node_pid n1)" >"$1/term.id.tmp"
    mv "$1/term.id.tmp" "$1/term.id"
    wait' _ "$T_TMP" "$LIB" 2>/dev/null &
script=$!
wait_for 20 "the script to bring its cluster up" test -f "$T_TMP/term.id" ||
    t_fatal "the script to be terminated brought a cluster up"
kill -TERM "$script"
wait "$script"
check_eq "the script dies of SIGTERM" 143 "$?"
kill "$(cat "$T_TMP/term.sleep")" 2>/dev/null
read -r id slurmd <"$T_TMP/term.id"
check_eq "the exit trap of a script killed by SIGTERM removed its cluster" "" "$(leftovers "$id")"
check_fails "the exit trap of a script killed by SIGTERM stopped slurmd" running "$slurmd"

# ---- a cluster_up that fails half way -------------------------------------------------
# slurmd refuses to start on a key it does not know.
CLUSTER_DIR="$T_TMP/broken" CLUSTER_CONF_EXTRA="NoSuchSlurmKey=1" cluster_up 2 2>"$T_TMP/broken.err"
check_eq "cluster_up fails when slurmd cannot start" 1 "$?"
check_match "the reason names slurmd" "slurmd of n[12] exited at start" "$CLUSTER_ERROR"
id=$(sed -n 's/^cluster: down: //p' "$T_TMP/broken.err")
check_match "the failed cluster_up takes down what it built" "^c[0-9]+$" "$id"
check_eq "the failed cluster_up leaves no namespace, link or registry entry" "" "$(leftovers "$id")"
check_eq "the failed cluster_up leaves no cluster in the shell" "" "${CLUSTER_ID:-}"
check_fails "the failed cluster_up leaves no state in its folder" test -e "$T_TMP/broken/cluster.env"
t_done
