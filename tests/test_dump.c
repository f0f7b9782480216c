/*
 * The state dump (src/dump.c, docs/dump-format.md).  The text format is
 * pinned exactly for small states: any change to it must change these
 * strings and the document together.  The dot output is checked for
 * well-formedness (quoted strings closed, braces and brackets balanced,
 * every edge between declared nodes with valid identifiers) and for the
 * nodes and edges a state must produce.
 */
#include "helpers.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_var.h"

/* The dump of k as a malloc'ed string. */
static char *
dump_string(struct shmsim_kernel *k, enum shmsim_dump_format format,
    const char *title)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_errno(shmsim_dump(k, f, format, title), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return (buf);
}

/* Compare line by line, naming the first line that differs. */
#define assert_text(got, want) \
	assert_text_impl((got), (want), __FILE__, __LINE__)

static void
assert_text_impl(const char *got, const char *want, const char *file, int line)
{
	const char *g = got, *w = want;
	int n = 1;

	while (*g != '\0' && *g == *w) {
		if (*g == '\n')
			n++;
		g++;
		w++;
	}
	if (*g == '\0' && *w == '\0')
		return;
	print_error("dump differs at line %d\n--- got:\n%s--- want:\n%s", n,
	    got, want);
	_fail(file, line);
}

#define assert_contains(hay, needle) \
	assert_contains_impl((hay), (needle), __FILE__, __LINE__)

static void
assert_contains_impl(const char *hay, const char *needle, const char *file,
    int line)
{
	if (strstr(hay, needle) == NULL) {
		print_error("\"%s\" not found in:\n%s", needle, hay);
		_fail(file, line);
	}
}

#define assert_prefix(s, prefix) \
	assert_true(strncmp((s), (prefix), strlen(prefix)) == 0)

#define assert_text_dump(k, title, want)                                  \
	do {                                                              \
		char *got_ = dump_string((k), SHMSIM_DUMP_TEXT, (title)); \
		assert_text(got_, (want));                                \
		free(got_);                                               \
	} while (0)

/* ---------------------------------------------------------------- */
/* Dot well-formedness                                              */
/* ---------------------------------------------------------------- */

#define DOT_MAX_NODES 512

struct dot_nodes {
	char ids[DOT_MAX_NODES][32];
	int n;
};

static bool
dot_is_id(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= 32 || isdigit((unsigned char)s[0]))
		return (false);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return (false);
	return (true);
}

static bool
dot_has_node(const struct dot_nodes *nodes, const char *s, size_t len)
{
	int i;

	for (i = 0; i < nodes->n; i++)
		if (strlen(nodes->ids[i]) == len &&
		    memcmp(nodes->ids[i], s, len) == 0)
			return (true);
	return (false);
}

/*
 * Lexical check: strings close, '\' only escapes inside strings, braces
 * and brackets balance outside strings and never go negative, one graph.
 */
static void
assert_dot_lexically_sound(const char *dot)
{
	const char *s;
	int braces = 0, brackets = 0, graphs = 0;
	bool instr = false;

	for (s = dot; *s != '\0'; s++) {
		if (instr) {
			if (*s == '\\') {
				assert_true(s[1] != '\0');
				s++;
			} else if (*s == '"')
				instr = false;
			else
				assert_true(*s != '\n');
			continue;
		}
		switch (*s) {
		case '"':
			instr = true;
			break;
		case '{':
			if (braces == 0)
				graphs++;
			braces++;
			break;
		case '}':
			assert_true(--braces >= 0);
			break;
		case '[':
			brackets++;
			break;
		case ']':
			assert_true(--brackets >= 0);
			break;
		default:
			/* Only ASCII, printable or layout, outside strings. */
			assert_true(*s == '\n' || *s == '\t' ||
			    (*s >= 0x20 && *s < 0x7f));
		}
	}
	assert_false(instr);
	assert_int_equal(braces, 0);
	assert_int_equal(brackets, 0);
	assert_int_equal(graphs, 1);
}

/*
 * Structural check, per line: "ID [attrs];" declares a node (ids valid,
 * declared once), "A -> B[ attrs];" is an edge whose ends are declared
 * (anywhere in the graph).  Returns the number of edges.
 */
static int
assert_dot_edges_sound(const char *dot, struct dot_nodes *nodes)
{
	const char *line, *end, *s, *arrow, *b, *be;
	int pass, nedges = 0;
	size_t len;

	nodes->n = 0;
	for (pass = 0; pass < 2; pass++) {
		for (line = dot; *line != '\0'; line = *end ? end + 1 : end) {
			end = strchr(line, '\n');
			if (end == NULL)
				end = line + strlen(line);
			for (s = line; *s == '\t'; s++)
				continue;
			len = strcspn(s, " ;[");
			if (len == 0 || strncmp(s, "graph ", 6) == 0 ||
			    strncmp(s, "node ", 5) == 0 ||
			    strncmp(s, "edge ", 5) == 0 ||
			    strncmp(s, "digraph ", 8) == 0 ||
			    strncmp(s, "subgraph ", 9) == 0 ||
			    strncmp(s, "rank=", 5) == 0 ||
			    strncmp(s, "style=", 6) == 0 ||
			    strncmp(s, "label=", 6) == 0)
				continue;
			arrow = strstr(s, " -> ");
			if (arrow != NULL && arrow < end &&
			    (size_t)(arrow - s) == len) {
				if (pass == 0)
					continue;
				assert_true(dot_is_id(s, len));
				assert_true(dot_has_node(nodes, s, len));
				b = arrow + 4;
				be = b + strcspn(b, " ;[");
				assert_true(dot_is_id(b, (size_t)(be - b)));
				assert_true(
				    dot_has_node(nodes, b, (size_t)(be - b)));
				nedges++;
			} else if (s[len] == ' ' && s[len + 1] == '[') {
				if (pass == 1)
					continue;
				assert_true(dot_is_id(s, len));
				assert_false(dot_has_node(nodes, s, len));
				assert_true(nodes->n < DOT_MAX_NODES);
				memcpy(nodes->ids[nodes->n], s, len);
				nodes->ids[nodes->n][len] = '\0';
				nodes->n++;
			}
		}
	}
	return (nedges);
}

