/*
 * fuzz_syscalls: sequences of calls by several processes -- spawn, fork,
 * exit, exec, shm_open, shm_unlink, close, dup, dup2, fcntl, ftruncate,
 * fstat, read, write, pread, pwrite, lseek, sendfd, recvfd, umask,
 * pageout, dump, and today's shm_open2, shm_rename, memfd_create, fchmod,
 * fchown, posix_fallocate, fspacectl, ioctl, and the mappings: mmap,
 * munmap, mprotect, load, store -- with the fault plan armed from the input (a
 * site, the nth hit from now, once or from then on), so that error paths run
 * too.
 *
 * The encoding (tools/shmsim/decode.c, run_syscalls) is one opcode byte
 * and a few operand bytes per call, operands taken modulo the live
 * processes, the descriptor limit and small tables of sizes, offsets and
 * names, so that mutations keep their meaning.  Both profiles; small
 * page sizes, descriptor and file limits, swap and memory budgets.
 *
 * After every call the auditor (shmsim_audit) recomputes every count
 * and checks every invariant; at the end every process exits, every
 * name goes, the auditor runs once more and shmsim_kernel_destroy()
 * must find no leak.  Any complaint aborts with the report.  A few
 * result checks come on top (descriptors in range, transfers no longer
 * than asked).
 *
 * Concurrent segments (opcode byte 0xff; decode.c, run_segment) run a
 * few calls of two to four actors -- processes, threads of one process,
 * the pagedaemon; fork, exec and exit among the calls, under the
 * language's rules for par blocks -- as a par block under an explorer
 * whose scheduling decisions are the input's schedule bytes
 * (SHMSIM_SCHED_BYTES), so that coverage guides the search through
 * interleavings as well as through calls.  The auditor runs after each segment;
 * a deadlock (the model must never deadlock) aborts with each actor's held and
 * wanted locks; a panic inside a segment prints the schedule's token and steps,
 * then aborts.  shmsim decode prints a segment as a par block, and the token
 * that replays it with shmsim explore --replay.
 *
 * The audit after each call is a proven shortcut of the full one
 * (sys_audit below, audit_kernel_memo() in src/audit.c): a descriptor
 * table, or the dictionary, that the call cannot have changed is not
 * scanned again.  The full audit still runs after every concurrent
 * segment and at the end of every input, and the replay
 * (fuzz_replay/syscalls: every corpus and regress input) runs both
 * after every call and aborts unless they report the same, and unless
 * what the rules call unchanged is unchanged.
 *
 * One kernel defect is kept by the model on purpose (docs/quirks.md): a
 * failed SHM_RENAME_EXCHANGE whose removal of the destination is refused
 * never drops its hold on the destination.  The auditor rightly reports
 * that; so that fuzzing goes on past it, the harness returns exactly that
 * reference (shm_drop through the internals, as test_shm_today.c does)
 * before the auditor runs.  `shmsim decode` does not: the scenario it
 * prints ends at the failing audit, which is the model's true answer.
 *
 * The other one (docs/quirks.md, "concurrent growth on disjoint ranges can
 * shrink the object"): two growing pwrites or fallocates in a concurrent
 * segment can leave pages past the end of the object, and the auditor
 * rightly reports them after the segment.  That input stops there, as an
 * input with a finding does, but is not reported as one: only when the
 * segment made two or more calls that may have grown an object (a
 * successful pwrite or fallocate, or a pwrite that failed while copying
 * after its growth: growth_call()) and every violation is a page past an
 * object's size (known_growth_race()).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "file.h"
#include "fnv.h"
#include "fuzz_asan.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"
#include "shmsim_explore.h"

static int max_fds;

/*
 * The per-call audit's shortcut (issue 19).  The audit after a call
 * takes from the memo of the audit before it each descriptor table the
 * call cannot have changed, and the dictionary when the call cannot
 * have changed a name, instead of scanning and checking them again;
 * the rest (files, objects, maps, queues, counters) is audited in
 * full.  Which tables a call may change: only its own process's, and
 * only for the calls below; names change only by the calls of
 * may_change_names(); fork and exit, which make or remove a process,
 * get the full audit.  That claim is what the replay checks
 * (prove): after every call outside a segment it runs the shortcut and
 * the full audit on the same state, again with the calling process's
 * fd_nused broken and, after a call that may change names, with a
 * name's stored hash broken, and aborts unless both report the same,
 * word for word; and it checks the claim itself (fp_check below).
 * The memo is used only right after the audit of the call before (not
 * after a segment, whose calls are not audited one by one).
 */
