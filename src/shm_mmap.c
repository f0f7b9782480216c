/*
 * Mapping shared memory objects (sys/kern/uipc_shm.c: shm_mmap,
 * shm_mmap_large; the 2008 kernel: vm_mmap.c's vm_mmap_shm and
 * uipc_shm.c's shm_mmap).
 *
 * A map entry references the vm object, not the shmfd: the memory
 * outlives close(2) and shm_unlink(2).  A MAP_SHARED mapping whose
 * maximum protection includes write is counted in the object's
 * writemappings (vm_pager_update_writecount), which F_SEAL_WRITE checks.
 */
#include <errno.h>
#include <string.h>

#include "file.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"
#include "vm_map.h"

/* vm/vm_param.h (amd64): superpage reservation levels. */
#define VM_NRESERVLEVEL 1

/*
 * uipc_shm.c: shm_mmap_large() -- a large-page object: the page size
 * must be set (EINVAL); only MAP_SHARED, MAP_FIXED, MAP_EXCL, MAP_NOCORE,
 * MAP_32BIT and alignment flags are allowed, so MAP_PRIVATE is EINVAL;
 * the offset, the size and a non-zero address must be multiples of the
 * large page size (EINVAL); MAP_ALIGNED_SUPER only for the sizes up to
 * VM_NRESERVLEVEL (1 on amd64) and explicit alignments below the page
 * size are EINVAL; MAP_FIXED with MAP_EXCL over something mapped is
 * ENOSPC.  The entry is shared with children, cannot be split inside a
 * large page, and is never write-counted.  The map is locked here,
 * around the whole placement.
 * (The retry from the bottom of the map rounds the address with
 * "(addr + mask) & mask", as read; vm_map_find_aligned() realigns it.)
 */
static int
shm_mmap_large(struct shmfd *shmfd, vm_map_t map, vm_offset_t *addr,
    vm_size_t size, vm_prot_t prot, vm_prot_t max_prot, int flags,
    vm_ooffset_t foff, struct thread *td)
{
	struct shmsim_kernel *k = shmfd->shm_kernel;
	vm_map_entry_t next_entry, prev_entry;
	vm_offset_t align, mask, maxaddr;
	int docow, error, psind, rv, try;

	(void)td;
	psind = __atomic_load_n(&shmfd->shm_lp_psind, __ATOMIC_RELAXED);
	if (psind == 0)
		return (EINVAL);
	if ((flags &
		~(MAP_SHARED | MAP_FIXED | MAP_EXCL | MAP_NOCORE | MAP_32BIT |
		    MAP_ALIGNMENT_MASK)) != 0)
		return (EINVAL);
	docow = psind << MAP_SPLIT_BOUNDARY_SHIFT;
	docow |= MAP_INHERIT_SHARE;
	if ((flags & MAP_NOCORE) != 0)
		docow |= MAP_DISABLE_COREDUMP;
	mask = k->k_cfg.page_sizes[psind] - 1;
	if (((uint64_t)foff & mask) != 0)
		return (EINVAL);
	maxaddr = vm_map_max(map);
	if ((flags & MAP_32BIT) != 0 && maxaddr > UINT64_C(0x80000000))
		maxaddr = UINT64_C(0x80000000);
	if (size == 0 || (size & mask) != 0 ||
	    (*addr != 0 &&
		((*addr & mask) != 0 || *addr + size < *addr ||
		    *addr + size > maxaddr)))
		return (EINVAL);
	align = (vm_offset_t)(flags & MAP_ALIGNMENT_MASK);
	if (align == 0) {
		align = k->k_cfg.page_sizes[psind];
	} else if (align == MAP_ALIGNED_SUPER) {
		/*
		 * Only superpage sizes, [1, VM_NRESERVLEVEL]; the model's
		 * machine is amd64, where VM_NRESERVLEVEL is 1.
		 */
		if (psind > VM_NRESERVLEVEL)
			return (EINVAL);
		align = k->k_cfg.page_sizes[psind];
	} else {
		align >>= MAP_ALIGNMENT_SHIFT;
		align = align >= 64 ? 0 : UINT64_C(1) << align;
		/* Also handles overflow. */
		if (align < k->k_cfg.page_sizes[psind])
			return (EINVAL);
	}

	vm_map_lock(map);
	if ((flags & MAP_FIXED) == 0) {
		try = 1;
		if (*addr == 0 || *addr < SHMSIM_MMAP_BASE)
			*addr = (SHMSIM_MMAP_BASE + mask) & ~mask;
	again:
		rv = vm_map_find_aligned(map, addr, size, maxaddr, align);
		if (rv != KERN_SUCCESS) {
			if (try == 1) {
				try = 2;
				*addr = vm_map_min(map);
				if ((*addr & mask) != 0)
					*addr = (*addr + mask) & mask;
				goto again;
			}
			goto fail1;
		}
	} else if ((flags & MAP_EXCL) == 0) {
		rv = vm_map_delete(map, *addr, *addr + size);
		if (rv != KERN_SUCCESS)
			goto fail1;
	} else {
		error = ENOSPC;
		if (vm_map_lookup_entry(map, *addr, &prev_entry))
			goto fail;
		next_entry = prev_entry == NULL ? TAILQ_FIRST(&map->entries) :
						  TAILQ_NEXT(prev_entry, link);
		if (next_entry != NULL && next_entry->start < *addr + size)
			goto fail;
	}
	rv = vm_map_insert(map, shmfd->shm_object, foff, *addr, *addr + size,
	    prot, max_prot, docow);
fail1:
	error = vm_mmap_to_errno(rv);
fail:
	vm_map_unlock(map);
	return (error);
}

