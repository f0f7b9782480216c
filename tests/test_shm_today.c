/*
 * Today's calls: shm_open2(2), memfd_create(3), shm_rename(2), fchmod(2),
 * fchown(2), posix_fallocate(2), fspacectl(2), ioctl(2), and the seals
 * (fcntl F_ADD_SEALS / F_GET_SEALS) with their effects on ftruncate,
 * O_TRUNC, posix_fallocate, write and fspacectl; SHM_GROW_ON_WRITE.
 *
 * Each errno row of the section 4 table of freebsd-shm-semantics.md for
 * these calls is checked, in the kernel's check order: where two faults
 * are present at once, the earlier check must win.  The behaviour is
 * that of sections 2.2 (re-open rules for shmflags and seals), 2.3
 * (memfd), 2.5 (rename), 2.9 (write), 2.11-2.15 and the quirks of 5.1.
 * Profile 2008 (seed-2008-version.md, table D: D1, D16, D26, D27, D39,
 * D9, D32) did not have most of these calls: ENOSYS, and EINVAL for
 * fchmod/fchown, F_ADD_SEALS and F_GET_SEALS.
 *
 * Names follow FreeBSD's tests/sys/posixshm/posixshm_test.c and
 * memfd_test.c where a test has an ATF counterpart (rename_*,
 * memfd_*); the others are named after the kernel function they pin.
 *
 * Two rows are checked here without a real mapping: EBUSY from
 * F_ADD_SEALS(F_SEAL_WRITE) with a writable shared mapping (made with
 * shmsim_mmap, that row is also run by tests/test_mmap.c and
 * tests/scenarios/mmap_write_seal.shm), and EBUSY from O_TRUNC of a
 * kernel-mapped object (shm_map() has no public entry).  Those tests set
 * the counter the kernel would have set (writemappings, shm_kmappings)
 * through src/ internals, check the row, and put the counter back before
 * the auditor or the teardown look.
 * The large-page rows (MFD_HUGETLB's EOPNOTSUPP/EINVAL, FIOSSHMLPGCNF's
 * EINVALs, F_SEAL_WRITE's ENOTSUP) run on a kernel configured with
 * amd64's page sizes (setup_largepage); by default there are none and
 * SHM_LARGEPAGE is ENOTTY.  The quirks these tests pin are listed, with
 * the test names, in docs/quirks.md.
 */
#include "helpers.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_var.h"

#define PAGE 4096 /* the default simulated page size */
#define UNTOUCHED (-12345)

#define O_RDONLY SHMSIM_O_RDONLY
#define O_WRONLY SHMSIM_O_WRONLY
#define O_RDWR SHMSIM_O_RDWR
#define O_ACCMODE SHMSIM_O_ACCMODE
#define O_CREAT SHMSIM_O_CREAT
#define O_EXCL SHMSIM_O_EXCL
#define O_TRUNC SHMSIM_O_TRUNC
#define O_CLOEXEC SHMSIM_O_CLOEXEC
#define O_APPEND SHMSIM_O_APPEND
#define O_NONBLOCK SHMSIM_O_NONBLOCK
#define O_ASYNC SHMSIM_O_ASYNC
#define ANON SHMSIM_SHM_ANON
#define BADPTR SHMSIM_BADPTR
#define ALLOW_SEALING SHMSIM_SHM_ALLOW_SEALING
#define GROW_ON_WRITE SHMSIM_SHM_GROW_ON_WRITE
#define LARGEPAGE SHMSIM_SHM_LARGEPAGE
#define NOREPLACE SHMSIM_SHM_RENAME_NOREPLACE
#define EXCHANGE SHMSIM_SHM_RENAME_EXCHANGE
#define DEALLOC SHMSIM_SPACECTL_DEALLOC
#define MFD_HUGE_2MB (21U << 26)
#define MFD_HUGE_4KB (12U << 26)
#define MFD_HUGE_16MB (24U << 26)
#define LP_SIZE (2 * 1024 * 1024) /* the large page of setup_largepage */

/* ---------------------------------------------------------------- */
/* Helpers                                                          */
/* ---------------------------------------------------------------- */

static struct env *
env_of(void **state)
{
	return (*state);
}

/*
 * Replace the fixture's kernel by one of the same profile with the given
 * kern.maxfiles and RLIMIT_NOFILE (0: keep); teardown_env frees it.
 */
static struct env *
env_with_limits(void **state, int max_files, int max_fds)
{
	struct shmsim_config cfg;
	struct env *e = *state;

	cfg = *shmsim_kernel_config(e->k);
	if (max_files != 0)
		cfg.max_files = max_files;
	if (max_fds != 0)
		cfg.max_fds = max_fds;
	env_free(e);
	*state = env_new(&cfg);
	return (*state);
}

#define OPEN2_OK(p, path, flags, mode, shmflags)                          \
	open2_ok_impl((p), (path), (flags), (mode), (shmflags), __FILE__, \
	    __LINE__)
static int
open2_ok_impl(struct shmsim_proc *p, const char *path, int flags, mode_t mode,
    int shmflags, const char *file, int line)
{
	int fd = UNTOUCHED;

	assert_errno_impl(
	    shmsim_shm_open2(p, path, flags, mode, shmflags, NULL, &fd), 0,
	    "shmsim_shm_open2", file, line);
	if (fd < 0) {
		print_error("shm_open2 returned fd %d\n", fd);
		_fail(file, line);
	}
	return (fd);
}

/* shm_open2 must fail with want and leave the out-pointer alone. */
#define OPEN2_FAILS(p, path, flags, mode, shmflags, want)                  \
	open2_fails_impl((p), (path), (flags), (mode), (shmflags), (want), \
	    __FILE__, __LINE__)
static void
open2_fails_impl(struct shmsim_proc *p, const char *path, int flags,
    mode_t mode, int shmflags, int want, const char *file, int line)
{
	int fd = UNTOUCHED;

	assert_errno_impl(
	    shmsim_shm_open2(p, path, flags, mode, shmflags, NULL, &fd), want,
	    "shmsim_shm_open2", file, line);
	if (fd != UNTOUCHED) {
		print_error("failed shm_open2 wrote fd %d\n", fd);
		_fail(file, line);
	}
}

#define OPEN_OK(p, path, flags, mode) \
	open_ok_impl((p), (path), (flags), (mode), __FILE__, __LINE__)
static int
open_ok_impl(struct shmsim_proc *p, const char *path, int flags, mode_t mode,
    const char *file, int line)
{
	int fd = UNTOUCHED;

	assert_errno_impl(shmsim_shm_open(p, path, flags, mode, &fd), 0,
	    "shmsim_shm_open", file, line);
	if (fd < 0) {
		print_error("shm_open returned fd %d\n", fd);
		_fail(file, line);
	}
	return (fd);
}

#define MEMFD_OK(p, name, flags) \
	memfd_ok_impl((p), (name), (flags), __FILE__, __LINE__)
static int
memfd_ok_impl(struct shmsim_proc *p, const char *name, unsigned int flags,
    const char *file, int line)
{
	int fd = UNTOUCHED;

	assert_errno_impl(shmsim_memfd_create(p, name, flags, &fd), 0,
	    "shmsim_memfd_create", file, line);
	if (fd < 0) {
		print_error("memfd_create returned fd %d\n", fd);
		_fail(file, line);
	}
	return (fd);
}

#define MEMFD_FAILS(p, name, flags, want) \
	memfd_fails_impl((p), (name), (flags), (want), __FILE__, __LINE__)
static void
memfd_fails_impl(struct shmsim_proc *p, const char *name, unsigned int flags,
    int want, const char *file, int line)
{
	int fd = UNTOUCHED;

	assert_errno_impl(shmsim_memfd_create(p, name, flags, &fd), want,
	    "shmsim_memfd_create", file, line);
	if (fd != UNTOUCHED) {
		print_error("failed memfd_create wrote fd %d\n", fd);
		_fail(file, line);
	}
}

#define RENAME_IS(p, from, to, flags, want)                              \
	assert_errno_impl(shmsim_shm_rename((p), (from), (to), (flags)), \
	    (want), "shmsim_shm_rename(" #from ", " #to ", " #flags ")", \
	    __FILE__, __LINE__)

/* fcntl(fd, cmd, arg) must succeed; its value. */
#define FCNTL(p, fd, cmd, arg) \
	fcntl_impl((p), (fd), (cmd), (arg), __FILE__, __LINE__)
static int64_t
fcntl_impl(struct shmsim_proc *p, int fd, int cmd, intptr_t arg,
    const char *file, int line)
{
	int64_t v = UNTOUCHED;

	assert_errno_impl(shmsim_fcntl(p, fd, cmd, arg, &v), 0, "shmsim_fcntl",
	    file, line);
	return (v);
}

