/*
 * shmsim explore: one scenario re-run, on a fresh kernel each time,
 * under schedule after schedule of its par blocks (shmsim_explore.h),
 * until the explorer has none left (dfs), --runs schedules have run,
 * --max-time has passed or SIGINT came.  Every run checks the scenario's
 * expectations, the audit after each block and the final clean-up, audit
 * and leak check, as shmsim run does; its trace is kept and shown only
 * when the run fails, with the schedule's token, its steps and the
 * command that replays it.
 *
 * -j N runs the schedules on N host threads, each with its own explorer
 * (a shard of the schedules: shmsim_explorer_owned()) and its own kernels;
 * their results are put back in the order of one explorer, so that the
 * report is the same as with -j 1.  --shard I/N runs one of N shards.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "html.h"
#include "scenario.h"

#define SHOW_FAILURES 20   /* failing schedules listed, after the first */
#define QUIET_STEPS_MAX 40 /* steps of a failing schedule under --quiet */

/* SIGINT: stop after the schedules in progress, then the summary.  A
 * lock-free atomic, which a handler may set and every worker reads. */
static atomic_int interrupted;

/* A failing schedule: where it is in the order, and its line. */
struct failure {
	uint64_t order;	   /* its group (shmsim_explorer_owned()) */
	uint64_t in_group; /* its place in the group, from 1 */
	char *line;	   /* "(token T): first failure line", or NULL */
};

/* Consecutive schedules of one group. */
struct group {
	uint64_t order, count;
};

/* --list-schedules */
struct listed {
	uint64_t order, in_group;
	char *token;
	bool failed;
};

struct explore;

struct worker {
	struct explore *x;
	struct shmsim_explorer *e;
	unsigned id;
	uint64_t runs;		   /* schedules of its own, run */
	uint64_t extra;		   /* runs that led to them */
	_Atomic uint64_t progress; /* runs + extra, for the progress line */
	_Atomic uint64_t progress_failed;
	uint64_t failed;
	struct group *groups;
	size_t ngroups, capgroups;
	struct failure *fails;
	size_t nfails, capfails;
	struct listed *list;
	size_t nlist, caplist;
	char *first_body; /* its first failure: output, steps, replay */
	char *first_token;
	char *first_schedule; /* and its schedule file */
	bool exhausted, stopped_failure;
	/* -j: a panic in one of its own schedules, kept to be reported in
	 * order (the thread is parked: the kernel cannot go on). */
	bool panicked, parked;
	struct failure panic;
	char *panic_text, *panic_schedule;
	_Atomic bool done;
	pthread_t thread;
};

struct explore {
	const struct sc_script *sc;
	const struct sc_explore_opts *o;
	struct worker *w;
	unsigned nworkers;
	struct timespec t0, last;
	bool progress_shown;
	_Atomic bool stop;    /* --max-time, SIGINT, a worker ran out */
	_Atomic bool timeout; /* --max-time passed */
	/* --stop-on-failure: the earliest failing group any worker found;
	 * a worker past it can stop. */
	_Atomic uint64_t first_fail_order;
	/* Streaming (one worker): what has been printed. */
	uint64_t shown, unshown;
	bool schedule_error;
};

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return ((double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9);
}

static void
oom(void)
{
	fprintf(stderr, "shmsim: out of memory\n");
	exit(3);
}

static void *
xgrow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;

	if (need <= *cap)
		return (p);
	ncap = *cap == 0 ? 16 : *cap * 2;
	while (ncap < need)
		ncap *= 2;
	p = realloc(p, ncap * elem);
	if (p == NULL)
		oom();
	*cap = ncap;
	return (p);
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		oom();
	return (d);
}

static const char *
mode_name(enum shmsim_sched_mode m)
{
	switch (m) {
	case SHMSIM_SCHED_DFS:
		return ("dfs");
	case SHMSIM_SCHED_PCT:
		return ("pct");
	case SHMSIM_SCHED_RANDOM:
		return ("random");
	case SHMSIM_SCHED_REPLAY:
		return ("replay");
	default:
		return ("fixed");
	}
}

