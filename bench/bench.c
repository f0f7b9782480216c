/*
 * shmsim_bench: each workload on shmsim and on the host kernel (POSIX
 * shm_open(3) on Linux's /dev/shm), in the same process, interleaved round
 * by round (host first in odd rounds, shmsim first in even ones), and the
 * median time per operation of each side with the ratio host/shmsim.
 * Then the measurements that have no host counterpart: dictionary lookups
 * against 1 .. 1M names, kernel create + destroy, the memory of a sparse
 * 1 TiB object and of a resident page, and the speed of the syscall fuzzer
 * with the auditor after every call.
 *
 * Not a test: it asserts nothing about time.  `make bench` builds it with
 * the release preset and runs it; docs/performance.md has the numbers.
 *
 *	shmsim_bench [--rounds N] [--scale F] [--only WORD] [--no-1m]
 *	             [--no-host] (shmsim only: for profiling)
 *	             [--wall] (wall-clock time instead of CPU time)
 *	             [--threads single|multi] (one kernel mode only where
 *	              both are measured side by side)
 *	             [--fuzz-bin PATH | --no-fuzz] [--verbose]
 *
 * Every /dev/shm name it creates starts with "shmsim-bench.PID." and is
 * removed before it exits (also on SIGINT, SIGTERM and SIGHUP).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fnv.h"
#include "shmsim.h"
#include "vm_object.h"

#ifndef SHMSIM_BENCH_MMAP
#define SHMSIM_BENCH_MMAP 0
#endif
#ifndef SHMSIM_BENCH_SHARED_LIB
#define SHMSIM_BENCH_SHARED_LIB "build/release/lib/libshmsim.so"
#endif
#ifndef SHMSIM_BENCH_FUZZ_BIN
#define SHMSIM_BENCH_FUZZ_BIN "build/release/fuzz/fuzz_syscalls_replay"
#endif

#define MAXROUNDS 64
#define NAMELEN 96
#define SIM_O_CREAT_EXCL_RDWR (SHMSIM_O_CREAT | SHMSIM_O_EXCL | SHMSIM_O_RDWR)

/* ------------------------------------------------------------ options */

static int opt_rounds = 15;
static double opt_scale = 1.0;
static const char *opt_only;
static int opt_no_1m;
static int opt_no_fuzz;
static int opt_verbose;
static int opt_no_host;
static int opt_mode = -1; /* --threads: -1 both, else the one measured */
static const char *opt_fuzz_bin = SHMSIM_BENCH_FUZZ_BIN;
static const char *opt_lib = SHMSIM_BENCH_SHARED_LIB;

static long
scaled(long n)
{
	long s = (long)((double)n * opt_scale);

	return (s < 1 ? 1 : s);
}

static int
wanted(const char *name)
{
	return (opt_only == NULL || strstr(name, opt_only) != NULL);
}

/* ------------------------------------------------------------ errors */

static void __attribute__((__noreturn__)) die_host(const char *what, long i)
{
	fprintf(stderr, "shmsim_bench: host %s failed (iteration %ld): %s\n",
	    what, i, strerror(errno));
	exit(1);
}

static void __attribute__((__noreturn__)) die_sim(const char *what, int error)
{
	fprintf(stderr, "shmsim_bench: shmsim %s failed: %s\n", what,
	    shmsim_errno_name(error));
	exit(1);
}

#define SIM(call)                                 \
	do {                                      \
		int e_ = (call);                  \
		if (__builtin_expect(e_ != 0, 0)) \
			die_sim(#call, e_);       \
	} while (0)

/* ------------------------------------------------------------ host names */

/*
 * Names that live in /dev/shm longer than one iteration are registered
 * here, so that a signal handler can remove them; the create cycle
 * publishes the one name it may have open.
 */
#define MAXLIVE 1200
static char live_names[MAXLIVE][NAMELEN];
static volatile sig_atomic_t live_used[MAXLIVE];
static const char *volatile cycle_name;
static char name_prefix[40];

static int
host_register(const char *name)
{
	int i;

	for (i = 0; i < MAXLIVE; i++)
		if (!live_used[i]) {
			snprintf(live_names[i], NAMELEN, "%s", name);
			live_used[i] = 1;
			return (i);
		}
	fprintf(stderr, "shmsim_bench: too many host names\n");
	exit(1);
}

static void
host_unregister(int slot)
{
	(void)shm_unlink(live_names[slot]);
	live_used[slot] = 0;
}

static void
host_cleanup(void)
{
	const char *c = cycle_name;
	int i;

	if (c != NULL)
		(void)shm_unlink(c);
	for (i = 0; i < MAXLIVE; i++)
		if (live_used[i]) {
			(void)shm_unlink(live_names[i]);
			live_used[i] = 0;
		}
}

static void
on_signal(int sig)
{
	host_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Whatever a crash left behind: /dev/shm/shmsim-bench.PID.* */
static void
host_sweep(void)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	char path[300];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, name_prefix + 1,
			strlen(name_prefix) - 1) == 0) {
			snprintf(path, sizeof(path), "/%s", e->d_name);
			(void)shm_unlink(path);
		}
	closedir(d);
}

static void
host_name(char *buf, const char *tag, long i)
{
	snprintf(buf, NAMELEN, "%s%s.%ld", name_prefix, tag, i);
}

/* ------------------------------------------------------------ timing */

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1e9 + (double)ts.tv_nsec);
}

/*
 * The clock of the batches: by default the thread's CPU time (user and
 * system), so that the time the bench spends preempted by the other
 * processes of a shared machine is not counted on either side; --wall
 * for CLOCK_MONOTONIC.  fork + exit is always wall time: the host
 * child's work happens in another process.
 */
static clockid_t op_clock = CLOCK_THREAD_CPUTIME_ID;

