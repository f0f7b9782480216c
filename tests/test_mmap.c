/*
 * mmap(2), munmap(2), mprotect(2) and the simulated loads and stores, in
 * both profiles: kern_mmap()'s and shm_mmap()'s checks in the kernel's
 * order (freebsd-shm-semantics.md 2.10, table 4), the 2008 rules of
 * vm_mmap.c (seed-2008-version.md 1.7, D41-D47), the large-page rules,
 * faults (SIGSEGV outside a mapping or against its protection, SIGBUS at
 * or past the end of the object), the references mappings hold (the
 * memory outlives close and unlink; st_nlink counts entries) and the
 * write count that F_SEAL_WRITE checks.
 *
 * Names follow FreeBSD's tests/sys/posixshm/posixshm_test.c where a test
 * has an ATF counterpart (remap_object, reopen_object,
 * readonly_mmap_write, object_resize, shm_functionality_across_fork);
 * the others are named after the kernel function they pin.
 */
#include "helpers.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_var.h"
#include "vm_map.h"

#define PS 4096
#define RW (SHMSIM_PROT_READ | SHMSIM_PROT_WRITE)
#define R SHMSIM_PROT_READ
#define SH SHMSIM_MAP_SHARED
#define PV SHMSIM_MAP_PRIVATE
#define FX SHMSIM_MAP_FIXED
#define BASE SHMSIM_MMAP_BASE

static int
new_obj(struct shmsim_proc *p, const char *path, int flags, int64_t size)
{
	int fd;

	assert_errno(shmsim_shm_open(p, path,
			 flags | (path == SHMSIM_SHM_ANON ? 0 : SHMSIM_O_CREAT),
			 0600, &fd),
	    0);
	if (size >= 0)
		assert_errno(shmsim_ftruncate(p, fd, size), 0);
	return (fd);
}

static uint64_t
map(struct shmsim_proc *p, uint64_t addr, uint64_t len, int prot, int flags,
    int fd, int64_t off)
{
	uint64_t a = 0;

	assert_errno(shmsim_mmap(p, addr, len, prot, flags, fd, off, &a), 0);
	return (a);
}

static int
load_sig(struct shmsim_proc *p, uint64_t addr, void *buf, size_t n)
{
	int sig = -1;

	assert_errno(shmsim_load(p, addr, buf, n, &sig), 0);
	return (sig);
}

static int
store_sig(struct shmsim_proc *p, uint64_t addr, const void *buf, size_t n)
{
	int sig = -1;

	assert_errno(shmsim_store(p, addr, buf, n, &sig), 0);
	return (sig);
}

static uint64_t
nlink(struct shmsim_proc *p, int fd)
{
	struct shmsim_stat st;

	assert_errno(shmsim_fstat(p, fd, &st), 0);
	return (st.st_nlink);
}

/* The vm object behind fd (src/ internals). */
static vm_object_t
fd_object(struct shmsim_proc *sp, int fd)
{
	struct proc *p = (struct proc *)sp;
	struct file *fp = p->p_fd->fd_ofiles[fd].fde_file;

	return (((struct shmfd *)fp->f_data)->shm_object);
}

static int
ts_cmp(struct shmsim_timespec a, struct shmsim_timespec b)
{
	if (a.tv_sec != b.tv_sec)
		return (a.tv_sec < b.tv_sec ? -1 : 1);
	return (a.tv_nsec < b.tv_nsec ? -1 : a.tv_nsec > b.tv_nsec);
}

/* ------------------------------------------------------------------ */
/* kern_mmap() and shm_mmap(): the checks in order (profile current)  */
/* ------------------------------------------------------------------ */

static void
kern_mmap_check_order(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *p = e->p;
	uint64_t a = 12345;
	int fd, ro;

	fd = new_obj(p, "/o", SHMSIM_O_RDWR, PS);
	assert_errno(shmsim_shm_open(p, "/o", SHMSIM_O_RDONLY, 0, &ro), 0);
	/* Each row: the fault of this row plus a bad descriptor. */
	assert_errno(shmsim_mmap(p, 0, PS, 0x8, SH, 99, 0, &a), EINVAL);
	assert_errno(
	    shmsim_mmap(p, 0, PS, RW | SHMSIM_PROT_MAX(R), SH, 99, 0, &a),
	    ENOTSUP);
	assert_errno(shmsim_mmap(p, 0, 0, R, SH, 99, 0, &a), EINVAL);
	assert_errno(shmsim_mmap(p, 0, PS, R, SHMSIM_MAP_ANON | PV, 99, 0, &a),
	    EINVAL);
	assert_errno(shmsim_mmap(p, 0, PS, R, 0x400 /* MAP_STACK */, 99, 0, &a),
	    EINVAL);
	assert_errno(shmsim_mmap(p, 0, PS, R, SH | 0x100, 99, 0, &a), EINVAL);
	assert_errno(shmsim_mmap(p, 0, PS, R, SH | SHMSIM_MAP_EXCL, 99, 0, &a),
	    EINVAL);
	assert_errno(shmsim_mmap(p, 0, PS, R, SH | PV, 99, 0, &a), EINVAL);
	assert_errno(shmsim_mmap(p, 0, UINT64_MAX, R, SH, 99, 0, &a), ENOMEM);
	assert_errno(
	    shmsim_mmap(p, 0, PS, R, SH | SHMSIM_MAP_ALIGNED(3), 99, 0, &a),
	    EINVAL);
	assert_errno(shmsim_mmap(p, BASE + 1, PS, R, SH | FX, 99, 0, &a),
	    EINVAL);
	assert_errno(shmsim_mmap(p, 0, PS, R, SH | FX, 99, 0, &a), EINVAL);
	assert_errno(shmsim_mmap(p, VM_MAXUSER_ADDRESS - PS, 2 * PS, R, SH | FX,
			 99, 0, &a),
	    EINVAL);
	assert_errno(shmsim_mmap(p, 0, PS, R, SH, 99, 0, &a), EBADF);
	assert_errno(shmsim_mmap(p, 0, PS, R, 0, fd, 0, &a), EINVAL);
	assert_errno(shmsim_mmap(p, 0, PS, RW, SH, ro, INT64_MAX, &a), EACCES);
	assert_errno(shmsim_mmap(p, 0, PS, R, SH, ro, INT64_MAX - PS + 1, &a),
	    EINVAL);
	/* Not modelled: anonymous memory and guards (after the checks). */
	assert_errno(shmsim_mmap(p, 0, PS, R, SHMSIM_MAP_ANON | PV, -1, 0, &a),
	    EOPNOTSUPP);
	assert_errno(shmsim_mmap(p, 0, PS, 0, 0x2000, -1, 0, &a), EOPNOTSUPP);
	assert_int_equal(a, 12345); /* no out-pointer written on failure */
	assert_int_equal(nlink(p, fd), 1);
	assert_errno(shmsim_shm_unlink(p, "/o"), 0);
	assert_audit_clean(e->k);
}

