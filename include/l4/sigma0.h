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

#endif