static double
op_ns(void)
{
	struct timespec ts;

	clock_gettime(op_clock, &ts);
	return ((double)ts.tv_sec * 1e9 + (double)ts.tv_nsec);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

struct stat3 {
	double med, lo, hi;
	int n;
};

static struct stat3
summarize(double *v, int n)
{
	struct stat3 s = { -1, -1, -1, n };

	if (n == 0)
		return (s);
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	s.lo = v[0];
	s.hi = v[n - 1];
	return (s);
}

/* One side of a workload: run n operations, return ns per operation. */
typedef double batch_fn(void *arg, long n);

struct measured {
	struct stat3 sim, host;
	struct stat3 ratio; /* host/shmsim round by round */
};

/*
 * The interleaved measurement: rounds x (host batch, shmsim batch), the
 * order alternating so that neither side always runs on a warmer or a
 * colder machine.  host == NULL: shmsim only.
 */
static struct measured
measure_core(const char *name, batch_fn *sim, void *sarg, long nsim,
    batch_fn *host, void *harg, long nhost, int rounds)
{
	double vs[MAXROUNDS], vh[MAXROUNDS], vr[MAXROUNDS];
	struct measured m;
	int r, ns = 0, nh = 0;

	if (rounds > MAXROUNDS)
		rounds = MAXROUNDS;
	/* One untimed warm-up batch each (a tenth of the size). */
	(void)sim(sarg, nsim / 10 + 1);
	if (host != NULL)
		(void)host(harg, nhost / 10 + 1);
	for (r = 0; r < rounds; r++) {
		if (host != NULL && r % 2 == 0)
			vh[nh++] = host(harg, nhost);
		vs[ns++] = sim(sarg, nsim);
		if (host != NULL && r % 2 == 1)
			vh[nh++] = host(harg, nhost);
		if (opt_verbose)
			fprintf(stderr, "  %-34s round %d: shmsim %.1f ns%s",
			    name, r + 1, vs[ns - 1], host ? "" : "\n");
		if (opt_verbose && host != NULL)
			fprintf(stderr, ", host %.1f ns\n", vh[nh - 1]);
	}
	for (r = 0; r < nh; r++)
		vr[r] = vh[r] / vs[r];
	m.ratio = summarize(vr, nh);
	m.sim = summarize(vs, ns);
	m.host = summarize(vh, nh);
	return (m);
}

/*
 * Both kernel modes against the host, in the same rounds: each round runs
 * the host batch, the single-thread kernel's and the multi-thread
 * kernel's, in an order that rotates from round to round.  m[0] is
 * single, m[1] multi; each ratio is round by round against that round's
 * host batch.
 */
static void
measure_modes(const char *name, batch_fn *sim, void *sarg_single,
    void *sarg_multi, long nsim, batch_fn *host, void *harg, long nhost,
    int rounds, struct measured m[2])
{
	double vs[2][MAXROUNDS], vh[MAXROUNDS], vr[2][MAXROUNDS];
	void *sargs[2] = { sarg_single, sarg_multi };
	int r, i, j;

	if (opt_no_host)
		host = NULL;
	if (rounds > MAXROUNDS)
		rounds = MAXROUNDS;
	for (i = 0; i < 2; i++)
		if (opt_mode < 0 || opt_mode == i)
			(void)sim(sargs[i], nsim / 10 + 1);
	if (host != NULL)
		(void)host(harg, nhost / 10 + 1);
	for (r = 0; r < rounds; r++) {
		/* Slot order: r % 3 rotates host, single, multi. */
		for (j = 0; j < 3; j++) {
			i = (j + r) % 3;
			if (i == 2) {
				if (host != NULL)
					vh[r] = host(harg, nhost);
			} else if (opt_mode < 0 || opt_mode == i)
				vs[i][r] = sim(sargs[i], nsim);
			else
				vs[i][r] = -1;
		}
		if (opt_verbose)
			fprintf(stderr,
			    "  %-34s round %d: single %.1f ns, multi %.1f ns",
			    name, r + 1, vs[0][r], vs[1][r]);
		if (opt_verbose)
			fprintf(stderr,
			    host != NULL ? ", host %.1f ns\n" : "\n",
			    host != NULL ? vh[r] : 0.0);
	}
	/* Ratios first: summarize() sorts its array. */
	for (i = 0; i < 2; i++) {
		for (r = 0; host != NULL && r < rounds; r++)
			vr[i][r] = vh[r] / vs[i][r];
		m[i].ratio = summarize(vr[i], host != NULL ? rounds : 0);
	}
	for (i = 0; i < 2; i++) {
		m[i].sim = summarize(vs[i], rounds);
		m[i].host = summarize(vh, host != NULL ? rounds : 0);
	}
}

static struct measured
measure(const char *name, batch_fn *sim, void *sarg, long nsim, batch_fn *host,
    void *harg, long nhost, int rounds)
{
	return (measure_core(name, sim, sarg, nsim, opt_no_host ? NULL : host,
	    harg, nhost, rounds));
}

/* shmsim against shmsim: the second function takes the host's place. */
#define measure_vs measure_core

/* ------------------------------------------------------------ results */

enum kind { K_TIME, K_BYTES, K_RATE };

struct row {
	char name[200];
	enum kind kind;
	struct stat3 sim, host;
	struct stat3 ratio; /* host/shmsim round by round */
	char sim_note[96];  /* printed instead of the value when set */
	char host_note[96];
	char target[64];
	int met; /* -1 no target, 0 missed, 1 met */
	char comment[300];
};

#define MAXROWS 64
static struct row rows[MAXROWS];
static int nrows;

static struct row *
row_add(const char *name, enum kind kind)
{
	struct row *r = &rows[nrows++];

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->kind = kind;
	r->sim.med = r->host.med = -1;
	r->met = -1;
	return (r);
}

static void
fmt_time(char *buf, size_t len, double ns)
{
	if (ns < 0)
		snprintf(buf, len, "n/a");
	else if (ns < 10000)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e7)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.1f ms", ns / 1e6);
}

static void
fmt_value(char *buf, size_t len, const struct row *r, struct stat3 s,
    const char *note)
{
	char a[32], b[32], c[32];

	if (note[0] != '\0') {
		snprintf(buf, len, "%s", note);
		return;
	}
	if (s.med < 0) {
		snprintf(buf, len, "n/a");
		return;
	}
	switch (r->kind) {
	case K_TIME:
		fmt_time(a, sizeof(a), s.med);
		fmt_time(b, sizeof(b), s.lo);
		fmt_time(c, sizeof(c), s.hi);
		if (s.n > 1)
			snprintf(buf, len, "%s (%s .. %s)", a, b, c);
		else
			snprintf(buf, len, "%s", a);
		break;
	case K_BYTES:
		snprintf(buf, len, "%.0f B", s.med);
		break;
	case K_RATE:
		if (s.n > 1)
			snprintf(buf, len, "%.0f /s (%.0f .. %.0f)", s.med,
			    s.lo, s.hi);
		else
			snprintf(buf, len, "%.0f /s", s.med);
		break;
	}
}

static void
print_table(void)
{
	char sv[160], hv[160], ratio[32];
	int i;

	printf("\n| workload | shmsim median (min .. max) | host kernel "
	       "median (min .. max) | host/shmsim | target | met |\n");
	printf("|---|---|---|---|---|---|\n");
	for (i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		fmt_value(sv, sizeof(sv), r, r->sim, r->sim_note);
		fmt_value(hv, sizeof(hv), r, r->host, r->host_note);
		if (r->kind == K_TIME && r->sim.med > 0 && r->host.med > 0 &&
		    r->sim_note[0] == '\0' && r->host_note[0] == '\0')
			snprintf(ratio, sizeof(ratio), "%.1fx",
			    r->host.med / r->sim.med);
		else
			snprintf(ratio, sizeof(ratio), "-");
		printf("| %s | %s | %s | %s | %s | %s |\n", r->name, sv, hv,
		    ratio, r->target[0] ? r->target : "-",
		    r->met < 0 ? "-" :
			r->met ? "yes" :
				 "**no**");
	}
	printf("\n");
	for (i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		if (r->comment[0] == '\0' && r->ratio.n == 0)
			continue;
		printf("- %s:", r->name);
		if (r->ratio.n > 0)
			printf(" host/shmsim round by round %.1fx (%.1fx .. "
			       "%.1fx)%s",
			    r->ratio.med, r->ratio.lo, r->ratio.hi,
			    r->comment[0] != '\0' ? ";" : "");
		printf(" %s\n", r->comment);
	}
}

/* Target "host/shmsim >= x". */
static void
target_ratio(struct row *r, double x)
{
	snprintf(r->target, sizeof(r->target), ">= %.0fx", x);
	if (r->sim.med > 0 && r->host.med > 0 && r->sim_note[0] == '\0')
		r->met = r->host.med / r->sim.med >= x;
	else
		r->met = 0;
}

/* ------------------------------------------------------------ shmsim setup */

/*
 * The bench drives every kernel from one host thread: SHMSIM_THREADS_SINGLE
 * unless a workload measures both modes (sim_kernel_mode).
 */
static struct shmsim_kernel *
sim_kernel_mode(uint32_t buckets, uint64_t swap_pages,
    enum shmsim_threads threads)
{
	struct shmsim_config cfg;
	struct shmsim_kernel *k;

	shmsim_config_init(&cfg);
	cfg.threads = threads;
	if (buckets != 0)
		cfg.hash_buckets = buckets;
	if (swap_pages != 0)
		cfg.swap_pages = swap_pages;
	SIM(shmsim_kernel_create(&cfg, &k));
	return (k);
}

static struct shmsim_kernel *
sim_kernel(uint32_t buckets, uint64_t swap_pages)
{
	return (sim_kernel_mode(buckets, swap_pages, SHMSIM_THREADS_SINGLE));
}

