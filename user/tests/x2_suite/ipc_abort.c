/* SPDX-License-Identifier: MIT */
/* X.2 suite: ExchangeRegisters aborts and ThreadControl deletes an IPC whose string copy waits for a page fault. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include "x2.h"

/*
 * Every case: a sender S and a receiver R of our space, both paged by a pager P
 * of our space that serves every fault at once except one on the "held" page:
 * that one it reports to us (label LBL_FAULT) and answers only when told. The
 * string (300 bytes) starts 100 bytes before the held page, in R's buffer or in
 * S's source, so the copy has moved exactly 100 bytes when it waits. Nothing
 * here waits for time to pass: each step waits for a message or a thread state.
 */

#define STR_LEN 300
#define BEFORE_HELD 100
#define ABORTED 7
#define ERR_WORD(code, off, phase) ((((L4_Word_t)(code) + ((L4_Word_t)(off) << 3)) << 1) | (phase))

enum {
	LBL_FAULT = 0x41, /* P -> us: MR1 the held fault's address, MR2 the faulting thread (as P sees it) */
	LBL_ANSWER = 0x42, /* us -> P: answer thread MR1 now (empty reply, zero timeout) */
	LBL_ANSWERED = 0x43, /* P -> us: MR1 that reply's error word (0: delivered) */
	LBL_HOLD = 0x44, /* us -> P: receive from us only until the next command */
	LBL_POLL = 0x45, /* us -> P: take any message waiting for P (zero timeout) */
	LBL_POLLED = 0x46, /* P -> us: MR1 the error word (0xffff: a message was there) */
	LBL_SENT = 0x31, /* S -> us: MR1 its string send's error word (0xffff: none) */
	LBL_GOT = 0x33, /* R -> us: the same for its receive */
	LBL_GO = 0x35, /* us -> S, R: do the second IPC, with the partner named in xc */
	LBL_AGAIN_SENT = 0x36, /* S -> us: second send's error word */
	LBL_AGAIN_GOT = 0x37, /* R -> us: the word it received, or the error word | 1 << 63 */
};

static char ab_pages[8][2][4096] __attribute__((aligned(4096)));
static char ab_src[STR_LEN], ab_dst[STR_LEN];
static unsigned ab_next_pages;

/* What the threads of one case read; set before they start. */
static struct {
	L4_ThreadId_t main;
	volatile L4_ThreadId_t s, r;
	const char *src;
	char *dst;
	volatile L4_Word_t held_page;
} xc;

/* A message of `label` with the untyped words w1 (and w2, if two) into MR0 and up. */
static void load_words(L4_Word_t label, int n, L4_Word_t w1, L4_Word_t w2)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, label);
	L4_MsgAppendWord(&msg, w1);
	if (n == 2)
		L4_MsgAppendWord(&msg, w2);
	L4_MsgLoad(&msg);
}

static void report(L4_Word_t label, L4_Word_t w1, L4_Word_t w2)
{
	load_words(label, 2, w1, w2);
	L4_Send(xc.main);
}

static L4_Word_t error_of(L4_MsgTag_t tag) { return L4_IpcFailed(tag) ? L4_ErrorCode() : 0xffff; }

/* An empty reply to `to` with a zero send timeout; its tag. */
static L4_MsgTag_t empty_reply(L4_ThreadId_t to)
{
	L4_Set_MsgTag(L4_Niltag);
	return L4_Send(to, L4_ZeroTime);
}

static void pager_command(L4_MsgTag_t tag);

static void serve_fault(L4_ThreadId_t from)
{
	L4_Word_t addr = msg_mr(1);
	if ((addr & ~0xfffull) == xc.held_page) {
		report(LBL_FAULT, addr, from.raw);
		return;
	}
	(void)*(volatile char *)addr; /* present in our space (sigma0 pages us): the faulter retries */
	empty_reply(from);
}

static void pager_thread(void)
{
	for (;;) {
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait(&from);
		if (L4_IpcFailed(tag))
			continue;
		if (msg_is_pagefault(tag))
			serve_fault(from);
		else
			pager_command(tag);
	}
}

static void pager_command(L4_MsgTag_t tag)
{
	L4_ThreadId_t from;
	switch (L4_Label(tag)) {
	case LBL_ANSWER:
		report(LBL_ANSWERED, error_of(empty_reply((L4_ThreadId_t){.raw = msg_mr(1)})) & 0xfff, 0);
		break;
	case LBL_HOLD: pager_command(L4_Receive(xc.main)); break;
	case LBL_POLL:
		tag = L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, L4_ZeroTime), &from);
		report(LBL_POLLED, error_of(tag), 0);
		break;
	}
}

