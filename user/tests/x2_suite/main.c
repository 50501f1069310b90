/* SPDX-License-Identifier: MIT */
/* The X.2 suite: threads, spaces, the start protocol, user-level paging, ExchangeRegisters, Schedule. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include "x2.h"

/*
 * Written with the X.2 convenience interface; the one scalar use is marked
 * (x2.thread.local reads the global-ID word at its fixed offset in the UTCB a
 * local ID points at: a check of the raw ABI, for which X.2 has no name).
 */

long fpu_spin_check(L4_Word_t pattern, L4_Word_t gap, L4_Word_t preemptions, L4_Word_t limit);

/* A message of `label` with n untyped words w into MR0 and up. */
static void load_words(L4_Word_t label, int n, const L4_Word_t *w)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, label);
	for (int i = 0; i < n; i++)
		L4_MsgAppendWord(&msg, w[i]);
	L4_MsgLoad(&msg);
}

static L4_Word_t delete_thread(L4_ThreadId_t t)
{
	return L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull);
}

static L4_ThreadId_t sigma0_id(void) { return L4_GlobalId(L4_ThreadIdUserBase(L4_GetKernelInterface()), 1); }

/* ---- threads in our own space --------------------------------------------------- */

static L4_ThreadId_t main_tid;

static void hello_thread(void)
{
	send_word(main_tid, 1, 0xabc);
	sleep_forever();
}

USER_TEST(local_thread, "x2.thread.local",
	  "a thread of our space starts by ExchangeRegisters and IPCs us; from is its local ID")
{
	main_tid = L4_Myself();
	L4_ThreadId_t t = start_local(hello_thread);
	TEST_CHECK(!L4_IsNilThread(t));
	L4_ThreadId_t from;
	L4_MsgTag_t tag = L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, L4_Never), &from);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), 1);
	TEST_CHECK_EQ(msg_mr(1), 0xabc);
	TEST_CHECK(L4_IsLocalId(from)); /* same space: the local ID (ABI §8.6) */
	/* scalar on purpose: the local ID is the UTCB's address, the global ID a word at a fixed offset in it */
	l4_word_t *mr0 = (l4_word_t *)from.raw;
	TEST_CHECK_EQ(mr0[L4_UTCB_MY_GLOBAL_ID], t.raw);
	TEST_CHECK_EQ(delete_thread(t), 1); /* delete */
}

static void echo_thread(void)
{
	L4_ThreadId_t from;
	L4_MsgTag_t tag = L4_Wait(&from);
	for (;;) {
		L4_LoadMR(1, msg_mr(1) + 1);
		L4_Set_MsgTag(msg_tag(2, L4_UntypedWords(tag), 0));
		tag = L4_ReplyWait(from, &from);
	}
}

USER_TEST(call_reply, "x2.ipc.call", "call and reply-and-wait carry eight register MRs and more through the UTCB")
{
	L4_ThreadId_t t = start_local(echo_thread);
	TEST_CHECK(!L4_IsNilThread(t));
	for (L4_Word_t round = 0; round < 50; round++) {
		L4_Set_MsgTag(msg_tag(1, 20, 0));
		for (int i = 1; i <= 20; i++)
			L4_LoadMR(i, round * 100 + (L4_Word_t)i);
		L4_MsgTag_t tag = L4_Call(t);
		TEST_CHECK(!L4_IpcFailed(tag));
		TEST_CHECK_EQ(L4_UntypedWords(tag), 20);
		TEST_CHECK_EQ(msg_mr(1), round * 100 + 2);
		for (int i = 2; i <= 20; i++)
			TEST_CHECK_EQ(msg_mr(i), round * 100 + (L4_Word_t)i);
	}
	/* the same through the local ID */
	/* given a global ID, ExchangeRegisters answers the local one */
	L4_ThreadId_t local = L4_ExchangeRegisters(t, 0, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL);
	TEST_CHECK(L4_IsLocalId(local));
	L4_Set_MsgTag(msg_tag(1, 1, 0));
	L4_LoadMR(1, 41);
	L4_MsgTag_t tag = L4_Call(local);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(msg_mr(1), 42);
	TEST_CHECK_EQ(delete_thread(t), 1);
}

static volatile L4_Word_t spin_counter;
static void spin_thread(void)
{
	for (;;)
		spin_counter++;
}

/* ExchangeRegisters' control bits as this file uses them (X.2 §2.3): halt (h), the H
 * flag that makes h count, deliver (d), and the user handle (u). */
#define XR_HALT 0x001u
#define XR_ABORT_RECEIVE 0x002u
#define XR_HALTFLAG 0x100u
#define XR_DELIVER 0x200u
#define XR_HANDLE 0x040u

