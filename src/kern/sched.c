/*
 * The explorer: a deterministic scheduler for simulated threads
 * (shmsim_explore.h, docs/concurrency.md).
 *
 * Simulated threads are fibers on the caller's host thread; exactly one
 * runs at a time.  At each scheduling point the running thread asks
 * sched_pick() who runs next.  Points where only one thread can run are
 * not decisions; at a decision the strategy chooses, and the choice is
 * recorded.  The default choice -- the running thread goes on while it
 * is runnable, otherwise the lowest-numbered runnable thread -- makes up
 * the FIXED schedule; a token lists only the decisions that departed
 * from it, with a hash of every decision (which threads could run, who
 * was running, where) so that a replay that diverges is detected.
 *
 * DFS is stateless model checking by re-execution: each run replays a
 * prefix of the previous run's decisions, changes the last one that has
 * an untried alternative within the preemption bound, and takes the
 * default after it.  A preemption is choosing another thread while the
 * running one could go on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kern/fiber.h"
#include "kern/kassert.h"
#include "kern/lock.h"
#include "kern/sched.h"
#include "kern/thread.h"
#include "shmsim.h"
#include "shmsim_explore.h"

_Thread_local struct sim_thread *_curthread_explored;
_Thread_local struct sim_thread _curthread_host;
_Thread_local _Bool _curhost_single;

/* The explorer whose schedule is running on this host thread, if any. */
static _Thread_local struct shmsim_explorer *explorer_active;

#if defined(__SANITIZE_ADDRESS__)
#define SCHED_STACK (4u << 20)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SCHED_STACK (4u << 20)
#endif
#endif
#ifndef SCHED_STACK
#define SCHED_STACK (1u << 20)
#endif

#define SCHED_LABEL 96

enum st_state { ST_RUNNABLE, ST_BLOCKED, ST_DONE };

struct sched_point {
	const char *sp_op, *sp_what, *sp_file;
	int sp_line;
};

struct sched_thread {
	struct sim_thread st_td;
	struct fiber st_fiber;
	struct shmsim_explorer *st_e;
	int st_id;
	const char *st_name;
	shmsim_actor_fn *st_fn;
	void *st_arg;
	enum st_state st_state;
	const void *st_chan; /* ST_BLOCKED: slept on */
	struct sched_point st_wait;
	struct sched_point st_last; /* the last point it passed */
	char st_label[SCHED_LABEL];
	unsigned st_prio; /* PCT */
};

struct decision {
	uint16_t d_mask; /* runnable threads */
	uint8_t d_cur;	 /* thread at the point */
	uint8_t d_cur_runnable;
	uint8_t d_dflt, d_chosen;
	uint32_t d_preempts; /* preemptions before this decision */
	uint32_t d_sig;
};

enum step_event { EV_PREEMPTED, EV_BLOCKED, EV_DONE, EV_PANIC };

struct step {
	int s_actor;
	const char *s_name;
	char s_label[SCHED_LABEL];
	struct sched_point s_at;
	enum step_event s_ev;
};

struct deviation {
	uint32_t dv_at;
	uint8_t dv_thread;
};

struct shmsim_explorer {
	struct shmsim_explore_opts e_opts;
	char *e_token_in;
	struct sched_thread e_threads[SHMSIM_MAX_ACTORS];
	int e_nthreads;
	int e_nalloc; /* fibers with a stack */
	struct fiber e_host;
	bool e_in_run, e_in_par, e_started;
	int e_par_error;
	char *e_report;
	size_t e_reportlen;

	/* This run. */
	struct decision *e_dec;
	size_t e_ndec, e_capdec;
	struct step *e_steps;
	size_t e_nsteps, e_capsteps;
	struct deviation *e_dev;
	size_t e_ndev, e_capdev;
	uint32_t e_hash;
	uint32_t e_preempts;
	uint64_t e_points, e_switches;
	bool e_nondet;
	char e_nondet_msg[256];
	char e_token[4096];

