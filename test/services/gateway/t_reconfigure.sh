#!/usr/bin/env bash
# `scontrol reconfigure` makes every FLURM service re-read slurm.conf by a
# rolling reload under flurm-sup (store, nodes, sched, then the gateway,
# each new instance beside the old one): a node added to slurm.conf appears
# in sinfo, a removed one disappears, the pending job stays, and clients
# keep being answered.  FLURM only: slurmctld 22.05 needs a restart to add
# or remove nodes.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$T_ROOT/test/e2e/lib.sh"
[ "$E2E_TARGET" = flurm ] || t_skip "FLURM behaviour (slurmctld 22.05 cannot add nodes on reconfigure)"

e2e_write_conf "$T_TMP/c" fake
e2e_start
RUN="$T_TMP/c/flurm"

# name -> pid of every ready service, one "name pid" per line.
service_pids() {
    "${E2E_CLEAN_ENV[@]}" "$B/bin/flurm-sup" status -r "$RUN" 2>/dev/null |
        awk '$2 == "service" && $3 == "ready" { print $1, $4 }'
}
nodes_listed() {
    e2e_run sinfo -h -N -o %N
    sort -u <<<"$OUT" | tr '\n' ' '
}

job=$(e2e_submit -p debug --wrap "sleep 100")
check "a job is submitted (pending: no slurmd)" test -n "$job"
before=$(service_pids)
check_eq "four services run" 4 "$(wc -l <<<"$before")"
check_eq "nodes before" "big1 n1 n2 n3 " "$(nodes_listed)"

# ---- add a node ---------------------------------------------------------------
sed -i 's/^PartitionName=debug Nodes=n\[1-3\]/PartitionName=debug Nodes=n[1-4]/' "$E2E_CONF"
echo "NodeName=n4 NodeAddr=127.0.0.1 CPUs=4 Sockets=1 CoresPerSocket=4 ThreadsPerCore=1 RealMemory=8000 State=UNKNOWN" >>"$E2E_CONF"
e2e_run scontrol reconfigure
check_eq "scontrol reconfigure exits 0" 0 "$RC"
check_eq "scontrol reconfigure prints nothing" "" "$OUT$ERR"
check_eq "n4 appears in sinfo" "big1 n1 n2 n3 n4 " "$(nodes_listed)"
e2e_run sinfo -h -p debug -o %N
check_eq "n4 is in partition debug" "n[1-4]" "$OUT"
gateway_pid() {
    service_pids | awk '$1 == "gateway" { print $2 }'
}
old_gateway=$(awk '$1 == "gateway" { print $2 }' <<<"$before")
gateway_replaced() {
    local pid
    pid=$(gateway_pid)
    [ -n "$pid" ] && [ "$pid" != "$old_gateway" ]
}
wait_for 30 "the gateway reloads itself after answering" gateway_replaced
wait_for 40 "the old gateway drains and exits" sh -c "! kill -0 $old_gateway 2>/dev/null"
after=$(service_pids)
for svc in store nodes sched gateway; do
    old=$(awk -v s=$svc '$1 == s { print $2 }' <<<"$before")
    new=$(awk -v s=$svc '$1 == s { print $2 }' <<<"$after")
    check_ne "$svc was reloaded (new pid)" "$old" "$new"
done
e2e_run squeue -h -j "$job" -o "%i %T"
check_eq "the pending job stays" "$job PENDING" "$OUT"

# ---- remove a node ------------------------------------------------------------
sed -i -e '/^NodeName=big1 /d' -e 's/^PartitionName=long Nodes=n\[1-3\],big1/PartitionName=long Nodes=n[1-3]/' "$E2E_CONF"
e2e_run scontrol reconfigure
check_eq "second reconfigure exits 0" 0 "$RC"
check_eq "big1 disappears from sinfo" "n1 n2 n3 n4 " "$(nodes_listed)"
e2e_run squeue -h -j "$job" -o "%i %T"
check_eq "the pending job still stays" "$job PENDING" "$OUT"
e2e_run scontrol show config
check_match "the new gateway serves the same cluster" "ClusterName += e2e" "$OUT"
check_match "and reads the file clients read" "HASH_VAL += Match" "$OUT"
t_done
