#!/usr/bin/env bash
# A batch script runs on a slurmd of the cluster as SLURM runs it: its
# #SBATCH options apply, it sees SLURM's environment (SLURM_JOB_ID,
# SLURM_JOB_NODELIST, SLURM_JOB_NAME, SLURM_NTASKS, ...) in the submit
# directory, its output goes to slurm-%j.out there or where -o/-e say (%j %x
# %N %A %a expanded as slurmstepd expands them), squeue shows it R on its node
# while it runs, and `scontrol show job` records the outcome: COMPLETED and
# ExitCode=0:0, or FAILED, NonZeroExitCode and ExitCode=3:0 for `exit 3`,
# with StartTime, EndTime, NodeList and BatchHost.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/run/lib.sh"

run_cluster 2
W=$E2E_WORK

# ---- the environment and the default output file ------------------------------
cat >"$W/env.sh" <<'EOF'
#!/bin/bash
#SBATCH -J envjob
#SBATCH -n 2
#SBATCH -t 5
for v in SLURM_JOB_ID SLURM_JOBID SLURM_JOB_NAME SLURM_JOB_NODELIST SLURM_NODELIST \
    SLURM_NNODES SLURM_JOB_NUM_NODES SLURM_NTASKS SLURM_NPROCS SLURM_CPUS_ON_NODE \
    SLURM_JOB_CPUS_PER_NODE SLURM_JOB_PARTITION SLURM_SUBMIT_DIR SLURMD_NODENAME \
    SLURM_JOB_UID SLURM_JOB_USER SLURM_NODEID SLURM_CLUSTER_NAME; do
    echo "$v=${!v}"
done
echo "hostname=$(hostname)"
echo "pwd=$PWD"
echo "to stderr" >&2
touch "running.$SLURM_JOB_ID"
# The test looks at the running job, then lets it end.
while [ ! -e "go.$SLURM_JOB_ID" ]; do sleep 0.2; done
EOF
id=$(e2e_submit env.sh) || t_fatal "sbatch env.sh is accepted"
out="$W/slurm-$id.out"

check "the job starts: its script runs" wait_file 30 "$W/running.$id"
e2e_run squeue -h -j "$id" -o "%i %t %N %j"
check_eq "squeue shows the job R on n1 while it runs" "$id R n1 envjob" "$OUT"
check_eq "scontrol: JobState=RUNNING" RUNNING "$(job_state "$id")"
check_eq "scontrol: NodeList=n1" n1 "$(job_get "$id" NodeList)"
check_eq "scontrol: BatchHost=n1" n1 "$(job_get "$id" BatchHost)"
check_eq "scontrol: NumCPUs=2" 2 "$(job_get "$id" NumCPUs)"
check_eq "scontrol: Reason=None while running" None "$(job_get "$id" Reason)"
check_match "scontrol: StartTime is a time while running" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$(job_get "$id" StartTime)"

touch "$W/go.$id"
check "the job completes" wait_state 30 "$id" COMPLETED
check_eq "scontrol: ExitCode=0:0" 0:0 "$(job_get "$id" ExitCode)"
check_eq "scontrol: NodeList=n1 after the end" n1 "$(job_get "$id" NodeList)"
check_eq "scontrol: BatchHost=n1 after the end" n1 "$(job_get "$id" BatchHost)"
start=$(job_get "$id" StartTime)
end=$(job_get "$id" EndTime)
check_match "scontrol: StartTime is a time" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}$' "$start"
check_match "scontrol: EndTime is a time" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}$' "$end"
check "scontrol: EndTime is not before StartTime" test "$(date -d "$end" +%s)" -ge "$(date -d "$start" +%s)"