static char *
dot_string(struct shmsim_kernel *k, const char *title, struct dot_nodes *n,
    int *nedges)
{
	char *dot;

	dot = dump_string(k, SHMSIM_DUMP_DOT, title);
	assert_dot_lexically_sound(dot);
	*nedges = assert_dot_edges_sound(dot, n);
	return (dot);
}

/* ---------------------------------------------------------------- */
/* Scenes                                                           */
/* ---------------------------------------------------------------- */

/*
 * The scene of docs/dump-format.md: "init" has /foo (two pages, page 0
 * resident and page 1 on swap) at fd 0 and its dup at fd 1, and has sent
 * an anonymous object to pid 2, then closed it.
 */
static void
scene_foo(struct env *e, struct shmsim_proc **p2p)
{
	struct shmsim_proc *p2;
	uint64_t moved;
	int fd, fd1, fda;
	char c;

	shmsim_proc_setname(e->p, "init");
	p2 = spawn_as(e->k, 1001, 1001, 077);
	assert_errno(shmsim_shm_open(e->p, "/foo",
			 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &fd),
	    0);
	assert_int_equal(fd, 0);
	assert_errno(shmsim_ftruncate(e->p, fd, 8192), 0);
	assert_errno(shmsim_poke(e->p, fd, 0, "a", 1), 0);
	assert_errno(shmsim_poke(e->p, fd, 4096, "b", 1), 0);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 2);
	assert_errno(shmsim_peek(e->p, fd, 0, &c, 1), 0);
	assert_errno(shmsim_dup(e->p, fd, &fd1), 0);
	assert_int_equal(fd1, 1);
	assert_errno(
	    shmsim_shm_open(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &fda),
	    0);
	assert_errno(shmsim_sendfd(e->p, p2, fda), 0);
	assert_errno(shmsim_close(e->p, fda), 0);
	assert_audit_clean(e->k);
	*p2p = p2;
}

/* ---------------------------------------------------------------- */
/* Text                                                             */
/* ---------------------------------------------------------------- */

static void
dump_text_empty(void **state)
{
	struct env *e = *state;

	assert_text_dump(e->k, NULL,
	    "kernel: profile current, page_size 4096, buckets 1024\n"
	    "process pid 1: uid 0, gid 0, umask 022\n"
	    "files: none\n"
	    "shm: none\n"
	    "objects: none\n"
	    "names: none\n"
	    "swap: slots 0 of 65536, reserved 0\n"
	    "counts: procs 1, objects 0, shm 0, names 0, files 0, pages 0, "
	    "swapped 0, inflight 0, swap_reserved 0\n"
	    "malloc: cred 1, filedesc 2, proc 1, shmfd 1, vmspace 1\n");
}

static void
dump_text_no_process(void **state)
{
	struct env *e = *state;

	assert_errno(shmsim_exit(e->p), 0);
	e->p = NULL;
	assert_text_dump(e->k, "after exit",
	    "title \"after exit\"\n"
	    "kernel: profile current, page_size 4096, buckets 1024\n"
	    "processes: none\n"
	    "files: none\n"
	    "shm: none\n"
	    "objects: none\n"
	    "names: none\n"
	    "swap: slots 0 of 65536, reserved 0\n"
	    "counts: procs 0, objects 0, shm 0, names 0, files 0, pages 0, "
	    "swapped 0, inflight 0, swap_reserved 0\n"
	    "malloc: shmfd 1\n");
}

static void
dump_text_scene(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *p2;

	scene_foo(e, &p2);
	assert_text_dump(e->k, "scene",
	    "title \"scene\"\n"
	    "kernel: profile current, page_size 4096, buckets 1024\n"
	    "process pid 1 \"init\": uid 0, gid 0, umask 022\n"
	    "  fd 0 -> file 1 [cloexec]\n"
	    "  fd 1 -> file 1\n"
	    "process pid 2: uid 1001, gid 1001, umask 077\n"
	    "  in flight -> file 2\n"
	    "file 1: f_count 2, FREAD|FWRITE, offset 0 -> shm 1\n"
	    "file 2: f_count 1, FREAD|FWRITE, offset 0 -> shm 2\n"
	    "shm 1 \"/foo\": shm_refs 2, size 8192, mode 0600, uid 0, gid 0, "
	    "seals SEAL, ino 1 -> object 1\n"
	    "shm 2 (unnamed): shm_refs 1, size 0, mode 0600, uid 0, gid 0, "
	    "seals SEAL, ino 2 -> object 2\n"
	    "object 1: ref_count 1, size 2 pages, charge 8192, resident 1 [0], "
	    "swapped 1 [1]\n"
	    "object 2: ref_count 1, size 0 pages, charge 0, resident 0, "
	    "swapped 0\n"
	    "name \"/foo\": bucket 470, fnv 0x5c2125d6 -> shm 1\n"
	    "swap: slots 1 of 65536, reserved 8192 (uid 0: 8192)\n"
	    "counts: procs 2, objects 2, shm 2, names 1, files 2, pages 1, "
	    "swapped 1, inflight 1, swap_reserved 8192\n"
	    "malloc: cred 2, file 2, filedesc 4, proc 2, rights 1, "
	    "shmfd 4, swap 4, uidinfo 1, vm object 2, vm page 1, "
	    "vmspace 2\n");

	/* Received: the file moves from the queue to the table. */
	assert_errno(shmsim_recvfd(p2, NULL), 0);
	assert_errno(shmsim_shm_unlink(e->p, "/foo"), 0);
	assert_text_dump(e->k, NULL,
	    "kernel: profile current, page_size 4096, buckets 1024\n"
	    "process pid 1 \"init\": uid 0, gid 0, umask 022\n"
	    "  fd 0 -> file 1 [cloexec]\n"
	    "  fd 1 -> file 1\n"
	    "process pid 2: uid 1001, gid 1001, umask 077\n"
	    "  fd 0 -> file 2\n"
	    "file 1: f_count 2, FREAD|FWRITE, offset 0 -> shm 1\n"
	    "file 2: f_count 1, FREAD|FWRITE, offset 0 -> shm 2\n"
	    "shm 1 (unnamed): shm_refs 1, size 8192, mode 0600, uid 0, "
	    "gid 0, seals SEAL, ino 1 -> object 1\n"
	    "shm 2 (unnamed): shm_refs 1, size 0, mode 0600, uid 0, gid 0, "
	    "seals SEAL, ino 2 -> object 2\n"
	    "object 1: ref_count 1, size 2 pages, charge 8192, resident 1 [0], "
	    "swapped 1 [1]\n"
	    "object 2: ref_count 1, size 0 pages, charge 0, resident 0, "
	    "swapped 0\n"
	    "names: none\n"
	    "swap: slots 1 of 65536, reserved 8192 (uid 0: 8192)\n"
	    "counts: procs 2, objects 2, shm 2, names 0, files 2, pages 1, "
	    "swapped 1, inflight 0, swap_reserved 8192\n"
	    "malloc: cred 2, file 2, filedesc 4, proc 2, shmfd 3, swap 4, "
	    "uidinfo 1, vm object 2, vm page 1, vmspace 2\n");
	assert_errno(shmsim_exit(p2), 0);
}

