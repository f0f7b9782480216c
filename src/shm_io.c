/*
 * I/O on shared memory objects: read(2), write(2), lseek(2) as today's
 * uipc_shm.c does them (shm_read, shm_write, shm_seek) on top of
 * uiomove_object(), plus the model-only byte access behind
 * shmsim_peek()/shmsim_poke().
 */
#include <errno.h>
#include <string.h>

#include "file.h"
#include "kernel_var.h"
#include "shm.h"

/* copyin/copyout(9): an unmapped user buffer faults (EFAULT). */
static bool
uiomove_badbuf(const struct uio *uio)
{
	return (
	    (uintptr_t)uio->uio_buf < 4096 || uio->uio_buf == SHMSIM_BADPTR);
}

/*
 * uipc_shm.c: uiomove_object_page() -- move up to len bytes within one
 * page.  A read of a page that is neither resident nor on swap copies
 * zeroes without allocating it; anything else grabs the page (pagein or
 * zero-fill).  A pager error is EIO.  The user buffer faults (EFAULT)
 * only at the copy, after the grab: a write from a bad buffer into a
 * hole leaves the page allocated, and a read into a bad buffer pages a
 * swapped-out page back in.
 */
static int
uiomove_object_page(vm_object_t obj, size_t len, struct uio *uio)
{
	struct shmsim_kernel *k = obj->kernel;
	struct vm_page *m;
	vm_pindex_t idx;
	size_t offset, tlen;
	int error;

	idx = OFF_TO_IDX_K(k, uio->uio_offset);
	offset = (size_t)((uint64_t)uio->uio_offset & PAGE_MASK_K(k));
	tlen = PAGE_SIZE_K(k) - offset;
	if (tlen > len)
		tlen = len;

	VM_OBJECT_WLOCK(obj);
	if (obj->type == OBJT_PHYS) {
		/* Large pages exist, wired, for the whole object. */
		size_t loff;

		m = vm_page_lookup_large(obj, idx, &loff);
		if (m == NULL) {
			VM_OBJECT_WUNLOCK(obj);
			return (EIO);
		}
		if (uiomove_badbuf(uio)) {
			VM_OBJECT_WUNLOCK(obj);
			return (EFAULT);
		}
		if (uio->uio_rw == UIO_READ)
			memcpy(uio->uio_buf, m->data + loff + offset, tlen);
		else
			memcpy(m->data + loff + offset, uio->uio_buf, tlen);
		VM_OBJECT_WUNLOCK(obj);
		goto advance;
	}
	if (uio->uio_rw == UIO_READ && vm_page_lookup(obj, idx) == NULL &&
	    swp_pager_lookup(obj, idx) == NULL) {
		VM_OBJECT_WUNLOCK(obj);
		/* uiomove() of zero_region: nothing is allocated. */
		if (uiomove_badbuf(uio))
			return (EFAULT);
		memset(uio->uio_buf, 0, tlen);
		goto advance;
	}
	error = vm_page_grab_valid(obj, idx, true, &m);
	if (error != 0) {
		VM_OBJECT_WUNLOCK(obj);
		return (EIO);
	}
	/*
	 * uiomove_fromphys() faults only now: the page grabbed (allocated
	 * and zero-filled, or paged in) above stays, not dirtied.
	 */
	if (uiomove_badbuf(uio)) {
		VM_OBJECT_WUNLOCK(obj);
		return (EFAULT);
	}
	if (uio->uio_rw == UIO_READ) {
		memcpy(uio->uio_buf, m->data + offset, tlen);
	} else {
		memcpy(m->data + offset, uio->uio_buf, tlen);
		m->dirty = true;
	}
	VM_OBJECT_WUNLOCK(obj);
advance:
	uio->uio_buf = (char *)uio->uio_buf + tlen;
	uio->uio_resid -= tlen;
	uio->uio_offset += (int64_t)tlen;
	return (0);
}

/*
 * uipc_shm.c: uiomove_object() -- move bytes between uio and the object,
 * never past obj_size: a transfer starting at or past it moves nothing.
 */
int
uiomove_object(vm_object_t obj, int64_t obj_size, struct uio *uio)
{
	size_t resid, len;
	int error = 0;

	while ((resid = uio->uio_resid) > 0) {
		if (obj_size <= uio->uio_offset)
			break;
		len = (uint64_t)(obj_size - uio->uio_offset) < resid ?
		    (size_t)(obj_size - uio->uio_offset) :
		    resid;
		if (len == 0)
			break;
		error = uiomove_object_page(obj, len, uio);
		if (error != 0 || resid == uio->uio_resid)
			break;
	}
	return (error);
}

