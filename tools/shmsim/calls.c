/*
 * The calls and constants of the scenario language, with FreeBSD's amd64
 * values (docs/shmsim-scenario.5, CONSTANTS).
 */
#include <string.h>

#include "scenario.h"

#define I A_INT
#define P A_PATH
#define D A_DATA
#define R A_PROC

/*
 * supported == false: the kernel support arrives with a later issue; the
 * call parses and runs, and fails with ENOSYS.
 */
const struct sc_call sc_calls[] = {
	{ "shm_open", 3, 3, { P, I, I }, false, K_NONE, true },
	{ "shm_open2", 5, 5, { P, I, I, I, P }, false, K_NONE, true },
	{ "shm_unlink", 1, 1, { P }, false, K_NONE, true },
	{ "shm_rename", 3, 3, { P, P, I }, false, K_NONE, true },
	{ "memfd_create", 2, 2, { P, I }, false, K_NONE, true },
	{ "ftruncate", 2, 2, { I, I }, false, K_NONE, true },
	{ "fstat", 1, 1, { I }, false, K_FSTAT, true },
	{ "read", 2, 2, { I, I }, true, K_NONE, true },
	{ "pread", 3, 3, { I, I, I }, true, K_NONE, true },
	{ "write", 2, 2, { I, D }, false, K_NONE, true },
	{ "pwrite", 3, 3, { I, D, I }, false, K_NONE, true },
	{ "lseek", 3, 3, { I, I, I }, false, K_NONE, true },
	{ "close", 1, 1, { I }, false, K_NONE, true },
	{ "dup", 1, 1, { I }, false, K_NONE, true },
	{ "dup2", 2, 2, { I, I }, false, K_NONE, true },
	{ "fcntl", 2, 3, { I, I, I }, false, K_NONE, true },
	{ "fchmod", 2, 2, { I, I }, false, K_NONE, true },
	{ "fchown", 3, 3, { I, I, I }, false, K_NONE, true },
	{ "posix_fallocate", 3, 3, { I, I, I }, false, K_NONE, true },
	{ "fspacectl", 4, 4, { I, I, I, I }, false, K_NONE, true },
	{ "ioctl", 2, 4, { I, I, I, I }, false, K_NONE, true },
	{ "umask", 1, 1, { I }, false, K_NONE, true },
	{ "mmap", 6, 6, { I, I, I, I, I, I }, false, K_NONE, true },
	{ "munmap", 2, 2, { I, I }, false, K_NONE, true },
	{ "mprotect", 3, 3, { I, I, I }, false, K_NONE, true },
	{ "load", 2, 2, { I, I }, true, K_NONE, true },
	{ "store", 2, 2, { I, D }, false, K_NONE, true },
	{ "sendfd", 2, 2, { R, I }, false, K_NONE, true },
	{ "recvfd", 0, 0, { I }, false, K_NONE, true },
	/* Model-only introspection (shmsim_fdinfo, shmsim_mapinfo). */
	{ "fdinfo", 1, 1, { I }, false, K_FDINFO, true },
	{ "mapinfo", 1, 1, { I }, false, K_MAPINFO, true },
	{ NULL, 0, 0, { I }, false, K_NONE, false },
};

/*
 * The keys of each KEY=VALUE set.  fdinfo and mapinfo name the kernel's
 * fields (struct file, struct filedescent, struct shmfd, struct
 * vm_object, struct vm_map_entry); run.c fills their values in this
 * order.
 */
static const char *const fstat_keys[] = { "size", "mode", "uid", "gid",
	"blksize", "blocks", "nlink", "type", NULL };
static const char *const fdinfo_keys[] = { "f_count", "f_flag", "f_offset",
	"cloexec", "shm_refs", "shm_size", "named", "ref_count",
	"writemappings", "resident_page_count", "charge", NULL };
static const char *const mapinfo_keys[] = { "start", "end", "offset",
	"protection", "max_protection", "cow", "needs_copy", "ref_count",
	"writemappings", "shadow_count", "resident_page_count", "shm_refs",
	"shm_size", NULL };
static const char *const state_keys[] = { "objects", "shm", "names", "files",
	"pages", "swapped", "inflight", NULL };

const char *const *
sc_keyset_keys(enum sc_keyset ks)
{
	switch (ks) {
	case K_FSTAT:
		return (fstat_keys);
	case K_FDINFO:
		return (fdinfo_keys);
	case K_MAPINFO:
		return (mapinfo_keys);
	case K_STATE:
		return (state_keys);
	default:
		return (NULL);
	}
}

int
sc_keyset_index(enum sc_keyset ks, const char *key)
{
	const char *const *keys = sc_keyset_keys(ks);
	int i;

	for (i = 0; keys != NULL && keys[i] != NULL; i++)
		if (strcmp(keys[i], key) == 0)
			return (i);
	return (-1);
}

int
sc_call_lookup(const char *name)
{
	int i;

	for (i = 0; sc_calls[i].name != NULL; i++)
		if (strcmp(sc_calls[i].name, name) == 0)
			return (i);
	return (-1);
}

/* ioctl encodings (sys/ioccom.h): _IOW('f', n, 48-byte struct) etc. */
#define IOC_OUT 0x40000000L
#define IOC_IN 0x80000000L
#define IOCX(inout, g, n, len) \
	((inout) | (((long)(len)&0x1fff) << 16) | ((g) << 8) | (n))

