/*
 * malloc(9) for the model (kern_malloc.c): every kernel structure is
 * allocated under a malloc type, and each kernel instance counts, per
 * type, the allocations, frees and bytes, as `vmstat -m` shows them.
 * The kernel's leak check requires every type back to zero.
 *
 * A type is defined once, in the file that owns it, with
 * MALLOC_DEFINE(M_FOO, "foo", "what it is"), and declared here; the
 * descriptors are constant (no global mutable state): the counts live in
 * struct shmsim_kernel (k_malloc).  Every type has an index in
 * enum malloc_type_index below, which orders the dump.
 *
 * XXX(model): the kernel allocates some of these structures from UMA
 * zones (files, processes, vmspaces, map entries, vm objects, swap
 * blocks) and pages from the physical allocator; the model counts them
 * as malloc types named after the zones.
 */
#ifndef SHMSIM_KERN_MALLOC_H
#define SHMSIM_KERN_MALLOC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* malloc(9) flags.  M_WAITOK never fails (the host panics first). */
#define M_NOWAIT 0x0001
#define M_WAITOK 0x0002
#define M_ZERO 0x0100

enum malloc_type_index {
	M_CRED_INDEX,
	M_FILE_INDEX,
	M_FILEDESC_INDEX,
	M_MAPENTRY_INDEX,
	M_PRISON_INDEX,
	M_PROC_INDEX,
	M_RIGHTS_INDEX,
	M_SHMFD_INDEX,
	M_SWAP_INDEX,
	M_TEMP_INDEX,
	M_UIDINFO_INDEX,
	M_VMOBJECT_INDEX,
	M_VMPAGE_INDEX,
	M_VMSPACE_INDEX,
	M_NTYPES
};

/* sys/malloc.h: struct malloc_type, reduced to its name. */
struct malloc_type {
	enum malloc_type_index ks_index;
	const char *ks_shortdesc; /* the vmstat -m name */
	const char *ks_longdesc;
};

#define MALLOC_DECLARE(type) extern const struct malloc_type type[1]
#define MALLOC_DEFINE(type, shortdesc, longdesc)                          \
	const struct malloc_type type[1] = { { type##_INDEX, (shortdesc), \
	    (longdesc) } }

MALLOC_DECLARE(M_CRED);	    /* kern_prot.c: struct ucred */
MALLOC_DECLARE(M_FILE);	    /* kern_descrip.c: struct file ("Files") */
MALLOC_DECLARE(M_FILEDESC); /* kern_descrip.c: table and its slots */
MALLOC_DECLARE(M_MAPENTRY); /* vm_map.c: "MAP ENTRY" */
MALLOC_DECLARE(M_PRISON);   /* kern_jail.c: struct prison */
MALLOC_DECLARE(M_PROC);	    /* kern_proc.c: "PROC" */
MALLOC_DECLARE(M_RIGHTS);   /* uipc_rights.c: descriptors in flight */
MALLOC_DECLARE(M_SHMFD);    /* uipc_shm.c: shmfd, names, dictionary */
MALLOC_DECLARE(M_SWAP);	    /* swap_pager.c: blocks, slots, device */
MALLOC_DECLARE(M_TEMP);	    /* kern_malloc.c: "temp" */
MALLOC_DECLARE(M_UIDINFO);  /* kern_resource.c: struct uidinfo */
MALLOC_DECLARE(M_VMOBJECT); /* vm_object.c: "VM OBJECT" */
MALLOC_DECLARE(M_VMPAGE);   /* vm_page.c: pages and large pages */
MALLOC_DECLARE(M_VMSPACE);  /* vm_map.c: "VMSPACE" */

/* The types in index order (the dump's order). */
extern const struct malloc_type *const malloc_types[M_NTYPES];

/*
 * sys/malloc.h: struct malloc_type_stats, one per type in each
 * struct malloc_pcpu.  Only kern_malloc.c's malloc_type_count() writes
 * them, and each set has a single writer: a relaxed load and store, no
 * locked instruction.
 */
struct malloc_type_stats {
	atomic_uint_fast64_t mts_memalloced; /* bytes allocated, ever */
	atomic_uint_fast64_t mts_memfreed;   /* bytes freed, ever */
	atomic_uint_fast64_t mts_numallocs;  /* allocations, ever */
	atomic_uint_fast64_t mts_numfrees;   /* frees, ever */
};

/*
 * The kernel keeps its statistics per CPU (counter(9)); the model per
 * thread: the first allocation a thread (host or simulated) makes in a
 * kernel claims a set of counters in that kernel's table, found again by
 * the thread's address.  A thread that exits leaves its set, still
 * counted; a later thread at the same address carries on with it (only
 * live threads write, each its own).  Past MALLOC_NPCPU threads, one
 * shared set is updated with atomic adds.  A kernel for one host thread
 * (SHMSIM_THREADS_SINGLE) has one writer: it counts in the shared set
 * alone, with plain loads and stores.  The readers add the sets up.
 */
#define MALLOC_NPCPU 64
struct malloc_pcpu {
	const void *mp_owner; /* the struct sim_thread that writes it */
	struct malloc_type_stats mp_stats[M_NTYPES];
};
struct malloc_stats {
	_Atomic(struct malloc_pcpu *) ms_pcpu[MALLOC_NPCPU];
	struct malloc_pcpu ms_shared; /* table full (atomic adds); single */
	struct malloc_pcpu ms_first;  /* the first thread's, in place */
	atomic_bool ms_first_taken;
	/* The sets claimed, in claim order, for the readers. */
	_Atomic(struct malloc_pcpu *) ms_sets[MALLOC_NPCPU];
	atomic_uint ms_nsets;
};

/* vmstat -m's columns for one type: the sum of the per-thread sets. */
struct malloc_type_totals {
	uint64_t inuse;	   /* blocks allocated and not freed */
	uint64_t memuse;   /* their bytes */
	uint64_t requests; /* allocations ever */
};

#endif /* SHMSIM_KERN_MALLOC_H */
