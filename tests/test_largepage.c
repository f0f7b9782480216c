/*
 * Large-page shared memory objects (freebsd-shm-semantics.md sections
 * 2.3 step 9, 2.7 shm_dotruncate_largepage, 2.8 st_blocks, 2.12, 2.14,
 * 2.15 and 2.18): SHM_LARGEPAGE is ENOTTY without large page sizes; an
 * object must be given its page size by FIOSSHMLPGCNF (once) before it
 * can be sized or written; sizes are whole large pages, allocated eagerly
 * and wired, never swapped, never shrunk (ENOTSUP); an allocation failure
 * keeps the pages already added; F_SEAL_WRITE is ENOTSUP; memfd_create's
 * MFD_HUGETLB maps a page size to its index.  The kernels here have
 * pagesizes {4K, 2M} ("lp2") or {4K, 2M, 1G} ("lp3"), as amd64 has.
 * Every test audits as it goes and tears down leak-free (teardown_env).
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_var.h"

#define PAGE 4096
#define MB2 (INT64_C(2) << 20)
#define GB1 (INT64_C(1) << 30)
#define UNTOUCHED (-12345)

#define O_RDONLY SHMSIM_O_RDONLY
#define O_RDWR SHMSIM_O_RDWR
#define O_CREAT SHMSIM_O_CREAT
#define ANON SHMSIM_SHM_ANON
#define LARGEPAGE SHMSIM_SHM_LARGEPAGE
#define ALLOW_SEALING SHMSIM_SHM_ALLOW_SEALING
#define SETCNF SHMSIM_FIOSSHMLPGCNF
#define GETCNF SHMSIM_FIOGSHMLPGCNF
#define DEFAULT SHMSIM_SHM_LARGEPAGE_ALLOC_DEFAULT
#define NOWAIT SHMSIM_SHM_LARGEPAGE_ALLOC_NOWAIT
#define HARD SHMSIM_SHM_LARGEPAGE_ALLOC_HARD

/* memfd_create(3) size bits: log2(size) << MFD_HUGE_SHIFT (26). */
#define MFD_HUGE_4KB (12U << 26)
#define MFD_HUGE_2MB (21U << 26)
#define MFD_HUGE_1GB (30U << 26)

/* ---------------------------------------------------------------- */
/* Fixtures and helpers                                             */
/* ---------------------------------------------------------------- */

static int
setup_sizes(void **state, uint64_t l1, uint64_t l2)
{
	struct shmsim_config cfg;

	shmsim_config_init(&cfg);
	cfg.page_sizes[0] = cfg.page_size;
	cfg.page_sizes[1] = l1;
	cfg.page_sizes[2] = l2;
	*state = env_new(&cfg);
	return (0);
}

static int
setup_lp2(void **state)
{
	return (setup_sizes(state, (uint64_t)MB2, 0));
}

static int
setup_lp3(void **state)
{
	return (setup_sizes(state, (uint64_t)MB2, (uint64_t)GB1));
}

static struct env *
env_of(void **state)
{
	return (*state);
}

static struct shmsim_counters
counters(struct shmsim_kernel *k)
{
	struct shmsim_counters c;

	shmsim_counters(k, &c);
	return (c);
}

#define assert_counters_equal(a, b) \
	assert_memory_equal(&(a), &(b), sizeof(struct shmsim_counters))

/* shm_open2(SHM_ANON, O_RDWR, 0600, SHM_LARGEPAGE | extra, NULL). */
static int
lp_open(struct shmsim_proc *p, int extra)
{
	int fd = UNTOUCHED;

	assert_errno(shmsim_shm_open2(p, ANON, O_RDWR, 0600, LARGEPAGE | extra,
			 NULL, &fd),
	    0);
	assert_true(fd >= 0);
	return (fd);
}

static int
setcnf(struct shmsim_proc *p, int fd, int psind, int policy)
{
	return (shmsim_ioctl(p, fd, SETCNF, psind, policy, NULL));
}

static int64_t
getcnf(struct shmsim_proc *p, int fd)
{
	int64_t v = -1;

	assert_errno(shmsim_ioctl(p, fd, GETCNF, 0, 0, &v), 0);
	return (v);
}

/* A large-page object of psind, size bytes. */
static int
lp_sized(struct shmsim_proc *p, int psind, int64_t size)
{
	int fd = lp_open(p, 0);

	assert_errno(setcnf(p, fd, psind, DEFAULT), 0);
	assert_errno(shmsim_ftruncate(p, fd, size), 0);
	return (fd);
}

static struct shmfd *
shmfd_of(struct shmsim_proc *sp, int fd)
{
	struct proc *p = (struct proc *)sp;

	assert_true(fd >= 0 && fd < p->p_fd->fd_nfiles);
	assert_non_null(p->p_fd->fd_ofiles[fd].fde_file);
	return (p->p_fd->fd_ofiles[fd].fde_file->f_data);
}

static struct shmsim_stat
stat_of(struct shmsim_proc *p, int fd)
{
	struct shmsim_stat sb;

	assert_errno(shmsim_fstat(p, fd, &sb), 0);
	return (sb);
}

static int64_t
seals_of(struct shmsim_proc *p, int fd)
{
	int64_t v = -1;

	assert_errno(shmsim_fcntl(p, fd, SHMSIM_F_GET_SEALS, 0, &v), 0);
	return (v);
}

static int
add_seals(struct shmsim_proc *p, int fd, int seals)
{
	return (shmsim_fcntl(p, fd, SHMSIM_F_ADD_SEALS, seals, NULL));
}

static uint64_t
largepages(struct shmsim_kernel *k, int psind)
{
	return (atomic_load(&k->count_largepages[psind]));
}

/* Size, st_blocks, resident pages and the object's base-page size. */
#define assert_lp_size(p, fd, size, npages, psize)                          \
	assert_lp_size_impl((p), (fd), (size), (npages), (psize), __FILE__, \
	    __LINE__)
