#!/usr/bin/env bash
# With Debian's real slurmctld as controller, a two-node test cluster is two
# hosts: both slurmd register (sinfo shows n1 and n2 idle), `srun -N2
# hostname` runs once on each node and prints n1 and n2, and cluster_down
# then leaves no namespace, veth, bridge or process behind.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/lib/cluster.sh"

cluster_require
for c in sinfo srun scontrol; do
    command -v "$c" >/dev/null 2>&1 || t_skip "the SLURM client '$c' is not installed (scripts/setup installs slurm-client)"
done

# scripts/setup leaves slurmctld out (FLURM replaces it): a test comparing
# with it installs it, as ../shared/tools/slurm-lab.sh does, but only the one
# package, and waits for the dpkg lock that another such test may hold.
install_slurmctld() {
    [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
    for _ in 1 2 3; do
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=120 \
            slurmctld </dev/null >>"$T_TMP/apt.log" 2>&1 && return 0
        DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=120 \
            </dev/null >>"$T_TMP/apt.log" 2>&1
        sleep 2
    done
    return 1
}
if [ ! -x /usr/sbin/slurmctld ] && ! install_slurmctld; then
    t_skip "slurmctld is not installed and apt-get could not install it: $(tail -n 1 "$T_TMP/apt.log" 2>/dev/null)"
fi

# The caller's SLURM environment (an allocation, SINFO_FORMAT, ...) would
# change what the clients do.
while IFS= read -r var; do
    case $var in SLURM_* | SRUN_* | SINFO_* | SCONTROL_*) unset "$var" ;; esac
done < <(compgen -e)

cluster_up 2 || t_fatal "cluster_up 2 brings up two nodes: $CLUSTER_ERROR"
t_show_on_fail "$CLUSTER_HOME/log/slurmctld.log" "$CLUSTER_HOME/log/slurmctld.out" \
    "$CLUSTER_HOME/log/slurmd-n1.log" "$CLUSTER_HOME/log/slurmd-n2.log"
id=$CLUSTER_ID
eval "$(cluster_env)"
check_eq "cluster_env points the clients at the cluster's slurm.conf" "$CLUSTER_CONF" "$SLURM_CONF"

# The controller runs in the root namespace and listens on the bridge.
t_bg env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="${HOME:-/root}" \
    /usr/sbin/slurmctld -D -c -f "$CLUSTER_CONF" </dev/null >"$CLUSTER_HOME/log/slurmctld.out" 2>&1
ctld=$T_PID
ping_up() { timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; }
wait_for 30 "slurmctld to answer scontrol ping" ping_up ||
    t_fatal "slurmctld answers on $CLUSTER_CTLD_ADDR:$CLUSTER_PORT"

check "both slurmd register and their nodes become idle" cluster_wait_idle 30
check_eq "sinfo shows n1 and n2 idle" "n1 idle
n2 idle" "$(timeout 10 sinfo -h -N -o '%N %t' 2>&1 | sort)"
check_eq "slurmctld knows each node by its own address" \
    "n1 $CLUSTER_SUBNET.11
n2 $CLUSTER_SUBNET.12" "$(timeout 10 sinfo -h -N -o '%N %o' 2>&1 | sort)"

out=$(cd "$T_TMP" && timeout 30 srun -N2 hostname 2>&1)
check_eq "srun -N2 hostname runs on both nodes and prints n1 and n2" "n1
n2" "$(sort <<<"$out")"

running() { # a zombie is not running: only its parent has not reaped it yet
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [ "$state" != Z ]
}

# Everything that runs in the cluster's namespaces now (slurmd, and
# whatever a job left), to be checked after the teardown.
pids=()
for ns in $(ip netns list | awk -v p="^flurm-$id-" '$1 ~ p { print $1 }'); do
    mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns")
done
check_ne "processes run in the namespaces before cluster_down" 0 "${#pids[@]}"

cluster_down
check_eq "no namespace of the cluster is left" "" "$(ip netns list | grep "^flurm-$id-")"
check_eq "no bridge or veth of the cluster is left" "" \
    "$(ip -o link show | awk -F': ' '{ print $2 }' | grep "^flurm-$id\(-\|@\|$\)")"
alive=()
for pid in "${pids[@]}"; do
    running "$pid" && alive+=("$pid $(cat "/proc/$pid/comm" 2>/dev/null)")
done
check_eq "no process of the namespaces is left" "" "${alive[*]}"
check_fails "the cluster is no longer registered" test -e "/run/flurm-cluster/$id"
check "a second cluster_down is harmless" cluster_down
t_stop "$ctld" 10
t_done
