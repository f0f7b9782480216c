/*
 * vm_object.c, swap_pager.c: the pages behind a shared memory object.
 * Pages are allocated only when written (vm_page_alloc), move to the
 * simulated swap device and back (swap_pager_putpage/getpage), cost
 * nothing where never touched (sparse objects), are charged against the
 * swap reservation limit by size, are kept under the resident budget by
 * the simulated pagedaemon, and fail cleanly at the PAGE_ALLOC, PAGER_IO
 * and SWAP_RESERVE fault sites.
 */
#include "helpers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PS 4096 /* the default page size */

/* A kernel with a non-default configuration (0: keep the default). */
static int
setup_cfg(void **state, enum shmsim_profile profile, uint32_t page_size,
    uint64_t swap_pages, uint64_t mem_pages)
{
	struct shmsim_config cfg;

	shmsim_config_init(&cfg);
	cfg.profile = profile;
	if (page_size != 0)
		cfg.page_size = page_size;
	if (swap_pages != 0)
		cfg.swap_pages = swap_pages;
	cfg.mem_pages = mem_pages;
	*state = env_new(&cfg);
	return (0);
}

static int
setup_swap8(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_CURRENT, 0, 8, 0));
}

static int
setup_2008_swap4(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_2008, 0, 4, 0));
}

static int
setup_2008_swap2_mem2(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_2008, 0, 2, 2));
}

static int
setup_mem4(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_CURRENT, 0, 0, 4));
}

static int
setup_2008_mem4(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_2008, 0, 0, 4));
}

/* Enough swap to reserve 1 TiB of 4 KiB pages, and not a byte more. */
static int
setup_tib(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_CURRENT, 0,
	    (UINT64_C(1) << 40) / PS, 0));
}

static int
setup_2008_tib(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_2008, 0, 0, 0));
}

static int
setup_16k_swap2(void **state)
{
	return (setup_cfg(state, SHMSIM_PROFILE_CURRENT, 16384, 2, 0));
}

