/* SPDX-License-Identifier: MIT */
/* The x2api suite, messages and IPC: tags, items, message objects, buffers, acceptors, MRs and BRs, Ipc and its derived calls. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/schedule.h>
#include <l4/space.h>

/* A thread number no thread has. */
#define NO_SUCH_THREAD L4_GlobalId(0x7ff00, 1)

/*
 * Partner threads of these tests, in our space: thread numbers from 0x100
 * above ours and UTCB slots from 64 of our space's UTCB area (thread.c takes
 * 0x200 and 128 on), never reused; stacks whose pages are present.
 */
static unsigned next_thread, next_slot;
static L4_ThreadId_t main_tid;

#define STACK_WORDS 1024
static L4_Word_t stacks[4][STACK_WORDS] __attribute__((aligned(16)));
static unsigned next_stack;

static void sleep_forever(void)
{
	for (;;)
		L4_Sleep(L4_Never);
}

/* A thread of our space running fn (which never returns); nil if ThreadControl refused. */
static L4_ThreadId_t start_thread(void (*fn)(void))
{
	L4_ThreadId_t t = L4_GlobalId(L4_ThreadNo(L4_Myself()) + 0x100 + next_thread++, 1);
	void *utcb = (void *)(L4_MyLocalId().raw - 512 + 1024 * (64 + next_slot++));
	L4_Word_t *stack = stacks[next_stack++ % 4];
	memset(stack, 0, sizeof stacks[0]);
	main_tid = L4_Myself();
	if (L4_ThreadControl(t, L4_Myself(), L4_Myself(), L4_Pager(), utcb) != 1)
		return L4_nilthread;
	L4_Start(t, (L4_Word_t)&stack[STACK_WORDS - 2], (L4_Word_t)fn);
	return t;
}

static void delete_thread(L4_ThreadId_t t)
{
	L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1);
}

USER_TEST(mrs_brs, "x2api.ipc.registers", "MRs and BRs: one and many loaded and stored, the last register bounds both")
{
	L4_Word_t w[8], back[8];
	for (int i = 0; i < 8; i++)
		w[i] = 0x1000 + (L4_Word_t)i;
	L4_LoadMR(5, 0xabc);
	L4_StoreMR(5, &back[0]);
	TEST_CHECK_EQ(back[0], 0xabc);
	L4_LoadMRs(10, 8, w);
	L4_StoreMRs(9, 8, back);
	TEST_CHECK_EQ(back[1], 0x1000);
	TEST_CHECK_EQ(back[7], 0x1006);
	L4_LoadMRs(60, 8, w); /* MR60-MR63 only */
	L4_StoreMRs(60, 8, back);
	TEST_CHECK_EQ(back[3], 0x1003);
	L4_Word_t keep = 0x5555;
	L4_StoreMR(64, &keep); /* no MR64: nothing read */
	TEST_CHECK_EQ(keep, 0x5555);

	L4_LoadBR(3, 0xbeef);
	L4_StoreBR(3, &back[0]);
	TEST_CHECK_EQ(back[0], 0xbeef);
	L4_LoadBRs(30, 8, w); /* BR30-BR32 only */
	L4_StoreBRs(29, 8, back);
	TEST_CHECK_EQ(back[1], 0x1000);
	TEST_CHECK_EQ(back[3], 0x1002);
	L4_StoreBR(33, &keep);
	TEST_CHECK_EQ(keep, 0x5555);
	/* MRs and BRs are distinct registers: BR3 kept its value through the MR loads */
	L4_LoadMRs(0, 8, w);
	L4_StoreBR(3, &back[0]);
	TEST_CHECK_EQ(back[0], 0xbeef);
	L4_LoadBR(0, 0);
}

USER_TEST(tags, "x2api.ipc.tags", "message tags: fields, labels (48 bits, negative), flags, MR0")
{
	L4_MsgTag_t t = L4_Niltag;
	TEST_CHECK_EQ(t.raw, 0);
	t.X.u = 3, t.X.t = 4;
	t = L4_MsgTagAddLabel(t, 0x1234);
	TEST_CHECK_EQ(t.raw, (0x1234ul << 16) | (4 << 6) | 3);
	TEST_CHECK_EQ(L4_Label(t), 0x1234);
	TEST_CHECK_EQ(L4_UntypedWords(t), 3);
	TEST_CHECK_EQ(L4_TypedWords(t), 4);
	L4_MsgTagAddLabelTo(&t, (L4_Word_t)-6 << 4); /* the sigma0 protocol's label */
	TEST_CHECK_EQ(t.raw & ~0xfffful, (L4_Word_t)-6 << 20); /* sign-extended: what sigma0 matches */
	TEST_CHECK_EQ(t.raw & 0xffff, (4 << 6) | 3);
	TEST_CHECK_EQ(L4_Label(t), 0xffffffffffa0ul);
	L4_Set_Label(&t, 0xffffffffffffull);
	TEST_CHECK_EQ(t.raw >> 16, 0xffffffffffffull);
	TEST_CHECK(L4_IsMsgTagEqual(t, (L4_MsgTag_t){.raw = t.raw}));
	TEST_CHECK(L4_IsMsgTagNotEqual(t, L4_Niltag));

	L4_MsgTag_t f = L4_Niltag;
	TEST_CHECK(L4_IpcSucceeded(f) && !L4_IpcFailed(f));
	TEST_CHECK(!L4_IpcPropagated(f) && !L4_IpcRedirected(f) && !L4_IpcXcpu(f));
	L4_Set_Propagation(&f);
	TEST_CHECK_EQ(f.raw, 1 << 12);
	TEST_CHECK(L4_IpcPropagated(f) && L4_IpcSucceeded(f));
	f.X.flags = 2;
	TEST_CHECK(L4_IpcRedirected(f) && !L4_IpcPropagated(f));
	f.X.flags = 4;
	TEST_CHECK(L4_IpcXcpu(f));
	f.X.flags = 8;
	TEST_CHECK(L4_IpcFailed(f) && !L4_IpcSucceeded(f));
	TEST_CHECK_EQ(f.raw, 1 << 15);

	L4_Set_MsgTag(t);
	L4_Word_t mr0;
	L4_StoreMR(0, &mr0);
	TEST_CHECK_EQ(mr0, t.raw);
	TEST_CHECK(L4_IsMsgTagEqual(L4_MsgTag(), t));
	L4_LoadMR(0, 0x40);
	TEST_CHECK_EQ(L4_TypedWords(L4_MsgTag()), 1);
}

