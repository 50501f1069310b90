/* SPDX-License-Identifier: MIT */
/* Where the amd64 IPC ABI keeps MR0-MR7 and the other IPC arguments in the trap frame (ABI §5.3). */
#ifndef ARCH_IPC_H
#define ARCH_IPC_H

#include <arch/trapframe.h>
#include <arch/layout.h>

struct tcb;

/* The user-mode register frame of t: at the top of its kernel stack (the TCB
 * and the stack share one KSTACK_SIZE-aligned frame). */
static inline struct trapframe *arch_user_frame(struct tcb *t)
{
	return (struct trapframe *)((word_t)t + KSTACK_SIZE - TF_SIZE);
}

#define ARCH_IPC_REG_MRS 8 /* MR0-MR7 travel in registers */

/* MR0 R9, MR1 RAX, MR2 RBX, MR3 R10, MR4 R12, MR5 R13, MR6 R14, MR7 R15. */
static inline word_t *arch_frame_mr(struct trapframe *tf, unsigned i)
{
	switch (i) {
	case 0: return &tf->r9;
	case 1: return &tf->rax;
	case 2: return &tf->rbx;
	case 3: return &tf->r10;
	case 4: return &tf->r12;
	case 5: return &tf->r13;
	case 6: return &tf->r14;
	default: return &tf->r15;
	}
}

/* Copies MR1..MRu (u < ARCH_IPC_REG_MRS) between two frames, register to register. */
static inline void arch_copy_reg_mrs(struct trapframe *d, const struct trapframe *s, unsigned u)
{
	switch (u) {
	case 7: d->r15 = s->r15; /* fall through */
	case 6: d->r14 = s->r14; /* fall through */
	case 5: d->r13 = s->r13; /* fall through */
	case 4: d->r12 = s->r12; /* fall through */
	case 3: d->r10 = s->r10; /* fall through */
	case 2: d->rbx = s->rbx; /* fall through */
	case 1: d->rax = s->rax; /* fall through */
	default: break;
	}
}

/* Ipc inputs: RSI to, RDX FromSpecifier, R8 timeouts; outputs: RSI from, RDI UTCB. */
static inline word_t arch_ipc_to(const struct trapframe *tf) { return tf->rsi; }
static inline word_t arch_ipc_from_spec(const struct trapframe *tf) { return tf->rdx; }
static inline word_t arch_ipc_timeouts(const struct trapframe *tf) { return tf->r8; }
static inline void arch_ipc_set_result(struct trapframe *tf, word_t from, word_t utcb)
{
	tf->rsi = from;
	tf->rdi = utcb;
}

/* Unmap (ABI §5.10): RDX control word in (MR0-MR7 in the registers above);
 * RDI UTCB out. */
static inline word_t arch_unmap_control(const struct trapframe *tf) { return tf->rdx; }
static inline void arch_unmap_set_result(struct trapframe *tf, word_t utcb) { tf->rdi = utcb; }

#endif
