/*
 * Descriptor passing as sendmsg(2)/recvmsg(2) with SCM_RIGHTS do it
 * (uipc_usrreq.c: unp_internalize, unp_externalize, unp_dispose),
 * without the socket: each process has a queue of files in flight to it.
 * A file in flight holds one f_count reference.
 */
#include <errno.h>
#include <stdlib.h>

#include "file.h"
#include "kernel_var.h"
#include "proc.h"

MALLOC_DEFINE(M_RIGHTS, "rights",
    "descriptors in flight (XXX(model): SCM_RIGHTS mbufs)");

/* uipc_usrreq.c: unp_internalize() for one descriptor, then queue it. */
int
uipc_sendfd(struct thread *td, struct proc *to, int fd)
{
	struct shmsim_kernel *k = td->td_proc->p_kernel;
	struct rights_entry *re;
	struct file *fp;
	int error;

	/* unp_internalize(): fget_noref, then the DFLAG_PASSABLE check. */
	error = fget_unlocked(td, fd, &fp);
	if (error != 0)
		return (error);
	if ((fp->f_ops->fo_flags & DFLAG_PASSABLE) == 0) {
		fdrop(fp, td);
		return (EOPNOTSUPP);
	}
	re = malloc_k(k, sizeof(*re), M_RIGHTS, M_WAITOK);
	re->re_file = fp; /* fget's reference is now the in-flight one */
	mtx_lock(&to->p_rights_mtx);
	TAILQ_INSERT_TAIL(&to->p_rights, re, re_link);
	to->p_nrights++;
	mtx_unlock(&to->p_rights_mtx);
	k_atomic_fetch_add(k, &k->k_inflight, 1);
	return (0);
}

/*
 * uipc_usrreq.c: unp_externalize() for the oldest queued file: install
 * it at the lowest free descriptor.  EAGAIN when nothing is queued (a
 * non-blocking recvmsg); EMFILE when the table is full, in which case the
 * file is discarded as unp_externalize discards the rights.
 */
int
uipc_recvfd(struct thread *td)
{
	struct proc *p = td->td_proc;
	struct shmsim_kernel *k = p->p_kernel;
	struct rights_entry *re;
	struct file *fp;
	int error, fd;

	mtx_lock(&p->p_rights_mtx);
	re = TAILQ_FIRST(&p->p_rights);
	if (re != NULL) {
		TAILQ_REMOVE(&p->p_rights, re, re_link);
		p->p_nrights--;
	}
	mtx_unlock(&p->p_rights_mtx);
	if (re == NULL)
		return (EAGAIN);
	fp = re->re_file;
	free_k(k, re, M_RIGHTS);
	k_atomic_fetch_sub(k, &k->k_inflight, 1);
	/* The in-flight reference becomes the table's (_finstall). */
	error = finstall_refed(td, fp, &fd, 0);
	if (error != 0) {
		/* unp_freerights(): the rights are discarded. */
		fdrop(fp, td);
		return (error);
	}
	td->td_retval[0] = fd;
	return (0);
}

/* uipc_usrreq.c: unp_dispose() -- drop everything queued to p. */
void
unp_dispose_queue(struct proc *p)
{
	struct shmsim_kernel *k = p->p_kernel;
	struct rights_entry *re;
	struct thread td;

	thread_enter(&td, p);
	for (;;) {
		mtx_lock(&p->p_rights_mtx);
		re = TAILQ_FIRST(&p->p_rights);
		if (re != NULL) {
			TAILQ_REMOVE(&p->p_rights, re, re_link);
			p->p_nrights--;
		}
		mtx_unlock(&p->p_rights_mtx);
		if (re == NULL)
			break;
		k_atomic_fetch_sub(k, &k->k_inflight, 1);
		fdrop(re->re_file, &td);
		free_k(k, re, M_RIGHTS);
	}
}
