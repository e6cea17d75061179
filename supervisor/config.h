/*
 * config.h - the supervisor's configuration: the tree of child specs read
 * from a JSON file (conf/flurm-sup.json), parsed strictly.
 *
 * Strict means: every unknown key and every value of the wrong type or out
 * of range is an error that names the file and the key path, e.g.
 *   conf/x.json: tree.children[2].restart: expected one of permanent, transient, temporary
 * so that a typo can never silently change how production is supervised.
 *
 * The parsed tree is plain, read-only data: the runtime (tree.h) reads it
 * and never changes it.  See docs/supervisor.md for the reference.
 */
#ifndef FLURM_SUP_CONFIG_H
#define FLURM_SUP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum sup_restart {
    SUP_RESTART_PERMANENT, /* always restarted */
    SUP_RESTART_TRANSIENT, /* restarted unless it exited 0 */
    SUP_RESTART_TEMPORARY, /* never restarted */
};

enum sup_strategy {
    SUP_ONE_FOR_ONE,  /* restart the failed child only */
    SUP_REST_FOR_ONE, /* ... and every child started after it */
    SUP_ONE_FOR_ALL,  /* ... and all its siblings */
};

enum sup_spec_kind {
    SUP_SPEC_SERVICE,
    SUP_SPEC_SUPERVISOR,
};

struct sup_spec {
    enum sup_spec_kind kind;
    char *name;
    char *keypath; /* where it is in the file ("tree.children[1]"), for messages */

    /* services */
    char *exec;  /* absolute: resolved against bindir at load time */
    char **args; /* NULL-terminated, without argv[0] */
    char **env;  /* NULL-terminated "KEY=VALUE" extras */
    enum sup_restart restart;
    int shutdown_ms;      /* SIGTERM -> SIGKILL grace */
    int ready_timeout_ms; /* spawn -> readiness line */
    bool listen;          /* gets FLURM_LISTEN_FD */

    /* supervisors */
    enum sup_strategy strategy;
    int intensity;   /* restarts allowed ... */
    double period_s; /* ... within this many seconds */
    int backoff_min_ms;
    int backoff_max_ms;
    struct sup_spec **children;
    size_t nchildren;
};

struct sup_config {
    char *path;           /* the file it came from */
    char *bindir;         /* absolute */
    char *listen_address; /* default "0.0.0.0" */
    char *listen_port;    /* overrides SlurmctldPort; NULL if unset */
    char *slurm_conf;     /* NULL if unset: $SLURM_CONF or the default applies */
    struct sup_spec *tree;
};

/* Defaults, also used by docs/supervisor.md. */
enum {
    SUP_DEFAULT_SHUTDOWN_MS = 5000,
    SUP_DEFAULT_READY_TIMEOUT_MS = 10000,
    SUP_DEFAULT_INTENSITY = 3,
    SUP_DEFAULT_PERIOD_S = 5,
    SUP_DEFAULT_BACKOFF_MIN_MS = 100,
    SUP_DEFAULT_BACKOFF_MAX_MS = 5000,
};

/* Load and validate the file at `path` (borrowed).  Relative exec names are
 * resolved against "bindir" from the file (itself relative to the file's
 * folder), else $FLURM_BINDIR, else `default_bindir` (borrowed; the folder of
 * the flurm-sup binary), and must name an executable file.  Returns a config
 * the caller frees with sup_config_destroy(), or NULL with the reason in
 * `err` (always NUL-terminated) and errno set. */
struct sup_config *sup_config_load(const char *path, const char *default_bindir, char *err,
                                   size_t errlen);

/* The same from a string; `name` (borrowed) is used in messages and its
 * folder anchors a relative "bindir".  For tests. */
struct sup_config *sup_config_parse(const char *text, const char *name,
                                    const char *default_bindir, char *err, size_t errlen);

void sup_config_destroy(struct sup_config *config);

/* The spec called `name` anywhere in the tree (borrowed), or NULL. */
const struct sup_spec *sup_config_find(const struct sup_config *config, const char *name);

/* True if any service in the tree has "listen": true. */
bool sup_config_wants_listener(const struct sup_config *config);

const char *sup_restart_name(enum sup_restart restart);
const char *sup_strategy_name(enum sup_strategy strategy);

#endif
