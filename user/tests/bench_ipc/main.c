/* SPDX-License-Identifier: MIT */
/* The IPC benchmark root task: ping-pong inside and across address spaces, Lipc, strings, page faults, small calls. */
/*
 * Run under QEMU `-icount shift=0,sleep=off`: the TSC then advances by exactly one
 * per guest instruction, so every figure below is a count of guest instructions
 * (kernel and user), never cycles. tools/bench.sh parses the BENCH lines:
 *   BENCH name=ipc.inter.mr0 unit=instructions value=283.50 reps=11 spread=0.00 min=.. max=..
 * value is the median over `reps` repetitions, spread = max - min of the repetitions.
 *
 * One-way IPC cost = (TSC delta over N round trips) / 2N, with l4_call on the
 * client side and l4_reply_wait on the server side, as the classic L4 ping-pong;
 * the round-trip figures (ipc.*.rt.*) are the same measurement per round trip.
 * ipc.lipc.*: the same between two threads of one space addressed by local IDs
 * through the Lipc stub on both sides.
 */
#include <bench.h>
#include <stdio.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/space.h>
#include <l4/sigma0.h>
#include <mnemo/exitcode.h>

#define LABEL_READY 0x100
#define LABEL_RESULTS 0x101

#define REPS 11 /* repetitions per figure; the median is reported */
#define ROUNDS 200 /* round trips per repetition */
#define WARMUP 100 /* round trips before the first repetition */
#define PF_PAGES 16 /* fresh pages touched per page-fault repetition */
#define SMALL_CALLS 200

static l4_threadid_t main_tid; /* bench_main(): threads come from user/lib/bench */

/* ---- ping-pong ------------------------------------------------------------------------ */

/* The server: answers every message with one of the same size. In a new space its
 * first message is a Call to its pager (us) saying it is ready; our first ping is the
 * reply to that Call. */
static void pong_loop(l4_msgtag_t tag, l4_threadid_t from)
{
	for (;;) {
		l4_utcb()[0] = l4_msgtag(0, L4_TAG_U(tag), 0, 0);
		tag = l4_reply_wait(from, &from);
	}
}
static void pong_local(void)
{
	l4_threadid_t from;
	l4_msgtag_t tag = l4_wait(&from);
	pong_loop(tag, from);
}
/* The Lipc server: replies through the Lipc stub and waits for its partner's next
 * message by its local ID, as Pistachio's pingpong does; with lipc_any_local it
 * waits for any local thread instead. */
static volatile l4_threadid_t lipc_server; /* its local ID, once it runs */
static bool lipc_any_local;
static void pong_lipc(void)
{
	l4_threadid_t from;
	lipc_server = l4_my_local_id();
	l4_msgtag_t tag = l4_lipc(L4_NILTHREAD, L4_ANYLOCALTHREAD, L4_TIMEOUTS(0, L4_NEVER), &from);
	for (;;) {
		l4_utcb()[0] = l4_msgtag(0, L4_TAG_U(tag), 0, 0);
		tag = l4_lipc(from, lipc_any_local ? L4_ANYLOCALTHREAD : from, L4_TIMEOUTS(L4_ZERO_TIME, L4_NEVER),
			      &from);
	}
}
static void pong_remote(void)
{
	l4_utcb()[0] = l4_msgtag(LABEL_READY, 0, 0, 0);
	l4_threadid_t pager = l4_pager();
	l4_msgtag_t tag = l4_call(pager);
	pong_loop(tag, pager);
}

/* `rounds` calls carrying u untyped words (through the Lipc stub if lipc); returns
 * the TSC delta. While warming up (`warm` false) a server in another space may
 * still fault: we map and go on. */
static inline __attribute__((always_inline)) l4_word_t ping(l4_threadid_t to, unsigned u, unsigned rounds, bool warm,
							    bool lipc)
{
	l4_word_t *mr = l4_utcb();
	l4_word_t t0 = bench_rdtsc();
	for (unsigned i = 0; i < rounds; i++) {
		mr[0] = l4_msgtag(0, u, 0, 0);
		l4_msgtag_t tag = lipc ? l4_lipc(to, to, L4_TIMEOUTS(L4_NEVER, L4_NEVER), NULL) : l4_call(to);
		while (__builtin_expect(!warm && !l4_ipc_failed(tag) && bench_is_pagefault(tag), 0))
			tag = bench_map_and_wait(to);
		if (__builtin_expect(l4_ipc_failed(tag) || L4_TAG_U(tag) != u, 0))
			bench_fail("ping: bad reply", tag);
	}
	return bench_rdtsc() - t0;
}

