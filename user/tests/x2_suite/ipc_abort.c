/* SPDX-License-Identifier: MIT */
/* X.2 suite: ExchangeRegisters aborts and ThreadControl deletes an IPC whose string copy waits for a page fault. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
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
#define ERR_WORD(code, off, phase) ((((l4_word_t)(code) + ((l4_word_t)(off) << 3)) << 1) | (phase))

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
	l4_threadid_t main;
	volatile l4_threadid_t s, r;
	const char *src;
	char *dst;
	volatile l4_word_t held_page;
} xc;

static void report(l4_word_t label, l4_word_t w1, l4_word_t w2)
{
	l4_utcb()[0] = l4_msgtag(label, 2, 0, 0);
	l4_utcb()[1] = w1;
	l4_utcb()[2] = w2;
	l4_send(xc.main);
}

static l4_word_t error_of(l4_msgtag_t tag) { return l4_ipc_failed(tag) ? L4_ErrorCode() : 0xffff; }

static void pager_command(l4_msgtag_t tag);

static void serve_fault(l4_threadid_t from)
{
	l4_word_t addr = l4_utcb()[1];
	if ((addr & ~0xfffull) == xc.held_page) {
		report(LBL_FAULT, addr, from);
		return;
	}
	(void)*(volatile char *)addr; /* present in our space (sigma0 pages us): the faulter retries */
	l4_utcb()[0] = 0;
	l4_send_timeout(from, L4_ZERO_TIME);
}

static void pager_thread(void)
{
	for (;;) {
		l4_threadid_t from;
		l4_msgtag_t tag = l4_wait(&from);
		if (l4_ipc_failed(tag))
			continue;
		if ((tag >> 20) == ((l4_word_t)-2 << 20) >> 20)
			serve_fault(from);
		else
			pager_command(tag);
	}
}

static void pager_command(l4_msgtag_t tag)
{
	l4_threadid_t from;
	switch (L4_TAG_LABEL(tag)) {
	case LBL_ANSWER:
		l4_utcb()[0] = 0;
		report(LBL_ANSWERED, error_of(l4_send_timeout(l4_utcb()[1], L4_ZERO_TIME)) & 0xfff, 0);
		break;
	case LBL_HOLD: pager_command(l4_receive(xc.main)); break;
	case LBL_POLL:
		tag = l4_ipc(L4_NILTHREAD, L4_ANYTHREAD, L4_TIMEOUTS(0, L4_ZERO_TIME), &from);
		report(LBL_POLLED, error_of(tag), 0);
		break;
	}
}

/* The second IPC of a case, after our go: one untyped word from S to R. */
static void sender_again(void)
{
	l4_receive(xc.main); /* go */
	l4_utcb()[0] = l4_msgtag(0x22, 1, 0, 0);
	l4_utcb()[1] = 0x5a5a;
	report(LBL_AGAIN_SENT, error_of(l4_send(xc.r)), 0);
	sleep_forever();
}

static void receiver_again(void)
{
	l4_receive(xc.main); /* go */
	l4_msgtag_t tag = l4_receive(xc.s);
	report(LBL_AGAIN_GOT, l4_ipc_failed(tag) ? L4_ErrorCode() | 1ull << 63 : l4_utcb()[1], 0);
	sleep_forever();
}

static void sender_thread(void)
{
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(0x21, 0, 2, 0);
	mr[1] = l4_string_item_word0(STR_LEN, 1, 0);
	mr[2] = (l4_word_t)xc.src;
	report(LBL_SENT, error_of(l4_send(xc.r)), 0);
	sender_again();
}

