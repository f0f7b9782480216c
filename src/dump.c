/*
 * The state dump (model-only): every process, descriptor, open file,
 * descriptor in flight, shmfd, vm object, page list and dictionary name,
 * with every reference count, as stable text (docs/dump-format.md) or as
 * Graphviz source.
 *
 * The dump works in two steps.  First it takes a snapshot, walking the
 * structures under their locks in the auditor's order (allproc ->
 * filedesc, then the rights queues; the dictionary -> the object list ->
 * each object -> the timestamps; the swap device), and copying what it
 * will print; no host pointer is printed, they only serve as keys to
 * number things.  Then it prints the snapshot with no lock held, so a
 * slow or blocking stream never stalls the kernel.
 *
 * Numbering (it depends on the state only, not on the history that led
 * there, but for objects, which keep their creation order):
 *	processes	by pid;
 *	files		1.. in order of first appearance: processes by pid,
 *			each table by descriptor, then the in-flight queues
 *			(processes by pid, oldest first);
 *	shmfds		1.. in order of first appearance: files in number
 *			order, then names in byte order, then objects;
 *	objects		1.. in creation order (oid);
 *	names		1.. in byte order.
 * Map entries are listed under their process in address order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"
#include "vm_map.h"

#define DUMP_NONE SIZE_MAX
#define DUMP_RUNS_MAX 16 /* page list items shown before "..." */

/* A small open-addressing map from host pointer to index. */
struct dump_map_ent {
	const void *key;
	size_t val;
};

struct dump_map {
	struct dump_map_ent *ents; /* NULL until the first key */
	size_t cap, n;
	struct dump_map_ent *small; /* the first DUMP_SMALL_MAP slots */
};

/* A page list, summarized as at most DUMP_RUNS_MAX items. */
struct dump_pages {
	uint64_t count;		       /* pages in the list */
	int nitems;		       /* items kept */
	bool more;		       /* items past the kept ones */
	uint64_t first[DUMP_RUNS_MAX]; /* item: first .. last */
	uint64_t last[DUMP_RUNS_MAX];
	bool open;		/* a run is being built */
	uint64_t rfirst, rlast; /* the run */
};

struct dump_fd {
	int fd;
	bool cloexec;
	struct file *fp;
	size_t file;
};

/* One map entry, as copied under the map lock. */
struct dump_entry {
	uint64_t start, end;
	int64_t offset;
	int eflags;
	vm_prot_t prot, maxprot;
	vm_inherit_t inheritance;
	const void *objkey;
	size_t obj;
};

struct dump_proc {
	int pid;
	char comm[sizeof(((struct proc *)0)->p_comm)];
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[SHMSIM_NGROUPS];
	mode_t umask;
	char jail[64]; /* "" on the host */
	/*
	 * Each a slice of the dump's array of the same name, from index
	 * fd0, right0, entry0 (set once the arrays no longer move).
	 */
	struct dump_fd *fds;
	size_t fd0, nfds;
	struct file **rights; /* in flight to the process */
	size_t *rightfile;
	size_t right0, nrights;
	struct dump_entry *entries; /* the address space */
	size_t entry0, nentries;
};

enum dump_fstate {
	DUMP_F_SHM,	 /* a set-up shm file */
	DUMP_F_NOTSETUP, /* still on badfileops */
	DUMP_F_OTHER,	 /* set up, but refers to no shmfd */
};

struct dump_file {
	struct file *fp;
	unsigned int count;
	unsigned int flag;
	int64_t offset;
	enum dump_fstate state;
	const void *shmkey;
	size_t shm;
	uint64_t serial; /* f_serial: the dot node id */
};

/* What an object's shmfd looked like, read under the object lock. */
struct dump_shminfo {
	unsigned int refs;
	int64_t size;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	int seals;
	int flags;
	int kmappings;
	uint64_t ino;
	char *path;	/* NULL: not named */
	size_t pathoff; /* in the string pool; DUMP_NONE: not named */
};

struct dump_obj {
	uint64_t oid;
	unsigned int ref_count;
	uint64_t size;
	uint64_t charge;
	int flags;
	struct dump_pages res, swp;
	const void *shmkey; /* NULL: no shmfd */
	struct dump_shminfo si;
	size_t shm;
	const void *key;	/* the object itself */
	bool anon;		/* a shadow object (OBJ_ANON) */
	const void *backingkey; /* its backing object, or NULL */
	int64_t backing_offset;
	size_t backing; /* number of the backing object */
	uint64_t writemappings;
};

struct dump_shm {
	const void *key;
	size_t obj; /* DUMP_NONE: no live object found */
};

struct dump_name {
	char *path;
	size_t pathoff; /* in the string pool */
	unsigned long bucket;
	Fnv32_t fnv;
	const void *shmkey;
	size_t shm;
};

struct dump_uid {
	uid_t uid;
	uint64_t bytes;
};

struct dump {
	struct shmsim_kernel *k;
	/*
	 * Model-only: read without taking any lock (shmsim_dump_unlocked()).
	 * Only for the explorer, between two stretches of a par block: every
	 * simulated thread is then suspended at a scheduling point on the
	 * one host thread that calls the dump, and may hold locks the dump
	 * would otherwise wait for forever.  Nothing can change underneath.
	 */
	bool nolock;
	/*
	 * Each array X starts in place, in X0 (dump_run()'s stack), and
	 * moves to the heap only when it outgrows it (dump_grow()).
	 */
	struct dump_proc *procs, *procs0;
	size_t nprocs, capprocs;
	struct dump_fd *fds, *fds0; /* every table's, process by process */
	size_t nfds, capfds;
	struct file **rights, **rights0; /* every queue's, likewise */
	size_t nrights, caprights;
	size_t *rightfile, *rightfile0; /* the number of each of rights */
	size_t caprightfile;
	struct dump_entry *entries, *entries0; /* every map's, likewise */
	size_t nentries, capentries;
	struct dump_file *files, *files0;
	size_t nfiles, capfiles;
	struct dump_shm *shms, *shms0;
	size_t nshms, capshms;
	struct dump_obj *objs, *objs0;
	size_t nobjs, capobjs;
	struct dump_name *names, *names0;
	size_t nnames, capnames;
	struct dump_uid *uids, *uids0;
	size_t nuids, capuids;
	char *strs, *strs0; /* the paths, each NUL-terminated */
	size_t nstrs, capstrs;
	uint64_t sw_nslots, sw_used, sw_reserved;
	struct shmsim_counters c;
	uint64_t mt_inuse[M_NTYPES]; /* malloc(9) blocks in use, per type */
	struct dump_map filemap;
	struct dump_map shmmap;
	struct dump_map objmap;
};

/* ---------------------------------------------------------------- */
/* Helpers                                                          */
/* ---------------------------------------------------------------- */

/*
 * The snapshot's arrays start in place, each in its own array on
 * dump_run()'s stack (so that AddressSanitizer still puts a redzone
 * after each), sized for the states fuzz_syscalls dumps: it dumps every
 * ten calls or so, and the snapshot's host allocations (about eight per
 * dump, each a malloc and a free through ASan's allocator, quarantine
 * and stack unwinding) were a third of the fuzzer's host allocations
 * (docs/fuzzing.md, "Speed (issue 19)", sixth round).  A bigger state
 * moves an array to the heap.
 */
#define DUMP_SMALL_PROCS 8
#define DUMP_SMALL_FDS 16
#define DUMP_SMALL_RIGHTS 8
#define DUMP_SMALL_ENTRIES 16
#define DUMP_SMALL_FILES 8
#define DUMP_SMALL_SHMS 8
#define DUMP_SMALL_OBJS 8
#define DUMP_SMALL_NAMES 8
#define DUMP_SMALL_UIDS 4
#define DUMP_SMALL_STRS 512 /* bytes */
#define DUMP_SMALL_MAP 16   /* slots: up to 8 keys */

/*
 * arr (small, its in-place start, or the heap), with room for need
 * elements (*capp now); never fails.
 */
static void *
dump_grow(void *arr, size_t need, size_t *capp, size_t elsize, void *small)
{
	size_t ocap = *capp;
	void *p;

	if (need <= ocap)
		return (arr);
	while (*capp < need)
		*capp = *capp == 0 ? 8 : *capp * 2;
	if (arr != small || arr == NULL)
		return (shmsim_realloc(arr, *capp * elsize));
	p = shmsim_malloc(*capp * elsize);
	memcpy(p, arr, ocap * elsize);
	return (p);
}

