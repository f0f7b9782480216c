/*
 * shmsim: a userspace reference model of FreeBSD's POSIX shared memory
 * file descriptors (sys/kern/uipc_shm.c and the parts of kern_descrip.c,
 * vm_object.c and swap_pager.c that they rest on).
 *
 * This is the one public header.  Every structure behind a handle is
 * opaque; tests that need to look inside include the src/ *_var.h headers.
 *
 * RETURN CONVENTION (for every function below that returns int, unless its
 * comment says otherwise):
 *
 *	0 on success, or a positive errno value -- the value the kernel would
 *	have stored in errno -- on failure.  Results travel through the
 *	trailing out-pointer, exactly as the kernel returns td_retval[0];
 *	out-pointers may be NULL when the caller does not want the result.
 *	On failure no out-pointer is written and the simulated state is as
 *	it was before the call (the exceptions are documented per call and
 *	are those of the kernel itself, e.g. F_SETFL in profile 2008).
 *
 * errno values are the host's <errno.h> values (ENOENT, EACCES, ...), so
 * strerror() and the usual names work; shmsim_errno_name() names them.
 * Flag and command constants carry FreeBSD's amd64 numeric values under a
 * SHMSIM_ prefix, because they differ from the host's.
 *
 * THREADS: every call may be made concurrently from any number of host
 * threads on one kernel.  A process handle stays valid until shmsim_exit()
 * returns; using it during or after exit is a caller bug.
 */
#ifndef SHMSIM_H
#define SHMSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHMSIM_EXTERN extern __attribute__((__visibility__("default")))

/*
 * The library's version (Semantic Versioning; CHANGELOG.md).  The macros
 * say which header a program was compiled with; shmsim_version() says
 * which library it runs with.
 */
#define SHMSIM_VERSION_MAJOR 0
#define SHMSIM_VERSION_MINOR 2
#define SHMSIM_VERSION_PATCH 0
#define SHMSIM_VERSION "0.2.0"

/* The version of the library linked in, as "MAJOR.MINOR.PATCH". */
SHMSIM_EXTERN const char *shmsim_version(void);

/* Opaque handles. */
struct shmsim_kernel;
struct shmsim_proc;
struct shmsim_jail;

/* ---------------------------------------------------------------- */
/* Constants (FreeBSD amd64 values)                                 */
/* ---------------------------------------------------------------- */

#define SHMSIM_O_RDONLY 0x0000
#define SHMSIM_O_WRONLY 0x0001
#define SHMSIM_O_RDWR 0x0002
#define SHMSIM_O_ACCMODE 0x0003
#define SHMSIM_O_NONBLOCK 0x0004
#define SHMSIM_O_APPEND 0x0008
#define SHMSIM_O_SHLOCK 0x0010
#define SHMSIM_O_EXLOCK 0x0020
#define SHMSIM_O_ASYNC 0x0040
#define SHMSIM_O_FSYNC 0x0080
#define SHMSIM_O_SYNC 0x0080
#define SHMSIM_O_NOFOLLOW 0x0100
#define SHMSIM_O_CREAT 0x0200
#define SHMSIM_O_TRUNC 0x0400
#define SHMSIM_O_EXCL 0x0800
#define SHMSIM_O_NOCTTY 0x8000
#define SHMSIM_O_DIRECT 0x00010000
#define SHMSIM_O_DIRECTORY 0x00020000
#define SHMSIM_O_EXEC 0x00040000
#define SHMSIM_O_CLOEXEC 0x00100000
#define SHMSIM_O_DSYNC 0x01000000
#define SHMSIM_O_CLOFORK 0x08000000

/* shm_open(2): the anonymous "path". */
#define SHMSIM_SHM_ANON ((const char *)1)
/*
 * A user address that is not mapped in the caller: a path given as
 * SHMSIM_BADPTR fails with EFAULT wherever the kernel's copyin would.
 * (NULL is unmapped too.)
 */
#define SHMSIM_BADPTR ((const char *)(uintptr_t)0xbad0bad0UL)

/* fcntl(2) commands and descriptor flags. */
#define SHMSIM_F_DUPFD 0
#define SHMSIM_F_GETFD 1
#define SHMSIM_F_SETFD 2
#define SHMSIM_F_GETFL 3
#define SHMSIM_F_SETFL 4
#define SHMSIM_F_DUP2FD 10
#define SHMSIM_F_DUPFD_CLOEXEC 17
#define SHMSIM_F_DUP2FD_CLOEXEC 18
#define SHMSIM_F_ADD_SEALS 19
#define SHMSIM_F_GET_SEALS 20
#define SHMSIM_F_DUPFD_CLOFORK 23 /* POSIX.1-2024; today only */
#define SHMSIM_F_DUP3FD 24	  /* dup3(3): | fd flags << F_DUP3FD_SHIFT */
#define SHMSIM_F_DUP3FD_SHIFT 16
#define SHMSIM_FD_CLOEXEC 1
#define SHMSIM_FD_CLOFORK 4 /* POSIX.1-2024; today only */

