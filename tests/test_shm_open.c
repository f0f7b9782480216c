/*
 * shm_open(3) and shm_unlink(2) in both profiles: every errno row of the
 * section 4 table of freebsd-shm-semantics.md that the two calls can
 * reach, in the kernel's check order (sections 2.1, 2.2, 2.4, 2.21, 3),
 * and the 2008 original as seed-2008-version.md describes it (sections
 * 1.3-1.5, 1.9 and table D).  Tests that exist in FreeBSD's
 * tests/sys/posixshm/posixshm_test.c keep their ATF names.  Most tests
 * run once per profile; the profile 2008 run has the suffix "_2008".
 */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define FREAD 0x0001 /* kernel f_flag bits */
#define FWRITE 0x0002
#define MAXPATHLEN 1024
#define PAGE 4096 /* the default simulated page size */
#define UNTOUCHED (-12345)

#define O_RDONLY SHMSIM_O_RDONLY
#define O_RDWR SHMSIM_O_RDWR
#define O_CREAT SHMSIM_O_CREAT
#define O_EXCL SHMSIM_O_EXCL
#define O_TRUNC SHMSIM_O_TRUNC
#define ANON SHMSIM_SHM_ANON

/* ---------------------------------------------------------------- */
/* Helpers                                                          */
/* ---------------------------------------------------------------- */

static struct env *
env_of(void **state)
{
	return (*state);
}

static bool
is_2008(const struct env *e)
{
	return (shmsim_kernel_config(e->k)->profile == SHMSIM_PROFILE_2008);
}

/*
 * Replace the fixture's kernel by one of the same profile with the given
 * kern.maxfiles and RLIMIT_NOFILE; teardown_env frees the new one.
 */
static struct env *
env_with_limits(void **state, int max_files, int max_fds)
{
	struct shmsim_config cfg;
	struct env *e = *state;

	cfg = *shmsim_kernel_config(e->k);
	cfg.max_files = max_files;
	cfg.max_fds = max_fds;
	env_free(e);
	*state = env_new(&cfg);
	return (*state);
}

/* shm_open must succeed; returns the descriptor. */
#define OPEN_OK(p, path, flags, mode) \
	open_ok_impl((p), (path), (flags), (mode), __FILE__, __LINE__)
static int
open_ok_impl(struct shmsim_proc *p, const char *path, int flags, mode_t mode,
    const char *file, int line)
{
	int fd = UNTOUCHED;

	assert_errno_impl(shmsim_shm_open(p, path, flags, mode, &fd), 0,
	    "shmsim_shm_open", file, line);
	if (fd < 0) {
		print_error("shm_open returned fd %d\n", fd);
		_fail(file, line);
	}
	return (fd);
}

/* shm_open must fail with want and leave the out-pointer alone. */
#define OPEN_FAILS(p, path, flags, mode, want)                          \
	open_fails_impl((p), (path), (flags), (mode), (want), __FILE__, \
	    __LINE__)
static void
open_fails_impl(struct shmsim_proc *p, const char *path, int flags, mode_t mode,
    int want, const char *file, int line)
{
	int fd = UNTOUCHED;

	assert_errno_impl(shmsim_shm_open(p, path, flags, mode, &fd), want,
	    "shmsim_shm_open", file, line);
	if (fd != UNTOUCHED) {
		print_error("failed shm_open wrote fd %d\n", fd);
		_fail(file, line);
	}
}

#define UNLINK_IS(p, path, want)                                  \
	assert_errno_impl(shmsim_shm_unlink((p), (path)), (want), \
	    "shmsim_shm_unlink(" #path ")", __FILE__, __LINE__)

#define assert_counters_equal(a, b) \
	assert_counters_equal_impl((a), (b), __FILE__, __LINE__)
static void
assert_counters_equal_impl(const struct shmsim_counters *a,
    const struct shmsim_counters *b, const char *file, int line)
{
	if (memcmp(a, b, sizeof(*a)) == 0)
		return;
	print_error("counters differ: objects %ju/%ju shm %ju/%ju "
		    "names %ju/%ju files %ju/%ju pages %ju/%ju "
		    "reserved %ju/%ju procs %ju/%ju\n",
	    (uintmax_t)a->objects, (uintmax_t)b->objects, (uintmax_t)a->shm,
	    (uintmax_t)b->shm, (uintmax_t)a->names, (uintmax_t)b->names,
	    (uintmax_t)a->files, (uintmax_t)b->files, (uintmax_t)a->pages,
	    (uintmax_t)b->pages, (uintmax_t)a->swap_reserved,
	    (uintmax_t)b->swap_reserved, (uintmax_t)a->procs,
	    (uintmax_t)b->procs);
	_fail(file, line);
}

/* buf = first, then 'a' up to nchars characters, then NUL. */
static void
fill_path(char *buf, size_t nchars, char first)
{
	memset(buf, 'a', nchars);
	if (nchars > 0)
		buf[0] = first;
	buf[nchars] = '\0';
}

static uint32_t
st_mode_of(struct shmsim_proc *p, int fd)
{
	struct shmsim_stat sb;

	assert_errno(shmsim_fstat(p, fd, &sb), 0);
	assert_int_equal(sb.st_mode & SHMSIM_S_IFMT, SHMSIM_S_IFREG);
	return (sb.st_mode & ~(uint32_t)SHMSIM_S_IFMT);
}

static int64_t
st_size_of(struct shmsim_proc *p, int fd)
{
	struct shmsim_stat sb;

	assert_errno(shmsim_fstat(p, fd, &sb), 0);
	return (sb.st_size);
}

static int64_t
getfd_flags(struct shmsim_proc *p, int fd)
{
	int64_t v = -1;

	assert_errno(shmsim_fcntl(p, fd, SHMSIM_F_GETFD, 0, &v), 0);
	return (v);
}

/* A process with supplementary groups. */
static struct shmsim_proc *
spawn_groups(struct shmsim_kernel *k, uid_t uid, gid_t gid, int ngroups,
    const gid_t *groups)
{
	struct shmsim_cred cr;
	struct shmsim_proc *p;
	int i;

	shmsim_cred_init(&cr);
	cr.uid = uid;
	cr.gid = gid;
	cr.ngroups = ngroups;
	for (i = 0; i < ngroups; i++)
		cr.groups[i] = groups[i];
	assert_errno(shmsim_spawn(k, &cr, &p), 0);
	return (p);
}

/* uid 1000 gid 100 creates path with mode (umask 0) and closes it. */
static void
create_as_1000(struct env *e, const char *path, mode_t mode)
{
	struct shmsim_proc *owner;
	int fd;

	owner = spawn_as(e->k, 1000, 100, 0);
	fd = OPEN_OK(owner, path, O_RDWR | O_CREAT | O_EXCL, mode);
	assert_int_equal(st_mode_of(owner, fd), mode);
	assert_errno(shmsim_close(owner, fd), 0);
	assert_errno(shmsim_exit(owner), 0);
}

/* ---------------------------------------------------------------- */
/* SHM_ANON                                                         */
/* ---------------------------------------------------------------- */

static void
open_anon(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters c;
	struct shmsim_fdinfo fi;
	int fd;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0777);
	assert_int_equal(fd, 0);
	fi = fdinfo(e->p, fd);
	assert_false(fi.named);
	assert_string_equal(fi.path, "");
	assert_int_equal(fi.f_flag, FREAD | FWRITE);
	assert_int_equal(fi.f_count, 1);
	assert_int_equal(fi.shm_refs, 1);
	assert_int_equal(fi.obj_ref_count, 1);
	assert_int_equal(fi.size, 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.names, 0);
	assert_int_equal(c.shm, 1);
	assert_int_equal(c.objects, 1);
	assert_int_equal(c.files, 1);
	assert_audit_clean(e->k);

	assert_errno(shmsim_close(e->p, fd), 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.shm, 0);
	assert_int_equal(c.objects, 0);
	assert_int_equal(c.files, 0);
	assert_audit_clean(e->k);
}

