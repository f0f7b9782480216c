/*
 * Per-process address spaces (sys/vm/vm_map.h, vm_map.c, vm_mmap.c,
 * vm_fault.c), reduced to what mappings of POSIX shared memory need:
 * map entries over vm objects, with protection, maximum protection,
 * inheritance, copy-on-write through shadow objects and the write count
 * of shared writable mappings.
 *
 * There is no pmap: a simulated load or store is a fault through the map
 * every time (vm_fault_trap), so removing a page from its object removes
 * it from every mapping's view at once, as pmap_remove_all() would.
 *
 * Locking key: (m) the map's lock, (c) constant after creation.  The map
 * lock is taken before any vm object lock, and after a shm range lock
 * (shm_mmap holds its range lock across vm_mmap_object).
 */
#ifndef SHMSIM_VM_MAP_H
#define SHMSIM_VM_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include <bsd/sys/queue.h>

#include "kern/lock.h"
#include "vm_object.h"

struct shmsim_kernel;
struct thread;
struct file;
struct shmfd;

typedef uint64_t vm_offset_t;
typedef uint64_t vm_size_t;
typedef uint8_t vm_prot_t;
typedef uint8_t vm_inherit_t;

/* vm/vm.h: protections, the same bits as PROT_* */
#define VM_PROT_NONE 0x00
#define VM_PROT_READ 0x01
#define VM_PROT_WRITE 0x02
#define VM_PROT_EXECUTE 0x04
#define VM_PROT_ALL (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXECUTE)

/* vm/vm_inherit.h */
#define VM_INHERIT_SHARE ((vm_inherit_t)0)
#define VM_INHERIT_COPY ((vm_inherit_t)1)
#define VM_INHERIT_NONE ((vm_inherit_t)2)
#define VM_INHERIT_ZERO ((vm_inherit_t)3)
#define VM_INHERIT_DEFAULT VM_INHERIT_COPY

/* sys/mman.h: the user's protections and flags (FreeBSD amd64 values) */
#define PROT_NONE 0x00
#define PROT_READ 0x01
#define PROT_WRITE 0x02
#define PROT_EXEC 0x04
#define _PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)
#define PROT_EXTRACT(prot) ((prot)&_PROT_ALL)
#define _PROT_MAX_SHIFT 16
#define PROT_MAX(prot) ((prot) << _PROT_MAX_SHIFT)
#define PROT_MAX_EXTRACT(prot) (((prot) >> _PROT_MAX_SHIFT) & _PROT_ALL)

#define MAP_SHARED 0x0001
#define MAP_PRIVATE 0x0002
#define MAP_FIXED 0x0010
#define MAP_RESERVED0020 0x0020
#define MAP_RESERVED0040 0x0040
#define MAP_HASSEMAPHORE 0x0200
#define MAP_STACK 0x0400
#define MAP_NOSYNC 0x0800
#define MAP_ANON 0x1000
#define MAP_GUARD 0x00002000
#define MAP_EXCL 0x00004000
#define MAP_NOCORE 0x00020000
#define MAP_PREFAULT_READ 0x00040000
#define MAP_32BIT 0x00080000
#define MAP_ALIGNMENT_SHIFT 24
/*
 * sys/sys/mman.h shifts the int 0xff into the sign bit; the model shifts
 * it unsigned (the bits are the same), since a signed overflow is
 * undefined in C (UBSan, fuzz_scenario).
 */
#define MAP_ALIGNED(n) ((int)((unsigned)(n) << MAP_ALIGNMENT_SHIFT))
#define MAP_ALIGNMENT_MASK MAP_ALIGNED(0xff)
#define MAP_ALIGNED_SUPER MAP_ALIGNED(1)

/* vm/vm_param.h: Mach return codes */
#define KERN_SUCCESS 0
#define KERN_INVALID_ADDRESS 1
#define KERN_PROTECTION_FAILURE 2
#define KERN_NO_SPACE 3
#define KERN_INVALID_ARGUMENT 4
#define KERN_FAILURE 5
#define KERN_RESOURCE_SHORTAGE 6
#define KERN_OUT_OF_BOUNDS 9

