/* SPDX-License-Identifier: MIT */
/* X.2 messages (convenience interface): tags, map/grant/string items, message objects, buffers, acceptors, MRs, BRs. */
#ifndef L4_MESSAGE_H
#define L4_MESSAGE_H

#include <l4/types.h>
#include <l4/utcb.h>
#include <l4/syscalls.h>

/*
 * The X.2 message interface over mnemo's UTCB. MR0-MR7 travel in registers
 * only during a system call: between calls libl4 keeps every MR in the UTCB
 * (l4_ipc loads and stores them), so the MR and BR functions here are plain
 * UTCB accesses. Registers that do not exist (MR 64 and up, BR 33 and up) are
 * never touched: a too long load or store stops at the last register.
 *
 * Bit-field layouts are those of the amd64 ABI (GCC allocates bit-fields from
 * bit 0 of each word on this little-endian target); the x2api suite checks
 * each against the raw words.
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "bit-fields are allocated from bit 0");

/* ---- message and buffer registers (X.2 "Messages", "Buffer registers"; ABI §6.2) ---- */

L4_INLINE void L4_LoadMR(int i, L4_Word_t w)
{
	if (i >= 0 && i < L4_UTCB_MRS)
		l4_utcb()[L4_UTCB_MR(i)] = w;
}
L4_INLINE void L4_StoreMR(int i, L4_Word_t *w)
{
	if (i >= 0 && i < L4_UTCB_MRS)
		*w = l4_utcb()[L4_UTCB_MR(i)];
}
/* MR i .. MR i+k-1 from w[0 .. k-1]. */
L4_INLINE void L4_LoadMRs(int i, int k, const L4_Word_t *w)
{
	L4_Word_t *mr = l4_utcb();
	for (int n = 0; n < k && i + n < L4_UTCB_MRS; n++)
		if (i + n >= 0)
			mr[L4_UTCB_MR(i + n)] = w[n];
}
L4_INLINE void L4_StoreMRs(int i, int k, L4_Word_t *w)
{
	const L4_Word_t *mr = l4_utcb();
	for (int n = 0; n < k && i + n < L4_UTCB_MRS; n++)
		if (i + n >= 0)
			w[n] = mr[L4_UTCB_MR(i + n)];
}
L4_INLINE void L4_LoadBR(int i, L4_Word_t w)
{
	if (i >= 0 && i < L4_UTCB_BRS)
		l4_utcb()[L4_UTCB_BR(i)] = w;
}
L4_INLINE void L4_StoreBR(int i, L4_Word_t *w)
{
	if (i >= 0 && i < L4_UTCB_BRS)
		*w = l4_utcb()[L4_UTCB_BR(i)];
}
/* BR i .. BR i+k-1 from w[0 .. k-1] (the BRs lie downwards in the UTCB). */
L4_INLINE void L4_LoadBRs(int i, int k, const L4_Word_t *w)
{
	L4_Word_t *mr = l4_utcb();
	for (int n = 0; n < k && i + n < L4_UTCB_BRS; n++)
		if (i + n >= 0)
			mr[L4_UTCB_BR(i + n)] = w[n];
}
L4_INLINE void L4_StoreBRs(int i, int k, L4_Word_t *w)
{
	const L4_Word_t *mr = l4_utcb();
	for (int n = 0; n < k && i + n < L4_UTCB_BRS; n++)
		if (i + n >= 0)
			w[n] = mr[L4_UTCB_BR(i + n)];
}

/* ---- message tags (X.2 "MsgTag", ABI §7.1): u, t, flags p r X E (bits 12-15), 48-bit label ---- */

typedef union {
	L4_Word_t raw;
	struct {
		L4_Word_t u : 6, t : 6, flags : 4, label : 48;
	} X;
} L4_MsgTag_t;
_Static_assert(sizeof(L4_MsgTag_t) == 8, "L4_MsgTag_t is one word (MR0)");

#define L4_Niltag ((L4_MsgTag_t){.raw = 0})

L4_INLINE L4_Bool_t L4_IsMsgTagEqual(L4_MsgTag_t l, L4_MsgTag_t r) { return l.raw == r.raw; }
L4_INLINE L4_Bool_t L4_IsMsgTagNotEqual(L4_MsgTag_t l, L4_MsgTag_t r) { return l.raw != r.raw; }
/* Labels are 48 bits on amd64: a negative int label (the protocols' -n << 4)
 * keeps its sign in bits 16-63 of the tag. */
