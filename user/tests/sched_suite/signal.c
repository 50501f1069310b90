/* SPDX-License-Identifier: MIT */
/* Signalled preemption (X.2 §"Schedule", the UTCB preemption flag s): preemption faults and the preempt exception, under -icount. */
#include <test.h>
#include <string.h>
#include <l4/ipc.h>
#include <l4/thread.h>
#include <l4/schedule.h>
#include <l4/utcb.h>

/* Thread numbers and UTCB slots of their own, far above those main.c takes. */
#define SIG_UTCB_AREA 0xBF000000ull
#define SIG_FIRST 200
#define SIG_STACK_WORDS 2048
#define SIG_LABEL_MASK 0xffffffffffffull
#define NO_HANDLER 0x01 /* start_pair: the spinner names no exception handler */
/* The labels of the preemption message (-3) and of the preempt exception (-4,
 * X.2's generic exception label for a delayed preemption that ran out), as 48 bits. */
#define SIG_PREEMPTION_LABEL ((L4_Word_t)-3 << 4)
#define SIG_PREEMPT_EXCEPTION_LABEL ((L4_Word_t)-4 << 4)

/* Clock values are microseconds: L4_SystemClock().raw. */
static inline L4_Word64_t sig_clock(void) { return L4_SystemClock().raw; }

static unsigned sig_next;
static L4_Word_t sig_stacks[3][SIG_STACK_WORDS] __attribute__((aligned(16)));
static L4_ThreadId_t sig_main;

/* A message tag: label, u untyped and t typed words. */
static L4_MsgTag_t sig_tag(L4_Word_t label, unsigned u, unsigned t)
{
	L4_MsgTag_t tag = L4_MsgTagAddLabel(L4_Niltag, label);
	tag.X.u = u & 0x3f, tag.X.t = t & 0x3f;
	return tag;
}

/* A thread of our space (we are its pager and scheduler) at priority prio,
 * started at fn. */
static L4_ThreadId_t sig_start(void (*fn)(void), unsigned prio)
{
	unsigned n = SIG_FIRST + sig_next++;
	L4_ThreadId_t t = L4_GlobalId(L4_ThreadNo(L4_Myself()) + n, 1);
	if (L4_ThreadControl(t, L4_Myself(), L4_Myself(), L4_Pager(), (void *)(SIG_UTCB_AREA + 1024 * n)) != 1)
		return L4_nilthread;
	L4_Word_t *st = sig_stacks[sig_next % 3];
	memset(st, 0, sizeof sig_stacks[0]);
	L4_Start_SpIp(t, (L4_Word_t)&st[SIG_STACK_WORDS - 2], (L4_Word_t)fn);
	/* it runs only once we block: we outrank it */
	return L4_Schedule(t, ~0ull, ~0ull, prio, ~0ull, NULL) == 3 ? t : L4_nilthread;
}

static void sig_delete(L4_ThreadId_t t)
{
	if (!L4_IsNilThread(t))
		L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)~0ull);
}

/* What the spinner asks for: its preemption flags (s, d) and whether the
 * main thread is its exception handler. */
static volatile uint8_t spin_flags;
static volatile int spin_handled;
static volatile L4_Word_t spin_count;
static volatile L4_Word64_t spin_pending_seen;
static volatile uint8_t *volatile spin_flags_byte; /* the spinner's UTCB flags */

/* Scalar on purpose: the UTCB's flags byte itself and its bits (L4_PREEMPT_*:
 * s, d, I), where the kernel sets and clears I. X.2 has no names for the bits,
 * its L4_PreemptionPending resets I, and it has no call to read another
 * thread's flags, which signal_delay_exception checks. */
static volatile uint8_t *my_preempt_flags(void) { return (volatile uint8_t *)&l4_utcb()[L4_UTCB_FLAGS]; }

static void sig_spinner(void)
{
	if (spin_handled)
		L4_Set_ExceptionHandler(sig_main);
	if (spin_flags & L4_PREEMPT_SIGNAL)
		L4_EnablePreemptionFaultException();
	if (spin_flags & L4_PREEMPT_DELAY)
		L4_DisablePreemption();
	spin_flags_byte = my_preempt_flags();
	for (;;) {
		spin_count++;
		if ((*spin_flags_byte & L4_PREEMPT_PENDING) && !spin_pending_seen)
			spin_pending_seen = sig_clock();
	}
}

static volatile L4_Word64_t waker_woke;

/* Sleeps 2 ms, notes when it ran again and tells the main thread. */
static void sig_waker(void)
{
	L4_Sleep(L4_TimePeriod(2000));
	waker_woke = sig_clock();
	L4_Set_MsgTag(sig_tag(1, 0, 0));
	L4_Send(sig_main);
	for (;;)
		L4_Receive(L4_Myself());
}

/* Each test deletes its threads before it checks what it saw, so that a
 * failure leaves no spinner behind to disturb the tests after it. */

/* A spinner at priority 100 with flags and sensitive priority sens (maximum
 * delay max_us), and a waker at 150 that preempts it after 2 ms. */
static bool start_pair(uint8_t flags, unsigned sens, unsigned max_us, L4_ThreadId_t *s, L4_ThreadId_t *w)
{
	sig_main = L4_Myself();
	spin_flags = flags, spin_handled = !(flags & NO_HANDLER), spin_count = 0, spin_pending_seen = 0, waker_woke = 0,
	spin_flags_byte = 0;
	*s = sig_start(sig_spinner, 100);
	*w = L4_nilthread;
	if (L4_IsNilThread(*s) || L4_Schedule(*s, ~0ull, ~0ull, ~0ull, (L4_Word_t)sens << 16 | max_us, NULL) != 3)
		return false;
	*w = sig_start(sig_waker, 150);
	return !L4_IsNilThread(*w);
}

