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
static bool conventional(l4_word_t lo, l4_word_t hi)
{
	const struct l4_kip *k = __l4_kip;
	l4_word_t probes[2 * 64 + 1];
	unsigned np = 0, n = l4_kip_memdesc_count(k);
	probes[np++] = lo;
	for (unsigned i = 0; i < n && i < 64; i++) {
		struct l4_memdesc d = k->memdesc[i];
		if (l4_memdesc_virtual(d))
			continue;
		l4_word_t a = l4_memdesc_low(d), b = l4_memdesc_high(d) + 1;
		if (a > lo && a < hi)
			probes[np++] = a;
		if (b > lo && b < hi)
			probes[np++] = b;
	}
	for (unsigned p = 0; p < np; p++) { /* the final type: later descriptors win */
		unsigned type = L4_MEM_UNDEFINED;
		for (unsigned i = 0; i < n; i++) {
			struct l4_memdesc d = k->memdesc[i];
			if (!l4_memdesc_virtual(d) && probes[p] >= l4_memdesc_low(d) && probes[p] <= l4_memdesc_high(d))
				type = l4_memdesc_type(d);
		}
		if (type != L4_MEM_CONVENTIONAL)
			return false;
	}
	return true;
}

static void gib_child(void)
{
	l4_threadid_t r = l4_pager();
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(LABEL_DONE, 0, 0, 0); /* hello */
	for (;;) {
		l4_accept(l4_fpage_log2(C_WIN, 30));
		l4_msgtag_t tag = l4_ipc(r, r, L4_TIMEOUTS(L4_NEVER, L4_NEVER), NULL);
		mr = l4_utcb();
		l4_word_t a1 = mr[1], a2 = mr[2], out = L4_TAG_T(tag);
		if (L4_TAG_LABEL(tag) == CMD_READ)
			out = *(volatile l4_word_t *)a1;
		else if (L4_TAG_LABEL(tag) == CMD_WRITE)
			*(volatile l4_word_t *)a1 = a2;
		else if (L4_TAG_LABEL(tag) == CMD_FLUSH)
			l4_flush(l4_fpage_log2(a1, 12) | L4_FULLY_ACCESSIBLE);
		mr[0] = l4_msgtag(LABEL_DONE, 1, 0, 0);
		mr[1] = out;
	}
}

static unsigned kid_faults;

/* One command to the child (with a map item if item != 0); returns its MR1. */
static l4_word_t kid(l4_threadid_t c, unsigned label, l4_word_t a1, l4_word_t a2, l4_fpage_t item)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(label, item ? 0 : 2, item ? 2 : 0, 0);
	mr[1] = item ? l4_map_item_word0(a1) : a1;
	mr[2] = item ? item : a2;
	l4_msgtag_t tag = l4_call(c);
	while (!l4_ipc_failed(tag) && (tag >> 20) == ((l4_word_t)-2 << 20) >> 20) {
		l4_word_t addr = l4_utcb()[1] & ~0xfffull, src = addr;
		if (addr >= C_WIN && addr < C_WIN + GIB) {
			kid_faults++;
			src = (l4_word_t)scratch;
		}
		(void)*(volatile char *)src;
		mr = l4_utcb();
		mr[0] = l4_msgtag(0, 0, 2, 0);
		mr[1] = l4_map_item_word0(addr);
		mr[2] = l4_fpage_log2(src, 12) | L4_FULLY_ACCESSIBLE;
		tag = l4_ipc(c, c, L4_TIMEOUTS(L4_ZERO_TIME, L4_NEVER), NULL);
	}
	return l4_ipc_failed(tag) ? ~0ul : l4_utcb()[1];
}

static l4_word_t pattern(l4_word_t off) { return off ^ MAGIC; }

/* What the child reads at C_WIN + coff: R's word at offset roff, and no fault;
 * or, with roff == ~0, SCRATCH after exactly one fault. */
static bool reads(l4_threadid_t c, l4_word_t coff, l4_word_t roff)
{
	unsigned f0 = kid_faults;
	l4_word_t v = kid(c, CMD_READ, C_WIN + coff, 0, 0);
	if (roff == ~0ul)
		return v == GSCRATCH && kid_faults == f0 + 1;
	return v == pattern(roff) && kid_faults == f0;
}

/* The access bits of R's page as l4_get_status reports them (and resets). */
static unsigned status(l4_word_t off, unsigned log2)
{
	return l4_fpage_rights(l4_get_status(l4_fpage_log2(R_GIB + off, log2)));
}

