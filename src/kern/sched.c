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
 * was running, and the point: its kind, function, lock or count and
 * occurrence -- never its source line) so that a replay that diverges is
 * detected, and survives edits that leave the points as they were.  A
 * schedule file (shmsim_explorer_save()) lists every decision, one a
 * line, so that a replay can say where the model's points part from it.
 *
 * Sharding: the schedules of one exploration are split into groups that
 * come one after the other in its order -- DFS: the schedules that share
 * their first two departures from the default; PCT and random: each run
 * by number -- and a shard runs the groups it owns (a hash of the group
 * DFS, the number modulo the shard count otherwise).  A DFS shard still
 * runs the schedules with fewer than two departures, which lead to its
 * groups, without counting them (shmsim_explorer_owned()).
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
#include "kernel_var.h"
#include "shmsim.h"
#include "shmsim_explore.h"

_Thread_local struct sim_thread *_curthread_explored SHMSIM_TLS_HOT;
_Thread_local struct sim_thread _curthread_host;
_Thread_local unsigned char _curhost_mode SHMSIM_TLS_HOT = CURHOST_MULTI;

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

/*
 * A scheduling point: what it is (op, what, func, occ: the identity that
 * tokens hash) and where (file, line: for people only).
 */
struct sched_point {
	const char *sp_op, *sp_what, *sp_func, *sp_file;
	int sp_line;
	uint32_t sp_occ; /* this thread's nth point of this kind, 1.. */
	uint32_t sp_key; /* hash of op, what and func (point_identify()) */
};

/* Occurrences of each kind of point in one thread's stretch of a block. */
#define SCHED_OCC 128
struct occ_slot {
	uint32_t os_key, os_n, os_gen;
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
	bool st_last_raw; /* st_last not identified: sp_what as passed */
	char st_label[SCHED_LABEL];
	unsigned st_prio; /* PCT */
	struct occ_slot st_occ[SCHED_OCC];
	uint32_t st_occ_over;
};

struct decision {
	uint16_t d_mask; /* runnable threads */
	uint8_t d_cur;	 /* thread at the point */
	uint8_t d_cur_runnable;
	uint8_t d_dflt, d_chosen;
	uint8_t d_start;     /* the first pick of a block: no point */
	uint32_t d_preempts; /* preemptions before this decision */
	uint32_t d_key;	     /* the point's sp_key (0 at the start) */
	const char *d_op, *d_what, *d_func; /* the point (static strings) */
	uint32_t d_occ;
};

/* A decision of a schedule file being replayed. */
struct file_decision {
	uint16_t fd_mask;
	int8_t fd_cur; /* -1: the start of a block */
	uint8_t fd_cur_runnable;
	uint8_t fd_chosen;
	char *fd_point; /* as point_text() writes it */
};

enum step_event { EV_PREEMPTED, EV_BLOCKED, EV_DONE, EV_PANIC };

/* The label last: a step without one touches only the lines before it. */
struct step {
	int s_actor;
	enum step_event s_ev;
	const char *s_name;
	struct sched_point s_at;
	char s_label[SCHED_LABEL];
};

struct deviation {
	uint32_t dv_at;
	uint8_t dv_thread;
};

/* A point's identity, cached by the addresses of its strings. */
struct id_slot {
	const char *ic_op, *ic_what, *ic_func, *ic_kind;
	uint32_t ic_key;
};

struct shmsim_explorer {
	struct shmsim_explore_opts e_opts;
	struct sched_thread e_threads[SHMSIM_MAX_ACTORS];
	int e_nthreads;
	int e_nalloc; /* fibers with a stack */
	/* A block ended with threads that never finished (a deadlock). */
	bool e_stacks_abandoned;
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
	uint16_t e_runmask;   /* threads ST_RUNNABLE */
	uint16_t e_blockmask; /* threads ST_BLOCKED */
	uint32_t e_preempts;
	uint64_t e_points, e_switches;
	bool e_nondet;
	char e_nondet_msg[256];
	/*
	 * The token: the decisions it hashes and the deviations it lists
	 * (e_dec[0 .. e_tok_ndec) and e_dev[0 .. e_tok_ndev), as they were
	 * when the last par block or the run ended), and its text, made only
	 * when asked for (token_text()).
	 */
	bool e_tok_set;
	size_t e_tok_ndec, e_tok_ndev;
	struct token_cache *e_tc;

	/* DFS: the prefix to replay in the next run. */
	struct decision *e_forced;
	size_t e_nforced, e_capforced;
	bool e_exhausted;

	/* REPLAY: the token's deviations and hash, or a schedule file. */
	struct deviation *e_tok;
	size_t e_ntok, e_captok, e_tokpos;
	uint32_t e_tokhash;
	int e_tokversion;
	struct file_decision *e_file;
	size_t e_nfile, e_capfile;
	bool e_diverged;
	char e_diverged_msg[512];
	size_t e_bytepos;

	/* PCT: change points (decision indices) for this run. */
	uint64_t e_cp[64];
	unsigned e_ncp;
	uint64_t e_rng;
	uint64_t e_pct_k; /* decisions of run 0, which measures them */

	/* Sharding; PCT and RANDOM run by number. */
	uint64_t e_index, e_next_index;
	uint64_t e_order; /* this run's group, ascending in DFS order */
	bool e_owned;
	uint32_t e_gen; /* occurrence tables: entries of this block */

	/* Content hashes of the point strings, by address. */
	struct {
		const char *sc_s;
		uint32_t sc_h;
	} e_strcache[256];
	/*
	 * Identities of the points seen, by the addresses of their strings:
	 * two ways, a slot and its neighbour (idcache_slot()).
	 */
	struct id_slot e_idcache[256];

	struct shmsim_explore_stats e_stats;

	/* The step observer (shmsim_explorer_observe()). */
	shmsim_step_observer_fn *e_obs;
	void *e_obsarg;
	bool e_in_obs;
};

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31));
}

static inline uint64_t
sched_rand(struct shmsim_explorer *e)
{
	/* splitmix64 */
	return (mix64(e->e_rng += 0x9e3779b97f4a7c15ull));
}

