/* SPDX-License-Identifier: MIT */
/* The scheduling suite (run under -icount): point timeouts against SystemClock, the total quantum and its preemption message. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/schedule.h>
#include <l4/utcb.h>
#include <x2msg.h>

#define UTCB_AREA 0xBF000000ull
#define STACK_WORDS 2048
/* The preemption message's label (X.2 "Preemption message": -3 in the upper 12
 * bits of a label of 16, as 48 bits here). */
#define PREEMPTION_LABEL (((L4_Word_t)-3 << 4) & 0xffffffffffffull)

/* Clock values are microseconds: L4_SystemClock().raw. */
typedef L4_Word64_t usec_t;
static inline usec_t clock_us(void) { return L4_SystemClock().raw; }

static L4_ThreadId_t main_tid;
static unsigned next_thread = 1, next_slot = 1, next_stack;
static L4_Word_t stacks[4][STACK_WORDS] __attribute__((aligned(16)));

/* A thread of our space (we are its pager and scheduler), started at fn. */
static L4_ThreadId_t start_local(void (*fn)(void))
{
	L4_ThreadId_t t = L4_GlobalId(L4_ThreadNo(L4_Myself()) + next_thread++, 1);
	if (L4_ThreadControl(t, L4_Myself(), L4_Myself(), L4_Pager(), (void *)(UTCB_AREA + 1024 * next_slot++)) != 1)
		return L4_nilthread;
	L4_Word_t *st = stacks[next_stack++ % 4];
	memset(st, 0, sizeof stacks[0]);
	L4_Start_SpIp(t, (L4_Word_t)&st[STACK_WORDS - 2], (L4_Word_t)fn);
	return t;
}

static void delete_thread(L4_ThreadId_t t)
{
	L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull);
}

static void sleep_forever(void)
{
	for (;;)
		L4_Receive(L4_Myself());
}

/* ---- point timeouts (X.2 §"Time") ----------------------------------------------------- */

/* The point of exponent e naming clock value `at` (rounded up to a multiple of
 * 2^e): m is bits e..e+9 of it, c bit e+10. Built by hand, not by L4_TimePoint:
 * the tests choose e and the phase of c. */
static L4_Time_t time_point(usec_t at, unsigned e, usec_t *named)
{
	at = (at + (1ull << e) - 1) & ~((1ull << e) - 1);
	*named = at;
	return (L4_Time_t){.raw = (L4_Word16_t)(0x8000 | e << 11 | ((at >> (e + 10)) & 1) << 10 | ((at >> e) & 0x3ff))};
}

/* Sleeps in steps of 1 ms until the clock's offset within its stretch of
 * 2^(e+10) us lies in [lo, hi) (the window is wider than a tick); the clock. */
static usec_t align_in_stretch(unsigned e, usec_t lo, usec_t hi)
{
	usec_t stretch = 1ull << (e + 10), now = clock_us();
	while (now % stretch < lo || now % stretch >= hi) {
		L4_Sleep(L4_TimePeriod(1000));
		now = clock_us();
	}
	return now;
}

/* A receive from ourselves (nobody sends) with a point timeout at now + ahead;
 * whether it timed out in [point, point + 1.2 ms): the first tick at or after it. */
static bool sleep_until_point(unsigned e, usec_t now, usec_t ahead)
{
	usec_t named;
	L4_Time_t pt = time_point(now + ahead, e, &named);
	L4_MsgTag_t tag = L4_Receive_Timeout(L4_Myself(), pt);
	usec_t after = clock_us();
	if (!L4_IpcFailed(tag) || L4_ErrorCode() != ((1 << 1) | 1)) {
		printf("  no receive timeout: error %#llx\n", (unsigned long long)L4_ErrorCode());
		return false;
	}
	if (after < named || after >= named + 1200) {
		printf("  woke at %llu for the point %llu (asked at %llu)\n", (unsigned long long)after,
		       (unsigned long long)named, (unsigned long long)now);
		return false;
	}
	return true;
}