/* The second IPC of a case, after our go: one untyped word from S to R. */
static void sender_again(void)
{
	L4_Receive(xc.main); /* go */
	load_words(0x22, 1, 0x5a5a, 0);
	report(LBL_AGAIN_SENT, error_of(L4_Send(xc.r)), 0);
	sleep_forever();
}

static void receiver_again(void)
{
	L4_Receive(xc.main); /* go */
	L4_MsgTag_t tag = L4_Receive(xc.s);
	report(LBL_AGAIN_GOT, L4_IpcFailed(tag) ? L4_ErrorCode() | 1ull << 63 : msg_mr(1), 0);
	sleep_forever();
}

static void sender_thread(void)
{
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, 0x21);
	L4_MsgAppendSimpleStringItem(&msg, L4_StringItem(STR_LEN, (void *)xc.src));
	L4_MsgLoad(&msg);
	report(LBL_SENT, error_of(L4_Send(xc.r)), 0);
	sender_again();
}

static void receiver_thread(void)
{
	L4_StringItem_t buffer = L4_StringItem(STR_LEN, xc.dst);
	L4_LoadBRs(1, 2, buffer.raw); /* BR1, BR2: the one receive buffer */
	L4_Accept(L4_StringItemsAcceptor);
	report(LBL_GOT, error_of(L4_Receive(xc.s)), 0);
	receiver_again();
}

/* The code the case threads run is present before they run it: a fault on it
 * would otherwise queue at a holding pager. */
static void touch_code(void (*fn)(void))
{
	(void)*(volatile const char *)fn;
	(void)*((volatile const char *)fn + 200);
}

/* ---- the steps of a case ------------------------------------------------------------------ */

/* The message labelled `label` from t (MR1; MR2 in *w2); ~0 if none came. */
static L4_Word_t await(L4_ThreadId_t t, L4_Word_t label, L4_Word_t *w2)
{
	L4_MsgTag_t tag = L4_Receive(t, L4_TimePeriod(2000000));
	if (L4_IpcFailed(tag) || L4_Label(tag) != label)
		return ~0ull;
	if (w2)
		*w2 = msg_mr(2);
	return msg_mr(1);
}

static void command(L4_ThreadId_t to, L4_Word_t label, L4_Word_t w)
{
	load_words(label, 1, w, 0);
	L4_Send(to);
}

/* Schedule that changes nothing (every word ~0): the thread's state (L4_SchedResult_*). */
static L4_Word_t sched_state(L4_ThreadId_t t) { return L4_Schedule(t, ~0ul, ~0ul, ~0ul, ~0ul, NULL); }

static L4_ThreadId_t pager_tid;

static void delete_thread(L4_ThreadId_t t)
{
	if (!L4_IsNilThread(t))
		L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull);
}

/* Sets up a case up to the held fault: the string crosses into a fresh page of
 * the sender's source (src_fault) or of the receiver's buffer; with
 * sender_first the sender blocks first and the receiver copies, else the
 * receiver waits first and the sender copies. The pager starts out holding
 * (closed receive from us) with hold_pager: the fault then waits in its queue.
 * Returns false if a step failed. */
static bool start_case(bool src_fault, bool sender_first, bool hold_pager)
{
	char(*pages)[4096] = ab_pages[ab_next_pages++ % 8];
	memset(pages[0], 0x11, 4096); /* the first page is present, the second is not */
	char *cross = pages[0] + 4096 - BEFORE_HELD;
	for (unsigned i = 0; i < BEFORE_HELD; i++)
		cross[i] = (char)(0x30 + i);
	memset(ab_src, 0, sizeof ab_src);
	for (unsigned i = 0; i < sizeof ab_src; i++)
		ab_src[i] = (char)(0x60 + i);
	memset(ab_dst, 0, sizeof ab_dst);
	xc.main = L4_Myself();
	xc.held_page = (L4_Word_t)pages[1];
	xc.src = src_fault ? cross : ab_src;
	xc.dst = src_fault ? ab_dst : cross;
	if (!src_fault)
		memset(cross, 0, BEFORE_HELD);
	touch_code(sender_thread);
	touch_code(receiver_thread);
	touch_code(sender_again);
	touch_code(receiver_again);
	touch_code((void (*)(void))report);
	pager_tid = start_local(pager_thread);
	if (hold_pager) {
		command(pager_tid, LBL_HOLD, 0);
		if (!wait_state(pager_tid, 2))
			return false;
	}
	xc.s = new_tid();
	xc.r = new_tid();
	L4_ThreadId_t first = sender_first ? xc.s : xc.r, second = sender_first ? xc.r : xc.s;
	void (*first_fn)(void) = sender_first ? sender_thread : receiver_thread;
	void (*second_fn)(void) = sender_first ? receiver_thread : sender_thread;
	if (L4_ThreadControl(first, L4_Myself(), L4_Myself(), pager_tid, (void *)new_utcb()) != 1 ||
	    L4_ThreadControl(second, L4_Myself(), L4_Myself(), pager_tid, (void *)new_utcb()) != 1)
		return false;
	L4_Start_SpIp(first, new_stack(), (L4_Word_t)first_fn);
	if (!wait_state(first, sender_first ? 4 : 2))
		return false;
	L4_Start_SpIp(second, new_stack(), (L4_Word_t)second_fn);
	return true;
}

