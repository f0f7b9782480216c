/*
 * The auditor sees every object however it is reached (issue 12): an
 * object held only by a descriptor, only by a name, only by a mapping
 * (its shmfd gone), only as the backing object of a shadow, or only by a
 * descriptor in flight.  For each path, and for a swap-backed and a
 * large-page object, the audit must be clean (a counter the auditor
 * recomputes without the object would disagree with the kernel's own),
 * the kernel's counters must count the object, and breaking each counter
 * and the object's own invariants must be caught.  The false
 * alarm was vm.largepages for a large-page object reachable only through
 * a mapping.
 */
#include "helpers.h"

#include <string.h>

#include "kernel_var.h"

enum path { BY_FD, BY_NAME, BY_MAPPING, BY_SHADOW, BY_INFLIGHT };

static const char *const path_names[] = { "descriptor", "name", "mapping",
	"shadow chain", "descriptor in flight" };

#define LP_PAGES 16 /* the large page, in base pages */

static int
setup_lp(void **state)
{
	struct shmsim_config cfg;

	shmsim_config_init(&cfg);
	cfg.page_sizes[0] = cfg.page_size;
	cfg.page_sizes[1] = LP_PAGES * (uint64_t)cfg.page_size;
	*state = env_new(&cfg);
	return (*state == NULL ? -1 : 0);
}

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

/* Break one kernel counter by one, expect words, and put it back. */
static void
break_counter(struct env *e, atomic_uint_fast64_t *c, const char *words)
{
	atomic_fetch_add(c, 1);
	assert_caught(e->k, 1, 1, words);
	atomic_fetch_sub(c, 1);
	assert_audit_clean(e->k);
}

/*
 * Make a named object (2 pages: page 0 resident, page 1 on swap; or one
 * large page), then leave it reachable by path only.  Returns the
 * object; *qp is the receiving process (BY_INFLIGHT), *addrp the mapping.
 */
static vm_object_t
make_reached(struct env *e, enum path path, bool lp, struct shmsim_proc **qp,
    uint64_t *addrp, int *fdp)
{
	const struct shmsim_config *cfg = shmsim_kernel_config(e->k);
	uint64_t ps = cfg->page_size, moved, addr = 0;
	struct shmsim_cred cr;
	vm_object_t obj;
	int64_t rv;
	size_t n;
	int fd, sig;

	if (lp) {
		assert_errno(shmsim_shm_open2(e->p, "/reach",
				 SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600,
				 SHMSIM_SHM_LARGEPAGE, NULL, &fd),
		    0);
		assert_errno(shmsim_ioctl(e->p, fd, SHMSIM_FIOSSHMLPGCNF, 1,
				 SHMSIM_SHM_LARGEPAGE_ALLOC_DEFAULT, &rv),
		    0);
		assert_errno(
		    shmsim_ftruncate(e->p, fd, (int64_t)cfg->page_sizes[1]), 0);
	} else {
		assert_errno(shmsim_shm_open(e->p, "/reach",
				 SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600, &fd),
		    0);
		assert_errno(shmsim_ftruncate(e->p, fd, (int64_t)(2 * ps)), 0);
		assert_errno(shmsim_pwrite(e->p, fd, "b", 1, (int64_t)ps, &n),
		    0);
		assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
		assert_int_equal(moved, 1);
		assert_errno(shmsim_pwrite(e->p, fd, "a", 1, 0, &n), 0);
	}
	obj = object_of(e, fd);
	*qp = NULL;
	switch (path) {
	case BY_FD:
		assert_errno(shmsim_shm_unlink(e->p, "/reach"), 0);
		break;
	case BY_NAME:
		assert_errno(shmsim_close(e->p, fd), 0);
		break;
	case BY_MAPPING:
	case BY_SHADOW:
		assert_errno(shmsim_mmap(e->p, 0,
				 lp ? cfg->page_sizes[1] : 2 * ps,
				 SHMSIM_PROT_READ | SHMSIM_PROT_WRITE,
				 path == BY_SHADOW ? SHMSIM_MAP_PRIVATE :
						     SHMSIM_MAP_SHARED,
				 fd, 0, &addr),
		    0);
		if (path == BY_SHADOW) {
			/* The first store makes the shadow. */
			assert_errno(shmsim_store(e->p, addr, "c", 1, &sig), 0);
			assert_int_equal(sig, 0);
		}
		assert_errno(shmsim_close(e->p, fd), 0);
		assert_errno(shmsim_shm_unlink(e->p, "/reach"), 0);
		break;
	case BY_INFLIGHT:
		shmsim_cred_init(&cr);
		assert_errno(shmsim_spawn(e->k, &cr, qp), 0);
		assert_errno(shmsim_sendfd(e->p, *qp, fd), 0);
		assert_errno(shmsim_close(e->p, fd), 0);
		assert_errno(shmsim_shm_unlink(e->p, "/reach"), 0);
		break;
	}
	*addrp = addr;
	*fdp = path == BY_FD ? fd : -1;
	return (obj);
}