static struct audit_memo memo;
static unsigned long ncalls, memo_calls; /* calls; calls at the memo */
/* Calls that may have grown an object (growth_call()) since the last
 * call outside a concurrent segment, and the inputs that met the growth
 * race. */
static unsigned seg_growth;
static unsigned long growth_races;
static unsigned long compared, shortcuts, reported;

/*
 * The replay (standalone_main.c) defines it; libFuzzer's main does not.
 * The proof runs when it is defined and not 0.
 */
extern int shmsim_fuzz_replay __attribute__((__weak__));

static bool
proving(void)
{
	return (&shmsim_fuzz_replay != NULL && shmsim_fuzz_replay != 0);
}

static bool
may_change_own_table(enum sc_fuzz_op op)
{
	switch (op) {
	case FZ_SPAWN: /* a new table: scanned, as it is not in the memo */
	case FZ_OPEN:
	case FZ_OPEN2:
	case FZ_MEMFD:
	case FZ_CLOSE:
	case FZ_DUP:
	case FZ_DUP2:
	case FZ_FCNTL:
	case FZ_SENDFD:
	case FZ_RECVFD:
	case FZ_EXEC:
		return (true);
	default:
		return (false);
	}
}

/* Whether the call may add, remove or move a name. */
static bool
may_change_names(enum sc_fuzz_op op)
{
	switch (op) {
	case FZ_OPEN:
	case FZ_OPEN2:
	case FZ_UNLINK:
	case FZ_RENAME:
		return (true);
	default:
		return (false);
	}
}

/* The dictionary's first name, or NULL. */
static struct shm_mapping *
dict_first(struct shmsim_kernel *k)
{
	unsigned long b;

	for (b = 0; b <= k->shm_hash; b++)
		if (!LIST_EMPTY(&k->shm_dictionary[b]))
			return (LIST_FIRST(&k->shm_dictionary[b]));
	return (NULL);
}

/*
 * The rules' premise, checked directly in the replay: a fingerprint of
 * what each remembered part of the audit reads (each process's
 * descriptor table, the dictionary) after every audit; at the next
 * call's audit, every part the rules call unchanged must have the same
 * fingerprint.  This catches a wrong rule even where the state it
 * misses would have audited clean (a rename of a name to another).
 */
#define FP_PROCS 64
static struct fp_proc {
	const struct proc *p;
	int pid;
	uint64_t table;
} fp_now[FP_PROCS], fp_before[FP_PROCS];
static int fp_nnow, fp_nbefore;
static uint64_t fp_names_now, fp_names_before;

static inline uint64_t
fp_mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * UINT64_C(0x100000001b3);
	return (h ^ (h >> 29));
}

