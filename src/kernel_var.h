/*
 * One simulated kernel instance.  Everything the FreeBSD kernel keeps in
 * globals (the shm dictionary and its locks, the inode allocator, the
 * object list, the swap device, openfiles, allproc) hangs off this
 * structure instead, so that tests and fuzzers create and destroy kernels
 * freely.  There is no global mutable state in shmsim.
 */
#ifndef SHMSIM_KERNEL_VAR_H
#define SHMSIM_KERNEL_VAR_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <bsd/sys/queue.h>

#include "fault.h"
#include "file.h"
#include "kern/lock.h"
#include "kern/malloc.h"
#include "kern/uma.h"
#include "proc.h"
#include "shm.h"
#include "shmsim.h"
#include "vm_object.h"

/* Per-uid swap charge (kern_resource.c: uidinfo ui_vmsize). */
struct uidinfo {
	LIST_ENTRY(uidinfo) ui_link;
	uid_t ui_uid;
	uint64_t ui_vmsize; /* bytes reserved */
};

/* The simulated swap device (swap_pager.c: swdevt plus reservation). */
struct swdev {
	struct mtx sw_mtx;
	uint64_t sw_nslots;	   /* capacity, from swap_pages */
	uint64_t sw_used;	   /* slots holding a page */
	uint64_t sw_hiwat;	   /* slots ever handed out */
	unsigned char **sw_blocks; /* slot -> page bytes (NULL: free) */
	uint64_t sw_cap;	   /* sw_blocks array length */
	uint64_t *sw_freelist;	   /* freed slots, reused first */
	uint64_t sw_nfree;
	uint64_t sw_reserved; /* bytes reserved by all creds */
	LIST_HEAD(, uidinfo) sw_uidinfo;
};

struct shmsim_kernel {
	struct shmsim_config k_cfg;
	unsigned int k_page_shift;
	bool k_single;		  /* k_cfg.threads == SHMSIM_THREADS_SINGLE */
	unsigned char k_hostmode; /* its _curhost_mode: 0 or CURHOST_MULTI */
	/* The host thread that entered first (SINGLE, INVARIANTS). */
	_Atomic(const void *) k_host;
	struct witness k_witness;
	struct shmsim_fault_plan k_faults;
	atomic_int_fast64_t k_clock_ns; /* the simulated clock */

	/* kern_proc.c */
	struct sx allproc_lock;
	LIST_HEAD(, proc) allproc;
	int k_nextpid;
	atomic_uint_fast64_t k_nprocs;

	/* kern_jail.c */
	struct sx allprison_lock;
	LIST_HEAD(, prison) allprison;

	/* kern_descrip.c */
	atomic_int openfiles;
	atomic_uint_fast64_t k_inflight;
	atomic_uint_fast64_t k_next_fserial; /* model-only: file.f_serial */

	/* vm_object.c */
	struct mtx vm_object_list_mtx;
	TAILQ_HEAD(vm_object_tailq, vm_object) vm_object_list;
	atomic_uint_fast64_t k_nobjects;
	atomic_uint_fast64_t k_next_oid;
	atomic_uint_fast64_t k_resident; /* resident pages, all objects */
	/* vm_phys: vm.largepages.<size>, large pages in use per psind. */
	atomic_uint_fast64_t count_largepages[SHMSIM_MAXPAGESIZES];

	/* swap_pager.c */
	struct swdev k_swap;

	/* uipc_shm.c */
	struct sx shm_dict_lock;
	struct mtx shm_timestamp_lock;
	struct shm_dict_bucket *shm_dictionary;
	unsigned long shm_hash;		  /* bucket mask */
	atomic_uint_fast64_t shm_ino_unr; /* next shm_ino */
	uint64_t shm_dev_ino;
	atomic_uint_fast64_t k_nshm;
	atomic_uint_fast64_t k_nnames;

	/* kern_malloc.c: per malloc type (vmstat -m) */
	struct malloc_stats k_malloc;
	/* uma_core.c: file_zone, mapentzone, obj_zone (kern/uma.h) */
	struct uma_zone k_zones[UMA_NZONES];
	struct uma_zone k_mzones[MALLOC_NZONES]; /* kmemzones */
	bool k_uma_cache, k_uma_memcheck;	 /* uma_startup_k() */
	/* Where malloc(9)'s host blocks come from: NULL, the host's malloc(3)
	   (k_cfg.hostmem; src/hostmem.h). */
	struct shmsim_hostmem *k_hostmem;