/* The held fault has reached the pager: its address and the faulting thread. */
static bool fault_held(L4_ThreadId_t faulter)
{
	L4_Word_t from = 0;
	L4_Word_t addr = await(pager_tid, LBL_FAULT, &from);
	return addr == xc.held_page && from == L4_LocalIdOf(faulter).raw;
}

/* Both threads report their first IPC's error words. */
static void first_results(L4_Word_t *s_err, L4_Word_t *r_err)
{
	*s_err = await(xc.s, LBL_SENT, NULL);
	*r_err = await(xc.r, LBL_GOT, NULL);
}

/* A second IPC between S and R (or their replacements in xc) works. */
static bool second_ipc_works(L4_ThreadId_t s, L4_ThreadId_t r)
{
	command(r, LBL_GO, 0);
	command(s, LBL_GO, 0);
	return await(s, LBL_AGAIN_SENT, NULL) == 0xffff && await(r, LBL_AGAIN_GOT, NULL) == 0x5a5a;
}

/* The 100 bytes before the held page arrived, and nothing after them. */
static bool partial_copy(bool src_fault)
{
	const char *want = src_fault ? (const char *)xc.held_page - BEFORE_HELD : ab_src;
	return memcmp(xc.dst, want, BEFORE_HELD) == 0 && (src_fault ? ab_dst[BEFORE_HELD] == 0 : true);
}

static void end_case(void)
{
	delete_thread(xc.s);
	delete_thread(xc.r);
	delete_thread(pager_tid);
}

/* ---- the cases ----------------------------------------------------------------------------- */

/* One abort case: S and R meet with the copy waiting for a fault held by the
 * pager (raised in S's name if `fault_of_sender`, else in R's). The side's
 * other flag leaves the victim alone; its own flag aborts the transfer: both
 * get "aborted" with their offsets, the partial copy stays, the pager's late
 * answer to the faulter fails, and a new IPC between S and R works. */
static void abort_case(bool src_fault, bool sender_first, bool abort_sender, bool fault_of_sender)
{
	TEST_CHECK(start_case(src_fault, sender_first, false));
	L4_ThreadId_t faulter = fault_of_sender ? xc.s : xc.r, victim = abort_sender ? xc.s : xc.r;
	L4_Word_t side = abort_sender ? 4 : 2, old = 0; /* the S or R flag of ExchangeRegisters */
	TEST_CHECK(fault_held(faulter));
	TEST_CHECK_EQ(thread_state_of(xc.s) & 6, 4); /* each on its side, even inside a fault IPC */
	TEST_CHECK_EQ(thread_state_of(xc.r) & 6, 2);
	TEST_CHECK_EQ(sched_state(xc.s), 5); /* Schedule: sending, the transfer under way */
	TEST_CHECK_EQ(sched_state(xc.r), 7); /* receiving */
	if (!src_fault) { /* the other side's flag does nothing */
		L4_ExchangeRegisters(victim, side ^ 6, 0, 0, 0, 0, L4_nilthread, &old, NULL, NULL, NULL, NULL, NULL);
		TEST_CHECK_EQ(old & 6, side);
		TEST_CHECK_EQ(thread_state_of(victim) & 6, side);
	}
	L4_ExchangeRegisters(victim, side, 0, 0, 0, 0, L4_nilthread, &old, NULL, NULL, NULL, NULL, NULL);
	TEST_CHECK_EQ(old & 6, side);
	L4_Word_t s_err, r_err;
	first_results(&s_err, &r_err);
	TEST_CHECK_EQ(s_err, ERR_WORD(ABORTED, BEFORE_HELD, 0));
	TEST_CHECK_EQ(r_err, ERR_WORD(ABORTED, BEFORE_HELD, 1));
	TEST_CHECK(partial_copy(src_fault));
	command(pager_tid, LBL_ANSWER, L4_LocalIdOf(faulter).raw); /* the withdrawn fault: nobody waits for it */
	TEST_CHECK_EQ(await(pager_tid, LBL_ANSWERED, NULL), ERR_WORD(1, 0, 0)); /* timeout, send phase */
	TEST_CHECK(second_ipc_works(xc.s, xc.r));
	end_case();
}