#define SEALS(p, fd) FCNTL((p), (fd), SHMSIM_F_GET_SEALS, 0)
#define GETFL(p, fd) FCNTL((p), (fd), SHMSIM_F_GETFL, 0)
#define GETFD(p, fd) FCNTL((p), (fd), SHMSIM_F_GETFD, 0)
#define ADD_SEALS_IS(p, fd, seals, want)                                \
	assert_errno_impl(                                              \
	    shmsim_fcntl((p), (fd), SHMSIM_F_ADD_SEALS, (seals), NULL), \
	    (want), "F_ADD_SEALS(" #seals ")", __FILE__, __LINE__)

static struct shmsim_counters
counters(struct env *e)
{
	struct shmsim_counters c;

	shmsim_counters(e->k, &c);
	return (c);
}

#define assert_counters_equal(a, b) \
	assert_counters_equal_impl((a), (b), __FILE__, __LINE__)
static void
assert_counters_equal_impl(const struct shmsim_counters *a,
    const struct shmsim_counters *b, const char *file, int line)
{
	if (memcmp(a, b, sizeof(*a)) == 0)
		return;
	print_error("counters differ: objects %ju/%ju shm %ju/%ju "
		    "names %ju/%ju files %ju/%ju pages %ju/%ju "
		    "swapped %ju/%ju reserved %ju/%ju\n",
	    (uintmax_t)a->objects, (uintmax_t)b->objects, (uintmax_t)a->shm,
	    (uintmax_t)b->shm, (uintmax_t)a->names, (uintmax_t)b->names,
	    (uintmax_t)a->files, (uintmax_t)b->files, (uintmax_t)a->pages,
	    (uintmax_t)b->pages, (uintmax_t)a->swapped, (uintmax_t)b->swapped,
	    (uintmax_t)a->swap_reserved, (uintmax_t)b->swap_reserved);
	_fail(file, line);
}

static struct shmsim_stat
stat_of(struct shmsim_proc *p, int fd)
{
	struct shmsim_stat sb;

	assert_errno(shmsim_fstat(p, fd, &sb), 0);
	return (sb);
}

static int64_t
size_of(struct shmsim_proc *p, int fd)
{
	return (stat_of(p, fd).st_size);
}

static uint32_t
perm_of(struct shmsim_proc *p, int fd)
{
	struct shmsim_stat sb = stat_of(p, fd);

	assert_int_equal(sb.st_mode & SHMSIM_S_IFMT, SHMSIM_S_IFREG);
	return (sb.st_mode & 07777);
}

static bool
ts_equal(struct shmsim_timespec a, struct shmsim_timespec b)
{
	return (a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec);
}

/* buf = first, then 'a' up to nchars characters, then NUL. */
static void
fill_path(char *buf, size_t nchars, char first)
{
	memset(buf, 'a', nchars);
	if (nchars > 0)
		buf[0] = first;
	buf[nchars] = '\0';
}

/* pwrite len bytes of c at off; all of them must be written. */
static void
pwrite_fill(struct shmsim_proc *p, int fd, int64_t off, size_t len, int c)
{
	unsigned char *buf = malloc(len);
	size_t done = 0;

	assert_non_null(buf);
	memset(buf, c, len);
	assert_errno(shmsim_pwrite(p, fd, buf, len, off, &done), 0);
	assert_int_equal(done, len);
	free(buf);
}

/* [off, off + len) reads back as bytes c (pread: all must be read). */
#define assert_bytes(p, fd, off, len, c) \
	assert_bytes_impl((p), (fd), (off), (len), (c), __FILE__, __LINE__)
static void
assert_bytes_impl(struct shmsim_proc *p, int fd, int64_t off, size_t len, int c,
    const char *file, int line)
{
	unsigned char *buf = malloc(len);
	size_t done = 0, i;

	assert_non_null(buf);
	memset(buf, 0xee, len);
	assert_errno_impl(shmsim_pread(p, fd, buf, len, off, &done), 0,
	    "shmsim_pread", file, line);
	if (done != len) {
		free(buf);
		print_error("pread at %jd moved %zu bytes, want %zu\n",
		    (intmax_t)off, done, len);
		_fail(file, line);
	}
	for (i = 0; i < len; i++)
		if (buf[i] != (unsigned char)c) {
			print_error("byte at %jd is 0x%02x, want 0x%02x\n",
			    (intmax_t)(off + (int64_t)i), buf[i],
			    (unsigned char)c);
			free(buf);
			_fail(file, line);
		}
	free(buf);
}

/* A process with supplementary groups and umask 0. */
static struct shmsim_proc *
spawn_groups(struct shmsim_kernel *k, uid_t uid, gid_t gid, int ngroups,
    const gid_t *groups)
{
	struct shmsim_cred cr;
	struct shmsim_proc *p;
	int i;

	shmsim_cred_init(&cr);
	cr.uid = uid;
	cr.gid = gid;
	cr.umask = 0;
	cr.ngroups = ngroups;
	for (i = 0; i < ngroups; i++)
		cr.groups[i] = groups[i];
	assert_errno(shmsim_spawn(k, &cr, &p), 0);
	return (p);
}

/*
 * The kernel's struct shmfd behind descriptor fd of p (src/ internals:
 * only for the rows the public API cannot reach, and for the EXCHANGE
 * leak).
 */
static struct shmfd *
shmfd_of(struct shmsim_proc *sp, int fd)
{
	struct proc *p = (struct proc *)sp;
	struct file *fp;

	assert_true(fd >= 0 && fd < p->p_fd->fd_nfiles);
	fp = p->p_fd->fd_ofiles[fd].fde_file;
	assert_non_null(fp);
	assert_non_null(fp->f_data);
	return (fp->f_data);
}

/* The auditor must count exactly n violations, and name each word. */
#define assert_audit_says(k, n, ...)     \
	assert_audit_says_impl((k), (n), \
	    (const char *const[]) { __VA_ARGS__, NULL }, __FILE__, __LINE__)
static void
assert_audit_says_impl(struct shmsim_kernel *k, int n, const char *const *words,
    const char *file, int line)
{
	char report[8192];
	int got, i;

	memset(report, 0, sizeof(report));
	got = shmsim_audit(k, report, sizeof(report));
	if (got != n) {
		print_error("audit found %d violation(s), want %d:\n%s", got, n,
		    report);
		_fail(file, line);
	}
	for (i = 0; words[i] != NULL; i++)
		if (strstr(report, words[i]) == NULL) {
			print_error("audit report lacks \"%s\":\n%s", words[i],
			    report);
			_fail(file, line);
		}
}

/* ---------------------------------------------------------------- */
/* shm_open2(2)                                                     */
/* ---------------------------------------------------------------- */

/*
 * Section 4, shm_open2 rows, in order.  Each step has two faults at
 * once where it can; the earlier check wins.  q (uid 7) may hold two
 * descriptors.
 */
static void
kern_shm_open2_check_order(void **state)
{
	struct env *e = env_with_limits(state, 0, 2);
	struct shmsim_counters before, after;
	char longpath[MAXPATHLEN + 2];
	struct shmsim_proc *q;
	int fd0, fd1, sealed;

	q = spawn_as(e->k, 7, 7, 0);
	fill_path(longpath, MAXPATHLEN, '/');
	sealed = OPEN2_OK(e->p, "/sealed", O_RDWR | O_CREAT | O_EXCL, 0600,
	    ALLOW_SEALING);
	assert_errno(shmsim_ftruncate(e->p, sealed, PAGE), 0);
	ADD_SEALS_IS(e->p, sealed, F_SEAL_SHRINK, 0);
	before = counters(e);

	/* 1. An unknown shmflags bit beats everything, even ENOTTY. */
	OPEN2_FAILS(q, BADPTR, O_WRONLY | O_APPEND, 0, LARGEPAGE | 0x8, EINVAL);
	OPEN2_FAILS(q, ANON, O_RDWR, 0600, 0x8, EINVAL);
	OPEN2_FAILS(q, "/x", O_RDWR | O_CREAT, 0600, INT_MIN, EINVAL);
	/* 2. Access mode O_WRONLY or 3, before ENOTTY and the path. */
	OPEN2_FAILS(q, BADPTR, O_WRONLY, 0, LARGEPAGE, EINVAL);
	OPEN2_FAILS(q, BADPTR, O_ACCMODE | O_CREAT, 0, LARGEPAGE, EINVAL);
	/* 3. A flag outside ACCMODE|CREAT|EXCL|TRUNC|CLOEXEC|CLOFORK. */
	OPEN2_FAILS(q, BADPTR, O_RDWR | O_APPEND, 0, LARGEPAGE, EINVAL);
	OPEN2_FAILS(q, BADPTR, O_RDWR | O_NONBLOCK, 0, LARGEPAGE, EINVAL);
	/* 4. SHM_LARGEPAGE without large pages: ENOTTY, before the path. */
	OPEN2_FAILS(q, BADPTR, O_RDWR | O_CREAT, 0, LARGEPAGE, ENOTTY);
	OPEN2_FAILS(q, ANON, O_RDWR, 0, LARGEPAGE | ALLOW_SEALING, ENOTTY);

	/* Fill q's table: the path is still copied in before falloc. */
	fd0 = OPEN2_OK(q, ANON, O_RDWR, 0600, 0);
	fd1 = OPEN2_OK(q, ANON, O_RDWR, 0600, 0);
	/* 5-7. EFAULT, ENAMETOOLONG, EINVAL (no leading '/'). */
	OPEN2_FAILS(q, BADPTR, O_RDWR, 0, ALLOW_SEALING, EFAULT);
	OPEN2_FAILS(q, NULL, O_RDWR | O_CREAT, 0, 0, EFAULT);
	OPEN2_FAILS(q, longpath, O_RDWR, 0, 0, ENAMETOOLONG);
	OPEN2_FAILS(q, "sealed", O_RDWR, 0, 0, EINVAL);
	OPEN2_FAILS(q, "", O_RDWR | O_CREAT, 0, 0, EINVAL);
	/* 8. EMFILE, before SHM_ANON+O_RDONLY and the dictionary. */
	OPEN2_FAILS(q, ANON, O_RDONLY, 0, 0, EMFILE);
	OPEN2_FAILS(q, "/absent", O_RDWR, 0, 0, EMFILE);
	OPEN2_FAILS(q, "/sealed", O_RDWR | O_CREAT | O_EXCL, 0, 0, EMFILE);
	OPEN2_FAILS(q, "/sealed", O_RDONLY, 0, GROW_ON_WRITE, EMFILE);
	OPEN2_FAILS(q, "/sealed", O_RDONLY, 0, 0, EMFILE);
	assert_errno(shmsim_close(q, fd0), 0);
	assert_errno(shmsim_close(q, fd1), 0);

	/* 9. SHM_ANON with O_RDONLY (O_CREAT changes nothing). */
	OPEN2_FAILS(q, ANON, O_RDONLY, 0, ALLOW_SEALING, EINVAL);
	OPEN2_FAILS(q, ANON, O_RDONLY | O_CREAT, 0600, 0, EINVAL);
	/* 10. Named, absent, no O_CREAT. */
	OPEN2_FAILS(q, "/absent", O_RDWR, 0, ALLOW_SEALING, ENOENT);
	/* 11. EEXIST before the shmflags comparison and before EACCES. */
	OPEN2_FAILS(q, "/sealed", O_RDWR | O_CREAT | O_EXCL, 0, GROW_ON_WRITE,
	    EEXIST);
	/* 12. Different non-zero shmflags, before EACCES. */
	OPEN2_FAILS(q, "/sealed", O_RDONLY, 0, GROW_ON_WRITE, EINVAL);
	OPEN2_FAILS(q, "/sealed", O_RDONLY, 0, ALLOW_SEALING | GROW_ON_WRITE,
	    EINVAL);
	/* 13. DAC: the same flags (or 0) get as far as EACCES. */
	OPEN2_FAILS(q, "/sealed", O_RDONLY, 0, ALLOW_SEALING, EACCES);
	OPEN2_FAILS(q, "/sealed", O_RDONLY, 0, 0, EACCES);
	/* 14. EACCES before O_TRUNC's EPERM (F_SEAL_SHRINK, size > 0)... */
	OPEN2_FAILS(q, "/sealed", O_RDWR | O_TRUNC, 0, 0, EACCES);
	/* ...which root, who passes DAC, gets. */
	OPEN2_FAILS(e->p, "/sealed", O_RDWR | O_TRUNC, 0, ALLOW_SEALING, EPERM);
	OPEN2_FAILS(e->p, "/sealed", O_RDWR | O_TRUNC, 0, 0, EPERM);

	/*
	 * Nothing changed: no file, no shm reference, no seal (a failed
	 * plain reopen adds no F_SEAL_SEAL), no truncation.
	 */
	after = counters(e);
	assert_counters_equal(&before, &after);
	assert_int_equal(SEALS(e->p, sealed), F_SEAL_SHRINK);
	assert_int_equal(size_of(e->p, sealed), PAGE);
	assert_int_equal(fdinfo(e->p, sealed).shm_refs, 2);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
}

/* ENFILE before EMFILE, and both after the path checks. */
static void
kern_shm_open2_enfile(void **state)
{
	struct env *e = env_with_limits(state, 3, 2);

	assert_int_equal(OPEN2_OK(e->p, ANON, O_RDWR, 0600, 0), 0);
	assert_int_equal(OPEN2_OK(e->p, ANON, O_RDWR, 0600, 0), 1);
	OPEN2_FAILS(e->p, BADPTR, O_RDWR, 0, 0, EFAULT);
	OPEN2_FAILS(e->p, ANON, O_RDWR, 0, ALLOW_SEALING, ENFILE);
	OPEN2_FAILS(e->p, ANON, O_RDONLY, 0, 0, ENFILE);
	OPEN2_FAILS(e->p, "/new", O_RDWR | O_CREAT, 0600, 0, ENFILE);
	assert_int_equal(counters(e).files, 2);
	assert_audit_clean(e->k);
}

/* shm_alloc() fails: ENOMEM for an anonymous and a named create. */
static void
kern_shm_open2_obj_alloc_enomem(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;

	before = counters(e);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_OBJ_ALLOC, 1, false),
	    0);
	OPEN2_FAILS(e->p, ANON, O_RDWR, 0600, ALLOW_SEALING, ENOMEM);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_OBJ_ALLOC, 1, false),
	    0);
	OPEN2_FAILS(e->p, "/nomem", O_RDWR | O_CREAT, 0600, GROW_ON_WRITE,
	    ENOMEM);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_OBJ_ALLOC, 1, false),
	    0);
	MEMFD_FAILS(e->p, "nomem", 0, ENOMEM);
	after = counters(e);
	assert_counters_equal(&before, &after);
	OPEN2_FAILS(e->p, "/nomem", O_RDONLY, 0, 0, ENOENT);
	assert_audit_clean(e->k);
}

/*
 * O_TRUNC of a kernel-mapped (shm_map) object: EBUSY, after EPERM.
 * XXX: shm_map() has no public entry yet; the test sets shm_kmappings
 * as shm_map() would and clears it again before the audit.
 */
static void
kern_shm_open2_trunc_kmapped_ebusy(void **state)
{
	struct env *e = env_of(state);
	struct shmfd *shmfd;
	int fd;

	fd = OPEN2_OK(e->p, "/kmap", O_RDWR | O_CREAT, 0600, ALLOW_SEALING);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), 0);
	shmfd = shmfd_of(e->p, fd);
	shmfd->shm_kmappings = 1;
	OPEN2_FAILS(e->p, "/kmap", O_RDWR | O_TRUNC, 0, ALLOW_SEALING, EBUSY);
	ADD_SEALS_IS(e->p, fd, F_SEAL_SHRINK, 0);
	OPEN2_FAILS(e->p, "/kmap", O_RDWR | O_TRUNC, 0, ALLOW_SEALING, EPERM);
	shmfd->shm_kmappings = 0;
	assert_int_equal(size_of(e->p, fd), PAGE);
	assert_int_equal(counters(e).files, 1);
	assert_audit_clean(e->k);
}

/*
 * shm_open2 takes flags as given: no O_CLOEXEC unless asked (libc's
 * shm_open adds it).  name is never copied in: a bad pointer is fine.
 */
static void
kern_shm_open2_no_implicit_cloexec(void **state)
{
	struct env *e = env_of(state);
	int fd;

	assert_errno(shmsim_shm_open2(e->p, ANON, O_RDWR, 0600, 0, BADPTR, &fd),
	    0);
	assert_int_equal(GETFD(e->p, fd), 0);
	assert_errno(shmsim_shm_open2(e->p, "/c", O_RDWR | O_CREAT, 0600, 0,
			 "name", &fd),
	    0);
	assert_int_equal(GETFD(e->p, fd), 0);
	fd = OPEN2_OK(e->p, "/c", O_RDONLY | O_CLOEXEC, 0, 0);
	assert_int_equal(GETFD(e->p, fd), SHMSIM_FD_CLOEXEC);
	fd = OPEN_OK(e->p, "/c", O_RDONLY, 0);
	assert_int_equal(GETFD(e->p, fd), SHMSIM_FD_CLOEXEC);
	assert_errno(shmsim_exec(e->p), 0);
	assert_int_equal(counters(e).files, 2);
	assert_audit_clean(e->k);
}

/*
 * Quirk (section 2.2 step 9, 5.1): O_CLOFORK passes the flag check but
 * is not handed to falloc_caps(): the descriptor is not close-on-fork,
 * and a child gets it.
 */
static void
kern_shm_open2_clofork_not_applied(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *child;
	int fd, c;

	fd = OPEN2_OK(e->p, ANON, O_RDWR | SHMSIM_O_CLOFORK, 0600,
	    ALLOW_SEALING);
	assert_int_equal(GETFD(e->p, fd), 0);
	c = OPEN2_OK(e->p, "/cf",
	    O_RDWR | O_CREAT | O_CLOEXEC | SHMSIM_O_CLOFORK, 0600, 0);
	assert_int_equal(GETFD(e->p, c), SHMSIM_FD_CLOEXEC);
	assert_errno(shmsim_fork(e->p, &child), 0);
	assert_int_equal(fdinfo(child, fd).f_count, 2);
	assert_int_equal(fdinfo(child, c).f_count, 2);
	assert_int_equal(GETFD(child, c), SHMSIM_FD_CLOEXEC);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(child), 0);
}

/* Initial seals: F_SEAL_SEAL unless SHM_ALLOW_SEALING (section 2.14). */
static void
kern_shm_open2_initial_seals(void **state)
{
	struct env *e = env_of(state);
	int fd;

	fd = OPEN2_OK(e->p, ANON, O_RDWR, 0600, 0);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_SEAL);
	fd = OPEN2_OK(e->p, ANON, O_RDWR, 0600, ALLOW_SEALING);
	assert_int_equal(SEALS(e->p, fd), 0);
	fd = OPEN2_OK(e->p, ANON, O_RDWR, 0600, GROW_ON_WRITE);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_SEAL);
	fd = OPEN2_OK(e->p, "/s", O_RDWR | O_CREAT, 0600, ALLOW_SEALING);
	assert_int_equal(SEALS(e->p, fd), 0);
	fd = OPEN_OK(e->p, "/p", O_RDWR | O_CREAT, 0600);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_SEAL);
	/* O_CREAT, O_EXCL and O_TRUNC mean nothing for SHM_ANON. */
	fd = OPEN2_OK(e->p, ANON, O_RDWR | O_CREAT | O_EXCL | O_TRUNC, 0600,
	    ALLOW_SEALING | GROW_ON_WRITE);
	assert_int_equal(SEALS(e->p, fd), 0);
	assert_false(fdinfo(e->p, fd).named);
	assert_audit_clean(e->k);
}

/*
 * Re-open rules (section 2.2, step 11): non-zero shmflags must equal the
 * object's (EINVAL otherwise); 0 matches anything.
 */
static void
kern_shm_open2_reopen_shmflags(void **state)
{
	struct env *e = env_of(state);
	int s, g, p, fd;

	s = OPEN2_OK(e->p, "/s", O_RDWR | O_CREAT, 0600, ALLOW_SEALING);
	g = OPEN2_OK(e->p, "/g", O_RDWR | O_CREAT, 0600, GROW_ON_WRITE);
	p = OPEN_OK(e->p, "/p", O_RDWR | O_CREAT, 0600);

	OPEN2_FAILS(e->p, "/s", O_RDWR, 0, GROW_ON_WRITE, EINVAL);
	OPEN2_FAILS(e->p, "/s", O_RDWR, 0, ALLOW_SEALING | GROW_ON_WRITE,
	    EINVAL);
	OPEN2_FAILS(e->p, "/g", O_RDWR, 0, ALLOW_SEALING, EINVAL);
	OPEN2_FAILS(e->p, "/p", O_RDWR, 0, ALLOW_SEALING, EINVAL);
	OPEN2_FAILS(e->p, "/p", O_RDWR, 0, GROW_ON_WRITE, EINVAL);
	assert_int_equal(fdinfo(e->p, s).shm_refs, 2);

	/* The same flags: fine, and a sealable object stays unsealed. */
	fd = OPEN2_OK(e->p, "/s", O_RDWR, 0, ALLOW_SEALING);
	assert_int_equal(SEALS(e->p, fd), 0);
	assert_int_equal(fdinfo(e->p, s).shm_refs, 3);
	fd = OPEN2_OK(e->p, "/g", O_RDWR, 0, GROW_ON_WRITE);
	assert_int_equal(fdinfo(e->p, g).shm_refs, 3);
	/* The reopened descriptor grows on write too: it is the object's. */
	assert_errno(shmsim_write(e->p, fd, "abc", 3, NULL), 0);
	assert_int_equal(size_of(e->p, g), 3);

	/* shmflags 0 matches any object. */
	fd = OPEN2_OK(e->p, "/g", O_RDONLY, 0, 0);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_SEAL);
	fd = OPEN2_OK(e->p, "/p", O_RDONLY, 0, 0);
	assert_int_equal(fdinfo(e->p, p).shm_refs, 3);
	fd = OPEN2_OK(e->p, "/s", O_RDONLY, 0, 0);
	assert_int_equal(fdinfo(e->p, s).shm_refs, 4);
	/* ...and, for a sealable object, seals it: see the next test. */
	assert_int_equal(SEALS(e->p, s), F_SEAL_SEAL);
	assert_audit_clean(e->k);
}

/*
 * Quirk (section 2.2 step 11.8, 5.1): a plain shm_open() -- shmflags 0,
 * so initial_seals F_SEAL_SEAL -- of an existing object created with
 * SHM_ALLOW_SEALING adds F_SEAL_SEAL; no seal can be added after it.
 * A failed reopen adds nothing.
 */