USER_TEST(exregs, "x2.exregs", "ExchangeRegisters stops, reads, changes and resumes a thread of our space")
{
	L4_ThreadId_t t = start_local(spin_thread);
	TEST_CHECK(!L4_IsNilThread(t));
	TEST_CHECK_EQ(L4_Set_Priority(t, 254), 3); /* running; above nobody but us */
	L4_Set_Priority(t, 100);
	L4_Word_t state, sp, ip, flags, handle;
	L4_ThreadId_t pager;
	L4_Sleep(L4_TimePeriod(2000)); /* let it spin */
	/* Stop (h, H, d), checking the thread ExchangeRegisters answers */
	TEST_CHECK(!L4_IsNilThread(L4_ExchangeRegisters(t, XR_DELIVER | XR_HALTFLAG | XR_HALT, 0, 0, 0, 0, L4_nilthread,
							&state, NULL, NULL, NULL, NULL, NULL)));
	L4_Word_t c1 = spin_counter;
	L4_Sleep(L4_TimePeriod(2000));
	TEST_CHECK_EQ(spin_counter, c1); /* halted */
	TEST_CHECK(c1 > 0);
	L4_ThreadId_t r = L4_ExchangeRegisters(t, XR_DELIVER | XR_HANDLE, 0, 0, 0, 0x5151, L4_nilthread, &state, &sp,
					       &ip, &flags, &handle, &pager);
	TEST_CHECK(!L4_IsNilThread(r));
	TEST_CHECK(state & 1); /* halted */
	TEST_CHECK(ip >= (L4_Word_t)spin_thread && ip < (L4_Word_t)spin_thread + 64);
	TEST_CHECK(L4_IsThreadEqual(pager, L4_Pager()));
	L4_ExchangeRegisters(t, XR_DELIVER, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, &handle, NULL);
	TEST_CHECK_EQ(handle, 0x5151);
	/* resume: H without h */
	TEST_CHECK(!L4_IsNilThread(
	    L4_ExchangeRegisters(t, XR_HALTFLAG, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL)));
	L4_Sleep(L4_TimePeriod(2000));
	TEST_CHECK(spin_counter != c1); /* running again */
	/* another space's thread is out of reach */
	TEST_CHECK(L4_IsNilThread(L4_ExchangeRegisters(sigma0_id(), XR_DELIVER, 0, 0, 0, 0, L4_nilthread, NULL, NULL,
						       NULL, NULL, NULL, NULL)));
	TEST_CHECK_EQ(delete_thread(t), 1);
}

static volatile L4_Word_t abort_result;
static void receiver_thread(void)
{
	L4_MsgTag_t tag = L4_Receive(main_tid);
	abort_result = L4_IpcFailed(tag) ? L4_ErrorCode() : 0xffff;
	send_word(main_tid, 3, abort_result);
	sleep_forever();
}

USER_TEST(abort, "x2.ipc.abort",
	  "ExchangeRegisters aborts a receive: the IPC ends with 'canceled' in the receive phase")
{
	main_tid = L4_Myself();
	L4_ThreadId_t t = start_local(receiver_thread);
	TEST_CHECK(wait_state(t, XR_RECEIVING)); /* it is now blocked receiving from us */
	L4_Word_t state;
	L4_ExchangeRegisters(t, XR_ABORT_RECEIVE | XR_DELIVER, 0, 0, 0, 0, L4_nilthread, &state, NULL, NULL, NULL, NULL,
			     NULL);
	TEST_CHECK(state & 2); /* it was receiving */
	L4_MsgTag_t tag = L4_Receive(t);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(msg_mr(1), (3 << 1) | 1);
	TEST_CHECK_EQ(delete_thread(t), 1);
}

USER_TEST(send_timeout, "x2.ipc.send_timeout", "a send to a thread that does not receive times out after its timeout")
{
	L4_ThreadId_t t = start_local(spin_thread);
	L4_Set_MsgTag(L4_Niltag);
	L4_Clock_t t0 = L4_SystemClock();
	L4_MsgTag_t tag = L4_Send(t, L4_TimePeriod(3000));
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 1 << 1); /* timeout, send phase */
	TEST_CHECK(L4_SystemClock().raw - t0.raw >= 3000);
	TEST_CHECK_EQ(delete_thread(t), 1);
	tag = L4_Send(t, L4_ZeroTime);
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 2 << 1); /* deleted: no partner */
}

static void faulting_thread(void)
{
	L4_Set_ExceptionHandler(main_tid);
	L4_Word_t rax;
	__asm__ volatile("movq $1, %%rax; ud2; nop; nop" : "=a"(rax)); /* the handler skips ud2 and sets RAX */
	send_word(main_tid, 5, rax);
	sleep_forever();
}

USER_TEST(exception_ipc, "x2.exception.ipc",
	  "an invalid opcode becomes exception IPC to the handler, whose reply sets RIP and RAX")
{
	main_tid = L4_Myself();
	L4_ThreadId_t t = start_local(faulting_thread);
	L4_ThreadId_t from;
	L4_MsgTag_t tag = L4_Ipc(L4_nilthread, t, L4_Timeouts(L4_Never, L4_Never), &from);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag) >> 4, ((L4_Word_t)-5 << 20) >> 20); /* label -5 << 4 */
	TEST_CHECK_EQ(L4_UntypedWords(tag), 19);
	TEST_CHECK_EQ(msg_mr(19), 6); /* #UD */
	TEST_CHECK_EQ(msg_mr(8), 1); /* RAX at the fault */
	TEST_CHECK_EQ(*(unsigned short *)msg_mr(1), 0x0b0f); /* RIP points at ud2 */
	L4_Set_MsgTag(msg_tag(0, 19, 0));
	L4_LoadMR(1, msg_mr(1) + 2);
	L4_LoadMR(8, 0x777);
	tag = L4_Ipc(t, t, L4_Timeouts(L4_ZeroTime, L4_Never), &from); /* reply, then its report */
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), 5);
	TEST_CHECK_EQ(msg_mr(1), 0x777);
	TEST_CHECK_EQ(delete_thread(t), 1);
}

