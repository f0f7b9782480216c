/*
 * malloc(9) accounting (src/kern_malloc.c): every kernel structure is
 * allocated under a malloc type and counted per kernel; the counts are
 * visible through shmsim_malloc_stats() and the text dump's malloc line,
 * and shmsim_kernel_destroy() reports every type not back to zero --
 * so a dropped free() of any structure, counted elsewhere or not, fails
 * the leak check.
 */
#include "helpers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "kernel_var.h"
#include "proc.h"
#include "shm.h"

#define NT 32

/* ThreadSanitizer and a forked child's abort do not mix (test_witness.c). */
/* UNDER_TSAN: helpers.h. */

/* The stats of the type named name. */
static struct shmsim_malloc_stat
stat_of(struct shmsim_kernel *k, const char *name)
{
	struct shmsim_malloc_stat st[NT];
	size_t i, n;

	n = shmsim_malloc_stats(k, st, NT);
	assert_true(n <= NT);
	for (i = 0; i < n; i++)
		if (strcmp(st[i].type, name) == 0)
			return (st[i]);
	fail_msg("no malloc type \"%s\"", name);
	return (st[0]);
}

static uint64_t
inuse(struct shmsim_kernel *k, const char *name)
{
	return (stat_of(k, name).inuse);
}

/* Every type, named once, in the kernel's order; n is the real count. */
static void
malloc_stats_lists_every_type(void **state)
{
	struct env *e = *state;
	struct shmsim_malloc_stat st[NT], one[1];
	size_t i, j, n;

	n = shmsim_malloc_stats(e->k, st, NT);
	assert_int_equal(n, M_NTYPES);
	for (i = 0; i < n; i++) {
		assert_non_null(st[i].type);
		assert_true(st[i].inuse <= st[i].requests);
		for (j = 0; j < i; j++)
			assert_string_not_equal(st[i].type, st[j].type);
	}
	/* A short array gets a prefix; the count is still every type. */
	assert_int_equal(shmsim_malloc_stats(e->k, one, 1), M_NTYPES);
	assert_string_equal(one[0].type, st[0].type);
	/* What a fresh kernel with one process holds. */
	assert_int_equal(inuse(e->k, "proc"), 1);
	assert_int_equal(inuse(e->k, "cred"), 1);
	assert_int_equal(inuse(e->k, "vmspace"), 1);
	assert_int_equal(inuse(e->k, "filedesc"), 2); /* and its table */
	assert_int_equal(inuse(e->k, "shmfd"), 1);    /* the dictionary */
	assert_int_equal(inuse(e->k, "file"), 0);
}

/*
 * Each structure is counted while it lives: a named object is a shmfd,
 * its name, a file, a vm object; its pages are vm pages, on swap a swap
 * block and a slot.  All of it goes back at the last close and unlink.
 */
static void
malloc_counts_follow_structures(void **state)
{
	struct env *e = *state;
	struct shmsim_malloc_stat f0, f1;
	uint64_t shm0, moved;
	int fd, fd2;

	shm0 = inuse(e->k, "shmfd");
	f0 = stat_of(e->k, "file");
	assert_errno(shmsim_shm_open(e->p, "/m", SHMSIM_O_CREAT | SHMSIM_O_RDWR,
			 0600, &fd),
	    0);
	assert_int_equal(inuse(e->k, "shmfd"), shm0 + 2);
	assert_int_equal(inuse(e->k, "file"), 1);
	assert_int_equal(inuse(e->k, "vm object"), 1);
	assert_errno(shmsim_dup(e->p, fd, &fd2), 0);
	assert_int_equal(inuse(e->k, "file"), 1); /* shared, not copied */
	assert_errno(shmsim_ftruncate(e->p, fd, 8192), 0);
	assert_errno(shmsim_pwrite(e->p, fd, "ab", 2, 4095, NULL), 0);
	assert_int_equal(inuse(e->k, "vm page"), 2);
	assert_errno(shmsim_pageout(e->k, 1, &moved), 0);
	assert_int_equal(moved, 1);
	assert_int_equal(inuse(e->k, "vm page"), 1);
	assert_true(inuse(e->k, "swap") >= 2); /* block, slot, tables */
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_close(e->p, fd2), 0);
	assert_int_equal(inuse(e->k, "file"), 0);
	assert_int_equal(inuse(e->k, "vm object"), 1); /* the name holds it */
	assert_errno(shmsim_shm_unlink(e->p, "/m"), 0);
	assert_int_equal(inuse(e->k, "shmfd"), shm0);
	assert_int_equal(inuse(e->k, "vm object"), 0);
	assert_int_equal(inuse(e->k, "vm page"), 0);
	f1 = stat_of(e->k, "file");
	assert_int_equal(f1.requests, f0.requests + 1);
	assert_int_equal(f1.memuse, 0);
	assert_audit_clean(e->k);
}

