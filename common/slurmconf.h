/*
 * slurmconf.h - the site's slurm.conf, read as slurmctld 22.05 reads it.
 *
 * The same file is read by the real slurmd and the SLURM clients, so FLURM
 * accepts exactly what they accept and refuses what would make them fail:
 * one KEY=VALUE per line except on NodeName/PartitionName/NodeSet lines, '#'
 * comments, '\' line continuation and escapes, "quoted values", Include
 * (relative to the including file, %c = cluster name, and glob patterns as a
 * FLURM extension), case-insensitive keys, last definition wins.
 *
 * Every top-level setting is kept as text (flurm_slurmconf_get), so that the
 * build-info reply can report the site's values.  The cluster definition
 * (nodes, partitions, controllers, ports, users) is parsed and checked at load
 * time into typed records.  Keys SLURM knows but FLURM does not act on are
 * not errors: flurm_slurmconf_unimplemented() lists them for one log line at
 * start.  docs/slurm-conf.md is the user-facing list.
 *
 * Records returned by the accessors are read-only views owned by the
 * configuration: they stay valid until flurm_slurmconf_destroy().
 */
#ifndef FLURM_SLURMCONF_H
#define FLURM_SLURMCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* SLURM's special values, as they travel on the wire. */
#define FLURM_SLURMCONF_INFINITE 0xffffffffu   /* INFINITE: no limit */
#define FLURM_SLURMCONF_NO_VAL 0xfffffffeu     /* NO_VAL: not set */
#define FLURM_SLURMCONF_INFINITE16 0xffffu
#define FLURM_SLURMCONF_NO_VAL16 0xfffeu
#define FLURM_SLURMCONF_SHARED_FORCE 0x8000u   /* in max_share */

/* Used when flurm_slurmconf_load() gets no path and $SLURM_CONF is unset
 * (where Debian's SLURM packages look). */
#define FLURM_SLURMCONF_DEFAULT_PATH "/etc/slurm/slurm.conf"

struct flurm_slurmconf;

/* State= of a NodeName line. */
enum flurm_slurmconf_node_state {
    FLURM_SLURMCONF_NODE_UNKNOWN = 0, /* the default */
    FLURM_SLURMCONF_NODE_DOWN,
    FLURM_SLURMCONF_NODE_IDLE,
    FLURM_SLURMCONF_NODE_ALLOCATED,
    FLURM_SLURMCONF_NODE_ERROR,
    FLURM_SLURMCONF_NODE_MIXED,
    FLURM_SLURMCONF_NODE_FUTURE,
    FLURM_SLURMCONF_NODE_CLOUD,  /* CLOUD*: idle + cloud + powered down */
    FLURM_SLURMCONF_NODE_DRAIN,  /* DRAIN*: unknown + drain */
    FLURM_SLURMCONF_NODE_FAIL,   /* FAIL*: idle + fail */
};

/* State= of a PartitionName line; the values are SLURM's PARTITION_*. */
enum flurm_slurmconf_part_state {
    FLURM_SLURMCONF_PART_INACTIVE = 0,
    FLURM_SLURMCONF_PART_DOWN = 1,
    FLURM_SLURMCONF_PART_DRAIN = 2,
    FLURM_SLURMCONF_PART_UP = 3, /* the default */
};

/* One node, after NodeName=DEFAULT values and SLURM's hardware inference
 * (missing Sockets from CPUs, missing CPUs from the topology, ...). */
