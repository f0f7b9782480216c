/*
 * Swap-backed VM objects and their pages (sys/vm/vm_object.c, vm_page.c,
 * reduced to what POSIX shared memory needs).
 *
 * XXX(model): an object is "OBJT_SWAP" from birth in both profiles (the
 * 2008 OBJT_DEFAULT object became swap-backed lazily; nothing observable
 * depends on the difference).  A page is either resident or on swap,
 * never both: pagein frees the swap copy at once, where the kernel keeps
 * it until the page is dirtied.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_var.h"
#include "kern/refcount.h"
#include "vm_object.h"

MALLOC_DEFINE(M_VMOBJECT, "vm object",
    "vm objects (obj_zone \"VM OBJECT\"; XXX(model): counted as a type)");
MALLOC_DEFINE(M_VMPAGE, "vm page",
    "pages and large pages (XXX(model): vm_phys)");

static int
vm_page_cmp(const struct vm_page *a, const struct vm_page *b)
{
	return (a->pindex < b->pindex ? -1 : a->pindex > b->pindex);
}

static int
swblk_cmp(const struct swblk *a, const struct swblk *b)
{
	return (a->p < b->p ? -1 : a->p > b->p);
}

RB_GENERATE(vm_page_tree, vm_page, plinks, vm_page_cmp)
RB_GENERATE(swblk_tree, swblk, sw_link, swblk_cmp)

/*
 * vm_pager.c: vm_pager_allocate(OBJT_SWAP) -> swap_pager_alloc(): a new
 * object of size 0 with one reference, charged (later) to cred.  The
 * fault site models the allocation failure that today's shm_alloc()
 * reports as ENOMEM; in 2008 the allocation could not fail.
 */
/*
 * vm_object.c: vm_object_init() -- obj_zone, "VM OBJECT" (kern/uma.h).
 * XXX(model): the kernel's objects are type-stable (UMA_ZONE_NOFREE, the
 * lock and lists set up once by vm_object_zinit()); the model's are
 * zeroed and set up on each allocation, and go back to the host when
 * the zone's bucket is full.
 */
void
vm_object_init(struct shmsim_kernel *k)
{
	uma_zcreate_k(k, UMA_ZONE_VMOBJECT, "VM OBJECT",
	    sizeof(struct vm_object), M_VMOBJECT);
}

static vm_object_t
_vm_object_allocate(struct shmsim_kernel *k, enum obj_type type,
    vm_pindex_t size, int flags, struct ucred *cred)
{
	vm_object_t obj;

	/*
	 * Not zeroed: as vm_object_allocate() takes it from obj_zone
	 * (uma_zalloc(obj_zone, M_WAITOK)), every field is set here, the
	 * ones vm_object_zinit() sets once in the kernel (the page tree,
	 * resident_page_count, shadow_count, paging_in_progress) too, since
	 * the model's zone hands out fresh host memory as well.
	 */
	obj = uma_zalloc(UMA_ZONE(k, UMA_ZONE_VMOBJECT), M_WAITOK);
	obj->type = type;
	obj->psind = 0;
	obj->size = size;
	obj->charge = 0;
	obj->flags = flags;
	rw_init(&obj->lock, "vm object", LC_VM_OBJECT, &k->k_witness);
	refcount_init(&obj->ref_count, 1);
	obj->cred = cred != NULL ? crhold(cred) : NULL;
	RB_INIT(&obj->rtree);
	obj->resident_page_count = 0;
	RB_INIT(&obj->swtree);
	obj->swp_count = 0;
	obj->writemappings = 0;
	obj->swp_priv = NULL;
	obj->backing_object = NULL;
	obj->backing_object_offset = 0;
	LIST_INIT(&obj->shadow_head);
	obj->shadow_list.le_next = NULL;
	obj->shadow_list.le_prev = NULL;
	obj->shadow_count = 0;
	atomic_init(&obj->paging_in_progress, 0);
	obj->kernel = k;
	obj->oid = k_atomic_fetch_add(k, &k->k_next_oid, 1) + 1;
	mtx_lock(&k->vm_object_list_mtx);
	TAILQ_INSERT_TAIL(&k->vm_object_list, obj, object_list);
	mtx_unlock(&k->vm_object_list_mtx);
	k_atomic_fetch_add(k, &k->k_nobjects, 1);
	return (obj);
}