L4_INLINE L4_MsgTag_t L4_MsgTagAddLabel(L4_MsgTag_t t, L4_Word_t label)
{
	t.X.label = label;
	return t;
}
L4_INLINE L4_MsgTag_t L4_MsgTagAddLabelTo(L4_MsgTag_t *t, L4_Word_t label) { return *t = L4_MsgTagAddLabel(*t, label); }
L4_INLINE L4_Word_t L4_Label(L4_MsgTag_t t) { return t.X.label; }
L4_INLINE L4_Word_t L4_UntypedWords(L4_MsgTag_t t) { return t.X.u; }
L4_INLINE L4_Word_t L4_TypedWords(L4_MsgTag_t t) { return t.X.t; }
L4_INLINE void L4_Set_Label(L4_MsgTag_t *t, L4_Word_t label) { t->X.label = label; }
/* The tag in MR0 (after an IPC: the received tag). */
L4_INLINE L4_MsgTag_t L4_MsgTag(void) { return (L4_MsgTag_t){.raw = l4_utcb()[L4_UTCB_MR(0)]}; }
L4_INLINE void L4_Set_MsgTag(L4_MsgTag_t t) { l4_utcb()[L4_UTCB_MR(0)] = t.raw; }

/* The flags of a received tag (X.2 "Ipc" results): E failed, p propagated,
 * r redirected, X cross-processor. */
L4_INLINE L4_Bool_t L4_IpcSucceeded(L4_MsgTag_t t) { return (t.raw & L4_TAG_ERROR) == 0; }
L4_INLINE L4_Bool_t L4_IpcFailed(L4_MsgTag_t t) { return (t.raw & L4_TAG_ERROR) != 0; }
L4_INLINE L4_Bool_t L4_IpcPropagated(L4_MsgTag_t t) { return (t.raw & L4_TAG_PROPAGATED) != 0; }
L4_INLINE L4_Bool_t L4_IpcRedirected(L4_MsgTag_t t) { return (t.raw & L4_TAG_REDIRECTED) != 0; }
L4_INLINE L4_Bool_t L4_IpcXcpu(L4_MsgTag_t t) { return (t.raw & L4_TAG_XCPU) != 0; }
/* Asks for propagation (the sender names the virtual sender in its UTCB). */
L4_INLINE void L4_Set_Propagation(L4_MsgTag_t *t) { t->raw |= L4_TAG_PROPAGATED; }

/* ---- map and grant items (X.2 "MapItem", "GrantItem"; ABI §7.3): C, type 4 or 5, send base, fpage ---- */

typedef union {
	L4_Word_t raw[2];
	struct {
		L4_Word_t C : 1, type : 3, _zeros : 6, snd_base : 54;
		L4_Fpage_t snd_fpage;
	} X;
} L4_MapItem_t;
typedef union {
	L4_Word_t raw[2];
	struct {
		L4_Word_t C : 1, type : 3, _zeros : 6, snd_base : 54;
		L4_Fpage_t snd_fpage;
	} X;
} L4_GrantItem_t;
_Static_assert(sizeof(L4_MapItem_t) == 16 && sizeof(L4_GrantItem_t) == 16, "a map or grant item is two words");

L4_INLINE L4_MapItem_t L4_MapItem(L4_Fpage_t f, L4_Word_t SndBase)
{
	return (L4_MapItem_t){.raw = {l4_map_item_word0(SndBase), f.raw}};
}
L4_INLINE L4_Bool_t L4_IsMapItem(L4_MapItem_t m) { return m.X.type == 4; }
L4_INLINE L4_Fpage_t L4_MapItemSndFpage(L4_MapItem_t m) { return m.X.snd_fpage; }
L4_INLINE L4_Word_t L4_MapItemSndBase(L4_MapItem_t m) { return m.raw[0] & ~(L4_Word_t)0x3ff; }

L4_INLINE L4_GrantItem_t L4_GrantItem(L4_Fpage_t f, L4_Word_t SndBase)
{
	return (L4_GrantItem_t){.raw = {l4_grant_item_word0(SndBase), f.raw}};
}
L4_INLINE L4_Bool_t L4_IsGrantItem(L4_GrantItem_t g) { return g.X.type == 5; }
L4_INLINE L4_Fpage_t L4_GrantItemSndFpage(L4_GrantItem_t g) { return g.X.snd_fpage; }
L4_INLINE L4_Word_t L4_GrantItemSndBase(L4_GrantItem_t g) { return g.raw[0] & ~(L4_Word_t)0x3ff; }

