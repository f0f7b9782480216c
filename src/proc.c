/*
 * Credentials and processes (kern_prot.c, kern_fork.c, kern_exit.c),
 * reduced to what shared memory needs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "kern/refcount.h"
#include "kernel_var.h"
#include "proc.h"
#include "vm_map.h"

MALLOC_DEFINE(M_CRED, "cred", "credentials");
MALLOC_DEFINE(M_PROC, "proc", "processes (XXX(model): UMA zone PROC)");

/* kern_prot.c: crget() */
struct ucred *
crget(struct shmsim_kernel *k)
{
	struct ucred *cr;

	cr = malloc_k(k, sizeof(*cr), M_CRED, M_WAITOK | M_ZERO);
	refcount_init(&cr->cr_ref, 1);
	cr->cr_kernel = k;
	return (cr);
}

/* kern_prot.c: crhold() */
struct ucred *
crhold(struct ucred *cr)
{
	refcount_acquire(&cr->cr_ref);
	return (cr);
}

/* kern_prot.c: crfree() */
void
crfree(struct ucred *cr)
{
	if (refcount_release(&cr->cr_ref)) {
		prison_free(cr->cr_prison);
		free_k(cr->cr_kernel, cr, M_CRED);
	}
}

/* kern_prot.c: groupmember() -- the effective gid or a supplementary. */
bool
groupmember(gid_t gid, const struct ucred *cred)
{
	int i;

	if (cred->cr_gid == gid)
		return (true);
	for (i = 0; i < cred->cr_ngroups; i++)
		if (cred->cr_groups[i] == gid)
			return (true);
	return (false);
}

/*
 * kern_priv.c: priv_check_cred() -- XXX(model): no securelevel, jail or
 * MAC policy: uid 0 holds every privilege used here, nobody else any.
 */
int
priv_check_cred(const struct ucred *cred, int priv)
{
	(void)priv;
	return (cred->cr_uid == 0 ? 0 : EPERM);
}

static struct proc *
proc_alloc(struct shmsim_kernel *k, struct ucred *cr, struct filedesc *fdp,
    struct vmspace *vm)
{
	struct proc *p;

	p = malloc_k(k, sizeof(*p), M_PROC, M_WAITOK | M_ZERO);
	p->p_kernel = k;
	p->p_ucred = cr;
	p->p_fd = fdp;
	p->p_vmspace = vm;
	mtx_init(&p->p_rights_mtx, "unp rights", LC_UNP_RIGHTS, &k->k_witness);
	TAILQ_INIT(&p->p_rights);
	sx_xlock(&k->allproc_lock);
	p->p_pid = ++k->k_nextpid;
	LIST_INSERT_HEAD(&k->allproc, p, p_list);
	sx_xunlock(&k->allproc_lock);
	k_atomic_fetch_add(k, &k->k_nprocs, 1);
	return (p);
}

/* Model-only: a new process with the given credentials. */
int
proc_spawn(struct shmsim_kernel *k, const struct shmsim_cred *scr,
    struct proc **pp)
{
	struct ucred *cr;
	int i;

	if (scr->ngroups < 0 || scr->ngroups > SHMSIM_NGROUPS ||
	    (scr->umask & ~(mode_t)07777) != 0)
		return (EINVAL);
	if (scr->jail != NULL) {
		struct prison *pr = (struct prison *)scr->jail;

		if (pr->pr_kernel != k || pr->pr_dying)
			return (ENOENT);
	}
	cr = crget(k);
	cr->cr_prison = (struct prison *)scr->jail;
	prison_hold(cr->cr_prison);
	cr->cr_uid = scr->uid;
	cr->cr_gid = scr->gid;
	cr->cr_ngroups = scr->ngroups;
	for (i = 0; i < scr->ngroups; i++)
		cr->cr_groups[i] = scr->groups[i];
	*pp = proc_alloc(k, cr, fdinit(k, scr->umask), vmspace_alloc(k));
	return (0);
}

/*
 * kern_fork.c: fork1() -- the child shares the parent's credential and
 * gets a copy of its descriptor table (fdcopy) and umask, and a copy of
 * its address space (vm_forkproc -> vmspace_fork): shared mappings
 * shared, private ones copy-on-write in both.
 */
int
fork1(struct thread *td, struct proc **childp)
{
	struct proc *p1 = td->td_proc;
	struct filedesc *fdp;
	struct vmspace *vm2;

	fdp = fdcopy(p1->p_fd, p1->p_kernel);
	vm2 = vmspace_fork(p1->p_vmspace);
	*childp = proc_alloc(p1->p_kernel, crhold(p1->p_ucred), fdp, vm2);
	sx_slock(&p1->p_kernel->allproc_lock);
	memcpy((*childp)->p_comm, p1->p_comm, sizeof(p1->p_comm));
	sx_sunlock(&p1->p_kernel->allproc_lock);
	return (0);
}

/*
 * kern_exit.c: exit1() -- descriptors closed (fdescfree), descriptors
 * still in flight to the process disposed of (unp_dispose), every
 * mapping removed (vmspace_exit), then the process is gone.
 */
void
exit1(struct proc *p)
{
	struct shmsim_kernel *k = p->p_kernel;
	struct thread td;

	thread_enter(&td, p);
	fdescfree(&td);
	unp_dispose_queue(p);
	vmspace_exit(p->p_vmspace);
	sx_xlock(&k->allproc_lock);
	LIST_REMOVE(p, p_list);
	sx_xunlock(&k->allproc_lock);
	k_atomic_fetch_sub(k, &k->k_nprocs, 1);
	mtx_destroy(&p->p_rights_mtx);
	crfree(p->p_ucred);
	free_k(k, p, M_PROC);
}
