/*
 * Scheduling points (model-only).
 *
 * Every lock acquire and release, every reference count change on a
 * shared object, each page fault and each pageout step passes through
 * SCHED_POINT(op, what, file, line).  On a host thread it costs one
 * thread-local load.  In a simulated thread run by the explorer
 * (shmsim_explore.h, src/kern/sched.c) the explorer decides there who
 * runs next.
 *
 * A point is identified by what it is, never by where it is: its kind
 * (op: "sx_xlock", "refcount_release", "vm_fault"...), the function that
 * makes it, what it is about (the lock's name, which is its class's, or
 * the reference count's field) and how many such points the thread has
 * passed before.  Tokens hash that identity, so they survive edits that
 * move source lines; the file and line are kept for the step list only.
 * SCHED_POINT() names its enclosing function; SCHED_POINT_AT() is for
 * the lock and refcount layers, which pass their caller's.
 *
 * sched_sleep()/sched_wakeup() are sleep(9)/wakeup(9) for explored
 * threads: a thread that must wait (a held lock, paging in progress)
 * sleeps on a channel and is not picked until someone wakes that
 * channel.
 */
#ifndef SHMSIM_KERN_SCHED_H
#define SHMSIM_KERN_SCHED_H

#include <stdbool.h>

#include "kern/kassert.h"
#include "kern/thread.h"

void sched_point_slow(struct sim_thread *td, const char *op, const char *what,
    const char *func, const char *file, int line);
void sched_sleep(struct sim_thread *td, const void *chan, const char *wmesg,
    const char *func, const char *file, int line);
void sched_wakeup(struct sim_thread *td, const void *chan);
/*
 * panic(msg): under the explorer, print the panic with the explored
 * schedule (or hand it to the explorer's panic_fn) and end as configured;
 * returns only when no explorer is running.
 */
void sched_panic_hook(const char *msg);

#define SCHED_POINT_AT(op, what, func, file, line)                             \
	do {                                                                   \
		struct sim_thread *sp_td_ = _curthread_explored;               \
		if (__predict_false(sp_td_ != NULL))                           \
			sched_point_slow(sp_td_, (op), (what), (func), (file), \
			    (line));                                           \
	} while (0)
#define SCHED_POINT(op, what, file, line) \
	SCHED_POINT_AT((op), (what), __func__, (file), (line))

/* True in a simulated thread run by the explorer. */
static inline bool
sched_explored(void)
{
	return (_curthread_explored != NULL);
}

#endif /* SHMSIM_KERN_SCHED_H */
