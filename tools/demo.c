/*
 * shmsim-demo: the seed's story, told step by step with every reference
 * count.  `make demo` runs it.  (The scenario language's `shmsim demo`
 * will replace it.)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmsim.h"

static struct shmsim_kernel *k;
static int step;

static void
die(const char *what, int error)
{
	fprintf(stderr, "shmsim-demo: %s: %s\n", what, shmsim_errno_name(error));
	exit(1);
}

#define CHECK(call)                     \
	do {                            \
		int error_ = (call);    \
		if (error_ != 0)        \
			die(#call, error_); \
	} while (0)

static void
say(const char *fmt, ...)
{
	va_list ap;

	printf("\n%2d. ", ++step);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void
show_fd(const char *who, struct shmsim_proc *p, int fd)
{
	struct shmsim_fdinfo fi;

	if (shmsim_fdinfo(p, fd, &fi) != 0) {
		printf("      %s fd %d: (closed)\n", who, fd);
		return;
	}
	printf("      %s fd %d -> file(f_count=%d%s) -> shmfd(shm_refs=%d, "
	       "%s, size=%jd) -> vm object(ref_count=%d, %ju resident, "
	       "%ju swapped)\n",
	    who, fd, fi.f_count,
	    fi.fd_flags & SHMSIM_FD_CLOEXEC ? ", cloexec" : "", fi.shm_refs,
	    fi.named ? fi.path : "unnamed", (intmax_t)fi.size, fi.obj_ref_count,
	    (uintmax_t)fi.resident, (uintmax_t)fi.swapped);
}

static void
show_counts(void)
{
	struct shmsim_counters c;
	char report[4096];
	int bad;

	shmsim_counters(k, &c);
	bad = shmsim_audit(k, report, sizeof(report));
	printf("      kernel: %ju name(s), %ju file(s), %ju shmfd(s), %ju vm "
	       "object(s), %ju page(s), %ju on swap; audit %s\n",
	    (uintmax_t)c.names, (uintmax_t)c.files, (uintmax_t)c.shm,
	    (uintmax_t)c.objects, (uintmax_t)c.pages, (uintmax_t)c.swapped,
	    bad == 0 ? "clean" : "FAILED");
	if (bad != 0) {
		fputs(report, stdout);
		exit(1);
	}
}

static const char *
result(int error)
{
	return (error == 0 ? "ok" : shmsim_errno_name(error));
}

static void
profile_differences(void)
{
	static const enum shmsim_profile profiles[] = {
		SHMSIM_PROFILE_2008, SHMSIM_PROFILE_CURRENT
	};
	struct shmsim_config cfg;
	struct shmsim_kernel *kk;
	struct shmsim_proc *p;
	struct shmsim_stat st;
	char buf[8];
	size_t i, n;
	int fd, e1, e2, e3;

	say("The same calls on the 2008 original and on today's FreeBSD:");
	for (i = 0; i < 2; i++) {
		shmsim_config_init(&cfg);
		cfg.profile = profiles[i];
		CHECK(shmsim_kernel_create(&cfg, &kk));
		CHECK(shmsim_spawn(kk, NULL, &p));
		e1 = shmsim_shm_open(p, "/x", SHMSIM_O_RDWR | SHMSIM_O_CREAT |
		    SHMSIM_O_CLOEXEC, 0600, &fd);
		CHECK(shmsim_shm_open(p, "/x", SHMSIM_O_RDWR | SHMSIM_O_CREAT,
		    0600, &fd));
		CHECK(shmsim_ftruncate(p, fd, 4096));
		CHECK(shmsim_fstat(p, fd, &st));
		e2 = shmsim_read(p, fd, buf, sizeof(buf), &n);
		e3 = shmsim_shm_unlink(p, "x");
		printf("      %-7s O_CLOEXEC: %-7s read: %-10s "
		       "shm_unlink(\"x\"): %-7s st_nlink=%ju st_ino=%ju\n",
		    profiles[i] == SHMSIM_PROFILE_2008 ? "2008" : "current",
		    result(e1), result(e2), result(e3), (uintmax_t)st.st_nlink,
		    (uintmax_t)st.st_ino);
		if (shmsim_kernel_destroy(kk, NULL, 0) != 0)
			die("kernel destroy", EIO);
	}
}

int
main(void)
{
	struct shmsim_proc *parent, *child;
	char buf[32], report[4096];
	uint64_t moved;
	size_t n;
	int fd, fd2;

	printf("shmsim %s: POSIX shared memory as FreeBSD's kernel keeps it\n",
	    SHMSIM_VERSION);
	CHECK(shmsim_kernel_create(NULL, &k));
	CHECK(shmsim_spawn(k, NULL, &parent));

	say("shm_open(\"/demo\", O_RDWR|O_CREAT, 0600): a new object, named "
	    "in the dictionary.\n    shm_refs is 2: one for the file, one "
	    "for the name.");
	CHECK(shmsim_shm_open(parent, "/demo", SHMSIM_O_RDWR | SHMSIM_O_CREAT,
	    0600, &fd));
	show_fd("parent", parent, fd);
	show_counts();

	say("ftruncate(fd, 8192): the object grows to two pages; swap is "
	    "reserved,\n    but no page exists until someone writes.");
	CHECK(shmsim_ftruncate(parent, fd, 8192));
	show_fd("parent", parent, fd);
	CHECK(shmsim_pwrite(parent, fd, "hello, shared world", 19, 0, &n));
	printf("      pwrite 19 bytes at offset 0: one page now resident\n");
	show_fd("parent", parent, fd);

	say("fork(): the child's table copies the parent's. The open file "
	    "gains a\n    reference (f_count 2); shm_refs counts files, not "
	    "descriptors, so it stays 2.");
	CHECK(shmsim_fork(parent, &child));
	show_fd("parent", parent, fd);
	show_fd("child ", child, fd);
	show_counts();

	say("A second shm_open of the same name: a second file on the same "
	    "object (shm_refs 3).");
	CHECK(shmsim_shm_open(child, "/demo", SHMSIM_O_RDWR, 0, &fd2));
	show_fd("child ", child, fd2);

	say("shm_unlink(\"/demo\") while open: the name goes (shm_refs -1), "
	    "the object stays.");
	CHECK(shmsim_shm_unlink(parent, "/demo"));
	show_fd("parent", parent, fd);
	show_counts();

	say("The pagedaemon moves the page to swap; the bytes come back on "
	    "the next read.");
	CHECK(shmsim_pageout(k, 0, &moved));
	show_fd("parent", parent, fd);
	CHECK(shmsim_pread(child, fd2, buf, 19, 0, &n));
	buf[n] = '\0';
	printf("      child pread: \"%s\"\n", buf);
	show_fd("child ", child, fd2);

	say("The parent closes its descriptor; the child exits. Each last "
	    "close of a file\n    drops a shm reference.");
	CHECK(shmsim_close(parent, fd));
	CHECK(shmsim_exit(child));
	show_counts();
	printf("      the last reference went with the child's exit: the "
	       "shmfd and its vm object\n      were garbage collected, "
	       "pages and swap with them.\n");

	profile_differences();

	CHECK(shmsim_exit(parent));
	if (shmsim_kernel_destroy(k, report, sizeof(report)) != 0) {
		fputs(report, stdout);
		return (1);
	}
	printf("\nKernel destroyed: nothing leaked.\n");
	return (0);
}
