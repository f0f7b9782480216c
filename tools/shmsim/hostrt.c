/*
 * The host runtime (hostrt.h): scenario processes as real processes.
 *
 * The runner forks one child per spawned process.  A child keeps its
 * sockets at the top of its descriptor table (the scenario's descriptors
 * are numbered from 0, as in the model) and serves requests, one per
 * call, on a stream socket: a fixed header, the string arguments'
 * bytes, and descriptors by SCM_RIGHTS where the request needs them
 * (fork, thread, sendfd).  Each process has a descriptor box, a datagram
 * socket pair: its receive end in the process, its send end in the
 * runner, lent to a sender for each sendfd; exit closes the receive end,
 * which disposes of the descriptors still queued, as the model does.
 *
 * fork P C forks twice (the middle process exits at once) so that C is
 * re-parented to the runner, a subreaper: the runner reaps every process
 * and sees the signal that killed it.
 *
 * The child is a separate process with its own state: the few statics
 * below belong to it, not to the runner.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef __linux__
#include <sys/syscall.h>
#endif
#ifdef __FreeBSD__
#include <sys/procctl.h>

#include <dlfcn.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostrt.h"

/* ------------------------------------------------------------ wire */

enum hr_op {
	HR_OP_CALL = 1,
	HR_OP_FORK,
	HR_OP_THREAD,
	HR_OP_EXIT,
	HR_OP_HANG /* the tests of the timeout: never answer */
};

struct hr_req {
	int32_t op;
	int32_t call;
	int32_t nargs;
	int32_t nfds;
	int64_t ival[HR_MAX_ARGS];
	uint32_t slen[HR_MAX_ARGS];
	uint8_t is_str[HR_MAX_ARGS];
};

struct hr_rep {
	int32_t status;
	int32_t error;
	int32_t sig;
	int32_t has_stat;
	int32_t has_bytes;
	int32_t pad;
	int64_t ret;
	uint64_t nbytes;
	struct hr_stat st;
	char why[160];
};

static const char *const hr_call_names[HR_NCALLS] = {
	"shm_open",
	"shm_open2",
	"shm_unlink",
	"shm_rename",
	"memfd_create",
	"ftruncate",
	"fstat",
	"read",
	"pread",
	"write",
	"pwrite",
	"lseek",
	"close",
	"dup",
	"dup2",
	"fcntl",
	"fchmod",
	"fchown",
	"posix_fallocate",
	"fspacectl",
	"ioctl",
	"umask",
	"mmap",
	"munmap",
	"mprotect",
	"load",
	"store",
	"sendfd",
	"recvfd",
};

int
hr_call_lookup(const char *name)
{
	int i;

	for (i = 0; i < HR_NCALLS; i++)
		if (strcmp(hr_call_names[i], name) == 0)
			return (i);
	return (-1);
}

/* Write all of buf, with fds (nfds of them) on the first byte. */
static int
hr_sendall(int s, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} u;
	struct msghdr m;
	struct iovec iov;
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		memset(&m, 0, sizeof(m));
		iov.iov_base = (void *)(uintptr_t)p;
		iov.iov_len = len;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		if (nfds > 0) {
			memset(&u, 0, sizeof(u));
			m.msg_control = u.buf;
			m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			u.h.cmsg_level = SOL_SOCKET;
			u.h.cmsg_type = SCM_RIGHTS;
			u.h.cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(&u.h), fds, sizeof(int) * nfds);
		}
		n = sendmsg(s, &m, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		nfds = 0;
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/*
 * Read all of len bytes, collecting descriptors into fds (at most
 * maxfds); 0 done, 1 end of file before any byte, -1 error.
 */
static int
hr_recvall(int s, void *buf, size_t len, int *fds, int maxfds, int *nfdsp)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} u;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *c;
	char *p = buf;
	size_t got = 0;
	ssize_t n;
	int k, nfd;

	if (nfdsp != NULL)
		*nfdsp = 0;
	while (got < len) {
		memset(&m, 0, sizeof(m));
		iov.iov_base = p + got;
		iov.iov_len = len - got;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		n = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (-1);
		if (n == 0)
			return (got == 0 ? 1 : -1);
		for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SCM_RIGHTS)
				continue;
			nfd = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			for (k = 0; k < nfd; k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + k * sizeof(int),
				    sizeof(int));
				if (fds != NULL && nfdsp != NULL &&
				    *nfdsp < maxfds)
					fds[(*nfdsp)++] = fd;
				else
					close(fd);
			}
		}
		got += (size_t)n;
	}
	return (0);
}

/* The first descriptor of the runtime's own range in a child. */
static int
hr_fd_base(void)
{
	struct rlimit rl;
	rlim_t lim = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < lim)
		lim = rl.rlim_cur;
	return ((int)lim - HR_MAX_SLOTS - 8);
}

/* Move fd to the runtime's range (close-on-exec); -1 on failure. */
static int
hr_fd_high(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, hr_fd_base());

	close(fd);
	return (nfd);
}

/* ------------------------------------------------------------ child */

/* The child process's own state (see the comment at the top). */
static struct {
	pthread_mutex_t mtx;
	int ctls[HR_MAX_SLOTS];
	int nctls;
	int mbox;
} hr_child = { PTHREAD_MUTEX_INITIALIZER, { 0 }, 0, -1 };

static _Thread_local sigjmp_buf *hr_jb;

static void
hr_fault(int sig)
{
	if (hr_jb != NULL)
		siglongjmp(*hr_jb, sig);
	/* Not a load or store: die of it, as the scenario's process. */
	signal(sig, SIG_DFL);
}

