/*
 * Behaviour at the edges that the mutation campaign (docs/mutation.md,
 * tools/mutate) found unchecked: each test states a rule a user relies
 * on -- which opens a mode allows, the errno of a call, the bytes and
 * sizes it leaves, descriptor numbers -- over its whole range, not the
 * text of one mutant.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

#define O_RDONLY SHMSIM_O_RDONLY
#define O_RDWR SHMSIM_O_RDWR
#define O_CREAT SHMSIM_O_CREAT
#define O_EXCL SHMSIM_O_EXCL
#define PAGE 4096

static struct env *
env_of(void **state)
{
	return (*state);
}

/* ---------------------------------------------------------------- */
/* Permissions: every mode against every class                       */
/* ---------------------------------------------------------------- */

/*
 * vaccess(9): the class of the caller (owner, else group, else other) is
 * final; O_RDONLY needs its read bit, O_RDWR its read and write bits.
 * Checked for all 512 permission modes and the three classes, against
 * the rule computed here, with a non-root owner so that no privilege
 * hides a wrong bit.
 */
static void
access_matrix_all_modes(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *owner, *member, *other, *who[3];
	static const int shift[3] = { 6, 3, 0 };
	char path[32];
	mode_t mode;
	int c, fd, err, want;

	owner = spawn_as(e->k, 1000, 100, 0);
	member = spawn_as(e->k, 2000, 100, 0);
	other = spawn_as(e->k, 3000, 300, 0);
	who[0] = owner;
	who[1] = member;
	who[2] = other;
	for (mode = 0; mode <= 0777; mode++) {
		snprintf(path, sizeof(path), "/m%03o", (unsigned)mode);
		fd = -1;
		assert_errno(shmsim_shm_open(owner, path,
				 O_RDONLY | O_CREAT | O_EXCL, mode, &fd),
		    0);
		assert_errno(shmsim_close(owner, fd), 0);
		for (c = 0; c < 3; c++) {
			bool r = (mode >> shift[c]) & 04;
			bool w = (mode >> shift[c]) & 02;

			fd = -1;
			err = shmsim_shm_open(who[c], path, O_RDONLY, 0, &fd);
			want = r ? 0 : EACCES;
			if (err != want)
				fail_msg("mode %03o class %d O_RDONLY: %d, "
					 "want %d",
				    (unsigned)mode, c, err, want);
			if (err == 0)
				assert_errno(shmsim_close(who[c], fd), 0);
			fd = -1;
			err = shmsim_shm_open(who[c], path, O_RDWR, 0, &fd);
			want = r && w ? 0 : EACCES;
			if (err != want)
				fail_msg("mode %03o class %d O_RDWR: %d, "
					 "want %d",
				    (unsigned)mode, c, err, want);
			if (err == 0)
				assert_errno(shmsim_close(who[c], fd), 0);
		}
		/* root unlinks whatever the mode */
		assert_errno(shmsim_shm_unlink(e->p, path), 0);
	}
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Descriptor-table boundaries                                       */
/* ---------------------------------------------------------------- */

/*
 * The table starts with 20 slots (kern_descrip.c NDFILE) and at least
 * doubles when a descriptor beyond it is needed.  Descriptors at and
 * around each step -- 19, 20, 39, 40, 79, 80 -- and the last one the
 * limit allows must each hold their own file: its offset (set to the
 * descriptor's number) survives every growth that moved the table, and
 * every file's count is back to one when they close.
 */
static const int edge_fds[] = { 19, 20, 21, 39, 40, 41, 79, 80, 81, 1023 };
#define NEDGE (int)(sizeof(edge_fds) / sizeof(edge_fds[0]))

static int
open_anon(struct shmsim_proc *p)
{
	int fd = -1;

	assert_errno(shmsim_shm_open(p, SHMSIM_SHM_ANON, O_RDWR, 0600, &fd), 0);
	/* a size, so that lseek may set offsets up to it */
	assert_errno(shmsim_ftruncate(p, fd, PAGE), 0);
	return (fd);
}

static void
check_offsets(struct shmsim_proc *p, const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct shmsim_fdinfo fi = fdinfo(p, fds[i]);

		if (fi.f_offset != fds[i])
			fail_msg("fd %d has offset %lld", fds[i],
			    (long long)fi.f_offset);
		assert_int_equal(fi.f_count, 1);
	}
}