static void
fp_take(struct shmsim_kernel *k)
{
	const struct filedescent *ofiles;
	const struct filedesc *fdp;
	struct shm_mapping *map;
	const struct proc *p;
	const char *c;
	unsigned long b;
	uint64_t h;
	int fd;

	fp_nnow = 0;
	LIST_FOREACH(p, &k->allproc, p_list) {
		if (fp_nnow == FP_PROCS)
			break;
		fdp = p->p_fd;
		ofiles = fdp->fd_ofiles;
		h = fp_mix(0, (uintptr_t)ofiles);
		h = fp_mix(h, (uint64_t)fdp->fd_nfiles);
		h = fp_mix(h, (uint64_t)fdp->fd_nused);
		h = fp_mix(h, (uint64_t)fdp->fd_lastfile);
		h = fp_mix(h, (uint64_t)fdp->fd_freefile);
		h = fp_mix(h, fdp->fd_freefile_gap);
		for (fd = 0; fd < fdp->fd_nfiles; fd++)
			h = fp_mix(h, (uintptr_t)ofiles[fd].fde_file);
		fp_now[fp_nnow].table = h;
		fp_now[fp_nnow].p = p;
		fp_now[fp_nnow].pid = p->p_pid;
		fp_nnow++;
	}
	h = fp_mix(0, k->shm_hash);
	for (b = 0; b <= k->shm_hash; b++)
		LIST_FOREACH(map, &k->shm_dictionary[b], sm_link) {
			h = fp_mix(h, b);
			h = fp_mix(h, map->sm_fnv);
			h = fp_mix(h, (uintptr_t)map->sm_shmfd);
			h = fp_mix(h, (uintptr_t)map->sm_path);
			h = fp_mix(h, (uintptr_t)map->sm_shmfd->shm_path);
			for (c = map->sm_path; *c != '\0'; c++)
				h = fp_mix(h, (unsigned char)*c);
		}
	fp_names_now = h;
}

static void __attribute__((__noreturn__))
fp_fail(const struct sc_fuzz_call *c, const char *what, int pid)
{
	fprintf(stderr,
	    "fuzz_syscalls: op %d changed %s%s%.0d, which the audit "
	    "shortcut's rules say it does not change\n",
	    (int)c->op, what, pid >= 0 ? " of pid " : "", pid >= 0 ? pid : 0);
	abort();
}

/* Whatever the rules call unchanged since the audit before is. */
static void
fp_check(const struct sc_fuzz_call *c, const struct audit_dirty *d)
{
	int i, j;

	if (!d->names && fp_names_now != fp_names_before)
		fp_fail(c, "the dictionary", -1);
	for (i = 0; i < fp_nnow; i++)
		for (j = 0; j < fp_nbefore; j++) {
			if (fp_before[j].p != fp_now[i].p ||
			    fp_before[j].pid != fp_now[i].pid)
				continue;
			if (fp_now[i].p != d->table &&
			    fp_now[i].table != fp_before[j].table)
				fp_fail(c, "the descriptor table",
				    fp_now[i].pid);
		}
}

/* The seals the audit before saw, put back for the next audit. */
static void
seals_restore(struct shmsim_kernel *k, const struct audit_seals *seals,
    size_t nseals)
{
	if (nseals > k->k_capaudit_seals) {
		free(k->k_audit_seals);
		k->k_audit_seals = malloc(nseals * sizeof(*seals));
		if (k->k_audit_seals == NULL)
			abort();
		k->k_capaudit_seals = nseals;
	}
	if (nseals != 0)
		memcpy(k->k_audit_seals, seals, nseals * sizeof(*seals));
	k->k_naudit_seals = nseals;
}

/*
 * The shortcut against the full audit (prove), on the same state and
 * from the same remembered seals (as fuzz/audit_nolock.c does).
 */
static int
prove_same(struct shmsim_kernel *k, bool shortcut,
    const struct audit_dirty *dirty, const char *what)
{
	static char rep_short[8192], rep_full[8192];
	struct audit_seals *seals = NULL;
	size_t nseals = k->k_naudit_seals;
	int ns, nf;

	if (nseals != 0) {
		seals = malloc(nseals * sizeof(*seals));
		if (seals == NULL)
			abort();
		memcpy(seals, k->k_audit_seals, nseals * sizeof(*seals));
	}
	ns = shmsim_audit_memo(k, rep_short, sizeof(rep_short), &memo, shortcut,
	    dirty);
	seals_restore(k, seals, nseals);
	free(seals);
	/* The full audit, which leaves the memo as it is. */
	nf = shmsim_audit(k, rep_full, sizeof(rep_full));
	compared++;
	if (shortcut)
		shortcuts++;
	if (nf != 0)
		reported++;
	if (ns != nf || strcmp(rep_short, rep_full) != 0) {
		fprintf(stderr,
		    "fuzz_syscalls: the audit shortcut does not report what "
		    "the full audit reports (%s):\nfull audit, %d "
		    "violation(s):\n%s\nshortcut, %d:\n%s\n",
		    what, nf, rep_full, ns, rep_short);
		abort();
	}
	return (nf);
}