/*
 * free() of what the snapshot allocated, skipping the arrays that never
 * left their place: under ASan even free(NULL) records a stack trace,
 * and fuzz_syscalls dumps often.
 */
static void
dump_xfree(void *p, const void *small)
{
	if (p != NULL && p != small)
		free(p);
}

/* Take or drop a lock unless the dump is the explorer's lock-free one. */
#define DUMP_LOCKED(d, op)        \
	do {                      \
		if (!(d)->nolock) \
			op;       \
	} while (0)

/* A new last element of d's array X (nX used of capX, in place in X0). */
#define DUMP_APPEND(d, x)                                        \
	((d)->x = dump_grow((d)->x, (d)->n##x + 1, &(d)->cap##x, \
	     sizeof(*(d)->x), (d)->x##0),                        \
	    &(d)->x[(d)->n##x++])

/*
 * A copy of s in the string pool, as an offset: the pool may move as it
 * grows, so pointers into it are made once it is complete
 * (dump_snap_shm()).
 */
static size_t
dump_strdup(struct dump *d, const char *s)
{
	size_t len = strlen(s) + 1, off = d->nstrs;

	d->strs =
	    dump_grow(d->strs, off + len, &d->capstrs, sizeof(char), d->strs0);
	memcpy(d->strs + off, s, len);
	d->nstrs += len;
	return (off);
}

static size_t
dump_hash(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return ((size_t)x & (cap - 1));
}

/* The index stored for key, or DUMP_NONE. */
static size_t
dump_map_find(const struct dump_map *m, const void *key)
{
	size_t i;

	if (m->cap == 0)
		return (DUMP_NONE);
	for (i = dump_hash(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->ents[i].key == key)
			return (m->ents[i].val);
		if (m->ents[i].key == NULL)
			return (DUMP_NONE);
	}
}

/* Store key -> val; key must not be in the map yet. */
static void
dump_map_put(struct dump_map *m, const void *key, size_t val)
{
	struct dump_map_ent *old;
	size_t i, ocap;

	if ((m->n + 1) * 2 > m->cap) {
		old = m->ents;
		ocap = m->cap;
		if (ocap == 0) {
			/* Start in place (m->small). */
			m->cap = DUMP_SMALL_MAP;
			m->ents = m->small;
			memset(m->ents, 0, m->cap * sizeof(*m->ents));
		} else {
			m->cap = ocap * 2;
			m->ents = shmsim_calloc(m->cap, sizeof(*m->ents));
		}
		m->n = 0;
		for (i = 0; i < ocap; i++)
			if (old[i].key != NULL)
				dump_map_put(m, old[i].key, old[i].val);
		dump_xfree(old, m->small);
	}
	for (i = dump_hash(key, m->cap); m->ents[i].key != NULL;
	     i = (i + 1) & (m->cap - 1))
		continue;
	m->ents[i].key = key;
	m->ents[i].val = val;
	m->n++;
}

/* Page lists: items are single indexes, or runs of three or more. */
static void
dump_pages_item(struct dump_pages *pg, uint64_t first, uint64_t last)
{
	if (pg->nitems == DUMP_RUNS_MAX) {
		pg->more = true;
		return;
	}
	pg->first[pg->nitems] = first;
	pg->last[pg->nitems] = last;
	pg->nitems++;
}

static void
dump_pages_flush(struct dump_pages *pg)
{
	if (!pg->open)
		return;
	pg->open = false;
	if (pg->rlast - pg->rfirst >= 2) {
		dump_pages_item(pg, pg->rfirst, pg->rlast);
		return;
	}
	dump_pages_item(pg, pg->rfirst, pg->rfirst);
	if (pg->rlast != pg->rfirst)
		dump_pages_item(pg, pg->rlast, pg->rlast);
}

/* Add pindex; indexes come in increasing order. */
static void
dump_pages_add(struct dump_pages *pg, uint64_t pindex)
{
	pg->count++;
	if (pg->open && pindex == pg->rlast + 1) {
		pg->rlast = pindex;
		return;
	}
	dump_pages_flush(pg);
	pg->open = true;
	pg->rfirst = pg->rlast = pindex;
}

/* ---------------------------------------------------------------- */
/* The snapshot                                                     */
/* ---------------------------------------------------------------- */

/* The file's number, numbering it (and copying it) on first sight. */
static size_t
dump_file_number(struct dump *d, struct file *fp)
{
	struct dump_file *df;
	size_t i;

	i = dump_map_find(&d->filemap, fp);
	if (i != DUMP_NONE)
		return (i);
	i = d->nfiles;
	df = DUMP_APPEND(d, files);
	memset(df, 0, sizeof(*df));
	df->fp = fp;
	df->shm = DUMP_NONE;
	dump_map_put(&d->filemap, fp, i);
	return (i);
}

static size_t
dump_shm_number(struct dump *d, const void *key)
{
	struct dump_shm *ds;
	size_t i;

	i = dump_map_find(&d->shmmap, key);
	if (i != DUMP_NONE)
		return (i);
	i = d->nshms;
	ds = DUMP_APPEND(d, shms);
	ds->key = key;
	ds->obj = DUMP_NONE;
	dump_map_put(&d->shmmap, key, i);
	return (i);
}

static int
dump_proc_cmp(const void *a, const void *b)
{
	const struct dump_proc *x = a, *y = b;

	return (x->pid < y->pid ? -1 : x->pid > y->pid);
}

static int
dump_name_cmp(const void *a, const void *b)
{
	const struct dump_name *x = a, *y = b;

	/* strcmp() compares as unsigned char: byte order. */
	return (strcmp(x->path, y->path));
}

static int
dump_obj_cmp(const void *a, const void *b)
{
	const struct dump_obj *x = a, *y = b;

	return (x->oid < y->oid ? -1 : x->oid > y->oid);
}

static int
dump_uid_cmp(const void *a, const void *b)
{
	const struct dump_uid *x = a, *y = b;

	return (x->uid < y->uid ? -1 : x->uid > y->uid);
}

/* A process's map entries, under the map lock. */
static void
dump_snap_map(struct dump *d, struct dump_proc *dp, vm_map_t map)
{
	struct dump_entry *de;
	vm_map_entry_t entry;

	DUMP_LOCKED(d, vm_map_lock_read(map));
	dp->entry0 = d->nentries;
	TAILQ_FOREACH(entry, &map->entries, link) {
		dp->nentries++;
		de = DUMP_APPEND(d, entries);
		de->start = entry->start;
		de->end = entry->end;
		de->offset = entry->offset;
		de->eflags = entry->eflags;
		de->prot = entry->protection;
		de->maxprot = entry->max_protection;
		de->inheritance = entry->inheritance;
		de->objkey = entry->object;
		de->obj = DUMP_NONE;
	}
	DUMP_LOCKED(d, vm_map_unlock_read(map));
}

/* Processes, their tables and their in-flight queues. */
static void
dump_snap_procs(struct dump *d)
{
	struct shmsim_kernel *k = d->k;
	struct rights_entry *re;
	struct dump_proc *dp;
	struct dump_fd *dfd;
	struct filedesc *fdp;
	struct proc *p;
	size_t i, j;
	int fd;

	DUMP_LOCKED(d, sx_slock(&k->allproc_lock));
	LIST_FOREACH(p, &k->allproc, p_list) {
		dp = DUMP_APPEND(d, procs);
		memset(dp, 0, sizeof(*dp));
		dp->pid = p->p_pid;
		memcpy(dp->comm, p->p_comm, sizeof(dp->comm));
		dp->comm[sizeof(dp->comm) - 1] = '\0';
		dp->uid = p->p_ucred->cr_uid;
		dp->gid = p->p_ucred->cr_gid;
		dp->ngroups = p->p_ucred->cr_ngroups;
		if (dp->ngroups < 0 || dp->ngroups > SHMSIM_NGROUPS)
			dp->ngroups = 0;
		memcpy(dp->groups, p->p_ucred->cr_groups,
		    (size_t)dp->ngroups * sizeof(dp->groups[0]));
		fdp = p->p_fd;
		dp->umask = (mode_t)atomic_load(&fdp->fd_cmask);
		if (p->p_ucred->cr_prison != NULL)
			snprintf(dp->jail, sizeof(dp->jail), "%s",
			    p->p_ucred->cr_prison->pr_name);

		DUMP_LOCKED(d, FILEDESC_SLOCK(fdp));
		dp->fd0 = d->nfds;
		for (fd = 0; fd < fdp->fd_nfiles; fd++) {
			struct file *fp = fdp->fd_ofiles[fd].fde_file;

			if (fp == NULL)
				continue;
			dp->nfds++;
			dfd = DUMP_APPEND(d, fds);
			dfd->fd = fd;
			dfd->cloexec =
			    (fdp->fd_ofiles[fd].fde_flags & UF_EXCLOSE) != 0;
			dfd->fp = fp;
			dfd->file = DUMP_NONE;
		}
		DUMP_LOCKED(d, FILEDESC_SUNLOCK(fdp));

		DUMP_LOCKED(d, mtx_lock(&p->p_rights_mtx));
		dp->right0 = d->nrights;
		TAILQ_FOREACH(re, &p->p_rights, re_link) {
			dp->nrights++;
			*DUMP_APPEND(d, rights) = re->re_file;
		}
		DUMP_LOCKED(d, mtx_unlock(&p->p_rights_mtx));
		dump_snap_map(d, dp, &p->p_vmspace->vm_map);
	}
	DUMP_LOCKED(d, sx_sunlock(&k->allproc_lock));

	/* The arrays are complete: each process's slices of them. */
	d->rightfile = dump_grow(d->rightfile, d->nrights, &d->caprightfile,
	    sizeof(*d->rightfile), d->rightfile0);
	for (i = 0; i < d->nprocs; i++) {
		dp = &d->procs[i];
		dp->fds = d->fds + dp->fd0;
		dp->rights = d->rights + dp->right0;
		dp->rightfile = d->rightfile + dp->right0;
		dp->entries = d->entries + dp->entry0;
	}
	if (d->nprocs > 1)
		qsort(d->procs, d->nprocs, sizeof(*d->procs), dump_proc_cmp);
	for (i = 0; i < d->nprocs; i++) {
		dp = &d->procs[i];
		for (j = 0; j < dp->nfds; j++)
			dp->fds[j].file = dump_file_number(d, dp->fds[j].fp);
	}
	for (i = 0; i < d->nprocs; i++) {
		dp = &d->procs[i];
		for (j = 0; j < dp->nrights; j++)
			dp->rightfile[j] = dump_file_number(d, dp->rights[j]);
	}
}

/*
 * Open files.  Like the auditor, this reads the files after the table
 * locks are gone: the dump is taken when no other thread is inside the
 * kernel.  The offset is read under its own lock, with nothing else held.
 */
static void
dump_snap_files(struct dump *d)
{
	const struct fileops *ops;
	struct dump_file *df;
	struct file *fp;
	size_t i;

	ops = K_PROFILE_2008(d->k) ? &shm_ops_2008 : &shm_ops;
	for (i = 0; i < d->nfiles; i++) {
		df = &d->files[i];
		fp = df->fp;
		df->count = atomic_load(&fp->f_count);
		df->flag = atomic_load(&fp->f_flag);
		DUMP_LOCKED(d, foffset_lock(fp));
		df->offset = fp->f_offset;
		DUMP_LOCKED(d, foffset_unlock(fp));
		df->serial = fp->f_serial;
		if (atomic_load(&fp->f_ops) == &badfileops)
			df->state = DUMP_F_NOTSETUP;
		else if (fp->f_type == DTYPE_SHM && fp->f_data != NULL &&
		    atomic_load(&fp->f_ops) == ops) {
			df->state = DUMP_F_SHM;
			df->shmkey = fp->f_data;
			df->shm = dump_shm_number(d, df->shmkey);
		} else
			df->state = DUMP_F_OTHER;
	}
}

/* One object, locked; its shmfd is read through the back-pointer. */
static void
dump_snap_object(struct dump *d, vm_object_t obj)
{
	struct shmsim_kernel *k = d->k;
	struct dump_obj *o;
	struct shmfd *shmfd;
	struct vm_page *m;
	struct swblk *sb;

	o = DUMP_APPEND(d, objs);
	memset(o, 0, sizeof(*o));
	o->shm = DUMP_NONE;
	o->si.pathoff = DUMP_NONE;
	o->oid = obj->oid;
	o->key = obj;
	o->anon = (vm_object_flags(obj) & OBJ_ANON) != 0;
	o->backingkey = obj->backing_object;
	o->backing_offset = obj->backing_object_offset;
	o->backing = DUMP_NONE;
	o->writemappings = obj->writemappings;
	o->ref_count = atomic_load(&obj->ref_count);
	o->size = obj->size;
	o->charge = obj->charge;
	o->flags = vm_object_flags(obj);
	RB_FOREACH(m, vm_page_tree, &obj->rtree)
		dump_pages_add(&o->res, m->pindex);
	dump_pages_flush(&o->res);
	RB_FOREACH(sb, swblk_tree, &obj->swtree)
		dump_pages_add(&o->swp, sb->p);
	dump_pages_flush(&o->swp);

	shmfd = obj->swp_priv;
	if (shmfd == NULL)
		return;
	o->shmkey = shmfd;
	o->si.refs = atomic_load(&shmfd->shm_refs);
	o->si.size = shmfd->shm_size;
	o->si.seals = __atomic_load_n(&shmfd->shm_seals, __ATOMIC_RELAXED);
	o->si.flags = shmfd->shm_flags;
	o->si.kmappings = shmfd->shm_kmappings;
	o->si.ino = shmfd->shm_ino;
	/* shm_path is stable under the dictionary lock, which we hold. */
	o->si.pathoff = shmfd->shm_path != NULL ?
	    dump_strdup(d, shmfd->shm_path) :
	    DUMP_NONE;
	DUMP_LOCKED(d, mtx_lock(&k->shm_timestamp_lock));
	o->si.mode = shmfd->shm_mode;
	o->si.uid = shmfd->shm_uid;
	o->si.gid = shmfd->shm_gid;
	DUMP_LOCKED(d, mtx_unlock(&k->shm_timestamp_lock));
}

/* The dictionary, then the objects and their shmfds. */
static void
dump_snap_shm(struct dump *d)
{
	struct shmsim_kernel *k = d->k;
	struct shm_mapping *map;
	struct dump_name *dn;
	vm_object_t obj;
	unsigned long b;
	size_t i;

	DUMP_LOCKED(d, sx_slock(&k->shm_dict_lock));
	for (b = 0; b <= k->shm_hash; b++) {
		LIST_FOREACH(map, &k->shm_dictionary[b], sm_link) {
			dn = DUMP_APPEND(d, names);
			dn->pathoff = dump_strdup(d, map->sm_path);
			dn->bucket = b;
			dn->fnv = map->sm_fnv;
			dn->shmkey = map->sm_shmfd;
			dn->shm = DUMP_NONE;
		}
	}
	DUMP_LOCKED(d, mtx_lock(&k->vm_object_list_mtx));
	TAILQ_FOREACH(obj, &k->vm_object_list, object_list) {
		DUMP_LOCKED(d, VM_OBJECT_RLOCK(obj));
		dump_snap_object(d, obj);
		DUMP_LOCKED(d, VM_OBJECT_RUNLOCK(obj));
	}
	DUMP_LOCKED(d, mtx_unlock(&k->vm_object_list_mtx));
	DUMP_LOCKED(d, sx_sunlock(&k->shm_dict_lock));

	/* The string pool is complete: the paths in it. */
	for (i = 0; i < d->nnames; i++)
		d->names[i].path = d->strs + d->names[i].pathoff;
	for (i = 0; i < d->nobjs; i++)
		d->objs[i].si.path = d->objs[i].si.pathoff == DUMP_NONE ?
		    NULL :
		    d->strs + d->objs[i].si.pathoff;
	if (d->nnames > 1)
		qsort(d->names, d->nnames, sizeof(*d->names), dump_name_cmp);
	for (i = 0; i < d->nnames; i++)
		d->names[i].shm = dump_shm_number(d, d->names[i].shmkey);
	if (d->nobjs > 1)
		qsort(d->objs, d->nobjs, sizeof(*d->objs), dump_obj_cmp);
	for (i = 0; i < d->nobjs; i++)
		dump_map_put(&d->objmap, d->objs[i].key, i);
	for (i = 0; i < d->nobjs; i++)
		if (d->objs[i].backingkey != NULL)
			d->objs[i].backing =
			    dump_map_find(&d->objmap, d->objs[i].backingkey);
	for (i = 0; i < d->nprocs; i++) {
		size_t j;

		for (j = 0; j < d->procs[i].nentries; j++)
			d->procs[i].entries[j].obj = dump_map_find(&d->objmap,
			    d->procs[i].entries[j].objkey);
	}
	for (i = 0; i < d->nobjs; i++) {
		if (d->objs[i].shmkey == NULL)
			continue;
		d->objs[i].shm = dump_shm_number(d, d->objs[i].shmkey);
		d->shms[d->objs[i].shm].obj = i;
	}
}

static void
dump_snap_swap(struct dump *d)
{
	struct swdev *sw = &d->k->k_swap;
	struct uidinfo *ui;
	struct dump_uid *du;
	int i;

	DUMP_LOCKED(d, mtx_lock(&sw->sw_mtx));
	d->sw_nslots = sw->sw_nslots;
	d->sw_used = sw->sw_used;
	d->sw_reserved = sw->sw_reserved;
	LIST_FOREACH(ui, &sw->sw_uidinfo, ui_link) {
		if (ui->ui_vmsize == 0)
			continue;
		du = DUMP_APPEND(d, uids);
		du->uid = ui->ui_uid;
		du->bytes = ui->ui_vmsize;
	}
	if (d->nolock) {
		/* shmsim_counters() without its lock. */
		d->c.objects = atomic_load(&d->k->k_nobjects);
		d->c.shm = atomic_load(&d->k->k_nshm);
		d->c.names = atomic_load(&d->k->k_nnames);
		d->c.files = (uint64_t)atomic_load(&d->k->openfiles);
		d->c.pages = atomic_load(&d->k->k_resident);
		d->c.swapped = sw->sw_used;
		d->c.swap_reserved = sw->sw_reserved;
		d->c.inflight = atomic_load(&d->k->k_inflight);
		d->c.procs = atomic_load(&d->k->k_nprocs);
	}
	DUMP_LOCKED(d, mtx_unlock(&sw->sw_mtx));
	if (d->nuids > 1)
		qsort(d->uids, d->nuids, sizeof(*d->uids), dump_uid_cmp);
	if (!d->nolock)
		shmsim_counters(d->k, &d->c);
	{
		struct malloc_type_totals t[M_NTYPES];

		/* (Lock-free: per-thread counters.) */
		malloc_stats_read(d->k, t);
		for (i = 0; i < M_NTYPES; i++)
			d->mt_inuse[i] = t[i].inuse;
	}
}

static void
dump_free(struct dump *d)
{
	dump_xfree(d->procs, d->procs0);
	dump_xfree(d->fds, d->fds0);
	dump_xfree(d->rights, d->rights0);
	dump_xfree(d->rightfile, d->rightfile0);
	dump_xfree(d->entries, d->entries0);
	dump_xfree(d->files, d->files0);
	dump_xfree(d->shms, d->shms0);
	dump_xfree(d->objs, d->objs0);
	dump_xfree(d->names, d->names0);
	dump_xfree(d->uids, d->uids0);
	dump_xfree(d->strs, d->strs0);
	dump_xfree(d->filemap.ents, d->filemap.small);
	dump_xfree(d->shmmap.ents, d->shmmap.small);
	dump_xfree(d->objmap.ents, d->objmap.small);
}

/* ---------------------------------------------------------------- */
/* Common printing                                                  */
/* ---------------------------------------------------------------- */

/*
 * The dump's output, buffered: the text dump is a hundred or more short
 * strings and numbers, and each stdio call takes the stream's lock and,
 * under AddressSanitizer, its interceptor's checks; fuzz_syscalls dumps
 * every ten calls or so (docs/fuzzing.md, "Speed (issue 19)", sixth
 * round).  They go into buf, which goes out with one fwrite() when full
 * and at the end; dw_printf() writes buf out before its fprintf().  The
 * helpers take their arguments in stdio's order.
 */
struct dump_out {
	FILE *f;
	size_t n;
	char buf[4096];
};

static void
dw_flush(struct dump_out *w)
{
	if (w->n > 0)
		(void)fwrite(w->buf, 1, w->n, w->f);
	w->n = 0;
}

static inline void
dw_putc(int c, struct dump_out *w)
{
	if (w->n == sizeof(w->buf))
		dw_flush(w);
	w->buf[w->n++] = (char)c;
}

static void
dw_write(const void *p, size_t len, struct dump_out *w)
{
	if (len > sizeof(w->buf) - w->n) {
		dw_flush(w);
		if (len > sizeof(w->buf)) {
			(void)fwrite(p, 1, len, w->f);
			return;
		}
	}
	memcpy(w->buf + w->n, p, len);
	w->n += len;
}

static void
dw_puts(const char *s, struct dump_out *w)
{
	dw_write(s, strlen(s), w);
}

static void __attribute__((__format__(__printf__, 2, 3)))
dw_printf(struct dump_out *w, const char *fmt, ...)
{
	va_list ap;

	dw_flush(w);
	va_start(ap, fmt);
	(void)vfprintf(w->f, fmt, ap);
	va_end(ap);
}

/*
 * A number in decimal, octal or hexadecimal (at least `width` digits),
 * as "%ju", "%0*jo" and "%0*jx" print it.  Every number of the text
 * dump goes through here: under AddressSanitizer every fprintf() parses
 * its format again in the sanitizer's printf checks, which was half of
 * the dump's time in fuzz_syscalls (docs/fuzzing.md, "Speed (issue
 * 19)", fifth and sixth rounds).
 */
static void
dump_num(struct dump_out *out, uintmax_t v, unsigned int base, int width)
{
	static const char digits[] = "0123456789abcdef";
	uintmax_t x = v;
	size_t n = 0;
	char *e;

	/* Written in place, from the last digit: no copy (ASan checks one). */
	do {
		n++;
		x /= base;
	} while (x != 0 || (int)n < width);
	if (n > sizeof(out->buf) - out->n)
		dw_flush(out);
	e = out->buf + out->n + n;
	out->n += n;
	do {
		*--e = digits[v % base];
		v /= base;
	} while (--n > 0);
}

/* "%jd" (and "%d") */
static void
dump_snum(struct dump_out *out, intmax_t v)
{
	if (v < 0) {
		dw_putc('-', out);
		dump_num(out, -(uintmax_t)v, 10, 1);
	} else
		dump_num(out, (uintmax_t)v, 10, 1);
}

static void
dump_int(struct dump_out *out, int v)
{
	dump_snum(out, v);
}

/* "%#jx": no "0x" before 0. */
static void
dump_hex(struct dump_out *out, uintmax_t v)
{
	if (v != 0)
		dw_puts("0x", out);
	dump_num(out, v, 16, 1);
}

/* " -> what N\n", N counted from 0 in the snapshot. */
static void
dump_arrow(struct dump_out *out, const char *what, size_t n)
{
	dw_puts(" -> ", out);
	dw_puts(what, out);
	dw_putc(' ', out);
	dump_num(out, n + 1, 10, 1);
	dw_putc('\n', out);
}

/*
 * A byte string as the text format quotes it: printable ASCII as is,
 * except '"' and '\' which get a backslash; every other byte as \xHH.
 * In dot, that text is itself inside a quoted label, where '"' and '\'
 * need one more backslash.
 */
static void
dump_str(struct dump_out *out, const char *s, bool dot)
{
	const unsigned char *u = (const unsigned char *)s, *run;
	const char *bs = dot ? "\\\\" : "\\";
	const char *q = dot ? "\\\"" : "\"";

	dw_puts(q, out);
	while (*u != '\0') {
		for (run = u;
		     *u >= 0x20 && *u < 0x7f && *u != '"' && *u != '\\'; u++)
			continue;
		if (u > run)
			dw_write(run, (size_t)(u - run), out);
		if (*u == '\0')
			break;
		dw_puts(bs, out);
		if (*u == '"' || *u == '\\')
			dw_puts(*u == '"' ? q : bs, out);
		else {
			dw_putc('x', out);
			dump_num(out, *u, 16, 2);
		}
		u++;
	}
	dw_puts(q, out);
}

/*
 * The title, inside a dot string, shown as it is: '"' and '\' get the
 * backslash dot wants; other unprintable bytes show as \xHH.
 */
static void
dump_dot_title(struct dump_out *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	for (; *u != '\0'; u++) {
		if (*u == '"' || *u == '\\')
			dw_printf(out, "\\%c", *u);
		else if (*u >= 0x20 && *u < 0x7f)
			dw_putc(*u, out);
		else
			dw_printf(out, "\\\\x%02x", *u);
	}
}

/* f_flag: the access bits, then the status flags by name. */
static void
dump_fflag(struct dump_out *out, unsigned int flag)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} names[] = {
		{ FREAD, "FREAD" },
		{ FWRITE, "FWRITE" },
		{ FNONBLOCK, "NONBLOCK" },
		{ FAPPEND, "APPEND" },
		{ FASYNC, "ASYNC" },
		{ FFSYNC, "FSYNC" },
		{ FDSYNC, "DSYNC" },
		{ FRDAHEAD, "RDAHEAD" },
		{ SHMSIM_O_DIRECT, "DIRECT" },
	};
	const char *sep = "";
	size_t i;

	if (flag == 0) {
		dw_puts("0", out);
		return;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((flag & names[i].bit) == 0)
			continue;
		dw_puts(sep, out);
		dw_puts(names[i].name, out);
		flag &= ~names[i].bit;
		sep = "|";
	}
	if (flag != 0) {
		dw_puts(sep, out);
		dump_hex(out, flag);
	}
}

static void
dump_seals(struct dump_out *out, int seals)
{
	static const struct {
		int bit;
		const char *name;
	} names[] = {
		{ F_SEAL_SEAL, "SEAL" },
		{ F_SEAL_SHRINK, "SHRINK" },
		{ F_SEAL_GROW, "GROW" },
		{ F_SEAL_WRITE, "WRITE" },
	};
	const char *sep = "";
	size_t i;

	if (seals == 0) {
		dw_puts("none", out);
		return;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((seals & names[i].bit) == 0)
			continue;
		dw_puts(sep, out);
		dw_puts(names[i].name, out);
		seals &= ~names[i].bit;
		sep = "|";
	}
	if (seals != 0) {
		dw_puts(sep, out);
		dump_hex(out, (unsigned int)seals);
	}
}

static void
dump_shmflags(struct dump_out *out, int flags)
{
	static const struct {
		int bit;
		const char *name;
	} names[] = {
		{ SHM_ALLOW_SEALING, "ALLOW_SEALING" },
		{ SHM_GROW_ON_WRITE, "GROW_ON_WRITE" },
		{ SHM_LARGEPAGE, "LARGEPAGE" },
	};
	const char *sep = "";
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((flags & names[i].bit) == 0)
			continue;
		dw_puts(sep, out);
		dw_puts(names[i].name, out);
		flags &= ~names[i].bit;
		sep = "|";
	}
	if (flags != 0) {
		dw_puts(sep, out);
		dump_hex(out, (unsigned int)flags);
	}
}

