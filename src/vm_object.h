/*
 * Swap-backed VM objects with simulated pages and a simulated swap device
 * (sys/vm/vm_object.c, vm_page.c, swap_pager.c, reduced to what POSIX
 * shared memory needs).
 *
 * Pages hold real bytes.  A resident page lives in the object's page tree
 * (as object->rtree); a page that was paged out lives only as a swap
 * block in the object's swap tree, its bytes in a slot of the swap
 * device.  Both trees are sparse: a 1 TiB object with three touched pages
 * costs three pages.
 *
 * Locking key: (o) the object's lock, (c) constant after creation,
 * (l) the kernel's vm_object_list mutex, (a) atomic, (s) swap device mutex.
 */
#ifndef SHMSIM_VM_OBJECT_H
#define SHMSIM_VM_OBJECT_H

#include <stdbool.h>
#include <stdint.h>

#include <bsd/sys/queue.h>
#define __unused __attribute__((__unused__))
#include <bsd/sys/tree.h>

#include "kern/lock.h"

struct shmsim_kernel;
struct ucred;

typedef uint64_t vm_pindex_t;
typedef int64_t vm_ooffset_t;
typedef struct vm_object *vm_object_t;

struct vm_page {
	RB_ENTRY(vm_page) plinks; /* (o) */
	vm_pindex_t pindex;	  /* (o) */
	bool dirty;		  /* (o) */
	unsigned char data[];	  /* (o) page_size bytes */
};

/* A page that lives only on swap (swap_pager.c: struct swblk, one page). */
struct swblk {
	RB_ENTRY(swblk) sw_link; /* (o) */
	vm_pindex_t p;		 /* (o) page index */
	uint64_t slot;		 /* (o) slot on the swap device */
};

RB_HEAD(vm_page_tree, vm_page);
RB_HEAD(swblk_tree, swblk);
RB_PROTOTYPE(vm_page_tree, vm_page, plinks, vm_page_cmp)
RB_PROTOTYPE(swblk_tree, swblk, sw_link, swblk_cmp)

/* Object types: swap-backed, or physical (wired large pages). */
enum obj_type { OBJT_SWAP, OBJT_PHYS };

#define OBJ_POSIXSHM 0x0001 /* back-pointer is a struct shmfd */
#define OBJ_DEAD 0x0002
#define OBJ_ANON 0x0004	      /* anonymous: a shadow object (c) */
#define OBJ_ONEMAPPING 0x0008 /* one map entry maps each page */
#define OBJ_COLLAPSING 0x0010 /* a collapse is in progress */

LIST_HEAD(vm_object_shadow_head, vm_object);

struct vm_object {
	TAILQ_ENTRY(vm_object) object_list; /* (l) */
	struct rwlock lock;
	atomic_uint ref_count;	      /* (a) */
	enum obj_type type;	      /* (c) */
	int psind;		      /* (o) OBJT_PHYS: page size index
					 (un_pager.phys.data_val) */
	vm_pindex_t size;	      /* (o) pages */
	uint64_t charge;	      /* (o) swap bytes reserved */
	struct ucred *cred;	      /* (c) charged credential */
	int flags;		      /* (o) OBJ_*; changed atomically
					 (vm_object_set_flag), so that
					 OBJ_ANON may be read unlocked */
	struct vm_page_tree rtree;    /* (o) resident pages */
	uint64_t resident_page_count; /* (o) */
	struct swblk_tree swtree;     /* (o) swapped-out pages */
	uint64_t swp_count;	      /* (o) */
	uint64_t writemappings;	      /* (o) bytes of writable shared maps */
	void *swp_priv;		      /* (o) shmfd back-pointer */
	/*
	 * Shadow chains (vm_object_shadow): an anonymous object in front
	 * of backing_object, which it holds a reference on; the backing
	 * object lists its shadows.  Locking: backing_object and
	 * backing_object_offset (o); shadow_head, shadow_count and this
	 * object's shadow_list linkage, the backing object's lock.  Lock
	 * order: an object before its backing object.
	 */
	struct vm_object *backing_object;
	vm_ooffset_t backing_object_offset; /* bytes */
	struct vm_object_shadow_head shadow_head;
	LIST_ENTRY(vm_object) shadow_list;
	int shadow_count;
	atomic_int paging_in_progress; /* (a) holds off termination */
	uint64_t oid;		       /* (c) creation order, model-only */
	struct shmsim_kernel *kernel;  /* (c) */
};

#define VM_OBJECT_WLOCK(o) _rw_wlock(&(o)->lock, __func__, __FILE__, __LINE__)
#define VM_OBJECT_RLOCK(o) _rw_rlock(&(o)->lock, __func__, __FILE__, __LINE__)
#define VM_OBJECT_WUNLOCK(o) \
	_rw_wunlock(&(o)->lock, __func__, __FILE__, __LINE__)
