#!/usr/bin/env python3
"""normalize.py - make one client output comparable between two controllers.

t_compare_slurmctld.sh runs the same commands against the real slurmctld
and against FLURM.  What may differ without being a difference in
behaviour is rewritten here, and nothing else:

* job ids (the two controllers number independently; slurmctld also burns
  ids on some refused submissions): each id given with --ids becomes <Jn>,
  n being its position in submission order; only where an id stands
  (JobId=, ArrayJobId=, "Submitted batch job", "job id", "for job",
  slurm-N.out, out-N.txt / err-N.txt, the first column of squeue, a bare
  --parsable id);
* times: the keys SubmitTime, EligibleTime, AccrueTime, StartTime, EndTime,
  LastSchedEval, BootTime, SlurmdStartTime, LastBusyTime are dropped,
  ISO timestamps become <TIME>, the date line of squeue -l / sinfo -l
  becomes <DATE>;
* AllocNode:Sid (the client's session id) is dropped;
* a positive Priority becomes <positive> (priority/basic counts down with
  every submission); Priority=0 (held) is kept;
* the pending reasons that one slurmctld gives the same job at different
  moments, depending on whether a scheduling pass has looked at it yet,
  become a class: "Nodes required for job are DOWN..." and
  "ReqNodeNotAvail, UnavailableNodes:..." become <nodes-unavailable>;
  PartitionConfig, PartitionNodeLimit and PartitionTimeLimit become
  <partition-limit>.  Every other reason (held, None, Priority, ...) stays;
* the Reason of a job that is no longer PENDING is what was left from its
  pending time (slurmctld does not clear it): it becomes <left-over>.

  normalize.py [--ids "ID1 ID2 ..."] < raw > normalized
"""
import re
import sys

TIME_KEYS = ("SubmitTime", "EligibleTime", "AccrueTime", "StartTime", "EndTime",
             "LastSchedEval", "BootTime", "SlurmdStartTime", "LastBusyTime")
DROP_KEYS = re.compile(r"\s*\b(?:%s|AllocNode:Sid)=\S*" % "|".join(TIME_KEYS))
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
DATE_LINE = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$")
PRIORITY = re.compile(r"\bPriority=[1-9]\d*")

# A reason as scontrol shows it (Reason=words_joined_by_underscores) or as
# squeue does ("(words with spaces)").
_NODES_UNAVAILABLE = (r"Nodes[ _]required[ _]for[ _]job[ _]are[ _]DOWN,[ _]DRAINED[ _]or[ _]reserved"
            r"[ _]for[ _]jobs[ _]in[ _]higher[ _]priority[ _]partitions"
            r"|ReqNodeNotAvail,[ _]UnavailableNodes:[^ )]*")
_LIMIT = r"PartitionConfig|PartitionNodeLimit|PartitionTimeLimit"
ENDED_REASON = re.compile(r"\b(JobState=(?!PENDING)\S+) Reason=\S+")
REASON_KEY = [(re.compile(r"\bReason=(?:%s)(?= |$)" % _NODES_UNAVAILABLE), "Reason=<nodes-unavailable>"),
              (re.compile(r"\bReason=(?:%s)(?= |$)" % _LIMIT), "Reason=<partition-limit>")]
REASON_PAREN = [(re.compile(r"\((?:%s)\)$" % _NODES_UNAVAILABLE), "(<nodes-unavailable>)"),
                (re.compile(r"\((?:%s)\)$" % _LIMIT), "(<partition-limit>)")]

# (pattern with one group: the id)
ID_CONTEXTS = [
    re.compile(r"\b(?:Array)?JobId=(\d+)"),
    re.compile(r"Submitted batch job (\d+)"),
    re.compile(r"\bjob id (\d+)"),
    re.compile(r"\bfor job (\d+)"),
    re.compile(r"/slurm-(\d+)\.out"),
    re.compile(r"/(?:out|err)-(\d+)\.txt"),
]
SQUEUE_FIRST = re.compile(r"^\s*(\d+)(?=_\[|_\d| |\||$)")


def mask_ids(line, names):
    def sub(pattern, text, strip_padding=False):
        def repl(m):
            name = names.get(m.group(1))
            if name is None:
                return m.group(0)
            start, end = m.span(1)
            prefix = "" if strip_padding else m.group(0)[:start - m.start(0)]
            return prefix + name + m.group(0)[end - m.start(0):]
        return pattern.sub(repl, text)

    for pattern in ID_CONTEXTS:
        line = sub(pattern, line)
    return sub(SQUEUE_FIRST, line, strip_padding=True)


def normalize(text, ids):
    names = {i: "<J%d>" % (n + 1) for n, i in enumerate(ids)}
    out = []
    for line in text.splitlines():
        if DATE_LINE.match(line):
            out.append("<DATE>")
            continue
        dropped = DROP_KEYS.sub("", line)
        if line.strip() and not dropped.strip():
            continue  # a line of time keys only
        line = ISO_TIME.sub("<TIME>", dropped)
        line = PRIORITY.sub("Priority=<positive>", line)
        line = ENDED_REASON.sub(r"\1 Reason=<left-over>", line)
        for pattern, name in REASON_KEY + REASON_PAREN:
            line = pattern.sub(name, line)
        line = mask_ids(line, names)
        out.append(line.rstrip())
    return "\n".join(out) + ("\n" if out else "")


def main(argv):
    ids = []
    if len(argv) == 2 and argv[0] == "--ids":
        ids = argv[1].split()
    elif argv:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(normalize(sys.stdin.read(), ids))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