USER_TEST(gib_pages, "mdb.gib.sigma0",
	  "a 1 GiB page from sigma0 (only where a whole GiB is RAM), mapped on whole, split by 2 MiB and 4 KiB maps, "
	  "unmapped at every level, access bits, contents through each mapping")
{
	bool any = false;
	for (l4_word_t b = GIB; b < 64 * GIB && !any; b += GIB)
		any = conventional(b, b + GIB);
	l4_fpage_t got =
	    l4_sigma0_get_page_rcv_window(l4_fpage_log2(~0ull, 30) | L4_FULLY_ACCESSIBLE, l4_fpage_log2(R_GIB, 30));
	l4_accept(L4_NILPAGE);
	if (!any) { /* no GiB of RAM in one piece: sigma0 has none to give */
		TEST_CHECK_EQ(got, L4_NILPAGE);
		return;
	}
	TEST_CHECK(got != L4_NILPAGE);
	TEST_CHECK_EQ(l4_fpage_size_log2(got), 30);
	TEST_CHECK(conventional(l4_fpage_base(got), l4_fpage_base(got) + GIB)); /* no module, no kernel memory */
	static const l4_word_t offs[] = {0, 0x3000, 0x4000, 0xA00000, 0xE0A000, 0xC800000, GIB - 4096};
	for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++)
		*(volatile l4_word_t *)(R_GIB + offs[i]) = pattern(offs[i]);
	for (unsigned i = 0; i < 512; i++)
		((volatile l4_word_t *)scratch)[i] = GSCRATCH;
	l4_threadid_t c = start_child(gib_child, L4_NILTHREAD);
	TEST_CHECK(c != L4_NILTHREAD);
	unsigned f = 0;
	TEST_CHECK_EQ(L4_TAG_LABEL(serve_child(c, &f)), LABEL_DONE);

	/* the whole GiB to the child: one mapping */
	TEST_CHECK_EQ(kid(c, CMD_TAKE, C_WIN, 0, l4_fpage_log2(R_GIB, 30) | L4_FULLY_ACCESSIBLE), 2);
	(void)status(0, 30); /* reset */
	TEST_CHECK(reads(c, 0, 0));
	TEST_CHECK(reads(c, GIB - 4096, GIB - 4096));
	TEST_CHECK(reads(c, 0xE0A000, 0xE0A000));
	TEST_CHECK_EQ(status(0, 30), L4_READABLE | L4_EXECUTABLE); /* read (x86: reads show as r+x) */
	TEST_CHECK_EQ(status(0, 30), 0); /* and reset */
	TEST_CHECK_EQ(kid(c, CMD_WRITE, C_WIN + 0x4000, pattern(0x4000) + 1, 0), 0);
	TEST_CHECK_EQ(status(0, 30) & L4_WRITABLE, L4_WRITABLE);
	TEST_CHECK_EQ(*(volatile l4_word_t *)(R_GIB + 0x4000), pattern(0x4000) + 1); /* R sees it */
	*(volatile l4_word_t *)(R_GIB + 0x4000) = pattern(0x4000);

	/* a 2 MiB piece of it over the child's GiB (split into 2 MiB), a 4 KiB piece over a 2 MiB one */
	TEST_CHECK_EQ(kid(c, CMD_TAKE, C_WIN + 0xC800000, 0, l4_fpage_log2(R_GIB + 0xA00000, 21) | 7), 2);
	TEST_CHECK_EQ(kid(c, CMD_TAKE, C_WIN + 0xE09000, 0, l4_fpage_log2(R_GIB + 0x3000, 12) | 7), 2);
	TEST_CHECK(reads(c, 0xC800000, 0xA00000));
	TEST_CHECK(reads(c, 0xE09000, 0x3000));
	TEST_CHECK(reads(c, 0xE0A000, 0xE0A000)); /* its neighbour: a piece of the split */
	TEST_CHECK(reads(c, 0x3000, 0x3000));
	TEST_CHECK(reads(c, 0xA00000, 0xA00000));

	/* unmaps: a 4 KiB part of R's GiB revokes both child mappings of it */
	l4_unmap_fpage(l4_fpage_log2(R_GIB + 0x3000, 12) | L4_FULLY_ACCESSIBLE);
	TEST_CHECK(reads(c, 0x3000, ~0ul));
	TEST_CHECK(reads(c, 0xE09000, ~0ul));
	TEST_CHECK(reads(c, 0x4000, 0x4000)); /* the next page stays */
	/* a 2 MiB part: both child mappings of it */
	l4_unmap_fpage(l4_fpage_log2(R_GIB + 0xA00000, 21) | L4_FULLY_ACCESSIBLE);
	TEST_CHECK(reads(c, 0xC800000, ~0ul));
	TEST_CHECK(reads(c, 0xA00000, ~0ul));
	TEST_CHECK(reads(c, 0xE0A000, 0xE0A000));
	/* the child flushes a 4 KiB piece of its own */
	kid(c, CMD_FLUSH, C_WIN + 0xE0A000, 0, 0);
	TEST_CHECK(reads(c, 0xE0A000, ~0ul));
	TEST_CHECK(reads(c, GIB - 4096, GIB - 4096));
	/* write right revoked from the whole GiB: reads go on */
	l4_unmap_fpage(l4_fpage_log2(R_GIB, 30) | L4_WRITABLE);
	TEST_CHECK(reads(c, 0, 0));
	/* the whole GiB: everything derived goes, R keeps its page */
	l4_unmap_fpage(l4_fpage_log2(R_GIB, 30) | L4_FULLY_ACCESSIBLE);
	TEST_CHECK(reads(c, 0, ~0ul));
	TEST_CHECK(reads(c, GIB - 4096, ~0ul));
	TEST_CHECK_EQ(*(volatile l4_word_t *)(R_GIB + GIB - 4096), pattern(GIB - 4096));
	TEST_CHECK_EQ(l4_thread_control(c, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}
