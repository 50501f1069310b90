/* SPDX-License-Identifier: MIT */
/* Reading the KIP memory descriptors: which physical ranges the kernel may use as its own. */
#ifndef KERN_MEMMAP_H
#define KERN_MEMMAP_H

#include <kern/types.h>
#include <l4/kip.h>

/* A physical range [start, end), end exclusive, page aligned. */
struct phys_range {
	paddr_t start, end;
};

#define MEMMAP_MAX_RANGES 64

/* Computes the kernel's memory pool from the descriptors: the physical ranges
 * whose final type, after later descriptors override earlier ones (X.2), is
 * reserved (type 2, subtype 0, not virtual), shrunk to whole pages and minus
 * [exclude_start, exclude_end) (the kernel image). Returns the number of
 * ranges written to out (at most max), sorted and disjoint. */
unsigned memmap_kernel_pool(const struct l4_memdesc *desc, unsigned n, paddr_t exclude_start, paddr_t exclude_end,
			    struct phys_range *out, unsigned max);

/* The final descriptor type of physical address pa (0 if no descriptor covers it). */
unsigned memmap_type_at(const struct l4_memdesc *desc, unsigned n, paddr_t pa, unsigned *subtype);

/* Whether every address of [start, end) has the final type `type`. */
bool memmap_range_is(const struct l4_memdesc *desc, unsigned n, paddr_t start, paddr_t end, unsigned type);

/* One past the highest address covered by a conventional-memory descriptor. */
paddr_t memmap_phys_top(const struct l4_memdesc *desc, unsigned n);

#endif
