/*
 * Thread safety: several host threads make random system calls on one
 * kernel, on a few shared names, each from its own process and from a
 * process it shares with another thread.  Every call's errno must be one
 * the call may return in the situation (a whitelist per call); failures
 * are counted inside the threads and asserted after the join.  Then the
 * auditor must be clean, and after every process exits and every name
 * is removed nothing may be left.  Each thread's random sequence is
 * deterministic (seeded by its index); the interleaving is not.
 *
 * Mappings take part too: mmap (shared and private, sometimes MAP_FIXED
 * over what is there), munmap, mprotect, and loads and stores through
 * them, in a small window of addresses so that they meet -- with fork
 * copying them and exit and exec tearing them down.
 *
 * SHMSIM_STRESS_ITERS sets the calls per thread (default 250000; CI
 * lowers it under TSan), SHMSIM_STRESS_SEED the base seed.  This test is
 * also the one CI runs under ThreadSanitizer.
 */
#include "helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel_var.h"

#define NTHREADS 4
#define NSHARED 2 /* processes shared by two threads each */
#define NNAMES 4
#define MAXFDS 48	     /* RLIMIT_NOFILE of every process */
#define FDRANGE (MAXFDS + 4) /* random descriptors go a little past it */
#define PAGE 4096
#define DEFAULT_ITERS 250000

#define O_RW SHMSIM_O_RDWR
#define O_RO SHMSIM_O_RDONLY

static const char *const names[NNAMES] = { "/s0", "/s1", "/s2", "/s3" };

enum call {
	C_OPEN,
	C_OPEN_ANON,
	C_CLOSE,
	C_DUP,
	C_DUP2,
	C_FCNTL,
	C_FTRUNCATE,
	C_FSTAT,
	C_PWRITE,
	C_PREAD,
	C_UNLINK,
	C_FORK,
	C_SENDFD,
	C_RECVFD,
	C_PAGEOUT,
	C_EXEC,
	C_MMAP,
	C_MUNMAP,
	C_MPROTECT,
	C_LOAD,
	C_STORE,
	C_COW,
	C_NCALLS
};

static const char *const call_names[C_NCALLS] = {
	[C_OPEN] = "shm_open",
	[C_OPEN_ANON] = "shm_open(SHM_ANON)",
	[C_CLOSE] = "close",
	[C_DUP] = "dup",
	[C_DUP2] = "dup2",
	[C_FCNTL] = "fcntl",
	[C_FTRUNCATE] = "ftruncate",
	[C_FSTAT] = "fstat",
	[C_PWRITE] = "pwrite",
	[C_PREAD] = "pread",
	[C_UNLINK] = "shm_unlink",
	[C_FORK] = "fork+exit",
	[C_SENDFD] = "sendfd",
	[C_RECVFD] = "recvfd",
	[C_PAGEOUT] = "pageout",
	[C_EXEC] = "exec",
	[C_MMAP] = "mmap",
	[C_MUNMAP] = "munmap",
	[C_MPROTECT] = "mprotect",
	[C_LOAD] = "load",
	[C_STORE] = "store",
	[C_COW] = "copy-on-write fork",
};

/* Relative frequencies of the calls, per 1000. */
static const int call_weight[C_NCALLS] = {
	[C_OPEN] = 124,
	[C_OPEN_ANON] = 30,
	[C_CLOSE] = 130,
	[C_DUP] = 50,
	[C_DUP2] = 50,
	[C_FCNTL] = 80,
	[C_FTRUNCATE] = 80,
	[C_FSTAT] = 60,
	[C_PWRITE] = 80,
	[C_PREAD] = 80,
	[C_UNLINK] = 60,
	[C_FORK] = 10,
	[C_SENDFD] = 40,
	[C_RECVFD] = 60,
	[C_PAGEOUT] = 2,
	[C_EXEC] = 2,
	[C_MMAP] = 20,
	[C_MUNMAP] = 10,
	[C_MPROTECT] = 8,
	[C_LOAD] = 10,
	[C_STORE] = 8,
	[C_COW] = 6,
};