static void
assert_lp_size_impl(struct shmsim_proc *p, int fd, int64_t size, int64_t npages,
    int64_t psize, const char *file, int line)
{
	struct shmsim_stat sb;
	struct shmsim_fdinfo fi;

	assert_errno_impl(shmsim_fstat(p, fd, &sb), 0, "fstat", file, line);
	assert_errno_impl(shmsim_fdinfo(p, fd, &fi), 0, "fdinfo", file, line);
	if (sb.st_size != size || sb.st_blocks != npages || fi.size != size ||
	    fi.resident != (uint64_t)npages || fi.swapped != 0 ||
	    fi.charge != 0 ||
	    fi.obj_size != (uint64_t)(npages * (psize / PAGE))) {
		print_error("st_size %jd st_blocks %jd resident %ju swapped "
			    "%ju charge %ju obj_size %ju; want size %jd, %jd "
			    "large pages of %jd\n",
		    (intmax_t)sb.st_size, (intmax_t)sb.st_blocks,
		    (uintmax_t)fi.resident, (uintmax_t)fi.swapped,
		    (uintmax_t)fi.charge, (uintmax_t)fi.obj_size,
		    (intmax_t)size, (intmax_t)npages, (intmax_t)psize);
		_fail(file, line);
	}
}

static void
pwrite_ok(struct shmsim_proc *p, int fd, const void *buf, size_t n, int64_t off,
    size_t want)
{
	size_t done = 12345;

	assert_errno(shmsim_pwrite(p, fd, buf, n, off, &done), 0);
	assert_int_equal(done, want);
}

static void
pread_is(struct shmsim_proc *p, int fd, int64_t off, const void *want, size_t n)
{
	char buf[64];
	size_t done = 12345;

	assert_true(n <= sizeof(buf));
	assert_errno(shmsim_pread(p, fd, buf, n, off, &done), 0);
	assert_int_equal(done, n);
	assert_memory_equal(buf, want, n);
}

/* ---------------------------------------------------------------- */
/* No large pages: ENOTTY (section 2.2 step 5)                      */
/* ---------------------------------------------------------------- */

static void
largepage_enotty_without_large_pages(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	int fd = UNTOUCHED, ofd;

	before = counters(e->k);
	assert_errno(
	    shmsim_shm_open2(e->p, ANON, O_RDWR, 0600, LARGEPAGE, NULL, &fd),
	    ENOTTY);
	assert_errno(shmsim_shm_open2(e->p, "/lp", O_RDWR | O_CREAT, 0600,
			 LARGEPAGE, NULL, &fd),
	    ENOTTY);
	/* Before the path is copied in. */
	assert_errno(shmsim_shm_open2(e->p, SHMSIM_BADPTR, O_RDWR | O_CREAT,
			 0600, LARGEPAGE, NULL, &fd),
	    ENOTTY);
	/* After the shmflags and the open flags. */
	assert_errno(shmsim_shm_open2(e->p, ANON, O_RDWR, 0600, LARGEPAGE | 0x8,
			 NULL, &fd),
	    EINVAL);
	assert_errno(shmsim_shm_open2(e->p, ANON, SHMSIM_O_WRONLY, 0600,
			 LARGEPAGE, NULL, &fd),
	    EINVAL);
	assert_errno(shmsim_shm_open2(e->p, ANON, O_RDWR | SHMSIM_O_APPEND,
			 0600, LARGEPAGE, NULL, &fd),
	    EINVAL);
	/* memfd_create passes the kernel's ENOTTY on. */
	assert_errno(shmsim_memfd_create(e->p, "m",
			 SHMSIM_MFD_HUGETLB | MFD_HUGE_2MB, &fd),
	    ENOTTY);
	assert_int_equal(fd, UNTOUCHED);
	after = counters(e->k);
	assert_counters_equal(before, after);

	/* The configuration pair is ENOTTY on an ordinary object. */
	ofd = UNTOUCHED;
	assert_errno(shmsim_shm_open(e->p, ANON, O_RDWR, 0600, &ofd), 0);
	assert_errno(setcnf(e->p, ofd, 1, DEFAULT), ENOTTY);
	assert_errno(shmsim_ioctl(e->p, ofd, GETCNF, 0, 0, NULL), ENOTTY);
	assert_audit_clean(e->k);
}

