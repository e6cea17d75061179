#!/usr/bin/env bash
# Every request must carry a genuine, fresh munge credential that signs its
# body: a request whose credential was tampered with (forged), whose body
# no longer matches the hash inside the credential, or whose credential
# was already used once (replayed) is refused, and the controller keeps
# serving honest clients.  The frames are real ones, signed by the real
# clients and captured by a fake controller (wireframe.py).
#
# "Refused" is what slurmctld does (it closes the connection without an
# answer) or an error RESPONSE_SLURM_RC.  One difference is deliberate:
# Debian's slurmctld accepts a replayed credential (its auth/munge lets
# EMUNGE_CRED_REPLAYED through); FLURM must not.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib.sh"

WIREFRAME="$E2E_DIR/wireframe.py"
e2e_write_conf "$T_TMP/c" fake
e2e_start

# capture NAME CMD...: run the client CMD against a fake controller and
# keep the first frame it sends in $T_TMP/NAME.frame.
capture() {
    local name=$1 dir=$T_TMP/cap.$1 port pid
    shift
    mkdir -p "$dir"
    python3 "$WIREFRAME" capture "$dir/port" "$T_TMP/$name.frame" 20 >"$dir/out" 2>&1 &
    pid=$!
    wait_for 10 "the fake controller to listen" test -s "$dir/port" || return 1
    read -r port <"$dir/port"
    sed "s/^SlurmctldPort=.*/SlurmctldPort=$port/" "$SLURM_CONF" >"$dir/slurm.conf"
    # The client gets no answer and fails; only its request matters.
    (cd "$E2E_WORK" && SLURM_CONF="$dir/slurm.conf" timeout 30 "$@") >/dev/null 2>&1
    wait "$pid"
}
send() { # frame [options]: prints what the controller did
    python3 "$WIREFRAME" send "$E2E_PORT" "$@"
}
REFUSED='^(closed|reply type=8001 rc=-?[1-9][0-9]*)$'

check "capture a REQUEST_PING signed by scontrol ping" capture ping scontrol ping
check_eq "it is a REQUEST_PING (1008) without body" "type=1008 body_length=0" \
    "$(python3 "$WIREFRAME" info "$T_TMP/ping.frame")"
for n in 1 2 3; do
    check "capture REQUEST_JOB_INFO number $n, signed by squeue" capture "jobinfo$n" squeue
done
check_eq "it is a REQUEST_JOB_INFO (2003) with a body" "type=2003 body_length=14" \
    "$(python3 "$WIREFRAME" info "$T_TMP/jobinfo1.frame")"

# ---- genuine frames are served: the refusals below are not artifacts ------------
check_eq "the captured REQUEST_PING, sent once, is answered rc=0" "reply type=8001 rc=0" \
    "$(send "$T_TMP/ping.frame")"
check_eq "a captured REQUEST_JOB_INFO, sent once, is answered with RESPONSE_JOB_INFO (2004)" \
    "reply type=2004" "$(send "$T_TMP/jobinfo3.frame")"

# ---- replayed ----------------------------------------------------------------------
if [ "$E2E_TARGET" = slurmctld ]; then
    t_note "slurmctld accepts replayed credentials: replay checks are FLURM's own ($(send "$T_TMP/ping.frame"))"
else
    check_match "the same REQUEST_PING sent again (replayed credential) is refused" "$REFUSED" \
        "$(send "$T_TMP/ping.frame")"
    check_match "the same REQUEST_JOB_INFO sent again is refused" "$REFUSED" \
        "$(send "$T_TMP/jobinfo3.frame")"
fi

# ---- tampered --------------------------------------------------------------------------
check_match "REQUEST_JOB_INFO with one body byte flipped (hash mismatch) is refused" "$REFUSED" \
    "$(send "$T_TMP/jobinfo1.frame" --flip-body-byte 0)"
check_match "REQUEST_JOB_INFO with a forged credential is refused" "$REFUSED" \
    "$(send "$T_TMP/jobinfo2.frame" --forge-cred)"

# ---- garbage ----------------------------------------------------------------------
{
    printf '\x00\x00\x00\x40'
    head -c 64 /dev/urandom
} >"$T_TMP/garbage.frame"
send_raw() {
    exec 3<>"/dev/tcp/127.0.0.1/$E2E_PORT" || return 1
    cat "$T_TMP/garbage.frame" >&3
    timeout 10 cat <&3 >/dev/null
    exec 3>&-
}
check "64 random bytes in a frame: the controller closes the connection" send_raw

# ---- honest clients are still served ----------------------------------------------
e2e_run scontrol ping
check_match "scontrol ping still answers UP" 'is UP$' "$OUT"
e2e_run squeue
check_eq "squeue still works" 0 "$RC"
t_done
