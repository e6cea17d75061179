/*
 * config.c - strict JSON parsing of the supervision tree (see config.h).
 *
 * Every check reports "FILE: KEYPATH: what was expected" and stops at the
 * first error: one precise message is worth more than a list of follow-on
 * errors caused by the first.
 */
#include "supervisor/config.h"

#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYPATH_MAX 512

struct parser {
    const char *file;
    const char *default_bindir;
    char *err;
    size_t errlen;
    char *bindir; /* absolute, or NULL if none known */
    struct sup_spec **all; /* every node, to find duplicate names */
    size_t nall;
    size_t allcap;
};

/* Variables of the process contract: the supervisor sets them, so a spec may
 * not (a silent override would break the contract in a way hard to see). */
static const char *const reserved_env[] = {
    "FLURM_RUNDIR", "FLURM_SERVICE", "FLURM_NOTIFY_FD", "FLURM_LISTEN_FD", "SLURM_CONF", NULL,
};

static int fail(struct parser *p, const char *keypath, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, const char *keypath, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (keypath && *keypath)
        snprintf(p->err, p->errlen, "%s: %s: %s", p->file, keypath, msg);
    else
        snprintf(p->err, p->errlen, "%s: %s", p->file, msg);
    errno = EINVAL;
    return -1;
}

const char *sup_restart_name(enum sup_restart restart)
{
    switch (restart) {
    case SUP_RESTART_PERMANENT:
        return "permanent";
    case SUP_RESTART_TRANSIENT:
        return "transient";
    case SUP_RESTART_TEMPORARY:
        return "temporary";
    }
    return "?";
}

const char *sup_strategy_name(enum sup_strategy strategy)
{
    switch (strategy) {
    case SUP_ONE_FOR_ONE:
        return "one_for_one";
    case SUP_REST_FOR_ONE:
        return "rest_for_one";
    case SUP_ONE_FOR_ALL:
        return "one_for_all";
    }
    return "?";
}

static void strv_free(char **v)
{
    if (!v)
        return;
    for (char **s = v; *s; s++)
        free(*s);
    free(v);
}

static void spec_destroy(struct sup_spec *spec)
{
    if (!spec)
        return;
    free(spec->name);
    free(spec->keypath);
    free(spec->exec);
    strv_free(spec->args);
    strv_free(spec->env);
    /* NULL-terminated, and complete even when parsing stopped half-way
     * through a child (nchildren counts only the finished ones). */
    for (size_t i = 0; spec->children && spec->children[i]; i++)
        spec_destroy(spec->children[i]);
    free(spec->children);
    free(spec);
}

void sup_config_destroy(struct sup_config *config)
{
    if (!config)
        return;
    free(config->path);
    free(config->bindir);
    free(config->listen_address);
    free(config->listen_port);
    free(config->slurm_conf);
    spec_destroy(config->tree);
    free(config);
}

/* `rel` made absolute against the folder `base` (which may itself be
 * relative to the working directory).  Caller frees. */
static char *absolute_path(const char *base, const char *rel)
{
    char cwd[4096];
    char *out = NULL;

    if (rel[0] == '/')
        return strdup(rel);
    if (base[0] == '/') {
        bool slash = base[strlen(base) - 1] == '/';
        if (asprintf(&out, "%s%s%s", base, slash ? "" : "/", rel) < 0)
            return NULL;
        return out;
    }
    if (!getcwd(cwd, sizeof(cwd)))
        return NULL;
    if (asprintf(&out, "%s/%s/%s", cwd, base, rel) < 0)
        return NULL;
    return out;
}

/* Each object may carry a "comment" (JSON has no comments of its own). */
static int check_keys(struct parser *p, json_t *obj, const char *keypath,
                      const char *const *allowed, const char *what)
{
    const char *key;
    json_t *value;

    json_object_foreach(obj, key, value) {
        bool known = strcmp(key, "comment") == 0;
        for (const char *const *a = allowed; !known && *a; a++)
            known = strcmp(key, *a) == 0;
        if (!known) {
            char sub[KEYPATH_MAX];
            snprintf(sub, sizeof(sub), "%s%s%s", keypath, *keypath ? "." : "", key);
            return fail(p, sub, "unknown key for %s", what);
        }
        if (strcmp(key, "comment") == 0 && !json_is_string(value)) {
            char sub[KEYPATH_MAX];
            snprintf(sub, sizeof(sub), "%s%s%s", keypath, *keypath ? "." : "", key);
            return fail(p, sub, "expected a string");
        }
    }
    return 0;
}

