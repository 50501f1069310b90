/* SPDX-License-Identifier: MIT */
/* Map items whose flush is preempted (run under -icount): ThreadControl deletes a partner, its space or the copier, ExchangeRegisters aborts. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/kip.h>
#include <mnemo/kmem.h>
#include <x2msg.h>

/*
 * Every case: a receiver R in a new space B holds our page fan_page at the same
 * address, and has mapped it FAN_PAGES times into our space (FAN_WIN), so that
 * B's mapping has that many derived mappings. A sender S then maps its
 * repl_page onto fan_page in B: the map replaces B's mapping and first
 * flushes its derived mappings in bounded steps with preemption points
 * (docs/mdb.md "Preemption"), about 7 ms of guest time. We (the root task,
 * priority 255) sleep DELETER_SLEEP_US meanwhile and then, woken by the timer
 * while the copier is preempted in that flush, delete or abort one side. The
 * copier is whoever runs the transfer: S if R waited first, R if S was blocked
 * in its send first. Guest time is deterministic (-icount), so the wake-up
 * always falls inside the flush; if it did not, the IPC would succeed and the
 * case fail. Threads of new spaces touch every page of our image first, so
 * that they never fault after our go (we do not serve faults while we sleep).
 */

#define FAN_PAGES 10000
#define FAN_ITEMS 31 /* map items per message */
#define FAN_WIN 0x40000000ull /* 1 GiB window in our space */
#define FAN_STRIDE (64ull << 20) /* each case its own 64 MiB of it */
#define DELETER_SLEEP_US 2000
#define REPORT_TIMEOUT_US 1000000
#define ABORTED_SEND 0xe /* X.2 error word: "aborted" (7), send phase, offset 0 */
#define ABORTED_RECV 0xf
#define FAN_MARK 0x66616eull
#define REPL_MARK 0x7265706cull
#define UTCB_AREA 0xBF000000ull
#define KIP_AREA 0xBFF00000ull
#define STACK_WORDS 2048
#define NSTACKS 12

enum {
	LBL_FAN = 0x51, /* R -> us: FAN_ITEMS map items into our window (a call) */
	LBL_READY = 0x52, /* a case thread -> us: everything touched, waiting for our go */
	LBL_GO = 0x53, /* us -> a case thread */
	LBL_RESULT = 0x54, /* a case thread -> us: MR1 its IPC's error word (0: done) */
};

extern char _start[], _end[];
static char fan_page[4096] __attribute__((aligned(4096)));
static char repl_page[4096] __attribute__((aligned(4096)));
static L4_Word_t stacks[NSTACKS][STACK_WORDS] __attribute__((aligned(4096)));
static unsigned next_thread = 1, next_slot = 1, next_stack;

/* What the case threads read (our pages, shared with their spaces). */
static struct {
	L4_ThreadId_t main;
	volatile L4_ThreadId_t s, r;
	volatile L4_Word_t fan_base;
} mc;

static L4_ThreadId_t new_tid(void) { return L4_GlobalId(L4_ThreadNo(L4_Myself()) + next_thread++, 1); }

/* The fpage of our page at addr, fully accessible. */
static L4_Fpage_t page_at(L4_Word_t addr) { return L4_FpageAddRights(L4_FpageLog2(addr, 12), L4_FullyAccessible); }

static L4_Word_t new_stack(void)
{
	L4_Word_t *st = stacks[next_stack++ % NSTACKS];
	return (L4_Word_t)&st[STACK_WORDS - 2];
}

static void sleep_forever(void)
{
	for (;;)
		L4_Receive(L4_Myself());
}

static void say(L4_Word_t label, L4_Word_t w)
{
	L4_Set_MsgTag(msg_tag(label, 1, 0));
	L4_LoadMR(1, w);
	L4_Send(mc.main);
}

static L4_Word_t error_of(L4_MsgTag_t tag) { return L4_IpcFailed(tag) ? L4_ErrorCode() : 0; }

/* A thread of a new space: every page of our image present before anything else. */
static void touch_image(void)
{
	for (char *p = (char *)((L4_Word_t)_start & ~0xfffull); p < _end; p += 4096)
		(void)*(volatile char *)p;
}

/* ---- the case threads ---------------------------------------------------------------------- */

