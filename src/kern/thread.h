/*
 * struct sim_thread for the model: what the kernel keeps per thread and the
 * model needs -- the locks held (for WITNESS and owner assertions) and
 * the deferred-work lists of vm_map and vm_object.
 *
 * Each host thread has one, for the code it runs directly; the explorer
 * gives each simulated thread its own and switches curthread with the
 * stack.  td_sched is non-NULL exactly while a simulated thread runs
 * under the explorer: then locks block by yielding to the explorer
 * instead of sleeping on the host.
 */
#ifndef SHMSIM_KERN_THREAD_H
#define SHMSIM_KERN_THREAD_H

#include <stddef.h>

#define WITNESS_MAXHELD 32

struct lock_object;
struct vm_object;
struct vm_map_entry;
struct sched_thread;

struct held_lock {
	struct lock_object *hl_lock;
	const char *hl_file;
	int hl_line;
};

struct sim_thread {
	struct held_lock td_held[WITNESS_MAXHELD]; /* innermost last */
	int td_nheld;
	struct vm_object *td_dead_objects;    /* vm_object_collapse_done() */
	struct vm_map_entry *td_map_def_user; /* vm_map_process_deferred() */
	struct sched_thread *td_sched;	      /* explored: its scheduler slot */
};

/*
 * The thread-locals every lock and reference count tests (the pointer
 * and the byte below) use the initial-exec TLS model: one load from the
 * thread pointer, where libshmsim.so's default model called
 * __tls_get_addr() at each test, so that the shared library ran
 * open + close at half the archive's speed (docs/performance.md,
 * "Linking the shared library").  Initial-exec needs the library's
 * variables in the static TLS block, which glibc keeps room for in a
 * dlopen()ed library; these two take 16 bytes of it.  The host thread's
 * struct sim_thread (800 bytes) keeps the default model, which a
 * compiler with TLS descriptors (-mtls-dialect=gnu2, CMakeLists.txt)
 * makes an indirect call that, for a library loaded with the program,
 * returns a constant offset.  tests/install/dlopen_client.c loads the
 * library with dlopen() and drives it from threads made before and
 * after the load.
 */
#define SHMSIM_TLS_HOT __attribute__((__tls_model__("initial-exec")))

extern _Thread_local struct sim_thread *_curthread_explored SHMSIM_TLS_HOT;
extern _Thread_local struct sim_thread _curthread_host;
/*
 * The calling host thread's mode, one thread-local byte that the
 * reference counts' fast path tests once (kern/refcount.h):
 *
 * CURHOST_MULTI	it drives a kernel made for several host threads
 *			(SHMSIM_THREADS_MULTI), or has entered none yet:
 *			the counts use atomics.  Set or cleared at every
 *			entry into a kernel (kernel_enter(), kernel_var.h),
 *			so it follows the kernel being driven.
 * CURHOST_EXPLORED	a simulated thread of the explorer runs on it
 *			(_curthread_explored is not NULL, which only
 *			curthread_explored_set() changes): every
 *			operation is a scheduling point first.
 *
 * 0 is a single kernel's host thread outside the explorer: plain loads
 * and stores, and no scheduling point, since SCHED_POINT_AT() would find
 * no explored thread.
 */
#define CURHOST_MULTI 0x01
#define CURHOST_EXPLORED 0x02
extern _Thread_local unsigned char _curhost_mode SHMSIM_TLS_HOT;

/* The explorer's fiber switches: curthread and the mode's bit together. */
static inline void
curthread_explored_set(struct sim_thread *td)
{
	_curthread_explored = td;
	_curhost_mode = (unsigned char)((_curhost_mode & ~CURHOST_EXPLORED) |
	    (td != NULL ? CURHOST_EXPLORED : 0));
}

/* The running thread's: curthread in the kernel. */
static inline struct sim_thread *
cur_sim_thread(void)
{
	struct sim_thread *td = _curthread_explored;

	return (td != NULL ? td : &_curthread_host);
}

#endif /* SHMSIM_KERN_THREAD_H */
