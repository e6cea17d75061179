#!/usr/bin/env bash
# conf/flurm-sup.json, the production tree, is a valid configuration: run
# with stand-in executables (FLURM_BINDIR), it starts store, nodes, sched
# and gateway in that order, and only the gateway gets the SLURM socket.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

conf="$T_ROOT/conf/flurm-sup.json"
mkdir -p "$T_TMP/bin"
for exe in $(grep -o '"exec": *"[^"]*"' "$conf" | sed 's/.*"\([^"]*\)"$/\1/'); do
    printf '#!/bin/sh\necho stub-%s >&3\nexec sleep 1000\n' "$exe" >"$T_TMP/bin/$exe"
    chmod +x "$T_TMP/bin/$exe"
done
export FLURM_BINDIR="$T_TMP/bin"
port=$(t_free_port) || t_fatal "no free TCP port"
printf 'ClusterName=test\nSlurmctldHost=localhost\nSlurmctldPort=%s\n' "$port" >"$T_TMP/slurm.conf"
export SLURM_CONF="$T_TMP/slurm.conf"

check "flurm-sup check accepts it" "$SUP" check -c "$conf"
sup_start "$conf" || t_fatal "flurm-sup did not start the production tree"
order=$(grep -oE "(store|nodes|sched|gateway): started pid" "$LOG" | cut -d: -f1 | tr '\n' ' ')
check_eq "services start in dependency order" "store nodes sched gateway " "$order"
for s in store nodes sched gateway; do
    check_eq "$s is ready" ready "$(svc_field "$s" state)"
done
check "the gateway has the listening socket" \
    grep -qzx "FLURM_LISTEN_FD=4" "/proc/$(svc_field gateway pid)/environ"
check_fails "the store does not" grep -qz "^FLURM_LISTEN_FD=" "/proc/$(svc_field store pid)/environ"
check "the SLURM port accepts connections" eval "exec 3<>/dev/tcp/127.0.0.1/$port"
check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"
check "no process of the tree is left" no_run_procs
t_done