/* The result is the mapping plus the offset's offset within its page. */
static void
kern_mmap_page_offset(void **state)
{
	struct env *e = *state;
	uint64_t a;
	char c = 0;
	int fd;

	fd = new_obj(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 2 * PS);
	assert_errno(shmsim_pwrite(e->p, fd, "xyz", 3, PS + 5, NULL), 0);
	a = map(e->p, 0, 1, R, SH, fd, PS + 6);
	assert_int_equal(a, BASE + 6);
	assert_int_equal(load_sig(e->p, a, &c, 1), 0);
	assert_int_equal(c, 'y');
	/* A MAP_FIXED address must share the page offset. */
	assert_errno(
	    shmsim_mmap(e->p, BASE + PS + 7, 1, R, SH | FX, fd, PS + 6, &a),
	    EINVAL);
	assert_int_equal(map(e->p, BASE + PS + 6, 1, R, SH | FX, fd, PS + 6),
	    BASE + PS + 6);
	assert_audit_clean(e->k);
}

/* readonly_mmap_write */
static void
readonly_mmap_write(void **state)
{
	struct env *e = *state;
	uint64_t a, pv;
	char buf[4];
	int fd, ro;

	fd = new_obj(e->p, "/ro", SHMSIM_O_RDWR, PS);
	assert_errno(shmsim_pwrite(e->p, fd, "orig", 4, 0, NULL), 0);
	assert_errno(shmsim_shm_open(e->p, "/ro", SHMSIM_O_RDONLY, 0, &ro), 0);
	assert_errno(shmsim_mmap(e->p, 0, PS, RW, SH, ro, 0, &a), EACCES);
	assert_errno(shmsim_mmap(e->p, 0, PS, SHMSIM_PROT_WRITE, SH, ro, 0, &a),
	    EACCES);
	a = map(e->p, 0, PS, R, SH, ro, 0);
	assert_errno(shmsim_mprotect(e->p, a, PS, RW), EACCES);
	assert_int_equal(store_sig(e->p, a, "x", 1), SIGSEGV);
	/* Private: writable, copy-on-write, never reaches the object. */
	pv = map(e->p, 0, PS, RW, PV, ro, 0);
	assert_int_equal(store_sig(e->p, pv, "mine", 4), 0);
	assert_int_equal(load_sig(e->p, a, buf, 4), 0);
	assert_memory_equal(buf, "orig", 4);
	assert_int_equal(load_sig(e->p, pv, buf, 4), 0);
	assert_memory_equal(buf, "mine", 4);
	assert_errno(shmsim_shm_unlink(e->p, "/ro"), 0);
	(void)fd;
	assert_audit_clean(e->k);
}