static void
shm_open_reopen_adds_seal_seal(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *q;
	int fd, ro;

	q = spawn_as(e->k, 7, 7, 0);
	fd = OPEN2_OK(e->p, "/quirk", O_RDWR | O_CREAT, 0600, ALLOW_SEALING);
	ADD_SEALS_IS(e->p, fd, F_SEAL_GROW, 0);
	/* Failed reopens: EEXIST, EACCES -- no seal added. */
	OPEN2_FAILS(e->p, "/quirk", O_RDWR | O_CREAT | O_EXCL, 0, 0, EEXIST);
	OPEN2_FAILS(q, "/quirk", O_RDONLY, 0, 0, EACCES);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_GROW);
	/* A reopen with SHM_ALLOW_SEALING adds nothing either. */
	ro = OPEN2_OK(e->p, "/quirk", O_RDONLY, 0, ALLOW_SEALING);
	assert_errno(shmsim_close(e->p, ro), 0);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_GROW);
	/* The plain shm_open(3) of it, read-only even, seals it. */
	ro = OPEN_OK(e->p, "/quirk", O_RDONLY, 0);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_GROW | F_SEAL_SEAL);
	assert_int_equal(SEALS(e->p, ro), F_SEAL_GROW | F_SEAL_SEAL);
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE, EPERM);
	ADD_SEALS_IS(e->p, fd, 0, EPERM);
	/* The seal stays after that descriptor is closed. */
	assert_errno(shmsim_close(e->p, ro), 0);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_GROW | F_SEAL_SEAL);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
}

/*
 * Quirk (section 2.2 step 11.2, 5.1): the EPERM branch of the re-open
 * is unreachable -- a fully sealed object reopens with any flags that
 * pass the shmflags comparison.
 */
static void
kern_shm_open2_reopen_sealed_no_eperm(void **state)
{
	struct env *e = env_of(state);
	int fd;

	fd = OPEN2_OK(e->p, "/sealed", O_RDWR | O_CREAT, 0600, ALLOW_SEALING);
	ADD_SEALS_IS(e->p, fd, F_SEAL_SEAL | F_SEAL_WRITE, 0);
	OPEN2_OK(e->p, "/sealed", O_RDWR, 0, ALLOW_SEALING);
	OPEN2_OK(e->p, "/sealed", O_RDWR, 0, 0);
	OPEN_OK(e->p, "/sealed", O_RDWR, 0);
	fd = OPEN_OK(e->p, "/plain", O_RDWR | O_CREAT, 0600);
	OPEN2_OK(e->p, "/plain", O_RDWR, 0, 0);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_SEAL);
	assert_int_equal(fdinfo(e->p, fd).shm_refs, 3);
	assert_audit_clean(e->k);
}