/* What the exploration works to, for the first line and the progress. */
static void
bound_text(const struct explore *x, char *buf, size_t len)
{
	const struct sc_explore_opts *o = x->o;
	int n = 0;

	if (o->mode == SHMSIM_SCHED_DFS)
		n = snprintf(buf, len,
		    "dfs, every schedule within %u preemption%s",
		    o->preemptions, o->preemptions == 1 ? "" : "s");
	else if (o->mode == SHMSIM_SCHED_PCT)
		n = snprintf(buf, len, "pct depth %u, seed %ju", o->depth,
		    (uintmax_t)o->seed);
	else
		n = snprintf(buf, len, "%s, seed %ju", mode_name(o->mode),
		    (uintmax_t)o->seed);
	if (n >= 0 && (size_t)n < len && o->runs != 0)
		n += snprintf(buf + n, len - (size_t)n, ", up to %ju runs",
		    (uintmax_t)o->runs);
	if (n >= 0 && (size_t)n < len && o->nshards > 1)
		snprintf(buf + n, len - (size_t)n, ", shard %u/%u", o->shard,
		    o->nshards);
}

static void
progress_clear(struct explore *x)
{
	if (x->progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		x->progress_shown = false;
	}
}

static uint64_t
total_progress(const struct explore *x)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < x->nworkers; i++)
		n += atomic_load_explicit(&x->w[i].progress,
		    memory_order_relaxed);
	return (n);
}

static uint64_t
total_failed(const struct explore *x)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < x->nworkers; i++)
		n += atomic_load_explicit(&x->w[i].progress_failed,
		    memory_order_relaxed);
	return (n);
}

/*
 * A few times a second, on a terminal: runs done, failed, rate, bound;
 * cut to the terminal's width so that "\r" can rewrite it.
 */
static void
progress(struct explore *x)
{
	struct timespec now;
	struct winsize ws;
	char bound[200], line[320];
	size_t width = 79;
	uint64_t runs;
	double t;

	if (!x->o->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (elapsed(&x->last, &now) < 0.25)
		return;
	x->last = now;
	t = elapsed(&x->t0, &now);
	runs = total_progress(x);
	bound_text(x, bound, sizeof(bound));
	snprintf(line, sizeof(line), "%ju schedules, %ju failed, %.0f/s (%s)",
	    (uintmax_t)runs, (uintmax_t)total_failed(x),
	    t > 0 ? (double)runs / t : 0.0, bound);
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		width = (size_t)ws.ws_col - 1;
	if (width < sizeof(line))
		line[width] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	x->progress_shown = true;
}

/* Whether to stop before the next schedule: --max-time or SIGINT. */
static bool
should_stop(struct explore *x)
{
	struct timespec now;

	if (atomic_load(&interrupted)) {
		atomic_store(&x->stop, true);
		return (true);
	}
	if (atomic_load_explicit(&x->stop, memory_order_relaxed))
		return (true);
	if (x->o->max_time > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (elapsed(&x->t0, &now) >= x->o->max_time) {
			atomic_store(&x->timeout, true);
			atomic_store(&x->stop, true);
			return (true);
		}
	}
	return (false);
}

/* s quoted for a POSIX shell when it needs to be. */
static void
print_shell_word(FILE *f, const char *s)
{
	const char *c;

	for (c = s; *c != '\0'; c++)
		if (strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789_-./=:+,@%",
			*c) == NULL)
			break;
	if (*c == '\0' && *s != '\0') {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (c = s; *c != '\0'; c++)
		if (*c == '\'')
			fputs("'\\''", f);
		else
			fputc(*c, f);
	fputc('\'', f);
}

static void
print_replay_command(const struct explore *x, FILE *f, const char *what)
{
	print_shell_word(f, x->o->progname);
	fputs(" explore --replay ", f);
	print_shell_word(f, what);
	fputc(' ', f);
	print_shell_word(f, x->o->file);
	fputc('\n', f);
}

static bool
token_ok(const char *token)
{
	return (token[0] >= '0' && token[0] <= '9');
}

/*
 * How to replay the schedule: its token, or the schedule file when the
 * token would be too long; never a command that cannot work.
 */
static void
print_replay(const struct explore *x, FILE *f, const char *token)
{
	if (token_ok(token)) {
		fputs("replay: ", f);
		print_replay_command(x, f, token);
	}
	if (x->o->save_schedule != NULL) {
		fputs("replay: ", f);
		print_replay_command(x, f, x->o->save_schedule);
	} else if (!token_ok(token))
		fprintf(f,
		    "replay: %s; run again with --save-schedule FILE to keep "
		    "it in FILE, then --replay FILE\n",
		    token);
}

/* ------------------------------------------------------------ a worker */

static void
group_count(struct worker *w, uint64_t order, uint64_t *in_group)
{
	struct group *g;

	if (w->ngroups == 0 || w->groups[w->ngroups - 1].order != order) {
		w->groups = xgrow(w->groups, &w->capgroups, w->ngroups + 1,
		    sizeof(*w->groups));
		g = &w->groups[w->ngroups++];
		g->order = order;
		g->count = 0;
	}
	g = &w->groups[w->ngroups - 1];
	*in_group = ++g->count;
}

/* The first failing schedule's report, without its heading. */
static char *
first_body(struct worker *w, const char *output, size_t len)
{
	const struct explore *x = w->x;
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);

	if (f == NULL)
		oom();
	fwrite(output, 1, len, f);
	if (len > 0 && output[len - 1] != '\n')
		fputc('\n', f);
	fputs("steps:\n", f);
	shmsim_explorer_steps_max(w->e, f, x->o->quiet ? QUIET_STEPS_MAX : 0);
	print_replay(x, f, shmsim_explorer_token(w->e));
	if (fclose(f) != 0)
		oom();
	return (buf);
}

