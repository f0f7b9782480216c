/*
 * fuzz_syscalls' recognition of the kernel's growth race
 * (known_growth_race(), fuzz_syscalls.c): the one audit report it lets
 * pass is pages past an object's size after a concurrent segment with
 * two or more growth calls (growth_call(): checked here too); every
 * other report, or the same one without that segment, is still a
 * finding.  The regress input
 * known-growth-race-pages-past-end shows the race is recognized; these
 * cases show nothing else is.
 *
 *	growth_race_check
 */
#include "fuzz_syscalls.c"

static int failures;

static void
expect(const char *what, int segments, unsigned growth, const char *report,
    bool want)
{
	struct sc_fuzz_result r;

	memset(&r, 0, sizeof(r));
	r.segments = segments;
	r.audit_violations = 1;
	snprintf(r.audit_report, sizeof(r.audit_report), "%s", report);
	seg_growth = growth;
	if (known_growth_race(&r) != want) {
		fprintf(stderr, "growth_race_check: %s: %s, not %s\n", what,
		    want ? "reported" : "let pass",
		    want ? "let pass" : "reported");
		failures++;
	}
}

/* Whether a call counts toward the race's two growth calls. */
static void
expect_growth(const char *what, enum sc_fuzz_op op, int error, bool want)
{
	struct sc_fuzz_call c;

	memset(&c, 0, sizeof(c));
	c.op = op;
	c.error = error;
	if (growth_call(&c) != want) {
		fprintf(stderr, "growth_race_check: %s: %s, not %s\n", what,
		    want ? "not counted" : "counted",
		    want ? "counted" : "not counted");
		failures++;
	}
}

int
main(void)
{
	static const char race[] =
	    "object #1: resident page 4 past its 2-page size\n"
	    "object #1: resident page 5 past its 2-page size\n"
	    "shmfd ino 1: 6 pages allocated past its 2-page size\n";

	expect("the race", 1, 2, race, true);
	expect("a swapped page past the size", 1, 3,
	    "object #2: swapped page 9 past its 4-page size\n", true);
	expect("no trailing newline", 1, 2,
	    "object #1: resident page 4 past its 2-page size", true);
	expect("no concurrent segment", 0, 2, race, false);
	expect("one growth call", 1, 1, race, false);
	expect("an empty report", 1, 2, "", false);
	expect("another violation too", 1, 2,
	    "object #1: resident page 4 past its 2-page size\n"
	    "shmfd ino 1 (/a): shm_refs is 2, but 0 file(s) and 1 name(s) "
	    "refer to it\n",
	    false);
	expect("another object line", 1, 2,
	    "object #1: ref_count is 2, but 1 reference(s) found\n", false);
	expect("the size on another line", 1, 2,
	    "object #1: resident page 4\nobject #1: 2-page size\n", false);
	/*
	 * The calls that may have grown an object: a pwrite that failed
	 * while copying had grown it first (the regress input
	 * known-growth-race-failed-pwrites: every pwrite EIO).
	 */
	expect_growth("a pwrite", FZ_PWRITE, 0, true);
	expect_growth("a pwrite failing to copy (EIO)", FZ_PWRITE, EIO, true);
	expect_growth("a pwrite with a bad buffer (EFAULT)", FZ_PWRITE, EFAULT,
	    true);
	expect_growth("a fallocate", FZ_FALLOCATE, 0, true);
	expect_growth("a pwrite on a bad descriptor", FZ_PWRITE, EBADF, false);
	expect_growth("a pwrite refused by a seal", FZ_PWRITE, EPERM, false);
	expect_growth("a fallocate out of swap", FZ_FALLOCATE, ENOSPC, false);
	expect_growth("a fallocate failing with EIO", FZ_FALLOCATE, EIO, false);
	expect_growth("a write at the offset", FZ_WRITE, 0, false);
	expect_growth("an ftruncate", FZ_FTRUNCATE, 0, false);
	printf("growth_race_check: %d failure(s)\n", failures);
	return (failures == 0 ? 0 : 1);
}
