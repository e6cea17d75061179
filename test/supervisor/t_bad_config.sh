#!/usr/bin/env bash
# A bad configuration is refused before anything starts: flurm-sup exits
# 100 with one clear error naming the file and the key path, starts no
# child, and leaves no pid file or control socket behind.
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/suplib.sh"

marker="$T_TMP/started"
good="{\"name\": \"good\", \"exec\": \"/bin/sh\", \"args\": [\"-c\", \"touch $marker; echo v >&3; exec sleep 100\"]}"

# NAME, then the JSON, then the message expected (a regex) after "FILE: "
cases=(
    "a JSON syntax error"
    "{\"tree\": {\"name\": \"root\", \"children\": [$good,]}}"
    ":1:[0-9]+: .*"

    "an unknown key at the top"
    "{\"tre\": {}, \"tree\": {\"name\": \"root\", \"children\": [$good]}}"
    ": tre: unknown key for the configuration"

    "a bad restart value"
    "{\"tree\": {\"name\": \"root\", \"children\": [$good, {\"name\": \"b\", \"exec\": \"/bin/true\"}, {\"name\": \"c\", \"exec\": \"/bin/true\", \"restart\": \"always\"}]}}"
    ": tree.children\[2\].restart: expected one of permanent, transient, temporary"

    "a misspelt key in a nested service"
    "{\"tree\": {\"name\": \"root\", \"children\": [$good, {\"name\": \"inner\", \"children\": [{\"name\": \"x\", \"exec\": \"/bin/true\", \"shutdwon\": 5}]}]}}"
    ": tree.children\[1\].children\[0\].shutdwon: unknown key for a service"

    "a negative timeout"
    "{\"tree\": {\"name\": \"root\", \"children\": [$good, {\"name\": \"x\", \"exec\": \"/bin/true\", \"ready_timeout\": -1}]}}"
    ": tree.children\[1\].ready_timeout: expected an integer of milliseconds from 1 to 3600000"

    "a bad strategy"
    "{\"tree\": {\"name\": \"root\", \"strategy\": \"all_for_one\", \"children\": [$good]}}"
    ": tree.strategy: expected one of one_for_one, rest_for_one, one_for_all"

    "a duplicate name"
    "{\"tree\": {\"name\": \"root\", \"children\": [$good, {\"name\": \"good\", \"exec\": \"/bin/true\"}]}}"
    ": tree.children\[1\].name: duplicate name \"good\" \(also at tree.children\[0\]\)"

    "a missing executable"
    "{\"tree\": {\"name\": \"root\", \"children\": [$good, {\"name\": \"x\", \"exec\": \"/nonexistent/flurm-x\"}]}}"
    ": tree.children\[1\].exec: /nonexistent/flurm-x: No such file or directory"

    "a reserved environment variable"
    "{\"tree\": {\"name\": \"root\", \"children\": [$good, {\"name\": \"x\", \"exec\": \"/bin/true\", \"env\": {\"FLURM_RUNDIR\": \"/tmp\"}}]}}"
    ": tree.children\[1\].env.FLURM_RUNDIR: reserved: the supervisor sets it"
)

conf="$T_TMP/bad.json"
for ((i = 0; i < ${#cases[@]}; i += 3)); do
    name=${cases[i]} json=${cases[i + 1]} want=${cases[i + 2]}
    printf '%s\n' "$json" >"$conf"
    out=$("$SUP" start -c "$conf" -r "$RUN" 2>&1)
    rc=$?
    check_eq "$name: exit status 100" 100 "$rc"
    check_match "$name: the error names the file and the key" "^flurm-sup: $conf$want\$" "$out"
    check_match "$name: flurm-sup check says the same" "^flurm-sup: $conf$want\$" \
        "$("$SUP" check -c "$conf" 2>&1)"
done

check "no child was ever started" test ! -e "$marker"
check "no pid file was written" test ! -e "$RUN/flurm-sup.pid"
check "no control socket was created" test ! -e "$RUN/ipc/sup.ctl"
check "no process of the tree exists" no_run_procs

printf '{"tree": {"name": "root", "children": [%s]}}\n' "$good" >"$conf"
check "the same file with the mistakes fixed passes flurm-sup check" "$SUP" check -c "$conf"
out=$("$SUP" start -c "$T_TMP/missing.json" -r "$RUN" 2>&1)
check_eq "a missing configuration file: exit status 100" 100 $?
check_match "and the reason" "$T_TMP/missing.json: No such file or directory" "$out"
t_done