/* shm_mmap: atime is updated even when the mapping then fails. */
static void
shm_mmap_atime_even_on_failure(void **state)
{
	struct env *e = *state;
	struct shmsim_stat s0, s1, s2, s3;
	uint64_t a;
	int fd, ro;

	fd = new_obj(e->p, "/at", SHMSIM_O_RDWR, PS);
	assert_errno(shmsim_shm_open(e->p, "/at", SHMSIM_O_RDONLY, 0, &ro), 0);
	a = map(e->p, 0, PS, R, SH, fd, 0);
	assert_errno(shmsim_fstat(e->p, fd, &s0), 0);
	/* EACCES and the OFF_MAX EINVAL come before the update. */
	assert_errno(shmsim_mmap(e->p, 0, PS, RW, SH, ro, 0, &a), EACCES);
	assert_errno(shmsim_mmap(e->p, 0, PS, R, SH, fd, INT64_MAX, &a),
	    EINVAL);
	assert_errno(shmsim_fstat(e->p, fd, &s1), 0);
	assert_int_equal(ts_cmp(s0.st_atim, s1.st_atim), 0);
	/* MAP_FIXED|MAP_EXCL over the mapping fails in vm_map_insert,
	 * after the update. */
	assert_errno(
	    shmsim_mmap(e->p, a, PS, R, SH | FX | SHMSIM_MAP_EXCL, fd, 0, &a),
	    ENOMEM);
	assert_errno(shmsim_fstat(e->p, fd, &s2), 0);
	assert_true(ts_cmp(s2.st_atim, s1.st_atim) > 0);
	assert_int_equal(ts_cmp(s2.st_mtim, s1.st_mtim), 0);
	assert_int_equal(nlink(e->p, fd), 2);
	/* A success updates it too; nothing else does. */
	(void)map(e->p, 0, PS, R, SH, fd, 0);
	assert_errno(shmsim_fstat(e->p, fd, &s3), 0);
	assert_true(ts_cmp(s3.st_atim, s2.st_atim) > 0);
	assert_errno(shmsim_shm_unlink(e->p, "/at"), 0);
	assert_audit_clean(e->k);
}

/* Mapping beyond the end is allowed; touching it is SIGBUS. */
static void
shm_mmap_beyond_eof(void **state)
{
	struct env *e = *state;
	uint64_t a;
	char buf[8];
	int fd;

	fd = new_obj(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, -1);
	a = map(e->p, 0, 2 * PS, RW, SH, fd, 0);
	assert_int_equal(load_sig(e->p, a, buf, 1), SIGBUS);
	assert_errno(shmsim_ftruncate(e->p, fd, 10), 0);
	/* The whole last page is accessible; the next one is not. */
	assert_int_equal(store_sig(e->p, a + PS - 1, "a", 1), 0);
	assert_int_equal(load_sig(e->p, a + PS, buf, 1), SIGBUS);
	/* A store across the end stores the part before the fault. */
	assert_int_equal(store_sig(e->p, a + PS - 2, "1234", 4), SIGBUS);
	assert_int_equal(load_sig(e->p, a + PS - 2, buf, 2), 0);
	assert_memory_equal(buf, "12", 2);
	/* Unmapped: SIGSEGV, and NULL stays unmapped. */
	assert_int_equal(load_sig(e->p, a + 2 * PS, buf, 1), SIGSEGV);
	assert_int_equal(load_sig(e->p, 0, buf, 1), SIGSEGV);
	assert_int_equal(load_sig(e->p, UINT64_MAX, buf, 2), SIGSEGV);
	/* A zero-length access touches nothing. */
	assert_int_equal(load_sig(e->p, 0, buf, 0), 0);
	assert_errno(shmsim_load(e->p, a, NULL, 1, NULL), EINVAL);
	assert_audit_clean(e->k);
}

/* remap_object */
static void
remap_object(void **state)
{
	struct env *e = *state;
	uint64_t a, b;
	char buf[4];
	int fd;

	fd = new_obj(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, PS);
	a = map(e->p, 0, PS, RW, SH, fd, 0);
	assert_int_equal(store_sig(e->p, a, "\1\2\3\4", 4), 0);
	assert_errno(shmsim_munmap(e->p, a, PS), 0);
	b = map(e->p, 0, PS, RW, SH, fd, 0);
	assert_int_equal(b, a);
	assert_int_equal(load_sig(e->p, b, buf, 4), 0);
	assert_memory_equal(buf, "\1\2\3\4", 4);
	assert_audit_clean(e->k);
}

/* reopen_object, after unmapping and closing. */
static void
reopen_object(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	uint64_t a;
	char buf[4];
	int fd;

	fd = new_obj(e->p, "/reopen", SHMSIM_O_RDWR, PS);
	a = map(e->p, 0, PS, RW, SH, fd, 0);
	assert_int_equal(store_sig(e->p, a, "\1\2\3\4", 4), 0);
	assert_errno(shmsim_munmap(e->p, a, PS), 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_shm_open(e->p, "/reopen", SHMSIM_O_RDONLY, 0, &fd),
	    0);
	a = map(e->p, 0, PS, R, SH, fd, 0);
	assert_int_equal(load_sig(e->p, a, buf, 4), 0);
	assert_memory_equal(buf, "\1\2\3\4", 4);
	assert_errno(shmsim_munmap(e->p, a, PS), 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_shm_unlink(e->p, "/reopen"), 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.objects, 0);
	assert_int_equal(c.pages, 0);
}

/* The memory outlives close and unlink; st_nlink counts the entries. */
static void
mapping_outlives_close_unlink(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	uint64_t a, b;
	char buf[4];
	int fd;

	fd = new_obj(e->p, "/keep", SHMSIM_O_RDWR, PS);
	assert_int_equal(nlink(e->p, fd), 1);
	a = map(e->p, 0, PS, RW, SH, fd, 0);
	b = map(e->p, 0, PS, R, PV, fd, 0);
	assert_int_equal(nlink(e->p, fd), 3);
	assert_int_equal(fdinfo(e->p, fd).obj_ref_count, 3);
	assert_int_equal(store_sig(e->p, a, "kept", 4), 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_shm_unlink(e->p, "/keep"), 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.shm, 0);
	assert_int_equal(c.objects, 1);
	assert_audit_clean(e->k);
	assert_int_equal(load_sig(e->p, b, buf, 4), 0);
	assert_memory_equal(buf, "kept", 4);
	assert_errno(shmsim_munmap(e->p, a, PS), 0);
	assert_errno(shmsim_munmap(e->p, b, PS), 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.objects, 0);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swap_reserved, 0);
}

