/*
 * shmsim(1): run scenarios against the model of FreeBSD's POSIX shared
 * memory (docs/shmsim.1).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "hostcmd.h"
#include "html.h"
#include "junit.h"
#include "scenario.h"

#define MAX_INPUT SC_MAX_FILE

static const char usage_text[] =
    "usage: shmsim run [--quiet] [--dot FILE] [--junit FILE] FILE...\n"
    "       shmsim run [--quiet] [--dot FILE] [--junit FILE] --html PAGE FILE\n"
    "       shmsim run --host [--timeout SECONDS] [--quiet] FILE...\n"
    "       shmsim diff [--timeout SECONDS] [--markdown] FILE...\n"
    "       shmsim export --atf [-o FILE] FILE...\n"
    "       shmsim explore [--mode dfs|pct|random] [--runs N] "
    "[--preemptions K]\n"
    "                      [--depth D] [--seed S] [--stop-on-failure] "
    "[-j N]\n"
    "                      [--shard I/N] [--max-time SECONDS] "
    "[--save-schedule FILE]\n"
    "                      [--junit FILE] [--quiet] FILE\n"
    "       shmsim explore --replay TOKEN|SCHEDULE-FILE "
    "[--save-schedule FILE]\n"
    "                      [--html PAGE] [--junit FILE] [--quiet] FILE\n"
    "       shmsim demo [--dot FILE | --html DIR]\n"
    "       shmsim decode names|syscalls|scenario FILE\n"
    "       shmsim --help | --version\n";

static const char help_text[] =
    "shmsim: a userspace model of FreeBSD's POSIX shared memory\n"
    "(shm_open(2), shm_unlink(2) and the vm objects behind them).\n"
    "\n"
    "  shmsim run [--quiet] [--dot FILE] [--junit FILE] FILE...\n"
    "      Run each scenario FILE (- for standard input) on a fresh\n"
    "      simulated kernel. Each statement is echoed with its result;\n"
    "      a failed expectation is reported as FILE:LINE: FAIL: ...\n"
    "      The run ends with one line: N passed, M failed.\n"
    "      --quiet     print only failures and the summary line\n"
    "      --dot FILE  write Graphviz source of the state at each\n"
    "                  'dump' statement (or at the end) to FILE\n"
    "      --html PAGE write PAGE, one self-contained HTML page that\n"
    "                  steps through the scenario (one FILE): the\n"
    "                  source with each statement's result, and the\n"
    "                  kernel state after each step drawn by Graphviz's\n"
    "                  dot (SHMSIM_DOT, or dot in PATH; exit 2 without\n"
    "                  it), with what the step changed; open\n"
    "                  PAGE#step=K for step K\n"
    "      --junit FILE  write a JUnit XML report to FILE: one test\n"
    "                  case per scenario file, its failures with\n"
    "                  FILE:LINE, expected and got\n"
    "      A par block runs in one fixed schedule: its actors in the\n"
    "      order they first appear, each to its end unless it blocks;\n"
    "      its calls are echoed as they return, then the auditor runs.\n"
    "  shmsim run --host [--timeout SECONDS] [--quiet] FILE...\n"
    "      Run each scenario on the kernel of this machine: every\n"
    "      process a real process, driven call by call; descriptors,\n"
    "      SCM_RIGHTS passing, mappings, credentials (root needed for\n"
    "      uid=, gid=, groups=) are the kernel's.  Names get a prefix\n"
    "      unique to the run and are all removed at the end, also when\n"
    "      the run is interrupted.  Statements only a model can do\n"
    "      (audit, state, dump, pageout, fault, config other than the\n"
    "      profile) say 'not applicable', calls the host lacks (Linux:\n"
    "      SHM_ANON, shm_open2, shm_rename, fspacectl, jails, large-page\n"
    "      ioctls) 'unsupported on this host'; both count as skipped.\n"
    "      par blocks run truly concurrently.  A process that dies is\n"
    "      reported with its signal; one that does not answer within\n"
    "      --timeout SECONDS (default 10) is killed.  Ends with:\n"
    "      N passed, M failed, K skipped.\n"
    "  shmsim diff [--timeout SECONDS] [--markdown] FILE...\n"
    "      Run each scenario on the model and on this machine's kernel\n"
    "      and print every call's two answers side by side, '!' where\n"
    "      they differ (return value, errno, bytes, signal, fstat\n"
    "      fields); a summary line with the counts.  --markdown: only\n"
    "      the differing calls, as a Markdown table.  Exit status 0\n"
    "      when no call differs, 1 when one does.\n"
    "  shmsim export --atf [-o FILE] FILE...\n"
    "      Write one C program (standard output or FILE) with one ATF\n"
    "      test case per scenario, for FreeBSD's tests/sys/posixshm/ or\n"
    "      any atf-c: the calls and expectations compiled to C, with a\n"
    "      cleanup that unlinks every name.  Model-only statements are\n"
    "      left out with a comment; par blocks run concurrently.\n"
    "  shmsim explore [OPTIONS] FILE\n"
    "      Run the scenario again and again, on a fresh kernel each\n"
    "      time, under different interleavings of its par blocks; each\n"
    "      run checks every expectation, audits after each block and\n"
    "      checks for leaks at the end.  A failing schedule is shown\n"
    "      with its failures, its token, its steps and the command that\n"
    "      replays it.  Ends with: N passed, M failed (schedules).\n"
    "      --mode dfs     every schedule with at most K preemptions\n"
    "                     (the default; says whether it was exhaustive)\n"
    "      --mode pct     probabilistic concurrency testing, depth D\n"
    "      --mode random  a random runnable actor at every point\n"
    "      --runs N       at most N schedules (default: dfs all of\n"
    "                     them, pct and random 1000)\n"
    "      --preemptions K  dfs bound (default 2)\n"
    "      --depth D      pct bug depth, 1 to 64 (default 3)\n"
    "      --seed S       pct and random seed (default 1)\n"
    "      --stop-on-failure  stop at the first failing schedule\n"
    "      -j N, --jobs N run the schedules on N host threads (default\n"
    "                     1); the report is the one -j 1 prints\n"
    "      --shard I/N    run only shard I (0 to N-1) of N: N machines\n"
    "                     with shards 0/N .. N-1/N run each schedule of\n"
    "                     one unsharded run exactly once (pct and\n"
    "                     random: of its --runs N; dfs: --runs bounds\n"
    "                     each shard)\n"
    "      --max-time SECONDS  stop after that long, with the summary;\n"
    "                     SIGINT (^C) stops the same way (exit 130 if\n"
    "                     nothing failed; a second ^C ends at once)\n"
    "      --save-schedule FILE  write the first failing schedule (with\n"
    "                     --replay: the schedule replayed) to FILE, a\n"
    "                     decision a line; --replay FILE replays it\n"
    "      --replay TOKEN|SCHEDULE-FILE  run that one schedule, with its\n"
    "                     trace and its steps; a model whose scheduling\n"
    "                     points changed since is reported as a warning\n"
    "                     saying where, and the run goes on\n"
    "      --quiet        print only failures and the summary line, and\n"
    "                     at most 40 steps of a schedule (a progress line\n"
    "                     is shown on a terminal otherwise)\n"
    "      --list-schedules  also list every schedule run, by token\n"
    "                     (for testing shards)\n"
    "      --html PAGE    with --replay: write the schedule as a page\n"
    "                     (as run --html), one step per stretch of a\n"
    "                     par block, with the locks each thread holds\n"
    "                     and waits for\n"
    "      --junit FILE   a JUnit XML report: one test case, failed\n"
    "                     with the failing schedules' tokens, failures\n"
    "                     and replay commands as printed\n"
    "  shmsim demo [--dot FILE | --html DIR]\n"
    "      A guided tour: one object through today's kernel (create,\n"
    "      size, write, share by fork and by descriptor passing, unlink\n"
    "      while open, pageout and pagein, last close), then the same\n"
    "      calls on the 2008 original where it answered differently.\n"
    "      --dot FILE  write Graphviz source of each 'dump' to FILE\n"
    "      --html DIR  write DIR/demo-current.html, demo-2008.html\n"
    "  shmsim decode names|syscalls|scenario FILE\n"
    "      Turn an input of that fuzz target (fuzz/, docs/fuzzing.md;\n"
    "      - for standard input) into a scenario on standard output:\n"
    "      the input is run once and every call it makes is printed\n"
    "      as P: CALL(...) => RESULT, the result observed, so that\n"
    "      shmsim run replays it.  Fault-plan settings appear as the\n"
    "      extension statement 'fault SITE NTH once|always'.  A\n"
    "      syscalls input's concurrent segments become par blocks\n"
    "      with the outcomes of the schedule its bytes chose, and the\n"
    "      output ends with that schedule's token and the command\n"
    "      shmsim explore --replay TOKEN FILE.  Exit status 1 when\n"
    "      the auditor or the leak check complained (said in #\n"
    "      comments at the end).\n"
    "\n"
    "Every subcommand takes --help.\n"
    "\n"
    "Exit status: 0 all expectations met; 1 an expectation failed (or\n"
    "the final audit or leak check did; explore: a schedule failed, or\n"
    "the schedule file could not be written; run --host: a process\n"
    "died or hung, skipped statements do not count; diff: a call's\n"
    "answers differ), or an output (standard output, the --dot,\n"
    "--junit or --html file) could not be written completely (with a\n"
    "message); 2 usage or syntax error (FILE:LINE:COLUMN: error: ...;\n"
    "nothing is run; a file with no statements is one), a bad token or\n"
    "schedule file, an unreadable input, an output file that cannot be\n"
    "created, no Graphviz dot for --html; 3 out of memory; 130 explore\n"
    "interrupted by SIGINT with no failing schedule.\n"
    "\n"
    "The language: docs/shmsim-scenario.5 (man -l), docs/tutorial.md.\n"
    "Large pages need config page_sizes= (without it SHM_LARGEPAGE is\n"
    "ENOTTY, as on a pmap without them).\n"
    "Concurrency: thread T of P; par ... end blocks of calls grouped by\n"
    "actor; => A or B alternatives inside a block; the extension\n"
    "'pagedaemon: pageout [N]' makes the pagedaemon an actor.\n"
    "Inside a block, fork P C, exec P and exit P are steps of actor P.\n"
    "Counts: P: fdinfo(fd) => f_count=N shm_refs=N ref_count=N ...,\n"
    "P: mapinfo(addr) => ref_count=N writemappings=N ... (model-only).\n";

/* Read a whole file (or stdin for "-"); NULL and a message on error. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t len = 0, cap = 65536, n;
	int rerr = 0;
	char *buf;

	if (f == NULL) {
		fprintf(stderr, "shmsim: %s: %s\n", path, strerror(errno));
		return (NULL);
	}
	buf = malloc(cap);
	while (buf != NULL) {
		errno = 0;
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0 && ferror(f))
			rerr = errno;
		len += n;
		if (n == 0)
			break;
		if (len == cap) {
			if (cap >= MAX_INPUT) {
				fprintf(stderr,
				    "shmsim: %s: larger than "
				    "%d bytes\n",
				    path, MAX_INPUT);
				free(buf);
				buf = NULL;
				break;
			}
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
			} else
				buf = nb;
		}
	}
	if (buf != NULL && ferror(f)) {
		/* (A directory opens, then reads fail with EISDIR.) */
		fprintf(stderr, "shmsim: %s: %s\n",
		    strcmp(path, "-") == 0 ? "standard input" : path,
		    rerr != 0 ? strerror(rerr) : "read error");
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	*lenp = len;
	return (buf);
}

