/*
 * reload.pml - the hot reload of one FLURM service, for SPIN.
 *
 * What is modelled (docs/supervisor.md "Reload", docs/architecture.md "IPC
 * between services", docs/messages.md "Re-sends, reloads and NNG 1.5.2",
 * docs/jobstore.md "Idempotency"):
 *
 *   Client      one NNG REQ socket (common/client.c) with R requests in
 *               flight, each with its own req_id.  Its dialer holds at most
 *               one connection, made through the <svc>.req symlink; when the
 *               connection closes, every unanswered request is re-sent with
 *               the same req_id once the dialer has reconnected.
 *   Instance    the old instance (serving when the model starts) and the new
 *               one the reload starts (common/service.c).  The new one binds
 *               its own <svc>.<pid>.req, swaps the symlink, then writes its
 *               readiness line, and may die at any step before that.  On
 *               SIGTERM an instance drains: takes nothing new, commits and
 *               answers what it took, closes (its last replies may still be
 *               lost: closing does not flush).  Its drain timeout may expire
 *               at any moment, dropping what it holds.
 *   Store       the job store's database, shared by both instances
 *               (services/jobstore/main.c): a command is applied and
 *               committed in one atomic step, the reply goes out after the
 *               commit, a repeated req_id applies nothing.
 *   Supervisor  supervisor/tree.c: ctl_reload starts the candidate;
 *               on_inst_ready promotes it and SIGTERMs the old one; the
 *               shutdown timer's SIGKILL of the old instance and the ready
 *               timer's SIGKILL of the candidate are nondeterministic events;
 *               on_inst_exit of a candidate ends the reload as failed.
 *
 * Switches (-D on the spin command line, see specs/check):
 *   NO_LINK_REPAIR     the supervisor does NOT point the symlink back at the
 *                      old instance after a failed reload (tree.c before
 *                      the fix of specs/README.md, "Finding 1").
 *   CLIENT_TIMEOUT     the caller's overall timeout may expire: a request
 *                      can be given up at any moment.
 *   Bug variants, each must make specs/check see a violation:
 *   NO_DEDUP           the store applies a repeated req_id again.
 *   EARLY_TERM         the supervisor SIGTERMs the old instance as soon as
 *                      it starts the new one, before the new one is ready.
 *   ACK_BEFORE_COMMIT  the store answers before it commits (the jobstore's
 *                      FLURM_JOBSTORE_FAULT=ack-before-commit).
 */

#ifndef R
#define R 2                 /* requests (distinct req_ids) of the client */
#endif
#if R < 2 || R > 3
#error "R (requests) must be 2 or 3: the per-request steps are written out"
#endif
#define LAST (R - 1)        /* conditions over "every request" name 0, 1, LAST */

#define OLD    0
#define NEW    1
#define NOBODY 2

/* Life of an instance.  Ordered: everything from BOUND to DRAINING listens
 * on its own socket file. */
#define OFF      0          /* not started */
#define STARTING 1          /* running, not listening yet */
#define BOUND    2          /* listening on <svc>.<pid>.req, taking requests */
#define LINKED   3          /* ... and <svc>.req points at it */
#define READY    4          /* ... and it wrote its readiness line */
#define DRAINING 5          /* SIGTERM: takes nothing new, answers what it took */
#define CLOSED   6          /* exited on its own; its socket file removed */
#define DEAD     7          /* killed or crashed; its socket file left stale */

/* Life of a request, seen from the client. */
#define UNSENT    0         /* the caller has not asked yet */
#define QUEUED    1         /* in the client's send queue, waiting for a connection */
#define SENT      2         /* in the connection to instance at[r], not taken */
#define TAKEN     3         /* taken by at[r] (in flight there), not committed */
#define REPLIED   4         /* reply on its way back from at[r] */
#define DONE      5         /* answered */
#define ABANDONED 6         /* the caller's timeout expired (CLIENT_TIMEOUT) */

#define alive(i)     (st[i] >= STARTING && st[i] <= DRAINING)
#define accepting(i) (st[i] >= BOUND && st[i] <= DRAINING)
#define taking(i)    (st[i] >= BOUND && st[i] <= READY)
#define gone(i)      (st[i] == CLOSED || st[i] == DEAD)
#define in_conn(r)   (where[r] == SENT || where[r] == TAKEN || where[r] == REPLIED)
#define settled(r)   (where[r] == DONE || where[r] == ABANDONED)

/* Both READY only in the initial state: init turns st[NEW] OFF before any
 * other process runs (an array takes one initial value). */
byte st[2] = READY;
bool sigterm[2];            /* the supervisor sent SIGTERM */
byte link = OLD;            /* where <svc>.req points */
byte pipe = NOBODY;         /* the client dialer's connection */

byte where[R];
byte at[R];                 /* the instance holding request r (0 when none) */
bool gave_up[R];            /* CLIENT_TIMEOUT: the caller stopped waiting */

