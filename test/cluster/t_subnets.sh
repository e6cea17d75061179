#!/usr/bin/env bash
# A cluster never takes a /24 that an address or a route of the machine
# already covers: with CLUSTER_NET=10.215, an address on 10.215.0.0/17 and
# routes covering 10.215.128.0-253.255, the only /24 left is 10.215.254, and
# once that is routed too, cluster_up refuses with the reason.  CLUSTER_NET
# must be a private range.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/lib/cluster.sh"

cluster_require
export CLUSTER_STOP_GRACE=1
export CLUSTER_NET=10.215

if ip -4 -o addr show | grep -q ' 10\.215\.' || ip -4 route show table all | grep -q '10\.215\.'; then
    t_skip "this machine already uses 10.215.0.0/16: the test needs it for itself"
fi
holder=flt$$
t_on_exit ip link del "$holder"
if ! ip link add "$holder" type bridge || ! ip addr add 10.215.0.1/17 dev "$holder"; then
    t_fatal "a bridge with 10.215.0.1/17 is created"
fi
for route in 10.215.128.0/18 10.215.192.0/19 10.215.224.0/20 10.215.240.0/21 \
    10.215.248.0/22 10.215.252.0/23; do
    t_on_exit ip route del unreachable "$route"
    ip route add unreachable "$route" || t_fatal "a route to $route is added"
done

cluster_up 1 || t_fatal "cluster_up 1 with CLUSTER_NET=10.215: $CLUSTER_ERROR"
check_eq "the cluster takes the only /24 nothing covers" 10.215.254 "$CLUSTER_SUBNET"
check_eq "its id is its slot" c254 "$CLUSTER_ID"
check_eq "n1 has the address .11 of that /24" "10.215.254.11/24" \
    "$(ip -n "flurm-$CLUSTER_ID-n1" -4 -o addr show dev eth0 | awk '{ print $4 }')"
cluster_down

t_on_exit ip route del unreachable 10.215.254.0/24
ip route add unreachable 10.215.254.0/24 || t_fatal "a route to 10.215.254.0/24 is added"
cluster_up 1 2>/dev/null
check_eq "with every /24 covered, cluster_up fails" 1 "$?"
check_match "and says why" "no free /24 left in 10\.215\.0\.0/16" "$CLUSTER_ERROR"

for net in 8.8 11.1 172.32 192.169 10.256 10; do
    CLUSTER_NET=$net cluster_up 1 2>/dev/null
    check_eq "CLUSTER_NET=$net (not a private /16) is refused" 1 "$?"
done
check_match "the refusal says why" "must be the first two numbers of a private /16" "$CLUSTER_ERROR"
t_done
