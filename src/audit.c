/*
 * The auditor (model-only): recompute every reference count from the
 * references that exist and compare; check the dictionary, sizes,
 * charges, page and swap accounting.  It never changes state.
 *
 * Invariants checked (numbers from freebsd-shm-semantics.md section 3):
 *  1  shm_refs == files whose f_data is the shmfd + 1 if named
 *  2  a shmfd is alive iff something refers to it; it owns its object ref
 *  3  object ref_count == 1 (its shmfd, while alive) + map entries
 *     referencing it + shadow objects backed by it; an object nothing
 *     references is a leak
 *  8  writemappings == the sizes of the write-counted entries mapping it
 *  4  dictionary: bucket, stored hash, unique paths, back-pointers,
 *     leading '/', length < MAXPATHLEN, at most one name per shmfd
 *  5  object size == howmany(shm_size, PAGE_SIZE); charge == size pages
 *     (profile current; 0 in 2008); 0 <= shm_pages <= size
 * 10  mtime == ctime, birthtime <= ctime
 * 11  mode within 0777; inode numbers unique, below the next to be
 *     handed out (0 in profile 2008)
 * 12  f_flag access bits are FREAD or FREAD|FWRITE
 * 13  f_count == table slots + descriptors in flight
 * 14  table bookkeeping (fd_freefile free and, unless fdcopy() left it
 *     above a free slot as the kernel may, the lowest free; fd_lastfile,
 *     fd_nused), nothing written past the table (its malloc redzone,
 *     under INVARIANTS)
 * plus: resident and swapped page counts per object and kernel-wide,
 * swap slots, per-uid swap charges, and the global counters; address
 * spaces (entries sorted, disjoint, page-aligned, protection within the
 * maximum, write counts only on shared entries of swap objects, sizes);
 * shadow chains (each backing object lists exactly its shadows, shadows
 * are anonymous and younger than what they shadow, anonymous objects
 * have no shmfd and shm objects no backing object).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "kern/sched.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"
#include "vm_map.h"

/* A small open-addressing map from pointer to counts. */
struct audit_ent {
	const void *key;
	int slots;	/* files: table slots; shmfds: files referring */
	int inflight;	/* files: in flight;  shmfds: names */
	bool seen;	/* shmfds: found through their object */
	uint64_t bytes; /* objects: bytes of write-counted entries */
};

/*
 * The first AUDIT_SMALL slots live on the auditor's stack (small, given
 * at init): the auditor runs after every call of fuzz_syscalls, and a
 * small kernel then costs no allocation (malloc is what costs most under
 * ASan).  They are zeroed only as the map grows into them (8, 16, then
 * 32 slots), so that an audit of a small kernel neither clears nor
 * scans slots it does not use.
 */
#define AUDIT_SMALL 32

struct audit_map {
	struct audit_ent *ents; /* NULL until the first key */
	size_t cap, n;
	struct audit_ent *small; /* AUDIT_SMALL slots, not zeroed */
};

/*
 * The auditor's locks (audit_kernel()).  Taken as the kernel's code takes
 * them; or, when nothing else can be inside the kernel (a.nolock), not
 * taken: each lock the auditor would take must then be free, and one
 * that is held is reported (a call returned with it held).
 */
#define A_LOCK(a, lo, take)                         \
	do {                                        \
		if ((a)->nolock)                    \
			audit_lock_free((a), (lo)); \
		else                                \
			take;                       \
	} while (0)
#define A_UNLOCK(a, drop)         \
	do {                      \
		if (!(a)->nolock) \
			drop;     \
	} while (0)

static void
audit_map_init(struct audit_map *m, struct audit_ent *small)
{
	m->ents = NULL;
	m->cap = 0;
	m->n = 0;
	m->small = small;
}

/*
 * Only a map that grew past its small slots has heap to give back: under
 * ASan even free(NULL) records a stack trace, and the auditor runs after
 * every call of fuzz_syscalls.
 */
static void
audit_map_free(struct audit_map *m)
{
	if (m->ents != NULL && m->ents != m->small)
		free(m->ents);
}

static size_t
ptr_hash(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return ((size_t)x & (cap - 1));
}

static struct audit_ent *
audit_map_get(struct audit_map *m, const void *key)
{
	struct audit_ent *old, tmp[AUDIT_SMALL / 2];
	size_t i, ocap;

	if ((m->n + 1) * 2 > m->cap) {
		old = m->ents;
		ocap = m->cap;
		if (ocap < AUDIT_SMALL) {
			/* Grow inside small: rehash from a copy. */
			if (ocap > 0)
				memcpy(tmp, old, ocap * sizeof(*old));
			old = tmp;
			m->cap = ocap == 0 ? AUDIT_SMALL / 4 : ocap * 2;
			m->ents = m->small;
			memset(m->ents, 0, m->cap * sizeof(*m->ents));
		} else {
			m->cap = ocap * 2;
			m->ents = shmsim_calloc(m->cap, sizeof(*m->ents));
		}
		m->n = 0;
		for (i = 0; i < ocap; i++)
			if (old[i].key != NULL) {
				*audit_map_get(m, old[i].key) = old[i];
			}
		if (old != m->small && old != tmp)
			free(old);
	}
	for (i = ptr_hash(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->ents[i].key == key)
			return (&m->ents[i]);
		if (m->ents[i].key == NULL) {
			m->ents[i].key = key;
			m->n++;
			return (&m->ents[i]);
		}
	}
}

static struct audit_ent *
audit_map_find(const struct audit_map *m, const void *key)
{
	size_t i;

	if (m->cap == 0)
		return (NULL);
	for (i = ptr_hash(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->ents[i].key == key)
			return (&m->ents[i]);
		if (m->ents[i].key == NULL)
			return (NULL);
	}
}

struct audit {
	struct shmsim_kernel *k;
	struct shmsim_report *r;
	struct audit_map files;
	struct audit_map shmfds;
	struct audit_map mapped;  /* objects: entries (slots), bytes */
	struct audit_map shadows; /* objects: shadows backed by it */
	uint64_t inflight;
	uint64_t largepages[SHMSIM_MAXPAGESIZES];
	struct audit_seals *seals; /* this audit's, for the next one */
	size_t nseals, capseals;
	bool nolock; /* read without locks (audit_kernel()) */
	/*
	 * The shortcut (audit_kernel_memo()): with shortcut set, the table
	 * of a process other than dirty's that memo remembers, and the
	 * dictionary unless dirty's names, are taken from memo instead of
	 * being scanned and checked again.
	 */
	struct audit_memo *memo;
	bool shortcut;
	struct audit_dirty dirty;
	/*
	 * The first slots of the seals and of the maps.  Last, and not
	 * cleared with the rest (each is written before it is read): 4 KiB
	 * of memset per audit was a quarter of the auditor's time under
	 * fuzz_syscalls, and an allocation per audit for the seals cost
	 * more than their check under ASan.
	 */
	struct audit_seals seals_small[AUDIT_SMALL];
	struct audit_ent small[4][AUDIT_SMALL];
};
_Static_assert(offsetof(struct audit, small) +
	    sizeof(((struct audit *)0)->small) ==
	sizeof(struct audit),
    "struct audit: small must be the last member");
