/* SPDX-License-Identifier: MIT */
/* The scheduling suite (run under -icount): point timeouts against SystemClock, the total quantum and its preemption message. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/syscalls.h>
#include <l4/utcb.h>

#define UTCB_AREA 0xBF000000ull
#define STACK_WORDS 2048

static l4_threadid_t main_tid;
static unsigned next_thread = 1, next_slot = 1, next_stack;
static l4_word_t stacks[4][STACK_WORDS] __attribute__((aligned(16)));

/* A thread of our space (we are its pager and scheduler), started at fn. */
static l4_threadid_t start_local(void (*fn)(void))
{
	l4_threadid_t t = l4_global_id(l4_thread_no(l4_myself()) + next_thread++, 1);
	if (l4_thread_control(t, l4_myself(), l4_myself(), l4_pager(), UTCB_AREA + 1024 * next_slot++) != 1)
		return L4_NILTHREAD;
	l4_word_t *st = stacks[next_stack++ % 4];
	memset(st, 0, sizeof stacks[0]);
	l4_start_sp_ip(t, (l4_word_t)&st[STACK_WORDS - 2], (l4_word_t)fn);
	return t;
}

static void delete_thread(l4_threadid_t t) { l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull); }

static void sleep_forever(void)
{
	for (;;)
		l4_receive(l4_myself());
}

/* ---- point timeouts (X.2 §"Time") ----------------------------------------------------- */

/* The point of exponent e naming clock value `at` (rounded up to a multiple of
 * 2^e): m is bits e..e+9 of it, c bit e+10. */
static l4_time_t time_point(l4_clock_t at, unsigned e, l4_clock_t *named)
{
	at = (at + (1ull << e) - 1) & ~((1ull << e) - 1);
	*named = at;
	return (l4_time_t)(0x8000 | e << 11 | ((at >> (e + 10)) & 1) << 10 | ((at >> e) & 0x3ff));
}

/* Sleeps in steps of 1 ms until the clock's offset within its stretch of
 * 2^(e+10) us lies in [lo, hi) (the window is wider than a tick); the clock. */
static l4_clock_t align_in_stretch(unsigned e, l4_clock_t lo, l4_clock_t hi)
{
	l4_clock_t stretch = 1ull << (e + 10), now = l4_system_clock();
	while (now % stretch < lo || now % stretch >= hi) {
		l4_sleep(l4_time_period(1000));
		now = l4_system_clock();
	}
	return now;
}

/* A receive from ourselves (nobody sends) with a point timeout at now + ahead;
 * whether it timed out in [point, point + 1.2 ms): the first tick at or after it. */
static bool sleep_until_point(unsigned e, l4_clock_t now, l4_clock_t ahead)
{
	l4_clock_t named;
	l4_time_t pt = time_point(now + ahead, e, &named);
	l4_msgtag_t tag = l4_receive_timeout(l4_myself(), pt);
	l4_clock_t after = l4_system_clock();
	if (!l4_ipc_failed(tag) || L4_ErrorCode() != ((1 << 1) | 1)) {
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
	l4_clock_t now = align_in_stretch(3, 2000, 4000);
	TEST_CHECK(sleep_until_point(3, now, 3000));
}

USER_TEST(point_next_stretch, "sched.timeout.point_c_next",
	  "a receive timeout as a point whose c differs from the clock's bit e+10 lies in the next stretch")
{
	/* From offset 6000..8000, 3000 us on is in the next stretch (c flips); read
	 * as a distance it would end at least 200 us early. */
	l4_clock_t now = align_in_stretch(3, 6000, 8000);
	TEST_CHECK(sleep_until_point(3, now, 3000));
}

static volatile int receiver_ready;
static void receive_once(void)
{
	receiver_ready = 1;
	l4_threadid_t from;
	l4_wait(&from);
	sleep_forever();
}

USER_TEST(point_passed, "sched.timeout.point_passed",
	  "a point already passed acts as a zero timeout: receive and send fail at once, a waiting partner still gets "
	  "the message")
{
	main_tid = l4_myself();
	l4_clock_t now = align_in_stretch(3, 5000, 7000), named;
	l4_time_t past = time_point(now - 3000, 3, &named); /* same stretch, behind us */
	l4_msgtag_t tag = l4_receive_timeout(l4_myself(), past);
	l4_clock_t after = l4_system_clock();
	TEST_CHECK(l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), (1 << 1) | 1);
	TEST_CHECK(after - now < 500); /* no tick waited for */
	l4_threadid_t t = start_local(receive_once);
	TEST_CHECK(t != L4_NILTHREAD);
	l4_sleep(l4_time_period(2000)); /* it runs while we sleep */
	TEST_CHECK(receiver_ready);
	now = align_in_stretch(3, 5000, 7000); /* it waits in l4_wait now */
	l4_utcb()[0] = l4_msgtag(5, 0, 0, 0);
	tag = l4_send_timeout(t, time_point(now - 3000, 3, &named));
	TEST_CHECK(!l4_ipc_failed(tag)); /* the partner was ready */
	now = align_in_stretch(3, 5000, 7000);
	tag = l4_send_timeout(t, time_point(now - 3000, 3, &named)); /* it receives no more */
	TEST_CHECK(l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 1 << 1); /* timeout, send phase */
	TEST_CHECK(l4_system_clock() - now < 500);
	delete_thread(t);
}

