/*
 * vm_map.c, vm_object.c (shadow chains), vm_fault.c: the address space
 * underneath mmap(2).  Map entries and the references they hold (clip
 * adds one, merge drops one), the write count staying put across clips,
 * vm_map_insert()'s merge (today, not in 2008), shadow objects
 * (vm_object_shadow takes over the entry's reference), their collapse
 * and bypass (vm_object_collapse, vm_object_deallocate_anon), the pages
 * freed when part of a private mapping goes (OBJ_ONEMAPPING), fork's
 * copy-on-write (vmspace_fork, vm_map_copy_entry), and the auditor
 * catching each count when it is broken.
 */
#include "helpers.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_var.h"
#include "vm_map.h"

#define PS 4096
#define RW (SHMSIM_PROT_READ | SHMSIM_PROT_WRITE)
#define R SHMSIM_PROT_READ
#define SH SHMSIM_MAP_SHARED
#define PV SHMSIM_MAP_PRIVATE
#define FX SHMSIM_MAP_FIXED

static int
anon(struct shmsim_proc *p, int64_t size)
{
	int fd;

	assert_errno(
	    shmsim_shm_open(p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &fd), 0);
	assert_errno(shmsim_ftruncate(p, fd, size), 0);
	return (fd);
}

static uint64_t
map(struct shmsim_proc *p, uint64_t addr, uint64_t len, int prot, int flags,
    int fd, int64_t off)
{
	uint64_t a = 0;

	assert_errno(shmsim_mmap(p, addr, len, prot, flags, fd, off, &a), 0);
	return (a);
}

static void
store(struct shmsim_proc *p, uint64_t addr, const char *s)
{
	int sig = -1;

	assert_errno(shmsim_store(p, addr, s, strlen(s), &sig), 0);
	assert_int_equal(sig, 0);
}

static void
expect_load(struct shmsim_proc *p, uint64_t addr, const char *s)
{
	char buf[64];
	int sig = -1;

	assert_true(strlen(s) < sizeof(buf));
	assert_errno(shmsim_load(p, addr, buf, strlen(s), &sig), 0);
	assert_int_equal(sig, 0);
	assert_memory_equal(buf, s, strlen(s));
}

static vm_map_t
pmap(struct shmsim_proc *sp)
{
	return (&((struct proc *)sp)->p_vmspace->vm_map);
}

static vm_object_t
fd_object(struct shmsim_proc *sp, int fd)
{
	struct proc *p = (struct proc *)sp;

	return (((struct shmfd *)p->p_fd->fd_ofiles[fd].fde_file->f_data)
		    ->shm_object);
}

static vm_map_entry_t
entry_at(struct shmsim_proc *p, uint64_t addr)
{
	vm_map_entry_t e;

	assert_true(vm_map_lookup_entry(pmap(p), addr, &e));
	return (e);
}

static struct shmsim_counters
counters(struct shmsim_kernel *k)
{
	struct shmsim_counters c;

	shmsim_counters(k, &c);
	return (c);
}

static int
audit_count(struct shmsim_kernel *k, char *report, size_t len)
{
	return (shmsim_audit(k, report, len));
}

/* Clipping adds a reference per piece; the write count stays whole. */
static void
vm_map_clip_references(void **state)
{
	struct env *e = *state;
	vm_object_t obj;
	uint64_t a;
	int fd;

	fd = anon(e->p, 4 * PS);
	obj = fd_object(e->p, fd);
	a = map(e->p, 0, 4 * PS, R, SH, fd, 0);
	assert_int_equal(pmap(e->p)->nentries, 1);
	assert_int_equal(obj->ref_count, 2);
	assert_int_equal(obj->writemappings, 4 * PS);
	assert_errno(shmsim_mprotect(e->p, a + PS, PS, RW), 0);
	assert_int_equal(pmap(e->p)->nentries, 3);
	assert_int_equal(obj->ref_count, 4);
	assert_int_equal(obj->writemappings, 4 * PS);
	assert_int_equal(entry_at(e->p, a + PS)->offset, PS);
	assert_int_equal(entry_at(e->p, a + 3 * PS)->offset, 2 * PS);
	assert_true(
	    (entry_at(e->p, a + 3 * PS)->eflags & MAP_ENTRY_WRITECNT) != 0);
	assert_audit_clean(e->k);
	/* Merged back, the references go again. */
	assert_errno(shmsim_mprotect(e->p, a + PS, PS, R), 0);
	assert_int_equal(pmap(e->p)->nentries, 1);
	assert_int_equal(obj->ref_count, 2);
	assert_int_equal(pmap(e->p)->size, 4 * PS);
	assert_audit_clean(e->k);
}

