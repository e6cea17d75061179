#!/usr/bin/env bash
# Dependencies hold jobs back exactly as long as SLURM says: afterok:A runs
# only after A completed, afterany:F and afternotok:F after F failed,
# singleton after the running job of the same name and user ended; while
# they wait they are PENDING with Reason=Dependency (the cluster has CPUs to
# spare, so nothing else holds them), and afterok on a failed job (and
# afternotok on a successful one) can never run: PENDING with
# Reason=DependencyNeverSatisfied.  Each job records when it starts and
# ends; those times prove the order.
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/run/lib.sh"

CLUSTER_CPUS=8 run_cluster 2
W=$E2E_WORK

# dep.sh LABEL EXIT-CODE [wait]: records start and end, waits for go.LABEL
# if asked, exits EXIT-CODE.  --mem: without it a job holds all of its
# node's memory (CR_Core_Memory, no DefMemPerCPU), one job per node.
cat >"$W/dep.sh" <<'EOF'
#!/bin/bash
#SBATCH --mem=50
stamp() { date +%s.%2N; }
echo "$1 start $(stamp)" >>times
if [ "${3:-}" = wait ]; then
    while [ ! -e "go.$1" ]; do sleep 0.2; done
fi
echo "$1 end $(stamp)" >>times
exit "$2"
EOF
started() { grep -q "^$1 start " "$W/times" 2>/dev/null; }
when() { awk -v l="$1" -v w="$2" '$1 == l && $2 == w { print $3; exit }' "$W/times"; }
after() { # LABEL OTHER: LABEL started after OTHER ended
    local s e
    s=$(when "$1" start) e=$(when "$2" end)
    [ -n "$s" ] && [ -n "$e" ] && awk -v s="$s" -v e="$e" 'BEGIN { exit !(s >= e) }'
}

a=$(e2e_submit -J a dep.sh A 0 wait) || t_fatal "sbatch A"
f=$(e2e_submit -J f dep.sh F 1 wait) || t_fatal "sbatch F"
s1=$(e2e_submit -J single --dependency=singleton dep.sh S1 0 wait) || t_fatal "sbatch S1 (singleton)"
check "A, F and the first singleton start" poll 30 "A, F and S1 to start" \
    sh -c "grep -q '^A start' '$W/times' && grep -q '^F start' '$W/times' && grep -q '^S1 start' '$W/times'"

b=$(e2e_submit -J b --dependency=afterok:"$a" dep.sh B 0) || t_fatal "sbatch afterok:A"
c=$(e2e_submit -J c --dependency=afterany:"$f" dep.sh C 0) || t_fatal "sbatch afterany:F"
d=$(e2e_submit -J d --dependency=afternotok:"$f" dep.sh D 0) || t_fatal "sbatch afternotok:F"
e=$(e2e_submit -J e --dependency=afterok:"$f" dep.sh E 0) || t_fatal "sbatch afterok:F"
g=$(e2e_submit -J g --dependency=afternotok:"$a" dep.sh G 0) || t_fatal "sbatch afternotok:A"
s2=$(e2e_submit -J single --dependency=singleton dep.sh S2 0) || t_fatal "sbatch S2 (singleton)"

# Scheduling passes come every few seconds: give them the chance to start
# what they must not.
sleep 4
for pair in "b:$b" "c:$c" "d:$d" "e:$e" "g:$g" "s2:$s2"; do
    jid=${pair#*:}
    check_eq "${pair%%:*} waits: PENDING (Dependency)" "PENDING Dependency" "$(job_state "$jid") $(job_get "$jid" Reason)"
done
check_fails "nothing that depends on a running job has started" \
    grep -Eq '^(B|C|D|E|G|S2) start' "$W/times"
e2e_run squeue -h -j "$b" -o "%t %r %E"
check_eq "squeue shows B's dependency (%E)" "PD Dependency afterok:$a(unfulfilled)" "$OUT"

touch "$W/go.A"
check "A completes" wait_state 30 "$a" COMPLETED
check "B (afterok:A) then runs and completes" wait_state 30 "$b" COMPLETED
check "B started after A ended" after B A
check_fails "C and D have not started while F runs" grep -Eq '^(C|D) start' "$W/times"

touch "$W/go.F"
check "F fails" wait_state 30 "$f" FAILED
check "C (afterany:F) then runs and completes" wait_state 30 "$c" COMPLETED
check "D (afternotok:F) then runs and completes" wait_state 30 "$d" COMPLETED
check "C started after F ended" after C F
check "D started after F ended" after D F

never() { [ "$(job_get "$1" Reason)" = DependencyNeverSatisfied ]; }
check "E (afterok on failed F): Reason=DependencyNeverSatisfied" poll 30 "E's reason" never "$e"
check "G (afternotok on completed A): Reason=DependencyNeverSatisfied" poll 30 "G's reason" never "$g"
check_eq "E stays PENDING" PENDING "$(job_state "$e")"
check_eq "G stays PENDING" PENDING "$(job_state "$g")"

check_fails "the second singleton has not started while the first runs" started S2
touch "$W/go.S1"
check "the first singleton completes" wait_state 30 "$s1" COMPLETED
check "the second singleton then runs and completes" wait_state 30 "$s2" COMPLETED
check "the second singleton started after the first ended" after S2 S1
check_fails "E and G never ran" grep -Eq '^(E|G) start' "$W/times"

t_done
