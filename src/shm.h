/*
 * POSIX shared memory objects and their dictionary (sys/sys/mman.h
 * struct shmfd; sys/kern/uipc_shm.c).
 *
 * Locking key: (c) constant after shm_alloc(), (d) shm_dict_lock,
 * (o) the VM object lock, (t) shm_timestamp_lock, (r) shm_rl, (a) atomic.
 */
#ifndef SHMSIM_SHM_H
#define SHMSIM_SHM_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <bsd/sys/queue.h>

#include "file.h"
#include "fnv.h"
#include "kern/lock.h"
#include "vm_object.h"

struct thread;
struct ucred;
struct file;
struct prison;

#define MAXPATHLEN 1024
#define ACCESSPERMS 0777
#define OFF_MAX INT64_MAX

#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008

/* sys/mman.h: the FIOSSHMLPGCNF / FIOGSHMLPGCNF argument. */
struct shm_largepage_conf {
	int psind;
	int alloc_policy;
	int pad[10];
};
#define SHM_LARGEPAGE_ALLOC_DEFAULT 0
#define SHM_LARGEPAGE_ALLOC_NOWAIT 1
#define SHM_LARGEPAGE_ALLOC_HARD 2
#define FIOSSHMLPGCNF 0x80306664UL
#define FIOGSHMLPGCNF 0x40306665UL
_Static_assert(sizeof(struct shm_largepage_conf) == 48,
    "the ioctl encodes a 48-byte argument");

#define SHM_RENAME_NOREPLACE 0x1
#define SHM_RENAME_EXCHANGE 0x2
#define SPACECTL_DEALLOC 1
#define SPACECTL_F_SUPPORTED 0

#define MFD_CLOEXEC 0x00000001U
#define MFD_ALLOW_SEALING 0x00000002U
#define MFD_HUGETLB 0x00000004U
#define MFD_HUGE_MASK 0xFC000000U
#define MFD_HUGE_SHIFT 26
#define NAME_MAX 255

#define SHM_ALLOW_SEALING 0x00000001
#define SHM_GROW_ON_WRITE 0x00000002
#define SHM_LARGEPAGE 0x00000004

/* vaccess() rights */
#define VREAD 0x01
#define VWRITE 0x02
#define VADMIN 0x04

/*
 * XXX(model): the members are those of sys/sys/mman.h, in another order:
 * what an open of an existing name and its close touch (reference count,
 * owner and mode for shm_access, flags and seals, the range lock) comes
 * first, on as few cache lines as the range lock allows; the sizes and
 * times that truncate and fstat use follow.  Nothing reads the layout.
 */
struct shmfd {
	atomic_uint shm_refs;		  /* (a) files + name + holds */
	uid_t shm_uid;			  /* (t) */
	gid_t shm_gid;			  /* (t) */
	mode_t shm_mode;		  /* (t) & ACCESSPERMS */
	int shm_flags;			  /* (c) SHM_* given at creation */
	int shm_seals;			  /* (r) F_SEAL_* */
	struct shmsim_kernel *shm_kernel; /* (c) */
	vm_object_t shm_object;		  /* (c) owns one reference */
	struct rangelock shm_rl;
	vm_ooffset_t shm_size;	       /* (o) logical size in bytes */
	int shm_kmappings;	       /* (o) kernel mappings */
	int shm_lp_psind;	       /* (r) large page size index; 0: unset */
	int shm_lp_alloc_policy;       /* (r) SHM_LARGEPAGE_ALLOC_* */
	struct timespec shm_atime;     /* (t) */
	struct timespec shm_mtime;     /* (t) */
	struct timespec shm_ctime;     /* (t) */
	struct timespec shm_birthtime; /* (t) */
	uint64_t shm_ino;	       /* (c) 0 in profile 2008 */
	const char *shm_path;	       /* (d) the dictionary's buffer */
};

/*
 * XXX(model): sm_path points into the same allocation, just behind the
 * entry (shm_insert); the kernel allocates the two separately.
 */