static void
fd_table_dup2_at_each_growth_step(void **state)
{
	struct env *e = env_of(state);
	int i, fd, got;
	int64_t off;

	for (i = 0; i < NEDGE; i++) {
		fd = open_anon(e->p);
		assert_int_equal(fd, 0);
		assert_errno(shmsim_dup2(e->p, 0, edge_fds[i], &got), 0);
		assert_int_equal(got, edge_fds[i]);
		assert_errno(shmsim_close(e->p, 0), 0);
		/* its own open file: give it its own offset */
		assert_errno(
		    shmsim_lseek(e->p, got, got, SHMSIM_SEEK_SET, &off), 0);
		check_offsets(e->p, edge_fds, i + 1);
	}
	/* One past the limit (RLIMIT_NOFILE 1024): EBADF, nothing opened. */
	fd = open_anon(e->p);
	got = -7;
	assert_errno(shmsim_dup2(e->p, fd, 1024, &got), EBADF);
	assert_int_equal(got, -7);
	assert_int_equal(fdinfo(e->p, fd).f_count, 1);
	assert_errno(shmsim_close(e->p, fd), 0);
	check_offsets(e->p, edge_fds, NEDGE);
	for (i = 0; i < NEDGE; i++)
		assert_errno(shmsim_close(e->p, edge_fds[i]), 0);
	/* all closed: the lowest free descriptor is 0 again */
	fd = open_anon(e->p);
	assert_int_equal(fd, 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_audit_clean(e->k);
}

/*
 * F_DUPFD gives the lowest free descriptor >= arg: exactly arg at each
 * step of the table, the next one when arg is taken, EINVAL for an arg
 * at the limit, EMFILE when everything from arg to the limit is taken.
 */
static void
fd_table_f_dupfd_at_each_growth_step(void **state)
{
	struct env *e = env_of(state);
	int64_t got;
	int i, fd;

	fd = open_anon(e->p);
	assert_int_equal(fd, 0);
	for (i = 0; i < NEDGE; i++) {
		assert_errno(
		    shmsim_fcntl(e->p, 0, SHMSIM_F_DUPFD, edge_fds[i], &got),
		    0);
		assert_int_equal(got, edge_fds[i]);
	}
	/* 20 is taken: the next free one above it */
	assert_errno(shmsim_fcntl(e->p, 0, SHMSIM_F_DUPFD, 20, &got), 0);
	assert_int_equal(got, 22);
	/* 1023 is taken and is the last: EMFILE */
	got = -7;
	assert_errno(shmsim_fcntl(e->p, 0, SHMSIM_F_DUPFD, 1023, &got), EMFILE);
	assert_errno(shmsim_fcntl(e->p, 0, SHMSIM_F_DUPFD, 1024, &got), EINVAL);
	assert_errno(shmsim_fcntl(e->p, 0, SHMSIM_F_DUPFD, -1, &got), EINVAL);
	assert_int_equal(got, -7);
	/* 0, the ten edges and 22 */
	assert_int_equal(fdinfo(e->p, 0).f_count, NEDGE + 2);
	assert_errno(shmsim_close(e->p, 22), 0);
	for (i = 0; i < NEDGE; i++)
		assert_errno(shmsim_close(e->p, edge_fds[i]), 0);
	assert_int_equal(fdinfo(e->p, 0).f_count, 1);
	assert_audit_clean(e->k);
}

/*
 * Opens fill the table from 0 upwards across its first growth: each
 * gets the lowest free descriptor; a hole left by a close is filled
 * first; at the per-process limit an open fails with EMFILE and leaves
 * nothing behind.  A fork copies the grown table whole.
 */
static void
fd_table_opens_fill_across_growth_and_limit(void **state)
{
	struct shmsim_config cfg;
	struct env *e = env_of(state);
	struct shmsim_proc *child;
	struct shmsim_counters before, after;
	int i, fd;
	int64_t off;

	cfg = *shmsim_kernel_config(e->k);
	cfg.max_fds = 41; /* descriptors 0..40: one past the first growth */
	env_free(e);
	*state = e = env_new(&cfg);
	for (i = 0; i < 41; i++) {
		fd = open_anon(e->p);
		assert_int_equal(fd, i);
		assert_errno(shmsim_lseek(e->p, fd, i, SHMSIM_SEEK_SET, &off),
		    0);
	}
	shmsim_counters(e->k, &before);
	fd = -7;
	assert_errno(shmsim_shm_open(e->p, SHMSIM_SHM_ANON, O_RDWR, 0600, &fd),
	    EMFILE);
	assert_int_equal(fd, -7);
	assert_errno(shmsim_dup(e->p, 3, &fd), EMFILE);
	shmsim_counters(e->k, &after);
	assert_int_equal(memcmp(&before, &after, sizeof(before)), 0);
	/* holes at 20 and 40 (the last) are filled lowest first */
	assert_errno(shmsim_close(e->p, 40), 0);
	assert_errno(shmsim_close(e->p, 20), 0);
	assert_int_equal(open_anon(e->p), 20);
	assert_int_equal(open_anon(e->p), 40);
	for (i = 0; i < 41; i++)
		assert_errno(shmsim_lseek(e->p, i, i, SHMSIM_SEEK_SET, &off),
		    0);
	assert_errno(shmsim_fork(e->p, &child), 0);
	for (i = 0; i < 41; i++) {
		struct shmsim_fdinfo fi = fdinfo(child, i);

		assert_int_equal(fi.f_offset, i);
		assert_int_equal(fi.f_count, 2);
	}
	fd = -7;
	assert_errno(shmsim_shm_open(child, SHMSIM_SHM_ANON, O_RDWR, 0600, &fd),
	    EMFILE);
	assert_errno(shmsim_exit(child), 0);
	for (i = 0; i < 41; i++)
		assert_int_equal(fdinfo(e->p, i).f_count, 1);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* The simulated clock                                               */
/* ---------------------------------------------------------------- */

/*
 * docs/kernel-map.md: vfs_timestamp() is a simulated clock with a fixed
 * epoch, 2008-01-08 00:00:00 UTC, advancing 1 us per reading, so that
 * runs and dumps are reproducible.  A fresh kernel's first object is
 * born at epoch + 1 us with its other times equal; the next object's
 * birth is the next reading; every time is a valid timespec.
 */
#define EPOCH_SEC 1199750400LL

static void
clock_fixed_epoch_one_microsecond_per_reading(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_stat sb1, sb2;
	int fd1 = -1, fd2 = -1;

	assert_errno(shmsim_shm_open(e->p, "/t1", O_RDWR | O_CREAT, 0600, &fd1),
	    0);
	assert_errno(shmsim_fstat(e->p, fd1, &sb1), 0);
	assert_int_equal(sb1.st_birthtim.tv_sec, EPOCH_SEC);
	assert_int_equal(sb1.st_birthtim.tv_nsec, 1000);
	assert_int_equal(sb1.st_atim.tv_sec, EPOCH_SEC);
	assert_int_equal(sb1.st_atim.tv_nsec, 1000);
	assert_int_equal(sb1.st_mtim.tv_nsec, 1000);
	assert_int_equal(sb1.st_ctim.tv_nsec, 1000);
	assert_errno(shmsim_shm_open(e->p, "/t2", O_RDWR | O_CREAT, 0600, &fd2),
	    0);
	assert_errno(shmsim_fstat(e->p, fd2, &sb2), 0);
	assert_int_equal(sb2.st_birthtim.tv_sec, EPOCH_SEC);
	assert_int_equal(sb2.st_birthtim.tv_nsec, 2000);
	/* a change reads the clock again: later, still a valid timespec */
	assert_errno(shmsim_ftruncate(e->p, fd1, PAGE), 0);
	assert_errno(shmsim_fstat(e->p, fd1, &sb1), 0);
	assert_int_equal(sb1.st_ctim.tv_sec, EPOCH_SEC);
	assert_true(sb1.st_ctim.tv_nsec > 2000);
	assert_true(sb1.st_ctim.tv_nsec < 1000000000L);
	assert_int_equal(sb1.st_ctim.tv_nsec % 1000, 0);
	assert_errno(shmsim_shm_unlink(e->p, "/t1"), 0);
	assert_errno(shmsim_shm_unlink(e->p, "/t2"), 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(access_matrix_all_modes,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(
		    clock_fixed_epoch_one_microsecond_per_reading,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(
		    fd_table_dup2_at_each_growth_step, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(
		    fd_table_f_dupfd_at_each_growth_step, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(
		    fd_table_opens_fill_across_growth_and_limit, setup_current,
		    teardown_env),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
