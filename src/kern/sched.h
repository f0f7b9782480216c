/*
 * Scheduling points (model-only).
 *
 * Every lock acquire and release and every reference count change passes
 * through SCHED_POINT().  Today it does nothing; the interleaving explorer
 * will hang a deterministic scheduler here, so that one place decides who
 * runs next.
 */
#ifndef SHMSIM_KERN_SCHED_H
#define SHMSIM_KERN_SCHED_H

#define SCHED_POINT() \
	do {          \
	} while (0)

#endif /* SHMSIM_KERN_SCHED_H */
