/*
 * The rare rows of the calls' errno tables (include/shmsim.h): each row
 * a user can reach gets a test here unless another file has one.  Each
 * failing call is checked to change nothing (counters, descriptors, the
 * auditor).
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"

#define PAGE 4096
#define GB2 UINT64_C(0x80000000)
#define O_RDWR SHMSIM_O_RDWR
#define O_RDONLY SHMSIM_O_RDONLY
#define O_CREAT SHMSIM_O_CREAT
#define RW (SHMSIM_PROT_READ | SHMSIM_PROT_WRITE)

#define assert_counters_unchanged(k, before)            \
	do {                                            \
		struct shmsim_counters _after;          \
                                                        \
		shmsim_counters((k), &_after);          \
		assert_memory_equal(&(before), &_after, \
		    sizeof(struct shmsim_counters));    \
	} while (0)

/*
 * memfd_create(3): a name at an unmapped address is EFAULT (the model's
 * row: libc would fault in strlen(); docs/kernel-map.md), before the
 * flags are looked at; NULL is libc's EBADF.  Nothing is created.
 */
static void
memfd_create_bad_name_pointer(void **state)
{
	struct env *e = *state;
	struct shmsim_counters before;
	int fd = -1;

	shmsim_counters(e->k, &before);
	assert_errno(shmsim_memfd_create(e->p, SHMSIM_BADPTR, 0, &fd), EFAULT);
	assert_errno(
	    shmsim_memfd_create(e->p, (const char *)(uintptr_t)16, 0, &fd),
	    EFAULT);
	assert_errno(shmsim_memfd_create(e->p, SHMSIM_BADPTR, ~0U, &fd),
	    EFAULT);
	assert_errno(shmsim_memfd_create(e->p, NULL, 0, &fd), EBADF);
	assert_int_equal(fd, -1);
	assert_counters_unchanged(e->k, before);
	/* The same call with a good name works. */
	assert_errno(shmsim_memfd_create(e->p, "ok", 0, &fd), 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_audit_clean(e->k);
}

/*
 * mmap(MAP_32BIT | MAP_FIXED) ending above 2 GiB (MAP_32BIT_MAX_ADDR):
 * kern_mmap's EINVAL, checked after the range is found valid and before
 * the descriptor is looked at (a bad fd does not change it).  Ending
 * exactly at 2 GiB passes that check; the model then answers
 * EOPNOTSUPP (MAP_32BIT is not modelled).
 */
static void
mmap_32bit_fixed_above_2g(void **state)
{
	struct env *e = *state;
	struct shmsim_counters before;
	uint64_t addr = 12345;
	int fd, fl = SHMSIM_MAP_SHARED | SHMSIM_MAP_FIXED | SHMSIM_MAP_32BIT;

	fd = anon_object(e, 2 * PAGE);
	shmsim_counters(e->k, &before);
	assert_errno(
	    shmsim_mmap(e->p, GB2 - PAGE, 2 * PAGE, RW, fl, fd, 0, &addr),
	    EINVAL);
	assert_errno(shmsim_mmap(e->p, GB2, PAGE, RW, fl, fd, 0, &addr),
	    EINVAL);
	/* Before the descriptor: EINVAL with a bad one too. */
	assert_errno(
	    shmsim_mmap(e->p, GB2 - PAGE, 2 * PAGE, RW, fl, 99, 0, &addr),
	    EINVAL);
	/* The page offset moves the start, not the end past the limit. */
	assert_errno(
	    shmsim_mmap(e->p, GB2 - PAGE + 100, PAGE, RW, fl, fd, 100, &addr),
	    EINVAL);
	/* Ending at 2 GiB: past the check; not modelled further. */
	assert_errno(
	    shmsim_mmap(e->p, GB2 - 2 * PAGE, 2 * PAGE, RW, fl, fd, 0, &addr),
	    EOPNOTSUPP);
	/* Without MAP_32BIT the same range maps. */
	assert_errno(shmsim_mmap(e->p, GB2 - PAGE, 2 * PAGE, RW,
			 SHMSIM_MAP_SHARED | SHMSIM_MAP_FIXED, fd, 0, &addr),
	    0);
	assert_int_equal(addr, GB2 - PAGE);
	assert_errno(shmsim_munmap(e->p, addr, 2 * PAGE), 0);
	assert_int_equal(addr, GB2 - PAGE);
	assert_counters_unchanged(e->k, before);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_audit_clean(e->k);
}

/*
 * read(2), write(2) and their positioned forms with a count above
 * SSIZE_MAX (IOSIZE_MAX): EINVAL before the descriptor is looked at.
 */
static void
rw_count_above_ssize_max(void **state)
{
	struct env *e = *state;
	struct shmsim_counters before;
	size_t big = (size_t)INT64_MAX + 1, done = 7;
	char buf[4];
	int fd;

	fd = anon_object(e, PAGE);
	shmsim_counters(e->k, &before);
	assert_errno(shmsim_read(e->p, fd, buf, big, &done), EINVAL);
	assert_errno(shmsim_write(e->p, fd, buf, big, &done), EINVAL);
	assert_errno(shmsim_pread(e->p, fd, buf, big, 0, &done), EINVAL);
	assert_errno(shmsim_pwrite(e->p, fd, buf, big, 0, &done), EINVAL);
	assert_errno(shmsim_read(e->p, 99, buf, big, &done), EINVAL);
	assert_errno(shmsim_write(e->p, 99, buf, SIZE_MAX, &done), EINVAL);
	assert_int_equal(done, 7);
	/* SSIZE_MAX itself is a count: at EOF nothing moves. */
	assert_errno(shmsim_pread(e->p, fd, buf, big - 1, PAGE, &done), 0);
	assert_int_equal(done, 0);
	assert_counters_unchanged(e->k, before);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/*
 * store(): NULL buffer with a count is EINVAL; a page that cannot be
 * allocated is ENOMEM, with nothing stored.  peek/poke: EBADF, and a
 * pager error on a swapped page is EIO.
 */
static void
uaccess_and_debug_rows(void **state)
{
	struct env *e = *state;
	uint64_t addr, moved;
	int fd, sig = 0;
	char c = 'x';

	fd = anon_object(e, 2 * PAGE);
	assert_errno(
	    shmsim_mmap(e->p, 0, 2 * PAGE, RW, SHMSIM_MAP_SHARED, fd, 0, &addr),
	    0);
	assert_errno(shmsim_store(e->p, addr, NULL, 1, &sig), EINVAL);
	assert_errno(shmsim_load(e->p, addr, NULL, 1, &sig), EINVAL);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 1, false),
	    0);
	assert_errno(shmsim_store(e->p, addr, "a", 1, &sig), ENOMEM);
	assert_int_equal(env_counters(e).pages, 0);
	assert_errno(shmsim_store(e->p, addr, "a", 1, &sig), 0);
	assert_int_equal(sig, 0);
	assert_int_equal(env_counters(e).pages, 1);
	/* peek and poke */
	assert_errno(shmsim_poke(e->p, 99, 0, "b", 1), EBADF);
	assert_errno(shmsim_peek(e->p, 99, 0, &c, 1), EBADF);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 1);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGER_IO, 1, false),
	    0);
	assert_errno(shmsim_peek(e->p, fd, 0, &c, 1), EIO);
	assert_int_equal(c, 'x');
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGER_IO, 1, false),
	    0);
	assert_errno(shmsim_poke(e->p, fd, 0, "b", 1), EIO);
	assert_int_equal(env_counters(e).swapped, 1);
	/* The page is still on swap, with its byte. */
	assert_errno(shmsim_peek(e->p, fd, 0, &c, 1), 0);
	assert_int_equal(c, 'a');
	shmsim_fault_reset(e->k);
	assert_errno(shmsim_munmap(e->p, addr, 2 * PAGE), 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_audit_clean(e->k);
}

