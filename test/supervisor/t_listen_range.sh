#!/usr/bin/env bash
# SlurmctldPort may be a range "N-M": flurm-sup listens on every port of it
# and hands all of them to "listen": true children, as FLURM_LISTEN_FD=4,5,...
# (only to those children).  A port already taken is a start failure
# (exit 111, the port named), before any child starts.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

port=$(t_free_port) && port2=$((port + 1)) || t_fatal "no free TCP port"
[ -z "$(ss -Htan "( sport = :$port2 )")" ] || t_skip "port $port2 is busy"
printf 'ClusterName=test\nSlurmctldHost=localhost\nSlurmctldPort=%s-%s\n' "$port" "$port2" \
    >"$T_TMP/slurm.conf"
export SLURM_CONF="$T_TMP/slurm.conf"
cat >"$T_TMP/sup.json" <<JSON
{"listen_address": "127.0.0.1", "tree": {"name": "root", "children": [
  {"name": "acceptor", "listen": true, $(ready_child_args v1)},
  {"name": "other", $(ready_child_args v1)}
]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"
check_file_match "flurm-sup listens on the whole range" \
    "listening on 127.0.0.1 ports $port-$port2" "$LOG"
acceptor=$(svc_field acceptor pid) other=$(svc_field other pid)
check "the listening child gets both sockets" grep -qzx "FLURM_LISTEN_FD=4,5" "/proc/$acceptor/environ"
check "fd 4 is a socket" eval "readlink /proc/$acceptor/fd/4 | grep -q '^socket:'"
check "fd 5 is a socket" eval "readlink /proc/$acceptor/fd/5 | grep -q '^socket:'"
check_fails "a child without \"listen\" gets no FLURM_LISTEN_FD" \
    grep -qz "^FLURM_LISTEN_FD=" "/proc/$other/environ"
check_fails "and no socket on fd 4" test -e "/proc/$other/fd/4"
for p in "$port" "$port2"; do
    check "port $p accepts connections" eval "exec 3<>/dev/tcp/127.0.0.1/$p"
done
check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"

# Someone else takes the second port.
: >"$LOG"
t_bg python3 -c "
import socket, time
s = socket.socket(); s.bind(('127.0.0.1', $port2)); s.listen(); time.sleep(60)"
squatter=$T_PID
wait_for 5 "the squatter to listen" eval "ss -Htln '( sport = :$port2 )' | grep -q ."
out=$("$SUP" start -c "$T_TMP/sup.json" -r "$RUN" 2>&1)
check_eq "a busy port makes start exit 111" 111 $?
check_match "naming the port" "bind 127.0.0.1 port $port2: Address already in use" "$out"
check "no child was started" no_run_procs
t_stop "$squatter"
t_done
