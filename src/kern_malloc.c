/*
 * kern_malloc.c for the model: malloc(9), free(9), realloc(9) on the
 * host's allocator, with per-kernel, per-type accounting (vmstat -m).
 *
 * Each block carries a trailer with its size and type, as the kernel's
 * slab knows them: free() needs no size, and under INVARIANTS a block
 * freed under another type than it was allocated with panics (a second
 * free usually does too, but reads freed memory: no test relies on it).
 * The counting is malloc_type_count(), the one place that writes the
 * statistics.
 */
#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hostmem.h"
#include "kern/kassert.h"
#include "kern/malloc.h"
#include "kern/thread.h"
#include "kern/uma.h"
#include "kernel_var.h"

/*
 * The zones' free items are poisoned for the memory checkers
 * (AddressSanitizer's manual poisoning, memcheck's client requests).
 */
#if defined(__SANITIZE_ADDRESS__)
#define UMA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UMA_ASAN 1
#endif
#endif
#ifdef UMA_ASAN
#include <sanitizer/asan_interface.h>
#else
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define UMA_VALGRIND 1
#else
#define VALGRIND_MAKE_MEM_NOACCESS(addr, size) ((void)(addr), (void)(size))
#define VALGRIND_MAKE_MEM_DEFINED(addr, size) ((void)(addr), (void)(size))
#define VALGRIND_MAKE_MEM_UNDEFINED(addr, size) ((void)(addr), (void)(size))
#endif

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
 * The block trailer: the size and type of a block, in the last 16 bytes
 * of the host block (malloc_usable_size(), or a cached block's exact
 * size: host_usable_size()), where the kernel's slab keeps them out of
 * line.  A trailer rather than a header: the pointer the kernel keeps is
 * then the host block's own, so memory checkers see every block of a
 * live kernel as reachable (a cache's block has the cache's header
 * before it; LeakSanitizer follows a pointer 16 bytes in).  Read and
 * written with memcpy() (under valgrind and ASan the usable size is the
 * size asked for, so the trailer may be unaligned).
 */
struct malloc_trl {
	uint64_t mt_size;
	uint32_t mt_type;
	uint32_t mt_magic;
};
#define MT_MAGIC 0x6d616c6cU /* "mall" */

/*
 * subr_redzone.c (DEBUG_REDZONE) for the model: under INVARIANTS at
 * least REDZONE_SIZE bytes of REDZONE_BYTE follow every block, up to its
 * trailer, checked when the block is freed or reallocated and by
 * malloc_redzone_check(): a write one element past an array (a
 * descriptor table, a swap slot list) is caught without a memory
 * checker.
 */
#ifdef INVARIANTS
#define REDZONE_SIZE 16
#else
#define REDZONE_SIZE 0
#endif
#define REDZONE_BYTE 0x42

/*
 * Small zeroed blocks: malloc() and memset() rather than calloc(), because
 * glibc's calloc() bypasses the per-thread cache (tcache); large blocks
 * (large pages) stay with calloc(), which gets them zeroed from mmap and
 * so commits only what is touched.
 */
#define MALLOC_ZERO_SMALL 16384

/*
 * The host's side of a block: from k's cache of host blocks when its
 * config names one (src/hostmem.h), else from malloc(3).
 */
static inline size_t
host_usable_size(const struct shmsim_kernel *k, const void *p)
{
	if (k->k_hostmem != NULL)
		return (hostmem_size(p));
	return (malloc_usable_size((void *)(uintptr_t)p));
}

