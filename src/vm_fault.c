/*
 * Page faults (sys/vm/vm_fault.c), and the simulated loads and stores
 * that take them.
 *
 * XXX(model): there is no pmap and no TLB: every simulated access to a
 * page is a fault, resolved through the map and the object chain under
 * their locks, and the bytes are copied while the page's object is still
 * locked.  So a page freed from an object (truncate, hole punch, munmap
 * of an anonymous range) vanishes from every mapping at once, as
 * pmap_remove_all() makes it, and the pagedaemon may take any page
 * between two accesses.  Consequently a PROT_WRITE-only mapping faults
 * every read (amd64 would let reads through once a write had mapped the
 * page), and prefaulting is not modelled.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "kern/refcount.h"
#include "kernel_var.h"
#include "proc.h"
#include "vm_map.h"

#define VM_FAULT_MAXCHAIN 64 /* objects locked at once in one fault */

/*
 * vm_fault.c: vm_fault() -- resolve one access of len bytes at vaddr
 * (within one page) and perform it on buf.  The chain below the entry's
 * object is searched top-down, each object locked and kept locked:
 *
 *  - the first object, and every object that is not anonymous (the shm
 *    object at the bottom), must cover the page index: at or past its
 *    size the fault is KERN_OUT_OF_BOUNDS (SIGBUS) -- a page past the end
 *    of the shm object, through a shared or a private mapping, unless a
 *    copy of it already sits in a shadow object in front;
 *  - a resident page is used; a page on swap is paged in where it is
 *    (a pager error is KERN_OUT_OF_BOUNDS as well);
 *  - nothing anywhere: a zero-filled page is allocated in the first
 *    object (so reading a hole through a mapping allocates a page, unlike
 *    read(2));
 *  - a write that found the page below the first object copies it up
 *    (copy-on-write); when the page's object is the first object's
 *    anonymous backing object and nothing else references or shadows it,
 *    the page is moved up instead (vm_fault_cow).
 *
 * KERN_RESOURCE_SHORTAGE when a page cannot be allocated (the page
 * allocation fault site; the kernel would wait for memory).
 */
static int
vm_fault(vm_map_t map, vm_offset_t vaddr, vm_prot_t fault_type,
    unsigned char *buf, size_t len)
{
	struct shmsim_kernel *k = map->kernel;
	vm_object_t chain[VM_FAULT_MAXCHAIN], first_object, object;
	vm_pindex_t first_pindex, pindex;
	vm_map_entry_t entry;
	struct vm_page *m, *first_m;
	size_t pgoff;
	vm_prot_t prot;
	int error, i, nchain = 0, rv;

	SCHED_POINT("vm_fault", "fault", __FILE__, __LINE__);
	rv = vm_map_lookup(&map, vaddr, fault_type, &entry, &first_object,
	    &first_pindex, &prot);
	if (rv != KERN_SUCCESS)
		return (rv);
	object = first_object;
	pindex = first_pindex;
	m = NULL;
	pgoff = (size_t)(vaddr & PAGE_MASK_K(k));
	for (;;) {
		VM_OBJECT_WLOCK(object);
		chain[nchain++] = object;
		if (pindex >= object->size &&
		    (object == first_object ||
			(vm_object_flags(object) & OBJ_ANON) == 0)) {
			rv = KERN_OUT_OF_BOUNDS;
			goto unlock;
		}
		if (object->type == OBJT_PHYS) {
			size_t lpoff;

			m = vm_page_lookup_large(object, pindex, &lpoff);
			KASSERT(m != NULL,
			    ("%s: large page %ju missing", __func__,
				(uintmax_t)pindex));
			pgoff += lpoff;
		} else {
			error = vm_page_grab_valid(object, pindex, false, &m);
			if (error != 0) {
				rv = error == ENOMEM ? KERN_RESOURCE_SHORTAGE :
						       KERN_OUT_OF_BOUNDS;
				goto unlock;
			}
		}
		if (m != NULL || object->backing_object == NULL)
			break;
		KASSERT(nchain < VM_FAULT_MAXCHAIN,
		    ("%s: shadow chain too long", __func__));
		pindex += OFF_TO_IDX_K(k, object->backing_object_offset);
		object = object->backing_object;
	}
	if (m == NULL) {
		/* Zero-fill in the first object. */
		m = vm_page_alloc(first_object, first_pindex);
		if (m == NULL) {
			rv = KERN_RESOURCE_SHORTAGE;
			goto unlock;
		}
	} else if (object != first_object &&
	    (fault_type & VM_PROT_WRITE) != 0) {
		/* vm_fault_cow(): copy (or move) the page up. */
		if ((vm_object_flags(object) & OBJ_ANON) != 0 &&
		    object == first_object->backing_object &&
		    refcount_load(&object->ref_count) == 1 &&
		    object->shadow_count == 1) {
			vm_page_rename(m, object, first_object, first_pindex);
		} else {
			first_m = vm_page_alloc(first_object, first_pindex);
			if (first_m == NULL) {
				rv = KERN_RESOURCE_SHORTAGE;
				goto unlock;
			}
			memcpy(first_m->data, m->data, PAGE_SIZE_K(k));
			m = first_m;
		}
	}
	if ((fault_type & VM_PROT_WRITE) != 0) {
		memcpy(m->data + pgoff, buf, len);
		m->dirty = true;
	} else
		memcpy(buf, m->data + pgoff, len);
	rv = KERN_SUCCESS;
unlock:
	for (i = nchain - 1; i >= 0; i--)
		VM_OBJECT_WUNLOCK(chain[i]);
	vm_map_lookup_done(map, entry);
	return (rv);
}

