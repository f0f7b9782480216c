/*
 * The auditor (src/audit.c) against counts broken on purpose.  The tests
 * reach the kernel's structures through the internal headers, as only a
 * test may: the process's descriptor table gives the struct file, its
 * f_data the shmfd, shm_object the VM object, the dictionary bucket the
 * shm_mapping.  Each test breaks one thing, expects shmsim_audit() to
 * count it and name it, puts it back and expects a clean audit and a
 * leak-free teardown.  Then shmsim_kernel_destroy() against leaked
 * references, which it must report and still free.
 */
#include "helpers.h"

#include <stdio.h>
#include <string.h>

#include "kernel_var.h"

/* Pointers to what descriptor fd of the env's process refers to. */
struct handles {
	struct shmsim_kernel *k;
	struct proc *p;
	struct filedesc *fdp;
	struct file *fp;
	struct shmfd *shmfd;
	vm_object_t obj;
	struct shm_mapping *map; /* NULL when anonymous */
};

static void
grab(struct shmsim_kernel *k, struct shmsim_proc *sp, int fd, struct handles *h)
{
	struct shm_mapping *map;
	Fnv32_t fnv;

	memset(h, 0, sizeof(*h));
	h->k = k;
	h->p = (struct proc *)sp;
	h->fdp = h->p->p_fd;
	assert_true(fd >= 0 && fd < h->fdp->fd_nfiles);
	h->fp = h->fdp->fd_ofiles[fd].fde_file;
	assert_non_null(h->fp);
	h->shmfd = h->fp->f_data;
	assert_non_null(h->shmfd);
	h->obj = h->shmfd->shm_object;
	assert_non_null(h->obj);
	if (h->shmfd->shm_path == NULL)
		return;
	fnv = fnv_32_str(h->shmfd->shm_path, FNV1_32_INIT);
	LIST_FOREACH(map, &k->shm_dictionary[fnv & k->shm_hash], sm_link)
		if (map->sm_shmfd == h->shmfd)
			h->map = map;
	assert_non_null(h->map);
}

/*
 * The scene every test breaks: a named object of 2.5 pages with data on
 * two pages (one paged out), open twice (a dup and a reopen), plus an
 * anonymous object; fd 0 is the named one.
 */
static void
scene(struct env *e, struct handles *h)
{
	uint64_t ps = shmsim_kernel_config(e->k)->page_size, moved;
	int fd, fd1, fd2, fda;

	assert_errno(shmsim_shm_open(e->p, "/audit",
			 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0640, &fd),
	    0);
	assert_int_equal(fd, 0);
	assert_errno(shmsim_ftruncate(e->p, fd, (int64_t)(2 * ps + ps / 2)), 0);
	assert_errno(shmsim_poke(e->p, fd, 0, "zero", 4), 0);
	assert_errno(shmsim_poke(e->p, fd, 2 * ps, "two", 3), 0);
	assert_errno(shmsim_pageout(e->k, 1, &moved), 0);
	assert_int_equal(moved, 1);
	assert_errno(shmsim_dup(e->p, fd, &fd1), 0);
	assert_errno(shmsim_shm_open(e->p, "/audit", SHMSIM_O_RDONLY, 0, &fd2),
	    0);
	assert_errno(
	    shmsim_shm_open(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &fda),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fda, (int64_t)ps), 0);
	assert_audit_clean(e->k);
	grab(e->k, e->p, fd, h);
	assert_int_equal(atomic_load(&h->shmfd->shm_refs), 3);
	assert_int_equal(atomic_load(&h->fp->f_count), 2);
	assert_int_equal(atomic_load(&h->obj->ref_count), 1);
}

static bool
is_2008(const struct env *e)
{
	return (shmsim_kernel_config(e->k)->profile == SHMSIM_PROFILE_2008);
}

