/*
 * Locks for the model: mtx(9), sx(9), rwlock(9) and rangelock, named and
 * ordered like the kernel's.
 *
 * Every lock operation goes through this layer.  Under INVARIANTS it
 * keeps, per host thread, the list of locks held with the site that took
 * each, and feeds a per-kernel WITNESS-style order checker: the first
 * time class B is taken while class A is held, "A before B" is recorded
 * with both sites; taking A while holding B after that is a lock order
 * reversal, and the model panics naming the sites of both acquisitions
 * and the site where the other order was first seen.  The documented
 * order (shm_dict_lock -> shm_rl -> vm map -> vm object ->
 * shm_timestamp_lock) is
 * recorded from kernel creation on, so a reversal of it is caught the
 * first time it happens.  Every operation is also a scheduling point
 * (kern/sched.h); under the explorer a lock that is held makes the
 * simulated thread sleep there until it is released.
 */
#ifndef SHMSIM_KERN_LOCK_H
#define SHMSIM_KERN_LOCK_H

#include <sys/types.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <bsd/sys/queue.h>

#include "kern/kassert.h"
#include "kern/thread.h"

/*
 * The fast paths are always inline (sys/cdefs.h: __always_inline), also
 * under link-time optimization, which otherwise takes them out of line
 * for the __func__/__FILE__ arguments they pass on.
 */
#ifndef __always_inline
#define __always_inline __inline __attribute__((__always_inline__))
#endif

/*
 * Lock classes.  WITNESS orders classes, not instances: every vm object
 * lock is one class, as in the kernel.
 */
enum lock_class_id {
	LC_ALLPRISON,	   /* sx "allprison" */
	LC_ALLPROC,	   /* sx "allproc" */
	LC_FILEDESC,	   /* sx "filedesc structure" */
	LC_FOFFSET,	   /* mtx "file offset" */
	LC_UNP_RIGHTS,	   /* mtx "unp rights" (descriptors in flight) */
	LC_SHM_DICT,	   /* sx "shm dictionary" */
	LC_SHM_RL,	   /* rangelock "shm rangelock" */
	LC_VM_MAP,	   /* sx "vm map (user)": a process's address space */
	LC_VM_OBJECT,	   /* rwlock "vm object" */
	LC_SHM_TIMESTAMP,  /* mtx "shm timestamps" */
	LC_VM_OBJECT_LIST, /* mtx "vm object_list" */
	LC_SWAP,	   /* mtx "swap device" */
	LC_NCLASSES
};

struct witness;

/*
 * The lock word, one atomic per lock as in the kernel's mtx_lock/sx_lock:
 * LW_WRITER while held exclusively, else the number of shared holders;
 * LW_WAITERS when a host thread sleeps on it (futex(2)).  Uncontended,
 * an acquire is one compare-and-swap and a release one atomic.
 */
#define LW_WRITER 0x80000000u
#define LW_WAITERS 0x40000000u
#define LW_READERS 0x3fffffffu

/*
 * lo_single: the lock belongs to a kernel driven by one host thread
 * (SHMSIM_THREADS_SINGLE), copied from its witness at init: the lock word
 * is then read and written with plain loads and stores.  The order
 * checks, the held-lock list, the scheduling points and the assertions
 * are the same in both modes.
 */
struct lock_object {
	const char *lo_name;
	enum lock_class_id lo_class;
	bool lo_single;
	struct witness *lo_witness; /* the kernel's order checker */
	atomic_uint lo_word;
};

struct mtx {
	struct lock_object lock_object;
};

struct sx {
	struct lock_object lock_object;
	_Atomic(const void *) sx_owner; /* exclusive owner, or NULL */
};

/* rwlock(9); the VM object lock. */
struct rwlock {
	struct lock_object lock_object;
	_Atomic(const void *) rw_owner;
};

