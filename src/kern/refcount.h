/*
 * refcount(9) shaped helpers, on C11 atomics.
 *
 * refcount_release() returns true only for the last reference; the caller
 * then runs the destructor (shm_drop, fdrop -> _fdrop,
 * vm_object_deallocate).  As in sys/sys/refcount.h, a count that would go
 * below zero or wrap is a bug: it panics under INVARIANTS.
 *
 * On a host thread driving a kernel made for one host thread
 * (_curhost_single, kern/thread.h) the read-modify-writes are a plain
 * load and store: the explorer's fibers switch only at the scheduling
 * point before them.
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

	SCHED_POINT_AT("refcount_acquire", kind, func, file, line);
	if (_curhost_single) {
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

	SCHED_POINT_AT("refcount_release", kind, func, file, line);
	if (_curhost_single) {
		old = atomic_load_explicit(count, memory_order_relaxed);
		atomic_store_explicit(count, old - 1, memory_order_relaxed);
	} else
		old = atomic_fetch_sub_explicit(count, 1, memory_order_acq_rel);
	KASSERT(old > 0, ("refcount %p is zero", (void *)count));
	return (old == 1);
}

#endif /* SHMSIM_KERN_REFCOUNT_H */
