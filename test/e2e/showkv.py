#!/usr/bin/env python3
"""showkv.py - turn `scontrol show job|node|partition` output into lines.

scontrol prints records as "Key=Value Key=Value" spread over indented
lines; a value may hold spaces (Comment=two words, Reason=x [root@time]),
so splitting on blanks is wrong.  A new pair starts only where a blank is
followed by something shaped like a key and "=".  Records are separated by
empty lines.

  showkv.py [--record N] < scontrol-output
      print "Key=Value" one per line (values stripped of trailing blanks),
      for record N (1-based) or, by default, for every record, with an
      empty line between records.
  showkv.py --get KEY [--record N] < scontrol-output
      print only the value of KEY (the first one of the record); exit 1
      if the record has no such key.
"""
import re
import sys

# Keys seen in 22.05 output: JobId, CPUs/Task, AllocNode:Sid, NtasksPerN:B:S:C.
KEY_START = re.compile(r"(?:^|\s)(?=[A-Za-z][A-Za-z0-9_:/]*=)")


def records(text):
    out, cur = [], []
    for line in text.splitlines():
        if line.strip() == "":
            if cur:
                out.append(cur)
                cur = []
            continue
        cur.append(line)
    if cur:
        out.append(cur)
    return out


def pairs(lines):
    result = []
    for line in lines:
        pieces = KEY_START.split(line.strip())
        for piece in pieces:
            piece = piece.strip()
            if not piece:
                continue
            if "=" not in piece:
                # a continuation without a key: belongs to the previous value
                if result:
                    key, value = result[-1]
                    result[-1] = (key, (value + " " + piece).strip())
                continue
            key, value = piece.split("=", 1)
            result.append((key, value.rstrip()))
    return result


def main(argv):
    get, wanted = None, None
    while argv:
        if argv[0] == "--get" and len(argv) > 1:
            get = argv[1]
        elif argv[0] == "--record" and len(argv) > 1:
            wanted = int(argv[1])
        else:
            print(__doc__, file=sys.stderr)
            return 2
        argv = argv[2:]
    recs = records(sys.stdin.read())
    if wanted is not None:
        recs = recs[wanted - 1:wanted] if 0 < wanted <= len(recs) else []
    if get is not None:
        for key, value in pairs(recs[0]) if recs else []:
            if key == get:
                print(value)
                return 0
        return 1
    for i, rec in enumerate(recs):
        if i:
            print()
        for key, value in pairs(rec):
            print("%s=%s" % (key, value))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
