/* SPDX-License-Identifier: MIT */
/* The mapping benchmark root task: grant and map items through IPC, revoke of derivation trees of 10^2..10^5 nodes. */
/*
 * Figures, in guest instructions under QEMU -icount shift=0 (see bench_ipc), each the
 * median of its repetitions after one untimed repetition that warms up and checks,
 * through reads by the receiving space, that the mappings exist and are gone after
 * each revoke:
 *   grant.ipc.4k         one-way IPC carrying one grant item of a 4 KiB page: a
 *                        ping-pong in which each side grants the page back, / 2
 *   grant.ipc.512x4k     the same with a 2 MiB fpage of 512 4 KiB mappings
 *   grant.ipc.super2m    the same with one 2 MiB superpage mapping
 *   map.ipc.512x4k       one-way IPC carrying one map item of a 2 MiB fpage of 512 of
 *                        our 4 KiB pages (512 new mappings) = round trip with the item
 *                        - half an empty round trip
 *   map.ipc.super2m      the same with our 2 MiB superpage (one new 2 MiB mapping)
 *   unmap.super2m        l4_unmap_fpage of that superpage with its one derived mapping
 *   revoke.fan.1eK       l4_unmap_fpage of one 4 KiB page from which 10^K mappings are
 *                        derived: the page mapped at 10^K addresses of another space,
 *                        31 map items per message
 *   revoke.fan.1eK.irqoff  the longest stretch of that revoke with interrupts off: the
 *                        kernel work between two preemption points (KDB call 0x40),
 *                        the syscall entry before the first and the exit after the last
 *                        included, as are the few instructions of the two KDB calls
 *                        around the revoke (an upper bound by those)
 *   replace.fan.1eK.irqoff  the longest interrupts-off stretch (measured as above) of a
 *                        one-way IPC whose map item replaces our page that has 10^K
 *                        derived mappings: the sink maps one of its pages back onto
 *                        it. The kernel flushes the replaced subtree first in bounded
 *                        Unmap steps (docs/mdb.md "Costs"); before that it went in one
 *                        go, so the stretch grew with 10^K.
 *   replace.fan.1eK      the whole call carrying that map item (cost, for scale)
 *   grant.restrict.fan.1eK.irqoff  the longest interrupts-off stretch (measured as
 *                        above) of a one-way IPC whose grant item gives our page that
 *                        has 10^K derived mappings to the sink read-only: the grant
 *                        restricts the moved subtree to r in bounded Unmap-like steps
 *                        first (docs/mdb.md "Costs"); before, it went in one go
 *   grant.restrict.fan.1eK  the whole call carrying that grant item (cost, for scale)
 * The revoke trees need kernel memory: tools/bench.sh boots this with kmem=32.
 */
#include <bench.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/space.h>
#include <l4/sigma0.h>
#include <mnemo/exitcode.h>

#define REPS 11
#define LABEL_READY 0x100
#define LABEL_PROBE 0x102
#define LABEL_GRANT 0x103
#define LABEL_MAPTO 0x104
#define LABEL_FLUSH 0x105
#define LABEL_WPROBE 0x106

/* The sink's receive window, 1 GiB, and where each figure maps into it. */
#define MAP_WIN 0x40000000ull
#define FAN_WIN MAP_WIN /* up to 10^5 pages: 400 MB */
#define DST_512 (MAP_WIN + (512ull << 20))
#define DST_SUPER (MAP_WIN + (516ull << 20))
#define DST_GRANT (MAP_WIN + (520ull << 20))
#define DST_RGRANT (MAP_WIN + (524ull << 20)) /* where the read-only grant of fan_page lands */
#define SUPER_WIN 0x30000000ull /* our window for sigma0's 2 MiB page */
#define FAN_ITEMS 31 /* map items per message: 62 MRs */
#define GRANT_ROUNDS 64

static char src_512[2ul << 20] __attribute__((aligned(2ul << 20)));
static char fan_page[4096] __attribute__((aligned(4096)));
static char grant_page[4096] __attribute__((aligned(4096)));
static unsigned sink_faults; /* the sink's faults inside MAP_WIN */

/* Runs in another space: accepts our map and grant items, grants a granted page back
 * (to where it came from: the item as sent is in its MRs), reads a word on a probe,
 * and answers everything else with an empty reply. */
