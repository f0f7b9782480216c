/*
 * The fault loop (docs/fault-loop.md), as SQLite tests out-of-memory:
 * every scenario of the suite is run once per (fault site, hit position,
 * mode), with the site armed to fail its nth hit once, or that hit and
 * every later one (persistent).  During each run it checks:
 *
 *   - the call during which the fault fired returns the kernel's errno
 *     for that site (site_errno(): swap_reserve ENOMEM, page_alloc EIO,
 *     copyin EFAULT, obj_alloc ENOMEM, pager_io EIO, with the kernel's
 *     variations: ENOSPC from posix_fallocate, ENOMEM when a large-page
 *     object grows);
 *   - the state after that call is the state before it (shmsim_dump text
 *     compared line by line), except for the kernel's own exceptions,
 *     calls that keep partial progress when they fail (partial_ok():
 *     transfers that stop part-way, grow-on-write growth, large-page
 *     growth, fspacectl), which may change only what such a prefix can;
 *   - no fault fires outside a call, and a fault that fires always makes
 *     its call fail;
 *   - the audit is clean after every statement;
 *   - nothing leaks: the runner's final audit and shmsim_kernel_destroy()
 *     leak check find nothing.
 *
 * Expectations written in the scenario are checked until the first
 * fault fires (they must all pass), and not after: the fault changes
 * them.  Every scenario must first pass unfaulted.
 *
 * usage: fault_loop [-v] [-s SITE]... FILE_OR_DIR...
 * A directory stands for its *.shm files (not those in subfolders, so
 * fail/ and bad/ stay out).  Exit status 0 when every check held.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "scenario.h"

/* What the loop knows about one run. */
struct ctx {
	const struct sc_script *sc;
	struct sc_totals *t;
	bool armed;
	enum shmsim_fault_site site;
	uint64_t nth;
	bool persistent;

	struct shmsim_kernel *k;
	uint64_t h0; /* hits of site before the statement */
	uint64_t hits[SHMSIM_FAULT_NSITES]; /* after the last statement */
	/* Unfaulted run: hits of each site after each statement. */
	uint64_t (*stmt_hits)[SHMSIM_FAULT_NSITES];
	/* Faulted run: the first statement that can fire (from the
	 * unfaulted run, which is the same up to the nth hit); no dump is
	 * needed before it, nor after it in once mode. */
	int first_stmt;
	int fired;	 /* calls during which the fault fired */
	int failed_last; /* t->failed after the last statement */
	char *dump0;	 /* dump before the current call */
	size_t dump0len;
	bool have_fi0;		  /* fi0 and the flags below are set */
	struct shmsim_fdinfo fi0; /* the call's descriptor before it */
	bool largepage0;	  /* its object is a large-page one */
	bool growonwrite0;	  /* it grows on write */
	bool expect_reported;	  /* "an expectation failed" said once */
	int errors;		  /* checks that did not hold */
	int checked;		  /* fired calls checked */
	int partial;		  /* of which kept partial progress */
};

static bool verbose;
static const char *current_case = "";

