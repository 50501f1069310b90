/* SPDX-License-Identifier: MIT */
/* The X.2 convenience interface for time and scheduling (X.2 §3): SystemClock, time points, ThreadSwitch, Schedule. */
#ifndef L4_SCHEDULE_H
#define L4_SCHEDULE_H

#include <l4/thread.h>

/* ---- SystemClock (X.2 §3.2) and time values (§3.3) ---- */

L4_INLINE L4_Clock_t L4_SystemClock(void) { return (L4_Clock_t){.raw = l4_system_clock()}; }

/* The point `at` (a clock value) in the form the kernel reads against now:
 * never if it is 2^25 us or more ahead. A point not ahead reads as passed (a
 * zero timeout) only while the clock stays in its stretch of 2^(e+10) us, so it
 * gets the coarsest exponent, 15: at itself (to 2^15 us) if it lies in the
 * clock's current stretch of 2^25 us, else that stretch's start. */
L4_INLINE L4_Time_t __L4_PointAt(L4_Word64_t at, L4_Word64_t now)
{
	if (at > now)
		return (L4_Time_t){.raw = l4_time_point(at, now)};
	L4_Word64_t stretch = now >> 25 << 25, p = at >= stretch ? at : stretch;
	L4_Time_t t = {.raw = 0};
	t.point.a = 1, t.point.e = 15, t.point.c = (now >> 25) & 1, t.point.m = (p >> 15) & 0x3ff;
	return t;
}
L4_INLINE L4_Time_t L4_TimePoint(L4_Clock_t at) { return __L4_PointAt(at.raw, l4_system_clock()); }

/*
 * Arithmetic and comparison of time values (X.2 §3.3). A period stands for its
 * length, never for an endless one; a point for the clock value it names, read
 * against the clock now as the kernel reads it (mnemo: docs/kernel.md "Time"):
 * its bits e..e+9 are m, the clock's bits above e+10 complete it, taking the
 * stretch of 2^(e+10) us whose lowest bit is c, this one or the next.
 */
#define __L4_NEVER_US (~(L4_Word64_t)0)

L4_INLINE L4_Bool_t __L4_IsTimePoint(L4_Time_t t) { return t.point.a != 0; }
L4_INLINE L4_Word64_t __L4_PointClock(L4_Time_t t, L4_Word64_t now)
{
	unsigned shift = t.point.e + 10u;
	L4_Word64_t stretch = now >> shift;
	if ((stretch & 1) != t.point.c)
		stretch++;
	return stretch << shift | (L4_Word64_t)t.point.m << t.point.e;
}
/* How long a timeout of t waits when given at clock now (a passed point: 0). */
L4_INLINE L4_Word64_t __L4_TimeLeft(L4_Time_t t, L4_Word64_t now)
{
	if (t.raw == L4_Never.raw)
		return __L4_NEVER_US;
	if (!__L4_IsTimePoint(t))
		return (L4_Word64_t)t.period.m << t.period.e;
	L4_Word64_t at = __L4_PointClock(t, now);
	return at > now ? at - now : 0;
}
/* A period of us microseconds (zero time for 0), rounded up. */
L4_INLINE L4_Time_t __L4_PeriodOf(L4_Word64_t us) { return us == 0 ? L4_ZeroTime : L4_TimePeriod(us); }
/* t moved by delta microseconds (later if later, else earlier; a period does
 * not get shorter than zero; never stays never). */
L4_INLINE L4_Time_t __L4_TimeMove(L4_Time_t t, L4_Word64_t delta, L4_Bool_t later)
{
	if (t.raw == L4_Never.raw)
		return t;
	if (!__L4_IsTimePoint(t)) {
		L4_Word64_t us = __L4_TimeLeft(t, 0);
		return __L4_PeriodOf(later ? us + delta : us > delta ? us - delta : 0);
	}
	L4_Word64_t now = l4_system_clock(), at = __L4_PointClock(t, now);
	if (later && delta > __L4_NEVER_US - at)
		return L4_Never;
	return __L4_PointAt(later ? at + delta : at > delta ? at - delta : 0, now);
}

