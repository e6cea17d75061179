#!/usr/bin/env bash
# sinfo, sinfo -N -l, scontrol show node and scontrol show partition show
# the nodes and partitions of slurm.conf with the values slurm.conf gives
# them (cpus, sockets/cores/threads, memory, weight, features, partition
# membership, time limits, defaults, totals), in SLURM's formats.  The
# nodes' slurmd never registers: they are UNKNOWN, and once the controller
# has found them silent, UNKNOWN+NOT_RESPONDING ("unk*").
. "$(dirname "$0")/../lib/testlib.sh"
. "$(dirname "$0")/lib.sh"

e2e_write_conf "$T_TMP/c" fake
e2e_start

STATE_RE='unk\*?'

# ---- sinfo -----------------------------------------------------------------------
e2e_run sinfo
check_eq "sinfo exits 0" 0 "$RC"
check_eq "sinfo: three lines" 3 "$(wc -l <<<"$OUT")"
check_eq "sinfo: header" "PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST" "$(sed -n 1p <<<"$OUT")"
check_match "sinfo: debug is the default partition (*), up, no time limit, n[1-3]" \
    "^debug\\*       up   infinite      3 +$STATE_RE n\\[1-3\\]\$" "$(sed -n 2p <<<"$OUT")"
check_match "sinfo: long, up, 2 days, four nodes" \
    "^long         up 2-00:00:00      4 +$STATE_RE big1,n\\[1-3\\]\$" "$(sed -n 3p <<<"$OUT")"

e2e_run sinfo -o "%P|%a|%l|%L|%D|%c|%m|%N|%f|%w|%z|%s|%g|%h"
check_eq "sinfo -o: partition and node values from slurm.conf" \
    "PARTITION|AVAIL|TIMELIMIT|DEFAULTTIME|NODES|CPUS|MEMORY|NODELIST|AVAIL_FEATURES|WEIGHT|S:C:T|JOB_SIZE|GROUPS|OVERSUBSCRIBE
debug*|up|infinite|n/a|3|4|8000|n[1-3]|(null)|1|1:4:1|1-infinite|all|NO
long|up|2-00:00:00|1:00:00|1|8|16000|big1|bigmem|10|2:4:1|1-infinite|all|NO
long|up|2-00:00:00|1:00:00|3|4|8000|n[1-3]|(null)|1|1:4:1|1-infinite|all|NO" "$OUT"

e2e_run sinfo -s
check_eq "sinfo -s: summary, unknown nodes counted idle" \
    "PARTITION AVAIL  TIMELIMIT   NODES(A/I/O/T) NODELIST
debug*       up   infinite          0/3/0/3 n[1-3]
long         up 2-00:00:00          0/4/0/4 big1,n[1-3]" "$OUT"

e2e_run sinfo -h -N -n n2 -o "%N %P %c %m"
check_eq "sinfo -n n2: only that node, in both its partitions" "n2 debug* 4 8000
n2 long 4 8000" "$OUT"
e2e_run sinfo -p nosuch
check_eq "sinfo -p of an unknown partition: only the header" \
    "0 PARTITION AVAIL  TIMELIMIT  NODES  STATE NODELIST" "$RC $OUT"

# ---- sinfo -N -l ---------------------------------------------------------------------
e2e_run sinfo -N -l
check_eq "sinfo -N -l exits 0" 0 "$RC"
check_match "sinfo -N -l: first line is the date" '^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4}$' \
    "$(sed -n 1p <<<"$OUT")"
check_eq "sinfo -N -l: header" \
    "NODELIST   NODES PARTITION       STATE CPUS    S:C:T MEMORY TMP_DISK WEIGHT AVAIL_FE REASON              " \
    "$(sed -n 2p <<<"$OUT")"
check_eq "sinfo -N -l: one line per node and partition" 7 "$(tail -n +3 <<<"$OUT" | wc -l)"
nl_line() { # node partition cpus s:c:t memory weight features
    printf '%-10s %5s %9s @STATE@ %-4s %8s %6s %8s %6s %8s %-20s' "$1" 1 "$2" "$3" "$4" "$5" 0 "$6" "$7" none
}
# The state column is the one timing-dependent value: compare it apart.
# sinfo does not order the lines of one node in two partitions the same
# way every time (seen with slurmctld too): the rows are compared sorted.
rows=$(tail -n +3 <<<"$OUT" | sed -E 's/ +unknown\*? / @STATE@ /' | LC_ALL=C sort)
states=$(tail -n +3 <<<"$OUT" | awk '{ print $4 }' | sort -u | tr '\n' ' ')
check_match "sinfo -N -l: every node is unknown" '^unknown\*? $' "$states"
expected_rows=$(
    nl_line big1 long 8 2:4:1 16000 10 bigmem
    echo
    for n in n1 n2 n3; do
        nl_line "$n" 'debug*' 4 1:4:1 8000 1 '(null)'
        echo
        nl_line "$n" long 4 1:4:1 8000 1 '(null)'
        echo
    done | LC_ALL=C sort
)
check_eq "sinfo -N -l: cpus, S:C:T, memory, tmp disk, weight, features, reason" "$expected_rows" "$rows"

