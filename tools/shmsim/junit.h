/*
 * --junit FILE for shmsim run and shmsim explore (docs/shmsim.1): JUnit
 * XML with one test case per scenario file.  The report is read off the
 * command's own output, through a stream that passes everything on and
 * keeps the failure lines (FILE:LINE: FAIL: expected ..., got ...; for
 * explore also the failing schedules' tokens and replay commands), so
 * the XML says exactly what the command printed.
 */
#ifndef SHMSIM_JUNIT_H
#define SHMSIM_JUNIT_H

#include <stdbool.h>
#include <stdio.h>

struct sc_junit;

/* A report named suite ("shmsim run"); NULL without memory. */
struct sc_junit *sc_junit_new(const char *suite);
/* A stream that writes to out and watches the lines for the report. */
FILE *sc_junit_tee(struct sc_junit *j, FILE *out);
/* The test case of scenario file starts; what tee sees is its. */
void sc_junit_begin(struct sc_junit *j, const char *file);
/* It ended with that many expectations met and failed. */
void sc_junit_end(struct sc_junit *j, int passed, int failed);
/* A file that could not be read or parsed: an <error> test case. */
void sc_junit_error(struct sc_junit *j, const char *file, const char *why);
/*
 * Write the XML to f, opened by the caller (before the run, so that a
 * file that cannot be created stops it), named path, and close f; false
 * (and a message) when the writing failed.
 */
bool sc_junit_write(struct sc_junit *j, FILE *f, const char *path);
void sc_junit_free(struct sc_junit *j);

#endif /* SHMSIM_JUNIT_H */