	/*
	 * The auditor's memory (model-only, not simulated state): the seals
	 * of each live object at the last audit, sorted by inode, so that
	 * the next audit can check they only grew and froze after
	 * F_SEAL_SEAL.
	 */
	struct audit_seals {
		uint64_t ino;
		int seals;
	} * k_audit_seals;
	size_t k_naudit_seals, k_capaudit_seals;
};

#define K_PROFILE_2008(k) ((k)->k_cfg.profile == SHMSIM_PROFILE_2008)

/*
 * Entry into a kernel from the public API (model-only), from
 * thread_enter() and the entries without a process: the calling host
 * thread's reference counts follow the kernel's threads setting, and,
 * under INVARIANTS, a kernel made for one host thread records the first
 * host thread to enter it and panics when another one does.
 */
void kernel_enter_foreign(struct shmsim_kernel *k);
static inline void
kernel_enter(struct shmsim_kernel *k)
{
	_curhost_mode =
	    (unsigned char)((_curhost_mode & CURHOST_EXPLORED) | k->k_hostmode);
#ifdef INVARIANTS
	if (k->k_single &&
	    __predict_false(
		atomic_load_explicit(&k->k_host, memory_order_relaxed) !=
		(const void *)&_curthread_host))
		kernel_enter_foreign(k);
#endif
}

/*
 * Model-only: the struct thread of a call of the public API made by
 * process p (src/syscalls.c), after kernel_enter().
 */
static inline void
thread_enter(struct thread *td, struct proc *p)
{
	kernel_enter(p->p_kernel);
	td->td_proc = p;
	td->td_ucred = p->p_ucred;
	td->td_retval[0] = 0;
	td->td_retval[1] = 0;
}

/*
 * Read-modify-write of a counter of kernel k: atomic (sequentially
 * consistent) in a kernel for several host threads, a plain load and
 * store in one for a single host thread.  Evaluates to the old value.
 */
#define K_ATOMIC_RMW_(k, obj, op, fetch_op, v)                                 \
	__extension__({                                                        \
		__typeof__(obj) ka_p_ = (obj);                                 \
		__typeof__((void)0, *ka_p_) ka_old_;                           \
		if ((k)->k_single) {                                           \
			ka_old_ =                                              \
			    atomic_load_explicit(ka_p_, memory_order_relaxed); \
			atomic_store_explicit(ka_p_, ka_old_ op(v),            \
			    memory_order_relaxed);                             \
		} else                                                         \
			ka_old_ = fetch_op(ka_p_, (v));                        \
		ka_old_;                                                       \
	})
#define k_atomic_fetch_add(k, obj, v) \
	K_ATOMIC_RMW_(k, obj, +, atomic_fetch_add, v)
#define k_atomic_fetch_sub(k, obj, v) \
	K_ATOMIC_RMW_(k, obj, -, atomic_fetch_sub, v)
/*
 * fault.h: count a hit of site; true when this hit must fail (callers
 * then return the kernel's errno for that site).  Every hit is counted
 * (shmsim_fault_hits(), and shmsim_fault_set() arms relative to the
 * count); with the site disarmed (nth 0) that is all it does.
 */
bool shmsim_fault_fires(struct shmsim_kernel *k, enum shmsim_fault_site site,
    uint64_t hit, uint64_t nth);
static inline bool
shmsim_fault_hit(struct shmsim_kernel *k, enum shmsim_fault_site site)
{
	struct shmsim_fault_plan *fp = &k->k_faults;
	uint64_t hit, nth;

	hit = k_atomic_fetch_add(k, &fp->fp_site[site].hits, 1) + 1;
	nth = atomic_load(&fp->fp_site[site].nth);
	if (__predict_true(nth == 0 || hit < nth))
		return (false);
	return (shmsim_fault_fires(k, site, hit, nth));
}

/* pmap_has_largepages: the config names at least one large page size. */
#define PMAP_HAS_LARGEPAGES(k) ((k)->k_cfg.page_sizes[1] != 0)

/* Host allocation; the kernel's M_WAITOK never fails, so neither do these. */
void *shmsim_malloc(size_t size);
void *shmsim_calloc(size_t n, size_t size);
void *shmsim_realloc(void *p, size_t size);