/* "0,2,5-9,..." -- the items of a page list. */
static void
dump_page_items(struct dump_out *out, const struct dump_pages *pg)
{
	int i;

	for (i = 0; i < pg->nitems; i++) {
		if (i > 0)
			dw_putc(',', out);
		dump_num(out, pg->first[i], 10, 1);
		if (pg->first[i] != pg->last[i]) {
			dw_putc('-', out);
			dump_num(out, pg->last[i], 10, 1);
		}
	}
	if (pg->more)
		dw_puts(",...", out);
}

static const char *
dump_profile_name(const struct shmsim_kernel *k)
{
	return (K_PROFILE_2008(k) ? "2008" : "current");
}

/* "rw-/rwx": protection and maximum protection. */
static void
dump_prot(struct dump_out *out, vm_prot_t prot)
{
	dw_putc((prot & VM_PROT_READ) != 0 ? 'r' : '-', out);
	dw_putc((prot & VM_PROT_WRITE) != 0 ? 'w' : '-', out);
	dw_putc((prot & VM_PROT_EXECUTE) != 0 ? 'x' : '-', out);
}

/*
 * "0x800000000-0x800002000 rw-/rwx shared writecnt": a map entry's range,
 * protections, kind (shared: inherited shared; private: copy-on-write)
 * and state (needs-copy: no shadow object yet; writecnt: counted in the
 * object's writemappings; inherit none/copy/zero when unusual).
 */
