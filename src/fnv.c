/*
 * FNV-1 32 (sys/sys/fnv_hash.h).  The bytes are taken as unsigned, and the
 * arithmetic is modulo 2^32.
 */
#include "fnv.h"

/*
 * fnv_hash.h: fnv_32_str() -- the same bytes in the same order; four
 * bytes a turn of the loop, each still tested for the NUL before it is
 * hashed, so that the pointer's increment and the loop's jump are paid
 * once per four bytes (callgrind: 6 instructions a byte before, about
 * 5 now; a path is hashed at every open and unlink).
 */
#define FNV_32_STEP(i)                 \
	do {                           \
		if ((c = s[(i)]) == 0) \
			return (hval); \
		hval *= FNV_32_PRIME;  \
		hval ^= c;             \
	} while (0)

Fnv32_t
fnv_32_str(const char *str, Fnv32_t hval)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c;

	for (;; s += 4) {
		FNV_32_STEP(0);
		FNV_32_STEP(1);
		FNV_32_STEP(2);
		FNV_32_STEP(3);
	}
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