static int
vm_object_allocate(struct shmsim_kernel *k, enum obj_type type,
    struct ucred *cred, vm_object_t *objp)
{
	if (!K_PROFILE_2008(k) && shmsim_fault_hit(k, SHMSIM_FAULT_OBJ_ALLOC))
		return (ENOMEM);
	*objp = _vm_object_allocate(k, type, 0, 0, cred);
	return (0);
}

int
vm_pager_allocate_swap(struct shmsim_kernel *k, struct ucred *cred,
    vm_object_t *objp)
{
	return (vm_object_allocate(k, OBJT_SWAP, cred, objp));
}

/*
 * phys_pager.c: phys_pager_allocate() -- an object for wired large pages:
 * never paged out, never charged to swap.  vm_object_allocate() leaves
 * object->cred NULL and shm_largepage_phys_ctor() is empty, so cred is
 * unused (shm_remove_prison() then never matches the object).
 */
int
phys_pager_allocate(struct shmsim_kernel *k, struct ucred *cred,
    vm_object_t *objp)
{
	(void)cred;
	return (vm_object_allocate(k, OBJT_PHYS, NULL, objp));
}

/*
 * XXX(model): the physical memory that wired large pages come from.  The
 * kernel's vm_page_alloc_contig() fails when no run of free pages is
 * left; the model has no physical memory, so it bounds the large pages
 * of a kernel by mem_pages base pages when the resident budget is set,
 * else by SHMSIM_LARGEPAGE_MAX bytes (host address space, committed
 * only when touched).  Without a bound, ftruncate(2) of a large-page
 * object to
 * 1 TiB allocated until the host gave out (fuzz_syscalls,
 * fuzz/regress/syscalls/oom-largepage-ftruncate-1T); now it is ENOMEM.
 */
#define SHMSIM_LARGEPAGE_MAX (UINT64_C(4) << 30)

static bool
vm_phys_largepage_fits(struct shmsim_kernel *k, int psind)
{
	uint64_t limit, used = 0;
	int i;

	for (i = 1; i < SHMSIM_MAXPAGESIZES; i++)
		used += atomic_load(&k->count_largepages[i]) *
		    k->k_cfg.page_sizes[i];
	if (k->k_cfg.mem_pages == 0)
		limit = SHMSIM_LARGEPAGE_MAX;
	else if (k->k_cfg.mem_pages > (UINT64_MAX >> k->k_page_shift))
		limit = UINT64_MAX;
	else
		limit = k->k_cfg.mem_pages << k->k_page_shift;
	return (used <= limit && k->k_cfg.page_sizes[psind] <= limit - used);
}

/*
 * vm_page.c: vm_page_alloc_contig() for one large page of size
 * pagesizes[psind] at pindex (a multiple of its size in base pages),
 * zeroed.  NULL when the page-allocation fault site fires.  The bytes
 * are host memory that the host commits only when touched.
 */
struct vm_page *
vm_page_alloc_contig(vm_object_t obj, vm_pindex_t pindex, int psind)
{
	struct shmsim_kernel *k = obj->kernel;
	struct vm_page *m;

	VM_OBJECT_ASSERT_WLOCKED(obj);
	if (shmsim_fault_hit(k, SHMSIM_FAULT_PAGE_ALLOC))
		return (NULL);
	if (!vm_phys_largepage_fits(k, psind))
		return (NULL);
	m = uma_zalloc_k(k, sizeof(*m) + k->k_cfg.page_sizes[psind], M_VMPAGE,
	    M_WAITOK | M_ZERO);
	m->pindex = pindex;
	vm_page_insert(obj, m);
	k_atomic_fetch_add(k, &k->count_largepages[psind], 1);
	return (m);
}

/*
 * The page holding base-page index pindex: for a large-page object the
 * large page that contains it, with *offp the byte offset of pindex in
 * it; otherwise vm_page_lookup() and 0.
 */
struct vm_page *
vm_page_lookup_large(vm_object_t obj, vm_pindex_t pindex, size_t *offp)
{
	struct shmsim_kernel *k = obj->kernel;
	vm_pindex_t npages, base;

	*offp = 0;
	if (obj->type != OBJT_PHYS)
		return (vm_page_lookup(obj, pindex));
	npages = k->k_cfg.page_sizes[obj->psind] >> PAGE_SHIFT_K(k);
	base = pindex - pindex % npages;
	*offp = (size_t)ptoa_k(k, pindex - base);
	return (vm_page_lookup(obj, base));
}

/* vm_object.c: vm_object_reference() */
void
vm_object_reference(vm_object_t obj)
{
	refcount_acquire(&obj->ref_count);
}