static void
dump_entry_desc(struct dump_out *out, const struct dump_entry *de)
{
	dump_hex(out, de->start);
	dw_putc('-', out);
	dump_hex(out, de->end);
	dw_putc(' ', out);
	dump_prot(out, de->prot);
	dw_putc('/', out);
	dump_prot(out, de->maxprot);
	dw_puts((de->eflags & MAP_ENTRY_COW) != 0 ? " private" : " shared",
	    out);
	if ((de->eflags & MAP_ENTRY_NEEDS_COPY) != 0)
		dw_puts(" needs-copy", out);
	if ((de->eflags & MAP_ENTRY_WRITECNT) != 0)
		dw_puts(" writecnt", out);
	if (de->inheritance == VM_INHERIT_NONE)
		dw_puts(" inherit-none", out);
	else if (de->inheritance == VM_INHERIT_ZERO)
		dw_puts(" inherit-zero", out);
	else if ((de->inheritance == VM_INHERIT_SHARE) !=
	    ((de->eflags & MAP_ENTRY_COW) == 0))
		dw_puts(de->inheritance == VM_INHERIT_SHARE ? " inherit-share" :
							      " inherit-copy",
		    out);
}

/* "process pid N" plus the name, quoted, when it has one. */
static void
dump_proc_label(struct dump_out *out, const struct dump_proc *dp, bool dot)
{
	dw_puts("process pid ", out);
	dump_int(out, dp->pid);
	if (dp->comm[0] != '\0') {
		dw_putc(' ', out);
		dump_str(out, dp->comm, dot);
	}
}