static char *
schedule_text(struct worker *w)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		oom();
	(void)shmsim_explorer_save(w->e, w->x->o->file, f);
	if (fclose(f) != 0)
		oom();
	return (buf);
}

static void emit_failure(struct explore *x, uint64_t ordinal,
    const struct worker *w, const struct failure *fl, bool first);

/* One schedule: the whole scenario on a fresh kernel. */
static void
run_one(struct worker *w)
{
	struct explore *x = w->x;
	struct sc_run_opts ro;
	struct sc_totals t = { 0, 0 };
	struct failure *fl;
	char *buf = NULL, line[4096];
	const char *token, *nl;
	size_t len = 0;
	char report[4096];
	uint64_t order, in_group;
	bool failed, owned;
	int error;

	memset(&ro, 0, sizeof(ro));
	ro.quiet = true;
	ro.explorer = w->e;
	ro.panic_status = 1;
	ro.out = open_memstream(&buf, &len);
	if (ro.out == NULL)
		oom();
	sc_run(x->sc, &ro, &t);
	failed = t.failed != 0;
	report[0] = '\0';
	error = shmsim_explorer_end(w->e, failed, report, sizeof(report));
	if (error != 0) {
		fprintf(ro.out,
		    "%s: FAIL: the schedule diverged from the one "
		    "recorded (%s)\n",
		    x->sc->file,
		    report[0] != '\0' ? report : shmsim_errno_name(error));
		failed = true;
	}
	if (fclose(ro.out) != 0)
		oom();
	owned = shmsim_explorer_owned(w->e, &order);
	atomic_fetch_add_explicit(&w->progress, 1, memory_order_relaxed);
	if (!owned) {
		/* A run on the way to this shard's schedules. */
		w->extra++;
		free(buf);
		return;
	}
	w->runs++;
	group_count(w, order, &in_group);
	/* The explorer formats a token only when asked: ask when needed. */
	token = x->o->list || failed ? shmsim_explorer_token(w->e) : NULL;
	if (x->o->list) {
		w->list =
		    xgrow(w->list, &w->caplist, w->nlist + 1, sizeof(*w->list));
		w->list[w->nlist].order = order;
		w->list[w->nlist].in_group = in_group;
		w->list[w->nlist].token = xstrdup(token);
		w->list[w->nlist].failed = failed;
		w->nlist++;
	}
	if (failed) {
		w->failed++;
		atomic_fetch_add_explicit(&w->progress_failed, 1,
		    memory_order_relaxed);
		w->fails = xgrow(w->fails, &w->capfails, w->nfails + 1,
		    sizeof(*w->fails));
		fl = &w->fails[w->nfails++];
		fl->order = order;
		fl->in_group = in_group;
		fl->line = NULL;
		if (w->failed == 1) {
			w->first_body = first_body(w, buf, len);
			w->first_token = xstrdup(token);
			if (x->o->save_schedule != NULL)
				w->first_schedule = schedule_text(w);
		}
		if (w->failed <= SHOW_FAILURES + 1) {
			/* Its first failure line, should it come later in
			 * the merged order than another worker's first. */
			nl = memchr(buf, '\n', len);
			snprintf(line, sizeof(line), "(token %s): %.*s", token,
			    (int)(nl != NULL ? (size_t)(nl - buf) : len), buf);
			fl->line = xstrdup(line);
		}
		if (x->nworkers == 1)
			emit_failure(x, w->runs, w, fl, w->failed == 1);
		if (x->o->stop_on_failure) {
			uint64_t cur = atomic_load(&x->first_fail_order);

			w->stopped_failure = true;
			while (order < cur &&
			    !atomic_compare_exchange_weak(&x->first_fail_order,
				&cur, order))
				;
		}
	}
	free(buf);
}