_Static_assert(offsetof(struct audit, seals_small) +
	    sizeof(((struct audit *)0)->seals_small) ==
	offsetof(struct audit, small),
    "struct audit: seals_small must come right before small");

/* swp_pager_lookup() without its lock assertion (audit.nolock). */
static struct swblk *
audit_swblk(vm_object_t obj, vm_pindex_t pindex)
{
	struct swblk key;

	key.p = pindex;
	return (RB_FIND(swblk_tree, &obj->swtree, &key));
}

static void
audit_lock_free(struct audit *a, const struct lock_object *lo)
{
	if (atomic_load_explicit(&lo->lo_word, memory_order_relaxed) != 0)
		shmsim_report_add(a->r,
		    "lock \"%s\" (%s) is held, but no call is in progress",
		    lo->lo_name, lock_class_name(lo->lo_class));
}

static int
audit_seals_cmp(const void *x, const void *y)
{
	const struct audit_seals *a = x, *b = y;

	return (a->ino < b->ino ? -1 : a->ino > b->ino);
}

/*
 * Invariant 7, seals over time: against what the previous audit saw of
 * the same object, the seals only gained bits, and none changed once
 * F_SEAL_SEAL was set.  (Profile current: inode numbers are unique.)
 */
static void
audit_seal_history(struct audit *a, const struct shmfd *shmfd)
{
	struct shmsim_kernel *k = a->k;
	struct audit_seals key, *old;
	int seals = shmfd->shm_seals;

	if (K_PROFILE_2008(k))
		return;
	key.ino = shmfd->shm_ino;
	old = k->k_naudit_seals == 0 ?
	    NULL :
	    bsearch(&key, k->k_audit_seals, k->k_naudit_seals, sizeof(key),
		audit_seals_cmp);
	if (old != NULL && (seals & old->seals) != old->seals)
		shmsim_report_add(a->r,
		    "shmfd ino %ju: seals %#x lost bits of %#x seen before",
		    (uintmax_t)shmfd->shm_ino, (unsigned)seals,
		    (unsigned)old->seals);
	else if (old != NULL && (old->seals & F_SEAL_SEAL) != 0 &&
	    seals != old->seals)
		shmsim_report_add(a->r,
		    "shmfd ino %ju: seals changed from %#x to %#x after "
		    "F_SEAL_SEAL",
		    (uintmax_t)shmfd->shm_ino, (unsigned)old->seals,
		    (unsigned)seals);
	if (a->nseals == a->capseals) {
		if (a->capseals == 0) {
			/* Start in place (struct audit). */
			a->capseals = AUDIT_SMALL;
			a->seals = a->seals_small;
		} else if (a->seals == a->seals_small) {
			a->capseals *= 2;
			a->seals =
			    shmsim_malloc(a->capseals * sizeof(*a->seals));
			memcpy(a->seals, a->seals_small,
			    a->nseals * sizeof(*a->seals));
		} else {
			a->capseals *= 2;
			a->seals = shmsim_realloc(a->seals,
			    a->capseals * sizeof(*a->seals));
		}
	}
	a->seals[a->nseals].ino = shmfd->shm_ino;
	a->seals[a->nseals].seals = seals;
	a->nseals++;
}

/*
 * The auditor's sorts (by inode number): insertion sort for the small
 * arrays every audit of a small kernel has, qsort() past AUDIT_SMALL
 * elements.  Under ASan qsort() is intercepted, and glibc's calls
 * free(NULL) each time, which records a stack trace; the auditor sorts
 * twice per audit, after every call of fuzz_syscalls.
 */
