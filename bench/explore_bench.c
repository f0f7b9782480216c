/*
 * Schedules per second (issue #8, docs/concurrency.md): a 2-thread,
 * 10-call par block explored under DFS, PCT and random, each schedule on
 * a fresh kernel with the audit after the block and the leak check at
 * the end -- what `shmsim explore` does per schedule, without the
 * scenario parser.  Also the cost of one context switch between
 * simulated threads, measured on a block that does nothing but switch.
 *
 * Not a test: it prints rates and asserts only that the model stays
 * clean (any audit complaint or leak stops it).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kern/sched.h"
#include "shmsim.h"
#include "shmsim_explore.h"

/*
 * The thread's CPU time, as shmsim_bench measures: time spent preempted
 * by other processes on a shared machine counts for nothing (the
 * explorer's simulated threads are fibers of this one host thread).
 * SHMSIM_BENCH_WALL=1 in the environment: wall-clock time instead.
 */
static double
now(void)
{
	static int wall = -1;
	struct timespec ts;

	if (wall < 0)
		wall = getenv("SHMSIM_BENCH_WALL") != NULL &&
		    strcmp(getenv("SHMSIM_BENCH_WALL"), "1") == 0;
	clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
check(int error, const char *what)
{
	if (error != 0) {
		fprintf(stderr, "explore_bench: %s: %s\n", what,
		    shmsim_errno_name(error));
		exit(1);
	}
}

/* Actor A: create, size, write, read back, close (5 calls). */
static void
actor_a(void *arg)
{
	struct shmsim_proc *p = arg;
	char buf[8];
	size_t n;
	int fd;

	if (shmsim_shm_open(p, "/bench", SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600,
		&fd) != 0)
		return;
	(void)shmsim_ftruncate(p, fd, 4096);
	(void)shmsim_pwrite(p, fd, "abcdefgh", 8, 0, &n);
	(void)shmsim_pread(p, fd, buf, sizeof(buf), 0, &n);
	(void)shmsim_close(p, fd);
}

/* Actor B (another thread of the same process): open, stat, dup, close
 * both, unlink (5 or 6 calls, depending on the schedule). */
static void
actor_b(void *arg)
{
	struct shmsim_proc *p = arg;
	struct shmsim_stat sb;
	int fd, fd2;

	if (shmsim_shm_open(p, "/bench", SHMSIM_O_RDWR, 0, &fd) == 0) {
		(void)shmsim_fstat(p, fd, &sb);
		if (shmsim_dup(p, fd, &fd2) == 0)
			(void)shmsim_close(p, fd2);
		(void)shmsim_close(p, fd);
	}
	(void)shmsim_shm_unlink(p, "/bench");
}

/* The kernels' threads setting for the current strategy row. */
static enum shmsim_threads bench_threads = SHMSIM_THREADS_SINGLE;

static void
one_schedule(struct shmsim_explorer *e)
{
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	struct shmsim_cred cr;
	shmsim_actor_fn *const fns[] = { actor_a, actor_b };
	const char *const names[] = { "P", "T" };
	char report[2048];
	struct shmsim_config cfg;
	void *args[2];

	shmsim_config_init(&cfg);
	cfg.threads = bench_threads;
	check(shmsim_kernel_create(&cfg, &k), "kernel_create");
	shmsim_cred_init(&cr);
	check(shmsim_spawn(k, &cr, &p), "spawn");
	args[0] = p;
	args[1] = p;
	check(
	    shmsim_explorer_par(e, 2, names, fns, args, report, sizeof(report)),
	    report);
	if (shmsim_audit(k, report, sizeof(report)) != 0) {
		fprintf(stderr, "explore_bench: audit: %s\ntoken %s\n", report,
		    shmsim_explorer_token(e));
		exit(1);
	}
	(void)shmsim_shm_unlink(p, "/bench");
	check(shmsim_exit(p), "exit");
	check(shmsim_kernel_destroy(k, report, sizeof(report)), report);
}

/* "MIN..MAX (xN)" in thousands of schedules per second. */
static const char *
range_text(double lo, double hi, unsigned reps)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%.0fk..%.0fk x%u", lo / 1000, hi / 1000,
	    reps);
	return (buf);
}

