/*
 * tree.c - the supervision state machine (see tree.h).
 *
 * Structure:
 *  - An instance (struct inst) is one child process: spawned, maybe ready,
 *    then gone.  A service has a primary instance, during a reload also a
 *    candidate, and after a reload the old primary retires (drains) on its
 *    own.  Every instance in the tree is on one list, found by pid.
 *  - A node is a service or a supervisor.  Its state changes only through
 *    set_state(), which checks the transition table.
 *  - A node tells its parent what happened (UP: ready; DOWN: gone, asked
 *    for or not) through a queue of events that is drained to completion
 *    after each loop callback.  Handlers never call each other back
 *    re-entrantly, so each step of the machine sees a consistent tree.
 *  - A supervisor is reconciled by advance(): its children carry the wanted
 *    outcome (want_run, must_stop, not_before) and advance() performs the
 *    next single step: stop the last running child that must stop, else
 *    start the first child that should run, else report readiness.  OTP
 *    does the same steps synchronously; here each waits for its event.
 */
#include "supervisor/tree.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/exitcode.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/version.h"
#include "supervisor/policy.h"
#include "supervisor/proc.h"

#define REASON_MAX 512
#define NOTIFY_EOF_GRACE_S 0.2

enum inst_role {
    ROLE_PRIMARY,   /* the instance the service is */
    ROLE_CANDIDATE, /* started by a reload, not ready yet */
    ROLE_RETIRING,  /* replaced or aborted: drains and goes */
};

struct node;

struct inst {
    struct sup_tree *tree;
    struct node *node; /* the service it belongs to (for names and spec) */
    enum inst_role role;
    pid_t pid; /* 0: the spawn failed, `reason` says why */
    int notify_fd;
    ev_io notify_w;
    ev_timer timer; /* ready timeout, kill timeout, or a spawn failure */
    bool ready;
    bool notify_eof; /* closed its notify fd without a line */
    char line[128];  /* the readiness line as it arrives */
    size_t linelen;
    char version[128];
    char reason[REASON_MAX]; /* set when we gave up on it */
    double started;
    double ready_at;
    struct inst *prev, *next;
};

enum pending_op { OP_NONE, OP_RELOAD, OP_RESTART };

struct node {
    struct sup_tree *tree;
    const struct sup_spec *spec;
    struct node *parent;
    size_t index; /* in the parent's children */
    enum sup_node_state state;
    double since;    /* when `state` was entered */
    double ready_at; /* when it last became ready */

    /* what the parent wants */
    bool want_run;
    bool must_stop;
    double not_before;
    bool up;           /* became ready since it was last started */
    bool first_start;  /* its supervisor is starting it for the first time */
    unsigned failures; /* consecutive, for back-off */
    unsigned restarts; /* restarts by its supervisor, for status */

    struct sup_ctl_req *pending; /* reload/restart waiting on this node */
    enum pending_op pending_op;

    /* services */
    struct inst *primary;
    struct inst *candidate;

    /* supervisors */
    struct node **children;
    size_t nchildren;
    struct sup_intensity *window;
    ev_timer backoff_w;
    bool stop_requested; /* by its parent: report a requested DOWN */
    enum sup_exit_kind fail_kind;
    char fail_reason[REASON_MAX];
};

enum event_kind { EV_UP, EV_DOWN, EV_KICK };

struct event {
    enum event_kind kind;
    struct node *node;
    bool requested;         /* EV_DOWN: the parent asked for it */
    enum sup_exit_kind exit; /* EV_DOWN */
    char reason[REASON_MAX];
    struct event *next;
};

struct sup_tree {
    struct ev_loop *loop;
    const struct sup_config *config;
    char *rundir;
    char *slurm_conf;
    const int *listen_fds;
    size_t nlisten;
    struct node *root;
    struct inst *insts; /* every live instance */
    ev_signal sigchld_w;
    struct event *queue_head, *queue_tail;
    bool draining;
    bool stopping; /* sup_tree_stop() was called */
    bool announced_ready;
    bool done;
    bool root_down;
    int exit_code;
    char exit_reason[REASON_MAX];
    sup_tree_ready_f ready_cb;
    sup_tree_done_f done_cb;
    void *cb_arg;
};

static void advance(struct node *sup);
static void node_start(struct node *n);
static void node_stop(struct node *n);
static void check_done(struct sup_tree *tree);

/* ---- states ------------------------------------------------------------- */

static const char *const state_names[] = {
    [SUP_ST_STOPPED] = "stopped",     [SUP_ST_STARTING] = "starting",
    [SUP_ST_READY] = "ready",         [SUP_ST_RELOADING] = "reloading",
    [SUP_ST_STOPPING] = "stopping",   [SUP_ST_BACKOFF] = "backoff",
    [SUP_ST_FAILED] = "failed",
};

const char *sup_node_state_name(enum sup_node_state state)
{
    if ((size_t)state < sizeof(state_names) / sizeof(state_names[0]))
        return state_names[state];
    return "?";
}

#define T(s) (1u << (s))
/* The transition table: allowed[from] is the set of states that may follow. */
static const unsigned allowed[] = {
    [SUP_ST_STOPPED] = T(SUP_ST_STARTING) | T(SUP_ST_BACKOFF),
    [SUP_ST_STARTING] = T(SUP_ST_READY) | T(SUP_ST_STOPPING) | T(SUP_ST_BACKOFF) |
                        T(SUP_ST_FAILED) | T(SUP_ST_STOPPED),
    [SUP_ST_READY] = T(SUP_ST_RELOADING) | T(SUP_ST_STOPPING) | T(SUP_ST_BACKOFF) |
                     T(SUP_ST_FAILED) | T(SUP_ST_STOPPED),
    [SUP_ST_RELOADING] = T(SUP_ST_READY) | T(SUP_ST_STOPPING) | T(SUP_ST_BACKOFF) |
                         T(SUP_ST_FAILED) | T(SUP_ST_STOPPED),
    [SUP_ST_STOPPING] = T(SUP_ST_STOPPED) | T(SUP_ST_BACKOFF) | T(SUP_ST_FAILED),
    [SUP_ST_BACKOFF] = T(SUP_ST_STARTING) | T(SUP_ST_STOPPED),
    [SUP_ST_FAILED] = T(SUP_ST_STARTING),
};
#undef T

