#!/usr/bin/env bash
# An RPC FLURM does not serve (no route, or its service is not installed)
# gets RESPONSE_SLURM_RC with EINVAL, the code slurmctld's slurmctld_req()
# sends for a message type it has no handler for, so the client prints what
# it prints against slurmctld ("... error: Invalid argument"), never a
# made-up success; the gateway logs each unserved type once.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/gwlib.sh"
gw_need_munge
gw_need_clients
gw_conf
gw_start || t_fatal "the gateway did not start"

# REQUEST_RESERVATION_INFO (2024): last_update (8 bytes) + show_flags (2).
check_match "a type with no route gets rc 22 (EINVAL), signed" \
    "^reply type=8001 version=0x2600 rc=22 auth=ok" "$(gwc --type 2024 --body-hex 00000000000000000000)"
gwc --type 2024 --body-hex 00000000000000000000 >/dev/null
check_eq "it is logged once, however often it comes" 1 \
    "$(grep -c 'REQUEST_RESERVATION_INFO (2024) is not served' "$GWLOG")"

out=$(scontrol show reservation 2>&1)
check_eq "scontrol show reservation prints slurm_strerror(EINVAL)" \
    "slurm_load_reservations error: Invalid argument" "$out"
check_fails "and exits non-zero" scontrol show reservation

# REQUEST_JOB_INFO is routed to the store, which this installation lacks.
check_eq "squeue without a job store: the same answer" \
    "slurm_load_jobs error: Invalid argument" "$(squeue 2>&1)"
check_file_match "the log says why" \
    "REQUEST_JOB_INFO \(2003\) is not served: service store is not part of this installation" \
    "$GWLOG"
check_match "sinfo without a node manager" "Invalid argument" "$(sinfo 2>&1)"
check_match "a type no SLURM version has (9999)" "rc=22 auth=ok" "$(gwc --type 9999)"
check "the gateway still answers a ping" gw_ping

gw_stop
t_done