/* kern_munmap() */
static void
kern_munmap_rules(void **state)
{
	struct env *e = *state;
	uint64_t a;
	int fd;

	fd = new_obj(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 4 * PS);
	a = map(e->p, 0, 4 * PS, RW, SH, fd, 0);
	assert_errno(shmsim_munmap(e->p, a, 0), EINVAL);
	assert_errno(shmsim_munmap(e->p, 0, PS), EINVAL); /* below min */
	assert_errno(shmsim_munmap(e->p, VM_MAXUSER_ADDRESS, PS), EINVAL);
	assert_errno(shmsim_munmap(e->p, UINT64_MAX - PS, 3 * PS), EINVAL);
	/* Holes are fine. */
	assert_errno(shmsim_munmap(e->p, a + 8 * PS, PS), 0);
	/* The middle: two entries, two references. */
	assert_errno(shmsim_munmap(e->p, a + PS + 1, 1), 0);
	assert_int_equal(nlink(e->p, fd), 3);
	assert_errno(shmsim_munmap(e->p, a + 2 * PS, PS), 0);
	assert_int_equal(nlink(e->p, fd), 3);
	assert_errno(shmsim_munmap(e->p, a, 4 * PS), 0);
	assert_int_equal(nlink(e->p, fd), 1);
	assert_audit_clean(e->k);
}

/* kern_mprotect() and vm_map_protect() */
static void
kern_mprotect_rules(void **state)
{
	struct env *e = *state;
	uint64_t a;
	char c;
	int fd;

	fd = new_obj(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 2 * PS);
	a = map(e->p, 0, 2 * PS, R, SH, fd, 0);
	assert_errno(shmsim_mprotect(e->p, a, PS, 0x8), EINVAL);
	assert_errno(shmsim_mprotect(e->p, a, PS, RW | SHMSIM_PROT_MAX(R)),
	    ENOTSUP);
	assert_errno(shmsim_mprotect(e->p, UINT64_MAX - PS, 3 * PS, R), EINVAL);
	assert_errno(shmsim_mprotect(e->p, a, 0, RW), 0);
	assert_int_equal(store_sig(e->p, a, "x", 1), SIGSEGV);
	assert_errno(shmsim_mprotect(e->p, a, PS, RW), 0);
	assert_int_equal(nlink(e->p, fd), 3);
	assert_int_equal(store_sig(e->p, a, "x", 1), 0);
	assert_int_equal(store_sig(e->p, a + PS, "x", 1), SIGSEGV);
	/* Back to one entry: merged. */
	assert_errno(shmsim_mprotect(e->p, a, 2 * PS, R), 0);
	assert_int_equal(nlink(e->p, fd), 2);
	/* PROT_MAX lowers the maximum (PROT_MAX(0) is no PROT_MAX). */
	assert_errno(
	    shmsim_mprotect(e->p, a, PS, SHMSIM_PROT_NONE | SHMSIM_PROT_MAX(R)),
	    0);
	assert_int_equal(load_sig(e->p, a, &c, 1), SIGSEGV);
	assert_errno(shmsim_mprotect(e->p, a, PS, RW), EACCES);
	assert_errno(shmsim_mprotect(e->p, a, PS, R), 0);
	/* EACCES anywhere in the range: nothing changes. */
	assert_errno(shmsim_mprotect(e->p, a, 2 * PS, RW), EACCES);
	assert_int_equal(nlink(e->p, fd), 3);
	assert_int_equal(load_sig(e->p, a + PS, &c, 1), 0);
	assert_audit_clean(e->k);
}

/* Write accounting: writemappings and F_SEAL_WRITE. */
static void
shm_mmap_writecount(void **state)
{
	struct env *e = *state;
	vm_object_t obj;
	struct shmsim_proc *q;
	uint64_t a, b;
	int64_t seals;
	int fd;

	assert_errno(
	    shmsim_memfd_create(e->p, "w", SHMSIM_MFD_ALLOW_SEALING, &fd), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 4 * PS), 0);
	obj = fd_object(e->p, fd);
	a = map(e->p, 0, 4 * PS, R, SH, fd, 0);
	assert_int_equal(obj->writemappings, 4 * PS);
	b = map(e->p, 0, PS, RW, PV, fd, 0);
	assert_int_equal(obj->writemappings, 4 * PS);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_ADD_SEALS,
			 SHMSIM_F_SEAL_WRITE, NULL),
	    EBUSY);
	/* A split keeps the sum; a partial munmap takes its part. */
	assert_errno(shmsim_munmap(e->p, a + PS, PS), 0);
	assert_int_equal(obj->writemappings, 3 * PS);
	/* PROT_MAX without write keeps the count (vm_map_protect). */
	assert_errno(shmsim_mprotect(e->p, a, 4 * PS, R | SHMSIM_PROT_MAX(R)),
	    0);
	assert_int_equal(obj->writemappings, 3 * PS);
	/* fork: the child's shared entries count too. */
	assert_errno(shmsim_fork(e->p, &q), 0);
	assert_int_equal(obj->writemappings, 6 * PS);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
	assert_int_equal(obj->writemappings, 3 * PS);
	assert_errno(shmsim_munmap(e->p, a, 4 * PS), 0);
	assert_int_equal(obj->writemappings, 0);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_ADD_SEALS,
			 SHMSIM_F_SEAL_WRITE, NULL),
	    0);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_GET_SEALS, 0, &seals), 0);
	assert_int_equal(seals, SHMSIM_F_SEAL_WRITE);
	/* Sealed: no shared write, and no write-counted mapping at all. */
	assert_errno(shmsim_mmap(e->p, 0, PS, RW, SH, fd, 0, &a), EACCES);
	a = map(e->p, 0, PS, R, SH, fd, 0);
	assert_int_equal(obj->writemappings, 0);
	assert_errno(shmsim_mprotect(e->p, a, PS, RW), EACCES);
	assert_int_equal(store_sig(e->p, b, "p", 1), 0);
	assert_audit_clean(e->k);
}