/* R: fan_page (ours, mapped by us at the same address) FAN_PAGES times into our window. */
static void build_fan(void)
{
	L4_Msg_t msg;
	for (unsigned i = 0; i < FAN_PAGES; i += FAN_ITEMS) {
		unsigned k = FAN_PAGES - i < FAN_ITEMS ? FAN_PAGES - i : FAN_ITEMS;
		L4_MsgClear(&msg);
		L4_Set_MsgLabel(&msg, LBL_FAN);
		for (unsigned j = 0; j < k; j++)
			L4_MsgAppendMapItem(
			    &msg, L4_MapItem(page_at((L4_Word_t)fan_page), mc.fan_base + (L4_Word_t)(i + j) * 4096));
		L4_MsgLoad(&msg);
		L4_Call(mc.main);
	}
}

/* The receive that replaces fan_page in B; its result to us with the word R
 * then reads at fan_page (a fault there is answered with our fan_page). */
static void receive_replacement(void)
{
	L4_Accept(L4_MapGrantItems(L4_FpageLog2((L4_Word_t)fan_page, 12)));
	L4_Word_t err = error_of(L4_Receive(mc.s));
	L4_Word_t seen = *(volatile L4_Word_t *)fan_page;
	L4_Set_MsgTag(msg_tag(LBL_RESULT, 2, 0));
	L4_LoadMR(1, err);
	L4_LoadMR(2, seen);
	L4_Send(mc.main);
	sleep_forever();
}

/* R when S copies: it waits in its receive first. */
static void receiver_waiting(void)
{
	touch_image();
	build_fan();
	say(LBL_READY, 0);
	receive_replacement();
}

/* R as the copier: it receives after our go, S being blocked in its send by then. */
static void receiver_copying(void)
{
	touch_image();
	build_fan();
	say(LBL_READY, 0);
	L4_Receive(mc.main); /* go */
	receive_replacement();
}

/* R when its space is destroyed under it: it only holds the fan. */
static void receiver_idle(void)
{
	touch_image();
	build_fan();
	say(LBL_READY, 0);
	sleep_forever();
}

/* D: deletes R after our go, and with it R's space B, whose destruction flushes the fan. */
static void destroyer(void)
{
	L4_Receive(mc.main); /* go */
	L4_ThreadControl(mc.r, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull);
	say(LBL_RESULT, 0);
	sleep_forever();
}

static void sender(void)
{
	L4_Receive(mc.main); /* go */
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, 0x21);
	L4_MsgAppendMapItem(&msg, L4_MapItem(page_at((L4_Word_t)repl_page), (L4_Word_t)repl_page));
	L4_MsgLoad(&msg);
	say(LBL_RESULT, error_of(L4_Send(mc.r)));
	sleep_forever();
}

static void sender_child(void)
{
	touch_image();
	say(LBL_READY, 0);
	sender();
}

/* ---- our side ---------------------------------------------------------------------------------- */

/* A thread in a new space, paged by us and started at fn; nil if a step fails. */
static L4_ThreadId_t start_child(void (*fn)(void))
{
	L4_ThreadId_t c = new_tid();
	if (L4_ThreadControl(c, c, L4_Myself(), L4_nilthread, (void *)~0ull) != 1 ||
	    L4_SpaceControl(c, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 14), L4_anythread, NULL) != 1 ||
	    L4_ThreadControl(c, c, L4_Myself(), L4_Myself(), (void *)UTCB_AREA) != 1)
		return L4_nilthread;
	L4_Set_MsgTag(msg_tag(0, 2, 0)); /* the start message: IP, SP */
	L4_LoadMR(1, (L4_Word_t)fn);
	L4_LoadMR(2, new_stack());
	return L4_IpcFailed(L4_Send(c)) ? L4_nilthread : c;
}

static L4_ThreadId_t start_local(void (*fn)(void))
{
	L4_ThreadId_t t = new_tid();
	if (L4_ThreadControl(t, L4_Myself(), L4_Myself(), L4_Pager(), (void *)(UTCB_AREA + 1024 * next_slot++)) != 1)
		return L4_nilthread;
	L4_Start_SpIp(t, new_stack(), (L4_Word_t)fn);
	return t;
}

static void delete_thread(L4_ThreadId_t t)
{
	L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull);
}

static L4_Word_t last_mr2; /* MR2 of the message serve() returned */

/* Serves t's page faults (our page at the same address) and fan messages
 * until t sends anything else: its label, MR1 in *w; 0 on a failed IPC. */