static inline void outb(unsigned short port, unsigned char v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline unsigned char inb(unsigned short port)
{
	unsigned char v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

USER_TEST(interrupt, "x2.interrupt.ipc",
	  "a device interrupt (the UART's, IRQ 4) arrives as IPC from its interrupt thread")
{
	L4_ThreadId_t irq = L4_GlobalId(4, 1), me = L4_Myself(), from;
	TEST_CHECK_EQ(L4_ThreadControl(L4_GlobalId(0, 1), L4_GlobalId(0, 1), L4_nilthread, me, (void *)~0ull),
		      0); /* the kernel's timer */
	TEST_CHECK_EQ(L4_ThreadControl(irq, irq, L4_nilthread, me, (void *)~0ull), 1); /* associate */
	TEST_CHECK(L4_Schedule(irq, ~0ull, ~0ull, 200, ~0ull, NULL) != 0); /* its handler may schedule it */
	unsigned char mcr = inb(0x3fc);
	outb(0x3fc, mcr | 0x08); /* OUT2 drives the IRQ line on PCs */
	outb(0x3f9, 0x02); /* interrupt when the transmitter is empty: at once */
	L4_MsgTag_t tag = L4_Ipc(L4_nilthread, irq, L4_Timeouts(L4_Never, L4_TimePeriod(1000000)), &from);
	outb(0x3f9, 0x00);
	outb(0x3fc, mcr);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK(L4_IsThreadEqual(from, irq));
	TEST_CHECK_EQ(L4_Label(tag), ((L4_Word_t)-1 << 4) & 0xffffffffffffull); /* label -1 << 4 */
	TEST_CHECK_EQ(L4_UntypedWords(tag), 0);
	L4_Set_MsgTag(L4_Niltag);
	TEST_CHECK(!L4_IpcFailed(L4_Send(irq, L4_ZeroTime))); /* acknowledge */
	TEST_CHECK_EQ(L4_ThreadControl(irq, irq, L4_nilthread, irq, (void *)~0ull), 1); /* de-associate */
	L4_Set_MsgTag(L4_Niltag);
	TEST_CHECK(L4_IpcFailed(L4_Send(irq, L4_ZeroTime))); /* no longer ours */
}

static volatile L4_ThreadId_t doomed;

static void waits_for_doomed(void)
{
	L4_MsgTag_t tag = L4_Receive(doomed);
	send_word(main_tid, 14, L4_IpcFailed(tag) ? L4_ErrorCode() : 0xffff);
	sleep_forever();
}

USER_TEST(partner_deleted, "x2.ipc.partner_deleted",
	  "a closed receive from a thread that is deleted ends with 'no partner'")
{
	main_tid = L4_Myself();
	doomed = start_local(sleep_forever);
	L4_ThreadId_t w = start_local(waits_for_doomed);
	TEST_CHECK(wait_state(w, XR_RECEIVING)); /* w now waits for the doomed thread */
	TEST_CHECK_EQ(delete_thread(doomed), 1);
	L4_MsgTag_t tag = L4_Receive(w, L4_TimePeriod(1000000));
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(msg_mr(1), (2 << 1) | 1); /* no partner, receive phase */
	delete_thread(w);
}

/* ---- string items ---------------------------------------------------------------------- */

static char str_src[3 * 4096 + 100];
static char str_dst[3 * 4096 + 100];
static char str_dst2[64], str_dst3[5000];
static volatile L4_Word_t str_result[3];
static volatile L4_Word_t str_items[6]; /* the receiver's MR2..MR7 after the strings arrived */

static void fill(char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(seed + i * 7 + (i >> 9));
}

/* One simple receive buffer in BR1-2 (and BR0 accepting strings). */
static void accept_one_string(L4_Word_t size, void *buffer)
{
	L4_StringItem_t s = L4_StringItem(size, buffer);
	L4_LoadBRs(1, 2, s.raw);
	L4_Accept(L4_StringItemsAcceptor);
}

/* Receives one message with two buffers: BR1-2 a simple buffer, BR3-5 a buffer of two substrings. */
static void string_receiver(void)
{
	L4_StringItem_t two = L4_StringItem(32, str_dst2);
	two.X.j = 1; /* two substrings of 32 bytes: BR4 and BR5 */
	L4_LoadBR(3, two.raw[0]);
	L4_LoadBR(4, (L4_Word_t)str_dst2);
	L4_LoadBR(5, (L4_Word_t)(str_dst2 + 32));
	L4_StringItem_t one = L4_StringItem(sizeof str_dst, str_dst);
	one.X.C = 1; /* another buffer follows */
	L4_LoadBRs(1, 2, one.raw);
	L4_Accept(L4_StringItemsAcceptor);
	L4_MsgTag_t tag = L4_Receive(main_tid);
	str_result[0] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
	str_result[1] = L4_TypedWords(tag);
	for (int i = 0; i < 6; i++)
		str_items[i] = msg_mr(2 + i);
	send_word(main_tid, 6, 0);
	sleep_forever();
}

/* The typed words send_strings() puts into MR2..MR7. */
static void string_items(L4_Word_t w[6])
{
	L4_StringItem_t big = L4_StringItem(sizeof str_src, str_src); /* 12 KiB over four pages */
	L4_StringItem_t first =
	    L4_StringItem(20, "compound string, part one..."); /* a compound string: 20 + 44 bytes */
	L4_StringItem_t second = L4_StringItem(44, "and the forty-four bytes of its second part.");
	first.X.c = 1; /* continued by the next */
	w[0] = big.raw[0];
	w[1] = big.raw[1];
	w[2] = first.raw[0];
	w[3] = first.raw[1];
	w[4] = second.raw[0];
	w[5] = second.raw[1];
}

static void send_strings(L4_ThreadId_t to, L4_Time_t timeout)
{
	L4_Word_t w[6];
	L4_LoadMR(1, 0x5151);
	string_items(w);
	L4_LoadMRs(2, 6, w);
	L4_Set_MsgTag(msg_tag(9, 1, 6));
	L4_Ipc(to, L4_nilthread, L4_Timeouts(timeout, L4_Never), NULL);
}

USER_TEST(strings_sender_copies, "x2.ipc.string",
	  "strings go into fresh buffer pages of a waiting receiver (faults raised in its name), gather and scatter; "
	  "the receiver's MRs hold the sender's string items, as Pistachio's")
{
	main_tid = L4_Myself();
	fill(str_src, sizeof str_src, 3);
	memset(str_dst2, 0, sizeof str_dst2);
	L4_ThreadId_t t = start_local(string_receiver);
	TEST_CHECK(wait_state(t, XR_RECEIVING)); /* it waits now, its buffer pages untouched */
	send_strings(t, L4_Never);
	TEST_CHECK(!L4_IpcFailed(L4_Receive(t)));
	TEST_CHECK_EQ(str_result[0], 0);
	TEST_CHECK_EQ(str_result[1], 6);
	TEST_CHECK(memcmp(str_dst, str_src, sizeof str_src) == 0);
	TEST_CHECK(memcmp(str_dst2, "compound string, parand the forty-four bytes of its second part.", 64) == 0);
	L4_Word_t sent[6];
	string_items(sent);
	for (unsigned i = 0; i < 6; i++)
		TEST_CHECK_EQ(str_items[i], sent[i]);
	TEST_CHECK_EQ(delete_thread(t), 1);
}

/* A message of `label` with one simple string item of `size` bytes at `address`. */
static void load_string(L4_Word_t label, L4_Word_t size, void *address)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, label);
	L4_MsgAppendSimpleStringItem(&msg, L4_StringItem(size, address));
	L4_MsgLoad(&msg);
}

