/* SPDX-License-Identifier: MIT */
/* X.2 MemoryControl in the suite: error codes, the privilege check, MR8 and up, data under every attribute. */
#include <test.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/misc.h>
#include <l4/sigma0.h>
#include "x2.h"

/* Windows of this file (no other test maps here). */
#define MEMCTL_4K 0x60000000ull
#define MEMCTL_2M 0x60200000ull

static L4_Fpage_t any_page(unsigned log2, L4_Word_t where)
{
	return L4_Sigma0_GetPage(L4_nilthread, L4_FpageAddRights(L4_FpageLog2(~0ull, (int)log2), L4_FullyAccessible),
				 L4_FpageLog2(where, (int)log2));
}

static L4_Word_t memctl(L4_Word_t control, L4_Word_t a0, L4_Word_t a1, L4_Word_t a2, L4_Word_t a3)
{
	const L4_Word_t attributes[4] = {a0, a1, a2, a3};
	return L4_MemoryControl(control, attributes);
}

/* The fpage of MemoryControl's MR i: page with attribute index `attr` in its low bits. */
static void load_fpage(int i, L4_Fpage_t page, L4_Word_t attr) { L4_LoadMR(i, page.raw | attr); }

USER_TEST(memctl_errors, "x2.memctl.errors",
	  "MemoryControl: a nil fpage, an attribute x86 lacks and control bits above k answer 'invalid parameter' "
	  "(5); good calls answer 1, also with fpages in MR8 and up")
{
	TEST_CHECK(!L4_IsNilFpage(any_page(12, MEMCTL_4K)));
	L4_Fpage_t page = L4_FpageLog2(MEMCTL_4K, 12);
	L4_LoadMR(0, L4_Nilpage.raw);
	TEST_CHECK_EQ(memctl(0, L4_UncacheableMemory, 0, 0, 0), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 5);
	load_fpage(0, page, 2); /* attribute 2 */
	TEST_CHECK_EQ(memctl(0, 0, 0, 6, 0), 0); /* 6: no such type */
	TEST_CHECK_EQ(L4_ErrorCode(), 5);
	load_fpage(0, page, 3);
	TEST_CHECK_EQ(memctl(0, 0, 0, 0, ~0ull), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 5);
	load_fpage(0, page, 0);
	TEST_CHECK_EQ(memctl(1ull << 6, L4_UncacheableMemory, 0, 0, 0), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 5);
	/* 10 fpages, MR8 and MR9 from the UTCB, each low-bit pair picking another attribute */
	for (int i = 0; i < 10; i++)
		load_fpage(i, page, (L4_Word_t)i & 3);
	TEST_CHECK_EQ(
	    memctl(9, L4_WriteThroughMemory, L4_UncacheableMemory, L4_WriteCombiningMemory, L4_WriteProtectedMemory),
	    1);
	/* libl4's register contract: MR0 comes back as it was */
	L4_Word_t mr0;
	L4_StoreMR(0, &mr0);
	TEST_CHECK_EQ(mr0, page.raw);
	TEST_CHECK_EQ(L4_Set_PageAttribute(page, L4_DefaultMemory), 1);
	*(volatile L4_Word_t *)MEMCTL_4K = 42;
	TEST_CHECK_EQ(*(volatile L4_Word_t *)MEMCTL_4K, 42);
}

/* Writes a pattern into every page of [base, base + size) and reads it back. */
static bool pattern_holds(L4_Word_t base, L4_Word_t size, L4_Word_t salt)
{
	for (L4_Word_t off = 0; off < size; off += 4096)
		*(volatile L4_Word_t *)(base + off) = off ^ salt;
	for (L4_Word_t off = 0; off < size; off += 4096)
		if (*(volatile L4_Word_t *)(base + off) != (off ^ salt))
			return false;
	return true;
}