	/* DFS: the prefix to replay in the next run. */
	struct decision *e_forced;
	size_t e_nforced, e_capforced;
	bool e_exhausted;

	/* REPLAY: the token's deviations and hash. */
	struct deviation *e_tok;
	size_t e_ntok, e_captok, e_tokpos;
	uint32_t e_tokhash;
	size_t e_bytepos;

	/* PCT: change points (decision indices) for this run. */
	uint64_t e_cp[64];
	unsigned e_ncp;
	uint64_t e_rng;

	struct shmsim_explore_stats e_stats;
};

static uint64_t
sched_rand(struct shmsim_explorer *e)
{
	/* splitmix64 */
	uint64_t z = (e->e_rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31));
}

static uint64_t
sched_rand_below(struct shmsim_explorer *e, uint64_t n)
{
	return (n == 0 ? 0 : sched_rand(e) % n);
}

static uint32_t
hash_mix(uint32_t h, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 16777619u;
	}
	return (h);
}

static bool
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return (true);
	ncap = *cap == 0 ? 64 : *cap * 2;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elem);
	if (np == NULL)
		return (false);
	*p = np;
	*cap = ncap;
	return (true);
}

static void
grow_or_panic(void **p, size_t *cap, size_t need, size_t elem)
{
	if (!grow(p, cap, need, elem))
		panic("explorer: out of memory");
}

static const char *
short_file(const char *file)
{
	const char *s;

	if (file == NULL)
		return ("?");
	s = strstr(file, "src/");
	return (s != NULL ? s : file);
}

/* ---------------------------------------------------------------- token */

static void
token_format(struct shmsim_explorer *e)
{
	size_t i, off;
	int n;

	n = snprintf(e->e_token, sizeof(e->e_token), "1-%08x", e->e_hash);
	off = (size_t)n;
	for (i = 0; i < e->e_ndev && off < sizeof(e->e_token); i++) {
		n = snprintf(e->e_token + off, sizeof(e->e_token) - off,
		    "-%u.%u", e->e_dev[i].dv_at, e->e_dev[i].dv_thread);
		if (n < 0 || (size_t)n >= sizeof(e->e_token) - off) {
			/* Too long to print: say so rather than truncate. */
			snprintf(e->e_token, sizeof(e->e_token),
			    "(schedule too long for a token: %zu deviations)",
			    e->e_ndev);
			return;
		}
		off += (size_t)n;
	}
}

static int
token_parse(struct shmsim_explorer *e, const char *tok)
{
	const char *p = tok;
	char *end;
	unsigned long v, t;
	uint32_t prev = 0;

	if (strncmp(p, "1-", 2) != 0)
		return (EINVAL);
	p += 2;
	v = strtoul(p, &end, 16);
	if (end != p + 8 || v > 0xffffffffu)
		return (EINVAL);
	e->e_tokhash = (uint32_t)v;
	p = end;
	while (*p != '\0') {
		if (*p != '-' || p[1] < '0' || p[1] > '9')
			return (EINVAL);
		p++;
		v = strtoul(p, &end, 10);
		if (*end != '.' || v > UINT32_MAX ||
		    (e->e_ntok > 0 && v <= prev))
			return (EINVAL);
		p = end + 1;
		if (*p < '0' || *p > '9')
			return (EINVAL);
		t = strtoul(p, &end, 10);
		if (t >= SHMSIM_MAX_ACTORS)
			return (EINVAL);
		p = end;
		if (!grow((void **)&e->e_tok, &e->e_captok, e->e_ntok + 1,
			sizeof(*e->e_tok)))
			return (ENOMEM);
		e->e_tok[e->e_ntok].dv_at = (uint32_t)v;
		e->e_tok[e->e_ntok].dv_thread = (uint8_t)t;
		prev = (uint32_t)v;
		e->e_ntok++;
	}
	return (0);
}

/* ---------------------------------------------------------------- steps */

static void
step_record(struct shmsim_explorer *e, struct sched_thread *st,
    enum step_event ev, const struct sched_point *at)
{
	struct step *s;

