/* SPDX-License-Identifier: MIT */
/* Root task of scenario.memctl: page attributes through sigma0 and MemoryControl, shown by the kernel debugger. */
#include <stdio.h>
#include <l4/kdebug.h>
#include <l4/misc.h>
#include <l4/sigma0.h>
#include <mnemo/exitcode.h>

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
 * Every mapped page is written and read back under its attribute.
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

static void get(l4_word_t pa, unsigned log2, l4_word_t attributes, l4_word_t where)
{
	l4_fpage_t got = l4_sigma0_get_page_attr_rcv_window(l4_fpage_log2(pa, log2) | L4_FULLY_ACCESSIBLE, attributes,
							    l4_fpage_log2(where, log2));
	if (l4_fpage_base(got) != pa)
		fail("sigma0 refused a page");
	for (l4_word_t off = 0; off < (1ull << log2); off += 4096) {
		volatile l4_word_t *p = (volatile l4_word_t *)(where + off);
		*p = pa + off + attributes;
		if (*p != pa + off + attributes)
			fail("a page lost what was written");
	}
}

static void sigma0_verbosity(l4_word_t level)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag((l4_word_t)-1001 << 4, 2, 0, 0);
	mr[1] = 1;
	mr[2] = level;
	if (l4_ipc_failed(l4_send(l4_sigma0_id())))
		fail("sigma0 did not take the verbosity");
}

int main(void)
{
	sigma0_verbosity(1); /* sigma0 logs the next request, with its attributes */
	get(0x3000000, 12, L4_WriteCombiningMemory, 0x40000000);
	sigma0_verbosity(0);
	get(0x3001000, 12, 0, 0x40001000);
	if (l4_set_page_attribute(l4_fpage_log2(0x40001000, 12), L4_UncacheableMemory) != 1)
		fail("MemoryControl refused UC");
	get(0x3002000, 12, 0, 0x40002000);
	get(0x3002000, 12, L4_UncacheableMemory, 0x40003000);
	get(0x3400000, 21, L4_WriteCombiningMemory, 0x40200000);
	if (l4_set_page_attribute(l4_fpage_log2(0x40203000, 12), L4_UncacheableMemory) != 1)
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