/* The byte at absolute offset off of pattern seed: never zero. */
static int64_t
blocks(struct env *e, int fd)
{
	struct shmsim_stat sb;

	assert_errno(shmsim_fstat(e->p, fd, &sb), 0);
	return (sb.st_blocks);
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
	assert_errno(shmsim_fstat(e->p, fd, &s->sb), 0);
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
	assert_int_equal(n.sb.st_ctim.tv_sec, b->sb.st_ctim.tv_sec);
	assert_int_equal(n.sb.st_ctim.tv_nsec, b->sb.st_ctim.tv_nsec);
	assert_int_equal(n.sb.st_mtim.tv_sec, b->sb.st_mtim.tv_sec);
	assert_int_equal(n.sb.st_mtim.tv_nsec, b->sb.st_mtim.tv_nsec);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Pages                                                            */
/* ---------------------------------------------------------------- */

/* A write allocates exactly the page it touches, zero-filled around. */
static void
vm_page_alloc_zero_fill_on_write(void **state)
{
	struct env *e = *state;
	struct shmsim_fdinfo fi;
	int fd;

	fd = anon_object(e, 4 * PS);
	assert_int_equal(fdinfo(e->p, fd).resident, 0);
	assert_int_equal(env_counters(e).pages, 0);
	write_pattern(e, fd, 2 * PS + 100, 10, 1, false);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 1);
	assert_int_equal(fi.swapped, 0);
	assert_int_equal(env_counters(e).pages, 1);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_PAGE_ALLOC), 1);
	check_pattern(e, fd, 2 * PS, 100, 0, true, false);
	check_pattern(e, fd, 2 * PS + 100, 10, 1, false, false);
	check_pattern(e, fd, 2 * PS + 110, PS - 110, 0, true, false);
	/* Rewriting a resident page allocates nothing. */
	write_pattern(e, fd, 2 * PS, PS, 2, false);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_PAGE_ALLOC), 1);
	assert_int_equal(fdinfo(e->p, fd).resident, 1);
	assert_int_equal(blocks(e, fd), 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* A read of a hole copies zeroes and never reaches vm_page_alloc(). */
static void
uiomove_object_page_hole_read_no_alloc(void **state)
{
	struct env *e = *state;
	int fd;

	fd = anon_object(e, 8 * PS);
	check_pattern(e, fd, 0, 8 * PS, 0, true, false);
	check_pattern(e, fd, PS / 2, 3 * PS, 0, true, true);
	assert_int_equal(fdinfo(e->p, fd).resident, 0);
	assert_int_equal(env_counters(e).pages, 0);
	assert_int_equal(blocks(e, fd), 0);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_PAGE_ALLOC), 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* poke/peek stay within the page-rounded size; the tail page is fair. */
static void
shm_debug_rw_bounds(void **state)
{
	struct env *e = *state;
	unsigned char buf[16] = { 0 };
	int fd;

	fd = anon_object(e, PS + 1);
	assert_errno(shmsim_poke(e->p, fd, 2 * PS - 16, buf, 16), 0);
	assert_errno(shmsim_poke(e->p, fd, 2 * PS - 15, buf, 16), EINVAL);
	assert_errno(shmsim_peek(e->p, fd, 2 * PS, buf, 1), EINVAL);
	assert_errno(shmsim_peek(e->p, fd, UINT64_MAX, buf, 2), EINVAL);
	assert_errno(shmsim_peek(e->p, fd, 0, buf, 16), 0);
	assert_errno(shmsim_peek(e->p, 99, 0, buf, 1), EBADF);
	/* Only the poked page was allocated. */
	assert_int_equal(fdinfo(e->p, fd).resident, 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* ---------------------------------------------------------------- */
/* Pageout and pagein                                               */
/* ---------------------------------------------------------------- */

/*
 * Every resident page moves to swap; the bytes come back on pagein,
 * which frees the slot; st_blocks counts pages on swap too.
 */
static void
swap_pager_putpage_getpage_roundtrip(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	struct shmsim_fdinfo fi;
	uint64_t moved = 99;
	int fd, i;

	fd = anon_object(e, 3 * PS);
	write_pattern(e, fd, 0, 3 * PS, 7, false);
	assert_int_equal(env_counters(e).pages, 3);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 3);
	c = env_counters(e);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swapped, 3);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 0);
	assert_int_equal(fi.swapped, 3);
	assert_int_equal(blocks(e, fd), 3);
	assert_audit_clean(e->k);

	for (i = 0; i < 3; i++) {
		check_pattern(e, fd, (uint64_t)i * PS, PS, 7, false, false);
		c = env_counters(e);
		assert_int_equal(c.pages, i + 1);
		assert_int_equal(c.swapped, 2 - i);
		assert_int_equal(blocks(e, fd), 3);
		assert_audit_clean(e->k);
	}
	/* Nothing left to page out twice. */
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 3);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	c = env_counters(e);
	assert_int_equal(c.swapped, 0);
	assert_int_equal(c.pages, 0);
}

