/* SPDX-License-Identifier: MIT */
/* Small message helpers over the X.2 convenience interface, shared by mnemo's programs and suites. */
#ifndef USER_X2MSG_H
#define USER_X2MSG_H

#include <stdbool.h>
#include <l4/ipc.h>

/* A message tag of label with u untyped and t typed words, for L4_Set_MsgTag. */
static inline L4_MsgTag_t msg_tag(L4_Word_t label, unsigned u, unsigned t)
{
	L4_MsgTag_t tag = L4_MsgTagAddLabel(L4_Niltag, label);
	tag.X.u = u, tag.X.t = t;
	return tag;
}

/* Message register i as received. */
static inline L4_Word_t msg_mr(int i)
{
	L4_Word_t w;
	L4_StoreMR(i, &w);
	return w;
}

/* A page fault's tag: label -2 << 4 | rwx (X.2 "Pagefault protocol"). */
static inline bool msg_is_pagefault(L4_MsgTag_t tag) { return L4_Label(tag) >> 4 == ((L4_Word_t)-2 << 20) >> 20; }

/* The reply to a fault at addr: the page at src with the rights (a map item), sent without waiting. */
static inline void msg_reply_map(L4_ThreadId_t to, L4_Word_t addr, L4_Word_t src, L4_Word_t rights)
{
	L4_MapItem_t item = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(src, 12), rights), addr);
	L4_Set_MsgTag(msg_tag(0, 0, 2));
	L4_LoadMR(1, item.raw[0]);
	L4_LoadMR(2, item.raw[1]);
	L4_Reply(to);
}

/* mnemo's sigma0 RPC (label -6 << 4) with the attributes word in MR2, which X.2's
 * L4_Sigma0_GetPage leaves 0 (docs/kernel.md "Memory attributes"): f mapped into
 * window; the fpage sigma0 mapped, nil if it refused. */
static inline L4_Fpage_t msg_sigma0_rpc(L4_ThreadId_t sigma0, L4_Fpage_t f, L4_Word_t attributes, L4_Fpage_t window)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, (L4_Word_t)-6 << 4);
	L4_MsgAppendWord(&msg, f.raw);
	L4_MsgAppendWord(&msg, attributes);
	L4_MsgLoad(&msg);
	L4_Accept(L4_MapGrantItems(window));
	L4_MsgTag_t tag = L4_Call(sigma0);
	if (L4_IpcFailed(tag) || L4_TypedWords(tag) != 2)
		return L4_Nilpage;
	L4_MapItem_t item;
	L4_MsgStore(tag, &msg);
	L4_MsgGetMapItem(&msg, 0, &item);
	return L4_MapItemSndFpage(item);
}

#endif