static void sink(void)
{
	l4_threadid_t from = l4_pager();
	l4_accept(l4_fpage_log2(MAP_WIN, 30));
	l4_utcb()[0] = l4_msgtag(LABEL_READY, 0, 0, 0);
	l4_msgtag_t tag = l4_call(from);
	for (;;) {
		l4_word_t *mr = l4_utcb();
		if (L4_TAG_LABEL(tag) == LABEL_GRANT) {
			l4_word_t here = l4_fpage_base(mr[1]), there = l4_fpage_base(mr[2]);
			unsigned log2 = l4_fpage_size_log2(mr[2]); /* the item as sent: its size */
			mr[0] = l4_msgtag(0, 0, 2, 0);
			mr[1] = l4_grant_item_word0(there);
			mr[2] = l4_fpage_log2(here, log2) | L4_FULLY_ACCESSIBLE;
		} else if (L4_TAG_LABEL(tag) == LABEL_MAPTO) { /* our page mr[1] to the caller's mr[2] */
			l4_word_t here = mr[1], there = mr[2];
			mr[0] = l4_msgtag(0, 0, 2, 0);
			mr[1] = l4_map_item_word0(there);
			mr[2] = l4_fpage_log2(here, 12) | L4_FULLY_ACCESSIBLE;
		} else if (L4_TAG_LABEL(tag) == LABEL_PROBE) {
			mr[1] = *(volatile l4_word_t *)mr[1];
			mr[0] = l4_msgtag(0, 1, 0, 0);
		} else if (L4_TAG_LABEL(tag) == LABEL_WPROBE) {
			*(volatile l4_word_t *)mr[1] = mr[2];
			mr[0] = 0;
		} else if (L4_TAG_LABEL(tag) == LABEL_FLUSH) { /* our page mr[1] and all derived from it */
			l4_flush(l4_fpage_log2(mr[1], 12) | L4_FULLY_ACCESSIBLE);
			mr[0] = 0;
		} else {
			mr[0] = 0;
		}
		tag = l4_reply_wait(from, &from);
	}
}

/* Calls the sink with the message in our MRs. Its faults on our image are served as
 * usual; one inside MAP_WIN is answered with a map of fault_src (none expected if 0). */
static l4_msgtag_t sink_call(l4_threadid_t s, l4_word_t fault_src)
{
	l4_msgtag_t tag = l4_call(s);
	while (!l4_ipc_failed(tag) && bench_is_pagefault(tag)) {
		l4_word_t addr = l4_utcb()[1] & ~0xfffull;
		if (addr < MAP_WIN || addr >= MAP_WIN + (1ull << 30)) {
			tag = bench_map_and_wait(s);
			continue;
		}
		if (!fault_src)
			bench_fail("sink: a fault on a page that should be mapped", addr);
		sink_faults++;
		l4_utcb()[0] = l4_msgtag(0, 0, 2, 0);
		l4_utcb()[1] = l4_map_item_word0(addr);
		l4_utcb()[2] = l4_fpage_log2(fault_src, 12) | L4_FULLY_ACCESSIBLE;
		tag = l4_ipc(s, s, L4_TIMEOUTS(L4_ZERO_TIME, L4_NEVER), NULL);
	}
	if (l4_ipc_failed(tag))
		bench_fail("sink: call failed", tag);
	return tag;
}

static void sink_map(l4_threadid_t s, l4_word_t src, unsigned log2, l4_word_t dst)
{
	l4_utcb()[0] = l4_msgtag(0, 0, 2, 0);
	l4_utcb()[1] = l4_map_item_word0(dst);
	l4_utcb()[2] = l4_fpage_log2(src, log2) | L4_FULLY_ACCESSIBLE;
	sink_call(s, 0);
}

static l4_word_t sink_empty_call(l4_threadid_t s)
{
	l4_word_t t0 = bench_rdtsc();
	l4_utcb()[0] = 0;
	sink_call(s, 0);
	return bench_rdtsc() - t0;
}

/* The sink reads addr: our page src must be mapped there, or, if !mapped, must not be
 * (the read faults, we map src there, and take that mapping away again). */
static void sink_check(l4_threadid_t s, l4_word_t addr, l4_word_t src, bool mapped)
{
	unsigned f0 = sink_faults;
	*(volatile l4_word_t *)src = addr ^ 0x5a5a5a5a;
	l4_utcb()[0] = l4_msgtag(LABEL_PROBE, 1, 0, 0);
	l4_utcb()[1] = addr;
	sink_call(s, mapped ? 0 : src);
	if (l4_utcb()[1] != (addr ^ 0x5a5a5a5a))
		bench_fail("sink: wrong contents", l4_utcb()[1]);
	if (!mapped && sink_faults != f0 + 1)
		bench_fail("sink: a page still mapped after the unmap", addr);
	if (!mapped)
		l4_unmap_fpage(l4_fpage_log2(src, 12) | L4_FULLY_ACCESSIBLE);
}

