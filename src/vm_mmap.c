/*
 * The mapping system calls (sys/vm/vm_mmap.c): mmap(2) as kern_mmap()
 * checks it today and as the January 2008 mmap()/vm_mmap() did, munmap(2)
 * and mprotect(2), and vm_mmap_object(), which puts an object into a map.
 *
 * XXX(model): only shared memory objects can be mapped.  Anonymous
 * memory (MAP_ANON, MAP_STACK), guard regions (MAP_GUARD) and MAP_32BIT
 * pass the kernel's argument checks and then fail with EOPNOTSUPP; there
 * are no RLIMIT_VMEM/racct limits, no Capsicum rights (cap_maxprot is
 * VM_PROT_ALL) and no MAC hooks.  The user address space has no text or
 * heap: the end of the largest possible heap (vm_daddr + maxdsiz), where
 * mappings without MAP_FIXED start, is SHMSIM_MMAP_BASE, and every hint
 * below it is moved there, as a hint inside the heap would be.
 */
#include <errno.h>
#include <string.h>

#include "file.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"
#include "vm_map.h"

#define round_page_k(k, x) (((uint64_t)(x) + PAGE_MASK_K(k)) & ~PAGE_MASK_K(k))
#define trunc_page_k(k, x) ((uint64_t)(x) & ~PAGE_MASK_K(k))

static vm_map_t
td_map(struct thread *td)
{
	return (&td->td_proc->p_vmspace->vm_map);
}

/* vm_mmap.c: vm_mmap_to_errno() */
int
vm_mmap_to_errno(int rv)
{
	switch (rv) {
	case KERN_SUCCESS:
		return (0);
	case KERN_INVALID_ADDRESS:
	case KERN_NO_SPACE:
		return (ENOMEM);
	case KERN_PROTECTION_FAILURE:
		return (EACCES);
	default:
		return (EINVAL);
	}
}

/*
 * vm_mmap.c: vm_mmap_object() -- map size bytes of object at foff into
 * map, at *addr exactly (MAP_FIXED; MAP_EXCL refuses an occupied range)
 * or first-fit from the hint (then from the end of the heap).  The
 * caller's object reference goes to the entry on success.  Errors:
 * EINVAL (unaligned offset or fixed address), ENOMEM (no room),
 * EINVAL/EACCES as vm_map_insert() answers.
 */
int
vm_mmap_object(vm_map_t map, vm_offset_t *addr, vm_size_t size, vm_prot_t prot,
    vm_prot_t maxprot, int flags, vm_object_t object, vm_ooffset_t foff,
    bool writecounted, struct thread *td)
{
	struct shmsim_kernel *k = map->kernel;
	int docow, findspace, rv;
	bool fitit;

	(void)td;
	if ((foff & (vm_ooffset_t)PAGE_MASK_K(k)) != 0)
		return (EINVAL);
	if ((flags & MAP_FIXED) == 0) {
		fitit = true;
		*addr = round_page_k(k, *addr);
	} else {
		if (*addr != trunc_page_k(k, *addr))
			return (EINVAL);
		fitit = false;
	}
	docow = 0; /* MAP_PREFAULT_PARTIAL: no pmap to prefault */
	if ((flags & (MAP_ANON | MAP_SHARED)) == 0)
		docow |= MAP_COPY_ON_WRITE;
	if ((flags & MAP_NOSYNC) != 0)
		docow |= MAP_DISABLE_SYNCER;
	if ((flags & MAP_NOCORE) != 0)
		docow |= MAP_DISABLE_COREDUMP;
	/* Shared memory is also shared with children. */
	if ((flags & MAP_SHARED) != 0)
		docow |= MAP_INHERIT_SHARE;
	if (writecounted)
		docow |= MAP_WRITECOUNT;
	if ((flags & MAP_EXCL) != 0)
		docow |= MAP_CHECK_EXCL;
	if (fitit) {
		if ((flags & MAP_ALIGNMENT_MASK) == MAP_ALIGNED_SUPER)
			findspace = VMFS_SUPER_SPACE;
		else if ((flags & MAP_ALIGNMENT_MASK) != 0)
			findspace =
			    VMFS_ALIGNED_SPACE(flags >> MAP_ALIGNMENT_SHIFT);
		else
			findspace = VMFS_OPTIMAL_SPACE;
		rv = vm_map_find_min(map, object, foff, addr, size,
		    SHMSIM_MMAP_BASE, 0, findspace, prot, maxprot, docow);
	} else
		rv = vm_map_fixed(map, object, foff, *addr, size, prot, maxprot,
		    docow);
	return (vm_mmap_to_errno(rv));
}

