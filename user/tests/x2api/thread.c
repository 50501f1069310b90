/* SPDX-License-Identifier: MIT */
/* The x2api suite's threads, scheduling, spaces and privileged calls: X.2 names only (ThreadControl, ExchangeRegisters, Schedule, ...). */
#include <test.h>
#include <string.h>
#include <l4/thread.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/misc.h>
#include <l4/ipc.h>

/*
 * Threads of these tests get thread numbers from 0x200 above ours and UTCB
 * slots from 128 of our space's UTCB area (our own UTCB is the first), so they
 * stay clear of the other files' threads. Each test deletes what it made.
 */
static L4_Word_t next_thread, next_slot;

static L4_ThreadId_t new_tid(void) { return L4_GlobalId(L4_ThreadNo(L4_Myself()) + 0x200 + next_thread++, 1); }

/* Our UTCB is the first of the area: MR0 (the local ID) lies 512 bytes into it. */
static void *new_utcb(void) { return (void *)(L4_MyLocalId().raw - 512 + 1024 * (128 + next_slot++ % 128)); }

#define STACK_WORDS 2048
static L4_Word_t stacks[8][STACK_WORDS] __attribute__((aligned(16)));
static unsigned next_stack;
/* A stack whose pages are present (a thread faulting on it would wait for our pager). */
static L4_Word_t new_stack(void)
{
	L4_Word_t *st = stacks[next_stack++ % 8];
	memset(st, 0, sizeof stacks[0]);
	return (L4_Word_t)&st[STACK_WORDS - 2];
}

/* A thread of our space, paged by our pager, waiting for its start (1) or not (0). */
static L4_ThreadId_t create_local(void)
{
	L4_ThreadId_t t = new_tid(), me = L4_Myself();
	return L4_ThreadControl(t, me, me, L4_Pager(), new_utcb()) == 1 ? t : L4_nilthread;
}
/* The same, started at fn with priority prio (below ours: it runs when we let it). */
static L4_ThreadId_t start_local(void (*fn)(void), L4_Word_t prio)
{
	L4_ThreadId_t t = create_local();
	if (L4_IsNilThread(t) || L4_Set_Priority(t, prio) == L4_SchedResult_Error)
		return L4_nilthread;
	L4_Start_SpIp(t, new_stack(), (L4_Word_t)fn);
	return t;
}
static L4_Bool_t delete_thread(L4_ThreadId_t t)
{
	return L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1) == 1;
}

/* Gives t the CPU until *word differs from old; false if it never does. */
static L4_Bool_t run_until_changed(L4_ThreadId_t t, volatile L4_Word_t *word, L4_Word_t old)
{
	for (int i = 0; i < 100000 && *word == old; i++)
		L4_ThreadSwitch(t);
	return *word != old;
}

/* Schedule's state of a thread blocked in a receive (send) phase: X.2 calls a
 * thread that waits for its partner "waiting" ("pending send"), and one whose
 * message transfer is under way "receiving" ("sending"); mnemo's kernel reports
 * receiving (sending) for both. Either passes. */
/* A thread blocked before its message transfer: waiting to receive, or with a pending send. */
static L4_Bool_t in_receive(L4_Word_t r) { return r == L4_SchedResult_Waiting; }
static L4_Bool_t in_send(L4_Word_t r) { return r == L4_SchedResult_Pending; }

static volatile L4_Word_t spins;
static void spinner(void)
{
	for (;;)
		spins++;
}

/* ---- thread control registers and IDs ------------------------------------------------ */

USER_TEST(tcr, "x2api.thread.tcr",
	  "the thread control registers: our IDs, processor, user-defined handle (as the kernel sees it), exception "
	  "handler, xfer timeouts, virtual sender, word size mask, pager")
{
	L4_ThreadId_t me = L4_Myself(), local = L4_MyLocalId();
	TEST_CHECK(L4_IsThreadEqual(me, L4_MyGlobalId()));
	TEST_CHECK(L4_IsGlobalId(me) && L4_IsLocalId(local));
	TEST_CHECK_EQ(((L4_Word_t *)local.raw)[-15], me.raw); /* MyGlobalId sits at MR0 - 120 */
	TEST_CHECK_EQ(L4_ProcessorNo(), 0);
	TEST_CHECK_EQ(L4_WordSizeMask(), ~0ul);
	L4_Reset_WordSizeMask();
	TEST_CHECK_EQ(L4_WordSizeMask(), ~0ul);

	L4_Word_t handle = L4_UserDefinedHandle();
	L4_Set_UserDefinedHandle(0x1234);
	TEST_CHECK_EQ(L4_UserDefinedHandle(), 0x1234);
	TEST_CHECK_EQ(L4_UserDefinedHandleOf(me), 0x1234); /* ExchangeRegisters reads the same register */
	L4_Set_UserDefinedHandle(me, 0x5678); /* and sets it: the C spelling of X.2's overload */
	TEST_CHECK_EQ(L4_UserDefinedHandle(), 0x5678);
	TEST_CHECK_EQ(L4_UserDefinedHandle(me), 0x5678);
	L4_Set_UserDefinedHandle(handle);

	L4_ThreadId_t handler = L4_ExceptionHandler();
	L4_Set_ExceptionHandler(L4_GlobalId(0x4321, 5));
	TEST_CHECK(L4_IsThreadEqual(L4_ExceptionHandler(), L4_GlobalId(0x4321, 5)));
	L4_Set_ExceptionHandler(handler);

	L4_Word_t xfer = L4_XferTimeouts(), timeouts = (L4_Word_t)L4_TimePeriod(1000).raw << 16 | L4_ZeroTime.raw;
	L4_Set_XferTimeouts(timeouts); /* send xfer timeout 1 ms, receive xfer timeout zero */
	TEST_CHECK_EQ(L4_XferTimeouts(), timeouts);
	L4_Set_XferTimeouts(xfer);

	L4_ThreadId_t sender = L4_ActualSender();
	L4_Set_VirtualSender(L4_GlobalId(0x777, 3)); /* the same register as ActualSender */
	TEST_CHECK(L4_IsThreadEqual(L4_ActualSender(), L4_GlobalId(0x777, 3)));
	L4_Set_VirtualSender(sender);

	/* our pager: the register and the kernel's (ExchangeRegisters) agree */
	TEST_CHECK(!L4_IsNilThread(L4_Pager()));
	TEST_CHECK(L4_IsThreadEqual(L4_Pager(), L4_PagerOf(me)));
	TEST_CHECK(L4_IsThreadEqual(L4_Pager(), L4_Pager(me)));
	TEST_CHECK(strcmp(L4_ErrorCode_String(L4_ErrNoPrivilege), "no privilege") == 0);
	TEST_CHECK(strcmp(L4_ErrorCode_String(99), "invalid error code") == 0);
}

static volatile L4_Word_t seen_local, seen_global;
static void reporter(void)
{
	seen_global = L4_Myself().raw;
	seen_local = L4_MyLocalId().raw;
	for (;;)
		L4_Stop(L4_Myself()); /* halts itself: done */
}