static void
dump_proc_creds(struct dump_out *out, const struct dump_proc *dp)
{
	int i;

	/* "uid %u, gid %u, umask %03o", then "%s%u" per group */
	dw_puts("uid ", out);
	dump_num(out, (unsigned int)dp->uid, 10, 1);
	dw_puts(", gid ", out);
	dump_num(out, (unsigned int)dp->gid, 10, 1);
	dw_puts(", umask ", out);
	dump_num(out, (unsigned int)dp->umask, 8, 3);
	if (dp->ngroups > 0) {
		dw_puts(", groups ", out);
		for (i = 0; i < dp->ngroups; i++) {
			if (i > 0)
				dw_putc(',', out);
			dump_num(out, (unsigned int)dp->groups[i], 10, 1);
		}
	}
	if (dp->jail[0] != '\0') {
		dw_puts(", jail ", out);
		dw_puts(dp->jail, out);
	}
}

static void
dump_swap_line(struct dump_out *out, const struct dump *d)
{
	size_t i;

	/* "swap: slots %ju of %ju, reserved %ju", then "%suid %u: %ju" */
	dw_puts("swap: slots ", out);
	dump_num(out, d->sw_used, 10, 1);
	dw_puts(" of ", out);
	dump_num(out, d->sw_nslots, 10, 1);
	dw_puts(", reserved ", out);
	dump_num(out, d->sw_reserved, 10, 1);
	for (i = 0; i < d->nuids; i++) {
		dw_puts(i == 0 ? " (uid " : ", uid ", out);
		dump_num(out, (unsigned int)d->uids[i].uid, 10, 1);
		dw_puts(": ", out);
		dump_num(out, d->uids[i].bytes, 10, 1);
	}
	if (d->nuids > 0)
		dw_putc(')', out);
}

/*
 * "procs %ju, objects %ju, shm %ju, names %ju,SEP" "files %ju, pages
 * %ju, swapped %ju,SEP" "inflight %ju, swap_reserved %ju": a count whose
 * label has no ", " before it starts a part, after "," and sep.
 */
