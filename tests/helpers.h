/*
 * Shared test helpers: a fresh kernel per test, and assertions that name
 * errno values.  Every test tears its kernel down through
 * shmsim_kernel_destroy(), which fails the test on any leak.
 */
#ifndef SHMSIM_TEST_HELPERS_H
#define SHMSIM_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "shmsim.h"

struct env {
	struct shmsim_kernel *k;
	struct shmsim_proc *p; /* uid 0, umask 022 */
};

/* A kernel of default configuration but for its thread mode. */
struct shmsim_kernel *kernel_new(enum shmsim_threads threads);
/* Destroy k; fail the test on a leak, printing what leaked. */
void kernel_free(struct shmsim_kernel *k);

/* Build a kernel from cfg (NULL: defaults) and spawn root. */
struct env *env_new(const struct shmsim_config *cfg);
/* Destroy; fail the test on a leak, printing what leaked. */
void env_free(struct env *e);

int setup_current(void **state);
int setup_2008(void **state);
int teardown_env(void **state);

/* Fail the test, naming both errno values, unless got == want. */
#define assert_errno(got, want) \
	assert_errno_impl((got), (want), #got, __FILE__, __LINE__)
void assert_errno_impl(int got, int want, const char *expr, const char *file,
    int line);

/* Fail the test, printing the report, unless the auditor is clean. */
#define assert_audit_clean(k) assert_audit_clean_impl((k), __FILE__, __LINE__)
void assert_audit_clean_impl(struct shmsim_kernel *k, const char *file,
    int line);

/* A spawned process with the given ids and umask. */
struct shmsim_proc *spawn_as(struct shmsim_kernel *k, uid_t uid, gid_t gid,
    mode_t umask);

/* fdinfo of fd, failing the test if fd is not open. */
struct shmsim_fdinfo fdinfo(struct shmsim_proc *p, int fd);

/*
 * The auditor must find between min and max violations and name the
 * problem: every word given is in its report.
 */
#define assert_caught(k, min, max, ...)       \
	assert_caught_impl((k), (min), (max), \
	    (const char *const[]) { __VA_ARGS__, NULL }, __FILE__, __LINE__)
void assert_caught_impl(struct shmsim_kernel *k, int min, int max,
    const char *const *words, const char *file, int line);

/* Byte off of the test pattern seed (never 0). */
unsigned char pattern_at(unsigned int seed, uint64_t off);
/* malloc(3) that fails the test when out of memory. */
void *test_xmalloc(size_t len);
/* An anonymous object of size bytes open O_RDWR in e's process. */
int anon_object(struct env *e, int64_t size);
/*
 * Write pattern seed over [off, off + len): pwrite(2), or poke when dbg
 * (profile 2008 has no write(2)).
 */
void write_pattern(struct env *e, int fd, uint64_t off, size_t len,
    unsigned int seed, bool dbg);
/*
 * Read [off, off + len) with pread(2) (or peek when dbg) and compare it
 * with pattern seed, or with zeroes when zero.
 */
void check_pattern(struct env *e, int fd, uint64_t off, size_t len,
    unsigned int seed, bool zero, bool dbg);
/* The kernel's counters. */
struct shmsim_counters env_counters(struct env *e);

/*
 * Panics (KASSERT, WITNESS) abort the process: run_child() runs fn(arg)
 * in a forked child with its stderr caught; the child exits 0 if fn
 * returns.
 */
/*
 * UNDER_TSAN: ThreadSanitizer and a forked child's abort do not mix (it
 * flags the abort as a signal-unsafe call in CMocka's handlers), so the
 * tests that panic in a child skip themselves under TSan.
 */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

struct outcome {
	int status;
	char err[8192];
};
void run_child(void (*fn)(void *), void *arg, struct outcome *o);
/* The child died of SIGABRT (a panic). */
void assert_aborted(const struct outcome *o);
/* Its stderr (the panic message) contains what. */
void assert_says(const struct outcome *o, const char *what);

#endif /* SHMSIM_TEST_HELPERS_H */