USER_TEST(ids, "x2api.thread.ids",
	  "a thread's local and global IDs: GlobalIdOf, LocalIdOf (nil for another space's thread), SameThreads, and "
	  "X.2's overloaded GlobalId(t), LocalId(t)")
{
	L4_ThreadId_t t = start_local(reporter, 100);
	TEST_CHECK(!L4_IsNilThread(t));
	TEST_CHECK(run_until_changed(t, &seen_local, 0));
	L4_ThreadId_t local = L4_LocalIdOf(t);
	TEST_CHECK(L4_IsLocalId(local));
	TEST_CHECK_EQ(local.raw, seen_local); /* the thread's own MyLocalId */
	TEST_CHECK_EQ(t.raw, seen_global);
	TEST_CHECK(L4_IsThreadEqual(L4_GlobalIdOf(local), t));
	TEST_CHECK(L4_IsThreadEqual(L4_GlobalIdOf(t), t)); /* a global ID stays itself */
	TEST_CHECK(L4_IsThreadEqual(L4_LocalIdOf(local), local));
	TEST_CHECK(L4_IsThreadEqual(L4_GlobalId(local), t));
	TEST_CHECK(L4_IsThreadEqual(L4_LocalId(t), local));
	TEST_CHECK(L4_SameThreads(t, local));
	TEST_CHECK(L4_SameThreads(local, t));
	TEST_CHECK(!L4_SameThreads(local, L4_Myself()));
	TEST_CHECK(L4_IsThreadEqual(L4_LocalIdOf(L4_Myself()), L4_MyLocalId()));
	TEST_CHECK(L4_IsNilThread(L4_LocalIdOf(L4_Pager()))); /* our pager lives in another space */
	TEST_CHECK(delete_thread(t));
	TEST_CHECK(L4_IsNilThread(L4_GlobalIdOf(local))); /* gone */
}

/* ---- ExchangeRegisters -------------------------------------------------------------- */

USER_TEST(exregs, "x2api.thread.exregs",
	  "ExchangeRegisters through the X.2 interface: Stop reports a running thread, Stop_SpIpFlags its IP and SP, "
	  "the user handle and pager of another thread, Start resumes it, another space's thread is out of reach")
{
	L4_ThreadId_t t = start_local(spinner, 100);
	TEST_CHECK(!L4_IsNilThread(t));
	TEST_CHECK(run_until_changed(t, &spins, spins)); /* it runs when we give it the CPU */
	L4_ThreadState_t s = L4_Stop(t);
	TEST_CHECK(!L4_ThreadWasHalted(s)); /* it was running */
	TEST_CHECK(!L4_ThreadWasIpcing(s) && !L4_ThreadWasSending(s) && !L4_ThreadWasReceiving(s));
	L4_Word_t stopped_at = spins;
	TEST_CHECK(!run_until_changed(t, &spins, stopped_at)); /* halted: it no longer runs */
	L4_Word_t sp = 0, ip = 0, flags = 0;
	s = L4_Stop(t, &sp, &ip, &flags); /* L4_Stop_SpIpFlags */
	TEST_CHECK(L4_ThreadWasHalted(s));
	TEST_CHECK(ip >= (L4_Word_t)spinner && ip < (L4_Word_t)spinner + 64);
	TEST_CHECK(sp > (L4_Word_t)stacks && sp < (L4_Word_t)stacks + sizeof stacks);
	TEST_CHECK(flags & 0x200); /* interrupts on in user mode */

	/* the generic call: set the user handle and the pager, read the old values */
	L4_Word_t control = 0, old_sp = 0, old_ip = 0, old_flags = 0, old_handle = 0;
	L4_ThreadId_t old_pager = L4_nilthread, other = L4_GlobalId(0x3333, 1);
	L4_ThreadId_t r = L4_ExchangeRegisters(t, 0x200 | 0x80 | 0x40, 0, 0, 0, 0xfeed, other, &control, &old_sp,
					       &old_ip, &old_flags, &old_handle, &old_pager);
	TEST_CHECK(L4_IsLocalId(r)); /* given the global ID, its local one */
	TEST_CHECK(L4_IsThreadEqual(r, L4_LocalIdOf(t)));
	TEST_CHECK(control & 1);
	TEST_CHECK_EQ(old_sp, sp);
	TEST_CHECK_EQ(old_ip, ip);
	TEST_CHECK_EQ(old_flags, flags);
	TEST_CHECK_EQ(old_handle, 0);
	TEST_CHECK(L4_IsThreadEqual(old_pager, L4_Pager()));
	TEST_CHECK_EQ(L4_UserDefinedHandleOf(t), 0xfeed);
	TEST_CHECK(L4_IsThreadEqual(L4_PagerOf(t), other));
	L4_Set_PagerOf(t, L4_Pager());
	TEST_CHECK(L4_IsThreadEqual(L4_Pager(t), L4_Pager()));
	L4_Set_UserDefinedHandleOf(t, 0xbeef);
	TEST_CHECK_EQ(L4_UserDefinedHandle(t), 0xbeef);
	TEST_CHECK(!run_until_changed(t, &spins, stopped_at)); /* still halted */

	L4_Start(t);
	TEST_CHECK(run_until_changed(t, &spins, stopped_at)); /* running again */
	s = L4_Stop(t);
	TEST_CHECK(!L4_ThreadWasHalted(s));
	L4_Start(t);

	/* another space's thread: nil, nothing read */
	control = 0x55;
	r = L4_ExchangeRegisters(L4_Pager(), 0x200, 0, 0, 0, 0, L4_nilthread, &control, &old_sp, &old_ip, &old_flags,
				 &old_handle, &old_pager);
	TEST_CHECK(L4_IsNilThread(r));
	TEST_CHECK(L4_IsNilThread(L4_ExchangeRegisters(L4_GlobalId(0x5555, 1), 0, 0, 0, 0, 0, L4_nilthread, NULL, NULL,
						       NULL, NULL, NULL, NULL)));
	TEST_CHECK(delete_thread(t));
}

static volatile L4_Word_t started_sp;
static void record_sp(void)
{
	volatile L4_Word_t here = 0;
	started_sp = (L4_Word_t)&here;
	for (;;)
		L4_Stop(L4_Myself());
}

USER_TEST(start_flags, "x2api.thread.start_flags",
	  "a new thread waits for its start message (receiving); AbortReceive_and_stop halts it, Start_SpIpFlags sets "
	  "SP, IP and flags exactly as Stop_SpIpFlags reads them back, and it then runs from there")
{
	L4_ThreadId_t t = create_local();
	TEST_CHECK(!L4_IsNilThread(t));
	TEST_CHECK(in_receive(L4_Set_Priority(t, 50))); /* waits for its start message */
	L4_Word_t sp = 1, ip = 1, flags = 1;
	L4_ThreadState_t s = L4_AbortReceive_and_stop(t, &sp, &ip, &flags);
	TEST_CHECK(L4_ThreadWasReceiving(s) && L4_ThreadWasIpcing(s));
	TEST_CHECK(!L4_ThreadWasHalted(s) && !L4_ThreadWasSending(s));
	s = L4_Stop(t);
	TEST_CHECK(L4_ThreadWasHalted(s) && !L4_ThreadWasIpcing(s)); /* its wait ended */

	L4_Word_t stack = new_stack(), set_flags = 0x200 | 0x80 | 0x40 | 0x1; /* IF, SF, ZF, CF */
	L4_Start(t, stack, (L4_Word_t)record_sp, set_flags); /* L4_Start_SpIpFlags */
	s = L4_Stop(t, &sp, &ip, &flags); /* priority 50: it has not run yet */
	TEST_CHECK(!L4_ThreadWasHalted(s));
	TEST_CHECK_EQ(sp, stack);
	TEST_CHECK_EQ(ip, (L4_Word_t)record_sp);
	TEST_CHECK_EQ(flags & 0xcd5, set_flags & 0xcd5); /* the arithmetic flags and DF as set */
	TEST_CHECK(flags & 0x200);
	started_sp = 0;
	L4_Start(t);
	TEST_CHECK(run_until_changed(t, &started_sp, 0));
	TEST_CHECK(started_sp < stack && started_sp > stack - 512); /* on the stack it was given */

	/* AbortSend_and_stop and AbortIpc_and_stop of a thread in no IPC: they halt it */
	s = L4_AbortSend_and_stop(t);
	TEST_CHECK(L4_ThreadWasHalted(s) && !L4_ThreadWasIpcing(s)); /* it had halted itself */
	L4_Start_SpIp(t, stack, (L4_Word_t)spinner);
	s = L4_AbortIpc_and_stop(t);
	TEST_CHECK(!L4_ThreadWasHalted(s) && !L4_ThreadWasIpcing(s));
	L4_Word_t stopped_at = spins;
	TEST_CHECK(!run_until_changed(t, &spins, stopped_at));
	s = L4_AbortSend_and_stop(t, &sp, &ip, &flags);
	TEST_CHECK(L4_ThreadWasHalted(s));
	TEST_CHECK_EQ(ip, (L4_Word_t)spinner); /* halted before it ever ran */
	s = L4_AbortIpc_and_stop(t, &sp, &ip, &flags);
	TEST_CHECK(L4_ThreadWasHalted(s));
	TEST_CHECK_EQ(sp, stack);
	TEST_CHECK(delete_thread(t));
}