struct shm_mapping {
	char *sm_path;			 /* (d) full name */
	Fnv32_t sm_fnv;			 /* (d) fnv_32_str(sm_path) */
	struct shmfd *sm_shmfd;		 /* (d) holds one shm_refs */
	LIST_ENTRY(shm_mapping) sm_link; /* (d) */
};

LIST_HEAD(shm_dict_bucket, shm_mapping);

extern const struct fileops shm_ops;
extern const struct fileops shm_ops_2008;

/* uipc_shm.c */
struct shmfd *shm_alloc(struct ucred *ucred, mode_t mode, bool largepage,
    int *errorp);
int shm_dotruncate_largepage(struct shmfd *shmfd, int64_t length);
struct shmfd *shm_hold(struct shmfd *shmfd);
void shm_drop(struct shmfd *shmfd);
int shm_access(struct shmfd *shmfd, struct ucred *ucred, int flags);
int shm_dotruncate(struct shmfd *shmfd, int64_t length);
int shm_dotruncate_locked(struct shmfd *shmfd, int64_t length);
int shm_dotruncate_cookie(struct shmfd *shmfd, int64_t length);
int shm_dotruncate_2008(struct shmfd *shmfd, int64_t length);
int shm_copyin_path(struct thread *td, const char *userpath, char **pathp);
void shm_path_free(struct shmsim_kernel *k, char *path);
int kern_shm_open2(struct thread *td, const char *userpath, int flags,
    mode_t mode, int shmflags);
int kern_shm_open_2008(struct thread *td, const char *path, int flags,
    mode_t mode);
int kern_shm_unlink(struct thread *td, const char *userpath);
void shm_dict_init(struct shmsim_kernel *k);
void shm_dict_destroy(struct shmsim_kernel *k);
void shm_remove_all(struct shmsim_kernel *k);
uint64_t shm_pages(const struct shmfd *shmfd);
void vfs_timestamp(struct shmsim_kernel *k, struct timespec *ts);

struct shmfd *shm_lookup(struct shmsim_kernel *k, const char *path,
    Fnv32_t fnv);
void shm_insert(struct shmsim_kernel *k, const char *path, Fnv32_t fnv,
    struct shmfd *shmfd);
void shm_doremove(struct shmsim_kernel *k, struct shm_mapping *map);
int shm_remove(struct shmsim_kernel *k, const char *path, Fnv32_t fnv,
    struct ucred *ucred);
int vaccess(mode_t file_mode, uid_t file_uid, gid_t file_gid, int accmode,
    const struct ucred *cred);
int shm_partial_page_invalidate(vm_object_t object, vm_pindex_t idx, int base,
    int end);
int kern_shm_rename(struct thread *td, const char *path_from,
    const char *path_to, int flags);
int memfd_create(struct thread *td, const char *name, unsigned int flags);

void shm_remove_prison(struct prison *pr);
void shm_kinfo_path(const struct shmfd *shmfd, const struct ucred *cred,
    char *buf, size_t len);

/* shm_attr.c */
fo_chmod_t shm_chmod;
fo_chown_t shm_chown;
fo_fallocate_t shm_fallocate;
fo_fspacectl_t shm_fspacectl;

/* shm_io.c */
int uiomove_object(vm_object_t obj, int64_t obj_size, struct uio *uio);
fo_rdwr_t shm_read;
fo_rdwr_t shm_write;
fo_seek_t shm_seek;

/* Model-only byte access (shmsim_peek/poke). */
int shm_debug_rw(struct shmfd *shmfd, uint64_t off, void *buf, size_t len,
    bool write);

/* uipc_shm.c: shm_largepage() (inline here: it is one comparison) */
static inline bool
shm_largepage(const struct shmfd *shmfd)
{
	return (shmfd->shm_object->type == OBJT_PHYS);
}

#endif /* SHMSIM_SHM_H */
