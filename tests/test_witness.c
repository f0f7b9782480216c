/*
 * The WITNESS-style lock order checker of src/kern/lock.c.  A reversal
 * panics (abort()), so each case runs in a forked host process whose
 * stderr comes back through a pipe: the child must die of SIGABRT with
 * "lock order reversal", the file:line of both acquisitions and the
 * file:line where the other order was established.  Orders taken the
 * right way round must not abort.  Only meaningful with INVARIANTS.
 */
#include "helpers.h"

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel_var.h"

#define SKIP_WITHOUT_INVARIANTS() skip_without_invariants()

/*
 * ThreadSanitizer flags the forked child's abort as a signal-unsafe call
 * in the parent's CMocka handlers; the order checker is single-threaded
 * logic that the other builds cover, so the TSan build skips it.
 */
/* UNDER_TSAN: helpers.h. */

static void
skip_without_invariants(void)
{
#if !defined(INVARIANTS) || defined(UNDER_TSAN)
	skip();
#endif
}

static void
assert_survived(const struct outcome *o)
{
	if (!WIFEXITED(o->status) || WEXITSTATUS(o->status) != 0)
		fail_msg("child did not exit 0 (status %#x); stderr:\n%s",
		    o->status, o->err);
	if (strstr(o->err, "lock order reversal") != NULL)
		fail_msg("unexpected lock order reversal:\n%s", o->err);
}

static void
assert_says_site(const struct outcome *o, int line)
{
	char site[512];

	snprintf(site, sizeof(site), "%s:%d", __FILE__, line);
	assert_says(o, site);
}

/*
 * The four documented classes, taken on one object: each acquisition
 * records the line it was made on, so that the panic's sites can be
 * checked.  The macros are expanded here, in this file, so the sites are
 * this file's lines.
 */
struct ctx {
	struct shmsim_kernel *k;
	struct shmfd *shmfd;
	vm_object_t obj;
	struct proc *p;
	struct rl_q_entry rl_cookie;
	int line[LC_NCLASSES];
	enum lock_class_id order[LC_NCLASSES];
	int norder;
};

/*
 * Take a lock and record the line it was taken on: the lock macros use
 * __LINE__ of this one-line invocation, which is the site WITNESS names.
 */
#define TAKE_AT(c, lc, lock)                \
	do {                                \
		(c)->line[(lc)] = __LINE__; \
		lock;                       \
	} while (0)

static void
take(struct ctx *c, enum lock_class_id lc)
{
	struct rangelock *rl = &c->shmfd->shm_rl;

	switch (lc) {
	case LC_SHM_DICT:
		TAKE_AT(c, lc, sx_xlock(&c->k->shm_dict_lock));
		break;
	case LC_SHM_RL:
		TAKE_AT(c, lc, rangelock_wlock(rl, &c->rl_cookie, 0, OFF_MAX));
		break;
	case LC_VM_OBJECT:
		TAKE_AT(c, lc, VM_OBJECT_WLOCK(c->obj));
		break;
	case LC_SHM_TIMESTAMP:
		TAKE_AT(c, lc, mtx_lock(&c->k->shm_timestamp_lock));
		break;
	case LC_SWAP:
		TAKE_AT(c, lc, mtx_lock(&c->k->k_swap.sw_mtx));
		break;
	case LC_UNP_RIGHTS:
		TAKE_AT(c, lc, mtx_lock(&c->p->p_rights_mtx));
		break;
	default:
		fail_msg("class %d not handled", (int)lc);
	}
}

static void
drop(struct ctx *c, enum lock_class_id lc)
{
	switch (lc) {
	case LC_SHM_DICT:
		sx_xunlock(&c->k->shm_dict_lock);
		break;
	case LC_SHM_RL:
		rangelock_unlock(&c->shmfd->shm_rl, &c->rl_cookie);
		break;
	case LC_VM_OBJECT:
		VM_OBJECT_WUNLOCK(c->obj);
		break;
	case LC_SHM_TIMESTAMP:
		mtx_unlock(&c->k->shm_timestamp_lock);
		break;
	case LC_SWAP:
		mtx_unlock(&c->k->k_swap.sw_mtx);
		break;
	case LC_UNP_RIGHTS:
		mtx_unlock(&c->p->p_rights_mtx);
		break;
	default:
		fail_msg("class %d not handled", (int)lc);
	}
}

/* Child body: take c->order[] in sequence, then release in reverse. */
static void
take_in_order(void *arg)
{
	struct ctx *c = arg;
	int i;

	for (i = 0; i < c->norder; i++)
		take(c, c->order[i]);
	for (i = c->norder - 1; i >= 0; i--)
		drop(c, c->order[i]);
}

