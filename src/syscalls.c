/*
 * The public, syscall-shaped API (include/shmsim.h): the sys_* layer.
 * Each entry makes a struct thread for the calling process, calls the
 * kern_* function, copies td_retval out on success, and then lets the
 * simulated pagedaemon enforce the resident budget with no lock held.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "file.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"
#include "vm_map.h"

#define PROC(sp) ((struct proc *)(sp))

/*
 * The return to user mode (subr_trap.c: userret()): the result copied
 * out, the pagedaemon run with no lock held, and, under INVARIANTS, the
 * check that the call left no lock held (WITNESS_USERRET), whatever
 * path it returned by.
 */
static int
sys_return_at(struct thread *td, int error, int64_t *retvalp, const char *call)
{
	if (error == 0 && retvalp != NULL)
		*retvalp = td->td_retval[0];
	WITNESS_USERRET(call);
	vm_pageout_check(td->td_proc->p_kernel);
	return (error);
}
#define sys_return(td, error, retvalp) \
	sys_return_at((td), (error), (retvalp), __func__)

static int
sys_return_int_at(struct thread *td, int error, int *retp, const char *call)
{
	int64_t rv;

	error = sys_return_at(td, error, &rv, call);
	if (error == 0 && retp != NULL)
		*retp = (int)rv;
	return (error);
}
#define sys_return_int(td, error, retp) \
	sys_return_int_at((td), (error), (retp), __func__)

void
shmsim_cred_init(struct shmsim_cred *cr)
{
	memset(cr, 0, sizeof(*cr));
	cr->umask = 022;
}

int
shmsim_spawn(struct shmsim_kernel *k, const struct shmsim_cred *cr,
    struct shmsim_proc **pp)
{
	struct shmsim_cred defaults;
	struct proc *p;
	int error;

	if (cr == NULL) {
		shmsim_cred_init(&defaults);
		cr = &defaults;
	}
	kernel_enter(k);
	error = proc_spawn(k, cr, &p);
	if (error == 0)
		*pp = (struct shmsim_proc *)p;
	WITNESS_USERRET(__func__);
	return (error);
}

int
shmsim_fork(struct shmsim_proc *parent, struct shmsim_proc **childp)
{
	struct thread td;
	struct proc *child;
	int error;

	thread_enter(&td, PROC(parent));
	error = fork1(&td, &child);
	if (error == 0)
		*childp = (struct shmsim_proc *)child;
	WITNESS_USERRET(__func__);
	return (error);
}

int
shmsim_exit(struct shmsim_proc *sp)
{
	struct shmsim_kernel *k = PROC(sp)->p_kernel;

	kernel_enter(k);
	exit1(PROC(sp));
	WITNESS_USERRET(__func__);
	vm_pageout_check(k);
	return (0);
}

int
shmsim_exec(struct shmsim_proc *sp)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	fdcloseexec(&td);
	vmspace_exec(PROC(sp)->p_vmspace);
	return (sys_return(&td, 0, NULL));
}

/* vfs_syscalls.c: sys_umask() */
int
shmsim_umask(struct shmsim_proc *sp, mode_t mask, mode_t *oldp)
{
	struct filedesc *fdp = PROC(sp)->p_fd;
	unsigned int old;

	old = atomic_exchange(&fdp->fd_cmask, (unsigned)(mask & 07777));
	if (oldp != NULL)
		*oldp = (mode_t)old;
	return (0);
}

/* Model-only: name the process (p_comm), as dumps and traces show it. */
void
shmsim_proc_setname(struct shmsim_proc *sp, const char *name)
{
	struct proc *p = PROC(sp);

	kernel_enter(p->p_kernel);
	sx_xlock(&p->p_kernel->allproc_lock);
	snprintf(p->p_comm, sizeof(p->p_comm), "%s", name);
	sx_xunlock(&p->p_kernel->allproc_lock);
	WITNESS_USERRET(__func__);
}

