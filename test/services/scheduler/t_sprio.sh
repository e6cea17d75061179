#!/usr/bin/env bash
# With PriorityType=priority/multifactor, sprio and squeue show the
# priorities slurmctld 22.05 computes without slurmdbd (job size,
# partition, TRES, nice, site factor; no age, no fair-share), and sshare
# what it answers without accounting.  The expected lines are what the
# lab's slurmctld printed for the same cluster and the same sbatch
# commands; E2E_TARGET=slurmctld runs this file against it.
. "$(dirname "$0")/../../lib/testlib.sh"
. "$(dirname "$0")/../../e2e/lib.sh"

e2e_write_conf "$T_TMP/c" fake
sed -i 's/^\(PartitionName=long .*\)$/\1 PriorityJobFactor=10/' "$E2E_CONF"
cat >>"$E2E_CONF" <<EOF
PartitionName=small Nodes=n1 MaxTime=30 MaxNodes=1 State=UP PriorityJobFactor=5
PriorityType=priority/multifactor
PriorityWeightAge=1000
PriorityWeightJobSize=1000
PriorityWeightPartition=1000
PriorityWeightFairshare=1000
PriorityWeightQOS=1000
PriorityFavorSmall=YES
PriorityWeightTRES=CPU=1000,Mem=2000,Node=500
EOF
e2e_start

j1=$(e2e_submit --wrap true)
j2=$(e2e_submit -p long -N 2 -n 4 --wrap true)
j3=$(e2e_submit -p small -n 2 --mem=2000 --wrap true)
j4=$(e2e_submit -n 3 --nice=-50 --wrap true)
j5=$(e2e_submit -p long -c 8 --wrap true)
j6=$(e2e_submit -p long,debug -n 2 --wrap true)
j7=$(e2e_submit --hold --wrap true)
j8=$(e2e_submit --begin=now+1hour --wrap true)
check "eight jobs were submitted" test -n "$j1" -a -n "$j8"

# sprio's own format; the TRES column is cut at 20 characters by sprio
row() { # id partition priority jobsize partition-factor nice tres
    printf '%15s %-9s %8s %10s %10s %10s %10s %10s %10s %10s %10s %11s %20s\n' \
        "$1" "$2" root "$3" 0 0 0 0 "$4" "$5" 0 "$6" "$7"
}
expected=$(
    printf '%15s %-9s %8s %10s %10s %10s %10s %10s %10s %10s %10s %11s %20s\n' JOBID PARTITION \
        USER PRIORITY SITE AGE ASSOC FAIRSHARE JOBSIZE PARTITION QOS NICE TRES
    row "$j1" debug 1866 850 100 0 cpu=83,mem=667,node=
    row "$j2" long 3700 650 1000 0 cpu=200,mem=1600,nod
    row "$j3" small 2825 825 500 0 cpu=500,mem=500,node
    row "$j4" debug 2033 800 100 -50 cpu=250,mem=667,node
    row "$j5" long 3000 675 1000 0 cpu=400,mem=800,node
    row "$j6" long 2850 825 1000 0 cpu=100,mem=800,node
    row "$j6" debug 2591 825 100 0 cpu=167,mem=1333,nod
)
sprio_l() {
    e2e_run sprio -l
    [ "$RC" = 0 ] && [ "$(sed 's/ *$//' <<<"$OUT")" = "$(sed 's/ *$//' <<<"$expected")" ]
}
wait_for 5 "sprio -l to show the expected factors" sprio_l
e2e_run sprio -l
check_eq "sprio -l: every eligible pending job, a row per partition, slurmctld's factors" \
    "$(sed 's/ *$//' <<<"$expected")" "$(sed 's/ *$//' <<<"$OUT")"

j6_repriced() {
    e2e_run squeue -h -j "$j6" -o %Q
    [ "$OUT" = 2591 ]
}
wait_for 15 "a scheduling pass to look at job $j6" j6_repriced
e2e_run squeue -h -o "%i %Q" --sort=i
# a job of two partitions shows the priority of the one schedule() looked
# at last (here its lower one; 2850, its first one's, until a pass looked
# at it); the held job 0; the job waiting for its begin time is priced too
check_eq "squeue %Q: the priorities" \
    "$(printf '%s\n' "$j1 1866" "$j2 3700" "$j3 2825" "$j4 2033" "$j5 3000" "$j6 2591" "$j7 0" "$j8 1866")" \
    "$OUT"

e2e_run sprio -j "$j6" -p debug -o "%.7i %9r %.10Y %.10J %.10P"
check_eq "sprio -j -p -o: the filters and the format codes" \
    "$(printf '%7s %-9s %10s %10s %10s\n%7s %-9s %10s %10s %10s' JOBID PARTITION PRIORITY JOBSIZE PARTITION "$j6" debug 2591 825 100)" \
    "$(sed 's/ *$//' <<<"$OUT")"

e2e_run sprio -j "$j7"
check_eq "sprio -j of a held job: nothing to show" \
    "0 Unable to find jobs matching user/id(s) specified" "$RC $OUT"

e2e_run sshare
check_eq "sshare without accounting: the header only" "0" "$RC"
check_eq "sshare: the header" \
    "$(printf '%s\n%s' \
        'Account                    User  RawShares  NormShares    RawUsage  EffectvUsage  FairShare' \
        '-------------------- ---------- ---------- ----------- ----------- ------------- ----------')" \
    "$(sed 's/ *$//' <<<"$OUT")"
e2e_run sshare -a -l
check_eq "sshare -a -l: no rows either" 2 "$(wc -l <<<"$OUT")"

if [ "$E2E_TARGET" = flurm ]; then
    _e2e_stop_flurm "$T_TMP/c/flurm"
    check_fails "FLURM's log holds no sanitizer report" \
        grep -qE "Sanitizer|runtime error:" "$T_TMP/c/flurm/flurm-sup.log"
fi
t_done