/*
 * Numbering: files by pid then descriptor, then the in-flight queues
 * (even of a lower pid); shmfds by files, then names in byte order (a
 * named object nobody has open), then objects; objects by creation.
 */
static void
dump_text_numbering(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *p2;
	int fdb, fda, fdx;

	p2 = spawn_as(e->k, 0, 0, 022);
	/* Objects: 1 "/b", 2 "/a", 3 anonymous. */
	assert_errno(shmsim_shm_open(e->p, "/b", SHMSIM_O_CREAT | SHMSIM_O_RDWR,
			 0644, &fdb),
	    0);
	assert_errno(shmsim_shm_open(e->p, "/a", SHMSIM_O_CREAT | SHMSIM_O_RDWR,
			 0640, &fda),
	    0);
	assert_errno(
	    shmsim_shm_open(p2, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &fdx), 0);
	/* pid 1 gets "/b" back in flight and keeps nothing open. */
	assert_errno(shmsim_sendfd(e->p, e->p, fdb), 0);
	assert_errno(shmsim_close(e->p, fdb), 0);
	assert_errno(shmsim_close(e->p, fda), 0);
	assert_audit_clean(e->k);
	assert_text_dump(e->k, NULL,
	    "kernel: profile current, page_size 4096, buckets 1024\n"
	    "process pid 1: uid 0, gid 0, umask 022\n"
	    "  in flight -> file 2\n"
	    "process pid 2: uid 0, gid 0, umask 022\n"
	    "  fd 0 -> file 1 [cloexec]\n"
	    "file 1: f_count 1, FREAD|FWRITE, offset 0 -> shm 1\n"
	    "file 2: f_count 1, FREAD|FWRITE, offset 0 -> shm 2\n"
	    "shm 1 (unnamed): shm_refs 1, size 0, mode 0600, uid 0, gid 0, "
	    "seals SEAL, ino 3 -> object 3\n"
	    "shm 2 \"/b\": shm_refs 2, size 0, mode 0644, uid 0, gid 0, "
	    "seals SEAL, ino 1 -> object 1\n"
	    "shm 3 \"/a\": shm_refs 1, size 0, mode 0640, uid 0, gid 0, "
	    "seals SEAL, ino 2 -> object 2\n"
	    "object 1: ref_count 1, size 0 pages, charge 0, resident 0, "
	    "swapped 0\n"
	    "object 2: ref_count 1, size 0 pages, charge 0, resident 0, "
	    "swapped 0\n"
	    "object 3: ref_count 1, size 0 pages, charge 0, resident 0, "
	    "swapped 0\n"
	    "name \"/a\": bucket 611, fnv 0x2156ea63 -> shm 3\n"
	    "name \"/b\": bucket 608, fnv 0x2156ea60 -> shm 2\n"
	    "swap: slots 0 of 65536, reserved 0\n"
	    "counts: procs 2, objects 3, shm 3, names 2, files 2, pages 0, "
	    "swapped 0, inflight 1, swap_reserved 0\n"
	    "malloc: cred 2, file 2, filedesc 4, proc 2, rights 1, "
	    "shmfd 6, vm object 3, vmspace 2\n");
	assert_errno(shmsim_exit(p2), 0);
}

/*
 * Flags and credentials: status flags by name, access FREAD alone, an
 * offset, seals by name, supplementary groups, per-uid swap charges
 * sorted by uid.
 */