/* shm_open2(2) shmflags, shm_rename(2) flags, memfd_create(3) flags. */
#define SHMSIM_SHM_ALLOW_SEALING 0x00000001
#define SHMSIM_SHM_GROW_ON_WRITE 0x00000002
#define SHMSIM_SHM_LARGEPAGE 0x00000004
#define SHMSIM_SHM_RENAME_NOREPLACE 0x1
#define SHMSIM_SHM_RENAME_EXCHANGE 0x2
#define SHMSIM_MFD_CLOEXEC 0x00000001U
#define SHMSIM_MFD_ALLOW_SEALING 0x00000002U
#define SHMSIM_MFD_HUGETLB 0x00000004U
#define SHMSIM_MFD_HUGE_MASK 0xFC000000U

/* File seals (fcntl F_ADD_SEALS / F_GET_SEALS). */
#define SHMSIM_F_SEAL_SEAL 0x0001
#define SHMSIM_F_SEAL_SHRINK 0x0002
#define SHMSIM_F_SEAL_GROW 0x0004
#define SHMSIM_F_SEAL_WRITE 0x0008

/* Large-page allocation policies (FIOSSHMLPGCNF). */
#define SHMSIM_SHM_LARGEPAGE_ALLOC_DEFAULT 0
#define SHMSIM_SHM_LARGEPAGE_ALLOC_NOWAIT 1
#define SHMSIM_SHM_LARGEPAGE_ALLOC_HARD 2

/* fspacectl(2) and ioctl(2). */
#define SHMSIM_SPACECTL_DEALLOC 1
#define SHMSIM_FIONBIO 0x8004667eUL
#define SHMSIM_FIOASYNC 0x8004667dUL
#define SHMSIM_FIONREAD 0x4004667fUL
#define SHMSIM_FIOCLEX 0x20006601UL
#define SHMSIM_FIONCLEX 0x20006602UL
/* _IOW('f', 100, struct shm_largepage_conf), _IOR('f', 101, ...) */
#define SHMSIM_FIOSSHMLPGCNF 0x80306664UL
#define SHMSIM_FIOGSHMLPGCNF 0x40306665UL

/* lseek(2). */
#define SHMSIM_SEEK_SET 0
#define SHMSIM_SEEK_CUR 1
#define SHMSIM_SEEK_END 2
#define SHMSIM_SEEK_DATA 3
#define SHMSIM_SEEK_HOLE 4

/* mmap(2), mprotect(2): protections and flags. */
#define SHMSIM_PROT_NONE 0x00
#define SHMSIM_PROT_READ 0x01
#define SHMSIM_PROT_WRITE 0x02
#define SHMSIM_PROT_EXEC 0x04
#define SHMSIM_PROT_MAX(prot) ((prot) << 16) /* maximum protection */
#define SHMSIM_MAP_SHARED 0x0001
#define SHMSIM_MAP_PRIVATE 0x0002
#define SHMSIM_MAP_FIXED 0x0010
#define SHMSIM_MAP_NOSYNC 0x0800
#define SHMSIM_MAP_ANON 0x1000
#define SHMSIM_MAP_EXCL 0x4000
#define SHMSIM_MAP_NOCORE 0x00020000
#define SHMSIM_MAP_32BIT 0x00080000 /* amd64: below 2 GiB (EOPNOTSUPP here) */
#define SHMSIM_MAP_ALIGNED(n) ((int)((unsigned)(n) << 24)) /* 2^n bytes */
#define SHMSIM_MAP_ALIGNED_SUPER SHMSIM_MAP_ALIGNED(1)
/* Where mappings without MAP_FIXED go: first fit from here, page aligned
 * (the end of the largest possible heap; the model has no ASLR). */
#define SHMSIM_MMAP_BASE UINT64_C(0x800000000)

/* st_mode file type bits as FreeBSD reports them. */
#define SHMSIM_S_IFMT 0170000
#define SHMSIM_S_IFREG 0100000

/* Profiles: which FreeBSD the kernel instance behaves as. */
enum shmsim_profile {
	SHMSIM_PROFILE_CURRENT = 0, /* today's FreeBSD main */
	SHMSIM_PROFILE_2008 = 1,    /* the January 2008 original */
};

/* ---------------------------------------------------------------- */
/* Kernel instances                                                 */
/* ---------------------------------------------------------------- */

#define SHMSIM_MAXPAGESIZES 3 /* amd64's MAXPAGESIZES */

/*
 * How many host threads may drive a kernel.  MULTI (the default): any
 * number at once; locks and reference counts are atomic.  SINGLE: one
 * host thread only (the explorer's simulated threads are fibers on one
 * host thread and count as one); locks and reference counts use plain
 * loads and stores, with the same lock-order checks, scheduling points
 * and assertions, several times cheaper.  With INVARIANTS a second host
 * thread entering a SINGLE kernel panics.
 */
enum shmsim_threads {
	SHMSIM_THREADS_MULTI = 0,
	SHMSIM_THREADS_SINGLE = 1,
};

/*
 * Host memory that kernels created one after another share: a kernel
 * whose config names a cache takes its malloc(9) blocks and pages from
 * it, and they return to it, for the next kernel, when the kernel is
 * destroyed -- not before, so that AddressSanitizer and memcheck still
 * report a use after free within the kernel's life.  For a fuzzer or a
 * test suite that makes a kernel per input: under ASan it saves a
 * quarter of fuzz_syscalls' run.  One kernel at a time, on one host
 * thread (threads=single): shmsim_kernel_create() returns EINVAL for a
 * multi kernel and EBUSY while another kernel uses the cache.
 * shmsim_hostmem_destroy() returns EBUSY while a kernel uses it; NULL is
 * ignored.
 */
