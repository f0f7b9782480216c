/*
 * shmsim run --html PAGE and shmsim explore --replay TOKEN --html PAGE:
 * one self-contained page that steps through a scenario (docs/shmsim.1).
 *
 * Use:
 *
 *	h = sc_html_begin(sc, src, srclen, page, out, quiet, explorer);
 *	sc_html_prepare(h, &ro, &hooks);	   (ro.out, ro.quiet, hooks)
 *	sc_run_hooked(sc, &ro, &hooks, &totals);
 *	rc = sc_html_end(h);
 *
 * The run's trace is captured (each statement's result annotates the
 * source) and copied to out afterwards (only the failures when quiet).
 * Each statement is a step; with an explorer (explore --replay), each
 * stretch of a par block is one too, with the lock table.  Graphviz's
 * dot draws the states, once, for all steps.
 */
#ifndef SHMSIM_HTML_H
#define SHMSIM_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scenario.h"

struct sc_html;

/*
 * NULL after printing why on stderr: dot is not installed (exit status
 * 2), the page cannot be created (2), out of memory (3); *statusp says.
 */
struct sc_html *sc_html_begin(const struct sc_script *sc, const char *src,
    size_t srclen, const char *page, FILE *out, bool quiet,
    struct shmsim_explorer *e, int *statusp);

/* Fills in ro->out and ro->quiet, and the hooks to run with. */
void sc_html_prepare(struct sc_html *h, struct sc_run_opts *ro,
    struct sc_hooks *hooks);

/*
 * After the run: copies the trace to out, draws the states and writes the
 * page; frees h.  0, or 1 when drawing or writing failed (said on stderr).
 */
int sc_html_end(struct sc_html *h);

/*
 * All of it for shmsim run: the script run once with o, its page written
 * to page; t counts the expectations.  0, or the exit status of a
 * failure to write the page (1), to begin (2, 3).
 */
int sc_html_run(const struct sc_script *sc, const char *src, size_t srclen,
    const struct sc_run_opts *o, const char *page, struct sc_totals *t);

#endif /* SHMSIM_HTML_H */
