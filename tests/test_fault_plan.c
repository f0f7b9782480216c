/*
 * The fault plan's own contract (include/shmsim.h, "Fault injection";
 * src/fault.c): site names, bad sites, "the nth hit from now on", once
 * versus persistent, disarming with nth 0, and shmsim_fault_reset().
 * The copyin site serves as the probe: every named shm_open() hits it
 * exactly once, and a failure there is EFAULT with nothing changed.
 */
#include "helpers.h"

#include <errno.h>
#include <string.h>

/* One named open: 0 and closed again, or the errno. */
static int
probe(struct env *e)
{
	int error, fd;

	error = shmsim_shm_open(e->p, "/probe", SHMSIM_O_RDWR | SHMSIM_O_CREAT,
	    0600, &fd);
	if (error == 0) {
		assert_errno(shmsim_close(e->p, fd), 0);
		assert_errno(shmsim_shm_unlink(e->p, "/probe"), 0);
	}
	return (error);
}

static void
site_names(void **state)
{
	static const char *const names[SHMSIM_FAULT_NSITES] = {
		"swap_reserve",
		"page_alloc",
		"copyin",
		"obj_alloc",
		"pager_io",
	};
	int s;

	(void)state;
	for (s = 0; s < SHMSIM_FAULT_NSITES; s++)
		assert_string_equal(
		    shmsim_fault_site_name((enum shmsim_fault_site)s),
		    names[s]);
	assert_string_equal(shmsim_fault_site_name(SHMSIM_FAULT_NSITES), "?");
	assert_string_equal(
	    shmsim_fault_site_name((enum shmsim_fault_site) - 1), "?");
}

static void
bad_site(void **state)
{
	struct env *e = *state;

	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_NSITES, 1, false),
	    EINVAL);
	assert_errno(
	    shmsim_fault_set(e->k, (enum shmsim_fault_site) - 1, 1, true),
	    EINVAL);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_NSITES), 0);
	assert_int_equal(shmsim_fault_hits(e->k, (enum shmsim_fault_site) - 1),
	    0);
	/* Nothing was armed: the probe succeeds. */
	assert_errno(probe(e), 0);
	assert_audit_clean(e->k);
}

/* nth counts from the call on, not from kernel creation. */
static void
nth_counts_from_now(void **state)
{
	struct env *e = *state;

	assert_errno(probe(e), 0);
	assert_errno(probe(e), 0);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN), 4);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_COPYIN, 2, false), 0);
	/* Hit 5 passes, hit 6 fails... */
	assert_errno(shmsim_shm_unlink(e->p, "/nothing"), ENOENT);
	assert_errno(shmsim_shm_unlink(e->p, "/nothing"), EFAULT);
	/* ...and once means once. */
	assert_errno(probe(e), 0);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN), 8);
	assert_audit_clean(e->k);
}

static void
persistent_until_disarmed(void **state)
{
	struct env *e = *state;
	int i;

	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_COPYIN, 1, true), 0);
	for (i = 0; i < 3; i++)
		assert_errno(probe(e), EFAULT);
	/* Failed hits count as hits. */
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN), 3);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_COPYIN, 0, true), 0);
	assert_errno(probe(e), 0);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN), 5);
	/* Other sites were never armed, only counted. */
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_OBJ_ALLOC), 1);
	assert_audit_clean(e->k);
}

static void
reset_disarms_and_zeroes(void **state)
{
	struct env *e = *state;
	int s;

	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_COPYIN, 1, true), 0);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_OBJ_ALLOC, 1, true),
	    0);
	assert_errno(probe(e), EFAULT);
	shmsim_fault_reset(e->k);
	for (s = 0; s < SHMSIM_FAULT_NSITES; s++)
		assert_int_equal(
		    shmsim_fault_hits(e->k, (enum shmsim_fault_site)s), 0);
	assert_errno(probe(e), 0);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN), 2);
	/* After a reset nth counts from zero again. */
	shmsim_fault_reset(e->k);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_OBJ_ALLOC, 1, false),
	    0);
	assert_errno(probe(e), ENOMEM);
	assert_errno(probe(e), 0);
	assert_audit_clean(e->k);
}

/* Profile 2008 cannot fail the object allocation: the site is not hit. */
static void
obj_alloc_not_hit_in_2008(void **state)
{
	struct env *e = *state;

	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_OBJ_ALLOC, 1, true),
	    0);
	assert_errno(probe(e), 0);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_OBJ_ALLOC), 0);
	assert_audit_clean(e->k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(site_names),
		cmocka_unit_test_setup_teardown(bad_site, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(nth_counts_from_now,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(persistent_until_disarmed,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(reset_disarms_and_zeroes,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(obj_alloc_not_hit_in_2008,
		    setup_2008, teardown_env),
	};

	return (cmocka_run_group_tests_name("fault_plan", tests, NULL, NULL));
}
