/*
 * JUnit XML for shmsim run --junit and shmsim explore --junit (junit.h).
 *
 *	<testsuites name=SUITE tests= failures= errors= time=>
 *	  <testsuite name=SUITE tests= failures= errors= skipped="0" time=>
 *	    <testcase classname=SUITE name=FILE file=FILE time=
 *	        assertions=N>
 *	      <failure message=FIRST LINE type="expectation">
 *	        every failure line, as printed</failure>
 *	      (or <error message=WHY type="input"/> for a file not run)
 *	    </testcase> ...
 *
 * A test case fails when any of its expectations (for explore: any of
 * its schedules) failed.  Bytes outside printable ASCII are written as
 * \xHH so that the file is always well-formed UTF-8 XML.
 */
#define _GNU_SOURCE 1 /* fopencookie */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "junit.h"

/* At most this many bytes of failure lines are kept per test case. */
#define JUNIT_MAX_TEXT (64 * 1024)

struct jcase {
	char *name;
	char *text; /* the failure lines, NUL-terminated */
	size_t len;
	char *error; /* not run: why */
	int passed, failed;
	bool truncated;
	double secs;
};

struct sc_junit {
	char *suite;
	FILE *out, *tee;
	struct jcase *cases;
	int ncases, cap;
	struct jcase *cur;
	struct timespec t0;
	char line[1024]; /* the line being written */
	size_t n;
	bool line_long;
};

