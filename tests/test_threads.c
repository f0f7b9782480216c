/*
 * The kernel's threads setting (struct shmsim_config.threads): a kernel
 * for one host thread (SHMSIM_THREADS_SINGLE) runs its locks and
 * reference counts on plain loads and stores and must behave exactly as
 * the default, atomic one (SHMSIM_THREADS_MULTI): the same results,
 * reference counts, audit, lock-order checks and explorer runs.  Under
 * INVARIANTS a second host thread entering a single kernel panics, which
 * is checked in a forked child as in test_witness.c.
 */
#include "helpers.h"

#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel_var.h"
#include "shmsim_explore.h"

/* UNDER_TSAN: helpers.h. */

/* The panic cases need INVARIANTS and a fork that TSan tolerates. */
static void
skip_unless_panics_checked(void)
{
#if !defined(INVARIANTS) || defined(UNDER_TSAN)
	skip();
#endif
}

static void
default_is_multi(void **state)
{
	struct shmsim_config cfg;
	struct shmsim_kernel *k;

	(void)state;
	shmsim_config_init(&cfg);
	assert_int_equal(cfg.threads, SHMSIM_THREADS_MULTI);
	assert_errno(shmsim_kernel_create(NULL, &k), 0);
	assert_int_equal(shmsim_kernel_config(k)->threads,
	    SHMSIM_THREADS_MULTI);
	assert_false(k->k_single);
	assert_false(k->allproc_lock.lock_object.lo_single);
	kernel_free(k);
	cfg.threads = (enum shmsim_threads)2;
	assert_errno(shmsim_kernel_create(&cfg, &k), EINVAL);
}

/* Every lock of a single kernel is marked, including per-object ones. */
static void
single_marks_every_lock(void **state)
{
	struct shmsim_kernel *k = kernel_new(SHMSIM_THREADS_SINGLE);
	struct shmsim_proc *p;
	int fd;

	(void)state;
	assert_true(k->k_single);
	assert_int_equal(shmsim_kernel_config(k)->threads,
	    SHMSIM_THREADS_SINGLE);
	assert_true(k->allproc_lock.lock_object.lo_single);
	assert_true(k->shm_dict_lock.lock_object.lo_single);
	assert_true(k->shm_timestamp_lock.lock_object.lo_single);
	assert_errno(shmsim_spawn(k, NULL, &p), 0);
	assert_errno(
	    shmsim_shm_open(p, "/m", SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600, &fd),
	    0);
	{
		struct proc *pp = (struct proc *)p;
		struct file *fp = pp->p_fd->fd_ofiles[fd].fde_file;
		struct shmfd *shmfd = fp->f_data;

		assert_true(fp->f_offset_lock.lock_object.lo_single);
		assert_true(shmfd->shm_rl.lock_object.lo_single);
		assert_true(shmfd->shm_object->lock.lock_object.lo_single);
		assert_true(pp->p_fd->fd_sx.lock_object.lo_single);
	}
	assert_errno(shmsim_close(p, fd), 0);
	assert_errno(shmsim_shm_unlink(p, "/m"), 0);
	kernel_free(k);
}

/* What a workload leaves: the counts a user can see. */
struct trace {
	struct shmsim_fdinfo before_close[3];
	struct shmsim_counters mid, end;
	char bytes[16];
	int sig;
};

/*
 * Create, size, write, dup, fork, map, store through the mapping, read
 * back, then close and unlink everything: the same calls in both modes.
 */