	grow_or_panic((void **)&e->e_steps, &e->e_capsteps, e->e_nsteps + 1,
	    sizeof(*e->e_steps));
	s = &e->e_steps[e->e_nsteps++];
	s->s_actor = st->st_id;
	s->s_name = st->st_name;
	memcpy(s->s_label, st->st_label, sizeof(s->s_label));
	s->s_at = *at;
	s->s_ev = ev;
}

/* ---------------------------------------------------------------- picking */

static uint16_t
runnable_mask(const struct shmsim_explorer *e)
{
	uint16_t m = 0;
	int i;

	for (i = 0; i < e->e_nthreads; i++)
		if (e->e_threads[i].st_state == ST_RUNNABLE)
			m |= (uint16_t)(1u << i);
	return (m);
}

static int
lowest(uint16_t m)
{
	return (__builtin_ctz(m));
}

/* The alternatives of a decision in order: the default, then the others
 * by number.  Returns how many. */
static int
alternatives(uint16_t mask, int dflt, int out[SHMSIM_MAX_ACTORS])
{
	int i, n = 0;

	out[n++] = dflt;
	for (i = 0; i < SHMSIM_MAX_ACTORS; i++)
		if ((mask & (1u << i)) != 0 && i != dflt)
			out[n++] = i;
	return (n);
}

static void
nondeterminism(struct shmsim_explorer *e, const char *fmt, ...)
{
	va_list ap;

	if (e->e_nondet)
		return;
	e->e_nondet = true;
	va_start(ap, fmt);
	vsnprintf(e->e_nondet_msg, sizeof(e->e_nondet_msg), fmt, ap);
	va_end(ap);
}

static int
strategy_choose(struct shmsim_explorer *e, size_t idx, const struct decision *d)
{
	int alts[SHMSIM_MAX_ACTORS], n, i, best;

	switch (e->e_opts.mode) {
	case SHMSIM_SCHED_FIXED:
		return (d->d_dflt);
	case SHMSIM_SCHED_DFS:
		if (idx < e->e_nforced) {
			const struct decision *f = &e->e_forced[idx];

			if (f->d_sig != d->d_sig) {
				nondeterminism(e,
				    "decision %zu differs from the run that "
				    "recorded it (the model is not "
				    "deterministic)",
				    idx);
				return (d->d_dflt);
			}
			return (f->d_chosen);
		}
		return (d->d_dflt);
	case SHMSIM_SCHED_REPLAY:
		if (e->e_tokpos < e->e_ntok &&
		    e->e_tok[e->e_tokpos].dv_at == idx) {
			int t = e->e_tok[e->e_tokpos++].dv_thread;

			if ((d->d_mask & (1u << t)) == 0) {
				nondeterminism(e,
				    "decision %zu: the token picks thread %d, "
				    "which cannot run here",
				    idx, t);
				return (d->d_dflt);
			}
			return (t);
		}
		return (d->d_dflt);
	case SHMSIM_SCHED_BYTES:
		if (e->e_bytepos < e->e_opts.nbytes) {
			n = alternatives(d->d_mask, d->d_dflt, alts);
			return (alts[e->e_opts.bytes[e->e_bytepos++] % n]);
		}
		return (d->d_dflt);
	case SHMSIM_SCHED_RANDOM:
		n = alternatives(d->d_mask, d->d_dflt, alts);
		return (alts[sched_rand_below(e, (uint64_t)n)]);
	case SHMSIM_SCHED_PCT:
		for (i = 0; i < (int)e->e_ncp; i++)
			if (e->e_cp[i] == idx)
				e->e_threads[d->d_cur].st_prio =
				    e->e_opts.depth - 1 - (unsigned)i;
		best = -1;
		for (i = 0; i < e->e_nthreads; i++)
			if ((d->d_mask & (1u << i)) != 0 &&
			    (best < 0 ||
				e->e_threads[i].st_prio >
				    e->e_threads[best].st_prio))
				best = i;
		return (best);
	}
	return (d->d_dflt);
}

