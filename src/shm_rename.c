/*
 * shm_rename(2) (uipc_shm.c: kern_shm_rename, 2019) and memfd_create(3)
 * (lib/libc/gen/memfd_create.c, 2019), both absent in 2008.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "kern/refcount.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"

/*
 * uipc_shm.c: kern_shm_rename() -- flags (EINVAL for unknown bits or
 * both), SHM_ANON on either side (EINVAL), path copy-in of from then to,
 * the same name (0, nothing checked), then under the dictionary lock:
 * from absent (ENOENT), NOREPLACE with to present (EEXIST), removal of
 * from (EACCES without read and write), hold on to for EXCHANGE, removal
 * of to (EACCES: from is put back).  As read, that last failure never
 * drops the EXCHANGE hold on to: the object leaks a reference, and the
 * model keeps the leak (the auditor reports it).
 */
int
kern_shm_rename(struct thread *td, const char *user_path_from,
    const char *user_path_to, int flags)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	char *path_from = NULL, *path_to = NULL;
	struct shmfd *fd_from, *fd_to;
	Fnv32_t fnv_from, fnv_to;
	int error;

	if ((flags & ~(SHM_RENAME_NOREPLACE | SHM_RENAME_EXCHANGE)) != 0)
		return (EINVAL);
	if ((flags & SHM_RENAME_NOREPLACE) != 0 &&
	    (flags & SHM_RENAME_EXCHANGE) != 0)
		return (EINVAL);
	if (user_path_from == SHMSIM_SHM_ANON ||
	    user_path_to == SHMSIM_SHM_ANON)
		return (EINVAL);
	error = shm_copyin_path(td, user_path_from, &path_from);
	if (error != 0)
		goto out;
	error = shm_copyin_path(td, user_path_to, &path_to);
	if (error != 0)
		goto out;
	/* Rename with from == to is a no-op, checked before existence. */
	if (strcmp(path_from, path_to) == 0)
		goto out;
	fnv_from = fnv_32_str(path_from, FNV1_32_INIT);
	fnv_to = fnv_32_str(path_to, FNV1_32_INIT);

	sx_xlock(&k->shm_dict_lock);
	fd_from = shm_lookup(k, path_from, fnv_from);
	if (fd_from == NULL) {
		error = ENOENT;
		goto out_locked;
	}
	fd_to = shm_lookup(k, path_to, fnv_to);
	if ((flags & SHM_RENAME_NOREPLACE) != 0 && fd_to != NULL) {
		error = EEXIST;
		goto out_locked;
	}
	/* Keep fd_from alive while it has no name. */
	shm_hold(fd_from);
	error = shm_remove(k, path_from, fnv_from, td->td_ucred);
	if (error != 0) {
		shm_drop(fd_from);
		goto out_locked;
	}
	if ((flags & SHM_RENAME_EXCHANGE) != 0 && fd_to != NULL)
		shm_hold(fd_to);
	error = shm_remove(k, path_to, fnv_to, td->td_ucred);
	if (error != 0 && error != ENOENT) {
		/* Put from back; the EXCHANGE hold on fd_to stays (as read). */
		shm_insert(k, path_from, fnv_from, fd_from);
		shm_drop(fd_from);
		goto out_locked;
	}
	error = 0;
	shm_insert(k, path_to, fnv_to, fd_from);
	shm_drop(fd_from);
	if ((flags & SHM_RENAME_EXCHANGE) != 0 && fd_to != NULL) {
		shm_insert(k, path_from, fnv_from, fd_to);
		shm_drop(fd_to);
	}
out_locked:
	sx_xunlock(&k->shm_dict_lock);
out:
	shm_path_free(k, path_from);
	shm_path_free(k, path_to);
	return (error);
}

/*
 * lib/libc/gen/memfd_create.c, the MFD_HUGETLB tail: the page size the
 * flags name (1 << size bits; 1 without them) must be one getpagesizes()
 * reports, else the descriptor is closed and the call fails with
 * EOPNOTSUPP; then FIOSSHMLPGCNF with its index (index 0, the base page,
 * is EINVAL from the kernel), the descriptor closed on failure.
 */
static int
memfd_hugetlb(struct thread *td, int fd, unsigned int flags)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	struct shm_largepage_conf conf;
	uint64_t pgsize;
	int error, i;

	pgsize = UINT64_C(1) << ((flags & MFD_HUGE_MASK) >> MFD_HUGE_SHIFT);
	for (i = 0; i < SHMSIM_MAXPAGESIZES; i++)
		if (k->k_cfg.page_sizes[i] == pgsize)
			break;
	if (i == SHMSIM_MAXPAGESIZES) {
		(void)kern_close(td, fd);
		return (EOPNOTSUPP);
	}
	memset(&conf, 0, sizeof(conf));
	conf.psind = i;
	conf.alloc_policy = SHM_LARGEPAGE_ALLOC_DEFAULT;
	error = kern_ioctl(td, fd, FIOSSHMLPGCNF, &conf);
	if (error != 0) {
		(void)kern_close(td, fd);
		return (error);
	}
	td->td_retval[0] = fd;
	return (0);
}

/*
 * lib/libc/gen/memfd_create.c: memfd_create() -- libc's checks (EBADF for
 * a NULL name, EINVAL for a name over NAME_MAX - 6 bytes, unknown flags,
 * or huge-page size bits without MFD_HUGETLB), then
 * shm_open2(SHM_ANON, O_RDWR [| O_CLOEXEC], 0, ALLOW_SEALING? |
 * (HUGETLB ? LARGEPAGE : GROW_ON_WRITE), name): mode 0, seals
 * F_SEAL_SEAL unless MFD_ALLOW_SEALING.  The kernel ignores the name.
 * With MFD_HUGETLB and no large pages configured, the kernel answers
 * shm_open2(SHM_LARGEPAGE) with ENOTTY first.  XXX(model): a name at an
 * unmapped address is EFAULT here (libc would crash in strlen).
 */
int
memfd_create(struct thread *td, const char *name, unsigned int flags)
{
	int error, oflags, shmflags;

	if (name == NULL)
		return (EBADF);
	if ((uintptr_t)name < 4096 || name == SHMSIM_BADPTR)
		return (EFAULT);
	if (strlen(name) + 6 > NAME_MAX)
		return (EINVAL);
	if ((flags &
		~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB |
		    MFD_HUGE_MASK)) != 0)
		return (EINVAL);
	if ((flags & MFD_HUGE_MASK) != 0 && (flags & MFD_HUGETLB) == 0)
		return (EINVAL);
	oflags = SHMSIM_O_RDWR;
	shmflags = 0;
	if ((flags & MFD_CLOEXEC) != 0)
		oflags |= SHMSIM_O_CLOEXEC;
	if ((flags & MFD_ALLOW_SEALING) != 0)
		shmflags |= SHM_ALLOW_SEALING;
	if ((flags & MFD_HUGETLB) != 0)
		shmflags |= SHM_LARGEPAGE;
	else
		shmflags |= SHM_GROW_ON_WRITE;
	error = kern_shm_open2(td, SHMSIM_SHM_ANON, oflags, 0, shmflags);
	if (error != 0 || (flags & MFD_HUGETLB) == 0)
		return (error);
	return (memfd_hugetlb(td, (int)td->td_retval[0], flags));
}