static void
workload(enum shmsim_threads threads, struct trace *t)
{
	struct shmsim_kernel *k = kernel_new(threads);
	struct shmsim_proc *p, *child;
	uint64_t addr;
	size_t n;
	int fd, fd2, fd3;

	memset(t, 0, sizeof(*t));
	assert_errno(shmsim_spawn(k, NULL, &p), 0);
	assert_errno(
	    shmsim_shm_open(p, "/w", SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600, &fd),
	    0);
	assert_errno(shmsim_ftruncate(p, fd, 8192), 0);
	assert_errno(shmsim_pwrite(p, fd, "hello", 5, 0, &n), 0);
	assert_errno(shmsim_dup(p, fd, &fd2), 0);
	assert_errno(shmsim_shm_open(p, "/w", SHMSIM_O_RDWR, 0, &fd3), 0);
	assert_errno(shmsim_fork(p, &child), 0);
	assert_errno(shmsim_mmap(p, 0, 8192,
			 SHMSIM_PROT_READ | SHMSIM_PROT_WRITE,
			 SHMSIM_MAP_SHARED, fd, 0, &addr),
	    0);
	assert_errno(shmsim_store(p, addr + 5, " world", 6, &t->sig), 0);
	assert_errno(shmsim_pread(p, fd3, t->bytes, 11, 0, &n), 0);
	t->before_close[0] = fdinfo(p, fd);
	t->before_close[1] = fdinfo(p, fd2);
	t->before_close[2] = fdinfo(p, fd3);
	shmsim_counters(k, &t->mid);
	assert_audit_clean(k);
	assert_errno(shmsim_munmap(p, addr, 8192), 0);
	assert_errno(shmsim_exit(child), 0);
	assert_errno(shmsim_close(p, fd), 0);
	assert_errno(shmsim_close(p, fd2), 0);
	assert_errno(shmsim_close(p, fd3), 0);
	assert_errno(shmsim_shm_unlink(p, "/w"), 0);
	shmsim_counters(k, &t->end);
	assert_audit_clean(k);
	kernel_free(k);
}

static void
single_behaves_as_multi(void **state)
{
	struct trace m, s;
	int i;

	(void)state;
	workload(SHMSIM_THREADS_MULTI, &m);
	workload(SHMSIM_THREADS_SINGLE, &s);
	assert_string_equal(s.bytes, "hello world");
	assert_string_equal(m.bytes, s.bytes);
	assert_int_equal(m.sig, s.sig);
	for (i = 0; i < 3; i++) {
		/* fd and fd2 share a file: f_count 3 with the fork's copy. */
		assert_int_equal(m.before_close[i].f_count,
		    s.before_close[i].f_count);
		assert_int_equal(m.before_close[i].shm_refs,
		    s.before_close[i].shm_refs);
		assert_int_equal(m.before_close[i].obj_ref_count,
		    s.before_close[i].obj_ref_count);
		assert_int_equal(m.before_close[i].resident,
		    s.before_close[i].resident);
	}
	assert_int_equal(s.before_close[0].f_count, 4);
	assert_int_equal(s.before_close[2].f_count, 2);
	assert_memory_equal(&m.mid, &s.mid, sizeof(m.mid));
	assert_memory_equal(&m.end, &s.end, sizeof(m.end));
	assert_int_equal(s.mid.files, 2);
	assert_int_equal(s.end.files, 0);
	assert_int_equal(s.end.objects, 0);
}

/*
 * The auditor reads a single kernel without locks (audit.c); a lock left
 * held between calls is then reported, not waited for.
 */
static void
audit_reports_held_lock_in_single(void **state)
{
	struct shmsim_kernel *k = kernel_new(SHMSIM_THREADS_SINGLE);
	char report[1024];

	(void)state;
	assert_int_equal(shmsim_audit(k, report, sizeof(report)), 0);
	sx_xlock(&k->allproc_lock);
	assert_int_equal(shmsim_audit(k, report, sizeof(report)), 1);
	assert_non_null(strstr(report, "lock \"allproc\""));
	assert_non_null(strstr(report, "is held, but no call is in progress"));
	sx_xunlock(&k->allproc_lock);
	assert_int_equal(shmsim_audit(k, report, sizeof(report)), 0);
	kernel_free(k);
}

/*
 * Every lock operation leaves the same lock word, owner and held-lock
 * count in both modes.  In a Release build a single kernel's
 * uncontended operations take lock.h's inline path (LOCK_FAST) and a
 * multi kernel's the out-of-line one; a word with LW_WAITERS set (a
 * host thread asleep on it) goes out of line in both.  Debug builds run
 * the same checks on the out-of-line path, with the held-lock list.
 */
#ifdef INVARIANTS
#define HELD_WHILE_LOCKED 1
#else
#define HELD_WHILE_LOCKED 0
#endif

static unsigned int
word(const struct lock_object *lo)
{
	return (atomic_load(&lo->lo_word));
}

