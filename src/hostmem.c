/*
 * A cache of host blocks that kernels created one after another share
 * (shmsim_hostmem_create(), src/hostmem.h).
 *
 * XXX(model): no kernel counterpart.  A fuzzer makes a kernel per input,
 * and each kernel takes its few dozen blocks (the name dictionary, the
 * zones' items, pages) from the host again; under AddressSanitizer an
 * allocation and its free, with libFuzzer's malloc hooks, were about a
 * quarter of fuzz_syscalls' run.  A cache keeps the blocks from one
 * kernel to the next, and loses none of the memory checkers' findings:
 *
 * - a block a kernel frees is not handed out again while that kernel
 *   lives: it waits, poisoned (ASan) and inaccessible (memcheck), until
 *   the kernel is destroyed, so a use after free within the kernel's life
 *   is reported as the checkers' own quarantine reports it;
 * - each block has its 16-byte header before it and, after its last
 *   byte, the rest of its size class, both poisoned; the host block
 *   itself keeps the checker's redzones around it;
 * - a block handed out again is undefined for memcheck, and under ASan
 *   filled with 0xbe as ASan's malloc() fills a new one;
 * - a second free finds the block's state not live: the caller panics.
 *
 * One kernel at a time uses a cache (hostmem_attach()), and that kernel
 * has one host thread (threads=single): there is no lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hostmem.h"
#include "kern/kassert.h"
#include "shmsim.h"

#if defined(__SANITIZE_ADDRESS__)
#define HM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HM_ASAN 1
#endif
#endif
#ifdef HM_ASAN
#include <sanitizer/asan_interface.h>
#define HM_NO_ASAN __attribute__((__no_sanitize_address__))
#else
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define HM_NO_ASAN
#endif
/* memcheck cannot run an ASan build: no client requests there. */
#if __has_include(<valgrind/memcheck.h>) && !defined(HM_ASAN)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_NOACCESS(addr, size) ((void)(addr), (void)(size))
#define VALGRIND_MAKE_MEM_DEFINED(addr, size) ((void)(addr), (void)(size))
#define VALGRIND_MAKE_MEM_UNDEFINED(addr, size) ((void)(addr), (void)(size))
#endif

/*
 * Size classes of 64 bytes, header included, up to 16 KiB: a page of
 * 4 KiB and the name dictionary's 8 KiB of buckets fit.  A larger block
 * comes from the host and goes back to it (class 0).
 */
#define HM_GRAIN 64
#define HM_NCLASS 257
#define HM_HDR 16
#define HM_SMALL_MAX ((HM_NCLASS - 1) * HM_GRAIN - HM_HDR)
/* At most this much is kept for the next kernel; the rest goes back. */
#define HM_CACHE_MAX ((size_t)64 << 20)
/* ASan's malloc_fill_byte and max_malloc_fill_size defaults. */
#define HM_FILL_BYTE 0xbe
#define HM_FILL_MAX 4096

#define HH_LIVE 0x6576696cU /* "live" */
#define HH_FREE 0x65657266U /* "free" */

struct hostmem_hdr {
	uint32_t hh_class; /* 0: a large block, straight from the host */
	uint32_t hh_state; /* HH_LIVE or HH_FREE */
	uint64_t hh_size;  /* the bytes asked for */
};
_Static_assert(sizeof(struct hostmem_hdr) == HM_HDR, "hostmem_hdr");

/* A growable array of host blocks (their headers). */
struct hm_vec {
	unsigned char **hv_v;
	size_t hv_n, hv_cap;
};

/*
 * By size class: the blocks ready for reuse, and those the attached
 * kernel freed, which join them when it is destroyed.
 */
struct shmsim_hostmem {
	struct hm_vec hm_free[HM_NCLASS];
	struct hm_vec hm_wait[HM_NCLASS];
	size_t hm_cached_bytes;
	bool hm_attached;
	struct hostmem_stats hm_st;
};

/*
 * The header, read and written past the checkers' poisoning.  A live
 * block's header is read, and its state set to free, in one pass: false
 * if it was not live.
 */