/*
 * -j: a kernel panic in a worker.  -j 1 prints it and exits at once; here
 * it is kept with its place in the order, the worker parks for good, and
 * sc_explore() reports the failures before it, then the panic, as -j 1
 * would have.
 */
static void
worker_panic(void *arg, struct shmsim_explorer *e, char *text)
{
	struct worker *w = arg;
	struct explore *x = w->x;
	uint64_t order, cur;

	if (shmsim_explorer_owned(e, &order)) {
		w->panic.order = order;
		w->panic.in_group =
		    w->ngroups > 0 && w->groups[w->ngroups - 1].order == order ?
		    w->groups[w->ngroups - 1].count + 1 :
		    1;
		w->panic_text = text;
		if (x->o->save_schedule != NULL)
			w->panic_schedule = schedule_text(w);
		w->panicked = true;
		cur = atomic_load(&x->first_fail_order);
		while (order < cur &&
		    !atomic_compare_exchange_weak(&x->first_fail_order, &cur,
			order))
			;
	} else
		/* Another worker owns that schedule and meets it too. */
		free(text);
	w->parked = true;
	atomic_store(&w->done, true);
	for (;;)
		pause();
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct explore *x = w->x;
	struct shmsim_explore_stats st;
	uint64_t limit = x->sc->npar == 0 ? 1 : x->o->runs;
	uint64_t order = 0;

	/*
	 * DFS bounds each worker's own schedules (the first --runs in one
	 * explorer's order are among them); PCT and random the schedules'
	 * numbers (shmsim_explore_opts.runs).  With --stop-on-failure a
	 * worker also stops once it is past another's failure.
	 */
	while (!w->stopped_failure &&
	    (x->o->mode != SHMSIM_SCHED_DFS || limit == 0 || w->runs < limit) &&
	    order <= atomic_load(&x->first_fail_order) && !should_stop(x) &&
	    shmsim_explorer_begin(w->e)) {
		run_one(w);
		(void)shmsim_explorer_owned(w->e, &order);
		if (x->nworkers == 1)
			progress(x);
	}
	shmsim_explorer_stats(w->e, &st);
	w->exhausted = st.exhausted;
	atomic_store(&w->done, true);
	return (NULL);
}

/* ------------------------------------------------------------ reporting */

static void
emit_failure(struct explore *x, uint64_t ordinal, const struct worker *w,
    const struct failure *fl, bool first)
{
	FILE *f = x->o->out;

	progress_clear(x);
	if (first) {
		fprintf(f, "schedule %ju failed (token %s):\n",
		    (uintmax_t)ordinal, w->first_token);
		fputs(w->first_body, f);
		if (x->o->save_schedule != NULL) {
			FILE *sf = fopen(x->o->save_schedule, "w");

			if (sf == NULL || fputs(w->first_schedule, sf) == EOF ||
			    fclose(sf) != 0) {
				fprintf(stderr,
				    "shmsim: %s: the schedule could not be "
				    "saved: %s\n",
				    x->o->save_schedule, strerror(errno));
				x->schedule_error = true;
			}
		}
	} else if (fl->line != NULL && x->shown <= SHOW_FAILURES)
		fprintf(f, "schedule %ju failed %s\n", (uintmax_t)ordinal,
		    fl->line);
	else
		x->unshown++;
	x->shown++;
	fflush(f);
}

static int
group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return (x->order < y->order ? -1 : x->order > y->order);
}

struct ref {
	uint64_t order, in_group;
	unsigned worker;
	size_t index;
};

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->order != y->order)
		return (x->order < y->order ? -1 : 1);
	return (x->in_group < y->in_group ? -1 : x->in_group > y->in_group);
}

/* The schedules before group `order`, in one explorer's order. */
static uint64_t
schedules_before(const struct group *g, const uint64_t *cum, size_t n,
    uint64_t order)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (g[mid].order < order)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (cum[lo]);
}

/*
 * Several workers: their schedules in one explorer's order.  Returns
 * how many schedules count (with --runs or --stop-on-failure, the first
 * ones in that order, as one explorer would have stopped), and counts
 * the failed among them.
 */
