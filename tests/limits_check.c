/*
 * limits_check SHMSIM WORKDIR: no scenario can make shmsim hang or take
 * more than linear time and memory (shmsim-scenario(5) LIMITS).
 *
 * The inputs are generated here, at test time, in WORKDIR:
 *   - ""*1T as a data argument, after "=>" and as a path (these hung the
 *     parser once), "x"*1T, "x"*-1, a 16 MiB + 1 string, a file whose
 *     strings add up to more than 64 MiB: each must end at once with
 *     exit status 2 and a FILE:LINE:COLUMN: error naming the limit;
 *   - more than 256 audit, dump and par statements, each of which looks
 *     at the whole kernel (so that a run stays linear);
 *   - files of the same statements at two sizes (N and 4N bytes): plain
 *     calls, distinct variables, processes with threads that fork and
 *     exit, par blocks binding variables, names then 256 audits (a
 *     quarter of the size: each audit costs a pass over every name).  The
 * larger must take at most about four times the CPU time and memory of the
 * smaller (linear);
 *   - a 10 MB file of calls, whose peak RSS must stay under 16 bytes per
 *     input byte plus 48 MiB (it was 273 MB, 27 per byte, before).
 * Each child runs with a CPU time limit (RLIMIT_CPU), so a hang fails
 * the test instead of stalling it; its time and peak RSS come from
 * wait4().  Under a sanitizer or valgrind (slow, and memory-hungry by
 * design) the sizes are smaller and only time and linearity are checked.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

static const char *shmsim, *workdir;
static int failures;

static void
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	failures++;
}

struct outcome {
	int status; /* exit status, or 128 + signal */
	double cpu; /* user + system seconds */
	long rss_kb;
	char err[4096]; /* the start of stderr */
};

static double
tv_sec(struct timeval tv)
{
	return ((double)tv.tv_sec + (double)tv.tv_usec / 1e6);
}

/* shmsim run --quiet FILE, with at most cpu_limit seconds of CPU. */
static void
run(const char *file, int cpu_limit, struct outcome *o)
{
	char errpath[4096];
	struct rusage ru;
	int status, fd;
	ssize_t n;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", workdir);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		struct rlimit rl = { (rlim_t)cpu_limit, (rlim_t)cpu_limit };
		int out = open("/dev/null", O_WRONLY);
		int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		(void)setrlimit(RLIMIT_CPU, &rl);
		execl(shmsim, shmsim, "run", "--quiet", file, (char *)NULL);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("wait4");
			exit(2);
		}
	o->status =
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	o->cpu = tv_sec(ru.ru_utime) + tv_sec(ru.ru_stime);
	o->rss_kb = ru.ru_maxrss;
	fd = open(errpath, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, o->err, sizeof(o->err) - 1);
		o->err[n > 0 ? n : 0] = '\0';
		close(fd);
	}
}

static FILE *
create(const char *name, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", workdir, name);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	return (f);
}

