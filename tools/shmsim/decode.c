/*
 * The byte encodings of the fuzz targets, interpreted (docs/fuzzing.md,
 * "Input encodings"), and `shmsim decode`.
 *
 * Both encodings are a short header that configures the kernel, then a
 * stream of operations: one opcode byte and a fixed number of operand
 * bytes each.  Operands are taken modulo what exists (live processes,
 * the descriptor limit, small tables of interesting values), so that any
 * byte string is a valid input and a mutation changes one call, not the
 * meaning of everything after it.  Bytes past the end read as zero.
 *
 * When opts->out is set, every call is printed as a scenario statement
 * with the result observed as its expectation; the line is flushed
 * before the call is made, so that a crash leaves the scenario up to
 * and including the call that crashed.
 *
 * Not reentrant: the buffers are static (no allocation per fuzz input).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "shmsim_explore.h"

#define FZ_MAX_PROCS 8	  /* live processes at a time */
#define FZ_MAX_CALLS 4096 /* calls per input */
#define FZ_MAX_KEPT 256	  /* names target: descriptors kept open */
#define FZ_PATH_MAX 1100  /* built paths: MAXPATHLEN and a little */
#define FZ_POOL 16	  /* names target: paths remembered for reuse */
#define RUN_MIN 8	  /* a run this long prints as "c"*N */

/* ------------------------------------------------------------ targets */

static const char *const target_names[SC_FUZZ_NTARGETS] = {
	[SC_FUZZ_NAMES] = "names",
	[SC_FUZZ_SYSCALLS] = "syscalls",
	[SC_FUZZ_SCENARIO] = "scenario",
};

int
sc_fuzz_target_from_name(const char *name)
{
	int i;

	/* "fuzz_syscalls" too: the fuzz target's own name. */
	if (strncmp(name, "fuzz_", 5) == 0)
		name += 5;
	for (i = 0; i < SC_FUZZ_NTARGETS; i++)
		if (strcmp(target_names[i], name) == 0)
			return (i);
	return (-1);
}

const char *
sc_fuzz_target_name(enum sc_fuzz_target t)
{
	return ((unsigned)t < SC_FUZZ_NTARGETS ? target_names[t] : "?");
}

/* ------------------------------------------------------------ input */

struct rd {
	const uint8_t *d;
	size_t n, i;
};

/*
 * The next byte.  In fuzz builds the bounds comparison is not traced for
 * libFuzzer (trace-cmp): it compares the reader's position with the
 * input's length, never an input byte, and its callback, with those of
 * the loops around it, was 2 % of fuzz_syscalls' run.  Out of line, so
 * that no caller gets the comparison back traced.
 */
#if defined(__has_feature)
#if __has_feature(coverage_sanitizer)
__attribute__((__noinline__, __no_sanitize__("coverage")))
#endif
#endif
static unsigned
u8(struct rd *r)
{
	return (r->i < r->n ? r->d[r->i++] : 0);
}

/* ------------------------------------------------------------ printing */

static void
put_lit(FILE *f, const unsigned char *b, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = b[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c == '\0')
			fputs("\\0", f);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
	fputc('"', f);
}

/*
 * Bytes as a string expression of the scenario language: literals, and
 * runs of RUN_MIN or more equal bytes as "c"*N, joined with '+'.  With
 * f == NULL only count: *termsp terms, about *charsp characters.
 */
static void
put_str(FILE *f, const unsigned char *b, size_t n, size_t *termsp,
    size_t *charsp)
{
	size_t i = 0, j, lit = 0, terms = 0, chars = 0;

	if (n == 0) {
		if (f != NULL)
			fputs("\"\"", f);
		terms = 1;
		chars = 2;
		goto out;
	}
	while (i < n) {
		for (j = i; j < n && b[j] == b[i]; j++)
			continue;
		if (j - i >= RUN_MIN) {
			if (lit < i) {
				if (f != NULL) {
					if (terms > 0)
						fputs(" + ", f);
					put_lit(f, b + lit, i - lit);
				}
				terms++;
				chars += 5 + 4 * (i - lit);
			}
			if (f != NULL) {
				if (terms > 0)
					fputs(" + ", f);
				put_lit(f, b + i, 1);
				fprintf(f, "*%zu", j - i);
			}
			terms++;
			chars += 16;
			lit = j;
		}
		i = j;
	}
	if (lit < n) {
		if (f != NULL) {
			if (terms > 0)
				fputs(" + ", f);
			put_lit(f, b + lit, n - lit);
		}
		terms++;
		chars += 5 + 4 * (n - lit);
	}
out:
	if (termsp != NULL)
		*termsp = terms;
	if (charsp != NULL)
		*charsp = chars;
}

/* A path argument as the scenario language writes it. */
static void
put_path(FILE *f, const char *path, size_t len)
{
	if (path == NULL)
		fputs("NULL", f);
	else if (path == SHMSIM_SHM_ANON)
		fputs("SHM_ANON", f);
	else if (path == SHMSIM_BADPTR)
		fputs("BADPTR", f);
	else
		put_str(f, (const unsigned char *)path, len, NULL, NULL);
}

static void
put_oflags(FILE *f, int flags)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ SHMSIM_O_NONBLOCK, "O_NONBLOCK" },
		{ SHMSIM_O_APPEND, "O_APPEND" },
		{ SHMSIM_O_SYNC, "O_SYNC" },
		{ SHMSIM_O_NOFOLLOW, "O_NOFOLLOW" },
		{ SHMSIM_O_CREAT, "O_CREAT" },
		{ SHMSIM_O_TRUNC, "O_TRUNC" },
		{ SHMSIM_O_EXCL, "O_EXCL" },
		{ SHMSIM_O_DIRECT, "O_DIRECT" },
		{ SHMSIM_O_CLOEXEC, "O_CLOEXEC" },
		{ SHMSIM_O_CLOFORK, "O_CLOFORK" },
	};
	unsigned rest = (unsigned)flags;
	size_t i;

	switch (rest & SHMSIM_O_ACCMODE) {
	case SHMSIM_O_RDONLY:
		fputs("O_RDONLY", f);
		break;
	case SHMSIM_O_WRONLY:
		fputs("O_WRONLY", f);
		break;
	case SHMSIM_O_RDWR:
		fputs("O_RDWR", f);
		break;
	default:
		fputs("3", f);
		break;
	}
	rest &= ~(unsigned)SHMSIM_O_ACCMODE;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((rest & names[i].bit) != 0) {
			fprintf(f, "|%s", names[i].name);
			rest &= ~names[i].bit;
		}
	if (rest != 0)
		fprintf(f, "|0x%x", rest);
}

static void
put_mode(FILE *f, unsigned mode)
{
	if (mode == 0)
		fputs("0", f);
	else
		fprintf(f, "0%o", mode);
}

static void
put_fcntl_cmd(FILE *f, int cmd)
{
	switch (cmd) {
	case SHMSIM_F_DUPFD:
		fputs("F_DUPFD", f);
		break;
	case SHMSIM_F_GETFD:
		fputs("F_GETFD", f);
		break;
	case SHMSIM_F_SETFD:
		fputs("F_SETFD", f);
		break;
	case SHMSIM_F_GETFL:
		fputs("F_GETFL", f);
		break;
	case SHMSIM_F_SETFL:
		fputs("F_SETFL", f);
		break;
	case SHMSIM_F_DUPFD_CLOEXEC:
		fputs("F_DUPFD_CLOEXEC", f);
		break;
	case SHMSIM_F_ADD_SEALS:
		fputs("F_ADD_SEALS", f);
		break;
	case SHMSIM_F_GET_SEALS:
		fputs("F_GET_SEALS", f);
		break;
	default:
		fprintf(f, "%d", cmd);
		break;
	}
}

static void
put_whence(FILE *f, int whence)
{
	static const char *const names[] = { "SEEK_SET", "SEEK_CUR", "SEEK_END",
		"SEEK_DATA", "SEEK_HOLE" };

	if (whence >= 0 && whence < 5)
		fputs(names[whence], f);
	else
		fprintf(f, "%d", whence);
}

/* ------------------------------------------------------------ driver */

struct fz_proc {
	struct shmsim_proc *p;
	int id; /* printed as p<id> */
};

struct drv {
	const struct sc_fuzz_opts *o;
	struct sc_fuzz_result *r;
	FILE *out;
	struct shmsim_kernel *k;
	struct shmsim_config cfg;
	struct fz_proc procs[FZ_MAX_PROCS]; /* in creation order */
	int nprocs;
	int nextid;
	bool stop;
	/* Concurrent segments (run_segment). */
	struct shmsim_explorer *e; /* one per input, from the first one */
	int nsegs;
	int nextthread; /* threads declared: t1, t2, ... */
	bool dead;	/* a segment deadlocked: the kernel is abandoned */
	/* An actor's copy of the driver: the calls are inside a segment
	 * (no audit after each), printed by who ("t3", or "p2"). */
	bool in_seg;
	const char *who;
	/*
	 * In a segment, the fork about to run: the child's id, reserved
	 * when the segment was read, and where its handle goes (the child
	 * joins procs after the segment, as its name may be used only
	 * after the block's end).
	 */
	int seg_fork_id;
	struct shmsim_proc **seg_fork_child;
};

