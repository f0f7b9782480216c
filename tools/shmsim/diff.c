/*
 * shmsim diff: each scenario on the model (run.c) and on the host
 * (host.c), call by call.  Both runners print the trace format of
 * run.c, "LINE  STATEMENT  # RESULT", once per call (a scenario has no
 * loops), so a call's two answers are found by its line and text.
 *
 *	  LINE  STATEMENT                 MODEL            HOST
 *	!   12  p: fstat(fd)              = size=0 ...     = size=0 ...
 *	          model: ... (full answers under a differing call)
 *	          host:  ...
 *	          differs: nlink blocks
 *
 * '!' marks different answers, '~' a call not compared: one side did
 * not run it (unsupported or not applicable on the host, an unbound
 * variable), or it is inside a par block, where each side's answer is
 * its schedule's.
 * Addresses (mmap) are equal when both are addresses.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

struct dcount {
	int same, differ, other;
};

/* The result printed for st in trace, malloc'ed, or NULL. */
static char *
find_result(const char *trace, const struct sc_stmt *st)
{
	char *head, *r = NULL;
	const char *p, *end;
	size_t hlen;
	int n;

	n = asprintf(&head, "%4d  %s  # ", st->line, st->text);
	if (n < 0)
		return (NULL);
	hlen = (size_t)n;
	for (p = trace; (p = strstr(p, head)) != NULL; p++) {
		if (p != trace && p[-1] != '\n')
			continue;
		p += hlen;
		end = strchr(p, '\n');
		if (end == NULL)
			end = p + strlen(p);
		r = strndup(p, (size_t)(end - p));
		break;
	}
	free(head);
	/* A par block's "(outcome N of M)" is not part of the answer. */
	if (r != NULL && (head = strstr(r, "  (outcome ")) != NULL)
		*head = '\0';
	return (r);
}

static bool
comparable(const char *r)
{
	return (r != NULL && strncmp(r, "not run", 7) != 0 &&
	    strncmp(r, "unsupported", 11) != 0 &&
	    strncmp(r, "not applicable", 14) != 0);
}

/* The value of key in an fstat answer "= size=0 mode=0600 ...". */
static const char *
field(const char *r, const char *key, size_t *lenp)
{
	size_t klen = strlen(key);
	const char *p = r;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == r || p[-1] == ' ') && p[klen] == '=') {
			p += klen + 1;
			*lenp = strcspn(p, " ");
			return (p);
		}
		p++;
	}
	return (NULL);
}

/*
 * Whether the answers agree; for two fstat answers, the differing
 * fields are listed in why.
 */
static bool
same_answer(const char *m, const char *h, char *why, size_t whylen)
{
	static const char *const keys[] = { "size", "mode", "uid", "gid",
		"nlink", "blocks", "blksize", "type" };
	const char *a, *b;
	size_t alen = 0, blen = 0, i, off = 0;

	why[0] = '\0';
	if (strcmp(m, h) == 0)
		return (true);
	if (strncmp(m, "= 0x", 4) == 0 && strncmp(h, "= 0x", 4) == 0)
		return (true);
	if (strncmp(m, "= size=", 7) != 0 || strncmp(h, "= size=", 7) != 0)
		return (false);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		a = field(m, keys[i], &alen);
		b = field(h, keys[i], &blen);
		if (a == NULL || b == NULL || alen != blen ||
		    memcmp(a, b, alen) != 0)
			off += (size_t)snprintf(why + off,
			    off < whylen ? whylen - off : 0, "%s%s",
			    off == 0 ? "" : " ", keys[i]);
		if (off >= whylen)
			off = whylen - 1;
	}
	return (false);
}

/* Markdown table cell: | and newlines escaped. */
static void
cell(FILE *f, const char *s)
{
	fputc(' ', f);
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s, f);
	}
	fputs(" |", f);
}

