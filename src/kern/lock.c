/*
 * The lock layer: mtx(9), sx(9), rwlock(9), rangelock on pthreads, with a
 * WITNESS-style order checker under INVARIANTS (subr_witness.c in spirit).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern/kassert.h"
#include "kern/lock.h"
#include "kern/sched.h"

static const char *const lock_class_names[LC_NCLASSES] = {
	[LC_ALLPRISON] = "allprison",
	[LC_ALLPROC] = "allproc",
	[LC_FILEDESC] = "filedesc structure",
	[LC_FOFFSET] = "file offset",
	[LC_UNP_RIGHTS] = "unp rights",
	[LC_SHM_DICT] = "shm dictionary",
	[LC_SHM_RL] = "shm rangelock",
	[LC_VM_MAP] = "vm map (user)",
	[LC_VM_OBJECT] = "vm object",
	[LC_SHM_TIMESTAMP] = "shm timestamps",
	[LC_VM_OBJECT_LIST] = "vm object_list",
	[LC_SWAP] = "swap device",
};

/*
 * The documented order (freebsd-shm-semantics.md, section 1.5), recorded
 * at kernel creation so that its reversal is caught on first sight.
 */
static const enum lock_class_id documented_order[] = {
	LC_SHM_DICT,
	LC_SHM_RL,
	LC_VM_MAP,
	LC_VM_OBJECT,
	LC_SHM_TIMESTAMP,
};

#define WITNESS_MAXHELD 32

struct held_lock {
	struct lock_object *hl_lock;
	const char *hl_file;
	int hl_line;
};

/* Per host thread: the locks it holds, innermost last. */
static _Thread_local struct held_lock held_locks[WITNESS_MAXHELD];
static _Thread_local int held_count;
static _Thread_local char curthread_id;