/* A row per mode from measure_modes(); the target on the single row. */
static void
rows_modes(const char *name, const struct measured m[2], double target)
{
	static const char *const label[2] = { "single", "multi" };
	char buf[200];
	struct row *r;
	int i;

	for (i = 0; i < 2; i++) {
		if (opt_mode >= 0 && opt_mode != i)
			continue;
		snprintf(buf, sizeof(buf), "%s [threads=%s]", name, label[i]);
		r = row_add(buf, K_TIME);
		r->sim = m[i].sim;
		r->host = m[i].host;
		r->ratio = m[i].ratio;
		if (i == 0)
			target_ratio(r, target);
	}
}

static struct shmsim_proc *
sim_proc(struct shmsim_kernel *k)
{
	struct shmsim_proc *p;

	SIM(shmsim_spawn(k, NULL, &p));
	return (p);
}

static void
sim_done(struct shmsim_kernel *k)
{
	char report[512];
	int leaks;

	if (shmsim_audit(k, report, sizeof(report)) != 0) {
		fprintf(stderr, "shmsim_bench: audit:\n%s", report);
		exit(1);
	}
	leaks = shmsim_kernel_destroy(k, report, sizeof(report));
	if (leaks != 0) {
		fprintf(stderr, "shmsim_bench: %d leak(s):\n%s", leaks, report);
		exit(1);
	}
}

/* ------------------------------------------------- 1. create to unlink */

struct cycle_arg {
	struct shmsim_proc *p;
	char (*names)[NAMELEN];
	long nnames;
};

static double
sim_cycle(void *arg, long n)
{
	struct cycle_arg *a = arg;
	struct shmsim_stat sb;
	double t0;
	long i;
	int fd;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		const char *name = a->names[i % a->nnames];

		SIM(shmsim_shm_open(a->p, name, SIM_O_CREAT_EXCL_RDWR, 0600,
		    &fd));
		SIM(shmsim_ftruncate(a->p, fd, 4096));
		SIM(shmsim_fstat(a->p, fd, &sb));
		SIM(shmsim_close(a->p, fd));
		SIM(shmsim_shm_unlink(a->p, name));
	}
	return ((op_ns() - t0) / (double)n);
}

static double
host_cycle(void *arg, long n)
{
	struct cycle_arg *a = arg;
	struct stat st;
	double t0;
	long i;
	int fd;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		const char *name = a->names[i % a->nnames];

		cycle_name = name;
		fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
		if (fd < 0)
			die_host("shm_open(O_CREAT|O_EXCL)", i);
		if (ftruncate(fd, 4096) != 0)
			die_host("ftruncate", i);
		if (fstat(fd, &st) != 0 || st.st_size != 4096)
			die_host("fstat", i);
		if (close(fd) != 0)
			die_host("close", i);
		if (shm_unlink(name) != 0)
			die_host("shm_unlink", i);
		cycle_name = NULL;
	}
	return ((op_ns() - t0) / (double)n);
}

static void
bench_create_cycle(void)
{
	const char *name =
	    "create-to-unlink cycle (open O_CREAT+O_EXCL+O_RDWR, "
	    "ftruncate 4096, fstat, close, unlink)";
	long nsim = scaled(50000), nhost = scaled(4000), nn, i;
	struct cycle_arg sa, sm, ha;
	struct shmsim_kernel *k, *km;
	struct measured m[2];

	if (!wanted("create-to-unlink"))
		return;
	/* Fresh names for every operation of a batch. */
	nn = nsim > nhost ? nsim : nhost;
	sa.names = malloc((size_t)nn * NAMELEN);
	ha.names = malloc((size_t)nn * NAMELEN);
	if (sa.names == NULL || ha.names == NULL)
		die_host("malloc", 0);
	for (i = 0; i < nn; i++) {
		snprintf(sa.names[i], NAMELEN, "/bench.cycle.%ld", i);
		host_name(ha.names[i], "cycle", i);
	}
	sa.nnames = ha.nnames = nn;
	sm = sa;
	k = sim_kernel_mode(0, 0, SHMSIM_THREADS_SINGLE);
	km = sim_kernel_mode(0, 0, SHMSIM_THREADS_MULTI);
	sa.p = sim_proc(k);
	sm.p = sim_proc(km);
	measure_modes("create-to-unlink", sim_cycle, &sa, &sm, nsim, host_cycle,
	    &ha, nhost, opt_rounds, m);
	sim_done(k);
	sim_done(km);
	free(sa.names);
	free(ha.names);
	rows_modes(name, m, 50);
}

/* ------------------------------------------------- 2. open + close */

struct open_arg {
	struct shmsim_proc *p;
	const char *name;
};

static double
sim_open_close(void *arg, long n)
{
	struct open_arg *a = arg;
	double t0;
	long i;
	int fd;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		SIM(shmsim_shm_open(a->p, a->name, SHMSIM_O_RDWR, 0, &fd));
		SIM(shmsim_close(a->p, fd));
	}
	return ((op_ns() - t0) / (double)n);
}

static double
host_open_close(void *arg, long n)
{
	struct open_arg *a = arg;
	double t0;
	long i;
	int fd;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		fd = shm_open(a->name, O_RDWR, 0);
		if (fd < 0)
			die_host("shm_open(existing)", i);
		if (close(fd) != 0)
			die_host("close", i);
	}
	return ((op_ns() - t0) / (double)n);
}

static void
bench_open_close(void)
{
	struct open_arg sa = { NULL, "/bench.fixed" }, sm, ha;
	char hname[NAMELEN];
	struct shmsim_kernel *k, *km;
	struct measured m[2];
	int fd, slot;

	if (!wanted("open existing"))
		return;
	k = sim_kernel_mode(0, 0, SHMSIM_THREADS_SINGLE);
	km = sim_kernel_mode(0, 0, SHMSIM_THREADS_MULTI);
	sa.p = sim_proc(k);
	sm = sa;
	sm.p = sim_proc(km);
	SIM(shmsim_shm_open(sa.p, sa.name, SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600,
	    &fd));
	SIM(shmsim_ftruncate(sa.p, fd, 4096));
	SIM(shmsim_close(sa.p, fd));
	SIM(shmsim_shm_open(sm.p, sm.name, SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600,
	    &fd));
	SIM(shmsim_ftruncate(sm.p, fd, 4096));
	SIM(shmsim_close(sm.p, fd));
	host_name(hname, "fixed", 0);
	slot = host_register(hname);
	fd = shm_open(hname, O_CREAT | O_RDWR, 0600);
	if (fd < 0 || ftruncate(fd, 4096) != 0)
		die_host("shm_open(fixed)", -1);
	close(fd);
	ha.p = NULL;
	ha.name = hname;
	measure_modes("open+close", sim_open_close, &sa, &sm, scaled(200000),
	    host_open_close, &ha, scaled(15000), opt_rounds, m);
	host_unregister(slot);
	sim_done(k);
	sim_done(km);
	rows_modes("open existing + close", m, 30);
}

/* ------------------------------------------------- 3. fork with 100 fds */

#define FORK_FDS 100

static double
sim_fork(void *arg, long n)
{
	struct shmsim_proc *p = arg, *c;
	double t0;
	long i;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		SIM(shmsim_fork(p, &c));
		SIM(shmsim_exit(c));
	}
	return ((now_ns() - t0) / (double)n);
}

static double
host_fork(void *arg, long n)
{
	double t0;
	long i;
	pid_t pid;
	int st;

	(void)arg;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			die_host("fork", i);
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &st, 0) != pid)
			die_host("waitpid", i);
	}
	return ((now_ns() - t0) / (double)n);
}