static void
dump_counts(struct dump_out *out, const struct shmsim_counters *c,
    const char *sep)
{
	const struct {
		const char *label;
		uint64_t n;
	} f[] = {
		{ "procs ", c->procs },
		{ ", objects ", c->objects },
		{ ", shm ", c->shm },
		{ ", names ", c->names },
		{ "files ", c->files },
		{ ", pages ", c->pages },
		{ ", swapped ", c->swapped },
		{ "inflight ", c->inflight },
		{ ", swap_reserved ", c->swap_reserved },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (i > 0 && f[i].label[0] != ',') {
			dw_putc(',', out);
			dw_puts(sep, out);
		}
		dw_puts(f[i].label, out);
		dump_num(out, f[i].n, 10, 1);
	}
}

/* ---------------------------------------------------------------- */
/* Text                                                             */
/* ---------------------------------------------------------------- */

static void
dump_text_pages(struct dump_out *out, const char *what,
    const struct dump_pages *pg)
{
	dw_puts(", ", out);
	dw_puts(what, out);
	dw_putc(' ', out);
	dump_num(out, pg->count, 10, 1);
	if (pg->count == 0)
		return;
	dw_puts(" [", out);
	dump_page_items(out, pg);
	dw_putc(']', out);
}

/*
 * vmstat -m's InUse column: the malloc(9) blocks in use, per type with
 * any, in the types' order.
 */
static void
dump_malloc_line(struct dump_out *out, const struct dump *d)
{
	const char *sep = " ";
	int i;

	dw_puts("malloc:", out);
	for (i = 0; i < M_NTYPES; i++) {
		if (d->mt_inuse[i] == 0)
			continue;
		dw_puts(sep, out); /* "%s%s %ju" */
		dw_puts(malloc_types[i]->ks_shortdesc, out);
		dw_putc(' ', out);
		dump_num(out, (uintmax_t)d->mt_inuse[i], 10, 1);
		sep = ", ";
	}
	if (*sep == ' ')
		dw_puts(" none", out);
	dw_putc('\n', out);
}

static void
dump_text(struct dump_out *out, const struct dump *d, const char *title)
{
	const struct shmsim_kernel *k = d->k;
	const struct dump_proc *dp;
	const struct dump_file *df;
	const struct dump_obj *o;
	const struct dump_name *dn;
	size_t i, j;

	if (title != NULL) {
		dw_puts("title ", out);
		dump_str(out, title, false);
		dw_putc('\n', out);
	}
	/* "kernel: profile %s, page_size %ju, buckets %lu\n" */
	dw_puts("kernel: profile ", out);
	dw_puts(dump_profile_name(k), out);
	dw_puts(", page_size ", out);
	dump_num(out, PAGE_SIZE_K(k), 10, 1);
	dw_puts(", buckets ", out);
	dump_num(out, k->shm_hash + 1, 10, 1);
	dw_putc('\n', out);

	if (d->nprocs == 0)
		dw_puts("processes: none\n", out);
	for (i = 0; i < d->nprocs; i++) {
		dp = &d->procs[i];
		dump_proc_label(out, dp, false);
		dw_puts(": ", out);
		dump_proc_creds(out, dp);
		dw_putc('\n', out);
		for (j = 0; j < dp->nfds; j++) {
			/* "  fd %d -> file %zu%s\n" */
			dw_puts("  fd ", out);
			dump_int(out, dp->fds[j].fd);
			dw_puts(" -> file ", out);
			dump_num(out, dp->fds[j].file + 1, 10, 1);
			dw_puts(dp->fds[j].cloexec ? " [cloexec]\n" : "\n",
			    out);
		}
		for (j = 0; j < dp->nrights; j++) {
			dw_puts("  in flight", out);
			dump_arrow(out, "file", dp->rightfile[j]);
		}
		for (j = 0; j < dp->nentries; j++) {
			/* "  map %s -> object %zu, offset %jd\n" */
			dw_puts("  map ", out);
			dump_entry_desc(out, &dp->entries[j]);
			dw_puts(" -> object ", out);
			dump_num(out, dp->entries[j].obj + 1, 10, 1);
			dw_puts(", offset ", out);
			dump_snum(out, dp->entries[j].offset);
			dw_putc('\n', out);
		}
	}

	if (d->nfiles == 0)
		dw_puts("files: none\n", out);
	for (i = 0; i < d->nfiles; i++) {
		df = &d->files[i];
		/* "file %zu: f_count %u, " */
		dw_puts("file ", out);
		dump_num(out, i + 1, 10, 1);
		dw_puts(": f_count ", out);
		dump_num(out, df->count, 10, 1);
		dw_puts(", ", out);
		if (df->state == DUMP_F_NOTSETUP) {
			dw_puts("(not set up)\n", out);
			continue;
		}
		dump_fflag(out, df->flag);
		dw_puts(", offset ", out);
		dump_snum(out, df->offset);
		if (df->state == DUMP_F_SHM)
			dump_arrow(out, "shm", df->shm);
		else
			dw_puts(" -> (not shm)\n", out);
	}

	if (d->nshms == 0)
		dw_puts("shm: none\n", out);
	for (i = 0; i < d->nshms; i++) {
		dw_puts("shm ", out);
		dump_num(out, i + 1, 10, 1);
		if (d->shms[i].obj == DUMP_NONE) {
			dw_puts(": (no live object)\n", out);
			continue;
		}
		o = &d->objs[d->shms[i].obj];
		dw_putc(' ', out);
		if (o->si.path != NULL)
			dump_str(out, o->si.path, false);
		else
			dw_puts("(unnamed)", out);
		/*
		 * ": shm_refs %u, size %jd, mode %04o, uid %u, gid %u, seals
		 * %s, ino %ju"
		 */
		dw_puts(": shm_refs ", out);
		dump_num(out, o->si.refs, 10, 1);
		dw_puts(", size ", out);
		dump_snum(out, o->si.size);
		dw_puts(", mode ", out);
		dump_num(out, (unsigned int)o->si.mode, 8, 4);
		dw_puts(", uid ", out);
		dump_num(out, (unsigned int)o->si.uid, 10, 1);
		dw_puts(", gid ", out);
		dump_num(out, (unsigned int)o->si.gid, 10, 1);
		dw_puts(", seals ", out);
		dump_seals(out, o->si.seals);
		dw_puts(", ino ", out);
		dump_num(out, o->si.ino, 10, 1);
		if (o->si.flags != 0) {
			dw_puts(", shmflags ", out);
			dump_shmflags(out, o->si.flags);
		}
		if (o->si.kmappings != 0) {
			dw_puts(", kmappings ", out);
			dump_int(out, o->si.kmappings);
		}
		dump_arrow(out, "object", d->shms[i].obj);
	}

	if (d->nobjs == 0)
		dw_puts("objects: none\n", out);
	for (i = 0; i < d->nobjs; i++) {
		o = &d->objs[i];
		/* "object %zu: ref_count %u, size %ju pages, charge %ju" */
		dw_puts("object ", out);
		dump_num(out, i + 1, 10, 1);
		dw_puts(": ref_count ", out);
		dump_num(out, o->ref_count, 10, 1);
		dw_puts(", size ", out);
		dump_num(out, o->size, 10, 1);
		dw_puts(" pages, charge ", out);
		dump_num(out, o->charge, 10, 1);
		dump_text_pages(out, "resident", &o->res);
		dump_text_pages(out, "swapped", &o->swp);
		if ((o->flags & OBJ_DEAD) != 0)
			dw_puts(", dead", out);
		if (o->writemappings != 0) {
			dw_puts(", writemappings ", out);
			dump_num(out, o->writemappings, 10, 1);
		}
		if (o->anon) {
			dw_puts(", anonymous", out);
			if (o->backing != DUMP_NONE) {
				dw_puts(", shadows object ", out);
				dump_num(out, o->backing + 1, 10, 1);
				dw_puts(" at offset ", out);
				dump_snum(out, o->backing_offset);
			}
		} else if (o->shmkey == NULL)
			dw_puts(" (no shm)", out);
		dw_putc('\n', out);
	}

	if (d->nnames == 0)
		dw_puts("names: none\n", out);
	for (i = 0; i < d->nnames; i++) {
		dn = &d->names[i];
		dw_puts("name ", out);
		dump_str(out, dn->path, false);
		/* ": bucket %lu, fnv 0x%08x -> shm %zu\n" */
		dw_puts(": bucket ", out);
		dump_num(out, dn->bucket, 10, 1);
		dw_puts(", fnv 0x", out);
		dump_num(out, (unsigned int)dn->fnv, 16, 8);
		dump_arrow(out, "shm", dn->shm);
	}

	dump_swap_line(out, d);
	dw_puts("\ncounts: ", out);
	dump_counts(out, &d->c, " ");
	dw_putc('\n', out);
	dump_malloc_line(out, d);
}