/* kern_descrip.c: foffset_lock_uio() -- read(2) starts at f_offset. */
static void
foffset_lock_uio(struct file *fp, struct uio *uio, int flags)
{
	if ((flags & FOF_OFFSET) == 0) {
		foffset_lock(fp);
		uio->uio_offset = fp->f_offset;
	}
}

/* kern_descrip.c: foffset_unlock_uio() -- and moves it on. */
static void
foffset_unlock_uio(struct file *fp, struct uio *uio, int flags)
{
	if ((flags & FOF_OFFSET) == 0) {
		fp->f_offset = uio->uio_offset;
		foffset_unlock(fp);
	}
}

/*
 * off + len, saturated at OFF_MAX (range lock bounds).  XXX(model):
 * shm_read() passes uio_offset + uio_resid unclamped; past OFF_MAX that
 * sum would overflow (undefined in C, wrapped below the start in a
 * -fwrapv kernel).  Such a read starts past any object's size and moves
 * nothing, so the clamp changes no answer.
 */
static int64_t
rl_end(int64_t off, size_t len)
{
	return ((uint64_t)len > (uint64_t)(OFF_MAX - off) ? OFF_MAX :
							    off + (int64_t)len);
}

/* uipc_shm.c: shm_read() -- reads lock [off, off + resid) shared. */
int
shm_read(struct file *fp, struct uio *uio, struct ucred *active_cred, int flags,
    struct thread *td)
{
	struct shmfd *shmfd = fp->f_data;
	struct rl_q_entry rl_cookie;
	int error;

	(void)active_cred;
	(void)td;
	foffset_lock_uio(fp, uio, flags);
	rangelock_rlock(&shmfd->shm_rl, &rl_cookie, uio->uio_offset,
	    rl_end(uio->uio_offset, uio->uio_resid));
	error = uiomove_object(shmfd->shm_object, shmfd->shm_size, uio);
	rangelock_unlock(&shmfd->shm_rl, &rl_cookie);
	foffset_unlock_uio(fp, uio, flags);
	return (error);
}

/*
 * uipc_shm.c: shm_write() -- EFBIG when off + resid overflows and the
 * object grows on write; EPERM under F_SEAL_WRITE; SHM_GROW_ON_WRITE
 * extends the object first; otherwise a write at or past EOF moves
 * nothing.  O_APPEND is ignored.  No timestamp changes for data.
 */
int
shm_write(struct file *fp, struct uio *uio, struct ucred *active_cred,
    int flags, struct thread *td)
{
	struct shmfd *shmfd = fp->f_data;
	struct rl_q_entry rl_cookie;
	int64_t newsize;
	int error;

	KASSERT((flags & FOF_OFFSET) == 0 || uio->uio_offset >= 0,
	    ("%s: negative offset", __func__));
	(void)active_cred;
	(void)td;
	if (shm_largepage(shmfd) &&
	    __atomic_load_n(&shmfd->shm_lp_psind, __ATOMIC_RELAXED) == 0)
		return (EINVAL);
	foffset_lock_uio(fp, uio, flags);
	if ((uint64_t)uio->uio_resid > (uint64_t)(OFF_MAX - uio->uio_offset)) {
		if ((shmfd->shm_flags & SHM_GROW_ON_WRITE) != 0) {
			foffset_unlock_uio(fp, uio, flags);
			return (EFBIG);
		}
		/* XXX(model): shm_size is read under the object lock (TSan). */
		VM_OBJECT_RLOCK(shmfd->shm_object);
		newsize = shmfd->shm_size;
		VM_OBJECT_RUNLOCK(shmfd->shm_object);
	} else {
		newsize = uio->uio_offset + (int64_t)uio->uio_resid;
	}
	/*
	 * The end is never below the start: with an overflowing count and
	 * no growth, newsize is the size, which may lie below the offset
	 * (82d8c609cfb7, "posixshm: Fix range locking in shm_write()").
	 */
	if ((flags & FOF_OFFSET) == 0)
		rangelock_wlock(&shmfd->shm_rl, &rl_cookie, 0, OFF_MAX);
	else
		rangelock_wlock(&shmfd->shm_rl, &rl_cookie, uio->uio_offset,
		    newsize > uio->uio_offset ? newsize : uio->uio_offset);
	/*
	 * XXX(model): a zero-length pwrite at offset 0 holds the empty range
	 * [0, 0), which conflicts with nothing (as in the kernel): the seals
	 * are read atomically, and shm_size is not read when nothing moves.
	 */
	if ((__atomic_load_n(&shmfd->shm_seals, __ATOMIC_RELAXED) &
		F_SEAL_WRITE) != 0) {
		error = EPERM;
	} else {
		error = 0;
		if ((shmfd->shm_flags & SHM_GROW_ON_WRITE) != 0 &&
		    newsize > shmfd->shm_size)
			error = shm_dotruncate_cookie(shmfd, newsize);
		if (error == 0 && uio->uio_resid > 0)
			error = uiomove_object(shmfd->shm_object,
			    shmfd->shm_size, uio);
	}
	rangelock_unlock(&shmfd->shm_rl, &rl_cookie);
	foffset_unlock_uio(fp, uio, flags);
	return (error);
}

