/*
 * uma(9) for the model (kern_malloc.c): the zones the kernel takes its
 * files (file_zone, "Files"), vm objects (obj_zone, "VM OBJECT") and map
 * entries (mapentzone, "MAP ENTRY") from, each keeping up to
 * UMA_BUCKET_SIZE freed items for reuse, as a CPU's bucket does.
 *
 * The zones hang off struct shmsim_kernel (k_zones), one set per kernel.
 * Every allocation and free is still counted under the zone's malloc
 * type, as it was when these structures came from malloc(9): an item in
 * the bucket is free (vmstat -m's "in use" does not count it), so the
 * leak check and every test see the same numbers.  shmsim_kernel_destroy()
 * drains the buckets (uma_zone_drain()).
 *
 * A cached item is dead memory: under INVARIANTS it is filled with
 * UMA_JUNK when freed and checked on reuse (uma_dbg.c: trash_dtor() and
 * trash_ctor(); a modified free item panics), and it is poisoned for
 * AddressSanitizer and valgrind's memcheck while it waits.
 *
 * XXX(model): the kernel keeps a bucket per CPU and full buckets in the
 * zone; the model keeps one bucket per zone, and only in a kernel for one
 * host thread (SHMSIM_THREADS_SINGLE): a multi kernel, and a build with
 * ASan or a run under memcheck, whose quarantine of freed blocks finds a
 * stale pointer even after its memory would have been reused, hand every
 * free to the host allocator (uz_cache false).  See docs/performance.md,
 * "UMA zones" (issue 19).
 */
#ifndef SHMSIM_KERN_UMA_H
#define SHMSIM_KERN_UMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/malloc.h"

/* Items a zone keeps (a bucket's size in the kernel is 2 to 256). */
#define UMA_BUCKET_SIZE 16

/* uma_dbg.c: the pattern a free item holds under INVARIANTS. */
#define UMA_JUNK 0xdeadc0deU

enum uma_zone_index {
	UMA_ZONE_FILE,	   /* kern_descrip.c: file_zone, "Files" */
	UMA_ZONE_MAPENTRY, /* vm_map.c: mapentzone, "MAP ENTRY" */
	UMA_ZONE_VMOBJECT, /* vm_object.c: obj_zone, "VM OBJECT" */
	UMA_NZONES
};

struct shmsim_kernel;

/* uma_int.h: struct uma_zone, reduced. */
struct uma_zone {
	const char *uz_name;
	const struct malloc_type *uz_mtp; /* counted under this type */
	size_t uz_size;			  /* item size */
	struct shmsim_kernel *uz_kernel;
	bool uz_cache;	     /* keep freed items (see above) */
	bool uz_memcheck;    /* running under memcheck: tell it */
	bool uz_fast;	     /* single kernel, no memcheck: the fast paths */
	unsigned int uz_cnt; /* items in uz_bucket */
	unsigned int uz_max; /* its room: 0 when the zone does not cache */
	uint64_t uz_hits;    /* allocations served from the bucket */
	void *uz_bucket[UMA_BUCKET_SIZE]; /* LIFO, as a bucket */
	/*
	 * A malloc zone's: where each item's trailer is, as free() found
	 * it (kern_malloc.c: trl_addr()), so that malloc() rewrites it
	 * without asking the host allocator again.
	 */
	uint16_t uz_trl[UMA_BUCKET_SIZE];
};
typedef struct uma_zone *uma_zone_t;

/* kern_malloc.c: the malloc zones, "malloc-16" to "malloc-512". */
#define MALLOC_NZONES 7

/* The kernel's zone named by index (file_zone, obj_zone, mapentzone). */
#define UMA_ZONE(k, idx) (&(k)->k_zones[(idx)])

/* uma_core.c: uma_zcreate(), uma_zalloc(), uma_zfree() */
void uma_startup_k(struct shmsim_kernel *k);
void uma_reclaim_k(struct shmsim_kernel *k);
void uma_zcreate_k(struct shmsim_kernel *k, enum uma_zone_index idx,
    const char *name, size_t size, const struct malloc_type *mtp);
void *uma_zalloc(uma_zone_t zone, int flags);
void uma_zfree(uma_zone_t zone, void *item);
/* uma_core.c: uma_zone_reclaim() -- the bucket back to the host. */
void uma_zone_drain(uma_zone_t zone);
/*
 * Model-only: whether zone may keep freed items, the answer of
 * uma_cache_default() unless a test says otherwise (the sanitizer tests).
 */
void uma_zone_set_cache(uma_zone_t zone, bool on);
bool uma_cache_default(const struct shmsim_kernel *k);

#endif /* SHMSIM_KERN_UMA_H */