byte applied[R];            /* times the store applied req_id r */
bool committed[R];          /* the store holds a committed result for req_id r */
#ifdef ACK_BEFORE_COMMIT
byte owed[R];               /* i+1: instance i answered r and commits it later */
#endif

bool reload_failed;         /* the supervisor ended the reload as failed */
bool reload_done;           /* ... or as done (new instance promoted) */

/* Request r loses its connection to instance i, if it had one: NNG fails
 * it with ECONNRESET and the client re-sends it, unless its caller gave up.
 * A reply not yet delivered is lost (rep0 counts a reply as sent once
 * queued; close does not flush). */
inline reset(i, r)
{
    if
    :: at[r] == i && in_conn(r) ->
        where[r] = (gave_up[r] -> ABANDONED : QUEUED);
        at[r] = 0
    :: else
    fi;
#ifdef ACK_BEFORE_COMMIT
    if
    :: owed[r] == i + 1 -> owed[r] = 0
    :: else
    fi;
#endif
}

/* Instance i's process ends (how: CLOSED or DEAD) and its connections with
 * it. */
inline stop(i, how)
{
    st[i] = how;
    reset(i, 0);
    reset(i, 1);
#if R >= 3
    reset(i, 2);
#endif
    if
    :: pipe == i -> pipe = NOBODY
    :: else
    fi
}

/* The store applies req_id r for instance i, in one transaction. */
inline apply(r)
{
#ifdef NO_DEDUP
    applied[r]++;
#else
    if
    :: !committed[r] -> applied[r]++
    :: else                                 /* a re-send: the recorded result */
    fi;
#endif
    committed[r] = true;
    assert(applied[r] <= 1)                 /* at_most_once */
}

/* Instance i takes request r off its connection. */
inline take(i, r)
{
    atomic { taking(i) && where[r] == SENT && at[r] == i -> where[r] = TAKEN }
}

/* Instance i commits request r, then answers it. */
inline commit(i, r)
{
#ifdef ACK_BEFORE_COMMIT
    atomic { alive(i) && where[r] == TAKEN && at[r] == i -> where[r] = REPLIED; owed[r] = i + 1 }
#else
    d_step { alive(i) && where[r] == TAKEN && at[r] == i -> apply(r); where[r] = REPLIED }
#endif
}

#ifdef ACK_BEFORE_COMMIT
inline late_commit(i, r)
{
    d_step { alive(i) && owed[r] == i + 1 -> owed[r] = 0; apply(r) }
}
#endif

#ifdef ACK_BEFORE_COMMIT
#define REPLY_AFTER_COMMIT(r) true  /* broken on purpose: acked_durable catches it */
#else
#define REPLY_AFTER_COMMIT(r) committed[r]
#endif

#define taken_by(i, r) (where[r] == TAKEN && at[r] == i)
#define nothing_taken(i) (!taken_by(i, 0) && !taken_by(i, 1) && !taken_by(i, LAST))

proctype Instance(byte i)
{
end_serving:
    do
    /* flurm_service_start of the new instance: bind, swap, notify */
    :: atomic { st[i] == STARTING -> st[i] = BOUND }
    :: atomic { st[i] == STARTING -> st[i] = CLOSED }   /* exits before binding */
    :: atomic { st[i] == BOUND -> link = i; st[i] = LINKED }
    :: atomic { st[i] == LINKED -> st[i] = READY }
    /* the new instance dies before it is ready (crash, exit, OOM...) */
    :: atomic { i == NEW && (st[i] == BOUND || st[i] == LINKED) -> stop(i, DEAD) }

    :: take(i, 0)
    :: take(i, 1)
#if R >= 3
    :: take(i, 2)
#endif
    :: commit(i, 0)
    :: commit(i, 1)
#if R >= 3
    :: commit(i, 2)
#endif
#ifdef ACK_BEFORE_COMMIT
    :: late_commit(i, 0)
    :: late_commit(i, 1)
#if R >= 3
    :: late_commit(i, 2)
#endif
#endif

    /* drain (common/service.c): stop receiving, answer, linger, close */
    :: atomic { st[i] == READY && sigterm[i] -> st[i] = DRAINING }
    :: atomic { st[i] == DRAINING && nothing_taken(i) -> stop(i, CLOSED) }
    :: atomic { st[i] == DRAINING -> stop(i, CLOSED) }  /* drain timeout: drops the rest */
    :: gone(i) -> break
    od
}

