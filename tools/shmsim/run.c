/*
 * The scenario runner: one fresh kernel per script, each statement
 * executed in order, echoed with its result, its expectation checked;
 * then the final clean-up, audit and leak check.
 *
 * Trace format (stable; docs/shmsim.1 and docs/tutorial.md describe it):
 *
 *	LINE  STATEMENT  # RESULT
 *
 * where STATEMENT is the source line without its comment and RESULT is
 * "= VALUE" (an integer, "bytes", or fstat fields), an errno name, a
 * signal name, or a word for the non-call statements.  A failed
 * expectation adds
 *
 *	FILE:LINE: FAIL: expected EXPECTATION, got RESULT
 *
 * A par block prints its "par" line (its actors), then each call of the
 * block when it returns, so in the order the schedule completed them
 * (the line numbers say where each is in the file), then its "end" line
 * with the result of the audit that follows every block.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nametab.h"
#include "scenario.h"

#define SC_MAX_READ (64 * 1024 * 1024)

struct sc_proc {
	char *name;
	struct shmsim_proc *p;
	bool alive;
	int owner; /* a thread: the index of its process; -1 */
	/* A process: its first thread; a thread: the next one (-1 ends). */
	int thread;
};

struct sc_jail {
	char *name;
	struct shmsim_jail *j;
};

struct sc_var {
	char *name;
	int64_t value;
	bool bound;
};

struct runner {
	const struct sc_script *sc;
	const struct sc_run_opts *o;
	const struct sc_hooks *h; /* NULL: none */
	struct shmsim_kernel *k;
	/* (Each table is indexed by name: nametab.h.) */
	struct sc_proc *procs;
	int nprocs, procs_cap;
	struct sc_nametab proctab;
	struct sc_var *vars;
	int nvars, vars_cap;
	struct sc_nametab vartab;
	struct sc_jail *jails;
	int njails;
	struct sc_nametab jailtab;
	struct sc_totals *t;
	int ndumps;
	struct shmsim_explorer *e; /* for par blocks */
	bool dead; /* a par block deadlocked: the kernel is abandoned */
};

/* One actor of a par block: its statements are those of the block
 * (first to last, exclusive) whose actor is idx. */
struct actor {
	struct runner *r;
	int first, last, idx;
};

struct result {
	int error;
	int64_t ret;
	int sig;
	bool hex; /* an address (mmap): printed in hex */
	bool has_bytes;
	unsigned char *bytes;
	size_t nbytes;
	bool has_stat;
	struct shmsim_stat st;
	/* fdinfo, mapinfo: the values of the set's keys, in its order. */
	enum sc_keyset keyset;
	int64_t kv[SC_MAX_KEYS];
};

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	return (p);
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s);
	char *d = xcalloc(n + 1, 1);

	memcpy(d, s, n);
	return (d);
}

static const char *
proc_nameof(const void *ctx, int i)
{
	return (((const struct runner *)ctx)->procs[i].name);
}

static const char *
var_nameof(const void *ctx, int i)
{
	return (((const struct runner *)ctx)->vars[i].name);
}

static const char *
jail_nameof(const void *ctx, int i)
{
	return (((const struct runner *)ctx)->jails[i].name);
}

/* (The parser keeps process and thread names unique, exited or not.) */
static struct sc_proc *
proc_find(struct runner *r, const char *name)
{
	int i = sc_nametab_find(&r->proctab, name, proc_nameof, r);

	return (i >= 0 && r->procs[i].alive ? &r->procs[i] : NULL);
}

/*
 * A name for a simulated process's handle: the process itself (owner -1),
 * or a thread of the process at procs[owner], which shares its handle.
 */
static struct sc_proc *
proc_add_thread(struct runner *r, const char *name, struct shmsim_proc *p,
    int owner)
{
	struct sc_proc *sp;

	if (r->nprocs == r->procs_cap) {
		r->procs_cap = r->procs_cap == 0 ? 16 : 2 * r->procs_cap;
		r->procs =
		    realloc(r->procs, (size_t)r->procs_cap * sizeof(*r->procs));
		if (r->procs == NULL) {
			fprintf(stderr, "shmsim: out of memory\n");
			exit(3);
		}
	}
	sp = &r->procs[r->nprocs++];
	sp->name = xstrdup(name);
	sp->p = p;
	sp->alive = true;
	sp->owner = owner;
	sp->thread = -1;
	if (owner >= 0) {
		sp->thread = r->procs[owner].thread;
		r->procs[owner].thread = r->nprocs - 1;
	}
	sc_nametab_add(&r->proctab, sp->name, r->nprocs - 1, proc_nameof, r);
	return (sp);
}

static struct sc_proc *
proc_add(struct runner *r, const char *name, struct shmsim_proc *p)
{
	struct sc_proc *sp = proc_add_thread(r, name, p, -1);

	shmsim_proc_setname(p, name);
	return (sp);
}

static struct sc_var *
var_find(struct runner *r, const char *name, bool create)
{
	int i = sc_nametab_find(&r->vartab, name, var_nameof, r);

	if (i >= 0)
		return (&r->vars[i]);
	if (!create)
		return (NULL);
	if (r->nvars == r->vars_cap) {
		r->vars_cap = r->vars_cap == 0 ? 16 : 2 * r->vars_cap;
		r->vars =
		    realloc(r->vars, (size_t)r->vars_cap * sizeof(*r->vars));
		if (r->vars == NULL) {
			fprintf(stderr, "shmsim: out of memory\n");
			exit(3);
		}
	}
	r->vars[r->nvars].name = xstrdup(name);
	r->vars[r->nvars].bound = false;
	r->vars[r->nvars].value = 0;
	sc_nametab_add(&r->vartab, r->vars[r->nvars].name, r->nvars, var_nameof,
	    r);
	return (&r->vars[r->nvars++]);
}

static void
value_free(struct sc_value *v)
{
	free(v->owned);
	memset(v, 0, sizeof(*v));
}

