/*
 * A hash index of names (processes, threads, variables, jails) for the
 * parser and the runner, so that looking a name up costs the same in a
 * script of a million names as in one of three (shmsim-scenario(5)
 * LIMITS: time linear in the input).  The names themselves stay in the
 * caller's array; the index maps a name to its position there, through
 * the caller's nameof().
 */
#ifndef SHMSIM_NAMETAB_H
#define SHMSIM_NAMETAB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sc_nametab {
	int *slots; /* position + 1; 0 for an empty slot */
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

typedef const char *sc_nameof_fn(const void *ctx, int i);

/* FNV-1a, 32 bits. */
static inline uint32_t
sc_name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return (h);
}

/* The position of name, or -1. */
static inline int
sc_nametab_find(const struct sc_nametab *t, const char *name,
    sc_nameof_fn *nameof, const void *ctx)
{
	size_t i;

	if (t->cap == 0)
		return (-1);
	for (i = sc_name_hash(name) & (t->cap - 1); t->slots[i] != 0;
	     i = (i + 1) & (t->cap - 1))
		if (strcmp(nameof(ctx, t->slots[i] - 1), name) == 0)
			return (t->slots[i] - 1);
	return (-1);
}

static inline void
sc_nametab_put(struct sc_nametab *t, const char *name, int pos)
{
	size_t i;

	for (i = sc_name_hash(name) & (t->cap - 1); t->slots[i] != 0;
	     i = (i + 1) & (t->cap - 1))
		continue;
	t->slots[i] = pos + 1;
	t->n++;
}

/* Index name (not yet indexed) at position pos; exit 3 without memory. */
static inline void
sc_nametab_add(struct sc_nametab *t, const char *name, int pos,
    sc_nameof_fn *nameof, const void *ctx)
{
	if (2 * (t->n + 1) > t->cap) {
		struct sc_nametab nt = { NULL, t->cap == 0 ? 16 : 2 * t->cap,
			0 };
		size_t i;

		nt.slots = calloc(nt.cap, sizeof(*nt.slots));
		if (nt.slots == NULL) {
			fprintf(stderr, "shmsim: out of memory\n");
			exit(3);
		}
		for (i = 0; i < t->cap; i++)
			if (t->slots[i] != 0)
				sc_nametab_put(&nt,
				    nameof(ctx, t->slots[i] - 1),
				    t->slots[i] - 1);
		free(t->slots);
		*t = nt;
	}
	sc_nametab_put(t, name, pos);
}

static inline void
sc_nametab_free(struct sc_nametab *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

#endif /* SHMSIM_NAMETAB_H */
