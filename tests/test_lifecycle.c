/*
 * Lifecycle of shared memory objects, step by step: after every step the
 * exact shm_refs, VM object ref_count (st_nlink in profile current) and
 * f_count of each descriptor involved, the global counters, and a clean
 * audit.  The stories follow freebsd-shm-semantics.md section 2.2 ("Net
 * effect on success"), section 2.6 (lifetime) and seed-2008-version.md
 * section 1.8, and run in both profiles.  Also: kernel creation with bad
 * configurations, hashinit() rounding, and idle create/destroy cycles.
 */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kernel_var.h"

#define RDONLY SHMSIM_O_RDONLY
#define RDWR SHMSIM_O_RDWR
#define CREAT SHMSIM_O_CREAT
#define EXCL SHMSIM_O_EXCL

static bool
is_2008(const struct env *e)
{
	return (shmsim_kernel_config(e->k)->profile == SHMSIM_PROFILE_2008);
}

static uint64_t
pagesz(const struct env *e)
{
	return (shmsim_kernel_config(e->k)->page_size);
}

/* Bytes of swap a size-page object reserves in this profile. */
static uint64_t
charge_of(const struct env *e, uint64_t pages)
{
	return (is_2008(e) ? 0 : pages * pagesz(e));
}

/*
 * Every counter must be as given (the fields not named are 0).  Usage:
 * assert_counters(k, .objects = 1, .shm = 1, .procs = 1);
 */
#define assert_counters(k, ...)                                        \
	assert_counters_impl((k),                                      \
	    &(const struct shmsim_counters) { __VA_ARGS__ }, __FILE__, \
	    __LINE__)

static void
assert_counters_impl(struct shmsim_kernel *k,
    const struct shmsim_counters *want, const char *file, int line)
{
	struct shmsim_counters c;
	bool bad = false;

	shmsim_counters(k, &c);
#define CHECK(f)                                                  \
	if (c.f != want->f) {                                     \
		print_error("counters." #f " is %ju, want %ju\n", \
		    (uintmax_t)c.f, (uintmax_t)want->f);          \
		bad = true;                                       \
	}
	CHECK(objects);
	CHECK(shm);
	CHECK(names);
	CHECK(files);
	CHECK(pages);
	CHECK(swapped);
	CHECK(inflight);
	CHECK(procs);
	CHECK(swap_reserved);
#undef CHECK
	if (bad)
		_fail(file, line);
}

/*
 * The counts behind fd: shm_refs, the object's ref_count, f_count (the
 * transient hold of shmsim_fdinfo excluded), and in profile current
 * st_nlink == ref_count (profile 2008 reports st_nlink 0).  Then the
 * auditor must be clean.
 */
#define assert_fd(p, fd, refs, objref, fcount)                          \
	assert_fd_impl((p), (fd), (refs), (objref), (fcount), __FILE__, \
	    __LINE__)

static void
assert_fd_impl(struct shmsim_proc *p, int fd, int refs, int objref, int fcount,
    const char *file, int line)
{
	struct shmsim_fdinfo info;
	struct shmsim_stat sb;
	bool bad = false;
	int error;

	error = shmsim_fdinfo(p, fd, &info);
	if (error != 0) {
		print_error("fd %d: fdinfo failed with %s\n", fd,
		    shmsim_errno_name(error));
		_fail(file, line);
	}
	if (info.shm_refs != refs) {
		print_error("fd %d: shm_refs is %d, want %d\n", fd,
		    info.shm_refs, refs);
		bad = true;
	}
	if (info.obj_ref_count != objref) {
		print_error("fd %d: object ref_count is %d, want %d\n", fd,
		    info.obj_ref_count, objref);
		bad = true;
	}
	if (info.f_count != fcount) {
		print_error("fd %d: f_count is %d, want %d\n", fd, info.f_count,
		    fcount);
		bad = true;
	}
	error = shmsim_fstat(p, fd, &sb);
	if (error != 0) {
		print_error("fd %d: fstat failed with %s\n", fd,
		    shmsim_errno_name(error));
		bad = true;
	} else if (info.ino == 0 && sb.st_nlink != 0) {
		/* Profile 2008 has no inode numbers and no link count. */
		print_error("fd %d: st_nlink is %ju in profile 2008, want 0\n",
		    fd, (uintmax_t)sb.st_nlink);
		bad = true;
	} else if (info.ino != 0 && sb.st_nlink != (uint64_t)objref) {
		print_error("fd %d: st_nlink is %ju, want %d\n", fd,
		    (uintmax_t)sb.st_nlink, objref);
		bad = true;
	}
	if (bad)
		_fail(file, line);
	assert_audit_clean_impl(((struct proc *)p)->p_kernel, file, line);
}