struct flurm_slurmconf_node {
    const char *name;             /* NodeName */
    const char *hostname;         /* NodeHostname, default: name */
    const char *addr;             /* NodeAddr, default: hostname */
    const char *bcast_addr;       /* BcastAddr, NULL if unset */
    uint16_t port;                /* Port, default: SlurmdPort */
    uint16_t cpus;
    uint16_t boards;
    uint16_t sockets;             /* in total, all boards */
    uint16_t cores_per_socket;
    uint16_t threads_per_core;
    uint64_t real_memory;         /* MB, default 1 */
    uint32_t tmp_disk;            /* MB, default 0 */
    uint32_t weight;              /* default 1 */
    uint16_t core_spec_count;
    uint64_t mem_spec_limit;      /* MB */
    const char *cpu_spec_list;    /* the rest: NULL if unset */
    const char *cpu_bind;
    const char *gres;
    const char *features;
    const char *reason;
    const char *tres_weights;
    enum flurm_slurmconf_node_state state;
    const char *state_text;       /* State= as written, NULL if unset */
    size_t npartitions;           /* partitions holding the node, in */
    const size_t *partitions;     /* flurm_slurmconf_partition() order */
    const char *file;             /* where the NodeName line is */
    int line;
};

/* One partition, after PartitionName=DEFAULT values. */
struct flurm_slurmconf_partition {
    const char *name;
    const char *nodes_text;       /* Nodes= as written, NULL if unset */
    const char *nodes;            /* members, sorted compact ("n[01-16]") */
    size_t nnodes;
    const size_t *node_index;     /* members, flurm_slurmconf_node() order */
    bool is_default;              /* the default partition (last Default=YES) */
    uint32_t max_time;            /* minutes; INFINITE by default */
    uint32_t default_time;        /* minutes; NO_VAL if unset */
    uint32_t max_nodes;           /* INFINITE by default */
    uint32_t min_nodes;           /* 0 by default */
    uint32_t max_cpus_per_node;   /* INFINITE by default */
    uint32_t grace_time;          /* seconds */
    enum flurm_slurmconf_part_state state;
    uint16_t priority_tier;       /* 1 by default */
    uint16_t priority_job_factor; /* 1 by default */
    uint16_t max_share;           /* OverSubscribe as SLURM encodes it: 0 =
                                   * EXCLUSIVE, 1 = NO (default), n = YES:n,
                                   * n | SHARED_FORCE = FORCE:n */
    uint16_t preempt_mode;        /* SLURM's PREEMPT_MODE_*; NO_VAL16 unset */
    uint16_t over_time_limit;     /* minutes; NO_VAL16 unset */
    uint16_t resume_timeout;      /* NO_VAL16 unset */
    uint16_t suspend_timeout;     /* NO_VAL16 unset */
    uint32_t suspend_time;        /* NO_VAL unset, INFINITE */
    uint64_t def_mem_per_cpu;     /* MB; 0 unset (DefMemPerNode wins) */
    uint64_t def_mem_per_node;
    uint64_t max_mem_per_cpu;     /* MB; 0 unset (MaxMemPerNode wins) */
    uint64_t max_mem_per_node;
    uint64_t def_cpu_per_gpu;
    uint64_t def_mem_per_gpu;
    /* access lists: NULL means everyone ("ALL"); accounts and QOS names
     * are lower-cased as SLURM does; a Deny list is NULL when the matching
     * Allow list is set (SLURM ignores it then) */
    const char *allow_groups;
    const char *allow_accounts;
    const char *allow_qos;
    const char *deny_accounts;
    const char *deny_qos;
    const char *alloc_nodes;
    const char *qos;
    const char *alternate;
    const char *cpu_bind;
    const char *tres_billing_weights;
    const char *select_type_parameters;
    bool hidden;
    bool root_only;
    bool req_resv;
    bool lln;
    bool exclusive_user;
    int disable_root_jobs;        /* -1 unset (the global value applies) */
    const char *file;             /* where the PartitionName line is */
    int line;
};

/* Read 'path' (borrowed; NULL = $SLURM_CONF, else the default path) and the
 * files it includes.  On error NULL, errno set, and 'err' (if not NULL)
 * receives "FILE:LINE: message" (or "FILE: message" for what concerns the
 * whole file, such as a missing ClusterName).  The caller destroys the
 * result. */
struct flurm_slurmconf *flurm_slurmconf_load(const char *path, char *err,
                                             size_t errlen);

void flurm_slurmconf_destroy(struct flurm_slurmconf *c);