/*
 * Who runs next after `cur` passed a point (cur may be blocked or done).
 * NULL: nobody can run.
 */
static struct sched_thread *
sched_pick(struct shmsim_explorer *e, struct sched_thread *cur,
    const struct sched_point *at)
{
	struct decision d;
	uint16_t mask = runnable_mask(e);
	bool cur_runnable;
	int chosen;
	size_t idx;

	e->e_points++;
	if (mask == 0)
		return (NULL);
	cur_runnable = cur != NULL && cur->st_state == ST_RUNNABLE;
	d.d_mask = mask;
	d.d_cur = (uint8_t)(cur != NULL ? cur->st_id : 0);
	d.d_cur_runnable = cur_runnable;
	d.d_dflt = (uint8_t)(cur_runnable ? cur->st_id : lowest(mask));
	if ((mask & (mask - 1)) == 0)
		return (&e->e_threads[d.d_dflt]);

	idx = e->e_ndec;
	d.d_preempts = e->e_preempts;
	d.d_sig = hash_mix(hash_mix(hash_mix(2166136261u, (uint32_t)idx),
			       (uint32_t)mask | (uint32_t)d.d_cur << 16 |
				   (uint32_t)cur_runnable << 24),
	    (uint32_t)(at != NULL ? at->sp_line : 0));
	chosen = strategy_choose(e, idx, &d);
	d.d_chosen = (uint8_t)chosen;
	grow_or_panic((void **)&e->e_dec, &e->e_capdec, idx + 1,
	    sizeof(*e->e_dec));
	e->e_dec[idx] = d;
	e->e_ndec++;
	e->e_hash = hash_mix(e->e_hash, d.d_sig);
	if (chosen != d.d_dflt) {
		grow_or_panic((void **)&e->e_dev, &e->e_capdev, e->e_ndev + 1,
		    sizeof(*e->e_dev));
		e->e_dev[e->e_ndev].dv_at = (uint32_t)idx;
		e->e_dev[e->e_ndev].dv_thread = (uint8_t)chosen;
		e->e_ndev++;
	}
	if (cur_runnable && chosen != cur->st_id)
		e->e_preempts++;
	return (&e->e_threads[chosen]);
}

static void
sched_switch(struct shmsim_explorer *e, struct sched_thread *from,
    struct sched_thread *to, bool dying)
{
	struct fiber *ff = from != NULL ? &from->st_fiber : &e->e_host;

	e->e_switches++;
	if (to == NULL) {
		_curthread_explored = NULL;
		fiber_switch(ff, &e->e_host, dying);
		return;
	}
	_curthread_explored = &to->st_td;
	fiber_switch(ff, &to->st_fiber, dying);
}

static void
report_append(struct shmsim_explorer *e, const char *fmt, ...)
{
	size_t off;
	va_list ap;

	if (e->e_report == NULL || e->e_reportlen == 0)
		return;
	off = strlen(e->e_report);
	if (off + 1 >= e->e_reportlen)
		return;
	va_start(ap, fmt);
	vsnprintf(e->e_report + off, e->e_reportlen - off, fmt, ap);
	va_end(ap);
}

static void
deadlock_report(struct shmsim_explorer *e)
{
	int i, j;

	report_append(e, "deadlock: every unfinished thread is blocked\n");
	for (i = 0; i < e->e_nthreads; i++) {
		struct sched_thread *st = &e->e_threads[i];

		if (st->st_state == ST_DONE)
			continue;
		report_append(e, "  %s: %s\n", st->st_name, st->st_label);
		for (j = 0; j < st->st_td.td_nheld; j++) {
			const struct held_lock *h = &st->st_td.td_held[j];

			report_append(e, "    holds \"%s\" (%s) @ %s:%d\n",
			    h->hl_lock->lo_name,
			    lock_class_name(h->hl_lock->lo_class),
			    short_file(h->hl_file), h->hl_line);
		}
		report_append(e, "    wants \"%s\" (%s) @ %s:%d\n",
		    st->st_wait.sp_what, st->st_wait.sp_op,
		    short_file(st->st_wait.sp_file), st->st_wait.sp_line);
	}
}

