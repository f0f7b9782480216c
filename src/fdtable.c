/*
 * Open files and per-process descriptor tables (sys/kern/kern_descrip.c,
 * with the front ends of sys_generic.c that shared memory reaches).
 *
 * Reference counting, as in the kernel: a file's f_count counts the table
 * slots that hold it, the descriptors in flight to a process, and
 * transient holds (fget).  falloc_caps() hands out two references (the
 * table's and the caller's).  The last fdrop() calls fo_close().
 *
 * XXX(model): no capabilities (Capsicum rights), no O_RESOLVE_BENEATH,
 * no kqueue or knote cleanup, no file-table bitmap: the table is scanned
 * from fd_freefile.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "kern/refcount.h"
#include "kernel_var.h"
#include "proc.h"
#include "shmsim.h"

MALLOC_DEFINE(M_FILE, "file",
    "open files (file_zone \"Files\"; XXX(model): counted as a type)");
MALLOC_DEFINE(M_FILEDESC, "filedesc", "open file descriptor table");

#define NDFILE 20 /* initial table size, as the kernel's */

static int
badfo_rdwr(struct file *fp, struct uio *uio, struct ucred *active_cred,
    int flags, struct thread *td)
{
	(void)fp, (void)uio, (void)active_cred, (void)flags, (void)td;
	return (EBADF);
}

static int
badfo_truncate(struct file *fp, int64_t length, struct ucred *active_cred,
    struct thread *td)
{
	(void)fp, (void)length, (void)active_cred, (void)td;
	return (EINVAL);
}

static int
badfo_ioctl(struct file *fp, unsigned long com, void *data,
    struct ucred *active_cred, struct thread *td)
{
	(void)fp, (void)com, (void)data, (void)active_cred, (void)td;
	return (EBADF);
}

static int
badfo_stat(struct file *fp, struct shmsim_stat *sb, struct ucred *active_cred)
{
	(void)fp, (void)sb, (void)active_cred;
	return (EBADF);
}

static int
badfo_close(struct file *fp, struct thread *td)
{
	(void)fp, (void)td;
	return (0);
}

static int
badfo_seek(struct file *fp, int64_t offset, int whence, struct thread *td)
{
	(void)fp, (void)offset, (void)whence, (void)td;
	return (ESPIPE);
}

/* kern_descrip.c: badfileops -- a file not yet (or no longer) set up. */
const struct fileops badfileops = {
	.fo_read = badfo_rdwr,
	.fo_write = badfo_rdwr,
	.fo_truncate = badfo_truncate,
	.fo_ioctl = badfo_ioctl,
	.fo_stat = badfo_stat,
	.fo_close = badfo_close,
	.fo_seek = badfo_seek,
	.fo_flags = 0,
};

/* kern_descrip.c: fdinit() -- an empty table. */
struct filedesc *
fdinit(struct shmsim_kernel *k, mode_t cmask)
{
	struct filedesc *fdp;

	fdp = malloc_k(k, sizeof(*fdp), M_FILEDESC, M_WAITOK | M_ZERO);
	fdp->fd_kernel = k;
	fdp->fd_ofiles = malloc_k(k, NDFILE * sizeof(fdp->fd_ofiles[0]),
	    M_FILEDESC, M_WAITOK | M_ZERO);
	fdp->fd_nfiles = NDFILE;
	fdp->fd_lastfile = -1;
	atomic_init(&fdp->fd_cmask, (unsigned)cmask);
	sx_init(&fdp->fd_sx, "filedesc structure", LC_FILEDESC, &k->k_witness);
	return (fdp);
}

/* kern_descrip.c: fdgrowtable() */
static void
fdgrowtable(struct filedesc *fdp, int nfd)
{
	int onfiles = fdp->fd_nfiles;

	FILEDESC_XLOCK_ASSERT(fdp);
	if (nfd <= onfiles)
		return;
	if (nfd < onfiles * 2)
		nfd = onfiles * 2;
	fdp->fd_ofiles = realloc_k(fdp->fd_kernel, fdp->fd_ofiles,
	    (size_t)nfd * sizeof(fdp->fd_ofiles[0]), M_FILEDESC, M_WAITOK);
	memset(&fdp->fd_ofiles[onfiles], 0,
	    (size_t)(nfd - onfiles) * sizeof(fdp->fd_ofiles[0]));
	fdp->fd_nfiles = nfd;
}

/* kern_descrip.c: fd_first_free() */
static int
fd_first_free(const struct filedesc *fdp, int low)
{
	int fd;

	for (fd = low; fd < fdp->fd_nfiles; fd++)
		if (fdp->fd_ofiles[fd].fde_file == NULL)
			break;
	return (fd);
}

/* kern_descrip.c: fdused() -- fd now holds a file. */
static void
fdused(struct filedesc *fdp, int fd)
{
	FILEDESC_XLOCK_ASSERT(fdp);
	fdp->fd_nused++;
	if (fd > fdp->fd_lastfile)
		fdp->fd_lastfile = fd;
	if (fd == fdp->fd_freefile)
		fdp->fd_freefile = fd_first_free(fdp, fd + 1);
}

