/* SPDX-License-Identifier: MIT */
/* The X.2 suite: threads, spaces, the start protocol, user-level paging, ExchangeRegisters, Schedule. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/sigma0.h>
#include "x2.h"

long fpu_spin_check(l4_word_t pattern, l4_word_t gap, l4_word_t preemptions, l4_word_t limit);

/* ---- threads in our own space --------------------------------------------------- */

static l4_threadid_t main_tid;

static void hello_thread(void)
{
	send_word((L4_ThreadId_t){.raw = main_tid}, 1, 0xabc);
	sleep_forever();
}

USER_TEST(local_thread, "x2.thread.local",
	  "a thread of our space starts by ExchangeRegisters and IPCs us; from is its local ID")
{
	main_tid = l4_myself();
	l4_threadid_t t = start_local(hello_thread).raw;
	TEST_CHECK(t != L4_NILTHREAD);
	l4_threadid_t from;
	l4_msgtag_t tag = l4_ipc(L4_NILTHREAD, L4_ANYTHREAD, L4_TIMEOUTS(0, L4_NEVER), &from);
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), 1);
	TEST_CHECK_EQ(l4_utcb()[1], 0xabc);
	TEST_CHECK(l4_is_local_id(from)); /* same space: the local ID (ABI §8.6) */
	l4_word_t *mr0 = (l4_word_t *)from;
	TEST_CHECK_EQ(mr0[L4_UTCB_MY_GLOBAL_ID], t);
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1); /* delete */
}

static void echo_thread(void)
{
	l4_threadid_t from;
	l4_msgtag_t tag = l4_wait(&from);
	for (;;) {
		l4_utcb()[1] += 1;
		l4_utcb()[0] = l4_msgtag(2, L4_TAG_U(tag), 0, 0);
		tag = l4_reply_wait(from, &from);
	}
}

USER_TEST(call_reply, "x2.ipc.call", "call and reply-and-wait carry eight register MRs and more through the UTCB")
{
	l4_threadid_t t = start_local(echo_thread).raw;
	TEST_CHECK(t != L4_NILTHREAD);
	for (l4_word_t round = 0; round < 50; round++) {
		l4_word_t *mr = l4_utcb();
		mr[0] = l4_msgtag(1, 20, 0, 0);
		for (unsigned i = 1; i <= 20; i++)
			mr[i] = round * 100 + i;
		l4_msgtag_t tag = l4_call(t);
		TEST_CHECK(!l4_ipc_failed(tag));
		TEST_CHECK_EQ(L4_TAG_U(tag), 20);
		TEST_CHECK_EQ(mr[1], round * 100 + 2);
		for (unsigned i = 2; i <= 20; i++)
			TEST_CHECK_EQ(mr[i], round * 100 + i);
	}
	/* the same through the local ID */
	/* given a global ID, ExchangeRegisters answers the local one */
	l4_threadid_t local = l4_exchange_registers(t, 0, 0, 0, 0, 0, L4_NILTHREAD, NULL, NULL, NULL, NULL, NULL, NULL);
	TEST_CHECK(l4_is_local_id(local));
	l4_utcb()[0] = l4_msgtag(1, 1, 0, 0);
	l4_utcb()[1] = 41;
	l4_msgtag_t tag = l4_call(local);
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(l4_utcb()[1], 42);
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}

static volatile l4_word_t spin_counter;
static void spin_thread(void)
{
	for (;;)
		spin_counter++;
}

USER_TEST(exregs, "x2.exregs", "ExchangeRegisters stops, reads, changes and resumes a thread of our space")
{
	l4_threadid_t t = start_local(spin_thread).raw;
	TEST_CHECK(t != L4_NILTHREAD);
	TEST_CHECK_EQ(l4_set_priority(t, 254), 3); /* running; above nobody but us */
	l4_set_priority(t, 100);
	l4_word_t state, sp, ip, flags, handle;
	l4_threadid_t pager;
	l4_sleep(l4_time_period(2000)); /* let it spin */
	TEST_CHECK(l4_stop(t, &state) != L4_NILTHREAD);
	l4_word_t c1 = spin_counter;
	l4_sleep(l4_time_period(2000));
	TEST_CHECK_EQ(spin_counter, c1); /* halted */
	TEST_CHECK(c1 > 0);
	l4_threadid_t r = l4_exchange_registers(t, 0x200 | 0x40, 0, 0, 0, 0x5151, L4_NILTHREAD, &state, &sp, &ip,
						&flags, &handle, &pager);
	TEST_CHECK(r != L4_NILTHREAD);
	TEST_CHECK(state & 1); /* halted */
	TEST_CHECK(ip >= (l4_word_t)spin_thread && ip < (l4_word_t)spin_thread + 64);
	TEST_CHECK_EQ(pager, l4_pager());
	l4_exchange_registers(t, 0x200, 0, 0, 0, 0, L4_NILTHREAD, NULL, NULL, NULL, NULL, &handle, NULL);
	TEST_CHECK_EQ(handle, 0x5151);
	TEST_CHECK(l4_resume(t) != L4_NILTHREAD);
	l4_sleep(l4_time_period(2000));
	TEST_CHECK(spin_counter != c1); /* running again */
	/* another space's thread is out of reach */
	TEST_CHECK_EQ(
	    l4_exchange_registers(l4_sigma0_id(), 0x200, 0, 0, 0, 0, L4_NILTHREAD, NULL, NULL, NULL, NULL, NULL, NULL),
	    L4_NILTHREAD);
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}