static uint64_t
merge(struct explore *x, uint64_t *failedp, uint64_t *totalp,
    const struct failure *panic)
{
	struct group *g = NULL;
	struct ref *r = NULL;
	uint64_t *cum, cut = UINT64_MAX, total, ord;
	size_t ng = 0, nr = 0, i, j;
	unsigned k;

	for (k = 0; k < x->nworkers; k++) {
		ng += x->w[k].ngroups;
		nr += x->w[k].nfails;
	}
	g = calloc(ng + 1, sizeof(*g));
	r = calloc(nr + 1, sizeof(*r));
	cum = calloc(ng + 1, sizeof(*cum));
	if (g == NULL || r == NULL || cum == NULL)
		oom();
	ng = nr = 0;
	for (k = 0; k < x->nworkers; k++) {
		struct worker *w = &x->w[k];

		for (i = 0; i < w->ngroups; i++)
			g[ng++] = w->groups[i];
		for (i = 0; i < w->nfails; i++) {
			r[nr].order = w->fails[i].order;
			r[nr].in_group = w->fails[i].in_group;
			r[nr].worker = k;
			r[nr].index = i;
			nr++;
		}
	}
	qsort(g, ng, sizeof(*g), group_cmp);
	qsort(r, nr, sizeof(*r), ref_cmp);
	for (i = 0; i < ng; i++)
		cum[i + 1] = cum[i] + g[i].count;
	total = cum[ng];
	if (x->o->mode == SHMSIM_SCHED_DFS && x->o->runs != 0 &&
	    total > x->o->runs)
		cut = x->o->runs;
	if (x->o->stop_on_failure && nr > 0) {
		ord = schedules_before(g, cum, ng, r[0].order) + r[0].in_group;
		if (ord < cut)
			cut = ord;
	}
	if (panic != NULL) {
		/* Only the schedules before the panic had run with -j 1. */
		ord = schedules_before(g, cum, ng, panic->order) +
		    panic->in_group;
		if (ord - 1 < cut)
			cut = ord - 1;
	}
	*totalp = total;
	if (cut > total)
		cut = total;
	*failedp = 0;
	for (j = 0; j < nr; j++) {
		const struct worker *w = &x->w[r[j].worker];
		const struct failure *fl = &w->fails[r[j].index];

		ord = schedules_before(g, cum, ng, fl->order) + fl->in_group;
		if (ord > cut)
			break;
		(*failedp)++;
		emit_failure(x, ord, w, fl, j == 0);
	}
	if (x->o->list && panic == NULL) {
		struct ref *l;
		size_t nl = 0;

		for (k = 0; k < x->nworkers; k++)
			nl += x->w[k].nlist;
		l = calloc(nl + 1, sizeof(*l));
		if (l == NULL)
			oom();
		nl = 0;
		for (k = 0; k < x->nworkers; k++)
			for (i = 0; i < x->w[k].nlist; i++) {
				l[nl].order = x->w[k].list[i].order;
				l[nl].in_group = x->w[k].list[i].in_group;
				l[nl].worker = k;
				l[nl].index = i;
				nl++;
			}
		qsort(l, nl, sizeof(*l), ref_cmp);
		for (i = 0; i < nl && i < cut; i++) {
			const struct listed *e =
			    &x->w[l[i].worker].list[l[i].index];

			fprintf(x->o->out, "listed %ju: %s %s\n",
			    (uintmax_t)(i + 1), e->token,
			    e->failed ? "failed" : "passed");
		}
		free(l);
	}
	free(g);
	free(r);
	free(cum);
	return (cut);
}

static void
list_streamed(struct explore *x)
{
	const struct worker *w = &x->w[0];
	size_t i;

	for (i = 0; i < w->nlist; i++)
		fprintf(x->o->out, "listed %zu: %s %s\n", i + 1,
		    w->list[i].token, w->list[i].failed ? "failed" : "passed");
}

/* ------------------------------------------------------------ --replay */

/* The scenario once more under the run's own schedule, silently. */
static bool
same_again(const struct explore *x, struct shmsim_explorer *e)
{
	struct shmsim_explore_opts eo;
	struct shmsim_explorer *e2;
	struct sc_run_opts ro;
	struct sc_totals t = { 0, 0 };
	char *sched = NULL, *out = NULL;
	size_t slen = 0, olen = 0;
	FILE *f;
	bool same;

	f = open_memstream(&sched, &slen);
	if (f == NULL)
		oom();
	(void)shmsim_explorer_save(e, x->o->file, f);
	if (fclose(f) != 0)
		oom();
	memset(&eo, 0, sizeof(eo));
	eo.mode = SHMSIM_SCHED_REPLAY;
	eo.schedule = sched;
	eo.panic_status = 1;
	if (shmsim_explorer_create(&eo, &e2) != 0)
		oom();
	free(sched);
	if (!shmsim_explorer_begin(e2))
		oom();
	memset(&ro, 0, sizeof(ro));
	ro.quiet = true;
	ro.explorer = e2;
	ro.panic_status = 1;
	ro.out = open_memstream(&out, &olen);
	if (ro.out == NULL)
		oom();
	sc_run(x->sc, &ro, &t);
	(void)shmsim_explorer_end(e2, t.failed != 0, NULL, 0);
	same = shmsim_explorer_diverged(e2) == NULL;
	(void)fclose(ro.out);
	free(out);
	shmsim_explorer_destroy(e2);
	return (same);
}