/* vm_object.c: vm_object_reference_locked() */
void
vm_object_reference_locked(vm_object_t obj)
{
	VM_OBJECT_ASSERT_LOCKED(obj);
	refcount_acquire(&obj->ref_count);
}

/*
 * vm_object.h: vm_object_set_flag(), vm_object_clear_flag() -- under the
 * object lock; XXX(model): atomically, so that the constant OBJ_ANON bit
 * may be read without the lock (vm_object_deallocate) under TSan.
 */
void
vm_object_set_flag(vm_object_t obj, int bits)
{
	VM_OBJECT_ASSERT_WLOCKED(obj);
	if (obj->kernel->k_single)
		__atomic_store_n(&obj->flags,
		    __atomic_load_n(&obj->flags, __ATOMIC_RELAXED) | bits,
		    __ATOMIC_RELAXED);
	else
		__atomic_fetch_or(&obj->flags, bits, __ATOMIC_RELAXED);
}

void
vm_object_clear_flag(vm_object_t obj, int bits)
{
	VM_OBJECT_ASSERT_WLOCKED(obj);
	if (obj->kernel->k_single)
		__atomic_store_n(&obj->flags,
		    __atomic_load_n(&obj->flags, __ATOMIC_RELAXED) & ~bits,
		    __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&obj->flags, ~bits, __ATOMIC_RELAXED);
}

/*
 * refcount_acquire_if_not_zero() on the object: for walkers of the
 * object list, which must not revive an object being terminated.
 */
bool
vm_object_reference_if_alive(vm_object_t obj)
{
	unsigned int old;

	old = atomic_load(&obj->ref_count);
	if (obj->kernel->k_single) {
		if (old == 0)
			return (false);
		atomic_store_explicit(&obj->ref_count, old + 1,
		    memory_order_relaxed);
		return (true);
	}
	do {
		if (old == 0)
			return (false);
	} while (!atomic_compare_exchange_weak(&obj->ref_count, &old, old + 1));
	return (true);
}

/*
 * vm_object.c: vm_object_pip_add(), vm_object_pip_wakeup() -- paging in
 * progress: a thread that must drop every lock keeping an object alive
 * before it can lock the object holds it off termination this way.
 */
static void
vm_object_pip_add(vm_object_t obj)
{
	k_atomic_fetch_add(obj->kernel, &obj->paging_in_progress, 1);
}

static void
vm_object_pip_wakeup(vm_object_t obj)
{
	k_atomic_fetch_sub(obj->kernel, &obj->paging_in_progress, 1);
	sched_wakeup(cur_sim_thread(), &obj->paging_in_progress);
	SCHED_POINT("vm_object_pip_wakeup", "paging in progress", __FILE__,
	    __LINE__);
}

/*
 * vm_object.c: vm_object_terminate() -- pages, swap and charge go.
 * XXX(model): it waits for paging in progress by yielding (the kernel
 * sleeps in vm_object_pip_wait); under the explorer the thread sleeps
 * until vm_object_pip_wakeup().
 */
static void
vm_object_terminate(vm_object_t obj)
{
	struct shmsim_kernel *k = obj->kernel;

	while (atomic_load(&obj->paging_in_progress) != 0) {
		if (sched_explored())
			sched_sleep(cur_sim_thread(), &obj->paging_in_progress,
			    "vm_object_pip_wait", __func__, __FILE__, __LINE__);
		else
			sched_yield();
	}

	KASSERT(obj->backing_object == NULL && obj->shadow_count == 0 &&
		LIST_EMPTY(&obj->shadow_head),
	    ("%s: object #%ju still in a shadow chain", __func__,
		(uintmax_t)obj->oid));
	VM_OBJECT_WLOCK(obj);
	vm_object_set_flag(obj, OBJ_DEAD);
	vm_object_page_remove(obj, 0, 0);
	if (obj->charge != 0) {
		swap_release_by_cred(k, obj->charge, obj->cred);
		obj->charge = 0;
	}
	VM_OBJECT_WUNLOCK(obj);
	mtx_lock(&k->vm_object_list_mtx);
	TAILQ_REMOVE(&k->vm_object_list, obj, object_list);
	mtx_unlock(&k->vm_object_list_mtx);
	k_atomic_fetch_sub(k, &k->k_nobjects, 1);
	if (obj->cred != NULL)
		crfree(obj->cred);
	rw_destroy(&obj->lock);
	uma_zfree(UMA_ZONE(k, UMA_ZONE_VMOBJECT), obj);
}