/*
 * The end of an output stream: true when everything written to it got
 * out; otherwise a message naming it.  Closes it unless it is stdout.
 */
static bool
out_done(FILE *f, const char *name)
{
	bool ok = fflush(f) == 0 && !ferror(f);
	int saved = errno;

	if (f != stdout && fclose(f) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (!ok)
		fprintf(stderr, "shmsim: %s: write error%s%s\n", name,
		    saved != 0 ? ": " : "", saved != 0 ? strerror(saved) : "");
	return (ok);
}

/* rc, made 1 when a write failed (an expectation's 1 or worse stays). */
static int
out_rc(int rc, bool ok)
{
	return (!ok && rc == 0 ? 1 : rc);
}

/* Help for every subcommand: the whole text (it is short). */
static bool
wants_help(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return (false);
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return (true);
	}
	return (false);
}

static int
run_scripts(struct sc_script *scs, int n, const struct sc_run_opts *o,
    struct sc_junit *j)
{
	struct sc_totals t = { 0, 0 };
	int i, p0, f0;

	for (i = 0; i < n; i++) {
		p0 = t.passed;
		f0 = t.failed;
		if (j != NULL)
			sc_junit_begin(j, scs[i].file);
		sc_run(&scs[i], o, &t);
		if (j != NULL)
			sc_junit_end(j, t.passed - p0, t.failed - f0);
	}
	fprintf(o->out, "%d passed, %d failed\n", t.passed, t.failed);
	return (t.failed != 0 ? 1 : 0);
}

