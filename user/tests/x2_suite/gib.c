/* SPDX-License-Identifier: MIT */
/* 1 GiB pages: sigma0's 1 GiB page mapped on, split by 2 MiB and 4 KiB maps, unmapped at every level, access bits. */
#include <test.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/space.h>
#include <l4/sigma0.h>
#include "x2.h"

/*
 * R (this thread) asks sigma0 for any 1 GiB page into R_GIB; the kernel makes
 * sigma0's root there a 1 GiB node (a hardware 1 GiB page with pdpe1gb). With
 * less RAM than a whole aligned GiB (x2.scn) sigma0 must refuse; gib.scn gives
 * the guest 3 GiB. The child runs a command loop; its faults inside C_WIN are
 * counted and answered with R's scratch page, so a revoked page reads SCRATCH.
 */
#define GIB (1ul << 30)
#define MIB2 (2ul << 20)
#define R_GIB 0x100000000ul /* R's window for the 1 GiB page */
#define C_WIN 0x40000000ul /* the child's window: [1 GiB, 2 GiB) */
#define GSCRATCH 0x5c5c5c5c5c5c5c5cul
#define MAGIC 0x67696200ul
#define CMD_READ 0x41
#define CMD_WRITE 0x42
#define CMD_TAKE 0x43
#define CMD_FLUSH 0x44

static char scratch[4096] __attribute__((aligned(4096)));

/* Whether every address of [lo, hi) is conventional memory by the KIP. */
static bool conventional(L4_Word_t lo, L4_Word_t hi)
{
	void *kip = L4_GetKernelInterface();
	L4_Word_t probes[2 * 64 + 1];
	unsigned np = 0, n = (unsigned)L4_NumMemoryDescriptors(kip);
	probes[np++] = lo;
	for (unsigned i = 0; i < n && i < 64; i++) {
		L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
		if (L4_IsMemoryDescVirtual(d))
			continue;
		L4_Word_t a = L4_MemoryDescLow(d), b = L4_MemoryDescHigh(d) + 1;
		if (a > lo && a < hi)
			probes[np++] = a;
		if (b > lo && b < hi)
			probes[np++] = b;
	}
	for (unsigned p = 0; p < np; p++) { /* the final type: later descriptors win */
		L4_Word_t type = L4_UndefinedMemoryType;
		for (unsigned i = 0; i < n; i++) {
			L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
			if (!L4_IsMemoryDescVirtual(d) && probes[p] >= L4_MemoryDescLow(d) &&
			    probes[p] <= L4_MemoryDescHigh(d))
				type = L4_MemoryDescType(d);
		}
		if (type != L4_ConventionalMemoryType)
			return false;
	}
	return true;
}

static L4_Fpage_t rwx(L4_Fpage_t f) { return L4_FpageAddRights(f, L4_FullyAccessible); }

static void gib_child(void)
{
	L4_ThreadId_t r = L4_Pager();
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, LABEL_DONE); /* hello */
	L4_MsgLoad(&msg);
	for (;;) {
		L4_Accept(L4_MapGrantItems(L4_FpageLog2(C_WIN, 30)));
		L4_MsgTag_t tag = L4_Call(r);
		L4_Word_t a1, a2, out = L4_TypedWords(tag);
		L4_StoreMR(1, &a1);
		L4_StoreMR(2, &a2);
		if (L4_Label(tag) == CMD_READ)
			out = *(volatile L4_Word_t *)a1;
		else if (L4_Label(tag) == CMD_WRITE)
			*(volatile L4_Word_t *)a1 = a2;
		else if (L4_Label(tag) == CMD_FLUSH)
			L4_Flush(rwx(L4_FpageLog2(a1, 12)));
		L4_MsgClear(&msg);
		L4_Set_MsgLabel(&msg, LABEL_DONE);
		L4_MsgAppendWord(&msg, out);
		L4_MsgLoad(&msg);
	}
}

static unsigned kid_faults;