/* After `cur` blocked or finished: run someone else, or go home. */
static void
sched_leave(struct shmsim_explorer *e, struct sched_thread *cur,
    const struct sched_point *at, bool dying)
{
	struct sched_thread *next = sched_pick(e, cur, at);
	int i;

	if (next == NULL) {
		for (i = 0; i < e->e_nthreads; i++)
			if (e->e_threads[i].st_state != ST_DONE)
				break;
		if (i < e->e_nthreads) {
			e->e_par_error = EDEADLK;
			deadlock_report(e);
		}
	}
	sched_switch(e, cur, next, dying);
}

/* ---------------------------------------------------------------- hooks */

void
sched_point_slow(struct sim_thread *td, const char *op, const char *what,
    const char *file, int line)
{
	struct sched_thread *st = td->td_sched;
	struct shmsim_explorer *e = st->st_e;
	struct sched_thread *next;

	st->st_last.sp_op = op;
	st->st_last.sp_what = what;
	st->st_last.sp_file = file;
	st->st_last.sp_line = line;
	next = sched_pick(e, st, &st->st_last);
	if (next != st) {
		step_record(e, st, EV_PREEMPTED, &st->st_last);
		sched_switch(e, st, next, false);
	}
}

void
sched_sleep(struct sim_thread *td, const void *chan, const char *wmesg,
    const char *file, int line)
{
	struct sched_thread *st = td->td_sched;
	struct shmsim_explorer *e = st->st_e;

	st->st_state = ST_BLOCKED;
	st->st_chan = chan;
	st->st_wait.sp_op = "sleep";
	st->st_wait.sp_what = wmesg;
	st->st_wait.sp_file = file;
	st->st_wait.sp_line = line;
	step_record(e, st, EV_BLOCKED, &st->st_wait);
	sched_leave(e, st, &st->st_wait, false);
	KASSERT(st->st_state == ST_RUNNABLE,
	    ("%s: %s resumed while blocked", __func__, st->st_name));
}

void
sched_wakeup(struct sim_thread *td, const void *chan)
{
	struct shmsim_explorer *e;
	int i;

	if (td == NULL || td->td_sched == NULL)
		return;
	e = td->td_sched->st_e;
	for (i = 0; i < e->e_nthreads; i++) {
		struct sched_thread *st = &e->e_threads[i];

		if (st->st_state == ST_BLOCKED && st->st_chan == chan) {
			st->st_state = ST_RUNNABLE;
			st->st_chan = NULL;
		}
	}
}

static void
sched_thread_main(void *arg)
{
	struct sched_thread *st = arg;
	struct shmsim_explorer *e = st->st_e;
	struct sched_point done = { "return", "done", NULL, 0 };

	st->st_fn(st->st_arg);
	KASSERT(st->st_td.td_nheld == 0,
	    ("%s: %s finished holding %d locks", __func__, st->st_name,
		st->st_td.td_nheld));
	st->st_state = ST_DONE;
	step_record(e, st, EV_DONE, &done);
	sched_leave(e, st, &done, true);
	panic("%s: a finished thread was resumed", __func__);
}

void
sched_panic_hook(void)
{
	struct shmsim_explorer *e = explorer_active;

	if (e == NULL)
		return;
	explorer_active = NULL;
	/* The stretch of the thread that panicked ends here. */
	if (_curthread_explored != NULL &&
	    _curthread_explored->td_sched != NULL) {
		struct sched_thread *st = _curthread_explored->td_sched;

		if (grow((void **)&e->e_steps, &e->e_capsteps, e->e_nsteps + 1,
			sizeof(*e->e_steps)))
			step_record(e, st, EV_PANIC, &st->st_last);
	}
	_curthread_explored = NULL;
	token_format(e);
	fprintf(stderr, "schedule: %s\n", e->e_token);
	shmsim_explorer_steps(e, stderr);
	fflush(stderr);
	if (e->e_opts.panic_status != 0)
		_exit(e->e_opts.panic_status);
}

