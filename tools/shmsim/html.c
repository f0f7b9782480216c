/*
 * The step-by-step page (html.h, docs/shmsim.1): the scenario's source
 * with each executed statement's result, and the kernel state after each
 * step drawn by Graphviz, with what the step changed made visible.
 *
 * How a page is made:
 *  - the run's trace goes to a memory stream; at each step the new trace
 *    lines are matched against the statements ("LINE  TEXT  # RESULT",
 *    "FILE:LINE: FAIL: ...") to annotate the source;
 *  - each step takes a dot dump of the kernel (its node ids are stable
 *    identities, docs/dump-format.md), and adds the previous step's nodes
 *    and edges that are gone, drawn dashed and grey (class "ghost");
 *  - identical graphs are kept once; dot runs once over all of them (one
 *    input, many graphs) and its SVG output is split;
 *  - the page's script compares each step's picture with the previous
 *    one (new boxes and arrows, changed lines with their old value) and
 *    checks every reference count against the arrows into its box.
 * Inside a par block (explore --replay only), the explorer's step
 * observer adds one step per stretch, with the lock table, drawn from
 * the explorer's lock-free dump (shmsim_explorer_dump()).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef SHMSIM_HAVE_ZLIB
#include <zlib.h>
#endif

#include "html.h"

extern char **environ;

struct sc_html {
	const struct sc_script *sc;
	const char *src;
	size_t srclen;
	const char *page;
	FILE *pagef;
	FILE *out;
	bool quiet;
	struct shmsim_explorer *e;
	struct shmsim_kernel *k;
	char *dot; /* the dot program */

	/* The trace, and how much of it the steps have read. */
	FILE *trace;
	char *tbuf;
	size_t tlen, tpos;
	/* Statements by line (1..maxline). */
	const struct sc_stmt **byline;
	int maxline;

	/* Annotations not yet given to a step: a JSON list's items. */
	FILE *pend;
	char *pbuf;
	size_t plen;
	FILE *pfail;
	char *pfbuf;
	size_t pflen;

	/* Steps: JSON objects, their graph. */
	char **steps;
	size_t *stepg;
	size_t nsteps, capsteps;
	/* Distinct graphs, with a hash table of their indexes + 1. */
	char **graphs;
	size_t ngraphs, capgraphs;
	size_t *gtab;
	size_t gcap;
	char *prevdot; /* the last step's dump, without ghosts */
};

static void
oom(void)
{
	fprintf(stderr, "shmsim: out of memory\n");
	exit(3);
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n == 0 ? 1 : n);
	if (p == NULL)
		oom();
	return (p);
}

static char *
xstrndup(const char *s, size_t n)
{
	char *c = xrealloc(NULL, n + 1);

	memcpy(c, s, n);
	c[n] = '\0';
	return (c);
}

static FILE *
xmemstream(char **bufp, size_t *lenp)
{
	FILE *f = open_memstream(bufp, lenp);

	if (f == NULL)
		oom();
	return (f);
}

/* A JSON string: UTF-8 passes; '<' is escaped so "</script>" cannot end
 * the data block. */