USER_TEST(point_same_stretch, "sched.timeout.point_c_same",
	  "a receive timeout as a point whose c equals the clock's bit e+10 ends at that clock value")
{
	/* e = 3: a stretch of 8192 us. From offset 2000..4000, 3000 us on stays in
	 * the stretch; read as a distance (m * 2^e) it would end 2000 us late or more. */
	usec_t now = align_in_stretch(3, 2000, 4000);
	TEST_CHECK(sleep_until_point(3, now, 3000));
}

USER_TEST(point_next_stretch, "sched.timeout.point_c_next",
	  "a receive timeout as a point whose c differs from the clock's bit e+10 lies in the next stretch")
{
	/* From offset 6000..8000, 3000 us on is in the next stretch (c flips); read
	 * as a distance it would end at least 200 us early. */
	usec_t now = align_in_stretch(3, 6000, 8000);
	TEST_CHECK(sleep_until_point(3, now, 3000));
}

static volatile int receiver_ready;
static void receive_once(void)
{
	receiver_ready = 1;
	L4_ThreadId_t from;
	L4_Wait(&from);
	sleep_forever();
}

USER_TEST(point_passed, "sched.timeout.point_passed",
	  "a point already passed acts as a zero timeout: receive and send fail at once, a waiting partner still gets "
	  "the message")
{
	main_tid = L4_Myself();
	usec_t now = align_in_stretch(3, 5000, 7000), named;
	L4_Time_t past = time_point(now - 3000, 3, &named); /* same stretch, behind us */
	L4_MsgTag_t tag = L4_Receive_Timeout(L4_Myself(), past);
	usec_t after = clock_us();
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
	TEST_CHECK(after - now < 500); /* no tick waited for */
	L4_ThreadId_t t = start_local(receive_once);
	TEST_CHECK(!L4_IsNilThread(t));
	L4_Sleep(L4_TimePeriod(2000)); /* it runs while we sleep */
	TEST_CHECK(receiver_ready);
	now = align_in_stretch(3, 5000, 7000); /* it waits in L4_Wait now */
	L4_Set_MsgTag(msg_tag(5, 0, 0));
	tag = L4_Send_Timeout(t, time_point(now - 3000, 3, &named));
	TEST_CHECK(!L4_IpcFailed(tag)); /* the partner was ready */
	now = align_in_stretch(3, 5000, 7000);
	tag = L4_Send_Timeout(t, time_point(now - 3000, 3, &named)); /* it receives no more */
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 1 << 1); /* timeout, send phase */
	TEST_CHECK(clock_us() - now < 500);
	delete_thread(t);
}

USER_TEST(point_send, "sched.timeout.point_send", "a send timeout as a point ends at that clock value")
{
	L4_ThreadId_t t = start_local(sleep_forever); /* never receives from us */
	TEST_CHECK(!L4_IsNilThread(t));
	usec_t now = align_in_stretch(4, 4000, 6000), named;
	L4_Time_t pt = time_point(now + 5000, 4, &named);
	L4_Set_MsgTag(msg_tag(5, 0, 0));
	L4_MsgTag_t tag = L4_Send_Timeout(t, pt);
	usec_t after = clock_us();
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 1 << 1);
	TEST_CHECK(after >= named && after < named + 1200);
	delete_thread(t);
}

/* ---- xfer timeouts as points ---------------------------------------------------------------- */

static char xfer_fresh[4096] __attribute__((aligned(4096)));
static volatile usec_t xfer_point;

/* Receives a string into a page its pager (a thread that never answers)
 * never maps; its receive xfer timeout is the point xfer_point. */
static void xfer_receiver(void)
{
	L4_StringItem_t buf = L4_StringItem(64, xfer_fresh);
	L4_LoadBRs(1, 2, buf.raw); /* BR1, BR2: one receive string of 64 bytes */
	L4_Accept(L4_StringItemsAcceptor);
	usec_t named;
	L4_Set_XferTimeouts(time_point(xfer_point, 4, &named).raw); /* receive: the point; send: never */
	xfer_point = named;
	L4_MsgTag_t tag = L4_Receive(main_tid);
	L4_Set_MsgTag(msg_tag(13, 1, 0));
	L4_LoadMR(1, L4_IpcFailed(tag) ? L4_ErrorCode() : 0xffff);
	L4_Send(main_tid);
	sleep_forever();
}