/*
 * vm_mmap.c: kern_mmap() as today.  Checks, in order: unknown prot bits
 * (EINVAL), prot beyond PROT_MAX (ENOTSUP), len 0 (modern binaries), MAP_ANON
 * with a descriptor or offset, MAP_STACK, unknown flags, MAP_EXCL without
 * MAP_FIXED, MAP_SHARED with MAP_PRIVATE, MAP_GUARD arguments (all
 * EINVAL); a length that rounds up past the address space (ENOMEM); a
 * nonsensical alignment (EINVAL); for MAP_FIXED an address that does not
 * share the offset's page offset, or a range outside the user map
 * (EINVAL).  Then the descriptor (EBADF), neither MAP_SHARED nor
 * MAP_PRIVATE (EINVAL), and fo_mmap (ENODEV for a file without it).
 * A large-page shm object gets the caller's original hint back (not the
 * one moved past the heap or less the page offset): shm_mmap_large()
 * checks its alignment itself.
 * The result is the mapping's address plus the offset's page offset.
 */
int
kern_mmap(struct thread *td, uint64_t addr0, uint64_t len, int prot, int flags,
    int fd, int64_t pos)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	vm_map_t map = td_map(td);
	const struct fileops *ops;
	vm_offset_t addr, orig_addr;
	vm_size_t pageoff, size;
	struct file *fp;
	int align, error, max_prot;

	if ((prot & ~(_PROT_ALL | PROT_MAX(_PROT_ALL))) != 0)
		return (EINVAL);
	max_prot = PROT_MAX_EXTRACT(prot);
	prot = PROT_EXTRACT(prot);
	if (max_prot != 0 && (max_prot & prot) != prot)
		return (ENOTSUP);
	/* kern_mmap_maxprot(): no implied PROT_MAX (procctl default). */
	if (max_prot == 0)
		max_prot = _PROT_ALL;
	orig_addr = addr = addr0;
	flags &= ~(MAP_RESERVED0020 | MAP_RESERVED0040);
	if (len == 0 || ((flags & MAP_ANON) != 0 && (fd != -1 || pos != 0)))
		return (EINVAL);
	if ((flags & MAP_STACK) != 0) {
		if (fd != -1 ||
		    (prot & (PROT_READ | PROT_WRITE)) !=
			(PROT_READ | PROT_WRITE))
			return (EINVAL);
		flags |= MAP_ANON;
		pos = 0;
	}
	if ((flags &
		~(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_HASSEMAPHORE |
		    MAP_STACK | MAP_NOSYNC | MAP_ANON | MAP_EXCL | MAP_NOCORE |
		    MAP_PREFAULT_READ | MAP_GUARD | MAP_32BIT |
		    MAP_ALIGNMENT_MASK)) != 0)
		return (EINVAL);
	if ((flags & (MAP_EXCL | MAP_FIXED)) == MAP_EXCL)
		return (EINVAL);
	if ((flags & (MAP_SHARED | MAP_PRIVATE)) == (MAP_SHARED | MAP_PRIVATE))
		return (EINVAL);
	if ((flags & MAP_GUARD) != 0 &&
	    (prot != PROT_NONE || fd != -1 || pos != 0 ||
		(flags &
		    ~(MAP_FIXED | MAP_GUARD | MAP_EXCL | MAP_32BIT |
			MAP_ALIGNMENT_MASK)) != 0))
		return (EINVAL);

	pageoff = (uint64_t)pos & PAGE_MASK_K(k);
	pos -= (int64_t)pageoff;
	size = len + pageoff;
	size = round_page_k(k, size);
	if (len > size)
		return (ENOMEM);
	align = flags & MAP_ALIGNMENT_MASK;
	if (align != 0 && align != MAP_ALIGNED_SUPER &&
	    ((unsigned)align >> MAP_ALIGNMENT_SHIFT >= 64 ||
		(unsigned)align >> MAP_ALIGNMENT_SHIFT < PAGE_SHIFT_K(k)))
		return (EINVAL);
	if ((flags & MAP_FIXED) != 0) {
		addr -= pageoff;
		if ((addr & PAGE_MASK_K(k)) != 0)
			return (EINVAL);
		if (!vm_map_range_valid(map, addr, addr + size))
			return (EINVAL);
		if ((flags & MAP_32BIT) != 0 &&
		    addr + size > UINT64_C(0x80000000))
			return (EINVAL);
	} else if ((flags & MAP_32BIT) == 0) {
		if (addr < SHMSIM_MMAP_BASE)
			addr = SHMSIM_MMAP_BASE;
	}
	/* XXX(model): no anonymous memory, guard regions or MAP_32BIT. */
	if ((flags & (MAP_GUARD | MAP_ANON | MAP_32BIT)) != 0)
		return (EOPNOTSUPP);

	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	if ((flags & (MAP_SHARED | MAP_PRIVATE)) == 0) {
		error = EINVAL;
		goto done;
	}
	ops = atomic_load(&fp->f_ops);
	if (ops->fo_mmap == NULL) {
		error = ENODEV;
		goto done;
	}
	/* A large-page object places itself from the caller's own hint. */
	if (ops == &shm_ops && shm_largepage(fp->f_data))
		addr = orig_addr;
	error = ops->fo_mmap(fp, map, &addr, size, (vm_prot_t)prot,
	    (vm_prot_t)(max_prot & VM_PROT_ALL), flags, pos, td);
	if (error == 0)
		td->td_retval[0] = (int64_t)(addr + pageoff);