/*
 * vm_map_insert() merges a new entry with the neighbours it continues
 * (today); the 2008 one had the merge disabled, but the 2008 vm_mmap()
 * then ran vm_map_inherit() on MAP_SHARED mappings, which merges.
 */
static void
vm_map_insert_merge(void **state)
{
	struct env *e = *state;
	bool old = shmsim_kernel_config(e->k)->profile == SHMSIM_PROFILE_2008;
	vm_object_t obj;
	uint64_t a;
	int fd;

	fd = anon(e->p, 4 * PS);
	obj = fd_object(e->p, fd);
	a = map(e->p, 0, PS, RW, PV, fd, 0);
	(void)map(e->p, 0, PS, RW, PV, fd, PS);
	assert_int_equal(pmap(e->p)->nentries, old ? 2 : 1);
	assert_int_equal(obj->ref_count, old ? 3 : 2);
	(void)map(e->p, 0, PS, RW, SH, fd, 2 * PS);
	(void)map(e->p, 0, PS, RW, SH, fd, 3 * PS);
	assert_int_equal(entry_at(e->p, a + 2 * PS)->end, a + 4 * PS);
	assert_int_equal(pmap(e->p)->nentries, old ? 3 : 2);
	assert_audit_clean(e->k);
}

/*
 * vm_object_shadow(): the first store to a copy-on-write entry puts an
 * anonymous object in front; it takes over the entry's reference, so the
 * shm object's count does not move.  A second private entry's store gets
 * a shadow of its own.
 */
static void
vm_object_shadow_takes_over_reference(void **state)
{
	struct env *e = *state;
	vm_object_t obj, sh;
	vm_map_entry_t ent;
	uint64_t a, b;
	int fd;

	fd = anon(e->p, 2 * PS);
	obj = fd_object(e->p, fd);
	a = map(e->p, 0, 2 * PS, RW, PV, fd, 0);
	b = map(e->p, 0, 2 * PS, RW, PV, fd, 0);
	ent = entry_at(e->p, a);
	assert_ptr_equal(ent->object, obj);
	assert_true((ent->eflags & MAP_ENTRY_NEEDS_COPY) != 0);
	{
		char c = 1;
		int sig = -1;

		assert_errno(shmsim_load(e->p, a, &c, 1, &sig), 0);
		assert_int_equal(sig, 0);
		assert_int_equal(c, 0);
	}
	assert_ptr_equal(ent->object, obj); /* a read copies nothing */
	store(e->p, a + PS, "x");
	sh = ent->object;
	assert_ptr_not_equal(sh, obj);
	assert_true((ent->eflags & MAP_ENTRY_NEEDS_COPY) == 0);
	assert_true((vm_object_flags(sh) & OBJ_ANON) != 0);
	assert_ptr_equal(sh->backing_object, obj);
	assert_int_equal(sh->size, 2);
	assert_int_equal(sh->ref_count, 1);
	assert_int_equal(obj->ref_count, 3);
	assert_int_equal(obj->shadow_count, 1);
	assert_int_equal(sh->resident_page_count, 1);
	/* The read above allocated a zero page in the shm object. */
	assert_int_equal(obj->resident_page_count, 1);
	store(e->p, b, "y");
	assert_int_equal(obj->shadow_count, 2);
	assert_int_equal(counters(e->k).objects, 3);
	assert_audit_clean(e->k);
	/* munmap: the shadows go, their references on the object too. */
	assert_errno(shmsim_munmap(e->p, a, 4 * PS), 0);
	assert_int_equal(counters(e->k).objects, 1);
	assert_int_equal(obj->ref_count, 1);
	assert_int_equal(obj->shadow_count, 0);
	assert_audit_clean(e->k);
}

/*
 * fork and exit: the child's store gets its own shadow over the shared
 * one; when the child goes, the shared shadow has one reference left,
 * from the parent's shadow, and is collapsed into it
 * (vm_object_deallocate_anon -> vm_object_collapse): its pages move up
 * unless shadowed, the parent's shadow takes over its backing object.
 */
