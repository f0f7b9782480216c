/*
 * fdtable.c, uipc_rights.c and proc.c with shm files: the descriptor layer
 * (kern_close, kern_dup, kern_fcntl, falloc_caps/falloc_noinstall, fdcopy,
 * fdcloseexec, fdescfree) and SCM_RIGHTS passing (unp_internalize,
 * unp_externalize, unp_dispose), in both profiles where they differ.
 *
 * Counts are pinned after each step: f_count counts table slots plus
 * descriptors in flight (invariant 13), shm_refs counts files plus the
 * name (invariant 1), and the descriptor returned is always the lowest
 * free one (invariant 14).
 */
#include "helpers.h"

#include <errno.h>
#include <string.h>

#include "file.h"
#include "kernel_var.h"
#include "proc.h"

/* Kernel f_flag bits (sys/fcntl.h, _KERNEL). */
#define FREAD 0x0001
#define FWRITE 0x0002

#define F_SEAL_SEAL 0x0001
#define F_SEAL_WRITE 0x0008

/* An out-pointer value no call below should ever write. */
#define UNTOUCHED (-77)

#define assert_counts(k, nobjects, nshm, nnames, nfiles, ninflight) \
	do {                                                        \
		struct shmsim_counters c_;                          \
                                                                    \
		shmsim_counters((k), &c_);                          \
		assert_int_equal(c_.objects, (nobjects));           \
		assert_int_equal(c_.shm, (nshm));                   \
		assert_int_equal(c_.names, (nnames));               \
		assert_int_equal(c_.files, (nfiles));               \
		assert_int_equal(c_.inflight, (ninflight));         \
	} while (0)

#define assert_fd_counts(p, fd, fcount, shmrefs, objrefs)      \
	do {                                                   \
		struct shmsim_fdinfo i_ = fdinfo((p), (fd));   \
                                                               \
		assert_int_equal(i_.f_count, (fcount));        \
		assert_int_equal(i_.shm_refs, (shmrefs));      \
		assert_int_equal(i_.obj_ref_count, (objrefs)); \
	} while (0)

#define assert_fd_closed(p, fd)                                     \
	do {                                                        \
		struct shmsim_fdinfo i_;                            \
                                                                    \
		assert_errno(shmsim_fdinfo((p), (fd), &i_), EBADF); \
	} while (0)

static struct env *
env_small(enum shmsim_profile profile, int max_files, int max_fds)
{
	struct shmsim_config cfg;

	shmsim_config_init(&cfg);
	cfg.profile = profile;
	cfg.max_files = max_files;
	cfg.max_fds = max_fds;
	return (env_new(&cfg));
}

/* shm_open(path, O_RDWR | O_CREAT, 0600); the descriptor. */
static int
shm_create(struct shmsim_proc *p, const char *path)
{
	int fd = UNTOUCHED;

	assert_int_equal(
	    shmsim_shm_open(p, path, SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600, &fd),
	    0);
	assert_true(fd >= 0);
	return (fd);
}

static int
shm_reopen(struct shmsim_proc *p, const char *path, int flags)
{
	int fd = UNTOUCHED;

	assert_int_equal(shmsim_shm_open(p, path, flags, 0, &fd), 0);
	assert_true(fd >= 0);
	return (fd);
}

static int64_t
fcntl_ok(struct shmsim_proc *p, int fd, int cmd, intptr_t arg)
{
	int64_t rv = UNTOUCHED;

	assert_int_equal(shmsim_fcntl(p, fd, cmd, arg, &rv), 0);
	return (rv);
}

static int
dup_ok(struct shmsim_proc *p, int fd)
{
	int nfd = UNTOUCHED;

	assert_int_equal(shmsim_dup(p, fd, &nfd), 0);
	return (nfd);
}

/* ---------------------------------------------------------------- */
/* close                                                            */
/* ---------------------------------------------------------------- */

static void
kern_close_bad_fd_ebadf(void **state)
{
	struct env *e = *state;
	int fd;

	assert_errno(shmsim_close(e->p, -1), EBADF);
	assert_errno(shmsim_close(e->p, 0), EBADF);	  /* never opened */
	assert_errno(shmsim_close(e->p, 19), EBADF);	  /* inside NDFILE */
	assert_errno(shmsim_close(e->p, 1000000), EBADF); /* past the table */
	fd = shm_create(e->p, "/c");
	assert_int_equal(fd, 0);
	assert_int_equal(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_close(e->p, fd), EBADF); /* already closed */
	assert_counts(e->k, 1, 1, 1, 0, 0);
	assert_int_equal(shmsim_shm_unlink(e->p, "/c"), 0);
	assert_counts(e->k, 0, 0, 0, 0, 0);
	assert_audit_clean(e->k);
}

static void
kern_close_frees_lowest_slot(void **state)
{
	struct env *e = *state;

	assert_int_equal(shm_create(e->p, "/a"), 0);
	assert_int_equal(shm_create(e->p, "/b"), 1);
	assert_int_equal(shm_create(e->p, "/c"), 2);
	assert_counts(e->k, 3, 3, 3, 3, 0);
	assert_int_equal(shmsim_close(e->p, 1), 0);
	assert_fd_closed(e->p, 1);
	assert_counts(e->k, 3, 3, 3, 2, 0);
	/* The named object keeps its name's reference. */
	assert_fd_counts(e->p, 0, 1, 2, 1);
	assert_int_equal(shm_reopen(e->p, "/b", SHMSIM_O_RDWR), 1);
	assert_int_equal(shmsim_close(e->p, 0), 0);
	assert_int_equal(shmsim_close(e->p, 2), 0);
	/* Both 0 and 2 free: the lower one wins. */
	assert_int_equal(dup_ok(e->p, 1), 0);
	assert_int_equal(shm_reopen(e->p, "/c", SHMSIM_O_RDONLY), 2);
	assert_int_equal(shm_reopen(e->p, "/a", SHMSIM_O_RDONLY), 3);
	assert_counts(e->k, 3, 3, 3, 3, 0);
	assert_audit_clean(e->k);
}

static void
kern_close_last_ref_frees_unlinked(void **state)
{
	struct env *e = *state;
	int fd, fd2;

	fd = shm_create(e->p, "/u");
	fd2 = dup_ok(e->p, fd);
	assert_int_equal(shmsim_shm_unlink(e->p, "/u"), 0);
	assert_fd_counts(e->p, fd, 2, 1, 1);
	assert_counts(e->k, 1, 1, 0, 1, 0);
	/* One slot goes; the file and the object stay. */
	assert_int_equal(shmsim_close(e->p, fd), 0);
	assert_fd_counts(e->p, fd2, 1, 1, 1);
	assert_counts(e->k, 1, 1, 0, 1, 0);
	assert_int_equal(shmsim_close(e->p, fd2), 0);
	assert_counts(e->k, 0, 0, 0, 0, 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* dup                                                              */
/* ---------------------------------------------------------------- */

static void
kern_dup_lowest_free_clears_cloexec(void **state)
{
	struct env *e = *state;
	struct shmsim_fdinfo a, b;
	int fd;

	assert_int_equal(shm_create(e->p, "/d"), 0);
	assert_int_equal(shm_create(e->p, "/x"), 1);
	assert_int_equal(shm_create(e->p, "/y"), 2);
	assert_int_equal(shmsim_close(e->p, 1), 0);
	/* shm_open(3) today adds O_CLOEXEC. */
	assert_int_equal(fcntl_ok(e->p, 0, SHMSIM_F_GETFD, 0),
	    SHMSIM_FD_CLOEXEC);
	assert_fd_counts(e->p, 0, 1, 2, 1);

	fd = dup_ok(e->p, 0);
	assert_int_equal(fd, 1);
	a = fdinfo(e->p, 0);
	b = fdinfo(e->p, 1);
	assert_int_equal(a.fd_flags, SHMSIM_FD_CLOEXEC);
	assert_int_equal(b.fd_flags, 0);
	assert_int_equal(fcntl_ok(e->p, 1, SHMSIM_F_GETFD, 0), 0);
	assert_int_equal(a.ino, b.ino);
	/* One file, two slots: f_count +1, shm_refs and objref as they were. */
	assert_int_equal(a.f_count, 2);
	assert_int_equal(b.f_count, 2);
	assert_int_equal(b.shm_refs, 2);
	assert_int_equal(b.obj_ref_count, 1);
	assert_int_equal(b.f_flag, FREAD | FWRITE);
	assert_counts(e->k, 3, 3, 3, 2, 0);
	/* The next dup goes past the occupied 2. */
	assert_int_equal(dup_ok(e->p, 1), 3);
	assert_fd_counts(e->p, 0, 3, 2, 1);
	assert_audit_clean(e->k);
}

static void
kern_dup_shares_file_offset(void **state)
{
	struct env *e = *state;
	size_t done = 0;
	int64_t off = UNTOUCHED;
	int fd, fd2;

	fd = shm_create(e->p, "/o");
	assert_int_equal(shmsim_ftruncate(e->p, fd, 4096), 0);
	fd2 = dup_ok(e->p, fd);
	assert_int_equal(shmsim_write(e->p, fd, "abcdef", 6, &done), 0);
	assert_int_equal(done, 6);
	assert_int_equal(fdinfo(e->p, fd2).f_offset, 6);
	assert_int_equal(shmsim_lseek(e->p, fd2, 0, SHMSIM_SEEK_CUR, &off), 0);
	assert_int_equal(off, 6);
	assert_audit_clean(e->k);
}

static void
kern_dup_bad_fd_ebadf(void **state)
{
	struct env *e = *state;
	int nfd = UNTOUCHED;

	assert_errno(shmsim_dup(e->p, -1, &nfd), EBADF);
	assert_errno(shmsim_dup(e->p, 0, &nfd), EBADF);
	assert_errno(shmsim_dup(e->p, 5000, &nfd), EBADF);
	assert_int_equal(shm_create(e->p, "/d"), 0);
	assert_int_equal(shmsim_close(e->p, 0), 0);
	assert_errno(shmsim_dup(e->p, 0, &nfd), EBADF);
	assert_int_equal(nfd, UNTOUCHED);
	assert_counts(e->k, 1, 1, 1, 0, 0);
	assert_audit_clean(e->k);
}

static void
kern_dup_table_full_emfile(void **state)
{
	struct env *e;
	int fd, nfd = UNTOUCHED;

	(void)state;
	e = env_small(SHMSIM_PROFILE_CURRENT, 8192, 3);
	fd = shm_create(e->p, "/f");
	assert_int_equal(dup_ok(e->p, fd), 1);
	assert_int_equal(dup_ok(e->p, fd), 2);
	assert_errno(shmsim_dup(e->p, fd, &nfd), EMFILE);
	assert_int_equal(nfd, UNTOUCHED);
	/* The failed dup's hold is gone again. */
	assert_fd_counts(e->p, fd, 3, 2, 1);
	assert_counts(e->k, 1, 1, 1, 1, 0);
	/* A freed slot is found again. */
	assert_int_equal(shmsim_close(e->p, 1), 0);
	assert_int_equal(dup_ok(e->p, 2), 1);
	assert_errno(shmsim_dup(e->p, 2, &nfd), EMFILE);
	assert_audit_clean(e->k);
	env_free(e);
}

/* ---------------------------------------------------------------- */
/* dup2                                                             */
/* ---------------------------------------------------------------- */

static void
kern_dup_fixed_same_fd(void **state)
{
	struct env *e = *state;
	int fd, r = UNTOUCHED;

	fd = shm_create(e->p, "/s");
	assert_int_equal(shmsim_dup2(e->p, fd, fd, &r), 0);
	assert_int_equal(r, fd);
	/* Nothing changes: no count, and FD_CLOEXEC stays set. */
	assert_fd_counts(e->p, fd, 1, 2, 1);
	assert_int_equal(fdinfo(e->p, fd).fd_flags, SHMSIM_FD_CLOEXEC);
	assert_counts(e->k, 1, 1, 1, 1, 0);
	/* F_DUP2FD_CLOEXEC onto itself sets FD_CLOEXEC, nothing else. */
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_SETFD, 0), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_DUP2FD, fd), fd);
	assert_int_equal(fdinfo(e->p, fd).fd_flags, 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_DUP2FD_CLOEXEC, fd), fd);
	assert_int_equal(fdinfo(e->p, fd).fd_flags, SHMSIM_FD_CLOEXEC);
	assert_fd_counts(e->p, fd, 1, 2, 1);
	/* old == new but not open: EBADF, not success. */
	assert_errno(shmsim_dup2(e->p, 7, 7, &r), EBADF);
	assert_int_equal(r, fd);
	assert_audit_clean(e->k);
}