/* A named object in e's kernel, its shmfd and VM object. */
static void
ctx_init(struct env *e, struct ctx *c)
{
	struct proc *p = (struct proc *)e->p;
	int fd;

	memset(c, 0, sizeof(*c));
	assert_errno(shmsim_shm_open(e->p, "/witness",
			 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &fd),
	    0);
	c->k = e->k;
	c->p = p;
	c->shmfd = p->p_fd->fd_ofiles[fd].fde_file->f_data;
	c->obj = c->shmfd->shm_object;
}

static void
ctx_order(struct ctx *c, int n, const enum lock_class_id *order)
{
	int i;

	c->norder = n;
	for (i = 0; i < n; i++)
		c->order[i] = order[i];
}

static const enum lock_class_id documented[] = {
	LC_SHM_DICT,
	LC_SHM_RL,
	LC_VM_OBJECT,
	LC_SHM_TIMESTAMP,
};
#define NDOCUMENTED ((int)(sizeof(documented) / sizeof(documented[0])))

/*
 * The example of the brief: the VM object lock, then the dictionary
 * lock.  The kernel never does this; WITNESS knows it from creation on.
 */
static void
reversal_object_then_dict_aborts(void **state)
{
	static const enum lock_class_id rev[] = { LC_VM_OBJECT, LC_SHM_DICT };
	struct env *e = *state;
	struct outcome o;
	struct ctx c;

	SKIP_WITHOUT_INVARIANTS();
	ctx_init(e, &c);
	ctx_order(&c, 2, rev);
	run_child(take_in_order, &c, &o);
	assert_aborted(&o);
	assert_says(&o, "lock order reversal");
	assert_says(&o, "\"vm object\"");
	assert_says(&o, "\"shm dictionary\"");
	assert_says(&o, "(documented lock order)");
	/*
	 * The sites: take() has one line per class, learnt here by taking
	 * the two in the documented order (which records nothing new).
	 */
	ctx_order(&c, 2,
	    (const enum lock_class_id[]) { LC_SHM_DICT, LC_VM_OBJECT });
	take_in_order(&c);
	assert_says_site(&o, c.line[LC_VM_OBJECT]);
	assert_says_site(&o, c.line[LC_SHM_DICT]);
}

/*
 * Every pair of the documented order, reversed: the later class held,
 * the earlier one taken.  The message names the two sites, in order.
 */
static void
every_documented_pair_reversed_aborts(void **state)
{
	struct env *e = *state;
	enum lock_class_id rev[2];
	struct outcome o;
	struct ctx c, sites;
	char *first, *second, s1[512], s2[512];
	int i, j;

	SKIP_WITHOUT_INVARIANTS();
	ctx_init(e, &c);
	/* Learn the site lines: take everything once in the right order. */
	sites = c;
	ctx_order(&sites, NDOCUMENTED, documented);
	take_in_order(&sites);
	assert_int_equal(lock_nheld(), 0);

	for (i = 0; i < NDOCUMENTED; i++)
		for (j = i + 1; j < NDOCUMENTED; j++) {
			rev[0] = documented[j];
			rev[1] = documented[i];
			ctx_order(&c, 2, rev);
			run_child(take_in_order, &c, &o);
			assert_aborted(&o);
			assert_says(&o, "lock order reversal");
			assert_says(&o, lock_class_name(documented[i]));
			assert_says(&o, lock_class_name(documented[j]));
			/* 1st: the held (later) class; 2nd: the one taken. */
			snprintf(s1, sizeof(s1), "%s:%d", __FILE__,
			    sites.line[documented[j]]);
			snprintf(s2, sizeof(s2), "%s:%d", __FILE__,
			    sites.line[documented[i]]);
			first = strstr(o.err, s1);
			second = strstr(o.err, s2);
			if (first == NULL || second == NULL || first > second)
				fail_msg("sites %s then %s not in:\n%s", s1, s2,
				    o.err);
			assert_says(&o, "(documented lock order)");
		}
}

/* The documented order itself, whole or in part, never aborts. */
static void
documented_order_does_not_abort(void **state)
{
	struct env *e = *state;
	enum lock_class_id pair[2];
	struct outcome o;
	struct ctx c;
	int i, j;

	SKIP_WITHOUT_INVARIANTS();
	ctx_init(e, &c);
	ctx_order(&c, NDOCUMENTED, documented);
	run_child(take_in_order, &c, &o);
	assert_survived(&o);
	for (i = 0; i < NDOCUMENTED; i++)
		for (j = i + 1; j < NDOCUMENTED; j++) {
			pair[0] = documented[i];
			pair[1] = documented[j];
			ctx_order(&c, 2, pair);
			run_child(take_in_order, &c, &o);
			assert_survived(&o);
		}
	/* And in this process too: nothing recorded against it. */
	take_in_order(&c);
	assert_audit_clean(e->k);
}

