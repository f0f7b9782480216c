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
#include "scenario.h"

#define MAX_INPUT (256 * 1024 * 1024)

static const char usage_text[] =
    "usage: shmsim run [--quiet] [--dot FILE] FILE...\n"
    "       shmsim explore [--mode dfs|pct|random] [--runs N] "
    "[--preemptions K]\n"
    "                      [--depth D] [--seed S] [--stop-on-failure] "
    "[-j N]\n"
    "                      [--shard I/N] [--max-time SECONDS] "
    "[--save-schedule FILE]\n"
    "                      [--quiet] FILE\n"
    "       shmsim explore --replay TOKEN|SCHEDULE-FILE "
    "[--save-schedule FILE]\n"
    "                      [--quiet] FILE\n"
    "       shmsim demo [--dot FILE]\n"
    "       shmsim decode names|syscalls|scenario FILE\n"
    "       shmsim --help | --version\n";

static const char help_text[] =
    "shmsim: a userspace model of FreeBSD's POSIX shared memory\n"
    "(shm_open(2), shm_unlink(2) and the vm objects behind them).\n"
    "\n"
    "  shmsim run [--quiet] [--dot FILE] FILE...\n"
    "      Run each scenario FILE (- for standard input) on a fresh\n"
    "      simulated kernel. Each statement is echoed with its result;\n"
    "      a failed expectation is reported as FILE:LINE: FAIL: ...\n"
    "      The run ends with one line: N passed, M failed.\n"
    "      --quiet     print only failures and the summary line\n"
    "      --dot FILE  write Graphviz source of the state at each\n"
    "                  'dump' statement (or at the end) to FILE\n"
    "      A par block runs in one fixed schedule: its actors in the\n"
    "      order they first appear, each to its end unless it blocks;\n"
    "      its calls are echoed as they return, then the auditor runs.\n"
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
    "  shmsim demo [--dot FILE]\n"
    "      A guided tour: one object through today's kernel (create,\n"
    "      size, write, share by fork and by descriptor passing, unlink\n"
    "      while open, pageout and pagein, last close), then the same\n"
    "      calls on the 2008 original where it answered differently.\n"
    "      --dot FILE  write Graphviz source of each 'dump' to FILE\n"
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
    "Exit status: 0 all expectations met; 1 an expectation failed (or\n"
    "the final audit or leak check did, or the dot file could not be\n"
    "written; explore: a schedule failed, or the schedule file could\n"
    "not be written); 2 usage or syntax error (FILE:LINE:COLUMN:\n"
    "error: ...; nothing is run), a bad token or schedule file, an\n"
    "unreadable input or dot file; 3 out of memory; 130 explore\n"
    "interrupted by SIGINT with no failing schedule.\n"
    "\n"
    "The language: docs/shmsim-scenario.5 (man -l), docs/tutorial.md.\n"
    "Large pages need config page_sizes= (without it SHM_LARGEPAGE is\n"
    "ENOTTY, as on a pmap without them).\n"
    "Concurrency: thread T of P; par ... end blocks of calls grouped by\n"
    "actor; => A or B alternatives inside a block; the extension\n"
    "'pagedaemon: pageout [N]' makes the pagedaemon an actor.\n";

/* Read a whole file (or stdin for "-"); NULL and a message on error. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t len = 0, cap = 65536, n;
	char *buf;

	if (f == NULL) {
		fprintf(stderr, "shmsim: %s: %s\n", path, strerror(errno));
		return (NULL);
	}
	buf = malloc(cap);
	while (buf != NULL) {
		n = fread(buf + len, 1, cap - len, f);
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
		fprintf(stderr, "shmsim: %s: read error\n", path);
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	*lenp = len;
	return (buf);
}

static int
run_scripts(struct sc_script *scs, int n, const struct sc_run_opts *o)
{
	struct sc_totals t = { 0, 0 };
	int i;

	for (i = 0; i < n; i++)
		sc_run(&scs[i], o, &t);
	fprintf(o->out, "%d passed, %d failed\n", t.passed, t.failed);
	return (t.failed != 0 ? 1 : 0);
}

static int
cmd_run(int argc, char **argv)
{
	struct sc_run_opts o = { false, NULL, stdout, NULL, 1 };
	struct sc_script *scs;
	const char *dotpath = NULL;
	int i, nfiles = 0, rc, bad = 0;
	size_t len;
	char *buf;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--quiet") == 0)
			o.quiet = true;
		else if (strcmp(argv[i], "--dot") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr,
				    "shmsim: --dot needs a FILE\n"
				    "%s",
				    usage_text);
				return (2);
			}
			dotpath = argv[++i];
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
	if (i == argc) {
		fputs(usage_text, stderr);
		return (2);
	}
	scs = calloc((size_t)(argc - i), sizeof(*scs));
	if (scs == NULL)
		return (3);
	for (; i < argc; i++) {
		buf = slurp(argv[i], &len);
		if (buf == NULL) {
			bad++;
			continue;
		}
		if (sc_parse(strcmp(argv[i], "-") == 0 ? "<stdin>" : argv[i],
			buf, len, &scs[nfiles]))
			nfiles++;
		else
			bad++;
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
	rc = run_scripts(scs, nfiles, &o);
	if (o.dot != NULL && fclose(o.dot) != 0) {
		fprintf(stderr, "shmsim: %s: write error\n", dotpath);
		rc = rc == 0 ? 1 : rc;
	}
out:
	for (i = 0; i < nfiles; i++)
		sc_script_free(&scs[i]);
	free(scs);
	return (rc);
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
	const char *file, *replay = NULL;
	bool runs_set = false, mode_set = false;
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
		    strcmp(a, "--replay") != 0 &&
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
			if (strcmp(a, "--depth") == 0 && (v == 0 || v > 64)) {
				fprintf(stderr,
				    "shmsim: --depth must be from 1 to "
				    "64\n");
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
	free(buf);
	rc = sc_explore(&sc, &o);
	sc_script_free(&sc);
	free(sched);
	if (fflush(stdout) != 0 && rc == 0)
		rc = 1;
	return (rc);
}

static int
cmd_demo(int argc, char **argv)
{
	struct sc_run_opts o = { false, NULL, stdout, NULL, 1 };
	struct sc_script sc[SC_DEMO_COUNT];
	int i, rc;

	if (argc == 2 && strcmp(argv[0], "--dot") == 0) {
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
	rc = run_scripts(sc, SC_DEMO_COUNT, &o);
	for (i = 0; i < SC_DEMO_COUNT; i++)
		sc_script_free(&sc[i]);
	if (o.dot != NULL && fclose(o.dot) != 0)
		rc = rc == 0 ? 1 : rc;
	return (rc);
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
	if (fflush(stdout) != 0)
		rc = rc == 0 ? 1 : rc;
	return (rc);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return (2);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(help_text, stdout);
		return (0);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("shmsim %s (scenario language version 1)\n",
		    SHMSIM_VERSION);
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
	fprintf(stderr, "shmsim: unknown command '%s'\n%s", argv[1],
	    usage_text);
	return (2);
}
