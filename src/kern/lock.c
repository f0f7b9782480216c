/*
 * The lock layer: mtx(9), sx(9), rwlock(9), rangelock on one atomic lock
 * word each (futex(2) when a host thread must sleep), with a WITNESS-style
 * order checker under INVARIANTS (subr_witness.c in spirit), and the
 * explorer's blocking when a simulated thread finds a lock held.
 */
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kern/kassert.h"
#include "kern/lock.h"
#include "kern/sched.h"

static const char *const lock_class_names[LC_NCLASSES] = {
	[LC_ALLPRISON] = "allprison",
	[LC_ALLPROC] = "allproc",
	[LC_FILEDESC] = "filedesc structure",
	[LC_FOFFSET] = "file offset",
	[LC_UNP_RIGHTS] = "unp rights",
	[LC_SHM_DICT] = "shm dictionary",
	[LC_SHM_RL] = "shm rangelock",
	[LC_VM_MAP] = "vm map (user)",
	[LC_VM_OBJECT] = "vm object",
	[LC_SHM_TIMESTAMP] = "shm timestamps",
	[LC_VM_OBJECT_LIST] = "vm object_list",
	[LC_SWAP] = "swap device",
};

/*
 * The documented order (freebsd-shm-semantics.md, section 1.5), recorded
 * at kernel creation so that its reversal is caught on first sight.
 */
static const enum lock_class_id documented_order[] = {
	LC_SHM_DICT,
	LC_SHM_RL,
	LC_VM_MAP,
	LC_VM_OBJECT,
	LC_SHM_TIMESTAMP,
};

_Noreturn void
panic(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Under the explorer: the panic with the schedule that got here. */
	sched_panic_hook(msg);
	fprintf(stderr, "panic: %s\n", msg);
	fflush(stderr);
	abort();
}

const char *
lock_class_name(enum lock_class_id c)
{
	return (c < LC_NCLASSES ? lock_class_names[c] : "?");
}

void
witness_init(struct witness *w, bool single)
{
	size_t i, j;

	memset(w, 0, sizeof(*w));
	w->w_single = single;
	for (i = 0; i < sizeof(documented_order) / sizeof(documented_order[0]);
	     i++)
		for (j = i + 1;
		     j < sizeof(documented_order) / sizeof(documented_order[0]);
		     j++) {
			struct witness_site *ws =
			    &w->w_order[documented_order[i]]
				       [documented_order[j]];
			/* Nobody else sees the kernel yet: plain stores
			 * (a sequentially consistent one is an xchg). */
			atomic_store_explicit(&ws->ws_file,
			    "(documented lock order)", memory_order_relaxed);
			atomic_store_explicit(&ws->ws_line, 0,
			    memory_order_relaxed);
		}
}

#ifdef INVARIANTS
/* A source path from "src/" on, as the explorer's step lists print it. */
static const char *
witness_file(const char *file)
{
	const char *s = file != NULL ? strstr(file, "src/") : NULL;

	return (s != NULL ? s : file);
}

/* subr_witness.c: witness_checkorder() */
static void
witness_checkorder(struct sim_thread *td, struct lock_object *lo,
    const char *file, int line)
{
	struct witness *w = lo->lo_witness;
	struct witness_site *rev, *fwd;
	const char *expected = NULL;
	int i;

	if (w == NULL)
		return;
	for (i = 0; i < td->td_nheld; i++) {
		struct held_lock *h = &td->td_held[i];
		enum lock_class_id a = h->hl_lock->lo_class;
		enum lock_class_id b = lo->lo_class;

		if (h->hl_lock == lo)
			panic("%s: recursing on non-recursive lock \"%s\" @ "
			      "%s:%d, first acquired @ %s:%d",
			    __func__, lo->lo_name, witness_file(file), line,
			    witness_file(h->hl_file), h->hl_line);
		if (a == b || h->hl_lock->lo_witness != w)
			continue;
		rev = &w->w_order[b][a];
		expected = atomic_load(&rev->ws_file);
		if (expected != NULL)
			panic("lock order reversal:\n"
			      " 1st \"%s\" (%s) @ %s:%d\n"
			      " 2nd \"%s\" (%s) @ %s:%d\n"
			      " the order \"%s\" -> \"%s\" was established "
			      "@ %s:%d",
			    h->hl_lock->lo_name, lock_class_name(a),
			    witness_file(h->hl_file), h->hl_line, lo->lo_name,
			    lock_class_name(b), witness_file(file), line,
			    lock_class_name(b), lock_class_name(a),
			    witness_file(expected), atomic_load(&rev->ws_line));
		fwd = &w->w_order[a][b];
		if (atomic_load(&fwd->ws_file) == NULL) {
			const char *none = NULL;

			atomic_store(&fwd->ws_line, line);
			atomic_compare_exchange_strong(&fwd->ws_file, &none,
			    file);
		}
	}
}
#endif