/*
 * uipc_shm.c: shm_mmap() -- fo_mmap of a shm file, under the range lock
 * (read) over [0, objsize).  maxprot: read and execute from FREAD; for
 * MAP_PRIVATE write too if PROT_MAX allows it (a copy-on-write mapping
 * is writable even from an O_RDONLY descriptor or a write-sealed
 * object); for MAP_SHARED write only with FWRITE and no F_SEAL_WRITE,
 * and then the mapping is write-counted.  Errors in order: EACCES
 * (MAP_SHARED, PROT_WRITE, no write in maxprot), EINVAL (objsize or
 * foff + objsize beyond OFF_MAX, or foff negative: the comparison is
 * unsigned), then, after atime has been updated and a reference taken
 * (both happen even if the mapping fails), the large page rules or
 * vm_mmap_object()'s errors.  Mapping beyond the end of the object is
 * allowed; touching it is SIGBUS.
 */
int
shm_mmap(struct file *fp, vm_map_t map, vm_offset_t *addr, vm_size_t objsize,
    vm_prot_t prot, vm_prot_t cap_maxprot, int flags, vm_ooffset_t foff,
    struct thread *td)
{
	struct shmfd *shmfd = fp->f_data;
	struct shmsim_kernel *k = shmfd->shm_kernel;
	struct rl_q_entry rl_cookie;
	unsigned int fflag;
	vm_prot_t maxprot;
	bool writecnt;
	int error;