static int
cmd_run(int argc, char **argv)
{
	struct sc_run_opts o = { false, NULL, stdout, NULL, 1 };
	struct sc_script *scs;
	struct sc_junit *j = NULL;
	FILE *jf = NULL;
	const char *dotpath = NULL, *junitpath = NULL, *htmlpath = NULL, *name;
	int i, nfiles = 0, rc, bad = 0, timeout = 10;
	bool host = false, timeout_set = false, ok = true;
	size_t len, htmllen = 0;
	char *buf, *htmlsrc = NULL;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0)
			o.quiet = true;
		else if (strcmp(argv[i], "--host") == 0)
			host = true;
		else if (strcmp(argv[i], "--timeout") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr,
				    "shmsim: --timeout needs SECONDS\n%s",
				    usage_text);
				return (2);
			}
			if (!sc_timeout_arg(argv[++i], &timeout))
				return (2);
			timeout_set = true;
		} else if (strcmp(argv[i], "--dot") == 0 ||
		    strcmp(argv[i], "--junit") == 0 ||
		    strcmp(argv[i], "--html") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "shmsim: %s needs a %s\n%s",
				    argv[i],
				    strcmp(argv[i], "--html") == 0 ? "PAGE" :
								     "FILE",
				    usage_text);
				return (2);
			}
			if (strcmp(argv[i], "--dot") == 0)
				dotpath = argv[++i];
			else if (strcmp(argv[i], "--junit") == 0)
				junitpath = argv[++i];
			else
				htmlpath = argv[++i];
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "shmsim: unknown option %s\n%s",
			    argv[i], usage_text);
			return (2);
		} else
			break;
	}
	if (i == argc ||
	    (host &&
		(dotpath != NULL || htmlpath != NULL || junitpath != NULL)) ||
	    (timeout_set && !host)) {
		if (i != argc)
			fprintf(stderr, "shmsim: %s\n",
			    host ? "--dot, --html or --junit needs the model, "
				   "not --host" :
				   "--timeout goes with --host");
		fputs(usage_text, stderr);
		return (2);
	}
	if (htmlpath != NULL && argc - i != 1) {
		fprintf(stderr, "shmsim: --html takes one FILE\n%s",
		    usage_text);
		return (2);
	}
	if (junitpath != NULL) {
		if ((jf = fopen(junitpath, "w")) == NULL) {
			fprintf(stderr, "shmsim: %s: %s\n", junitpath,
			    strerror(errno));
			return (2);
		}
		if ((j = sc_junit_new("shmsim run")) == NULL) {
			fclose(jf);
			return (3);
		}
	}
	scs = calloc((size_t)(argc - i), sizeof(*scs));
	if (scs == NULL)
		return (3);
	for (; i < argc; i++) {
		name = strcmp(argv[i], "-") == 0 ? "<stdin>" : argv[i];
		buf = slurp(argv[i], &len);
		if (buf == NULL) {
			if (j != NULL)
				sc_junit_error(j, name,
				    "cannot be read (the message is on "
				    "standard error)");
			bad++;
			continue;
		}
		if (sc_parse(name, buf, len, &scs[nfiles]))
			nfiles++;
		else {
			if (j != NULL)
				sc_junit_error(j, name,
				    "syntax error: nothing ran (the "
				    "FILE:LINE:COLUMN messages are on "
				    "standard error)");
			bad++;
		}
		if (htmlpath != NULL) {
			htmlsrc = buf; /* the page shows the source */
			htmllen = len;
		} else
			free(buf);
	}
	if (bad != 0) {
		rc = 2;
		goto out;
	}
	if (dotpath != NULL && (o.dot = fopen(dotpath, "w")) == NULL) {
		fprintf(stderr, "shmsim: %s: %s\n", dotpath, strerror(errno));
		rc = 2;
		goto out;
	}
	if (host) {
		rc = sc_host_scripts(scs, nfiles, o.quiet, timeout, stdout);
		goto out;
	}
	if (j != NULL && (o.out = sc_junit_tee(j, stdout)) == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		rc = 3;
		goto out;
	}
	if (htmlpath != NULL) {
		struct sc_totals t = { 0, 0 };

		if (j != NULL)
			sc_junit_begin(j, scs[0].file);
		rc = sc_html_run(&scs[0], htmlsrc, htmllen, &o, htmlpath, &t);
		if (j != NULL)
			sc_junit_end(j, t.passed, t.failed);
		if (rc != 2 && rc != 3) {
			fprintf(o.out, "%d passed, %d failed\n", t.passed,
			    t.failed);
			rc = t.failed != 0 ? 1 : rc;
		}
	} else
		rc = run_scripts(scs, nfiles, &o, j);
	if (o.out != stdout && fclose(o.out) != 0)
		ok = false; /* (stdout's own error says why, below) */
	o.out = stdout;
	if (o.dot != NULL)
		ok = out_done(o.dot, dotpath) && ok;
