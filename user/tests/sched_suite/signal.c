/* SPDX-License-Identifier: MIT */
/* Signalled preemption (X.2 §"Schedule", the UTCB preemption flag s): preemption faults and the preempt exception, under -icount. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/syscalls.h>
#include <l4/utcb.h>

/* Thread numbers and UTCB slots of their own, far above those main.c takes. */
#define SIG_UTCB_AREA 0xBF000000ull
#define SIG_FIRST 200
#define SIG_STACK_WORDS 2048
#define SIG_LABEL_MASK 0xffffffffffffull
#define NO_HANDLER 0x01 /* start_pair: the spinner names no exception handler */

static unsigned sig_next;
static l4_word_t sig_stacks[3][SIG_STACK_WORDS] __attribute__((aligned(16)));
static l4_threadid_t sig_main;

/* A thread of our space (we are its pager and scheduler) at priority prio,
 * started at fn. */
static l4_threadid_t sig_start(void (*fn)(void), unsigned prio)
{
	unsigned n = SIG_FIRST + sig_next++;
	l4_threadid_t t = l4_global_id(l4_thread_no(l4_myself()) + n, 1);
	if (l4_thread_control(t, l4_myself(), l4_myself(), l4_pager(), SIG_UTCB_AREA + 1024 * n) != 1)
		return L4_NILTHREAD;
	l4_word_t *st = sig_stacks[sig_next % 3];
	memset(st, 0, sizeof sig_stacks[0]);
	l4_start_sp_ip(t, (l4_word_t)&st[SIG_STACK_WORDS - 2], (l4_word_t)fn);
	/* it runs only once we block: we outrank it */
	return l4_schedule(t, ~0ull, ~0ull, prio, ~0ull, NULL) == 3 ? t : L4_NILTHREAD;
}

static void sig_delete(l4_threadid_t t)
{
	if (t != L4_NILTHREAD)
		l4_thread_control(t, L4_NILTHREAD, L4_NILTHREAD, L4_NILTHREAD, ~0ull);
}

/* What the spinner asks for: its preemption flags (s, d) and whether the
 * main thread is its exception handler. */
static volatile uint8_t spin_flags;
static volatile int spin_handled;
static volatile l4_word_t spin_count;
static volatile l4_clock_t spin_pending_seen;
static volatile l4_word_t *volatile spin_utcb;

static volatile uint8_t *my_preempt_flags(void) { return (volatile uint8_t *)&l4_utcb()[L4_UTCB_FLAGS]; }

static void sig_spinner(void)
{
	if (spin_handled)
		l4_utcb()[L4_UTCB_EXCEPTION_HANDLER] = sig_main;
	*my_preempt_flags() |= spin_flags & (L4_PREEMPT_SIGNAL | L4_PREEMPT_DELAY);
	spin_utcb = l4_utcb();
	for (;;) {
		spin_count++;
		if ((*my_preempt_flags() & L4_PREEMPT_PENDING) && !spin_pending_seen)
			spin_pending_seen = l4_system_clock();
	}
}

static volatile l4_clock_t waker_woke;

/* Sleeps 2 ms, notes when it ran again and tells the main thread. */
static void sig_waker(void)
{
	l4_sleep(l4_time_period(2000));
	waker_woke = l4_system_clock();
	l4_utcb()[0] = l4_msgtag(1, 0, 0, 0);
	l4_send(sig_main);
	for (;;)
		l4_receive(l4_myself());
}

/* Each test deletes its threads before it checks what it saw, so that a
 * failure leaves no spinner behind to disturb the tests after it. */

/* A spinner at priority 100 with flags and sensitive priority sens (maximum
 * delay max_us), and a waker at 150 that preempts it after 2 ms. */
static bool start_pair(uint8_t flags, unsigned sens, unsigned max_us, l4_threadid_t *s, l4_threadid_t *w)
{
	sig_main = l4_myself();
	spin_flags = flags, spin_handled = !(flags & NO_HANDLER), spin_count = 0, spin_pending_seen = 0, waker_woke = 0,
	spin_utcb = 0;
	*s = sig_start(sig_spinner, 100);
	*w = L4_NILTHREAD;
	if (*s == L4_NILTHREAD || l4_schedule(*s, ~0ull, ~0ull, ~0ull, (l4_word_t)sens << 16 | max_us, NULL) != 3)
		return false;
	*w = sig_start(sig_waker, 150);
	return *w != L4_NILTHREAD;
}