_Noreturn void
panic(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("panic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}

const void *
curthread_token(void)
{
	return (&curthread_id);
}

const char *
lock_class_name(enum lock_class_id c)
{
	return (c < LC_NCLASSES ? lock_class_names[c] : "?");
}

void
witness_init(struct witness *w)
{
	size_t i, j;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < sizeof(documented_order) / sizeof(documented_order[0]);
	     i++)
		for (j = i + 1;
		     j < sizeof(documented_order) / sizeof(documented_order[0]);
		     j++) {
			struct witness_site *ws =
			    &w->w_order[documented_order[i]]
				       [documented_order[j]];
			atomic_store(&ws->ws_file, "(documented lock order)");
			atomic_store(&ws->ws_line, 0);
		}
}

#ifdef INVARIANTS
/* subr_witness.c: witness_checkorder() */
static void
witness_checkorder(struct lock_object *lo, const char *file, int line)
{
	struct witness *w = lo->lo_witness;
	struct witness_site *rev, *fwd;
	const char *expected = NULL;
	int i;

	if (w == NULL)
		return;
	for (i = 0; i < held_count; i++) {
		struct held_lock *h = &held_locks[i];
		enum lock_class_id a = h->hl_lock->lo_class;
		enum lock_class_id b = lo->lo_class;

		if (h->hl_lock == lo)
			panic("%s: recursing on non-recursive lock \"%s\" @ "
			      "%s:%d, first acquired @ %s:%d",
			    __func__, lo->lo_name, file, line, h->hl_file,
			    h->hl_line);
		if (a == b || h->hl_lock->lo_witness != w)
			continue;
		rev = &w->w_order[b][a];
		expected = atomic_load(&rev->ws_file);
		if (expected != NULL)
			panic("lock order reversal:\n"
			      " 1st \"%s\" (%s) @ %s:%d\n"
			      " 2nd \"%s\" (%s) @ %s:%d\n"
			      " the order \"%s\" -> \"%s\" was established "
			      "@ %s:%d",
			    h->hl_lock->lo_name, lock_class_name(a), h->hl_file,
			    h->hl_line, lo->lo_name, lock_class_name(b), file,
			    line, lock_class_name(b), lock_class_name(a),
			    expected, atomic_load(&rev->ws_line));
		fwd = &w->w_order[a][b];
		if (atomic_load(&fwd->ws_file) == NULL) {
			const char *none = NULL;

			atomic_store(&fwd->ws_line, line);
			atomic_compare_exchange_strong(&fwd->ws_file, &none,
			    file);
		}
	}
}
#endif

void
_lock_acquired(struct lock_object *lo, const char *file, int line)
{
#ifdef INVARIANTS
	if (held_count >= WITNESS_MAXHELD)
		panic("%s: too many locks held (%d)", __func__, held_count);
	held_locks[held_count].hl_lock = lo;
	held_locks[held_count].hl_file = file;
	held_locks[held_count].hl_line = line;
	held_count++;
#else
	(void)lo;
	(void)file;
	(void)line;
#endif
}

void
_lock_released(struct lock_object *lo)
{
#ifdef INVARIANTS
	int i;

	for (i = held_count - 1; i >= 0; i--)
		if (held_locks[i].hl_lock == lo)
			break;
	if (i < 0)
		panic("%s: releasing unheld lock \"%s\"", __func__,
		    lo->lo_name);
	memmove(&held_locks[i], &held_locks[i + 1],
	    (size_t)(held_count - i - 1) * sizeof(held_locks[0]));
	held_count--;
#else
	(void)lo;
#endif
}

bool
lock_owned_by_curthread(const struct lock_object *lo)
{
	int i;

	for (i = 0; i < held_count; i++)
		if (held_locks[i].hl_lock == lo)
			return (true);
	return (false);
}

int
lock_nheld(void)
{
	return (held_count);
}

static void
lock_object_init(struct lock_object *lo, const char *name, enum lock_class_id c,
    struct witness *w)
{
	lo->lo_name = name;
	lo->lo_class = c;
	lo->lo_witness = w;
}

#ifdef INVARIANTS
#define CHECKORDER(lo, file, line) witness_checkorder((lo), (file), (line))
#else
#define CHECKORDER(lo, file, line) ((void)(file), (void)(line))
#endif

static void
pthread_check(int error, const char *what)
{
	if (error != 0)
		panic("%s: %s", what, strerror(error));
}

/* kern_mutex.c: mtx_init() */
void
mtx_init(struct mtx *m, const char *name, enum lock_class_id c,
    struct witness *w)
{
	lock_object_init(&m->lock_object, name, c, w);
	pthread_check(pthread_mutex_init(&m->mtx_lock, NULL), "mtx_init");
}

void
mtx_destroy(struct mtx *m)
{
	pthread_check(pthread_mutex_destroy(&m->mtx_lock), "mtx_destroy");
}

void
_mtx_lock(struct mtx *m, const char *file, int line)
{
	SCHED_POINT();
	CHECKORDER(&m->lock_object, file, line);
	pthread_check(pthread_mutex_lock(&m->mtx_lock), "mtx_lock");
	_lock_acquired(&m->lock_object, file, line);
}

void
_mtx_unlock(struct mtx *m)
{
	_lock_released(&m->lock_object);
	pthread_check(pthread_mutex_unlock(&m->mtx_lock), "mtx_unlock");
	SCHED_POINT();
}

/* kern_sx.c: sx_init() */
void
sx_init(struct sx *sx, const char *name, enum lock_class_id c,
    struct witness *w)
{
	lock_object_init(&sx->lock_object, name, c, w);
	pthread_check(pthread_rwlock_init(&sx->sx_lock, NULL), "sx_init");
	atomic_init(&sx->sx_owner, NULL);
}

void
sx_destroy(struct sx *sx)
{
	pthread_check(pthread_rwlock_destroy(&sx->sx_lock), "sx_destroy");
}

void
_sx_xlock(struct sx *sx, const char *file, int line)
{
	SCHED_POINT();
	CHECKORDER(&sx->lock_object, file, line);
	pthread_check(pthread_rwlock_wrlock(&sx->sx_lock), "sx_xlock");
	atomic_store_explicit(&sx->sx_owner, curthread_token(),
	    memory_order_relaxed);
	_lock_acquired(&sx->lock_object, file, line);
}

void
_sx_slock(struct sx *sx, const char *file, int line)
{
	SCHED_POINT();
	CHECKORDER(&sx->lock_object, file, line);
	pthread_check(pthread_rwlock_rdlock(&sx->sx_lock), "sx_slock");
	_lock_acquired(&sx->lock_object, file, line);
}

void
_sx_xunlock(struct sx *sx)
{
	KASSERT(sx_xlocked(sx),
	    ("%s: %s not xlocked by me", __func__, sx->lock_object.lo_name));
	_lock_released(&sx->lock_object);
	atomic_store_explicit(&sx->sx_owner, NULL, memory_order_relaxed);
	pthread_check(pthread_rwlock_unlock(&sx->sx_lock), "sx_xunlock");
	SCHED_POINT();
}

void
_sx_sunlock(struct sx *sx)
{
	_lock_released(&sx->lock_object);
	pthread_check(pthread_rwlock_unlock(&sx->sx_lock), "sx_sunlock");
	SCHED_POINT();
}

bool
sx_xlocked(const struct sx *sx)
{
	return (atomic_load_explicit(&sx->sx_owner, memory_order_relaxed) ==
	    curthread_token());
}

/* kern_rwlock.c: rw_init() */
void
rw_init(struct rwlock *rw, const char *name, enum lock_class_id c,
    struct witness *w)
{
	lock_object_init(&rw->lock_object, name, c, w);
	pthread_check(pthread_rwlock_init(&rw->rw_lock, NULL), "rw_init");
	atomic_init(&rw->rw_owner, NULL);
}

void
rw_destroy(struct rwlock *rw)
{
	pthread_check(pthread_rwlock_destroy(&rw->rw_lock), "rw_destroy");
}

void
_rw_wlock(struct rwlock *rw, const char *file, int line)
{
	SCHED_POINT();
	CHECKORDER(&rw->lock_object, file, line);
	pthread_check(pthread_rwlock_wrlock(&rw->rw_lock), "rw_wlock");
	atomic_store_explicit(&rw->rw_owner, curthread_token(),
	    memory_order_relaxed);
	_lock_acquired(&rw->lock_object, file, line);
}

void
_rw_rlock(struct rwlock *rw, const char *file, int line)
{
	SCHED_POINT();
	CHECKORDER(&rw->lock_object, file, line);
	pthread_check(pthread_rwlock_rdlock(&rw->rw_lock), "rw_rlock");
	_lock_acquired(&rw->lock_object, file, line);
}

void
_rw_wunlock(struct rwlock *rw)
{
	KASSERT(rw_wowned(rw),
	    ("%s: %s not wlocked by me", __func__, rw->lock_object.lo_name));
	_lock_released(&rw->lock_object);
	atomic_store_explicit(&rw->rw_owner, NULL, memory_order_relaxed);
	pthread_check(pthread_rwlock_unlock(&rw->rw_lock), "rw_wunlock");
	SCHED_POINT();
}

void
_rw_runlock(struct rwlock *rw)
{
	_lock_released(&rw->lock_object);
	pthread_check(pthread_rwlock_unlock(&rw->rw_lock), "rw_runlock");
	SCHED_POINT();
}

bool
rw_wowned(const struct rwlock *rw)
{
	return (atomic_load_explicit(&rw->rw_owner, memory_order_relaxed) ==
	    curthread_token());
}

/* kern_rangelock.c: rangelock_init() */
void
rangelock_init(struct rangelock *rl, const char *name, struct witness *w)
{
	lock_object_init(&rl->lock_object, name, LC_SHM_RL, w);
	pthread_check(pthread_mutex_init(&rl->rl_mtx, NULL), "rangelock_init");
	pthread_check(pthread_cond_init(&rl->rl_cv, NULL), "rangelock_init");
	TAILQ_INIT(&rl->rl_granted);
}

void
rangelock_destroy(struct rangelock *rl)
{
	KASSERT(TAILQ_EMPTY(&rl->rl_granted),
	    ("%s: %s still granted", __func__, rl->lock_object.lo_name));
	pthread_check(pthread_cond_destroy(&rl->rl_cv), "rangelock_destroy");
	pthread_check(pthread_mutex_destroy(&rl->rl_mtx), "rangelock_destroy");
}

static bool
rangelock_conflicts(const struct rangelock *rl, const struct rl_q_entry *e)
{
	const struct rl_q_entry *g;

	TAILQ_FOREACH(g, &rl->rl_granted, rl_q_link) {
		if (g->rl_q_start >= e->rl_q_end ||
		    e->rl_q_start >= g->rl_q_end)
			continue;
		if (g->rl_q_write || e->rl_q_write)
			return (true);
	}
	return (false);
}

void
_rangelock_lock(struct rangelock *rl, struct rl_q_entry *e, off_t start,
    off_t end, bool write, const char *file, int line)
{
	SCHED_POINT();
	CHECKORDER(&rl->lock_object, file, line);
	e->rl_q_start = start;
	e->rl_q_end = end;
	e->rl_q_write = write;
	pthread_check(pthread_mutex_lock(&rl->rl_mtx), "rangelock_lock");
	while (rangelock_conflicts(rl, e))
		pthread_check(pthread_cond_wait(&rl->rl_cv, &rl->rl_mtx),
		    "rangelock_lock");
	TAILQ_INSERT_TAIL(&rl->rl_granted, e, rl_q_link);
	pthread_check(pthread_mutex_unlock(&rl->rl_mtx), "rangelock_lock");
	_lock_acquired(&rl->lock_object, file, line);
}

void
rangelock_unlock(struct rangelock *rl, struct rl_q_entry *e)
{
	_lock_released(&rl->lock_object);
	pthread_check(pthread_mutex_lock(&rl->rl_mtx), "rangelock_unlock");
	TAILQ_REMOVE(&rl->rl_granted, e, rl_q_link);
	pthread_check(pthread_cond_broadcast(&rl->rl_cv), "rangelock_unlock");
	pthread_check(pthread_mutex_unlock(&rl->rl_mtx), "rangelock_unlock");
	SCHED_POINT();
}