static void xfail(struct ctx *c, const struct sc_stmt *st, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
xfail(struct ctx *c, const struct sc_stmt *st, const char *fmt, ...)
{
	va_list ap;

	c->errors++;
	if (c->errors > 5)
		return;
	if (st != NULL)
		printf("%s:%d: FAIL [%s]: ", c->sc->file, st->line,
		    current_case);
	else
		printf("%s: FAIL [%s]: ", c->sc->file, current_case);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (st != NULL)
		printf("    statement: %s\n", st->text);
}

/*
 * A simulated load or store: it faults page by page, and a fault that
 * fails keeps what the pages before it did (pages faulted in, copied or
 * paged in) and the shadow object that a store to a copy-on-write entry
 * gets before its page is looked up (vm_map_lookup -> vm_object_shadow).
 */
static bool
is_uaccess(const char *call)
{
	return (strcmp(call, "load") == 0 || strcmp(call, "store") == 0);
}

/*
 * The errno the kernel returns when site fails under call; largepage:
 * the call's descriptor is a large-page object (shmflags LARGEPAGE).
 */
static int
site_errno(enum shmsim_fault_site site, const char *call, bool largepage)
{
	/* shm_fallocate(): "Translate to posix_fallocate(2) return value". */
	bool fallocate = strcmp(call, "posix_fallocate") == 0;

	switch (site) {
	case SHMSIM_FAULT_SWAP_RESERVE:
		/* swap_reserve_by_cred() in shm_dotruncate_locked() */
		return (fallocate ? ENOSPC : ENOMEM);
	case SHMSIM_FAULT_PAGE_ALLOC:
		/* Large-page growth (shm_dotruncate_largepage()): ENOMEM.
		 * uiomove_object_page() and shm_partial_page_invalidate()
		 * turn any failure to get a page into EIO; the debugger
		 * access (load, store: peek/poke) reports ENOMEM. */
		if (largepage)
			return (fallocate ? ENOSPC : ENOMEM);
		if (is_uaccess(call))
			return (ENOMEM);
		return (EIO);
	case SHMSIM_FAULT_COPYIN:
		return (EFAULT); /* copyinstr() */
	case SHMSIM_FAULT_OBJ_ALLOC:
		return (ENOMEM); /* shm_alloc() */
	case SHMSIM_FAULT_PAGER_IO:
		/* A pagein error in a fault is SIGBUS (vm_fault_getpages()
		 * -> KERN_OUT_OF_BOUNDS); the runner reports -SIGBUS. */
		if (is_uaccess(call))
			return (-SIGBUS);
		return (EIO); /* swap_pager_getpages() */
	default:
		return (-1);
	}
}

static char *
dump_text(struct shmsim_kernel *k, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL) {
		perror("open_memstream");
		exit(3);
	}
	(void)shmsim_dump(k, f, SHMSIM_DUMP_TEXT, NULL);
	fclose(f);
	*lenp = len;
	return (buf);
}

static bool
is_transfer(const char *call)
{
	return (strcmp(call, "read") == 0 || strcmp(call, "write") == 0 ||
	    strcmp(call, "pread") == 0 || strcmp(call, "pwrite") == 0);
}

/* Calls whose first argument is a descriptor that may fail part-way. */
static bool
is_fd_call(const char *call)
{
	return (is_transfer(call) || strcmp(call, "ftruncate") == 0 ||
	    strcmp(call, "posix_fallocate") == 0 ||
	    strcmp(call, "fspacectl") == 0);
}

