/*
 * KASSERT(9), MPASS and panic(9) for the model.
 *
 * INVARIANTS is defined in Debug builds (the default for tests); there the
 * assertions are real checks.  A release build compiles them out, as the
 * kernel does.  Assertions must have no side effects.
 */
#ifndef SHMSIM_KERN_KASSERT_H
#define SHMSIM_KERN_KASSERT_H

#include <stdbool.h>

/* kern_shutdown.c: panic() -- print the message and abort the process. */
_Noreturn void panic(const char *fmt, ...)
    __attribute__((__format__(__printf__, 1, 2)));

/* The double parentheses carry a printf argument list, as in the kernel. */
#define KASSERT_PANIC(args) panic args

#ifdef INVARIANTS
#define KASSERT(exp, msg)                        \
	do {                                     \
		if (__builtin_expect(!(exp), 0)) \
			KASSERT_PANIC(msg);      \
	} while (0)
#else
#define KASSERT(exp, msg) \
	do {              \
	} while (0)
#endif

#define MPASS(ex) \
	KASSERT((ex), ("Assertion %s failed at %s:%d", #ex, __FILE__, __LINE__))

#define __predict_true(e) __builtin_expect(!!(e), 1)
#define __predict_false(e) __builtin_expect(!!(e), 0)

#endif /* SHMSIM_KERN_KASSERT_H */
