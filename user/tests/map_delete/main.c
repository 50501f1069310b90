/* SPDX-License-Identifier: MIT */
/* Map items whose flush is preempted (run under -icount): ThreadControl deletes a partner, its space or the copier, ExchangeRegisters aborts. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/syscalls.h>
#include <l4/kip.h>
#include <mnemo/kmem.h>

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
static l4_word_t stacks[NSTACKS][STACK_WORDS] __attribute__((aligned(4096)));
static unsigned next_thread = 1, next_slot = 1, next_stack;

/* What the case threads read (our pages, shared with their spaces). */
static struct {
	l4_threadid_t main;
	volatile l4_threadid_t s, r;
	volatile l4_word_t fan_base;
} mc;

static l4_threadid_t new_tid(void) { return l4_global_id(l4_thread_no(l4_myself()) + next_thread++, 1); }

static l4_word_t new_stack(void)
{
	l4_word_t *st = stacks[next_stack++ % NSTACKS];
	return (l4_word_t)&st[STACK_WORDS - 2];
}

static void sleep_forever(void)
{
	for (;;)
		l4_receive(l4_myself());
}

static void say(l4_word_t label, l4_word_t w)
{
	l4_utcb()[0] = l4_msgtag(label, 1, 0, 0);
	l4_utcb()[1] = w;
	l4_send(mc.main);
}

static l4_word_t error_of(l4_msgtag_t tag) { return l4_ipc_failed(tag) ? L4_ErrorCode() : 0; }

/* A thread of a new space: every page of our image present before anything else. */
static void touch_image(void)
{
	for (char *p = (char *)((l4_word_t)_start & ~0xfffull); p < _end; p += 4096)
		(void)*(volatile char *)p;
}

static bool is_pagefault(l4_msgtag_t tag) { return (tag >> 20) == ((l4_word_t)-2 << 20) >> 20; }

/* ---- the case threads ---------------------------------------------------------------------- */

/* R: fan_page (ours, mapped by us at the same address) FAN_PAGES times into our window. */
static void build_fan(void)
{
	l4_word_t *mr = l4_utcb();
	for (unsigned i = 0; i < FAN_PAGES; i += FAN_ITEMS) {
		unsigned k = FAN_PAGES - i < FAN_ITEMS ? FAN_PAGES - i : FAN_ITEMS;
		mr[0] = l4_msgtag(LBL_FAN, 0, 2 * k, 0);
		for (unsigned j = 0; j < k; j++) {
			mr[1 + 2 * j] = l4_map_item_word0(mc.fan_base + (l4_word_t)(i + j) * 4096);
			mr[2 + 2 * j] = l4_fpage_log2((l4_word_t)fan_page, 12) | L4_FULLY_ACCESSIBLE;
		}
		l4_call(mc.main);
	}
}

/* The receive that replaces fan_page in B; its result to us with the word R
 * then reads at fan_page (a fault there is answered with our fan_page). */
