/*
 * refcount(9) shaped helpers, on C11 atomics.
 *
 * refcount_release() returns true only for the last reference; the caller
 * then runs the destructor (shm_drop, fdrop -> _fdrop,
 * vm_object_deallocate).  As in sys/sys/refcount.h, a count that would go
 * below zero or wrap is a bug: it panics under INVARIANTS.
 *
 * On a host thread driving a kernel made for one host thread
 * (_curhost_mode without CURHOST_MULTI, kern/thread.h) the
 * read-modify-writes are a plain load and store: the explorer's fibers
 * switch only at the scheduling point before them.
 */
#ifndef SHMSIM_KERN_REFCOUNT_H
#define SHMSIM_KERN_REFCOUNT_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "kern/kassert.h"
#include "kern/sched.h"

/*
 * The fast paths are always inline (sys/cdefs.h: __always_inline), also
 * under link-time optimization, which otherwise takes them out of line
 * for the __func__/__FILE__ arguments they pass on.
 */
#ifndef __always_inline
#define __always_inline __inline __attribute__((__always_inline__))
#endif

/* refcount.h: refcount_init() */
static __always_inline void
refcount_init(atomic_uint *count, unsigned int value)
{
	atomic_store_explicit(count, value, memory_order_relaxed);
}

/* refcount.h: refcount_load() */
static __always_inline unsigned int
refcount_load(const atomic_uint *count)
{
	return (atomic_load_explicit(count, memory_order_relaxed));
}

/*
 * The scheduling point before a count's read-modify-write, then whether
 * that is plain (a single kernel) or atomic.  A single kernel's host
 * thread outside the explorer (_curhost_mode 0) has no scheduling point
 * to take: one test of one thread-local byte instead of two, the
 * explored thread's and the mode.  The point is taken first, and the
 * mode read again after it (the fiber that resumes may run another
 * kernel), as before.
 */
static __always_inline bool
refcount_point_plain(const char *op, const char *kind, const char *func,
    const char *file, int line)
{
	unsigned char m = _curhost_mode;

	if (__predict_true(m == 0))
		return (true);
	if (__predict_true(m == CURHOST_MULTI))
		return (false);
	/* SCHED_POINT_AT(), whose test was the mode's. */
	sched_point_slow(_curthread_explored, op, kind, func, file, line);
	return ((_curhost_mode & CURHOST_MULTI) == 0);
}

/* refcount.h: refcount_acquire() */
/*
 * The scheduling point is named by the count's field ("shm_refs",
 * "f_count", "ref_count"...): the explorer identifies it by that kind,
 * the calling function and its occurrence, not by its source line.
 */
#define refcount_acquire(c) \
	_refcount_acquire((c), #c, __func__, __FILE__, __LINE__)
static __always_inline unsigned int
_refcount_acquire(atomic_uint *count, const char *kind, const char *func,
    const char *file, int line)
{
	unsigned int old;

	if (refcount_point_plain("refcount_acquire", kind, func, file, line)) {
		old = atomic_load_explicit(count, memory_order_relaxed);
		atomic_store_explicit(count, old + 1, memory_order_relaxed);
	} else
		old = atomic_fetch_add_explicit(count, 1, memory_order_relaxed);
	KASSERT(old < INT_MAX, ("refcount %p overflowed", (void *)count));
	return (old);
}

/*
 * refcount.h: refcount_release() -- true when this was the last ref.
 * The kernel releases, then fences with acquire on the last reference
 * (atomic_thread_fence_acq); here the decrement itself is acq_rel, which
 * orders the same and which ThreadSanitizer understands (it does not
 * model a standalone fence, and would flag the destructor's free()).
 */
#define refcount_release(c) \
	_refcount_release((c), #c, __func__, __FILE__, __LINE__)
static __always_inline bool
_refcount_release(atomic_uint *count, const char *kind, const char *func,
    const char *file, int line)
{
	unsigned int old;

	if (refcount_point_plain("refcount_release", kind, func, file, line)) {
		old = atomic_load_explicit(count, memory_order_relaxed);
		atomic_store_explicit(count, old - 1, memory_order_relaxed);
	} else
		old = atomic_fetch_sub_explicit(count, 1, memory_order_acq_rel);
	KASSERT(old > 0, ("refcount %p is zero", (void *)count));
	return (old == 1);
}

#endif /* SHMSIM_KERN_REFCOUNT_H */
