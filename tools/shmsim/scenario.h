/*
 * The scenario language (../shared/spec/scenario-language.md, version 1):
 * parsed into a list of statements, then run against one fresh kernel.
 */
#ifndef SHMSIM_SCENARIO_H
#define SHMSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "shmsim.h"
#include "shmsim_explore.h"

/* Limits that keep any input from hanging or exhausting the host. */
#define SC_MAX_LINE (64 * 1024)		 /* bytes in one line */
#define SC_MAX_STRING (16 * 1024 * 1024) /* bytes in one string value */
#define SC_MAX_ARGS 8
#define SC_MAX_TERMS 256 /* terms in one expression */
#define SC_MAX_NAME 63

/* Special user addresses as integers. */
#define SC_ADDR_SHM_ANON 1
#define SC_ADDR_BADPTR ((int64_t)0xbad0bad0)

/* One term of an expression, as written. */
enum sc_term_kind {
	T_INT,	  /* literal integer */
	T_CONST,  /* named constant; PAGE_SIZE resolved at run time */
	T_VAR,	  /* variable bound by -> NAME */
	T_STRING, /* string literal, already repeated (s*N) */
};

struct sc_term {
	enum sc_term_kind kind;
	char op; /* operator before this term: 0 for the first, '|', '+', '-' */
	int64_t ival;
	char *sval; /* T_STRING bytes, T_VAR/T_CONST name */
	size_t slen;
	int col;
};

struct sc_expr {
	struct sc_term *terms;
	int nterms;
	int col;
};

/* The value of an expression. */
struct sc_value {
	bool is_str;
	int64_t i;
	const char *s; /* borrowed or owned by the caller's buffer */
	size_t len;
	char *owned;
};

enum sc_expect_kind {
	E_IMPLICIT, /* no =>: success */
	E_OK,
	E_ERRNO,
	E_SIGNAL,
	E_VALUE, /* expression: integer or string */
	E_KEYS,	 /* KEY=VALUE pairs (fstat, state) */
};

struct sc_keyval {
	char *key;
	struct sc_expr val;
	char *word; /* bare word value (fstat type=reg) */
	int col;
};

struct sc_expect {
	enum sc_expect_kind kind;
	int err;    /* E_ERRNO */
	int sig;    /* E_SIGNAL */
	char *name; /* errno or signal name as written */
	struct sc_expr val;
	struct sc_keyval *keys;
	int nkeys;
	int col;
	/*
	 * "=> A or B or ...": the alternatives after the first (par blocks
	 * only); the expectation is met when any alternative is.
	 */
	struct sc_expect *alts;
	int nalts;
};

enum sc_stmt_kind {
	S_CONFIG,
	S_JAIL,
	S_SPAWN,
	S_FORK,
	S_EXIT,
	S_CALL,
	S_AUDIT,
	S_STATE,
	S_PAGEOUT,
	S_DUMP,
	S_NOTE,	  /* a "##" narration line, echoed in the trace */
	S_FAULT,  /* fault SITE NTH [once|always]: an extension (fuzz
		     reproducers) that arms the model's fault plan */
	S_THREAD, /* thread T of P: proc T, proc2 P */
	S_PAR,	  /* par: the start of a block, whose statements follow */
	S_END,	  /* end: the end of the block that par_start starts */
};

/* The pseudo-actor of "pagedaemon: pageout [N]" (par blocks). */
#define SC_PAGEDAEMON "pagedaemon"

struct sc_stmt {
	enum sc_stmt_kind kind;
	int line;
	char *text; /* the source line, trimmed, for the trace */
	/* S_SPAWN/S_FORK/S_EXIT/S_CALL: process names. */
	char *proc, *proc2;
	/* S_CALL */
	int call; /* index into sc_calls[] */
	struct sc_expr args[SC_MAX_ARGS];
	int nargs;
	char *bind; /* -> VAR */
	struct sc_expect expect;
	/* S_SPAWN and S_CONFIG options */
	struct shmsim_cred cred;
	char *jail;
	struct shmsim_config cfg;
	bool cfg_set;
	/* S_PAGEOUT */
	bool has_n;
	struct sc_expr n;
	/* S_DUMP */
	bool dot;
	/* S_FAULT: shmsim_fault_set(site, nth, always) */
	int fault_site;
	uint64_t fault_nth;
	bool fault_always;
	/*
	 * Par blocks.  S_PAR: the block's actors (process, thread or
	 * "pagedaemon" names) in order of first appearance, and the index
	 * of its S_END in the script.  S_END: the index of its S_PAR.
	 * Inside a block (S_CALL, S_PAGEOUT of the pagedaemon, S_NOTE):
	 * in_par, and actor, the index of the statement's actor.
	 */
	char **actors;
	int nactors;
	int par_end, par_start;
	bool in_par;
	int actor;
};

struct sc_script {
	char *file;
	struct sc_stmt *stmts;
	int nstmts;
	struct shmsim_config cfg; /* from the config statements */
	int npar;		  /* par blocks */
};

/* The calls of the language. */
enum sc_argkind {
	A_INT,	/* an integer expression */
	A_PATH, /* a path or name: string, NULL, SHM_ANON, BADPTR */
	A_DATA, /* bytes: string or BADPTR */
	A_PROC, /* a process name */
};

