/*
 * Address spaces (sys/vm/vm_map.c), reduced to what mappings of POSIX
 * shared memory need: a sorted list of map entries, each over a vm
 * object with an offset, protection, maximum protection, inheritance and
 * flags; insertion, first-fit placement, clipping, merging, deletion
 * with deferred release of object references and write counts,
 * protection changes, fork (vmspace_fork, vm_map_copy_entry) and the
 * lookup a fault starts with (vm_map_lookup), which puts a shadow object
 * in front of a copy-on-write entry about to be written.
 *
 * XXX(model): the entries are a sorted TAILQ searched linearly, not the
 * kernel's splay tree; there are no submaps, guard entries, stacks,
 * wiring, pmap or swap charges of private mappings (entry->cred).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kern/refcount.h"
#include "kernel_var.h"
#include "vm_map.h"

MALLOC_DEFINE(M_MAPENTRY, "map entry",
    "map entries (mapentzone \"MAP ENTRY\"; XXX(model): counted as a type)");
MALLOC_DEFINE(M_VMSPACE, "vmspace",
    "address spaces (XXX(model): UMA zone VMSPACE)");

/*
 * cur_sim_thread()->td_map_def_user: entries deleted under the map lock whose
 * object references (and write counts) are released once the map is
 * unlocked (vm_map_unlock -> vm_map_process_deferred).
 */

static vm_map_entry_t
vm_map_entry_succ(vm_map_t map, vm_map_entry_t entry)
{
	return (entry == NULL ? TAILQ_FIRST(&map->entries) :
				TAILQ_NEXT(entry, link));
}

static vm_map_entry_t
vm_map_entry_pred(vm_map_entry_t entry)
{
	return (TAILQ_PREV(entry, vm_map_entry_list, link));
}

/* vm_map.c: vm_map_startup() -- mapentzone, "MAP ENTRY" (kern/uma.h). */
void
vm_map_startup(struct shmsim_kernel *k)
{
	uma_zcreate_k(k, UMA_ZONE_MAPENTRY, "MAP ENTRY",
	    sizeof(struct vm_map_entry), M_MAPENTRY);
}

/* vm_map.c: vmspace_alloc() -- an empty address space. */
struct vmspace *
vmspace_alloc(struct shmsim_kernel *k)
{
	struct vmspace *vm;
	vm_map_t map;

	vm = malloc_k(k, sizeof(*vm), M_VMSPACE, M_WAITOK | M_ZERO);
	map = &vm->vm_map;
	sx_init(&map->lock, "vm map (user)", LC_VM_MAP, &k->k_witness);
	TAILQ_INIT(&map->entries);
	map->min_offset = PAGE_SIZE_K(k);
	map->max_offset = VM_MAXUSER_ADDRESS;
	map->kernel = k;
	return (vm);
}

/*
 * vm_map.c: vm_map_lookup_entry() -- true and the entry containing
 * address, or false and the entry before it (NULL: the map's header).
 */
bool
vm_map_lookup_entry(vm_map_t map, vm_offset_t address, vm_map_entry_t *entry)
{
	vm_map_entry_t cur, prev = NULL;

	TAILQ_FOREACH(cur, &map->entries, link) {
		if (address < cur->start)
			break;
		if (address < cur->end) {
			*entry = cur;
			return (true);
		}
		prev = cur;
	}
	*entry = prev;
	return (false);
}

/* vm_map.c: vm_map_entry_link() -- after prev (NULL: first). */
static void
vm_map_entry_link(vm_map_t map, vm_map_entry_t prev, vm_map_entry_t entry)
{
	if (prev == NULL)
		TAILQ_INSERT_HEAD(&map->entries, entry, link);
	else
		TAILQ_INSERT_AFTER(&map->entries, prev, entry, link);
	map->nentries++;
}

/* vm_map.c: vm_map_entry_unlink() */
static void
vm_map_entry_unlink(vm_map_t map, vm_map_entry_t entry)
{
	TAILQ_REMOVE(&map->entries, entry, link);
	map->nentries--;
}

/*
 * vm_map.c: vm_map_entry_clone() -- a copy of entry with its own
 * reference on the object.  The write count is left alone: the pages of
 * a write-counted entry are shared out between the two pieces.
 */
static vm_map_entry_t
vm_map_entry_clone(vm_map_t map, vm_map_entry_t entry)
{
	vm_map_entry_t new_entry;

	new_entry =
	    uma_zalloc(UMA_ZONE(map->kernel, UMA_ZONE_MAPENTRY), M_WAITOK);
	*new_entry = *entry;
	vm_object_reference(new_entry->object);
	return (new_entry);
}