/*
 * The held-lock list: kept under INVARIANTS (WITNESS and the owner
 * assertions) and, in every build, for a thread the explorer runs, whose
 * deadlock report names the locks each thread holds.
 */
static void
lock_acquired(struct sim_thread *td, struct lock_object *lo, const char *file,
    int line)
{
#ifndef INVARIANTS
	if (__predict_true(td->td_sched == NULL))
		return;
#endif
	if (td->td_nheld >= WITNESS_MAXHELD)
		panic("%s: too many locks held (%d)", __func__, td->td_nheld);
	td->td_held[td->td_nheld].hl_lock = lo;
	td->td_held[td->td_nheld].hl_file = file;
	td->td_held[td->td_nheld].hl_line = line;
	td->td_nheld++;
}

static void
lock_released(struct sim_thread *td, struct lock_object *lo)
{
	int i;

#ifndef INVARIANTS
	if (__predict_true(td->td_sched == NULL))
		return;
#endif
	for (i = td->td_nheld - 1; i >= 0; i--)
		if (td->td_held[i].hl_lock == lo)
			break;
	if (i < 0)
		panic("%s: releasing unheld lock \"%s\"", __func__,
		    lo->lo_name);
	memmove(&td->td_held[i], &td->td_held[i + 1],
	    (size_t)(td->td_nheld - i - 1) * sizeof(td->td_held[0]));
	td->td_nheld--;
}

bool
lock_owned_by_curthread(const struct lock_object *lo)
{
	struct sim_thread *td = cur_sim_thread();
	int i;

	for (i = 0; i < td->td_nheld; i++)
		if (td->td_held[i].hl_lock == lo)
			return (true);
	return (false);
}

int
lock_nheld(void)
{
	return (cur_sim_thread()->td_nheld);
}

/*
 * subr_witness.c: witness_warn() with WARN_PANIC, as userret() calls it:
 * list the locks the thread still holds, innermost first, each with the
 * site that took it, then panic.
 */
