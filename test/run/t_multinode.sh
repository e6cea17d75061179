#!/usr/bin/env bash
# A job may span nodes: -N2 gets both nodes of a two-node cluster (its
# script sees SLURM_JOB_NODELIST=n[1-2] and SLURM_NNODES=2; with cons_tres
# it holds one CPU of each, so both nodes are mixed while it runs), and -n3
# on 2-CPU nodes needs two nodes too.  A job no node of the cluster can ever
# hold (-N1 -n3, --mem over RealMemory, -w of an unknown node) is refused at
# submit with slurmctld's error text; one over the partition's size (-N3)
# is accepted (EnforcePartLimits=NO, the default) and pends with
# PartitionNodeLimit; a job asking for more than is free pends with
# Reason=Resources and runs once the resources are freed.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/run/lib.sh"

run_cluster 2
W=$E2E_WORK

cat >"$W/wide.sh" <<'EOF'
#!/bin/bash
echo "nodelist=$SLURM_JOB_NODELIST"
echo "nnodes=$SLURM_NNODES"
echo "ntasks=$SLURM_NTASKS"
echo "cpus_per_node=$SLURM_JOB_CPUS_PER_NODE"
echo "host=$(hostname)"
touch "running.$SLURM_JOB_ID"
while [ ! -e "go.$SLURM_JOB_ID" ]; do sleep 0.2; done
EOF

# ---- -N2 -----------------------------------------------------------------------
id=$(e2e_submit -N2 -J wide wide.sh) || t_fatal "sbatch -N2 is accepted"
check "the -N2 job starts" wait_file 30 "$W/running.$id"
e2e_run squeue -h -j "$id" -o "%t %D %N"
check_eq "squeue: R on 2 nodes n[1-2]" "R 2 n[1-2]" "$OUT"
check_eq "scontrol: NodeList=n[1-2]" "n[1-2]" "$(job_get "$id" NodeList)"
check_eq "scontrol: NumNodes=2" 2 "$(job_get "$id" NumNodes)"
check_eq "scontrol: BatchHost is the first node" n1 "$(job_get "$id" BatchHost)"
e2e_run sinfo -h -N -o "%N %t"
check_eq "sinfo: both nodes are mixed (one CPU of each is held)" "n1 mix
n2 mix" "$OUT"

# ---- more than any node has: refused; more than the partition has: pends ------------
e2e_run sbatch -N1 -n3 --wrap "true"
check_eq "sbatch -N1 -n3 on 2-CPU nodes exits 1" 1 "$RC"
check_eq "sbatch -N1 -n3 on 2-CPU nodes: slurmctld's error text" \
    "sbatch: error: Batch job submission failed: Requested node configuration is not available" "$ERR"
e2e_run sbatch --mem=2000 --wrap "true"
check_eq "sbatch --mem=2000 on 1000 MB nodes exits 1" 1 "$RC"
check_eq "sbatch --mem=2000 on 1000 MB nodes: slurmctld's error text" \
    "sbatch: error: Memory specification can not be satisfied
sbatch: error: Batch job submission failed: Requested node configuration is not available" "$ERR"
e2e_run sbatch -w n3 --wrap "true"
check_eq "sbatch -w n3 (no such node) exits 1" 1 "$RC"
check_eq "sbatch -w n3: slurmctld's error text" \
    "sbatch: error: Batch job submission failed: Invalid node name specified" "$ERR"
e2e_run squeue -h -o %i
check_eq "no refused job is left in the queue" "$id" "$OUT"
bid=$(e2e_submit -N3 --wrap "true") || t_fatal "sbatch -N3 on two nodes is accepted (EnforcePartLimits=NO)"
big_reason_is() { [ "$(job_get "$bid" Reason)" = PartitionNodeLimit ]; }
check "the -N3 job pends with Reason=PartitionNodeLimit" poll 15 "Reason=PartitionNodeLimit" big_reason_is
check_eq "the -N3 job is PENDING" PENDING "$(job_state "$bid")"

# ---- more than is free: pends on Resources, runs when they are freed ----------------
cat >"$W/after.sh" <<'EOF'
#!/bin/bash
echo "nodelist=$SLURM_JOB_NODELIST"
EOF
wid=$(e2e_submit -n3 after.sh) || t_fatal "sbatch -n3 is accepted"
reason_is() { [ "$(job_get "$wid" Reason)" = "$1" ]; }
check "the -n3 job pends with Reason=Resources while -N2 runs" poll 15 "Reason=Resources" reason_is Resources
check_eq "it is PENDING" PENDING "$(job_state "$wid")"

touch "$W/go.$id"
check "the -N2 job completes" wait_state 30 "$id" COMPLETED
check "the -n3 job then runs and completes" wait_state 30 "$wid" COMPLETED
check_eq "the -n3 job needed both nodes" "n[1-2]" "$(job_get "$wid" NodeList)"
check_eq "the -n3 job: NumCPUs=3" 3 "$(job_get "$wid" NumCPUs)"
check "it started after the -N2 job ended" test \
    "$(date -d "$(job_get "$wid" StartTime)" +%s)" -ge "$(date -d "$(job_get "$id" EndTime)" +%s)"

out=$W/slurm-$id.out
check_file_match "the script sees SLURM_JOB_NODELIST=n[1-2]" '^nodelist=n\[1-2\]$' "$out"
check_file_match "the script sees SLURM_NNODES=2" '^nnodes=2$' "$out"
check_file_match "the script sees SLURM_JOB_CPUS_PER_NODE=1(x2)" '^cpus_per_node=1\(x2\)$' "$out"
check_file_match "the script runs on the first node" '^host=n1$' "$out"
check_file_match "the -n3 job's script sees n[1-2]" '^nodelist=n\[1-2\]$' "$W/slurm-$wid.out"
check_eq "the -N3 job is still PENDING on PartitionNodeLimit with both nodes free" \
    "PENDING PartitionNodeLimit" "$(job_state "$bid") $(job_get "$bid" Reason)"

t_done