static void string_sender(void)
{
	load_string(10, sizeof str_dst3, str_dst3); /* 5000 fresh bytes: the copy faults them in, in our name */
	L4_MsgTag_t tag = L4_Send(main_tid);
	str_result[2] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
	send_word(main_tid, 7, 0);
	sleep_forever();
}

USER_TEST(strings_receiver_copies, "x2.ipc.string_pickup",
	  "a receiver taking a blocked sender's string faults the sender's pages in through its pager")
{
	main_tid = L4_Myself();
	L4_ThreadId_t t = start_local(string_sender);
	TEST_CHECK(wait_state(t, XR_SENDING)); /* it is blocked sending to us */
	static char buf[5000];
	accept_one_string(sizeof buf, buf);
	L4_MsgTag_t tag = L4_Receive(t);
	L4_Accept(L4_UntypedWordsAcceptor);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), 10);
	for (unsigned i = 0; i < sizeof buf; i++)
		TEST_CHECK_EQ(buf[i], 0); /* the sender's untouched BSS */
	TEST_CHECK(!L4_IpcFailed(L4_Receive(t)));
	TEST_CHECK_EQ(str_result[2], 0);
	TEST_CHECK_EQ(delete_thread(t), 1);
}

static void short_receiver(void)
{
	accept_one_string(100, str_dst);
	L4_MsgTag_t tag = L4_Receive(main_tid);
	str_result[0] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
	send_word(main_tid, 8, 0);
	sleep_forever();
}

USER_TEST(strings_overflow, "x2.ipc.string_overflow",
	  "a string longer than the buffer fails both sides with 'message overflow' at the right offset")
{
	main_tid = L4_Myself();
	L4_ThreadId_t t = start_local(short_receiver);
	TEST_CHECK(wait_state(t, XR_RECEIVING));
	load_string(0, 300, str_src);
	L4_MsgTag_t tag = L4_Send(t);
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), ((4 + (100 << 3)) << 1) | 0); /* overflow after 100 bytes, send phase */
	TEST_CHECK(!L4_IpcFailed(L4_Receive(t)));
	TEST_CHECK_EQ(str_result[0], ((4 + (100 << 3)) << 1) | 1);
	TEST_CHECK_EQ(delete_thread(t), 1);
}

/* One buffer of 64 bytes without C (no buffer follows), and what looks like a
 * second buffer in BR3-4 (left from an earlier receive): it must not be used. */
static void one_buffer_receiver(void)
{
	L4_StringItem_t stale = L4_StringItem(64, str_dst2);
	L4_LoadBRs(3, 2, stale.raw);
	accept_one_string(64, str_dst);
	L4_MsgTag_t tag = L4_Receive(main_tid);
	str_result[0] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
	send_word(main_tid, 9, 0);
	sleep_forever();
}