static void
kern_dup_fixed_replaces_open_fd(void **state)
{
	struct env *e = *state;
	struct shmsim_fdinfo a, b;
	int fa, fb, r = UNTOUCHED;

	fa = shm_create(e->p, "/a");
	fb = shm_create(e->p, "/b");
	assert_int_equal(shmsim_shm_unlink(e->p, "/b"), 0);
	a = fdinfo(e->p, fa);
	assert_fd_counts(e->p, fb, 1, 1, 1);
	assert_counts(e->k, 2, 2, 1, 2, 0);

	assert_int_equal(shmsim_dup2(e->p, fa, fb, &r), 0);
	assert_int_equal(r, fb);
	b = fdinfo(e->p, fb);
	assert_int_equal(b.ino, a.ino);
	assert_int_equal(b.fd_flags, 0); /* cleared on the copy */
	assert_int_equal(fdinfo(e->p, fa).fd_flags, SHMSIM_FD_CLOEXEC);
	assert_int_equal(b.f_count, 2);
	assert_int_equal(b.shm_refs, 2);
	assert_int_equal(b.obj_ref_count, 1);
	/* "/b" lost its last file and had no name: shmfd and object gone. */
	assert_counts(e->k, 1, 1, 1, 1, 0);
	assert_audit_clean(e->k);

	/* Replacing a slot that holds the same file: count unchanged. */
	assert_int_equal(shmsim_dup2(e->p, fb, fa, &r), 0);
	assert_int_equal(r, fa);
	assert_fd_counts(e->p, fa, 2, 2, 1);
	assert_int_equal(fdinfo(e->p, fa).fd_flags, 0);
	assert_counts(e->k, 1, 1, 1, 1, 0);
	assert_audit_clean(e->k);
}

static void
kern_dup_fixed_named_victim_survives(void **state)
{
	struct env *e = *state;
	int fa, fb, r = UNTOUCHED;

	fa = shm_create(e->p, "/a");
	fb = shm_create(e->p, "/b");
	assert_int_equal(shmsim_dup2(e->p, fa, fb, &r), 0);
	/* The name still holds "/b": its file went, the shmfd stays. */
	assert_counts(e->k, 2, 2, 2, 1, 0);
	assert_int_equal(shmsim_shm_unlink(e->p, "/b"), 0);
	assert_counts(e->k, 1, 1, 1, 1, 0);
	assert_audit_clean(e->k);
}

static void
kern_dup_fixed_grows_table(void **state)
{
	struct env *e = *state;
	int fd, r = UNTOUCHED;

	fd = shm_create(e->p, "/g");
	assert_int_equal(shmsim_dup2(e->p, fd, 1023, &r), 0);
	assert_int_equal(r, 1023);
	assert_fd_counts(e->p, 1023, 2, 2, 1);
	assert_int_equal(shmsim_dup2(e->p, fd, 100, &r), 0);
	assert_int_equal(r, 100);
	assert_fd_counts(e->p, fd, 3, 2, 1);
	/* The holes below stay the lowest free descriptors. */
	assert_int_equal(dup_ok(e->p, fd), 1);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_DUPFD, 100), 101);
	assert_fd_counts(e->p, fd, 5, 2, 1);
	assert_audit_clean(e->k);
}

static void
kern_dup_fixed_bad_newfd_ebadf(void **state)
{
	struct env *e;
	int fd, r = UNTOUCHED;

	(void)state;
	e = env_small(SHMSIM_PROFILE_CURRENT, 8192, 8);
	fd = shm_create(e->p, "/n");
	assert_errno(shmsim_dup2(e->p, fd, -1, &r), EBADF);
	assert_errno(shmsim_dup2(e->p, fd, 8, &r), EBADF);
	assert_errno(shmsim_dup2(e->p, fd, 1 << 30, &r), EBADF);
	/* F_DUP2FD is dup2: EBADF as well, unlike F_DUPFD. */
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_DUP2FD, 8, NULL), EBADF);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_DUP2FD, -1, NULL), EBADF);
	assert_int_equal(r, UNTOUCHED);
	assert_fd_counts(e->p, fd, 1, 2, 1);
	assert_int_equal(shmsim_dup2(e->p, fd, 7, &r), 0);
	assert_int_equal(r, 7);
	assert_fd_counts(e->p, fd, 2, 2, 1);
	assert_audit_clean(e->k);
	env_free(e);
}