USER_TEST(point_xfer, "sched.timeout.point_xfer",
	  "a receive xfer timeout as a point ends a string copy whose page fault is never answered at that clock value")
{
	main_tid = L4_Myself();
	L4_ThreadId_t silent = start_local(sleep_forever);
	L4_ThreadId_t r = L4_GlobalId(L4_ThreadNo(L4_Myself()) + next_thread++, 1);
	TEST_CHECK_EQ(L4_ThreadControl(r, L4_Myself(), L4_Myself(), silent, (void *)(UTCB_AREA + 1024 * next_slot++)),
		      1);
	/* e = 4, a stretch of 16384 us: from offset 4000..6000 the point 10 ms on
	 * stays in the stretch; read as a distance it would end 4 ms late or more. */
	usec_t now = align_in_stretch(4, 4000, 6000);
	xfer_point = now + 10000;
	L4_Word_t *st = stacks[next_stack++ % 4];
	memset(st, 0, sizeof stacks[0]); /* its stack and code are present: its pager never answers */
	(void)*(volatile char *)xfer_receiver;
	(void)*(volatile char *)time_point;
	L4_Start_SpIp(r, (L4_Word_t)&st[STACK_WORDS - 2], (L4_Word_t)xfer_receiver);
	L4_Sleep(L4_TimePeriod(2000)); /* it waits now */
	L4_Set_MsgTag(msg_tag(0, 0, 2));
	L4_StringItem_t str = L4_StringItem(64, "sixty-four bytes that will never arrive at their destination...");
	L4_LoadMRs(1, 2, str.raw);
	L4_MsgTag_t tag = L4_Send(r);
	usec_t after = clock_us();
	TEST_CHECK(L4_IpcFailed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 6 << 1); /* xfer timeout in the partner's space, send phase */
	TEST_CHECK(after >= xfer_point && after < xfer_point + 1200);
	tag = L4_Receive_Timeout(r, L4_TimePeriod(100000));
	TEST_CHECK(!L4_IpcFailed(tag));
	L4_Word_t err = 0;
	L4_StoreMR(1, &err);
	TEST_CHECK_EQ(err, (5 << 1) | 1); /* in its own space, receive phase */
	delete_thread(r);
	delete_thread(silent);
}

/* ---- the total quantum (X.2 §"Schedule") -------------------------------------------------- */

static volatile L4_Word_t spins;
static void spinner(void)
{
	for (;;)
		spins++;
}

#define TIME_CONTROL(ts_len, total) ((L4_Word_t)(ts_len) << 16 | (total))
/* The periods of Schedule's TimeControl word. */
#define PERIOD(us) L4_TimePeriod(us).raw

/* Waits for t's preemption message (label -3, MR1 the clock, MR2 0 on 64 bits). */
static bool receive_preemption(L4_ThreadId_t t, usec_t *when)
{
	L4_MsgTag_t tag = L4_Receive_Timeout(t, L4_TimePeriod(1000000));
	L4_Word_t mr1, mr2;
	L4_StoreMR(1, &mr1);
	L4_StoreMR(2, &mr2);
	if (L4_IpcFailed(tag) || L4_Label(tag) != PREEMPTION_LABEL || L4_UntypedWords(tag) != 2 || mr2 != 0) {
		printf("  preemption message: tag %#llx, error %#llx\n", (unsigned long long)tag.raw,
		       (unsigned long long)L4_ErrorCode());
		return false;
	}
	*when = mr1;
	return true;
}

