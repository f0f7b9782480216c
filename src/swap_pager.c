/*
 * The simulated swap device and swap accounting (sys/vm/swap_pager.c).
 *
 * Reservation (swap_reserve_by_cred) and slots are two different things,
 * as in the kernel: reserving charges bytes against the limit when an
 * object grows; a slot holds the bytes of one paged-out page.
 * XXX(model): the reservation limit is the device size (swap_pages pages)
 * whatever vm.overcommit would say, and there is no RLIMIT_SWAP.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel_var.h"
#include "kern/refcount.h"
#include "vm_object.h"

MALLOC_DEFINE(M_SWAP, "swap", "swap blocks, slots and the swap device");
MALLOC_DEFINE(M_UIDINFO, "uidinfo", "uidinfo structures");

/* The kernel the swap device belongs to. */
static struct shmsim_kernel *
sw_kernel(struct swdev *sw)
{
	return ((struct shmsim_kernel *)(void *)((char *)sw -
	    offsetof(struct shmsim_kernel, k_swap)));
}

void
swap_dev_init(struct shmsim_kernel *k)
{
	struct swdev *sw = &k->k_swap;

	memset(sw, 0, sizeof(*sw));
	mtx_init(&sw->sw_mtx, "swap device", LC_SWAP, &k->k_witness);
	sw->sw_nslots = k->k_cfg.swap_pages;
	LIST_INIT(&sw->sw_uidinfo);
}

void
swap_dev_destroy(struct shmsim_kernel *k)
{
	struct swdev *sw = &k->k_swap;
	struct uidinfo *ui;
	uint64_t i;

	for (i = 0; i < sw->sw_cap; i++)
		free_k(k, sw->sw_blocks[i], M_SWAP);
	free_k(k, sw->sw_blocks, M_SWAP);
	free_k(k, sw->sw_freelist, M_SWAP);
	while ((ui = LIST_FIRST(&sw->sw_uidinfo)) != NULL) {
		LIST_REMOVE(ui, ui_link);
		free_k(k, ui, M_UIDINFO);
	}
	mtx_destroy(&sw->sw_mtx);
}

/* kern_resource.c: uifind() -- under the swap mutex. */
static struct uidinfo *
uifind_locked(struct swdev *sw, uid_t uid)
{
	struct uidinfo *ui;

	LIST_FOREACH(ui, &sw->sw_uidinfo, ui_link)
		if (ui->ui_uid == uid)
			return (ui);
	ui = malloc_k(sw_kernel(sw), sizeof(*ui), M_UIDINFO, M_WAITOK | M_ZERO);
	ui->ui_uid = uid;
	LIST_INSERT_HEAD(&sw->sw_uidinfo, ui, ui_link);
	return (ui);
}

/*
 * swap_pager.c: swap_reserve_by_cred() -- charge bytes to cred's uid.
 * Returns 0, or ENOMEM when the reservation does not fit (or the fault
 * site fires); nothing is charged then.
 */
int
swap_reserve_by_cred(struct shmsim_kernel *k, uint64_t bytes,
    struct ucred *cred)
{
	struct swdev *sw = &k->k_swap;
	uint64_t limit = sw->sw_nslots * PAGE_SIZE_K(k);
	int error = 0;

	if (bytes == 0)
		return (0);
	if (shmsim_fault_hit(k, SHMSIM_FAULT_SWAP_RESERVE))
		return (ENOMEM);
	mtx_lock(&sw->sw_mtx);
	if (bytes > limit || sw->sw_reserved > limit - bytes) {
		error = ENOMEM;
		goto out;
	}
	sw->sw_reserved += bytes;
	uifind_locked(sw, cred->cr_uid)->ui_vmsize += bytes;
out:
	mtx_unlock(&sw->sw_mtx);
	return (error);
}

/* swap_pager.c: swap_release_by_cred() */
void
swap_release_by_cred(struct shmsim_kernel *k, uint64_t bytes,
    struct ucred *cred)
{
	struct swdev *sw = &k->k_swap;
	struct uidinfo *ui;

	if (bytes == 0)
		return;
	mtx_lock(&sw->sw_mtx);
	KASSERT(sw->sw_reserved >= bytes,
	    ("%s: negative reservation", __func__));
	sw->sw_reserved -= bytes;
	ui = uifind_locked(sw, cred->cr_uid);
	KASSERT(ui->ui_vmsize >= bytes,
	    ("%s: uid %u negative charge", __func__, (unsigned)cred->cr_uid));
	ui->ui_vmsize -= bytes;
	mtx_unlock(&sw->sw_mtx);
}

