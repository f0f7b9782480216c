/*
 * Answers checked against the kernel text named in each test (issue 12,
 * research/fidelity-review-2.md), where the scenario language cannot
 * express the call: a read(2) into an unmapped buffer, and a fork racing
 * an open in another thread of the parent (the interleaving explorer's C
 * interface, include/shmsim_explore.h).
 */
#include "helpers.h"

#include <errno.h>
#include <string.h>

#define PAGE 4096 /* the default simulated page size */

/*
 * uipc_shm.c uiomove_object_page() (The-Capable-Hub/freebsd-src @
 * 76fb7764, 2025): a read of a page that is neither resident nor on swap
 * copies zero_region, so a bad destination buffer faults (EFAULT) with
 * nothing allocated; a page on swap is grabbed (paged in) first, and the
 * fault comes after.
 */
static void
uiomove_object_page_read_faults_after_grab(void **state)
{
	struct env *e = *state;
	struct shmsim_counters c;
	struct shmsim_stat sb;
	uint64_t moved;
	size_t done;
	int fd;

	fd = anon_object(e, 2 * PAGE);
	/* A hole: EFAULT, nothing allocated. */
	assert_errno(shmsim_pread(e->p, fd, (void *)(uintptr_t)SHMSIM_BADPTR,
			 10, PAGE, &done),
	    EFAULT);
	assert_errno(shmsim_fstat(e->p, fd, &sb), 0);
	assert_int_equal(sb.st_blocks, 0);
	c = env_counters(e);
	assert_int_equal(c.pages, 0);
	/* A page on swap: paged back in, then EFAULT. */
	write_pattern(e, fd, 0, 10, 7, false);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 1);
	c = env_counters(e);
	assert_int_equal(c.pages, 0);
	assert_int_equal(c.swapped, 1);
	assert_errno(shmsim_pread(e->p, fd, (void *)(uintptr_t)SHMSIM_BADPTR,
			 10, 0, &done),
	    EFAULT);
	c = env_counters(e);
	assert_int_equal(c.pages, 1);
	assert_int_equal(c.swapped, 0);
	check_pattern(e, fd, 0, 10, 7, false, false);
	/* And a write from a bad buffer into a hole allocates the page. */
	assert_errno(shmsim_pwrite(e->p, fd, SHMSIM_BADPTR, 10, PAGE, &done),
	    EFAULT);
	assert_errno(shmsim_fstat(e->p, fd, &sb), 0);
	assert_int_equal(sb.st_blocks, 2);
	check_pattern(e, fd, PAGE, 10, 0, true, false);
	assert_audit_clean(e->k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    uiomove_object_page_read_faults_after_grab, setup_current,
		    teardown_env),
	};

	return (cmocka_run_group_tests_name("fidelity", tests, NULL, NULL));
}
