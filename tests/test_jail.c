/*
 * Jails as POSIX shared memory sees them (freebsd-shm-semantics.md
 * sections 2.1, 2.17 and 2.19; seed-2008-version.md D6 and D17).  Today a
 * jailed process's names are stored behind its jail's root path
 * (shm_copyin_path), so it sees only its own jail's names, the host
 * reaches them by the full path, the user part of a name is shorter by
 * the prefix, kinfo strips the prefix for the jailed caller, and removing
 * the jail removes the names its processes created (shm_remove_prison,
 * matched by creator, not by name).  The 2008 kernel had none of this:
 * names were global and survived the jail.  Every test audits after each
 * step and tears its kernel down leak-free (teardown_env).
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_var.h"

#define PAGE 4096
#define UNTOUCHED (-12345)

#define O_RDONLY SHMSIM_O_RDONLY
#define O_RDWR SHMSIM_O_RDWR
#define O_CREAT SHMSIM_O_CREAT
#define O_EXCL SHMSIM_O_EXCL
#define ANON SHMSIM_SHM_ANON

/* ---------------------------------------------------------------- */
/* Helpers                                                          */
/* ---------------------------------------------------------------- */

static struct env *
env_of(void **state)
{
	return (*state);
}

/* A jail named name rooted at /jails/name, as the scenario runner does. */
static struct shmsim_jail *
jail_new(struct shmsim_kernel *k, const char *name)
{
	struct shmsim_jail *j = NULL;
	char path[128];

	snprintf(path, sizeof(path), "/jails/%s", name);
	assert_errno(shmsim_jail_create(k, name, path, &j), 0);
	assert_non_null(j);
	return (j);
}

/* A process of uid in jail j (NULL: the host), umask 022. */
static struct shmsim_proc *
spawn_in(struct shmsim_kernel *k, struct shmsim_jail *j, uid_t uid)
{
	struct shmsim_cred cr;
	struct shmsim_proc *p;

	shmsim_cred_init(&cr);
	cr.uid = uid;
	cr.gid = uid;
	cr.jail = j;
	assert_errno(shmsim_spawn(k, &cr, &p), 0);
	return (p);
}

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
	    "shmsim_shm_unlink", __FILE__, __LINE__)

/* The path kinfo shows p for fd. */
#define assert_kinfo_path(p, fd, want) \
	assert_string_equal(fdinfo((p), (fd)).path, (want))

static uint64_t
ino_of(struct shmsim_proc *p, int fd)
{
	return (fdinfo(p, fd).ino);
}

static uint64_t
names_of(struct shmsim_kernel *k)
{
	struct shmsim_counters c;

	shmsim_counters(k, &c);
	return (c.names);
}

/* The dictionary entry stored under exactly path, or NULL. */
static struct shm_mapping *
dict_find(struct shmsim_kernel *k, const char *path)
{
	struct shm_mapping *map;
	Fnv32_t fnv = fnv_32_str(path, FNV1_32_INIT);

	LIST_FOREACH(map, &k->shm_dictionary[fnv & k->shm_hash], sm_link)
		if (map->sm_fnv == fnv && strcmp(map->sm_path, path) == 0)
			return (map);
	return (NULL);
}

/* The shmfd behind descriptor fd of process sp. */
static struct shmfd *
shmfd_of(struct shmsim_proc *sp, int fd)
{
	struct proc *p = (struct proc *)sp;

	assert_true(fd >= 0 && fd < p->p_fd->fd_nfiles);
	assert_non_null(p->p_fd->fd_ofiles[fd].fde_file);
	return (p->p_fd->fd_ofiles[fd].fde_file->f_data);
}

/* buf = '/' then 'a' up to nchars characters, then NUL. */
static char *
long_path(size_t nchars)
{
	char *buf = malloc(nchars + 1);

	assert_non_null(buf);
	memset(buf, 'a', nchars);
	if (nchars > 0)
		buf[0] = '/';
	buf[nchars] = '\0';
	return (buf);
}

static void
write_str(struct shmsim_proc *p, int fd, const char *s)
{
	size_t done = 0;

	assert_errno(shmsim_ftruncate(p, fd, PAGE), 0);
	assert_errno(shmsim_pwrite(p, fd, s, strlen(s), 0, &done), 0);
	assert_int_equal(done, strlen(s));
}

static void
assert_reads(struct shmsim_proc *p, int fd, const char *want)
{
	char buf[64];
	size_t done = 0;

	assert_true(strlen(want) < sizeof(buf));
	assert_errno(shmsim_pread(p, fd, buf, strlen(want), 0, &done), 0);
	assert_int_equal(done, strlen(want));
	assert_memory_equal(buf, want, strlen(want));
}

/* ---------------------------------------------------------------- */
/* Prefix and visibility (sections 2.1, 2.19)                       */
/* ---------------------------------------------------------------- */

/*
 * "/foo" in jail j1 is stored as "/jails/j1/foo": FNV 0x6cb390aa, bucket
 * 170 of the default 1024.  The host reaches it by that name only.
 */