USER_TEST(abort_xfer_sender, "x2.ipc.abort_xfer.sender",
	  "abort-send on a sender whose copy waits for a fault in the receiver's buffer: both get 'aborted' at 100 "
	  "bytes; the pager's late answer fails; a new IPC between them works")
{
	abort_case(false, false, true, false); /* R waits first: S copies, R's fault */
}

USER_TEST(abort_xfer_receiver, "x2.ipc.abort_xfer.receiver",
	  "abort-receive on a receiver whose copy waits for a fault in its own buffer: both get 'aborted' at 100 bytes")
{
	abort_case(false, true, false, false); /* S blocks first: R copies, its own fault */
}

USER_TEST(abort_xfer_source, "x2.ipc.abort_xfer.source",
	  "abort-send on a sender whose copy waits for a fault on its own source page: both get 'aborted'")
{
	abort_case(true, false, true, true); /* R waits first: S copies, its own fault */
}

USER_TEST(abort_xfer_tunnelled_source, "x2.ipc.abort_xfer.tunnelled_source",
	  "abort-receive on a receiver copying from a sender whose source page faults in the sender's name")
{
	abort_case(true, true, false, true); /* S blocks first: R copies, the fault is S's */
}

USER_TEST(abort_xfer_queued_fault, "x2.ipc.abort_xfer.queued_fault",
	  "abort while the fault raised for the partner still waits in the pager's queue: the pager never sees it")
{
	TEST_CHECK(start_case(false, false, true)); /* the pager receives from us only */
	TEST_CHECK(wait_state(xc.s, 4)); /* S copies and waits for R's fault, queued at the pager */
	L4_ExchangeRegisters(xc.r, 0x2, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL);
	L4_Word_t s_err, r_err;
	first_results(&s_err, &r_err);
	TEST_CHECK_EQ(s_err, ERR_WORD(ABORTED, BEFORE_HELD, 0));
	TEST_CHECK_EQ(r_err, ERR_WORD(ABORTED, BEFORE_HELD, 1));
	command(pager_tid, LBL_POLL, 0); /* ends the hold, then looks for a waiting message */
	TEST_CHECK_EQ(await(pager_tid, LBL_POLLED, NULL), ERR_WORD(1, 0, 1)); /* nothing: receive timeout */
	TEST_CHECK(second_ipc_works(xc.s, xc.r));
	end_case();
}

USER_TEST(delete_xfer_copier, "x2.ipc.abort_xfer.delete_copier",
	  "deleting a sender whose copy waits for the receiver's fault: the receiver gets 'aborted' and works on")
{
	TEST_CHECK(start_case(false, false, false));
	TEST_CHECK(fault_held(xc.r));
	TEST_CHECK_EQ(L4_ThreadControl(xc.s, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull), 1);
	TEST_CHECK_EQ(await(xc.r, LBL_GOT, NULL), ERR_WORD(ABORTED, BEFORE_HELD, 1));
	TEST_CHECK(partial_copy(false));
	command(pager_tid, LBL_ANSWER, L4_LocalIdOf(xc.r).raw);
	TEST_CHECK_EQ(await(pager_tid, LBL_ANSWERED, NULL), ERR_WORD(1, 0, 0));
	xc.s = start_local(sender_again); /* a new sender */
	TEST_CHECK(!L4_IsNilThread(xc.s));
	TEST_CHECK(second_ipc_works(xc.s, xc.r));
	end_case();
}

USER_TEST(delete_xfer_partner, "x2.ipc.abort_xfer.delete_partner",
	  "deleting a receiver whose buffer fault a sender's copy waits for: the sender gets 'aborted' and works on; "
	  "the pager's late answer finds no partner")
{
	TEST_CHECK(start_case(false, false, false));
	TEST_CHECK(fault_held(xc.r));
	L4_Word_t r_local = L4_LocalIdOf(xc.r).raw;
	TEST_CHECK_EQ(L4_ThreadControl(xc.r, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull), 1);
	TEST_CHECK_EQ(await(xc.s, LBL_SENT, NULL), ERR_WORD(ABORTED, BEFORE_HELD, 0));
	command(pager_tid, LBL_ANSWER, r_local);
	TEST_CHECK_EQ(await(pager_tid, LBL_ANSWERED, NULL), ERR_WORD(2, 0, 0)); /* no partner */
	xc.r = start_local(receiver_again); /* a new receiver */
	TEST_CHECK(!L4_IsNilThread(xc.r));
	TEST_CHECK(second_ipc_works(xc.s, xc.r));
	end_case();
}
