/*
 * kern_malloc.c for the model: malloc(9), free(9), realloc(9) on the
 * host's allocator, with per-kernel, per-type accounting (vmstat -m).
 *
 * Each block carries a header with its size and type, as the kernel's
 * slab knows them: free() needs no size, and under INVARIANTS a block
 * freed under another type than it was allocated with, or freed twice,
 * panics.  The counting is malloc_type_count(), the one place that
 * writes the statistics.
 */
#include <stdlib.h>
#include <string.h>

#include "kern/kassert.h"
#include "kern/malloc.h"
#include "kernel_var.h"

MALLOC_DEFINE(M_TEMP, "temp", "misc temporary data buffers");

const struct malloc_type *const malloc_types[M_NTYPES] = {
	[M_CRED_INDEX] = M_CRED,
	[M_FILE_INDEX] = M_FILE,
	[M_FILEDESC_INDEX] = M_FILEDESC,
	[M_MAPENTRY_INDEX] = M_MAPENTRY,
	[M_PRISON_INDEX] = M_PRISON,
	[M_PROC_INDEX] = M_PROC,
	[M_RIGHTS_INDEX] = M_RIGHTS,
	[M_SHMFD_INDEX] = M_SHMFD,
	[M_SWAP_INDEX] = M_SWAP,
	[M_TEMP_INDEX] = M_TEMP,
	[M_UIDINFO_INDEX] = M_UIDINFO,
	[M_VMOBJECT_INDEX] = M_VMOBJECT,
	[M_VMPAGE_INDEX] = M_VMPAGE,
	[M_VMSPACE_INDEX] = M_VMSPACE,
};

/*
 * The block header: 16 bytes, so the caller's memory keeps malloc(3)'s
 * alignment.
 */
struct malloc_hdr {
	uint64_t mh_size;
	uint32_t mh_type;
	uint32_t mh_magic;
};
#define MH_MAGIC 0x6d616c6cU /* "mall" */
#define MH_FREED 0x66726565U /* "free" */
_Static_assert(sizeof(struct malloc_hdr) == 16, "malloc header size");

/*
 * Small zeroed blocks: malloc() and memset() rather than calloc(), because
 * glibc's calloc() bypasses the per-thread cache (tcache); large blocks
 * (large pages) stay with calloc(), which gets them zeroed from mmap and
 * so commits only what is touched.
 */
#define MALLOC_ZERO_SMALL 16384

/*
 * The statistics, counted here only.  XXX(model): relaxed atomic adds,
 * since the kernel's per-CPU counters (counter(9)) have no cheap analog
 * across host threads: two per allocation or free, on the kernel's own
 * cache lines.
 */
static inline void
malloc_type_count(struct shmsim_kernel *k, const struct malloc_type *mtp,
    uint64_t size, bool alloc)
{
	struct malloc_type_stats *mts = &k->k_mtstats[mtp->ks_index];

	if (alloc) {
		atomic_fetch_add_explicit(&mts->mts_numallocs, 1,
		    memory_order_relaxed);
		atomic_fetch_add_explicit(&mts->mts_memalloced, size,
		    memory_order_relaxed);
	} else {
		atomic_fetch_add_explicit(&mts->mts_numfrees, 1,
		    memory_order_relaxed);
		atomic_fetch_add_explicit(&mts->mts_memfreed, size,
		    memory_order_relaxed);
	}
}

/* kern_malloc.c: malloc() */
void *
malloc_k(struct shmsim_kernel *k, size_t size, const struct malloc_type *mtp,
    int flags)
{
	struct malloc_hdr *h;
	size_t total;

	KASSERT((flags & (M_WAITOK | M_NOWAIT)) != 0 &&
		(flags & (M_WAITOK | M_NOWAIT)) != (M_WAITOK | M_NOWAIT),
	    ("%s: M_WAITOK or M_NOWAIT, not both (flags %#x)", __func__,
		flags));
	if (size > SIZE_MAX - sizeof(*h))
		panic("%s: %zu bytes of %s", __func__, size, mtp->ks_shortdesc);
	total = sizeof(*h) + size;
	if ((flags & M_ZERO) == 0)
		h = malloc(total);
	else if (total <= MALLOC_ZERO_SMALL) {
		h = malloc(total);
		/* Keeps gcc from folding malloc + memset back into calloc. */
		__asm__ __volatile__("" : : "r"(h) : "memory");
		if (h != NULL)
			memset(h, 0, total);
	} else
		h = calloc(1, total);
	if (h == NULL)
		panic("out of host memory (%zu bytes of %s)", size,
		    mtp->ks_shortdesc);
	h->mh_size = size;
	h->mh_type = (uint32_t)mtp->ks_index;
	h->mh_magic = MH_MAGIC;
	malloc_type_count(k, mtp, size, true);
	return (h + 1);
}