static void receive_replacement(void)
{
	l4_accept(l4_fpage_log2((l4_word_t)fan_page, 12));
	l4_word_t err = error_of(l4_receive(mc.s));
	l4_word_t seen = *(volatile l4_word_t *)fan_page;
	l4_utcb()[0] = l4_msgtag(LBL_RESULT, 2, 0, 0);
	l4_utcb()[1] = err;
	l4_utcb()[2] = seen;
	l4_send(mc.main);
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
	l4_receive(mc.main); /* go */
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
	l4_receive(mc.main); /* go */
	l4_thread_control(mc.r, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
	say(LBL_RESULT, 0);
	sleep_forever();
}

static void sender(void)
{
	l4_receive(mc.main); /* go */
	l4_utcb()[0] = l4_msgtag(0x21, 0, 2, 0);
	l4_utcb()[1] = l4_map_item_word0((l4_word_t)repl_page);
	l4_utcb()[2] = l4_fpage_log2((l4_word_t)repl_page, 12) | L4_FULLY_ACCESSIBLE;
	say(LBL_RESULT, error_of(l4_send(mc.r)));
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
static l4_threadid_t start_child(void (*fn)(void))
{
	l4_threadid_t c = new_tid();
	if (l4_thread_control(c, c, l4_myself(), L4_NILTHREAD, ~0ull) != 1 ||
	    l4_space_control(c, 0, l4_fpage_log2(KIP_AREA, 12), l4_fpage_log2(UTCB_AREA, 14), L4_ANYTHREAD, NULL) !=
		1 ||
	    l4_thread_control(c, c, l4_myself(), l4_myself(), UTCB_AREA) != 1)
		return L4_NILTHREAD;
	l4_utcb()[0] = l4_msgtag(0, 2, 0, 0); /* the start message: IP, SP */
	l4_utcb()[1] = (l4_word_t)fn;
	l4_utcb()[2] = new_stack();
	return l4_ipc_failed(l4_send(c)) ? L4_NILTHREAD : c;
}

static l4_threadid_t start_local(void (*fn)(void))
{
	l4_threadid_t t = new_tid();
	if (l4_thread_control(t, l4_myself(), l4_myself(), l4_pager(), UTCB_AREA + 1024 * next_slot++) != 1)
		return L4_NILTHREAD;
	l4_start_sp_ip(t, new_stack(), (l4_word_t)fn);
	return t;
}

static void delete_thread(l4_threadid_t t) { l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull); }

static l4_word_t last_mr2; /* MR2 of the message serve() returned */

/* Serves t's page faults (our page at the same address) and fan messages
 * until t sends anything else: its label, MR1 in *w; 0 on a failed IPC. */
static l4_word_t serve(l4_threadid_t t, l4_word_t *w)
{
	l4_threadid_t from;
	l4_accept(l4_fpage_log2(FAN_WIN, 30));
	l4_msgtag_t tag = l4_receive_timeout(t, l4_time_period(REPORT_TIMEOUT_US));
	for (;;) {
		if (l4_ipc_failed(tag))
			return 0;
		if (is_pagefault(tag)) {
			l4_word_t addr = l4_utcb()[1] & ~0xfffull;
			(void)*(volatile char *)addr; /* present in our space before we map it */
			l4_utcb()[0] = l4_msgtag(0, 0, 2, 0);
			l4_utcb()[1] = l4_map_item_word0(addr);
			l4_utcb()[2] = l4_fpage_log2(addr, 12) | L4_FULLY_ACCESSIBLE;
		} else if (L4_TAG_LABEL(tag) == LBL_FAN) {
			l4_utcb()[0] = 0;
		} else {
			*w = l4_utcb()[1];
			last_mr2 = l4_utcb()[2];
			return L4_TAG_LABEL(tag);
		}
		tag = l4_ipc(t, t, L4_TIMEOUTS(L4_ZERO_TIME, l4_time_period(REPORT_TIMEOUT_US)), &from);
	}
}

/* The result a case thread reports (~0 if none came within the timeout). */
static l4_word_t result_of(l4_threadid_t t)
{
	l4_word_t w = ~0ull;
	return serve(t, &w) == LBL_RESULT ? w : ~0ull;
}

static void go(l4_threadid_t t)
{
	l4_utcb()[0] = l4_msgtag(LBL_GO, 0, 0, 0);
	l4_send(t);
}

static void deleter_sleep(void) { l4_sleep(l4_time_period(DELETER_SLEEP_US)); }

static unsigned case_no;

/* A case's R in a new space, its fan built and ready; nil on failure. */
static l4_threadid_t setup_receiver(void (*fn)(void))
{
	mc.main = l4_myself();
	*(volatile l4_word_t *)fan_page = FAN_MARK;
	*(volatile l4_word_t *)repl_page = REPL_MARK;
	mc.fan_base = FAN_WIN + FAN_STRIDE * (case_no++ % 8);
	l4_threadid_t r = start_child(fn);
	l4_word_t w;
	if ((r == L4_NILTHREAD) || serve(r, &w) != LBL_READY)
		return L4_NILTHREAD;
	mc.r = r;
	return r;
}

/* S of our space, lower than R: when we sleep, R enters its receive first. */
static l4_threadid_t setup_local_sender(void)
{
	l4_threadid_t s = start_local(sender);
	if (!(s == L4_NILTHREAD))
		l4_set_priority(s, 50);
	mc.s = s;
	return s;
}

/* S of a new space, ready; R made lower, so that S blocks in its send first. */
static l4_threadid_t setup_child_sender(l4_threadid_t r)
{
	l4_word_t w;
	l4_threadid_t s = start_child(sender_child);
	if ((s == L4_NILTHREAD) || serve(s, &w) != LBL_READY)
		return L4_NILTHREAD;
	l4_set_priority(r, 50);
	mc.s = s;
	return s;
}

/* The kernel still works: a new space is created, pages its image in and is deleted. */
static bool kernel_still_works(void)
{
	l4_threadid_t c = start_child(sender_child);
	l4_word_t w;
	bool ok = !(c == L4_NILTHREAD) && serve(c, &w) == LBL_READY;
	delete_thread(c);
	return ok;
}

USER_TEST(delete_receiver, "mapdel.delete_receiver_space",
	  "the receiver and its space are deleted while the sender's flush in that space is preempted: the "
	  "sender gets \"aborted\"")
{
	l4_threadid_t r = setup_receiver(receiver_waiting);
	TEST_CHECK(!(r == L4_NILTHREAD));
	l4_threadid_t s = setup_local_sender();
	TEST_CHECK(!(s == L4_NILTHREAD));
	go(s);
	deleter_sleep(); /* R receives, S sends and flushes B's mapping */
	delete_thread(r); /* its space B goes with it */
	TEST_CHECK_EQ(result_of(s), ABORTED_SEND);
	delete_thread(s);
	TEST_CHECK(kernel_still_works());
}

USER_TEST(delete_sender, "mapdel.delete_sender_space",
	  "the sender and its space are deleted while the receiver, copying, is preempted in the flush: the "
	  "receiver gets \"aborted\", and the sender's page is not mapped from the dead space")
{
	l4_threadid_t r = setup_receiver(receiver_copying);
	TEST_CHECK(!(r == L4_NILTHREAD));
	l4_threadid_t s = setup_child_sender(r);
	TEST_CHECK(!(s == L4_NILTHREAD));
	go(s);
	go(r);
	deleter_sleep(); /* S blocks in its send, R takes the message and flushes */
	delete_thread(s); /* its space A, the map's source, goes with it */
	/* A new space C with repl_page mapped, before R runs again: the kernel
	 * hands out its last freed frames first, so C's space is where A's was
	 * if A was freed under R (then R would map C's page). */
	l4_word_t w;
	l4_threadid_t c = start_child(sender_child);
	TEST_CHECK(c != L4_NILTHREAD && serve(c, &w) == LBL_READY);
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
	l4_threadid_t r = setup_receiver(receiver_copying);
	TEST_CHECK(!(r == L4_NILTHREAD));
	l4_threadid_t s = setup_child_sender(r);
	TEST_CHECK(!(s == L4_NILTHREAD));
	go(s);
	go(r);
	deleter_sleep();
	delete_thread(r);
	TEST_CHECK_EQ(result_of(s), ABORTED_SEND);
	delete_thread(s);
	TEST_CHECK(kernel_still_works());
}

USER_TEST(abort_copier, "mapdel.abort_copier",
	  "ExchangeRegisters aborts the sender preempted in its flush: both get \"aborted\" at the next step, not "
	  "after the whole flush")
{
	l4_threadid_t r = setup_receiver(receiver_waiting);
	TEST_CHECK(!(r == L4_NILTHREAD));
	l4_threadid_t s = setup_local_sender();
	TEST_CHECK(!(s == L4_NILTHREAD));
	go(s);
	deleter_sleep();
	l4_word_t old = 0;
	l4_clock_t t0 = l4_system_clock();
	l4_exchange_registers(s, 0x4, 0, 0, 0, 0, L4_NILTHREAD, &old, NULL, NULL, NULL, NULL, NULL);
	TEST_CHECK_EQ(old & 4, 4); /* it was in its send */
	TEST_CHECK_EQ(result_of(s), ABORTED_SEND);
	l4_clock_t took = l4_system_clock() - t0;
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
static l4_word_t nodes_used(void)
{
	l4_sleep(l4_time_period(2000));
	return mnemo_kmem_stats(__l4_kip)->nodes_used;
}

USER_TEST(delete_destroyer, "mapdel.delete_destroyer",
	  "a thread preempted while it destroys a space (the flush of its mappings) is deleted: its deleter "
	  "finishes the destruction, and every node of that space is freed")
{
	mc.main = l4_myself();
	l4_threadid_t d = start_local(destroyer); /* its stack and ours touched before the count */
	TEST_CHECK(!(d == L4_NILTHREAD));
	l4_set_priority(d, 50);
	l4_word_t before = nodes_used();
	l4_threadid_t r = setup_receiver(receiver_idle);
	TEST_CHECK(!(r == L4_NILTHREAD));
	TEST_CHECK(nodes_used() >= before + FAN_PAGES); /* the fan is in place */
	go(d);
	deleter_sleep(); /* D deletes R: B's destruction flushes the fan in preemptible steps */
	delete_thread(d); /* while D is preempted in that flush */
	l4_word_t after = nodes_used();
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