/* ---- string items (X.2 "StringItem", ABI §7.4) ------------------------------------------
 * Word 0: C (another string item follows: in a buffer list, on the first item
 * of each compound string, as Pistachio's kernel reads it), type (bit 3 clear;
 * bits 1-2 the cache allocation hint), j (substrings - 1), c (the next item
 * continues this compound string), the length of each substring; then j + 1
 * substring pointers. An item with substrings or continuations is longer than
 * L4_StringItem_t: the caller provides the words behind it (X.2). */
typedef union {
	L4_Word_t raw[2];
	struct {
		L4_Word_t C : 1, type : 3, j : 5, c : 1, string_length : 54;
		union {
			void *string_ptr;
			void *substring_ptr[0];
		} str;
	} X;
} L4_StringItem_t;
_Static_assert(sizeof(L4_StringItem_t) == 16, "a simple string item is two words");

/* Words of the string item whose first word is w0, and of the compound string at w. */
static inline L4_Word_t l4_string_item_words(L4_Word_t w0) { return 2 + ((w0 >> 4) & 0x1f); }
static inline L4_Word_t l4_compound_string_words(const L4_Word_t *w)
{
	L4_Word_t n = 0;
	while (w[n] & (1u << 9))
		n += l4_string_item_words(w[n]);
	return n + l4_string_item_words(w[n]);
}
/* The last item of the compound string at w (the one without c). */
static inline L4_Word_t *l4_compound_string_last(L4_Word_t *w)
{
	while (*w & (1u << 9))
		w += l4_string_item_words(*w);
	return w;
}

L4_INLINE L4_StringItem_t L4_StringItem(L4_Word_t size, void *address)
{
	return (L4_StringItem_t){.raw = {l4_string_item_word0(size, 1, 0), (L4_Word_t)address}};
}
L4_INLINE L4_Bool_t L4_IsStringItem(L4_StringItem_t *s) { return (s->raw[0] & 8) == 0; }
L4_INLINE L4_Bool_t L4_CompoundString(L4_StringItem_t *s) { return s->X.c != 0; }
L4_INLINE L4_Word_t L4_Substrings(L4_StringItem_t *s) { return s->X.j + 1; }
/* The n-th substring pointer of s (n from 1). */
L4_INLINE void *L4_Substring(L4_StringItem_t *s, L4_Word_t n) { return (void *)((L4_Word_t *)s)[n]; }
/* Appends substr (with all its continuations) to the compound string dest:
 * dest's last item gets c and substr follows it. Returns dest. */
L4_INLINE L4_StringItem_t *L4_AddSubstringTo(L4_StringItem_t *dest, L4_StringItem_t *substr)
{
	L4_Word_t *last = l4_compound_string_last((L4_Word_t *)dest);
	L4_Word_t *to = last + l4_string_item_words(*last), n = l4_compound_string_words((L4_Word_t *)substr);
	*last |= 1u << 9;
	for (L4_Word_t i = 0; i < n; i++)
		to[i] = ((L4_Word_t *)substr)[i];
	return dest;
}
/* Adds one more substring (of the same length) to the last item of dest;
 * an item that has 32 already stays as it is. Returns dest. */
L4_INLINE L4_StringItem_t *L4_AddSubstringAddressTo(L4_StringItem_t *dest, void *SubstringAddress)
{
	L4_StringItem_t *last = (L4_StringItem_t *)l4_compound_string_last((L4_Word_t *)dest);
	if (last->X.j < 31) {
		last->X.j++;
		((L4_Word_t *)last)[1 + last->X.j] = (L4_Word_t)SubstringAddress;
	}
	return dest;
}

/* Cache allocation hints: bits 1-2 of a string item; 0 is the default strategy
 * (the other values are architecture-specific: amd64 defines none). */
typedef struct {
	L4_Word_t raw;
} L4_CacheAllocationHint_t;
#define L4_UseDefaultCacheAllocation ((L4_CacheAllocationHint_t){.raw = 0})