static int
open_ok(struct shmsim_proc *p, const char *path, int flags, mode_t mode)
{
	int error, fd = -1;

	error = shmsim_shm_open(p, path, flags, mode, &fd);
	assert_errno(error, 0);
	assert_true(fd >= 0);
	return (fd);
}

/* Write bytes into fd's object: pwrite(2) today, poke in 2008. */
static void
put_bytes(struct env *e, struct shmsim_proc *p, int fd, uint64_t off,
    const char *s)
{
	size_t len = strlen(s), done = 0;

	if (is_2008(e)) {
		assert_errno(shmsim_pwrite(p, fd, s, len, (int64_t)off, &done),
		    ESPIPE);
		assert_errno(shmsim_poke(p, fd, off, s, len), 0);
	} else {
		assert_errno(shmsim_pwrite(p, fd, s, len, (int64_t)off, &done),
		    0);
		assert_int_equal(done, len);
	}
}

/* The bytes at off must be s, read with pread(2) today and peek always. */
static void
check_bytes(struct env *e, struct shmsim_proc *p, int fd, uint64_t off,
    const char *s)
{
	char buf[64];
	size_t len = strlen(s), done = 0;

	assert_true(len < sizeof(buf));
	if (!is_2008(e)) {
		memset(buf, 'x', sizeof(buf));
		assert_errno(shmsim_pread(p, fd, buf, len, (int64_t)off, &done),
		    0);
		assert_int_equal(done, len);
		assert_memory_equal(buf, s, len);
	}
	memset(buf, 'x', sizeof(buf));
	assert_errno(shmsim_peek(p, fd, off, buf, len), 0);
	assert_memory_equal(buf, s, len);
}

/*
 * Create, reopen, dup, close: refs 2 after creation (file + name), +1
 * per reopen, dup and close of a dup move only f_count, and the named
 * object outlives its last descriptor until shm_unlink.
 */