USER_TEST(strings_missing_buffer, "x2.ipc.string_missing_buffer",
	  "two strings to a receiver with one buffer (its C bit clear): 'message overflow' after the first on both "
	  "sides; the buffer registers after it are not read (l4test 'Missing receive buffer')")
{
	main_tid = L4_Myself();
	memset(str_dst2, 0, sizeof str_dst2);
	L4_ThreadId_t t = start_local(one_buffer_receiver);
	TEST_CHECK(wait_state(t, XR_RECEIVING));
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_MsgAppendSimpleStringItem(&msg, L4_StringItem(48, str_src));
	L4_MsgAppendSimpleStringItem(&msg, L4_StringItem(40, str_src + 48));
	L4_MsgLoad(&msg);
	L4_MsgTag_t tag = L4_Send(t);
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), ((4 + (48 << 3)) << 1) | 0); /* overflow after the first 48 bytes, send phase */
	TEST_CHECK(!L4_IpcFailed(L4_Receive(t)));
	TEST_CHECK_EQ(str_result[0], ((4 + (48 << 3)) << 1) | 1);
	for (unsigned i = 0; i < sizeof str_dst2; i++)
		TEST_CHECK_EQ(str_dst2[i], 0); /* the stale buffer got nothing */
	TEST_CHECK_EQ(delete_thread(t), 1);
}

static char xfer_fresh[4096] __attribute__((aligned(4096)));

static void xfer_receiver(void)
{
	accept_one_string(64, xfer_fresh); /* a page nobody mapped; our pager never answers */
	L4_Set_XferTimeouts(L4_TimePeriod(10000).raw); /* receive xfer timeout 10 ms */
	L4_MsgTag_t tag = L4_Receive(main_tid);
	/* locals only from here: our pager never answers a fault */
	send_word(main_tid, 13, L4_IpcFailed(tag) ? L4_ErrorCode() : 0xffff);
	sleep_forever();
}

USER_TEST(
    xfer_timeout, "x2.ipc.xfer_timeout",
    "a string copy whose page fault is not answered ends at the xfer timeout: 6 for the sender, 5 for the receiver")
{
	main_tid = L4_Myself();
	L4_ThreadId_t silent = start_local(sleep_forever);
	L4_ThreadId_t r = new_tid();
	TEST_CHECK_EQ(L4_ThreadControl(r, L4_Myself(), L4_Myself(), silent, (void *)new_utcb()), 1);
	L4_Start_SpIp(r, new_stack(), (L4_Word_t)xfer_receiver);
	TEST_CHECK(wait_state(r, XR_RECEIVING)); /* it waits now */
	load_string(0, 64, "sixty-four bytes that will never arrive at their destination...");
	L4_Clock_t t0 = L4_SystemClock();
	L4_MsgTag_t tag = L4_Send(r);
	L4_Clock_t t1 = L4_SystemClock();
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 6 << 1); /* xfer timeout in the partner's space, send phase */
	TEST_CHECK(t1.raw - t0.raw >= 10000);
	tag = L4_Receive(r, L4_TimePeriod(1000000));
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(msg_mr(1), (5 << 1) | 1); /* in its own space, receive phase */
	delete_thread(r);
	delete_thread(silent);
}

static char xfer_fresh_src[4096] __attribute__((aligned(4096)));

/* Sends 64 bytes from a page it never touched; its pager never answers. Its own
 * xfer timeout is never: only the receiver's can end the copy. */
static void xfer_sender(void)
{
	load_string(0, 64, xfer_fresh_src);
	L4_MsgTag_t tag = L4_Send(main_tid);
	/* locals only from here: our pager never answers a fault */
	send_word(main_tid, 14, L4_IpcFailed(tag) ? L4_ErrorCode() : 0xffff);
	sleep_forever();
}

USER_TEST(xfer_timeout_charged, "x2.ipc.xfer_timeout_charged",
	  "a copy stuck on the sender's page ends at the receiver's xfer timeout and is charged to the receiver's: 5 "
	  "for the receiver, 6 for the sender (as Pistachio and l4test 'Receiver xfer timeout' have it)")
{
	main_tid = L4_Myself();
	L4_ThreadId_t silent = start_local(sleep_forever);
	L4_ThreadId_t snd = new_tid();
	TEST_CHECK_EQ(L4_ThreadControl(snd, L4_Myself(), L4_Myself(), silent, (void *)new_utcb()), 1);
	L4_Start_SpIp(snd, new_stack(), (L4_Word_t)xfer_sender);
	TEST_CHECK(wait_state(snd, XR_SENDING)); /* it is blocked in its send to us */
	static char buf[64];
	accept_one_string(sizeof buf, buf);
	L4_Set_XferTimeouts(L4_Timeouts(L4_Never, L4_TimePeriod(10000))); /* our receive xfer timeout 10 ms */
	L4_Clock_t t0 = L4_SystemClock();
	L4_MsgTag_t tag = L4_Receive(snd);
	L4_Clock_t t1 = L4_SystemClock();
	L4_Set_XferTimeouts(L4_Timeouts(L4_Never, L4_Never));
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), (5 << 1) | 1); /* our own timeout ran out, receive phase */
	TEST_CHECK(t1.raw - t0.raw >= 10000);
	tag = L4_Receive(snd, L4_TimePeriod(1000000));
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(msg_mr(1), 6 << 1); /* its partner's timeout, send phase */
	delete_thread(snd);
	delete_thread(silent);
}

/* ---- propagation: a local pager hands a fault to the external pager ---------------------- */

static char prop_page[4096] __attribute__((aligned(4096)));
static volatile L4_ThreadId_t lb_tid, b_tid;