static void
kern_dup_fixed_bad_oldfd_keeps_new(void **state)
{
	struct env *e = *state;
	int fa, r = UNTOUCHED;

	fa = shm_create(e->p, "/a");
	assert_int_equal(shmsim_shm_unlink(e->p, "/a"), 0);
	/* old not open: EBADF, and the target is not closed. */
	assert_errno(shmsim_dup2(e->p, 5, fa, &r), EBADF);
	assert_errno(shmsim_dup2(e->p, -1, fa, &r), EBADF);
	assert_int_equal(r, UNTOUCHED);
	assert_fd_counts(e->p, fa, 1, 1, 1);
	assert_counts(e->k, 1, 1, 0, 1, 0);
	/* old < 0 is checked before new: EBADF for both wrappers. */
	assert_errno(shmsim_dup2(e->p, -1, -1, &r), EBADF);
	assert_errno(shmsim_dup2(e->p, -1, 1 << 30, &r), EBADF);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Table boundaries: the initial size and each growth step          */
/* ---------------------------------------------------------------- */

/*
 * The table's size, and that every slot below it holds what the
 * descriptors say: fdinfo() of each open fd names file, and every other
 * slot is free.  The auditor then checks that nothing was written past
 * the table (its malloc redzone) and the bookkeeping.
 */
#define NDFILE 20 /* fdtable.c: the initial table */

static void
assert_table(struct env *e, struct shmsim_proc *sp, int size, int nopen,
    const int *open)
{
	struct filedesc *fdp = ((struct proc *)sp)->p_fd;
	int fd, i, used = 0;

	assert_int_equal(fdp->fd_nfiles, size);
	for (fd = 0; fd < size; fd++) {
		bool want = false;

		for (i = 0; i < nopen; i++)
			if (open[i] == fd)
				want = true;
		if (want != (fdp->fd_ofiles[fd].fde_file != NULL))
			fail_msg("fd %d: %s, want %s", fd,
			    want ? "free" : "in use", want ? "in use" : "free");
		used += want;
	}
	assert_int_equal(fdp->fd_nused, used);
	assert_audit_clean(e->k);
}

/*
 * Opens fill the initial table exactly (fds 0 .. NDFILE - 1, no growth);
 * the next open is fd NDFILE, which doubles the table; the last slot of
 * each size and the first past it, by open, dup2 and F_DUPFD.
 */
static void
fdtable_boundaries_open_dup2_dupfd(void **state)
{
	struct env *e = *state;
	int open[200], n = 0, fd, r, i, f0;

	for (i = 0; i < NDFILE; i++) {
		fd = shm_create(e->p, "/b");
		assert_int_equal(fd, i);
		open[n++] = fd;
	}
	assert_table(e, e->p, NDFILE, n, open);
	f0 = open[0];
	/* One past the initial table. */
	open[n++] = shm_create(e->p, "/b");
	assert_int_equal(open[n - 1], NDFILE);
	assert_table(e, e->p, 2 * NDFILE, n, open);
	/* dup2 to the last slot: no growth; to the first past it: grows. */
	assert_int_equal(shmsim_dup2(e->p, f0, 2 * NDFILE - 1, &r), 0);
	assert_int_equal(r, 2 * NDFILE - 1);
	open[n++] = r;
	assert_table(e, e->p, 2 * NDFILE, n, open);
	assert_int_equal(shmsim_dup2(e->p, f0, 2 * NDFILE, &r), 0);
	assert_int_equal(r, 2 * NDFILE);
	open[n++] = r;
	assert_table(e, e->p, 4 * NDFILE, n, open);
	/* F_DUPFD at the last slot of this size, then one past it. */
	assert_int_equal(fcntl_ok(e->p, f0, SHMSIM_F_DUPFD, 4 * NDFILE - 1),
	    4 * NDFILE - 1);
	open[n++] = 4 * NDFILE - 1;
	assert_table(e, e->p, 4 * NDFILE, n, open);
	assert_int_equal(fcntl_ok(e->p, f0, SHMSIM_F_DUPFD, 4 * NDFILE),
	    4 * NDFILE);
	open[n++] = 4 * NDFILE;
	assert_table(e, e->p, 8 * NDFILE, n, open);
	/* dup2 far past the end grows to at least new + 1 at once. */
	assert_int_equal(shmsim_dup2(e->p, f0, 16 * NDFILE, &r), 0);
	open[n++] = r;
	assert_table(e, e->p, 16 * NDFILE + 1, n, open);
	/* Every descriptor refers to f0's file or its own. */
	assert_int_equal(fdinfo(e->p, f0).f_count, 6);
	for (i = 0; i < n; i++)
		assert_true(fdinfo(e->p, open[i]).f_count >= 1);
	/* Closing does not shrink the table. */
	for (i = 0; i < n; i++)
		assert_errno(shmsim_close(e->p, open[i]), 0);
	assert_table(e, e->p, 16 * NDFILE + 1, 0, open);
	assert_errno(shmsim_shm_unlink(e->p, "/b"), 0);
}

/* From a fresh table straight to the first slot past it, each way. */
static void
fdtable_boundaries_first_growth(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *c1, *c2;
	int fd, r, open[2];

	fd = shm_create(e->p, "/f");
	assert_int_equal(fd, 0);
	assert_errno(shmsim_fork(e->p, &c1), 0);
	assert_errno(shmsim_fork(e->p, &c2), 0);
	/* dup2 to NDFILE - 1: the initial table holds it. */
	assert_int_equal(shmsim_dup2(e->p, fd, NDFILE - 1, &r), 0);
	open[0] = fd;
	open[1] = NDFILE - 1;
	assert_table(e, e->p, NDFILE, 2, open);
	/* dup2 to NDFILE: one past it. */
	assert_int_equal(shmsim_dup2(c1, fd, NDFILE, &r), 0);
	open[1] = NDFILE;
	assert_table(e, c1, 2 * NDFILE, 2, open);
	/* F_DUPFD_CLOEXEC from NDFILE: the same. */
	assert_int_equal(fcntl_ok(c2, fd, SHMSIM_F_DUPFD_CLOEXEC, NDFILE),
	    NDFILE);
	assert_table(e, c2, 2 * NDFILE, 2, open);
	assert_int_equal(fdinfo(c2, NDFILE).fd_flags, SHMSIM_FD_CLOEXEC);
	/* A fork copies a grown table at its size. */
	assert_errno(shmsim_exit(c2), 0);
	assert_errno(shmsim_fork(c1, &c2), 0);
	assert_table(e, c2, 2 * NDFILE, 2, open);
	assert_errno(shmsim_exit(c1), 0);
	assert_errno(shmsim_exit(c2), 0);
}

/*
 * At the descriptor limit: the last descriptor below it is fine by
 * every route, the limit itself is refused (dup2 EBADF, F_DUPFD EINVAL,
 * open EMFILE), and nothing is written past the table.
 */
static void
fdtable_boundaries_at_limit(void **state)
{
	struct env *e;
	int fd, r = UNTOUCHED, open[3];

	(void)state;
	e = env_small(SHMSIM_PROFILE_CURRENT, 8192, 2 * NDFILE);
	fd = shm_create(e->p, "/l");
	assert_int_equal(shmsim_dup2(e->p, fd, 2 * NDFILE - 1, &r), 0);
	assert_errno(shmsim_dup2(e->p, fd, 2 * NDFILE, &r), EBADF);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_DUPFD, 2 * NDFILE, NULL),
	    EINVAL);
	assert_errno(
	    shmsim_fcntl(e->p, fd, SHMSIM_F_DUPFD, 2 * NDFILE - 1, NULL),
	    EMFILE);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_DUPFD, 2 * NDFILE - 2),
	    2 * NDFILE - 2);
	open[0] = fd;
	open[1] = 2 * NDFILE - 2;
	open[2] = 2 * NDFILE - 1;
	assert_table(e, e->p, 2 * NDFILE, 3, open);
	assert_errno(shmsim_shm_unlink(e->p, "/l"), 0);
	env_free(e);
}

/* ---------------------------------------------------------------- */
/* fcntl                                                            */
/* ---------------------------------------------------------------- */

static void
kern_fcntl_dupfd_bad_arg_einval(void **state)
{
	struct env *e;
	int64_t rv = UNTOUCHED;
	int fd;

	(void)state;
	e = env_small(SHMSIM_PROFILE_CURRENT, 8192, 8);
	fd = shm_create(e->p, "/f");
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_DUPFD, -1, &rv), EINVAL);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_DUPFD, 8, &rv), EINVAL);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_DUPFD_CLOEXEC, -1, &rv),
	    EINVAL);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_DUPFD_CLOEXEC, 8, &rv),
	    EINVAL);
	/* A bad fd with a good arg: EBADF. */
	assert_errno(shmsim_fcntl(e->p, 3, SHMSIM_F_DUPFD, 0, &rv), EBADF);
	assert_errno(shmsim_fcntl(e->p, 3, SHMSIM_F_DUPFD_CLOEXEC, 0, &rv),
	    EBADF);
	/* Check order: old < 0 first (EBADF), then arg (EINVAL), then old. */
	assert_errno(shmsim_fcntl(e->p, -1, SHMSIM_F_DUPFD, -1, &rv), EBADF);
	assert_errno(shmsim_fcntl(e->p, 3, SHMSIM_F_DUPFD, -1, &rv), EINVAL);
	assert_errno(shmsim_fcntl(e->p, 3, SHMSIM_F_DUPFD, 8, &rv), EINVAL);
	assert_int_equal(rv, UNTOUCHED);
	assert_fd_counts(e->p, fd, 1, 2, 1);
	/* The last descriptor below the limit is fine. */
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_DUPFD, 7), 7);
	assert_fd_counts(e->p, fd, 2, 2, 1);
	assert_audit_clean(e->k);
	env_free(e);
}

static void
kern_fcntl_dupfd_lowest_at_or_above_arg(void **state)
{
	struct env *e = *state;

	assert_int_equal(shm_create(e->p, "/f"), 0);
	assert_int_equal(fcntl_ok(e->p, 0, SHMSIM_F_DUPFD, 5), 5);
	assert_int_equal(fcntl_ok(e->p, 0, SHMSIM_F_DUPFD, 5), 6);
	assert_int_equal(fcntl_ok(e->p, 0, SHMSIM_F_DUPFD, 3), 3);
	assert_int_equal(fcntl_ok(e->p, 0, SHMSIM_F_DUPFD, 4), 4);
	assert_int_equal(fcntl_ok(e->p, 0, SHMSIM_F_DUPFD, 4), 7);
	assert_int_equal(shmsim_close(e->p, 5), 0);
	assert_int_equal(fcntl_ok(e->p, 0, SHMSIM_F_DUPFD, 3), 5);
	assert_int_equal(fcntl_ok(e->p, 0, SHMSIM_F_DUPFD, 0), 1);
	/* F_DUPFD clears FD_CLOEXEC, as dup does. */
	assert_int_equal(fdinfo(e->p, 3).fd_flags, 0);
	assert_int_equal(fdinfo(e->p, 0).fd_flags, SHMSIM_FD_CLOEXEC);
	assert_fd_counts(e->p, 0, 7, 2, 1);
	assert_counts(e->k, 1, 1, 1, 1, 0);
	assert_audit_clean(e->k);
}

static void
kern_fcntl_dupfd_cloexec_sets_flag(void **state)
{
	struct env *e = *state;
	int fd;

	fd = shm_create(e->p, "/f");
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_SETFD, 0), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_DUPFD_CLOEXEC, 0), 1);
	assert_int_equal(fcntl_ok(e->p, 1, SHMSIM_F_GETFD, 0),
	    SHMSIM_FD_CLOEXEC);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFD, 0), 0);
	assert_fd_counts(e->p, 1, 2, 2, 1);
	assert_audit_clean(e->k);
}

