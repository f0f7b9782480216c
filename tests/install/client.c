/*
 * A client of the installed library (tests/install/check_install.sh): it
 * defines two names the model uses inside, fget and vm_object_allocate,
 * so it links only if the library keeps its kernel's names to itself,
 * then drives a kernel through the public API.
 */
#include <shmsim.h>

#include <stdio.h>
#include <string.h>

/* Our own fget and vm_object_allocate: they must be the ones called. */
int fget(int fd);
int vm_object_allocate(int n);

int
fget(int fd)
{
	return (fd + 40);
}

int
vm_object_allocate(int n)
{
	return (n * 2);
}

int
main(void)
{
	struct shmsim_kernel *k;
	struct shmsim_proc *p;
	char report[512];
	char buf[6];
	size_t done;
	int audit, error, fd, leaks, ok;

	if (strcmp(shmsim_version(), SHMSIM_VERSION) != 0) {
		fprintf(stderr, "client: header %s, library %s\n",
		    SHMSIM_VERSION, shmsim_version());
		return (1);
	}
	if ((error = shmsim_kernel_create(NULL, &k)) != 0 ||
	    (error = shmsim_spawn(k, NULL, &p)) != 0 ||
	    (error = shmsim_shm_open(p, "/client",
		 SHMSIM_O_RDWR | SHMSIM_O_CREAT, 0600, &fd)) != 0 ||
	    (error = shmsim_ftruncate(p, fd, 4096)) != 0 ||
	    (error = shmsim_pwrite(p, fd, "hello", 5, 0, &done)) != 0 ||
	    (error = shmsim_pread(p, fd, buf, 5, 0, &done)) != 0) {
		fprintf(stderr, "client: %s\n", shmsim_errno_name(error));
		return (1);
	}
	buf[5] = '\0';
	audit = shmsim_audit(k, report, sizeof(report));
	leaks = shmsim_kernel_destroy(k, report, sizeof(report));
	printf("client: shmsim %s, read \"%s\", audit %d, leaks %d, "
	       "fget(2) %d, vm_object_allocate(3) %d\n",
	    shmsim_version(), buf, audit, leaks, fget(2),
	    vm_object_allocate(3));
	ok = audit == 0 && leaks == 0 && strcmp(buf, "hello") == 0;
	ok = ok && fget(2) == 42 && vm_object_allocate(3) == 6;
	return (ok ? 0 : 1);
}
