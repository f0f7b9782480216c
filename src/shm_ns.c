/*
 * POSIX shared memory objects and their name dictionary: the model of
 * sys/kern/uipc_shm.c.
 *
 * Two profiles share this file.  "current" follows today's FreeBSD main;
 * "2008" follows the original commit of January 2008.  Where the two
 * differ only in data (which fileops, which checks exist), the profile is
 * consulted in place; where the whole function was different
 * (shm_open, shm_dotruncate) the 2008 function stands beside today's one
 * under its own name, so that each reads like the source it models.
 *
 * Reference counting (section 3 of the semantics note): shm_refs counts
 * the files whose f_data is the shmfd, plus one while the object is
 * named, plus transient holds.  The shmfd owns one reference on its VM
 * object.  The last shm_drop() frees the shmfd and drops that reference.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "kern/refcount.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"
#include "vm_map.h"

MALLOC_DEFINE(M_SHMFD, "shmfd", "shared memory file descriptor");

/* devfs_alloc_cdp_inode() value shared by every object (model constant). */
#define SHM_DEV_INO 0x4d2

static fo_truncate_t shm_truncate;
static fo_ioctl_t shm_ioctl;
static fo_ioctl_t shm_ioctl_2008;
static fo_stat_t shm_stat;
static fo_close_t shm_close;
static fo_add_seals_t shm_add_seals;
static fo_get_seals_t shm_get_seals;
static fo_rdwr_t shm_rdwr_2008;

/* uipc_shm.c: shm_ops, today: read/write/seek, passable and seekable. */
const struct fileops shm_ops = {
	.fo_read = shm_read,
	.fo_write = shm_write,
	.fo_truncate = shm_truncate,
	.fo_ioctl = shm_ioctl,
	.fo_stat = shm_stat,
	.fo_close = shm_close,
	.fo_seek = shm_seek,
	.fo_add_seals = shm_add_seals,
	.fo_get_seals = shm_get_seals,
	.fo_chmod = shm_chmod,
	.fo_chown = shm_chown,
	.fo_fallocate = shm_fallocate,
	.fo_fspacectl = shm_fspacectl,
	.fo_mmap = shm_mmap,
	.fo_flags = DFLAG_PASSABLE | DFLAG_SEEKABLE,
};

/*
 * uipc_shm.c: shm_ops as committed in 2008: read, write and ioctl fail
 * with EOPNOTSUPP, and the file is passable but not seekable (lseek and
 * pread/pwrite: ESPIPE).
 */
const struct fileops shm_ops_2008 = {
	.fo_read = shm_rdwr_2008,
	.fo_write = shm_rdwr_2008,
	.fo_truncate = shm_truncate,
	.fo_ioctl = shm_ioctl_2008,
	.fo_stat = shm_stat,
	.fo_close = shm_close,
	.fo_seek = NULL,
	.fo_add_seals = NULL,
	.fo_get_seals = NULL,
	.fo_flags = DFLAG_PASSABLE,
};

#define SHM_HASH(k, fnv) (&(k)->shm_dictionary[(fnv) & (k)->shm_hash])

/*
 * kern_subr.c: hashinit() -- the largest power of two <= elements
 * buckets.  uipc_shm.c: shm_init() asks for 1024.  The array: below.
 */
static void shm_dict_alloc_boot(struct shmsim_kernel *k);
static void shm_dict_free(struct shmsim_kernel *k);
void
shm_dict_init(struct shmsim_kernel *k)
{
	unsigned long hashsize;

	for (hashsize = 1; hashsize <= k->k_cfg.hash_buckets; hashsize <<= 1)
		continue;
	hashsize >>= 1;
	k->shm_hash = hashsize - 1;
	shm_dict_alloc_boot(k);
	sx_init(&k->shm_dict_lock, "shm dictionary", LC_SHM_DICT,
	    &k->k_witness);
	mtx_init(&k->shm_timestamp_lock, "shm timestamps", LC_SHM_TIMESTAMP,
	    &k->k_witness);
	atomic_init(&k->shm_ino_unr, 1);
	k->shm_dev_ino = SHM_DEV_INO;
}

static struct shm_dict_bucket *shm_dict_wbucket(struct shmsim_kernel *k,
    Fnv32_t fnv);
void
shm_dict_destroy(struct shmsim_kernel *k)
{
	shm_dict_free(k);
	sx_destroy(&k->shm_dict_lock);
	mtx_destroy(&k->shm_timestamp_lock);
}

/*
 * vfs_subr.c: vfs_timestamp() -- XXX(model): a simulated clock that
 * starts at a fixed epoch and advances one microsecond per reading, so
 * that runs are reproducible and every change is visible.
 */
