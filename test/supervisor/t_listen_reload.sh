#!/usr/bin/env bash
# The supervisor owns the SLURM listening socket (SlurmctldPort from
# SLURM_CONF) and lends it to "listen": true children as FLURM_LISTEN_FD.
# Because it stays open in the supervisor, a client connecting in a loop
# through several reloads of the accepting child is never refused: the
# kernel's backlog holds the connections until the next instance accepts.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"
need_fixtures

port=$(t_free_port) || t_fatal "no free TCP port"
printf 'ClusterName=test\nSlurmctldHost=localhost\nSlurmctldPort=%s\n' "$port" >"$T_TMP/slurm.conf"
export SLURM_CONF="$T_TMP/slurm.conf"
svc="$T_TMP/acceptor"
write_svc "$svc" --version v1 --accept
cat >"$T_TMP/sup.json" <<JSON
{"listen_address": "127.0.0.1", "tree": {"name": "root", "children": [
  {"name": "gateway", "exec": "$svc", "listen": true, "shutdown": 2000}
]}}
JSON
sup_start "$T_TMP/sup.json" || t_fatal "flurm-sup did not start"
check_file_match "flurm-sup listens on SlurmctldPort" "listening on 127.0.0.1 port $port" "$LOG"
first=$(svc_field gateway pid)
check "the child got FLURM_LISTEN_FD" grep -qzx "FLURM_LISTEN_FD=4" "/proc/$first/environ"
check "and SLURM_CONF" grep -qzxF "SLURM_CONF=$SLURM_CONF" "/proc/$first/environ"

# One connection after another until told to stop; one line per attempt:
# the pid the acceptor wrote, or REFUSED / EMPTY.
connect_loop() {
    while [ ! -e "$T_TMP/stop-loop" ]; do
        if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
            read -r -t 5 line <&3 || line=
            exec 3<&-
            echo "${line:-EMPTY}"
        else
            echo REFUSED
        fi
    done 2>>"$T_TMP/loop.err"
}
connect_loop >"$T_TMP/loop.out" &
loop=$!

reloads_ok=0
for v in v2 v3 v4; do
    sleep 0.2
    write_svc "$svc" --version "$v" --accept
    "$SUP" reload gateway -r "$RUN" >/dev/null 2>>"$T_TMP/reload.err" && reloads_ok=$((reloads_ok + 1))
done
sleep 0.2
touch "$T_TMP/stop-loop"
wait "$loop"

check_eq "three reloads succeeded" 3 "$reloads_ok"
check_eq "the accepting child runs version v4" v4 "$(svc_field gateway version)"
attempts=$(wc -l <"$T_TMP/loop.out")
check "the client connected many times ($attempts)" test "$attempts" -ge 20
check_eq "no connection was refused" 0 "$(grep -c REFUSED "$T_TMP/loop.out")"
check_eq "every connection was answered with a pid" 0 "$(grep -vc '^[0-9][0-9]*$' "$T_TMP/loop.out")"
check_eq "four instances (1 + 3 reloads) answered" 4 "$(sort -u "$T_TMP/loop.out" | grep -c '^[0-9]')"

check "flurm-sup stop succeeds" "$SUP" stop -r "$RUN"
check "no process of the tree is left" no_run_procs
check_match "the port is closed once flurm-sup is gone" "REFUSED" \
    "$( (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && echo OPEN || echo REFUSED)"
t_done