static void
named_open_reopen_dup_close(void **state)
{
	struct env *e = *state;
	struct shmsim_fdinfo i0, i1;
	struct shmsim_proc *p = e->p;
	int fd0, fd1, fd2, fd3, fd;

	assert_counters(e->k, .procs = 1);
	assert_audit_clean(e->k);

	fd0 = open_ok(p, "/life", CREAT | RDWR, 0600);
	assert_int_equal(fd0, 0);
	assert_fd(p, fd0, 2, 1, 1);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 1,
	    .procs = 1);
	i0 = fdinfo(p, fd0);
	assert_true(i0.named);
	assert_string_equal(i0.path, "/life");

	/* A failed O_EXCL open changes nothing. */
	assert_errno(
	    shmsim_shm_open(p, "/life", CREAT | EXCL | RDWR, 0600, &fd),
	    EEXIST);
	assert_fd(p, fd0, 2, 1, 1);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 1,
	    .procs = 1);

	/* Reopen: a second file, the same shmfd, refs + 1. */
	fd1 = open_ok(p, "/life", RDWR, 0);
	assert_int_equal(fd1, 1);
	assert_fd(p, fd0, 3, 1, 1);
	assert_fd(p, fd1, 3, 1, 1);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 2,
	    .procs = 1);
	i0 = fdinfo(p, fd0);
	i1 = fdinfo(p, fd1);
	assert_int_equal(i0.ino, i1.ino);
	if (is_2008(e))
		assert_int_equal(i0.ino, 0);
	else
		assert_int_not_equal(i0.ino, 0);

	/* dup: the same file, f_count 2, refs unchanged. */
	assert_errno(shmsim_dup(p, fd0, &fd2), 0);
	assert_int_equal(fd2, 2);
	assert_fd(p, fd0, 3, 1, 2);
	assert_fd(p, fd2, 3, 1, 2);
	assert_fd(p, fd1, 3, 1, 1);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 2,
	    .procs = 1);

	/* A read-only reopen counts like any other. */
	fd3 = open_ok(p, "/life", RDONLY, 0);
	assert_int_equal(fd3, 3);
	assert_fd(p, fd3, 4, 1, 1);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 3,
	    .procs = 1);

	assert_errno(shmsim_close(p, fd3), 0);
	assert_fd(p, fd0, 3, 1, 2);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 2,
	    .procs = 1);

	/* Closing a dup moves f_count only. */
	assert_errno(shmsim_close(p, fd2), 0);
	assert_fd(p, fd0, 3, 1, 1);
	assert_fd(p, fd1, 3, 1, 1);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 2,
	    .procs = 1);

	/* The last close of a file drops its shm reference. */
	assert_errno(shmsim_close(p, fd0), 0);
	assert_fd(p, fd1, 2, 1, 1);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 1,
	    .procs = 1);
	assert_errno(shmsim_close(p, fd0), EBADF);

	/* No descriptor left: the name alone keeps the object. */
	assert_errno(shmsim_close(p, fd1), 0);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .procs = 1);
	assert_audit_clean(e->k);

	/* The same object comes back by name. */
	fd = open_ok(p, "/life", RDWR, 0);
	assert_int_equal(fd, 0);
	assert_fd(p, fd, 2, 1, 1);
	assert_int_equal(fdinfo(p, fd).ino, i1.ino);
	assert_errno(shmsim_close(p, fd), 0);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .procs = 1);
	assert_audit_clean(e->k);

	/* Unlink drops the last reference and frees everything. */
	assert_errno(shmsim_shm_unlink(p, "/life"), 0);
	assert_counters(e->k, .procs = 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_shm_unlink(p, "/life"), ENOENT);
	assert_errno(shmsim_shm_open(p, "/life", RDWR, 0, &fd), ENOENT);
	assert_counters(e->k, .procs = 1);
	assert_audit_clean(e->k);
}

/*
 * fork copies the table: each copied slot is one more f_count on the
 * same file; shm_refs and the object are untouched.  exec then closes
 * the close-on-exec descriptors (all of shm_open's, in both profiles).
 */
static void
fork_shares_files(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *p = e->p, *c, *gc;
	int fd0, fd1, fd2;

	fd0 = open_ok(p, "/forked", CREAT | RDWR, 0600);
	assert_errno(shmsim_dup(p, fd0, &fd1), 0);
	fd2 = open_ok(p, SHMSIM_SHM_ANON, RDWR, 0600);
	assert_int_equal(fd2, 2);
	assert_fd(p, fd0, 2, 1, 2);
	assert_fd(p, fd2, 1, 1, 1);
	assert_counters(e->k, .objects = 2, .shm = 2, .names = 1, .files = 2,
	    .procs = 1);

	assert_errno(shmsim_fork(p, &c), 0);
	assert_fd(p, fd0, 2, 1, 4);
	assert_fd(p, fd1, 2, 1, 4);
	assert_fd(p, fd2, 1, 1, 2);
	assert_fd(c, fd0, 2, 1, 4);
	assert_fd(c, fd1, 2, 1, 4);
	assert_fd(c, fd2, 1, 1, 2);
	assert_counters(e->k, .objects = 2, .shm = 2, .names = 1, .files = 2,
	    .procs = 2);
	/*
	 * Descriptor flags travel with the slots: shm_open's descriptors
	 * are close-on-exec in both profiles (libc's O_CLOEXEC today, the
	 * system call itself in 2008); dup's are not.
	 */
	assert_int_equal(fdinfo(c, fd0).fd_flags, SHMSIM_FD_CLOEXEC);
	assert_int_equal(fdinfo(c, fd2).fd_flags, SHMSIM_FD_CLOEXEC);
	assert_int_equal(fdinfo(c, fd1).fd_flags, 0);

	/* A grandchild: two more per file, gone again at its exit. */
	assert_errno(shmsim_fork(c, &gc), 0);
	assert_fd(p, fd0, 2, 1, 6);
	assert_fd(gc, fd2, 1, 1, 3);
	assert_counters(e->k, .objects = 2, .shm = 2, .names = 1, .files = 2,
	    .procs = 3);
	assert_errno(shmsim_exit(gc), 0);
	assert_fd(p, fd0, 2, 1, 4);
	assert_fd(p, fd2, 1, 1, 2);
	assert_counters(e->k, .objects = 2, .shm = 2, .names = 1, .files = 2,
	    .procs = 2);

	/* Closing in the child moves the shared f_count. */
	assert_errno(shmsim_close(c, fd1), 0);
	assert_fd(p, fd0, 2, 1, 3);
	assert_fd(c, fd0, 2, 1, 3);

	/* exec in the child closes its close-on-exec descriptors. */
	assert_errno(shmsim_exec(c), 0);
	assert_fd(p, fd0, 2, 1, 2);
	assert_fd(p, fd2, 1, 1, 1);
	assert_errno(shmsim_fdinfo(c, fd0, &(struct shmsim_fdinfo) { 0 }),
	    EBADF);
	assert_errno(shmsim_fdinfo(c, fd2, &(struct shmsim_fdinfo) { 0 }),
	    EBADF);
	assert_counters(e->k, .objects = 2, .shm = 2, .names = 1, .files = 2,
	    .procs = 2);

	assert_errno(shmsim_exit(c), 0);
	assert_fd(p, fd0, 2, 1, 2);
	assert_fd(p, fd2, 1, 1, 1);
	assert_counters(e->k, .objects = 2, .shm = 2, .names = 1, .files = 2,
	    .procs = 1);

	/* The anonymous object dies with its last descriptor. */
	assert_errno(shmsim_close(p, fd2), 0);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 1,
	    .procs = 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(p, fd0), 0);
	assert_fd(p, fd1, 2, 1, 1);
	assert_errno(shmsim_close(p, fd1), 0);
	assert_errno(shmsim_shm_unlink(p, "/forked"), 0);
	assert_counters(e->k, .procs = 1);
	assert_audit_clean(e->k);
}

