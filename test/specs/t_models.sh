#!/usr/bin/env bash
# FLURM's SPIN models hold: every property of every model in specs/ is
# verified by an exhaustive search (specs/check), and every deliberately
# broken variant of a model is caught.  What each model and property means:
# specs/README.md.  Skipped (77) only when spin is missing and cannot be
# installed on this machine.
. "$(dirname "$0")/../lib/testlib.sh"

# spin is in scripts/setup's package list; install it here too so that the
# suite does not depend on setup having run since spin was added.
install_spin() {
    local as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo -n true 2>/dev/null || return 1
        as_root=(sudo -n)
    fi
    command -v apt-get >/dev/null 2>&1 || return 1
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q spin \
        </dev/null >"$T_TMP/apt.log" 2>&1 && return 0
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        </dev/null >>"$T_TMP/apt.log" 2>&1 &&
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q spin \
            </dev/null >>"$T_TMP/apt.log" 2>&1
}

if ! command -v spin >/dev/null 2>&1; then
    install_spin || t_skip "spin is not installed and cannot be installed here (needs root or sudo and apt-get); run scripts/setup"
    command -v spin >/dev/null 2>&1 || t_skip "spin cannot be installed: apt-get did not provide it"
fi

out="$T_TMP/check.out"
"$T_ROOT/specs/check" >"$out" 2>&1
rc=$?

# One TAP line per verification run, named by what must come out; when it
# does not, the line shows pan's verdict and the counterexample.
mapfile -t lines <"$out"
for ((i = 0; i < ${#lines[@]}; i++)); do
    line=${lines[i]}
    case $line in
        "ok   "*) rest=${line#ok   } ;;
        "FAIL "*) rest=${line#FAIL } ;;
        *) continue ;;
    esac
    label=${rest%%: *}
    case ${rest#*: } in
        holds* | "expected to hold"* | "search incomplete"*) name="$label holds" ;;
        *) name="$label is violated (a broken variant is caught)" ;;
    esac
    if [ "${line:0:3}" = "ok " ]; then
        check_eq "$name" "as expected" "as expected"
        continue
    fi
    detail=$line
    while [ $((i + 1)) -lt ${#lines[@]} ] && [ "${lines[i + 1]:0:4}" = "    " ]; do
        i=$((i + 1))
        detail+=$'\n'${lines[i]}
    done
    check_eq "$name" "as expected" "$detail"
done
check_eq "specs/check exits 0 ($(tail -n 1 "$out"))" 0 "$rc"
t_done