/*
 * Evaluate left to right, no precedence.  Strings join with '+';
 * integers combine with '|', '+', '-' modulo 2^64.  A variable's value
 * comes from value(ctx, ...); *why gets its name when it is unbound.
 * Shared by the model's runner and the host runner (host.c).
 */
bool
sc_eval(const struct sc_expr *e, struct sc_value *v, sc_var_value_fn *value,
    void *ctx, const char **why)
{
	uint64_t acc = 0, x;
	int64_t var;
	size_t total = 0, off = 0;
	int i;

	memset(v, 0, sizeof(*v));
	if (sc_expr_is_string(e)) {
		for (i = 0; i < e->nterms; i++)
			total += e->terms[i].slen;
		v->owned = xcalloc(total + 1, 1);
		for (i = 0; i < e->nterms; i++) {
			memcpy(v->owned + off, e->terms[i].sval,
			    e->terms[i].slen);
			off += e->terms[i].slen;
		}
		v->is_str = true;
		v->s = v->owned;
		v->len = total;
		return (true);
	}
	for (i = 0; i < e->nterms; i++) {
		const struct sc_term *t = &e->terms[i];

		if (t->kind == T_VAR) {
			if (!value(ctx, t->sval, &var)) {
				*why = t->sval;
				return (false);
			}
			x = (uint64_t)var;
		} else
			x = (uint64_t)t->ival;
		switch (t->op) {
		case 0:
			acc = x;
			break;
		case '|':
			acc |= x;
			break;
		case '+':
			acc += x;
			break;
		case '-':
			acc -= x;
			break;
		}
	}
	v->i = (int64_t)acc;
	return (true);
}

/* sc_var_value_fn for the model's runner. */
static bool
runner_var_value(void *ctx, const char *name, int64_t *valuep)
{
	struct sc_var *var = var_find(ctx, name, false);

	if (var == NULL || !var->bound)
		return (false);
	*valuep = var->value;
	return (true);
}

static bool
eval(struct runner *r, const struct sc_expr *e, struct sc_value *v,
    const char **why)
{
	return (sc_eval(e, v, runner_var_value, r, why));
}

/* A path or name argument as the kernel would receive the pointer. */
static const char *
arg_path(const struct sc_value *v)
{
	if (v->is_str)
		return (v->s);
	if (v->i == 0)
		return (NULL);
	if (v->i == SC_ADDR_SHM_ANON)
		return (SHMSIM_SHM_ANON);
	return (SHMSIM_BADPTR);
}

/* ------------------------------------------------------------ printing */

static void
print_bytes(FILE *f, const unsigned char *b, size_t n)
{
	size_t i, shown;
	bool same = n > 8;

	for (i = 1; same && i < n; i++)
		if (b[i] != b[0])
			same = false;
	shown = same ? 1 : (n > 48 ? 48 : n);
	fputc('"', f);
	for (i = 0; i < shown; i++) {
		if (b[i] == '"' || b[i] == '\\')
			fprintf(f, "\\%c", b[i]);
		else if (b[i] == '\n')
			fputs("\\n", f);
		else if (b[i] == '\t')
			fputs("\\t", f);
		else if (isprint(b[i]))
			fputc(b[i], f);
		else
			fprintf(f, "\\x%02x", b[i]);
	}
	fputc('"', f);
	if (same)
		fprintf(f, "*%zu", n);
	else if (shown < n)
		fprintf(f, "... (%zu bytes)", n);
}

static const char *
type_word(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0100000:
		return ("reg");
	case 0040000:
		return ("dir");
	case 0020000:
		return ("chr");
	case 0010000:
		return ("fifo");
	case 0140000:
		return ("sock");
	case 0120000:
		return ("lnk");
	default:
		return ("?");
	}
}

/* The result as the trace shows it ("= 0"), or as a failure's "got 0". */
static void
print_result(FILE *f, const struct result *res, bool trace_form)
{
	const char *eq = trace_form ? "= " : "";

	if (res->sig != 0)
		fputs(res->sig == SIGBUS ? "SIGBUS" : "SIGSEGV", f);
	else if (res->error != 0)
		fputs(shmsim_errno_name(res->error), f);
	else if (res->has_bytes) {
		fputs(eq, f);
		print_bytes(f, res->bytes, res->nbytes);
	} else if (res->has_stat)
		fprintf(f,
		    "%ssize=%jd mode=%04o uid=%u gid=%u nlink=%ju "
		    "blocks=%jd blksize=%d type=%s",
		    eq, (intmax_t)res->st.st_size,
		    (unsigned)(res->st.st_mode & 07777),
		    (unsigned)res->st.st_uid, (unsigned)res->st.st_gid,
		    (uintmax_t)res->st.st_nlink, (intmax_t)res->st.st_blocks,
		    (int)res->st.st_blksize, type_word(res->st.st_mode));
	else if (res->keyset != K_NONE) {
		const char *const *keys = sc_keyset_keys(res->keyset);
		int i;

		fputs(eq, f);
		for (i = 0; keys[i] != NULL; i++)
			fprintf(f,
			    strcmp(keys[i], "start") == 0 ||
				    strcmp(keys[i], "end") == 0 ?
				"%s%s=%#jx" :
				"%s%s=%jd",
			    i == 0 ? "" : " ", keys[i], (intmax_t)res->kv[i]);
	} else if (res->hex)
		fprintf(f, "%s%#jx", eq, (uintmax_t)res->ret);
	else
		fprintf(f, "%s%jd", eq, (intmax_t)res->ret);
}

static void trace(struct runner *r, const struct sc_stmt *st, const char *fmt,
    ...) __attribute__((__format__(__printf__, 3, 4)));

static void
trace(struct runner *r, const struct sc_stmt *st, const char *fmt, ...)
{
	va_list ap;

	if (r->o->quiet)
		return;
	fprintf(r->o->out, "%4d  %s  # ", st->line, st->text);
	va_start(ap, fmt);
	vfprintf(r->o->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->o->out);
}

static void
fail_line(struct runner *r, const struct sc_stmt *st)
{
	fprintf(r->o->out, "%s:%d: FAIL: ", r->sc->file, st->line);
}