/* kern_descrip.c: fdunused() */
static void
fdunused(struct filedesc *fdp, int fd)
{
	FILEDESC_XLOCK_ASSERT(fdp);
	fdp->fd_nused--;
	if (fd < fdp->fd_freefile)
		fdp->fd_freefile = fd;
	if (fd == fdp->fd_lastfile) {
		while (fd >= 0 && fdp->fd_ofiles[fd].fde_file == NULL)
			fd--;
		fdp->fd_lastfile = fd;
	}
}

/* kern_descrip.c: fdfree() -- empty slot fd. */
static void
fdfree(struct filedesc *fdp, int fd)
{
	fdp->fd_ofiles[fd].fde_file = NULL;
	fdp->fd_ofiles[fd].fde_flags = 0;
	fdunused(fdp, fd);
}

/* kern_descrip.c: getmaxfd() -- min(RLIMIT_NOFILE, maxfilesperproc). */
int
getmaxfd(struct thread *td)
{
	const struct shmsim_config *cfg = &td->td_proc->p_kernel->k_cfg;

	return (cfg->max_fds < cfg->max_files ? cfg->max_fds : cfg->max_files);
}

/*
 * kern_descrip.c: fdalloc() -- the lowest free descriptor >= minfd.
 * EMFILE past the limit.  The caller installs a file there before
 * dropping the table lock.
 */
int
fdalloc(struct thread *td, int minfd, int *result)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	int fd, maxfd;

	FILEDESC_XLOCK_ASSERT(fdp);
	maxfd = getmaxfd(td);
	if (minfd >= maxfd)
		return (EMFILE);
	if (minfd < fdp->fd_freefile)
		minfd = fdp->fd_freefile;
	fd = fd_first_free(fdp, minfd);
	if (fd >= maxfd)
		return (EMFILE);
	if (fd >= fdp->fd_nfiles)
		fdgrowtable(fdp, fd + 1);
	*result = fd;
	return (0);
}

/* kern_descrip.c: _finstall() */
static void
_finstall(struct filedesc *fdp, struct file *fp, int fd, int flags)
{
	struct filedescent *fde = &fdp->fd_ofiles[fd];

	FILEDESC_XLOCK_ASSERT(fdp);
	KASSERT(fde->fde_file == NULL, ("%s: fd %d in use", __func__, fd));
	fde->fde_file = fp;
	/* open_to_fde_flags(): no O_RESOLVE_BENEATH in the model. */
	fde->fde_flags = ((flags & SHMSIM_O_CLOEXEC) != 0 ? UF_EXCLOSE : 0) |
	    ((flags & SHMSIM_O_CLOFORK) != 0 ? UF_FOCLOSE : 0);
	fdused(fdp, fd);
}

/*
 * kern_descrip.c: finstall() -- take a table reference on fp and put it
 * at the lowest free descriptor.  EMFILE leaves fp's count as it was.
 */
int
finstall(struct thread *td, struct file *fp, int *fd, int flags)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	int error;

	fhold(fp);
	FILEDESC_XLOCK(fdp);
	error = fdalloc(td, 0, fd);
	if (error != 0) {
		FILEDESC_XUNLOCK(fdp);
		fdrop(fp, td);
		return (error);
	}
	_finstall(fdp, fp, *fd, flags);
	FILEDESC_XUNLOCK(fdp);
	return (0);
}

/*
 * kern_descrip.c: finstall_refed() -- put fp, whose reference the caller
 * hands over to the table, at the lowest free descriptor.  EMFILE leaves
 * the reference with the caller.
 */
int
finstall_refed(struct thread *td, struct file *fp, int *fd, int flags)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	int error;

	FILEDESC_XLOCK(fdp);
	error = fdalloc(td, 0, fd);
	if (error == 0)
		_finstall(fdp, fp, *fd, flags);
	FILEDESC_XUNLOCK(fdp);
	return (error);
}

/*
 * kern_descrip.c: filelistinit() -- file_zone, "Files" (kern/uma.h): a
 * closed file's memory waits in the zone for the next open.
 */
void
filelistinit(struct shmsim_kernel *k)
{
	uma_zcreate_k(k, UMA_ZONE_FILE, "Files", sizeof(struct file), M_FILE);
}

/*
 * kern_descrip.c: falloc_noinstall() -- a new file with one reference.
 * ENFILE when kern.maxfiles would be reached (unprivileged callers stop
 * 5% earlier, at maxuserfiles).
 */
