#!/usr/bin/env bash
# An interactive job and its steps go through the real flurm-jobstore as
# docs/steps.md says: salloc's allocation (through the gateway, with the
# client's address), the scheduler's start, srun's job.ready, alloc_info
# and steps with their layout, a step signal, slurmstepd's step.complete,
# squeue -s's step.info; steps survive a restart; the allocation ends.
. "$(dirname "$0")/../../lib/testlib.sh"

CLIENT="$B/test/bin/storeclient"
RUN=$T_TMP/run
mkdir -p "$RUN" "$T_TMP/state"
cat >"$T_TMP/slurm.conf" <<EOF2
ClusterName=steps
SlurmctldHost=ctl(127.0.0.1)
StateSaveLocation=$T_TMP/state
NodeName=n[1-2] CPUs=2 RealMemory=1000
PartitionName=debug Nodes=n[1-2] Default=YES MaxTime=30
EOF2
t_show_on_fail "$T_TMP/store.log"
linked() { test "$(readlink "$RUN/ipc/store.req" 2>/dev/null)" = "store.$1.req"; }
start_store() {
    t_bg env SLURM_CONF="$T_TMP/slurm.conf" FLURM_RUNDIR="$RUN" FLURM_SERVICE=store \
        "$B/bin/flurm-jobstore" 2>>"$T_TMP/store.log"
    wait_for 10 "the store serving" linked "$T_PID" || t_fatal "the store did not start"
}
req() { "$CLIENT" --rundir "$RUN" request "$@"; }
alice='{"uid":1000,"gid":1000,"addr":"10.1.2.3"}'
bob='{"uid":1001,"gid":1001,"addr":"10.1.2.4"}'
NV=4294967294
step_req() { # tasks cpus min max dist [uid]
    echo "{\"step_id\":{\"job_id\":$job,\"step_id\":$NV,\"step_het_comp\":$NV},\"user_id\":${6:-1000},\"min_nodes\":$3,\"max_nodes\":$4,\"cpu_count\":$2,\"num_tasks\":$1,\"task_dist\":$5,\"plane_size\":65534,\"relative\":65534,\"cpu_freq_min\":$NV,\"cpu_freq_max\":$NV,\"cpu_freq_gov\":$NV,\"port\":33665,\"srun_pid\":77,\"host\":\"login1\",\"name\":\"hostname\"}"
}
now=$(date +%s)

start_store
reply=$(req job.allocate "{\"auth\":$alice,\"time\":$now,\"peer\":\"10.1.2.3\",\"msg\":{\"name\":\"sh\",\"min_nodes\":2,\"alloc_resp_port\":40001,\"other_port\":40002}}")
check_match "salloc gets a job id and no nodes yet" '"node_cnt":0' "$reply"
job=$(echo "$reply" | sed -n 's/.*"job_id":\([0-9]*\).*/\1/p')
check_match "srun's ready check of the pending job has only the prolog bit" '"return_code":4' \
    "$(req job.ready "{\"auth\":$alice,\"msg\":{\"job_id\":$job}}")"
alloc='{"nodes":"n[1-2]","hosts":[{"name":"n1","cores":"0-1","cpus":2,"mem":100},{"name":"n2","cores":"0-1","cpus":2,"mem":100}]}'
check_match "the scheduler starts it" "started.:...job_id.:$job," \
    "$(req job.start "{\"time\":$now,\"jobs\":[{\"job_id\":$job,\"alloc\":$alloc}]}")"
check_match "the node manager sees an interactive job and where salloc listens" \
    '"batch":false.*"resp_host":"10.1.2.3","alloc_resp_port":40001,"other_port":40002' \
    "$(req job.allocs '{}')"
check_match "ready is 7 now" '"return_code":7' \
    "$(req job.ready "{\"auth\":$alice,\"msg\":{\"job_id\":$job}}")"
check_match "alloc_info gives the nodes and CPU groups" \
    '"node_cnt":2,.*"node_list":"n\[1-2\]".*"num_cpu_groups":1' \
    "$(req job.alloc_info "{\"auth\":$alice,\"msg\":{\"job_id\":$job}}")"