static void
bench_fork(void)
{
	int hfd[FORK_FDS], i, fd, slot;
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	char name[NAMELEN];
	struct measured m;
	struct row *r;

	if (!wanted("fork"))
		return;
	k = sim_kernel(0, 0);
	p = sim_proc(k);
	for (i = 0; i < FORK_FDS; i++) {
		snprintf(name, sizeof(name), "/bench.fork.%d", i);
		SIM(shmsim_shm_open(p, name, SIM_O_CREAT_EXCL_RDWR, 0600, &fd));
		SIM(shmsim_shm_unlink(p, name));
		host_name(name, "fork", i);
		slot = host_register(name);
		hfd[i] = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
		if (hfd[i] < 0)
			die_host("shm_open(fork fds)", i);
		host_unregister(slot); /* the descriptor stays open */
	}
	m = measure("fork+exit", sim_fork, p, scaled(10000), host_fork, NULL,
	    scaled(100), opt_rounds);
	for (i = 0; i < FORK_FDS; i++)
		close(hfd[i]);
	sim_done(k);
	r = row_add("fork with 100 open shm descriptors + exit (host: "
		    "fork, _exit, waitpid)",
	    K_TIME);
	r->sim = m.sim;
	r->host = m.host;
	r->ratio = m.ratio;
}

/* ------------------------------------------------- 4. mmap + store + munmap */

static double
host_mmap(void *arg, long n)
{
	int fd = *(int *)arg;
	volatile char *v;
	double t0;
	long i;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		v = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (v == MAP_FAILED)
			die_host("mmap", i);
		v[0] = (char)i;
		if (munmap((void *)v, 4096) != 0)
			die_host("munmap", i);
	}
	return ((op_ns() - t0) / (double)n);
}

#if SHMSIM_BENCH_MMAP == 1
struct mmap_arg {
	struct shmsim_proc *p;
	int fd;
};

/*
 * The signatures bench/CMakeLists.txt checked include/shmsim.h for:
 * shmsim_mmap(p, addr, len, prot, flags, fd, pos, &addr),
 * shmsim_store(p, addr, buf, len, &sig), shmsim_munmap(p, addr, len).
 */
static double
sim_mmap(void *arg, long n)
{
	struct mmap_arg *a = arg;
	uint64_t addr;
	double t0;
	long i;
	char c;
	int sig;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		c = (char)i;
		SIM(shmsim_mmap(a->p, 0, 4096,
		    SHMSIM_PROT_READ | SHMSIM_PROT_WRITE, SHMSIM_MAP_SHARED,
		    a->fd, 0, &addr));
		SIM(shmsim_store(a->p, addr, &c, 1, &sig));
		if (__builtin_expect(sig != 0, 0))
			die_sim("store (signal)", EFAULT);
		SIM(shmsim_munmap(a->p, addr, 4096));
	}
	return ((op_ns() - t0) / (double)n);
}
#endif

static void
bench_mmap(void)
{
	const char *name = "mmap 4096 MAP_SHARED + store 1 byte + munmap";
	char hname[NAMELEN];
	int hfd, slot;
#if SHMSIM_BENCH_MMAP == 1
	struct shmsim_kernel *k, *km;
	struct mmap_arg sa, sm;
	struct measured m[2];
#else
	struct measured m;
	struct row *r;
#endif

	if (!wanted("mmap"))
		return;
	host_name(hname, "mmap", 0);
	slot = host_register(hname);
	hfd = shm_open(hname, O_CREAT | O_EXCL | O_RDWR, 0600);
	if (hfd < 0 || ftruncate(hfd, 4096) != 0)
		die_host("shm_open(mmap)", -1);
#if SHMSIM_BENCH_MMAP == 1
	k = sim_kernel_mode(0, 0, SHMSIM_THREADS_SINGLE);
	km = sim_kernel_mode(0, 0, SHMSIM_THREADS_MULTI);
	sa.p = sim_proc(k);
	sm.p = sim_proc(km);
	SIM(shmsim_shm_open(sa.p, "/bench.mmap", SIM_O_CREAT_EXCL_RDWR, 0600,
	    &sa.fd));
	SIM(shmsim_ftruncate(sa.p, sa.fd, 4096));
	SIM(shmsim_shm_open(sm.p, "/bench.mmap", SIM_O_CREAT_EXCL_RDWR, 0600,
	    &sm.fd));
	SIM(shmsim_ftruncate(sm.p, sm.fd, 4096));
	measure_modes("mmap+store+munmap", sim_mmap, &sa, &sm, scaled(100000),
	    host_mmap, &hfd, scaled(3000), opt_rounds, m);
	sim_done(k);
	sim_done(km);
	rows_modes(name, m, 40);
#else
	r = row_add(name, K_TIME);
	m.host = (struct measured) { 0 }.host;
	{
		double v[MAXROUNDS];
		int i, n = opt_rounds < MAXROUNDS ? opt_rounds : MAXROUNDS;

		(void)host_mmap(&hfd, 100);
		for (i = 0; i < n; i++)
			v[i] = host_mmap(&hfd, scaled(3000));
		m.host = summarize(v, n);
	}
#if SHMSIM_BENCH_MMAP == 2
	snprintf(r->sim_note, sizeof(r->sim_note),
	    "n/a (shmsim_mmap has a signature bench.c does not know)");
#else
	snprintf(r->sim_note, sizeof(r->sim_note), "n/a (no mmap yet)");
#endif
	r->host = m.host;
	r->ratio = m.ratio;
	target_ratio(r, 40);
#endif
	close(hfd);
	host_unregister(slot);
}

/* ------------------------------------------------- 5. ftruncate 1 MiB */

#define MIB (1024 * 1024)

struct trunc_arg {
	struct shmsim_proc *p;
	int fd;
};

static double
sim_trunc(void *arg, long n)
{
	struct trunc_arg *a = arg;
	double t0;
	size_t done;
	long i, pg;
	char c = 1;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		SIM(shmsim_ftruncate(a->p, a->fd, MIB));
		for (pg = 0; pg < MIB / 4096; pg++)
			SIM(shmsim_pwrite(a->p, a->fd, &c, 1, pg * 4096,
			    &done));
		SIM(shmsim_ftruncate(a->p, a->fd, 0));
	}
	return ((op_ns() - t0) / (double)n);
}

static double
host_trunc(void *arg, long n)
{
	int fd = *(int *)arg;
	double t0;
	long i, pg;
	char c = 1;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		if (ftruncate(fd, MIB) != 0)
			die_host("ftruncate(1 MiB)", i);
		for (pg = 0; pg < MIB / 4096; pg++)
			if (pwrite(fd, &c, 1, pg * 4096) != 1)
				die_host("pwrite", i);
		if (ftruncate(fd, 0) != 0)
			die_host("ftruncate(0)", i);
	}
	return ((op_ns() - t0) / (double)n);
}

static void
bench_truncate(void)
{
	struct shmsim_kernel *k;
	struct trunc_arg sa;
	char hname[NAMELEN];
	struct measured m;
	struct row *r;
	int hfd, slot;

	if (!wanted("ftruncate"))
		return;
	k = sim_kernel(0, 0);
	sa.p = sim_proc(k);
	SIM(shmsim_shm_open(sa.p, "/bench.trunc", SIM_O_CREAT_EXCL_RDWR, 0600,
	    &sa.fd));
	host_name(hname, "trunc", 0);
	slot = host_register(hname);
	hfd = shm_open(hname, O_CREAT | O_EXCL | O_RDWR, 0600);
	if (hfd < 0)
		die_host("shm_open(trunc)", -1);
	m = measure("ftruncate 1 MiB", sim_trunc, &sa, scaled(1000), host_trunc,
	    &hfd, scaled(80), opt_rounds);
	close(hfd);
	host_unregister(slot);
	sim_done(k);
	r = row_add("ftruncate 0 -> 1 MiB, pwrite 1 byte into each of its "
		    "256 pages, ftruncate -> 0 (per cycle)",
	    K_TIME);
	r->sim = m.sim;
	r->host = m.host;
	r->ratio = m.ratio;
}

/* ------------------------------------------------- 6. pageout + pagein */

#define PAGEOUT_PAGES 1000

struct pageout_arg {
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	int fd;
};