/* ---- ThreadControl and SpaceControl -------------------------------------------------- */

#define KIP_AREA 0xBFF00000ul

USER_TEST(control, "x2api.thread.control",
	  "ThreadControl and SpaceControl: a thread in a new space is created inactive, given its areas and activated; "
	  "bad arguments answer the L4_Err codes; deletion takes the space along")
{
	L4_ThreadId_t me = L4_Myself(), t = new_tid(), nobody = L4_GlobalId(L4_ThreadNo(me) + 0x1f00, 1);
	void *my_utcb = (void *)(L4_MyLocalId().raw - 512);
	TEST_CHECK_EQ(L4_ThreadControl(me, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1), 0); /* delete self */
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
	TEST_CHECK_EQ(L4_ThreadControl(t, me, nobody, L4_nilthread, (void *)-1), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidScheduler);
	TEST_CHECK_EQ(L4_ThreadControl(t, nobody, me, L4_nilthread, (void *)-1), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidSpace);
	TEST_CHECK_EQ(L4_ThreadControl(L4_GlobalId(3, 1), me, me, L4_nilthread, (void *)-1), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidThread); /* a kernel thread's number */
	TEST_CHECK_EQ(L4_ThreadControl(t, me, me, L4_Pager(), (void *)0x10000), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrUtcbArea); /* outside our UTCB area */
	TEST_CHECK_EQ(L4_ThreadControl(t, me, me, L4_Pager(), my_utcb), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrUtcbArea); /* our own UTCB */
	TEST_CHECK(delete_thread(t)); /* it was made (inactive) before its UTCB was refused */
	TEST_CHECK_EQ(L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidThread);

	/* a new space: its first thread names itself as the space */
	L4_ThreadId_t s = new_tid(), s2 = new_tid();
	TEST_CHECK_EQ(L4_ThreadControl(s, s, me, L4_nilthread, (void *)-1), 1);
	TEST_CHECK_EQ(L4_Set_Priority(s, 50), L4_SchedResult_Inactive);
	L4_Fpage_t kip = L4_FpageLog2(KIP_AREA, 12), utcbs = L4_FpageLog2((L4_Word_t)my_utcb, 14);
	L4_Word_t old = 1;
	TEST_CHECK_EQ(L4_SpaceControl(s, 0, L4_FpageLog2(KIP_AREA, 13), utcbs, L4_nilthread, &old), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrKipArea); /* the KIP area is one page */
	TEST_CHECK_EQ(L4_SpaceControl(s, 0, kip, kip, L4_nilthread, &old), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrUtcbArea); /* overlaps the KIP area */
	TEST_CHECK_EQ(L4_SpaceControl(nobody, 0, kip, utcbs, L4_nilthread, &old), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidSpace);
	TEST_CHECK_EQ(L4_SpaceControl(s, 0, kip, utcbs, L4_nilthread, &old), 1);
	TEST_CHECK_EQ(old, 0);
	TEST_CHECK_EQ(L4_SpaceControl(s, 0, kip, utcbs, L4_nilthread, NULL), 1); /* the same again: fine */
	TEST_CHECK_EQ(L4_SpaceControl(s, 0, kip, L4_FpageLog2((L4_Word_t)my_utcb, 15), L4_nilthread, NULL), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrUtcbArea); /* areas are fixed once set */
	TEST_CHECK_EQ(L4_ThreadControl(s, s, me, me, (void *)L4_Address(utcbs)), 1); /* active */
	TEST_CHECK(in_receive(L4_Set_Priority(s, 50))); /* waiting for its start message */
	TEST_CHECK_EQ(L4_ThreadControl(s2, s, me, me, (void *)(L4_Address(utcbs) + 1024)), 1); /* in s's space */
	TEST_CHECK_EQ(L4_ThreadControl(s2, s, me, me, (void *)(L4_Address(utcbs) + 2048)), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrUtcbArea); /* an active thread keeps its UTCB */
	TEST_CHECK_EQ(L4_ThreadControl(s2, me, me, me, (void *)-1), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidSpace); /* no moving between spaces */
	/* another space's thread: ours to exchange registers with only as its pager ("pagerexregs") */
	L4_Word_t w;
	L4_ThreadId_t p;
	TEST_CHECK(L4_IsThreadEqual(L4_ExchangeRegisters(s2, 0, 0, 0, 0, 0, L4_nilthread, &w, &w, &w, &w, &w, &p), s2));
	TEST_CHECK(L4_IsThreadEqual(p, me));
	TEST_CHECK_EQ(L4_ThreadControl(s2, s, me, s, (void *)-1), 1); /* its pager is s now, not us */
	TEST_CHECK(L4_IsNilThread(L4_ExchangeRegisters(s2, 0, 0, 0, 0, 0, L4_nilthread, &w, &w, &w, &w, &w, &p)));
	TEST_CHECK(delete_thread(s2));
	TEST_CHECK(delete_thread(s)); /* the last thread: its space goes too */
	TEST_CHECK_EQ(L4_Set_Priority(s, 50), L4_SchedResult_Error);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
	TEST_CHECK_EQ(L4_ThreadControl(s2, s, me, L4_nilthread, (void *)-1), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidSpace);
}

USER_TEST(interrupt, "x2api.thread.interrupt",
	  "AssociateInterrupt makes us an interrupt thread's handler (we may then schedule it), DeassociateInterrupt "
	  "ends it; the timer's thread is the kernel's")
{
	L4_ThreadId_t irq = L4_GlobalId(4, 1), me = L4_Myself();
	TEST_CHECK_EQ(L4_AssociateInterrupt(L4_GlobalId(0, 1), me), 0);
	TEST_CHECK_EQ(L4_AssociateInterrupt(irq, me), 1);
	TEST_CHECK(L4_Set_Priority(irq, 200) != L4_SchedResult_Error); /* its handler schedules it */
	TEST_CHECK_EQ(L4_DeassociateInterrupt(irq), 1);
	TEST_CHECK_EQ(L4_Set_Priority(irq, 200), L4_SchedResult_Error);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrNoPrivilege); /* no longer ours */
}

/* ---- Schedule, ThreadSwitch, SystemClock, time ------------------------------------- */

static volatile L4_Word_t runs;
/* Counts a run and halts itself: each Start lets it count once. */
static void run_once(void)
{
	for (;;) {
		runs++;
		L4_Stop(L4_Myself());
	}
}

