#!/usr/bin/env bash
# `scontrol reconfigure` is for root and SlurmUser only: anyone else gets
# ESLURM_USER_ID_MISSING as from slurmctld ("Invalid user id") and nothing
# is reloaded.  Runs against the real slurmctld too (E2E_TARGET=slurmctld).
. "$(dirname "$0")/../../lib/testlib.sh"
. "$T_ROOT/test/e2e/lib.sh"
e2e_users

e2e_write_conf "$T_TMP/c" fake
e2e_start

service_pids() {
    [ "$E2E_TARGET" = flurm ] || return 0
    "${E2E_CLEAN_ENV[@]}" "$B/bin/flurm-sup" status -r "$T_TMP/c/flurm" 2>/dev/null |
        awk '$2 == "service" { print $1, $3, $4 }'
}
before=$(service_pids)
e2e_as "$E2E_USER1" scontrol reconfigure
check_ne "scontrol reconfigure as $E2E_USER1 fails" 0 "$RC"
check_eq "with slurmctld's error" "slurm_reconfigure error: Invalid user id" "$ERR"
sleep 1
check_eq "nothing was reloaded" "$before" "$(service_pids)"
e2e_run scontrol ping
check_match "the controller still answers" "is UP" "$OUT"
t_done