/* Invariant 1: shm_refs == files + name. */
static void
audit_catches_shm_refs(void **state)
{
	struct env *e = *state;
	struct handles h;

	scene(e, &h);
	atomic_fetch_add(&h.shmfd->shm_refs, 1);
	assert_caught(e->k, 1, 1, "shm_refs is 4", "2 file(s)", "1 name(s)");
	atomic_fetch_sub(&h.shmfd->shm_refs, 2);
	assert_caught(e->k, 1, 1, "shm_refs is 2");
	atomic_fetch_add(&h.shmfd->shm_refs, 1);
	assert_audit_clean(e->k);
}

/* Invariant 13: f_count == table slots + descriptors in flight. */
static void
audit_catches_f_count(void **state)
{
	struct env *e = *state;
	struct handles h;

	scene(e, &h);
	atomic_fetch_add(&h.fp->f_count, 1);
	assert_caught(e->k, 1, 1, "f_count is 3", "2 table slot(s)");
	atomic_fetch_sub(&h.fp->f_count, 2);
	assert_caught(e->k, 1, 1, "f_count is 1");
	atomic_fetch_add(&h.fp->f_count, 1);
	assert_audit_clean(e->k);

	/* In flight: the queued descriptor counts. */
	assert_errno(shmsim_sendfd(e->p, e->p, 0), 0);
	assert_int_equal(atomic_load(&h.fp->f_count), 3);
	assert_audit_clean(e->k);
	atomic_fetch_sub(&h.fp->f_count, 1);
	assert_caught(e->k, 1, 1, "f_count is 2", "1 descriptor(s) in flight");
	atomic_fetch_add(&h.fp->f_count, 1);
	assert_audit_clean(e->k);
}

/* Invariant 3: the object's ref_count is its shmfd's one reference. */
static void
audit_catches_object_ref_count(void **state)
{
	struct env *e = *state;
	struct handles h;

	scene(e, &h);
	atomic_fetch_add(&h.obj->ref_count, 1);
	assert_caught(e->k, 1, 1, "ref_count is 2");
	atomic_fetch_sub(&h.obj->ref_count, 1);
	assert_audit_clean(e->k);
}

/* Invariant 4: the stored FNV hash, and the bucket it selects. */
static void
audit_catches_stored_hash(void **state)
{
	struct env *e = *state;
	struct handles h;

	scene(e, &h);
	/* A bit above the bucket mask: wrong hash, right bucket. */
	h.map->sm_fnv ^= 0x80000000u;
	assert_caught(e->k, 1, 1, "stored hash", "/audit");
	h.map->sm_fnv ^= 0x80000000u;
	assert_audit_clean(e->k);
	/* The lowest bit: wrong hash and the wrong bucket. */
	h.map->sm_fnv ^= 1;
	assert_caught(e->k, 2, 2, "stored hash", "bucket");
	h.map->sm_fnv ^= 1;
	assert_audit_clean(e->k);
}

/* Invariant 4: the name and the shmfd point at each other. */
static void
audit_catches_shm_path(void **state)
{
	struct env *e = *state;
	struct handles h;
	const char *path;

	scene(e, &h);
	path = h.shmfd->shm_path;
	h.shmfd->shm_path = NULL;
	assert_caught(e->k, 2, 2, "shm_path");
	h.shmfd->shm_path = path;
	assert_audit_clean(e->k);
}

/* Invariant 5: object size == howmany(shm_size, PAGE_SIZE). */
static void
audit_catches_size(void **state)
{
	struct env *e = *state;
	uint64_t ps = shmsim_kernel_config(e->k)->page_size;
	struct handles h;

	scene(e, &h);
	/* Within the last page: still consistent. */
	h.shmfd->shm_size += 1;
	assert_audit_clean(e->k);
	h.shmfd->shm_size -= 1;
	h.shmfd->shm_size += (vm_ooffset_t)ps;
	assert_caught(e->k, 1, 1, "object size is 3 pages", "shm_size");
	h.shmfd->shm_size -= (vm_ooffset_t)ps;
	assert_audit_clean(e->k);
	/* The object's side (its charge then disagrees too, today). */
	h.obj->size += 1;
	assert_caught(e->k, 1, is_2008(e) ? 1 : 2, "object size is 4 pages");
	h.obj->size -= 1;
	assert_audit_clean(e->k);
}

