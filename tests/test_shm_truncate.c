/*
 * ftruncate(2), fstat(2), read(2)/write(2)/pread(2)/pwrite(2)/lseek(2) on
 * shared memory objects: kern_ftruncate() and shm_dotruncate_locked()
 * (today) or shm_dotruncate_2008(), shm_stat(), shm_read(), shm_write(),
 * shm_seek() and uiomove_object().  See freebsd-shm-semantics.md 2.7-2.9
 * and seed-2008-version.md 1.6.
 */
#include "helpers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PS 4096 /* the default page size */

static int
setup_cfg(void **state, enum shmsim_profile profile, uint32_t page_size,
    uint64_t swap_pages)
{
	struct shmsim_config cfg;

	shmsim_config_init(&cfg);
	cfg.profile = profile;
	if (page_size != 0)
		cfg.page_size = page_size;
	if (swap_pages != 0)
		cfg.swap_pages = swap_pages;
	*state = env_new(&cfg);
	return (0);
}

static int
setup_swap4(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_CURRENT, 0, 4));
}

static int
setup_2008_swap4(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_2008, 0, 4));
}

static int
setup_16k(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_CURRENT, 16384, 0));
}

static int
setup_2008_16k(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_2008, 16384, 0));
}

/* The byte at absolute offset off of pattern seed: never zero. */
static struct shmsim_stat
stat_of(struct env *e, int fd)
{
	struct shmsim_stat sb;

	assert_errno(shmsim_fstat(e->p, fd, &sb), 0);
	return (sb);
}

static bool
ts_eq(struct shmsim_timespec a, struct shmsim_timespec b)
{
	return (a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec);
}

static bool
ts_lt(struct shmsim_timespec a, struct shmsim_timespec b)
{
	return (a.tv_sec < b.tv_sec ||
	    (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec));
}

static void
assert_times_same(const struct shmsim_stat *a, const struct shmsim_stat *b)
{
	assert_true(ts_eq(a->st_atim, b->st_atim));
	assert_true(ts_eq(a->st_mtim, b->st_mtim));
	assert_true(ts_eq(a->st_ctim, b->st_ctim));
	assert_true(ts_eq(a->st_birthtim, b->st_birthtim));
}

/* Everything a failed call must leave as it was. */
struct snap {
	struct shmsim_fdinfo fi;
	struct shmsim_counters c;
	struct shmsim_stat sb;
};

static void
snap_take(struct env *e, int fd, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->fi = fdinfo(e->p, fd);
	shmsim_counters(e->k, &s->c);
	s->sb = stat_of(e, fd);
}

static void
snap_assert_same(struct env *e, int fd, const struct snap *b)
{
	struct snap n;

	snap_take(e, fd, &n);
	assert_int_equal(n.fi.size, b->fi.size);
	assert_int_equal(n.fi.obj_size, b->fi.obj_size);
	assert_int_equal(n.fi.resident, b->fi.resident);
	assert_int_equal(n.fi.swapped, b->fi.swapped);
	assert_int_equal(n.fi.charge, b->fi.charge);
	assert_int_equal(n.fi.f_offset, b->fi.f_offset);
	assert_int_equal(n.c.objects, b->c.objects);
	assert_int_equal(n.c.pages, b->c.pages);
	assert_int_equal(n.c.swapped, b->c.swapped);
	assert_int_equal(n.c.swap_reserved, b->c.swap_reserved);
	assert_int_equal(n.sb.st_size, b->sb.st_size);
	assert_int_equal(n.sb.st_blocks, b->sb.st_blocks);
	assert_times_same(&n.sb, &b->sb);
	assert_audit_clean(e->k);
}

/* A named object open O_RDWR (*rw) and O_RDONLY (*ro). */
static void
open_rw_ro(struct env *e, const char *path, int *rw, int *ro)
{
	assert_errno(shmsim_shm_open(e->p, path, SHMSIM_O_RDWR | SHMSIM_O_CREAT,
			 0600, rw),
	    0);
	assert_errno(shmsim_shm_open(e->p, path, SHMSIM_O_RDONLY, 0, ro), 0);
}

/* ---------------------------------------------------------------- */
/* ftruncate: front end                                             */
/* ---------------------------------------------------------------- */

/* EINVAL for a negative length comes before the descriptor lookup. */
static void
kern_ftruncate_negative_length_before_ebadf(void **state)
{
	struct env *e = *state;
	int fd;

	assert_errno(shmsim_ftruncate(e->p, 999, -1), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, -1, INT64_MIN), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, 999, 0), EBADF);
	assert_errno(shmsim_ftruncate(e->p, -1, 0), EBADF);
	fd = anon_object(e, 100);
	assert_errno(shmsim_ftruncate(e->p, fd, -1), EINVAL);
	assert_int_equal(fdinfo(e->p, fd).size, 100);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 0), EBADF);
}

/* Not open for writing: EINVAL, deliberately not EBADF. */
static void
kern_ftruncate_rdonly_einval(void **state)
{
	struct env *e = *state;
	struct snap before;
	int rw, ro;

	open_rw_ro(e, "/trunc", &rw, &ro);
	assert_errno(shmsim_ftruncate(e->p, rw, 100), 0);
	snap_take(e, ro, &before);
	assert_errno(shmsim_ftruncate(e->p, ro, 200), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, ro, 0), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, ro, 100), EINVAL);
	snap_assert_same(e, ro, &before);
	assert_errno(shmsim_shm_unlink(e->p, "/trunc"), 0);
	assert_errno(shmsim_close(e->p, ro), 0);
	assert_errno(shmsim_close(e->p, rw), 0);
}

/* ---------------------------------------------------------------- */
/* ftruncate: size, reservation, timestamps                         */
/* ---------------------------------------------------------------- */

/* Growth reserves whole pages of swap and allocates no page. */
static void
shm_dotruncate_grow_reserves_swap(void **state)
{
	struct env *e = *state;
	struct shmsim_fdinfo fi;
	struct shmsim_counters c;
	int fd;

	fd = anon_object(e, 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.charge, 0);
	assert_int_equal(fi.obj_size, 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 3 * PS + 1), 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.size, 3 * PS + 1);
	assert_int_equal(fi.obj_size, 4);
	assert_int_equal(fi.charge, 4 * PS);
	assert_int_equal(fi.resident, 0);
	c = env_counters(e);
	assert_int_equal(c.swap_reserved, 4 * PS);
	assert_int_equal(c.pages, 0);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_SWAP_RESERVE), 1);
	/* Growth within the last page reserves nothing more. */
	assert_errno(shmsim_ftruncate(e->p, fd, 4 * PS), 0);
	assert_int_equal(fdinfo(e->p, fd).charge, 4 * PS);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_SWAP_RESERVE), 1);
	assert_errno(shmsim_ftruncate(e->p, fd, 4 * PS + 1), 0);
	assert_int_equal(fdinfo(e->p, fd).charge, 5 * PS);
	assert_int_equal(env_counters(e).swap_reserved, 5 * PS);
	assert_int_equal(stat_of(e, fd).st_size, 4 * PS + 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_int_equal(env_counters(e).swap_reserved, 0);
}