/* memcpy that catches SIGSEGV and SIGBUS: 0 or the signal. */
static int
hr_touch(void *dst, const void *src, size_t n)
{
	sigjmp_buf jb;
	int sig;

	sigjmp_buf *volatile outer = hr_jb;

	sig = sigsetjmp(jb, 1);
	if (sig != 0) {
		hr_jb = outer;
		return (sig);
	}
	hr_jb = &jb;
	memcpy(dst, src, n);
	hr_jb = outer;
	return (0);
}

static void
hr_reply(int ctl, struct hr_rep *rep, const void *bytes)
{
	if (bytes == NULL)
		rep->nbytes = 0;
	if (hr_sendall(ctl, rep, sizeof(*rep), NULL, 0) != 0 ||
	    (rep->nbytes > 0 &&
		hr_sendall(ctl, bytes, (size_t)rep->nbytes, NULL, 0) != 0))
		_exit(0); /* the runner is gone */
}

static void
hr_unsupported(struct hr_rep *rep, const char *fmt, const char *what)
{
	rep->status = HR_UNSUPPORTED;
	snprintf(rep->why, sizeof(rep->why), fmt, what);
}

/* FreeBSD's open flags (amd64) to the host's; -1: a bit it lacks. */
static int
hr_oflags(int64_t f, const char **bad)
{
#ifdef __FreeBSD__
	*bad = NULL;
	return ((int)f);
#else
	static const struct {
		int64_t bsd;
		int host;
		const char *name;
	} map[] = {
		{ 0x0004, O_NONBLOCK, "O_NONBLOCK" },
		{ 0x0008, O_APPEND, "O_APPEND" },
		{ 0x0080, O_SYNC, "O_SYNC" },
		{ 0x0100, O_NOFOLLOW, "O_NOFOLLOW" },
		{ 0x0200, O_CREAT, "O_CREAT" },
		{ 0x0400, O_TRUNC, "O_TRUNC" },
		{ 0x0800, O_EXCL, "O_EXCL" },
		{ 0x00010000, O_DIRECT, "O_DIRECT" },
		{ 0x00100000, O_CLOEXEC, "O_CLOEXEC" },
		{ 0x08000000, -1, "O_CLOFORK" },
	};
	int host = (int)(f & 3);
	size_t i;

	*bad = NULL;
	f &= ~(int64_t)3;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if ((f & map[i].bsd) == 0)
			continue;
		if (map[i].host == -1) {
			*bad = map[i].name;
			return (-1);
		}
		host |= map[i].host;
		f &= ~map[i].bsd;
	}
	if (f != 0) {
		*bad = "an open flag";
		return (-1);
	}
	return (host);
#endif
}

/* The host's open flags back to FreeBSD's (F_GETFL). */
static int64_t
hr_oflags_back(int f)
{
#ifdef __FreeBSD__
	return (f);
#else
	int64_t bsd = f & O_ACCMODE;

	if (f & O_NONBLOCK)
		bsd |= 0x0004;
	if (f & O_APPEND)
		bsd |= 0x0008;
	if (f & O_ASYNC)
		bsd |= 0x0040;
	if ((f & O_SYNC) == O_SYNC)
		bsd |= 0x0080;
	if (f & O_DIRECT)
		bsd |= 0x00010000;
	return (bsd);
#endif
}

static const char *
hr_path(const struct hr_arg *a)
{
	if (a->is_str)
		return (a->s);
	if (a->i == 0)
		return (NULL);
	return ((const char *)(uintptr_t)a->i);
}

static void
hr_fill_stat(struct hr_rep *rep, const struct stat *sb)
{
	rep->has_stat = 1;
	rep->st.size = (int64_t)sb->st_size;
	rep->st.mode = (uint32_t)sb->st_mode;
	rep->st.nlink = (uint64_t)sb->st_nlink;
	rep->st.uid = (uint32_t)sb->st_uid;
	rep->st.gid = (uint32_t)sb->st_gid;
	rep->st.blocks = (int64_t)sb->st_blocks;
	rep->st.blksize = (int32_t)sb->st_blksize;
}

/* fcntl: FreeBSD's command to the host's; -1: none. */
static int
hr_fcntl_cmd(int64_t cmd)
{
#ifdef __FreeBSD__
	return ((int)cmd);
#else
	switch (cmd) {
	case 0:
		return (F_DUPFD);
	case 1:
		return (F_GETFD);
	case 2:
		return (F_SETFD);
	case 3:
		return (F_GETFL);
	case 4:
		return (F_SETFL);
	case 17:
		return (F_DUPFD_CLOEXEC);
#ifdef F_ADD_SEALS
	case 19:
		return (F_ADD_SEALS);
	case 20:
		return (F_GET_SEALS);
#endif
	default:
		return (-1);
	}
#endif
}

/* One call; the arguments in a (strings NUL-terminated). */
static void
hr_do_call(int call, const struct hr_arg *a, int nargs, int boxfd,
    struct hr_rep *rep, unsigned char **bytesp)
{
	const char *bad = NULL;
	struct stat sb;
	unsigned char *buf;
	ssize_t n;
	void *addr;
	int fl, r;