bool sup_node_transition_ok(enum sup_node_state from, enum sup_node_state to)
{
    if ((size_t)from >= sizeof(allowed) / sizeof(allowed[0]))
        return false;
    return (allowed[from] & (1u << to)) != 0;
}

static const char *node_kind(const struct node *n)
{
    return n->spec->kind == SUP_SPEC_SUPERVISOR ? "supervisor" : "service";
}

static void set_state(struct node *n, enum sup_node_state to, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The only place a node's state changes. */
static void set_state(struct node *n, enum sup_node_state to, const char *fmt, ...)
{
    char why[REASON_MAX] = "";
    va_list ap;

    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
    }
    if (n->state == to)
        return;
    if (!sup_node_transition_ok(n->state, to))
        flurm_err("%s: BUG: transition %s -> %s is not in the table", n->spec->name,
                  sup_node_state_name(n->state), sup_node_state_name(to));
    flurm_info("%s: %s -> %s%s%s", n->spec->name, sup_node_state_name(n->state),
               sup_node_state_name(to), *why ? ": " : "", why);
    n->state = to;
    n->since = ev_now(n->tree->loop);
}

static bool running(const struct node *n)
{
    return n->state == SUP_ST_STARTING || n->state == SUP_ST_READY ||
           n->state == SUP_ST_RELOADING || n->state == SUP_ST_STOPPING;
}

/* ---- events --------------------------------------------------------------- */

static void dispatch(struct sup_tree *tree, struct event *ev);

static void drain(struct sup_tree *tree)
{
    struct event *ev;

    if (tree->draining)
        return;
    tree->draining = true;
    while ((ev = tree->queue_head)) {
        tree->queue_head = ev->next;
        if (!tree->queue_head)
            tree->queue_tail = NULL;
        dispatch(tree, ev);
        free(ev);
    }
    tree->draining = false;
    check_done(tree);
}

static void post(struct node *n, enum event_kind kind, bool requested, enum sup_exit_kind exit,
                 const char *reason)
{
    struct event *ev = calloc(1, sizeof(*ev));

    if (!ev) {
        /* Losing an event would wedge the tree: nothing sane remains. */
        flurm_err("out of memory in the supervisor's event queue; aborting");
        abort();
    }
    ev->kind = kind;
    ev->node = n;
    ev->requested = requested;
    ev->exit = exit;
    snprintf(ev->reason, sizeof(ev->reason), "%s", reason ? reason : "");
    if (n->tree->queue_tail)
        n->tree->queue_tail->next = ev;
    else
        n->tree->queue_head = ev;
    n->tree->queue_tail = ev;
}

static void reply_pending_error(struct node *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void reply_pending_error(struct node *n, const char *fmt, ...)
{
    char text[REASON_MAX];
    va_list ap;

    if (!n->pending)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    sup_ctl_reply_error(n->pending, EAGAIN, "%s %s: %s",
                        n->pending_op == OP_RELOAD ? "reload" : "restart", n->spec->name, text);
    n->pending = NULL;
    n->pending_op = OP_NONE;
}

/* ---- instances ------------------------------------------------------------ */

static void inst_free(struct inst *in)
{
    struct sup_tree *tree;

    if (!in)
        return;
    tree = in->tree;
    ev_timer_stop(tree->loop, &in->timer);
    if (ev_is_active(&in->notify_w))
        ev_io_stop(tree->loop, &in->notify_w);
    if (in->notify_fd >= 0)
        close(in->notify_fd);
    if (in->prev)
        in->prev->next = in->next;
    else if (tree->insts == in)
        tree->insts = in->next;
    if (in->next)
        in->next->prev = in->prev;
    free(in);
}

static void stop_notify(struct inst *in)
{
    if (ev_is_active(&in->notify_w))
        ev_io_stop(in->tree->loop, &in->notify_w);
    if (in->notify_fd >= 0) {
        close(in->notify_fd);
        in->notify_fd = -1;
    }
}

static void on_inst_ready(struct inst *in);
/* A new instance binds its sockets and swaps the service's symlinks before
 * it reports ready, so one that dies in between leaves the links naming a
 * dead socket while the old instance keeps serving: new connections would
 * go nowhere until the next restart.  Point them back (found by the model
 * in specs/reload.pml). */
static void repoint_links(struct node *n, pid_t dead, pid_t serving)
{
    static const enum flurm_ipc_kind kinds[] = {FLURM_IPC_REQ, FLURM_IPC_EVENTS};

    if (dead <= 0 || serving <= 0)
        return;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        int rc = flurm_ipc_repoint_link(n->tree->rundir, n->spec->name, dead, serving, kinds[i]);
        if (rc > 0)
            flurm_info("%s: links point at pid %ld again", n->spec->name, (long)serving);
        else if (rc < 0)
            flurm_warn("%s: cannot repoint links at pid %ld: %s", n->spec->name,
                       (long)serving, strerror(errno));
    }
}

static void on_inst_exit(struct inst *in, int wstatus);

/* Give up on an instance that is not ready: its group gets SIGKILL, and the
 * exit arrives through SIGCHLD with `reason` as the cause. */
static void inst_abort(struct inst *in, const char *reason)
{
    if (!in->reason[0])
        snprintf(in->reason, sizeof(in->reason), "%s", reason);
    stop_notify(in);
    ev_timer_stop(in->tree->loop, &in->timer);
    if (in->pid > 0)
        sup_proc_kill_group(in->pid, SIGKILL);
}

static void inst_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct inst *in = w->data;
    struct sup_tree *tree = in->tree;
    char reason[REASON_MAX];

    (void)loop;
    (void)revents;
    if (in->pid == 0) {
        /* The spawn failed: report it as this instance's exit. */
        on_inst_exit(in, 0);
    } else if (!in->ready && in->role != ROLE_RETIRING && in->node->state != SUP_ST_STOPPING) {
        if (in->notify_eof)
            snprintf(reason, sizeof(reason),
                     "closed its notify fd without writing a readiness line");
        else
            snprintf(reason, sizeof(reason), "did not become ready within %d ms",
                     in->node->spec->ready_timeout_ms);
        flurm_warn("%s: pid %ld %s; killing it", in->node->spec->name, (long)in->pid, reason);
        inst_abort(in, reason);
    } else {
        flurm_warn("%s: pid %ld still running %d ms after SIGTERM; sending SIGKILL",
                   in->node->spec->name, (long)in->pid, in->node->spec->shutdown_ms);
        sup_proc_kill_group(in->pid, SIGKILL);
    }
    drain(tree);
}