USER_TEST(point_send, "sched.timeout.point_send", "a send timeout as a point ends at that clock value")
{
	l4_threadid_t t = start_local(sleep_forever); /* never receives from us */
	TEST_CHECK(t != L4_NILTHREAD);
	l4_clock_t now = align_in_stretch(4, 4000, 6000), named;
	l4_time_t pt = time_point(now + 5000, 4, &named);
	l4_utcb()[0] = l4_msgtag(5, 0, 0, 0);
	l4_msgtag_t tag = l4_send_timeout(t, pt);
	l4_clock_t after = l4_system_clock();
	TEST_CHECK(l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 1 << 1);
	TEST_CHECK(after >= named && after < named + 1200);
	delete_thread(t);
}

/* ---- xfer timeouts as points ---------------------------------------------------------------- */

static char xfer_fresh[4096] __attribute__((aligned(4096)));
static volatile l4_clock_t xfer_point;

/* Receives a string into a page its pager (a thread that never answers)
 * never maps; its receive xfer timeout is the point xfer_point. */
static void xfer_receiver(void)
{
	l4_word_t *br = l4_utcb() - 16;
	br[-1] = l4_string_item_word0(64, 1, 0);
	br[-2] = (l4_word_t)xfer_fresh;
	l4_accept_strings(L4_NILPAGE);
	l4_clock_t named;
	l4_utcb()[L4_UTCB_XFER_TIMEOUTS] = time_point(xfer_point, 4, &named);
	xfer_point = named;
	l4_msgtag_t tag = l4_receive(main_tid);
	l4_utcb()[0] = l4_msgtag(13, 1, 0, 0);
	l4_utcb()[1] = l4_ipc_failed(tag) ? L4_ErrorCode() : 0xffff;
	l4_send(main_tid);
	sleep_forever();
}

USER_TEST(point_xfer, "sched.timeout.point_xfer",
	  "a receive xfer timeout as a point ends a string copy whose page fault is never answered at that clock value")
{
	main_tid = l4_myself();
	l4_threadid_t silent = start_local(sleep_forever);
	l4_threadid_t r = l4_global_id(l4_thread_no(l4_myself()) + next_thread++, 1);
	TEST_CHECK_EQ(l4_thread_control(r, l4_myself(), l4_myself(), silent, UTCB_AREA + 1024 * next_slot++), 1);
	/* e = 4, a stretch of 16384 us: from offset 4000..6000 the point 10 ms on
	 * stays in the stretch; read as a distance it would end 4 ms late or more. */
	l4_clock_t now = align_in_stretch(4, 4000, 6000);
	xfer_point = now + 10000;
	l4_word_t *st = stacks[next_stack++ % 4];
	memset(st, 0, sizeof stacks[0]); /* its stack and code are present: its pager never answers */
	(void)*(volatile char *)xfer_receiver;
	(void)*(volatile char *)time_point;
	l4_start_sp_ip(r, (l4_word_t)&st[STACK_WORDS - 2], (l4_word_t)xfer_receiver);
	l4_sleep(l4_time_period(2000)); /* it waits now */
	l4_word_t *mr = l4_utcb();
	mr[0] = l4_msgtag(0, 0, 2, 0);
	mr[1] = l4_string_item_word0(64, 1, 0);
	mr[2] = (l4_word_t) "sixty-four bytes that will never arrive at their destination...";
	l4_msgtag_t tag = l4_send(r);
	l4_clock_t after = l4_system_clock();
	TEST_CHECK(l4_ipc_failed(tag));
	TEST_CHECK_EQ(L4_ErrorCode(), 6 << 1); /* xfer timeout in the partner's space, send phase */
	TEST_CHECK(after >= xfer_point && after < xfer_point + 1200);
	tag = l4_receive_timeout(r, l4_time_period(100000));
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK_EQ(l4_utcb()[1], (5 << 1) | 1); /* in its own space, receive phase */
	delete_thread(r);
	delete_thread(silent);
}