/* The expectation as written: the text after "=>". */
static const char *
expect_text(const struct sc_stmt *st)
{
	const char *s = st->text;
	bool in_str = false;

	/* The first "=>" outside a string literal ("a=>b" is data). */
	for (; *s != '\0'; s++) {
		if (in_str && *s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '"')
			in_str = !in_str;
		else if (!in_str && s[0] == '=' && s[1] == '>')
			break;
	}
	if (*s == '\0')
		return ("success");
	s += 2;
	while (*s == ' ' || *s == '\t')
		s++;
	return (s);
}

/* The trace's printing, for the host runner (host.c). */
void
sc_print_result(FILE *f, const struct sc_result *sr, bool trace_form)
{
	struct result res;

	memset(&res, 0, sizeof(res));
	res.error = sr->error;
	res.ret = sr->ret;
	res.sig = sr->sig;
	res.hex = sr->hex;
	res.has_bytes = sr->has_bytes;
	res.bytes = (unsigned char *)(uintptr_t)sr->bytes;
	res.nbytes = sr->nbytes;
	res.has_stat = sr->has_stat;
	res.st = sr->st;
	print_result(f, &res, trace_form);
}

const char *
sc_type_word(uint32_t mode)
{
	return (type_word(mode));
}

const char *
sc_expect_text(const struct sc_stmt *st)
{
	return (expect_text(st));
}

/* ------------------------------------------------------------ calls */

/* fdinfo(fd): shmsim_fdinfo(), in the order of sc_keyset_keys(). */
static int
do_fdinfo(struct shmsim_proc *p, int fd, struct result *res)
{
	struct shmsim_fdinfo *fi = xcalloc(1, sizeof(*fi));
	int error;

	error = shmsim_fdinfo(p, fd, fi);
	if (error == 0) {
		const int64_t v[] = { fi->f_count, fi->f_flag, fi->f_offset,
			(fi->fd_flags & SHMSIM_FD_CLOEXEC) != 0, fi->shm_refs,
			fi->size, fi->named, fi->obj_ref_count,
			(int64_t)fi->writemappings, (int64_t)fi->resident,
			(int64_t)fi->charge };

		memcpy(res->kv, v, sizeof(v));
		res->keyset = K_FDINFO;
	}
	free(fi);
	return (error);
}

/* mapinfo(addr): shmsim_mapinfo(), in the order of sc_keyset_keys(). */
static int
do_mapinfo(struct shmsim_proc *p, uint64_t addr, struct result *res)
{
	struct shmsim_mapinfo mi;
	int error;

	error = shmsim_mapinfo(p, addr, &mi);
	if (error == 0) {
		const int64_t v[] = { (int64_t)mi.start, (int64_t)mi.end,
			(int64_t)mi.offset, mi.protection, mi.max_protection,
			mi.cow, mi.needs_copy, mi.ref_count,
			(int64_t)mi.writemappings, mi.shadow_count,
			(int64_t)mi.resident, mi.shm_refs, mi.shm_size };

		memcpy(res->kv, v, sizeof(v));
		res->keyset = K_MAPINFO;
	}
	return (error);
}