void
vfs_timestamp(struct shmsim_kernel *k, struct timespec *ts)
{
	int64_t ns;

	ns = k_atomic_fetch_add(k, &k->k_clock_ns, 1000) + 1000;
	ts->tv_sec = (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
}

/* st_blocks of today's kernel: pages resident or on swap (shm_pages). */
uint64_t
shm_pages(const struct shmfd *shmfd)
{
	return (shmfd->shm_object->resident_page_count +
	    shmfd->shm_object->swp_count);
}

/*
 * uipc_shm.c: shm_alloc() -- a new shmfd of size 0 with one reference,
 * owning a new swap object.  Today the object allocation can fail
 * (*errorp = ENOMEM); in 2008 it could not.  Profile 2008 also has no
 * inode numbers (shm_ino 0).
 */
struct shmfd *
shm_alloc(struct ucred *ucred, mode_t mode, bool largepage, int *errorp)
{
	struct shmsim_kernel *k = ucred->cr_kernel;
	struct shmfd *shmfd;
	vm_object_t obj;
	int error;

	error = largepage ? phys_pager_allocate(k, ucred, &obj) :
			    vm_pager_allocate_swap(k, ucred, &obj);
	if (error != 0) {
		*errorp = error;
		return (NULL);
	}
	shmfd = malloc_k(k, sizeof(*shmfd), M_SHMFD, M_WAITOK | M_ZERO);
	shmfd->shm_object = obj;
	shmfd->shm_uid = ucred->cr_uid;
	shmfd->shm_gid = ucred->cr_gid;
	shmfd->shm_mode = mode;
	shmfd->shm_kernel = k;
	VM_OBJECT_WLOCK(obj);
	obj->swp_priv = shmfd;
	vm_object_set_flag(obj, OBJ_POSIXSHM);
	VM_OBJECT_WUNLOCK(obj);
	shmfd->shm_lp_psind = 0;
	shmfd->shm_lp_alloc_policy = SHM_LARGEPAGE_ALLOC_DEFAULT;
	vfs_timestamp(k, &shmfd->shm_birthtime);
	shmfd->shm_atime = shmfd->shm_mtime = shmfd->shm_ctime =
	    shmfd->shm_birthtime;
	if (!K_PROFILE_2008(k))
		shmfd->shm_ino = k_atomic_fetch_add(k, &k->shm_ino_unr, 1);
	refcount_init(&shmfd->shm_refs, 1);
	rangelock_init(&shmfd->shm_rl, "shm rangelock", &k->k_witness);
	k_atomic_fetch_add(k, &k->k_nshm, 1);
	return (shmfd);
}

/* uipc_shm.c: shm_hold() */
struct shmfd *
shm_hold(struct shmfd *shmfd)
{
	refcount_acquire(&shmfd->shm_refs);
	return (shmfd);
}

/*
 * uipc_shm.c: shm_drop() -- the last reference clears the object's
 * back-pointer, drops the shmfd's object reference and frees the shmfd.
 * Mappings (a later issue) hold their own object references.
 */
void
shm_drop(struct shmfd *shmfd)
{
	struct shmsim_kernel *k = shmfd->shm_kernel;
	vm_object_t obj;

	if (!refcount_release(&shmfd->shm_refs))
		return;
	rangelock_destroy(&shmfd->shm_rl);
	obj = shmfd->shm_object;
	VM_OBJECT_WLOCK(obj);
	obj->swp_priv = NULL;
	VM_OBJECT_WUNLOCK(obj);
	vm_object_deallocate(obj);
	free_k(k, shmfd, M_SHMFD);
	k_atomic_fetch_sub(k, &k->k_nshm, 1);
}

/*
 * vfs_subr.c: vaccess() for a regular file without ACLs.  The first class
 * that matches (owner, group, other) is final; missing rights may then be
 * granted by privilege (root).  EACCES, or EPERM when VADMIN was asked.
 */
int
vaccess(mode_t file_mode, uid_t file_uid, gid_t file_gid, int accmode,
    const struct ucred *cred)
{
	int dac_granted = 0, priv_granted = 0;

	if (cred->cr_uid == file_uid) {
		dac_granted |= VADMIN;
		if ((file_mode & 0400) != 0)
			dac_granted |= VREAD;
		if ((file_mode & 0200) != 0)
			dac_granted |= VWRITE;
		if ((accmode & dac_granted) == accmode)
			return (0);
		goto privcheck;
	}
	if (groupmember(file_gid, cred)) {
		if ((file_mode & 0040) != 0)
			dac_granted |= VREAD;
		if ((file_mode & 0020) != 0)
			dac_granted |= VWRITE;
		if ((accmode & dac_granted) == accmode)
			return (0);
		goto privcheck;
	}
	if ((file_mode & 0004) != 0)
		dac_granted |= VREAD;
	if ((file_mode & 0002) != 0)
		dac_granted |= VWRITE;
	if ((accmode & dac_granted) == accmode)
		return (0);
privcheck:
	if ((accmode & VREAD) != 0 && (dac_granted & VREAD) == 0 &&
	    priv_check_cred(cred, PRIV_VFS_READ) == 0)
		priv_granted |= VREAD;
	if ((accmode & VWRITE) != 0 && (dac_granted & VWRITE) == 0 &&
	    priv_check_cred(cred, PRIV_VFS_WRITE) == 0)
		priv_granted |= VWRITE;
	if ((accmode & VADMIN) != 0 && (dac_granted & VADMIN) == 0 &&
	    priv_check_cred(cred, PRIV_VFS_ADMIN) == 0)
		priv_granted |= VADMIN;
	if ((accmode & (priv_granted | dac_granted)) == accmode)
		return (0);
	return ((accmode & VADMIN) != 0 ? EPERM : EACCES);
}

/*
 * uipc_shm.c: shm_access() -- FREAD asks VREAD, FWRITE asks VWRITE, under
 * shm_timestamp_lock (which also guards mode, uid and gid).
 */
int
shm_access(struct shmfd *shmfd, struct ucred *ucred, int flags)
{
	struct shmsim_kernel *k = shmfd->shm_kernel;
	int accmode = 0, error;

	if ((flags & FREAD) != 0)
		accmode |= VREAD;
	if ((flags & FWRITE) != 0)
		accmode |= VWRITE;
	mtx_lock(&k->shm_timestamp_lock);
	error = vaccess(shmfd->shm_mode, shmfd->shm_uid, shmfd->shm_gid,
	    accmode, ucred);
	mtx_unlock(&k->shm_timestamp_lock);
	return (error);
}

/*
 * Model-only: a hint to the host CPU, nothing more.  Ask for the cache
 * lines of a shmfd that an open of its name and the close after it touch
 * (shm_refs to the range lock, struct shmfd's first members) as soon as
 * its address is known.  Without it, in a dictionary too large for the
 * host's caches, each of those misses waited for the one before: the
 * range lock's and the reference count's locked instructions order them.
 */
static inline void
shmsim_prefetch_shmfd(const struct shmfd *shmfd)
{
	const char *p = (const char *)shmfd;
	const char *end = (const char *)(&shmfd->shm_rl + 1);

	for (; p < end; p += 64)
		__builtin_prefetch(p, 1);
	__builtin_prefetch(end - 1, 1);
}

/* uipc_shm.c: shm_lookup() -- fnv first, then strcmp. */
struct shmfd *
shm_lookup(struct shmsim_kernel *k, const char *path, Fnv32_t fnv)
{
	struct shm_mapping *map;

	LIST_FOREACH(map, SHM_HASH(k, fnv), sm_link) {
		if (map->sm_fnv != fnv)
			continue;
		shmsim_prefetch_shmfd(map->sm_shmfd);
		if (strcmp(map->sm_path, path) == 0)
			return (map->sm_shmfd);
	}
	return (NULL);
}

/*
 * uipc_shm.c: shm_insert() -- the dictionary takes its reference; the
 * entry goes to the head of its bucket.  XXX(model): the kernel's entry
 * takes ownership of the caller's path buffer; the model copies the path
 * into the entry's own allocation, right behind the entry (sm_path points
 * there), so that a name costs one allocation and a lookup finds the
 * hash, the string and the shmfd pointer together.  The caller keeps
 * path.  Nothing observable depends on who owns the bytes.
 */
void
shm_insert(struct shmsim_kernel *k, const char *path, Fnv32_t fnv,
    struct shmfd *shmfd)
{
	struct shm_mapping *map;
	size_t len;

	sx_assert_xlocked(&k->shm_dict_lock);
	len = strlen(path) + 1;
	map = malloc_k(k, sizeof(*map) + len, M_SHMFD, M_WAITOK);
	map->sm_path = memcpy(map + 1, path, len);
	map->sm_fnv = fnv;
	map->sm_shmfd = shm_hold(shmfd);
	shmfd->shm_path = map->sm_path;
	LIST_INSERT_HEAD(shm_dict_wbucket(k, fnv), map, sm_link);
	k_atomic_fetch_add(k, &k->k_nnames, 1);
}

/* uipc_shm.c: shm_doremove() -- drop the name and its reference. */
void
shm_doremove(struct shmsim_kernel *k, struct shm_mapping *map)
{
	sx_assert_xlocked(&k->shm_dict_lock);
	map->sm_shmfd->shm_path = NULL;
	LIST_REMOVE(map, sm_link);
	k_atomic_fetch_sub(k, &k->k_nnames, 1);
	shm_drop(map->sm_shmfd);
	free_k(k, map, M_SHMFD); /* and the path behind it (shm_insert) */
}

/*
 * uipc_shm.c: shm_remove() -- ENOENT when absent; EACCES unless the
 * caller may read and write the object.
 */
int
shm_remove(struct shmsim_kernel *k, const char *path, Fnv32_t fnv,
    struct ucred *ucred)
{
	struct shm_mapping *map;
	int error;

	LIST_FOREACH(map, SHM_HASH(k, fnv), sm_link) {
		if (map->sm_fnv != fnv)
			continue;
		if (strcmp(map->sm_path, path) == 0) {
			error =
			    shm_access(map->sm_shmfd, ucred, FREAD | FWRITE);
			if (error != 0)
				return (error);
			shm_doremove(k, map);
			return (0);
		}
	}
	return (ENOENT);
}

/*
 * uipc_shm.c: shm_remove_prison() -- called from prison_cleanup() when a
 * jail starts dying: remove every name whose object was created by a
 * credential of that jail (matched by creator, not by name), with no
 * permission check.
 */
void
shm_remove_prison(struct prison *pr)
{
	struct shmsim_kernel *k = pr->pr_kernel;
	struct shm_mapping *map, *tmap;
	unsigned long i;

	sx_xlock(&k->shm_dict_lock);
	for (i = 0; i <= k->shm_hash; i++) {
		LIST_FOREACH_SAFE(map, &k->shm_dictionary[i], sm_link, tmap) {
			struct ucred *cred = map->sm_shmfd->shm_object->cred;

			if (cred != NULL && cred->cr_prison == pr)
				shm_doremove(k, map);
		}
	}
	sx_xunlock(&k->shm_dict_lock);
}

/*
 * uipc_shm.c: shm_fill_kinfo_locked() for the path only -- the stored
 * name as a process of cred's jail sees it: the jail's root prefix
 * stripped when the name lies under it, the full host path otherwise
 * (reachable only through a descriptor passed in from outside).  ""
 * for an object without a name.  Call with the dictionary lock held.
 */
void
shm_kinfo_path(const struct shmfd *shmfd, const struct ucred *cred, char *buf,
    size_t len)
{
	const char *path = shmfd->shm_path, *pr_path;
	size_t pr_pathlen;

	if (path == NULL) {
		buf[0] = '\0';
		return;
	}
	pr_path = prison_path(cred->cr_prison);
	pr_pathlen = strlen(pr_path);
	if (strcmp(pr_path, "/") != 0 &&
	    strncmp(path, pr_path, pr_pathlen) == 0 && path[pr_pathlen] == '/')
		path += pr_pathlen;
	snprintf(buf, len, "%s", path);
}

/*
 * Model-only: remove every name (kernel destruction).  The bucket array
 * and mask are constant: kept in locals, the scan of empty buckets is a
 * tight loop (it was most of the cost of destroying an idle kernel).
 */
void
shm_remove_all(struct shmsim_kernel *k)
{
	struct shm_dict_bucket *dict;
	struct shm_mapping *map;
	unsigned long i, mask;

	sx_xlock(&k->shm_dict_lock);
	dict = k->shm_dictionary;
	mask = k->shm_hash;
	for (i = 0; i <= mask; i++) {
		if (__predict_true(LIST_EMPTY(&dict[i])))
			continue;
		while ((map = LIST_FIRST(&dict[i])) != NULL)
			shm_doremove(k, map);
	}
	sx_xunlock(&k->shm_dict_lock);
}

/*
 * copyinstr(9) from the simulated user space: EFAULT for an unmapped
 * address (the first page, SHMSIM_BADPTR) or when the copyin fault site
 * fires; ENAMETOOLONG when no NUL fits in len bytes.
 */
static int
copyinstr(struct shmsim_kernel *k, const char *uaddr, char *kaddr, size_t len)
{
	size_t n;

	if ((uintptr_t)uaddr < 4096 || uaddr == SHMSIM_BADPTR)
		return (EFAULT);
	if (shmsim_fault_hit(k, SHMSIM_FAULT_COPYIN))
		return (EFAULT);
	n = strnlen(uaddr, len);
	if (n == len)
		return (ENAMETOOLONG);
	memcpy(kaddr, uaddr, n + 1);
	return (0);
}

/* A path of the kernel's, under M_SHMFD (freed with shm_path_free()). */
static char *
shm_strdup(struct shmsim_kernel *k, const char *s)
{
	size_t len = strlen(s) + 1;

	return (memcpy(malloc_k(k, len, M_SHMFD, M_WAITOK), s, len));
}

void
shm_path_free(struct shmsim_kernel *k, char *path)
{
	free_k(k, path, M_SHMFD);
}

/* Copy a user path, behind prefix (plen bytes), into buf (MAXPATHLEN). */
static int
shm_copyin_buf(struct shmsim_kernel *k, const char *userpath,
    const char *prefix, size_t plen, char *buf)
{
	if (plen != 0) /* the host's "": a memcpy() call less per path */
		memcpy(buf, prefix, plen);
	return (copyinstr(k, userpath, buf + plen, MAXPATHLEN - plen));
}

/*
 * Copy a user path into a new buffer of its exact size.  XXX(model): the
 * kernel keeps a MAXPATHLEN buffer; only the length limit is observable.
 * Calls that only look a name up copy it into a buffer on their stack
 * (shm_copyin_buf, shm_copyin_path_buf) and allocate nothing.
 */
static int
shm_copyin_raw(struct shmsim_kernel *k, const char *userpath,
    const char *prefix, size_t prefixlen, char **pathp)
{
	char buf[MAXPATHLEN];
	int error;

	error = shm_copyin_buf(k, userpath, prefix, prefixlen, buf);
	if (error != 0)
		return (error);
	*pathp = shm_strdup(k, buf);
	return (0);
}

/*
 * uipc_shm.c: shm_copyin_path() -- copy the path in behind the caller's
 * jail root path (nothing for the host, whose root is "/"), then require
 * '/' where the user's part starts: EFAULT, ENAMETOOLONG (the user part
 * may have at most MAXPATHLEN - 1 - strlen(pr_path) bytes), EINVAL.
 */
static int
shm_copyin_path_buf(struct thread *td, const char *userpath, char *buf)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	const char *pr_path = prison_path(td->td_ucred->cr_prison);
	size_t pr_pathlen;
	int error;

	pr_pathlen = strcmp(pr_path, "/") == 0 ? 0 : strlen(pr_path);
	error = shm_copyin_buf(k, userpath, pr_path, pr_pathlen, buf);
	if (error != 0)
		return (error);
	if (buf[pr_pathlen] != '/')
		return (EINVAL);
	return (0);
}