/* One command to the child (with a map item if item is not nil); returns its MR1. */
static L4_Word_t kid(L4_ThreadId_t c, unsigned label, L4_Word_t a1, L4_Word_t a2, L4_Fpage_t item)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, label);
	if (!L4_IsNilFpage(item)) {
		L4_MsgAppendMapItem(&msg, L4_MapItem(item, a1));
	} else {
		L4_MsgAppendWord(&msg, a1);
		L4_MsgAppendWord(&msg, a2);
	}
	L4_MsgLoad(&msg);
	L4_MsgTag_t tag = L4_Call(c);
	while (!L4_IpcFailed(tag) && msg_is_pagefault(tag)) {
		L4_Word_t fault;
		L4_StoreMR(1, &fault);
		L4_Word_t addr = fault & ~0xfffull, src = addr;
		if (addr >= C_WIN && addr < C_WIN + GIB) {
			kid_faults++;
			src = (L4_Word_t)scratch;
		}
		(void)*(volatile char *)src;
		L4_MsgClear(&msg);
		L4_MsgAppendMapItem(&msg, L4_MapItem(rwx(L4_FpageLog2(src, 12)), addr));
		L4_MsgLoad(&msg);
		tag = L4_Ipc(c, c, L4_Timeouts(L4_ZeroTime, L4_Never), NULL);
	}
	L4_Word_t mr1;
	L4_StoreMR(1, &mr1);
	return L4_IpcFailed(tag) ? ~0ul : mr1;
}

static L4_Word_t pattern(L4_Word_t off) { return off ^ MAGIC; }

/* What the child reads at C_WIN + coff: R's word at offset roff, and no fault;
 * or, with roff == ~0, SCRATCH after exactly one fault. */
static bool reads(L4_ThreadId_t c, L4_Word_t coff, L4_Word_t roff)
{
	unsigned f0 = kid_faults;
	L4_Word_t v = kid(c, CMD_READ, C_WIN + coff, 0, L4_Nilpage);
	if (roff == ~0ul)
		return v == GSCRATCH && kid_faults == f0 + 1;
	return v == pattern(roff) && kid_faults == f0;
}

/* The access bits of R's page as L4_GetStatus reports them (and resets). */
static unsigned status(L4_Word_t off, unsigned log2)
{
	return (unsigned)L4_Rights(L4_GetStatus(L4_FpageLog2(R_GIB + off, (int)log2)));
}