	errno = 0;
	r = 0;
	switch (call) {
	case HR_SHM_OPEN:
		fl = hr_oflags(a[1].i, &bad);
		if (fl == -1) {
			hr_unsupported(rep, "%s does not exist on this host",
			    bad);
			return;
		}
		if (!a[0].is_str && a[0].i == 1) {
#ifdef __FreeBSD__
			r = shm_open(SHM_ANON, fl, (mode_t)a[2].i);
#else
			hr_unsupported(rep, "%s", "SHM_ANON is FreeBSD's only");
			return;
#endif
		} else
			r = shm_open(hr_path(&a[0]), fl, (mode_t)a[2].i);
		break;
	case HR_SHM_OPEN2:
#ifdef __FreeBSD__
		r = shm_open2(!a[0].is_str && a[0].i == 1 ? SHM_ANON :
							    hr_path(&a[0]),
		    (int)a[1].i, (mode_t)a[2].i, (int)a[3].i, hr_path(&a[4]));
		break;
#else
		hr_unsupported(rep, "%s", "shm_open2 is FreeBSD's only");
		return;
#endif
	case HR_SHM_UNLINK:
		r = shm_unlink(hr_path(&a[0]));
		break;
	case HR_SHM_RENAME:
#ifdef __FreeBSD__
		r = shm_rename(hr_path(&a[0]), hr_path(&a[1]), (int)a[2].i);
		break;
#else
		hr_unsupported(rep, "%s", "shm_rename is FreeBSD's only");
		return;
#endif
	case HR_MEMFD_CREATE:
		/*
		 * Not by its libc name: the model (src/shm_rename.c) defines
		 * a memfd_create() of its own, which wins in a program that
		 * links both.
		 */
#if defined(__linux__) && defined(SYS_memfd_create)
		r = (int)syscall(SYS_memfd_create, hr_path(&a[0]),
		    (unsigned int)a[1].i);
		break;
#elif defined(__FreeBSD__)
	{
		int (*fn)(const char *, unsigned int);
		void *libc = dlopen("libc.so.7", RTLD_LAZY);

		fn = libc != NULL ? (int (*)(const char *, unsigned int))dlsym(
					libc, "memfd_create") :
				    NULL;
		if (fn == NULL) {
			hr_unsupported(rep, "%s", "no memfd_create in libc");
			return;
		}
		r = fn(hr_path(&a[0]), (unsigned int)a[1].i);
		break;
	}
#else
		hr_unsupported(rep, "%s", "no memfd_create here");
		return;
#endif
	case HR_FTRUNCATE:
		r = ftruncate((int)a[0].i, (off_t)a[1].i);
		break;
	case HR_FSTAT:
		r = fstat((int)a[0].i, &sb);
		if (r == 0)
			hr_fill_stat(rep, &sb);
		break;
	case HR_READ:
	case HR_PREAD:
	case HR_LOAD:
		if (a[1].i < 0 || a[1].i > HR_MAX_BYTES) {
			rep->error = a[1].i < 0 ? EINVAL : E2BIG;
			return;
		}
		buf = calloc((size_t)a[1].i + 1, 1);
		if (buf == NULL) {
			rep->error = ENOMEM;
			return;
		}
		if (call == HR_LOAD) {
			rep->sig = hr_touch(buf,
			    (const void *)(uintptr_t)a[0].i, (size_t)a[1].i);
			n = rep->sig == 0 ? (ssize_t)a[1].i : -1;
			if (rep->sig != 0) {
				free(buf);
				return;
			}
		} else if (call == HR_READ)
			n = read((int)a[0].i, buf, (size_t)a[1].i);
		else
			n = pread((int)a[0].i, buf, (size_t)a[1].i,
			    (off_t)a[2].i);
		if (n < 0) {
			rep->error = errno;
			free(buf);
			return;
		}
		rep->ret = n;
		rep->has_bytes = 1;
		rep->nbytes = (uint64_t)n;
		*bytesp = buf;
		return;
	case HR_WRITE:
	case HR_PWRITE: {
		const void *src = a[1].is_str ? (const void *)a[1].s :
						(const void *)(uintptr_t)a[1].i;
		size_t len = a[1].is_str ? a[1].len : 1;

		n = call == HR_WRITE ?
		    write((int)a[0].i, src, len) :
		    pwrite((int)a[0].i, src, len, (off_t)a[2].i);
		if (n < 0)
			rep->error = errno;
		else
			rep->ret = n;
		return;
	}
	case HR_STORE:
		rep->sig = hr_touch((void *)(uintptr_t)a[0].i,
		    a[1].is_str ? (const void *)a[1].s :
				  (const void *)(uintptr_t)a[1].i,
		    a[1].is_str ? a[1].len : 1);
		if (rep->sig == 0)
			rep->ret = (int64_t)a[1].len;
		return;
	case HR_LSEEK: {
		off_t off = lseek((int)a[0].i, (off_t)a[1].i, (int)a[2].i);

		if (off < 0)
			rep->error = errno;
		else
			rep->ret = off;
		return;
	}
	case HR_CLOSE:
		r = close((int)a[0].i);
		break;
	case HR_DUP:
		r = dup((int)a[0].i);
		break;
	case HR_DUP2:
		r = dup2((int)a[0].i, (int)a[1].i);
		break;
	case HR_FCNTL: {
		int cmd = hr_fcntl_cmd(a[1].i);
		int64_t arg = nargs > 2 ? a[2].i : 0;

		if (cmd == -1) {
			hr_unsupported(rep, "%s",
			    "this fcntl command does not exist here");
			return;
		}
#ifndef __FreeBSD__
		if (cmd == F_SETFL) {
			arg = hr_oflags(arg, &bad);
			if (arg == -1) {
				hr_unsupported(rep,
				    "%s does not exist on this host", bad);
				return;
			}
		}
#endif
		r = fcntl((int)a[0].i, cmd, (long)arg);
		if (r >= 0 && cmd == F_GETFL) {
			rep->ret = hr_oflags_back(r);
			return;
		}
		break;
	}
	case HR_FCHMOD:
		r = fchmod((int)a[0].i, (mode_t)a[1].i);
		break;
	case HR_FCHOWN:
		r = fchown((int)a[0].i, (uid_t)a[1].i, (gid_t)a[2].i);
		break;
	case HR_POSIX_FALLOCATE:
		/* Returns the error rather than setting errno. */
		rep->error =
		    posix_fallocate((int)a[0].i, (off_t)a[1].i, (off_t)a[2].i);
		return;
	case HR_FSPACECTL:
#ifdef __FreeBSD__
	{
		struct spacectl_range rq;

		rq.r_offset = (off_t)a[2].i;
		rq.r_len = (off_t)a[3].i;
		r = fspacectl((int)a[0].i, (int)a[1].i, &rq, 0, NULL);
		break;
	}
#else
		hr_unsupported(rep, "%s", "fspacectl is FreeBSD's only");
		return;
#endif
	case HR_IOCTL: {
		int data = nargs > 2 ? (int)a[2].i : 0;
		unsigned long cmd;

		switch ((uint64_t)a[1].i) {
		case 0x8004667eUL:
			cmd = FIONBIO;
			break;
		case 0x8004667dUL:
			cmd = FIOASYNC;
			break;
		case 0x4004667fUL:
			cmd = FIONREAD;
			break;
		case 0x20006601UL:
			cmd = FIOCLEX;
			break;
		case 0x20006602UL:
			cmd = FIONCLEX;
			break;
#ifdef __FreeBSD__
		case 0x80306664UL:
		case 0x40306665UL: {
			struct shm_largepage_conf conf;

			memset(&conf, 0, sizeof(conf));
			conf.psind = data;
			conf.alloc_policy = nargs > 3 ? (int)a[3].i : 0;
			r = ioctl((int)a[0].i, (unsigned long)a[1].i, &conf);
			if (r == 0 && (uint64_t)a[1].i == 0x40306665UL) {
				rep->ret = conf.psind;
				return;
			}
			goto done;
		}
#endif
#ifndef __FreeBSD__
		case 0x80306664UL:
		case 0x40306665UL:
			hr_unsupported(rep, "%s",
			    "FreeBSD's large-page ioctls do not exist here");
			return;
#endif
		default:
			/* A command neither knows: the host's answer. */
			cmd = (unsigned long)a[1].i;
			break;
		}
		r = ioctl((int)a[0].i, cmd, &data);
		if (r == 0 && cmd == FIONREAD) {
			rep->ret = data;
			return;
		}
		break;
	}
	case HR_UMASK:
		rep->ret = umask((mode_t)a[0].i);
		return;
	case HR_MMAP: {
		int64_t fl = a[3].i, hfl = 0;

		if (fl & 0x1)
			hfl |= MAP_SHARED;
		if (fl & 0x2)
			hfl |= MAP_PRIVATE;
		if (fl & 0x10)
			hfl |= MAP_FIXED;
#ifdef __FreeBSD__
		if (fl & 0x4000)
			hfl |= MAP_EXCL;
#else
		if ((fl & 0x4010) == 0x4010)
			hfl = (hfl & ~MAP_FIXED) | MAP_FIXED_NOREPLACE;
		else if (fl & 0x4000) {
			hr_unsupported(rep, "%s",
			    "MAP_EXCL without MAP_FIXED has no equivalent "
			    "here");
			return;
		}
#endif
		if (fl & ~(int64_t)0x4013) {
			hr_unsupported(rep, "%s",
			    "a mapping flag this host lacks");
			return;
		}
		addr = mmap((void *)(uintptr_t)a[0].i, (size_t)a[1].i,
		    (int)a[2].i, (int)hfl, (int)a[4].i, (off_t)a[5].i);
		if (addr == MAP_FAILED)
			rep->error = errno;
		else
			rep->ret = (int64_t)(uintptr_t)addr;
		return;
	}
	case HR_MUNMAP:
		r = munmap((void *)(uintptr_t)a[0].i, (size_t)a[1].i);
		break;
	case HR_MPROTECT:
		r = mprotect((void *)(uintptr_t)a[0].i, (size_t)a[1].i,
		    (int)a[2].i);
		break;
	case HR_SENDFD: {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} u;
		struct msghdr m;
		struct iovec iov;
		int fd = (int)a[1].i;
		char c = 'F';

		memset(&m, 0, sizeof(m));
		memset(&u, 0, sizeof(u));
		iov.iov_base = &c;
		iov.iov_len = 1;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		u.h.cmsg_level = SOL_SOCKET;
		u.h.cmsg_type = SCM_RIGHTS;
		u.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&u.h), &fd, sizeof(int));
		r = (int)sendmsg(boxfd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0)
			r = 0;
		break;
	}
	case HR_RECVFD: {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int) * 4)];
		} u;
		struct msghdr m;
		struct iovec iov;
		struct cmsghdr *cm;
		char c;
		int fd = -1;

		memset(&m, 0, sizeof(m));
		iov.iov_base = &c;
		iov.iov_len = 1;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		if (recvmsg(hr_child.mbox, &m, MSG_DONTWAIT) < 0) {
			rep->error = errno;
			return;
		}
		for (cm = CMSG_FIRSTHDR(&m); cm != NULL;
		     cm = CMSG_NXTHDR(&m, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_RIGHTS)
				memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		if (fd < 0)
			rep->error = EMSGSIZE;
		else
			rep->ret = fd;
		return;
	}
	default:
		hr_unsupported(rep, "%s", "an unknown call");
		return;
	}