struct worker {
	int id;
	bool is_2008;
	uint64_t iters;
	uint64_t rng;
	struct shmsim_kernel *k;
	struct shmsim_proc *own;      /* this thread's process */
	struct shmsim_proc *shared;   /* shared with one other thread */
	bool own_root;		      /* own process is uid 0 */
	struct shmsim_proc **targets; /* long-lived processes (sendfd) */
	int ntargets;
	uint64_t calls[C_NCALLS];
	uint64_t ok[C_NCALLS];
	uint64_t bad[C_NCALLS];
	/* The first unexpected result, for the failure message. */
	int first_call;
	int first_error;
	uint64_t first_iter;
	char first_what[96];
	uint64_t iter;
};

/* xorshift64*: small, fast and deterministic per thread. */
static uint64_t
rnd(struct worker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (w->rng * UINT64_C(2685821657736338717));
}

static int
rnd_below(struct worker *w, int n)
{
	return ((int)(rnd(w) % (uint64_t)n));
}

static bool
coin(struct worker *w, int percent)
{
	return (rnd_below(w, 100) < percent);
}

/* Is error one of the allowed ones (a 0-terminated list)? */
static bool
one_of(int error, const int *allowed)
{
	for (; *allowed != 0; allowed++)
		if (error == *allowed)
			return (true);
	return (false);
}

/*
 * Record the result of one call: success always counts as ok unless
 * must_fail; an error must be in allowed.
 */
static void
note(struct worker *w, enum call c, int error, const int *allowed,
    bool must_fail, const char *what)
{
	bool good;

	w->calls[c]++;
	if (error == 0)
		good = !must_fail;
	else
		good = one_of(error, allowed);
	if (good) {
		if (error == 0)
			w->ok[c]++;
		return;
	}
	if (w->bad[c]++ == 0 && w->first_error == 0) {
		w->first_call = (int)c;
		w->first_error = error == 0 ? -1 : error;
		w->first_iter = w->iter;
		snprintf(w->first_what, sizeof(w->first_what), "%s", what);
	}
}

/*
 * The errno values allowed for a call.  ALLOW(-1) allows none; a
 * conditional entry names EMFILE (always allowed) where its condition
 * does not hold.
 */
#define ALLOW(...) ((const int[]) { __VA_ARGS__, 0 })

static int
rnd_fd(struct worker *w)
{
	/* Mostly low descriptors (where opens land), some out of range. */
	if (coin(w, 3))
		return (-1 - rnd_below(w, 3));
	return (coin(w, 70) ? rnd_below(w, 12) : rnd_below(w, FDRANGE));
}

/* One random call on process p.  child: p is a fork child of ours. */
static void one_call(struct worker *w, struct shmsim_proc *p, bool root,
    bool child, int depth);

static void
do_open(struct worker *w, struct shmsim_proc *p, bool root)
{
	static const mode_t modes[] = { 0600, 0644, 0666, 0400, 0 };
	int flags, error, fd;
	char what[96];
	bool creat, excl;

	flags = coin(w, 80) ? O_RW : O_RO;
	creat = coin(w, 50);
	excl = creat && coin(w, 25);
	if (creat)
		flags |= SHMSIM_O_CREAT;
	if (excl)
		flags |= SHMSIM_O_EXCL;
	if (coin(w, 10))
		flags |= SHMSIM_O_TRUNC;
	snprintf(what, sizeof(what), "flags %#x", flags);
	error = shmsim_shm_open(p, names[rnd_below(w, NNAMES)], flags,
	    modes[rnd_below(w, 5)], &fd);
	/*
	 * ENOENT only without O_CREAT, EEXIST only with O_EXCL, EACCES only
	 * for the unprivileged process; EMFILE and ENFILE always.  O_TRUNC
	 * cannot fail here (no seals, no kernel mappings, shrinking to 0).
	 */
	note(w, C_OPEN, error,
	    ALLOW(EMFILE, ENFILE, creat ? EMFILE : ENOENT,
		excl ? EEXIST : EMFILE, root ? EMFILE : EACCES),
	    false, what);
}