# ---- scontrol show node -----------------------------------------------------------
node=$(show_node n1)
check_eq "show node n1: exits 0" 0 "$RC"
check_eq "show node n1: NodeName" n1 "$(kv NodeName <<<"$node")"
check_eq "show node n1: NodeAddr" 127.0.0.1 "$(kv NodeAddr <<<"$node")"
check_eq "show node n1: NodeHostName defaults to the name" n1 "$(kv NodeHostName <<<"$node")"
check_eq "show node n1: CPUTot" 4 "$(kv CPUTot <<<"$node")"
check_eq "show node n1: CPUEfctv" 4 "$(kv CPUEfctv <<<"$node")"
check_eq "show node n1: CPUAlloc" 0 "$(kv CPUAlloc <<<"$node")"
check_eq "show node n1: Sockets" 1 "$(kv Sockets <<<"$node")"
check_eq "show node n1: CoresPerSocket" 4 "$(kv CoresPerSocket <<<"$node")"
check_eq "show node n1: ThreadsPerCore" 1 "$(kv ThreadsPerCore <<<"$node")"
check_eq "show node n1: Boards" 1 "$(kv Boards <<<"$node")"
check_eq "show node n1: RealMemory" 8000 "$(kv RealMemory <<<"$node")"
check_eq "show node n1: AllocMem" 0 "$(kv AllocMem <<<"$node")"
check_eq "show node n1: TmpDisk" 0 "$(kv TmpDisk <<<"$node")"
check_eq "show node n1: Weight" 1 "$(kv Weight <<<"$node")"
check_eq "show node n1: no features" "(null)" "$(kv AvailableFeatures <<<"$node")"
check_eq "show node n1: in both partitions" debug,long "$(kv Partitions <<<"$node")"
check_eq "show node n1: CfgTRES" cpu=4,mem=8000M,billing=4 "$(kv CfgTRES <<<"$node")"
check_match "show node n1: State" '^UNKNOWN(\+NOT_RESPONDING)?$' "$(kv State <<<"$node")"
check_eq "show node n1: never booted for us" "None None" \
    "$(kv BootTime <<<"$node") $(kv SlurmdStartTime <<<"$node")"
node=$(show_node big1)
check_eq "show node big1: CPUTot" 8 "$(kv CPUTot <<<"$node")"
check_eq "show node big1: Sockets x CoresPerSocket" "2 4" "$(kv Sockets <<<"$node") $(kv CoresPerSocket <<<"$node")"
check_eq "show node big1: RealMemory" 16000 "$(kv RealMemory <<<"$node")"
check_eq "show node big1: Weight" 10 "$(kv Weight <<<"$node")"
check_eq "show node big1: features" "bigmem bigmem" "$(kv AvailableFeatures <<<"$node") $(kv ActiveFeatures <<<"$node")"
check_eq "show node big1: only in long" long "$(kv Partitions <<<"$node")"
check_eq "show node big1: CfgTRES" cpu=8,mem=16000M,billing=8 "$(kv CfgTRES <<<"$node")"
e2e_run scontrol show node
check_eq "scontrol show node: every node" "big1 n1 n2 n3" \
    "$(grep -o '^NodeName=[^ ]*' <<<"$OUT" | cut -d= -f2 | sort | tr '\n' ' ' | sed 's/ $//')"
e2e_run scontrol show node nosuch
check_eq "scontrol show node of an unknown node" "1 Node nosuch not found" "$RC $OUT$ERR"

# ---- scontrol show partition ---------------------------------------------------------
e2e_run scontrol show partition
check_eq "scontrol show partition exits 0" 0 "$RC"
check_eq "scontrol show partition: both partitions, every field" "PartitionName=debug
   AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL
   AllocNodes=ALL Default=YES QoS=N/A
   DefaultTime=NONE DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO
   MaxNodes=UNLIMITED MaxTime=UNLIMITED MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED
   Nodes=n[1-3]
   PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO
   OverTimeLimit=NONE PreemptMode=OFF
   State=UP TotalCPUs=12 TotalNodes=3 SelectTypeParameters=NONE
   JobDefaults=(null)
   DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED
   TRES=cpu=12,mem=24000M,node=3,billing=12

PartitionName=long
   AllowGroups=ALL AllowAccounts=ALL AllowQos=ALL
   AllocNodes=ALL Default=NO QoS=N/A
   DefaultTime=01:00:00 DisableRootJobs=NO ExclusiveUser=NO GraceTime=0 Hidden=NO
   MaxNodes=UNLIMITED MaxTime=2-00:00:00 MinNodes=0 LLN=NO MaxCPUsPerNode=UNLIMITED
   Nodes=big1,n[1-3]
   PriorityJobFactor=1 PriorityTier=1 RootOnly=NO ReqResv=NO OverSubscribe=NO
   OverTimeLimit=NONE PreemptMode=OFF
   State=UP TotalCPUs=20 TotalNodes=4 SelectTypeParameters=NONE
   JobDefaults=(null)
   DefMemPerNode=UNLIMITED MaxMemPerNode=UNLIMITED
   TRES=cpu=20,mem=40000M,node=4,billing=20" "$OUT"
part=$(show_part long)
check_eq "show partition long: one record" long "$(kv PartitionName <<<"$part")"
check_eq "show partition long: DefaultTime" 01:00:00 "$(kv DefaultTime <<<"$part")"
e2e_run scontrol show partition nosuch
check_eq "scontrol show partition of an unknown partition" "1 Partition nosuch not found" "$RC $OUT$ERR"
t_done