#ifdef __FreeBSD__
done:
#endif
	if (r < 0)
		rep->error = errno;
	else
		rep->ret = r;
}

/*
 * A call with SIGSEGV and SIGBUS caught: a library that faults on a bad
 * pointer (glibc's shm_open measures the name in user space) answers
 * with the signal, as load and store do, and the process lives on.
 */
static void
hr_guarded_call(int call, const struct hr_arg *a, int nargs, int boxfd,
    struct hr_rep *rep, unsigned char **bytesp)
{
	sigjmp_buf jb;
	int sig;

	sig = sigsetjmp(jb, 1);
	if (sig != 0) {
		hr_jb = NULL;
		memset(rep, 0, sizeof(*rep));
		rep->sig = sig;
		return;
	}
	hr_jb = &jb;
	hr_do_call(call, a, nargs, boxfd, rep, bytesp);
	hr_jb = NULL;
}

static void *hr_serve(void *arg);

static void
hr_register(int ctl)
{
	pthread_mutex_lock(&hr_child.mtx);
	if (hr_child.nctls < HR_MAX_SLOTS)
		hr_child.ctls[hr_child.nctls++] = ctl;
	pthread_mutex_unlock(&hr_child.mtx);
}

/* fork P C, in P: fds[0] C's socket, fds[1] C's descriptor box. */
static void
hr_do_fork(int *fds, struct hr_rep *rep)
{
	struct hr_rep hello;
	pid_t mid, pid;
	int i, status;

	mid = fork();
	if (mid < 0) {
		rep->error = errno;
		goto out;
	}
	if (mid == 0) {
		pid = fork();
		if (pid != 0)
			_exit(pid < 0 ? 1 : 0);
		/* C: only this thread; P's sockets are not C's. */
		for (i = 0; i < hr_child.nctls; i++)
			close(hr_child.ctls[i]);
		close(hr_child.mbox);
		hr_child.nctls = 0;
		hr_child.ctls[hr_child.nctls++] = fds[0];
		hr_child.mbox = fds[1];
		(void)pthread_mutex_init(&hr_child.mtx, NULL);
		memset(&hello, 0, sizeof(hello));
		hello.ret = getpid();
		hr_reply(fds[0], &hello, NULL);
		(void)hr_serve((void *)(intptr_t)fds[0]);
		_exit(0);
	}
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rep->error = EAGAIN;
out:
	close(fds[0]);
	close(fds[1]);
}

