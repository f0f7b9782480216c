/*
 * Host memory shared by kernels one after another (shmsim_hostmem_create(),
 * src/hostmem.c): a kernel takes its malloc(9) blocks from the cache and
 * gives them back for the next kernel, never reusing one it freed itself;
 * a configuration the cache cannot serve is refused and changes nothing;
 * the blocks behave as the host's (exact size, zeroed, trailer and
 * redzone, realloc); and the memory checkers keep their findings.
 */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "hostmem.h"
#include "kernel_var.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Above malloc(9)'s zones (512 bytes), so that no zone keeps the block. */
#define BIG_ITEM 1000

static struct shmsim_kernel *
kernel_on(struct shmsim_hostmem *hm)
{
	struct shmsim_config cfg;
	struct shmsim_kernel *k = NULL;

	shmsim_config_init(&cfg);
	cfg.threads = SHMSIM_THREADS_SINGLE;
	cfg.hostmem = hm;
	assert_int_equal(shmsim_kernel_create(&cfg, &k), 0);
	return (k);
}

static void
destroy_clean(struct shmsim_kernel *k)
{
	char report[1024];

	assert_int_equal(shmsim_kernel_destroy(k, report, sizeof(report)), 0);
}

/* A kernel whose config the cache cannot serve is refused, harmlessly. */
static void
refused_configs_change_nothing(void **state)
{
	struct shmsim_config cfg;
	struct shmsim_hostmem *hm;
	struct shmsim_kernel *k, *k2 = NULL;
	struct shmsim_cred cr;
	struct shmsim_proc *p;
	struct hostmem_stats st;
	int fd;

	(void)state;
	assert_int_equal(shmsim_hostmem_create(&hm), 0);
	/* The cache has no lock: a multi kernel may not use it. */
	shmsim_config_init(&cfg);
	cfg.hostmem = hm;
	assert_int_equal(shmsim_kernel_create(&cfg, &k2), EINVAL);
	assert_null(k2);
	k = kernel_on(hm);
	/* One kernel at a time. */
	cfg.threads = SHMSIM_THREADS_SINGLE;
	assert_int_equal(shmsim_kernel_create(&cfg, &k2), EBUSY);
	assert_null(k2);
	assert_int_equal(shmsim_hostmem_destroy(hm), EBUSY);
	/* The first kernel works on, its cache untouched by the refusals. */
	hostmem_stats(hm, &st);
	assert_int_equal(st.hs_reused, 0);
	shmsim_cred_init(&cr);
	assert_int_equal(shmsim_spawn(k, &cr, &p), 0);
	assert_int_equal(shmsim_shm_open(p, "/refused",
			     SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600, &fd),
	    0);
	assert_int_equal(shmsim_close(p, fd), 0);
	assert_int_equal(shmsim_shm_unlink(p, "/refused"), 0);
	destroy_clean(k);
	hostmem_stats(hm, &st);
	assert_int_equal(st.hs_live, 0);
	assert_int_equal(st.hs_waiting, 0);
	assert_true(st.hs_cached > 0);
	/* Free again: the next kernel may use it. */
	destroy_clean(kernel_on(hm));
	assert_int_equal(shmsim_hostmem_destroy(hm), 0);
	assert_int_equal(shmsim_hostmem_destroy(NULL), 0);
}

/*
 * A block the living kernel freed waits; the next kernel reuses it, with
 * no host allocation.
 */
static void
freed_blocks_wait_for_the_next_kernel(void **state)
{
	struct shmsim_hostmem *hm;
	struct shmsim_kernel *k;
	struct hostmem_stats before, after;
	unsigned char *p, *q, *r;

	(void)state;
	assert_int_equal(shmsim_hostmem_create(&hm), 0);
	k = kernel_on(hm);
	p = malloc_k(k, BIG_ITEM, M_TEMP, M_WAITOK);
	free_k(k, p, M_TEMP);
	q = malloc_k(k, BIG_ITEM, M_TEMP, M_WAITOK);
	assert_ptr_not_equal(q, p);
	hostmem_stats(hm, &before);
	assert_true(before.hs_waiting >= 1);
	free_k(k, q, M_TEMP);
	destroy_clean(k);

	k = kernel_on(hm);
	hostmem_stats(hm, &before);
	r = malloc_k(k, BIG_ITEM, M_TEMP, M_WAITOK);
	hostmem_stats(hm, &after);
	assert_true(r == p || r == q);
	assert_int_equal(after.hs_reused, before.hs_reused + 1);
	assert_int_equal(after.hs_host, before.hs_host);
	free_k(k, r, M_TEMP);
	destroy_clean(k);
	assert_int_equal(shmsim_hostmem_destroy(hm), 0);
}

/*
 * A reused block is what a new host block would be: zeroed with M_ZERO,
 * its redzone checked (INVARIANTS), its bytes kept by realloc(); a block
 * above the cache's classes comes from the host and goes back to it.
 */
