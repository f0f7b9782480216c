/*
 * sc_fuzz_run() with sc_fuzz_opts.explorer (tools/shmsim/decode.h): the
 * concurrent segments of every fuzz_syscalls input in the corpus run on
 * one explorer, reset from input to input, and each input's result --
 * its calls, audits, leak check, segments, deadlock, the schedule's
 * token and report -- must be what a new explorer per input gives.
 *
 *	decode_reuse CORPUS_DIR
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "shmsim_explore.h"

static int
same(const struct sc_fuzz_result *a, const struct sc_fuzz_result *b)
{
	return (a->ncalls == b->ncalls &&
	    a->audit_violations == b->audit_violations &&
	    a->audit_call == b->audit_call &&
	    strcmp(a->audit_report, b->audit_report) == 0 &&
	    a->leaks == b->leaks &&
	    strcmp(a->leak_report, b->leak_report) == 0 &&
	    a->segments == b->segments && a->deadlock == b->deadlock &&
	    strcmp(a->sched_token, b->sched_token) == 0 &&
	    strcmp(a->sched_report, b->sched_report) == 0);
}

static unsigned char *
slurp(const char *path, size_t *lenp)
{
	unsigned char *buf = NULL;
	size_t cap = 0, len = 0, n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return (NULL);
	do {
		if (len == cap) {
			cap = cap == 0 ? 4096 : 2 * cap;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	*lenp = len;
	return (buf);
}

int
main(int argc, char **argv)
{
	static struct sc_fuzz_result fresh, reused;
	struct shmsim_explorer *kept = NULL;
	struct sc_fuzz_opts o;
	struct dirent *de;
	unsigned inputs = 0, segmented = 0, bad = 0;
	char path[4096];
	unsigned char *data;
	size_t len;
	DIR *dir;

	if (argc != 2 || (dir = opendir(argv[1])) == NULL) {
		fprintf(stderr, "usage: decode_reuse CORPUS_DIR\n");
		return (2);
	}
	memset(&o, 0, sizeof(o));
	o.audit_each = true;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
		if ((data = slurp(path, &len)) == NULL)
			continue;
		o.explorer = NULL;
		(void)sc_fuzz_run(SC_FUZZ_SYSCALLS, data, len, &o, &fresh);
		o.explorer = &kept;
		(void)sc_fuzz_run(SC_FUZZ_SYSCALLS, data, len, &o, &reused);
		free(data);
		inputs++;
		if (fresh.segments > 0)
			segmented++;
		if (!same(&fresh, &reused)) {
			fprintf(stderr,
			    "%s: a reused explorer differs: token %s, not %s\n",
			    de->d_name, reused.sched_token, fresh.sched_token);
			bad++;
		}
	}
	closedir(dir);
	shmsim_explorer_destroy(kept);
	printf("%u inputs, %u with concurrent segments, %u differ\n", inputs,
	    segmented, bad);
	/* A corpus without segments would prove nothing. */
	return (bad == 0 && segmented >= 5 && kept != NULL ? 0 : 1);
}