/* FIOSSHMLPGCNF on an ordinary object of a kernel that has large pages. */
static void
shm_ioctl_largepage_conf_ordinary_object(void **state)
{
	struct env *e = env_of(state);
	int64_t v = UNTOUCHED;
	int fd = UNTOUCHED, mfd = UNTOUCHED;

	assert_errno(shmsim_shm_open(e->p, ANON, O_RDWR, 0600, &fd), 0);
	assert_errno(setcnf(e->p, fd, 1, DEFAULT), ENOTTY);
	assert_errno(shmsim_ioctl(e->p, fd, GETCNF, 0, 0, &v), ENOTTY);
	assert_int_equal(v, UNTOUCHED);
	assert_errno(shmsim_memfd_create(e->p, "plain", 0, &mfd), 0);
	assert_errno(setcnf(e->p, mfd, 1, DEFAULT), ENOTTY);
	/* Other commands still behave as on any shm file. */
	assert_errno(shmsim_ioctl(e->p, fd, SHMSIM_FIONREAD, 0, 0, NULL),
	    ENOTTY);
	assert_errno(setcnf(e->p, 99, 1, DEFAULT), EBADF);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Before FIOSSHMLPGCNF (section 2.18)                              */
/* ---------------------------------------------------------------- */

static void
largepage_unconfigured(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_stat sb;
	char buf[4];
	size_t done = 12345;
	int fd = lp_open(e->p, 0);

	assert_int_equal(getcnf(e->p, fd), 0);
	assert_int_equal(shmfd_of(e->p, fd)->shm_lp_alloc_policy, DEFAULT);
	assert_errno(shmsim_ftruncate(e->p, fd, MB2), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, 1), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, 0), 0); /* same size */
	assert_errno(shmsim_write(e->p, fd, "x", 1, &done), EINVAL);
	assert_errno(shmsim_pwrite(e->p, fd, "x", 1, 0, &done), EINVAL);
	assert_errno(shmsim_write(e->p, fd, "", 0, &done), EINVAL);
	assert_int_equal(done, 12345);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, MB2), EINVAL);
	/* Reads see an empty object. */
	assert_errno(shmsim_pread(e->p, fd, buf, sizeof(buf), 0, &done), 0);
	assert_int_equal(done, 0);
	sb = stat_of(e->p, fd);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(sb.st_blocks, 0);
	assert_int_equal(sb.st_mode, SHMSIM_S_IFREG | 0600);
	assert_lp_size(e->p, fd, 0, 0, MB2);
	assert_int_equal(counters(e->k).pages, 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* FIOSSHMLPGCNF / FIOGSHMLPGCNF (section 2.15)                     */
/* ---------------------------------------------------------------- */

static void
shm_ioctl_largepage_conf(void **state)
{
	struct env *e = env_of(state);
	struct shmfd *shmfd;
	int fd = lp_open(e->p, 0), rfd = UNTOUCHED;

	shmfd = shmfd_of(e->p, fd);
	/* Bad page size indexes: the base page, out of range, size 0. */
	assert_errno(setcnf(e->p, fd, 0, DEFAULT), EINVAL);
	assert_errno(setcnf(e->p, fd, -1, DEFAULT), EINVAL);
	assert_errno(setcnf(e->p, fd, 2, DEFAULT), EINVAL); /* lp2: 0 */
	assert_errno(setcnf(e->p, fd, 3, DEFAULT), EINVAL);
	assert_errno(setcnf(e->p, fd, 1000, DEFAULT), EINVAL);
	/* Bad policies. */
	assert_errno(setcnf(e->p, fd, 1, 3), EINVAL);
	assert_errno(setcnf(e->p, fd, 1, -1), EINVAL);
	assert_int_equal(getcnf(e->p, fd), 0);
	assert_int_equal(shmfd->shm_lp_alloc_policy, DEFAULT);
	assert_audit_clean(e->k);

	assert_errno(setcnf(e->p, fd, 1, NOWAIT), 0);
	assert_int_equal(getcnf(e->p, fd), 1);
	assert_int_equal(shmfd->shm_lp_alloc_policy, NOWAIT);
	assert_int_equal(shmfd->shm_object->psind, 1);
	/* The same psind again, with any policy; the policy changes. */
	assert_errno(setcnf(e->p, fd, 1, HARD), 0);
	assert_int_equal(shmfd->shm_lp_alloc_policy, HARD);
	assert_errno(setcnf(e->p, fd, 1, DEFAULT), 0);
	assert_int_equal(shmfd->shm_lp_alloc_policy, DEFAULT);
	/* A different psind, even a bad one: EINVAL, nothing changes. */
	assert_errno(setcnf(e->p, fd, 0, NOWAIT), EINVAL);
	assert_errno(setcnf(e->p, fd, 2, NOWAIT), EINVAL);
	assert_errno(setcnf(e->p, fd, 1, 7), EINVAL);
	assert_int_equal(getcnf(e->p, fd), 1);
	assert_int_equal(shmfd->shm_lp_alloc_policy, DEFAULT);
	/* Once sized, the policy still changes. */
	assert_errno(shmsim_ftruncate(e->p, fd, MB2), 0);
	assert_errno(setcnf(e->p, fd, 1, NOWAIT), 0);
	assert_int_equal(shmfd->shm_lp_alloc_policy, NOWAIT);
	assert_lp_size(e->p, fd, MB2, 1, MB2);
	assert_audit_clean(e->k);

	/* A read-only descriptor may read and set the configuration. */
	assert_errno(shmsim_shm_open2(e->p, "/lp", O_RDWR | O_CREAT, 0644,
			 LARGEPAGE, NULL, &rfd),
	    0);
	assert_errno(shmsim_close(e->p, rfd), 0);
	assert_errno(shmsim_shm_open(e->p, "/lp", O_RDONLY, 0, &rfd), 0);
	assert_int_equal(getcnf(e->p, rfd), 0);
	assert_errno(setcnf(e->p, rfd, 1, DEFAULT), 0);
	assert_int_equal(getcnf(e->p, rfd), 1);
	assert_errno(shmsim_ftruncate(e->p, rfd, MB2), EINVAL); /* !FWRITE */
	assert_errno(shmsim_shm_unlink(e->p, "/lp"), 0);
	assert_audit_clean(e->k);
}

/* lp3: either large size may be chosen, once per object. */
static void
shm_ioctl_largepage_conf_1g(void **state)
{
	struct env *e = env_of(state);
	int a = lp_open(e->p, 0), b = lp_open(e->p, 0);

	assert_errno(setcnf(e->p, a, 3, DEFAULT), EINVAL);
	assert_errno(setcnf(e->p, a, 2, DEFAULT), 0);
	assert_int_equal(getcnf(e->p, a), 2);
	assert_errno(setcnf(e->p, a, 1, DEFAULT), EINVAL);
	assert_errno(setcnf(e->p, b, 1, DEFAULT), 0);
	assert_errno(setcnf(e->p, b, 2, DEFAULT), EINVAL);
	assert_int_equal(getcnf(e->p, b), 1);
	/* 1G objects take 1G multiples only. */
	assert_errno(shmsim_ftruncate(e->p, a, MB2), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, a, GB1 + MB2), EINVAL);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* shm_dotruncate_largepage (section 2.7), st_blocks (2.8)          */
/* ---------------------------------------------------------------- */

static void
shm_dotruncate_largepage_sizes(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_stat before, sb;
	struct shmsim_counters c;
	int fd = lp_open(e->p, 0);

	assert_errno(setcnf(e->p, fd, 1, DEFAULT), 0);
	before = stat_of(e->p, fd);
	/* Sizes not a multiple of 2M. */
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, 1), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, MB2 / 2), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, MB2 + PAGE), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, 3 * MB2 - 1), EINVAL);
	assert_lp_size(e->p, fd, 0, 0, MB2);
	assert_int_equal(counters(e->k).pages, 0);

	/* Growth allocates every large page at once. */
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * MB2), 0);
	assert_lp_size(e->p, fd, 2 * MB2, 2, MB2);
	c = counters(e->k);
	assert_int_equal(c.pages, 2);
	assert_int_equal(c.swapped, 0);
	assert_int_equal(c.swap_reserved, 0);
	assert_int_equal(largepages(e->k, 1), 2);
	assert_audit_clean(e->k);
	/* No timestamp changes. */
	sb = stat_of(e->p, fd);
	assert_memory_equal(&sb.st_mtim, &before.st_mtim, sizeof(sb.st_mtim));
	assert_memory_equal(&sb.st_ctim, &before.st_ctim, sizeof(sb.st_ctim));
	assert_int_equal(sb.st_blksize, PAGE);

	assert_errno(shmsim_ftruncate(e->p, fd, 3 * MB2), 0);
	assert_lp_size(e->p, fd, 3 * MB2, 3, MB2);
	assert_int_equal(largepages(e->k, 1), 3);
	/* Same size: 0. */
	assert_errno(shmsim_ftruncate(e->p, fd, 3 * MB2), 0);
	/* Shrinking: ENOTSUP; the alignment is checked first. */
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * MB2), ENOTSUP);
	assert_errno(shmsim_ftruncate(e->p, fd, 0), ENOTSUP);
	assert_errno(shmsim_ftruncate(e->p, fd, MB2 + PAGE), EINVAL);
	assert_lp_size(e->p, fd, 3 * MB2, 3, MB2);
	assert_audit_clean(e->k);
	/* The front end's checks come first. */
	assert_errno(shmsim_ftruncate(e->p, fd, -1), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, 42, MB2), EBADF);
	assert_audit_clean(e->k);
}

