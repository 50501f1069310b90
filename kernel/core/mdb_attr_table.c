/* SPDX-License-Identifier: MIT */
/* The memory attributes sigma0 set, per physical range: what a lazily created root gets. */
#include <kern/memattr.h>

/*
 * sigma0's roots are a cache the kernel fills at sigma0's faults and map items
 * (space.c) and empties by eviction (docs/kmem.md). An attribute sigma0 sets on
 * them must outlive them, so it is recorded here by physical address (sigma0's
 * addresses are physical) and mdb_root_create gives a new root the recorded
 * attribute, or refuses a root whose range is mixed (the caller then makes
 * smaller roots).
 *
 * Invariants: ranges[0..count) are non-empty, page aligned, sorted by start,
 * disjoint, none has the default attribute, and two neighbours that touch have
 * different attributes. Ranges not listed have the default attribute.
 */
struct memattr_range {
	paddr_t start, end; /* [start, end) */
	unsigned attr;
};
static struct memattr_range ranges[MEMATTR_MAX_RANGES];
static unsigned count;

void memattr_reset(void) { count = 0; }
unsigned memattr_ranges(void) { return count; }

/* Appends [s, e) with attr to out[0..*n), merging with the last range when they
 * touch and agree; default and empty ranges are not listed. False if full. */
static bool append(struct memattr_range *out, unsigned *n, paddr_t s, paddr_t e, unsigned attr)
{
	if (s >= e || attr == MEMATTR_DEFAULT)
		return true;
	if (*n && out[*n - 1].end == s && out[*n - 1].attr == attr) {
		out[*n - 1].end = e;
		return true;
	}
	if (*n == MEMATTR_MAX_RANGES)
		return false;
	out[(*n)++] = (struct memattr_range){s, e, attr};
	return true;
}

int memattr_record(paddr_t start, paddr_t end, unsigned attr)
{
	static struct memattr_range next[MEMATTR_MAX_RANGES]; /* one CPU, no preemption inside */
	unsigned n = 0;
	bool ok = true;
	if (start >= end)
		return 0;
	/* what lies before start, the new range, what lies after end: sorted by construction */
	for (unsigned i = 0; i < count && ranges[i].start < start; i++)
		ok = ok &&
		     append(next, &n, ranges[i].start, ranges[i].end < start ? ranges[i].end : start, ranges[i].attr);
	ok = ok && append(next, &n, start, end, attr);
	for (unsigned i = 0; i < count; i++)
		if (ranges[i].end > end)
			ok = ok && append(next, &n, ranges[i].start > end ? ranges[i].start : end, ranges[i].end,
					  ranges[i].attr);
	if (!ok)
		return -1;
	for (unsigned i = 0; i < n; i++)
		ranges[i] = next[i];
	count = n;
	return 0;
}

bool memattr_uniform(paddr_t start, word_t size, unsigned *attr)
{
	paddr_t end = start + size;
	for (unsigned i = 0; i < count && ranges[i].start < end; i++) {
		if (ranges[i].end <= start)
			continue;
		*attr = ranges[i].attr;
		return ranges[i].start <= start && ranges[i].end >= end;
	}
	*attr = MEMATTR_DEFAULT;
	return true;
}