static void ipc_figure(const char *kind, l4_threadid_t to, unsigned u, bool lipc)
{
	l4_word_t samples[REPS];
	char name[48];
	for (unsigned i = 1; i <= u; i++)
		l4_utcb()[i] = i * 0x0101010101010101ull;
	/* Constant lipc arguments: each loop is compiled for its stub, without a test in it. */
	if (lipc)
		ping(to, u, WARMUP, false, true);
	else
		ping(to, u, WARMUP, false, false);
	for (unsigned r = 0; r < REPS; r++)
		samples[r] = lipc ? ping(to, u, ROUNDS, true, true) : ping(to, u, ROUNDS, true, false);
	snprintf(name, sizeof name, "ipc.%s.mr%u", kind, u);
	bench_report(name, samples, REPS, 2 * ROUNDS);
	if (u == 0 || u == 8 || u == 63) { /* the headline sizes also per round trip */
		snprintf(name, sizeof name, "ipc.%s.rt.mr%u", kind, u);
		bench_report(name, samples, REPS, ROUNDS);
	}
}

/* 0, 8 and 63 are the headline figures; the rest draw the curve. */
static const unsigned sweep[] = {0, 1, 2, 4, 6, 8, 12, 16, 24, 32, 40, 48, 56, 63};

static void ipc_all(const char *kind, l4_threadid_t to, bool lipc)
{
	for (unsigned i = 0; i < sizeof sweep / sizeof sweep[0]; i++)
		ipc_figure(kind, to, sweep[i], lipc);
}

/* ---- string items: one simple string to a thread of another space ------------------------ */
/*
 * string.inter.<size>: one-way IPC carrying one string item of that size into the
 * receiver's buffer (BR1-2) = round trip with the string - half an empty round trip.
 * The receiver touches its buffer first, so no copy faults (a fault there would go
 * to its pager, us, the sender: the IPC would fail).
 */
#define STR_MAX (64u << 10)
#define STR_ROUNDS 50
static char str_src[STR_MAX] __attribute__((aligned(4096)));
static char str_buf[STR_MAX] __attribute__((aligned(4096)));

static void string_sink(void)
{
	for (unsigned i = 0; i < STR_MAX; i += 4096)
		str_buf[i] = 1;
	l4_word_t *br = l4_utcb() + L4_UTCB_BR(0);
	br[-1] = l4_string_item_word0(STR_MAX, 1, 0);
	br[-2] = (l4_word_t)str_buf;
	l4_accept_strings(L4_NILPAGE);
	pong_remote();
}

static l4_word_t string_rounds(l4_threadid_t to, unsigned size)
{
	l4_word_t *mr = l4_utcb();
	l4_word_t t0 = bench_rdtsc();
	for (unsigned i = 0; i < STR_ROUNDS; i++) {
		mr[0] = l4_msgtag(0, 0, size ? 2 : 0, 0);
		mr[1] = l4_string_item_word0(size, 1, 0);
		mr[2] = (l4_word_t)str_src;
		l4_msgtag_t tag = l4_call(to);
		if (l4_ipc_failed(tag) || L4_TAG_U(tag) != 0)
			bench_fail("string: bad reply", tag);
	}
	return bench_rdtsc() - t0;
}

static void string_figures(void)
{
	static const unsigned sizes[] = {64, 4096, STR_MAX};
	static const char *const names[] = {"string.inter.64b", "string.inter.4k", "string.inter.64k"};
	for (unsigned i = 0; i < STR_MAX; i += 4096)
		str_src[i] = (char)i;
	l4_msgtag_t tag;
	l4_threadid_t sink = bench_start_remote(string_sink, &tag);
	if (L4_TAG_LABEL(tag) != LABEL_READY)
		bench_fail("string sink: not ready", tag);
	for (unsigned k = 0; k < 3; k++) {
		l4_word_t samples[REPS];
		for (unsigned r = 0; r <= REPS; r++) { /* repetition 0 warms up */
			l4_word_t t_empty = string_rounds(sink, 0);
			l4_word_t t_str = string_rounds(sink, sizes[k]);
			if (r)
				samples[r - 1] = 2 * t_str - t_empty;
		}
		if (memcmp(str_buf, str_src, sizes[k]) != 0)
			bench_fail("string: the receiver's buffer does not hold the string", sizes[k]);
		bench_report(names[k], samples, REPS, 2 * STR_ROUNDS);
	}
	bench_kill(sink);
}

/* ---- page faults: a thread in a new space touches fresh pages we map ------------------- */

