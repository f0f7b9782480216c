/*
 * Standalone replay driver: links a fuzz target's LLVMFuzzerTestOneInput
 * without libFuzzer, so that any compiler (gcc included) builds it, and
 * feeds it every file named on the command line; directories are walked
 * one level (names starting with '.' and README files are skipped; a
 * directory that does not exist holds nothing).  A crash or an abort is
 * the failure, as in libFuzzer; the exit status is 1 when a file could
 * not be read.  The ctest tests fuzz_replay/TARGET run it over
 * fuzz/regress/TARGET and fuzz/corpus/TARGET.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Defined only here: a target that declares it weak sees it only in its
 * replay (fuzz_syscalls proves its audit shortcut there, unless
 * SHMSIM_FUZZ_PROOF=0 in the environment sets it to 0: the benchmark
 * times the replay as the fuzzer runs, without the proof's second audit).
 */
extern int shmsim_fuzz_replay;
int shmsim_fuzz_replay = 1;

static int nrun;

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL) {
		perror(path);
		return (1);
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		fclose(f);
		return (1);
	}
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: read error\n", path);
		fclose(f);
		free(buf);
		return (1);
	}
	fclose(f);
	/* Named first, so that a crash says which input it was. */
	printf("%s\n", path);
	fflush(stdout);
	(void)LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	nrun++;
	return (0);
}

static int
cmp_names(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Files in sorted order, so that runs are reproducible. */
static int
run_dir(const char *dir)
{
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	d = opendir(dir);
	if (d == NULL) {
		perror(dir);
		return (1);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 64 : 2 * cap;
			names = realloc(names, cap * sizeof(*names));
			if (names == NULL)
				abort();
		}
		names[n] = strdup(e->d_name);
		if (names[n++] == NULL)
			abort();
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		rc |= run_file(path);
		free(names[i]);
	}
	free(names);
	return (rc);
}

int
main(int argc, char **argv)
{
	struct stat st;
	const char *proof = getenv("SHMSIM_FUZZ_PROOF");
	int i, rc = 0;

	if (proof != NULL && strcmp(proof, "0") == 0)
		shmsim_fuzz_replay = 0;
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			if (errno == ENOENT) {
				printf("%s: none\n", argv[i]);
				continue;
			}
			perror(argv[i]);
			return (1);
		}
		rc |=
		    S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
	}
	printf("%d input(s) ran\n", nrun);
	return (rc);
}