/*
 * vm_object.c: vm_object_backing_remove() -- take object out of its
 * backing object's shadow list (the reference it holds on the backing
 * object is the caller's to drop).  Called with object locked.
 */
static void
vm_object_backing_remove(vm_object_t object)
{
	vm_object_t backing_object = object->backing_object;

	VM_OBJECT_ASSERT_WLOCKED(object);
	VM_OBJECT_WLOCK(backing_object);
	LIST_REMOVE(object, shadow_list);
	backing_object->shadow_count--;
	VM_OBJECT_WUNLOCK(backing_object);
	object->backing_object = NULL;
	object->backing_object_offset = 0;
}

/*
 * vm_object.c: vm_object_deallocate_anon() -- backing_object, locked, has
 * just lost its last reference but the one its single shadow holds:
 * collapse that shadow into it.  The backing object's lock is dropped
 * before the shadow's is taken (lock order), the shadow held off
 * termination meanwhile by paging in progress; a shadow found dead,
 * collapsing or unreferenced once locked is left alone.  XXX(model): the
 * kernel first tries the shadow's lock without dropping the other.
 */
static void
vm_object_deallocate_anon(vm_object_t backing_object)
{
	vm_object_t object;
	bool referenced;

	object = LIST_FIRST(&backing_object->shadow_head);
	KASSERT(object != NULL && backing_object->shadow_count == 1,
	    ("%s: object #%ju: %d shadows", __func__,
		(uintmax_t)backing_object->oid, backing_object->shadow_count));
	KASSERT((vm_object_flags(object) & OBJ_ANON) != 0,
	    ("%s: shadow #%ju not anonymous", __func__,
		(uintmax_t)object->oid));
	vm_object_pip_add(object);
	VM_OBJECT_WUNLOCK(backing_object);
	VM_OBJECT_WLOCK(object);
	referenced =
	    (vm_object_flags(object) & (OBJ_DEAD | OBJ_COLLAPSING)) == 0 &&
	    vm_object_reference_if_alive(object);
	vm_object_pip_wakeup(object);
	if (!referenced) {
		VM_OBJECT_WUNLOCK(object);
		return;
	}
	if (object->backing_object != NULL &&
	    (vm_object_flags(object->backing_object) & OBJ_ANON) != 0)
		vm_object_collapse(object);
	VM_OBJECT_WUNLOCK(object);
	vm_object_collapse_done();
	vm_object_deallocate(object);
}

/* refcount.h: refcount_release_if_gt() */
static bool
refcount_release_if_gt(atomic_uint *count, unsigned int n)
{
	unsigned int old;

	old = atomic_load(count);
	if ((_curhost_mode & CURHOST_MULTI) == 0) { /* kern/refcount.h */
		if (old <= n)
			return (false);
		atomic_store_explicit(count, old - 1, memory_order_relaxed);
		return (true);
	}
	do {
		if (old <= n)
			return (false);
	} while (!atomic_compare_exchange_weak(count, &old, old - 1));
	return (true);
}

/*
 * vm_object.c: vm_object_deallocate() -- drop a reference.  The last
 * one terminates the object and then drops the reference it held on its
 * backing object, and so on down the chain.  An anonymous object left
 * with one reference, held by its only shadow, is collapsed into that
 * shadow (vm_object_deallocate_anon).
 */
void
vm_object_deallocate(vm_object_t object)
{
	vm_object_t temp;
	bool released;

	while (object != NULL) {
		if ((vm_object_flags(object) & OBJ_ANON) == 0)
			released =
			    refcount_release_if_gt(&object->ref_count, 1);
		else
			released =
			    refcount_release_if_gt(&object->ref_count, 2);
		if (released)
			return;
		VM_OBJECT_WLOCK(object);
		if (!refcount_release(&object->ref_count)) {
			if (refcount_load(&object->ref_count) > 1 ||
			    object->shadow_count == 0 ||
			    (vm_object_flags(object) & OBJ_ANON) == 0) {
				VM_OBJECT_WUNLOCK(object);
				return;
			}
			vm_object_deallocate_anon(object);
			return;
		}
		temp = object->backing_object;
		if (temp != NULL)
			vm_object_backing_remove(object);
		VM_OBJECT_WUNLOCK(object);
		vm_object_terminate(object);
		object = temp;
	}
}

