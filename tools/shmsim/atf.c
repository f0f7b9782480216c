/*
 * shmsim export --atf: scenarios as one C program of ATF test cases, in
 * the atf-c idiom of FreeBSD's tests/sys/posixshm/posixshm_test.c
 * (ATF_TC_WITH_CLEANUP, ATF_REQUIRE_EQ_MSG, ATF_TP_ADD_TCS).
 *
 * The program carries the host runtime (hostrt.h, hostrt.c, embedded at
 * build time as sc_hostrt_h and sc_hostrt_c): each scenario process is a
 * forked process driven over a socket, as under shmsim run --host, so
 * fork, credentials, descriptor passing and faults in mappings behave
 * alike.  Every call becomes hr_call() with the scenario's (FreeBSD)
 * values, followed by its expectation as an ATF check; a call the host
 * lacks skips the case (atf_tc_skip), which happens only off FreeBSD.
 * Names get the prefix "shmsim_atf_CASE_" after their leading slashes,
 * and each case's cleanup unlinks every name it may have created.
 * Statements only a model can do are left out with a comment; a par
 * block runs concurrently, as under run --host (emit_par()).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

/* hostrt_embed.c, generated from hostrt.h and hostrt.c. */
extern const unsigned char sc_hostrt_h[], sc_hostrt_c[];
extern const size_t sc_hostrt_h_len, sc_hostrt_c_len;

#define ATF_MAX_SLOTS 64

struct xproc {
	const char *name;
	int owner; /* a thread: its process's slot; -1 */
};

struct xcase {
	const struct sc_script *sc;
	FILE *out;
	char name[96];
	struct xproc procs[ATF_MAX_SLOTS];
	int nprocs;
	char **names; /* every prefixed name, for the cleanup */
	int nnames;
};

/* A C identifier from s (letters, digits, '_'). */
static void
ident(char *buf, size_t len, const char *prefix, const char *s)
{
	size_t n = strlen(prefix), i = 0;

	snprintf(buf, len, "%s", prefix);
	for (; s[i] != '\0' && n + 1 < len; i++)
		buf[n++] = isalnum((unsigned char)s[i]) ? s[i] : '_';
	buf[n] = '\0';
}

/* A C string literal of n bytes: octal escapes for all but the plain. */
static void
c_string(FILE *f, const char *s, size_t n)
{
	size_t i, col = 0;

	fputc('"', f);
	for (i = 0; i < n; i++, col++) {
		unsigned char c = (unsigned char)s[i];

		if (col >= 60) {
			fputs("\"\n\t    \"", f);
			col = 0;
		}
		if (isalnum(c) ||
		    (c != '\0' && strchr(" /._-,:;!=+*()<>[]{}#&@^~'", c)))
			fputc(c, f);
		else
			fprintf(f, "\\%03o", c);
	}
	fputc('"', f);
}

/* A comment's text: no end of comment in it. */
static void
c_comment_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (s[0] == '*' && s[1] == '/')
			fputs("* /", f);
		else if ((unsigned char)*s >= ' ')
			fputc(*s, f);
		else
			fputc(' ', f);
		if (s[0] == '*' && s[1] == '/')
			s++;
	}
}

/* An integer expression as C: left to right, modulo 2^64. */
static void
c_expr(FILE *f, const struct sc_expr *e)
{
	char id[80];
	int i;

	fputs("(int64_t)(", f);
	for (i = 1; i < e->nterms; i++)
		fputc('(', f);
	for (i = 0; i < e->nterms; i++) {
		const struct sc_term *t = &e->terms[i];

		if (i > 0)
			fprintf(f, " %c ", t->op);
		if (t->kind == T_VAR) {
			ident(id, sizeof(id), "v_", t->sval);
			fprintf(f, "(uint64_t)%s", id);
		} else
			fprintf(f, "UINT64_C(%#" PRIx64 ")", (uint64_t)t->ival);
		if (i > 0)
			fputc(')', f);
	}
	fputc(')', f);
}

