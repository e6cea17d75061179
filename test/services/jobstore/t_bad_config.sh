#!/usr/bin/env bash
# flurm-jobstore refuses to start on what a restart cannot fix: a broken
# slurm.conf, a missing StateSaveLocation, or a database of another schema
# version.  It says why in its log and exits FLURM_EXIT_PERMANENT (100), so
# that the supervisor does not restart it in a loop.
. "$(dirname "$0")/../../lib/testlib.sh"

STORE="$B/bin/flurm-jobstore"
mkdir -p "$T_TMP/run" "$T_TMP/state"

run_store() { # conf: prints the exit status; the log goes to $T_TMP/log
    env SLURM_CONF="$1" FLURM_RUNDIR="$T_TMP/run" FLURM_SERVICE=store \
        timeout 10 "$STORE" 2>"$T_TMP/log"
    echo $?
}

cat >"$T_TMP/broken.conf" <<EOF2
ClusterName=bad
SlurmctldHost=ctl
NodeName=n1 CPUs=two
PartitionName=debug Nodes=n1 Default=YES
EOF2
check_eq "a broken slurm.conf: exit 100" 100 "$(run_store "$T_TMP/broken.conf")"
check_file_match "the log names the bad line" "broken.conf:3" "$T_TMP/log"

cat >"$T_TMP/nostate.conf" <<EOF2
ClusterName=bad
SlurmctldHost=ctl
StateSaveLocation=$T_TMP/does-not-exist
NodeName=n1 CPUs=2
PartitionName=debug Nodes=n1 Default=YES
EOF2
check_eq "a missing StateSaveLocation: exit 100" 100 "$(run_store "$T_TMP/nostate.conf")"
check_file_match "the log names it" "does-not-exist" "$T_TMP/log"

sed "s#$T_TMP/does-not-exist#$T_TMP/state#" "$T_TMP/nostate.conf" >"$T_TMP/good.conf"
sqlite3_set_version() {
    python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value)")
db.execute("INSERT INTO meta VALUES('schema_version', 99)")
db.commit()
PY
}
sqlite3_set_version "$T_TMP/state/flurm-jobstore.db"
check_eq "a database of another schema version: exit 100" 100 "$(run_store "$T_TMP/good.conf")"
check_file_match "the log says which version" "schema version 99" "$T_TMP/log"
t_done