struct sc_call {
	const char *name;
	int min_args, max_args;
	enum sc_argkind args[SC_MAX_ARGS];
	bool returns_bytes; /* read, pread, load */
	bool is_fstat;
	bool supported; /* false: ENOSYS until its issue lands */
};

extern const struct sc_call sc_calls[];
int sc_call_lookup(const char *name);

/* A constant of the language, or false. */
bool sc_const_lookup(const char *name, int64_t *valuep);
bool sc_is_const_name(const char *name);

/* parse.c: parse buf (len bytes) named file; false on a syntax error,
 * which has been printed as FILE:LINE:COLUMN: error: ... */
bool sc_parse(const char *file, const char *buf, size_t len,
    struct sc_script *sc);
void sc_script_free(struct sc_script *sc);
bool sc_expr_is_string(const struct sc_expr *e);

/* run.c */

/*
 * Hooks for a program that watches a run statement by statement (the
 * fault loop, tests/fault_loop.c).  Any of them may be NULL.
 *
 *	start	the kernel has just been created; no statement has run.
 *	before	just before a statement runs; for a call statement, p is the
 *		calling process and args its evaluated arguments (indexed
 *		as the call's parameters; A_PROC slots are unset), or both
 *		are NULL when an unbound variable keeps the call from
 *		running.  For any other statement both are NULL.
 *	after	after it ran and its expectation was checked and counted
 *		(before the next statement), with the same p and args;
 *		error is the call's errno (0 on success), -1 for a call
 *		that did not run, minus the signal number (-SIGBUS,
 *		-SIGSEGV) for a load or store that faulted with a signal,
 *		0 for other statements.
 *
 * A par block is one statement for the hooks: "before" is called with
 * its S_PAR statement before the block runs, "after" once every actor
 * has finished and the block's audit has run; the statements inside
 * the block get no hooks (they run interleaved, inside the explorer).
 *
 * The final clean-up (exit, unlink, audit, leak check) runs after the
 * last "after"; its failures are counted in the totals as usual.  It is
 * skipped after a deadlock in a par block (counted as one failure): the
 * kernel is then abandoned, as shmsim_explorer_par() requires.
 */
struct sc_hooks {
	void (*start)(void *arg, struct shmsim_kernel *k);
	void (*before)(void *arg, struct shmsim_kernel *k,
	    const struct sc_stmt *st, struct shmsim_proc *p,
	    const struct sc_value *args);
	void (*after)(void *arg, struct shmsim_kernel *k,
	    const struct sc_stmt *st, struct shmsim_proc *p,
	    const struct sc_value *args, int error);
	void *arg;
};

struct sc_run_opts {
	bool quiet;
	FILE *dot; /* --dot FILE, or NULL */
	FILE *out; /* the trace */
	/*
	 * Par blocks run under an explorer (shmsim_explore.h).  NULL: the
	 * runner makes its own, in the fixed schedule (SHMSIM_SCHED_FIXED:
	 * actors in order of first appearance, each to its end unless it
	 * blocks), for each script that has a par block, with this
	 * panic_status.  Otherwise the schedule in progress, begun by the
	 * caller (shmsim explore), who also ends it.
	 */
	struct shmsim_explorer *explorer;
	int panic_status;
};
struct sc_totals {
	int passed, failed;
};
void sc_run(const struct sc_script *sc, const struct sc_run_opts *opts,
    struct sc_totals *totals);
/* sc_run() with hooks (NULL: none, which is sc_run()). */
void sc_run_hooked(const struct sc_script *sc, const struct sc_run_opts *opts,
    const struct sc_hooks *hooks, struct sc_totals *totals);

/* explore.c: shmsim explore (docs/shmsim.1). */
struct sc_explore_opts {
	enum shmsim_sched_mode mode; /* DFS, PCT, RANDOM or REPLAY */
	uint64_t runs;		     /* at most this many schedules; 0: all */
	unsigned preemptions;	     /* DFS bound K */
	unsigned depth;		     /* PCT depth D */
	uint64_t seed;		     /* PCT and RANDOM */
	const char *token;	     /* REPLAY: a token, or */
	const char *schedule;	     /* REPLAY: a schedule file's text */
	const char *schedule_path;   /* and its name */
	const char *save_schedule;   /* --save-schedule FILE, or NULL */
	unsigned jobs;		     /* -j N: host threads (0, 1: one) */
	unsigned shard, nshards;     /* --shard I/N (nshards 0: all) */
	double max_time;	     /* --max-time SECONDS (0: none) */
	bool list;		     /* --list-schedules */
	bool quiet;		     /* only failures and the summary */
	bool stop_on_failure;	     /* stop at the first failing schedule */
	bool progress;		     /* a progress line on stderr */
	const char *progname;	     /* for the replay command */
	const char *file;	     /* the FILE argument, as given */
	FILE *out;
};
/* Exit status: 0 every schedule passed, 1 one failed (or the schedule
 * file could not be written), 2 a bad token or options, 3 out of memory,
 * 130 interrupted by SIGINT with no failure. */
int sc_explore(const struct sc_script *sc, const struct sc_explore_opts *o);

/* demo.c */
#define SC_DEMO_COUNT 2
extern const char *const sc_demo_names[SC_DEMO_COUNT];
extern const char *const sc_demo_scenarios[SC_DEMO_COUNT];

#endif /* SHMSIM_SCENARIO_H */