/* A string item with room for substrings and continuations behind it. */
typedef union {
	L4_StringItem_t s;
	L4_Word_t w[16];
} long_string_t;

static char sa[8], sb[8], sc[16], sd[16];

USER_TEST(items, "x2api.ipc.items", "map, grant and string items: encoding, substrings, compound strings, cache hints")
{
	L4_Fpage_t f = L4_FpageAddRights(L4_FpageLog2(0x200000, 21), L4_ReadWriteOnly);
	L4_MapItem_t m = L4_MapItem(f, 0x12345678);
	TEST_CHECK_EQ(m.raw[0], 0x12345400 | (4 << 1));
	TEST_CHECK_EQ(m.raw[1], f.raw);
	TEST_CHECK(L4_IsMapItem(m) && m.X.C == 0 && m.X.type == 4);
	TEST_CHECK_EQ(L4_MapItemSndBase(m), 0x12345400);
	TEST_CHECK_EQ(L4_MapItemSndFpage(m).raw, f.raw);
	TEST_CHECK_EQ(m.X.snd_base, 0x12345400 >> 10);
	L4_GrantItem_t g = L4_GrantItem(f, 0x4000);
	TEST_CHECK_EQ(g.raw[0], 0x4000 | (5 << 1));
	TEST_CHECK(L4_IsGrantItem(g) && g.X.type == 5);
	TEST_CHECK_EQ(L4_GrantItemSndBase(g), 0x4000);
	TEST_CHECK_EQ(L4_GrantItemSndFpage(g).raw, f.raw);
	TEST_CHECK(!L4_IsMapItem((L4_MapItem_t){.raw = {g.raw[0], g.raw[1]}}));
	/* the C++ spellings */
	TEST_CHECK(L4_MapItem(m) && L4_GrantItem(g));
	TEST_CHECK_EQ(L4_SndBase(m), 0x12345400);
	TEST_CHECK_EQ(L4_SndBase(g), 0x4000);
	TEST_CHECK_EQ(L4_SndFpage(g).raw, f.raw);

	L4_StringItem_t s = L4_StringItem(sizeof sa, sa);
	TEST_CHECK_EQ(s.raw[0], sizeof sa << 10);
	TEST_CHECK_EQ(s.raw[1], (L4_Word_t)sa);
	TEST_CHECK_EQ(s.X.string_length, sizeof sa);
	TEST_CHECK(s.X.str.string_ptr == sa);
	TEST_CHECK(L4_IsStringItem(&s) && L4_StringItem(&s));
	TEST_CHECK(!L4_IsStringItem((L4_StringItem_t *)&m));
	TEST_CHECK(!L4_CompoundString(&s));
	TEST_CHECK_EQ(L4_Substrings(&s), 1);
	TEST_CHECK(L4_Substring(&s, 1) == sa);

	long_string_t cs = {.s = L4_StringItem(8, sa)};
	TEST_CHECK(L4_AddSubstringAddressTo(&cs.s, sb) == &cs.s);
	TEST_CHECK_EQ(L4_Substrings(&cs.s), 2);
	TEST_CHECK(L4_Substring(&cs.s, 2) == sb);
	TEST_CHECK(cs.s.X.str.substring_ptr[1] == sb);
	L4_StringItem_t part = L4_StringItem(16, sc);
	TEST_CHECK(L4_AddSubstringTo(&cs.s, &part) == &cs.s);
	TEST_CHECK(L4_CompoundString(&cs.s));
	TEST_CHECK_EQ(cs.w[0], (8 << 10) | (1 << 9) | (1 << 4));
	TEST_CHECK_EQ(cs.w[3], 16 << 10);
	TEST_CHECK_EQ(cs.w[4], (L4_Word_t)sc);
	L4_AddSubstringAddressTo(&cs.s, sd); /* goes to the last part */
	TEST_CHECK_EQ(cs.w[3], (16 << 10) | (1 << 4));
	TEST_CHECK_EQ(cs.w[5], (L4_Word_t)sd);
	TEST_CHECK_EQ(L4_Substrings(&cs.s), 2);
	union {
		L4_StringItem_t s;
		L4_Word_t w[2 + 31 + 8];
	} full = {.s = L4_StringItem(4, sa)};
	for (int i = 0; i < 40; i++)
		L4_AddSubstringAddressTo(&full.s, sb); /* at most 32 substrings in one item */
	TEST_CHECK_EQ(L4_Substrings(&full.s), 32);
	TEST_CHECK_EQ(full.w[33], 0); /* the 33rd pointer was never written */

	TEST_CHECK(L4_IsCacheAllocationHintEqual(L4_CacheAllocationHint(s), L4_UseDefaultCacheAllocation));
	L4_StringItem_t h = L4_AddCacheAllocationHint(s, (L4_CacheAllocationHint_t){.raw = 2});
	TEST_CHECK_EQ(h.raw[0], s.raw[0] | 2);
	TEST_CHECK(L4_IsStringItem(&h));
	TEST_CHECK(L4_IsCacheAllocationHintNotEqual(L4_CacheAllocationHint(h), L4_UseDefaultCacheAllocation));
	L4_AddCacheAllocationHintTo(&h, L4_UseDefaultCacheAllocation);
	TEST_CHECK_EQ(h.raw[0], s.raw[0]);
}

/* A compound string of two items of two substrings each: 6 words. */
static void compound(long_string_t *cs)
{
	*cs = (long_string_t){.s = L4_StringItem(8, sa)};
	L4_AddSubstringAddressTo(&cs->s, sb);
	L4_StringItem_t part = L4_StringItem(16, sc);
	L4_AddSubstringTo(&cs->s, &part);
	L4_AddSubstringAddressTo(&cs->s, sd);
}