static void
dump_text_flags(void **state)
{
	struct env *e = *state;
	struct shmsim_cred cr;
	struct shmsim_proc *p2;
	int64_t rv;
	size_t done;
	int fd, fdr;

	shmsim_cred_init(&cr);
	cr.uid = 1002;
	cr.gid = 20;
	cr.ngroups = 2;
	cr.groups[0] = 5;
	cr.groups[1] = 0;
	cr.umask = 0;
	assert_errno(shmsim_spawn(e->k, &cr, &p2), 0);
	shmsim_proc_setname(p2, "worker");
	assert_errno(shmsim_shm_open(p2, "/w", SHMSIM_O_CREAT | SHMSIM_O_RDWR,
			 0666, &fd),
	    0);
	assert_errno(shmsim_ftruncate(p2, fd, 100), 0);
	assert_errno(shmsim_write(p2, fd, "hello", 5, &done), 0);
	assert_errno(shmsim_fcntl(p2, fd, SHMSIM_F_SETFL,
			 SHMSIM_O_NONBLOCK | SHMSIM_O_APPEND, &rv),
	    0);
	assert_errno(shmsim_fcntl(p2, fd, SHMSIM_F_SETFD, 0, &rv), 0);
	assert_errno(shmsim_shm_open(e->p, "/w", SHMSIM_O_RDONLY, 0, &fdr), 0);
	assert_errno(shmsim_fcntl(e->p, fdr, SHMSIM_F_ADD_SEALS, 0, &rv),
	    EPERM);
	assert_audit_clean(e->k);
	assert_text_dump(e->k, NULL,
	    "kernel: profile current, page_size 4096, buckets 1024\n"
	    "process pid 1: uid 0, gid 0, umask 022\n"
	    "  fd 0 -> file 1 [cloexec]\n"
	    "process pid 2 \"worker\": uid 1002, gid 20, umask 000, "
	    "groups 5,0\n"
	    "  fd 0 -> file 2\n"
	    "file 1: f_count 1, FREAD, offset 0 -> shm 1\n"
	    "file 2: f_count 1, FREAD|FWRITE|NONBLOCK|APPEND, offset 5 -> "
	    "shm 1\n"
	    "shm 1 \"/w\": shm_refs 3, size 100, mode 0666, uid 1002, "
	    "gid 20, seals SEAL, ino 1 -> object 1\n"
	    "object 1: ref_count 1, size 1 pages, charge 4096, resident 1 [0], "
	    "swapped 0\n"
	    "name \"/w\": bucket 629, fnv 0x2156ea75 -> shm 1\n"
	    "swap: slots 0 of 65536, reserved 4096 (uid 1002: 4096)\n"
	    "counts: procs 2, objects 1, shm 1, names 1, files 2, pages 1, "
	    "swapped 0, inflight 0, swap_reserved 4096\n"
	    "malloc: cred 2, file 2, filedesc 4, proc 2, shmfd 3, "
	    "uidinfo 1, vm object 1, vm page 1, vmspace 2\n");
	assert_errno(shmsim_exit(p2), 0);
}

/*
 * Seals and shm_open2(2) flags by name, and the swap charges of two uids
 * in uid order.
 */
static void
dump_text_seals_and_uids(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *p2;
	struct thread td;
	int64_t rv;
	int fd, fd2;

	/* uid 0 is charged first (the per-uid list keeps the newest first). */
	assert_errno(
	    shmsim_shm_open(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &fd),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, 2 * 4096), 0);
	p2 = spawn_as(e->k, 7, 7, 022);
	thread_enter(&td, (struct proc *)p2);
	assert_errno(kern_shm_open2(&td, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600,
			 SHM_ALLOW_SEALING),
	    0);
	fd2 = (int)td.td_retval[0];
	assert_errno(shmsim_ftruncate(p2, fd2, 4096), 0);
	/* Only the object made with SHM_ALLOW_SEALING takes seals. */
	assert_errno(
	    shmsim_fcntl(e->p, fd, SHMSIM_F_ADD_SEALS, F_SEAL_WRITE, &rv),
	    EPERM);
	assert_errno(shmsim_fcntl(p2, fd2, SHMSIM_F_ADD_SEALS,
			 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE, &rv),
	    0);
	assert_audit_clean(e->k);
	assert_text_dump(e->k, NULL,
	    "kernel: profile current, page_size 4096, buckets 1024\n"
	    "process pid 1: uid 0, gid 0, umask 022\n"
	    "  fd 0 -> file 1 [cloexec]\n"
	    "process pid 2: uid 7, gid 7, umask 022\n"
	    "  fd 0 -> file 2\n"
	    "file 1: f_count 1, FREAD|FWRITE, offset 0 -> shm 1\n"
	    "file 2: f_count 1, FREAD|FWRITE, offset 0 -> shm 2\n"
	    "shm 1 (unnamed): shm_refs 1, size 8192, mode 0600, uid 0, "
	    "gid 0, seals SEAL, ino 1 -> object 1\n"
	    "shm 2 (unnamed): shm_refs 1, size 4096, mode 0600, uid 7, "
	    "gid 7, seals SHRINK|GROW|WRITE, ino 2, shmflags ALLOW_SEALING "
	    "-> object 2\n"
	    "object 1: ref_count 1, size 2 pages, charge 8192, resident 0, "
	    "swapped 0\n"
	    "object 2: ref_count 1, size 1 pages, charge 4096, resident 0, "
	    "swapped 0\n"
	    "names: none\n"
	    "swap: slots 0 of 65536, reserved 12288 (uid 0: 8192, "
	    "uid 7: 4096)\n"
	    "counts: procs 2, objects 2, shm 2, names 0, files 2, pages 0, "
	    "swapped 0, inflight 0, swap_reserved 12288\n"
	    "malloc: cred 2, file 2, filedesc 4, proc 2, shmfd 3, "
	    "uidinfo 2, vm object 2, vmspace 2\n");
	assert_errno(shmsim_exit(p2), 0);
}

/* Names and process names hold any byte: '"', '\' and the rest escaped. */
static void
dump_text_escapes(void **state)
{
	struct env *e = *state;
	int fd;

	shmsim_proc_setname(e->p, "a \"b\"\\\t\x7f");
	assert_errno(shmsim_shm_open(e->p, "/we\"ird\\\x01\xff",
			 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &fd),
	    0);
	assert_text_dump(e->k, "t\"\\\n",
	    "title \"t\\\"\\\\\\x0a\"\n"
	    "kernel: profile current, page_size 4096, buckets 1024\n"
	    "process pid 1 \"a \\\"b\\\"\\\\\\x09\\x7f\": uid 0, gid 0, "
	    "umask 022\n"
	    "  fd 0 -> file 1 [cloexec]\n"
	    "file 1: f_count 1, FREAD|FWRITE, offset 0 -> shm 1\n"
	    "shm 1 \"/we\\\"ird\\\\\\x01\\xff\": shm_refs 2, size 0, "
	    "mode 0600, uid 0, gid 0, seals SEAL, ino 1 -> object 1\n"
	    "object 1: ref_count 1, size 0 pages, charge 0, resident 0, "
	    "swapped 0\n"
	    "name \"/we\\\"ird\\\\\\x01\\xff\": bucket 381, fnv 0xc8ec757d "
	    "-> shm 1\n"
	    "swap: slots 0 of 65536, reserved 0\n"
	    "counts: procs 1, objects 1, shm 1, names 1, files 1, pages 0, "
	    "swapped 0, inflight 0, swap_reserved 0\n"
	    "malloc: cred 1, file 1, filedesc 2, proc 1, shmfd 3, "
	    "vm object 1, vmspace 1\n");
}

