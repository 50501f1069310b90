/* SPDX-License-Identifier: MIT */
/* X.2 MemoryControl in the suite: error codes, the privilege check, MR8 and up, data under every attribute. */
#include <test.h>
#include <l4/ipc.h>
#include <l4/misc.h>
#include <l4/sigma0.h>
#include "x2.h"

/* Windows of this file (no other test maps here). */
#define MEMCTL_4K 0x60000000ull
#define MEMCTL_2M 0x60200000ull

static l4_fpage_t any_page(unsigned log2, l4_word_t where)
{
	return l4_sigma0_get_page_rcv_window(l4_fpage_log2(~0ull, log2) | L4_FULLY_ACCESSIBLE,
					     l4_fpage_log2(where, log2));
}

static l4_word_t memctl(l4_word_t control, l4_word_t a0, l4_word_t a1, l4_word_t a2, l4_word_t a3)
{
	const l4_word_t attributes[4] = {a0, a1, a2, a3};
	return l4_memory_control(control, attributes);
}

USER_TEST(memctl_errors, "x2.memctl.errors",
	  "MemoryControl: a nil fpage, an attribute x86 lacks and control bits above k answer 'invalid parameter' "
	  "(5); good calls answer 1, also with fpages in MR8 and up")
{
	TEST_CHECK(any_page(12, MEMCTL_4K) != L4_NILPAGE);
	l4_word_t *mr = l4_utcb();
	l4_fpage_t page = l4_fpage_log2(MEMCTL_4K, 12);
	mr[0] = L4_NILPAGE;
	TEST_CHECK_EQ(memctl(0, L4_UncacheableMemory, 0, 0, 0), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 5);
	mr[0] = page | 2; /* attribute 2 */
	TEST_CHECK_EQ(memctl(0, 0, 0, 6, 0), 0); /* 6: no such type */
	TEST_CHECK_EQ(L4_ErrorCode(), 5);
	mr[0] = page | 3;
	TEST_CHECK_EQ(memctl(0, 0, 0, 0, ~0ull), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 5);
	mr[0] = page;
	TEST_CHECK_EQ(memctl(1ull << 6, L4_UncacheableMemory, 0, 0, 0), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 5);
	/* 10 fpages, MR8 and MR9 from the UTCB, each low-bit pair picking another attribute */
	for (unsigned i = 0; i < 10; i++)
		mr[i] = page | (i & 3);
	TEST_CHECK_EQ(
	    memctl(9, L4_WriteThroughMemory, L4_UncacheableMemory, L4_WriteCombiningMemory, L4_WriteProtectedMemory),
	    1);
	/* libl4's register contract: MR0 comes back as it was */
	TEST_CHECK_EQ(mr[0], page);
	TEST_CHECK_EQ(l4_set_page_attribute(page, L4_DefaultMemory), 1);
	*(volatile l4_word_t *)MEMCTL_4K = 42;
	TEST_CHECK_EQ(*(volatile l4_word_t *)MEMCTL_4K, 42);
}

/* Writes a pattern into every page of [base, base + size) and reads it back. */
static bool pattern_holds(l4_word_t base, l4_word_t size, l4_word_t salt)
{
	for (l4_word_t off = 0; off < size; off += 4096)
		*(volatile l4_word_t *)(base + off) = off ^ salt;
	for (l4_word_t off = 0; off < size; off += 4096)
		if (*(volatile l4_word_t *)(base + off) != (off ^ salt))
			return false;
	return true;
}

USER_TEST(memctl_data, "x2.memctl.data",
	  "a 4 KiB and a 2 MiB page stay readable and writable under every x86 attribute, also where a 4 KiB fpage "
	  "splits the superpage")
{
	static const l4_word_t attrs[] = {L4_WriteThroughMemory,   L4_UncacheableMinusMemory, L4_UncacheableMemory,
					  L4_WriteCombiningMemory, L4_WriteProtectedMemory,   L4_WriteBackMemory,
					  L4_DefaultMemory};
	TEST_CHECK(any_page(12, MEMCTL_4K) != L4_NILPAGE);
	TEST_CHECK(any_page(21, MEMCTL_2M) != L4_NILPAGE);
	for (unsigned i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
		TEST_CHECK_EQ(l4_set_page_attribute(l4_fpage_log2(MEMCTL_4K, 12), attrs[i]), 1);
		TEST_CHECK(pattern_holds(MEMCTL_4K, 4096, attrs[i]));
		TEST_CHECK_EQ(l4_set_page_attribute(l4_fpage_log2(MEMCTL_2M, 21), attrs[i]), 1);
		TEST_CHECK(pattern_holds(MEMCTL_2M, 1 << 21, attrs[i] << 32));
		/* one page inside the superpage: the mapping is split around it */
		TEST_CHECK_EQ(l4_set_page_attribute(l4_fpage_log2(MEMCTL_2M + 0x5000, 12), L4_UncacheableMemory), 1);
		TEST_CHECK(pattern_holds(MEMCTL_2M, 1 << 21, attrs[i] << 40));
	}
}

static l4_threadid_t memctl_parent;

static void unprivileged_child(void)
{
	l4_word_t stack_page = (l4_word_t)&stack_page & ~0xfffull;
	l4_utcb()[0] = l4_fpage_log2(stack_page, 12);
	l4_word_t result = memctl(0, L4_UncacheableMemory, 0, 0, 0);
	send_word(memctl_parent, LABEL_DONE, result | L4_ErrorCode() << 8);
	sleep_forever();
}

USER_TEST(memctl_unprivileged, "x2.memctl.unprivileged",
	  "MemoryControl from a space that is neither sigma0's nor the root task's answers 'no privilege' (1)")
{
	memctl_parent = l4_myself();
	l4_threadid_t c = start_child(unprivileged_child, L4_NILTHREAD);
	TEST_CHECK(c != L4_NILTHREAD);
	unsigned faults = 0;
	l4_msgtag_t tag = serve_child(c, &faults);
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), LABEL_DONE);
	TEST_CHECK_EQ(l4_utcb()[1], 0 | 1 << 8);
	TEST_CHECK_EQ(l4_thread_control(c, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}

static void extended_asker(void)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag((l4_word_t)-1001 << 4, 2, 0, 0);
	mr[1] = 2; /* dump the pools */
	mr[2] = 1; /* and reply */
	l4_msgtag_t tag = l4_ipc(l4_sigma0_id(), l4_sigma0_id(), L4_TIMEOUTS(L4_NEVER, l4_time_period(50000)), NULL);
	send_word(memctl_parent, LABEL_DONE, l4_ipc_failed(tag) ? L4_ErrorCode() : 0);
	sleep_forever();
}

USER_TEST(sigma0_extended_others, "x2.sigma0.extended_others",
	  "sigma0's extended protocol does not answer a thread that is neither a kernel thread nor the root task")
{
	memctl_parent = l4_myself();
	l4_threadid_t t = start_local(extended_asker);
	TEST_CHECK(t != L4_NILTHREAD);
	l4_msgtag_t tag = l4_receive(t);
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(l4_utcb()[1], (1 << 1) | 1); /* timeout in the receive phase: no answer */
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}
