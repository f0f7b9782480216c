/*
 * fuzz_names: the shm name table (uipc_shm.c: shm_dictionary,
 * shm_lookup, shm_insert, shm_remove) against a trivially correct
 * reference: a plain list of (path, object) pairs with the creator's
 * uid, gid and mode.
 *
 * The input (tools/shmsim/decode.c, run_names) picks the profile, the
 * number of buckets (1 to 16, so that buckets are shared all the time),
 * the descriptor limit and the umasks of four processes with different
 * credentials, then creates, opens (any flag combination) and unlinks
 * paths made of arbitrary bytes: embedded NULs, lengths around
 * MAXPATHLEN, runs of slashes, full FNV-1 collisions, paths used before.
 *
 * After every call the result and errno must be what the reference
 * predicts, and the dictionary must hold exactly the reference's names:
 * each in bucket sm_fnv & shm_hash, sm_fnv the FNV-1 hash of sm_path
 * computed here independently, sm_shmfd the object the reference
 * recorded at creation, newer entries first in a bucket (LIST_INSERT_HEAD).
 * The auditor runs after every call too.  Any difference aborts, with a
 * description and the hint to decode the input.
 *
 * A test harness: it reads the kernel's internals (the src/ headers) without
 * the locks, which is safe because the fuzzer is single-threaded.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "file.h"
#include "fuzz_asan.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"

#define REF_MAXPATHLEN 1024 /* sys/syslimits.h, NUL included */