out:
	if (j != NULL) {
		/* Also after a syntax error: CI sees which file. */
		ok = sc_junit_write(j, jf, junitpath) && ok;
		sc_junit_free(j);
	}
	for (i = 0; i < nfiles; i++)
		sc_script_free(&scs[i]);
	free(scs);
	free(htmlsrc);
	return (out_rc(rc, ok));
}

/* A number option's value: decimal, at most max. */
static bool
number_arg(const char *opt, const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	uintmax_t x;

	errno = 0;
	x = strtoumax(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || x > max) {
		fprintf(stderr,
		    "shmsim: %s wants a number up to %ju, not '%s'\n", opt,
		    (uintmax_t)max, s);
		return (false);
	}
	*v = (uint64_t)x;
	return (true);
}

/* --shard I/N: 0 <= I < N <= 1000000. */
static bool
shard_arg(const char *s, unsigned *shard, unsigned *nshards)
{
	char *end;
	unsigned long i, n;

	errno = 0;
	i = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '/' || end[1] < '0' || end[1] > '9')
		goto bad;
	n = strtoul(end + 1, &end, 10);
	if (*end != '\0' || errno != 0 || n < 1 || n > 1000000 || i >= n)
		goto bad;
	*shard = (unsigned)i;
	*nshards = (unsigned)n;
	return (true);