/*
 * Unlink while open: the name's reference goes, the object stays usable
 * through its descriptors; a new object may then be created under the
 * same name, and both live until their own last references go.
 */
static void
unlink_while_open_then_recreate(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *p = e->p;
	struct shmsim_fdinfo i0, i2;
	struct shmsim_stat s0, s2;
	uint64_t ps = pagesz(e), moved;
	int fd0, fd1, fd2, fd;

	fd0 = open_ok(p, "/u", CREAT | RDWR, 0600);
	assert_errno(shmsim_ftruncate(p, fd0, (int64_t)(2 * ps + 100)), 0);
	assert_fd(p, fd0, 2, 1, 1);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 1,
	    .procs = 1, .swap_reserved = charge_of(e, 3));
	put_bytes(e, p, fd0, ps + 10, "hello");
	put_bytes(e, p, fd0, 2 * ps, "world");
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 1,
	    .procs = 1, .pages = 2, .swap_reserved = charge_of(e, 3));
	assert_errno(shmsim_dup(p, fd0, &fd1), 0);
	assert_fd(p, fd0, 2, 1, 2);
	assert_audit_clean(e->k);

	/* Unlink: refs - 1, f_count as it was, the object intact. */
	assert_errno(shmsim_shm_unlink(p, "/u"), 0);
	assert_fd(p, fd0, 1, 1, 2);
	assert_fd(p, fd1, 1, 1, 2);
	i0 = fdinfo(p, fd0);
	assert_false(i0.named);
	assert_string_equal(i0.path, "");
	assert_int_equal(i0.size, (int64_t)(2 * ps + 100));
	assert_counters(e->k, .objects = 1, .shm = 1, .files = 1, .procs = 1,
	    .pages = 2, .swap_reserved = charge_of(e, 3));
	check_bytes(e, p, fd0, ps + 10, "hello");
	check_bytes(e, p, fd1, 2 * ps, "world");
	put_bytes(e, p, fd1, 0, "after unlink");
	check_bytes(e, p, fd0, 0, "after unlink");
	assert_counters(e->k, .objects = 1, .shm = 1, .files = 1, .procs = 1,
	    .pages = 3, .swap_reserved = charge_of(e, 3));
	assert_audit_clean(e->k);

	/* Invisible by name. */
	assert_errno(shmsim_shm_open(p, "/u", RDWR, 0, &fd), ENOENT);
	assert_errno(shmsim_shm_unlink(p, "/u"), ENOENT);
	assert_fd(p, fd0, 1, 1, 2);

	/* Re-create: a new object, both alive. */
	fd2 = open_ok(p, "/u", CREAT | EXCL | RDWR, 0600);
	assert_int_equal(fd2, 2);
	assert_fd(p, fd2, 2, 1, 1);
	assert_fd(p, fd0, 1, 1, 2);
	assert_counters(e->k, .objects = 2, .shm = 2, .names = 1, .files = 2,
	    .procs = 1, .pages = 3, .swap_reserved = charge_of(e, 3));
	i2 = fdinfo(p, fd2);
	assert_int_equal(i2.size, 0);
	assert_true(i2.named);
	assert_errno(shmsim_fstat(p, fd0, &s0), 0);
	assert_errno(shmsim_fstat(p, fd2, &s2), 0);
	if (is_2008(e)) {
		assert_int_equal(s0.st_ino, 0);
		assert_int_equal(s2.st_ino, 0);
	} else {
		assert_int_not_equal(i2.ino, i0.ino);
		assert_int_not_equal(s2.st_ino, s0.st_ino);
		assert_true(s2.st_ino > s0.st_ino);
		assert_int_equal(s2.st_dev, s0.st_dev);
	}
	assert_errno(shmsim_ftruncate(p, fd2, (int64_t)ps), 0);
	put_bytes(e, p, fd2, 7, "new");
	assert_counters(e->k, .objects = 2, .shm = 2, .names = 1, .files = 2,
	    .procs = 1, .pages = 4, .swap_reserved = charge_of(e, 4));
	check_bytes(e, p, fd0, ps + 10, "hello");
	check_bytes(e, p, fd2, 7, "new");
	assert_audit_clean(e->k);

	/* The old object goes with its last descriptor. */
	assert_errno(shmsim_close(p, fd1), 0);
	assert_fd(p, fd0, 1, 1, 1);
	assert_counters(e->k, .objects = 2, .shm = 2, .names = 1, .files = 2,
	    .procs = 1, .pages = 4, .swap_reserved = charge_of(e, 4));
	assert_errno(shmsim_close(p, fd0), 0);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 1,
	    .procs = 1, .pages = 1, .swap_reserved = charge_of(e, 1));
	assert_fd(p, fd2, 2, 1, 1);
	check_bytes(e, p, fd2, 7, "new");

	/* Swapped pages are freed with the object too. */
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 1);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 1,
	    .procs = 1, .swapped = 1, .swap_reserved = charge_of(e, 1));
	assert_errno(shmsim_close(p, fd2), 0);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .procs = 1,
	    .swapped = 1, .swap_reserved = charge_of(e, 1));
	assert_audit_clean(e->k);
	assert_errno(shmsim_shm_unlink(p, "/u"), 0);
	assert_counters(e->k, .procs = 1);
	assert_audit_clean(e->k);
}