int
shmsim_proc_pid(const struct shmsim_proc *sp)
{
	return (((const struct proc *)sp)->p_pid);
}

/*
 * lib/libc/sys/shm_open.c: shm_open() -- today it is
 * shm_open2(path, flags | O_CLOEXEC, mode, 0, NULL); in 2008 it was the
 * shm_open system call itself.
 */
int
shmsim_shm_open(struct shmsim_proc *sp, const char *path, int flags,
    mode_t mode, int *fdp)
{
	struct thread td;
	int error;

	thread_enter(&td, PROC(sp));
	if (K_PROFILE_2008(PROC(sp)->p_kernel))
		error = kern_shm_open_2008(&td, path, flags, mode);
	else
		error = kern_shm_open2(&td, path, flags | SHMSIM_O_CLOEXEC,
		    mode, 0);
	return (sys_return_int(&td, error, fdp));
}

/* Calls the 2008 kernel did not have. */
#define ENOSYS_IN_2008(sp)                              \
	do {                                            \
		if (K_PROFILE_2008(PROC(sp)->p_kernel)) \
			return (ENOSYS);                \
	} while (0)

/* uipc_shm.c: sys_shm_open2() -- name is never copied in. */
int
shmsim_shm_open2(struct shmsim_proc *sp, const char *path, int flags,
    mode_t mode, int shmflags, const char *name, int *fdp)
{
	struct thread td;

	(void)name;
	ENOSYS_IN_2008(sp);
	thread_enter(&td, PROC(sp));
	return (sys_return_int(&td,
	    kern_shm_open2(&td, path, flags, mode, shmflags), fdp));
}

/* uipc_shm.c: sys_shm_rename() */
int
shmsim_shm_rename(struct shmsim_proc *sp, const char *from, const char *to,
    int flags)
{
	struct thread td;

	ENOSYS_IN_2008(sp);
	thread_enter(&td, PROC(sp));
	return (sys_return(&td, kern_shm_rename(&td, from, to, flags), NULL));
}

/* lib/libc/gen/memfd_create.c: memfd_create() */
int
shmsim_memfd_create(struct shmsim_proc *sp, const char *name,
    unsigned int flags, int *fdp)
{
	struct thread td;

	ENOSYS_IN_2008(sp);
	thread_enter(&td, PROC(sp));
	return (sys_return_int(&td, memfd_create(&td, name, flags), fdp));
}

/* vfs_syscalls.c: sys_fchmod() */
int
shmsim_fchmod(struct shmsim_proc *sp, int fd, mode_t mode)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return(&td, kern_fchmod(&td, fd, mode), NULL));
}

/* vfs_syscalls.c: sys_fchown() */
int
shmsim_fchown(struct shmsim_proc *sp, int fd, uid_t uid, gid_t gid)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return(&td, kern_fchown(&td, fd, uid, gid), NULL));
}

/* vfs_syscalls.c: sys_posix_fallocate() (kern_posix_error) */
int
shmsim_posix_fallocate(struct shmsim_proc *sp, int fd, int64_t offset,
    int64_t len)
{
	struct thread td;

	ENOSYS_IN_2008(sp);
	thread_enter(&td, PROC(sp));
	return (
	    sys_return(&td, kern_posix_fallocate(&td, fd, offset, len), NULL));
}

/* vfs_syscalls.c: sys_fspacectl() */
int
shmsim_fspacectl(struct shmsim_proc *sp, int fd, int cmd, int64_t offset,
    int64_t len, int flags, int64_t *roffsetp, int64_t *rlenp)
{
	struct thread td;
	int64_t roff = 0, rlen = 0;
	int error;

	ENOSYS_IN_2008(sp);
	thread_enter(&td, PROC(sp));
	error = kern_fspacectl(&td, fd, cmd, offset, len, flags, &roff, &rlen);
	if (error == 0 && roffsetp != NULL)
		*roffsetp = roff;
	if (error == 0 && rlenp != NULL)
		*rlenp = rlen;
	return (sys_return(&td, error, NULL));
}