int
shm_copyin_path(struct thread *td, const char *userpath, char **pathp)
{
	char buf[MAXPATHLEN];
	int error;

	error = shm_copyin_path_buf(td, userpath, buf);
	if (error != 0)
		return (error);
	*pathp = shm_strdup(td->td_proc->p_kernel, buf);
	return (0);
}

/*
 * uipc_shm.c: kern_shm_open2() as shm_open(3) reaches it today.
 * Check order: shmflags, access mode, unknown flags, path copy-in,
 * falloc (ENFILE, EMFILE); then the anonymous or named branch.  On
 * success the new file owns one shm reference and has f_count 1.
 * XXX(model): no Capsicum (ECAPMODE) and no MAC hooks.
 */
int
kern_shm_open2(struct thread *td, const char *userpath, int flags, mode_t mode,
    int shmflags)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	struct filedesc *fdp = td->td_proc->p_fd;
	struct shmfd *shmfd = NULL;
	struct rl_q_entry rl_cookie;
	struct file *fp;
	char pathbuf[MAXPATHLEN], *path = NULL; /* NULL: SHM_ANON */
	int error, fd, initial_seals;
	bool largepage;
	mode_t cmode;
	Fnv32_t fnv;

	if ((shmflags &
		~(SHM_ALLOW_SEALING | SHM_GROW_ON_WRITE | SHM_LARGEPAGE)) != 0)
		return (EINVAL);
	initial_seals = F_SEAL_SEAL;
	if ((shmflags & SHM_ALLOW_SEALING) != 0)
		initial_seals &= ~F_SEAL_SEAL;
	if ((flags & SHMSIM_O_ACCMODE) != SHMSIM_O_RDONLY &&
	    (flags & SHMSIM_O_ACCMODE) != SHMSIM_O_RDWR)
		return (EINVAL);
	if ((flags &
		~(SHMSIM_O_ACCMODE | SHMSIM_O_CREAT | SHMSIM_O_EXCL |
		    SHMSIM_O_TRUNC | SHMSIM_O_CLOEXEC | SHMSIM_O_CLOFORK)) != 0)
		return (EINVAL);
	largepage = (shmflags & SHM_LARGEPAGE) != 0;
	if (largepage && !PMAP_HAS_LARGEPAGES(k))
		return (ENOTTY);

	if (userpath != SHMSIM_SHM_ANON) {
		error = shm_copyin_path_buf(td, userpath, pathbuf);
		if (error != 0)
			return (error);
		path = pathbuf;
	}
	cmode = (mode & ~(mode_t)atomic_load(&fdp->fd_cmask)) & ACCESSPERMS;

	error = falloc_caps(td, &fp, &fd, flags & SHMSIM_O_CLOEXEC);
	if (error != 0)
		goto outnofp;

	if (path == NULL) {
		/* An anonymous object: O_CREAT, O_EXCL, O_TRUNC ignored. */
		if ((flags & SHMSIM_O_ACCMODE) == SHMSIM_O_RDONLY) {
			error = EINVAL;
			goto out;
		}
		shmfd = shm_alloc(td->td_ucred, cmode, largepage, &error);
		if (shmfd == NULL)
			goto out;
		shmfd->shm_seals = initial_seals;
		shmfd->shm_flags = shmflags;
	} else {
		fnv = fnv_32_str(path, FNV1_32_INIT);
		sx_xlock(&k->shm_dict_lock);
		shmfd = shm_lookup(k, path, fnv);
		if (shmfd == NULL) {
			/* No permission check on create. */
			if ((flags & SHMSIM_O_CREAT) != 0) {
				shmfd = shm_alloc(td->td_ucred, cmode,
				    largepage, &error);
				if (shmfd != NULL) {
					shmfd->shm_seals = initial_seals;
					shmfd->shm_flags = shmflags;
					/* The dictionary copies the path. */
					shm_insert(k, path, fnv, shmfd);
				}
			} else {
				error = ENOENT;
			}
		} else {
			rangelock_wlock(&shmfd->shm_rl, &rl_cookie, 0, OFF_MAX);
			initial_seals &= ~shmfd->shm_seals;
			/* Unreachable since initial_seals was masked. */
			if ((shmfd->shm_seals & F_SEAL_SEAL) != 0 &&
			    initial_seals != 0)
				error = EPERM;
			else if ((flags & (SHMSIM_O_CREAT | SHMSIM_O_EXCL)) ==
			    (SHMSIM_O_CREAT | SHMSIM_O_EXCL))
				error = EEXIST;
			else if (shmflags != 0 && shmflags != shmfd->shm_flags)
				error = EINVAL;
			else
				error = shm_access(shmfd, td->td_ucred,
				    FFLAGS(flags & SHMSIM_O_ACCMODE));
			/* O_TRUNC with O_RDONLY is silently ignored. */
			if (error == 0 &&
			    (flags & (SHMSIM_O_ACCMODE | SHMSIM_O_TRUNC)) ==
				(SHMSIM_O_RDWR | SHMSIM_O_TRUNC)) {
				/*
				 * XXX(model): the kernel calls the swap
				 * truncate here even for a large-page object
				 * (as read), which would release a swap charge
				 * it never took; the model uses the large-page
				 * truncate (ENOTSUP for a shrink).
				 */
				VM_OBJECT_WLOCK(shmfd->shm_object);
				error = shm_largepage(shmfd) ?
				    shm_dotruncate_largepage(shmfd, 0) :
				    shm_dotruncate_locked(shmfd, 0);
				VM_OBJECT_WUNLOCK(shmfd->shm_object);
			}
			if (error == 0) {
				/*
				 * A plain reopen seals a sealable object
				 * (nothing to add, no locked instruction).
				 */
				if (initial_seals != 0)
					__atomic_fetch_or(&shmfd->shm_seals,
					    initial_seals, __ATOMIC_RELAXED);
				shm_hold(shmfd);
			}
			rangelock_unlock(&shmfd->shm_rl, &rl_cookie);
		}
		sx_xunlock(&k->shm_dict_lock);
		if (error != 0)
			goto out;
	}

	finit(fp, FFLAGS(flags & SHMSIM_O_ACCMODE), DTYPE_SHM, shmfd, &shm_ops);
	td->td_retval[0] = fd;
	fdrop(fp, td);
	return (0);