static char *
dupstr(const char *s)
{
	char *d = malloc(strlen(s) + 1);

	if (d == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	return (strcpy(d, s));
}

struct sc_junit *
sc_junit_new(const char *suite)
{
	struct sc_junit *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return (NULL);
	j->suite = dupstr(suite);
	return (j);
}

static void
keep(struct jcase *c, const char *s, size_t n)
{
	char *t;

	if (c->truncated)
		return;
	if (c->len + n > JUNIT_MAX_TEXT) {
		c->truncated = true;
		s = "(more failure lines not kept)\n";
		n = strlen(s);
	}
	t = realloc(c->text, c->len + n + 1);
	if (t == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	memcpy(t + c->len, s, n);
	c->len += n;
	t[c->len] = '\0';
	c->text = t;
}

/*
 * A whole line of the command's output: kept when it reports a failure
 * (": FAIL: "), a failing schedule ("schedule N failed (token T)") or
 * its replay command ("replay: ").
 */
static void
scan_line(struct sc_junit *j, const char *s, size_t n)
{
	if (j->cur == NULL)
		return;
	if (memmem(s, n, ": FAIL: ", 8) != NULL ||
	    (n > 9 && memcmp(s, "schedule ", 9) == 0 &&
		memmem(s, n, " failed (token ", 15) != NULL) ||
	    (n > 8 && memcmp(s, "replay: ", 8) == 0))
		keep(j->cur, s, n);
}

static ssize_t
tee_write(void *cookie, const char *buf, size_t size)
{
	struct sc_junit *j = cookie;
	size_t i;

	if (fwrite(buf, 1, size, j->out) != size)
		return (-1);
	for (i = 0; i < size; i++) {
		if (j->n < sizeof(j->line) - 1)
			j->line[j->n++] = buf[i];
		else
			j->line_long = true;
		if (buf[i] != '\n')
			continue;
		if (j->line_long)
			j->line[j->n - 1] = '\n'; /* cut: its start is kept */
		scan_line(j, j->line, j->n);
		j->n = 0;
		j->line_long = false;
	}
	return ((ssize_t)size);
}

FILE *
sc_junit_tee(struct sc_junit *j, FILE *out)
{
	static const cookie_io_functions_t io = { .write = tee_write };

	j->out = out;
	j->tee = fopencookie(j, "w", io);
	return (j->tee);
}

static struct jcase *
new_case(struct sc_junit *j, const char *file)
{
	struct jcase *c;

	if (j->ncases == j->cap) {
		j->cap = j->cap == 0 ? 16 : 2 * j->cap;
		c = realloc(j->cases, (size_t)j->cap * sizeof(*c));
		if (c == NULL) {
			fprintf(stderr, "shmsim: out of memory\n");
			exit(3);
		}
		j->cases = c;
	}
	c = &j->cases[j->ncases++];
	memset(c, 0, sizeof(*c));
	c->name = dupstr(file);
	return (c);
}

void
sc_junit_begin(struct sc_junit *j, const char *file)
{
	if (j->tee != NULL)
		fflush(j->tee);
	j->cur = new_case(j, file);
	clock_gettime(CLOCK_MONOTONIC, &j->t0);
}

void
sc_junit_end(struct sc_junit *j, int passed, int failed)
{
	struct timespec t1;

	if (j->tee != NULL)
		fflush(j->tee);
	if (j->cur == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	j->cur->secs = (double)(t1.tv_sec - j->t0.tv_sec) +
	    (double)(t1.tv_nsec - j->t0.tv_nsec) / 1e9;
	j->cur->passed = passed;
	j->cur->failed = failed;
	j->cur = NULL;
}

void
sc_junit_error(struct sc_junit *j, const char *file, const char *why)
{
	struct jcase *c = new_case(j, file);

	c->error = dupstr(why);
}

/* s (n bytes, or up to its NUL when n is SIZE_MAX) escaped for XML. */
static void
xml_escaped(FILE *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && (n != SIZE_MAX || s[i] != '\0'); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f))
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

bool
sc_junit_write(struct sc_junit *j, FILE *f, const char *path)
{
	int i, failures = 0, errors = 0, saved;
	double total = 0;
	bool ok;

	for (i = 0; i < j->ncases; i++) {
		if (j->cases[i].error != NULL)
			errors++;
		else if (j->cases[i].failed != 0)
			failures++;
		total += j->cases[i].secs;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fputs("<testsuites name=\"", f);
	xml_escaped(f, j->suite, SIZE_MAX);
	fprintf(f,
	    "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
	    "time=\"%.3f\">\n",
	    j->ncases, failures, errors, total);
	fputs("  <testsuite name=\"", f);
	xml_escaped(f, j->suite, SIZE_MAX);
	fprintf(f,
	    "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
	    "skipped=\"0\" time=\"%.3f\">\n",
	    j->ncases, failures, errors, total);
	for (i = 0; i < j->ncases; i++) {
		const struct jcase *c = &j->cases[i];

		fputs("    <testcase classname=\"", f);
		xml_escaped(f, j->suite, SIZE_MAX);
		fputs("\" name=\"", f);
		xml_escaped(f, c->name, SIZE_MAX);
		fputs("\" file=\"", f);
		xml_escaped(f, c->name, SIZE_MAX);
		fprintf(f, "\" time=\"%.3f\" assertions=\"%d\"", c->secs,
		    c->passed + c->failed);
		if (c->error != NULL) {
			fputs(">\n      <error type=\"input\" message=\"", f);
			xml_escaped(f, c->error, SIZE_MAX);
			fputs("\"/>\n    </testcase>\n", f);
		} else if (c->failed != 0) {
			const char *nl =
			    c->text != NULL ? strchr(c->text, '\n') : NULL;

			fputs(">\n      <failure type=\"expectation\" "
			      "message=\"",
			    f);
			if (c->text != NULL)
				xml_escaped(f, c->text,
				    nl != NULL ? (size_t)(nl - c->text) :
						 c->len);
			else
				fprintf(f, "%d failed", c->failed);
			fputs("\">", f);
			if (c->text != NULL)
				xml_escaped(f, c->text, c->len);
			fputs("</failure>\n    </testcase>\n", f);
		} else
			fputs("/>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	ok = fflush(f) == 0 && !ferror(f);
	saved = errno;
	if (fclose(f) != 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (!ok)
		fprintf(stderr, "shmsim: %s: write error: %s\n", path,
		    strerror(saved));
	return (ok);
}

void
sc_junit_free(struct sc_junit *j)
{
	int i;

	if (j == NULL)
		return;
	for (i = 0; i < j->ncases; i++) {
		free(j->cases[i].name);
		free(j->cases[i].text);
		free(j->cases[i].error);
	}
	free(j->cases);
	free(j->suite);
	free(j);
}