check "the default output file slurm-$id.out is in the submit directory" test -s "$out"
envline() { grep -m1 "^$1=" "$out" | cut -d= -f2-; }
check_eq "SLURM_JOB_ID is the job id" "$id" "$(envline SLURM_JOB_ID)"
check_eq "SLURM_JOBID is the job id" "$id" "$(envline SLURM_JOBID)"
check_eq "SLURM_JOB_NAME is the -J name" envjob "$(envline SLURM_JOB_NAME)"
check_eq "SLURM_JOB_NODELIST is n1" n1 "$(envline SLURM_JOB_NODELIST)"
check_eq "SLURM_NODELIST is n1" n1 "$(envline SLURM_NODELIST)"
check_eq "SLURM_NNODES is 1" 1 "$(envline SLURM_NNODES)"
check_eq "SLURM_JOB_NUM_NODES is 1" 1 "$(envline SLURM_JOB_NUM_NODES)"
check_eq "SLURM_NTASKS is the -n count" 2 "$(envline SLURM_NTASKS)"
check_eq "SLURM_NPROCS is the -n count" 2 "$(envline SLURM_NPROCS)"
check_eq "SLURM_CPUS_ON_NODE is 2" 2 "$(envline SLURM_CPUS_ON_NODE)"
check_eq "SLURM_JOB_CPUS_PER_NODE is 2" 2 "$(envline SLURM_JOB_CPUS_PER_NODE)"
check_eq "SLURM_JOB_PARTITION is the default partition" debug "$(envline SLURM_JOB_PARTITION)"
check_eq "SLURM_SUBMIT_DIR is where sbatch ran" "$W" "$(envline SLURM_SUBMIT_DIR)"
check_eq "SLURMD_NODENAME is the batch host" n1 "$(envline SLURMD_NODENAME)"
check_eq "SLURM_JOB_UID is the submitter's" 0 "$(envline SLURM_JOB_UID)"
check_eq "SLURM_JOB_USER is the submitter" root "$(envline SLURM_JOB_USER)"
check_eq "SLURM_NODEID of the batch script is 0" 0 "$(envline SLURM_NODEID)"
check_eq "SLURM_CLUSTER_NAME is ClusterName" flurm "$(envline SLURM_CLUSTER_NAME)"
check_eq "the script runs on n1 (its host name)" n1 "$(envline hostname)"
check_eq "the script runs in the submit directory" "$W" "$(envline pwd)"
check_file_match "stderr goes to the same file by default" '^to stderr$' "$out"

# ---- a failing script ------------------------------------------------------------
printf '#!/bin/bash\necho failing\nexit 3\n' >"$W/fail.sh"
fid=$(e2e_submit -J failjob fail.sh) || t_fatal "sbatch fail.sh is accepted"
check "a script that exits 3 ends FAILED" wait_state 30 "$fid" FAILED
check_eq "its ExitCode is 3:0" 3:0 "$(job_get "$fid" ExitCode)"
check_eq "its Reason is NonZeroExitCode" NonZeroExitCode "$(job_get "$fid" Reason)"
check_file_match "its output was written before it failed" '^failing$' "$W/slurm-$fid.out"

# ---- -o / -e patterns ---------------------------------------------------------------
cat >"$W/pat.sh" <<'EOF'
#!/bin/bash
#SBATCH -J patjob
#SBATCH -o out-%x-%j-%N.txt
#SBATCH -e err-%A-%a.txt
echo "out of $SLURM_JOB_ID"
echo "err of $SLURM_JOB_ID" >&2
EOF
pid=$(e2e_submit pat.sh) || t_fatal "sbatch pat.sh is accepted"
check "the -o/-e job completes" wait_state 30 "$pid" COMPLETED
pnode=$(job_get "$pid" BatchHost)
check_file_match "-o out-%x-%j-%N.txt: name, job id and node name expanded" "^out of $pid\$" "$W/out-patjob-$pid-$pnode.txt"
# Outside an array slurmstepd expands %A to the job id and %a to the task id
# slurmctld sends for "no array": NO_VAL, 4294967294.
check_file_match "-e err-%A-%a.txt outside an array: job id and 4294967294" "^err of $pid\$" "$W/err-$pid-4294967294.txt"
check_fails "with -o, no slurm-%j.out is written" test -e "$W/slurm-$pid.out"

cat >"$W/arr.sh" <<'EOF'
#!/bin/bash
#SBATCH -o arr-%A_%a.out
echo "job $SLURM_JOB_ID array $SLURM_ARRAY_JOB_ID task $SLURM_ARRAY_TASK_ID"
EOF
aid=$(e2e_submit --array=4-5 arr.sh) || t_fatal "sbatch --array=4-5 arr.sh is accepted"
check "array task 4 completes" wait_state 30 "${aid}_4" COMPLETED
check "array task 5 completes" wait_state 30 "${aid}_5" COMPLETED
t4=$(job_get "${aid}_4" JobId)
t5=$(job_get "${aid}_5" JobId)
check_file_match "-o arr-%A_%a.out of task 4: array id and task id" "^job $t4 array $aid task 4\$" "$W/arr-${aid}_4.out"
check_file_match "-o arr-%A_%a.out of task 5: array id and task id" "^job $t5 array $aid task 5\$" "$W/arr-${aid}_5.out"

t_done
