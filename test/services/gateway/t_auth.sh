#!/usr/bin/env bash
# Identity comes from munge alone, and a credential that does not prove it
# is refused with the code slurmctld reports (and logged): a body changed
# after signing (K12 hash mismatch: ESLURM_PROTOCOL_INCOMPLETE_PACKET 5003),
# a replayed credential, one restricted to another user, none at all
# (SLURM_PROTOCOL_AUTHENTICATION_ERROR 1007), another auth plugin (5003).
# The gateway keeps serving honest clients throughout.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/gwlib.sh"
gw_need_munge
gw_need_clients
gw_conf
gw_start || t_fatal "the gateway did not start"

# REQUEST_BUILD_INFO has a body (last_update, 8 bytes) to tamper with.
check_match "an honest REQUEST_BUILD_INFO is answered" "^reply type=2002 .* auth=ok" \
    "$(gwc --type 2001 --body-hex 0000000000000000)"
check_match "the same with one body byte changed after signing: 5003" \
    "^reply type=8001 version=0x2600 rc=5003 auth=ok" \
    "$(gwc --type 2001 --body-hex 0000000000000000 --corrupt-body)"
check_file_match "the forgery is logged" "REQUEST_BUILD_INFO refused: .*hash" "$GWLOG"

# Capture what a real `scontrol ping` sends, then replay it twice.
cap_port=$(t_free_port) || t_fatal "no second free port"
sed "s/^SlurmctldPort=.*/SlurmctldPort=$cap_port/" "$SLURM_CONF" >"$T_TMP/capture.conf"
"$GWC" --port "$cap_port" --capture "$T_TMP/ping.frame" >"$T_TMP/capture.out" 2>&1 &
cap=$!
wait_for 5 "the capturing listener is up" grep -q listening "$T_TMP/capture.out"
SLURM_CONF="$T_TMP/capture.conf" scontrol ping >/dev/null 2>&1
wait "$cap"
check_file_match "a real scontrol ping frame was captured" "^captured [0-9]+" "$T_TMP/capture.out"
check_match "the captured frame, first use: accepted" "rc=0 auth=ok" \
    "$(gwc --send-file "$T_TMP/ping.frame")"
check_match "the same frame again: replayed credential, 1007" "rc=1007 auth=ok" \
    "$(gwc --send-file "$T_TMP/ping.frame")"
check_file_match "the replay is logged" "REQUEST_PING refused: .*replayed" "$GWLOG"

check_match "a credential only uid 12345 may decode: 1007" "rc=1007 auth=ok" \
    "$(gwc --uid-restrict 12345)"
check_file_match "logged as such" "restricted to another user" "$GWLOG"

# auth/none (plugin 100): uid 0, gid 0, host "x"; nothing proves it.
printf '00000022 2600 0000 03f0 00000000 0000 0000 0000 00000064 00000000 00000000 00000002 7800' |
    xxd -r -p >"$T_TMP/none.frame"
check_match "auth/none claiming root: 5003, as slurmctld's auth_g_unpack fails" "rc=5003" \
    "$(gwc --send-file "$T_TMP/none.frame")"
# A 23.02 header flagged SLURM_NO_AUTH_CRED: no credential at all.
printf '00000010 2700 0040 03f0 00000000 0000 0000 0000' | xxd -r -p >"$T_TMP/nocred.frame"
check_match "a request without any credential: 1007" "rc=1007" \
    "$(gwc --send-file "$T_TMP/nocred.frame")"

check_match "scontrol ping still says UP" "is UP" "$(scontrol ping 2>&1)"
gw_stop
t_done