static int get_string(struct parser *p, json_t *obj, const char *keypath, const char *key,
                      bool required, char **out)
{
    char sub[KEYPATH_MAX];
    json_t *v = json_object_get(obj, key);

    snprintf(sub, sizeof(sub), "%s%s%s", keypath, *keypath ? "." : "", key);
    if (!v) {
        if (required)
            return fail(p, sub, "required");
        return 0;
    }
    if (!json_is_string(v))
        return fail(p, sub, "expected a string");
    if (json_string_length(v) == 0)
        return fail(p, sub, "must not be empty");
    if (strlen(json_string_value(v)) != json_string_length(v))
        return fail(p, sub, "must not contain NUL");
    free(*out);
    if (!(*out = strdup(json_string_value(v))))
        return fail(p, sub, "out of memory");
    return 0;
}

static int get_int(struct parser *p, json_t *obj, const char *keypath, const char *key,
                   long long min, long long max, const char *unit, int *out)
{
    char sub[KEYPATH_MAX];
    json_t *v = json_object_get(obj, key);

    if (!v)
        return 0;
    snprintf(sub, sizeof(sub), "%s%s%s", keypath, *keypath ? "." : "", key);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return fail(p, sub, "expected an integer %s from %lld to %lld", unit, min, max);
    *out = (int)json_integer_value(v);
    return 0;
}

static int get_bool(struct parser *p, json_t *obj, const char *keypath, const char *key,
                    bool *out)
{
    char sub[KEYPATH_MAX];
    json_t *v = json_object_get(obj, key);

    if (!v)
        return 0;
    snprintf(sub, sizeof(sub), "%s%s%s", keypath, *keypath ? "." : "", key);
    if (!json_is_boolean(v))
        return fail(p, sub, "expected true or false");
    *out = json_is_true(v);
    return 0;
}

