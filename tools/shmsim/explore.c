/*
 * shmsim explore: one scenario re-run, on a fresh kernel each time,
 * under schedule after schedule of its par blocks (shmsim_explore.h),
 * until the explorer has none left (dfs) or --runs schedules have run.
 * Every run checks the scenario's expectations, the audit after each
 * block and the final clean-up, audit and leak check, as shmsim run
 * does; its trace is kept and shown only when the run fails, with the
 * schedule's token, its steps and the command that replays it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "html.h"
#include "scenario.h"

#define SHOW_FAILURES 20 /* failing schedules listed, after the first */

struct explore {
	const struct sc_script *sc;
	const struct sc_explore_opts *o;
	struct shmsim_explorer *e;
	uint64_t runs, passed, failed, unshown;
	struct timespec t0, last;
	bool progress_shown;
};

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return ((double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9);
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

/* What the exploration works to, for the progress line. */
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
		snprintf(buf + n, len - (size_t)n, ", up to %ju runs",
		    (uintmax_t)o->runs);
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

/*
 * A few times a second, on a terminal: schedules done, failed, rate,
 * bound; cut to the terminal's width so that "\r" can rewrite it.
 */
static void
progress(struct explore *x)
{
	struct timespec now;
	struct winsize ws;
	char bound[160], line[320];
	size_t width = 79;
	double t;

	if (!x->o->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (elapsed(&x->last, &now) < 0.25)
		return;
	x->last = now;
	t = elapsed(&x->t0, &now);
	bound_text(x, bound, sizeof(bound));
	snprintf(line, sizeof(line), "%ju schedules, %ju failed, %.0f/s (%s)",
	    (uintmax_t)x->runs, (uintmax_t)x->failed,
	    t > 0 ? (double)x->runs / t : 0.0, bound);
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		width = (size_t)ws.ws_col - 1;
	if (width < sizeof(line))
		line[width] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	x->progress_shown = true;
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
print_replay_command(const struct explore *x, FILE *f, const char *token)
{
	print_shell_word(f, x->o->progname);
	fputs(" explore --replay ", f);
	print_shell_word(f, token);
	fputc(' ', f);
	print_shell_word(f, x->o->file);
	fputc('\n', f);
}

/* A failed schedule: what failed, its token and steps, how to replay. */
static void
report_failure(struct explore *x, const char *output, size_t len)
{
	FILE *f = x->o->out;
	const char *token = shmsim_explorer_token(x->e);
	const char *nl;

	progress_clear(x);
	if (x->failed == 1) {
		fprintf(f, "schedule %ju failed (token %s):\n",
		    (uintmax_t)x->runs, token);
		fwrite(output, 1, len, f);
		if (len > 0 && output[len - 1] != '\n')
			fputc('\n', f);
		fputs("steps:\n", f);
		shmsim_explorer_steps(x->e, f);
		fputs("replay: ", f);
		print_replay_command(x, f, token);
	} else if (x->failed <= SHOW_FAILURES + 1) {
		/* Later ones: their first failure line. */
		nl = memchr(output, '\n', len);
		fprintf(f, "schedule %ju failed (token %s): %.*s\n",
		    (uintmax_t)x->runs, token,
		    (int)(nl != NULL ? (size_t)(nl - output) : len), output);
	} else
		x->unshown++;
	fflush(f);
}

/* One schedule: the whole scenario on a fresh kernel. */
static bool
run_one(struct explore *x)
{
	struct sc_run_opts ro;
	struct sc_totals t = { 0, 0 };
	char *buf = NULL;
	size_t len = 0;
	char report[4096];
	bool failed;
	int error;

	memset(&ro, 0, sizeof(ro));
	ro.quiet = true;
	ro.explorer = x->e;
	ro.panic_status = 1;
	ro.out = open_memstream(&buf, &len);
	if (ro.out == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	sc_run(x->sc, &ro, &t);
	failed = t.failed != 0;
	report[0] = '\0';
	error = shmsim_explorer_end(x->e, failed, report, sizeof(report));
	if (error != 0) {
		fprintf(ro.out,
		    "%s: FAIL: the schedule diverged from the one "
		    "recorded (nondeterminism): %s\n",
		    x->sc->file,
		    report[0] != '\0' ? report : shmsim_errno_name(error));
		failed = true;
	}
	fclose(ro.out);
	if (failed) {
		x->failed++;
		report_failure(x, buf, len);
	} else
		x->passed++;
	free(buf);
	return (!failed);
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
	char report[4096];
	bool failed;
	int error, status = 0;

	if (o->html != NULL) {
		/* --html: every step of the schedule on one page (html.h). */
		h = sc_html_begin(x->sc, o->src, o->srclen, o->html, o->out,
		    o->quiet, x->e, &status);
		if (h == NULL)
			return (status);
	}
	if (!shmsim_explorer_begin(x->e)) {
		fprintf(stderr,
		    "shmsim: explore: the token holds no schedule\n");
		return (2);
	}
	memset(&ro, 0, sizeof(ro));
	ro.quiet = o->quiet;
	ro.out = o->out;
	ro.explorer = x->e;
	ro.panic_status = 1;
	if (h != NULL) {
		sc_html_prepare(h, &ro, &hooks);
		sc_run_hooked(x->sc, &ro, &hooks, &t);
		status = sc_html_end(h);
	} else
		sc_run(x->sc, &ro, &t);
	failed = t.failed != 0;
	report[0] = '\0';
	error = shmsim_explorer_end(x->e, failed, report, sizeof(report));
	if (error != 0) {
		fprintf(o->out,
		    "%s: FAIL: the schedule diverged from the one "
		    "recorded (nondeterminism): %s\n",
		    x->sc->file,
		    report[0] != '\0' ? report : shmsim_errno_name(error));
		failed = true;
	}
	if (!o->quiet || failed) {
		fprintf(o->out,
		    "schedule %s: expectations %d met, %d failed; steps:\n",
		    shmsim_explorer_token(x->e), t.passed, t.failed);
		shmsim_explorer_steps(x->e, o->out);
	}
	fprintf(o->out, "%d passed, %d failed\n", failed ? 0 : 1,
	    failed ? 1 : 0);
	return (failed ? 1 : status);
}

int
sc_explore(const struct sc_script *sc, const struct sc_explore_opts *o)
{
	struct shmsim_explore_opts eo;
	struct shmsim_explore_stats stats;
	struct explore x;
	uint64_t limit;
	char bound[160];
	int error, rc;

	memset(&x, 0, sizeof(x));
	x.sc = sc;
	x.o = o;
	memset(&eo, 0, sizeof(eo));
	eo.mode = o->mode;
	eo.preemptions = o->preemptions;
	eo.depth = o->depth;
	eo.seed = o->seed;
	eo.token = o->token;
	eo.panic_status = 1;
	error = shmsim_explorer_create(&eo, &x.e);
	if (error != 0) {
		if (error == EINVAL && o->mode == SHMSIM_SCHED_REPLAY)
			fprintf(stderr, "shmsim: explore: bad token '%s'\n",
			    o->token);
		else
			fprintf(stderr, "shmsim: explore: %s\n",
			    error == EINVAL ?
				"options refused by the explorer" :
				strerror(error));
		return (error == ENOMEM ? 3 : 2);
	}
	if (o->mode == SHMSIM_SCHED_REPLAY) {
		rc = replay(&x);
		shmsim_explorer_destroy(x.e);
		return (rc);
	}

	/* Without a par block there is one schedule. */
	limit = sc->npar == 0 ? 1 : o->runs;
	clock_gettime(CLOCK_MONOTONIC, &x.t0);
	x.last = x.t0;
	bound_text(&x, bound, sizeof(bound));
	if (!o->quiet)
		fprintf(o->out, "explore %s: %s\n", sc->file,
		    sc->npar == 0 ? "no par block, one schedule" : bound);
	fflush(o->out);
	while ((limit == 0 || x.runs < limit) && shmsim_explorer_begin(x.e)) {
		x.runs++;
		if (!run_one(&x) && o->stop_on_failure)
			break;
		progress(&x);
	}
	progress_clear(&x);
	shmsim_explorer_stats(x.e, &stats);
	if (x.unshown != 0)
		fprintf(o->out, "(%ju more failing schedules not shown)\n",
		    (uintmax_t)x.unshown);
	if (!o->quiet) {
		double t;
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		t = elapsed(&x.t0, &now);
		if (sc->npar == 0)
			fprintf(o->out, "no par block: the one schedule ran");
		else if (o->mode == SHMSIM_SCHED_DFS && stats.exhausted)
			fprintf(o->out,
			    "dfs: exhaustive within %u preemption%s",
			    o->preemptions, o->preemptions == 1 ? "" : "s");
		else if (o->mode == SHMSIM_SCHED_DFS)
			fprintf(o->out,
			    "dfs: not exhaustive: stopped %s "
			    "(bound %u preemption%s)",
			    x.failed != 0 && o->stop_on_failure ?
				"at the first failing schedule" :
				"at --runs",
			    o->preemptions, o->preemptions == 1 ? "" : "s");
		else
			fprintf(o->out, "%s: %s", mode_name(o->mode),
			    x.failed != 0 && o->stop_on_failure ?
				"stopped at the first failing schedule" :
				"done");
		fprintf(o->out, ": %ju schedule%s in %.2f s (%.0f/s)\n",
		    (uintmax_t)x.runs, x.runs == 1 ? "" : "s", t,
		    t > 0 ? (double)x.runs / t : 0.0);
	}
	fprintf(o->out, "%ju passed, %ju failed\n", (uintmax_t)x.passed,
	    (uintmax_t)x.failed);
	shmsim_explorer_destroy(x.e);
	return (x.failed != 0 ? 1 : 0);
}