/* Page lists: runs of three or more as a-b; 16 items, then "...". */
static void
dump_text_page_lists(void **state)
{
	struct env *e = *state;
	uint64_t i, moved;
	char *got;
	int fd, fd2;

	assert_errno(
	    shmsim_shm_open(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &fd),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, 64 * 4096), 0);
	/* 0-9, 12, 13, 20, then 40 and 42 go to swap. */
	for (i = 0; i < 10; i++)
		assert_errno(shmsim_poke(e->p, fd, i * 4096, "x", 1), 0);
	assert_errno(shmsim_poke(e->p, fd, 12 * 4096, "x", 1), 0);
	assert_errno(shmsim_poke(e->p, fd, 13 * 4096, "x", 1), 0);
	assert_errno(shmsim_poke(e->p, fd, 20 * 4096, "x", 1), 0);
	assert_errno(
	    shmsim_shm_open(e->p, SHMSIM_SHM_ANON, SHMSIM_O_RDWR, 0600, &fd2),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd2, 64 * 4096), 0);
	assert_errno(shmsim_poke(e->p, fd2, 40 * 4096, "x", 1), 0);
	assert_errno(shmsim_poke(e->p, fd2, 42 * 4096, "x", 1), 0);
	assert_errno(shmsim_pageout(e->k, 0, &moved), 0);
	assert_int_equal(moved, 15);
	/* Back in: 0-9, 12, 13, 20 of the first object. */
	for (i = 0; i < 21; i++) {
		char c;

		if (i < 10 || i == 12 || i == 13 || i == 20)
			assert_errno(shmsim_peek(e->p, fd, i * 4096, &c, 1), 0);
	}
	/* The second: every other page of 0..38, 20 singletons, resident. */
	for (i = 0; i < 40; i += 2)
		assert_errno(shmsim_poke(e->p, fd2, i * 4096, "x", 1), 0);
	assert_audit_clean(e->k);
	got = dump_string(e->k, SHMSIM_DUMP_TEXT, NULL);
	assert_contains(got,
	    "object 1: ref_count 1, size 64 pages, charge 262144, "
	    "resident 13 [0-9,12,13,20], swapped 0\n");
	assert_contains(got,
	    "object 2: ref_count 1, size 64 pages, charge 262144, "
	    "resident 20 [0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,...], "
	    "swapped 2 [40,42]\n");
	free(got);
}

/* Profile 2008: no inode numbers, no charge, no seals. */
static void
dump_text_2008(void **state)
{
	struct env *e = *state;
	int fd;

	assert_errno(shmsim_shm_open(e->p, "/old",
			 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &fd),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, 4097), 0);
	assert_errno(shmsim_poke(e->p, fd, 4096, "x", 1), 0);
	assert_text_dump(e->k, NULL,
	    "kernel: profile 2008, page_size 4096, buckets 1024\n"
	    "process pid 1: uid 0, gid 0, umask 022\n"
	    "  fd 0 -> file 1 [cloexec]\n"
	    "file 1: f_count 1, FREAD|FWRITE, offset 0 -> shm 1\n"
	    "shm 1 \"/old\": shm_refs 2, size 4097, mode 0600, uid 0, gid 0, "
	    "seals none, ino 0 -> object 1\n"
	    "object 1: ref_count 1, size 2 pages, charge 0, resident 1 [1], "
	    "swapped 0\n"
	    "name \"/old\": bucket 581, fnv 0x7f38b645 -> shm 1\n"
	    "swap: slots 0 of 65536, reserved 0\n"
	    "counts: procs 1, objects 1, shm 1, names 1, files 1, pages 1, "
	    "swapped 0, inflight 0, swap_reserved 0\n"
	    "malloc: cred 1, file 1, filedesc 2, proc 1, shmfd 3, "
	    "vm object 1, vm page 1, vmspace 1\n");
}

/* A smaller page size and dictionary show in the kernel line. */
static void
dump_text_config(void **state)
{
	struct shmsim_config cfg;
	struct env *e;
	char *got;
	int fd;

	(void)state;
	shmsim_config_init(&cfg);
	cfg.page_size = 512;
	cfg.hash_buckets = 20;
	cfg.swap_pages = 100;
	e = env_new(&cfg);
	assert_errno(shmsim_shm_open(e->p, "/foo",
			 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &fd),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fd, 1000), 0);
	got = dump_string(e->k, SHMSIM_DUMP_TEXT, NULL);
	assert_contains(got,
	    "kernel: profile current, page_size 512, buckets 16\n");
	assert_contains(got,
	    "name \"/foo\": bucket 6, fnv 0x5c2125d6 -> "
	    "shm 1\n");
	assert_contains(got,
	    "object 1: ref_count 1, size 2 pages, "
	    "charge 1024, resident 0, swapped 0\n");
	assert_contains(got,
	    "swap: slots 0 of 100, reserved 1024 "
	    "(uid 0: 1024)\n");
	free(got);
	env_free(e);
}

/*
 * A file whose open has not finished (still on badfileops) as another
 * thread of the process would see it: shown, refers to nothing.
 */