static HM_NO_ASAN bool
hdr_kill(unsigned char *h, struct hostmem_hdr *hh)
{
	struct hostmem_hdr *hp = (struct hostmem_hdr *)(void *)h;

	VALGRIND_MAKE_MEM_DEFINED(h, HM_HDR);
	*hh = *hp;
	if (hh->hh_state == HH_LIVE)
		hp->hh_state = HH_FREE;
	VALGRIND_MAKE_MEM_NOACCESS(h, HM_HDR);
	return (hh->hh_state == HH_LIVE);
}

/* A block handed out: its header says live, of class and size. */
static HM_NO_ASAN void
hdr_live(unsigned char *h, uint32_t class, uint64_t size)
{
	struct hostmem_hdr *hh = (struct hostmem_hdr *)(void *)h;

	VALGRIND_MAKE_MEM_UNDEFINED(h, HM_HDR);
	hh->hh_class = class;
	hh->hh_state = HH_LIVE;
	hh->hh_size = size;
	VALGRIND_MAKE_MEM_NOACCESS(h, HM_HDR);
}

/* A block handed out again: zeroed, or filled as ASan fills a new one. */
static void
hm_fill(unsigned char *p, size_t size, bool zero)
{
	if (zero)
		memset(p, 0, size);
#ifdef HM_ASAN
	else
		memset(p, HM_FILL_BYTE,
		    size < HM_FILL_MAX ? size : HM_FILL_MAX);
#endif
}

/* Room for n more blocks in v. */
static bool
hv_reserve(struct hm_vec *v, size_t n)
{
	unsigned char **nv;
	size_t ncap;

	if (v->hv_cap - v->hv_n >= n)
		return (true);
	ncap = v->hv_cap == 0 ? 16 : 2 * v->hv_cap;
	while (ncap - v->hv_n < n)
		ncap *= 2;
	nv = realloc(v->hv_v, ncap * sizeof(*nv));
	if (nv == NULL)
		return (false);
	v->hv_v = nv;
	v->hv_cap = ncap;
	return (true);
}

static inline bool
hv_push(struct hm_vec *v, unsigned char *h)
{
	if (v->hv_n == v->hv_cap && !hv_reserve(v, 1))
		return (false);
	v->hv_v[v->hv_n++] = h;
	return (true);
}

static inline size_t
hm_class_of(size_t size)
{
	return ((size + HM_HDR + HM_GRAIN - 1) / HM_GRAIN);
}

void *
hostmem_alloc(struct shmsim_hostmem *hm, size_t size, bool zero)
{
	struct hm_vec *fv;
	unsigned char *h, *p;
	size_t class;

	KASSERT(hm->hm_attached, ("%s: no kernel uses this cache", __func__));
	if (size > HM_SMALL_MAX) {
		h = zero ? calloc(1, HM_HDR + size) : malloc(HM_HDR + size);
		if (h == NULL)
			return (NULL);
		hm->hm_st.hs_host++;
		hm->hm_st.hs_live++;
		hdr_live(h, 0, size);
		ASAN_POISON_MEMORY_REGION(h, HM_HDR);
		return (h + HM_HDR);
	}
	class = hm_class_of(size);
	fv = &hm->hm_free[class];
	if (fv->hv_n > 0) {
		h = fv->hv_v[--fv->hv_n];
		hm->hm_cached_bytes -= class * HM_GRAIN;
		hm->hm_st.hs_cached--;
		hm->hm_st.hs_reused++;
		p = h + HM_HDR;
		/*
		 * The header, and the whole class after it, stayed poisoned
		 * since the block was freed: only the bytes asked for open.
		 */
		hdr_live(h, (uint32_t) class, size);
		ASAN_UNPOISON_MEMORY_REGION(p, size);
		VALGRIND_MAKE_MEM_UNDEFINED(p, size);
		hm_fill(p, size, zero);
	} else {
		h = malloc(class * HM_GRAIN);
		if (h == NULL)
			return (NULL);
		hm->hm_st.hs_host++;
		p = h + HM_HDR;
		hdr_live(h, (uint32_t) class, size);
		ASAN_POISON_MEMORY_REGION(h, HM_HDR);
		/* The rest of the class is a redzone. */
		ASAN_POISON_MEMORY_REGION(p + size,
		    class * HM_GRAIN - HM_HDR - size);
		VALGRIND_MAKE_MEM_NOACCESS(p + size,
		    class * HM_GRAIN - HM_HDR - size);
		if (zero)
			hm_fill(p, size, true);
	}
	hm->hm_st.hs_live++;
	return (p);
}