static void
do_open_anon(struct worker *w, struct shmsim_proc *p)
{
	int flags, error, fd;

	flags = coin(w, 85) ? O_RW : O_RO;
	/* O_CREAT, O_EXCL and O_TRUNC are ignored for SHM_ANON. */
	if (coin(w, 30))
		flags |= SHMSIM_O_CREAT | (coin(w, 50) ? SHMSIM_O_EXCL : 0);
	if (coin(w, 10))
		flags |= SHMSIM_O_TRUNC;
	error = shmsim_shm_open(p, SHMSIM_SHM_ANON, flags, 0600, &fd);
	if ((flags & SHMSIM_O_ACCMODE) == O_RO)
		note(w, C_OPEN_ANON, error, ALLOW(EINVAL, EMFILE, ENFILE), true,
		    "read-only");
	else
		note(w, C_OPEN_ANON, error, ALLOW(EMFILE, ENFILE), false,
		    "read-write");
}

static void
do_fcntl(struct worker *w, struct shmsim_proc *p)
{
	static const int cmds[] = { SHMSIM_F_GETFD, SHMSIM_F_SETFD,
		SHMSIM_F_GETFL, SHMSIM_F_SETFL, SHMSIM_F_DUPFD,
		SHMSIM_F_DUPFD_CLOEXEC, SHMSIM_F_DUP2FD, SHMSIM_F_GET_SEALS,
		SHMSIM_F_ADD_SEALS };
	int cmd = cmds[rnd_below(w, (int)(sizeof(cmds) / sizeof(cmds[0])))];
	int fd = rnd_fd(w), error;
	intptr_t arg = 0;
	int64_t rv;
	char what[96];

	switch (cmd) {
	case SHMSIM_F_SETFD:
		arg = coin(w, 50) ? SHMSIM_FD_CLOEXEC : 0;
		break;
	case SHMSIM_F_SETFL:
		arg = (coin(w, 50) ? SHMSIM_O_NONBLOCK : 0) |
		    (coin(w, 50) ? SHMSIM_O_APPEND : 0) |
		    (coin(w, 10) ? SHMSIM_O_ASYNC : 0);
		break;
	case SHMSIM_F_DUPFD:
	case SHMSIM_F_DUPFD_CLOEXEC:
	case SHMSIM_F_DUP2FD:
		arg = rnd_below(w, FDRANGE);
		break;
	case SHMSIM_F_ADD_SEALS:
		arg = F_SEAL_SHRINK;
		break;
	}
	snprintf(what, sizeof(what), "cmd %d arg %jd", cmd, (intmax_t)arg);
	error = shmsim_fcntl(p, fd, cmd, arg, &rv);
	/*
	 * EBADF always.  A descriptor whose open is still in progress in
	 * the other thread of a shared process (badfileops) gives EBADF
	 * from its ioctl and EINVAL for the seal commands.
	 */
	switch (cmd) {
	case SHMSIM_F_GETFD:
	case SHMSIM_F_SETFD:
	case SHMSIM_F_GETFL:
		note(w, C_FCNTL, error, ALLOW(EBADF), false, what);
		break;
	case SHMSIM_F_SETFL:
		/* The 2008 ioctl is EOPNOTSUPP (with the flags kept). */
		if (w->is_2008)
			note(w, C_FCNTL, error, ALLOW(EBADF, EOPNOTSUPP), true,
			    what);
		else
			note(w, C_FCNTL, error, ALLOW(EBADF), false, what);
		break;
	case SHMSIM_F_DUPFD:
		note(w, C_FCNTL, error,
		    ALLOW(EBADF, EMFILE, arg >= MAXFDS ? EINVAL : EBADF), false,
		    what);
		break;
	case SHMSIM_F_DUPFD_CLOEXEC:
	case SHMSIM_F_DUP2FD:
	case SHMSIM_F_GET_SEALS:
		if (w->is_2008)
			note(w, C_FCNTL, error, ALLOW(EINVAL), true, what);
		else if (cmd == SHMSIM_F_DUPFD_CLOEXEC)
			note(w, C_FCNTL, error,
			    ALLOW(EBADF, EMFILE,
				arg >= MAXFDS ? EINVAL : EBADF),
			    false, what);
		else if (cmd == SHMSIM_F_DUP2FD)
			note(w, C_FCNTL, error, ALLOW(EBADF), false, what);
		else
			note(w, C_FCNTL, error, ALLOW(EBADF, EINVAL), false,
			    what);
		break;
	case SHMSIM_F_ADD_SEALS:
		/* shm_open(3) objects are sealed with F_SEAL_SEAL. */
		if (w->is_2008)
			note(w, C_FCNTL, error, ALLOW(EINVAL), true, what);
		else
			note(w, C_FCNTL, error, ALLOW(EBADF, EPERM, EINVAL),
			    true, what);
		break;
	}
}