out:
	fdclose(td, fp, fd);
	fdrop(fp, td);
outnofp:
	return (error);
}

/*
 * uipc_shm.c (2008): shm_open() -- the original system call.  It checks
 * the access mode and the flags (O_CLOEXEC is unknown: EINVAL), allocates
 * the descriptor, and only then copies the path in and checks for the
 * leading '/'.  The result of the O_TRUNC truncation is ignored.
 */
int
kern_shm_open_2008(struct thread *td, const char *upath, int flags, mode_t mode)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	struct filedesc *fdp = td->td_proc->p_fd;
	struct shmfd *shmfd;
	struct file *fp;
	char *path = NULL;
	int error, fd;
	mode_t cmode;
	Fnv32_t fnv;

	if ((flags & SHMSIM_O_ACCMODE) != SHMSIM_O_RDONLY &&
	    (flags & SHMSIM_O_ACCMODE) != SHMSIM_O_RDWR)
		return (EINVAL);
	if ((flags &
		~(SHMSIM_O_ACCMODE | SHMSIM_O_CREAT | SHMSIM_O_EXCL |
		    SHMSIM_O_TRUNC)) != 0)
		return (EINVAL);
	cmode = (mode & ~(mode_t)atomic_load(&fdp->fd_cmask)) & ACCESSPERMS;

	error = falloc_caps(td, &fp, &fd, 0);
	if (error != 0)
		return (error);

	if (upath == SHMSIM_SHM_ANON) {
		if ((flags & SHMSIM_O_ACCMODE) == SHMSIM_O_RDONLY) {
			error = EINVAL;
			goto out;
		}
		shmfd = shm_alloc(td->td_ucred, cmode, false, &error);
	} else {
		error = shm_copyin_raw(k, upath, "", 0, &path);
		if (error == 0 && path[0] != '/')
			error = EINVAL;
		if (error != 0)
			goto out;
		fnv = fnv_32_str(path, FNV1_32_INIT);
		sx_xlock(&k->shm_dict_lock);
		shmfd = shm_lookup(k, path, fnv);
		if (shmfd == NULL) {
			if ((flags & SHMSIM_O_CREAT) != 0) {
				shmfd = shm_alloc(td->td_ucred, cmode, false,
				    &error);
				shm_insert(k, path, fnv, shmfd);
			} else
				error = ENOENT;
		} else {
			if ((flags & (SHMSIM_O_CREAT | SHMSIM_O_EXCL)) ==
			    (SHMSIM_O_CREAT | SHMSIM_O_EXCL))
				error = EEXIST;
			else
				error = shm_access(shmfd, td->td_ucred,
				    FFLAGS(flags & SHMSIM_O_ACCMODE));
			if (error == 0 &&
			    (flags & (SHMSIM_O_ACCMODE | SHMSIM_O_TRUNC)) ==
				(SHMSIM_O_RDWR | SHMSIM_O_TRUNC))
				(void)shm_dotruncate_2008(shmfd, 0);
			if (error == 0)
				shm_hold(shmfd);
		}
		sx_xunlock(&k->shm_dict_lock);
		if (error != 0)
			goto out;
	}

	finit(fp, FFLAGS(flags & SHMSIM_O_ACCMODE), DTYPE_SHM, shmfd,
	    &shm_ops_2008);
	/* uipc_shm.c (2008): UF_EXCLOSE set after install (seed bug B3). */
	FILEDESC_XLOCK(fdp);
	if (fdp->fd_ofiles[fd].fde_file == fp)
		fdp->fd_ofiles[fd].fde_flags |= UF_EXCLOSE;
	FILEDESC_XUNLOCK(fdp);
	td->td_retval[0] = fd;
	fdrop(fp, td);
	shm_path_free(k, path);
	return (0);