/*
 * Anonymous objects: refs 1 (the file only), never in the dictionary,
 * freed with the last reference to the file -- which may be one in
 * flight to another process.
 */
static void
anonymous_object_lifetime(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *p = e->p, *q, *c;
	uint64_t ps = pagesz(e), moved, i;
	struct shmsim_fdinfo info;
	char b;
	int fd0, fd1, fdq, fd;

	fd0 = open_ok(p, SHMSIM_SHM_ANON, RDWR, 0600);
	assert_fd(p, fd0, 1, 1, 1);
	info = fdinfo(p, fd0);
	assert_false(info.named);
	assert_counters(e->k, .objects = 1, .shm = 1, .files = 1, .procs = 1);

	/* A read-only anonymous object is refused without a trace. */
	assert_errno(shmsim_shm_open(p, SHMSIM_SHM_ANON, RDONLY, 0600, &fd),
	    EINVAL);
	assert_counters(e->k, .objects = 1, .shm = 1, .files = 1, .procs = 1);
	assert_audit_clean(e->k);

	assert_errno(shmsim_ftruncate(p, fd0, (int64_t)(4 * ps)), 0);
	for (i = 0; i < 4; i++) {
		b = (char)('a' + i);
		assert_errno(shmsim_poke(p, fd0, i * ps + i, &b, 1), 0);
	}
	assert_errno(shmsim_pageout(e->k, 2, &moved), 0);
	assert_int_equal(moved, 2);
	assert_counters(e->k, .objects = 1, .shm = 1, .files = 1, .procs = 1,
	    .pages = 2, .swapped = 2, .swap_reserved = charge_of(e, 4));
	assert_fd(p, fd0, 1, 1, 1);

	assert_errno(shmsim_dup(p, fd0, &fd1), 0);
	assert_fd(p, fd0, 1, 1, 2);
	assert_errno(shmsim_fork(p, &c), 0);
	assert_fd(p, fd0, 1, 1, 4);
	assert_counters(e->k, .objects = 1, .shm = 1, .files = 1, .procs = 2,
	    .pages = 2, .swapped = 2, .swap_reserved = charge_of(e, 4));

	/* In flight to q: one more reference on the same file. */
	q = spawn_as(e->k, 0, 0, 022);
	assert_errno(shmsim_sendfd(p, q, fd0), 0);
	assert_fd(p, fd0, 1, 1, 5);
	assert_counters(e->k, .objects = 1, .shm = 1, .files = 1, .procs = 3,
	    .pages = 2, .swapped = 2, .inflight = 1,
	    .swap_reserved = charge_of(e, 4));

	assert_errno(shmsim_exit(c), 0);
	assert_fd(p, fd0, 1, 1, 3);
	assert_errno(shmsim_close(p, fd1), 0);
	assert_fd(p, fd0, 1, 1, 2);
	assert_errno(shmsim_close(p, fd0), 0);
	/* Only the descriptor in flight keeps it now. */
	assert_counters(e->k, .objects = 1, .shm = 1, .files = 1, .procs = 2,
	    .pages = 2, .swapped = 2, .inflight = 1,
	    .swap_reserved = charge_of(e, 4));
	assert_audit_clean(e->k);

	assert_errno(shmsim_recvfd(q, &fdq), 0);
	assert_int_equal(fdq, 0);
	assert_fd(q, fdq, 1, 1, 1);
	assert_counters(e->k, .objects = 1, .shm = 1, .files = 1, .procs = 2,
	    .pages = 2, .swapped = 2, .swap_reserved = charge_of(e, 4));
	for (i = 0; i < 4; i++) {
		assert_errno(shmsim_peek(q, fdq, i * ps + i, &b, 1), 0);
		assert_int_equal(b, 'a' + (int)i);
	}
	/* Reading paged the two swapped pages back in. */
	assert_counters(e->k, .objects = 1, .shm = 1, .files = 1, .procs = 2,
	    .pages = 4, .swap_reserved = charge_of(e, 4));

	assert_errno(shmsim_pageout(e->k, 3, &moved), 0);
	assert_int_equal(moved, 3);
	assert_errno(shmsim_close(q, fdq), 0);
	assert_counters(e->k, .procs = 2);
	assert_audit_clean(e->k);
	assert_errno(shmsim_recvfd(q, &fdq), EAGAIN);
}

