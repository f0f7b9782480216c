/*
 * The uma(9) zones (src/kern/uma.h, src/kern_malloc.c): files, vm
 * objects and map entries come from per-kernel zones whose bucket keeps
 * freed items for reuse.  Reuse happens (the next open gets the file the
 * last close freed), the malloc(9) counts stay those of a kernel that does
 * not cache, the bucket is bounded, and a freed item stays dead: under
 * INVARIANTS a write to it panics when it is reused (uma_dbg.c:
 * trash_ctor()), a second free panics, and under AddressSanitizer or
 * memcheck it is poisoned while it waits.
 */
#include "helpers.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel_var.h"
#include "proc.h"
#include "vm_map.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
/* The sanitizer runtime's (gcc ships no allocator_interface.h). */
int __sanitizer_get_ownership(const volatile void *p);
size_t __sanitizer_get_allocated_size(const volatile void *p);
#endif
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define TEST_VALGRIND 1
#endif

#define NT 32

/* Running under valgrind's memcheck (other tools answer 0). */
static bool
under_memcheck(void)
{
#ifdef TEST_VALGRIND
	char v = 0, vbits;

	return (VALGRIND_GET_VBITS(&v, &vbits, 1) == 1);
#else
	return (false);
#endif
}

/* Every zone of k, the malloc zones too, caching or not. */
static void
set_cache(struct shmsim_kernel *k, bool on)
{
	int i;

	for (i = 0; i < UMA_NZONES; i++)
		uma_zone_set_cache(UMA_ZONE(k, i), on);
	for (i = 0; i < MALLOC_NZONES; i++)
		uma_zone_set_cache(&k->k_mzones[i], on);
}

/* A single kernel whose zones cache, whatever the build's default. */
static struct shmsim_kernel *
kernel_caching(void)
{
	struct shmsim_kernel *k = kernel_new(SHMSIM_THREADS_SINGLE);

	set_cache(k, true);
	return (k);
}

static struct file *
file_of(struct shmsim_proc *p, int fd)
{
	return (((struct proc *)p)->p_fd->fd_ofiles[fd].fde_file);
}

/* Only a single kernel, outside ASan and memcheck, caches by default. */
static void
cache_only_in_single_kernels(void **state)
{
	struct shmsim_kernel *s, *m;
	bool sanitized = false;
	int i;

	(void)state;
#ifdef TEST_ASAN
	sanitized = true;
#endif
	if (under_memcheck())
		sanitized = true;
	s = kernel_new(SHMSIM_THREADS_SINGLE);
	m = kernel_new(SHMSIM_THREADS_MULTI);
	for (i = 0; i < UMA_NZONES; i++) {
		assert_int_equal(UMA_ZONE(s, i)->uz_cache, !sanitized);
		assert_false(UMA_ZONE(m, i)->uz_cache);
	}
	assert_string_equal(UMA_ZONE(s, UMA_ZONE_FILE)->uz_name, "Files");
	assert_string_equal(UMA_ZONE(s, UMA_ZONE_VMOBJECT)->uz_name,
	    "VM OBJECT");
	assert_string_equal(UMA_ZONE(s, UMA_ZONE_MAPENTRY)->uz_name,
	    "MAP ENTRY");
	kernel_free(s);
	kernel_free(m);
}