struct shmsim_hostmem;
SHMSIM_EXTERN int shmsim_hostmem_create(struct shmsim_hostmem **hmp);
SHMSIM_EXTERN int shmsim_hostmem_destroy(struct shmsim_hostmem *hm);

struct shmsim_config {
	enum shmsim_profile profile;
	uint32_t page_size;    /* power of two, 512 .. 1 MiB; default 4096 */
	uint32_t hash_buckets; /* dictionary size as hashinit() picks it:
				  the largest power of two <= this; 1024 */
	int max_files;	       /* kern.maxfiles: ENFILE; default 8192 */
	int max_fds;	       /* RLIMIT_NOFILE per process: EMFILE; 1024 */
	uint64_t swap_pages;   /* simulated swap slots (and the swap
				  reservation limit); default 65536 */
	uint64_t mem_pages;    /* resident page budget; past it the
				  simulated pagedaemon swaps pages out;
				  0 = unlimited (default) */
	uint64_t page_sizes[SHMSIM_MAXPAGESIZES];
	/* pagesizes[]: [0] is page_size (0 here
	   means page_size); [1], [2] large page
	   sizes, 0 = none.  Default: no large pages,
	   so SHM_LARGEPAGE is ENOTTY as on a pmap
	   without them; amd64 is 4K, 2M, 1G. */
	enum shmsim_threads threads;	/* default SHMSIM_THREADS_MULTI */
	struct shmsim_hostmem *hostmem; /* NULL (default): host blocks from
					   malloc(3); else this cache's
					   (threads=single only) */
};

/* Fill *cfg with the defaults named above. */
SHMSIM_EXTERN void shmsim_config_init(struct shmsim_config *cfg);

/*
 * Create a kernel from *cfg (NULL: defaults).  EINVAL for a bad config.
 * Creating and destroying an idle kernel costs microseconds.
 */
SHMSIM_EXTERN int shmsim_kernel_create(const struct shmsim_config *cfg,
    struct shmsim_kernel **kp);

/*
 * Destroy a kernel and everything it owns.  It first exits every process
 * still alive and removes every name still in the dictionary, then checks
 * that nothing is left (file, shmfd, vm object, resident page, swap slot,
 * swap reservation).  Anything left is a leak: it is described, one line
 * each, in report (if not NULL; truncated to reportlen), and freed anyway.
 * Returns the number of leaks found (0 when clean).
 */
SHMSIM_EXTERN int shmsim_kernel_destroy(struct shmsim_kernel *k, char *report,
    size_t reportlen);

SHMSIM_EXTERN const struct shmsim_config *shmsim_kernel_config(
    const struct shmsim_kernel *k);

/* Global counts, as the scenario language's "state" reports them. */
struct shmsim_counters {
	uint64_t objects;	/* live vm objects */
	uint64_t shm;		/* live shmfds */
	uint64_t names;		/* dictionary entries */
	uint64_t files;		/* open file structures */
	uint64_t pages;		/* resident pages */
	uint64_t swapped;	/* pages on simulated swap (slots in use) */
	uint64_t inflight;	/* descriptors sent and not yet received */
	uint64_t procs;		/* live processes */
	uint64_t swap_reserved; /* bytes of swap reserved (charged) */
};
SHMSIM_EXTERN void shmsim_counters(struct shmsim_kernel *k,
    struct shmsim_counters *c);

/*
 * malloc(9) accounting, as `vmstat -m` shows it: for each malloc type
 * (every kernel structure is allocated under one), the blocks and bytes
 * in use and the allocations ever made.  Fills up to n entries, in a
 * fixed order, and returns the number of types.  shmsim_kernel_destroy()
 * reports every type not back to zero as a leak.
 */
struct shmsim_malloc_stat {
	const char *type;  /* the vmstat -m name: "shmfd", "file", ... */
	uint64_t inuse;	   /* blocks allocated and not freed */
	uint64_t memuse;   /* their bytes */
	uint64_t requests; /* allocations ever made */
};
SHMSIM_EXTERN size_t shmsim_malloc_stats(struct shmsim_kernel *k,
    struct shmsim_malloc_stat *st, size_t n);

/*
 * The auditor.  Without changing anything, recomputes every reference
 * count from the references that exist and checks the invariants listed
 * in docs/ARCHITECTURE.md ("The auditor").  Each violation is described
 * in words, one line each, in report (may be NULL).  Returns the number of
 * violations (0 when clean).  Call it when no other thread is inside the
 * kernel: transient holds would otherwise show as violations.
 */
SHMSIM_EXTERN int shmsim_audit(struct shmsim_kernel *k, char *report,
    size_t reportlen);

/*
 * The simulated pagedaemon: move up to n resident pages of shm objects
 * (all of them for n == 0) to simulated swap, in object-creation then
 * page-index order.  *moved gets the count.  Stops early, without error,
 * when swap is full.
 */