static void
open_anon_readonly(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	int fd;

	fd = OPEN_OK(e->p, ANON, O_RDWR, 0777);
	assert_int_equal(fd, 0);
	shmsim_counters(e->k, &before);
	OPEN_FAILS(e->p, ANON, O_RDONLY, 0777, EINVAL);
	OPEN_FAILS(e->p, ANON, O_RDONLY | O_CREAT, 0777, EINVAL);
	OPEN_FAILS(e->p, ANON, O_RDONLY | O_CREAT | O_EXCL | O_TRUNC, 0777,
	    EINVAL);
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	assert_audit_clean(e->k);
	/* The descriptor the failed opens held for a while is free again. */
	assert_int_equal(OPEN_OK(e->p, ANON, O_RDWR, 0777), 1);
	assert_audit_clean(e->k);
}

static void
kern_shm_open2_anon_ignores_creat_excl_trunc(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fi0, fi1;
	struct shmsim_counters c;
	int fd0, fd1;

	fd0 = OPEN_OK(e->p, ANON, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_errno(shmsim_ftruncate(e->p, fd0, 100), 0);
	/* O_EXCL cannot collide and O_TRUNC touches nothing. */
	fd1 = OPEN_OK(e->p, ANON, O_RDWR | O_CREAT | O_EXCL | O_TRUNC, 0600);
	assert_int_equal(fd1, fd0 + 1);
	fi0 = fdinfo(e->p, fd0);
	fi1 = fdinfo(e->p, fd1);
	assert_int_equal(fi0.size, 100);
	assert_int_equal(fi1.size, 0);
	assert_false(fi0.named);
	assert_false(fi1.named);
	assert_int_equal(fi0.shm_refs, 1);
	assert_int_equal(fi1.shm_refs, 1);
	if (!is_2008(e))
		assert_int_not_equal(fi0.ino, fi1.ino);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.objects, 2);
	assert_int_equal(c.shm, 2);
	assert_int_equal(c.names, 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Path copy-in (shm_copyin_path; 2008: copyinstr + '/' check)       */
/* ---------------------------------------------------------------- */

static void
open_bad_path_pointer(void **state)
{
	struct env *e = env_of(state);
	const char *bad[] = { NULL, SHMSIM_BADPTR,
		(const char *)(uintptr_t)1024 };
	const int flags[] = { O_RDONLY, O_RDWR | O_CREAT,
		O_RDWR | O_CREAT | O_EXCL | O_TRUNC };
	struct shmsim_counters before, after;
	size_t i, j;

	shmsim_counters(e->k, &before);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (j = 0; j < sizeof(flags) / sizeof(flags[0]); j++)
			OPEN_FAILS(e->p, bad[i], flags[j], 0777, EFAULT);
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	assert_audit_clean(e->k);
	assert_int_equal(OPEN_OK(e->p, "/x", O_RDWR | O_CREAT, 0600), 0);
}

static void
open_path_too_long(void **state)
{
	struct env *e = env_of(state);
	char path[MAXPATHLEN + 2];
	struct shmsim_fdinfo fi;
	struct shmsim_counters c;
	int fd;

	/* 1024 characters: the NUL does not fit in MAXPATHLEN. */
	fill_path(path, MAXPATHLEN, 'a');
	OPEN_FAILS(e->p, path, O_RDONLY, 0777, ENAMETOOLONG);
	fill_path(path, MAXPATHLEN, '/');
	OPEN_FAILS(e->p, path, O_RDONLY, 0777, ENAMETOOLONG);
	OPEN_FAILS(e->p, path, O_RDWR | O_CREAT, 0777, ENAMETOOLONG);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.names, 0);
	assert_int_equal(c.files, 0);
	assert_audit_clean(e->k);

	/* 1023 characters fit; without the '/' the name is then bad. */
	fill_path(path, MAXPATHLEN - 1, 'a');
	OPEN_FAILS(e->p, path, O_RDWR | O_CREAT, 0777, EINVAL);
	fill_path(path, MAXPATHLEN - 1, '/');
	fd = OPEN_OK(e->p, path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_int_equal(fd, 0);
	fi = fdinfo(e->p, fd);
	assert_true(fi.named);
	assert_int_equal(strlen(fi.path), MAXPATHLEN - 1);
	assert_string_equal(fi.path, path);
	assert_audit_clean(e->k);
	UNLINK_IS(e->p, path, 0);
	assert_false(fdinfo(e->p, fd).named);
	assert_audit_clean(e->k);
}

static void
open_invalid_path(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;

	shmsim_counters(e->k, &before);
	OPEN_FAILS(e->p, "blah", O_RDONLY, 0777, EINVAL);
	OPEN_FAILS(e->p, "foo", O_RDWR | O_CREAT, 0777, EINVAL);
	OPEN_FAILS(e->p, "", O_RDONLY, 0777, EINVAL);
	OPEN_FAILS(e->p, "", O_RDWR | O_CREAT | O_EXCL, 0777, EINVAL);
	OPEN_FAILS(e->p, " /x", O_RDWR | O_CREAT, 0777, EINVAL);
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	assert_audit_clean(e->k);
}

static void
shm_copyin_path_slash_is_a_name(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters c;
	int fd0, fd1, fd2;

	fd0 = OPEN_OK(e->p, "/", O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_string_equal(fdinfo(e->p, fd0).path, "/");
	/* No interpretation of further slashes or dots. */
	fd1 = OPEN_OK(e->p, "//", O_RDWR | O_CREAT | O_EXCL, 0600);
	fd2 = OPEN_OK(e->p, "/a/../b", O_RDWR | O_CREAT | O_EXCL, 0600);
	OPEN_FAILS(e->p, "/b", O_RDONLY, 0, ENOENT);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.names, 3);
	assert_int_equal(c.objects, 3);
	assert_audit_clean(e->k);
	UNLINK_IS(e->p, "/", 0);
	UNLINK_IS(e->p, "/", ENOENT);
	UNLINK_IS(e->p, "//", 0);
	UNLINK_IS(e->p, "/a/../b", 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.names, 0);
	assert_int_equal(fd2, fd1 + 1);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Named objects: lookup, create, EEXIST                            */
/* ---------------------------------------------------------------- */

static void
open_nonexisting_object(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;

	shmsim_counters(e->k, &before);
	OPEN_FAILS(e->p, "/notreallythere", O_RDONLY, 0777, ENOENT);
	OPEN_FAILS(e->p, "/notreallythere", O_RDWR | O_TRUNC, 0777, ENOENT);
	/* O_EXCL without O_CREAT means nothing. */
	OPEN_FAILS(e->p, "/notreallythere", O_RDWR | O_EXCL, 0777, ENOENT);
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	assert_audit_clean(e->k);
}

static void
open_create_existing_object(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	struct shmsim_fdinfo fi;
	int fd, fd2;

	fd = OPEN_OK(e->p, "/obj", O_RDONLY | O_CREAT, 0777);
	fi = fdinfo(e->p, fd);
	assert_true(fi.named);
	assert_int_equal(fi.shm_refs, 2); /* the file and the name */
	shmsim_counters(e->k, &before);
	OPEN_FAILS(e->p, "/obj", O_RDONLY | O_CREAT | O_EXCL, 0777, EEXIST);
	OPEN_FAILS(e->p, "/obj", O_RDWR | O_CREAT | O_EXCL | O_TRUNC, 0777,
	    EEXIST);
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	assert_int_equal(fdinfo(e->p, fd).shm_refs, 2);
	assert_audit_clean(e->k);

	/* O_EXCL alone on an existing object is no error. */
	fd2 = OPEN_OK(e->p, "/obj", O_RDONLY | O_EXCL, 0777);
	assert_int_equal(fd2, fd + 1);
	assert_int_equal(fdinfo(e->p, fd).shm_refs, 3);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_close(e->p, fd2), 0);
	UNLINK_IS(e->p, "/obj", 0);
	shmsim_counters(e->k, &after);
	assert_int_equal(after.shm, 0);
	assert_int_equal(after.objects, 0);
	assert_audit_clean(e->k);
}

static void
open_read_only(void **state)
{
	struct env *e = env_of(state);
	int64_t fl;
	int fd0, fd1, fd2;

	fd0 = OPEN_OK(e->p, "/ro", O_RDWR | O_CREAT, 0644);
	fd1 = OPEN_OK(e->p, "/ro", O_RDONLY, 0);
	assert_int_equal(fdinfo(e->p, fd0).f_flag, FREAD | FWRITE);
	assert_int_equal(fdinfo(e->p, fd1).f_flag, FREAD);
	assert_errno(shmsim_fcntl(e->p, fd1, SHMSIM_F_GETFL, 0, &fl), 0);
	assert_int_equal(fl, O_RDONLY);
	assert_errno(shmsim_fcntl(e->p, fd0, SHMSIM_F_GETFL, 0, &fl), 0);
	assert_int_equal(fl, O_RDWR);
	/* Not open for writing: ftruncate says EINVAL. */
	assert_errno(shmsim_ftruncate(e->p, fd1, PAGE), EINVAL);
	assert_errno(shmsim_ftruncate(e->p, fd0, PAGE), 0);
	assert_int_equal(st_size_of(e->p, fd1), PAGE);

	/* The creator gets what it asked for, read-only included. */
	fd2 = OPEN_OK(e->p, "/ro2", O_RDONLY | O_CREAT, 0600);
	assert_int_equal(fdinfo(e->p, fd2).f_flag, FREAD);
	assert_true(fdinfo(e->p, fd2).named);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Flags                                                            */
/* ---------------------------------------------------------------- */

static void
open_write_only(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters c;
	int fd;

	OPEN_FAILS(e->p, "/wo", SHMSIM_O_WRONLY, 0777, EINVAL);
	OPEN_FAILS(e->p, "/wo", SHMSIM_O_WRONLY | O_CREAT, 0777, EINVAL);
	OPEN_FAILS(e->p, "/wo", SHMSIM_O_ACCMODE | O_CREAT, 0777, EINVAL);
	OPEN_FAILS(e->p, ANON, SHMSIM_O_WRONLY, 0777, EINVAL);
	OPEN_FAILS(e->p, ANON, SHMSIM_O_ACCMODE, 0777, EINVAL);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.names, 0);
	assert_int_equal(c.files, 0);
	OPEN_FAILS(e->p, "/wo", O_RDONLY, 0, ENOENT);

	/* On an existing object too: no permission check is reached. */
	fd = OPEN_OK(e->p, "/wo", O_RDWR | O_CREAT, 0666);
	OPEN_FAILS(e->p, "/wo", SHMSIM_O_WRONLY, 0, EINVAL);
	OPEN_FAILS(e->p, "/wo", SHMSIM_O_ACCMODE | O_TRUNC, 0, EINVAL);
	assert_int_equal(fdinfo(e->p, fd).shm_refs, 2);
	assert_audit_clean(e->k);
}

static void
open_extra_flags(void **state)
{
	struct env *e = env_of(state);
	const int bad[] = { SHMSIM_O_DIRECT, SHMSIM_O_APPEND, SHMSIM_O_NONBLOCK,
		SHMSIM_O_SHLOCK, SHMSIM_O_EXLOCK, SHMSIM_O_ASYNC,
		SHMSIM_O_FSYNC, SHMSIM_O_NOFOLLOW, SHMSIM_O_NOCTTY,
		SHMSIM_O_DIRECTORY, SHMSIM_O_EXEC, SHMSIM_O_DSYNC, 0x00200000,
		0x40000000, (int)0x80000000u };
	struct shmsim_counters before, after;
	size_t i;
	int fd;

	fd = OPEN_OK(e->p, "/exists", O_RDWR | O_CREAT, 0666);
	shmsim_counters(e->k, &before);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		OPEN_FAILS(e->p, "/new", O_RDONLY | bad[i], 0777, EINVAL);
		OPEN_FAILS(e->p, "/new", O_RDWR | O_CREAT | bad[i], 0777,
		    EINVAL);
		OPEN_FAILS(e->p, "/exists", O_RDWR | bad[i], 0777, EINVAL);
		OPEN_FAILS(e->p, ANON, O_RDWR | bad[i], 0777, EINVAL);
	}
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	assert_int_equal(fdinfo(e->p, fd).shm_refs, 2);
	OPEN_FAILS(e->p, "/new", O_RDONLY, 0, ENOENT);
	assert_audit_clean(e->k);
}

/* The flag checks come before the path is even looked at. */
static void
kern_shm_open2_flags_checked_before_path(void **state)
{
	struct env *e = env_of(state);
	char path[MAXPATHLEN + 2];
	uint64_t hits;

	fill_path(path, MAXPATHLEN, '/');
	hits = shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN);
	OPEN_FAILS(e->p, SHMSIM_BADPTR, SHMSIM_O_WRONLY, 0, EINVAL);
	OPEN_FAILS(e->p, NULL, SHMSIM_O_WRONLY | O_CREAT, 0, EINVAL);
	OPEN_FAILS(e->p, SHMSIM_BADPTR, SHMSIM_O_ACCMODE, 0, EINVAL);
	OPEN_FAILS(e->p, path, SHMSIM_O_WRONLY, 0, EINVAL);
	OPEN_FAILS(e->p, "foo", SHMSIM_O_WRONLY, 0, EINVAL);
	OPEN_FAILS(e->p, SHMSIM_BADPTR, O_RDWR | SHMSIM_O_APPEND, 0, EINVAL);
	OPEN_FAILS(e->p, path, O_RDWR | SHMSIM_O_NONBLOCK, 0, EINVAL);
	OPEN_FAILS(e->p, "/ok", O_RDWR | O_CREAT | SHMSIM_O_APPEND, 0, EINVAL);
	if (is_2008(e)) {
		OPEN_FAILS(e->p, SHMSIM_BADPTR, O_RDWR | SHMSIM_O_CLOEXEC, 0,
		    EINVAL);
		OPEN_FAILS(e->p, path, O_RDWR | SHMSIM_O_CLOEXEC, 0, EINVAL);
	}
	/* No copyin was attempted for any of them. */
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN), hits);
	assert_audit_clean(e->k);
}