/* Invariant 5 and the swap accounting: the object's charge. */
static void
audit_catches_charge(void **state)
{
	struct env *e = *state;
	uint64_t ps = shmsim_kernel_config(e->k)->page_size;
	struct handles h;

	scene(e, &h);
	assert_int_equal(h.obj->charge, is_2008(e) ? 0 : 3 * ps);
	h.obj->charge += ps;
	/*
	 * The object, the swap device's total and, today, the uid's total
	 * (in 2008 nothing was ever charged, so no uid has an account).
	 */
	if (is_2008(e))
		assert_caught(e->k, 2, 2, "object charge", "reserved");
	else
		assert_caught(e->k, 3, 3, "object charge", "reserved", "uid 0");
	h.obj->charge -= ps;
	assert_audit_clean(e->k);
}

/* Invariant 14: descriptor table bookkeeping. */
/*
 * Under INVARIANTS: bytes written past a descriptor table, into its
 * malloc redzone -- one in the redzone's second word (the first intact),
 * then its first byte too -- are counted, and the audit is clean once
 * they are put back.
 */
static void
table_overrun_caught(struct env *e, struct handles *h)
{
#ifdef INVARIANTS
	unsigned char *end =
	    (unsigned char *)&h->fdp->fd_ofiles[h->fdp->fd_nfiles];

	end[13] = 0;
	assert_caught(e->k, 1, 1,
	    ": 1 byte(s) written past the end of the descriptor table "
	    "(20 slots)");
	end[0] = 0;
	assert_caught(e->k, 1, 1,
	    ": 2 byte(s) written past the end of the descriptor table");
	end[0] = end[13] = 0x42; /* kern_malloc.c: REDZONE_BYTE */
	assert_audit_clean(e->k);
#else
	(void)e;
	(void)h;
#endif
}

static void
audit_catches_fd_table(void **state)
{
	struct env *e = *state;
	struct handles h;
	struct shmsim_proc *child;
	struct filedesc *cfdp;
	int ff;

	scene(e, &h);
	h.fdp->fd_nused++;
	assert_caught(e->k, 1, 1, "fd_nused is 5");
	h.fdp->fd_nused -= 2;
	assert_caught(e->k, 1, 1, "fd_nused is 3");
	h.fdp->fd_nused++;
	assert_audit_clean(e->k);

	h.fdp->fd_lastfile++;
	assert_caught(e->k, 1, 1, "fd_lastfile");
	h.fdp->fd_lastfile--;
	assert_audit_clean(e->k);

	/* fd_freefile past a free slot: the next open would skip it. */
	h.fdp->fd_freefile += 2;
	assert_caught(e->k, 1, 1, "fd_freefile");
	h.fdp->fd_freefile -= 2;
	assert_audit_clean(e->k);

	/* fd_freefile on a slot in use: the next open would reuse it. */
	ff = h.fdp->fd_freefile;
	h.fdp->fd_freefile = 0;
	assert_caught(e->k, 1, 1, "fd_freefile is 0, which is in use");
	h.fdp->fd_freefile = ff;
	assert_audit_clean(e->k);

	/*
	 * The same in a forked child, whose table fdcopy() made with
	 * fd_freefile at its first free slot: no allowance for a gap
	 * (fd_freefile_gap) hides it.
	 */
	assert_errno(shmsim_fork(e->p, &child), 0);
	cfdp = ((struct proc *)child)->p_fd;
	assert_false(cfdp->fd_freefile_gap);
	cfdp->fd_freefile += 2;
	assert_caught(e->k, 1, 1, "fd_freefile");
	cfdp->fd_freefile -= 2;
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(child), 0);

	table_overrun_caught(e, &h);
}