static void *
host_alloc(struct shmsim_kernel *k, size_t size, bool zero)
{
	void *p;

	if (k->k_hostmem != NULL)
		return (hostmem_alloc(k->k_hostmem, size, zero));
	if (!zero)
		return (malloc(size));
	if (size > MALLOC_ZERO_SMALL)
		return (calloc(1, size));
	p = malloc(size);
	/* Keeps gcc from folding malloc + memset back into calloc. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
	if (p != NULL)
		memset(p, 0, size);
	return (p);
}

static void
host_free(struct shmsim_kernel *k, void *p)
{
	if (k->k_hostmem == NULL)
		free(p);
	else if (!hostmem_free(k->k_hostmem, p))
		panic("free(%p): not a live block of the kernel's host "
		      "memory cache (freed twice?)",
		    p);
}

static unsigned char *
trl_addr(const struct shmsim_kernel *k, const void *p)
{
	return ((unsigned char *)(uintptr_t)p + host_usable_size(k, p) -
	    sizeof(struct malloc_trl));
}

/*
 * A trailer's fields one by one: each copy is a single load or store,
 * where ASan turns a copy of the whole 16 bytes into a call that checks
 * the range (0.6 % of fuzz_syscalls' run on frees, as much again on the
 * auditor's redzone checks).
 */
static inline void
trl_load(struct malloc_trl *t, const unsigned char *ta)
{
	memcpy(&t->mt_size, ta + offsetof(struct malloc_trl, mt_size),
	    sizeof(t->mt_size));
	memcpy(&t->mt_type, ta + offsetof(struct malloc_trl, mt_type),
	    sizeof(t->mt_type));
	memcpy(&t->mt_magic, ta + offsetof(struct malloc_trl, mt_magic),
	    sizeof(t->mt_magic));
}

static inline void
trl_store(unsigned char *ta, const struct malloc_trl *t)
{
	memcpy(ta + offsetof(struct malloc_trl, mt_size), &t->mt_size,
	    sizeof(t->mt_size));
	memcpy(ta + offsetof(struct malloc_trl, mt_type), &t->mt_type,
	    sizeof(t->mt_type));
	memcpy(ta + offsetof(struct malloc_trl, mt_magic), &t->mt_magic,
	    sizeof(t->mt_magic));
}

/* The trailer of p at ta, its address (trl_addr(p)). */
static inline void
trl_write_at(void *p, unsigned char *ta, size_t size,
    const struct malloc_type *mtp)
{
	struct malloc_trl t = { size, (uint32_t)mtp->ks_index, MT_MAGIC };

#ifdef INVARIANTS
	memset((unsigned char *)p + size, REDZONE_BYTE,
	    (size_t)(ta - ((unsigned char *)p + size)));
#else
	(void)p;
#endif
	trl_store(ta, &t);
}

static void
trl_write(const struct shmsim_kernel *k, void *p, size_t size,
    const struct malloc_type *mtp)
{
	trl_write_at(p, trl_addr(k, p), size, mtp);
}

/*
 * The number of redzone bytes after the block that were overwritten; end
 * is its trailer's address (trl_addr(p), which the caller has: under ASan
 * malloc_usable_size() is a lookup worth doing once).  subr_redzone.c:
 * redzone_check() counts byte by byte; here the intact words are skipped
 * eight bytes at a time first, and the count starts at the first word
 * that differs, so it is the same count: every free and every audit
 * checks a redzone, and a byte loop was an eighth of the instructions of
 * fuzz_syscalls' replay in Debug builds.
 */
static int
redzone_corrupted(const void *p, const unsigned char *end,
    const struct malloc_trl *t)
{
	const uint64_t pattern = UINT64_C(0x0101010101010101) * REDZONE_BYTE;
	const unsigned char *rz;
	uint64_t w;
	int n = 0;

	if (REDZONE_SIZE == 0)
		return (0);
	/* A size past the trailer: the trailer itself was overwritten. */
	if (t->mt_size > (uint64_t)(end - (const unsigned char *)p))
		return (REDZONE_SIZE);
	rz = (const unsigned char *)p + t->mt_size;
	for (; end - rz >= (ptrdiff_t)sizeof(w); rz += sizeof(w)) {
		memcpy(&w, rz, sizeof(w));
		if (w != pattern)
			break;
	}
	for (; rz < end; rz++)
		if (*rz != REDZONE_BYTE)
			n++;
	return (n);
}

/* A thread's home slot in the table: Fibonacci hashing of its address. */
_Static_assert(MALLOC_NPCPU == 64, "malloc_pcpu_hash() gives 6 bits");
static inline size_t
malloc_pcpu_hash(const void *td)
{
	return (
	    (size_t)((((uint64_t)(uintptr_t)td >> 6) * 0x9e3779b97f4a7c15ULL) >>
		58));
}

/* A set claimed but not installed goes back. */
static void
malloc_pcpu_release(struct malloc_stats *ms, struct malloc_pcpu *mp)
{
	if (mp == &ms->ms_first) {
		mp->mp_owner = NULL;
		atomic_store(&ms->ms_first_taken, false);
	} else
		free(mp);
}

/*
 * The calling thread's counters in k (struct malloc_pcpu): found by the
 * thread's address in the kernel's open-addressed table, claimed with a
 * compare-and-swap on a thread's first allocation there; NULL when the
 * table is full.
 */
static struct malloc_pcpu *
malloc_pcpu_find(struct malloc_stats *ms, const void *td)
{
	struct malloc_pcpu *mp, *nmp = NULL;
	size_t h, i;

	h = malloc_pcpu_hash(td);
	for (i = 0; i < MALLOC_NPCPU; i++) {
		_Atomic(struct malloc_pcpu *) *slot =
		    &ms->ms_pcpu[(h + i) % MALLOC_NPCPU];

		mp = atomic_load_explicit(slot, memory_order_acquire);
		if (mp == NULL) {
			if (nmp == NULL) {
				if (!atomic_exchange(&ms->ms_first_taken, true))
					nmp = &ms->ms_first;
				else
					nmp = calloc(1, sizeof(*nmp));
				if (nmp == NULL)
					panic("out of host memory (malloc "
					      "statistics)");
				nmp->mp_owner = td;
			}
			if (atomic_compare_exchange_strong_explicit(slot, &mp,
				nmp, memory_order_acq_rel,
				memory_order_acquire)) {
				atomic_store_explicit(
				    &ms->ms_sets[atomic_fetch_add(&ms->ms_nsets,
					1)],
				    nmp, memory_order_release);
				return (nmp);
			}
		}
		if (mp->mp_owner == td) {
			malloc_pcpu_release(ms, nmp);
			return (mp);
		}
	}
	malloc_pcpu_release(ms, nmp);
	return (NULL);
}

/*
 * The statistics, counted here only.  One writer per set: a relaxed load
 * and store each, no locked instruction (the overflow set aside).
 */
static inline void
mts_add(atomic_uint_fast64_t *c, uint64_t v)
{
	atomic_store_explicit(c,
	    atomic_load_explicit(c, memory_order_relaxed) + v,
	    memory_order_relaxed);
}

/* One allocation or free of size bytes in the set mts. */
static inline __attribute__((__always_inline__)) void
mts_count(struct malloc_type_stats *mts, uint64_t size, bool alloc)
{
	if (alloc) {
		mts_add(&mts->mts_numallocs, 1);
		mts_add(&mts->mts_memalloced, size);
	} else {
		mts_add(&mts->mts_numfrees, 1);
		mts_add(&mts->mts_memfreed, size);
	}
}

/* malloc_type_count() for a multi kernel: the calling thread's set. */
static inline __attribute__((__always_inline__)) void
malloc_type_count_pcpu(struct shmsim_kernel *k, const struct malloc_type *mtp,
    uint64_t size, bool alloc)
{
	const void *td;
	struct malloc_stats *ms = &k->k_malloc;
	struct malloc_pcpu *mp;
	struct malloc_type_stats *mts;
	size_t h;

	td = cur_sim_thread();
	h = malloc_pcpu_hash(td);
	KASSERT(h < MALLOC_NPCPU,
	    ("%s: slot %zu of a table of %d", __func__, h, MALLOC_NPCPU));
	mp = atomic_load_explicit(&ms->ms_pcpu[h], memory_order_acquire);
	if (__predict_false(mp == NULL || mp->mp_owner != td))
		mp = malloc_pcpu_find(ms, td);
	if (__predict_false(mp == NULL)) {
		mts = &ms->ms_shared.mp_stats[mtp->ks_index];
		atomic_fetch_add_explicit(alloc ? &mts->mts_numallocs :
						  &mts->mts_numfrees,
		    1, memory_order_relaxed);
		atomic_fetch_add_explicit(alloc ? &mts->mts_memalloced :
						  &mts->mts_memfreed,
		    size, memory_order_relaxed);
		return;
	}
	mts = &mp->mp_stats[mtp->ks_index];
	mts_count(mts, size, alloc);
}

/* malloc_type_count() for a single kernel (below). */
static inline __attribute__((__always_inline__)) void
malloc_type_count_single(struct shmsim_kernel *k, const struct malloc_type *mtp,
    uint64_t size, bool alloc)
{
	mts_count(&k->k_malloc.ms_shared.mp_stats[mtp->ks_index], size, alloc);
}

/*
 * A kernel for one host thread has one writer, whichever simulated
 * thread runs: it counts in the shared set, with plain loads and stores,
 * and needs no per-thread set.  Both paths inline, as counter(9)'s
 * per-CPU add is in the kernel: out of line, the single path paid a
 * prologue and epilogue of some 15 instructions per count (callgrind),
 * and a multi path out of line on its own cost multi kernels 3 %.
 */
static inline __attribute__((__always_inline__)) void
malloc_type_count(struct shmsim_kernel *k, const struct malloc_type *mtp,
    uint64_t size, bool alloc)
{
	if (__predict_false(!k->k_single)) {
		malloc_type_count_pcpu(k, mtp, size, alloc);
		return;
	}
	malloc_type_count_single(k, mtp, size, alloc);
}

/*
 * kern_malloc.c: malloc_type_allocated() and malloc_type_freed(), which
 * the kernel's contigmalloc() uses to count memory that malloc() did not
 * hand out; here the lazily allocated name dictionary (shm_ns.c:
 * shm_dict_init()).
 */
void
malloc_type_allocated(struct shmsim_kernel *k, const struct malloc_type *mtp,
    size_t size)
{
	malloc_type_count(k, mtp, size, true);
}

void
malloc_type_freed(struct shmsim_kernel *k, const struct malloc_type *mtp,
    size_t size)
{
	malloc_type_count(k, mtp, size, false);
}

/* The per-thread sets go with the kernel. */
void
malloc_stats_destroy(struct shmsim_kernel *k)
{
	unsigned int i, n = atomic_load(&k->k_malloc.ms_nsets);

	for (i = 0; i < n; i++) {
		struct malloc_pcpu *mp = atomic_load(&k->k_malloc.ms_sets[i]);

		if (mp != &k->k_malloc.ms_first)
			free(mp);
	}
}

/*
 * A host block for size bytes, room for room >= size (the size of a
 * malloc zone's items), with its redzone and trailer, not counted
 * (malloc_k() and the zones count).
 */
static void *
malloc_block_room(struct shmsim_kernel *k, size_t size, size_t room,
    const struct malloc_type *mtp, int flags)
{
	const size_t extra = REDZONE_SIZE + sizeof(struct malloc_trl);
	size_t total;
	void *p;

	KASSERT((flags & (M_WAITOK | M_NOWAIT)) != 0 &&
		(flags & (M_WAITOK | M_NOWAIT)) != (M_WAITOK | M_NOWAIT),
	    ("%s: M_WAITOK or M_NOWAIT, not both (flags %#x)", __func__,
		flags));
	if (room > SIZE_MAX - extra)
		panic("%s: %zu bytes of %s", __func__, size, mtp->ks_shortdesc);
	total = room + extra;
	p = host_alloc(k, total, (flags & M_ZERO) != 0);
	if (p == NULL)
		panic("out of host memory (%zu bytes of %s)", size,
		    mtp->ks_shortdesc);
	trl_write(k, p, size, mtp);
	return (p);
}

static inline void *
malloc_block(struct shmsim_kernel *k, size_t size,
    const struct malloc_type *mtp, int flags)
{
	return (malloc_block_room(k, size, size, mtp, flags));
}

/*
 * kern_malloc.c: kmemzones, the zones malloc() takes small blocks from
 * ("malloc-16" to "malloc-512" here; the kernel's go on to 64 KiB), and
 * kmemsize, a block's zone by its size in 16-byte steps.  Up to
 * MALLOC_ZONE_MAX bytes a block is a zone's item: its host block has
 * room for the zone's size, and free() puts it in the zone's bucket
 * (kern/uma.h) when the zone caches.
 */
#define MALLOC_ZONE_MAX 512
#define MALLOC_ZONE_SHIFT 4
static const unsigned short malloc_zone_sizes[MALLOC_NZONES] = { 16, 32, 64,
	128, 256, 384, 512 };
static const unsigned char
    malloc_zone_of[(MALLOC_ZONE_MAX >> MALLOC_ZONE_SHIFT) + 1] = { 0, 0, 1, 2,
	    2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6,
	    6, 6, 6, 6, 6, 6 };
_Static_assert(MALLOC_NZONES == 7, "malloc_zone_sizes");

static inline uma_zone_t
malloc_zone(struct shmsim_kernel *k, size_t size)
{
	return (&k->k_mzones[malloc_zone_of
		[(size + (1U << MALLOC_ZONE_SHIFT) - 1) >> MALLOC_ZONE_SHIFT]]);
}

static inline void uma_item_kill(uma_zone_t zone, void *item);
static inline void uma_item_bury(uma_zone_t zone, void *item);
static inline void uma_item_raise(uma_zone_t zone, void *item, const char *fn);
static inline void uma_item_revive(uma_zone_t zone, void *item, const char *fn);
static void uma_dup_check(uma_zone_t zone, const void *item, const char *fn);

/*
 * malloc() past its fast path (below): a new host block, or a block of
 * the malloc zone's bucket (zone, NULL for a block above MALLOC_ZONE_MAX)
 * in a multi kernel whose zones were made to cache.
 */
static __attribute__((__noinline__)) void *
malloc_k_slow(struct shmsim_kernel *k, size_t size,
    const struct malloc_type *mtp, int flags, uma_zone_t zone)
{
	void *p;

	if (zone != NULL) {
		if (zone->uz_cnt > 0) {
			KASSERT((flags & (M_WAITOK | M_NOWAIT)) != 0 &&
				(flags & (M_WAITOK | M_NOWAIT)) !=
				    (M_WAITOK | M_NOWAIT),
			    ("%s: M_WAITOK or M_NOWAIT, not both (flags %#x)",
				__func__, flags));
			p = zone->uz_bucket[--zone->uz_cnt];
			zone->uz_hits++;
			uma_item_revive(zone, p, "malloc");
			if (__predict_false(zone->uz_memcheck))
				VALGRIND_MAKE_MEM_UNDEFINED(p, zone->uz_size);
			trl_write(k, p, size, mtp);
			if ((flags & M_ZERO) != 0)
				memset(p, 0, size);
		} else
			p = malloc_block_room(k, size, zone->uz_size, mtp,
			    flags);
	} else
		p = malloc_block(k, size, mtp, flags);
	malloc_type_count(k, mtp, size, true);
	return (p);
}

/*
 * kern_malloc.c: malloc() -- a block of a malloc zone from its bucket,
 * or a new host block.  The bucket's path in a single kernel is first
 * and makes no call but the last (the M_ZERO memset, as a tail call),
 * so it saves no registers: the item's trailer is where free() found it
 * (uz_trl), and the count is the single kernel's.  Everything else is
 * malloc_k_slow(), the same steps.
 */
void *
malloc_k(struct shmsim_kernel *k, size_t size, const struct malloc_type *mtp,
    int flags)
{
	uma_zone_t zone;
	unsigned int i;
	void *p;

	if (__predict_true(size <= MALLOC_ZONE_MAX && k->k_single)) {
		zone = malloc_zone(k, size);
		if (__predict_true(zone->uz_cnt > 0 && zone->uz_fast)) {
			KASSERT((flags & (M_WAITOK | M_NOWAIT)) != 0 &&
				(flags & (M_WAITOK | M_NOWAIT)) !=
				    (M_WAITOK | M_NOWAIT),
			    ("%s: M_WAITOK or M_NOWAIT, not both (flags %#x)",
				__func__, flags));
			i = --zone->uz_cnt;
			p = zone->uz_bucket[i];
			zone->uz_hits++;
			uma_item_raise(zone, p, "malloc");
			trl_write_at(p, (unsigned char *)p + zone->uz_trl[i],
			    size, mtp);
			malloc_type_count_single(k, mtp, size, true);
			if ((flags & M_ZERO) != 0)
				return (memset(p, 0, size));
			return (p);
		}
	}
	return (malloc_k_slow(k, size, mtp, flags,
	    size <= MALLOC_ZONE_MAX ? malloc_zone(k, size) : NULL));
}

/*
 * The trailer of addr, checked under INVARIANTS against mtp; returns its
 * address.
 */
static const unsigned char *
malloc_trl_check(const struct shmsim_kernel *k, const void *addr,
    const struct malloc_type *mtp, const char *fn, struct malloc_trl *t)
{
	const unsigned char *ta = trl_addr(k, addr);

	trl_load(t, ta);
	KASSERT(t->mt_magic == MT_MAGIC,
	    ("%s(%p, %s): not a malloc(9) block, or its trailer was "
	     "overwritten",
		fn, addr, mtp->ks_shortdesc));
	KASSERT(t->mt_type == (uint32_t)mtp->ks_index,
	    ("%s(%p, %s): allocated as %s", fn, addr, mtp->ks_shortdesc,
		t->mt_type < M_NTYPES ? malloc_types[t->mt_type]->ks_shortdesc :
					"?"));
	KASSERT(redzone_corrupted(addr, ta, t) == 0,
	    ("%s(%p, %s): redzone: buffer overflow: %d byte(s) corrupted "
	     "after the %ju byte(s) allocated",
		fn, addr, mtp->ks_shortdesc, redzone_corrupted(addr, ta, t),
		(uintmax_t)t->mt_size));
	(void)mtp;
	(void)fn;
	return (ta);
}

/*
 * kern_malloc.c: free() -- NULL is ignored.  A block of a malloc zone's
 * size whose host block has the zone's room (realloc() may have made it
 * smaller) goes into the zone's bucket when it caches and has room.
 */
void
free_k(struct shmsim_kernel *k, void *addr, const struct malloc_type *mtp)
{
	const unsigned char *ta;
	struct malloc_trl t;
	uma_zone_t zone;

	if (addr == NULL)
		return;
	ta = malloc_trl_check(k, addr, mtp, "free", &t);
	malloc_type_count(k, mtp, t.mt_size, false);
	if (t.mt_size <= MALLOC_ZONE_MAX) {
		zone = malloc_zone(k, t.mt_size);
		if (zone->uz_cnt < zone->uz_max &&
		    (size_t)(ta - (const unsigned char *)addr) >=
			zone->uz_size + REDZONE_SIZE &&
		    (size_t)(ta - (const unsigned char *)addr) <= UINT16_MAX) {
			uma_dup_check(zone, addr, "free");
			uma_item_bury(zone, addr);
			zone->uz_trl[zone->uz_cnt] =
			    (uint16_t)(ta - (const unsigned char *)addr);
			zone->uz_bucket[zone->uz_cnt++] = addr;
			return;
		}
	}
	host_free(k, addr);
}

/* kern_malloc.c: realloc() -- NULL allocates; the type stays. */
void *
realloc_k(struct shmsim_kernel *k, void *addr, size_t size,
    const struct malloc_type *mtp, int flags)
{
	const size_t extra = REDZONE_SIZE + sizeof(struct malloc_trl);
	struct malloc_trl t;
	void *np;

	if (addr == NULL)
		return (malloc_k(k, size, mtp, flags));
	KASSERT((flags & M_ZERO) == 0, ("%s: M_ZERO", __func__));
	malloc_trl_check(k, addr, mtp, "realloc", &t);
	if (size > SIZE_MAX - extra)
		panic("%s: %zu bytes of %s", __func__, size, mtp->ks_shortdesc);
	if (k->k_hostmem == NULL)
		np = realloc(addr, size + extra);
	else if ((np = hostmem_alloc(k->k_hostmem, size + extra, false)) !=
	    NULL) {
		memcpy(np, addr, t.mt_size < size ? t.mt_size : size);
		host_free(k, addr);
	}
	if (np == NULL)
		panic("out of host memory (%zu bytes of %s)", size,
		    mtp->ks_shortdesc);
	trl_write(k, np, size, mtp);
	malloc_type_count(k, mtp, t.mt_size, false);
	malloc_type_count(k, mtp, size, true);
	return (np);
}

/*
 * XXX(model): uma_zalloc()/uma_zfree() shaped, for the pages (which the
 * kernel takes from vm_phys, not malloc): no trailer, since the caller
 * knows the size, so a page costs no more host memory than before; the
 * blocks are counted under mtp like any other, but carry no type or
 * redzone to check.
 */
void *
uma_zalloc_k(struct shmsim_kernel *k, size_t size,
    const struct malloc_type *mtp, int flags)
{
	void *p;

	p = host_alloc(k, size, (flags & M_ZERO) != 0);
	if (p == NULL)
		panic("out of host memory (%zu bytes of %s)", size,
		    mtp->ks_shortdesc);
	malloc_type_count(k, mtp, size, true);
	return (p);
}

void
uma_zfree_k(struct shmsim_kernel *k, void *item, size_t size,
    const struct malloc_type *mtp)
{
	if (item == NULL)
		return;
	malloc_type_count(k, mtp, size, false);
	host_free(k, item);
}

/* ------------------------------------------------------------ uma(9) */

/*
 * Whether a new kernel's zones keep freed items (kern/uma.h): only in a
 * kernel for one host thread (the bucket has no lock, as a CPU's bucket
 * needs none), and not where a memory checker's quarantine of freed
 * blocks is the stronger check: built with AddressSanitizer, or running
 * under memcheck (found by a memcheck-only request: callgrind and the
 * other tools answer 0, and keep the cache, so that they measure it).
 */
static bool
uma_under_memcheck(void)
{
#ifdef UMA_VALGRIND
	if (RUNNING_ON_VALGRIND) {
		char v = 0, vbits;

		return (VALGRIND_GET_VBITS(&v, &vbits, 1) == 1);
	}
#endif
	return (false);
}

bool
uma_cache_default(const struct shmsim_kernel *k)
{
#ifdef UMA_ASAN
	(void)k;
	return (false);
#else
	return (k->k_single && !uma_under_memcheck());
#endif
}

/*
 * A zone of k for items of size bytes, counted under mtp, or a malloc
 * zone (mtp NULL: each block counted under its own type).
 */
static void
uma_zone_init(struct shmsim_kernel *k, uma_zone_t zone, const char *name,
    size_t size, const struct malloc_type *mtp)
{
	zone->uz_name = name;
	zone->uz_mtp = mtp;
	zone->uz_size = size;
	zone->uz_kernel = k;
	zone->uz_cache = k->k_uma_cache;
	zone->uz_memcheck = k->k_uma_memcheck;
	zone->uz_fast = k->k_single && !zone->uz_memcheck;
	zone->uz_cnt = 0;
	zone->uz_max = zone->uz_cache ? UMA_BUCKET_SIZE : 0;
	zone->uz_hits = 0;
}

/* uma_core.c: uma_zcreate() -- a zone of k for items of size bytes. */
void
uma_zcreate_k(struct shmsim_kernel *k, enum uma_zone_index idx,
    const char *name, size_t size, const struct malloc_type *mtp)
{
	uma_zone_t zone = UMA_ZONE(k, idx);

	KASSERT(idx < UMA_NZONES && zone->uz_kernel == NULL,
	    ("%s: zone %d (%s) created twice", __func__, (int)idx, name));
	uma_zone_init(k, zone, name, size, mtp);
}

/*
 * uma_core.c: uma_startup() for the model: whether k's zones cache, and
 * the malloc zones (kmeminit() creates them in the kernel).  First of
 * all in a new kernel.
 */
void
uma_startup_k(struct shmsim_kernel *k)
{
	static const char *const names[MALLOC_NZONES] = { "malloc-16",
		"malloc-32", "malloc-64", "malloc-128", "malloc-256",
		"malloc-384", "malloc-512" };
	int i;

	k->k_uma_cache = uma_cache_default(k);
	k->k_uma_memcheck = uma_under_memcheck();
	for (i = 0; i < MALLOC_NZONES; i++)
		uma_zone_init(k, &k->k_mzones[i], names[i],
		    malloc_zone_sizes[i], NULL);
}

/* uma_core.c: uma_zone_reclaim() for every zone of k (its destroy). */
void
uma_reclaim_k(struct shmsim_kernel *k)
{
	int i;

	for (i = 0; i < UMA_NZONES; i++)
		uma_zone_drain(UMA_ZONE(k, i));
	for (i = 0; i < MALLOC_NZONES; i++)
		uma_zone_drain(&k->k_mzones[i]);
}

/* The host block behind an item: the item, its redzone and trailer. */
static inline size_t
uma_span(uma_zone_t zone)
{
	return (zone->uz_size + REDZONE_SIZE + sizeof(struct malloc_trl));
}

/*
 * uma_dbg.c: trash_ctor() -- under INVARIANTS a free item must still
 * hold the pattern trash_dtor() wrote over it, and its redzone and
 * trailer must be intact; anything else is a write through a stale
 * pointer, and panics.
 */
static void
uma_trash_check(uma_zone_t zone, const void *item, const char *fn)
{
#ifdef INVARIANTS
	const uint64_t junk2 = (uint64_t)UMA_JUNK << 32 | UMA_JUNK;
	const unsigned char *b = item;
	struct malloc_trl t;
	uint64_t w2;
	uint32_t w;
	size_t off;

	/*
	 * Intact pairs of words first, eight bytes at a time; the first
	 * word that differs is then found, and named, as one word at a
	 * time would have found it.
	 */
	for (off = 0; off + sizeof(w2) <= zone->uz_size; off += sizeof(w2)) {
		memcpy(&w2, b + off, sizeof(w2));
		if (w2 != junk2)
			break;
	}
	for (; off + sizeof(w) <= zone->uz_size; off += sizeof(w)) {
		memcpy(&w, b + off, sizeof(w));
		if (w != UMA_JUNK)
			panic("%s: Memory modified after free %p(%zu) of zone "
			      "%s: %#x at byte %zu, not the free pattern "
			      "%#x (a write through a stale pointer)",
			    fn, item, zone->uz_size, zone->uz_name, w, off,
			    UMA_JUNK);
	}
	if (zone->uz_mtp != NULL) {
		malloc_trl_check(zone->uz_kernel, item, zone->uz_mtp, fn, &t);
		KASSERT(t.mt_size == zone->uz_size,
		    ("%s: free item %p of zone %s: its trailer says %ju bytes",
			fn, item, zone->uz_name, (uintmax_t)t.mt_size));
	} else {
		/* A malloc zone's: its redzone runs from the zone's size. */
		const unsigned char *ta = trl_addr(zone->uz_kernel, item);

		trl_load(&t, ta);
		KASSERT(t.mt_magic == MT_MAGIC,
		    ("%s: free item %p of zone %s: its trailer was "
		     "overwritten",
			fn, item, zone->uz_name));
		t.mt_size = zone->uz_size;
		KASSERT(redzone_corrupted(item, ta, &t) == 0,
		    ("%s: free item %p of zone %s: %d byte(s) of its redzone "
		     "overwritten",
			fn, item, zone->uz_name,
			redzone_corrupted(item, ta, &t)));
		(void)ta;
	}
#else
	(void)zone;
	(void)item;
	(void)fn;
#endif
}

/*
 * An item goes into the bucket: filled with UMA_JUNK under INVARIANTS
 * (uma_dbg.c: trash_dtor()), then made inaccessible to the memory
 * checkers, its redzone and trailer too.
 */
static inline void
uma_item_kill(uma_zone_t zone, void *item)
{
#ifdef INVARIANTS
	unsigned char *b = item;
	const uint32_t junk = UMA_JUNK;
	size_t off;

	for (off = 0; off + sizeof(junk) <= zone->uz_size; off += sizeof(junk))
		memcpy(b + off, &junk, sizeof(junk));
#endif
	ASAN_POISON_MEMORY_REGION(item, uma_span(zone));
}

/*
 * uma_item_kill(), and memcheck told.  The fast paths (uz_fast: never
 * under memcheck) use uma_item_kill() and uma_item_raise() alone: a
 * client request's argument block would cost them a stack frame.
 */
static inline void
uma_item_bury(uma_zone_t zone, void *item)
{
	uma_item_kill(zone, item);
	if (__predict_false(zone->uz_memcheck))
		VALGRIND_MAKE_MEM_NOACCESS(item, uma_span(zone));
}

/* An item comes out of the bucket: accessible again, and checked. */
static inline void
uma_item_raise(uma_zone_t zone, void *item, const char *fn)
{
	ASAN_UNPOISON_MEMORY_REGION(item, uma_span(zone));
	uma_trash_check(zone, item, fn);
}

/* uma_item_raise() with memcheck told (before the check reads it). */
static inline void
uma_item_revive(uma_zone_t zone, void *item, const char *fn)
{
	ASAN_UNPOISON_MEMORY_REGION(item, uma_span(zone));
	if (__predict_false(zone->uz_memcheck))
		VALGRIND_MAKE_MEM_DEFINED(item, uma_span(zone));
	uma_trash_check(zone, item, fn);
}

/* uma_zalloc() past its fast path (below): the same steps. */
static __attribute__((__noinline__)) void *
uma_zalloc_slow(uma_zone_t zone, int flags)
{
	void *item;

	if (zone->uz_cnt > 0) {
		item = zone->uz_bucket[--zone->uz_cnt];
		zone->uz_hits++;
		uma_item_revive(zone, item, "uma_zalloc");
		/* As a new host block: undefined until written. */
		if (__predict_false(zone->uz_memcheck))
			VALGRIND_MAKE_MEM_UNDEFINED(item, zone->uz_size);
		if ((flags & M_ZERO) != 0)
			memset(item, 0, zone->uz_size);
	} else
		item = malloc_block(zone->uz_kernel, zone->uz_size,
		    zone->uz_mtp, flags);
	malloc_type_count(zone->uz_kernel, zone->uz_mtp, zone->uz_size, true);
	return (item);
}

/*
 * uma_core.c: uma_zalloc() -- an item of zone, from its bucket when it
 * has one, else from the host; zeroed with M_ZERO.  Counted under the
 * zone's malloc type either way.  As uma_zalloc_arg()'s per-CPU cache
 * path comes first in the kernel, a single kernel's bucket path comes
 * first here and makes no call but the M_ZERO memset, a tail call: it
 * saves no registers.
 */
void *
uma_zalloc(uma_zone_t zone, int flags)
{
	void *item;

	KASSERT((flags & (M_WAITOK | M_NOWAIT)) != 0 &&
		(flags & (M_WAITOK | M_NOWAIT)) != (M_WAITOK | M_NOWAIT),
	    ("%s: M_WAITOK or M_NOWAIT, not both (flags %#x)", __func__,
		flags));
	if (__predict_false(zone->uz_cnt == 0 || !zone->uz_fast))
		return (uma_zalloc_slow(zone, flags));
	item = zone->uz_bucket[--zone->uz_cnt];
	zone->uz_hits++;
	uma_item_raise(zone, item, "uma_zalloc");
	malloc_type_count_single(zone->uz_kernel, zone->uz_mtp, zone->uz_size,
	    true);
	if ((flags & M_ZERO) != 0)
		return (memset(item, 0, zone->uz_size));
	return (item);
}

/* A second free of an item in the bucket panics. */
static void
uma_dup_check(uma_zone_t zone, const void *item, const char *fn)
{
	unsigned int i;

	for (i = 0; i < zone->uz_cnt; i++)
		if (__predict_false(zone->uz_bucket[i] == item))
			panic("%s(%p): duplicate free of an item of zone %s",
			    fn, item, zone->uz_name);
}

/* uma_zfree() past its fast path (below): the same steps. */
static __attribute__((__noinline__)) void
uma_zfree_slow(uma_zone_t zone, void *item)
{
	malloc_type_count(zone->uz_kernel, zone->uz_mtp, zone->uz_size, false);
	if (zone->uz_cnt < zone->uz_max) {
		uma_item_bury(zone, item);
		zone->uz_bucket[zone->uz_cnt++] = item;
		return;
	}
	host_free(zone->uz_kernel, item);
}

/*
 * uma_core.c: uma_zfree() -- NULL is ignored.  The item goes into the
 * bucket when the zone caches and the bucket has room, else back to the
 * host.  An item freed twice while in the bucket panics (uma_dbg.c's
 * uma_dbg_free() finds it in its slab's free set; a double free of a host
 * block made glibc abort, and must not pass silently now).
 */
void
uma_zfree(uma_zone_t zone, void *item)
{
	if (item == NULL)
		return;
#ifdef INVARIANTS
	{
		struct malloc_trl t;

		malloc_trl_check(zone->uz_kernel, item, zone->uz_mtp,
		    "uma_zfree", &t);
		KASSERT(t.mt_size == zone->uz_size,
		    ("uma_zfree(%p): an item of zone %s has %zu bytes, not "
		     "%ju",
			item, zone->uz_name, zone->uz_size,
			(uintmax_t)t.mt_size));
	}
#endif
	uma_dup_check(zone, item, "uma_zfree");
	if (__predict_true(zone->uz_fast && zone->uz_cnt < zone->uz_max)) {
		/* The bucket's path of a single kernel, without a call. */
		malloc_type_count_single(zone->uz_kernel, zone->uz_mtp,
		    zone->uz_size, false);
		uma_item_kill(zone, item);
		zone->uz_bucket[zone->uz_cnt++] = item;
		return;
	}
	uma_zfree_slow(zone, item);
}

/*
 * uma_core.c: uma_zone_reclaim() -- every item in the bucket back to the
 * host, each checked as an allocation would check it.
 */
void
uma_zone_drain(uma_zone_t zone)
{
	void *item;

	while (zone->uz_cnt > 0) {
		item = zone->uz_bucket[--zone->uz_cnt];
		uma_item_revive(zone, item, "uma_zone_drain");
		host_free(zone->uz_kernel, item);
	}
}

void
uma_zone_set_cache(uma_zone_t zone, bool on)
{
	if (!on)
		uma_zone_drain(zone);
	zone->uz_cache = on;
	zone->uz_max = on ? UMA_BUCKET_SIZE : 0;
}

/*
 * Model-only, for the auditor: the number of bytes written past the end
 * of the block at addr (0 without INVARIANTS, which has no redzone).
 */
int
malloc_redzone_check(const struct shmsim_kernel *k, const void *addr)
{
	const unsigned char *ta = trl_addr(k, addr);
	struct malloc_trl t;

	trl_load(&t, ta);
	return (redzone_corrupted(addr, ta, &t));
}

static void
mts_read(const struct malloc_type_stats *mts, struct malloc_type_totals *t,
    uint64_t *nf, uint64_t *mf)
{
	t->requests +=
	    atomic_load_explicit(&mts->mts_numallocs, memory_order_relaxed);
	t->memuse +=
	    atomic_load_explicit(&mts->mts_memalloced, memory_order_relaxed);
	*nf += atomic_load_explicit(&mts->mts_numfrees, memory_order_relaxed);
	*mf += atomic_load_explicit(&mts->mts_memfreed, memory_order_relaxed);
}

static void
malloc_pcpu_read(const struct malloc_pcpu *mp, struct malloc_type_totals *t,
    uint64_t *nf, uint64_t *mf)
{
	int i;

	for (i = 0; i < M_NTYPES; i++)
		mts_read(&mp->mp_stats[i], &t[i], &nf[i], &mf[i]);
}

/*
 * vmstat -m for every type (t has M_NTYPES entries): in use, bytes in
 * use, requests -- the sum of every thread's set (a thread may free what
 * another allocated).
 */
void
malloc_stats_read(struct shmsim_kernel *k, struct malloc_type_totals *t)
{
	struct malloc_stats *ms = &k->k_malloc;
	struct malloc_pcpu *mp;
	uint64_t nf[M_NTYPES], mf[M_NTYPES];
	unsigned int j, n;
	int i;

	memset(t, 0, M_NTYPES * sizeof(*t));
	memset(nf, 0, sizeof(nf));
	memset(mf, 0, sizeof(mf));
	n = atomic_load_explicit(&ms->ms_nsets, memory_order_acquire);
	for (j = 0; j < n; j++) {
		mp =
		    atomic_load_explicit(&ms->ms_sets[j], memory_order_acquire);
		if (mp != NULL)
			malloc_pcpu_read(mp, t, nf, mf);
	}
	malloc_pcpu_read(&ms->ms_shared, t, nf, mf);
	for (i = 0; i < M_NTYPES; i++) {
		t[i].inuse = t[i].requests - nf[i];
		t[i].memuse -= mf[i];
	}
}

size_t
shmsim_malloc_stats(struct shmsim_kernel *k, struct shmsim_malloc_stat *st,
    size_t n)
{
	struct malloc_type_totals t[M_NTYPES];
	size_t i;

	malloc_stats_read(k, t);
	for (i = 0; i < M_NTYPES && i < n; i++) {
		st[i].type = malloc_types[i]->ks_shortdesc;
		st[i].inuse = t[i].inuse;
		st[i].memuse = t[i].memuse;
		st[i].requests = t[i].requests;
	}
	return (M_NTYPES);
}

/* The leak check: every type back to zero; names those that are not. */
void
malloc_leak_check(struct shmsim_kernel *k, struct shmsim_report *r)
{
	struct malloc_type_totals t[M_NTYPES];
	int i;

	malloc_stats_read(k, t);
	for (i = 0; i < M_NTYPES; i++) {
		if (t[i].inuse != 0 || t[i].memuse != 0)
			shmsim_report_add(r,
			    "leak: malloc type %s: %ju block(s), %ju byte(s) "
			    "still allocated (of %ju request(s))",
			    malloc_types[i]->ks_shortdesc,
			    (uintmax_t)t[i].inuse, (uintmax_t)t[i].memuse,
			    (uintmax_t)t[i].requests);
	}
}