static uint64_t
sched_rand_below(struct shmsim_explorer *e, uint64_t n)
{
	uint64_t r;

	if (n == 0)
		return (0);
	r = sched_rand(e);
	/*
	 * The same remainder either way; a power of two (the two
	 * alternatives of most random decisions) spares a 64-bit division,
	 * tens of cycles on this path, which runs at every decision.
	 */
	if ((n & (n - 1)) == 0)
		return (r & (n - 1));
	return (r % n);
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

static uint32_t
hash_str(uint32_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return (hash_mix(h, 0));
}

/*
 * hash_str() of a static string, remembered by its address.  No string
 * (the what and func of a thread's "finished" point) is 0: the cache,
 * zeroed, used to answer 0 for it until a string whose address fell in
 * slot 0 had passed, and hash_str(NULL) after that, so that the key of
 * such a point -- a decision when a thread finishes while two others
 * can run -- depended on where the build put its strings.  0 is what
 * builds answered unless that happened: their tokens keep their hashes.
 */
static uint32_t
str_id(struct shmsim_explorer *e, const char *s)
{
	size_t slot = ((uintptr_t)s >> 3) % 256;

	if (s == NULL)
		return (0);
	if (e->e_strcache[slot].sc_s != s) {
		e->e_strcache[slot].sc_s = s;
		e->e_strcache[slot].sc_h = hash_str(2166136261u, s);
	}
	return (e->e_strcache[slot].sc_h);
}

/*
 * The signature of decision idx: which threads could run, who was
 * running, and the point's identity (its kind, function, lock or count:
 * d_key; its occurrence: d_occ) -- what the point is, never where.
 * Computed only when a hash is needed (run_hash()); a DFS run compares
 * the fields themselves (decision_is()).
 */
static uint32_t
decision_sig(const struct decision *d, size_t idx)
{
	return (hash_mix(hash_mix(hash_mix(2166136261u, (uint32_t)idx),
			     (uint32_t)d->d_mask | (uint32_t)d->d_cur << 16 |
				 (uint32_t)d->d_cur_runnable << 24),
	    d->d_start ? 0 : hash_mix(d->d_key, d->d_occ)));
}

/* The hash of a run's first n decisions: a token's "HHHHHHHH". */
static uint32_t
run_hash(const struct decision *dec, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = hash_mix(h, decision_sig(&dec[i], i));
	return (h);
}

/*
 * Whether decision a has the signature that these fields of another
 * decision at the same index make: the inputs to decision_sig(),
 * compared one by one.  The fields come as values: DFS compares the
 * decision it is making, whose fields were just stored a byte or two at
 * a time, and the compiler compares the bytes before d_key as one
 * 8-byte word, which the CPU cannot forward from narrower stores (a
 * stall at every replayed decision, about 15 % of the samples of the
 * DFS row of bench/explore_bench.c).
 */
static inline __attribute__((always_inline)) bool
decision_is(const struct decision *a, uint16_t mask, uint8_t cur,
    uint8_t cur_runnable, uint8_t start, uint32_t key, uint32_t occ)
{
	return (a->d_mask == mask && a->d_cur == cur &&
	    a->d_cur_runnable == cur_runnable && a->d_start == start &&
	    (start || (a->d_key == key && a->d_occ == occ)));
}

/*
 * What a point is about, as its identity names it: a reference count
 * passes its expression ("&shmfd->shm_refs") and is named by its field.
 */
static const char *
point_kind(const char *what)
{
	const char *s, *k;

	if (what == NULL || what[0] != '&')
		return (what);
	k = what + 1;
	for (s = what; *s != '\0'; s++)
		if (*s == '.' || (*s == '>' && s > what && s[-1] == '-'))
			k = s + 1;
	return (k);
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

static __attribute__((noinline)) void
grow_slow_or_panic(void **p, size_t *cap, size_t need, size_t elem)
{
	if (!grow(p, cap, need, elem))
		panic("explorer: out of memory");
}

/* The arrays of a run (decisions, departures, steps) grow once or twice
 * per exploration: the test that they need not is inline. */
static inline void
grow_or_panic(void **p, size_t *cap, size_t need, size_t elem)
{
	if (__predict_false(need > *cap))
		grow_slow_or_panic(p, cap, need, elem);
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

/*
 * Format 2: "2-HHHHHHHH-I.T...".  Format 1 (shmsim before the points had
 * an identity) hashed source lines: its departures are replayed, its hash
 * cannot be checked.
 */
#define TOKEN_VERSION 2

/*
 * The text of a token, kept apart from the explorer so that the getters,
 * which take a const explorer, can fill it on demand.
 */
struct token_cache {
	bool tc_valid; /* tc_text is the token of e_tok_ndec, e_tok_ndev */
	char tc_text[4096];
};

/* v in decimal at p, as "%u" writes it; returns the length. */
static size_t
put_dec(char *p, uint32_t v)
{
	char tmp[10];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return (n);
}

/*
 * "2-HHHHHHHH" then "-I.T" for each deviation, as snprintf("%d-%08x") and
 * "-%u.%u" would write them, into buf (len bytes, NUL included); a token
 * that does not fit says so rather than being cut.
 */
static void
token_format(char *buf, size_t len, uint32_t hash, const struct deviation *dev,
    size_t ndev)
{
	static const char hex[] = "0123456789abcdef";
	char piece[1 + 10 + 1 + 10];
	size_t i, off, n;
	int j;

	KASSERT(len > 10, ("%s: buffer of %zu bytes", __func__, len));
	off = put_dec(buf, TOKEN_VERSION);
	buf[off++] = '-';
	for (j = 7; j >= 0; j--)
		buf[off++] = hex[(hash >> (4 * j)) & 0xf];
	for (i = 0; i < ndev; i++) {
		piece[0] = '-';
		n = 1 + put_dec(piece + 1, dev[i].dv_at);
		piece[n++] = '.';
		n += put_dec(piece + n, dev[i].dv_thread);
		if (n >= len - off) {
			/* Too long to print: say so rather than truncate. */
			snprintf(buf, len,
			    "(schedule too long for a token: %zu deviations)",
			    ndev);
			return;
		}
		memcpy(buf + off, piece, n);
		off += n;
	}
	buf[off] = '\0';
}

/* The token now: the decisions and deviations so far. */
static void
token_snapshot(struct shmsim_explorer *e)
{
	e->e_tok_set = true;
	e->e_tok_ndec = e->e_ndec;
	e->e_tok_ndev = e->e_ndev;
	e->e_tc->tc_valid = false;
}

/* The token's text ("" before the run's first par block ended). */
static const char *
token_text(const struct shmsim_explorer *e)
{
	if (!e->e_tok_set)
		return ("");
	if (!e->e_tc->tc_valid) {
		token_format(e->e_tc->tc_text, sizeof(e->e_tc->tc_text),
		    run_hash(e->e_dec, e->e_tok_ndec), e->e_dev, e->e_tok_ndev);
		e->e_tc->tc_valid = true;
	}
	return (e->e_tc->tc_text);
}

static int
token_parse(struct shmsim_explorer *e, const char *tok)
{
	const char *p = tok;
	char *end;
	unsigned long v, t;
	uint32_t prev = 0;

	if (strncmp(p, "1-", 2) == 0)
		e->e_tokversion = 1;
	else if (strncmp(p, "2-", 2) == 0)
		e->e_tokversion = 2;
	else
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

/* ------------------------------------------------------- schedule files */

#define SCHEDULE_MAGIC "# shmsim schedule, format 2"

/* A point as schedule files and messages name it: never a source line. */
static void
point_text(const char *op, const char *what, const char *func, uint32_t occ,
    char *buf, size_t len)
{
	int n;

	if (op == NULL) {
		snprintf(buf, len, "start");
		return;
	}
	n = snprintf(buf, len, "%s", op);
	if (n >= 0 && (size_t)n < len && what != NULL)
		n += snprintf(buf + n, len - (size_t)n, " \"%s\"", what);
	if (n >= 0 && (size_t)n < len && func != NULL)
		n += snprintf(buf + n, len - (size_t)n, " in %s", func);
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " #%u", occ);
}

static void
decision_point_text(const struct decision *d, char *buf, size_t len)
{
	if (d->d_start)
		point_text(NULL, NULL, NULL, 0, buf, len);
	else
		point_text(d->d_op, d->d_what, d->d_func, d->d_occ, buf, len);
}

/* "0 1 3": the actors in mask. */
static void
mask_text(uint16_t mask, char *buf, size_t len)
{
	size_t off = 0;
	int i, n;

	buf[0] = '\0';
	for (i = 0; i < SHMSIM_MAX_ACTORS; i++)
		if ((mask & (1u << i)) != 0) {
			n = snprintf(buf + off, len - off, "%s%d",
			    off == 0 ? "" : " ", i);
			if (n < 0 || (size_t)n >= len - off)
				return;
			off += (size_t)n;
		}
}

/*
 * One decision a line:
 *	N CUR[*] POINT | RUNNABLE -> CHOSEN
 * CUR is the actor at the point ("-" at the start of a block), with "*"
 * when it could go on; RUNNABLE the actors that could run.
 */
static void
decision_line(const struct decision *d, size_t idx, FILE *out)
{
	char pt[256], m[64];

	decision_point_text(d, pt, sizeof(pt));
	mask_text(d->d_mask, m, sizeof(m));
	if (d->d_start)
		fprintf(out, "%zu - %s | %s -> %u\n", idx, pt, m, d->d_chosen);
	else
		fprintf(out, "%zu %u%s %s | %s -> %u\n", idx, d->d_cur,
		    d->d_cur_runnable ? "*" : "", pt, m, d->d_chosen);
}

static void
file_free(struct shmsim_explorer *e)
{
	size_t i;

	for (i = 0; i < e->e_nfile; i++)
		free(e->e_file[i].fd_point);
	free(e->e_file);
	e->e_file = NULL;
	e->e_nfile = e->e_capfile = 0;
}

static int
file_parse_line(struct shmsim_explorer *e, char *line, size_t idx)
{
	struct file_decision *fd;
	char *p = line, *bar, *arrow, *end;
	unsigned long v;

	v = strtoul(p, &end, 10);
	if (end == p || *end != ' ' || v != idx)
		return (EINVAL);
	p = end + 1;
	bar = strstr(p, " | ");
	if (bar == NULL)
		return (EINVAL);
	arrow = strstr(bar, " -> ");
	if (arrow == NULL)
		return (EINVAL);
	if (!grow((void **)&e->e_file, &e->e_capfile, e->e_nfile + 1,
		sizeof(*e->e_file)))
		return (ENOMEM);
	fd = &e->e_file[e->e_nfile];
	memset(fd, 0, sizeof(*fd));
	if (*p == '-') {
		fd->fd_cur = -1;
		p++;
	} else {
		v = strtoul(p, &end, 10);
		if (end == p || v >= SHMSIM_MAX_ACTORS)
			return (EINVAL);
		fd->fd_cur = (int8_t)v;
		p = end;
		if (*p == '*') {
			fd->fd_cur_runnable = 1;
			p++;
		}
	}
	if (*p != ' ' || p + 1 > bar)
		return (EINVAL);
	p++;
	*bar = '\0';
	fd->fd_point = strdup(p);
	if (fd->fd_point == NULL)
		return (ENOMEM);
	e->e_nfile++;
	p = bar + 3;
	*arrow = '\0';
	while (*p != '\0') {
		v = strtoul(p, &end, 10);
		if (end == p || v >= SHMSIM_MAX_ACTORS)
			return (EINVAL);
		fd->fd_mask |= (uint16_t)(1u << v);
		p = end;
		if (*p == ' ')
			p++;
	}
	p = arrow + 4;
	v = strtoul(p, &end, 10);
	if (end == p || *end != '\0' || v >= SHMSIM_MAX_ACTORS ||
	    (fd->fd_mask & (1u << v)) == 0)
		return (EINVAL);
	fd->fd_chosen = (uint8_t)v;
	return (0);
}

/* A schedule file's text: its header, then a decision a line. */
static int
file_parse(struct shmsim_explorer *e, const char *text)
{
	char *copy, *line, *next;
	size_t idx = 0;
	int error = 0;

	if (strncmp(text, SCHEDULE_MAGIC "\n", strlen(SCHEDULE_MAGIC) + 1) != 0)
		return (EINVAL);
	copy = strdup(text);
	if (copy == NULL)
		return (ENOMEM);
	for (line = copy; line != NULL && error == 0; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		error = file_parse_line(e, line, idx++);
	}
	free(copy);
	if (error != 0)
		file_free(e);
	return (error);
}

/* ---------------------------------------------------------------- steps */

/* The observer's call, out of line: most explorations have none. */
static __attribute__((noinline)) void
step_observe(struct shmsim_explorer *e)
{
	struct sim_thread *saved = _curthread_explored;

	e->e_in_obs = true;
	e->e_obs(e->e_obsarg, e);
	e->e_in_obs = false;
	curthread_explored_set(saved);
}

/* Inlined: a preempted thread's step comes before every switch. */
static inline __attribute__((always_inline)) void
step_record(struct shmsim_explorer *e, struct sched_thread *st,
    enum step_event ev, const struct sched_point *at)
{
	struct step *s;

	grow_or_panic((void **)&e->e_steps, &e->e_capsteps, e->e_nsteps + 1,
	    sizeof(*e->e_steps));
	s = &e->e_steps[e->e_nsteps++];
	s->s_actor = st->st_id;
	s->s_name = st->st_name;
	/* Most blocks never label their threads: copy only a label. */
	if (st->st_label[0] == '\0')
		s->s_label[0] = '\0';
	else
		memcpy(s->s_label, st->st_label, sizeof(s->s_label));
	s->s_at = *at;
	s->s_ev = ev;
	/*
	 * Every simulated thread is stopped at a scheduling point here (st
	 * at the one just recorded), and nothing runs until we return: the
	 * observer may look at the kernel through shmsim_explorer_dump().
	 * A panic's step is not observed: the kernel may be torn.
	 */
	if (__predict_false(e->e_obs != NULL) && ev != EV_PANIC && !e->e_in_obs)
		step_observe(e);
}

/* ---------------------------------------------------------------- picking */

#ifdef INVARIANTS
/* The threads that can run, from their states (checks e_runmask). */
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
#endif

/* A thread's state, and the masks of runnable and blocked threads. */
static void
st_set_state(struct shmsim_explorer *e, struct sched_thread *st,
    enum st_state state)
{
	uint16_t bit = (uint16_t)(1u << st->st_id);

	st->st_state = state;
	e->e_runmask &= (uint16_t)~bit;
	e->e_blockmask &= (uint16_t)~bit;
	if (state == ST_RUNNABLE)
		e->e_runmask |= bit;
	else if (state == ST_BLOCKED)
		e->e_blockmask |= bit;
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
	unsigned m = mask & ~(1u << dflt);
	int n = 0;

	out[n++] = dflt;
	for (; m != 0; m &= m - 1)
		out[n++] = __builtin_ctz(m);
	return (n);
}

/*
 * The identity of a point that thread st has reached -- its kind,
 * function and object (the key), and how many such points st has passed
 * in this block (counted by identity, so edits that move code do not
 * change it) -- written into *at with where it is.  The strings come in
 * as arguments, not read back from *at: this runs at every scheduling
 * point.
 */
/*
 * The identity cache's slot for a point's three strings: a multiplicative
 * hash of their addresses.  The string literals of one file lie a few
 * bytes apart, and the shifts and XOR this replaced sent pairs of points
 * that alternate in every schedule (sx_slock of the filedesc and
 * sx_xunlock of the dictionary, the two timestamp mutex operations, ...)
 * to the same slot: 17 % of the points missed and were hashed again.
 */
static inline size_t
idcache_slot(const char *op, const char *what, const char *func)
{
	uint64_t h = (uint64_t)(uintptr_t)op * 0x9e3779b97f4a7c15ull +
	    (uint64_t)(uintptr_t)what * 0xbf58476d1ce4e5b9ull +
	    (uint64_t)(uintptr_t)func * 0x94d049bb133111ebull;

	return ((size_t)(h >> 56));
}

static inline __attribute__((always_inline)) void
point_identify(struct shmsim_explorer *e, struct sched_thread *st,
    struct sched_point *at, const char *op, const char *what, const char *func,
    const char *file, int line)
{
	struct occ_slot *os;
	struct id_slot *ic, *other;
	uint32_t key, occ, gen = e->e_gen;
	size_t i, slot;

	slot = idcache_slot(op, what, func);
	ic = &e->e_idcache[slot];
	if (__predict_false(ic->ic_op != op || ic->ic_what != what ||
		ic->ic_func != func)) {
		other = &e->e_idcache[slot ^ 1];
		if (other->ic_op == op && other->ic_what == what &&
		    other->ic_func == func)
			ic = other;
		else {
			/*
			 * The strings' contents, never their addresses, make
			 * the key.  The entry it displaces, if any, moves to
			 * the neighbour slot.
			 */
			if (ic->ic_op != NULL)
				*other = *ic;
			ic->ic_op = op;
			ic->ic_what = what;
			ic->ic_func = func;
			ic->ic_kind = point_kind(what);
			ic->ic_key = hash_mix(
			    hash_mix(str_id(e, op), str_id(e, ic->ic_kind)),
			    str_id(e, func));
		}
	}
	key = ic->ic_key;
	at->sp_op = op;
	at->sp_what = ic->ic_kind;
	at->sp_func = func;
	at->sp_file = file;
	at->sp_line = line;
	at->sp_key = key;
	slot = key % SCHED_OCC;
	for (i = 0; i < SCHED_OCC; i++) {
		os = &st->st_occ[(slot + i) % SCHED_OCC];
		if (os->os_gen != gen) {
			os->os_gen = gen;
			os->os_key = key;
			os->os_n = 0;
		}
		if (os->os_key == key)
			break;
	}
	if (__predict_true(i < SCHED_OCC))
		occ = ++os->os_n;
	else /* more kinds than slots: count them together */
		occ = ++st->st_occ_over;
	at->sp_occ = occ;
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

static void
diverged(struct shmsim_explorer *e, const char *fmt, ...)
{
	va_list ap;

	if (e->e_diverged)
		return;
	e->e_diverged = true;
	va_start(ap, fmt);
	vsnprintf(e->e_diverged_msg, sizeof(e->e_diverged_msg), fmt, ap);
	va_end(ap);
}

/* REPLAY of a schedule file: the file's choice while the points agree. */
static __attribute__((noinline)) int
file_choose(struct shmsim_explorer *e, size_t idx, const struct decision *d)
{
	const struct file_decision *fd;
	char found[256], fm[64], dm[64];

	if (e->e_diverged)
		return (d->d_dflt);
	decision_point_text(d, found, sizeof(found));
	if (idx >= e->e_nfile) {
		diverged(e,
		    "the model's scheduling points differ from this "
		    "schedule's from decision %zu on: expected the end of "
		    "the run, found %s (actor %u); the run took the default "
		    "choices from there on",
		    idx, found, d->d_cur);
		return (d->d_dflt);
	}
	fd = &e->e_file[idx];
	if (strcmp(fd->fd_point, found) != 0 ||
	    fd->fd_cur != (d->d_start ? -1 : (int)d->d_cur) ||
	    fd->fd_cur_runnable != d->d_cur_runnable ||
	    fd->fd_mask != d->d_mask) {
		mask_text(fd->fd_mask, fm, sizeof(fm));
		mask_text(d->d_mask, dm, sizeof(dm));
		diverged(e,
		    "the model's scheduling points differ from this "
		    "schedule's from decision %zu on: expected %s (actor "
		    "%d%s; could run: %s), found %s (actor %d%s; could run: "
		    "%s); the run took the default choices from there on",
		    idx, fd->fd_point, fd->fd_cur,
		    fd->fd_cur_runnable ? ", could go on" : "", fm, found,
		    d->d_start ? -1 : (int)d->d_cur,
		    d->d_cur_runnable ? ", could go on" : "", dm);
		return (d->d_dflt);
	}
	return (fd->fd_chosen);
}

/*
 * Alternative k of a decision, in alternatives()' order (the default,
 * then the others by number), without listing them: k < popcount(mask).
 */
static inline int
nth_alternative(uint16_t mask, int dflt, unsigned k)
{
	unsigned m = mask & ~(1u << dflt);

	if (k == 0)
		return (dflt);
	while (--k > 0)
		m &= m - 1;
	return (__builtin_ctz(m));
}

/*
 * The alternatives of a decision: its runnable threads, a few bits.  A
 * loop, not __builtin_popcount(): without -mpopcnt that is a call into
 * libgcc, at every decision.
 */
static inline unsigned
nalternatives(uint16_t mask)
{
	unsigned n = 0, m;

	for (m = mask; m != 0; m &= m - 1)
		n++;
	return (n);
}

/* DFS: a replayed decision that differs from the run that recorded it. */
static __attribute__((noinline, cold)) int
dfs_nondeterminism(struct shmsim_explorer *e, size_t idx,
    const struct decision *f, const struct decision *d)
{
	char x[256], y[256];

	decision_point_text(f, x, sizeof(x));
	decision_point_text(d, y, sizeof(y));
	nondeterminism(e,
	    "decision %zu differs from the run that recorded it (the model "
	    "is not deterministic): expected %s, found %s",
	    idx, x, y);
	return (d->d_dflt);
}

/* REPLAY of a token: its departure at idx, if it has one there. */
static __attribute__((noinline)) int
token_choose(struct shmsim_explorer *e, size_t idx, const struct decision *d)
{
	char y[256];

	if (!e->e_diverged && e->e_tokpos < e->e_ntok &&
	    e->e_tok[e->e_tokpos].dv_at == idx) {
		int t = e->e_tok[e->e_tokpos++].dv_thread;

		if ((d->d_mask & (1u << t)) == 0) {
			decision_point_text(d, y, sizeof(y));
			diverged(e,
			    "the model's scheduling points differ from this "
			    "token's by decision %zu: the token runs actor %d "
			    "there, which cannot run at %s; the run took the "
			    "default choices from there on",
			    idx, t, y);
			return (d->d_dflt);
		}
		return (t);
	}
	return (d->d_dflt);
}

/*
 * The strategy's choice at decision idx.  Inlined into sched_pick(), at
 * every decision: the strategies the explorer runs by the thousand
 * (DFS, PCT, random) are handled here without a call or a list of the
 * alternatives; the replays, the byte-driven runs and the reports of
 * nondeterminism are out of line.
 */
static inline __attribute__((always_inline)) int
strategy_choose(struct shmsim_explorer *e, size_t idx, const struct decision *d,
    const struct decision *stored)
{
	unsigned others;
	int i, best;

	switch (e->e_opts.mode) {
	case SHMSIM_SCHED_FIXED:
		return (d->d_dflt);
	case SHMSIM_SCHED_DFS:
		if (idx < e->e_nforced) {
			const struct decision *f = &e->e_forced[idx];

			if (__predict_false(!decision_is(f, d->d_mask, d->d_cur,
				d->d_cur_runnable, d->d_start, d->d_key,
				d->d_occ)))
				return (dfs_nondeterminism(e, idx, f, stored));
			return (f->d_chosen);
		}
		return (d->d_dflt);
	case SHMSIM_SCHED_REPLAY:
		if (e->e_file != NULL)
			return (file_choose(e, idx, stored));
		return (token_choose(e, idx, stored));
	case SHMSIM_SCHED_BYTES:
		if (e->e_bytepos < e->e_opts.nbytes)
			return (nth_alternative(d->d_mask, d->d_dflt,
			    e->e_opts.bytes[e->e_bytepos++] %
				nalternatives(d->d_mask)));
		return (d->d_dflt);
	case SHMSIM_SCHED_RANDOM:
		others = d->d_mask & ~(1u << d->d_dflt);
		if ((others & (others - 1)) == 0)
			/*
			 * Two alternatives, most random decisions: the draw
			 * sched_rand_below(e, 2) makes, without its tests.
			 */
			return ((sched_rand(e) & 1) != 0 ?
				__builtin_ctz(others) :
				d->d_dflt);
		return (nth_alternative(d->d_mask, d->d_dflt,
		    (unsigned)sched_rand_below(e,
			(uint64_t)nalternatives(d->d_mask))));
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
 * sched_pick() with what its callers know: the thread at the point (cur,
 * NULL at the start of a block), whether it could go on, and the point
 * (NULL at the start).  Inlined into each caller, where these are
 * constants: at a scheduling point the thread is running, and there is
 * a point.
 */
static inline __attribute__((always_inline)) struct sched_thread *
sched_pick_at(struct shmsim_explorer *e, const struct sched_thread *cur,
    bool cur_runnable, const struct sched_point *at)
{
	struct decision nd, *d;
	uint16_t mask = e->e_runmask;
	int chosen, dflt;
	size_t idx;

	KASSERT(mask == runnable_mask(e),
	    ("%s: runnable mask %#x, threads say %#x", __func__, mask,
		runnable_mask(e)));
	e->e_points++;
	if (mask == 0)
		return (NULL);
	dflt = cur_runnable ? cur->st_id : lowest(mask);
	if ((mask & (mask - 1)) == 0)
		return (&e->e_threads[dflt]);

	/*
	 * A decision: recorded with what identifies it (decision_sig(),
	 * hashed only when a token or a replay needs it).
	 */
	idx = e->e_ndec;
	grow_or_panic((void **)&e->e_dec, &e->e_capdec, idx + 1,
	    sizeof(*e->e_dec));
	/*
	 * The strategy reads the local copy, never the stored one: the
	 * stores are a byte or two wide, and DFS compares the head of a
	 * decision as one 8-byte load, which the CPU cannot forward from
	 * narrower stores (a stall at every replayed decision, 15 % of the
	 * DFS row's samples).  Only the out-of-line paths see the stored
	 * decision.
	 */
	nd.d_mask = mask;
	nd.d_cur = (uint8_t)(cur != NULL ? cur->st_id : 0);
	nd.d_cur_runnable = cur_runnable;
	nd.d_dflt = (uint8_t)dflt;
	nd.d_chosen = (uint8_t)dflt;
	nd.d_start = at == NULL;
	nd.d_preempts = e->e_preempts;
	nd.d_key = at != NULL ? at->sp_key : 0;
	nd.d_op = at != NULL ? at->sp_op : NULL;
	nd.d_what = at != NULL ? at->sp_what : NULL;
	nd.d_func = at != NULL ? at->sp_func : NULL;
	nd.d_occ = at != NULL ? at->sp_occ : 0;
	d = &e->e_dec[idx];
	*d = nd;
	chosen = e->e_opts.mode == SHMSIM_SCHED_FIXED ?
	    dflt :
	    strategy_choose(e, idx, &nd, d);
	d->d_chosen = (uint8_t)chosen;
	e->e_ndec = idx + 1;
	if (chosen != dflt) {
		grow_or_panic((void **)&e->e_dev, &e->e_capdev, e->e_ndev + 1,
		    sizeof(*e->e_dev));
		e->e_dev[e->e_ndev].dv_at = (uint32_t)idx;
		e->e_dev[e->e_ndev].dv_thread = (uint8_t)chosen;
		e->e_ndev++;
		if (cur_runnable)
			e->e_preempts++;
	}
	return (&e->e_threads[chosen]);
}

/*
 * Who runs next after `cur` passed a point (cur may be blocked or done).
 * NULL: nobody can run.
 */
static struct sched_thread *
sched_pick(struct shmsim_explorer *e, struct sched_thread *cur,
    const struct sched_point *at)
{
	return (sched_pick_at(e, cur,
	    cur != NULL && cur->st_state == ST_RUNNABLE, at));
}

static void
sched_switch(struct shmsim_explorer *e, struct sched_thread *from,
    struct sched_thread *to, bool dying)
{
	struct fiber *ff = from != NULL ? &from->st_fiber : &e->e_host;

	e->e_switches++;
	if (to == NULL) {
		curthread_explored_set(NULL);
		fiber_switch(ff, &e->e_host, dying);
		return;
	}
	curthread_explored_set(&to->st_td);
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

/*
 * A point where another thread could run or be woken: identified, and
 * perhaps a decision and a switch.  Out of line, and tail-called, so
 * that the points of a thread left alone in its block do not pay for
 * this frame's registers.
 */
static __attribute__((noinline)) void
sched_point_decide(struct sched_thread *st, const char *op, const char *what,
    const char *func, const char *file, int line)
{
	struct shmsim_explorer *e = st->st_e;
	struct sched_thread *next;

	/* The thread is running: it can go on. */
	KASSERT(st->st_state == ST_RUNNABLE,
	    ("%s: %s at a point while not runnable", __func__, st->st_name));
	point_identify(e, st, &st->st_last, op, what, func, file, line);
	st->st_last_raw = false;
	next = sched_pick_at(e, st, true, &st->st_last);
	if (next != st) {
		step_record(e, st, EV_PREEMPTED, &st->st_last);
		sched_switch(e, st, next, false);
	}
}

void
sched_point_slow(struct sim_thread *td, const char *op, const char *what,
    const char *func, const char *file, int line)
{
	struct sched_thread *st = td->td_sched;
	struct shmsim_explorer *e = st->st_e;

	if (e->e_runmask == (1u << st->st_id) && e->e_blockmask == 0) {
		/*
		 * Every other thread of the block has finished: no decision
		 * can come before the block ends (only the threads of a
		 * block run in it, and a finished one never runs again), so
		 * this point's identity -- its key and occurrence, which only
		 * decisions use -- would never be read.  The point is counted
		 * and kept, as passed, for a panic's step list
		 * (sched_panic_hook() names its kind).
		 */
		e->e_points++;
		st->st_last.sp_op = op;
		st->st_last.sp_what = what;
		st->st_last.sp_func = func;
		st->st_last.sp_file = file;
		st->st_last.sp_line = line;
		st->st_last_raw = true;
		return;
	}
	sched_point_decide(st, op, what, func, file, line);
}

void
sched_sleep(struct sim_thread *td, const void *chan, const char *wmesg,
    const char *func, const char *file, int line)
{
	struct sched_thread *st = td->td_sched;
	struct shmsim_explorer *e = st->st_e;

	st_set_state(e, st, ST_BLOCKED);
	st->st_chan = chan;
	point_identify(e, st, &st->st_wait, "sleep", wmesg, func, file, line);
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
	if (e->e_blockmask == 0)
		return;
	for (i = 0; i < e->e_nthreads; i++) {
		struct sched_thread *st = &e->e_threads[i];

		if (st->st_state == ST_BLOCKED && st->st_chan == chan) {
			st_set_state(e, st, ST_RUNNABLE);
			st->st_chan = NULL;
		}
	}
}

static void
sched_thread_main(void *arg)
{
	struct sched_thread *st = arg;
	struct shmsim_explorer *e = st->st_e;
	struct sched_point done;

	st->st_fn(st->st_arg);
	KASSERT(st->st_td.td_nheld == 0,
	    ("%s: %s finished holding %d locks", __func__, st->st_name,
		st->st_td.td_nheld));
	st_set_state(e, st, ST_DONE);
	point_identify(e, st, &done, "finished", NULL, NULL, NULL, 0);
	step_record(e, st, EV_DONE, &done);
	sched_leave(e, st, &done, true);
	panic("%s: a finished thread was resumed", __func__);
}

void
sched_panic_hook(const char *msg)
{
	struct shmsim_explorer *e = explorer_active;
	char *text = NULL;
	size_t len = 0;
	FILE *f, *out;

	if (e == NULL)
		return;
	explorer_active = NULL;
	/* The stretch of the thread that panicked ends here. */
	if (_curthread_explored != NULL &&
	    _curthread_explored->td_sched != NULL) {
		struct sched_thread *st = _curthread_explored->td_sched;

		if (st->st_last_raw) {
			/* As point_identify() names it. */
			st->st_last.sp_what = point_kind(st->st_last.sp_what);
			st->st_last_raw = false;
		}
		if (grow((void **)&e->e_steps, &e->e_capsteps, e->e_nsteps + 1,
			sizeof(*e->e_steps)))
			step_record(e, st, EV_PANIC, &st->st_last);
	}
	curthread_explored_set(NULL);
	token_snapshot(e);
	out = e->e_opts.panic_fn != NULL ? open_memstream(&text, &len) : NULL;
	if (out == NULL)
		out = stderr;
	fprintf(out, "panic: %s\n", msg);
	fprintf(out, "schedule: %s\n", token_text(e));
	if (e->e_opts.save_schedule != NULL && e->e_opts.panic_fn != NULL)
		/* The caller saves it (shmsim_explorer_save()). */
		fprintf(out, "schedule saved in %s\n", e->e_opts.save_schedule);
	else if (e->e_opts.save_schedule != NULL) {
		f = fopen(e->e_opts.save_schedule, "w");
		if (f != NULL &&
		    shmsim_explorer_save(e, e->e_opts.scenario, f) == 0 &&
		    fclose(f) == 0)
			fprintf(out, "schedule saved in %s\n",
			    e->e_opts.save_schedule);
		else {
			if (f != NULL)
				(void)fclose(f);
			fprintf(out, "%s: the schedule could not be saved\n",
			    e->e_opts.save_schedule);
		}
	}
	shmsim_explorer_steps_max(e, out, e->e_opts.steps_max);
	if (out != stderr && fclose(out) == 0 && text != NULL)
		e->e_opts.panic_fn(e->e_opts.panic_arg, e, text);
	fflush(stderr);
	if (e->e_opts.panic_status != 0)
		_exit(e->e_opts.panic_status);
	abort();
}

/* ------------------------------------------------------------- sharding */

/*
 * A DFS schedule's group: its first two departures from the default,
 * (decision, actor) each, encoded so that groups sort in DFS order: a
 * departure later in the run comes first (before it, the other schedule
 * departs and this one takes the default), then the lower actor; no
 * departure sorts before any.
 */
#define DEV_POS_MAX ((1u << 27) - 1)

static uint64_t
dev_code(size_t at, unsigned thread)
{
	uint64_t p = at > DEV_POS_MAX ? DEV_POS_MAX : at;

	return ((((uint64_t)DEV_POS_MAX - p) << 4 | thread) + 1);
}

static bool
shard_owns(const struct shmsim_explorer *e, uint64_t order)
{
	if (e->e_opts.nshards <= 1)
		return (true);
	if (e->e_opts.mode == SHMSIM_SCHED_DFS)
		order = mix64(order ^ 0x5ca1ab1e5ca1ab1eull);
	return (order % e->e_opts.nshards == e->e_opts.shard);
}

/* The group of the schedule that e_forced[0 .. n) and defaults make. */
static uint64_t
dfs_order(const struct decision *d, size_t n)
{
	uint64_t key = 0;
	unsigned found = 0;
	size_t i;

	for (i = 0; i < n && found < 2; i++)
		if (d[i].d_chosen != d[i].d_dflt) {
			key |= dev_code(i, d[i].d_chosen)
			    << (found == 0 ? 32 : 0);
			found++;
		}
	return (key);
}

/* ---------------------------------------------------------------- API */

static bool
opts_valid(const struct shmsim_explore_opts *o)
{
	return (o != NULL && o->mode <= SHMSIM_SCHED_BYTES &&
	    (o->mode != SHMSIM_SCHED_PCT ||
		(o->depth >= 1 && o->depth <= 64)) &&
	    (o->mode != SHMSIM_SCHED_REPLAY || o->token != NULL ||
		o->schedule != NULL) &&
	    (o->mode != SHMSIM_SCHED_BYTES || o->bytes != NULL ||
		o->nbytes == 0) &&
	    (o->nshards <= 1 || o->shard < o->nshards));
}

/*
 * Every field an exploration reads before it writes, as a new explorer
 * has it; what an explorer keeps from one exploration to the next (the
 * fiber stacks, the record buffers with their capacity, the caches of
 * the strings' hashes and of the points' identities, which depend on the
 * strings alone, and the occurrence tables, stale by e_gen) is left.
 * Then the token or schedule file of a replay is parsed.
 */
static int
explorer_start(struct shmsim_explorer *e, const struct shmsim_explore_opts *o)
{
	e->e_opts = *o;
	e->e_opts.token = NULL;
	e->e_opts.schedule = NULL;
	e->e_nthreads = 0;
	fiber_init_host(&e->e_host);
	e->e_in_run = e->e_in_par = e->e_started = false;
	e->e_par_error = 0;
	e->e_report = NULL;
	e->e_reportlen = 0;
	e->e_ndec = e->e_nsteps = e->e_ndev = 0;
	e->e_runmask = e->e_blockmask = 0;
	e->e_preempts = 0;
	e->e_points = e->e_switches = 0;
	e->e_nondet = false;
	e->e_nondet_msg[0] = '\0';
	e->e_tok_set = false;
	e->e_tok_ndec = e->e_tok_ndev = 0;
	e->e_tc->tc_valid = false;
	e->e_nforced = 0;
	e->e_exhausted = false;
	e->e_ntok = e->e_tokpos = 0;
	e->e_tokhash = 0;
	e->e_tokversion = 0;
	file_free(e);
	e->e_diverged = false;
	e->e_diverged_msg[0] = '\0';
	e->e_bytepos = 0;
	e->e_ncp = 0;
	e->e_rng = o->seed;
	e->e_pct_k = 0;
	e->e_index = e->e_next_index = e->e_order = 0;
	e->e_owned = false;
	memset(&e->e_stats, 0, sizeof(e->e_stats));
	e->e_obs = NULL;
	e->e_obsarg = NULL;
	e->e_in_obs = false;
	if (o->mode == SHMSIM_SCHED_REPLAY)
		return (o->schedule != NULL ? file_parse(e, o->schedule) :
					      token_parse(e, o->token));
	return (0);
}

int
shmsim_explorer_create(const struct shmsim_explore_opts *o,
    struct shmsim_explorer **ep)
{
	struct shmsim_explorer *e;
	int error;

	*ep = NULL;
	if (!opts_valid(o))
		return (EINVAL);
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return (ENOMEM);
	e->e_tc = calloc(1, sizeof(*e->e_tc));
	if (e->e_tc == NULL) {
		free(e);
		return (ENOMEM);
	}
	error = explorer_start(e, o);
	if (error != 0) {
		shmsim_explorer_destroy(e);
		return (error);
	}
	*ep = e;
	return (0);
}

int
shmsim_explorer_reset(struct shmsim_explorer *e,
    const struct shmsim_explore_opts *o)
{
	int i;

	if (!opts_valid(o) || e->e_in_run || e->e_in_par)
		return (EINVAL);
	if (explorer_active == e)
		explorer_active = NULL;
	/*
	 * A block that ended in a deadlock left its threads' frames on
	 * their stacks, never to return: under AddressSanitizer their
	 * poisoned redzones would stay.  New stacks, as a new explorer
	 * would have.
	 */
	if (e->e_stacks_abandoned) {
		for (i = 0; i < e->e_nalloc; i++)
			fiber_free(&e->e_threads[i].st_fiber);
		e->e_nalloc = 0;
		e->e_stacks_abandoned = false;
	}
	return (explorer_start(e, o));
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
	file_free(e);
	free(e->e_tc);
	free(e);
}

bool
shmsim_explorer_begin(struct shmsim_explorer *e)
{
	uint64_t i;
	unsigned c;

	KASSERT(!e->e_in_run, ("%s: a run is in progress", __func__));
	e->e_owned = true;
	e->e_order = 0;
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
		e->e_order = dfs_order(e->e_forced, e->e_nforced);
		e->e_owned = shard_owns(e, e->e_order);
		break;
	case SHMSIM_SCHED_PCT:
	case SHMSIM_SCHED_RANDOM:
		/*
		 * Run i depends on the seed and i alone, so that shards and
		 * workers make the same runs as one explorer.  PCT's run 0
		 * measures the decisions its change points fall among; every
		 * shard makes it.
		 */
		i = e->e_next_index;
		if (e->e_opts.mode != SHMSIM_SCHED_PCT || i != 0)
			while (!shard_owns(e, i))
				i++;
		if (e->e_opts.runs != 0 && i >= e->e_opts.runs)
			return (false);
		e->e_index = i;
		e->e_next_index = i + 1;
		e->e_order = i;
		e->e_owned = shard_owns(e, i);
		e->e_rng = mix64(e->e_opts.seed ^ mix64(i + 1));
		e->e_ncp = 0;
		if (e->e_opts.mode == SHMSIM_SCHED_PCT && i != 0)
			for (c = 0; c + 1 < e->e_opts.depth; c++)
				e->e_cp[e->e_ncp++] =
				    sched_rand_below(e, e->e_pct_k);
		break;
	}
	e->e_started = true;
	e->e_in_run = true;
	e->e_ndec = e->e_nsteps = e->e_ndev = 0;
	e->e_preempts = 0;
	e->e_points = e->e_switches = 0;
	e->e_nondet = false;
	e->e_nondet_msg[0] = '\0';
	e->e_diverged = false;
	e->e_diverged_msg[0] = '\0';
	e->e_tokpos = 0;
	e->e_bytepos = 0;
	e->e_tok_set = false;
	e->e_stats.runs++;
	explorer_active = e;
	return (true);
}

bool
shmsim_explorer_owned(const struct shmsim_explorer *e, uint64_t *order)
{
	if (order != NULL)
		*order = e->e_order;
	return (e->e_owned);
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
	/* The host is the thread running this block, whichever it is (an
	 * explorer may be made on one thread and used on another). */
	fiber_init_host(&e->e_host);
	e->e_in_par = true;
	e->e_par_error = 0;
	e->e_report = report;
	e->e_reportlen = reportlen;
	e->e_nthreads = n;
	e->e_runmask = (uint16_t)((1u << n) - 1);
	e->e_blockmask = 0;
	/* Occurrences count from 1 again in each block. */
	if (++e->e_gen == 0) {
		for (i = 0; i < SHMSIM_MAX_ACTORS; i++)
			memset(e->e_threads[i].st_occ, 0,
			    sizeof(e->e_threads[i].st_occ));
		e->e_gen = 1;
	}
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
		st->st_occ_over = 0;
		memset(&st->st_last, 0, sizeof(st->st_last));
		st->st_last_raw = false;
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
	curthread_explored_set(NULL);
	e->e_in_par = false;
	e->e_report = NULL;
	e->e_reportlen = 0;
	token_snapshot(e);
	if (e->e_par_error != 0) {
		e->e_stacks_abandoned = true;
		return (e->e_par_error);
	}
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
	size_t k, p0 = SIZE_MAX, p1 = SIZE_MAX;
	uint64_t key;

	/* The run's first two departures, for the shards' groups. */
	for (k = 0; k < e->e_ndec && p1 == SIZE_MAX; k++)
		if (e->e_dec[k].d_chosen != e->e_dec[k].d_dflt) {
			if (p0 == SIZE_MAX)
				p0 = k;
			else
				p1 = k;
		}
	for (k = e->e_ndec; k-- > 0;) {
		const struct decision *d = &e->e_dec[k];
		unsigned rest;

		/*
		 * The alternatives not tried yet: those after the chosen one
		 * in alternatives()' order (the default, then the others by
		 * number).  Each costs a preemption when the actor at the
		 * point could go on (the default is that actor).  Most
		 * decisions, scanned from the end, have none within the
		 * bound: skip them without listing their alternatives.
		 */
		rest = d->d_mask & ~(1u << d->d_dflt);
		if (d->d_chosen != d->d_dflt)
			rest &= ~((2u << d->d_chosen) - 1);
		if (rest == 0 ||
		    (d->d_cur_runnable &&
			d->d_preempts + 1 > e->e_opts.preemptions))
			continue;
		n = alternatives(d->d_mask, d->d_dflt, alts);
		for (i = 0; i < n; i++)
			if (alts[i] == d->d_chosen)
				break;
		for (i++; i < n; i++) {
			unsigned cost =
			    d->d_cur_runnable && alts[i] != d->d_cur ? 1 : 0;

			if (d->d_preempts + cost > e->e_opts.preemptions)
				continue;
			if (e->e_opts.nshards <= 1 || p0 == SIZE_MAX || p0 >= k)
				break;
			/*
			 * Two departures fix the group of every schedule
			 * under this choice: skip it when another shard
			 * owns that group.
			 */
			key = dev_code(p0, e->e_dec[p0].d_chosen) << 32 |
			    (p1 < k ? dev_code(p1, e->e_dec[p1].d_chosen) :
				      dev_code(k, (unsigned)alts[i]));
			if (shard_owns(e, key))
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
	char x[256];
	int error = 0;

	if (report != NULL && reportlen > 0)
		report[0] = '\0';
	KASSERT(e->e_in_run, ("%s: no run in progress", __func__));
	e->e_in_run = false;
	if (explorer_active == e)
		explorer_active = NULL;
	token_snapshot(e);
	if (failed)
		e->e_stats.failed++;
	if (e->e_points > e->e_stats.max_points)
		e->e_stats.max_points = e->e_points;
	if (e->e_opts.mode == SHMSIM_SCHED_PCT && e->e_index == 0)
		e->e_pct_k = e->e_ndec > 0 ? e->e_ndec : 1;
	if (e->e_opts.mode == SHMSIM_SCHED_REPLAY && !e->e_diverged) {
		if (e->e_file != NULL) {
			if (e->e_ndec < e->e_nfile)
				diverged(e,
				    "the model's scheduling points differ from "
				    "this schedule's from decision %zu on: "
				    "expected %s, found the end of the run",
				    e->e_ndec, e->e_file[e->e_ndec].fd_point);
		} else if (e->e_tokpos != e->e_ntok)
			diverged(e,
			    "the model's scheduling points differ from this "
			    "token's: the run ended after %zu decisions, "
			    "before decision %u of the token",
			    e->e_ndec, e->e_tok[e->e_tokpos].dv_at);
		else if (e->e_tokversion >= 2 &&
		    run_hash(e->e_dec, e->e_ndec) != e->e_tokhash)
			diverged(e,
			    "the model's scheduling points differ from this "
			    "token's (its hash is %08x, this run's %08x); a "
			    "token cannot tell from which decision on, a "
			    "schedule file (--save-schedule) can",
			    e->e_tokhash, run_hash(e->e_dec, e->e_ndec));
	}
	if (e->e_opts.mode == SHMSIM_SCHED_DFS && !e->e_nondet &&
	    e->e_ndec < e->e_nforced) {
		decision_point_text(&e->e_forced[e->e_ndec], x, sizeof(x));
		nondeterminism(e,
		    "the run ended after %zu decisions; the previous run "
		    "had at least %zu there (expected %s)",
		    e->e_ndec, e->e_nforced, x);
	}
	if (e->e_nondet) {
		if (report != NULL && reportlen > 0)
			snprintf(report, reportlen, "nondeterminism: %s",
			    e->e_nondet_msg);
		error = EIO;
	} else if (e->e_diverged) {
		if (report != NULL && reportlen > 0)
			snprintf(report, reportlen, "%s", e->e_diverged_msg);
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
shmsim_explorer_diverged(const struct shmsim_explorer *e)
{
	return (e->e_diverged ? e->e_diverged_msg : NULL);
}

const char *
shmsim_explorer_token(const struct shmsim_explorer *e)
{
	return (token_text(e));
}

int
shmsim_explorer_save(const struct shmsim_explorer *e, const char *scenario,
    FILE *out)
{
	size_t i;

	fprintf(out, "%s\n", SCHEDULE_MAGIC);
	fprintf(out, "# scenario: %s\n", scenario != NULL ? scenario : "-");
	fprintf(out, "# token: %s\n", token_text(e));
	fprintf(out, "# %zu decisions, %zu departing from the default\n",
	    e->e_ndec, e->e_ndev);
	fprintf(out,
	    "# replay: shmsim explore --replay THIS-FILE SCENARIO\n"
	    "# One decision a line: its number, the actor at the point (* "
	    "when it\n"
	    "# could go on, - at the start of a par block), the point "
	    "(kind, lock or\n"
	    "# count, function, occurrence in that actor), | the actors "
	    "that could run\n"
	    "# -> the one that ran.\n");
	for (i = 0; i < e->e_ndec; i++)
		decision_line(&e->e_dec[i], i, out);
	return (ferror(out) ? EIO : 0);
}

static void
step_print(const struct step *s, size_t i, FILE *out)
{
	static const char *const ev_names[] = {
		[EV_PREEMPTED] = "preempted",
		[EV_BLOCKED] = "blocked",
		[EV_DONE] = "finished",
		[EV_PANIC] = "panicked, last point",
	};
	const char *label = s->s_label[0] != '\0' ? s->s_label : "-";

	if (s->s_ev == EV_DONE)
		fprintf(out, "  %3zu. %s: %s -- finished\n", i + 1, s->s_name,
		    label);
	else if (s->s_at.sp_op == NULL)
		fprintf(out,
		    "  %3zu. %s: %s -- %s: none (panicked at the start)\n",
		    i + 1, s->s_name, label, ev_names[s->s_ev]);
	else
		fprintf(out,
		    "  %3zu. %s: %s -- %s at %s \"%s\" in %s @ %s:%d\n", i + 1,
		    s->s_name, label, ev_names[s->s_ev], s->s_at.sp_op,
		    s->s_at.sp_what != NULL ? s->s_at.sp_what : "",
		    s->s_at.sp_func != NULL ? s->s_at.sp_func : "?",
		    short_file(s->s_at.sp_file), s->s_at.sp_line);
}

void
shmsim_explorer_steps_max(const struct shmsim_explorer *e, FILE *out,
    size_t max)
{
	size_t i, head, tail;

	if (max == 0 || e->e_nsteps <= max) {
		for (i = 0; i < e->e_nsteps; i++)
			step_print(&e->e_steps[i], i, out);
		return;
	}
	head = max / 2;
	tail = max - head;
	for (i = 0; i < head; i++)
		step_print(&e->e_steps[i], i, out);
	fprintf(out, "  ... %zu steps left out ...\n", e->e_nsteps - max);
	for (i = e->e_nsteps - tail; i < e->e_nsteps; i++)
		step_print(&e->e_steps[i], i, out);
}

void
shmsim_explorer_steps(const struct shmsim_explorer *e, FILE *out)
{
	shmsim_explorer_steps_max(e, out, 0);
}

void
shmsim_explorer_observe(struct shmsim_explorer *e, shmsim_step_observer_fn *fn,
    void *arg)
{
	e->e_obs = fn;
	e->e_obsarg = arg;
}

int
shmsim_explorer_last_step(const struct shmsim_explorer *e,
    struct shmsim_explore_step *out)
{
	static const char *const ev_names[] = {
		[EV_PREEMPTED] = "preempted",
		[EV_BLOCKED] = "blocked",
		[EV_DONE] = "finished",
		[EV_PANIC] = "panicked",
	};
	const struct step *s;

	if (e->e_nsteps == 0)
		return (ENOENT);
	s = &e->e_steps[e->e_nsteps - 1];
	memset(out, 0, sizeof(*out));
	out->index = e->e_nsteps;
	out->actor = s->s_actor;
	out->name = s->s_name;
	out->label = s->s_label;
	out->event = ev_names[s->s_ev];
	out->preempted = s->s_ev == EV_PREEMPTED;
	if (s->s_ev != EV_DONE) {
		out->op = s->s_at.sp_op;
		out->what = s->s_at.sp_what;
		out->file = s->s_at.sp_file != NULL ?
		    short_file(s->s_at.sp_file) :
		    NULL;
		out->line = s->s_at.sp_line;
	}
	return (0);
}

void
shmsim_explorer_threads(const struct shmsim_explorer *e, FILE *out)
{
	static const char *const st_names[] = {
		[ST_RUNNABLE] = "runnable",
		[ST_BLOCKED] = "blocked",
		[ST_DONE] = "finished",
	};
	int i, j;

	if (!e->e_in_par)
		return;
	for (i = 0; i < e->e_nthreads; i++) {
		const struct sched_thread *st = &e->e_threads[i];

		fprintf(out, "%s\t%s\t%s\t", st->st_name,
		    st_names[st->st_state], st->st_label);
		for (j = 0; j < st->st_td.td_nheld; j++) {
			const struct held_lock *h = &st->st_td.td_held[j];

			fprintf(out, "%s\"%s\" (%s) @ %s:%d", j > 0 ? "; " : "",
			    h->hl_lock->lo_name,
			    lock_class_name(h->hl_lock->lo_class),
			    short_file(h->hl_file), h->hl_line);
		}
		fputc('\t', out);
		if (st->st_state == ST_BLOCKED)
			fprintf(out, "\"%s\" (%s) @ %s:%d",
			    st->st_wait.sp_what != NULL ? st->st_wait.sp_what :
							  "",
			    st->st_wait.sp_op, short_file(st->st_wait.sp_file),
			    st->st_wait.sp_line);
		fputc('\n', out);
	}
}

int
shmsim_explorer_dump(struct shmsim_explorer *e, struct shmsim_kernel *k,
    FILE *out, int format, const char *title)
{
	if (!e->e_in_obs)
		return (EINVAL);
	return (shmsim_dump_unlocked(k, out, (enum shmsim_dump_format)format,
	    title));
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