/* The same through poke/peek in profile 2008. */
static void
swap_pager_putpage_getpage_roundtrip_2008(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	uint64_t moved = 0;
	int fd;

	fd = anon_object(e, 2 * PS + 10);
	write_pattern(e, fd, 0, 3 * PS, 3, true);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 3);
	c = env_counters(e);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swapped, 3);
	assert_audit_clean(e->k);
	check_pattern(e, fd, 0, 3 * PS, 3, false, true);
	c = env_counters(e);
	assert_int_equal(c.pages, 3);
	assert_int_equal(c.swapped, 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* Objects in creation order, pages in index order, n at most. */
static void
vm_pageout_run_order(void **state)
{
	struct env *e = *state;
	uint64_t moved = 0;
	int a, b;

	a = anon_object(e, 3 * PS);
	b = anon_object(e, PS);
	write_pattern(e, b, 0, PS, 2, false);
	write_pattern(e, a, 0, 3 * PS, 1, false);
	assert_errno(shmsim_pageout(e->k, 2, &moved), 0);
	assert_int_equal(moved, 2);
	assert_int_equal(fdinfo(e->p, a).swapped, 2);
	assert_int_equal(fdinfo(e->p, a).resident, 1);
	assert_int_equal(fdinfo(e->p, b).resident, 1);
	/* Page 2 of a stayed resident: reading it pages nothing in. */
	check_pattern(e, a, 2 * PS, PS, 1, false, false);
	assert_int_equal(env_counters(e).swapped, 2);
	/* Page 0 went out: reading it does. */
	check_pattern(e, a, 0, PS, 1, false, false);
	assert_int_equal(env_counters(e).swapped, 1);
	assert_int_equal(fdinfo(e->p, a).swapped, 1);
	/* The next run takes a's page 0 again before touching b. */
	assert_errno(shmsim_pageout(e->k, 1, &moved), 0);
	assert_int_equal(moved, 1);
	assert_int_equal(fdinfo(e->p, a).swapped, 2);
	assert_int_equal(fdinfo(e->p, b).swapped, 0);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 2);
	assert_int_equal(fdinfo(e->p, b).swapped, 1);
	check_pattern(e, a, 0, 3 * PS, 1, false, false);
	check_pattern(e, b, 0, PS, 2, false, false);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, a), 0);
	assert_errno(shmsim_close(e->p, b), 0);
}

/*
 * swp_pager_getswapspace() runs dry: the pagedaemon stops early and
 * without error, the pages it could not move stay resident and intact.
 * Profile 2008, where nothing reserves swap, so the device can fill.
 */
static void
swp_pager_getswapspace_full_stops_early(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	uint64_t moved = 0;
	int fd;

	fd = anon_object(e, 6 * PS);
	write_pattern(e, fd, 0, 6 * PS, 9, true);
	assert_errno(shmsim_pageout(e->k, 6, &moved), 0);
	assert_int_equal(moved, 4);
	c = env_counters(e);
	assert_int_equal(c.swapped, 4);
	assert_int_equal(c.pages, 2);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 0);
	assert_audit_clean(e->k);
	check_pattern(e, fd, 0, 6 * PS, 9, false, true);
	c = env_counters(e);
	assert_int_equal(c.swapped, 0);
	assert_int_equal(c.pages, 6);
	/* Slots freed by pagein are used again. */
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 4);
	check_pattern(e, fd, 0, 6 * PS, 9, false, true);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* The last reference frees pages, swap slots and the reservation. */
