#!/usr/bin/env bash
# A slurm.conf the services refuse takes nothing down on `scontrol
# reconfigure`: the first new instance (the store's) fails its start with
# exit 100, the old one keeps serving, nothing after it is reloaded, and
# scontrol prints an error.  Once the file is fixed, reconfigure works
# again.  FLURM only (slurmctld 22.05 dies on a slurm.conf it cannot
# parse at reconfigure).
. "$(dirname "$0")/../../lib/testlib.sh"
. "$T_ROOT/test/e2e/lib.sh"
[ "$E2E_TARGET" = flurm ] || t_skip "FLURM behaviour"

e2e_write_conf "$T_TMP/c" fake
e2e_start
RUN="$T_TMP/c/flurm"
t_show_on_fail "$RUN/flurm-sup.log"

service_pids() {
    "${E2E_CLEAN_ENV[@]}" "$B/bin/flurm-sup" status -r "$RUN" 2>/dev/null |
        awk '$2 == "service" { print $1, $3, $4 }'
}

job=$(e2e_submit -p debug --wrap "sleep 100")
check "a job is submitted" test -n "$job"
before=$(service_pids)
cp "$E2E_CONF" "$T_TMP/good.conf"
# The SLURM clients read slurm.conf too and would refuse the broken file
# before sending anything: they keep a good copy.
mkdir -p "$T_TMP/client"
cp "$E2E_CONF" "$T_TMP/client/slurm.conf"
export SLURM_CONF="$T_TMP/client/slurm.conf"
echo "NodeName=n9 NodeAddr=127.0.0.1 CPUs=many" >>"$E2E_CONF"

e2e_run scontrol reconfigure
check_ne "scontrol reconfigure fails" 0 "$RC"
check_eq "scontrol prints SLURM's text for the error" "slurm_reconfigure error: Unspecified error" "$ERR"
check_file_match "the supervisor says why: the new store exited 100" \
    "reload store: new instance .* exited with status 100" "$RUN/flurm-sup.log"
sleep 1
check_eq "every service keeps its instance, all ready" "$before" "$(service_pids)"
e2e_run sinfo -h -N -o %N
check_eq "sinfo is answered with the old nodes" "big1 n1 n2 n3 " "$(sort -u <<<"$OUT" | tr '\n' ' ')"
e2e_run squeue -h -j "$job" -o "%i %T"
check_eq "the job is still there" "$job PENDING" "$OUT"

cp "$T_TMP/good.conf" "$E2E_CONF"
e2e_run scontrol reconfigure
check_eq "with the file fixed, reconfigure works again" 0 "$RC"
t_done