SHMSIM_EXTERN int shmsim_pageout(struct shmsim_kernel *k, uint64_t n,
    uint64_t *moved);

/*
 * Model-only: remove every name from the dictionary, without permission
 * checks, as a scenario's final clean-up (and kernel destruction) do.
 */
SHMSIM_EXTERN void shmsim_unlink_all(struct shmsim_kernel *k);

/* ---------------------------------------------------------------- */
/* Fault injection (model-only)                                     */
/* ---------------------------------------------------------------- */

enum shmsim_fault_site {
	SHMSIM_FAULT_SWAP_RESERVE = 0, /* swap_reserve_by_cred(): ENOMEM */
	SHMSIM_FAULT_PAGE_ALLOC = 1,   /* vm_page_alloc(): the caller's
					  errno (ENOMEM / EIO) */
	SHMSIM_FAULT_COPYIN = 2,       /* copyin of a user path: EFAULT */
	SHMSIM_FAULT_OBJ_ALLOC = 3,    /* vm_pager_allocate() in shm_alloc():
					  ENOMEM (profile current only) */
	SHMSIM_FAULT_PAGER_IO = 4,     /* swap pager read error: EIO */
	SHMSIM_FAULT_NSITES
};

/*
 * Fail the nth (1-based) hit of site from now on; once, or that hit and
 * every later one when persistent.  nth == 0 disarms the site.  Hits are
 * counted per kernel from kernel creation or the last shmsim_fault_reset().
 */
SHMSIM_EXTERN int shmsim_fault_set(struct shmsim_kernel *k,
    enum shmsim_fault_site site, uint64_t nth, bool persistent);
/* Disarm every site and zero the hit counters. */
SHMSIM_EXTERN void shmsim_fault_reset(struct shmsim_kernel *k);
/* Hits of site so far (failed or not). */
SHMSIM_EXTERN uint64_t shmsim_fault_hits(struct shmsim_kernel *k,
    enum shmsim_fault_site site);
SHMSIM_EXTERN const char *shmsim_fault_site_name(enum shmsim_fault_site s);

/* ---------------------------------------------------------------- */
/* Processes                                                        */
/* ---------------------------------------------------------------- */

#define SHMSIM_NGROUPS 16

struct shmsim_cred {
	uid_t uid; /* effective uid; 0 holds the root privileges */
	gid_t gid; /* effective gid */
	int ngroups;
	gid_t groups[SHMSIM_NGROUPS]; /* supplementary groups */
	mode_t umask;
	struct shmsim_jail *jail; /* NULL: the host */
};

/*
 * Jails (FreeBSD prisons) as shared memory sees them: a jailed process's
 * names are stored behind the jail's root path, so it sees only the
 * names created in its jail; a host process reaches them by the full
 * path.  shmsim_jail_create: EINVAL for a bad name or path (absolute,
 * not "/", no trailing '/'), EEXIST for a name in use.
 * shmsim_jail_remove removes the names created in the jail (today's
 * shm_remove_prison; the 2008 kernel kept them); removing it again is
 * EINVAL; processes inside keep running.  Spawning into a removed jail is
 * ENOENT.  A handle stays valid until the kernel is destroyed.
 */
SHMSIM_EXTERN int shmsim_jail_create(struct shmsim_kernel *k, const char *name,
    const char *path, struct shmsim_jail **jp);
SHMSIM_EXTERN int shmsim_jail_remove(struct shmsim_jail *j);

/* Defaults: uid 0, gid 0, no supplementary groups, umask 022, host. */
SHMSIM_EXTERN void shmsim_cred_init(struct shmsim_cred *cr);

/* New process with an empty descriptor table.  EINVAL for a bad cred. */
SHMSIM_EXTERN int shmsim_spawn(struct shmsim_kernel *k,
    const struct shmsim_cred *cr, struct shmsim_proc **pp);
/*
 * fork(2): the child gets the parent's credentials, umask and a copy of
 * its descriptor table as fdcopy() makes it (every file gains a
 * reference, close-on-exec flags kept), and a copy of its address space
 * (vmspace_fork): MAP_SHARED mappings share the object (a writable one
 * is write-counted once more), MAP_PRIVATE mappings become copy-on-write
 * in both processes.
 */
SHMSIM_EXTERN int shmsim_fork(struct shmsim_proc *parent,
    struct shmsim_proc **childp);
/*
 * exit(2): closes every descriptor, drops every descriptor still queued
 * to the process by shmsim_sendfd(), removes every mapping, and frees
 * the process.
 */
SHMSIM_EXTERN int shmsim_exit(struct shmsim_proc *p);
/* exec(2)'s parts that matter here: fdcloseexec(), and the old address
 * space goes (every mapping is removed). */
SHMSIM_EXTERN int shmsim_exec(struct shmsim_proc *p);
/* umask(2): *oldp gets the previous mask. Never fails. */
SHMSIM_EXTERN int shmsim_umask(struct shmsim_proc *p, mode_t mask,
    mode_t *oldp);
SHMSIM_EXTERN int shmsim_proc_pid(const struct shmsim_proc *p);
/* Model-only: name the process (its p_comm, at most 31 bytes kept); fork
 * copies the name.  Dumps show it. */
