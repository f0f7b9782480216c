/*
 * fnv.c: FNV-1 32 as sys/sys/fnv_hash.h computes it (multiply, then xor),
 * pinned with the published FNV-1 vectors (standard basis) and with the
 * kernel's own basis FNV1_32_INIT = 33554467.
 */
#include "helpers.h"

#include <string.h>

#include "fnv.h"

#define FNV1_32_STANDARD_BASIS 0x811c9dc5u

static void
fnv_32_str_published_vectors(void **state)
{
	(void)state;
	assert_int_equal(fnv_32_str("a", FNV1_32_STANDARD_BASIS), 0x050c5d7e);
	assert_int_equal(fnv_32_str("foobar", FNV1_32_STANDARD_BASIS),
	    0x31f0b262);
	assert_int_equal(fnv_32_str("", FNV1_32_STANDARD_BASIS),
	    FNV1_32_STANDARD_BASIS);
}

static void
fnv_32_str_kernel_init_vectors(void **state)
{
	(void)state;
	assert_int_equal(FNV1_32_INIT, 33554467u);
	assert_int_equal(fnv_32_str("", FNV1_32_INIT), 0x02000023);
	assert_int_equal(fnv_32_str("/", FNV1_32_INIT), 0x49003736);
	assert_int_equal(fnv_32_str("/foo", FNV1_32_INIT), 0x5c2125d6);
	assert_int_equal(fnv_32_str("/jails/j1/foo", FNV1_32_INIT), 0x6cb390aa);
	/* Buckets of the kernel's 1024-bucket table. */
	assert_int_equal(fnv_32_str("/", FNV1_32_INIT) & 1023, 822);
	assert_int_equal(fnv_32_str("/foo", FNV1_32_INIT) & 1023, 470);
}

static void
fnv_32_buf_matches_str(void **state)
{
	const char *s[] = { "", "/", "/foo", "/a/b/../c", "\xff\x80 high" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		assert_int_equal(fnv_32_buf(s[i], strlen(s[i]), FNV1_32_INIT),
		    fnv_32_str(s[i], FNV1_32_INIT));
	/* fnv_32_buf hashes past a NUL; fnv_32_str stops there. */
	assert_int_not_equal(fnv_32_buf("a\0b", 3, FNV1_32_INIT),
	    fnv_32_str("a\0b", FNV1_32_INIT));
}

static void
fnv_32_str_bytes_are_unsigned(void **state)
{
	(void)state;
	/* 0xff as a signed char would xor in 0xffffffff. */
	assert_int_equal(fnv_32_str("\xff", FNV1_32_INIT),
	    (FNV1_32_INIT * 0x01000193u) ^ 0xffu);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fnv_32_str_published_vectors),
		cmocka_unit_test(fnv_32_str_kernel_init_vectors),
		cmocka_unit_test(fnv_32_buf_matches_str),
		cmocka_unit_test(fnv_32_str_bytes_are_unsigned),
	};

	return (cmocka_run_group_tests_name("fnv", tests, NULL, NULL));
}
