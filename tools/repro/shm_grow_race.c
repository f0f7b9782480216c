/*
 * shm_grow_race: count growths lost when two threads grow one memfd
 * object on disjoint ranges at the same time (shmsim issue #13,
 * docs/findings.md).
 *
 * Each round truncates the object to 0 bytes, then releases two threads
 * at once:
 *
 *   pwrite mode:     thread A pwrite(fd, "a", 1, 0)
 *                    thread B pwrite(fd, "b", 1, page)
 *                    expected: size page + 1, byte 0 'a', byte page 'b'
 *   fallocate mode:  thread A pwrite(fd, "a", 1, 0)
 *                    thread B posix_fallocate(fd, page, page)
 *                    expected: size 2 * page, byte 0 'a'
 *
 * A round is lost when a call did not do all it returned success for:
 * a short pwrite, a size below the larger end, or a written byte that
 * reads back as something else.  The object is reused from round to
 * round, so after the first round in which the two threads collide,
 * FreeBSD's range lock no longer serializes them (kern_rangelock.c
 * leaves its "cheating" whole-range mode at the first conflict).
 *
 * On FreeBSD (memfd_create(2) gives SHM_GROW_ON_WRITE) the kernel read
 * for issue #13 is expected to lose rounds; on Linux, whose shmem write
 * and fallocate paths hold the inode lock and only ever grow i_size,
 * none.  Exit status: 0 no round lost, 1 some round lost, 2 error.
 *
 * -k checks the checker: thread A, once B has returned, truncates the
 * object to the 1 byte it asked for, as the kernel's bad schedule does,
 * so that every round must count as lost, on any system.
 *
 *   cc -O2 -pthread -o shm_grow_race shm_grow_race.c
 *   ./shm_grow_race [-k] [-s seconds] [-n rounds] [-m pwrite|fallocate|both]
 * Defaults: 2 seconds (shared by the modes), at most 1000000 rounds a
 * mode, both modes.
 */
#define _GNU_SOURCE /* memfd_create on Linux */

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum mode { MODE_PWRITE, MODE_FALLOCATE };

struct race {
	int fd;
	off_t page;
	enum mode mode;
	atomic_uint go;	  /* round number the workers may start */
	atomic_uint done; /* workers finished in this round */
	atomic_bool quit;
	/* -k: the round in which thread B last finished its call. */
	atomic_uint b_round;
	bool emulate;
	/* Results of the current round, written before done is bumped. */
	ssize_t ret_a, ret_b;
	int err_a, err_b;
};

struct worker {
	struct race *r;
	bool upper; /* thread B: the upper range */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	unsigned int seen = 0, go, spins;
	ssize_t ret;
	int err;

	for (;;) {
		/*
		 * Spin until the next round starts, so that both threads
		 * enter the kernel as close together as possible; yield now
		 * and then, for a machine with fewer free cores than threads.
		 */
		spins = 0;
		while ((go = atomic_load(&r->go)) == seen) {
			if (atomic_load(&r->quit))
				return (NULL);
			if (++spins % 256 == 0)
				sched_yield();
		}
		seen = go;
		err = 0;
		if (!w->upper)
			ret = pwrite(r->fd, "a", 1, 0);
		else if (r->mode == MODE_PWRITE)
			ret = pwrite(r->fd, "b", 1, r->page);
		else {
			/* posix_fallocate returns the error number. */
			err = posix_fallocate(r->fd, r->page, r->page);
			ret = err == 0 ? 0 : -1;
		}
		if (ret == -1 && err == 0)
			err = errno;
		if (r->emulate && !w->upper && ret == 1) {
			/*
			 * -k: do in user space what the stale truncate does in
			 * the kernel's bad schedule: once B has grown the
			 * object and returned, set the size A decided on.
			 */
			while (atomic_load(&r->b_round) != seen)
				sched_yield();
			if (ftruncate(r->fd, 1) == -1)
				err = errno;
		}
		if (w->upper) {
			r->ret_b = ret;
			r->err_b = err;
			atomic_store(&r->b_round, seen);
		} else {
			r->ret_a = ret;
			r->err_a = err;
		}
		atomic_fetch_add(&r->done, 1);
	}
}

struct tally {
	unsigned long rounds, lost, short_size, lost_byte, short_write;
};