USER_TEST(gib_pages, "mdb.gib.sigma0",
	  "a 1 GiB page from sigma0 (only where a whole GiB is RAM), mapped on whole, split by 2 MiB and 4 KiB maps, "
	  "unmapped at every level, access bits, contents through each mapping")
{
	bool any = false;
	for (L4_Word_t b = GIB; b < 64 * GIB && !any; b += GIB)
		any = conventional(b, b + GIB);
	L4_Fpage_t got = L4_Sigma0_GetPage(L4_nilthread, rwx(L4_FpageLog2(~0ull, 30)), L4_FpageLog2(R_GIB, 30));
	L4_Accept(L4_UntypedWordsAcceptor);
	if (!any) { /* no GiB of RAM in one piece: sigma0 has none to give */
		TEST_CHECK_EQ(got.raw, L4_Nilpage.raw);
		return;
	}
	TEST_CHECK(!L4_IsNilFpage(got));
	TEST_CHECK_EQ(L4_SizeLog2(got), 30);
	TEST_CHECK(conventional(L4_Address(got), L4_Address(got) + GIB)); /* no module, no kernel memory */
	static const L4_Word_t offs[] = {0, 0x3000, 0x4000, 0xA00000, 0xE0A000, 0xC800000, GIB - 4096};
	for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++)
		*(volatile L4_Word_t *)(R_GIB + offs[i]) = pattern(offs[i]);
	for (unsigned i = 0; i < 512; i++)
		((volatile L4_Word_t *)scratch)[i] = GSCRATCH;
	L4_ThreadId_t c = start_child(gib_child, L4_nilthread);
	TEST_CHECK(!L4_IsNilThread(c));
	unsigned f = 0;
	TEST_CHECK_EQ(L4_Label(serve_child(c, &f)), LABEL_DONE);

	/* the whole GiB to the child: one mapping */
	TEST_CHECK_EQ(kid(c, CMD_TAKE, C_WIN, 0, rwx(L4_FpageLog2(R_GIB, 30))), 2);
	(void)status(0, 30); /* reset */
	TEST_CHECK(reads(c, 0, 0));
	TEST_CHECK(reads(c, GIB - 4096, GIB - 4096));
	TEST_CHECK(reads(c, 0xE0A000, 0xE0A000));
	TEST_CHECK_EQ(status(0, 30), L4_Readable | L4_eXecutable); /* read (x86: reads show as r+x) */
	TEST_CHECK_EQ(status(0, 30), 0); /* and reset */
	TEST_CHECK_EQ(kid(c, CMD_WRITE, C_WIN + 0x4000, pattern(0x4000) + 1, L4_Nilpage), 0);
	TEST_CHECK_EQ(status(0, 30) & L4_Writable, L4_Writable);
	TEST_CHECK_EQ(*(volatile L4_Word_t *)(R_GIB + 0x4000), pattern(0x4000) + 1); /* R sees it */
	*(volatile L4_Word_t *)(R_GIB + 0x4000) = pattern(0x4000);

	/* a 2 MiB piece of it over the child's GiB (split into 2 MiB), a 4 KiB piece over a 2 MiB one */
	TEST_CHECK_EQ(kid(c, CMD_TAKE, C_WIN + 0xC800000, 0, rwx(L4_FpageLog2(R_GIB + 0xA00000, 21))), 2);
	TEST_CHECK_EQ(kid(c, CMD_TAKE, C_WIN + 0xE09000, 0, rwx(L4_FpageLog2(R_GIB + 0x3000, 12))), 2);
	TEST_CHECK(reads(c, 0xC800000, 0xA00000));
	TEST_CHECK(reads(c, 0xE09000, 0x3000));
	TEST_CHECK(reads(c, 0xE0A000, 0xE0A000)); /* its neighbour: a piece of the split */
	TEST_CHECK(reads(c, 0x3000, 0x3000));
	TEST_CHECK(reads(c, 0xA00000, 0xA00000));

	/* unmaps: a 4 KiB part of R's GiB revokes both child mappings of it */
	L4_UnmapFpage(rwx(L4_FpageLog2(R_GIB + 0x3000, 12)));
	TEST_CHECK(reads(c, 0x3000, ~0ul));
	TEST_CHECK(reads(c, 0xE09000, ~0ul));
	TEST_CHECK(reads(c, 0x4000, 0x4000)); /* the next page stays */
	/* a 2 MiB part: both child mappings of it */
	L4_UnmapFpage(rwx(L4_FpageLog2(R_GIB + 0xA00000, 21)));
	TEST_CHECK(reads(c, 0xC800000, ~0ul));
	TEST_CHECK(reads(c, 0xA00000, ~0ul));
	TEST_CHECK(reads(c, 0xE0A000, 0xE0A000));
	/* the child flushes a 4 KiB piece of its own */
	kid(c, CMD_FLUSH, C_WIN + 0xE0A000, 0, L4_Nilpage);
	TEST_CHECK(reads(c, 0xE0A000, ~0ul));
	TEST_CHECK(reads(c, GIB - 4096, GIB - 4096));
	/* write right revoked from the whole GiB: reads go on */
	L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(R_GIB, 30), L4_Writable));
	TEST_CHECK(reads(c, 0, 0));
	/* the whole GiB: everything derived goes, R keeps its page */
	L4_UnmapFpage(rwx(L4_FpageLog2(R_GIB, 30)));
	TEST_CHECK(reads(c, 0, ~0ul));
	TEST_CHECK(reads(c, GIB - 4096, ~0ul));
	TEST_CHECK_EQ(*(volatile L4_Word_t *)(R_GIB + GIB - 4096), pattern(GIB - 4096));
	TEST_CHECK_EQ(L4_ThreadControl(c, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull), 1);
}
