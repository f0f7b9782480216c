/*
 * Jails, reduced to what POSIX shared memory sees of them (kern_jail.c):
 * a root path that prefixes every name a jailed process uses, and the
 * clean-up that removes the jail's names when it is removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern/refcount.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"

MALLOC_DEFINE(M_PRISON, "prison", "prison structures");

/* The root path of pr; "/" for the host (no prison). */
const char *
prison_path(const struct prison *pr)
{
	return (pr == NULL ? "/" : pr->pr_path);
}

/* kern_jail.c: prison_hold() */
void
prison_hold(struct prison *pr)
{
	if (pr != NULL)
		refcount_acquire(&pr->pr_ref);
}

/*
 * kern_jail.c: prison_free() -- drop a reference.  XXX(model): a jail's
 * memory stays until the kernel is destroyed, even once removed and
 * unreferenced, so that a caller's stale handle answers ENOENT (spawn)
 * or EINVAL (a second remove) instead of pointing at freed memory.
 */
void
prison_free(struct prison *pr)
{
	if (pr != NULL)
		(void)refcount_release(&pr->pr_ref);
}

/* Model-only: free every jail left at kernel destruction. */
void
prison_free_all(struct shmsim_kernel *k)
{
	struct prison *pr;

	while ((pr = LIST_FIRST(&k->allprison)) != NULL) {
		LIST_REMOVE(pr, pr_list);
		free_k(k, pr, M_PRISON);
	}
}

/*
 * kern_jail.c: kern_jail_set() reduced to creation: a named jail rooted
 * at path (absolute, not "/", shorter than MAXPATHLEN - 1 so that a name
 * still fits behind it).  EINVAL for a bad name or path, EEXIST for a
 * name in use.
 */
int
shmsim_jail_create(struct shmsim_kernel *k, const char *name, const char *path,
    struct shmsim_jail **jp)
{
	struct prison *pr;
	size_t plen;

	if (name == NULL ||
	    strspn(name,
		"abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(name))
		return (EINVAL);
	if (path == NULL || name[0] == '\0' ||
	    strlen(name) >= sizeof(pr->pr_name) || path[0] != '/' ||
	    strcmp(path, "/") == 0 || (plen = strlen(path)) >= MAXPATHLEN - 1 ||
	    path[plen - 1] == '/')
		return (EINVAL);
	sx_xlock(&k->allprison_lock);
	LIST_FOREACH(pr, &k->allprison, pr_list) {
		if (!pr->pr_dying && strcmp(pr->pr_name, name) == 0) {
			sx_xunlock(&k->allprison_lock);
			WITNESS_USERRET(__func__);
			return (EEXIST);
		}
	}
	pr = malloc_k(k, sizeof(*pr), M_PRISON, M_WAITOK | M_ZERO);
	refcount_init(&pr->pr_ref, 1);
	snprintf(pr->pr_name, sizeof(pr->pr_name), "%s", name);
	snprintf(pr->pr_path, sizeof(pr->pr_path), "%s", path);
	pr->pr_kernel = k;
	LIST_INSERT_HEAD(&k->allprison, pr, pr_list);
	sx_xunlock(&k->allprison_lock);
	*jp = (struct shmsim_jail *)pr;
	WITNESS_USERRET(__func__);
	return (0);
}

/*
 * kern_jail.c: sys_jail_remove() -> prison_cleanup() -> (today)
 * shm_remove_prison(): the names created in the jail go.  The 2008
 * kernel kept them (D17).  Processes still in the jail keep running.
 * EINVAL if already removed.
 */
int
shmsim_jail_remove(struct shmsim_jail *j)
{
	struct prison *pr = (struct prison *)j;
	struct shmsim_kernel *k = pr->pr_kernel;
	int error = 0;

	sx_xlock(&k->allprison_lock);
	if (pr->pr_dying) {
		sx_xunlock(&k->allprison_lock);
		error = EINVAL;
		goto out;
	}
	pr->pr_dying = true;
	sx_xunlock(&k->allprison_lock);
	if (!K_PROFILE_2008(k))
		shm_remove_prison(pr);
	prison_free(pr);
out:
	WITNESS_USERRET(__func__);
	return (error);
}