out:
	fdclose(td, fp, fd);
	fdrop(fp, td);
	shm_path_free(k, path);
	return (error);
}

/*
 * uipc_shm.c: kern_shm_unlink() -- path copy-in (EFAULT, ENAMETOOLONG,
 * EINVAL; the 2008 kernel had no '/' check, so "foo" was ENOENT), then
 * shm_remove() under the dictionary lock (ENOENT, EACCES).
 */
int
kern_shm_unlink(struct thread *td, const char *userpath)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	char path[MAXPATHLEN];
	Fnv32_t fnv;
	int error;

	if (K_PROFILE_2008(k))
		error = shm_copyin_buf(k, userpath, "", 0, path);
	else
		error = shm_copyin_path_buf(td, userpath, path);
	if (error != 0)
		return (error);
	fnv = fnv_32_str(path, FNV1_32_INIT);
	sx_xlock(&k->shm_dict_lock);
	error = shm_remove(k, path, fnv, td->td_ucred);
	sx_xunlock(&k->shm_dict_lock);
	return (error);
}

/* uipc_shm.c: shm_close() -- the file's shm reference goes. */
static int
shm_close(struct file *fp, struct thread *td)
{
	struct shmfd *shmfd = fp->f_data;

	(void)td;
	fp->f_data = NULL;
	shm_drop(shmfd);
	return (0);
}