static void
lock_words(enum shmsim_threads threads)
{
	struct shmsim_kernel *k = kernel_new(threads);
	struct witness *w = &k->k_witness;
	struct rl_q_entry e1, e2;
	struct rangelock rl;
	struct rwlock rw;
	struct mtx m;
	struct sx sx;

	mtx_init(&m, "test mtx", LC_SWAP, w);
	sx_init(&sx, "test sx", LC_ALLPROC, w);
	rw_init(&rw, "test rw", LC_VM_OBJECT, w);
	rangelock_init(&rl, "test rl", w);
	assert_int_equal(m.lock_object.lo_single,
	    threads == SHMSIM_THREADS_SINGLE);

	mtx_lock(&m);
	assert_int_equal(word(&m.lock_object), LW_WRITER);
	assert_int_equal(lock_nheld(), HELD_WHILE_LOCKED);
	mtx_unlock(&m);
	assert_int_equal(word(&m.lock_object), 0);
	assert_int_equal(lock_nheld(), 0);

	sx_xlock(&sx);
	assert_int_equal(word(&sx.lock_object), LW_WRITER);
	assert_true(sx_xlocked(&sx));
	sx_xunlock(&sx);
	assert_int_equal(word(&sx.lock_object), 0);
	assert_false(sx_xlocked(&sx));
	sx_slock(&sx);
	assert_int_equal(word(&sx.lock_object), 1);
	assert_int_equal(lock_nheld(), HELD_WHILE_LOCKED);
	assert_false(sx_xlocked(&sx));
	sx_sunlock(&sx);
	assert_int_equal(word(&sx.lock_object), 0);
	/* Beside another reader (a word of 1). */
	atomic_store(&sx.lock_object.lo_word, 1);
	sx_slock(&sx);
	assert_int_equal(word(&sx.lock_object), 2);
	sx_sunlock(&sx);
	assert_int_equal(word(&sx.lock_object), 1);
	atomic_store(&sx.lock_object.lo_word, 0);
	assert_int_equal(lock_nheld(), 0);

	rw_wlock(&rw);
	assert_int_equal(word(&rw.lock_object), LW_WRITER);
	assert_true(rw_wowned(&rw));
	rw_wunlock(&rw);
	assert_int_equal(word(&rw.lock_object), 0);
	assert_false(rw_wowned(&rw));
	rw_rlock(&rw);
	assert_int_equal(word(&rw.lock_object), 1);
	rw_runlock(&rw);
	assert_int_equal(word(&rw.lock_object), 0);

	/* A sleeper's bit: kept while held, cleared by the release. */
	atomic_store(&m.lock_object.lo_word, LW_WAITERS);
	mtx_lock(&m);
	assert_int_equal(word(&m.lock_object), LW_WRITER | LW_WAITERS);
	mtx_unlock(&m);
	assert_int_equal(word(&m.lock_object), 0);
	atomic_store(&rw.lock_object.lo_word, LW_WAITERS);
	rw_rlock(&rw);
	assert_int_equal(word(&rw.lock_object), LW_WAITERS | 1);
	rw_runlock(&rw);
	assert_int_equal(word(&rw.lock_object), 0);

	/* A reader's range, then a writer's. */
	rangelock_rlock(&rl, &e1, 0, 100);
	assert_ptr_equal(TAILQ_FIRST(&rl.rl_granted), &e1);
	assert_false(e1.rl_q_write);
	assert_int_equal(lock_nheld(), HELD_WHILE_LOCKED);
	rangelock_unlock(&rl, &e1);
	assert_true(TAILQ_EMPTY(&rl.rl_granted));
	rangelock_wlock(&rl, &e2, 200, 300);
	assert_ptr_equal(TAILQ_FIRST(&rl.rl_granted), &e2);
	assert_true(e2.rl_q_write);
	assert_int_equal(e2.rl_q_start, 200);
	assert_int_equal(e2.rl_q_end, 300);
	rangelock_unlock(&rl, &e2);
	assert_true(TAILQ_EMPTY(&rl.rl_granted));
	assert_int_equal(atomic_load(&rl.rl_seq), 2);
	assert_int_equal(word(&rl.lock_object), 0);
	assert_int_equal(lock_nheld(), 0);

	rangelock_destroy(&rl);
	rw_destroy(&rw);
	sx_destroy(&sx);
	mtx_destroy(&m);
	kernel_free(k);
}