/* The text dump's malloc line is vmstat -m's InUse column. */
static void
malloc_line_in_text_dump(void **state)
{
	struct env *e = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int fd;

	assert_errno(
	    shmsim_shm_open(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &fd),
	    0);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_errno(shmsim_dump(e->k, f, SHMSIM_DUMP_TEXT, NULL), 0);
	fclose(f);
	assert_non_null(strstr(buf,
	    "\nmalloc: cred 1, file 1, filedesc 2, proc 1, shmfd 2, "
	    "vm object 1, vmspace 1\n"));
	free(buf);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* Destroy k and return its leak report (count in *nleaks). */
static void
destroy_report(struct shmsim_kernel *k, char *report, size_t len, int *nleaks)
{
	*nleaks = shmsim_kernel_destroy(k, report, len);
}

/*
 * A dropped free(): one block of a type left is reported by type, count
 * and bytes -- here a temporary buffer, and a credential whose crfree()
 * is missing (nothing else counts credentials).
 */
static void
leaked_block_is_reported(void **state)
{
	struct shmsim_kernel *k;
	struct shmsim_proc *sp;
	struct ucred *cr;
	char report[4096];
	void *p;
	int n;

	(void)state;
	assert_errno(shmsim_kernel_create(NULL, &k), 0);
	p = malloc_k(k, 40, M_TEMP, M_WAITOK);
	memset(p, 0, 40);
	destroy_report(k, report, sizeof(report), &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(report,
	    "leak: malloc type temp: 1 block(s), 40 byte(s) still allocated"));
	free(p); /* give the host block back (LeakSanitizer) */

	assert_errno(shmsim_kernel_create(NULL, &k), 0);
	assert_errno(shmsim_spawn(k, NULL, &sp), 0);
	cr = crhold(((struct proc *)sp)->p_ucred); /* never crfree'd */
	destroy_report(k, report, sizeof(report), &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(report, "leak: malloc type cred: 1 block(s)"));
	assert_null(strstr(report, "malloc type proc"));
	free(cr); /* the host block, for LeakSanitizer */
}

/* A clean kernel reports nothing: every type is back to zero. */
static void
clean_kernel_reports_nothing(void **state)
{
	struct shmsim_kernel *k;
	struct shmsim_proc *sp, *child;
	char report[4096];
	int n, fd;

	(void)state;
	assert_errno(shmsim_kernel_create(NULL, &k), 0);
	assert_errno(shmsim_spawn(k, NULL, &sp), 0);
	assert_errno(shmsim_shm_open(sp, "/x", SHMSIM_O_CREAT | SHMSIM_O_RDWR,
			 0600, &fd),
	    0);
	assert_errno(shmsim_fork(sp, &child), 0);
	assert_errno(shmsim_sendfd(sp, child, fd), 0);
	destroy_report(k, report, sizeof(report), &n);
	assert_int_equal(n, 0);
	assert_string_equal(report, "");
}

#if defined(INVARIANTS) && !defined(UNDER_TSAN)
struct wrong_free {
	struct shmsim_kernel *k;
	void *p;
};

static void
free_as_file(void *arg)
{
	struct wrong_free *w = arg;

	free_k(w->k, w->p, M_FILE);
}

/* A block whose redzone has bytes overwritten (at offsets past its end). */
struct overrun {
	struct shmsim_kernel *k;
	unsigned char *p;
	size_t size;
	int off[2];
};

static void
free_overrun(void *arg)
{
	struct overrun *o = arg;
	int i;

	for (i = 0; i < 2; i++)
		if (o->off[i] >= 0)
			o->p[o->size + (size_t)o->off[i]] = 0;
	free_k(o->k, o->p, M_TEMP);
}

#endif

/* Under INVARIANTS a block freed under another type panics, naming both. */
static void
free_with_wrong_type_panics(void **state)
{
#if defined(INVARIANTS) && !defined(UNDER_TSAN)
	struct env *e = *state;
	struct wrong_free w = { e->k, NULL };
	struct outcome o;

	w.p = malloc_k(e->k, 24, M_TEMP, M_WAITOK | M_ZERO);
	run_child(free_as_file, &w, &o);
	assert_aborted(&o);
	assert_says(&o, "free(");
	assert_says(&o, ", file): allocated as temp");
	free_k(e->k, w.p, M_TEMP);
#else
	(void)state;
	skip();
#endif
}

/*
 * Under INVARIANTS free() checks the redzone after the block
 * (subr_redzone.c) and panics with the number of bytes overwritten: one
 * byte in the redzone's second word, its first intact; its first and its
 * sixteenth byte.  In a child: the block is freed corrupted there only.
 */
static void
free_past_the_end_panics(void **state)
{
#if defined(INVARIANTS) && !defined(UNDER_TSAN)
	struct env *e = *state;
	struct overrun w = { e->k, NULL, 40, { 9, -1 } };
	struct outcome o;

	w.p = malloc_k(e->k, w.size, M_TEMP, M_WAITOK | M_ZERO);
	run_child(free_overrun, &w, &o);
	assert_aborted(&o);
	assert_says(&o, "free(");
	assert_says(&o,
	    "redzone: buffer overflow: 1 byte(s) corrupted after "
	    "the 40 byte(s) allocated");
	w.off[0] = 0;
	w.off[1] = 15;
	run_child(free_overrun, &w, &o);
	assert_aborted(&o);
	assert_says(&o,
	    "redzone: buffer overflow: 2 byte(s) corrupted after "
	    "the 40 byte(s) allocated");
	/* Untouched here: freed without a word. */
	free_k(e->k, w.p, M_TEMP);
#else
	(void)state;
	skip();
#endif
}

/*
 * The name dictionary (shm_ns.c: shm_dict_init()) is one shmfd block of
 * 8 bytes a bucket from boot to destruction, whatever its size, also
 * while a lazy one (128 to 1,024 buckets) has no host array yet: before
 * the first name, with names, after the last one is gone.  An empty
 * dictionary reads as empty (lookups, the auditor), names land in the
 * bucket of their hash, and every kernel's leak check is clean.
 */
static void
dictionary_counted_from_boot(void **state)
{
	static const uint32_t sizes[] = { 16, 64, 128, 1024, 2048 };
	struct shmsim_config cfg;
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	struct shmsim_malloc_stat st;
	char report[512];
	size_t i;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		shmsim_config_init(&cfg);
		cfg.hash_buckets = sizes[i];
		assert_errno(shmsim_kernel_create(&cfg, &k), 0);
		assert_int_equal(k->shm_hash, sizes[i] - 1);
		st = stat_of(k, "shmfd");
		assert_int_equal(st.inuse, 1);
		assert_int_equal(st.memuse, 8 * (uint64_t)sizes[i]);
		assert_errno(shmsim_spawn(k, NULL, &p), 0);
		assert_errno(shmsim_shm_open(p, "/d", SHMSIM_O_RDWR, 0, &fd),
		    ENOENT);
		assert_errno(shmsim_shm_unlink(p, "/d"), ENOENT);
		assert_int_equal(shmsim_audit(k, report, sizeof(report)), 0);
		assert_errno(shmsim_shm_open(p, "/d",
				 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &fd),
		    0);
		assert_int_equal(k->shm_hash, sizes[i] - 1);
		assert_non_null(LIST_FIRST(
		    &k->shm_dictionary[fnv_32_str("/d", FNV1_32_INIT) &
			k->shm_hash]));
		assert_int_equal(shmsim_audit(k, report, sizeof(report)), 0);
		assert_errno(shmsim_close(p, fd), 0);
		assert_errno(shmsim_shm_unlink(p, "/d"), 0);
		st = stat_of(k, "shmfd");
		assert_int_equal(st.inuse, 1);
		assert_int_equal(st.memuse, 8 * (uint64_t)sizes[i]);
		assert_errno(shmsim_shm_open(p, "/d", SHMSIM_O_RDWR, 0, &fd),
		    ENOENT);
		report[0] = 'x';
		assert_int_equal(
		    shmsim_kernel_destroy(k, report, sizeof(report)), 0);
		assert_string_equal(report, "");
	}
}