SHMSIM_EXTERN void shmsim_proc_setname(struct shmsim_proc *p, const char *name);

/* ---------------------------------------------------------------- */
/* System calls                                                     */
/* ---------------------------------------------------------------- */

/*
 * shm_open(3) as libc builds it.  Profile current: shm_open2(path,
 * flags | O_CLOEXEC, mode, 0, NULL), so the descriptor always has
 * FD_CLOEXEC.  Profile 2008: the original system call (O_CLOEXEC ->
 * EINVAL), which set FD_CLOEXEC itself just after installing the
 * descriptor.  Errors, in the kernel's order: EINVAL (access mode O_WRONLY
 * or 3; unknown flag), EFAULT, ENAMETOOLONG, EINVAL (no leading '/'),
 * ENFILE, EMFILE, EINVAL (SHM_ANON with O_RDONLY), ENOMEM, ENOENT,
 * EEXIST, EACCES, EPERM/EBUSY/EIO (O_TRUNC); profile 2008 allocates the
 * descriptor before copying the path in.  See docs/kernel-map.md.
 */
SHMSIM_EXTERN int shmsim_shm_open(struct shmsim_proc *p, const char *path,
    int flags, mode_t mode, int *fdp);
/*
 * shm_unlink(2): EFAULT, ENAMETOOLONG, EINVAL (no leading '/'; current
 * only), ENOENT, EACCES (needs read and write permission).
 */
SHMSIM_EXTERN int shmsim_shm_unlink(struct shmsim_proc *p, const char *path);
/*
 * ftruncate(2): EINVAL (length < 0), EBADF, EINVAL (not open for
 * writing), then shm_dotruncate's EPERM (seals), EBUSY (kernel-mapped),
 * EIO (pager error on the partial page), ENOMEM (swap reservation).
 */
SHMSIM_EXTERN int shmsim_ftruncate(struct shmsim_proc *p, int fd,
    int64_t length);

/*
 * A time stamp as struct stat carries it.  Not struct timespec: that needs
 * POSIX feature macros in strict ISO C, and this header asks for none.
 */
struct shmsim_timespec {
	int64_t tv_sec;
	long tv_nsec;
};

struct shmsim_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint32_t st_mode; /* SHMSIM_S_IFREG | permission bits */
	uint64_t st_nlink;
	uid_t st_uid;
	gid_t st_gid;
	int64_t st_size;
	int64_t st_blocks; /* counted in pages, as FreeBSD does for shm */
	int32_t st_blksize;
	struct shmsim_timespec st_atim, st_mtim, st_ctim, st_birthtim;
};
/* fstat(2): EBADF. */
SHMSIM_EXTERN int shmsim_fstat(struct shmsim_proc *p, int fd,
    struct shmsim_stat *sb);

/* close(2): EBADF. */
SHMSIM_EXTERN int shmsim_close(struct shmsim_proc *p, int fd);
/* dup(2): EBADF, EMFILE.  The new descriptor never has FD_CLOEXEC. */
SHMSIM_EXTERN int shmsim_dup(struct shmsim_proc *p, int fd, int *newfdp);
/* dup2(2): EBADF (bad fd, newfd < 0 or >= the descriptor limit). */
SHMSIM_EXTERN int shmsim_dup2(struct shmsim_proc *p, int fd, int newfd,
    int *resultp);
/*
 * dup3(3) (libc, today): EINVAL when fd == newfd or for flags other than
 * O_CLOEXEC and O_CLOFORK, then fcntl(fd, F_DUP3FD | fdflags <<
 * F_DUP3FD_SHIFT, newfd): dup2 whose new descriptor gets exactly those
 * flags.  Profile 2008: EINVAL (no F_DUP3FD).
 */
SHMSIM_EXTERN int shmsim_dup3(struct shmsim_proc *p, int fd, int newfd,
    int flags, int *resultp);
/*
 * fcntl(2): F_DUPFD, F_DUPFD_CLOEXEC, F_DUPFD_CLOFORK (EINVAL for arg < 0
 * or >= limit, EBADF, EMFILE), F_DUP2FD, F_DUP2FD_CLOEXEC, F_DUP3FD with
 * FD_CLOEXEC and/or FD_CLOFORK shifted by F_DUP3FD_SHIFT (other flags
 * EINVAL), F_GETFD, F_SETFD (FD_CLOEXEC, FD_CLOFORK), F_GETFL, F_SETFL
 * (profile 2008: EOPNOTSUPP, with the new flags kept, as the seed did),
 * F_ADD_SEALS (EPERM once F_SEAL_SEAL is set), F_GET_SEALS; any other
 * command: EINVAL.  Profile 2008 had no F_DUPFD_CLOEXEC, F_DUPFD_CLOFORK,
 * F_DUP2FD*, F_DUP3FD or seals (EINVAL), and F_GETFD/F_SETFD know
 * FD_CLOEXEC only.
 */
SHMSIM_EXTERN int shmsim_fcntl(struct shmsim_proc *p, int fd, int cmd,
    intptr_t arg, int64_t *retvalp);

