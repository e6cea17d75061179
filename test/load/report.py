#!/usr/bin/env python3
"""report.py - the verdict of the load-and-fault harness (test/load/lib.sh).

  report.py LOAD_DIR WORK JOBS_DUMP

LOAD_DIR holds what the run recorded: `phases` ("START LABEL" lines, the
fault schedule as it happened), the workers' `wN.cmds`, `wN.jobs` and
`wN.fail` (test/load/worker.sh).  WORK is the submit folder: `runs` has one
line per job run (its id, appended by job.sh on the node).  JOBS_DUMP is
`scontrol show job` of every job, taken once the queue was empty.

A command's latency belongs to the phase in which it started; a failed
command counts for the phase in which it ended (the last fault it lived
through: an srun allocation started under one fault may die with the
gateway killed by the next), and its line names every phase it spanned.
A job belongs to the phase in which its sbatch started.  For every id an sbatch printed:
  lost   - the controller does not know it;
  wrong  - it does, but not with the description it was submitted with
           (name, comment, folder, time limit, output path) or not in the
           final state its kind must end in;
  twice  - job.sh ran more than once for it.

Prints the table on stdout and writes LOAD_DIR/summary.tsv, one line per
phase (label, issued, failed, max ms, p99 ms, acked, lost, twice, wrong)
and a last line for the total, for the harness's checks.
"""
import glob
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import showkv  # noqa: E402  (test/e2e/showkv.py: scontrol output to pairs)

# What each kind of job must end as; runs allowed.
FINAL = {
    "short": ("COMPLETED", "0:0", {1}),
    "fail": ("FAILED", "3:0", {1}),
    "held": ("CANCELLED", None, {0}),
    "long": ("CANCELLED", None, {0, 1}),
}
LIMIT = {"short": "00:05:00", "fail": "00:05:00", "held": "00:05:00", "long": "00:10:00"}


def read_phases(path):
    phases = []
    with open(path) as f:
        for line in f:
            start, label = line.rstrip("\n").split(" ", 1)
            phases.append((float(start), label))
    return phases


def phase_of(phases, t):
    label = phases[0][1]
    for start, name in phases:
        if start <= t:
            label = name
        else:
            break
    return label


def p99(values):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def phases_between(phases, t0, t1):
    """The labels of the phases from the one t0 is in to the one t1 is in."""
    spanned = [phase_of(phases, t0)]
    for start, name in phases:
        if t0 < start <= t1 and name != spanned[-1]:
            spanned.append(name)
    return spanned