/* Read what the child wrote on its notify fd.  Returns 1 once the
 * readiness line is complete, 0 if more may come, -1 at end of file. */
static int notify_read(struct inst *in)
{
    char buf[256];
    ssize_t n;

    for (;;) {
        n = read(in->notify_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n <= 0)
            return -1;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                in->line[in->linelen] = '\0';
                snprintf(in->version, sizeof(in->version), "%s", in->line);
                return 1;
            }
            /* An overlong version is truncated, not an error. */
            if (in->linelen < sizeof(in->line) - 1)
                in->line[in->linelen++] = buf[i];
        }
    }
}

static void notify_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct inst *in = w->data;
    struct sup_tree *tree = in->tree;

    (void)loop;
    (void)revents;
    switch (notify_read(in)) {
    case 1:
        on_inst_ready(in);
        break;
    case -1:
        /* A child that dies closes the fd too, a moment before it becomes a
         * zombie: its exit status is the better reason, so give SIGCHLD a
         * grace period before blaming the fd. */
        stop_notify(in);
        in->notify_eof = true;
        ev_timer_stop(tree->loop, &in->timer);
        ev_timer_set(&in->timer, NOTIFY_EOF_GRACE_S, 0);
        ev_timer_start(tree->loop, &in->timer);
        break;
    }
    drain(tree);
}

/* The environment of a child: ours minus the contract's variables, which
 * are then set for this child, plus the spec's extras.  Caller frees the
 * strings it allocated: all of them, via env_free(). */
static char **build_env(struct node *n)
{
    extern char **environ;
    struct sup_tree *tree = n->tree;
    static const char *const drop[] = {"FLURM_RUNDIR=", "FLURM_SERVICE=", "FLURM_NOTIFY_FD=",
                                       "FLURM_LISTEN_FD=", "SLURM_CONF=", NULL};
    size_t count = 0, k = 0;
    char **env;

    for (char **e = environ; *e; e++)
        count++;
    for (char **e = n->spec->env; e && *e; e++)
        count++;
    if (!(env = calloc(count + 4, sizeof(char *))))
        return NULL;
    for (char **e = environ; *e; e++) {
        bool skip = false;
        for (const char *const *d = drop; *d && !skip; d++)
            skip = strncmp(*e, *d, strlen(*d)) == 0;
        if (!skip && !(env[k++] = strdup(*e)))
            goto error;
    }
    for (char **e = n->spec->env; e && *e; e++) {
        if (!(env[k++] = strdup(*e)))
            goto error;
    }
    if (asprintf(&env[k++], "FLURM_RUNDIR=%s", tree->rundir) < 0 ||
        asprintf(&env[k++], "FLURM_SERVICE=%s", n->spec->name) < 0) {
        env[--k] = NULL;
        goto error;
    }
    if (tree->slurm_conf && asprintf(&env[k++], "SLURM_CONF=%s", tree->slurm_conf) < 0) {
        env[--k] = NULL;
        goto error;
    }
    return env;
error:
    for (size_t i = 0; i < k; i++)
        free(env[i]);
    free(env);
    return NULL;
}

static void env_free(char **env)
{
    if (!env)
        return;
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
}

/* Start a process for service n.  Returns the instance, or NULL with the
 * reason in err if it could not be started at all (no process exists). */
static struct inst *inst_spawn(struct node *n, enum inst_role role, char *err, size_t errlen)
{
    struct sup_tree *tree = n->tree;
    const struct sup_spec *spec = n->spec;
    struct inst *in = NULL;
    char **env = NULL;
    char **argv = NULL;
    size_t nargs = 0;
    struct sup_spawn s;

    while (spec->args && spec->args[nargs])
        nargs++;
    if (!(in = calloc(1, sizeof(*in))) || !(env = build_env(n)) ||
        !(argv = calloc(nargs + 2, sizeof(char *)))) {
        snprintf(err, errlen, "out of memory");
        goto error;
    }
    argv[0] = spec->exec;
    for (size_t i = 0; i < nargs; i++)
        argv[i + 1] = spec->args[i];
    s = (struct sup_spawn){
        .path = spec->exec,
        .argv = argv,
        .envp = env,
        .listen_fds = spec->listen ? tree->listen_fds : NULL,
        .nlisten = spec->listen ? tree->nlisten : 0,
    };
    in->tree = tree;
    in->node = n;
    in->role = role;
    in->notify_fd = -1;
    in->started = ev_now(tree->loop);
    ev_init(&in->timer, inst_timer_cb);
    in->timer.data = in;
    ev_init(&in->notify_w, notify_cb);
    in->notify_w.data = in;
    if ((in->pid = sup_proc_spawn(&s, &in->notify_fd, err, errlen)) < 0)
        goto error;
    ev_io_set(&in->notify_w, in->notify_fd, EV_READ);
    ev_io_start(tree->loop, &in->notify_w);
    ev_timer_set(&in->timer, spec->ready_timeout_ms / 1000.0, 0);
    ev_timer_start(tree->loop, &in->timer);
    in->next = tree->insts;
    if (tree->insts)
        tree->insts->prev = in;
    tree->insts = in;
    flurm_info("%s: started pid %ld (%s)%s", spec->name, (long)in->pid, spec->exec,
               role == ROLE_CANDIDATE ? " as the new instance of a reload" : "");
    free(argv);
    env_free(env);
    return in;
error:
    free(argv);
    env_free(env);
    free(in);
    return NULL;
}

/* Send the instance away: SIGTERM now (drain), SIGKILL to its group after
 * the shutdown timeout; or SIGKILL at once if `now`. */
static void inst_retire(struct inst *in, bool kill_now)
{
    struct sup_tree *tree = in->tree;

    in->role = ROLE_RETIRING;
    stop_notify(in);
    ev_timer_stop(tree->loop, &in->timer);
    if (in->pid == 0) {
        inst_free(in);
        return;
    }
    if (kill_now || in->node->spec->shutdown_ms == 0) {
        sup_proc_kill_group(in->pid, SIGKILL);
        return;
    }
    kill(in->pid, SIGTERM);
    ev_timer_set(&in->timer, in->node->spec->shutdown_ms / 1000.0, 0);
    ev_timer_start(tree->loop, &in->timer);
}