/*
 * shm_open2(2) (profile current; ENOSYS in 2008): as shm_open but flags
 * are taken as given (no O_CLOEXEC added) and shmflags may ask for
 * SHM_ALLOW_SEALING (seals start empty instead of F_SEAL_SEAL) and
 * SHM_GROW_ON_WRITE, SHM_LARGEPAGE.  EINVAL for unknown shmflags, or for
 * reopening an object with non-zero shmflags that differ from its own.
 * name is ignored.
 */
SHMSIM_EXTERN int shmsim_shm_open2(struct shmsim_proc *p, const char *path,
    int flags, mode_t mode, int shmflags, const char *name, int *fdp);
/* (SHM_LARGEPAGE: ENOTTY unless the config has large page_sizes; the
 * object then needs FIOSSHMLPGCNF before it can be sized or written.) */
/*
 * shm_rename(2) (ENOSYS in 2008): EINVAL (flags, SHM_ANON), path errors
 * (from, then to), 0 when from equals to, ENOENT, EEXIST (NOREPLACE),
 * EACCES (read and write needed on from and on an existing to).  A
 * failed SHM_RENAME_EXCHANGE whose second removal is refused leaks a
 * reference on the destination, as the kernel does (the auditor says so).
 */
SHMSIM_EXTERN int shmsim_shm_rename(struct shmsim_proc *p, const char *from,
    const char *to, int flags);
/*
 * memfd_create(3) (ENOSYS in 2008): EBADF (NULL name), EFAULT (a name at
 * an unmapped address: model-only, libc would fault), EINVAL (name over
 * 249 bytes, unknown flags, huge-page size without MFD_HUGETLB), then
 * shm_open2(SHM_ANON, ...) with mode 0 and SHM_GROW_ON_WRITE.
 */
SHMSIM_EXTERN int shmsim_memfd_create(struct shmsim_proc *p, const char *name,
    unsigned int flags, int *fdp);
/*
 * fchmod(2), fchown(2): EBADF; EPERM without ownership or privilege as
 * shm_chmod/shm_chown decide.  Profile 2008: EINVAL (no vnode).
 */
SHMSIM_EXTERN int shmsim_fchmod(struct shmsim_proc *p, int fd, mode_t mode);
SHMSIM_EXTERN int shmsim_fchown(struct shmsim_proc *p, int fd, uid_t uid,
    gid_t gid);
/*
 * posix_fallocate(2) (ENOSYS in 2008): grows the object to offset + len
 * if smaller.  EINVAL, EFBIG, EBADF, EPERM (F_SEAL_GROW), ENOSPC (swap).
 * The kernel returns the error as the call's value; here, as everywhere,
 * it is the return value.
 */
SHMSIM_EXTERN int shmsim_posix_fallocate(struct shmsim_proc *p, int fd,
    int64_t offset, int64_t len);
/*
 * fspacectl(2) with SPACECTL_DEALLOC (ENOSYS in 2008): punch a hole,
 * zeroing partial pages; roffsetp and rlenp (may be NULL) say where it
 * stopped and what is left.  EINVAL, EBADF, EPERM (F_SEAL_WRITE).
 */
SHMSIM_EXTERN int shmsim_fspacectl(struct shmsim_proc *p, int fd, int cmd,
    int64_t offset, int64_t len, int flags, int64_t *roffsetp, int64_t *rlenp);
/*
 * ioctl(2): FIOCLEX, FIONCLEX, FIONBIO and FIOASYNC (arg0: the int
 * value); FIOSSHMLPGCNF (arg0 psind, arg1 allocation policy) and
 * FIOGSHMLPGCNF (*retvalp gets psind) on large-page objects (ENOTTY on
 * others; EINVAL for a psind change, a bad psind or policy); anything
 * else reaches the file: ENOTTY today, EOPNOTSUPP in 2008 (after
 * FIONBIO/FIOASYNC changed the flag, which then stays).  EBADF.
 */
SHMSIM_EXTERN int shmsim_ioctl(struct shmsim_proc *p, int fd, unsigned long cmd,
    int64_t arg0, int64_t arg1, int64_t *retvalp);

/*
 * read(2), pread(2), write(2), pwrite(2), lseek(2).  Profile 2008:
 * EOPNOTSUPP for read and write; ESPIPE for pread, pwrite and lseek (the
 * 2008 shm file is not seekable, and that is checked first).  Profile
 * current: the data moves through the object's pages (holes read as
 * zeroes without allocating; writes at or past EOF move 0 bytes); errors
 * EINVAL (a count above SSIZE_MAX, first), EBADF, EINVAL (negative
 * offset; lseek whence or result), EOVERFLOW, EIO; for writes EFBIG
 * (offset + count past OFF_MAX on a grow-on-write object), EPERM
 * (F_SEAL_WRITE), ENOMEM (the growth's swap reservation).
 * As in the kernel, a transfer that fails part-way (EIO) keeps what it
 * already moved: the pages written, and for read/write the file offset.
 */
SHMSIM_EXTERN int shmsim_read(struct shmsim_proc *p, int fd, void *buf,
    size_t nbytes, size_t *donep);
SHMSIM_EXTERN int shmsim_pread(struct shmsim_proc *p, int fd, void *buf,
    size_t nbytes, int64_t offset, size_t *donep);
SHMSIM_EXTERN int shmsim_write(struct shmsim_proc *p, int fd, const void *buf,
    size_t nbytes, size_t *donep);