static void
audit_sort_seals(struct audit_seals *v, size_t n)
{
	struct audit_seals x;
	size_t i, j;

	if (n > AUDIT_SMALL) {
		qsort(v, n, sizeof(*v), audit_seals_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1].ino > x.ino; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/*
 * Keep this audit's seals for the next one: copied into the kernel's
 * array, which is reallocated only when it is too small, so that an
 * audit of a kernel whose objects did not multiply allocates nothing.
 */
static void
audit_seals_keep(struct audit *a)
{
	struct shmsim_kernel *k = a->k;

	audit_sort_seals(a->seals, a->nseals);
	if (a->nseals > k->k_capaudit_seals) {
		free(k->k_audit_seals);
		k->k_capaudit_seals = a->nseals < 16 ? 16 : a->nseals;
		k->k_audit_seals = shmsim_malloc(
		    k->k_capaudit_seals * sizeof(*k->k_audit_seals));
	}
	if (a->nseals > 0)
		memcpy(k->k_audit_seals, a->seals,
		    a->nseals * sizeof(*a->seals));
	k->k_naudit_seals = a->nseals;
	if (a->seals != NULL && a->seals != a->seals_small)
		free(a->seals);
	a->seals = NULL;
}

/*
 * The memo keeps the table of the i-th process of allproc in entry i.
 * After every audit with the memo, entry i is empty or holds the table
 * the i-th process has then: an entry that does not fit is emptied or
 * rewritten by the scan, and the entries past the last process are
 * emptied (else a process that moved in allproc, by a fork or an exit,
 * could find an old entry of its own where it lands).  Entry i is p's
 * table as it is now if it was made from p (the same pointer and pid:
 * pids are never reused) from the same allocation of the same size.
 */
static struct audit_memo_proc *
audit_memo_find(struct audit *a, const struct proc *p, int i)
{
	struct audit_memo_proc *mp;

	if (i >= AUDIT_MEMO_PROCS || a->memo->p[i] != p)
		return (NULL);
	mp = &a->memo->procs[i];
	if (mp->pid != p->p_pid ||
	    mp->ofiles != (const void *)p->p_fd->fd_ofiles ||
	    mp->nfiles != p->p_fd->fd_nfiles)
		return (NULL);
	return (mp);
}

/*
 * One descriptor table: count its references, check its bookkeeping
 * (invariant 14) and its redzone, and remember its files in the memo's
 * entry memo_i (when not -1; it holds nothing until the scan is done).
 */
static void
audit_table(struct audit *a, struct proc *p, int memo_i)
{
	struct audit_memo_proc *mp =
	    memo_i >= 0 ? &a->memo->procs[memo_i] : NULL;
	struct filedesc *fdp = p->p_fd;
	const struct filedescent *ofiles;
	int fd, nfiles, nused, lastfile, firstfree;

	if (mp != NULL)
		a->memo->p[memo_i] = NULL;

	/*
	 * Every slot is looked at.  The table and its size are read
	 * once (they do not change under the lock), and the scan
	 * stops looking for the first free slot once it has one:
	 * this loop was the auditor's own largest cost.
	 */
	ofiles = fdp->fd_ofiles;
	nfiles = fdp->fd_nfiles;
	nused = 0;
	lastfile = -1;
	for (fd = 0; fd < nfiles && ofiles[fd].fde_file != NULL; fd++) {
		if (mp != NULL && nused < AUDIT_MEMO_FILES)
			mp->files[nused] = ofiles[fd].fde_file;
		nused++;
		lastfile = fd;
		audit_map_get(&a->files, ofiles[fd].fde_file)->slots++;
	}
	firstfree = fd;
	for (; fd < nfiles; fd++) {
		struct file *fp = ofiles[fd].fde_file;

		if (fp == NULL)
			continue;
		if (mp != NULL && nused < AUDIT_MEMO_FILES)
			mp->files[nused] = fp;
		nused++;
		lastfile = fd;
		audit_map_get(&a->files, fp)->slots++;
	}
	if (nused != fdp->fd_nused)
		shmsim_report_add(a->r,
		    "pid %d: fd_nused is %d, but %d slots are in use", p->p_pid,
		    fdp->fd_nused, nused);
	if (lastfile != fdp->fd_lastfile)
		shmsim_report_add(a->r,
		    "pid %d: fd_lastfile is %d, but the highest open "
		    "descriptor is %d",
		    p->p_pid, fdp->fd_lastfile, lastfile);
	/*
	 * fdcopy() may leave a child's fd_freefile above a free slot,
	 * as the kernel does (fd_freefile_gap); it is still free.
	 */
	if (fdp->fd_freefile > firstfree && !fdp->fd_freefile_gap)
		shmsim_report_add(a->r,
		    "pid %d: fd_freefile is %d, but descriptor %d is "
		    "free (the next open would not get the lowest)",
		    p->p_pid, fdp->fd_freefile, firstfree);
	if (fdp->fd_freefile < nfiles &&
	    ofiles[fdp->fd_freefile].fde_file != NULL)
		shmsim_report_add(a->r,
		    "pid %d: fd_freefile is %d, which is in use", p->p_pid,
		    fdp->fd_freefile);
	/* Nothing was written past the table (INVARIANTS). */
	if (malloc_redzone_check(a->k, ofiles) != 0)
		shmsim_report_add(a->r,
		    "pid %d: %d byte(s) written past the end of the "
		    "descriptor table (%d slots)",
		    p->p_pid, malloc_redzone_check(a->k, ofiles), nfiles);
	/* A table with more files than the memo holds is not kept. */
	if (mp != NULL && nused <= AUDIT_MEMO_FILES) {
		a->memo->p[memo_i] = p;
		mp->pid = p->p_pid;
		mp->ofiles = ofiles;
		mp->nfiles = nfiles;
		mp->nused = nused;
	}
}

/* Descriptor tables and in-flight queues: invariants 13, 14. */
static void
audit_procs(struct audit *a)
{
	struct shmsim_kernel *k = a->k;
	struct audit_memo_proc *mp;
	struct rights_entry *re;
	struct filedesc *fdp;
	struct proc *p;
	uint64_t nprocs = 0;
	int i, pos = 0, nrights;

	LIST_FOREACH(p, &k->allproc, p_list) {
		nprocs++;
		fdp = p->p_fd;
		A_LOCK(a, &fdp->fd_sx.lock_object, FILEDESC_SLOCK(fdp));
		mp = a->memo != NULL ? audit_memo_find(a, p, pos) : NULL;
		if (mp != NULL && a->shortcut && p != a->dirty.table) {
			/*
			 * The shortcut: the call changed no table but
			 * dirty's (fuzz/fuzz_syscalls.c says which calls
			 * may change which), and an audit since the table
			 * last changed checked it: only count its
			 * references.
			 */
			for (i = 0; i < mp->nused; i++)
				audit_map_get(&a->files, mp->files[i])->slots++;
		} else
			audit_table(a, p,
			    a->memo != NULL && pos < AUDIT_MEMO_PROCS ? pos :
									-1);
		pos++;
		A_UNLOCK(a, FILEDESC_SUNLOCK(fdp));

		nrights = 0;
		A_LOCK(a, &p->p_rights_mtx.lock_object,
		    mtx_lock(&p->p_rights_mtx));
		TAILQ_FOREACH(re, &p->p_rights, re_link) {
			nrights++;
			audit_map_get(&a->files, re->re_file)->inflight++;
		}
		if (nrights != p->p_nrights)
			shmsim_report_add(a->r,
			    "pid %d: %d descriptors queued, but p_nrights is %d",
			    p->p_pid, nrights, p->p_nrights);
		A_UNLOCK(a, mtx_unlock(&p->p_rights_mtx));
		a->inflight += (uint64_t)nrights;
	}
	if (nprocs != atomic_load(&k->k_nprocs))
		shmsim_report_add(a->r, "%ju processes exist, counter says %ju",
		    (uintmax_t)nprocs, (uintmax_t)atomic_load(&k->k_nprocs));
	/* Past the last process, nothing is remembered. */
	if (a->memo != NULL)
		for (i = pos; i < AUDIT_MEMO_PROCS; i++)
			a->memo->p[i] = NULL;
}

/* Open files: invariants 12, 13; collect shm references (1). */
static void
audit_files(struct audit *a)
{
	struct shmsim_kernel *k = a->k;
	const struct fileops *ops;
	size_t i;
	int nfiles = 0;

	ops = K_PROFILE_2008(k) ? &shm_ops_2008 : &shm_ops;
	for (i = 0; i < a->files.cap; i++) {
		struct audit_ent *e = &a->files.ents[i];
		const struct file *fp = e->key;
		unsigned int count, acc;

		if (fp == NULL)
			continue;
		nfiles++;
		count = atomic_load(&fp->f_count);
		if (count != (unsigned)(e->slots + e->inflight))
			shmsim_report_add(a->r,
			    "file %p: f_count is %u, but %d table slot(s) and "
			    "%d descriptor(s) in flight refer to it",
			    (const void *)fp, count, e->slots, e->inflight);
		/*
		 * A file whose open failed after another thread of the
		 * process had dup'ed its descriptor: fdclose() empties only
		 * the slot the open made, so the copies keep a never-set-up
		 * file (badfileops, no data, no access bits) until closed,
		 * in the kernel as here.  It refers to nothing.  (F_SETFL may
		 * still have left status flags on it in profile 2008.)
		 */
		if (fp->f_ops == &badfileops && fp->f_type == DTYPE_NONE &&
		    fp->f_data == NULL &&
		    (atomic_load(&fp->f_flag) & (FREAD | FWRITE)) == 0)
			continue;
		acc = atomic_load(&fp->f_flag) & (FREAD | FWRITE);
		if (acc != FREAD && acc != (FREAD | FWRITE))
			shmsim_report_add(a->r,
			    "file %p: access bits of f_flag are %#x, not FREAD "
			    "or FREAD|FWRITE",
			    (const void *)fp, acc);
		if (fp->f_type != DTYPE_SHM || fp->f_ops != ops ||
		    fp->f_data == NULL) {
			shmsim_report_add(a->r,
			    "file %p: installed but not a set-up shm file",
			    (const void *)fp);
			continue;
		}
		audit_map_get(&a->shmfds, fp->f_data)->slots++;
	}
	if (nfiles != atomic_load(&k->openfiles))
		shmsim_report_add(a->r,
		    "openfiles is %d, but %d files are reachable from tables "
		    "and in-flight queues",
		    atomic_load(&k->openfiles), nfiles);
	if (a->inflight != atomic_load(&k->k_inflight))
		shmsim_report_add(a->r,
		    "%ju descriptors are in flight, counter says %ju",
		    (uintmax_t)a->inflight,
		    (uintmax_t)atomic_load(&k->k_inflight));
}

/* Buckets the dictionary's scan tests at once (a power of two). */
#define AUDIT_BUCKET_RUN 32

/* Whether the AUDIT_BUCKET_RUN buckets from `b` on are all empty. */
static inline bool
audit_bucket_run_empty(const struct shm_dict_bucket *b)
{
	uintptr_t any = 0;
	int i;

	for (i = 0; i < AUDIT_BUCKET_RUN; i++)
		any |= (uintptr_t)LIST_FIRST(&b[i]);
	return (any == 0);
}

/* The dictionary: invariant 4; names count toward invariant 1. */
static void
audit_dictionary(struct audit *a)
{
	struct shmsim_kernel *k = a->k;
	struct shm_mapping *map, *other;
	struct shm_dict_bucket *dict = k->shm_dictionary;
	unsigned long b, mask = k->shm_hash;
	struct audit_memo *memo = a->memo;
	uint64_t nnames = 0;
	size_t len;
	int i, nreports = a->r->count;

	if (memo != NULL && memo->names_valid && a->shortcut &&
	    !a->dirty.names) {
		/*
		 * The shortcut: the call changed no name, and an audit
		 * since the names last changed checked them: only count
		 * each name's hold on its object.
		 */
		for (i = 0; i < memo->nnames; i++)
			audit_map_get(&a->shmfds, memo->names[i])->inflight++;
		nnames = (uint64_t)memo->nnames;
		goto count;
	}
	if (memo != NULL)
		memo->names_valid = false;
	for (b = 0; b <= mask; b++) {
		/*
		 * Every bucket is read; a run of empty ones is passed with
		 * one test (most of the 1,024 are empty, and this loop was a
		 * sixth of the explorer's time per schedule).
		 */
		if ((b & (AUDIT_BUCKET_RUN - 1)) == 0 &&
		    mask - b >= AUDIT_BUCKET_RUN - 1 &&
		    audit_bucket_run_empty(&dict[b])) {
			b += AUDIT_BUCKET_RUN - 1;
			continue;
		}
		LIST_FOREACH(map, &dict[b], sm_link) {
			nnames++;
			len = strlen(map->sm_path);
			if (fnv_32_str(map->sm_path, FNV1_32_INIT) !=
			    map->sm_fnv)
				shmsim_report_add(a->r,
				    "name \"%s\": stored hash %#x is not its "
				    "FNV-1 hash %#x",
				    map->sm_path, map->sm_fnv,
				    fnv_32_str(map->sm_path, FNV1_32_INIT));
			if ((map->sm_fnv & mask) != b)
				shmsim_report_add(a->r,
				    "name \"%s\": in bucket %lu, belongs in %lu",
				    map->sm_path, b,
				    (unsigned long)(map->sm_fnv & mask));
			if (map->sm_path[0] != '/' || len >= MAXPATHLEN)
				shmsim_report_add(a->r,
				    "name \"%.64s\": not a valid stored path",
				    map->sm_path);
			if (map->sm_shmfd->shm_path != map->sm_path)
				shmsim_report_add(a->r,
				    "name \"%s\": its shmfd's shm_path does not "
				    "point at the name",
				    map->sm_path);
			for (other = LIST_NEXT(map, sm_link); other != NULL;
			     other = LIST_NEXT(other, sm_link))
				if (strcmp(other->sm_path, map->sm_path) == 0)
					shmsim_report_add(a->r,
					    "name \"%s\" is in the dictionary "
					    "twice",
					    map->sm_path);
			if (++audit_map_get(&a->shmfds, map->sm_shmfd)
				  ->inflight > 1)
				shmsim_report_add(a->r,
				    "shmfd %p has more than one name (\"%s\")",
				    (void *)map->sm_shmfd, map->sm_path);
			if (memo != NULL && nnames <= AUDIT_MEMO_NAMES)
				memo->names[nnames - 1] = map->sm_shmfd;
		}
	}
	/* Remembered only when found right, and when it fits. */
	if (memo != NULL && a->r->count == nreports &&
	    nnames <= AUDIT_MEMO_NAMES) {
		memo->names_valid = true;
		memo->nnames = (int)nnames;
	}
count:
	if (nnames != atomic_load(&k->k_nnames))
		shmsim_report_add(a->r, "%ju names exist, counter says %ju",
		    (uintmax_t)nnames, (uintmax_t)atomic_load(&k->k_nnames));
}

/*
 * Invariant 6, large pages, for every OBJT_PHYS object however it is
 * reached (a descriptor, a name, a mapping after close, a descriptor in
 * flight): its large pages count toward vm.largepages until the object
 * dies (shm_largepage_phys_dtor); every one present and wired at its
 * place, nothing charged to swap.  With its shmfd still alive (shmfd not
 * NULL): the size is whole large pages, the page size set before any
 * growth and never write-sealed.
 */
static void
audit_largepage(struct audit *a, vm_object_t obj, const struct shmfd *shmfd)
{
	struct shmsim_kernel *k = a->k;
	uint64_t psize, npages = 0;
	uintmax_t ino = shmfd != NULL ? (uintmax_t)shmfd->shm_ino : 0;
	struct vm_page *m;
	int psind = shmfd != NULL ? shmfd->shm_lp_psind : obj->psind;

	a->largepages[obj->psind] += obj->resident_page_count;
	if (obj->charge != 0 || obj->swp_count != 0)
		shmsim_report_add(a->r,
		    "large-page object #%ju (shmfd ino %ju): charged "
		    "%ju bytes, %ju pages on swap",
		    (uintmax_t)obj->oid, ino, (uintmax_t)obj->charge,
		    (uintmax_t)obj->swp_count);
	if (shmfd != NULL) {
		if (obj->psind != shmfd->shm_lp_psind)
			shmsim_report_add(a->r,
			    "large-page shmfd ino %ju: object "
			    "psind %d, shmfd psind %d",
			    ino, obj->psind, shmfd->shm_lp_psind);
		if ((shmfd->shm_seals & F_SEAL_WRITE) != 0)
			shmsim_report_add(a->r,
			    "large-page shmfd ino %ju: "
			    "write-sealed",
			    ino);
		if (shmfd->shm_size != IDX_TO_OFF_K(k, obj->size))
			shmsim_report_add(a->r,
			    "large-page shmfd ino %ju: size %jd "
			    "is not whole pages",
			    ino, (intmax_t)shmfd->shm_size);
	}
	if (psind == 0) {
		if ((shmfd != NULL ? (uint64_t)shmfd->shm_size : obj->size) !=
		    0)
			shmsim_report_add(a->r,
			    "large-page object #%ju (shmfd ino %ju): "
			    "sized without a page size",
			    (uintmax_t)obj->oid, ino);
		return;
	}
	psize = k->k_cfg.page_sizes[psind];
	if (shmfd != NULL && ((uint64_t)shmfd->shm_size & (psize - 1)) != 0)
		shmsim_report_add(a->r,
		    "large-page shmfd ino %ju: size %jd "
		    "not a multiple of %ju",
		    ino, (intmax_t)shmfd->shm_size, (uintmax_t)psize);
	RB_FOREACH(m, vm_page_tree, &obj->rtree) {
		if (m->pindex != npages * (psize >> PAGE_SHIFT_K(k)))
			shmsim_report_add(a->r,
			    "large-page object #%ju (shmfd ino %ju): "
			    "page at index %ju out of place",
			    (uintmax_t)obj->oid, ino, (uintmax_t)m->pindex);
		npages++;
	}
	if (npages * (psize >> PAGE_SHIFT_K(k)) != obj->size)
		shmsim_report_add(a->r,
		    "large-page object #%ju (shmfd ino %ju): %ju large "
		    "pages for %ju base pages",
		    (uintmax_t)obj->oid, ino, (uintmax_t)npages,
		    (uintmax_t)obj->size);
}

/* The shmfd behind an object: invariants 1, 2, 5, 10, 11. */
static void
audit_shmfd(struct audit *a, vm_object_t obj, struct shmfd *shmfd)
{
	struct shmsim_kernel *k = a->k;
	struct audit_ent *e;
	unsigned int refs;
	int files = 0, names = 0;
	uint64_t pages;

	if (a->nolock && !TAILQ_EMPTY(&shmfd->shm_rl.rl_granted))
		shmsim_report_add(a->r,
		    "shmfd ino %ju: its range lock is held, but no call is in "
		    "progress",
		    (uintmax_t)shmfd->shm_ino);
	audit_seal_history(a, shmfd);
	e = audit_map_find(&a->shmfds, shmfd);
	if (e != NULL) {
		files = e->slots;
		names = e->inflight;
		e->seen = true;
	}
	refs = atomic_load(&shmfd->shm_refs);
	if (refs != (unsigned)(files + names))
		shmsim_report_add(a->r,
		    "shmfd ino %ju (%s): shm_refs is %u, but %d file(s) and "
		    "%d name(s) refer to it",
		    (uintmax_t)shmfd->shm_ino,
		    shmfd->shm_path != NULL ? shmfd->shm_path : "anonymous",
		    refs, files, names);
	if ((shmfd->shm_path != NULL) != (names == 1))
		shmsim_report_add(a->r,
		    "shmfd ino %ju: shm_path is %s but it has %d name(s)",
		    (uintmax_t)shmfd->shm_ino,
		    shmfd->shm_path != NULL ? "set" : "NULL", names);
	if (obj->size != howmany_k(k, shmfd->shm_size))
		shmsim_report_add(a->r,
		    "shmfd ino %ju: object size is %ju pages for shm_size %jd",
		    (uintmax_t)shmfd->shm_ino, (uintmax_t)obj->size,
		    (intmax_t)shmfd->shm_size);
	if ((shmfd->shm_seals & F_SEAL_WRITE) != 0 && obj->writemappings != 0)
		shmsim_report_add(a->r,
		    "shmfd ino %ju: write-sealed with %ju bytes of writable "
		    "shared mappings",
		    (uintmax_t)shmfd->shm_ino, (uintmax_t)obj->writemappings);
	pages = shm_pages(shmfd);
	if (pages > obj->size)
		shmsim_report_add(a->r,
		    "shmfd ino %ju: %ju pages allocated past its %ju-page size",
		    (uintmax_t)shmfd->shm_ino, (uintmax_t)pages,
		    (uintmax_t)obj->size);
	if ((shmfd->shm_mode & ~(mode_t)ACCESSPERMS) != 0)
		shmsim_report_add(a->r, "shmfd ino %ju: mode %#o beyond 0777",
		    (uintmax_t)shmfd->shm_ino, (unsigned)shmfd->shm_mode);
	if (K_PROFILE_2008(k) ?
		shmfd->shm_ino != 0 :
		(shmfd->shm_ino == 0 ||
		    shmfd->shm_ino >= atomic_load(&k->shm_ino_unr)))
		shmsim_report_add(a->r, "shmfd: bad inode number %ju",
		    (uintmax_t)shmfd->shm_ino);
	A_LOCK(a, &k->shm_timestamp_lock.lock_object,
	    mtx_lock(&k->shm_timestamp_lock));
	if (shmfd->shm_mtime.tv_sec != shmfd->shm_ctime.tv_sec ||
	    shmfd->shm_mtime.tv_nsec != shmfd->shm_ctime.tv_nsec ||
	    shmfd->shm_birthtime.tv_sec > shmfd->shm_ctime.tv_sec ||
	    (shmfd->shm_birthtime.tv_sec == shmfd->shm_ctime.tv_sec &&
		shmfd->shm_birthtime.tv_nsec > shmfd->shm_ctime.tv_nsec))
		shmsim_report_add(a->r,
		    "shmfd ino %ju: timestamps out of order",
		    (uintmax_t)shmfd->shm_ino);
	A_UNLOCK(a, mtx_unlock(&k->shm_timestamp_lock));
}

/*
 * Address spaces: each entry's object reference (invariant 3) and write
 * count (invariant 8), and the map's own bookkeeping.
 */
static void
audit_maps(struct audit *a)
{
	struct shmsim_kernel *k = a->k;
	struct audit_ent *e;
	vm_map_entry_t entry, prev;
	struct proc *p;
	vm_size_t size;
	vm_map_t map;
	int n;

	LIST_FOREACH(p, &k->allproc, p_list) {
		map = &p->p_vmspace->vm_map;
		A_LOCK(a, &map->lock.lock_object, vm_map_lock_read(map));
		prev = NULL;
		n = 0;
		size = 0;
		TAILQ_FOREACH(entry, &map->entries, link) {
			n++;
			size += entry->end - entry->start;
			if (entry->start >= entry->end ||
			    ((entry->start | entry->end) & PAGE_MASK_K(k)) !=
				0 ||
			    entry->start < vm_map_min(map) ||
			    entry->end > vm_map_max(map) ||
			    (prev != NULL && prev->end > entry->start))
				shmsim_report_add(a->r,
				    "pid %d: map entry %#jx-%#jx out of place",
				    p->p_pid, (uintmax_t)entry->start,
				    (uintmax_t)entry->end);
			if ((entry->protection & ~entry->max_protection) != 0)
				shmsim_report_add(a->r,
				    "pid %d: map entry %#jx-%#jx: protection "
				    "%#x beyond its maximum %#x",
				    p->p_pid, (uintmax_t)entry->start,
				    (uintmax_t)entry->end, entry->protection,
				    entry->max_protection);
			if (entry->object == NULL) {
				shmsim_report_add(a->r,
				    "pid %d: map entry %#jx-%#jx has no object",
				    p->p_pid, (uintmax_t)entry->start,
				    (uintmax_t)entry->end);
				prev = entry;
				continue;
			}
			e = audit_map_get(&a->mapped, entry->object);
			e->slots++;
			if ((entry->eflags & MAP_ENTRY_WRITECNT) != 0) {
				e->bytes += entry->end - entry->start;
				if ((entry->eflags & MAP_ENTRY_COW) != 0 ||
				    entry->inheritance != VM_INHERIT_SHARE ||
				    (vm_object_flags(entry->object) &
					OBJ_ANON) != 0 ||
				    entry->object->type != OBJT_SWAP)
					shmsim_report_add(a->r,
					    "pid %d: map entry %#jx-%#jx is "
					    "write-counted but not a shared "
					    "mapping of a swap object",
					    p->p_pid, (uintmax_t)entry->start,
					    (uintmax_t)entry->end);
			}
			if ((entry->eflags & MAP_ENTRY_NEEDS_COPY) != 0 &&
			    (entry->eflags & MAP_ENTRY_COW) == 0)
				shmsim_report_add(a->r,
				    "pid %d: map entry %#jx-%#jx needs a copy "
				    "but is not copy-on-write",
				    p->p_pid, (uintmax_t)entry->start,
				    (uintmax_t)entry->end);
			prev = entry;
		}
		if (n != map->nentries || size != map->size)
			shmsim_report_add(a->r,
			    "pid %d: %d map entries of %ju bytes, the map "
			    "says %d of %ju",
			    p->p_pid, n, (uintmax_t)size, map->nentries,
			    (uintmax_t)map->size);
		A_UNLOCK(a, vm_map_unlock_read(map));
	}
}

/*
 * Shadow chains: count each object's shadows, and check that the lists
 * the backing objects keep say the same.
 */
static void
audit_shadow_chains(struct audit *a)
{
	struct shmsim_kernel *k = a->k;
	vm_object_t obj, backing, sh;
	int n;

	A_LOCK(a, &k->vm_object_list_mtx.lock_object,
	    mtx_lock(&k->vm_object_list_mtx));
	TAILQ_FOREACH(obj, &k->vm_object_list, object_list) {
		A_LOCK(a, &obj->lock.lock_object, VM_OBJECT_RLOCK(obj));
		backing = obj->backing_object;
		if ((vm_object_flags(obj) & OBJ_ANON) != 0) {
			if (obj->swp_priv != NULL ||
			    (vm_object_flags(obj) & OBJ_POSIXSHM) != 0)
				shmsim_report_add(a->r,
				    "object #%ju: anonymous but a shm object",
				    (uintmax_t)obj->oid);
			if (obj->charge != 0)
				shmsim_report_add(a->r,
				    "object #%ju: anonymous but charged %ju",
				    (uintmax_t)obj->oid,
				    (uintmax_t)obj->charge);
		} else if (backing != NULL)
			shmsim_report_add(a->r,
			    "object #%ju: not anonymous but shadows object "
			    "#%ju",
			    (uintmax_t)obj->oid, (uintmax_t)backing->oid);
		if (backing != NULL) {
			audit_map_get(&a->shadows, backing)->slots++;
			if (backing->oid >= obj->oid)
				shmsim_report_add(a->r,
				    "object #%ju shadows the younger object "
				    "#%ju",
				    (uintmax_t)obj->oid,
				    (uintmax_t)backing->oid);
			if (((uint64_t)obj->backing_object_offset &
				PAGE_MASK_K(k)) != 0)
				shmsim_report_add(a->r,
				    "object #%ju: backing offset %jd not page "
				    "aligned",
				    (uintmax_t)obj->oid,
				    (intmax_t)obj->backing_object_offset);
		}
		n = 0;
		LIST_FOREACH(sh, &obj->shadow_head, shadow_list) {
			n++;
			if (sh->backing_object != obj)
				shmsim_report_add(a->r,
				    "object #%ju lists object #%ju as a shadow, "
				    "which shadows something else",
				    (uintmax_t)obj->oid, (uintmax_t)sh->oid);
		}
		if (n != obj->shadow_count)
			shmsim_report_add(a->r,
			    "object #%ju: %d shadows listed, shadow_count %d",
			    (uintmax_t)obj->oid, n, obj->shadow_count);
		A_UNLOCK(a, VM_OBJECT_RUNLOCK(obj));
	}
	A_UNLOCK(a, mtx_unlock(&k->vm_object_list_mtx));
}

/*
 * Invariants 3 and 8 for one object (locked): its references are its
 * shmfd's, the map entries' and its shadows'; its write count is that
 * of the write-counted entries; the shadows listed are the shadows
 * that exist.
 */
static void
audit_object_refs(struct audit *a, vm_object_t obj, struct shmfd *shmfd)
{
	struct audit_ent *me, *se;
	unsigned int expect, entries, shadows;
	uint64_t wbytes;

	me = audit_map_find(&a->mapped, obj);
	se = audit_map_find(&a->shadows, obj);
	entries = me != NULL ? (unsigned)me->slots : 0;
	wbytes = me != NULL ? me->bytes : 0;
	shadows = se != NULL ? (unsigned)se->slots : 0;
	expect = (shmfd != NULL ? 1 : 0) + entries + shadows;
	if (atomic_load(&obj->ref_count) != expect)
		shmsim_report_add(a->r,
		    "object #%ju: ref_count is %u, but %u reference(s) "
		    "exist (shmfd %s, %u map entr%s, %u shadow%s)%s",
		    (uintmax_t)obj->oid, atomic_load(&obj->ref_count), expect,
		    shmfd != NULL ? "alive" : "gone", entries,
		    entries == 1 ? "y" : "ies", shadows,
		    shadows == 1 ? "" : "s",
		    expect == 0 ? ": nothing refers to it (a leak)" : "");
	if (shadows != (unsigned)obj->shadow_count)
		shmsim_report_add(a->r,
		    "object #%ju: %u objects shadow it, shadow_count %d",
		    (uintmax_t)obj->oid, shadows, obj->shadow_count);
	if (obj->writemappings != wbytes)
		shmsim_report_add(a->r,
		    "object #%ju: writemappings is %ju, but write-counted "
		    "entries map %ju bytes",
		    (uintmax_t)obj->oid, (uintmax_t)obj->writemappings,
		    (uintmax_t)wbytes);
}

static int
ino_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* The same for inode numbers (audit_sort_seals()). */
static void
audit_sort_inos(uint64_t *v, size_t n)
{
	uint64_t x;
	size_t i, j;

	if (n > AUDIT_SMALL) {
		qsort(v, n, sizeof(*v), ino_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/*
 * Objects, pages and swap: invariants 2, 3 and the accounting; the
 * shmfds are reached through their objects' back-pointers.
 */
static void
audit_objects(struct audit *a)
{
	struct shmsim_kernel *k = a->k;
	struct swdev *sw = &k->k_swap;
	uint64_t nobj = 0, nshm = 0, resident = 0, swapped = 0, n, *inos;
	uint64_t inos_small[AUDIT_SMALL];
	uint64_t charge = 0, uidsum = 0;
	struct uidinfo *ui;
	struct vm_page *m;
	struct swblk *sb;
	vm_object_t obj;
	size_t i, ninos = 0, ninocap;
	bool noswap;

	ninocap = (size_t)atomic_load(&k->k_nobjects) + 1;
	inos = ninocap <= AUDIT_SMALL ? inos_small :
					shmsim_malloc(ninocap * sizeof(*inos));
	A_LOCK(a, &k->vm_object_list_mtx.lock_object,
	    mtx_lock(&k->vm_object_list_mtx));
	TAILQ_FOREACH(obj, &k->vm_object_list, object_list) {
		struct shmfd *shmfd;

		A_LOCK(a, &obj->lock.lock_object, VM_OBJECT_RLOCK(obj));
		nobj++;
		n = 0;
		/* (No swap lookup per page when nothing is on swap.) */
		noswap = RB_EMPTY(&obj->swtree);
		RB_FOREACH(m, vm_page_tree, &obj->rtree) {
			n++;
			if (m->pindex >= obj->size)
				shmsim_report_add(a->r,
				    "object #%ju: resident page %ju past its "
				    "%ju-page size",
				    (uintmax_t)obj->oid, (uintmax_t)m->pindex,
				    (uintmax_t)obj->size);
			if (!noswap && audit_swblk(obj, m->pindex) != NULL)
				shmsim_report_add(a->r,
				    "object #%ju: page %ju both resident and "
				    "on swap",
				    (uintmax_t)obj->oid, (uintmax_t)m->pindex);
		}
		if (n != obj->resident_page_count)
			shmsim_report_add(a->r,
			    "object #%ju: %ju resident pages, count says %ju",
			    (uintmax_t)obj->oid, (uintmax_t)n,
			    (uintmax_t)obj->resident_page_count);
		resident += n;
		n = 0;
		RB_FOREACH(sb, swblk_tree, &obj->swtree) {
			n++;
			if (sb->p >= obj->size)
				shmsim_report_add(a->r,
				    "object #%ju: swapped page %ju past its "
				    "%ju-page size",
				    (uintmax_t)obj->oid, (uintmax_t)sb->p,
				    (uintmax_t)obj->size);
			if (sb->slot >= sw->sw_hiwat ||
			    sw->sw_blocks[sb->slot] == NULL)
				shmsim_report_add(a->r,
				    "object #%ju: page %ju on empty swap slot "
				    "%ju",
				    (uintmax_t)obj->oid, (uintmax_t)sb->p,
				    (uintmax_t)sb->slot);
		}
		if (n != obj->swp_count)
			shmsim_report_add(a->r,
			    "object #%ju: %ju swapped pages, count says %ju",
			    (uintmax_t)obj->oid, (uintmax_t)n,
			    (uintmax_t)obj->swp_count);
		swapped += n;
		charge += obj->charge;

		shmfd = obj->swp_priv;
		audit_object_refs(a, obj, shmfd);
		/*
		 * The object's own invariants, whether its shmfd is alive or
		 * it is reached only through mappings or shadows.
		 */
		if (obj->type == OBJT_PHYS)
			audit_largepage(a, obj, shmfd);
		else if ((vm_object_flags(obj) & OBJ_POSIXSHM) != 0 &&
		    obj->charge !=
			(K_PROFILE_2008(k) ? 0 : ptoa_k(k, obj->size)))
			shmsim_report_add(a->r,
			    "shm object #%ju: object charge is %ju bytes for "
			    "%ju pages",
			    (uintmax_t)obj->oid, (uintmax_t)obj->charge,
			    (uintmax_t)obj->size);
		if (shmfd != NULL) {
			nshm++;
			if (shmfd->shm_object != obj)
				shmsim_report_add(a->r,
				    "object #%ju: its shmfd points elsewhere",
				    (uintmax_t)obj->oid);
			else
				audit_shmfd(a, obj, shmfd);
			/* (A wrong k_nobjects is reported below.) */
			if (ninos < ninocap)
				inos[ninos++] = shmfd->shm_ino;
		}
		A_UNLOCK(a, VM_OBJECT_RUNLOCK(obj));
	}
	A_UNLOCK(a, mtx_unlock(&k->vm_object_list_mtx));

	if (!K_PROFILE_2008(k)) {
		audit_sort_inos(inos, ninos);
		for (i = 1; i < ninos; i++)
			if (inos[i] == inos[i - 1])
				shmsim_report_add(a->r,
				    "inode number %ju used twice",
				    (uintmax_t)inos[i]);
	}
	if (inos != inos_small)
		free(inos);

	for (i = 0; i < a->shmfds.cap; i++) {
		struct audit_ent *e = &a->shmfds.ents[i];

		if (e->key != NULL && !e->seen)
			shmsim_report_add(a->r,
			    "shmfd %p is referred to by %d file(s) and %d "
			    "name(s) but has no live object",
			    e->key, e->slots, e->inflight);
	}
	for (i = 0; i < SHMSIM_MAXPAGESIZES; i++)
		if (a->largepages[i] != atomic_load(&k->count_largepages[i]))
			shmsim_report_add(a->r,
			    "%ju large pages of size index %zu exist, "
			    "vm.largepages says %ju",
			    (uintmax_t)a->largepages[i], i,
			    (uintmax_t)atomic_load(&k->count_largepages[i]));
	if (nobj != atomic_load(&k->k_nobjects))
		shmsim_report_add(a->r, "%ju objects exist, counter says %ju",
		    (uintmax_t)nobj, (uintmax_t)atomic_load(&k->k_nobjects));
	if (nshm != atomic_load(&k->k_nshm))
		shmsim_report_add(a->r, "%ju shmfds exist, counter says %ju",
		    (uintmax_t)nshm, (uintmax_t)atomic_load(&k->k_nshm));
	if (resident != atomic_load(&k->k_resident))
		shmsim_report_add(a->r,
		    "%ju pages are resident, counter says %ju",
		    (uintmax_t)resident,
		    (uintmax_t)atomic_load(&k->k_resident));

	A_LOCK(a, &sw->sw_mtx.lock_object, mtx_lock(&sw->sw_mtx));
	if (swapped != sw->sw_used)
		shmsim_report_add(a->r,
		    "%ju pages are on swap, the device has %ju slots in use",
		    (uintmax_t)swapped, (uintmax_t)sw->sw_used);
	if (sw->sw_used + sw->sw_nfree != sw->sw_hiwat)
		shmsim_report_add(a->r,
		    "swap slots: %ju used + %ju free != %ju",
		    (uintmax_t)sw->sw_used, (uintmax_t)sw->sw_nfree,
		    (uintmax_t)sw->sw_hiwat);
	if (charge != sw->sw_reserved)
		shmsim_report_add(a->r,
		    "objects are charged %ju bytes, swap has %ju reserved",
		    (uintmax_t)charge, (uintmax_t)sw->sw_reserved);
	LIST_FOREACH(ui, &sw->sw_uidinfo, ui_link)
		uidsum += ui->ui_vmsize;
	if (uidsum != sw->sw_reserved)
		shmsim_report_add(a->r,
		    "uids are charged %ju bytes, swap has %ju reserved",
		    (uintmax_t)uidsum, (uintmax_t)sw->sw_reserved);
	A_UNLOCK(a, mtx_unlock(&sw->sw_mtx));
}

/* Per-uid charges against the objects' credentials. */
static void
audit_uid_charges(struct audit *a)
{
	struct shmsim_kernel *k = a->k;
	struct uidinfo *ui;
	vm_object_t obj;
	uint64_t sum;

	A_LOCK(a, &k->vm_object_list_mtx.lock_object,
	    mtx_lock(&k->vm_object_list_mtx));
	A_LOCK(a, &k->k_swap.sw_mtx.lock_object, mtx_lock(&k->k_swap.sw_mtx));
	LIST_FOREACH(ui, &k->k_swap.sw_uidinfo, ui_link) {
		sum = 0;
		TAILQ_FOREACH(obj, &k->vm_object_list, object_list)
			if (obj->cred != NULL &&
			    obj->cred->cr_uid == ui->ui_uid)
				sum += obj->charge;
		if (sum != ui->ui_vmsize)
			shmsim_report_add(a->r,
			    "uid %u: charged %ju bytes, its objects hold %ju",
			    (unsigned)ui->ui_uid, (uintmax_t)ui->ui_vmsize,
			    (uintmax_t)sum);
	}
	A_UNLOCK(a, mtx_unlock(&k->k_swap.sw_mtx));
	A_UNLOCK(a, mtx_unlock(&k->vm_object_list_mtx));
}

/*
 * The audit, with the kernel's locks taken (locked) or not.  Without,
 * it reads the same fields in the same order and checks the same
 * invariants, and on top of them that every lock it would have taken,
 * and each object's range lock, is free.  It is exact only when nothing
 * else can run in the kernel meanwhile: see shmsim_audit().
 */
int
audit_kernel(struct shmsim_kernel *k, char *report, size_t len, bool locked)
{
	return (audit_kernel_memo(k, report, len, locked, NULL, false, NULL));
}

/*
 * The audit, remembering in memo (when not NULL) what it found in each
 * descriptor table and in the dictionary.  With shortcut set it is the
 * per-call shortcut of fuzz_syscalls: a table the memo remembers, of a
 * process other than dirty->table, and the dictionary unless
 * dirty->names, are counted from the memo instead of being scanned, and
 * their own checks are not made again.  That is exact when the call that
 * ran since the memo was made changed nothing else; fuzz_syscalls says
 * which calls may change what, and its replay (fuzz_replay/syscalls)
 * runs both audits after every call of every corpus and regress input
 * and fails unless they report the same, or unless what its rules call
 * unchanged changed.  The dictionary is remembered only when the audit
 * found it right.  Everything else is audited in full either way.
 */
static int
audit_run(struct audit *a, struct shmsim_kernel *k, char *report, size_t len,
    bool locked, struct audit_memo *memo, bool shortcut,
    const struct audit_dirty *dirty)
{
	struct shmsim_report r = { report, len, 0, 0 };

	if (report != NULL && len > 0)
		report[0] = '\0';
	memset(a, 0, offsetof(struct audit, seals_small));
	a->memo = memo;
	a->shortcut = shortcut;
	if (dirty != NULL)
		a->dirty = *dirty;
	a->nolock = !locked;
	audit_map_init(&a->files, a->small[0]);
	audit_map_init(&a->shmfds, a->small[1]);
	a->k = k;
	a->r = &r;
	audit_map_init(&a->mapped, a->small[2]);
	audit_map_init(&a->shadows, a->small[3]);
	A_LOCK(a, &k->allproc_lock.lock_object, sx_slock(&k->allproc_lock));
	audit_procs(a);
	audit_maps(a);
	A_UNLOCK(a, sx_sunlock(&k->allproc_lock));
	audit_shadow_chains(a);
	audit_files(a);
	A_LOCK(a, &k->shm_dict_lock.lock_object, sx_slock(&k->shm_dict_lock));
	audit_dictionary(a);
	audit_objects(a);
	A_UNLOCK(a, sx_sunlock(&k->shm_dict_lock));
	audit_seals_keep(a);
	audit_uid_charges(a);
	audit_map_free(&a->files);
	audit_map_free(&a->shmfds);
	audit_map_free(&a->mapped);
	audit_map_free(&a->shadows);
	return (r.count);
}

/* An audit without a memo: its 5 KiB of working state on the stack. */
static __attribute__((__noinline__)) int
audit_on_stack(struct shmsim_kernel *k, char *report, size_t len, bool locked)
{
	struct audit a;

	return (audit_run(&a, k, report, len, locked, NULL, false, NULL));
}

int
audit_kernel_memo(struct shmsim_kernel *k, char *report, size_t len,
    bool locked, struct audit_memo *memo, bool shortcut,
    const struct audit_dirty *dirty)
{
	if (memo == NULL)
		return (audit_on_stack(k, report, len, locked));
	/*
	 * With a memo, the working state is the memo's, kept from one
	 * audit to the next: on the stack, ASan poisoned and unpoisoned
	 * its shadow on every audit (1.6 % of fuzz_syscalls' run).
	 */
	if (memo->scratch == NULL)
		memo->scratch = shmsim_malloc(sizeof(struct audit));
	return (audit_run(memo->scratch, k, report, len, locked, memo, shortcut,
	    dirty));
}

void
audit_memo_release(struct audit_memo *memo)
{
	free(memo->scratch);
	memo->scratch = NULL;
}

/*
 * A kernel for one host thread (threads=single), audited from that host
 * thread outside any simulated thread of the explorer: no other thread
 * can be inside the kernel (the explorer's simulated threads run only
 * inside shmsim_explorer_par(), and all have finished when it returns),
 * so the auditor reads without locks.  With locks the audit of every
 * call cost about twice as much under INVARIANTS (WITNESS on each of
 * them); tests/test_audit_nolock.c checks over every fuzz input that
 * both report the same.
 */
int
shmsim_audit(struct shmsim_kernel *k, char *report, size_t len)
{
	kernel_enter(k);
	return (audit_kernel(k, report, len, !k->k_single || sched_explored()));
}

/* shmsim_audit() with the shortcut's memo (audit_kernel_memo()). */
int
shmsim_audit_memo(struct shmsim_kernel *k, char *report, size_t len,
    struct audit_memo *memo, bool shortcut, const struct audit_dirty *dirty)
{
	kernel_enter(k);
	return (audit_kernel_memo(k, report, len,
	    !k->k_single || sched_explored(), memo, shortcut, dirty));
}