bool
hostmem_free(struct shmsim_hostmem *hm, void *p)
{
	unsigned char *h = (unsigned char *)p - HM_HDR;
	struct hostmem_hdr hh;

	if (!hdr_kill(h, &hh))
		return (false);
	hm->hm_st.hs_live--;
	if (hh.hh_class == 0) {
		free(h);
		return (true);
	}
	ASAN_POISON_MEMORY_REGION(p, hh.hh_size);
	VALGRIND_MAKE_MEM_NOACCESS(p, hh.hh_size);
	if (hv_push(&hm->hm_wait[hh.hh_class], h))
		hm->hm_st.hs_waiting++;
	else
		free(h);
	return (true);
}

/* On every free and redzone check: one load past the poisoning. */
HM_NO_ASAN size_t
hostmem_size(const void *p)
{
	const unsigned char *h = (const unsigned char *)p - HM_HDR;
	size_t size;

	VALGRIND_MAKE_MEM_DEFINED(h, HM_HDR);
	size = (size_t)((const struct hostmem_hdr *)(const void *)h)->hh_size;
	VALGRIND_MAKE_MEM_NOACCESS(h, HM_HDR);
	return (size);
}

bool
hostmem_attach(struct shmsim_hostmem *hm)
{
	if (hm->hm_attached)
		return (false);
	hm->hm_attached = true;
	return (true);
}

void
hostmem_detach(struct shmsim_hostmem *hm)
{
	struct hm_vec *wv, *fv;
	size_t c, n, keep, bytes;

	KASSERT(hm->hm_attached, ("%s: no kernel uses this cache", __func__));
	for (c = 1; c < HM_NCLASS; c++) {
		wv = &hm->hm_wait[c];
		fv = &hm->hm_free[c];
		if ((n = wv->hv_n) == 0)
			continue;
		bytes = c * HM_GRAIN;
		keep = (HM_CACHE_MAX - hm->hm_cached_bytes) / bytes;
		if (keep > n)
			keep = n;
		if (!hv_reserve(fv, keep))
			keep = 0;
		if (keep > 0)
			memcpy(fv->hv_v + fv->hv_n, wv->hv_v,
			    keep * sizeof(*wv->hv_v));
		fv->hv_n += keep;
		hm->hm_cached_bytes += keep * bytes;
		hm->hm_st.hs_cached += keep;
		/* Past the bound, back to the host. */
		for (; keep < n; keep++)
			free(wv->hv_v[keep]);
		wv->hv_n = 0;
	}
	hm->hm_st.hs_waiting = 0;
	hm->hm_attached = false;
}

void
hostmem_stats(const struct shmsim_hostmem *hm, struct hostmem_stats *st)
{
	*st = hm->hm_st;
}

int
shmsim_hostmem_create(struct shmsim_hostmem **hmp)
{
	struct shmsim_hostmem *hm;

	hm = calloc(1, sizeof(*hm));
	if (hm == NULL)
		return (ENOMEM);
	*hmp = hm;
	return (0);
}

int
shmsim_hostmem_destroy(struct shmsim_hostmem *hm)
{
	size_t c, i;

	if (hm == NULL)
		return (0);
	if (hm->hm_attached)
		return (EBUSY);
	for (c = 0; c < HM_NCLASS; c++) {
		for (i = 0; i < hm->hm_free[c].hv_n; i++)
			free(hm->hm_free[c].hv_v[i]);
		free(hm->hm_free[c].hv_v);
		free(hm->hm_wait[c].hv_v);
	}
	free(hm);
	return (0);
}