/* The byte size of the split boundary of a large-page entry, or 0. */
static uint64_t
vm_map_entry_boundary(vm_map_t map, vm_map_entry_t entry)
{
	int bdry_idx = MAP_ENTRY_SPLIT_BOUNDARY_INDEX(entry);

	return (bdry_idx == 0 ? 0 : map->kernel->k_cfg.page_sizes[bdry_idx]);
}

/*
 * vm_map.c: vm_map_clip_start() -- split entry so that one piece starts
 * at startaddr.  KERN_INVALID_ARGUMENT inside a large page.
 */
static int
vm_map_clip_start(vm_map_t map, vm_map_entry_t entry, vm_offset_t startaddr)
{
	vm_map_entry_t new_entry;
	uint64_t bdry;

	sx_assert_xlocked(&map->lock);
	if (startaddr <= entry->start)
		return (KERN_SUCCESS);
	bdry = vm_map_entry_boundary(map, entry);
	if (bdry != 0 && (startaddr & (bdry - 1)) != 0)
		return (KERN_INVALID_ARGUMENT);
	new_entry = vm_map_entry_clone(map, entry);
	new_entry->end = startaddr;
	entry->offset += startaddr - entry->start;
	entry->start = startaddr;
	vm_map_entry_link(map, vm_map_entry_pred(entry), new_entry);
	return (KERN_SUCCESS);
}

/* vm_map.c: vm_map_clip_end() -- split entry so that a piece ends there. */
static int
vm_map_clip_end(vm_map_t map, vm_map_entry_t entry, vm_offset_t endaddr)
{
	vm_map_entry_t new_entry;
	uint64_t bdry;

	sx_assert_xlocked(&map->lock);
	if (endaddr >= entry->end)
		return (KERN_SUCCESS);
	bdry = vm_map_entry_boundary(map, entry);
	if (bdry != 0 && (endaddr & (bdry - 1)) != 0)
		return (KERN_INVALID_ARGUMENT);
	new_entry = vm_map_entry_clone(map, entry);
	new_entry->start = endaddr;
	new_entry->offset += endaddr - entry->start;
	entry->end = endaddr;
	vm_map_entry_link(map, entry, new_entry);
	return (KERN_SUCCESS);
}

/*
 * vm_map.c: vm_map_lookup_clip_start() -- the entry at or after start,
 * clipped to begin at start, and its predecessor.
 */
static __always_inline int
vm_map_lookup_clip_start(vm_map_t map, vm_offset_t start,
    vm_map_entry_t *res_entry, vm_map_entry_t *prev_entry)
{
	vm_map_entry_t entry;
	int rv;

	if (vm_map_lookup_entry(map, start, &entry)) {
		rv = vm_map_clip_start(map, entry, start);
		if (rv != KERN_SUCCESS)
			return (rv);
		*prev_entry = vm_map_entry_pred(entry);
	} else {
		*prev_entry = entry;
		entry = vm_map_entry_succ(map, entry);
	}
	*res_entry = entry;
	return (KERN_SUCCESS);
}

/* vm_map.c: vm_map_mergeable_neighbors() */
static bool
vm_map_mergeable_neighbors(vm_map_entry_t prev, vm_map_entry_t entry)
{
	return (prev->end == entry->start && prev->object == entry->object &&
	    prev->offset + (vm_ooffset_t)(prev->end - prev->start) ==
		entry->offset &&
	    prev->eflags == entry->eflags &&
	    prev->protection == entry->protection &&
	    prev->max_protection == entry->max_protection &&
	    prev->inheritance == entry->inheritance);
}

/*
 * vm_map.c: vm_map_try_merge_entries() -- fold prev_entry into entry
 * when they continue each other; the folded entry's object reference
 * goes (vm_map_merged_neighbor_dispose).  Either may be NULL.
 */
static __always_inline void
vm_map_try_merge_entries(vm_map_t map, vm_map_entry_t prev_entry,
    vm_map_entry_t entry)
{
	sx_assert_xlocked(&map->lock);
	if (prev_entry == NULL || entry == NULL ||
	    !vm_map_mergeable_neighbors(prev_entry, entry))
		return;
	vm_map_entry_unlink(map, prev_entry);
	entry->start = prev_entry->start;
	entry->offset = prev_entry->offset;
	vm_object_deallocate(prev_entry->object);
	uma_zfree(UMA_ZONE(map->kernel, UMA_ZONE_MAPENTRY), prev_entry);
}

/*
 * vm_map.c (2008): vm_map_simplify_entry() -- merge entry with either
 * neighbour that continues it, the predecessor first; entry stays and
 * the neighbours (and their object references) go.
 */
