/*
 * The scenario language (docs/shmsim-scenario.5, version 1): parsed into
 * a list of statements, then run against one fresh kernel.
 */
#ifndef SHMSIM_SCENARIO_H
#define SHMSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "shmsim.h"
#include "shmsim_explore.h"

/*
 * Limits that keep any input from hanging or exhausting the host
 * (shmsim-scenario(5) LIMITS).  With them the parser's time and memory
 * are linear in the input's size: each line is lexed once, a statement
 * keeps at most a few bytes per source byte, and the bytes that string
 * repetition ("x"*N) adds are bounded by SC_MAX_DATA for the whole file.
 * The fuzz_scenario harness relies on exactly these (it filters
 * nothing itself).
 */
#define SC_MAX_FILE (256 * 1024 * 1024 - 1) /* bytes in one file */
#define SC_MAX_LINE (64 * 1024)		    /* bytes in one line */
#define SC_MAX_STRING (16 * 1024 * 1024)    /* bytes in one string value */
#define SC_MAX_REPEAT SC_MAX_STRING	    /* N in "..."*N */
#define SC_MAX_DATA (64 * 1024 * 1024)	    /* string bytes in one file */
/*
 * audit, dump and par statements in one file: each looks at the whole
 * kernel (the auditor, the dump; the auditor runs at every par block's
 * end), whose size grows with the file, so their number is bounded to
 * keep a run linear in the file's size.
 */
#define SC_MAX_WHOLE 256
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
	uint8_t kind; /* enum sc_term_kind (a byte: scripts hold many terms) */
	char op; /* operator before this term: 0 for the first, '|', '+', '-' */
	int col;
	int64_t ival;
	char *sval; /* T_STRING bytes, T_VAR/T_CONST name */
	size_t slen;
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
	S_EXEC, /* exec P: fdcloseexec() and a new address space */
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

/*
 * One statement.  Everything it points to lives in its script's arena
 * (struct sc_script), which sc_script_free() frees at once; the struct
 * itself is kept small, since a script may hold millions of them.
 */
struct sc_stmt {
	enum sc_stmt_kind kind;
	int line;
	char *text; /* the source line, trimmed, for the trace */
	/* S_SPAWN/S_FORK/S_EXIT/S_EXEC/S_CALL: process names. */
	char *proc, *proc2;
	/* S_CALL */
	int call; /* index into sc_calls[] */
	int nargs;
	struct sc_expr *args; /* nargs of them */
	char *bind;	      /* -> VAR */
	struct sc_expect expect;
	/* S_SPAWN options */
	struct shmsim_cred *cred;
	char *jail;
	/* S_PAGEOUT */
	bool has_n;
	/* S_DUMP */
	bool dot;
	/* S_FAULT: shmsim_fault_set(site, nth, always) */
	bool fault_always;
	int fault_site;
	uint64_t fault_nth;
	struct sc_expr n; /* S_PAGEOUT */
	/*
	 * Par blocks.  S_PAR: the block's actors (process, thread or
	 * "pagedaemon" names) in order of first appearance, and the index
	 * of its S_END in the script.  S_END: the index of its S_PAR.
	 * Inside a block (S_CALL, S_FORK, S_EXEC, S_EXIT, S_PAGEOUT of the
	 * pagedaemon, S_NOTE): in_par, and actor, the index of the
	 * statement's actor.
	 */
	char **actors;
	int nactors;
	int par_end, par_start;
	bool in_par;
	int actor;
};

struct sc_arena;

struct sc_script {
	char *file;
	struct sc_stmt *stmts;
	int nstmts;
	struct sc_arena *arena;	  /* what the statements point to */
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

/* The KEY=VALUE expectations: of a call's result, or of state. */
enum sc_keyset {
	K_NONE,
	K_FSTAT,   /* fstat: size=, mode=, ..., type=WORD */
	K_FDINFO,  /* fdinfo(fd): the counts of a descriptor (model-only) */
	K_MAPINFO, /* mapinfo(addr): the counts of a mapping (model-only) */
	K_STATE,   /* state => objects=, ... */
};

/* How many keys a set has, at most. */
#define SC_MAX_KEYS 16

struct sc_call {
	const char *name;
	int min_args, max_args;
	enum sc_argkind args[SC_MAX_ARGS];
	bool returns_bytes; /* read, pread, load */
	int keys;	    /* enum sc_keyset: the KEY=VALUE it returns */
	bool supported;	    /* false: ENOSYS until its issue lands */
};

extern const struct sc_call sc_calls[];
int sc_call_lookup(const char *name);

/* The keys of a set, NULL-terminated; the index of key in it, or -1. */
const char *const *sc_keyset_keys(enum sc_keyset ks);
int sc_keyset_index(enum sc_keyset ks, const char *key);

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

/*
 * A call's answer as the trace prints it ("= 3", "EACCES", "SIGBUS",
 * "= \"abc\"", fstat fields): run.c's printing, shared with host.c.
 */
struct sc_result {
	int error;
	int64_t ret;
	int sig;
	bool hex; /* an address (mmap): printed in hex */
	bool has_bytes;
	const unsigned char *bytes;
	size_t nbytes;
	bool has_stat;
	struct shmsim_stat st;
};
void sc_print_result(FILE *f, const struct sc_result *res, bool trace_form);
/* A variable's value (false: unbound), for sc_eval(). */
typedef bool sc_var_value_fn(void *ctx, const char *name, int64_t *valuep);
/* An argument or expectation's value, as the runner computes it. */
bool sc_eval(const struct sc_expr *e, struct sc_value *v,
    sc_var_value_fn *value, void *ctx, const char **why);
const char *sc_type_word(uint32_t mode);
/* The expectation as written (the text after "=>"), or "success". */
const char *sc_expect_text(const struct sc_stmt *st);
bool sc_fstat_key_ok(const char *key, int64_t want,
    const struct shmsim_stat *st);

/*
 * host.c: shmsim run --host, on the kernel of this machine (hostrt.h).
 * Statements only a model can do, and calls the host lacks, are skipped
 * and counted as such.
 */
struct sc_host_opts {
	bool quiet;
	FILE *out;
	int timeout;	    /* seconds a process may take to answer */
	const char *prefix; /* the run's name prefix, "/shmsim.PID.R." */
	int index;	    /* the scenario's number in the run */
	struct sc_janitor *janitor;
};
struct sc_host_totals {
	int passed, failed, skipped;
	int unlinked; /* names removed at the ends */
};
void sc_run_host(const struct sc_script *sc, const struct sc_host_opts *o,
    struct sc_host_totals *t);
/*
 * The janitor: a process that outlives an interrupted runner and removes
 * every name with the run's prefix (and kills the scenario's processes)
 * when the runner goes away, however it goes.  NULL on failure.
 */
struct sc_janitor *sc_janitor_start(char *prefix, size_t len);
void sc_janitor_stop(struct sc_janitor *j);
/* Remove every name under prefix (Linux: /dev/shm); how many. */
int sc_host_sweep(const char *prefix);

/* diff.c: shmsim diff. Exit status: 0 no call differs, 1 one does. */
struct sc_diff_opts {
	FILE *out;
	int timeout;
	bool markdown; /* the table of docs/linux-differences.md */
};
int sc_diff(struct sc_script *scs, int n, const struct sc_diff_opts *o);

/* atf.c: shmsim export --atf.  0, or 2 when out fails. */
int sc_export_atf(struct sc_script *scs, int n, FILE *out);

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
	/* --replay with --html PAGE: the page, and the source it shows. */
	const char *html;
	const char *src;
	size_t srclen;
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
