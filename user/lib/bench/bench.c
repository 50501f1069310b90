/* SPDX-License-Identifier: MIT */
/* Helpers of the guest benchmark root tasks: BENCH lines, exits, threads and spaces to measure against. */
#include <bench.h>
#include <stdio.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/space.h>
#include <mnemo/exitcode.h>

#define UTCB_AREA 0xBF000000ull
#define KIP_AREA 0xBFF00000ull
#define STACK_WORDS 1024
#define STACKS 8

static l4_threadid_t main_tid;
static unsigned next_thread = 1, next_slot = 1, next_stack;
static l4_word_t stacks[STACKS][STACK_WORDS] __attribute__((aligned(4096)));

void bench_exit(unsigned char code)
{
	__asm__ volatile("outb %0, %1" : : "a"(code), "Nd"((unsigned short)MNEMO_DEBUG_EXIT_PORT));
	for (;;)
		__asm__ volatile("pause");
}

void bench_fail(const char *what, l4_word_t v)
{
	printf("BENCH-ERROR %s (%#llx, error code %#llx)\n", what, (unsigned long long)v,
	       (unsigned long long)L4_ErrorCode());
	bench_exit(MNEMO_EXIT_FAIL);
}

static void hundredths(char *buf, size_t size, l4_word_t v)
{
	snprintf(buf, size, "%llu.%02llu", (unsigned long long)(v / 100), (unsigned long long)(v % 100));
}

void bench_report(const char *name, const l4_word_t *samples, unsigned n, l4_word_t scale)
{
	l4_word_t s[64];
	if (n == 0 || n > 64)
		bench_fail("bench_report: 1 to 64 samples", n);
	for (unsigned i = 0; i < n; i++) { /* insertion sort: n is small */
		l4_word_t v = samples[i] * 100 / scale;
		unsigned j = i;
		for (; j > 0 && s[j - 1] > v; j--)
			s[j] = s[j - 1];
		s[j] = v;
	}
	char med[24], spread[24], min[24], max[24];
	hundredths(med, sizeof med, s[n / 2]);
	hundredths(spread, sizeof spread, s[n - 1] - s[0]);
	hundredths(min, sizeof min, s[0]);
	hundredths(max, sizeof max, s[n - 1]);
	printf("BENCH name=%s unit=instructions value=%s reps=%u spread=%s min=%s max=%s\n", name, med, n, spread, min,
	       max);
}

void bench_init(void) { main_tid = l4_myself(); }
l4_threadid_t bench_main(void) { return main_tid; }

static l4_threadid_t new_tid(void) { return l4_global_id(l4_thread_no(main_tid) + next_thread++, 1); }
static l4_word_t new_stack(void)
{
	if (next_stack == STACKS)
		bench_fail("out of thread stacks", STACKS);
	return (l4_word_t)&stacks[next_stack++][STACK_WORDS - 2];
}

l4_threadid_t bench_start_local(void (*fn)(void))
{
	l4_threadid_t t = new_tid();
	if (l4_thread_control(t, main_tid, main_tid, l4_pager(), UTCB_AREA + 1024 * next_slot++) != 1)
		bench_fail("ThreadControl (local thread)", t);
	l4_start_sp_ip(t, new_stack(), (l4_word_t)fn);
	return t;
}

l4_msgtag_t bench_map_and_wait(l4_threadid_t child)
{
	l4_word_t addr = l4_utcb()[1] & ~0xfffull;
	(void)*(volatile char *)addr; /* present here (sigma0 maps it) before we map it on */
	l4_utcb()[0] = l4_msgtag(0, 0, 2, 0);
	l4_utcb()[1] = l4_map_item_word0(addr);
	l4_utcb()[2] = l4_fpage_log2(addr, 12) | L4_FULLY_ACCESSIBLE;
	return l4_ipc(child, child, L4_TIMEOUTS(L4_ZERO_TIME, L4_NEVER), NULL);
}

l4_threadid_t bench_start_remote(void (*fn)(void), l4_msgtag_t *first)
{
	l4_threadid_t c = new_tid();
	if (l4_thread_control(c, c, main_tid, L4_NILTHREAD, ~0ull) != 1 ||
	    l4_space_control(c, 0, l4_fpage_log2(KIP_AREA, 12), l4_fpage_log2(UTCB_AREA, 14), L4_NILTHREAD, NULL) !=
		1 ||
	    l4_thread_control(c, c, main_tid, main_tid, UTCB_AREA) != 1)
		bench_fail("ThreadControl/SpaceControl (new space)", c);
	l4_utcb()[0] = l4_msgtag(0, 2, 0, 0); /* the start message: IP, SP */
	l4_utcb()[1] = (l4_word_t)fn;
	l4_utcb()[2] = new_stack();
	if (l4_ipc_failed(l4_send(c)))
		bench_fail("start message", c);
	l4_msgtag_t tag = l4_receive(c);
	while (!l4_ipc_failed(tag) && bench_is_pagefault(tag))
		tag = bench_map_and_wait(c);
	if (l4_ipc_failed(tag))
		bench_fail("serving the new space's page faults", tag);
	*first = tag;
	return c;
}

void bench_kill(l4_threadid_t t)
{
	if (l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull) != 1)
		bench_fail("ThreadControl (delete)", t);
}