/*
 * A multi kernel counts each host thread in a set of its own, and past
 * MALLOC_NPCPU live threads in one shared set with atomic adds: the
 * totals are exact either way.  MALLOC_NPCPU + 8 threads, all alive at
 * once (a barrier), each allocate three temp blocks and free two; the
 * last of each is freed by the main thread.
 */
#define PAST_NTHREADS (MALLOC_NPCPU + 8)
#define PAST_SIZE 24

struct past_table {
	struct shmsim_kernel *k;
	pthread_barrier_t all_in, counted;
	void *kept[PAST_NTHREADS];
};

struct past_arg {
	struct past_table *t;
	int i;
};

static void *
past_table_thread(void *arg)
{
	struct past_arg *a = arg;
	struct past_table *t = a->t;
	void *b[3];
	int j;

	for (j = 0; j < 3; j++)
		b[j] = malloc_k(t->k, PAST_SIZE, M_TEMP, M_WAITOK);
	/* Every thread holds its set (or the shared one) at once. */
	(void)pthread_barrier_wait(&t->all_in);
	free_k(t->k, b[0], M_TEMP);
	free_k(t->k, b[1], M_TEMP);
	t->kept[a->i] = b[2];
	(void)pthread_barrier_wait(&t->counted);
	return (NULL);
}