/* Serve one socket until it closes or the process exits. */
static void *
hr_serve(void *arg)
{
	int ctl = (int)(intptr_t)arg;
	struct hr_arg a[HR_MAX_ARGS];
	struct hr_req q;
	struct hr_rep rep;
	unsigned char *bytes;
	char *sbuf[HR_MAX_ARGS];
	int fds[4], nfds, i, rc;
	pthread_t t;

	for (;;) {
		rc = hr_recvall(ctl, &q, sizeof(q), fds, 4, &nfds);
		if (rc != 0)
			_exit(0); /* the runner is gone */
		for (i = 0; i < nfds; i++)
			fds[i] = hr_fd_high(fds[i]);
		memset(&rep, 0, sizeof(rep));
		memset(a, 0, sizeof(a));
		memset(sbuf, 0, sizeof(sbuf));
		bytes = NULL;
		if (q.nargs < 0 || q.nargs > HR_MAX_ARGS)
			_exit(1);
		for (i = 0; i < q.nargs; i++) {
			a[i].i = q.ival[i];
			a[i].is_str = q.is_str[i];
			if (!a[i].is_str)
				continue;
			sbuf[i] = malloc((size_t)q.slen[i] + 1);
			if (sbuf[i] == NULL ||
			    hr_recvall(ctl, sbuf[i], q.slen[i], NULL, 0, NULL) <
				0)
				_exit(1);
			sbuf[i][q.slen[i]] = '\0';
			a[i].s = sbuf[i];
			a[i].len = q.slen[i];
		}
		switch (q.op) {
		case HR_OP_CALL:
			hr_guarded_call(q.call, a, q.nargs,
			    nfds > 0 ? fds[0] : -1, &rep, &bytes);
			if (nfds > 0)
				close(fds[0]);
			break;
		case HR_OP_FORK:
			if (nfds != 2)
				_exit(1);
			hr_do_fork(fds, &rep);
			break;
		case HR_OP_THREAD:
			if (nfds != 1)
				_exit(1);
			hr_register(fds[0]);
			rc = pthread_create(&t, NULL, hr_serve,
			    (void *)(intptr_t)fds[0]);
			if (rc != 0)
				rep.error = rc;
			else
				pthread_detach(t);
			break;
		case HR_OP_EXIT:
			hr_reply(ctl, &rep, NULL);
			_exit(0);
		case HR_OP_HANG:
			for (;;)
				pause();
		default:
			_exit(1);
		}
		hr_reply(ctl, &rep, bytes);
		free(bytes);
		for (i = 0; i < HR_MAX_ARGS; i++)
			free(sbuf[i]);
	}
	return (NULL);
}