/* vm_page.c: vm_page_lookup() */
struct vm_page *
vm_page_lookup(vm_object_t obj, vm_pindex_t pindex)
{
	struct vm_page key;

	VM_OBJECT_ASSERT_LOCKED(obj);
	key.pindex = pindex;
	return (RB_FIND(vm_page_tree, &obj->rtree, &key));
}

/* swap_pager.c: the swblk lookup of swp_pager_meta_lookup() */
struct swblk *
swp_pager_lookup(vm_object_t obj, vm_pindex_t pindex)
{
	struct swblk key;

	VM_OBJECT_ASSERT_LOCKED(obj);
	key.p = pindex;
	return (RB_FIND(swblk_tree, &obj->swtree, &key));
}

/* vm_page.c: vm_page_insert() */
void
vm_page_insert(vm_object_t obj, struct vm_page *m)
{
	VM_OBJECT_ASSERT_WLOCKED(obj);
	if (RB_INSERT(vm_page_tree, &obj->rtree, m) != NULL)
		panic("%s: page %ju already in object", __func__,
		    (uintmax_t)m->pindex);
	obj->resident_page_count++;
	k_atomic_fetch_add(obj->kernel, &obj->kernel->k_resident, 1);
}

/*
 * vm_page.c: vm_page_alloc() -- a zeroed page, inserted at pindex.
 * NULL when the page-allocation fault site fires (the kernel would sleep
 * in VM_WAIT; the model reports the shortage instead).
 */
struct vm_page *
vm_page_alloc(vm_object_t obj, vm_pindex_t pindex)
{
	struct shmsim_kernel *k = obj->kernel;
	struct vm_page *m;

	VM_OBJECT_ASSERT_WLOCKED(obj);
	if (shmsim_fault_hit(k, SHMSIM_FAULT_PAGE_ALLOC))
		return (NULL);
	m = uma_zalloc_k(k, sizeof(*m) + PAGE_SIZE_K(k), M_VMPAGE,
	    M_WAITOK | M_ZERO);
	m->pindex = pindex;
	vm_page_insert(obj, m);
	return (m);
}

/* vm_page.c: vm_page_free() -- remove from the object and free. */
void
vm_page_free(vm_object_t obj, struct vm_page *m)
{
	struct shmsim_kernel *k = obj->kernel;
	size_t psize = PAGE_SIZE_K(k);

	VM_OBJECT_ASSERT_WLOCKED(obj);
	RB_REMOVE(vm_page_tree, &obj->rtree, m);
	obj->resident_page_count--;
	k_atomic_fetch_sub(k, &k->k_resident, 1);
	if (obj->type == OBJT_PHYS) {
		k_atomic_fetch_sub(k, &k->count_largepages[obj->psind], 1);
		psize = k->k_cfg.page_sizes[obj->psind];
	}
	uma_zfree_k(k, m, sizeof(*m) + psize, M_VMPAGE);
}

/*
 * vm_page.c: vm_page_grab_valid() -- the page at pindex, resident and
 * valid: found, paged in from swap, or (alloc) allocated zero-filled.
 * *mp is NULL when the page exists nowhere and alloc is false.
 * Errors: EIO (pager error), ENOMEM (page allocation failed).
 */
int
vm_page_grab_valid(vm_object_t obj, vm_pindex_t pindex, bool alloc,
    struct vm_page **mp)
{
	struct vm_page *m;
	struct swblk *sb;

	VM_OBJECT_ASSERT_WLOCKED(obj);
	/* Large pages exist for the whole object: vm_page_lookup_large(). */
	KASSERT(obj->type == OBJT_SWAP,
	    ("%s: large-page object %p", __func__, (void *)obj));
	*mp = NULL;
	m = vm_page_lookup(obj, pindex);
	if (m != NULL) {
		*mp = m;
		return (0);
	}
	sb = swp_pager_lookup(obj, pindex);
	if (sb != NULL)
		return (swap_pager_getpage(obj, sb, mp));
	if (!alloc)
		return (0);
	m = vm_page_alloc(obj, pindex);
	if (m == NULL)
		return (ENOMEM);
	*mp = m;
	return (0);
}

/*
 * vm_object.c: vm_object_page_remove() -- free the resident pages and the
 * swap copies of [start, end); end == 0 means to the end of the object.
 */