/*
 * A named object with no descriptors persists, contents and all, until
 * shm_unlink -- also when the process that made it is gone.
 */
static void
named_object_persists_without_fds(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *maker, *q;
	uint64_t ps = pagesz(e);
	int fd, i;

	maker = spawn_as(e->k, 0, 0, 022);
	fd = open_ok(maker, "/persist", CREAT | RDWR, 0644);
	assert_errno(shmsim_ftruncate(maker, fd, (int64_t)ps), 0);
	put_bytes(e, maker, fd, 100, "keep");
	assert_fd(maker, fd, 2, 1, 1);
	assert_errno(shmsim_close(maker, fd), 0);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .procs = 2,
	    .pages = 1, .swap_reserved = charge_of(e, 1));
	assert_errno(shmsim_exit(maker), 0);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .procs = 1,
	    .pages = 1, .swap_reserved = charge_of(e, 1));
	assert_audit_clean(e->k);

	/* Opened and closed again and again: nothing accumulates. */
	for (i = 0; i < 3; i++) {
		q = spawn_as(e->k, 0, 0, 022);
		fd = open_ok(q, "/persist", RDONLY, 0);
		assert_fd(q, fd, 2, 1, 1);
		check_bytes(e, q, fd, 100, "keep");
		assert_counters(e->k, .objects = 1, .shm = 1, .names = 1,
		    .files = 1, .procs = 2, .pages = 1,
		    .swap_reserved = charge_of(e, 1));
		assert_errno(shmsim_exit(q), 0);
		assert_counters(e->k, .objects = 1, .shm = 1, .names = 1,
		    .procs = 1, .pages = 1, .swap_reserved = charge_of(e, 1));
		assert_audit_clean(e->k);
	}

	assert_errno(shmsim_shm_unlink(e->p, "/persist"), 0);
	assert_counters(e->k, .procs = 1);
	assert_audit_clean(e->k);
}

