/* SPDX-License-Identifier: MIT */
/* The sigma0 protocol (ABI §9.2): ask the root pager for a page. */
#ifndef L4_SIGMA0_H
#define L4_SIGMA0_H

#include <l4/ipc.h>

static inline l4_threadid_t l4_sigma0_id(void) { return l4_global_id(l4_kip_user_base(__l4_kip), 1); }

/* Requests fpage (base all ones: any page of that size) from sigma0 with memory
 * attributes (0: as it is; l4/misc.h), mapped into the receive window `window`;
 * returns the fpage received (nil on failure). */
static inline l4_fpage_t l4_sigma0_get_page_attr_rcv_window(l4_fpage_t fpage, l4_word_t attributes, l4_fpage_t window)
{
	l4_word_t *mr = l4_utcb();
	l4_accept(window);
	mr[0] = l4_msgtag(L4_LABEL_SIGMA0, 2, 0, 0);
	mr[1] = fpage;
	mr[2] = attributes;
	l4_msgtag_t tag = l4_call(l4_sigma0_id());
	if (l4_ipc_failed(tag) || L4_TAG_T(tag) != 2)
		return L4_NILPAGE;
	return mr[2];
}

static inline l4_fpage_t l4_sigma0_get_page_rcv_window(l4_fpage_t fpage, l4_fpage_t window)
{
	return l4_sigma0_get_page_attr_rcv_window(fpage, 0, window);
}

static inline l4_fpage_t l4_sigma0_get_page(l4_fpage_t fpage)
{
	return l4_sigma0_get_page_rcv_window(fpage, L4_COMPLETE_ADDRESS_SPACE);
}

static inline l4_fpage_t l4_sigma0_get_any(unsigned log2size)
{
	return l4_sigma0_get_page(l4_fpage_log2(~(l4_word_t)0, log2size) | L4_FULLY_ACCESSIBLE);
}

/*
 * The X.2 convenience interface to sigma0 (X.2 §"Sigma0 RPC protocol"): s0 is
 * sigma0's thread ID; the nil thread means "find it in the KIP" (the first
 * user thread, version 1, as X.2 programs compute it). MR2, the attributes, is
 * 0: as the page is. The answer is the fpage sigma0 mapped, nil if it refused.
 */

/* As L4_Sigma0_GetPage_RcvWindow; if f has the extended bit, MR3 carries the
 * high address bits (u = 3), which an amd64 fpage never needs. */
L4_INLINE L4_Fpage_t L4_Sigma0_GetPage_RcvWindow_High(L4_ThreadId_t s0, L4_Fpage_t f, L4_Fpage_t RcvWindow,
						      L4_Word_t high)
{
	if (L4_IsNilThread(s0))
		s0 = L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1);
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(L4_LABEL_SIGMA0, f.X.extended ? 3 : 2, 0, 0);
	mr[1] = f.raw;
	mr[2] = 0;
	mr[3] = high;
	l4_accept(RcvWindow.raw);
	if (l4_ipc_failed(l4_call(s0.raw)))
		return L4_Nilpage;
	return (L4_Fpage_t){.raw = mr[2]}; /* the map item's fpage */
}

/* Asks for f (rights and size as in f), mapped into RcvWindow. */
L4_INLINE L4_Fpage_t L4_Sigma0_GetPage_RcvWindow(L4_ThreadId_t s0, L4_Fpage_t f, L4_Fpage_t RcvWindow)
{
	return L4_Sigma0_GetPage_RcvWindow_High(s0, f, RcvWindow, 0);
}

/* Asks for f, mapped at its own address (the receive window is the whole space). */
L4_INLINE L4_Fpage_t L4_Sigma0_GetPage(L4_ThreadId_t s0, L4_Fpage_t f)
{
	return L4_Sigma0_GetPage_RcvWindow(s0, f, L4_CompleteAddressSpace);
}

/* Asks for any free page of 2^s bytes (the fpage whose base bits are all ones),
 * mapped into RcvWindow with the rights sigma0 gives (mnemo's: all). */
L4_INLINE L4_Fpage_t L4_Sigma0_GetAny(L4_ThreadId_t s0, L4_Word_t s, L4_Fpage_t RcvWindow)
{
	return L4_Sigma0_GetPage_RcvWindow(s0, L4_FpageLog2(~0ul, (int)s), RcvWindow);
}

/* X.2's C++ overloads of L4_Sigma0_GetPage, chosen by the number of arguments and,
 * for three, by the type of the third: (s0, f), (s0, f, RcvWindow), (s0, f, high),
 * (s0, f, high, RcvWindow); the two with `high` set f's extended bit. */
L4_INLINE L4_Fpage_t __L4_Sigma0_GetPage_High(L4_ThreadId_t s0, L4_Fpage_t f, L4_Word_t high, L4_Fpage_t RcvWindow)
{
	f.X.extended = 1;
	return L4_Sigma0_GetPage_RcvWindow_High(s0, f, RcvWindow, high);
}
L4_INLINE L4_Fpage_t __L4_Sigma0_GetPage_High3(L4_ThreadId_t s0, L4_Fpage_t f, L4_Word_t high)
{
	return __L4_Sigma0_GetPage_High(s0, f, high, L4_CompleteAddressSpace);
}
#define __L4_Sigma0_GetPage3(s0, f, x) \
	_Generic((x), L4_Fpage_t : L4_Sigma0_GetPage_RcvWindow, default : __L4_Sigma0_GetPage_High3)(s0, f, x)
#define __L4_Sigma0_Pick(a, b, c, d, fn, ...) fn
#define L4_Sigma0_GetPage(...) \
	__L4_Sigma0_Pick(__VA_ARGS__, __L4_Sigma0_GetPage_High, __L4_Sigma0_GetPage3, L4_Sigma0_GetPage, )(__VA_ARGS__)

#endif