static void
diff_one(const struct sc_script *sc, const char *mtrace, const char *htrace,
    const struct sc_diff_opts *o, struct dcount *c)
{
	char why[128];
	bool any = false;
	int i;

	for (i = 0; i < sc->nstmts; i++) {
		const struct sc_stmt *st = &sc->stmts[i];
		char *m, *h;
		char mark;

		if (st->kind != S_CALL)
			continue;
		m = find_result(mtrace, st);
		h = find_result(htrace, st);
		why[0] = '\0';
		/*
		 * A call inside a par block answers as its schedule went:
		 * the model's fixed one, the host's whichever it was.
		 */
		if (!comparable(m) || !comparable(h) || st->in_par) {
			mark = '~';
			c->other++;
		} else if (same_answer(m, h, why, sizeof(why))) {
			mark = ' ';
			c->same++;
		} else {
			mark = '!';
			c->differ++;
		}
		if (o->markdown) {
			if (mark == '!') {
				char where[512];

				snprintf(where, sizeof(where), "%s:%d",
				    sc->file, st->line);
				fputc('|', o->out);
				cell(o->out, where);
				cell(o->out, st->text);
				cell(o->out, m);
				cell(o->out, h);
				fputc('\n', o->out);
			}
		} else {
			if (!any)
				fprintf(o->out, "== %s\n", sc->file);
			any = true;
			fprintf(o->out, "%c %4d  %-40.40s  %-24.24s  %-.24s\n",
			    mark, st->line, st->text, m != NULL ? m : "-",
			    h != NULL ? h : "-");
			if (mark == '!') {
				fprintf(o->out, "          model: %s\n", m);
				fprintf(o->out, "          host:  %s\n", h);
				if (why[0] != '\0')
					fprintf(o->out,
					    "          differs: %s\n", why);
			}
		}
		free(m);
		free(h);
	}
}

int
sc_diff(struct sc_script *scs, int n, const struct sc_diff_opts *o)
{
	struct sc_run_opts ro;
	struct sc_host_opts ho;
	struct sc_host_totals ht;
	struct sc_totals mt;
	struct dcount c = { 0, 0, 0 };
	char prefix[64], *mbuf, *hbuf;
	size_t mlen, hlen;
	FILE *mf, *hf;
	int i;

	memset(&ho, 0, sizeof(ho));
	ho.timeout = o->timeout;
	ho.janitor = sc_janitor_start(prefix, sizeof(prefix));
	if (ho.janitor == NULL) {
		fprintf(stderr, "shmsim: cannot start the name janitor\n");
		return (1);
	}
	ho.prefix = prefix;
	if (o->markdown)
		fprintf(o->out,
		    "| scenario:line | call | FreeBSD (model) | "
		    "this host |\n|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		mf = open_memstream(&mbuf, &mlen);
		hf = open_memstream(&hbuf, &hlen);
		if (mf == NULL || hf == NULL) {
			fprintf(stderr, "shmsim: out of memory\n");
			exit(3);
		}
		memset(&ro, 0, sizeof(ro));
		ro.out = mf;
		ro.panic_status = 1;
		memset(&mt, 0, sizeof(mt));
		sc_run(&scs[i], &ro, &mt);
		ho.out = hf;
		ho.index = i;
		memset(&ht, 0, sizeof(ht));
		sc_run_host(&scs[i], &ho, &ht);
		fclose(mf);
		fclose(hf);
		diff_one(&scs[i], mbuf, hbuf, o, &c);
		free(mbuf);
		free(hbuf);
	}
	sc_janitor_stop(ho.janitor);
	fprintf(o->out,
	    "%s%d calls: %d same, %d differ, %d not compared (not run on "
	    "one side: unsupported or not applicable on the host, an "
	    "unbound variable; or in a par block)\n",
	    o->markdown ? "\n" : "", c.same + c.differ + c.other, c.same,
	    c.differ, c.other);
	return (c.differ != 0 ? 1 : 0);
}