USER_TEST(
    total_quantum, "sched.quantum.total",
    "a thread runs its total quantum across time slices, then its scheduler gets the preemption message and it stops")
{
	L4_ThreadId_t t = start_local(spinner);
	TEST_CHECK(!L4_IsNilThread(t));
	L4_Word_t old = 0;
	/* time slices of 2 ms, a total quantum of 5 ms */
	TEST_CHECK_EQ(L4_Schedule(t, TIME_CONTROL(PERIOD(2000), PERIOD(5000)), ~0ull, ~0ull, ~0ull, &old), 3);
	TEST_CHECK_EQ(old & 0xffff, L4_Never.raw); /* it had no total quantum */
	TEST_CHECK_EQ(L4_Schedule(t, ~0ull, ~0ull, ~0ull, ~0ull, &old), 3);
	TEST_CHECK_EQ(old >> 16 & 0xffff, PERIOD(2000));
	TEST_CHECK_EQ(old & 0xffff, PERIOD(5000)); /* it has not run yet */
	usec_t start = clock_us(), when = 0;
	TEST_CHECK(receive_preemption(t, &when)); /* it ran while we waited */
	usec_t got = clock_us();
	/* Quanta are charged in whole ticks of 1 ms to the thread running at the
	 * tick: it runs at most 5 ms, and less by under one tick (its first). */
	TEST_CHECK(when > start + 4000 && when < start + 5200 && when <= got);
	TEST_CHECK_EQ(L4_Schedule(t, ~0ull, ~0ull, ~0ull, ~0ull, &old), 3); /* waiting for time: "running" */
	TEST_CHECK_EQ(old & 0xffff, L4_ZeroTime.raw); /* nothing left */
	L4_Word_t before = spins;
	L4_Sleep(L4_TimePeriod(3000));
	TEST_CHECK_EQ(spins, before); /* it does not run */
	/* a new total quantum resumes it: 3 ms more */
	TEST_CHECK_EQ(L4_Schedule(t, TIME_CONTROL(0xffff, PERIOD(3000)), ~0ull, ~0ull, ~0ull, NULL), 3);
	start = clock_us();
	TEST_CHECK(receive_preemption(t, &when));
	TEST_CHECK(spins != before);
	TEST_CHECK(when > start + 2000 && when < start + 3200);
	/* never: it runs on without a limit */
	TEST_CHECK_EQ(L4_Schedule(t, TIME_CONTROL(0xffff, L4_Never.raw), ~0ull, ~0ull, ~0ull, NULL), 3);
	L4_Sleep(L4_TimePeriod(8000));
	before = spins;
	TEST_CHECK(L4_IpcFailed(L4_Receive_Timeout(t, L4_TimePeriod(3000)))); /* no message */
	TEST_CHECK(spins != before);
	TEST_CHECK_EQ(L4_Schedule(t, ~0ull, ~0ull, ~0ull, ~0ull, &old), 3);
	TEST_CHECK_EQ(old & 0xffff, L4_Never.raw);
	delete_thread(t);
}

USER_TEST(total_quantum_halt, "sched.quantum.halted",
	  "a thread out of total quantum that is halted and resumed stays stopped until Schedule gives it time")
{
	L4_ThreadId_t t = start_local(spinner);
	TEST_CHECK(!L4_IsNilThread(t));
	TEST_CHECK_EQ(L4_Schedule(t, TIME_CONTROL(0xffff, PERIOD(2000)), ~0ull, ~0ull, ~0ull, NULL), 3);
	usec_t when;
	TEST_CHECK(receive_preemption(t, &when));
	L4_Word_t state = 0;
	/* ExchangeRegisters as before: halt (h, H, d: its state back), then clear h (H
	 * only: L4_Start would also abort IPC), each checked for the thread ID it returns */
	TEST_CHECK(!L4_IsNilThread(
	    L4_ExchangeRegisters(t, 0x301, 0, 0, 0, 0, L4_nilthread, &state, NULL, NULL, NULL, NULL, NULL)));
	TEST_CHECK(!L4_IsNilThread(
	    L4_ExchangeRegisters(t, 0x100, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL)));
	L4_Word_t before = spins;
	L4_Sleep(L4_TimePeriod(3000));
	TEST_CHECK_EQ(spins, before);
	TEST_CHECK_EQ(L4_Schedule(t, TIME_CONTROL(0xffff, PERIOD(2000)), ~0ull, ~0ull, ~0ull, NULL), 3);
	TEST_CHECK(receive_preemption(t, &when));
	TEST_CHECK(spins != before);
	delete_thread(t);
}