/*
 * One exploration of the block on e, reset for it, timed: the schedules
 * it ran per second.  The row's explorer is made once, outside the
 * timing: a new explorer maps its fiber stacks at its first par block
 * (mmap and mprotect for each, then their first page faults: about
 * 12 us, 5 % of a 61-schedule DFS), which shmsim_explorer_reset() keeps.
 * Never inlined: callgrind's --toggle-collect=explore_once counts the
 * explorations alone, without the process's start and the warm-up.
 */
static __attribute__((noinline)) double
explore_once(struct shmsim_explorer *e, struct shmsim_explore_opts *o,
    unsigned limit, unsigned *runsp, double *pointsp, double *switchesp,
    bool *exhaustedp)
{
	struct shmsim_explore_stats st;
	uint64_t points = 0, switches = 0;
	unsigned runs = 0;
	double t0, t;

	t0 = now();
	check(shmsim_explorer_reset(e, o), "explorer_reset");
	while (runs < limit && shmsim_explorer_begin(e)) {
		one_schedule(e);
		check(shmsim_explorer_end(e, false, NULL, 0), "explorer_end");
		shmsim_explorer_stats(e, &st);
		points += st.points;
		switches += st.switches;
		runs++;
	}
	t = now() - t0;
	shmsim_explorer_stats(e, &st);
	*runsp = runs;
	*pointsp = (double)points / runs;
	*switchesp = (double)switches / runs;
	*exhaustedp = st.exhausted;
	return (runs / t);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/*
 * A row: the same exploration (same options and seed, so the same
 * schedules) repeated at least REPS_MIN times and for at least
 * ROW_MIN_SECONDS, the median rate and the range over the repetitions.
 * A 61-schedule exhaustive DFS lasts about a third of a millisecond:
 * timed once, it measured the machine's hiccups as much as the explorer.
 */
#define REPS_MIN 5
#define REPS_MAX 4001
#define ROW_MIN_SECONDS 0.25

static void
run_mode(const char *label, enum shmsim_sched_mode mode, unsigned k,
    unsigned limit, enum shmsim_threads threads)
{
	struct shmsim_explore_opts o = { .mode = mode,
		.preemptions = k,
		.depth = 3,
		.seed = 1 };
	static double rates[REPS_MAX];
	struct shmsim_explorer *e;
	double points = 0, switches = 0, spent = 0, t0;
	unsigned runs = 0, reps = 0;
	bool exhausted = false;

	bench_threads = threads;
	check(shmsim_explorer_create(&o, &e), "explorer_create");
	while (
	    reps < REPS_MAX && (reps < REPS_MIN || spent < ROW_MIN_SECONDS)) {
		t0 = now();
		rates[reps++] = explore_once(e, &o, limit, &runs, &points,
		    &switches, &exhausted);
		spent += now() - t0;
	}
	shmsim_explorer_destroy(e);
	qsort(rates, reps, sizeof(rates[0]), cmp_double);
	printf("| %-24s | %-7s | %8u | %9.0f | %17s | %7.1f | %8.1f | %s |\n",
	    label, threads == SHMSIM_THREADS_SINGLE ? "single" : "multi", runs,
	    rates[reps / 2], range_text(rates[0], rates[reps - 1], reps),
	    points, switches,
	    mode == SHMSIM_SCHED_DFS ?
		(exhausted ? "exhaustive" : "stopped at limit") :
		"-");
}

/*
 * One untimed exploration (DFS, 1 preemption, both thread modes) before
 * the table, as shmsim_bench warms up before its rounds: otherwise the
 * first row, a 61-schedule exploration, also pays for this process's
 * first touch of its code and heap (page faults, about 20 % of that
 * row on this VM), which no later row or real exploration pays again.
 */
static void
warm_up(void)
{
	struct shmsim_explore_opts o = { .mode = SHMSIM_SCHED_DFS,
		.preemptions = 1 };
	struct shmsim_explorer *e;
	int i;

	for (i = 0; i < 2; i++) {
		bench_threads =
		    i == 0 ? SHMSIM_THREADS_SINGLE : SHMSIM_THREADS_MULTI;
		check(shmsim_explorer_create(&o, &e), "explorer_create");
		while (shmsim_explorer_begin(e)) {
			one_schedule(e);
			check(shmsim_explorer_end(e, false, NULL, 0),
			    "explorer_end");
		}
		shmsim_explorer_destroy(e);
	}
}

/* Two actors that only pass scheduling points: the switch cost. */
static void
spinner(void *arg)
{
	unsigned i, n = *(unsigned *)arg;

	for (i = 0; i < n; i++)
		SCHED_POINT("bench", "switch", __FILE__, __LINE__);
}

static void
switch_cost(void)
{
	struct shmsim_explore_opts o = { .mode = SHMSIM_SCHED_RANDOM,
		.seed = 1 };
	struct shmsim_explore_stats st;
	struct shmsim_explorer *e;
	shmsim_actor_fn *const fns[] = { spinner, spinner };
	unsigned n = 1000000;
	void *const args[] = { &n, &n };
	double t0, t;

	check(shmsim_explorer_create(&o, &e), "explorer_create");
	if (!shmsim_explorer_begin(e))
		abort();
	t0 = now();
	check(shmsim_explorer_par(e, 2, NULL, fns, args, NULL, 0), "par");
	t = now() - t0;
	shmsim_explorer_stats(e, &st);
	check(shmsim_explorer_end(e, false, NULL, 0), "explorer_end");
	printf("\nscheduling points: %ju in %.3f s, %.1f ns each "
	       "(random choice, %ju context switches, %.1f ns per point "
	       "and switch)\n",
	    (uintmax_t)st.points, t, t * 1e9 / (double)st.points,
	    (uintmax_t)st.switches, t * 1e9 / (double)st.points);
	shmsim_explorer_destroy(e);
}

/*
 * The table's rows, in order.  "shmsim_explore_bench LIMIT ROW" runs only
 * row ROW (1..6) and no switch measurement: a profile of one strategy
 * (callgrind, perf) without the others mixed in.
 */
static const struct bench_row {
	const char *br_label;
	enum shmsim_sched_mode br_mode;
	unsigned br_preemptions;
	enum shmsim_threads br_threads;
} bench_rows[] = {
	{ "dfs, 1 preemption", SHMSIM_SCHED_DFS, 1, SHMSIM_THREADS_SINGLE },
	{ "dfs, 1 preemption", SHMSIM_SCHED_DFS, 1, SHMSIM_THREADS_MULTI },
	{ "dfs, 2 preemptions", SHMSIM_SCHED_DFS, 2, SHMSIM_THREADS_SINGLE },
	{ "pct, depth 3", SHMSIM_SCHED_PCT, 0, SHMSIM_THREADS_SINGLE },
	{ "random", SHMSIM_SCHED_RANDOM, 0, SHMSIM_THREADS_SINGLE },
	{ "random", SHMSIM_SCHED_RANDOM, 0, SHMSIM_THREADS_MULTI },
};
#define BENCH_NROWS (sizeof(bench_rows) / sizeof(bench_rows[0]))

int
main(int argc, char **argv)
{
	unsigned limit = 20000, row = 0;
	size_t i;

	if (argc > 1)
		limit = (unsigned)strtoul(argv[1], NULL, 10);
	if (argc > 2)
		row = (unsigned)strtoul(argv[2], NULL, 10);
	if (limit == 0 || row > BENCH_NROWS) {
		fprintf(stderr, "usage: %s [LIMIT [ROW 1..%zu]]\n", argv[0],
		    BENCH_NROWS);
		return (2);
	}
	warm_up();
	printf("2-thread, 10-call par block; fresh kernel, audit and leak "
	       "check per schedule; after an untimed warm-up; each row the "
	       "median over repeated explorations (at least %d and %.2f s); "
	       "%s\n\n",
	    REPS_MIN, ROW_MIN_SECONDS,
	    getenv("SHMSIM_BENCH_WALL") != NULL &&
		    strcmp(getenv("SHMSIM_BENCH_WALL"), "1") == 0 ?
		"wall-clock time" :
		"thread CPU time");
	printf("| %-24s | %-7s | %8s | %9s | %17s | %7s | %8s | %s |\n",
	    "strategy", "threads", "runs", "sched/s", "min..max x reps",
	    "points", "switches", "DFS");
	printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", "--------------------------",
	    "---------", "----------", "-----------", "-------------------",
	    "---------", "----------", "---");
	for (i = 0; i < BENCH_NROWS; i++)
		if (row == 0 || row == i + 1)
			run_mode(bench_rows[i].br_label, bench_rows[i].br_mode,
			    bench_rows[i].br_preemptions, limit,
			    bench_rows[i].br_threads);
	if (row == 0)
		switch_cost();
	return (0);
}
