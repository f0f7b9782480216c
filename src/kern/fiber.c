/*
 * Fibers for the explorer (see fiber.h).
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kern/fiber.h"
#include "kern/kassert.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define FIBER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(FIBER_ASAN)
#define FIBER_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__) && !defined(FIBER_TSAN)
#define FIBER_TSAN 1
#endif

#ifdef FIBER_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef FIBER_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define FIBER_VALGRIND 1
#endif
#endif

/* The fiber that switched to the one now running (sanitizer bookkeeping). */
static _Thread_local struct fiber *fiber_prev;

static void
fiber_arrived(struct fiber *self)
{
#ifdef FIBER_ASAN
	const void *bottom;
	size_t size;

	__sanitizer_finish_switch_fiber(self->f_asan_fake, &bottom, &size);
	if (fiber_prev != NULL) {
		fiber_prev->f_asan_bottom = bottom;
		fiber_prev->f_asan_size = size;
	}
#else
	(void)self;
#endif
	fiber_prev = NULL;
}

static _Noreturn void
fiber_entry(struct fiber *f)
{
	fiber_arrived(f);
	f->f_fn(f->f_arg);
	panic("%s: a fiber's function returned", __func__);
}

#if defined(__x86_64__)
/*
 * shmsim_fiber_swap(&from->f_sp, to->f_sp): push the callee-saved
 * registers, swap stacks, pop the other fiber's.  A new fiber's stack is
 * laid out so that the pops load r12 = fiber_entry and r13 = the fiber,
 * and "ret" lands on shmsim_fiber_start.
 */
void shmsim_fiber_swap(void **save, void *sp);
void shmsim_fiber_start(void);
__asm__(".text\n"
	".globl shmsim_fiber_swap\n"
	".hidden shmsim_fiber_swap\n"
	".type shmsim_fiber_swap,@function\n"
	"shmsim_fiber_swap:\n"
	"\tpushq %rbp\n"
	"\tpushq %rbx\n"
	"\tpushq %r12\n"
	"\tpushq %r13\n"
	"\tpushq %r14\n"
	"\tpushq %r15\n"
	"\tmovq %rsp, (%rdi)\n"
	"\tmovq %rsi, %rsp\n"
	"\tpopq %r15\n"
	"\tpopq %r14\n"
	"\tpopq %r13\n"
	"\tpopq %r12\n"
	"\tpopq %rbx\n"
	"\tpopq %rbp\n"
	"\tret\n"
	".size shmsim_fiber_swap, .-shmsim_fiber_swap\n"
	".globl shmsim_fiber_start\n"
	".hidden shmsim_fiber_start\n"
	".type shmsim_fiber_start,@function\n"
	"shmsim_fiber_start:\n"
	"\tmovq %r13, %rdi\n"
	"\tcallq *%r12\n"
	"\tud2\n"
	".size shmsim_fiber_start, .-shmsim_fiber_start\n");
#else
static _Thread_local struct fiber *fiber_starting;

static void
fiber_uc_entry(void)
{
	fiber_entry(fiber_starting);
}
#endif

void
fiber_init_host(struct fiber *f)
{
	memset(f, 0, sizeof(*f));
#ifdef FIBER_TSAN
	f->f_tsan = __tsan_get_current_fiber();
#endif
}

void
fiber_fini_host(struct fiber *f)
{
	(void)f;
}

int
fiber_alloc(struct fiber *f, size_t size)
{
	long pagesz = sysconf(_SC_PAGESIZE);
	void *p;

	memset(f, 0, sizeof(*f));
	size = (size + (size_t)pagesz - 1) & ~((size_t)pagesz - 1);
	p = mmap(NULL, size + (size_t)pagesz, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (ENOMEM);
	/* A guard page below the stack turns an overflow into SIGSEGV. */
	(void)mprotect(p, (size_t)pagesz, PROT_NONE);
	f->f_stack = p;
	f->f_stacksize = size + (size_t)pagesz;
	f->f_asan_bottom = (char *)p + pagesz;
	f->f_asan_size = size;
#ifdef FIBER_VALGRIND
	f->f_vg_id = VALGRIND_STACK_REGISTER((char *)p + pagesz,
	    (char *)p + f->f_stacksize);
#endif
	return (0);
}

void
fiber_prepare(struct fiber *f, void (*fn)(void *), void *arg)
{
	f->f_fn = fn;
	f->f_arg = arg;
	f->f_asan_fake = NULL;
#ifdef FIBER_TSAN
	/* A fresh TSan fiber: the old one ended inside its function. */
	if (f->f_tsan != NULL)
		__tsan_destroy_fiber(f->f_tsan);
	f->f_tsan = __tsan_create_fiber(0);
#endif
#if defined(__x86_64__)
	{
		uintptr_t top =
		    ((uintptr_t)f->f_stack + f->f_stacksize) & ~(uintptr_t)15;
		void **sp = (void **)(top - 72);

		memset(sp, 0, 72);
		sp[3] = (void *)(uintptr_t)fiber_entry; /* r12 */
		sp[2] = f;				/* r13 */
		sp[6] = (void *)(uintptr_t)shmsim_fiber_start;
		f->f_sp = sp;
	}
#else
	getcontext(&f->f_uc);
	f->f_uc.uc_stack.ss_sp = (char *)f->f_asan_bottom;
	f->f_uc.uc_stack.ss_size = f->f_asan_size;
	f->f_uc.uc_link = NULL;
	makecontext(&f->f_uc, fiber_uc_entry, 0);
#endif
}

void
fiber_switch(struct fiber *from, struct fiber *to, int from_dying)
{
#ifdef FIBER_ASAN
	__sanitizer_start_switch_fiber(from_dying ? NULL : &from->f_asan_fake,
	    to->f_asan_bottom, to->f_asan_size);
#else
	(void)from_dying;
#endif
#ifdef FIBER_TSAN
	__tsan_switch_to_fiber(to->f_tsan, 0);
#endif
	fiber_prev = from;
#if defined(__x86_64__)
	shmsim_fiber_swap(&from->f_sp, to->f_sp);
#else
	fiber_starting = to;
	swapcontext(&from->f_uc, &to->f_uc);
#endif
	fiber_arrived(from);
}

void
fiber_free(struct fiber *f)
{
	if (f->f_stack == NULL)
		return;
#ifdef FIBER_TSAN
	if (f->f_tsan != NULL)
		__tsan_destroy_fiber(f->f_tsan);
#endif
#ifdef FIBER_VALGRIND
	VALGRIND_STACK_DEREGISTER(f->f_vg_id);
#endif
	(void)munmap(f->f_stack, f->f_stacksize);
	f->f_stack = NULL;
}