static void
dump_text_not_set_up(void **state)
{
	struct env *e = *state;
	struct thread td;
	struct file *fp;
	int fd;

	thread_enter(&td, (struct proc *)e->p);
	assert_errno(falloc_caps(&td, &fp, &fd, 0), 0);
	assert_text_dump(e->k, NULL,
	    "kernel: profile current, page_size 4096, buckets 1024\n"
	    "process pid 1: uid 0, gid 0, umask 022\n"
	    "  fd 0 -> file 1\n"
	    "file 1: f_count 2, (not set up)\n"
	    "shm: none\n"
	    "objects: none\n"
	    "names: none\n"
	    "swap: slots 0 of 65536, reserved 0\n"
	    "counts: procs 1, objects 0, shm 0, names 0, files 1, pages 0, "
	    "swapped 0, inflight 0, swap_reserved 0\n"
	    "malloc: cred 1, file 1, filedesc 2, proc 1, shmfd 1, vmspace 1\n");
	fdclose(&td, fp, fd);
	fdrop(fp, &td);
}

/* Many descriptors and processes: numbering past the map's first size. */
static void
dump_text_many(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *c;
	char *got, want[128];
	int fd, i;

	for (i = 0; i < 200; i++) {
		assert_errno(shmsim_shm_open(e->p, SHMSIM_SHM_ANON,
				 SHMSIM_O_RDWR, 0600, &fd),
		    0);
		assert_int_equal(fd, i);
	}
	assert_errno(shmsim_fork(e->p, &c), 0);
	got = dump_string(e->k, SHMSIM_DUMP_TEXT, NULL);
	assert_contains(got,
	    "  fd 199 -> file 200 [cloexec]\n"
	    "process pid 2: uid 0, gid 0, umask 022\n"
	    "  fd 0 -> file 1 [cloexec]\n");
	for (i = 0; i < 200; i++) {
		snprintf(want, sizeof(want),
		    "\nfile %d: f_count 2, FREAD|FWRITE, offset 0 -> shm %d\n",
		    i + 1, i + 1);
		assert_contains(got, want);
		snprintf(want, sizeof(want),
		    "\nshm %d (unnamed): shm_refs 1, size 0, mode 0600, uid 0, "
		    "gid 0, seals SEAL, ino %d -> object %d\n",
		    i + 1, i + 1, i + 1);
		assert_contains(got, want);
	}
	assert_contains(got,
	    "counts: procs 2, objects 200, shm 200, "
	    "names 0, files 200, pages 0, swapped 0, "
	    "inflight 0, swap_reserved 0\n");
	free(got);
	assert_errno(shmsim_exit(c), 0);
}

/*
 * A state past every array the snapshot starts in place (src/dump.c,
 * DUMP_SMALL_*): more processes, descriptors in flight, map entries,
 * names, uids and path bytes than fit, so that each array moves to the
 * heap with what it held; every item must still be there, in order.
 */
static void
dump_text_past_in_place(void **state)
{
	struct env *e = *state;
	struct shmsim_proc *p[11];
	char path[11][208], *got, want[512];
	const char *s;
	uint64_t addr;
	int fd, i, n;

	for (i = 0; i < 11; i++) {
		p[i] = spawn_as(e->k, 2000 + (uid_t)i, 2000, 022);
		memset(path[i], 'a' + i, 200);
		path[i][0] = '/';
		path[i][200] = '\0';
		assert_errno(shmsim_shm_open(p[i], path[i],
				 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &fd),
		    0);
		assert_errno(shmsim_ftruncate(p[i], fd, 4096), 0);
		/* Each a descriptor in flight to the first process. */
		if (i > 0)
			assert_errno(shmsim_sendfd(p[i], p[0], fd), 0);
	}
	for (i = 0; i < 20; i++)
		assert_errno(shmsim_mmap(p[1], 0, 4096, SHMSIM_PROT_READ,
				 SHMSIM_MAP_SHARED, 0, 0, &addr),
		    0);
	got = dump_string(e->k, SHMSIM_DUMP_TEXT, NULL);
	for (i = 0; i < 11; i++) {
		snprintf(want, sizeof(want), "process pid %d: uid %d,", i + 2,
		    2000 + i);
		assert_contains(got, want);
		snprintf(want, sizeof(want), "\nname \"%s\": bucket ", path[i]);
		assert_contains(got, want);
		snprintf(want, sizeof(want), " \"%s\": shm_refs 2, size 4096",
		    path[i]);
		assert_contains(got, want);
	}
	/* Files: each process's fd 0 (1 to 11), then the ten in flight. */
	for (i = 1; i < 11; i++) {
		snprintf(want, sizeof(want), "  in flight -> file %d\n", i + 1);
		assert_contains(got, want);
	}
	for (n = 0, s = got; (s = strstr(s, "\n  map ")) != NULL; s++)
		n++;
	assert_int_equal(n, 20);
	assert_contains(got,
	    "(uid 2000: 4096, uid 2001: 4096, uid 2002: 4096, uid 2003: 4096, "
	    "uid 2004: 4096, uid 2005: 4096, uid 2006: 4096, uid 2007: 4096, "
	    "uid 2008: 4096, uid 2009: 4096, uid 2010: 4096)\n");
	free(got);
	assert_audit_clean(e->k);
}

/* Same operations, same dump; dumping changes nothing. */
static void
dump_text_deterministic(void **state)
{
	struct shmsim_counters c1, c2;
	struct shmsim_proc *p2;
	struct env *e2;
	char *a, *b, *a2;

	(void)state;
	e2 = env_new(NULL);
	scene_foo(*state, &p2);
	a = dump_string(((struct env *)*state)->k, SHMSIM_DUMP_TEXT, "x");
	scene_foo(e2, &p2);
	shmsim_counters(e2->k, &c1);
	b = dump_string(e2->k, SHMSIM_DUMP_TEXT, "x");
	assert_text(a, b);
	free(b);
	b = dump_string(e2->k, SHMSIM_DUMP_DOT, "x");
	a2 = dump_string(e2->k, SHMSIM_DUMP_DOT, "x");
	assert_text(a2, b);
	shmsim_counters(e2->k, &c2);
	assert_memory_equal(&c1, &c2, sizeof(c1));
	assert_audit_clean(e2->k);
	free(a);
	free(a2);
	free(b);
	env_free(e2);
}

/* ---------------------------------------------------------------- */
/* Dot                                                              */
/* ---------------------------------------------------------------- */