bad:
	fprintf(stderr,
	    "shmsim: --shard wants I/N with 0 <= I < N <= 1000000, not '%s'\n",
	    s);
	return (false);
}

/* --max-time SECONDS: a positive number, decimals allowed. */
static bool
seconds_arg(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || !(*v > 0) ||
	    *v > 1e9) {
		fprintf(stderr,
		    "shmsim: --max-time wants a number of seconds above 0, "
		    "not '%s'\n",
		    s);
		return (false);
	}
	return (true);
}

static int
cmd_explore(const char *progname, int argc, char **argv)
{
	struct sc_explore_opts o;
	struct sc_script sc;
	struct sc_junit *j = NULL;
	FILE *jf = NULL;
	const char *file, *junitpath = NULL, *replay = NULL;
	bool runs_set = false, mode_set = false, ok = true;
	char *sched = NULL;
	uint64_t v;
	size_t len;
	char *buf;
	int i, rc;

	memset(&o, 0, sizeof(o));
	o.mode = SHMSIM_SCHED_DFS;
	o.preemptions = 2;
	o.depth = 3;
	o.seed = 1;
	o.jobs = 1;
	o.progname = progname;
	o.out = stdout;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--quiet") == 0) {
			o.quiet = true;
			continue;
		}
		if (strcmp(a, "--stop-on-failure") == 0) {
			o.stop_on_failure = true;
			continue;
		}
		if (strcmp(a, "--help") == 0) {
			const char *h = strstr(help_text, "  shmsim explore");
			const char *end = strstr(help_text, "  shmsim demo");

			fwrite(h, 1, (size_t)(end - h), stdout);
			return (fflush(stdout) == 0 ? 0 : 1);
		}
		if (strcmp(a, "--list-schedules") == 0) {
			o.list = true;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--mode") != 0 && strcmp(a, "--runs") != 0 &&
		    strcmp(a, "--preemptions") != 0 &&
		    strcmp(a, "--depth") != 0 && strcmp(a, "--seed") != 0 &&
		    strcmp(a, "--replay") != 0 && strcmp(a, "--html") != 0 &&
		    strcmp(a, "--junit") != 0 &&
		    strcmp(a, "--save-schedule") != 0 &&
		    strcmp(a, "--max-time") != 0 && strcmp(a, "-j") != 0 &&
		    strcmp(a, "--jobs") != 0 && strcmp(a, "--shard") != 0) {
			fprintf(stderr, "shmsim: unknown option %s\n%s", a,
			    usage_text);
			return (2);
		}
		if (i + 1 == argc) {
			fprintf(stderr, "shmsim: %s needs a value\n%s", a,
			    usage_text);
			return (2);
		}
		i++;
		if (strcmp(a, "--mode") == 0) {
			mode_set = true;
			if (strcmp(argv[i], "dfs") == 0)
				o.mode = SHMSIM_SCHED_DFS;
			else if (strcmp(argv[i], "pct") == 0)
				o.mode = SHMSIM_SCHED_PCT;
			else if (strcmp(argv[i], "random") == 0)
				o.mode = SHMSIM_SCHED_RANDOM;
			else {
				fprintf(stderr,
				    "shmsim: --mode is dfs, pct or "
				    "random, not '%s'\n",
				    argv[i]);
				return (2);
			}
		} else if (strcmp(a, "--replay") == 0) {
			replay = argv[i];
		} else if (strcmp(a, "--save-schedule") == 0) {
			o.save_schedule = argv[i];
		} else if (strcmp(a, "--shard") == 0) {
			if (!shard_arg(argv[i], &o.shard, &o.nshards))
				return (2);
		} else if (strcmp(a, "--max-time") == 0) {
			if (!seconds_arg(argv[i], &o.max_time))
				return (2);
		} else if (strcmp(a, "--html") == 0) {
			o.html = argv[i];
		} else if (strcmp(a, "--junit") == 0) {
			junitpath = argv[i];
		} else if (strcmp(a, "--seed") == 0) {
			if (!number_arg(a, argv[i], UINT64_MAX, &o.seed))
				return (2);
		} else if (strcmp(a, "--runs") == 0) {
			if (!number_arg(a, argv[i], UINT64_MAX, &o.runs))
				return (2);
			if (o.runs == 0) {
				fprintf(stderr,
				    "shmsim: --runs must be at "
				    "least 1\n");
				return (2);
			}
			runs_set = true;
		} else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
			if (!number_arg(a, argv[i], 256, &v))
				return (2);
			if (v == 0) {
				fprintf(stderr,
				    "shmsim: %s must be at least 1\n", a);
				return (2);
			}
			o.jobs = (unsigned)v;
		} else {
			if (!number_arg(a, argv[i], 1000000, &v))
				return (2);
			/* (The explorer's own bounds: shmsim_explorer_create.)
			 */
			if (strcmp(a, "--depth") == 0 && (v == 0 || v > 64)) {
				fprintf(stderr,
				    "shmsim: --depth is 1 to 64 (pct bug "
				    "depth), not %ju\n",
				    (uintmax_t)v);
				return (2);
			}
			if (strcmp(a, "--depth") == 0)
				o.depth = (unsigned)v;
			else
				o.preemptions = (unsigned)v;
		}
	}
	if (i + 1 != argc) {
		fprintf(stderr, "shmsim: explore takes one FILE%s\n%s",
		    i + 1 < argc && argv[i + 1][0] == '-' ?
			" (options come before it)" :
			"",
		    usage_text);
		return (2);
	}
	if (replay != NULL) {
		if (mode_set || runs_set || o.nshards != 0 || o.jobs != 1 ||
		    o.max_time != 0 || o.list) {
			fprintf(stderr,
			    "shmsim: --replay runs one schedule: no "
			    "--mode, --runs, --shard, -j, --max-time or "
			    "--list-schedules with it\n");
			return (2);
		}
		o.mode = SHMSIM_SCHED_REPLAY;
		/* A token, or a schedule file (--save-schedule). */
		if (access(replay, F_OK) == 0) {
			sched = slurp(replay, &len);
			if (sched == NULL)
				return (2);
			/* Text, NUL-terminated. */
			buf = realloc(sched, len + 1);
			if (buf == NULL) {
				free(sched);
				fprintf(stderr, "shmsim: out of memory\n");
				return (3);
			}
			sched = buf;
			sched[len] = '\0';
			if (strlen(sched) != len ||
			    strncmp(sched, "# shmsim schedule, format 2\n",
				28) != 0) {
				fprintf(stderr,
				    "shmsim: %s: not a schedule file (its "
				    "first line is not '# shmsim schedule, "
				    "format 2')\n",
				    replay);
				free(sched);
				return (2);
			}
			o.schedule = sched;
			o.schedule_path = replay;
		} else
			o.token = replay;
	}
	if (o.html != NULL && replay == NULL) {
		fprintf(stderr,
		    "shmsim: --html draws one schedule: it needs --replay "
		    "TOKEN or a schedule file\n");
		return (2);
	}
	if (!runs_set && o.mode != SHMSIM_SCHED_DFS &&
	    o.mode != SHMSIM_SCHED_REPLAY)
		o.runs = 1000;
	file = argv[i];
	o.file = file;
	o.progress = !o.quiet && replay == NULL && isatty(STDERR_FILENO);
	buf = slurp(file, &len);
	if (buf == NULL) {
		free(sched);
		return (2);
	}
	if (!sc_parse(strcmp(file, "-") == 0 ? "<stdin>" : file, buf, len,
		&sc)) {
		free(buf);
		free(sched);
		return (2);
	}
	o.src = buf; /* --html shows the source */
	o.srclen = len;
	if (junitpath != NULL) {
		if ((jf = fopen(junitpath, "w")) == NULL) {
			fprintf(stderr, "shmsim: %s: %s\n", junitpath,
			    strerror(errno));
			sc_script_free(&sc);
			free(buf);
			free(sched);
			return (2);
		}
		j = sc_junit_new("shmsim explore");
		if (j == NULL || (o.out = sc_junit_tee(j, stdout)) == NULL) {
			fprintf(stderr, "shmsim: out of memory\n");
			sc_junit_free(j);
			fclose(jf);
			sc_script_free(&sc);
			free(buf);
			free(sched);
			return (3);
		}
		sc_junit_begin(j, sc.file);
	}
	rc = sc_explore(&sc, &o);
	free(buf);
	if (j != NULL) {
		/* One test case: it failed when a schedule did. */
		sc_junit_end(j, rc == 0 ? 1 : 0, rc == 1 ? 1 : 0);
		if (fclose(o.out) != 0)
			ok = false;
		ok = sc_junit_write(j, jf, junitpath) && ok;
		sc_junit_free(j);
	}
	sc_script_free(&sc);
	free(sched);
	if (fflush(stdout) != 0)
		ok = false;
	return (out_rc(rc, ok));
}