L4_INLINE L4_CacheAllocationHint_t L4_CacheAllocationHint(L4_StringItem_t s)
{
	return (L4_CacheAllocationHint_t){.raw = s.raw[0] & 6};
}
/* Pistachio's libl4 spells it so; programs written for it build here too. */
#define L4_CacheAlloctionHint L4_CacheAllocationHint
L4_INLINE L4_Bool_t L4_IsCacheAllocationHintEqual(L4_CacheAllocationHint_t l, L4_CacheAllocationHint_t r)
{
	return (l.raw & 6) == (r.raw & 6);
}
L4_INLINE L4_Bool_t L4_IsCacheAllocationHintNotEqual(L4_CacheAllocationHint_t l, L4_CacheAllocationHint_t r)
{
	return (l.raw & 6) != (r.raw & 6);
}
/* s with the hint h (replacing the one it had). */
L4_INLINE L4_StringItem_t L4_AddCacheAllocationHint(L4_StringItem_t s, L4_CacheAllocationHint_t h)
{
	s.raw[0] = (s.raw[0] & ~(L4_Word_t)6) | (h.raw & 6);
	return s;
}
L4_INLINE L4_StringItem_t L4_AddCacheAllocationHintTo(L4_StringItem_t *s, L4_CacheAllocationHint_t h)
{
	return *s = L4_AddCacheAllocationHint(*s, h);
}

/* ---- message objects (X.2 convenience "Msg"): a copy of MR0-MR63 built in memory ----------
 * msg[0] is the tag; untyped words follow it, then the typed items. Appends and
 * puts that would not fit into the 64 words leave the message as it was. */
typedef union {
	L4_Word_t raw[L4_UTCB_MRS];
	L4_Word_t msg[L4_UTCB_MRS];
	L4_MsgTag_t tag;
} L4_Msg_t;
_Static_assert(sizeof(L4_Msg_t) == L4_UTCB_MRS * 8, "a message is MR0-MR63");

/* Copies n words to msg[at ...] if they fit; whether they did. */
static inline L4_Bool_t l4_msg_put_words(L4_Msg_t *m, L4_Word_t at, const L4_Word_t *w, L4_Word_t n)
{
	if (at + n > L4_UTCB_MRS)
		return 0;
	for (L4_Word_t i = 0; i < n; i++)
		m->msg[at + i] = w[i];
	return 1;
}
/* The index of the first word after the message's items. */
static inline L4_Word_t l4_msg_end(const L4_Msg_t *m) { return 1 + m->tag.X.u + m->tag.X.t; }

/* Untyped[0 .. u-1] and t words of Items, with the label (flags cleared). */
L4_INLINE void L4_MsgPut(L4_Msg_t *msg, L4_Word_t label, int u, L4_Word_t *Untyped, int t, void *Items)
{
	if (u < 0 || t < 0 || 1 + u + t > L4_UTCB_MRS)
		return;
	l4_msg_put_words(msg, 1, Untyped, (L4_Word_t)u);
	l4_msg_put_words(msg, 1 + (L4_Word_t)u, (const L4_Word_t *)Items, (L4_Word_t)t);
	msg->tag.raw = l4_msgtag(label, (unsigned)u, (unsigned)t, 0);
}
/* Copies out the untyped words and the typed items the tag counts. */
L4_INLINE void L4_MsgGet(const L4_Msg_t *msg, L4_Word_t *Untyped, void *Items)
{
	L4_Word_t u = msg->tag.X.u, t = msg->tag.X.t;
	for (L4_Word_t i = 0; i < u && 1 + i < L4_UTCB_MRS; i++)
		Untyped[i] = msg->msg[1 + i];
	for (L4_Word_t i = 0; i < t && 1 + u + i < L4_UTCB_MRS; i++)
		((L4_Word_t *)Items)[i] = msg->msg[1 + u + i];
}
L4_INLINE L4_MsgTag_t L4_MsgMsgTag(const L4_Msg_t *msg) { return msg->tag; }
L4_INLINE void L4_Set_MsgMsgTag(L4_Msg_t *msg, L4_MsgTag_t t) { msg->tag = t; }
L4_INLINE L4_Word_t L4_MsgLabel(const L4_Msg_t *msg) { return msg->tag.X.label; }
L4_INLINE void L4_Set_MsgLabel(L4_Msg_t *msg, L4_Word_t label) { msg->tag.X.label = label; }
/* Into MR0 .. MR(u+t): ready to send. */
L4_INLINE void L4_MsgLoad(L4_Msg_t *msg) { L4_LoadMRs(0, (int)l4_msg_end(msg), msg->msg); }
/* MR1 .. MR(u+t) of the message t tags (just received) into msg, with t. */
L4_INLINE void L4_MsgStore(L4_MsgTag_t t, L4_Msg_t *msg)
{
	L4_StoreMRs(1, (int)(t.X.u + t.X.t), &msg->msg[1]);
	msg->tag = t;
}
L4_INLINE void L4_MsgClear(L4_Msg_t *msg) { msg->tag = L4_Niltag; }

