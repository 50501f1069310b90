/* SPDX-License-Identifier: MIT */
/* The X.2 amd64 architecture interface: I/O fpages and the bit-scan helpers of X.2's libl4. */
#ifndef L4_ARCH_H
#define L4_ARCH_H

#include <l4/types.h>

/* The number of the highest (Msb) or lowest (Lsb) set bit of w; w must not be 0. */
L4_INLINE int __L4_Msb(L4_Word_t w) { return 63 - __builtin_clzl(w); }
L4_INLINE int __L4_Lsb(L4_Word_t w) { return __builtin_ctzl(w); }

/*
 * I/O fpages (X.2, ia32 and amd64): 2^s ports from port p, bits 4-9 hold 2
 * where a memory fpage has its size. These are the encodings only: mnemo has
 * no I/O fpages (root servers run with IOPL 3, docs/status.md), so a map item
 * or sigma0 request with one gets nothing (sigma0 answers with the nil fpage).
 */
typedef union {
	L4_Word_t raw;
	struct {
		L4_Word_t rwx : 4, __two : 6, s : 6, p : 16, : 32;
	} X;
} L4_IoFpage_t;
_Static_assert(sizeof(L4_IoFpage_t) == sizeof(L4_Fpage_t), "an I/O fpage is an fpage");

/* The I/O fpage of 2^s ports at BasePort, s the log2 of FpageSize rounded up. */
L4_INLINE L4_Fpage_t L4_IoFpageLog2(L4_Word_t BasePort, int FpageSize)
{
	L4_IoFpage_t io = {.X = {.rwx = L4_NoAccess, .__two = 2, .s = (L4_Word_t)FpageSize, .p = BasePort}};
	return (L4_Fpage_t){.raw = io.raw};
}
L4_INLINE L4_Fpage_t L4_IoFpage(L4_Word_t BasePort, int FpageSize)
{
	int s = FpageSize <= 1 ? 0 : __L4_Msb((L4_Word_t)FpageSize - 1) + 1;
	return L4_IoFpageLog2(BasePort, s);
}
L4_INLINE L4_Bool_t L4_IsIoFpage(L4_Fpage_t f) { return ((L4_IoFpage_t){.raw = f.raw}).X.__two == 2; }
L4_INLINE L4_Word_t L4_IoFpagePort(L4_Fpage_t f) { return ((L4_IoFpage_t){.raw = f.raw}).X.p; }
L4_INLINE L4_Word_t L4_IoFpageSizeLog2(L4_Fpage_t f) { return ((L4_IoFpage_t){.raw = f.raw}).X.s; }
L4_INLINE L4_Word_t L4_IoFpageSize(L4_Fpage_t f) { return (L4_Word_t)1 << L4_IoFpageSizeLog2(f); }

#endif