/* Split text into lines (in place); returns the count. */
static int
split_lines(char *text, char ***linesp)
{
	int n = 0, cap = 64;
	char **lines = malloc((size_t)cap * sizeof(*lines)), *s, *nl;

	for (s = text; s != NULL && *s != '\0'; s = nl) {
		nl = strchr(s, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		if (n == cap) {
			cap *= 2;
			lines = realloc(lines, (size_t)cap * sizeof(*lines));
		}
		lines[n++] = s;
	}
	*linesp = lines;
	return (n);
}

/*
 * In dump lines, the file, shm and object behind pid's fd: the prefixes
 * of their lines ("file F:", "shm S ", "object O:").
 */
static bool
find_fd_chain(char **l, int n, int pid, int fd, char *fileprefix,
    char *shmprefix, char *objprefix, size_t plen)
{
	char want[64];
	int i, file = -1, shm = -1, obj = -1;

	snprintf(want, sizeof(want), "process pid %d", pid);
	for (i = 0; i < n; i++)
		if (strncmp(l[i], want, strlen(want)) == 0 &&
		    (l[i][strlen(want)] == ' ' || l[i][strlen(want)] == ':'))
			break;
	snprintf(want, sizeof(want), "  fd %d -> file ", fd);
	for (i++; i < n && l[i][0] == ' '; i++)
		if (strncmp(l[i], want, strlen(want)) == 0) {
			file = atoi(l[i] + strlen(want));
			break;
		}
	if (file < 0)
		return (false);
	snprintf(fileprefix, plen, "file %d:", file);
	for (i = 0; i < n; i++) {
		const char *a;

		if (strncmp(l[i], fileprefix, strlen(fileprefix)) == 0 &&
		    (a = strstr(l[i], "-> shm ")) != NULL)
			shm = atoi(a + 7);
	}
	if (shm < 0)
		return (false);
	snprintf(shmprefix, plen, "shm %d ", shm);
	for (i = 0; i < n; i++) {
		const char *a;

		if (strncmp(l[i], shmprefix, strlen(shmprefix)) == 0 &&
		    (a = strstr(l[i], "-> object ")) != NULL)
			obj = atoi(a + 10);
	}
	if (obj < 0)
		return (false);
	snprintf(objprefix, plen, "object %d:", obj);
	return (true);
}

/*
 * The kernel's own exceptions: calls that fail part-way and keep what
 * they did before the failure.
 *
 *  - read, write, pread, pwrite: uiomove_object() stops at the failing
 *    page; dofileread()/dofilewrite() return the error (EIO is not one
 *    they turn into a short count) and foffset_unlock_uio() stores the
 *    offset reached.  The pages already moved stay paged in/allocated.
 *  - write or pwrite to a SHM_GROW_ON_WRITE object: shm_write() grows
 *    the object to the end of the write first (shm_dotruncate_cookie()),
 *    and does not undo the growth when uiomove_object() fails.
 *  - growth of a large-page object (ftruncate, posix_fallocate, a
 *    grow-on-write write): shm_dotruncate_largepage() adds one large page
 *    at a time and keeps those added when an allocation fails.
 *  - fspacectl(SPACECTL_DEALLOC): shm_deallocate() zeroes the head page,
 *    frees the whole pages, then zeroes the tail page; a pager error on
 *    the tail keeps the rest done.
 *
 * Check that only what such a prefix would change did: the lines of the
 * call's file (offset), shm (size), object (size, pages), the swap,
 * counts and malloc lines, and each only as the call allows.
 */
static bool
partial_ok(struct ctx *c, const struct sc_stmt *st, struct shmsim_proc *p,
    const struct sc_value *args, char *before, char *after,
    const struct shmsim_fdinfo *fi1, const char **why)
{
	const char *call = sc_calls[st->call].name;
	const struct shmsim_config *cfg = shmsim_kernel_config(c->k);
	const struct shmsim_fdinfo *fi0 = &c->fi0;
	uint64_t psize = cfg->page_size;
	char **lb, **la, fpre[64], spre[64], opre[64];
	int nb, na, i;
	bool ok = false, pcall = call[0] == 'p' && call[1] != 'o';
	bool transfer = is_transfer(call), reading = call[pcall] == 'r';
	bool spacectl = strcmp(call, "fspacectl") == 0;
	bool growable, lp;
	int64_t off0 = 0, nbytes = 0, end, target = -1;
	uint64_t pages0, pages1, span, moved;

	nb = split_lines(before, &lb);
	na = split_lines(after, &la);
	*why = "the structures changed";
	if (nb != na || !c->have_fi0 ||
	    !find_fd_chain(lb, nb, shmsim_proc_pid(p), (int)args[0].i, fpre,
		spre, opre, sizeof(fpre)))
		goto out;
	lp = c->largepage0;
	if (transfer) {
		/* The range the call asked for. */
		off0 = pcall ? args[2].i : fi0->f_offset;
		nbytes = reading ? args[1].i :
				   (args[1].is_str ? (int64_t)args[1].len : 1);
		if (!reading && c->growonwrite0)
			target = off0 + nbytes;
	} else if (strcmp(call, "ftruncate") == 0)
		target = args[1].i;
	else if (strcmp(call, "posix_fallocate") == 0)
		target = args[1].i + args[2].i;
	/* The size may change only by growth that is kept. */
	growable = target > fi0->size && (lp || transfer);
	for (i = 0; i < nb; i++) {
		if (strcmp(lb[i], la[i]) == 0)
			continue;
		if (strncmp(lb[i], fpre, strlen(fpre)) == 0 && transfer &&
		    !pcall)
			continue;
		if (strncmp(lb[i], spre, strlen(spre)) == 0 && growable)
			continue;
		if (strncmp(lb[i], opre, strlen(opre)) == 0 ||
		    strncmp(lb[i], "swap: ", 6) == 0 ||
		    strncmp(lb[i], "counts: ", 8) == 0 ||
		    strncmp(lb[i], "malloc: ", 8) == 0)
			continue;
		*why = "a line other than the call's file, shm and object and "
		       "the global counts changed";
		goto out;
	}
	*why = "the object's size or charge changed wrongly";
	if (fi1->size != fi0->size) {
		if (!growable || fi1->size < fi0->size || fi1->size > target ||
		    fi1->obj_size != ((uint64_t)fi1->size + psize - 1) / psize)
			goto out;
		if (lp) {
			/* Whole large pages added, no charge. */
			uint64_t added = fi1->resident - fi0->resident;

			if (fi1->resident <= fi0->resident ||
			    fi1->charge != fi0->charge ||
			    (uint64_t)(fi1->size - fi0->size) % added != 0)
				goto out;
			for (i = 1; i < SHMSIM_MAXPAGESIZES; i++)
				if (cfg->page_sizes[i] ==
				    (uint64_t)(fi1->size - fi0->size) / added)
					break;
			if (i == SHMSIM_MAXPAGESIZES)
				goto out;
			if (!transfer)
				goto done;
			/*
			 * A grow-on-write write whose growth failed returned
			 * before moving a byte: the offset stays.
			 */
			*why = "a large-page write moved after its growth "
			       "failed";
			if (fi1->f_offset != fi0->f_offset)
				goto out;
			goto done;
		} else if (fi1->size != target ||
		    fi1->charge - fi0->charge !=
			(fi1->obj_size - fi0->obj_size) * psize)
			goto out; /* grow-on-write: all at once */
	} else if (fi1->charge != fi0->charge || fi1->obj_size != fi0->obj_size)
		goto out;
	*why = "pages changed in a way the call cannot";
	if (fi1->swapped > fi0->swapped)
		goto out;
	pages0 = fi0->resident + fi0->swapped;
	pages1 = fi1->resident + fi1->swapped;
	if (spacectl) {
		/* Pages freed, and the head page paged in to be zeroed. */
		if (pages1 > pages0)
			goto out;
		goto done;
	}
	if (!transfer)
		goto out; /* ftruncate, posix_fallocate: nothing else */
	if (pages1 < pages0 || (reading && pages1 != pages0))
		goto out;
	/* Pages paged in or allocated: no more than a prefix can hold. */
	moved = (pages1 - pages0) + (fi0->swapped - fi1->swapped);
	if (moved == 0 && fi1->f_offset == fi0->f_offset) {
		if (fi1->size == fi0->size)
			goto out;
		goto done; /* only the growth */
	}
	/* The range, cut at EOF (after any growth). */
	end = off0 + nbytes < fi1->size ? off0 + nbytes : fi1->size;
	*why = "the transfer could not have made progress";
	if (end <= off0)
		goto out;
	span = (uint64_t)(end - 1) / psize - (uint64_t)off0 / psize + 1;
	if (span < 2 || moved > 2 * (span - 1))
		goto out;
	*why = "the file offset is not where a prefix of the transfer ends";
	if (pcall) {
		if (fi1->f_offset != fi0->f_offset)
			goto out;
	} else if (fi1->f_offset != fi0->f_offset &&
	    (fi1->f_offset <= off0 || fi1->f_offset >= end ||
		(uint64_t)fi1->f_offset % psize != 0))
		goto out;
done:
	ok = true;
out:
	free(lb);
	free(la);
	return (ok);
}

/* The shmflags of the shm behind pid's fd, from a dump. */
static void
shm_flags(const char *dump, int pid, int fd, bool *largepage, bool *growonwrite)
{
	char *text = strdup(dump), **l, fpre[64], spre[64], opre[64];
	int i, n = split_lines(text, &l);

	*largepage = *growonwrite = false;
	if (find_fd_chain(l, n, pid, fd, fpre, spre, opre, sizeof(fpre)))
		for (i = 0; i < n; i++)
			if (strncmp(l[i], spre, strlen(spre)) == 0) {
				*largepage = strstr(l[i], "LARGEPAGE") != NULL;
				*growonwrite =
				    strstr(l[i], "GROW_ON_WRITE") != NULL;
			}
	free(l);
	free(text);
}

static void
hook_start(void *arg, struct shmsim_kernel *k)
{
	struct ctx *c = arg;

	c->k = k;
	if (c->armed)
		(void)shmsim_fault_set(k, c->site, c->nth, c->persistent);
}

static void
hook_before(void *arg, struct shmsim_kernel *k, const struct sc_stmt *st,
    struct shmsim_proc *p, const struct sc_value *args)
{
	struct ctx *c = arg;
	int i;

	c->h0 = shmsim_fault_hits(k, c->site);
	if (c->fired == 0 && c->t->failed != 0 && !c->expect_reported) {
		c->expect_reported = true;
		xfail(c, st, "an expectation failed before any fault fired");
	}
	free(c->dump0);
	c->dump0 = NULL;
	c->have_fi0 = false;
	if (!c->armed || p == NULL)
		return;
	i = (int)(st - c->sc->stmts);
	if (i < c->first_stmt || (!c->persistent && i > c->first_stmt))
		return;
	c->dump0 = dump_text(k, &c->dump0len);
	if (is_fd_call(sc_calls[st->call].name) &&
	    shmsim_fdinfo(p, (int)args[0].i, &c->fi0) == 0) {
		c->have_fi0 = true;
		shm_flags(c->dump0, shmsim_proc_pid(p), (int)args[0].i,
		    &c->largepage0, &c->growonwrite0);
	}
}

/* Did the armed fault fail a hit between h0 and h1? */
static bool
fired_between(const struct ctx *c, uint64_t h0, uint64_t h1)
{
	if (!c->armed || h1 <= h0 || h1 < c->nth)
		return (false);
	return (c->persistent || h0 < c->nth);
}

static void
check_fired_call(struct ctx *c, struct shmsim_kernel *k,
    const struct sc_stmt *st, struct shmsim_proc *p,
    const struct sc_value *args, int error)
{
	const char *call = sc_calls[st->call].name;
	int want = site_errno(c->site, call, c->have_fi0 && c->largepage0);
	struct shmsim_fdinfo fi1;
	const char *why;
	char *dump1;
	size_t len1;

	c->checked++;
	if (error != want)
		xfail(c, st, "%s fired in %s: expected %s, got %s",
		    shmsim_fault_site_name(c->site), call,
		    shmsim_errno_name(want),
		    error == 0 ? "success" : shmsim_errno_name(error));
	if (c->dump0 == NULL) {
		/* first_stmt was wrong: the runs differ before the hit. */
		xfail(c, st,
		    "%s fired where the unfaulted run did not reach "
		    "hit %ju",
		    shmsim_fault_site_name(c->site), (uintmax_t)c->nth);
		return;
	}
	dump1 = dump_text(k, &len1);
	if (strcmp(c->dump0, dump1) != 0) {
		bool ok = false;

		why = "not a call that may fail part-way";
		if (is_uaccess(call) && error == want)
			ok = true;
		else if (is_fd_call(call) && error != 0 &&
		    shmsim_fdinfo(p, (int)args[0].i, &fi1) == 0) {
			char *b = strdup(c->dump0), *a = strdup(dump1);

			ok = partial_ok(c, st, p, args, b, a, &fi1, &why);
			free(b);
			free(a);
		}
		if (ok)
			c->partial++;
		else {
			xfail(c, st,
			    "%s fired in %s and the state changed "
			    "(%s)",
			    shmsim_fault_site_name(c->site), call, why);
			if (c->errors <= 5)
				printf("--- before\n%s--- after\n%s---\n",
				    c->dump0, dump1);
		}
	}
	free(dump1);
}

static void
hook_after(void *arg, struct shmsim_kernel *k, const struct sc_stmt *st,
    struct shmsim_proc *p, const struct sc_value *args, int error)
{
	struct ctx *c = arg;
	char report[8192];
	uint64_t h1 = shmsim_fault_hits(k, c->site);
	int i, n;

	for (i = 0; i < SHMSIM_FAULT_NSITES; i++) {
		c->hits[i] = shmsim_fault_hits(k, (enum shmsim_fault_site)i);
		if (c->stmt_hits != NULL)
			c->stmt_hits[st - c->sc->stmts][i] = c->hits[i];
	}
	if (fired_between(c, c->h0, h1)) {
		c->fired++;
		if (st->kind != S_CALL || p == NULL)
			xfail(c, st, "%s fired outside a system call",
			    shmsim_fault_site_name(c->site));
		else
			check_fired_call(c, k, st, p, args, error);
	}
	n = shmsim_audit(k, report, sizeof(report));
	if (n != 0)
		xfail(c, st, "audit: %d violation(s):\n%s", n, report);
	c->failed_last = c->t->failed;
}

/* One run of sc; returns the number of checks that did not hold. */
static int
run_case(const struct sc_script *sc, struct ctx *c)
{
	static const struct sc_hooks hooks = { hook_start, hook_before,
		hook_after, NULL };
	struct sc_hooks h = hooks;
	struct sc_totals t = { 0, 0 };
	struct sc_run_opts o;
	char *out = NULL;
	size_t outlen = 0;

	c->sc = sc;
	c->t = &t;
	h.arg = c;
	memset(&o, 0, sizeof(o));
	o.quiet = true;
	o.dot = NULL;
	o.out = open_memstream(&out, &outlen);
	if (o.out == NULL) {
		perror("open_memstream");
		exit(3);
	}
	sc_run_hooked(sc, &o, &h, &t);
	fclose(o.out);
	if (t.failed > c->failed_last)
		xfail(c, NULL, "the final audit or leak check failed:\n%s",
		    out);
	else if (c->fired == 0 && t.failed != 0 && !c->expect_reported)
		xfail(c, NULL, "expectations failed with no fault fired:\n%s",
		    out);
	if (c->armed && c->fired == 0)
		xfail(c, NULL, "hit %ju of %s never came", (uintmax_t)c->nth,
		    shmsim_fault_site_name(c->site));
	free(out);
	free(c->dump0);
	c->dump0 = NULL;
	return (c->errors);
}

static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "fault_loop: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return (NULL);
	}
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "fault_loop: %s: read error\n", path);
		free(buf);
		fclose(f);
		return (NULL);
	}
	fclose(f);
	*lenp = (size_t)n;
	return (buf);
}