static int
sys_audit(void *arg, struct shmsim_kernel *k, const struct sc_fuzz_call *c)
{
	struct proc *p = (struct proc *)c->p;
	struct audit_dirty d = { NULL, false };
	struct shm_mapping *name;
	bool shortcut;
	int n;

	(void)arg;
	seg_growth = 0; /* called for calls outside a segment only */
	shortcut =
	    memo_calls + 1 == ncalls && c->op != FZ_FORK && c->op != FZ_EXIT;
	if (may_change_own_table(c->op))
		d.table = p;
	d.names = may_change_names(c->op);
	memo_calls = ncalls;
	if (!proving())
		return (shmsim_audit_memo(k, NULL, 0, &memo, shortcut, &d));
	fp_take(k);
	if (shortcut)
		fp_check(c, &d);
	fp_nbefore = fp_nnow;
	memcpy(fp_before, fp_now, sizeof(fp_now));
	fp_names_before = fp_names_now;
	/* What the shortcut still checks: break it, one part at a time. */
	if (d.table != NULL && shortcut) {
		p->p_fd->fd_nused++;
		(void)prove_same(k, shortcut, &d, "the caller's fd_nused + 1");
		p->p_fd->fd_nused--;
	}
	if (d.names && shortcut && (name = dict_first(k)) != NULL) {
		name->sm_fnv ^= 1;
		(void)prove_same(k, shortcut, &d, "a name's stored hash ^ 1");
		name->sm_fnv ^= 1;
	}
	n = prove_same(k, shortcut, &d, "after the call");
	return (n);
}

static void __attribute__((__noreturn__))
fail(const struct sc_fuzz_call *c, const char *what)
{
	fprintf(stderr,
	    "fuzz_syscalls: op %d: %s (error %s, ret %jd)\n"
	    "(shmsim decode syscalls INPUT shows the calls)\n",
	    (int)c->op, what, shmsim_errno_name(c->error), (intmax_t)c->ret);
	abort();
}

static void
sys_begin(void *arg, struct shmsim_kernel *k, const struct shmsim_config *cfg)
{
	(void)arg;
	(void)k;
	max_fds = cfg->max_fds;
	/* Nothing remembered (the entries need not be cleared). */
	memset(memo.p, 0, sizeof(memo.p));
	memo.names_valid = false;
	ncalls = 0;
	memo_calls = (unsigned long)-2; /* no memo yet */
	seg_growth = 0;
}

/* The destination of an EXCHANGE rename, and its shm_refs before it. */
static struct shmfd *xchg_to;
static unsigned int xchg_refs;

/* The dictionary's object for a user path (no jail here), or NULL. */
static struct shmfd *
dict_lookup(struct shmsim_kernel *k, const char *path)
{
	struct shm_mapping *map;
	Fnv32_t fnv;

	if ((uintptr_t)path < 4096 || path == SHMSIM_BADPTR)
		return (NULL);
	fnv = fnv_32_str(path, FNV1_32_INIT);
	LIST_FOREACH(map, &k->shm_dictionary[fnv & k->shm_hash], sm_link)
		if (map->sm_fnv == fnv && strcmp(map->sm_path, path) == 0)
			return (map->sm_shmfd);
	return (NULL);
}