/* ---------------------------------------------------------------- */
/* Graphviz                                                         */
/* ---------------------------------------------------------------- */

/*
 * Node ids that name the thing itself, not its place in this dump's
 * numbering, so that one thing keeps its node from one state to the next:
 * a file by its creation number (f_serial), an object by its oid, a shmfd
 * and its name by the oid of the shmfd's object (a shmfd keeps its object
 * for life), a map entry by its start address.
 */
static void
dump_dot_shmid(struct dump_out *out, const struct dump *d, size_t shm)
{
	if (d->shms[shm].obj != DUMP_NONE)
		dw_printf(out, "s%ju",
		    (uintmax_t)d->objs[d->shms[shm].obj].oid);
	else /* never in a consistent state: no identity to keep */
		dw_printf(out, "sx%zu", shm + 1);
}

static void
dump_dot_nameid(struct dump_out *out, const struct dump *d, size_t name)
{
	size_t shm = d->names[name].shm;

	if (d->shms[shm].obj != DUMP_NONE)
		dw_printf(out, "n%ju",
		    (uintmax_t)d->objs[d->shms[shm].obj].oid);
	else
		dw_printf(out, "nx%zu", name + 1);
}

static void
dump_dot(struct dump_out *out, const struct dump *d, const char *title)
{
	const struct shmsim_kernel *k = d->k;
	const struct dump_proc *dp;
	const struct dump_file *df;
	const struct dump_obj *o;
	const struct dump_name *dn;
	size_t i, j, npg;

	dw_puts("digraph \"", out);
	dump_dot_title(out, title != NULL ? title : "shmsim");
	dw_puts("\" {\n", out);
	dw_puts("\tgraph [rankdir=LR, fontname=\"Helvetica\"", out);
	if (title != NULL) {
		dw_puts(", labelloc=t, label=\"", out);
		dump_dot_title(out, title);
		dw_putc('"', out);
	}
	dw_puts("];\n", out);
	dw_puts("\tnode [shape=box, fontname=\"Helvetica\", fontsize=10];\n",
	    out);
	dw_puts("\tedge [fontname=\"Helvetica\", fontsize=9];\n", out);

	/* The kernel: configuration and counters. */
	dw_printf(out,
	    "\tkernel [shape=note, label=\"kernel\\nprofile %s\\n"
	    "page_size %ju, buckets %lu\\n",
	    dump_profile_name(k), (uintmax_t)PAGE_SIZE_K(k), k->shm_hash + 1);
	dump_swap_line(out, d);
	dw_puts("\\n", out);
	dump_counts(out, &d->c, "\\n");
	dw_puts("\"];\n", out);

	/* Processes, each a cluster with its descriptors. */
	for (i = 0; i < d->nprocs; i++) {
		dp = &d->procs[i];
		dw_printf(out, "\tsubgraph cluster_p%d {\n", dp->pid);
		dw_puts("\t\tstyle=rounded; color=gray; label=\"\";\n", out);
		dw_printf(out, "\t\tp%d [label=\"", dp->pid);
		dump_proc_label(out, dp, true);
		dw_puts("\\n", out);
		dump_proc_creds(out, dp);
		dw_puts("\"];\n", out);
		for (j = 0; j < dp->nfds; j++)
			dw_printf(out, "\t\tp%dfd%d [label=\"fd %d%s\"];\n",
			    dp->pid, dp->fds[j].fd, dp->fds[j].fd,
			    dp->fds[j].cloexec ? "\\ncloexec" : "");
		if (dp->nrights > 0)
			dw_printf(out,
			    "\t\tp%dq [style=dashed, label=\"in "
			    "flight\\n%zu queued\"];\n",
			    dp->pid, dp->nrights);
		for (j = 0; j < dp->nentries; j++) {
			dw_printf(out, "\t\tp%dm%jx [shape=cds, label=\"map ",
			    dp->pid, (uintmax_t)dp->entries[j].start);
			dump_entry_desc(out, &dp->entries[j]);
			dw_puts("\"];\n", out);
		}
		dw_puts("\t}\n", out);
		for (j = 0; j < dp->nentries; j++) {
			const struct dump_entry *de = &dp->entries[j];

			dw_printf(out, "\tp%d -> p%dm%jx;\n", dp->pid, dp->pid,
			    (uintmax_t)de->start);
			if (de->obj == DUMP_NONE)
				continue;
			dw_printf(out,
			    "\tp%dm%jx -> o%ju [taillabel=\"offset %jd\"];\n",
			    dp->pid, (uintmax_t)de->start,
			    (uintmax_t)d->objs[de->obj].oid,
			    (intmax_t)de->offset);
		}
		for (j = 0; j < dp->nfds; j++)
			dw_printf(out,
			    "\tp%d -> p%dfd%d;\n\tp%dfd%d -> f%ju;\n", dp->pid,
			    dp->pid, dp->fds[j].fd, dp->pid, dp->fds[j].fd,
			    (uintmax_t)d->files[dp->fds[j].file].serial);
		if (dp->nrights > 0)
			dw_printf(out, "\tp%d -> p%dq [style=dashed];\n",
			    dp->pid, dp->pid);
		for (j = 0; j < dp->nrights; j++)
			dw_printf(out,
			    "\tp%dq -> f%ju [style=dashed, "
			    "taillabel=\"%zu\"];\n",
			    dp->pid,
			    (uintmax_t)d->files[dp->rightfile[j]].serial,
			    j + 1);
	}

	/* Open files. */
	if (d->nfiles > 0) {
		dw_puts("\t{\n\t\trank=same;\n", out);
		for (i = 0; i < d->nfiles; i++) {
			df = &d->files[i];
			dw_printf(out,
			    "\t\tf%ju [label=\"file %zu\\nf_count %u",
			    (uintmax_t)df->serial, i + 1, df->count);
			if (df->state == DUMP_F_NOTSETUP)
				dw_puts("\\n(not set up)", out);
			else {
				dw_puts("\\n", out);
				dump_fflag(out, df->flag);
				dw_printf(out, "\\noffset %jd",
				    (intmax_t)df->offset);
				if (df->state == DUMP_F_OTHER)
					dw_puts("\\n(not shm)", out);
			}
			dw_puts("\"];\n", out);
		}
		dw_puts("\t}\n", out);
		for (i = 0; i < d->nfiles; i++)
			if (d->files[i].state == DUMP_F_SHM) {
				dw_printf(out, "\tf%ju -> ",
				    (uintmax_t)d->files[i].serial);
				dump_dot_shmid(out, d, d->files[i].shm);
				dw_puts(";\n", out);
			}
	}

	/* shmfds. */
	if (d->nshms > 0) {
		dw_puts("\t{\n\t\trank=same;\n", out);
		for (i = 0; i < d->nshms; i++) {
			dw_puts("\t\t", out);
			dump_dot_shmid(out, d, i);
			dw_printf(out, " [label=\"shm %zu", i + 1);
			if (d->shms[i].obj == DUMP_NONE) {
				dw_puts("\\n(no live object)\"];\n", out);
				continue;
			}
			o = &d->objs[d->shms[i].obj];
			dw_putc(' ', out);
			if (o->si.path != NULL)
				dump_str(out, o->si.path, true);
			else
				dw_puts("(unnamed)", out);
			dw_printf(out,
			    "\\nshm_refs %u\\nsize %jd\\nmode %04o, "
			    "uid %u, gid %u\\nseals ",
			    o->si.refs, (intmax_t)o->si.size,
			    (unsigned int)o->si.mode, (unsigned int)o->si.uid,
			    (unsigned int)o->si.gid);
			dump_seals(out, o->si.seals);
			dw_printf(out, "\\nino %ju", (uintmax_t)o->si.ino);
			if (o->si.flags != 0) {
				dw_puts("\\nshmflags ", out);
				dump_shmflags(out, o->si.flags);
			}
			if (o->si.kmappings != 0)
				dw_printf(out, "\\nkmappings %d",
				    o->si.kmappings);
			dw_puts("\"];\n", out);
		}
		dw_puts("\t}\n", out);
		for (i = 0; i < d->nshms; i++)
			if (d->shms[i].obj != DUMP_NONE) {
				dw_putc('\t', out);
				dump_dot_shmid(out, d, i);
				dw_printf(out, " -> o%ju;\n",
				    (uintmax_t)d->objs[d->shms[i].obj].oid);
			}
	}

	/* vm objects, then one page summary per object that has pages. */
	if (d->nobjs > 0) {
		dw_puts("\t{\n\t\trank=same;\n", out);
		for (i = 0; i < d->nobjs; i++) {
			o = &d->objs[i];
			dw_printf(out,
			    "\t\to%ju [shape=box3d, label=\"object %zu"
			    "\\nref_count %u\\nsize %ju pages\\n"
			    "charge %ju%s",
			    (uintmax_t)o->oid, i + 1, o->ref_count,
			    (uintmax_t)o->size, (uintmax_t)o->charge,
			    (o->flags & OBJ_DEAD) != 0 ? "\\ndead" : "");
			if (o->writemappings != 0)
				dw_printf(out, "\\nwritemappings %ju",
				    (uintmax_t)o->writemappings);
			dw_printf(out, "%s\"];\n",
			    o->anon		  ? "\\nanonymous" :
				o->shmkey == NULL ? "\\n(no shm)" :
						    "");
		}
		dw_puts("\t}\n", out);
		npg = 0;
		for (i = 0; i < d->nobjs; i++) {
			o = &d->objs[i];
			if (o->res.count + o->swp.count == 0)
				continue;
			if (npg++ == 0)
				dw_puts("\t{\n\t\trank=same;\n", out);
			dw_printf(out,
			    "\t\to%jupg [shape=note, label=\""
			    "resident %ju",
			    (uintmax_t)o->oid, (uintmax_t)o->res.count);
			if (o->res.count > 0) {
				dw_puts(": ", out);
				dump_page_items(out, &o->res);
			}
			dw_printf(out, "\\nswapped %ju",
			    (uintmax_t)o->swp.count);
			if (o->swp.count > 0) {
				dw_puts(": ", out);
				dump_page_items(out, &o->swp);
			}
			dw_puts("\"];\n", out);
		}
		if (npg > 0)
			dw_puts("\t}\n", out);
		for (i = 0; i < d->nobjs; i++)
			if (d->objs[i].res.count + d->objs[i].swp.count > 0)
				dw_printf(out,
				    "\to%ju -> o%jupg [style=dotted];\n",
				    (uintmax_t)d->objs[i].oid,
				    (uintmax_t)d->objs[i].oid);
		for (i = 0; i < d->nobjs; i++)
			if (d->objs[i].backing != DUMP_NONE)
				dw_printf(out,
				    "\to%ju -> o%ju [style=dashed, "
				    "taillabel=\"shadows\\noffset %jd\"];\n",
				    (uintmax_t)d->objs[i].oid,
				    (uintmax_t)d->objs[d->objs[i].backing].oid,
				    (intmax_t)d->objs[i].backing_offset);
	}

	/* The dictionary. */
	if (d->nnames > 0) {
		dw_puts("\tsubgraph cluster_names {\n", out);
		dw_puts(
		    "\t\tlabel=\"dictionary\"; style=rounded; color=gray;\n",
		    out);
		for (i = 0; i < d->nnames; i++) {
			dn = &d->names[i];
			dw_puts("\t\t", out);
			dump_dot_nameid(out, d, i);
			dw_puts(" [shape=ellipse, label=\"", out);
			dump_str(out, dn->path, true);
			dw_printf(out, "\\nbucket %lu\\nfnv 0x%08x\"];\n",
			    dn->bucket, (unsigned int)dn->fnv);
		}
		dw_puts("\t}\n", out);
		for (i = 0; i < d->nnames; i++) {
			dw_putc('\t', out);
			dump_dot_nameid(out, d, i);
			dw_puts(" -> ", out);
			dump_dot_shmid(out, d, d->names[i].shm);
			dw_puts(";\n", out);
		}
	}
	dw_puts("}\n", out);
}

