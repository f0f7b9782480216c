/*
 * Large-page shared memory objects (uipc_shm.c, 2020): an OBJT_PHYS
 * object whose pages are pagesizes[psind] bytes, allocated eagerly and
 * wired when the object grows, configured once by FIOSSHMLPGCNF.
 */
#include <errno.h>
#include <string.h>

#include "file.h"
#include "kernel_var.h"
#include "shm.h"

/*
 * uipc_shm.c: shm_dotruncate_largepage() -- same size: 0; an unset page
 * size with a non-zero length, or a length not a multiple of the page
 * size: EINVAL; shrink: EPERM (F_SEAL_SHRINK), EBUSY (kernel mappings),
 * else ENOTSUP, always; grow: EPERM (F_SEAL_GROW), then one large page at
 * a time, zeroed and wired.  An allocation that fails is ENOMEM and the
 * pages already added stay (shm_size advances page by page).  No swap
 * charge, no timestamp change.  XXX(model): no reclaim and no waiting:
 * every policy, HARD included, fails with ENOMEM at the first shortage.
 */
int
shm_dotruncate_largepage(struct shmfd *shmfd, int64_t length)
{
	struct shmsim_kernel *k = shmfd->shm_kernel;
	vm_object_t object = shmfd->shm_object;
	vm_pindex_t npages;
	uint64_t psize;
	int psind;

	VM_OBJECT_ASSERT_WLOCKED(object);
	KASSERT(object->type == OBJT_PHYS,
	    ("%s: swap-backed object %p (shm_dotruncate_locked's)", __func__,
		(void *)object));
	if (length == shmfd->shm_size)
		return (0);
	psind = shmfd->shm_lp_psind;
	if (psind == 0 && length != 0)
		return (EINVAL);
	psize = k->k_cfg.page_sizes[psind];
	if (((uint64_t)length & (psize - 1)) != 0)
		return (EINVAL);
	if (length < shmfd->shm_size) {
		if ((shmfd->shm_seals & F_SEAL_SHRINK) != 0)
			return (EPERM);
		if (shmfd->shm_kmappings > 0)
			return (EBUSY);
		return (ENOTSUP);
	}
	if ((shmfd->shm_seals & F_SEAL_GROW) != 0)
		return (EPERM);
	npages = psize >> PAGE_SHIFT_K(k);
	while (object->size < OFF_TO_IDX_K(k, length)) {
		if (vm_page_alloc_contig(object, object->size, psind) == NULL)
			return (ENOMEM);
		object->size += npages;
		shmfd->shm_size = IDX_TO_OFF_K(k, object->size);
	}
	return (0);
}
