#!/usr/bin/env bash
# One node's slurmd can be stopped (SIGTERM), killed (SIGKILL, a crash) and
# started again on its own, in its own namespace and under its own name,
# while the other nodes keep running.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/lib/cluster.sh"

cluster_require
cluster_up 3 || t_fatal "cluster_up 3 brings up three nodes: $CLUSTER_ERROR"
t_show_on_fail "$CLUSTER_HOME/log/slurmd-n2.log" "$CLUSTER_HOME/log/slurmd-n3.log"

n1=$(cluster_node_pid n1) || t_fatal "slurmd of n1 runs"
n2=$(cluster_node_pid n2) || t_fatal "slurmd of n2 runs"
n3=$(cluster_node_pid n3) || t_fatal "slurmd of n3 runs"

check "cluster_stop_node n2 succeeds" cluster_stop_node n2
check_fails "slurmd of n2 is gone" kill -0 "$n2"
check_fails "cluster_node_pid no longer finds slurmd of n2" cluster_node_pid n2
check_eq "slurmd of n1 keeps running" "$n1" "$(cluster_node_pid n1)"
check "the namespace of n2 stays" test -e "/run/netns/flurm-$CLUSTER_ID-n2"
check "cluster_stop_node n2 again is harmless" cluster_stop_node n2

check "cluster_kill_node n3 succeeds" cluster_kill_node n3
check_fails "slurmd of n3 is gone" kill -0 "$n3"
check_file_match "n3 was killed, not stopped: its log has no shutdown" "slurmd started" \
    "$CLUSTER_HOME/log/slurmd-n3.log"
check_eq "slurmd of n3 did not log a shutdown" 0 \
    "$(grep -c 'Slurmd shutdown completing' "$CLUSTER_HOME/log/slurmd-n3.log")"

check "cluster_start_node n2 starts slurmd of n2 again" cluster_start_node n2
check "cluster_start_node n3 starts slurmd of n3 again" cluster_start_node n3
new2=$(cluster_node_pid n2)
check_ne "n2 has a new slurmd" "$n2" "$new2"
check_eq "the new slurmd of n2 runs in n2's namespace" \
    "net:[$(stat -L -c %i "/run/netns/flurm-$CLUSTER_ID-n2")]" "$(readlink "/proc/$new2/ns/net")"
check_eq "the new slurmd of n2 is called n2" n2 "$(nsenter -t "$new2" -u hostname)"
check "the new slurmd of n3 listens inside n3" cluster_exec n3 ss -Hltn "sport = :$CLUSTER_NODE_PORT"
check_fails "a second start of a running node is refused" cluster_start_node n2
check_fails "a node the cluster does not have is refused" cluster_start_node n4
cluster_down
t_done