/*
 * uipc_shm.c: shm_partial_page_invalidate() -- zero [base, end) of page
 * idx if the page exists, resident or on swap (paging it in); never
 * allocate a page for a hole.  EIO on a pager error.  XXX(model): on EIO
 * the kernel unlocks the object here and its callers unlock it again
 * (docs/quirks.md); the model returns EIO with the lock still held once.
 */
int
shm_partial_page_invalidate(vm_object_t object, vm_pindex_t idx, int base,
    int end)
{
	struct vm_page *m;
	int error;

	VM_OBJECT_ASSERT_WLOCKED(object);
	KASSERT(object->type == OBJT_SWAP,
	    ("%s: large-page object %p", __func__, (void *)object));
	KASSERT(base >= 0 && base < end,
	    ("%s: base %d end %d", __func__, base, end));
	error = vm_page_grab_valid(object, idx, false, &m);
	if (error != 0)
		return (EIO);
	if (m != NULL) {
		memset(m->data + base, 0, (size_t)(end - base));
		m->dirty = true;
	}
	return (0);
}

/*
 * uipc_shm.c: shm_dotruncate_locked() -- change the size of a swap-backed
 * object under its range lock (held for writing by the caller) and its
 * object lock.  Same size: nothing, not even a timestamp.  Shrink: EPERM
 * (F_SEAL_SHRINK), EBUSY (kernel mappings), zero the tail of the new last
 * page (EIO), free the pages past the end and release their swap charge.
 * Grow: EPERM (F_SEAL_GROW), reserve swap for the new pages against the
 * object's creator (ENOMEM); no page is allocated.
 */
int
shm_dotruncate_locked(struct shmfd *shmfd, int64_t length)
{
	struct shmsim_kernel *k = shmfd->shm_kernel;
	vm_object_t object = shmfd->shm_object;
	vm_pindex_t nobjsize;
	uint64_t delta;
	int base, error;

	VM_OBJECT_ASSERT_WLOCKED(object);
	/* Swap-backed only: shm_dotruncate_cookie() sends large pages on. */
	KASSERT(object->type == OBJT_SWAP,
	    ("%s: large-page object %p (shm_dotruncate_largepage's)", __func__,
		(void *)object));
	if (length == shmfd->shm_size)
		return (0);
	nobjsize = howmany_k(k, length);

	if (length < shmfd->shm_size) {
		if ((shmfd->shm_seals & F_SEAL_SHRINK) != 0)
			return (EPERM);
		if (shmfd->shm_kmappings > 0)
			return (EBUSY);
		base = (int)((uint64_t)length & PAGE_MASK_K(k));
		if (base != 0) {
			error = shm_partial_page_invalidate(object,
			    OFF_TO_IDX_K(k, length), base, (int)PAGE_SIZE_K(k));
			if (error != 0)
				return (error);
		}
		delta = ptoa_k(k, object->size - nobjsize);
		if (nobjsize < object->size)
			vm_object_page_remove(object, nobjsize, object->size);
		swap_release_by_cred(k, delta, object->cred);
		object->charge -= delta;
	} else {
		if ((shmfd->shm_seals & F_SEAL_GROW) != 0)
			return (EPERM);
		delta = ptoa_k(k, nobjsize - object->size);
		if (delta != 0) {
			if (swap_reserve_by_cred(k, delta, object->cred) != 0)
				return (ENOMEM);
			object->charge += delta;
		}
	}
	shmfd->shm_size = length;
	mtx_lock(&k->shm_timestamp_lock);
	vfs_timestamp(k, &shmfd->shm_ctime);
	shmfd->shm_mtime = shmfd->shm_ctime;
	mtx_unlock(&k->shm_timestamp_lock);
	object->size = nobjsize;
	return (0);
}

/*
 * uipc_shm.c: shm_dotruncate_cookie() -- the large-page or the swap
 * truncate under the object lock, which it takes and drops itself; the
 * caller holds the range lock (write).  XXX(model): no range-lock cookie
 * argument (the model's truncates do not hand it on).
 */
int
shm_dotruncate_cookie(struct shmfd *shmfd, int64_t length)
{
	int error;

	VM_OBJECT_WLOCK(shmfd->shm_object);
	error = shm_largepage(shmfd) ? shm_dotruncate_largepage(shmfd, length) :
				       shm_dotruncate_locked(shmfd, length);
	VM_OBJECT_WUNLOCK(shmfd->shm_object);
	return (error);
}

/*
 * uipc_shm.c (2008): shm_dotruncate() -- the original.  No seals, no
 * swap reservation (growth cannot fail), and on shrink the tail of the
 * new last page is zeroed only if that page is resident: a page that
 * was swapped out keeps its stale bytes ("XXXJHB: This handles in memory
 * pages, but what about a page swapped out to disk?"), which a later
 * grow makes visible again (seed bug B1).
 */
int
shm_dotruncate_2008(struct shmfd *shmfd, int64_t length)
{
	struct shmsim_kernel *k = shmfd->shm_kernel;
	vm_object_t object = shmfd->shm_object;
	vm_pindex_t nobjsize;
	struct vm_page *m;
	uint64_t base;

	VM_OBJECT_WLOCK(object);
	if (length == shmfd->shm_size) {
		VM_OBJECT_WUNLOCK(object);
		return (0);
	}
	nobjsize = howmany_k(k, length);
	if (length < shmfd->shm_size) {
		if (nobjsize < object->size)
			vm_object_page_remove(object, nobjsize, object->size);
		base = (uint64_t)length & PAGE_MASK_K(k);
		if (base != 0 &&
		    (m = vm_page_lookup(object, OFF_TO_IDX_K(k, length))) !=
			NULL)
			memset(m->data + base, 0, PAGE_SIZE_K(k) - base);
	}
	shmfd->shm_size = length;
	mtx_lock(&k->shm_timestamp_lock);
	vfs_timestamp(k, &shmfd->shm_ctime);
	shmfd->shm_mtime = shmfd->shm_ctime;
	mtx_unlock(&k->shm_timestamp_lock);
	object->size = nobjsize;
	VM_OBJECT_WUNLOCK(object);
	return (0);
}