/* Invariant 12, 11, 10, and the global counters. */
static void
audit_catches_other_fields(void **state)
{
	struct env *e = *state;
	struct handles h;
	struct timespec ts;
	uint64_t ino;

	scene(e, &h);

	atomic_fetch_and(&h.fp->f_flag, ~(unsigned)FREAD);
	assert_caught(e->k, 1, 1, "f_flag");
	atomic_fetch_or(&h.fp->f_flag, FREAD);
	assert_audit_clean(e->k);

	h.shmfd->shm_mode |= 01000;
	assert_caught(e->k, 1, 1, "mode");
	h.shmfd->shm_mode &= ACCESSPERMS;
	assert_audit_clean(e->k);

	ino = h.shmfd->shm_ino;
	h.shmfd->shm_ino = is_2008(e) ? 7 : 0;
	assert_caught(e->k, 1, 1, "inode");
	h.shmfd->shm_ino = ino;
	assert_audit_clean(e->k);

	ts = h.shmfd->shm_mtime;
	h.shmfd->shm_mtime.tv_sec++;
	assert_caught(e->k, 1, 1, "timestamps");
	h.shmfd->shm_mtime = ts;
	assert_audit_clean(e->k);

	h.obj->resident_page_count++;
	assert_caught(e->k, 1, 1, "resident");
	h.obj->resident_page_count--;
	h.obj->swp_count++;
	assert_caught(e->k, 1, 1, "swapped");
	h.obj->swp_count--;
	assert_audit_clean(e->k);

	atomic_fetch_add(&e->k->k_nnames, 1);
	assert_caught(e->k, 1, 1, "names exist");
	atomic_fetch_sub(&e->k->k_nnames, 1);
	atomic_fetch_add(&e->k->k_nshm, 1);
	assert_caught(e->k, 1, 1, "shmfds exist");
	atomic_fetch_sub(&e->k->k_nshm, 1);
	atomic_fetch_add(&e->k->openfiles, 1);
	assert_caught(e->k, 1, 1, "openfiles");
	atomic_fetch_sub(&e->k->openfiles, 1);
	assert_audit_clean(e->k);
}

/* Invariant 11 today: no two objects share an inode number. */
static void
audit_catches_duplicate_inode(void **state)
{
	struct env *e = *state;
	struct handles h, ha;
	uint64_t ino;

	scene(e, &h);
	grab(e->k, e->p, 3, &ha);
	assert_null(ha.map);
	ino = ha.shmfd->shm_ino;
	assert_int_not_equal(ino, h.shmfd->shm_ino);
	ha.shmfd->shm_ino = h.shmfd->shm_ino;
	assert_caught(e->k, 1, 1, "used twice");
	ha.shmfd->shm_ino = ino;
	assert_audit_clean(e->k);
}

/* A report too short for the text still counts every violation. */
static void
audit_counts_past_a_short_report(void **state)
{
	struct env *e = *state;
	struct handles h;
	char tiny[8];

	scene(e, &h);
	atomic_fetch_add(&h.shmfd->shm_refs, 1);
	atomic_fetch_add(&h.fp->f_count, 1);
	atomic_fetch_add(&h.obj->ref_count, 1);
	assert_int_equal(shmsim_audit(e->k, NULL, 0), 3);
	memset(tiny, 'x', sizeof(tiny));
	assert_int_equal(shmsim_audit(e->k, tiny, sizeof(tiny)), 3);
	assert_non_null(memchr(tiny, '\0', sizeof(tiny)));
	atomic_fetch_sub(&h.shmfd->shm_refs, 1);
	atomic_fetch_sub(&h.fp->f_count, 1);
	atomic_fetch_sub(&h.obj->ref_count, 1);
	assert_audit_clean(e->k);
}

/*
 * A failed open whose descriptor another thread of the process had
 * dup'ed meanwhile: kern_shm_open2's error path (fdclose + fdrop) empties
 * only its own slot, and the copy keeps a file that was never set up
 * (badfileops).  That is a legitimate, inert state -- not a violation --
 * and the calls on it fail as the kernel's badfileops make them fail.
 */