static void on_inst_ready(struct inst *in)
{
    struct node *n = in->node;
    struct sup_tree *tree = in->tree;
    double now = ev_now(tree->loop);

    stop_notify(in);
    ev_timer_stop(tree->loop, &in->timer);
    in->ready = true;
    in->ready_at = now;
    if (in->role == ROLE_PRIMARY) {
        n->ready_at = now;
        n->up = true;
        set_state(n, SUP_ST_READY, "pid %ld, version %s", (long)in->pid, in->version);
        post(n, EV_UP, false, SUP_EXIT_NORMAL, NULL);
    } else if (in->role == ROLE_CANDIDATE) {
        struct inst *old = n->primary;
        json_t *body;

        n->primary = in;
        n->candidate = NULL;
        in->role = ROLE_PRIMARY;
        n->ready_at = now;
        set_state(n, SUP_ST_READY, "reloaded: pid %ld (version %s) replaces pid %ld, which drains",
                  (long)in->pid, in->version, old ? (long)old->pid : 0L);
        body = json_pack("{s:s, s:I, s:s, s:I}", "service", n->spec->name, "pid",
                         (json_int_t)in->pid, "version", in->version, "old_pid",
                         (json_int_t)(old ? old->pid : 0));
        if (n->pending && n->pending_op == OP_RELOAD) {
            sup_ctl_reply_ok(n->pending, body);
            n->pending = NULL;
            n->pending_op = OP_NONE;
        } else {
            json_decref(body);
        }
        if (old)
            inst_retire(old, false);
    }
}

/* A process of the tree ended (or, pid 0, could not be started). */
static void on_inst_exit(struct inst *in, int wstatus)
{
    struct node *n = in->node;
    char desc[REASON_MAX];
    enum sup_exit_kind kind;
    pid_t pid = in->pid;

    if (in->reason[0]) {
        snprintf(desc, sizeof(desc), "%s", in->reason);
        kind = SUP_EXIT_CRASH;
        if (pid > 0 && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == FLURM_EXIT_PERMANENT)
            kind = SUP_EXIT_PERMANENT;
    } else {
        sup_describe_status(wstatus, desc, sizeof(desc));
        kind = sup_exit_kind_of_status(wstatus);
        if (!in->ready && n->state != SUP_ST_STOPPING && in->role != ROLE_RETIRING) {
            size_t len = strlen(desc);
            snprintf(desc + len, sizeof(desc) - len, " before it was ready");
        }
    }
    switch (in->role) {
    case ROLE_RETIRING:
        flurm_info("%s: old pid %ld %s", n->spec->name, (long)pid, desc);
        inst_free(in);
        return;
    case ROLE_CANDIDATE:
        n->candidate = NULL;
        if (n->primary)
            repoint_links(n, pid, n->primary->pid);
        flurm_warn("%s: reload failed: new pid %ld %s; pid %ld keeps serving", n->spec->name,
                   (long)pid, desc, n->primary ? (long)n->primary->pid : 0L);
        if (n->state == SUP_ST_RELOADING)
            set_state(n, SUP_ST_READY, "reload failed");
        if (pid > 0)
            reply_pending_error(n, "new instance (pid %ld) %s; pid %ld keeps serving", (long)pid,
                                desc, n->primary ? (long)n->primary->pid : 0L);
        else
            reply_pending_error(n, "%s; pid %ld keeps serving", desc,
                                n->primary ? (long)n->primary->pid : 0L);
        inst_free(in);
        return;
    case ROLE_PRIMARY:
        break;
    }
    n->primary = NULL;
    inst_free(in);
    if (n->candidate) {
        inst_retire(n->candidate, true);
        n->candidate = NULL;
        reply_pending_error(n, "the running instance %s during the reload", desc);
    }
    if (n->state == SUP_ST_STOPPING) {
        set_state(n, SUP_ST_STOPPED, "pid %ld %s", (long)pid, desc);
        post(n, EV_DOWN, true, SUP_EXIT_NORMAL, desc);
    } else {
        if (pid > 0)
            flurm_warn("%s: pid %ld %s", n->spec->name, (long)pid, desc);
        else
            flurm_warn("%s: %s", n->spec->name, desc);
        post(n, EV_DOWN, false, kind, desc);
    }
}

static void sigchld_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct sup_tree *tree = w->data;

    (void)loop;
    (void)revents;
    for (;;) {
        siginfo_t si;
        int wstatus;
        pid_t pid;
        struct inst *in;

        memset(&si, 0, sizeof(si));
        /* Peek first: while the leader is an unreaped zombie its group id
         * cannot be reused, so killing its leftovers is race-free. */
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
            break;
        pid = si.si_pid;
        sup_proc_kill_group(pid, SIGKILL);
        if (waitpid(pid, &wstatus, 0) < 0)
            continue;
        for (in = tree->insts; in && in->pid != pid; in = in->next)
            ;
        if (in && !in->ready && in->notify_fd >= 0 && in->role != ROLE_RETIRING &&
            notify_read(in) == 1) {
            /* Ready and gone in the same loop pass: keep the order. */
            on_inst_ready(in);
        }
        if (in)
            on_inst_exit(in, wstatus);
        else
            flurm_debug("reaped pid %ld, not one of ours", (long)pid);
    }
    drain(tree);
}

/* ---- services ------------------------------------------------------------- */

static void svc_start(struct node *n)
{
    char err[REASON_MAX];
    struct inst *in;

    set_state(n, SUP_ST_STARTING, NULL);
    if ((in = inst_spawn(n, ROLE_PRIMARY, err, sizeof(err)))) {
        n->primary = in;
        return;
    }
    /* No process: report the failure from the loop, like any exit, so that
     * the caller's step finishes before its consequences begin. */
    if (!(in = calloc(1, sizeof(*in)))) {
        flurm_err("out of memory starting %s; aborting", n->spec->name);
        abort();
    }
    in->tree = n->tree;
    in->node = n;
    in->role = ROLE_PRIMARY;
    in->notify_fd = -1;
    snprintf(in->reason, sizeof(in->reason), "%s", err);
    ev_init(&in->notify_w, notify_cb);
    ev_timer_init(&in->timer, inst_timer_cb, 0, 0);
    in->timer.data = in;
    ev_timer_start(n->tree->loop, &in->timer);
    in->next = n->tree->insts;
    if (n->tree->insts)
        n->tree->insts->prev = in;
    n->tree->insts = in;
    n->primary = in;
}