SHMSIM_EXTERN int shmsim_pwrite(struct shmsim_proc *p, int fd, const void *buf,
    size_t nbytes, int64_t offset, size_t *donep);
SHMSIM_EXTERN int shmsim_lseek(struct shmsim_proc *p, int fd, int64_t offset,
    int whence, int64_t *newoffp);

/*
 * mmap(2) of a shm descriptor.  *addrp gets the address: the mapping's
 * start plus offset's offset within its page.  Mappings reference the vm
 * object, not the descriptor: they outlive close(2) and shm_unlink(2);
 * st_nlink counts them.  Without MAP_FIXED the first free range at or
 * above max(addr, SHMSIM_MMAP_BASE) is used (deterministic, no ASLR).
 * Profile current (kern_mmap, shm_mmap), errors in the kernel's order:
 * EINVAL (unknown prot bits; prot beyond SHMSIM_PROT_MAX; len 0; unknown
 * flags; MAP_EXCL without MAP_FIXED; MAP_SHARED with MAP_PRIVATE),
 * ENOMEM (len rounds past the address space), EINVAL (alignment; a
 * MAP_FIXED address not congruent to offset modulo the page size, or
 * outside the user map; MAP_32BIT|MAP_FIXED ending above 2 GiB),
 * EOPNOTSUPP (model-only: MAP_ANON, MAP_STACK,
 * MAP_GUARD and MAP_32BIT are not modelled), EBADF, EINVAL (neither
 * MAP_SHARED nor MAP_PRIVATE), ENODEV (not a mappable file), EACCES
 * (MAP_SHARED with PROT_WRITE on an O_RDONLY descriptor or a
 * write-sealed object), EINVAL (offset + len beyond OFF_MAX), then --
 * after the access time was updated, which happens even if the mapping
 * fails -- the large-page rules (EINVAL: page size unset, MAP_PRIVATE,
 * offset, size or address not a multiple of the large page; ENOSPC:
 * MAP_FIXED|MAP_EXCL over a mapping) or ENOMEM (no room) / ENOMEM for
 * MAP_FIXED|MAP_EXCL over a mapping.  Mapping beyond the end of the
 * object is allowed.  A MAP_SHARED mapping whose maximum protection
 * includes write (an O_RDWR descriptor, no F_SEAL_WRITE) is
 * write-counted, which makes F_ADD_SEALS(F_SEAL_WRITE) fail with EBUSY.
 * Profile 2008 (the original vm_mmap.c): prot bits beyond READ|WRITE|EXEC
 * and unknown flags are ignored; EACCES for PROT_WRITE on an O_RDONLY
 * descriptor even with MAP_PRIVATE; EINVAL unless offset < size and
 * offset + len <= the page-rounded size; a len of 0 (with a page-aligned
 * offset) maps nothing and succeeds, returning the hint.
 */
SHMSIM_EXTERN int shmsim_mmap(struct shmsim_proc *p, uint64_t addr,
    uint64_t len, int prot, int flags, int fd, int64_t offset, uint64_t *addrp);
/*
 * munmap(2): EINVAL for len 0 or a range outside the user map; unmapped
 * parts are ignored; unmapping part of a mapping splits it (the pieces
 * each hold an object reference); EINVAL when that would split a large
 * page.
 */
SHMSIM_EXTERN int shmsim_munmap(struct shmsim_proc *p, uint64_t addr,
    uint64_t len);
/*
 * mprotect(2): EINVAL (unknown prot bits; range wraps), ENOTSUP (prot
 * beyond the SHMSIM_PROT_MAX given with it), EACCES (beyond a mapping's
 * maximum protection: nothing changes).  With SHMSIM_PROT_MAX the
 * maximum protection is lowered too -- a write-counted mapping stays
 * counted.  Unmapped parts are ignored.  Profile 2008: no PROT_MAX, and
 * a refused change may leave the first mapping split in two.
 */
SHMSIM_EXTERN int shmsim_mprotect(struct shmsim_proc *p, uint64_t addr,
    uint64_t len, int prot);
/*
 * Model-only: a user-mode load (copy n bytes at addr into buf) or store
 * (copy buf to addr) by process p, faulting page by page as the CPU
 * would: pages are zero-filled or paged in from simulated swap; a write
 * to a MAP_PRIVATE mapping copies the page into the mapping's shadow
 * object.  A fault that the kernel turns into a signal ends the access:
 * *sigp (if not NULL) gets the host's SIGSEGV (nothing mapped there, or
 * against the mapping's protection) or SIGBUS (at or past the end of the
 * object, or a pager error), else 0; the bytes before the faulting page
 * have been moved, and the call returns 0.  Errors: EINVAL (buf NULL
 * with n > 0), ENOMEM (model-only: a page allocation failed, the page
 * allocation fault site).
 */
SHMSIM_EXTERN int shmsim_load(struct shmsim_proc *p, uint64_t addr, void *buf,
    size_t n, int *sigp);
SHMSIM_EXTERN int shmsim_store(struct shmsim_proc *p, uint64_t addr,
    const void *buf, size_t n, int *sigp);