done:
	fdrop(fp, td);
	return (error);
}

/*
 * vm_mmap.c (2008): vm_mmap() for a shm object (OBJT_SWAP handle) -- a
 * size of 0 maps nothing and succeeds; then the offset and fixed
 * address alignment (EINVAL), vm_mmap_shm() (EACCES, and shm_mmap()'s
 * size check, EINVAL), and vm_map_find() / vm_map_fixed().  A shared
 * mapping is then made inheritable (vm_map_inherit), which also merges
 * it with its neighbours; vm_map_insert() itself did not merge in 2008.
 */
static int
vm_mmap_2008(struct thread *td, vm_map_t map, vm_offset_t *addr, vm_size_t size,
    vm_prot_t prot, vm_prot_t maxprot, int flags, struct shmfd *shmfd,
    vm_ooffset_t foff)
{
	struct shmsim_kernel *k = map->kernel;
	vm_object_t object = NULL;
	int docow, error, rv;
	bool fitit;

	if (size == 0)
		return (0);
	size = round_page_k(k, size);
	if ((foff & (vm_ooffset_t)PAGE_MASK_K(k)) != 0)
		return (EINVAL);
	if ((flags & MAP_FIXED) == 0) {
		fitit = true;
		*addr = round_page_k(k, *addr);
	} else {
		if (*addr != trunc_page_k(k, *addr))
			return (EINVAL);
		fitit = false;
	}
	error = vm_mmap_shm_2008(td, size, prot, &maxprot, &flags, shmfd, foff,
	    &object);
	if (error != 0)
		return (error);
	docow = 0;
	if ((flags & (MAP_ANON | MAP_SHARED)) == 0)
		docow |= MAP_COPY_ON_WRITE;
	if ((flags & MAP_NOSYNC) != 0)
		docow |= MAP_DISABLE_SYNCER;
	if ((flags & MAP_NOCORE) != 0)
		docow |= MAP_DISABLE_COREDUMP;
	if (fitit)
		rv = vm_map_find(map, object, foff, addr, size, 0,
		    VMFS_ANY_SPACE, prot, maxprot, docow);
	else
		rv = vm_map_fixed(map, object, foff, *addr, size, prot, maxprot,
		    docow);
	if (rv != KERN_SUCCESS)
		vm_object_deallocate(object);
	else if ((flags & MAP_SHARED) != 0) {
		rv = vm_map_inherit(map, *addr, *addr + size, VM_INHERIT_SHARE);
		if (rv != KERN_SUCCESS) {
			vm_map_lock(map);
			(void)vm_map_delete(map, *addr, *addr + size);
			vm_map_unlock(map);
		}
	}
	return (vm_mmap_to_errno(rv));
}

/*
 * vm_mmap.c (2008): mmap() for a shm descriptor.  prot bits beyond
 * PROT_READ|PROT_WRITE|PROT_EXEC are dropped, not refused (there was no
 * PROT_MAX), and flags are not checked (no MAP_EXCL; a mapping is shared
 * iff MAP_SHARED is set).  EINVAL for a length that is negative as a
 * ssize_t or MAP_ANON with a descriptor, MAP_STACK rules, the MAP_FIXED
 * address checks; EBADF; the file must be a shm file (EINVAL,
 * [unverified]: ENODEV in later kernels); maxprot comes from the
 * descriptor alone (FREAD: read and execute, FWRITE: write).  A length
 * of 0 succeeds without mapping anything and returns the hint.
 */