L4_INLINE L4_Time_t L4_TimeAddUsec(L4_Time_t t, L4_Word_t us) { return __L4_TimeMove(t, us, 1); }
L4_INLINE L4_Time_t L4_TimeSubUsec(L4_Time_t t, L4_Word_t us) { return __L4_TimeMove(t, us, 0); }
L4_INLINE L4_Time_t L4_TimeAddUsecTo(L4_Time_t *t, L4_Word_t us) { return *t = L4_TimeAddUsec(*t, us); }
L4_INLINE L4_Time_t L4_TimeSubUsecFrom(L4_Time_t *t, L4_Word_t us) { return *t = L4_TimeSubUsec(*t, us); }
/* A time plus or minus a period r (adding never gives never, taking it away
 * leaves nothing of a period). */
L4_INLINE L4_Time_t L4_TimeAdd(L4_Time_t l, L4_Time_t r)
{
	L4_Word64_t us = __L4_TimeLeft(r, __L4_IsTimePoint(r) ? l4_system_clock() : 0);
	return us == __L4_NEVER_US ? L4_Never : L4_TimeAddUsec(l, us);
}
L4_INLINE L4_Time_t L4_TimeSub(L4_Time_t l, L4_Time_t r)
{
	L4_Word64_t us = __L4_TimeLeft(r, __L4_IsTimePoint(r) ? l4_system_clock() : 0);
	if (us == __L4_NEVER_US)
		return l.raw == L4_Never.raw ? L4_Never : L4_ZeroTime;
	return L4_TimeSubUsec(l, us);
}
L4_INLINE L4_Time_t L4_TimeAddTo(L4_Time_t *l, L4_Time_t r) { return *l = L4_TimeAdd(*l, r); }
L4_INLINE L4_Time_t L4_TimeSubFrom(L4_Time_t *l, L4_Time_t r) { return *l = L4_TimeSub(*l, r); }

/* Compared by how long a timeout of each waits from now: never is longest. */
L4_INLINE int __L4_TimeCompare(L4_Time_t l, L4_Time_t r)
{
	L4_Word64_t now = __L4_IsTimePoint(l) || __L4_IsTimePoint(r) ? l4_system_clock() : 0;
	L4_Word64_t a = __L4_TimeLeft(l, now), b = __L4_TimeLeft(r, now);
	return a < b ? -1 : a > b;
}
L4_INLINE L4_Bool_t L4_IsTimeLonger(L4_Time_t l, L4_Time_t r) { return __L4_TimeCompare(l, r) > 0; }
L4_INLINE L4_Bool_t L4_IsTimeShorter(L4_Time_t l, L4_Time_t r) { return __L4_TimeCompare(l, r) < 0; }
L4_INLINE L4_Bool_t L4_IsTimeEqual(L4_Time_t l, L4_Time_t r) { return __L4_TimeCompare(l, r) == 0; }
L4_INLINE L4_Bool_t L4_IsTimeNotEqual(L4_Time_t l, L4_Time_t r) { return __L4_TimeCompare(l, r) != 0; }

/* ---- ThreadSwitch (X.2 §3.4) ---- */

/* Gives the rest of the time slice to dest if it is ready, else (and for nil)
 * to whoever the scheduler picks. */
L4_INLINE void L4_ThreadSwitch(L4_ThreadId_t dest) { l4_thread_switch(dest.raw); }
L4_INLINE void L4_Yield(void) { l4_yield(); }

/* ---- Schedule (X.2 §3.5) ---- */

