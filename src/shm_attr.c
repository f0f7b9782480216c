/*
 * Attribute and space operations on shared memory objects, today's
 * uipc_shm.c: shm_chmod, shm_chown, shm_fallocate, shm_fspacectl and
 * shm_deallocate (hole punching).  None of them existed in 2008.
 */
#include <errno.h>
#include <string.h>

#include "file.h"
#include "kern/kassert.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"

/*
 * uipc_shm.c: shm_chmod() -- the owner (or privilege: VADMIN) may set the
 * permission bits; higher bits are dropped, no umask, no ctime change.
 * EPERM otherwise.  No MAC in the model.
 */
int
shm_chmod(struct file *fp, mode_t mode, struct ucred *active_cred,
    struct thread *td)
{
	struct shmfd *shmfd = fp->f_data;
	struct shmsim_kernel *k = shmfd->shm_kernel;
	int error;

	(void)td;
	mtx_lock(&k->shm_timestamp_lock);
	error = vaccess(shmfd->shm_mode, shmfd->shm_uid, shmfd->shm_gid, VADMIN,
	    active_cred);
	if (error == 0)
		shmfd->shm_mode = mode & ACCESSPERMS;
	mtx_unlock(&k->shm_timestamp_lock);
	return (error);
}

/*
 * uipc_shm.c: shm_chown() -- -1 keeps the current owner or group.
 * Privilege is needed only to give the object to another uid than the
 * owner's or one's own, or to a group one is not in; there is no owner
 * check, so anyone may claim an object for their own uid (as read).
 */
int
shm_chown(struct file *fp, uid_t uid, gid_t gid, struct ucred *active_cred,
    struct thread *td)
{
	struct shmfd *shmfd = fp->f_data;
	struct shmsim_kernel *k = shmfd->shm_kernel;
	int error = 0;

	(void)td;
	mtx_lock(&k->shm_timestamp_lock);
	if (uid == (uid_t)-1)
		uid = shmfd->shm_uid;
	if (gid == (gid_t)-1)
		gid = shmfd->shm_gid;
	if (((uid != shmfd->shm_uid && uid != active_cred->cr_uid) ||
		(gid != shmfd->shm_gid && !groupmember(gid, active_cred))) &&
	    (error = priv_check_cred(active_cred, PRIV_VFS_CHOWN)) != 0)
		goto out;
	shmfd->shm_uid = uid;
	shmfd->shm_gid = gid;
out:
	mtx_unlock(&k->shm_timestamp_lock);
	return (error);
}

/*
 * uipc_shm.c: shm_fallocate() -- grow to offset + len if smaller (never
 * shrink), under a write range lock over [offset, offset + len).  No
 * page is allocated.  The swap shortage ENOMEM becomes ENOSPC, as
 * posix_fallocate(2) reports it; F_SEAL_GROW gives EPERM.
 */
int
shm_fallocate(struct file *fp, int64_t offset, int64_t len, struct thread *td)
{
	struct shmfd *shmfd = fp->f_data;
	struct rl_q_entry rl_cookie;
	int64_t size;
	int error = 0;

	(void)td;
	size = offset + len;
	rangelock_wlock(&shmfd->shm_rl, &rl_cookie, offset, size);
	if (size > shmfd->shm_size)
		error = shm_dotruncate_cookie(shmfd, size);
	rangelock_unlock(&shmfd->shm_rl, &rl_cookie);
	if (error == ENOMEM)
		error = ENOSPC;
	return (error);
}

/* Model-only: zero [off, off + len) of a large-page object. */
static void
shm_zero_largepage_range(vm_object_t object, int64_t off, int64_t len)
{
	struct shmsim_kernel *k = object->kernel;
	struct vm_page *m;
	size_t loff, poff, tlen;

	while (len > 0) {
		poff = (size_t)((uint64_t)off & PAGE_MASK_K(k));
		tlen = PAGE_SIZE_K(k) - poff;
		if ((int64_t)tlen > len)
			tlen = (size_t)len;
		m = vm_page_lookup_large(object, OFF_TO_IDX_K(k, off), &loff);
		if (m != NULL)
			memset(m->data + loff + poff, 0, tlen);
		off += (int64_t)tlen;
		len -= (int64_t)tlen;
	}
}

