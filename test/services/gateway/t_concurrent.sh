#!/usr/bin/env bash
# Many clients at once on the one loop: 50 parallel `scontrol ping` all say
# UP, 200 parallel raw pings are all answered and signed, and a client that
# sends several requests on one connection gets one reply per request, in
# order, before the connection closes.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/gwlib.sh"
gw_need_munge
gw_need_clients
gw_conf
gw_start || t_fatal "the gateway did not start"

pids=()
for i in $(seq 50); do
    scontrol ping >"$T_TMP/ping.$i" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
up=$(cat "$T_TMP"/ping.* | grep -c 'Slurmctld(primary) at gwhost is UP')
check_eq "50 parallel scontrol ping: all UP" 50 "$up"

pids=()
for i in $(seq 200); do
    gwc --timeout 10000 >"$T_TMP/raw.$i" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}"
check_eq "200 parallel raw pings: all answered rc 0 and signed" 200 \
    "$(cat "$T_TMP"/raw.* | grep -c '^reply type=8001 version=0x2600 rc=0 auth=ok')"

gwc --repeat 5 >"$T_TMP/pipelined" 2>&1
check_eq "5 requests on one connection: 5 replies" 5 \
    "$(grep -c '^reply type=8001 version=0x2600 rc=0 auth=ok' "$T_TMP/pipelined")"
check_eq "then the gateway closes it" closed "$(tail -n 1 "$T_TMP/pipelined")"
# Different requests in one go come back in the order sent.  (--cut 0
# saves a signed frame without sending it, so its credential is unused.)
gwc --type 2049 --save "$T_TMP/a" --cut 0 --timeout 1 >/dev/null 2>&1
gwc --type 1008 --save "$T_TMP/b" --cut 0 --timeout 1 >/dev/null 2>&1
gwc --type 2001 --body-hex 0000000000000000 --save "$T_TMP/c" --cut 0 --timeout 1 >/dev/null 2>&1
cat "$T_TMP/a" "$T_TMP/b" "$T_TMP/c" >"$T_TMP/abc"
check_eq "REQUEST_FED_INFO, REQUEST_PING, REQUEST_BUILD_INFO in one write: replies in order" \
    "2050 8001 2002 closed" \
    "$(gwc --send-file "$T_TMP/abc" | sed -E 's/^reply type=([0-9]+).*/\1/' | tr '\n' ' ' | sed 's/ $//')"

check "the gateway is alive" gw_alive
gw_stop
t_done