/*
 * sys_generic.c: sys_ioctl() -- the argument copied in as the command
 * says: an int, or for the large-page pair a struct shm_largepage_conf.
 */
int
shmsim_ioctl(struct shmsim_proc *sp, int fd, unsigned long cmd, int64_t arg0,
    int64_t arg1, int64_t *retvalp)
{
	struct shm_largepage_conf conf;
	struct thread td;
	int data = (int)arg0, error;
	void *datap = &data;

	thread_enter(&td, PROC(sp));
	if (cmd == FIOSSHMLPGCNF || cmd == FIOGSHMLPGCNF) {
		memset(&conf, 0, sizeof(conf));
		conf.psind = (int)arg0;
		conf.alloc_policy = (int)arg1;
		datap = &conf;
	}
	error = kern_ioctl(&td, fd, cmd, datap);
	if (error == 0 && cmd == FIOGSHMLPGCNF)
		td.td_retval[0] = conf.psind;
	return (sys_return(&td, error, retvalp));
}

/* uipc_shm.c: sys_shm_unlink() */
int
shmsim_shm_unlink(struct shmsim_proc *sp, const char *path)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return(&td, kern_shm_unlink(&td, path), NULL));
}

/* sys_generic.c: sys_ftruncate() */
int
shmsim_ftruncate(struct shmsim_proc *sp, int fd, int64_t length)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return(&td, kern_ftruncate(&td, fd, length), NULL));
}

/* kern_descrip.c: sys_fstat() */
int
shmsim_fstat(struct shmsim_proc *sp, int fd, struct shmsim_stat *sb)
{
	struct shmsim_stat st;
	struct thread td;
	int error;

	thread_enter(&td, PROC(sp));
	error = kern_fstat(&td, fd, &st);
	if (error == 0 && sb != NULL)
		*sb = st;
	return (sys_return(&td, error, NULL));
}

/* kern_descrip.c: sys_close() */
int
shmsim_close(struct shmsim_proc *sp, int fd)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return(&td, kern_close(&td, fd), NULL));
}

/* kern_descrip.c: sys_dup() */
int
shmsim_dup(struct shmsim_proc *sp, int fd, int *newfdp)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (
	    sys_return_int(&td, kern_dup(&td, FDDUP_NORMAL, 0, fd, 0), newfdp));
}

/* kern_descrip.c: sys_dup2() */
int
shmsim_dup2(struct shmsim_proc *sp, int fd, int newfd, int *resultp)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return_int(&td, kern_dup(&td, FDDUP_FIXED, 0, fd, newfd),
	    resultp));
}

/*
 * lib/libc/gen/dup3.c: __dup3() (FreeBSD libc, read in id 270711447 of
 * the search index) -- EINVAL for oldfd == newfd or flags other than
 * O_CLOEXEC and O_CLOFORK, then fcntl(F_DUP3FD | fdflags << shift).
 */
int
shmsim_dup3(struct shmsim_proc *sp, int fd, int newfd, int flags, int *resultp)
{
	struct thread td;
	int fdflags;

	if (fd == newfd)
		return (EINVAL);
	if ((flags & ~(SHMSIM_O_CLOEXEC | SHMSIM_O_CLOFORK)) != 0)
		return (EINVAL);
	fdflags = ((flags & SHMSIM_O_CLOEXEC) != 0 ? SHMSIM_FD_CLOEXEC : 0) |
	    ((flags & SHMSIM_O_CLOFORK) != 0 ? SHMSIM_FD_CLOFORK : 0);
	thread_enter(&td, PROC(sp));
	return (sys_return_int(&td,
	    kern_fcntl(&td, fd,
		SHMSIM_F_DUP3FD | (fdflags << SHMSIM_F_DUP3FD_SHIFT), newfd),
	    resultp));
}

