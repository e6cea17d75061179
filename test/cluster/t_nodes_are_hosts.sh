#!/usr/bin/env bash
# Each node of a test cluster is a host of its own: its slurmd runs in a
# network namespace of its own, under the node's name as hostname, with the
# node's address, listening on SlurmdPort there (not in the root namespace);
# the root namespace and the other nodes reach it over the bridge, and munge
# answers inside it.  The generated slurm.conf describes exactly that
# cluster, with the knobs' CPUs, memory and ports.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/lib/cluster.sh"

cluster_require
# No controller here: slurmd would take seconds to obey SIGTERM at the end.
export CLUSTER_STOP_GRACE=1

root_hostname=$(hostname)
CLUSTER_CPUS=4 CLUSTER_MEMORY=2000 CLUSTER_SLURMD_PORT=7018 CLUSTER_CTLD_NAME=ctl \
    cluster_up 3 || t_fatal "cluster_up 3 brings up three nodes: $CLUSTER_ERROR"
t_show_on_fail "$CLUSTER_HOME/log/slurmd-n1.log" "$CLUSTER_HOME/log/slurmd-n2.log" \
    "$CLUSTER_HOME/log/slurmd-n3.log"

check_eq "the nodes are n1 n2 n3" "n1 n2 n3" "$CLUSTER_NODES"
check_match "the controller's address is the .1 of the subnet" "^10\.213\.[0-9]+\.1$" "$CLUSTER_CTLD_ADDR"
check_eq "the root namespace holds the controller's address on the bridge" \
    "flurm-$CLUSTER_ID $CLUSTER_CTLD_ADDR/24" \
    "$(ip -4 -o addr show dev "flurm-$CLUSTER_ID" | awk '{ print $2, $4 }')"

root_net=$(readlink /proc/self/ns/net)
nets=()
for i in 1 2 3; do
    node=n$i addr=$CLUSTER_SUBNET.$((10 + i))
    pid=$(cluster_node_pid "$node") || t_fatal "slurmd of $node runs"
    net=$(readlink "/proc/$pid/ns/net")
    nets+=("$net")
    check_ne "slurmd of $node is not in the root network namespace" "$root_net" "$net"
    check_eq "slurmd of $node runs in namespace flurm-$CLUSTER_ID-$node" \
        "net:[$(stat -L -c %i "/run/netns/flurm-$CLUSTER_ID-$node")]" "$net"
    check_eq "slurmd of $node sees hostname $node" "$node" "$(nsenter -t "$pid" -u hostname)"
    check_eq "slurmd of $node is started for node $node" "-N $node" \
        "$(tr '\0' ' ' <"/proc/$pid/cmdline" | grep -o -- "-N $node")"
    check_eq "$node has address $addr on its eth0" "eth0 $addr/24" \
        "$(ip -n "flurm-$CLUSTER_ID-$node" -4 -o addr show dev eth0 | awk '{ print $2, $4 }')"
    check "slurmd of $node listens on port 7018 inside its namespace" \
        cluster_exec "$node" ss -Hltn "sport = :7018"
    check "the root namespace reaches slurmd of $node at $addr:7018" \
        timeout 5 bash -c "exec 3<>/dev/tcp/$addr/7018"
    check "munge answers inside $node" cluster_exec "$node" sh -c 'munge -n </dev/null | unmunge'
done
check_eq "the three namespaces are distinct" 3 "$(printf '%s\n' "${nets[@]}" | sort -u | wc -l)"
check_eq "the root namespace keeps its hostname" "$root_hostname" "$(hostname)"
check_eq "no slurmd listens on port 7018 in the root namespace" "" "$(ss -Hltn 'sport = :7018')"
check "n1 reaches slurmd of n3 over the bridge" \
    cluster_exec n1 timeout 5 bash -c "exec 3<>/dev/tcp/$CLUSTER_SUBNET.13/7018"
check_eq "cluster_exec runs under the node's hostname" n2 "$(cluster_exec n2 hostname)"

conf=$CLUSTER_CONF
check_file_match "slurm.conf names the controller with its bridge address" \
    "^SlurmctldHost=ctl\($CLUSTER_CTLD_ADDR\)$" "$conf"
check_file_match "slurm.conf has the controller's port" "^SlurmctldPort=$CLUSTER_PORT$" "$conf"
check_file_match "slurm.conf has the slurmd port" "^SlurmdPort=7018$" "$conf"
check_file_match "slurm.conf gives every node its address, CPUs and memory" \
    "^NodeName=n\[1-3\] NodeAddr=$CLUSTER_SUBNET\.\[11-13\] CPUs=4 RealMemory=2000 State=UNKNOWN$" "$conf"
check_file_match "slurm.conf has the debug partition of all nodes" \
    "^PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP$" "$conf"
check_file_match "slurm.conf uses munge" "^AuthType=auth/munge$" "$conf"
check_eq "each slurmd writes its own log" 3 "$(ls "$CLUSTER_HOME"/log/slurmd-n[1-3].log | wc -l)"
check_eq "each slurmd has its own spool folder" "n1 n2 n3" "$(ls "$CLUSTER_HOME/spool" | tr '\n' ' ' | sed 's/ $//')"
check_eq "cluster_env prints the line for the clients" "export SLURM_CONF=$conf" "$(cluster_env)"

cluster_down
t_done
