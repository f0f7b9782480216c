/*
 * AddressSanitizer defaults for the libFuzzer targets (docs/fuzzing.md,
 * "Speed"); ASAN_OPTIONS in the environment still overrides them.
 *
 * Every input builds and destroys a kernel, so the allocator is busy:
 * - quarantine_size_mb=32 (default 256): freed blocks stay poisoned for
 *   the last 32 MB of frees, far more than one input frees, so a use
 *   after free within an input is still caught; a 256 MB quarantine
 *   only made every allocation touch fresh pages;
 * - malloc_context_size=10 (default 30): allocation and free stacks in a
 *   report are 10 frames deep, which reaches from the kernel function
 *   to the fuzz driver; recording 30 on every malloc and free cost
 *   about 4 % of the run.
 */
#include "fuzz_asan.h"

#ifdef SHMSIM_FUZZ_ASAN
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return ("quarantine_size_mb=32:malloc_context_size=10");
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int shmsim_fuzz_asan_options_unused;
#endif