/* kern_descrip.c: sys_fcntl() */
int
shmsim_fcntl(struct shmsim_proc *sp, int fd, int cmd, intptr_t arg,
    int64_t *retvalp)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return(&td, kern_fcntl(&td, fd, cmd, arg), retvalp));
}

static int
sys_rw(struct shmsim_proc *sp, int fd, void *buf, size_t nbytes, int64_t offset,
    int flags, bool write, size_t *donep, const char *call)
{
	struct uio uio;
	struct thread td;
	int64_t done;
	int error;

	if (nbytes > (size_t)INT64_MAX)
		return (EINVAL);
	thread_enter(&td, PROC(sp));
	memset(&uio, 0, sizeof(uio));
	uio.uio_buf = buf;
	uio.uio_resid = nbytes;
	error = write ? kern_writev(&td, fd, &uio, offset, flags) :
			kern_readv(&td, fd, &uio, offset, flags);
	error = sys_return_at(&td, error, &done, call);
	if (error == 0 && donep != NULL)
		*donep = (size_t)done;
	return (error);
}

/* sys_generic.c: sys_read() */
int
shmsim_read(struct shmsim_proc *sp, int fd, void *buf, size_t nbytes,
    size_t *donep)
{
	return (sys_rw(sp, fd, buf, nbytes, 0, 0, false, donep, __func__));
}

/* sys_generic.c: sys_pread() */
int
shmsim_pread(struct shmsim_proc *sp, int fd, void *buf, size_t nbytes,
    int64_t offset, size_t *donep)
{
	return (sys_rw(sp, fd, buf, nbytes, offset, FOF_OFFSET, false, donep,
	    __func__));
}

/* sys_generic.c: sys_write() */
int
shmsim_write(struct shmsim_proc *sp, int fd, const void *buf, size_t nbytes,
    size_t *donep)
{
	return (sys_rw(sp, fd, (void *)(uintptr_t)buf, nbytes, 0, 0, true,
	    donep, __func__));
}

/* sys_generic.c: sys_pwrite() */
int
shmsim_pwrite(struct shmsim_proc *sp, int fd, const void *buf, size_t nbytes,
    int64_t offset, size_t *donep)
{
	return (sys_rw(sp, fd, (void *)(uintptr_t)buf, nbytes, offset,
	    FOF_OFFSET, true, donep, __func__));
}

/* vfs_syscalls.c: sys_lseek() */
int
shmsim_lseek(struct shmsim_proc *sp, int fd, int64_t offset, int whence,
    int64_t *newoffp)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return(&td, kern_lseek(&td, fd, offset, whence), newoffp));
}

/* uipc_syscalls.c: sendmsg(2) with one SCM_RIGHTS descriptor. */
int
shmsim_sendfd(struct shmsim_proc *sp, struct shmsim_proc *to, int fd)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return(&td, uipc_sendfd(&td, PROC(to), fd), NULL));
}

/* uipc_syscalls.c: recvmsg(2) of one SCM_RIGHTS descriptor. */
int
shmsim_recvfd(struct shmsim_proc *sp, int *fdp)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return_int(&td, uipc_recvfd(&td), fdp));
}

/*
 * vm_mmap.c: sys_mmap() -- kern_mmap(), or in profile 2008 the original
 * mmap().  The address travels through td_retval[0], as in the kernel.
 */
int
shmsim_mmap(struct shmsim_proc *sp, uint64_t addr, uint64_t len, int prot,
    int flags, int fd, int64_t offset, uint64_t *addrp)
{
	struct thread td;
	int64_t rv;
	int error;

	thread_enter(&td, PROC(sp));
	if (K_PROFILE_2008(PROC(sp)->p_kernel))
		error = kern_mmap_2008(&td, addr, len, prot, flags, fd, offset);
	else
		error = kern_mmap(&td, addr, len, prot, flags, fd, offset);
	error = sys_return(&td, error, &rv);
	if (error == 0 && addrp != NULL)
		*addrp = (uint64_t)rv;
	return (error);
}