/* O_TRUNC on an open object: refs +1 only, and the pages and charge go. */
static void
reopen_with_trunc(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *p = e->p;
	uint64_t ps = pagesz(e);
	int fd0, fd1;

	fd0 = open_ok(p, "/t", CREAT | RDWR, 0600);
	assert_errno(shmsim_ftruncate(p, fd0, (int64_t)(2 * ps)), 0);
	put_bytes(e, p, fd0, ps, "x");
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 1,
	    .procs = 1, .pages = 1, .swap_reserved = charge_of(e, 2));
	fd1 = open_ok(p, "/t", CREAT | SHMSIM_O_TRUNC | RDWR, 0600);
	assert_fd(p, fd1, 3, 1, 1);
	assert_int_equal(fdinfo(p, fd0).size, 0);
	assert_counters(e->k, .objects = 1, .shm = 1, .names = 1, .files = 2,
	    .procs = 1);
	assert_errno(shmsim_close(p, fd0), 0);
	assert_errno(shmsim_close(p, fd1), 0);
	assert_errno(shmsim_shm_unlink(p, "/t"), 0);
	assert_counters(e->k, .procs = 1);
	assert_audit_clean(e->k);
}

/* shmsim_kernel_create() refuses bad configurations with EINVAL. */
static void
kernel_create_bad_config(void **state)
{
	static const uint32_t bad_pages[] = { 0, 1, 3, 256, 3000, 4097, 6144,
		1u << 21, 0x80000000u, 0xffffffffu };
	struct shmsim_config cfg;
	struct shmsim_kernel *k, *sentinel;
	size_t i;

	(void)state;
	sentinel = (struct shmsim_kernel *)&cfg;
	for (i = 0; i < sizeof(bad_pages) / sizeof(bad_pages[0]); i++) {
		shmsim_config_init(&cfg);
		cfg.page_size = bad_pages[i];
		k = sentinel;
		assert_errno(shmsim_kernel_create(&cfg, &k), EINVAL);
		assert_ptr_equal(k, sentinel);
	}

	shmsim_config_init(&cfg);
	cfg.hash_buckets = 0;
	k = sentinel;
	assert_errno(shmsim_kernel_create(&cfg, &k), EINVAL);
	assert_ptr_equal(k, sentinel);

	shmsim_config_init(&cfg);
	cfg.profile = (enum shmsim_profile)2;
	assert_errno(shmsim_kernel_create(&cfg, &k), EINVAL);
	cfg.profile = (enum shmsim_profile) - 1;
	assert_errno(shmsim_kernel_create(&cfg, &k), EINVAL);
	cfg.profile = (enum shmsim_profile)1000;
	assert_errno(shmsim_kernel_create(&cfg, &k), EINVAL);
	assert_ptr_equal(k, sentinel);

	/* The bounds themselves are good. */
	for (i = 0; i < 2; i++) {
		shmsim_config_init(&cfg);
		cfg.page_size = i == 0 ? 512 : 1u << 20;
		cfg.hash_buckets = 1;
		cfg.profile =
		    i == 0 ? SHMSIM_PROFILE_CURRENT : SHMSIM_PROFILE_2008;
		assert_errno(shmsim_kernel_create(&cfg, &k), 0);
		assert_int_equal(shmsim_kernel_config(k)->page_size,
		    cfg.page_size);
		assert_int_equal(shmsim_kernel_destroy(k, NULL, 0), 0);
	}
	/* NULL means the defaults. */
	assert_errno(shmsim_kernel_create(NULL, &k), 0);
	assert_int_equal(shmsim_kernel_config(k)->page_size, 4096);
	assert_int_equal(shmsim_kernel_config(k)->hash_buckets, 1024);
	assert_int_equal(k->shm_hash, 1023);
	assert_int_equal(shmsim_kernel_destroy(k, NULL, 0), 0);
}