/* The next open gets the file the last close freed; an object too. */
static void
closed_file_is_reused(void **state)
{
	struct shmsim_kernel *k = kernel_caching();
	uma_zone_t fz = UMA_ZONE(k, UMA_ZONE_FILE);
	uma_zone_t oz = UMA_ZONE(k, UMA_ZONE_VMOBJECT);
	struct shmsim_proc *p;
	struct file *fp;
	uint64_t hits;
	int fd;

	(void)state;
	assert_int_equal(shmsim_spawn(k, NULL, &p), 0);
	assert_errno(
	    shmsim_shm_open(p, "/a", SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600, &fd),
	    0);
	fp = file_of(p, fd);
	assert_errno(shmsim_close(p, fd), 0);
	assert_int_equal(fz->uz_cnt, 1);
	assert_ptr_equal(fz->uz_bucket[0], fp);
	hits = fz->uz_hits;

	assert_errno(shmsim_shm_open(p, "/a", SHMSIM_O_RDWR, 0, &fd), 0);
	assert_ptr_equal(file_of(p, fd), fp);
	assert_int_equal(fz->uz_cnt, 0);
	assert_int_equal(fz->uz_hits, hits + 1);
	/* Zeroed as a new one: M_ZERO, then falloc_noinstall()'s fields. */
	assert_int_equal(atomic_load(&fp->f_count), 1);
	assert_int_equal(fp->f_offset, 0);
	assert_errno(shmsim_close(p, fd), 0);

	/* Unlinked and closed: the object goes to obj_zone, and back. */
	assert_int_equal(oz->uz_cnt, 0);
	assert_errno(shmsim_shm_unlink(p, "/a"), 0);
	assert_int_equal(oz->uz_cnt, 1);
	assert_errno(
	    shmsim_shm_open(p, "/b", SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600, &fd),
	    0);
	assert_int_equal(oz->uz_cnt, 0);
	assert_int_equal(oz->uz_hits, 1);
	assert_errno(shmsim_close(p, fd), 0);
	assert_errno(shmsim_shm_unlink(p, "/b"), 0);
	kernel_free(k);
}

static uint64_t
temp_inuse(struct shmsim_kernel *k, uint64_t *bytes)
{
	struct shmsim_malloc_stat st[NT];
	size_t i, n;

	n = shmsim_malloc_stats(k, st, NT);
	for (i = 0; i < n; i++)
		if (strcmp(st[i].type, "temp") == 0) {
			*bytes = st[i].memuse;
			return (st[i].inuse);
		}
	fail_msg("no malloc type temp");
	return (0);
}

/*
 * malloc(9)'s small blocks come from the malloc zones: a freed block of
 * 100 bytes is the next block of 97 to 128 bytes, zeroed with M_ZERO and
 * counted at its own size; a block realloc() made too small for its
 * zone goes back to the host.
 */
static void
malloc_zone_reuses_blocks(void **state)
{
	struct shmsim_kernel *k = kernel_caching();
	uma_zone_t z128 = &k->k_mzones[3];
	unsigned char *p, *q;
	uint64_t bytes;
	size_t i;

	(void)state;
	assert_string_equal(z128->uz_name, "malloc-128");
	p = malloc_k(k, 100, M_TEMP, M_WAITOK);
	memset(p, 0xa5, 100);
	free_k(k, p, M_TEMP);
	assert_int_equal(z128->uz_cnt, 1);
	assert_int_equal(temp_inuse(k, &bytes), 0);
	assert_int_equal(bytes, 0);
	q = malloc_k(k, 120, M_TEMP, M_WAITOK | M_ZERO);
	assert_ptr_equal(q, p);
	assert_int_equal(z128->uz_cnt, 0);
	for (i = 0; i < 120; i++)
		assert_int_equal(q[i], 0);
	assert_int_equal(temp_inuse(k, &bytes), 1);
	assert_int_equal(bytes, 120);
	/* The redzone follows the new size (INVARIANTS). */
	assert_int_equal(malloc_redzone_check(k, q), 0);
	free_k(k, q, M_TEMP);

	assert_int_equal(z128->uz_cnt, 1);

	/* 8 bytes, then realloc()ed to 100: too small a host block. */
	p = malloc_k(k, 8, M_TEMP, M_WAITOK);
	p = realloc_k(k, p, 100, M_TEMP, M_WAITOK);
	assert_int_equal(temp_inuse(k, &bytes), 1);
	assert_int_equal(bytes, 100);
	free_k(k, p, M_TEMP);
	assert_int_equal(z128->uz_cnt, 1);
	assert_int_equal(temp_inuse(k, &bytes), 0);
	kernel_free(k);
}

