/* SPDX-License-Identifier: MIT */
/* The rest of the sigma0 protocol (ABI §9.2): page attributes, I/O fpages, the verbosity of the extended protocol. */
#include <test.h>
#include <l4/arch.h>
#include <l4/misc.h>
#include <l4/sigma0.h>
#include "sigma0_msg.h"
#include <x2msg.h>

/* Written with the X.2 convenience interface. Windows of this file (no other test maps here). */
#define ATTR_WINDOW 0x43000000ull

static L4_Fpage_t ask(L4_Fpage_t f, L4_Word_t attributes, L4_Word_t where)
{
	return msg_sigma0_rpc(boot_sigma0(), f, attributes, L4_FpageLog2(where, (int)L4_SizeLog2(f)));
}

USER_TEST(sigma0_attributes, "boot.sigma0.attributes",
	  "sigma0 maps a page with the attributes asked for, again with others, and refuses an attribute x86 lacks")
{
	L4_Fpage_t any = L4_FpageAddRights(L4_FpageLog2(~0ull, 12), L4_FullyAccessible);
	L4_Fpage_t got = ask(any, L4_UncacheableMemory, ATTR_WINDOW);
	TEST_CHECK(!L4_IsNilFpage(got));
	volatile L4_Word_t *p = (volatile L4_Word_t *)ATTR_WINDOW;
	*p = 0x5a5a;
	TEST_CHECK_EQ(*p, 0x5a5a);
	/* the same page again (idempotent), write-combining, then write-back */
	L4_Fpage_t same = L4_FpageAddRights(L4_FpageLog2(L4_Address(got), 12), L4_FullyAccessible);
	TEST_CHECK_EQ(L4_Address(ask(same, L4_WriteCombiningMemory, ATTR_WINDOW)), L4_Address(got));
	TEST_CHECK_EQ(*p, 0x5a5a);
	TEST_CHECK_EQ(L4_Address(ask(same, L4_WriteBackMemory, ATTR_WINDOW)), L4_Address(got));
	TEST_CHECK_EQ(*p, 0x5a5a);
	/* 7 is no x86 memory type: MemoryControl refuses it, and so does sigma0 */
	TEST_CHECK_EQ(ask(same, 7, ATTR_WINDOW + 0x1000).raw, L4_Nilpage.raw);
	TEST_CHECK_EQ(ask(any, 7, ATTR_WINDOW + 0x1000).raw, L4_Nilpage.raw);
}

USER_TEST(sigma0_io_fpage, "boot.sigma0.io_fpage",
	  "sigma0 answers a request for an I/O fpage (the COM1 ports) with the nil map item: mnemo has none")
{
	L4_Fpage_t io = L4_IoFpageLog2(0x3f8, 3); /* ports 0x3f8-0x3ff, ABI §9.2 */
	TEST_CHECK_EQ(L4_Sigma0_GetPage(L4_nilthread, io).raw, L4_Nilpage.raw);
}

USER_TEST(sigma0_verbosity, "boot.sigma0.verbosity",
	  "sigma0's extended protocol takes a verbosity from the root task without an answer and goes on serving")
{
	boot_load_sigma0_extended(1, 0); /* quiet */
	TEST_CHECK(!L4_IpcFailed(L4_Send(boot_sigma0())));
	/* no answer: a receive from sigma0 times out at once */
	TEST_CHECK(L4_IpcFailed(L4_Receive_Timeout(boot_sigma0(), L4_ZeroTime)));
	TEST_CHECK(!L4_IsNilFpage(L4_Sigma0_GetPage(L4_nilthread,
						    L4_FpageAddRights(L4_FpageLog2(~0ull, 12), L4_FullyAccessible),
						    L4_FpageLog2(ATTR_WINDOW + 0x2000, 12))));
}
