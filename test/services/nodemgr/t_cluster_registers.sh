#!/usr/bin/env bash
# With FLURM as controller, three real slurmd on three hosts of the test
# cluster (test/lib/cluster.sh: each in its own namespace and address)
# register and their nodes become idle.  After a crash of the node manager
# its next instance asks every node at its own NodeAddr to register: the
# live ones are idle again, the one whose slurmd died meanwhile is left
# unknown and not responding ("unk*") until its slurmd starts and
# registers by itself.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$T_ROOT/test/lib/cluster.sh"

cluster_require
for c in sinfo scontrol jq; do
    command -v "$c" >/dev/null 2>&1 || t_skip "$c is not installed (scripts/setup)"
done
[ -x "$B/bin/flurm-sup" ] || t_skip "$B/bin/flurm-sup is not built"
while IFS= read -r var; do
    case $var in SLURM_* | SINFO_* | SCONTROL_*) unset "$var" ;; esac
done < <(compgen -e)

cluster_up 3 || t_fatal "cluster_up 3 brings up three nodes: $CLUSTER_ERROR"
eval "$(cluster_env)"
RUN="$T_TMP/flurm"
mkdir -p "$RUN"
t_show_on_fail "$RUN/flurm-sup.log" "$CLUSTER_HOME/log/slurmd-n2.log"
clean_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="${HOME:-/root}")
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS FLURM_LOG_LEVEL; do
    [ -n "${!v:-}" ] && clean_env+=("$v=${!v}")
done
t_on_exit "${clean_env[@]}" "$B/bin/flurm-sup" stop -r "$RUN" --timeout 20
"${clean_env[@]}" SLURM_CONF="$CLUSTER_CONF" FLURM_BINDIR="$B/bin" \
    timeout -k 5 60 "$B/bin/flurm-sup" start -c "$T_ROOT/conf/flurm-sup.json" -r "$RUN" --daemon \
    </dev/null >"$T_TMP/sup.out" 2>&1 || t_fatal "FLURM starts on the cluster: $(tail -n 5 "$T_TMP/sup.out")"

states() { timeout 10 sinfo -h -N -o '%N %t' 2>/dev/null | sort | tr '\n' ' '; }
states_are() { [ "$(states)" = "$1" ]; }
nodes_pid() { "$B/bin/flurm-sup" status -r "$RUN" --json | jq -r '.. | objects | select(.name? == "nodes") | .pid'; }

check "the three slurmd register and their nodes become idle" cluster_wait_idle 30
check_eq "sinfo shows n1, n2 and n3 idle" "n1 idle n2 idle n3 idle " "$(states)"
check_eq "each node at its own address" \
    "n1 $CLUSTER_SUBNET.11 n2 $CLUSTER_SUBNET.12 n3 $CLUSTER_SUBNET.13 " \
    "$(timeout 10 sinfo -h -N -o '%N %o' | sort | tr '\n' ' ')"

pid=$(nodes_pid)
check_match "the node manager runs" '^[0-9]+$' "$pid"
check "n2's slurmd crashes" cluster_kill_node n2
kill -KILL "$pid"
new_instance() {
    local p
    p=$(nodes_pid)
    [[ $p =~ ^[0-9]+$ ]] && [ "$p" != "$pid" ]
}
wait_for 10 "the supervisor to start a new node manager" new_instance
wait_for 45 "n1 and n3 idle again, n2 not responding" states_are "n1 idle n2 unk* n3 idle "
check_eq "the new instance asked all three: n1 and n3 answered, n2 did not" \
    "n1 idle n2 unk* n3 idle " "$(states)"
check_file_match "it asked the three nodes to register" "asked 3 nodes to register" "$RUN/flurm-sup.log"

check "n2's slurmd starts again" cluster_start_node n2
wait_for 45 "n2 to register by itself" states_are "n1 idle n2 idle n3 idle "
check_eq "n2 registered and is idle" "n1 idle n2 idle n3 idle " "$(states)"
# reports of the sanitizer build come at exit
"${clean_env[@]}" "$B/bin/flurm-sup" stop -r "$RUN" --timeout 20 >/dev/null 2>&1
check_fails "no sanitizer report in FLURM's log" grep -qE "Sanitizer|runtime error:" "$RUN/flurm-sup.log"
t_done
