/*
 * shmsim_explore.h -- deterministic schedules for simulated threads.
 *
 * An explorer runs "par" blocks: a few actors (simulated threads, each a
 * function called on its own stack) that run one at a time on the calling
 * host thread.  Every lock acquire and release, every reference count
 * change, each page fault and each pageout step is a scheduling point
 * where the explorer decides who runs next; a thread that would block on
 * a held lock is not picked.  A schedule is the list of those decisions;
 * it is written as a short token, or as a schedule file with a decision
 * a line, and replays exactly (docs/concurrency.md).  A point is known by
 * what it is (its kind, function, lock or count, occurrence), not by its
 * source line, so tokens and files survive edits that leave the points
 * as they were.
 *
 * Use:
 *
 *	shmsim_explorer_create(&opts, &e);
 *	while (shmsim_explorer_begin(e)) {
 *		build a kernel, run the scenario; for each par block
 *		    shmsim_explorer_par(e, n, names, fns, args, ...);
 *		shmsim_explorer_end(e, ...);
 *	}
 *	shmsim_explorer_destroy(e);
 *
 * Outside a par block (and in programs that never make an explorer) the
 * model runs on real host threads with real locks, at full speed.
 */
#ifndef SHMSIM_EXPLORE_H
#define SHMSIM_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "shmsim.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SHMSIM_MAX_ACTORS 16

enum shmsim_sched_mode {
	/*
	 * One schedule: the default choice everywhere (the running actor
	 * goes on while it can; otherwise the lowest-numbered runnable
	 * actor runs).  "shmsim run" uses it.
	 */
	SHMSIM_SCHED_FIXED,
	/* Depth-first enumeration of every schedule with at most
	 * `preemptions` preemptions. */
	SHMSIM_SCHED_DFS,
	/* PCT with bug depth `depth` (Burckhardt et al., ASPLOS 2010). */
	SHMSIM_SCHED_PCT,
	/* Uniformly random among the runnable actors at every point. */
	SHMSIM_SCHED_RANDOM,
	/* Exactly the schedule of `token` or `schedule`, once. */
	SHMSIM_SCHED_REPLAY,
	/* Decisions read from `bytes` (a fuzzer's input), once; default
	 * choices when they run out. */
	SHMSIM_SCHED_BYTES,
};

struct shmsim_explorer;

struct shmsim_explore_opts {
	enum shmsim_sched_mode mode;
	unsigned preemptions; /* DFS bound K */
	unsigned depth;	      /* PCT depth D (>= 1) */
	uint64_t seed;	      /* PCT and RANDOM */
	const char *token;    /* REPLAY */
	/* REPLAY: a schedule file's text (shmsim_explorer_save()), instead
	 * of a token. */
	const char *schedule;
	const uint8_t *bytes; /* BYTES */
	size_t nbytes;
	/*
	 * A kernel panic (KASSERT, WITNESS) inside a par block prints the
	 * panic, then the schedule's token and steps on stderr, then ends
	 * the process: with _exit(panic_status) when it is not 0, with
	 * abort() otherwise (fuzzers).
	 */
	int panic_status;
	/*
	 * If set, a panic hands its report (the panic, the schedule's token
	 * and steps; the text is the caller's to free) to panic_fn instead,
	 * on the thread that panicked, which must not return: the kernel
	 * and the explorer are then only good for shmsim_explorer_owned(),
	 * _token() and _save().  For callers that run several explorers on
	 * several threads and report in order.
	 */
	void (*panic_fn)(void *arg, struct shmsim_explorer *e, char *text);
	void *panic_arg;
	/* On a panic, also save the schedule in this file (NULL: no; with
	 * panic_fn the caller saves it). */
	const char *save_schedule;
	const char *scenario; /* names the scenario in saved schedules */
	size_t steps_max;     /* on a panic, at most this many steps (0: all) */
	/*
	 * PCT and RANDOM: the schedules numbered 0 .. runs-1 (0: no end).
	 * Run i depends only on the seed and i.
	 */
	uint64_t runs;
	/*
	 * Run shard `shard` of `nshards` (0 or 1: all): DFS, PCT and RANDOM
	 * schedules are split so that the shards 0 .. nshards-1 together run
	 * exactly the schedules of one unsharded explorer, each once.  See
	 * shmsim_explorer_owned().
	 */
	unsigned shard, nshards;
};