/* ---- grant ------------------------------------------------------------------------------ */

/* One-way IPC with one grant item of the fpage (src, log2): a ping-pong in which
 * the sink grants it back to where it came from, `rounds` times per sample, / 2. */
static void grant_figure(l4_threadid_t s, l4_word_t src, unsigned log2, l4_word_t dst, unsigned rounds,
			 const char *name)
{
	l4_word_t samples[REPS], *mr = l4_utcb(), last = src + (1ul << log2) - 8;
	*(volatile l4_word_t *)src = 0x6a6e617267; /* ours, from sigma0 */
	*(volatile l4_word_t *)last = 0x6c617374;
	l4_accept(l4_fpage_log2(src, log2)); /* where the sink grants it back */
	for (unsigned r = 0; r <= REPS; r++) {
		l4_word_t t0 = bench_rdtsc();
		for (unsigned i = 0; i < rounds; i++) {
			mr[0] = l4_msgtag(LABEL_GRANT, 0, 2, 0);
			mr[1] = l4_grant_item_word0(dst);
			mr[2] = l4_fpage_log2(src, log2) | L4_FULLY_ACCESSIBLE;
			l4_msgtag_t tag = sink_call(s, 0);
			if (L4_TAG_T(tag) != 2)
				bench_fail("grant: the sink did not grant the page back", tag);
		}
		if (r)
			samples[r - 1] = bench_rdtsc() - t0;
	}
	l4_accept(L4_NILPAGE);
	if (*(volatile l4_word_t *)src != 0x6a6e617267 || *(volatile l4_word_t *)last != 0x6c617374)
		bench_fail("grant: the pages came back with other contents", *(volatile l4_word_t *)src);
	bench_report(name, samples, REPS, 2 * rounds);
}

/* ---- map 512 pages, map and unmap a superpage ------------------------------------------- */

static void map_figures(l4_threadid_t s)
{
	l4_word_t s512[REPS], ssuper[REPS], sunmap[REPS];
	for (l4_word_t a = (l4_word_t)src_512; a < (l4_word_t)src_512 + sizeof src_512; a += 4096)
		*(volatile char *)a = 0; /* 512 pages of 4 KiB, from sigma0 on faults */
	l4_fpage_t got =
	    l4_sigma0_get_page_rcv_window(l4_fpage_log2(~0ull, 21) | L4_FULLY_ACCESSIBLE, l4_fpage_log2(SUPER_WIN, 21));
	l4_accept(L4_NILPAGE);
	if (got == L4_NILPAGE || l4_fpage_size_log2(got) != 21)
		bench_fail("sigma0: no 2 MiB page", got);

	for (unsigned r = 0; r <= REPS; r++) {
		l4_word_t t_empty = sink_empty_call(s);
		l4_word_t t0 = bench_rdtsc();
		sink_map(s, (l4_word_t)src_512, 21, DST_512);
		l4_word_t t_map = bench_rdtsc() - t0;
		if (!r)
			sink_check(s, DST_512 + 300 * 4096, (l4_word_t)src_512 + 300 * 4096, true);
		l4_unmap_fpage(l4_fpage_log2((l4_word_t)src_512, 21) | L4_FULLY_ACCESSIBLE);
		if (!r)
			sink_check(s, DST_512 + 300 * 4096, (l4_word_t)src_512 + 300 * 4096, false);
		else
			s512[r - 1] = 2 * t_map - t_empty;
	}
	bench_report("map.ipc.512x4k", s512, REPS, 2);

	/* Repetition 0 checks; its probe after the unmap leaves a 4 KiB page table where the
	 * superpage goes, which repetition 1 replaces (100 times the cost): also untimed. */
	for (unsigned r = 0; r <= REPS + 1; r++) {
		l4_word_t t_empty = sink_empty_call(s);
		l4_word_t t0 = bench_rdtsc();
		sink_map(s, SUPER_WIN, 21, DST_SUPER);
		l4_word_t t_map = bench_rdtsc() - t0;
		if (!r)
			sink_check(s, DST_SUPER + 511 * 4096, SUPER_WIN + 511 * 4096, true);
		t0 = bench_rdtsc();
		l4_unmap_fpage(l4_fpage_log2(SUPER_WIN, 21) | L4_FULLY_ACCESSIBLE);
		l4_word_t t_unmap = bench_rdtsc() - t0;
		if (!r) {
			sink_check(s, DST_SUPER + 511 * 4096, SUPER_WIN + 511 * 4096, false);
			continue;
		}
		if (r > 1) {
			ssuper[r - 2] = 2 * t_map - t_empty;
			sunmap[r - 2] = t_unmap;
		}
	}
	bench_report("map.ipc.super2m", ssuper, REPS, 2);
	bench_report("unmap.super2m", sunmap, REPS, 1);
}

