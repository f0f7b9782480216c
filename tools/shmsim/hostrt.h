/*
 * The host runtime: scenario processes as real processes of the machine
 * the program runs on, each driven over a socket, call by call.  Used by
 * `shmsim run --host` (host.c) and, copied verbatim, by the C programs
 * `shmsim export --atf` writes (atf.c), so it depends on nothing but
 * libc and POSIX: no shmsim header.
 *
 * Arguments and results use the scenario language's values, which are
 * FreeBSD's (amd64) constants; the child translates them to the host's
 * and back (identity on FreeBSD).  A call the host lacks is answered
 * HR_UNSUPPORTED with a reason.  FreeBSD-only calls (shm_open2,
 * shm_rename, fspacectl, SHM_ANON, the large-page ioctls) are compiled
 * only on FreeBSD, one direct call each, and are untested on Linux.
 */
#ifndef SHMSIM_HOSTRT_H
#define SHMSIM_HOSTRT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HR_MAX_SLOTS 64	 /* processes and threads of one scenario */
#define HR_MAX_ARGS 8	 /* arguments of one call */
#define HR_MAX_GROUPS 16 /* supplementary groups of a spawn */
#define HR_MAX_BYTES (64 * 1024 * 1024)

/* The calls, in the order of the scenario language's table. */
enum hr_call {
	HR_SHM_OPEN,
	HR_SHM_OPEN2,
	HR_SHM_UNLINK,
	HR_SHM_RENAME,
	HR_MEMFD_CREATE,
	HR_FTRUNCATE,
	HR_FSTAT,
	HR_READ,
	HR_PREAD,
	HR_WRITE,
	HR_PWRITE,
	HR_LSEEK,
	HR_CLOSE,
	HR_DUP,
	HR_DUP2,
	HR_FCNTL,
	HR_FCHMOD,
	HR_FCHOWN,
	HR_POSIX_FALLOCATE,
	HR_FSPACECTL,
	HR_IOCTL,
	HR_UMASK,
	HR_MMAP,
	HR_MUNMAP,
	HR_MPROTECT,
	HR_LOAD,
	HR_STORE,
	HR_SENDFD,
	HR_RECVFD,
	HR_NCALLS
};

/* The call named name, or -1. */
int hr_call_lookup(const char *name);

/*
 * One argument: an integer, or bytes (a string).  A pointer argument
 * that is not a string is an integer: 0 NULL, 1 SHM_ANON, any other
 * value that address (BADPTR).
 */
struct hr_arg {
	int is_str;
	int64_t i;
	const char *s;
	size_t len;
};

struct hr_stat {
	int64_t size;
	uint32_t mode;
	uint64_t nlink;
	uint32_t uid, gid;
	int64_t blocks;
	int32_t blksize;
};

/* What a call answered. */
enum hr_status {
	HR_DONE,	/* the call ran: error, sig, ret, bytes, stat */
	HR_UNSUPPORTED, /* the host lacks it: why */
	HR_DIED,	/* the process died: sig (0: exit status in ret) */
	HR_TIMEOUT,	/* no answer in time: the process was killed */
	HR_BROKEN,	/* the runtime itself failed: why */
};

struct hr_result {
	enum hr_status status;
	int error;   /* errno, 0 on success */
	int sig;     /* SIGSEGV or SIGBUS caught in load or store */
	int64_t ret; /* the return value (F_GETFL: FreeBSD's flags) */
	int has_stat;
	struct hr_stat st;
	unsigned char *bytes; /* read, pread, load: malloc'ed; caller frees */
	size_t nbytes;
	int has_bytes;
	char why[160];
};

struct hr_cred {
	int set; /* 0: the runner's own credentials */
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[HR_MAX_GROUPS];
	mode_t umask;
};

struct hr_slot {
	int used;
	int alive;
	int owner; /* a thread: the slot of its process; -1 */
	pid_t pid; /* the process (a thread: its process's) */
	int ctl;   /* the socket to the serving thread */
	int mbox;  /* a process: the send end of its descriptor box */
	int busy;  /* a request is out (hr_send without hr_recv) */
};

struct hr_run {
	struct hr_slot slots[HR_MAX_SLOTS];
	int timeout; /* seconds to wait for an answer */
	/* Called with every pid the runtime creates (may be NULL). */
	void (*on_pid)(void *arg, pid_t pid);
	void *arg;
};

/* Begin: no slots; timeout in seconds (at least 1). */
void hr_init(struct hr_run *hr, int timeout);
/*
 * New processes: spawn in slot (credentials cr, NULL: the runner's), fork
 * of slot parent into slot child, a new thread of slot owner in slot t.
 * 0, or an errno (EPERM: credentials need root) with res->why set.
 */
int hr_spawn(struct hr_run *hr, int slot, const struct hr_cred *cr,
    struct hr_result *res);
int hr_fork(struct hr_run *hr, int parent, int child, struct hr_result *res);
int hr_thread(struct hr_run *hr, int owner, int t, struct hr_result *res);
/* exit(2) of slot's process (and its threads): res->status HR_DONE. */
void hr_exit(struct hr_run *hr, int slot, struct hr_result *res);
/*
 * A call: hr_send() sends it (to_slot: sendfd's receiver), hr_recv()
 * waits for the answer; hr_call() is both.  hr_wait_any() waits until one
 * of n busy slots has answered and gives its index in slots (a dead
 * one at once), or -1 when none answered within the timeout.
 */
int hr_send(struct hr_run *hr, int slot, int call, const struct hr_arg *args,
    int nargs, int to_slot, struct hr_result *res);
void hr_recv(struct hr_run *hr, int slot, struct hr_result *res);
void hr_call(struct hr_run *hr, int slot, int call, const struct hr_arg *args,
    int nargs, int to_slot, struct hr_result *res);
int hr_wait_any(struct hr_run *hr, const int *slots, int n);
/* For the tests of the timeout: ask slot for an answer it never gives. */
void hr_hang(struct hr_run *hr, int slot, struct hr_result *res);
/* hr_wait_any() returned -1 (nobody answered in time): kill slot's
 * process, res->status HR_TIMEOUT. */
void hr_kill(struct hr_run *hr, int slot, struct hr_result *res);
/* Kill and reap every process still alive, close everything. */
void hr_finish(struct hr_run *hr);
/* The host's name, as "Linux 6.1.0" (uname). */
void hr_host_name(char *buf, size_t len);

#endif /* SHMSIM_HOSTRT_H */