/* vm/vm_map.h: map entry flags (eflags) */
#define MAP_ENTRY_NOSYNC 0x00000001
#define MAP_ENTRY_COW 0x00000004
#define MAP_ENTRY_NEEDS_COPY 0x00000008
#define MAP_ENTRY_NOCOREDUMP 0x00000400
#define MAP_ENTRY_WRITECNT 0x00008000
#define MAP_ENTRY_SPLIT_BOUNDARY_MASK 0x00300000
#define MAP_ENTRY_SPLIT_BOUNDARY_SHIFT 20
#define MAP_ENTRY_SPLIT_BOUNDARY_INDEX(entry)                 \
	(((entry)->eflags & MAP_ENTRY_SPLIT_BOUNDARY_MASK) >> \
	    MAP_ENTRY_SPLIT_BOUNDARY_SHIFT)

/* vm/vm_map.h: the "cow" argument of vm_map_insert() and friends */
#define MAP_INHERIT_SHARE 0x00000002
#define MAP_COPY_ON_WRITE 0x00000004
#define MAP_DISABLE_SYNCER 0x00000020
#define MAP_CHECK_EXCL 0x00000040
#define MAP_DISABLE_COREDUMP 0x00000100
#define MAP_WRITECOUNT 0x00000400
#define MAP_SPLIT_BOUNDARY_MASK 0x00180000
#define MAP_SPLIT_BOUNDARY_SHIFT 19

/* vm_map_findspace() strategies (vm_map.h: VMFS_*) */
#define VMFS_NO_SPACE 0
#define VMFS_ANY_SPACE 1
#define VMFS_SUPER_SPACE 2
#define VMFS_OPTIMAL_SPACE 3
#define VMFS_ALIGNED_SPACE(x) ((x) << 8)

/* vm_map_protect() flags */
#define VM_MAP_PROTECT_SET_PROT 0x0001
#define VM_MAP_PROTECT_SET_MAXPROT 0x0002

/*
 * The simulated user address space: [PAGE_SIZE, VM_MAXUSER_ADDRESS), as
 * with security.bsd.map_at_zero=0 on amd64; mappings without MAP_FIXED
 * go first-fit from the end of the largest possible heap
 * (vm_daddr + maxdsiz), which the model fixes at SHMSIM_MMAP_BASE.
 */
#define VM_MAXUSER_ADDRESS UINT64_C(0x800000000000)
#define SHMSIM_MMAP_BASE UINT64_C(0x800000000)

struct vm_map_entry {
	TAILQ_ENTRY(vm_map_entry) link;	 /* (m) address order */
	vm_offset_t start;		 /* (m) */
	vm_offset_t end;		 /* (m) */
	vm_object_t object;		 /* (m) owns one reference */
	vm_ooffset_t offset;		 /* (m) of start in object */
	int eflags;			 /* (m) MAP_ENTRY_* */
	vm_prot_t protection;		 /* (m) */
	vm_prot_t max_protection;	 /* (m) */
	vm_inherit_t inheritance;	 /* (m) */
	struct vm_map_entry *defer_next; /* deferred deallocation */
};
typedef struct vm_map_entry *vm_map_entry_t;

struct vm_map {
	struct sx lock; /* "vm map (user)" */
	TAILQ_HEAD(vm_map_entry_list, vm_map_entry) entries; /* (m) */
	int nentries;					     /* (m) */
	vm_size_t size;		      /* (m) bytes mapped */
	vm_offset_t min_offset;	      /* (c) */
	vm_offset_t max_offset;	      /* (c) */
	struct shmsim_kernel *kernel; /* (c) */
};
typedef struct vm_map *vm_map_t;

struct vmspace {
	struct vm_map vm_map;
};

#define vm_map_min(map) ((map)->min_offset)
#define vm_map_max(map) ((map)->max_offset)
#define vm_map_lock(map) _sx_xlock(&(map)->lock, __func__, __FILE__, __LINE__)
#define vm_map_lock_read(map) \
	_sx_slock(&(map)->lock, __func__, __FILE__, __LINE__)
#define vm_map_unlock_read(map) \
	_sx_sunlock(&(map)->lock, __func__, __FILE__, __LINE__)
void vm_map_unlock(vm_map_t map);

/* vm_map.h: vm_map_range_valid() (inline, as in the kernel) */
static inline bool
vm_map_range_valid(vm_map_t map, vm_offset_t start, vm_offset_t end)
{
	if (end < start)
		return (false);
	if (start < vm_map_min(map) || end > vm_map_max(map))
		return (false);
	return (true);
}