/* A spawned child: sockets moved up, the rest closed, credentials. */
static void
hr_child_main(int ctl, int mbox, const struct hr_cred *cr)
{
	struct sigaction sa;
	struct hr_rep hello;
	struct rlimit rl;
	int fd, max = 65536;

	ctl = hr_fd_high(ctl);
	mbox = hr_fd_high(mbox);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (fd = 0; fd < max; fd++)
		if (fd != ctl && fd != mbox)
			close(fd);
	hr_child.nctls = 0;
	hr_child.ctls[hr_child.nctls++] = ctl;
	hr_child.mbox = mbox;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hr_fault;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	memset(&hello, 0, sizeof(hello));
	if (cr != NULL && cr->set) {
		if (setgroups((size_t)cr->ngroups, cr->groups) != 0 ||
		    setresgid(cr->gid, cr->gid, cr->gid) != 0 ||
		    setresuid(cr->uid, cr->uid, cr->uid) != 0)
			hello.error = errno;
	}
	if (cr != NULL)
		umask(cr->umask);
	hello.ret = getpid();
	hr_reply(ctl, &hello, NULL);
	if (hello.error != 0)
		_exit(1);
	(void)hr_serve((void *)(intptr_t)ctl);
	_exit(0);
}

/* ------------------------------------------------------------ runner */

void
hr_init(struct hr_run *hr, int timeout)
{
	memset(hr, 0, sizeof(*hr));
	hr->timeout = timeout < 1 ? 1 : timeout;
#ifdef __linux__
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
#ifdef __FreeBSD__
	(void)procctl(P_PID, getpid(), PROC_REAP_ACQUIRE, NULL);
#endif
	signal(SIGPIPE, SIG_IGN);
}

static void
hr_broken(struct hr_result *res, const char *what)
{
	res->status = HR_BROKEN;
	snprintf(res->why, sizeof(res->why), "%s: %s", what, strerror(errno));
}

/* Reap pid within about ms milliseconds; its wait status or -1. */
static int
hr_reap(pid_t pid, int ms)
{
	int status, i;
	pid_t r;

	for (i = 0; i <= ms; i++) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return (status);
		if (r < 0 && errno != EINTR)
			return (-1);
		if (i < ms) {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
		}
	}
	return (-1);
}

/* Mark slot's process and all its threads dead, closing their sockets. */
static void
hr_bury(struct hr_run *hr, int slot)
{
	int proc = hr->slots[slot].owner >= 0 ? hr->slots[slot].owner : slot;
	int i;

	for (i = 0; i < HR_MAX_SLOTS; i++) {
		struct hr_slot *s = &hr->slots[i];

		if (!s->used || !s->alive || (i != proc && s->owner != proc))
			continue;
		s->alive = 0;
		s->busy = 0;
		if (s->ctl >= 0)
			close(s->ctl);
		s->ctl = -1;
		if (s->mbox >= 0)
			close(s->mbox);
		s->mbox = -1;
	}
}

/* The process is gone (EOF) or must go (timeout): say how, reap it. */
static void
hr_dead(struct hr_run *hr, int slot, int timeout, struct hr_result *res)
{
	pid_t pid = hr->slots[slot].pid;
	int status;

	if (timeout) {
		kill(pid, SIGKILL);
		res->status = HR_TIMEOUT;
		snprintf(res->why, sizeof(res->why),
		    "no answer in %d s: killed", hr->timeout);
	} else
		res->status = HR_DIED;
	status = hr_reap(pid, 2000);
	if (!timeout) {
		if (status == -1)
			snprintf(res->why, sizeof(res->why),
			    "the process died");
		else if (WIFSIGNALED(status)) {
			res->sig = WTERMSIG(status);
			snprintf(res->why, sizeof(res->why),
			    "the process died of signal %d (%s)", res->sig,
			    strsignal(res->sig));
		} else {
			res->ret = WEXITSTATUS(status);
			snprintf(res->why, sizeof(res->why),
			    "the process exited with status %d",
			    WEXITSTATUS(status));
		}
	}
	hr_bury(hr, slot);
}

/* Wait up to the timeout for slot's socket to be readable: 0, or -1. */
static int
hr_wait(struct hr_run *hr, int slot)
{
	struct pollfd pfd;
	int r;

	pfd.fd = hr->slots[slot].ctl;
	pfd.events = POLLIN;
	do
		r = poll(&pfd, 1, hr->timeout * 1000);
	while (r < 0 && errno == EINTR);
	return (r == 1 ? 0 : -1);
}

/* Read one answer from slot (after hr_wait); fills res. */
static void
hr_read_reply(struct hr_run *hr, int slot, struct hr_result *res)
{
	struct hr_rep rep;
	int rc;

	rc = hr_recvall(hr->slots[slot].ctl, &rep, sizeof(rep), NULL, 0, NULL);
	if (rc != 0) {
		hr_dead(hr, slot, 0, res);
		return;
	}
	res->status = (enum hr_status)rep.status;
	res->error = rep.error;
	res->sig = rep.sig;
	res->ret = rep.ret;
	res->has_stat = rep.has_stat;
	res->st = rep.st;
	res->has_bytes = rep.has_bytes;
	memcpy(res->why, rep.why, sizeof(res->why));
	res->why[sizeof(res->why) - 1] = '\0';
	if (rep.nbytes > HR_MAX_BYTES) {
		hr_dead(hr, slot, 1, res);
		return;
	}
	if (rep.nbytes > 0 || rep.has_bytes) {
		res->bytes = calloc((size_t)rep.nbytes + 1, 1);
		if (res->bytes == NULL ||
		    hr_recvall(hr->slots[slot].ctl, res->bytes,
			(size_t)rep.nbytes, NULL, 0, NULL) != 0) {
			hr_dead(hr, slot, 0, res);
			return;
		}
		res->nbytes = (size_t)rep.nbytes;
	}
}