static void
kern_fcntl_dupfd_table_full_emfile(void **state)
{
	struct env *e;
	int64_t rv = UNTOUCHED;
	int fd;

	(void)state;
	e = env_small(SHMSIM_PROFILE_CURRENT, 8192, 2);
	fd = shm_create(e->p, "/f");
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_DUPFD, 1), 1);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_DUPFD, 1, &rv), EMFILE);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_DUPFD, 0, &rv), EMFILE);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_DUPFD_CLOEXEC, 0, &rv),
	    EMFILE);
	assert_int_equal(rv, UNTOUCHED);
	assert_fd_counts(e->p, fd, 2, 2, 1);
	assert_audit_clean(e->k);
	env_free(e);
}

static void
kern_fcntl_setfd_getfd_roundtrip(void **state)
{
	struct env *e = *state;
	int64_t rv = UNTOUCHED;
	int fd;

	fd = shm_create(e->p, "/f");
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFD, 0),
	    SHMSIM_FD_CLOEXEC);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_SETFD, 0), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFD, 0), 0);
	assert_int_equal(fdinfo(e->p, fd).fd_flags, 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_SETFD, SHMSIM_FD_CLOEXEC),
	    0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFD, 0),
	    SHMSIM_FD_CLOEXEC);
	/*
	 * Only FD_CLOEXEC and FD_CLOFORK (bits 0 and 2) count; the model has
	 * no FD_RESOLVE_BENEATH (bit 1).
	 */
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_SETFD, 0xfa), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFD, 0), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_SETFD, 0xfe), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFD, 0),
	    SHMSIM_FD_CLOFORK);
	assert_int_equal(fdinfo(e->p, fd).fd_flags, SHMSIM_FD_CLOFORK);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_SETFD, 0xff), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFD, 0),
	    SHMSIM_FD_CLOEXEC | SHMSIM_FD_CLOFORK);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_SETFD, SHMSIM_FD_CLOEXEC),
	    0);
	/* Descriptor flags are per slot, not per file. */
	assert_int_equal(dup_ok(e->p, fd), 1);
	assert_int_equal(fcntl_ok(e->p, 1, SHMSIM_F_SETFD, 1), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_SETFD, 0), 0);
	assert_int_equal(fcntl_ok(e->p, 1, SHMSIM_F_GETFD, 0),
	    SHMSIM_FD_CLOEXEC);
	assert_errno(shmsim_fcntl(e->p, 5, SHMSIM_F_GETFD, 0, &rv), EBADF);
	assert_errno(shmsim_fcntl(e->p, -1, SHMSIM_F_SETFD, 1, &rv), EBADF);
	assert_errno(shmsim_fcntl(e->p, 1 << 20, SHMSIM_F_GETFD, 0, &rv),
	    EBADF);
	assert_int_equal(rv, UNTOUCHED);
	assert_fd_counts(e->p, fd, 2, 2, 1);
	assert_audit_clean(e->k);
}

static void
kern_fcntl_setfd_2008(void **state)
{
	struct env *e = *state;
	int fd;

	/*
	 * The 2008 shm_open(2) refused O_CLOEXEC but set UF_EXCLOSE itself,
	 * after installing the descriptor (seed §1.3 step 8).
	 */
	fd = shm_create(e->p, "/f");
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFD, 0),
	    SHMSIM_FD_CLOEXEC);
	assert_int_equal(shm_reopen(e->p, "/f", SHMSIM_O_RDONLY), 1);
	assert_int_equal(fdinfo(e->p, 1).fd_flags, SHMSIM_FD_CLOEXEC);
	assert_int_equal(shmsim_close(e->p, 1), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_SETFD, 0), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFD, 0), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_SETFD, 1), 0);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFD, 0),
	    SHMSIM_FD_CLOEXEC);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_DUPFD, 0), 1);
	assert_int_equal(fcntl_ok(e->p, 1, SHMSIM_F_GETFD, 0), 0);
	assert_fd_counts(e->p, fd, 2, 2, 1);
	assert_audit_clean(e->k);
}

static void
kern_fcntl_getfl_access_mode(void **state)
{
	struct env *e = *state;
	int64_t rv = UNTOUCHED;
	int rw, ro;

	rw = shm_create(e->p, "/f");
	ro = shm_reopen(e->p, "/f", SHMSIM_O_RDONLY);
	assert_int_equal(fcntl_ok(e->p, rw, SHMSIM_F_GETFL, 0), SHMSIM_O_RDWR);
	assert_int_equal(fcntl_ok(e->p, ro, SHMSIM_F_GETFL, 0),
	    SHMSIM_O_RDONLY);
	assert_int_equal(fdinfo(e->p, rw).f_flag, FREAD | FWRITE);
	assert_int_equal(fdinfo(e->p, ro).f_flag, FREAD);
	assert_errno(shmsim_fcntl(e->p, 9, SHMSIM_F_GETFL, 0, &rv), EBADF);
	assert_int_equal(rv, UNTOUCHED);
	assert_fd_counts(e->p, rw, 1, 3, 1);
	assert_audit_clean(e->k);
}

static void
kern_fcntl_setfl_nonblock_append(void **state)
{
	struct env *e = *state;
	int rw, ro;

	rw = shm_create(e->p, "/f");
	ro = shm_reopen(e->p, "/f", SHMSIM_O_RDONLY);
	assert_int_equal(fcntl_ok(e->p, rw, SHMSIM_F_SETFL,
			     SHMSIM_O_NONBLOCK | SHMSIM_O_APPEND),
	    0);
	assert_int_equal(fcntl_ok(e->p, rw, SHMSIM_F_GETFL, 0),
	    SHMSIM_O_RDWR | SHMSIM_O_NONBLOCK | SHMSIM_O_APPEND);
	assert_int_equal(fdinfo(e->p, rw).f_flag,
	    FREAD | FWRITE | SHMSIM_O_NONBLOCK | SHMSIM_O_APPEND);
	/* Open-file flags are per file: a dup sees them, another open not. */
	assert_int_equal(fcntl_ok(e->p, dup_ok(e->p, rw), SHMSIM_F_GETFL, 0),
	    SHMSIM_O_RDWR | SHMSIM_O_NONBLOCK | SHMSIM_O_APPEND);
	assert_int_equal(fcntl_ok(e->p, ro, SHMSIM_F_GETFL, 0),
	    SHMSIM_O_RDONLY);
	/* F_SETFL replaces the set; O_ASYNC is accepted too. */
	assert_int_equal(fcntl_ok(e->p, rw, SHMSIM_F_SETFL, SHMSIM_O_ASYNC), 0);
	assert_int_equal(fcntl_ok(e->p, rw, SHMSIM_F_GETFL, 0),
	    SHMSIM_O_RDWR | SHMSIM_O_ASYNC);
	/* The access mode cannot change, and O_EXCL is not an F_SETFL bit. */
	assert_int_equal(fcntl_ok(e->p, ro, SHMSIM_F_SETFL,
			     SHMSIM_O_RDWR | SHMSIM_O_NONBLOCK | SHMSIM_O_EXCL),
	    0);
	assert_int_equal(fcntl_ok(e->p, ro, SHMSIM_F_GETFL, 0),
	    SHMSIM_O_RDONLY | SHMSIM_O_NONBLOCK);
	assert_int_equal(fcntl_ok(e->p, rw, SHMSIM_F_SETFL, 0), 0);
	assert_int_equal(fcntl_ok(e->p, rw, SHMSIM_F_GETFL, 0), SHMSIM_O_RDWR);
	assert_errno(shmsim_fcntl(e->p, 9, SHMSIM_F_SETFL, 0, NULL), EBADF);
	assert_fd_counts(e->p, rw, 2, 3, 1);
	assert_audit_clean(e->k);
}

static void
kern_fcntl_setfl_2008_eopnotsupp_keeps_flags(void **state)
{
	struct env *e = *state;
	int64_t rv = UNTOUCHED;
	int fd;

	fd = shm_create(e->p, "/f");
	assert_errno(
	    shmsim_fcntl(e->p, fd, SHMSIM_F_SETFL, SHMSIM_O_NONBLOCK, &rv),
	    EOPNOTSUPP);
	assert_int_equal(rv, UNTOUCHED);
	/* Seed bug B4: the flags were stored before FIONBIO failed. */
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFL, 0),
	    SHMSIM_O_RDWR | SHMSIM_O_NONBLOCK);
	assert_int_equal(fdinfo(e->p, fd).f_flag,
	    FREAD | FWRITE | SHMSIM_O_NONBLOCK);
	assert_errno(
	    shmsim_fcntl(e->p, fd, SHMSIM_F_SETFL, SHMSIM_O_APPEND, NULL),
	    EOPNOTSUPP);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFL, 0),
	    SHMSIM_O_RDWR | SHMSIM_O_APPEND);
	/* Even clearing everything "fails" -- and clears. */
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_SETFL, 0, NULL),
	    EOPNOTSUPP);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GETFL, 0), SHMSIM_O_RDWR);
	assert_errno(shmsim_fcntl(e->p, 9, SHMSIM_F_SETFL, 0, NULL), EBADF);
	assert_fd_counts(e->p, fd, 1, 2, 1);
	assert_audit_clean(e->k);
}

static void
kern_fcntl_unknown_cmd_einval(void **state)
{
	struct env *e = *state;
	int64_t rv = UNTOUCHED;
	int fd;

	fd = shm_create(e->p, "/f");
	assert_errno(shmsim_fcntl(e->p, fd, 12345, 0, &rv), EINVAL);
	assert_errno(shmsim_fcntl(e->p, fd, -1, 0, &rv), EINVAL);
	/* The command is looked at before the descriptor. */
	assert_errno(shmsim_fcntl(e->p, -1, 12345, 0, &rv), EINVAL);
	assert_errno(shmsim_fcntl(e->p, 77, 12345, 0, &rv), EINVAL);
	assert_int_equal(rv, UNTOUCHED);
	assert_fd_counts(e->p, fd, 1, 2, 1);
	assert_audit_clean(e->k);
}