	maxprot = VM_PROT_NONE;
	/* XXX(model): the range's end is kept within off_t. */
	rangelock_rlock(&shmfd->shm_rl, &rl_cookie, 0,
	    objsize > (vm_size_t)OFF_MAX ? OFF_MAX : (off_t)objsize);
	fflag = atomic_load(&fp->f_flag);
	/* FREAD should always be set. */
	if ((fflag & FREAD) != 0)
		maxprot |= VM_PROT_EXECUTE | VM_PROT_READ;
	if ((flags & MAP_SHARED) == 0) {
		if ((cap_maxprot & VM_PROT_WRITE) != 0)
			maxprot |= VM_PROT_WRITE;
		writecnt = false;
	} else {
		if ((fflag & FWRITE) != 0 &&
		    (__atomic_load_n(&shmfd->shm_seals, __ATOMIC_RELAXED) &
			F_SEAL_WRITE) == 0)
			maxprot |= VM_PROT_WRITE;
		/*
		 * A mapping from a writable descriptor may be upgraded to
		 * PROT_WRITE with mprotect(2): it is counted, so that a write
		 * seal cannot be applied while it exists.
		 */
		writecnt = (maxprot & VM_PROT_WRITE) != 0;
		if (!writecnt && (prot & VM_PROT_WRITE) != 0) {
			error = EACCES;
			goto out;
		}
	}
	maxprot &= cap_maxprot;
	/*
	 * OFF_MAX - objsize is unsigned (vm_size_t), so foff is compared as
	 * unsigned: a negative offset is huge and fails (EINVAL).
	 */
	if (objsize > (vm_size_t)OFF_MAX ||
	    (vm_size_t)foff > (vm_size_t)OFF_MAX - objsize) {
		error = EINVAL;
		goto out;
	}
	mtx_lock(&k->shm_timestamp_lock);
	vfs_timestamp(k, &shmfd->shm_atime);
	mtx_unlock(&k->shm_timestamp_lock);
	vm_object_reference(shmfd->shm_object);
	if (shm_largepage(shmfd)) {
		writecnt = false;
		error = shm_mmap_large(shmfd, map, addr, objsize, prot, maxprot,
		    flags, foff, td);
	} else {
		if (writecnt)
			vm_pager_update_writecount(shmfd->shm_object, 0,
			    objsize);
		error = vm_mmap_object(map, addr, objsize, prot, maxprot, flags,
		    shmfd->shm_object, foff, writecnt, td);
	}
	if (error != 0) {
		if (writecnt)
			vm_pager_release_writecount(shmfd->shm_object, 0,
			    objsize);
		vm_object_deallocate(shmfd->shm_object);
	}
out:
	rangelock_unlock(&shmfd->shm_rl, &rl_cookie);
	return (error);
}

/*
 * uipc_shm.c (2008): shm_mmap() -- EINVAL unless foff < shm_size and
 * foff + objsize <= shm_size ("XXXRW: This validation is probably
 * insufficient, and subject to sign errors"); then atime, then a
 * reference for the mapping.  Read in dmgerman/unix-history-token
 * sys/kern/uipc_shm.c @ 01709865 (late 2008), the oldest copy found.
 * shm_size was a size_t, so on LP64 both comparisons are unsigned: a
 * negative offset is huge and fails.  There is no round_page on
 * shm_size, and vm_mmap() has already rounded objsize up to whole
 * pages, so an object whose size is not a page multiple cannot be
 * mapped at all.  XXX(model): shm_size is read under the object lock
 * (the 2008 kernel read it unlocked).
 */
static int
shm_mmap_2008(struct shmfd *shmfd, vm_size_t objsize, vm_ooffset_t foff,
    vm_object_t *obj)
{
	struct shmsim_kernel *k = shmfd->shm_kernel;
	uint64_t size;

	VM_OBJECT_RLOCK(shmfd->shm_object);
	size = (uint64_t)shmfd->shm_size;
	VM_OBJECT_RUNLOCK(shmfd->shm_object);
	if ((uint64_t)foff >= size || (uint64_t)foff + objsize > size)
		return (EINVAL);
	mtx_lock(&k->shm_timestamp_lock);
	vfs_timestamp(k, &shmfd->shm_atime);
	mtx_unlock(&k->shm_timestamp_lock);
	vm_object_reference(shmfd->shm_object);
	*obj = shmfd->shm_object;
	return (0);
}

/*
 * vm_mmap.c (2008): vm_mmap_shm() -- EACCES for PROT_WRITE without write
 * in maxprot, that is from an O_RDONLY descriptor, even for MAP_PRIVATE
 * (seed bug B2; since 2010 only MAP_SHARED), then shm_mmap().  No write
 * accounting: there were no seals.
 */
int
vm_mmap_shm_2008(struct thread *td, vm_size_t objsize, vm_prot_t prot,
    vm_prot_t *maxprotp, int *flagsp, struct shmfd *shmfd, vm_ooffset_t foff,
    vm_object_t *objp)
{
	(void)td;
	(void)flagsp;
	if ((prot & VM_PROT_WRITE) != 0 && (*maxprotp & VM_PROT_WRITE) == 0)
		return (EACCES);
	return (shm_mmap_2008(shmfd, objsize, foff, objp));
}