static int
do_call(struct runner *r, const struct sc_stmt *st, struct shmsim_proc *p,
    const struct sc_value *a, struct result *res)
{
	const struct sc_call *c = &sc_calls[st->call];
	const char *name = c->name;
	size_t done = 0, n;
	int fd = 0, error;
	mode_t oldmask;

	if (!c->supported)
		return (ENOSYS);
	if (strcmp(name, "shm_open") == 0) {
		error = shmsim_shm_open(p, arg_path(&a[0]), (int)a[1].i,
		    (mode_t)a[2].i, &fd);
		res->ret = fd;
		return (error);
	}
	if (strcmp(name, "shm_unlink") == 0)
		return (shmsim_shm_unlink(p, arg_path(&a[0])));
	if (strcmp(name, "shm_open2") == 0) {
		error = shmsim_shm_open2(p, arg_path(&a[0]), (int)a[1].i,
		    (mode_t)a[2].i, (int)a[3].i, arg_path(&a[4]), &fd);
		res->ret = fd;
		return (error);
	}
	if (strcmp(name, "shm_rename") == 0)
		return (shmsim_shm_rename(p, arg_path(&a[0]), arg_path(&a[1]),
		    (int)a[2].i));
	if (strcmp(name, "memfd_create") == 0) {
		error = shmsim_memfd_create(p, arg_path(&a[0]),
		    (unsigned int)a[1].i, &fd);
		res->ret = fd;
		return (error);
	}
	if (strcmp(name, "fchmod") == 0)
		return (shmsim_fchmod(p, (int)a[0].i, (mode_t)a[1].i));
	if (strcmp(name, "fchown") == 0)
		return (shmsim_fchown(p, (int)a[0].i, (uid_t)a[1].i,
		    (gid_t)a[2].i));
	if (strcmp(name, "posix_fallocate") == 0)
		return (shmsim_posix_fallocate(p, (int)a[0].i, a[1].i, a[2].i));
	if (strcmp(name, "fspacectl") == 0)
		return (shmsim_fspacectl(p, (int)a[0].i, (int)a[1].i, a[2].i,
		    a[3].i, 0, NULL, NULL));
	if (strcmp(name, "ioctl") == 0)
		return (shmsim_ioctl(p, (int)a[0].i, (unsigned long)a[1].i,
		    st->nargs > 2 ? a[2].i : 0, st->nargs > 3 ? a[3].i : 0,
		    &res->ret));
	if (strcmp(name, "ftruncate") == 0)
		return (shmsim_ftruncate(p, (int)a[0].i, a[1].i));
	if (strcmp(name, "fstat") == 0) {
		error = shmsim_fstat(p, (int)a[0].i, &res->st);
		res->has_stat = error == 0;
		return (error);
	}
	if (strcmp(name, "read") == 0 || strcmp(name, "pread") == 0) {
		if (a[1].i < 0 || a[1].i > SC_MAX_READ) {
			/* Only the runner's buffer is limited. */
			return (a[1].i < 0 ? EINVAL : E2BIG);
		}
		n = (size_t)a[1].i;
		res->bytes = xcalloc(n + 1, 1);
		error = name[0] == 'r' ?
		    shmsim_read(p, (int)a[0].i, res->bytes, n, &done) :
		    shmsim_pread(p, (int)a[0].i, res->bytes, n, a[2].i, &done);
		if (error == 0) {
			res->has_bytes = true;
			res->nbytes = done;
			res->ret = (int64_t)done;
		}
		return (error);
	}
	if (strcmp(name, "write") == 0 || strcmp(name, "pwrite") == 0) {
		const void *buf = a[1].is_str ? (const void *)a[1].s :
						(const void *)arg_path(&a[1]);
		size_t len = a[1].is_str ? a[1].len : 1;

		error = name[0] == 'w' ?
		    shmsim_write(p, (int)a[0].i, buf, len, &done) :
		    shmsim_pwrite(p, (int)a[0].i, buf, len, a[2].i, &done);
		res->ret = (int64_t)done;
		return (error);
	}
	if (strcmp(name, "lseek") == 0)
		return (shmsim_lseek(p, (int)a[0].i, a[1].i, (int)a[2].i,
		    &res->ret));
	if (strcmp(name, "close") == 0)
		return (shmsim_close(p, (int)a[0].i));
	if (strcmp(name, "dup") == 0) {
		error = shmsim_dup(p, (int)a[0].i, &fd);
		res->ret = fd;
		return (error);
	}
	if (strcmp(name, "dup2") == 0) {
		error = shmsim_dup2(p, (int)a[0].i, (int)a[1].i, &fd);
		res->ret = fd;
		return (error);
	}
	if (strcmp(name, "fcntl") == 0)
		return (shmsim_fcntl(p, (int)a[0].i, (int)a[1].i,
		    st->nargs > 2 ? (intptr_t)a[2].i : 0, &res->ret));
	if (strcmp(name, "umask") == 0) {
		error = shmsim_umask(p, (mode_t)a[0].i, &oldmask);
		res->ret = oldmask;
		return (error);
	}
	if (strcmp(name, "sendfd") == 0) {
		struct sc_proc *to = proc_find(r, st->args[0].terms[0].sval);

		return (shmsim_sendfd(p, to->p, (int)a[1].i));
	}
	if (strcmp(name, "recvfd") == 0) {
		error = shmsim_recvfd(p, &fd);
		res->ret = fd;
		return (error);
	}
	if (strcmp(name, "fdinfo") == 0)
		return (do_fdinfo(p, (int)a[0].i, res));
	if (strcmp(name, "mapinfo") == 0)
		return (do_mapinfo(p, (uint64_t)a[0].i, res));
	if (strcmp(name, "mmap") == 0) {
		uint64_t addr = 0;

		error = shmsim_mmap(p, (uint64_t)a[0].i, (uint64_t)a[1].i,
		    (int)a[2].i, (int)a[3].i, (int)a[4].i, a[5].i, &addr);
		res->ret = (int64_t)addr;
		res->hex = true;
		return (error);
	}
	if (strcmp(name, "munmap") == 0)
		return (shmsim_munmap(p, (uint64_t)a[0].i, (uint64_t)a[1].i));
	if (strcmp(name, "mprotect") == 0)
		return (shmsim_mprotect(p, (uint64_t)a[0].i, (uint64_t)a[1].i,
		    (int)a[2].i));
	if (strcmp(name, "load") == 0) {
		if (a[1].i < 0 || a[1].i > SC_MAX_READ)
			return (a[1].i < 0 ? EINVAL : E2BIG);
		n = (size_t)a[1].i;
		res->bytes = xcalloc(n + 1, 1);
		error =
		    shmsim_load(p, (uint64_t)a[0].i, res->bytes, n, &res->sig);
		if (error == 0 && res->sig == 0) {
			res->has_bytes = true;
			res->nbytes = n;
			res->ret = (int64_t)n;
		}
		return (error);
	}
	if (strcmp(name, "store") == 0) {
		/* Storing from an unmapped source address faults there. */
		if (!a[1].is_str) {
			res->sig = SIGSEGV;
			return (0);
		}
		error = shmsim_store(p, (uint64_t)a[0].i, a[1].s, a[1].len,
		    &res->sig);
		if (error == 0 && res->sig == 0)
			res->ret = (int64_t)a[1].len;
		return (error);
	}
	return (ENOSYS);
}

static bool
fstat_key_ok(const char *key, int64_t want, const struct shmsim_stat *st)
{
	if (strcmp(key, "size") == 0)
		return (st->st_size == want);
	if (strcmp(key, "mode") == 0)
		return ((int64_t)(st->st_mode & 07777) == want);
	if (strcmp(key, "uid") == 0)
		return ((int64_t)st->st_uid == want);
	if (strcmp(key, "gid") == 0)
		return ((int64_t)st->st_gid == want);
	if (strcmp(key, "blksize") == 0)
		return ((int64_t)st->st_blksize == want);
	if (strcmp(key, "blocks") == 0)
		return (st->st_blocks == want);
	if (strcmp(key, "nlink") == 0)
		return ((int64_t)st->st_nlink == want);
	return (false);
}

bool
sc_fstat_key_ok(const char *key, int64_t want, const struct shmsim_stat *st)
{
	return (fstat_key_ok(key, want, st));
}

/* Whether res meets one expectation form; *unbound names an unbound
 * variable that kept it from being checked. */