/* The statement kinds the loop understands; anything else: skip. */
static bool
kinds_known(const struct sc_script *sc, int *linep)
{
	int i;

	for (i = 0; i < sc->nstmts; i++) {
		switch (sc->stmts[i].kind) {
		case S_CONFIG:
		case S_JAIL:
		case S_SPAWN:
		case S_FORK:
		case S_EXIT:
		case S_EXEC:
		case S_CALL:
		case S_AUDIT:
		case S_STATE:
		case S_PAGEOUT:
		case S_DUMP:
		case S_NOTE:
			break;
		default:
			/* e.g. a "fault" statement: the script arms faults
			 * itself, which the loop's plan would fight. */
			*linep = sc->stmts[i].line;
			return (false);
		}
	}
	return (true);
}

struct totals {
	int scenarios, skipped, triples, runs, runs_failed, checked, partial;
	int errors;
	int per_site[SHMSIM_FAULT_NSITES];
};

static void
loop_file(const char *path, const bool *sites, struct totals *T)
{
	struct sc_script sc;
	struct ctx base;
	char name[128];
	size_t len;
	char *buf = slurp(path, &len);
	int s, line, errs = 0, triples = 0;
	uint64_t n;

	if (buf == NULL) {
		T->errors++;
		return;
	}
	memset(&sc, 0, sizeof(sc));
	if (!sc_parse(path, buf, len, &sc)) {
		free(buf);
		T->errors++;
		return;
	}
	free(buf);
	T->scenarios++;
	if (!kinds_known(&sc, &line)) {
		printf("%s: skipped (line %d: a statement the fault loop "
		       "does not drive)\n",
		    path, line);
		T->skipped++;
		sc_script_free(&sc);
		return;
	}
	memset(&base, 0, sizeof(base));
	base.stmt_hits = calloc((size_t)sc.nstmts + 1, sizeof(*base.stmt_hits));
	current_case = "no fault";
	T->runs++;
	if (run_case(&sc, &base) != 0) {
		T->runs_failed++;
		T->errors += base.errors;
		free(base.stmt_hits);
		sc_script_free(&sc);
		return;
	}
	for (s = 0; s < SHMSIM_FAULT_NSITES; s++) {
		if (!sites[s])
			continue;
		for (n = 1; n <= base.hits[s]; n++) {
			int mode;

			triples++;
			T->per_site[s]++;
			for (mode = 0; mode < 2; mode++) {
				struct ctx c;

				memset(&c, 0, sizeof(c));
				c.armed = true;
				c.site = (enum shmsim_fault_site)s;
				c.nth = n;
				c.persistent = mode == 1;
				for (c.first_stmt = 0;
				     c.first_stmt < sc.nstmts &&
				     base.stmt_hits[c.first_stmt][s] < n;
				     c.first_stmt++)
					continue;
				snprintf(name, sizeof(name), "%s hit %ju%s",
				    shmsim_fault_site_name(c.site),
				    (uintmax_t)n, mode ? " persistent" : "");
				current_case = name;
				errs += run_case(&sc, &c);
				T->runs++;
				T->runs_failed += c.errors != 0;
				T->checked += c.checked;
				T->partial += c.partial;
				if (verbose)
					printf("%s: %s: %d call(s) failed, "
					       "%d kept partial progress, %d "
					       "error(s)\n",
					    path, name, c.fired, c.partial,
					    c.errors);
			}
		}
	}
	T->triples += triples;
	T->errors += errs;
	printf("%s: %d case(s) (site, position), hits", path, triples);
	for (s = 0; s < SHMSIM_FAULT_NSITES; s++)
		printf(" %s=%ju",
		    shmsim_fault_site_name((enum shmsim_fault_site)s),
		    (uintmax_t)base.hits[s]);
	printf(": %s\n", errs == 0 ? "ok" : "FAILED");
	free(base.stmt_hits);
	sc_script_free(&sc);
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* path's *.shm files, sorted, or path itself when it is a file. */
static int
expand(const char *path, char ***filesp)
{
	struct stat sb;
	struct dirent *e;
	char **files = NULL;
	int n = 0;
	DIR *d;

	if (stat(path, &sb) != 0) {
		fprintf(stderr, "fault_loop: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(sb.st_mode)) {
		files = malloc(sizeof(*files));
		files[n++] = strdup(path);
		*filesp = files;
		return (n);
	}
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		char *f;

		if (l < 5 || strcmp(e->d_name + l - 4, ".shm") != 0)
			continue;
		f = malloc(strlen(path) + l + 2);
		sprintf(f, "%s/%s", path, e->d_name);
		if (stat(f, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			free(f);
			continue;
		}
		files = realloc(files, (size_t)(n + 1) * sizeof(*files));
		files[n++] = f;
	}
	closedir(d);
	if (n > 0)
		qsort(files, (size_t)n, sizeof(*files), cmp_str);
	*filesp = files;
	return (n);
}

int
main(int argc, char **argv)
{
	bool sites[SHMSIM_FAULT_NSITES], some = false;
	struct totals T;
	struct timespec t0, t1;
	int i, j, s, nfiles;
	char **files;

	memset(&T, 0, sizeof(T));
	for (s = 0; s < SHMSIM_FAULT_NSITES; s++)
		sites[s] = false;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			i++;
			for (s = 0; s < SHMSIM_FAULT_NSITES; s++)
				if (strcmp(argv[i],
					shmsim_fault_site_name(
					    (enum shmsim_fault_site)s)) == 0)
					break;
			if (s == SHMSIM_FAULT_NSITES) {
				fprintf(stderr, "fault_loop: no site %s\n",
				    argv[i]);
				return (2);
			}
			sites[s] = some = true;
		} else {
			fprintf(stderr,
			    "usage: fault_loop [-v] [-s SITE]... "
			    "FILE_OR_DIR...\n");
			return (2);
		}
	}
	if (i == argc) {
		fprintf(stderr,
		    "usage: fault_loop [-v] [-s SITE]... "
		    "FILE_OR_DIR...\n");
		return (2);
	}
	for (s = 0; s < SHMSIM_FAULT_NSITES; s++)
		if (!some)
			sites[s] = true;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (; i < argc; i++) {
		nfiles = expand(argv[i], &files);
		if (nfiles < 0) {
			T.errors++;
			continue;
		}
		for (j = 0; j < nfiles; j++) {
			loop_file(files[j], sites, &T);
			free(files[j]);
		}
		free(files);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("fault loop: %d scenario(s) (%d skipped), %d case(s) "
	       "(scenario, site, position):",
	    T.scenarios, T.skipped, T.triples);
	for (s = 0; s < SHMSIM_FAULT_NSITES; s++)
		printf(" %s %d",
		    shmsim_fault_site_name((enum shmsim_fault_site)s),
		    T.per_site[s]);
	printf("; %d run(s) (unfaulted, once, persistent), %d failing "
	       "call(s) checked, %d kept partial progress; %.1f s\n",
	    T.runs, T.checked, T.partial,
	    (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	/* One line per run: passed or failed (parse errors count too). */
	printf("%d passed, %d failed\n", T.runs - T.runs_failed,
	    T.runs_failed + (T.errors != 0 && T.runs_failed == 0));
	return (T.errors != 0 ? 1 : 0);
}