/*
 * libc's shm_open adds O_CLOEXEC today; the 2008 system call set
 * UF_EXCLOSE itself once the file was set up (seed 1.3 step 8, D4).
 * Either way the descriptor is close-on-exec; dup's copy is not.
 */
static void
cloexec(void **state)
{
	struct env *e = env_of(state);
	int fd0, fd1, fd2;

	fd0 = OPEN_OK(e->p, ANON, O_RDWR, 0777);
	assert_int_equal(getfd_flags(e->p, fd0), SHMSIM_FD_CLOEXEC);
	assert_int_equal(fdinfo(e->p, fd0).fd_flags, SHMSIM_FD_CLOEXEC);
	fd1 = OPEN_OK(e->p, "/cloexec", O_CREAT | O_RDWR, 0600);
	assert_int_equal(getfd_flags(e->p, fd1), SHMSIM_FD_CLOEXEC);
	assert_int_equal(fdinfo(e->p, fd1).fd_flags, SHMSIM_FD_CLOEXEC);
	assert_errno(shmsim_dup(e->p, fd1, &fd2), 0);
	assert_int_equal(getfd_flags(e->p, fd2), 0);

	assert_errno(shmsim_exec(e->p), 0);
	assert_errno(shmsim_fcntl(e->p, fd0, SHMSIM_F_GETFD, 0, NULL), EBADF);
	assert_errno(shmsim_fcntl(e->p, fd1, SHMSIM_F_GETFD, 0, NULL), EBADF);
	assert_int_equal(fdinfo(e->p, fd2).shm_refs, 2);
	assert_audit_clean(e->k);
}

static void
kern_shm_open2_accepts_cloexec_and_clofork(void **state)
{
	struct env *e = env_of(state);
	int fd0, fd1;

	fd0 = OPEN_OK(e->p, "/c", O_RDWR | O_CREAT | SHMSIM_O_CLOEXEC, 0600);
	assert_int_equal(getfd_flags(e->p, fd0), SHMSIM_FD_CLOEXEC);
	fd1 = OPEN_OK(e->p, ANON, O_RDWR | SHMSIM_O_CLOFORK, 0600);
	assert_int_equal(getfd_flags(e->p, fd1), SHMSIM_FD_CLOEXEC);
	assert_audit_clean(e->k);
}