static void
vm_map_simplify_entry(vm_map_t map, vm_map_entry_t entry)
{
	vm_map_entry_t next;

	vm_map_try_merge_entries(map, vm_map_entry_pred(entry), entry);
	next = TAILQ_NEXT(entry, link);
	if (next != NULL && vm_map_mergeable_neighbors(entry, next)) {
		vm_map_entry_unlink(map, next);
		entry->end = next->end;
		vm_object_deallocate(next->object);
		uma_zfree(UMA_ZONE(map->kernel, UMA_ZONE_MAPENTRY), next);
	}
}

/*
 * vm_map.c: vm_map_insert() -- map [start, end) of object at offset,
 * taking over the caller's object reference.  KERN_INVALID_ADDRESS for
 * an empty or out-of-range request, KERN_NO_SPACE when anything is
 * mapped there, KERN_INVALID_ARGUMENT for a large-page entry not aligned
 * to its page size.  Today's kernel then merges the new entry with its
 * neighbours; the 2008 kernel had that merge disabled ("#if 0").
 */
int
vm_map_insert(vm_map_t map, vm_object_t object, vm_ooffset_t offset,
    vm_offset_t start, vm_offset_t end, vm_prot_t prot, vm_prot_t max, int cow)
{
	vm_map_entry_t new_entry, prev_entry, next_entry;
	uint64_t bdry;
	int bidx, protoeflags;

	sx_assert_xlocked(&map->lock);
	KASSERT((prot & ~max) == 0,
	    ("prot %#x is not subset of max_prot %#x", prot, max));
	if (start == end || !vm_map_range_valid(map, start, end))
		return (KERN_INVALID_ADDRESS);
	if (vm_map_lookup_entry(map, start, &prev_entry))
		return (KERN_NO_SPACE);
	next_entry = vm_map_entry_succ(map, prev_entry);
	if (next_entry != NULL && next_entry->start < end)
		return (KERN_NO_SPACE);

	protoeflags = 0;
	if ((cow & MAP_COPY_ON_WRITE) != 0)
		protoeflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
	if ((cow & MAP_DISABLE_SYNCER) != 0)
		protoeflags |= MAP_ENTRY_NOSYNC;
	if ((cow & MAP_DISABLE_COREDUMP) != 0)
		protoeflags |= MAP_ENTRY_NOCOREDUMP;
	if ((cow & MAP_WRITECOUNT) != 0)
		protoeflags |= MAP_ENTRY_WRITECNT;
	if ((cow & MAP_SPLIT_BOUNDARY_MASK) != 0) {
		bidx =
		    (cow & MAP_SPLIT_BOUNDARY_MASK) >> MAP_SPLIT_BOUNDARY_SHIFT;
		if (bidx >= SHMSIM_MAXPAGESIZES ||
		    map->kernel->k_cfg.page_sizes[bidx] == 0)
			return (KERN_INVALID_ARGUMENT);
		bdry = map->kernel->k_cfg.page_sizes[bidx] - 1;
		if ((start & bdry) != 0 || (end & bdry) != 0)
			return (KERN_INVALID_ARGUMENT);
		protoeflags |= bidx << MAP_ENTRY_SPLIT_BOUNDARY_SHIFT;
	}

	/* vm_map_entry_create(): not zeroed (uma_zalloc); every field set. */
	new_entry =
	    uma_zalloc(UMA_ZONE(map->kernel, UMA_ZONE_MAPENTRY), M_WAITOK);
	new_entry->start = start;
	new_entry->end = end;
	new_entry->object = object;
	new_entry->offset = offset;
	new_entry->eflags = protoeflags;
	new_entry->inheritance = (cow & MAP_INHERIT_SHARE) != 0 ?
	    VM_INHERIT_SHARE :
	    VM_INHERIT_DEFAULT;
	new_entry->protection = prot;
	new_entry->max_protection = max;
	new_entry->defer_next = NULL;
	vm_map_entry_link(map, prev_entry, new_entry);
	map->size += end - start;
	if (!K_PROFILE_2008(map->kernel)) {
		vm_map_try_merge_entries(map, prev_entry, new_entry);
		vm_map_try_merge_entries(map, new_entry, next_entry);
	}
	return (KERN_SUCCESS);
}

/*
 * vm_map.c: vm_map_findspace() -- the lowest address at or above start,
 * aligned to alignment (a power of two, 0 for pages), where length bytes
 * fit below max_addr.  False when none does.
 */