static void
shm_copyin_path_jail_prefix(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_proc *jp = spawn_in(e->k, j1, 0);
	struct shm_mapping *map;
	int jfd, hfd;

	jfd = OPEN_OK(jp, "/foo", O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_audit_clean(e->k);
	assert_int_equal(names_of(e->k), 1);
	assert_int_equal(fnv_32_str("/jails/j1/foo", FNV1_32_INIT),
	    0x6cb390aaU);
	assert_int_equal(0x6cb390aaU & e->k->shm_hash, 170);
	map = LIST_FIRST(&e->k->shm_dictionary[170]);
	assert_non_null(map);
	assert_string_equal(map->sm_path, "/jails/j1/foo");
	assert_int_equal(map->sm_fnv, 0x6cb390aaU);
	assert_ptr_equal(map->sm_shmfd, shmfd_of(jp, jfd));
	assert_null(LIST_NEXT(map, sm_link));
	assert_null(dict_find(e->k, "/foo"));

	/* The host: not by the jail's name, by the full one. */
	OPEN_FAILS(e->p, "/foo", O_RDWR, 0, ENOENT);
	UNLINK_IS(e->p, "/foo", ENOENT);
	hfd = OPEN_OK(e->p, "/jails/j1/foo", O_RDWR, 0);
	assert_int_equal(ino_of(e->p, hfd), ino_of(jp, jfd));
	assert_int_equal(fdinfo(e->p, hfd).shm_refs, 3);
	/* The jail reopens its own name; O_EXCL sees it. */
	OPEN_FAILS(jp, "/foo", O_RDWR | O_CREAT | O_EXCL, 0600, EEXIST);
	assert_audit_clean(e->k);

	/* A jailed "/jails/j1/foo" is another name again. */
	OPEN_FAILS(jp, "/jails/j1/foo", O_RDWR, 0, ENOENT);
	assert_errno(shmsim_close(jp,
			 OPEN_OK(jp, "/jails/j1/foo", O_RDWR | O_CREAT, 0600)),
	    0);
	assert_non_null(dict_find(e->k, "/jails/j1/jails/j1/foo"));
	assert_int_equal(names_of(e->k), 2);
	assert_audit_clean(e->k);

	/* shm_unlink and shm_rename take the prefix too. */
	assert_errno(shmsim_shm_rename(jp, "/foo", "/bar", 0), 0);
	assert_null(dict_find(e->k, "/jails/j1/foo"));
	assert_non_null(dict_find(e->k, "/jails/j1/bar"));
	assert_kinfo_path(jp, jfd, "/bar");
	assert_kinfo_path(e->p, hfd, "/jails/j1/bar");
	UNLINK_IS(jp, "/bar", 0);
	UNLINK_IS(jp, "/bar", ENOENT);
	assert_false(fdinfo(e->p, hfd).named);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(jp), 0);
	assert_audit_clean(e->k);
}

/*
 * Jailed processes see only their jail's names: the same name in two
 * jails and on the host is three objects; each unlink reaches its own.
 */
static void
jail_names_are_per_jail(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_jail *j2 = jail_new(e->k, "j2");
	struct shmsim_proc *a = spawn_in(e->k, j1, 1001);
	struct shmsim_proc *a2 = spawn_in(e->k, j1, 1001);
	struct shmsim_proc *b = spawn_in(e->k, j2, 1001);
	int afd, a2fd, bfd, hfd, fd;

	/* A name created on the host is invisible in a jail. */
	hfd = OPEN_OK(e->p, "/foo", O_RDWR | O_CREAT | O_EXCL, 0666);
	write_str(e->p, hfd, "host");
	OPEN_FAILS(a, "/foo", O_RDWR, 0, ENOENT);
	OPEN_FAILS(b, "/foo", O_RDONLY, 0, ENOENT);
	UNLINK_IS(a, "/foo", ENOENT);

	afd = OPEN_OK(a, "/foo", O_RDWR | O_CREAT | O_EXCL, 0600);
	write_str(a, afd, "jail one");
	bfd = OPEN_OK(b, "/foo", O_RDWR | O_CREAT | O_EXCL, 0600);
	write_str(b, bfd, "jail two");
	assert_int_equal(names_of(e->k), 3);
	assert_int_not_equal(ino_of(a, afd), ino_of(b, bfd));
	assert_int_not_equal(ino_of(a, afd), ino_of(e->p, hfd));
	assert_int_not_equal(ino_of(b, bfd), ino_of(e->p, hfd));
	assert_audit_clean(e->k);

	/* Another process of the same jail shares j1's object. */
	a2fd = OPEN_OK(a2, "/foo", O_RDWR, 0);
	assert_int_equal(ino_of(a2, a2fd), ino_of(a, afd));
	assert_reads(a2, a2fd, "jail one");
	/* A jail cannot name another jail's object, even by its path. */
	OPEN_FAILS(b, "/jails/j1/foo", O_RDONLY, 0, ENOENT);
	OPEN_FAILS(a, "/jails/j2/foo", O_RDONLY, 0, ENOENT);
	/* The host reaches both by their full paths. */
	fd = OPEN_OK(e->p, "/jails/j2/foo", O_RDONLY, 0);
	assert_reads(e->p, fd, "jail two");
	assert_errno(shmsim_close(e->p, fd), 0);
	fd = OPEN_OK(e->p, "/jails/j1/foo", O_RDONLY, 0);
	assert_reads(e->p, fd, "jail one");
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_reads(e->p, hfd, "host");
	assert_audit_clean(e->k);

	/* Each unlink removes its own jail's name only. */
	UNLINK_IS(b, "/foo", 0);
	assert_int_equal(names_of(e->k), 2);
	OPEN_FAILS(b, "/foo", O_RDONLY, 0, ENOENT);
	assert_true(fdinfo(a, afd).named);
	assert_true(fdinfo(e->p, hfd).named);
	/* The host unlinks j1's name by its full path. */
	UNLINK_IS(e->p, "/jails/j1/foo", 0);
	OPEN_FAILS(a, "/foo", O_RDONLY, 0, ENOENT);
	assert_false(fdinfo(a2, a2fd).named);
	assert_true(fdinfo(e->p, hfd).named);
	assert_int_equal(names_of(e->k), 1);
	assert_reads(a, afd, "jail one");
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(a), 0);
	assert_errno(shmsim_exit(a2), 0);
	assert_errno(shmsim_exit(b), 0);
	assert_audit_clean(e->k);
}