static void drv_printf(struct drv *d, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
drv_printf(struct drv *d, const char *fmt, ...)
{
	va_list ap;

	if (d->out == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
}

/* The start of a call line, flushed before the call is made. */
static void call_begin(struct drv *d, int pidx, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
call_begin(struct drv *d, int pidx, const char *fmt, ...)
{
	va_list ap;

	if (d->out == NULL)
		return;
	if (d->who != NULL)
		fprintf(d->out, "%s: ", d->who);
	else
		fprintf(d->out, "p%d: ", d->procs[pidx].id);
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
}

static void
call_flush(struct drv *d)
{
	if (d->out != NULL)
		fflush(d->out);
}

/* " => RESULT" for a call that returns an integer. */
static void
call_end(struct drv *d, int error, int64_t ret, bool octal)
{
	if (d->out == NULL)
		return;
	if (error != 0)
		fprintf(d->out, " => %s\n", shmsim_errno_name(error));
	else if (octal && ret != 0)
		fprintf(d->out, " => 0%" PRIo64 "\n", (uint64_t)ret);
	else
		fprintf(d->out, " => %" PRId64 "\n", ret);
}

static void
call_end_ok(struct drv *d, int error)
{
	if (d->out == NULL)
		return;
	if (error != 0)
		fprintf(d->out, " => %s\n", shmsim_errno_name(error));
	else
		fputs(" => ok\n", d->out);
}

/* After every call: the hook, then the auditor. */
static void
after_call(struct drv *d, struct sc_fuzz_call *c)
{
	int n;

	d->r->ncalls++;
	if (d->o->after != NULL)
		d->o->after(d->o->arg, d->k, c);
	/* In a segment the auditor runs after the block (run_segment). */
	if (!d->o->audit_each || d->stop || d->in_seg)
		return;
	n = d->o->audit != NULL ? d->o->audit(d->o->arg, d->k, c) :
				  shmsim_audit(d->k, NULL, 0);
	if (n == 0)
		return;
	/* The report is the full audit's. */
	(void)shmsim_audit(d->k, d->r->audit_report,
	    sizeof(d->r->audit_report));
	d->r->audit_violations = n;
	d->r->audit_call = d->r->ncalls;
	d->stop = true;
	drv_printf(d, "audit\n");
}

static void
put_config(struct drv *d)
{
	const struct shmsim_config *c = &d->cfg;

	drv_printf(d,
	    "config profile=%s page_size=%u hash_buckets=%u "
	    "max_files=%d max_fds=%d swap_pages=%" PRIu64 " mem_pages=%" PRIu64,
	    c->profile == SHMSIM_PROFILE_2008 ? "2008" : "current",
	    c->page_size, c->hash_buckets, c->max_files, c->max_fds,
	    c->swap_pages, c->mem_pages);
	if (c->page_sizes[1] != 0)
		drv_printf(d, " page_sizes=%u,%" PRIu64, c->page_size,
		    c->page_sizes[1]);
	drv_printf(d, "\n");
}

static void
put_cred(struct drv *d, const struct shmsim_cred *cr)
{
	int i;

	if (cr->uid != 0)
		drv_printf(d, " uid=%u", (unsigned)cr->uid);
	if (cr->gid != 0)
		drv_printf(d, " gid=%u", (unsigned)cr->gid);
	for (i = 0; i < cr->ngroups; i++)
		drv_printf(d, "%s%u", i == 0 ? " groups=" : ",",
		    (unsigned)cr->groups[i]);
	if (cr->umask != 022)
		drv_printf(d, " umask=0%03o", (unsigned)cr->umask);
}

static void
do_spawn(struct drv *d, const struct shmsim_cred *cr)
{
	struct sc_fuzz_call c;
	struct shmsim_proc *p;
	int error, id;

	if (d->nprocs == FZ_MAX_PROCS)
		return;
	id = ++d->nextid;
	drv_printf(d, "spawn p%d", id);
	put_cred(d, cr);
	drv_printf(d, "\n");
	call_flush(d);
	error = shmsim_spawn(d->k, cr, &p);
	memset(&c, 0, sizeof(c));
	c.op = FZ_SPAWN;
	c.cred = cr;
	c.error = error;
	if (error != 0) {
		/* Not expressible: the scenario's spawn must succeed. */
		drv_printf(d, "# (spawn failed: %s)\n",
		    shmsim_errno_name(error));
		after_call(d, &c);
		return;
	}
	d->procs[d->nprocs].p = p;
	d->procs[d->nprocs].id = id;
	c.pidx = d->nprocs++;
	c.p = p;
	after_call(d, &c);
}

static void
do_fork(struct drv *d, int pidx)
{
	struct sc_fuzz_call c;
	struct shmsim_proc *child;
	int error, id;

	if (d->in_seg) {
		/* The actor forks; the child is added after the segment. */
		drv_printf(d, "fork %s p%d\n", d->who, d->seg_fork_id);
		error = shmsim_fork(d->procs[pidx].p, &child);
		*d->seg_fork_child = error == 0 ? child : NULL;
		memset(&c, 0, sizeof(c));
		c.op = FZ_FORK;
		c.pidx = pidx;
		c.error = error;
		c.fd = -1;
		c.p = error == 0 ? child : NULL;
		if (error != 0)
			drv_printf(d, "# (fork failed: %s)\n",
			    shmsim_errno_name(error));
		after_call(d, &c);
		return;
	}
	if (d->nprocs == FZ_MAX_PROCS)
		return;
	id = ++d->nextid;
	drv_printf(d, "fork p%d p%d\n", d->procs[pidx].id, id);
	call_flush(d);
	error = shmsim_fork(d->procs[pidx].p, &child);
	memset(&c, 0, sizeof(c));
	c.op = FZ_FORK;
	c.pidx = pidx;
	c.error = error;
	if (error == 0) {
		d->procs[d->nprocs].p = child;
		d->procs[d->nprocs].id = id;
		c.fd = d->nprocs++; /* the child's index */
		c.p = child;
	} else
		drv_printf(d, "# (fork failed: %s)\n",
		    shmsim_errno_name(error));
	after_call(d, &c);
}

static void
do_exit(struct drv *d, int pidx)
{
	struct sc_fuzz_call c;

	drv_printf(d, "exit p%d\n", d->procs[pidx].id);
	call_flush(d);
	(void)shmsim_exit(d->procs[pidx].p);
	/* In a segment the process leaves procs after it (run_segment). */
	if (!d->in_seg) {
		memmove(&d->procs[pidx], &d->procs[pidx + 1],
		    (size_t)(d->nprocs - pidx - 1) * sizeof(d->procs[0]));
		d->nprocs--;
	}
	memset(&c, 0, sizeof(c));
	c.op = FZ_EXIT;
	c.pidx = pidx;
	after_call(d, &c);
}

static int
do_open(struct drv *d, int pidx, const char *path, size_t pathlen, int flags,
    mode_t mode)
{
	struct sc_fuzz_call c;
	int error, fd = -1;

	call_begin(d, pidx, "shm_open(");
	if (d->out != NULL) {
		put_path(d->out, path, pathlen);
		fputs(", ", d->out);
		put_oflags(d->out, flags);
		fputs(", ", d->out);
		put_mode(d->out, (unsigned)mode);
		fputs(")", d->out);
	}
	call_flush(d);
	error = shmsim_shm_open(d->procs[pidx].p, path, flags, mode, &fd);
	call_end(d, error, fd, false);
	memset(&c, 0, sizeof(c));
	c.op = FZ_OPEN;
	c.pidx = pidx;
	c.p = d->procs[pidx].p;
	c.path = path;
	c.pathlen = pathlen;
	c.flags = flags;
	c.mode = mode;
	c.error = error;
	c.ret = error == 0 ? fd : -1;
	c.fd = error == 0 ? fd : -1;
	after_call(d, &c);
	return (error == 0 ? fd : -1);
}

static void
do_unlink(struct drv *d, int pidx, const char *path, size_t pathlen)
{
	struct sc_fuzz_call c;
	int error;

	call_begin(d, pidx, "shm_unlink(");
	if (d->out != NULL) {
		put_path(d->out, path, pathlen);
		fputs(")", d->out);
	}
	call_flush(d);
	error = shmsim_shm_unlink(d->procs[pidx].p, path);
	call_end_ok(d, error);
	memset(&c, 0, sizeof(c));
	c.op = FZ_UNLINK;
	c.pidx = pidx;
	c.p = d->procs[pidx].p;
	c.path = path;
	c.pathlen = pathlen;
	c.error = error;
	after_call(d, &c);
}

static void
do_close(struct drv *d, int pidx, int fd)
{
	struct sc_fuzz_call c;
	int error;

	call_begin(d, pidx, "close(%d)", fd);
	call_flush(d);
	error = shmsim_close(d->procs[pidx].p, fd);
	call_end_ok(d, error);
	memset(&c, 0, sizeof(c));
	c.op = FZ_CLOSE;
	c.pidx = pidx;
	c.p = d->procs[pidx].p;
	c.fd = fd;
	c.error = error;
	after_call(d, &c);
}

static void
drv_init(struct drv *d, const struct sc_fuzz_opts *o, struct sc_fuzz_result *r)
{
	memset(d, 0, sizeof(*d));
	/* Not the whole of *r: its reports are 8 KiB, and this runs for
	 * every fuzz input. */
	r->ncalls = 0;
	r->audit_violations = r->audit_call = r->leaks = 0;
	r->audit_report[0] = r->leak_report[0] = '\0';
	r->segments = 0;
	r->deadlock = false;
	r->sched_token[0] = r->sched_report[0] = '\0';
	d->o = o;
	d->r = r;
	d->out = o->out;
}

static bool
drv_start(struct drv *d)
{
	int error;

	put_config(d);
	if (d->o->hostmem != NULL) {
		if (*d->o->hostmem == NULL &&
		    shmsim_hostmem_create(d->o->hostmem) != 0)
			abort();
		d->cfg.hostmem = *d->o->hostmem;
	}
	error = shmsim_kernel_create(&d->cfg, &d->k);
	if (error != 0) {
		drv_printf(d, "# kernel_create: %s\n",
		    shmsim_errno_name(error));
		return (false);
	}
	if (d->o->begin != NULL)
		d->o->begin(d->o->arg, d->k, &d->cfg);
	return (true);
}

/*
 * The end, as the scenario runner does it: a state line (decode), every
 * process exits in creation order, every name goes, the auditor runs
 * once more, then the kernel is destroyed with its leak check.
 */
static void
drv_finish(struct drv *d)
{
	struct shmsim_counters cn;
	int i, n;

	if (d->out != NULL && !d->stop) {
		shmsim_counters(d->k, &cn);
		fprintf(d->out,
		    "state => objects=%" PRIu64 " shm=%" PRIu64
		    " names=%" PRIu64 " files=%" PRIu64 " pages=%" PRIu64
		    " swapped=%" PRIu64 " inflight=%" PRIu64 "\n",
		    cn.objects, cn.shm, cn.names, cn.files, cn.pages,
		    cn.swapped, cn.inflight);
	}
	for (i = 0; i < d->nprocs; i++)
		(void)shmsim_exit(d->procs[i].p);
	d->nprocs = 0;
	shmsim_unlink_all(d->k);
	if (d->o->audit_each && !d->stop) {
		n = shmsim_audit(d->k, d->r->audit_report,
		    sizeof(d->r->audit_report));
		if (n != 0) {
			d->r->audit_violations = n;
			d->r->audit_call = d->r->ncalls + 1;
			drv_printf(d,
			    "# the auditor complains after the "
			    "final clean-up\n");
		}
	}
	d->r->leaks = shmsim_kernel_destroy(d->k, d->r->leak_report,
	    sizeof(d->r->leak_report));
	d->k = NULL;
}

/* ------------------------------------------------------------ names */

/*
 * fuzz_names: the name table.  Header: byte 0 = profile (bit 0),
 * hash_buckets - 1 (bits 1-4), max_fds (bits 5-7, a table); byte 1 =
 * the umasks of the four processes (2 bits each).  Then operations,
 * opcode bits 0-1: 0 open and close, 1 open and keep the descriptor,
 * 2 unlink, 3 close a kept descriptor; bits 2-3: the process.
 * open: PATH FLAGS [EXTRA] MODE; unlink: PATH (see gen_path).
 */
static const struct shmsim_cred names_creds[4] = {
	{ .uid = 0, .gid = 0 },
	{ .uid = 1000, .gid = 100 },
	{ .uid = 1001, .gid = 100 },
	{ .uid = 1002, .gid = 200, .ngroups = 1, .groups = { 100 } },
};
static const mode_t umask_table[4] = { 022, 0, 077, 0777 };
static const int names_max_fds[8] = { 1024, 1, 2, 3, 4, 6, 8, 16 };
static const mode_t mode_table[16] = { 0600, 0644, 0666, 0400, 0200, 0, 0777,
	0640, 0660, 0604, 0606, 0440, 0460, 0044, 0066, 0700 };
static const int extra_flags[8] = { SHMSIM_O_APPEND, SHMSIM_O_NONBLOCK,
	SHMSIM_O_DIRECT, SHMSIM_O_SYNC, SHMSIM_O_NOFOLLOW, (int)0x80000000u,
	SHMSIM_O_EXEC, SHMSIM_O_ASYNC };

/*
 * Open flags from a byte: the access mode as it is (bits 0-1: 3 is
 * invalid), O_CREAT, O_EXCL, O_TRUNC, O_CLOEXEC, O_CLOFORK (bits 2-6);
 * bit 7 asks for one more flag from extra_flags[].
 */
static int
open_flags(unsigned f)
{
	int flags = (int)(f & 3);

	if ((f & 4) != 0)
		flags |= SHMSIM_O_CREAT;
	if ((f & 8) != 0)
		flags |= SHMSIM_O_EXCL;
	if ((f & 16) != 0)
		flags |= SHMSIM_O_TRUNC;
	if ((f & 32) != 0)
		flags |= SHMSIM_O_CLOEXEC;
	if ((f & 64) != 0)
		flags |= SHMSIM_O_CLOFORK;
	return (flags);
}

/* Paths whose FNV-1 hashes (kernel basis) are equal, in pairs. */
static const char *const fnv_collisions[8] = {
	"/nwqiqu",
	"/psxybq",
	"/objpqe",
	"/kidgcq",
	"/mxqgbb",
	"/hhaaty",
	"/vfhadx",
	"/espxqn",
};

struct path {
	char b[FZ_PATH_MAX + 1];
	size_t n;
	const char *special; /* NULL, SHMSIM_BADPTR or SHMSIM_SHM_ANON */
	bool is_special;
};

struct names_state {
	struct path pool[FZ_POOL];
	int npool, poolnext;
	struct {
		int pidx, fd;
	} kept[FZ_MAX_KEPT];
	int nkept;
};

static void
path_fill(struct path *pt, char c, size_t n)
{
	if (n > FZ_PATH_MAX - pt->n)
		n = FZ_PATH_MAX - pt->n;
	memset(pt->b + pt->n, c, n);
	pt->n += n;
}

static void
path_add(struct path *pt, const char *s, size_t n)
{
	if (n > FZ_PATH_MAX - pt->n)
		n = FZ_PATH_MAX - pt->n;
	memcpy(pt->b + pt->n, s, n);
	pt->n += n;
}

/*
 * A path from the input.  Kind (byte % 8): 0 raw bytes (length byte %
 * 48, then the bytes: NUL, no slash, anything); 1 a path used before;
 * 2 '/' and a run of 1019 to 1026 bytes (MAXPATHLEN is 1024 with the
 * NUL); 3 many slashes; 4 a member of an FNV collision pair; 5 one of
 * "/a" .. "/d"; 6 NULL, BADPTR, SHM_ANON or ""; 7 no leading slash.
 */
static void
gen_path(struct rd *r, struct names_state *ns, struct path *pt)
{
	unsigned kind = u8(r) % 8, a, b, i;

	memset(pt, 0, sizeof(*pt));
	switch (kind) {
	case 0:
		a = u8(r) % 48;
		for (i = 0; i < a; i++)
			pt->b[pt->n++] = (char)u8(r);
		break;
	case 1:
		a = u8(r);
		if (ns->npool == 0) {
			path_add(pt, "/a", 2);
			break;
		}
		*pt = ns->pool[a % (unsigned)ns->npool];
		return; /* already in the pool */
	case 2:
		a = u8(r);
		b = u8(r);
		path_add(pt, "/", 1);
		path_fill(pt, (char)('a' + b % 4), 1019 + a % 8);
		if ((a & 8) != 0)
			pt->b[pt->n - 1] = 'z';
		break;
	case 3:
		a = u8(r);
		path_fill(pt, '/', 1 + a % 32);
		if ((a & 0x20) != 0)
			path_add(pt, "a", 1);
		if ((a & 0x40) != 0)
			path_add(pt, "/", 1);
		if ((a & 0x80) != 0)
			path_fill(pt, '/', 1000);
		break;
	case 4:
		a = u8(r);
		path_add(pt, fnv_collisions[a % 8],
		    strlen(fnv_collisions[a % 8]));
		break;
	case 5:
		a = u8(r);
		path_add(pt, "/", 1);
		pt->b[pt->n++] = (char)('a' + a % 4);
		break;
	case 6:
		a = u8(r) % 4;
		if (a < 3) {
			pt->is_special = true;
			pt->special = a == 0 ? NULL :
			    a == 1	     ? SHMSIM_BADPTR :
					       SHMSIM_SHM_ANON;
			return;
		}
		break; /* "" */
	case 7:
		a = u8(r);
		pt->b[pt->n++] = (char)('a' + a % 4);
		if ((a & 4) != 0)
			path_add(pt, "/x", 2);
		break;
	}
	pt->b[pt->n] = '\0';
	ns->pool[ns->poolnext] = *pt;
	ns->poolnext = (ns->poolnext + 1) % FZ_POOL;
	if (ns->npool < FZ_POOL)
		ns->npool++;
}

static const char *
path_ptr(const struct path *pt)
{
	return (pt->is_special ? pt->special : pt->b);
}

static struct names_state names_state;

static void
run_names(struct drv *d, struct rd *r)
{
	struct names_state *ns;
	struct shmsim_cred cr;
	struct path pt;
	unsigned b0, b1, op, f, m;
	int i, pidx, flags, fd;
	mode_t mode;

	b0 = u8(r);
	b1 = u8(r);
	shmsim_config_init(&d->cfg);
	d->cfg.threads = SHMSIM_THREADS_SINGLE; /* one host thread */
	d->cfg.profile =
	    (b0 & 1) != 0 ? SHMSIM_PROFILE_2008 : SHMSIM_PROFILE_CURRENT;
	d->cfg.hash_buckets = 1 + ((b0 >> 1) & 15);
	d->cfg.max_fds = names_max_fds[(b0 >> 5) & 7];
	if (!drv_start(d))
		return;
	for (i = 0; i < 4; i++) {
		cr = names_creds[i];
		cr.umask = umask_table[(b1 >> (2 * i)) & 3];
		do_spawn(d, &cr);
	}
	/* Static, as the I/O buffer below: no allocation per input. */
	ns = &names_state;
	ns->npool = ns->poolnext = ns->nkept = 0;
	while (r->i < r->n && !d->stop && d->r->ncalls < FZ_MAX_CALLS) {
		op = u8(r);
		pidx = (int)((op >> 2) & 3);
		switch (op & 3) {
		case 0:
		case 1:
			gen_path(r, ns, &pt);
			f = u8(r);
			flags = open_flags(f);
			if ((f & 0x80) != 0)
				flags |= extra_flags[u8(r) & 7];
			m = u8(r);
			mode =
			    mode_table[m & 15] | ((m & 0x10) != 0 ? 04000 : 0);
			fd = do_open(d, pidx, path_ptr(&pt), pt.n, flags, mode);
			if (fd < 0 || d->stop)
				break;
			if ((op & 3) == 1 && ns->nkept < FZ_MAX_KEPT) {
				ns->kept[ns->nkept].pidx = pidx;
				ns->kept[ns->nkept].fd = fd;
				ns->nkept++;
			} else
				do_close(d, pidx, fd);
			break;
		case 2:
			gen_path(r, ns, &pt);
			do_unlink(d, pidx, path_ptr(&pt), pt.n);
			break;
		case 3:
			if (ns->nkept == 0)
				break;
			i = (int)((op >> 2) % (unsigned)ns->nkept);
			do_close(d, ns->kept[i].pidx, ns->kept[i].fd);
			ns->kept[i] = ns->kept[--ns->nkept];
			break;
		}
	}
	drv_finish(d);
}

/* ------------------------------------------------------------ syscalls */

/*
 * fuzz_syscalls.  Header: byte 0 = profile (bit 0), page size (bits 1-2:
 * 4096, 512, 1024, 2048), hash_buckets - 1 (bits 3-6), a large page
 * size of 4 pages (bit 7: page_sizes=PS,4PS); byte 1 = max_fds
 * - 1 (bits 0-3), max_files (bits 4-7, a table); byte 2 = swap_pages
 * (bits 0-3) and mem_pages (bits 4-7), tables (1024 instead of 0,
 * unlimited, with large pages).  Process p1 (root) is
 * spawned.  Then operations: opcode byte % SYS_NOPCODES (48,
 * sys_opcodes), then the
 * operands of that call (see each case below).  P is a byte taken
 * modulo the live processes; FD a byte mapped to -1 .. max_fds + 1.
 */
static const uint32_t page_sizes[4] = { 4096, 512, 1024, 2048 };
static const int max_files_table[16] = { 8192, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16,
	20, 24, 32, 48, 64 };
static const uint64_t swap_table[16] = { 65536, 0, 1, 2, 3, 4, 5, 6, 8, 10, 12,
	16, 24, 32, 64, 256 };
static const uint64_t mem_table[16] = { 0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24,
	32, 64, 128, 0 };

#define SYS_NOPCODES 48
static const enum sc_fuzz_op sys_opcodes[SYS_NOPCODES] = {
	FZ_SPAWN,
	FZ_FORK,
	FZ_EXIT,
	FZ_OPEN,
	FZ_CLOSE,
	FZ_DUP,
	FZ_DUP2,
	FZ_FCNTL,
	FZ_FTRUNCATE,
	FZ_FSTAT,
	FZ_READ,
	FZ_WRITE,
	FZ_PREAD,
	FZ_PWRITE,
	FZ_LSEEK,
	FZ_UNLINK,
	FZ_SENDFD,
	FZ_RECVFD,
	FZ_PAGEOUT,
	FZ_EXEC,
	FZ_FAULT,
	FZ_UMASK,
	FZ_DUMP,
	/* 23 .. 31: the common calls again */
	FZ_OPEN,
	FZ_OPEN,
	FZ_WRITE,
	FZ_READ,
	FZ_FTRUNCATE,
	FZ_CLOSE,
	FZ_PWRITE,
	FZ_OPEN,
	FZ_FORK,
	/* 32 .. 39: today's other calls */
	FZ_OPEN2,
	FZ_RENAME,
	FZ_MEMFD,
	FZ_FCHMOD,
	FZ_FCHOWN,
	FZ_FALLOCATE,
	FZ_FSPACECTL,
	FZ_IOCTL,
	/* 40 .. 47: mappings and the accesses through them */
	FZ_MMAP,
	FZ_MMAP,
	FZ_MUNMAP,
	FZ_MPROTECT,
	FZ_LOAD,
	FZ_LOAD,
	FZ_STORE,
	FZ_STORE,
};

/*
 * Mappings live in a window of 16 pages from SHMSIM_MMAP_BASE, so that
 * they meet: an address byte picks a page of it (bits 0-3; 15: address 0,
 * the hint "anywhere"), bit 4 adds 1 (an unaligned address).  mmap: P,
 * FD, a byte with the length (bits 0-2, sys_mlen) and flags (bits 3-5,
 * mmap_flags), an address byte, a byte with prot (bits 0-2, mmap_prots)
 * and the offset (bits 4-7, sys_offset).  munmap, mprotect: P, an
 * address byte, a byte with the length (bits 0-2) and, for mprotect, the
 * prot (bits 3-5).  load, store: P, an address byte, a byte with the
 * count (bits 0-2, sys_count) and 64-byte steps into the page (bits
 * 3-5); store: a fill byte.
 */
#define FZ_MAPBASE UINT64_C(0x800000000)
static const int mmap_prots[8] = { 1, 3, 0, 2, 1 | (1 << 16), 3 | (1 << 16), 8,
	5 };
static const int mmap_flags[8] = { 0x1, 0x2, 0x1 | 0x10, 0x2 | 0x10,
	0x1 | 0x10 | 0x4000, 0, 0x1 | 0x2, 0x1 | 0x4000 };

static uint64_t
sys_maddr(const struct drv *d, unsigned b)
{
	uint64_t ps = d->cfg.page_size;

	if ((b & 15) == 15)
		return (0);
	return (FZ_MAPBASE + (b & 15) * ps + ((b & 16) != 0 ? 1 : 0));
}

static uint64_t
sys_mlen(const struct drv *d, unsigned b)
{
	uint64_t ps = d->cfg.page_size;
	const uint64_t t[8] = { ps, 2 * ps, 3 * ps + 1, 1, 0, 8 * ps, ps - 1,
		UINT64_MAX };

	return (t[b & 7]);
}

/*
 * shm_open2's shmflags from one byte: bits 0-2 choose SHM_ALLOW_SEALING,
 * SHM_GROW_ON_WRITE and SHM_LARGEPAGE independently, so every
 * combination of the three occurs (SHM_LARGEPAGE | SHM_GROW_ON_WRITE
 * included); bit 4 adds a flag the kernel does not know (EINVAL).  Bit 3
 * is the name argument.
 */
static int
open2_shmflags(unsigned int q)
{
	int f = 0;

	if ((q & 1) != 0)
		f |= SHMSIM_SHM_ALLOW_SEALING;
	if ((q & 2) != 0)
		f |= SHMSIM_SHM_GROW_ON_WRITE;
	if ((q & 4) != 0)
		f |= SHMSIM_SHM_LARGEPAGE;
	if ((q & 16) != 0)
		f |= 8;
	return (f);
}
static const int rename_flags[4] = { 0, SHMSIM_SHM_RENAME_NOREPLACE,
	SHMSIM_SHM_RENAME_EXCHANGE, 4 };
static const unsigned memfd_flags[8] = { 0, SHMSIM_MFD_CLOEXEC,
	SHMSIM_MFD_ALLOW_SEALING, SHMSIM_MFD_CLOEXEC | SHMSIM_MFD_ALLOW_SEALING,
	SHMSIM_MFD_HUGETLB, 21U << 26, 8, SHMSIM_MFD_ALLOW_SEALING };
static const uid_t chown_ids[4] = { 0, 1000, 100, (uid_t)-1 };
static const unsigned long ioctl_cmds[8] = { SHMSIM_FIONBIO, SHMSIM_FIOASYNC,
	SHMSIM_FIONREAD, SHMSIM_FIOCLEX, SHMSIM_FIONCLEX, SHMSIM_FIOSSHMLPGCNF,
	SHMSIM_FIOGSHMLPGCNF, 0x2000667fUL };

#define NAME_POOL 12
static char long1022[1024], long1023[1025];

/* The name pool: byte % 12. */
static void
sys_name(unsigned b, const char **pathp, size_t *lenp)
{
	static const char nul_name[] = "/a\0junk";

	if (long1022[0] == '\0') {
		long1022[0] = long1023[0] = '/';
		memset(long1022 + 1, 'x', 1022);
		memset(long1023 + 1, 'y', 1023);
	}
	switch (b % NAME_POOL) {
	case 0:
		*pathp = "/a";
		break;
	case 1:
		*pathp = "/b";
		break;
	case 2:
		*pathp = "/c";
		break;
	case 3:
	case 4:
		*pathp = SHMSIM_SHM_ANON;
		*lenp = 0;
		return;
	case 5:
		*pathp = long1022;
		break;
	case 6:
		*pathp = long1023;
		break;
	case 7:
		*pathp = nul_name;
		*lenp = sizeof(nul_name) - 1;
		return;
	case 8:
		*pathp = "noslash";
		break;
	case 9:
		*pathp = NULL;
		*lenp = 0;
		return;
	case 10:
		*pathp = SHMSIM_BADPTR;
		*lenp = 0;
		return;
	default:
		*pathp = "/d";
		break;
	}
	*lenp = strlen(*pathp);
}

/* memfd_create() names: byte % 4. */
static const char *
memfd_name(unsigned b, size_t *lenp)
{
	static char long300[301];

	if (long300[0] == '\0')
		memset(long300, 'm', 300);
	switch (b % 4) {
	case 0:
		*lenp = 4;
		return ("fuzz");
	case 1:
		*lenp = 0;
		return ("");
	case 2:
		*lenp = 0;
		return (NULL);
	default:
		*lenp = 300;
		return (long300);
	}
}

static int
sys_fd(const struct drv *d, unsigned b)
{
	return ((int)(b % (unsigned)(d->cfg.max_fds + 3)) - 1);
}

static int64_t
sys_size(const struct drv *d, unsigned b)
{
	int64_t ps = d->cfg.page_size;
	const int64_t t[16] = { 0, 1, ps / 2, ps - 1, ps, ps + 1, 2 * ps,
		3 * ps - 1, 3 * ps + 7, 8 * ps, 100, -1, INT64_MAX,
		INT64_C(1) << 40, 2 * ps + ps / 2, 5 };

	return (t[b & 15]);
}

static size_t
sys_count(const struct drv *d, unsigned b)
{
	size_t ps = d->cfg.page_size;
	const size_t t[8] = { 0, 1, 7, ps - 1, ps, ps + 1, 2 * ps, 3 * ps + 1 };

	return (t[b & 7]);
}

static int64_t
sys_offset(const struct drv *d, unsigned b)
{
	int64_t ps = d->cfg.page_size;
	const int64_t t[16] = { 0, 1, ps - 1, ps, ps + 1, 2 * ps + 7, 3 * ps,
		-1, INT64_MAX, INT64_MAX - 1, INT64_C(1) << 40, 100, 8 * ps,
		ps / 2, -ps, 5 * ps - 3 };

	return (t[b & 15]);
}

static bool
fcntl_takes_fd(int cmd)
{
	return (cmd == SHMSIM_F_DUPFD || cmd == SHMSIM_F_DUP2FD ||
	    cmd == SHMSIM_F_DUPFD_CLOEXEC || cmd == SHMSIM_F_DUP2FD_CLOEXEC);
}

static const int fcntl_cmds[16] = { SHMSIM_F_DUPFD, SHMSIM_F_GETFD,
	SHMSIM_F_SETFD, SHMSIM_F_GETFL, SHMSIM_F_SETFL, SHMSIM_F_DUP2FD,
	SHMSIM_F_DUPFD_CLOEXEC, SHMSIM_F_DUP2FD_CLOEXEC, SHMSIM_F_ADD_SEALS,
	SHMSIM_F_GET_SEALS, SHMSIM_F_GETFD, SHMSIM_F_SETFD, SHMSIM_F_GETFL,
	SHMSIM_F_SETFL, 99, -1 };
static const intptr_t fcntl_args[16] = { 0, 1, 2, 3, 5, 8, -1,
	SHMSIM_O_NONBLOCK, SHMSIM_O_APPEND, SHMSIM_O_NONBLOCK | SHMSIM_O_APPEND,
	SHMSIM_O_RDWR | SHMSIM_O_NONBLOCK, 0x8, 0x5, 0x2, 1024, 0x7fffffff };

/* The write data: a byte repeated; this fill byte means BADPTR. */
#define FILL_BADPTR 0xbd

static void
put_read_result(struct drv *d, int error, const unsigned char *buf, size_t done)
{
	size_t terms, chars;

	if (d->out == NULL)
		return;
	if (error != 0) {
		fprintf(d->out, " => %s\n", shmsim_errno_name(error));
		return;
	}
	put_str(NULL, buf, done, &terms, &chars);
	if (terms > 200 || chars > 30000) {
		/* Too many pieces for one line: check the count only. */
		fprintf(d->out, " => %zu\n", done);
		return;
	}
	fputs(" => ", d->out);
	put_str(d->out, buf, done, NULL, NULL);
	fputc('\n', d->out);
}

static void
sys_exec(struct drv *d, int pidx, struct sc_fuzz_call *c)
{
	drv_printf(d, "exec p%d\n", d->procs[pidx].id);
	call_flush(d);
	c->error = shmsim_exec(d->procs[pidx].p);
}

/* Reads and writes move at most 3 pages + 1 byte (sys_count). */
static unsigned char io_buf[3 * 4096 + 2];

/*
 * One call: op's operands from r (the process byte, when it has one,
 * already read: pidx, -1 when no process lives), the call made, printed
 * and checked (after_call).  buf is the I/O buffer of the caller (each
 * actor of a concurrent segment has its own).
 */
static void
sys_do(struct drv *d, struct rd *r, enum sc_fuzz_op op, int pidx, FILE *sink,
    unsigned char *buf)
{
	struct sc_fuzz_call c;
	struct shmsim_cred cr;
	struct shmsim_stat st;
	unsigned b2, x, y;
	const char *path;
	size_t len, done;
	int q, fd;
	int64_t rv;
	uint64_t moved;
	mode_t oldmask;

	memset(&c, 0, sizeof(c));
	c.op = op;
	c.pidx = pidx;
	c.p = pidx >= 0 ? d->procs[pidx].p : NULL;
	switch (op) {
	case FZ_SPAWN:
		x = u8(r);
		shmsim_cred_init(&cr);
		cr.uid = (x & 3) == 1 ? 1000 : (x & 3) == 2 ? 1001 : 0;
		cr.gid = (x & 4) != 0 ? 100 : 0;
		if ((x & 8) != 0) {
			cr.ngroups = 1;
			cr.groups[0] = 100;
		}
		cr.umask = umask_table[(x >> 4) & 3];
		do_spawn(d, &cr);
		return;
	case FZ_FORK:
		if (pidx >= 0)
			do_fork(d, pidx);
		return;
	case FZ_EXIT:
		if (pidx >= 0)
			do_exit(d, pidx);
		return;
	case FZ_OPEN:
		x = u8(r);
		y = u8(r);
		b2 = u8(r);
		if (pidx < 0)
			return;
		sys_name(x, &path, &len);
		{
			const int acc[4] = { SHMSIM_O_RDWR, SHMSIM_O_RDONLY,
				SHMSIM_O_RDWR, SHMSIM_O_WRONLY };
			int flags = acc[y & 3];

			if ((y & 4) != 0)
				flags |= SHMSIM_O_CREAT;
			if ((y & 8) != 0)
				flags |= SHMSIM_O_EXCL;
			if ((y & 16) != 0)
				flags |= SHMSIM_O_TRUNC;
			if ((y & 32) != 0)
				flags |= SHMSIM_O_CLOEXEC;
			if ((y & 64) != 0)
				flags |= SHMSIM_O_CLOFORK;
			if ((y & 128) != 0)
				flags |= SHMSIM_O_ASYNC;
			(void)do_open(d, pidx, path, len, flags,
			    mode_table[b2 & 7] | ((b2 & 8) != 0 ? 04000 : 0));
		}
		return;
	case FZ_CLOSE:
		x = u8(r);
		if (pidx >= 0)
			do_close(d, pidx, sys_fd(d, x));
		return;
	case FZ_UNLINK:
		x = u8(r);
		if (pidx < 0)
			return;
		sys_name(x, &path, &len);
		do_unlink(d, pidx, path, len);
		return;
	case FZ_DUP:
		x = u8(r);
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		call_begin(d, pidx, "dup(%d)", c.fd);
		call_flush(d);
		fd = -1;
		c.error = shmsim_dup(c.p, c.fd, &fd);
		c.ret = fd;
		call_end(d, c.error, c.ret, false);
		break;
	case FZ_DUP2:
		x = u8(r);
		y = u8(r);
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		c.fd2 = sys_fd(d, y);
		call_begin(d, pidx, "dup2(%d, %d)", c.fd, c.fd2);
		call_flush(d);
		fd = -1;
		c.error = shmsim_dup2(c.p, c.fd, c.fd2, &fd);
		c.ret = fd;
		call_end(d, c.error, c.ret, false);
		break;
	case FZ_FCNTL:
		x = u8(r);
		y = u8(r);
		b2 = u8(r);
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		c.flags = fcntl_cmds[y & 15];
		c.a = fcntl_takes_fd(c.flags) ? sys_fd(d, b2) :
						fcntl_args[b2 & 15];
		call_begin(d, pidx, "fcntl(%d, ", c.fd);
		if (d->out != NULL)
			put_fcntl_cmd(d->out, c.flags);
		if (d->out != NULL)
			fprintf(d->out, ", %" PRId64 ")", c.a);
		call_flush(d);
		rv = 0;
		c.error = shmsim_fcntl(c.p, c.fd, c.flags, (intptr_t)c.a, &rv);
		c.ret = rv;
		call_end(d, c.error, c.ret, false);
		break;
	case FZ_FTRUNCATE:
		x = u8(r);
		y = u8(r);
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		c.a = sys_size(d, y);
		call_begin(d, pidx, "ftruncate(%d, %" PRId64 ")", c.fd, c.a);
		call_flush(d);
		c.error = shmsim_ftruncate(c.p, c.fd, c.a);
		call_end_ok(d, c.error);
		break;
	case FZ_FSTAT:
		x = u8(r);
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		call_begin(d, pidx, "fstat(%d)", c.fd);
		call_flush(d);
		c.error = shmsim_fstat(c.p, c.fd, &st);
		if (d->out != NULL && c.error == 0)
			fprintf(d->out,
			    " => size=%" PRId64 " mode=0%o "
			    "uid=%u gid=%u nlink=%" PRIu64 " blocks=%" PRId64
			    " blksize=%d type=reg\n",
			    st.st_size, (unsigned)(st.st_mode & 07777),
			    (unsigned)st.st_uid, (unsigned)st.st_gid,
			    st.st_nlink, st.st_blocks, (int)st.st_blksize);
		else
			call_end_ok(d, c.error);
		break;
	case FZ_READ:
	case FZ_PREAD:
		x = u8(r);
		y = u8(r);
		b2 = op == FZ_PREAD ? u8(r) : 0;
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		len = sys_count(d, y);
		c.a = (int64_t)len;
		c.b = sys_offset(d, b2);
		if (op == FZ_READ)
			call_begin(d, pidx, "read(%d, %zu)", c.fd, len);
		else
			call_begin(d, pidx, "pread(%d, %zu, %" PRId64 ")", c.fd,
			    len, c.b);
		call_flush(d);
		done = 0;
		c.error = op == FZ_READ ?
		    shmsim_read(c.p, c.fd, buf, len, &done) :
		    shmsim_pread(c.p, c.fd, buf, len, c.b, &done);
		c.ret = (int64_t)done;
		put_read_result(d, c.error, buf, done);
		break;
	case FZ_WRITE:
	case FZ_PWRITE:
		x = u8(r);
		y = u8(r);
		b2 = u8(r);
		c.b = op == FZ_PWRITE ? sys_offset(d, u8(r)) : 0;
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		len = sys_count(d, y);
		memset(buf, (int)b2, len);
		call_begin(d, pidx, "%s(%d, ",
		    op == FZ_WRITE ? "write" : "pwrite", c.fd);
		if (d->out != NULL) {
			if (b2 == FILL_BADPTR)
				fputs("BADPTR", d->out);
			else
				put_str(d->out, buf, len, NULL, NULL);
			if (op == FZ_PWRITE)
				fprintf(d->out, ", %" PRId64, c.b);
			fputs(")", d->out);
		}
		call_flush(d);
		done = 0;
		{
			/* The runner passes BADPTR with length 1. */
			const void *src = b2 == FILL_BADPTR ?
			    (const void *)SHMSIM_BADPTR :
			    buf;
			size_t n = b2 == FILL_BADPTR ? 1 : len;

			c.a = (int64_t)n;
			c.error = op == FZ_WRITE ?
			    shmsim_write(c.p, c.fd, src, n, &done) :
			    shmsim_pwrite(c.p, c.fd, src, n, c.b, &done);
		}
		c.ret = (int64_t)done;
		call_end(d, c.error, c.ret, false);
		break;
	case FZ_LSEEK:
		x = u8(r);
		y = u8(r);
		b2 = u8(r);
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		c.a = sys_offset(d, y);
		c.flags = (int)(b2 % 6) == 5 ? 7 : (int)(b2 % 6);
		call_begin(d, pidx, "lseek(%d, %" PRId64 ", ", c.fd, c.a);
		if (d->out != NULL) {
			put_whence(d->out, c.flags);
			fputs(")", d->out);
		}
		call_flush(d);
		rv = 0;
		c.error = shmsim_lseek(c.p, c.fd, c.a, c.flags, &rv);
		c.ret = rv;
		call_end(d, c.error, c.ret, false);
		break;
	case FZ_SENDFD:
		x = u8(r);
		y = u8(r);
		if (pidx < 0)
			return;
		q = (int)(x % (unsigned)d->nprocs);
		c.fd2 = q;
		c.fd = sys_fd(d, y);
		call_begin(d, pidx, "sendfd(p%d, %d)", d->procs[q].id, c.fd);
		call_flush(d);
		c.error = shmsim_sendfd(c.p, d->procs[q].p, c.fd);
		call_end_ok(d, c.error);
		break;
	case FZ_RECVFD:
		if (pidx < 0)
			return;
		call_begin(d, pidx, "recvfd()");
		call_flush(d);
		fd = -1;
		c.error = shmsim_recvfd(c.p, &fd);
		c.ret = fd;
		call_end(d, c.error, c.ret, false);
		break;
	case FZ_PAGEOUT:
		x = u8(r) % 8;
		c.a = x;
		if (x == 0)
			drv_printf(d, "pageout\n");
		else
			drv_printf(d, "pageout %u\n", x);
		call_flush(d);
		moved = 0;
		c.error = shmsim_pageout(d->k, x, &moved);
		c.ret = (int64_t)moved;
		break;
	case FZ_EXEC:
		if (pidx < 0)
			return;
		sys_exec(d, pidx, &c);
		break;
	case FZ_FAULT:
		x = u8(r);
		y = u8(r);
		c.fd = (int)((x & 0x7f) % SHMSIM_FAULT_NSITES);
		c.a = y & 15;
		c.flags = (x & 0x80) != 0;
		drv_printf(d, "fault %s %u %s\n",
		    shmsim_fault_site_name((enum shmsim_fault_site)c.fd),
		    y & 15, c.flags ? "always" : "once");
		call_flush(d);
		c.error = shmsim_fault_set(d->k, (enum shmsim_fault_site)c.fd,
		    (uint64_t)c.a, c.flags != 0);
		break;
	case FZ_UMASK:
		x = u8(r);
		if (pidx < 0)
			return;
		c.mode = umask_table[x & 3];
		call_begin(d, pidx, "umask(0%03o)", (unsigned)c.mode);
		call_flush(d);
		oldmask = 0;
		c.error = shmsim_umask(c.p, c.mode, &oldmask);
		c.ret = oldmask;
		call_end(d, c.error, c.ret, true);
		break;
	case FZ_OPEN2:
		x = u8(r);
		y = u8(r);
		b2 = u8(r);
		q = (int)u8(r);
		if (pidx < 0)
			return;
		sys_name(x, &path, &len);
		c.path = path;
		c.pathlen = len;
		c.flags = open_flags(y);
		c.mode = mode_table[b2 & 7];
		c.a = open2_shmflags((unsigned int)q);
		{
			const char *nm = (q & 8) != 0 ? "name" : NULL;

			call_begin(d, pidx, "shm_open2(");
			if (d->out != NULL) {
				put_path(d->out, path, len);
				fputs(", ", d->out);
				put_oflags(d->out, c.flags);
				fputs(", ", d->out);
				put_mode(d->out, (unsigned)c.mode);
				fprintf(d->out, ", %d, %s)", (int)c.a,
				    nm != NULL ? "\"name\"" : "NULL");
			}
			call_flush(d);
			fd = -1;
			c.error = shmsim_shm_open2(c.p, path, c.flags, c.mode,
			    (int)c.a, nm, &fd);
		}
		c.ret = fd;
		call_end(d, c.error, c.ret, false);
		break;
	case FZ_RENAME:
		x = u8(r);
		y = u8(r);
		b2 = u8(r);
		if (pidx < 0)
			return;
		sys_name(x, &path, &len);
		c.path = path;
		c.pathlen = len;
		{
			const char *to;
			size_t tolen;

			sys_name(y, &to, &tolen);
			c.path2 = to;
			c.flags = rename_flags[b2 & 3];
			/* In a concurrent segment: no EXCHANGE (see
			 * run_segment). */
			if (d->in_seg && c.flags == SHMSIM_SHM_RENAME_EXCHANGE)
				c.flags = 0;
			call_begin(d, pidx, "shm_rename(");
			if (d->out != NULL) {
				put_path(d->out, path, len);
				fputs(", ", d->out);
				put_path(d->out, to, tolen);
				fprintf(d->out, ", %d)", c.flags);
			}
			call_flush(d);
			if (d->o->before != NULL)
				d->o->before(d->o->arg, d->k, &c);
			c.error = shmsim_shm_rename(c.p, path, to, c.flags);
		}
		call_end_ok(d, c.error);
		break;
	case FZ_MEMFD:
		x = u8(r);
		y = u8(r);
		if (pidx < 0)
			return;
		path = memfd_name(x, &len);
		c.path = path;
		c.flags = (int)memfd_flags[y & 7];
		call_begin(d, pidx, "memfd_create(");
		if (d->out != NULL) {
			put_path(d->out, path, len);
			fprintf(d->out, ", 0x%x)", (unsigned)c.flags);
		}
		call_flush(d);
		fd = -1;
		c.error =
		    shmsim_memfd_create(c.p, path, (unsigned)c.flags, &fd);
		c.ret = fd;
		call_end(d, c.error, c.ret, false);
		break;
	case FZ_FCHMOD:
		x = u8(r);
		y = u8(r);
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		c.mode = mode_table[y & 15];
		call_begin(d, pidx, "fchmod(%d, ", c.fd);
		if (d->out != NULL) {
			put_mode(d->out, (unsigned)c.mode);
			fputs(")", d->out);
		}
		call_flush(d);
		c.error = shmsim_fchmod(c.p, c.fd, c.mode);
		call_end_ok(d, c.error);
		break;
	case FZ_FCHOWN:
		x = u8(r);
		y = u8(r);
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		c.a = chown_ids[y & 3] == (uid_t)-1 ? -1 :
						      (int64_t)chown_ids[y & 3];
		c.b = chown_ids[(y >> 2) & 3] == (uid_t)-1 ?
		    -1 :
		    (int64_t)chown_ids[(y >> 2) & 3];
		call_begin(d, pidx, "fchown(%d, %" PRId64 ", %" PRId64 ")",
		    c.fd, c.a, c.b);
		call_flush(d);
		c.error = shmsim_fchown(c.p, c.fd, (uid_t)c.a, (gid_t)c.b);
		call_end_ok(d, c.error);
		break;
	case FZ_FALLOCATE:
	case FZ_FSPACECTL:
		x = u8(r);
		y = u8(r);
		b2 = u8(r);
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		c.a = sys_offset(d, y);
		c.b = sys_size(d, b2);
		if (op == FZ_FALLOCATE) {
			call_begin(d, pidx,
			    "posix_fallocate(%d, %" PRId64 ", %" PRId64 ")",
			    c.fd, c.a, c.b);
			call_flush(d);
			c.error = shmsim_posix_fallocate(c.p, c.fd, c.a, c.b);
		} else {
			/* Bit 7 of the offset byte: a bad command. */
			c.flags = (y & 0x80) != 0 ? 2 : SHMSIM_SPACECTL_DEALLOC;
			call_begin(d, pidx,
			    "fspacectl(%d, %s, %" PRId64 ", %" PRId64 ")", c.fd,
			    c.flags == 2 ? "2" : "SPACECTL_DEALLOC", c.a, c.b);
			call_flush(d);
			c.error = shmsim_fspacectl(c.p, c.fd, c.flags, c.a, c.b,
			    0, NULL, NULL);
		}
		call_end_ok(d, c.error);
		break;
	case FZ_IOCTL:
		x = u8(r);
		y = u8(r);
		b2 = u8(r);
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		c.a = (int64_t)ioctl_cmds[y & 7];
		/* arg0: a flag value, or psind 0..2; arg1: policy. */
		c.b = (int64_t)(b2 & 3);
		{
			int64_t arg1 = (int64_t)((b2 >> 2) & 3);

			call_begin(d, pidx,
			    "ioctl(%d, %" PRId64 ", %" PRId64 ", %" PRId64 ")",
			    c.fd, c.a, c.b, arg1);
			call_flush(d);
			rv = 0;
			c.error = shmsim_ioctl(c.p, c.fd, (unsigned long)c.a,
			    c.b, arg1, &rv);
		}
		c.ret = rv;
		call_end(d, c.error, c.ret, false);
		break;
	case FZ_MMAP:
		x = u8(r);
		y = u8(r);
		b2 = u8(r);
		q = (int)u8(r);
		if (pidx < 0)
			return;
		c.fd = sys_fd(d, x);
		/* Printed signed: UINT64_MAX as -1 (the language's
		 * integers are int64; the runner casts back). */
		c.a = (int64_t)sys_mlen(d, y);
		c.flags = mmap_flags[(y >> 3) & 7];
		c.b = sys_offset(d, (unsigned)q >> 4);
		{
			uint64_t addr = sys_maddr(d, b2), res = 0;
			int prot = mmap_prots[q & 7];

			call_begin(d, pidx,
			    "mmap(%#" PRIx64 ", %" PRId64
			    ", %d, %d, %d, %" PRId64 ")",
			    addr, c.a, prot, c.flags, c.fd, c.b);
			call_flush(d);
			c.error = shmsim_mmap(c.p, addr, (uint64_t)c.a, prot,
			    c.flags, c.fd, c.b, &res);
			c.ret = (int64_t)res;
			if (d->out != NULL && c.error == 0)
				fprintf(d->out, " => %#" PRIx64 "\n", res);
			else
				call_end_ok(d, c.error);
		}
		break;
	case FZ_MUNMAP:
	case FZ_MPROTECT:
		x = u8(r);
		y = u8(r);
		if (pidx < 0)
			return;
		{
			uint64_t addr = sys_maddr(d, x);
			int prot = mmap_prots[(y >> 3) & 7];

			c.a = (int64_t)sys_mlen(d, y);
			if (op == FZ_MUNMAP) {
				call_begin(d, pidx,
				    "munmap(%#" PRIx64 ", %" PRId64 ")", addr,
				    c.a);
				call_flush(d);
				c.error =
				    shmsim_munmap(c.p, addr, (uint64_t)c.a);
			} else {
				call_begin(d, pidx,
				    "mprotect(%#" PRIx64 ", %" PRId64 ", %d)",
				    addr, c.a, prot);
				call_flush(d);
				c.error = shmsim_mprotect(c.p, addr,
				    (uint64_t)c.a, prot);
			}
		}
		call_end_ok(d, c.error);
		break;
	case FZ_LOAD:
	case FZ_STORE:
		x = u8(r);
		y = u8(r);
		b2 = op == FZ_STORE ? u8(r) : 0;
		if (pidx < 0)
			return;
		len = sys_count(d, y);
		c.a = (int64_t)len;
		{
			uint64_t addr =
			    sys_maddr(d, x) + (uint64_t)((y >> 3) & 7) * 64;
			int sig = 0;

			if (op == FZ_LOAD) {
				call_begin(d, pidx, "load(%#" PRIx64 ", %zu)",
				    addr, len);
				call_flush(d);
				c.error =
				    shmsim_load(c.p, addr, buf, len, &sig);
			} else {
				memset(buf, (int)b2, len);
				call_begin(d, pidx, "store(%#" PRIx64 ", ",
				    addr);
				if (d->out != NULL) {
					put_str(d->out, buf, len, NULL, NULL);
					fputs(")", d->out);
				}
				call_flush(d);
				c.error =
				    shmsim_store(c.p, addr, buf, len, &sig);
			}
			c.ret = sig != 0 ? -sig : (int64_t)len;
			if (d->out != NULL && c.error == 0 && sig != 0)
				fprintf(d->out, " => %s\n",
				    sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
			else if (op == FZ_LOAD)
				put_read_result(d, c.error, buf, len);
			else
				call_end(d, c.error, c.ret, false);
		}
		break;
	case FZ_DUMP:
		drv_printf(d, "dump\n");
		call_flush(d);
		if (sink != NULL)
			(void)shmsim_dump(d->k, sink, SHMSIM_DUMP_TEXT, "fuzz");
		break;
	default:
		return;
	}
	after_call(d, &c);
}

/* ------------------------------------------------------------ segments */

/*
 * Concurrent segments (docs/fuzzing.md, "Concurrent segments").  The
 * opcode byte SEG_MARK (which the table would read as shm_unlink) starts
 * one:
 *
 *	SEG_MARK H A0 CALLS0 A1 CALLS1 ... SCHED
 *
 * H: bits 0-1 the number of actors, 2 + (H & 3) % 3 (2, 3, 4, 2); bits
 * 2-7 the number of schedule bytes S = H >> 2.  Each actor: a byte A --
 * bits 0-3 its process ((A & 15) modulo the live processes), bits 4-5
 * its number of calls, 1 + ((A >> 4) & 3), bit 6 the pagedaemon instead
 * (its calls are one byte each: pageout N, N = byte % 8) -- then its
 * calls: an opcode byte (% 48, sys_opcodes) and the call's operands,
 * without the process byte.  spawn, fault, dump and pageout are not
 * allowed in a block: their operands are read and the call left out; a
 * second pagedaemon's calls are left out too.  fork, exec and exit follow
 * the language's rules for a block (shmsim-scenario(5), CONCURRENCY): a
 * fork's child gets its name (p<id>) when the segment is read, and joins
 * the processes after it; a fork past FZ_MAX_PROCS live processes is left
 * out.  exec and exit are left out unless their actor is the only one on
 * its process; exit also unless no other actor sends to the process, and
 * the actor's calls after it are left out.  A rename
 * with SHM_RENAME_EXCHANGE renames plainly (the harness gives back the
 * kernel's known leak on a failed exchange by comparing the reference
 * counts before and after the call, which another actor may change in
 * between).  An actor on a process an earlier actor of the segment
 * already has is another thread of it (same descriptor table and
 * address space: "thread T of P").  Then S schedule bytes: the
 * segment's scheduling decisions, in order, as SHMSIM_SCHED_BYTES reads
 * them (byte b picks alternative b % n, the default first: 0 is the
 * default choice); decisions past them take the default.
 *
 * The segment runs as a par block under the input's explorer (created
 * at its first segment, BYTES mode; its run spans the whole input, so
 * its token covers every segment and replays the decoded scenario with
 * shmsim explore --replay), then the auditor runs.  Actors without a
 * call are left out, and a segment without any is not run.
 */
#define SEG_MARK 0xff
#define SEG_PAGEDAEMON "pagedaemon" /* its actor name (SC_PAGEDAEMON) */
#define SEG_MAX_ACTORS 4
#define SEG_MAX_CALLS 4
#define SEG_SCHED_MAX 63

static const char *const op_names[FZ_NOPS] = {
	[FZ_SPAWN] = "spawn",
	[FZ_FORK] = "fork",
	[FZ_EXIT] = "exit",
	[FZ_OPEN] = "shm_open",
	[FZ_CLOSE] = "close",
	[FZ_DUP] = "dup",
	[FZ_DUP2] = "dup2",
	[FZ_FCNTL] = "fcntl",
	[FZ_FTRUNCATE] = "ftruncate",
	[FZ_FSTAT] = "fstat",
	[FZ_READ] = "read",
	[FZ_WRITE] = "write",
	[FZ_PREAD] = "pread",
	[FZ_PWRITE] = "pwrite",
	[FZ_LSEEK] = "lseek",
	[FZ_UNLINK] = "shm_unlink",
	[FZ_SENDFD] = "sendfd",
	[FZ_RECVFD] = "recvfd",
	[FZ_PAGEOUT] = "pageout",
	[FZ_EXEC] = "exec",
	[FZ_FAULT] = "fault",
	[FZ_UMASK] = "umask",
	[FZ_DUMP] = "dump",
	[FZ_OPEN2] = "shm_open2",
	[FZ_RENAME] = "shm_rename",
	[FZ_MEMFD] = "memfd_create",
	[FZ_FCHMOD] = "fchmod",
	[FZ_FCHOWN] = "fchown",
	[FZ_FALLOCATE] = "posix_fallocate",
	[FZ_FSPACECTL] = "fspacectl",
	[FZ_IOCTL] = "ioctl",
	[FZ_MMAP] = "mmap",
	[FZ_MUNMAP] = "munmap",
	[FZ_MPROTECT] = "mprotect",
	[FZ_LOAD] = "load",
	[FZ_STORE] = "store",
};

/* Operand bytes of each call, the process byte not counted. */
static const unsigned char sys_noperands[FZ_NOPS] = {
	[FZ_SPAWN] = 1,
	[FZ_OPEN] = 3,
	[FZ_CLOSE] = 1,
	[FZ_DUP] = 1,
	[FZ_DUP2] = 2,
	[FZ_FCNTL] = 3,
	[FZ_FTRUNCATE] = 2,
	[FZ_FSTAT] = 1,
	[FZ_READ] = 2,
	[FZ_WRITE] = 3,
	[FZ_PREAD] = 3,
	[FZ_PWRITE] = 4,
	[FZ_LSEEK] = 3,
	[FZ_UNLINK] = 1,
	[FZ_SENDFD] = 2,
	[FZ_PAGEOUT] = 1,
	[FZ_FAULT] = 2,
	[FZ_UMASK] = 1,
	[FZ_OPEN2] = 4,
	[FZ_RENAME] = 3,
	[FZ_MEMFD] = 2,
	[FZ_FCHMOD] = 2,
	[FZ_FCHOWN] = 2,
	[FZ_FALLOCATE] = 3,
	[FZ_FSPACECTL] = 3,
	[FZ_IOCTL] = 3,
	[FZ_MMAP] = 4,
	[FZ_MUNMAP] = 2,
	[FZ_MPROTECT] = 2,
	[FZ_LOAD] = 2,
	[FZ_STORE] = 3,
};

static bool
seg_allowed(enum sc_fuzz_op op)
{
	return (op != FZ_SPAWN && op != FZ_FAULT && op != FZ_DUMP &&
	    op != FZ_PAGEOUT);
}

struct seg_actor {
	struct drv d; /* the driver's copy: out, who, in_seg */
	struct rd rd; /* the input */
	FILE *sink;
	unsigned char *buf;
	int pidx; /* -1: the pagedaemon */
	int ncalls;
	struct {
		enum sc_fuzz_op op;
		size_t at;    /* its operands' offset in the input */
		int child_id; /* FZ_FORK: the child's id */
		struct shmsim_proc *child; /* FZ_FORK: the child, or NULL */
	} calls[SEG_MAX_CALLS];
	char name[16];
	char *text; /* decode: its lines */
	size_t textlen;
};

static struct seg_actor seg_actors[SEG_MAX_ACTORS];
static unsigned char seg_bufs[SEG_MAX_ACTORS][sizeof(io_buf)];

static void
seg_actor_main(void *arg)
{
	struct seg_actor *a = arg;
	struct drv *d = &a->d;
	struct sc_fuzz_call c;
	char label[48];
	uint64_t moved;
	unsigned n;
	int i;

	for (i = 0; i < a->ncalls; i++) {
		a->rd.i = a->calls[i].at;
		if (a->pidx < 0) {
			n = u8(&a->rd) % 8;
			shmsim_explorer_label(d->e, "pagedaemon: pageout");
			if (n == 0)
				drv_printf(d, "%s: pageout\n", SEG_PAGEDAEMON);
			else
				drv_printf(d, "%s: pageout %u\n",
				    SEG_PAGEDAEMON, n);
			moved = 0;
			memset(&c, 0, sizeof(c));
			c.op = FZ_PAGEOUT;
			c.pidx = -1;
			c.a = n;
			c.error = shmsim_pageout(d->k, n, &moved);
			c.ret = (int64_t)moved;
			after_call(d, &c);
			continue;
		}
		snprintf(label, sizeof(label), "%s: %s", a->name,
		    op_names[a->calls[i].op]);
		shmsim_explorer_label(d->e, label);
		d->seg_fork_id = a->calls[i].child_id;
		d->seg_fork_child = &a->calls[i].child;
		sys_do(d, &a->rd, a->calls[i].op, a->pidx, a->sink, a->buf);
	}
}

/* The text of a decode stream, each line indented, into the scenario. */
static void
put_indented(FILE *out, const char *s, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j < n && s[j] != '\n'; j++)
			continue;
		fprintf(out, "  %.*s\n", (int)(j - i), s + i);
		i = j + 1;
	}
}

/* The process a sendfd of actor a at its call i sends to (its index). */
static int
seg_sendfd_to(const struct drv *d, const struct rd *r, size_t at)
{
	struct rd t = *r;

	t.i = at;
	return ((int)(u8(&t) % (unsigned)d->nprocs));
}

/* Drop call i of actor a. */
static void
seg_drop(struct seg_actor *a, int i)
{
	memmove(&a->calls[i], &a->calls[i + 1],
	    (size_t)(a->ncalls - i - 1) * sizeof(a->calls[0]));
	a->ncalls--;
}

/*
 * The language's rules for fork, exec and exit in a block (see above),
 * over the n actors read; actors left without a call go.  Returns the
 * number of actors left.
 */
static int
seg_rules(struct drv *d, const struct rd *r, int n)
{
	struct seg_actor *a, *b;
	int i, j, k, m, nforks = 0;
	bool alone, sent_to;

	for (i = 0; i < n; i++) {
		a = &seg_actors[i];
		if (a->pidx < 0)
			continue;
		alone = true;
		sent_to = false;
		for (j = 0; j < n; j++) {
			b = &seg_actors[j];
			if (j == i || b->pidx < 0)
				continue;
			if (b->pidx == a->pidx)
				alone = false;
			for (k = 0; k < b->ncalls; k++)
				if (b->calls[k].op == FZ_SENDFD &&
				    seg_sendfd_to(d, r, b->calls[k].at) ==
					a->pidx)
					sent_to = true;
		}
		for (k = 0; k < a->ncalls; k++) {
			a->calls[k].child = NULL;
			a->calls[k].child_id = 0;
			switch (a->calls[k].op) {
			case FZ_FORK:
				if (d->nprocs + nforks == FZ_MAX_PROCS) {
					seg_drop(a, k--);
					break;
				}
				nforks++;
				a->calls[k].child_id = ++d->nextid;
				break;
			case FZ_EXEC:
				if (!alone)
					seg_drop(a, k--);
				break;
			case FZ_EXIT:
				if (!alone || sent_to)
					seg_drop(a, k--);
				else
					a->ncalls = k + 1;
				break;
			default:
				break;
			}
		}
	}
	/* Actors left without a call go (their names are not printed). */
	for (i = m = 0; i < n; i++) {
		if (seg_actors[i].ncalls == 0)
			continue;
		if (m != i) {
			seg_actors[m] = seg_actors[i];
			seg_actors[m].buf = seg_bufs[m];
			seg_actors[m].d.who = seg_actors[m].name;
		}
		m++;
	}
	return (m);
}

/*
 * After a segment: the processes that exited leave procs, the children
 * forked join it (in the order their names were given).
 */
static void
seg_procs(struct drv *d, int n)
{
	struct seg_actor *a;
	bool gone[FZ_MAX_PROCS] = { false };
	int i, k, pidx;

	for (i = 0; i < n; i++) {
		a = &seg_actors[i];
		if (a->pidx >= 0 && a->ncalls > 0 &&
		    a->calls[a->ncalls - 1].op == FZ_EXIT)
			gone[a->pidx] = true;
	}
	for (pidx = d->nprocs - 1; pidx >= 0; pidx--)
		if (gone[pidx]) {
			memmove(&d->procs[pidx], &d->procs[pidx + 1],
			    (size_t)(d->nprocs - pidx - 1) *
				sizeof(d->procs[0]));
			d->nprocs--;
		}
	for (i = 0; i < n; i++) {
		a = &seg_actors[i];
		for (k = 0; k < a->ncalls; k++)
			if (a->calls[k].op == FZ_FORK &&
			    a->calls[k].child != NULL &&
			    d->nprocs < FZ_MAX_PROCS) {
				d->procs[d->nprocs].p = a->calls[k].child;
				d->procs[d->nprocs].id = a->calls[k].child_id;
				d->nprocs++;
			}
	}
}

static void
run_segment(struct drv *d, struct rd *r, FILE *sink)
{
	struct shmsim_explore_opts eo;
	struct shmsim_explore_stats es;
	const char *names[SEG_MAX_ACTORS];
	shmsim_actor_fn *fns[SEG_MAX_ACTORS];
	void *args[SEG_MAX_ACTORS];
	struct seg_actor *a;
	unsigned h, nact, nsched, ab, ncalls, j, op;
	size_t sched_at, dec, k;
	bool used[FZ_MAX_PROCS] = { false }, pagedaemon = false;
	char report[8192];
	int i, n = 0, error, v;

	h = u8(r);
	nact = 2 + (h & 3) % 3;
	nsched = h >> 2;
	for (j = 0; j < nact; j++) {
		a = &seg_actors[n];
		a->ncalls = 0;
		ab = u8(r);
		ncalls = 1 + ((ab >> 4) & 3);
		if ((ab & 0x40) != 0) {
			/* The pagedaemon: one byte per pageout. */
			a->pidx = -1;
			for (k = 0; k < ncalls; k++) {
				if (!pagedaemon) {
					a->calls[a->ncalls].op = FZ_PAGEOUT;
					a->calls[a->ncalls++].at = r->i;
				}
				(void)u8(r);
			}
			if (pagedaemon)
				a->ncalls = 0;
			pagedaemon = pagedaemon || a->ncalls > 0;
		} else {
			a->pidx = d->nprocs > 0 ?
			    (int)((ab & 15) % (unsigned)d->nprocs) :
			    -1;
			for (k = 0; k < ncalls; k++) {
				op = sys_opcodes[u8(r) % SYS_NOPCODES];
				if (seg_allowed((enum sc_fuzz_op)op)) {
					a->calls[a->ncalls].op =
					    (enum sc_fuzz_op)op;
					a->calls[a->ncalls++].at = r->i;
				}
				for (v = 0; v < sys_noperands[op]; v++)
					(void)u8(r);
			}
			if (a->pidx < 0)
				a->ncalls = 0;
		}
		if (a->ncalls == 0)
			continue;
		a->d = *d;
		a->d.in_seg = true;
		a->d.out = NULL;
		a->rd = *r;
		a->sink = sink;
		a->buf = seg_bufs[n];
		a->text = NULL;
		a->textlen = 0;
		if (a->pidx < 0)
			snprintf(a->name, sizeof(a->name), "%s",
			    SEG_PAGEDAEMON);
		else if (used[a->pidx])
			snprintf(a->name, sizeof(a->name), "t%d",
			    ++d->nextthread);
		else {
			snprintf(a->name, sizeof(a->name), "p%d",
			    d->procs[a->pidx].id);
			used[a->pidx] = true;
		}
		a->d.who = a->name;
		n++;
	}
	sched_at = r->i;
	for (j = 0; j < nsched; j++)
		(void)u8(r);
	n = seg_rules(d, r, n);
	if (n == 0)
		return;

	if (d->e == NULL) {
		memset(&eo, 0, sizeof(eo));
		eo.mode = SHMSIM_SCHED_BYTES;
		eo.panic_status = 0; /* a panic aborts, after the schedule */
		if (d->o->explorer != NULL && *d->o->explorer != NULL) {
			d->e = *d->o->explorer;
			if (shmsim_explorer_reset(d->e, &eo) != 0)
				abort();
		} else {
			if (shmsim_explorer_create(&eo, &d->e) != 0)
				abort();
			if (d->o->explorer != NULL)
				*d->o->explorer = d->e;
		}
		if (!shmsim_explorer_begin(d->e))
			abort();
	}
	/* This segment's bytes decide from its first decision on (those
	 * past the end of the input read as 0, the default). */
	shmsim_explorer_stats(d->e, &es);
	dec = (size_t)es.decisions;
	k = sched_at >= r->n ? 0 : r->n - sched_at;
	if (k > nsched)
		k = nsched;
	if (shmsim_explorer_set_bytes(d->e, k > 0 ? r->d + sched_at : NULL,
		k) != 0)
		abort();
	d->nsegs++;
	d->r->segments++;

	if (d->out != NULL) {
		fprintf(d->out,
		    "# concurrent segment %d: %d actor(s), schedule bytes "
		    "from decision %zu:",
		    d->nsegs, n, dec);
		for (j = 0; j < nsched; j++)
			fprintf(d->out, " %02x",
			    sched_at + j < r->n ? r->d[sched_at + j] : 0);
		fprintf(d->out, "%s\n", nsched == 0 ? " (none)" : "");
		for (i = 0; i < n; i++) {
			a = &seg_actors[i];
			if (a->name[0] == 't')
				fprintf(d->out, "thread %s of p%d\n", a->name,
				    d->procs[a->pidx].id);
		}
		fflush(d->out);
	}
	for (i = 0; i < n; i++) {
		a = &seg_actors[i];
		a->d.e = d->e;
		if (d->out != NULL &&
		    (a->d.out = open_memstream(&a->text, &a->textlen)) == NULL)
			abort();
		names[i] = a->name;
		fns[i] = seg_actor_main;
		args[i] = a;
	}
	error = shmsim_explorer_par(d->e, n, names, fns, args, report,
	    sizeof(report));
	if (d->out != NULL) {
		fputs("par\n", d->out);
		for (i = 0; i < n; i++) {
			a = &seg_actors[i];
			fclose(a->d.out);
			put_indented(d->out, a->text, a->textlen);
			free(a->text);
			a->text = NULL;
		}
		fputs("end\n", d->out);
		fflush(d->out);
	}
	seg_procs(d, n);
	if (error == EDEADLK) {
		/*
		 * The kernel is abandoned: no clean-up, no audit.  Its
		 * cache of host blocks stays with it: the next input
		 * makes another.
		 */
		if (d->o->hostmem != NULL)
			*d->o->hostmem = NULL;
		d->r->deadlock = true;
		snprintf(d->r->sched_report, sizeof(d->r->sched_report), "%s",
		    report);
		d->dead = d->stop = true;
		return;
	}
	if (error != 0) {
		fprintf(stderr, "shmsim: concurrent segment: %s: %s\n",
		    shmsim_errno_name(error), report);
		abort();
	}
	if (!d->o->audit_each || d->stop)
		return;
	if (shmsim_audit(d->k, NULL, 0) == 0)
		return;
	d->r->audit_violations =
	    shmsim_audit(d->k, d->r->audit_report, sizeof(d->r->audit_report));
	d->r->audit_call = d->r->ncalls;
	d->stop = true;
	drv_printf(d, "audit\n");
}

/* The end of a syscalls input: the clean-up, then the explorer's run. */
static void
seg_finish(struct drv *d)
{
	if (!d->dead)
		drv_finish(d);
	if (d->e == NULL)
		return;
	(void)shmsim_explorer_end(d->e, d->stop, NULL, 0);
	snprintf(d->r->sched_token, sizeof(d->r->sched_token), "%s",
	    shmsim_explorer_token(d->e));
	if (d->o->explorer == NULL)
		shmsim_explorer_destroy(d->e);
	d->e = NULL;
}
static void
run_syscalls(struct drv *d, struct rd *r, FILE *sink)
{
	struct shmsim_cred cr;
	unsigned b0, b1, b2, x;
	int pidx;

	b0 = u8(r);
	b1 = u8(r);
	b2 = u8(r);
	shmsim_config_init(&d->cfg);
	d->cfg.threads = SHMSIM_THREADS_SINGLE; /* one host thread */
	d->cfg.profile =
	    (b0 & 1) != 0 ? SHMSIM_PROFILE_2008 : SHMSIM_PROFILE_CURRENT;
	d->cfg.page_size = page_sizes[(b0 >> 1) & 3];
	d->cfg.hash_buckets = 1 + ((b0 >> 3) & 15);
	if ((b0 & 0x80) != 0) {
		d->cfg.page_sizes[0] = d->cfg.page_size;
		d->cfg.page_sizes[1] = 4 * (uint64_t)d->cfg.page_size;
	}
	d->cfg.max_fds = 1 + (int)(b1 & 15);
	d->cfg.max_files = max_files_table[(b1 >> 4) & 15];
	d->cfg.swap_pages = swap_table[b2 & 15];
	d->cfg.mem_pages = mem_table[(b2 >> 4) & 15];
	/*
	 * Large pages are wired: mem_pages bounds them (the model's
	 * physical memory, vm_page_alloc_contig), else up to 64 GiB of
	 * 4-page callocs would sink the host under ASan.
	 */
	if (d->cfg.page_sizes[1] != 0 && d->cfg.mem_pages == 0)
		d->cfg.mem_pages = 1024;
	if (!drv_start(d))
		return;
	shmsim_cred_init(&cr);
	do_spawn(d, &cr);

	while (r->i < r->n && !d->stop && d->r->ncalls < FZ_MAX_CALLS) {
		enum sc_fuzz_op op;

		x = u8(r);
		if (x == SEG_MARK) {
			run_segment(d, r, sink);
			continue;
		}
		op = sys_opcodes[x % SYS_NOPCODES];
		/* Every call but these names its process first. */
		pidx = -1;
		if (op != FZ_SPAWN && op != FZ_PAGEOUT && op != FZ_FAULT &&
		    op != FZ_DUMP) {
			x = u8(r);
			if (d->nprocs > 0)
				pidx = (int)(x % (unsigned)d->nprocs);
		}
		sys_do(d, r, op, pidx, sink, io_buf);
	}
	seg_finish(d);
}

/* ------------------------------------------------------------ entry */

int
sc_fuzz_run(enum sc_fuzz_target t, const uint8_t *data, size_t size,
    const struct sc_fuzz_opts *o, struct sc_fuzz_result *r)
{
	struct rd rd = { data, size, 0 };
	struct drv d;

	drv_init(&d, o, r);
	switch (t) {
	case SC_FUZZ_NAMES:
		run_names(&d, &rd);
		return (0);
	case SC_FUZZ_SYSCALLS:
		run_syscalls(&d, &rd, o->sink);
		return (0);
	default:
		return (-1);
	}
}

static void
put_report_comment(FILE *out, const char *report)
{
	const char *s = report, *nl;

	while (*s != '\0') {
		nl = strchr(s, '\n');
		if (nl == NULL)
			nl = s + strlen(s);
		fprintf(out, "#   %.*s\n", (int)(nl - s), s);
		s = *nl == '\n' ? nl + 1 : nl;
	}
}

int
sc_decode(enum sc_fuzz_target t, const uint8_t *data, size_t size,
    const char *label, FILE *out)
{
	struct sc_fuzz_opts o;
	struct sc_fuzz_result *r;
	int rc = 0;

	if (t == SC_FUZZ_SCENARIO) {
		fprintf(out,
		    "# shmsim decode scenario %s: the input is "
		    "scenario text, shown as it is\n",
		    label);
		fwrite(data, 1, size, out);
		if (size > 0 && data[size - 1] != '\n')
			fputc('\n', out);
		return (0);
	}
	if ((unsigned)t >= SC_FUZZ_NTARGETS)
		return (2);
	r = malloc(sizeof(*r));
	if (r == NULL)
		return (3);
	memset(&o, 0, sizeof(o));
	o.out = out;
	o.audit_each = true;
	fprintf(out,
	    "# shmsim decode %s %s (%zu bytes): the calls the fuzz "
	    "target made,\n# each with the result it observed as the "
	    "expectation.\n",
	    sc_fuzz_target_name(t), label, size);
	(void)sc_fuzz_run(t, data, size, &o, r);
	if (r->deadlock) {
		fprintf(out,
		    "# DEADLOCK in the last par block: every unfinished "
		    "actor is blocked\n# (the kernel was abandoned: no "
		    "clean-up, audit or leak check):\n");
		put_report_comment(out, r->sched_report);
		rc = 1;
	}
	if (r->segments > 0 && r->sched_token[0] == '(')
		/* Never a replay command that cannot work. */
		fprintf(out,
		    "# %d concurrent segment(s): the par blocks ran in a "
		    "schedule\n# %s, so no replay command is printed\n",
		    r->segments, r->sched_token);
	else if (r->segments > 0)
		fprintf(out,
		    "# %d concurrent segment(s): the par blocks ran in the "
		    "schedule\n# %s\n# which replays exactly with (this "
		    "scenario saved as case.shm):\n#   shmsim explore "
		    "--replay %s case.shm\n# (shmsim run runs the fixed "
		    "schedule, where a result may differ)\n",
		    r->segments, r->sched_token, r->sched_token);
	if (r->audit_violations != 0) {
		fprintf(out,
		    "# The auditor found %d violation(s) after call "
		    "%d:\n",
		    r->audit_violations, r->audit_call);
		put_report_comment(out, r->audit_report);
		rc = 1;
	}
	if (r->leaks != 0) {
		fprintf(out, "# The leak check found %d leak(s):\n", r->leaks);
		put_report_comment(out, r->leak_report);
		rc = 1;
	}
	free(r);
	return (rc);
}
