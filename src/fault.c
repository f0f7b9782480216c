/*
 * The fault plan (model-only): fail the Nth hit of a site, once or from
 * then on.  Counters are atomic, so concurrent callers each see a
 * distinct hit number.
 */
#include <errno.h>

#include "fault.h"
#include "kernel_var.h"

static const char *const fault_site_names[SHMSIM_FAULT_NSITES] = {
	[SHMSIM_FAULT_SWAP_RESERVE] = "swap_reserve",
	[SHMSIM_FAULT_PAGE_ALLOC] = "page_alloc",
	[SHMSIM_FAULT_COPYIN] = "copyin",
	[SHMSIM_FAULT_OBJ_ALLOC] = "obj_alloc",
	[SHMSIM_FAULT_PAGER_IO] = "pager_io",
};

/*
 * shmsim_fault_hit() (kernel_var.h, inline) counted hit number hit of
 * site, armed for hit nth, and hit >= nth: this hit fails if it is the
 * nth or the plan is persistent.
 */
bool
shmsim_fault_fires(struct shmsim_kernel *k, enum shmsim_fault_site site,
    uint64_t hit, uint64_t nth)
{
	return (
	    hit == nth || atomic_load(&k->k_faults.fp_site[site].persistent));
}

int
shmsim_fault_set(struct shmsim_kernel *k, enum shmsim_fault_site site,
    uint64_t nth, bool persistent)
{
	struct shmsim_fault_plan *fp = &k->k_faults;

	if ((unsigned)site >= SHMSIM_FAULT_NSITES)
		return (EINVAL);
	atomic_store(&fp->fp_site[site].persistent, persistent);
	/* nth counts from now on. */
	atomic_store(&fp->fp_site[site].nth,
	    nth == 0 ? 0 : atomic_load(&fp->fp_site[site].hits) + nth);
	return (0);
}

void
shmsim_fault_reset(struct shmsim_kernel *k)
{
	int i;

	for (i = 0; i < SHMSIM_FAULT_NSITES; i++) {
		atomic_store(&k->k_faults.fp_site[i].nth, 0);
		atomic_store(&k->k_faults.fp_site[i].hits, 0);
		atomic_store(&k->k_faults.fp_site[i].persistent, false);
	}
}

uint64_t
shmsim_fault_hits(struct shmsim_kernel *k, enum shmsim_fault_site site)
{
	if ((unsigned)site >= SHMSIM_FAULT_NSITES)
		return (0);
	return (atomic_load(&k->k_faults.fp_site[site].hits));
}

const char *
shmsim_fault_site_name(enum shmsim_fault_site s)
{
	return ((unsigned)s < SHMSIM_FAULT_NSITES ? fault_site_names[s] : "?");
}