/* shm_functionality_across_fork, with mappings. */
static void
shm_functionality_across_fork(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *child;
	char page[PS], buf[PS];
	uint64_t region, pv;
	int fd;

	fd = new_obj(e->p, "/fork", SHMSIM_O_RDWR | SHMSIM_O_EXCL, PS);
	assert_errno(shmsim_shm_unlink(e->p, "/fork"), 0);
	region = map(e->p, 0, PS, RW, SH, fd, 0);
	pv = map(e->p, 0, PS, RW, PV, fd, 0);
	memset(page, 0377, PS);
	assert_int_equal(store_sig(e->p, region, page, PS), 0);
	assert_errno(shmsim_fork(e->p, &child), 0);
	assert_int_equal(load_sig(child, region, buf, PS), 0);
	assert_memory_equal(buf, page, PS);
	memset(page, 0151, PS);
	assert_int_equal(store_sig(child, region, page, PS), 0);
	assert_int_equal(load_sig(e->p, region, buf, PS), 0);
	assert_memory_equal(buf, page, PS);
	/* The private one is copy-on-write in both. */
	assert_int_equal(store_sig(child, pv, "child", 5), 0);
	assert_int_equal(store_sig(e->p, pv, "paren", 5), 0);
	assert_int_equal(load_sig(child, pv, buf, 5), 0);
	assert_memory_equal(buf, "child", 5);
	assert_int_equal(load_sig(e->p, pv, buf, 5), 0);
	assert_memory_equal(buf, "paren", 5);
	/* The shmfd, region in each process, each process's shadow. */
	assert_int_equal(fdinfo(e->p, fd).obj_ref_count, 5);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(child), 0);
	assert_int_equal(fdinfo(e->p, fd).obj_ref_count, 3);
	assert_audit_clean(e->k);
}

/* exec(2) and exit(2) unmap everything. */
static void
vmspace_exec_and_exit(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	struct shmsim_proc *q;
	uint64_t a;
	char b;
	int fd;

	fd = new_obj(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, PS);
	a = map(e->p, 0, PS, RW, SH, fd, 0);
	(void)map(e->p, 0, PS, RW, PV, fd, 0);
	assert_int_equal(store_sig(e->p, a + PS, "s", 1), 0);
	assert_errno(shmsim_fork(e->p, &q), 0);
	assert_errno(shmsim_exec(q), 0);
	assert_int_equal(load_sig(q, a, &b, 1), SIGSEGV);
	assert_int_equal(fdinfo(e->p, fd).obj_ref_count, 3);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_exit(e->p), 0);
	e->p = q;
	shmsim_counters(e->k, &c);
	assert_int_equal(c.objects, 0);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swap_reserved, 0);
	assert_audit_clean(e->k);
}

/* Faults page mapped pages in; pager errors are SIGBUS; no page: ENOMEM */
static void
vm_fault_pagein_and_faults(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	uint64_t a, v, moved;
	char buf[8];
	int fd, sig;

	fd = new_obj(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 2 * PS);
	a = map(e->p, 0, 2 * PS, RW, SH, fd, 0);
	v = map(e->p, 0, 2 * PS, RW, PV, fd, 0);
	assert_int_equal(store_sig(e->p, a, "shared", 6), 0);
	assert_int_equal(store_sig(e->p, v + PS, "privat", 6), 0);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 2);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swapped, 2);
	assert_audit_clean(e->k);
	/* A pager error on pagein: SIGBUS, the page stays on swap. */
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGER_IO, 1, false),
	    0);
	assert_int_equal(load_sig(e->p, a, buf, 6), SIGBUS);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.swapped, 2);
	assert_int_equal(load_sig(e->p, a, buf, 6), 0);
	assert_memory_equal(buf, "shared", 6);
	assert_int_equal(load_sig(e->p, v + PS, buf, 6), 0);
	assert_memory_equal(buf, "privat", 6);
	/* No page to be had: the model's ENOMEM. */
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 1, false),
	    0);
	sig = -1;
	assert_errno(shmsim_load(e->p, a + PS, buf, 1, &sig), ENOMEM);
	assert_int_equal(sig, -1);
	assert_int_equal(load_sig(e->p, a + PS, buf, 1), 0);
	assert_audit_clean(e->k);
}

/* Large pages: shm_mmap_large() */
static int
setup_largepages(void **state)
{
	struct shmsim_config cfg;

	shmsim_config_init(&cfg);
	cfg.page_sizes[1] = 2 * 1024 * 1024;
	*state = env_new(&cfg);
	return (0);
}