static void
shm_open_2008_rejects_cloexec_and_clofork(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;

	shmsim_counters(e->k, &before);
	OPEN_FAILS(e->p, "/c", O_RDWR | O_CREAT | SHMSIM_O_CLOEXEC, 0600,
	    EINVAL);
	OPEN_FAILS(e->p, ANON, O_RDWR | SHMSIM_O_CLOEXEC, 0600, EINVAL);
	OPEN_FAILS(e->p, "/c", O_RDWR | O_CREAT | SHMSIM_O_CLOFORK, 0600,
	    EINVAL);
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	OPEN_FAILS(e->p, "/c", O_RDONLY, 0, ENOENT);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Permissions (shm_access -> vaccess)                              */
/* ---------------------------------------------------------------- */

static void
shm_access_owner_class_is_final(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *owner, *other;
	struct shmsim_counters before, after;
	int fd;

	create_as_1000(e, "/o", 0066);
	owner = spawn_as(e->k, 1000, 100, 0);
	other = spawn_as(e->k, 2000, 200, 0);
	shmsim_counters(e->k, &before);
	OPEN_FAILS(owner, "/o", O_RDONLY, 0, EACCES);
	OPEN_FAILS(owner, "/o", O_RDWR, 0, EACCES);
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	assert_audit_clean(e->k);
	fd = OPEN_OK(other, "/o", O_RDWR, 0);
	assert_int_equal(fd, 0);
	assert_int_equal(fdinfo(other, fd).f_flag, FREAD | FWRITE);
	/* Unlink needs read and write: the owner may not, "other" may. */
	UNLINK_IS(owner, "/o", EACCES);
	UNLINK_IS(other, "/o", 0);
	assert_audit_clean(e->k);
}

static void
shm_access_group_class_is_final(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *member, *outsider;
	const gid_t groups[] = { 7, 100 };

	create_as_1000(e, "/g", 0606);
	member = spawn_as(e->k, 2000, 100, 0);
	OPEN_FAILS(member, "/g", O_RDONLY, 0, EACCES);
	UNLINK_IS(member, "/g", EACCES);
	/* A supplementary group selects the group class as well. */
	member = spawn_groups(e->k, 2001, 200, 2, groups);
	OPEN_FAILS(member, "/g", O_RDONLY, 0, EACCES);
	outsider = spawn_as(e->k, 3000, 300, 0);
	assert_int_equal(OPEN_OK(outsider, "/g", O_RDWR, 0), 0);
	assert_audit_clean(e->k);
}

static void
shm_access_supplementary_groups(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *p, *nogroups;
	const gid_t groups[] = { 5, 6, 100 };
	int fd;

	create_as_1000(e, "/s", 0640);
	p = spawn_groups(e->k, 2000, 200, 3, groups);
	fd = OPEN_OK(p, "/s", O_RDONLY, 0);
	assert_int_equal(fdinfo(p, fd).f_flag, FREAD);
	OPEN_FAILS(p, "/s", O_RDWR, 0, EACCES);
	UNLINK_IS(p, "/s", EACCES);
	nogroups = spawn_as(e->k, 2000, 200, 0);
	OPEN_FAILS(nogroups, "/s", O_RDONLY, 0, EACCES);
	assert_audit_clean(e->k);
}

static void
shm_access_rdwr_needs_read_and_write(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *other;

	create_as_1000(e, "/r", 0644);
	create_as_1000(e, "/w", 0622);
	other = spawn_as(e->k, 2000, 200, 0);
	assert_int_equal(OPEN_OK(other, "/r", O_RDONLY, 0), 0);
	OPEN_FAILS(other, "/r", O_RDWR, 0, EACCES);
	OPEN_FAILS(other, "/w", O_RDONLY, 0, EACCES);
	OPEN_FAILS(other, "/w", O_RDWR, 0, EACCES);
	/* The failed opens did not take descriptor 1. */
	assert_int_equal(OPEN_OK(other, ANON, O_RDWR, 0), 1);
	assert_audit_clean(e->k);
}

static void
shm_access_root_passes(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters c;
	int fd;

	create_as_1000(e, "/zero", 0);
	fd = OPEN_OK(e->p, "/zero", O_RDWR, 0);
	assert_int_equal(fdinfo(e->p, fd).f_flag, FREAD | FWRITE);
	assert_int_equal(st_mode_of(e->p, fd), 0);
	UNLINK_IS(e->p, "/zero", 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.names, 0);
	assert_audit_clean(e->k);
}

static void
kern_shm_open2_create_needs_no_permission(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *u;
	struct shmsim_stat sb;
	int fd;

	u = spawn_as(e->k, 1000, 100, 022);
	fd = OPEN_OK(u, "/mode0", O_RDWR | O_CREAT, 0);
	assert_int_equal(fdinfo(u, fd).f_flag, FREAD | FWRITE);
	assert_errno(shmsim_ftruncate(u, fd, PAGE), 0);
	assert_errno(shmsim_fstat(u, fd, &sb), 0);
	assert_int_equal(sb.st_mode, SHMSIM_S_IFREG | 0);
	assert_int_equal(sb.st_uid, 1000);
	assert_int_equal(sb.st_gid, 100);
	/* Only the creating open is exempt. */
	OPEN_FAILS(u, "/mode0", O_RDONLY, 0, EACCES);
	OPEN_FAILS(u, "/mode0", O_RDWR | O_CREAT, 0666, EACCES);
	UNLINK_IS(u, "/mode0", EACCES);
	assert_audit_clean(e->k);
}

static void
kern_shm_open2_eexist_before_eacces(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *other;

	create_as_1000(e, "/e", 0);
	other = spawn_as(e->k, 2000, 200, 0);
	OPEN_FAILS(other, "/e", O_RDWR | O_CREAT | O_EXCL, 0666, EEXIST);
	OPEN_FAILS(other, "/e", O_RDONLY | O_CREAT | O_EXCL, 0666, EEXIST);
	OPEN_FAILS(other, "/e", O_RDWR | O_CREAT, 0666, EACCES);
	OPEN_FAILS(other, "/e", O_RDONLY, 0666, EACCES);
	assert_audit_clean(e->k);
}

static void
shm_remove_needs_read_and_write(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *owner, *other;
	struct shmsim_counters c;

	create_as_1000(e, "/ro_owner", 0400);
	create_as_1000(e, "/wo_owner", 0200);
	create_as_1000(e, "/rw_owner", 0600);
	create_as_1000(e, "/r_other", 0604);
	create_as_1000(e, "/w_other", 0602);
	create_as_1000(e, "/rw_other", 0606);
	owner = spawn_as(e->k, 1000, 100, 0);
	other = spawn_as(e->k, 2000, 200, 0);
	UNLINK_IS(owner, "/ro_owner", EACCES);
	UNLINK_IS(owner, "/wo_owner", EACCES);
	UNLINK_IS(other, "/r_other", EACCES);
	UNLINK_IS(other, "/w_other", EACCES);
	UNLINK_IS(other, "/rw_owner", EACCES);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.names, 6);
	assert_audit_clean(e->k);
	UNLINK_IS(owner, "/rw_owner", 0);
	UNLINK_IS(other, "/rw_other", 0);
	/* Existence is checked before permission. */
	UNLINK_IS(other, "/rw_owner", ENOENT);
	/* The denied names are still there and openable. */
	assert_int_equal(OPEN_OK(owner, "/ro_owner", O_RDONLY, 0), 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.names, 4);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Creation mode and umask                                          */
/* ---------------------------------------------------------------- */

static void
mode(void **state)
{
	struct env *e = env_of(state);
	const mode_t modes[] = { 0600, 0660, 0666 };
	struct shmsim_proc *u;
	struct shmsim_stat sb;
	mode_t old;
	size_t i;
	int fd;

	assert_errno(shmsim_umask(e->p, 0, &old), 0);
	assert_int_equal(old, 022);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		fd = OPEN_OK(e->p, "/mode", O_CREAT | O_RDWR, modes[i]);
		assert_int_equal(st_mode_of(e->p, fd), modes[i]);
		assert_errno(shmsim_close(e->p, fd), 0);
		UNLINK_IS(e->p, "/mode", 0);
	}

	/* (mode & ~umask) & 0777: setuid, setgid and sticky dropped. */
	u = spawn_as(e->k, 1000, 100, 027);
	fd = OPEN_OK(u, "/bits", O_CREAT | O_RDWR, 07777);
	assert_int_equal(st_mode_of(u, fd), 0750);
	assert_errno(shmsim_fstat(u, fd, &sb), 0);
	assert_int_equal(sb.st_uid, 1000);
	assert_int_equal(sb.st_gid, 100);
	fd = OPEN_OK(u, ANON, O_RDWR, 04666);
	assert_int_equal(st_mode_of(u, fd), 0640);
	assert_errno(shmsim_umask(u, 0, NULL), 0);
	fd = OPEN_OK(u, "/sticky", O_CREAT | O_RDWR, 01777);
	assert_int_equal(st_mode_of(u, fd), 0777);
	assert_audit_clean(e->k);
}