/* A new slot's sockets: pair[0] the runner's, pair[1] the child's. */
static int
hr_pairs(int ctl[2], int box[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0)
		return (-1);
	if (box != NULL &&
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, box) != 0) {
		close(ctl[0]);
		close(ctl[1]);
		return (-1);
	}
	return (0);
}

static void
hr_slot_init(struct hr_run *hr, int slot, int owner, pid_t pid, int ctl,
    int mbox)
{
	struct hr_slot *s = &hr->slots[slot];

	s->used = 1;
	s->alive = 1;
	s->owner = owner;
	s->pid = pid;
	s->ctl = ctl;
	s->mbox = mbox;
	s->busy = 0;
	if (pid > 0 && owner < 0 && hr->on_pid != NULL)
		hr->on_pid(hr->arg, pid);
}

/* Read a hello (the new process's pid) from a new socket. */
static int
hr_hello(struct hr_run *hr, int slot, struct hr_result *res)
{
	memset(res, 0, sizeof(*res));
	if (hr_wait(hr, slot) != 0) {
		hr_dead(hr, slot, 1, res);
		return (ETIMEDOUT);
	}
	hr_read_reply(hr, slot, res);
	if (res->status != HR_DONE)
		return (ECHILD);
	if (res->error != 0) {
		snprintf(res->why, sizeof(res->why),
		    "setting its credentials failed: %s", strerror(res->error));
		(void)hr_reap(hr->slots[slot].pid, 2000);
		hr_bury(hr, slot);
		return (res->error);
	}
	return (0);
}

int
hr_spawn(struct hr_run *hr, int slot, const struct hr_cred *cr,
    struct hr_result *res)
{
	int ctl[2], box[2];
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (slot < 0 || slot >= HR_MAX_SLOTS) {
		errno = EINVAL;
		hr_broken(res, "spawn");
		return (EINVAL);
	}
	if (cr != NULL && cr->set && geteuid() != 0) {
		snprintf(res->why, sizeof(res->why),
		    "setting uid and gid needs root");
		return (EPERM);
	}
	if (hr_pairs(ctl, box) != 0) {
		hr_broken(res, "socketpair");
		return (errno);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		hr_broken(res, "fork");
		close(ctl[0]);
		close(ctl[1]);
		close(box[0]);
		close(box[1]);
		return (EAGAIN);
	}
	if (pid == 0)
		hr_child_main(ctl[1], box[1], cr);
	close(ctl[1]);
	close(box[1]);
	hr_slot_init(hr, slot, -1, pid, ctl[0], box[0]);
	return (hr_hello(hr, slot, res));
}

/* Send a request header and its strings, with fds. */
static int
hr_request(struct hr_run *hr, int slot, int op, int call,
    const struct hr_arg *args, int nargs, const int *fds, int nfds)
{
	struct hr_req q;
	int i, s = hr->slots[slot].ctl;

	memset(&q, 0, sizeof(q));
	q.op = op;
	q.call = call;
	q.nargs = nargs;
	q.nfds = nfds;
	for (i = 0; i < nargs; i++) {
		q.is_str[i] = args[i].is_str != 0;
		q.ival[i] = args[i].i;
		q.slen[i] = args[i].is_str ? (uint32_t)args[i].len : 0;
	}
	if (hr_sendall(s, &q, sizeof(q), fds, nfds) != 0)
		return (-1);
	for (i = 0; i < nargs; i++)
		if (args[i].is_str && args[i].len > 0 &&
		    hr_sendall(s, args[i].s, args[i].len, NULL, 0) != 0)
			return (-1);
	return (0);
}

int
hr_fork(struct hr_run *hr, int parent, int child, struct hr_result *res)
{
	int ctl[2], box[2], fds[2];

	memset(res, 0, sizeof(*res));
	if (hr_pairs(ctl, box) != 0) {
		hr_broken(res, "socketpair");
		return (errno);
	}
	fds[0] = ctl[1];
	fds[1] = box[1];
	if (hr_request(hr, parent, HR_OP_FORK, 0, NULL, 0, fds, 2) != 0) {
		close(ctl[0]);
		close(ctl[1]);
		close(box[0]);
		close(box[1]);
		hr_dead(hr, parent, 0, res);
		return (ECHILD);
	}
	close(ctl[1]);
	close(box[1]);
	hr->slots[parent].busy = 1;
	hr_recv(hr, parent, res);
	if (res->status != HR_DONE || res->error != 0) {
		close(ctl[0]);
		close(box[0]);
		return (res->status != HR_DONE ? ECHILD : res->error);
	}
	/* Its pid comes in its hello. */
	hr_slot_init(hr, child, -1, 0, ctl[0], box[0]);
	if (hr_wait(hr, child) != 0) {
		res->status = HR_TIMEOUT;
		hr_bury(hr, child);
		return (ETIMEDOUT);
	}
	hr_read_reply(hr, child, res);
	if (res->status != HR_DONE)
		return (ECHILD);
	hr->slots[child].pid = (pid_t)res->ret;
	if (hr->on_pid != NULL)
		hr->on_pid(hr->arg, hr->slots[child].pid);
	return (0);
}