static void
json_str(FILE *f, const char *s, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&' ||
		    c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
json_cstr(FILE *f, const char *s)
{
	json_str(f, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* ---------------------------------------------------------------- dot */

/* The dot program: $SHMSIM_DOT, or dot found in $PATH; NULL if none. */
static char *
find_dot(void)
{
	const char *env = getenv("SHMSIM_DOT"), *path, *p, *colon;
	char buf[4096];

	if (env != NULL && *env != '\0')
		return (
		    access(env, X_OK) == 0 ? xstrndup(env, strlen(env)) : NULL);
	path = getenv("PATH");
	if (path == NULL)
		path = "/usr/bin:/bin";
	for (p = path;; p = colon + 1) {
		size_t n;

		colon = strchr(p, ':');
		n = colon != NULL ? (size_t)(colon - p) : strlen(p);
		if (n == 0)
			snprintf(buf, sizeof(buf), "./dot");
		else
			snprintf(buf, sizeof(buf), "%.*s/dot", (int)n, p);
		if (access(buf, X_OK) == 0)
			return (xstrndup(buf, strlen(buf)));
		if (colon == NULL)
			return (NULL);
	}
}

/* One line of the dump's dot: a node or an edge, or neither. */
struct dline {
	const char *id, *head; /* head: edges only */
	size_t idlen, headlen;
	const char *attrs; /* inside the brackets, or NULL */
	size_t attrlen;
};

static bool
is_idchar(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_');
}

/* line (without '\n'): 1 node, 2 edge, 0 other. */
static int
dot_line(const char *line, size_t len, struct dline *dl)
{
	const char *p = line, *end = line + len, *q;

	while (p < end && *p == '\t')
		p++;
	memset(dl, 0, sizeof(*dl));
	dl->id = p;
	while (p < end && is_idchar(*p))
		p++;
	dl->idlen = (size_t)(p - dl->id);
	if (dl->idlen == 0)
		return (0);
	if ((dl->idlen == 5 && strncmp(dl->id, "graph", 5) == 0) ||
	    (dl->idlen == 4 && strncmp(dl->id, "node", 4) == 0) ||
	    (dl->idlen == 4 && strncmp(dl->id, "edge", 4) == 0) ||
	    (dl->idlen == 8 && strncmp(dl->id, "subgraph", 8) == 0) ||
	    (dl->idlen == 7 && strncmp(dl->id, "digraph", 7) == 0))
		return (0);
	if (end - p >= 4 && strncmp(p, " -> ", 4) == 0) {
		dl->head = p + 4;
		for (q = dl->head; q < end && is_idchar(*q); q++)
			continue;
		dl->headlen = (size_t)(q - dl->head);
		p = q;
		if (end - p >= 3 && strncmp(p, " [", 2) == 0 &&
		    strncmp(end - 2, "];", 2) == 0) {
			dl->attrs = p + 2;
			dl->attrlen = (size_t)(end - 2 - dl->attrs);
		}
		return (2);
	}
	if (end - p >= 4 && strncmp(p, " [", 2) == 0 &&
	    strncmp(end - 2, "];", 2) == 0) {
		dl->attrs = p + 2;
		dl->attrlen = (size_t)(end - 2 - dl->attrs);
		return (1);
	}
	return (0);
}

struct dgraph {
	struct dline *nodes, *edges;
	size_t nnodes, nedges, capn, cape;
};

static void
dgraph_parse(const char *dot, struct dgraph *g)
{
	const char *line, *nl;
	struct dline dl;
	int kind;

	memset(g, 0, sizeof(*g));
	for (line = dot; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		kind = dot_line(line, (size_t)(nl - line), &dl);
		if (kind == 1) {
			if (g->nnodes == g->capn) {
				g->capn = g->capn == 0 ? 64 : 2 * g->capn;
				g->nodes = xrealloc(g->nodes,
				    g->capn * sizeof(*g->nodes));
			}
			g->nodes[g->nnodes++] = dl;
		} else if (kind == 2) {
			if (g->nedges == g->cape) {
				g->cape = g->cape == 0 ? 64 : 2 * g->cape;
				g->edges = xrealloc(g->edges,
				    g->cape * sizeof(*g->edges));
			}
			g->edges[g->nedges++] = dl;
		}
	}
}

static bool
same(const char *a, size_t an, const char *b, size_t bn)
{
	return (an == bn && memcmp(a, b, an) == 0);
}

static bool
has_node(const struct dgraph *g, const char *id, size_t n)
{
	size_t i;

	for (i = 0; i < g->nnodes; i++)
		if (same(g->nodes[i].id, g->nodes[i].idlen, id, n))
			return (true);
	return (false);
}

/* How many edges tail -> head come before edges[upto] (or in all). */
static size_t
edge_rank(const struct dgraph *g, const struct dline *e, size_t upto)
{
	size_t i, n = 0;

	for (i = 0; i < upto && i < g->nedges; i++)
		if (same(g->edges[i].id, g->edges[i].idlen, e->id, e->idlen) &&
		    same(g->edges[i].head, g->edges[i].headlen, e->head,
			e->headlen))
			n++;
	return (n);
}

/*
 * cur with prev's vanished nodes and edges added, dashed and grey, of
 * class "ghost": what the step freed, fading.  A newly allocated string.
 */
static char *
with_ghosts(const char *cur, const char *prev)
{
	struct dgraph c, p;
	char *buf = NULL;
	size_t len = 0, i, ghosts = 0, curlen = strlen(cur);
	FILE *f;

	if (prev == NULL || curlen < 2)
		return (xstrndup(cur, curlen));
	dgraph_parse(cur, &c);
	dgraph_parse(prev, &p);
	f = xmemstream(&buf, &len);
	/* Everything but the closing "}\n". */
	fwrite(cur, 1, curlen - 2, f);
	for (i = 0; i < p.nnodes; i++) {
		const struct dline *n = &p.nodes[i];

		if (has_node(&c, n->id, n->idlen))
			continue;
		fprintf(f,
		    "\t%.*s [%.*s, style=dashed, color=\"#b0b0b0\", "
		    "fontcolor=\"#a0a0a0\", class=\"ghost\"];\n",
		    (int)n->idlen, n->id, (int)n->attrlen, n->attrs);
		ghosts++;
	}
	for (i = 0; i < p.nedges; i++) {
		const struct dline *e = &p.edges[i];
		size_t r = edge_rank(&p, e, i);

		/* Kept: cur has at least r + 1 edges tail -> head. */
		if (edge_rank(&c, e, c.nedges) > r)
			continue;
		if ((!has_node(&c, e->id, e->idlen) &&
			!has_node(&p, e->id, e->idlen)) ||
		    (!has_node(&c, e->head, e->headlen) &&
			!has_node(&p, e->head, e->headlen)))
			continue;
		fprintf(f,
		    "\t%.*s -> %.*s [%.*s%sstyle=dashed, "
		    "color=\"#c0c0c0\", fontcolor=\"#b0b0b0\", "
		    "class=\"ghost\"];\n",
		    (int)e->idlen, e->id, (int)e->headlen, e->head,
		    (int)e->attrlen, e->attrs != NULL ? e->attrs : "",
		    e->attrlen > 0 ? ", " : "");
		ghosts++;
	}
	fputs("}\n", f);
	if (fclose(f) != 0)
		oom();
	free(c.nodes);
	free(c.edges);
	free(p.nodes);
	free(p.edges);
	(void)ghosts;
	return (buf);
}

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return (h);
}

/* The index of graph g (taken over), the same one for the same text. */
static size_t
graph_intern(struct sc_html *h, char *g)
{
	size_t i, j;

	if ((h->ngraphs + 1) * 2 > h->gcap) {
		size_t ncap = h->gcap == 0 ? 256 : h->gcap * 2;

		free(h->gtab);
		h->gtab = xrealloc(NULL, ncap * sizeof(*h->gtab));
		memset(h->gtab, 0, ncap * sizeof(*h->gtab));
		h->gcap = ncap;
		for (i = 0; i < h->ngraphs; i++) {
			for (j = hash_str(h->graphs[i]) & (ncap - 1);
			     h->gtab[j] != 0; j = (j + 1) & (ncap - 1))
				continue;
			h->gtab[j] = i + 1;
		}
	}
	for (j = hash_str(g) & (h->gcap - 1); h->gtab[j] != 0;
	     j = (j + 1) & (h->gcap - 1))
		if (strcmp(h->graphs[h->gtab[j] - 1], g) == 0) {
			free(g);
			return (h->gtab[j] - 1);
		}
	if (h->ngraphs == h->capgraphs) {
		h->capgraphs = h->capgraphs == 0 ? 64 : 2 * h->capgraphs;
		h->graphs =
		    xrealloc(h->graphs, h->capgraphs * sizeof(*h->graphs));
	}
	h->graphs[h->ngraphs] = g;
	h->gtab[j] = ++h->ngraphs;
	return (h->ngraphs - 1);
}

/* ---------------------------------------------------------------- trace */

/*
 * A trace line "%4d  TEXT  # RESULT" of a statement: the statement, and
 * RESULT in *rest.  NULL for any other line.
 */
static const struct sc_stmt *
trace_stmt(const struct sc_html *h, const char *line, size_t len,
    const char **rest)
{
	const struct sc_stmt *st;
	const char *p = line, *end = line + len;
	size_t tl;
	long n = 0;

	while (p < end && *p == ' ')
		p++;
	if (p == end || *p < '0' || *p > '9')
		return (NULL);
	while (p < end && *p >= '0' && *p <= '9' && n <= h->maxline)
		n = n * 10 + (*p++ - '0');
	if (n < 1 || n > h->maxline || (st = h->byline[n]) == NULL)
		return (NULL);
	if (end - p < 2 || strncmp(p, "  ", 2) != 0)
		return (NULL);
	p += 2;
	tl = strlen(st->text);
	if ((size_t)(end - p) < tl + 4 || memcmp(p, st->text, tl) != 0 ||
	    strncmp(p + tl, "  # ", 4) != 0)
		return (NULL);
	*rest = p + tl + 4;
	return (st);
}

/* A "FILE:LINE: FAIL: " line: LINE; 0 for "FILE: FAIL: "; -1 neither. */
static int
fail_line(const struct sc_html *h, const char *line, size_t len)
{
	size_t fl = strlen(h->sc->file);
	const char *p = line + fl, *end = line + len;
	int n = 0;

	if (len <= fl || memcmp(line, h->sc->file, fl) != 0 || *p != ':')
		return (-1);
	p++;
	if (end - p >= 7 && strncmp(p, " FAIL: ", 7) == 0)
		return (0);
	while (p < end && *p >= '0' && *p <= '9' && n < 10000000)
		n = n * 10 + (*p++ - '0');
	if (end - p >= 8 && strncmp(p, ": FAIL: ", 8) == 0)
		return (n);
	return (-1);
}

/* Is the line one that --quiet leaves out (the run's echo)? */
static bool
echo_line(const struct sc_html *h, const char *line, size_t len)
{
	const char *rest;
	int i;

	if (trace_stmt(h, line, len, &rest) != NULL)
		return (true);
	if (len >= 12 && strncmp(line, "      (end: ", 12) == 0)
		return (true);
	if (len >= 3 && strncmp(line, "== ", 3) == 0)
		return (true);
	if (len > 6 && strncmp(line, "      ", 6) == 0) {
		for (i = 0; i < h->sc->nstmts; i++)
			if (h->sc->stmts[i].kind == S_NOTE &&
			    strlen(h->sc->stmts[i].text) == len - 6 &&
			    memcmp(h->sc->stmts[i].text, line + 6, len - 6) ==
				0)
				return (true);
	}
	return (false);
}

/* The new complete lines of the trace become pending annotations. */
static void
take_trace(struct sc_html *h)
{
	const char *line, *nl, *rest;
	const struct sc_stmt *st;
	int fl, lastfail = -2;

	if (fflush(h->trace) != 0)
		oom();
	while (h->tpos < h->tlen) {
		line = h->tbuf + h->tpos;
		nl = memchr(line, '\n', h->tlen - h->tpos);
		if (nl == NULL)
			break;
		h->tpos += (size_t)(nl - line) + 1;
		st = trace_stmt(h, line, (size_t)(nl - line), &rest);
		if (st != NULL) {
			fprintf(h->pend, "[%d,", st->line);
			json_str(h->pend, rest, (size_t)(nl - rest));
			fputs(",0],", h->pend);
			lastfail = -2;
			continue;
		}
		fl = fail_line(h, line, (size_t)(nl - line));
		if (fl >= 0) {
			if (fl > 0)
				fprintf(h->pend, "[%d,\"FAIL\",1],", fl);
			fprintf(h->pfail, "%s", h->pflen > 0 ? "," : "");
			json_str(h->pfail, line, (size_t)(nl - line));
			fflush(h->pfail);
			lastfail = fl;
			continue;
		}
		if (lastfail != -2 &&
		    !echo_line(h, line, (size_t)(nl - line))) {
			/* The failure's report goes on: a line of its own. */
			fputc(',', h->pfail);
			json_str(h->pfail, line, (size_t)(nl - line));
			fflush(h->pfail);
		}
	}
}

/* ---------------------------------------------------------------- steps */

/* The kernel's dot dump now (lock-free from an explorer observer). */
static char *
take_dot(struct sc_html *h, bool observer)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = xmemstream(&buf, &len);
	int error;

	if (observer)
		error =
		    shmsim_explorer_dump(h->e, h->k, f, SHMSIM_DUMP_DOT, NULL);
	else
		error = shmsim_dump(h->k, f, SHMSIM_DUMP_DOT, NULL);
	if (fclose(f) != 0)
		oom();
	if (error != 0) {
		free(buf);
		return (xstrndup("digraph \"shmsim\" {\n}\n", 21));
	}
	return (buf);
}

/*
 * A step: line (0: none) highlighted, what happened, sched (a JSON
 * object or NULL), and the state now.
 */
static void
add_step(struct sc_html *h, int line, const char *what, const char *sched,
    bool observer)
{
	char *dot, *g, *buf = NULL;
	size_t len = 0;
	FILE *f;

	take_trace(h);
	dot = take_dot(h, observer);
	g = with_ghosts(dot, h->prevdot);
	free(h->prevdot);
	h->prevdot = dot;

	if (fflush(h->pend) != 0 || fflush(h->pfail) != 0)
		oom();
	f = xmemstream(&buf, &len);
	fprintf(f, "{\"l\":%d,\"w\":", line);
	json_cstr(f, what);
	/* The pending lists, without their trailing comma. */
	fprintf(f, ",\"a\":[%.*s]", (int)(h->plen > 0 ? h->plen - 1 : 0),
	    h->pbuf != NULL ? h->pbuf : "");
	fprintf(f, ",\"f\":[%.*s]", (int)h->pflen,
	    h->pfbuf != NULL ? h->pfbuf : "");
	if (sched != NULL)
		fprintf(f, ",\"t\":%s", sched);
	if (h->nsteps == h->capsteps) {
		h->capsteps = h->capsteps == 0 ? 64 : 2 * h->capsteps;
		h->steps = xrealloc(h->steps, h->capsteps * sizeof(*h->steps));
		h->stepg = xrealloc(h->stepg, h->capsteps * sizeof(*h->stepg));
	}
	h->stepg[h->nsteps] = graph_intern(h, g);
	fprintf(f, ",\"g\":%zu}", h->stepg[h->nsteps]);
	if (fclose(f) != 0)
		oom();
	h->steps[h->nsteps++] = buf;
	/* Empty the pending lists. */
	fclose(h->pend);
	free(h->pbuf);
	h->pbuf = NULL;
	h->pend = xmemstream(&h->pbuf, &h->plen);
	fclose(h->pfail);
	free(h->pfbuf);
	h->pfbuf = NULL;
	h->pfail = xmemstream(&h->pfbuf, &h->pflen);
}

static void
hook_start(void *arg, struct shmsim_kernel *k)
{
	struct sc_html *h = arg;

	h->k = k;
	add_step(h, 0, "the kernel before the first statement", NULL, false);
}

static void
hook_after(void *arg, struct shmsim_kernel *k, const struct sc_stmt *st,
    struct shmsim_proc *p, const struct sc_value *args, int error)
{
	struct sc_html *h = arg;
	char what[256];

	(void)k;
	(void)p;
	(void)args;
	(void)error;
	/* Narration and configuration change nothing: no step of their
	 * own; their trace goes to the next step. */
	if (st->kind == S_NOTE || st->kind == S_CONFIG)
		return;
	if (st->kind == S_PAR)
		snprintf(what, sizeof(what), "line %d: the par block ended",
		    h->sc->stmts[st->par_end].line);
	else
		snprintf(what, sizeof(what), "line %d: %s", st->line, st->text);
	add_step(h,
	    st->kind == S_PAR ? h->sc->stmts[st->par_end].line : st->line, what,
	    NULL, false);
}

/* "line N: ..." (the runner's label): N, or 0. */
static int
label_line(const char *label)
{
	int n = 0;

	if (label == NULL || strncmp(label, "line ", 5) != 0)
		return (0);
	for (label += 5; *label >= '0' && *label <= '9' && n < 10000000;
	     label++)
		n = n * 10 + (*label - '0');
	return (*label == ':' ? n : 0);
}

/* The explorer's step observer: one step per stretch of a par block. */
static void
observe(void *arg, struct shmsim_explorer *e)
{
	struct sc_html *h = arg;
	struct shmsim_explore_step s;
	char *tb = NULL, *sb = NULL, *line, *nl, *fld[5];
	size_t tl = 0, sl = 0;
	char what[512];
	FILE *t, *f;
	int i;

	if (h->k == NULL || shmsim_explorer_last_step(e, &s) != 0)
		return;
	t = xmemstream(&tb, &tl);
	shmsim_explorer_threads(e, t);
	if (fclose(t) != 0)
		oom();
	f = xmemstream(&sb, &sl);
	fprintf(f, "{\"n\":");
	json_cstr(f, s.name);
	fprintf(f, ",\"ev\":");
	json_cstr(f, s.event);
	fprintf(f, ",\"p\":%d,\"i\":%zu,\"at\":", s.preempted ? 1 : 0, s.index);
	if (s.op != NULL) {
		char at[512];

		snprintf(at, sizeof(at), "%s \"%s\" @ %s:%d", s.op,
		    s.what != NULL ? s.what : "", s.file != NULL ? s.file : "?",
		    s.line);
		json_cstr(f, at);
	} else
		json_cstr(f, "");
	fputs(",\"th\":[", f);
	for (line = tb, i = 0; line != NULL && *line != '\0'; line = nl + 1) {
		int j;

		nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		fld[0] = line;
		for (j = 1; j < 5; j++) {
			fld[j] = fld[j - 1] != NULL ? strchr(fld[j - 1], '\t') :
						      NULL;
			if (fld[j] != NULL)
				*fld[j]++ = '\0';
		}
		fprintf(f, "%s[%d", i++ > 0 ? "," : "",
		    label_line(fld[2] != NULL ? fld[2] : ""));
		for (j = 0; j < 5; j++) {
			fputc(',', f);
			json_cstr(f, fld[j]);
		}
		fputc(']', f);
	}
	fputs("]}", f);
	if (fclose(f) != 0)
		oom();
	free(tb);
	snprintf(what, sizeof(what), "%s, step %zu: %s -- %s", s.name, s.index,
	    s.label != NULL && s.label[0] != '\0' ? s.label : "-", s.event);
	add_step(h, label_line(s.label), what, sb, true);
	free(sb);
}

/* ---------------------------------------------------------------- page */

static const char page_css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.35 system-ui,sans-serif;color:#222;"
    "background:#fafafa}"
    "header{position:sticky;top:0;z-index:2;background:#fff;"
    "border-bottom:1px solid #ddd;padding:6px 12px;display:flex;"
    "flex-wrap:wrap;gap:8px;align-items:center}"
    "header h1{font-size:16px;margin:0 12px 0 0}"
    "header button{font:inherit;padding:2px 10px}"
    "#slider{flex:1;min-width:160px}"
    "#pos{font-weight:bold;min-width:9em}"
    "main{display:grid;grid-template-columns:minmax(300px,36%) "
    "minmax(0,1fr);"
    "gap:10px;padding:10px}"
    "#src{background:#fff;border:1px solid #ddd;overflow:auto;"
    "max-height:calc(100vh - 70px);position:sticky;top:50px}"
    "#code{margin:0;font:12px/1.45 ui-monospace,monospace}"
    ".ln{white-space:pre;padding:0 6px}"
    ".ln .no{display:inline-block;width:3.5em;color:#999;"
    "text-align:right;margin-right:8px}"
    ".ln.cur{background:#fff3b0;outline:1px solid #e0c040}"
    ".ln.run .tx{color:#000}"
    ".ln .res{color:#1a6a2a;margin-left:1em}"
    ".ln .res.fail{color:#b00020;font-weight:bold}"
    ".ln.failed{background:#fde8ea}"
    ".ln.cur.failed{background:#f8c8cf}"
    ".thr{display:inline-block;margin-left:.6em;padding:0 4px;"
    "border-radius:3px;background:#dde7ff;color:#1a3a8a;font-size:11px}"
    ".thr.running{background:#1a3a8a;color:#fff}"
    "#state{min-width:0}"
    "#what{font-weight:bold;margin:0 0 6px}"
    "#fails{color:#b00020;white-space:pre-wrap;"
    "font:12px ui-monospace,monospace;margin:6px 0}"
    "#sched table{border-collapse:collapse;margin:4px 0 8px;"
    "font-size:12px}"
    "#sched td,#sched th{border:1px solid #ccc;padding:2px 6px;"
    "text-align:left;vertical-align:top}"
    "#sched tr.running{background:#e8eeff;font-weight:bold}"
    ".preempt{color:#fff;background:#c05000;padding:0 5px;"
    "border-radius:3px}"
    "#pic{background:#fff;border:1px solid #ddd;overflow:auto}"
    "#pic svg{display:block}"
    "#pic svg text{font-family:Helvetica,Arial,sans-serif}"
    "#pic g.node.new polygon,#pic g.node.new ellipse,"
    "#pic g.node.new path{stroke:#0a8a2a;stroke-width:2.5;fill:#e6f7ea}"
    "#pic g.edge.new path{stroke:#0a8a2a;stroke-width:2.2}"
    "#pic g.edge.new polygon{stroke:#0a8a2a;fill:#0a8a2a}"
    "#pic g.ghost{animation:fade 1.2s ease-out forwards}"
    "@keyframes fade{from{opacity:1}to{opacity:.45}}"
    "#pic text.chg{fill:#c05000;font-weight:bold}"
    "#pic tspan.was{fill:#888;font-weight:normal;font-size:80%}"
    "#pic text.undrawn{fill:#7a3ab0}"
    "#pic tspan.nd{fill:#7a3ab0;font-size:80%}"
    "#changes{font-size:12px;margin:6px 0}"
    "#changes li.new{color:#0a6a20}#changes li.gone{color:#777}"
    "#changes li.chg{color:#a04000}#changes li.nd{color:#7a3ab0}"
    "#legend{margin:0 10px 20px;background:#fff;border:1px solid #ddd;"
    "padding:6px 12px;font-size:13px}"
    "#legend dt{font-weight:bold}#legend dd{margin:0 0 4px 1.5em}";

static const char page_legend[] =
    "<details id=\"legend\" open><summary><b>Legend</b></summary>\n"
    "<p>Each box is one kernel structure; an arrow is a pointer that "
    "holds a reference. <b>The rule: each reference count "
    "(<code>f_count</code>, <code>shm_refs</code>, <code>ref_count</code>) "
    "equals the number of arrows into its box.</b> When it does not (a "
    "reference held for the length of a call, a transient hold, is not "
    "drawn), the count is marked in purple with the arrows it has, and "
    "the list under the picture says how many references are not drawn: "
    "the rule is never silently false.</p>\n<dl>\n"
    "<dt>process pid N (box in a grey cluster)</dt><dd>a process, its "
    "credentials; the cluster holds its descriptors, its in-flight queue "
    "and its map entries.</dd>\n"
    "<dt>fd N</dt><dd>a descriptor table slot; its arrow is one "
    "<code>f_count</code> reference on the file.</dd>\n"
    "<dt>in flight (dashed box)</dt><dd>descriptors sent to the process "
    "and not yet received (numbered, 1 is received first); each arrow is "
    "one <code>f_count</code> reference.</dd>\n"
    "<dt>map (arrow-shaped box)</dt><dd>a map entry of the process's "
    "address space: range, protections, shared or private; its arrow is "
    "one <code>ref_count</code> reference on the vm object, labelled "
    "with the offset.</dd>\n"
    "<dt>file N</dt><dd>an open file (struct file): <code>f_count</code>, "
    "flags, offset; its arrow is one <code>shm_refs</code> reference on "
    "the shmfd.</dd>\n"
    "<dt>shm N</dt><dd>a shmfd (struct shmfd): name, "
    "<code>shm_refs</code>, size, mode, owner, seals, inode; its arrow "
    "is the shmfd's <code>ref_count</code> reference on its vm "
    "object.</dd>\n"
    "<dt>object N (3-D box)</dt><dd>a vm object: <code>ref_count</code>, "
    "size, swap charge, <code>writemappings</code>; <code>anonymous</code> "
    "for a copy-on-write shadow, whose dashed arrow (<i>shadows</i>) is "
    "one <code>ref_count</code> reference on the object behind it.</dd>\n"
    "<dt>resident / swapped (note)</dt><dd>the object's pages in memory "
    "and on swap (dotted arrow: not a reference).</dd>\n"
    "<dt>name (ellipse, in the dictionary)</dt><dd>a name in the shm "
    "dictionary: bucket and hash; its arrow is one <code>shm_refs</code> "
    "reference.</dd>\n"
    "<dt>kernel (note)</dt><dd>configuration, swap and the global "
    "counters.</dd>\n"
    "<dt>Colours</dt><dd><span style=\"color:#0a8a2a\">green</span>: new "
    "in this step; <span style=\"color:#c05000\">orange</span>: a line "
    "that changed, with its old value; <span style=\"color:#999\">grey, "
    "dashed, fading</span>: freed by this step; "
    "<span style=\"color:#7a3ab0\">purple</span>: a count with "
    "references not drawn.</dd>\n"
    "<dt>Keys</dt><dd>&larr; &rarr; step, Home and End, or the slider; "
    "the address <code>#step=K</code> opens step K.</dd>\n"
    "</dl></details>\n";

/* The page's script (ES5-ish, no library, nothing from the network). */
static const char page_js[] =
    "(function(){'use strict';\n"
    "var D=JSON.parse(document.getElementById('data').textContent);\n"
    "var N=D.steps.length,cur=-1;\n"
    "var code=document.getElementById('code'),pic=document.getElementById("
    "'pic'),pos=document.getElementById('pos'),slider=document."
    "getElementById('slider'),what=document.getElementById('what'),fails="
    "document.getElementById('fails'),sched=document.getElementById("
    "'sched'),changes=document.getElementById('changes');\n"
    "var lines=[],res=[],thr=[];\n"
    "D.src.forEach(function(t,i){var d=document.createElement('div');"
    "d.className='ln';d.id='L'+(i+1);var no=document.createElement('span');"
    "no.className='no';no.textContent=String(i+1);var tx=document."
    "createElement('span');tx.className='tx';tx.textContent=t;var r="
    "document.createElement('span');r.className='res';var th=document."
    "createElement('span');d.appendChild(no);d.appendChild(tx);"
    "d.appendChild(r);d.appendChild(th);code.appendChild(d);lines.push(d);"
    "res.push(r);thr.push(th);});\n"
    "var hist={};D.steps.forEach(function(s,k){s.a.forEach(function(a){"
    "(hist[a[0]]=hist[a[0]]||[]).push([k,a[1],a[2]]);});});\n"
    "var histLines=Object.keys(hist).map(Number);\n"
    "var shown={};\n"
    "function annotate(k){histLines.forEach(function(l){var h=hist[l],"
    "text='',bad=false,i;for(i=0;i<h.length&&h[i][0]<=k;i++){if(h[i][2])"
    "bad=true;else text=h[i][1];}if(l<1||l>lines.length)return;"
    "var v=(text?'# '+text:'')+(bad?(text?' ':'')+'\\u2717 FAIL':''),"
    "st=v+'|'+bad+'|'+(i>0);if(shown[l]===st)return;shown[l]=st;"
    "res[l-1].textContent=v;res[l-1].className=bad?'res fail':'res';"
    "lines[l-1].classList.toggle('failed',bad);"
    "lines[l-1].classList.toggle('run',i>0);});}\n"
    "var G=null,NI={};\n"
    "function info(g,root){if(!NI[g]){if(!root)root=new DOMParser()."
    "parseFromString(G[g],'image/svg+xml').documentElement;NI[g]={n:"
    "nodesOf(root),e:edgesOf(root)};}return NI[g];}\n"
    "function title(e){var t=e.querySelector('title');return t?"
    "t.textContent:'';}\n"
    "function texts(n){return Array.prototype.map.call(n.querySelectorAll("
    "'text'),function(x){return x.textContent;});}\n"
    "function nodesOf(root){var m={};root.querySelectorAll('g.node')."
    "forEach(function(n){if(!n.classList.contains('ghost'))m[title(n)]="
    "texts(n);});return m;}\n"
    "function edgesOf(root){var m={};root.querySelectorAll('g.edge')."
    "forEach(function(e){if(!e.classList.contains('ghost')){var t=title(e);"
    "m[t]=(m[t]||0)+1;}});return m;}\n"
    "function key(s){return s.replace(/[0-9]+/g,'#');}\n"
    "function parts(now,old,which){var a=now.split(', '),b=old.split(', ')"
    ";if(a.length!==b.length)return which?now:old;var d=[];for(var i=0;i<"
    "a.length;i++)if(a[i]!==b[i])d.push((which?a:b)[i].replace(/,$/,''));"
    "return d.join(', ');}\n"
    "function wasText(now,old){return parts(now,old,false);}\n"
    "function tspan(t,cls,s){var x=document.createElementNS("
    "'http://www.w3.org/2000/svg','tspan');x.setAttribute('class',cls);"
    "x.textContent=s;t.appendChild(x);var sh=t.parentNode.querySelector("
    "'polygon,ellipse,path');if(sh&&t.getAttribute('text-anchor')==="
    "'middle'){t.setAttribute('text-anchor','start');t.setAttribute('x',"
    "String(left(sh)+3));}}\n"
    "function left(sh){if(sh.tagName==='ellipse')return +sh.getAttribute("
    "'cx')-(+sh.getAttribute('rx'));if(sh.tagName==='polygon')return "
    "Math.min.apply(null,sh.getAttribute('points').trim().split(/\\s+/)."
    "map(function(p){return +p.split(',')[0];}));return sh.getBBox().x;}\n"
    "function li(cls,s){var x=document.createElement('li');x.className=cls;"
    "x.textContent=s;changes.appendChild(x);}\n"
    "function drawSched(s){sched.textContent='';if(!s.t)return;var t=s.t;"
    "var p=document.createElement('p');var b=document.createElement('b');"
    "b.textContent=t.n;p.appendChild(b);p.appendChild(document."
    "createTextNode(' ran; its stretch (schedule step '+t.i+') ended: '+"
    "t.ev+(t.at?' at '+t.at:'')+' '));if(t.p){var q=document."
    "createElement('span');q.className='preempt';q.textContent="
    "'\\u26a1 preemption point';q.title='the thread could have gone on; "
    "the schedule switched here';p.appendChild(q);}sched.appendChild(p);"
    "var tb=document.createElement('table');var hr=tb.insertRow();"
    "['thread','state','doing','holds','waits for'].forEach(function(h){"
    "var c=document.createElement('th');c.textContent=h;hr.appendChild(c);"
    "});t.th.forEach(function(r){var tr=tb.insertRow();if(r[1]===t.n)"
    "tr.className='running';for(var j=1;j<6;j++)tr.insertCell()."
    "textContent=r[j]||'\\u2014';});sched.appendChild(tb);}\n"
    "function markThreads(s){thr.forEach(function(x){x.textContent='';"
    "x.className='';});if(!s.t)return;s.t.th.forEach(function(r){if(r[0]<1"
    "||r[0]>thr.length||r[2]==='finished')return;var x=document."
    "createElement('span');x.className='thr'+(r[1]===s.t.n?' running':'');"
    "x.textContent=r[1]+(r[2]==='blocked'?' (blocked)':'');thr[r[0]-1]."
    "appendChild(x);});}\n"
    "function show(k){var s=D.steps[k];pic.innerHTML=G[s.g];var svg=pic."
    "querySelector('svg');"
    "info(s.g,svg);changes.textContent='';var pi=k>0?info(D.steps[k-1].g):"
    "null,pn=pi?pi.n:null,pe=pi?pi.e:null;var into={},seen={};"
    "svg.querySelectorAll('g.edge').forEach(function(e){var t=title(e);"
    "if(e.classList.contains('ghost')){return;}var h=t.split('->')[1];"
    "into[h]=(into[h]||0)+1;seen[t]=(seen[t]||0)+1;if(pe&&seen[t]>(pe[t]"
    "||0))e.classList.add('new');});\n"
    "svg.querySelectorAll('g.node').forEach(function(n){var id=title(n),"
    "tx=n.querySelectorAll('text'),first=tx.length?tx[0].textContent:id;"
    "if(n.classList.contains('ghost')){li('gone','\\u2212 '+first+' freed');"
    "return;}var old=pn?pn[id]:null;if(pn&&!old){n.classList.add('new');"
    "li('new','+ '+first+' (new)');}\n"
    "Array.prototype.forEach.call(tx,function(t,ix){var s=t.textContent;"
    "var m=/^(f_count|shm_refs|ref_count) ([0-9]+)$/.exec(s);if(m){var "
    "c=+m[2],a=into[id]||0;if(c!==a){t.classList.add('undrawn');"
    "tspan(t,'nd',' \\u2260 '+a+' arrow'+(a===1?'':'s'));li('nd',first+': "
    "'+s+' but '+a+' arrow'+(a===1?'':'s')+' in: '+(c>a?(c-a)+' reference"
    "'+(c-a===1?'':'s')+' not drawn (a call in progress holds it)':"
    "'more arrows than references'));}}if(!old||old.indexOf(s)>=0)return;"
    "var o=null;old.forEach(function(x){if(o===null&&key(x)===key(s))"
    "o=x;});if(o===null&&old.length===tx.length)o=old[ix];"
    "if(ix===0&&o!==null&&key(o)===key(s)&&/^(file|shm|object) [0-9]+/."
    "test(s))return;t.classList.add('chg');if(o!==null){tspan(t,'was',' (was '+"
    "wasText(s,o)+')');li('chg',first+': '+parts(s,o,false)+' \\u2192 '+"
    "parts(s,o,true));}else "
    "li('chg',first+': '+s);});});\n"
    "if(k>0&&!changes.firstChild)li('','nothing drawn changed');"
    "what.textContent=s.w;fails.textContent=s.f.join('\\n')+(k===N-1&&"
    "D.end.length?(s.f.length?'\\n':'')+'After the last statement (clean-"
    "up, audit, leak check):\\n'+D.end.join('\\n'):'');drawSched(s);"
    "markThreads(s);annotate(k);}\n"
    "function go(k,push){k=Math.max(0,Math.min(N-1,k|0));if(k===cur)return;"
    "if(cur>=0&&D.steps[cur].l>0)lines[D.steps[cur].l-1].classList."
    "remove('cur');cur=k;show(k);var l=D.steps[k].l;if(l>0&&l<=lines."
    "length){lines[l-1].classList.add('cur');lines[l-1].scrollIntoView({"
    "block:'nearest'});}slider.value=String(k+1);pos.textContent='step '+"
    "(k+1)+' of '+N;if(push!==false){try{history.replaceState(null,'',"
    "'#step='+(k+1));}catch(e){}}}\n"
    "function fromHash(){var m=/step=([0-9]+)/.exec(location.hash);return "
    "m?+m[1]-1:0;}\n"
    "function start(t){G=t.split('</svg>').slice(0,-1).map(function(x){"
    "return x+'</svg>';});\n"
    "slider.max=String(N);slider.addEventListener('input',function(){"
    "go(+slider.value-1);});\n"
    "document.getElementById('first').onclick=function(){go(0);};"
    "document.getElementById('prev').onclick=function(){go(cur-1);};"
    "document.getElementById('next').onclick=function(){go(cur+1);};"
    "document.getElementById('last').onclick=function(){go(N-1);};\n"
    "document.addEventListener('keydown',function(e){var k=e.key;if(k==="
    "'ArrowRight'){go(cur+1);}else if(k==='ArrowLeft'){go(cur-1);}else "
    "if(k==='Home'){go(0);}else if(k==='End'){go(N-1);}else return;"
    "e.preventDefault();});\n"
    "window.addEventListener('hashchange',function(){go(fromHash(),false);"
    "});\n"
    "go(fromHash(),false);document.body.setAttribute('data-ready','1');}\n"
    "var el=document.getElementById('svgs');\n"
    "if(el.getAttribute('data-z')){var bin=atob(el.textContent.trim()),"
    "u=new Uint8Array(bin.length);for(var i=0;i<bin.length;i++)u[i]=bin."
    "charCodeAt(i);new Response(new Blob([u]).stream().pipeThrough(new "
    "DecompressionStream('deflate'))).text().then(start);}else "
    "start(el.textContent);\n"
    "})();\n";

/* s as HTML text. */
static void
html_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

/*
 * One SVG of dot's output, made smaller: no comments, no per-text font
 * family (the page's style sets it).
 */
static void
put_svg(FILE *f, const char *s, size_t n)
{
	static const char ff[] = " font-family=\"Helvetica,sans-Serif\"";
	const char *end = s + n, *p;

	while (s < end) {
		if (end - s >= 4 && memcmp(s, "<!--", 4) == 0) {
			for (p = s + 4;
			     end - p >= 3 && memcmp(p, "-->", 3) != 0; p++)
				continue;
			s = end - p >= 3 ? p + 3 : end;
			while (s < end && *s == '\n')
				s++;
			continue;
		}
		if ((size_t)(end - s) >= sizeof(ff) - 1 &&
		    memcmp(s, ff, sizeof(ff) - 1) == 0) {
			s += sizeof(ff) - 1;
			continue;
		}
		fputc(*s++, f);
	}
}

#define DOT_JOBS 2     /* dot processes at once */
#define DOT_JOB_MIN 32 /* graphs worth a process of their own */

struct dotjob {
	char in[32], out[32];
	pid_t pid;
	bool started;
};

/* Job j: graphs [from, to) into its input, dot started on it. */
static int
dot_start(struct sc_html *h, struct dotjob *j, size_t from, size_t to)
{
	posix_spawn_file_actions_t fa;
	char *argv[4];
	int fd, error;
	FILE *f;
	size_t i;

	snprintf(j->in, sizeof(j->in), "/tmp/shmsim-html-XXXXXX.dot");
	snprintf(j->out, sizeof(j->out), "/tmp/shmsim-html-XXXXXX.svg");
	fd = mkstemps(j->in, 4);
	if (fd < 0) {
		j->in[0] = '\0';
		goto tmperr;
	}
	f = fdopen(fd, "w");
	if (f == NULL)
		oom();
	for (i = from; i < to; i++)
		fputs(h->graphs[i], f);
	if (fclose(f) != 0)
		goto tmperr;
	fd = mkstemps(j->out, 4);
	if (fd < 0) {
		j->out[0] = '\0';
		goto tmperr;
	}
	close(fd);
	/*
	 * dot's standard output, not -o: with several graphs in one input,
	 * dot 2.43 writes only the first to the -o file.
	 */
	argv[0] = h->dot;
	argv[1] = (char *)"-Tsvg";
	argv[2] = j->in;
	argv[3] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, j->out,
		O_WRONLY | O_TRUNC, 0600) != 0)
		oom();
	error = posix_spawn(&j->pid, h->dot, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (error != 0) {
		fprintf(stderr, "shmsim: --html: cannot run %s: %s\n", h->dot,
		    strerror(error));
		return (1);
	}
	j->started = true;
	return (0);
tmperr:
	fprintf(stderr, "shmsim: --html: temporary file: %s\n",
	    strerror(errno));
	return (1);
}