/*
 * Every malloc zone, malloc-16 to malloc-512, takes a freed block back
 * and hands it out again, zeroed (M_ZERO), for the smallest size of its
 * range, in a
 * single kernel (malloc()'s fast path) and in a multi kernel made to
 * cache (the path past it); each reuse is a hit of that zone alone.
 */
static void
every_malloc_zone_reuses_blocks(void **state)
{
	static const char *const names[MALLOC_NZONES] = { "malloc-16",
		"malloc-32", "malloc-64", "malloc-128", "malloc-256",
		"malloc-384", "malloc-512" };
	static const size_t sizes[MALLOC_NZONES] = { 16, 32, 64, 128, 256, 384,
		512 };
	static const enum shmsim_threads modes[] = { SHMSIM_THREADS_SINGLE,
		SHMSIM_THREADS_MULTI };
	struct shmsim_kernel *k;
	uint64_t hits[MALLOC_NZONES];
	uma_zone_t z;
	void *p, *q;
	size_t m, i, j, smallest;

	(void)state;
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		k = kernel_new(modes[m]);
		set_cache(k, true);
		smallest = 1;
		for (i = 0; i < MALLOC_NZONES; i++) {
			z = &k->k_mzones[i];
			assert_string_equal(z->uz_name, names[i]);
			assert_int_equal(z->uz_size, sizes[i]);
			for (j = 0; j < MALLOC_NZONES; j++)
				hits[j] = k->k_mzones[j].uz_hits;
			p = malloc_k(k, sizes[i], M_TEMP, M_WAITOK);
			free_k(k, p, M_TEMP);
			assert_int_equal(z->uz_cnt, 1);
			q = malloc_k(k, smallest, M_TEMP, M_WAITOK | M_ZERO);
			assert_ptr_equal(q, p);
			for (j = 0; j < smallest; j++)
				assert_int_equal(((unsigned char *)q)[j], 0);
			assert_int_equal(z->uz_cnt, 0);
			for (j = 0; j < MALLOC_NZONES; j++)
				assert_int_equal(k->k_mzones[j].uz_hits,
				    hits[j] + (j == i));
			free_k(k, q, M_TEMP);
			smallest = sizes[i] + 1;
		}
		kernel_free(k);
	}
}

/*
 * uma_zalloc(M_ZERO) zeroes an item that comes from the bucket, written
 * over before it was freed, in a single kernel and in a multi kernel
 * made to cache; without M_ZERO it is the same item.
 */
static void
zone_item_zeroed_on_request(void **state)
{
	static const enum shmsim_threads modes[] = { SHMSIM_THREADS_SINGLE,
		SHMSIM_THREADS_MULTI };
	struct shmsim_kernel *k;
	uma_zone_t z;
	unsigned char *item, *again;
	size_t m, i;

	(void)state;
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		k = kernel_new(modes[m]);
		set_cache(k, true);
		z = UMA_ZONE(k, UMA_ZONE_MAPENTRY);
		item = uma_zalloc(z, M_WAITOK);
		memset(item, 0xa5, z->uz_size);
		uma_zfree(z, item);
		again = uma_zalloc(z, M_WAITOK | M_ZERO);
		assert_ptr_equal(again, item);
		for (i = 0; i < z->uz_size; i++)
			assert_int_equal(again[i], 0);
		uma_zfree(z, again);
		again = uma_zalloc(z, M_WAITOK);
		assert_ptr_equal(again, item);
		uma_zfree(z, again);
		kernel_free(k);
	}
}

