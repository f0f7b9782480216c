/*
 * Fibers: stacks the explorer switches between on one host thread.
 *
 * On x86-64 a switch saves and restores the callee-saved registers and
 * the stack pointer and makes no system call; elsewhere it falls back to
 * swapcontext(3), which costs a sigprocmask each way.  Each switch is
 * announced to AddressSanitizer, ThreadSanitizer and valgrind, so that
 * all three follow the change of stack.
 */
#ifndef SHMSIM_KERN_FIBER_H
#define SHMSIM_KERN_FIBER_H

#include <stddef.h>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

struct fiber {
	void *f_sp; /* saved stack pointer while switched out (x86-64) */
#if !defined(__x86_64__)
	ucontext_t f_uc;
#endif
	void *f_stack; /* mapping, guard page first; NULL: the host stack */
	size_t f_stacksize;
	void (*f_fn)(void *);
	void *f_arg;
	void *f_asan_fake; /* AddressSanitizer fake-stack handle */
	const void *f_asan_bottom;
	size_t f_asan_size;
	void *f_tsan; /* ThreadSanitizer fiber */
	unsigned f_vg_id;
};

/* The calling host thread's own context, to switch back to. */
void fiber_init_host(struct fiber *f);
/* A new stack of `size` bytes that will run fn(arg); 0 or ENOMEM. */
int fiber_alloc(struct fiber *f, size_t size);
/* (Re)arm an allocated fiber to run fn(arg) from the top of its stack. */
void fiber_prepare(struct fiber *f, void (*fn)(void *), void *arg);
/*
 * Leave `from` (the running fiber) for `to`.  `from_dying` says `from`
 * will never be resumed (its function is done).
 */
void fiber_switch(struct fiber *from, struct fiber *to, int from_dying);
void fiber_free(struct fiber *f);
void fiber_fini_host(struct fiber *f);

#endif /* SHMSIM_KERN_FIBER_H */