static L4_Word_t serve(L4_ThreadId_t t, L4_Word_t *w)
{
	L4_ThreadId_t from;
	L4_Msg_t msg;
	L4_Accept(L4_MapGrantItems(L4_FpageLog2(FAN_WIN, 30)));
	L4_MsgTag_t tag = L4_Receive_Timeout(t, L4_TimePeriod(REPORT_TIMEOUT_US));
	for (;;) {
		if (L4_IpcFailed(tag))
			return 0;
		if (msg_is_pagefault(tag)) {
			L4_Word_t addr;
			L4_StoreMR(1, &addr);
			addr &= ~0xfffull;
			(void)*(volatile char *)addr; /* present in our space before we map it */
			L4_MsgClear(&msg);
			L4_MsgAppendMapItem(&msg, L4_MapItem(page_at(addr), addr));
			L4_MsgLoad(&msg);
		} else if (L4_Label(tag) == LBL_FAN) {
			L4_Set_MsgTag(L4_Niltag);
		} else {
			L4_StoreMR(1, w);
			L4_StoreMR(2, &last_mr2);
			return L4_Label(tag);
		}
		tag = L4_Ipc(t, t, L4_Timeouts(L4_ZeroTime, L4_TimePeriod(REPORT_TIMEOUT_US)), &from);
	}
}

/* The result a case thread reports (~0 if none came within the timeout). */
static L4_Word_t result_of(L4_ThreadId_t t)
{
	L4_Word_t w = ~0ull;
	return serve(t, &w) == LBL_RESULT ? w : ~0ull;
}

static void go(L4_ThreadId_t t)
{
	L4_Set_MsgTag(msg_tag(LBL_GO, 0, 0));
	L4_Send(t);
}

static void deleter_sleep(void) { L4_Sleep(L4_TimePeriod(DELETER_SLEEP_US)); }

static unsigned case_no;

/* A case's R in a new space, its fan built and ready; nil on failure. */
static L4_ThreadId_t setup_receiver(void (*fn)(void))
{
	mc.main = L4_Myself();
	*(volatile L4_Word_t *)fan_page = FAN_MARK;
	*(volatile L4_Word_t *)repl_page = REPL_MARK;
	mc.fan_base = FAN_WIN + FAN_STRIDE * (case_no++ % 8);
	L4_ThreadId_t r = start_child(fn);
	L4_Word_t w;
	if (L4_IsNilThread(r) || serve(r, &w) != LBL_READY)
		return L4_nilthread;
	mc.r = r;
	return r;
}

/* S of our space, lower than R: when we sleep, R enters its receive first. */
static L4_ThreadId_t setup_local_sender(void)
{
	L4_ThreadId_t s = start_local(sender);
	if (!L4_IsNilThread(s))
		L4_Set_Priority(s, 50);
	mc.s = s;
	return s;
}

/* S of a new space, ready; R made lower, so that S blocks in its send first. */
static L4_ThreadId_t setup_child_sender(L4_ThreadId_t r)
{
	L4_Word_t w;
	L4_ThreadId_t s = start_child(sender_child);
	if (L4_IsNilThread(s) || serve(s, &w) != LBL_READY)
		return L4_nilthread;
	L4_Set_Priority(r, 50);
	mc.s = s;
	return s;
}

/* The kernel still works: a new space is created, pages its image in and is deleted. */
static bool kernel_still_works(void)
{
	L4_ThreadId_t c = start_child(sender_child);
	L4_Word_t w;
	bool ok = !L4_IsNilThread(c) && serve(c, &w) == LBL_READY;
	delete_thread(c);
	return ok;
}

/* A case with R waiting first: S (of our space) sends and flushes B's mapping;
 * we sleep until S is preempted in that flush. False if a step failed. */
static bool start_sender_copying(L4_ThreadId_t *r, L4_ThreadId_t *s)
{
	*r = setup_receiver(receiver_waiting);
	*s = L4_IsNilThread(*r) ? L4_nilthread : setup_local_sender();
	if (L4_IsNilThread(*s))
		return false;
	go(*s);
	deleter_sleep(); /* R receives, S sends and flushes B's mapping */
	return true;
}

/* A case with S (of a new space A) blocked in its send first: R takes the
 * message and flushes; we sleep until R is preempted in that flush. */
static bool start_receiver_copying(L4_ThreadId_t *r, L4_ThreadId_t *s)
{
	*r = setup_receiver(receiver_copying);
	*s = L4_IsNilThread(*r) ? L4_nilthread : setup_child_sender(*r);
	if (L4_IsNilThread(*s))
		return false;
	go(*s);
	go(*r);
	deleter_sleep(); /* S blocks in its send, R takes the message and flushes */
	return true;
}

USER_TEST(delete_receiver, "mapdel.delete_receiver_space",
	  "the receiver and its space are deleted while the sender's flush in that space is preempted: the "
	  "sender gets \"aborted\"")
{
	L4_ThreadId_t r, s;
	TEST_CHECK(start_sender_copying(&r, &s));
	delete_thread(r); /* its space B goes with it */
	TEST_CHECK_EQ(result_of(s), ABORTED_SEND);
	delete_thread(s);
	TEST_CHECK(kernel_still_works());
}