/* A grow that needs no new page never reaches swap_reserve_by_cred(). */
static void
shm_dotruncate_grow_within_page_no_reserve(void **state)
{
	struct env *e = *state;
	int fd;

	fd = anon_object(e, 1);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_SWAP_RESERVE, 1, true),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, PS), 0);
	assert_int_equal(fdinfo(e->p, fd).size, PS);
	assert_int_equal(fdinfo(e->p, fd).charge, PS);
	assert_errno(shmsim_ftruncate(e->p, fd, PS + 1), ENOMEM);
	assert_int_equal(fdinfo(e->p, fd).size, PS);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* Shrinking releases the reservation of the pages that went. */
static void
shm_dotruncate_shrink_releases_swap(void **state)
{
	struct env *e = *state;
	struct shmsim_fdinfo fi;
	int fd;

	fd = anon_object(e, 10 * PS);
	assert_int_equal(env_counters(e).swap_reserved, 10 * PS);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS + 7), 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.size, 2 * PS + 7);
	assert_int_equal(fi.obj_size, 3);
	assert_int_equal(fi.charge, 3 * PS);
	assert_int_equal(env_counters(e).swap_reserved, 3 * PS);
	/* Within the same page: nothing released. */
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS + 1), 0);
	assert_int_equal(fdinfo(e->p, fd).charge, 3 * PS);
	assert_errno(shmsim_ftruncate(e->p, fd, 0), 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.size, 0);
	assert_int_equal(fi.obj_size, 0);
	assert_int_equal(fi.charge, 0);
	assert_int_equal(env_counters(e).swap_reserved, 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* Same size: 0, and not even a timestamp moves (today and 2008). */
static void
shm_dotruncate_same_size_no_timestamp(void **state)
{
	struct env *e = *state;
	struct shmsim_stat a, b;
	int fd;

	fd = anon_object(e, 0);
	a = stat_of(e, fd);
	assert_errno(shmsim_ftruncate(e->p, fd, 0), 0);
	b = stat_of(e, fd);
	assert_times_same(&a, &b);
	assert_errno(shmsim_ftruncate(e->p, fd, 12345), 0);
	a = stat_of(e, fd);
	assert_errno(shmsim_ftruncate(e->p, fd, 12345), 0);
	b = stat_of(e, fd);
	assert_times_same(&a, &b);
	assert_int_equal(b.st_size, 12345);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* A size change sets mtime = ctime, later than before; nothing else. */
static void
shm_dotruncate_sets_mtime_ctime(void **state)
{
	struct env *e = *state;
	struct shmsim_stat a, b, c;
	int fd;

	fd = anon_object(e, 0);
	a = stat_of(e, fd);
	assert_errno(shmsim_ftruncate(e->p, fd, 100), 0);
	b = stat_of(e, fd);
	assert_true(ts_lt(a.st_ctim, b.st_ctim));
	assert_true(ts_eq(b.st_mtim, b.st_ctim));
	assert_true(ts_eq(a.st_atim, b.st_atim));
	assert_true(ts_eq(a.st_birthtim, b.st_birthtim));
	/* Shrinking (within the page) changes them again. */
	assert_errno(shmsim_ftruncate(e->p, fd, 50), 0);
	c = stat_of(e, fd);
	assert_true(ts_lt(b.st_ctim, c.st_ctim));
	assert_true(ts_eq(c.st_mtim, c.st_ctim));
	assert_true(ts_eq(a.st_atim, c.st_atim));
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/*
 * Growing past the reservation limit: ENOMEM, with size, charge,
 * counters and timestamps exactly as before.
 */
static void
shm_dotruncate_grow_past_swap_limit_enomem(void **state)
{
	struct env *e = *state;
	struct snap before;
	int fd, fd2;

	fd = anon_object(e, 4 * PS);
	fd2 = anon_object(e, 0);
	snap_take(e, fd, &before);
	assert_errno(shmsim_ftruncate(e->p, fd, 4 * PS + 1), ENOMEM);
	snap_assert_same(e, fd, &before);
	assert_errno(shmsim_ftruncate(e->p, fd, INT64_MAX), ENOMEM);
	snap_assert_same(e, fd, &before);
	/* Another object finds nothing left either. */
	assert_errno(shmsim_ftruncate(e->p, fd2, 1), ENOMEM);
	assert_int_equal(fdinfo(e->p, fd2).size, 0);
	assert_int_equal(fdinfo(e->p, fd2).charge, 0);
	snap_assert_same(e, fd, &before);
	/* Room made by a shrink can be taken. */
	assert_errno(shmsim_ftruncate(e->p, fd, 3 * PS), 0);
	assert_errno(shmsim_ftruncate(e->p, fd2, 1), 0);
	assert_int_equal(env_counters(e).swap_reserved, 4 * PS);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_close(e->p, fd2), 0);
}

/* The SWAP_RESERVE fault site: ENOMEM, nothing changed. */
static void
shm_dotruncate_swap_reserve_fault_enomem(void **state)
{
	struct env *e = *state;
	struct snap before;
	int fd;

	fd = anon_object(e, PS);
	write_pattern(e, fd, 0, PS, 1, false);
	snap_take(e, fd, &before);
	assert_errno(
	    shmsim_fault_set(e->k, SHMSIM_FAULT_SWAP_RESERVE, 1, false), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), ENOMEM);
	snap_assert_same(e, fd, &before);
	check_pattern(e, fd, 0, PS, 1, false, false);
	/* Fired once; the retry succeeds. */
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), 0);
	assert_int_equal(fdinfo(e->p, fd).charge, 2 * PS);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* 2008: growth reserves nothing and cannot fail; charge stays 0. */
