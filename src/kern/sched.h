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
    const char *file, int line);
void sched_sleep(struct sim_thread *td, const void *chan, const char *wmesg,
    const char *file, int line);
void sched_wakeup(struct sim_thread *td, const void *chan);
/* panic(): print the explored schedule, if any, and end as configured. */
void sched_panic_hook(void);

#define SCHED_POINT(op, what, file, line)                              \
	do {                                                           \
		struct sim_thread *sp_td_ = _curthread_explored;       \
		if (__predict_false(sp_td_ != NULL))                   \
			sched_point_slow(sp_td_, (op), (what), (file), \
			    (line));                                   \
	} while (0)

/* True in a simulated thread run by the explorer. */
static inline bool
sched_explored(void)
{
	return (_curthread_explored != NULL);
}

#endif /* SHMSIM_KERN_SCHED_H */