/*
 * ftruncate(2) shrinking a kernel-mapped object (shm_map(): the
 * kernel's own mappings): shm_dotruncate_locked's EBUSY, after the
 * F_SEAL_SHRINK EPERM; growing is fine.  shm_map() has no public entry:
 * the test sets shm_kmappings as it would, and clears it again.
 */
static void
ftruncate_shrink_kmapped_ebusy(void **state)
{
	struct env *e = *state;
	struct proc *p = (struct proc *)e->p;
	struct shmfd *shmfd;
	int fd;

	assert_errno(
	    shmsim_memfd_create(e->p, "k", SHMSIM_MFD_ALLOW_SEALING, &fd), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PAGE), 0);
	shmfd = p->p_fd->fd_ofiles[fd].fde_file->f_data;
	shmfd->shm_kmappings = 1;
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), EBUSY);
	assert_errno(shmsim_ftruncate(e->p, fd, 0), EBUSY);
	assert_errno(shmsim_ftruncate(e->p, fd, 3 * PAGE), 0);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_ADD_SEALS,
			 SHMSIM_F_SEAL_SHRINK, NULL),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), EPERM);
	shmfd->shm_kmappings = 0;
	assert_int_equal(fdinfo(e->p, fd).size, 3 * PAGE);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_audit_clean(e->k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(memfd_create_bad_name_pointer,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(mmap_32bit_fixed_above_2g,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(rw_count_above_ssize_max,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(uaccess_and_debug_rows,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(ftruncate_shrink_kmapped_ebusy,
		    setup_current, teardown_env),
	};

	return (cmocka_run_group_tests_name("errno_rows", tests, NULL, NULL));
}