static void
vm_object_terminate_frees_everything(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	uint64_t moved;
	int fd, fd2;

	fd = anon_object(e, 4 * PS);
	write_pattern(e, fd, 0, 4 * PS, 1, false);
	assert_errno(shmsim_pageout(e->k, 2, &moved), 0);
	assert_errno(shmsim_shm_open(e->p, "/vmobj",
			 SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600, &fd2),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd2, PS), 0);
	write_pattern(e, fd2, 0, 10, 2, false);
	c = env_counters(e);
	assert_int_equal(c.objects, 2);
	assert_int_equal(c.pages, 3);
	assert_int_equal(c.swapped, 2);
	assert_int_equal(c.swap_reserved, 5 * PS);

	assert_errno(shmsim_close(e->p, fd), 0);
	c = env_counters(e);
	assert_int_equal(c.objects, 1);
	assert_int_equal(c.pages, 1);
	assert_int_equal(c.swapped, 0);
	assert_int_equal(c.swap_reserved, PS);
	/* The name keeps the named object and its bytes. */
	assert_errno(shmsim_close(e->p, fd2), 0);
	c = env_counters(e);
	assert_int_equal(c.objects, 1);
	assert_int_equal(c.pages, 1);
	assert_int_equal(c.swap_reserved, PS);
	assert_audit_clean(e->k);
	assert_errno(shmsim_shm_open(e->p, "/vmobj", SHMSIM_O_RDWR, 0, &fd2),
	    0);
	check_pattern(e, fd2, 0, 10, 2, false, false);
	assert_errno(shmsim_shm_unlink(e->p, "/vmobj"), 0);
	assert_errno(shmsim_close(e->p, fd2), 0);
	c = env_counters(e);
	assert_int_equal(c.objects, 0);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swapped, 0);
	assert_int_equal(c.swap_reserved, 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Sparse objects                                                   */
/* ---------------------------------------------------------------- */

/*
 * A 1 TiB object with three touched pages costs three pages, resident
 * or on swap, while its reservation is the whole terabyte.
 */
static void
vm_object_sparse_1tib(void **state)
{
	struct env *e = *state;
	const int64_t tib = INT64_C(1) << 40;
	unsigned char buf[10];
	struct shmsim_counters c;
	struct shmsim_fdinfo fi;
	uint64_t moved = 0;
	size_t done = 0;
	int fd;

	fd = anon_object(e, tib);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.size, tib);
	assert_int_equal(fi.obj_size, (uint64_t)tib / PS);
	assert_int_equal(fi.charge, (uint64_t)tib);
	assert_int_equal(env_counters(e).swap_reserved, (uint64_t)tib);
	/* The reservation is exactly full. */
	assert_errno(shmsim_ftruncate(e->p, fd, tib + 1), ENOMEM);

	write_pattern(e, fd, 0, 10, 1, false);
	write_pattern(e, fd, (uint64_t)tib / 2 + 5, 10, 1, false);
	memset(buf, 0x5a, sizeof(buf));
	assert_errno(shmsim_pwrite(e->p, fd, buf, 10, tib - 3, &done), 0);
	assert_int_equal(done, 3);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 3);
	assert_int_equal(fi.swapped, 0);
	assert_int_equal(env_counters(e).pages, 3);
	assert_int_equal(blocks(e, fd), 3);
	/* A hole between them reads as zeroes and stays a hole. */
	check_pattern(e, fd, (uint64_t)tib / 4, 2 * PS, 0, true, false);
	assert_int_equal(fdinfo(e->p, fd).resident, 3);
	assert_audit_clean(e->k);

	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 3);
	assert_int_equal(blocks(e, fd), 3);
	c = env_counters(e);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swapped, 3);
	check_pattern(e, fd, (uint64_t)tib / 2 + 5, 10, 1, false, false);
	memset(buf, 0, sizeof(buf));
	assert_errno(shmsim_pread(e->p, fd, buf, 10, tib - 3, &done), 0);
	assert_int_equal(done, 3);
	assert_int_equal(buf[0], 0x5a);
	assert_int_equal(buf[2], 0x5a);
	assert_int_equal(blocks(e, fd), 3);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
	c = env_counters(e);
	assert_int_equal(c.swap_reserved, 0);
	assert_int_equal(c.swapped, 0);
	assert_int_equal(c.pages, 0);
}

/* 2008: the same object without a reservation; st_blocks is the size. */
static void
vm_object_sparse_1tib_2008(void **state)
{
	struct env *e = *state;
	const int64_t tib = INT64_C(1) << 40;
	struct shmsim_fdinfo fi;
	int fd;

	fd = anon_object(e, tib);
	write_pattern(e, fd, 0, 10, 1, true);
	write_pattern(e, fd, (uint64_t)tib - PS, PS, 1, true);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 2);
	assert_int_equal(fi.charge, 0);
	assert_int_equal(env_counters(e).swap_reserved, 0);
	assert_int_equal(blocks(e, fd), tib / PS);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* ---------------------------------------------------------------- */
/* Reservation                                                      */
/* ---------------------------------------------------------------- */