void
vm_object_page_remove(vm_object_t obj, vm_pindex_t start, vm_pindex_t end)
{
	struct vm_page key, *m, *next;
	struct swblk skey, *sb, *snext;

	VM_OBJECT_ASSERT_WLOCKED(obj);
	key.pindex = start;
	for (m = RB_NFIND(vm_page_tree, &obj->rtree, &key); m != NULL;
	     m = next) {
		if (end != 0 && m->pindex >= end)
			break;
		next = RB_NEXT(vm_page_tree, &obj->rtree, m);
		vm_page_free(obj, m);
	}
	skey.p = start;
	for (sb = RB_NFIND(swblk_tree, &obj->swtree, &skey); sb != NULL;
	     sb = snext) {
		if (end != 0 && sb->p >= end)
			break;
		snext = RB_NEXT(swblk_tree, &obj->swtree, sb);
		swap_pager_freeblk(obj, sb);
	}
}

/*
 * Model-only: free every object still on the list, whatever its count.
 * Used by kernel destruction after the leak check has reported them.
 * Newest first: a shadow is always younger than its backing object.
 */
void
vm_object_free_all(struct shmsim_kernel *k)
{
	vm_object_t obj;

	while (
	    (obj = TAILQ_LAST(&k->vm_object_list, vm_object_tailq)) != NULL) {
		if (obj->backing_object != NULL) {
			VM_OBJECT_WLOCK(obj);
			vm_object_backing_remove(obj);
			VM_OBJECT_WUNLOCK(obj);
		}
		atomic_store(&obj->ref_count, 0);
		vm_object_terminate(obj);
	}
}

/* ---------------------------------------------------------------- */
/* Shadow objects (copy-on-write)                                   */
/* ---------------------------------------------------------------- */

/*
 * vm_object.c: vm_object_allocate_anon() -- an anonymous swap object of
 * size pages, one reference, OBJ_ANON | OBJ_ONEMAPPING.  It cannot fail
 * (M_WAITOK).  XXX(model): no swap is charged for it: the overcommit
 * accounting of private mappings (entry->cred, object->charge of
 * anonymous objects) is not modelled, so the swap reservation counts
 * shm objects only.
 */
vm_object_t
vm_object_allocate_anon(struct shmsim_kernel *k, vm_pindex_t size,
    vm_object_t backing_object)
{
	(void)backing_object;
	return (_vm_object_allocate(k, OBJT_SWAP, size,
	    OBJ_ANON | OBJ_ONEMAPPING, NULL));
}

/*
 * vm_object.c: vm_object_backing_insert() -- make object (locked, new,
 * unreachable) shadow backing_object, taking over a reference the caller
 * holds on backing_object.
 */
static void
vm_object_backing_insert(vm_object_t object, vm_object_t backing_object)
{
	VM_OBJECT_WLOCK(backing_object);
	LIST_INSERT_HEAD(&backing_object->shadow_head, object, shadow_list);
	backing_object->shadow_count++;
	VM_OBJECT_WUNLOCK(backing_object);
	object->backing_object = backing_object;
}

/*
 * vm_object.c: vm_object_shadow() -- put a new anonymous object of length
 * bytes in front of *object for a map entry about to be written (or
 * forked shared): the new object takes over the entry's reference on the
 * source, *offset becomes 0 and *object the new object.  Nothing is done
 * when the source is anonymous and has no other reference.  shared: the
 * caller needs a second reference on the new object (vmspace_fork).
 * Called with the map locked and no object lock held.
 */
void
vm_object_shadow(vm_object_t *object, vm_ooffset_t *offset, uint64_t length,
    bool shared)
{
	vm_object_t source = *object, result;
	struct shmsim_kernel *k = source->kernel;

	if (refcount_load(&source->ref_count) == 1 &&
	    (vm_object_flags(source) & OBJ_ANON) != 0)
		return;
	result = vm_object_allocate_anon(k, howmany_k(k, length), source);
	VM_OBJECT_WLOCK(result);
	result->backing_object_offset = *offset;
	if (shared) {
		vm_object_reference_locked(result);
		vm_object_clear_flag(result, OBJ_ONEMAPPING);
	}
	vm_object_backing_insert(result, source);
	VM_OBJECT_WUNLOCK(result);
	*offset = 0;
	*object = result;
}

/* Model-only: a page at pindex, resident or on swap (locked object). */
bool
vm_object_has_page(vm_object_t obj, vm_pindex_t pindex)
{
	VM_OBJECT_ASSERT_LOCKED(obj);
	return (vm_page_lookup(obj, pindex) != NULL ||
	    swp_pager_lookup(obj, pindex) != NULL);
}