static void
do_rw(struct worker *w, struct shmsim_proc *p, bool write)
{
	unsigned char buf[3 * PAGE / 2];
	size_t len, done;
	int64_t off;
	int fd, error;

	fd = rnd_fd(w);
	len = (size_t)rnd_below(w, (int)sizeof(buf) + 1);
	off = rnd_below(w, 4 * PAGE + 100);
	/*
	 * Two edges that once raced with truncation: nothing at offset 0
	 * (the empty range [0, 0) conflicts with no range lock), and an
	 * offset + length past OFF_MAX (shm_write reads the size first).
	 */
	if (coin(w, 3)) {
		len = 0;
		off = 0;
	} else if (coin(w, 2)) {
		len = 10;
		off = INT64_MAX - 5;
	}
	if (write) {
		memset(buf, 'a' + w->id, len);
		error = shmsim_pwrite(p, fd, buf, len, off, &done);
	} else
		error = shmsim_pread(p, fd, buf, len, off, &done);
	/*
	 * EBADF: bad descriptor, or not open for reading/writing.  2008:
	 * the file is not seekable, so pread/pwrite are ESPIPE.
	 */
	if (w->is_2008)
		note(w, write ? C_PWRITE : C_PREAD, error, ALLOW(EBADF, ESPIPE),
		    true, "2008");
	else {
		note(w, write ? C_PWRITE : C_PREAD, error, ALLOW(EBADF), false,
		    write ? "pwrite" : "pread");
		if (error == 0 && done > len)
			note(w, write ? C_PWRITE : C_PREAD, EOVERFLOW,
			    ALLOW(EBADF), false, "moved more than asked");
	}
}

/* The window the mappings live in: 16 pages from the base. */
#define MAPWIN 16

static uint64_t
rnd_addr(struct worker *w)
{
	return (SHMSIM_MMAP_BASE + (uint64_t)rnd_below(w, MAPWIN) * PAGE +
	    (coin(w, 10) ? (uint64_t)rnd_below(w, PAGE) : 0));
}

static int
rnd_prot(struct worker *w)
{
	static const int prots[] = { SHMSIM_PROT_NONE, SHMSIM_PROT_READ,
		SHMSIM_PROT_READ | SHMSIM_PROT_WRITE, SHMSIM_PROT_WRITE };

	return (prots[rnd_below(w, 4)]);
}

/*
 * mmap: EBADF (bad descriptor), EACCES (shared and writable from an
 * O_RDONLY descriptor or a write-sealed object; 2008: any PROT_WRITE from
 * O_RDONLY), ENOMEM (MAP_EXCL over a mapping), ENODEV (a file whose open
 * is in progress in the other thread; 2008: EINVAL), and in 2008 EINVAL
 * for a range past the object's page-rounded size.
 */