static void
shm_dotruncate_2008_no_reservation(void **state)
{
	struct env *e = *state;
	struct shmsim_fdinfo fi;
	struct shmsim_stat a, b;
	int fd;

	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_SWAP_RESERVE, 1, true),
	    0);
	fd = anon_object(e, 100 * PS);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.size, 100 * PS);
	assert_int_equal(fi.obj_size, 100);
	assert_int_equal(fi.charge, 0);
	assert_int_equal(env_counters(e).swap_reserved, 0);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_SWAP_RESERVE), 0);
	/* Same size: no timestamp; a change: mtime == ctime, later. */
	a = stat_of(e, fd);
	assert_errno(shmsim_ftruncate(e->p, fd, 100 * PS), 0);
	b = stat_of(e, fd);
	assert_times_same(&a, &b);
	assert_errno(shmsim_ftruncate(e->p, fd, 1), 0);
	b = stat_of(e, fd);
	assert_true(ts_lt(a.st_ctim, b.st_ctim));
	assert_true(ts_eq(b.st_mtim, b.st_ctim));
	assert_int_equal(fdinfo(e->p, fd).charge, 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* 2008: ftruncate on an O_RDONLY descriptor is EINVAL as well. */
static void
kern_ftruncate_2008_rdonly_einval(void **state)
{
	struct env *e = *state;
	int rw, ro;

	open_rw_ro(e, "/trunc", &rw, &ro);
	assert_errno(shmsim_ftruncate(e->p, ro, 200), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, ro, -1), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, 999, -1), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, 999, 1), EBADF);
	assert_int_equal(fdinfo(e->p, ro).size, 0);
	assert_errno(shmsim_close(e->p, ro), 0);
	assert_errno(shmsim_close(e->p, rw), 0);
}

/* ---------------------------------------------------------------- */
/* ftruncate: pages                                                 */
/* ---------------------------------------------------------------- */

/* Pages past the new end go, resident and swapped alike. */
static void
shm_dotruncate_shrink_frees_pages(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	struct shmsim_fdinfo fi;
	uint64_t moved;
	int fd;

	fd = anon_object(e, 6 * PS);
	write_pattern(e, fd, 0, 6 * PS, 3, false);
	assert_errno(shmsim_pageout(e->k, 3, &moved), 0);
	assert_int_equal(moved, 3);
	/* Pages 0-2 on swap, 3-5 resident.  Keep 0 and 1. */
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 0);
	assert_int_equal(fi.swapped, 2);
	c = env_counters(e);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swapped, 2);
	assert_int_equal(stat_of(e, fd).st_blocks, 2);
	assert_audit_clean(e->k);
	check_pattern(e, fd, 0, 2 * PS, 3, false, false);
	assert_errno(shmsim_ftruncate(e->p, fd, 6 * PS), 0);
	check_pattern(e, fd, 2 * PS, 4 * PS, 0, true, false);
	assert_int_equal(fdinfo(e->p, fd).resident, 2);
	assert_errno(shmsim_ftruncate(e->p, fd, 0), 0);
	c = env_counters(e);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swapped, 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/*
 * Shrinking to a page boundary frees that page without touching it:
 * no pagein, so an armed PAGER_IO never fires.
 */
static void
shm_dotruncate_shrink_to_page_boundary(void **state)
{
	struct env *e = *state;
	struct shmsim_fdinfo fi;
	uint64_t moved;
	int fd;

	fd = anon_object(e, 3 * PS);
	write_pattern(e, fd, 0, 3 * PS, 4, false);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	check_pattern(e, fd, PS, PS, 4, false, false); /* page 1 back in */
	shmsim_fault_reset(e->k);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGER_IO, 1, true), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, PS), 0);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_PAGER_IO), 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.obj_size, 1);
	assert_int_equal(fi.resident, 0);
	assert_int_equal(fi.swapped, 1);
	assert_int_equal(env_counters(e).swapped, 1);
	assert_int_equal(env_counters(e).pages, 0);
	shmsim_fault_reset(e->k);
	assert_errno(shmsim_ftruncate(e->p, fd, 3 * PS), 0);
	check_pattern(e, fd, 0, PS, 4, false, false);
	check_pattern(e, fd, PS, 2 * PS, 0, true, false);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/*
 * posixshm_test.c object_resize: a page dropped by a shrink reads as
 * zeroes when the object grows again; the kept page keeps its bytes.
 */
static void
object_resize(void **state)
{
	struct env *e = *state;
	unsigned char c;
	int fd;

	fd = anon_object(e, PS);
	assert_int_equal(stat_of(e, fd).st_size, PS);
	c = '1';
	assert_errno(shmsim_pwrite(e->p, fd, &c, 1, 0, NULL), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), 0);
	assert_int_equal(stat_of(e, fd).st_size, 2 * PS);
	c = 0;
	assert_errno(shmsim_pread(e->p, fd, &c, 1, 0, NULL), 0);
	assert_int_equal(c, '1');
	c = '2';
	assert_errno(shmsim_pwrite(e->p, fd, &c, 1, PS, NULL), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, PS), 0);
	assert_int_equal(stat_of(e, fd).st_size, PS);
	assert_int_equal(fdinfo(e->p, fd).resident, 1);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), 0);
	assert_int_equal(stat_of(e, fd).st_size, 2 * PS);
	c = 0xff;
	assert_errno(shmsim_pread(e->p, fd, &c, 1, PS, NULL), 0);
	assert_int_equal(c, 0);
	assert_errno(shmsim_pread(e->p, fd, &c, 1, 0, NULL), 0);
	assert_int_equal(c, '1');
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* object_resize in 2008, through poke/peek: whole pages go there too. */
static void
shm_dotruncate_2008_object_resize(void **state)
{
	struct env *e = *state;
	unsigned char c;
	int fd;

	fd = anon_object(e, PS);
	c = '1';
	assert_errno(shmsim_poke(e->p, fd, 0, &c, 1), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), 0);
	c = '2';
	assert_errno(shmsim_poke(e->p, fd, PS, &c, 1), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, PS), 0);
	assert_errno(shmsim_peek(e->p, fd, PS, &c, 1), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), 0);
	assert_errno(shmsim_peek(e->p, fd, PS, &c, 1), 0);
	assert_int_equal(c, 0);
	assert_errno(shmsim_peek(e->p, fd, 0, &c, 1), 0);
	assert_int_equal(c, '1');
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/*
 * Today a shrink zeroes the tail of the new last page even when that
 * page is on swap: shm_partial_page_invalidate() pages it in.  Growing
 * again shows zeroes.
 */
static void
shm_partial_page_invalidate_swapped_page(void **state)
{
	struct env *e = *state;
	struct shmsim_fdinfo fi;
	uint64_t moved;
	int fd;

	fd = anon_object(e, 2 * PS);
	write_pattern(e, fd, 0, 2 * PS, 5, false);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 2);
	assert_errno(shmsim_ftruncate(e->p, fd, PS + 100), 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 1);
	assert_int_equal(fi.swapped, 1);
	assert_int_equal(env_counters(e).swapped, 1);
	assert_int_equal(fi.charge, 2 * PS);
	assert_audit_clean(e->k);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), 0);
	check_pattern(e, fd, 0, PS + 100, 5, false, false);
	check_pattern(e, fd, PS + 100, PS - 100, 0, true, false);
	check_pattern(e, fd, PS + 100, PS - 100, 0, true, true);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* The same, with the page resident. */