USER_TEST(msg, "x2api.ipc.msg", "message objects: append, put, get, label and tag, load into and store from the MRs")
{
	L4_Fpage_t f = L4_FpageAddRights(L4_FpageLog2(0x200000, 21), L4_FullyAccessible);
	L4_MapItem_t mi = L4_MapItem(f, 0x300000);
	L4_GrantItem_t gi = L4_GrantItem(f, 0x400000);
	long_string_t cs;
	compound(&cs);
	L4_Msg_t m;
	L4_MsgClear(&m);
	TEST_CHECK_EQ(m.tag.raw, 0);
	L4_Set_MsgLabel(&m, 0x42);
	L4_MsgAppendWord(&m, 1);
	L4_MsgAppendWord(&m, 2);
	L4_MsgAppendMapItem(&m, mi);
	L4_MsgAppendWord(&m, 3); /* the map item moves up */
	TEST_CHECK_EQ(L4_UntypedWords(L4_MsgMsgTag(&m)), 3);
	TEST_CHECK_EQ(L4_TypedWords(m.tag), 2);
	TEST_CHECK_EQ(L4_MsgLabel(&m), 0x42);
	TEST_CHECK_EQ(m.msg[3], 3);
	TEST_CHECK_EQ(m.msg[4], mi.raw[0]);
	TEST_CHECK_EQ(m.msg[5], mi.raw[1]);
	L4_MsgAppendGrantItem(&m, gi);
	L4_MsgAppendSimpleStringItem(&m, cs.s); /* first part only, as a simple string */
	L4_MsgAppendStringItem(&m, &cs.s); /* all 6 words */
	TEST_CHECK_EQ(m.tag.X.t, 2 + 2 + 2 + 6);
	TEST_CHECK_EQ(m.msg[8], 8 << 10); /* c and j cleared */
	TEST_CHECK_EQ(m.msg[9], (L4_Word_t)sa);
	for (int i = 0; i < 6; i++)
		TEST_CHECK_EQ(m.msg[10 + i], cs.w[i]);

	TEST_CHECK_EQ(L4_MsgWord(&m, 2), 3);
	L4_Word_t w;
	L4_MsgGetWord(&m, 0, &w);
	TEST_CHECK_EQ(w, 1);
	L4_MapItem_t mi2;
	TEST_CHECK_EQ(L4_MsgGetMapItem(&m, 0, &mi2), 2);
	TEST_CHECK(mi2.raw[0] == mi.raw[0] && mi2.raw[1] == mi.raw[1]);
	L4_GrantItem_t gi2;
	TEST_CHECK_EQ(L4_MsgGetGrantItem(&m, 2, &gi2), 2);
	TEST_CHECK(L4_IsGrantItem(gi2) && L4_GrantItemSndBase(gi2) == 0x400000);
	long_string_t got = {.w = {0}};
	TEST_CHECK_EQ(L4_MsgGetStringItem(&m, 4, &got.s), 2);
	TEST_CHECK_EQ(got.w[1], (L4_Word_t)sa);
	TEST_CHECK_EQ(L4_MsgGetStringItem(&m, 6, &got.s), 6);
	TEST_CHECK(memcmp(got.w, cs.w, 6 * sizeof(L4_Word_t)) == 0);
	TEST_CHECK(L4_CompoundString(&got.s) && L4_Substring(&got.s, 2) == sb);

	L4_MsgPutWord(&m, 1, 0x22);
	L4_MsgPutMapItem(&m, 2, mi); /* over the grant item */
	TEST_CHECK_EQ(m.msg[2], 0x22);
	TEST_CHECK_EQ(m.msg[6], mi.raw[0]);
	L4_MsgPutGrantItem(&m, 0, gi);
	TEST_CHECK_EQ(m.msg[4], gi.raw[0]);
	L4_MsgPutSimpleStringItem(&m, 6, cs.s);
	TEST_CHECK_EQ(m.msg[10], 8 << 10);
	L4_MsgPutStringItem(&m, 6, &cs.s);
	TEST_CHECK_EQ(m.msg[10], cs.w[0]);
	TEST_CHECK_EQ(m.tag.X.u + m.tag.X.t, 3 + 12); /* puts leave the tag alone */

	/* through the MRs: load all 16 words, store them into a second message */
	L4_MsgLoad(&m);
	L4_Word_t mr[16];
	L4_StoreMRs(0, 16, mr);
	TEST_CHECK(memcmp(mr, m.raw, sizeof mr) == 0);
	L4_Msg_t back;
	L4_MsgStore(L4_MsgTag(), &back);
	TEST_CHECK(memcmp(back.raw, m.raw, sizeof mr) == 0);

	L4_Word_t untyped[3] = {7, 8, 9}, items[2] = {mi.raw[0], mi.raw[1]}, u2[3], i2[2];
	L4_MsgPut(&m, 0x77, 3, untyped, 2, items);
	TEST_CHECK_EQ(m.tag.raw, (0x77ul << 16) | (2 << 6) | 3);
	L4_MsgGet(&m, u2, i2);
	TEST_CHECK(u2[0] == 7 && u2[2] == 9 && i2[0] == mi.raw[0] && i2[1] == mi.raw[1]);
	L4_Set_MsgMsgTag(&m, L4_Niltag);
	TEST_CHECK_EQ(m.tag.raw, 0);

	/* 63 words fill a message: more are not taken */
	for (int i = 0; i < 61; i++)
		L4_MsgAppendWord(&m, (L4_Word_t)i);
	L4_MsgAppendMapItem(&m, mi);
	TEST_CHECK_EQ(m.tag.X.u + m.tag.X.t, 63);
	L4_MsgAppendWord(&m, 99);
	L4_MsgAppendGrantItem(&m, gi);
	TEST_CHECK_EQ(m.tag.X.u, 61);
	TEST_CHECK_EQ(m.tag.X.t, 2);
	TEST_CHECK_EQ(m.msg[61], 60);
}