/*
 * uipc_shm.c: shm_seek() -- SEEK_SET, SEEK_CUR, SEEK_END only (EINVAL
 * for SEEK_DATA, SEEK_HOLE and the rest); EOVERFLOW on overflow; a result
 * below 0 or past the end of the object is EINVAL.  On error the offset
 * is unchanged.
 */
int
shm_seek(struct file *fp, int64_t offset, int whence, struct thread *td)
{
	struct shmfd *shmfd = fp->f_data;
	struct rl_q_entry rl_cookie;
	int64_t foffset, size;
	int error = 0;

	/* XXX(model): shm_size is read under a shared range lock (TSan). */
	rangelock_rlock(&shmfd->shm_rl, &rl_cookie, 0, OFF_MAX);
	size = shmfd->shm_size;
	rangelock_unlock(&shmfd->shm_rl, &rl_cookie);
	foffset_lock(fp);
	foffset = fp->f_offset;
	switch (whence) {
	case SHMSIM_SEEK_CUR:
		if (foffset < 0 || (offset > 0 && foffset > OFF_MAX - offset)) {
			error = EOVERFLOW;
			break;
		}
		offset += foffset;
		break;
	case SHMSIM_SEEK_END:
		if (offset > 0 && size > OFF_MAX - offset) {
			error = EOVERFLOW;
			break;
		}
		offset += size;
		break;
	case SHMSIM_SEEK_SET:
		break;
	default:
		error = EINVAL;
	}
	if (error == 0) {
		if (offset < 0 || offset > size)
			error = EINVAL;
		else {
			fp->f_offset = offset;
			td->td_retval[0] = offset;
		}
	}
	foffset_unlock(fp);
	return (error);
}

/*
 * Model-only: byte access to an object as a debugger writing through a
 * mapping would make it.  Pages are faulted in (pagein, or zero-fill for
 * a write; a read of a hole copies zeroes), within the page-rounded size.
 */
int
shm_debug_rw(struct shmfd *shmfd, uint64_t off, void *buf, size_t len,
    bool write)
{
	vm_object_t obj = shmfd->shm_object;
	struct shmsim_kernel *k = obj->kernel;
	unsigned char *p = buf;
	struct vm_page *m;
	size_t poff, tlen;
	int error = 0;

	VM_OBJECT_WLOCK(obj);
	if (off > ptoa_k(k, obj->size) || len > ptoa_k(k, obj->size) - off) {
		error = EINVAL;
		goto out;
	}
	while (len > 0) {
		poff = (size_t)(off & PAGE_MASK_K(k));
		tlen = PAGE_SIZE_K(k) - poff;
		if (tlen > len)
			tlen = len;
		if (obj->type == OBJT_PHYS) {
			size_t loff;

			m = vm_page_lookup_large(obj, OFF_TO_IDX_K(k, off),
			    &loff);
			poff += loff;
		} else {
			error = vm_page_grab_valid(obj, OFF_TO_IDX_K(k, off),
			    write, &m);
			if (error != 0)
				goto out;
		}
		if (m == NULL)
			memset(p, 0, tlen);
		else if (write) {
			memcpy(m->data + poff, p, tlen);
			m->dirty = true;
		} else
			memcpy(p, m->data + poff, tlen);
		p += tlen;
		off += tlen;
		len -= tlen;
	}
out:
	VM_OBJECT_WUNLOCK(obj);
	return (error);
}