def main(argv):
    load_dir, work, dump = argv[1:4]
    phases = read_phases(os.path.join(load_dir, "phases"))
    order = []
    for _, label in phases:
        if label not in order:
            order.append(label)
    rows = {label: {"lat": [], "failed": 0, "acked": 0, "lost": 0, "twice": 0, "wrong": 0}
            for label in order}

    slowest = []
    for path in glob.glob(os.path.join(load_dir, "w*.cmds")):
        with open(path) as f:
            for line in f:
                t0, t1, rc, kind = line.split()
                label = phase_of(phases, float(t0))
                ms = (float(t1) - float(t0)) * 1000.0
                rows[label]["lat"].append(ms)
                slowest.append((ms, label, kind, rc))
                if rc != "0":
                    rows[phase_of(phases, float(t1))]["failed"] += 1
    slowest.sort(reverse=True)

    acked, cancels = {}, {}
    for path in glob.glob(os.path.join(load_dir, "w*.jobs")):
        with open(path) as f:
            for line in f:
                words = line.split()
                if words[0] == "ack":
                    acked[words[1]] = (words[2], words[3], float(words[4]))
                elif words[0] == "cancel":
                    cancels.setdefault(words[1], []).append(words[2])

    runs = {}
    try:
        with open(os.path.join(work, "runs")) as f:
            for line in f:
                if line.strip():
                    jid = line.split()[0]
                    runs[jid] = runs.get(jid, 0) + 1
    except FileNotFoundError:
        pass

    known = {}
    with open(dump) as f:
        for record in showkv.records(f.read()):
            kv = dict(showkv.pairs(record))
            if "JobId" in kv:
                known[kv["JobId"]] = kv

    problems = []
    for jid, (kind, name, t0) in sorted(acked.items(), key=lambda x: int(x[0])):
        row = rows[phase_of(phases, t0)]
        row["acked"] += 1
        ran = runs.get(jid, 0)
        if ran > 1:
            row["twice"] += 1
            problems.append(f"job {jid} ({name}): ran {ran} times")
        kv = known.get(jid)
        if kv is None:
            row["lost"] += 1
            problems.append(f"job {jid} ({name}): lost (sbatch printed it; the controller does not know it)")
            continue
        state, exit_code, allowed_runs = FINAL[kind]
        want = {"JobName": name, "Comment": name, "WorkDir": work,
                "TimeLimit": LIMIT[kind], "StdOut": f"{work}/out/{jid}.out",
                "JobState": state}
        if exit_code:
            want["ExitCode"] = exit_code
        bad = [f"{k}={kv.get(k)!r} (want {v!r})" for k, v in want.items() if kv.get(k) != v]
        if ran not in allowed_runs and ran <= 1:
            bad.append(f"ran {ran} times (want {sorted(allowed_runs)})")
        if bad:
            row["wrong"] += 1
            problems.append(f"job {jid} ({name}, cancels {cancels.get(jid, [])}): " + "; ".join(bad))

    # Jobs the controller created although sbatch reported a failure: the
    # user would submit again (a duplicate), so they are worth knowing.
    names = {name for (_, name, _) in acked.values()}
    orphans = [jid for jid, kv in known.items()
               if kv.get("JobName", "").startswith("load-w") and jid not in acked
               and kv.get("JobName") not in names]

    head = f"{'fault':<28} {'commands':>8} {'failed':>6} {'max ms':>8} {'p99 ms':>8} " \
           f"{'acked':>6} {'lost':>5} {'twice':>5} {'wrong':>5}"
    print(head)
    print("-" * len(head))
    total = {"lat": [], "failed": 0, "acked": 0, "lost": 0, "twice": 0, "wrong": 0}
    with open(os.path.join(load_dir, "summary.tsv"), "w") as out:
        for label in order + ["total"]:
            row = rows.get(label, total)
            if label != "total":
                for k in ("failed", "acked", "lost", "twice", "wrong"):
                    total[k] += row[k]
                total["lat"].extend(row["lat"])
            else:
                print("-" * len(head))
            lat = row["lat"]
            mx = max(lat) if lat else 0.0
            line = (label, len(lat), row["failed"], mx, p99(lat), row["acked"], row["lost"],
                    row["twice"], row["wrong"])
            print(f"{label:<28} {line[1]:>8} {line[2]:>6} {line[3]:>8.0f} {line[4]:>8.0f} "
                  f"{line[5]:>6} {line[6]:>5} {line[7]:>5} {line[8]:>5}")
            out.write("\t".join(str(round(x)) if isinstance(x, float) else str(x) for x in line) + "\n")
    print(f"jobs known to the controller: {len(known)}; acknowledged by sbatch: {len(acked)}; "
          f"created although sbatch failed: {len(orphans)} {' '.join(sorted(orphans, key=int)[:10])}")
    for ms, label, kind, rc in slowest[:8]:
        print(f"slow command: {ms:.0f} ms, {kind} (exit {rc}) [{label}]")
    for p in problems[:30]:
        print("problem: " + p)
    if len(problems) > 30:
        print(f"problem: ... and {len(problems) - 30} more")
    fails = []
    for path in glob.glob(os.path.join(load_dir, "w*.fail")):
        with open(path) as f:
            fails.extend(f.readlines())
    fails.sort()
    for line in fails[:40]:
        t0, t1, what = line.split(" ", 2)
        spanned = phases_between(phases, float(t0), float(t1))
        print(f"failed command [{spanned[-1]}] ({(float(t1) - float(t0)) * 1000.0:.0f} ms"
              f"{', from ' + ' to '.join(spanned) if len(spanned) > 1 else ''}): {what.rstrip()}")
    if len(fails) > 40:
        print(f"failed command: ... and {len(fails) - 40} more")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