/*
 * Dynamic orders: two classes outside the documented chain that the
 * model never nests (the unp rights mutex and the swap device mutex).
 * Taking A then B once records "A before B" with the site of B; B then
 * A afterwards is a reversal naming that site.
 */
static void
dynamic_order_reversal_aborts(void **state)
{
	static const enum lock_class_id ab[] = { LC_UNP_RIGHTS, LC_SWAP };
	static const enum lock_class_id ba[] = { LC_SWAP, LC_UNP_RIGHTS };
	struct env *e = *state;
	struct witness *w = &e->k->k_witness;
	struct witness_site *ws;
	struct outcome o;
	struct ctx c, est;
	int fd;

	SKIP_WITHOUT_INVARIANTS();
	ctx_init(e, &c);
	/* Not ordered either way yet. */
	assert_null(atomic_load(&w->w_order[LC_UNP_RIGHTS][LC_SWAP].ws_file));
	assert_null(atomic_load(&w->w_order[LC_SWAP][LC_UNP_RIGHTS].ws_file));

	/* Before the order exists, B->A is fine (in a child). */
	ctx_order(&c, 2, ba);
	run_child(take_in_order, &c, &o);
	assert_survived(&o);

	/* Establish A->B here, in the parent's kernel. */
	est = c;
	ctx_order(&est, 2, ab);
	take_in_order(&est);
	ws = &w->w_order[LC_UNP_RIGHTS][LC_SWAP];
	assert_string_equal(atomic_load(&ws->ws_file), __FILE__);
	assert_int_equal(atomic_load(&ws->ws_line), est.line[LC_SWAP]);
	assert_null(atomic_load(&w->w_order[LC_SWAP][LC_UNP_RIGHTS].ws_file));

	/* A->B again: fine. */
	run_child(take_in_order, &est, &o);
	assert_survived(&o);

	/* B->A now: a reversal naming both sites and where A->B was seen. */
	run_child(take_in_order, &c, &o);
	assert_aborted(&o);
	assert_says(&o, "lock order reversal");
	assert_says(&o, "\"swap device\"");
	assert_says(&o, "\"unp rights\"");
	/* take() has one line per class: est's lines are the child's. */
	assert_says_site(&o, est.line[LC_SWAP]);
	assert_says_site(&o, est.line[LC_UNP_RIGHTS]);
	assert_says(&o, "established");
	{
		char want[600];

		snprintf(want, sizeof(want), "was established @ %s:%d",
		    __FILE__, est.line[LC_SWAP]);
		assert_says(&o, want);
	}

	/* The parent's kernel still works and is consistent. */
	assert_errno(shmsim_shm_open(e->p, "/witness", SHMSIM_O_RDWR, 0, &fd),
	    0);
	assert_audit_clean(e->k);
}

/* WITNESS is per kernel: an order seen in one does not bind another. */
static void
other_kernel_has_its_own_orders(void *arg)
{
	struct ctx *c = arg;
	struct env *e2;
	struct ctx c2;

	e2 = env_new(NULL);
	ctx_init(e2, &c2);
	ctx_order(&c2, c->norder, c->order);
	take_in_order(&c2);
	env_free(e2);
}

static void
orders_are_per_kernel(void **state)
{
	static const enum lock_class_id ab[] = { LC_UNP_RIGHTS, LC_SWAP };
	static const enum lock_class_id ba[] = { LC_SWAP, LC_UNP_RIGHTS };
	struct env *e = *state;
	struct outcome o;
	struct ctx c;

	SKIP_WITHOUT_INVARIANTS();
	ctx_init(e, &c);
	ctx_order(&c, 2, ab);
	take_in_order(&c);
	/* B->A in a fresh kernel: no order there yet. */
	ctx_order(&c, 2, ba);
	run_child(other_kernel_has_its_own_orders, &c, &o);
	assert_survived(&o);
	/* B->A in this kernel: caught. */
	run_child(take_in_order, &c, &o);
	assert_aborted(&o);
	assert_says(&o, "lock order reversal");
}

/* Taking a lock one already holds is caught as recursion. */
static void
recursion_aborts(void **state)
{
	static const enum lock_class_id twice[] = { LC_SHM_TIMESTAMP,
		LC_SHM_TIMESTAMP };
	struct env *e = *state;
	struct outcome o;
	struct ctx c;

	SKIP_WITHOUT_INVARIANTS();
	ctx_init(e, &c);
	ctx_order(&c, 2, twice);
	run_child(take_in_order, &c, &o);
	assert_aborted(&o);
	assert_says(&o, "recursing");
	assert_says(&o, "\"shm timestamps\"");
}

