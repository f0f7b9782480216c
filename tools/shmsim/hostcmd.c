/*
 * The commands that involve the host (docs/shmsim.1): run --host, diff,
 * export --atf.  main.c dispatches to them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hostcmd.h"

#define MAX_INPUT (256 * 1024 * 1024)

int
sc_host_scripts(struct sc_script *scs, int n, bool quiet, int timeout,
    FILE *out)
{
	struct sc_host_totals t;
	struct sc_host_opts o;
	char prefix[64];
	int i;

	memset(&t, 0, sizeof(t));
	memset(&o, 0, sizeof(o));
	o.quiet = quiet;
	o.out = out;
	o.timeout = timeout;
	o.janitor = sc_janitor_start(prefix, sizeof(prefix));
	if (o.janitor == NULL) {
		fprintf(stderr, "shmsim: cannot start the name janitor: %s\n",
		    strerror(errno));
		return (1);
	}
	o.prefix = prefix;
	for (i = 0; i < n; i++) {
		o.index = i;
		sc_run_host(&scs[i], &o, &t);
		fflush(out);
	}
	sc_janitor_stop(o.janitor);
	fprintf(out, "%d passed, %d failed, %d skipped\n", t.passed, t.failed,
	    t.skipped);
	return (t.failed != 0 ? 1 : 0);
}

/* A --timeout value: 1 to 3600 seconds. */
bool
sc_timeout_arg(const char *s, int *vp)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < 1 ||
	    v > 3600) {
		fprintf(stderr,
		    "shmsim: --timeout wants seconds from 1 to 3600, not "
		    "'%s'\n",
		    s);
		return (false);
	}
	*vp = (int)v;
	return (true);
}

/* Read and parse every file; false (messages printed) if one fails. */
static bool
load_all(int argc, char **argv, struct sc_script **scsp, int *np)
{
	struct sc_script *scs = calloc((size_t)argc + 1, sizeof(*scs));
	int i, n = 0, bad = 0;

	if (scs == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	for (i = 0; i < argc; i++) {
		const char *path = argv[i];
		FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
		size_t len = 0, cap = 65536, got;
		char *buf = NULL, *nb;

		if (f == NULL) {
			fprintf(stderr, "shmsim: %s: %s\n", path,
			    strerror(errno));
			bad++;
			continue;
		}
		for (;;) {
			nb = realloc(buf, cap);
			if (nb == NULL) {
				fprintf(stderr, "shmsim: out of memory\n");
				exit(3);
			}
			buf = nb;
			got = fread(buf + len, 1, cap - len, f);
			len += got;
			if (got == 0 || len < cap)
				break;
			if (cap >= MAX_INPUT) {
				fprintf(stderr,
				    "shmsim: %s: larger than %d bytes\n", path,
				    MAX_INPUT);
				len = SIZE_MAX;
				break;
			}
			cap *= 2;
		}
		if (len != SIZE_MAX && ferror(f)) {
			fprintf(stderr, "shmsim: %s: read error\n", path);
			len = SIZE_MAX;
		}
		if (f != stdin)
			fclose(f);
		if (len == SIZE_MAX)
			bad++;
		else if (sc_parse(strcmp(path, "-") == 0 ? "<stdin>" : path,
			     buf, len, &scs[n]))
			n++;
		else
			bad++;
		free(buf);
	}
	if (bad != 0) {
		for (i = 0; i < n; i++)
			sc_script_free(&scs[i]);
		free(scs);
		return (false);
	}
	*scsp = scs;
	*np = n;
	return (true);
}

static void
free_all(struct sc_script *scs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		sc_script_free(&scs[i]);
	free(scs);
}

int
sc_cmd_diff(int argc, char **argv, const char *usage)
{
	struct sc_diff_opts o;
	struct sc_script *scs;
	int i, n, rc;

	memset(&o, 0, sizeof(o));
	o.out = stdout;
	o.timeout = 10;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--markdown") == 0)
			o.markdown = true;
		else if (strcmp(argv[i], "--timeout") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr,
				    "shmsim: --timeout needs SECONDS\n%s",
				    usage);
				return (2);
			}
			if (!sc_timeout_arg(argv[++i], &o.timeout))
				return (2);
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "shmsim: unknown option %s\n%s",
			    argv[i], usage);
			return (2);
		} else
			break;
	}
	if (i == argc) {
		fputs(usage, stderr);
		return (2);
	}
	if (!load_all(argc - i, argv + i, &scs, &n))
		return (2);
	rc = sc_diff(scs, n, &o);
	free_all(scs, n);
	if (fflush(stdout) != 0 && rc == 0)
		rc = 1;
	return (rc);
}

int
sc_cmd_export(int argc, char **argv, const char *usage)
{
	struct sc_script *scs;
	const char *outpath = NULL;
	FILE *out = stdout;
	bool atf = false;
	int i, n, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--atf") == 0)
			atf = true;
		else if (strcmp(argv[i], "-o") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "shmsim: -o needs a FILE\n%s",
				    usage);
				return (2);
			}
			outpath = argv[++i];
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "shmsim: unknown option %s\n%s",
			    argv[i], usage);
			return (2);
		} else
			break;
	}
	if (!atf) {
		fprintf(stderr, "shmsim: export needs a format: --atf\n%s",
		    usage);
		return (2);
	}
	if (i == argc) {
		fputs(usage, stderr);
		return (2);
	}
	if (!load_all(argc - i, argv + i, &scs, &n))
		return (2);
	if (outpath != NULL && (out = fopen(outpath, "w")) == NULL) {
		fprintf(stderr, "shmsim: %s: %s\n", outpath, strerror(errno));
		free_all(scs, n);
		return (2);
	}
	rc = sc_export_atf(scs, n, out);
	if (out != stdout) {
		if (fclose(out) != 0)
			rc = 2;
	} else if (fflush(out) != 0)
		rc = 2;
	if (rc != 0)
		fprintf(stderr, "shmsim: %s: write error\n",
		    outpath != NULL ? outpath : "standard output");
	free_all(scs, n);
	return (rc);
}