/* The figures PREFIX.fan.1eK (instructions) and PREFIX.fan.1eK.irqoff. */
static void report_fan(const char *prefix, unsigned k, const l4_word_t *cost, const l4_word_t *irqoff, unsigned reps)
{
	char name[40];
	snprintf(name, sizeof name, "%s.fan.1e%u", prefix, k);
	bench_report(name, cost, reps, 1);
	snprintf(name, sizeof name, "%s.fan.1e%u.irqoff", prefix, k);
	bench_report(name, irqoff, reps, 1);
}

/* ---- revoke of a fan of 10^K mappings of one page ---------------------------------------------- */

static void fan_build(l4_threadid_t s, unsigned n)
{
	l4_word_t *mr = l4_utcb();
	for (unsigned i = 0; i < n; i += FAN_ITEMS) {
		unsigned k = n - i < FAN_ITEMS ? n - i : FAN_ITEMS;
		mr[0] = l4_msgtag(0, 0, 2 * k, 0);
		for (unsigned j = 0; j < k; j++) {
			mr[1 + 2 * j] = l4_map_item_word0(FAN_WIN + (l4_word_t)(i + j) * 4096);
			mr[2 + 2 * j] = l4_fpage_log2((l4_word_t)fan_page, 12) | L4_FULLY_ACCESSIBLE;
		}
		sink_call(s, 0);
	}
}

static void revoke_figure(l4_threadid_t s, unsigned k, unsigned reps)
{
	l4_word_t cost[REPS], irqoff[REPS];
	unsigned n = 1;
	for (unsigned i = 0; i < k; i++)
		n *= 10;
	const l4_word_t last = FAN_WIN + (l4_word_t)(n - 1) * 4096;
	for (unsigned r = 0; r <= reps; r++) {
		fan_build(s, n);
		if (!r)
			sink_check(s, last, (l4_word_t)fan_page, true);
		bench_irqoff();
		l4_word_t t0 = bench_rdtsc();
		l4_unmap_fpage(l4_fpage_log2((l4_word_t)fan_page, 12) | L4_FULLY_ACCESSIBLE);
		l4_word_t t = bench_rdtsc() - t0, off = bench_irqoff();
		if (!r) {
			sink_check(s, last, (l4_word_t)fan_page, false);
			sink_check(s, FAN_WIN, (l4_word_t)fan_page, false);
			continue;
		}
		cost[r - 1] = t;
		irqoff[r - 1] = off;
	}
	report_fan("revoke", k, cost, irqoff, reps);
}

/* The sink maps its DST_GRANT page (our grant_page) onto our fan_page, which has 10^k
 * derived mappings in the sink: the map replaces them all. Then our fan_page is our
 * own again (flushed and touched: sigma0 gives a page) for the next repetition. */
static void replace_figure(l4_threadid_t s, unsigned k, unsigned reps)
{
	l4_word_t cost[REPS], irqoff[REPS], *mr = l4_utcb();
	unsigned n = 1;
	for (unsigned i = 0; i < k; i++)
		n *= 10;
	const l4_word_t last = FAN_WIN + (l4_word_t)(n - 1) * 4096;
	*(volatile l4_word_t *)grant_page = 0x7265706c;
	sink_map(s, (l4_word_t)grant_page, 12, DST_GRANT);
	for (unsigned r = 0; r <= reps; r++) {
		fan_build(s, n);
		l4_accept(l4_fpage_log2((l4_word_t)fan_page, 12));
		mr[0] = l4_msgtag(LABEL_MAPTO, 2, 0, 0);
		mr[1] = DST_GRANT;
		mr[2] = (l4_word_t)fan_page;
		bench_irqoff();
		l4_word_t t0 = bench_rdtsc();
		l4_msgtag_t tag = sink_call(s, 0);
		l4_word_t t = bench_rdtsc() - t0, off = bench_irqoff();
		l4_accept(L4_NILPAGE);
		if (L4_TAG_T(tag) != 2 || *(volatile l4_word_t *)fan_page != 0x7265706c)
			bench_fail("replace: our page was not replaced by the sink's", *(volatile l4_word_t *)fan_page);
		l4_flush(l4_fpage_log2((l4_word_t)fan_page, 12) | L4_FULLY_ACCESSIBLE);
		*(volatile char *)fan_page = 0; /* our own page again, from sigma0 */
		if (!r) { /* the derived mappings went with the replaced page */
			sink_check(s, last, (l4_word_t)fan_page, false);
			sink_check(s, FAN_WIN, (l4_word_t)fan_page, false);
			continue;
		}
		cost[r - 1] = t;
		irqoff[r - 1] = off;
	}
	report_fan("replace", k, cost, irqoff, reps);
}

