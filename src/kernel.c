/*
 * Kernel instances: creation from a config, destruction with the leak
 * check, global counters, host allocation, errno names.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostmem.h"
#include "kern/kassert.h"
#include "kernel_var.h"
#include "vm_map.h"

const char *
shmsim_version(void)
{
	return (SHMSIM_VERSION);
}

/* Simulated boot time: 2008-01-08 (the seed commit), in nanoseconds. */
#define SHMSIM_EPOCH_NS (1199750400LL * 1000000000LL)

void *
shmsim_malloc(size_t size)
{
	void *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		panic("out of host memory (%zu bytes)", size);
	return (p);
}

/*
 * Small blocks: malloc() and memset() rather than calloc(), because
 * glibc's calloc() bypasses the per-thread cache (tcache): every zeroed
 * structure of a system call (file, shmfd, vm object) went through the
 * arena's slow path.  Large blocks (large pages) stay with calloc(),
 * which gets them zeroed from mmap and so commits only what is touched.
 */
#define SHMSIM_CALLOC_SMALL 16384

void *
shmsim_calloc(size_t n, size_t size)
{
	void *p;

	if (n == 0)
		n = 1;
	if (size == 0)
		size = 1;
	if (n <= SHMSIM_CALLOC_SMALL / size) {
		p = malloc(n * size);
		/* Keeps gcc from folding malloc + memset back into calloc. */
		__asm__ __volatile__("" : : "r"(p) : "memory");
		if (p != NULL)
			memset(p, 0, n * size);
	} else
		p = calloc(n, size);
	if (p == NULL)
		panic("out of host memory (%zu x %zu bytes)", n, size);
	return (p);
}

void *
shmsim_realloc(void *p, size_t size)
{
	void *np = realloc(p, size == 0 ? 1 : size);

	if (np == NULL)
		panic("out of host memory (%zu bytes)", size);
	return (np);
}