/* The text of a top-level setting: case-insensitive key, last definition
 * wins, NULL if the file does not set it (no default is applied).  Borrowed.
 * For a repeated line key (NodeName, PartitionName, SlurmctldHost) this is
 * the last line's value. */
const char *flurm_slurmconf_get(const struct flurm_slurmconf *c,
                                const char *key);

/* The same, or SLURM's default text for the key when the file does not set
 * it; NULL when there is neither.  Borrowed. */
const char *flurm_slurmconf_get_or_default(const struct flurm_slurmconf *c,
                                           const char *key);

/* Call fn(key, value, arg) for every top-level setting in file order (keys
 * as written, repeats included).  Stops at and returns the first negative
 * value fn returns; otherwise 0. */
int flurm_slurmconf_foreach(const struct flurm_slurmconf *c,
                            int (*fn)(const char *key, const char *value,
                                      void *arg),
                            void *arg);

/* A numeric key (SLURM parses it as a 16/32/64-bit number: SlurmdTimeout,
 * MaxJobCount, PriorityWeightAge, DefMemPerCPU, ...), or SLURM's default for
 * it (0 when it has none).  UNLIMITED/INFINITE give the type's maximum.
 * Values were checked at load time.  For a key that is not numeric: 0 and
 * errno EINVAL. */
uint64_t flurm_slurmconf_number(const struct flurm_slurmconf *c,
                                const char *key);

/* A yes/no key (UsePAM, TrackWCKey, ...), or its default (false).  For a
 * key that is not a boolean: false and errno EINVAL. */
bool flurm_slurmconf_bool(const struct flurm_slurmconf *c, const char *key);

/* A time key SLURM reads in minutes (PriorityDecayHalfLife, PriorityMaxAge,
 * PriorityCalcPeriod), or its default; INFINITE for UNLIMITED.  For another
 * key: NO_VAL and errno EINVAL. */
uint32_t flurm_slurmconf_minutes(const struct flurm_slurmconf *c,
                                 const char *key);

/* ---- the cluster ------------------------------------------------------- */

/* The path that was loaded (borrowed). */
const char *flurm_slurmconf_path(const struct flurm_slurmconf *c);

/* ClusterName, lower-cased as SLURM does (borrowed). */
const char *flurm_slurmconf_cluster_name(const struct flurm_slurmconf *c);

/* Controllers in order (primary first), from SlurmctldHost lines or the
 * legacy ControlMachine/ControlAddr/BackupController/BackupAddr keys.
 * "localhost" is replaced by this machine's short host name, as SLURM does.
 * Strings borrowed; NULL past the end. */
size_t flurm_slurmconf_controller_count(const struct flurm_slurmconf *c);
const char *flurm_slurmconf_controller_host(const struct flurm_slurmconf *c,
                                            size_t i);
const char *flurm_slurmconf_controller_addr(const struct flurm_slurmconf *c,
                                            size_t i);

/* SlurmctldPort: the first port (default 6817) and how many ports the range
 * "N-M" holds (1 for a single port). */
uint16_t flurm_slurmconf_slurmctld_port(const struct flurm_slurmconf *c);
uint16_t flurm_slurmconf_slurmctld_port_count(const struct flurm_slurmconf *c);

/* SlurmdPort, default 6818. */
uint16_t flurm_slurmconf_slurmd_port(const struct flurm_slurmconf *c);

/* SlurmUser / SlurmdUser resolved to a uid at load time (default root, 0);
 * the name (borrowed) goes to *name when name is not NULL. */
uid_t flurm_slurmconf_slurm_user(const struct flurm_slurmconf *c,
                                 const char **name);
uid_t flurm_slurmconf_slurmd_user(const struct flurm_slurmconf *c,
                                  const char **name);

/* One option of AuthInfo ("socket", "ttl", "cred_expire", ...; the
 * option name is case-insensitive), NULL if not given.  Borrowed. */
const char *flurm_slurmconf_auth_info(const struct flurm_slurmconf *c,
                                      const char *option);

