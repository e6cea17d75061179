#!/usr/bin/env bash
# squeue shows the controller's pending jobs exactly as it does with
# slurmctld: the default and long formats, the filters -u, -t, -p and -j,
# and -o format codes, each value being what the job was submitted with.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib.sh"

e2e_write_conf "$T_TMP/c" fake
e2e_users
e2e_start

# Held jobs have a fixed reason (JobHeldUser), so whole lines can be compared.
a=$(e2e_submit --hold -J held_a -t 10 --wrap true)
b=$(e2e_submit --hold -J e2e_long_name -p long -N 2 -n 2 --mem=500 --comment=hello -t 2:00:00 --wrap true)
c=$(e2e_submit_as "$E2E_USER1" --hold -J userjob --wrap true)
d=$(e2e_submit --hold -J arr --array=1-3 --wrap true)
e=$(e2e_submit -J free --wrap true)
check "five jobs were submitted" test -n "$a" -a -n "$b" -a -n "$c" -a -n "$d" -a -n "$e"

# squeue's default format is "%.18i %.9P %.8j %.8u %.2t %.10M %.6D %R".
default_line() { # id partition name user nodes reason
    printf '%18s %9s %8s %8s %2s %10s %6s %s' "$1" "$2" "$3" "$4" PD 0:00 "$5" "$6"
}
HEADER='             JOBID PARTITION     NAME     USER ST       TIME  NODES NODELIST(REASON)'

# ---- default format ---------------------------------------------------------------
e2e_run squeue
check_eq "squeue exits 0" 0 "$RC"
check_eq "squeue: the header" "$HEADER" "$(head -n 1 <<<"$OUT")"
check_eq "squeue: one line per job (the array pending as one)" 5 "$(tail -n +2 <<<"$OUT" | wc -l)"
line_of() { grep -E "^ *$1(_| )" <<<"$OUT"; }
check_eq "squeue: held job, default partition and limits" \
    "$(default_line "$a" debug held_a root 1 "(JobHeldUser)")" "$(line_of "$a")"
check_eq "squeue: name cut to 8 characters, 2 nodes, partition long" \
    "$(default_line "$b" long e2e_long root 2 "(JobHeldUser)")" "$(line_of "$b")"
check_eq "squeue: another user's job is shown, user cut to 8 characters" \
    "$(default_line "$c" debug userjob "${E2E_USER1:0:8}" 1 "(JobHeldUser)")" "$(line_of "$c")"
check_eq "squeue: a pending array is one line ID_[1-3]" \
    "$(default_line "${d}_[1-3]" debug arr root 1 "(JobHeldUser)")" "$(line_of "$d")"
check_match "squeue: an unheld job waits for its nodes" \
    "^ +$e +debug +free +root +PD +0:00 +1 \\((Nodes required for job are DOWN, DRAINED or reserved for jobs in higher priority partitions|ReqNodeNotAvail, UnavailableNodes:n\\[1-3\\])\\)$" \
    "$(line_of "$e")"

# ---- -l -----------------------------------------------------------------------
e2e_run squeue -l
check_eq "squeue -l exits 0" 0 "$RC"
check_match "squeue -l: first line is the date" '^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4}$' \
    "$(head -n 1 <<<"$OUT")"
check_eq "squeue -l: the header" \
    '             JOBID PARTITION     NAME     USER    STATE       TIME TIME_LIMI  NODES NODELIST(REASON)' \
    "$(sed -n 2p <<<"$OUT")"
check_eq "squeue -l: state and time limit" \
    "$(printf '%18s %9s %8s %8s %8s %10s %9s %6s %s' "$b" long e2e_long root PENDING 0:00 2:00:00 2 "(JobHeldUser)")" \
    "$(grep -E "^ *$b " <<<"$OUT")"
check_eq "squeue -l: TIME_LIMIT of a -t 10 job" \
    "$(printf '%18s %9s %8s %8s %8s %10s %9s %6s %s' "$a" debug held_a root PENDING 0:00 10:00 1 "(JobHeldUser)")" \
    "$(grep -E "^ *$a " <<<"$OUT")"

