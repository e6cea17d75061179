#!/usr/bin/env bash
# Under a steady load of real clients (sbatch, squeue, scontrol show job,
# sinfo, scancel, srun) on two real slurmd, each fault once: every service
# reloaded twice in a row, reloaded to a build of another version (which
# then serves) and to a broken build (the old instance keeps serving),
# killed with SIGKILL; the whole tree killed and restarted; a slurmd killed
# and restarted.  No acknowledged job is lost or runs twice, every job ends
# with its description and the state its kind must reach, and no client
# command fails during a reload.  (test/load/lib.sh; docs/testing.md)
. "$(dirname "$0")/../lib/testlib.sh"
. "$T_ROOT/test/load/lib.sh"
load_main "$@"