/* Waits for job j; appends its SVGs to m.  0, or 1 said on stderr. */
static int
dot_finish(struct sc_html *h, struct dotjob *j, FILE *m, int error)
{
	char buf[65536];
	int status = -1;
	size_t n;
	FILE *f;

	if (j->started)
		while (waitpid(j->pid, &status, 0) < 0)
			if (errno != EINTR) {
				status = -1;
				break;
			}
	if (error == 0 && j->started && status != 0) {
		fprintf(stderr,
		    "shmsim: --html: %s failed (%s %d) drawing the "
		    "states\n",
		    h->dot, WIFEXITED(status) ? "status" : "signal",
		    WIFEXITED(status)	    ? WEXITSTATUS(status) :
			WIFSIGNALED(status) ? WTERMSIG(status) :
					      status);
		error = 1;
	}
	if (error == 0 && j->started && (f = fopen(j->out, "r")) != NULL) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, m);
		fclose(f);
	} else if (error == 0)
		error = 1;
	if (j->in[0] != '\0')
		unlink(j->in);
	if (j->out[0] != '\0')
		unlink(j->out);
	return (error);
}

/*
 * Runs dot over every graph, in up to DOT_JOBS processes at once, each
 * given one input of many graphs; the SVGs in order, in one buffer.
 */