check_match "srun -n4 gets step 0 laid out in blocks" \
    '"step_id":0,.*"tasks":\[\[0,1\],\[2,3\]\]' \
    "$(req step.create "{\"auth\":$alice,\"time\":$((now + 1)),\"msg\":$(step_req 4 4 2 2 8192)}")"
check_match "srun -n4 -m cyclic gets step 1 dealt round the nodes" \
    '"step_id":1,.*"tasks":\[\[0,2\],\[1,3\]\]' \
    "$(req step.create "{\"auth\":$alice,\"time\":$((now + 1)),\"msg\":$(step_req 4 4 2 2 1)}")"
check_match "five tasks on four CPUs are refused" '"code":2005' \
    "$(req step.create "{\"auth\":$alice,\"time\":$((now + 1)),\"msg\":$(step_req 5 5 2 2 8192)}")"
check_match "bob cannot create a step in alice's job" '"code":2002' \
    "$(req step.create "{\"auth\":$bob,\"time\":$((now + 1)),\"msg\":$(step_req 1 1 1 1 8192 1001)}")"
check_match "scancel -s USR1 $job.1 signals step 1 on its nodes only" \
    '"signals":\[."job_id":'$job',"step_id":1,"signal":10,"flags":0,"nodes":"n\[1-2\]"' \
    "$(req job.kill "{\"auth\":$alice,\"time\":$((now + 2)),\"msg\":{\"sjob_id\":\"$job.1\",\"signal\":10,\"flags\":0}}")"

t_stop "$T_PID"
start_store
check_match "a restarted store still lists both running steps" '"step_count":2' \
    "$(req step.info "{\"auth\":$alice,\"msg\":{\"step_id\":{\"job_id\":$job,\"step_id\":$NV,\"step_het_comp\":$NV}}}")"
done_step() { # step first last
    req step.complete "{\"auth\":{\"uid\":0,\"gid\":0},\"time\":$((now + 3)),\"msg\":{\"step_id\":{\"job_id\":$job,\"step_id\":$1,\"step_het_comp\":$NV},\"range_first\":$2,\"range_last\":$3,\"step_rc\":0}}"
}
check_match "slurmstepd of every node finishes step 0" '"finished":true' "$(done_step 0 0 1)"
check_match "squeue -s shows only step 1 now" '"step_count":1,.*"step_id":1,' \
    "$(req step.info "{\"auth\":$alice,\"msg\":{\"step_id\":{\"job_id\":$NV,\"step_id\":$NV,\"step_het_comp\":$NV}}}")"
check_match "the next step is 2" '"step_id":2,' \
    "$(req step.create "{\"auth\":$alice,\"time\":$((now + 4)),\"msg\":$(step_req 1 1 1 1 8192)}")"
check_match "bob cannot end alice's allocation" '"code":2010' \
    "$(req job.alloc_complete "{\"auth\":$bob,\"time\":$((now + 5)),\"msg\":{\"job_id\":$job,\"job_rc\":0}}")"
check_match "salloc ends its allocation" '"rc":0' \
    "$(req job.alloc_complete "{\"auth\":$alice,\"time\":$((now + 5)),\"msg\":{\"job_id\":$job,\"job_rc\":0}}")"
check_match "its steps ended with it" '"step_count":0' \
    "$(req step.info "{\"auth\":$alice,\"msg\":{\"step_id\":{\"job_id\":$job,\"step_id\":$NV,\"step_het_comp\":$NV}}}")"
check_match "it is COMPLETED and COMPLETING on both nodes" "\"job_id\":$job,.*\"completing\":\[\"n1\",\"n2\"\]" \
    "$(req job.allocs '{}')"
t_stop "$T_PID"
check_fails "the store stopped cleanly (no sanitizer report)" \
    grep -E "AddressSanitizer|LeakSanitizer|runtime error" "$T_TMP/store.log"
t_done
