/*
 * Open files and descriptor tables (sys/sys/file.h, filedesc.h,
 * sys/kern/kern_descrip.c).
 *
 * Locking key: (a) atomic, (f) the table's filedesc lock, (o) the file's
 * offset lock, (c) constant after finit().
 */
#ifndef SHMSIM_FILE_H
#define SHMSIM_FILE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kern/lock.h"
#include "kern/refcount.h"

struct thread;
struct ucred;
struct file;
struct shmsim_stat;
struct shmsim_kernel;
struct uio;
struct vm_map;

/* Kernel f_flag bits (sys/fcntl.h, _KERNEL).  FFLAGS/OFLAGS convert. */
#define FREAD 0x0001
#define FWRITE 0x0002
#define FNONBLOCK SHMSIM_O_NONBLOCK
#define FAPPEND SHMSIM_O_APPEND
#define FASYNC SHMSIM_O_ASYNC
#define FFSYNC SHMSIM_O_FSYNC
#define FDSYNC SHMSIM_O_DSYNC
#define FRDAHEAD SHMSIM_O_CREAT
#define FFLAGS(oflags) ((oflags)&SHMSIM_O_EXEC ? (oflags) : (oflags) + 1)
#define OFLAGS(fflags) ((fflags)&SHMSIM_O_EXEC ? (fflags) : (fflags)-1)
#define FCNTLFLAGS                                                   \
	(FAPPEND | FASYNC | FFSYNC | FDSYNC | FNONBLOCK | FRDAHEAD | \
	    SHMSIM_O_DIRECT)

#define DTYPE_NONE 0
#define DTYPE_SHM 8

#define DFLAG_PASSABLE 0x01
#define DFLAG_SEEKABLE 0x02

/* ioctl commands that F_SETFL sends down (sys/filio.h, amd64). */
#define FIONBIO 0x8004667eUL
#define FIOASYNC 0x8004667dUL
#define FIOCLEX 0x20006601UL
#define FIONCLEX 0x20006602UL

#define UF_EXCLOSE 0x01 /* close-on-exec */
#define UF_FOCLOSE 0x04 /* close-on-fork (POSIX.1-2024; today only) */

/* uio: just what uiomove_object needs. */
enum uio_rw { UIO_READ, UIO_WRITE };
struct uio {
	void *uio_buf;
	size_t uio_resid;
	int64_t uio_offset;
	enum uio_rw uio_rw;
};

/* foffset flags for fo_read/fo_write */
#define FOF_OFFSET 0x01 /* use uio_offset, not f_offset (pread/pwrite) */

typedef int fo_rdwr_t(struct file *fp, struct uio *uio,
    struct ucred *active_cred, int flags, struct thread *td);
typedef int fo_truncate_t(struct file *fp, int64_t length,
    struct ucred *active_cred, struct thread *td);
typedef int fo_ioctl_t(struct file *fp, unsigned long com, void *data,
    struct ucred *active_cred, struct thread *td);
typedef int fo_stat_t(struct file *fp, struct shmsim_stat *sb,
    struct ucred *active_cred);
typedef int fo_close_t(struct file *fp, struct thread *td);
typedef int fo_seek_t(struct file *fp, int64_t offset, int whence,
    struct thread *td);
typedef int fo_add_seals_t(struct file *fp, int seals);
typedef int fo_get_seals_t(struct file *fp, int *seals);
typedef int fo_chmod_t(struct file *fp, mode_t mode, struct ucred *active_cred,
    struct thread *td);
typedef int fo_chown_t(struct file *fp, uid_t uid, gid_t gid,
    struct ucred *active_cred, struct thread *td);
typedef int fo_fallocate_t(struct file *fp, int64_t offset, int64_t len,
    struct thread *td);
typedef int fo_fspacectl_t(struct file *fp, int cmd, int64_t *offset,
    int64_t *length, int flags, struct ucred *active_cred, struct thread *td);
typedef int fo_mmap_t(struct file *fp, struct vm_map *map, uint64_t *addr,
    uint64_t size, uint8_t prot, uint8_t cap_maxprot, int flags, int64_t foff,
    struct thread *td);

struct fileops {
	fo_rdwr_t *fo_read;
	fo_rdwr_t *fo_write;
	fo_truncate_t *fo_truncate;
	fo_ioctl_t *fo_ioctl;
	fo_stat_t *fo_stat;
	fo_close_t *fo_close;
	fo_seek_t *fo_seek;
	fo_add_seals_t *fo_add_seals; /* NULL: EINVAL */
	fo_get_seals_t *fo_get_seals; /* NULL: EINVAL */
	fo_chmod_t *fo_chmod;	      /* NULL: EINVAL (invfo_chmod) */
	fo_chown_t *fo_chown;	      /* NULL: EINVAL (invfo_chown) */
	fo_fallocate_t *fo_fallocate; /* NULL: ENODEV */
	fo_fspacectl_t *fo_fspacectl; /* NULL: ENODEV */
	fo_mmap_t *fo_mmap;	      /* NULL: ENODEV */
	int fo_flags;		      /* DFLAG_* */
};

struct file {
	atomic_uint f_count; /* (a) references */
	atomic_uint f_flag;  /* (a) FREAD, FWRITE, F_SETFL bits */
	short f_type;	     /* (c) DTYPE_* */
	void *f_data;	     /* (c) the shmfd; NULL once closed */
	/*
	 * (a) published last, with release, by finit(): another thread of
	 * the process may fget() the file between falloc and finit, and
	 * must see badfileops or the finished file, never a torn one.
	 */
	_Atomic(const struct fileops *) f_ops;
	struct ucred *f_cred; /* (c) opener's credential */
	int64_t f_offset;     /* (o) */
	struct mtx f_offset_lock;
	struct shmsim_kernel *f_kernel; /* (c) */
	/*
	 * (c) XXX(model): creation order, like a vm object's oid; only the
	 * dump's Graphviz node ids use it, so that a file keeps its node
	 * from one state to the next (docs/dump-format.md).
	 */
	uint64_t f_serial;
};