USER_TEST(schedule, "x2api.schedule.states",
	  "Schedule: the states it reports, a priority that lets a thread preempt us, time slice and total quantum "
	  "read back, processor 0 only, preemption control, errors")
{
	L4_ThreadId_t me = L4_Myself(), t = create_local();
	TEST_CHECK(!L4_IsNilThread(t));
	TEST_CHECK(in_receive(L4_Set_Priority(t, 254))); /* waiting for its start */
	runs = 0;
	L4_Start_SpIp(t, new_stack(), (L4_Word_t)run_once);
	TEST_CHECK_EQ(runs, 0); /* 254: below us */
	TEST_CHECK_EQ(L4_Set_Priority(me, 200), L4_SchedResult_Running);
	TEST_CHECK_EQ(runs, 1); /* now above us: it ran at once, and halted itself */
	TEST_CHECK_EQ(L4_Set_Priority(me, 255), L4_SchedResult_Running);
	TEST_CHECK_EQ(L4_Set_Priority(t, 100), L4_SchedResult_Running); /* halted: mnemo reports running */

	/* time slice and total quantum: exact periods come back as given */
	L4_Time_t slice = L4_ZeroTime, quantum = L4_ZeroTime;
	TEST_CHECK_EQ(L4_Set_Timeslice(t, L4_TimePeriod(5000), L4_TimePeriod(20000)), L4_SchedResult_Running);
	TEST_CHECK_EQ(L4_Timeslice(t, &slice, &quantum), L4_SchedResult_Running);
	TEST_CHECK_EQ(slice.raw, L4_TimePeriod(5000).raw);
	TEST_CHECK_EQ(quantum.raw, L4_TimePeriod(20000).raw); /* it has not run since */
	TEST_CHECK_EQ(L4_Set_TimeSlice(t, L4_TimePeriod(2000), L4_Never), L4_SchedResult_Running);
	TEST_CHECK_EQ(L4_TimeSlice(t, &slice, &quantum), L4_SchedResult_Running);
	TEST_CHECK_EQ(slice.raw, L4_TimePeriod(2000).raw);
	TEST_CHECK_EQ(quantum.raw, L4_Never.raw);
	L4_Word_t old = 0;
	TEST_CHECK_EQ(L4_Schedule(t, ~0ul, ~0ul, ~0ul, ~0ul, &old), L4_SchedResult_Running); /* changes nothing */
	TEST_CHECK_EQ(old, (L4_Word_t)L4_TimePeriod(2000).raw << 16 | L4_Never.raw);

	TEST_CHECK_EQ(L4_Set_ProcessorNo(t, 0), L4_SchedResult_Running);
	TEST_CHECK_EQ(L4_Set_ProcessorNo(t, 1), L4_SchedResult_Error);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidParam); /* one processor */
	TEST_CHECK_EQ(L4_Set_PreemptionDelay(t, 120, 1000), L4_SchedResult_Running);
	TEST_CHECK_EQ(L4_Set_PreemptionDelay(t, 0, 0), L4_SchedResult_Running);
	TEST_CHECK_EQ(L4_Set_Priority(L4_GlobalId(L4_ThreadNo(me) + 0x1f01, 1), 10), L4_SchedResult_Error);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
	TEST_CHECK(delete_thread(t));
	TEST_CHECK_EQ(L4_Set_Priority(t, 10), L4_SchedResult_Error);
}

static volatile L4_Word_t yields;
static void yielder(void)
{
	for (;;) {
		yields++;
		L4_Yield();
	}
}

USER_TEST(thread_switch, "x2api.schedule.switch",
	  "ThreadSwitch gives a lower thread our time; Yield keeps the CPU while we are the best, and passes it to an "
	  "equal")
{
	L4_ThreadId_t me = L4_Myself(), t = start_local(yielder, 100);
	TEST_CHECK(!L4_IsNilThread(t));
	L4_Word_t before = yields;
	L4_ThreadSwitch(t);
	TEST_CHECK(yields > before); /* it ran until it yielded */
	before = yields;
	for (int i = 0; i < 100; i++)
		L4_Yield();
	TEST_CHECK_EQ(yields, before); /* we stayed the best thread */
	TEST_CHECK_EQ(L4_Set_Priority(me, 100), L4_SchedResult_Running);
	L4_Yield();
	L4_Word_t after = yields;
	TEST_CHECK_EQ(L4_Set_Priority(me, 255), L4_SchedResult_Running);
	TEST_CHECK(after > before); /* round robin among equals */
	L4_ThreadSwitch(L4_nilthread); /* a yield too */
	TEST_CHECK(delete_thread(t));
}

USER_TEST(clock, "x2api.schedule.clock",
	  "SystemClock never goes back and moves on; time points and periods: comparisons, arithmetic, never and zero")
{
	L4_Clock_t first = L4_SystemClock(), last = first;
	for (int i = 0; i < 1000; i++) {
		L4_Clock_t c = L4_SystemClock();
		TEST_CHECK(!L4_IsClockEarlier(c, last));
		last = c;
	}
	for (long i = 0; i < 10000000 && L4_IsClockEqual(L4_SystemClock(), first); i++)
		;
	TEST_CHECK(L4_IsClockLater(L4_SystemClock(), first));

	/* periods */
	TEST_CHECK(L4_IsTimeEqual(L4_TimeAddUsec(L4_TimePeriod(1000), 1000), L4_TimePeriod(2000)));
	TEST_CHECK(L4_IsTimeEqual(L4_TimeSubUsec(L4_TimePeriod(3000), 5000), L4_ZeroTime));
	TEST_CHECK(L4_IsTimeEqual(L4_TimeAdd(L4_TimePeriod(1000), L4_TimePeriod(2000)), L4_TimePeriod(3000)));
	TEST_CHECK(L4_IsTimeEqual(L4_TimeSub(L4_TimePeriod(5000), L4_TimePeriod(2000)), L4_TimePeriod(3000)));
	TEST_CHECK(L4_IsTimeLonger(L4_TimePeriod(2000), L4_TimePeriod(1000)));
	TEST_CHECK(L4_IsTimeShorter(L4_ZeroTime, L4_TimePeriod(1)));
	TEST_CHECK(L4_IsTimeNotEqual(L4_TimePeriod(1), L4_TimePeriod(2)));
	TEST_CHECK(L4_IsTimeLonger(L4_Never, L4_TimePeriod(1000000000)));
	TEST_CHECK_EQ(L4_TimeAddUsec(L4_Never, 5).raw, L4_Never.raw);
	TEST_CHECK_EQ(L4_TimeAdd(L4_TimePeriod(5), L4_Never).raw, L4_Never.raw);
	TEST_CHECK_EQ(L4_TimeSub(L4_TimePeriod(5), L4_Never).raw, L4_ZeroTime.raw);
	L4_Time_t t = L4_TimePeriod(100);
	TEST_CHECK_EQ(L4_TimeAddUsecTo(&t, 900).raw, L4_TimePeriod(1000).raw);
	TEST_CHECK_EQ(t.raw, L4_TimePeriod(1000).raw);
	L4_TimeSubUsecFrom(&t, 500);
	TEST_CHECK_EQ(t.raw, L4_TimePeriod(500).raw);
	L4_TimeAddTo(&t, L4_TimePeriod(1500));
	TEST_CHECK_EQ(t.raw, L4_TimePeriod(2000).raw);
	L4_TimeSubFrom(&t, L4_TimePeriod(2000));
	TEST_CHECK_EQ(t.raw, L4_ZeroTime.raw);

	/* points: a second from now is about a second away; a passed point is due */
	L4_Clock_t now = L4_SystemClock();
	L4_Time_t p = L4_TimePoint(L4_ClockAddUsec(now, 1000000));
	TEST_CHECK(p.point.a == 1);
	TEST_CHECK(L4_IsTimeLonger(p, L4_TimePeriod(500000)));
	TEST_CHECK(L4_IsTimeShorter(p, L4_TimePeriod(1100000)));
	L4_Time_t p2 = L4_TimeAddUsec(p, 1000000);
	TEST_CHECK(p2.point.a == 1);
	TEST_CHECK(L4_IsTimeLonger(p2, L4_TimePeriod(1500000)) && L4_IsTimeShorter(p, p2));
	L4_Time_t p3 = L4_TimeSub(p2, L4_TimePeriod(1000000));
	TEST_CHECK(p3.point.a == 1);
	TEST_CHECK(L4_IsTimeShorter(p3, p2) && L4_IsTimeLonger(p3, L4_TimePeriod(500000)));
	L4_Time_t passed = L4_TimePoint(L4_ClockSubUsec(now, 3000));
	TEST_CHECK(passed.point.a == 1 && L4_IsTimeEqual(passed, L4_ZeroTime));
	passed = L4_TimeSubUsec(p, 5000000);
	TEST_CHECK(passed.point.a == 1 && L4_IsTimeEqual(passed, L4_ZeroTime));
	TEST_CHECK_EQ(L4_TimePoint(L4_ClockAddUsec(now, 1ull << 40)).raw, L4_Never.raw); /* too far ahead */
}