static bool is_label(l4_msgtag_t tag, l4_word_t label) { return L4_TAG_LABEL(tag) == (label & SIG_LABEL_MASK); }

USER_TEST(signal_fault, "sched.signal.fault",
	  "with s set, a preemption by a thread of at most the sensitive priority sends the handler a preemption "
	  "fault (label -3, MR1 the clock of the preemption) when the thread runs again")
{
	l4_threadid_t s, w;
	bool started = start_pair(L4_PREEMPT_SIGNAL, 200, 0, &s, &w);
	l4_clock_t start = l4_system_clock();
	l4_msgtag_t tag = started ? l4_receive_timeout(s, l4_time_period(100000)) : L4_TAG_ERROR;
	l4_clock_t got = l4_system_clock(), at = l4_utcb()[1];
	l4_word_t high = l4_utcb()[2];
	bool waker_told = started && !l4_ipc_failed(l4_receive_timeout(w, l4_time_period(100000)));
	/* one preemption, one message */
	bool again = started && !l4_ipc_failed(l4_receive_timeout(s, l4_time_period(5000)));
	sig_delete(w);
	sig_delete(s);
	TEST_CHECK(started && waker_told);
	TEST_CHECK(!l4_ipc_failed(tag));
	TEST_CHECK(is_label(tag, L4_LABEL_PREEMPTION));
	TEST_CHECK_EQ(L4_TAG_U(tag), 2);
	TEST_CHECK_EQ(L4_TAG_T(tag), 0);
	TEST_CHECK_EQ(high, 0);
	/* preempted when the waker woke (2 ms in, at a tick), and told afterwards */
	TEST_CHECK(at >= start + 2000 && at < start + 3200);
	TEST_CHECK(at <= waker_woke && waker_woke < at + 500 && got >= waker_woke);
	TEST_CHECK(!again);
}

static void sig_peer(void)
{
	for (;;)
		;
}

USER_TEST(signal_fault_timeslice, "sched.signal.timeslice",
	  "a time slice ending in favour of a peer is a signalled preemption: the fault carries the clock of the "
	  "preemption and is sent when the thread runs again, a time slice later")
{
	sig_main = l4_myself();
	spin_flags = L4_PREEMPT_SIGNAL, spin_handled = 1, spin_count = 0, spin_pending_seen = 0;
	l4_threadid_t s = sig_start(sig_spinner, 100), p = L4_NILTHREAD;
	/* time slices of 2 ms, sensitive priority 100; the peer keeps its 10 ms */
	bool started =
	    s != L4_NILTHREAD &&
	    l4_schedule(s, (l4_word_t)l4_time_period(2000) << 16 | 0xffff, ~0ull, ~0ull, 100ull << 16, NULL) == 3 &&
	    (p = sig_start(sig_peer, 100)) != L4_NILTHREAD;
	l4_msgtag_t tag = started ? l4_receive_timeout(s, l4_time_period(100000)) : L4_TAG_ERROR;
	l4_clock_t got = l4_system_clock(), at = l4_utcb()[1];
	sig_delete(p);
	sig_delete(s);
	TEST_CHECK(started);
	TEST_CHECK(!l4_ipc_failed(tag) && is_label(tag, L4_LABEL_PREEMPTION) && L4_TAG_U(tag) == 2);
	/* the peer ran its whole slice in between */
	TEST_CHECK(got > at + 9000 && got < at + 11500);
}

/* A pair whose spinner must not signal: whether the waker ran and the
 * spinner ran on, and nothing came from it. */
static bool unsignalled(uint8_t flags, unsigned sens, unsigned max_us)
{
	l4_threadid_t s, w;
	bool started = start_pair(flags, sens, max_us, &s, &w);
	bool waker_told = started && !l4_ipc_failed(l4_receive_timeout(w, l4_time_period(100000)));
	l4_word_t before = spin_count;
	bool quiet = started && l4_ipc_failed(l4_receive_timeout(s, l4_time_period(5000)));
	bool ran_on = spin_count != before;
	sig_delete(w);
	sig_delete(s);
	return waker_told && waker_woke != 0 && quiet && ran_on;
}