/* F_SEAL_SHRINK and F_SEAL_GROW: EPERM; F_SEAL_WRITE: ENOTSUP (2.14). */
static void
shm_dotruncate_largepage_seals(void **state)
{
	struct env *e = env_of(state);
	int plain = lp_open(e->p, 0), fd = lp_open(e->p, ALLOW_SEALING);

	/* Without SHM_ALLOW_SEALING F_SEAL_SEAL is set: EPERM. */
	assert_int_equal(seals_of(e->p, plain), SHMSIM_F_SEAL_SEAL);
	assert_errno(add_seals(e->p, plain, SHMSIM_F_SEAL_SHRINK), EPERM);
	assert_errno(add_seals(e->p, plain, SHMSIM_F_SEAL_WRITE), EPERM);

	assert_int_equal(seals_of(e->p, fd), 0);
	assert_errno(setcnf(e->p, fd, 1, DEFAULT), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * MB2), 0);
	/* F_SEAL_WRITE is refused, and nothing else in the call is added. */
	assert_errno(add_seals(e->p, fd, SHMSIM_F_SEAL_WRITE), ENOTSUP);
	assert_errno(
	    add_seals(e->p, fd, SHMSIM_F_SEAL_WRITE | SHMSIM_F_SEAL_SHRINK),
	    ENOTSUP);
	assert_int_equal(seals_of(e->p, fd), 0);
	assert_audit_clean(e->k);

	assert_errno(shmsim_ftruncate(e->p, fd, MB2), ENOTSUP);
	assert_errno(add_seals(e->p, fd, SHMSIM_F_SEAL_SHRINK), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, MB2), EPERM);
	assert_errno(shmsim_ftruncate(e->p, fd, 0), EPERM);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * MB2), 0);
	/* Growth is still allowed. */
	assert_errno(shmsim_ftruncate(e->p, fd, 3 * MB2), 0);
	assert_errno(add_seals(e->p, fd, SHMSIM_F_SEAL_GROW), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 4 * MB2), EPERM);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, 4 * MB2), EPERM);
	assert_errno(shmsim_ftruncate(e->p, fd, 3 * MB2), 0);
	/* Writes inside the object are not sealed. */
	pwrite_ok(e->p, fd, "w", 1, 0, 1);
	assert_lp_size(e->p, fd, 3 * MB2, 3, MB2);
	/* F_SEAL_WRITE stays refused, even with F_SEAL_SEAL beside it. */
	assert_errno(
	    add_seals(e->p, fd, SHMSIM_F_SEAL_WRITE | SHMSIM_F_SEAL_SEAL),
	    ENOTSUP);
	assert_int_equal(seals_of(e->p, fd),
	    SHMSIM_F_SEAL_SHRINK | SHMSIM_F_SEAL_GROW);
	assert_errno(add_seals(e->p, fd, SHMSIM_F_SEAL_SEAL), 0);
	assert_errno(add_seals(e->p, fd, SHMSIM_F_SEAL_WRITE), EPERM);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Data (section 2.9 on large pages)                                */
/* ---------------------------------------------------------------- */

static void
largepage_read_write_across_pages(void **state)
{
	struct env *e = env_of(state);
	static const char zeros[8];
	char buf[8];
	size_t done;
	int64_t off = -1;
	int fd = lp_sized(e->p, 1, 2 * MB2);

	/* Eight bytes straddling the 2M boundary. */
	pwrite_ok(e->p, fd, "ABCDEFGH", 8, MB2 - 4, 8);
	pread_is(e->p, fd, MB2 - 4, "ABCDEFGH", 8);
	pread_is(e->p, fd, MB2, "EFGH", 4);
	pread_is(e->p, fd, MB2 - 8, "\0\0\0\0ABCD", 8);
	/* Both ends of the object; an untouched middle reads as zeroes. */
	pwrite_ok(e->p, fd, "<", 1, 0, 1);
	pread_is(e->p, fd, 0, "<", 1);
	pread_is(e->p, fd, MB2 / 2 + 3, zeros, 8);
	/* No growth on write: a write past the end moves what fits. */
	pwrite_ok(e->p, fd, "wxyz", 4, 2 * MB2 - 2, 2);
	pread_is(e->p, fd, 2 * MB2 - 2, "wx", 2);
	pwrite_ok(e->p, fd, "!", 1, 2 * MB2, 0);
	assert_errno(shmsim_pread(e->p, fd, buf, 8, 2 * MB2 - 1, &done), 0);
	assert_int_equal(done, 1);
	assert_memory_equal(buf, "x", 1);
	/* write(2) through the file offset, across the boundary. */
	assert_errno(shmsim_lseek(e->p, fd, MB2 - 1, SHMSIM_SEEK_SET, &off), 0);
	assert_errno(shmsim_write(e->p, fd, "12", 2, &done), 0);
	assert_int_equal(done, 2);
	assert_errno(shmsim_lseek(e->p, fd, 0, SHMSIM_SEEK_CUR, &off), 0);
	assert_int_equal(off, MB2 + 1);
	pread_is(e->p, fd, MB2 - 2, "C12F", 4);
	/* A debugger's view agrees. */
	assert_errno(shmsim_peek(e->p, fd, (uint64_t)MB2 - 1, buf, 2), 0);
	assert_memory_equal(buf, "12", 2);
	/* Nothing was allocated by the I/O: the pages were there. */
	assert_lp_size(e->p, fd, 2 * MB2, 2, MB2);
	assert_int_equal(counters(e->k).pages, 2);
	assert_audit_clean(e->k);
}

