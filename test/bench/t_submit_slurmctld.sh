#!/usr/bin/env bash
# bench/submit's submissions are what `sbatch --hold --wrap=true` makes: the
# real slurmctld accepts every one, from concurrent workers, as a held job
# named "wrap", and submit reports each with its job id.
. "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)/test/lib/testlib.sh"
. "$T_ROOT/test/bench/lab.sh"

[ -x "$B/bench/submit" ] || t_fatal "$B/bench/submit is not built"
lab_start

out=$("$B/bench/submit" --port "$LAB_PORT" --count 40 --concurrency 4 2>&1)
rc=$?
check_eq "submit exits 0 when every job got an id" 0 "$rc"
check_match "the result line counts 40 ok and 0 failed" \
    '(^|'$'\n'')result count=40 ok=40 failed=0 concurrency=4 ' "$out"
check_match "the job ids are reported as a range" 'job ids 1\.\.40' "$out"
check_match "latency percentiles are numbers" 'p50_ms=[0-9]+\.[0-9]+ p99_ms=[0-9]+\.[0-9]+ max_ms=[0-9]+\.[0-9]+' "$out"

check_eq "slurmctld holds 40 jobs" 40 "$(squeue -h -t all -o %i | wc -l)"
check_eq "all of them pending, held by their user, named wrap" "40 PENDING JobHeldUser wrap" \
    "$(squeue -h -t all -o '%T %r %j' | sort | uniq -c | awk '{ print $1, $2, $3, $4 }')"
show=$(scontrol show job 17)
check_match "it is a batch job" 'BatchFlag=1' "$show"
check_match "its priority is 0 (--hold)" 'Priority=0 ' "$show"
check_eq "its script is sbatch's --wrap script" \
    "$(printf '#!/bin/sh\n# This script was created by sbatch --wrap.\n\ntrue')" \
    "$(scontrol write batch_script 17 - 2>/dev/null)"

out=$("$B/bench/submit" --port "$LAB_PORT" --count 3 --no-hold 2>&1)
check_match "--no-hold submits jobs that are not held" 'ok=3 failed=0' "$out"
check_eq "...and slurmctld does not hold them" 0 \
    "$(squeue -h -t all -j 41,42,43 -o '%r' | grep -c JobHeld)"
t_done