/* B: touches a page nobody mapped yet (and nothing else new: its pager LB
 * serves one fault only); its pager is LB. */
static void prop_b(void)
{
	L4_Word_t seen = (L4_Word_t) * (volatile char *)prop_page + 1;
	send_word(main_tid, 11, seen);
	sleep_forever();
}

/* LB: takes B's fault and propagates it, unchanged, to the external pager (main). */
static void prop_lb(void)
{
	L4_ThreadId_t from;
	L4_MsgTag_t tag = L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, L4_Never), &from);
	L4_Set_Propagation(&tag);
	L4_Set_MsgTag(tag);
	L4_Set_VirtualSender(b_tid); /* VirtualSender: B */
	L4_Send(main_tid);
	sleep_forever(); /* LB never answers B itself */
}

USER_TEST(
    propagation, "x2.ipc.propagation",
    "a local pager propagates a fault: the external pager sees the faulting thread as sender and answers it directly")
{
	main_tid = L4_Myself();
	L4_ThreadId_t lb = start_local(prop_lb);
	lb_tid = lb;
	L4_ThreadId_t b = new_tid();
	b_tid = b;
	TEST_CHECK_EQ(L4_ThreadControl(b, L4_Myself(), L4_Myself(), lb, (void *)new_utcb()), 1); /* B's pager is LB */
	L4_Start_SpIp(b, new_stack(), (L4_Word_t)prop_b);
	L4_ThreadId_t from = L4_nilthread;
	L4_MsgTag_t tag =
	    L4_Ipc(L4_nilthread, b, L4_Timeouts(L4_Never, L4_TimePeriod(1000000)), &from); /* closed wait for B */
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK(L4_IpcPropagated(tag));
	TEST_CHECK(msg_is_pagefault(tag)); /* B's page fault */
	TEST_CHECK_EQ(msg_mr(1) & ~0xfffull, (L4_Word_t)prop_page);
	L4_ThreadId_t b_local =
	    L4_ExchangeRegisters(b, 0, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL);
	TEST_CHECK(L4_IsThreadEqual(from, b_local)); /* the virtual sender, as a local ID: same space */
	TEST_CHECK(L4_IsThreadEqual(L4_ActualSender(), lb));
	/* back the page, then answer B itself with an empty reply: it retries */
	TEST_CHECK(!L4_IsNilFpage(L4_Sigma0_GetPage(L4_nilthread,
						    L4_FpageAddRights(L4_FpageLog2(~0ull, 12), L4_FullyAccessible),
						    L4_FpageLog2((L4_Word_t)prop_page, 12))));
	prop_page[0] = 41;
	L4_Set_MsgTag(L4_Niltag);
	TEST_CHECK(!L4_IpcFailed(L4_Send(b, L4_ZeroTime))); /* B waits for us now, not for LB */
	tag = L4_Receive(b);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(msg_mr(1), 42);
	delete_thread(b);
	delete_thread(lb);
}

/* ---- a local ID in an empty part of the UTCB area ---------------------------------------- */

static volatile L4_Word_t probe_error;

static void probe_thread(void)
{
	/* a zero-timeout IPC to a local ID (a UTCB address) whose UTCB page does not exist */
	L4_ThreadId_t hole = {.raw = UTCB_AREA + 200 * 1024 + 512};
	L4_MsgTag_t tag = L4_Ipc(hole, L4_nilthread, L4_Timeouts(L4_ZeroTime, L4_Never), NULL);
	probe_error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0xffff;
	send_word(main_tid, 12, probe_error);
	sleep_forever();
}

USER_TEST(local_id_hole, "x2.ipc.local_id_hole",
	  "a local ID in an unused page of the UTCB area is 'no partner' at once, never a page fault to the pager")
{
	main_tid = L4_Myself();
	L4_ThreadId_t silent = start_local(sleep_forever); /* a pager that never answers */
	L4_ThreadId_t t = new_tid();
	TEST_CHECK_EQ(L4_ThreadControl(t, L4_Myself(), L4_Myself(), silent, (void *)new_utcb()), 1);
	L4_Start_SpIp(t, new_stack(), (L4_Word_t)probe_thread);
	L4_MsgTag_t tag = L4_Receive(t, L4_TimePeriod(1000000));
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(msg_mr(1), 2 << 1); /* no partner, send phase */
	delete_thread(t);
	delete_thread(silent);
}

/* ---- FPU state across preemption ---------------------------------------------------- */

static volatile long fpu_result[2];
static volatile int fpu_done[2];
static L4_Word_t gap_ticks, limit_ticks;

static void fpu_thread(int i)
{
	fpu_result[i] = fpu_spin_check(0x1111000000000000ull * (i + 1), gap_ticks, 5, limit_ticks);
	fpu_done[i] = 1;
	/* keep taking whole time slices until the peer is done too: a peer
	 * counts our slices as its preemptions */
	while (!fpu_done[1 - i])
		;
	send_word(main_tid, 4, (L4_Word_t)fpu_result[i]);
	sleep_forever();
}
static void fpu_thread0(void) { fpu_thread(0); }
static void fpu_thread1(void) { fpu_thread(1); }