/*
 * Byte-range reader/writer lock (kern_rangelock.c).  XXX(model): a range
 * is granted once it conflicts with no granted range (writers conflict
 * with everything overlapping; readers with overlapping writers); the
 * granted list sits under a small internal lock (lock_object.lo_word) and
 * waiters sleep on rl_seq, which every unlock advances.  The caller
 * provides the queue entry, which serves as the cookie.
 */
struct rl_q_entry {
	TAILQ_ENTRY(rl_q_entry) rl_q_link;
	off_t rl_q_start, rl_q_end;
	bool rl_q_write;
};

struct rangelock {
	struct lock_object lock_object;
	atomic_uint rl_seq;
	atomic_uint rl_nwaiters;
	TAILQ_HEAD(, rl_q_entry) rl_granted;
};

/* The per-kernel order checker. */
struct witness_site {
	_Atomic(const char *) ws_file;
	atomic_int ws_line;
};
struct witness {
	struct witness_site w_order[LC_NCLASSES][LC_NCLASSES];
	bool w_single; /* the kernel's locks are for one host thread */
};

void witness_init(struct witness *w, bool single);
const char *lock_class_name(enum lock_class_id c);

/* The calling thread's identity, for owner assertions. */
static __always_inline const void *
curthread_token(void)
{
	return (cur_sim_thread());
}

bool lock_owned_by_curthread(const struct lock_object *lo);
int lock_nheld(void);

void mtx_init(struct mtx *m, const char *name, enum lock_class_id c,
    struct witness *w);
void mtx_destroy(struct mtx *m);
void sx_init(struct sx *sx, const char *name, enum lock_class_id c,
    struct witness *w);
void sx_destroy(struct sx *sx);
void rw_init(struct rwlock *rw, const char *name, enum lock_class_id c,
    struct witness *w);
void rw_destroy(struct rwlock *rw);

/* kern_sx.c: sx_xlocked(); kern_rwlock.c: rw_wowned() */
static __always_inline bool
sx_xlocked(const struct sx *sx)
{
	return (atomic_load_explicit(&sx->sx_owner, memory_order_relaxed) ==
	    curthread_token());
}

static __always_inline bool
rw_wowned(const struct rwlock *rw)
{
	return (atomic_load_explicit(&rw->rw_owner, memory_order_relaxed) ==
	    curthread_token());
}
void rangelock_init(struct rangelock *rl, const char *name, struct witness *w);
void rangelock_destroy(struct rangelock *rl);

/*
 * The out-of-line lock operations (lock.c): the scheduling point, the
 * order check and held-lock list, the contended path.  As in the kernel,
 * where mtx_lock() is the inline __mtx_lock() and only a LOCK_DEBUG
 * kernel (INVARIANTS, WITNESS) calls __mtx_lock_flags() every time.
 */
void _mtx_lock_flags(struct mtx *m, const char *func, const char *file,
    int line);
void _mtx_unlock_flags(struct mtx *m, const char *func, const char *file,
    int line);
void _sx_xlock_flags(struct sx *sx, const char *func, const char *file,
    int line);
void _sx_slock_flags(struct sx *sx, const char *func, const char *file,
    int line);
void _sx_xunlock_flags(struct sx *sx, const char *func, const char *file,
    int line);
void _sx_sunlock_flags(struct sx *sx, const char *func, const char *file,
    int line);
void _rw_wlock_flags(struct rwlock *rw, const char *func, const char *file,
    int line);
void _rw_rlock_flags(struct rwlock *rw, const char *func, const char *file,
    int line);
void _rw_wunlock_flags(struct rwlock *rw, const char *func, const char *file,
    int line);
void _rw_runlock_flags(struct rwlock *rw, const char *func, const char *file,
    int line);