/* The string an expression makes (strings only), malloc'ed. */
static char *
str_value(const struct sc_expr *e, size_t *lenp)
{
	size_t total = 0, off = 0;
	char *s;
	int i;

	for (i = 0; i < e->nterms; i++)
		total += e->terms[i].slen;
	s = calloc(total + 1, 1);
	if (s == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	for (i = 0; i < e->nterms; i++) {
		memcpy(s + off, e->terms[i].sval, e->terms[i].slen);
		off += e->terms[i].slen;
	}
	*lenp = total;
	return (s);
}

static int
slot_of(struct xcase *x, const char *name)
{
	int i;

	for (i = x->nprocs - 1; i >= 0; i--)
		if (strcmp(x->procs[i].name, name) == 0)
			return (i);
	return (-1);
}

static void
remember(struct xcase *x, const char *name)
{
	int i;

	for (i = 0; i < x->nnames; i++)
		if (strcmp(x->names[i], name) == 0)
			return;
	x->names =
	    realloc(x->names, (size_t)(x->nnames + 1) * sizeof(*x->names));
	if (x->names == NULL || (x->names[x->nnames] = strdup(name)) == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	x->nnames++;
}

/* The prefixed name (as host.c makes them), malloc'ed; false: as is. */
static bool
atf_name(struct xcase *x, const char *s, size_t len, char **outp)
{
	char prefix[128];
	size_t lead = 0, plen;
	char *out;

	snprintf(prefix, sizeof(prefix), "shmsim_atf_%s_", x->name);
	plen = strlen(prefix);
	while (lead < len && s[lead] == '/')
		lead++;
	if (lead == len || memchr(s, '\0', len) != NULL ||
	    strcmp(s + lead, ".") == 0 || strcmp(s + lead, "..") == 0) {
		*outp = NULL;
		return (false);
	}
	out = calloc(len + plen + 1, 1);
	if (out == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	memcpy(out, s, lead);
	memcpy(out + lead, prefix, plen);
	memcpy(out + lead + plen, s + lead, len - lead);
	*outp = out;
	return (true);
}

/* One alternative of an expectation as a C condition on r. */
static void
c_condition(FILE *f, const struct sc_expect *ex)
{
	const char *ok = "(r.status == HR_DONE && r.error == 0 && r.sig == 0)";
	size_t len;
	char *s;
	int i;

	switch (ex->kind) {
	case E_IMPLICIT:
	case E_OK:
		fputs(ok, f);
		break;
	case E_ERRNO:
		fprintf(f, "(r.sig == 0 && r.error == %s)", ex->name);
		break;
	case E_SIGNAL:
		fprintf(f, "(r.sig == %s)", ex->name);
		break;
	case E_VALUE:
		if (sc_expr_is_string(&ex->val)) {
			s = str_value(&ex->val, &len);
			fprintf(f,
			    "(%s && r.has_bytes && r.nbytes == %zu && "
			    "memcmp(r.bytes, ",
			    ok, len);
			c_string(f, s, len);
			fprintf(f, ", %zu) == 0)", len);
			free(s);
		} else {
			fprintf(f, "(%s && r.ret == ", ok);
			c_expr(f, &ex->val);
			fputc(')', f);
		}
		break;
	case E_KEYS:
		fprintf(f, "(%s && r.has_stat", ok);
		for (i = 0; i < ex->nkeys; i++) {
			const struct sc_keyval *kv = &ex->keys[i];
			const char *k = kv->key;

			fputs("\n\t    && ", f);
			if (kv->word != NULL) {
				fprintf(f, "xs_type_is(r.st.mode, \"%s\")",
				    kv->word);
				continue;
			}
			if (strcmp(k, "mode") == 0)
				fputs("(int64_t)(r.st.mode & 07777)", f);
			else
				fprintf(f, "(int64_t)r.st.%s", k);
			fputs(" == ", f);
			c_expr(f, &kv->val);
		}
		fputc(')', f);
		break;
	}
}

/* What emit_call() writes: the whole call, or a par block's halves. */
enum emit_mode { EM_CALL, EM_SEND, EM_CHECK };

static void
emit_call(struct xcase *x, const struct sc_stmt *st, enum emit_mode mode)
{
	const struct sc_call *c = &sc_calls[st->call];
	FILE *f = x->out;
	bool naming = strcmp(c->name, "shm_open") == 0 ||
	    strcmp(c->name, "shm_open2") == 0 ||
	    strcmp(c->name, "shm_unlink") == 0 ||
	    strcmp(c->name, "shm_rename") == 0;
	const struct sc_expect *ex = &st->expect;
	int slot = slot_of(x, st->proc), to = -1, i;
	char id[80], upper[40];
	size_t len, k;
	char *s, *named;

	if (mode == EM_CHECK)
		goto check;
	for (i = 0; i < st->nargs; i++) {
		if (c->args[i] == A_PROC) {
			to = slot_of(x, st->args[i].terms[0].sval);
			if (to >= 0 && x->procs[to].owner >= 0)
				to = x->procs[to].owner;
			continue;
		}
		if (sc_expr_is_string(&st->args[i])) {
			s = str_value(&st->args[i], &len);
			if (naming && c->args[i] == A_PATH &&
			    !(strcmp(c->name, "shm_open2") == 0 && i == 4) &&
			    atf_name(x, s, len, &named)) {
				free(s);
				s = named;
				len = strlen(s);
				remember(x, s);
			}
			fprintf(f, "\txs_str(&a[%d], ", i);
			c_string(f, s, len);
			fprintf(f, ", %zu);\n", len);
			free(s);
		} else {
			fprintf(f, "\txs_int(&a[%d], ", i);
			c_expr(f, &st->args[i]);
			fputs(");\n", f);
		}
	}
	for (k = 0; c->name[k] != '\0' && k + 1 < sizeof(upper); k++)
		upper[k] = (char)toupper((unsigned char)c->name[k]);
	upper[k] = '\0';
	if (mode == EM_SEND) {
		fprintf(f,
		    "\tATF_REQUIRE_EQ_MSG(0, hr_send(&hr, %d, HR_%s, a, %d, "
		    "%d, &r),\n\t    \"line %d: %%s\", r.why);\n",
		    slot, upper, st->nargs, to, st->line);
		return;
	}
	fprintf(f, "\thr_call(&hr, %d, HR_%s, a, %d, %d, &r);\n", slot, upper,
	    st->nargs, to);
check:
	fprintf(f, "\txs_done(&r, %d);\n", st->line);
	/* The expectation: ATF_REQUIRE_EQ_MSG where one value says it. */
	if (ex->nalts == 0 && ex->kind == E_ERRNO) {
		fprintf(f,
		    "\tATF_REQUIRE_EQ_MSG(%s, xs_errno(&r), \"line %d: "
		    "expected %s, got %%s\", xs_got(&r, got, sizeof(got)));\n",
		    ex->name, st->line, ex->name);
	} else if (ex->nalts == 0 && ex->kind == E_SIGNAL) {
		fprintf(f,
		    "\tATF_REQUIRE_EQ_MSG(%s, r.sig, \"line %d: expected %s, "
		    "got %%s\", xs_got(&r, got, sizeof(got)));\n",
		    ex->name, st->line, ex->name);
	} else if (ex->nalts == 0 && ex->kind == E_VALUE &&
	    !sc_expr_is_string(&ex->val)) {
		fprintf(f,
		    "\tATF_REQUIRE_EQ_MSG(0, xs_errno(&r), \"line %d: "
		    "expected success, got %%s\", xs_got(&r, got, "
		    "sizeof(got)));\n",
		    st->line);
		fputs("\tATF_REQUIRE_EQ_MSG(", f);
		c_expr(f, &ex->val);
		fprintf(f,
		    ", r.ret, \"line %d: expected %%s, got %%s\",\n\t    ",
		    st->line);
		c_string(f, sc_expect_text(st), strlen(sc_expect_text(st)));
		fputs(", xs_got(&r, got, sizeof(got)));\n", f);
	} else {
		fputs("\tATF_REQUIRE_MSG(", f);
		c_condition(f, ex);
		for (i = 0; i < ex->nalts; i++) {
			fputs("\n\t    || ", f);
			c_condition(f, &ex->alts[i]);
		}
		fprintf(f,
		    ",\n\t    \"line %d: expectation not met, got %%s\", "
		    "xs_got(&r, got, sizeof(got)));\n",
		    st->line);
	}
	if (st->bind != NULL) {
		ident(id, sizeof(id), "v_", st->bind);
		fprintf(f, "\t%s = r.ret;\n", id);
	}
	fputs("\tfree(r.bytes);\n", f);
}

/*
 * A par block, as run --host runs it: each actor's next call is sent as
 * soon as its previous one has answered, and the answers are checked as
 * they come, so the processes and threads run concurrently.  The code is
 * a loop over two switches, on actor * 1000 + step: one sends a step,
 * the other checks its answer.
 */
static void
emit_par(struct xcase *x, const struct sc_stmt *ps)
{
	const struct sc_stmt *stmts = x->sc->stmts;
	int first = (int)(ps - stmts) + 1, last = ps->par_end;
	int n = ps->nactors, i, k, step, half;
	FILE *f = x->out;

	fprintf(f,
	    "\t/* The block runs concurrently: each actor's next call goes "
	    "out as\n\t * soon as its previous one has answered. */\n"
	    "\t{\n\t\tstatic const int pslot[%d] = {",
	    n);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%d", i == 0 ? " " : ", ",
		    strcmp(ps->actors[i], SC_PAGEDAEMON) == 0 ?
			-1 :
			slot_of(x, ps->actors[i]));
	fprintf(f, " };\n\t\tstatic const int pcount[%d] = {", n);
	for (i = 0; i < n; i++) {
		for (step = 0, k = first; k < last; k++)
			step += stmts[k].in_par && stmts[k].actor == i &&
			    stmts[k].kind == S_CALL;
		fprintf(f, "%s%d", i == 0 ? " " : ", ", step);
	}
	fprintf(f,
	    " };\n\t\tint pnext[%d] = { 0 }, pbusy[%d] = { 0 };\n"
	    "\t\tint pwait[%d], pidx[%d], pn, pk, pi;\n\n"
	    "\t\tfor (;;) {\n",
	    n, n, n, n);
	for (half = 0; half < 2; half++) {
		if (half == 0)
			fputs("\t\tfor (pi = 0; pi < (int)nitems(pslot); pi++) "
			      "{\n\t\t\tif (pbusy[pi] || pnext[pi] == "
			      "pcount[pi])\n\t\t\t\tcontinue;\n",
			    f);
		else
			fprintf(f,
			    "\t\tpn = 0;\n"
			    "\t\tfor (pi = 0; pi < (int)nitems(pslot); pi++)\n"
			    "\t\t\tif (pbusy[pi]) {\n"
			    "\t\t\t\tpwait[pn] = pslot[pi];\n"
			    "\t\t\t\tpidx[pn++] = pi;\n\t\t\t}\n"
			    "\t\tif (pn == 0)\n\t\t\tbreak;\n"
			    "\t\tpk = hr_wait_any(&hr, pwait, pn);\n"
			    "\t\tATF_REQUIRE_MSG(pk >= 0, \"par block of line "
			    "%d: no answer in time\");\n"
			    "\t\tpi = pidx[pk];\n"
			    "\t\thr_recv(&hr, pslot[pi], &r);\n",
			    ps->line);
		fputs("\t\tswitch (pi * 1000 + pnext[pi]) {\n", f);
		for (i = 0; i < n; i++)
			for (step = 0, k = first; k < last; k++) {
				const struct sc_stmt *st = &stmts[k];

				if (!st->in_par || st->actor != i ||
				    st->kind != S_CALL)
					continue;
				fprintf(f,
				    "\t\tcase %d: /* %d: ", i * 1000 + step++,
				    st->line);
				c_comment_text(f, st->text);
				fputs(" */\n", f);
				emit_call(x, st,
				    half == 0 ? EM_SEND : EM_CHECK);
				fputs("\t\tbreak;\n", f);
			}
		fputs("\t\t}\n", f);
		if (half == 0)
			fputs("\t\t\tpbusy[pi] = 1;\n\t\t}\n", f);
		else
			fputs("\t\tpbusy[pi] = 0;\n\t\tpnext[pi]++;\n", f);
	}
	fputs("\t\t}\n\t}\n", f);
	for (k = first; k < last; k++)
		if (stmts[k].kind == S_PAGEOUT)
			fprintf(f,
			    "\t/* %d: the pagedaemon (model only: left "
			    "out) */\n",
			    stmts[k].line);
}

static void
emit_stmt(struct xcase *x, const struct sc_stmt *st)
{
	FILE *f = x->out;
	int slot, i;

	fprintf(f, "\t/* %d: ", st->line);
	c_comment_text(f, st->text);
	fputs(" */\n", f);
	switch (st->kind) {
	case S_CALL:
		emit_call(x, st, EM_CALL);
		break;
	case S_SPAWN:
		if (st->jail != NULL) {
			fprintf(f,
			    "\tatf_tc_skip(\"line %d: jails are not "
			    "exported\");\n",
			    st->line);
			break;
		}
		slot = x->nprocs;
		x->procs[x->nprocs].name = st->proc;
		x->procs[x->nprocs++].owner = -1;
		fprintf(f,
		    "\tmemset(&cr, 0, sizeof(cr));\n"
		    "\tcr.set = geteuid() == 0;\n"
		    "\tcr.uid = %u;\n\tcr.gid = %u;\n\tcr.umask = 0%o;\n"
		    "\tcr.ngroups = %d;\n",
		    (unsigned)st->cred->uid, (unsigned)st->cred->gid,
		    (unsigned)st->cred->umask, st->cred->ngroups);
		for (i = 0; i < st->cred->ngroups; i++)
			fprintf(f, "\tcr.groups[%d] = %u;\n", i,
			    (unsigned)st->cred->groups[i]);
		fprintf(f,
		    "\tATF_REQUIRE_EQ_MSG(0, hr_spawn(&hr, %d, &cr, &r), "
		    "\"line %d: spawn: %%s\", r.why);\n",
		    slot, st->line);
		break;
	case S_FORK:
		slot = x->nprocs;
		x->procs[x->nprocs].name = st->proc2;
		x->procs[x->nprocs++].owner = -1;
		fprintf(f,
		    "\tATF_REQUIRE_EQ_MSG(0, hr_fork(&hr, %d, %d, &r), "
		    "\"line %d: fork: %%s\", r.why);\n",
		    slot_of(x, st->proc), slot, st->line);
		break;
	case S_THREAD:
		i = slot_of(x, st->proc2);
		slot = x->nprocs;
		x->procs[x->nprocs].name = st->proc;
		x->procs[x->nprocs++].owner =
		    x->procs[i].owner >= 0 ? x->procs[i].owner : i;
		fprintf(f,
		    "\tATF_REQUIRE_EQ_MSG(0, hr_thread(&hr, %d, %d, &r), "
		    "\"line %d: thread: %%s\", r.why);\n",
		    i, slot, st->line);
		break;
	case S_EXIT:
		fprintf(f,
		    "\thr_exit(&hr, %d, &r);\n"
		    "\tATF_REQUIRE_EQ_MSG(HR_DONE, r.status, \"line %d: "
		    "exit: %%s\", r.why);\n",
		    slot_of(x, st->proc), st->line);
		break;
	case S_JAIL:
		fprintf(f,
		    "\tatf_tc_skip(\"line %d: jails are not exported\");\n",
		    st->line);
		break;
	case S_EXEC:
		fprintf(f,
		    "\tatf_tc_skip(\"line %d: exec is not exported yet\");\n",
		    st->line);
		break;
	case S_PAR:
		emit_par(x, st);
		break;
	case S_END:
		break;
	case S_NOTE:
		break;
	case S_CONFIG:
	case S_AUDIT:
	case S_STATE:
	case S_PAGEOUT:
	case S_DUMP:
	case S_FAULT:
	default:
		fputs("\t/* (model only: left out) */\n", f);
		break;
	}
}

static void
emit_case(struct xcase *x)
{
	const struct sc_script *sc = x->sc;
	FILE *f = x->out, *vf;
	bool root = false;
	char id[80], *voids = NULL;
	size_t vlen = 0;
	int i, j;

	for (i = 0; i < sc->nstmts; i++) {
		const struct sc_stmt *st = &sc->stmts[i];

		if (st->kind == S_SPAWN &&
		    (st->cred->uid != 0 || st->cred->gid != 0 ||
			st->cred->ngroups != 0))
			root = true;
	}
	fprintf(f, "\nATF_TC_WITH_CLEANUP(%s);\nATF_TC_HEAD(%s, tc)\n{\n",
	    x->name, x->name);
	fputs("\tatf_tc_set_md_var(tc, \"descr\", \"%s\", ", f);
	{
		char descr[512];

		snprintf(descr, sizeof(descr), "shmsim scenario %s", sc->file);
		c_string(f, descr, strlen(descr));
	}
	fputs(");\n", f);
	if (root)
		fputs("\tatf_tc_set_md_var(tc, \"require.user\", \"root\");\n",
		    f);
	fprintf(f, "}\n\nATF_TC_BODY(%s, tc)\n{\n", x->name);
	vf = open_memstream(&voids, &vlen);
	if (vf == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	fputs("\tstruct hr_arg a[HR_MAX_ARGS];\n\tstruct hr_result r;\n"
	      "\tstruct hr_cred cr;\n\tstruct hr_run hr;\n\tchar got[256];\n",
	    f);
	for (i = 0; i < sc->nstmts; i++) {
		const struct sc_stmt *st = &sc->stmts[i];
		bool seen = false;

		if (st->bind == NULL)
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = sc->stmts[j].bind != NULL &&
			    strcmp(sc->stmts[j].bind, st->bind) == 0;
		if (!seen) {
			ident(id, sizeof(id), "v_", st->bind);
			fprintf(f, "\tint64_t %s = 0;\n", id);
			fprintf(vf, "\t(void)%s;\n", id);
		}
	}
	fputs("\n\t(void)a;\n\t(void)cr;\n\t(void)got;\n", f);
	fclose(vf);
	fputs(voids, f);
	free(voids);
	if (sc->cfg.profile == SHMSIM_PROFILE_2008) {
		fputs("\tatf_tc_skip(\"profile 2008: not today's kernel\");\n",
		    f);
		fputs("\thr_init(&hr, 10);\n", f);
	} else
		fputs("\thr_init(&hr, 10);\n", f);
	fputs("\tmemset(&r, 0, sizeof(r));\n", f);
	for (i = 0; i < sc->nstmts; i++) {
		const struct sc_stmt *st = &sc->stmts[i];

		if (x->nprocs == ATF_MAX_SLOTS &&
		    (st->kind == S_SPAWN || st->kind == S_FORK ||
			st->kind == S_THREAD)) {
			fputs("\tatf_tc_skip(\"too many processes\");\n", f);
			break;
		}
		emit_stmt(x, st);
		if (st->kind == S_PAR)
			i = st->par_end;
	}
	fputs("\thr_finish(&hr);\n}\n\n", f);
	fprintf(f, "ATF_TC_CLEANUP(%s, tc)\n{\n", x->name);
	for (i = 0; i < x->nnames; i++) {
		fputs("\t(void)shm_unlink(", f);
		c_string(f, x->names[i], strlen(x->names[i]));
		fputs(");\n", f);
	}
	fputs("}\n", f);
}

static void
emit_runtime(FILE *f)
{
	const char *inc = "#include \"hostrt.h\"\n";
	const char *c = (const char *)sc_hostrt_c, *p;

	fwrite(sc_hostrt_h, 1, sc_hostrt_h_len, f);
	fputc('\n', f);
	p = strstr(c, inc);
	if (p != NULL && (size_t)(p - c) < sc_hostrt_c_len) {
		fwrite(c, 1, (size_t)(p - c), f);
		p += strlen(inc);
		fwrite(p, 1, sc_hostrt_c_len - (size_t)(p - c), f);
	} else
		fwrite(c, 1, sc_hostrt_c_len, f);
}

static const char helpers[] =
    "\n#include <atf-c.h>\n\n"
    "#ifndef nitems\n#define nitems(x) (sizeof((x)) / sizeof((x)[0]))\n"
    "#endif\n\n"
    "/* ------------------------------------------------ checks */\n\n"
    "static void\nxs_int(struct hr_arg *a, int64_t v)\n{\n"
    "\tmemset(a, 0, sizeof(*a));\n\ta->i = v;\n}\n\n"
    "static void\nxs_str(struct hr_arg *a, const char *s, size_t len)\n{\n"
    "\tmemset(a, 0, sizeof(*a));\n\ta->is_str = 1;\n\ta->s = s;\n"
    "\ta->len = len;\n}\n\n"
    "/* The call ran (a call this host lacks skips the case). */\n"
    "static void\nxs_done(const struct hr_result *r, int line)\n{\n"
    "\tif (r->status == HR_UNSUPPORTED)\n"
    "\t\tatf_tc_skip(\"line %d: %s\", line, r->why);\n"
    "\tATF_REQUIRE_EQ_MSG(HR_DONE, r->status, \"line %d: %s\", line,\n"
    "\t    r->why);\n}\n\n"
    "/* The errno of a call: 0 on success, -1 for a signal. */\n"
    "static int\nxs_errno(const struct hr_result *r)\n{\n"
    "\treturn (r->sig != 0 ? -1 : r->error);\n}\n\n"
    "static const char *\n"
    "xs_got(const struct hr_result *r, char *buf, size_t len)\n{\n"
    "\tif (r->sig != 0)\n"
    "\t\tsnprintf(buf, len, \"signal %d\", r->sig);\n"
    "\telse if (r->error != 0)\n"
    "\t\tsnprintf(buf, len, \"errno %d (%s)\", r->error,\n"
    "\t\t    strerror(r->error));\n"
    "\telse if (r->has_stat)\n"
    "\t\tsnprintf(buf, len, \"size=%jd mode=%04o uid=%u gid=%u\",\n"
    "\t\t    (intmax_t)r->st.size, (unsigned)(r->st.mode & 07777),\n"
    "\t\t    (unsigned)r->st.uid, (unsigned)r->st.gid);\n"
    "\telse if (r->has_bytes)\n"
    "\t\tsnprintf(buf, len, \"%zu bytes \\\"%.*s\\\"\", r->nbytes,\n"
    "\t\t    (int)(r->nbytes > 40 ? 40 : r->nbytes),\n"
    "\t\t    (const char *)r->bytes);\n"
    "\telse\n"
    "\t\tsnprintf(buf, len, \"%jd\", (intmax_t)r->ret);\n"
    "\treturn (buf);\n}\n\n"
    "static int xs_type_is(uint32_t, const char *) "
    "__attribute__((__unused__));\n\n"
    "static int\nxs_type_is(uint32_t mode, const char *word)\n{\n"
    "\tstatic const struct {\n\t\tuint32_t fmt;\n\t\tconst char *w;\n"
    "\t} t[] = { { 0100000, \"reg\" }, { 0040000, \"dir\" },\n"
    "\t\t{ 0020000, \"chr\" }, { 0010000, \"fifo\" },\n"
    "\t\t{ 0140000, \"sock\" }, { 0120000, \"lnk\" } };\n"
    "\tsize_t i;\n\n"
    "\tfor (i = 0; i < sizeof(t) / sizeof(t[0]); i++)\n"
    "\t\tif (strcmp(t[i].w, word) == 0)\n"
    "\t\t\treturn ((mode & 0170000) == t[i].fmt);\n"
    "\treturn (0);\n}\n";

int
sc_export_atf(struct sc_script *scs, int n, FILE *out)
{
	struct xcase *cases;
	char base[96], id[80];
	int i, j, k;

	cases = calloc((size_t)n + 1, sizeof(*cases));
	if (cases == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	fputs("/*\n * Generated by shmsim export --atf from:\n", out);
	for (i = 0; i < n; i++) {
		fputs(" *\t", out);
		c_comment_text(out, scs[i].file);
		fputc('\n', out);
	}
	fputs(" *\n"
	      " * One ATF test case per scenario: each scenario process is "
	      "a forked\n"
	      " * process driven over a socket by the runtime below "
	      "(shmsim's\n"
	      " * hostrt.c), each call checked as the scenario expects.  "
	      "Arguments\n"
	      " * carry FreeBSD's values; the runtime translates them "
	      "elsewhere, and a\n"
	      " * call the system lacks skips the case.  Statements only "
	      "the model can\n"
	      " * do are left out, with a comment.\n"
	      " *\n"
	      " * In FreeBSD's tree: save as "
	      "tests/sys/posixshm/shmsim_test.c and add\n"
	      " * to tests/sys/posixshm/Makefile:\n"
	      " *\n"
	      " *\tATF_TESTS_C+=\tshmsim_test\n"
	      " *\tLIBADD.shmsim_test+=\tpthread\n"
	      " *\n"
	      " * (bsd.test.mk writes the Kyuafile; by hand it is the line\n"
	      " *\tatf_test_program{name=\"shmsim_test\"}\n"
	      " * after syntax(2) and test_suite(\"FreeBSD\").)  "
	      "Elsewhere:\n"
	      " *\tcc -o shmsim_test shmsim_test.c $(pkg-config --cflags "
	      "--libs atf-c) -lpthread\n"
	      " */\n"
	      "#ifndef _GNU_SOURCE\n#define _GNU_SOURCE\n#endif\n\n",
	    out);
	emit_runtime(out);
	fputs(helpers, out);
	for (i = 0; i < n; i++) {
		const char *file = scs[i].file, *slash = strrchr(file, '/');
		size_t len;

		snprintf(base, sizeof(base), "%s", slash ? slash + 1 : file);
		len = strlen(base);
		if (len > 4 && strcmp(base + len - 4, ".shm") == 0)
			base[len - 4] = '\0';
		ident(id, sizeof(id),
		    isalpha((unsigned char)base[0]) ? "" : "s_", base);
		/* Unique names: a number after a repeated one. */
		snprintf(cases[i].name, sizeof(cases[i].name), "%s", id);
		for (k = 2, j = 0; j < i; j++)
			if (strcmp(cases[j].name, cases[i].name) == 0) {
				snprintf(cases[i].name, sizeof(cases[i].name),
				    "%s_%d", id, k++);
				j = -1;
			}
		cases[i].sc = &scs[i];
		cases[i].out = out;
		emit_case(&cases[i]);
	}
	fputs("\nATF_TP_ADD_TCS(tp)\n{\n", out);
	for (i = 0; i < n; i++)
		fprintf(out, "\tATF_TP_ADD_TC(tp, %s);\n", cases[i].name);
	fputs("\n\treturn (atf_no_error());\n}\n", out);
	for (i = 0; i < n; i++) {
		for (j = 0; j < cases[i].nnames; j++)
			free(cases[i].names[j]);
		free(cases[i].names);
	}
	free(cases);
	return (ferror(out) ? 2 : 0);
}