/* ---- delayed preemption (X.2 §"Schedule": preemption control, UTCB flags d and I) ------- */

static volatile usec_t pending_seen;
static volatile int yield_when_pending;

/* Asks for delayed preemption (d) and spins; notes when the kernel sets I,
 * and then gives the CPU up if told to. */
static void delayer(void)
{
	/* Scalar on purpose: I (L4_PREEMPT_PENDING) is read in the UTCB's flags byte
	 * without resetting it (X.2's L4_PreemptionPending resets it), where the
	 * kernel sets it. */
	volatile uint8_t *flags = (volatile uint8_t *)&l4_utcb()[L4_UTCB_FLAGS];
	L4_DisablePreemption(); /* d */
	for (;;) {
		if ((*flags & L4_PREEMPT_PENDING) && !pending_seen) {
			pending_seen = clock_us();
			if (yield_when_pending) {
				L4_EnablePreemption();
				L4_Yield();
			}
		}
	}
}

static volatile usec_t wake_due, woke;

/* Sleeps 2 ms, then reports when it ran. */
static void waker(void)
{
	usec_t t0 = clock_us();
	L4_Sleep(L4_TimePeriod(2000));
	woke = clock_us();
	wake_due = t0 + 2000;
	L4_Set_MsgTag(msg_tag(1, 0, 0));
	L4_Send(main_tid);
	sleep_forever();
}

/* A delayer at priority 100 (sensitive priority sens, maximum delay max_us)
 * and a waker at 150 that preempts it when its sleep ends; how late the
 * waker ran (-1 on failure). */
static long preemption_lateness(unsigned sens, unsigned max_us, int yield)
{
	main_tid = L4_Myself();
	pending_seen = 0, yield_when_pending = yield, wake_due = woke = 0;
	L4_ThreadId_t d = start_local(delayer), w = start_local(waker);
	long late = -1;
	if (!L4_IsNilThread(d) && !L4_IsNilThread(w) &&
	    L4_Schedule(d, ~0ull, ~0ull, 100, (L4_Word_t)sens << 16 | max_us, NULL) == 3 &&
	    L4_Schedule(w, ~0ull, ~0ull, 150, ~0ull, NULL) == 3 &&
	    !L4_IpcFailed(L4_Receive_Timeout(w, L4_TimePeriod(100000))))
		late = (long)(woke - wake_due);
	delete_thread(w);
	delete_thread(d);
	return late;
}

USER_TEST(delayed_preemption, "sched.preempt.delayed",
	  "with d set, a preemption by a thread of at most the sensitive priority waits the maximum delay; I is set")
{
	long late = preemption_lateness(200, 5000, 0);
	TEST_CHECK(late > 0);
	TEST_CHECK(pending_seen >= wake_due && pending_seen < wake_due + 1200); /* I from the wake-up on */
	/* the waker ran after the delay, at the last tick within 5 ms of I */
	TEST_CHECK(woke > pending_seen + 4000 && woke <= pending_seen + 5000);
}

USER_TEST(delayed_preemption_yield, "sched.preempt.yield", "a thread that sees I and yields is preempted at once")
{
	long late = preemption_lateness(200, 5000, 1);
	TEST_CHECK(late >= 0 && late < 1200);
	TEST_CHECK(pending_seen != 0);
}

USER_TEST(delayed_preemption_sensitive, "sched.preempt.sensitive",
	  "a preemption by a thread above the sensitive priority (or with a maximum delay of 0) is not delayed")
{
	long late = preemption_lateness(120, 5000, 0);
	TEST_CHECK(late >= 0 && late < 1200);
	TEST_CHECK_EQ(pending_seen, 0);
	late = preemption_lateness(200, 0, 0);
	TEST_CHECK(late >= 0 && late < 1200);
	TEST_CHECK_EQ(pending_seen, 0);
}

int main(void)
{
	printf("sched suite: timeouts and quanta from thread %llx\n", (unsigned long long)L4_Myself().raw);
	test_run_all("sched");
}
