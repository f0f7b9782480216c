/*
 * The scenario parser: one statement per line, tokenised and checked
 * before anything runs.  Every error is reported as
 * FILE:LINE:COLUMN: error: MESSAGE on stderr; the whole input is read so
 * that all errors (up to a limit) are shown at once.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nametab.h"
#include "scenario.h"
#include "shmsim_explore.h"

#define MAX_ERRORS 20

enum tok_kind {
	TK_END,
	TK_NAME,
	TK_INT,
	TK_STRING,
	TK_PUNCT,
	TK_ARROW,
	TK_FATARROW
};

struct tok {
	enum tok_kind kind;
	int col; /* 1-based */
	int64_t ival;
	char *sval; /* NAME text or STRING bytes (in the line's tokbuf) */
	size_t slen;
	char punct;
};

/*
 * The arena of a script: every byte its statements point to, in chunks
 * that are never reallocated, freed all at once by sc_script_free().
 * One allocation per statement part would cost more in malloc headers
 * than the parts themselves.
 */
#define ARENA_CHUNK (64 * 1024)

struct sc_arena {
	struct sc_arena *next;
	size_t used, cap;
	/* cap bytes follow, 16-aligned (sizeof is a multiple of 16). */
	size_t pad;
};

/* Names that a process must be declared for, and bound variables. */
struct name_set {
	char **names;
	/*
	 * Processes and threads: NS_ALIVE, NS_EXITED (the process exited,
	 * or its process did for a thread), NS_FORKED (forked in the par
	 * block being parsed: usable after its end), NS_EXECED (a thread
	 * whose process called exec).
	 */
	int *state;
	/*
	 * procs: -1 for a process, the index of its process for a thread.
	 * vars: the actor of the current par block that binds it, -1 for
	 * none.
	 */
	int *aux;
	/*
	 * procs: the line of the statement that set the state, and the par
	 * block (counted from 1) it was in, 0 for none; for a process, the
	 * actors of the par block being parsed that name it or its threads
	 * (a bit per actor index).
	 */
	int *line, *blk;
	uint32_t *used;
	/* procs: a process's first thread, a thread's next one (-1 ends). */
	int *link;
	int n, cap;
	struct sc_nametab tab;
};

enum { NS_ALIVE = 1, NS_EXITED, NS_FORKED, NS_EXECED };
_Static_assert(SHMSIM_MAX_ACTORS <= 32, "name_set.used has a bit per actor");

struct parser {
	const char *file;
	int line;
	int nerrors;
	bool line_failed;
	/* The tokens of the line, and the bytes of their names and strings. */
	struct tok *toks;
	int ntoks, toks_cap, pos;
	char *tokbuf;
	size_t tokbuf_len, tokbuf_cap;
	int stmts_cap;
	uint64_t data; /* string bytes so far (SC_MAX_DATA) */
	int whole;     /* audit, dump and par statements (SC_MAX_WHOLE) */
	struct sc_script *sc;
	struct name_set procs, vars, jails;
	bool spawned; /* config no longer allowed */
	uint32_t page_size;
	/*
	 * The par block being parsed: its line and column, the index its
	 * S_PAR statement has in the script (-1 when the par line itself
	 * had an error), its actors so far, and the actor of the call
	 * being parsed (-1 outside a block).
	 */
	bool in_par;
	int par_line, par_col, par_index;
	char *actors[SHMSIM_MAX_ACTORS];
	int nactors;
	int cur_actor;
	/* The variables bound in the block (their vars.aux is set). */
	int *bound;
	int nbound, bound_cap;
};

static void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	return (p);
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n == 0 ? 1 : n);
	if (p == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	return (p);
}

static char *
xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return (d);
}

/* n bytes from the script's arena, 8-aligned; never fails (exit 3). */
static void *
aalloc(struct parser *p, size_t n)
{
	struct sc_arena **ap = &p->sc->arena, *a = *ap, *c;

	n = (n + 7) & ~(size_t)7;
	if (a != NULL && a->cap - a->used >= n) {
		void *r = (char *)(a + 1) + a->used;

		a->used += n;
		return (r);
	}
	if (n > ARENA_CHUNK / 4) {
		/* Its own chunk, behind the current one, which stays. */
		c = xmalloc(sizeof(*c) + n);
		c->cap = c->used = n;
		if (a != NULL) {
			c->next = a->next;
			a->next = c;
		} else {
			c->next = NULL;
			*ap = c;
		}
		return (c + 1);
	}
	c = xmalloc(sizeof(*c) + ARENA_CHUNK);
	c->cap = ARENA_CHUNK;
	c->used = n;
	c->next = a;
	*ap = c;
	return (c + 1);
}