int
falloc_noinstall(struct thread *td, struct file **resultfp)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	int maxfiles = k->k_cfg.max_files;
	int maxuserfiles = maxfiles - (maxfiles / 20);
	int openfiles_new;
	struct file *fp;

	openfiles_new = k_atomic_fetch_add(k, &k->openfiles, 1) + 1;
	if ((openfiles_new >= maxuserfiles &&
		priv_check(td, PRIV_MAXFILES) != 0) ||
	    openfiles_new >= maxfiles) {
		k_atomic_fetch_sub(k, &k->openfiles, 1);
		return (ENFILE);
	}
	fp = uma_zalloc(UMA_ZONE(k, UMA_ZONE_FILE), M_WAITOK | M_ZERO);
	refcount_init(&fp->f_count, 1);
	fp->f_cred = crhold(td->td_ucred);
	/*
	 * Relaxed: nobody else sees fp before finstall() puts it in the
	 * table under the table's lock (a plain assignment to the atomic
	 * was a sequentially consistent store, an xchg).
	 */
	atomic_store_explicit(&fp->f_ops, &badfileops, memory_order_relaxed);
	fp->f_kernel = k;
	fp->f_serial =
	    k_atomic_fetch_add(k, &k->k_next_fserial, 1) + 1; /* XXX(model) */
	mtx_init(&fp->f_offset_lock, "file offset", LC_FOFFSET, &k->k_witness);
	*resultfp = fp;
	return (0);
}

/*
 * kern_descrip.c: falloc_caps() -- a new file installed at the lowest free
 * descriptor, with f_count 2: the table's and the caller's.  ENFILE is
 * checked before EMFILE.
 */
int
falloc_caps(struct thread *td, struct file **resultfp, int *resultfd, int flags)
{
	struct file *fp;
	int error, fd;

	error = falloc_noinstall(td, &fp);
	if (error != 0)
		return (error);
	error = finstall(td, fp, &fd, flags);
	if (error != 0) {
		fdrop(fp, td); /* falloc_abort() */
		return (error);
	}
	*resultfp = fp;
	*resultfd = fd;
	return (0);
}

/*
 * kern_descrip.c: finit() -- the file becomes a file of type type.  As in
 * the kernel (atomic_store_rel_ptr), f_ops is stored last with release:
 * whoever loads the new f_ops also sees f_data, f_flag and f_type.
 */
void
finit(struct file *fp, unsigned int flag, short type, void *data,
    const struct fileops *ops)
{
	fp->f_data = data;
	/* Relaxed: the release store of f_ops below publishes it. */
	atomic_store_explicit(&fp->f_flag, flag, memory_order_relaxed);
	fp->f_type = type;
	atomic_store_explicit(&fp->f_ops, ops, memory_order_release);
}

/*
 * kern_descrip.c: fdclose() -- undo a failed open: if slot idx still
 * holds fp, empty it and drop the table's reference.
 */
void
fdclose(struct thread *td, struct file *fp, int idx)
{
	struct filedesc *fdp = td->td_proc->p_fd;

	FILEDESC_XLOCK(fdp);
	if (fdp->fd_ofiles[idx].fde_file == fp) {
		fdfree(fdp, idx);
		FILEDESC_XUNLOCK(fdp);
		fdrop(fp, td);
	} else
		FILEDESC_XUNLOCK(fdp);
}

/* kern_descrip.c: fget_noref() -- under the table lock. */
static struct file *
fget_noref(struct filedesc *fdp, int fd)
{
	if (fd < 0 || fd >= fdp->fd_nfiles)
		return (NULL);
	return (fdp->fd_ofiles[fd].fde_file);
}

/*
 * kern_descrip.c: fget_unlocked() -- a held reference to fd's file, or
 * EBADF; whatever the file is, even one still being opened (badfileops).
 * fcntl (fget_fcntl) and descriptor passing look files up this way.
 */
int
fget_unlocked(struct thread *td, int fd, struct file **fpp)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	struct file *fp;

	FILEDESC_SLOCK(fdp);
	fp = fget_noref(fdp, fd);
	if (fp == NULL) {
		FILEDESC_SUNLOCK(fdp);
		return (EBADF);
	}
	fhold(fp);
	FILEDESC_SUNLOCK(fdp);
	*fpp = fp;
	return (0);
}

/*
 * kern_descrip.c: fget() -> _fget() -- as fget_unlocked(), but a file
 * not set up yet (badfileops: its open is in progress in another thread,
 * or failed after the descriptor was dup'ed) is EBADF.
 */
int
fget(struct thread *td, int fd, struct file **fpp)
{
	struct file *fp;
	int error;

	error = fget_unlocked(td, fd, &fp);
	if (error != 0)
		return (error);
	if (fp->f_ops == &badfileops) {
		fdrop(fp, td);
		return (EBADF);
	}
	*fpp = fp;
	return (0);
}

/* kern_descrip.c: _fdrop() -- the last reference: fo_close, then free. */
void
_fdrop(struct file *fp, struct thread *td)
{
	struct shmsim_kernel *k = fp->f_kernel;

	(void)fp->f_ops->fo_close(fp, td);
	k_atomic_fetch_sub(k, &k->openfiles, 1);
	crfree(fp->f_cred);
	mtx_destroy(&fp->f_offset_lock);
	uma_zfree(UMA_ZONE(k, UMA_ZONE_FILE), fp);
}

/* kern_descrip.c: kern_close() -> closefp() -> closef() */
int
kern_close(struct thread *td, int fd)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	struct file *fp;

	FILEDESC_XLOCK(fdp);
	fp = fget_noref(fdp, fd);
	if (fp == NULL) {
		FILEDESC_XUNLOCK(fdp);
		return (EBADF);
	}
	fdfree(fdp, fd);
	FILEDESC_XUNLOCK(fdp);
	(void)fdrop(fp, td);
	return (0);
}