static void
counts_exact_past_the_thread_table(void **state)
{
	struct past_table t;
	struct past_arg args[PAST_NTHREADS];
	pthread_t th[PAST_NTHREADS];
	struct shmsim_malloc_stat before, st;
	int i;

	(void)state;
	assert_errno(shmsim_kernel_create(NULL, &t.k), 0);
	assert_false(t.k->k_single); /* the C API's default: multi */
	before = stat_of(t.k, "temp");
	assert_int_equal(pthread_barrier_init(&t.all_in, NULL, PAST_NTHREADS),
	    0);
	assert_int_equal(
	    pthread_barrier_init(&t.counted, NULL, PAST_NTHREADS + 1), 0);
	for (i = 0; i < PAST_NTHREADS; i++) {
		args[i].t = &t;
		args[i].i = i;
		assert_int_equal(
		    pthread_create(&th[i], NULL, past_table_thread, &args[i]),
		    0);
	}
	(void)pthread_barrier_wait(&t.counted);
	/* The table is full: some threads counted in the shared set. */
	assert_int_equal(t.k->k_malloc.ms_nsets, MALLOC_NPCPU);
	st = stat_of(t.k, "temp");
	assert_int_equal(st.requests, before.requests + 3 * PAST_NTHREADS);
	assert_int_equal(st.inuse, before.inuse + PAST_NTHREADS);
	assert_int_equal(st.memuse, before.memuse + PAST_SIZE * PAST_NTHREADS);
	for (i = 0; i < PAST_NTHREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < PAST_NTHREADS; i++)
		free_k(t.k, t.kept[i], M_TEMP);
	st = stat_of(t.k, "temp");
	assert_int_equal(st.inuse, before.inuse);
	assert_int_equal(st.memuse, before.memuse);
	assert_int_equal(st.requests, before.requests + 3 * PAST_NTHREADS);
	(void)pthread_barrier_destroy(&t.all_in);
	(void)pthread_barrier_destroy(&t.counted);
	assert_int_equal(shmsim_kernel_destroy(t.k, NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(malloc_stats_lists_every_type,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(malloc_counts_follow_structures,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(malloc_line_in_text_dump,
		    setup_current, teardown_env),
		cmocka_unit_test(leaked_block_is_reported),
		cmocka_unit_test(clean_kernel_reports_nothing),
		cmocka_unit_test(dictionary_counted_from_boot),
		cmocka_unit_test_setup_teardown(free_with_wrong_type_panics,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(free_past_the_end_panics,
		    setup_current, teardown_env),
		/*
		 * Last: glibc keeps its 72 threads' stacks for reuse, and a
		 * child forked after it that panics on purpose (the tests
		 * above) would end with them, as memcheck's "possibly lost".
		 */
		cmocka_unit_test(counts_exact_past_the_thread_table),
	};

	return (cmocka_run_group_tests_name("malloc", tests, NULL, NULL));
}