static void
dump_dot_empty(void **state)
{
	struct env *e = *state;
	struct dot_nodes nodes;
	char *dot;
	int nedges;

	dot = dot_string(e->k, NULL, &nodes, &nedges);
	assert_text(dot,
	    "digraph \"shmsim\" {\n"
	    "\tgraph [rankdir=LR, fontname=\"Helvetica\"];\n"
	    "\tnode [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
	    "\tedge [fontname=\"Helvetica\", fontsize=9];\n"
	    "\tkernel [shape=note, label=\"kernel\\nprofile current\\n"
	    "page_size 4096, buckets 1024\\n"
	    "swap: slots 0 of 65536, reserved 0\\n"
	    "procs 1, objects 0, shm 0, names 0,\\n"
	    "files 0, pages 0, swapped 0,\\n"
	    "inflight 0, swap_reserved 0\"];\n"
	    "\tsubgraph cluster_p1 {\n"
	    "\t\tstyle=rounded; color=gray; label=\"\";\n"
	    "\t\tp1 [label=\"process pid 1\\nuid 0, gid 0, umask 022\"];\n"
	    "\t}\n"
	    "}\n");
	assert_int_equal(nodes.n, 2);
	assert_int_equal(nedges, 0);
	free(dot);
}

static void
dump_dot_scene(void **state)
{
	struct env *e = *state;
	static const char *const want_nodes[] = { "kernel", "p1", "p1fd0",
		"p1fd1", "p2", "p2q", "f1", "f2", "s1", "s2", "o1", "o2",
		"o1pg", "n1" };
	static const char *const want_edges[] = {
		"\tp1 -> p1fd0;\n",
		"\tp1fd0 -> f1;\n",
		"\tp1 -> p1fd1;\n",
		"\tp1fd1 -> f1;\n",
		"\tp2 -> p2q [style=dashed];\n",
		"\tp2q -> f2 [style=dashed, taillabel=\"1\"];\n",
		"\tf1 -> s1;\n",
		"\tf2 -> s2;\n",
		"\ts1 -> o1;\n",
		"\ts2 -> o2;\n",
		"\to1 -> o1pg [style=dotted];\n",
		"\tn1 -> s1;\n",
	};
	struct dot_nodes nodes;
	struct shmsim_proc *p2;
	char *dot;
	size_t i;
	int nedges;

	scene_foo(e, &p2);
	dot = dot_string(e->k, "scene", &nodes, &nedges);
	assert_prefix(dot, "digraph \"scene\" {\n");
	assert_contains(dot, "labelloc=t, label=\"scene\"];\n");
	assert_int_equal(nodes.n,
	    (int)(sizeof(want_nodes) / sizeof(want_nodes[0])));
	for (i = 0; i < sizeof(want_nodes) / sizeof(want_nodes[0]); i++)
		assert_true(
		    dot_has_node(&nodes, want_nodes[i], strlen(want_nodes[i])));
	assert_int_equal(nedges,
	    (int)(sizeof(want_edges) / sizeof(want_edges[0])));
	for (i = 0; i < sizeof(want_edges) / sizeof(want_edges[0]); i++)
		assert_contains(dot, want_edges[i]);
	/* Counts on the nodes; pages summarized on one node. */
	assert_contains(dot,
	    "\t\tp1 [label=\"process pid 1 \\\"init\\\"\\n"
	    "uid 0, gid 0, umask 022\"];\n");
	assert_contains(dot, "\t\tp1fd0 [label=\"fd 0\\ncloexec\"];\n");
	assert_contains(dot, "\t\tp1fd1 [label=\"fd 1\"];\n");
	assert_contains(dot,
	    "\t\tp2q [style=dashed, label=\"in flight\\n"
	    "1 queued\"];\n");
	assert_contains(dot,
	    "\t\tf1 [label=\"file 1\\nf_count 2\\n"
	    "FREAD|FWRITE\\noffset 0\"];\n");
	assert_contains(dot,
	    "\t\ts1 [label=\"shm 1 \\\"/foo\\\"\\n"
	    "shm_refs 2\\nsize 8192\\nmode 0600, uid 0, "
	    "gid 0\\nseals SEAL\\nino 1\"];\n");
	assert_contains(dot, "\t\ts2 [label=\"shm 2 (unnamed)\\n");
	assert_contains(dot,
	    "\t\to1 [shape=box3d, label=\"object 1\\n"
	    "ref_count 1\\nsize 2 pages\\ncharge 8192\"];\n");
	assert_contains(dot,
	    "\t\to1pg [shape=note, label=\"resident 1: 0\\n"
	    "swapped 1: 1\"];\n");
	assert_contains(dot,
	    "\t\tn1 [shape=ellipse, label=\"\\\"/foo\\\"\\n"
	    "bucket 470\\nfnv 0x5c2125d6\"];\n");
	/* Columns: files, shmfds, objects, pages each on one rank. */
	assert_contains(dot, "\t{\n\t\trank=same;\n\t\tf1 ");
	assert_contains(dot, "\t{\n\t\trank=same;\n\t\ts1 ");
	assert_contains(dot, "\t{\n\t\trank=same;\n\t\to1 ");
	assert_contains(dot, "\t{\n\t\trank=same;\n\t\to1pg ");
	assert_contains(dot, "\tsubgraph cluster_names {\n");
	free(dot);
	assert_errno(shmsim_exit(p2), 0);
}

/*
 * Node ids name things, not their place in one dump's numbering: after
 * the first file and object go, the second keeps f2, s2, o2 and n2 while
 * its labels say "file 1", "shm 1", "object 1" as the text does.  The
 * object's label shows writemappings, as the text line does.
 */