static double
sim_pageout(void *arg, long n)
{
	struct pageout_arg *a = arg;
	uint64_t moved;
	double t0;
	size_t done;
	long i, pg;
	char c;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		SIM(shmsim_pageout(a->k, 0, &moved));
		if (moved != PAGEOUT_PAGES)
			die_sim("pageout (count)", EIO);
		for (pg = 0; pg < PAGEOUT_PAGES; pg++)
			SIM(shmsim_pread(a->p, a->fd, &c, 1, pg * 4096, &done));
	}
	return ((op_ns() - t0) / (double)n);
}

static void
bench_pageout(void)
{
	struct pageout_arg sa;
	struct shmsim_counters c;
	struct measured m;
	struct row *r;
	size_t done;
	long pg;
	char b = 7;

	if (!wanted("pageout"))
		return;
	sa.k = sim_kernel(0, 0);
	sa.p = sim_proc(sa.k);
	SIM(shmsim_shm_open(sa.p, "/bench.pageout", SIM_O_CREAT_EXCL_RDWR, 0600,
	    &sa.fd));
	SIM(shmsim_ftruncate(sa.p, sa.fd, PAGEOUT_PAGES * 4096L));
	for (pg = 0; pg < PAGEOUT_PAGES; pg++)
		SIM(shmsim_pwrite(sa.p, sa.fd, &b, 1, pg * 4096, &done));
	shmsim_counters(sa.k, &c);
	if (c.pages != PAGEOUT_PAGES)
		die_sim("pageout setup", EIO);
	m = measure("pageout+pagein", sim_pageout, &sa, scaled(50), NULL, NULL,
	    0, opt_rounds);
	sim_done(sa.k);
	r = row_add("pageout of 1,000 resident pages + pagein of each "
		    "(pread 1 byte), per 1,000 pages",
	    K_TIME);
	r->sim = m.sim;
	snprintf(r->host_note, sizeof(r->host_note),
	    "n/a (no user-space pageout on Linux)");
	snprintf(r->comment, sizeof(r->comment),
	    "%.0f ns per page for the round trip (out and back in)",
	    m.sim.med / PAGEOUT_PAGES);
}

/* ------------------------------------------------- 7. lookups */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (rng_state = x);
}

static long
rng_below(long n)
{
	return ((long)(((rng() >> 32) * (uint64_t)n) >> 32));
}

struct lookup_arg {
	struct shmsim_proc *p;
	char (*names)[32];
	long n;
	long hot; /* sim_lookup_hot: the one name looked up */
	const char *(*hname)(long i); /* host: name of index i */
	char (*hnames)[NAMELEN];
};

/*
 * Random names, drawn one ahead: the next name is prefetched while the
 * current one is looked up.  A program opens a path it has just built,
 * which is in its cache; without the prefetch, each lookup in a large
 * dictionary also paid the benchmark's own cache (and TLB) miss on its
 * array of names (32 MB at 1M names), which is not the model's cost.
 * The names are as random and the lookups as real as before.
 */
static double
sim_lookup(void *arg, long n)
{
	struct lookup_arg *a = arg;
	const char *name;
	double t0;
	long i, next;
	int fd;

	t0 = op_ns();
	next = rng_below(a->n);
	for (i = 0; i < n; i++) {
		name = a->names[next];
		next = rng_below(a->n);
		__builtin_prefetch(a->names[next]);
		SIM(shmsim_shm_open(a->p, name, SHMSIM_O_RDWR, 0, &fd));
		SIM(shmsim_close(a->p, fd));
	}
	return ((op_ns() - t0) / (double)n);
}

/* The same name every time: the chain walk without cache misses. */
static double
sim_lookup_hot(void *arg, long n)
{
	struct lookup_arg *a = arg;
	const char *name = a->names[a->hot];
	double t0;
	long i;
	int fd;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		SIM(shmsim_shm_open(a->p, name, SHMSIM_O_RDWR, 0, &fd));
		SIM(shmsim_close(a->p, fd));
	}
	return ((op_ns() - t0) / (double)n);
}

static double
host_lookup(void *arg, long n)
{
	struct lookup_arg *a = arg;
	double t0;
	const char *name;
	long i, next;
	int fd;

	t0 = op_ns();
	next = rng_below(a->n);
	for (i = 0; i < n; i++) {
		name = a->hnames[next];
		next = rng_below(a->n);
		__builtin_prefetch(a->hnames[next]); /* as sim_lookup() */
		fd = shm_open(name, O_RDWR, 0);
		if (fd < 0)
			die_host("shm_open(lookup)", i);
		close(fd);
	}
	return ((op_ns() - t0) / (double)n);
}

static Fnv32_t *sort_fnv;

static int
cmp_bucket(const void *a, const void *b)
{
	Fnv32_t x = sort_fnv[*(const long *)a] & 1023,
		y = sort_fnv[*(const long *)b] & 1023;

	if (x != y)
		return (x < y ? -1 : 1);
	return (*(const long *)a < *(const long *)b ? -1 : 1);
}

/*
 * A kernel with nnames names ("/bench.l.I") in a dictionary of buckets
 * buckets, and a process to look them up.  The names are created bucket
 * by bucket (of 1024), so that building a 1M-name dictionary with 1024
 * buckets does not take minutes: each creation walks its whole chain,
 * which is then in cache.
 */
static struct shmsim_kernel *
lookup_kernel(long nnames, uint32_t buckets, struct lookup_arg *sa)
{
	struct shmsim_kernel *k;
	long i, *order;
	double t0;
	int fd;

	memset(sa, 0, sizeof(*sa));
	sa->names = malloc((size_t)nnames * sizeof(sa->names[0]));
	order = malloc((size_t)nnames * sizeof(order[0]));
	sort_fnv = malloc((size_t)nnames * sizeof(sort_fnv[0]));
	if (sa->names == NULL || order == NULL || sort_fnv == NULL)
		die_host("malloc", 0);
	for (i = 0; i < nnames; i++) {
		snprintf(sa->names[i], sizeof(sa->names[i]), "/bench.l.%ld", i);
		sort_fnv[i] = fnv_32_str(sa->names[i], FNV1_32_INIT);
		order[i] = i;
	}
	qsort(order, (size_t)nnames, sizeof(order[0]), cmp_bucket);
	free(sort_fnv);
	sort_fnv = NULL;
	k = sim_kernel(buckets, 0);
	sa->p = sim_proc(k);
	sa->n = nnames;
	sa->hot = nnames / 2;
	t0 = now_ns();
	for (i = 0; i < nnames; i++) {
		SIM(shmsim_shm_open(sa->p, sa->names[order[i]],
		    SIM_O_CREAT_EXCL_RDWR, 0600, &fd));
		SIM(shmsim_close(sa->p, fd));
	}
	if (opt_verbose)
		fprintf(stderr, "  lookup setup: %ld names in %.2f s\n", nnames,
		    (now_ns() - t0) / 1e9);
	free(order);
	return (k);
}

/*
 * The reference every dictionary is measured against, in alternation
 * (so that the machine's load changes both alike): 1 name, 1 bucket.
 */
static struct lookup_arg lookup_ref;

/* Sized buckets, the most names: [0] random names, [1] the same name. */
static struct measured lookup_flat[2];
static long lookup_flat_n;