static void
shm_open2_2008_enosys(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	int fd = UNTOUCHED;

	before = counters(e);
	assert_errno(shmsim_shm_open2(e->p, ANON, O_RDWR, 0600, 0, NULL, &fd),
	    ENOSYS);
	assert_errno(shmsim_shm_open2(e->p, "/x", O_RDWR | O_CREAT, 0600,
			 ALLOW_SEALING, "x", &fd),
	    ENOSYS);
	/* Nothing is checked: the call is not there. */
	assert_errno(
	    shmsim_shm_open2(e->p, BADPTR, O_WRONLY, 0, 0x8, BADPTR, &fd),
	    ENOSYS);
	assert_int_equal(fd, UNTOUCHED);
	after = counters(e);
	assert_counters_equal(&before, &after);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* memfd_create(3)                                                  */
/* ---------------------------------------------------------------- */

/* libc's checks, in order, then the kernel's (section 2.3). */
static void
memfd_create_check_order(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	char name[300];
	int fd;

	before = counters(e);
	/* 1. name == NULL: EBADF, before the flags. */
	MEMFD_FAILS(e->p, NULL, 0, EBADF);
	MEMFD_FAILS(e->p, NULL, 0x80, EBADF);
	/* 2. strlen(name) > NAME_MAX - 6 = 249: EINVAL. */
	memset(name, 'n', 250);
	name[250] = '\0';
	MEMFD_FAILS(e->p, name, 0, EINVAL);
	MEMFD_FAILS(e->p, name, SHMSIM_MFD_HUGETLB, EINVAL);
	/* 3. Unknown flag bits. */
	MEMFD_FAILS(e->p, "m", 0x8, EINVAL);
	MEMFD_FAILS(e->p, "m", 0x10000 | SHMSIM_MFD_CLOEXEC, EINVAL);
	/* 4. A huge-page size without MFD_HUGETLB. */
	MEMFD_FAILS(e->p, "m", MFD_HUGE_2MB, EINVAL);
	MEMFD_FAILS(e->p, "m", SHMSIM_MFD_HUGE_MASK, EINVAL);
	/* 5. The kernel: SHM_LARGEPAGE without large pages is ENOTTY. */
	MEMFD_FAILS(e->p, "m", SHMSIM_MFD_HUGETLB, ENOTTY);
	MEMFD_FAILS(e->p, "m", SHMSIM_MFD_HUGETLB | MFD_HUGE_2MB, ENOTTY);
	after = counters(e);
	assert_counters_equal(&before, &after);

	/* 249 bytes and the empty name are fine. */
	name[249] = '\0';
	fd = MEMFD_OK(e->p, name, 0);
	assert_int_equal(fd, 0);
	assert_int_equal(MEMFD_OK(e->p, "", 0), 1);
	assert_int_equal(counters(e).names, 0);
	assert_audit_clean(e->k);
}

/* Kernel errors pass through: ENFILE, EMFILE (ENOMEM: see above). */
static void
memfd_create_kernel_errors(void **state)
{
	struct env *e = env_with_limits(state, 3, 1);

	assert_int_equal(MEMFD_OK(e->p, "a", 0), 0);
	MEMFD_FAILS(e->p, "b", 0, EMFILE);
	/* libc's checks still come first. */
	MEMFD_FAILS(e->p, NULL, 0, EBADF);
	MEMFD_FAILS(e->p, "b", 0x8, EINVAL);
	/* A second process: system table (max 3, root) full after two. */
	{
		struct shmsim_proc *q;

		assert_errno(shmsim_fork(e->p, &q), 0);
		MEMFD_FAILS(q, "c", 0, EMFILE);
		assert_errno(shmsim_close(q, 0), 0);
		assert_int_equal(MEMFD_OK(q, "c", 0), 0);
		MEMFD_FAILS(q, "d", 0, ENFILE);
		assert_errno(shmsim_exit(q), 0);
	}
	assert_audit_clean(e->k);
}

/*
 * memfd_create(name, 0): an anonymous O_RDWR object, mode 0 (quirk: no
 * permission bits at all, the umask plays no part), the creator's ids,
 * no close-on-exec, sealed (F_SEAL_SEAL), growing on write.
 */
static void
memfd_create_defaults(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *q;
	struct shmsim_fdinfo fi;
	struct shmsim_stat sb;
	int fd;

	q = spawn_as(e->k, 1000, 100, 0);
	fd = MEMFD_OK(q, "test", 0);
	assert_int_equal(fd, 0);
	sb = stat_of(q, fd);
	assert_int_equal(sb.st_mode, SHMSIM_S_IFREG | 0);
	assert_int_equal(sb.st_uid, 1000);
	assert_int_equal(sb.st_gid, 100);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(GETFD(q, fd), 0);
	assert_int_equal(GETFL(q, fd), O_RDWR);
	assert_int_equal(SEALS(q, fd), F_SEAL_SEAL);
	ADD_SEALS_IS(q, fd, F_SEAL_GROW, EPERM);
	fi = fdinfo(q, fd);
	assert_false(fi.named);
	assert_int_equal(fi.f_flag, FREAD | FWRITE);
	assert_int_equal(fi.f_count, 1);
	assert_int_equal(fi.shm_refs, 1);
	assert_int_equal(fi.obj_ref_count, 1);
	assert_int_equal(counters(e).names, 0);
	/* Mode 0 does not stop the creator's descriptor. */
	assert_errno(shmsim_write(q, fd, "hi", 2, NULL), 0);
	assert_bytes(q, fd, 0, 1, 'h');
	/* And the owner may give it permission bits. */
	assert_errno(shmsim_fchmod(q, fd, 0600), 0);
	assert_int_equal(perm_of(q, fd), 0600);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
	assert_int_equal(counters(e).shm, 0);
}

/* MFD_CLOEXEC sets close-on-exec; MFD_ALLOW_SEALING leaves seals 0. */
static void
memfd_create_flags(void **state)
{
	struct env *e = env_of(state);
	int a, b, c;

	a = MEMFD_OK(e->p, "a", SHMSIM_MFD_CLOEXEC);
	assert_int_equal(GETFD(e->p, a), SHMSIM_FD_CLOEXEC);
	assert_int_equal(SEALS(e->p, a), F_SEAL_SEAL);
	b = MEMFD_OK(e->p, "b", SHMSIM_MFD_ALLOW_SEALING);
	assert_int_equal(GETFD(e->p, b), 0);
	assert_int_equal(SEALS(e->p, b), 0);
	ADD_SEALS_IS(e->p, b, F_SEAL_GROW | F_SEAL_SHRINK, 0);
	assert_int_equal(SEALS(e->p, b), F_SEAL_GROW | F_SEAL_SHRINK);
	c = MEMFD_OK(e->p, "c", SHMSIM_MFD_CLOEXEC | SHMSIM_MFD_ALLOW_SEALING);
	assert_int_equal(GETFD(e->p, c), SHMSIM_FD_CLOEXEC);
	assert_int_equal(SEALS(e->p, c), 0);
	assert_int_equal(perm_of(e->p, c), 0);
	/* exec closes a and c. */
	assert_errno(shmsim_exec(e->p), 0);
	assert_int_equal(counters(e).files, 1);
	assert_errno(shmsim_fstat(e->p, a, NULL), EBADF);
	assert_errno(shmsim_fstat(e->p, c, NULL), EBADF);
	assert_audit_clean(e->k);
}

/* memfd objects grow on write (SHM_GROW_ON_WRITE); shm_open's do not. */
static void
memfd_create_grows_on_write(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fi;
	size_t done = 0;
	int fd, plain;

	fd = MEMFD_OK(e->p, "grow", 0);
	assert_errno(shmsim_write(e->p, fd, "hello", 5, &done), 0);
	assert_int_equal(done, 5);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.size, 5);
	assert_int_equal(fi.f_offset, 5);
	assert_int_equal(fi.obj_size, 1);
	assert_int_equal(fi.charge, PAGE);
	assert_int_equal(fi.resident, 1);
	assert_errno(shmsim_write(e->p, fd, " world", 6, &done), 0);
	assert_int_equal(size_of(e->p, fd), 11);
	/* pwrite far past the end: the gap is a hole. */
	assert_errno(shmsim_pwrite(e->p, fd, "x", 1, 3 * PAGE, &done), 0);
	assert_int_equal(done, 1);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.size, 3 * PAGE + 1);
	assert_int_equal(fi.obj_size, 4);
	assert_int_equal(fi.charge, 4 * PAGE);
	assert_int_equal(fi.resident, 2);
	assert_int_equal(fi.f_offset, 11);
	assert_int_equal(stat_of(e->p, fd).st_blocks, 2);
	assert_bytes(e->p, fd, PAGE, PAGE, 0);
	assert_bytes(e->p, fd, 3 * PAGE, 1, 'x');
	assert_int_equal(fdinfo(e->p, fd).resident, 2);

	/* The same writes on a shm_open object move nothing. */
	plain = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	assert_errno(shmsim_write(e->p, plain, "hello", 5, &done), 0);
	assert_int_equal(done, 0);
	assert_errno(shmsim_pwrite(e->p, plain, "x", 1, 3 * PAGE, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(size_of(e->p, plain), 0);
	assert_audit_clean(e->k);
}

static void
memfd_create_2008_enosys(void **state)
{
	struct env *e = env_of(state);
	int fd = UNTOUCHED;

	assert_errno(shmsim_memfd_create(e->p, "m", 0, &fd), ENOSYS);
	assert_errno(shmsim_memfd_create(e->p, NULL, 0x80, &fd), ENOSYS);
	assert_int_equal(fd, UNTOUCHED);
	assert_int_equal(counters(e).files, 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* shm_rename(2)                                                    */
/* ---------------------------------------------------------------- */

/* Unknown flags, or both: EINVAL before anything else. */
static void
rename_bad_flag(void **state)
{
	struct env *e = env_of(state);
	int fd;

	fd = OPEN_OK(e->p, "/from", O_RDWR | O_CREAT, 0600);
	RENAME_IS(e->p, "/from", "/to", 0x4, EINVAL);
	RENAME_IS(e->p, "/from", "/to", INT_MIN, EINVAL);
	RENAME_IS(e->p, "/from", "/to", NOREPLACE | EXCHANGE, EINVAL);
	/* Before SHM_ANON and the paths. */
	RENAME_IS(e->p, ANON, BADPTR, 0x4, EINVAL);
	RENAME_IS(e->p, BADPTR, BADPTR, NOREPLACE | EXCHANGE, EINVAL);
	assert_string_equal(fdinfo(e->p, fd).path, "/from");
	assert_int_equal(counters(e).names, 1);
	assert_audit_clean(e->k);
}

/* SHM_ANON on either side: EINVAL, before the copy-in. */
static void
rename_from_anon(void **state)
{
	struct env *e = env_of(state);

	OPEN_OK(e->p, "/to", O_RDWR | O_CREAT, 0600);
	RENAME_IS(e->p, ANON, "/to", 0, EINVAL);
	RENAME_IS(e->p, ANON, BADPTR, 0, EINVAL);
	RENAME_IS(e->p, ANON, ANON, EXCHANGE, EINVAL);
	assert_int_equal(counters(e).names, 1);
	assert_audit_clean(e->k);
}

static void
rename_to_anon(void **state)
{
	struct env *e = env_of(state);
	int fd;

	fd = OPEN_OK(e->p, "/from", O_RDWR | O_CREAT, 0600);
	RENAME_IS(e->p, "/from", ANON, 0, EINVAL);
	RENAME_IS(e->p, BADPTR, ANON, 0, EINVAL);
	RENAME_IS(e->p, "/from", ANON, NOREPLACE, EINVAL);
	assert_string_equal(fdinfo(e->p, fd).path, "/from");
	assert_audit_clean(e->k);
}

/* from is copied in (and checked) before to. */
static void
rename_bad_path_pointer_from(void **state)
{
	struct env *e = env_of(state);
	char longpath[MAXPATHLEN + 2];

	fill_path(longpath, MAXPATHLEN, '/');
	OPEN_OK(e->p, "/to", O_RDWR | O_CREAT, 0600);
	RENAME_IS(e->p, BADPTR, "/to", 0, EFAULT);
	RENAME_IS(e->p, NULL, "/to", 0, EFAULT);
	RENAME_IS(e->p, BADPTR, longpath, 0, EFAULT);
	RENAME_IS(e->p, BADPTR, "to", 0, EFAULT);
	RENAME_IS(e->p, longpath, BADPTR, 0, ENAMETOOLONG);
	RENAME_IS(e->p, "from", BADPTR, 0, EINVAL);
	RENAME_IS(e->p, "", "/to", 0, EINVAL);
	assert_int_equal(counters(e).names, 1);
	assert_audit_clean(e->k);
}

static void
rename_bad_path_pointer_to(void **state)
{
	struct env *e = env_of(state);
	char longpath[MAXPATHLEN + 2];
	int fd;

	fill_path(longpath, MAXPATHLEN, '/');
	fd = OPEN_OK(e->p, "/from", O_RDWR | O_CREAT, 0600);
	RENAME_IS(e->p, "/from", BADPTR, 0, EFAULT);
	RENAME_IS(e->p, "/from", NULL, EXCHANGE, EFAULT);
	RENAME_IS(e->p, "/from", longpath, 0, ENAMETOOLONG);
	RENAME_IS(e->p, "/from", "to", NOREPLACE, EINVAL);
	/* Path errors beat from == to and ENOENT. */
	RENAME_IS(e->p, "x", "x", 0, EINVAL);
	RENAME_IS(e->p, "/absent", BADPTR, 0, EFAULT);
	/* A 1023-character name fits. */
	longpath[MAXPATHLEN - 1] = '\0';
	RENAME_IS(e->p, "/from", longpath, 0, 0);
	assert_string_equal(fdinfo(e->p, fd).path, longpath);
	assert_audit_clean(e->k);
}

/* from == to: 0 at once, before existence and permission (quirk). */
static void
rename_to_self(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *q;
	int fd;

	q = spawn_as(e->k, 7, 7, 0);
	fd = OPEN_OK(e->p, "/self", O_RDWR | O_CREAT, 0600);
	RENAME_IS(e->p, "/self", "/self", 0, 0);
	RENAME_IS(e->p, "/self", "/self", NOREPLACE, 0);
	RENAME_IS(e->p, "/self", "/self", EXCHANGE, 0);
	/* q may neither read nor write it: still 0. */
	RENAME_IS(q, "/self", "/self", 0, 0);
	/* It need not even exist. */
	RENAME_IS(q, "/absent", "/absent", NOREPLACE, 0);
	assert_int_equal(fdinfo(e->p, fd).shm_refs, 2);
	assert_string_equal(fdinfo(e->p, fd).path, "/self");
	assert_int_equal(counters(e).names, 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
}

/* from absent: ENOENT, before NOREPLACE's EEXIST. */
static void
rename_from_nonexisting(void **state)
{
	struct env *e = env_of(state);

	RENAME_IS(e->p, "/absent", "/to", 0, ENOENT);
	OPEN_OK(e->p, "/to", O_RDWR | O_CREAT, 0600);
	RENAME_IS(e->p, "/absent", "/to", NOREPLACE, ENOENT);
	RENAME_IS(e->p, "/absent", "/to", EXCHANGE, ENOENT);
	assert_int_equal(counters(e).names, 1);
	assert_audit_clean(e->k);
}

/*
 * A plain rename with an open descriptor: its counts do not move, the
 * name does (section 2.5, net effect).
 */
static void
rename_from_to_counts(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fi;
	struct shmsim_proc *q;
	uint64_t ino;
	int fd, fd2;

	fd = OPEN_OK(e->p, "/from", O_RDWR | O_CREAT, 0600);
	ino = fdinfo(e->p, fd).ino;
	RENAME_IS(e->p, "/from", "/to", 0, 0);
	fi = fdinfo(e->p, fd);
	assert_true(fi.named);
	assert_string_equal(fi.path, "/to");
	assert_int_equal(fi.shm_refs, 2);
	assert_int_equal(fi.obj_ref_count, 1);
	assert_int_equal(fi.f_count, 1);
	assert_int_equal(counters(e).names, 1);
	assert_int_equal(counters(e).shm, 1);
	assert_errno(shmsim_shm_open(e->p, "/from", O_RDONLY, 0, &fd2), ENOENT);
	fd2 = OPEN_OK(e->p, "/to", O_RDONLY, 0);
	assert_int_equal(fdinfo(e->p, fd2).ino, ino);
	assert_int_equal(fdinfo(e->p, fd).shm_refs, 3);
	/* No permission is needed for the new name: q renames its own. */
	q = spawn_as(e->k, 7, 7, 0);
	OPEN_OK(q, "/q", O_RDWR | O_CREAT, 0600);
	RENAME_IS(q, "/q", "/q2", 0, 0);
	/* The name is free again: the old one can be created anew. */
	OPEN_OK(e->p, "/from", O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_int_equal(counters(e).names, 3);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
}

/*
 * Replacing a destination drops its name's reference: with nothing else
 * holding it, the object (and its pages and swap charge) is freed.
 */
static void
rename_to_replace(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters c;
	struct shmsim_fdinfo fi;
	int from, to;

	from = OPEN_OK(e->p, "/from", O_RDWR | O_CREAT, 0600);
	to = OPEN_OK(e->p, "/to", O_RDWR | O_CREAT, 0600);
	assert_errno(shmsim_ftruncate(e->p, to, 2 * PAGE), 0);
	pwrite_fill(e->p, to, 0, 2 * PAGE, 'T');
	assert_errno(shmsim_close(e->p, to), 0);
	c = counters(e);
	assert_int_equal(c.shm, 2);
	assert_int_equal(c.objects, 2);
	assert_int_equal(c.names, 2);
	assert_int_equal(c.pages, 2);
	assert_int_equal(c.swap_reserved, 2 * PAGE);

	RENAME_IS(e->p, "/from", "/to", 0, 0);
	c = counters(e);
	assert_int_equal(c.shm, 1);
	assert_int_equal(c.objects, 1);
	assert_int_equal(c.names, 1);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swap_reserved, 0);
	fi = fdinfo(e->p, from);
	assert_string_equal(fi.path, "/to");
	assert_int_equal(fi.shm_refs, 2);
	assert_int_equal(fi.obj_ref_count, 1);
	assert_int_equal(fi.f_count, 1);
	assert_audit_clean(e->k);
}

/* A replaced destination that is still open lives on, unnamed. */
static void
rename_to_replace_open(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fi;
	int from, to, dup;

	from = OPEN_OK(e->p, "/from", O_RDWR | O_CREAT, 0600);
	to = OPEN_OK(e->p, "/to", O_RDWR | O_CREAT, 0600);
	assert_errno(shmsim_dup(e->p, to, &dup), 0);
	assert_errno(shmsim_ftruncate(e->p, to, PAGE), 0);
	assert_int_equal(fdinfo(e->p, to).shm_refs, 2);
	assert_int_equal(fdinfo(e->p, to).f_count, 2);

	RENAME_IS(e->p, "/from", "/to", 0, 0);
	fi = fdinfo(e->p, to);
	assert_false(fi.named);
	assert_int_equal(fi.shm_refs, 1);
	assert_int_equal(fi.obj_ref_count, 1);
	assert_int_equal(fi.f_count, 2);
	assert_int_equal(fi.size, PAGE);
	fi = fdinfo(e->p, from);
	assert_string_equal(fi.path, "/to");
	assert_int_equal(fi.shm_refs, 2);
	assert_int_equal(counters(e).shm, 2);
	assert_int_equal(counters(e).names, 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, to), 0);
	assert_errno(shmsim_close(e->p, dup), 0);
	assert_int_equal(counters(e).shm, 1);
	assert_int_equal(counters(e).objects, 1);
	assert_audit_clean(e->k);
}

/* NOREPLACE: EEXIST when to exists (before from's EACCES). */
static void
rename_to_noreplace(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *q;
	int from, to;

	q = spawn_as(e->k, 7, 7, 0);
	from = OPEN_OK(e->p, "/from", O_RDWR | O_CREAT, 0600);
	to = OPEN_OK(e->p, "/to", O_RDWR | O_CREAT, 0600);
	RENAME_IS(e->p, "/from", "/to", NOREPLACE, EEXIST);
	/* q may not remove /from: EEXIST still comes first. */
	RENAME_IS(q, "/from", "/to", NOREPLACE, EEXIST);
	assert_string_equal(fdinfo(e->p, from).path, "/from");
	assert_string_equal(fdinfo(e->p, to).path, "/to");
	assert_int_equal(fdinfo(e->p, from).shm_refs, 2);
	assert_int_equal(fdinfo(e->p, to).shm_refs, 2);
	/* A free destination: renamed. */
	RENAME_IS(e->p, "/from", "/new", NOREPLACE, 0);
	assert_string_equal(fdinfo(e->p, from).path, "/new");
	assert_int_equal(fdinfo(e->p, from).shm_refs, 2);
	assert_int_equal(counters(e).names, 2);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
}

/* EXCHANGE: names swap, every count stays. */
static void
rename_to_exchange(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fa, fb;
	uint64_t ia, ib;
	int a, b, ra, rb;

	a = OPEN_OK(e->p, "/a", O_RDWR | O_CREAT, 0600);
	b = OPEN_OK(e->p, "/b", O_RDWR | O_CREAT, 0600);
	ia = fdinfo(e->p, a).ino;
	ib = fdinfo(e->p, b).ino;
	RENAME_IS(e->p, "/a", "/b", EXCHANGE, 0);
	fa = fdinfo(e->p, a);
	fb = fdinfo(e->p, b);
	assert_string_equal(fa.path, "/b");
	assert_string_equal(fb.path, "/a");
	assert_int_equal(fa.shm_refs, 2);
	assert_int_equal(fb.shm_refs, 2);
	assert_int_equal(fa.obj_ref_count, 1);
	assert_int_equal(fb.obj_ref_count, 1);
	assert_int_equal(fa.f_count, 1);
	assert_int_equal(fb.f_count, 1);
	assert_int_equal(counters(e).names, 2);
	assert_int_equal(counters(e).shm, 2);
	/* The names lead to the swapped objects; with no fd open too. */
	assert_errno(shmsim_close(e->p, a), 0);
	assert_errno(shmsim_close(e->p, b), 0);
	RENAME_IS(e->p, "/a", "/b", EXCHANGE, 0);
	RENAME_IS(e->p, "/b", "/a", EXCHANGE, 0);
	ra = OPEN_OK(e->p, "/a", O_RDONLY, 0);
	rb = OPEN_OK(e->p, "/b", O_RDONLY, 0);
	assert_int_equal(fdinfo(e->p, ra).ino, ib);
	assert_int_equal(fdinfo(e->p, rb).ino, ia);
	assert_int_equal(fdinfo(e->p, ra).shm_refs, 2);
	assert_int_equal(fdinfo(e->p, rb).shm_refs, 2);
	assert_audit_clean(e->k);
}

/* EXCHANGE with no destination: a plain rename. */
static void
rename_to_exchange_nonexisting(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fi;
	int a;

	a = OPEN_OK(e->p, "/a", O_RDWR | O_CREAT, 0600);
	RENAME_IS(e->p, "/a", "/b", EXCHANGE, 0);
	fi = fdinfo(e->p, a);
	assert_string_equal(fi.path, "/b");
	assert_int_equal(fi.shm_refs, 2);
	assert_int_equal(fi.obj_ref_count, 1);
	assert_int_equal(counters(e).names, 1);
	assert_errno(shmsim_shm_open(e->p, "/a", O_RDONLY, 0, &a), ENOENT);
	assert_audit_clean(e->k);
}

/*
 * Permission: read and write on from (EACCES, from untouched), then on
 * an existing to (EACCES: from is put back under its name).  No
 * permission is asked for a new name.
 */
static void
kern_shm_rename_needs_read_and_write(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fi;
	struct shmsim_proc *q;
	int rootobj, ro, mine;

	q = spawn_as(e->k, 7, 7, 0);
	rootobj = OPEN_OK(e->p, "/root", O_RDWR | O_CREAT, 0600);
	ro = OPEN_OK(e->p, "/readable", O_RDWR | O_CREAT, 0644);
	mine = OPEN_OK(q, "/mine", O_RDWR | O_CREAT, 0600);

	/* from: q has no access, or read only. */
	RENAME_IS(q, "/root", "/new", 0, EACCES);
	RENAME_IS(q, "/readable", "/new", 0, EACCES);
	RENAME_IS(q, "/readable", "/new", EXCHANGE, EACCES);
	/* EACCES on from comes before the destination is looked at. */
	RENAME_IS(q, "/root", "/mine", 0, EACCES);
	assert_string_equal(fdinfo(e->p, rootobj).path, "/root");
	assert_string_equal(fdinfo(e->p, ro).path, "/readable");
	assert_string_equal(fdinfo(q, mine).path, "/mine");

	/* to exists and q may not remove it: from is put back. */
	RENAME_IS(q, "/mine", "/root", 0, EACCES);
	RENAME_IS(q, "/mine", "/readable", 0, EACCES);
	fi = fdinfo(q, mine);
	assert_string_equal(fi.path, "/mine");
	assert_int_equal(fi.shm_refs, 2);
	assert_int_equal(fdinfo(e->p, rootobj).shm_refs, 2);
	assert_int_equal(fdinfo(e->p, ro).shm_refs, 2);
	assert_int_equal(counters(e).names, 3);
	assert_int_equal(counters(e).shm, 3);
	/* The re-inserted name still resolves. */
	OPEN_OK(q, "/mine", O_RDONLY, 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
}

/*
 * Kernel defect (section 2.5 step 11, 5.1): a SHM_RENAME_EXCHANGE whose
 * removal of the destination is refused (EACCES) returns without
 * dropping the hold it took on the destination.  The destination keeps
 * one shm reference too many, forever: closing and unlinking it leaves
 * an unreachable shmfd and its object.  The auditor says so.
 */
static void
kern_shm_rename_exchange_leaks_destination_ref(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters c;
	struct shmsim_fdinfo fi;
	struct shmsim_proc *q;
	struct shmfd *leaked;
	int theirs, mine;

	q = spawn_as(e->k, 7, 7, 0);
	theirs = OPEN_OK(e->p, "/theirs", O_RDWR | O_CREAT, 0600);
	mine = OPEN_OK(q, "/mine", O_RDWR | O_CREAT, 0600);
	assert_int_equal(fdinfo(e->p, theirs).shm_refs, 2);

	RENAME_IS(q, "/mine", "/theirs", EXCHANGE, EACCES);
	/* from was put back, its count right. */
	fi = fdinfo(q, mine);
	assert_string_equal(fi.path, "/mine");
	assert_int_equal(fi.shm_refs, 2);
	/* The destination: one file, one name, three references. */
	fi = fdinfo(e->p, theirs);
	assert_string_equal(fi.path, "/theirs");
	assert_int_equal(fi.shm_refs, 3);
	assert_int_equal(fi.obj_ref_count, 1);
	assert_int_equal(fi.f_count, 1);
	assert_audit_says(e->k, 1, "shm_refs",
	    "shmfd ino 1 (/theirs): shm_refs is 3, but 1 file(s) and "
	    "1 name(s) refer to it");
	/* Each failed exchange leaks one more. */
	RENAME_IS(q, "/mine", "/theirs", EXCHANGE, EACCES);
	assert_int_equal(fdinfo(e->p, theirs).shm_refs, 4);
	/* The non-EXCHANGE failure leaks nothing. */
	RENAME_IS(q, "/mine", "/theirs", 0, EACCES);
	assert_int_equal(fdinfo(e->p, theirs).shm_refs, 4);

	/* With its file closed and its name gone, the shmfd lives on. */
	leaked = shmfd_of(e->p, theirs);
	assert_errno(shmsim_close(e->p, theirs), 0);
	assert_errno(shmsim_shm_unlink(e->p, "/theirs"), 0);
	c = counters(e);
	assert_int_equal(c.shm, 2);
	assert_int_equal(c.objects, 2);
	assert_int_equal(c.names, 1);
	assert_audit_says(e->k, 1, "shm_refs",
	    "shmfd ino 1 (anonymous): shm_refs is 2, but 0 file(s) and "
	    "0 name(s) refer to it");

	/*
	 * Give the leaked references back through the kernel's own
	 * shm_drop(), as a fixed kernel would have.  Without this the
	 * shmfd and its VM object survive to shmsim_kernel_destroy(),
	 * whose leak check (env_free) would fail this test for the very
	 * defect it has just pinned, and would hide any other leak.
	 */
	shm_drop(leaked);
	assert_int_equal(counters(e).shm, 2);
	shm_drop(leaked);
	c = counters(e);
	assert_int_equal(c.shm, 1);
	assert_int_equal(c.objects, 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
}

static void
rename_2008_enosys(void **state)
{
	struct env *e = env_of(state);
	int fd;

	fd = OPEN_OK(e->p, "/from", O_RDWR | O_CREAT, 0600);
	RENAME_IS(e->p, "/from", "/to", 0, ENOSYS);
	RENAME_IS(e->p, "/from", "/to", NOREPLACE, ENOSYS);
	RENAME_IS(e->p, "/from", "/from", 0, ENOSYS);
	RENAME_IS(e->p, ANON, BADPTR, 0x4, ENOSYS);
	assert_string_equal(fdinfo(e->p, fd).path, "/from");
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* fchmod(2), fchown(2)                                             */
/* ---------------------------------------------------------------- */

/*
 * shm_chmod: the owner or root (VADMIN), whatever the descriptor's
 * access mode; mode & 0777, no umask; no ctime change.  EBADF, EPERM.
 */
static void
shm_chmod_owner_or_root(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *o, *g, *q;
	struct shmsim_stat before, after;
	gid_t grp = 100;
	int fd, ofd, gfd, qfd;

	o = spawn_as(e->k, 1000, 100, 077);
	g = spawn_groups(e->k, 2000, 200, 1, &grp);
	q = spawn_as(e->k, 3000, 300, 0);
	ofd = OPEN_OK(o, "/m", O_RDWR | O_CREAT, 0666);
	assert_int_equal(perm_of(o, ofd), 0600);
	before = stat_of(o, ofd);
	/* No umask; the bits above 0777 are dropped. */
	assert_errno(shmsim_fchmod(o, ofd, 0666), 0);
	assert_int_equal(perm_of(o, ofd), 0666);
	assert_errno(shmsim_fchmod(o, ofd, 07777), 0);
	assert_int_equal(perm_of(o, ofd), 0777);
	assert_errno(shmsim_fchmod(o, ofd, 0104644), 0);
	assert_int_equal(perm_of(o, ofd), 0644);
	after = stat_of(o, ofd);
	assert_true(ts_equal(before.st_ctim, after.st_ctim));
	assert_true(ts_equal(before.st_mtim, after.st_mtim));

	/* A non-owner, in the group or not, through a read-only fd. */
	gfd = OPEN_OK(g, "/m", O_RDONLY, 0);
	qfd = OPEN_OK(q, "/m", O_RDONLY, 0);
	assert_errno(shmsim_fchmod(g, gfd, 0666), EPERM);
	assert_errno(shmsim_fchmod(q, qfd, 0644), EPERM);
	assert_int_equal(perm_of(o, ofd), 0644);
	/* EBADF first. */
	assert_errno(shmsim_fchmod(q, 99, 0644), EBADF);
	assert_errno(shmsim_fchmod(q, -1, 0644), EBADF);

	/* The owner through a read-only fd, even with mode 0. */
	fd = OPEN_OK(o, "/m", O_RDONLY, 0);
	assert_errno(shmsim_fchmod(o, fd, 0), 0);
	assert_int_equal(perm_of(o, fd), 0);
	assert_errno(shmsim_fchmod(o, fd, 0640), 0);
	/* Root through its own descriptor. */
	fd = OPEN_OK(e->p, "/m", O_RDWR, 0);
	assert_errno(shmsim_fchmod(e->p, fd, 0604), 0);
	assert_int_equal(perm_of(q, qfd), 0604);
	/* The new mode is what the next open is checked against. */
	assert_errno(shmsim_fchmod(e->p, fd, 0), 0);
	assert_errno(shmsim_shm_open(q, "/m", O_RDONLY, 0, &fd), EACCES);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(o), 0);
	assert_errno(shmsim_exit(g), 0);
	assert_errno(shmsim_exit(q), 0);
}

/*
 * shm_chown: -1 keeps; privilege only to give the object to a uid that
 * is neither the owner's nor one's own, or to a group one is not in.
 * No owner check: anyone may claim it for their own uid and group
 * (quirk).  Mode kept, no ctime change.
 */
static void
shm_chown_rules(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *o, *q;
	struct shmsim_stat sb, before;
	gid_t ogroups[] = { 300 };
	int ofd, qfd, rfd;

	o = spawn_groups(e->k, 1000, 100, 1, ogroups);
	q = spawn_as(e->k, 2000, 200, 0);
	ofd = OPEN_OK(o, "/c", O_RDWR | O_CREAT, 0644);
	qfd = OPEN_OK(q, "/c", O_RDONLY, 0);
	before = stat_of(o, ofd);

	/* The owner: -1 keeps; same ids are no change. */
	assert_errno(shmsim_fchown(o, ofd, (uid_t)-1, (gid_t)-1), 0);
	assert_errno(shmsim_fchown(o, ofd, 1000, 100), 0);
	/* Giving it away: uid, or a group o is not in. */
	assert_errno(shmsim_fchown(o, ofd, 3000, (gid_t)-1), EPERM);
	assert_errno(shmsim_fchown(o, ofd, (uid_t)-1, 200), EPERM);
	assert_errno(shmsim_fchown(o, ofd, 1000, 200), EPERM);
	/* A supplementary group, and back to the effective one. */
	assert_errno(shmsim_fchown(o, ofd, (uid_t)-1, 300), 0);
	assert_int_equal(stat_of(o, ofd).st_gid, 300);
	assert_errno(shmsim_fchown(o, ofd, (uid_t)-1, 100), 0);
	sb = stat_of(o, ofd);
	assert_int_equal(sb.st_uid, 1000);
	assert_int_equal(sb.st_gid, 100);

	/* q, neither owner nor in the group, through a read-only fd. */
	assert_errno(shmsim_fchown(q, qfd, (uid_t)-1, (gid_t)-1), 0);
	assert_errno(shmsim_fchown(q, qfd, 3000, (gid_t)-1), EPERM);
	assert_errno(shmsim_fchown(q, qfd, (uid_t)-1, 300), EPERM);
	/* Claims it: own uid, own group, no privilege. */
	assert_errno(shmsim_fchown(q, qfd, 2000, 200), 0);
	sb = stat_of(q, qfd);
	assert_int_equal(sb.st_uid, 2000);
	assert_int_equal(sb.st_gid, 200);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_true(ts_equal(before.st_ctim, sb.st_ctim));
	/* q now owns it (fchmod works); o can claim it back the same way. */
	assert_errno(shmsim_fchmod(q, qfd, 0664), 0);
	assert_errno(shmsim_fchmod(o, ofd, 0644), EPERM);
	assert_errno(shmsim_fchown(o, ofd, 1000, (gid_t)-1), 0);
	assert_int_equal(stat_of(o, ofd).st_uid, 1000);
	assert_int_equal(stat_of(o, ofd).st_gid, 200);
	/* o is not in group 200, but keeping the current group is fine. */
	assert_errno(shmsim_fchown(o, ofd, 1000, 200), 0);

	/* Root gives it to anyone. */
	rfd = OPEN_OK(e->p, "/c", O_RDONLY, 0);
	assert_errno(shmsim_fchown(e->p, rfd, 4242, 4343), 0);
	sb = stat_of(e->p, rfd);
	assert_int_equal(sb.st_uid, 4242);
	assert_int_equal(sb.st_gid, 4343);
	assert_errno(shmsim_fchown(q, 99, 2000, 200), EBADF);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(o), 0);
	assert_errno(shmsim_exit(q), 0);
}

/* 2008: no fo_chmod/fo_chown: EINVAL (no vnode); EBADF first. */
static void
fchmod_fchown_2008_einval(void **state)
{
	struct env *e = env_of(state);
	int fd;

	fd = OPEN_OK(e->p, "/m", O_RDWR | O_CREAT, 0600);
	assert_errno(shmsim_fchmod(e->p, fd, 0644), EINVAL);
	assert_errno(shmsim_fchown(e->p, fd, 1, 1), EINVAL);
	assert_errno(shmsim_fchown(e->p, fd, (uid_t)-1, (gid_t)-1), EINVAL);
	assert_errno(shmsim_fchmod(e->p, 99, 0644), EBADF);
	assert_errno(shmsim_fchown(e->p, 99, 1, 1), EBADF);
	assert_int_equal(perm_of(e->p, fd), 0600);
	assert_int_equal(stat_of(e->p, fd).st_uid, 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* posix_fallocate(2)                                               */
/* ---------------------------------------------------------------- */

static void
kern_posix_fallocate_check_order(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	int fd, ro;

	fd = OPEN2_OK(e->p, "/fa", O_RDWR | O_CREAT, 0600, ALLOW_SEALING);
	ro = OPEN2_OK(e->p, "/fa", O_RDONLY, 0, ALLOW_SEALING);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_GROW, 0);
	before = counters(e);
	/* 1. offset < 0 or len <= 0, before the descriptor. */
	assert_errno(shmsim_posix_fallocate(e->p, 99, -1, PAGE), EINVAL);
	assert_errno(shmsim_posix_fallocate(e->p, 99, 0, 0), EINVAL);
	assert_errno(shmsim_posix_fallocate(e->p, 99, 0, -PAGE), EINVAL);
	assert_errno(shmsim_posix_fallocate(e->p, 99, INT64_MAX, 0), EINVAL);
	/* 2. offset + len overflows. */
	assert_errno(shmsim_posix_fallocate(e->p, 99, INT64_MAX, 1), EFBIG);
	assert_errno(shmsim_posix_fallocate(e->p, 99, INT64_MAX - 10, 11),
	    EFBIG);
	assert_errno(shmsim_posix_fallocate(e->p, 99, 1, INT64_MAX), EFBIG);
	/* Exactly OFF_MAX is no overflow: it gets to the descriptor. */
	assert_errno(shmsim_posix_fallocate(e->p, 99, INT64_MAX - 10, 10),
	    EBADF);
	/* 3. A bad descriptor, or one not open for writing. */
	assert_errno(shmsim_posix_fallocate(e->p, -1, 0, PAGE), EBADF);
	assert_errno(shmsim_posix_fallocate(e->p, ro, 0, 2 * PAGE), EBADF);
	/* 4. F_SEAL_GROW, when it would grow (before the reservation). */
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, 2 * PAGE), EPERM);
	assert_errno(shmsim_posix_fallocate(e->p, fd, INT64_MAX - 10, 10),
	    EPERM);
	assert_errno(shmsim_posix_fallocate(e->p, fd, PAGE, 1), EPERM);
	/* Within the size the seal does not matter. */
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, PAGE), 0);
	assert_errno(shmsim_posix_fallocate(e->p, fd, PAGE - 1, 1), 0);
	after = counters(e);
	assert_counters_equal(&before, &after);
	assert_int_equal(size_of(e->p, fd), PAGE);

	/* 5. The swap reservation fails: ENOMEM becomes ENOSPC. */
	fd = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	before = counters(e);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, INT64_MAX - 10),
	    ENOSPC);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, 1LL << 40), ENOSPC);
	assert_errno(
	    shmsim_fault_set(e->k, SHMSIM_FAULT_SWAP_RESERVE, 1, false), 0);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, PAGE), ENOSPC);
	after = counters(e);
	assert_counters_equal(&before, &after);
	assert_int_equal(size_of(e->p, fd), 0);
	assert_audit_clean(e->k);
}