/* swap_pager.c: swp_pager_getswapspace() for one page; false when full. */
static bool
swp_pager_getswapspace(struct swdev *sw, uint64_t *slotp)
{
	uint64_t ncap;

	mtx_lock(&sw->sw_mtx);
	if (sw->sw_nfree > 0) {
		*slotp = sw->sw_freelist[--sw->sw_nfree];
	} else if (sw->sw_hiwat < sw->sw_nslots) {
		if (sw->sw_hiwat == sw->sw_cap) {
			ncap = sw->sw_cap == 0 ? 64 : sw->sw_cap * 2;
			if (ncap > sw->sw_nslots)
				ncap = sw->sw_nslots;
			sw->sw_blocks = realloc_k(sw_kernel(sw), sw->sw_blocks,
			    ncap * sizeof(sw->sw_blocks[0]), M_SWAP, M_WAITOK);
			memset(&sw->sw_blocks[sw->sw_cap], 0,
			    (ncap - sw->sw_cap) * sizeof(sw->sw_blocks[0]));
			sw->sw_freelist = realloc_k(sw_kernel(sw),
			    sw->sw_freelist, ncap * sizeof(sw->sw_freelist[0]),
			    M_SWAP, M_WAITOK);
			sw->sw_cap = ncap;
		}
		*slotp = sw->sw_hiwat++;
	} else {
		mtx_unlock(&sw->sw_mtx);
		return (false);
	}
	sw->sw_used++;
	mtx_unlock(&sw->sw_mtx);
	return (true);
}

/* swap_pager.c: swp_pager_freeswapspace() for one slot. */
static void
swp_pager_freeswapspace(struct swdev *sw, uint64_t slot)
{
	mtx_lock(&sw->sw_mtx);
	free_k(sw_kernel(sw), sw->sw_blocks[slot], M_SWAP);
	sw->sw_blocks[slot] = NULL;
	sw->sw_freelist[sw->sw_nfree++] = slot;
	sw->sw_used--;
	mtx_unlock(&sw->sw_mtx);
}

/*
 * swap_pager.c: swap_pager_putpages() for one page: its bytes move to a
 * slot, the page is freed.  ENOSPC when the device is full.
 */
int
swap_pager_putpage(vm_object_t obj, struct vm_page *m)
{
	struct shmsim_kernel *k = obj->kernel;
	struct swdev *sw = &k->k_swap;
	struct swblk *sb;
	unsigned char *bytes;
	uint64_t slot;

	VM_OBJECT_ASSERT_WLOCKED(obj);
	KASSERT(obj->type == OBJT_SWAP,
	    ("%s: large-page object %p: its pages are wired", __func__,
		(void *)obj));
	if (!swp_pager_getswapspace(sw, &slot))
		return (ENOSPC);
	bytes = malloc_k(k, PAGE_SIZE_K(k), M_SWAP, M_WAITOK);
	memcpy(bytes, m->data, PAGE_SIZE_K(k));
	mtx_lock(&sw->sw_mtx);
	sw->sw_blocks[slot] = bytes;
	mtx_unlock(&sw->sw_mtx);
	sb = malloc_k(k, sizeof(*sb), M_SWAP, M_WAITOK);
	sb->p = m->pindex;
	sb->slot = slot;
	if (RB_INSERT(swblk_tree, &obj->swtree, sb) != NULL)
		panic("%s: pindex %ju already on swap", __func__,
		    (uintmax_t)sb->p);
	obj->swp_count++;
	vm_page_free(obj, m);
	return (0);
}

/*
 * swap_pager.c: swap_pager_getpages() for one page: allocate a page, read
 * the slot into it, free the slot.  EIO on a pager error (the page stays
 * on swap), ENOMEM when no page can be allocated.
 */
int
swap_pager_getpage(vm_object_t obj, struct swblk *sb, struct vm_page **mp)
{
	struct shmsim_kernel *k = obj->kernel;
	struct swdev *sw = &k->k_swap;
	struct vm_page *m;

	VM_OBJECT_ASSERT_WLOCKED(obj);
	KASSERT(obj->type == OBJT_SWAP,
	    ("%s: large-page object %p", __func__, (void *)obj));
	if (shmsim_fault_hit(k, SHMSIM_FAULT_PAGER_IO))
		return (EIO);
	m = vm_page_alloc(obj, sb->p);
	if (m == NULL)
		return (ENOMEM);
	mtx_lock(&sw->sw_mtx);
	memcpy(m->data, sw->sw_blocks[sb->slot], PAGE_SIZE_K(k));
	mtx_unlock(&sw->sw_mtx);
	m->dirty = true;
	swap_pager_freeblk(obj, sb);
	*mp = m;
	return (0);
}