/*
 * vm_page.c: vm_page_rename() -- move a resident page to new_object at
 * new_pindex (both objects write-locked; nothing there yet).
 */
void
vm_page_rename(struct vm_page *m, vm_object_t old_object,
    vm_object_t new_object, vm_pindex_t new_pindex)
{
	VM_OBJECT_ASSERT_WLOCKED(old_object);
	VM_OBJECT_ASSERT_WLOCKED(new_object);
	RB_REMOVE(vm_page_tree, &old_object->rtree, m);
	old_object->resident_page_count--;
	m->pindex = new_pindex;
	if (RB_INSERT(vm_page_tree, &new_object->rtree, m) != NULL)
		panic("%s: page %ju already in object #%ju", __func__,
		    (uintmax_t)new_pindex, (uintmax_t)new_object->oid);
	new_object->resident_page_count++;
}

/*
 * vm_object.c: vm_object_collapse_scan() and swap_pager.c:
 * swap_pager_copy() -- collapse backing_object into object: each page of
 * the backing object (resident or on swap) that falls inside object's
 * window and is not shadowed there moves up; every other one is freed.
 */
static void
vm_object_collapse_scan(vm_object_t object)
{
	vm_object_t backing_object = object->backing_object;
	struct shmsim_kernel *k = object->kernel;
	vm_pindex_t backing_offset_index, new_pindex;
	struct vm_page *m, *next;
	struct swblk *sb, *snext;

	backing_offset_index = OFF_TO_IDX_K(k, object->backing_object_offset);
	for (m = RB_MIN(vm_page_tree, &backing_object->rtree); m != NULL;
	     m = next) {
		next = RB_NEXT(vm_page_tree, &backing_object->rtree, m);
		new_pindex = m->pindex - backing_offset_index;
		if (m->pindex < backing_offset_index ||
		    new_pindex >= object->size ||
		    vm_object_has_page(object, new_pindex)) {
			vm_page_free(backing_object, m);
			continue;
		}
		vm_page_rename(m, backing_object, object, new_pindex);
	}
	for (sb = RB_MIN(swblk_tree, &backing_object->swtree); sb != NULL;
	     sb = snext) {
		snext = RB_NEXT(swblk_tree, &backing_object->swtree, sb);
		new_pindex = sb->p - backing_offset_index;
		if (sb->p < backing_offset_index ||
		    new_pindex >= object->size ||
		    vm_object_has_page(object, new_pindex)) {
			swap_pager_freeblk(backing_object, sb);
			continue;
		}
		RB_REMOVE(swblk_tree, &backing_object->swtree, sb);
		backing_object->swp_count--;
		sb->p = new_pindex;
		if (RB_INSERT(swblk_tree, &object->swtree, sb) != NULL)
			panic("%s: swap block %ju already in object #%ju",
			    __func__, (uintmax_t)new_pindex,
			    (uintmax_t)object->oid);
		object->swp_count++;
	}
}

/*
 * vm_object.c: vm_object_scan_all_shadowed() -- every page the backing
 * object has inside object's window is shadowed by a page of object, so
 * that object may bypass it.
 */
static bool
vm_object_scan_all_shadowed(vm_object_t object)
{
	vm_object_t backing_object = object->backing_object;
	struct shmsim_kernel *k = object->kernel;
	vm_pindex_t backing_offset_index, new_pindex;
	struct vm_page *m;
	struct swblk *sb;

	backing_offset_index = OFF_TO_IDX_K(k, object->backing_object_offset);
	RB_FOREACH(m, vm_page_tree, &backing_object->rtree) {
		if (m->pindex < backing_offset_index)
			continue;
		new_pindex = m->pindex - backing_offset_index;
		if (new_pindex >= object->size)
			break;
		if (!vm_object_has_page(object, new_pindex))
			return (false);
	}
	RB_FOREACH(sb, swblk_tree, &backing_object->swtree) {
		if (sb->p < backing_offset_index)
			continue;
		new_pindex = sb->p - backing_offset_index;
		if (new_pindex >= object->size)
			break;
		if (!vm_object_has_page(object, new_pindex))
			return (false);
	}
	return (true);
}

/*
 * Backing objects emptied by vm_object_collapse(), terminated once the
 * collapsing thread holds no object lock (vm_object_collapse_done), so
 * that vm_object_terminate() takes the object list lock with no object
 * lock held (the auditor, the dump and the pagedaemon take it first).
 * XXX(model): the kernel keeps freed objects on the list (type-stable
 * zone) and has no such ordering to respect.  Linked through
 * backing_object, which a dead object no longer uses; the list is
 * cur_sim_thread()->td_dead_objects.
 */