static int
render(struct sc_html *h, char **svgp, size_t *svglen)
{
	struct dotjob jobs[DOT_JOBS];
	size_t njobs, per, i;
	int error = 0;
	FILE *m;

	memset(jobs, 0, sizeof(jobs));
	njobs = h->ngraphs / DOT_JOB_MIN;
	if (njobs < 1)
		njobs = 1;
	if (njobs > DOT_JOBS)
		njobs = DOT_JOBS;
	per = (h->ngraphs + njobs - 1) / njobs;
	for (i = 0; i < njobs && error == 0; i++)
		error = dot_start(h, &jobs[i], i * per,
		    (i + 1) * per < h->ngraphs ? (i + 1) * per : h->ngraphs);
	*svgp = NULL;
	*svglen = 0;
	m = xmemstream(svgp, svglen);
	for (i = 0; i < njobs; i++)
		error = dot_finish(h, &jobs[i], m, error);
	if (fclose(m) != 0)
		oom();
	return (error);
}

#ifdef SHMSIM_HAVE_ZLIB
static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
put_base64(FILE *f, const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		fputc(b64[b[i] >> 2], f);
		fputc(b64[((b[i] & 3) << 4) | (b[i + 1] >> 4)], f);
		fputc(b64[((b[i + 1] & 15) << 2) | (b[i + 2] >> 6)], f);
		fputc(b64[b[i + 2] & 63], f);
	}
	if (n - i == 1) {
		fputc(b64[b[i] >> 2], f);
		fputc(b64[(b[i] & 3) << 4], f);
		fputs("==", f);
	} else if (n - i == 2) {
		fputc(b64[b[i] >> 2], f);
		fputc(b64[((b[i] & 3) << 4) | (b[i + 1] >> 4)], f);
		fputc(b64[(b[i + 1] & 15) << 2], f);
		fputc('=', f);
	}
}
#endif