static void
shm_mmap_large_rules(void **state)
{
	struct env *e = *state;
	const uint64_t L = 2 * 1024 * 1024;
	uint64_t a, m;
	char buf[2];
	int fd;

	assert_errno(shmsim_shm_open2(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR,
			 0600, SHMSIM_SHM_LARGEPAGE, NULL, &fd),
	    0);
	assert_errno(shmsim_mmap(e->p, 0, L, RW, SH, fd, 0, &a), EINVAL);
	assert_errno(shmsim_ioctl(e->p, fd, SHMSIM_FIOSSHMLPGCNF, 1,
			 SHMSIM_SHM_LARGEPAGE_ALLOC_DEFAULT, NULL),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * L), 0);
	assert_errno(shmsim_mmap(e->p, 0, L, RW, PV, fd, 0, &a), EINVAL);
	assert_errno(shmsim_mmap(e->p, 0, PS, RW, SH, fd, 0, &a), EINVAL);
	assert_errno(shmsim_mmap(e->p, 0, L, RW, SH, fd, PS, &a), EINVAL);
	assert_errno(shmsim_mmap(e->p, BASE + PS, L, RW, SH, fd, 0, &a),
	    EINVAL);
	assert_errno(
	    shmsim_mmap(e->p, 0, L, RW, SH | SHMSIM_MAP_ALIGNED(12), fd, 0, &a),
	    EINVAL);
	m = map(e->p, 0, 2 * L, RW, SH | SHMSIM_MAP_ALIGNED_SUPER, fd, 0);
	assert_int_equal(m % L, 0);
	assert_int_equal(fd_object(e->p, fd)->writemappings, 0);
	assert_int_equal(store_sig(e->p, m + L + 1, "lp", 2), 0);
	assert_errno(shmsim_munmap(e->p, m, PS), EINVAL);
	assert_errno(shmsim_mprotect(e->p, m + PS, PS, R), EINVAL);
	assert_errno(
	    shmsim_mmap(e->p, m, L, R, SH | FX | SHMSIM_MAP_EXCL, fd, 0, &a),
	    ENOSPC);
	assert_errno(shmsim_munmap(e->p, m, L), 0);
	assert_int_equal(map(e->p, m, L, R, SH | FX | SHMSIM_MAP_EXCL, fd, 0),
	    m);
	assert_int_equal(load_sig(e->p, m + L + 1, buf, 2), 0);
	assert_memory_equal(buf, "lp", 2);
	assert_int_equal(nlink(e->p, fd), 3);
	assert_audit_clean(e->k);
}

/* ------------------------------------------------------------------ */
/* Profile 2008                                                       */
/* ------------------------------------------------------------------ */

/* seed-2008 1.7: the size range check of shm_mmap(). */
static void
shm_mmap_2008_size_check(void **state)
{
	struct env *e = *state;
	uint64_t a = 77;
	int fd;

	fd = new_obj(e->p, "/s", SHMSIM_O_RDWR, -1);
	assert_errno(shmsim_mmap(e->p, 0, PS, R, SH, fd, 0, &a), EINVAL);
	/*
	 * foff + objsize > shm_size with no round_page (uipc_shm.c of late
	 * 2008), and objsize already whole pages: 100 bytes cannot be
	 * mapped at all, not even 100 of them.
	 */
	assert_errno(shmsim_ftruncate(e->p, fd, 100), 0);
	assert_errno(shmsim_mmap(e->p, 0, 100, R, SH, fd, 0, &a), EINVAL);
	assert_errno(shmsim_mmap(e->p, 0, PS - 99, R, SH, fd, 99, &a), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS + 100), 0);
	assert_errno(shmsim_mmap(e->p, 0, 3 * PS, R, SH, fd, 0, &a), EINVAL);
	assert_errno(shmsim_mmap(e->p, 0, PS, R, SH, fd, 2 * PS, &a), EINVAL);
	assert_errno(shmsim_mmap(e->p, 0, PS, R, SH, fd, 3 * PS, &a), EINVAL);
	/* PS bytes from offset PS + 99 would be two pages: too many. */
	assert_errno(shmsim_mmap(e->p, 0, PS, R, SH, fd, PS + 99, &a), EINVAL);
	a = map(e->p, 0, 2 * PS, R, SH, fd, 0);
	assert_int_equal(a, BASE);
	a = map(e->p, 0, PS - 99, R, SH, fd, PS + 99);
	assert_int_equal(a, BASE + 2 * PS + 99);
	/*
	 * shm_size was a size_t: on amd64 a negative offset is compared
	 * unsigned, huge, and fails (the sign error is ILP32's).
	 */
	assert_errno(shmsim_mmap(e->p, 0, PS, R, SH, fd, -PS, &a), EINVAL);
	assert_errno(shmsim_mmap(e->p, 0, PS, R, PV, fd, -1, &a), EINVAL);
	/* len 0: nothing mapped, success, the hint back. */
	assert_int_equal(map(e->p, 0, 0, R, SH, fd, 0), BASE);
	assert_int_equal(map(e->p, BASE + 5 * PS, 0, R, SH | FX, fd, 0),
	    BASE + 5 * PS);
	assert_int_equal(fdinfo(e->p, fd).obj_ref_count, 3);
	/* A length of 0 at a page offset rounds to a page, and maps it. */
	assert_int_equal(map(e->p, BASE + 6 * PS + 3, 0, R, SH | FX, fd, 3),
	    BASE + 6 * PS + 3);
	assert_int_equal(fdinfo(e->p, fd).obj_ref_count, 4);
	/* ...but the descriptor is still checked. */
	assert_errno(shmsim_mmap(e->p, 0, 0, R, SH, 99, 0, &a), EBADF);
	assert_errno(shmsim_shm_unlink(e->p, "/s"), 0);
	assert_audit_clean(e->k);
}