static void svc_stop(struct node *n)
{
    struct inst *in = n->primary;

    if (n->state == SUP_ST_STOPPING)
        return;
    if (n->candidate) {
        inst_retire(n->candidate, true);
        n->candidate = NULL;
        reply_pending_error(n, "cancelled: %s is being stopped", n->spec->name);
    }
    set_state(n, SUP_ST_STOPPING, NULL);
    if (!in || in->pid == 0) {
        inst_free(in);
        n->primary = NULL;
        set_state(n, SUP_ST_STOPPED, "it had no process");
        post(n, EV_DOWN, true, SUP_EXIT_NORMAL, "no process");
        return;
    }
    stop_notify(in);
    ev_timer_stop(n->tree->loop, &in->timer);
    if (n->spec->shutdown_ms == 0 || !in->ready) {
        /* Not ready means no work taken: nothing to drain. */
        sup_proc_kill_group(in->pid, SIGKILL);
        return;
    }
    kill(in->pid, SIGTERM);
    ev_timer_set(&in->timer, n->spec->shutdown_ms / 1000.0, 0);
    ev_timer_start(n->tree->loop, &in->timer);
}

/* ---- supervisors ---------------------------------------------------------- */

static void backoff_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct node *sup = w->data;

    (void)loop;
    (void)revents;
    post(sup, EV_KICK, false, SUP_EXIT_NORMAL, NULL);
    drain(sup->tree);
}

static void sup_start(struct node *sup)
{
    set_state(sup, SUP_ST_STARTING, NULL);
    sup->stop_requested = false;
    sup->fail_reason[0] = '\0';
    /* A supervisor started afresh has a fresh history, as a new OTP
     * supervisor process would. */
    sup_intensity_reset(sup->window);
    for (size_t i = 0; i < sup->nchildren; i++) {
        struct node *c = sup->children[i];
        c->want_run = true;
        c->must_stop = false;
        c->not_before = 0;
        c->failures = 0;
        c->first_start = true;
        if (c->state == SUP_ST_BACKOFF)
            set_state(c, SUP_ST_STOPPED, NULL);
    }
    post(sup, EV_KICK, false, SUP_EXIT_NORMAL, NULL);
}

/* Take every child down, in reverse start order (advance() does it). */
static void sup_wind_down(struct node *sup)
{
    ev_timer_stop(sup->tree->loop, &sup->backoff_w);
    for (size_t i = 0; i < sup->nchildren; i++) {
        struct node *c = sup->children[i];
        c->want_run = false;
        c->must_stop = running(c);
        if (c->state == SUP_ST_BACKOFF)
            set_state(c, SUP_ST_STOPPED, "its supervisor is stopping");
    }
    post(sup, EV_KICK, false, SUP_EXIT_NORMAL, NULL);
}

static void sup_stop(struct node *sup)
{
    sup->stop_requested = true;
    if (sup->state == SUP_ST_STOPPING)
        return;
    set_state(sup, SUP_ST_STOPPING, NULL);
    sup_wind_down(sup);
}

static void give_up(struct node *sup, enum sup_exit_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* OTP's shutdown on reached_max_restart_intensity (and on a permanent
 * failure): stop the children, then fail to the parent. */
static void give_up(struct node *sup, enum sup_exit_kind kind, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(sup->fail_reason, sizeof(sup->fail_reason), fmt, ap);
    va_end(ap);
    sup->fail_kind = kind == SUP_EXIT_PERMANENT ? SUP_EXIT_PERMANENT : SUP_EXIT_CRASH;
    flurm_err("%s: giving up: %s; stopping its children and failing to %s", sup->spec->name,
              sup->fail_reason, sup->parent ? sup->parent->spec->name : "flurm-sup");
    set_state(sup, SUP_ST_STOPPING, "giving up");
    sup_wind_down(sup);
}

static void advance(struct node *sup)
{
    struct sup_tree *tree = sup->tree;
    double now = ev_now(tree->loop);
    double earliest = INFINITY;

    if (sup->state != SUP_ST_STARTING && sup->state != SUP_ST_READY &&
        sup->state != SUP_ST_STOPPING)
        return;
    ev_timer_stop(tree->loop, &sup->backoff_w);

    /* One step at a time: wait for the child in transition. */
    for (size_t i = 0; i < sup->nchildren; i++) {
        struct node *c = sup->children[i];
        if (c->state == SUP_ST_STARTING && c->must_stop) {
            node_stop(c);
            return;
        }
        if (c->state == SUP_ST_STARTING || c->state == SUP_ST_STOPPING)
            return;
    }
    /* Stops first, last started first. */
    for (size_t i = sup->nchildren; i-- > 0;) {
        struct node *c = sup->children[i];
        if (!c->must_stop)
            continue;
        if (running(c)) {
            node_stop(c);
            return;
        }
        c->must_stop = false;
    }
    if (sup->state == SUP_ST_STOPPING) {
        if (sup->stop_requested) {
            set_state(sup, SUP_ST_STOPPED, "all children stopped");
            post(sup, EV_DOWN, true, SUP_EXIT_NORMAL, "stopped");
        } else {
            post(sup, EV_DOWN, false, sup->fail_kind, sup->fail_reason);
        }
        return;
    }
    /* Then starts, in order.  Under rest_for_one and one_for_all the order
     * is a dependency order, so a child waiting for its back-off holds up
     * the ones after it; under one_for_one the children are independent. */
    for (size_t i = 0; i < sup->nchildren; i++) {
        struct node *c = sup->children[i];
        if (!c->want_run || running(c))
            continue;
        if (c->not_before > now) {
            earliest = fmin(earliest, c->not_before);
            if (c->state != SUP_ST_BACKOFF)
                set_state(c, SUP_ST_BACKOFF, "restart in %.0f ms", (c->not_before - now) * 1000);
            if (sup->spec->strategy != SUP_ONE_FOR_ONE)
                break;
            continue;
        }
        node_start(c);
        return;
    }
    if (earliest < INFINITY) {
        ev_timer_set(&sup->backoff_w, earliest - now, 0);
        ev_timer_start(tree->loop, &sup->backoff_w);
        return;
    }
    if (sup->state == SUP_ST_STARTING) {
        sup->ready_at = now;
        sup->up = true;
        set_state(sup, SUP_ST_READY, "all %zu children started", sup->nchildren);
        post(sup, EV_UP, false, SUP_EXIT_NORMAL, NULL);
    }
}