/*
 * The inline fast path (sys/mutex.h: __mtx_lock(); sys/sx.h:
 * __sx_xlock(); sys/rwlock.h: __rw_wlock()): taken only where the
 * out-of-line operation would do nothing more than read and write the
 * lock word -- a kernel for one host thread (lo_single), a host thread
 * that the explorer does not run (no scheduling point to make: the
 * test is SCHED_POINT's own; no held-lock list to keep), a build
 * without INVARIANTS (no WITNESS), and an uncontended word.  Anything
 * else (a held lock, waiters, the explorer, INVARIANTS, threads=multi)
 * goes out of line, unchanged.  The same lock word values as the
 * out-of-line path: tests/test_threads.c compares both.
 */
#ifdef INVARIANTS
#define LOCK_FAST(lo) ((void)(lo), false)
#else
#define LOCK_FAST(lo) ((lo)->lo_single && _curthread_explored == NULL)
#endif

/*
 * The owner a fast path records (sx_owner, rw_owner): curthread, which
 * LOCK_FAST() has just found to be the host thread's own.  Spelled out,
 * since cur_sim_thread() would read and test _curthread_explored again
 * (gcc does not reuse a thread-local load across the lock word's
 * relaxed atomics).
 */
#define LOCK_FAST_OWNER() ((const void *)&_curthread_host)

static __always_inline unsigned int
lock_word_plain(const struct lock_object *lo)
{
	return (atomic_load_explicit(&lo->lo_word, memory_order_relaxed));
}

static __always_inline void
lock_word_set(struct lock_object *lo, unsigned int w)
{
	atomic_store_explicit(&lo->lo_word, w, memory_order_relaxed);
}

/* A free word: write-locked (mtx_lock, sx_xlock, rw_wlock). */
static __always_inline bool
lock_fast_xlock(struct lock_object *lo)
{
	if (__predict_true(LOCK_FAST(lo) && lock_word_plain(lo) == 0)) {
		lock_word_set(lo, LW_WRITER);
		return (true);
	}
	return (false);
}

/* Write-locked, no waiters: free. */
static __always_inline bool
lock_fast_xunlock(struct lock_object *lo)
{
	if (__predict_true(LOCK_FAST(lo) && lock_word_plain(lo) == LW_WRITER)) {
		lock_word_set(lo, 0);
		return (true);
	}
	return (false);
}

/* No writer, no waiters, room for a reader: one reader more. */
static __always_inline bool
lock_fast_slock(struct lock_object *lo)
{
	unsigned int w;

	if (__predict_true(LOCK_FAST(lo))) {
		w = lock_word_plain(lo);
		if (__predict_true(w < LW_READERS)) {
			lock_word_set(lo, w + 1);
			return (true);
		}
	}
	return (false);
}

/* Read-locked, no writer, no waiters: one reader less. */
static __always_inline bool
lock_fast_sunlock(struct lock_object *lo)
{
	unsigned int w;

	if (__predict_true(LOCK_FAST(lo))) {
		w = lock_word_plain(lo);
		if (__predict_true(w != 0 && w <= LW_READERS)) {
			lock_word_set(lo, w - 1);
			return (true);
		}
	}
	return (false);
}

/* kern_mutex.c: __mtx_lock_flags(); sys/mutex.h: __mtx_lock() */
static __always_inline void
_mtx_lock(struct mtx *m, const char *func, const char *file, int line)
{
	if (!lock_fast_xlock(&m->lock_object))
		_mtx_lock_flags(m, func, file, line);
}

/* kern_mutex.c: __mtx_unlock_flags(); sys/mutex.h: __mtx_unlock() */
static __always_inline void
_mtx_unlock(struct mtx *m, const char *func, const char *file, int line)
{
	if (!lock_fast_xunlock(&m->lock_object))
		_mtx_unlock_flags(m, func, file, line);
}
#define mtx_lock(m) _mtx_lock((m), __func__, __FILE__, __LINE__)
#define mtx_unlock(m) _mtx_unlock((m), __func__, __FILE__, __LINE__)

