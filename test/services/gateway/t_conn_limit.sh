#!/usr/bin/env bash
# The number of open connections is bounded: at the limit the gateway stops
# accepting (the kernel's backlog holds newcomers, nobody is refused) and
# resumes as soon as a connection closes; idle connections are dropped at
# the io timeout, so clients that hog the slots cannot starve the others.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/gwlib.sh"
gw_need_munge
gw_conf
gw_start --max-conns 4 --io-timeout 1000 || t_fatal "the gateway did not start"

hogs=()
for i in 1 2 3 4 5 6; do
    gwc --silent --timeout 3000 >/dev/null 2>&1 &
    hogs+=($!)
done
wait_for 3 "the limit is reached" grep -q "4 connections open, the limit" "$GWLOG"
check_file_match "at 4 connections the gateway stops accepting" \
    "4 connections open, the limit: accepting again when one closes" "$GWLOG"
start=$(date +%s%N)
out=$(gwc --timeout 5000)
ms=$((($(date +%s%N) - start) / 1000000))
check_match "a ping queued behind the hogs is answered" "^reply type=8001 .*rc=0 auth=ok" "$out"
check "it waited for the hogs' io timeout, not more (${ms} ms)" test "$ms" -lt 4000
wait "${hogs[@]}"
check "with the hogs gone, pings are answered at once" gw_ping
check "the hogs were dropped at the io timeout" \
    test "$(grep -c 'no complete request within' "$GWLOG")" -ge 4
gw_stop
t_done