/*
 * uipc_shm.c: shm_dotruncate() -- take the range lock over the whole
 * object for writing, then the object lock (today's kernel); the 2008
 * kernel had only the object lock.
 */
int
shm_dotruncate(struct shmfd *shmfd, int64_t length)
{
	struct rl_q_entry rl_cookie;
	int error;

	if (K_PROFILE_2008(shmfd->shm_kernel))
		return (shm_dotruncate_2008(shmfd, length));
	rangelock_wlock(&shmfd->shm_rl, &rl_cookie, 0, OFF_MAX);
	error = shm_dotruncate_cookie(shmfd, length);
	rangelock_unlock(&shmfd->shm_rl, &rl_cookie);
	return (error);
}

/* uipc_shm.c: shm_truncate() -- fo_truncate (no MAC in the model). */
static int
shm_truncate(struct file *fp, int64_t length, struct ucred *active_cred,
    struct thread *td)
{
	(void)active_cred;
	(void)td;
	return (shm_dotruncate(fp->f_data, length));
}

/* A kernel time stamp as the public struct stat carries it. */
static struct shmsim_timespec
stat_time(struct timespec ts)
{
	struct shmsim_timespec out;

	out.tv_sec = (int64_t)ts.tv_sec;
	out.tv_nsec = ts.tv_nsec;
	return (out);
}

/*
 * uipc_shm.c: shm_stat().  Today: st_dev shared by all objects, st_ino
 * unique, st_nlink the VM object's reference count, st_blocks the pages
 * resident or on swap, times under shm_timestamp_lock.  2008: st_dev,
 * st_ino and st_nlink 0, st_blocks the page-rounded size in pages, times
 * read without the lock (the model takes it: see below).
 */
static int
shm_stat(struct file *fp, struct shmsim_stat *sb, struct ucred *active_cred)
{
	struct shmfd *shmfd = fp->f_data;
	struct shmsim_kernel *k = shmfd->shm_kernel;
	bool old = K_PROFILE_2008(k);

	(void)active_cred;
	memset(sb, 0, sizeof(*sb));
	sb->st_blksize = (int32_t)PAGE_SIZE_K(k);
	/* XXX(model): shm_size is read under the object lock (TSan). */
	VM_OBJECT_RLOCK(shmfd->shm_object);
	sb->st_size = shmfd->shm_size;
	if (old)
		sb->st_blocks = (int64_t)howmany_k(k, sb->st_size);
	else if (shm_largepage(shmfd))
		sb->st_blocks = (int64_t)(shmfd->shm_object->size /
		    (k->k_cfg.page_sizes[shmfd->shm_lp_psind] >>
			PAGE_SHIFT_K(k)));
	else
		sb->st_blocks = (int64_t)shm_pages(shmfd);
	VM_OBJECT_RUNLOCK(shmfd->shm_object);
	/*
	 * XXX(model): the 2008 kernel read the times without
	 * shm_timestamp_lock (D38); the model takes it in both profiles, as
	 * for shm_size above, so that ThreadSanitizer stays quiet.  The
	 * values are the same; only a torn read is lost.
	 */
	mtx_lock(&k->shm_timestamp_lock);
	sb->st_atim = stat_time(shmfd->shm_atime);
	sb->st_ctim = stat_time(shmfd->shm_ctime);
	sb->st_mtim = stat_time(shmfd->shm_mtime);
	sb->st_birthtim = stat_time(shmfd->shm_birthtime);
	sb->st_mode = SHMSIM_S_IFREG | shmfd->shm_mode;
	sb->st_uid = shmfd->shm_uid;
	sb->st_gid = shmfd->shm_gid;
	mtx_unlock(&k->shm_timestamp_lock);
	if (old)
		return (0);
	sb->st_dev = k->shm_dev_ino;
	sb->st_ino = shmfd->shm_ino;
	sb->st_nlink = refcount_load(&shmfd->shm_object->ref_count);
	return (0);
}

/*
 * uipc_shm.c: shm_ioctl() -- FIONBIO and FIOASYNC accepted (so that
 * F_SETFL works); the large-page configuration: ENOTTY on an ordinary
 * object; set: EINVAL for a change of an already set page size, a page
 * size index out of range or unsupported, or an unknown policy (the page
 * size can be set once, the policy at will); get; else ENOTTY.
 */
static int
shm_ioctl(struct file *fp, unsigned long com, void *data,
    struct ucred *active_cred, struct thread *td)
{
	struct shmfd *shmfd;
	struct shmsim_kernel *k;
	struct shm_largepage_conf *conf;
	struct rl_q_entry rl_cookie;

	(void)active_cred, (void)td;
	shmfd = fp->f_data;
	k = shmfd->shm_kernel;
	switch (com) {
	case FIONBIO:
	case FIOASYNC:
		return (0);
	case FIOSSHMLPGCNF:
		if (!shm_largepage(shmfd))
			return (ENOTTY);
		conf = data;
		if (__atomic_load_n(&shmfd->shm_lp_psind, __ATOMIC_RELAXED) !=
			0 &&
		    conf->psind != shmfd->shm_lp_psind)
			return (EINVAL);
		if (conf->psind <= 0 || conf->psind >= SHMSIM_MAXPAGESIZES ||
		    k->k_cfg.page_sizes[conf->psind] == 0)
			return (EINVAL);
		if (conf->alloc_policy != SHM_LARGEPAGE_ALLOC_DEFAULT &&
		    conf->alloc_policy != SHM_LARGEPAGE_ALLOC_NOWAIT &&
		    conf->alloc_policy != SHM_LARGEPAGE_ALLOC_HARD)
			return (EINVAL);
		rangelock_wlock(&shmfd->shm_rl, &rl_cookie, 0, OFF_MAX);
		__atomic_store_n(&shmfd->shm_lp_psind, conf->psind,
		    __ATOMIC_RELAXED);
		shmfd->shm_lp_alloc_policy = conf->alloc_policy;
		/* XXX(model): data_val is the object's psind, locked. */
		VM_OBJECT_WLOCK(shmfd->shm_object);
		shmfd->shm_object->psind = conf->psind;
		VM_OBJECT_WUNLOCK(shmfd->shm_object);
		rangelock_unlock(&shmfd->shm_rl, &rl_cookie);
		return (0);
	case FIOGSHMLPGCNF:
		if (!shm_largepage(shmfd))
			return (ENOTTY);
		conf = data;
		rangelock_rlock(&shmfd->shm_rl, &rl_cookie, 0, OFF_MAX);
		conf->psind = shmfd->shm_lp_psind;
		conf->alloc_policy = shmfd->shm_lp_alloc_policy;
		rangelock_unlock(&shmfd->shm_rl, &rl_cookie);
		return (0);
	default:
		return (ENOTTY);
	}
}