/* kern_sx.c: _sx_xlock(); sys/sx.h: __sx_xlock() */
static __always_inline void
_sx_xlock(struct sx *sx, const char *func, const char *file, int line)
{
	if (lock_fast_xlock(&sx->lock_object))
		atomic_store_explicit(&sx->sx_owner, LOCK_FAST_OWNER(),
		    memory_order_relaxed);
	else
		_sx_xlock_flags(sx, func, file, line);
}

/* kern_sx.c: _sx_xunlock(); sys/sx.h: __sx_xunlock() */
static __always_inline void
_sx_xunlock(struct sx *sx, const char *func, const char *file, int line)
{
	if (LOCK_FAST(&sx->lock_object) &&
	    lock_word_plain(&sx->lock_object) == LW_WRITER) {
		atomic_store_explicit(&sx->sx_owner, NULL,
		    memory_order_relaxed);
		lock_word_set(&sx->lock_object, 0);
	} else
		_sx_xunlock_flags(sx, func, file, line);
}

/* kern_sx.c: _sx_slock() */
static __always_inline void
_sx_slock(struct sx *sx, const char *func, const char *file, int line)
{
	if (!lock_fast_slock(&sx->lock_object))
		_sx_slock_flags(sx, func, file, line);
}

/* kern_sx.c: _sx_sunlock() */
static __always_inline void
_sx_sunlock(struct sx *sx, const char *func, const char *file, int line)
{
	if (!lock_fast_sunlock(&sx->lock_object))
		_sx_sunlock_flags(sx, func, file, line);
}
#define sx_xlock(sx) _sx_xlock((sx), __func__, __FILE__, __LINE__)
#define sx_slock(sx) _sx_slock((sx), __func__, __FILE__, __LINE__)
#define sx_xunlock(sx) _sx_xunlock((sx), __func__, __FILE__, __LINE__)
#define sx_sunlock(sx) _sx_sunlock((sx), __func__, __FILE__, __LINE__)

/* kern_rwlock.c: _rw_wlock_cookie(); sys/rwlock.h: __rw_wlock() */
static __always_inline void
_rw_wlock(struct rwlock *rw, const char *func, const char *file, int line)
{
	if (lock_fast_xlock(&rw->lock_object))
		atomic_store_explicit(&rw->rw_owner, LOCK_FAST_OWNER(),
		    memory_order_relaxed);
	else
		_rw_wlock_flags(rw, func, file, line);
}

/* kern_rwlock.c: _rw_wunlock_cookie(); sys/rwlock.h: __rw_wunlock() */
static __always_inline void
_rw_wunlock(struct rwlock *rw, const char *func, const char *file, int line)
{
	if (LOCK_FAST(&rw->lock_object) &&
	    lock_word_plain(&rw->lock_object) == LW_WRITER) {
		atomic_store_explicit(&rw->rw_owner, NULL,
		    memory_order_relaxed);
		lock_word_set(&rw->lock_object, 0);
	} else
		_rw_wunlock_flags(rw, func, file, line);
}

/* kern_rwlock.c: __rw_rlock() */
static __always_inline void
_rw_rlock(struct rwlock *rw, const char *func, const char *file, int line)
{
	if (!lock_fast_slock(&rw->lock_object))
		_rw_rlock_flags(rw, func, file, line);
}

/* kern_rwlock.c: _rw_runlock_cookie() */
static __always_inline void
_rw_runlock(struct rwlock *rw, const char *func, const char *file, int line)
{
	if (!lock_fast_sunlock(&rw->lock_object))
		_rw_runlock_flags(rw, func, file, line);
}
#define rw_wlock(rw) _rw_wlock((rw), __func__, __FILE__, __LINE__)
#define rw_rlock(rw) _rw_rlock((rw), __func__, __FILE__, __LINE__)
#define rw_wunlock(rw) _rw_wunlock((rw), __func__, __FILE__, __LINE__)
#define rw_runlock(rw) _rw_runlock((rw), __func__, __FILE__, __LINE__)

void _rangelock_lock_flags(struct rangelock *rl, struct rl_q_entry *e,
    off_t start, off_t end, bool write, const char *func, const char *file,
    int line);