USER_TEST(msg_overloads, "x2api.ipc.msg_overloads",
	  "X.2's overloaded C++ spellings (L4_Append, L4_Put, L4_Get, L4_Label, L4_Clear, ...) on messages and items")
{
	L4_Fpage_t f = L4_FpageAddRights(L4_FpageLog2(0x10000, 16), L4_Readable);
	L4_MapItem_t mi = L4_MapItem(f, 0);
	L4_GrantItem_t gi = L4_GrantItem(f, 0);
	L4_StringItem_t s = L4_StringItem(sizeof sa, sa);
	long_string_t cs;
	compound(&cs);
	L4_Msg_t m;
	L4_Clear(&m);
	L4_Set_Label(&m, 7);
	TEST_CHECK_EQ(L4_Label(&m), 7);
	L4_Append(&m, 5);
	L4_Append(&m, (L4_Word_t)6);
	L4_Append(&m, mi);
	L4_Append(&m, gi);
	L4_Append(&m, s);
	L4_Append(&m, &cs.s);
	TEST_CHECK_EQ(L4_UntypedWords(L4_MsgTag(&m)), 2);
	TEST_CHECK_EQ(L4_TypedWords(L4_MsgTag(&m)), 12);
	TEST_CHECK_EQ(L4_Get(&m, 1), 6);
	L4_Word_t w;
	L4_Get(&m, 0, &w);
	TEST_CHECK_EQ(w, 5);
	L4_MapItem_t mi2;
	L4_GrantItem_t gi2;
	long_string_t got;
	TEST_CHECK_EQ(L4_Get(&m, 0, &mi2), 2);
	TEST_CHECK_EQ(L4_Get(&m, 2, &gi2), 2);
	TEST_CHECK_EQ(L4_Get(&m, 6, &got.s), 6);
	TEST_CHECK(L4_IsMapItem(mi2) && L4_IsGrantItem(gi2) && got.w[5] == (L4_Word_t)sd);
	L4_Word_t u[2], it[12];
	L4_Get(&m, u, it);
	TEST_CHECK(u[1] == 6 && it[0] == mi.raw[0] && it[11] == (L4_Word_t)sd);
	L4_Put(&m, 0, 50);
	L4_Put(&m, 2, mi);
	L4_Put(&m, 0, gi);
	L4_Put(&m, 4, cs.s);
	TEST_CHECK(m.msg[1] == 50 && m.msg[5] == mi.raw[0] && m.msg[3] == gi.raw[0] && m.msg[7] == 8 << 10);
	L4_Put(&m, 4, &cs.s);
	TEST_CHECK_EQ(m.msg[7], cs.w[0]);
	L4_Word_t items[2] = {gi.raw[0], gi.raw[1]};
	L4_Put(&m, 9, 1, u, 2, items);
	TEST_CHECK_EQ(m.tag.raw, (9ul << 16) | (2 << 6) | 1);
	L4_MsgTag_t t = L4_MsgTagAddLabel(L4_Niltag, 3);
	L4_Set_Label(&t, 4);
	TEST_CHECK_EQ(L4_Label(t), 4);
	L4_Set_MsgTag(&m, t);
	TEST_CHECK(L4_IsMsgTagEqual(L4_MsgTag(&m), t));
	L4_Append(&m, 11);
	L4_Load(&m);
	TEST_CHECK_EQ(L4_MsgTag().raw, (4ul << 16) | 1);
	L4_Set_MsgTag(L4_MsgTagAddLabel(L4_MsgTag(), 5));
	L4_Msg_t back;
	L4_Store(L4_MsgTag(), &back);
	TEST_CHECK_EQ(L4_Label(&back), 5);
	TEST_CHECK_EQ(L4_Get(&back, 0), 11);
}

USER_TEST(buffers, "x2api.ipc.buffers",
	  "acceptors (strings, receive window, added and removed) and message buffers loaded into BR0 and BR1 on")
{
	L4_Fpage_t win = L4_FpageAddRights(L4_FpageLog2(0x40000000, 30), L4_FullyAccessible);
	L4_Acceptor_t mg = L4_MapGrantItems(win);
	TEST_CHECK_EQ(mg.raw, 0x40000000 | (30 << 4));
	TEST_CHECK(L4_HasMapGrantItems(mg) && !L4_HasStringItems(mg));
	TEST_CHECK(L4_MapGrantItems(mg) && !L4_StringItems(mg));
	TEST_CHECK_EQ(L4_RcvWindow(mg).raw, L4_FpageLog2(0x40000000, 30).raw);
	TEST_CHECK_EQ(L4_UntypedWordsAcceptor.raw, 0);
	TEST_CHECK(!L4_HasMapGrantItems(L4_UntypedWordsAcceptor) && !L4_HasStringItems(L4_UntypedWordsAcceptor));
	TEST_CHECK(L4_HasStringItems(L4_StringItemsAcceptor) && !L4_HasMapGrantItems(L4_StringItemsAcceptor));
	L4_Acceptor_t both = L4_AddAcceptor(L4_StringItemsAcceptor, mg);
	TEST_CHECK_EQ(both.raw, mg.raw | 1);
	TEST_CHECK_EQ(L4_RemoveAcceptor(both, L4_StringItemsAcceptor).raw, mg.raw);
	TEST_CHECK_EQ(L4_RemoveAcceptor(both, mg).raw, 1);
	L4_Acceptor_t a = L4_UntypedWordsAcceptor;
	L4_AddAcceptorTo(&a, mg);
	L4_AddAcceptorTo(&a, L4_StringItemsAcceptor);
	TEST_CHECK_EQ(a.raw, both.raw);
	L4_RemoveAcceptorFrom(&a, mg);
	TEST_CHECK_EQ(a.raw, 1);
	TEST_CHECK_EQ(L4_AddAcceptor(mg, L4_MapGrantItems(L4_CompleteAddressSpace)).X.RcvWindow,
		      L4_CompleteAddressSpace.raw >> 4); /* the right one's window wins */

	L4_Accept(mg);
	TEST_CHECK_EQ(L4_Accepted().raw, mg.raw);
	L4_Word_t br0;
	L4_StoreBR(0, &br0);
	TEST_CHECK_EQ(br0, mg.raw);

	L4_MsgBuffer_t b;
	L4_MsgBufferClear(&b);
	L4_LoadBR(1, 0);
	L4_AcceptStrings(L4_StringItemsAcceptor, &b);
	L4_Word_t brs[12];
	L4_StoreBRs(0, 2, brs);
	TEST_CHECK_EQ(brs[0], 1);
	TEST_CHECK(brs[1] & 8); /* an empty buffer: BR1 is no string item */
	static char r1[100];
	long_string_t cs;
	compound(&cs);
	L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem(sizeof r1, r1));
	L4_MsgBufferAppendRcvString(&b, &cs.s);
	L4_MsgBufferAppendSimpleRcvString(&b, cs.s); /* c and j cleared */
	TEST_CHECK_EQ(b.raw[0], (sizeof r1 << 10) | 1); /* C: more strings follow */
	TEST_CHECK_EQ(b.raw[1], (L4_Word_t)r1);
	TEST_CHECK_EQ(b.raw[2], cs.w[0] | 1);
	for (int i = 1; i < 6; i++)
		TEST_CHECK_EQ(b.raw[2 + i], cs.w[i]);
	TEST_CHECK_EQ(b.raw[8], 8 << 10); /* the last: no C */
	TEST_CHECK_EQ(b.string[0].X.string_length, sizeof r1);
	L4_AcceptStrings(both, &b);
	L4_StoreBRs(0, 12, brs);
	TEST_CHECK_EQ(brs[0], both.raw);
	TEST_CHECK(memcmp(&brs[1], b.raw, 10 * sizeof(L4_Word_t)) == 0);

	/* the C++ spellings; 32 words hold 16 simple strings, no more */
	L4_Clear(&b);
	for (int i = 0; i < 20; i++)
		L4_Append(&b, L4_StringItem(4, &r1[i]));
	L4_Append(&b, &cs.s);
	TEST_CHECK_EQ(b.raw[31], (L4_Word_t)&r1[15]);
	TEST_CHECK_EQ(b.raw[30] & 1, 0);
	TEST_CHECK_EQ(b.raw[28] & 1, 1);
	L4_LoadBR(32, 0);
	L4_Accept(L4_StringItemsAcceptor, &b);
	L4_Word_t last;
	L4_StoreBR(32, &last);
	TEST_CHECK_EQ(last, (L4_Word_t)&r1[15]);
	L4_Accept(L4_UntypedWordsAcceptor);
	TEST_CHECK_EQ(L4_Accepted().raw, 0);
}