/*
 * malloc(9), free(9), realloc(9) of the kernel instance k (kern_malloc.c):
 * every kernel structure goes through these, under its malloc type.
 */
void *malloc_k(struct shmsim_kernel *k, size_t size,
    const struct malloc_type *mtp, int flags);
void free_k(struct shmsim_kernel *k, void *addr, const struct malloc_type *mtp);
void *realloc_k(struct shmsim_kernel *k, void *addr, size_t size,
    const struct malloc_type *mtp, int flags);
void *uma_zalloc_k(struct shmsim_kernel *k, size_t size,
    const struct malloc_type *mtp, int flags);
void uma_zfree_k(struct shmsim_kernel *k, void *item, size_t size,
    const struct malloc_type *mtp);
void malloc_stats_destroy(struct shmsim_kernel *k);
/*
 * kern_malloc.c: malloc_type_allocated(), malloc_type_freed() -- count
 * size bytes of type mtp that did not come from malloc_k() (see
 * shm_dict_init()).
 */
void malloc_type_allocated(struct shmsim_kernel *k,
    const struct malloc_type *mtp, size_t size);
void malloc_type_freed(struct shmsim_kernel *k, const struct malloc_type *mtp,
    size_t size);
int malloc_redzone_check(const struct shmsim_kernel *k, const void *addr);
void malloc_stats_read(struct shmsim_kernel *k, struct malloc_type_totals *t);

/* Report buffer helper for the auditor and the leak check. */
struct shmsim_report {
	char *buf;
	size_t len;
	size_t used;
	int count;
};
void shmsim_report_add(struct shmsim_report *r, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

/* shmsim_audit() with the kernel's locks taken or not (audit.c). */
int audit_kernel(struct shmsim_kernel *k, char *report, size_t len,
    bool locked);
/*
 * The per-call audit's shortcut (audit.c, audit_kernel_memo(); used by
 * fuzz_syscalls, proven there against the full audit): what the last
 * audit found in each descriptor table and in the dictionary, so that
 * what the call did not change is not scanned again.  Nothing is
 * remembered when p and names_valid are cleared (zeroed, for one).
 */
struct audit;
struct file;
struct proc;
struct shmfd;
#define AUDIT_MEMO_PROCS 16
#define AUDIT_MEMO_FILES 32
#define AUDIT_MEMO_NAMES 64
struct audit_memo {
	const struct proc *p[AUDIT_MEMO_PROCS]; /* NULL: a free entry */
	struct audit_memo_proc {
		int pid;
		const void *ofiles; /* the table and its size when scanned */
		int nfiles;
		int nused;
		struct file *files[AUDIT_MEMO_FILES]; /* in slot order */
	} procs[AUDIT_MEMO_PROCS];
	/* The dictionary: each name's object, in the scan's order. */
	bool names_valid;
	int nnames;
	struct shmfd *names[AUDIT_MEMO_NAMES];
	/* The auditor's working state (struct audit), made at the first
	   audit with this memo; audit_memo_release() frees it. */
	struct audit *scratch;
};
/*
 * What the call since the memo was made may have changed, hence is
 * audited in full: the descriptor table of one process (NULL: none),
 * and the dictionary.
 */
struct audit_dirty {
	const struct proc *table;
	bool names;
};
int audit_kernel_memo(struct shmsim_kernel *k, char *report, size_t len,
    bool locked, struct audit_memo *memo, bool shortcut,
    const struct audit_dirty *dirty);
void audit_memo_release(struct audit_memo *memo);
/* The same, locked as shmsim_audit() decides. */
int shmsim_audit_memo(struct shmsim_kernel *k, char *report, size_t len,
    struct audit_memo *memo, bool shortcut, const struct audit_dirty *dirty);
/* The leak check of malloc(9): every type back to zero. */
void malloc_leak_check(struct shmsim_kernel *k, struct shmsim_report *r);

/* The resident budget: run the pagedaemon if mem_pages is exceeded. */
void vm_pageout_check(struct shmsim_kernel *k);

/* dump.c: shmsim_dump() without a lock, for the explorer only. */
int shmsim_dump_unlocked(struct shmsim_kernel *k, FILE *out,
    enum shmsim_dump_format format, const char *title);

#endif /* SHMSIM_KERNEL_VAR_H */