static bool
expect_met(struct runner *r, const struct sc_expect *ex,
    const struct result *res, const char **unbound)
{
	struct sc_value v;
	bool ok = false;
	int i;

	switch (ex->kind) {
	case E_IMPLICIT:
	case E_OK:
		ok = res->error == 0 && res->sig == 0;
		break;
	case E_ERRNO:
		ok = res->sig == 0 && res->error == ex->err;
		break;
	case E_SIGNAL:
		ok = res->sig == ex->sig;
		break;
	case E_VALUE:
		if (!eval(r, &ex->val, &v, unbound))
			break;
		if (res->error != 0 || res->sig != 0)
			ok = false;
		else if (v.is_str)
			ok = res->has_bytes && res->nbytes == v.len &&
			    memcmp(res->bytes, v.s, v.len) == 0;
		else
			ok = res->ret == v.i;
		value_free(&v);
		break;
	case E_KEYS:
		if (res->error != 0 ||
		    (!res->has_stat && res->keyset == K_NONE))
			break;
		ok = true;
		for (i = 0; i < ex->nkeys && ok; i++) {
			const struct sc_keyval *kv = &ex->keys[i];

			if (res->keyset != K_NONE) {
				if (!eval(r, &kv->val, &v, unbound)) {
					ok = false;
					break;
				}
				ok = res->kv[sc_keyset_index(res->keyset,
					 kv->key)] == v.i;
				value_free(&v);
				continue;
			}
			if (kv->word != NULL) {
				ok = strcmp(kv->word,
					 type_word(res->st.st_mode)) == 0;
				continue;
			}
			if (!eval(r, &kv->val, &v, unbound)) {
				ok = false;
				break;
			}
			ok = fstat_key_ok(kv->key, v.i, &res->st);
			value_free(&v);
		}
		break;
	}
	return (ok);
}

/*
 * Check the expectation (any of its alternatives); on a mismatch print
 * why and return false.
 */
static bool
check_expect(struct runner *r, const struct sc_stmt *st,
    const struct result *res)
{
	const struct sc_expect *ex = &st->expect;
	const char *unbound = NULL;
	int i;

	if (expect_met(r, ex, res, &unbound))
		return (true);
	for (i = 0; i < ex->nalts; i++)
		if (expect_met(r, &ex->alts[i], res, &unbound))
			return (true);
	fail_line(r, st);
	if (unbound != NULL)
		fprintf(r->o->out,
		    "variable '%s' is unbound (the call that "
		    "binds it failed)\n",
		    unbound);
	else {
		fprintf(r->o->out, "expected %s, got ",
		    ex->kind == E_IMPLICIT ? "success" : expect_text(st));
		print_result(r->o->out, res, false);
		fputc('\n', r->o->out);
	}
	return (false);
}

static void
count(struct runner *r, bool ok)
{
	if (ok)
		r->t->passed++;
	else
		r->t->failed++;
}

/* The watcher's hooks (struct sc_hooks), when there are any. */
static void
hook_before(struct runner *r, const struct sc_stmt *st, struct shmsim_proc *p,
    const struct sc_value *args)
{
	const struct sc_hooks *h = r->h;

	if (h != NULL && h->before != NULL)
		h->before(h->arg, r->k, st, p, args);
}

static void
hook_after(struct runner *r, const struct sc_stmt *st, struct shmsim_proc *p,
    const struct sc_value *args, int error)
{
	const struct sc_hooks *h = r->h;

	if (h != NULL && h->after != NULL)
		h->after(h->arg, r->k, st, p, args, error);
}

/* A call statement; hooks: call the watcher's hooks (not in a block). */
static void
run_call(struct runner *r, const struct sc_stmt *st, bool hooks)
{
	struct sc_value a[SC_MAX_ARGS];
	struct result res;
	struct sc_proc *sp = proc_find(r, st->proc);
	const char *unbound = NULL;
	bool ok;
	int i, n = 0;

	memset(&res, 0, sizeof(res));
	memset(a, 0, sizeof(a));
	for (i = 0; i < st->nargs; i++, n++) {
		if (sc_calls[st->call].args[i] == A_PROC)
			continue;
		if (!eval(r, &st->args[i], &a[i], &unbound))
			break;
	}
	if (unbound != NULL) {
		if (hooks)
			hook_before(r, st, NULL, NULL);
		trace(r, st, "not run");
		fail_line(r, st);
		fprintf(r->o->out,
		    "variable '%s' is unbound (the call that "
		    "binds it failed)\n",
		    unbound);
		count(r, false);
		if (hooks)
			hook_after(r, st, NULL, NULL, -1);
		goto out;
	}
	if (hooks)
		hook_before(r, st, sp->p, a);
	res.error = do_call(r, st, sp->p, a, &res);
	if (!r->o->quiet) {
		fprintf(r->o->out, "%4d  %s  # ", st->line, st->text);
		print_result(r->o->out, &res, true);
		fputc('\n', r->o->out);
	}
	ok = check_expect(r, st, &res);
	count(r, ok);
	if (st->bind != NULL && res.error == 0 && res.sig == 0) {
		struct sc_var *var = var_find(r, st->bind, true);

		var->value = res.ret;
		var->bound = true;
	}
	if (hooks)
		hook_after(r, st, sp->p, a,
		    res.sig != 0 ? -res.sig : res.error);
out:
	for (i = 0; i < st->nargs; i++)
		value_free(&a[i]);
	free(res.bytes);
}

static void
run_state(struct runner *r, const struct sc_stmt *st)
{
	const struct sc_expect *ex = &st->expect;
	struct shmsim_counters c;
	struct sc_value v;
	const char *unbound = NULL;
	uint64_t got;
	bool ok = true;
	int i;

	shmsim_counters(r->k, &c);
	trace(r, st,
	    "objects=%ju shm=%ju names=%ju files=%ju pages=%ju "
	    "swapped=%ju inflight=%ju",
	    (uintmax_t)c.objects, (uintmax_t)c.shm, (uintmax_t)c.names,
	    (uintmax_t)c.files, (uintmax_t)c.pages, (uintmax_t)c.swapped,
	    (uintmax_t)c.inflight);
	for (i = 0; i < ex->nkeys; i++) {
		const char *key = ex->keys[i].key;

		if (!eval(r, &ex->keys[i].val, &v, &unbound)) {
			fail_line(r, st);
			fprintf(r->o->out, "variable '%s' is unbound\n",
			    unbound);
			ok = false;
			continue;
		}
		got = strcmp(key, "objects") == 0 ? c.objects :
		    strcmp(key, "shm") == 0	  ? c.shm :
		    strcmp(key, "names") == 0	  ? c.names :
		    strcmp(key, "files") == 0	  ? c.files :
		    strcmp(key, "pages") == 0	  ? c.pages :
		    strcmp(key, "swapped") == 0	  ? c.swapped :
						    c.inflight;
		if ((int64_t)got != v.i) {
			fail_line(r, st);
			fprintf(r->o->out, "expected %s=%jd, got %s=%ju\n", key,
			    (intmax_t)v.i, key, (uintmax_t)got);
			ok = false;
		}
		value_free(&v);
	}
	count(r, ok);
}