USER_TEST(fpu_preempt, "x2.fpu.preemption", "two threads keep their SSE registers across 5 timer preemptions each")
{
	main_tid = L4_Myself();
	L4_Word_t khz = L4_ProcDescInternalFreq(L4_ProcDesc(L4_GetKernelInterface(), 0));
	gap_ticks = khz * 2; /* 2 ms: a time slice is 10 ms */
	limit_ticks = khz * 10000; /* 10 s of guest time */
	L4_ThreadId_t a = start_local(fpu_thread0), b = start_local(fpu_thread1);
	TEST_CHECK(!L4_IsNilThread(a) && !L4_IsNilThread(b));
	for (int n = 0; n < 2; n++) {
		L4_MsgTag_t tag = L4_Receive(n ? b : a);
		TEST_CHECK(!L4_IpcFailed(tag));
	}
	printf("  SSE registers lost: %ld and %ld (-1: not preempted)\n", fpu_result[0], fpu_result[1]);
	TEST_CHECK_EQ(fpu_result[0], 0);
	TEST_CHECK_EQ(fpu_result[1], 0);
	delete_thread(a);
	delete_thread(b);
}

/* ---- a new address space, paged by us ------------------------------------------------ */

static volatile L4_Word_t child_in;

/* Runs in the child space: its code, data and stack are our pages, mapped on faults. */
static void child_main(void)
{
	L4_Word_t x = child_in * 3;
	L4_Word_t privileged =
	    L4_ThreadControl(L4_GlobalId(4000, 1), L4_Myself(), L4_Myself(), L4_nilthread, (void *)~0ull);
	L4_Word_t err = L4_ErrorCode();
	const L4_Word_t w[3] = {x, privileged, err};
	load_words(LABEL_DONE, 3, w);
	L4_Send(L4_Pager());
	sleep_forever();
}

USER_TEST(new_space, "x2.space.new", "a thread in a new space is started by our start message and paged by us")
{
	L4_ThreadId_t c = new_tid();
	TEST_CHECK_EQ(L4_ThreadControl(c, c, L4_Myself(), L4_nilthread, (void *)~0ull), 1); /* inactive, new space */
	TEST_CHECK_EQ(
	    L4_SpaceControl(c, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 14), L4_nilthread, NULL), 1);
	TEST_CHECK_EQ(L4_ThreadControl(c, c, L4_Myself(), L4_Myself(), (void *)UTCB_AREA),
		      1); /* active: waits for us */
	child_in = 14;
	const L4_Word_t start[2] = {(L4_Word_t)child_main, new_stack()}; /* the start message: IP, SP */
	load_words(0, 2, start);
	TEST_CHECK(!L4_IpcFailed(L4_Send(c)));
	unsigned faults = 0;
	L4_MsgTag_t tag = serve_child(c, &faults);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), LABEL_DONE);
	TEST_CHECK_EQ(msg_mr(1), 42);
	TEST_CHECK_EQ(msg_mr(2), 0); /* ThreadControl refused in an unprivileged space... */
	TEST_CHECK_EQ(msg_mr(3), 1); /* ...with "no privilege" */
	TEST_CHECK(faults >= 3); /* code, data, stack */
	TEST_CHECK_EQ(delete_thread(c), 1); /* and its space */
}

#define LABEL_READY 0x78

/* Runs in the child: accepts map items anywhere, asks for them, then reports.
 * The ask is a call, so no code runs (and faults) between it and the receive. */
static void child_accept_all(void)
{
	L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
	L4_Set_MsgTag(msg_tag(LABEL_READY, 0, 0));
	L4_MsgTag_t tag = L4_Call(L4_Pager());
	const L4_Word_t w = L4_IpcFailed(tag) ? L4_ErrorCode() : L4_TypedWords(tag);
	load_words(LABEL_DONE, 1, &w);
	L4_Send(L4_Pager());
	sleep_forever();
}

USER_TEST(map_everything, "x2.map.complete_space",
	  "a map item of the whole address space into a space with KIP and UTCB areas maps around them and the kernel "
	  "survives")
{
	L4_ThreadId_t c = start_child(child_accept_all, L4_nilthread);
	TEST_CHECK(!L4_IsNilThread(c));
	/* serve its faults until it asks (it then waits for our answer), send
	 * everything, and serve any faults until it reports: no timing involved */
	unsigned faults = 0;
	L4_MsgTag_t tag = serve_child(c, &faults);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), LABEL_READY);
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_MsgAppendMapItem(&msg, L4_MapItem(L4_FpageAddRights(L4_CompleteAddressSpace, L4_Readable),
					     0)); /* all of our space, read-only */
	L4_MsgLoad(&msg);
	TEST_CHECK(!L4_IpcFailed(L4_Send(c)));
	tag = serve_child(c, &faults);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), LABEL_DONE);
	TEST_CHECK_EQ(msg_mr(1), 2); /* it received the map item */
	TEST_CHECK_EQ(delete_thread(c), 1);
}

/* Runs in a child space whose redirector is the root task's main thread. */
static void child_redirected(void)
{
	const L4_Word_t seven = 7;
	load_words(0x99, 1, &seven);
	L4_MsgTag_t tag = L4_Send(L4_GlobalId(48, 1)); /* to sigma0: out of our space */
	const L4_Word_t w = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
	load_words(LABEL_DONE, 1, &w);
	L4_Send(L4_Pager());
	sleep_forever();
}