static bool
vm_map_findspace(vm_map_t map, vm_offset_t start, vm_size_t length,
    vm_offset_t max_addr, vm_offset_t alignment, vm_offset_t *addrp)
{
	vm_map_entry_t entry;
	vm_offset_t addr;

	addr = start < vm_map_min(map) ? vm_map_min(map) : start;
	for (entry = TAILQ_FIRST(&map->entries);;) {
		if (alignment > 1)
			addr = (addr + alignment - 1) & ~(alignment - 1);
		if (addr < start || addr + length < addr ||
		    addr + length > max_addr)
			return (false);
		while (entry != NULL && entry->end <= addr)
			entry = TAILQ_NEXT(entry, link);
		if (entry == NULL || addr + length <= entry->start) {
			*addrp = addr;
			return (true);
		}
		addr = entry->end;
	}
}

/*
 * vm_map.c: vm_map_find() -- vm_map_insert() at *addr (VMFS_NO_SPACE)
 * or at the first place at or above *addr where length fits.
 * XXX(model): VMFS_OPTIMAL_SPACE is first fit (no superpage alignment;
 * shm objects are not coloured), and there is no ASLR: placement is
 * deterministic.  VMFS_SUPER_SPACE aligns to pagesizes[1] when the
 * configuration has large pages and length is at least that.
 */
int
vm_map_find(vm_map_t map, vm_object_t object, vm_ooffset_t offset,
    vm_offset_t *addr, vm_size_t length, vm_offset_t max_addr, int find_space,
    vm_prot_t prot, vm_prot_t max, int cow)
{
	struct shmsim_kernel *k = map->kernel;
	vm_offset_t alignment = 0, limit;
	int rv;

	if (find_space >> 8 != 0)
		alignment = (vm_offset_t)1 << (find_space >> 8);
	else if (find_space == VMFS_SUPER_SPACE &&
	    k->k_cfg.page_sizes[1] != 0 && length >= k->k_cfg.page_sizes[1])
		alignment = k->k_cfg.page_sizes[1];
	vm_map_lock(map);
	if (find_space != VMFS_NO_SPACE) {
		limit = max_addr != 0 && max_addr < vm_map_max(map) ?
		    max_addr :
		    vm_map_max(map);
		if (!vm_map_findspace(map, *addr, length, limit, alignment,
			addr)) {
			rv = KERN_NO_SPACE;
			goto done;
		}
	}
	rv = vm_map_insert(map, object, offset, *addr, *addr + length, prot,
	    max, cow);
done:
	vm_map_unlock(map);
	return (rv);
}

/*
 * vm_map.c: vm_map_find_min() -- vm_map_find() from the hint, then, if
 * that fails and the hint was above min_addr, from min_addr.
 */
int
vm_map_find_min(vm_map_t map, vm_object_t object, vm_ooffset_t offset,
    vm_offset_t *addr, vm_size_t length, vm_offset_t min_addr,
    vm_offset_t max_addr, int find_space, vm_prot_t prot, vm_prot_t max,
    int cow)
{
	vm_offset_t hint;
	int rv;

	hint = *addr;
	if (hint == 0)
		*addr = hint = min_addr;
	for (;;) {
		rv = vm_map_find(map, object, offset, addr, length, max_addr,
		    find_space, prot, max, cow);
		if (rv == KERN_SUCCESS || min_addr >= hint)
			return (rv);
		*addr = hint = min_addr;
	}
}

/*
 * vm_map.c: vm_map_find_aligned() -- with the map locked, the first
 * place at or above *addr, aligned to alignment, for length bytes.
 */
int
vm_map_find_aligned(vm_map_t map, vm_offset_t *addr, vm_size_t length,
    vm_offset_t max_addr, vm_offset_t alignment)
{
	sx_assert_xlocked(&map->lock);
	if (!vm_map_findspace(map, *addr, length, max_addr, alignment, addr))
		return (KERN_NO_SPACE);
	return (KERN_SUCCESS);
}

/*
 * vm_map.c: vm_map_fixed() -- map exactly at start: whatever is there is
 * unmapped first, unless MAP_CHECK_EXCL asks for KERN_NO_SPACE instead.
 */
int
vm_map_fixed(vm_map_t map, vm_object_t object, vm_ooffset_t offset,
    vm_offset_t start, vm_size_t length, vm_prot_t prot, vm_prot_t max, int cow)
{
	vm_offset_t end = start + length;
	int result;

	vm_map_lock(map);
	if (start < vm_map_min(map))
		start = vm_map_min(map);
	if (end > vm_map_max(map))
		end = vm_map_max(map);
	if (start > end)
		start = end;
	if ((cow & MAP_CHECK_EXCL) == 0) {
		result = vm_map_delete(map, start, end);
		if (result != KERN_SUCCESS)
			goto out;
	}
	result = vm_map_insert(map, object, offset, start, end, prot, max, cow);
out:
	vm_map_unlock(map);
	return (result);
}