/*
 * kern_descrip.c: fd_to_fde_flags(), fde_to_fd_flags(),
 * fddup_to_fde_flags() -- descriptor flags between their F_GETFD/F_SETFD,
 * kern_dup() and table forms.  FD_CLOFORK is today's (POSIX.1-2024); the
 * 2008 F_SETFD knew FD_CLOEXEC only.
 */
static uint8_t
fd_to_fde_flags(const struct shmsim_kernel *k, int fd_flags)
{
	uint8_t flags = 0;

	if ((fd_flags & SHMSIM_FD_CLOEXEC) != 0)
		flags |= UF_EXCLOSE;
	if ((fd_flags & SHMSIM_FD_CLOFORK) != 0 && !K_PROFILE_2008(k))
		flags |= UF_FOCLOSE;
	return (flags);
}

static int
fde_to_fd_flags(uint8_t fde_flags)
{
	return (((fde_flags & UF_EXCLOSE) != 0 ? SHMSIM_FD_CLOEXEC : 0) |
	    ((fde_flags & UF_FOCLOSE) != 0 ? SHMSIM_FD_CLOFORK : 0));
}

static uint8_t
fddup_to_fde_flags(int fddup_flags)
{
	return (((fddup_flags & FDDUP_FLAG_CLOEXEC) != 0 ? UF_EXCLOSE : 0) |
	    ((fddup_flags & FDDUP_FLAG_CLOFORK) != 0 ? UF_FOCLOSE : 0));
}

/*
 * kern_descrip.c: kern_dup() -- dup(), dup2(), F_DUPFD and F_DUP2FD.
 * Check order: old < 0 (EBADF); new < 0 or >= the limit (EINVAL for
 * fcntl, EBADF otherwise); old not open (EBADF); dup2 onto itself;
 * allocation (EMFILE).  A replaced file is closed after the table lock is
 * dropped.
 */
int
kern_dup(struct thread *td, unsigned int mode, int flags, int old, int new)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	struct filedescent *oldfde, *newfde;
	struct file *fp, *delfp;
	int error, maxfd;

	if (old < 0)
		return (EBADF);
	if (new < 0)
		return (mode == FDDUP_FCNTL ? EINVAL : EBADF);
	maxfd = getmaxfd(td);
	if (new >= maxfd)
		return (mode == FDDUP_FCNTL ? EINVAL : EBADF);

	error = EBADF;
	FILEDESC_XLOCK(fdp);
	if (fget_noref(fdp, old) == NULL)
		goto unlock;
	if (mode == FDDUP_FIXED && old == new) {
		td->td_retval[0] = new;
		fdp->fd_ofiles[new].fde_flags |= fddup_to_fde_flags(flags);
		error = 0;
		goto unlock;
	}
	oldfde = &fdp->fd_ofiles[old];
	fp = oldfde->fde_file;
	fhold(fp);

	switch (mode) {
	case FDDUP_NORMAL:
	case FDDUP_FCNTL:
		error = fdalloc(td, new, &new);
		if (error != 0) {
			FILEDESC_XUNLOCK(fdp);
			fdrop(fp, td);
			return (error);
		}
		break;
	case FDDUP_FIXED:
		if (new >= fdp->fd_nfiles)
			fdgrowtable(fdp, new + 1);
		break;
	}
	/* fdgrowtable() may have moved the table. */
	oldfde = &fdp->fd_ofiles[old];
	newfde = &fdp->fd_ofiles[new];
	delfp = newfde->fde_file;
	newfde->fde_file = fp;
	newfde->fde_flags = (oldfde->fde_flags & ~(UF_EXCLOSE | UF_FOCLOSE)) |
	    fddup_to_fde_flags(flags);
	if (delfp == NULL)
		fdused(fdp, new);
	td->td_retval[0] = new;
	error = 0;
	FILEDESC_XUNLOCK(fdp);
	if (delfp != NULL)
		(void)fdrop(delfp, td); /* closefp() */
	return (error);
unlock:
	FILEDESC_XUNLOCK(fdp);
	return (error);
}

/* The fcntl commands the 2008 kernel did not have yet. */
static bool
fcntl_cmd_exists(const struct shmsim_kernel *k, int cmd)
{
	switch (cmd) {
	case SHMSIM_F_DUPFD_CLOEXEC:
	case SHMSIM_F_DUPFD_CLOFORK:
	case SHMSIM_F_DUP2FD:
	case SHMSIM_F_DUP2FD_CLOEXEC:
	case SHMSIM_F_ADD_SEALS:
	case SHMSIM_F_GET_SEALS:
		return (!K_PROFILE_2008(k));
	default:
		return (true);
	}
}