/*
 * Grows to offset + len, never shrinks, allocates no page, reserves
 * swap; ctime/mtime change only when it grows.  F_SEAL_WRITE and
 * F_SEAL_SHRINK do not matter.
 */
static void
shm_fallocate_grows_only(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_stat s1, s2;
	struct shmsim_fdinfo fi;
	int fd;

	fd = MEMFD_OK(e->p, "fa", SHMSIM_MFD_ALLOW_SEALING);
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE | F_SEAL_SHRINK, 0);
	s1 = stat_of(e->p, fd);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, 3 * PAGE), 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.size, 3 * PAGE);
	assert_int_equal(fi.obj_size, 3);
	assert_int_equal(fi.resident, 0);
	assert_int_equal(fi.charge, 3 * PAGE);
	assert_int_equal(counters(e).swap_reserved, 3 * PAGE);
	s2 = stat_of(e->p, fd);
	assert_int_equal(s2.st_blocks, 0);
	assert_false(ts_equal(s1.st_ctim, s2.st_ctim));
	assert_true(ts_equal(s2.st_ctim, s2.st_mtim));
	/* Inside the object: nothing at all. */
	assert_errno(shmsim_posix_fallocate(e->p, fd, PAGE, PAGE), 0);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, 1), 0);
	s1 = stat_of(e->p, fd);
	assert_int_equal(s1.st_size, 3 * PAGE);
	assert_true(ts_equal(s1.st_ctim, s2.st_ctim));
	/* Past it, by two bytes: one more page. */
	assert_errno(shmsim_posix_fallocate(e->p, fd, 3 * PAGE + 1, 1), 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.size, 3 * PAGE + 2);
	assert_int_equal(fi.obj_size, 4);
	assert_int_equal(fi.charge, 4 * PAGE);
	assert_bytes(e->p, fd, 0, 3 * PAGE + 2, 0);
	assert_audit_clean(e->k);
}

static void
posix_fallocate_2008_enosys(void **state)
{
	struct env *e = env_of(state);
	int fd;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, PAGE), ENOSYS);
	assert_errno(shmsim_posix_fallocate(e->p, 99, -1, 0), ENOSYS);
	assert_int_equal(size_of(e->p, fd), 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* fspacectl(2)                                                     */
/* ---------------------------------------------------------------- */

#define FSPACECTL_IS(p, fd, cmd, off, len, flags, want)                    \
	assert_errno_impl(shmsim_fspacectl((p), (fd), (cmd), (off), (len), \
			      (flags), NULL, NULL),                        \
	    (want), "shmsim_fspacectl", __FILE__, __LINE__)

static void
kern_fspacectl_check_order(void **state)
{
	struct env *e = env_of(state);
	int64_t roff = UNTOUCHED, rlen = UNTOUCHED;
	int fd, ro;

	fd = OPEN2_OK(e->p, "/sp", O_RDWR | O_CREAT, 0600, ALLOW_SEALING);
	ro = OPEN2_OK(e->p, "/sp", O_RDONLY, 0, ALLOW_SEALING);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PAGE), 0);
	pwrite_fill(e->p, fd, 0, 2 * PAGE, 'S');
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE, 0);
	/* 1. Bad command, range or flags: EINVAL, before the descriptor. */
	FSPACECTL_IS(e->p, 99, 0, 0, PAGE, 0, EINVAL);
	FSPACECTL_IS(e->p, 99, 2, 0, PAGE, 0, EINVAL);
	FSPACECTL_IS(e->p, 99, DEALLOC, -1, PAGE, 0, EINVAL);
	FSPACECTL_IS(e->p, 99, DEALLOC, 0, 0, 0, EINVAL);
	FSPACECTL_IS(e->p, 99, DEALLOC, 0, -1, 0, EINVAL);
	FSPACECTL_IS(e->p, 99, DEALLOC, INT64_MAX, 1, 0, EINVAL);
	FSPACECTL_IS(e->p, 99, DEALLOC, 0, PAGE, 1, EINVAL);
	/* 2. A bad descriptor, or one not open for writing. */
	FSPACECTL_IS(e->p, 99, DEALLOC, 0, PAGE, 0, EBADF);
	FSPACECTL_IS(e->p, -1, DEALLOC, INT64_MAX - 1, 1, 0, EBADF);
	FSPACECTL_IS(e->p, ro, DEALLOC, 0, PAGE, 0, EBADF);
	/* 3. F_SEAL_WRITE, even past EOF where nothing would happen. */
	FSPACECTL_IS(e->p, fd, DEALLOC, 0, PAGE, 0, EPERM);
	FSPACECTL_IS(e->p, fd, DEALLOC, 10 * PAGE, PAGE, 0, EPERM);
	/* A failed call writes neither result. */
	assert_errno(
	    shmsim_fspacectl(e->p, fd, DEALLOC, 0, PAGE, 0, &roff, &rlen),
	    EPERM);
	assert_int_equal(roff, UNTOUCHED);
	assert_int_equal(rlen, UNTOUCHED);
	assert_int_equal(fdinfo(e->p, fd).resident, 2);
	assert_bytes(e->p, fd, 0, 2 * PAGE, 'S');
	assert_audit_clean(e->k);
}