USER_TEST(errors, "x2api.ipc.errors",
	  "failed IPC: no partner in the send or the receive phase, zero timeouts; the E bit, MR0 and the ErrorCode")
{
	L4_ThreadId_t from = L4_GlobalId(1, 1);
	L4_MsgTag_t t = L4_Send(NO_SUCH_THREAD);
	TEST_CHECK(L4_IpcFailed(t) && !L4_IpcSucceeded(t));
	TEST_CHECK_EQ(L4_ErrorCode(), 2 << 1); /* non-existing partner, send phase */
	TEST_CHECK(L4_IsMsgTagEqual(L4_MsgTag(), t));
	TEST_CHECK(L4_IpcFailed(L4_Send_Timeout(NO_SUCH_THREAD, L4_ZeroTime)));
	TEST_CHECK_EQ(L4_ErrorCode(), 2 << 1);
	TEST_CHECK(L4_IpcFailed(L4_Reply(NO_SUCH_THREAD)));
	TEST_CHECK_EQ(L4_ErrorCode(), 2 << 1);
	TEST_CHECK(L4_IpcFailed(L4_Call(NO_SUCH_THREAD)));
	TEST_CHECK_EQ(L4_ErrorCode(), 2 << 1);
	TEST_CHECK(L4_IpcFailed(L4_Lcall(NO_SUCH_THREAD)));
	TEST_CHECK_EQ(L4_ErrorCode(), 2 << 1);
	TEST_CHECK(L4_IpcFailed(L4_ReplyWait(NO_SUCH_THREAD, &from)));
	TEST_CHECK_EQ(L4_ErrorCode(), 2 << 1);
	TEST_CHECK(L4_IpcFailed(L4_Receive_Timeout(NO_SUCH_THREAD, L4_ZeroTime)));
	TEST_CHECK_EQ(L4_ErrorCode(), (2 << 1) | 1); /* receive phase */
	TEST_CHECK(L4_IpcFailed(L4_Receive(NO_SUCH_THREAD)));
	TEST_CHECK_EQ(L4_ErrorCode(), (2 << 1) | 1);

	/* nobody sends to us: a zero receive timeout fails at once with code 1 */
	TEST_CHECK(L4_IpcFailed(L4_Wait_Timeout(L4_ZeroTime, &from)));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
	TEST_CHECK(L4_IpcFailed(L4_Wait(L4_ZeroTime, &from)));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
	TEST_CHECK(L4_IpcFailed(L4_Ipc(L4_nilthread, L4_anylocalthread, L4_Timeouts(L4_Never, L4_ZeroTime), &from)));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
	TEST_CHECK(L4_IpcFailed(L4_Lipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, L4_ZeroTime), &from)));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
	TEST_CHECK(L4_IpcFailed(L4_Receive(NO_SUCH_THREAD, L4_ZeroTime)));
	TEST_CHECK(L4_IpcFailed(L4_Send(NO_SUCH_THREAD, L4_ZeroTime)));
	TEST_CHECK(L4_IpcFailed(L4_Call(NO_SUCH_THREAD, L4_ZeroTime, L4_ZeroTime)));
	TEST_CHECK(L4_IpcFailed(L4_ReplyWait(NO_SUCH_THREAD, L4_ZeroTime, &from)));

	/* no phase at all: nothing fails, from is not written */
	L4_Set_MsgTag(L4_MsgTagAddLabel(L4_Niltag, 0x99));
	from = L4_GlobalId(1, 1);
	t = L4_Ipc(L4_nilthread, L4_nilthread, L4_Timeouts(L4_ZeroTime, L4_ZeroTime), &from);
	TEST_CHECK(L4_IpcSucceeded(t));
	TEST_CHECK(L4_IsThreadEqual(from, L4_GlobalId(1, 1)));
}

USER_TEST(timeouts, "x2api.ipc.timeouts",
	  "timeouts: the timeouts word, sleeping a period, a time point that has passed")
{
	TEST_CHECK_EQ(L4_Timeouts(L4_TimePeriod(1000), L4_ZeroTime), (1000ul << 16) | 0x0400);
	TEST_CHECK_EQ(L4_Timeouts(L4_Never, L4_Never), 0);
	L4_Sleep(L4_TimePeriod(2000));
	TEST_CHECK(L4_IpcFailed(L4_MsgTag()));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1); /* the receive from ourselves timed out */
	L4_Time_t p = L4_TimePoint((L4_Clock_t){.raw = 0}); /* passed: due at once */
	L4_ThreadId_t from;
	TEST_CHECK(L4_IpcFailed(L4_Wait_Timeout(p, &from)));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
}