/* ---------------------------------------------------------------- API */

int
shmsim_explorer_create(const struct shmsim_explore_opts *o,
    struct shmsim_explorer **ep)
{
	struct shmsim_explorer *e;
	int error;

	*ep = NULL;
	if (o == NULL || o->mode > SHMSIM_SCHED_BYTES ||
	    (o->mode == SHMSIM_SCHED_PCT && (o->depth < 1 || o->depth > 64)) ||
	    (o->mode == SHMSIM_SCHED_REPLAY && o->token == NULL) ||
	    (o->mode == SHMSIM_SCHED_BYTES && o->bytes == NULL &&
		o->nbytes != 0))
		return (EINVAL);
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return (ENOMEM);
	e->e_opts = *o;
	e->e_opts.token = NULL;
	e->e_rng = o->seed;
	if (o->mode == SHMSIM_SCHED_REPLAY) {
		error = token_parse(e, o->token);
		if (error != 0) {
			free(e->e_tok);
			free(e);
			return (error);
		}
	}
	fiber_init_host(&e->e_host);
	*ep = e;
	return (0);
}

void
shmsim_explorer_destroy(struct shmsim_explorer *e)
{
	int i;

	if (e == NULL)
		return;
	if (explorer_active == e)
		explorer_active = NULL;
	for (i = 0; i < e->e_nalloc; i++)
		fiber_free(&e->e_threads[i].st_fiber);
	fiber_fini_host(&e->e_host);
	free(e->e_dec);
	free(e->e_steps);
	free(e->e_dev);
	free(e->e_forced);
	free(e->e_tok);
	free(e);
}

bool
shmsim_explorer_begin(struct shmsim_explorer *e)
{
	unsigned i;

	KASSERT(!e->e_in_run, ("%s: a run is in progress", __func__));
	switch (e->e_opts.mode) {
	case SHMSIM_SCHED_FIXED:
	case SHMSIM_SCHED_REPLAY:
	case SHMSIM_SCHED_BYTES:
		if (e->e_started)
			return (false);
		break;
	case SHMSIM_SCHED_DFS:
		if (e->e_exhausted)
			return (false);
		break;
	case SHMSIM_SCHED_PCT:
		/*
		 * d-1 change points, uniform over the decisions of the
		 * longest run so far (none in the first run, which
		 * measures it).
		 */
		e->e_ncp = 0;
		if (e->e_stats.max_points > 0)
			for (i = 0; i + 1 < e->e_opts.depth; i++)
				e->e_cp[e->e_ncp++] =
				    sched_rand_below(e, e->e_stats.max_points);
		break;
	case SHMSIM_SCHED_RANDOM:
		break;
	}
	e->e_started = true;
	e->e_in_run = true;
	e->e_ndec = e->e_nsteps = e->e_ndev = 0;
	e->e_hash = 2166136261u;
	e->e_preempts = 0;
	e->e_points = e->e_switches = 0;
	e->e_nondet = false;
	e->e_nondet_msg[0] = '\0';
	e->e_tokpos = 0;
	e->e_bytepos = 0;
	e->e_token[0] = '\0';
	e->e_stats.runs++;
	explorer_active = e;
	return (true);
}

int
shmsim_explorer_set_bytes(struct shmsim_explorer *e, const uint8_t *bytes,
    size_t n)
{
	if (e->e_opts.mode != SHMSIM_SCHED_BYTES || (bytes == NULL && n != 0))
		return (EINVAL);
	e->e_opts.bytes = bytes;
	e->e_opts.nbytes = n;
	e->e_bytepos = 0;
	return (0);
}