/*
 * shm_deallocate: zero the partial head and tail pages, free the whole
 * pages between; the size never changes; results say where it stopped
 * (min(offset + len, size)) and that nothing is left (0).  At or past
 * EOF: a no-op with offset unchanged.
 */
static void
shm_deallocate_punches_hole(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fi;
	struct shmsim_stat s1, s2;
	int64_t roff, rlen;
	int fd;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	assert_errno(shmsim_ftruncate(e->p, fd, 4 * PAGE), 0);
	pwrite_fill(e->p, fd, 0, 4 * PAGE, 'A');
	assert_int_equal(fdinfo(e->p, fd).resident, 4);
	s1 = stat_of(e->p, fd);

	/* [PAGE/2, 2.5 PAGE): half of page 0, all of page 1, half of 2. */
	roff = rlen = UNTOUCHED;
	assert_errno(shmsim_fspacectl(e->p, fd, DEALLOC, PAGE / 2, 2 * PAGE, 0,
			 &roff, &rlen),
	    0);
	assert_int_equal(roff, PAGE / 2 + 2 * PAGE);
	assert_int_equal(rlen, 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.size, 4 * PAGE);
	assert_int_equal(fi.obj_size, 4);
	assert_int_equal(fi.resident, 3);
	assert_int_equal(fi.charge, 4 * PAGE);
	s2 = stat_of(e->p, fd);
	assert_int_equal(s2.st_blocks, 3);
	assert_true(ts_equal(s1.st_ctim, s2.st_ctim));
	assert_true(ts_equal(s1.st_mtim, s2.st_mtim));
	assert_bytes(e->p, fd, 0, PAGE / 2, 'A');
	assert_bytes(e->p, fd, PAGE / 2, 2 * PAGE, 0);
	assert_bytes(e->p, fd, PAGE / 2 + 2 * PAGE, PAGE + PAGE / 2, 'A');
	/* Reading the hole allocated nothing. */
	assert_int_equal(fdinfo(e->p, fd).resident, 3);

	/* Within one page. */
	assert_errno(shmsim_fspacectl(e->p, fd, DEALLOC, 3 * PAGE + 10, 20, 0,
			 &roff, &rlen),
	    0);
	assert_int_equal(roff, 3 * PAGE + 30);
	assert_int_equal(rlen, 0);
	assert_bytes(e->p, fd, 3 * PAGE, 10, 'A');
	assert_bytes(e->p, fd, 3 * PAGE + 10, 20, 0);
	assert_bytes(e->p, fd, 3 * PAGE + 30, PAGE - 30, 'A');
	assert_int_equal(fdinfo(e->p, fd).resident, 3);
	/* Partial zeroing of a hole allocates nothing. */
	assert_errno(
	    shmsim_fspacectl(e->p, fd, DEALLOC, PAGE + 1, 10, 0, NULL, NULL),
	    0);
	assert_int_equal(fdinfo(e->p, fd).resident, 3);

	/* Straddling EOF: clipped; page 3 freed whole. */
	assert_errno(shmsim_fspacectl(e->p, fd, DEALLOC, 3 * PAGE, 10 * PAGE, 0,
			 &roff, &rlen),
	    0);
	assert_int_equal(roff, 4 * PAGE);
	assert_int_equal(rlen, 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 2);
	assert_int_equal(fi.size, 4 * PAGE);

	/* At or past EOF: nothing, offset unchanged, length 0. */
	roff = rlen = UNTOUCHED;
	assert_errno(
	    shmsim_fspacectl(e->p, fd, DEALLOC, 4 * PAGE, 1, 0, &roff, &rlen),
	    0);
	assert_int_equal(roff, 4 * PAGE);
	assert_int_equal(rlen, 0);
	assert_errno(shmsim_fspacectl(e->p, fd, DEALLOC, 9 * PAGE, PAGE, 0,
			 &roff, &rlen),
	    0);
	assert_int_equal(roff, 9 * PAGE);
	assert_int_equal(rlen, 0);
	assert_errno(shmsim_fspacectl(e->p, fd, DEALLOC, INT64_MAX - 1, 1, 0,
			 &roff, &rlen),
	    0);
	assert_int_equal(roff, INT64_MAX - 1);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 2);
	assert_int_equal(fi.size, 4 * PAGE);
	assert_audit_clean(e->k);
}

/*
 * Swapped-out pages: a partial page is paged in, zeroed and dirtied (its
 * swap copy goes); a whole page loses its swap copy; pages outside the
 * range stay on swap.
 */
static void
shm_deallocate_swapped_pages(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fi;
	struct shmsim_counters c;
	uint64_t moved;
	int fd;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	assert_errno(shmsim_ftruncate(e->p, fd, 4 * PAGE), 0);
	pwrite_fill(e->p, fd, 0, 4 * PAGE, 'B');
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 4);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 0);
	assert_int_equal(fi.swapped, 4);

	assert_errno(shmsim_fspacectl(e->p, fd, DEALLOC, PAGE / 2, 2 * PAGE, 0,
			 NULL, NULL),
	    0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 2); /* pages 0 and 2, paged in */
	assert_int_equal(fi.swapped, 1);  /* page 3 */
	assert_int_equal(stat_of(e->p, fd).st_blocks, 3);
	c = counters(e);
	assert_int_equal(c.pages, 2);
	assert_int_equal(c.swapped, 1);
	assert_audit_clean(e->k);

	/* The zeroes were dirtied: they survive another round on swap. */
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 2);
	assert_bytes(e->p, fd, 0, PAGE / 2, 'B');
	assert_bytes(e->p, fd, PAGE / 2, 2 * PAGE, 0);
	assert_bytes(e->p, fd, PAGE / 2 + 2 * PAGE, PAGE + PAGE / 2, 'B');
	assert_int_equal(fdinfo(e->p, fd).size, 4 * PAGE);

	/* A partial page of a swapped page, within one page. */
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(fdinfo(e->p, fd).swapped, 3);
	assert_errno(
	    shmsim_fspacectl(e->p, fd, DEALLOC, 3 * PAGE + 1, 1, 0, NULL, NULL),
	    0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 1);
	assert_int_equal(fi.swapped, 2);
	assert_bytes(e->p, fd, 3 * PAGE, 1, 'B');
	assert_bytes(e->p, fd, 3 * PAGE + 1, 1, 0);
	assert_bytes(e->p, fd, 3 * PAGE + 2, PAGE - 2, 'B');
	assert_audit_clean(e->k);
}

/*
 * Quirk (as read in uipc_shm.c, both the ~2021 and the ~2025 copies; not
 * in section 5.1): a range that starts on a page boundary and, once
 * clipped to the size, ends inside that same page is neither a head
 * partial page (startofs == 0), nor whole pages (pi == piend), nor a tail
 * partial page (the tail needs pistart != piend).  shm_deallocate()
 * zeroes nothing and returns success with *offset unchanged and *length
 * the clipped length: a call that made no progress.  Section 2.13's
 * summary ("zero the tail partial page", "r_len = 0") does not hold for
 * it.  The model follows the code.
 */
static void
shm_deallocate_aligned_start_within_one_page(void **state)
{
	struct env *e = env_of(state);
	int64_t roff, rlen;
	int fd, small;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PAGE), 0);
	pwrite_fill(e->p, fd, 0, 2 * PAGE, 'Q');
	roff = rlen = UNTOUCHED;
	assert_errno(
	    shmsim_fspacectl(e->p, fd, DEALLOC, 0, 10, 0, &roff, &rlen), 0);
	assert_int_equal(roff, 0);
	assert_int_equal(rlen, 10);
	assert_bytes(e->p, fd, 0, 10, 'Q');
	assert_errno(shmsim_fspacectl(e->p, fd, DEALLOC, PAGE, PAGE - 1, 0,
			 &roff, &rlen),
	    0);
	assert_int_equal(roff, PAGE);
	assert_int_equal(rlen, PAGE - 1);
	assert_bytes(e->p, fd, PAGE, PAGE, 'Q');
	/* One byte further in, the same range is a head partial page. */
	assert_errno(
	    shmsim_fspacectl(e->p, fd, DEALLOC, 1, 10, 0, &roff, &rlen), 0);
	assert_int_equal(roff, 11);
	assert_int_equal(rlen, 0);
	assert_bytes(e->p, fd, 1, 10, 0);
	/* Ending on the next page boundary, it is a whole page: freed. */
	assert_errno(
	    shmsim_fspacectl(e->p, fd, DEALLOC, PAGE, PAGE, 0, &roff, &rlen),
	    0);
	assert_int_equal(rlen, 0);
	assert_int_equal(fdinfo(e->p, fd).resident, 1);

	/* A sub-page object punched from 0: clipping makes the same case. */
	small = MEMFD_OK(e->p, "small", 0);
	assert_errno(shmsim_write(e->p, small, "abcdef", 6, NULL), 0);
	assert_errno(shmsim_fspacectl(e->p, small, DEALLOC, 0, 100 * PAGE, 0,
			 &roff, &rlen),
	    0);
	assert_int_equal(roff, 0);
	assert_int_equal(rlen, 6);
	assert_bytes(e->p, small, 0, 1, 'a');
	assert_bytes(e->p, small, 5, 1, 'f');
	assert_audit_clean(e->k);
}

static void
fspacectl_2008_enosys(void **state)
{
	struct env *e = env_of(state);
	int64_t roff = UNTOUCHED;
	int fd;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), 0);
	assert_errno(
	    shmsim_fspacectl(e->p, fd, DEALLOC, 0, PAGE, 0, &roff, NULL),
	    ENOSYS);
	assert_int_equal(roff, UNTOUCHED);
	FSPACECTL_IS(e->p, 99, 0, -1, 0, 1, ENOSYS);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* ioctl(2)                                                         */
/* ---------------------------------------------------------------- */

#define IOCTL_IS(p, fd, cmd, arg, want)                                   \
	assert_errno_impl(shmsim_ioctl((p), (fd), (cmd), (arg), 0, NULL), \
	    (want), "ioctl(" #cmd ", " #arg ")", __FILE__, __LINE__)
#define LPGCNF_IS(p, fd, psind, policy, want)                           \
	assert_errno_impl(shmsim_ioctl((p), (fd), SHMSIM_FIOSSHMLPGCNF, \
			      (psind), (policy), NULL),                 \
	    (want), "FIOSSHMLPGCNF(" #psind ", " #policy ")", __FILE__, \
	    __LINE__)

/* FIONBIO/FIOASYNC set the file's flags (F_GETFL shows them). */
static void
shm_ioctl_fionbio_fioasync(void **state)
{
	struct env *e = env_of(state);
	size_t done = 0;
	int fd, dup;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	assert_errno(shmsim_dup(e->p, fd, &dup), 0);
	assert_int_equal(GETFL(e->p, fd), O_RDWR);
	IOCTL_IS(e->p, fd, SHMSIM_FIONBIO, 1, 0);
	assert_int_equal(GETFL(e->p, fd), O_RDWR | O_NONBLOCK);
	/* The flag is the open file's: the dup sees it. */
	assert_int_equal(GETFL(e->p, dup), O_RDWR | O_NONBLOCK);
	IOCTL_IS(e->p, dup, SHMSIM_FIOASYNC, 7, 0);
	assert_int_equal(GETFL(e->p, fd), O_RDWR | O_NONBLOCK | O_ASYNC);
	assert_int_equal(fdinfo(e->p, fd).f_flag,
	    FREAD | FWRITE | FNONBLOCK | FASYNC);
	/* No effect on I/O. */
	assert_errno(shmsim_ftruncate(e->p, fd, 4), 0);
	assert_errno(shmsim_write(e->p, fd, "abcd", 4, &done), 0);
	assert_int_equal(done, 4);
	IOCTL_IS(e->p, fd, SHMSIM_FIONBIO, 0, 0);
	assert_int_equal(GETFL(e->p, fd), O_RDWR | O_ASYNC);
	IOCTL_IS(e->p, fd, SHMSIM_FIOASYNC, 0, 0);
	assert_int_equal(GETFL(e->p, fd), O_RDWR);
	/* A read-only file takes them too. */
	fd = OPEN_OK(e->p, "/ro", O_RDWR | O_CREAT, 0600);
	fd = OPEN_OK(e->p, "/ro", O_RDONLY, 0);
	IOCTL_IS(e->p, fd, SHMSIM_FIONBIO, 1, 0);
	assert_int_equal(GETFL(e->p, fd), O_RDONLY | O_NONBLOCK);
	IOCTL_IS(e->p, 99, SHMSIM_FIONBIO, 1, EBADF);
	assert_audit_clean(e->k);
}

/* FIOCLEX/FIONCLEX: the descriptor's close-on-exec, never the file's. */
static void
kern_ioctl_fioclex_fionclex(void **state)
{
	struct env *e = env_of(state);
	int fd, dup;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	assert_int_equal(GETFD(e->p, fd), SHMSIM_FD_CLOEXEC);
	assert_errno(shmsim_dup(e->p, fd, &dup), 0);
	assert_int_equal(GETFD(e->p, dup), 0);
	IOCTL_IS(e->p, fd, SHMSIM_FIONCLEX, 0, 0);
	assert_int_equal(GETFD(e->p, fd), 0);
	IOCTL_IS(e->p, dup, SHMSIM_FIOCLEX, 0, 0);
	assert_int_equal(GETFD(e->p, dup), SHMSIM_FD_CLOEXEC);
	assert_int_equal(GETFD(e->p, fd), 0);
	assert_int_equal(GETFL(e->p, fd), O_RDWR);
	IOCTL_IS(e->p, 99, SHMSIM_FIOCLEX, 0, EBADF);
	/* exec closes dup, keeps fd. */
	assert_errno(shmsim_exec(e->p), 0);
	assert_int_equal(fdinfo(e->p, fd).f_count, 1);
	assert_errno(shmsim_fstat(e->p, dup, NULL), EBADF);
	assert_audit_clean(e->k);
}

/* Anything else reaches shm_ioctl: ENOTTY, flags untouched. */
static void
shm_ioctl_unknown_enotty(void **state)
{
	struct env *e = env_of(state);
	int fd;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	IOCTL_IS(e->p, fd, SHMSIM_FIONREAD, 0, ENOTTY);
	IOCTL_IS(e->p, fd, 0, 0, ENOTTY);
	IOCTL_IS(e->p, fd, 0xdeadbeefUL, 1, ENOTTY);
	/* The large-page configuration ioctls, on a non-largepage object. */
	IOCTL_IS(e->p, fd, SHMSIM_FIOSSHMLPGCNF, 1, ENOTTY);
	IOCTL_IS(e->p, fd, SHMSIM_FIOGSHMLPGCNF, 0, ENOTTY);
	assert_int_equal(GETFL(e->p, fd), O_RDWR);
	assert_int_equal(GETFD(e->p, fd), SHMSIM_FD_CLOEXEC);
	IOCTL_IS(e->p, 99, SHMSIM_FIONREAD, 0, EBADF);
	assert_audit_clean(e->k);
}

/*
 * 2008: the shm file's fo_ioctl is EOPNOTSUPP for everything.  The
 * generic layer has already changed FNONBLOCK/FASYNC by then and leaves
 * them changed; FIOCLEX/FIONCLEX never reach the file and work.
 */
static void
shm_ioctl_2008_eopnotsupp(void **state)
{
	struct env *e = env_of(state);
	int fd;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	IOCTL_IS(e->p, fd, SHMSIM_FIONBIO, 1, EOPNOTSUPP);
	assert_int_equal(GETFL(e->p, fd), O_RDWR | O_NONBLOCK);
	IOCTL_IS(e->p, fd, SHMSIM_FIOASYNC, 1, EOPNOTSUPP);
	assert_int_equal(GETFL(e->p, fd), O_RDWR | O_NONBLOCK | O_ASYNC);
	IOCTL_IS(e->p, fd, SHMSIM_FIONBIO, 0, EOPNOTSUPP);
	assert_int_equal(GETFL(e->p, fd), O_RDWR | O_ASYNC);
	IOCTL_IS(e->p, fd, SHMSIM_FIONREAD, 0, EOPNOTSUPP);
	IOCTL_IS(e->p, fd, 0, 0, EOPNOTSUPP);
	assert_int_equal(GETFD(e->p, fd), SHMSIM_FD_CLOEXEC);
	IOCTL_IS(e->p, fd, SHMSIM_FIONCLEX, 0, 0);
	assert_int_equal(GETFD(e->p, fd), 0);
	IOCTL_IS(e->p, fd, SHMSIM_FIOCLEX, 0, 0);
	assert_int_equal(GETFD(e->p, fd), SHMSIM_FD_CLOEXEC);
	IOCTL_IS(e->p, 99, SHMSIM_FIONBIO, 1, EBADF);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Seals: F_ADD_SEALS, F_GET_SEALS (section 2.14)                    */
/* ---------------------------------------------------------------- */

/*
 * F_ADD_SEALS: EBADF, EPERM once F_SEAL_SEAL is set (even to add
 * nothing); unknown bits are stored (quirk); a read-only descriptor
 * may seal (quirk); seals are the object's.
 */
static void
shm_add_seals_rules(void **state)
{
	struct env *e = env_of(state);
	int fd, ro, dup;

	fd = OPEN2_OK(e->p, "/seal", O_RDWR | O_CREAT, 0600, ALLOW_SEALING);
	ro = OPEN2_OK(e->p, "/seal", O_RDONLY, 0, ALLOW_SEALING);
	assert_errno(shmsim_dup(e->p, fd, &dup), 0);
	assert_errno(
	    shmsim_fcntl(e->p, 99, SHMSIM_F_ADD_SEALS, F_SEAL_GROW, NULL),
	    EBADF);
	assert_errno(shmsim_fcntl(e->p, -1, SHMSIM_F_GET_SEALS, 0, NULL),
	    EBADF);
	assert_int_equal(SEALS(e->p, fd), 0);
	/* Adding nothing, or nothing new, is fine before F_SEAL_SEAL. */
	ADD_SEALS_IS(e->p, fd, 0, 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_GROW, 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_GROW, 0);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_GROW);
	/* Through the read-only descriptor. */
	ADD_SEALS_IS(e->p, ro, F_SEAL_WRITE, 0);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_GROW | F_SEAL_WRITE);
	/* Unknown bits are kept and reported. */
	ADD_SEALS_IS(e->p, dup, 0x10 | 0x4000, 0);
	assert_int_equal(SEALS(e->p, ro),
	    F_SEAL_GROW | F_SEAL_WRITE | 0x10 | 0x4000);
	ADD_SEALS_IS(e->p, fd, INT_MIN, 0);
	assert_int_equal(SEALS(e->p, fd),
	    F_SEAL_GROW | F_SEAL_WRITE | 0x10 | 0x4000 | INT_MIN);
	/* F_SEAL_SEAL with another seal in one call. */
	ADD_SEALS_IS(e->p, fd, F_SEAL_SEAL | F_SEAL_SHRINK, 0);
	assert_int_equal(SEALS(e->p, dup),
	    F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_SEAL | 0x10 |
		0x4000 | INT_MIN);
	/* And then nothing, not even nothing. */
	ADD_SEALS_IS(e->p, fd, 0, EPERM);
	ADD_SEALS_IS(e->p, fd, F_SEAL_SEAL, EPERM);
	ADD_SEALS_IS(e->p, ro, 0x20, EPERM);
	assert_int_equal(SEALS(e->p, ro),
	    F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_SEAL | 0x10 |
		0x4000 | INT_MIN);
	/* The seals are the object's: a new descriptor sees them. */
	fd = OPEN2_OK(e->p, "/seal", O_RDONLY, 0, 0);
	assert_int_equal(SEALS(e->p, fd) & 0xf, 0xf);
	assert_audit_clean(e->k);
}