USER_TEST(delete_sender, "mapdel.delete_sender_space",
	  "the sender and its space are deleted while the receiver, copying, is preempted in the flush: the "
	  "receiver gets \"aborted\", and the sender's page is not mapped from the dead space")
{
	L4_ThreadId_t r, s;
	TEST_CHECK(start_receiver_copying(&r, &s));
	delete_thread(s); /* its space A, the map's source, goes with it */
	/* A new space C with repl_page mapped, before R runs again: the kernel
	 * hands out its last freed frames first, so C's space is where A's was
	 * if A was freed under R (then R would map C's page). */
	L4_Word_t w;
	L4_ThreadId_t c = start_child(sender_child);
	TEST_CHECK(!L4_IsNilThread(c) && serve(c, &w) == LBL_READY);
	TEST_CHECK_EQ(result_of(r), ABORTED_RECV);
	TEST_CHECK_EQ(last_mr2, FAN_MARK); /* nothing mapped from A, or from another space in its place */
	delete_thread(c);
	delete_thread(r);
	TEST_CHECK(kernel_still_works());
}

USER_TEST(delete_copier, "mapdel.delete_copier",
	  "the copier (the receiver) and its space, which it is flushing, are deleted while it is preempted: the "
	  "sender gets \"aborted\"")
{
	L4_ThreadId_t r, s;
	TEST_CHECK(start_receiver_copying(&r, &s));
	delete_thread(r);
	TEST_CHECK_EQ(result_of(s), ABORTED_SEND);
	delete_thread(s);
	TEST_CHECK(kernel_still_works());
}

USER_TEST(abort_copier, "mapdel.abort_copier",
	  "ExchangeRegisters aborts the sender preempted in its flush: both get \"aborted\" at the next step, not "
	  "after the whole flush")
{
	L4_ThreadId_t r, s;
	TEST_CHECK(start_sender_copying(&r, &s));
	L4_Word_t old = 0;
	L4_Clock_t t0 = L4_SystemClock();
	L4_ExchangeRegisters(s, 0x4, 0, 0, 0, 0, L4_nilthread, &old, NULL, NULL, NULL, NULL, NULL);
	TEST_CHECK_EQ(old & 4, 4); /* it was in its send */
	TEST_CHECK_EQ(result_of(s), ABORTED_SEND);
	L4_Word64_t took = L4_SystemClock().raw - t0.raw;
	TEST_CHECK_EQ(result_of(r), ABORTED_RECV);
	if (took >= 1000)
		printf("  the abort took %llu us: the flush was not stopped at its next step\n",
		       (unsigned long long)took);
	TEST_CHECK(took < 1000);
	delete_thread(s);
	delete_thread(r);
	TEST_CHECK(kernel_still_works());
}

/* Live mapping-database nodes, as of the last timer tick (we sleep two first). */
static L4_Word_t nodes_used(void)
{
	L4_Sleep(L4_TimePeriod(2000));
	return mnemo_kmem_stats(L4_GetKernelInterface())->nodes_used;
}

USER_TEST(delete_destroyer, "mapdel.delete_destroyer",
	  "a thread preempted while it destroys a space (the flush of its mappings) is deleted: its deleter "
	  "finishes the destruction, and every node of that space is freed")
{
	mc.main = L4_Myself();
	L4_ThreadId_t d = start_local(destroyer); /* its stack and ours touched before the count */
	TEST_CHECK(!L4_IsNilThread(d));
	L4_Set_Priority(d, 50);
	L4_Word_t before = nodes_used();
	L4_ThreadId_t r = setup_receiver(receiver_idle);
	TEST_CHECK(!L4_IsNilThread(r));
	TEST_CHECK(nodes_used() >= before + FAN_PAGES); /* the fan is in place */
	go(d);
	deleter_sleep(); /* D deletes R: B's destruction flushes the fan in preemptible steps */
	delete_thread(d); /* while D is preempted in that flush */
	L4_Word_t after = nodes_used();
	if (after > before + 16)
		printf("  %llu nodes before, %llu after: the space was left half destroyed\n",
		       (unsigned long long)before, (unsigned long long)after);
	TEST_CHECK(after <= before + 16); /* a few for pages we touched meanwhile */
	TEST_CHECK(kernel_still_works());
}

int main(void)
{
	printf("map/delete suite: map items preempted in their flush, partners deleted or aborted\n");
	test_run_all("mapdel");
}