/* vm_mmap.c: sys_munmap() */
int
shmsim_munmap(struct shmsim_proc *sp, uint64_t addr, uint64_t len)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return(&td, kern_munmap(&td, addr, len), NULL));
}

/* vm_mmap.c: sys_mprotect() */
int
shmsim_mprotect(struct shmsim_proc *sp, uint64_t addr, uint64_t len, int prot)
{
	struct thread td;

	thread_enter(&td, PROC(sp));
	return (sys_return(&td, kern_mprotect(&td, addr, len, prot), NULL));
}

/*
 * Model-only: a user-mode load or store of n bytes at addr, faulting
 * page by page (vm_fault_trap); the signal it ends with goes to *sigp.
 */
static int
shmsim_uaccess(struct shmsim_proc *sp, uint64_t addr, void *buf, size_t n,
    bool write, int *sigp)
{
	struct thread td;
	int error, sig = 0;

	if (buf == NULL && n != 0)
		return (EINVAL);
	thread_enter(&td, PROC(sp));
	error = vm_fault_uaccess(&td, addr, buf, n, write, &sig);
	error = sys_return_at(&td, error, NULL,
	    write ? "shmsim_store" : "shmsim_load");
	if (error == 0 && sigp != NULL)
		*sigp = sig;
	return (error);
}

int
shmsim_load(struct shmsim_proc *sp, uint64_t addr, void *buf, size_t n,
    int *sigp)
{
	return (shmsim_uaccess(sp, addr, buf, n, false, sigp));
}

int
shmsim_store(struct shmsim_proc *sp, uint64_t addr, const void *buf, size_t n,
    int *sigp)
{
	return (
	    shmsim_uaccess(sp, addr, (void *)(uintptr_t)buf, n, true, sigp));
}

void
shmsim_unlink_all(struct shmsim_kernel *k)
{
	kernel_enter(k);
	shm_remove_all(k);
	WITNESS_USERRET(__func__);
}

int
shmsim_pageout(struct shmsim_kernel *k, uint64_t n, uint64_t *moved)
{
	uint64_t m;

	kernel_enter(k);
	m = vm_pageout_run(k, n);
	WITNESS_USERRET(__func__);
	if (moved != NULL)
		*moved = m;
	return (0);
}

/* Model-only: what fd refers to, with the counts on the way down. */
int
shmsim_fdinfo(struct shmsim_proc *sp, int fd, struct shmsim_fdinfo *info)
{
	struct proc *p = PROC(sp);
	struct shmsim_kernel *k = p->p_kernel;
	struct filedesc *fdp = p->p_fd;
	struct shmfd *shmfd;
	struct thread td;
	struct file *fp;
	vm_object_t obj;
	int error;

	thread_enter(&td, p);
	error = fget_unlocked(&td, fd, &fp);
	if (error != 0) {
		WITNESS_USERRET(__func__);
		return (error);
	}
	memset(info, 0, sizeof(*info));
	FILEDESC_SLOCK(fdp);
	if (fd < fdp->fd_nfiles && fdp->fd_ofiles[fd].fde_file == fp)
		info->fd_flags =
		    ((fdp->fd_ofiles[fd].fde_flags & UF_EXCLOSE) != 0 ?
			    SHMSIM_FD_CLOEXEC :
			    0) |
		    ((fdp->fd_ofiles[fd].fde_flags & UF_FOCLOSE) != 0 ?
			    SHMSIM_FD_CLOFORK :
			    0);
	FILEDESC_SUNLOCK(fdp);
	info->f_flag = (int)atomic_load(&fp->f_flag);
	info->f_count = (int)atomic_load(&fp->f_count) - 1; /* ours */
	foffset_lock(fp);
	info->f_offset = fp->f_offset;
	foffset_unlock(fp);
	/* f_ops first: f_type and f_data are set before it is (finit). */
	shmfd = fp->f_ops != &badfileops && fp->f_type == DTYPE_SHM ?
	    fp->f_data :
	    NULL;
	if (shmfd != NULL) {
		obj = shmfd->shm_object;
		info->shm_refs = (int)atomic_load(&shmfd->shm_refs);
		info->obj_ref_count = (int)atomic_load(&obj->ref_count);
		sx_slock(&k->shm_dict_lock);
		info->named = shmfd->shm_path != NULL;
		shm_kinfo_path(shmfd, td.td_ucred, info->path,
		    sizeof(info->path));
		sx_sunlock(&k->shm_dict_lock);
		VM_OBJECT_RLOCK(obj);
		info->size = shmfd->shm_size;
		info->obj_size = obj->size;
		info->resident = obj->resident_page_count;
		info->swapped = obj->swp_count;
		info->charge = obj->charge;
		info->writemappings = obj->writemappings;
		VM_OBJECT_RUNLOCK(obj);
		info->ino = shmfd->shm_ino;
	}
	fdrop(fp, &td);
	WITNESS_USERRET(__func__);
	return (0);
}