/* D41 (B2): EACCES even for MAP_PRIVATE from an O_RDONLY descriptor. */
static void
vm_mmap_shm_2008_eacces_private(void **state)
{
	struct env *e = *state;
	uint64_t a;
	int fd, ro;

	fd = new_obj(e->p, "/b2", SHMSIM_O_RDWR, PS);
	assert_errno(shmsim_shm_open(e->p, "/b2", SHMSIM_O_RDONLY, 0, &ro), 0);
	assert_errno(shmsim_mmap(e->p, 0, PS, RW, PV, ro, 0, &a), EACCES);
	assert_errno(shmsim_mmap(e->p, 0, PS, RW, SH, ro, 0, &a), EACCES);
	a = map(e->p, 0, PS, R, PV, ro, 0);
	/* maxprot came from the descriptor alone: no write, even private. */
	assert_errno(shmsim_mprotect(e->p, a, PS, RW), EACCES);
	a = map(e->p, 0, PS, RW, PV, fd, 0);
	assert_int_equal(store_sig(e->p, a, "p", 1), 0);
	/* Nothing is write-counted in 2008. */
	(void)map(e->p, 0, PS, RW, SH, fd, 0);
	assert_int_equal(fd_object(e->p, fd)->writemappings, 0);
	assert_errno(shmsim_shm_unlink(e->p, "/b2"), 0);
	assert_audit_clean(e->k);
}

/* Unknown prot bits and flags are ignored in 2008; no PROT_MAX. */
static void
kern_mmap_2008_ignores_bits(void **state)
{
	struct env *e = *state;
	uint64_t a, b;
	char c;
	int fd;

	fd = new_obj(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, PS);
	a = map(e->p, 0, PS, R | 0x8 | SHMSIM_PROT_MAX(R), SH | 0x100, fd, 0);
	assert_int_equal(store_sig(e->p, a, "x", 1), SIGSEGV);
	/* MAP_EXCL did not exist: MAP_FIXED replaces. */
	b = map(e->p, a, PS, RW, SH | FX | SHMSIM_MAP_EXCL, fd, 0);
	assert_int_equal(b, a);
	assert_int_equal(store_sig(e->p, a, "x", 1), 0);
	/* Neither shared nor private: private. */
	b = map(e->p, 0, PS, RW, 0, fd, 0);
	assert_int_equal(store_sig(e->p, b, "y", 1), 0);
	assert_int_equal(load_sig(e->p, a, &c, 1), 0);
	assert_int_equal(c, 'x');
	/* mprotect: prot bits beyond READ|WRITE|EXEC dropped too. */
	assert_errno(shmsim_mprotect(e->p, a, PS, R | 0x10000), 0);
	assert_int_equal(store_sig(e->p, a, "x", 1), SIGSEGV);
	assert_audit_clean(e->k);
}

/*
 * The 2008 vm_map_protect() clips the first entry before it checks the
 * protection: a refused mprotect leaves the entry split (one more
 * object reference); today's checks first and changes nothing.
 */
static void
vm_map_protect_2008_clips_first(void **state)
{
	struct env *e = *state;
	uint64_t a;
	int fd, ro;

	fd = new_obj(e->p, "/clip", SHMSIM_O_RDWR, 2 * PS);
	assert_errno(shmsim_shm_open(e->p, "/clip", SHMSIM_O_RDONLY, 0, &ro),
	    0);
	a = map(e->p, 0, 2 * PS, R, SH, ro, 0);
	assert_int_equal(fdinfo(e->p, fd).obj_ref_count, 2);
	assert_errno(shmsim_mprotect(e->p, a + PS, PS, RW), EACCES);
	assert_int_equal(fdinfo(e->p, fd).obj_ref_count, 3);
	/* A successful one simplifies the entries back. */
	assert_errno(shmsim_mprotect(e->p, a, 2 * PS, R), 0);
	assert_int_equal(fdinfo(e->p, fd).obj_ref_count, 2);
	assert_errno(shmsim_shm_unlink(e->p, "/clip"), 0);
	assert_audit_clean(e->k);
}

static void
vm_map_protect_current_checks_first(void **state)
{
	struct env *e = *state;
	uint64_t a;
	int fd, ro;

	fd = new_obj(e->p, "/clip", SHMSIM_O_RDWR, 2 * PS);
	assert_errno(shmsim_shm_open(e->p, "/clip", SHMSIM_O_RDONLY, 0, &ro),
	    0);
	a = map(e->p, 0, 2 * PS, R, SH, ro, 0);
	assert_errno(shmsim_mprotect(e->p, a + PS, PS, RW), EACCES);
	assert_int_equal(nlink(e->p, fd), 2);
	assert_errno(shmsim_shm_unlink(e->p, "/clip"), 0);
}

