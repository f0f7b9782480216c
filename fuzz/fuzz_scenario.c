/*
 * fuzz_scenario: the scenario language's parser and runner
 * (tools/shmsim: parse.c, run.c, the shmsim_scenario library) on
 * arbitrary text.  Whatever the text, nothing may crash, hang or leak
 * host memory (the sanitizers and libFuzzer watch that), and a script
 * that parses must run to its end with the runner's final audit and
 * leak check clean: the runner exits every process and unlinks every
 * name, so anything left over is a model bug, whatever the script did.
 * The auditor also runs after every statement (through the runner's
 * hooks).
 *
 * Parse errors are the expected answer to most inputs: they are sent to
 * /dev/null (the parser writes them to stderr, which is swapped for the
 * call).  The trace goes to a stream that keeps nothing but watches for
 * the runner's end-of-run failure lines.
 *
 * Nothing is filtered here: whatever bounds the work of an input is the
 * parser's own limits (scenario.h, shmsim-scenario(5) LIMITS), so that
 * an input the command would hang or blow up on reaches the fuzzer too
 * (""*1T once hung the parser while a pre-filter here skipped it:
 * fuzz/regress/scenario/hang-empty-repeat.shm).  make fuzz runs with
 * -timeout and -rss_limit_mb to catch any input that breaks them.
 */
#define _GNU_SOURCE 1 /* fopencookie */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define FUZZ_FILE "<fuzz>"

struct scan {
	char line[160];
	size_t n;
	int bad;
	char first[160];
};

/* The runner's own failure lines: "<fuzz>: FAIL: ..." (no line number). */
static ssize_t
scan_write(void *cookie, const char *buf, size_t size)
{
	static const char prefix[] = FUZZ_FILE ": FAIL: ";
	struct scan *s = cookie;
	size_t i;

	for (i = 0; i < size; i++) {
		if (s->n < sizeof(s->line) - 1)
			s->line[s->n++] = buf[i];
		if (buf[i] != '\n')
			continue;
		s->line[s->n] = '\0';
		if (strncmp(s->line, prefix, sizeof(prefix) - 1) == 0) {
			if (s->bad++ == 0)
				memcpy(s->first, s->line, sizeof(s->first));
		}
		s->n = 0;
	}
	return ((ssize_t)size);
}

static void
audit_after(void *arg, struct shmsim_kernel *k, const struct sc_stmt *st,
    struct shmsim_proc *p, const struct sc_value *args, int error)
{
	static char report[8192];
	int n;

	(void)arg, (void)p, (void)args, (void)error;
	n = shmsim_audit(k, report, sizeof(report));
	if (n != 0) {
		fprintf(stderr,
		    "fuzz_scenario: line %d (%s): the auditor "
		    "found %d violation(s):\n%s",
		    st->line, st->text, n, report);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const cookie_io_functions_t io = { .write = scan_write };
	static FILE *devnull;
	struct sc_run_opts o;
	struct sc_hooks h;
	struct sc_totals t = { 0, 0 };
	struct sc_script sc;
	struct scan s;
	FILE *saved;
	bool ok;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	saved = stderr;
	stderr = devnull;
	ok = sc_parse(FUZZ_FILE, (const char *)data, size, &sc);
	stderr = saved;
	if (!ok)
		return (0);

	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	memset(&h, 0, sizeof(h));
	o.out = fopencookie(&s, "w", io);
	if (o.out == NULL)
		abort();
	/* Some inputs also write Graphviz dumps: that code runs too. */
	o.dot = (size & 3) == 0 ? o.out : NULL;
	o.quiet = (size & 4) != 0;
	h.after = audit_after;
	sc_run_hooked(&sc, &o, &h, &t);
	fclose(o.out);
	sc_script_free(&sc);
	if (s.bad != 0) {
		fprintf(stderr,
		    "fuzz_scenario: the runner's end-of-run "
		    "check failed:\n%s",
		    s.first);
		abort();
	}
	return (0);
}