/* One 1G page: bytes at both ends and across a 2M boundary inside it. */
static void
largepage_1g_page(void **state)
{
	struct env *e = env_of(state);
	int fd = lp_sized(e->p, 2, GB1);

	assert_lp_size(e->p, fd, GB1, 1, GB1);
	assert_int_equal(largepages(e->k, 2), 1);
	assert_int_equal(largepages(e->k, 1), 0);
	assert_int_equal(counters(e->k).pages, 1);
	pwrite_ok(e->p, fd, "abcd", 4, MB2 - 2, 4);
	pwrite_ok(e->p, fd, "end", 3, GB1 - 3, 3);
	pread_is(e->p, fd, MB2 - 2, "abcd", 4);
	pread_is(e->p, fd, GB1 - 3, "end", 3);
	assert_errno(shmsim_ftruncate(e->p, fd, GB1 / 2), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, 0), ENOTSUP);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_int_equal(largepages(e->k, 2), 0);
	assert_int_equal(counters(e->k).pages, 0);
	assert_audit_clean(e->k);
}

/* The pagedaemon leaves wired large pages alone. */
static void
largepage_pageout_skips(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fi;
	uint64_t moved = 99;
	int lp = lp_sized(e->p, 1, 2 * MB2), ord = UNTOUCHED;

	pwrite_ok(e->p, lp, "big", 3, MB2, 3);
	assert_errno(shmsim_shm_open(e->p, ANON, O_RDWR, 0600, &ord), 0);
	assert_errno(shmsim_ftruncate(e->p, ord, 2 * PAGE), 0);
	pwrite_ok(e->p, ord, "a", 1, 0, 1);
	pwrite_ok(e->p, ord, "b", 1, PAGE, 1);
	assert_int_equal(counters(e->k).pages, 4);

	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 2);
	fi = fdinfo(e->p, ord);
	assert_int_equal(fi.resident, 0);
	assert_int_equal(fi.swapped, 2);
	assert_lp_size(e->p, lp, 2 * MB2, 2, MB2);
	assert_int_equal(counters(e->k).swapped, 2);
	assert_int_equal(counters(e->k).pages, 2);
	/* Nothing else to move. */
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 0);
	pread_is(e->p, lp, MB2, "big", 3);
	pread_is(e->p, ord, PAGE, "b", 1);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Allocation failure: partial growth persists (section 2.7)        */
/* ---------------------------------------------------------------- */

static void
shm_dotruncate_largepage_alloc_failure(void **state)
{
	struct env *e = env_of(state);
	int fd = lp_open(e->p, 0);

	assert_errno(setcnf(e->p, fd, 1, NOWAIT), 0);
	/* Grow by 3 pages; the 2nd allocation fails: 1 page is kept. */
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 2, false),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, 3 * MB2), ENOMEM);
	assert_lp_size(e->p, fd, MB2, 1, MB2);
	assert_int_equal(largepages(e->k, 1), 1);
	assert_int_equal(counters(e->k).pages, 1);
	assert_audit_clean(e->k);
	/* The fault was once: the same call now completes. */
	assert_errno(shmsim_ftruncate(e->p, fd, 3 * MB2), 0);
	assert_lp_size(e->p, fd, 3 * MB2, 3, MB2);
	assert_audit_clean(e->k);

	/* A failure at the first page changes nothing, whatever policy. */
	assert_errno(setcnf(e->p, fd, 1, HARD), 0);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 1, true),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, 5 * MB2), ENOMEM);
	assert_lp_size(e->p, fd, 3 * MB2, 3, MB2);
	/* posix_fallocate reports it as ENOSPC (section 2.12). */
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, 5 * MB2), ENOSPC);
	assert_lp_size(e->p, fd, 3 * MB2, 3, MB2);
	assert_audit_clean(e->k);

	/* fallocate's partial growth persists too. */
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 3, false),
	    0);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 3 * MB2, 3 * MB2),
	    ENOSPC);
	assert_lp_size(e->p, fd, 5 * MB2, 5, MB2);
	shmsim_fault_reset(e->k);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 3 * MB2, 3 * MB2), 0);
	assert_lp_size(e->p, fd, 6 * MB2, 6, MB2);
	assert_int_equal(largepages(e->k, 1), 6);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* SHM_LARGEPAGE | SHM_GROW_ON_WRITE (shm_write's growth)           */
/* ---------------------------------------------------------------- */

/*
 * A write that grows a large-page object goes through
 * shm_dotruncate_cookie() to shm_dotruncate_largepage(): the new size
 * must be whole large pages (EINVAL, nothing written, otherwise), the
 * pages come at once, wired, with no swap charge and no timestamp
 * change; an allocation failure keeps the pages already added.  The swap
 * truncate would have grown the object to any byte size and charged
 * swap for it.
 */
static void
shm_write_grow_largepage(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_stat s1, s2;
	size_t done = 12345;
	int fd = lp_open(e->p, SHMSIM_SHM_GROW_ON_WRITE);

	/* No page size yet: shm_write's own EINVAL. */
	assert_errno(shmsim_pwrite(e->p, fd, "x", 1, 0, &done), EINVAL);
	assert_int_equal(done, 12345);
	assert_errno(setcnf(e->p, fd, 1, NOWAIT), 0);
	/* An unaligned new end: EINVAL from the large-page truncate. */
	assert_errno(shmsim_pwrite(e->p, fd, "abc", 3, 0, &done), EINVAL);
	assert_errno(shmsim_write(e->p, fd, "abc", 3, &done), EINVAL);
	assert_errno(shmsim_pwrite(e->p, fd, "abc", 3, MB2, &done), EINVAL);
	assert_int_equal(done, 12345);
	assert_lp_size(e->p, fd, 0, 0, MB2);
	assert_int_equal(counters(e->k).swap_reserved, 0);
	/* Ending on a large-page boundary: grows, page by page. */
	s1 = stat_of(e->p, fd);
	pwrite_ok(e->p, fd, "tail", 4, MB2 - 4, 4);
	assert_lp_size(e->p, fd, MB2, 1, MB2);
	pread_is(e->p, fd, MB2 - 4, "tail", 4);
	pread_is(e->p, fd, 0, "\0\0\0\0", 4);
	pwrite_ok(e->p, fd, "XY", 2, 3 * MB2 - 2, 2);
	assert_lp_size(e->p, fd, 3 * MB2, 3, MB2);
	assert_int_equal(largepages(e->k, 1), 3);
	assert_int_equal(counters(e->k).swap_reserved, 0);
	s2 = stat_of(e->p, fd);
	assert_memory_equal(&s1.st_ctim, &s2.st_ctim, sizeof(s1.st_ctim));
	/* Inside the size: any length, no growth. */
	pwrite_ok(e->p, fd, "mid", 3, MB2 + 5, 3);
	pread_is(e->p, fd, MB2 + 5, "mid", 3);
	assert_lp_size(e->p, fd, 3 * MB2, 3, MB2);
	/* write(2) from the file offset grows the same way. */
	assert_errno(shmsim_lseek(e->p, fd, 3 * MB2 - 1, SHMSIM_SEEK_SET, NULL),
	    0);
	assert_errno(shmsim_write(e->p, fd, "12", 2, &done), EINVAL);
	assert_errno(shmsim_write(e->p, fd, "1", 1, &done), 0);
	assert_int_equal(done, 1);
	assert_lp_size(e->p, fd, 3 * MB2, 3, MB2);
	/* Partial growth persists: the second of two pages fails. */
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 2, false),
	    0);
	assert_errno(shmsim_pwrite(e->p, fd, "z", 1, 5 * MB2 - 1, &done),
	    ENOMEM);
	assert_lp_size(e->p, fd, 4 * MB2, 4, MB2);
	shmsim_fault_reset(e->k);
	assert_audit_clean(e->k);
}