/* --replay: the one schedule, with its trace and steps. */
static int
replay(struct explore *x)
{
	const struct sc_explore_opts *o = x->o;
	struct sc_run_opts ro;
	struct sc_totals t = { 0, 0 };
	struct sc_hooks hooks;
	struct sc_html *h = NULL;
	const char *div;
	char report[4096];
	bool failed, changed = false;
	FILE *sf;
	int rc, status = 0;

	if (o->html != NULL) {
		/* --html: every step of the schedule on one page (html.h). */
		h = sc_html_begin(x->sc, o->src, o->srclen, o->html, o->out,
		    o->quiet, x->w[0].e, &status);
		if (h == NULL)
			return (status);
	}
	if (!shmsim_explorer_begin(x->w[0].e)) {
		fprintf(stderr,
		    "shmsim: explore: the token holds no schedule\n");
		return (2);
	}
	memset(&ro, 0, sizeof(ro));
	ro.quiet = o->quiet;
	ro.out = o->out;
	ro.explorer = x->w[0].e;
	ro.panic_status = 1;
	if (h != NULL) {
		sc_html_prepare(h, &ro, &hooks);
		sc_run_hooked(x->sc, &ro, &hooks, &t);
		status = sc_html_end(h);
	} else
		sc_run(x->sc, &ro, &t);
	failed = t.failed != 0;
	report[0] = '\0';
	(void)shmsim_explorer_end(x->w[0].e, failed, report, sizeof(report));
	div = shmsim_explorer_diverged(x->w[0].e);
	if (div != NULL) {
		/*
		 * Another model made the token, or this one is not
		 * deterministic: the run's own schedule, replayed, tells.
		 */
		if (same_again(x, x->w[0].e)) {
			changed = true;
			fprintf(o->out, "%s: warning: %s\n", x->sc->file, div);
		} else {
			fprintf(o->out,
			    "%s: FAIL: nondeterminism: the model ran "
			    "differently under the same schedule (%s)\n",
			    x->sc->file, div);
			failed = true;
		}
	}
	if (o->token != NULL && strncmp(o->token, "1-", 2) == 0)
		fprintf(o->out,
		    "%s: note: %s is a format-1 token, made before scheduling "
		    "points had an identity: its departures were replayed, "
		    "its hash (of source lines) could not be checked\n",
		    x->sc->file, o->token);
	if (!o->quiet || failed || changed) {
		fprintf(o->out,
		    "schedule %s: expectations %d met, %d failed; steps:\n",
		    shmsim_explorer_token(x->w[0].e), t.passed, t.failed);
		shmsim_explorer_steps_max(x->w[0].e, o->out,
		    o->quiet ? QUIET_STEPS_MAX : 0);
	}
	rc = failed ? 1 : status;
	if (o->save_schedule != NULL) {
		sf = fopen(o->save_schedule, "w");
		if (sf == NULL ||
		    shmsim_explorer_save(x->w[0].e, o->file, sf) != 0 ||
		    fclose(sf) != 0) {
			fprintf(stderr,
			    "shmsim: %s: the schedule could not be saved: "
			    "%s\n",
			    o->save_schedule, strerror(errno));
			rc = 1;
		}
	}
	fprintf(o->out, "%d passed, %d failed\n", failed ? 0 : 1,
	    failed ? 1 : 0);
	return (rc);
}

/* ------------------------------------------------------------ explore */

/*
 * -j: if a worker panicked in one of its schedules, report as -j 1 does:
 * the failing schedules before the first panic in order, the panic, and
 * exit status 1 at once.
 */