static void node_start(struct node *n)
{
    n->up = false;
    if (n->spec->kind == SUP_SPEC_SERVICE)
        svc_start(n);
    else
        sup_start(n);
}

static void node_stop(struct node *n)
{
    if (n->spec->kind == SUP_SPEC_SERVICE)
        svc_stop(n);
    else
        sup_stop(n);
}

/* Child c of sup went down on its own. */
static void child_failed(struct node *sup, struct node *c, enum sup_exit_kind kind,
                         const char *reason)
{
    double now = ev_now(sup->tree->loop);
    bool initial = c->first_start && !c->up;
    enum sup_verdict verdict;
    bool *take;
    double delay;

    c->first_start = false;
    if (sup->state == SUP_ST_STOPPING) {
        /* Going down anyway: no decisions to make. */
        c->want_run = false;
        set_state(c, kind == SUP_EXIT_NORMAL ? SUP_ST_STOPPED : SUP_ST_FAILED, "%s", reason);
        reply_pending_error(c, "%s, and its supervisor is stopping", reason);
        advance(sup);
        return;
    }
    if (initial && sup->state == SUP_ST_STARTING) {
        /* OTP: a child that fails to start fails its supervisor's start. */
        c->want_run = false;
        set_state(c, SUP_ST_FAILED, "%s", reason);
        reply_pending_error(c, "%s", reason);
        give_up(sup, kind, "%s failed to start: %s", c->spec->name, reason);
        return;
    }
    verdict = sup_policy_verdict(c->spec->restart, kind);
    if (verdict == SUP_VERDICT_LEAVE) {
        c->want_run = false;
        set_state(c, kind == SUP_EXIT_NORMAL ? SUP_ST_STOPPED : SUP_ST_FAILED,
                  "%s; not restarted (restart: %s)", reason, sup_restart_name(c->spec->restart));
        reply_pending_error(c, "%s", reason);
        advance(sup);
        return;
    }
    if (verdict == SUP_VERDICT_ESCALATE) {
        c->want_run = false;
        set_state(c, SUP_ST_FAILED, "%s: permanent failure", reason);
        reply_pending_error(c, "%s", reason);
        give_up(sup, SUP_EXIT_PERMANENT, "%s failed permanently: %s", c->spec->name, reason);
        return;
    }
    if (sup_intensity_add(sup->window, now)) {
        c->want_run = false;
        set_state(c, SUP_ST_FAILED, "%s", reason);
        reply_pending_error(c, "%s", reason);
        give_up(sup, SUP_EXIT_CRASH,
                "reached maximum restart intensity (more than %d restarts within %g s); "
                "last: %s %s",
                sup->spec->intensity, sup->spec->period_s, c->spec->name, reason);
        return;
    }
    /* A child that stayed up for a whole period was stable: its back-off
     * starts over. */
    if (c->up && now - c->ready_at >= sup->spec->period_s)
        c->failures = 0;
    c->failures++;
    delay = sup_policy_backoff_s(c->failures, sup->spec->backoff_min_ms, sup->spec->backoff_max_ms);
    if (!(take = calloc(sup->nchildren, sizeof(bool)))) {
        flurm_err("out of memory; aborting");
        abort();
    }
    sup_policy_restart_set(sup->spec->strategy, sup->nchildren, c->index, take);
    for (size_t i = 0; i < sup->nchildren; i++) {
        struct node *s = sup->children[i];
        if (!take[i])
            continue;
        if (s != c && s->spec->restart == SUP_RESTART_TEMPORARY) {
            /* OTP: a temporary child taken down by a sibling's restart is
             * not restarted. */
            s->want_run = false;
            s->must_stop = running(s);
            continue;
        }
        s->want_run = true;
        s->must_stop = s != c && running(s);
        s->not_before = now + delay;
        s->restarts++;
    }
    free(take);
    set_state(c, SUP_ST_BACKOFF, "%s; restart %d of %d allowed within %g s, in %.0f ms (%s)",
              reason, sup_intensity_count(sup->window, now), sup->spec->intensity,
              sup->spec->period_s, delay * 1000, sup_strategy_name(sup->spec->strategy));
    advance(sup);
}

static void on_up(struct node *n)
{
    n->first_start = false;
    if (n->pending && n->pending_op == OP_RESTART) {
        json_t *body = json_pack("{s:s}", "service", n->spec->name);
        if (body && n->primary) {
            json_object_set_new(body, "pid", json_integer(n->primary->pid));
            json_object_set_new(body, "version", json_string(n->primary->version));
        }
        sup_ctl_reply_ok(n->pending, body);
        n->pending = NULL;
        n->pending_op = OP_NONE;
    }
    if (!n->parent) {
        if (!n->tree->announced_ready) {
            n->tree->announced_ready = true;
            flurm_info("supervision tree ready");
            if (n->tree->ready_cb)
                n->tree->ready_cb(n->tree->cb_arg);
        }
        return;
    }
    advance(n->parent);
}

static void on_down(struct node *n, bool requested, enum sup_exit_kind kind, const char *reason)
{
    struct node *sup = n->parent;
    struct sup_tree *tree = n->tree;

    if (!sup) {
        /* The root is gone: the tree is done once its processes are. */
        tree->root_down = true;
        if (requested) {
            tree->exit_code = FLURM_EXIT_OK;
            snprintf(tree->exit_reason, sizeof(tree->exit_reason), "stopped");
        } else {
            set_state(n, SUP_ST_FAILED, "%s", reason);
            tree->exit_code =
                kind == SUP_EXIT_PERMANENT ? FLURM_EXIT_PERMANENT : FLURM_EXIT_TEMPORARY;
            snprintf(tree->exit_reason, sizeof(tree->exit_reason), "%s", reason);
            flurm_err("the root supervisor %s gave up: %s; flurm-sup exits %d", n->spec->name,
                      reason, tree->exit_code);
        }
        reply_pending_error(n, "%s", reason);
        return;
    }
    if (requested) {
        n->must_stop = false;
        if (!n->want_run || sup->state == SUP_ST_STOPPING)
            reply_pending_error(n, "cancelled: %s is stopping", sup->spec->name);
        else if (n->not_before > ev_now(tree->loop))
            set_state(n, SUP_ST_BACKOFF, "restart in %.0f ms",
                      (n->not_before - ev_now(tree->loop)) * 1000);
        advance(sup);
        return;
    }
    child_failed(sup, n, kind, reason);
}

