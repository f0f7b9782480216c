/*
 * Credentials, threads and processes (sys/sys/ucred.h, proc.h), reduced
 * to what shared memory consults.
 *
 * Locking key: (c) constant, (a) atomic, (p) allproc lock, (r) the
 * process's rights mutex.
 */
#ifndef SHMSIM_PROC_H
#define SHMSIM_PROC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <bsd/sys/queue.h>

#include "kern/lock.h"
#include "shmsim.h"

struct prison;
struct file;
struct vmspace;

/* ucred: shared, reference counted, never changed once made. */
struct ucred {
	atomic_uint cr_ref;		 /* (a) */
	uid_t cr_uid;			 /* (c) effective uid */
	gid_t cr_gid;			 /* (c) effective gid (cr_groups[0]) */
	int cr_ngroups;			 /* (c) supplementary count */
	gid_t cr_groups[SHMSIM_NGROUPS]; /* (c) supplementary groups */
	struct prison *cr_prison;	 /* (c) NULL: the host */
	struct shmsim_kernel *cr_kernel; /* (c) */
};

/*
 * A jail (kern_jail.c: struct prison), reduced to its name and root
 * path.  pr_ref counts the credentials inside it, plus one while it is
 * alive (not yet removed).
 */
struct prison {
	LIST_ENTRY(prison) pr_list;	 /* (k) allprison */
	atomic_uint pr_ref;		 /* (a) */
	bool pr_dying;			 /* (k) removed */
	char pr_name[64];		 /* (c) */
	char pr_path[1024];		 /* (c) root path, e.g. /jails/j1 */
	struct shmsim_kernel *pr_kernel; /* (c) */
};

struct rights_entry {
	TAILQ_ENTRY(rights_entry) re_link;
	struct file *re_file; /* holds one f_count reference */
};

struct proc {
	LIST_ENTRY(proc) p_list;	/* (p) */
	struct shmsim_kernel *p_kernel; /* (c) */
	int p_pid;			/* (c) */
	char p_comm[32];		/* (p) name, e.g. the scenario's */
	struct ucred *p_ucred;		/* (c) */
	struct filedesc *p_fd;		/* (c) */
	struct vmspace *p_vmspace;	/* (c) the address space */
	struct mtx p_rights_mtx;
	TAILQ_HEAD(, rights_entry) p_rights; /* (r) queued by sendfd */
	int p_nrights;			     /* (r) */
};

/* The calling thread, made per system call on the caller's stack. */
struct thread {
	struct proc *td_proc;
	struct ucred *td_ucred;
	int64_t td_retval[2];
};

#define PRIV_VFS_READ 1
#define PRIV_VFS_WRITE 2
#define PRIV_VFS_ADMIN 3
#define PRIV_MAXFILES 4
#define PRIV_VFS_CHOWN 5

/* kern_jail.c (src/jail.c) */
const char *prison_path(const struct prison *pr);
void prison_hold(struct prison *pr);
void prison_free(struct prison *pr);
void prison_free_all(struct shmsim_kernel *k);

struct ucred *crget(struct shmsim_kernel *k);
struct ucred *crhold(struct ucred *cr);
void crfree(struct ucred *cr);
bool groupmember(gid_t gid, const struct ucred *cred);
int priv_check_cred(const struct ucred *cred, int priv);
static inline int
priv_check(struct thread *td, int priv)
{
	return (priv_check_cred(td->td_ucred, priv));
}

/* thread_enter(): kernel_var.h, after kernel_enter(). */

int proc_spawn(struct shmsim_kernel *k, const struct shmsim_cred *cr,
    struct proc **pp);
int fork1(struct thread *td, struct proc **childp);
void exit1(struct proc *p);

/* uipc_rights.c */
int uipc_sendfd(struct thread *td, struct proc *to, int fd);
int uipc_recvfd(struct thread *td);
void unp_dispose_queue(struct proc *p);

#endif /* SHMSIM_PROC_H */
