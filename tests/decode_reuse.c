/*
 * sc_fuzz_run() with sc_fuzz_opts.explorer and sc_fuzz_opts.hostmem
 * (tools/shmsim/decode.h), as the fuzzers run it: the concurrent
 * segments of every fuzz_syscalls input in the corpus run on one
 * explorer, reset from input to input, and every input's kernel takes
 * its host blocks from one cache (shmsim_hostmem_create()).  Each
 * input's result -- its calls, audits, leak check, segments, deadlock,
 * the schedule's token and report, and the dumps' text -- must be what
 * a new explorer and the host's malloc() give.
 *
 *	decode_reuse CORPUS_DIR
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "hostmem.h"
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

/* One run of data, its dumps' text in *dumpp (free()d by the caller). */
static void
run_one(struct sc_fuzz_opts *o, const unsigned char *data, size_t len,
    struct sc_fuzz_result *r, char **dumpp)
{
	size_t dumplen;

	if ((o->sink = open_memstream(dumpp, &dumplen)) == NULL)
		abort();
	(void)sc_fuzz_run(SC_FUZZ_SYSCALLS, data, len, o, r);
	if (fclose(o->sink) != 0)
		abort();
	o->sink = NULL;
}

int
main(int argc, char **argv)
{
	static struct sc_fuzz_result fresh, reused;
	struct shmsim_explorer *kept = NULL;
	struct shmsim_hostmem *hm = NULL;
	struct hostmem_stats st;
	struct sc_fuzz_opts o;
	char *dump_fresh, *dump_reused;
	struct dirent *de;
	unsigned inputs = 0, segmented = 0, bad = 0;
	uintmax_t dumped = 0;
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
		o.hostmem = NULL;
		run_one(&o, data, len, &fresh, &dump_fresh);
		o.explorer = &kept;
		o.hostmem = &hm;
		run_one(&o, data, len, &reused, &dump_reused);
		free(data);
		inputs++;
		if (fresh.segments > 0)
			segmented++;
		if (!same(&fresh, &reused) ||
		    strcmp(dump_fresh, dump_reused) != 0) {
			fprintf(stderr,
			    "%s: a reused explorer and host memory differ: "
			    "token %s, not %s; %d call(s), not %d; dumps %s\n",
			    de->d_name, reused.sched_token, fresh.sched_token,
			    reused.ncalls, fresh.ncalls,
			    strcmp(dump_fresh, dump_reused) == 0 ? "same" :
								   "differ");
			bad++;
		}
		dumped += strlen(dump_fresh);
		free(dump_fresh);
		free(dump_reused);
	}
	closedir(dir);
	shmsim_explorer_destroy(kept);
	if (hm == NULL) {
		fprintf(stderr, "no host memory cache was made\n");
		return (1);
	}
	hostmem_stats(hm, &st);
	if (shmsim_hostmem_destroy(hm) != 0)
		abort();
	printf("%u inputs, %u with concurrent segments, %u differ; "
	       "%ju bytes of dumps compared; %ju host blocks reused, %ju "
	       "from the host\n",
	    inputs, segmented, bad, dumped, (uintmax_t)st.hs_reused,
	    (uintmax_t)st.hs_host);
	if (bad != 0)
		return (1);
	/* A corpus without segments or dumps would prove nothing. */
	if (segmented < 5 || dumped == 0 || kept == NULL)
		return (1);
	/* Nor would a cache that the kernels did not reuse. */
	return (st.hs_reused > st.hs_host ? 0 : 1);
}
