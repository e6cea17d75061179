#!/usr/bin/env bash
# A real, unmodified slurmd registers with FLURM (scripts/flurm-local: the
# supervisor tree and one slurmd for this host): sinfo shows the node idle,
# scontrol show node what slurmd reported (version, arch, OS, boot time,
# slurmd start time, load) next to slurm.conf's hardware, as slurmctld
# shows it.  When the node manager crashes (kill -9), its next instance
# asks slurmd to register again and the node is idle again within seconds;
# slurmd never registers again on its own.
. "$(dirname "$0")/../../lib/testlib.sh"

[ "$(id -u)" -eq 0 ] || t_skip "slurmd runs as root (SlurmdUser=root)"
[ -x /usr/sbin/slurmd ] || t_skip "slurmd is not installed (scripts/setup)"
for c in sinfo scontrol munge jq; do
    command -v "$c" >/dev/null 2>&1 || t_skip "$c is not installed (scripts/setup)"
done
munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 || "$T_ROOT/scripts/setup" >/dev/null 2>&1
munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 || t_skip "munged does not answer"
[ -x "$B/bin/flurm-sup" ] || t_skip "$B/bin/flurm-sup is not built"

RUN="$T_TMP/local"
PORT=$(t_free_port) || t_fatal "a free port"
SLURMD_PORT=$(t_free_port) || t_fatal "a free port"
while [ "$SLURMD_PORT" = "$PORT" ]; do SLURMD_PORT=$(t_free_port); done
local_cluster() {
    env B="$B" FLURM_LOCAL_DIR="$RUN" FLURM_PORT="$PORT" FLURM_SLURMD_PORT="$SLURMD_PORT" \
        "$T_ROOT/scripts/flurm-local" "$@"
}
t_show_on_fail "$RUN/flurm-sup.log" "$RUN/log/slurmd.log"
t_on_exit local_cluster stop
started=$(date +%s)
local_cluster start >"$T_TMP/local.out" 2>&1 || t_fatal "scripts/flurm-local start: $(tail -n 5 "$T_TMP/local.out")"
export SLURM_CONF="$RUN/slurm.conf"
HOST=$(hostname -s)
SUP_LOG="$RUN/flurm-sup.log"

state() { timeout 10 sinfo -h -N -o "%N %t" 2>/dev/null | awk -v n="$HOST" '$1 == n { print $2 }'; }
state_is() { [ "$(state)" = "$1" ]; }
show() { timeout 10 scontrol show node "$HOST" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
conf() { tr ' ' '\n' <"$SLURM_CONF" | sed -n "s/^$1=//p" | head -n 1; }
nodes_pid() { "$B/bin/flurm-sup" status -r "$RUN" --json | jq -r '.. | objects | select(.name? == "nodes") | .pid'; }

wait_for 30 "slurmd to register and the node to be idle" state_is idle
check_eq "sinfo shows the registered node idle" idle "$(state)"
check_eq "sinfo -n NODE (REQUEST_NODE_INFO_SINGLE) finds it" "$HOST idle" \
    "$(timeout 10 sinfo -h -n "$HOST" -N -o "%N %t")"

check_eq "show node: State" IDLE "$(show State)"
check_eq "Version is slurmd's" 22.05.8 "$(show Version)"
check_eq "Arch is this machine's" "$(uname -m)" "$(show Arch)"
check_eq "OS is this kernel" "$(uname -s)" "$(show OS)"
slurmd_start=$(date -u -d "$(show SlurmdStartTime)" +%s 2>/dev/null || echo 0)
check "SlurmdStartTime is when this test started slurmd" \
    [ "$slurmd_start" -ge "$((started - 1))" -a "$slurmd_start" -le "$(date +%s)" ]
boot=$(date -u -d "$(show BootTime)" +%s 2>/dev/null || echo 0)
real_boot=$(($(date +%s) - $(cut -d. -f1 /proc/uptime)))
check "BootTime is this machine's boot (within 5 s)" [ "$boot" -ge $((real_boot - 5)) -a "$boot" -le $((real_boot + 5)) ]
check_match "CPULoad and FreeMem come from slurmd" '^[0-9]+\.[0-9]{2} [0-9]+$' "$(show CPULoad) $(show FreeMem)"
check_eq "CPUTot and RealMemory are slurm.conf's (slurmd -C), as slurmctld reports them" \
    "$(conf CPUs) $(conf RealMemory)" "$(show CPUTot) $(show RealMemory)"

# ---- the node manager crashes ---------------------------------------------------
asked_before=$(grep -c "asked 1 node to register" "$SUP_LOG")
pid=$(nodes_pid)
check_match "the node manager runs" '^[0-9]+$' "$pid"
kill -KILL "$pid"
killed=$(date +%s%N)
new_instance() {
    local p
    p=$(nodes_pid)
    [[ $p =~ ^[0-9]+$ ]] && [ "$p" != "$pid" ]
}
wait_for 10 "the supervisor to start a new node manager" new_instance
wait_for 10 "the new instance to serve, knowing nothing yet" state_is unk
check_eq "the new instance starts with the node UNKNOWN" unk "$(state)"
wait_for 15 "the node to be idle again" state_is idle
idle_again=$(date +%s%N)
check_eq "the node is idle again" idle "$(state)"
check "within 10 s of the crash" [ $(((idle_again - killed) / 1000000)) -lt 10000 ]
check "because the new instance asked slurmd to register" \
    [ "$(grep -c "asked 1 node to register" "$SUP_LOG")" -gt "$asked_before" ]
check_eq "SlurmdStartTime is unchanged: slurmd was not restarted" "$slurmd_start" \
    "$(date -u -d "$(show SlurmdStartTime)" +%s 2>/dev/null)"
# reports of the sanitizer build come at exit
local_cluster stop >/dev/null 2>&1
check_fails "no sanitizer report in the logs" grep -qE "Sanitizer|runtime error:" "$SUP_LOG"
t_done