static struct malloc_hdr *
malloc_hdr_check(void *addr, const struct malloc_type *mtp, const char *fn)
{
	struct malloc_hdr *h = (struct malloc_hdr *)addr - 1;

	KASSERT(h->mh_magic == MH_MAGIC,
	    ("%s(%p, %s): %s", fn, addr, mtp->ks_shortdesc,
		h->mh_magic == MH_FREED ? "already freed" :
					  "not a malloc(9) block"));
	KASSERT(h->mh_type == (uint32_t)mtp->ks_index,
	    ("%s(%p, %s): allocated as %s", fn, addr, mtp->ks_shortdesc,
		h->mh_type < M_NTYPES ? malloc_types[h->mh_type]->ks_shortdesc :
					"?"));
	(void)fn;
	return (h);
}

/* kern_malloc.c: free() -- NULL is ignored. */
void
free_k(struct shmsim_kernel *k, void *addr, const struct malloc_type *mtp)
{
	struct malloc_hdr *h;

	if (addr == NULL)
		return;
	h = malloc_hdr_check(addr, mtp, "free");
	malloc_type_count(k, mtp, h->mh_size, false);
	h->mh_magic = MH_FREED;
	free(h);
}

/* kern_malloc.c: realloc() -- NULL allocates; the type stays. */
void *
realloc_k(struct shmsim_kernel *k, void *addr, size_t size,
    const struct malloc_type *mtp, int flags)
{
	struct malloc_hdr *h, *nh;
	uint64_t osize;

	if (addr == NULL)
		return (malloc_k(k, size, mtp, flags));
	KASSERT((flags & M_ZERO) == 0, ("%s: M_ZERO", __func__));
	h = malloc_hdr_check(addr, mtp, "realloc");
	if (size > SIZE_MAX - sizeof(*h))
		panic("%s: %zu bytes of %s", __func__, size, mtp->ks_shortdesc);
	osize = h->mh_size;
	nh = realloc(h, sizeof(*h) + size);
	if (nh == NULL)
		panic("out of host memory (%zu bytes of %s)", size,
		    mtp->ks_shortdesc);
	nh->mh_size = size;
	malloc_type_count(k, mtp, osize, false);
	malloc_type_count(k, mtp, size, true);
	return (nh + 1);
}

/* The size a block was allocated with (model-only: the dump's checks). */
size_t
malloc_size_k(void *addr)
{
	return ((size_t)((struct malloc_hdr *)addr - 1)->mh_size);
}

/* vmstat -m for one type: in use, bytes in use, requests. */
void
malloc_type_stats_read(struct shmsim_kernel *k, enum malloc_type_index i,
    uint64_t *inuse, uint64_t *memuse, uint64_t *requests)
{
	struct malloc_type_stats *mts = &k->k_mtstats[i];
	uint64_t na, nf, ma, mf;

	nf = atomic_load_explicit(&mts->mts_numfrees, memory_order_relaxed);
	mf = atomic_load_explicit(&mts->mts_memfreed, memory_order_relaxed);
	na = atomic_load_explicit(&mts->mts_numallocs, memory_order_relaxed);
	ma = atomic_load_explicit(&mts->mts_memalloced, memory_order_relaxed);
	*inuse = na - nf;
	*memuse = ma - mf;
	*requests = na;
}

size_t
shmsim_malloc_stats(struct shmsim_kernel *k, struct shmsim_malloc_stat *st,
    size_t n)
{
	size_t i;

	for (i = 0; i < M_NTYPES && i < n; i++) {
		st[i].type = malloc_types[i]->ks_shortdesc;
		malloc_type_stats_read(k, (enum malloc_type_index)i,
		    &st[i].inuse, &st[i].memuse, &st[i].requests);
	}
	return (M_NTYPES);
}

/* The leak check: every type back to zero; names those that are not. */
void
malloc_leak_check(struct shmsim_kernel *k, struct shmsim_report *r)
{
	uint64_t inuse, memuse, requests;
	int i;

	for (i = 0; i < M_NTYPES; i++) {
		malloc_type_stats_read(k, (enum malloc_type_index)i, &inuse,
		    &memuse, &requests);
		if (inuse != 0 || memuse != 0)
			shmsim_report_add(r,
			    "leak: malloc type %s: %ju block(s), %ju byte(s) "
			    "still allocated (of %ju request(s))",
			    malloc_types[i]->ks_shortdesc, (uintmax_t)inuse,
			    (uintmax_t)memuse, (uintmax_t)requests);
	}
}