static void
shm_partial_page_invalidate_resident_page(void **state)
{
	struct env *e = *state;
	int fd;

	fd = anon_object(e, 2 * PS);
	write_pattern(e, fd, 0, 2 * PS, 5, false);
	assert_errno(shmsim_ftruncate(e->p, fd, PS + 1), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), 0);
	check_pattern(e, fd, 0, PS + 1, 5, false, false);
	check_pattern(e, fd, PS + 1, PS - 1, 0, true, false);
	assert_int_equal(fdinfo(e->p, fd).resident, 2);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* A hole at the new end stays a hole: nothing is allocated to zero. */
static void
shm_partial_page_invalidate_hole_no_alloc(void **state)
{
	struct env *e = *state;
	int fd;

	fd = anon_object(e, 3 * PS);
	write_pattern(e, fd, 0, 10, 1, false);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_PAGE_ALLOC), 1);
	assert_errno(shmsim_ftruncate(e->p, fd, PS + 100), 0);
	assert_int_equal(fdinfo(e->p, fd).resident, 1);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_PAGE_ALLOC), 1);
	assert_int_equal(stat_of(e, fd).st_blocks, 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/*
 * A pager error while paging in the partial last page: EIO, and the
 * object is exactly as before (size, charge, the page still on swap).
 */
static void
shm_partial_page_invalidate_pager_io_eio(void **state)
{
	struct env *e = *state;
	struct snap before;
	uint64_t moved;
	int fd;

	fd = anon_object(e, 2 * PS);
	write_pattern(e, fd, 0, 2 * PS, 6, false);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	snap_take(e, fd, &before);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGER_IO, 1, false),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, PS + 100), EIO);
	snap_assert_same(e, fd, &before);
	assert_int_equal(fdinfo(e->p, fd).size, 2 * PS);
	/* A page shortage on the pagein is reported as EIO too. */
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 1, false),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, PS + 100), EIO);
	snap_assert_same(e, fd, &before);
	check_pattern(e, fd, 0, 2 * PS, 6, false, false);
	assert_errno(shmsim_ftruncate(e->p, fd, PS + 100), 0);
	assert_int_equal(fdinfo(e->p, fd).size, PS + 100);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/*
 * Growth does not re-zero the old last page past the old end: bytes put
 * there through a mapping (poke) after the shrink show up.
 */
static void
shm_dotruncate_grow_keeps_tail_bytes(void **state)
{
	struct env *e = *state;
	int fd;

	fd = anon_object(e, 100);
	write_pattern(e, fd, 200, 50, 8, true);
	assert_errno(shmsim_ftruncate(e->p, fd, 300), 0);
	check_pattern(e, fd, 100, 100, 0, true, false);
	check_pattern(e, fd, 200, 50, 8, false, false);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/*
 * seed bug B1: in 2008 a shrink zeroes the partial last page only if it
 * is resident.  Swapped out, it keeps the old bytes, and growing the
 * object again shows them.
 */
static void
shm_dotruncate_2008_stale_swapped_tail(void **state)
{
	struct env *e = *state;
	struct shmsim_fdinfo fi;
	uint64_t moved;
	int fd;

	fd = anon_object(e, 2 * PS);
	write_pattern(e, fd, 0, 2 * PS, 11, true);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 2);
	assert_errno(shmsim_ftruncate(e->p, fd, PS + 100), 0);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.size, PS + 100);
	assert_int_equal(fi.resident, 0);
	assert_int_equal(fi.swapped, 2);
	assert_audit_clean(e->k);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), 0);
	check_pattern(e, fd, 0, 2 * PS, 11, false, true);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* ... while a resident partial page is zeroed in 2008 too. */
static void
shm_dotruncate_2008_resident_tail_zeroed(void **state)
{
	struct env *e = *state;
	int fd;

	fd = anon_object(e, 2 * PS);
	write_pattern(e, fd, 0, 2 * PS, 11, true);
	assert_errno(shmsim_ftruncate(e->p, fd, PS + 100), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * PS), 0);
	check_pattern(e, fd, 0, PS + 100, 11, false, true);
	check_pattern(e, fd, PS + 100, PS - 100, 0, true, true);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* 2008: pages past the end go, from memory and from swap. */
