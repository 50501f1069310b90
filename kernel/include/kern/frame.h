/* SPDX-License-Identifier: MIT */
/* The kernel's physical frame allocator (4 KiB frames from the kernel pool only). */
#ifndef KERN_FRAME_H
#define KERN_FRAME_H

#include <kern/types.h>
#include <kern/memmap.h>

/* Hands the given pool ranges to the allocator; frames outside them are never returned. */
void frame_init(const struct phys_range *ranges, unsigned n);
/* A zeroed frame, or 0 when the pool is exhausted (callers return an error). */
paddr_t frame_alloc(void);
void frame_free(paddr_t frame);
/* Whether frame lies inside the pool given to frame_init. */
bool frame_in_pool(paddr_t frame);
/* Whether any frame of [start, end) is the kernel's (its pool). */
bool frame_pool_overlaps(paddr_t start, paddr_t end);

struct frame_stats {
	word_t total, free;
};
struct frame_stats frame_stats(void);

#endif
