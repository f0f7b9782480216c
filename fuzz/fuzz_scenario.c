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
 * the runner's end-of-run failure lines.  Inputs whose string repeats
 * ("x"*N) would add up to more than FUZZ_MAX_BYTES are skipped before
 * parsing: the parser's per-string limit (16 MiB) times a few hundred
 * lines is more memory than a fuzzer may take.
 */
#define _GNU_SOURCE 1 /* fopencookie */

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define FUZZ_FILE "<fuzz>"
#define FUZZ_MAX_INPUT (256 * 1024)
#define FUZZ_MAX_BYTES (16 * 1024 * 1024)
#define FUZZ_MAX_PAGE (1024 * 1024) /* the largest page_size */

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

/*
 * An upper bound of the bytes the string repeats of buf make: each
 * '*' after a closing quote multiplies the literal before it (its
 * source length bounds its byte count) by the count after it.
 */
static uint64_t
repeat_bytes(const char *buf, size_t len)
{
	uint64_t total = 0, count, litlen;
	size_t i, j, k;
	char name[64];
	int64_t v;

	for (i = 0; i < len; i++) {
		if (buf[i] != '*')
			continue;
		/* The literal before: back to the opening quote. */
		j = i;
		while (j > 0 && (buf[j - 1] == ' ' || buf[j - 1] == '\t'))
			j--;
		if (j == 0 || buf[j - 1] != '"')
			continue;
		k = j - 1;
		while (k > 0 && buf[k - 1] != '\n')
			k--;
		litlen = j - k;
		/* The count after. */
		j = i + 1;
		while (j < len && (buf[j] == ' ' || buf[j] == '\t'))
			j++;
		if (j < len && isdigit((unsigned char)buf[j])) {
			char *end;
			unsigned long long n;

			n = strtoull(buf + j, &end, 0);
			count = n;
			if (end < buf + len) {
				int shift = *end == 'K' ? 10 :
				    *end == 'M'		? 20 :
				    *end == 'G'		? 30 :
				    *end == 'T'		? 40 :
							  0;

				count =
				    shift != 0 && n > (UINT64_MAX >> shift) ?
				    UINT64_MAX :
				    n << shift;
			}
		} else {
			for (k = 0; j + k < len && k < sizeof(name) - 1 &&
			     (isalnum((unsigned char)buf[j + k]) ||
				 buf[j + k] == '_');
			     k++)
				name[k] = buf[j + k];
			name[k] = '\0';
			if (strcmp(name, "PAGE_SIZE") == 0)
				count = FUZZ_MAX_PAGE;
			else if (sc_const_lookup(name, &v))
				count = (uint64_t)v;
			else
				continue;
		}
		if (count != 0 && litlen > UINT64_MAX / count)
			return (UINT64_MAX);
		if (total + litlen * count < total)
			return (UINT64_MAX);
		total += litlen * count;
	}
	return (total);
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

	if (size > FUZZ_MAX_INPUT ||
	    repeat_bytes((const char *)data, size) > FUZZ_MAX_BYTES)
		return (0);
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