static void
kern_shm_open2_reopen_ignores_mode(void **state)
{
	struct env *e = env_of(state);
	int fd0, fd1;

	fd0 = OPEN_OK(e->p, "/m", O_CREAT | O_RDWR, 0640);
	assert_int_equal(st_mode_of(e->p, fd0), 0640);
	fd1 = OPEN_OK(e->p, "/m", O_CREAT | O_RDWR, 0777);
	assert_int_equal(st_mode_of(e->p, fd1), 0640);
	assert_errno(shmsim_umask(e->p, 0777, NULL), 0);
	fd1 = OPEN_OK(e->p, "/m", O_CREAT | O_RDONLY, 0);
	assert_int_equal(st_mode_of(e->p, fd1), 0640);
	assert_int_equal(st_mode_of(e->p, fd0), 0640);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* O_TRUNC                                                          */
/* ---------------------------------------------------------------- */

static void
trunc_resets_object(void **state)
{
	struct env *e = env_of(state);
	char c = 'x';
	int fd, fd2;

	fd = OPEN_OK(e->p, "/t", O_RDWR | O_CREAT, 0777);
	assert_errno(shmsim_ftruncate(e->p, fd, 1024), 0);
	assert_int_equal(st_size_of(e->p, fd), 1024);
	assert_errno(shmsim_close(e->p, fd), 0);

	fd = OPEN_OK(e->p, "/t", O_RDWR | O_TRUNC, 0777);
	assert_int_equal(st_size_of(e->p, fd), 0);
	assert_int_equal(fdinfo(e->p, fd).obj_size, 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	UNLINK_IS(e->p, "/t", 0);
	assert_audit_clean(e->k);

	/* The contents go too: grown back, the page reads as zeroes. */
	fd = OPEN_OK(e->p, "/t", O_RDWR | O_CREAT, 0777);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), 0);
	assert_errno(shmsim_poke(e->p, fd, 10, "z", 1), 0);
	fd2 = OPEN_OK(e->p, "/t", O_RDWR | O_CREAT | O_TRUNC, 0777);
	assert_int_equal(st_size_of(e->p, fd), 0);
	assert_errno(shmsim_ftruncate(e->p, fd2, PAGE), 0);
	assert_errno(shmsim_peek(e->p, fd, 10, &c, 1), 0);
	assert_int_equal(c, 0);
	assert_audit_clean(e->k);
}

static void
kern_shm_open2_trunc_rdonly_ignored(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_proc *other;
	char c = 0;
	int fd, fd2;

	create_as_1000(e, "/t", 0644);
	fd = OPEN_OK(e->p, "/t", O_RDWR, 0);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE + 1), 0);
	assert_errno(shmsim_poke(e->p, fd, PAGE, "q", 1), 0);

	fd2 = OPEN_OK(e->p, "/t", O_RDONLY | O_TRUNC, 0);
	assert_int_equal(st_size_of(e->p, fd2), PAGE + 1);
	assert_errno(shmsim_close(e->p, fd2), 0);

	/* Read permission is enough for O_RDONLY|O_TRUNC. */
	other = spawn_as(e->k, 2000, 200, 0);
	fd2 = OPEN_OK(other, "/t", O_RDONLY | O_TRUNC, 0);
	assert_int_equal(st_size_of(other, fd2), PAGE + 1);
	/* EACCES comes before, and prevents, the truncation. */
	OPEN_FAILS(other, "/t", O_RDWR | O_TRUNC, 0, EACCES);
	assert_int_equal(st_size_of(e->p, fd), PAGE + 1);
	assert_errno(shmsim_peek(e->p, fd, PAGE, &c, 1), 0);
	assert_int_equal(c, 'q');
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Descriptor numbering                                             */
/* ---------------------------------------------------------------- */

static void
kern_shm_open2_lowest_free_fd(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	char path[MAXPATHLEN + 2];
	struct shmsim_proc *other;
	int i;

	for (i = 0; i < 4; i++)
		assert_int_equal(
		    OPEN_OK(e->p, i % 2 ? ANON : "/n", O_RDWR | O_CREAT, 0644),
		    i);
	assert_errno(shmsim_close(e->p, 2), 0);
	assert_errno(shmsim_close(e->p, 1), 0);

	/* Every kind of failure leaves the table as it was. */
	create_as_1000(e, "/locked", 0);
	other = spawn_as(e->k, 2000, 200, 0);
	assert_int_equal(OPEN_OK(other, ANON, O_RDWR, 0), 0);
	assert_errno(shmsim_close(other, 0), 0);
	fill_path(path, MAXPATHLEN, '/');
	shmsim_counters(e->k, &before);
	OPEN_FAILS(e->p, "/absent", O_RDWR, 0, ENOENT);
	OPEN_FAILS(e->p, "/n", O_RDWR | O_CREAT | O_EXCL, 0, EEXIST);
	OPEN_FAILS(e->p, ANON, O_RDONLY, 0, EINVAL);
	OPEN_FAILS(e->p, "nope", O_RDWR, 0, EINVAL);
	OPEN_FAILS(e->p, SHMSIM_BADPTR, O_RDWR, 0, EFAULT);
	OPEN_FAILS(e->p, path, O_RDWR, 0, ENAMETOOLONG);
	OPEN_FAILS(e->p, "/n", SHMSIM_O_WRONLY, 0, EINVAL);
	OPEN_FAILS(other, "/locked", O_RDONLY, 0, EACCES);
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	assert_audit_clean(e->k);

	assert_int_equal(OPEN_OK(e->p, "/n", O_RDWR, 0), 1);
	assert_int_equal(OPEN_OK(e->p, ANON, O_RDWR, 0), 2);
	assert_int_equal(OPEN_OK(e->p, ANON, O_RDWR, 0), 4);
	assert_int_equal(OPEN_OK(other, "/n", O_RDONLY, 0), 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Fault sites                                                      */
/* ---------------------------------------------------------------- */

static void
kern_shm_open2_copyin_fault(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	uint64_t hits;
	int fd;

	shmsim_counters(e->k, &before);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_COPYIN, 1, false), 0);
	OPEN_FAILS(e->p, "/x", O_RDWR | O_CREAT, 0600, EFAULT);
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	assert_audit_clean(e->k);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN), 1);

	/* Once only: the same call now works, at the same descriptor. */
	fd = OPEN_OK(e->p, "/x", O_RDWR | O_CREAT, 0600);
	assert_int_equal(fd, 0);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN), 2);

	/* SHM_ANON copies nothing in. */
	hits = shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN);
	assert_int_equal(OPEN_OK(e->p, ANON, O_RDWR, 0600), 1);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN), hits);

	/* shm_unlink's copyin. */
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_COPYIN, 1, false), 0);
	UNLINK_IS(e->p, "/x", EFAULT);
	assert_true(fdinfo(e->p, fd).named);
	UNLINK_IS(e->p, "/x", 0);
	assert_false(fdinfo(e->p, fd).named);
	assert_audit_clean(e->k);
}

