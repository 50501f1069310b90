/* SPDX-License-Identifier: MIT */
/* The x2api suite's threads, scheduling, spaces and privileged calls: X.2 names only (ThreadControl, ExchangeRegisters, Schedule, ...). */
#include <test.h>
#include <string.h>
#include <l4/thread.h>
#include <l4/schedule.h>
#include <l4/space.h>
#include <l4/misc.h>

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
	TEST_CHECK_EQ(L4_Set_Priority(t, 50), L4_SchedResult_Receiving); /* waits for its start message */
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
	TEST_CHECK_EQ(L4_Set_Priority(s, 50), L4_SchedResult_Receiving); /* waiting for its start message */
	TEST_CHECK_EQ(L4_ThreadControl(s2, s, me, me, (void *)(L4_Address(utcbs) + 1024)), 1); /* in s's space */
	TEST_CHECK_EQ(L4_ThreadControl(s2, s, me, me, (void *)(L4_Address(utcbs) + 2048)), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrUtcbArea); /* an active thread keeps its UTCB */
	TEST_CHECK_EQ(L4_ThreadControl(s2, me, me, me, (void *)-1), 0);
	TEST_CHECK_EQ(L4_ErrorCode(), L4_ErrInvalidSpace); /* no moving between spaces */
	TEST_CHECK(L4_IsNilThread(L4_LocalIdOf(s2))); /* not ours to exchange registers with */
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
	TEST_CHECK_EQ(L4_Set_Priority(t, 254), L4_SchedResult_Receiving); /* waiting for its start */
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
	TEST_CHECK(L4_IsTimeEqual(L4_TimePoint(L4_ClockSubUsec(now, 3000)), L4_ZeroTime));
	TEST_CHECK(L4_IsTimeEqual(L4_TimeSubUsec(p, 5000000), L4_ZeroTime));
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