/*
 * Descriptor passing, as sendmsg(2)/recvmsg(2) with SCM_RIGHTS do it.
 * sendfd queues a reference to fd's open file for process to (the sender
 * itself allowed): the file is in flight and stays alive after the sender
 * closes.  recvfd installs the oldest queued file at the lowest free
 * descriptor; EAGAIN when none is queued; EMFILE (the file is discarded,
 * as unp_externalize() does) when the table is full.  EBADF for a bad fd.
 */
SHMSIM_EXTERN int shmsim_sendfd(struct shmsim_proc *p, struct shmsim_proc *to,
    int fd);
SHMSIM_EXTERN int shmsim_recvfd(struct shmsim_proc *p, int *fdp);

/* ---------------------------------------------------------------- */
/* Introspection (model-only)                                       */
/* ---------------------------------------------------------------- */

/* What one descriptor refers to, with every count on the way down. */
struct shmsim_fdinfo {
	int fd_flags; /* SHMSIM_FD_CLOEXEC | SHMSIM_FD_CLOFORK, as F_GETFD */
	int f_flag;   /* kernel f_flag: FREAD 1, FWRITE 2, ... */
	int f_count;  /* references on the open file */
	int64_t f_offset;
	int shm_refs;	   /* references on the shmfd */
	int obj_ref_count; /* references on the vm object */
	bool named;	   /* shm_path != NULL */
	char path[1024];   /* the name as kinfo shows it to the
			      caller (jail prefix stripped), "" when
			      unnamed */
	int64_t size;	   /* shm_size */
	uint64_t obj_size; /* object size in pages */
	uint64_t resident; /* resident pages */
	uint64_t swapped;  /* pages with a swap copy only */
	uint64_t charge;   /* swap bytes reserved for the object */
	uint64_t ino;
	uint64_t writemappings; /* the object's write-counted mapped bytes */
};
/* EBADF when fd is not open in p. */
SHMSIM_EXTERN int shmsim_fdinfo(struct shmsim_proc *p, int fd,
    struct shmsim_fdinfo *info);

/*
 * The mapping of p that holds address addr (one vm_map_entry), with the
 * counts of its object and, when the object is a shm object's, of the
 * shmfd.  A mapping whose object is not allocated yet shows zeros.
 */
struct shmsim_mapinfo {
	uint64_t start, end;		/* the entry: [start, end) */
	uint64_t offset;		/* of start in the object */
	int protection, max_protection; /* SHMSIM_PROT_* */
	bool cow;			/* MAP_ENTRY_COW: a private mapping */
	bool needs_copy;		/* MAP_ENTRY_NEEDS_COPY */
	int ref_count;			/* references on the object */
	uint64_t writemappings;		/* its write-counted bytes */
	int shadow_count;		/* objects shadowing it */
	uint64_t resident;		/* its resident pages */
	int shm_refs;			/* the shmfd's references, 0: none */
	int64_t shm_size;		/* shm_size, 0 when no shmfd */
};
/* ENOMEM when no mapping of p holds addr (as mincore(2) says). */
SHMSIM_EXTERN int shmsim_mapinfo(struct shmsim_proc *p, uint64_t addr,
    struct shmsim_mapinfo *info);

/*
 * Model-only byte access to the object behind fd, bypassing the profile's
 * read/write rules, as a debugger writing through a mapping would: it
 * faults pages in (zero-fill, or pagein from simulated swap) but may not
 * go past the page-rounded end of the object (EINVAL).  poke dirties the
 * pages it touches.  Used to put bytes into objects in profile 2008,
 * where read(2) and write(2) do not exist.  Errors: EBADF, EINVAL, and the
 * page-allocation and pager errors (ENOMEM, EIO).
 */
SHMSIM_EXTERN int shmsim_peek(struct shmsim_proc *p, int fd, uint64_t off,
    void *buf, size_t len);
SHMSIM_EXTERN int shmsim_poke(struct shmsim_proc *p, int fd, uint64_t off,
    const void *buf, size_t len);

/*
 * Model-only: print the whole state -- processes and their descriptor
 * tables, open files, descriptors in flight, shm objects, vm objects
 * with their resident and swapped pages, the dictionary -- with every
 * reference count.  SHMSIM_DUMP_TEXT is the stable text format documented
 * in docs/dump-format.md; SHMSIM_DUMP_DOT is Graphviz source (one
 * digraph named by title).  Call it when no other thread is inside the
 * kernel.  Returns 0, or EIO when writing to out failed.
 */
enum shmsim_dump_format {
	SHMSIM_DUMP_TEXT = 0,
	SHMSIM_DUMP_DOT = 1,
};
SHMSIM_EXTERN int shmsim_dump(struct shmsim_kernel *k, FILE *out,
    enum shmsim_dump_format format, const char *title);

/*
 * FreeBSD's Capsicum errnos have no host value; the model names them with
 * these (no model path returns them yet: there is no capability mode).
 */
#define SHMSIM_ENOTCAPABLE 10093
#define SHMSIM_ECAPMODE 10094

/* "ENOENT" for ENOENT, ...; "E?" for an unknown value; "0" for 0. */
SHMSIM_EXTERN const char *shmsim_errno_name(int error);
/* The inverse; 0 when name is unknown. */
SHMSIM_EXTERN int shmsim_errno_from_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* SHMSIM_H */