/* The limit (swap_pages pages) is shared by all objects. */
static void
swap_reserve_by_cred_global_limit(void **state)
{
	struct env *e = *state;
	int a, b;

	a = anon_object(e, 8 * PS);
	b = anon_object(e, 0);
	assert_int_equal(env_counters(e).swap_reserved, 8 * PS);
	assert_errno(shmsim_ftruncate(e->p, b, 1), ENOMEM);
	/* Shrinking within the last page releases nothing. */
	assert_errno(shmsim_ftruncate(e->p, a, 7 * PS + 1), 0);
	assert_int_equal(env_counters(e).swap_reserved, 8 * PS);
	assert_errno(shmsim_ftruncate(e->p, b, 1), ENOMEM);
	assert_errno(shmsim_ftruncate(e->p, a, 7 * PS), 0);
	assert_int_equal(env_counters(e).swap_reserved, 7 * PS);
	assert_errno(shmsim_ftruncate(e->p, b, 1), 0);
	assert_int_equal(fdinfo(e->p, b).charge, PS);
	assert_int_equal(env_counters(e).swap_reserved, 8 * PS);
	assert_errno(shmsim_ftruncate(e->p, b, PS + 1), ENOMEM);
	assert_int_equal(fdinfo(e->p, b).size, 1);
	/* A full reservation does not stop pageout: slots are separate. */
	write_pattern(e, a, 0, 7 * PS, 4, false);
	write_pattern(e, b, 0, 1, 4, false);
	assert_int_equal(env_counters(e).pages, 8);
	{
		uint64_t moved = 0;

		assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
		assert_int_equal(moved, 8);
	}
	check_pattern(e, a, 0, 7 * PS, 4, false, false);
	check_pattern(e, b, 0, 1, 4, false, false);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, a), 0);
	assert_errno(shmsim_close(e->p, b), 0);
	assert_int_equal(env_counters(e).swap_reserved, 0);
}