/* The same flags on a named object, with sealing: F_SEAL_GROW holds. */
static void
shm_write_grow_largepage_sealed(void **state)
{
	struct env *e = env_of(state);
	size_t done = 12345;
	int fd = UNTOUCHED;

	assert_errno(shmsim_shm_open2(e->p, "/lpgow", O_RDWR | O_CREAT, 0600,
			 LARGEPAGE | SHMSIM_SHM_GROW_ON_WRITE | ALLOW_SEALING,
			 NULL, &fd),
	    0);
	assert_errno(setcnf(e->p, fd, 1, DEFAULT), 0);
	pwrite_ok(e->p, fd, "a", 1, MB2 - 1, 1);
	assert_errno(add_seals(e->p, fd, SHMSIM_F_SEAL_GROW), 0);
	assert_errno(shmsim_pwrite(e->p, fd, "b", 1, 2 * MB2 - 1, &done),
	    EPERM);
	assert_int_equal(done, 12345);
	assert_lp_size(e->p, fd, MB2, 1, MB2);
	assert_int_equal(seals_of(e->p, fd), SHMSIM_F_SEAL_GROW);
	pwrite_ok(e->p, fd, "c", 1, 0, 1);
	pread_is(e->p, fd, 0, "c", 1);
	assert_errno(shmsim_shm_unlink(e->p, "/lpgow"), 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* shm_mmap_large placement: the retry from the bottom of the map   */
/* ---------------------------------------------------------------- */

#define VM_MAX_USER UINT64_C(0x800000000000) /* vm_map.h VM_MAXUSER_ADDRESS */
#define RD SHMSIM_PROT_READ
#define SHARED SHMSIM_MAP_SHARED
#define FIXED SHMSIM_MAP_FIXED

/*
 * Without MAP_FIXED, shm_mmap_large() looks for a large-page-aligned
 * range from the hint (0: the end of the heap, SHMSIM_MMAP_BASE) up; when
 * nothing fits there, it tries again from the bottom of the map
 * (vm_map_min(), rounded as "(addr + mask) & mask", which
 * vm_map_find_aligned() realigns); when that fails too, ENOMEM.  The map
 * above the heap is filled by one ordinary mapping that leaves a gap at
 * the top too small for an aligned large page.
 */
static void
shm_mmap_large_retry_from_bottom(void **state)
{
	struct env *e = env_of(state);
	uint64_t a = 0, low = 0, top, base = SHMSIM_MMAP_BASE;
	int lp, ord;

	lp = lp_sized(e->p, 1, MB2);
	ord = anon_object(e, PAGE);
	/* [base, top) mapped; [top, VM_MAX_USER) is 2M - 4K: no 2M fits. */
	top = VM_MAX_USER - (uint64_t)MB2 + PAGE;
	assert_errno(
	    shmsim_mmap(e->p, base, top - base, RD, SHARED | FIXED, ord, 0, &a),
	    0);
	assert_int_equal(a, base);
	/* The first attempt fails above the heap: the second from the bottom
	 * maps at the first aligned address, 2M. */
	assert_errno(shmsim_mmap(e->p, 0, MB2, RD, SHARED, lp, 0, &low), 0);
	assert_int_equal(low, MB2);
	/* A hint inside the full range: the same retry, the next fit. */
	assert_errno(
	    shmsim_mmap(e->p, base + 64 * MB2, MB2, RD, SHARED, lp, 0, &a), 0);
	assert_int_equal(a, 2 * MB2);
	assert_int_equal(fdinfo(e->p, lp).obj_ref_count, 3);
	/* The mapping is the object's: its bytes read through it. */
	pwrite_ok(e->p, lp, "lp", 2, 0, 2);
	{
		char buf[2];
		int sig = -1;

		assert_errno(shmsim_load(e->p, low, buf, 2, &sig), 0);
		assert_int_equal(sig, 0);
		assert_memory_equal(buf, "lp", 2);
	}
	/* Fill the bottom as well: both attempts fail, ENOMEM. */
	assert_errno(shmsim_mmap(e->p, 3 * MB2, base - 3 * MB2, RD,
			 SHARED | FIXED, ord, 0, &a),
	    0);
	a = 12345;
	assert_errno(shmsim_mmap(e->p, 0, MB2, RD, SHARED, lp, 0, &a), ENOMEM);
	assert_int_equal(a, 12345);
	assert_int_equal(fdinfo(e->p, lp).obj_ref_count, 3);
	/* Free one slot at the bottom: the retry finds it again. */
	assert_errno(shmsim_munmap(e->p, low, MB2), 0);
	assert_errno(shmsim_mmap(e->p, 0, MB2, RD, SHARED, lp, 0, &a), 0);
	assert_int_equal(a, MB2);
	assert_audit_clean(e->k);
	assert_errno(shmsim_munmap(e->p, PAGE, VM_MAX_USER - PAGE), 0);
	assert_int_equal(fdinfo(e->p, lp).obj_ref_count, 1);
	assert_errno(shmsim_close(e->p, ord), 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* posix_fallocate (section 2.12)                                   */
/* ---------------------------------------------------------------- */

static void
shm_fallocate_largepage(void **state)
{
	struct env *e = env_of(state);
	int fd = lp_open(e->p, 0);

	assert_errno(setcnf(e->p, fd, 1, DEFAULT), 0);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, MB2), 0);
	assert_lp_size(e->p, fd, MB2, 1, MB2);
	assert_errno(shmsim_posix_fallocate(e->p, fd, MB2, MB2), 0);
	assert_lp_size(e->p, fd, 2 * MB2, 2, MB2);
	/* Inside the object: nothing to do, whatever the alignment. */
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, PAGE), 0);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 5, MB2 + 7), 0);
	assert_lp_size(e->p, fd, 2 * MB2, 2, MB2);
	/* Growth to an unaligned end: EINVAL. */
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, 3 * MB2 - PAGE),
	    EINVAL);
	assert_errno(shmsim_posix_fallocate(e->p, fd, 2 * MB2 - PAGE, 2 * PAGE),
	    EINVAL);
	assert_lp_size(e->p, fd, 2 * MB2, 2, MB2);
	/* Unaligned start, aligned end: fine. */
	assert_errno(shmsim_posix_fallocate(e->p, fd, MB2 + 1, 2 * MB2 - 1), 0);
	assert_lp_size(e->p, fd, 3 * MB2, 3, MB2);
	/* The front end's checks. */
	assert_errno(shmsim_posix_fallocate(e->p, fd, 0, 0), EINVAL);
	assert_errno(shmsim_posix_fallocate(e->p, fd, -1, MB2), EINVAL);
	assert_audit_clean(e->k);
}