int
kern_mmap_2008(struct thread *td, uint64_t addr0, uint64_t len, int prot,
    int flags, int fd, int64_t pos)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	vm_map_t map = td_map(td);
	vm_offset_t addr = addr0;
	vm_size_t pageoff, size;
	vm_prot_t maxprot;
	struct file *fp;
	unsigned int fflag;
	int error;

	prot &= VM_PROT_ALL;
	if ((int64_t)len < 0 || ((flags & MAP_ANON) != 0 && fd != -1))
		return (EINVAL);
	if ((flags & MAP_STACK) != 0) {
		if (fd != -1 ||
		    (prot & (PROT_READ | PROT_WRITE)) !=
			(PROT_READ | PROT_WRITE))
			return (EINVAL);
		flags |= MAP_ANON;
		pos = 0;
	}
	pageoff = (uint64_t)pos & PAGE_MASK_K(k);
	pos -= (int64_t)pageoff;
	size = round_page_k(k, len + pageoff);
	if ((flags & MAP_FIXED) != 0) {
		addr -= pageoff;
		if ((addr & PAGE_MASK_K(k)) != 0)
			return (EINVAL);
		if (addr < vm_map_min(map) || addr + size > vm_map_max(map))
			return (EINVAL);
		if (addr + size < addr)
			return (EINVAL);
	} else if (addr < SHMSIM_MMAP_BASE)
		addr = SHMSIM_MMAP_BASE;
	/* XXX(model): no anonymous memory. */
	if ((flags & MAP_ANON) != 0)
		return (EOPNOTSUPP);
	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	if (fp->f_type != DTYPE_SHM || atomic_load(&fp->f_ops) == &badfileops) {
		error = EINVAL;
		goto done;
	}
	fflag = atomic_load(&fp->f_flag);
	maxprot = VM_PROT_NONE;
	if ((fflag & FREAD) != 0)
		maxprot |= VM_PROT_EXECUTE | VM_PROT_READ;
	if ((fflag & FWRITE) != 0)
		maxprot |= VM_PROT_WRITE;
	error = vm_mmap_2008(td, map, &addr, size, (vm_prot_t)prot, maxprot,
	    flags, fp->f_data, pos);
	if (error == 0)
		td->td_retval[0] = (int64_t)(addr + pageoff);
done:
	fdrop(fp, td);
	return (error);
}

/*
 * vm_mmap.c: kern_munmap() -- EINVAL for a length of 0 or a range outside
 * the user map (after rounding to pages); unmapped parts of the range
 * are fine.  EINVAL when a large-page mapping would be split inside a
 * large page (vm_map_delete; profile current only: large pages came in
 * 2020).
 */
int
kern_munmap(struct thread *td, uint64_t addr0, uint64_t size)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	vm_map_t map = td_map(td);
	vm_offset_t addr, end;
	vm_size_t pageoff;
	int rv;

	if (size == 0)
		return (EINVAL);
	addr = addr0;
	pageoff = addr & PAGE_MASK_K(k);
	addr -= pageoff;
	size += pageoff;
	size = round_page_k(k, size);
	end = addr + size;
	if (!vm_map_range_valid(map, addr, end))
		return (EINVAL);
	vm_map_lock(map);
	rv = vm_map_delete(map, addr, end);
	vm_map_unlock(map);
	return (vm_mmap_to_errno(rv));
}

/*
 * vm_mmap.c: kern_mprotect().  Today: EINVAL for unknown prot bits or a
 * range that wraps; with PROT_MAX, a prot beyond it is ENOTSUP
 * (vm_map_protect's KERN_OUT_OF_BOUNDS) and the maximum protection is
 * set too; EACCES beyond an entry's maximum protection.  2008: prot bits
 * beyond PROT_ALL are dropped, and the 2008 vm_map_protect() applies.
 * Unmapped parts of the range are skipped, without error.
 */
int
kern_mprotect(struct thread *td, uint64_t addr0, uint64_t size, int prot)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	vm_map_t map = td_map(td);
	vm_offset_t addr;
	vm_size_t pageoff;
	int flags, max_prot, vm_error;

	addr = addr0;
	if (K_PROFILE_2008(k)) {
		prot &= VM_PROT_ALL;
		max_prot = 0;
	} else {
		if ((prot & ~(_PROT_ALL | PROT_MAX(_PROT_ALL))) != 0)
			return (EINVAL);
		max_prot = PROT_MAX_EXTRACT(prot);
		prot = PROT_EXTRACT(prot);
	}
	pageoff = addr & PAGE_MASK_K(k);
	addr -= pageoff;
	size += pageoff;
	size = round_page_k(k, size);
	if (addr + size < addr)
		return (EINVAL);
	if (K_PROFILE_2008(k))
		vm_error = vm_map_protect_2008(map, addr, addr + size,
		    (vm_prot_t)prot);
	else {
		flags = VM_MAP_PROTECT_SET_PROT;
		if (max_prot != 0)
			flags |= VM_MAP_PROTECT_SET_MAXPROT;
		vm_error = vm_map_protect(map, addr, addr + size,
		    (vm_prot_t)prot, (vm_prot_t)max_prot, flags);
	}
	switch (vm_error) {
	case KERN_SUCCESS:
		return (0);
	case KERN_PROTECTION_FAILURE:
		return (EACCES);
	case KERN_RESOURCE_SHORTAGE:
		return (ENOMEM);
	case KERN_OUT_OF_BOUNDS:
		return (ENOTSUP);
	}
	return (EINVAL);
}