/* The global PreemptMode as SLURM encodes it (PREEMPT_MODE_*; OFF = 0). */
uint16_t flurm_slurmconf_preempt_mode(const struct flurm_slurmconf *c);

/* Nodes in file order.  Records borrowed; NULL past the end. */
size_t flurm_slurmconf_node_count(const struct flurm_slurmconf *c);
const struct flurm_slurmconf_node *
flurm_slurmconf_node(const struct flurm_slurmconf *c, size_t i);

/* The node called 'name' (case-sensitive, like SLURM), or NULL and ENOENT.
 * With 'index' not NULL, its position goes there. */
const struct flurm_slurmconf_node *
flurm_slurmconf_node_find(const struct flurm_slurmconf *c, const char *name,
                          size_t *index);

/* Partitions in file order.  Records borrowed; NULL past the end. */
size_t flurm_slurmconf_partition_count(const struct flurm_slurmconf *c);
const struct flurm_slurmconf_partition *
flurm_slurmconf_partition(const struct flurm_slurmconf *c, size_t i);

/* The partition called 'name' (case-sensitive), or NULL and ENOENT. */
const struct flurm_slurmconf_partition *
flurm_slurmconf_partition_find(const struct flurm_slurmconf *c,
                               const char *name, size_t *index);

/* The default partition, or NULL if no partition says Default=YES. */
const struct flurm_slurmconf_partition *
flurm_slurmconf_default_partition(const struct flurm_slurmconf *c);

/* ---- what FLURM does with each key ------------------------------------- */

/* Settings present in this file that FLURM does not act on, once each, in
 * file order: "Key" for a key FLURM ignores, "Key=value" for a key FLURM
 * supports only with another value (AccountingStorageType=...slurmdbd),
 * "NodeName:Key" / "PartitionName:Key" for ignored options of those lines.
 * NULL-terminated, borrowed. */
const char *const *flurm_slurmconf_unimplemented(const struct flurm_slurmconf *c);

/* Top-level keys that SLURM 22.05 does not know either (typos, newer
 * versions), as "Key (FILE:LINE)".  SLURM refuses them; FLURM only reports
 * them.  NULL-terminated, borrowed. */
const char *const *flurm_slurmconf_unknown(const struct flurm_slurmconf *c);

/* Values SLURM accepts but corrects, as "FILE:LINE: message" (CPUs that
 * match no topology, DenyAccounts next to AllowAccounts, ...); a caller logs
 * them as warnings.  NULL-terminated, borrowed. */
const char *const *flurm_slurmconf_warnings(const struct flurm_slurmconf *c);

enum flurm_slurmconf_support {
    FLURM_SLURMCONF_UNKNOWN = 0,   /* not a SLURM 22.05 key */
    FLURM_SLURMCONF_IMPLEMENTED,   /* FLURM reads it and acts on it */
    FLURM_SLURMCONF_NODE_SIDE,     /* only slurmd or the clients use it */
    FLURM_SLURMCONF_ONLY_VALUE,    /* FLURM behaves as one value (*only) */
    FLURM_SLURMCONF_IGNORED,       /* SLURM knows it, FLURM ignores it */
};

/* FLURM's support of a top-level key (case-insensitive); for ONLY_VALUE the
 * supported value (borrowed, static) goes to *only when only is not NULL. */
enum flurm_slurmconf_support flurm_slurmconf_key_support(const char *key,
                                                         const char **only);

/* The i-th top-level key SLURM 22.05 knows, in SLURM's spelling, or NULL
 * past the end (static storage). */
const char *flurm_slurmconf_known_key(size_t i);

/* SLURM's time syntax in minutes: "M", "M:S", "H:M:S", "D-H", "D-H:M",
 * "D-H:M:S", seconds rounded up; "UNLIMITED", "INFINITE" and "-1" give
 * INFINITE.  -1 and EINVAL if malformed. */
int flurm_slurmconf_parse_minutes(const char *text, uint32_t *minutes);

#endif
