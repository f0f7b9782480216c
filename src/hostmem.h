/*
 * The host memory behind a kernel's malloc(9) blocks and pages: the
 * host's malloc(3), or a cache of host blocks that kernels created one
 * after another share (struct shmsim_hostmem, src/hostmem.c).
 *
 * XXX(model): no kernel counterpart; the kernel's memory is physical
 * pages, not a host process's heap (docs/performance.md, "Host memory
 * shared by kernels one after another").
 */
#ifndef SHMSIM_HOSTMEM_H
#define SHMSIM_HOSTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shmsim_hostmem;

/* What a cache holds (tests/test_hostmem.c, tests/decode_reuse.c). */
struct hostmem_stats {
	uint64_t hs_live;    /* blocks handed out and not freed */
	uint64_t hs_waiting; /* freed by the kernel that uses the cache, not
				reused before it is destroyed */
	uint64_t hs_cached;  /* ready for the next kernel */
	uint64_t hs_reused;  /* blocks handed out again, ever */
	uint64_t hs_host;    /* blocks taken from the host's malloc(), ever */
};

/*
 * A block of size bytes (zeroed if zero), never NULL: NULL means the
 * host is out of memory, and the caller panics.  Its usable size is
 * size exactly.
 */
void *hostmem_alloc(struct shmsim_hostmem *hm, size_t size, bool zero);

/*
 * Gives back a block of hm; false, with nothing done, if p is not a live
 * block of a cache (a second free: the caller panics).
 */
bool hostmem_free(struct shmsim_hostmem *hm, void *p);

/* The size a live block was allocated with. */
size_t hostmem_size(const void *p);

/* A kernel begins to use hm: false (EBUSY) if another one does. */
bool hostmem_attach(struct shmsim_hostmem *hm);

/*
 * The kernel that used hm is destroyed: the blocks it freed become
 * reusable (beyond the cache's bound, they go back to the host).
 */
void hostmem_detach(struct shmsim_hostmem *hm);

void hostmem_stats(const struct shmsim_hostmem *hm, struct hostmem_stats *st);

#endif /* !SHMSIM_HOSTMEM_H */