static char pf_area[(REPS + 1) * PF_PAGES * 4096] __attribute__((aligned(4096)));

static void pf_child(void)
{
	l4_word_t samples[REPS + 1];
	volatile char *p = pf_area;
	for (unsigned r = 0; r <= REPS; r++) { /* repetition 0 warms code, stack and UTCB paths */
		l4_word_t t0 = bench_rdtsc();
		for (unsigned i = 0; i < PF_PAGES; i++, p += 4096)
			*p = 1;
		samples[r] = bench_rdtsc() - t0;
	}
	l4_utcb()[0] = l4_msgtag(LABEL_RESULTS, REPS, 0, 0);
	for (unsigned r = 1; r <= REPS; r++)
		l4_utcb()[r] = samples[r];
	l4_send(l4_pager());
	for (;;)
		l4_receive(L4_NILTHREAD);
}

static void pf_figure(void)
{
	for (l4_word_t a = (l4_word_t)pf_area; a < (l4_word_t)pf_area + sizeof pf_area; a += 4096)
		*(volatile char *)a = 0; /* our own pages come from sigma0 first */
	l4_msgtag_t tag;
	l4_threadid_t c = bench_start_remote(pf_child, &tag);
	if (L4_TAG_LABEL(tag) != LABEL_RESULTS || L4_TAG_U(tag) != REPS)
		bench_fail("page-fault child: no results", tag);
	l4_word_t samples[REPS];
	for (unsigned r = 0; r < REPS; r++)
		samples[r] = l4_utcb()[1 + r];
	bench_report("pf.inter.roundtrip", samples, REPS, PF_PAGES);
	bench_kill(c);
}

/* ---- small system calls --------------------------------------------------------------- */

static void yielder(void)
{
	for (;;)
		l4_thread_switch(main_tid);
}

static void small_calls(void)
{
	l4_word_t samples[REPS];
	for (unsigned r = 0; r <= REPS; r++) {
		l4_word_t t0 = bench_rdtsc();
		for (unsigned i = 0; i < SMALL_CALLS; i++)
			(void)l4_system_clock();
		if (r)
			samples[r - 1] = bench_rdtsc() - t0;
	}
	bench_report("syscall.systemclock", samples, REPS, SMALL_CALLS);

	l4_threadid_t y = bench_start_local(yielder);
	for (unsigned r = 0; r <= REPS; r++) {
		l4_word_t t0 = bench_rdtsc();
		for (unsigned i = 0; i < SMALL_CALLS; i++)
			l4_thread_switch(y);
		if (r)
			samples[r - 1] = bench_rdtsc() - t0;
	}
	bench_report("syscall.threadswitch.intra", samples, REPS, 2 * SMALL_CALLS);
	bench_kill(y);
}

/* ---- map and unmap through IPC: map items into a thread of another space ------------------- */
/*
 * A sink thread in a new space accepts map items into [1 GiB, 2 GiB) and answers each
 * call with an empty reply. Figures (after one untimed repetition that also checks, by
 * the sink's reads, that the pages are really mapped before and gone after each unmap):
 *   map.ipc.4k            one-way IPC carrying one 4 KiB map item (a new mapping in the
 *                         sink) = round trip with the item - half an empty round trip
 *   unmap.4k              l4_unmap_fpage of one of our pages with one mapping derived in the sink
 *   unmap.512x4k          one l4_unmap_fpage of 2 MiB: 512 of our 4 KiB pages, each with a
 *                         derived mapping in the sink
 *   unmap.super2m.512x4k  one l4_unmap_fpage of our 2 MiB superpage (one mapping) that the
 *                         sink holds as 512 derived 4 KiB mappings
 *   *.irqoff              the longest interrupts-off stretch of those two unmaps
 */
#define MAP_WIN 0x40000000ull /* the sink's receive window, 1 GiB */
#define SUPER_WIN 0x30000000ull /* our window for sigma0's 2 MiB page */
#define MAP_PAGES 64
#define LABEL_PROBE 0x102

static char map_src[MAP_PAGES * 4096] __attribute__((aligned(MAP_PAGES * 4096)));
static char unmap_src[2ul << 20] __attribute__((aligned(2ul << 20)));
static unsigned sink_faults; /* the sink's faults inside MAP_WIN */

static void map_sink(void)
{
	l4_threadid_t from = l4_pager();
	l4_accept(l4_fpage_log2(MAP_WIN, 30));
	l4_utcb()[0] = l4_msgtag(LABEL_READY, 0, 0, 0);
	l4_msgtag_t tag = l4_call(from);
	for (;;) {
		unsigned u = 0;
		if (L4_TAG_LABEL(tag) == LABEL_PROBE) {
			l4_utcb()[1] = *(volatile l4_word_t *)l4_utcb()[1];
			u = 1;
		}
		l4_utcb()[0] = l4_msgtag(0, u, 0, 0);
		tag = l4_reply_wait(from, &from);
	}
}