static void
run_audit(struct runner *r, const struct sc_stmt *st)
{
	char report[8192];
	int n;

	n = shmsim_audit(r->k, report, sizeof(report));
	trace(r, st, "%s", n == 0 ? "clean" : "VIOLATIONS");
	if (n != 0) {
		fail_line(r, st);
		fprintf(r->o->out, "audit found %d violation(s):\n%s", n,
		    report);
	}
	count(r, n == 0);
}

static void
dump_to(struct runner *r, FILE *f, bool dot, const char *title)
{
	int error;

	/*
	 * EIO: a write to f failed, and f's error flag is set (shmsim_dump
	 * returns it after fflush and ferror): whoever opened f checks the
	 * flag when closing it, says so and exits non-zero (main.c:
	 * out_done).  Anything else would be a bug here: said at once.
	 */
	error = shmsim_dump(r->k, f, dot ? SHMSIM_DUMP_DOT : SHMSIM_DUMP_TEXT,
	    title);
	if (error != 0 && !ferror(f))
		fprintf(stderr, "shmsim: %s: dump: %s\n", title,
		    shmsim_errno_name(error));
}

static void
run_dump(struct runner *r, const struct sc_stmt *st)
{
	char title[256];

	snprintf(title, sizeof(title), "%s:%d", r->sc->file, st->line);
	r->ndumps++;
	trace(r, st, "state follows");
	if (!r->o->quiet)
		dump_to(r, r->o->out, st->dot, title);
	if (r->o->dot != NULL)
		dump_to(r, r->o->dot, true, title);
}

/* The jail declared as name, or NULL (the host). */
static struct shmsim_jail *
jail_find(struct runner *r, const char *name)
{
	int i = name == NULL ?
	    -1 :
	    sc_nametab_find(&r->jailtab, name, jail_nameof, r);

	return (i >= 0 ? r->jails[i].j : NULL);
}