/* A page size of 16 KiB: blksize, page counts and the limit follow. */
static void
vm_object_page_size_16k(void **state)
{
	struct env *e = *state;
	const int64_t ps = 16384;
	struct shmsim_fdinfo fi;
	struct shmsim_stat sb;
	int fd;

	assert_int_equal(shmsim_kernel_config(e->k)->page_size, ps);
	fd = anon_object(e, ps + 1);
	assert_errno(shmsim_fstat(e->p, fd, &sb), 0);
	assert_int_equal(sb.st_blksize, ps);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.obj_size, 2);
	assert_int_equal(fi.charge, 2 * ps);
	assert_int_equal(env_counters(e).swap_reserved, 2 * ps);
	/* Two 16 KiB slots: 2 * 16384 bytes of reservation at most. */
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * ps), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * ps + 1), ENOMEM);
	/* Offset 16384 + 4096 is in page 1, not page 4. */
	write_pattern(e, fd, (uint64_t)ps + 4096, 10, 6, false);
	fi = fdinfo(e->p, fd);
	assert_int_equal(fi.resident, 1);
	check_pattern(e, fd, 0, (size_t)ps, 0, true, false);
	check_pattern(e, fd, (uint64_t)ps, 4096, 0, true, false);
	assert_int_equal(blocks(e, fd), 1);
	/* Shrinking to 16384 + 1 zeroes that page from byte 1 on. */
	assert_errno(shmsim_ftruncate(e->p, fd, ps + 1), 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * ps), 0);
	check_pattern(e, fd, (uint64_t)ps, (size_t)ps, 0, true, false);
	assert_int_equal(fdinfo(e->p, fd).resident, 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* ---------------------------------------------------------------- */
/* Resident budget                                                  */
/* ---------------------------------------------------------------- */

/*
 * mem_pages = 4: after every call at most 4 pages are resident, the
 * rest are on swap, and every byte survives.
 */
static void
vm_pageout_check_resident_budget(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	int fd, i;

	fd = anon_object(e, 16 * PS);
	for (i = 0; i < 16; i++) {
		write_pattern(e, fd, (uint64_t)i * PS, PS, (unsigned)i, false);
		c = env_counters(e);
		assert_true(c.pages <= 4);
		assert_int_equal(c.pages + c.swapped, i + 1);
	}
	c = env_counters(e);
	assert_int_equal(c.pages, 4);
	assert_int_equal(c.swapped, 12);
	assert_int_equal(blocks(e, fd), 16);
	assert_audit_clean(e->k);
	for (i = 15; i >= 0; i--) {
		check_pattern(e, fd, (uint64_t)i * PS, PS, (unsigned)i, false,
		    false);
		c = env_counters(e);
		assert_true(c.pages <= 4);
		assert_int_equal(c.pages + c.swapped, 16);
	}
	/* One call touching ten pages is brought back under budget too. */
	write_pattern(e, fd, 3 * PS, 10 * PS, 77, false);
	c = env_counters(e);
	assert_true(c.pages <= 4);
	assert_int_equal(c.pages + c.swapped, 16);
	check_pattern(e, fd, 3 * PS, 10 * PS, 77, false, false);
	assert_true(env_counters(e).pages <= 4);
	for (i = 0; i < 3; i++)
		check_pattern(e, fd, (uint64_t)i * PS, PS, (unsigned)i, false,
		    false);
	for (i = 13; i < 16; i++)
		check_pattern(e, fd, (uint64_t)i * PS, PS, (unsigned)i, false,
		    false);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* The same budget holds for poke/peek in profile 2008. */
static void
vm_pageout_check_resident_budget_2008(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	int fd, i;

	fd = anon_object(e, 8 * PS);
	for (i = 0; i < 8; i++) {
		write_pattern(e, fd, (uint64_t)i * PS, PS, (unsigned)i + 20,
		    true);
		assert_true(env_counters(e).pages <= 4);
	}
	c = env_counters(e);
	assert_int_equal(c.pages, 4);
	assert_int_equal(c.swapped, 4);
	for (i = 0; i < 8; i++) {
		check_pattern(e, fd, (uint64_t)i * PS, PS, (unsigned)i + 20,
		    false, true);
		assert_true(env_counters(e).pages <= 4);
	}
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* Over budget with swap full: the excess stays resident, no error. */
static void
vm_pageout_check_swap_full_over_budget(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	int fd;

	fd = anon_object(e, 5 * PS);
	write_pattern(e, fd, 0, 5 * PS, 8, true);
	c = env_counters(e);
	assert_int_equal(c.swapped, 2);
	assert_int_equal(c.pages, 3);
	check_pattern(e, fd, 0, 5 * PS, 8, false, true);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* ---------------------------------------------------------------- */
/* Fault sites                                                      */
/* ---------------------------------------------------------------- */

/* PAGER_IO on pagein: EIO, the page stays on swap, bytes intact. */
static void
swap_pager_getpage_pager_io_eio(void **state)
{
	struct env *e = *state;
	unsigned char buf[PS];
	struct snap before;
	uint64_t moved;
	size_t done = 1234;
	int fd;

	fd = anon_object(e, 2 * PS);
	write_pattern(e, fd, 0, 2 * PS, 5, false);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 2);
	snap_take(e, fd, &before);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGER_IO, 1, false),
	    0);
	assert_errno(shmsim_pread(e->p, fd, buf, PS, PS, &done), EIO);
	assert_int_equal(done, 1234);
	snap_assert_same(e, fd, &before);
	/* read(2) fails the same way and leaves the offset at 0. */
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGER_IO, 1, true), 0);
	assert_errno(shmsim_read(e->p, fd, buf, PS, &done), EIO);
	snap_assert_same(e, fd, &before);
	shmsim_fault_reset(e->k);
	check_pattern(e, fd, 0, 2 * PS, 5, false, false);
	assert_int_equal(env_counters(e).swapped, 0);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_PAGER_IO), 2);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* PAGE_ALLOC on pagein: no page to read into, EIO, slot kept. */
static void
swap_pager_getpage_page_alloc_eio(void **state)
{
	struct env *e = *state;
	unsigned char buf[PS];
	struct snap before;
	uint64_t moved;
	int fd;

	fd = anon_object(e, PS);
	write_pattern(e, fd, 0, PS, 6, false);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	snap_take(e, fd, &before);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 1, false),
	    0);
	assert_errno(shmsim_pread(e->p, fd, buf, 10, 0, NULL), EIO);
	snap_assert_same(e, fd, &before);
	/* peek reports the page shortage itself. */
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 1, false),
	    0);
	assert_errno(shmsim_peek(e->p, fd, 0, buf, 10), ENOMEM);
	snap_assert_same(e, fd, &before);
	check_pattern(e, fd, 0, PS, 6, false, false);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* PAGE_ALLOC on a zero-fill write: EIO from uiomove, nothing changed. */