static volatile l4_word_t abort_result;
static void receiver_thread(void)
{
	l4_msgtag_t tag = l4_receive(main_tid);
	abort_result = l4_ipc_failed(tag) ? L4_ErrorCode() : 0xffff;
	send_word((L4_ThreadId_t){.raw = main_tid}, 3, abort_result);
	sleep_forever();
}

USER_TEST(abort, "x2.ipc.abort",
	  "ExchangeRegisters aborts a receive: the IPC ends with 'canceled' in the receive phase")
{
	main_tid = l4_myself();
	l4_threadid_t t = start_local(receiver_thread).raw;
	TEST_CHECK(wait_state((L4_ThreadId_t){.raw = t}, XR_RECEIVING)); /* it is now blocked receiving from us */
	l4_word_t state;
	l4_exchange_registers(t, 0x2 | 0x200, 0, 0, 0, 0, L4_NILTHREAD, &state, NULL, NULL, NULL, NULL, NULL);
	TEST_CHECK(state & 2); /* it was receiving */
	l4_msgtag_t tag = l4_receive(t);
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(l4_utcb()[1], (3 << 1) | 1);
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}

USER_TEST(send_timeout, "x2.ipc.send_timeout", "a send to a thread that does not receive times out after its timeout")
{
	l4_threadid_t t = start_local(spin_thread).raw;
	l4_utcb()[0] = 0;
	l4_clock_t t0 = l4_system_clock();
	l4_msgtag_t tag = l4_send_timeout(t, l4_time_period(3000));
	TEST_CHECK(l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 1 << 1); /* timeout, send phase */
	TEST_CHECK(l4_system_clock() - t0 >= 3000);
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
	tag = l4_send_timeout(t, L4_ZERO_TIME);
	TEST_CHECK(l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 2 << 1); /* deleted: no partner */
}

static void faulting_thread(void)
{
	l4_utcb()[L4_UTCB_EXCEPTION_HANDLER] = main_tid;
	l4_word_t rax;
	__asm__ volatile("movq $1, %%rax; ud2; nop; nop" : "=a"(rax)); /* the handler skips ud2 and sets RAX */
	send_word((L4_ThreadId_t){.raw = main_tid}, 5, rax);
	sleep_forever();
}

USER_TEST(exception_ipc, "x2.exception.ipc",
	  "an invalid opcode becomes exception IPC to the handler, whose reply sets RIP and RAX")
{
	main_tid = l4_myself();
	l4_threadid_t t = start_local(faulting_thread).raw;
	l4_threadid_t from;
	l4_msgtag_t tag = l4_ipc(L4_NILTHREAD, t, L4_TIMEOUTS(0, L4_NEVER), &from);
	TEST_CHECK(!l4_ipc_failed(tag));
	l4_word_t *mr = l4_utcb();
	TEST_CHECK_EQ(tag >> 20, ((l4_word_t)-5 << 20) >> 20); /* label -5 << 4 */
	TEST_CHECK_EQ(L4_TAG_U(tag), 19);
	TEST_CHECK_EQ(mr[19], 6); /* #UD */
	TEST_CHECK_EQ(mr[8], 1); /* RAX at the fault */
	TEST_CHECK_EQ(*(unsigned short *)mr[1], 0x0b0f); /* RIP points at ud2 */
	mr[0] = l4_msgtag(0, 19, 0, 0);
	mr[1] += 2;
	mr[8] = 0x777;
	tag = l4_ipc(t, t, L4_TIMEOUTS(L4_ZERO_TIME, L4_NEVER), &from); /* reply, then its report */
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), 5);
	TEST_CHECK_EQ(mr[1], 0x777);
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
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
	l4_threadid_t irq = l4_global_id(4, 1), me = l4_myself(), from;
	TEST_CHECK_EQ(l4_thread_control(l4_global_id(0, 1), l4_global_id(0, 1), L4_NILTHREAD, me, ~0ull),
		      0); /* the kernel's timer */
	TEST_CHECK_EQ(l4_thread_control(irq, irq, L4_NILTHREAD, me, ~0ull), 1); /* associate */
	TEST_CHECK(l4_schedule(irq, ~0ull, ~0ull, 200, ~0ull, NULL) != 0); /* its handler may schedule it */
	unsigned char mcr = inb(0x3fc);
	outb(0x3fc, mcr | 0x08); /* OUT2 drives the IRQ line on PCs */
	outb(0x3f9, 0x02); /* interrupt when the transmitter is empty: at once */
	l4_msgtag_t tag = l4_ipc(L4_NILTHREAD, irq, L4_TIMEOUTS(0, l4_time_period(1000000)), &from);
	outb(0x3f9, 0x00);
	outb(0x3fc, mcr);
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(from, irq);
	TEST_CHECK_EQ(tag >> 16, ((l4_word_t)-1 << 4) & 0xffffffffffffull); /* label -1 << 4 */
	TEST_CHECK_EQ(L4_TAG_U(tag), 0);
	l4_utcb()[0] = 0;
	TEST_CHECK(!l4_ipc_failed(l4_send_timeout(irq, L4_ZERO_TIME))); /* acknowledge */
	TEST_CHECK_EQ(l4_thread_control(irq, irq, L4_NILTHREAD, irq, ~0ull), 1); /* de-associate */
	l4_utcb()[0] = 0;
	TEST_CHECK(l4_ipc_failed(l4_send_timeout(irq, L4_ZERO_TIME))); /* no longer ours */
}