/* jail NAME: a jail rooted at /jails/NAME. */
static void
run_jail(struct runner *r, const struct sc_stmt *st)
{
	struct shmsim_jail *j;
	char path[128];
	int error;

	snprintf(path, sizeof(path), "/jails/%s", st->jail);
	error = shmsim_jail_create(r->k, st->jail, path, &j);
	if (error != 0) {
		trace(r, st, "%s", shmsim_errno_name(error));
		fail_line(r, st);
		fprintf(r->o->out, "jail creation failed: %s\n",
		    shmsim_errno_name(error));
		count(r, false);
		return;
	}
	r->jails =
	    realloc(r->jails, (size_t)(r->njails + 1) * sizeof(*r->jails));
	if (r->jails == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	r->jails[r->njails].name = xstrdup(st->jail);
	r->jails[r->njails].j = j;
	r->njails++;
	sc_nametab_add(&r->jailtab, r->jails[r->njails - 1].name, r->njails - 1,
	    jail_nameof, r);
	trace(r, st, "root %s", path);
}

/* pageout [N], or the pagedaemon's "pagedaemon: pageout [N]". */
static void
run_pageout(struct runner *r, const struct sc_stmt *st)
{
	struct sc_value v;
	const char *unbound = NULL;
	uint64_t moved = 0;

	v.i = 0;
	if (st->has_n && !eval(r, &st->n, &v, &unbound)) {
		trace(r, st, "not run");
		fail_line(r, st);
		fprintf(r->o->out, "variable '%s' is unbound\n", unbound);
		count(r, false);
		return;
	}
	if (st->has_n && v.i <= 0) {
		trace(r, st, "moved 0 page(s)");
		return;
	}
	(void)shmsim_pageout(r->k, (uint64_t)v.i, &moved);
	trace(r, st, "moved %ju page(s)", (uintmax_t)moved);
}

/* fork P C */
static void
run_fork(struct runner *r, const struct sc_stmt *st)
{
	struct shmsim_proc *np;
	int error;

	error = shmsim_fork(proc_find(r, st->proc)->p, &np);
	if (error != 0) {
		trace(r, st, "%s", shmsim_errno_name(error));
		fail_line(r, st);
		fprintf(r->o->out, "fork failed: %s\n",
		    shmsim_errno_name(error));
		count(r, false);
		return;
	}
	/*
	 * In a par block the child is named after the block (run_par):
	 * naming takes a lock, a scheduling point that a fuzz input's
	 * segment, which names no process, does not have.
	 */
	if (st->in_par)
		(void)proc_add_thread(r, st->proc2, np, -1);
	else
		proc_add(r, st->proc2, np);
	trace(r, st, "pid %d", shmsim_proc_pid(np));
}

/*
 * exit P, exec P: P's threads end with it (exec: P goes on).  The
 * indexes are taken before the call: in a par block another actor's
 * fork may move r->procs while the call runs.
 */
static void
run_exit_exec(struct runner *r, const struct sc_stmt *st)
{
	struct sc_proc *sp = proc_find(r, st->proc);
	int i, owner = (int)(sp - r->procs);

	if (st->kind == S_EXIT)
		(void)shmsim_exit(sp->p);
	else
		(void)shmsim_exec(sp->p);
	/* The process (exit) and its threads (its thread chain). */
	if (st->kind == S_EXIT)
		r->procs[owner].alive = false;
	for (i = r->procs[owner].thread; i >= 0; i = r->procs[i].thread)
		r->procs[i].alive = false;
	trace(r, st, "%s",
	    st->kind == S_EXIT ? "exited" :
				 "close-on-exec descriptors closed, "
				 "mappings removed");
}

/* The body of one actor of a par block: its statements, in order. */
static void
actor_main(void *arg)
{
	struct actor *a = arg;
	struct runner *r = a->r;
	const struct sc_stmt *st;
	char label[160];
	int i;

	for (i = a->first; i < a->last; i++) {
		st = &r->sc->stmts[i];
		if (!st->in_par || st->actor != a->idx || st->kind == S_NOTE)
			continue;
		/* "line N: CALL": the step list names the actor already. */
		{
			const char *text = st->text, *colon = strchr(text, ':');

			if (colon != NULL && colon[1] == ' ')
				text = colon + 2;
			snprintf(label, sizeof(label), "line %d: %s", st->line,
			    text);
		}
		shmsim_explorer_label(r->e, label);
		switch (st->kind) {
		case S_CALL:
			run_call(r, st, false);
			break;
		case S_FORK:
			run_fork(r, st);
			break;
		case S_EXIT:
		case S_EXEC:
			run_exit_exec(r, st);
			break;
		default:
			run_pageout(r, st);
			break;
		}
	}
}

/*
 * A par block, from its S_PAR statement: the actors run interleaved by
 * the explorer, then the auditor runs (counted as an audit statement).
 * After a deadlock the kernel is abandoned (r->dead).
 */
static void
run_par(struct runner *r, const struct sc_stmt *ps)
{
	const char *names[SHMSIM_MAX_ACTORS];
	shmsim_actor_fn *fns[SHMSIM_MAX_ACTORS];
	void *args[SHMSIM_MAX_ACTORS];
	struct actor actors[SHMSIM_MAX_ACTORS];
	const struct sc_stmt *es = &r->sc->stmts[ps->par_end];
	char report[8192];
	int i, n, error, first = (int)(ps - r->sc->stmts) + 1;

	if (!r->o->quiet) {
		fprintf(r->o->out, "%4d  %s  # %d actor%s:", ps->line, ps->text,
		    ps->nactors, ps->nactors == 1 ? "" : "s");
		for (i = 0; i < ps->nactors; i++)
			fprintf(r->o->out, "%s %s", i == 0 ? "" : ",",
			    ps->actors[i]);
		fputc('\n', r->o->out);
		/* Narration inside the block comes first. */
		for (i = first; i < ps->par_end; i++)
			if (r->sc->stmts[i].kind == S_NOTE)
				fprintf(r->o->out, "      %s\n",
				    r->sc->stmts[i].text);
	}
	for (i = 0; i < ps->nactors; i++) {
		actors[i].r = r;
		actors[i].first = first;
		actors[i].last = ps->par_end;
		actors[i].idx = i;
		names[i] = ps->actors[i];
		fns[i] = actor_main;
		args[i] = &actors[i];
	}
	report[0] = '\0';
	error = shmsim_explorer_par(r->e, ps->nactors, names, fns, args, report,
	    sizeof(report));
	if (error == EDEADLK) {
		r->dead = true;
		trace(r, es, "DEADLOCK");
		fail_line(r, es);
		fprintf(r->o->out,
		    "deadlock: every unfinished actor is blocked; "
		    "the scenario stops here:\n%s",
		    report);
		if (report[0] != '\0' && report[strlen(report) - 1] != '\n')
			fputc('\n', r->o->out);
		count(r, false);
		return;
	}
	if (error != 0) {
		fail_line(r, es);
		fprintf(r->o->out, "%s: %s\n",
		    error == EIO ? "the schedule diverged from the one "
				   "recorded (nondeterminism)" :
				   "the explorer refused the block",
		    report[0] != '\0' ? report : shmsim_errno_name(error));
		count(r, false);
	}
	/* The children forked in the block get their names (run_fork). */
	for (i = first; i < ps->par_end; i++) {
		const struct sc_stmt *st = &r->sc->stmts[i];
		struct sc_proc *sp;

		if (st->kind == S_FORK &&
		    (sp = proc_find(r, st->proc2)) != NULL)
			shmsim_proc_setname(sp->p, sp->name);
	}
	n = shmsim_audit(r->k, report, sizeof(report));
	trace(r, es, "audit %s", n == 0 ? "clean" : "VIOLATIONS");
	if (n != 0) {
		fail_line(r, es);
		fprintf(r->o->out,
		    "audit after the block found %d "
		    "violation(s):\n%s",
		    n, report);
	}
	count(r, n == 0);
}

static void
run_stmt(struct runner *r, const struct sc_stmt *st)
{
	struct shmsim_cred cred;
	struct shmsim_proc *np;
	struct sc_proc *sp;
	int error, owner;

	if (st->kind != S_CALL)
		hook_before(r, st, NULL, NULL);
	switch (st->kind) {
	case S_CONFIG:
		trace(r, st, "ok");
		break;
	case S_JAIL:
		run_jail(r, st);
		break;
	case S_SPAWN:
		cred = *st->cred;
		cred.jail = jail_find(r, st->jail);
		error = shmsim_spawn(r->k, &cred, &np);
		if (error != 0) {
			trace(r, st, "%s", shmsim_errno_name(error));
			fail_line(r, st);
			fprintf(r->o->out, "spawn failed: %s\n",
			    shmsim_errno_name(error));
			count(r, false);
			break;
		}
		proc_add(r, st->proc, np);
		trace(r, st, "pid %d", shmsim_proc_pid(np));
		break;
	case S_FORK:
		run_fork(r, st);
		break;
	case S_EXIT:
	case S_EXEC:
		run_exit_exec(r, st);
		break;
	case S_THREAD:
		/* Another name for the process's handle: the model's
		 * calls take the process; threads differ in who runs. */
		sp = proc_find(r, st->proc2);
		np = sp->p;
		owner = (int)(sp - r->procs);
		sp = proc_add_thread(r, st->proc, np, owner);
		trace(r, st, "thread of pid %d", shmsim_proc_pid(np));
		break;
	case S_CALL:
		run_call(r, st, true);
		break;
	case S_AUDIT:
		run_audit(r, st);
		break;
	case S_STATE:
		run_state(r, st);
		break;
	case S_PAGEOUT:
		run_pageout(r, st);
		break;
	case S_DUMP:
		run_dump(r, st);
		break;
	case S_NOTE:
		if (!r->o->quiet)
			fprintf(r->o->out, "      %s\n", st->text);
		break;
	case S_FAULT:
		/* Extension: arm the fault plan (docs/fuzzing.md). */
		(void)shmsim_fault_set(r->k,
		    (enum shmsim_fault_site)st->fault_site, st->fault_nth,
		    st->fault_always);
		trace(r, st, "%s", st->fault_nth == 0 ? "disarmed" : "armed");
		break;
	case S_PAR:
	case S_END:
		/* run_par() runs the whole block. */
		break;
	}
	if (st->kind != S_CALL)
		hook_after(r, st, NULL, NULL, 0);
}

/* The end: exit everyone, unlink every name, audit, check for leaks. */
static void
finish(struct runner *r)
{
	struct shmsim_counters c;
	char report[8192];
	int i, n, leaks;

	if (r->o->dot != NULL && r->ndumps == 0)
		dump_to(r, r->o->dot, true, r->sc->file);
	for (i = 0; i < r->nprocs; i++)
		if (r->procs[i].alive && r->procs[i].owner < 0) {
			(void)shmsim_exit(r->procs[i].p);
			r->procs[i].alive = false;
		}
	shmsim_counters(r->k, &c);
	shmsim_unlink_all(r->k);
	n = shmsim_audit(r->k, report, sizeof(report));
	if (n != 0) {
		fprintf(r->o->out,
		    "%s: FAIL: audit after clean-up found %d "
		    "violation(s):\n%s",
		    r->sc->file, n, report);
		r->t->failed++;
	}
	leaks = shmsim_kernel_destroy(r->k, report, sizeof(report));
	r->k = NULL;
	if (leaks != 0) {
		fprintf(r->o->out, "%s: FAIL: %d leak(s) after clean-up:\n%s",
		    r->sc->file, leaks, report);
		r->t->failed++;
	}
	if (!r->o->quiet)
		fprintf(r->o->out,
		    "      (end: processes exited, %ju name(s) "
		    "unlinked, audit %s, %s)\n",
		    (uintmax_t)c.names, n == 0 ? "clean" : "FAILED",
		    leaks == 0 ? "nothing leaked" : "LEAKS");
}

void
sc_run(const struct sc_script *sc, const struct sc_run_opts *opts,
    struct sc_totals *totals)
{
	sc_run_hooked(sc, opts, NULL, totals);
}

void
sc_run_hooked(const struct sc_script *sc, const struct sc_run_opts *opts,
    const struct sc_hooks *hooks, struct sc_totals *totals)
{
	struct shmsim_explore_opts eo;
	struct runner r;
	int i, error, failed0 = totals->failed;
	bool own_e = false;

	memset(&r, 0, sizeof(r));
	r.sc = sc;
	r.o = opts;
	r.h = hooks;
	r.t = totals;
	r.e = opts->explorer;
	if (sc->npar > 0 && r.e == NULL) {
		/* shmsim run: the fixed schedule. */
		memset(&eo, 0, sizeof(eo));
		eo.mode = SHMSIM_SCHED_FIXED;
		eo.panic_status = opts->panic_status;
		error = shmsim_explorer_create(&eo, &r.e);
		if (error != 0 || !shmsim_explorer_begin(r.e)) {
			fprintf(opts->out, "%s: FAIL: no explorer: %s\n",
			    sc->file, shmsim_errno_name(error));
			if (error == 0)
				shmsim_explorer_destroy(r.e);
			totals->failed++;
			return;
		}
		own_e = true;
	}
	error = shmsim_kernel_create(&sc->cfg, &r.k);
	if (error != 0) {
		fprintf(opts->out,
		    "%s: FAIL: kernel configuration refused: "
		    "%s\n",
		    sc->file, shmsim_errno_name(error));
		totals->failed++;
		if (own_e) {
			(void)shmsim_explorer_end(r.e, true, NULL, 0);
			shmsim_explorer_destroy(r.e);
		}
		return;
	}
	if (!opts->quiet)
		fprintf(opts->out, "== %s (profile %s)\n", sc->file,
		    sc->cfg.profile == SHMSIM_PROFILE_2008 ? "2008" :
							     "current");
	if (hooks != NULL && hooks->start != NULL)
		hooks->start(hooks->arg, r.k);
	for (i = 0; i < sc->nstmts && !r.dead; i++) {
		const struct sc_stmt *st = &sc->stmts[i];

		if (st->kind != S_PAR) {
			run_stmt(&r, st);
			continue;
		}
		hook_before(&r, st, NULL, NULL);
		run_par(&r, st);
		if (!r.dead)
			hook_after(&r, st, NULL, NULL, 0);
		i = st->par_end;
	}
	if (!r.dead)
		finish(&r);
	else if (!opts->quiet)
		fprintf(opts->out,
		    "      (end: deadlock: the kernel is abandoned, "
		    "with no clean-up, audit or leak check)\n");
	if (own_e) {
		char report[1024];

		if (shmsim_explorer_end(r.e, totals->failed != failed0, report,
			sizeof(report)) != 0) {
			fprintf(opts->out, "%s: FAIL: %s\n", sc->file, report);
			totals->failed++;
		}
		shmsim_explorer_destroy(r.e);
	}
	for (i = 0; i < r.nprocs; i++)
		free(r.procs[i].name);
	free(r.procs);
	for (i = 0; i < r.nvars; i++)
		free(r.vars[i].name);
	free(r.vars);
	for (i = 0; i < r.njails; i++)
		free(r.jails[i].name);
	free(r.jails);
	sc_nametab_free(&r.proctab);
	sc_nametab_free(&r.vartab);
	sc_nametab_free(&r.jailtab);
}