/* kern_descrip.c: kern_fcntl(), case F_SETFL. */
static int
kern_fcntl_setfl(struct thread *td, int fd, intptr_t arg)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	unsigned int flg, tmp, got_set, got_cleared;
	struct file *fp;
	int error, val;

	error = fget_unlocked(td, fd, &fp); /* fget_fcntl() */
	if (error != 0)
		return (error);
	flg = atomic_load(&fp->f_flag);
	do {
		tmp = flg & ~(unsigned)FCNTLFLAGS;
		tmp |= (unsigned)FFLAGS((int)arg & ~SHMSIM_O_ACCMODE) &
		    (unsigned)FCNTLFLAGS;
	} while (!atomic_compare_exchange_weak(&fp->f_flag, &flg, tmp));
	got_set = tmp & ~flg;
	got_cleared = flg & ~tmp;
	/* Each update of the shared f_flag is a step others may run between. */
	SCHED_POINT("atomic_cmpset", "f_flag", __FILE__, __LINE__);
	val = (atomic_load(&fp->f_flag) & FNONBLOCK) != 0;
	error = fp->f_ops->fo_ioctl(fp, FIONBIO, &val, td->td_ucred, td);
	if (error != 0)
		goto revert;
	val = (atomic_load(&fp->f_flag) & FASYNC) != 0;
	error = fp->f_ops->fo_ioctl(fp, FIOASYNC, &val, td->td_ucred, td);
	if (error == 0)
		goto out;
	atomic_fetch_and(&fp->f_flag, ~(unsigned)FNONBLOCK);
	val = 0;
	(void)fp->f_ops->fo_ioctl(fp, FIONBIO, &val, td->td_ucred, td);
revert:
	/*
	 * Today's kernel undoes exactly the bits this call changed, with a
	 * compare-and-swap, so that a concurrent change of f_flag (another
	 * F_SETFL, or finit() of a file still being opened) survives; the
	 * 2008 kernel left the new flags in place (seed bug B4).
	 */
	if (!K_PROFILE_2008(k)) {
		SCHED_POINT("atomic_cmpset", "f_flag", __FILE__, __LINE__);
		flg = atomic_load(&fp->f_flag);
		do {
			tmp = flg & ~(unsigned)FCNTLFLAGS;
			tmp |= got_cleared;
			tmp &= ~got_set;
		} while (!atomic_compare_exchange_weak(&fp->f_flag, &flg, tmp));
	}
out:
	fdrop(fp, td);
	return (error);
}

/* kern_descrip.c: kern_fcntl() -- the commands that concern shm. */
int
kern_fcntl(struct thread *td, int fd, int cmd, intptr_t arg)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	struct file *fp;
	int error, flags, seals;

	if (!fcntl_cmd_exists(td->td_proc->p_kernel, cmd))
		return (EINVAL);
	switch (cmd) {
	case SHMSIM_F_DUPFD:
		return (kern_dup(td, FDDUP_FCNTL, 0, fd, (int)arg));
	case SHMSIM_F_DUPFD_CLOEXEC:
		return (kern_dup(td, FDDUP_FCNTL, FDDUP_FLAG_CLOEXEC, fd,
		    (int)arg));
	case SHMSIM_F_DUP2FD:
		return (kern_dup(td, FDDUP_FIXED, 0, fd, (int)arg));
	case SHMSIM_F_DUPFD_CLOFORK:
		return (kern_dup(td, FDDUP_FCNTL, FDDUP_FLAG_CLOFORK, fd,
		    (int)arg));
	case SHMSIM_F_DUP2FD_CLOEXEC:
		return (kern_dup(td, FDDUP_FIXED, FDDUP_FLAG_CLOEXEC, fd,
		    (int)arg));
	case SHMSIM_F_GETFD:
		error = EBADF;
		FILEDESC_SLOCK(fdp);
		if (fget_noref(fdp, fd) != NULL) {
			td->td_retval[0] =
			    fde_to_fd_flags(fdp->fd_ofiles[fd].fde_flags);
			error = 0;
		}
		FILEDESC_SUNLOCK(fdp);
		return (error);
	case SHMSIM_F_SETFD:
		error = EBADF;
		FILEDESC_XLOCK(fdp);
		if (fget_noref(fdp, fd) != NULL) {
			struct filedescent *fde = &fdp->fd_ofiles[fd];

			/*
			 * Today: FD_CLOEXEC and FD_CLOFORK (no sticky
			 * FD_RESOLVE_BENEATH in the model); 2008: FD_CLOEXEC.
			 */
			fde->fde_flags =
			    (fde->fde_flags & ~(UF_EXCLOSE | UF_FOCLOSE)) |
			    fd_to_fde_flags(td->td_proc->p_kernel, (int)arg);
			error = 0;
		}
		FILEDESC_XUNLOCK(fdp);
		return (error);
	case SHMSIM_F_GETFL:
		error = fget_unlocked(td, fd, &fp); /* fget_fcntl() */
		if (error != 0)
			return (error);
		td->td_retval[0] = OFLAGS((int)atomic_load(&fp->f_flag));
		fdrop(fp, td);
		return (0);
	case SHMSIM_F_SETFL:
		return (kern_fcntl_setfl(td, fd, arg));
	case SHMSIM_F_ADD_SEALS:
		error = fget_unlocked(td, fd, &fp);
		if (error != 0)
			return (error);
		error = fp->f_ops->fo_add_seals != NULL ?
		    fp->f_ops->fo_add_seals(fp, (int)arg) :
		    EINVAL;
		fdrop(fp, td);
		return (error);
	case SHMSIM_F_GET_SEALS:
		error = fget_unlocked(td, fd, &fp);
		if (error != 0)
			return (error);
		if (fp->f_ops->fo_get_seals == NULL ||
		    fp->f_ops->fo_get_seals(fp, &seals) != 0)
			error = EINVAL;
		else
			td->td_retval[0] = seals;
		fdrop(fp, td);
		return (error);
	default:
		/* 2008: no F_DUP3FD. */
		if (K_PROFILE_2008(td->td_proc->p_kernel) ||
		    (cmd & ((1 << SHMSIM_F_DUP3FD_SHIFT) - 1)) !=
			SHMSIM_F_DUP3FD)
			return (EINVAL);
		/* F_DUP3FD: dup2 with exactly these descriptor flags. */
		flags = cmd >> SHMSIM_F_DUP3FD_SHIFT;
		if ((flags & ~(SHMSIM_FD_CLOEXEC | SHMSIM_FD_CLOFORK)) != 0)
			return (EINVAL);
		return (kern_dup(td, FDDUP_FIXED,
		    ((flags & SHMSIM_FD_CLOEXEC) != 0 ? FDDUP_FLAG_CLOEXEC :
							0) |
			((flags & SHMSIM_FD_CLOFORK) != 0 ? FDDUP_FLAG_CLOFORK :
							    0),
		    fd, (int)arg));
	}
}