/* ---- the total quantum (X.2 §"Schedule") -------------------------------------------------- */

static volatile l4_word_t spins;
static void spinner(void)
{
	for (;;)
		spins++;
}

#define TIME_CONTROL(ts_len, total) ((l4_word_t)(ts_len) << 16 | (total))

/* Waits for t's preemption message (label -3, MR1 the clock, MR2 0 on 64 bits). */
static bool receive_preemption(l4_threadid_t t, l4_clock_t *when)
{
	l4_msgtag_t tag = l4_receive_timeout(t, l4_time_period(1000000));
	if (l4_ipc_failed(tag) || L4_TAG_LABEL(tag) != (L4_LABEL_PREEMPTION & 0xffffffffffffull) ||
	    L4_TAG_U(tag) != 2 || l4_utcb()[2] != 0) {
		printf("  preemption message: tag %#llx, error %#llx\n", (unsigned long long)tag,
		       (unsigned long long)L4_ErrorCode());
		return false;
	}
	*when = l4_utcb()[1];
	return true;
}

USER_TEST(
    total_quantum, "sched.quantum.total",
    "a thread runs its total quantum across time slices, then its scheduler gets the preemption message and it stops")
{
	l4_threadid_t t = start_local(spinner);
	TEST_CHECK(t != L4_NILTHREAD);
	l4_word_t old = 0;
	/* time slices of 2 ms, a total quantum of 5 ms */
	TEST_CHECK_EQ(
	    l4_schedule(t, TIME_CONTROL(l4_time_period(2000), l4_time_period(5000)), ~0ull, ~0ull, ~0ull, &old), 3);
	TEST_CHECK_EQ(old & 0xffff, L4_NEVER); /* it had no total quantum */
	TEST_CHECK_EQ(l4_schedule(t, ~0ull, ~0ull, ~0ull, ~0ull, &old), 3);
	TEST_CHECK_EQ(old >> 16 & 0xffff, l4_time_period(2000));
	TEST_CHECK_EQ(old & 0xffff, l4_time_period(5000)); /* it has not run yet */
	l4_clock_t start = l4_system_clock(), when = 0;
	TEST_CHECK(receive_preemption(t, &when)); /* it ran while we waited */
	l4_clock_t got = l4_system_clock();
	/* Quanta are charged in whole ticks of 1 ms to the thread running at the
	 * tick: it runs at most 5 ms, and less by under one tick (its first). */
	TEST_CHECK(when > start + 4000 && when < start + 5200 && when <= got);
	TEST_CHECK_EQ(l4_schedule(t, ~0ull, ~0ull, ~0ull, ~0ull, &old), 3); /* waiting for time: "running" */
	TEST_CHECK_EQ(old & 0xffff, L4_ZERO_TIME); /* nothing left */
	l4_word_t before = spins;
	l4_sleep(l4_time_period(3000));
	TEST_CHECK_EQ(spins, before); /* it does not run */
	/* a new total quantum resumes it: 3 ms more */
	TEST_CHECK_EQ(l4_schedule(t, TIME_CONTROL(0xffff, l4_time_period(3000)), ~0ull, ~0ull, ~0ull, NULL), 3);
	start = l4_system_clock();
	TEST_CHECK(receive_preemption(t, &when));
	TEST_CHECK(spins != before);
	TEST_CHECK(when > start + 2000 && when < start + 3200);
	/* never: it runs on without a limit */
	TEST_CHECK_EQ(l4_schedule(t, TIME_CONTROL(0xffff, L4_NEVER), ~0ull, ~0ull, ~0ull, NULL), 3);
	l4_sleep(l4_time_period(8000));
	before = spins;
	TEST_CHECK(l4_ipc_failed(l4_receive_timeout(t, l4_time_period(3000)))); /* no message */
	TEST_CHECK(spins != before);
	TEST_CHECK_EQ(l4_schedule(t, ~0ull, ~0ull, ~0ull, ~0ull, &old), 3);
	TEST_CHECK_EQ(old & 0xffff, L4_NEVER);
	delete_thread(t);
}