/* 0, EINVAL (bad options or token), ENOMEM. */
SHMSIM_EXTERN int shmsim_explorer_create(const struct shmsim_explore_opts *o,
    struct shmsim_explorer **ep);
SHMSIM_EXTERN void shmsim_explorer_destroy(struct shmsim_explorer *e);
/*
 * Make e what shmsim_explorer_create(o, ...) would make, for another
 * exploration: the same schedules, tokens, statistics and reports as a
 * new explorer, without mapping its threads' stacks again (callers that
 * explore many times: the fuzzer's concurrent segments, the bench).  Not
 * during a run, nor after a panic.  0, EINVAL (bad options or token, or
 * a run in progress), ENOMEM; after an error e can only be reset again
 * or destroyed.
 */
SHMSIM_EXTERN int shmsim_explorer_reset(struct shmsim_explorer *e,
    const struct shmsim_explore_opts *o);

/*
 * Starts the next schedule; false when there is none left: DFS has
 * enumerated every schedule within its bound, or the one schedule of
 * FIXED, REPLAY or BYTES has run.  PCT and RANDOM never run out; the
 * caller bounds the number of runs.
 */
SHMSIM_EXTERN bool shmsim_explorer_begin(struct shmsim_explorer *e);

typedef void shmsim_actor_fn(void *arg);

/*
 * Runs a par block: fns[i](args[i]) for each of n actors (n <= 16), each
 * on its own stack, interleaved by the explorer; returns when every actor
 * has returned.  names[i] names actor i in the step list and in reports.
 * Returns 0; EDEADLK when every unfinished actor is blocked (report holds
 * each actor's held and wanted locks; the actors are abandoned and the
 * kernel they used must not be touched again, nor destroyed); EIO when
 * the schedule being replayed diverged from the run that recorded it
 * (nondeterminism; report says where); EINVAL for n out of range or a
 * nested call.
 */
SHMSIM_EXTERN int shmsim_explorer_par(struct shmsim_explorer *e, int n,
    const char *const names[], shmsim_actor_fn *const fns[], void *const args[],
    char *report, size_t reportlen);

/*
 * SHMSIM_SCHED_BYTES: the decisions from now on take their choices from
 * bytes[0 .. n), one byte per decision (0: the default; b: alternative
 * b % k of the k in the order default, then the others by number), then
 * the default.  For a fuzzer that gives each par block its own bytes.
 * The bytes must stay valid until the next call or the end of the run.
 * EINVAL in any other mode.
 */
SHMSIM_EXTERN int shmsim_explorer_set_bytes(struct shmsim_explorer *e,
    const uint8_t *bytes, size_t n);

/*
 * Names what the running actor does next (for example the call's text),
 * for the step list.  The string is copied.
 */
SHMSIM_EXTERN void shmsim_explorer_label(struct shmsim_explorer *e,
    const char *label);

/*
 * Ends the schedule begun by shmsim_explorer_begin().  failed says
 * whether the caller saw a failure in it (counted in the stats).
 * Returns 0, or EIO when the run departed from the schedule it was to
 * follow: DFS, the prefix of the previous run (nondeterminism); REPLAY,
 * its token or file (shmsim_explorer_diverged()).  report says how.
 */
SHMSIM_EXTERN int shmsim_explorer_end(struct shmsim_explorer *e, bool failed,
    char *report, size_t reportlen);

/*
 * Whether the current or just-ended schedule is one of this shard's
 * (always, unsharded).  A DFS shard also runs a few schedules of other
 * shards, which lead to its own; the caller runs them like the others
 * but should not count or report them.  *order (if not NULL) places the
 * schedule in the order of an unsharded explorer: schedules come in
 * ascending order, those of equal order consecutively (DFS: the ones
 * that share their first two departures from the default; PCT and
 * RANDOM: the schedule's number).
 */
SHMSIM_EXTERN bool shmsim_explorer_owned(const struct shmsim_explorer *e,
    uint64_t *order);

/* The current or just-ended schedule as a token ("2-...") for REPLAY. */
SHMSIM_EXTERN const char *shmsim_explorer_token(
    const struct shmsim_explorer *e);