/*
 * The range lock's contract: start <= end.  An inverted range overlaps
 * nothing, so it would exclude no one; every caller must pass a
 * normalised range (shm_write with an overflowing count and no growth
 * once locked [off, size) with off > size).
 */
static void
lock_inverted_range(void *arg)
{
	struct ctx *c = arg;

	rangelock_wlock(&c->shmfd->shm_rl, &c->rl_cookie, 4096 * 3, 4096);
	rangelock_unlock(&c->shmfd->shm_rl, &c->rl_cookie);
}

static void
lock_empty_range(void *arg)
{
	struct ctx *c = arg;

	rangelock_rlock(&c->shmfd->shm_rl, &c->rl_cookie, 4096, 4096);
	rangelock_unlock(&c->shmfd->shm_rl, &c->rl_cookie);
}

static void
inverted_range_lock_aborts(void **state)
{
	struct env *e = *state;
	struct outcome o;
	struct ctx c;

	SKIP_WITHOUT_INVARIANTS();
	ctx_init(e, &c);
	run_child(lock_inverted_range, &c, &o);
	assert_aborted(&o);
	assert_says(&o, "inverted range [12288, 4096)");
	assert_says(&o, "\"shm rangelock\"");
	assert_says(&o, "test_witness.c:");
	/* An empty range is a range. */
	run_child(lock_empty_range, &c, &o);
	assert_survived(&o);
}

/*
 * userret(): a call that returns with a lock held panics at its return,
 * naming the call, each lock and the site that took it -- so an error
 * path that forgets an unlock fails the first test that takes it.
 */
struct leak_ctx {
	struct ctx c;
};

static void
return_with_locks_held(void *arg)
{
	struct leak_ctx *l = arg;
	struct proc *p = l->c.p;

	/* As if an error path of some call had forgotten these unlocks. */
	sx_xlock(&l->c.k->shm_dict_lock);
	mtx_lock(&l->c.k->shm_timestamp_lock);
	(void)shmsim_close((struct shmsim_proc *)p, 99);
}

static void
return_clean(void *arg)
{
	struct leak_ctx *l = arg;
	struct shmsim_proc *p = (struct shmsim_proc *)l->c.p;
	struct shmsim_jail *j;

	sx_xlock(&l->c.k->shm_dict_lock);
	sx_xunlock(&l->c.k->shm_dict_lock);
	/* Error returns and successes alike leave nothing held. */
	assert_errno(shmsim_close(p, 99), EBADF);
	assert_errno(shmsim_jail_create(l->c.k, "w", "/jails/w", &j), 0);
	assert_errno(shmsim_jail_create(l->c.k, "w", "/jails/w", &j), EEXIST);
	assert_errno(shmsim_jail_remove(j), 0);
	assert_errno(shmsim_jail_remove(j), EINVAL);
}

static void
userret_with_lock_held_aborts(void **state)
{
	struct env *e = *state;
	struct outcome o;
	struct leak_ctx l;

	SKIP_WITHOUT_INVARIANTS();
	memset(&l, 0, sizeof(l));
	ctx_init(e, &l.c);
	run_child(return_clean, &l, &o);
	assert_survived(&o);
	assert_false(strstr(o.err, "userret") != NULL);
	run_child(return_with_locks_held, &l, &o);
	assert_aborted(&o);
	assert_says(&o, "userret: returning from shmsim_close with 2 lock(s)");
	assert_says(&o, "\"shm dictionary\"");
	assert_says(&o, "\"shm timestamps\"");
	/* Where each was taken, innermost first. */
	assert_says(&o,
	    "\"shm timestamps\" (shm timestamps) locked @ " __FILE__ ":");
	assert_says(&o,
	    "\"shm dictionary\" (shm dictionary) locked @ " __FILE__ ":");
	assert_true(strstr(o.err, "\"shm timestamps\"") <
	    strstr(o.err, "\"shm dictionary\""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    reversal_object_then_dict_aborts, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(
		    every_documented_pair_reversed_aborts, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(documented_order_does_not_abort,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dynamic_order_reversal_aborts,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(orders_are_per_kernel,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(recursion_aborts, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(inverted_range_lock_aborts,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(userret_with_lock_held_aborts,
		    setup_current, teardown_env),
	};

	return (cmocka_run_group_tests_name("witness", tests, NULL, NULL));
}
