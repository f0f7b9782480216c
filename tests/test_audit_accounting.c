/*
 * The auditor's accounting and placement checks (src/audit.c, invariants
 * 4, 9, 10 and the large-page ones of docs/ARCHITECTURE.md "The
 * auditor"), each broken on purpose through the internal structures and
 * put back: the global counters, the in-flight queues, where pages and
 * swap blocks sit, the swap device's slots and reservations, the
 * dictionary's placement, and the large-page objects.  Each test expects
 * the auditor to count and name the damage, then a clean audit and a
 * leak-free teardown once it is repaired.  (tests/test_audit.c does the
 * same for the reference counts and the descriptor tables.)
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_var.h"

/* The object behind descriptor fd of the env's process. */
static vm_object_t
object_of(struct env *e, int fd)
{
	struct filedesc *fdp = ((struct proc *)e->p)->p_fd;
	struct shmfd *shmfd;

	assert_true(fd >= 0 && fd < fdp->fd_nfiles);
	assert_non_null(fdp->fd_ofiles[fd].fde_file);
	shmfd = fdp->fd_ofiles[fd].fde_file->f_data;
	assert_non_null(shmfd);
	return (shmfd->shm_object);
}

/*
 * A named object of three pages: page 0 resident, page 2 on swap, page 1
 * a hole; returned in fd 0.
 */
static vm_object_t
scene(struct env *e)
{
	uint64_t ps = shmsim_kernel_config(e->k)->page_size, moved;
	vm_object_t obj;
	int fd;

	assert_errno(shmsim_shm_open(e->p, "/acct",
			 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &fd),
	    0);
	assert_int_equal(fd, 0);
	assert_errno(shmsim_ftruncate(e->p, fd, (int64_t)(3 * ps)), 0);
	assert_errno(shmsim_poke(e->p, fd, 2 * ps, "two", 3), 0);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 1);
	assert_errno(shmsim_poke(e->p, fd, 0, "zero", 4), 0);
	assert_audit_clean(e->k);
	obj = object_of(e, fd);
	assert_int_equal(obj->resident_page_count, 1);
	assert_int_equal(obj->swp_count, 1);
	return (obj);
}

/* Invariant 10: the global counters against what exists. */
static void
audit_catches_global_counters(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *q;

	(void)scene(e);
	assert_errno(shmsim_spawn(e->k, NULL, &q), 0);
	assert_errno(shmsim_sendfd(e->p, q, 0), 0);
	assert_audit_clean(e->k);

	atomic_fetch_add(&e->k->k_nprocs, 1);
	assert_caught(e->k, 1, 1, "processes exist, counter says");
	atomic_fetch_sub(&e->k->k_nprocs, 1);
	atomic_fetch_add(&e->k->k_inflight, 1);
	assert_caught(e->k, 1, 1, "descriptors are in flight, counter says");
	atomic_fetch_sub(&e->k->k_inflight, 1);
	atomic_fetch_add(&e->k->k_nobjects, 1);
	assert_caught(e->k, 1, 1, "objects exist, counter says");
	atomic_fetch_sub(&e->k->k_nobjects, 1);
	atomic_fetch_add(&e->k->k_resident, 1);
	assert_caught(e->k, 1, 1, "pages are resident, counter says");
	atomic_fetch_sub(&e->k->k_resident, 1);
	assert_audit_clean(e->k);

	/* A queue whose length disagrees with p_nrights. */
	((struct proc *)q)->p_nrights++;
	assert_caught(e->k, 1, 1, "descriptors queued, but p_nrights");
	((struct proc *)q)->p_nrights--;
	assert_audit_clean(e->k);
}

/* Pages and swap blocks must lie below the object's size, in one place. */
static void
audit_catches_page_placement(void **state)
{
	struct env *e = *state;
	vm_object_t obj = scene(e);
	struct vm_page *m = RB_MIN(vm_page_tree, &obj->rtree);
	struct swblk *sb = RB_MIN(swblk_tree, &obj->swtree);
	vm_pindex_t pi;
	uint64_t slot;

	assert_non_null(m);
	assert_non_null(sb);
	/* Each tree holds one entry, so rekeying it keeps it a tree. */
	pi = m->pindex;
	m->pindex = obj->size;
	assert_caught(e->k, 1, 1, "resident page 3 past its 3-page size");
	m->pindex = pi;

	pi = sb->p;
	sb->p = obj->size + 1;
	assert_caught(e->k, 1, 1, "swapped page 4 past its 3-page size");
	sb->p = m->pindex;
	assert_caught(e->k, 1, 1, "both resident and on swap");
	sb->p = pi;
	assert_audit_clean(e->k);

	slot = sb->slot;
	sb->slot = e->k->k_swap.sw_hiwat;
	assert_caught(e->k, 1, 1, "on empty swap slot");
	sb->slot = slot;
	assert_audit_clean(e->k);
}