/*
 * F_SEAL_WRITE with writable shared mappings: EBUSY; after F_SEAL_SEAL's
 * EPERM; not when F_SEAL_WRITE is already set.  XXX: there is no mmap
 * yet; the test sets writemappings as a MAP_SHARED PROT_WRITE mapping
 * would, and clears it before the audit.
 */
static void
shm_add_seals_write_busy(void **state)
{
	struct env *e = env_of(state);
	struct shmfd *shmfd;
	int fd;

	fd = MEMFD_OK(e->p, "busy", SHMSIM_MFD_ALLOW_SEALING);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), 0);
	shmfd = shmfd_of(e->p, fd);
	shmfd->shm_object->writemappings = PAGE;
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE, EBUSY);
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE | F_SEAL_GROW, EBUSY);
	assert_int_equal(SEALS(e->p, fd), 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_GROW, 0);
	shmfd->shm_object->writemappings = 0;
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE, 0);
	shmfd->shm_object->writemappings = PAGE;
	/* Already write-sealed: nothing new to check. */
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE | F_SEAL_SHRINK, 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_SEAL, 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE, EPERM);
	shmfd->shm_object->writemappings = 0;
	assert_int_equal(SEALS(e->p, fd),
	    F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_SEAL);
	assert_audit_clean(e->k);
}

/*
 * Quirk (section 2.14, 5.1): only writemappings is consulted; kernel
 * mappings (shm_map(), shm_kmappings), writable though they are, do not
 * stop F_SEAL_WRITE.  XXX: shm_kmappings set through the internals, as
 * shm_map() would, and cleared before the audit.
 */
static void
shm_add_seals_kmappings_do_not_block(void **state)
{
	struct env *e = env_of(state);
	struct shmfd *shmfd;
	int fd;

	fd = MEMFD_OK(e->p, "kmap", SHMSIM_MFD_ALLOW_SEALING);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), 0);
	shmfd = shmfd_of(e->p, fd);
	shmfd->shm_kmappings = 1;
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE, 0);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_WRITE);
	shmfd->shm_kmappings = 0;
	assert_audit_clean(e->k);
}

static void
seals_2008_einval(void **state)
{
	struct env *e = env_of(state);
	int fd;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	assert_errno(
	    shmsim_fcntl(e->p, fd, SHMSIM_F_ADD_SEALS, F_SEAL_GROW, NULL),
	    EINVAL);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_GET_SEALS, 0, NULL),
	    EINVAL);
	assert_errno(shmsim_fcntl(e->p, 99, SHMSIM_F_GET_SEALS, 0, NULL),
	    EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), 0);
	assert_audit_clean(e->k);
}

/*
 * F_SEAL_SHRINK: shrinking ftruncate, and O_TRUNC of a non-empty
 * object, fail with EPERM; same size and growth are fine.
 */
static void
seal_shrink_effects(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	size_t done = 0;
	int fd, ro, m;

	fd = OPEN2_OK(e->p, "/shrink", O_RDWR | O_CREAT, 0600, ALLOW_SEALING);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PAGE), 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_SHRINK, 0);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), EPERM);
	assert_errno(shmsim_ftruncate(e->p, fd, 0), EPERM);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PAGE), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 3 * PAGE), 0);
	assert_int_equal(size_of(e->p, fd), 3 * PAGE);
	/* O_RDWR|O_TRUNC: EPERM, and no descriptor. */
	before = counters(e);
	OPEN2_FAILS(e->p, "/shrink", O_RDWR | O_TRUNC, 0, ALLOW_SEALING, EPERM);
	after = counters(e);
	assert_counters_equal(&before, &after);
	/* O_RDONLY|O_TRUNC is ignored (and this plain open seals). */
	ro = OPEN_OK(e->p, "/shrink", O_RDONLY | O_TRUNC, 0);
	assert_int_equal(size_of(e->p, ro), 3 * PAGE);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_SHRINK | F_SEAL_SEAL);
	/* posix_fallocate never shrinks; the seal does not matter. */
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, PAGE), 0);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, 4 * PAGE), 0);

	/* An empty object: O_TRUNC is no shrink. */
	m = OPEN2_OK(e->p, "/empty", O_RDWR | O_CREAT, 0600, ALLOW_SEALING);
	ADD_SEALS_IS(e->p, m, F_SEAL_SHRINK, 0);
	OPEN2_OK(e->p, "/empty", O_RDWR | O_TRUNC, 0, ALLOW_SEALING);
	/* Growth on write is growth. */
	m = MEMFD_OK(e->p, "m", SHMSIM_MFD_ALLOW_SEALING);
	ADD_SEALS_IS(e->p, m, F_SEAL_SHRINK, 0);
	assert_errno(shmsim_write(e->p, m, "grow", 4, &done), 0);
	assert_int_equal(done, 4);
	assert_errno(shmsim_ftruncate(e->p, m, 3), EPERM);
	assert_int_equal(size_of(e->p, m), 4);
	assert_audit_clean(e->k);
}

/*
 * F_SEAL_GROW: growing ftruncate, growing posix_fallocate and
 * grow-on-write growth fail with EPERM (the whole write: nothing is
 * written); same size, shrinking and writes within the size are fine.
 */
