/* SPDX-License-Identifier: MIT */
/* The layouts the assembly IPC fast path (ipc_fastpath.S) reads and writes, checked against the C structures. */
#ifndef ARCH_IPC_FASTPATH_H
#define ARCH_IPC_FASTPATH_H

/* struct tcb */
#define TCB_KSP 0
#define TCB_ID 528
#define TCB_STATE 536 /* enum thread_state: 4 bytes */
#define TCB_PRIORITY 540
#define TCB_SPACE 560
#define TCB_UTCB 568
#define TCB_TIMESLICE 600
#define TCB_QUANTUM_LEFT 608
#define TCB_HALTED 624
#define TCB_UTCB_K 632
#define TCB_IPC_PHASE 640 /* then ipc_any_local and timeout_armed, one byte each */
#define TCB_IPC_ANY_LOCAL 641
#define TCB_TIMEOUT_ARMED 642
#define TCB_IPC_PARTNER 648
#define TCB_SENDQ_HEAD 656
#define TCB_IPC_ERROR 680
#define TCB_IPC_CALL 696
#define TCB_KMSG 736
#define TCB_CANARY 1048
/* struct space, struct sched_queues, struct tss */
#define SPACE_PML4 0
#define SPACE_REDIRECTOR 48
#define SPACE_UTCB_AREA 24
#define SCHED_BITMAP 2048
#define TSS_RSP0 4
/* enum thread_state, enum ipc_phase */
#define FP_TS_READY 1
#define FP_TS_WAIT_IPC 3
#define FP_IPC_IDLE 0
#define FP_IPC_RECEIVING 2
/* The saved kernel context of a thread that blocked in the fast path: what
 * arch_switch_stack pops (six callee-saved registers, unused, and the return
 * address ipc_fast_resume) right below its user frame. */
#define FP_RECORD_SIZE 56
#define FP_MSR_GS_BASE 0xC0000101
/* UTCB words (l4/utcb.h); an fpage has its base in bits 10 up, its size log2 in bits 4-9. */
#define FP_UTCB_MR0_OFFSET 512
#define FP_UTCB_MY_GLOBAL_ID (-15)
/* Thread numbers and the two-level thread table (kern/thread.h). */
#define FP_THREAD_NUMBERS (1 << 18)
#define FP_TT_L2_BITS 9
#define FP_STACK_CANARY 0x6d6e656d6f535443
/* Message tag bits: typed items (t) or propagation send the IPC to the general
 * path; error, xcpu, redirected and propagated are cleared in the delivered tag. */
#define FP_TAG_SLOW 0x1fc0
#define FP_TAG_FLAGS 0xf000

#ifndef __ASSEMBLY__
#include <kern/thread.h>
#include <kern/space.h>
#include <kern/sched.h>
#include <arch/x86.h>
#include <arch/cpu.h>
#include <l4/utcb.h>

_Static_assert(offsetof(struct tcb, arch.ksp) == TCB_KSP, "tcb ksp");
_Static_assert(offsetof(struct tcb, id) == TCB_ID, "tcb id");
_Static_assert(offsetof(struct tcb, state) == TCB_STATE && sizeof(enum thread_state) == 4, "tcb state");
_Static_assert(offsetof(struct tcb, priority) == TCB_PRIORITY, "tcb priority");
_Static_assert(offsetof(struct tcb, space) == TCB_SPACE, "tcb space");
_Static_assert(offsetof(struct tcb, utcb) == TCB_UTCB, "tcb utcb");
_Static_assert(offsetof(struct tcb, timeslice_us) == TCB_TIMESLICE, "tcb timeslice");
_Static_assert(offsetof(struct tcb, quantum_left_us) == TCB_QUANTUM_LEFT, "tcb quantum");
_Static_assert(offsetof(struct tcb, halted) == TCB_HALTED, "tcb halted");
_Static_assert(offsetof(struct tcb, utcb_k) == TCB_UTCB_K, "tcb utcb_k");
_Static_assert(offsetof(struct tcb, ipc_phase) == TCB_IPC_PHASE, "tcb ipc_phase");
_Static_assert(offsetof(struct tcb, ipc_any_local) == TCB_IPC_ANY_LOCAL, "tcb ipc_any_local");
_Static_assert(offsetof(struct tcb, timeout_armed) == TCB_TIMEOUT_ARMED, "tcb timeout_armed");
_Static_assert(offsetof(struct tcb, ipc_partner) == TCB_IPC_PARTNER, "tcb ipc_partner");
_Static_assert(offsetof(struct tcb, sendq_head) == TCB_SENDQ_HEAD, "tcb sendq_head");
_Static_assert(offsetof(struct tcb, ipc_error) == TCB_IPC_ERROR, "tcb ipc_error");
_Static_assert(offsetof(struct tcb, ipc_call) == TCB_IPC_CALL, "tcb ipc_call");
_Static_assert(offsetof(struct tcb, kmsg) == TCB_KMSG, "tcb kmsg");
_Static_assert(offsetof(struct tcb, stack_canary) == TCB_CANARY, "tcb canary");
_Static_assert(sizeof(((struct tcb *)0)->ipc_phase) == 1 && sizeof(((struct tcb *)0)->halted) == 1 &&
		   sizeof(((struct tcb *)0)->ipc_call) == 1 && sizeof(((struct tcb *)0)->priority) == 1,
	       "byte fields");
_Static_assert(offsetof(struct space, pt.pml4) == SPACE_PML4, "space pml4");
_Static_assert(offsetof(struct space, utcb_area) == SPACE_UTCB_AREA, "space utcb_area");
_Static_assert(offsetof(struct space, redirector) == SPACE_REDIRECTOR, "space redirector");
_Static_assert(offsetof(struct sched_queues, bitmap) == SCHED_BITMAP && SCHED_PRIORITIES == 256, "sched bitmap");
_Static_assert(offsetof(struct tss, rsp) == TSS_RSP0, "tss rsp0");
_Static_assert(TS_READY == FP_TS_READY && TS_WAIT_IPC == FP_TS_WAIT_IPC, "thread states");
_Static_assert(IPC_IDLE == FP_IPC_IDLE && IPC_RECEIVING == FP_IPC_RECEIVING, "ipc phases");
_Static_assert(THREAD_NUMBERS == FP_THREAD_NUMBERS && TT_L2_BITS == FP_TT_L2_BITS, "thread table");
_Static_assert(FP_TAG_SLOW == (0xfc0 | L4_TAG_PROPAGATED) && L4_TAG_T(0xfc0) == 63 && L4_TAG_U(0x3f) == 63,
	       "tag: t in bits 6-11, u in bits 0-5");
_Static_assert(FP_TAG_FLAGS == (L4_TAG_ERROR | L4_TAG_XCPU | L4_TAG_REDIRECTED | L4_TAG_PROPAGATED), "tag flags");
_Static_assert(L4_NEVER == 0 && L4_ANYTHREAD == ~0ull && L4_NILTHREAD == 0, "IPC constants");
_Static_assert(L4_UTCB_MR0_OFFSET == FP_UTCB_MR0_OFFSET && L4_UTCB_MY_GLOBAL_ID == FP_UTCB_MY_GLOBAL_ID, "utcb");
_Static_assert(MSR_GS_BASE == FP_MSR_GS_BASE, "msr");
_Static_assert(TCB_STACK_CANARY == FP_STACK_CANARY, "canary");

#endif
#endif