void
shmsim_explorer_label(struct shmsim_explorer *e, const char *label)
{
	struct sim_thread *td = _curthread_explored;

	(void)e;
	if (td == NULL || td->td_sched == NULL)
		return;
	snprintf(td->td_sched->st_label, sizeof(td->td_sched->st_label), "%s",
	    label);
}

int
shmsim_explorer_par(struct shmsim_explorer *e, int n, const char *const names[],
    shmsim_actor_fn *const fns[], void *const args[], char *report,
    size_t reportlen)
{
	struct sched_thread *first;
	int i, error;

	if (report != NULL && reportlen > 0)
		report[0] = '\0';
	if (n < 1 || n > SHMSIM_MAX_ACTORS || !e->e_in_run || e->e_in_par ||
	    _curthread_explored != NULL)
		return (EINVAL);
	for (i = e->e_nalloc; i < n; i++) {
		error = fiber_alloc(&e->e_threads[i].st_fiber, SCHED_STACK);
		if (error != 0)
			return (error);
		e->e_nalloc = i + 1;
	}
	e->e_in_par = true;
	e->e_par_error = 0;
	e->e_report = report;
	e->e_reportlen = reportlen;
	e->e_nthreads = n;
	for (i = 0; i < n; i++) {
		struct sched_thread *st = &e->e_threads[i];

		memset(&st->st_td, 0, sizeof(st->st_td));
		st->st_td.td_sched = st;
		st->st_e = e;
		st->st_id = i;
		st->st_name =
		    names != NULL && names[i] != NULL ? names[i] : "?";
		st->st_fn = fns[i];
		st->st_arg = args[i];
		st->st_state = ST_RUNNABLE;
		st->st_chan = NULL;
		st->st_label[0] = '\0';
		memset(&st->st_last, 0, sizeof(st->st_last));
		st->st_prio = e->e_opts.depth + (unsigned)i;
		fiber_prepare(&st->st_fiber, sched_thread_main, st);
	}
	if (e->e_opts.mode == SHMSIM_SCHED_PCT)
		/* Random distinct initial priorities d .. d+n-1. */
		for (i = n - 1; i > 0; i--) {
			int j = (int)sched_rand_below(e, (uint64_t)i + 1);
			unsigned t = e->e_threads[i].st_prio;

			e->e_threads[i].st_prio = e->e_threads[j].st_prio;
			e->e_threads[j].st_prio = t;
		}

	/* The first pick is a decision too: who starts. */
	first = sched_pick(e, NULL, NULL);
	sched_switch(e, NULL, first, false);

	/* Back on the host: every thread finished, or deadlock. */
	_curthread_explored = NULL;
	e->e_in_par = false;
	e->e_report = NULL;
	e->e_reportlen = 0;
	token_format(e);
	if (e->e_par_error != 0)
		return (e->e_par_error);
	if (e->e_nondet) {
		if (report != NULL && reportlen > 0)
			snprintf(report, reportlen, "nondeterminism: %s",
			    e->e_nondet_msg);
		return (EIO);
	}
	return (0);
}

static void
dfs_backtrack(struct shmsim_explorer *e)
{
	int alts[SHMSIM_MAX_ACTORS], n, i;
	size_t k;

	for (k = e->e_ndec; k-- > 0;) {
		const struct decision *d = &e->e_dec[k];

		n = alternatives(d->d_mask, d->d_dflt, alts);
		for (i = 0; i < n; i++)
			if (alts[i] == d->d_chosen)
				break;
		for (i++; i < n; i++) {
			unsigned cost =
			    d->d_cur_runnable && alts[i] != d->d_cur ? 1 : 0;

			if (d->d_preempts + cost <= e->e_opts.preemptions)
				break;
		}
		if (i < n) {
			grow_or_panic((void **)&e->e_forced, &e->e_capforced,
			    k + 1, sizeof(*e->e_forced));
			memcpy(e->e_forced, e->e_dec,
			    (k + 1) * sizeof(*e->e_dec));
			e->e_forced[k].d_chosen = (uint8_t)alts[i];
			e->e_nforced = k + 1;
			return;
		}
	}
	e->e_exhausted = true;
	e->e_nforced = 0;
}