static void
seal_grow_effects(void **state)
{
	struct env *e = env_of(state);
	size_t done = UNTOUCHED;
	int fd, plain;

	fd = MEMFD_OK(e->p, "grow", SHMSIM_MFD_ALLOW_SEALING);
	assert_errno(shmsim_write(e->p, fd, "abc", 3, &done), 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_GROW, 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 4), EPERM);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), EPERM);
	assert_errno(shmsim_ftruncate(e->p, fd, 3), 0);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, 4), EPERM);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 3, 1), EPERM);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 1, 2), 0);
	/* Writes: at EOF (offset 3), straddling EOF, far past it. */
	assert_errno(shmsim_write(e->p, fd, "d", 1, &done), EPERM);
	assert_errno(shmsim_pwrite(e->p, fd, "xy", 2, 2, &done), EPERM);
	assert_errno(shmsim_pwrite(e->p, fd, "z", 1, 100, &done), EPERM);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 3);
	assert_bytes(e->p, fd, 0, 1, 'a');
	assert_bytes(e->p, fd, 2, 1, 'c');
	/* Within the size. */
	assert_errno(shmsim_pwrite(e->p, fd, "XY", 2, 1, &done), 0);
	assert_int_equal(done, 2);
	assert_bytes(e->p, fd, 1, 1, 'X');
	assert_bytes(e->p, fd, 2, 1, 'Y');
	/* Shrinking is allowed. */
	assert_errno(shmsim_ftruncate(e->p, fd, 2), 0);
	assert_errno(shmsim_pwrite(e->p, fd, "ab", 2, 1, &done), EPERM);
	assert_int_equal(size_of(e->p, fd), 2);

	/* Without grow-on-write a write past EOF asks for no growth. */
	plain = OPEN2_OK(e->p, ANON, O_RDWR, 0600, ALLOW_SEALING);
	assert_errno(shmsim_ftruncate(e->p, plain, 2), 0);
	ADD_SEALS_IS(e->p, plain, F_SEAL_GROW, 0);
	assert_errno(shmsim_pwrite(e->p, plain, "abc", 3, 1, &done), 0);
	assert_int_equal(done, 1);
	assert_errno(shmsim_pwrite(e->p, plain, "abc", 3, 50, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(size_of(e->p, plain), 2);
	assert_audit_clean(e->k);
}

/*
 * F_SEAL_WRITE: write, pwrite and fspacectl fail with EPERM; ftruncate
 * and posix_fallocate do not care; reads work.
 */
static void
seal_write_effects(void **state)
{
	struct env *e = env_of(state);
	char buf[8];
	size_t done = UNTOUCHED;
	int fd;

	fd = MEMFD_OK(e->p, "w", SHMSIM_MFD_ALLOW_SEALING);
	assert_errno(shmsim_write(e->p, fd, "data", 4, &done), 0);
	assert_errno(shmsim_lseek(e->p, fd, 0, SHMSIM_SEEK_SET, NULL), 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE, 0);
	done = UNTOUCHED;
	assert_errno(shmsim_write(e->p, fd, "DATA", 4, &done), EPERM);
	assert_int_equal(done, UNTOUCHED);
	assert_errno(shmsim_pwrite(e->p, fd, "D", 1, 0, &done), EPERM);
	assert_errno(shmsim_pwrite(e->p, fd, "more", 4, 4, &done), EPERM);
	FSPACECTL_IS(e->p, fd, DEALLOC, 0, 4, 0, EPERM);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 0);
	assert_int_equal(fdinfo(e->p, fd).resident, 1);
	assert_errno(shmsim_read(e->p, fd, buf, 4, &done), 0);
	assert_int_equal(done, 4);
	assert_memory_equal(buf, "data", 4);
	/* Not affected: ftruncate (both ways) and posix_fallocate. */
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PAGE), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2), 0);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, 3 * PAGE), 0);
	assert_int_equal(size_of(e->p, fd), 3 * PAGE);
	assert_bytes(e->p, fd, 0, 1, 'd');
	assert_bytes(e->p, fd, 1, 1, 'a');
	assert_bytes(e->p, fd, 2, 2, 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* SHM_GROW_ON_WRITE (section 2.9)                                  */
/* ---------------------------------------------------------------- */

/* A named shm_open2(SHM_GROW_ON_WRITE) object grows like a memfd. */
static void
shm_write_grow_on_write_named(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_stat s1, s2;
	size_t done = 0;
	int fd, ro;

	fd = OPEN2_OK(e->p, "/gow", O_RDWR | O_CREAT, 0600, GROW_ON_WRITE);
	s1 = stat_of(e->p, fd);
	assert_errno(shmsim_write(e->p, fd, "12345", 5, &done), 0);
	assert_int_equal(done, 5);
	s2 = stat_of(e->p, fd);
	assert_int_equal(s2.st_size, 5);
	/* The growth is a truncate: ctime and mtime move. */
	assert_false(ts_equal(s1.st_ctim, s2.st_ctim));
	assert_true(ts_equal(s2.st_ctim, s2.st_mtim));
	/* A write inside the size changes no time. */
	assert_errno(shmsim_pwrite(e->p, fd, "ab", 2, 0, &done), 0);
	s1 = stat_of(e->p, fd);
	assert_true(ts_equal(s1.st_ctim, s2.st_ctim));
	/* A read-only descriptor of it still cannot write. */
	ro = OPEN2_OK(e->p, "/gow", O_RDONLY, 0, 0);
	assert_errno(shmsim_write(e->p, ro, "x", 1, &done), EBADF);
	assert_errno(shmsim_pwrite(e->p, ro, "x", 1, 100, &done), EBADF);
	/* The swap reservation for the growth can fail: ENOMEM. */
	assert_errno(shmsim_pwrite(e->p, fd, "x", 1, 1LL << 40, &done), ENOMEM);
	assert_int_equal(size_of(e->p, fd), 5);
	assert_audit_clean(e->k);
}

/*
 * offset + len past OFF_MAX: EFBIG on a grow-on-write object (before
 * F_SEAL_WRITE); on any other object the write is clipped to the size
 * and moves nothing.  Offset + len == OFF_MAX is no overflow: it asks
 * for growth to OFF_MAX, which the swap reservation refuses.
 */
static void
shm_write_grow_on_write_efbig(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	size_t done = UNTOUCHED;
	int fd, plain;

	fd = MEMFD_OK(e->p, "big", SHMSIM_MFD_ALLOW_SEALING);
	plain = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	assert_errno(shmsim_ftruncate(e->p, plain, PAGE), 0);
	before = counters(e);
	assert_errno(shmsim_pwrite(e->p, fd, "abcd", 4, INT64_MAX - 2, &done),
	    EFBIG);
	assert_errno(shmsim_pwrite(e->p, fd, "a", 1, INT64_MAX, &done), EFBIG);
	assert_int_equal(done, UNTOUCHED);
	assert_errno(shmsim_pwrite(e->p, fd, "ab", 2, INT64_MAX - 2, &done),
	    ENOMEM);
	/* EFBIG comes before the seal check; the seal before growth. */
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE, 0);
	assert_errno(shmsim_pwrite(e->p, fd, "abcd", 4, INT64_MAX - 2, &done),
	    EFBIG);
	assert_errno(shmsim_pwrite(e->p, fd, "ab", 2, INT64_MAX - 2, &done),
	    EPERM);
	assert_int_equal(size_of(e->p, fd), 0);
	/* Not grow-on-write: no error, no bytes. */
	assert_errno(
	    shmsim_pwrite(e->p, plain, "abcd", 4, INT64_MAX - 2, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(size_of(e->p, plain), PAGE);
	after = counters(e);
	assert_counters_equal(&before, &after);
	assert_audit_clean(e->k);
}

/*
 * write(2) from the file offset with a count that takes it past OFF_MAX
 * (the count itself within SSIZE_MAX): EFBIG on a grow-on-write object,
 * through the path that must give the file offset lock back (the return
 * to user mode asserts no lock is held), the offset unchanged; on any
 * other object, at its end, nothing moves.  A count above SSIZE_MAX is
 * sys_write()'s and sys_read()'s EINVAL (IOSIZE_MAX), before anything.
 */
static void
shm_write_file_offset_past_off_max(void **state)
{
	struct env *e = env_of(state);
	size_t done = UNTOUCHED;
	int64_t off = -1;
	char buf[8];
	int fd, plain;

	fd = MEMFD_OK(e->p, "big", 0);
	assert_errno(shmsim_write(e->p, fd, "a", 1, &done), 0);
	assert_int_equal(done, 1);
	done = UNTOUCHED;
	assert_errno(shmsim_write(e->p, fd, "b", (size_t)INT64_MAX, &done),
	    EFBIG);
	assert_int_equal(done, UNTOUCHED);
	assert_errno(shmsim_lseek(e->p, fd, 0, SHMSIM_SEEK_CUR, &off), 0);
	assert_int_equal(off, 1);
	/* The offset lock was given back: the descriptor still works. */
	assert_errno(shmsim_write(e->p, fd, "c", 1, &done), 0);
	assert_int_equal(size_of(e->p, fd), 2);
	/* The count limit, on both calls, whatever the object. */
	assert_errno(shmsim_write(e->p, fd, "d", (size_t)INT64_MAX + 1, &done),
	    EINVAL);
	assert_errno(shmsim_read(e->p, fd, buf, (size_t)INT64_MAX + 1, &done),
	    EINVAL);
	assert_errno(shmsim_pwrite(e->p, fd, "d", SIZE_MAX, 0, &done), EINVAL);
	assert_errno(shmsim_pread(e->p, fd, buf, SIZE_MAX, 0, &done), EINVAL);
	assert_int_equal(done, 1);
	/* Not grow-on-write, at its end: no error, no bytes. */
	plain = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	assert_errno(shmsim_ftruncate(e->p, plain, PAGE), 0);
	assert_errno(shmsim_lseek(e->p, plain, 0, SHMSIM_SEEK_END, &off), 0);
	assert_errno(shmsim_write(e->p, plain, "e", (size_t)INT64_MAX, &done),
	    0);
	assert_int_equal(done, 0);
	assert_int_equal(size_of(e->p, plain), PAGE);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Large-page rows of these calls (page_sizes 4K, 2M, 1G: amd64)    */
/* ---------------------------------------------------------------- */

static int
setup_largepage(void **state)
{
	struct shmsim_config cfg;

	shmsim_config_init(&cfg);
	cfg.page_sizes[1] = LP_SIZE;
	cfg.page_sizes[2] = 1024 * 1024 * 1024;
	*state = env_new(&cfg);
	return (0);
}

/*
 * memfd_create(MFD_HUGETLB): libc looks the size up in getpagesizes()
 * (EOPNOTSUPP when it is not there, 1 byte without size bits), then
 * sets it with FIOSSHMLPGCNF (the base page, index 0: EINVAL); the
 * descriptor is closed on either failure.
 */
static void
memfd_create_hugetlb(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	int64_t psind = UNTOUCHED;
	int fd;

	before = counters(e);
	MEMFD_FAILS(e->p, "h", SHMSIM_MFD_HUGETLB, EOPNOTSUPP);
	MEMFD_FAILS(e->p, "h", SHMSIM_MFD_HUGETLB | MFD_HUGE_16MB, EOPNOTSUPP);
	MEMFD_FAILS(e->p, "h", SHMSIM_MFD_HUGETLB | MFD_HUGE_4KB, EINVAL);
	/* libc's own checks still come first. */
	MEMFD_FAILS(e->p, "h", MFD_HUGE_2MB, EINVAL);
	after = counters(e);
	assert_counters_equal(&before, &after);

	fd = MEMFD_OK(e->p, "h", SHMSIM_MFD_HUGETLB | MFD_HUGE_2MB);
	assert_int_equal(fd, 0);
	assert_errno(shmsim_ioctl(e->p, fd, SHMSIM_FIOGSHMLPGCNF, 0, 0, &psind),
	    0);
	assert_int_equal(psind, 1);
	assert_int_equal(perm_of(e->p, fd), 0);
	assert_int_equal(SEALS(e->p, fd), F_SEAL_SEAL);
	/* Large, not grow-on-write: a write at EOF moves nothing. */
	{
		size_t done = UNTOUCHED;

		assert_errno(shmsim_write(e->p, fd, "x", 1, &done), 0);
		assert_int_equal(done, 0);
	}
	assert_int_equal(size_of(e->p, fd), 0);
	assert_audit_clean(e->k);
}

/*
 * FIOSSHMLPGCNF: ENOTTY on an ordinary object; EINVAL for a change of a
 * set page size, a page size index <= 0, >= MAXPAGESIZES or without a
 * size, or an unknown policy.  The size is set once, the policy at will.
 * FIOGSHMLPGCNF reads them.
 */
static void
shm_ioctl_largepage_conf(void **state)
{
	struct env *e = env_of(state);
	int64_t psind = UNTOUCHED;
	size_t done = UNTOUCHED;
	int fd, other, plain;

	plain = OPEN_OK(e->p, ANON, O_RDWR, 0600);
	LPGCNF_IS(e->p, plain, 1, 0, ENOTTY);
	fd = OPEN2_OK(e->p, ANON, O_RDWR, 0600, LARGEPAGE);
	assert_errno(shmsim_ioctl(e->p, fd, SHMSIM_FIOGSHMLPGCNF, 0, 0, &psind),
	    0);
	assert_int_equal(psind, 0);
	/* Unconfigured: no size, no write (EINVAL). */
	assert_errno(shmsim_ftruncate(e->p, fd, LP_SIZE), EINVAL);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, LP_SIZE), EINVAL);
	assert_errno(shmsim_write(e->p, fd, "x", 1, &done), EINVAL);
	LPGCNF_IS(e->p, fd, 0, 0, EINVAL);
	LPGCNF_IS(e->p, fd, -1, 0, EINVAL);
	LPGCNF_IS(e->p, fd, SHMSIM_MAXPAGESIZES, 0, EINVAL);
	LPGCNF_IS(e->p, fd, 1, 3, EINVAL);
	LPGCNF_IS(e->p, fd, 1, -1, EINVAL);
	LPGCNF_IS(e->p, fd, 1, SHMSIM_SHM_LARGEPAGE_ALLOC_HARD, 0);
	assert_errno(shmsim_ioctl(e->p, fd, SHMSIM_FIOGSHMLPGCNF, 0, 0, &psind),
	    0);
	assert_int_equal(psind, 1);
	/* Once set, another size is EINVAL; the policy may change. */
	LPGCNF_IS(e->p, fd, 2, 0, EINVAL);
	LPGCNF_IS(e->p, fd, 1, SHMSIM_SHM_LARGEPAGE_ALLOC_NOWAIT, 0);
	LPGCNF_IS(e->p, fd, 1, 7, EINVAL);
	/* posix_fallocate: a length that is not a large-page multiple. */
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, PAGE), EINVAL);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, LP_SIZE), 0);
	assert_int_equal(size_of(e->p, fd), LP_SIZE);
	/* A 1G page size is fine for another object (not grown). */
	other = OPEN2_OK(e->p, ANON, O_RDWR, 0600, LARGEPAGE);
	LPGCNF_IS(e->p, other, 2, SHMSIM_SHM_LARGEPAGE_ALLOC_DEFAULT, 0);
	assert_audit_clean(e->k);
}

/*
 * Section 2.2 step 11.7 and 5.1, as read: the O_TRUNC re-open calls the
 * swap truncate, shm_dotruncate_locked(), even for a large-page object,
 * which would release a swap charge the object never took.  The model
 * does not reproduce that (XXX(model) in kern_shm_open2): it uses the
 * large-page truncate, so a non-empty large-page object answers ENOTSUP
 * (pages are unmanaged), after F_SEAL_SHRINK's EPERM; an empty one is
 * no shrink.  This pins the model's choice.
 */
static void
kern_shm_open2_trunc_largepage(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	int fd, fd2;

	fd = OPEN2_OK(e->p, "/lp", O_RDWR | O_CREAT, 0600,
	    LARGEPAGE | ALLOW_SEALING);
	/* (With the object's own flags: shmflags 0 would seal it.) */
	OPEN2_OK(e->p, "/lp", O_RDWR | O_TRUNC, 0, LARGEPAGE | ALLOW_SEALING);
	LPGCNF_IS(e->p, fd, 1, SHMSIM_SHM_LARGEPAGE_ALLOC_DEFAULT, 0);
	assert_errno(shmsim_ftruncate(e->p, fd, LP_SIZE), 0);
	before = counters(e);
	OPEN2_FAILS(e->p, "/lp", O_RDWR | O_TRUNC, 0, 0, ENOTSUP);
	OPEN2_FAILS(e->p, "/lp", O_RDWR | O_TRUNC, 0, LARGEPAGE | ALLOW_SEALING,
	    ENOTSUP);
	ADD_SEALS_IS(e->p, fd, F_SEAL_SHRINK, 0);
	OPEN2_FAILS(e->p, "/lp", O_RDWR | O_TRUNC, 0, 0, EPERM);
	after = counters(e);
	assert_counters_equal(&before, &after);
	assert_int_equal(size_of(e->p, fd), LP_SIZE);
	/* O_RDONLY|O_TRUNC is ignored here too. */
	fd2 = OPEN2_OK(e->p, "/lp", O_RDONLY | O_TRUNC, 0, 0);
	assert_int_equal(size_of(e->p, fd2), LP_SIZE);
	assert_audit_clean(e->k);
}

/* F_SEAL_WRITE on a large-page object: ENOTSUP, after EPERM. */
static void
shm_add_seals_largepage_enotsup(void **state)
{
	struct env *e = env_of(state);
	int fd;

	fd = OPEN2_OK(e->p, ANON, O_RDWR, 0600, LARGEPAGE | ALLOW_SEALING);
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE, ENOTSUP);
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE | F_SEAL_GROW, ENOTSUP);
	assert_int_equal(SEALS(e->p, fd), 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_GROW | F_SEAL_SHRINK, 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_SEAL, 0);
	ADD_SEALS_IS(e->p, fd, F_SEAL_WRITE, EPERM);
	assert_int_equal(SEALS(e->p, fd),
	    F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */

#define CURRENT(f)                                       \
	{                                                \
#f, f, setup_current, teardown_env, NULL \
	}
#define LARGEPAGE_TEST(f)                                  \
	{                                                  \
#f, f, setup_largepage, teardown_env, NULL \
	}
#define ONLY_2008(f)                                  \
	{                                             \
#f, f, setup_2008, teardown_env, NULL \
	}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* shm_open2 */
		CURRENT(kern_shm_open2_check_order),
		CURRENT(kern_shm_open2_enfile),
		CURRENT(kern_shm_open2_obj_alloc_enomem),
		CURRENT(kern_shm_open2_trunc_kmapped_ebusy),
		CURRENT(kern_shm_open2_no_implicit_cloexec),
		CURRENT(kern_shm_open2_clofork_not_applied),
		CURRENT(kern_shm_open2_initial_seals),
		CURRENT(kern_shm_open2_reopen_shmflags),
		CURRENT(shm_open_reopen_adds_seal_seal),
		CURRENT(kern_shm_open2_reopen_sealed_no_eperm),
		ONLY_2008(shm_open2_2008_enosys),
		/* memfd_create */
		CURRENT(memfd_create_check_order),
		CURRENT(memfd_create_kernel_errors),
		CURRENT(memfd_create_defaults),
		CURRENT(memfd_create_flags),
		CURRENT(memfd_create_grows_on_write),
		ONLY_2008(memfd_create_2008_enosys),
		/* shm_rename */
		CURRENT(rename_bad_flag),
		CURRENT(rename_from_anon),
		CURRENT(rename_to_anon),
		CURRENT(rename_bad_path_pointer_from),
		CURRENT(rename_bad_path_pointer_to),
		CURRENT(rename_to_self),
		CURRENT(rename_from_nonexisting),
		CURRENT(rename_from_to_counts),
		CURRENT(rename_to_replace),
		CURRENT(rename_to_replace_open),
		CURRENT(rename_to_noreplace),
		CURRENT(rename_to_exchange),
		CURRENT(rename_to_exchange_nonexisting),
		CURRENT(kern_shm_rename_needs_read_and_write),
		CURRENT(kern_shm_rename_exchange_leaks_destination_ref),
		ONLY_2008(rename_2008_enosys),
		/* fchmod, fchown */
		CURRENT(shm_chmod_owner_or_root),
		CURRENT(shm_chown_rules),
		ONLY_2008(fchmod_fchown_2008_einval),
		/* posix_fallocate */
		CURRENT(kern_posix_fallocate_check_order),
		CURRENT(shm_fallocate_grows_only),
		ONLY_2008(posix_fallocate_2008_enosys),
		/* fspacectl */
		CURRENT(kern_fspacectl_check_order),
		CURRENT(shm_deallocate_punches_hole),
		CURRENT(shm_deallocate_swapped_pages),
		CURRENT(shm_deallocate_aligned_start_within_one_page),
		ONLY_2008(fspacectl_2008_enosys),
		/* ioctl */
		CURRENT(shm_ioctl_fionbio_fioasync),
		CURRENT(kern_ioctl_fioclex_fionclex),
		CURRENT(shm_ioctl_unknown_enotty),
		ONLY_2008(shm_ioctl_2008_eopnotsupp),
		/* seals */
		CURRENT(shm_add_seals_rules),
		CURRENT(shm_add_seals_write_busy),
		CURRENT(shm_add_seals_kmappings_do_not_block),
		ONLY_2008(seals_2008_einval),
		CURRENT(seal_shrink_effects),
		CURRENT(seal_grow_effects),
		CURRENT(seal_write_effects),
		/* grow on write */
		CURRENT(shm_write_grow_on_write_named),
		CURRENT(shm_write_grow_on_write_efbig),
		CURRENT(shm_write_file_offset_past_off_max),
		/* large-page rows */
		LARGEPAGE_TEST(memfd_create_hugetlb),
		LARGEPAGE_TEST(shm_ioctl_largepage_conf),
		LARGEPAGE_TEST(shm_add_seals_largepage_enotsup),
		LARGEPAGE_TEST(kern_shm_open2_trunc_largepage),
	};

	return (cmocka_run_group_tests_name("shm_today", tests, NULL, NULL));
}