/* kern_descrip.c: kern_fstat() */
int
kern_fstat(struct thread *td, int fd, struct shmsim_stat *sbp)
{
	struct file *fp;
	int error;

	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	error = fp->f_ops->fo_stat(fp, sbp, td->td_ucred);
	fdrop(fp, td);
	return (error);
}

/*
 * sys_generic.c: kern_ftruncate() -- EINVAL for a negative length, EBADF,
 * and EINVAL (deliberately not EBADF) for a file not open for writing.
 */
int
kern_ftruncate(struct thread *td, int fd, int64_t length)
{
	struct file *fp;
	int error;

	if (length < 0)
		return (EINVAL);
	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	if ((atomic_load(&fp->f_flag) & FWRITE) == 0) {
		error = EINVAL;
		goto out;
	}
	error = fp->f_ops->fo_truncate(fp, length, td->td_ucred, td);
out:
	fdrop(fp, td);
	return (error);
}

/*
 * sys_generic.c: kern_readv()/kern_preadv() -> dofileread().  flags has
 * FOF_OFFSET for pread: ESPIPE when the file is not seekable, EINVAL for
 * a negative offset.  A zero-length read returns 0 before fo_read.
 */
int
kern_readv(struct thread *td, int fd, struct uio *uio, int64_t offset,
    int flags)
{
	struct file *fp;
	int error;

	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	if ((atomic_load(&fp->f_flag) & FREAD) == 0) {
		error = EBADF;
		goto out;
	}
	if ((flags & FOF_OFFSET) != 0) {
		if ((fp->f_ops->fo_flags & DFLAG_SEEKABLE) == 0) {
			error = ESPIPE;
			goto out;
		}
		if (offset < 0) {
			error = EINVAL;
			goto out;
		}
		uio->uio_offset = offset;
	}
	if (uio->uio_resid == 0) {
		td->td_retval[0] = 0;
		goto out;
	}
	uio->uio_rw = UIO_READ;
	{
		size_t before = uio->uio_resid;

		error = fp->f_ops->fo_read(fp, uio, td->td_ucred, flags, td);
		td->td_retval[0] = (int64_t)(before - uio->uio_resid);
	}
out:
	fdrop(fp, td);
	return (error);
}

/* sys_generic.c: kern_writev()/kern_pwritev() -> dofilewrite(). */
int
kern_writev(struct thread *td, int fd, struct uio *uio, int64_t offset,
    int flags)
{
	struct file *fp;
	size_t before;
	int error;

	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	if ((atomic_load(&fp->f_flag) & FWRITE) == 0) {
		error = EBADF;
		goto out;
	}
	if ((flags & FOF_OFFSET) != 0) {
		if ((fp->f_ops->fo_flags & DFLAG_SEEKABLE) == 0) {
			error = ESPIPE;
			goto out;
		}
		if (offset < 0) {
			error = EINVAL;
			goto out;
		}
		uio->uio_offset = offset;
	}
	uio->uio_rw = UIO_WRITE;
	before = uio->uio_resid;
	error = fp->f_ops->fo_write(fp, uio, td->td_ucred, flags, td);
	td->td_retval[0] = (int64_t)(before - uio->uio_resid);
out:
	fdrop(fp, td);
	return (error);
}

/* vfs_syscalls.c: kern_lseek() -- ESPIPE unless the file is seekable. */
int
kern_lseek(struct thread *td, int fd, int64_t offset, int whence)
{
	struct file *fp;
	int error;

	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	error = (fp->f_ops->fo_flags & DFLAG_SEEKABLE) != 0 ?
	    fp->f_ops->fo_seek(fp, offset, whence, td) :
	    ESPIPE;
	fdrop(fp, td);
	return (error);
}