static void
vm_object_collapse_after_exit(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *q;
	vm_object_t obj, s1, sp;
	uint64_t a;
	int fd;

	fd = anon(e->p, 3 * PS);
	obj = fd_object(e->p, fd);
	a = map(e->p, 0, 3 * PS, RW, PV, fd, 0);
	store(e->p, a, "p0");
	store(e->p, a + PS, "p1");
	s1 = entry_at(e->p, a)->object;
	assert_errno(shmsim_fork(e->p, &q), 0);
	assert_ptr_equal(entry_at(q, a)->object, s1);
	assert_int_equal(s1->ref_count, 2);
	assert_true((vm_object_flags(s1) & OBJ_ONEMAPPING) == 0);
	store(e->p, a, "P0");
	sp = entry_at(e->p, a)->object;
	assert_ptr_equal(sp->backing_object, s1);
	store(q, a + 2 * PS, "q2");
	assert_int_equal(counters(e->k).objects, 4);
	assert_int_equal(counters(e->k).pages, 4);
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
	/* s1 is gone: sp shadows the shm object directly. */
	assert_ptr_equal(entry_at(e->p, a)->object, sp);
	assert_ptr_equal(sp->backing_object, obj);
	assert_int_equal(obj->shadow_count, 1);
	assert_int_equal(counters(e->k).objects, 2);
	/* s1's page 0 was shadowed by sp's and freed; page 1 moved up. */
	assert_int_equal(sp->resident_page_count, 2);
	assert_int_equal(counters(e->k).pages, 2);
	expect_load(e->p, a, "P0");
	expect_load(e->p, a + PS, "p1");
	assert_audit_clean(e->k);
}

/*
 * The window the next two tests share: four pages of an anonymous shm
 * object mapped privately and written ("p0" to "p3", so the entry is on
 * a shadow s1), a child q forked (s1 now shared), then the parent's
 * entry clipped to the middle two pages and "P2" stored in the second:
 * the parent's new shadow starts one page into s1.  Returns the fd; a
 * is the mapping's first address (its first page no longer mapped).
 */
static int
window_over_shared_shadow(struct env *e, vm_object_t *obj, vm_object_t *s1,
    struct shmsim_proc **q, uint64_t *a)
{
	int fd;

	fd = anon(e->p, 4 * PS);
	*obj = fd_object(e->p, fd);
	*a = map(e->p, 0, 4 * PS, RW, PV, fd, 0);
	store(e->p, *a, "p0");
	store(e->p, *a + PS, "p1");
	store(e->p, *a + 2 * PS, "p2");
	store(e->p, *a + 3 * PS, "p3");
	*s1 = entry_at(e->p, *a)->object;
	assert_errno(shmsim_fork(e->p, q), 0);
	assert_errno(shmsim_munmap(e->p, *a, PS), 0);
	assert_errno(shmsim_munmap(e->p, *a + 3 * PS, PS), 0);
	store(e->p, *a + 2 * PS, "P2");
	return (fd);
}

/*
 * A collapse through a window: the parent's entry was clipped to the
 * middle two pages of four before its first store, so its shadow sp
 * starts one page into the shared shadow s1.  When the child goes, s1
 * collapses into sp: s1's page 0 is before the window and page 3 past
 * it (both freed), page 2 is obscured by sp's own (freed), page 1 moves
 * up to index 0; sp takes over s1's backing object at offset one page.
 * Run with s1's pages resident and paged out to swap (vm_object_collapse
 * moves swap blocks by the same rules).
 */
