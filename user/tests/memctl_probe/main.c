/* SPDX-License-Identifier: MIT */
/* Root task of scenario.memctl: page attributes through sigma0 and MemoryControl, shown by the kernel debugger. */
#include <stdio.h>
#include <l4/kdebug.h>
#include <l4/misc.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <mnemo/exitcode.h>
#include <x2msg.h>

/*
 * What tests/qemu/scenarios/memctl.scn reads in the debugger's maps and tree
 * output (the attributes as the page tables hold them):
 *  1. 0x3000000 asked for write-combining: sigma0's mapping and ours are WC;
 *  2. 0x3001000 asked for as it is, then set UC by us: ours UC, sigma0's not;
 *  3. 0x3002000 asked for as it is at 0x40002000, then asked for UC at
 *     0x40003000: the first mapping, derived from sigma0's, became UC too;
 *  4. the 2 MiB page 0x3400000 asked for WC (a superpage: the PAT bit is bit
 *     12), then one 4 KiB page of ours inside it set UC: ours is split, the
 *     other pieces stay WC, sigma0's superpage stays whole and WC;
 *  5. after the first stop, 0x3000000 asked for write-back again: both back to
 *     the default.
 * Every mapped page is written and read back under its attribute. Written with
 * the X.2 convenience interface.
 */

static void fail(const char *what)
{
	printf("memctl probe: FAILED: %s\n", what);
	__asm__ volatile("outb %0, %1"
			 :
			 : "a"((unsigned char)MNEMO_EXIT_FAIL), "Nd"((unsigned short)MNEMO_DEBUG_EXIT_PORT));
	for (;;)
		__asm__ volatile("pause");
}

/* sigma0's thread ID: the first user thread, version 1 (X.2 §"Sigma0 RPC protocol"). */
static L4_ThreadId_t sigma0(void) { return L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1); }

static void get(L4_Word_t pa, int log2, L4_Word_t attributes, L4_Word_t where)
{
	L4_Fpage_t got = msg_sigma0_rpc(sigma0(), L4_FpageAddRights(L4_FpageLog2(pa, log2), L4_FullyAccessible),
					attributes, L4_FpageLog2(where, log2));
	if (L4_Address(got) != pa)
		fail("sigma0 refused a page");
	for (L4_Word_t off = 0; off < (1ull << log2); off += 4096) {
		volatile L4_Word_t *p = (volatile L4_Word_t *)(where + off);
		*p = pa + off + attributes;
		if (*p != pa + off + attributes)
			fail("a page lost what was written");
	}
}

/* sigma0's extended protocol (label -1001, MR1 = 1): the verbosity, no answer. */
#define SIGMA0_EXTENDED_LABEL ((L4_Word_t)-1001 << 4)
static void sigma0_verbosity(L4_Word_t level)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, SIGMA0_EXTENDED_LABEL);
	L4_MsgAppendWord(&msg, 1);
	L4_MsgAppendWord(&msg, level);
	L4_MsgLoad(&msg);
	if (L4_IpcFailed(L4_Send(sigma0())))
		fail("sigma0 did not take the verbosity");
}

int main(void)
{
	sigma0_verbosity(1); /* sigma0 logs the next request, with its attributes */
	get(0x3000000, 12, L4_WriteCombiningMemory, 0x40000000);
	sigma0_verbosity(0);
	get(0x3001000, 12, 0, 0x40001000);
	if (L4_Set_PageAttribute(L4_FpageLog2(0x40001000, 12), L4_UncacheableMemory) != 1)
		fail("MemoryControl refused UC");
	get(0x3002000, 12, 0, 0x40002000);
	get(0x3002000, 12, L4_UncacheableMemory, 0x40003000);
	get(0x3400000, 21, L4_WriteCombiningMemory, 0x40200000);
	if (L4_Set_PageAttribute(L4_FpageLog2(0x40203000, 12), L4_UncacheableMemory) != 1)
		fail("MemoryControl refused UC inside a superpage");
	get(0x3400000, 21, 0, 0x40200000); /* all of it still readable and writable */
	printf("memctl probe: attributes set\n");
	L4_KDB_Enter("memctl probe: attributes set");
	get(0x3000000, 12, L4_WriteBackMemory, 0x40000000);
	printf("memctl probe: write-back again\n");
	L4_KDB_Enter("memctl probe: write-back again");
	printf("memctl probe: done\n");
	__asm__ volatile("outb %0, %1"
			 :
			 : "a"((unsigned char)MNEMO_EXIT_PASS), "Nd"((unsigned short)MNEMO_DEBUG_EXIT_PORT));
	for (;;)
		__asm__ volatile("pause");
}