static void
kern_shm_open2_obj_alloc_enomem(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters before, after;
	struct shmsim_fdinfo fi;
	uint64_t hits;
	int fd;

	fd = OPEN_OK(e->p, "/exists", O_RDWR | O_CREAT, 0600);
	assert_int_equal(fd, 0);
	shmsim_counters(e->k, &before);
	hits = shmsim_fault_hits(e->k, SHMSIM_FAULT_OBJ_ALLOC);
	assert_int_equal(hits, 1); /* the creation of "/exists" */
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_OBJ_ALLOC, 1, true),
	    0);
	OPEN_FAILS(e->p, "/new", O_RDWR | O_CREAT, 0600, ENOMEM);
	OPEN_FAILS(e->p, "/new", O_RDONLY | O_CREAT | O_EXCL, 0600, ENOMEM);
	OPEN_FAILS(e->p, ANON, O_RDWR, 0600, ENOMEM);
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	assert_audit_clean(e->k);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_OBJ_ALLOC),
	    hits + 3);
	hits += 3;

	/* Errors that come first do not reach the allocation. */
	OPEN_FAILS(e->p, ANON, O_RDONLY, 0600, EINVAL);
	OPEN_FAILS(e->p, "/exists", O_RDWR | O_CREAT | O_EXCL, 0600, EEXIST);
	/* Reopening allocates nothing. */
	assert_int_equal(OPEN_OK(e->p, "/exists", O_RDWR | O_CREAT, 0600), 1);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_OBJ_ALLOC), hits);

	shmsim_fault_reset(e->k);
	OPEN_FAILS(e->p, "/new", O_RDONLY, 0, ENOENT);
	fd = OPEN_OK(e->p, "/new", O_RDWR | O_CREAT, 0600);
	assert_int_equal(fd, 2);
	fi = fdinfo(e->p, fd);
	assert_true(fi.named);
	assert_int_equal(fi.shm_refs, 2);
	assert_audit_clean(e->k);
}

static void
shm_open_2008_obj_alloc_cannot_fail(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters c;

	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_OBJ_ALLOC, 1, true),
	    0);
	assert_int_equal(OPEN_OK(e->p, "/new", O_RDWR | O_CREAT, 0600), 0);
	assert_int_equal(OPEN_OK(e->p, ANON, O_RDWR, 0600), 1);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_OBJ_ALLOC), 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.objects, 2);
	assert_int_equal(c.names, 1);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* ENFILE / EMFILE                                                  */
/* ---------------------------------------------------------------- */

/* kern.maxfiles M: at most M - 1 files are open. */
static void
falloc_noinstall_enfile(void **state)
{
	struct env *e = env_with_limits(state, 20, 1024);
	struct shmsim_counters c;
	struct shmsim_proc *q;
	int i;

	for (i = 0; i < 19; i++)
		assert_int_equal(
		    OPEN_OK(e->p, i % 2 ? ANON : "/f", O_RDWR | O_CREAT, 0600),
		    i);
	OPEN_FAILS(e->p, ANON, O_RDWR, 0, ENFILE);
	OPEN_FAILS(e->p, "/f", O_RDWR, 0, ENFILE);
	OPEN_FAILS(e->p, "/g", O_RDWR | O_CREAT, 0, ENFILE);
	/* The limit is the system's: another process is refused too. */
	q = spawn_as(e->k, 0, 0, 022);
	OPEN_FAILS(q, ANON, O_RDWR, 0, ENFILE);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.files, 19);
	assert_int_equal(c.names, 1);
	assert_audit_clean(e->k);

	assert_errno(shmsim_close(e->p, 5), 0);
	assert_int_equal(OPEN_OK(q, "/f", O_RDWR, 0), 0);
	OPEN_FAILS(e->p, ANON, O_RDWR, 0, ENFILE);
	assert_audit_clean(e->k);
}

/* An unprivileged caller stops at M - M/20 (falloc_noinstall). */
static void
falloc_noinstall_enfile_unprivileged(void **state)
{
	struct env *e = env_with_limits(state, 40, 1024);
	struct shmsim_proc *u;
	int i;

	u = spawn_as(e->k, 1000, 100, 022);
	for (i = 0; i < 37; i++)
		assert_int_equal(OPEN_OK(u, ANON, O_RDWR, 0600), i);
	OPEN_FAILS(u, ANON, O_RDWR, 0, ENFILE);
	OPEN_FAILS(u, "/u", O_RDWR | O_CREAT, 0, ENFILE);
	/* Root may use the reserve, up to M - 1. */
	assert_int_equal(OPEN_OK(e->p, ANON, O_RDWR, 0600), 0);
	assert_int_equal(OPEN_OK(e->p, "/r", O_RDWR | O_CREAT, 0600), 1);
	OPEN_FAILS(e->p, ANON, O_RDWR, 0, ENFILE);
	assert_errno(shmsim_close(e->p, 0), 0);
	OPEN_FAILS(u, ANON, O_RDWR, 0, ENFILE);
	assert_errno(shmsim_close(u, 36), 0);
	assert_errno(shmsim_close(u, 35), 0);
	assert_int_equal(OPEN_OK(u, ANON, O_RDWR, 0600), 35);
	OPEN_FAILS(u, ANON, O_RDWR, 0, ENFILE);
	assert_audit_clean(e->k);
}

static void
fdalloc_emfile(void **state)
{
	struct env *e = env_with_limits(state, 8192, 4);
	struct shmsim_counters before, after;
	struct shmsim_proc *q;
	int i;

	for (i = 0; i < 4; i++)
		assert_int_equal(
		    OPEN_OK(e->p, i % 2 ? ANON : "/m", O_RDWR | O_CREAT, 0600),
		    i);
	shmsim_counters(e->k, &before);
	OPEN_FAILS(e->p, ANON, O_RDWR, 0, EMFILE);
	OPEN_FAILS(e->p, "/m", O_RDWR, 0, EMFILE);
	OPEN_FAILS(e->p, "/other", O_RDWR | O_CREAT, 0600, EMFILE);
	shmsim_counters(e->k, &after);
	assert_counters_equal(&before, &after);
	assert_audit_clean(e->k);

	/* Per process: another process still has room. */
	q = spawn_as(e->k, 0, 0, 022);
	OPEN_FAILS(q, "/other", O_RDONLY, 0, ENOENT);
	assert_int_equal(OPEN_OK(q, "/m", O_RDWR, 0), 0);
	assert_errno(shmsim_close(e->p, 2), 0);
	assert_int_equal(OPEN_OK(e->p, "/m", O_RDWR, 0), 2);
	OPEN_FAILS(e->p, ANON, O_RDWR, 0, EMFILE);
	assert_audit_clean(e->k);
}

static void
falloc_caps_enfile_before_emfile(void **state)
{
	struct env *e = env_with_limits(state, 6, 5);
	int i;

	for (i = 0; i < 5; i++)
		assert_int_equal(OPEN_OK(e->p, ANON, O_RDWR, 0600), i);
	/* Table full and system full: ENFILE is checked first. */
	OPEN_FAILS(e->p, ANON, O_RDWR, 0, ENFILE);
	OPEN_FAILS(e->p, "/x", O_RDWR | O_CREAT, 0, ENFILE);
	assert_audit_clean(e->k);
}

/*
 * Profile current: the path is copied in before falloc, so its errors
 * beat EMFILE/ENFILE; everything after falloc loses to them.
 */