static volatile l4_threadid_t doomed;

static void waits_for_doomed(void)
{
	l4_msgtag_t tag = l4_receive(doomed);
	send_word((L4_ThreadId_t){.raw = main_tid}, 14, l4_ipc_failed(tag) ? L4_ErrorCode() : 0xffff);
	sleep_forever();
}

USER_TEST(partner_deleted, "x2.ipc.partner_deleted",
	  "a closed receive from a thread that is deleted ends with 'no partner'")
{
	main_tid = l4_myself();
	doomed = start_local(sleep_forever).raw;
	l4_threadid_t w = start_local(waits_for_doomed).raw;
	TEST_CHECK(wait_state((L4_ThreadId_t){.raw = w}, XR_RECEIVING)); /* w now waits for the doomed thread */
	TEST_CHECK_EQ(l4_thread_control(doomed, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
	l4_msgtag_t tag = l4_receive_timeout(w, l4_time_period(1000000));
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(l4_utcb()[1], (2 << 1) | 1); /* no partner, receive phase */
	l4_thread_control(w, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
}

/* ---- string items ---------------------------------------------------------------------- */

static char str_src[3 * 4096 + 100];
static char str_dst[3 * 4096 + 100];
static char str_dst2[64], str_dst3[5000];
static volatile l4_word_t str_result[3];
static volatile l4_word_t str_items[6]; /* the receiver's MR2..MR7 after the strings arrived */

static void fill(char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(seed + i * 7 + (i >> 9));
}

/* Receives one message with two buffers: BR1-2 a simple buffer, BR3-5 a buffer of two substrings. */
static void string_receiver(void)
{
	l4_word_t *br = l4_utcb() - 16; /* br[-i] is BR i */
	br[-1] = l4_string_item_word0(sizeof str_dst, 1, 0);
	br[-2] = (l4_word_t)str_dst;
	br[-3] = l4_string_item_word0(32, 2, 0);
	br[-4] = (l4_word_t)str_dst2;
	br[-5] = (l4_word_t)(str_dst2 + 32);
	l4_accept_strings(L4_NILPAGE);
	l4_msgtag_t tag = l4_receive(main_tid);
	str_result[0] = l4_ipc_failed(tag) ? L4_ErrorCode() : 0;
	str_result[1] = L4_TAG_T(tag);
	for (unsigned i = 0; i < 6; i++)
		str_items[i] = l4_utcb()[2 + i];
	send_word((L4_ThreadId_t){.raw = main_tid}, 6, 0);
	sleep_forever();
}

/* The typed words send_strings() puts into MR2..MR7. */
static void string_items(l4_word_t w[6])
{
	w[0] = l4_string_item_word0(sizeof str_src, 1, 0); /* 12 KiB over four pages */
	w[1] = (l4_word_t)str_src;
	w[2] = l4_string_item_word0(20, 1, 1); /* a compound string: 20 + 44 bytes */
	w[3] = (l4_word_t) "compound string, part one...";
	w[4] = l4_string_item_word0(44, 1, 0);
	w[5] = (l4_word_t) "and the forty-four bytes of its second part.";
}

static void send_strings(l4_threadid_t to, l4_time_t timeout)
{
	l4_word_t *mr = l4_utcb();
	mr[1] = 0x5151;
	string_items(&mr[2]);
	mr[0] = l4_msgtag(9, 1, 6, 0);
	l4_ipc(to, L4_NILTHREAD, L4_TIMEOUTS(timeout, 0), NULL);
}

USER_TEST(strings_sender_copies, "x2.ipc.string",
	  "strings go into fresh buffer pages of a waiting receiver (faults raised in its name), gather and scatter; "
	  "the receiver's MRs hold the sender's string items, as Pistachio's")
{
	main_tid = l4_myself();
	fill(str_src, sizeof str_src, 3);
	memset(str_dst2, 0, sizeof str_dst2);
	l4_threadid_t t = start_local(string_receiver).raw;
	TEST_CHECK(wait_state((L4_ThreadId_t){.raw = t}, XR_RECEIVING)); /* it waits now, its buffer pages untouched */
	send_strings(t, L4_NEVER);
	TEST_CHECK(!l4_ipc_failed(l4_receive(t)));
	TEST_CHECK_EQ(str_result[0], 0);
	TEST_CHECK_EQ(str_result[1], 6);
	TEST_CHECK(memcmp(str_dst, str_src, sizeof str_src) == 0);
	TEST_CHECK(memcmp(str_dst2, "compound string, parand the forty-four bytes of its second part.", 64) == 0);
	l4_word_t sent[6];
	string_items(sent);
	for (unsigned i = 0; i < 6; i++)
		TEST_CHECK_EQ(str_items[i], sent[i]);
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}

static void string_sender(void)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(10, 0, 2, 0);
	mr[1] = l4_string_item_word0(sizeof str_dst3, 1, 0);
	mr[2] = (l4_word_t)str_dst3; /* 5000 fresh bytes: the copy faults them in, in our name */
	l4_msgtag_t tag = l4_send(main_tid);
	str_result[2] = l4_ipc_failed(tag) ? L4_ErrorCode() : 0;
	send_word((L4_ThreadId_t){.raw = main_tid}, 7, 0);
	sleep_forever();
}

USER_TEST(strings_receiver_copies, "x2.ipc.string_pickup",
	  "a receiver taking a blocked sender's string faults the sender's pages in through its pager")
{
	main_tid = l4_myself();
	l4_threadid_t t = start_local(string_sender).raw;
	TEST_CHECK(wait_state((L4_ThreadId_t){.raw = t}, XR_SENDING)); /* it is blocked sending to us */
	static char buf[5000];
	l4_word_t *br = l4_utcb() - 16;
	br[-1] = l4_string_item_word0(sizeof buf, 1, 0);
	br[-2] = (l4_word_t)buf;
	l4_accept_strings(L4_NILPAGE);
	l4_msgtag_t tag = l4_receive(t);
	l4_accept(L4_NILPAGE);
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), 10);
	for (unsigned i = 0; i < sizeof buf; i++)
		TEST_CHECK_EQ(buf[i], 0); /* the sender's untouched BSS */
	TEST_CHECK(!l4_ipc_failed(l4_receive(t)));
	TEST_CHECK_EQ(str_result[2], 0);
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}