static void
report_panic(struct explore *x)
{
	const struct worker *first = NULL;
	uint64_t failed, total;
	unsigned k;
	FILE *sf;

	for (k = 0; k < x->nworkers; k++) {
		const struct worker *w = &x->w[k];

		if (w->panicked &&
		    (first == NULL || w->panic.order < first->panic.order ||
			(w->panic.order == first->panic.order &&
			    w->panic.in_group < first->panic.in_group)))
			first = w;
	}
	if (first == NULL)
		return;
	progress_clear(x);
	(void)merge(x, &failed, &total, &first->panic);
	fflush(x->o->out);
	if (x->o->save_schedule != NULL) {
		sf = fopen(x->o->save_schedule, "w");
		if (sf == NULL || fputs(first->panic_schedule, sf) == EOF ||
		    fclose(sf) != 0)
			fprintf(stderr,
			    "shmsim: %s: the schedule could not be saved: %s\n",
			    x->o->save_schedule, strerror(errno));
	}
	fputs(first->panic_text, stderr);
	fflush(stderr);
	/* The parked workers hold kernels that cannot be freed. */
	_exit(1);
}

static void
on_sigint(int sig)
{
	(void)sig;
	atomic_store(&interrupted, 1);
}

static void
free_workers(struct explore *x)
{
	unsigned k;
	size_t i;

	for (k = 0; k < x->nworkers; k++) {
		struct worker *w = &x->w[k];

		/* A parked worker's thread still runs on its explorer's
		 * stacks: leave them be. */
		if (!w->parked)
			shmsim_explorer_destroy(w->e);
		for (i = 0; i < w->nfails; i++)
			free(w->fails[i].line);
		for (i = 0; i < w->nlist; i++)
			free(w->list[i].token);
		free(w->fails);
		free(w->groups);
		free(w->list);
		free(w->first_body);
		free(w->first_token);
		free(w->first_schedule);
	}
	free(x->w);
}