/* An untyped word after the others: the typed items move up by one. */
L4_INLINE void L4_MsgAppendWord(L4_Msg_t *msg, L4_Word_t w)
{
	L4_Word_t end = l4_msg_end(msg), at = 1 + msg->tag.X.u;
	if (end >= L4_UTCB_MRS)
		return;
	for (L4_Word_t i = end; i > at; i--)
		msg->msg[i] = msg->msg[i - 1];
	msg->msg[at] = w;
	msg->tag.X.u++;
}
static inline void l4_msg_append_typed(L4_Msg_t *msg, const L4_Word_t *w, L4_Word_t n)
{
	if (l4_msg_put_words(msg, l4_msg_end(msg), w, n))
		msg->tag.X.t += n;
}
L4_INLINE void L4_MsgAppendMapItem(L4_Msg_t *msg, L4_MapItem_t m) { l4_msg_append_typed(msg, m.raw, 2); }
L4_INLINE void L4_MsgAppendGrantItem(L4_Msg_t *msg, L4_GrantItem_t g) { l4_msg_append_typed(msg, g.raw, 2); }
/* s as one simple string item (its c and j cleared). */
L4_INLINE void L4_MsgAppendSimpleStringItem(L4_Msg_t *msg, L4_StringItem_t s)
{
	s.X.c = 0, s.X.j = 0;
	l4_msg_append_typed(msg, s.raw, 2);
}
/* s with its substrings and continuations. */
L4_INLINE void L4_MsgAppendStringItem(L4_Msg_t *msg, L4_StringItem_t *s)
{
	l4_msg_append_typed(msg, s->raw, l4_compound_string_words((const L4_Word_t *)s));
}

/* Puts at untyped word u (from 0) or at typed word t (from 0, after the
 * untyped words); the tag is not changed. */
L4_INLINE void L4_MsgPutWord(L4_Msg_t *msg, L4_Word_t u, L4_Word_t w) { l4_msg_put_words(msg, 1 + u, &w, 1); }
L4_INLINE void L4_MsgPutMapItem(L4_Msg_t *msg, L4_Word_t t, L4_MapItem_t m)
{
	l4_msg_put_words(msg, 1 + msg->tag.X.u + t, m.raw, 2);
}
L4_INLINE void L4_MsgPutGrantItem(L4_Msg_t *msg, L4_Word_t t, L4_GrantItem_t g)
{
	l4_msg_put_words(msg, 1 + msg->tag.X.u + t, g.raw, 2);
}
L4_INLINE void L4_MsgPutSimpleStringItem(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t s)
{
	s.X.c = 0, s.X.j = 0;
	l4_msg_put_words(msg, 1 + msg->tag.X.u + t, s.raw, 2);
}
L4_INLINE void L4_MsgPutStringItem(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t *s)
{
	l4_msg_put_words(msg, 1 + msg->tag.X.u + t, s->raw, l4_compound_string_words((const L4_Word_t *)s));
}

L4_INLINE L4_Word_t L4_MsgWord(L4_Msg_t *msg, L4_Word_t u) { return msg->msg[1 + u]; }
L4_INLINE void L4_MsgGetWord(L4_Msg_t *msg, L4_Word_t u, L4_Word_t *w) { *w = msg->msg[1 + u]; }
/* The item at typed word t; returns the words it takes. */
L4_INLINE L4_Word_t L4_MsgGetMapItem(L4_Msg_t *msg, L4_Word_t t, L4_MapItem_t *m)
{
	m->raw[0] = msg->msg[1 + msg->tag.X.u + t];
	m->raw[1] = msg->msg[2 + msg->tag.X.u + t];
	return 2;
}
L4_INLINE L4_Word_t L4_MsgGetGrantItem(L4_Msg_t *msg, L4_Word_t t, L4_GrantItem_t *g)
{
	g->raw[0] = msg->msg[1 + msg->tag.X.u + t];
	g->raw[1] = msg->msg[2 + msg->tag.X.u + t];
	return 2;
}
/* The whole compound string at typed word t (never read past MR63); *s must
 * have room for its words. */