static void
audit_accepts_file_of_failed_open(void **state)
{
	struct env *e = *state;
	struct proc *p = (struct proc *)e->p;
	struct shmsim_fdinfo info;
	struct shmsim_stat sb;
	struct shmsim_proc *c;
	struct thread td;
	struct file *fp;
	int64_t rv;
	size_t done;
	char buf[4];
	int fd, dupfd;

	thread_enter(&td, p);
	assert_errno(falloc_caps(&td, &fp, &fd, 0), 0);
	/* The other thread: dup(fd) while the open is in progress. */
	assert_errno(shmsim_dup(e->p, fd, &dupfd), 0);
	/* The open fails. */
	fdclose(&td, fp, fd);
	fdrop(fp, &td);
	assert_int_equal(atomic_load(&fp->f_count), 1);
	assert_ptr_equal(p->p_fd->fd_ofiles[dupfd].fde_file, fp);
	assert_audit_clean(e->k);

	/* fget() (_fget) refuses a badfileops file: EBADF. */
	assert_errno(shmsim_fstat(e->p, dupfd, &sb), EBADF);
	assert_errno(shmsim_ftruncate(e->p, dupfd, 0), EBADF);
	assert_errno(shmsim_pwrite(e->p, dupfd, "x", 1, 0, &done), EBADF);
	assert_errno(shmsim_pread(e->p, dupfd, buf, 1, 0, &done), EBADF);
	assert_errno(shmsim_lseek(e->p, dupfd, 0, SHMSIM_SEEK_SET, &rv), EBADF);
	assert_errno(shmsim_peek(e->p, dupfd, 0, buf, 1), EBADF);
	/* fcntl looks it up without that check (fget_fcntl). */
	assert_errno(shmsim_fcntl(e->p, dupfd, SHMSIM_F_GETFL, 0, &rv), 0);
	assert_int_equal(rv, OFLAGS(0));
	assert_errno(
	    shmsim_fcntl(e->p, dupfd, SHMSIM_F_SETFL, SHMSIM_O_NONBLOCK, &rv),
	    EBADF);
	assert_errno(shmsim_fcntl(e->p, dupfd, SHMSIM_F_GET_SEALS, 0, &rv),
	    EINVAL);
	/* Not passable: not sent, not inherited. */
	assert_errno(shmsim_sendfd(e->p, e->p, dupfd), EOPNOTSUPP);
	assert_errno(shmsim_fork(e->p, &c), 0);
	assert_errno(shmsim_fdinfo(c, dupfd, &info), EBADF);
	assert_errno(shmsim_exit(c), 0);
	assert_errno(shmsim_fdinfo(e->p, dupfd, &info), 0);
	assert_int_equal(info.shm_refs, 0);
	assert_int_equal(info.f_count, 1);
	assert_audit_clean(e->k);

	/* Half set up is still a violation. */
	atomic_store(&fp->f_flag, FREAD);
	assert_caught(e->k, 1, 1, "not a set-up shm file");
	atomic_store(&fp->f_flag, 0);
	assert_audit_clean(e->k);

	assert_errno(shmsim_close(e->p, dupfd), 0);
	assert_audit_clean(e->k);
}

/*
 * shmsim_kernel_destroy() with a shmfd reference leaked on purpose: one
 * leak, reported as such, and everything freed anyway (ASan checks the
 * host side).
 */
static void
destroy_reports_leaked_shm_ref(enum shmsim_profile profile)
{
	struct shmsim_config cfg;
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	struct handles h;
	char report[1024];
	uint64_t moved;
	int fd, n;

	shmsim_config_init(&cfg);
	cfg.profile = profile;
	assert_errno(shmsim_kernel_create(&cfg, &k), 0);
	assert_errno(shmsim_spawn(k, NULL, &p), 0);
	assert_errno(shmsim_shm_open(p, "/leak", SHMSIM_O_CREAT | SHMSIM_O_RDWR,
			 0600, &fd),
	    0);
	assert_errno(shmsim_ftruncate(p, fd, 3 * 4096), 0);
	assert_errno(shmsim_poke(p, fd, 0, "a", 1), 0);
	assert_errno(shmsim_poke(p, fd, 8192, "c", 1), 0);
	assert_errno(shmsim_pageout(k, 1, &moved), 0);
	assert_int_equal(moved, 1);
	grab(k, p, fd, &h);
	atomic_fetch_add(&h.shmfd->shm_refs, 1);
	assert_caught(k, 1, 1, "shm_refs");

	memset(report, 0, sizeof(report));
	n = shmsim_kernel_destroy(k, report, sizeof(report));
	if (n != 1 || strstr(report, "leak") == NULL ||
	    strstr(report, "shmfd") == NULL)
		fail_msg("destroy returned %d, want 1 leak of a shmfd:\n%s", n,
		    report);
}