/* Schedule's result: 0 on error (L4_ErrorCode() says why), else dest's state. */
#define L4_SchedResult_Error 0
#define L4_SchedResult_Dead 1
#define L4_SchedResult_Inactive 2
#define L4_SchedResult_Running 3
#define L4_SchedResult_Pending 4 /* a send pending, not yet started */
#define L4_SchedResult_Sending 5
#define L4_SchedResult_Waiting 6 /* waiting to receive */
#define L4_SchedResult_Receiving 7
/* Pistachio's names of the same. */
#define L4_SCHEDRESULT_ERROR L4_SchedResult_Error
#define L4_SCHEDRESULT_DEAD L4_SchedResult_Dead
#define L4_SCHEDRESULT_INACTIVE L4_SchedResult_Inactive
#define L4_SCHEDRESULT_RUNNING L4_SchedResult_Running
#define L4_SCHEDRESULT_PENDING_SEND L4_SchedResult_Pending
#define L4_SCHEDRESULT_SENDING L4_SchedResult_Sending
#define L4_SCHEDRESULT_WAITING L4_SchedResult_Waiting
#define L4_SCHEDRESULT_RECEIVING L4_SchedResult_Receiving

/* Each control word ~0 leaves its part alone. TimeControl: time slice (a period)
 * in bits 16-31, total quantum in bits 0-15 (0xffff: unchanged); the old one
 * comes back, the quantum as what is left of it. ProcessorControl: the
 * processor number in bits 0-15. PreemptionControl: sensitive priority in bits
 * 16-23, maximum delay in microseconds in bits 0-15. */
L4_INLINE L4_Word_t L4_Schedule(L4_ThreadId_t dest, L4_Word_t TimeControl, L4_Word_t ProcessorControl, L4_Word_t prio,
				L4_Word_t PreemptionControl, L4_Word_t *old_TimeControl)
{
	return l4_schedule(dest.raw, TimeControl, ProcessorControl, prio, PreemptionControl, old_TimeControl);
}
L4_INLINE L4_Word_t L4_Set_Priority(L4_ThreadId_t t, L4_Word_t prio)
{
	return L4_Schedule(t, ~0ul, ~0ul, prio & 0xff, ~0ul, NULL);
}
L4_INLINE L4_Word_t L4_Set_ProcessorNo(L4_ThreadId_t t, L4_Word_t processor)
{
	return L4_Schedule(t, ~0ul, processor & 0xffff, ~0ul, ~0ul, NULL);
}
L4_INLINE L4_Word_t L4_Set_Timeslice(L4_ThreadId_t t, L4_Time_t timeslice, L4_Time_t totalquantum)
{
	return L4_Schedule(t, (L4_Word_t)timeslice.raw << 16 | totalquantum.raw, ~0ul, ~0ul, ~0ul, NULL);
}
/* The time slice and what is left of the total quantum. */
L4_INLINE L4_Word_t L4_Timeslice(L4_ThreadId_t t, L4_Time_t *timeslice, L4_Time_t *totalquantum)
{
	L4_Word_t time_control = 0, r = L4_Schedule(t, ~0ul, ~0ul, ~0ul, ~0ul, &time_control);
	timeslice->raw = (L4_Word16_t)(time_control >> 16);
	totalquantum->raw = (L4_Word16_t)time_control;
	return r;
}
/* The X.2 manual spells these TimeSlice, Pistachio Timeslice. */
L4_INLINE L4_Word_t L4_Set_TimeSlice(L4_ThreadId_t t, L4_Time_t timeslice, L4_Time_t totalquantum)
{
	return L4_Set_Timeslice(t, timeslice, totalquantum);
}
L4_INLINE L4_Word_t L4_TimeSlice(L4_ThreadId_t t, L4_Time_t *timeslice, L4_Time_t *totalquantum)
{
	return L4_Timeslice(t, timeslice, totalquantum);
}
/* Preemption of t may be delayed (its d flag: L4_DisablePreemption) by up to
 * maxDelay microseconds, against threads of at most sensitivePrio. */
L4_INLINE L4_Word_t L4_Set_PreemptionDelay(L4_ThreadId_t t, L4_Word_t sensitivePrio, L4_Word_t maxDelay)
{
	return L4_Schedule(t, ~0ul, ~0ul, ~0ul, (sensitivePrio & 0xff) << 16 | (maxDelay & 0xffff), NULL);
}

#endif