static void
sys_before(void *arg, struct shmsim_kernel *k, const struct sc_fuzz_call *c)
{
	(void)arg;
	xchg_to = NULL;
	if (c->op == FZ_RENAME &&
	    (c->flags & SHMSIM_SHM_RENAME_EXCHANGE) != 0 &&
	    (xchg_to = dict_lookup(k, c->path2)) != NULL)
		xchg_refs = atomic_load(&xchg_to->shm_refs);
}

/*
 * A call that may have grown an object, for the growth race: a pwrite or
 * a fallocate that succeeded, or a pwrite that failed after growing the
 * object, while copying into it (shm_write() grows first, then
 * uiomove_object() can fail: EIO for a page it could not allocate or
 * read in, EFAULT for the buffer).  Found by CI's fuzzing: a segment of
 * pwrites that all failed with EIO, under an armed page_alloc fault,
 * still left pages past the end.
 */
static bool
growth_call(const struct sc_fuzz_call *c)
{
	if (c->op == FZ_FALLOCATE)
		return (c->error == 0);
	return (c->op == FZ_PWRITE &&
	    (c->error == 0 || c->error == EIO || c->error == EFAULT));
}

static void
sys_after(void *arg, struct shmsim_kernel *k, const struct sc_fuzz_call *c)
{
	(void)arg;
	(void)k;
	ncalls++;
	if (c->op == FZ_RENAME && xchg_to != NULL) {
		/* The known leak (docs/quirks.md): give the hold back. */
		if (c->error != 0 &&
		    atomic_load(&xchg_to->shm_refs) == xchg_refs + 1)
			shm_drop(xchg_to);
		xchg_to = NULL;
	}
	if (growth_call(c))
		seg_growth++;
	if (c->error != 0) {
		if (c->error < 0 ||
		    strcmp(shmsim_errno_name(c->error), "E?") == 0)
			fail(c, "an errno the model does not know");
		return;
	}
	switch (c->op) {
	case FZ_OPEN:
	case FZ_OPEN2:
	case FZ_MEMFD:
	case FZ_DUP:
	case FZ_RECVFD:
		if (c->ret < 0 || c->ret >= max_fds)
			fail(c, "descriptor out of range");
		break;
	case FZ_DUP2:
		if (c->ret != c->fd2)
			fail(c, "dup2 returned another descriptor");
		break;
	case FZ_READ:
	case FZ_PREAD:
	case FZ_WRITE:
	case FZ_PWRITE:
		if (c->ret < 0 || c->ret > c->a)
			fail(c, "moved more bytes than asked");
		break;
	case FZ_LSEEK:
		if (c->ret < 0)
			fail(c, "negative file offset");
		break;
	default:
		break;
	}
}

/*
 * The explorer of the concurrent segments, kept from one input to the
 * next and reset for each (sc_fuzz_opts.explorer): a new one per input
 * zeroed its tables and mapped its threads' stacks again, for the
 * quarter of the corpus's inputs that have a segment.  The schedules
 * are the same (tests/decode_reuse.c compares every corpus input both
 * ways).
 */
static struct shmsim_explorer *kept_explorer;

/*
 * The kernels' host memory, kept from one input to the next under ASan
 * (sc_fuzz_opts.hostmem, shmsim_hostmem_create()): a kernel's few dozen
 * host blocks, allocated and freed again for every input, were a quarter
 * of the run.  A block an input's kernel frees is reused only by a later
 * input's, so ASan still reports a use after free within an input;
 * tests/decode_reuse.c compares every corpus input both ways.  Without
 * ASan (fuzz-fast, the replays) glibc's own cache is faster than this
 * one, and the kernels take their blocks from it.
 */
static struct shmsim_hostmem *kept_hostmem;

/*
 * Whether the violations r reports are the kernel's growth race (the
 * header comment): after a concurrent segment with two or more growth
 * calls, and each line a page past an object's size.
 */