struct ref_ent {
	char *path;
	const struct shmfd *obj; /* the object id: its address */
	uint64_t seq;		 /* creation order */
	uint32_t fnv;		 /* ref_fnv(path), computed once */
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

struct ref {
	struct shmsim_config cfg;
	struct shmsim_cred creds[8];
	int open_fds[8]; /* descriptors each process holds */
	struct ref_ent *ents;
	int n, cap;
	uint64_t seq;
	int call;
};

static struct ref R;

static void __attribute__((__noreturn__, __format__(__printf__, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_names: call %d: ", R.call);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(shmsim decode names INPUT shows the calls)\n");
	abort();
}

/* FNV-1, 32 bits, with the kernel's offset basis (sys/sys/fnv_hash.h). */
static uint32_t
ref_fnv(const char *s)
{
	uint32_t h = 33554467u;

	for (; *s != '\0'; s++) {
		h *= 16777619u;
		h ^= (unsigned char)*s;
	}
	return (h);
}

static struct ref_ent *
ref_find(const char *path)
{
	int i;

	for (i = 0; i < R.n; i++)
		if (strcmp(R.ents[i].path, path) == 0)
			return (&R.ents[i]);
	return (NULL);
}

static void
ref_remove(struct ref_ent *e)
{
	free(e->path);
	*e = R.ents[--R.n];
}

/* vaccess() for mode bits, root holding every privilege. */
static int
ref_access(const struct ref_ent *e, const struct shmsim_cred *cr, int need)
{
	unsigned bits;
	int i;
	bool member = cr->gid == e->gid;

	if (cr->uid == 0)
		return (0);
	for (i = 0; i < cr->ngroups; i++)
		if (cr->groups[i] == e->gid)
			member = true;
	if (cr->uid == e->uid)
		bits = (e->mode >> 6) & 7;
	else if (member)
		bits = (e->mode >> 3) & 7;
	else
		bits = e->mode & 7;
	return ((bits & (unsigned)need) == (unsigned)need ? 0 : EACCES);
}

static bool
is_special(const char *path)
{
	return (
	    path == NULL || path == SHMSIM_BADPTR || path == SHMSIM_SHM_ANON);
}

/* copyinstr() and the leading '/': EFAULT, ENAMETOOLONG, EINVAL. */
static int
ref_path_error(const char *path, bool slash_check)
{
	if (is_special(path))
		return (EFAULT);
	if (strnlen(path, REF_MAXPATHLEN) >= REF_MAXPATHLEN)
		return (ENAMETOOLONG);
	if (slash_check && path[0] != '/')
		return (EINVAL);
	return (0);
}

/*
 * The error shm_open(3) must give, in the kernel's order; *createp is
 * set when it must create, *entp to the entry it must open.
 */
static int
ref_open(const struct sc_fuzz_call *c, bool *createp, struct ref_ent **entp)
{
	bool old = R.cfg.profile == SHMSIM_PROFILE_2008;
	const struct shmsim_cred *cr = &R.creds[c->pidx];
	int acc = c->flags & SHMSIM_O_ACCMODE, allowed, error;
	bool anon = c->path == SHMSIM_SHM_ANON;
	struct ref_ent *e;

	*createp = false;
	*entp = NULL;
	if (acc != SHMSIM_O_RDONLY && acc != SHMSIM_O_RDWR)
		return (EINVAL);
	allowed =
	    SHMSIM_O_ACCMODE | SHMSIM_O_CREAT | SHMSIM_O_EXCL | SHMSIM_O_TRUNC;
	if (!old)
		allowed |= SHMSIM_O_CLOEXEC | SHMSIM_O_CLOFORK;
	if ((c->flags & ~allowed) != 0)
		return (EINVAL);
	/* Today the path is copied in before falloc; in 2008 after. */
	if (!old && !anon && (error = ref_path_error(c->path, true)) != 0)
		return (error);
	if (R.open_fds[c->pidx] >= R.cfg.max_fds)
		return (EMFILE);
	if (anon)
		return (acc == SHMSIM_O_RDONLY ? EINVAL : 0);
	if (old && (error = ref_path_error(c->path, true)) != 0)
		return (error);
	e = ref_find(c->path);
	if (e == NULL) {
		if ((c->flags & SHMSIM_O_CREAT) == 0)
			return (ENOENT);
		*createp = true;
		return (0);
	}
	if ((c->flags & (SHMSIM_O_CREAT | SHMSIM_O_EXCL)) ==
	    (SHMSIM_O_CREAT | SHMSIM_O_EXCL))
		return (EEXIST);
	error = ref_access(e, cr, acc == SHMSIM_O_RDWR ? 6 : 4);
	if (error == 0)
		*entp = e;
	return (error);
}

static const struct shmfd *
fd_object(const struct sc_fuzz_call *c, int *fflagp, int *fdeflagp)
{
	const struct proc *p = (const struct proc *)c->p;
	const struct filedesc *fdp = p->p_fd;
	const struct file *fp;

	if (c->fd < 0 || c->fd >= fdp->fd_nfiles ||
	    (fp = fdp->fd_ofiles[c->fd].fde_file) == NULL)
		fail("shm_open returned fd %d, which is not in the table",
		    c->fd);
	*fflagp = (int)atomic_load(&fp->f_flag);
	*fdeflagp = fdp->fd_ofiles[c->fd].fde_flags;
	if (fp->f_type != DTYPE_SHM || fp->f_data == NULL)
		fail("fd %d is not a shm file", c->fd);
	return (fp->f_data);
}

static void
check_open(const struct sc_fuzz_call *c)
{
	const struct shmsim_cred *cr = &R.creds[c->pidx];
	const struct shmfd *obj;
	struct ref_ent *e, ne;
	bool create;
	int want, fflag, fdeflag, i;

	want = ref_open(c, &create, &e);
	if (c->error != want)
		fail("shm_open(flags 0x%x) by uid %u: got %s, the reference "
		     "says %s",
		    (unsigned)c->flags, (unsigned)cr->uid,
		    shmsim_errno_name(c->error), shmsim_errno_name(want));
	if (c->error != 0)
		return;
	R.open_fds[c->pidx]++;
	obj = fd_object(c, &fflag, &fdeflag);
	want = (c->flags & SHMSIM_O_ACCMODE) == SHMSIM_O_RDWR ? 3 : 1;
	if ((fflag & 3) != want)
		fail("f_flag 0x%x for access mode %d", (unsigned)fflag,
		    c->flags & SHMSIM_O_ACCMODE);
	if ((fdeflag & UF_EXCLOSE) == 0)
		fail("shm_open's descriptor lacks close-on-exec");
	if (c->path == SHMSIM_SHM_ANON) {
		if (obj->shm_path != NULL)
			fail("an anonymous object has the name %s",
			    obj->shm_path);
		for (i = 0; i < R.n; i++)
			if (R.ents[i].obj == obj)
				fail("an anonymous object is named %s",
				    R.ents[i].path);
		return;
	}
	if (e != NULL) {
		if (obj != e->obj)
			fail("shm_open(%s) opened another object than the "
			     "one created under that name",
			    e->path);
		return;
	}
	if (!create)
		fail("shm_open succeeded with no name to open or create");
	for (i = 0; i < R.n; i++)
		if (R.ents[i].obj == obj)
			fail("shm_open created an object already named %s",
			    R.ents[i].path);
	if (R.n == R.cap) {
		R.cap = R.cap == 0 ? 16 : 2 * R.cap;
		R.ents = realloc(R.ents, (size_t)R.cap * sizeof(*R.ents));
		if (R.ents == NULL)
			abort();
	}
	ne.path = strdup(c->path);
	if (ne.path == NULL)
		abort();
	ne.obj = obj;
	ne.seq = ++R.seq;
	ne.fnv = ref_fnv(ne.path);
	ne.uid = cr->uid;
	ne.gid = cr->gid;
	ne.mode = c->mode & ~cr->umask & 0777;
	R.ents[R.n++] = ne;
}

static void
check_unlink(const struct sc_fuzz_call *c)
{
	bool old = R.cfg.profile == SHMSIM_PROFILE_2008;
	struct ref_ent *e = NULL;
	int want;

	want = ref_path_error(c->path, !old);
	if (want == 0) {
		e = ref_find(c->path);
		want = e == NULL ? ENOENT : ref_access(e, &R.creds[c->pidx], 6);
	}
	if (c->error != want)
		fail("shm_unlink by uid %u: got %s, the reference says %s",
		    (unsigned)R.creds[c->pidx].uid, shmsim_errno_name(c->error),
		    shmsim_errno_name(want));
	if (c->error == 0)
		ref_remove(e);
}

/* The whole dictionary against the reference. */
static void
check_table(struct shmsim_kernel *k)
{
	const struct shm_mapping *map;
	const struct ref_ent *e;
	unsigned long want_mask = 1, b;
	uint64_t prev;
	bool *seen;
	int count = 0;

	while (want_mask * 2 <= R.cfg.hash_buckets)
		want_mask *= 2;
	if (k->shm_hash != want_mask - 1)
		fail("shm_hash %lu for %u buckets", k->shm_hash,
		    R.cfg.hash_buckets);
	seen = calloc((size_t)R.n + 1, sizeof(*seen));
	if (seen == NULL)
		abort();
	for (b = 0; b <= k->shm_hash; b++) {
		prev = UINT64_MAX;
		LIST_FOREACH(map, &k->shm_dictionary[b], sm_link) {
			count++;
			if (strnlen(map->sm_path, REF_MAXPATHLEN) >=
				REF_MAXPATHLEN ||
			    map->sm_path[0] != '/')
				fail("bad name in the dictionary");
			e = ref_find(map->sm_path);
			if (e == NULL)
				fail("%s is in the dictionary, not in the "
				     "reference",
				    map->sm_path);
			if (map->sm_fnv != e->fnv)
				fail("%s: stored hash 0x%08x, FNV-1 says "
				     "0x%08x",
				    map->sm_path, map->sm_fnv, e->fnv);
			if ((map->sm_fnv & k->shm_hash) != b)
				fail("%s in bucket %lu, its hash says %lu",
				    map->sm_path, b,
				    (unsigned long)(map->sm_fnv & k->shm_hash));
			if (seen[e - R.ents])
				fail("%s is in the dictionary twice",
				    map->sm_path);
			seen[e - R.ents] = true;
			if (map->sm_shmfd != e->obj)
				fail("%s names another object", map->sm_path);
			if (map->sm_shmfd->shm_path != map->sm_path)
				fail("%s: shm_path does not point back",
				    map->sm_path);
			if (map->sm_shmfd->shm_uid != e->uid ||
			    map->sm_shmfd->shm_gid != e->gid ||
			    map->sm_shmfd->shm_mode != e->mode)
				fail("%s: owner %u:%u mode 0%o, the reference "
				     "says %u:%u 0%o",
				    map->sm_path,
				    (unsigned)map->sm_shmfd->shm_uid,
				    (unsigned)map->sm_shmfd->shm_gid,
				    (unsigned)map->sm_shmfd->shm_mode,
				    (unsigned)e->uid, (unsigned)e->gid,
				    (unsigned)e->mode);
			if (e->seq >= prev)
				fail("bucket %lu: %s is not in newest-first "
				     "order",
				    b, map->sm_path);
			prev = e->seq;
		}
	}
	free(seen);
	if (count != R.n)
		fail("the dictionary holds %d names, the reference %d", count,
		    R.n);
	if (atomic_load(&k->k_nnames) != (uint64_t)R.n)
		fail("k_nnames %ju, the reference holds %d names",
		    (uintmax_t)atomic_load(&k->k_nnames), R.n);
}

static void
names_begin(void *arg, struct shmsim_kernel *k, const struct shmsim_config *cfg)
{
	int i;

	(void)arg;
	(void)k;
	for (i = 0; i < R.n; i++)
		free(R.ents[i].path);
	free(R.ents);
	memset(&R, 0, sizeof(R));
	R.cfg = *cfg;
}

static void
names_after(void *arg, struct shmsim_kernel *k, const struct sc_fuzz_call *c)
{
	(void)arg;
	R.call++;
	switch (c->op) {
	case FZ_SPAWN:
		if (c->error != 0)
			fail("spawn: %s", shmsim_errno_name(c->error));
		R.creds[c->pidx] = *c->cred;
		break;
	case FZ_OPEN:
		check_open(c);
		break;
	case FZ_UNLINK:
		check_unlink(c);
		break;
	case FZ_CLOSE:
		if (c->error != 0)
			fail("close(%d): %s", c->fd,
			    shmsim_errno_name(c->error));
		R.open_fds[c->pidx]--;
		break;
	default:
		fail("unexpected call %d", (int)c->op);
	}
	check_table(k);
}

/*
 * The kernels' host memory, kept from one input to the next under ASan
 * as fuzz_syscalls keeps it (sc_fuzz_opts.hostmem).
 */
static struct shmsim_hostmem *kept_hostmem;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sc_fuzz_result res;
	struct sc_fuzz_opts o;
	int i;

	memset(&o, 0, sizeof(o));
	o.audit_each = true;
#ifdef SHMSIM_FUZZ_ASAN
	o.hostmem = &kept_hostmem;
#endif
	o.begin = names_begin;
	o.after = names_after;
	(void)sc_fuzz_run(SC_FUZZ_NAMES, data, size, &o, &res);
	if (res.audit_violations != 0) {
		fprintf(stderr,
		    "fuzz_names: the auditor found %d "
		    "violation(s) after call %d:\n%s",
		    res.audit_violations, res.audit_call, res.audit_report);
		abort();
	}
	if (res.leaks != 0) {
		fprintf(stderr, "fuzz_names: %d leak(s):\n%s", res.leaks,
		    res.leak_report);
		abort();
	}
	for (i = 0; i < R.n; i++)
		free(R.ents[i].path);
	free(R.ents);
	memset(&R, 0, sizeof(R));
	return (0);
}

/* The kept host memory goes, so that leak checkers see nothing left. */
static void __attribute__((__destructor__)) names_fini(void)
{
	(void)shmsim_hostmem_destroy(kept_hostmem);
	kept_hostmem = NULL;
}