int
hr_thread(struct hr_run *hr, int owner, int t, struct hr_result *res)
{
	int ctl[2],
	    proc = hr->slots[owner].owner >= 0 ? hr->slots[owner].owner : owner;

	memset(res, 0, sizeof(*res));
	if (hr_pairs(ctl, NULL) != 0) {
		hr_broken(res, "socketpair");
		return (errno);
	}
	if (hr_request(hr, owner, HR_OP_THREAD, 0, NULL, 0, &ctl[1], 1) != 0) {
		close(ctl[0]);
		close(ctl[1]);
		hr_dead(hr, owner, 0, res);
		return (ECHILD);
	}
	close(ctl[1]);
	hr->slots[owner].busy = 1;
	hr_recv(hr, owner, res);
	if (res->status != HR_DONE || res->error != 0) {
		close(ctl[0]);
		return (res->status != HR_DONE ? ECHILD : res->error);
	}
	hr_slot_init(hr, t, proc, hr->slots[proc].pid, ctl[0], -1);
	return (0);
}

void
hr_exit(struct hr_run *hr, int slot, struct hr_result *res)
{
	int proc = hr->slots[slot].owner >= 0 ? hr->slots[slot].owner : slot;
	int status;

	memset(res, 0, sizeof(*res));
	if (hr_request(hr, slot, HR_OP_EXIT, 0, NULL, 0, NULL, 0) == 0) {
		hr->slots[slot].busy = 1;
		hr_recv(hr, slot, res);
		if (res->status != HR_DONE)
			return;
	}
	status = hr_reap(hr->slots[proc].pid, hr->timeout * 1000);
	if (status == -1) {
		kill(hr->slots[proc].pid, SIGKILL);
		(void)hr_reap(hr->slots[proc].pid, 2000);
	}
	res->status = HR_DONE;
	hr_bury(hr, slot);
}

int
hr_send(struct hr_run *hr, int slot, int call, const struct hr_arg *args,
    int nargs, int to_slot, struct hr_result *res)
{
	int fd = to_slot >= 0 ? hr->slots[to_slot].mbox : -1;

	memset(res, 0, sizeof(*res));
	if (!hr->slots[slot].alive) {
		res->status = HR_DIED;
		snprintf(res->why, sizeof(res->why), "the process is dead");
		return (-1);
	}
	if (call == HR_SENDFD && fd < 0) {
		res->status = HR_BROKEN;
		snprintf(res->why, sizeof(res->why),
		    "the receiving process is gone");
		return (-1);
	}
	if (hr_request(hr, slot, HR_OP_CALL, call, args, nargs, &fd,
		fd >= 0 ? 1 : 0) != 0) {
		hr_dead(hr, slot, 0, res);
		return (-1);
	}
	hr->slots[slot].busy = 1;
	return (0);
}

void
hr_hang(struct hr_run *hr, int slot, struct hr_result *res)
{
	memset(res, 0, sizeof(*res));
	if (hr_request(hr, slot, HR_OP_HANG, 0, NULL, 0, NULL, 0) != 0) {
		hr_dead(hr, slot, 0, res);
		return;
	}
	hr->slots[slot].busy = 1;
	hr_recv(hr, slot, res);
}

void
hr_recv(struct hr_run *hr, int slot, struct hr_result *res)
{
	memset(res, 0, sizeof(*res));
	if (!hr->slots[slot].alive) {
		res->status = HR_DIED;
		snprintf(res->why, sizeof(res->why), "the process is dead");
		return;
	}
	if (hr_wait(hr, slot) != 0) {
		hr_dead(hr, slot, 1, res);
		return;
	}
	hr->slots[slot].busy = 0;
	hr_read_reply(hr, slot, res);
}

void
hr_call(struct hr_run *hr, int slot, int call, const struct hr_arg *args,
    int nargs, int to_slot, struct hr_result *res)
{
	if (hr_send(hr, slot, call, args, nargs, to_slot, res) == 0)
		hr_recv(hr, slot, res);
}

int
hr_wait_any(struct hr_run *hr, const int *slots, int n)
{
	struct pollfd pfd[HR_MAX_SLOTS];
	int i, r;

	if (n <= 0 || n > HR_MAX_SLOTS)
		return (-1);
	for (i = 0; i < n; i++) {
		pfd[i].fd =
		    hr->slots[slots[i]].alive ? hr->slots[slots[i]].ctl : -1;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
		if (pfd[i].fd < 0)
			return (i); /* dead: hr_recv says so at once */
	}
	do
		r = poll(pfd, (nfds_t)n, hr->timeout * 1000);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return (-1); /* none answered in time */
	for (i = 0; i < n; i++)
		if (pfd[i].revents != 0)
			return (i);
	return (0);
}

void
hr_kill(struct hr_run *hr, int slot, struct hr_result *res)
{
	memset(res, 0, sizeof(*res));
	if (hr->slots[slot].alive)
		hr_dead(hr, slot, 1, res);
	else {
		res->status = HR_DIED;
		snprintf(res->why, sizeof(res->why), "the process is dead");
	}
}

void
hr_finish(struct hr_run *hr)
{
	int i;

	for (i = 0; i < HR_MAX_SLOTS; i++) {
		struct hr_slot *s = &hr->slots[i];

		if (!s->used || !s->alive || s->owner >= 0)
			continue;
		kill(s->pid, SIGKILL);
		(void)hr_reap(s->pid, 2000);
		hr_bury(hr, i);
	}
	for (i = 0; i < HR_MAX_SLOTS; i++)
		hr->slots[i].used = 0;
}

void
hr_host_name(char *buf, size_t len)
{
	struct utsname u;

	if (uname(&u) == 0)
		snprintf(buf, len, "%s %s", u.sysname, u.release);
	else
		snprintf(buf, len, "unknown");
}