/* We grant fan_page, which has 10^k derived mappings in the sink, read-only to the
 * sink: the subtree moves with it and is restricted to r. Then the sink flushes it
 * (the page and the fan go) and we touch fan_page again (sigma0 gives a page). */
static void grant_restrict_figure(l4_threadid_t s, unsigned k, unsigned reps)
{
	l4_word_t cost[REPS], irqoff[REPS], *mr = l4_utcb();
	unsigned n = 1;
	for (unsigned i = 0; i < k; i++)
		n *= 10;
	const l4_word_t last = FAN_WIN + (l4_word_t)(n - 1) * 4096;
	for (unsigned r = 0; r <= reps; r++) {
		*(volatile l4_word_t *)fan_page = 0x67726e74 + r;
		fan_build(s, n);
		mr[0] = l4_msgtag(0, 0, 2, 0);
		mr[1] = l4_grant_item_word0(DST_RGRANT);
		mr[2] = l4_fpage_log2((l4_word_t)fan_page, 12) | L4_READABLE;
		bench_irqoff();
		l4_word_t t0 = bench_rdtsc();
		sink_call(s, 0);
		l4_word_t t = bench_rdtsc() - t0, off = bench_irqoff();
		if (!r) { /* the fan stays, read-only: reads see our page, a write faults */
			l4_word_t probe[2] = {last, DST_RGRANT};
			for (unsigned i = 0; i < 2; i++) {
				mr[0] = l4_msgtag(LABEL_PROBE, 1, 0, 0);
				mr[1] = probe[i];
				sink_call(s, 0);
				if (mr[1] != 0x67726e74)
					bench_fail("grant.restrict: the sink reads other contents", mr[1]);
			}
			unsigned f0 = sink_faults;
			mr[0] = l4_msgtag(LABEL_WPROBE, 2, 0, 0);
			mr[1] = FAN_WIN;
			mr[2] = 1;
			sink_call(s, (l4_word_t)grant_page); /* the fault is answered with another page */
			if (sink_faults != f0 + 1)
				bench_fail("grant.restrict: a derived mapping kept its write right", sink_faults);
		}
		mr[0] = l4_msgtag(LABEL_FLUSH, 1, 0, 0);
		mr[1] = DST_RGRANT;
		sink_call(s, 0);
		*(volatile char *)fan_page = 0; /* our own page again, from sigma0 */
		if (!r) {
			sink_check(s, last, (l4_word_t)fan_page, false);
			continue;
		}
		cost[r - 1] = t;
		irqoff[r - 1] = off;
	}
	char name[48];
	snprintf(name, sizeof name, "grant.restrict.fan.1e%u", k);
	bench_report(name, cost, reps, 1);
	snprintf(name, sizeof name, "grant.restrict.fan.1e%u.irqoff", k);
	bench_report(name, irqoff, reps, 1);
}

int main(void)
{
	bench_init();
	printf("bench_map: map, grant and revoke from thread %llx; figures are guest instructions under -icount\n",
	       (unsigned long long)bench_main());
	*(volatile char *)fan_page = 0;
	l4_msgtag_t tag;
	l4_threadid_t s = bench_start_remote(sink, &tag);
	if (L4_TAG_LABEL(tag) != LABEL_READY)
		bench_fail("sink: not ready", tag);
	grant_figure(s, (l4_word_t)grant_page, 12, DST_GRANT, GRANT_ROUNDS, "grant.ipc.4k");
	map_figures(s);
	grant_figure(s, (l4_word_t)src_512, 21, DST_512, 1, "grant.ipc.512x4k"); /* 512 mappings of 4 KiB */
	grant_figure(s, SUPER_WIN, 21, DST_SUPER, 1, "grant.ipc.super2m"); /* one 2 MiB mapping */
	/* Fewer repetitions for the big trees: each is rebuilt, and the counts are exact anyway. */
	static const unsigned reps[] = {0, 0, REPS, REPS, 5, 3};
	for (unsigned k = 2; k <= 5; k++)
		revoke_figure(s, k, reps[k]);
	for (unsigned k = 2; k <= 5; k++)
		replace_figure(s, k, reps[k]);
	for (unsigned k = 2; k <= 5; k++)
		grant_restrict_figure(s, k, reps[k]);
	bench_kill(s);
	printf("BENCH-DONE\n");
	bench_exit(MNEMO_EXIT_PASS);
}