/*
 * vm_map.c: vm_map_entry_delete() -- unlink entry and queue it for
 * vm_map_process_deferred().  For an anonymous object that no other
 * entry maps (OBJ_ONEMAPPING) but that has other references, the
 * entry's pages are freed now and a tail is cut off the object.
 */
static void
vm_map_entry_delete(vm_map_t map, vm_map_entry_t entry)
{
	struct shmsim_kernel *k = map->kernel;
	vm_object_t object = entry->object;
	struct sim_thread *td;
	vm_pindex_t offidxstart, offidxend;
	vm_size_t size;

	vm_map_entry_unlink(map, entry);
	size = entry->end - entry->start;
	map->size -= size;
	if ((vm_object_flags(object) & OBJ_ANON) != 0) {
		offidxstart = OFF_TO_IDX_K(k, entry->offset);
		offidxend = offidxstart + OFF_TO_IDX_K(k, size);
		VM_OBJECT_WLOCK(object);
		if (refcount_load(&object->ref_count) != 1 &&
		    (vm_object_flags(object) & OBJ_ONEMAPPING) != 0) {
			vm_object_collapse(object);
			vm_object_page_remove(object, offidxstart, offidxend);
			if (offidxend >= object->size &&
			    offidxstart < object->size)
				object->size = offidxstart;
		}
		VM_OBJECT_WUNLOCK(object);
		vm_object_collapse_done();
	}
	td = cur_sim_thread();
	entry->defer_next = td->td_map_def_user;
	td->td_map_def_user = entry;
}

/*
 * vm_map.c: vm_map_process_deferred() -- with no map lock held, release
 * the write counts and object references of the entries deleted.
 */
static void
vm_map_process_deferred(struct shmsim_kernel *k)
{
	struct sim_thread *td = cur_sim_thread();
	vm_map_entry_t entry, next;

	entry = td->td_map_def_user;
	td->td_map_def_user = NULL;
	for (; entry != NULL; entry = next) {
		next = entry->defer_next;
		if ((entry->eflags & MAP_ENTRY_WRITECNT) != 0)
			vm_pager_release_writecount(entry->object, entry->start,
			    entry->end);
		vm_object_deallocate(entry->object);
		uma_zfree(UMA_ZONE(k, UMA_ZONE_MAPENTRY), entry);
	}
}

/* vm_map.c: _vm_map_unlock() -- then the deferred deallocations. */
void
vm_map_unlock(vm_map_t map)
{
	sx_xunlock(&map->lock);
	vm_map_process_deferred(map->kernel);
}

/*
 * vm_map.c: vm_map_delete() -- remove [start, end) from the map, clipping
 * the entries at both ends.  Only a large-page entry that would have to
 * be split inside a large page fails (KERN_INVALID_ARGUMENT), leaving
 * what was deleted before it deleted.
 */
int
vm_map_delete(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	vm_map_entry_t entry, next_entry, scratch_entry;
	int rv;

	sx_assert_xlocked(&map->lock);
	if (start == end)
		return (KERN_SUCCESS);
	rv = vm_map_lookup_clip_start(map, start, &entry, &scratch_entry);
	if (rv != KERN_SUCCESS)
		return (rv);
	for (; entry != NULL && entry->start < end; entry = next_entry) {
		rv = vm_map_clip_end(map, entry, end);
		if (rv != KERN_SUCCESS)
			break;
		next_entry = TAILQ_NEXT(entry, link);
		vm_map_entry_delete(map, entry);
	}
	return (rv);
}

/*
 * vm_map.c: vm_map_protect() as today: KERN_OUT_OF_BOUNDS when both
 * protections are set and the new one exceeds the new maximum; a first
 * pass refuses (KERN_PROTECTION_FAILURE) if any entry's maximum would be
 * exceeded, before anything is clipped; then the entries are clipped to
 * the range, updated (a new maximum also masks the protection) and
 * merged with their neighbours.  Unmapped parts of the range are
 * skipped.  Lowering the maximum protection of a write-counted entry
 * keeps its write count (MAP_ENTRY_WRITECNT stays): F_SEAL_WRITE is
 * refused for as long as the entry exists.
 */
