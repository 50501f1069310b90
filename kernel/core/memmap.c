/* SPDX-License-Identifier: MIT */
/* Interprets the KIP memory descriptors with X.2's rule that later ones override earlier ones. */
#include <kern/memmap.h>

/* The type of pa is the type of the last non-virtual descriptor covering it. */
unsigned memmap_type_at(const struct l4_memdesc *desc, unsigned n, paddr_t pa, unsigned *subtype)
{
	unsigned type = L4_MEM_UNDEFINED, sub = 0;
	for (unsigned i = 0; i < n; i++) {
		if (l4_memdesc_virtual(desc[i]))
			continue;
		if (pa >= l4_memdesc_low(desc[i]) && pa <= l4_memdesc_high(desc[i])) {
			type = l4_memdesc_type(desc[i]);
			sub = l4_memdesc_subtype(desc[i]);
		}
	}
	if (subtype)
		*subtype = sub;
	return type;
}

bool memmap_range_is(const struct l4_memdesc *desc, unsigned n, paddr_t start, paddr_t end, unsigned type)
{
	/* The final type is constant between two descriptor boundaries: probe the
	 * start and every boundary inside the range. */
	if (memmap_type_at(desc, n, start, NULL) != type)
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (l4_memdesc_virtual(desc[i]))
			continue;
		paddr_t lo = l4_memdesc_low(desc[i]), hi = l4_memdesc_high(desc[i]);
		if (lo > start && lo < end && memmap_type_at(desc, n, lo, NULL) != type)
			return false;
		if (hi != ~(paddr_t)0 && hi + 1 > start && hi + 1 < end &&
		    memmap_type_at(desc, n, hi + 1, NULL) != type)
			return false;
	}
	return true;
}

static bool is_pool(const struct l4_memdesc *desc, unsigned n, paddr_t pa)
{
	unsigned sub;
	return memmap_type_at(desc, n, pa, &sub) == L4_MEM_RESERVED && sub == 0;
}

/* Walks the boundaries of all descriptors: between two consecutive boundaries
 * the final type is constant, so one probe per interval decides it. */
unsigned memmap_kernel_pool(const struct l4_memdesc *desc, unsigned n, paddr_t exclude_start, paddr_t exclude_end,
			    struct phys_range *out, unsigned max)
{
	unsigned count = 0;
	paddr_t pos = 0;
	for (;;) {
		/* next boundary above pos */
		paddr_t next = ~(paddr_t)0;
		bool found = false;
		for (unsigned i = 0; i < n; i++) {
			if (l4_memdesc_virtual(desc[i]))
				continue;
			paddr_t lo = l4_memdesc_low(desc[i]);
			paddr_t hi = l4_memdesc_high(desc[i]);
			paddr_t end = hi == ~(paddr_t)0 ? hi : hi + 1;
			if (lo > pos && lo < next)
				next = lo, found = true;
			if (end > pos && end < next)
				next = end, found = true;
		}
		if (is_pool(desc, n, pos)) {
			paddr_t s = ALIGN_UP(pos, PAGE_SIZE), e = ALIGN_DOWN(next, PAGE_SIZE);
			/* cut out the excluded range */
			struct phys_range parts[2] = {{s, e < exclude_start ? e : exclude_start},
						      {s > exclude_end ? s : exclude_end, e}};
			if (exclude_end <= s || exclude_start >= e)
				parts[0] = (struct phys_range){s, e}, parts[1] = (struct phys_range){0, 0};
			for (int k = 0; k < 2; k++) {
				if (parts[k].start >= parts[k].end)
					continue;
				if (count && out[count - 1].end == parts[k].start) {
					out[count - 1].end = parts[k].end;
				} else if (count < max) {
					out[count++] = parts[k];
				}
			}
		}
		if (!found)
			break;
		pos = next;
	}
	return count;
}

paddr_t memmap_phys_top(const struct l4_memdesc *desc, unsigned n)
{
	paddr_t top = 0;
	for (unsigned i = 0; i < n; i++) {
		if (l4_memdesc_virtual(desc[i]) || l4_memdesc_type(desc[i]) != L4_MEM_CONVENTIONAL)
			continue;
		paddr_t end = l4_memdesc_high(desc[i]) + 1;
		if (end > top)
			top = end;
	}
	return top;
}