/* ---- with partners --------------------------------------------------------------- */

#define ECHO_REPLY 0x100 /* answer by Reply and Wait */
#define ECHO_LOCAL 0x200 /* answer by LreplyWait */

/* Answers each message with label + 1 and its untyped words + 1 in reverse
 * order, then the sender ID it saw. */
static void echo_server(void)
{
	L4_ThreadId_t client;
	L4_MsgTag_t tag = L4_Wait(&client);
	for (;;) {
		L4_Msg_t m, r;
		L4_MsgStore(tag, &m);
		L4_MsgClear(&r);
		L4_Set_MsgLabel(&r, L4_Label(tag) + 1);
		for (L4_Word_t u = L4_UntypedWords(tag); u > 0; u--)
			L4_MsgAppendWord(&r, L4_MsgWord(&m, u - 1) + 1);
		L4_MsgAppendWord(&r, client.raw);
		L4_MsgLoad(&r);
		if (L4_Label(tag) & ECHO_REPLY) {
			L4_Reply(client);
			tag = L4_Wait(&client);
		} else if (L4_Label(tag) & ECHO_LOCAL) {
			tag = L4_LreplyWait(client, &client);
		} else {
			tag = L4_ReplyWait(client, &client);
		}
	}
}

/* A call of 20 words to the echo server; whether the answer is right. */
static bool echo_round(L4_ThreadId_t server, L4_Word_t label, bool local)
{
	L4_Msg_t m;
	L4_MsgClear(&m);
	L4_Set_MsgLabel(&m, label);
	for (L4_Word_t i = 0; i < 20; i++)
		L4_MsgAppendWord(&m, label * 100 + i);
	L4_MsgLoad(&m);
	L4_MsgTag_t tag = local ? L4_Lcall(L4_LocalIdOf(server)) : L4_Call(server);
	if (L4_IpcFailed(tag) || L4_Label(tag) != label + 1 || L4_UntypedWords(tag) != 21 || L4_TypedWords(tag) != 0)
		return false;
	L4_MsgStore(tag, &m);
	for (L4_Word_t i = 0; i < 20; i++)
		if (L4_MsgWord(&m, i) != label * 100 + (19 - i) + 1)
			return false;
	/* the server saw our local ID: we share its space (X.2 "Ipc", from) */
	return L4_IsThreadEqual((L4_ThreadId_t){.raw = L4_MsgWord(&m, 20)}, L4_MyLocalId());
}

USER_TEST(call_reply, "x2api.ipc.call_reply",
	  "Call and ReplyWait, Reply and Wait, Lcall and LreplyWait carry 20 words through MRs and UTCB; from is the "
	  "local ID in one space")
{
	L4_ThreadId_t server = start_thread(echo_server);
	TEST_CHECK(!L4_IsNilThread(server));
	for (L4_Word_t round = 1; round <= 5; round++) {
		TEST_CHECK(echo_round(server, round, false));
		TEST_CHECK(echo_round(server, round | ECHO_REPLY, false));
		TEST_CHECK(echo_round(server, round | ECHO_LOCAL, true));
	}
	/* its LreplyWait left it receiving before we ran again: a zero send timeout is enough */
	TEST_CHECK(echo_round(server, 9 | ECHO_LOCAL, false));
	L4_LoadMR(0, 0);
	TEST_CHECK(L4_IpcSucceeded(L4_Call(server, L4_ZeroTime, L4_Never)));
	delete_thread(server);
}

static char str_simple[64], str_a[16], str_b[16], str_c[32];
static volatile L4_Word_t str_report[4];

/* One receive with two buffers: a simple one, and one of two 16-byte
 * substrings continued by a 32-byte item. Reports the tag, the error code and
 * the string items it holds in its MRs. */
static void string_receiver(void)
{
	L4_MsgBuffer_t b;
	L4_Clear(&b);
	L4_Append(&b, L4_StringItem(sizeof str_simple, str_simple));
	long_string_t cs = {.s = L4_StringItem(16, str_a)};
	L4_AddSubstringAddressTo(&cs.s, str_b);
	L4_StringItem_t tail = L4_StringItem(sizeof str_c, str_c);
	L4_AddSubstringTo(&cs.s, &tail);
	L4_Append(&b, &cs.s);
	L4_Accept(L4_StringItemsAcceptor, &b);
	L4_MsgTag_t tag = L4_Receive(main_tid);
	L4_Accept(L4_UntypedWordsAcceptor);
	str_report[0] = tag.raw;
	str_report[1] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
	L4_Msg_t m;
	L4_MsgStore(tag, &m);
	long_string_t got = {.w = {0}};
	str_report[2] = L4_IpcFailed(tag) ? 0 : L4_MsgGetStringItem(&m, 2, &got.s); /* the second string */
	str_report[3] = got.w[0];
	L4_LoadMR(0, 0);
	L4_Send(main_tid);
	sleep_forever();
}

static char gather1[] = "ten bytes.", gather2[] = "and ten...", gather3[] = "twenty more bytes...";

USER_TEST(strings, "x2api.ipc.strings",
	  "string items built with the X.2 interface: a simple string and a gathered compound one into a simple and a "
	  "scattered compound buffer")
{
	L4_ThreadId_t r = start_thread(string_receiver);
	TEST_CHECK(!L4_IsNilThread(r));
	memset(str_c, 0, sizeof str_c);
	L4_Msg_t m;
	L4_Clear(&m);
	L4_Set_Label(&m, 0x51);
	L4_Append(&m, 0xabc);
	L4_Append(&m, L4_StringItem(40, "forty bytes of a simple string, no more."));
	long_string_t cs = {.s = L4_StringItem(10, gather1)};
	L4_AddSubstringAddressTo(&cs.s, gather2);
	L4_StringItem_t tail = L4_StringItem(20, gather3);
	L4_AddSubstringTo(&cs.s, &tail);
	L4_Append(&m, &cs.s);
	L4_Load(&m);
	L4_MsgTag_t tag = L4_Send(r); /* it may not be receiving yet: we wait until it is */
	TEST_CHECK(L4_IpcSucceeded(tag));
	TEST_CHECK(L4_IpcSucceeded(L4_Receive(r)));
	L4_MsgTag_t got = {.raw = str_report[0]};
	TEST_CHECK_EQ(str_report[1], 0);
	TEST_CHECK_EQ(L4_Label(got), 0x51);
	TEST_CHECK_EQ(L4_UntypedWords(got), 1);
	TEST_CHECK_EQ(L4_TypedWords(got), 2 + 5); /* 2 + 3 + 2 words */
	TEST_CHECK(memcmp(str_simple, "forty bytes of a simple string, no more.", 40) == 0);
	TEST_CHECK(memcmp(str_a, "ten bytes.and te", 16) == 0); /* 40 bytes gathered, scattered 16 + 16 + 8 */
	TEST_CHECK(memcmp(str_b, "n...twenty more ", 16) == 0);
	TEST_CHECK(memcmp(str_c, "bytes...", 8) == 0 && str_c[8] == 0);
	TEST_CHECK_EQ(str_report[2], 5); /* the receiver's MRs hold our compound item */
	TEST_CHECK_EQ(str_report[3], cs.w[0]);
	delete_thread(r);
}