_Noreturn void
witness_userret_panic(const char *call)
{
	struct sim_thread *td = cur_sim_thread();
	char buf[2048];
	size_t used = 0;
	int i, n;

	buf[0] = '\0';
	for (i = td->td_nheld - 1; i >= 0 && used < sizeof(buf); i--) {
		const struct held_lock *h = &td->td_held[i];

		n = snprintf(buf + used, sizeof(buf) - used,
		    "\n \"%s\" (%s) locked @ %s:%d", h->hl_lock->lo_name,
		    lock_class_name(h->hl_lock->lo_class),
#ifdef INVARIANTS
		    witness_file(h->hl_file),
#else
		    h->hl_file,
#endif
		    h->hl_line);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	panic("userret: returning from %s with %d lock(s) held:%s", call,
	    td->td_nheld, buf);
}

static void
lock_object_init(struct lock_object *lo, const char *name, enum lock_class_id c,
    struct witness *w)
{
	lo->lo_name = name;
	lo->lo_class = c;
	lo->lo_single = w != NULL && w->w_single;
	lo->lo_witness = w;
	atomic_init(&lo->lo_word, 0);
}

static void
lock_object_destroy(struct lock_object *lo)
{
	KASSERT((atomic_load_explicit(&lo->lo_word, memory_order_relaxed) &
		    (LW_WRITER | LW_READERS)) == 0,
	    ("%s: \"%s\" destroyed while held", __func__, lo->lo_name));
	(void)lo;
}

#ifdef INVARIANTS
#define CHECKORDER(td, lo, file, line) \
	witness_checkorder((td), (lo), (file), (line))
#else
#define CHECKORDER(td, lo, file, line) \
	((void)(td), (void)(lo), (void)(file), (void)(line))
#endif

/* ------------------------------------------------------------ lock word */

static inline bool
lw_try_wlock(atomic_uint *word)
{
	unsigned int w = 0;

	if (atomic_compare_exchange_strong_explicit(word, &w, LW_WRITER,
		memory_order_acquire, memory_order_relaxed))
		return (true);
	while ((w & ~LW_WAITERS) == 0)
		if (atomic_compare_exchange_weak_explicit(word, &w,
			w | LW_WRITER, memory_order_acquire,
			memory_order_relaxed))
			return (true);
	return (false);
}

static inline bool
lw_try_rlock(atomic_uint *word)
{
	unsigned int w = atomic_load_explicit(word, memory_order_relaxed);

	while ((w & LW_WRITER) == 0) {
		KASSERT((w & LW_READERS) != LW_READERS,
		    ("lock word: too many readers"));
		if (atomic_compare_exchange_weak_explicit(word, &w, w + 1,
			memory_order_acquire, memory_order_relaxed))
			return (true);
	}
	return (false);
}

/*
 * The same operations for a lock of a kernel driven by one host thread
 * (lo_single): plain loads and stores.  Only the explorer's fibers can
 * find such a lock held, and they switch at scheduling points only, never
 * between the load and the store.
 */
static inline unsigned int
lw_plain_load(const atomic_uint *word)
{
	return (atomic_load_explicit(word, memory_order_relaxed));
}

static inline void
lw_plain_store(atomic_uint *word, unsigned int w)
{
	atomic_store_explicit(word, w, memory_order_relaxed);
}

static inline bool
lw_try_wlock_single(atomic_uint *word)
{
	unsigned int w = lw_plain_load(word);

	if ((w & ~LW_WAITERS) != 0)
		return (false);
	lw_plain_store(word, w | LW_WRITER);
	return (true);
}

static inline bool
lw_try_rlock_single(atomic_uint *word)
{
	unsigned int w = lw_plain_load(word);

	if ((w & LW_WRITER) != 0)
		return (false);
	KASSERT((w & LW_READERS) != LW_READERS,
	    ("lock word: too many readers"));
	lw_plain_store(word, w + 1);
	return (true);
}

static inline bool
lw_try_lock(const struct lock_object *lo, atomic_uint *word, bool shared)
{
	if (lo->lo_single)
		return (shared ? lw_try_rlock_single(word) :
				 lw_try_wlock_single(word));
	return (shared ? lw_try_rlock(word) : lw_try_wlock(word));
}

static void
lw_futex_wait(atomic_uint *word, unsigned int val)
{
#ifdef __linux__
	(void)syscall(SYS_futex, (unsigned int *)word, FUTEX_WAIT_PRIVATE, val,
	    NULL, NULL, 0);
#else
	(void)word;
	(void)val;
	sched_yield();
#endif
}

static void
lw_futex_wake(atomic_uint *word)
{
#ifdef __linux__
	(void)syscall(SYS_futex, (unsigned int *)word, FUTEX_WAKE_PRIVATE,
	    INT_MAX, NULL, NULL, 0);
#else
	(void)word;
#endif
}

static inline void
cpu_spinwait(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * The contended path on a host thread: spin a little, then sleep on the
 * word with LW_WAITERS set; every release that sees the bit wakes all
 * sleepers, which retry.
 */
static void
lw_wait_host(atomic_uint *word, bool shared)
{
	unsigned int w;
	int spins;

	for (;;) {
		for (spins = 0; spins < 100; spins++) {
			if (shared ? lw_try_rlock(word) : lw_try_wlock(word))
				return;
			cpu_spinwait();
		}
		w = atomic_load_explicit(word, memory_order_relaxed);
		if (shared ? (w & LW_WRITER) == 0 : (w & ~LW_WAITERS) == 0)
			continue;
		if ((w & LW_WAITERS) == 0 &&
		    !atomic_compare_exchange_strong_explicit(word, &w,
			w | LW_WAITERS, memory_order_relaxed,
			memory_order_relaxed))
			continue;
		lw_futex_wait(word, w | LW_WAITERS);
	}
}

/*
 * The contended path under the explorer: the simulated thread sleeps on
 * the lock until a release wakes it, then retries (it may lose the race
 * again to a thread the explorer runs first).
 */
static void
lock_wait(struct sim_thread *td, struct lock_object *lo, bool shared,
    const char *func, const char *file, int line)
{
	if (td->td_sched == NULL) {
		lw_wait_host(&lo->lo_word, shared);
		return;
	}
	do
		sched_sleep(td, lo, lo->lo_name, func, file, line);
	while (!lw_try_lock(lo, &lo->lo_word, shared));
}

static inline void
lw_wunlock(struct sim_thread *td, struct lock_object *lo)
{
	unsigned int old;

	if (lo->lo_single) {
		old = lw_plain_load(&lo->lo_word);
		lw_plain_store(&lo->lo_word, 0);
	} else
		old = atomic_exchange_explicit(&lo->lo_word, 0,
		    memory_order_release);
	KASSERT((old & LW_WRITER) != 0,
	    ("%s: \"%s\" not write-locked", __func__, lo->lo_name));
	if (__predict_false((old & LW_WAITERS) != 0))
		lw_futex_wake(&lo->lo_word);
	if (__predict_false(td->td_sched != NULL))
		sched_wakeup(td, lo);
}

static inline void
lw_runlock(struct sim_thread *td, struct lock_object *lo)
{
	unsigned int old;

	if (lo->lo_single) {
		old = lw_plain_load(&lo->lo_word);
		lw_plain_store(&lo->lo_word, old - 1);
	} else
		old = atomic_fetch_sub_explicit(&lo->lo_word, 1,
		    memory_order_release);
	KASSERT((old & LW_READERS) != 0 && (old & LW_WRITER) == 0,
	    ("%s: \"%s\" not read-locked", __func__, lo->lo_name));
	if (__predict_false(
		(old & LW_WAITERS) != 0 && (old & LW_READERS) == 1)) {
		atomic_fetch_and_explicit(&lo->lo_word, ~LW_WAITERS,
		    memory_order_relaxed);
		lw_futex_wake(&lo->lo_word);
	}
	if (__predict_false(td->td_sched != NULL))
		sched_wakeup(td, lo);
}

static inline void
lock_xlock(struct lock_object *lo, const char *op, const char *func,
    const char *file, int line)
{
	struct sim_thread *td = cur_sim_thread();

	SCHED_POINT_AT(op, lo->lo_name, func, file, line);
	CHECKORDER(td, lo, file, line);
	if (__predict_false(!lw_try_lock(lo, &lo->lo_word, false)))
		lock_wait(td, lo, false, func, file, line);
	lock_acquired(td, lo, file, line);
}

static inline void
lock_slock(struct lock_object *lo, const char *op, const char *func,
    const char *file, int line)
{
	struct sim_thread *td = cur_sim_thread();

	SCHED_POINT_AT(op, lo->lo_name, func, file, line);
	CHECKORDER(td, lo, file, line);
	if (__predict_false(!lw_try_lock(lo, &lo->lo_word, true)))
		lock_wait(td, lo, true, func, file, line);
	lock_acquired(td, lo, file, line);
}

static inline void
lock_xunlock(struct lock_object *lo, const char *op, const char *func,
    const char *file, int line)
{
	struct sim_thread *td = cur_sim_thread();

	lock_released(td, lo);
	lw_wunlock(td, lo);
	SCHED_POINT_AT(op, lo->lo_name, func, file, line);
}

static inline void
lock_sunlock(struct lock_object *lo, const char *op, const char *func,
    const char *file, int line)
{
	struct sim_thread *td = cur_sim_thread();

	lock_released(td, lo);
	lw_runlock(td, lo);
	SCHED_POINT_AT(op, lo->lo_name, func, file, line);
}

/* kern_mutex.c: mtx_init() */
void
mtx_init(struct mtx *m, const char *name, enum lock_class_id c,
    struct witness *w)
{
	lock_object_init(&m->lock_object, name, c, w);
}

/* kern_mutex.c: mtx_destroy() */
void
mtx_destroy(struct mtx *m)
{
	lock_object_destroy(&m->lock_object);
}

/* kern_mutex.c: __mtx_lock_flags() */
void
_mtx_lock_flags(struct mtx *m, const char *func, const char *file, int line)
{
	lock_xlock(&m->lock_object, "mtx_lock", func, file, line);
}

/* kern_mutex.c: __mtx_unlock_flags() */
void
_mtx_unlock_flags(struct mtx *m, const char *func, const char *file, int line)
{
	lock_xunlock(&m->lock_object, "mtx_unlock", func, file, line);
}

/* kern_sx.c: sx_init() */
void
sx_init(struct sx *sx, const char *name, enum lock_class_id c,
    struct witness *w)
{
	lock_object_init(&sx->lock_object, name, c, w);
	atomic_init(&sx->sx_owner, NULL);
}

/* kern_sx.c: sx_destroy() */
void
sx_destroy(struct sx *sx)
{
	lock_object_destroy(&sx->lock_object);
}

/* kern_sx.c: _sx_xlock() */
void
_sx_xlock_flags(struct sx *sx, const char *func, const char *file, int line)
{
	lock_xlock(&sx->lock_object, "sx_xlock", func, file, line);
	atomic_store_explicit(&sx->sx_owner, curthread_token(),
	    memory_order_relaxed);
}

/* kern_sx.c: _sx_slock() */
void
_sx_slock_flags(struct sx *sx, const char *func, const char *file, int line)
{
	lock_slock(&sx->lock_object, "sx_slock", func, file, line);
}

/* kern_sx.c: _sx_xunlock() */
void
_sx_xunlock_flags(struct sx *sx, const char *func, const char *file, int line)
{
	KASSERT(sx_xlocked(sx),
	    ("_sx_xunlock: %s not xlocked by me", sx->lock_object.lo_name));
	atomic_store_explicit(&sx->sx_owner, NULL, memory_order_relaxed);
	lock_xunlock(&sx->lock_object, "sx_xunlock", func, file, line);
}

/* kern_sx.c: _sx_sunlock() */
void
_sx_sunlock_flags(struct sx *sx, const char *func, const char *file, int line)
{
	lock_sunlock(&sx->lock_object, "sx_sunlock", func, file, line);
}

/* kern_rwlock.c: rw_init() */
void
rw_init(struct rwlock *rw, const char *name, enum lock_class_id c,
    struct witness *w)
{
	lock_object_init(&rw->lock_object, name, c, w);
	atomic_init(&rw->rw_owner, NULL);
}

/* kern_rwlock.c: rw_destroy() */
void
rw_destroy(struct rwlock *rw)
{
	lock_object_destroy(&rw->lock_object);
}

/* kern_rwlock.c: _rw_wlock_cookie() */
void
_rw_wlock_flags(struct rwlock *rw, const char *func, const char *file, int line)
{
	lock_xlock(&rw->lock_object, "rw_wlock", func, file, line);
	atomic_store_explicit(&rw->rw_owner, curthread_token(),
	    memory_order_relaxed);
}

/* kern_rwlock.c: __rw_rlock() */
void
_rw_rlock_flags(struct rwlock *rw, const char *func, const char *file, int line)
{
	lock_slock(&rw->lock_object, "rw_rlock", func, file, line);
}

/* kern_rwlock.c: _rw_wunlock_cookie() */
void
_rw_wunlock_flags(struct rwlock *rw, const char *func, const char *file,
    int line)
{
	KASSERT(rw_wowned(rw),
	    ("_rw_wunlock: %s not wlocked by me", rw->lock_object.lo_name));
	atomic_store_explicit(&rw->rw_owner, NULL, memory_order_relaxed);
	lock_xunlock(&rw->lock_object, "rw_wunlock", func, file, line);
}

/* kern_rwlock.c: _rw_runlock_cookie() */
void
_rw_runlock_flags(struct rwlock *rw, const char *func, const char *file,
    int line)
{
	lock_sunlock(&rw->lock_object, "rw_runlock", func, file, line);
}

/* kern_rangelock.c: rangelock_init() */
void
rangelock_init(struct rangelock *rl, const char *name, struct witness *w)
{
	lock_object_init(&rl->lock_object, name, LC_SHM_RL, w);
	atomic_init(&rl->rl_seq, 0);
	atomic_init(&rl->rl_nwaiters, 0);
	TAILQ_INIT(&rl->rl_granted);
}

/* kern_rangelock.c: rangelock_destroy() */
void
rangelock_destroy(struct rangelock *rl)
{
	KASSERT(TAILQ_EMPTY(&rl->rl_granted),
	    ("%s: %s still granted", __func__, rl->lock_object.lo_name));
	lock_object_destroy(&rl->lock_object);
}

static bool
rangelock_conflicts(const struct rangelock *rl, const struct rl_q_entry *e)
{
	const struct rl_q_entry *g;

	TAILQ_FOREACH(g, &rl->rl_granted, rl_q_link) {
		if (g->rl_q_start >= e->rl_q_end ||
		    e->rl_q_start >= g->rl_q_end)
			continue;
		if (g->rl_q_write || e->rl_q_write)
			return (true);
	}
	return (false);
}

/* The granted list's own lock: held for a few instructions, never
 * across a scheduling point, so the explorer never finds it held. */
static void
rl_list_lock(struct rangelock *rl)
{
	if (rl->lock_object.lo_single) {
		KASSERT(lw_plain_load(&rl->lock_object.lo_word) == 0,
		    ("%s: list lock held", __func__));
		lw_plain_store(&rl->lock_object.lo_word, LW_WRITER);
		return;
	}
	while (!lw_try_wlock(&rl->lock_object.lo_word))
		cpu_spinwait();
}

static void
rl_list_unlock(struct rangelock *rl)
{
	atomic_store_explicit(&rl->lock_object.lo_word, 0,
	    memory_order_release);
}

/* A release advances rl_seq and wakes the host threads sleeping on it. */
static void
rl_release_wake(struct rangelock *rl)
{
	if (rl->lock_object.lo_single) {
		atomic_store_explicit(&rl->rl_seq,
		    lw_plain_load(&rl->rl_seq) + 1, memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&rl->rl_seq, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&rl->rl_nwaiters, memory_order_seq_cst) != 0)
		lw_futex_wake(&rl->rl_seq);
}

/* kern_rangelock.c: rangelock_lock_int() */
void
_rangelock_lock_flags(struct rangelock *rl, struct rl_q_entry *e, off_t start,
    off_t end, bool write, const char *func, const char *file, int line)
{
	struct sim_thread *td = cur_sim_thread();
	unsigned int seq;

	/*
	 * XXX(model): the kernel's rangelock_lock_int() does not check the
	 * range; an inverted one (start > end) overlaps nothing there and
	 * silently excludes no one.  FreeBSD fixed the caller that passed
	 * one (82d8c609cfb7, "posixshm: Fix range locking in shm_write()",
	 * D49673); the model asserts the contract every caller must keep.
	 */
	KASSERT(start <= end,
	    ("_rangelock_lock: inverted range [%jd, %jd) on \"%s\" @ %s:%d",
		(intmax_t)start, (intmax_t)end, rl->lock_object.lo_name, file,
		line));
	SCHED_POINT_AT(write ? "rangelock_wlock" : "rangelock_rlock",
	    rl->lock_object.lo_name, func, file, line);
	CHECKORDER(td, &rl->lock_object, file, line);
	e->rl_q_start = start;
	e->rl_q_end = end;
	e->rl_q_write = write;
	for (;;) {
		seq = atomic_load_explicit(&rl->rl_seq, memory_order_acquire);
		rl_list_lock(rl);
		if (!rangelock_conflicts(rl, e))
			break;
		rl_list_unlock(rl);
		if (td->td_sched != NULL) {
			sched_sleep(td, rl, rl->lock_object.lo_name, func, file,
			    line);
			continue;
		}
		atomic_fetch_add_explicit(&rl->rl_nwaiters, 1,
		    memory_order_seq_cst);
		lw_futex_wait(&rl->rl_seq, seq);
		atomic_fetch_sub_explicit(&rl->rl_nwaiters, 1,
		    memory_order_relaxed);
	}
	TAILQ_INSERT_TAIL(&rl->rl_granted, e, rl_q_link);
	rl_list_unlock(rl);
	lock_acquired(td, &rl->lock_object, file, line);
}

/* kern_rangelock.c: rangelock_unlock() */
void
_rangelock_unlock_flags(struct rangelock *rl, struct rl_q_entry *e,
    const char *func, const char *file, int line)
{
	struct sim_thread *td = cur_sim_thread();

	lock_released(td, &rl->lock_object);
	rl_list_lock(rl);
	TAILQ_REMOVE(&rl->rl_granted, e, rl_q_link);
	rl_list_unlock(rl);
	rl_release_wake(rl);
	if (td->td_sched != NULL)
		sched_wakeup(td, rl);
	SCHED_POINT_AT("rangelock_unlock", rl->lock_object.lo_name, func, file,
	    line);
}