USER_TEST(redirection, "x2.ipc.redirection",
	  "IPC out of a space with a redirector reaches the redirector, flagged, with the intended receiver")
{
	L4_ThreadId_t c = start_child(child_redirected, L4_Myself());
	TEST_CHECK(!L4_IsNilThread(c));
	unsigned faults = 0;
	L4_MsgTag_t tag = serve_child(c, &faults); /* the first message that is not a fault */
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), 0x99);
	TEST_CHECK(L4_IpcRedirected(tag));
	TEST_CHECK_EQ(msg_mr(1), 7);
	TEST_CHECK(L4_IsThreadEqual(L4_IntendedReceiver(), L4_GlobalId(48, 1)));
	tag = serve_child(c, &faults); /* its report, sent to us (its pager): not redirected */
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_Label(tag), LABEL_DONE);
	TEST_CHECK(!L4_IpcRedirected(tag));
	TEST_CHECK_EQ(msg_mr(1), 0);
	TEST_CHECK_EQ(delete_thread(c), 1);
}

USER_TEST(exhaustion, "x2.kernel_memory.exhaustion",
	  "creating spaces until kernel memory runs out answers 'no memory'; the kernel works on and gets it all back")
{
	static L4_ThreadId_t made[4096];
	unsigned n = 0;
	L4_Word_t err = 0;
	while (n < 4096) {
		L4_ThreadId_t t = new_tid();
		if (L4_ThreadControl(t, t, L4_Myself(), L4_nilthread, (void *)~0ull) != 1) {
			err = L4_ErrorCode();
			break;
		}
		made[n++] = t;
	}
	TEST_CHECK(n > 100); /* a fair number fit in the pool */
	TEST_CHECK(n < 4096); /* and the pool does run out */
	TEST_CHECK_EQ(err, 8); /* "no memory", not a panic */
	/* while it is exhausted, IPC still works */
	L4_Set_MsgTag(L4_Niltag);
	TEST_CHECK(L4_IpcFailed(L4_Receive(L4_Myself(), L4_ZeroTime)));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
	for (unsigned i = 0; i < n; i++)
		TEST_CHECK_EQ(delete_thread(made[i]), 1);
	/* all of it came back (the thread table's pages too): as many fit again */
	unsigned again = 0;
	while (again < n) {
		L4_ThreadId_t t = new_tid();
		if (L4_ThreadControl(t, t, L4_Myself(), L4_nilthread, (void *)~0ull) != 1)
			break;
		made[again++] = t;
	}
	for (unsigned i = 0; i < again; i++)
		delete_thread(made[i]);
	/* a round may need one more second-level page of the thread table than the
	 * last, depending on where its thread numbers fall */
	TEST_CHECK(again + 1 >= n);
}

/* ---- error paths of the privileged calls ---------------------------------------------- */

USER_TEST(tc_errors, "x2.threadcontrol.errors",
	  "ThreadControl, SpaceControl and Schedule reject bad arguments with X.2 error codes")
{
	L4_ThreadId_t me = L4_Myself(), t = new_tid();
	TEST_CHECK_EQ(delete_thread(me), 0); /* delete self */
	TEST_CHECK_EQ(L4_ErrorCode(), 2);
	TEST_CHECK_EQ(L4_ThreadControl(t, me, L4_GlobalId(5000, 9), L4_nilthread, (void *)~0ull), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 4); /* invalid scheduler */
	TEST_CHECK_EQ(L4_ThreadControl(t, L4_GlobalId(5001, 1), me, L4_nilthread, (void *)~0ull), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 3); /* invalid space */
	TEST_CHECK_EQ(L4_ThreadControl(L4_GlobalId(3, 1), me, me, L4_nilthread, (void *)~0ull), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 2); /* below UserBase */
	TEST_CHECK_EQ(L4_ThreadControl(t, me, me, L4_Pager(), (void *)0x10000), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 6); /* UTCB outside the area */
	TEST_CHECK_EQ(L4_ThreadControl(t, me, me, L4_Pager(), (void *)UTCB_AREA), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 6); /* our own UTCB slot */
	TEST_CHECK_EQ(delete_thread(t), 1); /* delete it */
	TEST_CHECK_EQ(delete_thread(t), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 2);
	L4_ThreadId_t s = new_tid();
	TEST_CHECK_EQ(L4_ThreadControl(s, s, me, L4_nilthread, (void *)~0ull), 1);
	TEST_CHECK_EQ(
	    L4_SpaceControl(s, 0, L4_FpageLog2(KIP_AREA, 13), L4_FpageLog2(UTCB_AREA, 14), L4_nilthread, NULL), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 7);
	TEST_CHECK_EQ(L4_SpaceControl(s, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(KIP_AREA, 12), L4_nilthread, NULL),
		      0);
	TEST_CHECK_EQ(L4_ErrorCode(), 6);
	TEST_CHECK_EQ(L4_SpaceControl(L4_GlobalId(5002, 1), 0, L4_Nilpage, L4_Nilpage, L4_nilthread, NULL), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 3);
	TEST_CHECK_EQ(L4_Schedule(s, ~0ull, ~0ull, 50, ~0ull, NULL), 2); /* inactive */
	TEST_CHECK_EQ(L4_Schedule(L4_GlobalId(5003, 1), ~0ull, ~0ull, 50, ~0ull, NULL), 0);
	TEST_CHECK_EQ(delete_thread(s), 1);
}

int main(void)
{
	printf("x2 suite: threads, spaces and paging from thread %llx\n", (unsigned long long)L4_Myself().raw);
	test_run_all("x2");
}
