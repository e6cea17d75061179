#!/usr/bin/env bash
# Where a test cluster cannot be built (no network namespaces, not root),
# cluster_up fails at once with the reason and status 77, creating nothing,
# and a test that calls cluster_require is skipped (exit 77) with that
# reason on a "SKIP" line, which is what scripts/run-tests reports.
# shellcheck disable=SC2016 # the bash -c scripts expand in their own shell
. "$(dirname "$0")/../lib/testlib.sh"
LIB="$T_ROOT/test/lib/cluster.sh"

[ "$(id -u)" -eq 0 ] || t_skip "this test plays root and non-root: it needs root"

# An `ip` that fails to create namespaces, as in a container without
# CAP_SYS_ADMIN, and passes everything else to the real one.
mkdir -p "$T_TMP/fakebin"
real_ip=$(command -v ip)
cat >"$T_TMP/fakebin/ip" <<FAKE
#!/bin/sh
if [ "\$1" = netns ] && [ "\$2" = add ]; then
    echo "mount --make-shared /run/netns failed: Operation not permitted" >&2
    exit 1
fi
exec "$real_ip" "\$@"
FAKE
chmod +x "$T_TMP/fakebin/ip"

out=$(PATH="$T_TMP/fakebin:$PATH" CLUSTER_DIR="$T_TMP/nonetns" bash -c '
    . "$1"
    cluster_up 2 2>/dev/null
    echo "rc=$? error=$CLUSTER_ERROR"' _ "$LIB")
check_match "cluster_up returns 77 where namespaces cannot be created" "^rc=77 " "$out"
check_match "and gives the reason" \
    "error=this machine cannot create network namespaces \(ip netns add: mount --make-shared /run/netns failed: Operation not permitted\)" "$out"
check_eq "it registered no cluster" "" "$(grep -lx "dir=$T_TMP/nonetns" /run/flurm-cluster/c* 2>/dev/null)"
check_fails "it left no state" test -e "$T_TMP/nonetns/cluster.env"

cat >"$T_TMP/t_needs_cluster.sh" <<TEST
. "$T_ROOT/test/lib/testlib.sh"
. "$LIB"
cluster_require
check "never reached" false
t_done
TEST
PATH="$T_TMP/fakebin:$PATH" TMPDIR="$T_TMP" bash "$T_TMP/t_needs_cluster.sh" >"$T_TMP/skip.out" 2>&1
check_eq "a test calling cluster_require there exits 77" 77 "$?"
check_file_match "with the reason on a SKIP line" \
    "^1\.\.0 # SKIP this machine cannot create network namespaces" "$T_TMP/skip.out"

# Not root: the library is copied where an unprivileged user can read it.
mkdir -p "$T_TMP/pub"
cp "$LIB" "$T_TMP/pub/cluster.sh"
chmod 0755 "$T_TMP" "$T_TMP/pub"
chmod 0644 "$T_TMP/pub/cluster.sh"
out=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env CLUSTER_DIR=/nonexistent/cluster bash -c '
    . "$1"
    cluster_up 1 2>/dev/null
    echo "rc=$? error=$CLUSTER_ERROR"' _ "$T_TMP/pub/cluster.sh")
check_eq "cluster_up returns 77 for a user who is not root, and says why" \
    "rc=77 error=the test cluster needs root (network namespaces, bridges, hostnames)" "$out"
t_done