static int
cmd_demo(int argc, char **argv)
{
	struct sc_run_opts o = { false, NULL, stdout, NULL, 1 };
	struct sc_script sc[SC_DEMO_COUNT];
	const char *htmldir = NULL;
	int i, rc;

	bool ok = true;

	if (argc == 2 && strcmp(argv[0], "--html") == 0)
		htmldir = argv[1];
	else if (argc == 2 && strcmp(argv[0], "--dot") == 0) {
		o.dot = fopen(argv[1], "w");
		if (o.dot == NULL) {
			fprintf(stderr, "shmsim: %s: %s\n", argv[1],
			    strerror(errno));
			return (2);
		}
	} else if (argc != 0) {
		fputs(usage_text, stderr);
		return (2);
	}

	for (i = 0; i < SC_DEMO_COUNT; i++)
		if (!sc_parse(sc_demo_names[i], sc_demo_scenarios[i],
			strlen(sc_demo_scenarios[i]), &sc[i]))
			return (2);
	if (htmldir != NULL) {
		/* DIR/demo-current.html and DIR/demo-2008.html. */
		struct sc_totals t = { 0, 0 };
		char page[4096];
		int r;

		rc = 0;
		for (i = 0; i < SC_DEMO_COUNT && rc != 2 && rc != 3; i++) {
			snprintf(page, sizeof(page), "%s/%.*s.html", htmldir,
			    (int)(strlen(sc_demo_names[i]) - 4),
			    sc_demo_names[i]);
			r = sc_html_run(&sc[i], sc_demo_scenarios[i],
			    strlen(sc_demo_scenarios[i]), &o, page, &t);
			if (r > rc)
				rc = r;
		}
		if (rc != 2 && rc != 3) {
			fprintf(o.out, "%d passed, %d failed\n", t.passed,
			    t.failed);
			if (t.failed != 0)
				rc = 1;
		}
	} else
		rc = run_scripts(sc, SC_DEMO_COUNT, &o, NULL);
	for (i = 0; i < SC_DEMO_COUNT; i++)
		sc_script_free(&sc[i]);
	if (o.dot != NULL)
		ok = out_done(o.dot, argv[1]);
	return (out_rc(rc, ok));
}