/* Check one finished round; return -1 on an unexpected error. */
static int
check_round(struct race *r, struct tally *t)
{
	struct stat sb;
	off_t want;
	char c;
	bool lost = false;

	if (r->err_a != 0 || r->err_b != 0) {
		fprintf(stderr, "round %lu: %s\n", t->rounds,
		    strerror(r->err_a != 0 ? r->err_a : r->err_b));
		return (-1);
	}
	if (r->ret_a != 1 || (r->mode == MODE_PWRITE && r->ret_b != 1)) {
		t->short_write++;
		lost = true;
	}
	if (fstat(r->fd, &sb) == -1) {
		perror("fstat");
		return (-1);
	}
	want = r->mode == MODE_PWRITE ? r->page + 1 : 2 * r->page;
	if (sb.st_size < want) {
		t->short_size++;
		lost = true;
	}
	if (pread(r->fd, &c, 1, 0) != 1 || c != 'a') {
		t->lost_byte++;
		lost = true;
	}
	if (r->mode == MODE_PWRITE &&
	    (pread(r->fd, &c, 1, r->page) != 1 || c != 'b')) {
		t->lost_byte++;
		lost = true;
	}
	if (lost)
		t->lost++;
	return (0);
}

/* Run rounds of one mode for up to seconds or max_rounds. */
static int
run_mode(enum mode mode, double seconds, unsigned long max_rounds, bool emulate,
    struct tally *t)
{
	struct race r;
	struct worker wa, wb;
	pthread_t ta, tb;
	double end;
	int error, fd, status = 0;

	fd = memfd_create("shm_grow_race", 0);
	if (fd == -1) {
		perror("memfd_create");
		return (-1);
	}
	memset(&r, 0, sizeof(r));
	r.fd = fd;
	r.page = (off_t)sysconf(_SC_PAGESIZE);
	r.mode = mode;
	r.emulate = emulate;
	atomic_init(&r.b_round, 0);
	atomic_init(&r.go, 0);
	atomic_init(&r.done, 0);
	atomic_init(&r.quit, false);
	wa.r = &r;
	wa.upper = false;
	wb.r = &r;
	wb.upper = true;
	if ((error = pthread_create(&ta, NULL, worker_main, &wa)) != 0 ||
	    (error = pthread_create(&tb, NULL, worker_main, &wb)) != 0) {
		fprintf(stderr, "pthread_create: %s\n", strerror(error));
		exit(2);
	}

	memset(t, 0, sizeof(*t));
	end = now() + seconds;
	while (t->rounds < max_rounds && now() < end) {
		if (ftruncate(fd, 0) == -1) {
			perror("ftruncate");
			status = -1;
			break;
		}
		atomic_store(&r.done, 0);
		atomic_fetch_add(&r.go, 1);
		while (atomic_load(&r.done) != 2)
			sched_yield();
		if (check_round(&r, t) == -1) {
			status = -1;
			break;
		}
		t->rounds++;
	}
	atomic_store(&r.quit, true);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	close(fd);
	return (status);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: shm_grow_race [-k] [-s seconds] [-n rounds] "
	    "[-m pwrite|fallocate|both]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const char *const names[] = { "pwrite vs pwrite",
		"pwrite vs posix_fallocate" };
	struct tally t;
	unsigned long max_rounds = 1000000, lost = 0;
	double seconds = 2.0;
	char *end;
	int ch, first = MODE_PWRITE, last = MODE_FALLOCATE, m;
	bool emulate = false;

	while ((ch = getopt(argc, argv, "km:n:s:")) != -1) {
		switch (ch) {
		case 'k':
			emulate = true;
			break;
		case 'm':
			if (strcmp(optarg, "pwrite") == 0)
				first = last = MODE_PWRITE;
			else if (strcmp(optarg, "fallocate") == 0)
				first = last = MODE_FALLOCATE;
			else if (strcmp(optarg, "both") == 0) {
				first = MODE_PWRITE;
				last = MODE_FALLOCATE;
			} else
				usage();
			break;
		case 'n':
			errno = 0;
			max_rounds = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || max_rounds == 0)
				usage();
			break;
		case 's':
			errno = 0;
			seconds = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || !(seconds > 0) ||
			    seconds > 60)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	for (m = first; m <= last; m++) {
		if (run_mode((enum mode)m, seconds / (last - first + 1),
			max_rounds, emulate, &t) == -1)
			return (2);
		printf("%s: %lu rounds, %lu lost (size short %lu, "
		       "byte lost %lu, short write %lu)\n",
		    names[m], t.rounds, t.lost, t.short_size, t.lost_byte,
		    t.short_write);
		lost += t.lost;
	}
	return (lost == 0 ? 0 : 1);
}