/* d's array X starts in place, in buf. */
#define DUMP_IN_PLACE(d, x, buf)                              \
	do {                                                  \
		(d)->x = (d)->x##0 = (buf);                   \
		(d)->cap##x = sizeof(buf) / sizeof((buf)[0]); \
	} while (0)

static int
dump_run(struct shmsim_kernel *k, FILE *out, enum shmsim_dump_format format,
    const char *title, bool nolock)
{
	/* The snapshot's first elements (not cleared: each is written first).
	 */
	struct dump_proc procs[DUMP_SMALL_PROCS];
	struct dump_fd fds[DUMP_SMALL_FDS];
	struct file *rights[DUMP_SMALL_RIGHTS];
	size_t rightfile[DUMP_SMALL_RIGHTS];
	struct dump_entry entries[DUMP_SMALL_ENTRIES];
	struct dump_file files[DUMP_SMALL_FILES];
	struct dump_shm shms[DUMP_SMALL_SHMS];
	struct dump_obj objs[DUMP_SMALL_OBJS];
	struct dump_name names[DUMP_SMALL_NAMES];
	struct dump_uid uids[DUMP_SMALL_UIDS];
	char strs[DUMP_SMALL_STRS];
	struct dump_map_ent filemap[DUMP_SMALL_MAP], shmmap[DUMP_SMALL_MAP];
	struct dump_map_ent objmap[DUMP_SMALL_MAP];
	struct dump_out w;
	struct dump d;

	if (k == NULL || out == NULL ||
	    (format != SHMSIM_DUMP_TEXT && format != SHMSIM_DUMP_DOT))
		return (EINVAL);
	kernel_enter(k);
	memset(&d, 0, sizeof(d));
	d.k = k;
	d.nolock = nolock;
	DUMP_IN_PLACE(&d, procs, procs);
	DUMP_IN_PLACE(&d, fds, fds);
	DUMP_IN_PLACE(&d, rights, rights);
	DUMP_IN_PLACE(&d, rightfile, rightfile);
	DUMP_IN_PLACE(&d, entries, entries);
	DUMP_IN_PLACE(&d, files, files);
	DUMP_IN_PLACE(&d, shms, shms);
	DUMP_IN_PLACE(&d, objs, objs);
	DUMP_IN_PLACE(&d, names, names);
	DUMP_IN_PLACE(&d, uids, uids);
	DUMP_IN_PLACE(&d, strs, strs);
	d.filemap.small = filemap;
	d.shmmap.small = shmmap;
	d.objmap.small = objmap;
	dump_snap_procs(&d);
	dump_snap_files(&d);
	dump_snap_shm(&d);
	dump_snap_swap(&d);

	w.f = out;
	w.n = 0;
	if (format == SHMSIM_DUMP_TEXT)
		dump_text(&w, &d, title);
	else
		dump_dot(&w, &d, title);
	dw_flush(&w);
	dump_free(&d);
	if (fflush(out) != 0 || ferror(out))
		return (EIO);
	return (0);
}

int
shmsim_dump(struct shmsim_kernel *k, FILE *out, enum shmsim_dump_format format,
    const char *title)
{
	return (dump_run(k, out, format, title, false));
}

/*
 * Model-only: the dump without a lock, for the explorer's step observer
 * (shmsim_explorer_dump()): every simulated thread is suspended at a
 * scheduling point, possibly holding a lock, on the calling host thread,
 * and no other host thread is in the kernel.  A lock taken here could
 * never be granted, and a lock operation would itself be a scheduling
 * point; reading without one is safe because nothing runs meanwhile.
 */
int
shmsim_dump_unlocked(struct shmsim_kernel *k, FILE *out,
    enum shmsim_dump_format format, const char *title)
{
	return (dump_run(k, out, format, title, true));
}