void
vm_object_collapse_done(void)
{
	vm_object_t obj;

	while ((obj = cur_sim_thread()->td_dead_objects) != NULL) {
		cur_sim_thread()->td_dead_objects = obj->backing_object;
		obj->backing_object = NULL;
		vm_object_terminate(obj);
	}
}

/*
 * vm_object.c: vm_object_collapse() -- shorten object's shadow chain
 * (object write-locked, anonymous): while its backing object is
 * anonymous, either collapse it into object (object holds its only
 * reference: its pages move up, object takes over its backing object)
 * or, when object shadows every page the backing object has in object's
 * window, bypass it (object references the next object down instead).
 * XXX(model): a backing object already being collapsed or terminated by
 * another thread ends the loop instead of being waited for; a collapsed
 * backing object is terminated by vm_object_collapse_done(), which the
 * caller runs once it has dropped its object locks.
 */
void
vm_object_collapse(vm_object_t object)
{
	vm_object_t backing_object, new_backing_object;

	VM_OBJECT_ASSERT_WLOCKED(object);
	for (;;) {
		KASSERT((vm_object_flags(object) & (OBJ_DEAD | OBJ_ANON)) ==
			OBJ_ANON,
		    ("%s: object #%ju dead or not anonymous", __func__,
			(uintmax_t)object->oid));
		backing_object = object->backing_object;
		if (backing_object == NULL ||
		    (vm_object_flags(backing_object) & OBJ_ANON) == 0)
			break;
		VM_OBJECT_WLOCK(backing_object);
		if ((vm_object_flags(backing_object) &
			(OBJ_DEAD | OBJ_COLLAPSING)) != 0) {
			VM_OBJECT_WUNLOCK(backing_object);
			break;
		}
		if (refcount_load(&backing_object->ref_count) == 1) {
			KASSERT(backing_object->shadow_count == 1,
			    ("%s: object #%ju: shadow_count %d", __func__,
				(uintmax_t)backing_object->oid,
				backing_object->shadow_count));
			vm_object_set_flag(object, OBJ_COLLAPSING);
			vm_object_set_flag(backing_object, OBJ_DEAD);
			vm_object_collapse_scan(object);
			/* Object now shadows whatever backing_object did. */
			LIST_REMOVE(object, shadow_list);
			backing_object->shadow_count--;
			new_backing_object = backing_object->backing_object;
			if (new_backing_object != NULL) {
				VM_OBJECT_WLOCK(new_backing_object);
				LIST_REMOVE(backing_object, shadow_list);
				LIST_INSERT_HEAD(
				    &new_backing_object->shadow_head, object,
				    shadow_list);
				VM_OBJECT_WUNLOCK(new_backing_object);
				object->backing_object_offset +=
				    backing_object->backing_object_offset;
			}
			object->backing_object = new_backing_object;
			backing_object->backing_object = NULL;
			backing_object->backing_object_offset = 0;
			vm_object_clear_flag(object, OBJ_COLLAPSING);
			VM_OBJECT_WUNLOCK(backing_object);
			(void)refcount_release(&backing_object->ref_count);
			backing_object->backing_object =
			    cur_sim_thread()->td_dead_objects;
			cur_sim_thread()->td_dead_objects = backing_object;
		} else {
			if (!vm_object_scan_all_shadowed(object)) {
				VM_OBJECT_WUNLOCK(backing_object);
				break;
			}
			LIST_REMOVE(object, shadow_list);
			backing_object->shadow_count--;
			new_backing_object = backing_object->backing_object;
			if (new_backing_object != NULL) {
				VM_OBJECT_WLOCK(new_backing_object);
				LIST_INSERT_HEAD(
				    &new_backing_object->shadow_head, object,
				    shadow_list);
				new_backing_object->shadow_count++;
				vm_object_reference_locked(new_backing_object);
				VM_OBJECT_WUNLOCK(new_backing_object);
				object->backing_object_offset +=
				    backing_object->backing_object_offset;
			} else
				object->backing_object_offset = 0;
			object->backing_object = new_backing_object;
			/* Its count was at least 2: it does not vanish. */
			(void)refcount_release(&backing_object->ref_count);
			VM_OBJECT_WUNLOCK(backing_object);
		}
	}
}