static void
shm_dotruncate_2008_shrink_frees_pages(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	uint64_t moved;
	int fd;

	fd = anon_object(e, 4 * PS);
	write_pattern(e, fd, 0, 4 * PS, 2, true);
	assert_errno(shmsim_pageout(e->k, 2, &moved), 0);
	assert_int_equal(moved, 2);
	assert_errno(shmsim_ftruncate(e->p, fd, PS), 0);
	c = env_counters(e);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swapped, 1);
	assert_int_equal(fdinfo(e->p, fd).obj_size, 1);
	/* st_blocks in 2008 is the size, whatever is allocated. */
	assert_int_equal(stat_of(e, fd).st_blocks, 1);
	assert_errno(shmsim_ftruncate(e->p, fd, 0), 0);
	c = env_counters(e);
	assert_int_equal(c.swapped, 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* ---------------------------------------------------------------- */
/* fstat                                                            */
/* ---------------------------------------------------------------- */

/* Today's fields: size, blksize, mode, owner, nlink, blocks. */
static void
shm_stat_fields(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *q;
	struct shmsim_stat sb;
	int fd;

	q = spawn_as(e->k, 1000, 2000, 027);
	assert_errno(
	    shmsim_shm_open(q, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0775, &fd), 0);
	assert_errno(shmsim_ftruncate(q, fd, 10000), 0);
	assert_errno(shmsim_fstat(q, fd, &sb), 0);
	assert_int_equal(sb.st_size, 10000);
	assert_int_equal(sb.st_blksize, PS);
	assert_int_equal(sb.st_mode, SHMSIM_S_IFREG | 0750);
	assert_int_equal(sb.st_uid, 1000);
	assert_int_equal(sb.st_gid, 2000);
	assert_int_equal(sb.st_nlink, 1);
	assert_int_equal(sb.st_nlink, fdinfo(q, fd).obj_ref_count);
	assert_int_equal(sb.st_blocks, 0);
	assert_int_equal(sb.st_ino, 1);
	assert_int_equal(sb.st_ino, fdinfo(q, fd).ino);
	assert_int_not_equal(sb.st_dev, 0);
	assert_true(!ts_lt(sb.st_ctim, sb.st_birthtim));
	assert_true(ts_eq(sb.st_mtim, sb.st_ctim));
	assert_errno(shmsim_fstat(q, 99, &sb), EBADF);
	assert_errno(shmsim_close(q, fd), 0);
	assert_errno(shmsim_exit(q), 0);
}

/* posixshm_test.c mode: the permission bits as given, umask 0. */
static void
mode(void **state)
{
	struct env *e = *state;
	const mode_t modes[] = { 0600, 0660, 0666 };
	struct shmsim_stat sb;
	size_t i;
	int fd;

	assert_errno(shmsim_umask(e->p, 0, NULL), 0);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_errno(shmsim_shm_open(e->p, "/mode",
				 SHMSIM_O_CREAT | SHMSIM_O_RDWR, modes[i], &fd),
		    0);
		assert_errno(shmsim_fstat(e->p, fd, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, modes[i]);
		assert_int_equal(sb.st_mode & SHMSIM_S_IFMT, SHMSIM_S_IFREG);
		assert_errno(shmsim_close(e->p, fd), 0);
		assert_errno(shmsim_shm_unlink(e->p, "/mode"), 0);
	}
}

/* st_ino: 1, 2, 3, ... never reused; st_dev the same for all. */
static void
shm_stat_ino_unique_increasing(void **state)
{
	struct env *e = *state;
	struct shmsim_stat s1, s2, s3, s4;
	int a, b, c, d;

	a = anon_object(e, 0);
	assert_errno(shmsim_shm_open(e->p, "/ino",
			 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &b),
	    0);
	c = anon_object(e, 0);
	s1 = stat_of(e, a);
	s2 = stat_of(e, b);
	s3 = stat_of(e, c);
	assert_int_equal(s1.st_ino, 1);
	assert_int_equal(s2.st_ino, 2);
	assert_int_equal(s3.st_ino, 3);
	assert_errno(shmsim_close(e->p, c), 0);
	d = anon_object(e, 0);
	s4 = stat_of(e, d);
	assert_int_equal(s4.st_ino, 4);
	assert_int_equal(s1.st_dev, s2.st_dev);
	assert_int_equal(s2.st_dev, s3.st_dev);
	assert_int_equal(s3.st_dev, s4.st_dev);
	assert_int_not_equal(s1.st_dev, 0);
	/* Reopening by name gives the same inode. */
	assert_errno(shmsim_shm_open(e->p, "/ino", SHMSIM_O_RDWR, 0, &c), 0);
	assert_int_equal(stat_of(e, c).st_ino, 2);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, a), 0);
	assert_errno(shmsim_close(e->p, b), 0);
	assert_errno(shmsim_close(e->p, c), 0);
	assert_errno(shmsim_close(e->p, d), 0);
	assert_errno(shmsim_shm_unlink(e->p, "/ino"), 0);
}