USER_TEST(total_quantum_halt, "sched.quantum.halted",
	  "a thread out of total quantum that is halted and resumed stays stopped until Schedule gives it time")
{
	l4_threadid_t t = start_local(spinner);
	TEST_CHECK(t != L4_NILTHREAD);
	TEST_CHECK_EQ(l4_schedule(t, TIME_CONTROL(0xffff, l4_time_period(2000)), ~0ull, ~0ull, ~0ull, NULL), 3);
	l4_clock_t when;
	TEST_CHECK(receive_preemption(t, &when));
	l4_word_t state = 0;
	TEST_CHECK(l4_stop(t, &state) != L4_NILTHREAD);
	TEST_CHECK(l4_resume(t) != L4_NILTHREAD);
	l4_word_t before = spins;
	l4_sleep(l4_time_period(3000));
	TEST_CHECK_EQ(spins, before);
	TEST_CHECK_EQ(l4_schedule(t, TIME_CONTROL(0xffff, l4_time_period(2000)), ~0ull, ~0ull, ~0ull, NULL), 3);
	TEST_CHECK(receive_preemption(t, &when));
	TEST_CHECK(spins != before);
	delete_thread(t);
}

/* ---- delayed preemption (X.2 §"Schedule": preemption control, UTCB flags d and I) ------- */

static volatile l4_clock_t pending_seen;
static volatile int yield_when_pending;

/* Asks for delayed preemption (d) and spins; notes when the kernel sets I,
 * and then gives the CPU up if told to. */
static void delayer(void)
{
	volatile uint8_t *flags = (volatile uint8_t *)&l4_utcb()[L4_UTCB_FLAGS];
	*flags |= L4_PREEMPT_DELAY;
	for (;;) {
		if ((*flags & L4_PREEMPT_PENDING) && !pending_seen) {
			pending_seen = l4_system_clock();
			if (yield_when_pending) {
				*flags &= (uint8_t)~L4_PREEMPT_DELAY;
				l4_yield();
			}
		}
	}
}

static volatile l4_clock_t wake_due, woke;

/* Sleeps 2 ms, then reports when it ran. */
static void waker(void)
{
	l4_clock_t t0 = l4_system_clock();
	l4_sleep(l4_time_period(2000));
	woke = l4_system_clock();
	wake_due = t0 + 2000;
	l4_utcb()[0] = l4_msgtag(1, 0, 0, 0);
	l4_send(main_tid);
	sleep_forever();
}

/* A delayer at priority 100 (sensitive priority sens, maximum delay max_us)
 * and a waker at 150 that preempts it when its sleep ends; how late the
 * waker ran (-1 on failure). */
static long preemption_lateness(unsigned sens, unsigned max_us, int yield)
{
	main_tid = l4_myself();
	pending_seen = 0, yield_when_pending = yield, wake_due = woke = 0;
	l4_threadid_t d = start_local(delayer), w = start_local(waker);
	long late = -1;
	if (d != L4_NILTHREAD && w != L4_NILTHREAD &&
	    l4_schedule(d, ~0ull, ~0ull, 100, (l4_word_t)sens << 16 | max_us, NULL) == 3 &&
	    l4_schedule(w, ~0ull, ~0ull, 150, ~0ull, NULL) == 3 &&
	    !l4_ipc_failed(l4_receive_timeout(w, l4_time_period(100000))))
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
	printf("sched suite: timeouts and quanta from thread %llx\n", (unsigned long long)l4_myself());
	test_run_all("sched");
}