/*
 * The SVGs, one after the other, in a script element: zlib-compressed and in
 * base64 when zlib is there (the page inflates them with the browser's
 * DecompressionStream), as text otherwise.
 */
static void
put_pictures(FILE *f, const char *all, size_t len)
{
#ifdef SHMSIM_HAVE_ZLIB
	uLongf zlen = compressBound((uLong)len);
	unsigned char *z = xrealloc(NULL, zlen);

	if (compress2(z, &zlen, (const Bytef *)all, (uLong)len, 6) == Z_OK) {
		fputs("<script type=\"application/octet-stream\" id=\"svgs\" "
		      "data-z=\"deflate\">",
		    f);
		put_base64(f, z, zlen);
		fputs("</script>\n", f);
		free(z);
		return;
	}
	free(z);
#endif
	fputs("<script type=\"text/plain\" id=\"svgs\">", f);
	fwrite(all, 1, len, f);
	fputs("</script>\n", f);
}

static int
write_page(struct sc_html *h)
{
	const char *base, *s, *e, *p, *nl;
	char *svg, *all = NULL;
	size_t svglen, alllen = 0, i, found = 0;
	FILE *f = h->pagef, *m;

	if (render(h, &svg, &svglen) != 0) {
		free(svg);
		return (1);
	}
	base = strrchr(h->sc->file, '/');
	base = base != NULL ? base + 1 : h->sc->file;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	      "charset=\"utf-8\">\n<title>shmsim: ",
	    f);
	html_text(f, base);
	fprintf(f, "</title>\n<style>%s</style>\n</head><body>\n", page_css);
	fputs("<header><h1>shmsim: ", f);
	html_text(f, base);
	fputs(
	    "</h1><button id=\"first\" title=\"Home\">&#x25C0;&#x25C0; first</button>"
	    "<button id=\"prev\" title=\"left arrow\">&#x25C0; back</button>"
	    "<button id=\"next\" title=\"right arrow\">next &#x25B6;"
	    "</button><button id=\"last\" title=\"End\">last &#x25B6;&#x25B6;</button>"
	    "<input id=\"slider\" type=\"range\" min=\"1\" value=\"1\" "
	    "aria-label=\"step\"><span id=\"pos\"></span></header>\n"
	    "<main><section id=\"src\"><pre id=\"code\"></pre></section>\n"
	    "<section id=\"state\"><div id=\"what\"></div><div "
	    "id=\"fails\"></div><div id=\"sched\"></div><div "
	    "id=\"pic\"></div><ul id=\"changes\"></ul></section></main>\n",
	    f);
	fputs(page_legend, f);

	/* The data. */
	fputs("<script type=\"application/json\" id=\"data\">{\"file\":", f);
	json_cstr(f, h->sc->file);
	fputs(",\"src\":[", f);
	for (s = h->src, e = h->src + h->srclen, i = 0; s < e; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(e - s));
		if (nl == NULL)
			nl = e;
		fputs(i++ > 0 ? "," : "", f);
		json_str(f, s,
		    (size_t)(nl - s) - (nl > s && nl[-1] == '\r' ? 1 : 0));
	}
	fputs("],\"steps\":[", f);
	for (i = 0; i < h->nsteps; i++)
		fprintf(f, "%s%s\n", i > 0 ? "," : "", h->steps[i]);
	fputs("],\"end\":[", f);
	take_trace(h);
	if (fflush(h->pfail) != 0)
		oom();
	fprintf(f, "%.*s", (int)h->pflen, h->pfbuf != NULL ? h->pfbuf : "");
	fputs("]}</script>\n", f);

	/* The pictures: the SVGs, packed. */
	m = xmemstream(&all, &alllen);
	for (p = svg, i = 0; p != NULL && i < h->ngraphs; i++) {
		s = strstr(p, "<svg");
		e = s != NULL ? strstr(s, "</svg>") : NULL;
		if (e == NULL)
			break;
		e += 6;
		put_svg(m, s, (size_t)(e - s));
		found++;
		p = e;
	}
	free(svg);
	if (fclose(m) != 0)
		oom();
	if (found != h->ngraphs) {
		fprintf(stderr,
		    "shmsim: --html: dot drew %zu of the %zu states\n", found,
		    h->ngraphs);
		free(all);
		return (1);
	}
	put_pictures(f, all, alllen);
	free(all);
	fprintf(f, "<script>%s</script>\n</body></html>\n", page_js);
	return (0);
}

