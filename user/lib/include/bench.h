/* SPDX-License-Identifier: MIT */
/* Helpers of the guest benchmark root tasks: BENCH lines, exits, threads and spaces to measure against. */
#ifndef USER_BENCH_H
#define USER_BENCH_H

#include <stdbool.h>
#include <l4/types.h>

/* Under QEMU -icount shift=0 the TSC counts guest instructions exactly. */
static inline l4_word_t bench_rdtsc(void)
{
	unsigned lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((l4_word_t)hi << 32) | lo;
}

/* mnemo's KDB call 0x40 (docs/kernel.md): the longest stretch of kernel work between
 * two preemption points since the previous call, which it restarts. */
static inline l4_word_t bench_irqoff(void)
{
	l4_word_t v;
	__asm__ volatile("int3; cmpb $0x40, %%al" : "=a"(v) : : "memory");
	return v;
}

/* A page-fault message: label -2 above the 4 access bits (X.2 §4.1). */
static inline bool bench_is_pagefault(l4_msgtag_t tag) { return (tag >> 20) == ((l4_word_t)-2 << 20) >> 20; }

/* One line "BENCH name=N unit=instructions value=MEDIAN reps=n spread=MAX-MIN min= max="
 * of n samples, each divided by scale, in hundredths (tools/bench.sh parses it). */
void bench_report(const char *name, const l4_word_t *samples, unsigned n, l4_word_t scale);
__attribute__((noreturn)) void bench_exit(unsigned char code);
__attribute__((noreturn)) void bench_fail(const char *what, l4_word_t v);

/* Threads of the root task (bench_init first): a thread of our own space, or the
 * first thread of a new space paged by us that runs our image from fn, whose page
 * faults we answer with our own pages until it sends another message (*first). */
void bench_init(void);
l4_threadid_t bench_main(void);
l4_threadid_t bench_start_local(void (*fn)(void));
l4_threadid_t bench_start_remote(void (*fn)(void), l4_msgtag_t *first);
/* Answers the page fault in our MRs from child with our page at that address, then
 * waits for the child's next message. */
l4_msgtag_t bench_map_and_wait(l4_threadid_t child);
void bench_kill(l4_threadid_t t);

#endif