/*
 * Model-only: the map entry of p holding addr and its object's counts.
 * The map lock (shared) keeps the entry and its object reference; the
 * object lock keeps swp_priv, which shm_drop() clears under it before the
 * shmfd is freed.
 */
int
shmsim_mapinfo(struct shmsim_proc *sp, uint64_t addr,
    struct shmsim_mapinfo *info)
{
	struct proc *p = PROC(sp);
	vm_map_t map = &p->p_vmspace->vm_map;
	vm_map_entry_t entry;
	struct shmfd *shmfd;
	vm_object_t obj;

	memset(info, 0, sizeof(*info));
	vm_map_lock_read(map);
	if (!vm_map_lookup_entry(map, addr, &entry)) {
		vm_map_unlock_read(map);
		return (ENOMEM);
	}
	info->start = entry->start;
	info->end = entry->end;
	info->offset = (uint64_t)entry->offset;
	info->protection = entry->protection;
	info->max_protection = entry->max_protection;
	info->cow = (entry->eflags & MAP_ENTRY_COW) != 0;
	info->needs_copy = (entry->eflags & MAP_ENTRY_NEEDS_COPY) != 0;
	obj = entry->object;
	if (obj != NULL) {
		info->ref_count = (int)atomic_load(&obj->ref_count);
		VM_OBJECT_RLOCK(obj);
		info->writemappings = obj->writemappings;
		info->shadow_count = obj->shadow_count;
		info->resident = obj->resident_page_count;
		shmfd = obj->swp_priv;
		if (shmfd != NULL) {
			info->shm_refs = (int)atomic_load(&shmfd->shm_refs);
			info->shm_size = shmfd->shm_size;
		}
		VM_OBJECT_RUNLOCK(obj);
	}
	vm_map_unlock_read(map);
	return (0);
}

static int
shmsim_debug_access(struct shmsim_proc *sp, int fd, uint64_t off, void *buf,
    size_t len, bool write)
{
	struct thread td;
	struct file *fp;
	int error;

	thread_enter(&td, PROC(sp));
	error = fget(&td, fd, &fp);
	if (error != 0)
		return (sys_return_at(&td, error, NULL, __func__));
	if (fp->f_type != DTYPE_SHM)
		error = EINVAL;
	else
		error = shm_debug_rw(fp->f_data, off, buf, len, write);
	fdrop(fp, &td);
	return (sys_return(&td, error, NULL));
}

int
shmsim_peek(struct shmsim_proc *sp, int fd, uint64_t off, void *buf, size_t len)
{
	return (shmsim_debug_access(sp, fd, off, buf, len, false));
}

int
shmsim_poke(struct shmsim_proc *sp, int fd, uint64_t off, const void *buf,
    size_t len)
{
	return (shmsim_debug_access(sp, fd, off, (void *)(uintptr_t)buf, len,
	    true));
}