/* ---- the preemption flags ------------------------------------------------------------ */

static volatile L4_Word_t high_runs;
static void high_once(void)
{
	for (;;) {
		high_runs++;
		L4_Stop(L4_Myself());
	}
}

USER_TEST(preemption, "x2api.thread.preemption",
	  "DisablePreemption delays a preemption by a better thread (PreemptionPending reports it, once) until we "
	  "yield; with EnablePreemption it preempts us at once")
{
	L4_ThreadId_t me = L4_Myself(), h = create_local();
	TEST_CHECK(!L4_IsNilThread(h));
	TEST_CHECK(L4_Set_Priority(h, 200) != L4_SchedResult_Error);
	TEST_CHECK_EQ(L4_Set_Priority(me, 150), L4_SchedResult_Running);
	TEST_CHECK_EQ(L4_Set_PreemptionDelay(me, 200, 50000), L4_SchedResult_Running); /* up to 50 ms, against 200 */
	high_runs = 0;
	TEST_CHECK(!L4_DisablePreemption()); /* it was enabled */
	TEST_CHECK(L4_DisablePreemption());
	TEST_CHECK(!L4_PreemptionPending());
	L4_Start_SpIp(h, new_stack(), (L4_Word_t)high_once); /* ready, and better than us */
	L4_Word_t ran_at_once = high_runs;
	L4_Bool_t pending = L4_PreemptionPending(), still = L4_PreemptionPending();
	TEST_CHECK(L4_EnablePreemption()); /* it was disabled */
	TEST_CHECK(!L4_EnablePreemption());
	L4_Yield();
	L4_Word_t ran_after_yield = high_runs;
	L4_Start(h); /* preemption enabled: it runs before Start returns to us */
	L4_Word_t ran_undelayed = high_runs;
	TEST_CHECK(!L4_PreemptionPending());
	TEST_CHECK_EQ(L4_Set_PreemptionDelay(me, 0, 0), L4_SchedResult_Running);
	TEST_CHECK_EQ(L4_Set_Priority(me, 255), L4_SchedResult_Running);
	TEST_CHECK(delete_thread(h));
	TEST_CHECK_EQ(ran_at_once, 0); /* delayed */
	TEST_CHECK(pending);
	TEST_CHECK(!still); /* read once, it is reset */
	TEST_CHECK_EQ(ran_after_yield, 1);
	TEST_CHECK_EQ(ran_undelayed, 2);
}

USER_TEST(flags, "x2api.thread.flags",
	  "the preemption-fault and coprocessor flags: enable/disable report the old state, and the UTCB's flags word "
	  "(MR0 - 80) holds them")
{
	volatile L4_Word_t *word = &((L4_Word_t *)L4_MyLocalId().raw)[-10];
	L4_Word_t before = *word;
	TEST_CHECK(!L4_EnablePreemptionFaultException());
	TEST_CHECK(*word & 0x20);
	TEST_CHECK(L4_EnablePreemptionFaultException());
	TEST_CHECK(L4_DisablePreemptionFaultException());
	TEST_CHECK(!(*word & 0x20));
	TEST_CHECK(!L4_DisablePreemptionFaultException());
	L4_Set_CopFlag(0);
	L4_Set_CopFlag(3);
	TEST_CHECK_EQ(*word & 0xff00, 0x0900);
	L4_Clr_CopFlag(0);
	TEST_CHECK_EQ(*word & 0xff00, 0x0800);
	L4_Clr_CopFlag(3);
	TEST_CHECK_EQ(*word, before);
}

/* ---- ProcessorControl, MemoryControl ------------------------------------------------ */

USER_TEST(processor_control, "x2api.misc.processorcontrol",
	  "ProcessorControl accepts processor 0 (frequencies and voltage are not changed) and refuses others")
{
	TEST_CHECK_EQ(L4_ProcessorControl(0, 0, 0, 0), 1);
	TEST_CHECK_EQ(L4_ProcessorControl(0, 1000, 100, 1), 1);
	TEST_CHECK_EQ(L4_ProcessorControl(1, 0, 0, 0), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidParam);
	TEST_CHECK_EQ(L4_ProcessorControl(~0ul, 0, 0, 0), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidParam);
}

static char attr_pages[2][4096] __attribute__((aligned(8192))); /* one 8 KiB fpage */

/* Writes a pattern into both pages and reads it back. */
static L4_Bool_t pages_hold(L4_Word_t salt)
{
	volatile L4_Word_t *w = (volatile L4_Word_t *)attr_pages;
	for (unsigned i = 0; i < sizeof attr_pages / 8; i += 64)
		w[i] = i ^ salt;
	for (unsigned i = 0; i < sizeof attr_pages / 8; i += 64)
		if (w[i] != (i ^ salt))
			return 0;
	return 1;
}

USER_TEST(memory_control, "x2api.misc.memorycontrol",
	  "MemoryControl on two of our pages: Set_PageAttribute, Set_PagesAttributes (an attribute per fpage), "
	  "MemoryControl itself; a nil fpage, an unknown attribute and a bad count answer 'invalid parameter'")
{
	TEST_CHECK(pages_hold(1)); /* present */
	L4_Fpage_t pages[2] = {L4_FpageLog2((L4_Word_t)attr_pages[0], 12), L4_FpageLog2((L4_Word_t)attr_pages[1], 12)};
	TEST_CHECK_EQ(L4_Set_PageAttribute(L4_FpageAddRights(pages[0], L4_FullyAccessible), L4_UncacheableMemory), 1);
	TEST_CHECK(pages_hold(2));
	TEST_CHECK_EQ(L4_Set_PageAttribute(L4_Nilpage, L4_UncacheableMemory), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidParam);
	TEST_CHECK_EQ(L4_Set_PageAttribute(pages[1], 6), 0); /* no such memory type */
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidParam);

	/* page 0 takes attribute 2 (write-combining), page 1 attribute 1 (write-through) */
	L4_Word_t attributes[4] = {L4_DefaultMemory, L4_WriteThroughMemory, L4_WriteCombiningMemory, 0};
	L4_Fpage_t both[2] = {pages[0], pages[1]};
	L4_Set_Rights(&both[0], 2);
	L4_Set_Rights(&both[1], 1);
	TEST_CHECK_EQ(L4_Set_PagesAttributes(2, both, attributes), 1);
	TEST_CHECK(pages_hold(3));
	TEST_CHECK_EQ(L4_Set_PageAttributes(2, both, attributes), 1); /* Pistachio's spelling */
	TEST_CHECK_EQ(L4_Set_PagesAttributes(0, both, attributes), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidParam);

	/* MemoryControl itself, the fpages in MR0 and MR1 (the UTCB at our local ID): write-back, k = 1 */
	L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
	mr[0] = pages[0].raw;
	mr[1] = pages[1].raw;
	TEST_CHECK_EQ(L4_MemoryControl(1, (L4_Word_t[4]){L4_WriteBackMemory, 0, 0, 0}), 1);
	TEST_CHECK(pages_hold(4));
	mr[0] = pages[0].raw;
	TEST_CHECK_EQ(L4_MemoryControl(1ul << 6, (L4_Word_t[4]){L4_WriteBackMemory, 0, 0, 0}), 0); /* bits above k */
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidParam);
	TEST_CHECK_EQ(L4_Set_PageAttribute(L4_FpageLog2((L4_Word_t)attr_pages, 13), L4_DefaultMemory), 1);
	TEST_CHECK(pages_hold(5));
}

/* ---- with IPC: threads in new spaces, paging, Unmap, aborts ------------------------- */

#define LABEL_READY 0x51
#define LABEL_DONE 0x52
#define CMD_READ 1
#define CMD_WRITE 2

static L4_ThreadId_t parent; /* our main thread, for threads and children to talk to */

/* A thread in a new space, paged by us and started at fn by our start message
 * (IP, SP); its UTCB area lies where ours does, with the KIP. Nil if a step fails. */
