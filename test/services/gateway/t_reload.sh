#!/usr/bin/env bash
# Under flurm-sup, reloading the gateway while clients keep asking loses
# nothing: the listening socket stays with the supervisor, the new instance
# accepts as soon as it is ready, and the old one, on SIGTERM, stops
# accepting but answers every connection it already took before it exits 0.
# A steady stream of `scontrol ping` through three reloads: every one UP.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/gwlib.sh"
gw_need_munge
gw_need_clients
SUP="$B/bin/flurm-sup"
[ -x "$SUP" ] || t_skip "$SUP is not built"
gw_conf
SUPLOG="$T_TMP/sup.log"
: >"$SUPLOG"
t_show_on_fail "$SUPLOG"

cat >"$T_TMP/sup.json" <<JSON
{"listen_address": "127.0.0.1", "tree": {"name": "root", "children": [
  {"name": "gateway", "exec": "$GW", "listen": true, "shutdown": 15000}
]}}
JSON
t_bg "$SUP" start -c "$T_TMP/sup.json" -r "$RUN" 2>>"$SUPLOG"
SUP_PID=$T_PID
wait_for 10 "the tree is ready" grep -q "supervision tree ready" "$SUPLOG" ||
    t_fatal "flurm-sup did not start"

gateway_pid() {
    "$SUP" status -r "$RUN" 2>/dev/null | awk '$1 == "gateway" && $3 == "ready" { print $4 }'
}
first=$(gateway_pid)
check "the gateway runs under flurm-sup (pid $first)" test -n "$first"
check_match "scontrol ping through the supervisor's socket" "is UP" "$(scontrol ping 2>&1)"

# Pings back to back until told to stop: one line per attempt.
ping_loop() {
    while [ ! -e "$T_TMP/stop" ]; do
        if out=$(scontrol ping 2>&1) && [[ $out == *"is UP"* ]]; then
            echo UP
        else
            echo "FAILED: $out" | tr '\n' ' '
            echo
        fi
    done
}
ping_loop >"$T_TMP/loop1.out" &
loop1=$!
ping_loop >"$T_TMP/loop2.out" &
loop2=$!

# A slow client already connected to the first instance when it is told to
# drain: its request must still be answered.
gwc --trickle 8 --timeout 8000 >"$T_TMP/slow.out" 2>&1 &
slow=$!
sleep 0.2

reloads=0
for i in 1 2 3; do
    sleep 0.3
    "$SUP" reload gateway -r "$RUN" >/dev/null 2>>"$T_TMP/reload.err" && reloads=$((reloads + 1))
done
sleep 0.3
touch "$T_TMP/stop"
wait "$loop1" "$loop2" "$slow"

check_eq "three reloads succeeded" 3 "$reloads"
last=$(gateway_pid)
check "a new instance serves (pid $last, was $first)" test -n "$last" -a "$last" != "$first"
attempts=$(cat "$T_TMP"/loop*.out | wc -l)
check "the clients pinged throughout ($attempts pings)" test "$attempts" -ge 20
check_eq "no ping failed or was refused" 0 "$(cat "$T_TMP"/loop*.out | grep -vc '^UP$')"
check_match "the slow client taken before the reloads was answered" \
    "^reply type=8001 version=0x2600 rc=0 auth=ok" "$(head -n 1 "$T_TMP/slow.out")"
check_file_match "by the first instance, while draining" \
    "gateway\[$first\] info: draining: [1-9][0-9]* connections? open" "$SUPLOG"
old_exited() {
    [ "$(grep -c 'gateway: old pid [0-9]* exited' "$SUPLOG")" -ge 3 ]
}
wait_for 15 "the three old instances exit" old_exited
check_eq "every old instance drained" 3 "$(grep -c 'gateway.*drained; exiting' "$SUPLOG")"
check_eq "and exited 0" 3 "$(grep -c 'gateway: old pid [0-9]* exited with status 0' "$SUPLOG")"
check_fails "no sanitizer report" \
    grep -Eq 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$SUPLOG"

check "flurm-sup stop" "$SUP" stop -r "$RUN"
wait "$SUP_PID" 2>/dev/null
t_done
