#!/usr/bin/env bash
# sbatch submits through the controller in each of its usual forms (--wrap,
# a script, a script full of #SBATCH options, --array, --hold, --parsable):
# each gets "Submitted batch job N" (N from FirstJobId upwards) and
# `scontrol show job N` shows, field by field, what was submitted.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib.sh"

e2e_write_conf "$T_TMP/c" fake
e2e_start

# ---- --wrap -------------------------------------------------------------------
e2e_run sbatch --wrap 'echo hi'
check_eq "sbatch --wrap exits 0" 0 "$RC"
check_match "sbatch --wrap prints 'Submitted batch job N'" '^Submitted batch job [0-9]+$' "$OUT"
check_eq "sbatch --wrap prints nothing on stderr" "" "$ERR"
wrap=${OUT##* }
check_eq "the first job id is FirstJobId (1000)" 1000 "$wrap"

job=$(show_job "$wrap")
check_eq "wrap job: JobId" "$wrap" "$(kv JobId <<<"$job")"
check_eq "wrap job: JobName is 'wrap'" wrap "$(kv JobName <<<"$job")"
check_eq "wrap job: UserId is the submitter" "root(0)" "$(kv UserId <<<"$job")"
check_eq "wrap job: GroupId is the submitter's group" "root(0)" "$(kv GroupId <<<"$job")"
check_eq "wrap job: in the default partition" debug "$(kv Partition <<<"$job")"
check_eq "wrap job: PENDING (no node ever registered)" PENDING "$(kv JobState <<<"$job")"
check_match "wrap job: pending because its nodes are not available" "$E2E_REASON_NODES_DOWN" "$(kv Reason <<<"$job")"
check_eq "wrap job: TimeLimit from MaxTime=INFINITE" UNLIMITED "$(kv TimeLimit <<<"$job")"
check_eq "wrap job: one node" 1 "$(kv NumNodes <<<"$job")"
check_eq "wrap job: one cpu" 1 "$(kv NumCPUs <<<"$job")"
check_eq "wrap job: one task" 1 "$(kv NumTasks <<<"$job")"
check_eq "wrap job: a batch job" 1 "$(kv BatchFlag <<<"$job")"
check_eq "wrap job: WorkDir is where sbatch ran" "$E2E_WORK" "$(kv WorkDir <<<"$job")"
check_eq "wrap job: StdOut defaults to slurm-N.out there" "$E2E_WORK/slurm-$wrap.out" "$(kv StdOut <<<"$job")"
check_eq "wrap job: StdErr joins StdOut" "$E2E_WORK/slurm-$wrap.out" "$(kv StdErr <<<"$job")"
check_eq "wrap job: StdIn is /dev/null" /dev/null "$(kv StdIn <<<"$job")"
check_eq "wrap job: no Command (there is no script file)" "(null)" "$(kv Command <<<"$job")"
check_eq "wrap job: not an array" "" "$(kv ArrayTaskId <<<"$job")"

# ---- a script, options on the command line --------------------------------------
cp "$E2E_DIR/fixtures/simple.sh" "$E2E_WORK/simple.sh"
e2e_run sbatch -J cmdline -p long -t 5 -n 2 simple.sh
check_eq "sbatch with a script exits 0" 0 "$RC"
check_match "and prints its id" '^Submitted batch job [0-9]+$' "$OUT"
script=${OUT##* }
check "job ids grow: $script after $wrap" test "$script" -gt "$wrap"
job=$(show_job "$script")
check_eq "script job: JobName from -J" cmdline "$(kv JobName <<<"$job")"
check_eq "script job: Partition from -p" long "$(kv Partition <<<"$job")"
check_eq "script job: TimeLimit from -t 5" 00:05:00 "$(kv TimeLimit <<<"$job")"
check_eq "script job: NumTasks from -n 2" 2 "$(kv NumTasks <<<"$job")"
check_eq "script job: NumCPUs from -n 2" 2 "$(kv NumCPUs <<<"$job")"
check_eq "script job: Command is the script's absolute path" "$E2E_WORK/simple.sh" "$(kv Command <<<"$job")"

e2e_run sbatch -p long simple.sh
job=$(show_job "${OUT##* }")
check_eq "a job without -t in partition long gets its DefaultTime" 01:00:00 "$(kv TimeLimit <<<"$job")"
check_eq "a script job without -J is named after the script" simple.sh "$(kv JobName <<<"$job")"

# ---- a script full of #SBATCH options -----------------------------------------
mkdir -p "$E2E_WORK/sub"
sed "s#@WORK@#$E2E_WORK#g" "$E2E_DIR/fixtures/full_options.sh.in" >"$E2E_WORK/full_options.sh"
e2e_run sbatch full_options.sh
check_eq "sbatch of the #SBATCH script exits 0" 0 "$RC"
check_match "and prints its id" '^Submitted batch job [0-9]+$' "$OUT"
full=${OUT##* }
job=$(show_job "$full")
check_eq "#SBATCH -J" e2e_full "$(kv JobName <<<"$job")"
check_eq "#SBATCH -p" long "$(kv Partition <<<"$job")"
check_eq "#SBATCH -t 01:30:00" 01:30:00 "$(kv TimeLimit <<<"$job")"
check_eq "#SBATCH -N 2: exactly two nodes" 2-2 "$(kv NumNodes <<<"$job")"
check_eq "#SBATCH -n 4" 4 "$(kv NumTasks <<<"$job")"
check_eq "#SBATCH -c 2" 2 "$(kv CPUs/Task <<<"$job")"
check_eq "#SBATCH -n 4 -c 2: eight cpus" 8 "$(kv NumCPUs <<<"$job")"
check_eq "#SBATCH --mem=1000" 1000M "$(kv MinMemoryNode <<<"$job")"
check_eq "#SBATCH -o with %j expanded" "$E2E_WORK/out-$full.txt" "$(kv StdOut <<<"$job")"
check_eq "#SBATCH -e with %j expanded" "$E2E_WORK/err-$full.txt" "$(kv StdErr <<<"$job")"
check_eq "#SBATCH --chdir" "$E2E_WORK/sub" "$(kv WorkDir <<<"$job")"
check_eq "#SBATCH --comment" "e2e comment" "$(kv Comment <<<"$job")"
check_eq "#SBATCH --hold: pending" PENDING "$(kv JobState <<<"$job")"
check_eq "#SBATCH --hold: held by the user" JobHeldUser "$(kv Reason <<<"$job")"
check_eq "#SBATCH --hold: priority 0" 0 "$(kv Priority <<<"$job")"
check_eq "#SBATCH --array=0-3: ArrayJobId is the job" "$full" "$(kv ArrayJobId <<<"$job")"
check_eq "#SBATCH --array=0-3: ArrayTaskId" 0-3 "$(kv ArrayTaskId <<<"$job")"
check_eq "Command is the script" "$E2E_WORK/full_options.sh" "$(kv Command <<<"$job")"
submit=$(kv SubmitTime <<<"$job")
eligible=$(kv EligibleTime <<<"$job")
delay=$(($(date -u -d "$eligible" +%s) - $(date -u -d "$submit" +%s)))
# sbatch turns "now+1hour" into a time before it sends: a second may tick
# between that and the controller's submit time.
check "#SBATCH --begin=now+1hour: eligible one hour after submission ($delay s)" \
    test "$delay" -ge 3598 -a "$delay" -le 3600

# ---- --array --------------------------------------------------------------------
e2e_run sbatch --array=1-4 --wrap 'echo task $SLURM_ARRAY_TASK_ID'
check_eq "sbatch --array exits 0" 0 "$RC"
check_match "sbatch --array prints one id" '^Submitted batch job [0-9]+$' "$OUT"
array=${OUT##* }
job=$(show_job "$array")
check_eq "--array=1-4: ArrayJobId" "$array" "$(kv ArrayJobId <<<"$job")"
check_eq "--array=1-4: ArrayTaskId" 1-4 "$(kv ArrayTaskId <<<"$job")"
e2e_run squeue -h -j "$array" -o %i
check_eq "squeue shows the pending tasks as one line ID_[1-4]" "${array}_[1-4]" "$OUT"
e2e_run sbatch --array=0-9%2 --wrap true
job=$(show_job "${OUT##* }")
check_eq "--array=0-9%2: the throttle is kept" "0-9%2" "$(kv ArrayTaskId <<<"$job")"

# ---- --hold -------------------------------------------------------------------
e2e_run sbatch --hold --wrap true
check_eq "sbatch --hold exits 0" 0 "$RC"
held=${OUT##* }
job=$(show_job "$held")
check_eq "--hold: JobState" PENDING "$(kv JobState <<<"$job")"
check_eq "--hold: Reason" JobHeldUser "$(kv Reason <<<"$job")"
check_eq "--hold: Priority" 0 "$(kv Priority <<<"$job")"

# ---- --parsable ---------------------------------------------------------------
e2e_run sbatch --parsable --wrap true
check_eq "sbatch --parsable exits 0" 0 "$RC"
check_match "sbatch --parsable prints only the id" '^[0-9]+$' "$OUT"
check "and that id is a job" test "$(show_job "$OUT" | kv JobId)" = "$OUT"

e2e_run scontrol show job 999999
check_eq "scontrol show job of an unknown id: exit 1 and SLURM's error" \
    "1 slurm_load_jobs error: Invalid job id specified" "$RC $ERR"

# ---- as an ordinary user ---------------------------------------------------------
e2e_users
uid=$(id -u "$E2E_USER1") gid=$(id -g "$E2E_USER1")
e2e_as "$E2E_USER1" sbatch -J mine --wrap true
check_eq "$E2E_USER1 may submit" 0 "$RC"
job=$(show_job "${OUT##* }")
check_eq "the job belongs to the munge-authenticated user" "$E2E_USER1($uid)" "$(kv UserId <<<"$job")"
check_eq "with the user's group" "$E2E_USER1($gid)" "$(kv GroupId <<<"$job")"
t_done