static L4_ThreadId_t start_child(void (*fn)(void), L4_ThreadId_t redirector)
{
	L4_ThreadId_t c = new_tid(), me = L4_Myself();
	void *utcb = (void *)(L4_MyLocalId().raw - 512);
	parent = me;
	if (L4_ThreadControl(c, c, me, L4_nilthread, (void *)-1) != 1)
		return L4_nilthread;
	if (L4_SpaceControl(c, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2((L4_Word_t)utcb, 14), redirector, NULL) !=
		1 ||
	    L4_ThreadControl(c, c, me, me, utcb) != 1) {
		delete_thread(c);
		return L4_nilthread;
	}
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_MsgAppendWord(&msg, (L4_Word_t)fn);
	L4_MsgAppendWord(&msg, new_stack());
	L4_MsgLoad(&msg);
	if (L4_IpcFailed(L4_Send(c))) {
		delete_thread(c);
		return L4_nilthread;
	}
	return c;
}

/* A page fault message: label -2 (in the label's bits 4 and up), the access in rwx. */
static L4_Bool_t is_pagefault(L4_MsgTag_t t) { return (L4_Label(t) >> 4) == ((~0ul << 1) & 0xfffffffffff); }

/* A tag of label and u untyped words. */
static L4_MsgTag_t tag_of(L4_Word_t label, L4_Word_t u)
{
	L4_MsgTag_t t = L4_MsgTagAddLabel(L4_Niltag, label);
	t.X.u = u;
	return t;
}

static L4_Word_t faults, fault_addr, fault_rwx;
/* Given what c's last IPC brought us, answers c's page faults (our page, mapped
 * with all rights; or, for a thread of our own space, nothing: the page is then
 * present for it too) until a message that is no fault; returns that. */
static L4_MsgTag_t serve(L4_ThreadId_t c, L4_MsgTag_t tag)
{
	L4_ThreadId_t from;
	while (L4_IpcSucceeded(tag) && is_pagefault(tag)) {
		L4_Word_t addr = 0;
		L4_StoreMR(1, &addr);
		faults++, fault_addr = addr, fault_rwx = L4_Label(tag) & 7;
		addr &= ~0xffful;
		(void)*(volatile char *)addr; /* present in our space */
		L4_Msg_t msg;
		L4_MsgClear(&msg);
		if (L4_IsNilThread(L4_LocalIdOf(c)))
			L4_MsgAppendMapItem(
			    &msg, L4_MapItem(L4_FpageAddRights(L4_FpageLog2(addr, 12), L4_FullyAccessible), addr));
		L4_MsgLoad(&msg);
		tag = L4_Ipc(c, c, L4_Timeouts(L4_ZeroTime, L4_Never), &from);
	}
	return tag;
}
/* Sends c (waiting in a call to us) a command, serves its faults, returns its answer in *value. */
static L4_Bool_t command(L4_ThreadId_t c, L4_Word_t cmd, volatile L4_Word_t *addr, L4_Word_t *value)
{
	L4_ThreadId_t from;
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_MsgAppendWord(&msg, cmd);
	L4_MsgAppendWord(&msg, (L4_Word_t)addr);
	L4_MsgLoad(&msg);
	L4_MsgTag_t tag = serve(c, L4_Ipc(c, c, L4_Timeouts(L4_Never, L4_Never), &from));
	L4_StoreMR(1, value);
	return L4_IpcSucceeded(tag) && L4_Label(tag) == LABEL_DONE;
}

/* Reports ready to its pager, then reads or writes the word each command names. */
static void toucher(void)
{
	L4_Set_MsgTag(tag_of(LABEL_READY, 0));
	for (;;) {
		if (L4_IpcFailed(L4_Call(L4_Pager())))
			continue;
		L4_Word_t cmd = 0, addr = 0, value;
		L4_StoreMR(1, &cmd);
		L4_StoreMR(2, &addr);
		if (cmd == CMD_READ)
			value = *(volatile L4_Word_t *)addr;
		else
			*(volatile L4_Word_t *)addr = value = cmd << 8 | (addr & 0xff);
		L4_LoadMR(1, value);
		L4_Set_MsgTag(tag_of(LABEL_DONE, 1));
	}
}

/* In a new space: what it may not do there, and who it is. */
static void unprivileged(void)
{
	L4_ThreadId_t me = L4_Myself();
	L4_Word_t stack_page = (L4_Word_t)&me & ~0xffful;
	L4_Msg_t msg;
	L4_MsgClear(&msg);
	L4_Set_MsgLabel(&msg, LABEL_DONE);
	L4_MsgAppendWord(&msg, L4_ThreadControl(L4_GlobalId(L4_ThreadNo(me) + 1, 1), me, me, me, (void *)-1));
	L4_MsgAppendWord(&msg, L4_ErrorCode());
	L4_MsgAppendWord(&msg, L4_SpaceControl(me, 0, L4_Nilpage, L4_Nilpage, L4_nilthread, NULL));
	L4_MsgAppendWord(&msg, L4_ErrorCode());
	L4_MsgAppendWord(&msg, L4_ProcessorControl(0, 0, 0, 0));
	L4_MsgAppendWord(&msg, L4_ErrorCode());
	L4_MsgAppendWord(&msg, L4_Set_PageAttribute(L4_FpageLog2(stack_page, 12), L4_UncacheableMemory));
	L4_MsgAppendWord(&msg, L4_ErrorCode());
	L4_MsgAppendWord(&msg, L4_Set_Priority(parent, 10)); /* we are not its scheduler */
	L4_MsgAppendWord(&msg, L4_ErrorCode());
	L4_MsgAppendWord(&msg, L4_LocalIdOf(parent).raw); /* another space's thread */
	L4_MsgAppendWord(&msg, L4_Pager().raw);
	L4_MsgAppendWord(&msg, me.raw);
	L4_MsgAppendWord(&msg, L4_MyLocalId().raw);
	L4_MsgLoad(&msg);
	L4_Send(L4_Pager());
	for (;;)
		L4_Sleep(L4_Never);
}

USER_TEST(new_space, "x2api.space.new",
	  "a thread in a new space made by ThreadControl and SpaceControl starts with our start message and is paged "
	  "by us; there the privileged calls answer 'no privilege' and other spaces' threads are out of reach")
{
	L4_ThreadId_t c = start_child(unprivileged, L4_nilthread);
	TEST_CHECK(!L4_IsNilThread(c));
	faults = 0;
	L4_MsgTag_t tag = serve(c, L4_Receive(c));
	TEST_CHECK(L4_IpcSucceeded(tag));
	TEST_CHECK_EQ(L4_Label(tag), LABEL_DONE);
	TEST_CHECK(faults >= 3); /* code, data, stack */
	L4_Msg_t msg;
	L4_MsgStore(tag, &msg);
	TEST_CHECK_EQ(L4_UntypedWords(tag), 14);
	for (unsigned i = 0; i < 10; i += 2) {
		TEST_CHECK_EQ(L4_MsgWord(&msg, i), 0);
		TEST_CHECK_EQ(L4_MsgWord(&msg, i + 1), L4_ErrNoPrivilege);
	}
	TEST_CHECK_EQ(L4_MsgWord(&msg, 10), L4_nilthread.raw);
	TEST_CHECK_EQ(L4_MsgWord(&msg, 11), L4_Myself().raw); /* its pager: us */
	TEST_CHECK_EQ(L4_MsgWord(&msg, 12), c.raw);
	TEST_CHECK_EQ(L4_MsgWord(&msg, 13), L4_MyLocalId().raw); /* its UTCB lies where ours does */
	TEST_CHECK(delete_thread(c)); /* and its space */
}

static volatile L4_Word_t shared_page[512] __attribute__((aligned(4096)));