static void receiver_thread(void)
{
	l4_word_t *br = l4_utcb() - 16; /* br[-i] is BR i */
	br[-1] = l4_string_item_word0(STR_LEN, 1, 0);
	br[-2] = (l4_word_t)xc.dst;
	l4_accept_strings(L4_NILPAGE);
	report(LBL_GOT, error_of(l4_receive(xc.s)), 0);
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

static l4_threadid_t local_id_of(l4_threadid_t t)
{
	return l4_exchange_registers(t, 0, 0, 0, 0, 0, L4_NILTHREAD, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* The message labelled `label` from t (MR1; MR2 in *w2); ~0 if none came. */
static l4_word_t await(l4_threadid_t t, l4_word_t label, l4_word_t *w2)
{
	l4_msgtag_t tag = l4_receive_timeout(t, l4_time_period(2000000));
	if (l4_ipc_failed(tag) || L4_TAG_LABEL(tag) != label)
		return ~0ull;
	if (w2)
		*w2 = l4_utcb()[2];
	return l4_utcb()[1];
}

static void command(l4_threadid_t to, l4_word_t label, l4_word_t w)
{
	l4_utcb()[0] = l4_msgtag(label, 1, 0, 0);
	l4_utcb()[1] = w;
	l4_send(to);
}

static l4_threadid_t pager_tid;

static void delete_thread(l4_threadid_t t)
{
	if (t != L4_NILTHREAD)
		l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
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
	xc.main = l4_myself();
	xc.held_page = (l4_word_t)pages[1];
	xc.src = src_fault ? cross : ab_src;
	xc.dst = src_fault ? ab_dst : cross;
	if (!src_fault)
		memset(cross, 0, BEFORE_HELD);
	touch_code(sender_thread);
	touch_code(receiver_thread);
	touch_code(sender_again);
	touch_code(receiver_again);
	touch_code((void (*)(void))report);
	pager_tid = start_local(pager_thread).raw;
	if (hold_pager) {
		command(pager_tid, LBL_HOLD, 0);
		if (!wait_state((L4_ThreadId_t){.raw = pager_tid}, 2))
			return false;
	}
	xc.s = new_tid().raw;
	xc.r = new_tid().raw;
	l4_threadid_t first = sender_first ? xc.s : xc.r, second = sender_first ? xc.r : xc.s;
	void (*first_fn)(void) = sender_first ? sender_thread : receiver_thread;
	void (*second_fn)(void) = sender_first ? receiver_thread : sender_thread;
	if (l4_thread_control(first, l4_myself(), l4_myself(), pager_tid, new_utcb()) != 1 ||
	    l4_thread_control(second, l4_myself(), l4_myself(), pager_tid, new_utcb()) != 1)
		return false;
	l4_start_sp_ip(first, new_stack(), (l4_word_t)first_fn);
	if (!wait_state((L4_ThreadId_t){.raw = first}, sender_first ? 4 : 2))
		return false;
	l4_start_sp_ip(second, new_stack(), (l4_word_t)second_fn);
	return true;
}

/* The held fault has reached the pager: its address and the faulting thread. */
static bool fault_held(l4_threadid_t faulter)
{
	l4_word_t from = 0;
	l4_word_t addr = await(pager_tid, LBL_FAULT, &from);
	return addr == xc.held_page && from == local_id_of(faulter);
}

/* Both threads report their first IPC's error words. */
static void first_results(l4_word_t *s_err, l4_word_t *r_err)
{
	*s_err = await(xc.s, LBL_SENT, NULL);
	*r_err = await(xc.r, LBL_GOT, NULL);
}

/* A second IPC between S and R (or their replacements in xc) works. */
static bool second_ipc_works(l4_threadid_t s, l4_threadid_t r)
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
	l4_threadid_t faulter = fault_of_sender ? xc.s : xc.r, victim = abort_sender ? xc.s : xc.r;
	l4_word_t side = abort_sender ? 4 : 2, old = 0; /* the S or R flag of ExchangeRegisters */
	TEST_CHECK(fault_held(faulter));
	TEST_CHECK_EQ(thread_state_of((L4_ThreadId_t){.raw = xc.s}) & 6,
		      4); /* each on its side, even inside a fault IPC */
	TEST_CHECK_EQ(thread_state_of((L4_ThreadId_t){.raw = xc.r}) & 6, 2);
	TEST_CHECK_EQ(l4_set_priority(xc.s, ~0ull), 5); /* Schedule: sending, the transfer under way */
	TEST_CHECK_EQ(l4_set_priority(xc.r, ~0ull), 7); /* receiving */
	if (!src_fault) { /* the other side's flag does nothing */
		l4_exchange_registers(victim, side ^ 6, 0, 0, 0, 0, L4_NILTHREAD, &old, NULL, NULL, NULL, NULL, NULL);
		TEST_CHECK_EQ(old & 6, side);
		TEST_CHECK_EQ(thread_state_of((L4_ThreadId_t){.raw = victim}) & 6, side);
	}
	l4_exchange_registers(victim, side, 0, 0, 0, 0, L4_NILTHREAD, &old, NULL, NULL, NULL, NULL, NULL);
	TEST_CHECK_EQ(old & 6, side);
	l4_word_t s_err, r_err;
	first_results(&s_err, &r_err);
	TEST_CHECK_EQ(s_err, ERR_WORD(ABORTED, BEFORE_HELD, 0));
	TEST_CHECK_EQ(r_err, ERR_WORD(ABORTED, BEFORE_HELD, 1));
	TEST_CHECK(partial_copy(src_fault));
	command(pager_tid, LBL_ANSWER, local_id_of(faulter)); /* the withdrawn fault: nobody waits for it */
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
	TEST_CHECK(
	    wait_state((L4_ThreadId_t){.raw = xc.s}, 4)); /* S copies and waits for R's fault, queued at the pager */
	l4_exchange_registers(xc.r, 0x2, 0, 0, 0, 0, L4_NILTHREAD, NULL, NULL, NULL, NULL, NULL, NULL);
	l4_word_t s_err, r_err;
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
	TEST_CHECK_EQ(l4_thread_control(xc.s, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
	TEST_CHECK_EQ(await(xc.r, LBL_GOT, NULL), ERR_WORD(ABORTED, BEFORE_HELD, 1));
	TEST_CHECK(partial_copy(false));
	command(pager_tid, LBL_ANSWER, local_id_of(xc.r));
	TEST_CHECK_EQ(await(pager_tid, LBL_ANSWERED, NULL), ERR_WORD(1, 0, 0));
	xc.s = start_local(sender_again).raw; /* a new sender */
	TEST_CHECK(xc.s != L4_NILTHREAD);
	TEST_CHECK(second_ipc_works(xc.s, xc.r));
	end_case();
}

USER_TEST(delete_xfer_partner, "x2.ipc.abort_xfer.delete_partner",
	  "deleting a receiver whose buffer fault a sender's copy waits for: the sender gets 'aborted' and works on; "
	  "the pager's late answer finds no partner")
{
	TEST_CHECK(start_case(false, false, false));
	TEST_CHECK(fault_held(xc.r));
	l4_threadid_t r_local = local_id_of(xc.r);
	TEST_CHECK_EQ(l4_thread_control(xc.r, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull), 1);
	TEST_CHECK_EQ(await(xc.s, LBL_SENT, NULL), ERR_WORD(ABORTED, BEFORE_HELD, 0));
	command(pager_tid, LBL_ANSWER, r_local);
	TEST_CHECK_EQ(await(pager_tid, LBL_ANSWERED, NULL), ERR_WORD(2, 0, 0)); /* no partner */
	xc.r = start_local(receiver_again).raw; /* a new receiver */
	TEST_CHECK(xc.r != L4_NILTHREAD);
	TEST_CHECK(second_ipc_works(xc.s, xc.r));
	end_case();
}