/* hashinit(): the largest power of two <= hash_buckets buckets. */
static void
hash_buckets_round_down(void **state)
{
	static const struct {
		uint32_t asked;
		unsigned long mask;
	} cases[] = {
		{ 1, 0 },
		{ 2, 1 },
		{ 3, 1 },
		{ 4, 3 },
		{ 5, 3 },
		{ 7, 3 },
		{ 1000, 511 },
		{ 1023, 511 },
		{ 1024, 1023 },
		{ 1025, 1023 },
		{ 2047, 1023 },
		{ 4096, 4095 },
	};
	struct shmsim_config cfg;
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	char path[32];
	size_t i;
	int fd, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		shmsim_config_init(&cfg);
		cfg.hash_buckets = cases[i].asked;
		assert_errno(shmsim_kernel_create(&cfg, &k), 0);
		if (k->shm_hash != cases[i].mask)
			fail_msg("hash_buckets %u: mask %#lx, want %#lx",
			    cases[i].asked, k->shm_hash, cases[i].mask);
		/* Every bucket is usable: fill them and look them up. */
		assert_errno(shmsim_spawn(k, NULL, &p), 0);
		for (n = 0; n < 40; n++) {
			snprintf(path, sizeof(path), "/h%d", n);
			assert_errno(
			    shmsim_shm_open(p, path, CREAT | RDWR, 0600, &fd),
			    0);
			assert_errno(shmsim_close(p, fd), 0);
		}
		for (n = 0; n < 40; n++) {
			snprintf(path, sizeof(path), "/h%d", n);
			assert_errno(shmsim_shm_open(p, path,
					 CREAT | EXCL | RDWR, 0600, &fd),
			    EEXIST);
		}
		assert_audit_clean(k);
		for (n = 0; n < 40; n += 2) {
			snprintf(path, sizeof(path), "/h%d", n);
			assert_errno(shmsim_shm_unlink(p, path), 0);
		}
		assert_audit_clean(k);
		/* Destroy removes the other 20 names: no leak. */
		assert_int_equal(shmsim_kernel_destroy(k, NULL, 0), 0);
	}
}

/* An idle kernel comes and goes many times without leaking. */
static void
idle_kernel_create_destroy_many(void **state)
{
	struct shmsim_config cfg;
	struct shmsim_kernel *k;
	char report[256];
	int i, leaks;

	(void)state;
	for (i = 0; i < 5000; i++) {
		shmsim_config_init(&cfg);
		cfg.profile =
		    (i & 1) != 0 ? SHMSIM_PROFILE_2008 : SHMSIM_PROFILE_CURRENT;
		cfg.hash_buckets = 1u << (i % 12);
		assert_errno(shmsim_kernel_create(&cfg, &k), 0);
		memset(report, 'x', sizeof(report));
		leaks = shmsim_kernel_destroy(k, report, sizeof(report));
		if (leaks != 0)
			fail_msg("iteration %d: %d leak(s): %s", i, leaks,
			    report);
		assert_string_equal(report, "");
	}
}

/* Each story in both profiles, named apart. */
#define BOTH(f)                                                  \
	{ #f "/current", f, setup_current, teardown_env, NULL }, \
	{                                                        \
#f "/2008", f, setup_2008, teardown_env, NULL    \
	}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(named_open_reopen_dup_close),
		BOTH(fork_shares_files),
		BOTH(unlink_while_open_then_recreate),
		BOTH(anonymous_object_lifetime),
		BOTH(named_object_persists_without_fds),
		BOTH(reopen_with_trunc),
		cmocka_unit_test(kernel_create_bad_config),
		cmocka_unit_test(hash_buckets_round_down),
		cmocka_unit_test(idle_kernel_create_destroy_many),
	};

	return (cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL));
}