/* Calls the sink with the message in our MRs. Its faults on our image are served as
 * usual; one inside MAP_WIN is answered with a map of fault_src (none expected if 0). */
static void sink_call(l4_threadid_t sink, l4_word_t fault_src)
{
	l4_msgtag_t tag = l4_call(sink);
	while (!l4_ipc_failed(tag) && bench_is_pagefault(tag)) {
		l4_word_t addr = l4_utcb()[1] & ~0xfffull;
		if (addr < MAP_WIN || addr >= MAP_WIN + (1ull << 30)) {
			tag = bench_map_and_wait(sink);
			continue;
		}
		if (!fault_src)
			bench_fail("map sink: a fault on a page that should be mapped", addr);
		sink_faults++;
		l4_utcb()[0] = l4_msgtag(0, 0, 2, 0);
		l4_utcb()[1] = l4_map_item_word0(addr);
		l4_utcb()[2] = l4_fpage_log2(fault_src, 12) | L4_FULLY_ACCESSIBLE;
		tag = l4_ipc(sink, sink, L4_TIMEOUTS(L4_ZERO_TIME, L4_NEVER), NULL);
	}
	if (l4_ipc_failed(tag))
		bench_fail("map sink: call failed", tag);
}

static void sink_map(l4_threadid_t sink, l4_word_t src, unsigned log2, l4_word_t dst)
{
	l4_utcb()[0] = l4_msgtag(0, 0, 2, 0);
	l4_utcb()[1] = l4_map_item_word0(dst);
	l4_utcb()[2] = l4_fpage_log2(src, log2) | L4_FULLY_ACCESSIBLE;
	sink_call(sink, 0);
}

/* The sink reads addr: our page src must be mapped there (or, if !mapped, must not be:
 * the read faults and we map src). */
static void sink_check(l4_threadid_t sink, l4_word_t addr, l4_word_t src, bool mapped)
{
	unsigned f0 = sink_faults;
	*(volatile l4_word_t *)src = addr ^ 0x5a5a5a5a;
	l4_utcb()[0] = l4_msgtag(LABEL_PROBE, 1, 0, 0);
	l4_utcb()[1] = addr;
	sink_call(sink, mapped ? 0 : src);
	if (l4_utcb()[1] != (addr ^ 0x5a5a5a5a))
		bench_fail("map sink: wrong contents", l4_utcb()[1]);
	if (!mapped && sink_faults != f0 + 1)
		bench_fail("map sink: a page still mapped after the unmap", addr);
	if (!mapped)
		l4_unmap_fpage(l4_fpage_log2(src, 12) | L4_FULLY_ACCESSIBLE);
}

