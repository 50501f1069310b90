/* SPDX-License-Identifier: MIT */
/* The X.2 amd64 UTCB: word offsets from MR0, which is the local thread ID (ABI §6). */
#ifndef L4_UTCB_H
#define L4_UTCB_H

#include <l4/types.h>

/* Word indices relative to MR0 (negative: below it). */
#define L4_UTCB_BR(i) (-16 - (i)) /* BR0 at -128 bytes ... BR32 at -384 */
#define L4_UTCB_MY_GLOBAL_ID (-15)
#define L4_UTCB_PROCESSOR_NO (-14)
#define L4_UTCB_USER_HANDLE (-13)
#define L4_UTCB_PAGER (-12)
#define L4_UTCB_EXCEPTION_HANDLER (-11)
#define L4_UTCB_FLAGS (-10)
#define L4_UTCB_ERROR_CODE (-9)
#define L4_UTCB_XFER_TIMEOUTS (-8)
#define L4_UTCB_INTENDED_RECEIVER (-7)
#define L4_UTCB_ACTUAL_SENDER (-6)
#define L4_UTCB_THREAD_WORD1 (-5)
#define L4_UTCB_THREAD_WORD0 (-4)
#define L4_UTCB_WORD_SIZE_MASK (-1)
#define L4_UTCB_MR(i) (i)

/* Byte 0 of L4_UTCB_FLAGS: the preemption flags (X.2 §"Schedule", ABI §6.2). */
#define L4_PREEMPT_SIGNAL 0x20 /* s: signal preemptions to the exception handler */
#define L4_PREEMPT_DELAY 0x40 /* d: the thread asks for delayed preemption */
#define L4_PREEMPT_PENDING 0x80 /* I: set by the kernel: a preemption is being delayed */

#define L4_UTCB_MRS 64
#define L4_UTCB_BRS 33
#define L4_UTCB_SIZE 1024
#define L4_UTCB_MR0_OFFSET 512 /* MR0 = UTCB start + 512 */

_Static_assert(L4_UTCB_BR(0) * 8 == -128 && L4_UTCB_BR(32) * 8 == -384, "BR placement");
_Static_assert(L4_UTCB_MY_GLOBAL_ID * 8 == -120, "MyGlobalId at -120 (libl4 local->global)");
_Static_assert(L4_UTCB_ERROR_CODE * 8 == -72, "ErrorCode at -72");
_Static_assert(L4_UTCB_MR0_OFFSET + L4_UTCB_MRS * 8 == L4_UTCB_SIZE, "64 MRs end the UTCB");

#endif
