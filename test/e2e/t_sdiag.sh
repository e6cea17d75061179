#!/usr/bin/env bash
# sdiag reports counters that follow what clients did: jobs submitted
# (array tasks counted one by one) and cancelled, per-RPC counts of
# REQUEST_SUBMIT_BATCH_JOB and REQUEST_KILL_JOB, per-user RPC counts; only
# an administrator may reset them (sdiag -r), after which they restart
# from zero.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib.sh"

e2e_write_conf "$T_TMP/c" fake
e2e_users
e2e_start

SDIAG=""
take() { e2e_run sdiag; SDIAG=$OUT; }
stat() { # "Jobs submitted" -> its number
    awk -v k="$1:" 'index($0, k) == 1 { print $NF; exit }' <<<"$SDIAG"
}
rpc() { # message type number -> its count (0 when not listed)
    local n
    n=$(grep -E "^[[:space:]]+[A-Z_]+ +\\( *$1\\) count:" <<<"$SDIAG" | sed -E 's/.*count:([0-9]+).*/\1/')
    echo "${n:-0}"
}
user_rpc() { # user name -> its RPC count (0 when not listed)
    local n
    n=$(grep -E "^[[:space:]]+$1 +\\( *[0-9]+\\) count:" <<<"$SDIAG" | sed -E 's/.*count:([0-9]+).*/\1/')
    echo "${n:-0}"
}

take
check_eq "sdiag exits 0" 0 "$RC"
check_match "sdiag: the banner and the time of the report" \
    $'^\\*+\nsdiag output at .+ \\([0-9]+\\)\nData since +.+ \\([0-9]+\\)\n\\*+\n' "$SDIAG"
for label in "Server thread count" "Jobs submitted" "Jobs started" "Jobs completed" "Jobs canceled" \
    "Jobs failed" "Jobs pending" "Jobs running"; do
    check_match "sdiag reports '$label'" '^[0-9]+$' "$(stat "$label")"
done
check_match "sdiag lists RPC statistics by message type" \
    $'\nRemote Procedure Call statistics by message type\n' "$SDIAG"
check_match "sdiag lists RPC statistics by user" $'\nRemote Procedure Call statistics by user\n' "$SDIAG"
submitted0=$(stat "Jobs submitted") canceled0=$(stat "Jobs canceled")
submit_rpc0=$(rpc 4003) kill_rpc0=$(rpc 5032) user0=$(user_rpc "$E2E_USER1")

e2e_submit --wrap true >/dev/null
last=$(e2e_submit --wrap true)
e2e_submit --array=1-3 --wrap true >/dev/null
take
check_eq "Jobs submitted: +5 after two jobs and a 3-task array" $((submitted0 + 5)) "$(stat "Jobs submitted")"
check_eq "REQUEST_SUBMIT_BATCH_JOB (4003): +3 RPCs" $((submit_rpc0 + 3)) "$(rpc 4003)"
check_eq "Jobs canceled: unchanged so far" "$canceled0" "$(stat "Jobs canceled")"

e2e_run scancel "$last"
take
check_eq "Jobs canceled: +1 after scancel" $((canceled0 + 1)) "$(stat "Jobs canceled")"
check_eq "REQUEST_KILL_JOB (5032): +1 RPC" $((kill_rpc0 + 1)) "$(rpc 5032)"
check_eq "Jobs started: none (no node ever registered)" 0 "$(stat "Jobs started")"

# squeue sends REQUEST_JOB_INFO and REQUEST_PARTITION_INFO.
e2e_as "$E2E_USER1" squeue
e2e_as "$E2E_USER1" squeue
take
check_eq "RPCs by user: $E2E_USER1 +4 after two squeue" $((user0 + 4)) "$(user_rpc "$E2E_USER1")"
check_match "RPCs by user: the line names user and uid" \
    "$E2E_USER1 +\\( *$(id -u "$E2E_USER1")\\) count:[0-9]+ +ave_time:[0-9]+ +total_time:[0-9]+" "$SDIAG"

# ---- reset --------------------------------------------------------------------------
e2e_as "$E2E_USER1" sdiag -r
check_eq "a user may not reset the statistics" "255 slurm_reset_statistics: Access/permission denied" "$RC $ERR"
take
check_eq "which are unchanged" $((submitted0 + 5)) "$(stat "Jobs submitted")"
e2e_run sdiag -r
check_eq "root resets them" "0 Reset scheduling statistics" "$RC $OUT"
take
check_eq "Jobs submitted restarts from 0" 0 "$(stat "Jobs submitted")"
check_eq "Jobs canceled restarts from 0" 0 "$(stat "Jobs canceled")"
t_done