struct filedescent {
	struct file *fde_file; /* (f) */
	uint8_t fde_flags;     /* (f) UF_* */
};

struct filedesc {
	struct filedescent *fd_ofiles; /* (f) the table */
	int fd_nfiles;		       /* (f) table size */
	int fd_freefile;	       /* (f) no free fd below this */
	int fd_lastfile;	       /* (f) highest fd in use, or -1 */
	int fd_nused;		       /* (f) slots in use */
	/*
	 * (f) Model-only, for the auditor: fdcopy() left fd_freefile above
	 * a free slot, as today's kernel may (the lowest-free rule no
	 * longer holds for this table).
	 */
	bool fd_freefile_gap;
	atomic_uint fd_cmask; /* (a) umask (pwddesc pd_cmask) */
	struct sx fd_sx;
	struct shmsim_kernel *fd_kernel; /* (c) XXX(model): for malloc(9) */
};

#define FILEDESC_XLOCK(fdp) \
	_sx_xlock(&(fdp)->fd_sx, __func__, __FILE__, __LINE__)
#define FILEDESC_XUNLOCK(fdp) \
	_sx_xunlock(&(fdp)->fd_sx, __func__, __FILE__, __LINE__)
#define FILEDESC_SLOCK(fdp) \
	_sx_slock(&(fdp)->fd_sx, __func__, __FILE__, __LINE__)
#define FILEDESC_SUNLOCK(fdp) \
	_sx_sunlock(&(fdp)->fd_sx, __func__, __FILE__, __LINE__)
#define FILEDESC_XLOCK_ASSERT(fdp) sx_assert_xlocked(&(fdp)->fd_sx)

extern const struct fileops badfileops;

/* kern_descrip.c */
struct filedesc *fdinit(struct shmsim_kernel *k, mode_t cmask);
struct filedesc *fdcopy(struct filedesc *fdp, struct shmsim_kernel *k);
void fdescfree(struct thread *td);
void fdcloseexec(struct thread *td);
int getmaxfd(struct thread *td);
int fdalloc(struct thread *td, int minfd, int *result);
int falloc_caps(struct thread *td, struct file **resultfp, int *resultfd,
    int flags);
int falloc_noinstall(struct thread *td, struct file **resultfp);
void filelistinit(struct shmsim_kernel *k);
int finstall(struct thread *td, struct file *fp, int *fd, int flags);
int finstall_refed(struct thread *td, struct file *fp, int *fd, int flags);
void finit(struct file *fp, unsigned int flag, short type, void *data,
    const struct fileops *ops);
void fdclose(struct thread *td, struct file *fp, int idx);
int fget(struct thread *td, int fd, struct file **fpp);
int fget_unlocked(struct thread *td, int fd, struct file **fpp);
void _fdrop(struct file *fp, struct thread *td);

/*
 * file.h: fhold() (inline, as in the kernel; always, as the kernel's
 * macro is: under link-time optimization gcc had taken fdrop() out of
 * line again in the callers of the create cycle when other code grew)
 */
static __always_inline struct file *
fhold(struct file *fp)
{
	refcount_acquire(&fp->f_count);
	return (fp);
}

/*
 * file.h: fdrop() (inline, as the kernel's macro) -- true when this
 * dropped the last reference (then _fdrop()).
 */
static __always_inline bool
fdrop(struct file *fp, struct thread *td)
{
	if (!refcount_release(&fp->f_count))
		return (false);
	_fdrop(fp, td);
	return (true);
}
int kern_close(struct thread *td, int fd);
int kern_dup(struct thread *td, unsigned int mode, int flags, int old, int new);
int kern_fcntl(struct thread *td, int fd, int cmd, intptr_t arg);
int kern_fstat(struct thread *td, int fd, struct shmsim_stat *sbp);
int kern_ftruncate(struct thread *td, int fd, int64_t length);
int kern_readv(struct thread *td, int fd, struct uio *uio, int64_t offset,
    int flags);
int kern_writev(struct thread *td, int fd, struct uio *uio, int64_t offset,
    int flags);
int kern_lseek(struct thread *td, int fd, int64_t offset, int whence);
int kern_fchmod(struct thread *td, int fd, mode_t mode);
int kern_fchown(struct thread *td, int fd, uid_t uid, gid_t gid);
int kern_posix_fallocate(struct thread *td, int fd, int64_t offset,
    int64_t len);
int kern_fspacectl(struct thread *td, int fd, int cmd, int64_t offset,
    int64_t len, int flags, int64_t *roffset, int64_t *rlen);
int kern_ioctl(struct thread *td, int fd, unsigned long com, void *data);
void foffset_lock(struct file *fp);
void foffset_unlock(struct file *fp);

#define FDDUP_NORMAL 0x01 /* dup() behaviour */
#define FDDUP_FCNTL 0x02  /* fcntl()-style errors */
#define FDDUP_FIXED 0x03  /* Force fixed allocation */
#define FDDUP_FLAG_CLOEXEC 0x1
#define FDDUP_FLAG_CLOFORK 0x2 /* today only */

#endif /* SHMSIM_FILE_H */