L4_INLINE L4_Word_t L4_MsgGetStringItem(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t *s)
{
	L4_Word_t at = 1 + msg->tag.X.u + t, n = 0, *d = (L4_Word_t *)s;
	for (;;) {
		if (at + n >= L4_UTCB_MRS)
			break;
		L4_Word_t w0 = msg->msg[at + n], k = l4_string_item_words(w0);
		for (L4_Word_t i = 0; i < k && at + n + i < L4_UTCB_MRS; i++)
			d[n + i] = msg->msg[at + n + i];
		n += k;
		if (!(w0 & (1u << 9)))
			break;
	}
	return n;
}

/* ---- acceptors and message buffers (X.2 "Acceptor", "MsgBuffer"; ABI §7.5) ------------
 * BR0, the acceptor: s (accept string items into the buffers from BR1 on) and
 * the receive window for map and grant items (an fpage without rights). */
typedef union {
	L4_Word_t raw;
	struct {
		L4_Word_t s : 1, _zeros : 3, RcvWindow : 60;
	} X;
} L4_Acceptor_t;
_Static_assert(sizeof(L4_Acceptor_t) == 8, "the acceptor is BR0");

#define L4_UntypedWordsAcceptor ((L4_Acceptor_t){.raw = 0})
#define L4_StringItemsAcceptor ((L4_Acceptor_t){.raw = 1})

L4_INLINE L4_Acceptor_t L4_MapGrantItems(L4_Fpage_t RcvWindow)
{
	return (L4_Acceptor_t){.raw = RcvWindow.raw & ~(L4_Word_t)0xf};
}
/* Accepts what either accepts; r's window if it has one, else l's. */
L4_INLINE L4_Acceptor_t L4_AddAcceptor(L4_Acceptor_t l, L4_Acceptor_t r)
{
	L4_Acceptor_t a = {.raw = 0};
	a.X.s = l.X.s | r.X.s;
	a.X.RcvWindow = r.X.RcvWindow ? r.X.RcvWindow : l.X.RcvWindow;
	return a;
}
L4_INLINE L4_Acceptor_t L4_AddAcceptorTo(L4_Acceptor_t *l, L4_Acceptor_t r) { return *l = L4_AddAcceptor(*l, r); }
/* l without what r accepts: strings if r takes strings, the window if r has one. */
L4_INLINE L4_Acceptor_t L4_RemoveAcceptor(L4_Acceptor_t l, L4_Acceptor_t r)
{
	if (r.X.s)
		l.X.s = 0;
	if (r.X.RcvWindow)
		l.X.RcvWindow = 0;
	return l;
}
L4_INLINE L4_Acceptor_t L4_RemoveAcceptorFrom(L4_Acceptor_t *l, L4_Acceptor_t r)
{
	return *l = L4_RemoveAcceptor(*l, r);
}
L4_INLINE L4_Bool_t L4_HasStringItems(L4_Acceptor_t a) { return a.X.s; }
L4_INLINE L4_Bool_t L4_HasMapGrantItems(L4_Acceptor_t a) { return a.X.RcvWindow != 0; }
L4_INLINE L4_Fpage_t L4_RcvWindow(L4_Acceptor_t a) { return (L4_Fpage_t){.raw = a.raw & ~(L4_Word_t)0xf}; }

/* The receive strings for BR1-BR32, string items as in a message. C on the
 * first item of a compound string says another string follows. A cleared
 * buffer holds one word that is no string item (bit 3 set). Appends that
 * would not fit into the 32 words leave the buffer as it was. */
typedef union {
	L4_Word_t raw[L4_UTCB_BRS - 1];
	L4_StringItem_t string[(L4_UTCB_BRS - 1) / 2];
} L4_MsgBuffer_t;
_Static_assert(sizeof(L4_MsgBuffer_t) == (L4_UTCB_BRS - 1) * 8, "a message buffer is BR1-BR32");

/* The words the buffer's strings take (at most 32); *last: the index of the
 * first item of the last string. */
