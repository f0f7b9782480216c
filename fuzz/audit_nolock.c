/*
 * audit_nolock: the proof that the auditor's lock-free reading
 * (audit_kernel(k, ..., false), what shmsim_audit() does on a kernel for
 * one host thread) reports everything the locked audit reports.
 *
 * Every input of a fuzz target's seed corpus and regress directory runs
 * as the fuzzer runs it (sc_fuzz_run, a kernel with threads=single, the
 * auditor after every call).  After every call outside a concurrent
 * segment both audits run on the same state, and again on the state
 * with one count broken at a time (an object counter, an object's
 * ref_count, a shmfd's shm_refs, a file's f_count, a process's
 * fd_nused), each broken count put back afterwards: the two must find
 * the same number of violations with the same report, word for word.
 * The broken states make sure the comparison covers reports, not only
 * clean audits; at least one must be reported per input that has an
 * object, or the check itself is broken.
 *
 * Built with fuzz/standalone_main.c (a replay driver); ctest runs it
 * over fuzz/corpus and fuzz/regress of fuzz_syscalls and fuzz_names.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "file.h"
#include "kern/sched.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"
#include "vm_object.h"

#ifndef AUDIT_TARGET
#define AUDIT_TARGET SC_FUZZ_SYSCALLS
#endif

static char rep_locked[8192], rep_free[8192];
static unsigned long compared, reported;

/* Both audits from the same remembered seals (audit_seal_history). */
static void
compare(struct shmsim_kernel *k, const char *what)
{
	struct audit_seals *saved = NULL;
	size_t nsaved = k->k_naudit_seals;
	int nl, nf;

	if (nsaved != 0) {
		saved = malloc(nsaved * sizeof(*saved));
		if (saved == NULL)
			abort();
		memcpy(saved, k->k_audit_seals, nsaved * sizeof(*saved));
	}
	nl = audit_kernel(k, rep_locked, sizeof(rep_locked), true);
	/* The next audit compares against the seals the first one saw. */
	if (nsaved > k->k_capaudit_seals) {
		free(k->k_audit_seals);
		k->k_audit_seals = malloc(nsaved * sizeof(*saved));
		if (k->k_audit_seals == NULL)
			abort();
		k->k_capaudit_seals = nsaved;
	}
	if (nsaved != 0)
		memcpy(k->k_audit_seals, saved, nsaved * sizeof(*saved));
	k->k_naudit_seals = nsaved;
	free(saved);
	nf = audit_kernel(k, rep_free, sizeof(rep_free), false);
	compared++;
	if (nl != 0)
		reported++;
	if (nl != nf || strcmp(rep_locked, rep_free) != 0) {
		fprintf(stderr,
		    "audit_nolock: %s: the locked audit found %d "
		    "violation(s):\n%s\nthe lock-free audit %d:\n%s\n",
		    what, nl, rep_locked, nf, rep_free);
		abort();
	}
}

static void
check_after(void *arg, struct shmsim_kernel *k, const struct sc_fuzz_call *c)
{
	vm_object_t obj;
	struct proc *p;
	int fd;

	(void)arg;
	(void)c;
	/* In a segment other simulated threads may be inside calls. */
	if (sched_explored())
		return;
	compare(k, "as is");

	atomic_fetch_add(&k->k_nobjects, 1);
	compare(k, "k_nobjects + 1");
	atomic_fetch_sub(&k->k_nobjects, 1);

	obj = TAILQ_FIRST(&k->vm_object_list);
	if (obj != NULL) {
		atomic_fetch_add(&obj->ref_count, 1);
		compare(k, "first object's ref_count + 1");
		atomic_fetch_sub(&obj->ref_count, 1);
		if (obj->swp_priv != NULL) {
			struct shmfd *shmfd = obj->swp_priv;

			atomic_fetch_add(&shmfd->shm_refs, 1);
			compare(k, "first shmfd's shm_refs + 1");
			atomic_fetch_sub(&shmfd->shm_refs, 1);
		}
	}
	p = LIST_FIRST(&k->allproc);
	if (p != NULL) {
		p->p_fd->fd_nused++;
		compare(k, "first process's fd_nused + 1");
		p->p_fd->fd_nused--;
		for (fd = 0; fd < p->p_fd->fd_nfiles; fd++) {
			struct file *fp = p->p_fd->fd_ofiles[fd].fde_file;

			if (fp == NULL)
				continue;
			atomic_fetch_add(&fp->f_count, 1);
			compare(k, "a file's f_count + 1");
			atomic_fetch_sub(&fp->f_count, 1);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sc_fuzz_result res;
	static FILE *sink;
	unsigned long before = reported, cbefore = compared;
	struct sc_fuzz_opts o;

	if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
		abort();
	memset(&o, 0, sizeof(o));
	o.sink = sink;
	o.audit_each = true;
	o.after = check_after;
	(void)sc_fuzz_run(AUDIT_TARGET, data, size, &o, &res);
	/* Every audit pair here broke at least k_nobjects once. */
	if (compared > cbefore && reported == before) {
		fprintf(stderr, "audit_nolock: no broken state was reported\n");
		abort();
	}
	return (0);
}

/* The totals, so that the ctest log shows the check did something. */
static void __attribute__((__destructor__)) totals(void)
{
	fprintf(stderr,
	    "audit_nolock: %lu audit pairs compared, %lu with violations, "
	    "all identical\n",
	    compared, reported);
}