static bool is_label(L4_MsgTag_t tag, L4_Word_t label) { return L4_Label(tag) == (label & SIG_LABEL_MASK); }

/* A failed IPC's tag, for a test whose threads did not start (its IPC not made). */
#define SIG_FAILED ((L4_MsgTag_t){.raw = 1u << 15})

/* MR i of the message received. */
static L4_Word_t sig_mr(int i)
{
	L4_Word_t w = 0;
	L4_StoreMR(i, &w);
	return w;
}

USER_TEST(signal_fault, "sched.signal.fault",
	  "with s set, a preemption by a thread of at most the sensitive priority sends the handler a preemption "
	  "fault (label -3, MR1 the clock of the preemption) when the thread runs again")
{
	L4_ThreadId_t s, w;
	bool started = start_pair(L4_PREEMPT_SIGNAL, 200, 0, &s, &w);
	L4_Word64_t start = sig_clock();
	L4_MsgTag_t tag = started ? L4_Receive_Timeout(s, L4_TimePeriod(100000)) : SIG_FAILED;
	L4_Word64_t got = sig_clock(), at = sig_mr(1);
	L4_Word_t high = sig_mr(2);
	bool waker_told = started && !L4_IpcFailed(L4_Receive_Timeout(w, L4_TimePeriod(100000)));
	/* one preemption, one message */
	bool again = started && !L4_IpcFailed(L4_Receive_Timeout(s, L4_TimePeriod(5000)));
	sig_delete(w);
	sig_delete(s);
	TEST_CHECK(started && waker_told);
	TEST_CHECK(!L4_IpcFailed(tag));
	TEST_CHECK(is_label(tag, SIG_PREEMPTION_LABEL));
	TEST_CHECK_EQ(L4_UntypedWords(tag), 2);
	TEST_CHECK_EQ(L4_TypedWords(tag), 0);
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
	sig_main = L4_Myself();
	spin_flags = L4_PREEMPT_SIGNAL, spin_handled = 1, spin_count = 0, spin_pending_seen = 0;
	L4_ThreadId_t s = sig_start(sig_spinner, 100), p = L4_nilthread;
	/* time slices of 2 ms, sensitive priority 100; the peer keeps its 10 ms */
	bool started =
	    !L4_IsNilThread(s) &&
	    L4_Schedule(s, (L4_Word_t)L4_TimePeriod(2000).raw << 16 | 0xffff, ~0ull, ~0ull, 100ull << 16, NULL) == 3 &&
	    !L4_IsNilThread(p = sig_start(sig_peer, 100));
	L4_MsgTag_t tag = started ? L4_Receive_Timeout(s, L4_TimePeriod(100000)) : SIG_FAILED;
	L4_Word64_t got = sig_clock(), at = sig_mr(1);
	sig_delete(p);
	sig_delete(s);
	TEST_CHECK(started);
	TEST_CHECK(!L4_IpcFailed(tag) && is_label(tag, SIG_PREEMPTION_LABEL) && L4_UntypedWords(tag) == 2);
	/* the peer ran its whole slice in between */
	TEST_CHECK(got > at + 9000 && got < at + 11500);
}

/* A pair whose spinner must not signal: whether the waker ran and the
 * spinner ran on, and nothing came from it. */
static bool unsignalled(uint8_t flags, unsigned sens, unsigned max_us)
{
	L4_ThreadId_t s, w;
	bool started = start_pair(flags, sens, max_us, &s, &w);
	bool waker_told = started && !L4_IpcFailed(L4_Receive_Timeout(w, L4_TimePeriod(100000)));
	L4_Word_t before = spin_count;
	bool quiet = started && L4_IpcFailed(L4_Receive_Timeout(s, L4_TimePeriod(5000)));
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
	L4_Word64_t start = sig_clock();
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
	L4_ThreadId_t s, w;
	bool started = start_pair(L4_PREEMPT_SIGNAL | L4_PREEMPT_DELAY, 200, 5000, &s, &w);
	L4_MsgTag_t tag = started ? L4_Receive_Timeout(s, L4_TimePeriod(100000)) : SIG_FAILED;
	L4_Word64_t got = sig_clock(), woke_before_reply = waker_woke;
	L4_Word_t rip = sig_mr(1), rsp = sig_mr(17), number = sig_mr(19);
	/* answer like any exception: the registers as they were */
	L4_Set_MsgTag(sig_tag(0, 18, 0));
	bool replied = !L4_IpcFailed(tag) && !L4_IpcFailed(L4_Send_Timeout(s, L4_ZeroTime));
	/* the waker runs first (it outranks the spinner), then the spinner on */
	bool waker_told = started && !L4_IpcFailed(L4_Receive_Timeout(w, L4_TimePeriod(100000)));
	L4_Word_t before = spin_count;
	bool again = started && !L4_IpcFailed(L4_Receive_Timeout(s, L4_TimePeriod(5000)));
	bool ran_on = spin_count != before;
	uint8_t flags = spin_flags_byte ? *spin_flags_byte : 0;
	sig_delete(w);
	sig_delete(s);
	TEST_CHECK(started && replied && waker_told);
	TEST_CHECK(is_label(tag, SIG_PREEMPT_EXCEPTION_LABEL));
	TEST_CHECK_EQ(L4_UntypedWords(tag), 19);
	TEST_CHECK_EQ(number, 0); /* no architectural exception */
	TEST_CHECK(rsp > (L4_Word_t)sig_stacks && rsp < (L4_Word_t)sig_stacks + sizeof sig_stacks);
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