static void
lock_words_same_in_both_modes(void **state)
{
	(void)state;
	lock_words(SHMSIM_THREADS_MULTI);
	lock_words(SHMSIM_THREADS_SINGLE);
}

/* ---------------------------------------------------- forked children */

/* run_child() and struct outcome: helpers.h. */

struct second {
	struct shmsim_proc *p;
	int error;
};

static void *
second_thread(void *arg)
{
	struct second *s = arg;
	int fd;

	s->error = shmsim_shm_open(s->p, "/t", SHMSIM_O_RDWR | SHMSIM_O_CREAT,
	    0600, &fd);
	if (s->error == 0)
		s->error = shmsim_close(s->p, fd);
	return (NULL);
}

/* The main thread enters the kernel, then a second host thread does. */
static void
enter_from_two_threads(void *arg)
{
	enum shmsim_threads threads = *(enum shmsim_threads *)arg;
	struct shmsim_config cfg;
	struct shmsim_kernel *k;
	struct second s;
	pthread_t t;
	char report[1024];

	shmsim_config_init(&cfg);
	cfg.threads = threads;
	if (shmsim_kernel_create(&cfg, &k) != 0)
		_exit(3);
	if (shmsim_spawn(k, NULL, &s.p) != 0)
		_exit(4);
	s.error = -1;
	if (pthread_create(&t, NULL, second_thread, &s) != 0)
		_exit(5);
	pthread_join(t, NULL);
	if (s.error != 0)
		_exit(6);
	(void)shmsim_shm_unlink(s.p, "/t");
	if (shmsim_kernel_destroy(k, report, sizeof(report)) != 0)
		_exit(7);
}

static void
second_host_thread_panics(void **state)
{
	enum shmsim_threads threads = SHMSIM_THREADS_SINGLE;
	struct outcome o;

	(void)state;
	skip_unless_panics_checked();
	run_child(enter_from_two_threads, &threads, &o);
	if (!WIFSIGNALED(o.status) || WTERMSIG(o.status) != SIGABRT)
		fail_msg("child did not die of SIGABRT (status %#x); "
			 "stderr:\n%s",
		    o.status, o.err);
	if (strstr(o.err, "configured threads=single") == NULL ||
	    strstr(o.err, "entered it first") == NULL ||
	    strstr(o.err, "threads=multi") == NULL)
		fail_msg("panic message does not say what happened:\n%s",
		    o.err);
}

static void
second_host_thread_fine_in_multi(void **state)
{
	enum shmsim_threads threads = SHMSIM_THREADS_MULTI;
	struct outcome o;

	(void)state;
	skip_unless_panics_checked();
	run_child(enter_from_two_threads, &threads, &o);
	if (!WIFEXITED(o.status) || WEXITSTATUS(o.status) != 0)
		fail_msg("child did not exit 0 (status %#x); stderr:\n%s",
		    o.status, o.err);
}

/* The documented order shm dictionary -> shm timestamps, reversed. */
static void
reverse_documented_order(void *arg)
{
	struct shmsim_kernel *k = kernel_new(SHMSIM_THREADS_SINGLE);

	(void)arg;
	mtx_lock(&k->shm_timestamp_lock);
	sx_xlock(&k->shm_dict_lock);
	sx_xunlock(&k->shm_dict_lock);
	mtx_unlock(&k->shm_timestamp_lock);
}

static void
witness_checks_single_locks(void **state)
{
	struct outcome o;

	(void)state;
	skip_unless_panics_checked();
	run_child(reverse_documented_order, NULL, &o);
	if (!WIFSIGNALED(o.status) || WTERMSIG(o.status) != SIGABRT)
		fail_msg("child did not die of SIGABRT (status %#x); "
			 "stderr:\n%s",
		    o.status, o.err);
	if (strstr(o.err, "lock order reversal") == NULL ||
	    strstr(o.err, "\"shm dictionary\"") == NULL)
		fail_msg("no lock order reversal reported:\n%s", o.err);
}

/* ------------------------------------------------------------ explorer */