static void
kern_shm_open2_path_errors_before_falloc(void **state)
{
	struct env *e = env_with_limits(state, 4, 2);
	char path[MAXPATHLEN + 2];
	struct shmsim_proc *q;
	uint64_t hits;

	fill_path(path, MAXPATHLEN, '/');
	assert_int_equal(OPEN_OK(e->p, "/exists", O_RDWR | O_CREAT, 0600), 0);
	assert_int_equal(OPEN_OK(e->p, ANON, O_RDWR, 0600), 1);
	OPEN_FAILS(e->p, SHMSIM_BADPTR, O_RDWR, 0, EFAULT);
	OPEN_FAILS(e->p, NULL, O_RDWR | O_CREAT, 0, EFAULT);
	OPEN_FAILS(e->p, path, O_RDWR, 0, ENAMETOOLONG);
	OPEN_FAILS(e->p, "foo", O_RDWR | O_CREAT, 0, EINVAL);
	OPEN_FAILS(e->p, SHMSIM_BADPTR, SHMSIM_O_WRONLY, 0, EINVAL);
	OPEN_FAILS(e->p, ANON, O_RDONLY, 0, EMFILE);
	OPEN_FAILS(e->p, "/absent", O_RDWR, 0, EMFILE);
	OPEN_FAILS(e->p, "/exists", O_RDWR | O_CREAT | O_EXCL, 0, EMFILE);
	OPEN_FAILS(e->p, "/new", O_RDWR | O_CREAT, 0, EMFILE);
	/* The object allocation is not reached either. */
	hits = shmsim_fault_hits(e->k, SHMSIM_FAULT_OBJ_ALLOC);
	assert_errno(shmsim_fault_set(e->k, SHMSIM_FAULT_OBJ_ALLOC, 1, true),
	    0);
	OPEN_FAILS(e->p, "/new", O_RDWR | O_CREAT, 0, EMFILE);
	OPEN_FAILS(e->p, ANON, O_RDWR, 0, EMFILE);
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_OBJ_ALLOC), hits);
	shmsim_fault_reset(e->k);
	assert_audit_clean(e->k);

	/* Now the system table: 3 of M = 4 files open. */
	q = spawn_as(e->k, 0, 0, 022);
	assert_int_equal(OPEN_OK(q, ANON, O_RDWR, 0600), 0);
	OPEN_FAILS(q, SHMSIM_BADPTR, O_RDWR, 0, EFAULT);
	OPEN_FAILS(q, path, O_RDWR, 0, ENAMETOOLONG);
	OPEN_FAILS(q, "", O_RDWR, 0, EINVAL);
	OPEN_FAILS(q, ANON, O_RDONLY, 0, ENFILE);
	OPEN_FAILS(q, "/absent", O_RDWR, 0, ENFILE);
	OPEN_FAILS(q, "/new", O_RDWR | O_CREAT, 0, ENFILE);
	OPEN_FAILS(e->p, "/new", O_RDONLY, 0, ENFILE);
	assert_audit_clean(e->k);
}

/*
 * Profile 2008: the descriptor is allocated before the path is copied
 * in, so EMFILE/ENFILE beat EFAULT, ENAMETOOLONG and the '/' check; the
 * flag checks still come first.
 */
static void
shm_open_2008_falloc_before_path(void **state)
{
	struct env *e = env_with_limits(state, 4, 2);
	char path[MAXPATHLEN + 2];
	struct shmsim_proc *q;
	uint64_t hits;

	fill_path(path, MAXPATHLEN, '/');
	assert_int_equal(OPEN_OK(e->p, "/exists", O_RDWR | O_CREAT, 0600), 0);
	assert_int_equal(OPEN_OK(e->p, ANON, O_RDWR, 0600), 1);
	hits = shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN);
	OPEN_FAILS(e->p, SHMSIM_BADPTR, O_RDWR, 0, EMFILE);
	OPEN_FAILS(e->p, NULL, O_RDWR | O_CREAT, 0, EMFILE);
	OPEN_FAILS(e->p, path, O_RDWR, 0, EMFILE);
	OPEN_FAILS(e->p, "foo", O_RDWR | O_CREAT, 0, EMFILE);
	OPEN_FAILS(e->p, "", O_RDWR, 0, EMFILE);
	OPEN_FAILS(e->p, SHMSIM_BADPTR, SHMSIM_O_WRONLY, 0, EINVAL);
	OPEN_FAILS(e->p, SHMSIM_BADPTR, O_RDWR | SHMSIM_O_CLOEXEC, 0, EINVAL);
	OPEN_FAILS(e->p, ANON, O_RDONLY, 0, EMFILE);
	OPEN_FAILS(e->p, "/exists", O_RDWR | O_CREAT | O_EXCL, 0, EMFILE);
	/* The path was never copied in. */
	assert_int_equal(shmsim_fault_hits(e->k, SHMSIM_FAULT_COPYIN), hits);
	assert_audit_clean(e->k);

	q = spawn_as(e->k, 0, 0, 022);
	assert_int_equal(OPEN_OK(q, ANON, O_RDWR, 0600), 0);
	OPEN_FAILS(q, SHMSIM_BADPTR, O_RDWR, 0, ENFILE);
	OPEN_FAILS(q, path, O_RDWR, 0, ENFILE);
	OPEN_FAILS(q, "foo", O_RDWR, 0, ENFILE);
	OPEN_FAILS(q, ANON, O_RDONLY, 0, ENFILE);
	OPEN_FAILS(q, SHMSIM_BADPTR, SHMSIM_O_ACCMODE, 0, EINVAL);
	assert_audit_clean(e->k);

	/* With room again, the path errors are the ones reported. */
	assert_errno(shmsim_close(q, 0), 0);
	OPEN_FAILS(q, SHMSIM_BADPTR, O_RDWR, 0, EFAULT);
	OPEN_FAILS(q, path, O_RDWR, 0, ENAMETOOLONG);
	OPEN_FAILS(q, "foo", O_RDWR, 0, EINVAL);
	assert_int_equal(OPEN_OK(q, ANON, O_RDWR, 0600), 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Reopen, unlink, re-create                                        */
/* ---------------------------------------------------------------- */

static void
reopen_object(void **state)
{
	struct env *e = env_of(state);
	char c = 0;
	int fd;

	fd = OPEN_OK(e->p, "/scribble", O_RDWR | O_CREAT, 0777);
	assert_errno(shmsim_ftruncate(e->p, fd, PAGE), 0);
	assert_errno(shmsim_poke(e->p, fd, 0, "1", 1), 0);
	assert_errno(shmsim_close(e->p, fd), 0);

	fd = OPEN_OK(e->p, "/scribble", O_RDONLY, 0777);
	assert_int_equal(st_size_of(e->p, fd), PAGE);
	assert_errno(shmsim_peek(e->p, fd, 0, &c, 1), 0);
	assert_int_equal(c, '1');
	assert_errno(shmsim_close(e->p, fd), 0);
	UNLINK_IS(e->p, "/scribble", 0);
	assert_audit_clean(e->k);
}

static void
kern_shm_open2_reopen_shares_object(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fi0, fi1;
	struct shmsim_counters c;
	struct shmsim_proc *q;
	char ch = 0;
	int fd0, fd1, fd2;

	fd0 = OPEN_OK(e->p, "/same", O_RDWR | O_CREAT, 0666);
	assert_int_equal(fdinfo(e->p, fd0).shm_refs, 2);
	fd1 = OPEN_OK(e->p, "/same", O_RDWR, 0);
	fi0 = fdinfo(e->p, fd0);
	fi1 = fdinfo(e->p, fd1);
	/* A new file (f_count 1 each) on the same shmfd. */
	assert_int_equal(fi0.f_count, 1);
	assert_int_equal(fi1.f_count, 1);
	assert_int_equal(fi0.shm_refs, 3);
	assert_int_equal(fi1.shm_refs, 3);
	assert_int_equal(fi0.obj_ref_count, 1);
	assert_int_equal(fi0.ino, fi1.ino);
	if (!is_2008(e))
		assert_int_not_equal(fi0.ino, 0);
	q = spawn_as(e->k, 0, 0, 022);
	fd2 = OPEN_OK(q, "/same", O_RDONLY, 0);
	assert_int_equal(fd2, 0);
	assert_int_equal(fdinfo(q, fd2).shm_refs, 4);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.shm, 1);
	assert_int_equal(c.objects, 1);
	assert_int_equal(c.files, 3);
	assert_audit_clean(e->k);

	assert_errno(shmsim_ftruncate(e->p, fd1, PAGE), 0);
	assert_errno(shmsim_poke(e->p, fd0, 7, "s", 1), 0);
	assert_errno(shmsim_peek(q, fd2, 7, &ch, 1), 0);
	assert_int_equal(ch, 's');
	assert_errno(shmsim_close(e->p, fd0), 0);
	assert_int_equal(fdinfo(q, fd2).shm_refs, 3);
	assert_audit_clean(e->k);
}