/* The bucket holds UMA_BUCKET_SIZE items; the rest go to the host. */
static void
bucket_is_bounded(void **state)
{
	struct shmsim_kernel *k = kernel_caching();
	uma_zone_t fz = UMA_ZONE(k, UMA_ZONE_FILE);
	struct shmsim_malloc_stat st[NT];
	struct shmsim_proc *p;
	int fd0, fds[UMA_BUCKET_SIZE + 8], i;
	size_t j, n;

	(void)state;
	assert_int_equal(shmsim_spawn(k, NULL, &p), 0);
	assert_errno(shmsim_shm_open(p, "/a", SHMSIM_O_RDWR | SHMSIM_O_CREAT,
			 0600, &fd0),
	    0);
	for (i = 0; i < UMA_BUCKET_SIZE + 8; i++)
		assert_errno(
		    shmsim_shm_open(p, "/a", SHMSIM_O_RDWR, 0, &fds[i]), 0);
	for (i = 0; i < UMA_BUCKET_SIZE + 8; i++)
		assert_errno(shmsim_close(p, fds[i]), 0);
	assert_int_equal(fz->uz_cnt, UMA_BUCKET_SIZE);
	/* Free is free: only fd0's file is in use. */
	n = shmsim_malloc_stats(k, st, NT);
	for (j = 0; j < n; j++)
		if (strcmp(st[j].type, "file") == 0)
			assert_int_equal(st[j].inuse, 1);
	assert_errno(shmsim_close(p, fd0), 0);
	assert_errno(shmsim_shm_unlink(p, "/a"), 0);
	assert_int_equal(fz->uz_cnt, UMA_BUCKET_SIZE);
	kernel_free(k);
}

/*
 * One workload with every zone's structures (files, objects, shadow
 * objects, map entries) run on a caching kernel and on one that does not
 * cache: after each step every malloc type's counts are the same.
 */
static void
stats_equal(struct shmsim_kernel *a, struct shmsim_kernel *b, const char *step)
{
	struct shmsim_malloc_stat sa[NT], sb[NT];
	size_t i, na, nb;

	na = shmsim_malloc_stats(a, sa, NT);
	nb = shmsim_malloc_stats(b, sb, NT);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++)
		if (sa[i].inuse != sb[i].inuse ||
		    sa[i].memuse != sb[i].memuse ||
		    sa[i].requests != sb[i].requests)
			fail_msg("%s: type %s: in use %ju/%ju, bytes %ju/%ju, "
				 "requests %ju/%ju (caching/not)",
			    step, sa[i].type, (uintmax_t)sa[i].inuse,
			    (uintmax_t)sb[i].inuse, (uintmax_t)sa[i].memuse,
			    (uintmax_t)sb[i].memuse, (uintmax_t)sa[i].requests,
			    (uintmax_t)sb[i].requests);
}

struct wl {
	struct shmsim_proc *p, *child;
	int fd, fd2;
	uint64_t addr;
};

/* Step step of the workload on one kernel. */
static void
workload_step(struct shmsim_kernel *k, struct wl *w, int step)
{
	unsigned char c = 7;
	int sig;

	switch (step) {
	case 0:
		assert_int_equal(shmsim_spawn(k, NULL, &w->p), 0);
		assert_errno(shmsim_shm_open(w->p, "/w",
				 SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600, &w->fd),
		    0);
		assert_errno(shmsim_ftruncate(w->p, w->fd, 3 * 4096), 0);
		break;
	case 1: /* a private mapping: map entries, a shadow object */
		assert_errno(shmsim_mmap(w->p, 0, 3 * 4096,
				 SHMSIM_PROT_READ | SHMSIM_PROT_WRITE,
				 SHMSIM_MAP_PRIVATE, w->fd, 0, &w->addr),
		    0);
		assert_errno(shmsim_store(w->p, w->addr + 4096, &c, 1, &sig),
		    0);
		break;
	case 2: /* a hole: the entry clipped in two */
		assert_errno(shmsim_munmap(w->p, w->addr + 4096, 4096), 0);
		break;
	case 3:
		assert_errno(shmsim_fork(w->p, &w->child), 0);
		assert_errno(
		    shmsim_shm_open(w->child, "/w", SHMSIM_O_RDWR, 0, &w->fd2),
		    0);
		break;
	case 4:
		assert_errno(shmsim_exit(w->child), 0);
		assert_errno(shmsim_munmap(w->p, w->addr, 3 * 4096), 0);
		assert_errno(shmsim_shm_unlink(w->p, "/w"), 0);
		assert_errno(shmsim_close(w->p, w->fd), 0);
		break;
	case 5: /* the same again, from the zones' buckets */
		assert_errno(shmsim_shm_open(w->p, "/w",
				 SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600, &w->fd),
		    0);
		assert_errno(shmsim_ftruncate(w->p, w->fd, 4096), 0);
		assert_errno(shmsim_fork(w->p, &w->child), 0);
		break;
	case 6:
		assert_errno(shmsim_shm_unlink(w->p, "/w"), 0);
		assert_errno(shmsim_exit(w->child), 0);
		assert_errno(shmsim_exit(w->p), 0);
		break;
	}
}