static void
do_mmap(struct worker *w, struct shmsim_proc *p)
{
	uint64_t addr, len;
	int flags, error;

	flags = coin(w, 50) ? SHMSIM_MAP_SHARED : SHMSIM_MAP_PRIVATE;
	addr = 0;
	if (coin(w, 40)) {
		flags |= SHMSIM_MAP_FIXED;
		addr = SHMSIM_MMAP_BASE + (uint64_t)rnd_below(w, MAPWIN) * PAGE;
		if (coin(w, 30))
			flags |= SHMSIM_MAP_EXCL;
	} else if (coin(w, 50))
		addr = rnd_addr(w);
	len = (uint64_t)(1 + rnd_below(w, 3)) * PAGE;
	error = shmsim_mmap(p, addr, len, rnd_prot(w), flags, rnd_fd(w),
	    (int64_t)rnd_below(w, 3) * PAGE, &addr);
	note(w, C_MMAP, error,
	    ALLOW(EBADF, EACCES, ENOMEM, ENODEV, w->is_2008 ? EINVAL : EBADF),
	    false, "mmap");
}

static void
do_access(struct worker *w, struct shmsim_proc *p, bool write)
{
	unsigned char buf[PAGE + 16];
	size_t len;
	int error, sig;

	len = (size_t)rnd_below(w, (int)sizeof(buf));
	memset(buf, 'A' + w->id, len);
	error = write ? shmsim_store(p, rnd_addr(w), buf, len, &sig) :
			shmsim_load(p, rnd_addr(w), buf, len, &sig);
	note(w, write ? C_STORE : C_LOAD, error, ALLOW(-1), false,
	    write ? "store" : "load");
}

/*
 * A private mapping written before and after a fork by both sides, then
 * the child exits: shadow objects, and the collapse of the one the two
 * shared, while the other threads fault, map and page out around it.
 */
static void
do_cow(struct worker *w, struct shmsim_proc *p)
{
	struct shmsim_proc *c;
	uint64_t a;
	int error, sig;

	error = shmsim_mmap(p,
	    SHMSIM_MMAP_BASE + (uint64_t)rnd_below(w, MAPWIN - 2) * PAGE,
	    2 * PAGE, SHMSIM_PROT_READ | SHMSIM_PROT_WRITE,
	    SHMSIM_MAP_PRIVATE | SHMSIM_MAP_FIXED, rnd_fd(w), 0, &a);
	note(w, C_COW, error,
	    ALLOW(EBADF, ENODEV, w->is_2008 ? EINVAL : EBADF,
		w->is_2008 ? EACCES : EBADF),
	    false, "mmap private");
	if (error != 0)
		return;
	error = shmsim_store(p, a + PAGE, "s", 1, &sig);
	note(w, C_COW, error, ALLOW(-1), false, "store before fork");
	error = shmsim_fork(p, &c);
	note(w, C_COW, error, ALLOW(-1), false, "fork");
	if (error != 0)
		return;
	error = shmsim_store(c, a + PAGE, "c", 1, &sig);
	note(w, C_COW, error, ALLOW(-1), false, "child store");
	error = shmsim_store(p, a + (coin(w, 50) ? PAGE : 0), "p", 1, &sig);
	note(w, C_COW, error, ALLOW(-1), false, "parent store");
	if (coin(w, 30))
		(void)shmsim_pageout(w->k, 4, NULL);
	error = shmsim_exit(c);
	note(w, C_COW, error, ALLOW(-1), false, "child exit");
}