static void
dump_dot_stable_ids(void **state)
{
	struct env *e = *state;
	struct dot_nodes nodes;
	uint64_t addr;
	char *dot, *dot2;
	int fda, fdb, nedges;

	assert_errno(shmsim_shm_open(e->p, "/a", SHMSIM_O_CREAT | SHMSIM_O_RDWR,
			 0600, &fda),
	    0);
	assert_errno(shmsim_shm_open(e->p, "/b", SHMSIM_O_CREAT | SHMSIM_O_RDWR,
			 0600, &fdb),
	    0);
	assert_errno(shmsim_ftruncate(e->p, fdb, 4096), 0);
	assert_errno(shmsim_mmap(e->p, 0, 4096,
			 SHMSIM_PROT_READ | SHMSIM_PROT_WRITE,
			 SHMSIM_MAP_SHARED, fdb, 0, &addr),
	    0);
	dot = dot_string(e->k, NULL, &nodes, &nedges);
	assert_contains(dot, "\t\tf2 [label=\"file 2\\n");
	assert_contains(dot, "\tp1fd1 -> f2;\n");
	assert_contains(dot,
	    "\t\to2 [shape=box3d, label=\"object 2\\n"
	    "ref_count 2\\nsize 1 pages\\ncharge 4096\\n"
	    "writemappings 4096\"];\n");
	assert_contains(dot, " -> o2 [taillabel=\"offset 0\"];\n");

	assert_errno(shmsim_close(e->p, fda), 0);
	assert_errno(shmsim_shm_unlink(e->p, "/a"), 0);
	dot2 = dot_string(e->k, NULL, &nodes, &nedges);
	assert_contains(dot2, "\t\tf2 [label=\"file 1\\n");
	assert_contains(dot2, "\t\ts2 [label=\"shm 1 \\\"/b\\\"\\n");
	assert_contains(dot2, "\t\to2 [shape=box3d, label=\"object 1\\n");
	assert_contains(dot2, "\t\tn2 [shape=ellipse, label=\"\\\"/b\\\"\\n");
	assert_contains(dot2, "\tp1fd1 -> f2;\n");
	assert_contains(dot2, "\tf2 -> s2;\n");
	assert_contains(dot2, "\ts2 -> o2;\n");
	assert_contains(dot2, "\tn2 -> s2;\n");
	assert_null(strstr(dot2, "f1"));
	assert_null(strstr(dot2, "o1 "));
	free(dot);
	free(dot2);
	assert_errno(shmsim_munmap(e->p, addr, 4096), 0);
	assert_errno(shmsim_close(e->p, fdb), 0);
	assert_errno(shmsim_shm_unlink(e->p, "/b"), 0);
}

/* Escapes: the label shows the text format's quoted name. */
static void
dump_dot_escapes(void **state)
{
	struct env *e = *state;
	struct dot_nodes nodes;
	char *dot;
	int fd, nedges;

	shmsim_proc_setname(e->p, "q\"\\");
	assert_errno(shmsim_shm_open(e->p, "/we\"ird\\\x01\xff",
			 SHMSIM_O_CREAT | SHMSIM_O_RDWR, 0600, &fd),
	    0);
	dot = dot_string(e->k, "a\"b\\c\x02", &nodes, &nedges);
	assert_prefix(dot, "digraph \"a\\\"b\\\\c\\\\x02\" {\n");
	assert_contains(dot, "label=\"a\\\"b\\\\c\\\\x02\"];\n");
	assert_contains(dot,
	    "p1 [label=\"process pid 1 \\\"q\\\\\\\"\\\\\\\\"
	    "\\\"\\n");
	assert_contains(dot,
	    "n1 [shape=ellipse, label=\"\\\"/we\\\\\\\"ird"
	    "\\\\\\\\\\\\x01\\\\xff\\\"\\n");
	assert_int_equal(nedges, 5);
	free(dot);
}

static void
dump_dot_not_set_up(void **state)
{
	struct env *e = *state;
	struct dot_nodes nodes;
	struct thread td;
	struct file *fp;
	char *dot;
	int fd, nedges;

	thread_enter(&td, (struct proc *)e->p);
	assert_errno(falloc_caps(&td, &fp, &fd, 0), 0);
	dot = dot_string(e->k, NULL, &nodes, &nedges);
	assert_contains(dot,
	    "\t\tf1 [label=\"file 1\\nf_count 2\\n"
	    "(not set up)\"];\n");
	assert_int_equal(nedges, 2);
	free(dot);
	fdclose(&td, fp, fd);
	fdrop(fp, &td);
}

/* ---------------------------------------------------------------- */
/* Errors                                                           */
/* ---------------------------------------------------------------- */

static void
dump_write_error_is_eio(void **state)
{
	struct env *e = *state;
	char buf[16] = "";
	FILE *f;

	/* A stream open for reading only: every write fails. */
	f = fmemopen(buf, sizeof(buf), "r");
	assert_non_null(f);
	assert_errno(shmsim_dump(e->k, f, SHMSIM_DUMP_TEXT, NULL), EIO);
	assert_errno(shmsim_dump(e->k, f, SHMSIM_DUMP_DOT, "t"), EIO);
	fclose(f);
}

static void
dump_bad_format_is_einval(void **state)
{
	struct env *e = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_errno(shmsim_dump(e->k, f, (enum shmsim_dump_format)2, NULL),
	    EINVAL);
	assert_errno(shmsim_dump(e->k, NULL, SHMSIM_DUMP_TEXT, NULL), EINVAL);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(len, 0);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(dump_text_empty, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(dump_text_no_process,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dump_text_scene, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(dump_text_numbering,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dump_text_flags, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(dump_text_seals_and_uids,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dump_text_escapes,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dump_text_page_lists,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dump_text_2008, setup_2008,
		    teardown_env),
		cmocka_unit_test(dump_text_config),
		cmocka_unit_test_setup_teardown(dump_text_not_set_up,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dump_text_many, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(dump_text_past_in_place,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dump_text_deterministic,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dump_dot_empty, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(dump_dot_scene, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(dump_dot_stable_ids,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dump_dot_escapes, setup_current,
		    teardown_env),
		cmocka_unit_test_setup_teardown(dump_dot_not_set_up,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dump_write_error_is_eio,
		    setup_current, teardown_env),
		cmocka_unit_test_setup_teardown(dump_bad_format_is_einval,
		    setup_current, teardown_env),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