static void
kern_fcntl_2008_missing_cmds_einval(void **state)
{
	struct env *e = *state;
	int64_t rv = UNTOUCHED;
	int fd;

	fd = shm_create(e->p, "/f");
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_DUPFD_CLOEXEC, 0, &rv),
	    EINVAL);
	assert_errno(
	    shmsim_fcntl(e->p, fd, SHMSIM_F_ADD_SEALS, F_SEAL_WRITE, &rv),
	    EINVAL);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_GET_SEALS, 0, &rv),
	    EINVAL);
	assert_errno(shmsim_fcntl(e->p, fd, 12345, 0, &rv), EINVAL);
	assert_int_equal(rv, UNTOUCHED);
	/* No descriptor was made: the next one is still 1. */
	assert_fd_counts(e->p, fd, 1, 2, 1);
	assert_int_equal(dup_ok(e->p, fd), 1);
	assert_counts(e->k, 1, 1, 1, 1, 0);
	assert_audit_clean(e->k);
}

static void
kern_fcntl_get_seals_shm_open(void **state)
{
	struct env *e = *state;
	int64_t rv = UNTOUCHED;
	int fd, anon, ro;

	fd = shm_create(e->p, "/f");
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GET_SEALS, 0),
	    F_SEAL_SEAL);
	assert_errno(
	    shmsim_fcntl(e->p, fd, SHMSIM_F_ADD_SEALS, F_SEAL_WRITE, &rv),
	    EPERM);
	assert_errno(shmsim_fcntl(e->p, fd, SHMSIM_F_ADD_SEALS, 0, &rv), EPERM);
	assert_int_equal(rv, UNTOUCHED);
	assert_int_equal(fcntl_ok(e->p, fd, SHMSIM_F_GET_SEALS, 0),
	    F_SEAL_SEAL);
	ro = shm_reopen(e->p, "/f", SHMSIM_O_RDONLY);
	assert_int_equal(fcntl_ok(e->p, ro, SHMSIM_F_GET_SEALS, 0),
	    F_SEAL_SEAL);
	assert_int_equal(
	    shmsim_shm_open(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &anon),
	    0);
	assert_int_equal(fcntl_ok(e->p, anon, SHMSIM_F_GET_SEALS, 0),
	    F_SEAL_SEAL);
	assert_errno(shmsim_fcntl(e->p, 9, SHMSIM_F_GET_SEALS, 0, &rv), EBADF);
	assert_errno(shmsim_fcntl(e->p, 9, SHMSIM_F_ADD_SEALS, 0, &rv), EBADF);
	assert_fd_counts(e->p, fd, 1, 3, 1);
	assert_fd_counts(e->p, anon, 1, 1, 1);
	assert_counts(e->k, 2, 2, 1, 3, 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* ENFILE and EMFILE                                                */
/* ---------------------------------------------------------------- */

static void
falloc_caps_enfile_before_emfile(void **state)
{
	struct env *e;
	int fd, i, nfd = UNTOUCHED;

	(void)state;
	/* maxfiles 20: root may hold 19 files; 19 descriptors each. */
	e = env_small(SHMSIM_PROFILE_CURRENT, 20, 19);
	assert_int_equal(shm_create(e->p, "/f"), 0);
	for (i = 1; i < 19; i++)
		assert_int_equal(shm_reopen(e->p, "/f", SHMSIM_O_RDWR), i);
	assert_counts(e->k, 1, 1, 1, 19, 0);
	/* Table and file table both full: ENFILE wins. */
	assert_errno(shmsim_shm_open(e->p, "/f", SHMSIM_O_RDWR, 0, &nfd),
	    ENFILE);
	assert_errno(
	    shmsim_shm_open(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0, &nfd),
	    ENFILE);
	assert_errno(shmsim_dup(e->p, 0, &nfd), EMFILE);
	assert_int_equal(nfd, UNTOUCHED);
	assert_counts(e->k, 1, 1, 1, 19, 0);

	/* Room for a file, none for a descriptor: EMFILE. */
	assert_int_equal(shmsim_close(e->p, 18), 0);
	assert_int_equal(dup_ok(e->p, 0), 18);
	assert_counts(e->k, 1, 1, 1, 18, 0);
	assert_errno(shmsim_shm_open(e->p, "/f", SHMSIM_O_RDWR, 0, &nfd),
	    EMFILE);
	assert_errno(shmsim_shm_open(e->p, "/g", SHMSIM_O_RDWR | SHMSIM_O_CREAT,
			 0600, &nfd),
	    EMFILE);
	assert_int_equal(nfd, UNTOUCHED);
	/* The aborted file is gone again, and "/g" was never made. */
	assert_counts(e->k, 1, 1, 1, 18, 0);
	assert_fd_counts(e->p, 0, 2, 19, 1);

	/* The table is per process: another one gets the 19th file. */
	{
		struct shmsim_proc *q = spawn_as(e->k, 0, 0, 022);

		assert_int_equal(shm_reopen(q, "/f", SHMSIM_O_RDONLY), 0);
		assert_counts(e->k, 1, 1, 1, 19, 0);
		assert_errno(shmsim_shm_open(q, "/f", SHMSIM_O_RDONLY, 0, &nfd),
		    ENFILE);
		assert_int_equal(shmsim_exit(q), 0);
	}
	assert_counts(e->k, 1, 1, 1, 18, 0);
	for (fd = 0; fd < 19; fd++)
		assert_int_equal(shmsim_close(e->p, fd), 0);
	assert_counts(e->k, 1, 1, 1, 0, 0);
	assert_audit_clean(e->k);
	env_free(e);
}

static void
falloc_noinstall_maxuserfiles(void **state)
{
	struct env *e;
	struct shmsim_proc *u;
	int i, fd, nfd = UNTOUCHED;

	(void)state;
	/* maxfiles 40: maxuserfiles = 40 - 40 / 20 = 38. */
	e = env_small(SHMSIM_PROFILE_CURRENT, 40, 1024);
	u = spawn_as(e->k, 1000, 1000, 022);
	assert_int_equal(shm_create(u, "/u"), 0);
	for (i = 1; i < 37; i++)
		assert_int_equal(shm_reopen(u, "/u", SHMSIM_O_RDWR), i);
	assert_counts(e->k, 1, 1, 1, 37, 0);
	/* The 38th open file is refused to a non-root caller... */
	assert_errno(shmsim_shm_open(u, "/u", SHMSIM_O_RDWR, 0, &nfd), ENFILE);
	assert_errno(
	    shmsim_shm_open(u, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0, &nfd),
	    ENFILE);
	assert_int_equal(nfd, UNTOUCHED);
	assert_counts(e->k, 1, 1, 1, 37, 0);
	/* ... but root goes on to maxfiles - 1. */
	assert_int_equal(shm_reopen(e->p, "/u", SHMSIM_O_RDWR), 0);
	assert_int_equal(shm_reopen(e->p, "/u", SHMSIM_O_RDWR), 1);
	assert_counts(e->k, 1, 1, 1, 39, 0);
	assert_errno(shmsim_shm_open(e->p, "/u", SHMSIM_O_RDWR, 0, &nfd),
	    ENFILE);
	/* The limit is global: closing one of u's files is not enough. */
	assert_int_equal(shmsim_close(u, 36), 0);
	assert_errno(shmsim_shm_open(u, "/u", SHMSIM_O_RDWR, 0, &nfd), ENFILE);
	assert_int_equal(shm_reopen(e->p, "/u", SHMSIM_O_RDWR), 2);
	assert_int_equal(shmsim_close(e->p, 0), 0);
	assert_int_equal(shmsim_close(e->p, 1), 0);
	assert_int_equal(shmsim_close(e->p, 2), 0);
	assert_counts(e->k, 1, 1, 1, 36, 0);
	fd = shm_reopen(u, "/u", SHMSIM_O_RDWR);
	assert_int_equal(fd, 36);
	assert_errno(shmsim_shm_open(u, "/u", SHMSIM_O_RDWR, 0, &nfd), ENFILE);
	/* dup makes no file: it is limited by EMFILE alone. */
	assert_int_equal(dup_ok(u, 0), 37);
	assert_counts(e->k, 1, 1, 1, 37, 0);
	assert_audit_clean(e->k);
	assert_int_equal(shmsim_exit(u), 0);
	assert_counts(e->k, 1, 1, 1, 0, 0);
	env_free(e);
}

/*
 * Where kern.maxfiles / 20 is neither maxfiles / 19 nor maxfiles / 21
 * (40 and 20 above cannot tell them apart): maxfiles 400 leaves 380 to
 * the users, so a user holds 379 files and the 380th is refused; root
 * goes on.
 */
static void
falloc_noinstall_maxuserfiles_twentieth(void **state)
{
	struct env *e;
	struct shmsim_proc *u;
	int i, nfd = UNTOUCHED;

	(void)state;
	e = env_small(SHMSIM_PROFILE_CURRENT, 400, 1024);
	u = spawn_as(e->k, 1000, 1000, 022);
	assert_int_equal(shm_create(u, "/u"), 0);
	for (i = 1; i < 379; i++)
		assert_int_equal(shm_reopen(u, "/u", SHMSIM_O_RDWR), i);
	assert_counts(e->k, 1, 1, 1, 379, 0);
	assert_errno(shmsim_shm_open(u, "/u", SHMSIM_O_RDWR, 0, &nfd), ENFILE);
	assert_int_equal(nfd, UNTOUCHED);
	assert_int_equal(shm_reopen(e->p, "/u", SHMSIM_O_RDWR), 0);
	assert_counts(e->k, 1, 1, 1, 380, 0);
	assert_audit_clean(e->k);
	assert_int_equal(shmsim_exit(u), 0);
	assert_int_equal(shmsim_close(e->p, 0), 0);
	assert_counts(e->k, 1, 1, 1, 0, 0);
	env_free(e);
}

static void
falloc_noinstall_maxuserfiles_small(void **state)
{
	struct env *e;
	struct shmsim_proc *u;
	int nfd = UNTOUCHED;

	(void)state;
	/* maxfiles 20: maxuserfiles 19, so a user may hold 18 files. */
	e = env_small(SHMSIM_PROFILE_CURRENT, 20, 1024);
	u = spawn_as(e->k, 1000, 1000, 022);
	assert_int_equal(shm_create(u, "/u"), 0);
	while (shmsim_shm_open(u, "/u", SHMSIM_O_RDWR, 0, &nfd) == 0)
		;
	assert_int_equal(nfd, 17);
	assert_errno(shmsim_shm_open(u, "/u", SHMSIM_O_RDWR, 0, &nfd), ENFILE);
	assert_counts(e->k, 1, 1, 1, 18, 0);
	assert_int_equal(shm_reopen(e->p, "/u", SHMSIM_O_RDWR), 0);
	assert_errno(shmsim_shm_open(e->p, "/u", SHMSIM_O_RDWR, 0, &nfd),
	    ENFILE);
	assert_counts(e->k, 1, 1, 1, 19, 0);
	assert_audit_clean(e->k);
	env_free(e);
}

/* ---------------------------------------------------------------- */
/* fork, exit, exec                                                 */
/* ---------------------------------------------------------------- */

static void
fdcopy_keeps_numbers_and_cloexec(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *c;
	struct shmsim_fdinfo pi, ci;

	assert_int_equal(shm_create(e->p, "/a"), 0); /* CLOEXEC */
	assert_int_equal(shm_create(e->p, "/b"), 1);
	assert_int_equal(dup_ok(e->p, 0), 2); /* no CLOEXEC */
	assert_int_equal(fcntl_ok(e->p, 0, SHMSIM_F_DUPFD, 9), 9);
	assert_int_equal(fcntl_ok(e->p, 9, SHMSIM_F_SETFD, 1), 0);
	assert_int_equal(shmsim_close(e->p, 1), 0); /* a hole */
	assert_fd_counts(e->p, 0, 3, 2, 1);
	assert_counts(e->k, 2, 2, 2, 1, 0);

	assert_int_equal(shmsim_fork(e->p, &c), 0);
	assert_fd_closed(c, 1);
	assert_fd_closed(c, 3);
	pi = fdinfo(e->p, 0);
	ci = fdinfo(c, 0);
	assert_int_equal(ci.ino, pi.ino);
	assert_int_equal(ci.fd_flags, SHMSIM_FD_CLOEXEC);
	assert_int_equal(fdinfo(c, 2).fd_flags, 0);
	assert_int_equal(fdinfo(c, 9).fd_flags, SHMSIM_FD_CLOEXEC);
	assert_int_equal(fcntl_ok(c, 2, SHMSIM_F_GETFD, 0), 0);
	/* Three slots more on the same file; files and shm_refs as before. */
	assert_fd_counts(e->p, 0, 6, 2, 1);
	assert_fd_counts(c, 9, 6, 2, 1);
	assert_counts(e->k, 2, 2, 2, 1, 0);
	/* The child's hole is its lowest free descriptor. */
	assert_int_equal(dup_ok(c, 2), 1);
	assert_int_equal(dup_ok(c, 2), 3);
	assert_fd_closed(e->p, 3);
	assert_fd_counts(e->p, 0, 8, 2, 1);
	assert_audit_clean(e->k);

	assert_int_equal(shmsim_exit(c), 0);
	assert_fd_counts(e->p, 0, 3, 2, 1);
	assert_counts(e->k, 2, 2, 2, 1, 0);
	assert_audit_clean(e->k);
}

static void
fdcopy_shares_file_with_parent(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *c, *g;
	int fd;

	fd = shm_create(e->p, "/a");
	assert_int_equal(shmsim_fork(e->p, &c), 0);
	/* Parent lets go of the name and its slot; the child's copy lives. */
	assert_int_equal(shmsim_shm_unlink(e->p, "/a"), 0);
	assert_int_equal(shmsim_close(e->p, fd), 0);
	assert_fd_counts(c, fd, 1, 1, 1);
	assert_counts(e->k, 1, 1, 0, 1, 0);
	/* F_SETFL in one process shows in its fork: one open file. */
	assert_int_equal(dup_ok(c, fd), 1);
	assert_int_equal(shmsim_fork(c, &g), 0);
	assert_int_equal(fcntl_ok(c, fd, SHMSIM_F_SETFL, SHMSIM_O_NONBLOCK), 0);
	assert_int_equal(fcntl_ok(g, 1, SHMSIM_F_GETFL, 0),
	    SHMSIM_O_RDWR | SHMSIM_O_NONBLOCK);
	assert_fd_counts(c, fd, 4, 1, 1);
	assert_int_equal(shmsim_exit(c), 0);
	assert_fd_counts(g, 0, 2, 1, 1);
	assert_counts(e->k, 1, 1, 0, 1, 0);
	assert_audit_clean(e->k);
	assert_int_equal(shmsim_exit(g), 0);
	assert_counts(e->k, 0, 0, 0, 0, 0);
	assert_audit_clean(e->k);
}

static void
fdcopy_2008(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *c;
	struct shmsim_counters cnt;

	assert_int_equal(shm_create(e->p, "/a"), 0);
	assert_int_equal(shm_create(e->p, "/b"), 1); /* CLOEXEC (B3) */
	assert_int_equal(fcntl_ok(e->p, 0, SHMSIM_F_SETFD, 0), 0);
	assert_int_equal(shmsim_fork(e->p, &c), 0);
	shmsim_counters(e->k, &cnt);
	assert_int_equal(cnt.procs, 2);
	assert_int_equal(fdinfo(c, 0).fd_flags, 0);
	assert_int_equal(fdinfo(c, 1).fd_flags, SHMSIM_FD_CLOEXEC);
	assert_fd_counts(c, 0, 2, 2, 1);
	assert_fd_counts(c, 1, 2, 2, 1);
	assert_int_equal(shmsim_exec(c), 0);
	assert_fd_closed(c, 1);
	assert_fd_counts(c, 0, 2, 2, 1);
	assert_fd_counts(e->p, 1, 1, 2, 1);
	assert_int_equal(shmsim_exit(c), 0);
	shmsim_counters(e->k, &cnt);
	assert_int_equal(cnt.procs, 1);
	assert_fd_counts(e->p, 0, 1, 2, 1);
	assert_counts(e->k, 2, 2, 2, 2, 0);
	assert_audit_clean(e->k);
}

static void
fdescfree_on_exit_frees_unlinked(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *q;
	int fd;

	q = spawn_as(e->k, 0, 0, 022);
	fd = shm_create(q, "/x");
	assert_int_equal(dup_ok(q, fd), 1);
	assert_int_equal(fcntl_ok(q, fd, SHMSIM_F_DUPFD, 500), 500);
	assert_int_equal(shmsim_shm_unlink(q, "/x"), 0);
	assert_fd_counts(q, fd, 3, 1, 1);
	assert_counts(e->k, 1, 1, 0, 1, 0);
	assert_int_equal(shmsim_exit(q), 0);
	assert_counts(e->k, 0, 0, 0, 0, 0);
	assert_audit_clean(e->k);
}

static void
fdcloseexec_closes_only_cloexec(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *c;

	assert_int_equal(shm_create(e->p, "/a"), 0); /* CLOEXEC */
	assert_int_equal(shm_create(e->p, "/b"), 1);
	assert_int_equal(fcntl_ok(e->p, 1, SHMSIM_F_SETFD, 0), 0);
	assert_int_equal(dup_ok(e->p, 0), 2); /* clear */
	assert_int_equal(fcntl_ok(e->p, 1, SHMSIM_F_DUPFD_CLOEXEC, 0), 3);
	assert_int_equal(shm_create(e->p, "/c"), 4); /* CLOEXEC */
	assert_int_equal(shmsim_shm_unlink(e->p, "/c"), 0);
	assert_counts(e->k, 3, 3, 2, 3, 0);

	/* exec in a child first: the parent keeps everything. */
	assert_int_equal(shmsim_fork(e->p, &c), 0);
	assert_int_equal(shmsim_exec(c), 0);
	assert_fd_closed(c, 0);
	assert_fd_closed(c, 3);
	assert_fd_closed(c, 4);
	/* Each file: the parent's two slots plus the child's one left. */
	assert_fd_counts(c, 1, 3, 2, 1);
	assert_fd_counts(c, 2, 3, 2, 1);
	assert_fd_counts(e->p, 0, 3, 2, 1);
	assert_fd_counts(e->p, 3, 3, 2, 1);
	assert_fd_counts(e->p, 4, 1, 1, 1);
	assert_int_equal(shmsim_exit(c), 0);
	assert_counts(e->k, 3, 3, 2, 3, 0);

	assert_int_equal(shmsim_exec(e->p), 0);
	assert_fd_closed(e->p, 0);
	assert_fd_closed(e->p, 3);
	assert_fd_closed(e->p, 4);
	assert_int_equal(fdinfo(e->p, 1).fd_flags, 0);
	assert_int_equal(fdinfo(e->p, 2).fd_flags, 0);
	assert_fd_counts(e->p, 1, 1, 2, 1);
	assert_fd_counts(e->p, 2, 1, 2, 1);
	/* "/c" was unlinked and its one descriptor was close-on-exec. */
	assert_counts(e->k, 2, 2, 2, 2, 0);
	/* A second exec has nothing left to close. */
	assert_int_equal(shmsim_exec(e->p), 0);
	assert_counts(e->k, 2, 2, 2, 2, 0);
	assert_int_equal(shm_reopen(e->p, "/a", SHMSIM_O_RDONLY), 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Descriptor passing                                               */
/* ---------------------------------------------------------------- */

static void
unp_internalize_survives_close_and_unlink(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *b;
	struct shmsim_fdinfo i;
	char buf[8];
	size_t done = 0;
	int fd, rfd = UNTOUCHED;
	uint64_t ino;

	b = spawn_as(e->k, 1000, 1000, 022);
	fd = shm_create(e->p, "/p");
	assert_int_equal(shmsim_ftruncate(e->p, fd, 8192), 0);
	assert_int_equal(shmsim_pwrite(e->p, fd, "passed!", 8, 4000, &done), 0);
	assert_int_equal(done, 8);
	ino = fdinfo(e->p, fd).ino;

	assert_int_equal(shmsim_sendfd(e->p, b, fd), 0);
	assert_fd_counts(e->p, fd, 2, 2, 1);
	assert_counts(e->k, 1, 1, 1, 1, 1);
	assert_audit_clean(e->k);
	assert_int_equal(shmsim_close(e->p, fd), 0);
	assert_int_equal(shmsim_shm_unlink(e->p, "/p"), 0);
	/* Only the message holds it now. */
	assert_counts(e->k, 1, 1, 0, 1, 1);
	assert_audit_clean(e->k);

	assert_int_equal(shmsim_recvfd(b, &rfd), 0);
	assert_int_equal(rfd, 0);
	i = fdinfo(b, rfd);
	assert_int_equal(i.ino, ino);
	assert_int_equal(i.f_count, 1);
	assert_int_equal(i.shm_refs, 1);
	assert_int_equal(i.obj_ref_count, 1);
	assert_int_equal(i.fd_flags, 0);
	assert_int_equal(i.f_flag, FREAD | FWRITE);
	assert_false(i.named);
	assert_counts(e->k, 1, 1, 0, 1, 0);
	/* The receiver uses the sender's open file: no access check. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(shmsim_pread(b, rfd, buf, 8, 4000, &done), 0);
	assert_int_equal(done, 8);
	assert_string_equal(buf, "passed!");
	assert_audit_clean(e->k);
	assert_int_equal(shmsim_exit(b), 0);
	assert_counts(e->k, 0, 0, 0, 0, 0);
	assert_audit_clean(e->k);
}

static void
unp_externalize_lowest_free_fd(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *b;
	int fd, rfd = UNTOUCHED;

	b = spawn_as(e->k, 0, 0, 022);
	assert_int_equal(shm_create(b, "/b0"), 0);
	assert_int_equal(shm_create(b, "/b1"), 1);
	assert_int_equal(shm_create(b, "/b2"), 2);
	assert_int_equal(shmsim_close(b, 1), 0);
	fd = shm_create(e->p, "/a");
	assert_int_equal(shmsim_sendfd(e->p, b, fd), 0);
	assert_int_equal(shmsim_sendfd(e->p, b, fd), 0);
	assert_fd_counts(e->p, fd, 3, 2, 1);
	assert_counts(e->k, 4, 4, 4, 3, 2);
	assert_audit_clean(e->k);
	assert_int_equal(shmsim_recvfd(b, &rfd), 0);
	assert_int_equal(rfd, 1);
	assert_int_equal(shmsim_recvfd(b, &rfd), 0);
	assert_int_equal(rfd, 3);
	assert_fd_counts(b, 3, 3, 2, 1);
	assert_counts(e->k, 4, 4, 4, 3, 0);
	assert_int_equal(fdinfo(b, 1).ino, fdinfo(e->p, fd).ino);
	assert_audit_clean(e->k);
}

static void
unp_externalize_nothing_queued_eagain(void **state)
{
	struct env *e = *state;
	int fd, rfd = UNTOUCHED;

	assert_errno(shmsim_recvfd(e->p, &rfd), EAGAIN);
	fd = shm_create(e->p, "/a");
	assert_int_equal(shmsim_sendfd(e->p, e->p, fd), 0);
	assert_int_equal(shmsim_recvfd(e->p, &rfd), 0);
	assert_int_equal(rfd, 1);
	/* The queue is empty again. */
	assert_errno(shmsim_recvfd(e->p, &rfd), EAGAIN);
	assert_int_equal(rfd, 1);
	assert_fd_counts(e->p, fd, 2, 2, 1);
	assert_counts(e->k, 1, 1, 1, 1, 0);
	assert_audit_clean(e->k);
}

static void
unp_externalize_full_table_discards(void **state)
{
	struct env *e;
	struct shmsim_proc *b;
	int fd, rfd = UNTOUCHED;

	(void)state;
	e = env_small(SHMSIM_PROFILE_CURRENT, 8192, 1);
	b = spawn_as(e->k, 0, 0, 022);
	assert_int_equal(shm_create(b, "/b"), 0); /* b's table is full */
	fd = shm_create(e->p, "/a");
	assert_int_equal(shmsim_sendfd(e->p, b, fd), 0);
	assert_int_equal(shmsim_close(e->p, fd), 0);
	assert_int_equal(shmsim_shm_unlink(e->p, "/a"), 0);
	assert_counts(e->k, 2, 2, 1, 2, 1);

	assert_errno(shmsim_recvfd(b, &rfd), EMFILE);
	assert_int_equal(rfd, UNTOUCHED);
	/* Discarded, not requeued: "/a" is gone. */
	assert_counts(e->k, 1, 1, 1, 1, 0);
	assert_errno(shmsim_recvfd(b, &rfd), EAGAIN);
	assert_fd_counts(b, 0, 1, 2, 1);
	assert_audit_clean(e->k);

	/* A file that something else still holds survives the discard. */
	fd = shm_create(e->p, "/c");
	assert_int_equal(shmsim_sendfd(e->p, b, fd), 0);
	assert_fd_counts(e->p, fd, 2, 2, 1);
	assert_errno(shmsim_recvfd(b, &rfd), EMFILE);
	assert_fd_counts(e->p, fd, 1, 2, 1);
	assert_counts(e->k, 2, 2, 2, 2, 0);
	assert_audit_clean(e->k);
	env_free(e);
}

static void
unp_dispose_on_exit(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *b;
	int fd, fd2;

	b = spawn_as(e->k, 0, 0, 022);
	fd = shm_create(e->p, "/a");
	fd2 = shm_create(e->p, "/k"); /* kept open by the sender */
	assert_int_equal(shmsim_sendfd(e->p, b, fd), 0);
	assert_int_equal(shmsim_sendfd(e->p, b, fd), 0);
	assert_int_equal(shmsim_sendfd(e->p, b, fd2), 0);
	assert_fd_counts(e->p, fd, 3, 2, 1);
	assert_fd_counts(e->p, fd2, 2, 2, 1);
	assert_int_equal(shmsim_close(e->p, fd), 0);
	assert_int_equal(shmsim_shm_unlink(e->p, "/a"), 0);
	assert_int_equal(shmsim_shm_unlink(e->p, "/k"), 0);
	assert_counts(e->k, 2, 2, 0, 2, 3);
	assert_audit_clean(e->k);

	assert_int_equal(shmsim_exit(b), 0);
	assert_counts(e->k, 1, 1, 0, 1, 0);
	assert_fd_counts(e->p, fd2, 1, 1, 1);
	assert_audit_clean(e->k);
}

static void
unp_internalize_to_self(void **state)
{
	struct env *e = *state;
	int fd, rfd = UNTOUCHED;
	uint64_t ino;

	fd = shm_create(e->p, "/s");
	ino = fdinfo(e->p, fd).ino;
	assert_int_equal(shmsim_sendfd(e->p, e->p, fd), 0);
	assert_int_equal(shmsim_close(e->p, fd), 0);
	assert_int_equal(shmsim_shm_unlink(e->p, "/s"), 0);
	assert_counts(e->k, 1, 1, 0, 1, 1);
	assert_audit_clean(e->k);
	assert_int_equal(shmsim_recvfd(e->p, &rfd), 0);
	assert_int_equal(rfd, fd);
	assert_int_equal(fdinfo(e->p, rfd).ino, ino);
	assert_fd_counts(e->p, rfd, 1, 1, 1);
	assert_counts(e->k, 1, 1, 0, 1, 0);
	/* Queued to oneself and never received: exit drops it. */
	assert_int_equal(shmsim_sendfd(e->p, e->p, rfd), 0);
	assert_int_equal(shmsim_close(e->p, rfd), 0);
	assert_counts(e->k, 1, 1, 0, 1, 1);
	assert_audit_clean(e->k);
}

static void
unp_internalize_bad_fd_ebadf(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *b;
	int fd, rfd = UNTOUCHED;

	b = spawn_as(e->k, 0, 0, 022);
	assert_errno(shmsim_sendfd(e->p, b, -1), EBADF);
	assert_errno(shmsim_sendfd(e->p, b, 0), EBADF);
	assert_errno(shmsim_sendfd(e->p, b, 1 << 20), EBADF);
	fd = shm_create(e->p, "/a");
	assert_int_equal(shmsim_close(e->p, fd), 0);
	assert_errno(shmsim_sendfd(e->p, b, fd), EBADF);
	assert_counts(e->k, 1, 1, 1, 0, 0);
	assert_errno(shmsim_recvfd(b, &rfd), EAGAIN);
	assert_int_equal(rfd, UNTOUCHED);
	assert_audit_clean(e->k);
}

static void
unp_internalize_2008(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *b;
	char buf[4];
	int fd, rfd = UNTOUCHED;

	/* The 2008 shm file was DFLAG_PASSABLE already. */
	b = spawn_as(e->k, 0, 0, 022);
	fd = shm_create(e->p, "/p");
	assert_int_equal(shmsim_ftruncate(e->p, fd, 100), 0);
	assert_int_equal(shmsim_poke(e->p, fd, 10, "old", 4), 0);
	assert_int_equal(shmsim_sendfd(e->p, b, fd), 0);
	assert_fd_counts(e->p, fd, 2, 2, 1);
	assert_counts(e->k, 1, 1, 1, 1, 1);
	assert_int_equal(shmsim_close(e->p, fd), 0);
	assert_int_equal(shmsim_shm_unlink(e->p, "/p"), 0);
	assert_int_equal(shmsim_recvfd(b, &rfd), 0);
	assert_int_equal(rfd, 0);
	assert_fd_counts(b, rfd, 1, 1, 1);
	assert_int_equal(shmsim_peek(b, rfd, 10, buf, 4), 0);
	assert_string_equal(buf, "old");
	assert_int_equal(shmsim_exit(b), 0);
	assert_counts(e->k, 0, 0, 0, 0, 0);
	assert_audit_clean(e->k);
}

/* ---------------------------------------------------------------- */
/* Seeking and I/O in profile 2008                                  */
/* ---------------------------------------------------------------- */

static void
kern_lseek_2008_espipe(void **state)
{
	struct env *e = *state;
	int64_t off = UNTOUCHED;
	int fd;

	fd = shm_create(e->p, "/l");
	assert_int_equal(shmsim_ftruncate(e->p, fd, 4096), 0);
	assert_errno(shmsim_lseek(e->p, fd, 0, SHMSIM_SEEK_SET, &off), ESPIPE);
	assert_errno(shmsim_lseek(e->p, fd, 0, SHMSIM_SEEK_CUR, &off), ESPIPE);
	assert_errno(shmsim_lseek(e->p, fd, 0, SHMSIM_SEEK_END, &off), ESPIPE);
	assert_errno(shmsim_lseek(e->p, fd, -1, 99, &off), ESPIPE);
	/* The descriptor is looked up first. */
	assert_errno(shmsim_lseek(e->p, 5, 0, SHMSIM_SEEK_SET, &off), EBADF);
	assert_int_equal(off, UNTOUCHED);
	assert_fd_counts(e->p, fd, 1, 2, 1);
	assert_audit_clean(e->k);
}

static void
kern_lseek_current_seekable(void **state)
{
	struct env *e = *state;
	int64_t off = UNTOUCHED;
	int fd;

	fd = shm_create(e->p, "/l");
	assert_int_equal(shmsim_ftruncate(e->p, fd, 4096), 0);
	assert_int_equal(shmsim_lseek(e->p, fd, 100, SHMSIM_SEEK_SET, &off), 0);
	assert_int_equal(off, 100);
	assert_int_equal(fdinfo(e->p, fd).f_offset, 100);
	assert_errno(shmsim_lseek(e->p, 5, 0, SHMSIM_SEEK_SET, &off), EBADF);
	assert_audit_clean(e->k);
}

static void
kern_preadv_2008_espipe(void **state)
{
	struct env *e = *state;
	char buf[16];
	size_t done = 12345;
	int fd, ro;

	fd = shm_create(e->p, "/io");
	ro = shm_reopen(e->p, "/io", SHMSIM_O_RDONLY);
	assert_int_equal(shmsim_ftruncate(e->p, fd, 4096), 0);
	assert_errno(shmsim_pread(e->p, fd, buf, sizeof(buf), 0, &done),
	    ESPIPE);
	assert_errno(shmsim_pwrite(e->p, fd, "x", 1, 0, &done), ESPIPE);
	/* ESPIPE is found before the offset is looked at. */
	assert_errno(shmsim_pread(e->p, fd, buf, sizeof(buf), -1, &done),
	    ESPIPE);
	assert_errno(shmsim_pread(e->p, ro, buf, sizeof(buf), 0, &done),
	    ESPIPE);
	/* fget_write() fails before the seekability test. */
	assert_errno(shmsim_pwrite(e->p, ro, "x", 1, 0, &done), EBADF);
	assert_errno(shmsim_pread(e->p, 7, buf, sizeof(buf), 0, &done), EBADF);
	assert_int_equal(done, 12345);
	assert_fd_counts(e->p, fd, 1, 3, 1);
	assert_audit_clean(e->k);
}

static void
kern_readv_2008_eopnotsupp(void **state)
{
	struct env *e = *state;
	char buf[16];
	size_t done = 12345;
	int fd, ro;

	fd = shm_create(e->p, "/io");
	ro = shm_reopen(e->p, "/io", SHMSIM_O_RDONLY);
	assert_int_equal(shmsim_ftruncate(e->p, fd, 4096), 0);
	assert_errno(shmsim_read(e->p, fd, buf, sizeof(buf), &done),
	    EOPNOTSUPP);
	assert_errno(shmsim_write(e->p, fd, "x", 1, &done), EOPNOTSUPP);
	assert_errno(shmsim_read(e->p, ro, buf, sizeof(buf), &done),
	    EOPNOTSUPP);
	assert_errno(shmsim_write(e->p, ro, "x", 1, &done), EBADF);
	assert_errno(shmsim_read(e->p, 7, buf, sizeof(buf), &done), EBADF);
	assert_int_equal(done, 12345);
	/* Nothing moved: no offset, no page. */
	assert_int_equal(fdinfo(e->p, fd).f_offset, 0);
	assert_int_equal(fdinfo(e->p, fd).resident, 0);
	assert_audit_clean(e->k);
}

#define T_CUR(f) cmocka_unit_test_setup_teardown(f, setup_current, teardown_env)
#define T_2008(f) cmocka_unit_test_setup_teardown(f, setup_2008, teardown_env)
/* One body run in profile 2008 as well, under its own name. */
#define T_ALSO_2008(f)                                                        \
	{                                                                     \
		.name = #f "_2008", .test_func = f, .setup_func = setup_2008, \
		.teardown_func = teardown_env, .initial_state = NULL          \
	}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T_CUR(kern_close_bad_fd_ebadf),
		T_CUR(kern_close_frees_lowest_slot),
		T_2008(kern_close_last_ref_frees_unlinked),
		T_CUR(kern_dup_lowest_free_clears_cloexec),
		T_CUR(kern_dup_shares_file_offset),
		T_CUR(kern_dup_bad_fd_ebadf),
		cmocka_unit_test(kern_dup_table_full_emfile),
		T_CUR(kern_dup_fixed_same_fd),
		T_CUR(kern_dup_fixed_replaces_open_fd),
		T_2008(kern_dup_fixed_named_victim_survives),
		T_CUR(kern_dup_fixed_grows_table),
		cmocka_unit_test(kern_dup_fixed_bad_newfd_ebadf),
		T_CUR(kern_dup_fixed_bad_oldfd_keeps_new),
		T_CUR(fdtable_boundaries_open_dup2_dupfd),
		T_CUR(fdtable_boundaries_first_growth),
		cmocka_unit_test(fdtable_boundaries_at_limit),
		cmocka_unit_test(kern_fcntl_dupfd_bad_arg_einval),
		T_CUR(kern_fcntl_dupfd_lowest_at_or_above_arg),
		T_CUR(kern_fcntl_dupfd_cloexec_sets_flag),
		cmocka_unit_test(kern_fcntl_dupfd_table_full_emfile),
		T_CUR(kern_fcntl_setfd_getfd_roundtrip),
		T_2008(kern_fcntl_setfd_2008),
		T_CUR(kern_fcntl_getfl_access_mode),
		T_ALSO_2008(kern_fcntl_getfl_access_mode),
		T_CUR(kern_fcntl_setfl_nonblock_append),
		T_2008(kern_fcntl_setfl_2008_eopnotsupp_keeps_flags),
		T_CUR(kern_fcntl_unknown_cmd_einval),
		T_ALSO_2008(kern_fcntl_unknown_cmd_einval),
		T_2008(kern_fcntl_2008_missing_cmds_einval),
		T_CUR(kern_fcntl_get_seals_shm_open),
		cmocka_unit_test(falloc_caps_enfile_before_emfile),
		cmocka_unit_test(falloc_noinstall_maxuserfiles),
		cmocka_unit_test(falloc_noinstall_maxuserfiles_small),
		cmocka_unit_test(falloc_noinstall_maxuserfiles_twentieth),
		T_CUR(fdcopy_keeps_numbers_and_cloexec),
		T_CUR(fdcopy_shares_file_with_parent),
		T_2008(fdcopy_2008),
		T_CUR(fdescfree_on_exit_frees_unlinked),
		T_CUR(fdcloseexec_closes_only_cloexec),
		T_CUR(unp_internalize_survives_close_and_unlink),
		T_CUR(unp_externalize_lowest_free_fd),
		T_CUR(unp_externalize_nothing_queued_eagain),
		cmocka_unit_test(unp_externalize_full_table_discards),
		T_CUR(unp_dispose_on_exit),
		T_CUR(unp_internalize_to_self),
		T_CUR(unp_internalize_bad_fd_ebadf),
		T_2008(unp_internalize_2008),
		T_2008(kern_lseek_2008_espipe),
		T_CUR(kern_lseek_current_seekable),
		T_2008(kern_preadv_2008_espipe),
		T_2008(kern_readv_2008_eopnotsupp),
	};

	return (cmocka_run_group_tests_name("fdtable", tests, NULL, NULL));
}