static void short_receiver(void)
{
	l4_word_t *br = l4_utcb() - 16;
	br[-1] = l4_string_item_word0(100, 1, 0);
	br[-2] = (l4_word_t)str_dst;
	l4_accept_strings(L4_NILPAGE);
	l4_msgtag_t tag = l4_receive(main_tid);
	str_result[0] = l4_ipc_failed(tag) ? L4_ErrorCode() : 0;
	send_word((L4_ThreadId_t){.raw = main_tid}, 8, 0);
	sleep_forever();
}

USER_TEST(strings_overflow, "x2.ipc.string_overflow",
	  "a string longer than the buffer fails both sides with 'message overflow' at the right offset")
{
	main_tid = l4_myself();
	l4_threadid_t t = start_local(short_receiver).raw;
	TEST_CHECK(wait_state((L4_ThreadId_t){.raw = t}, XR_RECEIVING));
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(0, 0, 2, 0);
	mr[1] = l4_string_item_word0(300, 1, 0);
	mr[2] = (l4_word_t)str_src;
	l4_msgtag_t tag = l4_send(t);
	TEST_CHECK(l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), ((4 + (100 << 3)) << 1) | 0); /* overflow after 100 bytes, send phase */
	TEST_CHECK(!l4_ipc_failed(l4_receive(t)));
	TEST_CHECK_EQ(str_result[0], ((4 + (100 << 3)) << 1) | 1);
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}

static char xfer_fresh[4096] __attribute__((aligned(4096)));