/*
 * fspacectl on a large-page object.  The kernel's behaviour is
 * unverified (section 2.13); this pins the model's XXX(model) choice in
 * shm_deallocate(): the bytes are zeroed, the wired pages and the size
 * stay.
 */
static void
shm_deallocate_largepage_model(void **state)
{
	struct env *e = env_of(state);
	static const char zeros[8];
	int64_t roff = -1, rlen = -1;
	int fd = lp_sized(e->p, 1, 2 * MB2);

	pwrite_ok(e->p, fd, "ABCDEFGH", 8, MB2 - 4, 8);
	assert_errno(shmsim_fspacectl(e->p, fd, SHMSIM_SPACECTL_DEALLOC,
			 MB2 - 2, 4, 0, &roff, &rlen),
	    0);
	assert_int_equal(roff, MB2 + 2);
	assert_int_equal(rlen, 0);
	pread_is(e->p, fd, MB2 - 4, "AB\0\0\0\0GH", 8);
	/* A whole large page punched: zeroes, still resident. */
	assert_errno(shmsim_fspacectl(e->p, fd, SHMSIM_SPACECTL_DEALLOC, 0, MB2,
			 0, &roff, &rlen),
	    0);
	pread_is(e->p, fd, MB2 - 4, zeros, 4);
	pread_is(e->p, fd, MB2 + 2, "GH", 2);
	assert_lp_size(e->p, fd, 2 * MB2, 2, MB2);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* memfd_create(MFD_HUGETLB) (section 2.3 step 9)                   */
/* ---------------------------------------------------------------- */

static void
memfd_create_hugetlb(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	struct shmsim_stat sb;
	int64_t v = -1;
	size_t done = 12345;
	int fd = UNTOUCHED, sfd = UNTOUCHED, nfd = UNTOUCHED;

	assert_errno(shmsim_memfd_create(e->p, "huge",
			 SHMSIM_MFD_HUGETLB | MFD_HUGE_2MB, &fd),
	    0);
	assert_int_equal(fd, 0);
	assert_int_equal(getcnf(e->p, fd), 1);
	assert_int_equal(shmfd_of(e->p, fd)->shm_lp_alloc_policy, DEFAULT);
	sb = stat_of(e->p, fd);
	assert_int_equal(sb.st_mode, SHMSIM_S_IFREG | 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(seals_of(e->p, fd), SHMSIM_F_SEAL_SEAL);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_GETFD, 0, &v), 0);
	assert_int_equal(v, 0);
	/* SHM_LARGEPAGE instead of SHM_GROW_ON_WRITE: no growth on write. */
	assert_int_equal(shmfd_of(e->p, fd)->shm_flags, LARGEPAGE);
	assert_errno(shmsim_write(e->p, fd, "x", 1, &done), 0);
	assert_int_equal(done, 0);
	assert_errno(shmsim_ftruncate(e->p, fd, MB2), 0);
	assert_lp_size(e->p, fd, MB2, 1, MB2);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), EINVAL);
	assert_audit_clean(e->k);

	/* Sealable, close-on-exec. */
	assert_errno(shmsim_memfd_create(e->p, "huge2",
			 SHMSIM_MFD_HUGETLB | MFD_HUGE_2MB |
			     SHMSIM_MFD_ALLOW_SEALING | SHMSIM_MFD_CLOEXEC,
			 &sfd),
	    0);
	assert_int_equal(sfd, 1);
	assert_int_equal(seals_of(e->p, sfd), 0);
	assert_errno(shmsim_fcntl(e->p, sfd, SHMSIM_F_GETFD, 0, &v), 0);
	assert_int_equal(v, SHMSIM_FD_CLOEXEC);
	assert_errno(add_seals(e->p, sfd, SHMSIM_F_SEAL_WRITE), ENOTSUP);
	assert_audit_clean(e->k);

	/* Page sizes not supported: EOPNOTSUPP, the descriptor closed. */
	before = counters(e->k);
	nfd = UNTOUCHED;
	assert_errno(shmsim_memfd_create(e->p, "one", SHMSIM_MFD_HUGETLB, &nfd),
	    EOPNOTSUPP);
	assert_errno(shmsim_memfd_create(e->p, "one",
			 SHMSIM_MFD_HUGETLB | MFD_HUGE_1GB, &nfd),
	    EOPNOTSUPP);
	assert_errno(shmsim_memfd_create(e->p, "one",
			 SHMSIM_MFD_HUGETLB | SHMSIM_MFD_CLOEXEC, &nfd),
	    EOPNOTSUPP);
	/* The base page size is found, but psind 0 is the kernel's EINVAL. */
	assert_errno(shmsim_memfd_create(e->p, "base",
			 SHMSIM_MFD_HUGETLB | MFD_HUGE_4KB, &nfd),
	    EINVAL);
	/* libc's own checks. */
	assert_errno(shmsim_memfd_create(e->p, "bits", MFD_HUGE_2MB, &nfd),
	    EINVAL);
	assert_errno(shmsim_memfd_create(e->p, NULL,
			 SHMSIM_MFD_HUGETLB | MFD_HUGE_2MB, &nfd),
	    EBADF);
	assert_int_equal(nfd, UNTOUCHED);
	after = counters(e->k);
	assert_counters_equal(before, after);
	assert_errno(shmsim_fcntl(e->p, 2, SHMSIM_F_GETFD, 0, &v), EBADF);
	/* The lowest free descriptor is still 2. */
	assert_errno(shmsim_shm_open(e->p, ANON, O_RDWR, 0600, &nfd), 0);
	assert_int_equal(nfd, 2);
	assert_audit_clean(e->k);
}