int
sc_explore(const struct sc_script *sc, const struct sc_explore_opts *o)
{
	struct shmsim_explore_opts eo;
	struct sigaction sa, old_sa;
	struct explore x;
	struct timespec now;
	uint64_t runs = 0, failed = 0, extra = 0, total;
	bool exhausted = true, stopped_failure = false;
	char bound[200];
	unsigned k, nw;
	int error, rc;
	double t;

	memset(&x, 0, sizeof(x));
	x.sc = sc;
	x.o = o;
	atomic_init(&x.first_fail_order, UINT64_MAX);
	nw = o->mode == SHMSIM_SCHED_REPLAY || sc->npar == 0 || o->jobs == 0 ?
	    1 :
	    o->jobs;
	x.w = calloc(nw, sizeof(*x.w));
	if (x.w == NULL)
		oom();
	x.nworkers = nw;
	for (k = 0; k < nw; k++) {
		memset(&eo, 0, sizeof(eo));
		eo.mode = o->mode;
		eo.preemptions = o->preemptions;
		eo.depth = o->depth;
		eo.seed = o->seed;
		eo.token = o->token;
		eo.schedule = o->schedule;
		eo.panic_status = 1;
		if (nw > 1) {
			eo.panic_fn = worker_panic;
			eo.panic_arg = &x.w[k];
		}
		eo.save_schedule = o->save_schedule;
		eo.scenario = o->file;
		eo.steps_max = o->quiet ? QUIET_STEPS_MAX : 0;
		eo.runs = sc->npar == 0 ? 1 : o->runs;
		/* Worker k of nw within shard I of N: shard I + N k of N nw. */
		eo.nshards = (o->nshards > 1 ? o->nshards : 1) * nw;
		eo.shard = (o->nshards > 1 ? o->shard : 0) +
		    (o->nshards > 1 ? o->nshards : 1) * k;
		x.w[k].x = &x;
		x.w[k].id = k;
		error = shmsim_explorer_create(&eo, &x.w[k].e);
		if (error != 0) {
			if (error == EINVAL && o->mode == SHMSIM_SCHED_REPLAY)
				fprintf(stderr,
				    "shmsim: explore: bad %s '%s'\n",
				    o->token != NULL ? "token" :
						       "schedule file",
				    o->token != NULL ? o->token :
						       o->schedule_path);
			else
				fprintf(stderr, "shmsim: explore: %s\n",
				    error == EINVAL ?
					"options refused by the explorer" :
					strerror(error));
			x.nworkers = k;
			free_workers(&x);
			return (error == ENOMEM ? 3 : 2);
		}
	}
	if (o->mode == SHMSIM_SCHED_REPLAY) {
		rc = replay(&x);
		free_workers(&x);
		return (rc);
	}

	atomic_store(&interrupted, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESETHAND; /* a second ^C ends it at once */
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, &old_sa);

	clock_gettime(CLOCK_MONOTONIC, &x.t0);
	x.last = x.t0;
	bound_text(&x, bound, sizeof(bound));
	if (!o->quiet)
		fprintf(o->out, "explore %s: %s\n", sc->file,
		    sc->npar == 0 ? "no par block, one schedule" : bound);
	fflush(o->out);
	if (nw == 1)
		worker_main(&x.w[0]);
	else {
		for (k = 0; k < nw; k++)
			if (pthread_create(&x.w[k].thread, NULL, worker_main,
				&x.w[k]) != 0) {
				fprintf(stderr,
				    "shmsim: explore: cannot start worker "
				    "%u\n",
				    k);
				exit(3);
			}
		/* The progress line, while the workers run. */
		for (;;) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			for (k = 0; k < nw; k++)
				if (!atomic_load(&x.w[k].done))
					break;
			if (k == nw || should_stop(&x))
				break;
			progress(&x);
			(void)nanosleep(&ts, NULL);
		}
		for (k = 0; k < nw; k++)
			if (!atomic_load(&x.w[k].done))
				break;
		if (k < nw) /* stopped: wait for the schedules in progress */
			for (; k < nw; k++)
				while (!atomic_load(&x.w[k].done)) {
					struct timespec ts = { 0, 5000000 };

					(void)nanosleep(&ts, NULL);
				}
		for (k = 0; k < nw; k++)
			if (!x.w[k].parked)
				pthread_join(x.w[k].thread, NULL);
		report_panic(&x);
	}
	progress_clear(&x);
	(void)sigaction(SIGINT, &old_sa, NULL);

	for (k = 0; k < nw; k++) {
		extra += x.w[k].extra;
		exhausted = exhausted && x.w[k].exhausted;
		stopped_failure = stopped_failure || x.w[k].stopped_failure;
	}
	if (nw == 1) {
		runs = x.w[0].runs;
		failed = x.w[0].failed;
		if (o->list)
			list_streamed(&x);
	} else {
		runs = merge(&x, &failed, &total, NULL);
		/* As one explorer: exhaustive if nothing was cut off. */
		if (runs < total)
			exhausted = false;
	}
	if (x.unshown != 0)
		fprintf(o->out, "(%ju more failing schedules not shown)\n",
		    (uintmax_t)x.unshown);
	if (o->save_schedule != NULL && failed == 0)
		fprintf(o->out, "(no failing schedule: %s not written)\n",
		    o->save_schedule);
	if (!o->quiet || interrupted || x.timeout) {
		const char *why = interrupted ? "interrupted (SIGINT)" :
		    x.timeout		      ? "stopped at --max-time" :
		    failed != 0 && stopped_failure ?
				"stopped at the first failing schedule" :
				"stopped at --runs";

		clock_gettime(CLOCK_MONOTONIC, &now);
		t = elapsed(&x.t0, &now);
		if (sc->npar == 0)
			fprintf(o->out, "no par block: the one schedule ran");
		else if (o->mode == SHMSIM_SCHED_DFS && exhausted &&
		    !interrupted && !x.timeout)
			fprintf(o->out,
			    "dfs: exhaustive within %u preemption%s",
			    o->preemptions, o->preemptions == 1 ? "" : "s");
		else if (o->mode == SHMSIM_SCHED_DFS)
			fprintf(o->out,
			    "dfs: not exhaustive: %s (bound %u preemption%s)",
			    why, o->preemptions,
			    o->preemptions == 1 ? "" : "s");
		else
			fprintf(o->out, "%s: %s", mode_name(o->mode),
			    interrupted || x.timeout ||
				    (failed != 0 && stopped_failure) ?
				why :
				"done");
		if (o->nshards > 1)
			fprintf(o->out, " (shard %u/%u)", o->shard, o->nshards);
		fprintf(o->out, ": %ju schedule%s in %.2f s (%.0f/s",
		    (uintmax_t)runs, runs == 1 ? "" : "s", t,
		    t > 0 ? (double)(runs + extra) / t : 0.0);
		if (extra != 0)
			fprintf(o->out, "; %ju more runs led to them",
			    (uintmax_t)extra);
		fprintf(o->out, ")\n");
	}
	fprintf(o->out, "%ju passed, %ju failed\n", (uintmax_t)(runs - failed),
	    (uintmax_t)failed);
	free_workers(&x);
	if (failed != 0 || x.schedule_error)
		return (1);
	if (interrupted)
		return (130);
	return (0);
}