/* fork, a few calls in the child, exit. */
static void
do_fork(struct worker *w, struct shmsim_proc *p, bool root, int depth)
{
	struct shmsim_proc *c;
	int error, i, n;

	error = shmsim_fork(p, &c);
	note(w, C_FORK, error, ALLOW(-1), false, "fork");
	if (error != 0)
		return;
	n = 1 + rnd_below(w, 4);
	for (i = 0; i < n; i++)
		one_call(w, c, root, true, depth + 1);
	error = shmsim_exit(c);
	note(w, C_FORK, error, ALLOW(-1), false, "exit");
}

static void
one_call(struct worker *w, struct shmsim_proc *p, bool root, bool child,
    int depth)
{
	struct shmsim_stat sb;
	enum call c;
	uint64_t moved;
	int r, error, fd, newfd;

	r = rnd_below(w, 1000);
	for (c = 0; c < C_NCALLS; c++) {
		if (r < call_weight[c])
			break;
		r -= call_weight[c];
	}
	if (c == C_NCALLS)
		c = C_FSTAT;
	switch (c) {
	case C_OPEN:
		do_open(w, p, root);
		break;
	case C_OPEN_ANON:
		do_open_anon(w, p);
		break;
	case C_CLOSE:
		error = shmsim_close(p, rnd_fd(w));
		note(w, c, error, ALLOW(EBADF), false, "close");
		break;
	case C_DUP:
		error = shmsim_dup(p, rnd_fd(w), &newfd);
		note(w, c, error, ALLOW(EBADF, EMFILE), false, "dup");
		break;
	case C_DUP2:
		fd = rnd_fd(w);
		newfd = coin(w, 80) ? rnd_below(w, 12) : rnd_below(w, FDRANGE);
		error = shmsim_dup2(p, fd, newfd, &newfd);
		note(w, c, error, ALLOW(EBADF), false, "dup2");
		break;
	case C_FCNTL:
		do_fcntl(w, p);
		break;
	case C_FTRUNCATE:
		/*
		 * EINVAL: not open for writing.  EBADF also for a file whose
		 * open is in progress in the other thread (badfileops).
		 */
		error = shmsim_ftruncate(p, rnd_fd(w),
		    rnd_below(w, 4) * PAGE +
			(coin(w, 50) ? rnd_below(w, PAGE) : 0));
		note(w, c, error, ALLOW(EBADF, EINVAL), false, "ftruncate");
		break;
	case C_FSTAT:
		error = shmsim_fstat(p, rnd_fd(w), &sb);
		note(w, c, error, ALLOW(EBADF), false, "fstat");
		if (error == 0 &&
		    (sb.st_mode & SHMSIM_S_IFMT) != SHMSIM_S_IFREG)
			note(w, c, EDOM, ALLOW(EBADF), false, "st_mode");
		break;
	case C_PWRITE:
		do_rw(w, p, true);
		break;
	case C_PREAD:
		do_rw(w, p, false);
		break;
	case C_UNLINK:
		error = shmsim_shm_unlink(p, names[rnd_below(w, NNAMES)]);
		note(w, c, error, ALLOW(ENOENT, root ? ENOENT : EACCES), false,
		    "unlink");
		break;
	case C_FORK:
		if (depth < 2)
			do_fork(w, p, root, depth);
		break;
	case C_SENDFD:
		/*
		 * To a long-lived process (never to a fork child, which may
		 * exit).  EOPNOTSUPP: a descriptor whose open is still in
		 * progress in the other thread is not passable yet.
		 */
		error = shmsim_sendfd(p, w->targets[rnd_below(w, w->ntargets)],
		    rnd_fd(w));
		note(w, c, error, ALLOW(EBADF, EOPNOTSUPP), false, "sendfd");
		break;
	case C_RECVFD:
		error = shmsim_recvfd(p, &fd);
		note(w, c, error, ALLOW(EAGAIN, EMFILE), false, "recvfd");
		break;
	case C_PAGEOUT:
		error = shmsim_pageout(w->k, coin(w, 50) ? 0 : 8, &moved);
		note(w, c, error, ALLOW(-1), false, "pageout");
		break;
	case C_MMAP:
		do_mmap(w, p);
		break;
	case C_MUNMAP:
		error = shmsim_munmap(p, rnd_addr(w),
		    (uint64_t)(1 + rnd_below(w, 3 * PAGE)));
		note(w, c, error, ALLOW(-1), false, "munmap");
		break;
	case C_MPROTECT:
		error = shmsim_mprotect(p, rnd_addr(w),
		    (uint64_t)rnd_below(w, 3 * PAGE), rnd_prot(w));
		note(w, c, error, ALLOW(EACCES), false, "mprotect");
		break;
	case C_LOAD:
		do_access(w, p, false);
		break;
	case C_COW:
		if (depth < 2)
			do_cow(w, p);
		break;
	case C_STORE:
		do_access(w, p, true);
		break;
	case C_EXEC:
		/* Only fork children exec: the others' fds are shared. */
		if (child) {
			error = shmsim_exec(p);
			note(w, c, error, ALLOW(-1), false, "exec");
		}
		break;
	default:
		break;
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	for (w->iter = 0; w->iter < w->iters; w->iter++) {
		if (coin(w, 60))
			one_call(w, w->own, w->own_root, false, 0);
		else
			one_call(w, w->shared, true, false, 0);
	}
	return (NULL);
}

static uint64_t
env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0')
		return (dflt);
	v = strtoull(s, &end, 0);
	if (*end != '\0')
		fail_msg("%s=%s is not a number", name, s);
	return ((uint64_t)v);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
stress(enum shmsim_profile profile, uint64_t iters)
{
	struct shmsim_proc *own[NTHREADS], *shared[NSHARED];
	struct shmsim_proc *targets[NTHREADS + NSHARED];
	struct worker w[NTHREADS];
	pthread_t tid[NTHREADS];
	struct shmsim_counters cnt;
	struct shmsim_config cfg;
	struct env *e;
	uint64_t seed, total = 0, ok = 0;
	double t0;
	int i, c, fd, nbad = 0;

	shmsim_config_init(&cfg);
	cfg.profile = profile;
	cfg.max_fds = MAXFDS;
	/*
	 * A small resident budget: the simulated pagedaemon then runs at the
	 * exit of any call that leaves too many pages resident, in whichever
	 * thread that is, against the others' page-ins.
	 */
	cfg.mem_pages = 24;
	e = env_new(&cfg);
	seed = env_u64("SHMSIM_STRESS_SEED", 0x5eed);

	for (i = 0; i < NTHREADS; i++) {
		/* The last thread's own process is unprivileged. */
		if (i == NTHREADS - 1)
			own[i] = spawn_as(e->k, 1001, 1001, 0);
		else
			own[i] = spawn_as(e->k, 0, 0, 022);
		targets[i] = own[i];
	}
	for (i = 0; i < NSHARED; i++) {
		shared[i] = spawn_as(e->k, 0, 0, 022);
		targets[NTHREADS + i] = shared[i];
	}
	for (i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		w[i].is_2008 = profile == SHMSIM_PROFILE_2008;
		w[i].iters = iters;
		w[i].rng =
		    (seed + (uint64_t)i) * UINT64_C(0x9e3779b97f4a7c15) | 1;
		w[i].k = e->k;
		w[i].own = own[i];
		w[i].own_root = i != NTHREADS - 1;
		w[i].shared = shared[i % NSHARED];
		w[i].targets = targets;
		w[i].ntargets = NTHREADS + NSHARED;
	}

	t0 = now();
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(
		    pthread_create(&tid[i], NULL, worker_main, &w[i]), 0);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);

	for (i = 0; i < NTHREADS; i++)
		for (c = 0; c < C_NCALLS; c++) {
			total += w[i].calls[c];
			ok += w[i].ok[c];
			if (w[i].bad[c] == 0)
				continue;
			nbad++;
			print_error("thread %d: %ju unexpected result(s) from "
				    "%s\n",
			    i, (uintmax_t)w[i].bad[c], call_names[c]);
		}
	for (i = 0; i < NTHREADS; i++)
		if (w[i].first_error != 0)
			print_error("thread %d: first at iteration %ju: %s "
				    "(%s) gave %s\n",
			    i, (uintmax_t)w[i].first_iter,
			    call_names[w[i].first_call], w[i].first_what,
			    w[i].first_error < 0 ?
				"success" :
				shmsim_errno_name(w[i].first_error));
	if (getenv("SHMSIM_STRESS_VERBOSE") != NULL)
		for (c = 0; c < C_NCALLS; c++) {
			uint64_t n = 0, g = 0;

			for (i = 0; i < NTHREADS; i++) {
				n += w[i].calls[c];
				g += w[i].ok[c];
			}
			print_message("  %-20s %9ju calls %9ju ok\n",
			    call_names[c], (uintmax_t)n, (uintmax_t)g);
		}
	print_message("%s: %d threads x %ju iterations: %ju calls (%ju ok) "
		      "in %.2f s\n",
	    profile == SHMSIM_PROFILE_2008 ? "2008" : "current", NTHREADS,
	    (uintmax_t)iters, (uintmax_t)total, (uintmax_t)ok, now() - t0);
	if (nbad != 0)
		fail_msg("%d call kind(s) returned unexpected errors", nbad);
	/* Every kind of call ran, and most succeeded somewhere. */
	for (c = 0; c < C_NCALLS && iters >= 10000; c++) {
		uint64_t n = 0, g = 0;

		for (i = 0; i < NTHREADS; i++) {
			n += w[i].calls[c];
			g += w[i].ok[c];
		}
		if (n == 0)
			fail_msg("%s never ran", call_names[c]);
		if (g == 0 &&
		    !(profile == SHMSIM_PROFILE_2008 &&
			(c == C_PWRITE || c == C_PREAD)))
			fail_msg("%s never succeeded", call_names[c]);
	}

	assert_audit_clean(e->k);
	shmsim_counters(e->k, &cnt);
	assert_int_equal(cnt.procs, 1 + NTHREADS + NSHARED);

	/* Everything goes with the processes and the names. */
	for (i = 0; i < NTHREADS; i++)
		assert_errno(shmsim_exit(own[i]), 0);
	for (i = 0; i < NSHARED; i++)
		assert_errno(shmsim_exit(shared[i]), 0);
	for (i = 0; i < NNAMES; i++) {
		int error = shmsim_shm_unlink(e->p, names[i]);

		assert_true(error == 0 || error == ENOENT);
	}
	assert_errno(shmsim_recvfd(e->p, &fd), EAGAIN);
	assert_audit_clean(e->k);
	shmsim_counters(e->k, &cnt);
	assert_int_equal(cnt.objects, 0);
	assert_int_equal(cnt.shm, 0);
	assert_int_equal(cnt.names, 0);
	assert_int_equal(cnt.files, 0);
	assert_int_equal(cnt.pages, 0);
	assert_int_equal(cnt.swapped, 0);
	assert_int_equal(cnt.inflight, 0);
	assert_int_equal(cnt.swap_reserved, 0);
	assert_int_equal(cnt.procs, 1);
	env_free(e);
}

static void
stress_current(void **state)
{
	(void)state;
	stress(SHMSIM_PROFILE_CURRENT,
	    env_u64("SHMSIM_STRESS_ITERS", DEFAULT_ITERS));
}

/* The 2008 profile, a quarter as long: fewer call kinds succeed there. */
static void
stress_2008(void **state)
{
	uint64_t iters = env_u64("SHMSIM_STRESS_ITERS", DEFAULT_ITERS) / 4;

	(void)state;
	stress(SHMSIM_PROFILE_2008, iters > 0 ? iters : 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stress_current),
		cmocka_unit_test(stress_2008),
	};

	return (cmocka_run_group_tests_name("stress", tests, NULL, NULL));
}
