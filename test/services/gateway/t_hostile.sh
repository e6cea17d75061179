#!/usr/bin/env bash
# Whatever bytes a peer sends, the gateway answers with an error or closes
# the connection, never crashes, keeps serving the next client, and keeps
# nothing of the bad one (no connection, no descriptor): garbage, truncated
# frames, length prefixes that lie (huge, bigger or smaller than what is
# sent), versions it does not speak, bytes after the body, frames over the
# size limit, silent and trickling clients.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/gwlib.sh"
gw_need_munge
gw_conf
# Short io timeout so that the silent cases end quickly; a 4 MiB frame limit
# so that "too big" is cheap to send.
gw_start --io-timeout 1000 --max-frame 4194304 || t_fatal "the gateway did not start"
base_fds=$(gw_fds)

# case NAME EXPECTED-REGEX GWCLIENT-ARGS...: the first line gwclient prints
# must match, and a ping right after must succeed.
case_() {
    local name=$1 want=$2 out
    shift 2
    out=$(gwc --timeout 4000 "$@" 2>&1 | grep -v '^send failed' | head -n 1)
    check_match "$name" "$want" "$out"
    check "ping after: $name" gw_ping
}

case_ "200 random bytes: closed" '^closed$' --garbage 200
case_ "a frame cut after 100 of its bytes, client waits: closed at the io timeout" \
    '^closed$' --cut 100 --hold
case_ "a frame cut after 100 of its bytes, then the client's end of file: closed" \
    '^closed$' --cut 100
case_ "a length prefix bigger than what follows: closed at the io timeout" '^closed$' \
    --length 5000 --hold
case_ "a length prefix over the limit (2 GB): closed at once" '^closed$' --length 2000000000
case_ "a length prefix smaller than the message: closed" '^closed$' --length 50
case_ "a length prefix shorter than any header (8): closed" '^closed$' --length 8
case_ "a header with version 0x1234 (no known layout): closed" '^closed$' --version 0x1234
case_ "version 21.08 (0x2500): SLURM_PROTOCOL_VERSION_ERROR in its own layout" \
    '^reply type=8001 version=0x2500 rc=1005' --version 0x2500
case_ "version 24.05 (0x2900): SLURM_PROTOCOL_VERSION_ERROR" \
    '^reply type=8001 version=0x2900 rc=1005' --version 0x2900
case_ "4 bytes after the body (inside the frame): closed" '^closed$' --trailing 4
case_ "a 5 MiB frame, over the 4 MiB limit: closed" '^closed$' --trailing 5242880
case_ "a 2 MiB frame (read in full, then refused for its trailing bytes)" '^closed$' \
    --trailing 2097152
case_ "a silent client: closed at the io timeout" '^closed$' --silent
case_ "a client trickling a byte every 20 ms: closed at the io timeout" '^closed$' \
    --trickle 20 --hold

# Several bad clients at once while good ones are served.
bad=()
for i in 1 2 3 4 5; do
    gwc --silent --timeout 4000 >/dev/null 2>&1 &
    bad+=($!)
    gwc --cut 30 --hold --timeout 4000 >/dev/null 2>&1 &
    bad+=($!)
done
ok=0
for i in $(seq 20); do
    gw_ping && ok=$((ok + 1))
done
check_eq "20 pings answered while 10 bad clients hang on" 20 "$ok"
wait "${bad[@]}"
check "the gateway is alive" gw_alive
fds_back() {
    [ "$(gw_fds)" -le "$base_fds" ]
}
wait_for 5 "every bad connection is gone" fds_back
check "no descriptor is left behind ($(gw_fds) open, $base_fds at start)" \
    test "$(gw_fds)" -le "$base_fds"
check_file_match "oversized frames are logged" "frame length [0-9]+ is over the limit" "$GWLOG"
check_file_match "silent clients are logged" "no complete request within 1 s" "$GWLOG"

gw_stop
t_done
