#!/usr/bin/env bash
# flurm-scheduler keeps the store's pending reasons what slurmctld would
# show, and reacts within a bounded time: to a submission (before it, the
# store says "Priority"), to nodes registering, to a drain; held jobs and
# partition limits keep their own reasons; once settled it sends nothing
# more to the store.  The real store and node manager, no gateway.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/schedlib.sh"

NODES_DOWN="Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions"
SCHED_INTERVAL_MS=300 # a pass at least every 0.3 s: settling must not depend on events
sched_conf
store_up || t_fatal "the store starts"
nodes_up || t_fatal "the node manager starts"
sched_up || t_fatal "the scheduler starts"

# ---- no node ever registered ----------------------------------------------------
a=$(submit)
check "the scheduler words the first job's reason within 2 s" \
    wait_for 2 "job $a's reason" reason_is "$a" "3|$NODES_DOWN"
b=$(submit)
check "the second keeps what select_nodes says at submission" \
    wait_for 2 "job $b's reason" reason_is "$b" "15|ReqNodeNotAvail, UnavailableNodes:n[1-2]"
c=$(submit '{"partition":"small","time_limit":60}')
check "over the partition's MaxTime: PartitionTimeLimit" \
    wait_for 2 "job $c's reason" reason_is "$c" "5|"
h=$(submit '{"priority":0}')
check_eq "a held job keeps JobHeldUser" "16|" "$(reason_of "$h")"
d=$(submit '{"dependency":"afterok:'"$a"'"}')
check "afterok on a pending job: Dependency" \
    wait_for 2 "job $d's reason" reason_is "$d" "2|"
u=$(submit '{"dependency":"afterok:99999"}')
check "afterok on a job that does not exist is lifted" \
    wait_for 2 "job $u's reason" reason_is "$u" "15|ReqNodeNotAvail, UnavailableNodes:n[1-2]"
check_eq "the priorities stay the store's (priority/basic)" \
    "$((0xffff0000 - 1))" "$(job_field "$a" .priority)"

# ---- settled: nothing more to send --------------------------------------------
sleep 0.5
sent() { grep -cE "pass [0-9]+: .*, [1-9][0-9]* to update" "$SCHED_LOG"; }
before=$(sent)
sleep 1.5
check "passes keep running" test "$(grep -c "pending jobs decided" "$SCHED_LOG")" -gt 5
check_eq "but a settled picture sends no job.sched_update" "$before" "$(sent)"

# ---- nodes register: jobs start (select/linear: a node each) --------------
check "n1 registers" register n1
check "n2 registers" register n2
check "job $a starts: RUNNING, reason None" \
    wait_for 2 "job $a to run" reason_is "$a" "0|"
check_eq "job $a is RUNNING" 1 "$(job_field "$a" .job_state)"
check "so does job $b, on the other node" \
    wait_for 2 "job $b to run" reason_is "$b" "0|"
check "job $u, with both nodes taken: Resources" \
    wait_for 2 "job $u's reason" reason_is "$u" "3|"
check_eq "the held job is untouched" "16|" "$(reason_of "$h")"
check_eq "and so is the limit" "5|" "$(reason_of "$c")"

# ---- a drain -----------------------------------------------------------------
check_eq "both nodes are drained" '{"rc":0}' \
    "$(node_update '{"node_names":"n[1-2]","node_state":512,"reason":"maint"}')"
check "the first waiting job of debug has no node left, within 2 s" \
    wait_for 2 "job $u's reason" reason_is "$u" "3|$NODES_DOWN"
check_eq "the running jobs keep running" "1 1" \
    "$(job_field "$a" .job_state) $(job_field "$b" .job_state)"
check_eq "n2 is undrained" '{"rc":0}' "$(node_update '{"node_names":"n2","node_state":64}')"
check "n2 registers again" register n2
check "job $u finds n2 taken: Resources" wait_for 2 "job $u's reason" reason_is "$u" "3|"

# ---- a released hold is decided again ----------------------------------------
check_match "the hold is released" '"rc":0' \
    "$("$B/test/bin/storeclient" --rundir "$RUN" request job.update \
        "{\"auth\":{\"uid\":0,\"gid\":0},\"msg\":{\"job_id\":$h,\"priority\":4294967295}}")"
check "the released job waits behind job $u: Priority" \
    wait_for 2 "job $h's reason" reason_is "$h" "1|"

sched_check_logs
t_done