int
shmsim_explorer_end(struct shmsim_explorer *e, bool failed, char *report,
    size_t reportlen)
{
	int error = 0;

	if (report != NULL && reportlen > 0)
		report[0] = '\0';
	KASSERT(e->e_in_run, ("%s: no run in progress", __func__));
	e->e_in_run = false;
	if (explorer_active == e)
		explorer_active = NULL;
	token_format(e);
	if (failed)
		e->e_stats.failed++;
	if (e->e_points > e->e_stats.max_points)
		e->e_stats.max_points = e->e_points;
	if (e->e_opts.mode == SHMSIM_SCHED_PCT &&
	    e->e_ndec > e->e_stats.max_points)
		e->e_stats.max_points = e->e_ndec;
	if (e->e_opts.mode == SHMSIM_SCHED_REPLAY && !e->e_nondet) {
		if (e->e_tokpos != e->e_ntok)
			nondeterminism(e,
			    "the run ended before decision %u of the token",
			    e->e_tok[e->e_tokpos].dv_at);
		else if (e->e_hash != e->e_tokhash)
			nondeterminism(e,
			    "the decisions differ from the run that made the "
			    "token (hash %08x, token %08x)",
			    e->e_hash, e->e_tokhash);
	}
	if (e->e_opts.mode == SHMSIM_SCHED_DFS && !e->e_nondet &&
	    e->e_ndec < e->e_nforced)
		nondeterminism(e,
		    "the run ended after %zu decisions; the previous run "
		    "had at least %zu there",
		    e->e_ndec, e->e_nforced);
	if (e->e_nondet) {
		if (report != NULL && reportlen > 0)
			snprintf(report, reportlen, "nondeterminism: %s",
			    e->e_nondet_msg);
		error = EIO;
	}
	if (e->e_opts.mode == SHMSIM_SCHED_DFS) {
		if (e->e_nondet)
			e->e_exhausted = true;
		else
			dfs_backtrack(e);
	}
	return (error);
}

const char *
shmsim_explorer_token(const struct shmsim_explorer *e)
{
	return (e->e_token);
}

void
shmsim_explorer_steps(const struct shmsim_explorer *e, FILE *out)
{
	static const char *const ev_names[] = {
		[EV_PREEMPTED] = "preempted",
		[EV_BLOCKED] = "blocked",
		[EV_DONE] = "finished",
		[EV_PANIC] = "panicked, last point",
	};
	size_t i;

	for (i = 0; i < e->e_nsteps; i++) {
		const struct step *s = &e->e_steps[i];

		if (s->s_ev == EV_DONE)
			fprintf(out, "  %3zu. %s: %s -- finished\n", i + 1,
			    s->s_name,
			    s->s_label[0] != '\0' ? s->s_label : "-");
		else if (s->s_at.sp_op == NULL)
			fprintf(out,
			    "  %3zu. %s: %s -- %s: none (panicked at the start)\n",
			    i + 1, s->s_name,
			    s->s_label[0] != '\0' ? s->s_label : "-",
			    ev_names[s->s_ev]);
		else
			fprintf(out,
			    "  %3zu. %s: %s -- %s at %s \"%s\" @ %s:%d\n",
			    i + 1, s->s_name,
			    s->s_label[0] != '\0' ? s->s_label : "-",
			    ev_names[s->s_ev], s->s_at.sp_op,
			    s->s_at.sp_what != NULL ? s->s_at.sp_what : "",
			    short_file(s->s_at.sp_file), s->s_at.sp_line);
	}
}

void
shmsim_explorer_stats(const struct shmsim_explorer *e,
    struct shmsim_explore_stats *st)
{
	*st = e->e_stats;
	st->points = e->e_points;
	st->decisions = e->e_ndec;
	st->switches = e->e_switches;
	st->exhausted = e->e_exhausted;
}
