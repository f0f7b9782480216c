/*
 * The per-kernel fault plan (model-only): fail the Nth hit of a named
 * site, once or from then on.  Sites are where the kernel itself can fail
 * (swap reservation, page allocation, copyin, pager allocation, pager
 * I/O); each failure surfaces as the errno the kernel would return there.
 */
#ifndef SHMSIM_FAULT_H
#define SHMSIM_FAULT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "shmsim.h"

struct shmsim_fault_plan {
	struct {
		atomic_uint_fast64_t hits;
		atomic_uint_fast64_t nth; /* 0: disarmed */
		atomic_bool persistent;
	} fp_site[SHMSIM_FAULT_NSITES];
};

struct shmsim_kernel;

/*
 * shmsim_fault_hit(k, site): count a hit of site; true when this hit must
 * fail.  Inline, in kernel_var.h (it needs struct shmsim_kernel).
 */

#endif /* SHMSIM_FAULT_H */