static const struct {
	const char *name;
	int64_t value;
} sc_consts[] = {
	{ "O_RDONLY", SHMSIM_O_RDONLY },
	{ "O_WRONLY", SHMSIM_O_WRONLY },
	{ "O_RDWR", SHMSIM_O_RDWR },
	{ "O_CREAT", SHMSIM_O_CREAT },
	{ "O_EXCL", SHMSIM_O_EXCL },
	{ "O_TRUNC", SHMSIM_O_TRUNC },
	{ "O_CLOEXEC", SHMSIM_O_CLOEXEC },
	{ "O_APPEND", SHMSIM_O_APPEND },
	{ "O_NONBLOCK", SHMSIM_O_NONBLOCK },
	{ "O_CLOFORK", SHMSIM_O_CLOFORK },
	{ "O_DIRECT", SHMSIM_O_DIRECT },
	{ "O_SYNC", SHMSIM_O_SYNC },
	{ "O_NOFOLLOW", SHMSIM_O_NOFOLLOW },
	{ "SHM_ANON", SC_ADDR_SHM_ANON },
	{ "SHM_ALLOW_SEALING", 0x1 },
	{ "SHM_GROW_ON_WRITE", 0x2 },
	{ "SHM_LARGEPAGE", 0x4 },
	{ "SHM_RENAME_NOREPLACE", 0x1 },
	{ "SHM_RENAME_EXCHANGE", 0x2 },
	{ "MFD_CLOEXEC", 0x1 },
	{ "MFD_ALLOW_SEALING", 0x2 },
	{ "MFD_HUGETLB", 0x4 },
	{ "MFD_HUGE_MASK", 0xFC000000L },
	{ "MFD_HUGE_2MB", 21L << 26 },
	{ "MFD_HUGE_1GB", 30L << 26 },
	{ "PROT_NONE", 0x0 },
	{ "PROT_READ", 0x1 },
	{ "PROT_WRITE", 0x2 },
	{ "PROT_EXEC", 0x4 },
	{ "MAP_SHARED", 0x1 },
	{ "MAP_PRIVATE", 0x2 },
	{ "MAP_FIXED", 0x10 },
	{ "MAP_EXCL", 0x4000 },
	{ "F_DUPFD", SHMSIM_F_DUPFD },
	{ "F_DUPFD_CLOEXEC", SHMSIM_F_DUPFD_CLOEXEC },
	{ "F_GETFD", SHMSIM_F_GETFD },
	{ "F_SETFD", SHMSIM_F_SETFD },
	{ "F_GETFL", SHMSIM_F_GETFL },
	{ "F_SETFL", SHMSIM_F_SETFL },
	{ "FD_CLOEXEC", SHMSIM_FD_CLOEXEC },
	{ "F_DUPFD_CLOFORK", SHMSIM_F_DUPFD_CLOFORK },
	{ "F_DUP3FD", SHMSIM_F_DUP3FD },
	{ "FD_CLOFORK", SHMSIM_FD_CLOFORK },
	{ "F_ADD_SEALS", SHMSIM_F_ADD_SEALS },
	{ "F_GET_SEALS", SHMSIM_F_GET_SEALS },
	{ "F_SEAL_SEAL", 0x1 },
	{ "F_SEAL_SHRINK", 0x2 },
	{ "F_SEAL_GROW", 0x4 },
	{ "F_SEAL_WRITE", 0x8 },
	{ "SEEK_SET", SHMSIM_SEEK_SET },
	{ "SEEK_CUR", SHMSIM_SEEK_CUR },
	{ "SEEK_END", SHMSIM_SEEK_END },
	{ "SEEK_DATA", SHMSIM_SEEK_DATA },
	{ "SEEK_HOLE", SHMSIM_SEEK_HOLE },
	{ "FIONBIO", IOCX(IOC_IN, 'f', 126, 4) },
	{ "FIOASYNC", IOCX(IOC_IN, 'f', 125, 4) },
	{ "FIONREAD", IOCX(IOC_OUT, 'f', 127, 4) },
	{ "FIOSSHMLPGCNF", IOCX(IOC_IN, 'f', 100, 48) },
	{ "FIOGSHMLPGCNF", IOCX(IOC_OUT, 'f', 101, 48) },
	{ "SHM_LARGEPAGE_ALLOC_DEFAULT", 0 },
	{ "SHM_LARGEPAGE_ALLOC_NOWAIT", 1 },
	{ "SHM_LARGEPAGE_ALLOC_HARD", 2 },
	{ "SPACECTL_DEALLOC", 1 },
	{ "NULL", 0 },
	{ "BADPTR", SC_ADDR_BADPTR },
	{ NULL, 0 },
};

bool
sc_const_lookup(const char *name, int64_t *valuep)
{
	int i;

	for (i = 0; sc_consts[i].name != NULL; i++)
		if (strcmp(sc_consts[i].name, name) == 0) {
			*valuep = sc_consts[i].value;
			return (true);
		}
	return (false);
}

bool
sc_is_const_name(const char *name)
{
	int64_t v;

	return (strcmp(name, "PAGE_SIZE") == 0 || sc_const_lookup(name, &v) ||
	    strcmp(name, "ok") == 0 || strcmp(name, "SIGBUS") == 0 ||
	    strcmp(name, "SIGSEGV") == 0);
}