static void
finish(FILE *f, const char *path)
{
	if (ferror(f) || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* A short file whose last line must be refused: exit 2, that message. */
static void
refused(const char *name, int lineno, const char *line, const char *needle)
{
	char path[4096], where[4200];
	struct outcome o;
	FILE *f = create(name, path, sizeof(path));

	fprintf(f, "spawn p\np: shm_open(SHM_ANON, O_RDWR, 0600) => 0\n%s\n",
	    line);
	finish(f, path);
	run(path, 20, &o);
	snprintf(where, sizeof(where), "%s:%d:", path, lineno);
	if (o.status != 2)
		fail("%s: exit %d, expected 2 (%.2f s CPU)\n%s", line, o.status,
		    o.cpu, o.err);
	else if (strstr(o.err, where) == NULL || strstr(o.err, needle) == NULL)
		fail("%s: expected '%s...%s', got:\n%s", line, where, needle,
		    o.err);
	else
		printf("ok: %-45s refused in %.2f s: %s", line, o.cpu,
		    strstr(o.err, "error:"));
}

/* The statements of a workload, to about size bytes. */
enum workload { CALLS, VARS, PROCS, PAR, AUDITS };
static const char *const workload_names[] = { "calls", "variables", "processes",
	"par blocks", "names and audits" };

static void
generate(enum workload w, const char *path, long size)
{
	FILE *f = fopen(path, "w");
	long i;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fprintf(f,
	    "spawn p\n"
	    "p: shm_open(SHM_ANON, O_RDWR, 0600) => 0\n"
	    "p: ftruncate(0, 4096)\n");
	for (i = 0; ftell(f) < size; i++) {
		switch (w) {
		case CALLS:
			fprintf(f, "p: pwrite(0, \"hello\", 0) => 5\n");
			break;
		case VARS:
			fprintf(f, "p: lseek(0, %ld, SEEK_SET) -> v%ld\n",
			    i % 4096, i);
			break;
		case PROCS:
			fprintf(f,
			    "fork p c%ld\nthread t%ld of c%ld\n"
			    "t%ld: pread(0, 1, 0) => \"\\0\"\nexit c%ld\n",
			    i, i, i, i, i);
			break;
		case PAR:
			/* Blocks of 4096 calls (par statements are limited). */
			if (i % 4096 == 0)
				fprintf(f, "%spar\n", i == 0 ? "" : "end\n");
			fprintf(f,
			    "  p: lseek(0, 1, SEEK_SET) -> a%ld\n"
			    "  pagedaemon: pageout\n",
			    i);
			break;
		case AUDITS:
			/* Names (the kernel grows), then as many audits as
			 * allowed: each looks at every name. */
			fprintf(f,
			    "p: shm_open(\"/n%ld\", O_RDWR|O_CREAT, 0600) "
			    "-> f%ld\np: close(f%ld)\n",
			    i, i, i);
			break;
		}
	}
	if (w == PAR)
		fprintf(f, "end\n");
	if (w == AUDITS)
		for (i = 0; i < 256; i++)
			fprintf(f, "audit\n");
	finish(f, path);
}

int
main(int argc, char **argv)
{
	bool slow = false, sanitized = false;
	const char *pre = getenv("LD_PRELOAD");
	long small;
	int w;

	if (argc != 3) {
		fprintf(stderr, "usage: limits_check SHMSIM WORKDIR\n");
		return (2);
	}
	shmsim = argv[1];
	workdir = argv[2];
#ifdef SHMSIM_SANITIZED
	sanitized = true;
#endif
	/* valgrind's memcheck preloads its helpers into every child. */
	if (pre != NULL && strstr(pre, "vgpreload") != NULL)
		slow = true;
	slow = slow || sanitized;

	/* The pathological inputs: refused at once, with the limit named. */
	refused("empty-repeat-arg.shm", 3, "p: pwrite(0, \"\"*1T, 0)",
	    "repeat count 1099511627776 out of range (0 to 16777216)");
	refused("empty-repeat-expect.shm", 3, "p: pread(0, 1, 0) => \"\"*1T",
	    "repeat count 1099511627776 out of range");
	refused("empty-repeat-path.shm", 3, "p: shm_open(\"\"*1T, O_RDWR, 0)",
	    "repeat count 1099511627776 out of range");
	refused("repeat-max.shm", 3,
	    "p: pwrite(0, \"x\"*9223372036854775807, 0)",
	    "repeat count 9223372036854775807 out of range");
	refused("repeat-negative.shm", 3, "p: pwrite(0, \"x\"*-1, 0)",
	    "error: expected a repeat count");
	refused("repeat-too-long.shm", 3, "p: pwrite(0, \"xy\"*8M + \"z\", 0)",
	    "string longer than 16777216 bytes");
	refused("repeat-product.shm", 3, "p: pwrite(0, \"xy\"*16M, 0)",
	    "repeated string longer than 16777216 bytes");
	{
		char line[257 * 6 + 1];
		int k;

		for (k = 0; k < 257; k++)
			memcpy(line + 6 * k, k < 256 ? "audit\n" : "dump \n",
			    6);
		line[257 * 6 - 1] = '\0';
		refused("whole-kernel.shm", 259, line,
		    "more than 256 audit, dump and par statements");
	}
	refused("data-total.shm", 7,
	    "p: pwrite(0, \"a\"*16M + \"\", 0) => 16M\n"
	    "p: pwrite(0, \"b\"*16M, 0)\np: pwrite(0, \"c\"*16M, 0)\n"
	    "p: pwrite(0, \"d\"*16M, 0)\np: pwrite(0, \"e\", 0)",
	    "add up to more than 67108864 bytes");

	/* Linear: 4 times the input, at most about 4 times the cost. */
	small = slow ? 150 * 1000 : 1000 * 1000;
	for (w = CALLS; w <= AUDITS; w++) {
		char p1[4096], p2[4096];
		struct outcome a, b;

		snprintf(p1, sizeof(p1), "%s/linear-%d-small.shm", workdir, w);
		snprintf(p2, sizeof(p2), "%s/linear-%d-big.shm", workdir, w);
		long n1 = w == AUDITS ? small / 4 : small;

		generate((enum workload)w, p1, n1);
		generate((enum workload)w, p2, 4 * n1);
		run(p1, 60, &a);
		run(p2, 120, &b);
		printf("%s: %ld bytes: %.2f s CPU, %ld KB; %ld bytes: "
		       "%.2f s, %ld KB\n",
		    workload_names[w], n1, a.cpu, a.rss_kb, 4 * n1, b.cpu,
		    b.rss_kb);
		if (a.status != 0 || b.status != 0) {
			fail("%s: exit %d and %d, expected 0\n%s%s",
			    workload_names[w], a.status, b.status, a.err,
			    b.err);
			continue;
		}
		/* (Slack for timer granularity and a loaded machine.) */
		if (b.cpu > 8 * a.cpu + 1.0)
			fail("%s: CPU time grows faster than the input "
			     "(%.2f s for 4 times the %.2f s input)",
			    workload_names[w], b.cpu, a.cpu);
		if (!slow && b.rss_kb > 5 * a.rss_kb + 16 * 1024)
			fail("%s: memory grows faster than the input "
			     "(%ld KB for 4 times the %ld KB input)",
			    workload_names[w], b.rss_kb, a.rss_kb);
	}

	/* 10 MB: at most 16 bytes of memory per input byte, plus 48 MiB. */
	if (!slow) {
		char path[4096];
		struct outcome o;
		long size = 10 * 1000 * 1000;
		long bound_kb = (16 * size) / 1024 + 48 * 1024;

		snprintf(path, sizeof(path), "%s/ten-mb.shm", workdir);
		generate(CALLS, path, size);
		run(path, 120, &o);
		printf("10 MB of calls: exit %d, %.2f s CPU, %ld KB peak RSS "
		       "(bound %ld KB)\n",
		    o.status, o.cpu, o.rss_kb, bound_kb);
		if (o.status != 0)
			fail("10 MB: exit %d\n%s", o.status, o.err);
		if (o.rss_kb > bound_kb)
			fail("10 MB: %ld KB peak RSS, more than %ld KB",
			    o.rss_kb, bound_kb);
	} else
		printf("(sanitizer or valgrind: no memory bounds, smaller "
		       "inputs)\n");
	if (failures != 0) {
		printf("%d check(s) failed\n", failures);
		return (1);
	}
	printf("all limits held\n");
	return (0);
}