static int
cmd_decode(int argc, char **argv)
{
	size_t len;
	char *buf;
	int t, rc;

	if (argc != 2) {
		fputs(usage_text, stderr);
		return (2);
	}
	t = sc_fuzz_target_from_name(argv[0]);
	if (t < 0) {
		fprintf(stderr,
		    "shmsim: decode: unknown target '%s' (names, "
		    "syscalls or scenario)\n",
		    argv[0]);
		return (2);
	}
	buf = slurp(argv[1], &len);
	if (buf == NULL)
		return (2);
	rc = sc_decode((enum sc_fuzz_target)t, (const uint8_t *)buf, len,
	    argv[1], stdout);
	free(buf);
	return (rc);
}

static int
command(int argc, char **argv)
{
	bool sub;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return (2);
	}
	sub = strcmp(argv[1], "run") == 0 || strcmp(argv[1], "demo") == 0 ||
	    strcmp(argv[1], "decode") == 0 || strcmp(argv[1], "explore") == 0;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    (sub && wants_help(argc - 2, argv + 2))) {
		fputs(help_text, stdout);
		return (0);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("shmsim %s (scenario language version 1)\n",
		    shmsim_version());
		return (0);
	}
	if (strcmp(argv[1], "run") == 0)
		return (cmd_run(argc - 2, argv + 2));
	if (strcmp(argv[1], "demo") == 0)
		return (cmd_demo(argc - 2, argv + 2));
	if (strcmp(argv[1], "decode") == 0)
		return (cmd_decode(argc - 2, argv + 2));
	if (strcmp(argv[1], "explore") == 0)
		return (cmd_explore(argv[0], argc - 2, argv + 2));
	if (strcmp(argv[1], "diff") == 0)
		return (sc_cmd_diff(argc - 2, argv + 2, usage_text));
	if (strcmp(argv[1], "export") == 0)
		return (sc_cmd_export(argc - 2, argv + 2, usage_text));
	fprintf(stderr, "shmsim: unknown command '%s'\n%s", argv[1],
	    usage_text);
	return (2);
}

int
main(int argc, char **argv)
{
	int rc = command(argc, argv);

	/* Whatever the command, what it wrote must have got out. */
	return (out_rc(rc, out_done(stdout, "standard output")));
}