static void
collapse_through_window(struct env *e, bool swapped)
{
	struct shmsim_proc *q;
	vm_object_t obj, s1, sp;
	uint64_t a, moved;
	int fd;

	fd = window_over_shared_shadow(e, &obj, &s1, &q, &a);
	sp = entry_at(e->p, a + PS)->object;
	assert_ptr_equal(sp->backing_object, s1);
	assert_int_equal(sp->backing_object_offset, PS);
	assert_int_equal(sp->size, 2);
	if (swapped) {
		assert_errno(shmsim_pageout(e->k, 8, &moved), 0);
		assert_int_equal(moved, 5); /* s1's four, sp's one */
	}
	assert_errno(shmsim_exit(q), 0);
	assert_ptr_equal(entry_at(e->p, a + PS)->object, sp);
	assert_ptr_equal(sp->backing_object, obj);
	assert_int_equal(sp->backing_object_offset, PS);
	assert_int_equal(obj->shadow_count, 1);
	assert_int_equal(counters(e->k).objects, 2);
	/* Only p1 (moved up) and P2 (sp's own) are left, in memory or swap. */
	if (!swapped)
		assert_int_equal(counters(e->k).pages, 2);
	else {
		assert_int_equal(counters(e->k).pages, 0);
		assert_int_equal(counters(e->k).swapped, 2);
	}
	assert_audit_clean(e->k);
	expect_load(e->p, a + PS, "p1");
	expect_load(e->p, a + 2 * PS, "P2");
	assert_errno(shmsim_munmap(e->p, a + PS, 2 * PS), 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_int_equal(counters(e->k).objects, 0);
	assert_audit_clean(e->k);
}

static void
vm_object_collapse_through_window(void **state)
{
	collapse_through_window(*state, false);
}

static void
vm_object_collapse_through_window_swapped(void **state)
{
	collapse_through_window(*state, true);
}

/*
 * The bypass: when an object shadows every page its backing object has
 * in its window, it may skip it (vm_object_collapse, the backing object
 * has other references).  Reached through fork's vm_map_copy_entry(),
 * which collapses the source object first.
 */
static void
vm_object_collapse_bypass(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *q, *q2;
	vm_object_t obj, s1, sp;
	uint64_t a;
	int fd;

	fd = anon(e->p, PS);
	obj = fd_object(e->p, fd);
	a = map(e->p, 0, PS, RW, PV, fd, 0);
	store(e->p, a, "p0");
	s1 = entry_at(e->p, a)->object;
	assert_errno(shmsim_fork(e->p, &q), 0);
	store(e->p, a, "P0"); /* sp over s1, shadowing all of s1 */
	sp = entry_at(e->p, a)->object;
	assert_ptr_equal(sp->backing_object, s1);
	assert_int_equal(s1->ref_count, 2);
	/* The next fork collapses sp first: it bypasses s1. */
	assert_errno(shmsim_fork(e->p, &q2), 0);
	assert_ptr_equal(sp->backing_object, obj);
	assert_int_equal(s1->ref_count, 1);
	assert_int_equal(obj->shadow_count, 2);
	expect_load(q, a, "p0");
	expect_load(q2, a, "P0");
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
	assert_errno(shmsim_exit(q2), 0);
	assert_int_equal(counters(e->k).objects, 2);
	assert_audit_clean(e->k);
}

/*
 * The bypass through a window: the parent's shadow sp starts one page
 * into the shadow s1 it shares with a child (its entry clipped to the
 * middle two pages of four).  The next fork collapses sp first: it may
 * skip s1 only if sp has its own copy of each page s1 has in the window
 * (vm_object_scan_all_shadowed(), pages before the window and past it
 * not counted).  full: the parent wrote both pages of the window, so sp
 * bypasses s1; otherwise it wrote the second only, and s1's first page
 * of the window still shows through sp.  Resident or on swap.
 */
static void
bypass_through_window(struct env *e, bool full, bool swapped)
{
	struct shmsim_proc *q, *q2;
	vm_object_t obj, s1, sp;
	uint64_t a, moved;
	int fd;

	fd = window_over_shared_shadow(e, &obj, &s1, &q, &a);
	if (full)
		store(e->p, a + PS, "P1");
	sp = entry_at(e->p, a + PS)->object;
	assert_ptr_equal(sp->backing_object, s1);
	assert_int_equal(sp->backing_object_offset, PS);
	assert_int_equal(s1->ref_count, 2);
	if (swapped) {
		assert_errno(shmsim_pageout(e->k, 16, &moved), 0);
		assert_int_equal(moved, full ? 6 : 5);
	}
	assert_errno(shmsim_fork(e->p, &q2), 0);
	if (full) {
		assert_ptr_equal(sp->backing_object, obj);
		assert_int_equal(sp->backing_object_offset, PS);
		assert_int_equal(s1->ref_count, 1);
		assert_int_equal(obj->shadow_count, 2);
		expect_load(e->p, a + PS, "P1");
	} else {
		assert_ptr_equal(sp->backing_object, s1);
		assert_int_equal(s1->ref_count, 2);
		assert_int_equal(obj->shadow_count, 1);
		expect_load(e->p, a + PS, "p1");
	}
	expect_load(e->p, a + 2 * PS, "P2");
	expect_load(q2, a + PS, full ? "P1" : "p1");
	expect_load(q2, a + 2 * PS, "P2");
	expect_load(q, a, "p0");
	expect_load(q, a + PS, "p1");
	expect_load(q, a + 2 * PS, "p2");
	expect_load(q, a + 3 * PS, "p3");
	assert_audit_clean(e->k);
	assert_errno(shmsim_exit(q), 0);
	assert_errno(shmsim_exit(q2), 0);
	assert_errno(shmsim_munmap(e->p, a + PS, 2 * PS), 0);
	assert_errno(shmsim_close(e->p, fd), 0);
	assert_int_equal(counters(e->k).objects, 0);
	assert_audit_clean(e->k);
}

static void
vm_object_bypass_through_window(void **state)
{
	bypass_through_window(*state, true, false);
	bypass_through_window(*state, false, false);
}

static void
vm_object_bypass_through_window_swapped(void **state)
{
	bypass_through_window(*state, true, true);
	bypass_through_window(*state, false, true);
}

/*
 * vm_map_entry_delete(): unmapping part of a written private mapping
 * frees the shadow's pages of that part at once (OBJ_ONEMAPPING: no
 * other entry maps them), and a tail cuts the object's size.
 */
static void
vm_map_entry_delete_onemapping(void **state)
{
	struct env *e = *state;
	vm_object_t sh;
	uint64_t a;
	int fd;

	fd = anon(e->p, 4 * PS);
	a = map(e->p, 0, 4 * PS, RW, PV, fd, 0);
	store(e->p, a, "0");
	store(e->p, a + PS, "1");
	store(e->p, a + 2 * PS, "2");
	store(e->p, a + 3 * PS, "3");
	sh = entry_at(e->p, a)->object;
	assert_true((vm_object_flags(sh) & OBJ_ONEMAPPING) != 0);
	assert_errno(shmsim_munmap(e->p, a + PS, PS), 0);
	assert_int_equal(sh->resident_page_count, 3);
	assert_int_equal(sh->ref_count, 2);
	assert_errno(shmsim_munmap(e->p, a + 3 * PS, PS), 0);
	assert_int_equal(sh->resident_page_count, 2);
	assert_int_equal(sh->size, 3);
	expect_load(e->p, a + 2 * PS, "2");
	assert_audit_clean(e->k);
}

/* Page faults: the chain is searched top-down. */
static void
vm_fault_reads_through_chain(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *q;
	uint64_t a;
	int fd;

	fd = anon(e->p, 2 * PS);
	assert_errno(shmsim_pwrite(e->p, fd, "obj", 3, PS, NULL), 0);
	a = map(e->p, 0, 2 * PS, RW, PV, fd, 0);
	store(e->p, a, "sh");
	assert_errno(shmsim_fork(e->p, &q), 0);
	store(q, a, "q!");
	/* q's page 1: neither shadow has it; the shm object does. */
	expect_load(q, a + PS, "obj");
	assert_int_equal(entry_at(q, a)->object->resident_page_count, 1);
	/* A store to it copies it up into q's shadow. */
	store(q, a + PS + 3, "+");
	expect_load(q, a + PS, "obj+");
	expect_load(e->p, a + PS, "obj");
	assert_errno(shmsim_exit(q), 0);
	assert_audit_clean(e->k);
}

/* The auditor: each count, broken, is reported. */
static void
audit_catches_mapping_counts(void **state)
{
	struct env *e = *state;
	char report[4096];
	vm_map_entry_t ent;
	vm_object_t obj, sh;
	uint64_t a, b;
	int fd;

	fd = anon(e->p, 2 * PS);
	obj = fd_object(e->p, fd);
	a = map(e->p, 0, 2 * PS, RW, SH, fd, 0);
	b = map(e->p, 0, 2 * PS, RW, PV, fd, 0);
	store(e->p, b, "x");
	sh = entry_at(e->p, b)->object;
	assert_audit_clean(e->k);

	obj->ref_count++;
	assert_int_equal(audit_count(e->k, report, sizeof(report)), 1);
	assert_non_null(strstr(report, "ref_count is 4, but 3 reference(s)"));
	obj->ref_count--;

	obj->writemappings += PS;
	assert_int_equal(audit_count(e->k, report, sizeof(report)), 1);
	assert_non_null(strstr(report, "writemappings"));
	obj->writemappings -= PS;

	obj->shadow_count++;
	assert_true(audit_count(e->k, report, sizeof(report)) >= 1);
	assert_non_null(strstr(report, "shadow_count"));
	obj->shadow_count--;

	ent = entry_at(e->p, a);
	ent->protection |= VM_PROT_EXECUTE;
	ent->max_protection &= ~VM_PROT_EXECUTE;
	assert_int_equal(audit_count(e->k, report, sizeof(report)), 1);
	assert_non_null(strstr(report, "beyond its maximum"));
	ent->max_protection |= VM_PROT_EXECUTE;
	ent->protection &= ~VM_PROT_EXECUTE;

	pmap(e->p)->size += PS;
	assert_int_equal(audit_count(e->k, report, sizeof(report)), 1);
	pmap(e->p)->size -= PS;

	sh->ref_count++;
	assert_int_equal(audit_count(e->k, report, sizeof(report)), 1);
	assert_non_null(strstr(report, "0 shadows"));
	sh->ref_count--;
	assert_audit_clean(e->k);
}

/* Destroying a kernel with live mappings exits the processes: no leak. */
static void
kernel_destroy_with_mappings(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *q;
	uint64_t a;
	int fd;

	fd = anon(e->p, PS);
	a = map(e->p, 0, PS, RW, PV, fd, 0);
	store(e->p, a, "x");
	assert_errno(shmsim_fork(e->p, &q), 0);
	store(q, a, "y");
	assert_errno(shmsim_close(e->p, fd), 0);
	/* teardown_env destroys the kernel and fails on any leak. */
}

/*
 * A shadow object leaked (a reference taken and never dropped, as a
 * faulty patch would) is reported by shmsim_kernel_destroy(), with the
 * shm object it holds, and both are freed after the report
 * (vm_object_free_all(): the shadow is taken off its backing object
 * under its lock first).
 */
static void
kernel_destroy_reports_leaked_shadow(void **state)
{
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	vm_object_t s1;
	char report[1024];
	uint64_t a;
	int fd;

	(void)state;
	assert_errno(shmsim_kernel_create(NULL, &k), 0);
	assert_errno(shmsim_spawn(k, NULL, &p), 0);
	fd = anon(p, PS);
	a = map(p, 0, PS, RW, PV, fd, 0);
	store(p, a, "x");
	s1 = entry_at(p, a)->object;
	assert_non_null(s1->backing_object);
	vm_object_reference(s1);
	assert_int_equal(shmsim_kernel_destroy(k, report, sizeof(report)), 2);
	/* Its page went with the mapping (OBJ_ONEMAPPING), not the object. */
	assert_string_equal(report,
	    "leak: shm vm object #1 left (ref_count 1, 0 resident and 0 "
	    "swapped page(s))\n"
	    "leak: anonymous (shadow) vm object #2 left (ref_count 1, 0 "
	    "resident and 0 swapped page(s))\n");
}

/* Lock order: vm map before vm object, after the shm range lock. */
static void
witness_vm_map_order(void **state)
{
	struct env *e = *state;
	struct shmfd *shmfd;
	struct rl_q_entry cookie;
	vm_object_t obj;
	vm_map_t m = pmap(e->p);
	int fd;

	fd = anon(e->p, PS);
	obj = fd_object(e->p, fd);
	shmfd = obj->swp_priv;
	rangelock_rlock(&shmfd->shm_rl, &cookie, 0, PS);
	vm_map_lock_read(m);
	VM_OBJECT_RLOCK(obj);
	VM_OBJECT_RUNLOCK(obj);
	vm_map_unlock_read(m);
	rangelock_unlock(&shmfd->shm_rl, &cookie);
	(void)map(e->p, 0, PS, RW, SH, fd, 0);
}

static int
setup_2008_local(void **state)
{
	return (setup_2008(state));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(vm_map_clip_references,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(vm_map_insert_merge,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(vm_map_insert_merge,
		    setup_2008_local, teardown_env),
		cmocka_unit_test_setup_teardown(
		    vm_object_shadow_takes_over_reference, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(vm_object_collapse_after_exit,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(vm_object_collapse_after_exit,
		    setup_2008_local, teardown_env),
		cmocka_unit_test_setup_teardown(
		    vm_object_collapse_through_window, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(
		    vm_object_collapse_through_window_swapped, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(vm_object_collapse_bypass,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(vm_object_bypass_through_window,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(
		    vm_object_bypass_through_window_swapped, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(vm_map_entry_delete_onemapping,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(vm_fault_reads_through_chain,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(audit_catches_mapping_counts,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(kernel_destroy_with_mappings,
		    setup_current, teardown_env),
		cmocka_unit_test(kernel_destroy_reports_leaked_shadow),
		cmocka_unit_test_setup_teardown(witness_vm_map_order,
		    setup_current, teardown_env),
	};

	return (cmocka_run_group_tests_name("vm_map", tests, NULL, NULL));
}
