/* SPDX-License-Identifier: MIT */
/* Kernel frame allocator: a free list threaded through the free frames themselves. */
#include <kern/frame.h>
#include <kern/panic.h>
#include <kern/string.h>
#include <arch/physmem.h>

/* Invariants: every frame on the free list lies in one of the pool ranges and
 * appears once; stats.free counts the list; a free frame's first word links to
 * the next free frame (physical address, 0 ends the list). */
static paddr_t free_head;
static struct phys_range pool[MEMMAP_MAX_RANGES];
static unsigned pool_count;
static struct frame_stats stats;

bool frame_in_pool(paddr_t f)
{
	for (unsigned i = 0; i < pool_count; i++)
		if (f >= pool[i].start && f < pool[i].end)
			return true;
	return false;
}

bool frame_pool_overlaps(paddr_t start, paddr_t end)
{
	for (unsigned i = 0; i < pool_count; i++)
		if (start < pool[i].end && pool[i].start < end)
			return true;
	return false;
}

void frame_init(const struct phys_range *ranges, unsigned n)
{
	free_head = 0;
	stats = (struct frame_stats){0, 0};
	pool_count = n < MEMMAP_MAX_RANGES ? n : MEMMAP_MAX_RANGES;
	/* Push in descending order so that allocation starts at low addresses. */
	for (unsigned i = pool_count; i-- > 0;) {
		pool[i] = ranges[i];
		for (paddr_t f = ALIGN_DOWN(ranges[i].end, PAGE_SIZE); f > ALIGN_UP(ranges[i].start, PAGE_SIZE);) {
			f -= PAGE_SIZE;
			if (f == 0) /* physical 0 doubles as the list terminator */
				continue;
			*(paddr_t *)phys_to_virt(f) = free_head;
			free_head = f;
			stats.total++;
			stats.free++;
		}
	}
}

paddr_t frame_alloc(void)
{
	paddr_t f = free_head;
	if (!f)
		return 0;
	free_head = *(paddr_t *)phys_to_virt(f);
	stats.free--;
	memset(phys_to_virt(f), 0, PAGE_SIZE);
	return f;
}

void frame_free(paddr_t f)
{
	if (!frame_in_pool(f) || (f & (PAGE_SIZE - 1)))
		panic("frame_free: %llx is not a kernel pool frame", (unsigned long long)f);
	*(paddr_t *)phys_to_virt(f) = free_head;
	free_head = f;
	stats.free++;
}

struct frame_stats frame_stats(void) { return stats; }
