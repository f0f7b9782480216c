/*
 * FNV-1 32-bit hashing, as sys/sys/fnv_hash.h defines it for the kernel:
 * multiply by the prime, then xor the byte.  The kernel's offset basis is
 * FNV1_32_INIT = 33554467 (0x02000023), not the published 0x811c9dc5.
 */
#ifndef SHMSIM_FNV_H
#define SHMSIM_FNV_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t Fnv32_t;

#define FNV1_32_INIT ((Fnv32_t)33554467UL)
#define FNV_32_PRIME ((Fnv32_t)0x01000193UL)

Fnv32_t fnv_32_str(const char *str, Fnv32_t hval);
Fnv32_t fnv_32_buf(const void *buf, size_t len, Fnv32_t hval);

#endif /* SHMSIM_FNV_H */