static int get_enum(struct parser *p, json_t *obj, const char *keypath, const char *key,
                    const char *const *names, int *out)
{
    char sub[KEYPATH_MAX];
    char choices[256] = "";
    json_t *v = json_object_get(obj, key);

    if (!v)
        return 0;
    snprintf(sub, sizeof(sub), "%s%s%s", keypath, *keypath ? "." : "", key);
    for (int i = 0; names[i]; i++) {
        if (json_is_string(v) && strcmp(json_string_value(v), names[i]) == 0) {
            *out = i;
            return 0;
        }
        snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s",
                 i ? ", " : "", names[i]);
    }
    return fail(p, sub, "expected one of %s", choices);
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 63)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static bool valid_env_key(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static int parse_args(struct parser *p, json_t *node, const char *keypath, struct sup_spec *spec)
{
    char sub[KEYPATH_MAX];
    json_t *args = json_object_get(node, "args");
    size_t i;
    json_t *v;

    snprintf(sub, sizeof(sub), "%s.args", keypath);
    if (args && !json_is_array(args))
        return fail(p, sub, "expected an array of strings");
    if (!(spec->args = calloc(json_array_size(args) + 1, sizeof(char *))))
        return fail(p, sub, "out of memory");
    json_array_foreach(args, i, v) {
        snprintf(sub, sizeof(sub), "%s.args[%zu]", keypath, i);
        if (!json_is_string(v))
            return fail(p, sub, "expected a string");
        if (strlen(json_string_value(v)) != json_string_length(v))
            return fail(p, sub, "must not contain NUL");
        if (!(spec->args[i] = strdup(json_string_value(v))))
            return fail(p, sub, "out of memory");
    }
    return 0;
}

static int parse_env(struct parser *p, json_t *node, const char *keypath, struct sup_spec *spec)
{
    char sub[KEYPATH_MAX];
    json_t *env = json_object_get(node, "env");
    const char *key;
    json_t *v;
    size_t i = 0;

    snprintf(sub, sizeof(sub), "%s.env", keypath);
    if (env && !json_is_object(env))
        return fail(p, sub, "expected an object of strings");
    if (!(spec->env = calloc(json_object_size(env) + 1, sizeof(char *))))
        return fail(p, sub, "out of memory");
    json_object_foreach(env, key, v) {
        snprintf(sub, sizeof(sub), "%s.env.%s", keypath, key);
        if (!valid_env_key(key))
            return fail(p, sub, "not a valid environment variable name");
        for (const char *const *r = reserved_env; *r; r++) {
            if (strcmp(key, *r) == 0)
                return fail(p, sub, "reserved: the supervisor sets it");
        }
        if (!json_is_string(v))
            return fail(p, sub, "expected a string");
        if (strlen(json_string_value(v)) != json_string_length(v))
            return fail(p, sub, "must not contain NUL");
        if (asprintf(&spec->env[i], "%s=%s", key, json_string_value(v)) < 0) {
            spec->env[i] = NULL;
            return fail(p, sub, "out of memory");
        }
        i++;
    }
    return 0;
}

static int resolve_exec(struct parser *p, const char *keypath, struct sup_spec *spec)
{
    char sub[KEYPATH_MAX];
    char *resolved;
    struct stat st;

    snprintf(sub, sizeof(sub), "%s.exec", keypath);
    if (spec->exec[0] != '/') {
        if (!p->bindir)
            return fail(p, sub, "relative name \"%s\" but no bindir is known", spec->exec);
        if (asprintf(&resolved, "%s/%s", p->bindir, spec->exec) < 0)
            return fail(p, sub, "out of memory");
        free(spec->exec);
        spec->exec = resolved;
    }
    if (stat(spec->exec, &st) < 0)
        return fail(p, sub, "%s: %s", spec->exec, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(p, sub, "%s: not a regular file", spec->exec);
    if (access(spec->exec, X_OK) < 0)
        return fail(p, sub, "%s: not executable: %s", spec->exec, strerror(errno));
    return 0;
}

static int register_name(struct parser *p, struct sup_spec *spec)
{
    for (size_t i = 0; i < p->nall; i++) {
        if (strcmp(p->all[i]->name, spec->name) == 0) {
            char sub[KEYPATH_MAX];
            snprintf(sub, sizeof(sub), "%s.name", spec->keypath);
            return fail(p, sub, "duplicate name \"%s\" (also at %s)", spec->name,
                        p->all[i]->keypath);
        }
    }
    if (p->nall == p->allcap) {
        size_t cap = p->allcap ? p->allcap * 2 : 16;
        struct sup_spec **all = realloc(p->all, cap * sizeof(*all));
        if (!all)
            return fail(p, spec->keypath, "out of memory");
        p->all = all;
        p->allcap = cap;
    }
    p->all[p->nall++] = spec;
    return 0;
}

static int parse_node(struct parser *p, json_t *node, const char *keypath, bool root,
                      struct sup_spec **out);

static int parse_service(struct parser *p, json_t *node, struct sup_spec *spec)
{
    static const char *const keys[] = {"name",     "exec",   "args",          "env",
                                       "restart",  "shutdown", "listen",      "ready_timeout",
                                       NULL};
    static const char *const restarts[] = {"permanent", "transient", "temporary", NULL};
    const char *kp = spec->keypath;
    int restart = SUP_RESTART_PERMANENT;

    spec->kind = SUP_SPEC_SERVICE;
    spec->shutdown_ms = SUP_DEFAULT_SHUTDOWN_MS;
    spec->ready_timeout_ms = SUP_DEFAULT_READY_TIMEOUT_MS;
    if (check_keys(p, node, kp, keys, "a service") < 0 ||
        get_string(p, node, kp, "exec", true, &spec->exec) < 0 ||
        parse_args(p, node, kp, spec) < 0 || parse_env(p, node, kp, spec) < 0 ||
        get_enum(p, node, kp, "restart", restarts, &restart) < 0 ||
        get_int(p, node, kp, "shutdown", 0, 3600000, "of milliseconds", &spec->shutdown_ms) < 0 ||
        get_int(p, node, kp, "ready_timeout", 1, 3600000, "of milliseconds",
                &spec->ready_timeout_ms) < 0 ||
        get_bool(p, node, kp, "listen", &spec->listen) < 0 || resolve_exec(p, kp, spec) < 0)
        return -1;
    spec->restart = (enum sup_restart)restart;
    return 0;
}

static int parse_supervisor(struct parser *p, json_t *node, struct sup_spec *spec)
{
    static const char *const keys[] = {"name",        "strategy",    "intensity", "period",
                                       "backoff_min", "backoff_max", "children",  NULL};
    static const char *const strategies[] = {"one_for_one", "rest_for_one", "one_for_all", NULL};
    const char *kp = spec->keypath;
    char sub[KEYPATH_MAX];
    int strategy = SUP_ONE_FOR_ONE;
    json_t *children, *period, *child;
    size_t i;

    spec->kind = SUP_SPEC_SUPERVISOR;
    spec->restart = SUP_RESTART_PERMANENT;
    spec->intensity = SUP_DEFAULT_INTENSITY;
    spec->period_s = SUP_DEFAULT_PERIOD_S;
    spec->backoff_min_ms = SUP_DEFAULT_BACKOFF_MIN_MS;
    spec->backoff_max_ms = SUP_DEFAULT_BACKOFF_MAX_MS;
    if (check_keys(p, node, kp, keys, "a supervisor") < 0 ||
        get_enum(p, node, kp, "strategy", strategies, &strategy) < 0 ||
        get_int(p, node, kp, "intensity", 0, 1000000, "number of restarts", &spec->intensity) < 0 ||
        get_int(p, node, kp, "backoff_min", 0, 3600000, "of milliseconds",
                &spec->backoff_min_ms) < 0 ||
        get_int(p, node, kp, "backoff_max", 0, 3600000, "of milliseconds",
                &spec->backoff_max_ms) < 0)
        return -1;
    spec->strategy = (enum sup_strategy)strategy;
    if (spec->backoff_max_ms < spec->backoff_min_ms) {
        snprintf(sub, sizeof(sub), "%s.backoff_max", kp);
        return fail(p, sub, "must be at least backoff_min (%d)", spec->backoff_min_ms);
    }
    if ((period = json_object_get(node, "period"))) {
        snprintf(sub, sizeof(sub), "%s.period", kp);
        if (!json_is_number(period) || json_number_value(period) <= 0 ||
            json_number_value(period) > 86400)
            return fail(p, sub, "expected a number of seconds above 0 and at most 86400");
        spec->period_s = json_number_value(period);
    }
    children = json_object_get(node, "children");
    snprintf(sub, sizeof(sub), "%s.children", kp);
    if (!json_is_array(children))
        return fail(p, sub, "expected an array of child specs");
    if (!(spec->children = calloc(json_array_size(children) + 1, sizeof(*spec->children))))
        return fail(p, sub, "out of memory");
    json_array_foreach(children, i, child) {
        snprintf(sub, sizeof(sub), "%s.children[%zu]", kp, i);
        if (parse_node(p, child, sub, false, &spec->children[i]) < 0)
            return -1;
        spec->nchildren++;
    }
    return 0;
}

static int parse_node(struct parser *p, json_t *node, const char *keypath, bool root,
                      struct sup_spec **out)
{
    struct sup_spec *spec = NULL;
    bool has_exec, has_children;

    if (!json_is_object(node))
        return fail(p, keypath, "expected an object (a service or a supervisor)");
    has_exec = json_object_get(node, "exec") != NULL;
    has_children = json_object_get(node, "children") != NULL;
    if (has_exec && has_children)
        return fail(p, keypath,
                    "has both exec and children: a node is either a service (exec) or a "
                    "supervisor (children)");
    if (!has_exec && !has_children)
        return fail(p, keypath, "needs exec (a service) or children (a supervisor)");
    if (root && has_exec)
        return fail(p, keypath, "the root must be a supervisor (children), not a service");
    if (!(spec = calloc(1, sizeof(*spec))) || !(spec->keypath = strdup(keypath))) {
        fail(p, keypath, "out of memory");
        goto error;
    }
    *out = spec; /* the caller's tree owns it from here, even on error */
    if (get_string(p, node, keypath, "name", true, &spec->name) < 0)
        return -1;
    if (!valid_name(spec->name)) {
        char sub[KEYPATH_MAX];
        snprintf(sub, sizeof(sub), "%s.name", keypath);
        return fail(p, sub, "\"%s\": expected 1 to 63 of A-Z a-z 0-9 _ - .", spec->name);
    }
    if (register_name(p, spec) < 0)
        return -1;
    if (has_exec)
        return parse_service(p, node, spec);
    return parse_supervisor(p, node, spec);
error:
    spec_destroy(spec);
    return -1;
}

static int validate_port(struct parser *p, const char *port)
{
    char *end;
    long lo, hi;

    errno = 0;
    lo = strtol(port, &end, 10);
    hi = lo;
    if (*end == '-') {
        const char *rest = end + 1;
        hi = strtol(rest, &end, 10);
        if (end == rest)
            hi = -1;
    }
    if (errno || end == port || *end || lo < 1 || hi > 65535 || hi < lo || hi - lo >= 64)
        return fail(p, "listen_port",
                    "expected a port (1-65535) or a range \"LOW-HIGH\" of at most 64 ports");
    return 0;
}

static int parse_root(struct parser *p, json_t *doc, struct sup_config *config)
{
    static const char *const keys[] = {"bindir",     "listen_address", "listen_port",
                                       "slurm_conf", "tree",           NULL};
    json_t *port;
    char *bindir = NULL;

    if (!json_is_object(doc))
        return fail(p, NULL, "expected a JSON object at the top level");
    if (check_keys(p, doc, "", keys, "the configuration") < 0 ||
        get_string(p, doc, "", "bindir", false, &bindir) < 0 ||
        get_string(p, doc, "", "listen_address", false, &config->listen_address) < 0 ||
        get_string(p, doc, "", "slurm_conf", false, &config->slurm_conf) < 0)
        goto error;
    if ((port = json_object_get(doc, "listen_port"))) {
        if (json_is_integer(port)) {
            if (asprintf(&config->listen_port, "%lld", (long long)json_integer_value(port)) < 0) {
                config->listen_port = NULL;
                fail(p, "listen_port", "out of memory");
                goto error;
            }
        } else if (json_is_string(port)) {
            if (!(config->listen_port = strdup(json_string_value(port)))) {
                fail(p, "listen_port", "out of memory");
                goto error;
            }
        } else {
            fail(p, "listen_port", "expected a port number or a \"LOW-HIGH\" string");
            goto error;
        }
        if (validate_port(p, config->listen_port) < 0)
            goto error;
    }
    if (!config->listen_address && !(config->listen_address = strdup("0.0.0.0"))) {
        fail(p, "listen_address", "out of memory");
        goto error;
    }
    if (bindir) {
        char *copy = strdup(p->file);
        if (!copy || !(config->bindir = absolute_path(dirname(copy), bindir))) {
            free(copy);
            fail(p, "bindir", "out of memory");
            goto error;
        }
        free(copy);
    }
    free(bindir);
    bindir = NULL;
    /* "bindir" from the file wins over the environment, which wins over the
     * binary's own folder: the most specific statement of intent first. */
    if (!config->bindir && getenv("FLURM_BINDIR") && *getenv("FLURM_BINDIR")) {
        if (!(config->bindir = absolute_path(".", getenv("FLURM_BINDIR")))) {
            fail(p, "bindir", "out of memory");
            goto error;
        }
    }
    if (!config->bindir && p->default_bindir &&
        !(config->bindir = strdup(p->default_bindir))) {
        fail(p, "bindir", "out of memory");
        goto error;
    }
    p->bindir = config->bindir;
    if (!json_object_get(doc, "tree"))
        return fail(p, "tree", "required");
    return parse_node(p, json_object_get(doc, "tree"), "tree", true, &config->tree);
error:
    free(bindir);
    return -1;
}

static struct sup_config *parse_doc(json_t *doc, const char *name, const char *default_bindir,
                                    char *err, size_t errlen)
{
    struct parser p = {
        .file = name, .default_bindir = default_bindir, .err = err, .errlen = errlen};
    struct sup_config *config = NULL;

    if (!(config = calloc(1, sizeof(*config))) || !(config->path = strdup(name))) {
        fail(&p, NULL, "out of memory");
        goto error;
    }
    if (parse_root(&p, doc, config) < 0)
        goto error;
    free(p.all);
    return config;
error:
    free(p.all);
    sup_config_destroy(config);
    errno = EINVAL;
    return NULL;
}

struct sup_config *sup_config_parse(const char *text, const char *name,
                                    const char *default_bindir, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *doc;
    struct sup_config *config;

    if (!(doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr))) {
        snprintf(err, errlen, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
        errno = EINVAL;
        return NULL;
    }
    config = parse_doc(doc, name, default_bindir, err, errlen);
    json_decref(doc);
    return config;
}

struct sup_config *sup_config_load(const char *path, const char *default_bindir, char *err,
                                   size_t errlen)
{
    json_error_t jerr;
    json_t *doc;
    struct sup_config *config;
    FILE *f;

    if (!(f = fopen(path, "r"))) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    doc = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    if (!doc) {
        snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        errno = EINVAL;
        return NULL;
    }
    config = parse_doc(doc, path, default_bindir, err, errlen);
    json_decref(doc);
    return config;
}

static const struct sup_spec *find_in(const struct sup_spec *spec, const char *name)
{
    const struct sup_spec *found;

    if (strcmp(spec->name, name) == 0)
        return spec;
    for (size_t i = 0; i < spec->nchildren; i++) {
        if ((found = find_in(spec->children[i], name)))
            return found;
    }
    return NULL;
}

const struct sup_spec *sup_config_find(const struct sup_config *config, const char *name)
{
    if (!config || !config->tree || !name)
        return NULL;
    return find_in(config->tree, name);
}

static bool wants_listener(const struct sup_spec *spec)
{
    if (spec->kind == SUP_SPEC_SERVICE)
        return spec->listen;
    for (size_t i = 0; i < spec->nchildren; i++) {
        if (wants_listener(spec->children[i]))
            return true;
    }
    return false;
}

bool sup_config_wants_listener(const struct sup_config *config)
{
    return config && config->tree && wants_listener(config->tree);
}
