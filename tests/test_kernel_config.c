/*
 * Kernel instances (src/kernel.c): the configuration checks that
 * tests/test_lifecycle.c does not make (descriptor limits, large page
 * sizes, the swap size), the leak check's counter-based lines, and the
 * errno names at their edges.
 */
#include "helpers.h"

#include <errno.h>
#include <string.h>

#include "kernel_var.h"

static void
refused(const struct shmsim_config *cfg)
{
	struct shmsim_kernel *k, *sentinel = (struct shmsim_kernel *)&k;

	k = sentinel;
	assert_errno(shmsim_kernel_create(cfg, &k), EINVAL);
	assert_ptr_equal(k, sentinel);
}

static void
accepted(const struct shmsim_config *cfg)
{
	struct shmsim_kernel *k;

	assert_errno(shmsim_kernel_create(cfg, &k), 0);
	assert_int_equal(shmsim_kernel_destroy(k, NULL, 0), 0);
}

static void
limits(void **state)
{
	struct shmsim_config cfg;

	(void)state;
	shmsim_config_init(&cfg);
	cfg.max_files = 0;
	refused(&cfg);
	shmsim_config_init(&cfg);
	cfg.max_fds = 0;
	refused(&cfg);
	shmsim_config_init(&cfg);
	cfg.hash_buckets = (1u << 26) + 1;
	refused(&cfg);
	shmsim_config_init(&cfg);
	cfg.max_files = cfg.max_fds = 1;
	accepted(&cfg);
	/* Swap reservations are bytes in 64 bits: at most 2^40 pages. */
	shmsim_config_init(&cfg);
	cfg.swap_pages = (UINT64_C(1) << 40) + 1;
	refused(&cfg);
	cfg.swap_pages = UINT64_C(1) << 40;
	accepted(&cfg);
}

/* pagesizes[]: [0] the base page, then increasing powers of two <= 1G. */
static void
page_sizes(void **state)
{
	struct shmsim_config cfg;
	struct shmsim_kernel *k;

	(void)state;
	shmsim_config_init(&cfg);
	cfg.page_sizes[0] = 2 * (uint64_t)cfg.page_size;
	refused(&cfg);

	shmsim_config_init(&cfg);
	cfg.page_sizes[1] = cfg.page_size; /* not larger */
	refused(&cfg);
	cfg.page_sizes[1] = 3 * (uint64_t)cfg.page_size; /* not a power of 2 */
	refused(&cfg);
	cfg.page_sizes[1] = UINT64_C(1) << 31; /* past 1G */
	refused(&cfg);
	cfg.page_sizes[1] = 0; /* a gap */
	cfg.page_sizes[2] = UINT64_C(1) << 21;
	refused(&cfg);
	cfg.page_sizes[1] = UINT64_C(1) << 21; /* not increasing */
	refused(&cfg);

	/* [0] may be left 0 (it is page_size); sizes up to 1G are fine. */
	shmsim_config_init(&cfg);
	cfg.page_sizes[1] = UINT64_C(1) << 21;
	cfg.page_sizes[2] = UINT64_C(1) << 30;
	assert_errno(shmsim_kernel_create(&cfg, &k), 0);
	assert_int_equal(shmsim_kernel_config(k)->page_sizes[0], cfg.page_size);
	assert_int_equal(shmsim_kernel_config(k)->page_sizes[2],
	    UINT64_C(1) << 30);
	assert_int_equal(shmsim_kernel_destroy(k, NULL, 0), 0);
}

/*
 * The leak check also reads the global counters: what they still count
 * once every process has exited and every object is gone is reported.
 * (Only a broken counter gets there; the auditor names it too.)
 */
static void
leak_check_reads_counters(void **state)
{
	static const char *const want[] = {
		"leak: 1 open file(s) left",
		"leak: 2 descriptor(s) still in flight",
		"leak: 3 resident page(s) left",
		"leak: 4 swap slot(s) left",
		"leak: 4096 byte(s) of swap still reserved",
	};
	struct shmsim_kernel *k;
	char report[2048];
	size_t i;

	(void)state;
	assert_errno(shmsim_kernel_create(NULL, &k), 0);
	atomic_fetch_add(&k->openfiles, 1);
	atomic_fetch_add(&k->k_inflight, 2);
	atomic_fetch_add(&k->k_resident, 3);
	k->k_swap.sw_used += 4;
	k->k_swap.sw_reserved += 4096;
	assert_int_equal(shmsim_audit(k, NULL, 0) > 0, 1);
	memset(report, 0, sizeof(report));
	assert_int_equal(shmsim_kernel_destroy(k, report, sizeof(report)), 5);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(report, want[i]) == NULL)
			fail_msg("no \"%s\" in the report:\n%s", want[i],
			    report);
}

static void
errno_names(void **state)
{
	(void)state;
	assert_string_equal(shmsim_errno_name(0), "0");
	assert_string_equal(shmsim_errno_name(-1), "E?");
	assert_string_equal(shmsim_errno_name(123456), "E?");
	assert_string_equal(shmsim_errno_name(ENOSPC), "ENOSPC");
	assert_int_equal(shmsim_errno_from_name("ENOSPC"), ENOSPC);
	assert_int_equal(shmsim_errno_from_name("ENOSUCH"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(limits),
		cmocka_unit_test(page_sizes),
		cmocka_unit_test(leak_check_reads_counters),
		cmocka_unit_test(errno_names),
	};

	return (
	    cmocka_run_group_tests_name("kernel_config", tests, NULL, NULL));
}