USER_TEST(memctl_data, "x2.memctl.data",
	  "a 4 KiB and a 2 MiB page stay readable and writable under every x86 attribute, also where a 4 KiB fpage "
	  "splits the superpage")
{
	static const L4_Word_t attrs[] = {L4_WriteThroughMemory,   L4_UncacheableMinusMemory, L4_UncacheableMemory,
					  L4_WriteCombiningMemory, L4_WriteProtectedMemory,   L4_WriteBackMemory,
					  L4_DefaultMemory};
	TEST_CHECK(!L4_IsNilFpage(any_page(12, MEMCTL_4K)));
	TEST_CHECK(!L4_IsNilFpage(any_page(21, MEMCTL_2M)));
	for (unsigned i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
		TEST_CHECK_EQ(L4_Set_PageAttribute(L4_FpageLog2(MEMCTL_4K, 12), attrs[i]), 1);
		TEST_CHECK(pattern_holds(MEMCTL_4K, 4096, attrs[i]));
		TEST_CHECK_EQ(L4_Set_PageAttribute(L4_FpageLog2(MEMCTL_2M, 21), attrs[i]), 1);
		TEST_CHECK(pattern_holds(MEMCTL_2M, 1 << 21, attrs[i] << 32));
		/* one page inside the superpage: the mapping is split around it */
		TEST_CHECK_EQ(L4_Set_PageAttribute(L4_FpageLog2(MEMCTL_2M + 0x5000, 12), L4_UncacheableMemory), 1);
		TEST_CHECK(pattern_holds(MEMCTL_2M, 1 << 21, attrs[i] << 40));
	}
}

static L4_ThreadId_t memctl_parent;

static void unprivileged_child(void)
{
	L4_Word_t stack_page = (L4_Word_t)&stack_page & ~0xfffull;
	load_fpage(0, L4_FpageLog2(stack_page, 12), 0);
	L4_Word_t result = memctl(0, L4_UncacheableMemory, 0, 0, 0);
	send_word(memctl_parent, LABEL_DONE, result | L4_ErrorCode() << 8);
	sleep_forever();
}

USER_TEST(memctl_unprivileged, "x2.memctl.unprivileged",
	  "MemoryControl from a space that is neither sigma0's nor the root task's answers 'no privilege' (1)")
{
	memctl_parent = L4_Myself();
	L4_ThreadId_t c = start_child(unprivileged_child, L4_nilthread);
	TEST_CHECK(!L4_IsNilThread(c));
	unsigned faults = 0;
	L4_MsgTag_t tag = serve_child(c, &faults);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), LABEL_DONE);
	L4_Word_t w;
	L4_StoreMR(1, &w);
	TEST_CHECK_EQ(w, 0 | 1 << 8);
	TEST_CHECK_EQ(L4_ThreadControl(c, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull), 1);
}

static void extended_asker(void)
{
	/* sigma0's extended protocol (label -1001): mnemo's, so built as a plain message */
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, (L4_Word_t)-1001 << 4);
	L4_MsgAppendWord(&msg, 2); /* dump the pools */
	L4_MsgAppendWord(&msg, 1); /* and reply */
	L4_MsgLoad(&msg);
	L4_ThreadId_t s0 = L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1);
	L4_MsgTag_t tag = L4_Call(s0, L4_Never, L4_TimePeriod(50000));
	send_word(memctl_parent, LABEL_DONE, L4_IpcFailed(tag) ? L4_ErrorCode() : 0);
	sleep_forever();
}

USER_TEST(sigma0_extended_others, "x2.sigma0.extended_others",
	  "sigma0's extended protocol does not answer a thread that is neither a kernel thread nor the root task")
{
	memctl_parent = L4_Myself();
	L4_ThreadId_t t = start_local(extended_asker);
	TEST_CHECK(!L4_IsNilThread(t));
	L4_MsgTag_t tag = L4_Receive(t);
	TEST_CHECK(!L4_IpcFailed(tag));
	L4_Word_t w;
	L4_StoreMR(1, &w);
	TEST_CHECK_EQ(w, (1 << 1) | 1); /* timeout in the receive phase: no answer */
	TEST_CHECK_EQ(L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull), 1);
}