static void
counts_same_as_without_cache(void **state)
{
	struct shmsim_kernel *a, *b;
	struct wl wa, wb;
	char what[32];
	int step;

	(void)state;
	memset(&wa, 0, sizeof(wa));
	memset(&wb, 0, sizeof(wb));
	a = kernel_caching();
	b = kernel_new(SHMSIM_THREADS_SINGLE);
	set_cache(b, false);
	for (step = 0; step <= 6; step++) {
		workload_step(a, &wa, step);
		workload_step(b, &wb, step);
		snprintf(what, sizeof(what), "after step %d", step);
		stats_equal(a, b, what);
	}
	/* The caching kernel did reuse items. */
	assert_true(UMA_ZONE(a, UMA_ZONE_FILE)->uz_hits > 0);
	assert_true(UMA_ZONE(a, UMA_ZONE_VMOBJECT)->uz_hits > 0);
	assert_true(UMA_ZONE(a, UMA_ZONE_MAPENTRY)->uz_hits > 0);
	assert_int_equal(UMA_ZONE(b, UMA_ZONE_FILE)->uz_hits, 0);
	kernel_free(a);
	kernel_free(b);
}

/* ------------------------------------------- dead items stay dead */

/*
 * The panic cases need INVARIANTS and a fork that TSan tolerates; under
 * memcheck their stale accesses are reported as invalid (the poisoning
 * works: cached_item_is_poisoned checks it quietly) and would fail
 * tests/valgrind.sh.
 */
static void
skip_unless_panics_checked(void)
{
#if !defined(INVARIANTS) || defined(UNDER_TSAN)
	skip();
#endif
	if (under_memcheck())
		skip();
}

/*
 * A write through a stale pointer to a closed file (in the bucket), then
 * an open that reuses it.  Under ASan the write itself is reported
 * (use-after-poison), so the test runs without it.
 */
static void
write_to_freed_file(void *arg)
{
	struct shmsim_kernel *k = kernel_caching();
	struct shmsim_proc *p;
	struct file *fp;
	int fd;

	(void)arg;
	if (shmsim_spawn(k, NULL, &p) != 0 ||
	    shmsim_shm_open(p, "/a", SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600,
		&fd) != 0)
		_exit(3);
	fp = file_of(p, fd);
	if (shmsim_close(p, fd) != 0)
		_exit(4);
	fp->f_offset = 42; /* the stale write */
	(void)shmsim_shm_open(p, "/a", SHMSIM_O_RDWR, 0, &fd);
	_exit(5); /* not reached: the open panics */
}

/* The same for a malloc(9) block (malloc-64). */
static void
write_to_freed_block(void *arg)
{
	struct shmsim_kernel *k = kernel_caching();
	char *p;

	(void)arg;
	p = malloc_k(k, 40, M_TEMP, M_WAITOK);
	free_k(k, p, M_TEMP);
	p[60] = 1; /* past the old size, within the zone's */
	p = malloc_k(k, 33, M_TEMP, M_WAITOK);
	_exit(5);
}