static void short_receiver(void)
{
	L4_MsgBuffer_t b;
	L4_Clear(&b);
	L4_Append(&b, L4_StringItem(100, str_simple));
	L4_Accept(L4_StringItemsAcceptor, &b);
	L4_MsgTag_t tag = L4_Receive(main_tid);
	L4_Accept(L4_UntypedWordsAcceptor);
	str_report[1] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
	L4_LoadMR(0, 0);
	L4_Send(main_tid);
	sleep_forever();
}

static char long_string[300];

USER_TEST(string_overflow, "x2api.ipc.string_overflow",
	  "a string longer than the buffer: both sides fail with message overflow after 100 bytes")
{
	L4_ThreadId_t r = start_thread(short_receiver);
	TEST_CHECK(!L4_IsNilThread(r));
	L4_Msg_t m;
	L4_Clear(&m);
	L4_Append(&m, L4_StringItem(sizeof long_string, long_string));
	L4_Load(&m);
	L4_MsgTag_t tag = L4_Send(r);
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), (4 + (100 << 3)) << 1); /* message overflow at byte 100, send phase */
	TEST_CHECK(L4_IpcSucceeded(L4_Receive(r)));
	TEST_CHECK_EQ(str_report[1], ((4 + (100 << 3)) << 1) | 1);
	delete_thread(r);
}

/* sigma0 maps us idempotently (address = physical address), so this page is
 * also the physical page sigma0 gives when we ask for it by address. */
static char probe_page[4096] __attribute__((aligned(4096)));
#define PROBE_WINDOW 0x5a000000ul /* nothing of ours is here */

/* The sigma0 protocol with the X.2 interface: label -6 << 4, MR1 the fpage,
 * MR2 the attributes (0: as they are); the answer is a map item into our
 * receive window. Returns the answer's tag; *item the map item. */
static L4_MsgTag_t ask_sigma0(L4_Fpage_t f, L4_Fpage_t window, L4_MapItem_t *item)
{
	L4_Msg_t m;
	L4_Clear(&m);
	L4_Set_Label(&m, (L4_Word_t)-6 << 4);
	L4_Append(&m, f.raw);
	L4_Append(&m, 0);
	L4_Load(&m);
	L4_Accept(L4_MapGrantItems(window));
	L4_MsgTag_t tag = L4_Call(L4_Pager());
	L4_Accept(L4_UntypedWordsAcceptor);
	L4_Store(tag, &m);
	L4_Get(&m, 0, item);
	return tag;
}

USER_TEST(sigma0_map, "x2api.ipc.sigma0_map",
	  "a map item from sigma0 into an acceptor's window: our own page again at a second address, and any page")
{
	volatile L4_Word_t *page = (volatile L4_Word_t *)probe_page, *alias = (volatile L4_Word_t *)PROBE_WINDOW;
	page[3] = 0x1234abcd; /* present (and ours in sigma0's books) before we ask */
	L4_MapItem_t item;
	L4_Fpage_t want = L4_FpageAddRights(L4_FpageLog2((L4_Word_t)probe_page, 12), L4_ReadWriteOnly);
	L4_MsgTag_t tag = ask_sigma0(want, L4_FpageLog2(PROBE_WINDOW, 12), &item);
	TEST_CHECK(L4_IpcSucceeded(tag));
	TEST_CHECK_EQ(L4_UntypedWords(tag), 0);
	TEST_CHECK_EQ(L4_TypedWords(tag), 2);
	TEST_CHECK(L4_IsMapItem(item));
	TEST_CHECK_EQ(L4_Address(L4_MapItemSndFpage(item)), (L4_Word_t)probe_page);
	TEST_CHECK_EQ(L4_SizeLog2(L4_SndFpage(item)), 12);
	TEST_CHECK_EQ(L4_Rights(L4_SndFpage(item)), L4_ReadWriteOnly);
	TEST_CHECK_EQ(alias[3], 0x1234abcd); /* one page at two addresses */
	alias[5] = 0x55aa;
	TEST_CHECK_EQ(page[5], 0x55aa);
	L4_Flush(L4_FpageAddRights(L4_FpageLog2(PROBE_WINDOW, 12), L4_FullyAccessible));

	/* any page of 4 KiB (base all ones) */
	L4_Fpage_t any = L4_FpageAddRights(L4_FpageLog2(~0ul, 12), L4_FullyAccessible);
	tag = ask_sigma0(any, L4_FpageLog2(PROBE_WINDOW, 12), &item);
	TEST_CHECK(L4_IpcSucceeded(tag) && L4_IsMapItem(item));
	TEST_CHECK(!L4_IsNilFpage(L4_SndFpage(item)));
	TEST_CHECK_EQ(L4_SizeLog2(L4_SndFpage(item)), 12);
	alias[0] = 0x600d;
	alias[511] = ~0x600dul;
	TEST_CHECK(alias[0] == 0x600d && alias[511] == ~0x600dul);
	L4_Flush(L4_FpageAddRights(L4_FpageLog2(PROBE_WINDOW, 12), L4_FullyAccessible));

	/* a page sigma0 cannot give (below 4 KiB): the nil map item */
	tag = ask_sigma0(L4_FpageLog2(0x1000, 10), L4_FpageLog2(PROBE_WINDOW, 12), &item);
	TEST_CHECK(L4_IpcSucceeded(tag) && L4_IsMapItem(item));
	TEST_CHECK(L4_IsNilFpage(L4_SndFpage(item)));
}

