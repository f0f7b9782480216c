/*
 * FNV-1 32 (sys/sys/fnv_hash.h).  The bytes are taken as unsigned, and the
 * arithmetic is modulo 2^32.
 */
#include "fnv.h"

/* fnv_hash.h: fnv_32_str() */
Fnv32_t
fnv_32_str(const char *str, Fnv32_t hval)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c;

	while ((c = *s++) != 0) {
		hval *= FNV_32_PRIME;
		hval ^= c;
	}
	return (hval);
}

/* fnv_hash.h: fnv_32_buf() */
Fnv32_t
fnv_32_buf(const void *buf, size_t len, Fnv32_t hval)
{
	const unsigned char *s = buf;

	while (len-- != 0) {
		hval *= FNV_32_PRIME;
		hval ^= *s++;
	}
	return (hval);
}