int
vm_map_protect(vm_map_t map, vm_offset_t start, vm_offset_t end,
    vm_prot_t new_prot, vm_prot_t new_maxprot, int flags)
{
	vm_map_entry_t entry, first_entry, prev_entry;
	vm_prot_t old_prot, prot, maxprot;
	int rv;

	if (start == end)
		return (KERN_SUCCESS);
	if ((flags & (VM_MAP_PROTECT_SET_PROT | VM_MAP_PROTECT_SET_MAXPROT)) ==
		(VM_MAP_PROTECT_SET_PROT | VM_MAP_PROTECT_SET_MAXPROT) &&
	    (new_prot & new_maxprot) != new_prot)
		return (KERN_OUT_OF_BOUNDS);
	vm_map_lock(map);
	if (start < vm_map_min(map))
		start = vm_map_min(map);
	if (end > vm_map_max(map))
		end = vm_map_max(map);
	if (start > end)
		start = end;
	if (!vm_map_lookup_entry(map, start, &first_entry))
		first_entry = vm_map_entry_succ(map, first_entry);
	for (entry = first_entry; entry != NULL && entry->start < end;
	     entry = TAILQ_NEXT(entry, link)) {
		prot = (flags & VM_MAP_PROTECT_SET_PROT) != 0 ?
		    new_prot :
		    entry->protection;
		maxprot = (flags & VM_MAP_PROTECT_SET_MAXPROT) != 0 ?
		    new_maxprot :
		    entry->max_protection;
		if ((prot & entry->max_protection) != prot ||
		    (maxprot & entry->max_protection) != maxprot) {
			vm_map_unlock(map);
			return (KERN_PROTECTION_FAILURE);
		}
	}
	rv = KERN_SUCCESS;
	if (first_entry != NULL) {
		rv = vm_map_clip_start(map, first_entry, start);
		if (rv != KERN_SUCCESS) {
			vm_map_unlock(map);
			return (rv);
		}
	}
	for (entry = first_entry; entry != NULL && entry->start < end;
	     entry = TAILQ_NEXT(entry, link)) {
		rv = vm_map_clip_end(map, entry, end);
		if (rv != KERN_SUCCESS) {
			vm_map_unlock(map);
			return (rv);
		}
	}
	prev_entry =
	    first_entry != NULL ? vm_map_entry_pred(first_entry) : NULL;
	for (entry = first_entry; entry != NULL && entry->start < end;
	     vm_map_try_merge_entries(map, prev_entry, entry),
	    prev_entry = entry, entry = TAILQ_NEXT(entry, link)) {
		old_prot = entry->protection;
		if ((flags & VM_MAP_PROTECT_SET_MAXPROT) != 0) {
			entry->max_protection = new_maxprot;
			entry->protection = new_maxprot & old_prot;
		}
		if ((flags & VM_MAP_PROTECT_SET_PROT) != 0)
			entry->protection = new_prot;
	}
	vm_map_try_merge_entries(map, prev_entry, entry);
	vm_map_unlock(map);
	return (rv);
}

/*
 * vm_map.c (2008): vm_map_protect(map, start, end, new_prot, FALSE) --
 * the first entry is clipped before the protection check, so a refused
 * change (KERN_PROTECTION_FAILURE) may leave it split in two; each
 * entry changed is then clipped at the end and simplified.
 */
int
vm_map_protect_2008(vm_map_t map, vm_offset_t start, vm_offset_t end,
    vm_prot_t new_prot)
{
	vm_map_entry_t entry, current;

	vm_map_lock(map);
	if (start < vm_map_min(map))
		start = vm_map_min(map);
	if (end > vm_map_max(map))
		end = vm_map_max(map);
	if (start > end)
		start = end;
	if (vm_map_lookup_entry(map, start, &entry))
		(void)vm_map_clip_start(map, entry, start);
	else
		entry = vm_map_entry_succ(map, entry);
	for (current = entry; current != NULL && current->start < end;
	     current = TAILQ_NEXT(current, link)) {
		if ((new_prot & current->max_protection) != new_prot) {
			vm_map_unlock(map);
			return (KERN_PROTECTION_FAILURE);
		}
	}
	for (current = entry; current != NULL && current->start < end;
	     current = TAILQ_NEXT(current, link)) {
		(void)vm_map_clip_end(map, current, end);
		current->protection = new_prot;
		vm_map_simplify_entry(map, current);
	}
	vm_map_unlock(map);
	return (KERN_SUCCESS);
}

/*
 * vm_map.c: vm_map_inherit() -- set the inheritance of [start, end),
 * clipping and merging as vm_map_protect() does.  Used by the 2008
 * vm_mmap() to make MAP_SHARED mappings shared with children.
 */
