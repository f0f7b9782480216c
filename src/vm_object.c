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
#include <stdlib.h>
#include <string.h>

#include "kernel_var.h"
#include "kern/refcount.h"
#include "vm_object.h"

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
static int
vm_object_allocate(struct shmsim_kernel *k, enum obj_type type,
    struct ucred *cred, vm_object_t *objp)
{
	vm_object_t obj;

	if (!K_PROFILE_2008(k) && shmsim_fault_hit(k, SHMSIM_FAULT_OBJ_ALLOC))
		return (ENOMEM);
	obj = shmsim_calloc(1, sizeof(*obj));
	obj->type = type;
	rw_init(&obj->lock, "vm object", LC_VM_OBJECT, &k->k_witness);
	refcount_init(&obj->ref_count, 1);
	obj->cred = cred != NULL ? crhold(cred) : NULL;
	RB_INIT(&obj->rtree);
	RB_INIT(&obj->swtree);
	obj->kernel = k;
	obj->oid = atomic_fetch_add(&k->k_next_oid, 1) + 1;
	mtx_lock(&k->vm_object_list_mtx);
	TAILQ_INSERT_TAIL(&k->vm_object_list, obj, object_list);
	mtx_unlock(&k->vm_object_list_mtx);
	atomic_fetch_add(&k->k_nobjects, 1);
	*objp = obj;
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
	m = shmsim_calloc(1, sizeof(*m) + k->k_cfg.page_sizes[psind]);
	m->pindex = pindex;
	vm_page_insert(obj, m);
	atomic_fetch_add(&k->count_largepages[psind], 1);
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

/*
 * refcount_acquire_if_not_zero() on the object: for walkers of the
 * object list, which must not revive an object being terminated.
 */
bool
vm_object_reference_if_alive(vm_object_t obj)
{
	unsigned int old;

	old = atomic_load(&obj->ref_count);
	do {
		if (old == 0)
			return (false);
	} while (!atomic_compare_exchange_weak(&obj->ref_count, &old,
	    old + 1));
	return (true);
}

/* vm_object.c: vm_object_terminate() -- pages, swap and charge go. */
static void
vm_object_terminate(vm_object_t obj)
{
	struct shmsim_kernel *k = obj->kernel;

	VM_OBJECT_WLOCK(obj);
	obj->flags |= OBJ_DEAD;
	vm_object_page_remove(obj, 0, 0);
	if (obj->charge != 0) {
		swap_release_by_cred(k, obj->charge, obj->cred);
		obj->charge = 0;
	}
	VM_OBJECT_WUNLOCK(obj);
	mtx_lock(&k->vm_object_list_mtx);
	TAILQ_REMOVE(&k->vm_object_list, obj, object_list);
	mtx_unlock(&k->vm_object_list_mtx);
	atomic_fetch_sub(&k->k_nobjects, 1);
	if (obj->cred != NULL)
		crfree(obj->cred);
	rw_destroy(&obj->lock);
	free(obj);
}

/* vm_object.c: vm_object_deallocate() -- the last reference frees. */
void
vm_object_deallocate(vm_object_t obj)
{
	if (refcount_release(&obj->ref_count))
		vm_object_terminate(obj);
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
	atomic_fetch_add(&obj->kernel->k_resident, 1);
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
	m = shmsim_calloc(1, sizeof(*m) + PAGE_SIZE_K(k));
	m->pindex = pindex;
	vm_page_insert(obj, m);
	return (m);
}

/* vm_page.c: vm_page_free() -- remove from the object and free. */
void
vm_page_free(vm_object_t obj, struct vm_page *m)
{
	VM_OBJECT_ASSERT_WLOCKED(obj);
	RB_REMOVE(vm_page_tree, &obj->rtree, m);
	obj->resident_page_count--;
	atomic_fetch_sub(&obj->kernel->k_resident, 1);
	if (obj->type == OBJT_PHYS)
		atomic_fetch_sub(&obj->kernel->count_largepages[obj->psind],
		    1);
	free(m);
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
 */
void
vm_object_free_all(struct shmsim_kernel *k)
{
	vm_object_t obj;

	while ((obj = TAILQ_FIRST(&k->vm_object_list)) != NULL) {
		atomic_store(&obj->ref_count, 1);
		vm_object_deallocate(obj);
	}
}
