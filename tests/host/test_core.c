/* SPDX-License-Identifier: MIT */
/* Host tests of the kernel core outside the mdb: memory map, frame allocator, ready queues, formatting. */
#include <string.h>
#include "harness.h"
#include <kern/memmap.h>
#include <kern/frame.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <kern/printk.h>
#include <arch/physmem.h>

#define MiB (1ull << 20)

static struct l4_memdesc md(paddr_t lo, paddr_t hi_excl, unsigned type, unsigned sub)
{
	return l4_memdesc_make(lo, hi_excl - 1, type, sub, 0);
}

HOST_TEST(memmap_override, "core.memmap.override", "later memory descriptors override earlier ones where they overlap")
{
	struct l4_memdesc d[] = {
	    md(0, 128 * MiB, L4_MEM_CONVENTIONAL, 0),
	    md(100 * MiB, 108 * MiB, L4_MEM_RESERVED, 0),
	    md(104 * MiB, 105 * MiB, L4_MEM_BOOTLOADER, L4_BOOT_SUB_INFO),
	};
	unsigned sub;
	CHECK_EQ(memmap_type_at(d, 3, 50 * MiB, &sub), L4_MEM_CONVENTIONAL);
	CHECK_EQ(memmap_type_at(d, 3, 101 * MiB, &sub), L4_MEM_RESERVED);
	CHECK_EQ(memmap_type_at(d, 3, 104 * MiB + 4096, &sub), L4_MEM_BOOTLOADER);
	CHECK_EQ(sub, L4_BOOT_SUB_INFO);
	CHECK_EQ(memmap_type_at(d, 3, 200 * MiB, &sub), L4_MEM_UNDEFINED);
	CHECK_EQ(memmap_phys_top(d, 3), 128 * MiB);
}

HOST_TEST(memmap_pool, "core.memmap.pool",
	  "the kernel pool is the final reserved memory minus later overrides and the kernel image")
{
	struct l4_memdesc d[] = {
	    md(0, 128 * MiB, L4_MEM_CONVENTIONAL, 0),
	    md(100 * MiB, 108 * MiB, L4_MEM_RESERVED, 0),
	    md(104 * MiB, 105 * MiB, L4_MEM_BOOTLOADER, L4_BOOT_SUB_INFO), /* punches a hole */
	    md(120 * MiB, 121 * MiB, L4_MEM_RESERVED, 1), /* another subtype: not the pool */
	    l4_memdesc_make(0, ~0ull, L4_MEM_RESERVED, 0, 1), /* virtual: ignored */
	};
	struct phys_range r[8];
	unsigned n = memmap_kernel_pool(d, 5, 101 * MiB, 102 * MiB, r, 8); /* the image at 101 MiB */
	CHECK_EQ(n, 3);
	CHECK_EQ(r[0].start, 100 * MiB);
	CHECK_EQ(r[0].end, 101 * MiB);
	CHECK_EQ(r[1].start, 102 * MiB);
	CHECK_EQ(r[1].end, 104 * MiB);
	CHECK_EQ(r[2].start, 105 * MiB);
	CHECK_EQ(r[2].end, 108 * MiB);
	/* no descriptors, no pool */
	CHECK_EQ(memmap_kernel_pool(d, 0, 0, 0, r, 8), 0);
	/* a pool that is not page aligned shrinks to whole pages */
	struct l4_memdesc odd[] = {l4_memdesc_make(0x1400, 0x5bff, L4_MEM_RESERVED, 0, 0)};
	n = memmap_kernel_pool(odd, 1, 0, 0, r, 8);
	CHECK_EQ(n, 1);
	CHECK_EQ(r[0].start, 0x2000);
	CHECK_EQ(r[0].end, 0x5000);
}

HOST_TEST(frames, "core.frame.alloc",
	  "the frame allocator hands out only pool frames, each once, zeroed, and takes them back")
{
	static char mem[64 * 4096] __attribute__((aligned(4096)));
	host_phys_base = mem;
	memset(mem, 0xaa, sizeof mem);
	struct phys_range pool[] = {{4 * 4096, 10 * 4096}, {20 * 4096, 22 * 4096}};
	frame_init(pool, 2);
	CHECK_EQ(frame_stats().total, 8);
	paddr_t got[8];
	for (int i = 0; i < 8; i++) {
		got[i] = frame_alloc();
		CHECK(got[i] != 0);
		CHECK(frame_in_pool(got[i]));
		for (int j = 0; j < i; j++)
			CHECK(got[i] != got[j]);
		const char *p = phys_to_virt(got[i]);
		for (int k = 0; k < 4096; k++)
			CHECK_EQ(p[k], 0);
	}
	CHECK_EQ(frame_alloc(), 0); /* exhausted: an error, not a panic */
	CHECK_EQ(frame_stats().free, 0);
	CHECK(!frame_in_pool(12 * 4096));
	frame_free(got[3]);
	CHECK_EQ(frame_alloc(), got[3]);
	host_phys_base = NULL;
}

static struct tcb tcbs[4];

HOST_TEST(sched_queues, "core.sched.queues", "ready queues are FIFO per priority and the bitmap finds the highest one")
{
	struct sched_queues q;
	memset(&q, 0, sizeof q);
	memset(tcbs, 0, sizeof tcbs);
	tcbs[0].priority = 100, tcbs[1].priority = 100, tcbs[2].priority = 200, tcbs[3].priority = 0;
	CHECK(sched_highest(&q) == NULL);
	CHECK_EQ(sched_highest_priority(&q), -1);
	sched_enqueue(&q, &tcbs[0]);
	sched_enqueue(&q, &tcbs[1]);
	sched_enqueue(&q, &tcbs[3]);
	CHECK(sched_highest(&q) == &tcbs[0]);
	sched_enqueue(&q, &tcbs[2]);
	CHECK(sched_highest(&q) == &tcbs[2]);
	CHECK_EQ(sched_highest_priority(&q), 200);
	sched_dequeue(&q, &tcbs[2]);
	sched_dequeue(&q, &tcbs[0]);
	CHECK(sched_highest(&q) == &tcbs[1]);
	sched_dequeue(&q, &tcbs[1]);
	CHECK(sched_highest(&q) == &tcbs[3]);
	CHECK_EQ(sched_highest_priority(&q), 0);
	sched_dequeue(&q, &tcbs[3]);
	sched_dequeue(&q, &tcbs[3]); /* not queued: nothing happens */
	CHECK(sched_highest(&q) == NULL);
}

HOST_TEST(format, "core.printk.format",
	  "snprintk formats like printf for the conversions the kernel uses, and truncates safely")
{
	char b[64];
	snprintk(b, sizeof b, "%d %u %x %#llx %5s|%-3c|%03d %%", -42, 7u, 255u, 0xdeadull, "ab", 'z', 5);
	CHECK(strcmp(b, "-42 7 ff 0xdead    ab|z  |005 %") == 0);
	snprintk(b, sizeof b, "%016llx %p", 0x1234ull, (void *)0x10);
	CHECK(strcmp(b, "0000000000001234 0x0000000000000010") == 0);
	int n = snprintk(b, 5, "%s", "truncated");
	CHECK_EQ(n, 9);
	CHECK(strcmp(b, "trun") == 0);
	const char *volatile nothing = NULL; /* the kernel prints "(null)" rather than faulting */
	snprintk(b, sizeof b, "%s %lld", nothing, -9223372036854775807ll - 1);
	CHECK(strcmp(b, "(null) -9223372036854775808") == 0);
}