static void
actor_create(void *arg)
{
	struct shmsim_proc *p = arg;
	size_t n;
	int fd;

	if (shmsim_shm_open(p, "/x", SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600,
		&fd) != 0)
		return;
	(void)shmsim_ftruncate(p, fd, 4096);
	(void)shmsim_pwrite(p, fd, "ab", 2, 0, &n);
	(void)shmsim_close(p, fd);
}

static void
actor_unlink(void *arg)
{
	struct shmsim_proc *p = arg;
	int fd;

	if (shmsim_shm_open(p, "/x", SHMSIM_O_RDWR, 0, &fd) == 0)
		(void)shmsim_close(p, fd);
	(void)shmsim_shm_unlink(p, "/x");
}

/*
 * Every schedule of a two-thread block (DFS, no bound) in both modes: the
 * same number of schedules, each audit clean, no leak.  Simulated threads
 * contend on the plain lock words of the single kernel.
 */
static unsigned
explore_all(enum shmsim_threads threads)
{
	struct shmsim_explore_opts o = { .mode = SHMSIM_SCHED_DFS,
		.preemptions = 2,
		.depth = 1,
		.seed = 1 };
	struct shmsim_explorer *e;
	unsigned runs = 0;
	char report[2048];

	assert_errno(shmsim_explorer_create(&o, &e), 0);
	while (shmsim_explorer_begin(e)) {
		struct shmsim_kernel *k = kernel_new(threads);
		shmsim_actor_fn *const fns[] = { actor_create, actor_unlink };
		const char *const names[] = { "P", "T" };
		struct shmsim_proc *p;
		void *args[2];

		assert_errno(shmsim_spawn(k, NULL, &p), 0);
		args[0] = args[1] = p;
		if (shmsim_explorer_par(e, 2, names, fns, args, report,
			sizeof(report)) != 0)
			fail_msg("explorer: %s", report);
		assert_audit_clean(k);
		(void)shmsim_shm_unlink(p, "/x");
		kernel_free(k);
		if (shmsim_explorer_end(e, false, report, sizeof(report)) != 0)
			fail_msg("explorer: %s", report);
		runs++;
	}
	shmsim_explorer_destroy(e);
	return (runs);
}

static void
explorer_same_in_both_modes(void **state)
{
	unsigned multi, single;

	(void)state;
	multi = explore_all(SHMSIM_THREADS_MULTI);
	single = explore_all(SHMSIM_THREADS_SINGLE);
	assert_true(multi > 10);
	assert_int_equal(multi, single);
}

/*
 * _curhost_mode follows the kernel entered (kern/thread.h): 0 for a
 * single kernel, CURHOST_MULTI for a multi one; the explorer's bit is
 * set and cleared with _curthread_explored, and no entry touches it.
 */
static void
host_mode_follows_kernel(void **state)
{
	struct shmsim_kernel *ks = kernel_new(SHMSIM_THREADS_SINGLE);
	struct shmsim_kernel *km = kernel_new(SHMSIM_THREADS_MULTI);

	(void)state;
	kernel_enter(km);
	assert_int_equal(_curhost_mode, CURHOST_MULTI);
	kernel_enter(ks);
	assert_int_equal(_curhost_mode, 0);
	curthread_explored_set(&_curthread_host);
	assert_int_equal(_curhost_mode, CURHOST_EXPLORED);
	kernel_enter(km);
	assert_int_equal(_curhost_mode, CURHOST_EXPLORED | CURHOST_MULTI);
	curthread_explored_set(NULL);
	assert_int_equal(_curhost_mode, CURHOST_MULTI);
	assert_null(_curthread_explored);
	kernel_enter(ks);
	assert_int_equal(_curhost_mode, 0);
	kernel_free(ks);
	kernel_free(km);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_is_multi),
		cmocka_unit_test(single_marks_every_lock),
		cmocka_unit_test(single_behaves_as_multi),
		cmocka_unit_test(audit_reports_held_lock_in_single),
		cmocka_unit_test(lock_words_same_in_both_modes),
		cmocka_unit_test(second_host_thread_panics),
		cmocka_unit_test(second_host_thread_fine_in_multi),
		cmocka_unit_test(witness_checks_single_locks),
		cmocka_unit_test(explorer_same_in_both_modes),
		cmocka_unit_test(host_mode_follows_kernel),
	};

	return (cmocka_run_group_tests_name("threads", tests, NULL, NULL));
}
