#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

struct shmsim_kernel *
kernel_new(enum shmsim_threads threads)
{
	struct shmsim_config cfg;
	struct shmsim_kernel *k;

	shmsim_config_init(&cfg);
	cfg.threads = threads;
	assert_errno(shmsim_kernel_create(&cfg, &k), 0);
	return (k);
}

void
kernel_free(struct shmsim_kernel *k)
{
	char report[4096];

	if (shmsim_kernel_destroy(k, report, sizeof(report)) != 0)
		fail_msg("kernel destroy reported a leak:\n%s", report);
}

struct env *
env_new(const struct shmsim_config *cfg)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(shmsim_kernel_create(cfg, &e->k), 0);
	assert_int_equal(shmsim_spawn(e->k, NULL, &e->p), 0);
	return (e);
}

void
env_free(struct env *e)
{
	char report[4096];
	int leaks;

	leaks = shmsim_kernel_destroy(e->k, report, sizeof(report));
	free(e);
	if (leaks != 0)
		fail_msg("kernel leaked %d thing(s):\n%s", leaks, report);
}

static int
setup_profile(void **state, enum shmsim_profile profile)
{
	struct shmsim_config cfg;

	shmsim_config_init(&cfg);
	cfg.profile = profile;
	*state = env_new(&cfg);
	return (0);
}

int
setup_current(void **state)
{
	return (setup_profile(state, SHMSIM_PROFILE_CURRENT));
}

int
setup_2008(void **state)
{
	return (setup_profile(state, SHMSIM_PROFILE_2008));
}

int
teardown_env(void **state)
{
	env_free(*state);
	return (0);
}

void
assert_errno_impl(int got, int want, const char *expr, const char *file,
    int line)
{
	if (got != want) {
		print_error("%s: got %s (%d), want %s (%d)\n", expr,
		    shmsim_errno_name(got), got, shmsim_errno_name(want), want);
		_fail(file, line);
	}
}

void
assert_audit_clean_impl(struct shmsim_kernel *k, const char *file, int line)
{
	char report[8192];
	int n;

	n = shmsim_audit(k, report, sizeof(report));
	if (n != 0) {
		print_error("audit found %d violation(s):\n%s", n, report);
		_fail(file, line);
	}
}

struct shmsim_proc *
spawn_as(struct shmsim_kernel *k, uid_t uid, gid_t gid, mode_t umask)
{
	struct shmsim_cred cr;
	struct shmsim_proc *p;

	shmsim_cred_init(&cr);
	cr.uid = uid;
	cr.gid = gid;
	cr.umask = umask;
	assert_int_equal(shmsim_spawn(k, &cr, &p), 0);
	return (p);
}

struct shmsim_fdinfo
fdinfo(struct shmsim_proc *p, int fd)
{
	struct shmsim_fdinfo info;

	assert_int_equal(shmsim_fdinfo(p, fd, &info), 0);
	return (info);
}

void
assert_caught_impl(struct shmsim_kernel *k, int min, int max,
    const char *const *words, const char *file, int line)
{
	char report[8192];
	int i, n;

	memset(report, 0, sizeof(report));
	n = shmsim_audit(k, report, sizeof(report));
	if (n < min || n > max) {
		print_error("audit found %d violation(s), want %d..%d:\n%s", n,
		    min, max, report);
		_fail(file, line);
	}
	for (i = 0; words[i] != NULL; i++)
		if (strstr(report, words[i]) == NULL) {
			print_error("audit report does not mention \"%s\":\n%s",
			    words[i], report);
			_fail(file, line);
		}
}

unsigned char
pattern_at(unsigned int seed, uint64_t off)
{
	return (
	    (unsigned char)(1 + (seed * 37u + off * 13u + off / 251u) % 255u));
}

void *
test_xmalloc(size_t len)
{
	void *p = malloc(len == 0 ? 1 : len);

	assert_non_null(p);
	return (p);
}

int
anon_object(struct env *e, int64_t size)
{
	int fd;

	assert_errno(
	    shmsim_shm_open(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &fd),
	    0);
	if (size != 0)
		assert_errno(shmsim_ftruncate(e->p, fd, size), 0);
	return (fd);
}

void
write_pattern(struct env *e, int fd, uint64_t off, size_t len,
    unsigned int seed, bool dbg)
{
	unsigned char *buf = test_xmalloc(len);
	size_t done = 0, i;

	for (i = 0; i < len; i++)
		buf[i] = pattern_at(seed, off + i);
	if (dbg)
		assert_errno(shmsim_poke(e->p, fd, off, buf, len), 0);
	else {
		assert_errno(
		    shmsim_pwrite(e->p, fd, buf, len, (int64_t)off, &done), 0);
		assert_int_equal(done, len);
	}
	free(buf);
}

void
check_pattern(struct env *e, int fd, uint64_t off, size_t len,
    unsigned int seed, bool zero, bool dbg)
{
	unsigned char *buf = test_xmalloc(len);
	size_t done = 0, i;

	memset(buf, 0xee, len);
	if (dbg)
		assert_errno(shmsim_peek(e->p, fd, off, buf, len), 0);
	else {
		assert_errno(
		    shmsim_pread(e->p, fd, buf, len, (int64_t)off, &done), 0);
		assert_int_equal(done, len);
	}
	for (i = 0; i < len; i++) {
		unsigned char got = buf[i];
		unsigned char want = zero ? 0 : pattern_at(seed, off + i);

		if (got != want) {
			free(buf);
			fail_msg("byte at offset %ju is 0x%02x, want 0x%02x",
			    (uintmax_t)(off + i), got, want);
		}
	}
	free(buf);
}

struct shmsim_counters
env_counters(struct env *e)
{
	struct shmsim_counters c;

	shmsim_counters(e->k, &c);
	return (c);
}

/*
 * Run fn(arg) in a forked child with stderr on a pipe; the child exits 0
 * if fn returns.
 */
void
run_child(void (*fn)(void *), void *arg, struct outcome *o)
{
	size_t used = 0;
	ssize_t n;
	pid_t pid;
	int pfd[2];

	memset(o, 0, sizeof(*o));
	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		if (dup2(pfd[1], STDERR_FILENO) < 0)
			_exit(126);
		close(pfd[1]);
		signal(SIGABRT, SIG_DFL);
		fn(arg);
		_exit(0);
	}
	close(pfd[1]);
	for (;;) {
		n = read(pfd[0], o->err + used, sizeof(o->err) - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used == sizeof(o->err) - 1)
			break;
	}
	o->err[used] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &o->status, 0) < 0)
		assert_int_equal(errno, EINTR);
}

void
assert_aborted(const struct outcome *o)
{
	if (!WIFSIGNALED(o->status) || WTERMSIG(o->status) != SIGABRT)
		fail_msg("child did not die of SIGABRT (status %#x); "
			 "stderr:\n%s",
		    o->status, o->err);
}

void
assert_says(const struct outcome *o, const char *what)
{
	if (strstr(o->err, what) == NULL)
		fail_msg("panic message lacks \"%s\":\n%s", what, o->err);
}