/* ---------------------------------------------------------------- API */

struct sc_html *
sc_html_begin(const struct sc_script *sc, const char *src, size_t srclen,
    const char *page, FILE *out, bool quiet, struct shmsim_explorer *e,
    int *statusp)
{
	struct sc_html *h;
	char *dot;
	int i;

	dot = find_dot();
	if (dot == NULL) {
		fprintf(stderr,
		    "shmsim: --html needs Graphviz's dot to draw the states, "
		    "and %s\n"
		    "(install the graphviz package; SHMSIM_DOT names the "
		    "program)\n",
		    getenv("SHMSIM_DOT") != NULL && *getenv("SHMSIM_DOT") ?
			"$SHMSIM_DOT is not executable" :
			"there is no dot in $PATH");
		*statusp = 2;
		return (NULL);
	}
	h = xrealloc(NULL, sizeof(*h));
	memset(h, 0, sizeof(*h));
	h->dot = dot;
	h->pagef = fopen(page, "w");
	if (h->pagef == NULL) {
		fprintf(stderr, "shmsim: %s: %s\n", page, strerror(errno));
		free(dot);
		free(h);
		*statusp = 2;
		return (NULL);
	}
	h->sc = sc;
	h->src = src;
	h->srclen = srclen;
	h->page = page;
	h->out = out;
	h->quiet = quiet;
	h->e = e;
	for (i = 0; i < sc->nstmts; i++)
		if (sc->stmts[i].line > h->maxline)
			h->maxline = sc->stmts[i].line;
	h->byline =
	    xrealloc(NULL, ((size_t)h->maxline + 1) * sizeof(*h->byline));
	memset(h->byline, 0, ((size_t)h->maxline + 1) * sizeof(*h->byline));
	for (i = 0; i < sc->nstmts; i++)
		h->byline[sc->stmts[i].line] = &sc->stmts[i];
	h->trace = xmemstream(&h->tbuf, &h->tlen);
	h->pend = xmemstream(&h->pbuf, &h->plen);
	h->pfail = xmemstream(&h->pfbuf, &h->pflen);
	if (e != NULL)
		shmsim_explorer_observe(e, observe, h);
	*statusp = 0;
	return (h);
}