proctype Client()
{
    do
    :: atomic { where[0] == UNSENT -> where[0] = QUEUED }
    :: atomic { where[1] == UNSENT -> where[1] = QUEUED }
#if R >= 3
    :: atomic { where[2] == UNSENT -> where[2] = QUEUED }
#endif
    /* the dialer (re)connects through the symlink; a dial to a path nobody
     * listens on fails and is retried: it just waits here */
    :: atomic { pipe == NOBODY && accepting(link) -> pipe = link }
    /* queued requests go out on the connection */
    :: atomic { pipe != NOBODY && where[0] == QUEUED -> where[0] = SENT; at[0] = pipe }
    :: atomic { pipe != NOBODY && where[1] == QUEUED -> where[1] = SENT; at[1] = pipe }
#if R >= 3
    :: atomic { pipe != NOBODY && where[2] == QUEUED -> where[2] = SENT; at[2] = pipe }
#endif
    /* a reply arrives (reply_after_commit: its command is committed) */
    :: atomic { where[0] == REPLIED -> assert(REPLY_AFTER_COMMIT(0) && pipe == at[0]);
                where[0] = (gave_up[0] -> ABANDONED : DONE); at[0] = 0 }
    :: atomic { where[1] == REPLIED -> assert(REPLY_AFTER_COMMIT(1) && pipe == at[1]);
                where[1] = (gave_up[1] -> ABANDONED : DONE); at[1] = 0 }
#if R >= 3
    :: atomic { where[2] == REPLIED -> assert(REPLY_AFTER_COMMIT(2) && pipe == at[2]);
                where[2] = (gave_up[2] -> ABANDONED : DONE); at[2] = 0 }
#endif
#ifdef CLIENT_TIMEOUT
    /* the caller's timeout expires; what the server took it may still apply */
    :: atomic { where[0] != UNSENT && !settled(0) && !gave_up[0] -> gave_up[0] = true;
                if :: where[0] == QUEUED -> where[0] = ABANDONED :: else fi }
    :: atomic { where[1] != UNSENT && !settled(1) && !gave_up[1] -> gave_up[1] = true;
                if :: where[1] == QUEUED -> where[1] = ABANDONED :: else fi }
#if R >= 3
    :: atomic { where[2] != UNSENT && !settled(2) && !gave_up[2] -> gave_up[2] = true;
                if :: where[2] == QUEUED -> where[2] = ABANDONED :: else fi }
#endif
#endif
    :: settled(0) && settled(1) && settled(LAST) -> break
    od
}

/* on_inst_exit of the candidate (it exited, or was killed and reaped): the
 * reload failed.  The symlink may still point at the dead candidate's
 * socket file. */
inline candidate_exited()
{
    reload_failed = true;
#ifndef NO_LINK_REPAIR
    if
    :: link == NEW -> link = OLD
    :: else
    fi
#endif
}

proctype Supervisor()
{
    /* ctl_reload: only a ready service is reloaded; the candidate starts
     * beside it */
    st[NEW] = STARTING;
#ifdef EARLY_TERM
    sigterm[OLD] = true;
#endif
    if
    /* on_inst_ready: the candidate becomes the service, the old one
     * retires (SIGTERM now, SIGKILL after `shutdown` ms) */
    :: atomic { st[NEW] == READY -> reload_done = true; sigterm[OLD] = true }
       if
       :: gone(OLD)                                   /* drained and exited */
       :: atomic { alive(OLD) -> stop(OLD, DEAD) }    /* shutdown timeout */
       fi
    /* the candidate exits before it is ready */
    :: atomic { gone(NEW) -> candidate_exited() }
    /* ready timeout: SIGKILL, whether or not its readiness line is written
     * but unread; reaped later */
    :: atomic { alive(NEW) -> stop(NEW, DEAD) }
       atomic { candidate_exited() }
    fi
}

init
{
    atomic {
        st[NEW] = OFF;
        run Instance(OLD);
        run Instance(NEW);
        run Client();
        run Supervisor()
    }
}

#define ALL_DONE (where[0] == DONE && where[1] == DONE && where[LAST] == DONE)
#define ALL_SETTLED (settled(0) && settled(1) && settled(LAST))
#define ONE_LEFT (alive(OLD) != alive(NEW) && accepting(link))

/* Every request is eventually answered (with CLIENT_TIMEOUT: answered or
 * given up by its caller). */
#ifdef CLIENT_TIMEOUT
ltl answered { <> ALL_SETTLED }
#else
ltl answered { <> ALL_DONE }
#endif

/* At every moment some instance listens: a reload never leaves the service
 * without a server. */
ltl reachable { [] (accepting(OLD) || accepting(NEW)) }

/* The symlink leads to a listening instance, except between a candidate's
 * death and the supervisor's handling of it (a dial then fails and NNG
 * re-dials). */
ltl link_ok { [] (accepting(link) || (link == NEW && gone(NEW) && !reload_failed)) }

/* A symlink to a dead instance always comes back to a listening one. */
ltl link_heals { [] (!accepting(link) -> <> accepting(link)) }

/* A failed reload leaves the old instance serving: never signalled, and
 * the symlink leads to it. */
ltl failed_keeps_old {
    [] (reload_failed -> (st[OLD] == READY && !sigterm[OLD] && link == OLD))
}

/* After the reload exactly one instance remains, and the symlink leads to
 * it. */
ltl one_left { <> [] ONE_LEFT }

/* An answered request is durably applied: its commit is never lost. */
ltl acked_durable {
    [] ((where[0] == DONE -> <> committed[0]) && (where[1] == DONE -> <> committed[1]) &&
        (where[LAST] == DONE -> <> committed[LAST]))
}