/* The swap device: slots used + free = handed out; reservations add up. */
static void
audit_catches_swap_accounting(void **state)
{
	struct env *e = *state;
	struct swdev *sw = &e->k->k_swap;
	uint64_t ps = shmsim_kernel_config(e->k)->page_size;
	struct uidinfo *ui;

	(void)scene(e);
	sw->sw_used++;
	assert_caught(e->k, 2, 2, "the device has 2 slots in use",
	    "swap slots: 2 used + 0 free != 1");
	sw->sw_used--;
	assert_audit_clean(e->k);

	sw->sw_reserved += ps;
	assert_caught(e->k, 2, 3, "objects are charged", "uids are charged");
	sw->sw_reserved -= ps;
	assert_audit_clean(e->k);

	ui = LIST_FIRST(&sw->sw_uidinfo);
	assert_non_null(ui);
	ui->ui_vmsize += ps;
	assert_caught(e->k, 1, 2, "uids are charged");
	ui->ui_vmsize -= ps;
	assert_audit_clean(e->k);
}

/* Invariant 4: every name where the hash puts it, once, valid. */
static void
audit_catches_dictionary_placement(void **state)
{
	struct env *e = *state;
	struct shmsim_kernel *k = e->k;
	struct shm_mapping *map, *map2;
	unsigned long b, b2;
	char *path, *saved;
	Fnv32_t fnv;
	int fd;

	(void)scene(e);
	assert_errno(shmsim_shm_open(e->p, "/other",
			 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &fd),
	    0);
	fnv = fnv_32_str("/acct", FNV1_32_INIT);
	b = fnv & k->shm_hash;
	map = LIST_FIRST(&k->shm_dictionary[b]);
	assert_non_null(map);
	assert_string_equal(map->sm_path, "/acct");
	b2 = fnv_32_str("/other", FNV1_32_INIT) & k->shm_hash;
	assert_int_not_equal(b, b2);
	map2 = LIST_FIRST(&k->shm_dictionary[b2]);
	assert_non_null(map2);

	/* In the wrong bucket. */
	LIST_REMOVE(map, sm_link);
	LIST_INSERT_HEAD(&k->shm_dictionary[(b + 1) & k->shm_hash], map,
	    sm_link);
	assert_caught(k, 1, 1, "in bucket");
	LIST_REMOVE(map, sm_link);
	LIST_INSERT_HEAD(&k->shm_dictionary[b], map, sm_link);
	assert_audit_clean(k);

	/* Not a valid stored path (same length, same hash kept). */
	map->sm_path[0] = 'x';
	assert_caught(k, 2, 2, "not a valid stored path", "FNV-1 hash");
	map->sm_path[0] = '/';
	assert_audit_clean(k);

	/* The same path twice in one bucket, and one shmfd with two names:
	 * give /other the string and the shmfd of /acct for a moment. */
	LIST_REMOVE(map2, sm_link);
	LIST_INSERT_AFTER(map, map2, sm_link);
	saved = map2->sm_path;
	path = strdup("/acct");
	assert_non_null(path);
	map2->sm_path = path;
	map2->sm_fnv = fnv;
	assert_caught(k, 1, 8, "is in the dictionary twice");
	{
		struct shmfd *other = map2->sm_shmfd;

		map2->sm_shmfd = map->sm_shmfd;
		assert_caught(k, 2, 10, "has more than one name");
		map2->sm_shmfd = other;
	}
	map2->sm_path = saved;
	map2->sm_fnv = fnv_32_str("/other", FNV1_32_INIT);
	free(path);
	LIST_REMOVE(map2, sm_link);
	LIST_INSERT_HEAD(&k->shm_dictionary[b2], map2, sm_link);
	assert_audit_clean(k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/*
 * A name moved into each bucket of the dictionary in turn: the audit must
 * find it in every one (src/audit.c passes runs of empty buckets with one
 * test; a name at any place in a run, its first or last bucket included,
 * must still be seen) and report it misplaced in all but its own.
 */
static void
every_bucket_read(struct shmsim_kernel *k, struct shmsim_proc *p)
{
	struct shm_mapping *map;
	unsigned long b, home;
	int fd;

	assert_errno(shmsim_shm_open(p, "/every",
			 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &fd),
	    0);
	home = fnv_32_str("/every", FNV1_32_INIT) & k->shm_hash;
	map = LIST_FIRST(&k->shm_dictionary[home]);
	assert_non_null(map);
	assert_string_equal(map->sm_path, "/every");
	for (b = 0; b <= k->shm_hash; b++) {
		LIST_REMOVE(map, sm_link);
		LIST_INSERT_HEAD(&k->shm_dictionary[b], map, sm_link);
		if (b == home)
			assert_audit_clean(k);
		else
			assert_caught(k, 1, 1, "in bucket");
		LIST_REMOVE(map, sm_link);
		LIST_INSERT_HEAD(&k->shm_dictionary[home], map, sm_link);
	}
	assert_audit_clean(k);
	assert_errno(shmsim_shm_unlink(p, "/every"), 0);
	assert_errno(shmsim_close(p, fd), 0);
}

/* Every bucket, in the default dictionary and in one smaller than a run. */
static void
audit_reads_every_bucket(void **state)
{
	struct env *e = *state, *small;
	struct shmsim_config cfg;

	assert_int_equal(e->k->shm_hash, 1023);
	every_bucket_read(e->k, e->p);
	shmsim_config_init(&cfg);
	cfg.hash_buckets = 16;
	small = env_new(&cfg);
	assert_int_equal(small->k->shm_hash, 15);
	every_bucket_read(small->k, small->p);
	env_free(small);
}

/* An object whose back-pointer names another object's shmfd. */
static void
audit_catches_foreign_back_pointer(void **state)
{
	struct env *e = *state;
	vm_object_t obj = scene(e), other;
	struct shmfd *saved;
	int fd;

	assert_errno(
	    shmsim_shm_open(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &fd),
	    0);
	other = object_of(e, fd);
	saved = other->swp_priv;
	other->swp_priv = obj->swp_priv;
	assert_caught(e->k, 1, 3, "its shmfd points elsewhere");
	other->swp_priv = saved;
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

/* Large-page objects: whole wired pages, no swap, counted. */
static int
setup_largepage(void **state)
{
	struct shmsim_config cfg;

	shmsim_config_init(&cfg);
	cfg.page_sizes[0] = cfg.page_size;
	cfg.page_sizes[1] = 16 * (uint64_t)cfg.page_size;
	*state = env_new(&cfg);
	return (*state == NULL ? -1 : 0);
}

static void
audit_catches_largepage_damage(void **state)
{
	struct env *e = *state;
	const struct shmsim_config *cfg = shmsim_kernel_config(e->k);
	uint64_t lp = cfg->page_sizes[1];
	struct shmfd *shmfd;
	vm_object_t obj;
	struct vm_page *m;
	int64_t retval;
	int fd;

	assert_errno(shmsim_shm_open2(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR,
			 0600, SHMSIM_SHM_LARGEPAGE, NULL, &fd),
	    0);
	obj = object_of(e, fd);
	shmfd = obj->swp_priv;
	/* Sized before its page size is set. */
	shmfd->shm_size = (int64_t)lp;
	assert_caught(e->k, 2, 4, "sized without a page size");
	shmfd->shm_size = 0;
	assert_audit_clean(e->k);

	assert_errno(shmsim_ioctl(e->p, fd, SHMSIM_FIOSSHMLPGCNF, 1,
			 SHMSIM_SHM_LARGEPAGE_ALLOC_DEFAULT, &retval),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, (int64_t)(2 * lp)), 0);
	assert_audit_clean(e->k);

	obj->charge += cfg->page_size;
	assert_caught(e->k, 1, 3, "charged");
	obj->charge -= cfg->page_size;
	obj->psind = 0;
	assert_caught(e->k, 3, 3, "object psind 0, shmfd psind 1",
	    "size index 0 exist, vm.largepages says 0");
	obj->psind = 1;
	assert_audit_clean(e->k);

	shmfd->shm_seals |= SHMSIM_F_SEAL_WRITE;
	assert_caught(e->k, 2, 2, "write-sealed",
	    "seals changed from 0x1 to 0x9 after F_SEAL_SEAL");
	/* Taking the seal back is itself caught, once, by the history. */
	shmfd->shm_seals &= ~SHMSIM_F_SEAL_WRITE;
	assert_caught(e->k, 1, 1, "seals 0x1 lost bits of 0x9");
	assert_audit_clean(e->k);

	/* The second large page out of place (keys stay ordered). */
	m = RB_MAX(vm_page_tree, &obj->rtree);
	assert_non_null(m);
	m->pindex++;
	assert_caught(e->k, 1, 2, "out of place");
	m->pindex--;
	assert_audit_clean(e->k);

	atomic_fetch_add(&e->k->count_largepages[1], 1);
	assert_caught(e->k, 1, 1, "vm.largepages says 3");
	atomic_fetch_sub(&e->k->count_largepages[1], 1);
	assert_audit_clean(e->k);
	assert_errno(shmsim_close(e->p, fd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(audit_catches_global_counters,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(audit_catches_page_placement,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(audit_catches_page_placement,
		    setup_2008, teardown_env),
		cmocka_unit_test_setup_teardown(audit_catches_swap_accounting,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(
		    audit_catches_dictionary_placement, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(
		    audit_catches_foreign_back_pointer, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(audit_reads_every_bucket,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(audit_catches_largepage_damage,
		    setup_largepage, teardown_env),
	};

	return (
	    cmocka_run_group_tests_name("audit_accounting", tests, NULL, NULL));
}