/* Today st_blocks counts pages resident or on swap, not the size. */
static void
shm_stat_blocks_resident_or_swapped(void **state)
{
	struct env *e = *state;
	uint64_t moved;
	int fd;

	fd = anon_object(e, 10 * PS);
	assert_int_equal(stat_of(e, fd).st_blocks, 0);
	write_pattern(e, fd, 0, 1, 1, false);
	write_pattern(e, fd, 5 * PS, 1, 1, false);
	write_pattern(e, fd, 9 * PS + 7, 1, 1, false);
	assert_int_equal(stat_of(e, fd).st_blocks, 3);
	assert_errno(shmsim_pageout(e->k, 2, &moved), 0);
	assert_int_equal(stat_of(e, fd).st_blocks, 3);
	assert_int_equal(fdinfo(e->p, fd).swapped, 2);
	/* A shrink drops pages 5 and 9; page 0, on swap, still counts. */
	assert_errno(shmsim_ftruncate(e->p, fd, PS / 2), 0);
	assert_int_equal(stat_of(e, fd).st_blocks, 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* 2008: st_dev, st_ino, st_nlink 0; st_blocks the page-rounded size. */
static void
shm_stat_2008_fields(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *q;
	struct shmsim_stat sb;
	uint64_t moved;
	int fd;

	q = spawn_as(e->k, 1001, 2002, 022);
	assert_errno(shmsim_shm_open(q, "/st", SHMSIM_O_CREAT | SHMSIM_O_RDWR,
			 0644, &fd),
	    0);
	assert_errno(shmsim_fstat(q, fd, &sb), 0);
	assert_int_equal(sb.st_dev, 0);
	assert_int_equal(sb.st_ino, 0);
	assert_int_equal(sb.st_nlink, 0);
	assert_int_equal(sb.st_blocks, 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(sb.st_blksize, PS);
	assert_int_equal(sb.st_mode, SHMSIM_S_IFREG | 0644);
	assert_int_equal(sb.st_uid, 1001);
	assert_int_equal(sb.st_gid, 2002);
	assert_errno(shmsim_ftruncate(q, fd, 10000), 0);
	assert_errno(shmsim_fstat(q, fd, &sb), 0);
	assert_int_equal(sb.st_size, 10000);
	assert_int_equal(sb.st_blocks, 3);
	assert_int_equal(sb.st_nlink, 0);
	/* Allocation and swap do not matter. */
	assert_errno(shmsim_poke(q, fd, 0, "x", 1), 0);
	assert_errno(shmsim_fstat(q, fd, &sb), 0);
	assert_int_equal(sb.st_blocks, 3);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 1);
	assert_errno(shmsim_fstat(q, fd, &sb), 0);
	assert_int_equal(sb.st_blocks, 3);
	assert_errno(shmsim_ftruncate(q, fd, 2 * PS), 0);
	assert_errno(shmsim_fstat(q, fd, &sb), 0);
	assert_int_equal(sb.st_blocks, 2);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(q, fd), 0);
	assert_errno(shmsim_shm_unlink(q, "/st"), 0);
	assert_errno(shmsim_exit(q), 0);
}

/* With 16 KiB pages: st_blksize, and page counts in those pages. */
static void
shm_stat_blksize_page_size(void **state)
{
	struct env *e = *state;
	bool old = shmsim_kernel_config(e->k)->profile == SHMSIM_PROFILE_2008;
	struct shmsim_stat sb;
	int fd;

	fd = anon_object(e, 16384 + 1);
	sb = stat_of(e, fd);
	assert_int_equal(sb.st_blksize, 16384);
	assert_int_equal(sb.st_blocks, old ? 2 : 0);
	assert_int_equal(fdinfo(e->p, fd).obj_size, 2);
	assert_int_equal(fdinfo(e->p, fd).charge, old ? 0 : 2 * 16384);
	write_pattern(e, fd, 5000, 10, 1, true);
	sb = stat_of(e, fd);
	assert_int_equal(sb.st_blocks, old ? 2 : 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* ---------------------------------------------------------------- */
/* read, write, pread, pwrite, lseek                                */
/* ---------------------------------------------------------------- */

/* Bytes written come back, also after a round trip through swap. */
static void
shm_write_read_roundtrip(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	uint64_t moved;
	int fd;

	fd = anon_object(e, 3 * PS);
	write_pattern(e, fd, 100, 2 * PS + 500, 21, false);
	check_pattern(e, fd, 100, 2 * PS + 500, 21, false, false);
	check_pattern(e, fd, 0, 100, 0, true, false);
	check_pattern(e, fd, 2 * PS + 600, PS - 600, 0, true, false);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 3);
	c = env_counters(e);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swapped, 3);
	check_pattern(e, fd, 100, 2 * PS + 500, 21, false, false);
	c = env_counters(e);
	assert_int_equal(c.pages, 3);
	assert_int_equal(c.swapped, 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* 2008 has no read(2)/write(2): poke and peek, through swap. */
static void
shm_debug_rw_2008_roundtrip(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	uint64_t moved;
	int fd;

	fd = anon_object(e, 3 * PS);
	write_pattern(e, fd, 10, 3 * PS - 10, 22, true);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	c = env_counters(e);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swapped, 3);
	check_pattern(e, fd, 10, 3 * PS - 10, 22, false, true);
	check_pattern(e, fd, 0, 10, 0, true, true);
	c = env_counters(e);
	assert_int_equal(c.pages, 3);
	assert_int_equal(c.swapped, 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* A hole reads as zeroes and stays a hole. */
static void
shm_read_hole_zeros_no_alloc(void **state)
{
	struct env *e = *state;
	unsigned char buf[3 * PS];
	size_t done = 0, i;
	int fd;

	fd = anon_object(e, 4 * PS);
	write_pattern(e, fd, 0, 1, 1, false);
	memset(buf, 0xaa, sizeof(buf));
	assert_errno(shmsim_pread(e->p, fd, buf, sizeof(buf), PS, &done), 0);
	assert_int_equal(done, sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(fdinfo(e->p, fd).resident, 1);
	assert_int_equal(env_counters(e).pages, 1);
	assert_int_equal(stat_of(e, fd).st_blocks, 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* Writes at or past EOF move nothing and do not grow the object. */
static void
shm_write_at_eof_moves_nothing(void **state)
{
	struct env *e = *state;
	unsigned char buf[10];
	size_t done = 1234;
	int64_t off;
	int fd;

	memset(buf, 0x77, sizeof(buf));
	fd = anon_object(e, 100);
	assert_errno(shmsim_pwrite(e->p, fd, buf, 10, 100, &done), 0);
	assert_int_equal(done, 0);
	done = 1234;
	assert_errno(shmsim_pwrite(e->p, fd, buf, 10, 5 * PS, &done), 0);
	assert_int_equal(done, 0);
	assert_errno(shmsim_lseek(e->p, fd, 0, SHMSIM_SEEK_END, &off), 0);
	assert_errno(shmsim_write(e->p, fd, buf, 10, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 100);
	assert_int_equal(fdinfo(e->p, fd).size, 100);
	assert_int_equal(fdinfo(e->p, fd).resident, 0);
	/* An empty object takes nothing either. */
	assert_errno(shmsim_ftruncate(e->p, fd, 0), 0);
	assert_errno(shmsim_pwrite(e->p, fd, buf, 10, 0, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(fdinfo(e->p, fd).size, 0);
	assert_int_equal(env_counters(e).pages, 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* A write straddling EOF is short; a read straddling EOF too. */
static void
shm_write_straddling_eof_short(void **state)
{
	struct env *e = *state;
	unsigned char buf[10], out[10];
	size_t done = 0;
	int fd;

	memset(buf, 0x42, sizeof(buf));
	fd = anon_object(e, 100);
	assert_errno(shmsim_pwrite(e->p, fd, buf, 10, 95, &done), 0);
	assert_int_equal(done, 5);
	assert_int_equal(fdinfo(e->p, fd).size, 100);
	memset(out, 0, sizeof(out));
	assert_errno(shmsim_pread(e->p, fd, out, 10, 95, &done), 0);
	assert_int_equal(done, 5);
	assert_memory_equal(out, buf, 5);
	/* The bytes past EOF in the page were not written. */
	assert_errno(shmsim_peek(e->p, fd, 100, out, 5), 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[4], 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* Reads at or past EOF return 0 bytes and no error. */
static void
shm_read_past_eof_returns_zero(void **state)
{
	struct env *e = *state;
	unsigned char buf[10];
	size_t done = 1234;
	int64_t off;
	int fd;

	fd = anon_object(e, 100);
	assert_errno(shmsim_pread(e->p, fd, buf, 10, 100, &done), 0);
	assert_int_equal(done, 0);
	done = 1234;
	assert_errno(shmsim_pread(e->p, fd, buf, 10, INT64_MAX, &done), 0);
	assert_int_equal(done, 0);
	assert_errno(shmsim_lseek(e->p, fd, 0, SHMSIM_SEEK_END, &off), 0);
	done = 1234;
	assert_errno(shmsim_read(e->p, fd, buf, 10, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 100);
	/* An offset left past EOF by a shrink: nothing either way. */
	assert_errno(shmsim_ftruncate(e->p, fd, 50), 0);
	assert_errno(shmsim_read(e->p, fd, buf, 10, &done), 0);
	assert_int_equal(done, 0);
	assert_errno(shmsim_write(e->p, fd, buf, 10, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 100);
	assert_int_equal(fdinfo(e->p, fd).size, 50);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* read(2) and write(2) move the offset; pread(2)/pwrite(2) do not. */
static void
shm_read_write_advance_offset(void **state)
{
	struct env *e = *state;
	unsigned char out[16];
	size_t done = 0;
	int64_t off = -1;
	int fd;

	fd = anon_object(e, 8);
	assert_errno(shmsim_write(e->p, fd, "abcdef", 6, &done), 0);
	assert_int_equal(done, 6);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 6);
	assert_errno(shmsim_pwrite(e->p, fd, "XY", 2, 0, &done), 0);
	assert_errno(shmsim_pread(e->p, fd, out, 4, 2, &done), 0);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 6);
	memset(out, 0xff, sizeof(out));
	assert_errno(shmsim_read(e->p, fd, out, sizeof(out), &done), 0);
	assert_int_equal(done, 2);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 0);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 8);
	assert_errno(shmsim_lseek(e->p, fd, 0, SHMSIM_SEEK_SET, &off), 0);
	assert_int_equal(off, 0);
	assert_errno(shmsim_read(e->p, fd, out, 4, &done), 0);
	assert_int_equal(done, 4);
	assert_memory_equal(out, "XYcd", 4);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 4);
	/* Zero bytes: nothing moves. */
	assert_errno(shmsim_read(e->p, fd, out, 0, &done), 0);
	assert_int_equal(done, 0);
	assert_errno(shmsim_write(e->p, fd, out, 0, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 4);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* Data writes and reads change no timestamp. */
static void
shm_write_no_timestamp(void **state)
{
	struct env *e = *state;
	struct shmsim_stat a, b;
	unsigned char buf[PS];
	int fd;

	fd = anon_object(e, 2 * PS);
	a = stat_of(e, fd);
	memset(buf, 1, sizeof(buf));
	assert_errno(shmsim_pwrite(e->p, fd, buf, sizeof(buf), 10, NULL), 0);
	assert_errno(shmsim_write(e->p, fd, buf, 10, NULL), 0);
	assert_errno(shmsim_pread(e->p, fd, buf, sizeof(buf), 0, NULL), 0);
	assert_errno(shmsim_read(e->p, fd, buf, 10, NULL), 0);
	b = stat_of(e, fd);
	assert_times_same(&a, &b);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* lseek(2): SEEK_SET, SEEK_CUR, SEEK_END within [0, size]. */
static void
shm_seek_whence(void **state)
{
	struct env *e = *state;
	int64_t off = -1;
	int fd;

	fd = anon_object(e, 100);
	assert_errno(shmsim_lseek(e->p, fd, 50, SHMSIM_SEEK_SET, &off), 0);
	assert_int_equal(off, 50);
	assert_errno(shmsim_lseek(e->p, fd, 10, SHMSIM_SEEK_CUR, &off), 0);
	assert_int_equal(off, 60);
	assert_errno(shmsim_lseek(e->p, fd, -60, SHMSIM_SEEK_CUR, &off), 0);
	assert_int_equal(off, 0);
	assert_errno(shmsim_lseek(e->p, fd, 0, SHMSIM_SEEK_END, &off), 0);
	assert_int_equal(off, 100);
	assert_errno(shmsim_lseek(e->p, fd, -1, SHMSIM_SEEK_END, &off), 0);
	assert_int_equal(off, 99);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 99);
	assert_errno(shmsim_lseek(e->p, fd, 100, SHMSIM_SEEK_SET, &off), 0);
	assert_int_equal(off, 100);
	assert_errno(shmsim_lseek(e->p, fd, -100, SHMSIM_SEEK_END, &off), 0);
	assert_int_equal(off, 0);
	assert_errno(shmsim_lseek(e->p, 99, 0, SHMSIM_SEEK_SET, &off), EBADF);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* Bad results and whences: EINVAL, the offset unchanged. */
static void
shm_seek_einval_offset_unchanged(void **state)
{
	struct env *e = *state;
	const int whences[] = { SHMSIM_SEEK_DATA, SHMSIM_SEEK_HOLE, 5, -1 };
	int64_t off = 4242;
	size_t i;
	int fd;

	fd = anon_object(e, 100);
	assert_errno(shmsim_lseek(e->p, fd, 40, SHMSIM_SEEK_SET, NULL), 0);
	assert_errno(shmsim_lseek(e->p, fd, 101, SHMSIM_SEEK_SET, &off),
	    EINVAL);
	assert_errno(shmsim_lseek(e->p, fd, -1, SHMSIM_SEEK_SET, &off), EINVAL);
	assert_errno(shmsim_lseek(e->p, fd, 61, SHMSIM_SEEK_CUR, &off), EINVAL);
	assert_errno(shmsim_lseek(e->p, fd, -41, SHMSIM_SEEK_CUR, &off),
	    EINVAL);
	assert_errno(shmsim_lseek(e->p, fd, 1, SHMSIM_SEEK_END, &off), EINVAL);
	assert_errno(shmsim_lseek(e->p, fd, -101, SHMSIM_SEEK_END, &off),
	    EINVAL);
	assert_errno(shmsim_lseek(e->p, fd, INT64_MIN, SHMSIM_SEEK_END, &off),
	    EINVAL);
	for (i = 0; i < sizeof(whences) / sizeof(whences[0]); i++)
		assert_errno(shmsim_lseek(e->p, fd, 0, whences[i], &off),
		    EINVAL);
	assert_int_equal(off, 4242);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 40);
	/* Seeking past EOF does not work on an empty object either. */
	assert_errno(shmsim_ftruncate(e->p, fd, 0), 0);
	assert_errno(shmsim_lseek(e->p, fd, 1, SHMSIM_SEEK_SET, &off), EINVAL);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 40);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* SEEK_CUR and SEEK_END overflow: EOVERFLOW, the offset unchanged. */
static void
shm_seek_eoverflow(void **state)
{
	struct env *e = *state;
	int64_t off = 4242;
	int fd;

	fd = anon_object(e, 100);
	/* At offset 0, INT64_MAX does not overflow: it is past EOF. */
	assert_errno(shmsim_lseek(e->p, fd, INT64_MAX, SHMSIM_SEEK_CUR, &off),
	    EINVAL);
	assert_errno(shmsim_lseek(e->p, fd, 1, SHMSIM_SEEK_SET, NULL), 0);
	assert_errno(shmsim_lseek(e->p, fd, INT64_MAX, SHMSIM_SEEK_CUR, &off),
	    EOVERFLOW);
	assert_errno(shmsim_lseek(e->p, fd, INT64_MAX, SHMSIM_SEEK_END, &off),
	    EOVERFLOW);
	/* size + offset == INT64_MAX: no overflow, but past EOF. */
	assert_errno(
	    shmsim_lseek(e->p, fd, INT64_MAX - 100, SHMSIM_SEEK_END, &off),
	    EINVAL);
	assert_errno(
	    shmsim_lseek(e->p, fd, INT64_MAX - 99, SHMSIM_SEEK_END, &off),
	    EOVERFLOW);
	assert_int_equal(off, 4242);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 1);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* pread(2)/pwrite(2) with a negative offset: EINVAL. */
static void
kern_preadv_negative_offset_einval(void **state)
{
	struct env *e = *state;
	unsigned char buf[4] = { 1, 2, 3, 4 };
	size_t done = 1234;
	int fd;

	fd = anon_object(e, PS);
	assert_errno(shmsim_pread(e->p, fd, buf, 4, -1, &done), EINVAL);
	assert_errno(shmsim_pwrite(e->p, fd, buf, 4, -1, &done), EINVAL);
	assert_errno(shmsim_pread(e->p, fd, buf, 4, INT64_MIN, &done), EINVAL);
	assert_int_equal(done, 1234);
	assert_errno(shmsim_pread(e->p, 99, buf, 4, 0, &done), EBADF);
	assert_int_equal(fdinfo(e->p, fd).resident, 0);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* write(2)/pwrite(2) on an O_RDONLY descriptor: EBADF; read works. */
static void
kern_writev_rdonly_ebadf(void **state)
{
	struct env *e = *state;
	unsigned char buf[4] = { 1, 2, 3, 4 }, out[4];
	size_t done = 1234;
	int rw, ro;

	open_rw_ro(e, "/wr", &rw, &ro);
	assert_errno(shmsim_ftruncate(e->p, rw, PS), 0);
	assert_errno(shmsim_write(e->p, ro, buf, 4, &done), EBADF);
	assert_errno(shmsim_pwrite(e->p, ro, buf, 4, 0, &done), EBADF);
	assert_int_equal(done, 1234);
	assert_int_equal(fdinfo(e->p, ro).f_offset, 0);
	assert_int_equal(fdinfo(e->p, ro).resident, 0);
	assert_errno(shmsim_pwrite(e->p, rw, buf, 4, 0, &done), 0);
	assert_errno(shmsim_pread(e->p, ro, out, 4, 0, &done), 0);
	assert_memory_equal(out, buf, 4);
	assert_errno(shmsim_write(e->p, 99, buf, 4, &done), EBADF);
	assert_errno(shmsim_shm_unlink(e->p, "/wr"), 0);
	assert_errno(shmsim_close(e->p, ro), 0);
	assert_errno(shmsim_close(e->p, rw), 0);
}

/*
 * posixshm_test.c shm_functionality_across_fork: the parent writes, the
 * child reads it all back through the shared descriptor, whose offset
 * the two processes share.
 */
static void
shm_functionality_across_fork(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *child;
	unsigned char buf[PS], c;
	size_t done, i;
	int fd;

	assert_errno(shmsim_shm_open(e->p, "/fork",
			 SHMSIM_O_EXCL | SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600,
			 &fd),
	    0);
	assert_errno(shmsim_shm_unlink(e->p, "/fork"), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, PS), 0);
	assert_errno(shmsim_fork(e->p, &child), 0);
	memset(buf, 0151, sizeof(buf));
	assert_errno(shmsim_pwrite(e->p, fd, buf, PS - 2, 0, &done), 0);
	assert_int_equal(done, PS - 2);
	assert_errno(shmsim_pwrite(e->p, fd, "\151\151", 2, PS - 2, &done), 0);
	assert_int_equal(done, 2);
	assert_errno(shmsim_lseek(child, fd, 0, SHMSIM_SEEK_SET, NULL), 0);
	for (i = 0; i < PS; i++) {
		c = 0;
		assert_errno(shmsim_read(child, fd, &c, 1, &done), 0);
		assert_int_equal(done, 1);
		assert_int_equal(c, 0151);
	}
	assert_int_equal(fdinfo(e->p, fd).f_offset, PS);
	assert_errno(shmsim_read(child, fd, &c, 1, &done), 0);
	assert_int_equal(done, 0);
	assert_errno(shmsim_exit(child), 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

#define T(f, s) cmocka_unit_test_setup_teardown(f, s, teardown_env)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(kern_ftruncate_negative_length_before_ebadf, setup_current),
		T(kern_ftruncate_rdonly_einval, setup_current),
		T(kern_ftruncate_2008_rdonly_einval, setup_2008),
		T(shm_dotruncate_grow_reserves_swap, setup_current),
		T(shm_dotruncate_grow_within_page_no_reserve, setup_current),
		T(shm_dotruncate_shrink_releases_swap, setup_current),
		T(shm_dotruncate_same_size_no_timestamp, setup_current),
		T(shm_dotruncate_sets_mtime_ctime, setup_current),
		T(shm_dotruncate_grow_past_swap_limit_enomem, setup_swap4),
		T(shm_dotruncate_swap_reserve_fault_enomem, setup_current),
		T(shm_dotruncate_2008_no_reservation, setup_2008_swap4),
		T(shm_dotruncate_shrink_frees_pages, setup_current),
		T(shm_dotruncate_shrink_to_page_boundary, setup_current),
		T(object_resize, setup_current),
		T(shm_dotruncate_2008_object_resize, setup_2008),
		T(shm_partial_page_invalidate_swapped_page, setup_current),
		T(shm_partial_page_invalidate_resident_page, setup_current),
		T(shm_partial_page_invalidate_hole_no_alloc, setup_current),
		T(shm_partial_page_invalidate_pager_io_eio, setup_current),
		T(shm_dotruncate_grow_keeps_tail_bytes, setup_current),
		T(shm_dotruncate_2008_stale_swapped_tail, setup_2008),
		T(shm_dotruncate_2008_resident_tail_zeroed, setup_2008),
		T(shm_dotruncate_2008_shrink_frees_pages, setup_2008),
		T(shm_stat_fields, setup_current),
		T(mode, setup_current),
		T(shm_stat_ino_unique_increasing, setup_current),
		T(shm_stat_blocks_resident_or_swapped, setup_current),
		T(shm_stat_2008_fields, setup_2008),
		T(shm_stat_blksize_page_size, setup_16k),
		T(shm_stat_blksize_page_size, setup_2008_16k),
		T(shm_write_read_roundtrip, setup_current),
		T(shm_debug_rw_2008_roundtrip, setup_2008),
		T(shm_read_hole_zeros_no_alloc, setup_current),
		T(shm_write_at_eof_moves_nothing, setup_current),
		T(shm_write_straddling_eof_short, setup_current),
		T(shm_read_past_eof_returns_zero, setup_current),
		T(shm_read_write_advance_offset, setup_current),
		T(shm_write_no_timestamp, setup_current),
		T(shm_seek_whence, setup_current),
		T(shm_seek_einval_offset_unchanged, setup_current),
		T(shm_seek_eoverflow, setup_current),
		T(kern_preadv_negative_offset_einval, setup_current),
		T(kern_writev_rdonly_ebadf, setup_current),
		T(shm_functionality_across_fork, setup_current),
	};

	return (cmocka_run_group_tests_name("shm_truncate", tests, NULL, NULL));
}