static inline L4_Word_t l4_msgbuffer_words(const L4_MsgBuffer_t *b, L4_Word_t *last)
{
	const L4_Word_t max = L4_UTCB_BRS - 1;
	L4_Word_t n = 0, w0;
	*last = 0;
	if (b->raw[0] & 8)
		return 0; /* cleared */
	for (;;) {
		*last = n;
		do { /* the items of one compound string */
			w0 = b->raw[n];
			n += l4_string_item_words(w0);
		} while ((w0 & (1u << 9)) && n < max);
		if (!(b->raw[*last] & 1) || n >= max)
			return n < max ? n : max;
	}
}
/* Appends n words of string items; the previous last string gets C. */
static inline void l4_msgbuffer_append(L4_MsgBuffer_t *b, const L4_Word_t *w, L4_Word_t n)
{
	L4_Word_t last, end = l4_msgbuffer_words(b, &last);
	if (end + n > L4_UTCB_BRS - 1)
		return;
	if (end)
		b->raw[last] |= 1;
	for (L4_Word_t i = 0; i < n; i++)
		b->raw[end + i] = w[i];
	b->raw[end] &= ~(L4_Word_t)1;
}

L4_INLINE void L4_MsgBufferClear(L4_MsgBuffer_t *b) { b->raw[0] = 8; }
/* s as one simple receive buffer (its c and j cleared). */
L4_INLINE void L4_MsgBufferAppendSimpleRcvString(L4_MsgBuffer_t *b, L4_StringItem_t s)
{
	s.X.c = 0, s.X.j = 0;
	l4_msgbuffer_append(b, s.raw, 2);
}
/* s with its substrings and continuations. */
L4_INLINE void L4_MsgBufferAppendRcvString(L4_MsgBuffer_t *b, L4_StringItem_t *s)
{
	l4_msgbuffer_append(b, s->raw, l4_compound_string_words((const L4_Word_t *)s));
}

/* The acceptor into BR0 (map and grant items, no strings unless a.s and the
 * BRs were loaded otherwise). */
L4_INLINE void L4_Accept(L4_Acceptor_t a) { L4_LoadBR(0, a.raw); }
/* The acceptor into BR0 and b's strings into BR1 on; a cleared buffer puts its
 * non-string word into BR1, so no string is accepted. */
L4_INLINE void L4_AcceptStrings(L4_Acceptor_t a, L4_MsgBuffer_t *b)
{
	L4_Word_t last, n = l4_msgbuffer_words(b, &last);
	L4_LoadBR(0, a.raw);
	L4_LoadBRs(1, n ? (int)n : 1, b->raw);
}
L4_INLINE L4_Acceptor_t L4_Accepted(void)
{
	L4_Acceptor_t a;
	L4_StoreBR(0, &a.raw);
	return a;
}

/* ---- the X.2 C++ spellings, as C11 macros -------------------------------------------
 * X.2's C++ interface overloads these names by argument type or count; C gets
 * the same spellings through _Generic and argument counting. Each macro names
 * the C function it selects (a macro's own name is not expanded again). */
/* (clang-format cannot lay out _Generic association lists.) */
/* clang-format off */
#define __L4_PICK2(_1, _2, F, ...) F
#define __L4_PICK3(_1, _2, _3, F, ...) F
#define __L4_PICK6(_1, _2, _3, _4, _5, _6, F, ...) F