/*
 * The user part of a name may have at most MAXPATHLEN - 1 -
 * strlen(pr_path) bytes: 1014 for /jails/j1, against 1023 on the host.
 * ENAMETOOLONG comes from the copy-in, before the '/' check.
 */
static void
shm_copyin_path_jail_enametoolong(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_proc *jp = spawn_in(e->k, j1, 0);
	char *fits = long_path(1023 - 9), *over = long_path(1024 - 9);
	char *host_fits = long_path(1023), *host_over = long_path(1024);
	struct shmsim_counters before, after;
	int fd;

	shmsim_counters(e->k, &before);
	OPEN_FAILS(jp, over, O_RDWR | O_CREAT, 0600, ENAMETOOLONG);
	UNLINK_IS(jp, over, ENAMETOOLONG);
	assert_errno(shmsim_shm_rename(jp, over, "/x", 0), ENAMETOOLONG);
	over[0] = 'a'; /* no '/': still too long first */
	OPEN_FAILS(jp, over, O_RDWR | O_CREAT, 0600, ENAMETOOLONG);
	UNLINK_IS(jp, over, ENAMETOOLONG);
	/* A name that fits on the host is too long in the jail. */
	OPEN_FAILS(jp, host_fits, O_RDWR | O_CREAT, 0600, ENAMETOOLONG);
	shmsim_counters(e->k, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_audit_clean(e->k);

	fd = OPEN_OK(jp, fits, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_int_equal(strlen(fdinfo(jp, fd).path), 1014);
	assert_errno(shmsim_close(jp, fd), 0);
	assert_audit_clean(e->k);
	/* The stored name is 1023 bytes: the whole buffer but the NUL. */
	{
		char full[1024];

		snprintf(full, sizeof(full), "/jails/j1%s", fits);
		assert_int_equal(strlen(full), 1023);
		assert_non_null(dict_find(e->k, full));
		fd = OPEN_OK(e->p, full, O_RDWR, 0);
		assert_int_equal(strlen(fdinfo(e->p, fd).path), 1023);
		assert_errno(shmsim_close(e->p, fd), 0);
	}
	UNLINK_IS(jp, fits, 0);

	/* The host keeps the whole 1023 bytes. */
	OPEN_FAILS(e->p, host_over, O_RDWR | O_CREAT, 0600, ENAMETOOLONG);
	fd = OPEN_OK(e->p, host_fits, O_RDWR | O_CREAT | O_EXCL, 0600);
	UNLINK_IS(e->p, host_fits, 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_audit_clean(e->k);
	free(fits);
	free(over);
	free(host_fits);
	free(host_over);
}

/*
 * The longest root path a jail may have (MAXPATHLEN - 2 = 1022 bytes)
 * leaves exactly one byte for names: "/" is the only name there is.
 */
static void
shm_copyin_path_longest_jail_root(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j = NULL;
	struct shmsim_proc *jp;
	char *root = long_path(1022), *toolong = long_path(1023);
	int fd;

	assert_errno(shmsim_jail_create(e->k, "long", toolong, &j), EINVAL);
	assert_null(j);
	assert_errno(shmsim_jail_create(e->k, "long", root, &j), 0);
	jp = spawn_in(e->k, j, 0);
	OPEN_FAILS(jp, "/a", O_RDWR | O_CREAT, 0600, ENAMETOOLONG);
	OPEN_FAILS(jp, "", O_RDWR | O_CREAT, 0600, EINVAL);
	fd = OPEN_OK(jp, "/", O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_kinfo_path(jp, fd, "/");
	{
		char full[1024];
		int hfd;

		snprintf(full, sizeof(full), "%s/", root);
		assert_non_null(dict_find(e->k, full));
		hfd = OPEN_OK(e->p, full, O_RDWR, 0);
		assert_kinfo_path(e->p, hfd, full);
		assert_errno(shmsim_close(e->p, hfd), 0);
	}
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(jp), 0);
	free(root);
	free(toolong);
}

/* "" and "foo" have no '/' where the user's part starts: EINVAL. */
static void
shm_copyin_path_jail_einval(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_proc *jp = spawn_in(e->k, j1, 0);
	int fd;

	OPEN_FAILS(jp, "", O_RDWR | O_CREAT, 0600, EINVAL);
	OPEN_FAILS(jp, "foo", O_RDWR | O_CREAT, 0600, EINVAL);
	UNLINK_IS(jp, "", EINVAL);
	UNLINK_IS(jp, "foo", EINVAL);
	assert_errno(shmsim_shm_rename(jp, "foo", "/x", 0), EINVAL);
	OPEN_FAILS(jp, SHMSIM_BADPTR, O_RDWR | O_CREAT, 0600, EFAULT);
	OPEN_FAILS(jp, NULL, O_RDWR | O_CREAT, 0600, EFAULT);
	assert_int_equal(names_of(e->k), 0);
	/* "foo" is not glued to the root path: "/jails/j1foo" is not made. */
	assert_null(dict_find(e->k, "/jails/j1foo"));
	/* "/" is a name: the jail root followed by '/'. */
	fd = OPEN_OK(jp, "/", O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_non_null(dict_find(e->k, "/jails/j1/"));
	assert_kinfo_path(jp, fd, "/");
	/* Anonymous objects need no path. */
	assert_errno(shmsim_close(jp, OPEN_OK(jp, ANON, O_RDWR, 0600)), 0);
	assert_audit_clean(e->k);
	UNLINK_IS(jp, "/", 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* kinfo path (section 2.17)                                        */
/* ---------------------------------------------------------------- */

/*
 * The jailed caller sees its name with the prefix stripped, the host
 * the full one; a host object passed into the jail shows its full host
 * path unless it lies under the jail's root.
 */
static void
shm_fill_kinfo_jail_path(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_jail *j10 = jail_new(e->k, "j10");
	struct shmsim_proc *jp = spawn_in(e->k, j1, 0);
	int jfd, hfd, bar, under, other, anon, r;

	jfd = OPEN_OK(jp, "/foo", O_RDWR | O_CREAT, 0600);
	assert_kinfo_path(jp, jfd, "/foo");
	assert_true(fdinfo(jp, jfd).named);
	hfd = OPEN_OK(e->p, "/jails/j1/foo", O_RDWR, 0);
	assert_kinfo_path(e->p, hfd, "/jails/j1/foo");

	/* The jailed fd passed to the host: the host sees the full path. */
	assert_errno(shmsim_sendfd(jp, e->p, jfd), 0);
	assert_errno(shmsim_recvfd(e->p, &r), 0);
	assert_kinfo_path(e->p, r, "/jails/j1/foo");
	assert_errno(shmsim_close(e->p, r), 0);

	/* A host object passed into the jail: the full host path. */
	bar = OPEN_OK(e->p, "/bar", O_RDWR | O_CREAT, 0600);
	assert_errno(shmsim_sendfd(e->p, jp, bar), 0);
	assert_errno(shmsim_recvfd(jp, &r), 0);
	assert_kinfo_path(jp, r, "/bar");
	assert_true(fdinfo(jp, r).named);
	assert_errno(shmsim_close(jp, r), 0);
	/* A host object under the jail's root: stripped for the jail. */
	under = OPEN_OK(e->p, "/jails/j1/made-by-host", O_RDWR | O_CREAT, 0600);
	assert_errno(shmsim_sendfd(e->p, jp, under), 0);
	assert_errno(shmsim_recvfd(jp, &r), 0);
	assert_kinfo_path(jp, r, "/made-by-host");
	assert_errno(shmsim_close(jp, r), 0);
	/* "/jails/j10/x" begins with "/jails/j1" but not "/jails/j1/". */
	other = OPEN_OK(e->p, "/jails/j10/x", O_RDWR | O_CREAT, 0600);
	assert_errno(shmsim_sendfd(e->p, jp, other), 0);
	assert_errno(shmsim_recvfd(jp, &r), 0);
	assert_kinfo_path(jp, r, "/jails/j10/x");
	assert_errno(shmsim_close(jp, r), 0);
	/* "/jails/j1" itself is not under "/jails/j1/". */
	assert_errno(shmsim_close(e->p, other), 0);
	other = OPEN_OK(e->p, "/jails/j1", O_RDWR | O_CREAT, 0600);
	assert_errno(shmsim_sendfd(e->p, jp, other), 0);
	assert_errno(shmsim_recvfd(jp, &r), 0);
	assert_kinfo_path(jp, r, "/jails/j1");
	assert_errno(shmsim_close(jp, r), 0);
	assert_audit_clean(e->k);

	/* Anonymous: "" for everyone. */
	anon = OPEN_OK(jp, ANON, O_RDWR, 0600);
	assert_kinfo_path(jp, anon, "");
	assert_false(fdinfo(jp, anon).named);
	assert_errno(shmsim_sendfd(jp, e->p, anon), 0);
	assert_errno(shmsim_recvfd(e->p, &r), 0);
	assert_kinfo_path(e->p, r, "");
	assert_errno(shmsim_close(e->p, r), 0);

	/* Unlinked: "" for both. */
	UNLINK_IS(jp, "/foo", 0);
	assert_kinfo_path(jp, jfd, "");
	assert_kinfo_path(e->p, hfd, "");
	assert_false(fdinfo(e->p, hfd).named);
	(void)j10; /* "/jails/j10" exists, as a real neighbour would */
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(jp), 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Jail removal: shm_remove_prison (section 2.19, D17)              */
/* ---------------------------------------------------------------- */

/*
 * Removing j1 removes exactly the names whose objects j1's processes
 * created, wherever the name now is, without a permission check; names
 * under /jails/j1 made by the host, and other jails' names, stay.
 */
static void
shm_remove_prison_by_creator(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_jail *j2 = jail_new(e->k, "j2");
	struct shmsim_proc *a = spawn_in(e->k, j1, 1001);
	struct shmsim_proc *b = spawn_in(e->k, j2, 1001);
	struct shmsim_proc *child;
	int fd;

	assert_errno(shmsim_close(a, OPEN_OK(a, "/a", O_RDWR | O_CREAT, 0600)),
	    0);
	/* Mode 0: removal needs no permission. */
	assert_errno(
	    shmsim_close(a, OPEN_OK(a, "/locked", O_RDWR | O_CREAT, 0)), 0);
	/* Made in j1 and renamed by the host out of the jail's prefix. */
	assert_errno(
	    shmsim_close(a, OPEN_OK(a, "/moved", O_RDWR | O_CREAT, 0666)), 0);
	assert_errno(
	    shmsim_shm_rename(e->p, "/jails/j1/moved", "/host-side", 0), 0);
	/* A child forked in j1 creates in j1 too. */
	assert_errno(shmsim_fork(a, &child), 0);
	assert_errno(shmsim_close(child,
			 OPEN_OK(child, "/child", O_RDWR | O_CREAT, 0600)),
	    0);
	assert_errno(shmsim_exit(child), 0);
	/* Kept: the host's names, under the prefix or not, and j2's. */
	assert_errno(
	    shmsim_close(e->p,
		OPEN_OK(e->p, "/jails/j1/by-host", O_RDWR | O_CREAT, 0666)),
	    0);
	assert_errno(
	    shmsim_close(e->p, OPEN_OK(e->p, "/host", O_RDWR | O_CREAT, 0600)),
	    0);
	assert_errno(shmsim_close(b, OPEN_OK(b, "/a", O_RDWR | O_CREAT, 0600)),
	    0);
	/* Made by the host, reopened (not created) from j1: kept. */
	assert_errno(shmsim_close(a, OPEN_OK(a, "/by-host", O_RDONLY, 0)), 0);
	assert_int_equal(names_of(e->k), 7);
	assert_audit_clean(e->k);

	assert_errno(shmsim_jail_remove(j1), 0);
	assert_audit_clean(e->k);
	assert_int_equal(names_of(e->k), 3);
	assert_null(dict_find(e->k, "/jails/j1/a"));
	assert_null(dict_find(e->k, "/jails/j1/locked"));
	assert_null(dict_find(e->k, "/host-side"));
	assert_null(dict_find(e->k, "/jails/j1/child"));
	assert_non_null(dict_find(e->k, "/jails/j1/by-host"));
	assert_non_null(dict_find(e->k, "/host"));
	assert_non_null(dict_find(e->k, "/jails/j2/a"));
	/* The process in the removed jail still runs and sees what is left. */
	fd = OPEN_OK(a, "/by-host", O_RDONLY, 0);
	OPEN_FAILS(a, "/a", O_RDWR, 0, ENOENT);
	assert_errno(shmsim_close(a, fd), 0);
	assert_errno(shmsim_exit(a), 0);
	assert_errno(shmsim_exit(b), 0);
	assert_audit_clean(e->k);
	/* Nothing but names is left; the objects without one are gone. */
	{
		struct shmsim_counters c;

		shmsim_counters(e->k, &c);
		assert_int_equal(c.objects, 3);
		assert_int_equal(c.shm, 3);
		assert_int_equal(c.files, 0);
	}
}

/*
 * Removal drops the dictionary's reference only: open descriptors keep
 * the object, its data and its size; the last close frees it.
 */
static void
shm_remove_prison_open_fds_keep_object(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_proc *jp = spawn_in(e->k, j1, 0);
	struct shmsim_counters c;
	struct shmsim_stat sb;
	int jfd, hfd;

	jfd = OPEN_OK(jp, "/keep", O_RDWR | O_CREAT, 0600);
	write_str(jp, jfd, "kept");
	hfd = OPEN_OK(e->p, "/jails/j1/keep", O_RDWR, 0);
	assert_int_equal(fdinfo(jp, jfd).shm_refs, 3);
	assert_errno(shmsim_jail_remove(j1), 0);
	assert_audit_clean(e->k);

	assert_int_equal(fdinfo(jp, jfd).shm_refs, 2);
	assert_false(fdinfo(jp, jfd).named);
	assert_kinfo_path(jp, jfd, "");
	assert_kinfo_path(e->p, hfd, "");
	assert_reads(jp, jfd, "kept");
	assert_reads(e->p, hfd, "kept");
	assert_errno(shmsim_fstat(e->p, hfd, &sb), 0);
	assert_int_equal(sb.st_size, PAGE);
	OPEN_FAILS(e->p, "/jails/j1/keep", O_RDWR, 0, ENOENT);
	OPEN_FAILS(jp, "/keep", O_RDWR, 0, ENOENT);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.names, 0);
	assert_int_equal(c.shm, 1);
	assert_int_equal(c.pages, 1);

	assert_errno(shmsim_close(jp, jfd), 0);
	assert_reads(e->p, hfd, "kept");
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, hfd), 0);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.shm, 0);
	assert_int_equal(c.objects, 0);
	assert_int_equal(c.pages, 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(jp), 0);
	assert_audit_clean(e->k);
}

/*
 * An object created in a jail may outlive both the jail and its last
 * process (here through a descriptor passed to the host): its creator's
 * credential keeps the prison until the object goes.
 */
static void
prison_outlives_removal_through_object(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_proc *jp = spawn_in(e->k, j1, 0);
	int anon, named, r1, r2;

	anon = OPEN_OK(jp, ANON, O_RDWR, 0600);
	named = OPEN_OK(jp, "/n", O_RDWR | O_CREAT, 0600);
	assert_errno(shmsim_sendfd(jp, e->p, anon), 0);
	assert_errno(shmsim_sendfd(jp, e->p, named), 0);
	assert_errno(shmsim_exit(jp), 0);
	assert_errno(shmsim_jail_remove(j1), 0);
	assert_int_equal(names_of(e->k), 0);
	assert_audit_clean(e->k);
	assert_errno(shmsim_recvfd(e->p, &r1), 0);
	assert_errno(shmsim_recvfd(e->p, &r2), 0);
	assert_kinfo_path(e->p, r2, "");
	write_str(e->p, r1, "late");
	assert_reads(e->p, r1, "late");
	assert_errno(shmsim_close(e->p, r1), 0);
	assert_errno(shmsim_close(e->p, r2), 0);
	assert_audit_clean(e->k);
}

/*
 * A large-page object has no creator credential: phys_pager_allocate()
 * leaves object->cred NULL (section 2.18), so shm_remove_prison(), which
 * matches on object->cred, keeps its name when the jail goes.
 */
static void
shm_remove_prison_keeps_largepage(void **state)
{
	struct shmsim_config cfg;
	struct shmsim_jail *j1;
	struct shmsim_proc *jp;
	struct env *e;
	int lp = UNTOUCHED;

	shmsim_config_init(&cfg);
	cfg.page_sizes[1] = 2 << 20;
	env_free(*state);
	*state = e = env_new(&cfg);
	j1 = jail_new(e->k, "j1");
	jp = spawn_in(e->k, j1, 0);
	assert_errno(shmsim_shm_open2(jp, "/lp", O_RDWR | O_CREAT, 0600,
			 SHMSIM_SHM_LARGEPAGE, NULL, &lp),
	    0);
	assert_errno(shmsim_ioctl(jp, lp, SHMSIM_FIOSSHMLPGCNF, 1, 0, NULL), 0);
	assert_errno(shmsim_ftruncate(jp, lp, 2 << 20), 0);
	assert_errno(shmsim_close(jp, lp), 0);
	assert_errno(
	    shmsim_close(jp, OPEN_OK(jp, "/plain", O_RDWR | O_CREAT, 0600)), 0);
	assert_int_equal(names_of(e->k), 2);
	assert_errno(shmsim_jail_remove(j1), 0);
	assert_audit_clean(e->k);
	assert_null(dict_find(e->k, "/jails/j1/plain"));
	assert_non_null(dict_find(e->k, "/jails/j1/lp"));
	lp = OPEN_OK(e->p, "/jails/j1/lp", O_RDWR, 0);
	assert_int_equal(fdinfo(e->p, lp).resident, 1);
	assert_errno(shmsim_close(e->p, lp), 0);
	assert_errno(shmsim_exit(jp), 0);
	assert_audit_clean(e->k);
}

/*
 * A removed jail takes no new processes (ENOENT) while something still
 * holds it; its name may be used again at once.
 */
static void
jail_spawn_into_removed_jail(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_jail *again = NULL;
	struct shmsim_proc *jp = spawn_in(e->k, j1, 0), *np = NULL, *child;
	struct shmsim_counters before, after;
	struct shmsim_cred cr;

	assert_errno(shmsim_jail_remove(j1), 0);
	shmsim_counters(e->k, &before);
	/*
	 * Removing it again: EINVAL, and nothing else -- no reference
	 * dropped, no lock left held (the return checks it).
	 */
	assert_errno(shmsim_jail_remove(j1), EINVAL);
	shmsim_cred_init(&cr);
	cr.jail = j1; /* still valid: jp holds the prison */
	assert_errno(shmsim_spawn(e->k, &cr, &np), ENOENT);
	assert_null(np);
	shmsim_counters(e->k, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	/* The processes inside keep the jail's root path, and fork. */
	assert_errno(shmsim_fork(jp, &child), 0);
	assert_errno(shmsim_close(child,
			 OPEN_OK(child, "/late", O_RDWR | O_CREAT, 0600)),
	    0);
	assert_non_null(dict_find(e->k, "/jails/j1/late"));
	assert_errno(shmsim_exit(child), 0);
	/* The name is free again; the new jail is another prison. */
	assert_errno(shmsim_jail_create(e->k, "j1", "/jails/j1", &again), 0);
	assert_ptr_not_equal(again, j1);
	assert_errno(shmsim_exit(jp), 0);
	assert_audit_clean(e->k);
	/* The old prison may be freed by now; only the new handle is used. */
	np = spawn_in(e->k, again, 0);
	assert_errno(shmsim_close(np, OPEN_OK(np, "/late", O_RDWR, 0)), 0);
	assert_errno(shmsim_exit(np), 0);
	assert_audit_clean(e->k);
}

/* A jail of another kernel cannot be used here. */
static void
jail_spawn_other_kernel(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_kernel *k2;
	struct shmsim_jail *j = NULL;
	struct shmsim_proc *np = NULL;
	struct shmsim_cred cr;

	assert_errno(shmsim_kernel_create(NULL, &k2), 0);
	assert_errno(shmsim_jail_create(k2, "j1", "/jails/j1", &j), 0);
	shmsim_cred_init(&cr);
	cr.jail = j;
	assert_errno(shmsim_spawn(e->k, &cr, &np), ENOENT);
	assert_null(np);
	assert_int_equal(shmsim_kernel_destroy(k2, NULL, 0), 0);
	assert_audit_clean(e->k);
}

/* shmsim_jail_create: EINVAL for a bad name or path, EEXIST. */
static void
jail_create_errors(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j = NULL, *j1;
	char name64[65], name63[64];
	char *longpath = long_path(1023);

	memset(name64, 'n', 64);
	name64[64] = '\0';
	memset(name63, 'n', 63);
	name63[63] = '\0';
	assert_errno(shmsim_jail_create(e->k, NULL, "/jails/x", &j), EINVAL);
	assert_errno(shmsim_jail_create(e->k, "", "/jails/x", &j), EINVAL);
	assert_errno(shmsim_jail_create(e->k, "a b", "/jails/x", &j), EINVAL);
	assert_errno(shmsim_jail_create(e->k, "a/b", "/jails/x", &j), EINVAL);
	assert_errno(shmsim_jail_create(e->k, name64, "/jails/x", &j), EINVAL);
	assert_errno(shmsim_jail_create(e->k, "x", NULL, &j), EINVAL);
	assert_errno(shmsim_jail_create(e->k, "x", "", &j), EINVAL);
	assert_errno(shmsim_jail_create(e->k, "x", "jails/x", &j), EINVAL);
	assert_errno(shmsim_jail_create(e->k, "x", "/", &j), EINVAL);
	assert_errno(shmsim_jail_create(e->k, "x", "/jails/x/", &j), EINVAL);
	assert_errno(shmsim_jail_create(e->k, "x", longpath, &j), EINVAL);
	assert_null(j);

	assert_errno(shmsim_jail_create(e->k, name63, "/jails/long", &j), 0);
	assert_non_null(j);
	j1 = jail_new(e->k, "j1");
	j = NULL;
	assert_errno(shmsim_jail_create(e->k, "j1", "/jails/other", &j),
	    EEXIST);
	assert_null(j);
	/* Two names may share a root path: they share its names. */
	assert_errno(shmsim_jail_create(e->k, "j1b", "/jails/j1", &j), 0);
	{
		struct shmsim_proc *a = spawn_in(e->k, j1, 0);
		struct shmsim_proc *b = spawn_in(e->k, j, 0);
		int fa, fb;

		fa = OPEN_OK(a, "/s", O_RDWR | O_CREAT | O_EXCL, 0600);
		fb = OPEN_OK(b, "/s", O_RDWR, 0);
		assert_int_equal(ino_of(a, fa), ino_of(b, fb));
		assert_errno(shmsim_exit(a), 0);
		assert_errno(shmsim_exit(b), 0);
		/* Removing j1b keeps j1's name: matched by creator. */
		assert_errno(shmsim_jail_remove(j), 0);
		assert_non_null(dict_find(e->k, "/jails/j1/s"));
		assert_errno(shmsim_jail_remove(j1), 0);
		assert_null(dict_find(e->k, "/jails/j1/s"));
	}
	assert_audit_clean(e->k);
	free(longpath);
}

/* ---------------------------------------------------------------- */
/* Profile 2008: names global (D6), kept on removal (D17)           */
/* ---------------------------------------------------------------- */

static void
jail_2008_names_global(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_jail *j2 = jail_new(e->k, "j2");
	struct shmsim_proc *a = spawn_in(e->k, j1, 0);
	struct shmsim_proc *b = spawn_in(e->k, j2, 0);
	int afd, bfd, hfd;
	char buf[4];

	afd = OPEN_OK(a, "/foo", O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_non_null(dict_find(e->k, "/foo"));
	assert_null(dict_find(e->k, "/jails/j1/foo"));
	assert_kinfo_path(a, afd, "/foo");
	/* Another jail and the host see the same name and object. */
	OPEN_FAILS(b, "/foo", O_RDWR | O_CREAT | O_EXCL, 0600, EEXIST);
	bfd = OPEN_OK(b, "/foo", O_RDWR, 0);
	hfd = OPEN_OK(e->p, "/foo", O_RDWR, 0);
	OPEN_FAILS(e->p, "/jails/j1/foo", O_RDWR, 0, ENOENT);
	assert_kinfo_path(e->p, hfd, "/foo");
	assert_kinfo_path(b, bfd, "/foo");
	assert_int_equal(fdinfo(a, afd).shm_refs, 4);
	assert_int_equal(names_of(e->k), 1);
	assert_errno(shmsim_ftruncate(a, afd, PAGE), 0);
	assert_errno(shmsim_poke(a, afd, 0, "2008", 4), 0);
	assert_errno(shmsim_peek(e->p, hfd, 0, buf, 4), 0);
	assert_memory_equal(buf, "2008", 4);
	assert_audit_clean(e->k);
	/* The host's unlink reaches it by the same name. */
	UNLINK_IS(e->p, "/foo", 0);
	assert_false(fdinfo(a, afd).named);
	assert_errno(shmsim_exit(a), 0);
	assert_errno(shmsim_exit(b), 0);
	assert_audit_clean(e->k);
}

/* No prefix: the full 1023 bytes in a jail; "foo" unlinks as ENOENT. */
static void
jail_2008_no_prefix_limits(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_proc *jp = spawn_in(e->k, j1, 0);
	char *fits = long_path(1023), *over = long_path(1024);
	int fd;

	OPEN_FAILS(jp, over, O_RDWR | O_CREAT, 0600, ENAMETOOLONG);
	fd = OPEN_OK(jp, fits, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_int_equal(strlen(fdinfo(jp, fd).path), 1023);
	assert_non_null(dict_find(e->k, fits));
	UNLINK_IS(jp, fits, 0);
	OPEN_FAILS(jp, "", O_RDWR | O_CREAT, 0600, EINVAL);
	OPEN_FAILS(jp, "foo", O_RDWR | O_CREAT, 0600, EINVAL);
	UNLINK_IS(jp, "foo", ENOENT); /* no '/' check in 2008 unlink */
	assert_audit_clean(e->k);
	free(fits);
	free(over);
}

/* The 2008 kernel kept a dying jail's names. */
static void
jail_2008_removal_keeps_names(void **state)
{
	struct env *e = env_of(state);
	struct shmsim_jail *j1 = jail_new(e->k, "j1");
	struct shmsim_proc *jp = spawn_in(e->k, j1, 0);
	struct shmsim_proc *np = NULL;
	struct shmsim_cred cr;
	int fd;

	assert_errno(
	    shmsim_close(jp, OPEN_OK(jp, "/stays", O_RDWR | O_CREAT, 0600)), 0);
	assert_errno(shmsim_jail_remove(j1), 0);
	assert_int_equal(names_of(e->k), 1);
	assert_audit_clean(e->k);
	fd = OPEN_OK(e->p, "/stays", O_RDWR, 0);
	assert_true(fdinfo(e->p, fd).named);
	assert_errno(shmsim_close(e->p, fd), 0);
	shmsim_cred_init(&cr);
	cr.jail = j1; /* still valid: jp and the object hold the prison */
	assert_errno(shmsim_spawn(e->k, &cr, &np), ENOENT);
	assert_null(np);
	assert_errno(shmsim_exit(jp), 0);
	assert_int_equal(names_of(e->k), 1);
	assert_audit_clean(e->k);
	/* Teardown removes the name and frees the prison with it. */
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
		CURRENT(shm_copyin_path_jail_prefix),
		CURRENT(jail_names_are_per_jail),
		CURRENT(shm_copyin_path_jail_enametoolong),
		CURRENT(shm_copyin_path_longest_jail_root),
		CURRENT(shm_copyin_path_jail_einval),
		CURRENT(shm_fill_kinfo_jail_path),
		CURRENT(shm_remove_prison_by_creator),
		CURRENT(shm_remove_prison_open_fds_keep_object),
		CURRENT(shm_remove_prison_keeps_largepage),
		CURRENT(prison_outlives_removal_through_object),
		CURRENT(jail_spawn_into_removed_jail),
		CURRENT(jail_spawn_other_kernel),
		CURRENT(jail_create_errors),
		ONLY_2008(jail_2008_names_global),
		ONLY_2008(jail_2008_no_prefix_limits),
		ONLY_2008(jail_2008_removal_keeps_names),
	};

	return (cmocka_run_group_tests_name("jail", tests, NULL, NULL));
}