/*
 * vm_fault.c: vm_fault_trap() -- a user access's fault, and the signal it
 * turns into (trap.c): KERN_OUT_OF_BOUNDS is SIGBUS (BUS_OBJERR);
 * KERN_INVALID_ADDRESS (SEGV_MAPERR) and KERN_PROTECTION_FAILURE
 * (SEGV_ACCERR, for binaries after P_OSREL_SIGSEGV, which both profiles
 * run) are SIGSEGV.  *signo is 0 when the access was made.  Returns
 * ENOMEM (model-only) when a page could not be allocated.
 */
int
vm_fault_trap(vm_map_t map, vm_offset_t vaddr, vm_prot_t fault_type,
    unsigned char *buf, size_t off, size_t len, int *signo)
{
	int rv;

	*signo = 0;
	rv = vm_fault(map, vaddr, fault_type, buf + off, len);
	switch (rv) {
	case KERN_SUCCESS:
		return (0);
	case KERN_OUT_OF_BOUNDS:
		*signo = SIGBUS;
		return (0);
	case KERN_RESOURCE_SHORTAGE:
		return (ENOMEM);
	default:
		*signo = SIGSEGV;
		return (0);
	}
}

/*
 * Model-only: a load or store of len bytes at addr by the thread, page
 * by page, as a user-mode copy would fault its way through.  Bytes moved
 * before a fault stay moved; the first signal ends the access.
 */
int
vm_fault_uaccess(struct thread *td, vm_offset_t addr, void *buf, size_t len,
    bool write, int *signo)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	vm_map_t map = &td->td_proc->p_vmspace->vm_map;
	size_t done = 0, n;
	int error;

	*signo = 0;
	while (done < len) {
		n = (size_t)(PAGE_SIZE_K(k) - ((addr + done) & PAGE_MASK_K(k)));
		if (n > len - done)
			n = len - done;
		if (addr + done < addr) {
			/* Wrapped past the top of the address space. */
			*signo = SIGSEGV;
			return (0);
		}
		error = vm_fault_trap(map, addr + done,
		    write ? VM_PROT_WRITE : VM_PROT_READ, buf, done, n, signo);
		if (error != 0 || *signo != 0)
			return (error);
		done += n;
	}
	return (0);
}