static void
open_after_link(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters c;
	int fd;

	fd = OPEN_OK(e->p, "/link", O_RDONLY | O_CREAT, 0777);
	assert_errno(shmsim_close(e->p, fd), 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.shm, 1); /* the name keeps it */
	UNLINK_IS(e->p, "/link", 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.shm, 0);
	assert_int_equal(c.objects, 0);
	assert_int_equal(c.names, 0);
	OPEN_FAILS(e->p, "/link", O_RDONLY, 0777, ENOENT);
	assert_audit_clean(e->k);
}

static void
kern_shm_unlink_then_recreate_is_new_object(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_fdinfo fi0, fi1;
	struct shmsim_counters c;
	char ch = 'x';
	int fd0, fd1;

	fd0 = OPEN_OK(e->p, "/re", O_RDWR | O_CREAT, 0600);
	assert_errno(shmsim_ftruncate(e->p, fd0, PAGE), 0);
	assert_errno(shmsim_poke(e->p, fd0, 0, "o", 1), 0);
	UNLINK_IS(e->p, "/re", 0);
	fi0 = fdinfo(e->p, fd0);
	assert_false(fi0.named);
	assert_int_equal(fi0.shm_refs, 1);
	/* The unlinked object still works through its descriptor. */
	assert_int_equal(st_size_of(e->p, fd0), PAGE);
	assert_errno(shmsim_peek(e->p, fd0, 0, &ch, 1), 0);
	assert_int_equal(ch, 'o');

	fd1 = OPEN_OK(e->p, "/re", O_RDWR | O_CREAT | O_EXCL, 0600);
	fi1 = fdinfo(e->p, fd1);
	assert_true(fi1.named);
	assert_int_equal(fi1.shm_refs, 2);
	assert_int_equal(fi1.size, 0);
	if (!is_2008(e))
		assert_true(fi1.ino > fi0.ino);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.objects, 2);
	assert_int_equal(c.shm, 2);
	assert_int_equal(c.names, 1);
	assert_int_equal(fdinfo(e->p, fd0).shm_refs, 1);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* shm_unlink                                                       */
/* ---------------------------------------------------------------- */

static void
unlink_bad_path_pointer(void **state)
{
	struct env *e = env_of(state);

	OPEN_OK(e->p, "/u", O_RDWR | O_CREAT, 0600);
	UNLINK_IS(e->p, (const char *)(uintptr_t)1024, EFAULT);
	UNLINK_IS(e->p, NULL, EFAULT);
	UNLINK_IS(e->p, SHMSIM_BADPTR, EFAULT);
	/* Only shm_open knows SHM_ANON; it is address 1 here. */
	UNLINK_IS(e->p, ANON, EFAULT);
	assert_true(fdinfo(e->p, 0).named);
	assert_audit_clean(e->k);
}

static void
unlink_path_too_long(void **state)
{
	struct env *e = env_of(state);
	char path[MAXPATHLEN + 2];

	fill_path(path, MAXPATHLEN, 'a');
	UNLINK_IS(e->p, path, ENAMETOOLONG);
	fill_path(path, MAXPATHLEN, '/');
	UNLINK_IS(e->p, path, ENAMETOOLONG);
	fill_path(path, MAXPATHLEN - 1, '/');
	UNLINK_IS(e->p, path, ENOENT);
	assert_audit_clean(e->k);
}

/* The '/' check came with shm_copyin_path (D7): 2008 said ENOENT. */
static void
kern_shm_unlink_no_leading_slash(void **state)
{
	struct env *e = env_of(state);
	int want = is_2008(e) ? ENOENT : EINVAL;
	char path[MAXPATHLEN + 2];

	fill_path(path, MAXPATHLEN - 1, 'a');
	UNLINK_IS(e->p, "foo", want);
	UNLINK_IS(e->p, "", want);
	UNLINK_IS(e->p, path, want);
	assert_audit_clean(e->k);
}

static void
kern_shm_unlink_nonexisting(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_counters c;
	int fd;

	UNLINK_IS(e->p, "/never", ENOENT);
	fd = OPEN_OK(e->p, "/once", O_RDWR | O_CREAT, 0600);
	UNLINK_IS(e->p, "/once", 0);
	UNLINK_IS(e->p, "/once", ENOENT);
	/* Name lookup is exact. */
	fd = OPEN_OK(e->p, "/once", O_RDWR | O_CREAT, 0600);
	UNLINK_IS(e->p, "/once/", ENOENT);
	UNLINK_IS(e->p, "/onc", ENOENT);
	UNLINK_IS(e->p, "/ONCE", ENOENT);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.names, 1);
	assert_true(fdinfo(e->p, fd).named);
	assert_audit_clean(e->k);
}

#define BOTH(f)                                               \
	{ #f, f, setup_current, teardown_env, NULL },         \
	{                                                     \
#f "_2008", f, setup_2008, teardown_env, NULL \
	}
#define CURRENT(f)                                       \
	{                                                \
#f, f, setup_current, teardown_env, NULL \
	}
#define ONLY_2008(f)                                  \
	{                                             \
#f, f, setup_2008, teardown_env, NULL \
	}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(open_anon),
		BOTH(open_anon_readonly),
		BOTH(kern_shm_open2_anon_ignores_creat_excl_trunc),
		BOTH(open_bad_path_pointer),
		BOTH(open_path_too_long),
		BOTH(open_invalid_path),
		BOTH(shm_copyin_path_slash_is_a_name),
		BOTH(open_nonexisting_object),
		BOTH(open_create_existing_object),
		BOTH(open_read_only),
		BOTH(open_write_only),
		BOTH(open_extra_flags),
		BOTH(kern_shm_open2_flags_checked_before_path),
		BOTH(cloexec),
		CURRENT(kern_shm_open2_accepts_cloexec_and_clofork),
		ONLY_2008(shm_open_2008_rejects_cloexec_and_clofork),
		BOTH(shm_access_owner_class_is_final),
		BOTH(shm_access_group_class_is_final),
		BOTH(shm_access_supplementary_groups),
		BOTH(shm_access_rdwr_needs_read_and_write),
		BOTH(shm_access_root_passes),
		BOTH(kern_shm_open2_create_needs_no_permission),
		BOTH(kern_shm_open2_eexist_before_eacces),
		BOTH(shm_remove_needs_read_and_write),
		BOTH(mode),
		BOTH(kern_shm_open2_reopen_ignores_mode),
		BOTH(trunc_resets_object),
		BOTH(kern_shm_open2_trunc_rdonly_ignored),
		BOTH(kern_shm_open2_lowest_free_fd),
		BOTH(kern_shm_open2_copyin_fault),
		CURRENT(kern_shm_open2_obj_alloc_enomem),
		ONLY_2008(shm_open_2008_obj_alloc_cannot_fail),
		BOTH(falloc_noinstall_enfile),
		BOTH(falloc_noinstall_enfile_unprivileged),
		BOTH(fdalloc_emfile),
		BOTH(falloc_caps_enfile_before_emfile),
		CURRENT(kern_shm_open2_path_errors_before_falloc),
		ONLY_2008(shm_open_2008_falloc_before_path),
		BOTH(reopen_object),
		BOTH(kern_shm_open2_reopen_shares_object),
		BOTH(open_after_link),
		BOTH(kern_shm_unlink_then_recreate_is_new_object),
		BOTH(unlink_bad_path_pointer),
		BOTH(unlink_path_too_long),
		BOTH(kern_shm_unlink_no_leading_slash),
		BOTH(kern_shm_unlink_nonexisting),
	};

	return (cmocka_run_group_tests_name("shm_open", tests, NULL, NULL));
}
