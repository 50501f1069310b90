/* SPDX-License-Identifier: MIT */
/* Mapping with records: the giver records before it sends, the receiver records what it accepted. */
#include <pager.h>
#include <l4/space.h>

bool pgr_map_to(struct pgr_table *out, L4_ThreadId_t self, L4_ThreadId_t to, L4_Word_t src_addr, unsigned log2,
		unsigned rights, L4_Word_t dst_addr, L4_ThreadId_t backer, L4_Word_t backer_addr, unsigned flags,
		L4_Time_t timeout)
{
	/* The record comes first: once the receiver has the page it may ask us to rebuild it. */
	struct pgr_rec r = {
	    .flags = PGR_F_HANDOUT | (flags & PGR_F_FALLBACK),
	    .log2 = (uint8_t)log2,
	    .rights = (uint8_t)(rights & 7),
	    .dst = to,
	    .dst_addr = dst_addr,
	    .src = self,
	    .src_addr = src_addr,
	    .backer = backer,
	    .backer_addr = backer_addr,
	};
	if (!pgr_insert(out, &r))
		return false;
	/* The kernel maps only what is present: bring our pages in (our pager may have to rebuild them). */
	for (L4_Word_t a = src_addr; a < src_addr + (1ull << log2); a += 4096)
		(void)*(volatile char *)a;
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, PGR_LABEL_MAP);
	L4_MsgAppendWord(&msg, src_addr);
	L4_MsgAppendWord(&msg, backer.raw);
	L4_MsgAppendWord(&msg, backer_addr);
	L4_MsgAppendWord(&msg, flags & PGR_F_FALLBACK);
	L4_MsgAppendMapItem(&msg,
			    L4_MapItem(L4_FpageAddRights(L4_FpageLog2(src_addr, (int)log2), rights & 7), src_addr));
	L4_MsgLoad(&msg);
	return L4_IpcSucceeded(L4_Send(to, timeout));
}

bool pgr_accept(struct pgr_table *in, L4_ThreadId_t self, L4_ThreadId_t from, L4_Word_t window, unsigned log2,
		L4_Time_t timeout, struct pgr_rec *got)
{
	L4_Accept(L4_MapGrantItems(L4_FpageLog2(window, (int)log2)));
	L4_MsgTag_t tag = L4_Receive(from, timeout);
	L4_Accept(L4_UntypedWordsAcceptor);
	if (L4_IpcFailed(tag) || L4_Label(tag) != PGR_LABEL_MAP || L4_UntypedWords(tag) != 4 || L4_TypedWords(tag) != 2)
		return false;
	L4_Msg_t msg;
	L4_MapItem_t item;
	L4_MsgStore(tag, &msg);
	L4_MsgGetMapItem(&msg, 0, &item);
	L4_Fpage_t fp = L4_MapItemSndFpage(item);
	unsigned s = (unsigned)L4_SizeLog2(fp);
	if (s < 12 || s > log2)
		return false; /* we record what we asked for: whole pages inside our window */
	/* X.2 §7.3: a smaller fpage lands at window + (send base mod window size), aligned to its size */
	L4_Word_t off = (L4_MapItemSndBase(item) & ((1ull << log2) - 1)) & ~((1ull << s) - 1);
	struct pgr_rec r = {
	    .flags = PGR_F_ACCEPT | (L4_MsgWord(&msg, 3) & PGR_F_FALLBACK),
	    .log2 = (uint8_t)s,
	    .rights = (uint8_t)L4_Rights(fp),
	    .dst = self,
	    .dst_addr = window + off,
	    .src = from,
	    .src_addr = L4_Address(fp),
	    .backer = {.raw = L4_MsgWord(&msg, 1)},
	    .backer_addr = L4_MsgWord(&msg, 2),
	};
	if (got)
		*got = r;
	return pgr_insert(in, &r);
}

bool pgr_revoke(const struct pgr_table *given, size_t bytes, L4_ThreadId_t dst, L4_Word_t addr)
{
	struct pgr_rec r;
	if (!pgr_lookup(given, bytes, dst, addr, &r))
		return false;
	L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(r.src_addr, r.log2), L4_FullyAccessible));
	return true;
}

bool pgr_forget(struct pgr_table *given, L4_ThreadId_t dst, L4_Word_t addr)
{
	struct pgr_rec r;
	if (!pgr_lookup(given, (size_t)given->rec_offset + (size_t)given->capacity * 64, dst, addr, &r))
		return false;
	L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(r.src_addr, r.log2), L4_FullyAccessible));
	return pgr_remove(given, dst, addr);
}