USER_TEST(unmap, "x2api.space.unmap",
	  "a page of ours mapped to a child: GetStatus reports and resets its accesses, UnmapFpage with w takes its "
	  "write access (its next write faults), UnmapFpages and the overloaded Unmap(fpage) take all of it")
{
	shared_page[0] = 7;
	L4_ThreadId_t c = start_child(toucher, L4_nilthread);
	TEST_CHECK(!L4_IsNilThread(c));
	L4_MsgTag_t tag = serve(c, L4_Receive(c));
	TEST_CHECK(L4_IpcSucceeded(tag) && L4_Label(tag) == LABEL_READY);
	L4_Fpage_t page = L4_FpageLog2((L4_Word_t)shared_page, 12);
	L4_Word_t value = 0;
	faults = 0;
	TEST_CHECK(command(c, CMD_READ, shared_page, &value));
	TEST_CHECK_EQ(value, 7);
	TEST_CHECK_EQ(faults, 1);
	TEST_CHECK_EQ(fault_addr, (L4_Word_t)shared_page);
	TEST_CHECK(!(fault_rwx & L4_Writable));
	L4_Fpage_t st = L4_GetStatus(page);
	TEST_CHECK(L4_WasReferenced(st) && !L4_WasWritten(st));
	TEST_CHECK_EQ(L4_Address(st), (L4_Word_t)shared_page);
	st = L4_GetStatus(page); /* reset by the first */
	TEST_CHECK(!L4_WasReferenced(st) && !L4_WasWritten(st) && !L4_WasExecuted(st) && !L4_WaseXecuted(st));

	TEST_CHECK(command(c, CMD_WRITE, shared_page, &value)); /* mapped with w: no fault */
	TEST_CHECK_EQ(faults, 1);
	TEST_CHECK_EQ(shared_page[0], value); /* the same page */
	st = L4_GetStatus(page);
	TEST_CHECK(L4_WasWritten(st) && L4_WasReferenced(st));

	st = L4_UnmapFpage(L4_FpageAddRights(page, L4_Writable)); /* no accesses since GetStatus */
	TEST_CHECK(!L4_WasReferenced(st) && !L4_WasWritten(st));
	TEST_CHECK(command(c, CMD_READ, shared_page, &value)); /* it may still read */
	TEST_CHECK_EQ(faults, 1);
	TEST_CHECK(command(c, CMD_WRITE, shared_page, &value)); /* but a write faults */
	TEST_CHECK_EQ(faults, 2);
	TEST_CHECK(fault_rwx & L4_Writable);
	TEST_CHECK_EQ(shared_page[0], value);

	/* two fpages at once: all rights; the results carry the accesses */
	L4_Fpage_t two[2] = {L4_FpageAddRights(page, L4_FullyAccessible),
			     L4_FpageAddRights(L4_FpageLog2((L4_Word_t)stacks, 12), L4_FullyAccessible)};
	L4_UnmapFpages(2, two);
	TEST_CHECK(L4_WasWritten(two[0]) && L4_WasReferenced(two[0]));
	TEST_CHECK_EQ(L4_Address(two[0]), (L4_Word_t)shared_page);
	TEST_CHECK(command(c, CMD_READ, shared_page, &value)); /* gone: it faults again */
	TEST_CHECK_EQ(faults, 3);
	st = L4_Unmap(L4_FpageAddRights(page, L4_FullyAccessible)); /* X.2's overload: L4_UnmapFpage */
	TEST_CHECK(L4_WasReferenced(st) && !L4_WasWritten(st));
	L4_Fpage_t again[1] = {L4_FpageAddRights(page, L4_FullyAccessible)};
	L4_Unmap(1, again); /* L4_UnmapFpages: nothing mapped since */
	TEST_CHECK(!L4_WasReferenced(again[0]));
	TEST_CHECK(command(c, CMD_READ, shared_page, &value));
	TEST_CHECK_EQ(faults, 4);
	TEST_CHECK(delete_thread(c));
}

/* Makes us its pager (X.2: the Pager TCR), reports that, then touches words for us. */
static void own_pager_toucher(void)
{
	L4_Set_Pager(parent);
	L4_LoadMR(1, L4_Pager().raw);
	L4_Set_MsgTag(tag_of(LABEL_READY, 1));
	for (;;) {
		if (L4_IpcFailed(L4_Call(parent)))
			continue;
		L4_Word_t cmd = 0, addr = 0;
		L4_StoreMR(1, &cmd);
		L4_StoreMR(2, &addr);
		L4_LoadMR(1, *(volatile L4_Word_t *)addr);
		L4_Set_MsgTag(tag_of(LABEL_DONE, 1));
	}
}

static volatile L4_Word_t flush_pages[2][512] __attribute__((aligned(4096)));

USER_TEST(flush, "x2api.space.flush",
	  "a thread that makes us its pager (Set_Pager) faults to us; Flush takes our own mapping (its next access "
	  "faults), UnmapFpage does not; FlushFpages and the overloaded Flush(n, fpages) take lists")
{
	parent = L4_Myself();
	flush_pages[0][0] = 11, flush_pages[1][0] = 22; /* present */
	L4_ThreadId_t t = start_local(own_pager_toucher, 100);
	TEST_CHECK(!L4_IsNilThread(t));
	L4_MsgTag_t tag = L4_Receive(t);
	TEST_CHECK(L4_IpcSucceeded(tag) && L4_Label(tag) == LABEL_READY);
	L4_Word_t value = 0;
	L4_StoreMR(1, &value);
	TEST_CHECK_EQ(value, parent.raw); /* its Pager TCR */
	TEST_CHECK(L4_IsThreadEqual(L4_PagerOf(t), parent)); /* and the kernel's */
	L4_Fpage_t p0 = L4_FpageAddRights(L4_FpageLog2((L4_Word_t)flush_pages[0], 12), L4_FullyAccessible);
	L4_Fpage_t p1 = L4_FpageAddRights(L4_FpageLog2((L4_Word_t)flush_pages[1], 12), L4_FullyAccessible);
	faults = 0;
	TEST_CHECK(command(t, CMD_READ, flush_pages[0], &value));
	TEST_CHECK_EQ(value, 11);
	TEST_CHECK_EQ(faults, 0); /* present in our space */
	L4_UnmapFpage(p0); /* derived mappings only: ours stays */
	TEST_CHECK(command(t, CMD_READ, flush_pages[0], &value));
	TEST_CHECK_EQ(faults, 0);
	L4_Flush(p0); /* ours too */
	TEST_CHECK(command(t, CMD_READ, flush_pages[0], &value));
	TEST_CHECK_EQ(faults, 1); /* to us, its pager */
	TEST_CHECK_EQ(fault_addr, (L4_Word_t)flush_pages[0]);
	TEST_CHECK_EQ(value, 11); /* our pager gave us the page back */
	L4_Fpage_t both[2] = {p0, p1};
	L4_FlushFpages(2, both);
	TEST_CHECK_EQ(L4_Address(both[1]), (L4_Word_t)flush_pages[1]);
	TEST_CHECK(command(t, CMD_READ, flush_pages[1], &value));
	TEST_CHECK(command(t, CMD_READ, flush_pages[0], &value));
	TEST_CHECK_EQ(faults, 3);
	TEST_CHECK_EQ(value, 11);
	both[0] = p0, both[1] = p1;
	L4_Flush(2, both); /* X.2's overload: L4_FlushFpages */
	TEST_CHECK(command(t, CMD_READ, flush_pages[1], &value));
	TEST_CHECK_EQ(faults, 4);
	TEST_CHECK_EQ(value, 22);
	TEST_CHECK(delete_thread(t));
}

/* ---- aborting IPC, Schedule's IPC states, redirection ---------------------------------- */

static volatile L4_Word_t ipc_error;
static void receive_from_parent(void)
{
	L4_MsgTag_t tag = L4_Receive(parent); /* we never send it anything */
	ipc_error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0xffff;
	for (;;)
		L4_Stop(L4_Myself());
}
static void send_to_parent(void)
{
	L4_Set_MsgTag(L4_Niltag);
	L4_MsgTag_t tag = L4_Send(parent); /* we never receive from it */
	ipc_error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0xffff;
	for (;;)
		L4_Stop(L4_Myself());
}