static void
bench_lookup_one(long nnames, int sized, int rounds, long nops)
{
	struct lookup_arg sa, ha;
	struct shmsim_kernel *k;
	char title[200], hot[32];
	uint32_t buckets;
	struct measured m, mh, mhost;
	struct row *r;
	long i;
	int fd, *slots = NULL, host = !sized && nnames <= 1000;
	double t0;

	buckets = 1024;
	if (sized)
		for (buckets = 1; buckets < (uint64_t)nnames; buckets <<= 1)
			continue;
	k = lookup_kernel(nnames, buckets, &sa);
	snprintf(title, sizeof(title), "lookup %ld/%u", nnames, buckets);
	m = measure_vs(title, sim_lookup, &sa, nops, sim_lookup, &lookup_ref,
	    scaled(50000), rounds);
	snprintf(title, sizeof(title), "lookup %ld/%u, one name", nnames,
	    buckets);
	mh = measure_vs(title, sim_lookup_hot, &sa, nops, sim_lookup_hot,
	    &lookup_ref, scaled(50000), rounds);
	memset(&mhost, 0, sizeof(mhost));
	if (host && !opt_no_host) {
		ha.n = nnames;
		ha.hnames = malloc((size_t)nnames * NAMELEN);
		slots = malloc((size_t)nnames * sizeof(slots[0]));
		if (ha.hnames == NULL || slots == NULL)
			die_host("malloc", 0);
		for (i = 0; i < nnames; i++) {
			host_name(ha.hnames[i], "l", i);
			slots[i] = host_register(ha.hnames[i]);
			fd = shm_open(ha.hnames[i], O_CREAT | O_EXCL | O_RDWR,
			    0600);
			if (fd < 0)
				die_host("shm_open(lookup setup)", i);
			close(fd);
		}
		snprintf(title, sizeof(title), "lookup %ld/%u vs host", nnames,
		    buckets);
		mhost = measure(title, sim_lookup, &sa, nops, host_lookup, &ha,
		    scaled(10000), rounds);
		for (i = 0; i < nnames; i++)
			host_unregister(slots[i]);
		free(slots);
		free(ha.hnames);
	}
	t0 = now_ns();
	sim_done(k);
	if (opt_verbose)
		fprintf(stderr, "  lookup teardown: %.2f s\n",
		    (now_ns() - t0) / 1e9);
	free(sa.names);

	snprintf(title, sizeof(title),
	    "lookup (open existing + close of a random name): %ld name%s, "
	    "%u bucket%s%s",
	    nnames, nnames == 1 ? "" : "s", buckets, buckets == 1 ? "" : "s",
	    sized ? " (sized to fit)" : "");
	r = row_add(title, K_TIME);
	r->sim = m.sim;
	if (mhost.host.n > 0) {
		r->host = mhost.host;
		r->ratio = mhost.ratio;
	} else
		snprintf(r->host_note, sizeof(r->host_note), "%s",
		    host || sized ? "-" :
				    "n/a (not filling the shared /dev/shm)");
	fmt_time(hot, sizeof(hot), mh.sim.med);
	snprintf(r->comment, sizeof(r->comment),
	    "%.2fx the 1-name reference measured in alternation (%.0f ns); "
	    "the same name every time: %s, %.2fx its reference",
	    m.sim.med / m.host.med, m.host.med, hot, mh.sim.med / mh.host.med);
	if (sized && nnames >= lookup_flat_n) {
		lookup_flat_n = nnames;
		lookup_flat[0] = m;
		lookup_flat[1] = mh;
	}
}

/* The flatness target: the most names against 1, buckets sized. */
static void
lookup_flatness(int hot)
{
	const struct measured *m = &lookup_flat[hot];
	struct row *r;
	char title[200];
	double f;

	if (lookup_flat_n == 0 || m->host.med <= 0)
		return;
	f = m->sim.med / m->host.med;
	snprintf(title, sizeof(title),
	    "lookup flatness, buckets sized to fit: %ld names against 1 "
	    "(%s)",
	    lookup_flat_n,
	    hot ? "the same name every time: the "
		  "hash chain's cost" :
		  "random names: chain and cache misses");
	r = row_add(title, K_TIME);
	r->sim = m->sim;
	snprintf(r->sim_note, sizeof(r->sim_note),
	    "%.2fx (%.0f ns against "
	    "%.0f ns)",
	    f, m->sim.med, m->host.med);
	snprintf(r->host_note, sizeof(r->host_note), "-");
	snprintf(r->target, sizeof(r->target), "<= 2x");
	r->met = f <= 2.0;
}

static void
bench_lookups(void)
{
	static const long sizes[] = { 1, 1000, 100000, 1000000 };
	struct shmsim_kernel *ref;
	size_t i;
	int sized;

	if (!wanted("lookup"))
		return;
	ref = lookup_kernel(1, 1, &lookup_ref);
	for (sized = 1; sized >= 0; sized--)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			long n = sizes[i], ops = scaled(50000);
			int rounds = opt_rounds;

			if (n >= 1000000 && opt_no_1m)
				continue;
			if (n >= 1000000)
				rounds = opt_rounds < 5 ? opt_rounds : 5;
			/* A long chain per lookup: fewer of them. */
			if (!sized && n >= 100000)
				ops = scaled(n >= 1000000 ? 2000 : 10000);
			bench_lookup_one(n, sized, rounds, ops);
		}
	sim_done(ref);
	free(lookup_ref.names);
	lookup_flatness(0);
	lookup_flatness(1);
}

/* ------------------------------------------------- 8. kernel create */

static double
sim_kernel_cycle(void *arg, long n)
{
	struct shmsim_kernel *k;
	double t0;
	long i;

	(void)arg;
	t0 = op_ns();
	for (i = 0; i < n; i++) {
		SIM(shmsim_kernel_create(arg, &k));
		if (shmsim_kernel_destroy(k, NULL, 0) != 0)
			die_sim("kernel_destroy (leaks)", EIO);
	}
	return ((op_ns() - t0) / (double)n);
}

static void
bench_kernel(void)
{
	struct measured m;
	struct row *r;

	if (!wanted("kernel"))
		return;
	m = measure("kernel create+destroy", sim_kernel_cycle, NULL,
	    scaled(25000), NULL, NULL, 0, opt_rounds);
	r = row_add("kernel create + destroy (defaults: 1024 buckets)", K_TIME);
	r->sim = m.sim;
	snprintf(r->host_note, sizeof(r->host_note), "-");
	snprintf(r->target, sizeof(r->target), "<= 2 us");
	r->met = m.sim.med <= 2000;
}

/* ------------------------------------------------- 11. the shared library */

/*
 * The API as a client calls it, through pointers filled either from the
 * model linked into this program or from libshmsim.so loaded with
 * dlopen(3): the two sides differ only in how the library is built and
 * loaded (its thread-local model, position-independent code), not in how
 * it is called.  Each side has its own single-thread kernel.
 */
struct lib_side {
	__typeof__(shmsim_config_init) *config_init;
	__typeof__(shmsim_kernel_create) *kernel_create;
	__typeof__(shmsim_kernel_destroy) *kernel_destroy;
	__typeof__(shmsim_spawn) *spawn;
	__typeof__(shmsim_exit) *exit;
	__typeof__(shmsim_shm_open) *shm_open;
	__typeof__(shmsim_shm_unlink) *shm_unlink;
	__typeof__(shmsim_ftruncate) *ftruncate;
	__typeof__(shmsim_fstat) *fstat;
	__typeof__(shmsim_close) *close;
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	char (*names)[NAMELEN];
	long nnames;
};

static void
lib_side_linked(struct lib_side *a)
{
	a->config_init = shmsim_config_init;
	a->kernel_create = shmsim_kernel_create;
	a->kernel_destroy = shmsim_kernel_destroy;
	a->spawn = shmsim_spawn;
	a->exit = shmsim_exit;
	a->shm_open = shmsim_shm_open;
	a->shm_unlink = shmsim_shm_unlink;
	a->ftruncate = shmsim_ftruncate;
	a->fstat = shmsim_fstat;
	a->close = shmsim_close;
}

static void *
lib_sym(void *h, const char *name)
{
	void *f = dlsym(h, name);

	if (f == NULL) {
		fprintf(stderr, "shmsim_bench: dlsym(%s): %s\n", name,
		    dlerror());
		exit(1);
	}
	return (f);
}

