/* SPDX-License-Identifier: MIT */
/* mnemo's thread-state service: halt, read and restore a thread's complete user state, for checkpointing (docs/persistence.md). */
#ifndef MNEMO_THREAD_STATE_H
#define MNEMO_THREAD_STATE_H

#include <l4/types.h>
#include <l4/kip.h>

/*
 * The state thread is the second system thread (version 1). Only root servers
 * (sigma0's and the root task's spaces) may call it; everything is a call
 * (l4_call), answered at once: the reply's label is 0 on success, else one of
 * MNEMO_STATE_E*; its untyped words are the result.
 *
 *  MNEMO_STATE_HALT  MR1 thread, MR2 1 halt / 0 resume. Halting a thread that
 *                    is in an IPC leaves it there; it stops when it would run.
 *  MNEMO_STATE_GET   MR1 thread, MR2 part -> the part's words. The thread must
 *                    be halted (or waiting for its start message).
 *  MNEMO_STATE_SET   MR1 thread, MR2 part, MR3.. the part's words. The thread
 *                    must be halted, or new and waiting for its start message:
 *                    then setting part 0 starts it, halted (resume it with
 *                    MNEMO_STATE_HALT 0).
 *
 * Parts: 0 the registers (MNEMO_STATE_REGS words, layout below); 1..4 the
 * UTCB, 32 words each from its start (1024 bytes; on SET the kernel keeps its
 * own words: MyGlobalId, ProcessorNo, Pager); 5..6 the FPU/SSE state, the
 * 512-byte FXSAVE image, 32 words each (on SET, MXCSR's reserved bits are
 * cleared).
 *
 * A thread caught in an IPC is exported so that the IPC *restarts*: rip is
 * the system-call instruction and, if its send phase was done already (it
 * waits in its receive phase), the destination register holds nil, so that
 * only the receive is made again (no message is sent twice). A thread waiting
 * for its pager (page fault) is exported at the faulting instruction: it faults
 * again. A thread inside a string copy or preempted inside the kernel is busy:
 * MNEMO_STATE_EBUSY, ask again after it ran a little.
 */
static inline l4_threadid_t mnemo_state_thread(const struct l4_kip *k)
{
	return l4_global_id(l4_kip_system_base(k) + 1, 1);
}

#define MNEMO_STATE_HALT 0x7301u
#define MNEMO_STATE_GET 0x7302u
#define MNEMO_STATE_SET 0x7303u

#define MNEMO_STATE_EPERM 1 /* the caller is not a root server */
#define MNEMO_STATE_EINVAL 2 /* no such user thread, bad part or bad value */
#define MNEMO_STATE_EBUSY 3 /* the thread is not halted, or is in a string copy or the kernel */

#define MNEMO_STATE_PARTS 7
#define MNEMO_STATE_PART_WORDS 32

/* Part 0, word by word. */
enum {
	MNEMO_REG_VERSION, /* MNEMO_STATE_VERSION */
	MNEMO_REG_FLAGS, /* MNEMO_STATE_F_* */
	MNEMO_REG_RIP,
	MNEMO_REG_RSP,
	MNEMO_REG_RFLAGS, /* only the arithmetic flags, DF and TF are restored */
	MNEMO_REG_RAX,
	MNEMO_REG_RBX,
	MNEMO_REG_RCX,
	MNEMO_REG_RDX,
	MNEMO_REG_RSI,
	MNEMO_REG_RDI,
	MNEMO_REG_RBP,
	MNEMO_REG_R8,
	MNEMO_REG_R9,
	MNEMO_REG_R10,
	MNEMO_REG_R11,
	MNEMO_REG_R12,
	MNEMO_REG_R13,
	MNEMO_REG_R14,
	MNEMO_REG_R15,
	MNEMO_REG_PRIORITY,
	MNEMO_REG_TIMESLICE_US,
	MNEMO_STATE_REGS
};
#define MNEMO_STATE_VERSION 1
#define MNEMO_STATE_F_RESTART 1 /* rip was moved back to the IPC system call */
#define MNEMO_STATE_F_RECV_ONLY 2 /* ... and only its receive phase is made again */
#define MNEMO_STATE_F_FPU 4 /* the thread has FPU/SSE state (parts 5, 6 are meaningful) */

#endif