void
sc_html_prepare(struct sc_html *h, struct sc_run_opts *ro,
    struct sc_hooks *hooks)
{
	ro->out = h->trace;
	ro->quiet = false;
	memset(hooks, 0, sizeof(*hooks));
	hooks->start = hook_start;
	hooks->after = hook_after;
	hooks->arg = h;
}

int
sc_html_end(struct sc_html *h)
{
	const char *line, *nl, *end;
	bool in_dump = false;
	int rc = 0;
	size_t i;

	if (h->e != NULL)
		shmsim_explorer_observe(h->e, NULL, NULL);
	if (fflush(h->trace) != 0)
		oom();
	/*
	 * The trace, as the run would have printed it; --quiet leaves out
	 * the echo, and the state a dump statement prints (from its trace
	 * line to its "counts:" line, or to the "}" ending the digraph).
	 */
	end = h->tbuf + h->tlen;
	for (line = h->tbuf; line < end; line = nl + 1) {
		const struct sc_stmt *st;
		const char *rest;
		size_t n;

		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - line);
		if (!h->quiet) {
			fprintf(h->out, "%.*s\n", (int)n, line);
			continue;
		}
		if (in_dump) {
			/* A text dump ends with its malloc: line, a Graphviz
			 * one with its closing brace (docs/dump-format.md). */
			if ((n >= 8 && strncmp(line, "malloc: ", 8) == 0) ||
			    (n == 1 && line[0] == '}'))
				in_dump = false;
			continue;
		}
		st = trace_stmt(h, line, n, &rest);
		if (st != NULL && st->kind == S_DUMP)
			in_dump = true;
		if (!echo_line(h, line, n))
			fprintf(h->out, "%.*s\n", (int)n, line);
	}
	if (h->nsteps == 0)
		/* The kernel was never made: the page shows the source. */
		add_step(h, 0, "the kernel could not be created", NULL, false);
	if (write_page(h) != 0)
		rc = 1;
	if (fclose(h->pagef) != 0) {
		fprintf(stderr, "shmsim: %s: write error\n", h->page);
		rc = 1;
	}
	if (rc != 0)
		(void)unlink(h->page); /* no half page */
	fclose(h->trace);
	fclose(h->pend);
	fclose(h->pfail);
	free(h->tbuf);
	free(h->pbuf);
	free(h->pfbuf);
	for (i = 0; i < h->nsteps; i++)
		free(h->steps[i]);
	free(h->steps);
	free(h->stepg);
	for (i = 0; i < h->ngraphs; i++)
		free(h->graphs[i]);
	free(h->graphs);
	free(h->gtab);
	free(h->prevdot);
	free(h->byline);
	free(h->dot);
	free(h);
	return (rc);
}

int
sc_html_run(const struct sc_script *sc, const char *src, size_t srclen,
    const struct sc_run_opts *o, const char *page, struct sc_totals *t)
{
	struct sc_run_opts ro = *o;
	struct sc_hooks hooks;
	struct sc_html *h;
	int status;

	h = sc_html_begin(sc, src, srclen, page, o->out, o->quiet, NULL,
	    &status);
	if (h == NULL)
		return (status);
	sc_html_prepare(h, &ro, &hooks);
	sc_run_hooked(sc, &ro, &hooks, t);
	return (sc_html_end(h));
}
