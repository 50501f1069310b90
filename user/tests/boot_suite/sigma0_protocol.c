/* SPDX-License-Identifier: MIT */
/* The rest of the sigma0 protocol (ABI §9.2): page attributes, I/O fpages, the verbosity of the extended protocol. */
#include <test.h>
#include <l4/ipc.h>
#include <l4/misc.h>
#include <l4/sigma0.h>

/* Windows of this file (no other test maps here). */
#define ATTR_WINDOW 0x43000000ull

static l4_fpage_t ask(l4_fpage_t f, l4_word_t attributes, l4_word_t where)
{
	return l4_sigma0_get_page_attr_rcv_window(f, attributes, l4_fpage_log2(where, l4_fpage_size_log2(f)));
}

USER_TEST(sigma0_attributes, "boot.sigma0.attributes",
	  "sigma0 maps a page with the attributes asked for, again with others, and refuses an attribute x86 lacks")
{
	l4_fpage_t any = l4_fpage_log2(~0ull, 12) | L4_FULLY_ACCESSIBLE;
	l4_fpage_t got = ask(any, L4_UncacheableMemory, ATTR_WINDOW);
	TEST_CHECK(got != L4_NILPAGE);
	volatile l4_word_t *p = (volatile l4_word_t *)ATTR_WINDOW;
	*p = 0x5a5a;
	TEST_CHECK_EQ(*p, 0x5a5a);
	/* the same page again (idempotent), write-combining, then write-back */
	l4_fpage_t same = l4_fpage_log2(l4_fpage_base(got), 12) | L4_FULLY_ACCESSIBLE;
	TEST_CHECK_EQ(l4_fpage_base(ask(same, L4_WriteCombiningMemory, ATTR_WINDOW)), l4_fpage_base(got));
	TEST_CHECK_EQ(*p, 0x5a5a);
	TEST_CHECK_EQ(l4_fpage_base(ask(same, L4_WriteBackMemory, ATTR_WINDOW)), l4_fpage_base(got));
	TEST_CHECK_EQ(*p, 0x5a5a);
	/* 7 is no x86 memory type: MemoryControl refuses it, and so does sigma0 */
	TEST_CHECK_EQ(ask(same, 7, ATTR_WINDOW + 0x1000), L4_NILPAGE);
	TEST_CHECK_EQ(ask(any, 7, ATTR_WINDOW + 0x1000), L4_NILPAGE);
}

USER_TEST(sigma0_io_fpage, "boot.sigma0.io_fpage",
	  "sigma0 answers a request for an I/O fpage (the COM1 ports) with the nil map item: mnemo has none")
{
	l4_fpage_t io = (0x3f8ull << 16) | (3 << 10) | (2 << 4); /* ports 0x3f8-0x3ff, ABI §9.2 */
	TEST_CHECK_EQ(l4_sigma0_get_page(io), L4_NILPAGE);
}

USER_TEST(sigma0_verbosity, "boot.sigma0.verbosity",
	  "sigma0's extended protocol takes a verbosity from the root task without an answer and goes on serving")
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag((l4_word_t)-1001 << 4, 2, 0, 0);
	mr[1] = 1;
	mr[2] = 0; /* quiet */
	TEST_CHECK(!l4_ipc_failed(l4_send(l4_sigma0_id())));
	/* no answer: a receive from sigma0 times out at once */
	TEST_CHECK(l4_ipc_failed(l4_receive_timeout(l4_sigma0_id(), L4_ZERO_TIME)));
	TEST_CHECK(l4_sigma0_get_page_rcv_window(l4_fpage_log2(~0ull, 12) | L4_FULLY_ACCESSIBLE,
						 l4_fpage_log2(ATTR_WINDOW + 0x2000, 12)) != L4_NILPAGE);
}