void
shmsim_report_add(struct shmsim_report *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	r->count++;
	if (r->buf == NULL || r->len == 0 || r->used + 1 >= r->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->used, r->len - r->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	r->used += (size_t)n;
	if (r->used + 1 >= r->len) {
		r->used = r->len - 1;
		return;
	}
	r->buf[r->used++] = '\n';
	r->buf[r->used] = '\0';
}

void
shmsim_config_init(struct shmsim_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->profile = SHMSIM_PROFILE_CURRENT;
	cfg->page_size = 4096;
	cfg->hash_buckets = 1024;
	cfg->max_files = 8192;
	cfg->max_fds = 1024;
	cfg->swap_pages = 65536;
	cfg->mem_pages = 0;
	cfg->threads = SHMSIM_THREADS_MULTI;
}

static int
config_check(const struct shmsim_config *cfg)
{
	int i;

	if (cfg->profile != SHMSIM_PROFILE_CURRENT &&
	    cfg->profile != SHMSIM_PROFILE_2008)
		return (EINVAL);
	if (cfg->page_size < 512 || cfg->page_size > (1u << 20) ||
	    (cfg->page_size & (cfg->page_size - 1)) != 0)
		return (EINVAL);
	if (cfg->hash_buckets < 1 || cfg->hash_buckets > (1u << 26))
		return (EINVAL);
	if (cfg->max_files < 1 || cfg->max_fds < 1)
		return (EINVAL);
	if (cfg->threads != SHMSIM_THREADS_MULTI &&
	    cfg->threads != SHMSIM_THREADS_SINGLE)
		return (EINVAL);
	/* A cache of host blocks has no lock (src/hostmem.c). */
	if (cfg->hostmem != NULL && cfg->threads != SHMSIM_THREADS_SINGLE)
		return (EINVAL);
	if (cfg->page_sizes[0] != 0 && cfg->page_sizes[0] != cfg->page_size)
		return (EINVAL);
	/* Large page sizes: increasing powers of two, at most 1 GiB. */
	for (i = 1; i < SHMSIM_MAXPAGESIZES; i++) {
		uint64_t ps = cfg->page_sizes[i],
			 prev =
			     i == 1 ? cfg->page_size : cfg->page_sizes[i - 1];

		if (ps == 0)
			continue;
		if (prev == 0 || ps <= prev || (ps & (ps - 1)) != 0 ||
		    ps > (UINT64_C(1) << 30))
			return (EINVAL);
	}
	/* Keep reservations (bytes) inside 64 bits. */
	if (cfg->swap_pages > (UINT64_C(1) << 40))
		return (EINVAL);
	return (0);
}

int
shmsim_kernel_create(const struct shmsim_config *cfg, struct shmsim_kernel **kp)
{
	struct shmsim_config defaults;
	struct shmsim_kernel *k;
	int error;

	if (cfg == NULL) {
		shmsim_config_init(&defaults);
		cfg = &defaults;
	}
	error = config_check(cfg);
	if (error != 0)
		return (error);
	if (cfg->hostmem == NULL)
		k = shmsim_calloc(1, sizeof(*k));
	else if (!hostmem_attach(cfg->hostmem))
		return (EBUSY);
	else if ((k = hostmem_alloc(cfg->hostmem, sizeof(*k), true)) == NULL)
		panic("out of host memory (%zu bytes)", sizeof(*k));
	k->k_hostmem = cfg->hostmem;
	k->k_cfg = *cfg;
	k->k_cfg.page_sizes[0] = cfg->page_size;
	k->k_page_shift = (unsigned)__builtin_ctz(cfg->page_size);
	k->k_single = cfg->threads == SHMSIM_THREADS_SINGLE;
	k->k_hostmode = k->k_single ? 0 : CURHOST_MULTI;
	witness_init(&k->k_witness, k->k_single);
	atomic_init(&k->k_clock_ns, SHMSIM_EPOCH_NS);
	sx_init(&k->allprison_lock, "allprison", LC_ALLPRISON, &k->k_witness);
	LIST_INIT(&k->allprison);
	sx_init(&k->allproc_lock, "allproc", LC_ALLPROC, &k->k_witness);
	LIST_INIT(&k->allproc);
	mtx_init(&k->vm_object_list_mtx, "vm object_list", LC_VM_OBJECT_LIST,
	    &k->k_witness);
	TAILQ_INIT(&k->vm_object_list);
	/*
	 * Before the first malloc(9), after witness_init(): gcc then sees
	 * that the witness is still calloc()'s zeroes and drops its memset.
	 */
	uma_startup_k(k);
	filelistinit(k);
	vm_object_init(k);
	vm_map_startup(k);
	swap_dev_init(k);
	shm_dict_init(k);
	*kp = k;
	return (0);
}

/*
 * kernel_enter() for a host thread that is not the recorded one: the
 * first entry records it; any other is a second host thread in a kernel
 * made for one.
 */
void
kernel_enter_foreign(struct shmsim_kernel *k)
{
	const void *me = &_curthread_host, *first = NULL;

	if (atomic_compare_exchange_strong(&k->k_host, &first, me) ||
	    first == me)
		return;
	panic("kernel %p is configured threads=single "
	      "(SHMSIM_THREADS_SINGLE): host thread %p entered it, but host "
	      "thread %p entered it first; a kernel that several host "
	      "threads drive needs threads=multi",
	    (void *)k, me, first);
}

const struct shmsim_config *
shmsim_kernel_config(const struct shmsim_kernel *k)
{
	return (&k->k_cfg);
}

void
shmsim_counters(struct shmsim_kernel *k, struct shmsim_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->objects = atomic_load(&k->k_nobjects);
	c->shm = atomic_load(&k->k_nshm);
	c->names = atomic_load(&k->k_nnames);
	c->files = (uint64_t)atomic_load(&k->openfiles);
	c->pages = atomic_load(&k->k_resident);
	mtx_lock(&k->k_swap.sw_mtx);
	c->swapped = k->k_swap.sw_used;
	c->swap_reserved = k->k_swap.sw_reserved;
	mtx_unlock(&k->k_swap.sw_mtx);
	c->inflight = atomic_load(&k->k_inflight);
	c->procs = atomic_load(&k->k_nprocs);
}

/* What is left once every process has exited and every name is gone. */
static void
kernel_leak_check(struct shmsim_kernel *k, struct shmsim_report *r)
{
	struct shmsim_counters c;
	vm_object_t obj;

	shmsim_counters(k, &c);
	if (c.files != 0)
		shmsim_report_add(r, "leak: %ju open file(s) left",
		    (uintmax_t)c.files);
	if (c.inflight != 0)
		shmsim_report_add(r, "leak: %ju descriptor(s) still in flight",
		    (uintmax_t)c.inflight);
	TAILQ_FOREACH(obj, &k->vm_object_list, object_list) {
		struct shmfd *shmfd = obj->swp_priv;

		if (shmfd != NULL)
			shmsim_report_add(r,
			    "leak: shmfd (ino %ju, size %jd, shm_refs %u) "
			    "left, with its vm object #%ju",
			    (uintmax_t)shmfd->shm_ino,
			    (intmax_t)shmfd->shm_size,
			    atomic_load(&shmfd->shm_refs), (uintmax_t)obj->oid);
		else
			shmsim_report_add(r,
			    "leak: %s vm object #%ju left (ref_count %u, %ju "
			    "resident and %ju swapped page(s))",
			    (vm_object_flags(obj) & OBJ_ANON) != 0 ?
				"anonymous (shadow)" :
				"shm",
			    (uintmax_t)obj->oid, atomic_load(&obj->ref_count),
			    (uintmax_t)obj->resident_page_count,
			    (uintmax_t)obj->swp_count);
	}
	if (c.objects == 0 && c.pages != 0)
		shmsim_report_add(r, "leak: %ju resident page(s) left",
		    (uintmax_t)c.pages);
	if (c.objects == 0 && c.swapped != 0)
		shmsim_report_add(r, "leak: %ju swap slot(s) left",
		    (uintmax_t)c.swapped);
	if (c.objects == 0 && c.swap_reserved != 0)
		shmsim_report_add(r, "leak: %ju byte(s) of swap still reserved",
		    (uintmax_t)c.swap_reserved);
}

/*
 * Whether the dictionary may hold a name, for shm_remove_all().  None when
 * k_nnames (which the auditor checks against the dictionary) is 0 -- the
 * kernel of each of the explorer's schedules -- and then the scan of the
 * empty buckets (1,024 by default) is skipped.  Under INVARIANTS the
 * buckets are checked empty then, and the scan runs anyway.
 */
static bool
kernel_names_left(struct shmsim_kernel *k)
{
	bool none =
	    atomic_load_explicit(&k->k_nnames, memory_order_relaxed) == 0;
#ifdef INVARIANTS
	unsigned long i;

	if (none)
		for (i = 0; i <= k->shm_hash; i++)
			KASSERT(LIST_EMPTY(&k->shm_dictionary[i]),
			    ("%s: bucket %lu holds a name, but k_nnames is 0",
				__func__, i));
	return (true);
#else
	return (!none);
#endif
}

int
shmsim_kernel_destroy(struct shmsim_kernel *k, char *report, size_t len)
{
	struct shmsim_report r = { report, len, 0, 0 };
	vm_object_t obj;
	struct proc *p;

	kernel_enter(k);
	if (report != NULL && len > 0)
		report[0] = '\0';
	while ((p = LIST_FIRST(&k->allproc)) != NULL)
		exit1(p);
	if (kernel_names_left(k))
		shm_remove_all(k);
	kernel_leak_check(k, &r);

	/* Free what leaked, so the host process stays clean. */
	TAILQ_FOREACH(obj, &k->vm_object_list, object_list) {
		struct shmfd *shmfd = obj->swp_priv;

		if (shmfd != NULL) {
			obj->swp_priv = NULL;
			rangelock_destroy(&shmfd->shm_rl);
			free_k(k, shmfd, M_SHMFD);
		}
	}
	vm_object_free_all(k);
	prison_free_all(k);
	sx_destroy(&k->allprison_lock);
	free(k->k_audit_seals);
	shm_dict_destroy(k);
	swap_dev_destroy(k);
	mtx_destroy(&k->vm_object_list_mtx);
	sx_destroy(&k->allproc_lock);
	uma_reclaim_k(k);
	malloc_leak_check(k, &r);
	malloc_stats_destroy(k);
	if (k->k_hostmem == NULL)
		free(k);
	else {
		/* k, and everything k freed, is the next kernel's to reuse. */
		struct shmsim_hostmem *hm = k->k_hostmem;

		if (!hostmem_free(hm, k))
			panic("%s: kernel %p is not a block of its host memory",
			    __func__, (void *)k);
		hostmem_detach(hm);
	}
	return (r.count);
}

/* clang-format off */
#define ERRNO_MAP(XX)							\
	XX(EPERM) XX(ENOENT) XX(ESRCH) XX(EINTR) XX(EIO) XX(ENXIO) \
	XX(E2BIG) XX(EBADF) XX(ECHILD) XX(EAGAIN) XX(ENOMEM) XX(EACCES) \
	XX(EFAULT) XX(EBUSY) XX(EEXIST) XX(EXDEV) XX(ENODEV) XX(ENOTDIR) \
	XX(EISDIR) XX(EINVAL) XX(ENFILE) XX(EMFILE) XX(ENOTTY) XX(EFBIG) \
	XX(ENOSPC) XX(ESPIPE) XX(EROFS) XX(ERANGE) XX(ENAMETOOLONG) \
	XX(ENOSYS) XX(EOPNOTSUPP) XX(EOVERFLOW) XX(EDEADLK) XX(ENOTCAPABLE) \
	XX(ECAPMODE)
/* clang-format on */

/* ENOTSUP is EOPNOTSUPP on FreeBSD and on Linux alike. */
#define ENOTCAPABLE SHMSIM_ENOTCAPABLE
#define ECAPMODE SHMSIM_ECAPMODE

struct errno_name {
	int value;
	const char *name;
};

#define ERRNO_ENTRY(e) { e, #e },
static const struct errno_name errno_names[] = { ERRNO_MAP(ERRNO_ENTRY) };

const char *
shmsim_errno_name(int error)
{
	size_t i;

	if (error == 0)
		return ("0");
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].value == error)
			return (errno_names[i].name);
	return ("E?");
}

int
shmsim_errno_from_name(const char *name)
{
	size_t i;

	if (strcmp(name, "ENOTSUP") == 0)
		return (EOPNOTSUPP);
	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return (errno_names[i].value);
	return (0);
}