void
foffset_lock(struct file *fp)
{
	mtx_lock(&fp->f_offset_lock);
}

void
foffset_unlock(struct file *fp)
{
	mtx_unlock(&fp->f_offset_lock);
}

/*
 * kern_descrip.c: fdcopy() -- the child's table for fork: every passable
 * file is copied with its descriptor flags (close-on-exec included) and
 * gains a reference.  Files still being opened (badfileops) are not, nor
 * (today) descriptors marked close-on-fork.  The child's fd_freefile
 * starts from the parent's, and the first descriptor not copied, if
 * any, replaces it even when it lies above a free slot: the child's
 * next descriptor need not be its lowest free one (5BSD/5BSD @ b729acbf,
 * 2025; fel1x-developer/freebsd-src @ 2d614aa2, 2024).  Profile 2008:
 * fd_freefile is the child's first slot not copied, the lowest free
 * (the loop over every slot that kernels before 2022 had).
 */
struct filedesc *
fdcopy(struct filedesc *fdp, struct shmsim_kernel *k)
{
	struct filedesc *newfdp;
	int i;

	newfdp = fdinit(k, (mode_t)atomic_load(&fdp->fd_cmask));
	FILEDESC_SLOCK(fdp);
	if (fdp->fd_nfiles > newfdp->fd_nfiles) {
		newfdp->fd_ofiles = realloc_k(k, newfdp->fd_ofiles,
		    (size_t)fdp->fd_nfiles * sizeof(newfdp->fd_ofiles[0]),
		    M_FILEDESC, M_WAITOK);
		memset(newfdp->fd_ofiles, 0,
		    (size_t)fdp->fd_nfiles * sizeof(newfdp->fd_ofiles[0]));
		newfdp->fd_nfiles = fdp->fd_nfiles;
	}
	newfdp->fd_freefile = fdp->fd_freefile;
	for (i = 0; i <= fdp->fd_lastfile; i++) {
		struct filedescent *ofde = &fdp->fd_ofiles[i];

		if (ofde->fde_file == NULL)
			continue;
		if ((ofde->fde_file->f_ops->fo_flags & DFLAG_PASSABLE) == 0 ||
		    (ofde->fde_flags & UF_FOCLOSE) != 0) {
			if (newfdp->fd_freefile == fdp->fd_freefile)
				newfdp->fd_freefile = i;
			continue;
		}
		newfdp->fd_ofiles[i].fde_file = fhold(ofde->fde_file);
		newfdp->fd_ofiles[i].fde_flags = ofde->fde_flags;
		newfdp->fd_nused++;
		newfdp->fd_lastfile = i;
	}
	FILEDESC_SUNLOCK(fdp);
	if (K_PROFILE_2008(k))
		newfdp->fd_freefile = fd_first_free(newfdp, 0);
	else if (newfdp->fd_freefile > fd_first_free(newfdp, 0))
		newfdp->fd_freefile_gap = true;
	return (newfdp);
}

/* kern_descrip.c: fdescfree() -- close everything, free the table. */
void
fdescfree(struct thread *td)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	struct file *fp;
	int i;

	/*
	 * Up to fd_lastfile only: nothing is open above it (the empty
	 * rest of the table cost a lock round trip per slot, a fifth of a
	 * short fuzz_syscalls input).
	 */
	for (i = 0;; i++) {
		FILEDESC_XLOCK(fdp);
		if (i > fdp->fd_lastfile) {
			FILEDESC_XUNLOCK(fdp);
			break;
		}
		fp = fdp->fd_ofiles[i].fde_file;
		if (fp != NULL)
			fdfree(fdp, i);
		FILEDESC_XUNLOCK(fdp);
		if (fp != NULL)
			(void)fdrop(fp, td);
	}
	sx_destroy(&fdp->fd_sx);
	free_k(fdp->fd_kernel, fdp->fd_ofiles, M_FILEDESC);
	free_k(fdp->fd_kernel, fdp, M_FILEDESC);
}

/*
 * kern_descrip.c: fdcloseexec() -- close the close-on-exec descriptors;
 * the others lose close-on-fork.
 */
void
fdcloseexec(struct thread *td)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	struct file *fp;
	int i;

	for (i = 0; i < fdp->fd_nfiles; i++) {
		FILEDESC_XLOCK(fdp);
		fp = fdp->fd_ofiles[i].fde_file;
		if (fp != NULL &&
		    (fdp->fd_ofiles[i].fde_flags & UF_EXCLOSE) != 0)
			fdfree(fdp, i);
		else {
			/*
			 * FD_CLOFORK does not survive exec (Austin Group
			 * bug 1851).
			 */
			fdp->fd_ofiles[i].fde_flags &= ~UF_FOCLOSE;
			fp = NULL;
		}
		FILEDESC_XUNLOCK(fdp);
		if (fp != NULL)
			(void)fdrop(fp, td);
	}
}