static char *
astrndup(struct parser *p, const char *s, size_t n)
{
	char *d = aalloc(p, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return (d);
}

static char *
astrdup(struct parser *p, const char *s)
{
	return (astrndup(p, s, strlen(s)));
}

static void *
amemdup(struct parser *p, const void *s, size_t n)
{
	void *d = aalloc(p, n);

	memcpy(d, s, n);
	return (d);
}

static void
perr(struct parser *p, int col, const char *fmt, ...)
{
	va_list ap;

	if (p->line_failed)
		return;
	p->line_failed = true;
	p->nerrors++;
	if (p->nerrors > MAX_ERRORS)
		return;
	fprintf(stderr, "%s:%d:%d: error: ", p->file, p->line, col);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------ names */

static const char *
set_nameof(const void *ctx, int i)
{
	return (((const struct name_set *)ctx)->names[i]);
}

static int
set_find(const struct name_set *s, const char *name)
{
	return (sc_nametab_find(&s->tab, name, set_nameof, s));
}

static int
set_add(struct name_set *s, const char *name, int state)
{
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 8 : s->cap * 2;
		s->names = xrealloc(s->names, (size_t)s->cap * sizeof(char *));
		s->state = xrealloc(s->state, (size_t)s->cap * sizeof(int));
		s->aux = xrealloc(s->aux, (size_t)s->cap * sizeof(int));
		s->line = xrealloc(s->line, (size_t)s->cap * sizeof(int));
		s->blk = xrealloc(s->blk, (size_t)s->cap * sizeof(int));
		s->used = xrealloc(s->used, (size_t)s->cap * sizeof(uint32_t));
		s->link = xrealloc(s->link, (size_t)s->cap * sizeof(int));
	}
	s->names[s->n] = xstrndup(name, strlen(name));
	s->state[s->n] = state;
	s->aux[s->n] = -1;
	s->line[s->n] = 0;
	s->blk[s->n] = 0;
	s->used[s->n] = 0;
	s->link[s->n] = -1;
	sc_nametab_add(&s->tab, s->names[s->n], s->n, set_nameof, s);
	return (s->n++);
}

static void
set_free(struct name_set *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
	free(s->state);
	free(s->aux);
	free(s->line);
	free(s->blk);
	free(s->used);
	free(s->link);
	sc_nametab_free(&s->tab);
}

/* Forget the block's bindings (vars.aux), at its par and its end. */
static void
block_vars_reset(struct parser *p)
{
	int i;

	for (i = 0; i < p->nbound; i++)
		p->vars.aux[p->bound[i]] = -1;
	p->nbound = 0;
}

/* ------------------------------------------------------------ lexer */

static void
tok_push(struct parser *p, struct tok *t)
{
	if (p->ntoks == p->toks_cap) {
		p->toks_cap = p->toks_cap == 0 ? 64 : p->toks_cap * 2;
		p->toks = xrealloc(p->toks, (size_t)p->toks_cap * sizeof(*t));
	}
	p->toks[p->ntoks++] = *t;
}

/* The next line's tokens replace these (the buffers are kept). */
static void
toks_reset(struct parser *p)
{
	p->ntoks = 0;
	p->pos = 0;
	p->tokbuf_len = 0;
}

/* n bytes of tokbuf, which lex_line() made large enough for the line. */
static char *
tokbuf_take(struct parser *p, size_t n)
{
	char *r = p->tokbuf + p->tokbuf_len;

	p->tokbuf_len += n;
	return (r);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* An integer literal at s[*i]; decimal, 0x hex, 0 octal, K/M/G/T. */
static bool
lex_int(struct parser *p, const char *s, size_t len, size_t *i, int64_t *v)
{
	size_t start = *i;
	uint64_t x = 0, base = 10, d, shift = 0;
	bool any = false;

	if (s[*i] == '0' && *i + 1 < len &&
	    (s[*i + 1] == 'x' || s[*i + 1] == 'X')) {
		base = 16;
		*i += 2;
	} else if (s[*i] == '0') {
		base = 8;
	}
	for (; *i < len; (*i)++) {
		int c = (unsigned char)s[*i];

		if (hexval(c) < 0 || (base != 16 && !isdigit(c)))
			break;
		d = (uint64_t)hexval(c);
		if (d >= base) {
			perr(p, (int)*i + 1, "digit '%c' in an octal number",
			    c);
			return (false);
		}
		if (x > (UINT64_MAX - d) / base) {
			perr(p, (int)start + 1, "integer too large");
			return (false);
		}
		x = x * base + d;
		any = true;
	}
	if (!any && base == 16) {
		perr(p, (int)start + 1, "hex number without digits");
		return (false);
	}
	if (*i < len) {
		switch (s[*i]) {
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		case 'T':
			shift = 40;
			break;
		default:
			break;
		}
		if (shift != 0)
			(*i)++;
	}
	if (*i < len && (isalnum((unsigned char)s[*i]) || s[*i] == '_')) {
		perr(p, (int)*i + 1, "unexpected '%c' after a number", s[*i]);
		return (false);
	}
	if (shift != 0 && x > (UINT64_MAX >> shift)) {
		perr(p, (int)start + 1, "integer too large");
		return (false);
	}
	x <<= shift;
	if (x > (uint64_t)INT64_MAX + 1) {
		perr(p, (int)start + 1, "integer too large");
		return (false);
	}
	*v = (int64_t)x; /* 2^63 wraps to INT64_MIN, for -2^63 */
	return (true);
}

/* A string literal starting at the quote s[*i]. */
static bool
lex_string(struct parser *p, const char *s, size_t len, size_t *i,
    struct tok *t)
{
	size_t start = *i, n = 0;
	char *buf = p->tokbuf + p->tokbuf_len;
	int c, h1, h2;

	(*i)++;
	for (;;) {
		if (*i >= len) {
			perr(p, (int)start + 1, "unterminated string");
			return (false);
		}
		c = (unsigned char)s[(*i)++];
		if (c == '"')
			break;
		if (c == '\\') {
			if (*i >= len) {
				perr(p, (int)start + 1, "unterminated string");
				return (false);
			}
			c = (unsigned char)s[(*i)++];
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case '0':
				c = '\0';
				break;
			case '\\':
				c = '\\';
				break;
			case '"':
				c = '"';
				break;
			case 'x':
				h1 = *i < len ? hexval((unsigned char)s[*i]) :
						-1;
				h2 = *i + 1 < len ?
				    hexval((unsigned char)s[*i + 1]) :
				    -1;
				if (h1 < 0 || h2 < 0) {
					perr(p, (int)*i - 1,
					    "\\x needs two hex digits");
					return (false);
				}
				c = h1 * 16 + h2;
				*i += 2;
				break;
			default:
				perr(p, (int)*i - 1, "unknown escape '\\%c'",
				    isprint(c) ? c : '?');
				return (false);
			}
		}
		/* (A string's bytes are fewer than its source's.) */
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	(void)tokbuf_take(p, n + 1);
	t->kind = TK_STRING;
	t->sval = buf;
	t->slen = n;
	return (true);
}

static bool
lex_line(struct parser *p, const char *s, size_t len)
{
	struct tok t;
	size_t i = 0;

	/*
	 * Each token's bytes and NUL fit in its source bytes plus one, so
	 * twice the line is enough, and no token moves while the line is
	 * being lexed.
	 */
	if (p->tokbuf_cap < 2 * len + 2) {
		p->tokbuf_cap = 2 * len + 2;
		free(p->tokbuf);
		p->tokbuf = xmalloc(p->tokbuf_cap);
	}
	while (i < len) {
		int c = (unsigned char)s[i];

		memset(&t, 0, sizeof(t));
		t.col = (int)i + 1;
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c == '#')
			break;
		if (isalpha(c) || c == '_') {
			size_t st = i;

			while (i < len &&
			    (isalnum((unsigned char)s[i]) || s[i] == '_'))
				i++;
			if (i - st > SC_MAX_NAME) {
				perr(p, t.col, "name too long");
				return (false);
			}
			t.kind = TK_NAME;
			t.sval = tokbuf_take(p, i - st + 1);
			memcpy(t.sval, s + st, i - st);
			t.sval[i - st] = '\0';
			t.slen = i - st;
		} else if (isdigit(c)) {
			t.kind = TK_INT;
			if (!lex_int(p, s, len, &i, &t.ival))
				return (false);
		} else if (c == '"') {
			if (!lex_string(p, s, len, &i, &t))
				return (false);
		} else if (c == '-' && i + 1 < len && s[i + 1] == '>') {
			t.kind = TK_ARROW;
			i += 2;
		} else if (c == '=' && i + 1 < len && s[i + 1] == '>') {
			t.kind = TK_FATARROW;
			i += 2;
		} else if (c != '\0' && strchr("(),:=|+-*", c) != NULL) {
			/* (strchr finds the terminating NUL: a NUL byte in
			 * the input is not punctuation.) */
			t.kind = TK_PUNCT;
			t.punct = (char)c;
			i++;
		} else {
			if (isprint(c))
				perr(p, t.col, "unexpected character '%c'", c);
			else
				perr(p, t.col, "unexpected byte 0x%02x", c);
			return (false);
		}
		tok_push(p, &t);
	}
	memset(&t, 0, sizeof(t));
	t.kind = TK_END;
	t.col = (int)len + 1;
	tok_push(p, &t);
	return (true);
}

/* ------------------------------------------------------------ helpers */

static struct tok *
peek(struct parser *p)
{
	return (&p->toks[p->pos]);
}

static struct tok *
next(struct parser *p)
{
	struct tok *t = &p->toks[p->pos];

	if (t->kind != TK_END)
		p->pos++;
	return (t);
}

static bool
is_punct(const struct tok *t, char c)
{
	return (t->kind == TK_PUNCT && t->punct == c);
}

static bool
is_word(const struct tok *t, const char *w)
{
	return (t->kind == TK_NAME && strcmp(t->sval, w) == 0);
}

static bool
expect_punct(struct parser *p, char c)
{
	struct tok *t = next(p);

	if (!is_punct(t, c)) {
		perr(p, t->col, "expected '%c'", c);
		return (false);
	}
	return (true);
}

static bool
expect_end(struct parser *p)
{
	struct tok *t = peek(p);

	if (t->kind != TK_END) {
		perr(p, t->col, "unexpected %s at the end of the statement",
		    t->kind == TK_NAME ? "word" : "token");
		return (false);
	}
	return (true);
}

/* A name usable for a process, variable or jail. */
static bool
check_new_name(struct parser *p, const struct tok *t, const char *what)
{
	if (t->kind != TK_NAME) {
		perr(p, t->col, "expected a %s name", what);
		return (false);
	}
	if (sc_is_const_name(t->sval) || shmsim_errno_from_name(t->sval) != 0) {
		perr(p, t->col, "'%s' is a constant, not a %s name", t->sval,
		    what);
		return (false);
	}
	if (strcmp(t->sval, "or") == 0) {
		perr(p, t->col, "'or' is a keyword, not a %s name", what);
		return (false);
	}
	return (true);
}

/* A new process or thread name: also unique among both, and not the
 * pagedaemon's. */
static bool
check_new_actor(struct parser *p, const struct tok *t, const char *what)
{
	int i;

	if (!check_new_name(p, t, what))
		return (false);
	if (strcmp(t->sval, SC_PAGEDAEMON) == 0) {
		perr(p, t->col,
		    "'%s' names the pagedaemon (pagedaemon: "
		    "pageout), not a %s",
		    t->sval, what);
		return (false);
	}
	if ((i = set_find(&p->procs, t->sval)) >= 0) {
		perr(p, t->col, "%s '%s' already exists",
		    p->procs.aux[i] < 0 ? "process" : "thread", t->sval);
		return (false);
	}
	return (true);
}

/* A live process name. */
static bool
check_proc(struct parser *p, const struct tok *t)
{
	int i;

	if (t->kind != TK_NAME) {
		perr(p, t->col, "expected a process name");
		return (false);
	}
	i = set_find(&p->procs, t->sval);
	if (i < 0) {
		perr(p, t->col, "unknown process '%s' (spawn it first)",
		    t->sval);
		return (false);
	}
	switch (p->procs.state[i]) {
	case NS_ALIVE:
		return (true);
	case NS_FORKED:
		perr(p, t->col,
		    "process '%s' is forked in this par block (line %d): "
		    "name it after 'end'",
		    t->sval, p->procs.line[i]);
		return (false);
	case NS_EXECED:
		perr(p, t->col,
		    "thread '%s' has ended (its process '%s' called exec "
		    "on line %d)",
		    t->sval, p->procs.names[p->procs.aux[i]], p->procs.line[i]);
		return (false);
	default:
		break;
	}
	if (p->in_par && p->procs.blk[i] == p->sc->npar)
		perr(p, t->col,
		    "%s '%s' %s in this par block (line %d): no other "
		    "statement of the block may name it",
		    p->procs.aux[i] >= 0 ? "thread" : "process", t->sval,
		    p->procs.aux[i] >= 0 ? "ends: its process exits" : "exits",
		    p->procs.line[i]);
	else if (p->procs.aux[i] >= 0)
		perr(p, t->col,
		    "thread '%s' has ended (its process "
		    "'%s' exited)",
		    t->sval, p->procs.names[p->procs.aux[i]]);
	else
		perr(p, t->col, "process '%s' has exited", t->sval);
	return (false);
}

/* The process of a live process or thread name (its index in procs). */
static int
proc_of(struct parser *p, const char *name)
{
	int i = set_find(&p->procs, name);

	return (i < 0 || p->procs.aux[i] < 0 ? i : p->procs.aux[i]);
}

/*
 * Inside a par block: the current actor names the process of the live
 * process or thread name (as the caller, or as sendfd's destination).
 */
static void
note_use(struct parser *p, const char *name)
{
	int i;

	if (!p->in_par || p->cur_actor < 0)
		return;
	if ((i = proc_of(p, name)) >= 0)
		p->procs.used[i] |= UINT32_C(1) << p->cur_actor;
}

/* ------------------------------------------------------------ expressions */

/*
 * The bytes of string repetition "s"*count: count is at most
 * SC_MAX_REPEAT and the result at most SC_MAX_STRING bytes (checked
 * before any work, so that ""*1T is refused at once, as is "x"*1T).
 */
static bool
repeat_ok(struct parser *p, const struct tok *nt, size_t slen, int64_t count)
{
	if (count < 0 || count > SC_MAX_REPEAT) {
		perr(p, nt->col, "repeat count %lld out of range (0 to %d)",
		    (long long)count, SC_MAX_REPEAT);
		return (false);
	}
	if (slen != 0 && (uint64_t)count > SC_MAX_STRING / slen) {
		perr(p, nt->col,
		    "repeated string longer than %d bytes (%zu bytes "
		    "times %lld)",
		    SC_MAX_STRING, slen, (long long)count);
		return (false);
	}
	return (true);
}

/* total more string bytes for the file (SC_MAX_DATA). */
static bool
data_ok(struct parser *p, int col, size_t total)
{
	if (total > SC_MAX_DATA - p->data) {
		perr(p, col,
		    "the strings of this file add up to more than %d "
		    "bytes",
		    SC_MAX_DATA);
		return (false);
	}
	p->data += total;
	return (true);
}

static bool
parse_term(struct parser *p, struct sc_term *term, bool allow_string)
{
	struct tok *t = next(p);
	int64_t v;
	int vi;

	memset(term, 0, sizeof(*term));
	term->col = t->col;
	if (is_punct(t, '-') && peek(p)->kind == TK_INT) {
		t = next(p);
		term->kind = T_INT;
		term->ival = (int64_t)(0 - (uint64_t)t->ival);
		return (true);
	}
	switch (t->kind) {
	case TK_INT:
		term->kind = T_INT;
		term->ival = t->ival;
		return (true);
	case TK_NAME:
		if (strcmp(t->sval, "PAGE_SIZE") == 0) {
			term->kind = T_INT;
			term->ival = p->page_size;
			return (true);
		}
		if (sc_const_lookup(t->sval, &v)) {
			term->kind = T_INT;
			term->ival = v;
			return (true);
		}
		if (shmsim_errno_from_name(t->sval) != 0 ||
		    strcmp(t->sval, "SIGBUS") == 0 ||
		    strcmp(t->sval, "SIGSEGV") == 0) {
			perr(p, t->col, "'%s' may appear only after '=>'",
			    t->sval);
			return (false);
		}
		if ((vi = set_find(&p->vars, t->sval)) < 0) {
			perr(p, t->col,
			    "unknown name '%s' (not a constant, "
			    "and no '-> %s' binds it before)",
			    t->sval, t->sval);
			return (false);
		}
		if (p->in_par && p->vars.aux[vi] >= 0 &&
		    p->vars.aux[vi] != p->cur_actor) {
			perr(p, t->col,
			    "'%s' is bound in this par block by actor "
			    "'%s': its value here would depend on the "
			    "schedule (use it after 'end')",
			    t->sval, p->actors[p->vars.aux[vi]]);
			return (false);
		}
		term->kind = T_VAR;
		term->sval = astrndup(p, t->sval, t->slen);
		return (true);
	case TK_STRING:
		if (!allow_string) {
			perr(p, t->col, "a string is not allowed here");
			return (false);
		}
		term->kind = T_STRING;
		if (is_punct(peek(p), '*')) {
			struct tok *nt;
			size_t total, done;
			int64_t count;

			next(p);
			nt = next(p);
			if (nt->kind == TK_INT)
				count = nt->ival;
			else if (nt->kind == TK_NAME &&
			    strcmp(nt->sval, "PAGE_SIZE") == 0)
				count = p->page_size;
			else if (nt->kind == TK_NAME &&
			    sc_const_lookup(nt->sval, &count))
				;
			else {
				perr(p, nt->col,
				    "expected a repeat count "
				    "(an integer or a constant)");
				return (false);
			}
			if (!repeat_ok(p, nt, t->slen, count))
				return (false);
			total = t->slen * (size_t)count;
			if (!data_ok(p, nt->col, total))
				return (false);
			term->sval = aalloc(p, total + 1);
			/* Doubling copies: log2(count) memcpy calls. */
			done = total == 0 ? 0 : t->slen;
			if (total != 0)
				memcpy(term->sval, t->sval, t->slen);
			while (done < total) {
				size_t n =
				    done <= total - done ? done : total - done;

				memcpy(term->sval + done, term->sval, n);
				done += n;
			}
			term->sval[total] = '\0';
			term->slen = total;
		} else {
			if (!data_ok(p, t->col, t->slen))
				return (false);
			term->sval = astrndup(p, t->sval, t->slen);
			term->slen = t->slen;
		}
		return (true);
	default:
		perr(p, t->col, "expected a value");
		return (false);
	}
}

static bool
parse_expr(struct parser *p, struct sc_expr *e, bool allow_string)
{
	struct sc_term term, terms[SC_MAX_TERMS];
	size_t bytes = 0;
	bool has_str = false, has_int = false;
	char op = 0;

	memset(e, 0, sizeof(*e));
	e->col = peek(p)->col;
	for (;;) {
		if (e->nterms == SC_MAX_TERMS) {
			perr(p, peek(p)->col,
			    "expression too long (more than %d terms)",
			    SC_MAX_TERMS);
			goto fail;
		}
		if (!parse_term(p, &term, allow_string))
			goto fail;
		term.op = op;
		if (term.kind == T_STRING) {
			has_str = true;
			bytes += term.slen;
			if (bytes > SC_MAX_STRING) {
				perr(p, term.col,
				    "string longer than %d "
				    "bytes",
				    SC_MAX_STRING);
				goto fail;
			}
			if (op != 0 && op != '+') {
				perr(p, term.col,
				    "strings join only with "
				    "'+'");
				goto fail;
			}
		} else
			has_int = true;
		if (has_str && has_int) {
			perr(p, term.col, "cannot mix strings and integers");
			goto fail;
		}
		terms[e->nterms++] = term;
		if (is_punct(peek(p), '|') || is_punct(peek(p), '+') ||
		    is_punct(peek(p), '-'))
			op = next(p)->punct;
		else
			break;
	}
	e->terms = amemdup(p, terms, (size_t)e->nterms * sizeof(term));
	return (true);
fail:
	/* (What the terms point to stays in the arena until the end.) */
	e->nterms = 0;
	return (false);
}

static bool
expr_is_string(const struct sc_expr *e)
{
	return (e->nterms > 0 && e->terms[0].kind == T_STRING);
}

/* A constant integer expression (no variables), for config and state. */
static bool
const_expr_value(struct parser *p, const struct sc_expr *e, int64_t *v)
{
	uint64_t acc = 0;
	int i;

	for (i = 0; i < e->nterms; i++) {
		const struct sc_term *t = &e->terms[i];

		if (t->kind != T_INT) {
			perr(p, t->col, "expected a constant integer");
			return (false);
		}
		switch (t->op) {
		case 0:
			acc = (uint64_t)t->ival;
			break;
		case '|':
			acc |= (uint64_t)t->ival;
			break;
		case '+':
			acc += (uint64_t)t->ival;
			break;
		case '-':
			acc -= (uint64_t)t->ival;
			break;
		}
	}
	*v = (int64_t)acc;
	return (true);
}

/* ------------------------------------------------------------ statements */

static bool
parse_config(struct parser *p, struct sc_stmt *st)
{
	struct shmsim_config *cfg = &p->sc->cfg;
	struct sc_expr e;
	struct tok *k, *v;
	int64_t val;

	if (p->spawned) {
		perr(p, p->toks[0].col,
		    "config must come before the first "
		    "spawn");
		return (false);
	}
	if (peek(p)->kind == TK_END) {
		perr(p, peek(p)->col, "expected KEY=VALUE");
		return (false);
	}
	while (peek(p)->kind != TK_END) {
		k = next(p);
		if (k->kind != TK_NAME) {
			perr(p, k->col, "expected a config key");
			return (false);
		}
		if (!expect_punct(p, '='))
			return (false);
		if (strcmp(k->sval, "threads") == 0) {
			v = next(p);
			if (v->kind == TK_NAME &&
			    strcmp(v->sval, "single") == 0)
				cfg->threads = SHMSIM_THREADS_SINGLE;
			else if (v->kind == TK_NAME &&
			    strcmp(v->sval, "multi") == 0)
				cfg->threads = SHMSIM_THREADS_MULTI;
			else {
				perr(p, v->col,
				    "threads is 'single' or 'multi'");
				return (false);
			}
			continue;
		}
		if (strcmp(k->sval, "profile") == 0) {
			v = next(p);
			if (v->kind == TK_NAME &&
			    strcmp(v->sval, "current") == 0)
				cfg->profile = SHMSIM_PROFILE_CURRENT;
			else if (v->kind == TK_INT && v->ival == 2008)
				cfg->profile = SHMSIM_PROFILE_2008;
			else {
				perr(p, v->col,
				    "profile is 'current' or "
				    "'2008'");
				return (false);
			}
			continue;
		}
		if (strcmp(k->sval, "page_sizes") == 0) {
			/*
			 * pagesizes[]: the first is the base page size (it
			 * must equal page_size, given before or after), the
			 * others increasing powers of two up to 1G.
			 */
			int n = 0;

			memset(cfg->page_sizes, 0, sizeof(cfg->page_sizes));
			do {
				v = next(p);
				if (v->kind != TK_INT || v->ival <= 0 ||
				    (v->ival & (v->ival - 1)) != 0 ||
				    v->ival > (INT64_C(1) << 30) ||
				    (n > 0 &&
					(uint64_t)v->ival <=
					    cfg->page_sizes[n - 1])) {
					perr(p, v->col,
					    "expected increasing "
					    "power-of-two page sizes up to 1G");
					return (false);
				}
				if (n == SHMSIM_MAXPAGESIZES) {
					perr(p, v->col, "at most %d page sizes",
					    SHMSIM_MAXPAGESIZES);
					return (false);
				}
				cfg->page_sizes[n++] = (uint64_t)v->ival;
			} while (is_punct(peek(p), ',') && next(p));
			if (cfg->page_sizes[0] != cfg->page_size) {
				/* The first is the base page size. */
				cfg->page_size = (uint32_t)cfg->page_sizes[0];
				p->page_size = cfg->page_size;
			}
			continue;
		}
		if (!parse_expr(p, &e, false))
			return (false);
		if (!const_expr_value(p, &e, &val))
			return (false);
		if (val < 0) {
			perr(p, k->col, "%s must not be negative", k->sval);
			return (false);
		}
		if (strcmp(k->sval, "page_size") == 0) {
			if (val < 512 || val > (1 << 20) ||
			    (val & (val - 1)) != 0) {
				perr(p, k->col,
				    "page_size must be a power "
				    "of two from 512 to 1M");
				return (false);
			}
			cfg->page_size = (uint32_t)val;
			cfg->page_sizes[0] = (uint64_t)val;
			p->page_size = (uint32_t)val;
		} else if (strcmp(k->sval, "hash_buckets") == 0) {
			if (val < 1 || val > (1 << 26)) {
				perr(p, k->col,
				    "hash_buckets must be 1 to "
				    "64M");
				return (false);
			}
			cfg->hash_buckets = (uint32_t)val;
		} else if (strcmp(k->sval, "max_files") == 0 ||
		    strcmp(k->sval, "max_fds") == 0) {
			if (val < 1 || val > (1 << 24)) {
				perr(p, k->col, "%s must be 1 to 16M", k->sval);
				return (false);
			}
			if (strcmp(k->sval, "max_files") == 0)
				cfg->max_files = (int)val;
			else
				cfg->max_fds = (int)val;
		} else if (strcmp(k->sval, "swap_pages") == 0) {
			if ((uint64_t)val > (UINT64_C(1) << 40)) {
				perr(p, k->col, "swap_pages too large");
				return (false);
			}
			cfg->swap_pages = (uint64_t)val;
		} else if (strcmp(k->sval, "mem_pages") == 0) {
			cfg->mem_pages = (uint64_t)val;
		} else {
			perr(p, k->col, "unknown config key '%s'", k->sval);
			return (false);
		}
	}
	st->kind = S_CONFIG;
	return (true);
}

static bool
parse_spawn(struct parser *p, struct sc_stmt *st)
{
	struct tok *t = next(p), *k, *v;

	if (!check_new_actor(p, t, "process"))
		return (false);
	st->kind = S_SPAWN;
	st->proc = astrdup(p, t->sval);
	st->cred = aalloc(p, sizeof(*st->cred));
	shmsim_cred_init(st->cred);
	while (peek(p)->kind != TK_END) {
		k = next(p);
		if (k->kind != TK_NAME) {
			perr(p, k->col,
			    "expected uid=, gid=, groups=, "
			    "umask= or jail=");
			return (false);
		}
		if (!expect_punct(p, '='))
			return (false);
		if (strcmp(k->sval, "jail") == 0) {
			v = next(p);
			if (v->kind != TK_NAME ||
			    set_find(&p->jails, v->sval) < 0) {
				perr(p, v->col,
				    "unknown jail (declare it "
				    "with 'jail NAME')");
				return (false);
			}
			st->jail = astrdup(p, v->sval);
			continue;
		}
		if (strcmp(k->sval, "groups") == 0) {
			do {
				v = next(p);
				if (v->kind != TK_INT || v->ival < 0 ||
				    v->ival > UINT32_MAX - 1) {
					perr(p, v->col, "expected a group id");
					return (false);
				}
				if (st->cred->ngroups == SHMSIM_NGROUPS) {
					perr(p, v->col, "at most %d groups",
					    SHMSIM_NGROUPS);
					return (false);
				}
				st->cred->groups[st->cred->ngroups++] =
				    (gid_t)v->ival;
			} while (is_punct(peek(p), ',') && next(p));
			continue;
		}
		if (strcmp(k->sval, "uid") != 0 &&
		    strcmp(k->sval, "gid") != 0 &&
		    strcmp(k->sval, "umask") != 0) {
			perr(p, k->col,
			    "unknown spawn option '%s' (uid=, gid=, groups=, "
			    "umask= or jail=)",
			    k->sval);
			return (false);
		}
		v = next(p);
		if (v->kind != TK_INT || v->ival < 0) {
			perr(p, v->col,
			    "expected a non-negative integer for %s", k->sval);
			return (false);
		}
		/* ((uid_t)-1 and (gid_t)-1 mean "no change" to chown.) */
		if (strcmp(k->sval, "umask") == 0 ? v->ival > 07777 :
						    v->ival >= UINT32_MAX) {
			perr(p, v->col, "%s %lld out of range (0-%s)", k->sval,
			    (long long)v->ival,
			    strcmp(k->sval, "umask") == 0 ? "07777" :
							    "4294967294");
			return (false);
		}
		if (strcmp(k->sval, "uid") == 0)
			st->cred->uid = (uid_t)v->ival;
		else if (strcmp(k->sval, "gid") == 0)
			st->cred->gid = (gid_t)v->ival;
		else
			st->cred->umask = (mode_t)v->ival;
	}
	set_add(&p->procs, st->proc, 1);
	p->spawned = true;
	return (true);
}

static bool parse_call_args1(struct parser *p, struct sc_stmt *st,
    const struct sc_call *c);

static bool
parse_call_args(struct parser *p, struct sc_stmt *st, const struct sc_call *c)
{
	struct sc_expr args[SC_MAX_ARGS];

	/* Parsed into args, then copied: as many as there are. */
	st->args = args;
	if (!parse_call_args1(p, st, c)) {
		st->args = NULL;
		st->nargs = 0;
		return (false);
	}
	st->args = amemdup(p, args, (size_t)st->nargs * sizeof(*args));
	return (true);
}

static bool
parse_call_args1(struct parser *p, struct sc_stmt *st, const struct sc_call *c)
{
	struct tok *t;
	int i;

	if (!expect_punct(p, '('))
		return (false);
	if (is_punct(peek(p), ')')) {
		next(p);
	} else {
		for (;;) {
			if (st->nargs == c->max_args) {
				perr(p, peek(p)->col,
				    "too many arguments "
				    "for %s (at most %d)",
				    c->name, c->max_args);
				return (false);
			}
			i = st->nargs;
			if (c->args[i] == A_PROC) {
				t = next(p);
				if (!check_proc(p, t))
					return (false);
				note_use(p, t->sval);
				/* Kept as a one-term expression naming it. */
				st->args[i].terms =
				    aalloc(p, sizeof(struct sc_term));
				memset(st->args[i].terms, 0,
				    sizeof(struct sc_term));
				st->args[i].terms[0].kind = T_VAR;
				st->args[i].terms[0].sval = astrdup(p, t->sval);
				st->args[i].nterms = 1;
				st->args[i].col = t->col;
			} else if (!parse_expr(p, &st->args[i],
				       c->args[i] != A_INT))
				return (false);
			st->nargs++;
			t = next(p);
			if (is_punct(t, ')'))
				break;
			if (!is_punct(t, ',')) {
				perr(p, t->col, "expected ',' or ')'");
				return (false);
			}
		}
	}
	if (st->nargs < c->min_args) {
		perr(p, peek(p)->col,
		    "too few arguments for %s (at least "
		    "%d)",
		    c->name, c->min_args);
		return (false);
	}
	return (true);
}

/* "unknown key 'K' (the keys of NAME: A, B, ...)" */
static void
unknown_key(struct parser *p, const struct tok *k, enum sc_keyset ks,
    const char *what)
{
	const char *const *keys = sc_keyset_keys(ks);
	char list[512];
	size_t n = 0;
	int i;

	list[0] = '\0';
	for (i = 0; keys[i] != NULL && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    i == 0 ? "" : ", ", keys[i]);
	perr(p, k->col, "unknown key '%s' (the keys of %s: %s)", k->sval, what,
	    list);
}

/* KEY=VALUE ... of key set ks; what names the call or statement. */
static bool
parse_keyvals(struct parser *p, struct sc_expect *ex, enum sc_keyset ks,
    const char *what)
{
	struct sc_keyval kv, *kvs = NULL;
	struct tok *k;
	int cap = 0;
	bool ok = false;

	ex->kind = E_KEYS;
	/* "or" starts the next alternative of a call's expectation. */
	while (peek(p)->kind != TK_END &&
	    !(ks != K_STATE && is_word(peek(p), "or"))) {
		memset(&kv, 0, sizeof(kv));
		k = next(p);
		if (k->kind != TK_NAME) {
			perr(p, k->col, "expected KEY=VALUE");
			goto out;
		}
		if (sc_keyset_index(ks, k->sval) < 0) {
			unknown_key(p, k, ks, what);
			goto out;
		}
		if (!expect_punct(p, '='))
			goto out;
		kv.key = astrdup(p, k->sval);
		kv.col = k->col;
		if (ks == K_FSTAT && strcmp(k->sval, "type") == 0) {
			struct tok *v = next(p);

			if (v->kind != TK_NAME) {
				perr(p, v->col,
				    "type is reg, dir, chr, "
				    "fifo, sock or lnk");
				goto out;
			}
			kv.word = astrdup(p, v->sval);
		} else if (!parse_expr(p, &kv.val, false))
			goto out;
		if (ex->nkeys == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			kvs = xrealloc(kvs, (size_t)cap * sizeof(kv));
		}
		kvs[ex->nkeys++] = kv;
	}
	if (ex->nkeys == 0) {
		perr(p, peek(p)->col, "expected KEY=VALUE");
		goto out;
	}
	ok = true;
out:
	ex->keys = ex->nkeys == 0 ?
	    NULL :
	    amemdup(p, kvs, (size_t)ex->nkeys * sizeof(kv));
	free(kvs);
	return (ok);
}

/* One expectation form (one alternative). */
static bool
parse_one_expect(struct parser *p, struct sc_expect *ex,
    const struct sc_call *c)
{
	struct tok *t = peek(p);
	int err;

	ex->col = t->col;
	if (t->kind == TK_END) {
		perr(p, t->col, "expected an expectation after '=>'");
		return (false);
	}
	if (t->kind == TK_NAME && p->pos + 1 < p->ntoks &&
	    is_punct(&p->toks[p->pos + 1], '=')) {
		if (c == NULL || c->keys == K_NONE) {
			perr(p, t->col,
			    "KEY=VALUE expectations are for "
			    "fstat, fdinfo, mapinfo and state");
			return (false);
		}
		return (parse_keyvals(p, ex, (enum sc_keyset)c->keys, c->name));
	}
	if (is_word(t, "ok")) {
		next(p);
		ex->kind = E_OK;
	} else if (t->kind == TK_NAME &&
	    (strcmp(t->sval, "SIGBUS") == 0 ||
		strcmp(t->sval, "SIGSEGV") == 0)) {
		next(p);
		ex->kind = E_SIGNAL;
		ex->sig = t->sval[3] == 'B' ? SIGBUS : SIGSEGV;
		ex->name = astrdup(p, t->sval);
	} else if (t->kind == TK_NAME && t->sval[0] == 'E' &&
	    (err = shmsim_errno_from_name(t->sval)) != 0) {
		next(p);
		ex->kind = E_ERRNO;
		ex->err = err;
		ex->name = astrdup(p, t->sval);
	} else if (t->kind == TK_NAME && t->sval[0] == 'E' &&
	    !sc_is_const_name(t->sval) && set_find(&p->vars, t->sval) < 0 &&
	    isupper((unsigned char)t->sval[1])) {
		perr(p, t->col, "unknown errno name '%s'", t->sval);
		return (false);
	} else {
		ex->kind = E_VALUE;
		if (!parse_expr(p, &ex->val, true))
			return (false);
	}
	return (true);
}

/*
 * => EXPECT [or EXPECT ...]: alternatives only inside a par block,
 * where the outcome may depend on the schedule.
 */
static bool
parse_expect(struct parser *p, struct sc_stmt *st, const struct sc_call *c)
{
	struct sc_expect *ex = &st->expect;
	struct sc_expect *alts = NULL;
	int cap = 0;
	bool ok = false;

	if (!parse_one_expect(p, ex, c))
		return (false);
	while (is_word(peek(p), "or")) {
		if (!p->in_par) {
			perr(p, peek(p)->col,
			    "'or' alternatives are allowed only "
			    "inside a par block");
			goto out;
		}
		next(p);
		if (ex->nalts == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			alts = xrealloc(alts, (size_t)cap * sizeof(*alts));
		}
		memset(&alts[ex->nalts], 0, sizeof(*alts));
		if (!parse_one_expect(p, &alts[ex->nalts++], c))
			goto out;
	}
	ok = expect_end(p);
out:
	ex->alts = ex->nalts == 0 ?
	    NULL :
	    amemdup(p, alts, (size_t)ex->nalts * sizeof(*alts));
	free(alts);
	return (ok);
}

/*
 * Inside a par block: the index of the actor named t, added to the
 * block's actors at its first appearance.
 */
static bool
par_actor(struct parser *p, const struct tok *t)
{
	int i;

	p->cur_actor = -1;
	if (!p->in_par)
		return (true);
	for (i = 0; i < p->nactors; i++)
		if (strcmp(p->actors[i], t->sval) == 0)
			break;
	if (i == p->nactors) {
		if (p->nactors == SHMSIM_MAX_ACTORS) {
			perr(p, t->col,
			    "more than %d actors in one par "
			    "block",
			    SHMSIM_MAX_ACTORS);
			return (false);
		}
		p->actors[p->nactors++] = astrdup(p, t->sval);
	}
	p->cur_actor = i;
	return (true);
}

/*
 * -> VAR: bound after the statement, usable from the next line on.  In
 * a par block only one actor may bind a given variable, since which
 * binding came last would depend on the schedule.
 */
static bool
bind_var(struct parser *p, const char *name, int col)
{
	int i = set_find(&p->vars, name);

	if (i < 0)
		i = set_add(&p->vars, name, 1);
	if (!p->in_par)
		return (true);
	if (p->vars.aux[i] >= 0 && p->vars.aux[i] != p->cur_actor) {
		perr(p, col,
		    "'%s' is already bound in this par block by actor "
		    "'%s' (which binding comes last would depend on the "
		    "schedule)",
		    name, p->actors[p->vars.aux[i]]);
		return (false);
	}
	if (p->vars.aux[i] < 0) {
		if (p->nbound == p->bound_cap) {
			p->bound_cap =
			    p->bound_cap == 0 ? 16 : 2 * p->bound_cap;
			p->bound = xrealloc(p->bound,
			    (size_t)p->bound_cap * sizeof(int));
		}
		p->bound[p->nbound++] = i;
	}
	p->vars.aux[i] = p->cur_actor;
	return (true);
}

/*
 * pagedaemon: pageout [N] -- an extension: the simulated pagedaemon as
 * an actor of a par block, so that pageout races the other actors'
 * calls.  Outside a block it is the same as "pageout [N]".
 */
static bool
parse_pagedaemon(struct parser *p, struct sc_stmt *st, const struct tok *pt)
{
	struct tok *ct = next(p);

	if (!is_word(ct, "pageout")) {
		perr(p, ct->col,
		    "the pagedaemon only runs 'pageout [N]' "
		    "(%s: pageout [N])",
		    SC_PAGEDAEMON);
		return (false);
	}
	if (!par_actor(p, pt))
		return (false);
	st->kind = S_PAGEOUT;
	st->proc = astrdup(p, pt->sval);
	if (peek(p)->kind != TK_END) {
		st->has_n = true;
		if (!parse_expr(p, &st->n, false))
			return (false);
	}
	return (expect_end(p));
}

static bool
parse_call(struct parser *p, struct sc_stmt *st)
{
	const struct sc_call *c;
	struct tok *pt = next(p), *ct;
	int bind_col = 0;

	if (is_word(pt, SC_PAGEDAEMON)) {
		next(p); /* ':' */
		return (parse_pagedaemon(p, st, pt));
	}
	if (!check_proc(p, pt))
		return (false);
	next(p); /* ':' */
	if (!par_actor(p, pt))
		return (false);
	note_use(p, pt->sval);
	ct = next(p);
	if (ct->kind != TK_NAME) {
		perr(p, ct->col, "expected a call name");
		return (false);
	}
	st->call = sc_call_lookup(ct->sval);
	if (st->call < 0) {
		perr(p, ct->col, "unknown call '%s'", ct->sval);
		return (false);
	}
	c = &sc_calls[st->call];
	st->kind = S_CALL;
	st->proc = astrdup(p, pt->sval);
	if (!parse_call_args(p, st, c))
		return (false);
	if (peek(p)->kind == TK_ARROW) {
		struct tok *v;

		next(p);
		v = next(p);
		if (!check_new_name(p, v, "variable"))
			return (false);
		st->bind = astrdup(p, v->sval);
		bind_col = v->col;
	}
	st->expect.kind = E_IMPLICIT;
	if (peek(p)->kind == TK_FATARROW) {
		next(p);
		if (!parse_expect(p, st, c))
			return (false);
	} else if (!expect_end(p))
		return (false);
	/* Bound after the statement: usable from the next line on. */
	if (st->bind != NULL && !bind_var(p, st->bind, bind_col))
		return (false);
	return (true);
}

/*
 * fault SITE NTH [once|always] -- an extension to version 1 of the
 * language, so that fuzz cases that arm the fault plan replay
 * (docs/fuzzing.md): shmsim_fault_set(SITE, NTH, always).  NTH counts
 * the site's hits from this statement on; 0 disarms the site.
 */
static bool
parse_fault(struct parser *p, struct sc_stmt *st)
{
	struct tok *t = next(p);
	struct sc_expr e;
	int64_t nth;
	int i;

	if (t->kind != TK_NAME) {
		perr(p, t->col,
		    "expected a fault site (swap_reserve, "
		    "page_alloc, copyin, obj_alloc, pager_io)");
		return (false);
	}
	for (i = 0; i < SHMSIM_FAULT_NSITES; i++)
		if (strcmp(t->sval,
			shmsim_fault_site_name((enum shmsim_fault_site)i)) == 0)
			break;
	if (i == SHMSIM_FAULT_NSITES) {
		perr(p, t->col,
		    "unknown fault site '%s' (swap_reserve, "
		    "page_alloc, copyin, obj_alloc, pager_io)",
		    t->sval);
		return (false);
	}
	if (peek(p)->kind == TK_END) {
		perr(p, peek(p)->col, "expected the hit number NTH");
		return (false);
	}
	if (!parse_expr(p, &e, false))
		return (false);
	if (!const_expr_value(p, &e, &nth))
		return (false);
	if (nth < 0) {
		perr(p, t->col, "NTH must not be negative");
		return (false);
	}
	st->fault_always = false;
	if (is_word(peek(p), "always")) {
		next(p);
		st->fault_always = true;
	} else if (is_word(peek(p), "once"))
		next(p);
	st->kind = S_FAULT;
	st->fault_site = i;
	st->fault_nth = (uint64_t)nth;
	return (expect_end(p));
}

/* thread T of P */
static bool
parse_thread(struct parser *p, struct sc_stmt *st)
{
	struct tok *a, *of, *b;
	int pi, ti;

	a = next(p);
	if (!check_new_actor(p, a, "thread"))
		return (false);
	of = next(p);
	if (!is_word(of, "of")) {
		perr(p, of->col, "expected 'of' (thread T of P)");
		return (false);
	}
	b = next(p);
	if (!check_proc(p, b))
		return (false);
	pi = set_find(&p->procs, b->sval);
	if (p->procs.aux[pi] >= 0) {
		perr(p, b->col,
		    "'%s' is a thread, not a process (write "
		    "'thread %s of %s')",
		    b->sval, a->sval, p->procs.names[p->procs.aux[pi]]);
		return (false);
	}
	if (!expect_end(p))
		return (false);
	st->kind = S_THREAD;
	st->proc = astrdup(p, a->sval);
	st->proc2 = astrdup(p, b->sval);
	ti = set_add(&p->procs, a->sval, 1); /* (may move aux) */
	p->procs.aux[ti] = pi;
	p->procs.link[ti] = p->procs.link[pi];
	p->procs.link[pi] = ti;
	return (true);
}

/*
 * fork P C.  Forking from a thread forks its process.  Inside a par
 * block P is the actor that forks, and C, whose pid depends on the
 * schedule, may be named only after the block's end.
 */
static bool
parse_fork(struct parser *p, struct sc_stmt *st)
{
	struct tok *a, *b;
	int ci;

	a = next(p);
	if (!check_proc(p, a))
		return (false);
	b = next(p);
	if (!check_new_actor(p, b, "process"))
		return (false);
	if (!expect_end(p) || !par_actor(p, a))
		return (false);
	note_use(p, a->sval);
	st->kind = S_FORK;
	st->proc = astrdup(p, a->sval);
	st->proc2 = astrdup(p, b->sval);
	ci = set_add(&p->procs, b->sval, p->in_par ? NS_FORKED : NS_ALIVE);
	p->procs.line[ci] = p->line;
	return (true);
}

/*
 * exit P, exec P.  P is a process; its threads end with it (exec: the
 * calling thread goes on as the process, the others end, as execve()
 * does).  Inside a par block P is the actor, and the block may have no
 * other actor of P's process: the kernel first stops the process's
 * other threads (thread_single()), which the model does not simulate.
 * For exit, no other actor of the block may name P at all (a
 * sendfd(P, ...) could find it gone).
 */
static bool
parse_exit_exec(struct parser *p, struct sc_stmt *st, const struct tok *t)
{
	bool is_exit = strcmp(t->sval, "exit") == 0;
	struct tok *a;
	uint32_t others;
	int i, ai, pi;

	a = next(p);
	if (!check_proc(p, a))
		return (false);
	pi = set_find(&p->procs, a->sval);
	if (p->procs.aux[pi] >= 0) {
		perr(p, a->col,
		    "'%s' is a thread: %s takes a process (%s %s ends its "
		    "threads%s)",
		    a->sval, t->sval, t->sval, p->procs.names[p->procs.aux[pi]],
		    is_exit ? " too" : "");
		return (false);
	}
	if (!expect_end(p) || !par_actor(p, a))
		return (false);
	if (p->in_par) {
		for (ai = 0; ai < p->nactors; ai++) {
			if (ai == p->cur_actor ||
			    strcmp(p->actors[ai], SC_PAGEDAEMON) == 0 ||
			    proc_of(p, p->actors[ai]) != pi)
				continue;
			perr(p, t->col,
			    "'%s %s' inside a par block whose actor '%s' is a "
			    "thread of '%s' (the kernel stops the other "
			    "threads first, which the model does not "
			    "simulate): put the %s after 'end'",
			    t->sval, a->sval, p->actors[ai], a->sval, t->sval);
			return (false);
		}
		others = p->procs.used[pi] & ~(UINT32_C(1) << p->cur_actor);
		for (ai = 0; is_exit && others != 0; ai++)
			if ((others & (UINT32_C(1) << ai)) != 0) {
				perr(p, t->col,
				    "'exit %s' inside a par block whose actor "
				    "'%s' names '%s' too: it could find the "
				    "process gone",
				    a->sval, p->actors[ai], a->sval);
				return (false);
			}
		note_use(p, a->sval);
	}
	st->kind = is_exit ? S_EXIT : S_EXEC;
	st->proc = astrdup(p, a->sval);
	/* The process (exit) and its threads (its thread chain). */
	for (i = is_exit ? pi : p->procs.link[pi]; i >= 0;
	     i = p->procs.link[i]) {
		if (p->procs.state[i] != NS_ALIVE)
			continue;
		p->procs.state[i] = is_exit ? NS_EXITED : NS_EXECED;
		p->procs.line[i] = p->line;
		p->procs.blk[i] = p->in_par ? p->sc->npar : 0;
	}
	return (true);
}

/*
 * Inside a par block only calls (and the pagedaemon's pageout) are
 * statements; the word t starts one that is not.
 */
static bool
block_statement_ok(struct parser *p, const struct tok *t)
{
	static const char *const never[] = { "spawn", "config", "jail",
		"thread", "par", NULL };
	int i;

	for (i = 0; never[i] != NULL; i++)
		if (strcmp(t->sval, never[i]) == 0) {
			perr(p, t->col,
			    "'%s' is not allowed inside a par block "
			    "(the block started on line %d)%s",
			    t->sval, p->par_line,
			    strcmp(t->sval, "par") == 0 ?
				": blocks do not nest" :
				"");
			return (false);
		}
	if (strcmp(t->sval, "pageout") == 0) {
		perr(p, t->col,
		    "inside a par block the pagedaemon is an "
		    "actor: write '%s: pageout [N]'",
		    SC_PAGEDAEMON);
		return (false);
	}
	if (strcmp(t->sval, "audit") == 0 || strcmp(t->sval, "state") == 0 ||
	    strcmp(t->sval, "dump") == 0 || strcmp(t->sval, "fault") == 0) {
		perr(p, t->col,
		    "'%s' is not allowed inside a par block: "
		    "put it %s 'end'%s",
		    t->sval,
		    strcmp(t->sval, "fault") == 0 ? "before 'par' or after" :
						    "after",
		    strcmp(t->sval, "audit") == 0 ?
			" (the auditor also runs after every block)" :
			"");
		return (false);
	}
	return (true);
}

/* par: the start of a block; its calls follow, up to "end". */
static bool
parse_par(struct parser *p, struct sc_stmt *st, const struct tok *t)
{
	int i;

	p->in_par = true;
	p->par_line = p->line;
	p->par_col = t->col;
	p->par_index = -1;
	p->nactors = 0; /* (their names are in the arena) */
	block_vars_reset(p);
	for (i = 0; i < p->procs.n; i++)
		p->procs.used[i] = 0;
	if (!expect_end(p))
		return (false);
	st->kind = S_PAR;
	st->par_start = -1;
	st->par_end = -1;
	/* The index the statement is about to get (sc_parse). */
	p->par_index = p->sc->nstmts;
	p->sc->npar++;
	return (true);
}

/* end: the block's actors go to its S_PAR statement. */
static bool
parse_end(struct parser *p, struct sc_stmt *st, const struct tok *t)
{
	struct sc_stmt *ps;
	int i;

	if (!p->in_par) {
		perr(p, t->col, "'end' without 'par'");
		return (false);
	}
	p->in_par = false;
	p->cur_actor = -1;
	block_vars_reset(p);
	/* Children forked in the block are named from here on. */
	for (i = 0; i < p->procs.n; i++)
		if (p->procs.state[i] == NS_FORKED)
			p->procs.state[i] = NS_ALIVE;
	if (p->nactors == 0) {
		perr(p, t->col,
		    "empty par block (lines %d to %d have no "
		    "call)",
		    p->par_line, p->line);
		return (false);
	}
	if (!expect_end(p) || p->par_index < 0)
		return (false);
	st->kind = S_END;
	st->par_start = p->par_index;
	ps = &p->sc->stmts[p->par_index];
	ps->par_end = p->sc->nstmts;
	ps->actors = amemdup(p, p->actors, (size_t)p->nactors * sizeof(char *));
	ps->nactors = p->nactors;
	p->nactors = 0;
	return (true);
}

/* One more statement that looks at the whole kernel (SC_MAX_WHOLE). */
static bool
whole_ok(struct parser *p, const struct tok *t)
{
	if (p->whole == SC_MAX_WHOLE) {
		perr(p, t->col,
		    "more than %d audit, dump and par statements in one "
		    "file (each looks at the whole kernel)",
		    SC_MAX_WHOLE);
		return (false);
	}
	p->whole++;
	return (true);
}

static bool
parse_statement(struct parser *p, struct sc_stmt *st)
{
	struct tok *t = peek(p), *a;

	if (t->kind != TK_NAME) {
		perr(p, t->col, "expected a statement");
		return (false);
	}
	if (is_punct(&p->toks[1], ':'))
		return (parse_call(p, st));
	next(p);
	if (p->in_par && !block_statement_ok(p, t))
		return (false);
	if (strcmp(t->sval, "config") == 0)
		return (parse_config(p, st));
	if (strcmp(t->sval, "jail") == 0) {
		a = next(p);
		if (!check_new_name(p, a, "jail"))
			return (false);
		if (p->spawned) {
			perr(p, t->col,
			    "jails are declared before the first "
			    "spawn");
			return (false);
		}
		if (set_find(&p->jails, a->sval) >= 0) {
			perr(p, a->col, "jail '%s' already declared", a->sval);
			return (false);
		}
		set_add(&p->jails, a->sval, 1);
		st->kind = S_JAIL;
		st->jail = astrdup(p, a->sval);
		return (expect_end(p));
	}
	if (strcmp(t->sval, "spawn") == 0)
		return (parse_spawn(p, st));
	if (strcmp(t->sval, "fork") == 0)
		return (parse_fork(p, st));
	if (strcmp(t->sval, "exit") == 0 || strcmp(t->sval, "exec") == 0)
		return (parse_exit_exec(p, st, t));
	if (strcmp(t->sval, "thread") == 0)
		return (parse_thread(p, st));
	if (strcmp(t->sval, "par") == 0)
		return (whole_ok(p, t) && parse_par(p, st, t));
	if (strcmp(t->sval, "end") == 0)
		return (parse_end(p, st, t));
	if (strcmp(t->sval, "audit") == 0) {
		if (!whole_ok(p, t))
			return (false);
		st->kind = S_AUDIT;
		return (expect_end(p));
	}
	if (strcmp(t->sval, "state") == 0) {
		st->kind = S_STATE;
		if (peek(p)->kind != TK_FATARROW) {
			perr(p, peek(p)->col, "expected '=>' after state");
			return (false);
		}
		next(p);
		st->expect.col = peek(p)->col;
		return (parse_keyvals(p, &st->expect, K_STATE, "state"));
	}
	if (strcmp(t->sval, "pageout") == 0) {
		st->kind = S_PAGEOUT;
		if (peek(p)->kind != TK_END) {
			st->has_n = true;
			if (!parse_expr(p, &st->n, false))
				return (false);
		}
		return (expect_end(p));
	}
	if (strcmp(t->sval, "dump") == 0) {
		if (!whole_ok(p, t))
			return (false);
		st->kind = S_DUMP;
		if (is_word(peek(p), "dot")) {
			next(p);
			st->dot = true;
		} else if (is_word(peek(p), "text"))
			next(p);
		return (expect_end(p));
	}
	if (strcmp(t->sval, "fault") == 0)
		return (parse_fault(p, st));
	perr(p, t->col, "unknown statement '%s'", t->sval);
	return (false);
}

/* ------------------------------------------------------------ driver */

void
sc_script_free(struct sc_script *sc)
{
	struct sc_arena *a, *next;

	for (a = sc->arena; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
	free(sc->stmts);
	free(sc->file);
	memset(sc, 0, sizeof(*sc));
}

/* The trimmed source text of a line, comment dropped, for the trace. */
static char *
line_text(struct parser *p, const char *s, size_t len)
{
	size_t i, end = len;
	bool in_str = false;

	for (i = 0; i < len; i++) {
		if (in_str && s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == '"')
			in_str = !in_str;
		else if (!in_str && s[i] == '#') {
			end = i;
			break;
		}
	}
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		end--;
		len--;
	}
	while (end > 0 &&
	    (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
		end--;
	return (astrndup(p, s, end));
}

/* A narration line: first non-blank characters "##". */
static bool
is_note(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return (i + 1 < len && s[i] == '#' && s[i + 1] == '#');
}

static char *
note_text(struct parser *p, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	i += 2;
	if (i < len && s[i] == ' ')
		i++;
	while (len > i && (s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	return (astrndup(p, s + i, len - i));
}

bool
sc_parse(const char *file, const char *buf, size_t len, struct sc_script *sc)
{
	struct parser p;
	struct sc_stmt st;
	size_t off = 0, eol;
	bool only_blank, any = false;

	memset(sc, 0, sizeof(*sc));
	memset(&p, 0, sizeof(p));
	sc->file = xstrndup(file, strlen(file));
	shmsim_config_init(&sc->cfg);
	/*
	 * One host thread runs a scenario (par blocks are the explorer's
	 * fibers): no atomics unless the scenario asks for them.
	 */
	sc->cfg.threads = SHMSIM_THREADS_SINGLE;
	p.file = file;
	p.sc = sc;
	p.page_size = sc->cfg.page_size;
	if (len > SC_MAX_FILE) {
		p.line = 1;
		perr(&p, 1, "file larger than %d bytes", SC_MAX_FILE);
		len = 0;
	}
	/* A UTF-8 byte-order mark is not part of the first line. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	while (off < len) {
		const char *ls = buf + off;

		p.line++;
		p.line_failed = false;
		toks_reset(&p);
		eol = off;
		{
			const char *nl = memchr(ls, '\n', len - off);

			eol = nl == NULL ? len : (size_t)(nl - buf);
		}
		if (eol - off > SC_MAX_LINE) {
			perr(&p, SC_MAX_LINE + 1, "line longer than %d bytes",
			    SC_MAX_LINE);
			off = eol + 1;
			continue;
		}
		if (!lex_line(&p, ls, eol - off)) {
			off = eol + 1;
			continue;
		}
		only_blank = p.toks[0].kind == TK_END;
		memset(&st, 0, sizeof(st));
		st.line = p.line;
		if (only_blank && is_note(ls, eol - off)) {
			st.kind = S_NOTE;
			st.text = note_text(&p, ls, eol - off);
			st.in_par = p.in_par;
			st.actor = -1;
		} else if (!only_blank) {
			p.cur_actor = -1;
			if (!parse_statement(&p, &st)) {
				/* (What it allocated stays in the arena.) */
				off = eol + 1;
				continue;
			}
			st.text = line_text(&p, ls, eol - off);
			if (p.in_par &&
			    (st.kind == S_CALL || st.kind == S_PAGEOUT ||
				st.kind == S_FORK || st.kind == S_EXIT ||
				st.kind == S_EXEC)) {
				st.in_par = true;
				st.actor = p.cur_actor;
			}
			any = true;
		} else {
			off = eol + 1;
			continue;
		}
		if (sc->nstmts == p.stmts_cap) {
			p.stmts_cap = p.stmts_cap == 0 ? 64 : p.stmts_cap * 2;
			sc->stmts = xrealloc(sc->stmts,
			    (size_t)p.stmts_cap * sizeof(st));
		}
		sc->stmts[sc->nstmts++] = st;
		off = eol + 1;
	}
	if (p.in_par) {
		p.line = p.par_line;
		p.line_failed = false;
		perr(&p, p.par_col, "'par' without 'end'");
	}
	if (p.nerrors == 0 && !any) {
		/* Most likely a truncated or wrong file: it tests nothing. */
		p.line = 1;
		p.line_failed = false;
		perr(&p, 1, "no statements (the scenario is empty)");
	}
	if (p.nerrors > MAX_ERRORS)
		fprintf(stderr, "%s: %d more errors not shown\n", file,
		    p.nerrors - MAX_ERRORS);
	set_free(&p.procs);
	set_free(&p.vars);
	set_free(&p.jails);
	free(p.toks);
	free(p.tokbuf);
	free(p.bound);
	if (p.nerrors != 0) {
		sc_script_free(sc);
		return (false);
	}
	return (true);
}

bool
sc_expr_is_string(const struct sc_expr *e)
{
	return (expr_is_string(e));
}