static void map_figures(void)
{
	l4_word_t s_map[REPS], s_unmap[REPS], s_512[REPS], s_super[REPS], off_512[REPS], off_super[REPS];
	for (l4_word_t a = (l4_word_t)map_src; a < (l4_word_t)map_src + sizeof map_src; a += 4096)
		*(volatile char *)a = 0; /* 4 KiB pages of ours, from sigma0 on faults */
	for (l4_word_t a = (l4_word_t)unmap_src; a < (l4_word_t)unmap_src + sizeof unmap_src; a += 4096)
		*(volatile char *)a = 0;
	l4_fpage_t got =
	    l4_sigma0_get_page_rcv_window(l4_fpage_log2(~0ull, 21) | L4_FULLY_ACCESSIBLE, l4_fpage_log2(SUPER_WIN, 21));
	l4_accept(L4_NILPAGE);
	if (got == L4_NILPAGE || l4_fpage_size_log2(got) != 21)
		bench_fail("sigma0: no 2 MiB page", got);
	l4_msgtag_t tag;
	l4_threadid_t sink = bench_start_remote(map_sink, &tag);
	if (L4_TAG_LABEL(tag) != LABEL_READY)
		bench_fail("map sink: not ready", tag);

	for (unsigned r = 0; r <= REPS; r++) { /* repetition 0 warms up and checks */
		l4_word_t t0 = bench_rdtsc();
		for (unsigned i = 0; i < MAP_PAGES; i++) {
			l4_utcb()[0] = 0;
			sink_call(sink, 0);
		}
		l4_word_t t_empty = bench_rdtsc() - t0;
		t0 = bench_rdtsc();
		for (unsigned i = 0; i < MAP_PAGES; i++)
			sink_map(sink, (l4_word_t)map_src + i * 4096, 12, MAP_WIN + i * 4096);
		l4_word_t t_map = bench_rdtsc() - t0;
		if (!r)
			sink_check(sink, MAP_WIN + 5 * 4096, (l4_word_t)map_src + 5 * 4096, true);
		t0 = bench_rdtsc();
		for (unsigned i = 0; i < MAP_PAGES; i++)
			l4_unmap_fpage(l4_fpage_log2((l4_word_t)map_src + i * 4096, 12) | L4_FULLY_ACCESSIBLE);
		l4_word_t t_unmap = bench_rdtsc() - t0;
		if (!r) {
			sink_check(sink, MAP_WIN + 5 * 4096, (l4_word_t)map_src + 5 * 4096, false);
			continue;
		}
		s_map[r - 1] = 2 * t_map - t_empty;
		s_unmap[r - 1] = t_unmap;
	}
	bench_report("map.ipc.4k", s_map, REPS, 2 * MAP_PAGES);
	bench_report("unmap.4k", s_unmap, REPS, MAP_PAGES);

	const l4_word_t dst512 = MAP_WIN + (4ull << 20), dst_super = MAP_WIN + (8ull << 20);
	for (unsigned r = 0; r <= REPS; r++) {
		sink_map(sink, (l4_word_t)unmap_src, 21, dst512); /* 512 pages of ours: 512 4 KiB mappings */
		if (!r)
			sink_check(sink, dst512 + 300 * 4096, (l4_word_t)unmap_src + 300 * 4096, true);
		bench_irqoff(); /* the longest interrupts-off stretch from here (bench_map says how) */
		l4_word_t t0 = bench_rdtsc();
		l4_unmap_fpage(l4_fpage_log2((l4_word_t)unmap_src, 21) | L4_FULLY_ACCESSIBLE);
		l4_word_t t = bench_rdtsc() - t0, off = bench_irqoff();
		if (r)
			s_512[r - 1] = t, off_512[r - 1] = off;
		else
			sink_check(sink, dst512 + 300 * 4096, (l4_word_t)unmap_src + 300 * 4096, false);
	}
	bench_report("unmap.512x4k", s_512, REPS, 1);
	bench_report("unmap.512x4k.irqoff", off_512, REPS, 1);

	for (unsigned r = 0; r <= REPS; r++) {
		for (unsigned i = 0; i < 512; i++) /* our 2 MiB page, 4 KiB at a time */
			sink_map(sink, SUPER_WIN + i * 4096, 12, dst_super + i * 4096);
		if (!r)
			sink_check(sink, dst_super + 511 * 4096, SUPER_WIN + 511 * 4096, true);
		bench_irqoff();
		l4_word_t t0 = bench_rdtsc();
		l4_unmap_fpage(l4_fpage_log2(SUPER_WIN, 21) | L4_FULLY_ACCESSIBLE);
		l4_word_t t = bench_rdtsc() - t0, off = bench_irqoff();
		if (r)
			s_super[r - 1] = t, off_super[r - 1] = off;
		else
			sink_check(sink, dst_super + 511 * 4096, SUPER_WIN + 511 * 4096, false);
	}
	bench_report("unmap.super2m.512x4k", s_super, REPS, 1);
	bench_report("unmap.super2m.512x4k.irqoff", off_super, REPS, 1);
	bench_kill(sink);
}

int main(void)
{
	bench_init();
	main_tid = bench_main();
	printf("bench_ipc: IPC ping-pong from thread %llx; figures are guest instructions under -icount\n",
	       (unsigned long long)main_tid);

	l4_threadid_t local = bench_start_local(pong_local);
	ipc_all("intra", local, false);
	bench_kill(local);

	local = bench_start_local(pong_lipc);
	while (!lipc_server)
		l4_thread_switch(local);
	ipc_all("lipc", lipc_server, true);
	lipc_any_local = true; /* from its next reply on */
	ipc_figure("lipc.anylocal", lipc_server, 0, true);
	bench_kill(local);

	l4_msgtag_t tag;
	l4_threadid_t remote = bench_start_remote(pong_remote, &tag);
	if (L4_TAG_LABEL(tag) != LABEL_READY)
		bench_fail("remote server: not ready", tag);
	ipc_all("inter", remote, false);
	bench_kill(remote);

	string_figures();
	pf_figure();
	small_calls();
	map_figures();
	printf("BENCH-DONE\n");
	bench_exit(MNEMO_EXIT_PASS);
}