static void
reach(struct env *e, enum path path, bool lp)
{
	const struct shmsim_config *cfg = shmsim_kernel_config(e->k);
	uint64_t ps = cfg->page_size, addr;
	struct shmsim_proc *q;
	struct shmsim_counters c;
	struct swdev *sw = &e->k->k_swap;
	vm_object_t obj;
	int fd;

	print_message("reached by %s, %s\n", path_names[path],
	    lp ? "large page" : "swap-backed");
	obj = make_reached(e, path, lp, &q, &addr, &fd);
	assert_audit_clean(e->k);

	/* The kernel's counters count it, and the auditor agrees. */
	shmsim_counters(e->k, &c);
	assert_int_equal(c.objects, path == BY_SHADOW ? 2 : 1);
	assert_int_equal(c.shm,
	    path == BY_MAPPING || path == BY_SHADOW ? 0 : 1);
	assert_int_equal(c.names, path == BY_NAME ? 1 : 0);
	assert_int_equal(c.inflight, path == BY_INFLIGHT ? 1 : 0);
	if (lp) {
		assert_int_equal(atomic_load(&e->k->count_largepages[1]), 1);
		assert_int_equal(c.swap_reserved, 0);
		assert_int_equal(c.pages, 1);
	} else {
		assert_int_equal(c.swap_reserved, 2 * ps);
		assert_int_equal(c.swapped, 1);
		/* The shadow holds its own copy of page 0. */
		assert_int_equal(c.pages, path == BY_SHADOW ? 2 : 1);
	}

	/* Each counter is checked against what the auditor found. */
	break_counter(e, &e->k->count_largepages[1], "vm.largepages");
	break_counter(e, &e->k->k_nobjects, "objects exist");
	break_counter(e, &e->k->k_nshm, "shmfds exist");
	break_counter(e, &e->k->k_resident, "pages are resident");
	sw->sw_used++;
	sw->sw_nfree--;
	assert_caught(e->k, 1, 1, "pages are on swap");
	sw->sw_used--;
	sw->sw_nfree++;
	assert_audit_clean(e->k);

	/* And the object's own invariants, with or without its shmfd. */
	obj->charge += ps;
	if (lp)
		assert_caught(e->k, 2, 2, "large-page object", "charged",
		    "reserved");
	else
		assert_caught(e->k, 3, 3, "object charge", "reserved", "uid 0");
	obj->charge -= ps;
	assert_audit_clean(e->k);
	if (lp) {
		obj->psind = 0;
		assert_caught(e->k, 2, 3, "vm.largepages",
		    path == BY_MAPPING ? "sized without a page size" :
					 "psind 0");
		obj->psind = 1;
		assert_audit_clean(e->k);
	}

	if (addr != 0)
		assert_errno(
		    shmsim_munmap(e->p, addr, lp ? cfg->page_sizes[1] : 2 * ps),
		    0);
	if (q != NULL)
		assert_errno(shmsim_exit(q), 0);
	if (fd != -1)
		assert_errno(shmsim_close(e->p, fd), 0);
	shmsim_unlink_all(e->k);
	shmsim_counters(e->k, &c);
	assert_int_equal(c.objects, 0);
	assert_int_equal(atomic_load(&e->k->count_largepages[1]), 0);
	assert_audit_clean(e->k);
}

#define REACH(name, path, lp)                \
	static void name(void **state)       \
	{                                    \
		reach(*state, (path), (lp)); \
	}

REACH(swap_by_fd, BY_FD, false)
REACH(swap_by_name, BY_NAME, false)
REACH(swap_by_mapping, BY_MAPPING, false)
REACH(swap_by_shadow, BY_SHADOW, false)
REACH(swap_by_inflight, BY_INFLIGHT, false)
REACH(largepage_by_fd, BY_FD, true)
REACH(largepage_by_name, BY_NAME, true)
REACH(largepage_by_mapping, BY_MAPPING, true)
REACH(largepage_by_inflight, BY_INFLIGHT, true)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(swap_by_fd, setup_lp,
		    teardown_env),
		cmocka_unit_test_setup_teardown(swap_by_name, setup_lp,
		    teardown_env),
		cmocka_unit_test_setup_teardown(swap_by_mapping, setup_lp,
		    teardown_env),
		cmocka_unit_test_setup_teardown(swap_by_shadow, setup_lp,
		    teardown_env),
		cmocka_unit_test_setup_teardown(swap_by_inflight, setup_lp,
		    teardown_env),
		cmocka_unit_test_setup_teardown(largepage_by_fd, setup_lp,
		    teardown_env),
		cmocka_unit_test_setup_teardown(largepage_by_name, setup_lp,
		    teardown_env),
		cmocka_unit_test_setup_teardown(largepage_by_mapping, setup_lp,
		    teardown_env),
		cmocka_unit_test_setup_teardown(largepage_by_inflight, setup_lp,
		    teardown_env),
	};

	return (cmocka_run_group_tests_name("audit_reach", tests, NULL, NULL));
}