/*
 * vfs_syscalls.c: sys_fchmod() -> fo_chmod.  A file type without
 * fo_chmod answers EINVAL (invfo_chmod); so did every non-vnode file in
 * 2008, shm included.
 */
int
kern_fchmod(struct thread *td, int fd, mode_t mode)
{
	struct file *fp;
	int error;

	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	error = fp->f_ops->fo_chmod != NULL ?
	    fp->f_ops->fo_chmod(fp, mode, td->td_ucred, td) :
	    EINVAL;
	fdrop(fp, td);
	return (error);
}

/* vfs_syscalls.c: sys_fchown() -> fo_chown (EINVAL without one). */
int
kern_fchown(struct thread *td, int fd, uid_t uid, gid_t gid)
{
	struct file *fp;
	int error;

	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	error = fp->f_ops->fo_chown != NULL ?
	    fp->f_ops->fo_chown(fp, uid, gid, td->td_ucred, td) :
	    EINVAL;
	fdrop(fp, td);
	return (error);
}

/*
 * vfs_syscalls.c: kern_posix_fallocate() -- EINVAL (offset < 0, len <= 0),
 * EFBIG (offset + len overflows), EBADF, ESPIPE (not seekable), EBADF
 * (not open for writing), then fo_fallocate.
 */
int
kern_posix_fallocate(struct thread *td, int fd, int64_t offset, int64_t len)
{
	struct file *fp;
	int error;

	if (offset < 0 || len <= 0)
		return (EINVAL);
	if (offset > INT64_MAX - len)
		return (EFBIG);
	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	if ((fp->f_ops->fo_flags & DFLAG_SEEKABLE) == 0) {
		error = ESPIPE;
		goto out;
	}
	if ((atomic_load(&fp->f_flag) & FWRITE) == 0) {
		error = EBADF;
		goto out;
	}
	error = fp->f_ops->fo_fallocate != NULL ?
	    fp->f_ops->fo_fallocate(fp, offset, len, td) :
	    ENODEV;
out:
	fdrop(fp, td);
	return (error);
}

/*
 * vfs_syscalls.c: kern_fspacectl() -- EINVAL for a bad command, range or
 * flags; EBADF (fget_write: also a descriptor not open for writing);
 * ESPIPE; then fo_fspacectl.  *roffset and *rlen say where it stopped.
 */
int
kern_fspacectl(struct thread *td, int fd, int cmd, int64_t offset, int64_t len,
    int flags, int64_t *roffset, int64_t *rlen)
{
	struct file *fp;
	int error;

	if (cmd != 1 /* SPACECTL_DEALLOC */ || offset < 0 || len <= 0 ||
	    offset > INT64_MAX - len || flags != 0)
		return (EINVAL);
	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	if ((atomic_load(&fp->f_flag) & FWRITE) == 0) {
		error = EBADF;
		goto out;
	}
	if ((fp->f_ops->fo_flags & DFLAG_SEEKABLE) == 0) {
		error = ESPIPE;
		goto out;
	}
	*roffset = offset;
	*rlen = len;
	error = fp->f_ops->fo_fspacectl != NULL ?
	    fp->f_ops->fo_fspacectl(fp, cmd, roffset, rlen, flags, td->td_ucred,
		td) :
	    ENODEV;
out:
	fdrop(fp, td);
	return (error);
}

/*
 * sys_generic.c: kern_ioctl() -- FIOCLEX/FIONCLEX are the table's;
 * FIONBIO/FIOASYNC set or clear the file's flag first (and leave it so
 * when fo_ioctl fails, as the 2008 shm file does); the rest is fo_ioctl.
 */
int
kern_ioctl(struct thread *td, int fd, unsigned long com, void *data)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	struct file *fp;
	int error, tmp;

	error = fget(td, fd, &fp);
	if (error != 0)
		return (error);
	if ((atomic_load(&fp->f_flag) & (FREAD | FWRITE)) == 0) {
		error = EBADF;
		goto out;
	}
	switch (com) {
	case FIONCLEX:
	case FIOCLEX:
		FILEDESC_XLOCK(fdp);
		if (fget_noref(fdp, fd) == fp) {
			if (com == FIOCLEX)
				fdp->fd_ofiles[fd].fde_flags |= UF_EXCLOSE;
			else
				fdp->fd_ofiles[fd].fde_flags &= ~UF_EXCLOSE;
		} else
			error = EBADF;
		FILEDESC_XUNLOCK(fdp);
		goto out;
	case FIONBIO:
		if ((tmp = *(int *)data) != 0)
			atomic_fetch_or(&fp->f_flag, (unsigned)FNONBLOCK);
		else
			atomic_fetch_and(&fp->f_flag, ~(unsigned)FNONBLOCK);
		break;
	case FIOASYNC:
		if ((tmp = *(int *)data) != 0)
			atomic_fetch_or(&fp->f_flag, (unsigned)FASYNC);
		else
			atomic_fetch_and(&fp->f_flag, ~(unsigned)FASYNC);
		break;
	}
	error = fp->f_ops->fo_ioctl(fp, com, data, td->td_ucred, td);
out:
	fdrop(fp, td);
	return (error);
}
