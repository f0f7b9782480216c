/*
 * shmsim(1): run scenarios against the model of FreeBSD's POSIX shared
 * memory (docs/shmsim.1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "scenario.h"

#define MAX_INPUT (256 * 1024 * 1024)

static const char usage_text[] =
    "usage: shmsim run [--quiet] [--dot FILE] FILE...\n"
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
    "      extension statement 'fault SITE NTH once|always'.  Exit\n"
    "      status 1 when the auditor or the leak check complained\n"
    "      (said in # comments at the end).\n"
    "\n"
    "Exit status: 0 all expectations met; 1 an expectation failed (or\n"
    "the final audit or leak check did, or the dot file could not be\n"
    "written); 2 usage or syntax error (FILE:LINE:COLUMN: error: ...;\n"
    "nothing is run), an unreadable input or dot file; 3 out of memory.\n"
    "\n"
    "The language: docs/shmsim-scenario.5 (man -l), docs/tutorial.md.\n"
    "Large pages need config page_sizes= (without it SHM_LARGEPAGE is\n"
    "ENOTTY, as on a pmap without them).\n"
    "Not yet supported: the concurrency statements (thread, par, or)\n"
    "and shmsim explore (refused, exit 2).\n";

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
	struct sc_run_opts o = { false, NULL, stdout };
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

static int
cmd_demo(int argc, char **argv)
{
	struct sc_run_opts o = { false, NULL, stdout };
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
	if (strcmp(argv[1], "explore") == 0) {
		fprintf(stderr,
		    "shmsim: explore belongs to the concurrency "
		    "section, which is not supported yet\n");
		return (2);
	}
	fprintf(stderr, "shmsim: unknown command '%s'\n%s", argv[1],
	    usage_text);
	return (2);
}
