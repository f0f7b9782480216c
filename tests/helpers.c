#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

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