static bool
known_growth_race(const struct sc_fuzz_result *r)
{
	const char *line, *nl;

	if (r->segments == 0 || seg_growth < 2 || r->audit_report[0] == '\0')
		return (false);
	for (line = r->audit_report; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line);
		if (!((strncmp(line, "object #", 8) == 0 &&
			  (strstr(line, ": resident page ") != NULL ||
			      strstr(line, ": swapped page ") != NULL)) ||
			(strncmp(line, "shmfd ino ", 10) == 0 &&
			    strstr(line, " pages allocated past its ") !=
				NULL)) ||
		    strstr(line, "-page size") == NULL ||
		    strstr(line, "-page size") > nl)
			return (false);
		if (*nl == '\0')
			break;
	}
	return (true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sc_fuzz_result res;
	static FILE *sink;
	struct sc_fuzz_opts o;

	if (sink == NULL) {
		/*
		 * The dumps go nowhere; a large buffer spares a write(2)
		 * per 4 KiB of them.
		 */
		if ((sink = fopen("/dev/null", "w")) == NULL ||
		    setvbuf(sink, NULL, _IOFBF, 1 << 20) != 0)
			abort();
	}
	memset(&o, 0, sizeof(o));
	o.sink = sink;
	o.audit_each = true;
	o.begin = sys_begin;
	o.before = sys_before;
	o.after = sys_after;
	o.audit = sys_audit;
	o.explorer = &kept_explorer;
#ifdef SHMSIM_FUZZ_ASAN
	o.hostmem = &kept_hostmem;
#endif
	(void)sc_fuzz_run(SC_FUZZ_SYSCALLS, data, size, &o, &res);
	if (res.deadlock) {
		/* The model must never deadlock, in any schedule. */
		fprintf(stderr,
		    "fuzz_syscalls: DEADLOCK in concurrent segment %d, "
		    "schedule %s:\n%s(shmsim decode syscalls INPUT shows "
		    "the calls and the par blocks)\n",
		    res.segments, res.sched_token, res.sched_report);
		abort();
	}
	if (res.audit_violations != 0 && known_growth_race(&res)) {
		if (growth_races++ == 0)
			fprintf(stderr,
			    "fuzz_syscalls: a concurrent segment met the "
			    "kernel's growth race (docs/quirks.md); not a "
			    "finding, the input stops there:\n%s",
			    res.audit_report);
		res.audit_violations = 0;
	}
	if (res.audit_violations != 0) {
		fprintf(stderr,
		    "fuzz_syscalls: the auditor found %d "
		    "violation(s) after call %d:\n%s(shmsim decode syscalls "
		    "INPUT shows the calls)\n",
		    res.audit_violations, res.audit_call, res.audit_report);
		if (res.segments > 0)
			fprintf(stderr, "schedule of its par blocks: %s\n",
			    res.sched_token);
		abort();
	}
	if (res.leaks != 0) {
		fprintf(stderr, "fuzz_syscalls: %d leak(s):\n%s", res.leaks,
		    res.leak_report);
		abort();
	}
	return (0);
}

/*
 * The replay's totals, so that the ctest log shows the proof ran; and
 * the kept explorer and host memory go, so that leak checkers see
 * nothing left.
 */
static void __attribute__((__destructor__)) prove_totals(void)
{
	if (kept_explorer != NULL) {
		shmsim_explorer_destroy(kept_explorer);
		kept_explorer = NULL;
	}
	(void)shmsim_hostmem_destroy(kept_hostmem);
	kept_hostmem = NULL;
	audit_memo_release(&memo);
	if (growth_races > 0)
		fprintf(stderr,
		    "fuzz_syscalls: %lu input(s) met the kernel's growth "
		    "race\n",
		    growth_races);
	if (proving() && compared > 0)
		fprintf(stderr,
		    "fuzz_syscalls: %lu audit pairs compared (%lu by the "
		    "shortcut, %lu with violations), all identical\n",
		    compared, shortcuts, reported);
}