void _rangelock_unlock_flags(struct rangelock *rl, struct rl_q_entry *e,
    const char *func, const char *file, int line);

/*
 * kern_rangelock.c: rangelock_lock_int(), rangelock_unlock().  The fast
 * path (LOCK_FAST, an empty granted list whose own lock is free):
 * taking and dropping the list lock around a conflict check that finds
 * nothing would leave the same state, so the range is granted at once.
 * The release advances rl_seq as the out-of-line one does.
 */
static __always_inline void
_rangelock_lock(struct rangelock *rl, struct rl_q_entry *e, off_t start,
    off_t end, bool write, const char *func, const char *file, int line)
{
	if (LOCK_FAST(&rl->lock_object) &&
	    __predict_true(lock_word_plain(&rl->lock_object) == 0 &&
		TAILQ_EMPTY(&rl->rl_granted) && start <= end)) {
		e->rl_q_start = start;
		e->rl_q_end = end;
		e->rl_q_write = write;
		TAILQ_INSERT_TAIL(&rl->rl_granted, e, rl_q_link);
	} else
		_rangelock_lock_flags(rl, e, start, end, write, func, file,
		    line);
}

static __always_inline void
_rangelock_unlock(struct rangelock *rl, struct rl_q_entry *e, const char *func,
    const char *file, int line)
{
	if (LOCK_FAST(&rl->lock_object) &&
	    __predict_true(lock_word_plain(&rl->lock_object) == 0)) {
		TAILQ_REMOVE(&rl->rl_granted, e, rl_q_link);
		atomic_store_explicit(&rl->rl_seq,
		    atomic_load_explicit(&rl->rl_seq, memory_order_relaxed) + 1,
		    memory_order_relaxed);
	} else
		_rangelock_unlock_flags(rl, e, func, file, line);
}
#define rangelock_wlock(rl, e, s, end)                                   \
	_rangelock_lock((rl), (e), (s), (end), true, __func__, __FILE__, \
	    __LINE__)
#define rangelock_rlock(rl, e, s, end)                                    \
	_rangelock_lock((rl), (e), (s), (end), false, __func__, __FILE__, \
	    __LINE__)
#define rangelock_unlock(rl, e) \
	_rangelock_unlock((rl), (e), __func__, __FILE__, __LINE__)

/*
 * subr_trap.c: userret() -- WITNESS_WARN(WARN_PANIC, NULL, "userret:
 * returning"): a system call must not return to user mode with a lock
 * held.  The model checks it at the return of every call of the public
 * API (src/syscalls.c, src/jail.c); the panic names each lock held with
 * the site that took it.  Under INVARIANTS only; nothing held costs one
 * load and one compare.
 */
_Noreturn void witness_userret_panic(const char *call);
#ifdef INVARIANTS
#define WITNESS_USERRET(call)                                         \
	do {                                                          \
		if (__predict_false(cur_sim_thread()->td_nheld != 0)) \
			witness_userret_panic(call);                  \
	} while (0)
#else
#define WITNESS_USERRET(call) ((void)(call))
#endif

#ifdef INVARIANTS
#define sx_assert_xlocked(sx)   \
	KASSERT(sx_xlocked(sx), \
	    ("%s: %s not xlocked", __func__, (sx)->lock_object.lo_name))
#define rw_assert_wlocked(rw)  \
	KASSERT(rw_wowned(rw), \
	    ("%s: %s not wlocked", __func__, (rw)->lock_object.lo_name))
#define lock_assert_held(lo)                 \
	KASSERT(lock_owned_by_curthread(lo), \
	    ("%s: %s not held", __func__, (lo)->lo_name))
#else
#define sx_assert_xlocked(sx) ((void)0)
#define rw_assert_wlocked(rw) ((void)0)
#define lock_assert_held(lo) ((void)0)
#endif

#endif /* SHMSIM_KERN_LOCK_H */