static void
vm_page_alloc_fault_write_eio(void **state)
{
	struct env *e = *state;
	unsigned char buf[10];
	struct snap before;
	size_t done = 1234;
	int fd;

	fd = anon_object(e, 2 * PS);
	memset(buf, 0x11, sizeof(buf));
	snap_take(e, fd, &before);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 1, false),
	    0);
	assert_errno(shmsim_write(e->p, fd, buf, sizeof(buf), &done), EIO);
	assert_int_equal(done, 1234);
	snap_assert_same(e, fd, &before);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 0);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 1, false),
	    0);
	assert_errno(shmsim_poke(e->p, fd, 0, buf, sizeof(buf)), ENOMEM);
	snap_assert_same(e, fd, &before);
	check_pattern(e, fd, 0, 2 * PS, 0, true, false);
	/* Disarmed (fired once), the same write goes through. */
	assert_errno(shmsim_write(e->p, fd, buf, sizeof(buf), &done), 0);
	assert_int_equal(done, sizeof(buf));
	assert_int_equal(fdinfo(e->p, fd).f_offset, sizeof(buf));
	assert_int_equal(fdinfo(e->p, fd).resident, 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/*
 * The allocation of the second page fails: uiomove_object() stops with
 * EIO after the first page was written, as the kernel's loop does.
 */
static void
vm_page_alloc_fault_second_page(void **state)
{
	struct env *e = *state;
	unsigned char *buf;
	int fd;

	fd = anon_object(e, 2 * PS);
	buf = test_xmalloc(2 * PS);
	memset(buf, 0x33, 2 * PS);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_PAGE_ALLOC, 2, false),
	    0);
	assert_errno(shmsim_pwrite(e->p, fd, buf, 2 * PS, 0, NULL), EIO);
	free(buf);
	assert_int_equal(fdinfo(e->p, fd).resident, 1);
	assert_int_equal(fdinfo(e->p, fd).size, 2 * PS);
	check_pattern(e, fd, PS, PS, 0, true, false);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    vm_page_alloc_zero_fill_on_write, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(
		    uiomove_object_page_hole_read_no_alloc, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(shm_debug_rw_bounds,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(
		    swap_pager_putpage_getpage_roundtrip, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(
		    swap_pager_putpage_getpage_roundtrip_2008, setup_2008,
		    teardown_env),
		cmocka_unit_test_setup_teardown(vm_pageout_run_order,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(
		    swp_pager_getswapspace_full_stops_early, setup_2008_swap4,
		    teardown_env),
		cmocka_unit_test_setup_teardown(
		    vm_object_terminate_frees_everything, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(vm_object_sparse_1tib,
		    setup_tib, teardown_env),
		cmocka_unit_test_setup_teardown(vm_object_sparse_1tib_2008,
		    setup_2008_tib, teardown_env),
		cmocka_unit_test_setup_teardown(
		    swap_reserve_by_cred_global_limit, setup_swap8,
		    teardown_env),
		cmocka_unit_test_setup_teardown(vm_object_page_size_16k,
		    setup_16k_swap2, teardown_env),
		cmocka_unit_test_setup_teardown(
		    vm_pageout_check_resident_budget, setup_mem4, teardown_env),
		cmocka_unit_test_setup_teardown(
		    vm_pageout_check_resident_budget_2008, setup_2008_mem4,
		    teardown_env),
		cmocka_unit_test_setup_teardown(
		    vm_pageout_check_swap_full_over_budget,
		    setup_2008_swap2_mem2, teardown_env),
		cmocka_unit_test_setup_teardown(swap_pager_getpage_pager_io_eio,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(
		    swap_pager_getpage_page_alloc_eio, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(vm_page_alloc_fault_write_eio,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(vm_page_alloc_fault_second_page,
		    setup_current, teardown_env),
	};

	return (cmocka_run_group_tests_name("vm_object", tests, NULL, NULL));
}