static void xfer_receiver(void)
{
	l4_word_t *br = l4_utcb() - 16;
	br[-1] = l4_string_item_word0(64, 1, 0);
	br[-2] = (l4_word_t)xfer_fresh; /* a page nobody mapped; our pager never answers */
	l4_accept_strings(L4_NILPAGE);
	l4_utcb()[L4_UTCB_XFER_TIMEOUTS] = l4_time_period(10000); /* receive xfer timeout 10 ms */
	l4_msgtag_t tag = l4_receive(main_tid);
	/* locals only from here: our pager never answers a fault */
	send_word((L4_ThreadId_t){.raw = main_tid}, 13, l4_ipc_failed(tag) ? L4_ErrorCode() : 0xffff);
	sleep_forever();
}

USER_TEST(
    xfer_timeout, "x2.ipc.xfer_timeout",
    "a string copy whose page fault is not answered ends at the xfer timeout: 6 for the sender, 5 for the receiver")
{
	main_tid = l4_myself();
	l4_threadid_t silent = start_local(sleep_forever).raw;
	l4_threadid_t r = new_tid().raw;
	TEST_CHECK_EQ(l4_thread_control(r, l4_myself(), l4_myself(), silent, new_utcb()), 1);
	l4_start_sp_ip(r, new_stack(), (l4_word_t)xfer_receiver);
	TEST_CHECK(wait_state((L4_ThreadId_t){.raw = r}, XR_RECEIVING)); /* it waits now */
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(0, 0, 2, 0);
	mr[1] = l4_string_item_word0(64, 1, 0);
	mr[2] = (l4_word_t) "sixty-four bytes that will never arrive at their destination...";
	l4_clock_t t0 = l4_system_clock();
	l4_msgtag_t tag = l4_send(r);
	l4_clock_t t1 = l4_system_clock();
	TEST_CHECK(l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 6 << 1); /* xfer timeout in the partner's space, send phase */
	TEST_CHECK(t1 - t0 >= 10000);
	tag = l4_receive_timeout(r, l4_time_period(1000000));
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(l4_utcb()[1], (5 << 1) | 1); /* in its own space, receive phase */
	l4_thread_control(r, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
	l4_thread_control(silent, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
}

/* ---- propagation: a local pager hands a fault to the external pager ---------------------- */

static char prop_page[4096] __attribute__((aligned(4096)));
static volatile l4_threadid_t lb_tid, b_tid;

/* B: touches a page nobody mapped yet (and nothing else new: its pager LB
 * serves one fault only); its pager is LB. */
static void prop_b(void)
{
	l4_word_t seen = (l4_word_t) * (volatile char *)prop_page + 1;
	send_word((L4_ThreadId_t){.raw = main_tid}, 11, seen);
	sleep_forever();
}

/* LB: takes B's fault and propagates it, unchanged, to the external pager (main). */
static void prop_lb(void)
{
	l4_threadid_t from;
	l4_msgtag_t tag = l4_ipc(L4_NILTHREAD, L4_ANYTHREAD, L4_TIMEOUTS(0, L4_NEVER), &from);
	l4_word_t *mr = l4_utcb();
	mr[0] = tag | L4_TAG_PROPAGATED;
	mr[L4_UTCB_ACTUAL_SENDER] = b_tid; /* VirtualSender: B */
	l4_send(main_tid);
	sleep_forever(); /* LB never answers B itself */
}

USER_TEST(
    propagation, "x2.ipc.propagation",
    "a local pager propagates a fault: the external pager sees the faulting thread as sender and answers it directly")
{
	main_tid = l4_myself();
	l4_threadid_t lb = start_local(prop_lb).raw;
	lb_tid = lb;
	l4_threadid_t b = new_tid().raw;
	b_tid = b;
	TEST_CHECK_EQ(l4_thread_control(b, l4_myself(), l4_myself(), lb, new_utcb()), 1); /* B's pager is LB */
	l4_start_sp_ip(b, new_stack(), (l4_word_t)prop_b);
	l4_threadid_t from;
	l4_msgtag_t tag =
	    l4_ipc(L4_NILTHREAD, b, L4_TIMEOUTS(0, l4_time_period(1000000)), &from); /* closed wait for B */
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK(tag & L4_TAG_PROPAGATED);
	TEST_CHECK_EQ(tag >> 20, ((l4_word_t)-2 << 20) >> 20); /* B's page fault */
	TEST_CHECK_EQ(l4_utcb()[1] & ~0xfffull, (l4_word_t)prop_page);
	l4_threadid_t b_local =
	    l4_exchange_registers(b, 0, 0, 0, 0, 0, L4_NILTHREAD, NULL, NULL, NULL, NULL, NULL, NULL);
	TEST_CHECK_EQ(from, b_local); /* the virtual sender, as a local ID: same space */
	TEST_CHECK_EQ(l4_utcb()[L4_UTCB_ACTUAL_SENDER], lb);
	/* back the page, then answer B itself with an empty reply: it retries */
	TEST_CHECK(l4_sigma0_get_page_rcv_window(l4_fpage_log2(~0ull, 12) | 7,
						 l4_fpage_log2((l4_word_t)prop_page, 12)) != L4_NILPAGE);
	prop_page[0] = 41;
	l4_utcb()[0] = 0;
	TEST_CHECK(!l4_ipc_failed(l4_send_timeout(b, L4_ZERO_TIME))); /* B waits for us now, not for LB */
	tag = l4_receive(b);
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(l4_utcb()[1], 42);
	l4_thread_control(b, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
	l4_thread_control(lb, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
}

/* ---- a local ID in an empty part of the UTCB area ---------------------------------------- */

static volatile l4_word_t probe_error;

static void probe_thread(void)
{
	/* a zero-timeout IPC to a local ID whose UTCB page does not exist */
	l4_msgtag_t tag = l4_ipc(UTCB_AREA + 200 * 1024 + 512, L4_NILTHREAD, L4_TIMEOUTS(L4_ZERO_TIME, 0), NULL);
	probe_error = l4_ipc_failed(tag) ? L4_ErrorCode() : 0xffff;
	send_word((L4_ThreadId_t){.raw = main_tid}, 12, probe_error);
	sleep_forever();
}

USER_TEST(local_id_hole, "x2.ipc.local_id_hole",
	  "a local ID in an unused page of the UTCB area is 'no partner' at once, never a page fault to the pager")
{
	main_tid = l4_myself();
	l4_threadid_t silent = start_local(sleep_forever).raw; /* a pager that never answers */
	l4_threadid_t t = new_tid().raw;
	TEST_CHECK_EQ(l4_thread_control(t, l4_myself(), l4_myself(), silent, new_utcb()), 1);
	l4_start_sp_ip(t, new_stack(), (l4_word_t)probe_thread);
	l4_msgtag_t tag = l4_receive_timeout(t, l4_time_period(1000000));
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(l4_utcb()[1], 2 << 1); /* no partner, send phase */
	l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
	l4_thread_control(silent, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
}

/* ---- FPU state across preemption ---------------------------------------------------- */

static volatile long fpu_result[2];
static volatile int fpu_done[2];
static l4_word_t gap_ticks, limit_ticks;

static void fpu_thread(int i)
{
	fpu_result[i] = fpu_spin_check(0x1111000000000000ull * (i + 1), gap_ticks, 5, limit_ticks);
	fpu_done[i] = 1;
	/* keep taking whole time slices until the peer is done too: a peer
	 * counts our slices as its preemptions */
	while (!fpu_done[1 - i])
		;
	send_word((L4_ThreadId_t){.raw = main_tid}, 4, (l4_word_t)fpu_result[i]);
	sleep_forever();
}
static void fpu_thread0(void) { fpu_thread(0); }
static void fpu_thread1(void) { fpu_thread(1); }

USER_TEST(fpu_preempt, "x2.fpu.preemption", "two threads keep their SSE registers across 5 timer preemptions each")
{
	main_tid = l4_myself();
	l4_word_t khz = __l4_kip->procdesc[0].internal_khz;
	gap_ticks = khz * 2; /* 2 ms: a time slice is 10 ms */
	limit_ticks = khz * 10000; /* 10 s of guest time */
	l4_threadid_t a = start_local(fpu_thread0).raw, b = start_local(fpu_thread1).raw;
	TEST_CHECK(a && b);
	for (int n = 0; n < 2; n++) {
		l4_msgtag_t tag = l4_receive(n ? b : a);
		TEST_CHECK(!l4_ipc_failed(tag));
	}
	printf("  SSE registers lost: %ld and %ld (-1: not preempted)\n", fpu_result[0], fpu_result[1]);
	TEST_CHECK_EQ(fpu_result[0], 0);
	TEST_CHECK_EQ(fpu_result[1], 0);
	l4_thread_control(a, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
	l4_thread_control(b, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
}

/* ---- a new address space, paged by us ------------------------------------------------ */

static volatile l4_word_t child_in;

/* Runs in the child space: its code, data and stack are our pages, mapped on faults. */
static void child_main(void)
{
	l4_word_t x = child_in * 3;
	l4_word_t privileged = l4_thread_control(l4_global_id(4000, 1), l4_myself(), l4_myself(), L4_NILTHREAD, ~0ull);
	l4_word_t err = L4_ErrorCode();
	l4_utcb()[0] = l4_msgtag(LABEL_DONE, 3, 0, 0);
	l4_utcb()[1] = x;
	l4_utcb()[2] = privileged;
	l4_utcb()[3] = err;
	l4_send(l4_pager());
	sleep_forever();
}

USER_TEST(new_space, "x2.space.new", "a thread in a new space is started by our start message and paged by us")
{
	l4_threadid_t c = new_tid().raw;
	TEST_CHECK_EQ(l4_thread_control(c, c, l4_myself(), L4_NILTHREAD, ~0ull), 1); /* inactive, new space */
	TEST_CHECK_EQ(
	    l4_space_control(c, 0, l4_fpage_log2(KIP_AREA, 12), l4_fpage_log2(UTCB_AREA, 14), L4_NILTHREAD, NULL), 1);
	TEST_CHECK_EQ(l4_thread_control(c, c, l4_myself(), l4_myself(), UTCB_AREA), 1); /* active: waits for us */
	child_in = 14;
	l4_utcb()[0] = l4_msgtag(0, 2, 0, 0); /* the start message: IP, SP */
	l4_utcb()[1] = (l4_word_t)child_main;
	l4_utcb()[2] = new_stack();
	TEST_CHECK(!l4_ipc_failed(l4_send(c)));
	unsigned faults = 0;
	l4_msgtag_t tag = serve_child((L4_ThreadId_t){.raw = c}, &faults).raw;
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), LABEL_DONE);
	TEST_CHECK_EQ(l4_utcb()[1], 42);
	TEST_CHECK_EQ(l4_utcb()[2], 0); /* ThreadControl refused in an unprivileged space... */
	TEST_CHECK_EQ(l4_utcb()[3], 1); /* ...with "no privilege" */
	TEST_CHECK(faults >= 3); /* code, data, stack */
	TEST_CHECK_EQ(l4_thread_control(c, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1); /* and its space */
}

#define LABEL_READY 0x78

/* Runs in the child: accepts map items anywhere, asks for them, then reports.
 * The ask is a call, so no code runs (and faults) between it and the receive. */
static void child_accept_all(void)
{
	l4_accept(L4_COMPLETE_ADDRESS_SPACE);
	l4_utcb()[0] = l4_msgtag(LABEL_READY, 0, 0, 0);
	l4_msgtag_t tag = l4_call(l4_pager());
	l4_utcb()[0] = l4_msgtag(LABEL_DONE, 1, 0, 0);
	l4_utcb()[1] = l4_ipc_failed(tag) ? L4_ErrorCode() : L4_TAG_T(tag);
	l4_send(l4_pager());
	sleep_forever();
}

USER_TEST(map_everything, "x2.map.complete_space",
	  "a map item of the whole address space into a space with KIP and UTCB areas maps around them and the kernel "
	  "survives")
{
	l4_threadid_t c = start_child(child_accept_all, (L4_ThreadId_t){.raw = L4_NILTHREAD}).raw;
	TEST_CHECK(c != L4_NILTHREAD);
	/* serve its faults until it asks (it then waits for our answer), send
	 * everything, and serve any faults until it reports: no timing involved */
	unsigned faults = 0;
	l4_msgtag_t tag = serve_child((L4_ThreadId_t){.raw = c}, &faults).raw;
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), LABEL_READY);
	l4_utcb()[0] = l4_msgtag(0, 0, 2, 0);
	l4_utcb()[1] = l4_map_item_word0(0);
	l4_utcb()[2] = L4_COMPLETE_ADDRESS_SPACE | L4_READABLE; /* all of our space, read-only */
	TEST_CHECK(!l4_ipc_failed(l4_send(c)));
	tag = serve_child((L4_ThreadId_t){.raw = c}, &faults).raw;
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), LABEL_DONE);
	TEST_CHECK_EQ(l4_utcb()[1], 2); /* it received the map item */
	TEST_CHECK_EQ(l4_thread_control(c, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}

/* Runs in a child space whose redirector is the root task's main thread. */
static void child_redirected(void)
{
	l4_utcb()[0] = l4_msgtag(0x99, 1, 0, 0);
	l4_utcb()[1] = 7;
	l4_msgtag_t tag = l4_send(l4_global_id(48, 1)); /* to sigma0: out of our space */
	l4_utcb()[0] = l4_msgtag(LABEL_DONE, 1, 0, 0);
	l4_utcb()[1] = l4_ipc_failed(tag) ? L4_ErrorCode() : 0;
	l4_send(l4_pager());
	sleep_forever();
}

USER_TEST(redirection, "x2.ipc.redirection",
	  "IPC out of a space with a redirector reaches the redirector, flagged, with the intended receiver")
{
	l4_threadid_t c = start_child(child_redirected, (L4_ThreadId_t){.raw = l4_myself()}).raw;
	TEST_CHECK(c != L4_NILTHREAD);
	unsigned faults = 0;
	l4_msgtag_t tag =
	    serve_child((L4_ThreadId_t){.raw = c}, &faults).raw; /* the first message that is not a fault */
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), 0x99);
	TEST_CHECK(tag & L4_TAG_REDIRECTED);
	TEST_CHECK_EQ(l4_utcb()[1], 7);
	TEST_CHECK_EQ(l4_utcb()[L4_UTCB_INTENDED_RECEIVER], l4_global_id(48, 1));
	tag = serve_child((L4_ThreadId_t){.raw = c}, &faults)
		  .raw; /* its report, sent to us (its pager): not redirected */
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_TAG_LABEL(tag), LABEL_DONE);
	TEST_CHECK(!(tag & L4_TAG_REDIRECTED));
	TEST_CHECK_EQ(l4_utcb()[1], 0);
	TEST_CHECK_EQ(l4_thread_control(c, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}

USER_TEST(exhaustion, "x2.kernel_memory.exhaustion",
	  "creating spaces until kernel memory runs out answers 'no memory'; the kernel works on and gets it all back")
{
	static l4_threadid_t made[4096];
	unsigned n = 0;
	l4_word_t err = 0;
	while (n < 4096) {
		l4_threadid_t t = new_tid().raw;
		if (l4_thread_control(t, t, l4_myself(), L4_NILTHREAD, ~0ull) != 1) {
			err = L4_ErrorCode();
			break;
		}
		made[n++] = t;
	}
	TEST_CHECK(n > 100); /* a fair number fit in the pool */
	TEST_CHECK(n < 4096); /* and the pool does run out */
	TEST_CHECK_EQ(err, 8); /* "no memory", not a panic */
	/* while it is exhausted, IPC still works */
	l4_utcb()[0] = 0;
	TEST_CHECK(l4_ipc_failed(l4_receive_timeout(l4_myself(), L4_ZERO_TIME)));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
	for (unsigned i = 0; i < n; i++)
		TEST_CHECK_EQ(l4_thread_control(made[i], L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
	/* all of it came back (the thread table's pages too): as many fit again */
	unsigned again = 0;
	while (again < n) {
		l4_threadid_t t = new_tid().raw;
		if (l4_thread_control(t, t, l4_myself(), L4_NILTHREAD, ~0ull) != 1)
			break;
		made[again++] = t;
	}
	for (unsigned i = 0; i < again; i++)
		l4_thread_control(made[i], L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
	/* a round may need one more second-level page of the thread table than the
	 * last, depending on where its thread numbers fall */
	TEST_CHECK(again + 1 >= n);
}

/* ---- error paths of the privileged calls ---------------------------------------------- */

USER_TEST(tc_errors, "x2.threadcontrol.errors",
	  "ThreadControl, SpaceControl and Schedule reject bad arguments with X.2 error codes")
{
	l4_threadid_t me = l4_myself(), t = new_tid().raw;
	TEST_CHECK_EQ(l4_thread_control(me, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 0); /* delete self */
	TEST_CHECK_EQ(L4_ErrorCode(), 2);
	TEST_CHECK_EQ(l4_thread_control(t, me, l4_global_id(5000, 9), L4_NILTHREAD, ~0ull), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 4); /* invalid scheduler */
	TEST_CHECK_EQ(l4_thread_control(t, l4_global_id(5001, 1), me, L4_NILTHREAD, ~0ull), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 3); /* invalid space */
	TEST_CHECK_EQ(l4_thread_control(l4_global_id(3, 1), me, me, L4_NILTHREAD, ~0ull), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 2); /* below UserBase */
	TEST_CHECK_EQ(l4_thread_control(t, me, me, l4_pager(), 0x10000), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 6); /* UTCB outside the area */
	TEST_CHECK_EQ(l4_thread_control(t, me, me, l4_pager(), UTCB_AREA), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 6); /* our own UTCB slot */
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1); /* delete it */
	TEST_CHECK_EQ(l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 2);
	l4_threadid_t s = new_tid().raw;
	TEST_CHECK_EQ(l4_thread_control(s, s, me, L4_NILTHREAD, ~0ull), 1);
	TEST_CHECK_EQ(
	    l4_space_control(s, 0, l4_fpage_log2(KIP_AREA, 13), l4_fpage_log2(UTCB_AREA, 14), L4_NILTHREAD, NULL), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 7);
	TEST_CHECK_EQ(
	    l4_space_control(s, 0, l4_fpage_log2(KIP_AREA, 12), l4_fpage_log2(KIP_AREA, 12), L4_NILTHREAD, NULL), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 6);
	TEST_CHECK_EQ(l4_space_control(l4_global_id(5002, 1), 0, 0, 0, L4_NILTHREAD, NULL), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), 3);
	TEST_CHECK_EQ(l4_schedule(s, ~0ull, ~0ull, 50, ~0ull, NULL), 2); /* inactive */
	TEST_CHECK_EQ(l4_schedule(l4_global_id(5003, 1), ~0ull, ~0ull, 50, ~0ull, NULL), 0);
	TEST_CHECK_EQ(l4_thread_control(s, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
}

int main(void)
{
	printf("x2 suite: threads, spaces and paging from thread %llx\n", (unsigned long long)l4_myself());
	test_run_all("x2");
}