/* L4_MsgTag(), L4_MsgTag(&msg); L4_Set_MsgTag(tag), L4_Set_MsgTag(&msg, tag) */
#define L4_MsgTag(...) __L4_PICK2(0 __VA_OPT__(, ) __VA_ARGS__, L4_MsgMsgTag, L4_MsgTag, ~)(__VA_ARGS__)
#define L4_Set_MsgTag(...) __L4_PICK2(__VA_ARGS__, L4_Set_MsgMsgTag, L4_Set_MsgTag, ~)(__VA_ARGS__)
/* L4_Label(tag), L4_Label(&msg); L4_Set_Label(&tag, label), L4_Set_Label(&msg, label) */
#define L4_Label(x) _Generic((x), L4_Msg_t *: L4_MsgLabel, const L4_Msg_t *: L4_MsgLabel, L4_MsgTag_t: L4_Label)(x)
#define L4_Set_Label(p, label) _Generic((p), L4_Msg_t *: L4_Set_MsgLabel, L4_MsgTag_t *: L4_Set_Label)(p, label)
/* L4_MapItem(fpage, base) builds, L4_MapItem(item) tests; the same for grant and string items */
#define L4_MapItem(...) __L4_PICK2(__VA_ARGS__, L4_MapItem, L4_IsMapItem, ~)(__VA_ARGS__)
#define L4_GrantItem(...) __L4_PICK2(__VA_ARGS__, L4_GrantItem, L4_IsGrantItem, ~)(__VA_ARGS__)
#define L4_StringItem(...) __L4_PICK2(__VA_ARGS__, L4_StringItem, L4_IsStringItem, ~)(__VA_ARGS__)
#define L4_SndFpage(i) _Generic((i), L4_MapItem_t: L4_MapItemSndFpage, L4_GrantItem_t: L4_GrantItemSndFpage)(i)
#define L4_SndBase(i) _Generic((i), L4_MapItem_t: L4_MapItemSndBase, L4_GrantItem_t: L4_GrantItemSndBase)(i)
/* L4_Put(&msg, label, u, Untyped, t, Items); L4_Put(&msg, u, word); L4_Put(&msg, t, item) */
#define L4_Put(...) __L4_PICK6(__VA_ARGS__, L4_MsgPut, ~, ~, __L4_Put3, ~, ~, ~)(__VA_ARGS__)
#define __L4_Put3(m, i, x) \
	_Generic((x), \
	    L4_MapItem_t: L4_MsgPutMapItem, \
	    L4_GrantItem_t: L4_MsgPutGrantItem, \
	    L4_StringItem_t: L4_MsgPutSimpleStringItem, \
	    L4_StringItem_t *: L4_MsgPutStringItem, \
	    default: L4_MsgPutWord)(m, i, x)
/* L4_Get(&msg, u) a word; L4_Get(&msg, u, &word); L4_Get(&msg, t, &item);
 * L4_Get(&msg, Untyped, Items) everything */
#define L4_Get(...) __L4_PICK3(__VA_ARGS__, __L4_Get3, L4_MsgWord, ~, ~)(__VA_ARGS__)
#define __L4_Get3(m, a, b) \
	_Generic((a), \
	    L4_Word_t *: L4_MsgGet, \
	    default: _Generic((b), \
	        L4_MapItem_t *: L4_MsgGetMapItem, \
	        L4_GrantItem_t *: L4_MsgGetGrantItem, \
	        L4_StringItem_t *: L4_MsgGetStringItem, \
	        default: L4_MsgGetWord))(m, a, b)
/* L4_Append(&msg, word or item); L4_Append(&buffer, string item) */
#define L4_Append(p, x) \
	_Generic((p), \
	    L4_MsgBuffer_t *: _Generic((x), \
	        L4_StringItem_t *: L4_MsgBufferAppendRcvString, \
	        default: L4_MsgBufferAppendSimpleRcvString), \
	    L4_Msg_t *: _Generic((x), \
	        L4_MapItem_t: L4_MsgAppendMapItem, \
	        L4_GrantItem_t: L4_MsgAppendGrantItem, \
	        L4_StringItem_t: L4_MsgAppendSimpleStringItem, \
	        L4_StringItem_t *: L4_MsgAppendStringItem, \
	        default: L4_MsgAppendWord))(p, x)
#define L4_Clear(p) _Generic((p), L4_Msg_t *: L4_MsgClear, L4_MsgBuffer_t *: L4_MsgBufferClear)(p)
L4_INLINE void L4_Load(L4_Msg_t *msg) { L4_MsgLoad(msg); }
L4_INLINE void L4_Store(L4_MsgTag_t t, L4_Msg_t *msg) { L4_MsgStore(t, msg); }
/* L4_Accept(acceptor); L4_Accept(acceptor, &buffer) */
#define L4_Accept(...) __L4_PICK2(__VA_ARGS__, L4_AcceptStrings, L4_Accept, ~)(__VA_ARGS__)
/* L4_MapGrantItems(window) builds an acceptor; L4_MapGrantItems(acceptor) tests one */
#define L4_MapGrantItems(x) _Generic((x), L4_Acceptor_t: L4_HasMapGrantItems, L4_Fpage_t: L4_MapGrantItems)(x)
/* clang-format on */
L4_INLINE L4_Bool_t L4_StringItems(L4_Acceptor_t a) { return L4_HasStringItems(a); }

#endif