/* vm_map.c */
struct vmspace *vmspace_alloc(struct shmsim_kernel *k);
struct vmspace *vmspace_fork(struct vmspace *vm1);
void vm_map_startup(struct shmsim_kernel *k);
void vmspace_exit(struct vmspace *vm);
void vmspace_exec(struct vmspace *vm);
bool vm_map_lookup_entry(vm_map_t map, vm_offset_t address,
    vm_map_entry_t *entry);
int vm_map_insert(vm_map_t map, vm_object_t object, vm_ooffset_t offset,
    vm_offset_t start, vm_offset_t end, vm_prot_t prot, vm_prot_t max, int cow);
int vm_map_find(vm_map_t map, vm_object_t object, vm_ooffset_t offset,
    vm_offset_t *addr, vm_size_t length, vm_offset_t max_addr, int find_space,
    vm_prot_t prot, vm_prot_t max, int cow);
int vm_map_find_min(vm_map_t map, vm_object_t object, vm_ooffset_t offset,
    vm_offset_t *addr, vm_size_t length, vm_offset_t min_addr,
    vm_offset_t max_addr, int find_space, vm_prot_t prot, vm_prot_t max,
    int cow);
int vm_map_find_aligned(vm_map_t map, vm_offset_t *addr, vm_size_t length,
    vm_offset_t max_addr, vm_offset_t alignment);
int vm_map_fixed(vm_map_t map, vm_object_t object, vm_ooffset_t offset,
    vm_offset_t start, vm_size_t length, vm_prot_t prot, vm_prot_t max,
    int cow);
int vm_map_delete(vm_map_t map, vm_offset_t start, vm_offset_t end);
int vm_map_protect(vm_map_t map, vm_offset_t start, vm_offset_t end,
    vm_prot_t new_prot, vm_prot_t new_maxprot, int flags);
int vm_map_protect_2008(vm_map_t map, vm_offset_t start, vm_offset_t end,
    vm_prot_t new_prot);
int vm_map_inherit(vm_map_t map, vm_offset_t start, vm_offset_t end,
    vm_inherit_t new_inheritance);
int vm_map_lookup(vm_map_t *var_map, vm_offset_t vaddr, vm_prot_t fault_typea,
    vm_map_entry_t *out_entry, vm_object_t *object, vm_pindex_t *pindex,
    vm_prot_t *out_prot);
void vm_map_lookup_done(vm_map_t map, vm_map_entry_t entry);

/* vm_mmap.c */
int kern_mmap(struct thread *td, uint64_t addr0, uint64_t len, int prot,
    int flags, int fd, int64_t pos);
int kern_mmap_2008(struct thread *td, uint64_t addr0, uint64_t len, int prot,
    int flags, int fd, int64_t pos);
int kern_munmap(struct thread *td, uint64_t addr0, uint64_t size);
int kern_mprotect(struct thread *td, uint64_t addr0, uint64_t size, int prot);
int vm_mmap_object(vm_map_t map, vm_offset_t *addr, vm_size_t size,
    vm_prot_t prot, vm_prot_t maxprot, int flags, vm_object_t object,
    vm_ooffset_t foff, bool writecounted, struct thread *td);
int vm_mmap_to_errno(int rv);

/* vm_fault.c */
int vm_fault_trap(vm_map_t map, vm_offset_t vaddr, vm_prot_t fault_type,
    unsigned char *buf, size_t off, size_t len, int *signo);
int vm_fault_uaccess(struct thread *td, vm_offset_t addr, void *buf, size_t len,
    bool write, int *signo);

/* uipc_shm.c (src/shm_mmap.c) */
int shm_mmap(struct file *fp, vm_map_t map, vm_offset_t *addr,
    vm_size_t objsize, vm_prot_t prot, vm_prot_t cap_maxprot, int flags,
    vm_ooffset_t foff, struct thread *td);
int vm_mmap_shm_2008(struct thread *td, vm_size_t objsize, vm_prot_t prot,
    vm_prot_t *maxprotp, int *flagsp, struct shmfd *shmfd, vm_ooffset_t foff,
    vm_object_t *objp);

#endif /* SHMSIM_VM_MAP_H */