int
vm_map_inherit(vm_map_t map, vm_offset_t start, vm_offset_t end,
    vm_inherit_t new_inheritance)
{
	vm_map_entry_t entry, lentry, prev_entry, start_entry;
	int rv;

	if (start == end)
		return (KERN_SUCCESS);
	vm_map_lock(map);
	rv = vm_map_lookup_clip_start(map, start, &start_entry, &prev_entry);
	if (rv != KERN_SUCCESS)
		goto unlock;
	if (vm_map_lookup_entry(map, end - 1, &lentry)) {
		rv = vm_map_clip_end(map, lentry, end);
		if (rv != KERN_SUCCESS)
			goto unlock;
	}
	for (entry = start_entry; entry != NULL && entry->start < end;
	     prev_entry = entry, entry = TAILQ_NEXT(entry, link)) {
		entry->inheritance = new_inheritance;
		vm_map_try_merge_entries(map, prev_entry, entry);
	}
	vm_map_try_merge_entries(map, prev_entry, entry);
unlock:
	vm_map_unlock(map);
	return (rv);
}

/*
 * vm_map.c: vm_map_copy_entry() -- a VM_INHERIT_COPY entry at fork: the
 * child's entry references the parent entry's object, and both become
 * copy-on-write (MAP_ENTRY_NEEDS_COPY): whichever writes first gets a
 * shadow object.  An anonymous object is collapsed first and loses
 * OBJ_ONEMAPPING.  XXX(model): vm_object_split() is not modelled: an
 * anonymous object mapped by several clipped entries is shared whole by
 * the copies, where the kernel splits off each entry's range.
 */
static void
vm_map_copy_entry(vm_map_entry_t src_entry, vm_map_entry_t dst_entry)
{
	vm_object_t src_object = src_entry->object;

	KASSERT((src_entry->eflags & MAP_ENTRY_WRITECNT) == 0,
	    ("%s: a copy-on-write entry is write-counted", __func__));
	if ((vm_object_flags(src_object) & OBJ_ANON) != 0) {
		VM_OBJECT_WLOCK(src_object);
		vm_object_collapse(src_object);
		vm_object_reference_locked(src_object);
		vm_object_clear_flag(src_object, OBJ_ONEMAPPING);
		VM_OBJECT_WUNLOCK(src_object);
		vm_object_collapse_done();
	} else
		vm_object_reference(src_object);
	dst_entry->object = src_object;
	src_entry->eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
	dst_entry->eflags |= MAP_ENTRY_COW | MAP_ENTRY_NEEDS_COPY;
	dst_entry->offset = src_entry->offset;
}

/*
 * vm_map.c: vmspace_fork() -- the child's address space: VM_INHERIT_SHARE
 * entries (MAP_SHARED mappings) share the object, a write-counted one
 * adding its size to the object's write count; VM_INHERIT_COPY entries
 * (MAP_PRIVATE) become copy-on-write in both (vm_map_copy_entry).
 */
struct vmspace *
vmspace_fork(struct vmspace *vm1)
{
	struct shmsim_kernel *k = vm1->vm_map.kernel;
	vm_map_t old_map = &vm1->vm_map, new_map;
	vm_map_entry_t old_entry, new_entry, last = NULL;
	struct vmspace *vm2;
	vm_object_t object;

	vm2 = vmspace_alloc(k);
	new_map = &vm2->vm_map;
	vm_map_lock(old_map);
	vm_map_lock(new_map);
	TAILQ_FOREACH(old_entry, &old_map->entries, link) {
		switch (old_entry->inheritance) {
		case VM_INHERIT_SHARE:
			object = old_entry->object;
			vm_object_reference(object);
			if ((old_entry->eflags & MAP_ENTRY_NEEDS_COPY) != 0) {
				vm_object_shadow(&old_entry->object,
				    &old_entry->offset,
				    old_entry->end - old_entry->start, true);
				old_entry->eflags &= ~MAP_ENTRY_NEEDS_COPY;
				vm_object_deallocate(object);
				object = old_entry->object;
			} else if ((vm_object_flags(object) & OBJ_ANON) != 0) {
				VM_OBJECT_WLOCK(object);
				vm_object_clear_flag(object, OBJ_ONEMAPPING);
				VM_OBJECT_WUNLOCK(object);
			}
			new_entry = uma_zalloc(UMA_ZONE(k, UMA_ZONE_MAPENTRY),
			    M_WAITOK);
			*new_entry = *old_entry;
			if ((new_entry->eflags & MAP_ENTRY_WRITECNT) != 0)
				vm_pager_update_writecount(object,
				    new_entry->start, new_entry->end);
			vm_map_entry_link(new_map, last, new_entry);
			new_map->size += new_entry->end - new_entry->start;
			last = new_entry;
			break;
		case VM_INHERIT_COPY:
			new_entry = uma_zalloc(UMA_ZONE(k, UMA_ZONE_MAPENTRY),
			    M_WAITOK);
			*new_entry = *old_entry;
			new_entry->eflags &= ~MAP_ENTRY_WRITECNT;
			new_entry->object = NULL;
			vm_map_entry_link(new_map, last, new_entry);
			new_map->size += new_entry->end - new_entry->start;
			vm_map_copy_entry(old_entry, new_entry);
			last = new_entry;
			break;
		default: /* VM_INHERIT_NONE */
			break;
		}
	}
	vm_map_unlock(new_map);
	vm_map_unlock(old_map);
	return (vm2);
}