static void
write_to_cached_item_panics(void **state)
{
	struct outcome o;

	(void)state;
	skip_unless_panics_checked();
#ifdef TEST_ASAN
	skip();
#endif
	run_child(write_to_freed_file, NULL, &o);
	assert_aborted(&o);
	assert_says(&o, "Memory modified after free");
	assert_says(&o, "of zone Files");
	assert_says(&o, "0x2a at byte");

	run_child(write_to_freed_block, NULL, &o);
	assert_aborted(&o);
	assert_says(&o, "malloc: Memory modified after free");
	assert_says(&o, "of zone malloc-64");
	assert_says(&o, "at byte 60");
}

/* The same item freed twice while in the bucket. */
static void
free_twice(void *arg)
{
	struct shmsim_kernel *k = kernel_caching();
	uma_zone_t z = UMA_ZONE(k, UMA_ZONE_MAPENTRY);
	void *item;

	(void)arg;
	item = uma_zalloc(z, M_WAITOK);
	uma_zfree(z, item);
	uma_zfree(z, item);
	_exit(5);
}

static void
double_free_panics(void **state)
{
	struct outcome o;

	(void)state;
	skip_unless_panics_checked();
#ifdef TEST_ASAN
	skip(); /* the second free reads the poisoned trailer: ASan says so */
#endif
	run_child(free_twice, NULL, &o);
	assert_aborted(&o);
	assert_says(&o, "duplicate free of an item of zone MAP ENTRY");
}

/*
 * While in the bucket an item is poisoned for ASan and memcheck, and
 * accessible again once allocated.  Outside both, nothing to check.
 */
static void
cached_item_is_poisoned(void **state)
{
	struct shmsim_kernel *k;
	uma_zone_t z;
	void *item, *again;
	bool checked = false;
#ifdef TEST_ASAN
	size_t span;
#endif

	(void)state;
	k = kernel_caching();
	z = UMA_ZONE(k, UMA_ZONE_VMOBJECT);
	item = uma_zalloc(z, M_WAITOK | M_ZERO);
	uma_zfree(z, item);
	assert_int_equal(z->uz_cnt, 1);
#ifdef TEST_ASAN
	assert_true(__asan_address_is_poisoned(item));
	assert_true(__asan_address_is_poisoned((char *)item + z->uz_size - 1));
	/* The whole host block: the item, its redzone and its trailer. */
	assert_true(__sanitizer_get_ownership(item));
	span = __sanitizer_get_allocated_size(item);
	assert_true(span > z->uz_size);
	assert_true(__asan_address_is_poisoned((char *)item + span - 1));
	checked = true;
#endif
#ifdef TEST_VALGRIND
	if (under_memcheck()) {
		unsigned char vbits[8];

		/* 3: not addressable. */
		assert_int_equal(VALGRIND_GET_VBITS(item, vbits, 8), 3);
		checked = true;
	}
#endif
	again = uma_zalloc(z, M_WAITOK | M_ZERO);
	assert_ptr_equal(again, item);
#ifdef TEST_ASAN
	assert_null(__asan_region_is_poisoned(again, span));
#endif
	uma_zfree(z, again);
	kernel_free(k);
	if (!checked)
		skip();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cache_only_in_single_kernels),
		cmocka_unit_test(closed_file_is_reused),
		cmocka_unit_test(bucket_is_bounded),
		cmocka_unit_test(malloc_zone_reuses_blocks),
		cmocka_unit_test(every_malloc_zone_reuses_blocks),
		cmocka_unit_test(zone_item_zeroed_on_request),
		cmocka_unit_test(counts_same_as_without_cache),
		cmocka_unit_test(write_to_cached_item_panics),
		cmocka_unit_test(double_free_panics),
		cmocka_unit_test(cached_item_is_poisoned),
	};

	return (cmocka_run_group_tests_name("uma", tests, NULL, NULL));
}
