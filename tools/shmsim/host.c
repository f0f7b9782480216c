/*
 * shmsim run --host: a scenario on the kernel of this machine.
 *
 * Every scenario process is a real process, driven call by call through
 * the host runtime (hostrt.h); the trace has run's format (run.c), with
 * words for what the host cannot do:
 *
 *	LINE  STATEMENT  # not applicable on a host (model only)
 *	LINE  STATEMENT  # unsupported on this host: WHY
 *	LINE  STATEMENT  # not run: WHY
 *
 * each counted as skipped.  Names get the run's prefix
 * ("/x" becomes "/shmsim.PID.R.N.x", N the scenario's number) and are
 * removed when the scenario ends; a janitor process removes them when
 * the runner is interrupted.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostrt.h"
#include "scenario.h"

struct hproc {
	const char *name;
	bool alive;
	const char *absent; /* not run here: why (jails) */
};

struct hvar {
	const char *name;
	int64_t value;
	bool bound;
	bool skipped; /* its call was skipped */
};

struct host {
	const struct sc_script *sc;
	const struct sc_host_opts *o;
	struct sc_host_totals *t;
	struct hr_run hr;
	struct hproc procs[HR_MAX_SLOTS];
	int nprocs;
	struct hvar *vars;
	int nvars;
	char prefix[96]; /* this scenario's: the run's and its number */
	char **names;	 /* every name used, prefixed, to remove at the end */
	int nnames;
	int hang_line; /* SHMSIM_TEST_HANG_LINE: the timeout's tests */
};

struct sc_janitor {
	pid_t pid;
	int fd; /* the pipe: "N name" and "P pid" lines */
};

static void *
hcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	return (p);
}

/* ------------------------------------------------------------ janitor */

static void
janitor_say(struct sc_janitor *j, char kind, const char *s)
{
	size_t len = strlen(s);
	char *line;

	if (j == NULL || j->fd < 0)
		return;
	line = hcalloc(len + 4, 1);
	line[0] = kind;
	line[1] = ' ';
	memcpy(line + 2, s, len);
	line[len + 2] = '\n';
	/* A short write of a pipe line below PIPE_BUF does not happen. */
	if (write(j->fd, line, len + 3) < 0) {
		close(j->fd);
		j->fd = -1;
	}
	free(line);
}

static void
janitor_pid(void *arg, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", (long)pid);
	janitor_say(arg, 'P', buf);
}

int
sc_host_sweep(const char *prefix)
{
	int n = 0;
#ifdef __linux__
	const char *base = prefix;
	char path[512];
	struct dirent *de;
	DIR *d;

	while (*base == '/')
		base++;
	d = opendir("/dev/shm");
	if (d == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, base, strlen(base)) != 0)
			continue;
		snprintf(path, sizeof(path), "/%s", de->d_name);
		if (shm_unlink(path) == 0)
			n++;
	}
	closedir(d);
#else
	(void)prefix;
#endif
	return (n);
}

/* The janitor's loop: collect, and clean when the pipe closes. */
static void
janitor_main(int fd, const char *prefix)
{
	char buf[8192], *line, *nl;
	char **names = NULL;
	pid_t *pids = NULL;
	size_t have = 0, nnames = 0, npids = 0;
	ssize_t n;
	size_t i;

	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		line = buf;
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			if (line[0] == 'N') {
				names = realloc(names,
				    (nnames + 1) * sizeof(*names));
				if (names != NULL)
					names[nnames++] = strdup(line + 2);
			} else if (line[0] == 'P') {
				pids =
				    realloc(pids, (npids + 1) * sizeof(*pids));
				if (pids != NULL)
					pids[npids++] =
					    (pid_t)strtol(line + 2, NULL, 10);
			}
			line = nl + 1;
		}
		have = strlen(line);
		memmove(buf, line, have);
		if (have == sizeof(buf) - 1)
			have = 0; /* a line too long: drop it */
	}
	for (i = 0; pids != NULL && i < npids; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; names != NULL && i < nnames; i++)
		if (names[i] != NULL)
			(void)shm_unlink(names[i]);
	(void)sc_host_sweep(prefix);
	_exit(0);
}