/*
 * The current or just-ended schedule as a schedule file: a header (format,
 * scenario, token) and one decision a line, naming each point by what it
 * is.  0, or EIO when out could not be written.
 */
SHMSIM_EXTERN int shmsim_explorer_save(const struct shmsim_explorer *e,
    const char *scenario, FILE *out);

/*
 * REPLAY: NULL when the run followed its token or file; otherwise where
 * the model's scheduling points part from it ("... from decision N on:
 * expected X, found Y").  From there on the run took the default choices.
 * A model that changed since the token was made and a model that is not
 * deterministic both diverge; replaying a run's own schedule again tells
 * them apart.
 */
SHMSIM_EXTERN const char *shmsim_explorer_diverged(
    const struct shmsim_explorer *e);

/*
 * The current or just-ended schedule as a readable list: one line per
 * stretch an actor ran, naming the actor, its label and the scheduling
 * point where it stopped (lock, operation, source line).
 */
SHMSIM_EXTERN void shmsim_explorer_steps(const struct shmsim_explorer *e,
    FILE *out);
/* The same, at most max steps (0: all): the first and last ones, and how
 * many were left out between them. */
SHMSIM_EXTERN void shmsim_explorer_steps_max(const struct shmsim_explorer *e,
    FILE *out, size_t max);

struct shmsim_explore_stats {
	uint64_t runs;	     /* schedules begun */
	uint64_t failed;     /* of which the caller said failed */
	uint64_t points;     /* scheduling points in the last run */
	uint64_t decisions;  /* points with more than one runnable actor */
	uint64_t switches;   /* context switches in the last run */
	uint64_t max_points; /* most points seen in one run */
	bool exhausted;	     /* DFS: every schedule within the bound ran */
};
SHMSIM_EXTERN void shmsim_explorer_stats(const struct shmsim_explorer *e,
    struct shmsim_explore_stats *st);

/*
 * A step observer: fn(arg, e) is called at the end of every stretch of a
 * par block (the running thread was preempted, blocked or finished; the
 * steps of shmsim_explorer_steps()), on the host thread, while every
 * simulated thread is suspended at a scheduling point.  In it, and only
 * there, the functions below may be called; the observer must not call
 * into the kernel otherwise (a lock it took could be held by a suspended
 * thread).  fn NULL: no observer.
 */
typedef void shmsim_step_observer_fn(void *arg, struct shmsim_explorer *e);
SHMSIM_EXTERN void shmsim_explorer_observe(struct shmsim_explorer *e,
    shmsim_step_observer_fn *fn, void *arg);

/* The stretch that just ended. */
struct shmsim_explore_step {
	size_t index;	   /* 1.. as in shmsim_explorer_steps() */
	int actor;	   /* its thread, 0.. */
	const char *name;  /* the thread's name */
	const char *label; /* what it was doing (shmsim_explorer_label()) */
	const char *event; /* "preempted", "blocked" or "finished" */
	bool preempted;	   /* switched away while it could go on */
	const char *op, *what, *file; /* the point (NULL when finished) */
	int line;
};
/* 0, or ENOENT before the first step.  The strings live until the next
 * step. */
SHMSIM_EXTERN int shmsim_explorer_last_step(const struct shmsim_explorer *e,
    struct shmsim_explore_step *s);

/*
 * One line per thread of the block in progress, tab-separated fields:
 * name, state (runnable, blocked, finished), label, the locks it holds
 * ("name" (class) @ file:line, joined by "; ", outermost first), and the
 * lock it waits for when blocked.
 */
SHMSIM_EXTERN void shmsim_explorer_threads(const struct shmsim_explorer *e,
    FILE *out);

/*
 * shmsim_dump() (format: enum shmsim_dump_format) of the kernel the par
 * block runs on, from a step observer: it reads without taking a lock,
 * which is safe only there (the suspended threads may hold any lock;
 * nothing runs while the observer does).  EINVAL outside an observer.
 */
SHMSIM_EXTERN int shmsim_explorer_dump(struct shmsim_explorer *e,
    struct shmsim_kernel *k, FILE *out, int format, const char *title);

#ifdef __cplusplus
}
#endif

#endif /* SHMSIM_EXPLORE_H */