#define VM_OBJECT_RUNLOCK(o) \
	_rw_runlock(&(o)->lock, __func__, __FILE__, __LINE__)
#define VM_OBJECT_ASSERT_WLOCKED(o) rw_assert_wlocked(&(o)->lock)
#define VM_OBJECT_ASSERT_LOCKED(o) lock_assert_held(&(o)->lock.lock_object)

/* Page arithmetic for the kernel's configured page size. */
#define PAGE_SIZE_K(k) ((uint64_t)(k)->k_cfg.page_size)
#define PAGE_SHIFT_K(k) ((k)->k_page_shift)
#define PAGE_MASK_K(k) (PAGE_SIZE_K(k) - 1)
#define OFF_TO_IDX_K(k, off) \
	((vm_pindex_t)(((uint64_t)(off)) >> PAGE_SHIFT_K(k)))
#define IDX_TO_OFF_K(k, idx) (((vm_ooffset_t)(idx)) << PAGE_SHIFT_K(k))
#define ptoa_k(k, x) ((uint64_t)(x) << PAGE_SHIFT_K(k))
#define howmany_k(k, x) (((uint64_t)(x) + PAGE_MASK_K(k)) >> PAGE_SHIFT_K(k))

/* vm_object.c */
int vm_pager_allocate_swap(struct shmsim_kernel *k, struct ucred *cred,
    vm_object_t *objp);
int phys_pager_allocate(struct shmsim_kernel *k, struct ucred *cred,
    vm_object_t *objp);
struct vm_page *vm_page_alloc_contig(vm_object_t obj, vm_pindex_t pindex,
    int psind);
struct vm_page *vm_page_lookup_large(vm_object_t obj, vm_pindex_t pindex,
    size_t *offp);
void vm_object_reference(vm_object_t obj);
bool vm_object_reference_if_alive(vm_object_t obj);
void vm_object_deallocate(vm_object_t obj);
void vm_object_page_remove(vm_object_t obj, vm_pindex_t start, vm_pindex_t end);
struct vm_page *vm_page_lookup(vm_object_t obj, vm_pindex_t pindex);
struct swblk *swp_pager_lookup(vm_object_t obj, vm_pindex_t pindex);
int vm_page_grab_valid(vm_object_t obj, vm_pindex_t pindex, bool alloc,
    struct vm_page **mp);
void vm_object_free_all(struct shmsim_kernel *k);
void vm_object_init(struct shmsim_kernel *k);

/* Shadow objects and copy-on-write (vm_object.c) */
vm_object_t vm_object_allocate_anon(struct shmsim_kernel *k, vm_pindex_t size,
    vm_object_t backing_object);
void vm_object_shadow(vm_object_t *object, vm_ooffset_t *offset,
    uint64_t length, bool shared);
void vm_object_collapse(vm_object_t object);
void vm_object_collapse_done(void);
void vm_object_reference_locked(vm_object_t obj);
void vm_object_set_flag(vm_object_t obj, int bits);
void vm_object_clear_flag(vm_object_t obj, int bits);
bool vm_object_has_page(vm_object_t obj, vm_pindex_t pindex);
void vm_page_rename(struct vm_page *m, vm_object_t old_object,
    vm_object_t new_object, vm_pindex_t new_pindex);

/* swap_pager.c: the write count of writable shared mappings */
void vm_pager_update_writecount(vm_object_t object, uint64_t start,
    uint64_t end);
void vm_pager_release_writecount(vm_object_t object, uint64_t start,
    uint64_t end);

/* swap_pager.c */
int swap_reserve_by_cred(struct shmsim_kernel *k, uint64_t bytes,
    struct ucred *cred);
void swap_release_by_cred(struct shmsim_kernel *k, uint64_t bytes,
    struct ucred *cred);
int swap_pager_putpage(vm_object_t obj, struct vm_page *m);
int swap_pager_getpage(vm_object_t obj, struct swblk *sb, struct vm_page **mp);
void swap_pager_freeblk(vm_object_t obj, struct swblk *sb);
uint64_t vm_pageout_run(struct shmsim_kernel *k, uint64_t n);
void swap_dev_init(struct shmsim_kernel *k);
void swap_dev_destroy(struct shmsim_kernel *k);

/* vm_page.c-ish helpers (in vm_object.c) */
struct vm_page *vm_page_alloc(vm_object_t obj, vm_pindex_t pindex);
void vm_page_free(vm_object_t obj, struct vm_page *m);
void vm_page_insert(vm_object_t obj, struct vm_page *m);

/* The object's flags (vm_object.h: obj->flags, read without the lock). */
static inline int
vm_object_flags(const struct vm_object *obj)
{
	return (__atomic_load_n(&obj->flags, __ATOMIC_RELAXED));
}

#endif /* SHMSIM_VM_OBJECT_H */