static void
destroy_reports_leaked_shm_ref_current(void **state)
{
	(void)state;
	destroy_reports_leaked_shm_ref(SHMSIM_PROFILE_CURRENT);
}

static void
destroy_reports_leaked_shm_ref_2008(void **state)
{
	(void)state;
	destroy_reports_leaked_shm_ref(SHMSIM_PROFILE_2008);
}

/* The same for a leaked VM object reference: the shmfd goes, not it. */
static void
destroy_reports_leaked_object_ref(void **state)
{
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	struct handles h;
	char report[1024];
	int fd, n;

	(void)state;
	assert_errno(shmsim_kernel_create(NULL, &k), 0);
	assert_errno(shmsim_spawn(k, NULL, &p), 0);
	assert_errno(
	    shmsim_shm_open(p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &fd), 0);
	assert_errno(shmsim_ftruncate(p, fd, 4096), 0);
	assert_errno(shmsim_poke(p, fd, 0, "a", 1), 0);
	grab(k, p, fd, &h);
	atomic_fetch_add(&h.obj->ref_count, 1);
	/* Closing frees the shmfd; the object stays, orphaned. */
	assert_errno(shmsim_close(p, fd), 0);
	assert_caught(k, 1, 1, "ref_count is 1", "gone");

	memset(report, 0, sizeof(report));
	n = shmsim_kernel_destroy(k, report, sizeof(report));
	if (n != 1 || strstr(report, "leak") == NULL ||
	    strstr(report, "vm object") == NULL)
		fail_msg("destroy returned %d, want 1 leak of an object:\n%s",
		    n, report);
}

/* Without a report buffer the leaks are still counted. */
static void
destroy_counts_leaks_without_report(void **state)
{
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	struct handles h1, h2;
	int fd1, fd2;

	(void)state;
	assert_errno(shmsim_kernel_create(NULL, &k), 0);
	assert_errno(shmsim_spawn(k, NULL, &p), 0);
	assert_errno(shmsim_shm_open(p, "/l1", SHMSIM_O_CREAT | SHMSIM_O_RDWR,
			 0600, &fd1),
	    0);
	assert_errno(shmsim_shm_open(p, "/l2", SHMSIM_O_CREAT | SHMSIM_O_RDWR,
			 0600, &fd2),
	    0);
	grab(k, p, fd1, &h1);
	grab(k, p, fd2, &h2);
	atomic_fetch_add(&h1.shmfd->shm_refs, 1);
	atomic_fetch_add(&h2.shmfd->shm_refs, 2);
	assert_int_equal(shmsim_kernel_destroy(k, NULL, 0), 2);
}

#define BOTH(f)                                                  \
	{ #f "/current", f, setup_current, teardown_env, NULL }, \
	{                                                        \
#f "/2008", f, setup_2008, teardown_env, NULL    \
	}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(audit_catches_shm_refs),
		BOTH(audit_catches_f_count),
		BOTH(audit_catches_object_ref_count),
		BOTH(audit_catches_stored_hash),
		BOTH(audit_catches_shm_path),
		BOTH(audit_catches_size),
		BOTH(audit_catches_charge),
		BOTH(audit_catches_fd_table),
		BOTH(audit_catches_other_fields),
		cmocka_unit_test_setup_teardown(audit_catches_duplicate_inode,
		    setup_current, teardown_env),
		BOTH(audit_counts_past_a_short_report),
		BOTH(audit_accepts_file_of_failed_open),
		cmocka_unit_test(destroy_reports_leaked_shm_ref_current),
		cmocka_unit_test(destroy_reports_leaked_shm_ref_2008),
		cmocka_unit_test(destroy_reports_leaked_object_ref),
		cmocka_unit_test(destroy_counts_leaks_without_report),
	};

	return (cmocka_run_group_tests_name("audit", tests, NULL, NULL));
}
