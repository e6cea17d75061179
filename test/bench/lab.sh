# shellcheck shell=bash
# lab.sh - sourced by the bench tests (after testlib.sh): starts a real
# slurmctld without slurmd (jobs stay pending) on a free port, through the
# shared slurm-lab.sh, and stops it when the test ends.
#
#   lab_start [LAB_VAR=value ...]   sets LAB_DIR, LAB_PORT, SLURM_CONF (exported)
#
# Skips the test (exit 77) when slurmctld, the lab script or munge is missing.

LAB_SCRIPT=${SLURM_LAB:-$(git -C "$T_ROOT" rev-parse --show-toplevel 2>/dev/null || echo "$T_ROOT")/../shared/tools/slurm-lab.sh}

lab_start() {
    [ -x /usr/sbin/slurmctld ] || t_skip "slurmctld is not installed"
    [ -f "$LAB_SCRIPT" ] || t_skip "$LAB_SCRIPT not found (set SLURM_LAB)"
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 || t_skip "munged does not answer"
    LAB_DIR=$T_TMP/lab
    LAB_PORT=$(t_free_port) || t_fatal "no free port"
    t_on_exit env LAB="$LAB_DIR" bash "$LAB_SCRIPT" stop
    t_show_on_fail "$LAB_DIR/log/slurmctld.log"
    env "$@" LAB="$LAB_DIR" LAB_CTLD_PORT="$LAB_PORT" LAB_SLURMD_PORT=$((LAB_PORT + 1)) \
        LAB_NO_SLURMD=1 LAB_CLEAN=1 bash "$LAB_SCRIPT" start >"$T_TMP/lab.out" 2>&1 ||
        t_fatal "slurm-lab.sh start failed: $(tail -n 5 "$T_TMP/lab.out")"
    export SLURM_CONF=$LAB_DIR/slurm.conf
    wait_for 20 "slurmctld answers ping" sh -c 'scontrol ping | grep -q UP' ||
        t_fatal "slurmctld does not answer ping"
}