/* NULL when the library cannot be loaded (the row says why). */
static void *
lib_side_loaded(struct lib_side *a, const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL)
		return (NULL);
	a->config_init = lib_sym(h, "shmsim_config_init");
	a->kernel_create = lib_sym(h, "shmsim_kernel_create");
	a->kernel_destroy = lib_sym(h, "shmsim_kernel_destroy");
	a->spawn = lib_sym(h, "shmsim_spawn");
	a->exit = lib_sym(h, "shmsim_exit");
	a->shm_open = lib_sym(h, "shmsim_shm_open");
	a->shm_unlink = lib_sym(h, "shmsim_shm_unlink");
	a->ftruncate = lib_sym(h, "shmsim_ftruncate");
	a->fstat = lib_sym(h, "shmsim_fstat");
	a->close = lib_sym(h, "shmsim_close");
	return (h);
}

/* A single-thread kernel with one process and the name "/bench.lib". */
static void
lib_side_start(struct lib_side *a)
{
	struct shmsim_config cfg;
	int fd;

	a->config_init(&cfg);
	cfg.threads = SHMSIM_THREADS_SINGLE;
	SIM(a->kernel_create(&cfg, &a->k));
	SIM(a->spawn(a->k, NULL, &a->p));
	SIM(a->shm_open(a->p, "/bench.lib", SIM_O_CREAT_EXCL_RDWR, 0600, &fd));
	SIM(a->ftruncate(a->p, fd, 4096));
	SIM(a->close(a->p, fd));
}

static void
lib_side_done(struct lib_side *a)
{
	char report[512];
	int leaks;

	SIM(a->shm_unlink(a->p, "/bench.lib"));
	SIM(a->exit(a->p));
	leaks = a->kernel_destroy(a->k, report, sizeof(report));
	if (leaks != 0) {
		fprintf(stderr, "shmsim_bench: %d leak(s):\n%s", leaks, report);
		exit(1);
	}
}

static double
lib_open_close(void *arg, long n)
{
	struct lib_side *a = arg;
	double t0;
	long i;
	int fd;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		SIM(a->shm_open(a->p, "/bench.lib", SHMSIM_O_RDWR, 0, &fd));
		SIM(a->close(a->p, fd));
	}
	return ((op_ns() - t0) / (double)n);
}

static double
lib_cycle(void *arg, long n)
{
	struct lib_side *a = arg;
	struct shmsim_stat sb;
	double t0;
	long i;
	int fd;

	t0 = op_ns();
	for (i = 0; i < n; i++) {
		const char *name = a->names[i % a->nnames];

		SIM(a->shm_open(a->p, name, SIM_O_CREAT_EXCL_RDWR, 0600, &fd));
		SIM(a->ftruncate(a->p, fd, 4096));
		SIM(a->fstat(a->p, fd, &sb));
		SIM(a->close(a->p, fd));
		SIM(a->shm_unlink(a->p, name));
	}
	return ((op_ns() - t0) / (double)n);
}

/* One row: the shared library's time over the linked-in model's. */
static void
lib_row(const char *what, const struct measured *m, const char *why)
{
	char title[200];
	struct row *r;

	snprintf(title, sizeof(title),
	    "%s through libshmsim.so (dlopen) against the model linked in "
	    "[threads=single]",
	    what);
	r = row_add(title, K_TIME);
	snprintf(r->host_note, sizeof(r->host_note), "-");
	if (m == NULL) {
		snprintf(r->sim_note, sizeof(r->sim_note), "n/a (%s)", why);
		return;
	}
	snprintf(r->sim_note, sizeof(r->sim_note),
	    "%.2fx (%.0f ns against %.0f ns)", m->host.med / m->sim.med,
	    m->host.med, m->sim.med);
	/* measure_vs()'s ratio is its second side over its first. */
	snprintf(r->comment, sizeof(r->comment),
	    "libshmsim.so / linked in, round by round %.2fx (%.2fx .. %.2fx)",
	    m->ratio.med, m->ratio.lo, m->ratio.hi);
}

static void
bench_library(void)
{
	struct lib_side linked, shared;
	struct measured m;
	long n = scaled(50000), i;
	void *h;

	if (!wanted("libshmsim.so"))
		return;
	memset(&linked, 0, sizeof(linked));
	memset(&shared, 0, sizeof(shared));
	lib_side_linked(&linked);
	h = lib_side_loaded(&shared, opt_lib);
	if (h == NULL) {
		lib_row("open existing + close", NULL, dlerror());
		return;
	}
	linked.names = malloc((size_t)n * NAMELEN);
	if (linked.names == NULL)
		die_host("malloc", 0);
	for (i = 0; i < n; i++)
		snprintf(linked.names[i], NAMELEN, "/bench.lib.%ld", i);
	linked.nnames = n;
	shared.names = linked.names;
	shared.nnames = n;
	lib_side_start(&linked);
	lib_side_start(&shared);
	m = measure_vs("lib open+close", lib_open_close, &linked,
	    scaled(200000), lib_open_close, &shared, scaled(200000),
	    opt_rounds);
	lib_row("open existing + close", &m, NULL);
	m = measure_vs("lib create-to-unlink", lib_cycle, &linked, n, lib_cycle,
	    &shared, n, opt_rounds);
	lib_row("create-to-unlink cycle", &m, NULL);
	lib_side_done(&linked);
	lib_side_done(&shared);
	free(linked.names);
	dlclose(h);
}

/* ------------------------------------------------- 9, 10. memory */

static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
}

static long
rss_kib(void)
{
	long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return (-1);
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	fclose(f);
	return (resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024));
}

static void
bench_memory(void)
{
	const int64_t tib = INT64_C(1) << 40;
	const int64_t offs[3] = { 0, tib / 2, tib - 4096 };
	struct shmsim_kernel *k;
	struct shmsim_counters c;
	struct shmsim_proc *p;
	char hname[NAMELEN];
	size_t h0, h1, done;
	long rss0, rss1;
	struct stat st;
	struct row *r;
	int fd, hfd, slot, i;
	char b = 1;

	if (!wanted("memory"))
		return;
	/* 9. A 1 TiB object with 3 touched pages. */
	k = sim_kernel(0, UINT64_C(1) << 28); /* 1 TiB of swap reservation */
	p = sim_proc(k);
	/*
	 * The dictionary's bucket array is allocated at the first name
	 * (XXX(model) in shm_ns.c), a cost of the kernel, not of the object:
	 * one name made and removed first.
	 */
	SIM(shmsim_shm_open(p, "/bench.warm", SIM_O_CREAT_EXCL_RDWR, 0600,
	    &fd));
	SIM(shmsim_close(p, fd));
	SIM(shmsim_shm_unlink(p, "/bench.warm"));
	h0 = heap_in_use();
	rss0 = rss_kib();
	SIM(shmsim_shm_open(p, "/bench.sparse", SIM_O_CREAT_EXCL_RDWR, 0600,
	    &fd));
	SIM(shmsim_ftruncate(p, fd, tib));
	for (i = 0; i < 3; i++)
		SIM(shmsim_pwrite(p, fd, &b, 1, offs[i], &done));
	h1 = heap_in_use();
	rss1 = rss_kib();
	shmsim_counters(k, &c);
	sim_done(k);

	host_name(hname, "sparse", 0);
	slot = host_register(hname);
	hfd = shm_open(hname, O_CREAT | O_EXCL | O_RDWR, 0600);
	if (hfd < 0 || ftruncate(hfd, tib) != 0)
		die_host("shm_open+ftruncate(1 TiB)", -1);
	for (i = 0; i < 3; i++)
		if (pwrite(hfd, &b, 1, offs[i]) != 1)
			die_host("pwrite(sparse)", i);
	if (fstat(hfd, &st) != 0)
		die_host("fstat(sparse)", -1);
	close(hfd);
	host_unregister(slot);

	r = row_add("memory of a 1 TiB object with 3 touched pages (shmsim: "
		    "host heap bytes in use, mallinfo2 delta)",
	    K_BYTES);
	r->sim.med = (double)(h1 - h0);
	r->sim.n = 1;
	snprintf(r->host_note, sizeof(r->host_note),
	    "%jd B of data pages (st_blocks); kernel metadata not visible",
	    (intmax_t)st.st_blocks * 512);
	snprintf(r->target, sizeof(r->target), "< 64 KiB");
	r->met = h1 - h0 < 64 * 1024;
	snprintf(r->comment, sizeof(r->comment),
	    "everything the object costs: its file, descriptor slot, shmfd, "
	    "name, vm object and %ju resident pages (the model's counters); "
	    "process RSS delta %ld KiB (page-granular)",
	    (uintmax_t)c.pages, rss1 - rss0);

	/* 10. Overhead per resident page. */
	k = sim_kernel(0, 0);
	p = sim_proc(k);
	SIM(shmsim_shm_open(p, "/bench.pages", SIM_O_CREAT_EXCL_RDWR, 0600,
	    &fd));
	SIM(shmsim_ftruncate(p, fd, 4096L * 4096));
	h0 = heap_in_use();
	for (i = 0; i < 4096; i++)
		SIM(shmsim_pwrite(p, fd, &b, 1, (int64_t)i * 4096, &done));
	h1 = heap_in_use();
	sim_done(k);
	r = row_add("overhead per resident page (heap bytes per page - "
		    "page_size, over 4,096 pages)",
	    K_BYTES);
	r->sim.med = (double)(h1 - h0) / 4096.0 - 4096.0;
	r->sim.n = 1;
	snprintf(r->host_note, sizeof(r->host_note), "-");
	snprintf(r->target, sizeof(r->target), "<= 64 B");
	r->met = r->sim.med <= 64.0;
	snprintf(r->comment, sizeof(r->comment),
	    "struct vm_page header %zu B (red-black tree links, pindex, "
	    "dirty flag; the tree is intrusive) + malloc's chunk header "
	    "and rounding",
	    sizeof(struct vm_page));
}