USER_TEST(signal_none, "sched.signal.none",
	  "nothing is sent without s, nor with s for a preemption by a thread above the sensitive priority")
{
	TEST_CHECK(unsignalled(0, 200, 0));
	TEST_CHECK(unsignalled(L4_PREEMPT_SIGNAL, 120, 0));
}

USER_TEST(signal_no_handler, "sched.signal.no_handler",
	  "with s set but no exception handler nothing is sent: a preemption fault is dropped, and a delayed "
	  "preemption that runs out just preempts the thread")
{
	TEST_CHECK(unsignalled(L4_PREEMPT_SIGNAL | NO_HANDLER, 200, 0));
	l4_clock_t start = l4_system_clock();
	TEST_CHECK(unsignalled(L4_PREEMPT_SIGNAL | L4_PREEMPT_DELAY | NO_HANDLER, 200, 5000));
	/* the waker ran when the delay ran out: about 2 + 5 ms in */
	TEST_CHECK(spin_pending_seen != 0);
	TEST_CHECK(waker_woke > spin_pending_seen + 3800 && waker_woke <= spin_pending_seen + 5200);
	TEST_CHECK(waker_woke > start + 5000);
}

USER_TEST(signal_delay_exception, "sched.signal.delay_exception",
	  "with s and d set, a delayed preemption that runs out raises the preempt exception (label -4, the "
	  "registers) at the handler; its reply resumes the thread; I is cleared, d left")
{
	l4_threadid_t s, w;
	bool started = start_pair(L4_PREEMPT_SIGNAL | L4_PREEMPT_DELAY, 200, 5000, &s, &w);
	l4_msgtag_t tag = started ? l4_receive_timeout(s, l4_time_period(100000)) : L4_TAG_ERROR;
	l4_clock_t got = l4_system_clock(), woke_before_reply = waker_woke;
	l4_word_t rip = l4_utcb()[1], rsp = l4_utcb()[17], number = l4_utcb()[19];
	/* answer like any exception: the registers as they were */
	l4_utcb()[0] = l4_msgtag(0, 18, 0, 0);
	bool replied = !l4_ipc_failed(tag) && !l4_ipc_failed(l4_send_timeout(s, L4_ZERO_TIME));
	/* the waker runs first (it outranks the spinner), then the spinner on */
	bool waker_told = started && !l4_ipc_failed(l4_receive_timeout(w, l4_time_period(100000)));
	l4_word_t before = spin_count;
	bool again = started && !l4_ipc_failed(l4_receive_timeout(s, l4_time_period(5000)));
	bool ran_on = spin_count != before;
	uint8_t flags = spin_utcb ? (uint8_t)spin_utcb[L4_UTCB_FLAGS] : 0;
	sig_delete(w);
	sig_delete(s);
	TEST_CHECK(started && replied && waker_told);
	TEST_CHECK(is_label(tag, L4_LABEL_PREEMPT_EXCEPTION));
	TEST_CHECK_EQ(L4_TAG_U(tag), 19);
	TEST_CHECK_EQ(number, 0); /* no architectural exception */
	TEST_CHECK(rsp > (l4_word_t)sig_stacks && rsp < (l4_word_t)sig_stacks + sizeof sig_stacks);
	TEST_CHECK(rip != 0);
	/* the waker woke 2 ms in (I set) but did not run; the delay ran out at
	 * the last tick within 5 ms */
	TEST_CHECK(spin_pending_seen != 0 && woke_before_reply == 0);
	TEST_CHECK(got > spin_pending_seen + 3800 && got <= spin_pending_seen + 5200);
	TEST_CHECK(waker_woke >= got);
	TEST_CHECK(!again && ran_on); /* no further signal; it ran on after the reply */
	/* the kernel cleared I and left d and s as the thread set them */
	TEST_CHECK_EQ(flags & (L4_PREEMPT_PENDING | L4_PREEMPT_DELAY | L4_PREEMPT_SIGNAL),
		      L4_PREEMPT_DELAY | L4_PREEMPT_SIGNAL);
}
