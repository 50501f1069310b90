/* SPDX-License-Identifier: MIT */
/* Where the amd64 IPC ABI keeps MR0-MR7 and the other IPC arguments in the trap frame (ABI §5.3). */
#ifndef ARCH_IPC_H
#define ARCH_IPC_H

#include <arch/trapframe.h>

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