static void dispatch(struct sup_tree *tree, struct event *ev)
{
    (void)tree;
    switch (ev->kind) {
    case EV_UP:
        on_up(ev->node);
        break;
    case EV_DOWN:
        on_down(ev->node, ev->requested, ev->exit, ev->reason);
        break;
    case EV_KICK:
        advance(ev->node);
        break;
    }
}

static void check_done(struct sup_tree *tree)
{
    if (tree->done || !tree->root_down || tree->insts || tree->queue_head)
        return;
    tree->done = true;
    if (tree->done_cb)
        tree->done_cb(tree->exit_code, tree->exit_reason, tree->cb_arg);
}

/* ---- building and status --------------------------------------------------- */

static void node_destroy(struct node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nchildren; i++)
        node_destroy(n->children[i]);
    free(n->children);
    sup_intensity_destroy(n->window);
    if (n->tree && ev_is_active(&n->backoff_w))
        ev_timer_stop(n->tree->loop, &n->backoff_w);
    if (n->pending)
        sup_ctl_reply_error(n->pending, ESHUTDOWN, "the supervisor is exiting");
    free(n);
}

static struct node *node_create(struct sup_tree *tree, const struct sup_spec *spec,
                                struct node *parent, size_t index)
{
    struct node *n;

    if (!(n = calloc(1, sizeof(*n))))
        return NULL;
    n->tree = tree;
    n->spec = spec;
    n->parent = parent;
    n->index = index;
    n->state = SUP_ST_STOPPED;
    ev_timer_init(&n->backoff_w, backoff_cb, 0, 0);
    n->backoff_w.data = n;
    if (spec->kind == SUP_SPEC_SUPERVISOR) {
        if (!(n->window = sup_intensity_create(spec->intensity, spec->period_s)))
            goto error;
        if (spec->nchildren && !(n->children = calloc(spec->nchildren, sizeof(*n->children))))
            goto error;
        for (size_t i = 0; i < spec->nchildren; i++) {
            if (!(n->children[i] = node_create(tree, spec->children[i], n, i)))
                goto error;
            n->nchildren++;
        }
    }
    return n;
error:
    node_destroy(n);
    return NULL;
}

static struct node *find_node(struct node *n, const char *name)
{
    struct node *found;

    if (strcmp(n->spec->name, name) == 0)
        return n;
    for (size_t i = 0; i < n->nchildren; i++) {
        if ((found = find_node(n->children[i], name)))
            return found;
    }
    return NULL;
}

struct sup_tree *sup_tree_create(const struct sup_tree_opts *opts, sup_tree_ready_f ready,
                                 sup_tree_done_f done, void *arg)
{
    struct sup_tree *tree;

    if (!opts || !opts->loop || !opts->config || !opts->config->tree || !opts->rundir) {
        errno = EINVAL;
        return NULL;
    }
    if (!(tree = calloc(1, sizeof(*tree))))
        return NULL;
    tree->loop = opts->loop;
    tree->config = opts->config;
    tree->listen_fds = opts->listen_fds;
    tree->nlisten = opts->nlisten;
    tree->ready_cb = ready;
    tree->done_cb = done;
    tree->cb_arg = arg;
    if (!(tree->rundir = strdup(opts->rundir)) ||
        (opts->slurm_conf && !(tree->slurm_conf = strdup(opts->slurm_conf))) ||
        !(tree->root = node_create(tree, opts->config->tree, NULL, 0)))
        goto error;
    ev_signal_init(&tree->sigchld_w, sigchld_cb, SIGCHLD);
    tree->sigchld_w.data = tree;
    ev_signal_start(tree->loop, &tree->sigchld_w);
    return tree;
error:
    sup_tree_destroy(tree);
    errno = ENOMEM;
    return NULL;
}

void sup_tree_destroy(struct sup_tree *tree)
{
    struct event *ev;

    if (!tree)
        return;
    if (ev_is_active(&tree->sigchld_w))
        ev_signal_stop(tree->loop, &tree->sigchld_w);
    while (tree->insts) {
        struct inst *in = tree->insts;
        if (in->pid > 0) {
            sup_proc_kill_group(in->pid, SIGKILL);
            waitpid(in->pid, NULL, 0);
        }
        inst_free(in);
    }
    while ((ev = tree->queue_head)) {
        tree->queue_head = ev->next;
        free(ev);
    }
    node_destroy(tree->root);
    free(tree->rundir);
    free(tree->slurm_conf);
    free(tree);
}

int sup_tree_start(struct sup_tree *tree)
{
    if (tree->root->state != SUP_ST_STOPPED) {
        errno = EALREADY;
        return -1;
    }
    tree->root_down = false;
    node_start(tree->root);
    drain(tree);
    return 0;
}

void sup_tree_stop(struct sup_tree *tree)
{
    if (tree->stopping)
        return;
    tree->stopping = true;
    flurm_info("stopping the supervision tree");
    if (running(tree->root)) {
        node_stop(tree->root);
    } else if (!tree->root_down) {
        tree->root_down = true;
        snprintf(tree->exit_reason, sizeof(tree->exit_reason), "stopped");
    }
    drain(tree);
}