/* uipc_shm.c (2008): shm_ioctl() -- EOPNOTSUPP for everything. */
static int
shm_ioctl_2008(struct file *fp, unsigned long com, void *data,
    struct ucred *active_cred, struct thread *td)
{
	(void)fp, (void)com, (void)data, (void)active_cred, (void)td;
	return (EOPNOTSUPP);
}

/* uipc_shm.c (2008): shm_read(), shm_write() -- EOPNOTSUPP. */
static int
shm_rdwr_2008(struct file *fp, struct uio *uio, struct ucred *active_cred,
    int flags, struct thread *td)
{
	(void)fp, (void)uio, (void)active_cred, (void)flags, (void)td;
	return (EOPNOTSUPP);
}

/*
 * uipc_shm.c: shm_add_seals() -- EPERM once F_SEAL_SEAL is set (even to
 * add nothing); EBUSY for F_SEAL_WRITE while writable shared mappings
 * exist.  Unknown bits are stored; read-only descriptors may seal.
 */
static int
shm_add_seals(struct file *fp, int seals)
{
	struct shmfd *shmfd = fp->f_data;
	struct rl_q_entry rl_cookie;
	int error = 0, nseals;

	rangelock_wlock(&shmfd->shm_rl, &rl_cookie, 0, OFF_MAX);
	if ((shmfd->shm_seals & F_SEAL_SEAL) != 0) {
		error = EPERM;
		goto out;
	}
	nseals = seals & ~shmfd->shm_seals;
	if ((nseals & F_SEAL_WRITE) != 0) {
		if (shm_largepage(shmfd)) {
			error = ENOTSUP;
			goto out;
		}
		VM_OBJECT_RLOCK(shmfd->shm_object);
		if (shmfd->shm_object->writemappings > 0)
			error = EBUSY;
		VM_OBJECT_RUNLOCK(shmfd->shm_object);
		if (error != 0)
			goto out;
	}
	__atomic_fetch_or(&shmfd->shm_seals, nseals, __ATOMIC_RELAXED);
out:
	rangelock_unlock(&shmfd->shm_rl, &rl_cookie);
	return (error);
}

/* uipc_shm.c: shm_get_seals() */
static int
shm_get_seals(struct file *fp, int *seals)
{
	struct shmfd *shmfd = fp->f_data;

	/* Read without a lock, as the kernel does. */
	*seals = __atomic_load_n(&shmfd->shm_seals, __ATOMIC_RELAXED);
	return (0);
}

/*
 * XXX(model): the bucket array of a dictionary of 128 to SHM_DICT_LAZY
 * buckets (1,024, shm_init()'s default, included) is allocated on the
 * first insert, not at boot: until then shm_dictionary points to
 * shm_dict_empty, a read-only array of empty buckets, so that every
 * reader (lookups, the auditor, the dump, shm_remove_all()) sees the
 * same empty dictionary of shm_hash + 1 buckets as before, and a kernel
 * that never names an object (a kernel created and destroyed, a fuzz
 * input or a test that names nothing) neither allocates nor zeroes
 * 8 KiB.  The malloc statistics still count
 * the array under M_SHMFD from boot to destruction, as hashinit()'s
 * malloc() does in the kernel (kern_malloc.c: malloc_type_allocated()),
 * so vmstat -m, the dump and the leak check read the same.  The host
 * block has no redzone: the mask keeps every index inside it.  Other
 * dictionaries are allocated at boot with malloc(9), as before: larger
 * ones, and those of at most 64 buckets (512 bytes), which come from a
 * malloc zone (kern_malloc.c: kmemzones) whose statistics they are part
 * of.  (Defined here, at the end, so that the source lines the explorer
 * prints for this file stay where the documentation shows them.)
 */
#define SHM_DICT_LAZY 1024
static const struct shm_dict_bucket shm_dict_empty[SHM_DICT_LAZY];

static inline bool
shm_dict_lazy(const struct shmsim_kernel *k)
{
	return (k->shm_hash >= 127 && k->shm_hash < SHM_DICT_LAZY);
}

static void
shm_dict_alloc_boot(struct shmsim_kernel *k)
{
	size_t size = (k->shm_hash + 1) * sizeof(k->shm_dictionary[0]);
	unsigned long i;

	if (shm_dict_lazy(k)) {
		/* Never written: shm_dict_wbucket() replaces it first. */
		k->shm_dictionary =
		    (struct shm_dict_bucket *)(uintptr_t)shm_dict_empty;
		malloc_type_allocated(k, M_SHMFD, size);
		return;
	}
	k->shm_dictionary = malloc_k(k, size, M_SHMFD, M_WAITOK);
	for (i = 0; i <= k->shm_hash; i++)
		LIST_INIT(&k->shm_dictionary[i]);
}

/*
 * The bucket of fnv, for an insert (the dictionary's exclusive lock
 * held, as for every write of the buckets): a lazy dictionary's array is
 * allocated, its buckets empty, before the first; it was counted at boot.
 */
static struct shm_dict_bucket *
shm_dict_wbucket(struct shmsim_kernel *k, Fnv32_t fnv)
{
	unsigned long i;

	sx_assert_xlocked(&k->shm_dict_lock);
	if (__predict_false(k->shm_dictionary == shm_dict_empty)) {
		k->shm_dictionary = shmsim_malloc(
		    (k->shm_hash + 1) * sizeof(k->shm_dictionary[0]));
		for (i = 0; i <= k->shm_hash; i++)
			LIST_INIT(&k->shm_dictionary[i]);
	}
	return (SHM_HASH(k, fnv));
}

static void
shm_dict_free(struct shmsim_kernel *k)
{
	if (!shm_dict_lazy(k)) {
		free_k(k, k->shm_dictionary, M_SHMFD);
		return;
	}
	if (k->shm_dictionary != shm_dict_empty)
		free(k->shm_dictionary);
	malloc_type_freed(k, M_SHMFD,
	    (k->shm_hash + 1) * sizeof(k->shm_dictionary[0]));
}
