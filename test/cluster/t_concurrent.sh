#!/usr/bin/env bash
# Clusters brought up at the same moment by parallel runs get distinct ids,
# names and /24 subnets, and work side by side: each node answers on its own
# bridge, and a node of one cluster cannot reach the nodes of another.
. "$(dirname "$0")/../lib/testlib.sh"
LIB="$T_ROOT/test/lib/cluster.sh"
. "$LIB"

cluster_require
export CLUSTER_STOP_GRACE=1

for k in 1 2 3; do
    t_on_exit env CLUSTER_DIR="$T_TMP/c$k" bash "$LIB" down
done
pids=()
for k in 1 2 3; do
    CLUSTER_DIR="$T_TMP/c$k" bash "$LIB" up 2 >/dev/null 2>"$T_TMP/c$k.err" &
    pids+=($!)
done
for k in 1 2 3; do
    wait "${pids[k - 1]}"
    check_eq "parallel up number $k succeeds" 0 "$?" || t_note "$(cat "$T_TMP/c$k.err")"
done

ids=() subnets=()
for k in 1 2 3; do
    ids+=("$(sed -n 's/^CLUSTER_ID=//p' "$T_TMP/c$k/cluster.env")")
    subnets+=("$(sed -n 's/^CLUSTER_SUBNET=//p' "$T_TMP/c$k/cluster.env")")
done
check_eq "the three clusters have distinct ids" 3 "$(printf '%s\n' "${ids[@]}" | sort -u | grep -c .)"
check_eq "the three clusters have distinct subnets" 3 "$(printf '%s\n' "${subnets[@]}" | sort -u | grep -c .)"
namespaces=0
for id in "${ids[@]}"; do
    namespaces=$((namespaces + $(ip netns list | awk '{ print $1 }' | grep -cx "flurm-$id-n[12]")))
done
check_eq "there are six node namespaces" 6 "$namespaces"
for k in 1 2 3; do
    check_eq "cluster $k's bridge holds its controller address" "${subnets[k - 1]}.1/24" \
        "$(ip -4 -o addr show dev "flurm-${ids[k - 1]}" | awk '{ print $4 }')"
    check "the root namespace reaches n2 of cluster $k" \
        timeout 5 bash -c "exec 3<>/dev/tcp/${subnets[k - 1]}.12/6818"
done
check "n1 of cluster 1 reaches n2 of its own cluster" \
    ip netns exec "flurm-${ids[0]}-n1" timeout 5 bash -c "exec 3<>/dev/tcp/${subnets[0]}.12/6818"
check_fails "n1 of cluster 1 cannot reach n2 of cluster 2" \
    ip netns exec "flurm-${ids[0]}-n1" timeout 2 bash -c "exec 3<>/dev/tcp/${subnets[1]}.12/6818"

for k in 1 2 3; do
    CLUSTER_DIR="$T_TMP/c$k" bash "$LIB" down 2>/dev/null &
    pids[k - 1]=$!
done
for k in 1 2 3; do
    wait "${pids[k - 1]}"
    check_eq "parallel down number $k succeeds" 0 "$?"
done
for id in "${ids[@]}"; do
    check_eq "nothing of cluster $id is left" "" \
        "$(ip netns list | grep "^flurm-$id-"; ip -o link show | awk -F': ' '{ print $2 }' | grep -E "^flurm-$id(-|@|$)")"
done
t_done