/* 2008: shrinking under a mapping is SIGBUS, growing reads zeroes. */
static void
object_resize_2008(void **state)
{
	struct env *e = *state;
	uint64_t a;
	char c;
	int fd;

	fd = new_obj(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 2 * PS);
	a = map(e->p, 0, 2 * PS, RW, SH, fd, 0);
	assert_int_equal(store_sig(e->p, a + PS, "2", 1), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, PS), 0);
	assert_int_equal(load_sig(e->p, a + PS, &c, 1), SIGBUS);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), 0);
	assert_int_equal(load_sig(e->p, a + PS, &c, 1), 0);
	assert_int_equal(c, 0);
	assert_audit_clean(e->k);
}

/*
 * shmsim_mapinfo: the entry holding an address and its object's counts.
 * A shared writable mapping holds one object reference and write-counts
 * its bytes; fork copies the entry (one more of each); a private mapping
 * is copy-on-write and write-counts nothing; no mapping is ENOMEM.
 */
static void
mapinfo_counts(void **state)
{
	struct env *e = *state;
	struct shmsim_mapinfo mi;
	struct shmsim_proc *c;
	uint64_t a, b;
	int fd;

	fd = new_obj(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 2 * PS);
	a = map(e->p, 0, 2 * PS, RW, SH, fd, 0);
	assert_errno(shmsim_mapinfo(e->p, a + PS + 7, &mi), 0);
	assert_int_equal(mi.start, a);
	assert_int_equal(mi.end, a + 2 * PS);
	assert_int_equal(mi.offset, 0);
	assert_int_equal(mi.protection, RW);
	assert_false(mi.cow);
	assert_int_equal(mi.ref_count, 2); /* the shmfd's and the entry's */
	assert_int_equal(mi.writemappings, 2 * PS);
	assert_int_equal(mi.shm_refs, 1);
	assert_int_equal(mi.shm_size, 2 * PS);
	assert_errno(shmsim_mapinfo(e->p, a + 2 * PS, &mi), ENOMEM);
	assert_errno(shmsim_mapinfo(e->p, 0, &mi), ENOMEM);

	b = map(e->p, 0, PS, R, PV, fd, PS);
	assert_errno(shmsim_mapinfo(e->p, b, &mi), 0);
	assert_true(mi.cow);
	assert_int_equal(mi.offset, PS);
	assert_int_equal(mi.ref_count, 3);
	assert_int_equal(mi.writemappings, 2 * PS);

	assert_errno(shmsim_fork(e->p, &c), 0);
	assert_errno(shmsim_mapinfo(c, a, &mi), 0);
	assert_int_equal(mi.ref_count, 5);
	assert_int_equal(mi.writemappings, 4 * PS);
	assert_int_equal(mi.shm_refs, 1); /* one file, in both tables */
	assert_int_equal(fdinfo(c, fd).f_count, 2);
	assert_int_equal(fdinfo(c, fd).writemappings, 4 * PS);
	assert_errno(shmsim_exit(c), 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_mapinfo(e->p, a, &mi), 0);
	assert_int_equal(mi.ref_count, 2); /* the shmfd is gone */
	assert_int_equal(mi.shm_refs, 0);
	assert_errno(shmsim_munmap(e->p, a, 2 * PS), 0);
	assert_errno(shmsim_mapinfo(e->p, b, &mi), 0);
	assert_int_equal(mi.ref_count, 1);
	assert_int_equal(mi.writemappings, 0);
	assert_audit_clean(e->k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(kern_mmap_check_order,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(mapinfo_counts, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(kern_mmap_page_offset,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(readonly_mmap_write,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(shm_mmap_atime_even_on_failure,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(shm_mmap_beyond_eof,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(remap_object, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(remap_object, setup_2008,
		    teardown_env),
		cmocka_unit_test_setup_teardown(reopen_object, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(reopen_object, setup_2008,
		    teardown_env),
		cmocka_unit_test_setup_teardown(mapping_outlives_close_unlink,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(kern_munmap_rules,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(kern_mprotect_rules,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(shm_mmap_writecount,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(shm_functionality_across_fork,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(shm_functionality_across_fork,
		    setup_2008, teardown_env),
		cmocka_unit_test_setup_teardown(vmspace_exec_and_exit,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(vmspace_exec_and_exit,
		    setup_2008, teardown_env),
		cmocka_unit_test_setup_teardown(vm_fault_pagein_and_faults,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(vm_fault_pagein_and_faults,
		    setup_2008, teardown_env),
		cmocka_unit_test_setup_teardown(shm_mmap_large_rules,
		    setup_largepages, teardown_env),
		cmocka_unit_test_setup_teardown(shm_mmap_2008_size_check,
		    setup_2008, teardown_env),
		cmocka_unit_test_setup_teardown(vm_mmap_shm_2008_eacces_private,
		    setup_2008, teardown_env),
		cmocka_unit_test_setup_teardown(kern_mmap_2008_ignores_bits,
		    setup_2008, teardown_env),
		cmocka_unit_test_setup_teardown(vm_map_protect_2008_clips_first,
		    setup_2008, teardown_env),
		cmocka_unit_test_setup_teardown(
		    vm_map_protect_current_checks_first, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(object_resize_2008, setup_2008,
		    teardown_env),
	};

	return (cmocka_run_group_tests_name("mmap", tests, NULL, NULL));
}