/* ------------------------------------------------- 11. fuzzer exec/s */

#define FUZZ_INPUTS 400

static double
run_fuzz_once(const char *bin, const char *dir)
{
	double t0;
	pid_t pid;
	int st, devnull;

	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die_host("fork(fuzz)", 0);
	if (pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 1);
		/* As the fuzzer runs: without the replay's proof. */
		setenv("SHMSIM_FUZZ_PROOF", "0", 1);
		execl(bin, bin, dir, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		die_host("waitpid(fuzz)", 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "shmsim_bench: %s %s failed (status %#x)\n",
		    bin, dir, st);
		return (-1);
	}
	return (now_ns() - t0);
}

static void
bench_fuzz(void)
{
	char dir[] = "/tmp/shmsim-bench-fuzz.XXXXXX", path[128];
	double v[MAXROUNDS];
	long total = 0;
	struct row *r;
	int i, j, n, len, rounds = 5;
	FILE *f;

	if (!wanted("fuzz"))
		return;
	r = row_add("fuzz_syscalls, auditor after every call: inputs per "
		    "second (fixed set of 400 random inputs, 64..1024 "
		    "bytes)",
	    K_RATE);
	snprintf(r->host_note, sizeof(r->host_note), "-");
	if (opt_no_fuzz || access(opt_fuzz_bin, X_OK) != 0) {
		snprintf(r->sim_note, sizeof(r->sim_note),
		    "n/a (no replay binary at %s)", opt_fuzz_bin);
		return;
	}
	if (mkdtemp(dir) == NULL)
		die_host("mkdtemp", 0);
	rng_state = 0x2545f4914f6cdd1dULL;
	for (i = 0; i < FUZZ_INPUTS; i++) {
		snprintf(path, sizeof(path), "%s/in-%03d", dir, i);
		f = fopen(path, "wb");
		if (f == NULL)
			die_host("fopen(fuzz input)", i);
		len = 64 + (int)rng_below(1024 - 64 + 1);
		for (j = 0; j < len; j++)
			fputc((int)(rng() >> 56), f);
		fclose(f);
		total += len;
	}
	n = 0;
	(void)run_fuzz_once(opt_fuzz_bin, dir); /* warm the page cache */
	for (i = 0; i < rounds; i++) {
		double t = run_fuzz_once(opt_fuzz_bin, dir);

		if (t > 0)
			v[n++] = FUZZ_INPUTS / (t / 1e9);
	}
	for (i = 0; i < FUZZ_INPUTS; i++) {
		snprintf(path, sizeof(path), "%s/in-%03d", dir, i);
		unlink(path);
	}
	rmdir(dir);
	if (n == 0) {
		snprintf(r->sim_note, sizeof(r->sim_note),
		    "n/a (replay failed)");
		return;
	}
	r->sim = summarize(v, n);
	snprintf(r->comment, sizeof(r->comment),
	    "%s, %ld input bytes in all; the time includes starting the "
	    "replay process",
	    opt_fuzz_bin, total);
}

/* ------------------------------------------------------------ main */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: shmsim_bench [--rounds N] [--scale F] [--only WORD] "
	    "[--no-1m] [--no-host] [--wall]\n"
	    "                    [--threads single|multi] "
	    "[--fuzz-bin PATH | --no-fuzz] [--lib PATH] [--verbose]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	char date[64];
	time_t t;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			opt_rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
			opt_scale = atof(argv[++i]);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			opt_only = argv[++i];
		else if (strcmp(argv[i], "--fuzz-bin") == 0 && i + 1 < argc)
			opt_fuzz_bin = argv[++i];
		else if (strcmp(argv[i], "--lib") == 0 && i + 1 < argc)
			opt_lib = argv[++i];
		else if (strcmp(argv[i], "--no-fuzz") == 0)
			opt_no_fuzz = 1;
		else if (strcmp(argv[i], "--wall") == 0)
			op_clock = CLOCK_MONOTONIC;
		else if (strcmp(argv[i], "--no-host") == 0)
			opt_no_host = 1;
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "single") == 0)
				opt_mode = 0;
			else if (strcmp(argv[i], "multi") == 0)
				opt_mode = 1;
			else
				usage();
		} else if (strcmp(argv[i], "--no-1m") == 0)
			opt_no_1m = 1;
		else if (strcmp(argv[i], "--verbose") == 0 ||
		    strcmp(argv[i], "-v") == 0)
			opt_verbose = 1;
		else
			usage();
	}
	if (opt_rounds < 1 || opt_rounds > MAXROUNDS || opt_scale <= 0)
		usage();
	snprintf(name_prefix, sizeof(name_prefix), "/shmsim-bench.%ld.",
	    (long)getpid());
	atexit(host_cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	t = time(NULL);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M", localtime(&t));
	printf("shmsim_bench %s: %s, %ld CPUs online, %d rounds, scale %g, "
	       "%s\n",
	    SHMSIM_VERSION, date, sysconf(_SC_NPROCESSORS_ONLN), opt_rounds,
	    opt_scale,
	    op_clock == CLOCK_MONOTONIC ? "wall-clock time" :
					  "thread CPU time (fork: wall-clock)");
	printf("glibc heap trimming off after fork + exit "
	       "(M_TRIM_THRESHOLD 256 MiB)\n");
	fflush(stdout);

	/* Memory first, while the heap holds no freed chunks to reuse. */
	bench_memory();
	/* fork early too, while the bench process is small. */
	bench_fork();
	/*
	 * Then no heap trimming: with glibc's default (give the top of the
	 * heap back above 128 KiB free), a 1 MiB grow/shrink cycle returns
	 * its pages to the host on every shrink and faults them in again
	 * on every grow -- 12x slower on this VM, and dependent on whatever
	 * else happens to sit at the top of the heap.  docs/performance.md.
	 * (Not before fork: a larger heap makes the host's fork slower.)
	 */
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
	bench_create_cycle();
	bench_open_close();
	bench_mmap();
	bench_truncate();
	bench_pageout();
	bench_kernel();
	bench_library();
	bench_lookups();
	bench_fuzz();

	print_table();
	host_sweep();
	return (0);
}
