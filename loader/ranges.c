/* SPDX-License-Identifier: MIT */
/* Sets of physical ranges: usable RAM as the union of e820 RAM minus everything else. */
#include "loader.h"

/* Invariant: lo[i] < hi[i] <= lo[i+1] (sorted, disjoint, non-empty). */

static void remove_at(struct rset *s, unsigned i)
{
	for (unsigned k = i + 1; k < s->n; k++)
		s->lo[k - 1] = s->lo[k], s->hi[k - 1] = s->hi[k];
	s->n--;
}

static void insert_at(struct rset *s, unsigned i, uint64_t lo, uint64_t hi)
{
	if (s->n == RSET_MAX)
		loader_fail("memory map too fragmented (more than %u ranges)", RSET_MAX);
	for (unsigned k = s->n; k > i; k--)
		s->lo[k] = s->lo[k - 1], s->hi[k] = s->hi[k - 1];
	s->lo[i] = lo;
	s->hi[i] = hi;
	s->n++;
}

void rset_add(struct rset *s, uint64_t lo, uint64_t hi)
{
	if (lo >= hi)
		return;
	unsigned i = 0;
	while (i < s->n && s->hi[i] < lo)
		i++;
	/* merge every range touching [lo, hi) into it */
	while (i < s->n && s->lo[i] <= hi) {
		if (s->lo[i] < lo)
			lo = s->lo[i];
		if (s->hi[i] > hi)
			hi = s->hi[i];
		remove_at(s, i);
	}
	insert_at(s, i, lo, hi);
}

void rset_sub(struct rset *s, uint64_t lo, uint64_t hi)
{
	if (lo >= hi)
		return;
	for (unsigned i = 0; i < s->n;) {
		if (!ranges_overlap(s->lo[i], s->hi[i], lo, hi)) {
			i++;
			continue;
		}
		uint64_t a = s->lo[i], b = s->hi[i];
		remove_at(s, i);
		if (a < lo)
			insert_at(s, i++, a, lo);
		if (hi < b)
			insert_at(s, i++, hi, b);
	}
}

int rset_covers(const struct rset *s, uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->lo[i] <= lo && hi <= s->hi[i])
			return 1;
	return 0;
}

uint64_t rset_total(const struct rset *s)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < s->n; i++)
		t += s->hi[i] - s->lo[i];
	return t;
}