struct sc_janitor *
sc_janitor_start(char *prefix, size_t len)
{
	struct sc_janitor *j;
	unsigned int r = 0;
	int p[2], fd, i;
	pid_t pid;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		r = (unsigned int)time(NULL) ^ (unsigned int)clock();
	if (fd >= 0)
		close(fd);
	snprintf(prefix, len, "/shmsim.%ld.%08x.", (long)getpid(), r);
	if (pipe(p) != 0)
		return (NULL);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return (NULL);
	}
	if (pid == 0) {
		/* Outlive the runner's interruption, then clean. */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		(void)setpgid(0, 0);
		for (i = 3; i < 1024; i++)
			if (i != p[0])
				close(i);
		close(p[1]);
		janitor_main(p[0], prefix);
	}
	close(p[0]);
	(void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
	j = hcalloc(1, sizeof(*j));
	j->pid = pid;
	j->fd = p[1];
	return (j);
}

void
sc_janitor_stop(struct sc_janitor *j)
{
	int status;

	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	free(j);
}

/* ------------------------------------------------------------ values */

static struct hvar *
var_find(struct host *h, const char *name, bool create)
{
	int i;

	for (i = 0; i < h->nvars; i++)
		if (strcmp(h->vars[i].name, name) == 0)
			return (&h->vars[i]);
	if (!create)
		return (NULL);
	h->vars = realloc(h->vars, (size_t)(h->nvars + 1) * sizeof(*h->vars));
	if (h->vars == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	memset(&h->vars[h->nvars], 0, sizeof(h->vars[0]));
	h->vars[h->nvars].name = name;
	return (&h->vars[h->nvars++]);
}

/* sc_var_value_fn for the host runner; remembers a skipped variable. */
struct host_lookup {
	struct host *h;
	bool skipped;
};

static bool
host_var_value(void *ctx, const char *name, int64_t *valuep)
{
	struct host_lookup *l = ctx;
	struct hvar *var = var_find(l->h, name, false);

	if (var == NULL || !var->bound) {
		l->skipped = var != NULL && var->skipped;
		return (false);
	}
	*valuep = var->value;
	return (true);
}

/*
 * As run.c evaluates (sc_eval()).  False with *why the unbound variable
 * (*skipped: its call was skipped here).
 */
static bool
eval(struct host *h, const struct sc_expr *e, struct sc_value *v,
    const char **why, bool *skipped)
{
	struct host_lookup l = { h, false };
	bool ok;

	ok = sc_eval(e, v, host_var_value, &l, why);
	*skipped = l.skipped;
	return (ok);
}

static bool
met(struct host *h, const struct sc_expect *ex, const struct sc_result *res)
{
	const char *why = NULL;
	bool skipped = false, ok = false;
	struct sc_value v;
	int i;

	switch (ex->kind) {
	case E_IMPLICIT:
	case E_OK:
		return (res->error == 0 && res->sig == 0);
	case E_ERRNO:
		return (res->sig == 0 && res->error == ex->err);
	case E_SIGNAL:
		return (res->sig == ex->sig);
	case E_VALUE:
		if (!eval(h, &ex->val, &v, &why, &skipped))
			return (false);
		if (res->error != 0 || res->sig != 0)
			ok = false;
		else if (v.is_str)
			ok = res->has_bytes && res->nbytes == v.len &&
			    memcmp(res->bytes, v.s, v.len) == 0;
		else
			ok = res->ret == v.i;
		free(v.owned);
		return (ok);
	case E_KEYS:
		if (res->error != 0 || !res->has_stat)
			return (false);
		for (i = 0; i < ex->nkeys; i++) {
			const struct sc_keyval *kv = &ex->keys[i];

			if (kv->word != NULL) {
				if (strcmp(kv->word,
					sc_type_word(res->st.st_mode)) != 0)
					return (false);
				continue;
			}
			if (!eval(h, &kv->val, &v, &why, &skipped))
				return (false);
			ok = sc_fstat_key_ok(kv->key, v.i, &res->st);
			free(v.owned);
			if (!ok)
				return (false);
		}
		return (true);
	}
	return (false);
}

/* ------------------------------------------------------------ trace */

static void trace(struct host *h, const struct sc_stmt *st, const char *fmt,
    ...) __attribute__((__format__(__printf__, 3, 4)));

static void
trace(struct host *h, const struct sc_stmt *st, const char *fmt, ...)
{
	va_list ap;

	if (h->o->quiet)
		return;
	fprintf(h->o->out, "%4d  %s  # ", st->line, st->text);
	va_start(ap, fmt);
	vfprintf(h->o->out, fmt, ap);
	va_end(ap);
	fputc('\n', h->o->out);
}

static void fail(struct host *h, const struct sc_stmt *st, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
fail(struct host *h, const struct sc_stmt *st, const char *fmt, ...)
{
	va_list ap;

	fprintf(h->o->out, "%s:%d: FAIL: ", h->sc->file, st->line);
	va_start(ap, fmt);
	vfprintf(h->o->out, fmt, ap);
	va_end(ap);
	fputc('\n', h->o->out);
	h->t->failed++;
}

static void
not_applicable(struct host *h, const struct sc_stmt *st)
{
	trace(h, st, "not applicable on a host (model only)");
	h->t->skipped++;
}

static void
unsupported(struct host *h, const struct sc_stmt *st, const char *why)
{
	trace(h, st, "unsupported on this host: %s", why);
	h->t->skipped++;
}

static void
not_run(struct host *h, const struct sc_stmt *st, const char *why)
{
	trace(h, st, "not run: %s", why);
	h->t->skipped++;
}

/* ------------------------------------------------------------ processes */

static int
proc_find(struct host *h, const char *name)
{
	int i;

	for (i = h->nprocs - 1; i >= 0; i--)
		if (strcmp(h->procs[i].name, name) == 0)
			return (i);
	return (-1);
}

/* A new process or thread slot for name; -1 when the table is full. */
static int
proc_new(struct host *h, const struct sc_stmt *st, const char *name)
{
	if (h->nprocs == HR_MAX_SLOTS) {
		fail(h, st, "more than %d processes and threads", HR_MAX_SLOTS);
		return (-1);
	}
	h->procs[h->nprocs].name = name;
	h->procs[h->nprocs].alive = false;
	h->procs[h->nprocs].absent = NULL;
	return (h->nprocs++);
}

/* Whether slot can run a statement; if not, say why (skipped). */
static bool
proc_ready(struct host *h, const struct sc_stmt *st, int slot)
{
	char why[160];

	if (slot < 0) {
		not_run(h, st, "no such process here");
		return (false);
	}
	if (h->procs[slot].absent != NULL) {
		snprintf(why, sizeof(why), "%s is not run here (%s)",
		    h->procs[slot].name, h->procs[slot].absent);
		not_run(h, st, why);
		return (false);
	}
	if (!h->procs[slot].alive || !h->hr.slots[slot].alive) {
		snprintf(why, sizeof(why), "%s is dead", h->procs[slot].name);
		not_run(h, st, why);
		return (false);
	}
	return (true);
}

/* A process died or hung while answering st: one failure. */
static void
proc_lost(struct host *h, const struct sc_stmt *st, int slot,
    const struct hr_result *res)
{
	int i,
	    owner =
		h->hr.slots[slot].owner >= 0 ? h->hr.slots[slot].owner : slot;

	trace(h, st, "%s", res->status == HR_TIMEOUT ? "TIMEOUT" : "DIED");
	fail(h, st, "process %s: %s", h->procs[slot].name, res->why);
	for (i = 0; i < h->nprocs; i++)
		if (i == owner || h->hr.slots[i].owner == owner)
			h->procs[i].alive = false;
}

static void
run_spawn(struct host *h, const struct sc_stmt *st)
{
	struct hr_result res;
	struct hr_cred cr;
	int slot, i, error;

	slot = proc_new(h, st, st->proc);
	if (slot < 0)
		return;
	if (st->jail != NULL) {
		h->procs[slot].absent = "jails are not run on a host";
		unsupported(h, st, "jails are not run on a host");
		return;
	}
	memset(&cr, 0, sizeof(cr));
	cr.set = geteuid() == 0;
	cr.uid = st->cred->uid;
	cr.gid = st->cred->gid;
	cr.ngroups = st->cred->ngroups < HR_MAX_GROUPS ? st->cred->ngroups :
							 HR_MAX_GROUPS;
	for (i = 0; i < cr.ngroups; i++)
		cr.groups[i] = st->cred->groups[i];
	cr.umask = st->cred->umask;
	error = hr_spawn(&h->hr, slot, &cr, &res);
	if (error != 0) {
		trace(h, st, "%s", shmsim_errno_name(error));
		fail(h, st, "spawn failed: %s", res.why);
		return;
	}
	h->procs[slot].alive = true;
	trace(h, st, "pid %ld", (long)h->hr.slots[slot].pid);
}

static void
run_fork(struct host *h, const struct sc_stmt *st)
{
	struct hr_result res;
	int parent = proc_find(h, st->proc), child, error;

	if (!proc_ready(h, st, parent))
		return;
	child = proc_new(h, st, st->proc2);
	if (child < 0)
		return;
	error = hr_fork(&h->hr, parent, child, &res);
	if (res.status == HR_DIED || res.status == HR_TIMEOUT) {
		proc_lost(h, st, parent, &res);
		return;
	}
	if (error != 0) {
		trace(h, st, "%s", shmsim_errno_name(error));
		fail(h, st, "fork failed: %s",
		    res.why[0] != '\0' ? res.why : shmsim_errno_name(error));
		return;
	}
	h->procs[child].alive = true;
	trace(h, st, "pid %ld", (long)h->hr.slots[child].pid);
}

static void
run_thread(struct host *h, const struct sc_stmt *st)
{
	struct hr_result res;
	int owner = proc_find(h, st->proc2), t, error;

	if (!proc_ready(h, st, owner))
		return;
	t = proc_new(h, st, st->proc);
	if (t < 0)
		return;
	error = hr_thread(&h->hr, owner, t, &res);
	if (res.status == HR_DIED || res.status == HR_TIMEOUT) {
		proc_lost(h, st, owner, &res);
		return;
	}
	if (error != 0) {
		trace(h, st, "%s", shmsim_errno_name(error));
		fail(h, st, "thread creation failed: %s",
		    shmsim_errno_name(error));
		return;
	}
	h->procs[t].alive = true;
	trace(h, st, "thread of pid %ld", (long)h->hr.slots[t].pid);
}

static void
run_exit(struct host *h, const struct sc_stmt *st)
{
	struct hr_result res;
	int slot = proc_find(h, st->proc), owner, i;

	if (!proc_ready(h, st, slot))
		return;
	owner = h->hr.slots[slot].owner >= 0 ? h->hr.slots[slot].owner : slot;
	hr_exit(&h->hr, slot, &res);
	if (res.status != HR_DONE) {
		proc_lost(h, st, slot, &res);
		return;
	}
	for (i = 0; i < h->nprocs; i++)
		if (i == owner || h->hr.slots[i].owner == owner)
			h->procs[i].alive = false;
	trace(h, st, "exited");
}

/* ------------------------------------------------------------ calls */

/*
 * The host's name for a scenario name: the prefix after the leading
 * slashes.  "", "/", "/.", "/.." and names with a NUL byte stay as
 * written (false).
 */
static bool
host_name(struct host *h, const char *s, size_t len, char **outp)
{
	size_t lead = 0, plen = strlen(h->prefix + 1);
	char *out;

	while (lead < len && s[lead] == '/')
		lead++;
	/* "." and ".." are no names for a prefix to turn into names. */
	if (lead == len || memchr(s, '\0', len) != NULL ||
	    strcmp(s + lead, ".") == 0 || strcmp(s + lead, "..") == 0) {
		out = hcalloc(len + 1, 1);
		memcpy(out, s, len);
		*outp = out;
		return (false);
	}
	out = hcalloc(len + plen + 1, 1);
	memcpy(out, s, lead);
	memcpy(out + lead, h->prefix + 1, plen);
	memcpy(out + lead + plen, s + lead, len - lead);
	*outp = out;
	return (true);
}

static void
remember_name(struct host *h, const char *name)
{
	int i;

	for (i = 0; i < h->nnames; i++)
		if (strcmp(h->names[i], name) == 0)
			return;
	h->names =
	    realloc(h->names, (size_t)(h->nnames + 1) * sizeof(*h->names));
	if (h->names == NULL) {
		fprintf(stderr, "shmsim: out of memory\n");
		exit(3);
	}
	h->names[h->nnames++] = strdup(name);
	janitor_say(h->o->janitor, 'N', name);
}

/* A call prepared for the runtime. */
struct hcall {
	struct hr_arg a[SC_MAX_ARGS];
	struct sc_value v[SC_MAX_ARGS];
	char *names[SC_MAX_ARGS];
	int call, nargs, to_slot;
};

static void
hcall_free(struct hcall *c)
{
	int i;

	for (i = 0; i < SC_MAX_ARGS; i++) {
		free(c->v[i].owned);
		free(c->names[i]);
	}
	memset(c, 0, sizeof(*c));
}

/*
 * Evaluate st's arguments; false when the call cannot be sent (said and
 * counted).
 */
static bool
prepare(struct host *h, const struct sc_stmt *st, struct hcall *c)
{
	const struct sc_call *sc = &sc_calls[st->call];
	const char *why = NULL;
	bool skipped = false, naming;
	char msg[160];
	int i;

	memset(c, 0, sizeof(*c));
	c->to_slot = -1;
	c->nargs = st->nargs;
	c->call = hr_call_lookup(sc->name);
	if (c->call < 0) {
		unsupported(h, st, "the host runner lacks this call");
		return (false);
	}
	naming = strcmp(sc->name, "shm_open") == 0 ||
	    strcmp(sc->name, "shm_open2") == 0 ||
	    strcmp(sc->name, "shm_unlink") == 0 ||
	    strcmp(sc->name, "shm_rename") == 0;
	for (i = 0; i < st->nargs; i++) {
		if (sc->args[i] == A_PROC) {
			const char *to = st->args[i].terms[0].sval;

			c->to_slot = proc_find(h, to);
			if (c->to_slot < 0 || h->procs[c->to_slot].absent ||
			    !h->procs[c->to_slot].alive) {
				snprintf(msg, sizeof(msg),
				    "the receiver %s is not running here", to);
				not_run(h, st, msg);
				return (false);
			}
			/* A thread's descriptors are its process's. */
			if (h->hr.slots[c->to_slot].owner >= 0)
				c->to_slot = h->hr.slots[c->to_slot].owner;
			continue;
		}
		if (!eval(h, &st->args[i], &c->v[i], &why, &skipped)) {
			snprintf(msg, sizeof(msg),
			    "variable '%s' is unbound (%s)", why,
			    skipped ? "its call was skipped here" :
				      "the call that binds it failed");
			if (skipped)
				not_run(h, st, msg);
			else {
				trace(h, st, "not run");
				fail(h, st, "%s", msg);
			}
			return (false);
		}
		c->a[i].is_str = c->v[i].is_str;
		c->a[i].i = c->v[i].i;
		c->a[i].s = c->v[i].s;
		c->a[i].len = c->v[i].len;
		if (naming && sc->args[i] == A_PATH && c->v[i].is_str &&
		    !(strcmp(sc->name, "shm_open2") == 0 && i == 4)) {
			bool prefixed =
			    host_name(h, c->v[i].s, c->v[i].len, &c->names[i]);

			c->a[i].s = c->names[i];
			c->a[i].len = c->v[i].len;
			if (prefixed) {
				c->a[i].len = strlen(c->names[i]);
				remember_name(h, c->names[i]);
			}
		}
	}
	return (true);
}

/* The answer as the trace shows it; false: not a call's answer. */
static bool
to_result(const struct hcall *c, const struct hr_result *hres,
    struct sc_result *res)
{
	memset(res, 0, sizeof(*res));
	if (hres->status != HR_DONE)
		return (false);
	res->error = hres->error;
	res->sig = hres->sig;
	res->ret = hres->ret;
	res->hex = c->call == HR_MMAP;
	res->has_bytes = hres->has_bytes && hres->error == 0 && hres->sig == 0;
	res->bytes = hres->bytes;
	res->nbytes = hres->nbytes;
	if (hres->has_stat) {
		res->has_stat = true;
		res->st.st_size = hres->st.size;
		res->st.st_mode = hres->st.mode;
		res->st.st_nlink = hres->st.nlink;
		res->st.st_uid = hres->st.uid;
		res->st.st_gid = hres->st.gid;
		res->st.st_blocks = hres->st.blocks;
		res->st.st_blksize = hres->st.blksize;
	}
	return (true);
}

/* Report an answer: trace, expectation, binding. */
static void
answer(struct host *h, const struct sc_stmt *st, int slot,
    const struct hcall *c, const struct hr_result *hres)
{
	const struct sc_expect *ex = &st->expect;
	struct sc_result res;
	int alt = -1, i;
	bool ok;

	if (hres->status == HR_UNSUPPORTED) {
		unsupported(h, st, hres->why);
		if (st->bind != NULL)
			var_find(h, st->bind, true)->skipped = true;
		return;
	}
	if (!to_result(c, hres, &res)) {
		if (hres->status == HR_BROKEN) {
			trace(h, st, "not run");
			fail(h, st, "the host runner failed: %s", hres->why);
		} else
			proc_lost(h, st, slot, hres);
		return;
	}
	ok = met(h, ex, &res);
	for (i = 0; !ok && i < ex->nalts; i++)
		if (met(h, &ex->alts[i], &res)) {
			ok = true;
			alt = i;
		}
	if (!h->o->quiet) {
		fprintf(h->o->out, "%4d  %s  # ", st->line, st->text);
		sc_print_result(h->o->out, &res, true);
		if (ex->nalts > 0 && ok)
			fprintf(h->o->out, "  (outcome %d of %d)", alt + 2,
			    ex->nalts + 1);
		fputc('\n', h->o->out);
	}
	if (ok)
		h->t->passed++;
	else {
		fprintf(h->o->out, "%s:%d: FAIL: expected %s, got ",
		    h->sc->file, st->line,
		    ex->kind == E_IMPLICIT ? "success" : sc_expect_text(st));
		sc_print_result(h->o->out, &res, false);
		fputc('\n', h->o->out);
		h->t->failed++;
	}
	if (st->bind != NULL && res.error == 0 && res.sig == 0) {
		struct hvar *var = var_find(h, st->bind, true);

		var->value = res.ret;
		var->bound = true;
		var->skipped = false;
	}
}

static void
run_call(struct host *h, const struct sc_stmt *st)
{
	struct hr_result hres;
	struct hcall c;
	int slot = proc_find(h, st->proc);

	memset(&c, 0, sizeof(c));
	if (!proc_ready(h, st, slot)) {
		if (st->bind != NULL)
			var_find(h, st->bind, true)->skipped = true;
		return;
	}
	if (prepare(h, st, &c)) {
		if (h->hang_line == st->line)
			hr_hang(&h->hr, slot, &hres);
		else
			hr_call(&h->hr, slot, c.call, c.a, c.nargs, c.to_slot,
			    &hres);
		answer(h, st, slot, &c, &hres);
		free(hres.bytes);
	} else if (st->bind != NULL)
		var_find(h, st->bind, true)->skipped = true;
	hcall_free(&c);
}

/*
 * A par block: every actor's calls sent as soon as its previous one has
 * answered, so the processes and threads run truly concurrently, in no
 * schedule of ours; each answer is reported as it comes.
 */
static void
run_par(struct host *h, const struct sc_stmt *ps)
{
	const struct sc_stmt *stmts = h->sc->stmts;
	int first = (int)(ps - stmts) + 1, last = ps->par_end;
	int next[HR_MAX_SLOTS], slot[HR_MAX_SLOTS], busy[HR_MAX_SLOTS];
	int waiting[HR_MAX_SLOTS], widx[HR_MAX_SLOTS];
	struct hcall calls[HR_MAX_SLOTS];
	struct hr_result hres;
	int i, k, n, nact = ps->nactors;

	if (nact > HR_MAX_SLOTS)
		nact = HR_MAX_SLOTS;
	memset(calls, 0, sizeof(calls));
	if (!h->o->quiet) {
		fprintf(h->o->out, "%4d  %s  # %d actor%s, run concurrently",
		    ps->line, ps->text, ps->nactors,
		    ps->nactors == 1 ? "" : "s");
		fputc('\n', h->o->out);
		for (i = first; i < last; i++)
			if (stmts[i].kind == S_NOTE)
				fprintf(h->o->out, "      %s\n", stmts[i].text);
	}
	for (i = 0; i < nact; i++) {
		next[i] = first;
		busy[i] = -1;
		slot[i] = strcmp(ps->actors[i], SC_PAGEDAEMON) == 0 ?
		    -2 :
		    proc_find(h, ps->actors[i]);
	}
	for (;;) {
		/* Start each idle actor's next call. */
		for (i = 0; i < nact; i++) {
			while (busy[i] < 0 && next[i] < last) {
				const struct sc_stmt *st = &stmts[next[i]++];

				if (!st->in_par || st->actor != i ||
				    st->kind == S_NOTE)
					continue;
				if (slot[i] == -2 || st->kind != S_CALL) {
					not_applicable(h, st);
					continue;
				}
				if (!proc_ready(h, st, slot[i]) ||
				    !prepare(h, st, &calls[i])) {
					if (st->bind != NULL)
						var_find(h, st->bind, true)
						    ->skipped = true;
					hcall_free(&calls[i]);
					continue;
				}
				if (hr_send(&h->hr, slot[i], calls[i].call,
					calls[i].a, calls[i].nargs,
					calls[i].to_slot, &hres) != 0) {
					answer(h, st, slot[i], &calls[i],
					    &hres);
					hcall_free(&calls[i]);
					continue;
				}
				busy[i] = (int)(st - stmts);
			}
		}
		n = 0;
		for (i = 0; i < nact; i++)
			if (busy[i] >= 0) {
				waiting[n] = slot[i];
				widx[n++] = i;
			}
		if (n == 0)
			break;
		k = hr_wait_any(&h->hr, waiting, n);
		if (k < 0) {
			/* Nobody answered in time: every waiting one hung. */
			for (k = 0; k < n; k++) {
				i = widx[k];
				hr_kill(&h->hr, slot[i], &hres);
				answer(h, &stmts[busy[i]], slot[i], &calls[i],
				    &hres);
				hcall_free(&calls[i]);
				busy[i] = -1;
			}
			continue;
		}
		i = widx[k];
		hr_recv(&h->hr, slot[i], &hres);
		answer(h, &stmts[busy[i]], slot[i], &calls[i], &hres);
		free(hres.bytes);
		hcall_free(&calls[i]);
		busy[i] = -1;
	}
	trace(h, &stmts[last], "all actors done");
}

/* ------------------------------------------------------------ scenario */

/* Why the whole scenario cannot run here, or NULL. */
static const char *
cannot_run(const struct sc_script *sc)
{
	int i;

	if (sc->cfg.profile == SHMSIM_PROFILE_2008)
		return ("profile 2008: the host is today's kernel, not "
			"the 2008 original");
	if (geteuid() == 0)
		return (NULL);
	for (i = 0; i < sc->nstmts; i++) {
		const struct sc_stmt *st = &sc->stmts[i];

		if (st->kind == S_SPAWN &&
		    ((st->cred->uid != 0 && st->cred->uid != geteuid()) ||
			(st->cred->gid != 0 && st->cred->gid != getegid()) ||
			st->cred->ngroups != 0))
			return ("setting uid, gid or groups needs root");
	}
	return (NULL);
}

/* config: the profile applies (today's kernel); other keys do not. */
static void
run_config(struct host *h, const struct sc_stmt *st)
{
	const char *s = st->text + strlen("config");
	bool only_profile = true;

	while (*s != '\0') {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		if (strncmp(s, "profile=", 8) != 0)
			only_profile = false;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
	}
	if (only_profile)
		trace(h, st, "ok");
	else
		not_applicable(h, st);
}

static void
run_stmt(struct host *h, const struct sc_stmt *st)
{
	switch (st->kind) {
	case S_CONFIG:
		run_config(h, st);
		break;
	case S_JAIL:
		unsupported(h, st, "jails are not run on a host");
		break;
	case S_SPAWN:
		run_spawn(h, st);
		break;
	case S_FORK:
		run_fork(h, st);
		break;
	case S_EXIT:
		run_exit(h, st);
		break;
	case S_EXEC:
		/*
		 * A real exec would replace the child that the runner drives
		 * over its pipe; it is reported, never passed.
		 */
		unsupported(h, st, "exec is not run on a host yet");
		break;
	case S_THREAD:
		run_thread(h, st);
		break;
	case S_CALL:
		run_call(h, st);
		break;
	case S_NOTE:
		if (!h->o->quiet)
			fprintf(h->o->out, "      %s\n", st->text);
		break;
	case S_AUDIT:
	case S_STATE:
	case S_PAGEOUT:
	case S_DUMP:
	case S_FAULT:
		not_applicable(h, st);
		break;
	case S_PAR:
		run_par(h, st);
		break;
	case S_END:
		break;
	default:
		not_applicable(h, st);
		break;
	}
}

void
sc_run_host(const struct sc_script *sc, const struct sc_host_opts *o,
    struct sc_host_totals *t)
{
	struct host h;
	char hostname[128];
	const char *why;
	int i, unlinked = 0;

	memset(&h, 0, sizeof(h));
	h.sc = sc;
	h.o = o;
	h.t = t;
	snprintf(h.prefix, sizeof(h.prefix), "%s%d.", o->prefix, o->index);
	hr_host_name(hostname, sizeof(hostname));
	if (!o->quiet)
		fprintf(o->out, "== %s (host %s, names %s*)\n", sc->file,
		    hostname, h.prefix);
	why = cannot_run(sc);
	if (why != NULL) {
		fprintf(o->out, "%s: skipped: %s\n", sc->file, why);
		t->skipped++;
		return;
	}
	if (getenv("SHMSIM_TEST_HANG_LINE") != NULL)
		h.hang_line = atoi(getenv("SHMSIM_TEST_HANG_LINE"));
	hr_init(&h.hr, o->timeout);
	h.hr.on_pid = janitor_pid;
	h.hr.arg = o->janitor;
	for (i = 0; i < sc->nstmts; i++) {
		const struct sc_stmt *st = &sc->stmts[i];

		run_stmt(&h, st);
		if (st->kind == S_PAR)
			i = st->par_end;
	}
	hr_finish(&h.hr);
	for (i = 0; i < h.nnames; i++) {
		if (shm_unlink(h.names[i]) == 0)
			unlinked++;
		free(h.names[i]);
	}
	unlinked += sc_host_sweep(h.prefix);
	t->unlinked += unlinked;
	if (!o->quiet)
		fprintf(o->out,
		    "      (end: processes killed and reaped, %d name(s) "
		    "unlinked)\n",
		    unlinked);
	free(h.names);
	free(h.vars);
}
