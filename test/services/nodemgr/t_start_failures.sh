#!/usr/bin/env bash
# Start-up failures tell the supervisor what to do: a slurm.conf that cannot
# be used is permanent (exit 100, do not restart); a store that does not
# answer is temporary (exit 111, try again later), because serving without
# the stored drain/down states would put drained nodes back in service.
# A SIGTERM while waiting for the store is an ordinary stop.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/nmlib.sh"

run_nm() { # CONF -> exit status
    env FLURM_RUNDIR="$RUN" SLURM_CONF="$1" FLURM_NODEMGR_STORE_TIMEOUT_MS=500 \
        timeout 20 "$NM" 2>>"$NM_LOG"
}

printf 'ClusterName=x\nSlurmctldHost=h\nNodeName=a[1-\n' >"$T_TMP/broken.conf"
run_nm "$T_TMP/broken.conf"
check_eq "a broken slurm.conf is a permanent failure" 100 "$?"
check_file_match "and says why" "cannot use slurm.conf: .*broken.conf" "$NM_LOG"
run_nm "$T_TMP/missing.conf"
check_eq "a missing slurm.conf too" 100 "$?"

nm_conf
store_start --silent || t_fatal "a silent store starts"
run_nm "$SLURM_CONF"
check_eq "a store that never answers is a temporary failure" 111 "$?"
check_file_match "and is named in the log" "node.state_list: no answer from the store" "$NM_LOG"
check_fails "nothing was left serving" test -e "$RUN/ipc/nodes.req"

env FLURM_RUNDIR="$RUN" SLURM_CONF="$SLURM_CONF" FLURM_NODEMGR_STORE_TIMEOUT_MS=30000 \
    "$NM" 2>>"$NM_LOG" &
pid=$!
sleep 0.3
kill -TERM "$pid"
wait "$pid"
check_eq "SIGTERM while waiting for the store is a clean exit" 0 "$?"
nm_check_logs
t_done