/* t's state word, read without changing anything (ExchangeRegisters' d). */
static L4_ThreadState_t state_of(L4_ThreadId_t t)
{
	L4_ThreadState_t s = {0};
	L4_ExchangeRegisters(t, 0x200, 0, 0, 0, 0, L4_nilthread, &s.raw, NULL, NULL, NULL, NULL, NULL);
	return s;
}
/* Gives t the CPU until it blocks in the IPC phase `receiving` or not. */
static L4_Bool_t wait_blocked(L4_ThreadId_t t, L4_Bool_t receiving)
{
	for (int i = 0; i < 100000; i++) {
		L4_ThreadState_t s = state_of(t);
		if (receiving ? L4_ThreadWasReceiving(s) : L4_ThreadWasSending(s))
			return 1;
		L4_ThreadSwitch(t);
	}
	return 0;
}

/* X.2 IPC error code "canceled by another thread" (3) in the send (0) or receive (1) phase. */
#define CANCELED_IN(phase) (3 << 1 | (phase))

USER_TEST(abort, "x2api.thread.abort",
	  "AbortReceive_and_stop and AbortSend_and_stop end a blocked IPC of their phase only ('canceled'), and "
	  "report it; Schedule reports sending and receiving threads")
{
	parent = L4_Myself();
	ipc_error = 0;
	L4_ThreadId_t r = start_local(receive_from_parent, 100);
	TEST_CHECK(!L4_IsNilThread(r));
	TEST_CHECK(wait_blocked(r, 1));
	TEST_CHECK(in_receive(L4_Set_Priority(r, 100)));
	L4_ThreadState_t s = L4_AbortSend_and_stop(r); /* the wrong phase: it stays in its receive */
	TEST_CHECK(L4_ThreadWasReceiving(s) && !L4_ThreadWasHalted(s));
	L4_ExchangeRegisters(r, 0x100, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL); /* resume only */
	s = state_of(r);
	TEST_CHECK(L4_ThreadWasReceiving(s) && !L4_ThreadWasHalted(s));
	s = L4_AbortReceive_and_stop(r);
	TEST_CHECK(L4_ThreadWasReceiving(s) && L4_ThreadWasIpcing(s) && !L4_ThreadWasSending(s));
	s = state_of(r);
	TEST_CHECK(L4_ThreadWasHalted(s) && !L4_ThreadWasIpcing(s));
	TEST_CHECK_EQ(ipc_error, 0); /* halted before it saw the result */
	L4_Start(r);
	TEST_CHECK(run_until_changed(r, &ipc_error, 0));
	TEST_CHECK_EQ(ipc_error, CANCELED_IN(1));
	TEST_CHECK(delete_thread(r));

	ipc_error = 0;
	L4_ThreadId_t snd = start_local(send_to_parent, 100);
	TEST_CHECK(!L4_IsNilThread(snd));
	TEST_CHECK(wait_blocked(snd, 0));
	TEST_CHECK(in_send(L4_Set_Priority(snd, 100)));
	s = L4_AbortReceive_and_stop(snd); /* the wrong phase */
	TEST_CHECK(L4_ThreadWasSending(s) && !L4_ThreadWasReceiving(s));
	L4_ExchangeRegisters(snd, 0x100, 0, 0, 0, 0, L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL);
	TEST_CHECK(L4_ThreadWasSending(state_of(snd)));
	L4_Word_t sp = 0, ip = 0, flags = 0;
	s = L4_AbortSend_and_stop(snd, &sp, &ip, &flags);
	TEST_CHECK(L4_ThreadWasSending(s) && L4_ThreadWasIpcing(s));
	TEST_CHECK(sp > (L4_Word_t)stacks && sp < (L4_Word_t)stacks + sizeof stacks);
	L4_Start(snd);
	TEST_CHECK(run_until_changed(snd, &ipc_error, 0));
	TEST_CHECK_EQ(ipc_error, CANCELED_IN(0));
	TEST_CHECK(delete_thread(snd));

	/* AbortIpc_and_stop: whichever phase */
	ipc_error = 0;
	r = start_local(receive_from_parent, 100);
	TEST_CHECK(!L4_IsNilThread(r));
	TEST_CHECK(wait_blocked(r, 1));
	s = L4_AbortIpc_and_stop(r);
	TEST_CHECK(L4_ThreadWasIpcing(s));
	L4_Start(r);
	TEST_CHECK(run_until_changed(r, &ipc_error, 0));
	TEST_CHECK_EQ(ipc_error, CANCELED_IN(1));
	TEST_CHECK(delete_thread(r));
}

static L4_ThreadId_t outsider; /* a thread outside the child's space, which it sends to */
static volatile L4_Word_t outsider_got;

/* In our space: takes any message and notes its tag. */
static void take_any(void)
{
	for (;;) {
		L4_ThreadId_t from;
		L4_MsgTag_t tag = L4_Wait(&from);
		if (L4_IpcSucceeded(tag))
			outsider_got = tag.raw;
	}
}

/* Sends outsider label 0x99, waits for our word, sends it label 0x9a, then reports. */
static void send_out(void)
{
	L4_LoadMR(1, 0x5eed);
	L4_Set_MsgTag(tag_of(0x99, 1));
	L4_MsgTag_t tag = L4_Send(outsider);
	L4_Receive(L4_Pager());
	L4_Set_MsgTag(tag_of(0x9a, 0));
	L4_MsgTag_t tag2 = L4_Send(outsider);
	L4_LoadMR(1, L4_IpcFailed(tag) || L4_IpcFailed(tag2) ? L4_ErrorCode() : 0);
	L4_Set_MsgTag(tag_of(LABEL_DONE, 1));
	L4_Send(L4_Pager());
	for (;;)
		L4_Sleep(L4_Never);
}

USER_TEST(redirector, "x2api.space.redirector",
	  "SpaceControl's redirector: the child's IPC out of its space comes to us, flagged redirected, with "
	  "IntendedReceiver naming the thread it was for; without a redirector it reaches that thread")
{
	outsider = start_local(take_any, 100);
	TEST_CHECK(!L4_IsNilThread(outsider));
	outsider_got = 0;
	L4_ThreadId_t c = start_child(send_out, L4_Myself());
	TEST_CHECK(!L4_IsNilThread(c));
	L4_MsgTag_t tag = serve(c, L4_Receive(c));
	TEST_CHECK(L4_IpcSucceeded(tag));
	TEST_CHECK_EQ(L4_Label(tag), 0x99);
	TEST_CHECK(L4_IpcRedirected(tag));
	TEST_CHECK(L4_IsThreadEqual(L4_IntendedReceiver(), outsider));
	L4_Word_t w = 0;
	L4_StoreMR(1, &w);
	TEST_CHECK_EQ(w, 0x5eed);
	L4_Word_t old = 1;
	TEST_CHECK_EQ(L4_SpaceControl(c, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(L4_MyLocalId().raw - 512, 14),
				      L4_anythread, &old),
		      1); /* no redirector any more */
	L4_Set_MsgTag(L4_Niltag);
	TEST_CHECK(L4_IpcSucceeded(L4_Send(c))); /* go on */
	tag = serve(c, L4_Receive(c)); /* its report to its pager (us) */
	TEST_CHECK(L4_IpcSucceeded(tag) && L4_Label(tag) == LABEL_DONE);
	TEST_CHECK(!L4_IpcRedirected(tag));
	L4_StoreMR(1, &w);
	TEST_CHECK_EQ(w, 0);
	TEST_CHECK(run_until_changed(outsider, &outsider_got, 0)); /* the second message went to it */
	L4_MsgTag_t got = {.raw = outsider_got};
	TEST_CHECK_EQ(L4_Label(got), 0x9a);
	TEST_CHECK(!L4_IpcRedirected(got));
	TEST_CHECK(delete_thread(c));
	TEST_CHECK(delete_thread(outsider));
}