static json_t *node_status(struct node *n, double now)
{
    json_t *o = json_object();
    json_t *children;
    struct inst *in = n->primary;
    bool up = n->state == SUP_ST_READY || n->state == SUP_ST_RELOADING;

    if (!o)
        return NULL;
    json_object_set_new(o, "name", json_string(n->spec->name));
    json_object_set_new(o, "kind", json_string(node_kind(n)));
    json_object_set_new(o, "state", json_string(sup_node_state_name(n->state)));
    json_object_set_new(o, "restarts", json_integer(n->restarts));
    json_object_set_new(o, "uptime", up ? json_real(now - n->ready_at) : json_null());
    if (n->spec->kind == SUP_SPEC_SERVICE) {
        json_object_set_new(o, "pid", in && in->pid > 0 ? json_integer(in->pid) : json_null());
        json_object_set_new(o, "version",
                            in && in->ready ? json_string(in->version) : json_null());
        json_object_set_new(o, "restart", json_string(sup_restart_name(n->spec->restart)));
        if (n->candidate && n->candidate->pid > 0)
            json_object_set_new(o, "reload_pid", json_integer(n->candidate->pid));
        json_t *old = json_array();
        for (struct inst *r = n->tree->insts; r; r = r->next) {
            if (r->node == n && r->role == ROLE_RETIRING && r->pid > 0)
                json_array_append_new(old, json_integer(r->pid));
        }
        json_object_set_new(o, "draining_pids", old);
    } else {
        json_object_set_new(o, "strategy", json_string(sup_strategy_name(n->spec->strategy)));
        json_object_set_new(o, "intensity", json_integer(n->spec->intensity));
        json_object_set_new(o, "period", json_real(n->spec->period_s));
        json_object_set_new(o, "recent_restarts",
                            json_integer(sup_intensity_count(n->window, now)));
        children = json_array();
        for (size_t i = 0; i < n->nchildren; i++)
            json_array_append_new(children, node_status(n->children[i], now));
        json_object_set_new(o, "children", children);
    }
    return o;
}

json_t *sup_tree_status(struct sup_tree *tree)
{
    return node_status(tree->root, ev_now(tree->loop));
}

/* ---- control requests ------------------------------------------------------ */

static struct node *ctl_target(struct sup_tree *tree, struct sup_ctl_req *req, json_t *body,
                               const char *verb)
{
    const char *name = json_string_value(json_object_get(body, "service"));
    struct node *n;

    if (!name) {
        sup_ctl_reply_error(req, EINVAL, "%s: which service? (body.service)", verb);
        return NULL;
    }
    if (!(n = find_node(tree->root, name))) {
        sup_ctl_reply_error(req, ENOENT, "%s %s: no such service in the tree", verb, name);
        return NULL;
    }
    if (tree->stopping) {
        sup_ctl_reply_error(req, ESHUTDOWN, "%s %s: the supervisor is stopping", verb, name);
        return NULL;
    }
    if (n->pending) {
        sup_ctl_reply_error(req, EBUSY, "%s %s: a %s of it is already in progress", verb, name,
                            n->pending_op == OP_RELOAD ? "reload" : "restart");
        return NULL;
    }
    if (n->parent && n->parent->state != SUP_ST_READY && n->parent->state != SUP_ST_STARTING) {
        sup_ctl_reply_error(req, EAGAIN, "%s %s: its supervisor %s is %s", verb, name,
                            n->parent->spec->name, sup_node_state_name(n->parent->state));
        return NULL;
    }
    return n;
}

static void ctl_reload(struct sup_tree *tree, struct sup_ctl_req *req, json_t *body)
{
    char err[REASON_MAX];
    struct node *n;
    struct inst *in;

    if (!(n = ctl_target(tree, req, body, "reload")))
        return;
    if (n->spec->kind != SUP_SPEC_SERVICE) {
        sup_ctl_reply_error(req, EINVAL, "reload %s: a supervisor; reload applies to services",
                            n->spec->name);
        return;
    }
    if (n->state != SUP_ST_READY) {
        sup_ctl_reply_error(req, EAGAIN, "reload %s: it is %s, not ready", n->spec->name,
                            sup_node_state_name(n->state));
        return;
    }
    if (!(in = inst_spawn(n, ROLE_CANDIDATE, err, sizeof(err)))) {
        flurm_warn("%s: reload failed: %s; pid %ld keeps serving", n->spec->name, err,
                   (long)n->primary->pid);
        sup_ctl_reply_error(req, errno ? errno : EIO, "reload %s: %s; pid %ld keeps serving",
                            n->spec->name, err, (long)n->primary->pid);
        return;
    }
    n->candidate = in;
    n->pending = req;
    n->pending_op = OP_RELOAD;
    set_state(n, SUP_ST_RELOADING, "new pid %ld beside pid %ld", (long)in->pid,
              (long)n->primary->pid);
}

static void ctl_restart(struct sup_tree *tree, struct sup_ctl_req *req, json_t *body)
{
    struct node *n;

    if (!(n = ctl_target(tree, req, body, "restart")))
        return;
    if (!n->parent) {
        sup_ctl_reply_error(req, EINVAL,
                            "restart %s: the root supervisor cannot be restarted; use "
                            "`flurm-sup stop` and `flurm-sup start`",
                            n->spec->name);
        return;
    }
    flurm_info("%s: restart requested", n->spec->name);
    n->pending = req;
    n->pending_op = OP_RESTART;
    n->want_run = true;
    n->must_stop = running(n);
    n->not_before = 0;
    post(n->parent, EV_KICK, false, SUP_EXIT_NORMAL, NULL);
    drain(tree);
}

void sup_tree_handle_ctl(struct sup_ctl_req *req, const char *type, json_t *body, void *arg)
{
    struct sup_tree *tree = arg;

    if (strcmp(type, "sup.status") == 0) {
        json_t *reply = json_pack("{s:I, s:s, s:s, s:o}", "pid", (json_int_t)getpid(),
                                  "version", FLURM_VERSION, "rundir", tree->rundir, "tree",
                                  sup_tree_status(tree));
        sup_ctl_reply_ok(req, reply);
    } else if (strcmp(type, "sup.reload") == 0) {
        ctl_reload(tree, req, body);
    } else if (strcmp(type, "sup.restart") == 0) {
        ctl_restart(tree, req, body);
    } else if (strcmp(type, "sup.stop") == 0) {
        sup_ctl_reply_ok(req, json_pack("{s:I}", "pid", (json_int_t)getpid()));
        sup_tree_stop(tree);
    } else {
        sup_ctl_reply_error(req, ENOSYS, "unknown request type \"%s\"", type);
    }
    drain(tree);
}