/* lp3: MFD_HUGE_1GB is index 2. */
static void
memfd_create_hugetlb_1g(void **state)
{
	struct env *e = env_of(state);
	int fd = UNTOUCHED, fd2 = UNTOUCHED;

	assert_errno(shmsim_memfd_create(e->p, "g",
			 SHMSIM_MFD_HUGETLB | MFD_HUGE_1GB, &fd),
	    0);
	assert_int_equal(getcnf(e->p, fd), 2);
	assert_errno(shmsim_memfd_create(e->p, "m",
			 SHMSIM_MFD_HUGETLB | MFD_HUGE_2MB, &fd2),
	    0);
	assert_int_equal(getcnf(e->p, fd2), 1);
	assert_errno(shmsim_ftruncate(e->p, fd, MB2), EINVAL);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Lifetime: the last reference frees the large pages               */
/* ---------------------------------------------------------------- */

static void
largepage_freed_on_last_close(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *child;
	struct shmsim_counters c;
	int fd = UNTOUCHED, dfd = UNTOUCHED, rfd = UNTOUCHED, bad = UNTOUCHED;

	assert_errno(shmsim_shm_open2(e->p, "/huge", O_RDWR | O_CREAT, 0600,
			 LARGEPAGE, NULL, &fd),
	    0);
	assert_errno(setcnf(e->p, fd, 1, DEFAULT), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * MB2), 0);
	pwrite_ok(e->p, fd, "kept", 4, MB2, 4);
	/* Reopened by name: shmflags 0 matches, others must be equal. */
	assert_errno(shmsim_shm_open2(e->p, "/huge", O_RDWR, 0, ALLOW_SEALING,
			 NULL, &bad),
	    EINVAL);
	assert_errno(shmsim_shm_open2(e->p, "/huge", O_RDWR, 0,
			 LARGEPAGE | ALLOW_SEALING, NULL, &bad),
	    EINVAL);
	assert_int_equal(bad, UNTOUCHED);
	assert_errno(shmsim_shm_open(e->p, "/huge", O_RDWR, 0, &rfd), 0);
	assert_int_equal(getcnf(e->p, rfd), 1);
	pread_is(e->p, rfd, MB2, "kept", 4);
	assert_errno(shmsim_close(e->p, rfd), 0);
	assert_errno(
	    shmsim_shm_open2(e->p, "/huge", O_RDWR, 0, LARGEPAGE, NULL, &rfd),
	    0);
	assert_errno(shmsim_close(e->p, rfd), 0);

	/* The name alone keeps the pages. */
	assert_errno(shmsim_dup(e->p, fd, &dfd), 0);
	assert_errno(shmsim_fork(e->p, &child), 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_close(e->p, dfd), 0);
	assert_errno(shmsim_exit(child), 0);
	c = counters(e->k);
	assert_int_equal(c.pages, 2);
	assert_int_equal(c.files, 0);
	assert_int_equal(largepages(e->k, 1), 2);
	assert_audit_clean(e->k);
	assert_errno(shmsim_shm_open(e->p, "/huge", O_RDONLY, 0, &rfd), 0);
	pread_is(e->p, rfd, MB2, "kept", 4);
	assert_errno(shmsim_shm_unlink(e->p, "/huge"), 0);
	assert_int_equal(counters(e->k).pages, 2);
	assert_errno(shmsim_close(e->p, rfd), 0);
	c = counters(e->k);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.objects, 0);
	assert_int_equal(c.shm, 0);
	assert_int_equal(largepages(e->k, 1), 0);
	assert_audit_clean(e->k);

	/* Left open at teardown: destroy frees them without a leak. */
	(void)lp_sized(e->p, 1, 3 * MB2);
	assert_audit_clean(e->k);
}

#define LP2(f)                                       \
	{                                            \
#f, f, setup_lp2, teardown_env, NULL \
	}
#define LP3(f)                                       \
	{                                            \
#f, f, setup_lp3, teardown_env, NULL \
	}
#define LP3_TOO(f)                                          \
	{                                                   \
#f "_lp3", f, setup_lp3, teardown_env, NULL \
	}
#define NOLP(f)                                          \
	{                                                \
#f, f, setup_current, teardown_env, NULL \
	}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		NOLP(largepage_enotty_without_large_pages),
		LP2(shm_ioctl_largepage_conf_ordinary_object),
		LP2(largepage_unconfigured),
		LP3_TOO(largepage_unconfigured),
		LP2(shm_ioctl_largepage_conf),
		LP3(shm_ioctl_largepage_conf_1g),
		LP2(shm_dotruncate_largepage_sizes),
		LP3_TOO(shm_dotruncate_largepage_sizes),
		LP2(shm_dotruncate_largepage_seals),
		LP2(largepage_read_write_across_pages),
		LP3(largepage_1g_page),
		LP2(largepage_pageout_skips),
		LP2(shm_dotruncate_largepage_alloc_failure),
		LP2(shm_fallocate_largepage),
		LP2(shm_write_grow_largepage),
		LP2(shm_write_grow_largepage_sealed),
		LP2(shm_mmap_large_retry_from_bottom),
		LP2(shm_deallocate_largepage_model),
		LP2(memfd_create_hugetlb),
		LP3(memfd_create_hugetlb_1g),
		LP2(largepage_freed_on_last_close),
	};

	return (cmocka_run_group_tests_name("largepage", tests, NULL, NULL));
}
