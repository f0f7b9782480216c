/*
 * Fuzz inputs as calls (docs/fuzzing.md): the byte encodings of the
 * fuzz targets fuzz_names and fuzz_syscalls, interpreted against a fresh
 * kernel through the public API, and `shmsim decode`, which prints what
 * an input did as a scenario (the expectations are the results observed).
 *
 * One interpreter serves both, so a decoded scenario makes exactly the
 * calls the fuzzer made.  The fuzz targets add their checks through the
 * hook, called after every call.
 */
#ifndef SHMSIM_DECODE_H
#define SHMSIM_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "shmsim.h"

enum sc_fuzz_target {
	SC_FUZZ_NAMES,	  /* the name table: create, open, unlink */
	SC_FUZZ_SYSCALLS, /* call sequences of several processes */
	SC_FUZZ_SCENARIO, /* scenario text */
	SC_FUZZ_NTARGETS
};

/* "names", "syscalls", "scenario"; -1 for anything else. */
int sc_fuzz_target_from_name(const char *name);
const char *sc_fuzz_target_name(enum sc_fuzz_target t);

/* What the interpreter did, one call at a time. */
enum sc_fuzz_op {
	FZ_SPAWN,
	FZ_FORK,
	FZ_EXIT,
	FZ_OPEN,
	FZ_CLOSE,
	FZ_DUP,
	FZ_DUP2,
	FZ_FCNTL,
	FZ_FTRUNCATE,
	FZ_FSTAT,
	FZ_READ,
	FZ_WRITE,
	FZ_PREAD,
	FZ_PWRITE,
	FZ_LSEEK,
	FZ_UNLINK,
	FZ_SENDFD,
	FZ_RECVFD,
	FZ_PAGEOUT,
	FZ_EXEC,
	FZ_FAULT,
	FZ_UMASK,
	FZ_DUMP,
	FZ_OPEN2,
	FZ_RENAME,
	FZ_MEMFD,
	FZ_FCHMOD,
	FZ_FCHOWN,
	FZ_FALLOCATE,
	FZ_FSPACECTL,
	FZ_IOCTL,
	FZ_MMAP,
	FZ_MUNMAP,
	FZ_MPROTECT,
	FZ_LOAD,
	FZ_STORE,
	FZ_NOPS
};

struct sc_fuzz_call {
	enum sc_fuzz_op op;
	int pidx;	       /* the calling process (driver's index) */
	struct shmsim_proc *p; /* its handle (the new one for FZ_SPAWN,
				  FZ_FORK); NULL after FZ_EXIT */
	const struct shmsim_cred *cred; /* FZ_SPAWN */
	const char *path;  /* FZ_OPEN, FZ_UNLINK: the pointer passed */
	const char *path2; /* FZ_RENAME: the destination */
	size_t pathlen;	   /* bytes built (a NUL may come earlier) */
	int flags;	   /* FZ_OPEN */
	mode_t mode;	   /* FZ_OPEN, FZ_UMASK */
	int fd, fd2;	   /* descriptor operands; FZ_FORK: fd is the
			      child's index, -1 in a concurrent segment
			      (the child joins after it) */
	int64_t a, b;	   /* other operands (length, offset, ...) */
	int error;	   /* 0 or the errno returned */
	int64_t ret;	   /* the value returned */
};

struct sc_fuzz_opts {
	FILE *out;	 /* decode: the scenario is printed here */
	FILE *sink;	 /* where dump output goes (NULL: no dumps) */
	bool audit_each; /* shmsim_audit() after every call; stop at the
			    first violation */
	/* Called once the kernel exists, and after every call; before is
	 * called just before FZ_RENAME only (its operands are set). */
	void (*begin)(void *arg, struct shmsim_kernel *k,
	    const struct shmsim_config *cfg);
	void (*before)(void *arg, struct shmsim_kernel *k,
	    const struct sc_fuzz_call *c);
	void (*after)(void *arg, struct shmsim_kernel *k,
	    const struct sc_fuzz_call *c);
	/*
	 * With audit_each: the audit after a call outside a concurrent
	 * segment, run after `after` (NULL: shmsim_audit()).  It returns
	 * the number of violations, as shmsim_audit() does; when there
	 * are any, shmsim_audit() runs for the report.  The audit after
	 * a segment and at the end of the input is always shmsim_audit().
	 */
	int (*audit)(void *arg, struct shmsim_kernel *k,
	    const struct sc_fuzz_call *c);
	void *arg;
	/*
	 * If not NULL: the explorer of the concurrent segments lives here
	 * from one input to the next -- made at the first segment (when
	 * *explorer is NULL), reset (shmsim_explorer_reset()) at the first
	 * segment of each later input, not mapping its threads' stacks
	 * again -- and the caller destroys it.  NULL: one explorer per
	 * input.  The schedules are the same either way.
	 */
	struct shmsim_explorer **explorer;
	/*
	 * Likewise for the kernel's host memory (shmsim_hostmem_create()):
	 * if not NULL, every input's kernel takes its blocks from the cache
	 * at *hostmem, made at the first input, and the caller destroys it.
	 * An input that deadlocks abandons its kernel with the cache and
	 * sets *hostmem to NULL.  The results are the same either way.
	 */
	struct shmsim_hostmem **hostmem;
};

struct sc_fuzz_result {
	int ncalls;
	int audit_violations; /* at the first call that had any */
	int audit_call;	      /* its number (1-based) */
	char audit_report[4096];
	int leaks; /* shmsim_kernel_destroy() at the end */
	char leak_report[4096];
	/*
	 * syscalls: concurrent segments run (par blocks), and the token of
	 * the schedule they ran in (shmsim explore --replay TOKEN).  A
	 * deadlock stops the input: sched_report holds the explorer's
	 * report (each actor's held and wanted locks) and the kernel is
	 * abandoned, as shmsim_explorer_par() requires.
	 */
	int segments;
	bool deadlock;
	char sched_token[4096];
	char sched_report[8192];
};

/*
 * Interpret data as an input of target t (names or syscalls) against a
 * fresh kernel, destroy the kernel and report.  Returns 0, or -1 for a
 * target that has no byte encoding (scenario).
 */
int sc_fuzz_run(enum sc_fuzz_target t, const uint8_t *data, size_t size,
    const struct sc_fuzz_opts *o, struct sc_fuzz_result *r);

/*
 * shmsim decode: print the scenario that input data of target t makes
 * (scenario inputs are printed as they are).  Returns the exit status:
 * 0 when the input ran clean, 1 when the auditor or the leak check
 * complained (the scenario says where).
 */
int sc_decode(enum sc_fuzz_target t, const uint8_t *data, size_t size,
    const char *label, FILE *out);

#endif /* SHMSIM_DECODE_H */