/* swap_pager.c: swp_pager_meta_free() for one block. */
void
swap_pager_freeblk(vm_object_t obj, struct swblk *sb)
{
	VM_OBJECT_ASSERT_WLOCKED(obj);
	RB_REMOVE(swblk_tree, &obj->swtree, sb);
	obj->swp_count--;
	swp_pager_freeswapspace(&obj->kernel->k_swap, sb->slot);
	free_k(obj->kernel, sb, M_SWAP);
}

/*
 * The simulated pagedaemon (vm_pageout.c in spirit): move up to n
 * resident pages (n == 0: all) to swap, objects in creation order, pages
 * in index order.  Returns the number moved; stops when swap is full.
 */
uint64_t
vm_pageout_run(struct shmsim_kernel *k, uint64_t n)
{
	vm_object_t obj, *objs;
	size_t i, nobjs = 0, cap;
	uint64_t moved = 0;
	bool full = false;

	mtx_lock(&k->vm_object_list_mtx);
	cap = (size_t)atomic_load(&k->k_nobjects) + 1;
	objs = malloc_k(k, cap * sizeof(*objs), M_TEMP, M_WAITOK);
	TAILQ_FOREACH(obj, &k->vm_object_list, object_list) {
		/* Large pages are wired: the pagedaemon leaves them. */
		if (obj->type == OBJT_PHYS || nobjs >= cap)
			continue;
		/*
		 * XXX(model): the pagedaemon holds objects by reference while
		 * it works on them (the kernel walks page queues instead).
		 * The reference is taken under the object lock, so that an
		 * anonymous object that vm_object_collapse() has found with
		 * one reference (and is emptying) is never picked up.
		 */
		VM_OBJECT_WLOCK(obj);
		if ((vm_object_flags(obj) & (OBJ_DEAD | OBJ_COLLAPSING)) == 0 &&
		    vm_object_reference_if_alive(obj))
			objs[nobjs++] = obj;
		VM_OBJECT_WUNLOCK(obj);
	}
	mtx_unlock(&k->vm_object_list_mtx);

	for (i = 0; i < nobjs; i++) {
		obj = objs[i];
		VM_OBJECT_WLOCK(obj);
		while (!full && (n == 0 || moved < n)) {
			struct vm_page *m = RB_MIN(vm_page_tree, &obj->rtree);

			if (m == NULL)
				break;
			if (swap_pager_putpage(obj, m) != 0)
				full = true;
			else
				moved++;
			/* Each page moved is a step others may run between. */
			SCHED_POINT("pageout", "page moved to swap", __FILE__,
			    __LINE__);
		}
		VM_OBJECT_WUNLOCK(obj);
		vm_object_deallocate(obj);
	}
	free_k(k, objs, M_TEMP);
	return (moved);
}

/* Enforce the resident budget at system call exit, with no lock held. */
void
vm_pageout_check(struct shmsim_kernel *k)
{
	uint64_t budget = k->k_cfg.mem_pages, resident;

	if (budget == 0)
		return;
	resident = atomic_load(&k->k_resident);
	if (resident > budget)
		(void)vm_pageout_run(k, resident - budget);
}

/*
 * vm_pager.h: vm_pager_update_writecount() -> swap_pager.c:
 * swap_pager_update_writecount() -- a writable shared mapping of
 * [start, end) of the object now exists: writemappings grows by its size.
 */
void
vm_pager_update_writecount(vm_object_t object, uint64_t start, uint64_t end)
{
	VM_OBJECT_WLOCK(object);
	KASSERT((vm_object_flags(object) & OBJ_ANON) == 0,
	    ("%s: anonymous object #%ju", __func__, (uintmax_t)object->oid));
	object->writemappings += end - start;
	VM_OBJECT_WUNLOCK(object);
}

/*
 * vm_pager.h: vm_pager_release_writecount() -> swap_pager.c:
 * swap_pager_release_writecount() -- such a mapping went away.
 */
void
vm_pager_release_writecount(vm_object_t object, uint64_t start, uint64_t end)
{
	VM_OBJECT_WLOCK(object);
	KASSERT(object->writemappings >= end - start,
	    ("%s: object #%ju: writemappings %ju < %ju", __func__,
		(uintmax_t)object->oid, (uintmax_t)object->writemappings,
		(uintmax_t)(end - start)));
	object->writemappings -= end - start;
	VM_OBJECT_WUNLOCK(object);
}