USER_TEST(timeouts_clock, "x2api.ipc.timeouts_clock",
	  "periods and points against the system clock: Sleep, send, receive and call timeouts last at least as long")
{
	L4_ThreadId_t sleeper = start_thread(sleep_forever), from;
	TEST_CHECK(!L4_IsNilThread(sleeper));
	L4_Clock_t t0 = L4_SystemClock();
	L4_Sleep(L4_TimePeriod(3000));
	L4_Clock_t t1 = L4_SystemClock();
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
	TEST_CHECK(t1.raw - t0.raw >= 3000);

	/* the sleeper receives from itself only: sends to it wait out their timeout */
	t0 = L4_SystemClock();
	TEST_CHECK(L4_IpcFailed(L4_Send_Timeout(sleeper, L4_TimePeriod(2000))));
	t1 = L4_SystemClock();
	TEST_CHECK_EQ(L4_ErrorCode(), 1 << 1); /* timeout, send phase */
	TEST_CHECK(t1.raw - t0.raw >= 2000);
	t0 = L4_SystemClock();
	TEST_CHECK(L4_IpcFailed(L4_Receive_Timeout(sleeper, L4_TimePeriod(2000))));
	t1 = L4_SystemClock();
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
	TEST_CHECK(t1.raw - t0.raw >= 2000);
	t0 = L4_SystemClock();
	TEST_CHECK(L4_IpcFailed(L4_Call_Timeouts(sleeper, L4_TimePeriod(1000), L4_Never)));
	t1 = L4_SystemClock();
	TEST_CHECK_EQ(L4_ErrorCode(), 1 << 1);
	TEST_CHECK(t1.raw - t0.raw >= 1000);
	TEST_CHECK(L4_IpcFailed(L4_Call_Timeouts(sleeper, L4_ZeroTime, L4_Never)));
	TEST_CHECK_EQ(L4_ErrorCode(), 1 << 1);
	TEST_CHECK(L4_IpcFailed(L4_ReplyWait_Timeout(sleeper, L4_TimePeriod(1000), &from))); /* the reply cannot wait */
	TEST_CHECK_EQ(L4_ErrorCode(), 1 << 1);

	/* a point 3 ms ahead: the receive ends when the clock has passed it */
	L4_Clock_t at = L4_ClockAddUsec(L4_SystemClock(), 3000);
	L4_Time_t p = L4_TimePoint(at);
	TEST_CHECK_EQ(p.point.a, 1);
	TEST_CHECK(L4_IpcFailed(L4_Wait_Timeout(p, &from)));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
	TEST_CHECK(!L4_IsClockEarlier(L4_SystemClock(), at));
	at = L4_ClockAddUsec(L4_SystemClock(), 2000);
	TEST_CHECK(L4_IpcFailed(L4_Send_Timeout(sleeper, L4_TimePoint(at))));
	TEST_CHECK_EQ(L4_ErrorCode(), 1 << 1);
	TEST_CHECK(!L4_IsClockEarlier(L4_SystemClock(), at));
	delete_thread(sleeper);
}

static L4_ThreadId_t prop_b, prop_c;
static volatile L4_Word_t prop_seen[5];

/* B: takes one message and answers whoever it came from, as it sees it. */
static void prop_receiver(void)
{
	L4_ThreadId_t from;
	L4_MsgTag_t tag = L4_Wait(&from);
	prop_seen[0] = tag.raw;
	prop_seen[1] = from.raw;
	prop_seen[2] = L4_ActualSender().raw;
	L4_Msg_t m;
	L4_Clear(&m);
	L4_Set_Label(&m, 0x62);
	L4_Append(&m, 8);
	L4_Load(&m);
	L4_Reply(from);
	sleep_forever();
}

/* C: calls us; the answer comes from B. */
static void prop_client(void)
{
	L4_Msg_t m;
	L4_Clear(&m);
	L4_Set_Label(&m, 0x61);
	L4_Append(&m, 7);
	L4_Load(&m);
	L4_MsgTag_t tag = L4_Call(main_tid);
	L4_Store(tag, &m);
	prop_seen[3] = L4_Label(tag);
	prop_seen[4] = L4_Get(&m, 0);
	L4_LoadMR(0, 0);
	L4_Send(main_tid);
	sleep_forever();
}

USER_TEST(propagation, "x2api.ipc.propagation",
	  "a call passed on with the propagation bit: the receiver sees the caller, the p flag and us as actual "
	  "sender, and its reply reaches the caller")
{
	prop_b = start_thread(prop_receiver);
	prop_c = start_thread(prop_client);
	TEST_CHECK(!L4_IsNilThread(prop_b) && !L4_IsNilThread(prop_c));
	L4_MsgTag_t tag = L4_Receive(prop_c);
	TEST_CHECK(L4_IpcSucceeded(tag) && !L4_IpcPropagated(tag));
	TEST_CHECK_EQ(L4_Label(tag), 0x61);
	L4_Set_Propagation(&tag); /* the message as it came (MR1 still holds 7), on C's behalf */
	L4_Set_MsgTag(tag);
	L4_Set_VirtualSender(prop_c);
	TEST_CHECK(L4_IpcSucceeded(L4_Send(prop_b)));
	TEST_CHECK(L4_IpcSucceeded(L4_Receive(prop_c)));
	L4_MsgTag_t seen = {.raw = prop_seen[0]};
	TEST_CHECK(L4_IpcPropagated(seen) && L4_IpcSucceeded(seen) && !L4_IpcRedirected(seen));
	TEST_CHECK_EQ(L4_Label(seen), 0x61);
	TEST_CHECK(L4_IsThreadEqual((L4_ThreadId_t){.raw = prop_seen[1]}, L4_LocalIdOf(prop_c)));
	TEST_CHECK(L4_IsThreadEqual((L4_ThreadId_t){.raw = prop_seen[2]}, L4_Myself()));
	TEST_CHECK_EQ(prop_seen[3], 0x62); /* C's call was answered by B */
	TEST_CHECK_EQ(prop_seen[4], 8);
	delete_thread(prop_b);
	delete_thread(prop_c);
}