/*
 * uipc_shm.c: shm_deallocate() -- punch a hole in [*offset, *offset +
 * *length) clipped to the object's size: zero the partial head and tail
 * pages (only where a page exists), free the whole pages between.  The
 * size never changes.  On return *offset is where it stopped and
 * *length what is left (0).
 */
static int
shm_deallocate(struct shmfd *shmfd, int64_t *offset, int64_t *length)
{
	vm_object_t object = shmfd->shm_object;
	struct shmsim_kernel *k = shmfd->shm_kernel;
	vm_pindex_t pistart, pi, piend;
	int64_t off = *offset, len = *length;
	int startofs, endofs, end, error = 0;

	if (off + len > shmfd->shm_size)
		len = shmfd->shm_size - off;
	if (len <= 0) {
		*length = 0;
		return (0);
	}
	startofs = (int)((uint64_t)off & PAGE_MASK_K(k));
	endofs = (int)((uint64_t)(off + len) & PAGE_MASK_K(k));
	pistart = OFF_TO_IDX_K(k, off);
	piend = OFF_TO_IDX_K(k, off + len);
	pi = OFF_TO_IDX_K(k, (uint64_t)off + PAGE_MASK_K(k));

	VM_OBJECT_WLOCK(object);
	if (object->type == OBJT_PHYS) {
		/*
		 * XXX(model): the kernel does not treat large pages apart
		 * here (unverified what vm_object_page_remove does to them);
		 * the model zeroes the bytes and keeps the wired pages.
		 */
		shm_zero_largepage_range(object, off, len);
		off += len;
		len = 0;
		goto out;
	}
	if (startofs != 0) {
		end = pistart != piend ? (int)PAGE_SIZE_K(k) : endofs;
		error =
		    shm_partial_page_invalidate(object, pistart, startofs, end);
		if (error != 0)
			goto out;
		off += end - startofs;
		len -= end - startofs;
	}
	if (pi < piend) {
		vm_object_page_remove(object, pi, piend);
		off += IDX_TO_OFF_K(k, piend - pi);
		len -= IDX_TO_OFF_K(k, piend - pi);
	}
	if (endofs != 0 && pistart != piend) {
		error = shm_partial_page_invalidate(object, piend, 0, endofs);
		if (error != 0)
			goto out;
		off += endofs;
		len -= endofs;
	}
out:
	VM_OBJECT_WUNLOCK(object);
	*offset = off;
	*length = len;
	return (error);
}

/*
 * uipc_shm.c: shm_fspacectl() -- SPACECTL_DEALLOC under a write range
 * lock over the range; EPERM when the object is write-sealed.
 */
int
shm_fspacectl(struct file *fp, int cmd, int64_t *offset, int64_t *length,
    int flags, struct ucred *active_cred, struct thread *td)
{
	struct shmfd *shmfd = fp->f_data;
	struct rl_q_entry rl_cookie;
	int64_t off = *offset, len = *length;
	int error;

	(void)active_cred;
	(void)td;
	(void)flags;
	KASSERT(flags == 0 && off >= 0 && len > 0,
	    ("%s: arguments not checked", __func__));
	rangelock_wlock(&shmfd->shm_rl, &rl_cookie, off, off + len);
	switch (cmd) {
	case SPACECTL_DEALLOC:
		if ((__atomic_load_n(&shmfd->shm_seals, __ATOMIC_RELAXED) &
			F_SEAL_WRITE) != 0) {
			error = EPERM;
			break;
		}
		error = shm_deallocate(shmfd, &off, &len);
		*offset = off;
		*length = len;
		break;
	default:
		error = EINVAL; /* kern_fspacectl let nothing else through */
		break;
	}
	rangelock_unlock(&shmfd->shm_rl, &rl_cookie);
	return (error);
}