# ---- filters ------------------------------------------------------------------
ids() { tail -n +2 <<<"$OUT" | awk '{ print $1 }' | sort | tr '\n' ' ' | sed 's/ $//'; }
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }
e2e_run squeue -u "$E2E_USER1"
check_eq "squeue -u $E2E_USER1: only that user's job" "$c" "$(ids)"
e2e_run squeue -u root
check_eq "squeue -u root: only root's jobs" "$(sorted "$a" "$b" "${d}_[1-3]" "$e")" "$(ids)"
e2e_run squeue -t PD
check_eq "squeue -t PD: every job is pending" "$(sorted "$a" "$b" "$c" "${d}_[1-3]" "$e")" "$(ids)"
e2e_run squeue -t R
check_eq "squeue -t R: none is running, only the header" "$HEADER" "$OUT"
e2e_run squeue -p long
check_eq "squeue -p long: only the job of partition long" "$b" "$(ids)"
e2e_run squeue -j "$b"
check_eq "squeue -j: only that job" "$b" "$(ids)"
e2e_run squeue -j "$a,$c"
check_eq "squeue -j A,B: those two" "$(sorted "$a" "$c")" "$(ids)"
e2e_run squeue -j 999999
check_eq "squeue -j of an unknown job: exit 1" 1 "$RC"
check_eq "squeue -j of an unknown job: SLURM's error" "slurm_load_jobs error: Invalid job id specified" "$ERR"
e2e_run squeue -u nosuchuser
check_eq "squeue -u of an unknown user: the client says so (and exits 0)" "0 squeue: error: Invalid user: nosuchuser" \
    "$RC $(head -n 1 <<<"$ERR")"

# ---- -o format codes ------------------------------------------------------------
e2e_run squeue -o "%i %j %u %t %P %l %D %R"
check_eq "squeue -o: the header names the fields" "JOBID NAME USER ST PARTITION TIME_LIMIT NODES NODELIST(REASON)" \
    "$(head -n 1 <<<"$OUT")"
check_eq "squeue -o: job a" "$a held_a root PD debug 10:00 1 (JobHeldUser)" "$(grep "^$a " <<<"$OUT")"
check_eq "squeue -o: job b" "$b e2e_long_name root PD long 2:00:00 2 (JobHeldUser)" "$(grep "^$b " <<<"$OUT")"
check_eq "squeue -o: job c" "$c userjob $E2E_USER1 PD debug UNLIMITED 1 (JobHeldUser)" "$(grep "^$c " <<<"$OUT")"
check_eq "squeue -o: the array" "${d}_[1-3] arr root PD debug UNLIMITED 1 (JobHeldUser)" "$(grep "^${d}_" <<<"$OUT")"

e2e_run squeue -h -j "$b" -o "%C|%m|%Z|%k|%T|%F|%K|%o|%h|%a|%N|%M|%L"
check_eq "squeue -o %C %m %Z %k %T %F %K %o %h %a %N %M %L" \
    "2|500M|$E2E_WORK|hello|PENDING|$b|N/A|(null)|OK|(null)||0:00|2:00:00" "$OUT"
e2e_run squeue -h -j "$d" -o "%i|%F|%K|%j"
check_eq "squeue -o %F %K of a pending array" "${d}_[1-3]|$d|1-3|arr" "$OUT"
e2e_run squeue -h -j "$c" -o "%U|%G|%g|%u"
check_eq "squeue -o %U %G %g %u: the owner's ids and names" \
    "$(id -u "$E2E_USER1")|$(id -g "$E2E_USER1")|$E2E_USER1|$E2E_USER1" "$OUT"
e2e_run squeue -h -j "$a" --format=%.10i
check_eq "squeue --format=%.10i right-aligns in 10 columns" "$(printf '%10s' "$a")" "$OUT"
t_done