/*
 * vm_map.c: vmspace_exit() -- at exit every mapping goes (vm_map_remove
 * of the whole map), then the address space itself.
 */
void
vmspace_exit(struct vmspace *vm)
{
	vm_map_t map = &vm->vm_map;

	vm_map_lock(map);
	(void)vm_map_delete(map, vm_map_min(map), vm_map_max(map));
	vm_map_unlock(map);
	KASSERT(TAILQ_EMPTY(&map->entries), ("%s: entries left", __func__));
	sx_destroy(&map->lock);
	free_k(map->kernel, vm, M_VMSPACE);
}

/*
 * vm_map.c: vm_map_lookup() -- the object and page index that back vaddr
 * for a fault of fault_typea, with the map read-locked until
 * vm_map_lookup_done().  KERN_INVALID_ADDRESS where nothing is mapped,
 * KERN_PROTECTION_FAILURE against the entry's protection.  A write to a
 * copy-on-write entry first gives the entry a shadow object
 * (vm_object_shadow; the map lock is then held exclusively, as after the
 * kernel's vm_map_lock_upgrade()); a read of one is granted without
 * write access to the object below.
 */
int
vm_map_lookup(vm_map_t *var_map, vm_offset_t vaddr, vm_prot_t fault_typea,
    vm_map_entry_t *out_entry, vm_object_t *object, vm_pindex_t *pindex,
    vm_prot_t *out_prot)
{
	vm_map_t map = *var_map;
	struct shmsim_kernel *k = map->kernel;
	vm_map_entry_t entry;
	vm_prot_t prot;
	bool exclusive = false;

	vm_map_lock_read(map);
RetryLookup:
	if (!vm_map_lookup_entry(map, vaddr, out_entry)) {
		vm_map_lookup_done(map, NULL);
		return (KERN_INVALID_ADDRESS);
	}
	entry = *out_entry;
	prot = entry->protection;
	if ((fault_typea & prot) != fault_typea) {
		vm_map_lookup_done(map, entry);
		return (KERN_PROTECTION_FAILURE);
	}
	if ((entry->eflags & MAP_ENTRY_NEEDS_COPY) != 0) {
		if ((fault_typea & VM_PROT_WRITE) != 0) {
			if (!exclusive) {
				/* vm_map_lock_upgrade() failed: retry. */
				vm_map_unlock_read(map);
				vm_map_lock(map);
				exclusive = true;
				goto RetryLookup;
			}
			vm_object_shadow(&entry->object, &entry->offset,
			    entry->end - entry->start, false);
			entry->eflags &= ~MAP_ENTRY_NEEDS_COPY;
		} else
			prot &= ~VM_PROT_WRITE;
	}
	*pindex =
	    OFF_TO_IDX_K(k, (vaddr - entry->start) + (uint64_t)entry->offset);
	*object = entry->object;
	*out_prot = prot;
	return (KERN_SUCCESS);
}

/* vm_map.c: vm_map_lookup_done() -- the lookup's map lock goes. */
void
vm_map_lookup_done(vm_map_t map, vm_map_entry_t entry)
{
	(void)entry;
	if (sx_xlocked(&map->lock))
		vm_map_unlock(map);
	else
		vm_map_unlock_read(map);
}

/*
 * vm_map.c: vmspace_exec() -- exec(2) replaces the address space: every
 * mapping goes.  XXX(model): the process keeps its vmspace structure,
 * emptied, instead of getting a new one (the same mappings go away).
 */
void
vmspace_exec(struct vmspace *vm)
{
	vm_map_t map = &vm->vm_map;

	vm_map_lock(map);
	(void)vm_map_delete(map, vm_map_min(map), vm_map_max(map));
	vm_map_unlock(map);
}
