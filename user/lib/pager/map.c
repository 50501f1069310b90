/* SPDX-License-Identifier: MIT */
/* Mapping with records: the giver records before it sends, the receiver records what it accepted. */
#include <pager.h>
#include <l4/space.h>

bool pgr_map_to(struct pgr_table *out, l4_threadid_t self, l4_threadid_t to, l4_word_t src_addr, unsigned log2,
		unsigned rights, l4_word_t dst_addr, l4_threadid_t backer, l4_word_t backer_addr, unsigned flags,
		l4_word_t timeout_us)
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
	for (l4_word_t a = src_addr; a < src_addr + (1ull << log2); a += 4096)
		(void)*(volatile char *)a;
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(PGR_LABEL_MAP, 4, 2, 0);
	mr[1] = src_addr, mr[2] = backer, mr[3] = backer_addr, mr[4] = flags & PGR_F_FALLBACK;
	mr[5] = l4_map_item_word0(src_addr);
	mr[6] = l4_fpage_log2(src_addr, log2) | (rights & 7);
	return !l4_ipc_failed(l4_send_timeout(to, l4_time_period(timeout_us)));
}

bool pgr_accept(struct pgr_table *in, l4_threadid_t self, l4_threadid_t from, l4_word_t window, unsigned log2,
		l4_word_t timeout_us, struct pgr_rec *got)
{
	l4_accept(l4_fpage_log2(window, log2));
	l4_msgtag_t tag = l4_receive_timeout(from, l4_time_period(timeout_us));
	l4_accept(L4_NILPAGE);
	l4_word_t *mr = l4_utcb();
	if (l4_ipc_failed(tag) || L4_TAG_LABEL(tag) != PGR_LABEL_MAP || L4_TAG_U(tag) != 4 || L4_TAG_T(tag) != 2)
		return false;
	l4_fpage_t item = mr[6];
	unsigned s = l4_fpage_size_log2(item);
	if (s < 12 || s > log2)
		return false; /* we record what we asked for: whole pages inside our window */
	/* X.2 §7.3: a smaller fpage lands at window + (send base mod window size), aligned to its size */
	l4_word_t off = (l4_fpage_base(mr[5]) & ((1ull << log2) - 1)) & ~((1ull << s) - 1);
	struct pgr_rec r = {
	    .flags = PGR_F_ACCEPT | (mr[4] & PGR_F_FALLBACK),
	    .log2 = (uint8_t)s,
	    .rights = (uint8_t)l4_fpage_rights(item),
	    .dst = self,
	    .dst_addr = window + off,
	    .src = from,
	    .src_addr = l4_fpage_base(item),
	    .backer = mr[2],
	    .backer_addr = mr[3],
	};
	if (got)
		*got = r;
	return pgr_insert(in, &r);
}

bool pgr_revoke(const struct pgr_table *given, size_t bytes, l4_threadid_t dst, l4_word_t addr)
{
	struct pgr_rec r;
	if (!pgr_lookup(given, bytes, dst, addr, &r))
		return false;
	l4_unmap_fpage(l4_fpage_log2(r.src_addr, r.log2) | L4_FULLY_ACCESSIBLE);
	return true;
}

bool pgr_forget(struct pgr_table *given, l4_threadid_t dst, l4_word_t addr)
{
	struct pgr_rec r;
	if (!pgr_lookup(given, (size_t)given->rec_offset + (size_t)given->capacity * 64, dst, addr, &r))
		return false;
	l4_unmap_fpage(l4_fpage_log2(r.src_addr, r.log2) | L4_FULLY_ACCESSIBLE);
	return pgr_remove(given, dst, addr);
}
