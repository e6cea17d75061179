# testlib.sh - a tiny library for FLURM's multi-process tests (t_*.sh).
#
# A test file sources it, declares checks, and ends with t_done:
#
#   #!/usr/bin/env bash
#   # The one behaviour this file specifies, in a sentence.
#   . "$(dirname "$0")/../lib/testlib.sh"
#
#   t_bg "$B/test/bin/testsvc" --echo          # background, killed at exit
#   check "the service answers" "$B/test/bin/testclient" --count 1
#   check_eq "two children" 2 "$(count_children)"
#   wait_for 5 "the pid file appears" test -s "$T_TMP/x.pid"
#   t_done
#
# Output is TAP: "ok N - name" or "not ok N - name" followed by "#" lines
# saying what was expected and what was seen; the last lines are "1..N" and
# "# N passed, M failed".  The exit status is 0 only if every check passed
# (and at least one ran).  Whatever the test started with t_bg is stopped
# when the script ends, however it ends (trap), and $T_TMP is removed unless
# a check failed or T_KEEP is set (then its path is printed, for the
# post-mortem).
#
# Provided variables:
#   T_ROOT  the repository root (tests run from there)
#   B       the build folder, absolute (from $B, default "build")
#   T_TMP   a fresh private folder (mktemp -d)
#   T_NAME  the test file's name
#
# Functions:
#   check NAME CMD...            passes if CMD exits 0
#   check_fails NAME CMD...      passes if CMD exits non-zero
#   check_eq NAME EXPECTED ACTUAL
#   check_ne NAME UNEXPECTED ACTUAL
#   check_match NAME REGEX TEXT  (bash =~, extended regex)
#   check_file_match NAME REGEX FILE
#   wait_for SECONDS WHAT CMD... polls CMD every 20 ms; 0 when it succeeds,
#                                1 (with a "#" note) on timeout
#   t_bg CMD...                  start CMD in the background in its own
#                                process group; its pid is in $T_PID
#   t_stop PID [SECONDS]         SIGTERM the group of PID, SIGKILL after
#                                SECONDS (default 5); waits for it
#   t_on_exit CMD...             run CMD during cleanup (before t_bg kills)
#   t_show_on_fail FILE...       print the tail of FILE if a check fails
#   t_free_port                  print a TCP port nobody listens on
#   t_note TEXT                  a "#" comment line in the output
#   t_fatal TEXT                 fail a check named TEXT and stop here
#   t_skip REASON                skip the whole file (exit 77)
#   t_done                       summary and exit status

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T_NAME=$(basename "$0")
B=${B:-build}
case $B in /*) ;; *) B="$T_ROOT/$B" ;; esac
export B
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/flurm-${T_NAME%.sh}.XXXXXX")
export T_TMP

_t_count=0
_t_failed=0
_t_bg_pids=()
_t_on_exit=()
_t_show=()
_t_done=0

t_note() {
    local line
    while IFS= read -r line; do
        printf '# %s\n' "$line"
    done <<<"$*"
}

_t_result() { # ok|fail name [detail...]
    local status=$1 name=$2
    shift 2
    _t_count=$((_t_count + 1))
    if [ "$status" = ok ]; then
        printf 'ok %d - %s\n' "$_t_count" "$name"
    else
        _t_failed=$((_t_failed + 1))
        printf 'not ok %d - %s\n' "$_t_count" "$name"
        local d
        for d in "$@"; do
            t_note "  $d"
        done
    fi
}

check() {
    local name=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        _t_result ok "$name"
    else
        _t_result fail "$name" "command: $*" "exit status: $rc" "output: ${out:0:2000}"
    fi
    return $rc
}

check_fails() {
    local name=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    if [ $rc -ne 0 ]; then
        _t_result ok "$name"
        return 0
    fi
    _t_result fail "$name" "command: $*" "expected a non-zero exit status, got 0" \
        "output: ${out:0:2000}"
    return 1
}

check_eq() {
    if [ "$2" = "$3" ]; then
        _t_result ok "$1"
        return 0
    fi
    _t_result fail "$1" "expected: '$2'" "actual:   '$3'"
    return 1
}

check_ne() {
    if [ "$2" != "$3" ]; then
        _t_result ok "$1"
        return 0
    fi
    _t_result fail "$1" "expected anything but: '$2'"
    return 1
}

check_match() {
    if [[ $3 =~ $2 ]]; then
        _t_result ok "$1"
        return 0
    fi
    _t_result fail "$1" "expected to match: $2" "actual: '${3:0:2000}'"
    return 1
}

check_file_match() {
    if grep -Eq -- "$2" "$3" 2>/dev/null; then
        _t_result ok "$1"
        return 0
    fi
    _t_result fail "$1" "expected $3 to have a line matching: $2" \
        "it has: $(tail -n 20 "$3" 2>/dev/null)"
    return 1
}

wait_for() {
    local timeout=$1 what=$2 deadline ms
    shift 2
    # seconds, possibly fractional, to milliseconds without a subprocess
    if [[ $timeout == *.* ]]; then
        local frac=${timeout#*.}000
        ms=$((${timeout%%.*} * 1000 + 10#${frac:0:3}))
    else
        ms=$((timeout * 1000))
    fi
    deadline=$(($(date +%s%N) + ms * 1000000))
    while :; do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        if [ "$(date +%s%N)" -ge "$deadline" ]; then
            t_note "timed out after ${timeout}s waiting for: $what"
            return 1
        fi
        sleep 0.02
    done
}

t_bg() {
    # setsid: its own process group, so that cleanup reaches its children
    # and a Ctrl-C of the test does not race the test's own cleanup.
    setsid "$@" &
    T_PID=$!
    _t_bg_pids+=("$T_PID")
}

_t_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "$state" != Z ] && [ "$state" != X ]
}

t_stop() {
    local pid=$1 timeout=${2:-5} i
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < timeout * 50; i++)); do
        _t_alive "$pid" || break
        sleep 0.02
    done
    if _t_alive "$pid"; then
        t_note "pid $pid ignored SIGTERM for ${timeout}s: SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    return 0
}

t_on_exit() {
    _t_on_exit+=("$(printf '%q ' "$@")")
}

t_show_on_fail() {
    _t_show+=("$@")
}

t_free_port() {
    # Below the kernel's ephemeral range: a port in it can be taken, between
    # this check and the bind, as the local end of some client's outgoing
    # connection (a run of parallel tests makes thousands), and the bind
    # then fails with "Address already in use".
    local port i low=32768 span
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || low=32768
    span=$((low - 10000))
    [ "$span" -ge 1000 ] || span=1000
    for ((i = 0; i < 200; i++)); do
        port=$((10000 + (RANDOM * 32768 + RANDOM) % span))
        if [ -z "$(ss -Htan "( sport = :$port )" 2>/dev/null)" ]; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

t_fatal() {
    _t_result fail "$*"
    t_done
}

t_skip() {
    printf '1..0 # SKIP %s\n' "$*"
    _t_done=1
    exit 77
}

_t_cleanup() {
    local rc=$? cmd pid f
    for cmd in "${_t_on_exit[@]}"; do
        eval "$cmd" >/dev/null 2>&1
    done
    for pid in "${_t_bg_pids[@]}"; do
        _t_alive "$pid" && t_stop "$pid" 5 >/dev/null
    done
    if [ "$_t_done" = 0 ]; then
        # The script ended without t_done: an error, whatever $? says.
        _t_result fail "$T_NAME ended before t_done (exit status $rc)"
        printf '1..%d\n# %d passed, %d failed\n' "$_t_count" \
            $((_t_count - _t_failed)) "$_t_failed"
        rc=1
    fi
    if [ "$_t_failed" -gt 0 ] || [ "$rc" -ne 0 ] || [ -n "${T_KEEP:-}" ]; then
        for f in "${_t_show[@]}"; do
            [ -f "$f" ] || continue
            t_note "---- last lines of $f ----"
            t_note "$(tail -n 40 "$f")"
        done
        t_note "files kept in $T_TMP"
    else
        rm -rf "$T_TMP"
    fi
    exit "$rc"
}

t_done() {
    _t_done=1
    printf '1..%d\n# %d passed, %d failed\n' "$_t_count" $((_t_count - _t_failed)) "$_t_failed"
    if [ "$_t_failed" -gt 0 ] || [ "$_t_count" -eq 0 ]; then
        exit 1
    fi
    exit 0
}

trap _t_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$T_ROOT" || exit 1