static void
reused_blocks_behave_as_new(void **state)
{
	struct shmsim_hostmem *hm;
	struct shmsim_kernel *k;
	struct hostmem_stats before, after;
	unsigned char *p, *big;
	size_t i;

	(void)state;
	assert_int_equal(shmsim_hostmem_create(&hm), 0);
	k = kernel_on(hm);
	p = malloc_k(k, BIG_ITEM, M_TEMP, M_WAITOK);
	memset(p, 0xa5, BIG_ITEM);
	free_k(k, p, M_TEMP);
	destroy_clean(k);

	k = kernel_on(hm);
	p = malloc_k(k, BIG_ITEM, M_TEMP, M_WAITOK | M_ZERO);
	for (i = 0; i < BIG_ITEM; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(malloc_redzone_check(k, p), 0);
#ifdef INVARIANTS
	p[BIG_ITEM] = 0;
	assert_int_equal(malloc_redzone_check(k, p), 1);
	p[BIG_ITEM] = 0x42; /* REDZONE_BYTE */
#endif
	for (i = 0; i < BIG_ITEM; i++)
		p[i] = (unsigned char)i;
	p = realloc_k(k, p, 3 * BIG_ITEM, M_TEMP, M_WAITOK);
	for (i = 0; i < BIG_ITEM; i++)
		assert_int_equal(p[i], (unsigned char)i);
	assert_int_equal(malloc_redzone_check(k, p), 0);
	p = realloc_k(k, p, 10, M_TEMP, M_WAITOK);
	for (i = 0; i < 10; i++)
		assert_int_equal(p[i], (unsigned char)i);
	free_k(k, p, M_TEMP);

	big = malloc_k(k, 64 * 1024, M_TEMP, M_WAITOK | M_ZERO);
	memset(big, 0xa5, 64 * 1024);
	free_k(k, big, M_TEMP);
	destroy_clean(k);

	/* The large block went back to the host: a new one comes from it. */
	k = kernel_on(hm);
	hostmem_stats(hm, &before);
	big = malloc_k(k, 64 * 1024, M_TEMP, M_WAITOK | M_ZERO);
	hostmem_stats(hm, &after);
	assert_int_equal(after.hs_host, before.hs_host + 1);
	assert_int_equal(after.hs_reused, before.hs_reused);
	for (i = 0; i < 64 * 1024; i++)
		assert_int_equal(big[i], 0);
	free_k(k, big, M_TEMP);
	destroy_clean(k);
	hostmem_stats(hm, &after);
	assert_int_equal(after.hs_live, 0);
	assert_int_equal(after.hs_waiting, 0);
	assert_int_equal(shmsim_hostmem_destroy(hm), 0);
}

#ifndef UNDER_TSAN
struct misuse {
	struct shmsim_kernel *k;
	unsigned char *p;
};

static void
free_twice(void *arg)
{
	struct misuse *m = arg;

	free_k(m->k, m->p, M_TEMP);
	free_k(m->k, m->p, M_TEMP);
}

#ifdef UNDER_ASAN
static void
read_after_free(void *arg)
{
	struct misuse *m = arg;
	volatile unsigned char c;

	free_k(m->k, m->p, M_TEMP);
	c = m->p[0];
	(void)c;
}

static void
write_past_the_block(void *arg)
{
	struct misuse *m = arg;

	/* Past the block, its redzone and its trailer (32 bytes at most). */
	m->p[BIG_ITEM + 40] = 1;
}
#endif

/* A child that AddressSanitizer stopped, or that panicked. */
static void
assert_stopped(const struct outcome *o)
{
#ifdef UNDER_ASAN
	/* ASan exits non-zero, or aborts with abort_on_error=1. */
	if (!WIFSIGNALED(o->status) &&
	    (!WIFEXITED(o->status) || WEXITSTATUS(o->status) == 0))
		fail_msg("ASan did not stop the child (status %#x):\n%s",
		    o->status, o->err);
#else
	assert_aborted(o);
#endif
}
#endif /* !UNDER_TSAN */

/*
 * A second free is caught: by ASan (the trailer's read is of a poisoned
 * block), else by the cache, whose block is not live.  Under ASan a use
 * after free and a write past a block are reported too.  Memcheck would
 * report the read of the freed trailer as an error of the test itself,
 * and TSan does not mix with a child's abort: both skip.
 */
static void
checkers_keep_their_findings(void **state)
{
#ifndef UNDER_TSAN
	struct shmsim_hostmem *hm;
	struct misuse m;
	struct outcome o;

	(void)state;
	if (RUNNING_ON_VALGRIND)
		skip();
	assert_int_equal(shmsim_hostmem_create(&hm), 0);
	m.k = kernel_on(hm);
	m.p = malloc_k(m.k, BIG_ITEM, M_TEMP, M_WAITOK);
	run_child(free_twice, &m, &o);
	assert_stopped(&o);
#ifdef UNDER_ASAN
	assert_says(&o, "AddressSanitizer: use-after-poison");
	run_child(read_after_free, &m, &o);
	assert_stopped(&o);
	assert_says(&o, "AddressSanitizer: use-after-poison");
	assert_says(&o, "READ of size 1");
	run_child(write_past_the_block, &m, &o);
	assert_stopped(&o);
	assert_says(&o, "AddressSanitizer: use-after-poison");
	assert_says(&o, "WRITE of size 1");
#else
	assert_says(&o,
	    "not a live block of the kernel's host memory cache "
	    "(freed twice?)");
#endif
	free_k(m.k, m.p, M_TEMP);
	destroy_clean(m.k);
	assert_int_equal(shmsim_hostmem_destroy(hm), 0);
#else
	(void)state;
	skip();
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refused_configs_change_nothing),
		cmocka_unit_test(freed_blocks_wait_for_the_next_kernel),
		cmocka_unit_test(reused_blocks_behave_as_new),
		cmocka_unit_test(checkers_keep_their_findings),
	};

	return (cmocka_run_group_tests_name("hostmem", tests, NULL, NULL));
}
