#!/usr/bin/env bash
# The generic path: a routed RPC is decoded, sent as record JSON to its
# service (with the munge identity, never the body's), and the service's
# JSON answer is packed into the SLURM reply: a record, a return code, or an
# error code the client prints.  A service that does not answer leaves the
# request pending: it is answered by the next instance if one comes up, or
# with EAGAIN when the RPC timeout passes.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/gwlib.sh"
gw_need_munge
gw_need_clients
gw_conf
gw_start --rpc-timeout 3000 || t_fatal "the gateway did not start"
VEC=test/vectors/slurm-22.05

"$GWC" --decode "$VEC/scontrol_show_job/004-s2c-RESPONSE_JOB_INFO.hex" >"$T_TMP/job7.json" ||
    t_fatal "cannot decode the captured job"
"$GWC" --decode "$VEC/sbatch_script/002-s2c-RESPONSE_SUBMIT_BATCH_JOB.hex" >"$T_TMP/submit.json" ||
    t_fatal "cannot decode the captured submit reply"

# store NAME ARGS...: a fake "store" instance; its requests go to
# $T_TMP/NAME.out, its pid to STORE_PID.
store() {
    local name=$1
    shift
    : >"$T_TMP/$name.out"
    t_bg "$GWC" --serve store --rundir "$RUN" "$@" >"$T_TMP/$name.out" 2>>"$T_TMP/store.log"
    STORE_PID=$T_PID
    wait_for 5 "store $name is ready" grep -q "serving ipc://.*store.$STORE_PID.req" \
        "$T_TMP/store.log"
}
t_show_on_fail "$T_TMP/store.log"

store one --reply-file "$T_TMP/job7.json"
check_match "scontrol show job: the record the service sent, as the client prints it" \
    "JobId=7 JobName=longrun" "$(scontrol show job 7 2>&1)"
check_file_match "the service got job.info_single with the record's JSON" \
    '"type":"job.info_single"' "$T_TMP/one.out"
check_file_match "and the job id from the body" '"msg":\{"job_id":7,' "$T_TMP/one.out"
# the requester's host as slurmctld names it (AllocNode): munge's origin
# address resolved, cut at the first dot
lo_host=$(getent hosts 127.0.0.1 | awk '{ print $2; exit }')
lo_host=${lo_host%%.*}
check_file_match "and the identity munge vouched for, with the host's short name" \
    "\"auth\":\\{\"addr\":\"127.0.0.1\",\"gid\":0,\"host\":\"${lo_host:-127.0.0.1}\",\"uid\":0\\}" \
    "$T_TMP/one.out"
check_file_match "and the protocol version" '"proto":9728' "$T_TMP/one.out"
squeue >"$T_TMP/squeue.txt" 2>/dev/null
check_file_match "squeue lists the job" "^ +7 +debug +longrun +root +R" "$T_TMP/squeue.txt"
t_stop "$STORE_PID"

store two --reply-file "$T_TMP/submit.json"
check_eq "sbatch --wrap: the job id the service chose" "Submitted batch job 2" \
    "$(sbatch --wrap true 2>&1)"
{
    echo '#!/bin/sh'
    head -c 2000000 /dev/zero | tr '\0' 'x' | fold -w 100 | sed 's/^/# /'
} >"$T_TMP/big.sh"
check_eq "sbatch with a 2 MB script (a frame read in pieces)" "Submitted batch job 2" \
    "$(sbatch "$T_TMP/big.sh" 2>&1)"
check "the whole script reached the service" \
    test "$(tail -n 1 "$T_TMP/two.out" | wc -c)" -gt 2000000
t_stop "$STORE_PID"

store three --reply-error 2017
check_eq "an error code from the service reaches the client" \
    "slurm_load_jobs error: Invalid job id specified" "$(scontrol show job 99 2>&1)"
t_stop "$STORE_PID"

printf '{"rc": 0}\n' >"$T_TMP/rc0.json"
store four --reply-file "$T_TMP/rc0.json"
check "a return-code answer: scancel succeeds" scancel 5
check_file_match "scancel's job.kill carried the job id string" '"sjob_id":"5"' "$T_TMP/four.out"
t_stop "$STORE_PID"

# A service that takes requests and never answers, like one stuck or dying.
store five --no-reply
start=$(date +%s%N)
out=$(squeue 2>&1)
ms=$((($(date +%s%N) - start) / 1000000))
check_eq "a silent service: EAGAIN after the RPC timeout" \
    "slurm_load_jobs error: Resource temporarily unavailable" "$out"
check "after about 3 s (${ms} ms)" test "$ms" -ge 2800 -a "$ms" -lt 8000
check_file_match "logged" "service store did not answer job.info" "$GWLOG"

# The same, but a new instance comes up while the request waits: the request
# moves to it and is answered.
scontrol show job 7 >"$T_TMP/moved.txt" 2>&1 &
client=$!
wait_for 5 "the silent instance took the request" grep -q job.info_single "$T_TMP/five.out"
old=$STORE_PID
store six --reply-file "$T_TMP/job7.json"
kill -TERM "$old"
wait "$client"
check_file_match "a request in flight across a service reload is answered by the new instance" \
    "JobId=7 JobName=longrun" "$T_TMP/moved.txt"
check_file_match "the new instance got it" '"type":"job.info_single"' "$T_TMP/six.out"

check "the gateway still answers a ping" gw_ping
gw_stop
t_done
