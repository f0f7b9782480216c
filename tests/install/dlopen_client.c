/*
 * A client that loads libshmsim.so with dlopen(3), as a plugin host or a
 * language binding (Python's ctypes, say) does, instead of linking it.
 *
 * The library's hottest thread-locals use the initial-exec TLS model
 * (src/kern/thread.h), which needs room in the static TLS block of every
 * thread: of the threads made after the library is loaded, and of those
 * that were running before (glibc fills theirs in at dlopen()).  Both
 * drive a kernel here -- one for one host thread, one for several -- and
 * every call must succeed, every descriptor read back what was written,
 * and each kernel must be destroyed without a leak.
 *
 * usage: dlopen_client PATH_TO_LIBSHMSIM_SO
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmsim.h"

/* The functions used, typed as the header declares them. */
struct api {
	__typeof__(shmsim_config_init) *config_init;
	__typeof__(shmsim_kernel_create) *kernel_create;
	__typeof__(shmsim_kernel_destroy) *kernel_destroy;
	__typeof__(shmsim_cred_init) *cred_init;
	__typeof__(shmsim_spawn) *spawn;
	__typeof__(shmsim_exit) *exit;
	__typeof__(shmsim_shm_open) *shm_open;
	__typeof__(shmsim_shm_unlink) *shm_unlink;
	__typeof__(shmsim_close) *close;
	__typeof__(shmsim_ftruncate) *ftruncate;
	__typeof__(shmsim_pwrite) *pwrite;
	__typeof__(shmsim_pread) *pread;
};

static struct api api;

/* The worker threads' rendezvous: the old thread waits for the load. */
static pthread_mutex_t gate_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int loaded;

static void *
sym(void *h, const char *name)
{
	void *p = dlsym(h, name);

	if (p == NULL) {
		fprintf(stderr, "dlsym(%s): %s\n", name, dlerror());
		exit(1);
	}
	return (p);
}

#define CHECK(call)                                                       \
	do {                                                              \
		int e_ = (call);                                          \
		if (e_ != 0) {                                            \
			fprintf(stderr, "%s:%d: %s: error %d (%s)\n",     \
			    __FILE__, __LINE__, #call, e_, strerror(e_)); \
			return (1);                                       \
		}                                                         \
	} while (0)

/* Create, write, reopen, read back, close, unlink; then destroy. */
static int
drive(enum shmsim_threads threads, const char *who)
{
	struct shmsim_config cfg;
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	struct shmsim_cred cr;
	char report[512], buf[16];
	size_t n;
	int fd, fd2, i;

	api.config_init(&cfg);
	cfg.threads = threads;
	CHECK(api.kernel_create(&cfg, &k));
	api.cred_init(&cr);
	CHECK(api.spawn(k, &cr, &p));
	CHECK(api.shm_open(p, "/dlopen",
	    SHMSIM_O_RDWR | SHMSIM_O_CREAT | SHMSIM_O_EXCL, 0600, &fd));
	CHECK(api.ftruncate(p, fd, 4096));
	CHECK(api.pwrite(p, fd, who, strlen(who) + 1, 100, &n));
	for (i = 0; i < 1000; i++) {
		CHECK(api.shm_open(p, "/dlopen", SHMSIM_O_RDWR, 0, &fd2));
		CHECK(api.close(p, fd2));
	}
	CHECK(api.shm_open(p, "/dlopen", SHMSIM_O_RDONLY, 0, &fd2));
	memset(buf, 0, sizeof(buf));
	CHECK(api.pread(p, fd2, buf, sizeof(buf), 100, &n));
	if (n != sizeof(buf) || strcmp(buf, who) != 0) {
		fprintf(stderr, "%s: read back \"%.*s\" (%zu bytes)\n", who,
		    (int)sizeof(buf), buf, n);
		return (1);
	}
	CHECK(api.close(p, fd2));
	CHECK(api.close(p, fd));
	CHECK(api.shm_unlink(p, "/dlopen"));
	CHECK(api.exit(p));
	report[0] = '\0';
	if (api.kernel_destroy(k, report, sizeof(report)) != 0) {
		fprintf(stderr, "%s: kernel_destroy: %s\n", who, report);
		return (1);
	}
	return (0);
}

/* A thread that exists before the library is loaded. */
static void *
old_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate_mtx);
	while (!loaded)
		pthread_cond_wait(&gate_cv, &gate_mtx);
	pthread_mutex_unlock(&gate_mtx);
	return ((void *)(long)(drive(SHMSIM_THREADS_MULTI, "old thread") |
	    drive(SHMSIM_THREADS_SINGLE, "old thread 1")));
}

/* A thread made after the load. */
static void *
new_thread(void *arg)
{
	(void)arg;
	return ((void *)(long)(drive(SHMSIM_THREADS_SINGLE, "new thread") |
	    drive(SHMSIM_THREADS_MULTI, "new thread m")));
}

int
main(int argc, char **argv)
{
	pthread_t old, young;
	void *h, *r1, *r2;
	int fail;

	if (argc != 2) {
		fprintf(stderr, "usage: %s LIBSHMSIM_SO\n", argv[0]);
		return (2);
	}
	if (pthread_create(&old, NULL, old_thread, NULL) != 0)
		return (1);
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return (1);
	}
	api.config_init = sym(h, "shmsim_config_init");
	api.kernel_create = sym(h, "shmsim_kernel_create");
	api.kernel_destroy = sym(h, "shmsim_kernel_destroy");
	api.cred_init = sym(h, "shmsim_cred_init");
	api.spawn = sym(h, "shmsim_spawn");
	api.exit = sym(h, "shmsim_exit");
	api.shm_open = sym(h, "shmsim_shm_open");
	api.shm_unlink = sym(h, "shmsim_shm_unlink");
	api.close = sym(h, "shmsim_close");
	api.ftruncate = sym(h, "shmsim_ftruncate");
	api.pwrite = sym(h, "shmsim_pwrite");
	api.pread = sym(h, "shmsim_pread");

	pthread_mutex_lock(&gate_mtx);
	loaded = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mtx);

	fail = drive(SHMSIM_THREADS_SINGLE, "main thread");
	fail |= drive(SHMSIM_THREADS_MULTI, "main thread m");
	if (pthread_create(&young, NULL, new_thread, NULL) != 0)
		return (1);
	pthread_join(old, &r1);
	pthread_join(young, &r2);
	fail |= r1 != NULL || r2 != NULL;
	if (dlclose(h) != 0) {
		fprintf(stderr, "dlclose: %s\n", dlerror());
		fail = 1;
	}
	if (!fail)
		printf("dlopen_client: 3 threads drove single and multi "
		       "kernels through %s\n",
		    argv[1]);
	return (fail);
}
